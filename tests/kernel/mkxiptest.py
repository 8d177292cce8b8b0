#!/usr/bin/env python3
"""Write a tiny hand-laid cramfs XIP image, the tree it holds, and the mapping
the kernel is expected to choose for each file.

    mkxiptest.py --blksize 4096|16384|65536 --image OUT.img --tree DIR
                 [--json OUT.json] [--endian little|big] [--add-direct NAME=FILE]...

The image (flags FSID_VERSION_2 | SORTED_DIRS | EXT_BLOCK_POINTERS) holds:
  direct.bin      2 pages, both DIRECT|UNCOMPRESSED, page aligned, the bytes
                  after EOF zero: mapped whole with remap_pfn_range ("all")
  exact.bin       exactly 2 pages: page 0 DIRECT|UNCOMPRESSED, page 1 a classic
                  uncompressed block right behind it (the way around the
                  kernel's last-page read bug): VM_MIXEDMAP, page 0 direct
  shared.bin      1.5 pages, both DIRECT|UNCOMPRESSED, but the rest of the last
                  page is not zero: the kernel leaves that page out ("partial")
  compressed.bin  3 pages, classic zlib blocks: page cache only ("none")
  unaligned.bin   2 pages, DIRECT|UNCOMPRESSED and contiguous but starting 64
                  bytes after a page boundary: "none" ("data is not page
                  aligned")
  tiny.bin        half a page, DIRECT|UNCOMPRESSED, other bytes after EOF in
                  its only page: "none" ("no suitable block remaining")
  alternate.bin, firstcomp.bin, scattered.bin, reversed.bin, junktail.bin
                  files whose pages are each stored either DIRECT|UNCOMPRESSED
                  (page aligned) or as a DIRECT zlib block: pages alternating,
                  a compressed first page, a scattered set of direct pages
                  stored in reverse order, every page direct but in reverse
                  order, and every page direct with other bytes after EOF (see
                  PAGED below for the layouts and what each kernel maps)
  hello.txt       a short classic file
  sub/link        a symlink to ../direct.bin
  bin/NAME        for each --add-direct, a copy of FILE with every page
                  DIRECT|UNCOMPRESSED (the last one classic when the size is a
                  multiple of the block size), e.g. a static program whose
                  read-only segments the kernel then maps from flash
--json writes the prediction in the format of `cramfsck --xip --json`, for
the stock kernel's rule (--rule prefix: a run of contiguous direct pages
from the mapping's first page) or for the page-granular kernel of
kernel/patches (--rule page: every direct page on its own).  The
predictions are the layouts' intended outcomes, written out by hand below,
not computed.
The block size must be the page size of the kernel that mounts the image.
"""
import argparse
import json
import os
import shutil
import stat
import struct
import sys
import zlib

MAGIC = 0x28CD3D45
FSID_VERSION_2 = 0x1
SORTED_DIRS = 0x2
EXT_BLOCK_POINTERS = 0x800
BLK_UNCOMPRESSED = 1 << 31
BLK_DIRECT = 1 << 30


# Files laid out page by page: (name, size in pages minus bytes, layout, order,
# tail, prefix rule's direct ranges, page rule's direct ranges).  layout has one
# letter per page: d DIRECT|UNCOMPRESSED, z a DIRECT zlib block.  order
# "reverse" stores the direct pages in flash in the reverse of their file
# order.  tail "junk" fills the last page after EOF with non-zero bytes.
PAGED = [
    ("alternate.bin", (8, 300), "dzdzdzdz", "forward", "zero",
     [[0, 1]], [[0, 1], [2, 1], [4, 1], [6, 1]]),
    ("firstcomp.bin", (5, 10), "zdddd", "forward", "zero",
     [], [[1, 4]]),
    ("scattered.bin", (12, 1), "dzddzzzddzzd", "reverse", "zero",
     [[0, 1]], [[0, 1], [2, 2], [7, 2], [11, 1]]),
    ("reversed.bin", (4, 7), "dddd", "reverse", "zero",
     [[0, 1]], [[0, 4]]),
    ("junktail.bin", (3, -2), "ddd", "forward", "junk",
     [[0, 2]], [[0, 2]]),
]


