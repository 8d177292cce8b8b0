// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the page-use profiles of cramfs-xip (lib/xipprofile.c):
 * page ranges, writing (escapes, order), reading back, merging, and every
 * refusal of the reader with its message and line number.
 */
#include "xipprofile.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ranges of f as the format writes them. */
static const char *ranges_of(const struct xip_profile_file *f)
{
	static char buf[1024];
	size_t w = 0;

	if (!f->n_ranges)
		return "-";
	for (size_t i = 0; i < f->n_ranges; i++) {
		w += (size_t)snprintf(buf + w, sizeof(buf) - w, "%s%llu", i ? "," : "",
				      (unsigned long long)f->ranges[i].first);
		if (f->ranges[i].last != f->ranges[i].first)
			w += (size_t)snprintf(buf + w, sizeof(buf) - w, "-%llu", (unsigned long long)f->ranges[i].last);
	}
	return buf;
}

/* The profile as text; the caller frees it. */
static char *text_of(const struct xip_profile *p, const char *comment)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(xip_profile_write(f, p, comment), 0);
	fclose(f);
	return buf;
}

/* Reads text; returns the read's result, with the message in err. */
static int read_text(const char *text, struct xip_profile *p, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int e;

	ck_assert_ptr_nonnull(f);
	err[0] = 0;
	e = xip_profile_read(f, "t.profile", p, err);
	fclose(f);
	return e;
}

START_TEST(test_add_pages_folds)
{
	struct xip_profile p;
	struct xip_profile_file *f;

	xip_profile_init(&p, 4096);
	ck_assert_int_eq(xip_profile_add_file(&p, "/f", 4096 * 100, &f), 0);
	ck_assert_str_eq(ranges_of(f), "-");
	xip_profile_add_pages(f, 5, 5);
	xip_profile_add_pages(f, 3, 3);
	ck_assert_str_eq(ranges_of(f), "3,5");
	xip_profile_add_pages(f, 4, 4);           /* fills the gap: one range */
	ck_assert_str_eq(ranges_of(f), "3-5");
	xip_profile_add_pages(f, 10, 12);
	xip_profile_add_pages(f, 14, 14);
	xip_profile_add_pages(f, 0, 0);
	ck_assert_str_eq(ranges_of(f), "0,3-5,10-12,14");
	xip_profile_add_pages(f, 6, 9);           /* adjacent on both sides */
	ck_assert_str_eq(ranges_of(f), "0,3-12,14");
	xip_profile_add_pages(f, 11, 20);         /* overlaps and swallows 14 */
	ck_assert_str_eq(ranges_of(f), "0,3-20");
	xip_profile_add_pages(f, 4, 4);           /* inside: no change */
	ck_assert_str_eq(ranges_of(f), "0,3-20");
	xip_profile_add_pages(f, 1, 2);
	ck_assert_str_eq(ranges_of(f), "0-20");
	xip_profile_add_pages(f, 50, 60);
	xip_profile_add_pages(f, 30, 40);
	xip_profile_add_pages(f, 22, 22);
	ck_assert_str_eq(ranges_of(f), "0-20,22,30-40,50-60");
	xip_profile_add_pages(f, 21, 99);         /* everything */
	ck_assert_str_eq(ranges_of(f), "0-99");
	xip_profile_free(&p);
}
END_TEST

START_TEST(test_write_escapes_and_sorts)
{
	struct xip_profile p;
	struct xip_profile_file *f;
	char err[XIP_PROFILE_ERR_MAX], *text;

	xip_profile_init(&p, 4096);
	/* raw bytes of the image: space, '%', a control byte, bytes >= 0x7f, then plain ones */
	ck_assert_int_eq(xip_profile_add_file(&p, "/odd dir/a%b\x01\x7f\xff\xc3\xa9", 10, &f), 0);
	xip_profile_add_pages(f, 0, 0);
	ck_assert_int_eq(xip_profile_add_file(&p, "/bin/busybox", 4096 * 3 + 1, &f), 0);
	xip_profile_add_pages(f, 0, 1);
	xip_profile_add_pages(f, 3, 3);
	ck_assert_int_eq(xip_profile_add_file(&p, "/bin!", 0, NULL), 0);
	/* '!' (0x21) sorts after ' ' (0x20) and before '/' (0x2f): bytes of the path, not of its escaped form */
	ck_assert_int_eq(xip_profile_add_file(&p, "/bin ", 1, NULL), 0);
	ck_assert_int_eq(xip_profile_sort(&p, err), 0);
	text = text_of(&p, "mount /mnt\nat noon");
	ck_assert_str_eq(text,
			 "cramfs-xip-profile 1\n"
			 "page-size 4096\n"
			 "# mount /mnt\n"
			 "# at noon\n"
			 "file /bin%20 1 -\n"
			 "file /bin! 0 -\n"
			 "file /bin/busybox 12289 0-1,3\n"
			 "file /odd%20dir/a%25b%01%7F%FF%C3%A9 10 0\n");
	free(text);
	xip_profile_free(&p);
}
END_TEST

