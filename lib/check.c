// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checker: everything the kernel relies on, and everything a correct
 * builder guarantees on top (sorted names, no overlapping data, no stray
 * flags).  Each problem is logged with the path or byte offset it concerns.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define NO_PARENT UINT32_MAX

struct extent {
	uint64_t start, len;
	uint32_t owner;        /* index into owners */
	bool data;             /* file data may be shared; metadata may not */
};

/*
 * Who owns an extent, for the overlap messages: an entry (its name and its
 * parent directory's record), or a label ("superblock").  Keeping every
 * entry's whole path instead would cost up to 16 KiB per entry: an image of
 * many entries deep down would need gigabytes.
 */
struct owner {
	uint32_t parent;       /* the parent directory's record; NO_PARENT for the root and labels */
	uint32_t name;         /* offset in names */
};

/*
 * A distinct compressed block: the bytes of its zlib stream.  However many
 * pointers aim at it, it is inflated once and what it gave is kept, so that
 * a check costs time in proportion to the image and not to its pointers: a
 * crafted image of 274 KB whose 200 files have 256 pointers each to one
 * 63 KiB block would otherwise be inflated 51,200 times.
 */
struct inflated {
	uint64_t start;
	uint32_t len;
	int32_t got;            /* inflated length; -1: not a valid zlib stream */
};

/*
 * A block to report on.  The walk only collects them; the new blocks among
 * a batch are inflated on every thread at once, and what failed is reported
 * in the order of the batch, so the messages do not depend on the thread
 * count.
 */
struct inflate_job {
	uint32_t block_index;   /* into inflater.blocks */
	uint32_t want;
	uint32_t owner, block;
};

#define INFLATE_BATCH 4096          /* blocks collected before inflating them */
/* the fuzz target sets these small, so that small inputs run the pool too */
#ifndef INFLATE_CLAIM
#define INFLATE_CLAIM 32            /* blocks a thread claims at a time */
#endif
#ifndef INFLATE_POOL_MIN
#define INFLATE_POOL_MIN 64         /* the first batch with this many blocks to inflate starts the pool */
#endif

struct inflater {
	const struct cramfs_image *img;
	const uint8_t *map;
	size_t outcap;
	/* every distinct block met, and where each is in blocks by (start, len) */
	struct inflated *blocks;
	size_t nblocks, blocks_cap;
	uint32_t *index;                /* 1 + an index into blocks; 0: free */
	size_t index_mask;
	/*
	 * The 4-byte units that lie wholly inside the streams of blocks.  Two
	 * blocks of a valid image never overlap (the overlap check reports
	 * them), so a block that overlaps another is not inflated: without
	 * that, pointers to a block's start shifted by 4 bytes each, or with a
	 * length longer by 4 each, would cost an inflation apiece again.
	 */
	struct img_claims streams;
	/* the batch: the blocks to report on, in walk order, and the new ones to inflate */
	struct inflate_job *jobs;
	size_t njobs;
	uint32_t *todo;
	size_t ntodo;
	atomic_size_t next;
	/* a thread's read of the mapping faulted (the file shrank): the batch is abandoned */
	atomic_bool faulted;
	_Atomic uint64_t fault_off;
	uint8_t *scratch[CR_MAX_THREADS + 1];  /* the caller's, then one per pool thread */
	unsigned want;                      /* threads asked for, the caller included */
	bool grown, pool_on;
	struct cr_pool pool;
};

struct checker {
	struct cramfs_image *img;
	const struct cramfs_check_options *opts;
	struct cramfs_check_result *res;
	struct extent *ext;
	size_t next, cap;
	struct owner *owners;
	size_t nowners, owners_cap;
	char *names;
	size_t names_len, names_cap;
	uint32_t dir_at[CRAMFS_MAX_DEPTH + 2]; /* the record of the directory walked at each depth */
	struct img_claims tables;       /* block pointer tables decoded */
	/* data areas already checked: offset -> size, so shared data is decoded once */
	uint64_t *seen_off;
	uint32_t *seen_size;
	size_t seen_mask, seen_used;
	uint64_t entries;
	uint32_t owner;                 /* of the file being decoded */
	struct inflater *inf;
	int err;
};

