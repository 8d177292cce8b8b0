// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 6, write: read every file once, in tree order, and store each block
 * as the plan says.  XIP blocks go to their reserved place in the XIP
 * region; all other blocks are compressed and appended to the packed data
 * behind the file's pointer table.
 *
 * The work runs in batches bounded by a memory budget: read a batch of
 * blocks, compress it on every thread, then place it.  Placing is strictly
 * sequential, so the image does not depend on the number of threads or on
 * their timing.
 *
 * Pointer choice for a packed block: a classic pointer (the block's end)
 * when the block starts where the kernel expects the next block to start,
 * which is right after the previous one.  After an XIP block that place is
 * in the XIP region, so the block gets a direct pointer instead (4-byte
 * aligned start; compressed blocks carry a 16-bit length).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define SEQ_BUF (1024 * 1024)
#define DEFAULT_BUDGET (32u << 20)

/* A buffered writer for the packed data, which grows strictly forward. */
struct seqw {
	struct build *b;
	uint64_t base;        /* image offset of buf[0] */
	uint8_t *buf;
	size_t len;
};

static int seqw_flush(struct seqw *w)
{
	int err = cr_out_write(w->b, w->buf, w->len, w->base);

	w->base += w->len;
	w->len = 0;
	return err;
}

static uint64_t seqw_pos(const struct seqw *w) { return w->base + w->len; }

static int seqw_put(struct seqw *w, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n) {
		size_t room = SEQ_BUF - w->len, k = n < room ? n : room;
		if (p)
			memcpy(w->buf + w->len, p, k);
		else
			memset(w->buf + w->len, 0, k);
		w->len += k;
		n -= k;
		if (p)
			p += k;
		if (w->len == SEQ_BUF) {
			int err = seqw_flush(w);
			if (err)
				return err;
		}
	}
	return 0;
}

static int seqw_align4(struct seqw *w)
{
	return seqw_put(w, NULL, (size_t)(align_up(seqw_pos(w), 4) - seqw_pos(w)));
}

/* Read back bytes already put, wherever they are by now. */
static int seqw_read(struct seqw *w, uint64_t off, uint8_t *data, size_t n)
{
	if (off < w->base) {
		size_t k = off + n <= w->base ? n : (size_t)(w->base - off);
		int err = cr_out_read(w->b, data, k, off);
		if (err)
			return err;
		off += k;
		data += k;
		n -= k;
	}
	if (n)
		memcpy(data, w->buf + (off - w->base), n);
	return 0;
}

/* Overwrite bytes already put (a pointer table), wherever they are by now. */
static int seqw_patch(struct seqw *w, uint64_t off, const uint8_t *data, size_t n)
{
	if (off < w->base) {
		size_t k = off + n <= w->base ? n : (size_t)(w->base - off);
		int err = cr_out_write(w->b, data, k, off);
		if (err)
			return err;
		off += k;
		data += k;
		n -= k;
	}
	if (n)
		memcpy(w->buf + (off - w->base), data, n);
	return 0;
}

/* One block on its way from the source file to the image. */
struct job {
	struct node *n;
	uint32_t idx, len;
	uint8_t kind;
	bool hole;            /* all zero, stored as a hole (-z) */
	uint8_t *in, *out;
	size_t clen;          /* 0: compression failed */
};

/* A batch of blocks: read together, compressed together, placed in order. */
struct batch {
	struct job *jobs;
	size_t njobs;
	uint8_t *inbuf, *outbuf;
	atomic_size_t next_job;
};

struct writer {
	struct build *b;
	struct seqw seq;
	size_t outcap;
	bool used_ext;        /* a flagged pointer was written */
	size_t cap;           /* blocks per batch */
	struct batch batches[2];
	/* compressing threads: each submitted batch is compressed by all of them */
	struct cr_pool pool;
	struct compressor *comps[CR_MAX_THREADS];
	struct batch *compressing;

