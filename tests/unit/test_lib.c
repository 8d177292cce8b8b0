// SPDX-License-Identifier: GPL-2.0-or-later
/* libcramfs: patterns, dedupe, XIP layout and block pointer choice, through real builds and reads. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "internal.h"

/* ---- helpers ---- */

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/cramfs-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *path_in(const char *rel)
{
	static char buf[4][512];
	static int k;
	char *p = buf[k++ % 4];
	snprintf(p, 512, "%s/%s", tmpdir, rel);
	return p;
}

static void put_file(const char *rel, const void *data, size_t len)
{
	int fd = open(path_in(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void fill_text(uint8_t *p, size_t n)
{
	static const char words[] = "cramfs maps pages straight from flash ";
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)words[i % (sizeof(words) - 1)];
}

static int build(const char *tree, const char *img, struct cramfs_build_options *o, struct cramfs_build_stats *st)
{
	int fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0644), err;
	ck_assert_int_ge(fd, 0);
	err = cramfs_build(tree, fd, o, st);
	close(fd);
	return err;
}

static struct cramfs_image *open_img(const char *img, uint32_t bs)
{
	struct cramfs_open_options oo = { .blksize = bs };
	struct cramfs_image *im;
	ck_assert_int_eq(cramfs_image_open(img, &oo, &im), 0);
	return im;
}

static uint64_t check_problems(struct cramfs_image *im, struct cramfs_check_result *r)
{
	struct cramfs_check_options co = { 0 };
	ck_assert_int_eq(cramfs_check(im, &co, r), 0);
	return r->problems;
}

struct found {
	const char *want;
	struct cramfs_entry e;
	struct cramfs_inode ino;
	bool hit;
};

static int find_cb(struct cramfs_image *im, const struct cramfs_entry *e, void *arg)
{
	struct found *f = arg;
	(void)im;
	if (!strcmp(e->path, f->want)) {
		f->ino = e->inode;
		f->e = *e;
		f->e.inode = f->ino;
		f->e.path = f->want;
		f->hit = true;
	}
	return 0;
}

static struct found find(struct cramfs_image *im, const char *path)
{
	struct found f = { .want = path };
	ck_assert_int_eq(cramfs_image_walk(im, find_cb, &f), 0);
	ck_assert_msg(f.hit, "%s not in the image", path);
	return f;
}

static uint32_t ptr_of(struct cramfs_image *im, const struct found *f, uint32_t i)
{
	return img_get32(im, f->ino.offset + 4ull * i);
}

/* A minimal 64-bit little-endian ELF: one read-only PT_LOAD over [0, ro_len), then data. */
static void put_elf(const char *rel, size_t total, size_t ro_len, uint32_t seed)
{
	uint8_t *p = malloc(total);
	fill_random(p, total, seed);
	memset(p, 0, 64 + 56);
	memcpy(p, "\x7f" "ELF", 4);
	p[4] = 2; p[5] = 1; p[6] = 1;                 /* ELFCLASS64, LSB, version */
	p[16] = 2;                                     /* ET_EXEC */
	p[18] = 62;                                    /* EM_X86_64 */
	p[20] = 1;
	p[32] = 64;                                    /* e_phoff */
	p[52] = 64;                                    /* e_ehsize */
	p[54] = 56;                                    /* e_phentsize */
	p[56] = 1;                                     /* e_phnum */
	uint8_t *ph = p + 64;
	ph[0] = 1;                                     /* PT_LOAD */
	ph[4] = 5;                                     /* PF_R | PF_X */
	memcpy(ph + 32, &(uint64_t){ ro_len }, 8);     /* p_filesz (host is little-endian in CI; checked below) */
	memcpy(ph + 40, &(uint64_t){ ro_len }, 8);     /* p_memsz */
	put_file(rel, p, total);
	free(p);
}

/* ---- patterns ---- */

START_TEST(patterns)
{
	static const struct { const char *pat, *path; bool want; } t[] = {
		{ "/usr/lib/*.so", "/usr/lib/libc.so", true },
		{ "/usr/lib/*.so", "/usr/lib/x/libc.so", false },
		{ "/usr/**.so", "/usr/lib/x/libc.so", true },
		{ "/usr/**/*.so", "/usr/lib/x/libc.so", true },
		{ "*.ttf", "/usr/share/fonts/a/DejaVu.ttf", true },
		{ "*.ttf", "/usr/share/fonts/a/DejaVu.ttf.gz", false },
		{ "/opt/app", "/opt/app/bin/tool", true },
		{ "/opt/app", "/opt/application", false },
		{ "fonts", "/usr/share/fonts/x.pcf", true },
		{ "/bin/?ash", "/bin/bash", true },
		{ "/bin/?ash", "/bin/ash", false },
		{ "/bin/[bd]ash", "/bin/dash", true },
		{ "/bin/[!bd]ash", "/bin/dash", false },
		{ "/bin/[a-c]*", "/bin/busybox", true },
		{ "/a\\*b", "/a*b", true },
		{ "/a\\*b", "/axb", false },
		{ "/lib/[", "/lib/[", true },
		{ "/x/*", "/x/", true },
		/* the root is no entry: the empty pattern and a trailing '/' match nothing */
		{ "/", "/anything", false },
		{ "/", "/", false },
		{ "", "/anything", false },
		{ "", "/", false },
		{ "/usr/", "/usr/lib/libc.so", false },
		{ "/usr/", "/usr", false },
		{ "*", "/", false },
		{ "*", "/anything", true },
		{ "/**", "/a/b", true },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(cr_pattern_match(t[i].pat, t[i].path) == t[i].want, "'%s' vs '%s': expected %d",
			      t[i].pat, t[i].path, t[i].want);
}
END_TEST

/* ---- extended attributes cramfs cannot store ---- */

struct captured {
	enum cramfs_level level[8];
	char text[8][512];
	int n;
};

static void capture(void *ctx, enum cramfs_level level, const char *text)
{
	struct captured *c = ctx;

	ck_assert_int_lt(c->n, 8);
	c->level[c->n] = level;
	snprintf(c->text[c->n], sizeof(c->text[c->n]), "%s", text);
	c->n++;
}

/* The grouping fed directly: setting security.selinux needs privileges a test may not have. */
START_TEST(lost_attrs_grouped)
{
	static const char *const labelled[] = { "/usr/bin/z", "/etc", "/bin/sh", "/", "/bin/a", "/bin-x" };
	struct cramfs_build_options o;
	struct captured cap = { .n = 0 };
	struct build b = { .opts = &o, .log = &o.log };
	char path[32];

	cramfs_build_options_init(&o);
	o.log.fn = capture;
	o.log.ctx = &cap;
	o.log.max_level = CRAMFS_DEBUG;
	for (size_t i = 0; i < sizeof(labelled) / sizeof(labelled[0]); i++)
		ck_assert_int_eq(cr_lost_attr_add(&b, "security.selinux", labelled[i], NULL), 0);
	ck_assert_int_eq(cr_lost_attr_add(&b, "security.capability", "/bin/ping", "cap_net_raw=ep"), 0);
	/* 1000 entries in a scrambled order: the first three in byte order are kept */
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/f%03u", (i * 7919u + 13u) % 1000u);
		ck_assert_int_eq(cr_lost_attr_add(&b, "user.note", path, NULL), 0);
	}

	ck_assert_int_eq(cr_lost_attrs_report(&b), 0);
	ck_assert_int_eq(cap.n, 3);   /* one line per attribute, by name */
	ck_assert_str_eq(cap.text[0], "file capabilities (security.capability) not stored, cramfs has no extended "
			 "attributes: 1 entry: /bin/ping (cap_net_raw=ep)");
	ck_assert_str_eq(cap.text[1], "SELinux labels (security.selinux) not stored, cramfs has no extended "
			 "attributes: 6 entries: /, /bin-x, /bin/a and 3 more (the target's policy labels a cramfs "
			 "mount as a whole)");
	ck_assert_str_eq(cap.text[2], "user.note not stored, cramfs has no extended attributes: 1000 entries: "
			 "/f000, /f001, /f002 and 997 more");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(cap.level[i], CRAMFS_WARNING);

	/* -E: errors for all but the SELinux labels; --fatal-selinux: for those */
	ck_assert(!cr_lost_attr_fails(&b, "user.note"));
	o.warnings_fatal = true;
	ck_assert(cr_lost_attr_fails(&b, "security.capability"));
	ck_assert(cr_lost_attr_fails(&b, "system.posix_acl_access"));
	ck_assert(cr_lost_attr_fails(&b, "user.note"));
	ck_assert(cr_lost_attr_fails(&b, "trusted.x"));
	ck_assert(!cr_lost_attr_fails(&b, "security.selinux"));
	cap.n = 0;
	ck_assert_int_eq(cr_lost_attrs_report(&b), 0);
	ck_assert_int_eq(cap.level[0], CRAMFS_ERROR);
	ck_assert_int_eq(cap.level[1], CRAMFS_WARNING);
	ck_assert_int_eq(cap.level[2], CRAMFS_ERROR);
	o.warnings_fatal = false;
	o.selinux_fatal = true;
	ck_assert(cr_lost_attr_fails(&b, "security.selinux"));
	ck_assert(!cr_lost_attr_fails(&b, "security.capability"));
	cap.n = 0;
	ck_assert_int_eq(cr_lost_attrs_report(&b), 0);
	ck_assert_int_eq(cap.level[1], CRAMFS_ERROR);
	ck_assert_str_eq(cap.text[1], "SELinux labels (security.selinux) not stored, cramfs has no extended "
			 "attributes: 6 entries: /, /bin-x, /bin/a and 3 more");
	cr_lost_attrs_free(&b);
}
END_TEST

START_TEST(hash_is_stable_and_spreads)
{
	uint8_t a[1000], b[1000];
	fill_random(a, sizeof(a), 1);
	memcpy(b, a, sizeof(b));
	ck_assert_uint_eq(cr_hash64(0, a, sizeof(a)), cr_hash64(0, b, sizeof(b)));
	b[999] ^= 1;
	ck_assert_uint_ne(cr_hash64(0, a, sizeof(a)), cr_hash64(0, b, sizeof(b)));
	b[999] ^= 1;
	b[0] ^= 0x80;
	ck_assert_uint_ne(cr_hash64(0, a, sizeof(a)), cr_hash64(0, b, sizeof(b)));
	/* lengths matter, even with zero bytes */
	ck_assert_uint_ne(cr_hash64(0, "\0\0", 1), cr_hash64(0, "\0\0", 2));
}
END_TEST

/* ---- builds ---- */

START_TEST(dedupe_shares_data_and_checks_clean)
{
	uint8_t data[10000];
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;

	mkdir(path_in("t"), 0755);
	mkdir(path_in("t/d"), 0755);
	fill_text(data, sizeof(data));
	put_file("t/a", data, sizeof(data));
	put_file("t/d/b", data, sizeof(data));
	data[9999] ^= 1;
	put_file("t/c", data, sizeof(data));    /* same size, one byte differs */
	cramfs_build_options_init(&o);
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	ck_assert_uint_eq(st.dedupe_files, 1);
	ck_assert_uint_eq(st.dedupe_bytes, sizeof(data));

	im = open_img(path_in("img"), 0);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	ck_assert_uint_eq(find(im, "/a").ino.offset, find(im, "/d/b").ino.offset);
	ck_assert_uint_ne(find(im, "/a").ino.offset, find(im, "/c").ino.offset);
	cramfs_image_close(im);
}
END_TEST

START_TEST(dedupe_needs_same_mode_and_owner)
{
	uint8_t data[5000];
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;

	mkdir(path_in("t"), 0755);
	fill_text(data, sizeof(data));
	put_file("t/a", data, sizeof(data));
	put_file("t/b", data, sizeof(data));
	put_file("t/c", data, sizeof(data));
	ck_assert_int_eq(chmod(path_in("t/b"), 0755), 0);   /* same bytes, another mode */
	cramfs_build_options_init(&o);
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	ck_assert_uint_eq(st.dedupe_files, 1);
	im = open_img(path_in("img"), 0);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	ck_assert_uint_eq(find(im, "/a").ino.offset, find(im, "/c").ino.offset);
	ck_assert_uint_ne(find(im, "/a").ino.offset, find(im, "/b").ino.offset);
	cramfs_image_close(im);
}
END_TEST

START_TEST(shared_blocks_point_at_one_copy)
{
	static uint8_t one[3 * 4096], two[2 * 4096 + 100];
	uint8_t back[sizeof(one)];
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;
	struct found fa, fb;

	mkdir(path_in("t"), 0755);
	fill_text(one, sizeof(one));
	fill_random(one + 4096, 4096, 9);            /* a block of its own in the middle */
	memcpy(two, one + 4096, 4096);               /* the same block, first in another file */
	fill_random(two + 4096, 4096 + 100, 10);
	put_file("t/one", one, sizeof(one));
	put_file("t/two", two, sizeof(two));
	cramfs_build_options_init(&o);
	o.share_blocks = true;
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	ck_assert_uint_eq(st.shared_blocks, 1);
	im = open_img(path_in("img"), 4096);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	ck_assert(cramfs_image_info(im)->super.flags & CRAMFS_FLAG_EXT_BLOCK_POINTERS);
	fa = find(im, "/one");
	fb = find(im, "/two");
	/* both point at one stored copy, in the direct format */
	ck_assert_uint_eq(ptr_of(im, &fa, 1) & CRAMFS_BLK_FLAGS, CRAMFS_BLK_FLAG_DIRECT_PTR);
	ck_assert_uint_eq(ptr_of(im, &fa, 1), ptr_of(im, &fb, 0));
	ck_assert_int_eq(cramfs_image_read(im, &fa.e, back), 0);
	ck_assert_mem_eq(back, one, sizeof(one));
	ck_assert_int_eq(cramfs_image_read(im, &fb.e, back), 0);
	ck_assert_mem_eq(back, two, sizeof(two));
	cramfs_image_close(im);

	/* without sharing: a classic image, with the block stored twice */
	o.share_blocks = false;
	ck_assert_int_eq(build(path_in("t"), path_in("img2"), &o, &st), 0);
	ck_assert_uint_eq(st.shared_blocks, 0);
	im = open_img(path_in("img2"), 4096);
	ck_assert(!(cramfs_image_info(im)->super.flags & CRAMFS_FLAG_EXT_BLOCK_POINTERS));
	cramfs_image_close(im);
}
END_TEST

START_TEST(xip_layout_and_last_page_workaround)
{
	static uint8_t data[4 * 4096];
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;
	const char *pats[] = { "/xip*", NULL };
	uint8_t back[sizeof(data)];
	struct found f;

	mkdir(path_in("t"), 0755);
	fill_random(data, sizeof(data), 7);
	put_file("t/xip4", data, 4 * 4096);          /* page multiple */
	put_file("t/xip3h", data, 3 * 4096 - 100);    /* partial last page */
	put_file("t/plain", data, 4 * 4096);          /* same bytes, other layout: not merged */
	cramfs_build_options_init(&o);
	o.xip = CRAMFS_XIP_MMU;
	o.xip_patterns = pats;
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	ck_assert_uint_eq(st.dedupe_files, 0);
	ck_assert_uint_eq(st.xip_pages, 3 + 3);

	im = open_img(path_in("img"), 4096);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	ck_assert(cramfs_image_info(im)->super.flags & CRAMFS_FLAG_EXT_BLOCK_POINTERS);

	f = find(im, "/xip4");
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t p = ptr_of(im, &f, i);
		ck_assert_uint_eq(p & CRAMFS_BLK_FLAGS, CRAMFS_BLK_FLAGS);
		ck_assert_uint_eq(cramfs_blkptr_direct_start(p) % 4096, 0);
		ck_assert_uint_eq(cramfs_blkptr_direct_start(p), cramfs_blkptr_direct_start(ptr_of(im, &f, 0)) + i * 4096);
	}
	/* the last page: classic uncompressed, right after page 2 */
	ck_assert_uint_eq(ptr_of(im, &f, 3), (uint32_t)(cramfs_blkptr_direct_start(ptr_of(im, &f, 2)) + 2 * 4096) |
					   CRAMFS_BLK_FLAG_UNCOMPRESSED);
	ck_assert_int_eq(cramfs_image_read(im, &f.e, back), 0);
	ck_assert_mem_eq(back, data, 4 * 4096);

	/* partial last page: direct, zero padded to the page end */
	f = find(im, "/xip3h");
	{
		uint32_t p = ptr_of(im, &f, 2);
		uint64_t start = cramfs_blkptr_direct_start(p);
		ck_assert_uint_eq(p & CRAMFS_BLK_FLAGS, CRAMFS_BLK_FLAGS);
		for (uint64_t k = 4096 - 100; k < 4096; k++)
			ck_assert_uint_eq(im->map[start + k], 0);
	}
	ck_assert_int_eq(cramfs_image_read(im, &f.e, back), 0);
	ck_assert_mem_eq(back, data, 3 * 4096 - 100);

	f = find(im, "/plain");
	ck_assert(!(ptr_of(im, &f, 0) & CRAMFS_BLK_FLAGS));
	cramfs_image_close(im);

	/* for kernels with the fix, the last page is direct too */
	o.xip_direct_last_page = true;
	ck_assert_int_eq(build(path_in("t"), path_in("img2"), &o, &st), 0);
	ck_assert_uint_eq(st.xip_pages, 4 + 3);
	im = open_img(path_in("img2"), 4096);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	ck_assert_uint_eq(r.warnings, 1);   /* the stock kernel's read bug is reported */
	f = find(im, "/xip4");
	ck_assert_uint_eq(ptr_of(im, &f, 3) & CRAMFS_BLK_FLAGS, CRAMFS_BLK_FLAGS);
	cramfs_image_close(im);
}
END_TEST

