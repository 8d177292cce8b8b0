#!/usr/bin/env python3
"""Compare two directory trees exactly.

usage: treecmp.py A B [--no-owner] [--ignore PATH]...

Walks both trees without following symlinks (lstat only) and prints one
line per difference, "PATH: WHAT", with PATH relative to the tree roots
("." is the root itself).  Compared for every entry:

  - presence (an entry present on one side only is reported once; the
    contents of a directory present on one side only are not listed)
  - file type (when the types differ nothing else is compared for that
    entry, and a directory on one side is not descended into)
  - permission bits including setuid, setgid and sticky (mode & 0o7777);
    symlinks are skipped here, their mode means nothing on Linux
  - owner uid and gid, unless --no-owner
  - regular files: size, then the contents byte for byte (streamed)
  - symlinks: the target string
  - character and block devices: major and minor numbers

Not compared: timestamps, hard-link counts, inode numbers, directory
sizes, block counts (so sparseness is invisible), extended attributes.
The tree root "." is compared like any other directory.

--ignore PATH (repeatable) skips PATH and, for a directory, everything
below it, on both sides.  PATH is relative to the tree roots; a leading
"/" or "./" and trailing "/" are dropped.

Names are handled as bytes.  In the output a backslash is written "\\\\",
and control characters, DEL and bytes that are not valid UTF-8 are
written as \\xNN, so every difference stays on one line.

Exit status: 0 identical, 1 different, 2 usage or I/O error (every
error is reported on stderr; comparison goes on where it can).
"""

import argparse
import os
import stat
import sys

CHUNK = 1 << 16