static void problem(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	img_vlog(&c->img->log, CRAMFS_ERROR, fmt, ap);
	va_end(ap);
	c->res->problems++;
}

/* A record for name (an entry's last component, or a label) below parent. */
static uint32_t add_owner(struct checker *c, const char *name, uint32_t parent)
{
	size_t len = strlen(name) + 1;

	if (c->nowners == c->owners_cap) {
		size_t cap = c->owners_cap ? c->owners_cap * 2 : 256;
		struct owner *p = realloc(c->owners, cap * sizeof(*p));
		if (!p) {
			c->err = -ENOMEM;
			return 0;
		}
		c->owners = p;
		c->owners_cap = cap;
	}
	if (c->names_len + len > c->names_cap) {
		size_t cap = c->names_cap ? c->names_cap * 2 : 4096;
		char *p;
		while (cap < c->names_len + len)
			cap *= 2;
		p = realloc(c->names, cap);
		if (!p) {
			c->err = -ENOMEM;
			return 0;
		}
		c->names = p;
		c->names_cap = cap;
	}
	memcpy(c->names + c->names_len, name, len);
	c->owners[c->nowners] = (struct owner){ parent, (uint32_t)c->names_len };
	c->names_len += len;
	return (uint32_t)c->nowners++;
}

/* The path of a record, into buf (the walker's paths fit in PATH_BUF). */
#define PATH_BUF (4 * 4096 + 256)
static const char *owner_path(const struct checker *c, uint32_t idx, char *buf)
{
	uint32_t chain[CRAMFS_MAX_DEPTH + 2];
	size_t n = 0, len = 0;

	if (c->owners[idx].parent == NO_PARENT)
		return c->names[c->owners[idx].name] ? c->names + c->owners[idx].name : "/";
	for (; idx != NO_PARENT && n < ARRAY_SIZE(chain); idx = c->owners[idx].parent)
		chain[n++] = idx;
	/* chain[n - 1] is the root, whose name is empty */
	for (size_t i = n - 1; i-- > 0;) {
		const char *name = c->names + c->owners[chain[i]].name;
		size_t l = strlen(name);
		if (len + 1 + l + 1 > PATH_BUF)
			break;
		buf[len++] = '/';
		memcpy(buf + len, name, l);
		len += l;
	}
	buf[len] = '\0';
	return buf;
}

static void add_extent(struct checker *c, uint64_t start, uint64_t len, uint32_t owner, bool data)
{
	if (!len)
		return;
	if (c->next == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct extent *e = realloc(c->ext, cap * sizeof(*e));
		if (!e) {
			c->err = -ENOMEM;
			return;
		}
		c->ext = e;
		c->cap = cap;
	}
	c->ext[c->next++] = (struct extent){ start, len, owner, data };
}

/* Returns true if data at off was already checked; records it otherwise. */
static bool seen_data(struct checker *c, uint64_t off, uint32_t size, bool *size_differs)
{
	size_t i;

	*size_differs = false;
	if (c->seen_used * 2 >= c->seen_mask) {
		size_t cap = (c->seen_mask + 1) * 2;
		uint64_t *o = calloc(cap, sizeof(*o));
		uint32_t *s = calloc(cap, sizeof(*s));
		if (!o || !s) {
			free(o);
			free(s);
			c->err = -ENOMEM;
			return false;
		}
		for (size_t k = 0; k <= c->seen_mask && c->seen_off; k++) {
			if (!c->seen_off[k])
				continue;
			for (i = (c->seen_off[k] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1); o[i]; i = (i + 1) & (cap - 1))
				;
			o[i] = c->seen_off[k];
			s[i] = c->seen_size[k];
		}
		free(c->seen_off);
		free(c->seen_size);
		c->seen_off = o;
		c->seen_size = s;
		c->seen_mask = cap - 1;
	}
	for (i = (off * 0x9e3779b97f4a7c15ull >> 20) & c->seen_mask; c->seen_off[i]; i = (i + 1) & c->seen_mask) {
		if (c->seen_off[i] == off) {
			*size_differs = c->seen_size[i] != size;
			return true;
		}
	}
	c->seen_off[i] = off;
	c->seen_size[i] = size;
	c->seen_used++;
	return false;
}

