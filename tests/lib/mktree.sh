#!/bin/sh
# mktree.sh [--lossy] DEST
#
# Builds a test tree at DEST with every file type cramfs can hold and the
# edge cases an image writer has to get right.  The tree is the same on
# every run: same names, bytes, modes, owners and device numbers.
#
# Needs root, or fakeroot when run unprivileged, for the device nodes and
# the chown calls:
#     fakeroot sh -c 'tests/lib/mktree.sh /tmp/t && mkcramfs /tmp/t t.img'
# Under fakeroot the faked owners and device nodes exist only inside that
# one fakeroot session (or one saved with fakeroot -s FILE and reloaded
# with -i FILE), so build the tree and the image in the same session.
#
# Refuses to run if DEST exists and is not an empty directory.  A failed
# run leaves the partial tree at DEST for inspection; remove it to retry.
#
# Layout (paths below DEST):
#   files/text-N, files/random-N   sizes 0 1 4095 4096 4097 8192 65536
#                                  65537 200000; compressible text and
#                                  pseudo-random bytes
#   files/mixed-200000             4 KiB pages of text and random, alternating
#   holes/sparse                   data page, 9 pages of hole, data page
#                                  (45056 bytes, sparse on disk)
#   holes/dense                    same bytes as holes/sparse, zeros written
#   holes/tail-hole                1000 bytes of data, then zeros to 20000
#   holes/all-zero                 65536 bytes, one hole
#   same/a/copy same/b/copy same/c/d/copy
#                                  identical 8192-byte contents
#   same/exec-copy                 the same contents again, mode 0755
#   same/empty-1 same/empty-2      two empty files
#   same/size-twin-1..3            4096 bytes each: -2 differs from -1 in the
#                                  last byte only, -3 in the first byte only
#   links/hard-a links/hard-b      one inode, two names (5000 bytes)
#   links/rel                      -> ../files/text-4096
#   links/abs                      -> /etc/passwd
#   links/dangling                 -> does/not/exist
#   links/dir                      -> ../deep (a symlink to a directory)
#   links/self                     -> self (a loop)
#   links/long                     -> a 1000-byte relative target
#   deep/l1/l2/l3/l4/l5/l6/leaf.txt  six directories below deep/
#   empty/                         an empty directory
#   many/entry-000..entry-299      a directory with 300 entries
#   sort/                          names whose order depends on comparing
#                                  bytes: 0 A B Z _ a a-b a.b a_b aa ab
#                                  "with space" "-dash" ~ "ä" (UTF-8) and
#                                  "caf\351" (a Latin-1 byte, not UTF-8)
#   names/<252 x "n">              a name of exactly 252 bytes (the cramfs
#                                  limit), plus names/x (1 byte)
#   special/fifo                   a named pipe
#   special/socket                 a unix socket
#   special/char-1-3 (0666) special/char-5-1 (0600) special/char-4-64
#   special/block-8-1 (0660) special/block-31-0 (0660)
#   modes/                         setuid 4755, setgid 2755, both 6755,
#                                  sticky file 1644, mode-0000 and
#                                  exec-only-0111 (both empty, so an
#                                  unprivileged reader can handle them),
#                                  mode-0400, mode-0007 (empty), dir-0777/,
#                                  sticky-dir/ 1777, setgid-dir/ 2775
#   owners/                        uid 1000 gid 100 on user-file (0640),
#                                  user-dir/, user-link (the link itself),
#                                  user-fifo, user-char; 0:0 on root-file and on
#                                  user-dir/root-inside; 1000:0 and 0:100
#                                  on mixed-1000-0 and mixed-0-100
# Everything else is owned by 0:0, directories are 0755, regular files
# 0644, fifos, sockets and devices 0644 unless listed above.  Every
# directory keeps owner write and search permission, and every non-empty
# file owner read permission, so the tree can be read and copied
# unprivileged under fakeroot.
#
# With --lossy a directory lossy/ is added with what cramfs cannot keep:
# uid 70000 and gid 300 (cramfs keeps 16 and 8 bits), and a character
# device 4,300 (the kernel decodes cramfs device numbers with 8-bit major
# and minor, although a tool that stores and restores the raw 24-bit value
# gets it back).  Leave it out for round trips that must compare equal.
#
# Needs: sh, coreutils, python3.
set -eu

prog=mktree.sh
lossy=0

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