	/* reading: the file being read and where */
	size_t read_node;     /* index into b->order */
	uint32_t read_block;
	struct src_reader src;
	char *src_path;
	uint64_t src_hash;    /* of the blocks read so far, for a file whose data others share */

	struct cramfs_progress progress;
	uint8_t *cmp;          /* a stored block read back, to confirm a shared one */

	/* placing: the file being placed */
	uint8_t *table;
	uint64_t table_off, next, xip_pos;
};

static bool needs_data(const struct node *n)
{
	return node_has_data(n) && !n->data_owner;
}

/* ---- reading ---- */

static int read_batch(struct writer *w, struct batch *bt)
{
	struct build *b = w->b;
	uint32_t bs = b->opts->blksize;

	bt->njobs = 0;
	while (bt->njobs < w->cap && w->read_node < b->nnodes) {
		struct node *n = b->order[w->read_node];
		uint32_t nblocks;
		struct job *j;
		int err;

		if (!needs_data(n)) {
			/* an empty file is still read: it must be readable, and still empty */
			if (S_ISREG(n->mode) && !n->size && !n->synthetic) {
				err = src_open(&w->src, b, n, &w->src_path);
				if (!err)
					err = src_finish(&w->src);
				free(w->src_path);
				w->src_path = NULL;
				if (err)
					return err;
			}
			w->read_node++;
			continue;
		}
		nblocks = node_nblocks(n, bs);
		if (w->read_block == 0 && S_ISREG(n->mode)) {
			err = src_open(&w->src, b, n, &w->src_path);
			if (err)
				return err;
		}
		j = &bt->jobs[bt->njobs];
		j->n = n;
		j->idx = w->read_block;
		j->len = node_block_len(n, j->idx, bs);
		j->kind = n->blocks ? n->blocks[j->idx] : BLK_PACKED;
		j->in = bt->inbuf + bt->njobs * (size_t)bs;
		j->out = bt->outbuf + bt->njobs * w->outcap;
		j->clen = 0;
		if (S_ISLNK(n->mode)) {
			memcpy(j->in, n->link_target + (uint64_t)j->idx * bs, j->len);
		} else {
			ssize_t got = src_read_block(&w->src, j->in, j->len);
			if (got < 0)
				return (int)got;
			if (n->shares_data)
				w->src_hash = cr_content_hash(j->idx ? w->src_hash : 0, j->in, j->len);
		}
		j->hole = j->kind == BLK_PACKED && b->opts->holes && all_zero(j->in, j->len);
		b->stats->bytes_in += j->len;
		bt->njobs++;

		if (++w->read_block == nblocks) {
			if (S_ISREG(n->mode) && n->shares_data && w->src_hash != n->content_hash) {
				cr_err(b->log, "%s: changed while the image was being built: the files found "
				       "identical to it would get its new contents", w->src_path);
				return -EIO;
			}
			if (S_ISREG(n->mode)) {
				err = src_finish(&w->src);
				free(w->src_path);
				w->src_path = NULL;
				if (err)
					return err;
			}
			w->read_block = 0;
			w->read_node++;
		}
	}
	return 0;
}

/* ---- compressing ---- */

static void compress_jobs(struct batch *bt, struct compressor *comp, size_t outcap)
{
	for (;;) {
		size_t i = atomic_fetch_add(&bt->next_job, 1);
		struct job *j;

		if (i >= bt->njobs)
			break;
		j = &bt->jobs[i];
		if (j->kind == BLK_PACKED && !j->hole)
			j->clen = cr_compress(comp, j->in, j->len, j->out, outcap);
	}
}

static void compress_batch(void *ctx, unsigned worker)
{
	struct writer *w = ctx;

	compress_jobs(w->compressing, w->comps[worker], w->outcap);
}

static void submit_batch(struct writer *w, struct batch *bt)
{
	atomic_store(&bt->next_job, 0);
	w->compressing = bt;
	cr_pool_submit(&w->pool, compress_batch, w);
}

