#!/bin/sh
# mkexample.sh DEST
#
# Builds the example embedded root filesystem at DEST: a static busybox
# with a link for each of its applets, a small /etc that boots with
# busybox init, the usual empty mount points, some sample data files of
# awkward sizes, a fifo and the basic device nodes.
#
# Device nodes are made with mknod and everything is chowned to root, so
# this needs root; unprivileged, run it under fakeroot, in the same
# fakeroot session as whatever reads the tree afterwards:
#     fakeroot sh -c 'tests/lib/mkexample.sh /tmp/ex && mkcramfs /tmp/ex ex.img'
# (or keep the session with fakeroot -s FILE and resume it with -i FILE).
#
# The busybox binary comes from Debian's busybox-static (/bin/busybox);
# set BUSYBOX to use another static busybox.  For a given busybox the
# result is the same on every run: same names, bytes, modes, owners and
# device numbers, whatever the umask.
#
# Refuses to run if DEST exists and is not an empty directory.  A failed
# run leaves the partial tree at DEST for inspection; remove it to retry.
#
# Contents (all owned by 0:0):
#   bin/busybox                    the binary, 0755
#   bin/*, sbin/*, usr/bin/*, usr/sbin/*, linuxrc
#                                  relative symlinks to bin/busybox, one per
#                                  line of "busybox --list-full"
#                                  (sbin/init -> ../bin/busybox)
#   etc/passwd group hostname inittab fstab profile   0644
#   etc/init.d/rcS                 0755, mounts proc, sysfs and the tmpfs
#                                  mounts of etc/fstab
#   dev/console c 5,1 0600   dev/null c 1,3 0666   dev/zero c 1,5 0666
#   dev/tty c 5,0 0666       dev/ttyS0 c 4,64 0660 dev/mtdblock0 b 31,0 0660
#   proc/ sys/ mnt/ var/log/       empty, 0755
#   tmp/                           empty, 1777
#   root/                          empty, 0700
#   usr/share/example/README       a short text
#   usr/share/example/block-4096.bin   exactly 4096 bytes of text
#   usr/share/example/one-byte     1 byte
#   usr/share/example/empty        0 bytes
#   usr/share/example/text-100k.txt    102400 bytes of compressible text
#   usr/share/example/random-64k.bin   65536 pseudo-random bytes (SHA-256
#                                  in counter mode over a fixed seed)
#   usr/share/example/fifo         a named pipe, 0644
# Other directories are 0755 and other regular files 0644.
#
# Needs: sh, coreutils, python3, busybox-static.
set -eu

prog=mkexample.sh

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ]; then
	printf 'usage: %s DEST\n' "$prog" >&2
	exit 2
fi
dest=$1
busybox=${BUSYBOX:-/bin/busybox}

if [ "$(id -u)" -ne 0 ]; then
	die "needs root for device nodes and owners: run it as root or under fakeroot"
fi
command -v python3 >/dev/null 2>&1 || die "python3 not found"
if [ ! -f "$busybox" ] || [ ! -x "$busybox" ]; then
	die "$busybox not found or not executable (install busybox-static or set BUSYBOX)"
fi
applets=$("$busybox" --list-full) || die "$busybox --list-full failed"
[ -n "$applets" ] || die "$busybox --list-full printed nothing"

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

mkdir bin sbin usr usr/bin usr/sbin usr/share usr/share/example \
	etc etc/init.d dev proc sys mnt tmp root var var/log

