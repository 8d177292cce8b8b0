// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 6, write: read every file once, in tree order, and store each block
 * as the plan says.  XIP blocks go to their reserved place in the XIP
 * region; all other blocks are compressed and appended to the packed data
 * behind the file's pointer table.
 *
 * Pointer choice for a packed block: a classic pointer (the block's end)
 * when the block starts where the kernel expects the next block to start,
 * which is right after the previous one.  After an XIP block that place is
 * in the XIP region, so the block gets a direct pointer instead (4-byte
 * aligned start; compressed blocks carry a 16-bit length).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SEQ_BUF (1024 * 1024)

/* A buffered writer for the packed data, which grows strictly forward. */
struct seqw {
	int fd;
	uint64_t base;        /* image offset of buf[0] */
	uint8_t *buf;
	size_t len;
};

static int seqw_flush(struct seqw *w)
{
	int err = cr_pwrite_all(w->fd, w->buf, w->len, w->base);

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

/* Overwrite bytes already put (a pointer table), wherever they are by now. */
static int seqw_patch(struct seqw *w, uint64_t off, const uint8_t *data, size_t n)
{
	if (off < w->base) {
		size_t k = off + n <= w->base ? n : (size_t)(w->base - off);
		int err = cr_pwrite_all(w->fd, data, k, off);
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

struct writer {
	struct build *b;
	struct seqw seq;
	struct compressor *comp;
	uint8_t *in, *out;
	size_t outcap;
	uint8_t *table;       /* pointer table being filled */
	bool used_ext;        /* a flagged pointer was written */
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Store one packed block.  *next is where the kernel will look for the next
 * block behind a classic pointer; returns the pointer.
 */
static int put_packed(struct writer *w, const struct node *n, uint32_t idx, uint32_t len, uint64_t *next,
		      uint32_t *ptr)
{
	const struct cramfs_build_options *o = w->b->opts;
	uint32_t bs = o->blksize, nblocks = node_nblocks(n, bs);
	bool last = idx == nblocks - 1;
	/* the kernel reads a last direct raw block as size % PAGE bytes: 0 for a page-multiple file */
	bool direct_raw_ok = !(last && n->size % bs == 0) || o->xip_direct_last_page;
	uint64_t pos = seqw_pos(&w->seq);
	size_t clen;
	bool raw;
	int err;

	if (o->holes && all_zero(w->in, len)) {
		*ptr = cramfs_blkptr_classic((uint32_t)*next, false);
		w->b->stats->blocks++;
		return 0;
	}
	clen = cr_compress(w->comp, w->in, len, w->out, w->outcap);
	if (!clen) {
		cr_err(w->b->log, "%s: block %u: compression failed", n->path, idx);
		return -EIO;
	}
	raw = o->raw_if_larger && clen >= len;

	if (*next == pos) {
		/* classic: the block follows the previous one */
		err = raw ? seqw_put(&w->seq, w->in, len) : seqw_put(&w->seq, w->out, clen);
		*next = seqw_pos(&w->seq);
		*ptr = cramfs_blkptr_classic((uint32_t)*next, raw);
	} else {
		if (clen > CRAMFS_DIRECT_LEN_MAX)
			raw = true;   /* only at 64 KiB blocks: the 16-bit length cannot hold it */
		else if (raw && !direct_raw_ok)
			raw = false;  /* compressed is larger here, but read correctly */
		if (raw && !direct_raw_ok) {
			/* the plan keeps this case out of here (xip.c); refuse to write a block the kernel misreads */
			cr_err(w->b->log, "%s: block %u: cannot store the last block raw behind a direct pointer",
			       n->path, idx);
			return -EINVAL;
		}
		err = seqw_align4(&w->seq);
		pos = seqw_pos(&w->seq);
		if (!err && raw) {
			err = seqw_put(&w->seq, w->in, len);
			*next = pos + bs;
		} else if (!err) {
			uint8_t l[2];
			cramfs_put16(l, (uint16_t)clen, o->endian);
			err = seqw_put(&w->seq, l, 2);
			if (!err)
				err = seqw_put(&w->seq, w->out, clen);
			*next = pos + 2 + clen;
		}
		*ptr = cramfs_blkptr_direct((uint32_t)pos, raw);
		w->used_ext = true;
	}
	if (raw)
		w->used_ext = true;
	w->b->stats->blocks++;
	return err;
}

static int write_file(struct writer *w, struct node *n)
{
	struct build *b = w->b;
	uint32_t bs = b->opts->blksize, nblocks = node_nblocks(n, bs);
	uint64_t table_off, next, xip_pos = n->xip_start;
	struct src_reader r = { .fd = -1 };
	char *path = NULL;
	int err = 0;

	err = seqw_align4(&w->seq);
	if (err)
		return err;
	table_off = seqw_pos(&w->seq);
	if (table_off >= CRAMFS_OFFSET_LIMIT) {
		cr_err(b->log, "%s: data would start at byte %llu; cramfs data must start below 256 MiB "
		       "(image too big)", n->path, (unsigned long long)table_off);
		return -EFBIG;
	}
	n->offset = table_off;
	err = seqw_put(&w->seq, NULL, (size_t)nblocks * 4);
	if (err)
		return err;
	next = table_off + (uint64_t)nblocks * 4;

	if (S_ISREG(n->mode)) {
		err = src_open(&r, b, n, &path);
		if (err)
			goto out;
	}
	for (uint32_t i = 0; i < nblocks && !err; i++) {
		uint32_t len = (uint32_t)(n->size - (uint64_t)i * bs < bs ? n->size - (uint64_t)i * bs : bs);
		enum block_kind kind = n->blocks ? n->blocks[i] : BLK_PACKED;
		uint32_t ptr = 0;

		if (S_ISLNK(n->mode)) {
			memcpy(w->in, n->link_target + (uint64_t)i * bs, len);
		} else {
			ssize_t got = src_read_block(&r, w->in, len);
			if (got < 0) {
				err = (int)got;
				break;
			}
		}
		b->stats->bytes_in += len;

		if (kind == BLK_PACKED) {
			err = put_packed(w, n, i, len, &next, &ptr);
		} else {
			uint64_t slot = xip_pos;
			bool direct = kind == BLK_XIP;

			/* the slot's tail beyond len stays zero: the file is zero-filled as it grows */
			err = cr_pwrite_all(b->outfd, w->in, len, slot);
			xip_pos += b->opts->xip == CRAMFS_XIP_NOMMU && len < bs ? align_up(len, 8) : bs;
			if (direct) {
				ptr = cramfs_blkptr_direct((uint32_t)slot, true);
				next = slot + bs;
				b->stats->xip_pages++;
			} else {
				next = slot + len;
				ptr = cramfs_blkptr_classic((uint32_t)next, true);
			}
			w->used_ext = true;
			b->stats->blocks++;
		}
		cramfs_put32(w->table + (size_t)i * 4, ptr, b->opts->endian);
	}
	if (S_ISREG(n->mode)) {
		if (!err)
			err = src_finish(&r);
		else
			src_close(&r);
	}
	if (!err)
		err = seqw_patch(&w->seq, table_off, w->table, (size_t)nblocks * 4);
	if (!err && n->xip_blocks)
		b->stats->xip_files++;
out:
	free(path);
	return err;
}

int cr_write_data(struct build *b)
{
	uint32_t bs = b->opts->blksize;
	uint32_t max_blocks = (CRAMFS_SIZE_MAX + bs) / bs;
	struct writer w = { .b = b };
	int err = -ENOMEM;

	w.seq.fd = b->outfd;
	w.seq.base = b->data_off;
	w.seq.buf = malloc(SEQ_BUF);
	w.in = malloc(bs);
	w.outcap = cr_compress_bound(bs);
	w.out = malloc(w.outcap);
	w.table = malloc((size_t)max_blocks * 4);
	w.comp = cr_compressor_new(b->opts->level);
	if (!w.seq.buf || !w.in || !w.out || !w.table || !w.comp)
		goto out;

	err = 0;
	for (size_t i = 0; i < b->nnodes && !err; i++) {
		struct node *n = b->order[i];
		if (node_has_data(n) && !n->data_owner)
			err = write_file(&w, n);
	}
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
out:
	cr_compressor_free(w.comp);
	free(w.seq.buf);
	free(w.in);
	free(w.out);
	free(w.table);
	return err;
}
