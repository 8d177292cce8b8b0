#!/usr/bin/env python3
"""Describe a source tree for xipcheck, the guest-side checker.

    mkmanifest.py SRCDIR [--xip-json FILE] [--owners check|ignore]
                  [--run "EXIT ROOT ARGV..."]... [--expect-map "PATH PERMS KIND"]...
                  [--known-read-bug] [--known-dirent-bug IMAGE] > MANIFEST

One line per entry, found with lstat, in byte order of the path:
    entry TYPE MODE UID GID SIZE HASH RDEV TARGET PATH
TYPE is d f l c b p s; MODE the octal permission bits; UID and GID as cramfs
stores them (16 and 8 bits); SIZE the file length or symlink target length;
HASH the FNV-1a 64 of a regular file's content; RDEV MAJOR:MINOR of a device;
TARGET a symlink's target; PATH relative to the image root, starting with /.
"-" stands for an empty field; spaces, control bytes, '%' and '=' are written
as %XX.

With --xip-json (the output of `cramfsck --xip --json`), one line per regular
file with what the image checker predicts for a read-only mmap of it:
    expect PATH MAPPING DIRECT PAGES
MAPPING is all, partial or none; DIRECT the predicted direct pages as ranges
(0-3,7) or "-".  And when the JSON is cramfsck's, for each of them
    expectwhy PATH REASON
the checker's reason for not mapping more pages ("none" when all are direct;
%XX escaped, so "unsuitable%20block%20layout").  The guest ignores these
lines; compare.py uses them (against the kernel's cramfs_mmap trace event on
kernels that have it).

Known bugs of the stock kernel, for an expected failure that the guest
verifies (and that fails when the kernel does NOT show the bug):
--known-read-bug (with --xip-json): for every file the checker flags with
last_page_read_bug (size a multiple of the page size, last block
DIRECT|UNCOMPRESSED)
    knownbug read PATH HASH
HASH being the FNV-1a 64 of the content with its last page zeroed, which is
what read() returns on a kernel without the last-page fix.
--known-dirent-bug IMAGE: for every entry of IMAGE that starts less than
264 bytes (12 + the longest name) before the superblock's size, and for
everything below such a directory,
    knownbug missing PATH
which readdir and lookup do not find on an MTD mount of a kernel without
the directory-read fix.

--run adds a program for the guest to execute (EXIT is the expected status,
ROOT a directory to chroot into or "-", ARGV the command).  --expect-map
'PATH PERMS KIND' adds a line for compare.py: while those programs run, every
mapping of PATH (as the guest sees it, e.g. /mnt/bin/busybox) with PERMS
(e.g. r-xp) must be of KIND: pf (remap_pfn_range, Rss 0), mm (mixed), page,
or direct (every page in flash: pf, or mm with all pages direct; Rss 0).
"""
import argparse
import json
import os
import shlex
import stat
import struct
import sys

FNV_INIT = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a64(data, h=FNV_INIT):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def fnv1a64_file(path):
    h = FNV_INIT
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 16)
            if not chunk:
                return h
            h = fnv1a64(chunk, h)


def esc(value):
    """Escape a field: bytes or str in, ASCII str out; '-' alone means empty."""
    if isinstance(value, str):
        value = os.fsencode(value)
    if value == b"-":
        return "%2D"
    out = []
    for c in value:
        if c <= 0x20 or c >= 0x7F or c in b"%=":
            out.append("%%%02X" % c)
        else:
            out.append(chr(c))
    return "".join(out)


def ranges(pages):
    """[[first, count], ...] -> '0-3,7' or '-'."""
    parts = []
    for first, count in pages:
        if count <= 0:
            continue
        parts.append(str(first) if count == 1 else "%d-%d" % (first, first + count - 1))
    return ",".join(parts) or "-"


TYPES = {
    stat.S_IFDIR: "d", stat.S_IFREG: "f", stat.S_IFLNK: "l", stat.S_IFCHR: "c",
    stat.S_IFBLK: "b", stat.S_IFIFO: "p", stat.S_IFSOCK: "s",
}


def dirent_bug_victims(image):
    """Entries of a cramfs image that an MTD mount without the fix loses."""
    with open(image, "rb") as f:
        data = f.read()
    base = 0
    for off in (0, 512):
        for order in ("<", ">"):
            if len(data) >= off + 76 and struct.unpack_from(order + "I", data, off)[0] == 0x28CD3D45:
                base, e = off, order
                break
        else:
            continue
        break
    else:
        sys.exit("mkmanifest: %s is not a cramfs image" % image)
    size = struct.unpack_from(e + "I", data, base + 4)[0]
    reach = 12 + 252    # what the kernel's readdir and lookup ask for

    def inode(pos):
        w0, w1, w2 = struct.unpack_from(e + "III", data, pos)
        if e == "<":
            mode, isize, namelen, offset = w0 & 0xFFFF, w1 & 0xFFFFFF, w2 & 0x3F, w2 >> 6
        else:
            mode, isize = w0 >> 16, w1 >> 8
            namelen, offset = w2 >> 26, w2 & 0x3FFFFFF
        return mode, isize, namelen * 4, offset * 4

    victims = []

    def walk_dir(prefix, first, length, lost):
        pos = first
        while pos < first + length:
            mode, isize, namelen, offset = inode(pos)
            name = data[pos + 12:pos + 12 + namelen].rstrip(b"\0")
            path = prefix + b"/" + name
            gone = lost or pos + reach > size
            if gone:
                victims.append(path)
            if stat.S_ISDIR(mode) and offset:
                walk_dir(path, offset, isize, gone)
            pos += 12 + namelen

    mode, isize, _, offset = inode(base + 64)
    if offset:
        walk_dir(b"", offset, isize, False)
    return victims


