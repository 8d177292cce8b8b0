// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 3, XIP plan: decide, block by block, which data the kernel should
 * map straight from flash.
 *
 * By default these are the pages of every ELF file's read-only loadable
 * segments (PT_LOAD without PF_W): text and read-only data, mapped without
 * write permission, which is the only case the kernel maps directly.  And
 * of every FLAT program (no-MMU Linux), its text: binfmt_flat maps the file
 * from offset 0 to data_start at once, and a no-MMU kernel hands out the
 * flash address only when that whole range is one direct run.
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
#include <inttypes.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf.h"
#include "flat.h"
#include "internal.h"

static void mark(uint8_t *blocks, uint32_t nblocks, uint64_t start, uint64_t end, uint32_t bs)
{
	for (uint64_t k = start / bs; k < (end + bs - 1) / bs && k < nblocks; k++)
		blocks[k] = BLK_XIP;
}

/* A FLAT program: its text, header included.  Returns true if the file is one. */
static bool plan_flat(struct build *b, struct node *n, const uint8_t *head, size_t len, uint8_t *blocks,
		      bool *any)
{
	uint32_t bs = b->opts->blksize, nblocks = node_nblocks(n, bs);
	struct cramfs_flat_info info;
	const char *copied;
	char why[160];
	int ret = cramfs_flat_parse(head, len, n->size, &info, why, sizeof(why));

	if (ret == CRAMFS_FLAT_NOT_FLAT)
		return false;
	if (ret == CRAMFS_FLAT_BAD) {
		cr_info(b->log, "%s: not treated as a FLAT program: %s", n->path, why);
		return true;
	}
	copied = cramfs_flat_text_copied(&info);
	if (copied) {
		cr_info(b->log, "%s: FLAT program stored compressed: %s", n->path, copied);
		return true;
	}
	mark(blocks, nblocks, 0, info.data_start, bs);
	*any = true;
	cr_dbg(b->log, "%s: FLAT program, text of %" PRIu32 " bytes", n->path, info.data_start);
	return true;
}

static int plan_elf(struct build *b, struct node *n, int fd, uint8_t *blocks, bool *any)
{
	uint32_t bs = b->opts->blksize, nblocks = node_nblocks(n, bs);
	struct cramfs_elf_info info;
	char why[256];
	int ret = cramfs_elf_read_fd(fd, n->size, &info, why, sizeof(why));

	if (ret == CRAMFS_ELF_BAD) {
		cr_info(b->log, "%s: not treated as ELF: %s", n->path, why);
		return 0;
	}
	if (ret != CRAMFS_ELF_OK)
		return ret < 0 ? ret : 0;

	for (size_t i = 0; i < info.nranges; i++) {
		mark(blocks, nblocks, info.ranges[i].start, info.ranges[i].end, bs);
		*any = true;
	}
	cr_dbg(b->log, "%s: ELF%d %s, %zu read-only range%s", n->path, info.elf_class,
	       info.big_endian ? "big-endian" : "little-endian", info.nranges, info.nranges == 1 ? "" : "s");
	cramfs_elf_info_free(&info);
	return 0;
}

/* The program parts of a file, by its first bytes: a FLAT program's text, an ELF file's read-only segments. */
static int plan_program(struct build *b, struct node *n, uint8_t *blocks, bool *any, bool *flat)
{
	uint8_t head[CRAMFS_FLAT_HDR_SIZE];
	char *path = cr_source_path(b, n);
	ssize_t got;
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
	got = pread(fd, head, sizeof(head), 0);
	if (got < 0) {
		ret = -errno;
		cr_err(b->log, "%s: cannot read: %s", path, strerror(errno));
	} else {
		*flat = plan_flat(b, n, head, (size_t)got, blocks, any);
		ret = *flat ? 0 : plan_elf(b, n, fd, blocks, any);
	}
	close(fd);
	free(path);
	return ret;
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
	bool any = false, flat = false;
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
		err = plan_program(b, n, blocks, &any, &flat);
	}

	if (!err && any && n->size % bs == 0 && !o->xip_direct_last_page) {
		bool prev_xip = last > 0 && blocks[last - 1] == BLK_XIP;

		if (blocks[last] == BLK_XIP) {
			blocks[last] = prev_xip ? BLK_XIP_TAIL : BLK_PACKED;
			if (flat)
				cr_warn(b->log, "%s: FLAT text reaches the last page of a file of %" PRIu64 " bytes, a "
					"multiple of %" PRIu32 ": that page is stored behind a classic pointer (the "
					"kernel's last-page read bug), so a no-MMU kernel copies the text to RAM; "
					"--xip-direct-last-page keeps it in place for a kernel with the fix",
					n->path, n->size, bs);
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
