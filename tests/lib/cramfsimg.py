# SPDX-License-Identifier: GPL-2.0-or-later
"""The cramfs superblock as the test tools need it: where it is, and the CRC it should hold.

An independent reading of the on-disk format (../shared/design/cramfs-format.md), so that the
tests do not check the library with itself.
"""
import struct
import zlib

MAGIC = 0x28CD3D45
SUPER_LEN = 76          # magic to the end of the root inode


def locate(img):
    """(offset, struct byte-order prefix) of the superblock at byte 0 or 512, or None."""
    for sb in (0, 512):
        for order in ("<", ">"):
            if len(img) >= sb + SUPER_LEN and struct.unpack_from(order + "I", img, sb)[0] == MAGIC:
                return sb, order
    return None


def crc(img, sb, order):
    """zlib's crc32 from the superblock to the end its size field gives (or the file's end),
    with the CRC field (bytes 32..35 of the superblock) as zeros."""
    end = min(struct.unpack_from(order + "I", img, sb + 4)[0], len(img))
    data = bytearray(img[sb:end])
    data[32:36] = b"\0\0\0\0"
    return zlib.crc32(bytes(data)) & 0xFFFFFFFF


S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000


def inode(img, off, order):
    """(mode, size, offset in bytes, name length in bytes) of the 12-byte inode at off."""
    w0, w1, w2 = struct.unpack_from(order + "III", img, off)
    if order == "<":
        mode, size, namelen, offset = w0 & 0xFFFF, w1 & 0xFFFFFF, w2 & 0x3F, w2 >> 6
    else:
        mode, size, namelen, offset = w0 >> 16, w1 >> 8, w2 >> 26, w2 & 0x3FFFFFF
    return mode, size, offset * 4, namelen * 4


def entries(img, sb, order):
    """Every inode of the tree below the root (the root's included), as (mode, size, offset):
    a plain walk that trusts the image, for images our own builder made."""
    out = []
    todo = [sb + 64]
    seen = set()
    while todo:
        at = todo.pop()
        mode, size, offset, _ = inode(img, at, order)
        out.append((mode, size, offset))
        if mode & S_IFMT == S_IFDIR and size and offset not in seen:
            seen.add(offset)
            pos = offset
            while pos < offset + size:
                todo.append(pos)
                pos += 12 + inode(img, pos, order)[3]
    return out


def layout_problems(path, blksize=None):
    """What the peers' tools would object to in an image file, as a list of sentences:
    holes (genimage fills them with 0xff), a size that is not a whole number of blocks
    (the kernel's block-device path drops the tail), and file data that does not start
    where the directory entries end (cramfs-tools' cramfsck rejects that)."""
    import os
    problems = []
    with open(path, "rb") as f:
        img = f.read()
        hole = os.lseek(f.fileno(), 0, os.SEEK_HOLE)
    if hole < len(img):
        problems.append("a hole at byte %d of %d" % (hole, len(img)))
    if blksize and len(img) % blksize:
        problems.append("size %d is not a multiple of the block size %d" % (len(img), blksize))
    found = locate(img)
    if not found:
        return problems + ["no superblock"]
    sb, order = found
    tree = entries(img, sb, order)
    dirs = [(o, s) for m, s, o in tree if m & S_IFMT == S_IFDIR and s]
    data = [o for m, s, o in tree if m & S_IFMT in (S_IFREG, S_IFLNK) and s]
    if dirs and data:
        dir_end = max(o + s for o, s in dirs)
        if min(data) != dir_end:
            problems.append("directory data end (%d) != file data start (%d)" % (dir_end, min(data)))
    return problems


if __name__ == "__main__":
    import sys
    # cramfsimg.py IMAGE [BLOCKSIZE]: exit 1 and say why when the image has a layout problem
    found = layout_problems(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
    for p in found:
        print("%s: %s" % (sys.argv[1], p), file=sys.stderr)
    sys.exit(1 if found else 0)