/* ---- placing ---- */

static int start_file(struct writer *w, struct node *n)
{
	struct build *b = w->b;
	uint32_t nblocks = node_nblocks(n, b->opts->blksize);
	int err;

	if (n->table_placed) {
		/* ahead of the XIP region (layout.c): its first packed block gets a direct pointer */
		w->table_off = n->offset;
		w->next = w->table_off + (uint64_t)nblocks * 4;
		w->xip_pos = n->xip_start;
		return 0;
	}
	err = seqw_align4(&w->seq);
	if (err)
		return err;
	w->table_off = seqw_pos(&w->seq);
	if (w->table_off >= CRAMFS_OFFSET_LIMIT) {
		cr_err(b->log, "%s: data would start at byte %llu; cramfs data must start below 256 MiB "
		       "(image too big)", n->path, (unsigned long long)w->table_off);
		return -EFBIG;
	}
	n->offset = w->table_off;
	w->next = w->table_off + (uint64_t)nblocks * 4;
	w->xip_pos = n->xip_start;
	return seqw_put(&w->seq, NULL, (size_t)nblocks * 4);
}

/*
 * Point at an earlier copy of this block.  Returns 0 with *ptr set, > 0 if
 * the stored bytes differ (a hash collision) or cannot be used here.
 */
static int reuse_shared(struct writer *w, struct job *j, const struct shared_block *s, bool direct_raw_ok,
			uint32_t *ptr)
{
	uint32_t bs = w->b->opts->blksize;
	const uint8_t *want = s->raw ? j->in : j->out;
	int err;

	if (s->raw ? !direct_raw_ok || s->stored_len != j->len : s->stored_len != j->clen)
		return 1;
	err = seqw_read(&w->seq, s->stored_off + (s->raw ? 0 : 2), w->cmp, s->stored_len);
	if (err)
		return err;
	if (memcmp(w->cmp, want, s->stored_len))
		return 1;
	*ptr = cramfs_blkptr_direct((uint32_t)s->stored_off, s->raw);
	w->next = s->stored_off + (s->raw ? bs : 2 + s->stored_len);
	w->used_ext = true;
	w->b->stats->shared_blocks++;
	w->b->stats->shared_bytes += s->stored_len + (s->raw ? 0 : 2);
	return 0;
}