/* The report for an image at a physical address: flash base plus partition offset. */
struct xip_seen {
	uint32_t direct_pages, run_pages;
	char reason[160];
};

static int xip_seen_cb(const struct cramfs_xip_file *f, void *arg)
{
	struct xip_seen *s = arg;
	s->direct_pages = f->direct_pages;
	s->run_pages = f->run_pages;
	snprintf(s->reason, sizeof(s->reason), "%s", f->reason ? f->reason : "");
	return 0;
}

static struct xip_seen xip_at(struct cramfs_image *im, uint64_t phys)
{
	struct xip_seen s = { 0 };
	struct cramfs_xip_totals t;
	ck_assert_int_eq(cramfs_xip_report_at(im, phys, xip_seen_cb, &s, &t), 0);
	ck_assert_uint_eq(t.files, 1);
	return s;
}

START_TEST(xip_report_at_physical_address)
{
	static uint8_t data[3 * 4096 - 100];
	const char *pats[] = { "/xip", NULL };
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_image *im;
	struct xip_seen s;
	struct found f;
	uint64_t start;

	mkdir(path_in("t"), 0755);
	fill_random(data, sizeof(data), 11);
	put_file("t/xip", data, sizeof(data));
	cramfs_build_options_init(&o);
	o.xip = CRAMFS_XIP_MMU;
	o.xip_patterns = pats;
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	im = open_img(path_in("img"), 4096);

	/* at 0, or at any page-aligned address: all three pages, as cramfs_xip_report() says */
	for (uint64_t phys = 0; phys <= 0x40000000; phys += 0x20000000) {
		s = xip_at(im, phys);
		ck_assert_uint_eq(s.direct_pages, 3);
		ck_assert_str_eq(s.reason, "");
		ck_assert(cramfs_xip_phys_aligned(im, phys));
	}
	/* 2 KiB off: the image mounts, and nothing maps directly; the reason names the address */
	ck_assert(!cramfs_xip_phys_aligned(im, 0x20000800));
	s = xip_at(im, 0x20000800);
	ck_assert_uint_eq(s.direct_pages, 0);
	ck_assert_uint_eq(s.run_pages, 0);
	ck_assert_str_eq(s.reason, "data is not page aligned (image at physical address 0x20000800, 4096-byte pages)");
	/* the kernel's sum is 64 bits wide: an address near the top still just adds */
	ck_assert(!cramfs_xip_phys_aligned(im, UINT64_MAX));
	ck_assert_uint_eq(xip_at(im, UINT64_MAX - 4095).direct_pages, 3);
	cramfs_image_close(im);

	/*
	 * An image aligned to 8 bytes (--nommu): its run maps at exactly the
	 * addresses that make the run's start page aligned, and the reason
	 * there is the kernel's own.
	 */
	o.xip = CRAMFS_XIP_NOMMU;
	ck_assert_int_eq(build(path_in("t"), path_in("img8"), &o, &st), 0);
	im = open_img(path_in("img8"), 4096);
	f = find(im, "/xip");
	start = cramfs_blkptr_direct_start(ptr_of(im, &f, 0));
	ck_assert_uint_ne(start % 4096, 0);
	s = xip_at(im, 0);
	ck_assert_uint_eq(s.direct_pages, 0);
	ck_assert_str_eq(s.reason, "data is not page aligned");
	s = xip_at(im, 0x20000000 + 4096 - start % 4096);
	ck_assert_uint_gt(s.direct_pages, 0);
	cramfs_image_close(im);
}
END_TEST