/* ---- inflating in parallel ---- */

static int inflater_start(struct inflater *inf, const struct cramfs_image *img, unsigned threads)
{
	inf->img = img;
	inf->map = img->map;
	inf->outcap = 2 * (size_t)img->info.blksize;
	inf->want = cr_thread_count(threads);
	inf->jobs = malloc(INFLATE_BATCH * sizeof(*inf->jobs));
	inf->todo = malloc(INFLATE_BATCH * sizeof(*inf->todo));
	inf->index_mask = 1023;
	inf->index = calloc(inf->index_mask + 1, sizeof(*inf->index));
	inf->scratch[0] = malloc(inf->outcap);
	if (img_claims_init(&inf->streams, img->end / 4 + 1) < 0)
		return -ENOMEM;
	return inf->jobs && inf->todo && inf->index && inf->scratch[0] ? 0 : -ENOMEM;
}

static size_t block_hash(uint64_t start, uint32_t len, size_t mask)
{
	return (size_t)(((start * 0x9e3779b97f4a7c15ull) ^ (len * 0xc2b2ae3d27d4eb4full)) >> 24) & mask;
}

enum found { BLOCK_KNOWN, BLOCK_NEW, BLOCK_OVERLAPS, BLOCK_NOMEM };

/* Find the block of len bytes at start among those met, or add it as a new one to inflate. */
static enum found find_block(struct inflater *inf, uint64_t start, uint32_t len, uint32_t *idx)
{
	uint64_t a = (start + 3) / 4, b = (start + len) / 4;
	size_t i;

	for (i = block_hash(start, len, inf->index_mask); inf->index[i]; i = (i + 1) & inf->index_mask) {
		const struct inflated *p = &inf->blocks[inf->index[i] - 1];
		if (p->start == start && p->len == len) {
			*idx = inf->index[i] - 1;
			return BLOCK_KNOWN;
		}
	}
	if (a < b) {
		if (img_claims_any(&inf->streams, a, b))
			return BLOCK_OVERLAPS;
		img_claims_take(&inf->streams, a, b);
	}
	if (inf->nblocks == inf->blocks_cap) {
		size_t cap = inf->blocks_cap ? inf->blocks_cap * 2 : 1024;
		struct inflated *p = cap < UINT32_MAX ? realloc(inf->blocks, cap * sizeof(*p)) : NULL;
		if (!p)
			return BLOCK_NOMEM;
		inf->blocks = p;
		inf->blocks_cap = cap;
	}
	if ((inf->nblocks + 1) * 2 > inf->index_mask + 1) {
		size_t mask = inf->index_mask * 2 + 1;
		uint32_t *index = calloc(mask + 1, sizeof(*index));
		if (!index)
			return BLOCK_NOMEM;
		for (size_t k = 0; k < inf->nblocks; k++) {
			const struct inflated *p = &inf->blocks[k];
			size_t j;
			for (j = block_hash(p->start, p->len, mask); index[j]; j = (j + 1) & mask)
				;
			index[j] = (uint32_t)k + 1;
		}
		free(inf->index);
		inf->index = index;
		inf->index_mask = mask;
		for (i = block_hash(start, len, mask); index[i]; i = (i + 1) & mask)
			;
	}
	*idx = (uint32_t)inf->nblocks;
	inf->blocks[inf->nblocks++] = (struct inflated){ .start = start, .len = len, .got = -1 };
	inf->index[i] = *idx + 1;
	inf->todo[inf->ntodo++] = *idx;
	return BLOCK_NEW;
}