def paged_size(bs, spec):
    pages, minus = spec
    return pages * bs - (bs // 2 if minus < 0 else minus)


def pattern(n, seed):
    """Compressible but position-dependent content."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b"%s line %06d of a cramfs xip test file\n" % (seed, i)
        i += 1
    return bytes(out[:n])


class Image:
    def __init__(self, blksize, endian):
        self.bs = blksize
        self.e = "<" if endian == "little" else ">"
        self.little = endian == "little"
        self.buf = bytearray()
        self.blocks = 0

    def u32(self, v):
        return struct.pack(self.e + "I", v)

    def put32(self, off, v):
        self.buf[off:off + 4] = self.u32(v)

    def append(self, data):
        off = len(self.buf)
        self.buf += data
        return off

    def align(self, n):
        self.buf += b"\0" * ((n - len(self.buf) % n) % n)
        return len(self.buf)

    def inode(self, mode, uid, gid, size, namelen, offset):
        assert offset % 4 == 0 and namelen % 4 == 0
        if self.little:
            w = (mode | (uid & 0xFFFF) << 16, size | (gid & 0xFF) << 24,
                 (namelen >> 2) | (offset >> 2) << 6)
        else:
            w = (mode << 16 | (uid & 0xFFFF), size << 8 | (gid & 0xFF),
                 (namelen >> 2) << 26 | (offset >> 2))
        return b"".join(self.u32(x) for x in w)


def build_tree(tree, bs, added):
    """Creates the source tree; returns {name: content} of regular files."""
    if os.path.lexists(tree):
        shutil.rmtree(tree)
    os.makedirs(os.path.join(tree, "sub"))
    os.makedirs(os.path.join(tree, "bin"))
    os.chmod(os.path.join(tree, "bin"), 0o755)
    for name, src in added:
        with open(src, "rb") as f:
            data = f.read()
        with open(os.path.join(tree, "bin", name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(tree, "bin", name), 0o755)
    files = {
        "compressed.bin": pattern(3 * bs, b"compressed"),
        "direct.bin": pattern(2 * bs - bs // 4, b"direct"),
        "exact.bin": pattern(2 * bs, b"exact"),
        "hello.txt": b"hello from a hand-made cramfs image\n",
        "shared.bin": pattern(bs + bs // 2, b"shared"),
        "tiny.bin": pattern(bs // 2, b"tiny"),
        "unaligned.bin": pattern(2 * bs - 100, b"unaligned"),
    }
    for name, spec, *_ in PAGED:
        files[name] = pattern(paged_size(bs, spec), name.encode())
    for name, data in files.items():
        with open(os.path.join(tree, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(tree, name), 0o644)
    os.chmod(os.path.join(tree, "direct.bin"), 0o755)
    os.chmod(os.path.join(tree, "sub"), 0o755)
    os.chmod(tree, 0o755)
    os.symlink("../direct.bin", os.path.join(tree, "sub", "link"))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--blksize", type=int, default=4096, choices=(4096, 16384, 65536))
    ap.add_argument("--image", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--json")
    ap.add_argument("--rule", choices=("prefix", "page"), default="prefix",
                    help="the kernel rule --json predicts for")
    ap.add_argument("--endian", choices=("little", "big"), default="little")
    ap.add_argument("--add-direct", action="append", default=[], metavar="NAME=FILE",
                    help="add FILE as bin/NAME with every page stored direct")
    args = ap.parse_args()
    bs = args.blksize
    added = []
    for spec in args.add_direct:
        name, sep, src = spec.partition("=")
        if not sep or not name or "/" in name or not os.path.isfile(src):
            ap.error("--add-direct wants NAME=FILE with an existing FILE: %r" % spec)
        added.append((name, src))
    added.sort(key=lambda a: a[0].encode())

    files = build_tree(args.tree, bs, added)
    for name, _ in added:
        with open(os.path.join(args.tree, "bin", name), "rb") as f:
            files["bin/" + name] = f.read()
    img = Image(bs, args.endian)

    def st(rel):
        return os.lstat(os.path.join(args.tree, rel))

    def name_field(name):
        raw = name.encode()
        return raw + b"\0" * ((4 - len(raw) % 4) % 4)

    root_names = sorted(["bin", "compressed.bin", "direct.bin", "exact.bin", "hello.txt", "shared.bin", "sub",
                         "tiny.bin", "unaligned.bin"] + [p[0] for p in PAGED],
                        key=lambda n: n.encode())
    sub_names = ["link"]
    bin_names = [name for name, _ in added]

    # superblock placeholder; the root inode is written at 64 below
    img.append(b"\0" * 76)

    # directory entries: root's, then sub's; inode offsets are patched later
    entry_at = {}

    def entries(parent, names):
        start = len(img.buf)
        for n in names:
            rel = (parent + "/" + n).lstrip("/")
            entry_at[rel] = len(img.buf)
            img.append(b"\0" * 12 + name_field(n))
        return start, len(img.buf) - start

    root_start, root_len = entries("", root_names)
    bin_start, bin_len = entries("bin", bin_names)
    sub_start, sub_len = entries("sub", sub_names)

    def write_inode(rel, size, offset):
        s = st(rel)
        namelen = len(name_field(os.path.basename(rel)))
        img.buf[entry_at[rel]:entry_at[rel] + 12] = img.inode(
            s.st_mode & 0xFFFF, s.st_uid, s.st_gid, size, namelen, offset)

    # classic data: pointer table, then zlib blocks, 4-aligned per file
    def classic(data, compress=True):
        img.align(4)
        table = len(img.buf)
        nblocks = (len(data) + bs - 1) // bs
        img.append(b"\0" * 4 * nblocks)
        for i in range(nblocks):
            chunk = data[i * bs:(i + 1) * bs]
            img.append(zlib.compress(chunk, 9) if compress else chunk)
            img.put32(table + 4 * i, len(img.buf) | (0 if compress else BLK_UNCOMPRESSED))
            img.blocks += 1
        return table

    write_inode("compressed.bin", len(files["compressed.bin"]), classic(files["compressed.bin"]))
    write_inode("hello.txt", len(files["hello.txt"]), classic(files["hello.txt"]))
    link = os.readlink(os.path.join(args.tree, "sub", "link")).encode()
    write_inode("sub/link", len(link), classic(link))

    # pointer tables of the direct files now, their pages after alignment
    img.align(4)
    tables = {}
    for name in ["direct.bin", "exact.bin", "shared.bin", "tiny.bin", "unaligned.bin"] + \
            [p[0] for p in PAGED] + ["bin/" + n for n in bin_names]:
        tables[name] = img.append(b"\0" * 4 * ((len(files[name]) + bs - 1) // bs))
        write_inode(name, len(files[name]), tables[name])

    def direct_ptr(off):
        assert off % bs == 0
        return BLK_DIRECT | BLK_UNCOMPRESSED | (off >> 2)

    # direct.bin: every page direct, the tail of the last page zero
    data = files["direct.bin"]
    start = img.align(bs)
    img.append(data + b"\0" * (2 * bs - len(data)))
    for i in range(2):
        img.put32(tables["direct.bin"] + 4 * i, direct_ptr(start + i * bs))
        img.blocks += 1

    # exact.bin: page 0 direct, page 1 a classic raw block right behind it
    data = files["exact.bin"]
    start = img.align(bs)
    img.append(data)
    img.put32(tables["exact.bin"], direct_ptr(start))
    img.put32(tables["exact.bin"] + 4, BLK_UNCOMPRESSED | (start + 2 * bs))
    img.blocks += 2

    # shared.bin: both pages direct, but other bytes follow EOF in the last page
    data = files["shared.bin"]
    start = img.align(bs)
    img.append(data + b"\xa5" * (2 * bs - len(data)))
    for i in range(2):
        img.put32(tables["shared.bin"] + 4 * i, direct_ptr(start + i * bs))
        img.blocks += 1

    # tiny.bin: its only page direct, other bytes after EOF: nothing left to map
    data = files["tiny.bin"]
    start = img.align(bs)
    img.append(data + b"\xa5" * (bs - len(data)))
    img.put32(tables["tiny.bin"], direct_ptr(start))
    img.blocks += 1

    # unaligned.bin: direct, uncompressed and contiguous, but 64 bytes past a
    # page boundary (reads fine, never mapped on an MMU kernel)
    data = files["unaligned.bin"]
    start = img.align(bs) + 64
    img.append(b"\0" * 64 + data + b"\0" * (2 * bs - len(data)))
    for i in range(2):
        img.put32(tables["unaligned.bin"] + 4 * i, BLK_DIRECT | BLK_UNCOMPRESSED | ((start + i * bs) >> 2))
        img.blocks += 1

    # the page-by-page files: direct pages first (page aligned, in the
    # file's or the reverse order), then the zlib blocks, each a DIRECT
    # pointer to a 2-byte length and the compressed data
    for name, _, layout, order, tail, _, _ in PAGED:
        data = files[name]
        pages = len(layout)
        chunks = [data[i * bs:(i + 1) * bs] for i in range(pages)]
        direct = [i for i in range(pages) if layout[i] == "d"]
        for i in (reversed(direct) if order == "reverse" else direct):
            start = img.align(bs)
            fill = (b"\xa5" if tail == "junk" and i == pages - 1 else b"\0") * (bs - len(chunks[i]))
            img.append(chunks[i] + fill)
            img.put32(tables[name] + 4 * i, direct_ptr(start))
            img.blocks += 1
        for i in range(pages):
            if layout[i] != "z":
                continue
            start = img.align(4)
            z = zlib.compress(chunks[i], 9)
            img.append(struct.pack(img.e + "H", len(z)) + z)
            img.put32(tables[name] + 4 * i, BLK_DIRECT | (start >> 2))
            img.blocks += 1

    # added files: every page direct; when the size is a multiple of the block
    # size the last page is a classic raw block right behind the direct ones
    # (a direct last block of exactly bs bytes reads back as zeros)
    predicted_added = []
    for n in bin_names:
        name = "bin/" + n
        data = files[name]
        pages = (len(data) + bs - 1) // bs
        start = img.align(bs)
        img.append(data + b"\0" * (pages * bs - len(data)))
        exact = len(data) % bs == 0
        ndirect = pages - 1 if exact else pages
        for i in range(ndirect):
            img.put32(tables[name] + 4 * i, direct_ptr(start + i * bs))
        if exact:
            img.put32(tables[name] + 4 * (pages - 1), BLK_UNCOMPRESSED | (start + pages * bs))
        img.blocks += pages
        if ndirect == 0:
            predicted_added.append((name, "none", [], "one page of exactly the block size"))
        elif ndirect < pages:
            predicted_added.append((name, "partial", [[0, ndirect]], "last page stored classic"))
        else:
            predicted_added.append((name, "all", [[0, pages]], "every page direct"))

    img.align(max(bs, 4096))

    # root inode and superblock
    rs = st("")
    img.buf[64:76] = img.inode(rs.st_mode & 0xFFFF, rs.st_uid, rs.st_gid, root_len, 0, root_start)
    write_inode("sub", sub_len, sub_start)
    write_inode("bin", bin_len, bin_start if bin_len else 0)
    size = len(img.buf)
    inodes = 1 + len(root_names) + len(sub_names) + len(bin_names)
    sb = img.u32(MAGIC) + img.u32(size) + img.u32(FSID_VERSION_2 | SORTED_DIRS | EXT_BLOCK_POINTERS)
    sb += img.u32(0) + b"Compressed ROMFS"
    sb += img.u32(0) + img.u32(0) + img.u32(img.blocks) + img.u32(inodes)
    sb += b"xiptest".ljust(16, b"\0")
    img.buf[0:64] = sb
    img.put32(32, zlib.crc32(bytes(img.buf)) & 0xFFFFFFFF)

    with open(args.image, "wb") as f:
        f.write(img.buf)

    predicted_paged = []
    for name, _, layout, _, _, prefix, page in PAGED:
        direct = page if args.rule == "page" else prefix
        count = sum(c for _, c in direct)
        mapping = "all" if count == len(layout) else "partial" if count else "none"
        predicted_paged.append((name, mapping, direct, "laid out page by page"))

    if args.json:
        def entry(name, mapping, direct, reason):
            size = len(files[name])
            pages = (size + bs - 1) // bs
            return {"path": "/" + name, "size": size, "pages": pages,
                    "direct_pages": sum(c for _, c in direct), "mapping": mapping,
                    "direct": direct, "reason": reason}
        report = {
            "blksize": bs,
            "files": [
                entry("compressed.bin", "none", [], "compressed blocks"),
                entry("direct.bin", "all", [[0, 2]], "every page direct"),
                entry("exact.bin", "partial", [[0, 1]], "last page stored classic"),
                entry("hello.txt", "none", [], "compressed blocks"),
                entry("shared.bin", "partial", [[0, 1]], "last page is shared"),
                entry("tiny.bin", "none", [], "no suitable block remaining"),
                entry("unaligned.bin", "none", [], "data is not page aligned"),
            ] + [entry(*p) for p in predicted_added] + [entry(*p) for p in predicted_paged],
        }
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