TYPES = (
    (stat.S_ISDIR, "dir"),
    (stat.S_ISREG, "file"),
    (stat.S_ISLNK, "symlink"),
    (stat.S_ISCHR, "chardev"),
    (stat.S_ISBLK, "blockdev"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
)


def type_name(mode):
    for test, name in TYPES:
        if test(mode):
            return name
    return "unknown(0o%o)" % stat.S_IFMT(mode)


def show(raw):
    """Render a byte string (path or link target) on one line, unambiguously."""
    text = raw.decode("utf-8", errors="surrogateescape")
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= code <= 0xDCFF:
            out.append("\\x%02x" % (code - 0xDC00))
        elif code < 0x20 or code == 0x7F:
            out.append("\\x%02x" % code)
        else:
            out.append(ch)
    return "".join(out)


def normalize_rel(arg):
    raw = os.fsencode(arg)
    while raw.startswith(b"./"):
        raw = raw[2:]
    raw = raw.strip(b"/")
    parts = [p for p in raw.split(b"/") if p not in (b"", b".")]
    return b"/".join(parts) if parts else b"."


class Comparer:
    def __init__(self, root_a, root_b, owner, ignores):
        self.roots = (root_a, root_b)
        self.owner = owner
        self.ignores = ignores
        self.differences = 0
        self.errors = 0

    def diff(self, rel, what):
        self.differences += 1
        sys.stdout.write("%s: %s\n" % (show(rel), what))

    def error(self, rel, side, exc):
        self.errors += 1
        where = os.path.join(self.roots[side], rel) if rel != b"." else self.roots[side]
        msg = exc.strerror or str(exc)
        sys.stderr.write("treecmp: error: %s: %s\n" % (show(where), msg))

    def ignored(self, rel):
        for ign in self.ignores:
            if ign == b"." or rel == ign or rel.startswith(ign + b"/"):
                return True
        return False

    def full(self, side, rel):
        return self.roots[side] if rel == b"." else os.path.join(self.roots[side], rel)

    def listdir(self, side, rel):
        try:
            with os.scandir(self.full(side, rel)) as it:
                return {entry.name for entry in it}
        except OSError as exc:
            self.error(rel, side, exc)
            return None

    def lstat(self, side, rel):
        try:
            return os.lstat(self.full(side, rel))
        except OSError as exc:
            self.error(rel, side, exc)
            return None

    def run(self):
        sts = [self.lstat(0, b"."), self.lstat(1, b".")]
        if sts[0] is None or sts[1] is None:
            return
        for side in (0, 1):
            if not stat.S_ISDIR(sts[side].st_mode):
                self.errors += 1
                sys.stderr.write("treecmp: error: %s: not a directory\n"
                                 % show(self.roots[side]))
        if self.errors:
            return
        # Depth-first, children in byte order, so output order is stable.
        stack = [b"."]
        while stack:
            rel = stack.pop()
            if self.ignored(rel):
                continue
            sub = self.compare_entry(rel)
            if sub:
                stack.extend(reversed(sub))

    def compare_entry(self, rel):
        """Compare one entry present on both sides; return child paths to visit."""
        st_a = self.lstat(0, rel)
        st_b = self.lstat(1, rel)
        if st_a is None or st_b is None:
            return None
        type_a, type_b = type_name(st_a.st_mode), type_name(st_b.st_mode)
        if type_a != type_b:
            self.diff(rel, "type A=%s B=%s" % (type_a, type_b))
            return None

        if type_a != "symlink":
            perm_a, perm_b = stat.S_IMODE(st_a.st_mode), stat.S_IMODE(st_b.st_mode)
            if perm_a != perm_b:
                self.diff(rel, "mode A=%04o B=%04o" % (perm_a, perm_b))
        if self.owner:
            if st_a.st_uid != st_b.st_uid:
                self.diff(rel, "uid A=%d B=%d" % (st_a.st_uid, st_b.st_uid))
            if st_a.st_gid != st_b.st_gid:
                self.diff(rel, "gid A=%d B=%d" % (st_a.st_gid, st_b.st_gid))

        if type_a == "file":
            self.compare_contents(rel, st_a, st_b)
        elif type_a == "symlink":
            self.compare_links(rel)
        elif type_a in ("chardev", "blockdev"):
            dev_a = (os.major(st_a.st_rdev), os.minor(st_a.st_rdev))
            dev_b = (os.major(st_b.st_rdev), os.minor(st_b.st_rdev))
            if dev_a != dev_b:
                self.diff(rel, "device A=%d,%d B=%d,%d" % (dev_a + dev_b))
        elif type_a == "dir":
            return self.compare_dirs(rel)
        return None

    def compare_dirs(self, rel):
        names_a = self.listdir(0, rel)
        names_b = self.listdir(1, rel)
        if names_a is None or names_b is None:
            return None
        children = []
        for name in sorted(names_a | names_b):
            child = name if rel == b"." else rel + b"/" + name
            if self.ignored(child):
                continue
            if name not in names_b:
                self.diff(child, "only in A")
            elif name not in names_a:
                self.diff(child, "only in B")
            else:
                children.append(child)
        return children

    def compare_links(self, rel):
        try:
            target_a = os.readlink(self.full(0, rel))
        except OSError as exc:
            self.error(rel, 0, exc)
            return
        try:
            target_b = os.readlink(self.full(1, rel))
        except OSError as exc:
            self.error(rel, 1, exc)
            return
        if target_a != target_b:
            self.diff(rel, "symlink target A='%s' B='%s'" % (show(target_a), show(target_b)))

    def compare_contents(self, rel, st_a, st_b):
        if st_a.st_size != st_b.st_size:
            self.diff(rel, "size A=%d B=%d" % (st_a.st_size, st_b.st_size))
            return
        if st_a.st_size == 0:
            return
        try:
            fa = open(self.full(0, rel), "rb", buffering=0)
        except OSError as exc:
            self.error(rel, 0, exc)
            return
        with fa:
            try:
                fb = open(self.full(1, rel), "rb", buffering=0)
            except OSError as exc:
                self.error(rel, 1, exc)
                return
            with fb:
                offset = 0
                while True:
                    try:
                        chunk_a = read_full(fa, CHUNK)
                    except OSError as exc:
                        self.error(rel, 0, exc)
                        return
                    try:
                        chunk_b = read_full(fb, CHUNK)
                    except OSError as exc:
                        self.error(rel, 1, exc)
                        return
                    if chunk_a != chunk_b:
                        limit = min(len(chunk_a), len(chunk_b))
                        at = next((i for i in range(limit) if chunk_a[i] != chunk_b[i]), limit)
                        self.diff(rel, "contents differ from byte %d" % (offset + at))
                        return
                    if not chunk_a:
                        return
                    offset += len(chunk_a)


def read_full(f, size):
    """Read up to size bytes, short only at end of file."""
    parts = []
    left = size
    while left:
        data = f.read(left)
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def main(argv):
    parser = argparse.ArgumentParser(
        prog="treecmp.py",
        description="Compare two directory trees exactly; print one line per difference.",
    )
    parser.add_argument("a", metavar="A", help="first tree")
    parser.add_argument("b", metavar="B", help="second tree")
    parser.add_argument("--no-owner", action="store_true", help="do not compare uid and gid")
    parser.add_argument("--ignore", action="append", default=[], metavar="PATH",
                        help="skip PATH (relative to the roots) and everything below it; repeatable")
    args = parser.parse_args(argv)

    if any(p == "" for p in args.ignore):
        parser.error("--ignore needs a path")
    ignores = [normalize_rel(p) for p in args.ignore]
    cmp = Comparer(os.fsencode(args.a), os.fsencode(args.b), not args.no_owner, ignores)
    try:
        cmp.run()
        sys.stdout.flush()
    except BrokenPipeError:
        return 2
    if cmp.errors:
        return 2
    return 1 if cmp.differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
