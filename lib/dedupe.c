// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 4, dedupe: files with identical contents, an identical block plan
 * and identical metadata share one data area.  Metadata matters because
 * the kernel numbers a file's inode by its data offset: files that share
 * data are one inode to it, and would all show one file's mode and owner.  Linear in the number of files: only files
 * whose size is shared are hashed, a hash table groups equal
 * (size, hash, plan), and a byte comparison confirms every match.  The
 * first file in tree order owns the data, so the result does not depend
 * on anything but the tree.  The writer reads only the owner: it checks
 * that the owner still hashes as it did here, or the others would carry
 * contents that are not theirs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define CHUNK (256 * 1024)

struct entry {
	struct node *node;
	uint64_t key;
	struct entry *next;
};

struct table {
	struct entry **slots;
	struct entry *pool;
	size_t mask, used;
};

static int table_init(struct table *t, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->pool = calloc(n ? n : 1, sizeof(*t->pool));
	t->mask = cap - 1;
	t->used = 0;
	return t->slots && t->pool ? 0 : -ENOMEM;
}

static void table_free(struct table *t)
{
	free(t->slots);
	free(t->pool);
}

static struct entry *table_add(struct table *t, struct node *n, uint64_t key)
{
	struct entry *e = &t->pool[t->used++];

	e->node = n;
	e->key = key;
	e->next = t->slots[key & t->mask];
	t->slots[key & t->mask] = e;
	return e;
}

static uint64_t mix_key(uint64_t a, uint64_t b)
{
	return cr_hash64(a, &b, sizeof(b));
}

static uint64_t plan_key(const struct node *n, uint32_t blksize)
{
	if (!n->blocks)
		return 0;
	return cr_hash64(1, n->blocks, node_nblocks(n, blksize));
}

/* What the kernel keeps per inode, as stored (after truncation to the field widths). */
static bool same_inode_fields(const struct node *a, const struct node *b)
{
	return a->mode == b->mode && (a->uid & CRAMFS_UID_MAX) == (b->uid & CRAMFS_UID_MAX) &&
	       (a->gid & CRAMFS_GID_MAX) == (b->gid & CRAMFS_GID_MAX);
}

static uint64_t inode_key(const struct node *n)
{
	return (uint64_t)n->mode << 32 | (n->uid & CRAMFS_UID_MAX) << 8 | (n->gid & CRAMFS_GID_MAX);
}

static bool same_plan(const struct node *a, const struct node *b, uint32_t blksize)
{
	if (!a->blocks || !b->blocks)
		return !a->blocks && !b->blocks;
	return !memcmp(a->blocks, b->blocks, node_nblocks(a, blksize));
}

/* Block by block, as the writer hashes what it reads, so that the two can be compared. */
static int hash_file(struct build *b, struct node *n, uint8_t *buf, uint64_t *out)
{
	uint32_t bs = b->opts->blksize;
	struct src_reader r;
	char *path;
	uint64_t h = 0;
	int err = src_open(&r, b, n, &path);

	while (!err && r.done < n->size) {
		uint32_t len = (uint32_t)(n->size - r.done < CHUNK ? n->size - r.done : CHUNK);
		ssize_t got = src_read_block(&r, buf, len);
		if (got < 0)
			err = (int)got;
		for (uint32_t at = 0; !err && at < len; at += bs)
			h = cr_content_hash(h, buf + at, len - at < bs ? len - at : bs);
	}
	if (!err)
		err = src_finish(&r);
	else
		src_close(&r);
	free(path);
	*out = h;
	return err;
}

static int same_content(struct build *b, struct node *x, struct node *y, uint8_t *bx, uint8_t *by,
			bool *same)
{
	struct src_reader rx, ry;
	char *px = NULL, *py = NULL;
	int err;

	*same = true;
	if (S_ISLNK(x->mode)) {
		*same = !memcmp(x->link_target, y->link_target, x->size);
		return 0;
	}
	err = src_open(&rx, b, x, &px);
	if (err)
		goto out;
	err = src_open(&ry, b, y, &py);
	if (err) {
		src_close(&rx);
		goto out;
	}
	while (rx.done < x->size && *same) {
		uint32_t len = (uint32_t)(x->size - rx.done < CHUNK ? x->size - rx.done : CHUNK);
		ssize_t gx = src_read_block(&rx, bx, len), gy = gx < 0 ? 0 : src_read_block(&ry, by, len);
		if (gx < 0 || gy < 0) {
			err = gx < 0 ? (int)gx : (int)gy;
			break;
		}
		*same = !memcmp(bx, by, len);
	}
	src_close(&rx);
	src_close(&ry);
out:
	free(px);
	free(py);
	return err;
}

int cr_dedupe(struct build *b)
{
	uint32_t bs = b->opts->blksize;
	struct table sizes, groups;
	uint8_t *bx = malloc(CHUNK), *by = malloc(CHUNK);
	int err = -ENOMEM;

	if (!bx || !by)
		goto out_buf;
	err = table_init(&sizes, b->nnodes);
	if (err)
		goto out_buf;
	err = table_init(&groups, b->nnodes);
	if (err)
		goto out_sizes;

	/* Sizes first: a file whose (type, size) nobody else has cannot be a duplicate. */
	for (size_t i = 0; i < b->nnodes; i++) {
		struct node *n = b->order[i];
		if (node_has_data(n))
			table_add(&sizes, n, mix_key(n->size, S_ISLNK(n->mode)));
	}

	for (size_t i = 0; i < b->nnodes && !err; i++) {
		struct node *n = b->order[i];
		uint64_t skey, key, h;
		unsigned same_size = 0;

		if (!node_has_data(n))
			continue;
		skey = mix_key(n->size, S_ISLNK(n->mode));
		for (struct entry *e = sizes.slots[skey & sizes.mask]; e && same_size < 2; e = e->next)
			if (e->key == skey && e->node->size == n->size &&
			    S_ISLNK(e->node->mode) == S_ISLNK(n->mode))
				same_size++;
		if (same_size < 2)
			continue;

		if (S_ISLNK(n->mode))
			h = cr_hash64(0, n->link_target, n->size);
		else if ((err = hash_file(b, n, bx, &h)))
			break;
		n->content_hash = h;
		key = mix_key(mix_key(mix_key(skey, h), plan_key(n, bs)), inode_key(n));
		for (struct entry *e = groups.slots[key & groups.mask]; e; e = e->next) {
			struct node *o = e->node;
			bool same;

			if (e->key != key || o->size != n->size || !same_inode_fields(o, n) || !same_plan(o, n, bs))
				continue;
			err = same_content(b, o, n, bx, by, &same);
			if (err)
				break;
			if (same) {
				n->data_owner = o;
				o->shares_data = true;
				b->stats->dedupe_files++;
				b->stats->dedupe_bytes += n->size;
				cr_dbg(b->log, "%s: same data as %s", n->path, o->path);
				break;
			}
		}
		if (!err && !n->data_owner)
			table_add(&groups, n, key);
	}

	table_free(&groups);
out_sizes:
	table_free(&sizes);
out_buf:
	free(bx);
	free(by);
	return err;
}
