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
