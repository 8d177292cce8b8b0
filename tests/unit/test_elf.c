// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the ELF program header reader (lib/elf.c).
 *
 * Images are built in memory by a small writer below, in both classes and
 * both byte orders, and always into buffers of exactly their size so that
 * AddressSanitizer sees any read past the end.
 */
#include "elf.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- constants from the ELF specification ---- */

#define PT_NULL		0u
#define PT_LOAD		1u
#define PT_DYNAMIC	2u
#define PT_INTERP	3u
#define PT_NOTE		4u
#define PT_PHDR		6u
#define PT_GNU_EH_FRAME	0x6474e550u
#define PT_GNU_STACK	0x6474e551u
#define PT_GNU_RELRO	0x6474e552u
#define PT_ARM_EXIDX	0x70000001u

#define PF_X		1u
#define PF_W		2u
#define PF_R		4u

#define ET_REL		1u
#define ET_EXEC		2u
#define ET_DYN		3u
#define ET_CORE		4u

#define EM_386		3u
#define EM_MIPS		8u
#define EM_PPC64	21u
#define EM_ARM		40u
#define EM_X86_64	62u
#define EM_AARCH64	183u

#define PN_XNUM		0xffffu

/* ---- a small ELF writer ---- */

struct seg {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

struct img {
	uint8_t *buf;
	size_t size;
	int cls;		/* 32 or 64 */
	int be;
	size_t phoff;
	size_t nsegs;
};

/* Field offsets in the ELF header, program header and section header of each class. */
struct fields {
	size_t ehsize, e_phoff, e_shoff, e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum;
	size_t word, phsize, p_type, p_flags, p_offset, p_vaddr, p_filesz, p_memsz, p_align;
	size_t shsize, sh_info;
};

static const struct fields f32 = {
	.ehsize = 52, .e_phoff = 28, .e_shoff = 32, .e_ehsize = 40, .e_phentsize = 42, .e_phnum = 44,
	.e_shentsize = 46, .e_shnum = 48,
	.word = 4, .phsize = 32, .p_type = 0, .p_offset = 4, .p_vaddr = 8, .p_filesz = 16, .p_memsz = 20,
	.p_flags = 24, .p_align = 28,
	.shsize = 40, .sh_info = 28,
};

static const struct fields f64 = {
	.ehsize = 64, .e_phoff = 32, .e_shoff = 40, .e_ehsize = 52, .e_phentsize = 54, .e_phnum = 56,
	.e_shentsize = 58, .e_shnum = 60,
	.word = 8, .phsize = 56, .p_type = 0, .p_flags = 4, .p_offset = 8, .p_vaddr = 16, .p_filesz = 32,
	.p_memsz = 40, .p_align = 48,
	.shsize = 64, .sh_info = 44,
};

static const struct fields *F(const struct img *im)
{
	return im->cls == 64 ? &f64 : &f32;
}

static void put_n(uint8_t *p, uint64_t v, size_t n, int be)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t shift = 8 * (be ? n - 1 - i : i);

		p[i] = (uint8_t)(v >> shift);
	}
}

static void put16(struct img *im, size_t off, uint64_t v)
{
	ck_assert_uint_le(off + 2, im->size);
	put_n(im->buf + off, v, 2, im->be);
}

static void put32(struct img *im, size_t off, uint64_t v)
{
	ck_assert_uint_le(off + 4, im->size);
	put_n(im->buf + off, v, 4, im->be);
}

/* An address or offset of the image's class. */
static void put_word(struct img *im, size_t off, uint64_t v)
{
	ck_assert_uint_le(off + F(im)->word, im->size);
	put_n(im->buf + off, v, F(im)->word, im->be);
}

static void write_phdr(struct img *im, size_t i, const struct seg *s)
{
	const struct fields *f = F(im);
	size_t p = im->phoff + i * f->phsize;

	put32(im, p + f->p_type, s->type);
	put32(im, p + f->p_flags, s->flags);
	put_word(im, p + f->p_offset, s->offset);
	put_word(im, p + f->p_vaddr, 0x400000 + s->offset);
	put_word(im, p + f->p_filesz, s->filesz);
	put_word(im, p + f->p_memsz, s->memsz > s->filesz ? s->memsz : s->filesz);
	put_word(im, p + f->p_align, s->type == PT_LOAD ? 0x1000 : 8);
}

/*
 * Build an image of exactly size bytes: the ELF header at 0, the program
 * header table at phoff (0: right after the header), a filler pattern
 * everywhere else so that nothing passes by reading zeros.
 */
static struct img build_at(int cls, int be, uint16_t machine, uint16_t type,
			   const struct seg *segs, size_t n, size_t phoff, size_t size)
{
	struct img im = { .cls = cls, .be = be, .size = size, .nsegs = n };
	const struct fields *f;
	size_t i;

	f = F(&im);
	im.phoff = phoff ? phoff : f->ehsize;
	ck_assert_uint_le(im.phoff + n * f->phsize, size);
	im.buf = malloc(size ? size : 1);
	ck_assert_ptr_nonnull(im.buf);
	for (i = 0; i < size; i++)
		im.buf[i] = (uint8_t)(0xa5 ^ i);

	memset(im.buf, 0, f->ehsize);
	memcpy(im.buf, "\x7f" "ELF", 4);
	im.buf[4] = cls == 64 ? 2 : 1;
	im.buf[5] = be ? 2 : 1;
	im.buf[6] = 1;
	put16(&im, 16, type);
	put16(&im, 18, machine);
	put32(&im, 20, 1);
	put_word(&im, 24, 0x401000);
	put_word(&im, f->e_phoff, n ? im.phoff : 0);
	put16(&im, f->e_ehsize, f->ehsize);
	put16(&im, f->e_phentsize, f->phsize);
	put16(&im, f->e_phnum, n);
	put16(&im, f->e_shentsize, f->shsize);
	for (i = 0; i < n; i++)
		write_phdr(&im, i, &segs[i]);
	return im;
}

static struct img build(int cls, int be, uint16_t machine, const struct seg *segs, size_t n, size_t size)
{
	return build_at(cls, be, machine, ET_DYN, segs, n, 0, size);
}

static void img_free(struct img *im)
{
	free(im->buf);
	im->buf = NULL;
}

/* Loop tests run once per class and byte order. */
static int loop_cls(int i)
{
	return (i & 1) ? 64 : 32;
}

