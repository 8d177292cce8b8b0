/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cramfs on-disk format, as the Linux driver reads it.
 *
 * Every multi-byte field is in the byte order of the target CPU; the kernel
 * never swaps.  The structures below are host-side views: they are never
 * copied to or from disk directly.  The pack/unpack functions convert
 * between them and the 12-byte inode / 76-byte superblock in either byte
 * order.  No C bitfields are used: their layout is up to the compiler.
 */
#ifndef CRAMFS_FORMAT_H
#define CRAMFS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CRAMFS_MAGIC            0x28cd3d45u
#define CRAMFS_MAGIC_SWAPPED    0x453dcd28u
#define CRAMFS_SIGNATURE        "Compressed ROMFS"
#define CRAMFS_SIGNATURE_LEN    16
#define CRAMFS_NAME_LEN         16      /* superblock volume name */

#define CRAMFS_SUPER_SIZE       76
#define CRAMFS_INODE_SIZE       12
#define CRAMFS_PAD_SIZE         512     /* optional boot-code pad before the superblock */

/* Superblock field offsets. */
#define CRAMFS_SB_MAGIC         0
#define CRAMFS_SB_SIZE          4
#define CRAMFS_SB_FLAGS         8
#define CRAMFS_SB_FUTURE        12
#define CRAMFS_SB_SIGNATURE     16
#define CRAMFS_SB_CRC           32
#define CRAMFS_SB_EDITION       36
#define CRAMFS_SB_BLOCKS        40
#define CRAMFS_SB_FILES         44
#define CRAMFS_SB_NAME          48
#define CRAMFS_SB_ROOT          64

/* Superblock flags. */
#define CRAMFS_FLAG_FSID_VERSION_2      0x00000001u
#define CRAMFS_FLAG_SORTED_DIRS         0x00000002u
#define CRAMFS_FLAG_HOLES               0x00000100u
#define CRAMFS_FLAG_WRONG_SIGNATURE     0x00000200u
#define CRAMFS_FLAG_SHIFTED_ROOT_OFFSET 0x00000400u
#define CRAMFS_FLAG_EXT_BLOCK_POINTERS  0x00000800u
/* The kernel accepts bits 0x01-0xff as compatible; any other unknown bit is refused. */
#define CRAMFS_SUPPORTED_FLAGS          (0x000000ffu | CRAMFS_FLAG_HOLES | \
                                         CRAMFS_FLAG_WRONG_SIGNATURE | \
                                         CRAMFS_FLAG_SHIFTED_ROOT_OFFSET | \
                                         CRAMFS_FLAG_EXT_BLOCK_POINTERS)

/* Inode field widths. */
#define CRAMFS_MODE_WIDTH       16
#define CRAMFS_UID_WIDTH        16
#define CRAMFS_SIZE_WIDTH       24
#define CRAMFS_GID_WIDTH        8
#define CRAMFS_NAMELEN_WIDTH    6
#define CRAMFS_OFFSET_WIDTH     26

#define CRAMFS_UID_MAX          ((1u << CRAMFS_UID_WIDTH) - 1)
#define CRAMFS_GID_MAX          ((1u << CRAMFS_GID_WIDTH) - 1)
#define CRAMFS_SIZE_MAX         ((1u << CRAMFS_SIZE_WIDTH) - 1)   /* largest file: 16 MiB - 1 */
#define CRAMFS_MAXPATHLEN       (((1u << CRAMFS_NAMELEN_WIDTH) - 1) << 2)  /* 252 */
/* inode offsets are stored >> 2 in 26 bits: everything they point at is below 256 MiB */
#define CRAMFS_OFFSET_LIMIT     (1u << (CRAMFS_OFFSET_WIDTH + 2))
/* The kernel reads this many bytes for each directory entry (readdir, lookup). */
#define CRAMFS_DIRENT_READ_LEN  (CRAMFS_INODE_SIZE + CRAMFS_MAXPATHLEN)

/* Block pointer flags (only with CRAMFS_FLAG_EXT_BLOCK_POINTERS). */
#define CRAMFS_BLK_FLAG_UNCOMPRESSED    (1u << 31)
#define CRAMFS_BLK_FLAG_DIRECT_PTR      (1u << 30)
#define CRAMFS_BLK_FLAGS                (CRAMFS_BLK_FLAG_UNCOMPRESSED | CRAMFS_BLK_FLAG_DIRECT_PTR)
#define CRAMFS_BLK_DIRECT_PTR_SHIFT     2
/* A direct, compressed block starts with its length in 16 bits. */
#define CRAMFS_DIRECT_LEN_SIZE          2
#define CRAMFS_DIRECT_LEN_MAX           0xffffu

