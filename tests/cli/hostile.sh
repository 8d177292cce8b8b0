#!/bin/sh
# hostile.sh: cramfsck on crafted images.
#
# mkhostile.py writes each image directly (the format, not mkcramfs), with a valid CRC, size
# and file count, so that every one passes the superblock checks and the damage is in the
# tree: names with '/', ".", "..", empty names and names with a NUL inside; a symlink that
# points out of the target (relative "../../etc", and the absolute path of a sentinel
# directory) followed by a file or directory of the same name, or by a path through it;
# device nodes; a file of 0xffffff bytes with a few bytes of data; directory offset loops
# (to the parent's entries, to itself); overlapping directories and data; directory entries,
# pointer tables and direct pointers past the image end; directories nested too deep.
#
# For each image:
#   - cramfsck exits 4 with a message naming the problem, never crashes or hangs (10 s);
#   - cramfsck -x DIR exits 4, and writes nothing outside DIR: a sentinel directory next to
#     DIR is unchanged, and a listing of the whole test directory (names, types, sizes,
#     modes, link targets, outside DIR) is the same before and after.
# And an extraction target that exists and is not empty is refused (exit 8), untouched.
#
# Then images that cost time out of proportion to their size unless the checker inflates each
# distinct compressed block once (mkamplify.py, at -b 65536): 200 files of 256 direct pointers
# to one 63 KiB zlib block (274 KB, a valid image of 3.3 GB of data: 51,200 inflations before),
# and the same with the stored length of each pointer's block 4 bytes longer than the last (each
# a different block, all overlapping: 25,600 inflations before).  cramfsck -v says how many
# blocks it inflated: a deterministic count, not a time.  The second one's 16,000 messages must
# cost a write call each, not one per character.
# Needs: python3, timeout, find (GNU).

if [ -z "${SRCDIR:-}" ]; then
	echo "hostile.sh: ERROR: the environment variable SRCDIR is not set (the test driver sets it)" >&2
	exit 99
fi
# shellcheck source=SCRIPTDIR/common.sh
. "$SRCDIR/tests/cli/common.sh"

need_env CRAMFSCK
need_cmd python3 timeout find sort cmp
[ -x "$CRAMFSCK" ] || die "CRAMFSCK=$CRAMFSCK is not an executable file"
setup_tmp

# mkhostile.py OUTDIR SENTINEL: writes OUTDIR/NAME.img for every case below.  SENTINEL is
# the absolute path of a directory an image must never reach (its symlinks point there).
cat >"$TMP/mkhostile.py" <<'EOF'
import os
import struct
import sys
import zlib

MAGIC = 0x28CD3D45
FSID_V2, SORTED, EXT = 0x1, 0x2, 0x800
S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFIFO = 0o040000, 0o100000, 0o120000, 0o020000, 0o010000
BS = 4096
UNCOMPRESSED, DIRECT = 1 << 31, 1 << 30


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def inode(mode, size, namelen, offset, uid=0, gid=0):
    """A little-endian inode; namelen and offset in bytes."""
    return struct.pack("<III", (mode & 0xFFFF) | (uid & 0xFFFF) << 16, (size & 0xFFFFFF) | (gid & 0xFF) << 24,
                       ((namelen >> 2) & 0x3F) | ((offset >> 2) & 0x3FFFFFF) << 6)


class Node:
    """One entry.  fix: fields to force after layout, each a value or fn(image, node)."""

    def __init__(self, name, mode, kids=None, data=b"", size=None, namelen=None, **fix):
        if callable(size):
            fix["size"], size = size, None
        self.name = name.encode() if isinstance(name, str) else name
        self.mode, self.kids, self.data = mode, kids or [], data
        self.size, self.namelen, self.fix = size, namelen, fix
        self.inode_off = self.offset = self.entries_size = 0


def D(name, *kids, mode=0o755, **fix):
    return Node(name, S_IFDIR | mode, list(kids), **fix)


def F(name, data=b"", mode=0o644, **fix):
    return Node(name, S_IFREG | mode, data=data, **fix)


def L(name, target, **fix):
    return Node(name, S_IFLNK | 0o777, data=target.encode(), **fix)


