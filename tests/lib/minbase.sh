#!/bin/sh
# minbase.sh [--quarter]
#
# Prints the path of a Debian bookworm "minbase" root file system tree, a
# realistic input for size and speed measurements, building it on first
# use with
#     mmdebstrap --mode=root --variant=minbase bookworm DIR [MIRROR]
# and caching it under
#     ${CRAMFS_TEST_CACHE:-$HOME/.cache/mkcramfs-xip}/minbase-bookworm/
# With --quarter, prints instead the path of a subset of that tree,
# minbase-bookworm-quarter/ beside it: every directory on the way to a
# chosen entry, and one entry in four of all the non-directories taken in
# byte order of their paths (entries 1, 5, 9, ...).  The subset is cached
# too, and is the same for the same full tree.
#
# A tree is built in a temporary directory beside its final place, moved
# there with one rename, and only then marked finished by a stamp file
# beside it (minbase-bookworm.done, minbase-bookworm-quarter.done), which
# also records how long the build took, its size and entry count.  A tree
# without its stamp is an interrupted build: it is removed and built again.
# Builds are serialised with flock, so parallel callers wait for one build.
#
# Building needs real root (not fakeroot): mmdebstrap makes device nodes
# and root-owned files, and only in root mode does the tree come out with
# the real owners.  Reading the cached tree afterwards needs no privilege,
# except for the few files that are not world-readable (etc/shadow,
# etc/gshadow 0640 root:shadow, ...): an unprivileged mkcramfs run over the
# tree fails on those.  It needs network access to a Debian mirror;
# set CRAMFS_TEST_MIRROR to use another mirror than mmdebstrap's default
# (http://deb.debian.org/debian).  The package versions are those the
# mirror has on the day of the build, so a tree built later may differ.
#
# What the full tree holds (bookworm, amd64, as built here): 8743 entries
# (7611 non-directories, 1132 directories), 168.8 MB (du -sb), about 69 MB
# as a cramfs image; the first build takes 10 to 40 s on two cores, most of
# it downloading and unpacking packages.  The quarter tree: 2594 entries
# (1903 non-directories), 51.6 MB, made in about a second.
#
# Special files and other things to know in the full tree: regular files
# up to 4.5 MB (all under the 16 MiB cramfs limit); character devices
# dev/console 5,1, dev/full 1,7, dev/null 1,3, dev/ptmx 5,2, dev/random
# 1,8, dev/tty 5,0, dev/urandom 1,9, dev/zero 1,5; no fifos or sockets;
# setuid/setgid programs (su, mount, passwd, unix_chkpwd, ...);
# hard-linked files (usr/bin/perl and usr/bin/perl5.36.0, usr/bin/perlbug
# and usr/bin/perlthanks); uid 0 throughout, gids 0 and shadow, utmp, mail, staff (42, 43, 8, 50), and
# setgid directories (var/mail, var/local); etc/shadow and etc/gshadow are
# 0640; var/cache/apt/archives/partial is 0700 (owned by _apt in some
# builds).  Symlinks: /bin, /lib, /sbin and /lib64 point into usr, and
# dev/fd, dev/stdin, dev/stdout, dev/stderr into /proc; dev/pts and
# dev/shm are empty directories.
#
# Needs: mmdebstrap, util-linux (flock), coreutils, tar, python3, and
# network access to a Debian mirror for the first build.
set -eu

prog=minbase.sh

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

need_root() {
	if [ "$(id -u)" -ne 0 ] || [ -n "${FAKEROOTKEY:-}" ]; then
		die "$1 is not built yet and building it needs real root (not fakeroot); run $prog once as root"
	fi
}

quarter=0
case $# in
0) ;;
1)
	case $1 in
	--quarter) quarter=1 ;;
	*) printf 'usage: %s [--quarter]\n' "$prog" >&2; exit 2 ;;
	esac
	;;
*) printf 'usage: %s [--quarter]\n' "$prog" >&2; exit 2 ;;
esac

if [ -n "${CRAMFS_TEST_CACHE:-}" ]; then
	cache=$CRAMFS_TEST_CACHE
else
	[ -n "${HOME:-}" ] || die "neither CRAMFS_TEST_CACHE nor HOME is set"
	cache=$HOME/.cache/mkcramfs-xip
fi
full=$cache/minbase-bookworm
part=$cache/minbase-bookworm-quarter

# Fast path: already built.
if [ "$quarter" -eq 1 ]; then
	want=$part
else
	want=$full
fi
if [ -f "$want.done" ] && [ -d "$want" ]; then
	printf '%s\n' "$want"
	exit 0