enum cramfs_endian {
	CRAMFS_LITTLE_ENDIAN = 0,
	CRAMFS_BIG_ENDIAN = 1,
};

static inline enum cramfs_endian cramfs_host_endian(void)
{
	const uint16_t probe = 1;
	return *(const uint8_t *)&probe ? CRAMFS_LITTLE_ENDIAN : CRAMFS_BIG_ENDIAN;
}

/* ---- 16/32-bit loads and stores in a chosen byte order ---- */

static inline uint32_t cramfs_get32(const void *p, enum cramfs_endian e)
{
	const uint8_t *b = p;
	if (e == CRAMFS_LITTLE_ENDIAN)
		return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
}

static inline void cramfs_put32(void *p, uint32_t v, enum cramfs_endian e)
{
	uint8_t *b = p;
	if (e == CRAMFS_LITTLE_ENDIAN) {
		b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24);
	} else {
		b[3] = (uint8_t)v; b[2] = (uint8_t)(v >> 8); b[1] = (uint8_t)(v >> 16); b[0] = (uint8_t)(v >> 24);
	}
}

static inline uint16_t cramfs_get16(const void *p, enum cramfs_endian e)
{
	const uint8_t *b = p;
	if (e == CRAMFS_LITTLE_ENDIAN)
		return (uint16_t)(b[0] | b[1] << 8);
	return (uint16_t)(b[1] | b[0] << 8);
}

static inline void cramfs_put16(void *p, uint16_t v, enum cramfs_endian e)
{
	uint8_t *b = p;
	if (e == CRAMFS_LITTLE_ENDIAN) {
		b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8);
	} else {
		b[1] = (uint8_t)v; b[0] = (uint8_t)(v >> 8);
	}
}

/* ---- inode ---- */

/*
 * Host view of an inode.  Values must already fit their on-disk widths:
 * pack masks them, so checking and warning is the caller's job.
 * offset is in bytes (a multiple of 4, below CRAMFS_OFFSET_LIMIT);
 * namelen is in bytes (a multiple of 4, at most CRAMFS_MAXPATHLEN).
 */
struct cramfs_inode {
	uint32_t mode;
	uint32_t uid;
	uint32_t size;
	uint32_t gid;
	uint32_t namelen;
	uint32_t offset;
};

/*
 * Word layout: mode:16 uid:16 | size:24 gid:8 | namelen:6 offset:26.
 * Little-endian images put the first field of each word in its low bits,
 * big-endian images in its high bits.
 */
static inline void cramfs_inode_pack(uint8_t out[CRAMFS_INODE_SIZE], const struct cramfs_inode *in,
				     enum cramfs_endian e)
{
	uint32_t mode = in->mode & 0xffffu, uid = in->uid & CRAMFS_UID_MAX;
	uint32_t size = in->size & CRAMFS_SIZE_MAX, gid = in->gid & CRAMFS_GID_MAX;
	uint32_t nl = (in->namelen >> 2) & 0x3fu, off = (in->offset >> 2) & 0x3ffffffu;
	uint32_t w0, w1, w2;

	if (e == CRAMFS_LITTLE_ENDIAN) {
		w0 = mode | uid << 16;
		w1 = size | gid << 24;
		w2 = nl | off << 6;
	} else {
		w0 = mode << 16 | uid;
		w1 = size << 8 | gid;
		w2 = nl << 26 | off;
	}
	cramfs_put32(out, w0, e);
	cramfs_put32(out + 4, w1, e);
	cramfs_put32(out + 8, w2, e);
}

static inline void cramfs_inode_unpack(struct cramfs_inode *out, const uint8_t in[CRAMFS_INODE_SIZE],
				       enum cramfs_endian e)
{
	uint32_t w0 = cramfs_get32(in, e), w1 = cramfs_get32(in + 4, e), w2 = cramfs_get32(in + 8, e);

	if (e == CRAMFS_LITTLE_ENDIAN) {
		out->mode = w0 & 0xffffu;
		out->uid = w0 >> 16;
		out->size = w1 & CRAMFS_SIZE_MAX;
		out->gid = w1 >> 24;
		out->namelen = (w2 & 0x3fu) << 2;
		out->offset = (w2 >> 6) << 2;
	} else {
		out->mode = w0 >> 16;
		out->uid = w0 & 0xffffu;
		out->size = w1 >> 8;
		out->gid = w1 & 0xffu;
		out->namelen = (w2 >> 26) << 2;
		out->offset = (w2 & 0x3ffffffu) << 2;
	}
}

/* ---- superblock ---- */