class Image:
    def __init__(self, root, flags=FSID_V2 | SORTED):
        self.root, self.flags = root, flags
        self.buf = bytearray(76)
        self.nodes = []
        self.place(root)
        for n in self.nodes:
            if (n.mode & 0o170000) in (S_IFREG, S_IFLNK) and n.data:
                n.offset = self.put_data(n.data)

    def place(self, d):
        """Entries of d here, then those of its subdirectories, depth first (as mkcramfs)."""
        self.nodes.append(d)
        if not d.kids:
            return
        d.offset = len(self.buf)
        for k in d.kids:
            k.inode_off = len(self.buf)
            name = pad4(k.name)
            self.buf += b"\0" * 12 + name
        d.entries_size = len(self.buf) - d.offset
        for k in d.kids:
            if k.kids:
                self.place(k)
            else:
                self.nodes.append(k)

    def put_data(self, data):
        table = len(self.buf)
        nblocks = (len(data) + BS - 1) // BS
        self.buf += b"\0" * 4 * nblocks
        for i in range(nblocks):
            self.buf += zlib.compress(data[i * BS:(i + 1) * BS])
            struct.pack_into("<I", self.buf, table + 4 * i, len(self.buf))
        self.buf += b"\0" * (-len(self.buf) % 4)
        return table

    def here(self):
        return len(self.buf)

    def find(self, path):
        n = self.root
        for part in path.split("/"):
            n = next(k for k in n.kids if k.name == part.encode())
        return n

    def write(self, path, pad_to=0):
        for n in self.nodes:
            fields = {"mode": n.mode, "size": n.size if n.size is not None else
                      n.entries_size if n.kids else len(n.data),
                      "namelen": n.namelen if n.namelen is not None else len(pad4(n.name)), "offset": n.offset}
            for key, value in n.fix.items():
                fields[key] = value(self, n) if callable(value) else value
            raw = inode(fields["mode"], fields["size"], fields["namelen"], fields["offset"])
            if n is self.root:
                self.root_inode = raw
            else:
                self.buf[n.inode_off:n.inode_off + 12] = raw
        self.buf += b"\0" * (max(pad_to, len(self.buf)) - len(self.buf))
        self.buf += b"\0" * (-len(self.buf) % 4)
        struct.pack_into("<IIII16sIIII16s", self.buf, 0, MAGIC, len(self.buf), self.flags, 0,
                         b"Compressed ROMFS", 0, 0, 0, len(self.nodes), b"hostile")
        self.buf[64:76] = self.root_inode
        struct.pack_into("<I", self.buf, 32, zlib.crc32(bytes(self.buf)) & 0xFFFFFFFF)
        with open(path, "wb") as f:
            f.write(self.buf)


def raw_entry(name, mode, size, offset, namelen=None):
    name = name if isinstance(name, bytes) else name.encode()
    padded = pad4(name)
    return inode(mode, size, len(padded) if namelen is None else namelen, offset) + padded


