#!/usr/bin/env python3
"""Pack a directory into an uncompressed newc cpio archive for an initramfs.

    mkcpio.py STAGEDIR OUT.cpio

Every entry is owned by root with time 0; /dev/console (char 5:1) is added so
the kernel can give init a console.  Needs no privileges.
"""
import os
import stat
import sys


def header(ino, mode, nlink, size, rmajor, rminor, name):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmajor, rminor, len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields) + name + b"\0"


def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkcpio.py STAGEDIR OUT.cpio")
    stage, out = sys.argv[1], sys.argv[2]
    entries = []
    for dirpath, dirnames, filenames in os.walk(stage):
        dirnames.sort()
        rel = os.path.relpath(dirpath, stage)
        for name in [""] + sorted(filenames) + dirnames:
            path = os.path.join(dirpath, name) if name else dirpath
            relpath = os.path.normpath(os.path.join(rel, name)) if name else rel
            if relpath == ".":
                continue
            entries.append((relpath, path))
    names = {e[0] for e in entries}
    if "dev" not in names:
        entries.append(("dev", None))
    entries.append(("dev/console", "console"))
    entries.sort()
    with open(out, "wb") as f:
        ino = 1
        for relpath, path in entries:
            name = relpath.encode()
            data = b""
            rmajor = rminor = 0
            if path is None:
                mode = stat.S_IFDIR | 0o755
            elif path == "console":
                mode = stat.S_IFCHR | 0o600
                rmajor, rminor = 5, 1
            else:
                st = os.lstat(path)
                mode = st.st_mode
                if stat.S_ISLNK(mode):
                    data = os.fsencode(os.readlink(path))
                elif stat.S_ISREG(mode):
                    with open(path, "rb") as src:
                        data = src.read()
                elif not stat.S_ISDIR(mode):
                    sys.exit("mkcpio: unsupported file type: %s" % path)
            hdr = header(ino, mode, 2 if stat.S_ISDIR(mode) else 1, len(data), rmajor, rminor, name)
            f.write(hdr + pad4(len(hdr)) + data + pad4(len(data)))
            ino += 1
        trailer = header(0, 0, 1, 0, 0, 0, b"TRAILER!!!")
        f.write(trailer + pad4(len(trailer)))
        f.write(b"\0" * ((512 - f.tell() % 512) % 512))


if __name__ == "__main__":
    main()