/*
 * The pool starts with the first batch big enough to share: a small image
 * is checked without starting a thread.  The calling thread inflates too,
 * as worker 0; the pool's threads are workers 1 and up.  Without threads
 * (none wanted, or none could start) the caller inflates alone.
 */
static void inflater_grow(struct inflater *inf)
{
	unsigned n = inf->want - 1;

	inf->grown = true;
	if (n > INFLATE_BATCH / INFLATE_CLAIM)
		n = INFLATE_BATCH / INFLATE_CLAIM;
	for (unsigned t = 1; t <= n; t++) {
		inf->scratch[t] = malloc(inf->outcap);
		if (!inf->scratch[t]) {
			n = t - 1;
			break;
		}
	}
	if (n && cr_pool_start(&inf->pool, n) == 0)
		inf->pool_on = true;
	else if (n)
		cr_pool_stop(&inf->pool);
}

static void inflater_stop(struct inflater *inf)
{
	if (inf->pool_on)
		cr_pool_stop(&inf->pool);
	for (unsigned t = 0; t < ARRAY_SIZE(inf->scratch) && inf->scratch[t]; t++)
		free(inf->scratch[t]);
	free(inf->jobs);
	free(inf->todo);
	free(inf->blocks);
	free(inf->index);
	img_claims_free(&inf->streams);
}

static void inflate_some(struct inflater *inf, uint8_t *out)
{
	struct img_guard g;

	/* each thread guards its own reads of the mapping */
	img_guard_push(&g, inf->img);
	if (sigsetjmp(g.jump, 0)) {
		img_guard_pop(&g);
		atomic_store(&inf->fault_off, g.fault);
		atomic_store(&inf->faulted, true);
		return;
	}
	for (;;) {
		size_t i = atomic_fetch_add(&inf->next, INFLATE_CLAIM), stop = i + INFLATE_CLAIM;
		if (i >= inf->ntodo || atomic_load(&inf->faulted))
			break;
		if (stop > inf->ntodo)
			stop = inf->ntodo;
		for (; i < stop; i++) {
			struct inflated *b = &inf->blocks[inf->todo[i]];
			b->got = (int32_t)cr_decompress(inf->map + b->start, b->len, out, inf->outcap);
		}
	}
	img_guard_pop(&g);
}

static void pool_inflate(void *ctx, unsigned worker)
{
	struct inflater *inf = ctx;

	inflate_some(inf, inf->scratch[worker + 1]);
}

/* Inflate the new blocks of the batch and report, in the batch's order, the blocks that are wrong. */
static void inflate_batch(struct checker *c)
{
	struct inflater *inf = c->inf;
	char *path = NULL;

	if (!inf->njobs)
		return;
	if (inf->ntodo) {
		atomic_store(&inf->next, 0);
		if (!inf->grown && inf->want > 1 && inf->ntodo >= INFLATE_POOL_MIN)
			inflater_grow(inf);
		if (inf->pool_on)
			cr_pool_submit(&inf->pool, pool_inflate, inf);
		inflate_some(inf, inf->scratch[0]);
		if (inf->pool_on)
			cr_pool_wait(&inf->pool);
		c->res->inflated += inf->ntodo;
		if (atomic_load(&inf->faulted)) {
			c->err = img_changed(c->img, atomic_load(&inf->fault_off));
			inf->njobs = inf->ntodo = 0;
			return;
		}
	}
	for (size_t i = 0; i < inf->njobs; i++) {
		const struct inflate_job *j = &inf->jobs[i];
		const struct inflated *b = &inf->blocks[j->block_index];
		if (b->got == (int32_t)j->want)
			continue;
		if (!path && !(path = malloc(PATH_BUF))) {
			c->err = -ENOMEM;
			break;
		}
		if (b->got < 0)
			problem(c, "%s: block %u at byte %llu (%u bytes) is not a valid zlib stream",
				owner_path(c, j->owner, path), j->block, (unsigned long long)b->start, b->len);
		else
			problem(c, "%s: block %u at byte %llu inflates to %ld bytes; it should be %u",
				owner_path(c, j->owner, path), j->block, (unsigned long long)b->start, (long)b->got,
				j->want);
	}
	free(path);
	inf->njobs = 0;
	inf->ntodo = 0;
}

