#!/usr/bin/env python3
"""Describe a source tree for xipcheck, the guest-side checker.

    mkmanifest.py SRCDIR [--xip-json FILE] [--owners check|ignore]
                  [--run "EXIT ROOT ARGV..."]... > MANIFEST

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
(0-3,7) or "-".  The guest ignores these lines; compare.py uses them.

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

    if args.xip_json:
        # paths are raw bytes in the JSON: keep undecodable ones as they are
        with open(args.xip_json, "rb") as f:
            report = json.loads(f.read().decode("utf-8", "surrogateescape"))
        for item in report.get("files", []):
            path = item["path"]
            if not path.startswith("/"):
                path = "/" + path
            if os.fsencode(path) not in files and item.get("size", 1) > 0:
                sys.exit("mkmanifest: %s in %s is not a regular file of %s" % (
                    path, args.xip_json, args.srcdir))
            out.write("expect %s %s %s %d\n" % (
                esc(path), item["mapping"], ranges(item.get("direct", [])), item["pages"]))

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