static int loop_be(int i)
{
	return (i & 2) ? 1 : 0;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct range {
	uint64_t start, end;
};

static int parse_img(const struct img *im, struct cramfs_elf_info *info, char *why, size_t whylen)
{
	uint64_t need = 12345;
	int ret;

	ret = cramfs_elf_parse(im->buf, im->size, im->size, info, &need, why, whylen);
	/* The whole file is there, so more can never be needed. */
	ck_assert_int_ne(ret, CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, 0);
	return ret;
}

static void expect_ranges(const struct cramfs_elf_info *info, const struct range *r, size_t n)
{
	size_t i;

	ck_assert_uint_eq(info->nranges, n);
	if (n == 0)
		ck_assert_ptr_null(info->ranges);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(info->ranges[i].start, r[i].start);
		ck_assert_uint_eq(info->ranges[i].end, r[i].end);
	}
}

/* What any OK result must look like, whatever the input was. */
static void check_sane(const struct cramfs_elf_info *info, uint64_t file_size)
{
	size_t i;

	ck_assert(info->elf_class == 32 || info->elf_class == 64);
	ck_assert(info->big_endian == 0 || info->big_endian == 1);
	ck_assert(info->nranges == 0 || info->ranges != NULL);
	for (i = 0; i < info->nranges; i++) {
		ck_assert_uint_lt(info->ranges[i].start, info->ranges[i].end);
		ck_assert_uint_le(info->ranges[i].end, file_size);
		/* merged: strictly apart from the previous one */
		if (i)
			ck_assert_uint_gt(info->ranges[i].start, info->ranges[i - 1].end);
	}
}

static void expect_parse_ok(const struct img *im, const struct range *r, size_t n)
{
	struct cramfs_elf_info info;
	char why[256] = "stale";

	ck_assert_int_eq(parse_img(im, &info, why, sizeof(why)), CRAMFS_ELF_OK);
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(info.elf_class, im->cls);
	ck_assert_int_eq(info.big_endian, im->be);
	expect_ranges(&info, r, n);
	check_sane(&info, im->size);
	cramfs_elf_info_free(&info);
}

static void expect_parse_bad(const struct img *im, const char *why_has)
{
	struct cramfs_elf_info info;
	char why[256] = "";

	memset(&info, 0xff, sizeof(info));
	ck_assert_int_eq(parse_img(im, &info, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_msg(strstr(why, why_has) != NULL, "reason \"%s\" lacks \"%s\"", why, why_has);
	/* a failed parse leaves info cleared */
	ck_assert_ptr_null(info.ranges);
	ck_assert_uint_eq(info.nranges, 0);
	ck_assert_int_eq(info.elf_class, 0);
}

/* ---- typical layouts ---- */

/* What a PIE from a recent x86_64 toolchain looks like: R, RX, R, RW loads around other segments. */
static const struct seg x86_64_segs[] = {
	{ PT_PHDR, PF_R, 0x40, 0x268, 0 },
	{ PT_INTERP, PF_R, 0x318, 0x1c, 0 },
	{ PT_LOAD, PF_R, 0, 0x6e0, 0 },
	{ PT_LOAD, PF_R | PF_X, 0x1000, 0x1e45, 0 },
	{ PT_LOAD, PF_R, 0x3000, 0x7a8, 0 },
	{ PT_LOAD, PF_R | PF_W, 0x3df0, 0x270, 0x2a8 },
	{ PT_DYNAMIC, PF_R | PF_W, 0x3e00, 0x1c0, 0 },
	{ PT_NOTE, PF_R, 0x338, 0x20, 0 },
	{ PT_GNU_EH_FRAME, PF_R, 0x3010, 0x40, 0 },
	{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0 },
	{ PT_GNU_RELRO, PF_R, 0x3df0, 0x210, 0 },
};
static const struct range x86_64_ranges[] = { { 0, 0x6e0 }, { 0x1000, 0x2e45 }, { 0x3000, 0x37a8 } };
#define X86_64_SIZE 0x4160u

START_TEST(test_x86_64_layout)
{
	static const uint16_t machines[] = { EM_386, EM_X86_64, EM_MIPS, EM_PPC64 };
	struct img im = build(loop_cls(_i), loop_be(_i), machines[_i], x86_64_segs, ARRAY_SIZE(x86_64_segs),
			      X86_64_SIZE);
	struct cramfs_elf_info info;

	expect_parse_ok(&im, x86_64_ranges, ARRAY_SIZE(x86_64_ranges));
	ck_assert_int_eq(parse_img(&im, &info, NULL, 0), CRAMFS_ELF_OK);
	ck_assert_uint_eq(info.machine, machines[_i]);
	cramfs_elf_info_free(&info);
	img_free(&im);
}
END_TEST

/* ARM32 style: one RX load from offset 0, and an RW load sharing the RX load's last page. */
static const struct seg arm_segs[] = {
	{ PT_ARM_EXIDX, PF_R, 0x1200, 0x30, 0 },
	{ PT_LOAD, PF_R | PF_X, 0, 0x1234, 0 },
	{ PT_LOAD, PF_R | PF_W, 0x1f08, 0x12c, 0x140 },
	{ PT_DYNAMIC, PF_R | PF_W, 0x1f10, 0xf0, 0 },
	{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0 },
};
static const struct range arm_ranges[] = { { 0, 0x1234 } };

START_TEST(test_arm32_layout)
{
	static const uint16_t machines[] = { EM_ARM, EM_AARCH64, EM_ARM, EM_AARCH64 };
	struct img im = build(loop_cls(_i), loop_be(_i), machines[_i], arm_segs, ARRAY_SIZE(arm_segs), 0x2100);
	struct cramfs_elf_info info;

	expect_parse_ok(&im, arm_ranges, ARRAY_SIZE(arm_ranges));
	ck_assert_int_eq(parse_img(&im, &info, NULL, 0), CRAMFS_ELF_OK);
	ck_assert_uint_eq(info.machine, machines[_i]);
	cramfs_elf_info_free(&info);
	img_free(&im);
}
END_TEST

START_TEST(test_out_of_order)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R, 0x3000, 0x100, 0 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0x100, 0 },
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x800, 0 },
		{ PT_LOAD, PF_R, 0, 0x200, 0 },
	};
	static const struct range want[] = { { 0, 0x200 }, { 0x1000, 0x1800 }, { 0x3000, 0x3100 } };
	struct img im = build(loop_cls(_i), loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x3100);

	expect_parse_ok(&im, want, ARRAY_SIZE(want));
	img_free(&im);
}
END_TEST