usage() {
	printf 'usage: %s [--lossy] DEST\n' "$prog" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--lossy) lossy=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
dest=$1
[ -n "$dest" ] || usage

if [ "$(id -u)" -ne 0 ]; then
	die "needs root for device nodes and owners: run it as root or under fakeroot"
fi
command -v python3 >/dev/null 2>&1 || die "python3 not found"

if [ -e "$dest" ] || [ -L "$dest" ]; then
	if [ ! -d "$dest" ] || [ -L "$dest" ]; then
		die "$dest exists and is not a directory"
	fi
	if [ -n "$(ls -A "$dest")" ]; then
		die "$dest exists and is not empty; refusing to touch it"
	fi
else
	mkdir "$dest" || die "cannot create $dest"
fi

status=1
trap 'if [ "$status" -ne 0 ]; then printf "%s: failed; partial tree left at %s\n" "$prog" "$dest" >&2; fi' EXIT
umask 022
cd "$dest"

# Deterministic file contents.  Reads lines "KIND SEED SIZE PATH" on stdin
# and creates each PATH (which must not exist).  KIND is text (lines of
# words, compresses well), random (SHA-256 in counter mode over SEED), or
# mixed (4 KiB pages alternating text and random).
GEN_PY='
import hashlib, os, sys

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet "
         "kilo lima mike november oscar papa quebec romeo sierra tango").split()

def text(seed, size):
    out, total, n = [], 0, 0
    while total < size:
        w = [WORDS[(n * 7 + seed * 3 + k * 11) % len(WORDS)] for k in range(6)]
        line = "%s %06d %s\n" % (seed, n, " ".join(w))
        out.append(line.encode())
        total += len(line)
        n += 1
    return b"".join(out)[:size]

def random(seed, size):
    out, total, n = [], 0, 0
    key = ("cramfs-test-%d-" % seed).encode()
    while total < size:
        block = hashlib.sha256(key + n.to_bytes(8, "little")).digest()
        out.append(block)
        total += len(block)
        n += 1
    return b"".join(out)[:size]