static void defer_block(void *arg, const struct cramfs_entry *e, const struct block_info *bi, uint32_t want)
{
	struct checker *c = arg;
	struct inflater *inf = c->inf;
	uint32_t idx;

	(void)e;
	if (inf->njobs == INFLATE_BATCH)
		inflate_batch(c);
	switch (find_block(inf, bi->start, (uint32_t)bi->len, &idx)) {
	case BLOCK_NOMEM:
		c->err = -ENOMEM;
		return;
	case BLOCK_OVERLAPS:
		/* not a valid image whatever it inflates to: the overlap check reports it */
		c->res->overlapping_blocks++;
		return;
	case BLOCK_KNOWN:
	case BLOCK_NEW:
		break;
	}
	inf->jobs[inf->njobs++] = (struct inflate_job){
		.block_index = idx, .want = want, .owner = c->owner, .block = bi->index,
	};
}

struct block_ctx {
	struct checker *c;
	uint32_t owner;
};

static void on_block(void *arg, const struct cramfs_entry *e, const struct block_info *bi)
{
	struct block_ctx *bc = arg;
	struct cramfs_check_result *r = bc->c->res;

	(void)e;
	r->blocks++;
	if (bi->hole)
		r->holes++;
	if (bi->raw)
		r->raw_blocks++;
	if (bi->direct)
		r->direct_blocks++;
	add_extent(bc->c, bi->extent_start, bi->extent_len, bc->owner, true);
}

static const char *type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return "dir";
	case S_IFREG: return "file";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

static void check_data(struct checker *c, const struct cramfs_entry *e, uint32_t owner)
{
	const struct cramfs_inode *ino = &e->inode;
	struct block_ctx bc = { c, owner };
	bool differs;
	uint32_t nblocks;
	uint64_t units;

	if (!ino->size) {
		if (ino->offset)
			problem(c, "%s: empty %s has data offset %u", e->path, type_name(ino->mode), ino->offset);
		return;
	}
	if (seen_data(c, ino->offset, ino->size, &differs)) {
		if (differs)
			problem(c, "%s: shares the data at byte %u with another entry of a different size",
				e->path, ino->offset);
		return;
	}
	nblocks = (uint32_t)(((uint64_t)ino->size + c->img->info.blksize - 1) / c->img->info.blksize);
	add_extent(c, ino->offset, (uint64_t)nblocks * 4, owner, true);
	/*
	 * Tables at different offsets never overlap in a valid image.  Decoding
	 * each of many overlapping ones (say a thousand files of 16 MiB whose
	 * tables start 4 bytes apart) would cost time and memory out of all
	 * proportion to the image: decode every table byte once.
	 */
	units = nblocks;
	if (ino->offset && img_has(c->img, ino->offset, units * 4)) {
		if (img_claims_any(&c->tables, ino->offset / 4, ino->offset / 4 + units)) {
			problem(c, "%s: block pointer table (bytes %u..%llu) overlaps another file's; not decoded",
				e->path, ino->offset, (unsigned long long)(ino->offset + units * 4));
			return;
		}
		img_claims_take(&c->tables, ino->offset / 4, ino->offset / 4 + units);
	}
	c->owner = owner;
	img_decode(c->img, e, NULL, on_block, &bc, &c->res->problems);
	c->res->data_bytes += ino->size;
}

