// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the kernel will map directly.  This follows the driver's mmap path
 * (fs/cramfs/inode.c, cramfs_physmem_mmap and its helpers) step by step:
 *
 *   - the block pointers from the mapping's first page on must read
 *     DIRECT|UNCOMPRESSED with start addresses exactly a page apart; the
 *     run ends at the first that does not ("unsuitable block layout" when
 *     that is the first);
 *   - the first block must be page aligned in physical memory, that is the
 *     image's physical address plus the block's offset in the image ("data
 *     is not page aligned"): an image at an address that is not page aligned
 *     mounts and reads right, but none of its page-aligned runs maps;
 *   - if the run reaches the file's last page and the bytes after the end
 *     of file in that page are not all zero, that page is left out ("last
 *     page is shared");
 *   - nothing left is "no suitable block remaining".
 *
 * A kernel with the page-granular XIP patch of kernel/patches maps each page
 * of a read-only mapping on its own instead (see page_unsuitable below):
 * its pages need be neither a page apart in flash nor a run from the
 * mapping's first page.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "flat.h"
#include "image.h"

struct reporter {
	cramfs_xip_fn fn;
	void *arg;
	struct cramfs_xip_totals *t;
	struct cramfs_xip_run *runs;
	size_t cap;
	uint64_t phys;                  /* the physical address of the image's first byte */
	char misaligned[128];           /* the reason, naming the address, when phys is not page aligned */
	uint8_t *head;                  /* a file's first block */
	struct cramfs_xip_segment *segs;
	size_t segs_cap;
	char flat_why[160];
	enum cramfs_xip_rule rule;
	/* the page-granular rule, per page i of the file (and i = pages): */
	uint32_t *before;               /* how many pages before i are direct */
	uint32_t *gap;                  /* the first page from i on that is not direct */
	size_t pages_cap;
};

static uint32_t blkptr(const struct cramfs_image *img, const struct cramfs_entry *e, uint32_t i)
{
	return img_get32(img, off_add(e->inode.offset, off_mul(i, 4)));
}

/* The kernel's cramfs_get_block_range: how many pages from pgoff are one direct run. */
static uint32_t block_range(const struct cramfs_image *img, const struct cramfs_entry *e, uint32_t pgoff,
			    uint32_t pages, uint32_t *first_addr)
{
	uint32_t step = img->info.blksize >> CRAMFS_BLK_DIRECT_PTR_SHIFT;
	uint32_t first = blkptr(img, e, pgoff) & ~CRAMFS_BLK_FLAGS, i;

	*first_addr = first;
	for (i = 0; i < pages; i++) {
		uint32_t expect = (first + i * step) | CRAMFS_BLK_FLAG_DIRECT_PTR | CRAMFS_BLK_FLAG_UNCOMPRESSED;
		if (blkptr(img, e, pgoff + i) != expect)
			break;
	}
	return i;
}

/* The kernel's cramfs_last_page_is_shared. */
static bool last_page_shared(const struct cramfs_image *img, const struct cramfs_entry *e)
{
	uint32_t bs = img->info.blksize, partial = e->inode.size % bs;
	uint64_t addr;

	if (!partial)
		return false;
	addr = off_add(cramfs_blkptr_direct_start(blkptr(img, e, e->inode.size / bs)), partial);
	/* bytes past the image end are whatever the flash holds: not known to be zero */
	if (!img_has(img, addr, bs - partial))
		return true;
	for (uint64_t k = 0; k < bs - partial; k++)
		if (img->map[addr + k])
			return true;
	return false;
}

/* The kernel's "data is not page aligned", naming the image's address when that is what is misaligned. */
static const char *not_aligned(const struct reporter *r)
{
	return r->misaligned[0] ? r->misaligned : "data is not page aligned";
}

/*
 * Pages a mapping of count pages from pgoff (of a file of total pages) gets
 * directly, and why not more.  When that is none, *skip is how many pages
 * from pgoff on no mapping can start at either: the rest of a misaligned
 * run is just as misaligned (its addresses are a page apart), so the caller
 * need not try each of them (which made files of misaligned runs quadratic).
 */
static uint32_t direct_in(const struct reporter *r, const struct cramfs_image *img, const struct cramfs_entry *e,
			  uint32_t pgoff, uint32_t count, uint32_t total, const char **reason, uint32_t *reason_page,
			  uint32_t *skip, uint32_t *offset)
{
	uint32_t first, pages = count, n = block_range(img, e, pgoff, pages, &first);
	/* the kernel's offset is 32 bits, and an offset of 0 means "no range" */
	uint32_t addr = first << CRAMFS_BLK_DIRECT_PTR_SHIFT;

	*offset = addr;
	*reason = NULL;
	*reason_page = pgoff;
	*skip = 1;
	if (!n || !addr) {
		*reason = "unsuitable block layout";
		return 0;
	}
	/* the kernel adds the offset to the MTD device's physical address (resource_size_t) */
	if ((r->phys + addr) % img->info.blksize) {
		*reason = not_aligned(r);
		*skip = n;
		return 0;
	}
	if (n < pages) {
		*reason = "unsuitable block layout";
		*reason_page = pgoff + n;
	}
	if (pgoff + n == total && last_page_shared(img, e)) {
		n--;
		*reason = "last page is shared";
		*reason_page = pgoff + n;
	}
	if (!n)
		*reason = "no suitable block remaining";
	return n;
}

/* The same for a mapping from pgoff to the end of the file. */
static uint32_t direct_from(const struct reporter *r, const struct cramfs_image *img, const struct cramfs_entry *e,
			    uint32_t pgoff, uint32_t total, const char **reason, uint32_t *reason_page, uint32_t *skip,
			    uint32_t *offset)
{
	return direct_in(r, img, e, pgoff, total - pgoff, total, reason, reason_page, skip, offset);
}

static int add_run(struct reporter *r, size_t *n, uint32_t first, uint32_t count, uint32_t offset)
{
	if (*n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct cramfs_xip_run *v = realloc(r->runs, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->runs = v;
		r->cap = cap;
	}
	r->runs[(*n)++] = (struct cramfs_xip_run){ first, count, offset };
	return 0;
}

/*
 * Every run a mapping could start at, e.g. an ELF segment's first page:
 * under the stock rule a mapping gets pages only from a run at its start.
 */
static int prefix_runs(struct reporter *r, const struct cramfs_image *img, const struct cramfs_entry *e,
		       struct cramfs_xip_file *f, size_t *nruns)
{
	const char *why;
	uint32_t why_page, skip, offset;
	int err;

	for (uint32_t p = 0; p < f->pages;) {
		uint32_t n = direct_from(r, img, e, p, f->pages, &why, &why_page, &skip, &offset);
		if (n) {
			err = add_run(r, nruns, p, n, offset);
			if (err)
				return err;
			f->run_pages += n;
			p += n;
		} else {
			p += skip;
		}
	}
	return 0;
}

/*
 * ---- the page-granular rule ----
 *
 * The patched cramfs_physmem_mmap inserts every page of the mapping whose
 * block can be mapped on its own, and leaves the others to the page cache:
 * page i of a file of total pages maps directly when, checked in this
 * order,
 *
 *   - its block pointer reads DIRECT|UNCOMPRESSED with a start address
 *     that is not 0 ("unsuitable block layout");
 *   - the whole page lies inside the image ("block outside the image");
 *   - the page is page aligned in physical memory ("data is not page
 *     aligned");
 *   - it is not the last page of the file, or the file ends on a page
 *     boundary, or the bytes after the end of file in the page are all
 *     zero ("last page is shared").
 *
 * Why page i does not map directly on its own, or NULL when it does; *addr
 * is its block's image offset.
 */
static const char *page_unsuitable(const struct reporter *r, const struct cramfs_image *img,
				   const struct cramfs_entry *e, uint32_t i, uint32_t total, uint32_t *addr)
{
	uint32_t bs = img->info.blksize, ptr = blkptr(img, e, i);

	/* the kernel's offset is 32 bits, and an offset of 0 means "no block" */
	*addr = (uint32_t)cramfs_blkptr_direct_start(ptr);
	if ((ptr & CRAMFS_BLK_FLAGS) != CRAMFS_BLK_FLAGS || !*addr)
		return "unsuitable block layout";
	if (!img_has(img, *addr, bs))
		return "block outside the image";
	if ((r->phys + *addr) % bs)
		return not_aligned(r);
	if (i == total - 1 && last_page_shared(img, e))
		return "last page is shared";
	return NULL;
}

static int reserve_pages(struct reporter *r, uint32_t pages)
{
	if (pages + 1 > r->pages_cap) {
		uint32_t *before = realloc(r->before, (pages + 1) * sizeof(*before));
		uint32_t *gap;

		if (!before)
			return -ENOMEM;
		r->before = before;
		gap = realloc(r->gap, (pages + 1) * sizeof(*gap));
		if (!gap)
			return -ENOMEM;
		r->gap = gap;
		r->pages_cap = pages + 1;
	}
	return 0;
}

/*
 * Each page of the file once: r->before and r->gap for page_map, and the
 * runs, each as long as the next page's block is the next page of flash.
 */
static int page_runs(struct reporter *r, const struct cramfs_image *img, const struct cramfs_entry *e,
		     struct cramfs_xip_file *f, size_t *nruns)
{
	uint32_t bs = img->info.blksize, pages = f->pages, addr, next = 0;
	int err = reserve_pages(r, pages);

	if (err)
		return err;
	r->before[0] = 0;
	for (uint32_t i = 0; i < pages; i++) {
		bool direct = !page_unsuitable(r, img, e, i, pages, &addr);
		struct cramfs_xip_run *last = *nruns ? &r->runs[*nruns - 1] : NULL;

		r->before[i + 1] = r->before[i] + direct;
		if (!direct)
			continue;
		if (last && last->first + last->count == i && addr == next)
			last->count++;
		else if ((err = add_run(r, nruns, i, 1, addr)))
			return err;
		next = addr + bs;
	}
	r->gap[pages] = pages;
	for (uint32_t i = pages; i-- > 0;)
		r->gap[i] = r->before[i + 1] > r->before[i] ? r->gap[i + 1] : i;
	f->run_pages = r->before[pages];
	return 0;
}

/*
 * What a mapping of count pages from first gets under the page-granular
 * rule: every direct page in it, and the reason of the first that is not
 * ("beyond file limit" past the file's total pages).
 */
static uint32_t page_map(const struct reporter *r, const struct cramfs_image *img, const struct cramfs_entry *e,
			 uint32_t first, uint32_t count, uint32_t total, const char **reason, uint32_t *reason_page)
{
	uint64_t end = (uint64_t)first + count;
	uint32_t lo = first < total ? first : total, hi = end < total ? (uint32_t)end : total, addr;
	uint32_t gap = first < total ? r->gap[first] : first;

	*reason = NULL;
	*reason_page = first;
	if (gap < end) {
		*reason_page = gap;
		*reason = gap < total ? page_unsuitable(r, img, e, gap, total, &addr) : "beyond file limit";
	}
	return r->before[hi] - r->before[lo];
}

/* What a read-only mapping of count pages from first gets directly, under the report's rule. */
static uint32_t mapping_direct(const struct reporter *r, const struct cramfs_image *img, const struct cramfs_entry *e,
			       uint32_t first, uint32_t count, uint32_t total, const char **reason,
			       uint32_t *reason_page)
{
	uint32_t skip, offset;

	if (r->rule == CRAMFS_XIP_RULE_PAGE)
		return page_map(r, img, e, first, count, total, reason, reason_page);
	return direct_in(r, img, e, first, count, total, reason, reason_page, &skip, &offset);
}

/* The kernel's read bug: a direct uncompressed last block of a page-multiple file reads as zeros. */
static bool last_page_read_bug(const struct cramfs_image *img, const struct cramfs_entry *e, uint32_t pages)
{
	return e->inode.size % img->info.blksize == 0 && (img->info.super.flags & CRAMFS_FLAG_EXT_BLOCK_POINTERS) &&
	       (blkptr(img, e, pages - 1) & CRAMFS_BLK_FLAGS) == CRAMFS_BLK_FLAGS;
}

/* Counts f in the totals and hands it to the caller. */
static int deliver(struct reporter *r, struct cramfs_xip_file *f, size_t nruns)
{
	struct cramfs_xip_totals *t = r->t;

	f->runs = r->runs;
	f->nruns = nruns;
	t->files++;
	t->pages += f->pages;
	t->run_pages += f->run_pages;
	if (f->run_pages)
		t->xip_files++;
	if (f->last_page_read_bug)
		t->read_bug_files++;
	switch (f->mapping) {
	case CRAMFS_MAP_ALL: t->files_all++; break;
	case CRAMFS_MAP_PARTIAL: t->files_partial++; break;
	default: t->files_none++; break;
	}
	if (f->segments) {
		t->elf_files++;
		t->elf_ro_pages += f->ro_pages;
		t->elf_ro_direct_pages += f->ro_direct_pages;
	}
	if (f->flat)
		t->flat_files++;
	if (f->flat_in_place)
		t->flat_in_place++;
	return r->fn ? r->fn(f, r->arg) : 0;
}

/*
 * An ELF file's headers, from its first block (or, when the program header
 * table lies further in, the whole file).  Returns CRAMFS_ELF_OK with info
 * filled, another CRAMFS_ELF_ result, or -ENOMEM.
 */
static int read_elf(struct reporter *r, struct cramfs_image *img, const struct cramfs_entry *e,
		    struct cramfs_elf_info *info)
{
	uint32_t bs = img->info.blksize, size = e->inode.size;
	uint64_t need = 0;
	uint8_t *all;
	int ret;

	memset(info, 0, sizeof(*info));
	if (size < 4 || img_read_first_block(img, e, r->head))
		return CRAMFS_ELF_NOT_ELF;
	ret = cramfs_elf_parse(r->head, size < bs ? size : bs, size, info, &need, NULL, 0);
	if (ret != CRAMFS_ELF_NEED_MORE)
		return ret;
	all = malloc(size);
	if (!all)
		return -ENOMEM;
	ret = cramfs_image_read(img, e, all) ? CRAMFS_ELF_BAD : cramfs_elf_parse(all, size, size, info, NULL, NULL, 0);
	free(all);
	return ret;
}

/* What a program's mapping of each PT_LOAD segment gets, each mapping alone. */
static int report_segments(struct reporter *r, struct cramfs_image *img, const struct cramfs_entry *e,
			   struct cramfs_xip_file *f)
{
	uint32_t bs = img->info.blksize;
	struct cramfs_elf_info info;
	int ret = read_elf(r, img, e, &info);

	if (ret != CRAMFS_ELF_OK)
		return ret < 0 ? ret : 0;
	if (!info.nsegments) {
		cramfs_elf_info_free(&info);
		return 0;
	}
	if (info.nsegments > r->segs_cap) {
		struct cramfs_xip_segment *v = realloc(r->segs, info.nsegments * sizeof(*v));
		if (!v) {
			cramfs_elf_info_free(&info);
			return -ENOMEM;
		}
		r->segs = v;
		r->segs_cap = info.nsegments;
	}
	for (size_t i = 0; i < info.nsegments; i++) {
		const struct cramfs_elf_segment *g = &info.segments[i];
		struct cramfs_xip_segment *v = &r->segs[i];

		v->first = (uint32_t)(g->start / bs);
		v->pages = (uint32_t)((g->end + bs - 1) / bs) - v->first;
		v->flags = g->flags;
		if (g->flags & CRAMFS_ELF_PF_W) {
			/* a private writable mapping always comes from the page cache */
			v->direct_pages = 0;
			v->reason = "writable";
			v->reason_page = v->first;
			continue;
		}
		v->direct_pages = mapping_direct(r, img, e, v->first, v->pages, f->pages, &v->reason,
						 &v->reason_page);
		f->ro_pages += v->pages;
		f->ro_direct_pages += v->direct_pages;
	}
	f->segments = r->segs;
	f->nsegments = info.nsegments;
	cramfs_elf_info_free(&info);
	return 0;
}

/* A file's pages; false, with the reason, when its block pointers are not all inside the image. */
static bool file_pages(const struct cramfs_image *img, const struct cramfs_entry *e, struct cramfs_xip_file *f)
{
	uint32_t bs = img->info.blksize;

	f->pages = (uint32_t)(((uint64_t)e->inode.size + bs - 1) / bs);
	if (!img_has(img, e->inode.offset, off_mul(f->pages, 4)) || !e->inode.offset) {
		f->reason = "block pointers outside the image";
		return false;
	}
	return true;
}

static int report_file(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	struct reporter *r = arg;
	struct cramfs_xip_file f = { .path = e->path, .size = e->inode.size, .rule = r->rule };
	size_t nruns = 0;
	int err;

	if (!S_ISREG(e->inode.mode) || !e->inode.size)
		return 0;
	if (!file_pages(img, e, &f))
		goto done;
	err = r->rule == CRAMFS_XIP_RULE_PAGE ? page_runs(r, img, e, &f, &nruns) : prefix_runs(r, img, e, &f, &nruns);
	if (err)
		return err;
	f.direct_pages = mapping_direct(r, img, e, 0, f.pages, f.pages, &f.reason, &f.reason_page);
	f.mapping = f.direct_pages == f.pages ? CRAMFS_MAP_ALL : f.direct_pages ? CRAMFS_MAP_PARTIAL : CRAMFS_MAP_NONE;
	f.last_page_read_bug = last_page_read_bug(img, e, f.pages);
	err = report_segments(r, img, e, &f);
	if (err)
		return err;
done:
	return deliver(r, &f, nruns);
}

bool cramfs_xip_phys_aligned(const struct cramfs_image *img, uint64_t phys_addr)
{
	/* a run page aligned in the image is page aligned in memory only if the image is */
	return phys_addr % img->info.blksize == 0;
}

/* Walks the image with file for each entry, r set up by the caller. */
static int walk_report(struct reporter *r, struct cramfs_image *img, cramfs_walk_fn file)
{
	int err;

	memset(r->t, 0, sizeof(*r->t));
	r->head = malloc(img->info.blksize);
	if (!r->head)
		return -ENOMEM;
	if (!cramfs_xip_phys_aligned(img, r->phys))
		snprintf(r->misaligned, sizeof(r->misaligned),
			 "data is not page aligned (image at physical address 0x%" PRIx64 ", %" PRIu32 "-byte pages)",
			 r->phys, img->info.blksize);
	err = cramfs_image_walk(img, file, r);
	free(r->runs);
	free(r->segs);
	free(r->before);
	free(r->gap);
	free(r->head);
	return err ? err : img_unchanged(img);
}

int cramfs_xip_report_at(struct cramfs_image *img, uint64_t phys_addr, cramfs_xip_fn fn, void *arg,
			 struct cramfs_xip_totals *totals)
{
	struct reporter r = { .fn = fn, .arg = arg, .t = totals, .phys = phys_addr, .rule = CRAMFS_XIP_RULE_PREFIX };

	return walk_report(&r, img, report_file);
}

int cramfs_xip_report_page_at(struct cramfs_image *img, uint64_t phys_addr, cramfs_xip_fn fn, void *arg,
			      struct cramfs_xip_totals *totals)
{
	struct reporter r = { .fn = fn, .arg = arg, .t = totals, .phys = phys_addr, .rule = CRAMFS_XIP_RULE_PAGE };

	return walk_report(&r, img, report_file);
}

int cramfs_xip_report(struct cramfs_image *img, cramfs_xip_fn fn, void *arg, struct cramfs_xip_totals *totals)
{
	return cramfs_xip_report_at(img, 0, fn, arg, totals);
}

/*
 * ---- kernels without an MMU ----
 *
 * cramfs_physmem_get_unmapped_area: a request for pages from pgoff gets
 * the image's physical address plus the run's offset when the whole request
 * is one run (cramfs_get_block_range), else -ENOSYS, on which mm/nommu.c
 * copies the file into RAM for a private mapping and fails a shared one
 * with ENODEV.  A private writable mapping is always a copy.
 */

/* A FLAT program's text: does binfmt_flat's private read-only mapping of it come from flash? */
static void nommu_flat(struct reporter *r, struct cramfs_image *img, const struct cramfs_entry *e,
		       struct cramfs_xip_file *f)
{
	uint32_t bs = img->info.blksize, text_pages;
	struct cramfs_flat_info info;
	const char *copied;

	if (e->inode.size < 4 || img_read_first_block(img, e, r->head))
		return;
	if (cramfs_flat_parse(r->head, e->inode.size < bs ? e->inode.size : bs, e->inode.size, &info,
			      r->flat_why, sizeof(r->flat_why)) != CRAMFS_FLAT_OK)
		return;
	f->flat = true;
	f->flat_text_len = info.data_start;
	text_pages = (uint32_t)(((uint64_t)info.data_start + bs - 1) / bs);
	f->flat_text_pages = text_pages;
	copied = cramfs_flat_text_copied(&info);
	if (copied) {
		f->flat_reason = copied;
	} else if (text_pages > f->direct_pages) {
		snprintf(r->flat_why, sizeof(r->flat_why), "text (%" PRIu32 " page%s) not stored as one direct run",
			 text_pages, text_pages == 1 ? "" : "s");
		f->flat_reason = r->flat_why;
	} else {
		f->flat_in_place = true;
	}
}

static int report_file_nommu(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	struct reporter *r = arg;
	uint32_t pages, first;
	struct cramfs_xip_file f = { .path = e->path, .size = e->inode.size, .rule = CRAMFS_XIP_RULE_NOMMU,
				     .nommu = true };
	size_t nruns = 0;
	int err;

	if (!S_ISREG(e->inode.mode) || !e->inode.size)
		return 0;
	if (!file_pages(img, e, &f))
		return deliver(r, &f, 0);
	pages = f.pages;
	for (uint32_t p = 0; p < pages;) {
		uint32_t n = block_range(img, e, p, pages - p, &first);

		/* the kernel's offset is 32 bits, and an offset of 0 means "no range" */
		if (n && first) {
			err = add_run(r, &nruns, p, n, first << CRAMFS_BLK_DIRECT_PTR_SHIFT);
			if (err)
				return err;
			f.run_pages += n;
			if (!p) {
				f.direct_pages = n;
				f.offset = first << CRAMFS_BLK_DIRECT_PTR_SHIFT;
			}
			p += n;
		} else {
			p++;
		}
	}
	f.mapping = f.direct_pages == pages ? CRAMFS_MAP_ALL : CRAMFS_MAP_NONE;
	if (f.mapping != CRAMFS_MAP_ALL) {
		f.reason = "unsuitable block layout";
		f.reason_page = f.direct_pages;
	}
	f.last_page_read_bug = last_page_read_bug(img, e, pages);
	nommu_flat(r, img, e, &f);
	return deliver(r, &f, nruns);
}

int cramfs_xip_report_nommu(struct cramfs_image *img, cramfs_xip_fn fn, void *arg, struct cramfs_xip_totals *totals)
{
	struct reporter r = { .fn = fn, .arg = arg, .t = totals, .rule = CRAMFS_XIP_RULE_NOMMU };

	return walk_report(&r, img, report_file_nommu);
}

const char *cramfs_xip_rule_name(enum cramfs_xip_rule rule)
{
	static const char *const names[] = { "prefix", "page", "nommu" };

	return rule < sizeof(names) / sizeof(names[0]) ? names[rule] : "?";
}

const char *cramfs_nommu_request_name(enum cramfs_nommu_request req)
{
	static const char *const names[CRAMFS_NOMMU_REQUESTS] = { "shared-r", "private-r", "private-rx",
								  "private-rw" };

	return req < CRAMFS_NOMMU_REQUESTS ? names[req] : "?";
}

const char *cramfs_xip_nommu_outcome(const struct cramfs_xip_file *f, enum cramfs_nommu_request req)
{
	bool direct = f->mapping == CRAMFS_MAP_ALL;

	switch (req) {
	case CRAMFS_NOMMU_SHARED_R: return direct ? "flash" : "ENODEV";
	case CRAMFS_NOMMU_PRIVATE_R:
	case CRAMFS_NOMMU_PRIVATE_RX: return direct ? "flash" : "copy";
	default: return "copy";
	}
}

/* Under the page-granular rule: page is in one of the runs (in page order, apart), which hold every direct page. */
static bool in_runs(const struct cramfs_xip_file *f, uint32_t page)
{
	size_t lo = 0, hi = f->nruns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (page < f->runs[mid].first)
			hi = mid;
		else if (page - f->runs[mid].first >= f->runs[mid].count)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* A program maps page: it is in a segment that is not writable. */
static bool in_ro_segment(const struct cramfs_xip_file *f, uint32_t page)
{
	for (size_t i = 0; i < f->nsegments; i++) {
		const struct cramfs_xip_segment *g = &f->segments[i];

		if (!(g->flags & CRAMFS_ELF_PF_W) && page >= g->first && page - g->first < g->pages)
			return true;
	}
	return false;
}

bool cramfs_xip_page_from_flash(const struct cramfs_xip_file *f, uint32_t page)
{
	if (f->rule == CRAMFS_XIP_RULE_NOMMU || f->nommu)
		return f->mapping == CRAMFS_MAP_ALL || (f->flat_in_place && page < f->flat_text_pages);
	if (f->rule == CRAMFS_XIP_RULE_PAGE)
		return in_runs(f, page) && (!f->segments || in_ro_segment(f, page));
	if (!f->segments)
		return page < f->direct_pages;
	for (size_t i = 0; i < f->nsegments; i++) {
		const struct cramfs_xip_segment *g = &f->segments[i];

		if (page >= g->first && page < g->first + g->direct_pages)
			return true;
	}
	return false;
}