/* A packed block: returns its pointer in *ptr. */
static int place_packed(struct writer *w, struct job *j, uint32_t *ptr)
{
	const struct cramfs_build_options *o = w->b->opts;
	uint32_t bs = o->blksize, nblocks = node_nblocks(j->n, bs);
	bool last = j->idx == nblocks - 1;
	/* the kernel reads a last direct raw block as size % PAGE bytes: 0 for a page-multiple file */
	bool direct_raw_ok = !(last && j->n->size % bs == 0) || o->xip_direct_last_page;
	uint64_t pos = seqw_pos(&w->seq);
	struct shared_block *shared;
	bool raw;
	int err;

	if (j->hole) {
		*ptr = cramfs_blkptr_classic((uint32_t)w->next, false);
		return 0;
	}
	if (!j->clen) {
		cr_err(w->b->log, "%s: block %u: compression failed", j->n->path, j->idx);
		return -EIO;
	}
	raw = o->raw_if_larger && j->clen >= j->len;
	shared = cr_shared_lookup(w->b, j->in, j->len);
	if (shared && shared->stored_off) {
		err = reuse_shared(w, j, shared, direct_raw_ok, ptr);
		if (err <= 0)
			return err;
		/* > 0: not the same bytes after all; store this one */
		shared = NULL;
	}

	/*
	 * A block that only fits raw (at 64 KiB blocks) cannot sit behind a
	 * direct pointer as the last block of a page-multiple file: store it
	 * classic, for this file alone, rather than as the shared copy.
	 */
	if (shared && !direct_raw_ok && j->clen > CRAMFS_DIRECT_LEN_MAX && w->next == pos)
		shared = NULL;
	if (w->next == pos && !shared) {
		/* classic: the block follows the previous one */
		err = raw ? seqw_put(&w->seq, j->in, j->len) : seqw_put(&w->seq, j->out, j->clen);
		w->next = seqw_pos(&w->seq);
		*ptr = cramfs_blkptr_classic((uint32_t)w->next, raw);
	} else {
		if (j->clen > CRAMFS_DIRECT_LEN_MAX)
			raw = true;   /* only at 64 KiB blocks: the 16-bit length cannot hold it */
		else if (raw && !direct_raw_ok)
			raw = false;  /* compressed is larger here, but read correctly */
		if (raw && !direct_raw_ok) {
			/* the plan keeps this case out of here (xip.c); refuse to write a block the kernel misreads */
			cr_err(w->b->log, "%s: block %u: cannot store the last block raw behind a direct pointer",
			       j->n->path, j->idx);
			return -EINVAL;
		}
		err = seqw_align4(&w->seq);
		pos = seqw_pos(&w->seq);
		if (!err && raw) {
			err = seqw_put(&w->seq, j->in, j->len);
			w->next = pos + bs;
		} else if (!err) {
			uint8_t l[2];
			cramfs_put16(l, (uint16_t)j->clen, o->endian);
			err = seqw_put(&w->seq, l, 2);
			if (!err)
				err = seqw_put(&w->seq, j->out, j->clen);
			w->next = pos + 2 + j->clen;
		}
		*ptr = cramfs_blkptr_direct((uint32_t)pos, raw);
		w->used_ext = true;
		if (shared) {
			/* the first of a repeated content: the others will point here */
			shared->stored_off = pos;
			shared->stored_len = raw ? j->len : (uint32_t)j->clen;
			shared->raw = raw;
		}
	}
	if (raw)
		w->used_ext = true;
	return err;
}

/* An XIP block: into its slot in the region. */
static int place_xip(struct writer *w, struct job *j, uint32_t *ptr)
{
	struct build *b = w->b;
	uint32_t bs = b->opts->blksize;
	uint64_t slot = w->xip_pos;
	uint32_t slot_len = b->opts->xip == CRAMFS_XIP_NOMMU && j->len < bs ? (uint32_t)align_up(j->len, 8) : bs;
	int err;

	/* the rest of a last page is zeros, written out: the image has no holes */
	memset(j->in + j->len, 0, slot_len - j->len);
	err = cr_out_write(b, j->in, slot_len, slot);
	w->xip_pos += slot_len;
	if (j->kind == BLK_XIP) {
		*ptr = cramfs_blkptr_direct((uint32_t)slot, true);
		w->next = slot + bs;
		b->stats->xip_pages++;
	} else {
		w->next = slot + j->len;
		*ptr = cramfs_blkptr_classic((uint32_t)w->next, true);
	}
	w->used_ext = true;
	return err;
}

static int place_batch(struct writer *w, struct batch *bt)
{
	struct build *b = w->b;
	uint32_t bs = b->opts->blksize;
	int err = 0;

	for (size_t i = 0; i < bt->njobs && !err; i++) {
		struct job *j = &bt->jobs[i];
		uint32_t nblocks = node_nblocks(j->n, bs), ptr = 0;

		if (j->idx == 0)
			err = start_file(w, j->n);
		if (!err)
			err = j->kind == BLK_PACKED ? place_packed(w, j, &ptr) : place_xip(w, j, &ptr);
		if (err)
			break;
		b->stats->blocks++;
		cramfs_put32(w->table + (size_t)j->idx * 4, ptr, b->opts->endian);
		w->progress.bytes_done += j->len;
		if (j->idx == nblocks - 1) {
			w->progress.files_done++;
			err = seqw_patch(&w->seq, w->table_off, w->table, (size_t)nblocks * 4);
			if (j->n->xip_blocks)
				b->stats->xip_files++;
		}
	}
	return err;
}