START_TEST(test_round_trip)
{
	static const char text[] =
		"cramfs-xip-profile 1\n"
		"page-size 16384\n"
		"# written by hand\n"
		"file /a 0 -\n"
		"# a comment between file lines\n"
		"file /b%25%20c 16385 0-1\n"
		"file /lib/libc.so.6 1000000 0-12,14,20-40,61\n"
		"file /x 16384 0\n";
	struct xip_profile p;
	char err[XIP_PROFILE_ERR_MAX], *out;
	const struct xip_profile_file *f;

	ck_assert_int_eq(read_text(text, &p, err), 0);
	ck_assert_uint_eq(p.page_size, 16384);
	ck_assert_uint_eq(p.n_files, 4);
	f = xip_profile_find(&p, "/b% c");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->size, 16385);
	ck_assert_str_eq(ranges_of(f), "0-1");
	ck_assert_ptr_null(xip_profile_find(&p, "/b%25%20c"));
	out = text_of(&p, "written by hand");
	ck_assert_str_eq(out,
			 "cramfs-xip-profile 1\n"
			 "page-size 16384\n"
			 "# written by hand\n"
			 "file /a 0 -\n"
			 "file /b%25%20c 16385 0-1\n"
			 "file /lib/libc.so.6 1000000 0-12,14,20-40,61\n"
			 "file /x 16384 0\n");
	free(out);
	xip_profile_free(&p);
}
END_TEST