START_TEST(elf_pages_direct_rest_packed)
{
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;
	struct found f;
	uint16_t probe = 1;

	ck_assert_msg(*(uint8_t *)&probe == 1, "this test writes its ELF in host order and expects little-endian");
	mkdir(path_in("t"), 0755);
	/* 5 pages; read-only segment over 2.5 pages -> pages 0..2 direct, 3..4 packed */
	put_elf("t/prog", 5 * 4096, 2 * 4096 + 2048, 3);
	cramfs_build_options_init(&o);
	o.xip = CRAMFS_XIP_MMU;
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	ck_assert_uint_eq(st.xip_files, 1);
	ck_assert_uint_eq(st.xip_pages, 3);
	im = open_img(path_in("img"), 4096);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	f = find(im, "/prog");
	for (uint32_t i = 0; i < 3; i++)
		ck_assert_uint_eq(ptr_of(im, &f, i) & CRAMFS_BLK_FLAGS, CRAMFS_BLK_FLAGS);
	/*
	 * The pointer table sits ahead of the XIP region, whose last page ends
	 * where packed data starts: the next block follows it, classic.
	 */
	ck_assert_uint_eq(f.ino.offset, 76 + 12 + 4);
	ck_assert_uint_eq(ptr_of(im, &f, 3) & CRAMFS_BLK_FLAGS, 0);
	/* and the block after that follows its predecessor: classic */
	ck_assert_uint_eq(ptr_of(im, &f, 4) & CRAMFS_BLK_FLAGS, 0);
	cramfs_image_close(im);
}
END_TEST