int cr_write_data(struct build *b)
{
	const struct cramfs_build_options *o = b->opts;
	uint32_t bs = o->blksize, max_blocks = (CRAMFS_SIZE_MAX + bs) / bs;
	size_t budget = o->memory_budget ? o->memory_budget : DEFAULT_BUDGET;
	struct writer w = { .b = b };
	unsigned nthreads = cr_thread_count(o->threads);
	struct batch *cur, *next;
	int err = -ENOMEM;

	w.outcap = cr_compress_bound(bs);
	/* two batches in flight, input and output of each block out of the budget */
	w.cap = budget / 2 / (bs + w.outcap);
	if (w.cap < 1)
		w.cap = 1;
	w.seq.b = b;
	w.seq.base = b->data_off;
	w.seq.buf = malloc(SEQ_BUF);
	w.table = malloc((size_t)max_blocks * 4);
	w.cmp = malloc(w.outcap > bs ? w.outcap : bs);
	w.src.fd = -1;
	if (!w.seq.buf || !w.table || !w.cmp)
		goto out;
	for (int k = 0; k < 2; k++) {
		struct batch *bt = &w.batches[k];
		bt->jobs = calloc(w.cap, sizeof(*bt->jobs));
		bt->inbuf = malloc(w.cap * (size_t)bs);
		bt->outbuf = malloc(w.cap * w.outcap);
		if (!bt->jobs || !bt->inbuf || !bt->outbuf)
			goto out;
	}
	for (unsigned t = 0; t < nthreads; t++) {
		w.comps[t] = cr_compressor_new(o->level);
		if (!w.comps[t])
			goto out;
	}
	err = cr_pool_start(&w.pool, nthreads);
	if (err) {
		cr_err(b->log, "cannot start a compressing thread: %s", strerror(-err));
		goto out_pool;
	}
	b->stats->threads = w.pool.started;

	for (size_t i = 0; i < b->nnodes; i++) {
		if (needs_data(b->order[i])) {
			w.progress.files_total++;
			w.progress.bytes_total += b->order[i]->size;
		}
	}
	/*
	 * The threads compress one batch while this one reads the next and
	 * places the one before: reading and placing stay in tree order.
	 */
	cur = &w.batches[0];
	next = &w.batches[1];
	err = read_batch(&w, cur);
	if (!err)
		submit_batch(&w, cur);
	while (!err && cur->njobs) {
		err = read_batch(&w, next);
		cr_pool_wait(&w.pool);
		if (err)
			break;
		if (next->njobs)
			submit_batch(&w, next);
		err = place_batch(&w, cur);
		if (!err && o->progress)
			o->progress(o->progress_ctx, &w.progress);
		if (err)
			cr_pool_wait(&w.pool);
		cur = next;
		next = next == &w.batches[0] ? &w.batches[1] : &w.batches[0];
	}
	src_close(&w.src);
	free(w.src_path);
	/* shared data: owners come first in tree order, so their offsets are known */
	for (size_t i = 0; i < b->nnodes; i++) {
		struct node *n = b->order[i];
		if (n->data_owner)
			n->offset = n->data_owner->offset;
	}
	if (!err)
		err = seqw_align4(&w.seq);
	if (!err)
		err = seqw_flush(&w.seq);
	b->data_end = w.seq.base;
	if (w.used_ext)
		b->flags |= CRAMFS_FLAG_EXT_BLOCK_POINTERS;
out_pool:
	cr_pool_stop(&w.pool);
out:
	for (unsigned t = 0; t < nthreads; t++)
		cr_compressor_free(w.comps[t]);
	for (int k = 0; k < 2; k++) {
		free(w.batches[k].jobs);
		free(w.batches[k].inbuf);
		free(w.batches[k].outbuf);
	}
	free(w.seq.buf);
	free(w.table);
	free(w.cmp);
	return err;
}