fi

need_root "$want"
mkdir -p "$cache" || die "cannot create $cache"
command -v flock >/dev/null 2>&1 || die "flock not found (util-linux)"
exec 9>"$cache/minbase.lock"
flock 9 || die "cannot lock $cache/minbase.lock"

# remove DIR: delete a tree of ours, but never through a mount point (a
# killed mmdebstrap can leave /proc, /sys or /dev mounts in its chroot).
remove() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		if awk -v d="$1/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
			die "file systems are still mounted below $1; unmount them and remove it by hand"
		fi
		rm -rf --one-file-system "$1"
	fi
}

tmp=
cleanup() {
	if [ -n "$tmp" ]; then
		remove "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Under the lock no one else is building: whatever build directory or
# unstamped tree is here was left by an interrupted run.
for stale in "$cache"/.minbase-bookworm.build.*; do
	remove "$stale"
done

now() {
	date +%s
}

# stamp TREE SECONDS: record a finished build, atomically.
stamp() {
	bytes=$(du -sb "$1" | cut -f1)
	entries=$(find "$1" | wc -l)
	{
		printf 'tree=%s\n' "$1"
		printf 'built=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		printf 'seconds=%s\n' "$2"
		printf 'bytes=%s\n' "$bytes"
		printf 'entries=%s\n' "$entries"
		printf 'mmdebstrap=%s\n' "$(mmdebstrap --version 2>/dev/null || echo unknown)"
	} >"$1.done.tmp"
	mv -f "$1.done.tmp" "$1.done"
	printf '%s: built %s in %s s: %s bytes, %s entries\n' "$prog" "$1" "$2" "$bytes" "$entries" >&2
}

build_full() {
	need_root "$full"
	command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap not found (apt-get install mmdebstrap)"
	# A new full tree makes any subset of the old one stale.
	rm -f "$part.done"
	remove "$full"
	remove "$part"
	tmp=$(mktemp -d "$cache/.minbase-bookworm.build.XXXXXX")
	start=$(now)
	set -- --mode=root --variant=minbase --quiet bookworm "$tmp/root"
	if [ -n "${CRAMFS_TEST_MIRROR:-}" ]; then
		set -- "$@" "$CRAMFS_TEST_MIRROR"
	fi
	mmdebstrap "$@" >&2 || die "mmdebstrap failed"
	mv -T "$tmp/root" "$full"
	remove "$tmp"
	tmp=
	stamp "$full" $(($(now) - start))
}

build_quarter() {
	need_root "$part"
	remove "$part"
	tmp=$(mktemp -d "$cache/.minbase-bookworm.build.XXXXXX")
	start=$(now)
	mkdir "$tmp/root"
	# NUL-separated list: ".", then the chosen non-directories and every
	# directory above them, in byte order so parents come first.
	python3 -c '
import os, sys
root = sys.argv[1]
others = []
for dirpath, dirnames, filenames in os.walk(root):
    rel = os.path.relpath(dirpath, root)
    for name in dirnames:
        path = os.path.join(dirpath, name)
        if os.path.islink(path):
            others.append(os.path.normpath(os.path.join(rel, name)))
    for name in filenames:
        others.append(os.path.normpath(os.path.join(rel, name)))
others.sort(key=os.fsencode)
chosen = others[::4]
dirs = set()
for path in chosen:
    head = os.path.dirname(path)
    while head:
        dirs.add(head)
        head = os.path.dirname(head)
out = ["."] + sorted(dirs | set(chosen), key=os.fsencode)
sys.stdout.buffer.write(b"".join(os.fsencode("./" + p if p != "." else p) + b"\0" for p in out))
' "$full" >"$tmp/list"
	# Directories are listed explicitly, so no recursion: each entry is
	# copied with its own mode and owner, and devices and hard links too.
	tar -C "$full" --null --no-recursion -T "$tmp/list" -cf "$tmp/quarter.tar"
	tar -C "$tmp/root" --same-owner --same-permissions -xf "$tmp/quarter.tar"
	mv -T "$tmp/root" "$part"
	remove "$tmp"
	tmp=
	stamp "$part" $(($(now) - start))
}

if [ ! -f "$full.done" ] || [ ! -d "$full" ]; then
	rm -f "$full.done"
	build_full
fi
if [ "$quarter" -eq 1 ] && { [ ! -f "$part.done" ] || [ ! -d "$part" ]; }; then
	rm -f "$part.done"
	build_quarter
fi
printf '%s\n' "$want"
