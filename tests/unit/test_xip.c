// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The XIP report's MMU rules, the stock kernel's prefix rule and the
 * page-granular kernel's page rule, on one-file images laid out here page by
 * page: layouts mkcramfs does not write, but a kernel may be handed.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "internal.h"

#define PAGE 4096u
#define MAX_PAGES 64

/* ---- images ---- */

/*
 * The image: page 0 holds the superblock, the one directory entry and the
 * pointer table; page 1 the compressed blocks (junk: the report never
 * inflates them); from page 2 on, the direct blocks, in the order of slot.
 */
struct layout {
	const char *pages;      /* per page of the file: d DIRECT|UNCOMPRESSED, z DIRECT (zlib), c classic,
				   r classic UNCOMPRESSED, n DIRECT|UNCOMPRESSED at offset 0, o DIRECT|UNCOMPRESSED
				   past the image end */
	uint32_t size;          /* the file's size; 0: every page whole */
	const uint32_t *slot;   /* per page: which direct block it is in flash (NULL: in page order) */
	bool reverse;           /* without slot: the direct blocks in the reverse of page order */
	bool junk;              /* the bytes after the end of file in the last block are not zero */
	bool cut;               /* the image ends with the file's last byte, in the last direct block */
	uint32_t shift;         /* every direct block this many bytes past a page boundary */
	const uint8_t *head;    /* the first bytes of the file (an ELF header), or NULL */
	size_t head_len;
};

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/cramfs-xip-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static uint32_t lcg(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

static uint32_t slot_of(const struct layout *l, uint32_t i, uint32_t ndirect, uint32_t rank)
{
	if (l->slot)
		return l->slot[i];
	return l->reverse ? ndirect - 1 - rank : rank;
}

static struct cramfs_image *make_image(const struct layout *l)
{
	uint32_t n = (uint32_t)strlen(l->pages), size = l->size ? l->size : n * PAGE, nd = 0, rank = 0, seed = 7;
	uint32_t tail = size % PAGE, len;
	struct cramfs_super sb = { .magic = CRAMFS_MAGIC, .flags = CRAMFS_FLAG_FSID_VERSION_2 |
				   CRAMFS_FLAG_SORTED_DIRS | CRAMFS_FLAG_EXT_BLOCK_POINTERS, .files = 2 };
	struct cramfs_inode file = { .mode = S_IFREG | 0644, .size = size, .namelen = 4, .offset = 92 };
	struct cramfs_open_options oo = { .blksize = PAGE };
	struct cramfs_image *im;
	char path[128];
	uint8_t *buf;
	int fd;

	ck_assert_uint_le(n, MAX_PAGES);
	ck_assert_uint_eq((size + PAGE - 1) / PAGE, n);
	for (uint32_t i = 0; i < n; i++)
		nd += l->pages[i] == 'd';
	len = (2 + nd) * PAGE + l->shift;
	if (l->cut)
		len -= PAGE - tail;
	buf = calloc(1, (2 + nd + 1) * PAGE);
	ck_assert_ptr_nonnull(buf);
	for (uint32_t k = PAGE; k < 2 * PAGE; k++)
		buf[k] = (uint8_t)lcg(&seed);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t ptr, at = 0, part = i == n - 1 && tail ? tail : PAGE;

		switch (l->pages[i]) {
		case 'd':
			at = (2 + slot_of(l, i, nd, rank++)) * PAGE + l->shift;
			ptr = cramfs_blkptr_direct(at, true);
			for (uint32_t k = 0; k < PAGE; k++)
				buf[at + k] = k < part ? (uint8_t)(lcg(&seed) | 1) : l->junk ? 0xa5 : 0;
			if (!i && l->head)
				memcpy(buf + at, l->head, l->head_len);
			break;
		case 'z': ptr = cramfs_blkptr_direct(PAGE + 64 * i, false); break;
		case 'c': ptr = cramfs_blkptr_classic(PAGE + 64 * (i + 1), false); break;
		case 'r': ptr = cramfs_blkptr_classic(PAGE + 64 * (i + 1), true); break;
		case 'n': ptr = CRAMFS_BLK_FLAGS; break;
		case 'o': ptr = cramfs_blkptr_direct(len + 4 * PAGE, true); break;
		default: ck_abort_msg("layout letter '%c'", l->pages[i]); return NULL;
		}
		cramfs_put32(buf + 92 + 4 * i, ptr, CRAMFS_LITTLE_ENDIAN);
	}
	memcpy(sb.signature, CRAMFS_SIGNATURE, CRAMFS_SIGNATURE_LEN);
	sb.size = len;
	sb.root = (struct cramfs_inode){ .mode = S_IFDIR | 0755, .size = 16, .offset = CRAMFS_SUPER_SIZE };
	cramfs_super_pack(buf, &sb, CRAMFS_LITTLE_ENDIAN);
	cramfs_inode_pack(buf + CRAMFS_SUPER_SIZE, &file, CRAMFS_LITTLE_ENDIAN);
	memcpy(buf + CRAMFS_SUPER_SIZE + CRAMFS_INODE_SIZE, "file", 4);

	snprintf(path, sizeof(path), "%s/img", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
	ck_assert_int_eq(cramfs_image_open(path, &oo, &im), 0);
	return im;
}

/* ---- what a report says about the file ---- */

struct seen {
	int calls;
	enum cramfs_xip_rule rule;
	const char *mapping;
	uint32_t direct_pages, reason_page, run_pages;
	char reason[160];
	char runs[1024];        /* "first+count@block" ..., block the image offset in pages (":rest" if not whole) */
	char flash[MAX_PAGES + 1];  /* per page: 'F' from flash (cramfs_xip_page_from_flash), '.' not */
	size_t nsegments;
	struct { uint32_t direct_pages, reason_page; char reason[64]; } seg[4];
};

static int seen_cb(const struct cramfs_xip_file *f, void *arg)
{
	struct seen *s = arg;
	size_t used = 0;

	s->calls++;
	s->rule = f->rule;
	s->mapping = f->mapping == CRAMFS_MAP_ALL ? "all" : f->mapping == CRAMFS_MAP_PARTIAL ? "partial" : "none";
	s->direct_pages = f->direct_pages;
	s->reason_page = f->reason_page;
	s->run_pages = f->run_pages;
	snprintf(s->reason, sizeof(s->reason), "%s", f->reason ? f->reason : "-");
	s->runs[0] = 0;
	for (size_t i = 0; i < f->nruns && used < sizeof(s->runs) - 40; i++) {
		const struct cramfs_xip_run *u = &f->runs[i];

		used += (size_t)snprintf(s->runs + used, sizeof(s->runs) - used, "%s%u+%u@%u", i ? " " : "", u->first,
					 u->count, u->offset / PAGE);
		if (u->offset % PAGE)
			used += (size_t)snprintf(s->runs + used, sizeof(s->runs) - used, ":%u", u->offset % PAGE);
	}
	for (uint32_t p = 0; p < f->pages && p < MAX_PAGES; p++)
		s->flash[p] = cramfs_xip_page_from_flash(f, p) ? 'F' : '.';
	s->flash[f->pages < MAX_PAGES ? f->pages : MAX_PAGES] = 0;
	s->nsegments = f->nsegments;
	for (size_t i = 0; i < f->nsegments && i < 4; i++) {
		s->seg[i].direct_pages = f->segments[i].direct_pages;
		s->seg[i].reason_page = f->segments[i].reason_page;
		snprintf(s->seg[i].reason, sizeof(s->seg[i].reason), "%s",
			 f->segments[i].reason ? f->segments[i].reason : "-");
	}
	return 0;
}

static struct seen report(struct cramfs_image *im, enum cramfs_xip_rule rule, uint64_t phys)
{
	struct seen s = { 0 };
	struct cramfs_xip_totals t;

	if (rule == CRAMFS_XIP_RULE_PAGE)
		ck_assert_int_eq(cramfs_xip_report_page_at(im, phys, seen_cb, &s, &t), 0);
	else
		ck_assert_int_eq(cramfs_xip_report_at(im, phys, seen_cb, &s, &t), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.rule, rule);
	ck_assert_uint_eq(t.files, 1);
	ck_assert_uint_eq(t.run_pages, s.run_pages);
	ck_assert_uint_eq(t.files_all + t.files_partial + t.files_none, 1);
	return s;
}

/* What a report says of the file under one rule. */
struct want {
	const char *mapping;
	uint32_t direct;        /* direct_pages */
	const char *flash;      /* per page: F from flash, . not */
	const char *runs;       /* as seen_cb writes them */
	const char *reason;     /* "-": none */
	uint32_t reason_page;
};

/* The report under rule: what w says; what names the layout in the messages. */
static void expect(struct cramfs_image *im, enum cramfs_xip_rule rule, uint64_t phys, const char *what,
		   const struct want *w)
{
	struct seen s = report(im, rule, phys);
	const char *name = cramfs_xip_rule_name(rule);

	ck_assert_msg(!strcmp(s.mapping, w->mapping), "%s: %s rule: mapping %s, expected %s", what, name, s.mapping,
		      w->mapping);
	ck_assert_msg(s.direct_pages == w->direct, "%s: %s rule: %u direct pages, expected %u", what, name,
		      s.direct_pages, w->direct);
	ck_assert_msg(!strcmp(s.flash, w->flash), "%s: %s rule: from flash %s, expected %s", what, name, s.flash,
		      w->flash);
	ck_assert_msg(!strcmp(s.runs, w->runs), "%s: %s rule: runs '%s', expected '%s'", what, name, s.runs, w->runs);
	ck_assert_msg(!strcmp(s.reason, w->reason), "%s: %s rule: reason '%s', expected '%s'", what, name, s.reason,
		      w->reason);
	ck_assert_msg(s.reason_page == w->reason_page, "%s: %s rule: reason page %u, expected %u", what, name,
		      s.reason_page, w->reason_page);
}

#define PREFIX CRAMFS_XIP_RULE_PREFIX
#define PAGED CRAMFS_XIP_RULE_PAGE
#define LAYOUT "unsuitable block layout"
#define SHARED "last page is shared"
#define OUTSIDE "block outside the image"
#define MISALIGNED "data is not page aligned (image at physical address 0x20000800, 4096-byte pages)"

/* ---- the layouts ---- */

static const struct {
	const char *what;
	struct layout l;
	uint64_t phys;
	struct want prefix, page;
} layouts[] = {
	{ "direct pages alternating with compressed ones, stored one after the other",
	  { .pages = "dzdzdzdz", .size = 8 * PAGE - 300 }, 0,
	  { "partial", 1, "F.......", "0+1@2 2+1@3 4+1@4 6+1@5", LAYOUT, 1 },
	  { "partial", 4, "F.F.F.F.", "0+1@2 2+1@3 4+1@4 6+1@5", LAYOUT, 1 } },
	/* a mapping from page 1 would get pages 1-4 from a stock kernel, one from page 0 none */
	{ "a compressed first page, then direct ones",
	  { .pages = "zdddd", .size = 5 * PAGE - 10 }, 0,
	  { "none", 0, ".....", "1+4@2", LAYOUT, 0 },
	  { "partial", 4, ".FFFF", "1+4@2", LAYOUT, 0 } },
	/* pages 2-3 and 7-8 are neighbours in the file, not in flash: every run is a page long */
	{ "scattered direct pages stored in reverse",
	  { .pages = "dzddzzzddzzd", .size = 12 * PAGE - 1, .reverse = true }, 0,
	  { "partial", 1, "F...........", "0+1@7 2+1@6 3+1@5 7+1@4 8+1@3 11+1@2", LAYOUT, 1 },
	  { "partial", 6, "F.FF...FF..F", "0+1@7 2+1@6 3+1@5 7+1@4 8+1@3 11+1@2", LAYOUT, 1 } },
	{ "every page direct, stored in reverse",
	  { .pages = "dddd", .size = 4 * PAGE - 7, .reverse = true }, 0,
	  { "partial", 1, "F...", "0+1@5 1+1@4 2+1@3 3+1@2", LAYOUT, 1 },
	  { "all", 4, "FFFF", "0+1@5 1+1@4 2+1@3 3+1@2", "-", 0 } },
	{ "junk after the end of file",
	  { .pages = "ddd", .size = 3 * PAGE - 2048, .junk = true }, 0,
	  { "partial", 2, "FF.", "0+2@2", SHARED, 2 },
	  { "partial", 2, "FF.", "0+2@2", SHARED, 2 } },
	/* no run reaches the last page, and it is not direct on its own either */
	{ "junk after the end of file, the last page after a compressed one",
	  { .pages = "dzd", .size = 3 * PAGE - 2048, .junk = true }, 0,
	  { "partial", 1, "F..", "0+1@2", LAYOUT, 1 },
	  { "partial", 1, "F..", "0+1@2", LAYOUT, 1 } },
	{ "zeros after the end of file, the last page after a compressed one",
	  { .pages = "dzd", .size = 3 * PAGE - 2048 }, 0,
	  { "partial", 1, "F..", "0+1@2 2+1@3", LAYOUT, 1 },
	  { "partial", 2, "F.F", "0+1@2 2+1@3", LAYOUT, 1 } },
	{ "junk after a block, in a file that ends on a page boundary",
	  { .pages = "dd", .junk = true }, 0,
	  { "all", 2, "FF", "0+2@2", "-", 0 },
	  { "all", 2, "FF", "0+2@2", "-", 0 } },
	/* the stock kernel reads the bytes after EOF from flash, which the image does not say are zero */
	{ "the image ends with the file: its last page reaches past the end",
	  { .pages = "ddd", .size = 3 * PAGE - 2048, .cut = true }, 0,
	  { "partial", 2, "FF.", "0+2@2", SHARED, 2 },
	  { "partial", 2, "FF.", "0+2@2", OUTSIDE, 2 } },
	/* a stock kernel maps whatever is there */
	{ "a page in the middle pointing past the end of the image",
	  { .pages = "dod", .size = 3 * PAGE - 100 }, 0,
	  { "partial", 1, "F..", "0+1@2 1+1@8 2+1@3", LAYOUT, 1 },
	  { "partial", 2, "F.F", "0+1@2 2+1@3", OUTSIDE, 1 } },
	{ "classic, raw classic, direct zlib and direct at offset 0 pointers",
	  { .pages = "dcdrdzdnd", .size = 9 * PAGE - 5 }, 0,
	  { "partial", 1, "F........", "0+1@2 2+1@3 4+1@4 6+1@5 8+1@6", LAYOUT, 1 },
	  { "partial", 5, "F.F.F.F.F", "0+1@2 2+1@3 4+1@4 6+1@5 8+1@6", LAYOUT, 1 } },
	{ "every page direct, the image 2 KiB past a page boundary",
	  { .pages = "dddd", .size = 4 * PAGE - 50 }, 0x20000800,
	  { "none", 0, "....", "", MISALIGNED, 0 },
	  { "none", 0, "....", "", MISALIGNED, 0 } },
	{ "every page direct, the image at a page boundary",
	  { .pages = "dddd", .size = 4 * PAGE - 50 }, 0x20000000,
	  { "all", 4, "FFFF", "0+4@2", "-", 0 },
	  { "all", 4, "FFFF", "0+4@2", "-", 0 } },
	/* blocks 2 KiB past a page boundary: page aligned only with the image 2 KiB before one */
	{ "blocks 2 KiB past page boundaries",
	  { .pages = "dzdd", .size = 4 * PAGE - 50, .shift = 2048 }, 0,
	  { "none", 0, "....", "", "data is not page aligned", 0 },
	  { "none", 0, "....", "", "data is not page aligned", 0 } },
	{ "blocks 2 KiB past page boundaries, the image 2 KiB before one",
	  { .pages = "dzdd", .size = 4 * PAGE - 50, .shift = 2048 }, 0x800,
	  { "partial", 1, "F...", "0+1@2:2048 2+2@3:2048", LAYOUT, 1 },
	  { "partial", 3, "F.FF", "0+1@2:2048 2+2@3:2048", LAYOUT, 1 } },
	{ "every page direct",
	  { .pages = "dddddd", .size = 6 * PAGE - 1000 }, 0,
	  { "all", 6, "FFFFFF", "0+6@2", "-", 0 },
	  { "all", 6, "FFFFFF", "0+6@2", "-", 0 } },
	{ "every page compressed",
	  { .pages = "zzzzzz", .size = 6 * PAGE - 1000 }, 0,
	  { "none", 0, "......", "", LAYOUT, 0 },
	  { "none", 0, "......", "", LAYOUT, 0 } },
};

START_TEST(layout_under_both_rules)
{
	struct cramfs_image *im = make_image(&layouts[_i].l);

	expect(im, PREFIX, layouts[_i].phys, layouts[_i].what, &layouts[_i].prefix);
	expect(im, PAGED, layouts[_i].phys, layouts[_i].what, &layouts[_i].page);
	cramfs_image_close(im);
}
END_TEST

START_TEST(rule_names)
{
	ck_assert_str_eq(cramfs_xip_rule_name(CRAMFS_XIP_RULE_PREFIX), "prefix");
	ck_assert_str_eq(cramfs_xip_rule_name(CRAMFS_XIP_RULE_PAGE), "page");
	ck_assert_str_eq(cramfs_xip_rule_name(CRAMFS_XIP_RULE_NOMMU), "nommu");
	ck_assert_str_eq(cramfs_xip_rule_name((enum cramfs_xip_rule)7), "?");
}
END_TEST

START_TEST(random_direct_pages)
{
	uint32_t seed = 2024;

	for (int round = 0; round < 40; round++) {
		char pages[MAX_PAGES + 1], flash[MAX_PAGES + 1], runs[1024], reason[64];
		uint32_t slot[MAX_PAGES], rank[MAX_PAGES], n = 1 + lcg(&seed) % MAX_PAGES, nd = 0;
		uint32_t direct = 0, first_gap = n, prefix = 0;
		size_t used = 0;
		struct layout l = { .pages = pages, .size = n * PAGE - lcg(&seed) % PAGE, .slot = slot };
		struct cramfs_image *im;

		for (uint32_t i = 0; i < n; i++) {
			pages[i] = lcg(&seed) % 3 ? 'd' : 'z';
			if (pages[i] == 'd')
				rank[nd++] = i;
		}
		pages[n] = 0;
		/* the direct blocks in a random order: a shuffle of the ranks */
		for (uint32_t k = nd; k > 1; k--) {
			uint32_t j = lcg(&seed) % k, v = rank[k - 1];
			rank[k - 1] = rank[j];
			rank[j] = v;
		}
		for (uint32_t k = 0; k < nd; k++)
			slot[rank[k]] = k;

		/* what each rule makes of it, worked out from the layout alone */
		runs[0] = 0;
		for (uint32_t i = 0; i < n; i++) {
			bool d = pages[i] == 'd';
			bool joined = d && i && pages[i - 1] == 'd' && slot[i] == slot[i - 1] + 1;

			flash[i] = d ? 'F' : '.';
			direct += d;
			if (!d && first_gap == n)
				first_gap = i;
			if (d && !joined) {
				uint32_t c = 1;
				while (i + c < n && pages[i + c] == 'd' && slot[i + c] == slot[i + c - 1] + 1)
					c++;
				used += (size_t)snprintf(runs + used, sizeof(runs) - used, "%s%u+%u@%u", used ? " " : "",
							 i, c, 2 + slot[i]);
				if (!i)
					prefix = c;
			}
		}
		flash[n] = 0;
		snprintf(reason, sizeof(reason), "%s", direct == n ? "-" : LAYOUT);

		im = make_image(&l);
		expect(im, PAGED, 0, pages, &(struct want){ direct == n ? "all" : direct ? "partial" : "none", direct,
							     flash, runs, reason, direct == n ? 0 : first_gap });
		memset(flash, '.', n);
		memset(flash, 'F', prefix);
		expect(im, PREFIX, 0, pages, &(struct want){ prefix == n ? "all" : prefix ? "partial" : "none", prefix,
							      flash, runs, prefix == n ? "-" : LAYOUT,
							      prefix == n ? 0 : prefix });
		cramfs_image_close(im);
	}
}
END_TEST

/* A 64-bit little-endian ELF header with the PT_LOAD segments (offset, size, flags) given. */
static size_t elf_header(uint8_t *p, const uint64_t (*segs)[3], int n)
{
	memset(p, 0, 64 + 56 * (size_t)n);
	memcpy(p, "\x7f" "ELF", 4);
	p[4] = 2; p[5] = 1; p[6] = 1;                 /* ELFCLASS64, LSB, version */
	p[16] = 2;                                     /* ET_EXEC */
	p[18] = 62;                                    /* EM_X86_64 */
	p[20] = 1;
	p[32] = 64;                                    /* e_phoff */
	p[52] = 64;                                    /* e_ehsize */
	p[54] = 56;                                    /* e_phentsize */
	p[56] = (uint8_t)n;                            /* e_phnum */
	for (int i = 0; i < n; i++) {
		uint8_t *ph = p + 64 + 56 * i;

		ph[0] = 1;                             /* PT_LOAD */
		ph[4] = (uint8_t)segs[i][2];
		for (int b = 0; b < 8; b++) {
			ph[8 + b] = (uint8_t)(segs[i][0] >> 8 * b);     /* p_offset */
			ph[16 + b] = (uint8_t)(segs[i][0] >> 8 * b);    /* p_vaddr */
			ph[32 + b] = (uint8_t)(segs[i][1] >> 8 * b);    /* p_filesz */
			ph[40 + b] = (uint8_t)(segs[i][1] >> 8 * b);    /* p_memsz */
		}
	}
	return 64 + 56 * (size_t)n;
}

START_TEST(elf_segments)
{
	/* r-x over pages 0-4, rw- over pages 5-7 */
	static const uint64_t segs[][3] = { { 0, 5 * PAGE, 5 }, { 5 * PAGE, 3 * PAGE - 100, 6 } };
	uint8_t head[256];
	struct layout l = { .pages = "dzdddddd", .size = 8 * PAGE - 100, .head = head,
			    .head_len = elf_header(head, segs, 2) };
	struct cramfs_image *im = make_image(&l);
	struct seen s;

	/* the direct pages of the writable segment are not from flash: its mapping is private and writable */
	s = report(im, PREFIX, 0);
	ck_assert_str_eq(s.flash, "F.......");
	ck_assert_uint_eq(s.nsegments, 2);
	ck_assert_uint_eq(s.seg[0].direct_pages, 1);
	ck_assert_str_eq(s.seg[0].reason, LAYOUT);
	ck_assert_uint_eq(s.seg[0].reason_page, 1);
	ck_assert_uint_eq(s.seg[1].direct_pages, 0);
	ck_assert_str_eq(s.seg[1].reason, "writable");

	s = report(im, PAGED, 0);
	ck_assert_str_eq(s.flash, "F.FFF...");
	ck_assert_str_eq(s.runs, "0+1@2 2+6@3");
	ck_assert_uint_eq(s.nsegments, 2);
	ck_assert_uint_eq(s.seg[0].direct_pages, 4);
	ck_assert_str_eq(s.seg[0].reason, LAYOUT);
	ck_assert_uint_eq(s.seg[0].reason_page, 1);
	ck_assert_uint_eq(s.seg[1].direct_pages, 0);
	ck_assert_str_eq(s.seg[1].reason, "writable");
	cramfs_image_close(im);

	/* a read-only segment after a compressed page: all its pages from flash under the page rule */
	l.pages = "dzdddddz";
	im = make_image(&l);
	s = report(im, PAGED, 0);
	ck_assert_str_eq(s.flash, "F.FFF...");
	ck_assert_uint_eq(s.seg[0].direct_pages, 4);
	s = report(im, PREFIX, 0);
	ck_assert_str_eq(s.flash, "F.......");
	cramfs_image_close(im);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xip");
	TCase *tc = tcase_create("rules");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rule_names);
	tcase_add_loop_test(tc, layout_under_both_rules, 0, sizeof(layouts) / sizeof(layouts[0]));
	tcase_add_test(tc, random_direct_pages);
	tcase_add_test(tc, elf_segments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
