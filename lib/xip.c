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
 * With a profile (--xip-profile) only the pages a workload used are kept
 * in place, each program segment (or --xip file) for itself: in the stock
 * layout from the segment's first page up to its last profiled page, as
 * the stock kernel maps a run from a mapping's first page; in the
 * page-granular layout those pages alone.  A FLAT program's text stays one
 * run, whole or not at all: a no-MMU kernel maps nothing less.
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

/* One file's plan while it is made. */
struct plan {
	uint8_t *blocks;        /* BLK_ per block */
	uint8_t *seg;           /* with a profile: 1 for the pages of every segment considered */
	bool any;               /* a block in place */
	bool flat;              /* a FLAT program */
};

/*
 * A segment (bytes start to end) a program maps at once: in place as the
 * profile says, or whole without one.
 */
static void mark_segment(struct build *b, struct node *n, struct plan *p, uint64_t start, uint64_t end)
{
	uint32_t bs = b->opts->blksize, nblocks = node_nblocks(n, bs);
	uint64_t first = start / bs, stop = (end + bs - 1) / bs, last_hot = first;
	bool hot = !b->profile;

	if (stop > nblocks)
		stop = nblocks;
	if (b->profile) {
		for (uint64_t k = first; k < stop; k++) {
			p->seg[k] = 1;
			if (!cramfs_profile_hot(n->profile, (uint32_t)k))
				continue;
			if (b->opts->xip_layout == CRAMFS_LAYOUT_PAGE) {
				p->blocks[k] = BLK_XIP;
				p->any = true;
			}
			hot = true;
			last_hot = k;
		}
		if (b->opts->xip_layout == CRAMFS_LAYOUT_PAGE || !hot)
			return;
		stop = last_hot + 1;
	}
	for (uint64_t k = first; k < stop; k++)
		p->blocks[k] = BLK_XIP;
	p->any = p->any || stop > first;
}

/* A FLAT program: its text, header included.  Returns true if the file is one. */
static bool plan_flat(struct build *b, struct node *n, const uint8_t *head, size_t len, struct plan *p)
{
	uint32_t bs = b->opts->blksize;
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
	/* a no-MMU kernel maps the text whole or not at all: with a profile, whole if any page was used */
	mark_segment(b, n, p, 0, info.data_start);
	if (b->profile && p->any)
		for (uint64_t k = 0; k < (info.data_start + (uint64_t)bs - 1) / bs; k++)
			p->blocks[k] = BLK_XIP;
	cr_dbg(b->log, "%s: FLAT program, text of %" PRIu32 " bytes", n->path, info.data_start);
	return true;
}

static int plan_elf(struct build *b, struct node *n, int fd, struct plan *p)
{
	struct cramfs_elf_info info;
	size_t nro = 0;
	char why[256];
	int ret = cramfs_elf_read_fd(fd, n->size, &info, why, sizeof(why));

	if (ret == CRAMFS_ELF_BAD) {
		cr_info(b->log, "%s: not treated as ELF: %s", n->path, why);
		return 0;
	}
	if (ret != CRAMFS_ELF_OK)
		return ret < 0 ? ret : 0;

	/* each read-only segment as a program maps it */
	for (size_t i = 0; i < info.nsegments; i++) {
		const struct cramfs_elf_segment *g = &info.segments[i];

		if (g->flags & CRAMFS_ELF_PF_W)
			continue;
		mark_segment(b, n, p, g->start, g->end);
		nro++;
	}
	cr_dbg(b->log, "%s: ELF%d %s, %zu read-only segment%s", n->path, info.elf_class,
	       info.big_endian ? "big-endian" : "little-endian", nro, nro == 1 ? "" : "s");
	cramfs_elf_info_free(&info);
	return 0;
}