START_TEST(big_blocks_incompressible_last_block)
{
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;
	struct found f;
	uint8_t *back = malloc(2 * 65536), *want = malloc(2 * 65536);
	int fd;

	mkdir(path_in("t"), 0755);
	/* 2 blocks of 64 KiB: block 0 read-only ELF, block 1 random (does not fit a 16-bit length) */
	put_elf("t/prog", 2 * 65536, 65536, 11);
	cramfs_build_options_init(&o);
	o.blksize = 65536;
	o.xip = CRAMFS_XIP_MMU;
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	im = open_img(path_in("img"), 65536);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	ck_assert_uint_eq(r.warnings, 0);
	f = find(im, "/prog");
	ck_assert_uint_eq(ptr_of(im, &f, 0) & CRAMFS_BLK_FLAGS, CRAMFS_BLK_FLAGS);
	/* not direct raw (the kernel would read zeros): raw behind a classic pointer, after block 0 */
	ck_assert_uint_eq(ptr_of(im, &f, 1), (uint32_t)(cramfs_blkptr_direct_start(ptr_of(im, &f, 0)) + 2 * 65536) |
					   CRAMFS_BLK_FLAG_UNCOMPRESSED);
	ck_assert_int_eq(cramfs_image_read(im, &f.e, back), 0);
	fd = open(path_in("t/prog"), O_RDONLY);
	ck_assert_int_eq(read(fd, want, 2 * 65536), 2 * 65536);
	close(fd);
	ck_assert_mem_eq(back, want, 2 * 65536);
	cramfs_image_close(im);
	free(back);
	free(want);
}
END_TEST