START_TEST(test_merge)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R, 0x2100, 0x1, 0 },		/* adjacent to the end of 0x2000.. */
		{ PT_LOAD, PF_R, 0x800, 0x800, 0 },		/* overlaps 0x100..0x900 */
		{ PT_LOAD, PF_R | PF_W, 0x1100, 0xf00, 0 },	/* writable: must not bridge the gap */
		{ PT_LOAD, PF_R, 0x2000, 0x80, 0 },		/* same start, shorter */
		{ PT_LOAD, PF_R | PF_X, 0x100, 0x800, 0 },
		{ PT_LOAD, PF_R, 0x1000, 0x100, 0 },		/* adjacent to 0x800..0x1000 */
		{ PT_LOAD, PF_R, 0x400, 0x200, 0 },		/* inside 0x100..0x900 */
		{ PT_LOAD, PF_R, 0x2000, 0x100, 0 },
	};
	static const struct range want[] = { { 0x100, 0x1100 }, { 0x2000, 0x2101 } };
	struct img im = build(loop_cls(_i), loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x2200);

	expect_parse_ok(&im, want, ARRAY_SIZE(want));
	img_free(&im);
}
END_TEST

START_TEST(test_zero_filesz_ignored)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R, 0x1000, 0, 0x1000 },		/* all bss */
		{ PT_LOAD, PF_R | PF_X, 0x2000, 0x10, 0 },
		{ PT_LOAD, PF_R, 0x2100, 0, 0 },		/* empty, ends at the end of the file */
	};
	static const struct range want[] = { { 0x2000, 0x2010 } };
	struct img im = build(loop_cls(_i), loop_be(_i), EM_ARM, segs, ARRAY_SIZE(segs), 0x2100);

	expect_parse_ok(&im, want, ARRAY_SIZE(want));
	img_free(&im);
}
END_TEST

START_TEST(test_writable_excluded)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R | PF_W, 0x100, 0x10, 0 },
		{ PT_LOAD, PF_W, 0x200, 0x10, 0 },
		{ PT_LOAD, PF_R | PF_W | PF_X, 0x300, 0x10, 0 },
		{ PT_LOAD, PF_W | PF_X, 0x400, 0x10, 0 },
		{ PT_LOAD, 0, 0x500, 0x10, 0 },			/* no flags at all: still not writable */
		{ PT_LOAD, PF_X, 0x600, 0x10, 0 },
		{ PT_LOAD, PF_R, 0x700, 0x10, 0 },
		{ PT_LOAD, PF_R | PF_X, 0x800, 0x10, 0 },
		{ PT_LOAD, PF_R | 0x0ff00000u, 0x900, 0x10, 0 },	/* OS-specific bits do not matter */
		{ PT_LOAD, PF_W | 0xf0000000u, 0xa00, 0x10, 0 },
	};
	static const struct range want[] = {
		{ 0x500, 0x510 }, { 0x600, 0x610 }, { 0x700, 0x710 }, { 0x800, 0x810 }, { 0x900, 0x910 },
	};
	struct img im = build(loop_cls(_i), loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x1000);

	expect_parse_ok(&im, want, ARRAY_SIZE(want));
	img_free(&im);
}
END_TEST

START_TEST(test_only_writable_is_ok_and_empty)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R | PF_W | PF_X, 0, 0x800, 0 },
		{ PT_NOTE, PF_R, 0x100, 0x20, 0 },
		{ PT_NULL, 0, 0, 0, 0 },
	};
	struct img im = build(loop_cls(_i), loop_be(_i), EM_MIPS, segs, ARRAY_SIZE(segs), 0x800);

	expect_parse_ok(&im, NULL, 0);
	img_free(&im);
}
END_TEST

START_TEST(test_no_program_headers)
{
	struct img im = build(loop_cls(_i), loop_be(_i), EM_X86_64, NULL, 0, 0x200);

	expect_parse_ok(&im, NULL, 0);
	/* With no entries the entry size and table offset mean nothing. */
	put16(&im, F(&im)->e_phentsize, 0);
	put_word(&im, F(&im)->e_phoff, 0xfffffff0u);
	expect_parse_ok(&im, NULL, 0);
	img_free(&im);
}
END_TEST

START_TEST(test_any_e_type)
{
	static const uint16_t types[] = { 0, ET_REL, ET_EXEC, ET_DYN, ET_CORE, 0xfe00, 0xffff };
	size_t t;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		struct img im = build_at(loop_cls(_i), loop_be(_i), 0xbeef, types[t], x86_64_segs,
					 ARRAY_SIZE(x86_64_segs), 0, X86_64_SIZE);

		expect_parse_ok(&im, x86_64_ranges, ARRAY_SIZE(x86_64_ranges));
		img_free(&im);
	}
}
END_TEST

/* The byte order comes from EI_DATA: flipping it makes the same bytes mean something else. */
START_TEST(test_byte_order_from_file)
{
	struct img im = build(64, 0, EM_X86_64, x86_64_segs, ARRAY_SIZE(x86_64_segs), X86_64_SIZE);

	im.buf[5] = 2;
	/* e_phentsize 56 read big-endian is 0x3800 */
	expect_parse_bad(&im, "e_phentsize is 14336, not the 56 bytes of an ELF64 program header");
	/* and with that put right, e_phoff 0x40 is 0x4000000000000000 */
	put_n(im.buf + f64.e_phentsize, 56, 2, 1);
	expect_parse_bad(&im, "program header table (offset 0x4000000000000000, 2816 entries of 56 bytes)");
	img_free(&im);
}
END_TEST

/* ---- not ELF ---- */

START_TEST(test_not_elf_short)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	struct cramfs_elf_info info;
	uint64_t need = 99;
	char why[64];
	size_t len;

	for (len = 0; len < 4; len++) {
		uint8_t *b = malloc(len ? len : 1);

		ck_assert_ptr_nonnull(b);
		memcpy(b, magic, len);
		ck_assert_int_eq(cramfs_elf_parse(b, len, len, &info, &need, why, sizeof(why)), CRAMFS_ELF_NOT_ELF);
		ck_assert_str_eq(why, "no ELF magic");
		ck_assert_ptr_null(info.ranges);
		free(b);
	}
	ck_assert_int_eq(cramfs_elf_parse(NULL, 0, 0, &info, &need, why, sizeof(why)), CRAMFS_ELF_NOT_ELF);
	ck_assert_str_eq(why, "no ELF magic");
}
END_TEST

