// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 3, XIP plan: decide, block by block, which data the kernel should
 * map straight from flash.
 *
 * By default these are the pages of every ELF file's read-only loadable
 * segments (PT_LOAD without PF_W): text and read-only data, mapped without
 * write permission, which is the only case the kernel maps directly.
 * --xip patterns add whole files, --no-xip patterns remove files.
 *
 * The plan also steers clear of the kernel's read bug for a last block that
 * is direct and uncompressed in a file whose size is a multiple of the page
 * size: the kernel takes that block's length as size % PAGE = 0 and reads
 * zeros.  Such a block is kept in the XIP run but behind a classic
 * uncompressed pointer (BLK_XIP_TAIL), or packed when no XIP block precedes
 * it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf.h"
#include "internal.h"

static int plan_elf(struct build *b, struct node *n, uint8_t *blocks, bool *any)
{
	uint32_t bs = b->opts->blksize, nblocks = node_nblocks(n, bs);
	struct cramfs_elf_info info;
	char why[256];
	char *path = cr_source_path(b, n);
	int fd, ret;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		cr_err(b->log, "%s: cannot open: %s", path, strerror(errno));
		free(path);
		return ret;
	}
	ret = cramfs_elf_read_fd(fd, n->size, &info, why, sizeof(why));
	close(fd);
	free(path);
	if (ret == CRAMFS_ELF_BAD) {
		cr_info(b->log, "%s: not treated as ELF: %s", n->path, why);
		return 0;
	}
	if (ret != CRAMFS_ELF_OK)
		return ret < 0 ? ret : 0;

	for (size_t i = 0; i < info.nranges; i++) {
		uint64_t first = info.ranges[i].start / bs;
		uint64_t end = (info.ranges[i].end + bs - 1) / bs;
		for (uint64_t k = first; k < end && k < nblocks; k++) {
			blocks[k] = BLK_XIP;
			*any = true;
		}
	}
	cr_dbg(b->log, "%s: ELF%d %s, %zu read-only range%s", n->path, info.elf_class,
	       info.big_endian ? "big-endian" : "little-endian", info.nranges, info.nranges == 1 ? "" : "s");
	cramfs_elf_info_free(&info);
	return 0;
}

/*
 * At 64 KiB blocks a compressed block behind a direct pointer may not fit
 * its 16-bit length and must then be stored raw.  For the last block of a
 * page-multiple file that would meet the read bug, so such a block joins
 * the XIP run instead.  Compress it once to know.
 */
static int last_block_fits_direct(struct build *b, struct node *n, bool *fits)
{
	uint32_t bs = b->opts->blksize;
	struct src_reader r;
	struct compressor *c = NULL;
	size_t cap = cr_compress_bound(bs);
	uint8_t *in = malloc(bs), *out = malloc(cap);
	char *path = NULL;
	int err = -ENOMEM;

	*fits = true;
	if (!in || !out || !(c = cr_compressor_new(b->opts->level)))
		goto out;
	err = src_open(&r, b, n, &path);
	if (err)
		goto out;
	r.done = n->size - bs;
	if (src_read_block(&r, in, bs) == (ssize_t)bs) {
		size_t clen = cr_compress(c, in, bs, out, cap);
		*fits = clen && clen <= CRAMFS_DIRECT_LEN_MAX;
		err = 0;
	} else {
		err = -EIO;
	}
	src_close(&r);
out:
	cr_compressor_free(c);
	free(in);
	free(out);
	free(path);
	return err;
}

static int plan_file(struct build *b, struct node *n)
{
	const struct cramfs_build_options *o = b->opts;
	uint32_t bs = o->blksize, nblocks = node_nblocks(n, bs), last = nblocks - 1;
	uint8_t *blocks;
	bool any = false;
	int err = 0;

	if (cr_patterns_match(o->no_xip_patterns, n->path))
		return 0;
	blocks = calloc(nblocks, 1);
	if (!blocks)
		return -ENOMEM;
	if (cr_patterns_match(o->xip_patterns, n->path)) {
		memset(blocks, BLK_XIP, nblocks);
		any = true;
	} else {
		err = plan_elf(b, n, blocks, &any);
	}

	if (!err && any && n->size % bs == 0 && !o->xip_direct_last_page) {
		bool prev_xip = last > 0 && blocks[last - 1] == BLK_XIP;

		if (blocks[last] == BLK_XIP) {
			blocks[last] = prev_xip ? BLK_XIP_TAIL : BLK_PACKED;
		} else if (prev_xip && bs > CRAMFS_DIRECT_LEN_MAX) {
			bool fits;
			err = last_block_fits_direct(b, n, &fits);
			if (!err && !fits)
				blocks[last] = BLK_XIP_TAIL;
		}
	}
	for (uint32_t i = 0; i < nblocks; i++)
		if (blocks[i] != BLK_PACKED)
			n->xip_blocks++;
	if (err || !n->xip_blocks) {
		free(blocks);
		n->xip_blocks = 0;
		return err;
	}
	n->blocks = blocks;
	return 0;
}

int cr_xip_plan(struct build *b)
{
	if (b->opts->xip == CRAMFS_XIP_OFF)
		return 0;
	for (size_t i = 0; i < b->nnodes; i++) {
		struct node *n = b->order[i];
		int err;

		if (!S_ISREG(n->mode) || !n->size)
			continue;
		err = plan_file(b, n);
		if (err)
			return err;
	}
	return 0;
}