START_TEST(holes_raw_and_determinism)
{
	static uint8_t data[3 * 4096];
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;
	char cmd[1200];

	mkdir(path_in("t"), 0755);
	fill_random(data, sizeof(data), 5);
	memset(data + 4096, 0, 4096);
	put_file("t/holey", data, sizeof(data));
	cramfs_build_options_init(&o);
	o.holes = true;
	o.raw_if_larger = true;
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	im = open_img(path_in("img"), 4096);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	ck_assert_uint_eq(r.holes, 1);
	ck_assert_uint_eq(r.raw_blocks, 2);
	ck_assert(cramfs_image_info(im)->super.flags & CRAMFS_FLAG_HOLES);
	cramfs_image_close(im);

	ck_assert_int_eq(build(path_in("t"), path_in("img2"), &o, &st), 0);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", path_in("img"), path_in("img2"));
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(big_endian_image_reads)
{
	uint8_t data[9000], back[9000];
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	struct cramfs_check_result r;
	struct cramfs_image *im;
	struct found f;

	mkdir(path_in("t"), 0755);
	fill_text(data, sizeof(data));
	put_file("t/f", data, sizeof(data));
	cramfs_build_options_init(&o);
	o.endian = CRAMFS_BIG_ENDIAN;
	o.blksize = 16384;
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), 0);
	im = open_img(path_in("img"), 0);
	ck_assert_int_eq(cramfs_image_info(im)->endian, CRAMFS_BIG_ENDIAN);
	ck_assert_uint_eq(check_problems(im, &r), 0);
	f = find(im, "/f");
	ck_assert_int_eq(cramfs_image_read(im, &f.e, back), 0);
	ck_assert_mem_eq(back, data, sizeof(data));
	cramfs_image_close(im);
}
END_TEST