static int check_entry(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	struct checker *c = arg;
	const struct cramfs_inode *ino = &e->inode;
	uint32_t owner = add_owner(c, e->name, e->depth ? c->dir_at[e->depth - 1] : NO_PARENT);

	if (c->err)
		return c->err;
	if (S_ISDIR(ino->mode) && e->depth <= CRAMFS_MAX_DEPTH)
		c->dir_at[e->depth] = owner;
	c->entries++;
	if (c->opts->verbose_listing)
		img_info(&img->log, "%-7s %04o %5u:%-3u %9u  %s", type_name(ino->mode), ino->mode & 07777, ino->uid,
			 ino->gid, ino->size, e->path);
	if (e->depth > 0 && e->inode_offset + CRAMFS_DIRENT_READ_LEN > img->end) {
		c->res->warnings++;
		img_warn(&img->log, "%s: entry at byte %llu is within %u bytes of the image end (%llu): on an MTD "
			 "mount the stock kernel does not find it", e->path, (unsigned long long)e->inode_offset,
			 CRAMFS_DIRENT_READ_LEN, (unsigned long long)img->end);
	}
	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
		c->res->dirs++;
		/*
		 * An empty directory's offset is never read: the kernel's readdir
		 * and lookup stop at the size.  util-linux mkfs.cramfs gives the
		 * root of an empty tree the offset 76 (588 with -p).
		 */
		if (ino->size && !ino->offset)
			problem(c, "%s: directory has %u bytes of entries but no offset", e->path, ino->size);
		add_extent(c, ino->offset, ino->size, owner, false);
		break;
	case S_IFREG:
		c->res->files++;
		check_data(c, e, owner);
		break;
	case S_IFLNK:
		c->res->symlinks++;
		if (!ino->size)
			problem(c, "%s: symlink with an empty target", e->path);
		check_data(c, e, owner);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		c->res->specials++;
		if (ino->offset)
			problem(c, "%s: %s has data offset %u", e->path, type_name(ino->mode), ino->offset);
		if ((S_ISFIFO(ino->mode) || S_ISSOCK(ino->mode)) && ino->size)
			problem(c, "%s: %s has size %u", e->path, type_name(ino->mode), ino->size);
		break;
	default:
		problem(c, "%s: unknown file type (mode 0%o) at byte %llu", e->path, ino->mode,
			(unsigned long long)e->inode_offset);
	}
	return c->err;
}

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

static void check_overlaps(struct checker *c)
{
	uint64_t reach = 0;
	size_t reacher = 0;
	char *px = malloc(2 * PATH_BUF), *py = px + PATH_BUF;

	if (!px) {
		c->err = -ENOMEM;
		return;
	}
	qsort(c->ext, c->next, sizeof(*c->ext), cmp_extent);
	for (size_t i = 0; i < c->next; i++) {
		const struct extent *x = &c->ext[i];
		if (x->start > reach)
			c->res->unreferenced_bytes += x->start - reach;
		if (i && x->start < reach) {
			const struct extent *y = &c->ext[reacher];
			bool shared = x->data && y->data && x->start == y->start && x->len == y->len;
			if (!shared)
				problem(c, "%s: bytes %llu..%llu overlap %s (bytes %llu..%llu)", owner_path(c, x->owner, px),
					(unsigned long long)x->start, (unsigned long long)(x->start + x->len),
					owner_path(c, y->owner, py), (unsigned long long)y->start,
					(unsigned long long)(y->start + y->len));
		}
		if (x->start + x->len > reach) {
			reach = x->start + x->len;
			reacher = i;
		}
	}
	if (c->img->end > reach)
		c->res->unreferenced_bytes += c->img->end - reach;
	free(px);
}