def mixed(seed, size):
    t, r = text(seed, size), random(seed, size)
    return b"".join((t if (i // 4096) % 2 == 0 else r)[i:i + 4096]
                    for i in range(0, size, 4096))[:size]

KINDS = {"text": text, "random": random, "mixed": mixed}

for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    kind, seed, size, path = line.split(" ", 3)
    data = KINDS[kind](int(seed), int(size))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
'
gen() {
	python3 -c "$GEN_PY"
}

mkdir files holes same same/a same/b same/c same/c/d links \
	deep deep/l1 deep/l1/l2 deep/l1/l2/l3 deep/l1/l2/l3/l4 \
	deep/l1/l2/l3/l4/l5 deep/l1/l2/l3/l4/l5/l6 \
	empty many sort names special modes owners

# ---- regular files of the edge sizes, one text and one random each ----
{
	seed=1
	for size in 0 1 4095 4096 4097 8192 65536 65537 200000; do
		echo "text $seed $size files/text-$size"
		echo "random $seed $size files/random-$size"
		seed=$((seed + 1))
	done
	echo "mixed 20 200000 files/mixed-200000"

	echo "random 30 8192 same/a/copy"
	echo "random 30 8192 same/b/copy"
	echo "random 30 8192 same/c/d/copy"
	echo "random 30 8192 same/exec-copy"
	echo "text 31 4096 same/size-twin-1"

	echo "text 40 5000 links/hard-a"
	echo "text 41 300 deep/l1/l2/l3/l4/l5/l6/leaf.txt"
	echo "text 42 100 modes/setuid"
	echo "text 43 100 modes/setgid"
	echo "text 44 100 modes/setuid-setgid"
	echo "text 45 100 modes/sticky-file"
	echo "text 46 100 modes/mode-0400"
	echo "text 47 100 owners/user-file"
	echo "text 48 100 owners/root-file"
	echo "text 49 100 owners/mixed-1000-0"
	echo "text 50 100 owners/mixed-0-100"
	echo "text 51 4096 holes/page-a"
	echo "random 52 4096 holes/page-b"
	echo "text 53 1000 holes/tail-hole"
} | gen

: >same/empty-1
: >same/empty-2

# Same size as size-twin-1; one byte differs: the last, then the first.
head -c 4095 same/size-twin-1 >same/size-twin-2
printf 'X' >>same/size-twin-2
printf 'X' >same/size-twin-3
tail -c 4095 same/size-twin-1 >>same/size-twin-3

# ---- zero pages and holes ----
cp holes/page-a holes/sparse
truncate -s 40960 holes/sparse
dd if=holes/page-b of=holes/sparse bs=4096 seek=10 conv=notrunc status=none
cat holes/page-a >holes/dense
head -c 36864 /dev/zero >>holes/dense
cat holes/page-b >>holes/dense
rm holes/page-a holes/page-b
truncate -s 20000 holes/tail-hole
truncate -s 65536 holes/all-zero

# ---- hard link and symlinks ----
ln links/hard-a links/hard-b
ln -s ../files/text-4096 links/rel
ln -s /etc/passwd links/abs
ln -s does/not/exist links/dangling
ln -s ../deep links/dir
ln -s self links/self
# 1000 bytes: "long-target/" is 12 bytes, 83 of them make 996, then "tail".
long=
i=0
while [ $i -lt 83 ]; do
	long=${long}long-target/
	i=$((i + 1))
done
long=${long}tail
[ ${#long} -eq 1000 ] || die "internal error: long symlink target is ${#long} bytes"
ln -s "$long" links/long

# ---- a directory of 300 entries ----
i=0
while [ $i -lt 300 ]; do
	n=$(printf '%03d' "$i")
	printf 'entry %s\n' "$n" >"many/entry-$n"
	i=$((i + 1))
done

# ---- names that sort differently by bytes than by locale ----
for name in 0 A B Z _ a a-b a.b a_b aa ab 'with space' -dash '~'; do
	printf '%s\n' "$name" >"sort/$name"
done
printf 'a-umlaut\n' >"sort/$(printf '\303\244')"
printf 'latin-1\n' >"sort/$(printf 'caf\351')"

# ---- name lengths ----
name=
i=0
while [ $i -lt 252 ]; do
	name=${name}n
	i=$((i + 1))
done
printf 'name of 252 bytes\n' >"names/$name"
printf 'x\n' >names/x

# ---- special files ----
mkfifo special/fifo
(cd special && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("socket")')
[ -S special/socket ] || die "could not create a unix socket"
mknod special/char-1-3 c 1 3
mknod special/char-5-1 c 5 1
mknod special/char-4-64 c 4 64
mknod special/block-8-1 b 8 1
mknod special/block-31-0 b 31 0

# ---- modes (contents made above) ----
: >modes/mode-0000
: >modes/exec-only-0111
: >modes/mode-0007
mkdir modes/dir-0777 modes/sticky-dir modes/setgid-dir

# ---- owners ----
mkdir owners/user-dir
printf 'owned by root inside a user directory\n' >owners/user-dir/root-inside
ln -s user-file owners/user-link
mkfifo owners/user-fifo
mknod owners/user-char c 1 5

if [ "$lossy" -eq 1 ]; then
	mkdir lossy
	printf 'uid 70000\n' >lossy/big-uid
	printf 'gid 300\n' >lossy/big-gid
	mknod lossy/char-4-300 c 4 300
fi

# ---- ownership, then modes (chown clears setuid and setgid bits) ----
chown -R -h 0:0 .
chown 1000:100 owners/user-file owners/user-dir owners/user-fifo owners/user-char
chown -h 1000:100 owners/user-link
chown 1000:0 owners/mixed-1000-0
chown 0:100 owners/mixed-0-100
if [ "$lossy" -eq 1 ]; then
	chown 70000:0 lossy/big-uid
	chown 0:300 lossy/big-gid
fi

find . -type d -exec chmod 0755 {} +
find . ! -type d ! -type l -exec chmod 0644 {} +
chmod 0755 same/exec-copy
chmod 4755 modes/setuid
chmod 2755 modes/setgid
chmod 6755 modes/setuid-setgid
chmod 1644 modes/sticky-file
chmod 0400 modes/mode-0400
chmod 0000 modes/mode-0000
chmod 0111 modes/exec-only-0111
chmod 0007 modes/mode-0007
chmod 0777 modes/dir-0777
chmod 1777 modes/sticky-dir
chmod 2775 modes/setgid-dir
chmod 0600 special/char-5-1
chmod 0660 special/block-8-1 special/block-31-0
chmod 0666 special/char-1-3
chmod 0640 owners/user-file

status=0