START_TEST(limits_refuse_without_output)
{
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	char name[300];
	int fd;

	mkdir(path_in("t"), 0755);
	fd = open(path_in("t/big"), O_WRONLY | O_CREAT, 0644);
	ck_assert_int_eq(ftruncate(fd, 16 << 20), 0);
	close(fd);
	cramfs_build_options_init(&o);
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), -EFBIG);
	unlink(path_in("t/big"));
	memset(name, 'n', 253);
	strcpy(name + 253, "");
	{
		char rel[320];
		snprintf(rel, sizeof(rel), "t/%s", name);
		put_file(rel, "x", 1);
	}
	ck_assert_int_eq(build(path_in("t"), path_in("img"), &o, &st), -EFBIG);
}
END_TEST

/* ---- an image that changes while it is read ---- */

/* The log of a check: every message kept; the file is cut when the entry named cut_at is listed. */
struct changing {
	char text[8192];
	const char *path, *cut_at;
	off_t cut_to;
};

static void changing_log(void *ctx, enum cramfs_level level, const char *msg)
{
	struct changing *ch = ctx;
	size_t len = strlen(ch->text), n = strlen(msg);

	(void)level;
	if (len + n + 2 < sizeof(ch->text)) {
		memcpy(ch->text + len, msg, n);
		strcpy(ch->text + len + n, "\n");
	}
	/* "file    0644 ... /z": the listing of that entry, before its data is read */
	if (ch->cut_at && n >= strlen(ch->cut_at) && !strcmp(msg + n - strlen(ch->cut_at), ch->cut_at)) {
		ck_assert_int_eq(truncate(ch->path, ch->cut_to), 0);
		ch->cut_at = NULL;
	}
}

