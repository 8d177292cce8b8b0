#!/bin/bash
# Build the tree the kernel tests put into their images, for one architecture.
#
#   mktesttree.sh x86_64|arm64 DEST
#
# DEST must not exist.  Contents:
#   - the example root file system of tests/lib/mkexample.sh (busybox of the
#     target architecture with its applet links, /etc, device nodes), or
#     just bin/busybox when that script is missing;
#   - the edge-case tree of tests/lib/mktree.sh under /edge, when present;
#   - usr/bin/hello, a dynamically linked program, with the ld.so and libc
#     it needs at the paths its own ld.so searches;
#   - a few data files of awkward sizes under /xipdata.
# Needs root (device nodes, owners), like the scripts it calls.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=$here/../lib

die() { echo "mktesttree: error: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: mktesttree.sh x86_64|arm64 DEST"
arch=$1 dest=$2
[ ! -e "$dest" ] || die "$dest exists"

guestdir=$("$here/build-guest.sh" "$arch")
case $arch in
x86_64)
	cc=gcc
	ldso=/lib64/ld-linux-x86-64.so.2
	libc=/lib/x86_64-linux-gnu/libc.so.6
	libdir=lib/x86_64-linux-gnu ;;
arm64)
	cc=aarch64-linux-gnu-gcc
	ldso=/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
	libc=/usr/aarch64-linux-gnu/lib/libc.so.6
	libdir=lib/aarch64-linux-gnu ;;
*) die "unknown architecture '$arch'" ;;
esac

if [ -f "$lib/mkexample.sh" ]; then
	# mkexample.sh asks busybox for its applet list, which a foreign binary
	# cannot answer here: take the list from the host's busybox-static (the
	# same Debian version) and put the target's binary in its place.
	BUSYBOX=/bin/busybox sh "$lib/mkexample.sh" "$dest" >&2 || die "mkexample.sh failed"
	cp "$guestdir/busybox" "$dest/bin/busybox"
	chmod 755 "$dest/bin/busybox"
	chown 0:0 "$dest/bin/busybox"
else
	mkdir -p "$dest/bin"
	chmod 755 "$dest" "$dest/bin"
	install -m 755 "$guestdir/busybox" "$dest/bin/busybox"
fi
if [ -f "$lib/mktree.sh" ]; then
	sh "$lib/mktree.sh" "$dest/edge" >&2 || die "mktree.sh failed"
fi

# A dynamically linked program and what it needs, found where its ld.so looks.
mkdir -p "$dest/usr/bin" "$dest/$libdir"
"$cc" -O2 -o "$dest/usr/bin/hello" "$here/guest/hello.c" || die "compiling hello for $arch failed"
interp=$(python3 - "$dest/usr/bin/hello" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
e = "<" if data[5] == 1 else ">"
phoff, = struct.unpack_from(e + "Q", data, 0x20)
phentsize, phnum = struct.unpack_from(e + "HH", data, 0x36)
for i in range(phnum):
    off = phoff + i * phentsize
    ptype, = struct.unpack_from(e + "I", data, off)
    if ptype == 3:
        poff, = struct.unpack_from(e + "Q", data, off + 8)
        psz, = struct.unpack_from(e + "Q", data, off + 32)
        print(data[poff:poff + psz].rstrip(b"\0").decode())
EOF
)
[ -n "$interp" ] || die "hello has no PT_INTERP"
mkdir -p "$dest/$(dirname "$interp")"
cp -L "$ldso" "$dest$interp"
cp -L "$libc" "$dest/$libdir/libc.so.6"
chmod 755 "$dest$interp" "$dest/$libdir/libc.so.6" "$dest/usr/bin/hello"

# Data files whose sizes sit on and around page boundaries at 4K, 16K and 64K.
mkdir -p "$dest/xipdata"
python3 - "$dest/xipdata" <<'EOF'
import hashlib, os, sys
d = sys.argv[1]
def prng(n, seed):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s-%d" % (seed, i)).digest()
        i += 1
    return bytes(out[:n])
for size in (1, 4095, 4096, 16384, 65535, 65536, 65537, 200000):
    with open(os.path.join(d, "random-%d" % size), "wb") as f:
        f.write(prng(size, b"random-%d" % size))
    with open(os.path.join(d, "text-%d" % size), "wb") as f:
        line = b"cramfs xip test data, line of text\n"
        f.write((line * (size // len(line) + 1))[:size])
EOF
find "$dest/xipdata" "$dest/usr" "$dest/lib" "$dest/lib64" -type d -exec chmod 755 {} + 2>/dev/null || true
find "$dest/xipdata" -type f -exec chmod 644 {} +
chown -R 0:0 "$dest/xipdata" "$dest/usr/bin/hello" "$dest$interp" "$dest/$libdir"