/* The program parts of a file, by its first bytes: a FLAT program's text, an ELF file's read-only segments. */
static int plan_program(struct build *b, struct node *n, struct plan *p)
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
		p->flat = plan_flat(b, n, head, (size_t)got, p);
		ret = p->flat ? 0 : plan_elf(b, n, fd, p);
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
	struct plan p = { 0 };
	int err = 0;

	if (cr_patterns_match(o->no_xip_patterns, n->path))
		return 0;
	p.blocks = calloc(nblocks, 1);
	p.seg = b->profile ? calloc(nblocks, 1) : NULL;
	if (!p.blocks || (b->profile && !p.seg)) {
		free(p.blocks);
		free(p.seg);
		return -ENOMEM;
	}
	if (cr_patterns_match(o->xip_patterns, n->path))
		mark_segment(b, n, &p, 0, n->size);
	else
		err = plan_program(b, n, &p);

	if (!err && p.any && n->size % bs == 0 && !o->xip_direct_last_page) {
		bool prev_xip = last > 0 && p.blocks[last - 1] == BLK_XIP;

		if (p.blocks[last] == BLK_XIP) {
			p.blocks[last] = prev_xip ? BLK_XIP_TAIL : BLK_PACKED;
			if (p.flat)
				cr_warn(b->log, "%s: FLAT text reaches the last page of a file of %" PRIu64 " bytes, a "
					"multiple of %" PRIu32 ": that page is stored behind a classic pointer (the "
					"kernel's last-page read bug), so a no-MMU kernel copies the text to RAM; "
					"--xip-direct-last-page keeps it in place for a kernel with the fix",
					n->path, n->size, bs);
		} else if (prev_xip && bs > CRAMFS_DIRECT_LEN_MAX) {
			bool fits;
			err = last_block_fits_direct(b, n, &fits);
			if (!err && !fits)
				p.blocks[last] = BLK_XIP_TAIL;
		}
	}
	for (uint32_t i = 0; i < nblocks; i++) {
		if (p.blocks[i] != BLK_PACKED)
			n->xip_blocks++;
		if (p.seg && p.seg[i] && cramfs_profile_hot(n->profile, i)) {
			b->stats->profile_pages++;
			if (p.blocks[i] != BLK_PACKED)
				b->stats->profile_pages_xip++;
		}
	}
	free(p.seg);
	if (err || !n->xip_blocks) {
		free(p.blocks);
		n->xip_blocks = 0;
		return err;
	}
	n->blocks = p.blocks;
	return 0;
}

static int cmp_node_path(const void *x, const void *y)
{
	return strcmp((*(struct node *const *)x)->path, (*(struct node *const *)y)->path);
}

#define PROFILE_NAMED_MAX 20            /* mismatches named one by one; the rest counted */

/*
 * Reads --xip-profile and gives each regular file its entry.  An entry that
 * names no file of the tree, or a file of another size (rebuilt since: its
 * pages mean nothing now), is a warning naming it; when that is true of
 * more than half the entries, the profile is of another tree and is
 * refused unless forced.
 */
static int load_profile(struct build *b)
{
	const struct cramfs_build_options *o = b->opts;
	struct cramfs_profile *p;
	struct node **files;
	size_t nfiles = 0, k = 0, missing = 0, resized = 0;
	int err = cramfs_profile_read(o->xip_profile, b->log, &p);

	if (err)
		return err;
	b->profile = p;
	if (p->page_size != o->blksize) {
		cr_err(b->log, "%s: taken with %" PRIu32 "-byte pages; the image is for %" PRIu32 "-byte pages (-b)",
		       o->xip_profile, p->page_size, o->blksize);
		return -EINVAL;
	}
	files = malloc((b->nnodes ? b->nnodes : 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	for (size_t i = 0; i < b->nnodes; i++)
		if (S_ISREG(b->order[i]->mode))
			files[nfiles++] = b->order[i];
	qsort(files, nfiles, sizeof(*files), cmp_node_path);
	/* both sorted by the bytes of the path: one walk matches them */
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct cramfs_profile_file *f = &p->files[i];
		int c = 1;

		while (k < nfiles && (c = strcmp(files[k]->path, f->path)) < 0)
			k++;
		if (k == nfiles || c) {
			if (++missing <= PROFILE_NAMED_MAX)
				cr_warn(b->log, "%s: %s is not a file of the tree: its entry is ignored", o->xip_profile,
					f->path);
		} else if (files[k]->size != f->size) {
			if (++resized <= PROFILE_NAMED_MAX)
				cr_warn(b->log, "%s: %s was %" PRIu64 " bytes, the tree's is %" PRIu64 ": its entry is "
					"ignored", o->xip_profile, f->path, f->size, files[k]->size);
		} else {
			files[k]->profile = f;
			b->stats->profile_files++;
		}
	}
	free(files);
	if (missing > PROFILE_NAMED_MAX || resized > PROFILE_NAMED_MAX)
		cr_warn(b->log, "%s: %zu entries name no file of the tree and %zu a file of another size (%d of "
			"each named)", o->xip_profile, missing, resized, PROFILE_NAMED_MAX);
	if (p->nfiles && (missing + resized) * 2 > p->nfiles && !o->xip_profile_force) {
		cr_err(b->log, "%s: %zu of its %zu files are not in the tree or not of the size they had: a "
		       "profile of another tree? (--xip-profile-force uses it anyway)", o->xip_profile,
		       missing + resized, p->nfiles);
		return -EINVAL;
	}
	return 0;
}

int cr_xip_plan(struct build *b)
{
	if (b->opts->xip == CRAMFS_XIP_OFF)
		return 0;
	if (b->opts->xip_profile) {
		int err = load_profile(b);
		if (err)
			return err;
	}
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
