// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 5, layout: give every byte that can be placed before compressing a
 * place in the image.
 *
 *   [512-byte pad] superblock [inserted file] directory entries
 *   [pointer tables of the files with XIP blocks, gap to the XIP alignment]
 *   XIP region: every XIP run back to back
 *   packed data: pointer tables and compressed blocks, file by file
 *   zero padding to a multiple of the block size
 *
 * Directory entries come first, each directory's entries contiguous, in
 * depth-first order.  The XIP region follows, so every direct address is
 * known before any block is compressed and alignment costs a single gap.
 * The pointer tables of the files with XIP blocks fill that gap: their
 * sizes are known now, and file data then starts exactly where directory
 * entries end, which cramfs-tools' cramfsck requires of every image.
 * Packed data is placed as it is written (write.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* Bytes a node's XIP blocks take in the region. */
static uint64_t xip_bytes(const struct build *b, const struct node *n)
{
	uint32_t bs = b->opts->blksize, nblocks = node_nblocks(n, bs);
	uint64_t total = 0;

	for (uint32_t i = 0; i < nblocks; i++) {
		uint64_t len = bs;
		if (n->blocks[i] == BLK_PACKED)
			continue;
		/* without an MMU nothing maps the rest of a file's last page: keep only its bytes */
		if (b->opts->xip == CRAMFS_XIP_NOMMU && i == nblocks - 1 && n->size % bs)
			len = align_up(n->size % bs, 8);
		total += len;
	}
	return total;
}

int cr_layout(struct build *b)
{
	const struct cramfs_build_options *o = b->opts;
	uint64_t cur;

	b->sb_off = o->pad_boot ? CRAMFS_PAD_SIZE : 0;
	cur = b->sb_off + CRAMFS_SUPER_SIZE;
	if (o->insert_file) {
		struct stat st;
		if (stat(o->insert_file, &st) < 0) {
			int err = -errno;
			cr_err(b->log, "%s: cannot stat: %s", o->insert_file, strerror(errno));
			return err;
		}
		if (!S_ISREG(st.st_mode)) {
			cr_err(b->log, "%s: not a regular file", o->insert_file);
			return -EINVAL;
		}
		b->insert_off = cur;
		b->insert_size = (uint64_t)st.st_size;
		cur = align_up(cur + b->insert_size, 4);
		b->flags |= CRAMFS_FLAG_SHIFTED_ROOT_OFFSET;
	}

	b->root->inode_off = b->sb_off + CRAMFS_SB_ROOT;
	for (size_t i = 0; i < b->nnodes; i++) {
		struct node *d = b->order[i];
		if (!S_ISDIR(d->mode) || !d->nkids)
			continue;
		d->offset = cur;
		for (size_t k = 0; k < d->nkids; k++) {
			d->kids[k]->inode_off = cur;
			b->last_entry_off = cur;
			cur += CRAMFS_INODE_SIZE + cramfs_name_space(d->kids[k]->namelen);
		}
		d->dir_size = cur - d->offset;
		if (d->offset >= CRAMFS_OFFSET_LIMIT) {
			cr_err(b->log, "%s: directory entries would start at byte %llu; cramfs needs them below "
			       "256 MiB (too many or too long names)", d->path, (unsigned long long)d->offset);
			return -EFBIG;
		}
	}
	b->meta_end = cur;
	b->tables_end = cur;

	if (o->xip != CRAMFS_XIP_OFF) {
		uint64_t align = o->xip == CRAMFS_XIP_MMU ? o->blksize : 8;
		uint64_t pos;

		for (size_t i = 0; i < b->nnodes; i++) {
			struct node *n = b->order[i];
			if (!n->blocks || n->data_owner)
				continue;
			n->offset = cur;
			n->table_placed = true;
			cur += (uint64_t)node_nblocks(n, o->blksize) * 4;
		}
		b->tables_end = cur;
		pos = align_up(cur, align);

		b->xip_off = pos;
		for (size_t i = 0; i < b->nnodes; i++) {
			struct node *n = b->order[i];
			if (!n->blocks || n->data_owner)
				continue;
			n->xip_start = pos;
			pos += xip_bytes(b, n);
		}
		b->xip_size = pos - b->xip_off;
		if (b->xip_size)
			cur = pos;
		else
			b->xip_off = 0;
	}
	b->data_off = align_up(cur, 4);
	if (b->xip_size && b->data_off >= CRAMFS_OFFSET_LIMIT) {
		cr_err(b->log, "image too big: the XIP region (%llu bytes) ends at byte %llu, and block pointer "
		       "tables after it must start below 256 MiB", (unsigned long long)b->xip_size,
		       (unsigned long long)b->data_off);
		return -EFBIG;
	}
	return 0;
}