def walk(root):
    """Yields (relative path bytes, absolute path) in byte order, root first."""
    root_b = os.fsencode(root)
    yield b"/", root_b
    stack = [b""]
    entries = []
    while stack:
        rel = stack.pop()
        names = sorted(os.listdir(root_b + rel if rel else root_b))
        for name in names:
            child = rel + b"/" + name
            entries.append(child)
            full = root_b + child
            if stat.S_ISDIR(os.lstat(full).st_mode):
                stack.append(child)
    for rel in sorted(entries):
        yield rel, root_b + rel


def main():
    ap = argparse.ArgumentParser(description="Write an xipcheck manifest for a source tree.")
    ap.add_argument("srcdir")
    ap.add_argument("--xip-json", help="cramfsck --xip --json output for the image")
    ap.add_argument("--owners", choices=("check", "ignore"), default="check",
                    help="whether the guest compares uid/gid (default: check)")
    ap.add_argument("--run", action="append", default=[], metavar="'EXIT ROOT ARGV...'",
                    help="a program for the guest to run")
    ap.add_argument("--expect-map", action="append", default=[], metavar="'PATH PERMS KIND'",
                    help="how the mappings of a file by those programs must look")
    ap.add_argument("--known-read-bug", action="store_true",
                    help="expect the stock kernel's last-page read bug where --xip-json flags it")
    ap.add_argument("--known-dirent-bug", metavar="IMAGE",
                    help="expect the stock kernel to lose the entries of IMAGE near its end")
    args = ap.parse_args()

    if not os.path.isdir(args.srcdir):
        sys.exit("mkmanifest: %s is not a directory" % args.srcdir)
    out = sys.stdout
    out.write("# xipcheck manifest\nformat 1\noption owners=%s\n" % args.owners)
    files = set()
    for rel, full in walk(args.srcdir):
        st = os.lstat(full)
        kind = TYPES.get(stat.S_IFMT(st.st_mode))
        if kind is None:
            sys.exit("mkmanifest: unknown file type: %s" % os.fsdecode(full))
        size, digest, rdev, target = 0, "-", "-", "-"
        if kind == "f":
            size = st.st_size
            digest = "%016x" % fnv1a64_file(full)
            files.add(rel)
        elif kind == "l":
            link = os.readlink(full)
            size = len(link)
            target = esc(link)
        elif kind in "cb":
            rdev = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        out.write("entry %s %o %d %d %d %s %s %s %s\n" % (
            kind, stat.S_IMODE(st.st_mode), st.st_uid & 0xFFFF, st.st_gid & 0xFF, size,
            digest, rdev, target, esc(rel)))

    if args.known_read_bug and not args.xip_json:
        sys.exit("mkmanifest: --known-read-bug needs --xip-json")
    if args.xip_json:
        # paths are raw bytes in the JSON: keep undecodable ones as they are
        with open(args.xip_json, "rb") as f:
            report = json.loads(f.read().decode("utf-8", "surrogateescape"))
        blksize = report.get("blksize", 4096)
        for item in report.get("files", []):
            path = item["path"]
            if not path.startswith("/"):
                path = "/" + path
            if os.fsencode(path) not in files and item.get("size", 1) > 0:
                sys.exit("mkmanifest: %s in %s is not a regular file of %s" % (
                    path, args.xip_json, args.srcdir))
            out.write("expect %s %s %s %d\n" % (
                esc(path), item["mapping"], ranges(item.get("direct", [])), item["pages"]))
            if "reason_page" in item:
                # cramfsck's reasons are the kernel's own words (mkxiptest's are not)
                out.write("expectwhy %s %s\n" % (esc(path), esc(item.get("reason") or "none")))
            if args.known_read_bug and item.get("last_page_read_bug"):
                with open(os.fsencode(args.srcdir) + os.fsencode(path), "rb") as f:
                    content = f.read()
                zeroed = content[:len(content) - blksize] + bytes(blksize)
                out.write("knownbug read %s %016x\n" % (esc(path), fnv1a64(zeroed)))

    if args.known_dirent_bug:
        for path in dirent_bug_victims(args.known_dirent_bug):
            out.write("knownbug missing %s\n" % esc(path))

    for run in args.run:
        words = shlex.split(run)
        if len(words) < 3:
            sys.exit("mkmanifest: --run needs 'EXIT ROOT ARGV...': %r" % run)
        fields = [words[0], words[1] if words[1] == "-" else esc(words[1])] + [esc(w) for w in words[2:]]
        out.write("run %s\n" % " ".join(fields))

    for spec in args.expect_map:
        words = spec.split()
        if len(words) != 3 or words[2] not in ("pf", "mm", "page", "direct"):
            sys.exit("mkmanifest: --expect-map needs 'PATH PERMS pf|mm|page|direct': %r" % spec)
        out.write("expectmap %s %s %s\n" % (esc(words[0]), words[1], words[2]))


if __name__ == "__main__":
    main()