# ---- busybox and its applet links ----
cp "$busybox" bin/busybox
printf '%s\n' "$applets" | LC_ALL=C sort -u | while IFS= read -r path; do
	case $path in
	'' | bin/busybox) continue ;;
	/* | *..* | */) die "unexpected applet path '$path'" ;;
	esac
	dir=${path%/*}
	up=
	if [ "$dir" != "$path" ]; then
		[ -d "$dir" ] || mkdir -p "$dir"
		rest=$dir
		while :; do
			up=../$up
			case $rest in
			*/*) rest=${rest%/*} ;;
			*) break ;;
			esac
		done
	fi
	ln -s "${up}bin/busybox" "$path"
done
[ -L sbin/init ] || die "busybox has no init applet"
[ -L bin/sh ] || die "busybox has no sh applet"

# ---- /etc ----
cat >etc/passwd <<'EOF'
root::0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
daemon:x:1:
tty:x:5:
disk:x:6:
nogroup:x:65534:
EOF
printf 'cramfs-example\n' >etc/hostname
cat >etc/inittab <<'EOF'
# busybox init
::sysinit:/etc/init.d/rcS
::askfirst:-/bin/sh
# A login prompt on the serial port instead:
# ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
::restart:/sbin/init
EOF
cat >etc/fstab <<'EOF'
# <file system> <mount point> <type> <options> <dump> <pass>
/dev/mtdblock0  /             cramfs  ro                 0 0
proc            /proc         proc    nosuid,nodev,noexec 0 0
sysfs           /sys          sysfs   nosuid,nodev,noexec 0 0
tmpfs           /tmp          tmpfs   mode=1777,nosuid,nodev 0 0
tmpfs           /var/log      tmpfs   mode=0755,nosuid,nodev 0 0
EOF
cat >etc/profile <<'EOF'
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
export HOME=/root
PS1='\h:\w\$ '
umask 022
EOF
cat >etc/init.d/rcS <<'EOF'
#!/bin/sh
# The root file system is a read-only cramfs: mount the kernel file
# systems and the tmpfs mounts from /etc/fstab.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -a -t tmpfs
hostname -F /etc/hostname
EOF

# ---- device nodes and a fifo ----
mknod dev/console c 5 1
mknod dev/null c 1 3
mknod dev/zero c 1 5
mknod dev/tty c 5 0
mknod dev/ttyS0 c 4 64
mknod dev/mtdblock0 b 31 0
mkfifo usr/share/example/fifo

# ---- sample data ----
cat >usr/share/example/README <<'EOF'
Sample files of the cramfs example root file system.

block-4096.bin   exactly one 4096-byte page
one-byte         a single byte
empty            no data at all
text-100k.txt    100 KiB of text that compresses well
random-64k.bin   64 KiB of pseudo-random bytes that do not compress
fifo             a named pipe
EOF
printf 'x' >usr/share/example/one-byte
: >usr/share/example/empty
# Reads lines "KIND SEED SIZE PATH"; KIND is text or random.
python3 -c '
import hashlib, os, sys

def text(seed, size):
    out, total, n = [], 0, 0
    while total < size:
        line = "%06d the quick brown fox jumps over the lazy dog, seed %d\n" % (n, seed)
        out.append(line.encode())
        total += len(line)
        n += 1
    return b"".join(out)[:size]

def random(seed, size):
    out, total, n = [], 0, 0
    key = ("cramfs-example-%d-" % seed).encode()
    while total < size:
        block = hashlib.sha256(key + n.to_bytes(8, "little")).digest()
        out.append(block)
        total += len(block)
        n += 1
    return b"".join(out)[:size]

for line in sys.stdin:
    kind, seed, size, path = line.rstrip("\n").split(" ", 3)
    data = {"text": text, "random": random}[kind](int(seed), int(size))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
' <<'EOF'
text 1 4096 usr/share/example/block-4096.bin
text 2 102400 usr/share/example/text-100k.txt
random 3 65536 usr/share/example/random-64k.bin
EOF

# ---- owners, then modes (chown clears setuid and setgid bits) ----
chown -R -h 0:0 .
find . -type d -exec chmod 0755 {} +
find . -type f -exec chmod 0644 {} +
chmod 0755 bin/busybox etc/init.d/rcS
chmod 1777 tmp
chmod 0700 root
chmod 0644 usr/share/example/fifo
chmod 0600 dev/console
chmod 0666 dev/null dev/zero dev/tty
chmod 0660 dev/ttyS0 dev/mtdblock0

status=0