START_TEST(test_not_elf_magic)
{
	static const char *const heads[] = {
		"\x7f" "ELG", "\x7f" "elf", "ELF\x7f", "#!/bin/sh\n", "\0\0\0\0", "\xff\xff\xff\xff", "\x7f" "EL\0",
	};
	struct img im = build(64, 0, EM_X86_64, x86_64_segs, ARRAY_SIZE(x86_64_segs), X86_64_SIZE);
	struct cramfs_elf_info info;
	char why[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(heads); i++) {
		memcpy(im.buf, heads[i], 4);
		ck_assert_int_eq(parse_img(&im, &info, why, sizeof(why)), CRAMFS_ELF_NOT_ELF);
		ck_assert_str_eq(why, "no ELF magic");
		/* Only the first bytes are there: "not ELF" is still known without more. */
		ck_assert_int_eq(cramfs_elf_parse(im.buf, 4, im.size, &info, NULL, why, sizeof(why)),
				 CRAMFS_ELF_NOT_ELF);
	}
	img_free(&im);
}
END_TEST

/* ---- bad identification and header ---- */

START_TEST(test_bad_ident)
{
	static const struct { size_t at; uint8_t val; const char *why; } cases[] = {
		{ 4, 0, "unknown ELF class 0" },
		{ 4, 3, "unknown ELF class 3" },
		{ 4, 0xff, "unknown ELF class 255" },
		{ 5, 0, "unknown ELF data encoding 0" },
		{ 5, 3, "unknown ELF data encoding 3" },
		{ 6, 0, "unknown ELF version 0" },
		{ 6, 2, "unknown ELF version 2" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct img im = build(loop_cls(_i), loop_be(_i), EM_X86_64, x86_64_segs,
				      ARRAY_SIZE(x86_64_segs), X86_64_SIZE);

		im.buf[cases[i].at] = cases[i].val;
		expect_parse_bad(&im, cases[i].why);
		img_free(&im);
	}
}
END_TEST

/* A file that ends inside e_ident or the ELF header. */
START_TEST(test_truncated_header)
{
	struct img full = build(loop_cls(_i), loop_be(_i), EM_X86_64, NULL, 0, 64);
	const size_t ehsize = F(&full)->ehsize;
	size_t len;

	for (len = 4; len < ehsize; len++) {
		struct img im = full;

		im.buf = malloc(len);
		ck_assert_ptr_nonnull(im.buf);
		memcpy(im.buf, full.buf, len);
		im.size = len;
		expect_parse_bad(&im, len < 16 ? "too short for the ELF identification"
					       : (full.cls == 64 ? "shorter than the 64-byte ELF64 header"
								 : "shorter than the 52-byte ELF32 header"));
		img_free(&im);
	}
	img_free(&full);
}
END_TEST

START_TEST(test_phdr_table_past_eof)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R, 0, 0x10, 0 },
		{ PT_LOAD, PF_R | PF_X, 0x10, 0x10, 0 },
		{ PT_LOAD, PF_R, 0x20, 0x10, 0 },
		{ PT_LOAD, PF_R | PF_W, 0x30, 0x10, 0 },
	};
	struct img im = build(64, 0, EM_X86_64, segs, ARRAY_SIZE(segs), 0x200);
	struct cramfs_elf_info info;
	char why[256];

	/* The table is 0x40..0x120: a 200-byte file cuts it. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 200, 200, &info, NULL, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why,
			 "program header table (offset 0x40, 4 entries of 56 bytes) passes the end of the file (200 bytes)");
	img_free(&im);

	im = build(32, 1, EM_MIPS, segs, ARRAY_SIZE(segs), 0x200);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 100, 100, &info, NULL, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why,
			 "program header table (offset 0x34, 4 entries of 32 bytes) passes the end of the file (100 bytes)");
	/* A table starting past the end of the file. */
	put_word(&im, f32.e_phoff, 0x208);
	expect_parse_bad(&im, "program header table (offset 0x208, 4 entries of 32 bytes) passes the end");
	img_free(&im);
}
END_TEST

/*
 * Offsets that wrap when added.  file_size is claimed to be the largest
 * possible, so only overflow-checked sums can tell the table is not there.
 */
START_TEST(test_phoff_overflow)
{
	struct img im = build(64, loop_be(_i), EM_X86_64, x86_64_segs, ARRAY_SIZE(x86_64_segs), X86_64_SIZE);
	struct cramfs_elf_info info;
	uint64_t need = 0;
	char why[256];

	put_word(&im, f64.e_phoff, 0xffffffffffffff00u);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, im.size, UINT64_MAX, &info, &need, why, sizeof(why)),
			 CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "program header table (offset 0xffffffffffffff00, 11 entries of 56 bytes) "
			      "passes the end of the file (18446744073709551615 bytes)");
	expect_parse_bad(&im, "program header table (offset 0xffffffffffffff00");

	put_word(&im, f64.e_phoff, UINT64_MAX);
	put16(&im, f64.e_phnum, 0xfffe);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, im.size, UINT64_MAX, &info, &need, why, sizeof(why)),
			 CRAMFS_ELF_BAD);
	img_free(&im);

	im = build(32, loop_be(_i), EM_386, x86_64_segs, ARRAY_SIZE(x86_64_segs), X86_64_SIZE);
	put_word(&im, f32.e_phoff, 0xffffff00u);
	expect_parse_bad(&im, "program header table (offset 0xffffff00, 11 entries of 32 bytes) passes the end");
	img_free(&im);
}
END_TEST

START_TEST(test_segment_overflow)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R, 0, 0x100, 0 },
		{ PT_LOAD, PF_R | PF_X, 0x100, 0x100, 0 },
		{ PT_LOAD, PF_R, 0x200, 0x100, 0 },
	};
	struct img im = build(64, loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x1000);
	struct cramfs_elf_info info;
	char why[256];
	size_t p2 = im.phoff + 2 * f64.phsize;

	put_word(&im, p2 + f64.p_offset, 0xffffffffffffff00u);
	put_word(&im, p2 + f64.p_filesz, 0x200);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, im.size, UINT64_MAX, &info, NULL, why, sizeof(why)),
			 CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "segment 2 (offset 0xffffffffffffff00, 512 bytes in the file) "
			      "passes the end of the file (18446744073709551615 bytes)");
	ck_assert_ptr_null(info.ranges);

	/* A size alone that wraps. */
	put_word(&im, p2 + f64.p_offset, 0x10);
	put_word(&im, p2 + f64.p_filesz, UINT64_MAX);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, im.size, UINT64_MAX, &info, NULL, why, sizeof(why)),
			 CRAMFS_ELF_BAD);
	ck_assert(strstr(why, "segment 2 ") != NULL);
	img_free(&im);

	/* 32-bit fields cannot wrap in 64-bit arithmetic, but still pass the end. */
	im = build(32, loop_be(_i), EM_ARM, segs, ARRAY_SIZE(segs), 0x1000);
	put_word(&im, im.phoff + f32.p_offset, 0xffffff00u);
	put_word(&im, im.phoff + f32.p_filesz, 0x200);
	expect_parse_bad(&im, "segment 0 (offset 0xffffff00, 512 bytes in the file) passes the end of the file (4096 bytes)");
	img_free(&im);
}
END_TEST

