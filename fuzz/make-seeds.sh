#!/bin/sh
# fuzz/make-seeds.sh OUTDIR: small cramfs images made with our mkcramfs, as a seed corpus for
# fuzz_image.  One image per feature the reader decodes: plain, both byte orders, the boot pad,
# an inserted file (shifted root), holes, raw blocks, XIP (an ELF and whole files, MMU and
# no-MMU), shared blocks, 16 KiB and 64 KiB blocks, a device table, symlinks, empty
# directories.  Every seed is kept under 16 KiB (a larger one is an error: the fuzzer's
# max_len follows the corpus).
#
# Environment: MKCRAMFS (default: mkcramfs from PATH).  Needs python3.
set -eu
prog=make-seeds.sh
[ $# -eq 1 ] || { echo "usage: $prog OUTDIR" >&2; exit 2; }
out=$1
mk=${MKCRAMFS:-mkcramfs}
command -v "$mk" >/dev/null 2>&1 || { echo "$prog: $mk not found: set MKCRAMFS" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "$prog: python3 not found" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cramfs-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The trees.  small: a file, a 3-block file, an empty file, a symlink, an empty directory.
python3 - "$tmp" <<'EOF'
import hashlib
import os
import struct
import sys

top = sys.argv[1]


def put(path, data, mode=0o644):
    path = os.path.join(top, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def noise(n, seed):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d-%d" % (seed, i)).digest()
        i += 1
    return out[:n]


def text(n):
    return b"".join(b"%05d cramfs\n" % i for i in range(n // 13 + 1))[:n]


def tiny_elf():
    # ELF64 little-endian x86-64 executable: one read-only executable PT_LOAD of 4096 bytes
    # (one XIP page) and one writable PT_LOAD (never XIP); 4200 bytes in all.
    size = 4200
    eh = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, 2, 62, 1,
                     0x400078, 64, 0, 0, 64, 56, 2, 64, 0, 0)
    ph1 = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 4096, 4096, 4096)
    ph2 = struct.pack("<IIQQQQQQ", 1, 6, 4096, 0x401000, 0x401000, size - 4096, size - 4096, 4096)
    body = eh + ph1 + ph2
    return body + text(size - len(body))


# small: the common case
put("small/a", b"hello\n")
put("small/dir/b", text(9000))
put("small/empty", b"")
os.symlink("a", os.path.join(top, "small/link"))
os.makedirs(os.path.join(top, "small/emptydir"))
# holes: all-zero blocks between data
put("holes/sparse", b"\0" * 8192 + b"tail" + b"\0" * 4096)
put("holes/zero", b"\0" * 4096)
# raw: incompressible data (kept raw with -x)
put("raw/noise", noise(3000, 1))
put("raw/small", b"x")
# xip: an ELF with one read-only page, and small data files
put("xip/bin/prog", tiny_elf(), 0o755)
put("xip/data/one", text(100))
put("xip/data/page", text(4096))
# big blocks: a file of several 4 KiB pages, one block of 16 KiB or 64 KiB
put("bigblk/text", text(70000))
put("bigblk/b", b"bb\n")
# share: identical blocks in different files
put("share/one", text(8192))
put("share/two", text(8192) + b"more")
# links: symlinks, including a long target and ones pointing up and out
os.makedirs(os.path.join(top, "links/d"))
for name, to in (("rel", "d/x"), ("up", "../up"), ("abs", "/etc/passwd"), ("long", "L" * 200),
                 ("d/back", ".."), ("self", "self")):
    os.symlink(to, os.path.join(top, "links", name))
# dirs: empty directories, nested
for d in ("dirs/a/b/c/d/e", "dirs/x", "dirs/y/z"):
    os.makedirs(os.path.join(top, d))
put("dirs/y/f", b"f\n")
# devices: made by the device table (no root needed)
os.makedirs(os.path.join(top, "devs"))
put("devs/readme", b"nodes come from the table\n")
with open(os.path.join(top, "table"), "w") as f:
    f.write("/dev d 755 0 0 - - - - -\n"
            "/dev/null c 666 0 0 1 3 0 0 -\n"
            "/dev/sda b 660 0 6 8 0 0 0 -\n"
            "/dev/tty c 666 0 5 4 0 0 1 3\n"
            "/dev/fifo p 644 0 0 - - - - -\n")
put("insert", b"boot code\n" * 10)
EOF

n=0
seed() {
	# seed NAME TREE OPTION...
	name=$1
	tree=$2
	shift 2
	"$mk" "$@" "$tmp/$tree" "$out/$name.img" >/dev/null 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		echo "$prog: mkcramfs $* $tree failed" >&2
		exit 1
	}
	size=$(wc -c <"$out/$name.img")
	if [ "$size" -gt 16384 ]; then
		echo "$prog: $name.img is $size bytes, over 16 KiB" >&2
		exit 1
	fi
	n=$((n + 1))
}

seed plain small
seed big-endian small -N big
seed padded small -p
seed padded-big small -p -N big
seed inserted small -i "$tmp/insert"
seed holes holes -z
seed holes-big holes -z -N big
seed raw raw -x
seed xip-elf xip -X
seed xip-elf-big xip -X -N big
seed xip-files xip --xip='/data/*'
seed xip-nommu xip -X --nommu
seed xip-lastpage xip --no-xip='/bin/*' --xip='/data/page' --xip-direct-last-page
seed share share -S
seed blk16k bigblk -b 16384
seed blk64k bigblk -b 65536
seed blk64k-big bigblk -b 65536 -N big
seed blk16k-holes holes -b 16384 -z
seed links links
seed dirs dirs
seed devtable devs -D "$tmp/table"
seed devtable-big devs -D "$tmp/table" -N big
echo "$prog: $n seeds in $out"
