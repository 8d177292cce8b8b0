/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to libcramfs: the image reader's internals, shared by check, extract and the XIP report. */
#ifndef CRAMFS_IMAGE_H
#define CRAMFS_IMAGE_H

#include <setjmp.h>
#include <time.h>

#include "internal.h"

struct block_info;

#define IMG_CACHE_SLOTS 8

struct img_cached {
	uint64_t start;
	uint32_t len;                   /* 0: an empty slot (a compressed block is never empty) */
	long got;                       /* what it inflated to; -1: not a valid zlib stream */
	uint64_t used;                  /* when last looked up (a tick of cache_clock) */
};

struct cramfs_image {
	int fd;
	char *path;                     /* for messages */
	const uint8_t *map;
	uint64_t map_len;
	struct timespec mtime;          /* the file's when opened */
	bool changed;                   /* the file changed while being read: every call fails */
	bool changed_logged;
	uint64_t fault_off;             /* the first offset that faulted; UINT64_MAX: none */
	uint64_t end;                   /* readable end: the superblock's size, within the file */
	struct cramfs_image_info info;
	struct cramfs_log log;
	/*
	 * The compressed blocks this reader inflated last, by (start, length):
	 * blocks that many pointers share, as in images made with block
	 * sharing, or thousands of times in a crafted one, are inflated once
	 * while they stay here (the least recently used makes room).
	 * cache_data holds IMG_CACHE_SLOTS outputs of up to 2 * blksize bytes.
	 */
	struct img_cached cache[IMG_CACHE_SLOTS];
	uint8_t *cache_data;
	uint64_t cache_clock;
	uint64_t inflated;              /* blocks inflated here (the checker's pool counts its own) */
	bool strict;                    /* walking for cramfs_check: report every oddity */
	uint64_t walk_problems;
	uint64_t decode_warnings;
	/*
	 * Set by cramfs_check: img_decode hands each compressed block it would
	 * inflate only to check (no output buffer) to defer, which inflates it
	 * later, on many threads, and reports what it finds.
	 */
	void (*defer)(void *arg, const struct cramfs_entry *e, const struct block_info *bi, uint32_t want);
	void *defer_arg;
};

/*
 * The file changed while being read (guard.c): it was truncated under the
 * mapping, so reading a page past its new end faults, or it was rewritten.
 * Code that reads the mapping runs inside a guard; a SIGBUS inside the
 * guarded mapping jumps back to where the guard was set:
 *
 *	struct img_guard g;
 *
 *	img_guard_push(&g, img);
 *	if (sigsetjmp(g.jump, 0)) {
 *		img_guard_pop(&g);
 *		(free what was allocated before the guard)
 *		return img_changed(img, g.fault);
 *	}
 *	(read the mapping)
 *	img_guard_pop(&g);
 *
 * Locals changed after sigsetjmp are not to be trusted after the jump: keep
 * what the way out needs on the heap, or set it before.  Guards nest; each
 * thread has its own (the inflating pool's threads set theirs).
 */
struct img_guard {
	sigjmp_buf jump;
	const uint8_t *lo, *hi;         /* the mapping guarded */
	volatile uint64_t fault;        /* the offset in it that faulted */
	struct img_guard *outer;
};

int img_guard_init(void);       /* installs the SIGBUS handler, once per process: 0 or -errno */
void img_guard_push(struct img_guard *g, const struct cramfs_image *img);
void img_guard_pop(struct img_guard *g);
/* Marks img changed, logs "image changed while being read" once (naming off if known), returns -ESTALE. */
int img_changed(struct cramfs_image *img, uint64_t off);
/* 0 if the file has the size and modification time it had when opened; else img_changed. */
int img_unchanged(struct cramfs_image *img);

static inline enum cramfs_endian img_endian(const struct cramfs_image *img) { return img->info.endian; }

static inline bool img_has(const struct cramfs_image *img, uint64_t off, uint64_t len)
{
	return off <= img->end && len <= img->end - off;
}

/*
 * Sums and products of offsets and sizes read from an image: a result that
 * would wrap saturates to UINT64_MAX, which img_has always refuses.  Today's
 * fields are 32 bits wide and the arithmetic 64, so nothing wraps; these keep
 * it that way if a field ever grows.
 */
static inline uint64_t off_add(uint64_t a, uint64_t b)
{
	uint64_t s;
	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

static inline uint64_t off_mul(uint64_t a, uint64_t b)
{
	uint64_t p;
	return __builtin_mul_overflow(a, b, &p) ? UINT64_MAX : p;
}

static inline uint32_t img_get32(const struct cramfs_image *img, uint64_t off)
{
	return cramfs_get32(img->map + off, img->info.endian);
}

/* Messages of the reader: cr_log's, which passes on the whole text however long the paths in it. */
#define img_vlog cr_vlog
#define img_log cr_log
#define img_err(log, ...)   img_log(log, CRAMFS_ERROR, __VA_ARGS__)
#define img_warn(log, ...)  img_log(log, CRAMFS_WARNING, __VA_ARGS__)
#define img_info(log, ...)  img_log(log, CRAMFS_INFO, __VA_ARGS__)

/*
 * A set of 4-byte units of the image, for regions that must not overlap
 * (directory entries, block pointer tables).  Asking whether any unit of a
 * range is taken costs O(log n): one bit per unit, and a Fenwick tree of the
 * number of taken units in each 64-unit word.  Without it, a crafted image
 * whose regions overlap makes the reader repeat work quadratically or worse.
 */
struct img_claims {
	uint64_t *bits;
	uint32_t *tree;                 /* 1-based Fenwick tree over words */
	size_t words;
};

int img_claims_init(struct img_claims *c, uint64_t units);     /* 0 or -ENOMEM */
void img_claims_free(struct img_claims *c);
/* Is any unit in [a, b) taken?  a < b <= the units given to img_claims_init. */
bool img_claims_any(const struct img_claims *c, uint64_t a, uint64_t b);
/* Take the units [a, b), none of which is taken yet. */
void img_claims_take(struct img_claims *c, uint64_t a, uint64_t b);

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

/* Use block size bs from now on (the cache of inflated blocks starts empty).  0 or -ENOMEM. */
int img_set_blksize(struct cramfs_image *img, uint32_t bs);

/*
 * Inflate the zlib stream of len bytes at start (inside the image), or find
 * it in the cache: returns its inflated length (at most 2 * blksize, the
 * bytes in *data until the next call) or -1 if it is not a valid stream.
 */
long img_inflate(struct cramfs_image *img, uint64_t start, uint32_t len, const uint8_t **data);

/*
 * Decode e's data into buf (e->inode.size bytes); every problem is logged
 * with the path and byte offset and counted in *problems.  buf may be NULL
 * to check without keeping the data.  Returns 0 or -EBADMSG.
 */
int img_decode(struct cramfs_image *img, const struct cramfs_entry *e, uint8_t *buf, block_fn fn, void *arg,
	       uint64_t *problems);

/*
 * Decode only e's first block into buf (blksize bytes; the first
 * min(size, blksize) are set), saying nothing: for a look at a file's
 * header after the check has reported every problem.  0 or -EBADMSG.
 */
int img_read_first_block(struct cramfs_image *img, const struct cramfs_entry *e, uint8_t *buf);

#endif /* CRAMFS_IMAGE_H */
