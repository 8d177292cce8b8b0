#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A flash image as genimage assembles it, taken apart again.

flashcut.py check FLASH SIZE OFFSET IMAGE
    FLASH must be SIZE bytes; the IMAGE's bytes must be at OFFSET, byte for
    byte; every other byte must be 0xff (erased NOR flash).  Says what differs
    and exits 1 if anything does.
flashcut.py cut FLASH OFFSET LENGTH OUT
    Writes LENGTH bytes of FLASH from OFFSET to OUT.
flashcut.py holes FILE
    Prints how many bytes of FILE lie in holes (SEEK_DATA/SEEK_HOLE).

Numbers are decimal or 0x hex.
"""
import os
import sys


def num(s):
    return int(s, 0)


def check(flash, size, offset, image):
    with open(flash, "rb") as f:
        data = f.read()
    with open(image, "rb") as f:
        img = f.read()
    problems = []
    if len(data) != size:
        problems.append("%s is %d bytes, not %d" % (flash, len(data), size))
    part = data[offset:offset + len(img)]
    if len(part) != len(img):
        problems.append("%s ends before the image does (%d of %d bytes at %#x)" % (flash, len(part), len(img), offset))
    diff = [] if part == img[:len(part)] else [i for i in range(len(part)) if part[i] != img[i]]
    if diff:
        filled = sum(1 for i in diff if img[i] == 0 and part[i] == 0xff)
        problems.append("%d bytes at %#x differ from %s, the first at image offset %#x; %d of them are 0x00 in "
                        "the image and 0xff in the flash (a hole filled as erased flash)"
                        % (len(diff), offset, image, diff[0], filled))
    for start, end, what in ((0, offset, "before the image"), (offset + len(img), len(data), "after the image")):
        rest = data[start:end]
        if rest.count(0xff) != len(rest):
            first = next(i for i in range(len(rest)) if rest[i] != 0xff)
            problems.append("%s: byte %#x is %#04x, not 0xff (erased)" % (what, start + first, rest[first]))
    for p in problems:
        print("flashcut: " + p, file=sys.stderr)
    return 1 if problems else 0


def cut(flash, offset, length, out):
    with open(flash, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    if len(data) != length:
        sys.exit("flashcut: %s has only %d bytes at %#x" % (flash, len(data), offset))
    with open(out, "wb") as f:
        f.write(data)
    return 0


def holes(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        pos = total = 0
        while pos < size:
            hole = os.lseek(fd, pos, os.SEEK_HOLE)
            if hole >= size:
                break
            try:
                data = os.lseek(fd, hole, os.SEEK_DATA)
            except OSError:
                data = size
            total += data - hole
            pos = data
    finally:
        os.close(fd)
    print(total)
    return 0


def main(argv):
    if len(argv) == 5 and argv[0] == "check":
        return check(argv[1], num(argv[2]), num(argv[3]), argv[4])
    if len(argv) == 5 and argv[0] == "cut":
        return cut(argv[1], num(argv[2]), num(argv[3]), argv[4])
    if len(argv) == 2 and argv[0] == "holes":
        return holes(argv[1])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