struct cramfs_super {
	uint32_t magic;
	uint32_t size;
	uint32_t flags;
	uint32_t future;
	uint8_t signature[CRAMFS_SIGNATURE_LEN];
	uint32_t crc;
	uint32_t edition;
	uint32_t blocks;
	uint32_t files;
	uint8_t name[CRAMFS_NAME_LEN];
	struct cramfs_inode root;
};

static inline void cramfs_super_pack(uint8_t out[CRAMFS_SUPER_SIZE], const struct cramfs_super *sb,
				     enum cramfs_endian e)
{
	cramfs_put32(out + CRAMFS_SB_MAGIC, sb->magic, e);
	cramfs_put32(out + CRAMFS_SB_SIZE, sb->size, e);
	cramfs_put32(out + CRAMFS_SB_FLAGS, sb->flags, e);
	cramfs_put32(out + CRAMFS_SB_FUTURE, sb->future, e);
	memcpy(out + CRAMFS_SB_SIGNATURE, sb->signature, CRAMFS_SIGNATURE_LEN);
	cramfs_put32(out + CRAMFS_SB_CRC, sb->crc, e);
	cramfs_put32(out + CRAMFS_SB_EDITION, sb->edition, e);
	cramfs_put32(out + CRAMFS_SB_BLOCKS, sb->blocks, e);
	cramfs_put32(out + CRAMFS_SB_FILES, sb->files, e);
	memcpy(out + CRAMFS_SB_NAME, sb->name, CRAMFS_NAME_LEN);
	cramfs_inode_pack(out + CRAMFS_SB_ROOT, &sb->root, e);
}

static inline void cramfs_super_unpack(struct cramfs_super *sb, const uint8_t in[CRAMFS_SUPER_SIZE],
				       enum cramfs_endian e)
{
	sb->magic = cramfs_get32(in + CRAMFS_SB_MAGIC, e);
	sb->size = cramfs_get32(in + CRAMFS_SB_SIZE, e);
	sb->flags = cramfs_get32(in + CRAMFS_SB_FLAGS, e);
	sb->future = cramfs_get32(in + CRAMFS_SB_FUTURE, e);
	memcpy(sb->signature, in + CRAMFS_SB_SIGNATURE, CRAMFS_SIGNATURE_LEN);
	sb->crc = cramfs_get32(in + CRAMFS_SB_CRC, e);
	sb->edition = cramfs_get32(in + CRAMFS_SB_EDITION, e);
	sb->blocks = cramfs_get32(in + CRAMFS_SB_BLOCKS, e);
	sb->files = cramfs_get32(in + CRAMFS_SB_FILES, e);
	memcpy(sb->name, in + CRAMFS_SB_NAME, CRAMFS_NAME_LEN);
	cramfs_inode_unpack(&sb->root, in + CRAMFS_SB_ROOT, e);
}

/* ---- block pointers ---- */

static inline bool cramfs_blkptr_is_direct(uint32_t p) { return (p & CRAMFS_BLK_FLAG_DIRECT_PTR) != 0; }
static inline bool cramfs_blkptr_is_raw(uint32_t p) { return (p & CRAMFS_BLK_FLAG_UNCOMPRESSED) != 0; }

/* Classic pointer: absolute end offset of the block, optionally flagged raw. */
static inline uint32_t cramfs_blkptr_classic(uint32_t end, bool raw)
{
	return end | (raw ? CRAMFS_BLK_FLAG_UNCOMPRESSED : 0);
}

/* Direct pointer: absolute start offset (4-byte aligned) >> 2. */
static inline uint32_t cramfs_blkptr_direct(uint32_t start, bool raw)
{
	return (start >> CRAMFS_BLK_DIRECT_PTR_SHIFT) | CRAMFS_BLK_FLAG_DIRECT_PTR |
	       (raw ? CRAMFS_BLK_FLAG_UNCOMPRESSED : 0);
}

/* The start offset a direct pointer names. */
static inline uint64_t cramfs_blkptr_direct_start(uint32_t p)
{
	return (uint64_t)(p & ~CRAMFS_BLK_FLAGS) << CRAMFS_BLK_DIRECT_PTR_SHIFT;
}

/* Device numbers are stored in the size field in the old 8-bit major / 8-bit minor encoding. */
static inline uint32_t cramfs_encode_dev(uint32_t major, uint32_t minor)
{
	return (major & 0xffu) << 8 | (minor & 0xffu);
}

static inline bool cramfs_dev_fits(uint32_t major, uint32_t minor)
{
	return major <= 0xffu && minor <= 0xffu;
}

/* Bytes a name occupies after its inode: NUL padded to a multiple of 4. */
static inline uint32_t cramfs_name_space(size_t namelen)
{
	return (uint32_t)((namelen + 3) & ~(size_t)3);
}

#endif /* CRAMFS_FORMAT_H */