static void check_crc(struct checker *c)
{
	struct cramfs_image *img = c->img;
	uint64_t sb = img->info.sb_offset, crc_off = sb + CRAMFS_SB_CRC;
	static const uint8_t zero[4];
	struct img_guard g;
	uint32_t crc;

	if (!(img->info.super.flags & CRAMFS_FLAG_FSID_VERSION_2) || img->end < crc_off + 4)
		return;
	img_guard_push(&g, img);
	if (sigsetjmp(g.jump, 0)) {
		img_guard_pop(&g);
		c->err = img_changed(img, g.fault);
		return;
	}
	/* the CRC is over the image from the superblock on, with the CRC field as zeros */
	crc = cr_crc32(0, img->map + sb, crc_off - sb);
	crc = cr_crc32(crc, zero, 4);
	crc = cr_crc32(crc, img->map + crc_off + 4, img->end - crc_off - 4);
	img_guard_pop(&g);
	if (crc != img->info.super.crc)
		problem(c, "superblock (byte %llu): CRC is 0x%08x but the image's CRC is 0x%08x",
			(unsigned long long)crc_off, img->info.super.crc, crc);
}

int cramfs_check(struct cramfs_image *img, const struct cramfs_check_options *opts,
		 struct cramfs_check_result *res)
{
	struct inflater inf = { 0 };
	struct checker c = { .img = img, .opts = opts, .res = res, .inf = &inf };
	const struct cramfs_super *sb = &img->info.super;
	struct cramfs_log saved = img->log;
	/* tables start below 256 MiB and hold at most 4096 pointers */
	uint64_t reach = (uint64_t)CRAMFS_OFFSET_LIMIT + 4 * 4096;
	int err;

	memset(res, 0, sizeof(*res));
	if (img->changed)
		return img_changed(img, UINT64_MAX);
	if (img_claims_init(&c.tables, (img->end < reach ? img->end : reach) / 4 + 1) < 0)
		return -ENOMEM;
	err = inflater_start(&inf, img, opts->threads);
	if (err) {
		inflater_stop(&inf);
		img_claims_free(&c.tables);
		return err;
	}
	img->log = opts->log;
	check_crc(&c);
	add_extent(&c, 0, img->info.sb_offset + CRAMFS_SUPER_SIZE, add_owner(&c, "superblock", NO_PARENT), false);
	if (sb->flags & CRAMFS_FLAG_SHIFTED_ROOT_OFFSET && sb->root.offset > img->info.sb_offset + CRAMFS_SUPER_SIZE)
		add_extent(&c, img->info.sb_offset + CRAMFS_SUPER_SIZE,
			   sb->root.offset - img->info.sb_offset - CRAMFS_SUPER_SIZE,
			   add_owner(&c, "inserted file", NO_PARENT), false);
	img->strict = true;
	img->walk_problems = 0;
	img->decode_warnings = 0;
	img->defer = defer_block;
	img->defer_arg = &c;
	err = c.err ? c.err : cramfs_image_walk(img, check_entry, &c);
	if (!err && !c.err)
		inflate_batch(&c);
	img->defer = NULL;
	img->defer_arg = NULL;
	img->strict = false;
	inflater_stop(&inf);
	if (!err)
		err = c.err;
	if (!err) {
		check_overlaps(&c);
		err = c.err;
	}
	if (!err) {
		if ((sb->flags & CRAMFS_FLAG_FSID_VERSION_2) && sb->files != c.entries) {
			res->warnings++;
			img_warn(&img->log, "superblock says %u files; the tree has %llu", sb->files,
				 (unsigned long long)c.entries);
		}
		if (res->holes && !(sb->flags & CRAMFS_FLAG_HOLES)) {
			res->warnings++;
			img_warn(&img->log, "%llu holes in an image without the HOLES flag",
				 (unsigned long long)res->holes);
		}
	}
	/* what was checked is the file as opened, or the result means nothing */
	if (!err)
		err = img_unchanged(img);
	res->problems += img->walk_problems;
	res->warnings += img->decode_warnings;
	free(c.owners);
	free(c.names);
	img_claims_free(&c.tables);
	free(c.ext);
	free(c.seen_off);
	free(c.seen_size);
	img->log = saved;
	return err;
}