/* Each text the reader must refuse, and its message. */
static const struct {
	const char *text, *message;
} refusals[] = {
	{ "", "t.profile: empty, not a cramfs-xip profile" },
	{ "# only a comment\n", "t.profile: empty, not a cramfs-xip profile" },
	{ "cramfs-xip-profile 2\npage-size 4096\n", "t.profile:1: profile version 2, this program reads version 1" },
	{ "cramfs-xip-profile 01\n", "t.profile:1: the version is not a number" },
	{ "cramfs-xip-profile\n", "t.profile:1: not a cramfs-xip profile" },
	{ "cramfs-xip-profile 1 \n", "t.profile:1: the version is not a number" },
	{ "cramfs-xip-profile 1\n", "t.profile:1: no 'page-size N' line" },
	{ "cramfs-xip-profile 1\nfile /a 1 -\n", "t.profile:2: no 'page-size N' line after the first line" },
	{ "cramfs-xip-profile 1\npage-size 4095\n", "t.profile:2: the page size is not a power of two" },
	{ "cramfs-xip-profile 1\npage-size 256\n", "t.profile:2: the page size is not a power of two" },
	{ "cramfs-xip-profile 1\npage-size 4096\npage-size 4096\n", "t.profile:3: a second page-size line" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 1 -", "t.profile:3: the last line has no newline" },
	{ "cramfs-xip-profile 1\npage-size 4096\n\n", "t.profile:3: expected 'file PATH SIZE RANGES' or a '#' comment" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 1 -\r\n", "t.profile:3: the ranges are not" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 1  -\n", "t.profile:3: the ranges are not" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a\n", "t.profile:3: expected 'file PATH SIZE RANGES'" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile a 1 -\n", "t.profile:3: the path does not start with '/'" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile / 1 -\n", "t.profile:3: an empty component in the path" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a//b 1 -\n", "t.profile:3: an empty component" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a/ 1 -\n", "t.profile:3: an empty component" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a/../b 1 -\n", "t.profile:3: a '.' or '..' component" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a%2 1 -\n", "t.profile:3: a '%' without two uppercase hex digits" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a%2f 1 -\n", "t.profile:3: a '%' without two uppercase hex digits" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a%41 1 -\n", "t.profile:3: %XX for a byte that is written as itself" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a%00 1 -\n", "t.profile:3: %00 in the path" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a\tb 1 -\n", "t.profile:3: a byte in the path that must be written %XX" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a\xff 1 -\n", "t.profile:3: a byte in the path that must be written %XX" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 01 -\n", "t.profile:3: the size is not a decimal number" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a -1 -\n", "t.profile:3: the size is not a decimal number" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 99999999999999999999 -\n", "t.profile:3: the size is not a decimal number" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 1 \n", "t.profile:3: the ranges are not" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 8192 0,\n", "t.profile:3: the ranges are not" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 8192 ,0\n", "t.profile:3: the ranges are not" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 8192 00\n", "t.profile:3: the ranges are not" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 8192 0-\n", "t.profile:3: the ranges are not" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 8192 1-0\n", "t.profile:3: a range that does not go up" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 8192 1-1\n", "t.profile:3: a range that does not go up" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 409600 5,3\n", "t.profile:3: ranges out of order or overlapping" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 409600 1-5,5-6\n", "t.profile:3: ranges out of order or overlapping" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 409600 1-5,6\n", "t.profile:3: adjacent ranges (write them as one)" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 4097 2\n", "t.profile:3: a page past the end of the file" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 4096 0-1\n", "t.profile:3: a page past the end of the file" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 0 0\n", "t.profile:3: a page past the end of the file" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /b 1 -\n# c\nfile /a 1 -\n", "t.profile:5: the file lines are not sorted by path" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 1 -\nfile /a 1 0\n", "t.profile:4: this path is on the line before too" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a%20 1 -\nfile /a! 1 -\nfile /a%20 1 -\n", "t.profile:5: the file lines are not sorted by path" },
	{ "cramfs-xip-profile 1\npage-size 4096\nfile /a 1 -\nfiles /b 1 -\n", "t.profile:4: expected 'file PATH SIZE RANGES'" },
};

START_TEST(test_refusals)
{
	struct xip_profile p;
	char err[XIP_PROFILE_ERR_MAX];
	int e = read_text(refusals[_i].text, &p, err);

	ck_assert_msg(e == -EINVAL, "case %d: read gave %d, not -EINVAL (message '%s')", _i, e, err);
	ck_assert_msg(strstr(err, refusals[_i].message) == err, "case %d: message '%s', expected '%s...'", _i, err,
		      refusals[_i].message);
	ck_assert_ptr_null(p.files);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "cramfs-xip-profile 1\npage-size 4096\nfile /a\0b 1 -\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct xip_profile p;
	char err[XIP_PROFILE_ERR_MAX];

	ck_assert_int_eq(xip_profile_read(f, "n", &p, err), -EINVAL);
	ck_assert_str_eq(err, "n:3: a NUL byte in the line");
	fclose(f);
}
END_TEST

START_TEST(test_merge)
{
	struct xip_profile a, b, all;
	char err[XIP_PROFILE_ERR_MAX], *out;

	ck_assert_int_eq(read_text("cramfs-xip-profile 1\npage-size 4096\n"
				   "file /a 40960 0-2,7\nfile /c 4096 -\nfile /d 8192 1\n", &a, err), 0);
	ck_assert_int_eq(read_text("cramfs-xip-profile 1\npage-size 4096\n"
				   "file /a 40960 3-5,9\nfile /b 1 0\nfile /d 8192 -\n", &b, err), 0);
	xip_profile_init(&all, 4096);
	ck_assert_int_eq(xip_profile_merge(&all, &a, "a", err), 0);
	ck_assert_int_eq(xip_profile_merge(&all, &b, "b", err), 0);
	out = text_of(&all, NULL);
	/* 0-2 and 3-5 are adjacent: one range */
	ck_assert_str_eq(out, "cramfs-xip-profile 1\npage-size 4096\n"
			      "file /a 40960 0-5,7,9\nfile /b 1 0\nfile /c 4096 -\nfile /d 8192 1\n");
	free(out);
	xip_profile_free(&b);

	/* a file whose size differs */
	ck_assert_int_eq(read_text("cramfs-xip-profile 1\npage-size 4096\nfile /c 4097 -\n", &b, err), 0);
	ck_assert_int_eq(xip_profile_merge(&all, &b, "other.profile", err), -EINVAL);
	ck_assert_str_eq(err, "other.profile: /c is 4097 bytes, but 4096 bytes in the profiles before it");
	xip_profile_free(&b);

	/* another page size */
	ck_assert_int_eq(read_text("cramfs-xip-profile 1\npage-size 65536\nfile /c 4096 -\n", &b, err), 0);
	ck_assert_int_eq(xip_profile_merge(&all, &b, "64k.profile", err), -EINVAL);
	ck_assert_str_eq(err, "64k.profile: page size 65536, not 4096 as in the profiles before it");
	xip_profile_free(&b);
	xip_profile_free(&a);
	xip_profile_free(&all);
}
END_TEST

START_TEST(test_sort_duplicates)
{
	struct xip_profile p;
	char err[XIP_PROFILE_ERR_MAX];

	xip_profile_init(&p, 4096);
	xip_profile_add_file(&p, "/x y", 1, NULL);
	xip_profile_add_file(&p, "/a", 1, NULL);
	xip_profile_add_file(&p, "/x y", 2, NULL);
	ck_assert_int_eq(xip_profile_sort(&p, err), -EEXIST);
	ck_assert_str_eq(err, "/x%20y is listed twice");
	xip_profile_free(&p);
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");

	tcase_add_test(tc, test_add_pages_folds);
	tcase_add_test(tc, test_write_escapes_and_sorts);
	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_refusals, 0, (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_sort_duplicates);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(profile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