/* A tree of two small files and, last, /z of 100 distinct compressed blocks; the image at path. */
static void changing_image(const char *path)
{
	struct cramfs_build_options o;
	struct cramfs_build_stats st;
	uint8_t *z = malloc(100 * 4096);

	mkdir(path_in("t"), 0755);
	put_file("t/a", "first\n", 6);
	put_file("t/b", "second\n", 7);
	fill_random(z, 100 * 4096, 9);
	put_file("t/z", z, 100 * 4096);
	free(z);
	cramfs_build_options_init(&o);
	ck_assert_int_eq(build(path_in("t"), path, &o, &st), 0);
}

static int extract_one(struct cramfs_image *im)
{
	struct cramfs_extract_options xo = { 0 };
	struct cramfs_extract_result xr;

	return cramfs_extract(im, path_in("x"), &xo, &xr);
}

START_TEST(image_truncated_while_inflating)
{
	char img[512];
	uint8_t *back = malloc(100 * 4096);
	struct cramfs_xip_totals t;

	strcpy(img, path_in("img"));
	changing_image(img);
	for (unsigned threads = 1; threads <= 2; threads++) {
		char cut[512];
		struct changing ch = { .path = strcpy(cut, path_in("cut.img")), .cut_at = " /z" };
		struct cramfs_check_options co = { .threads = threads, .verbose_listing = true };
		struct cramfs_open_options oo = { .blksize = 4096 };
		struct cramfs_check_result r;
		struct cramfs_image *im;
		struct found z;
		char cmd[1200];

		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", img, ch.path);
		ck_assert_int_eq(system(cmd), 0);
		oo.log = co.log = (struct cramfs_log){ changing_log, &ch, CRAMFS_INFO };
		ck_assert_int_eq(cramfs_image_open(ch.path, &oo, &im), 0);
		z = find(im, "/z");
		/* keep /z's pointer table and the page after it; its 100 blocks go on well past that */
		ch.cut_to = (off_t)align_up(z.ino.offset + 4 * 100 + 4096, 4096);
		ck_assert_uint_lt(ch.cut_to + 8192, im->map_len);
		/* the walk collects /z's blocks; they are inflated, on the pool with 2 threads, after it */
		ck_assert_int_eq(cramfs_check(im, &co, &r), -ESTALE);
		ck_assert_ptr_null(ch.cut_at);
		ck_assert_msg(strstr(ch.text, "cut.img: image changed while being read: it has "), "%s", ch.text);
		ck_assert_msg(strstr(ch.text, " when opened (byte "), "%s", ch.text);
		/* from now on every call fails at once; the message was said once */
		ck_assert_int_eq(cramfs_check(im, &co, &r), -ESTALE);
		ck_assert_int_eq(cramfs_image_read(im, &z.e, back), -ESTALE);
		ck_assert_int_eq(cramfs_image_walk(im, find_cb, &z), -ESTALE);
		ck_assert_int_eq(cramfs_xip_report(im, NULL, NULL, &t), -ESTALE);
		ck_assert_int_eq(extract_one(im), -ESTALE);
		ck_assert_ptr_null(strstr(strstr(ch.text, "changed while") + 1, "changed while"));
		cramfs_image_close(im);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path_in("x"));
		ck_assert_int_eq(system(cmd), 0);
	}
	free(back);
}
END_TEST