def main():
    sys.setrecursionlimit(10000)   # the deep case nests 1030 directories
    out, sentinel = sys.argv[1], sys.argv[2]
    cases = {}

    # names
    cases["slash-name"] = Image(D("", F("a/b", b"x\n"), F("c", b"c\n")))
    cases["dot-names"] = Image(D("", D(".", F("x", b"x\n")), D("..", F("y", b"y\n")), F("z", b"z\n")))
    cases["dotdot-file"] = Image(D("", F("..", b"over the parent\n")))
    cases["empty-name"] = Image(D("", F("", b"no name\n", namelen=0), F("b", b"b\n")))
    cases["nul-name"] = Image(D("", Node(b"\0\0\0\0", S_IFREG | 0o644, data=b"zero\n"), F("b", b"b\n")))
    cases["nul-inside-name"] = Image(D("", F(b"a\0b", b"x\n")))

    # symlinks out of the target, then the same name again, or a path through them
    up = L("evil", "../../etc")
    cases["symlink-then-dir"] = Image(D("", up, D("evil", F("pwned", b"pwned\n"))))
    cases["symlink-then-file"] = Image(D("", L("evil", sentinel), F("evil", b"pwned\n")))
    cases["symlink-through"] = Image(D("", L("evil", sentinel), F("evil/pwned", b"pwned\n")))
    # unsorted: the directory of the same name comes after another entry, so it is not a duplicate
    # of its neighbour; extraction must still refuse to go through the symlink
    cases["symlink-unsorted-dir"] = Image(D("", L("s", sentinel), F("t", b"t\n"),
                                            D("s", F("pwned", b"pwned\n"))))
    cases["symlink-unsorted-file"] = Image(D("", L("s", sentinel + "/keep"), F("t", b"t\n"),
                                             F("s", b"pwned\n")))

    # device nodes: one with a data offset, a fifo with a size, and a node named ".."
    cases["devices"] = Image(D("", Node("fifo", S_IFIFO | 0o644, size=5),
                               Node("sda", S_IFCHR | 0o600, size=8 << 8, offset=64),
                               Node("zz", S_IFCHR | 0o600, size=0x103)))
    cases["device-dotdot"] = Image(D("", Node("..", S_IFCHR | 0o666, size=0x103), F("b", b"b\n")))

    # a file that says 0xffffff bytes and has a few: its pointer table runs off the end
    cases["huge-size"] = Image(D("", F("big", b"short data\n", size=0xFFFFFF)))
    # ... and one whose table fits (the image is padded to hold it): its first pointer, written for
    # a table of one pointer, now ends a block before the block can start
    cases["huge-size-table"] = Image(D("", F("big", b"short data\n", size=0xFFFFFF)))
    cases["huge-size-table"].pad_to = 76 + 16 + 4 * 4096 + 64

    # directory loops: to the parent's entries, and to itself
    cases["loop-parent"] = Image(D("", D("d", F("f", b"f\n"), offset=lambda img, n: img.root.offset,
                                         size=lambda img, n: img.root.entries_size)))
    cases["loop-self"] = Image(D("", F("a", b"a\n"), D("d", F("f", b"f\n"), offset=lambda img, n: n.inode_off,
                                                     size=lambda img, n: 32)))
    # two directories sharing entries, and a file whose pointer table is the root's entries
    cases["overlap-dirs"] = Image(D("", D("d1", F("a", b"a\n"), F("b", b"b\n")),
                                    D("d2", F("c", b"c\n"), offset=lambda img, n: img.find("d1").offset + 16,
                                      size=16)))
    cases["overlap-data"] = Image(D("", F("a", b"a\n", offset=lambda img, n: img.root.offset), F("b", b"b\n")))

    # directory entries past the image end
    cases["entries-past-end"] = Image(D("", D("d", F("f", b"f\n"), size=4000)))
    # pointer table past the end
    cases["table-past-end"] = Image(D("", F("f", b"data\n", offset=lambda img, n: len(img.buf) - 4,
                                            size=BS + 1)))
    # direct pointers past the end (compressed: the 16-bit length is past the end; raw: the page is)
    for kind, flag in (("direct-past-end", DIRECT), ("direct-raw-past-end", DIRECT | UNCOMPRESSED)):
        img = Image(D("", F("f", b"x" * 100)), flags=FSID_V2 | SORTED | EXT)
        f = img.find("f")
        struct.pack_into("<I", img.buf, f.offset, flag | ((len(img.buf) + 4096) >> 2))
        cases[kind] = img

    # files whose pointer tables start 4 bytes apart: each would decode 4096 pointers again
    img = Image(D("", F("f1", b"x", size=0xFFFFFF, offset=lambda img, n: img.tables),
                  F("f2", b"x", size=0xFFFFFF, offset=lambda img, n: img.tables + 4),
                  F("f3", b"x", size=0xFFFFFF, offset=lambda img, n: img.tables + 8)))
    img.tables = img.here()
    img.pad_to = img.tables + 4 * 4096 + 16
    cases["tables-overlap"] = img

    # a problem at the end of a long path (five names of 252 bytes): the message keeps it
    cases["long-path"] = Image(D("", D("a" * 252, D("b" * 252, D("c" * 252, D("d" * 252, F(
        "e" * 252, b"data\n", offset=lambda img, n: len(img.buf) + 64)))))))

    # a directory bomb: 1500 directories in the root, each pointing at the root's entries from
    # its successor on; walking each would repeat the rest (quadratic, and as many directories
    # made by an extraction)
    kids = [D("d%04d" % i, size=lambda img, n: img.root.offset + img.root.entries_size - n.inode_off - 16,
              offset=lambda img, n: n.inode_off + 16) for i in range(1500)]
    cases["dir-bomb"] = Image(D("", *kids))

    # control characters in names: a newline that would forge a line of output, a terminal
    # escape sequence (each file also has its pointer table past the end, so it is named in an error)
    past = lambda img, n: len(img.buf) + 64
    cases["control-names"] = Image(D("", F(b"\x1b]2;pwned\x07", b"x\n", offset=past),
                                     F(b"evil\ncramfsck: forged line", b"y\n", offset=past)))

    # deeper than the walker goes (1024 levels)
    deep = F("bottom", b"deep\n")
    for _ in range(1030):
        deep = D("d", deep)
    cases["too-deep"] = Image(D("", deep))

    for name, img in cases.items():
        img.write(os.path.join(out, name + ".img"), getattr(img, "pad_to", 0))


