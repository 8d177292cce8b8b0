/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to libcramfs: the image reader's internals, shared by check, extract and the XIP report. */
#ifndef CRAMFS_IMAGE_H
#define CRAMFS_IMAGE_H

#include "internal.h"

struct cramfs_image {
	int fd;
	const uint8_t *map;
	uint64_t map_len;
	uint64_t end;                   /* readable end: the superblock's size, within the file */
	struct cramfs_image_info info;
	struct cramfs_log log;
	uint8_t *scratch;               /* 2 * blksize, for decoding */
	bool strict;                    /* walking for cramfs_check: report every oddity */
	uint64_t walk_problems;
	uint64_t decode_warnings;
};

static inline enum cramfs_endian img_endian(const struct cramfs_image *img) { return img->info.endian; }

static inline bool img_has(const struct cramfs_image *img, uint64_t off, uint64_t len)
{
	return off <= img->end && len <= img->end - off;
}

static inline uint32_t img_get32(const struct cramfs_image *img, uint64_t off)
{
	return cramfs_get32(img->map + off, img->info.endian);
}

/* What decoding one block found; reported to a caller that wants to see every block. */
struct block_info {
	uint32_t index;
	uint32_t ptr;
	uint64_t start;                 /* image offset of the block's bytes (after a direct length) */
	uint64_t len;                   /* stored bytes; 0 for a hole */
	uint64_t extent_start, extent_len;  /* bytes the block occupies, a direct length included */
	bool direct, raw, hole;
};

typedef void (*block_fn)(void *arg, const struct cramfs_entry *e, const struct block_info *bi);

/*
 * Decode e's data into buf (e->inode.size bytes); every problem is logged
 * with the path and byte offset and counted in *problems.  buf may be NULL
 * to check without keeping the data.  Returns 0 or -EBADMSG.
 */
int img_decode(struct cramfs_image *img, const struct cramfs_entry *e, uint8_t *buf, block_fn fn, void *arg,
	       uint64_t *problems);

#endif /* CRAMFS_IMAGE_H */