START_TEST(image_truncated_before_reading)
{
	char img[512];
	uint8_t *back = malloc(100 * 4096);
	struct changing ch = { .path = img };
	struct cramfs_open_options oo = { .blksize = 4096, .log = { changing_log, &ch, CRAMFS_WARNING } };
	struct cramfs_check_options co = { .log = oo.log };
	struct cramfs_check_result r;
	struct cramfs_image *im;
	struct found z;

	strcpy(img, path_in("img"));
	changing_image(img);
	/* the CRC reads the whole image first */
	ck_assert_int_eq(cramfs_image_open(img, &oo, &im), 0);
	ck_assert_int_eq(truncate(img, 4096), 0);
	ck_assert_int_eq(cramfs_check(im, &co, &r), -ESTALE);
	ck_assert_msg(strstr(ch.text, "img: image changed while being read: it has 4096 bytes now"), "%s", ch.text);
	cramfs_image_close(im);

	/* a file's data, read for itself */
	strcat(img, "2");
	changing_image(img);
	ck_assert_int_eq(cramfs_image_open(ch.path, &oo, &im), 0);
	z = find(im, "/z");
	ck_assert_int_eq(truncate(ch.path, 8192), 0);
	ch.text[0] = '\0';
	ck_assert_int_eq(cramfs_image_read(im, &z.e, back), -ESTALE);
	ck_assert_msg(strstr(ch.text, "img2: image changed while being read: it has 8192 bytes now"), "%s", ch.text);
	cramfs_image_close(im);

	free(back);
}
END_TEST

START_TEST(image_rewritten_while_read)
{
	char img[512];
	struct changing ch = { .path = img };
	struct cramfs_open_options oo = { .blksize = 4096, .log = { changing_log, &ch, CRAMFS_WARNING } };
	struct cramfs_check_options co = { .log = oo.log };
	struct cramfs_check_result r;
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct cramfs_image *im;
	int fd;

	strcpy(img, path_in("img"));
	changing_image(img);
	/* a modification time well in the past, so that the write below changes it */
	ck_assert_int_eq(utimensat(AT_FDCWD, img, old, 0), 0);
	ck_assert_int_eq(cramfs_image_open(img, &oo, &im), 0);
	fd = open(img, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "\xff", 1, (off_t)im->map_len - 1), 1);
	close(fd);
	ck_assert_int_eq(cramfs_check(im, &co, &r), -ESTALE);
	ck_assert_msg(strstr(ch.text, "img: image changed while being read (its size or modification time"), "%s",
		      ch.text);
	cramfs_image_close(im);
}
END_TEST

/* A SIGBUS that is not an image's still ends the process, once the reader's handler is installed. */
START_TEST(other_sigbus_still_kills)
{
	char img[512];

	strcpy(img, path_in("img"));
	changing_image(img);
	for (int how = 0; how < 2; how++) {
		pid_t pid = fork();
		int status;

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct cramfs_image *im = open_img(img, 4096);
			int fd = open(path_in("other"), O_RDWR | O_CREAT | O_TRUNC, 0644);
			volatile const uint8_t *p;

			if (fd < 0 || ftruncate(fd, 8192) < 0)
				_exit(3);
			p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED || ftruncate(fd, 0) < 0)
				_exit(3);
			if (how == 0)
				(void)p[4096];          /* a fault in a mapping that is not the image's */
			else
				kill(getpid(), SIGBUS); /* sent, not a fault */
			cramfs_image_close(im);
			_exit(0);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS, "how %d: status 0x%x", how, status);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib");
	TCase *tc = tcase_create("lib");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, patterns);
	tcase_add_test(tc, lost_attrs_grouped);
	tcase_add_test(tc, hash_is_stable_and_spreads);
	tcase_add_test(tc, dedupe_shares_data_and_checks_clean);
	tcase_add_test(tc, dedupe_needs_same_mode_and_owner);
	tcase_add_test(tc, shared_blocks_point_at_one_copy);
	tcase_add_test(tc, xip_layout_and_last_page_workaround);
	tcase_add_test(tc, xip_report_at_physical_address);
	tcase_add_test(tc, elf_pages_direct_rest_packed);
	tcase_add_test(tc, big_blocks_incompressible_last_block);
	tcase_add_test(tc, holes_raw_and_determinism);
	tcase_add_test(tc, big_endian_image_reads);
	tcase_add_test(tc, limits_refuse_without_output);
	tcase_add_test(tc, image_truncated_while_inflating);
	tcase_add_test(tc, image_truncated_before_reading);
	tcase_add_test(tc, image_rewritten_while_read);
	tcase_add_test(tc, other_sigbus_still_kills);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