START_TEST(test_segment_past_eof)
{
	struct seg segs[] = {
		{ PT_LOAD, PF_R, 0, 0x800, 0 },
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x2000, 0 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0x100, 0 },
		{ PT_NOTE, PF_R, 0x200, 0x20, 0 },
	};
	struct img im = build(loop_cls(_i), loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x2800);

	expect_parse_bad(&im, "segment 1 (offset 0x1000, 8192 bytes in the file) passes the end of the file (10240 bytes)");
	img_free(&im);

	/* Any segment counts, not only the read-only loads. */
	segs[1].filesz = 0x800;
	segs[2].filesz = 0x900;
	im = build(loop_cls(_i), loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x2800);
	expect_parse_bad(&im, "segment 2 ");
	img_free(&im);

	segs[2].filesz = 0x100;
	segs[3].offset = 0x2801;
	segs[3].filesz = 0;
	im = build(loop_cls(_i), loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x2800);
	expect_parse_bad(&im, "segment 3 ");
	img_free(&im);

	/* Exactly up to the end is fine. */
	segs[3].offset = 0x2780;
	segs[3].filesz = 0x80;
	im = build(loop_cls(_i), loop_be(_i), EM_X86_64, segs, ARRAY_SIZE(segs), 0x2800);
	{
		static const struct range want[] = { { 0, 0x800 }, { 0x1000, 0x1800 } };

		expect_parse_ok(&im, want, ARRAY_SIZE(want));
	}
	img_free(&im);
}
END_TEST

START_TEST(test_bad_phentsize)
{
	static const uint16_t sizes[] = { 0, 1, 32, 40, 55, 56, 57, 64, 0xffff };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct img im = build(loop_cls(_i), loop_be(_i), EM_X86_64, x86_64_segs,
				      ARRAY_SIZE(x86_64_segs), X86_64_SIZE);
		char want[128];

		if (sizes[i] == F(&im)->phsize) {
			img_free(&im);
			continue;
		}
		put16(&im, F(&im)->e_phentsize, sizes[i]);
		snprintf(want, sizeof(want), "e_phentsize is %u, not the %zu bytes of an ELF%d program header",
			 sizes[i], F(&im)->phsize, im.cls);
		expect_parse_bad(&im, want);
		img_free(&im);
	}
}
END_TEST

/* ---- extended numbering ---- */

/* Put section header 0 at the end of the image with sh_info = count, and e_phnum = PN_XNUM. */
static struct img build_xnum(int cls, int be, uint32_t count)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R | PF_X, 0, 0x800, 0 },
		{ PT_LOAD, PF_R | PF_W, 0x1000, 0x100, 0 },
		{ PT_LOAD, PF_R, 0x1100, 0x100, 0 },
	};
	struct img im = build(cls, be, EM_X86_64, segs, ARRAY_SIZE(segs), 0x1400);
	const struct fields *f = F(&im);
	size_t shoff = im.size - f->shsize;

	memset(im.buf + shoff, 0, f->shsize);
	put32(&im, shoff + f->sh_info, count);
	put_word(&im, f->e_shoff, shoff);
	put16(&im, f->e_shnum, 0);
	put16(&im, f->e_phnum, PN_XNUM);
	return im;
}

START_TEST(test_pn_xnum)
{
	static const struct range want[] = { { 0, 0x800 }, { 0x1100, 0x1200 } };
	const int cls = loop_cls(_i), be = loop_be(_i);
	struct cramfs_elf_info info;
	struct img im;
	uint64_t need;
	char why[256];

	im = build_xnum(cls, be, 3);
	expect_parse_ok(&im, want, ARRAY_SIZE(want));

	/* Section header 0 is at the far end: ask for it first, then all is there. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 0x200, im.size, &info, &need, why, sizeof(why)),
			 CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, im.size);
	img_free(&im);

	/* Only the first load is counted. */
	im = build_xnum(cls, be, 1);
	expect_parse_ok(&im, want, 1);
	img_free(&im);

	im = build_xnum(cls, be, 0);
	expect_parse_ok(&im, NULL, 0);
	img_free(&im);

	/* More entries than the file holds. */
	im = build_xnum(cls, be, 0x10000);
	expect_parse_bad(&im, "65536 entries");
	img_free(&im);

	im = build_xnum(cls, be, 3);
	put_word(&im, F(&im)->e_shoff, 0);
	expect_parse_bad(&im, "e_phnum is PN_XNUM (0xffff) but there is no section header table");
	img_free(&im);

	im = build_xnum(cls, be, 3);
	put16(&im, F(&im)->e_shentsize, cls == 64 ? 40 : 64);
	expect_parse_bad(&im, "e_phnum is PN_XNUM (0xffff) but e_shentsize is");
	img_free(&im);

	im = build_xnum(cls, be, 3);
	put_word(&im, F(&im)->e_shoff, im.size - F(&im)->shsize + 1);
	expect_parse_bad(&im, "section header 0 (offset 0x");
	put_word(&im, F(&im)->e_shoff, cls == 64 ? 0xffffffffffffffc8u : 0xffffffd8u);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, im.size, UINT64_MAX, &info, NULL, why, sizeof(why)),
			 cls == 64 ? CRAMFS_ELF_BAD : CRAMFS_ELF_NEED_MORE);
	img_free(&im);
}
END_TEST

/* ---- partial buffers ---- */