main()
EOF

mkdir "$TMP/img" || die "cannot make $TMP/img"
python3 "$TMP/mkhostile.py" "$TMP/img" "$TMP/x/sentinel" || die "mkhostile.py failed"

# The tree outside the extraction target: every entry's name, type, size, mode and link target.
listing() {
	find "$TMP" \( -path "$1" -o -path "$TMP/lists" -o -name '.last-*' \) -prune -o \
		-printf '%P %y %s %m %l\n' | LC_ALL=C sort
}

# hostile NAME PHRASE...: cramfsck and cramfsck -x on img/NAME.img
hostile() {
	name=$1
	shift
	CASE=$name
	img=$TMP/img/$name.img
	[ -f "$img" ] || die "$img was not made"
	expect_exit 4 timeout 10 "$CRAMFSCK" "$img"
	for phrase in "$@"; do
		expect_stderr_contains "$phrase"
	done
	expect_stderr_lacks "Sanitizer"

	target=$TMP/x/$name
	listing "$target" >"$TMP/lists/before"
	expect_exit 4 timeout 10 "$CRAMFSCK" -x "$target" "$img"
	expect_stderr_lacks "Sanitizer"
	listing "$target" >"$TMP/lists/after"
	expect "cramfsck -x wrote nothing outside its target" cmp -s "$TMP/lists/before" "$TMP/lists/after" ||
		diff "$TMP/lists/before" "$TMP/lists/after" | sed 's/^/    | /' >&2
	expect "the sentinel is untouched" sh -c "[ \"\$(cat '$TMP/x/sentinel/keep')\" = keep ]"
}

mkdir "$TMP/x" "$TMP/x/sentinel" "$TMP/lists" || die "cannot make $TMP/x"
echo keep >"$TMP/x/sentinel/keep" || die "cannot write the sentinel"

hostile slash-name 'entry at byte 76 has an invalid name "a/b"'
hostile dot-names 'has an invalid name "."' 'has an invalid name ".."'
hostile dotdot-file 'has an invalid name ".."'
hostile empty-name 'has a name length of 0 bytes, which is empty'
hostile nul-name 'has an invalid name ""'
hostile nul-inside-name 'name has a NUL byte inside it'
hostile symlink-then-dir 'entry "evil" at byte' 'is a duplicate name'
hostile symlink-then-file 'entry "evil" at byte' 'is a duplicate name'
hostile symlink-through 'has an invalid name "evil/pwned"'
hostile symlink-unsorted-dir 'entry "s" at byte' 'is out of order'
# the directory is refused at extraction, and nothing below it is made
CASE=symlink-unsorted-dir
expect_stderr_contains "/s: cannot create directory: File exists"
expect "no file made through the symlink" [ ! -e "$TMP/x/symlink-unsorted-dir/s/pwned" ]
expect "the symlink is left as it was" [ -L "$TMP/x/symlink-unsorted-dir/s" ]
hostile symlink-unsorted-file 'entry "s" at byte' 'is out of order'
CASE=symlink-unsorted-file
expect_stderr_contains "/s: cannot create file: File exists"
hostile devices '/sda: char has data offset 64' '/fifo: fifo has size 5'
hostile device-dotdot 'has an invalid name ".."'
hostile huge-size '/big: block pointer table at byte' '(4096 pointers) is outside the image'
hostile huge-size-table '/big: block 0 ends at byte' 'before it starts'
hostile loop-parent '/d: entries (bytes 76..' 'overlap entries already walked'
hostile loop-self '/d: entries (bytes' 'overlap entries already walked'
hostile overlap-dirs '/d2: entries (bytes' 'overlap entries already walked'
hostile overlap-data '/: bytes 76..108 overlap /a (bytes 76..80)' '/a: block 0 '
hostile entries-past-end '/d: entries (bytes' 'pass the image end'
hostile table-past-end '/f: block pointer table at byte' 'is outside the image'
hostile direct-past-end '/f: block 0: direct pointer to byte' 'is outside the image'
hostile direct-raw-past-end '/f: block 0 (bytes' 'passes the image end'
hostile too-deep 'holds 7 entries deeper than 1024 levels, the limit for a cramfs tree'
hostile tables-overlap '/f2: block pointer table (bytes' "overlaps another file's; not decoded"
hostile long-path "$(printf '/%0252d' 0 | tr 0 e): block pointer table at byte" 'is outside the image'
hostile dir-bomb '/d0000: entries (bytes' 'overlap entries already walked'
hostile control-names '/\x1b]2;pwned\x07: block pointer table' '/evil\x0acramfsck: forged line: entry at byte'
CASE=control-names
expect_stderr_lacks "$(printf '\033')"
expect "no forged line" sh -c "! grep -q '^cramfsck: forged line' '$LAST_ERR'"

