// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Identical blocks in different files, stored once.
 *
 * Whole-file dedupe (dedupe.c) shares a data area between identical files.
 * Files that differ often still have identical blocks (a page of a library
 * built twice, shared tables).  With extended block pointers a block can
 * point anywhere, so the second copy of a block can point at the first.
 *
 * A block can only be pointed at directly if it was stored in the direct
 * format (a 16-bit length before a compressed stream, or raw), so a census
 * pass first counts every block's content; the writer stores the first of
 * each repeated content in the direct format and points the others at it.
 * Every reuse is confirmed by comparing the stored bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct blocktab {
	struct shared_block *slots;
	size_t mask, used;
};

bool cr_sharing(const struct build *b)
{
	return b->opts->share_blocks || b->opts->xip != CRAMFS_XIP_OFF;
}

static uint64_t block_key(const uint8_t *data, uint32_t len)
{
	uint64_t k = cr_hash64(len, data, len);

	return k ? k : 1;   /* 0 marks a free slot */
}

static struct shared_block *find(struct blocktab *t, uint64_t key, uint32_t len, bool *fresh)
{
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 17) & t->mask;

	for (; t->slots[i].key; i = (i + 1) & t->mask)
		if (t->slots[i].key == key && t->slots[i].len == len) {
			*fresh = false;
			return &t->slots[i];
		}
	*fresh = true;
	return &t->slots[i];
}

static int grow(struct blocktab *t)
{
	size_t cap = t->mask ? (t->mask + 1) * 2 : 4096;
	struct shared_block *old = t->slots;
	size_t oldcap = t->mask ? t->mask + 1 : 0;

	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->mask = cap - 1;
	for (size_t i = 0; i < oldcap; i++) {
		bool fresh;
		if (old[i].key)
			*find(t, old[i].key, old[i].len, &fresh) = old[i];
	}
	free(old);
	return 0;
}

static int count_block(struct blocktab *t, const uint8_t *data, uint32_t len)
{
	struct shared_block *e;
	uint64_t key = block_key(data, len);
	bool fresh;
	int err;

	if (t->used * 2 >= t->mask) {
		err = grow(t);
		if (err)
			return err;
	}
	e = find(t, key, len, &fresh);
	if (fresh) {
		e->key = key;
		e->len = len;
		t->used++;
	}
	e->count++;
	return 0;
}

int cr_block_census(struct build *b)
{
	uint32_t bs = b->opts->blksize;
	struct blocktab *t;
	uint8_t *buf;
	int err = 0;

	if (!cr_sharing(b))
		return 0;
	t = calloc(1, sizeof(*t));
	buf = malloc(bs);
	if (!t || !buf || grow(t)) {
		free(buf);
		cr_blocktab_free(t);
		return -ENOMEM;
	}
	b->shared = t;
	for (size_t i = 0; i < b->nnodes && !err; i++) {
		struct node *n = b->order[i];
		struct src_reader r = { .fd = -1 };
		char *path = NULL;

		if (!S_ISREG(n->mode) || !n->size || n->data_owner)
			continue;
		err = src_open(&r, b, n, &path);
		for (uint32_t k = 0; !err && k < node_nblocks(n, bs); k++) {
			uint32_t len = node_block_len(n, k, bs);
			ssize_t got = src_read_block(&r, buf, len);

			if (got < 0)
				err = (int)got;
			else if ((!n->blocks || n->blocks[k] == BLK_PACKED) && !(b->opts->holes && all_zero(buf, len)))
				err = count_block(t, buf, len);
		}
		if (!err)
			err = src_finish(&r);
		else
			src_close(&r);
		free(path);
	}
	free(buf);
	return err;
}

struct shared_block *cr_shared_lookup(struct build *b, const uint8_t *data, uint32_t len)
{
	struct shared_block *e;
	bool fresh;

	if (!b->shared)
		return NULL;
	e = find(b->shared, block_key(data, len), len, &fresh);
	/* a content met once is not worth the direct format; one not counted changed since */
	return !fresh && e->count > 1 ? e : NULL;
}

void cr_blocktab_free(struct blocktab *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}