START_TEST(test_need_more)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R | PF_X, 0, 0x1000, 0 },
		{ PT_LOAD, PF_R | PF_W, 0x1000, 0x100, 0 },
		{ PT_LOAD, PF_R, 0x1100, 0x100, 0 },
		{ PT_NOTE, PF_R, 0x200, 0x20, 0 },
		{ PT_LOAD, PF_R, 0x2200, 0x100, 0 },
	};
	static const struct range want[] = { { 0, 0x1000 }, { 0x1100, 0x1200 }, { 0x2200, 0x2300 } };
	const int cls = loop_cls(_i), be = loop_be(_i);
	struct img im = build_at(cls, be, EM_X86_64, ET_EXEC, segs, ARRAY_SIZE(segs), 0x2000, 0x2400);
	const uint64_t table_end = 0x2000 + ARRAY_SIZE(segs) * F(&im)->phsize;
	const uint64_t ehsize = F(&im)->ehsize;
	struct cramfs_elf_info info;
	uint64_t need;
	char why[256];

	/* The table is at 0x2000: the first page is not enough. */
	need = 0;
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 0x1000, im.size, &info, &need, why, sizeof(why)),
			 CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, table_end);
	ck_assert_ptr_null(info.ranges);
	ck_assert(strstr(why, "need the first") != NULL);

	/* Exactly need bytes are enough. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, (size_t)need, im.size, &info, &need, why, sizeof(why)),
			 CRAMFS_ELF_OK);
	expect_ranges(&info, want, ARRAY_SIZE(want));
	ck_assert_uint_eq(need, 0);
	cramfs_elf_info_free(&info);

	/* One byte short of the table is not. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, (size_t)table_end - 1, im.size, &info, &need, why, sizeof(why)),
			 CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, table_end);

	/* Short of the header: the largest header is asked for, and that is enough to go on. */
	ck_assert_int_eq(cramfs_elf_parse(NULL, 0, im.size, &info, &need, why, sizeof(why)), CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, 64);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 3, im.size, &info, &need, why, sizeof(why)), CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, 64);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, (size_t)ehsize - 1, im.size, &info, &need, why, sizeof(why)),
			 CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, 64);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 64, im.size, &info, &need, why, sizeof(why)), CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, table_end);

	/* A tiny file: never more than the file itself is asked for. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 2, 40, &info, &need, why, sizeof(why)), CRAMFS_ELF_NEED_MORE);
	ck_assert_uint_eq(need, 40);
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 40, 40, &info, &need, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_uint_eq(need, 0);

	/* need may be NULL. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 0x1000, im.size, &info, NULL, why, sizeof(why)),
			 CRAMFS_ELF_NEED_MORE);

	/* A table past the end of the file is BAD, not a request for bytes that do not exist. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, 0x1000, 0x2010, &info, &need, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert(strstr(why, "program header table") != NULL);

	/* A buffer longer than the file: the bytes past the end are not part of it. */
	ck_assert_int_eq(cramfs_elf_parse(im.buf, im.size, 0x2010, &info, &need, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert(strstr(why, "passes the end of the file (8208 bytes)") != NULL);
	img_free(&im);
}
END_TEST

/* ---- reasons and info handling ---- */

START_TEST(test_why_buffer)
{
	struct img im = build(64, 0, EM_X86_64, x86_64_segs, ARRAY_SIZE(x86_64_segs), X86_64_SIZE);
	struct cramfs_elf_info info;
	char why[8];

	im.buf[4] = 9;
	ck_assert_int_eq(parse_img(&im, &info, NULL, 0), CRAMFS_ELF_BAD);
	ck_assert_int_eq(parse_img(&im, &info, NULL, 100), CRAMFS_ELF_BAD);
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(parse_img(&im, &info, why, 0), CRAMFS_ELF_BAD);
	ck_assert_int_eq(why[0], 'x');
	ck_assert_int_eq(parse_img(&im, &info, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "unknown");
	ck_assert_int_eq(parse_img(&im, &info, why, 1), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "");
	img_free(&im);
}
END_TEST

START_TEST(test_info_free)
{
	struct img im = build(32, 1, EM_ARM, arm_segs, ARRAY_SIZE(arm_segs), 0x2100);
	struct cramfs_elf_info info;

	memset(&info, 0, sizeof(info));
	cramfs_elf_info_free(&info);
	cramfs_elf_info_free(NULL);
	ck_assert_int_eq(parse_img(&im, &info, NULL, 0), CRAMFS_ELF_OK);
	ck_assert_ptr_nonnull(info.ranges);
	cramfs_elf_info_free(&info);
	ck_assert_ptr_null(info.ranges);
	ck_assert_uint_eq(info.nranges, 0);
	cramfs_elf_info_free(&info);
	ck_assert_ptr_null(info.ranges);
	img_free(&im);
}
END_TEST

/* ---- file descriptors ---- */

/* A temporary file holding buf, unlinked at once so no failed test leaves it behind. */
static int write_temp(const uint8_t *buf, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/test_elf.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	return fd;
}

static uint64_t fd_size(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return (uint64_t)st.st_size;
}

START_TEST(test_read_fd_file)
{
	struct img im = build(loop_cls(_i), loop_be(_i), EM_PPC64, x86_64_segs, ARRAY_SIZE(x86_64_segs),
			      X86_64_SIZE);
	struct cramfs_elf_info info;
	char why[256] = "stale";
	int fd = write_temp(im.buf, im.size);

	ck_assert_int_eq(lseek(fd, 7, SEEK_SET), 7);
	ck_assert_int_eq(cramfs_elf_read_fd(fd, fd_size(fd), &info, why, sizeof(why)), CRAMFS_ELF_OK);
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(info.elf_class, im.cls);
	ck_assert_int_eq(info.big_endian, im.be);
	ck_assert_uint_eq(info.machine, EM_PPC64);
	expect_ranges(&info, x86_64_ranges, ARRAY_SIZE(x86_64_ranges));
	cramfs_elf_info_free(&info);
	/* pread leaves the file offset alone */
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 7);

	/* A size claimed smaller than the file: the last read-only load passes it. */
	ck_assert_int_eq(cramfs_elf_read_fd(fd, 0x3100, &info, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "segment 4 (offset 0x3000, 1960 bytes in the file) passes the end of the file (12544 bytes)");

	/* Claimed larger: bytes past the real end are never needed, so nothing notices. */
	ck_assert_int_eq(cramfs_elf_read_fd(fd, 0x100000, &info, why, sizeof(why)), CRAMFS_ELF_OK);
	expect_ranges(&info, x86_64_ranges, ARRAY_SIZE(x86_64_ranges));
	cramfs_elf_info_free(&info);

	close(fd);
	img_free(&im);
}
END_TEST

/* A table beyond the first 64 KiB is fetched on its own. */
START_TEST(test_read_fd_far_table)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R | PF_X, 0, 0x10000, 0 },
		{ PT_LOAD, PF_R | PF_W, 0x10000, 0x1000, 0 },
		{ PT_LOAD, PF_R, 0x20000, 0x4000, 0 },
	};
	static const struct range want[] = { { 0, 0x10000 }, { 0x20000, 0x24000 } };
	const size_t phoff = 150 * 1024, size = 200 * 1024;
	struct img im = build_at(loop_cls(_i), loop_be(_i), EM_AARCH64, ET_DYN, segs, ARRAY_SIZE(segs), phoff, size);
	struct cramfs_elf_info info;
	char why[256];
	int fd = write_temp(im.buf, im.size);

	ck_assert_int_eq(cramfs_elf_read_fd(fd, size, &info, why, sizeof(why)), CRAMFS_ELF_OK);
	expect_ranges(&info, want, ARRAY_SIZE(want));
	cramfs_elf_info_free(&info);

	/* The file stops before its claimed size, and before the table. */
	ck_assert_int_eq(ftruncate(fd, (off_t)phoff), 0);
	ck_assert_int_eq(cramfs_elf_read_fd(fd, size, &info, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "file ends at byte 153600, before its stated size of 204800 bytes");

	/* Or even before the header. */
	ck_assert_int_eq(ftruncate(fd, 10), 0);
	ck_assert_int_eq(cramfs_elf_read_fd(fd, size, &info, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "file ends at byte 10, before its stated size of 204800 bytes");
	ck_assert_ptr_null(info.ranges);

	close(fd);
	img_free(&im);
}
END_TEST

/* A table over 1 MiB is refused by the fd reader, though it is inside the file. */
START_TEST(test_read_fd_huge_table)
{
	struct img hdr = build(64, 0, EM_X86_64, NULL, 0, 64);
	const uint64_t size = 8u << 20;
	struct cramfs_elf_info info;
	char why[256];
	uint8_t *whole;
	int fd;

	put_word(&hdr, f64.e_phoff, 0x1000);
	put16(&hdr, f64.e_phentsize, 56);
	put16(&hdr, f64.e_phnum, 0xfffe);
	fd = write_temp(hdr.buf, hdr.size);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);

	ck_assert_int_eq(cramfs_elf_read_fd(fd, size, &info, why, sizeof(why)), CRAMFS_ELF_BAD);
	ck_assert_str_eq(why, "program header table is 3669904 bytes, more than the 1048576 this reader allows");

	/* From memory there is no such limit: all-zero entries are PT_NULL. */
	whole = calloc(1, (size_t)size);
	ck_assert_ptr_nonnull(whole);
	memcpy(whole, hdr.buf, hdr.size);
	ck_assert_int_eq(cramfs_elf_parse(whole, (size_t)size, size, &info, NULL, why, sizeof(why)), CRAMFS_ELF_OK);
	ck_assert_uint_eq(info.nranges, 0);
	free(whole);

	close(fd);
	img_free(&hdr);
}
END_TEST