# an extraction target that exists and is not empty is refused, and left alone
CASE="non-empty target"
mkdir "$TMP/full" || die "cannot make $TMP/full"
echo mine >"$TMP/full/file" || die "cannot write $TMP/full/file"
listing "$TMP/nothing" >"$TMP/lists/before"
expect_exit 8 timeout 10 "$CRAMFSCK" -x "$TMP/full" "$TMP/img/slash-name.img"
expect_stderr_contains "exists and is not empty"
listing "$TMP/nothing" >"$TMP/lists/after"
expect "the target is untouched" cmp -s "$TMP/lists/before" "$TMP/lists/after"

# ---- many pointers to one block ----
# mkamplify.py OUT KIND FILES POINTERS, at -b 65536, little-endian, with EXT_BLOCK_POINTERS:
#   shared:  every pointer but each file's last is DIRECT to one block B (a 16-bit length, then
#            a zlib stream of about 63 KiB that inflates to 65536 bytes); the last pointers are
#            DIRECT to a small block T of 5 bytes.  Files of (POINTERS - 1) * 65536 + 5 bytes.
#   growing: pointers alternate between DIRECT|UNCOMPRESSED to a raw page R and classic
#            pointers (which start where R ends, at B's stream) ending 4 bytes further each
#            time: every classic block starts at B's stream and is 4 bytes longer than the one
#            before (wrapping round below the 128 KiB limit); files of 0xffffff bytes.
cat >"$TMP/mkamplify.py" <<'EOF'
import random
import struct
import sys
import zlib

out, kind, nfiles, nptrs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
BS = 65536
MAGIC, FLAGS = 0x28CD3D45, 0x1 | 0x2 | 0x800        # FSID_VERSION_2, SORTED_DIRS, EXT_BLOCK_POINTERS
DIRECT, RAW = 1 << 30, 1 << 31


def inode(mode, size, namelen, offset):
    return struct.pack("<III", mode, size, (namelen >> 2) | (offset >> 2) << 6)


def align4(buf):
    buf += bytes(-len(buf) % 4)


rng = random.Random(12)
page = bytes(rng.getrandbits(8) for _ in range(BS - 2048)) + bytes(2048)
stream = zlib.compress(page, 9)
assert len(stream) < 65536
names = [b"f%05d" % i for i in range(nfiles)]      # 6 bytes, padded to 8
buf = bytearray(76)
root = len(buf)
buf += bytes(20 * nfiles)
if kind == "growing":
    raw = len(buf)
    buf += bytes(rng.getrandbits(8) for _ in range(BS - 2))
b_start = len(buf)
buf += struct.pack("<H", len(stream)) + stream
if kind == "growing":
    b_start += 2                                    # R ends here: classic blocks start at the stream
align4(buf)
t_start = len(buf)
tail = zlib.compress(b"tail\n")
buf += struct.pack("<H", len(tail)) + tail
align4(buf)
k = 0
for i, name in enumerate(names):
    table = len(buf)
    if kind == "shared":
        size = (nptrs - 1) * BS + 5
        ptrs = [DIRECT | (b_start >> 2)] * (nptrs - 1) + [DIRECT | (t_start >> 2)]
    else:
        size = 0xFFFFFF
        ptrs = []
        for j in range(nptrs):
            if j % 2 == 0:
                ptrs.append(DIRECT | RAW | (raw >> 2))
            else:
                ptrs.append(b_start + len(stream) + 4 * k)
                k = (k + 1) % 16000
    buf += struct.pack("<%dI" % len(ptrs), *ptrs)
    buf[root + 20 * i:root + 20 * i + 20] = inode(0o100644, size, 8, table) + name + bytes(2)
if kind == "growing":
    # room for the longest classic block
    buf += bytes(max(0, b_start + len(stream) + 4 * 16000 - len(buf)))
buf += bytes(-len(buf) % 4096)
struct.pack_into("<IIII16sIIII16s", buf, 0, MAGIC, len(buf), FLAGS, 0, b"Compressed ROMFS", 0, 0, 0,
                 nfiles + 1, b"amplify")
buf[64:76] = inode(0o40755, 20 * nfiles, 0, root)
struct.pack_into("<I", buf, 32, zlib.crc32(bytes(buf)) & 0xFFFFFFFF)
open(out, "wb").write(buf)
EOF
python3 "$TMP/mkamplify.py" "$TMP/shared.img" shared 200 256 || die "mkamplify.py failed"
python3 "$TMP/mkamplify.py" "$TMP/growing.img" growing 200 256 || die "mkamplify.py failed"
python3 "$TMP/mkamplify.py" "$TMP/shared-small.img" shared 2 64 || die "mkamplify.py failed"

CASE="200 files of 256 pointers to one block"
echo "$CASE: $(stat -c %s "$TMP/shared.img") bytes"
expect_exit 0 timeout 60 "$CRAMFSCK" -v -b 65536 "$TMP/shared.img"
expect_stdout_contains "200 files, 0 symlinks, 0 other; 51200 blocks (0 holes, 0 raw, 51200 direct; 2 inflated)"
# the block size is detected (by decoding files, through the reader's own cache) as cheaply
expect_exit 0 timeout 60 "$CRAMFSCK" -v "$TMP/shared.img"
expect_stdout_contains "block size 65536 (detected)"
expect_stdout_contains "51200 direct; 2 inflated)"
for j in 1 3; do
	expect_exit 0 timeout 60 "$CRAMFSCK" -v -j $j -b 65536 "$TMP/shared.img"
	expect_stdout_contains "51200 direct; 2 inflated)"
done
# extraction writes the data (that much is inherent) but inflates each block once too
CASE="2 files of 64 pointers to one block, extracted"
expect_exit 0 timeout 60 "$CRAMFSCK" -v -b 65536 -x "$TMP/shared-small.x" "$TMP/shared-small.img"
expect_stdout_contains "extracted 3 entries into $TMP/shared-small.x; 2 blocks inflated"
expect "the files hold the block 63 times, then the tail" python3 -c '
import random, sys
rng = random.Random(12)
page = bytes(rng.getrandbits(8) for _ in range(65536 - 2048)) + bytes(2048)
want = page * 63 + b"tail\n"
sys.exit(any(open(sys.argv[1] + f, "rb").read() != want for f in ("/f00000", "/f00001")))' "$TMP/shared-small.x"
rm -rf "$TMP/shared-small.x"

CASE="200 files of 128 blocks 4 bytes longer each"
echo "$CASE: $(stat -c %s "$TMP/growing.img") bytes"
expect_exit 4 timeout 60 "$CRAMFSCK" -v -b 65536 "$TMP/growing.img"
expect_stderr_contains "/f00000: bytes "
expect_stderr_contains "overlap /f00000 (bytes "
expect_stdout_contains "51200 blocks (0 holes, 25600 raw, 25600 direct; 1 inflated)"
# its thousands of messages cost one write each, not one per character: the write calls of the
# child, which /proc/self/io of the parent counts once the child is reaped
expect "a write per message line" python3 -c '
import subprocess, sys
def writes():
    with open("/proc/self/io") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("syscw:"))
before = writes()
with open(sys.argv[2], "wb") as err:
    subprocess.run([sys.argv[1], "-b", "65536", sys.argv[3]], stdout=subprocess.DEVNULL, stderr=err)
calls = writes() - before
lines = sum(1 for _ in open(sys.argv[2], "rb"))
print("%d lines on standard error in %d write calls" % (lines, calls))
sys.exit(not (lines > 1000 and calls <= lines + 100))' "$CRAMFSCK" "$TMP/growing.err" "$TMP/growing.img"

finish