START_TEST(test_read_fd_not_elf_and_errors)
{
	static const uint8_t script[] = "#!/bin/sh\necho hello\n";
	struct cramfs_elf_info info;
	char why[256];
	int fd = write_temp(script, sizeof(script) - 1);

	ck_assert_int_eq(cramfs_elf_read_fd(fd, fd_size(fd), &info, why, sizeof(why)), CRAMFS_ELF_NOT_ELF);
	ck_assert_str_eq(why, "no ELF magic");
	close(fd);

	ck_assert_int_eq(cramfs_elf_read_fd(-1, 100, &info, why, sizeof(why)), -EBADF);
	ck_assert_ptr_null(info.ranges);

	fd = open("/", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(cramfs_elf_read_fd(fd, 4096, &info, why, sizeof(why)), -EISDIR);
	close(fd);
}
END_TEST

START_TEST(test_read_fd_bin_sh)
{
	struct cramfs_elf_info info, mem;
	char why[256];
	uint64_t size;
	uint8_t *whole;
	int fd = open("/bin/sh", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	size = fd_size(fd);
	ck_assert_int_eq(cramfs_elf_read_fd(fd, size, &info, why, sizeof(why)), CRAMFS_ELF_OK);
	ck_assert_int_eq(info.elf_class, 64);
	ck_assert_int_eq(info.big_endian, 0);
#if defined(__x86_64__)
	ck_assert_uint_eq(info.machine, EM_X86_64);
#endif
	ck_assert_uint_ge(info.nranges, 1);
	check_sane(&info, size);

	/* Reading the whole file into memory gives the same answer. */
	whole = malloc((size_t)size);
	ck_assert_ptr_nonnull(whole);
	ck_assert_int_eq(pread(fd, whole, (size_t)size, 0), (ssize_t)size);
	ck_assert_int_eq(cramfs_elf_parse(whole, (size_t)size, size, &mem, NULL, why, sizeof(why)), CRAMFS_ELF_OK);
	ck_assert_uint_eq(mem.nranges, info.nranges);
	ck_assert_int_eq(memcmp(mem.ranges, info.ranges, info.nranges * sizeof(*info.ranges)), 0);
	cramfs_elf_info_free(&mem);
	cramfs_elf_info_free(&info);
	free(whole);
	close(fd);
}
END_TEST

/* ---- robustness ---- */

/* An image whose last byte belongs to a read-only load, so every cut shows. */
static struct img build_tail_img(int cls, int be)
{
	static const struct seg segs[] = {
		{ PT_LOAD, PF_R | PF_X, 0, 0x300, 0 },
		{ PT_LOAD, PF_R | PF_W, 0x300, 0x80, 0 },
		{ PT_NOTE, PF_R, 0x200, 0x20, 0 },
		{ PT_LOAD, PF_R, 0x380, 0x80, 0 },
	};

	return build(cls, be, EM_X86_64, segs, ARRAY_SIZE(segs), 0x400);
}

static const struct range tail_ranges[] = { { 0, 0x300 }, { 0x380, 0x400 } };

START_TEST(test_every_truncation)
{
	struct img full = build_tail_img(loop_cls(_i), loop_be(_i));
	const size_t table_end = full.phoff + full.nsegs * F(&full)->phsize;
	size_t len;

	for (len = 0; len <= full.size; len++) {
		uint8_t *b = malloc(len ? len : 1);
		struct cramfs_elf_info info;
		uint64_t need = 0;
		char why[256];
		int ret;

		ck_assert_ptr_nonnull(b);
		memcpy(b, full.buf, len);

		/* The file really is this short. */
		ret = cramfs_elf_parse(b, len, len, &info, &need, why, sizeof(why));
		if (len < 4)
			ck_assert_int_eq(ret, CRAMFS_ELF_NOT_ELF);
		else if (len < full.size)
			ck_assert_int_eq(ret, CRAMFS_ELF_BAD);
		else
			ck_assert_int_eq(ret, CRAMFS_ELF_OK);
		ck_assert(ret == CRAMFS_ELF_OK || why[0] != '\0');
		if (ret == CRAMFS_ELF_OK)
			expect_ranges(&info, tail_ranges, ARRAY_SIZE(tail_ranges));
		cramfs_elf_info_free(&info);

		/* Only the buffer is short. */
		ret = cramfs_elf_parse(b, len, full.size, &info, &need, why, sizeof(why));
		if (len < 64) {
			ck_assert_int_eq(ret, CRAMFS_ELF_NEED_MORE);
			ck_assert_uint_eq(need, 64);
		} else if (len < table_end) {
			ck_assert_int_eq(ret, CRAMFS_ELF_NEED_MORE);
			ck_assert_uint_eq(need, table_end);
		} else {
			ck_assert_int_eq(ret, CRAMFS_ELF_OK);
			expect_ranges(&info, tail_ranges, ARRAY_SIZE(tail_ranges));
		}
		cramfs_elf_info_free(&info);
		free(b);
	}
	img_free(&full);
}
END_TEST

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: a fixed seed gives the same run every time */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void corrupt(struct img *im, size_t region)
{
	unsigned int k, n = 1 + (unsigned int)(rng() % 8);

	for (k = 0; k < n; k++) {
		size_t at = (size_t)(rng() % region);

		switch (rng() % 4) {
		case 0:
			im->buf[at] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1:
			im->buf[at] = (uint8_t)rng();
			break;
		case 2:
			im->buf[at] = (rng() & 1) ? 0xff : 0x00;
			break;
		default:
			/* a whole field of extreme bytes, to reach the overflow paths */
			memset(im->buf + at, (rng() & 1) ? 0xff : 0x80, region - at < 8 ? region - at : 8);
			break;
		}
	}
}

START_TEST(test_random_corruption)
{
	struct img good = build(loop_cls(_i), loop_be(_i), EM_X86_64, x86_64_segs, ARRAY_SIZE(x86_64_segs),
				X86_64_SIZE);
	const size_t region = good.phoff + good.nsegs * F(&good)->phsize;
	unsigned int counts[4] = { 0 }, iter;

	rng_state = 0x5eed0000u + (uint64_t)_i;
	for (iter = 0; iter < 20000; iter++) {
		struct img im = good;
		struct cramfs_elf_info info;
		uint64_t need = 0;
		size_t buflen;
		char why[256];
		int ret;

		im.buf = malloc(good.size);
		ck_assert_ptr_nonnull(im.buf);
		memcpy(im.buf, good.buf, good.size);
		corrupt(&im, region);

		/* The whole image, in a buffer of exactly its size. */
		ret = cramfs_elf_parse(im.buf, im.size, im.size, &info, &need, why, sizeof(why));
		ck_assert(ret == CRAMFS_ELF_OK || ret == CRAMFS_ELF_NOT_ELF || ret == CRAMFS_ELF_BAD);
		counts[ret]++;
		if (ret == CRAMFS_ELF_OK)
			check_sane(&info, im.size);
		else
			ck_assert(why[0] != '\0' && info.ranges == NULL);
		cramfs_elf_info_free(&info);

		/* A prefix of it, with the true file size. */
		buflen = (size_t)(rng() % (im.size + 1));
		ret = cramfs_elf_parse(im.buf, buflen, im.size, &info, &need, why, sizeof(why));
		ck_assert(ret >= CRAMFS_ELF_OK && ret <= CRAMFS_ELF_NEED_MORE);
		if (ret == CRAMFS_ELF_NEED_MORE) {
			ck_assert_uint_gt(need, buflen);
			ck_assert_uint_le(need, im.size);
		}
		if (ret == CRAMFS_ELF_OK)
			check_sane(&info, im.size);
		cramfs_elf_info_free(&info);
		free(im.buf);
	}
	/* The corruption reached both outcomes, so the run tested something. */
	ck_assert_uint_gt(counts[CRAMFS_ELF_OK], 100);
	ck_assert_uint_gt(counts[CRAMFS_ELF_BAD], 100);
	ck_assert_uint_gt(counts[CRAMFS_ELF_NOT_ELF], 10);
	img_free(&good);
}
END_TEST

/* ---- runner ---- */

static Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc;

	tc = tcase_create("layouts");
	tcase_add_loop_test(tc, test_x86_64_layout, 0, 4);
	tcase_add_loop_test(tc, test_arm32_layout, 0, 4);
	tcase_add_loop_test(tc, test_out_of_order, 0, 4);
	tcase_add_loop_test(tc, test_merge, 0, 4);
	tcase_add_loop_test(tc, test_zero_filesz_ignored, 0, 4);
	tcase_add_loop_test(tc, test_writable_excluded, 0, 4);
	tcase_add_loop_test(tc, test_only_writable_is_ok_and_empty, 0, 4);
	tcase_add_loop_test(tc, test_no_program_headers, 0, 4);
	tcase_add_loop_test(tc, test_any_e_type, 0, 4);
	tcase_add_test(tc, test_byte_order_from_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("rejects");
	tcase_add_test(tc, test_not_elf_short);
	tcase_add_test(tc, test_not_elf_magic);
	tcase_add_loop_test(tc, test_bad_ident, 0, 4);
	tcase_add_loop_test(tc, test_truncated_header, 0, 4);
	tcase_add_test(tc, test_phdr_table_past_eof);
	tcase_add_loop_test(tc, test_phoff_overflow, 0, 4);
	tcase_add_loop_test(tc, test_segment_overflow, 0, 4);
	tcase_add_loop_test(tc, test_segment_past_eof, 0, 4);
	tcase_add_loop_test(tc, test_bad_phentsize, 0, 4);
	tcase_add_loop_test(tc, test_pn_xnum, 0, 4);
	suite_add_tcase(s, tc);

	tc = tcase_create("interface");
	tcase_add_loop_test(tc, test_need_more, 0, 4);
	tcase_add_test(tc, test_why_buffer);
	tcase_add_test(tc, test_info_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("fd");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_read_fd_file, 0, 4);
	tcase_add_loop_test(tc, test_read_fd_far_table, 0, 4);
	tcase_add_test(tc, test_read_fd_huge_table);
	tcase_add_test(tc, test_read_fd_not_elf_and_errors);
	tcase_add_test(tc, test_read_fd_bin_sh);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_every_truncation, 0, 4);
	tcase_add_loop_test(tc, test_random_corruption, 0, 4);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(elf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
