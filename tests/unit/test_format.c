// SPDX-License-Identifier: GPL-2.0-or-later
/* The on-disk format: inode and superblock packing in both byte orders, block pointers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cramfs/cramfs_format.h"

static const struct cramfs_inode sample = {
	.mode = 0x41ed, .uid = 0x1234, .size = 0xabcdef, .gid = 0x56, .namelen = 8, .offset = 0x100,
};

START_TEST(inode_little_endian_bytes)
{
	/* word0 = mode | uid << 16, word1 = size | gid << 24, word2 = namelen/4 | (offset/4) << 6 */
	static const uint8_t want[12] = { 0xed, 0x41, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x56, 0x02, 0x10, 0x00, 0x00 };
	uint8_t got[12];

	cramfs_inode_pack(got, &sample, CRAMFS_LITTLE_ENDIAN);
	ck_assert_mem_eq(got, want, 12);
}
END_TEST

START_TEST(inode_big_endian_bytes)
{
	/* the first field of each word in the high bits */
	static const uint8_t want[12] = { 0x41, 0xed, 0x12, 0x34, 0xab, 0xcd, 0xef, 0x56, 0x08, 0x00, 0x00, 0x40 };
	uint8_t got[12];

	cramfs_inode_pack(got, &sample, CRAMFS_BIG_ENDIAN);
	ck_assert_mem_eq(got, want, 12);
}
END_TEST

START_TEST(inode_round_trip_extremes)
{
	const struct cramfs_inode cases[] = {
		{ 0, 0, 0, 0, 0, 0 },
		{ 0xffff, 0xffff, 0xffffff, 0xff, 252, 0x0ffffffc },
		{ 0100644, 1, 1, 1, 4, 4 },
		{ 0020620, 0, 0x0401, 5, 12, 0 },
	};
	for (int e = 0; e < 2; e++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint8_t raw[12];
			struct cramfs_inode back;
			cramfs_inode_pack(raw, &cases[i], (enum cramfs_endian)e);
			cramfs_inode_unpack(&back, raw, (enum cramfs_endian)e);
			ck_assert_mem_eq(&back, &cases[i], sizeof(back));
		}
	}
}
END_TEST

START_TEST(inode_pack_masks_wide_values)
{
	/* pack keeps only what fits; the caller warns before */
	struct cramfs_inode wide = { .mode = 0100644, .uid = 70000, .gid = 300, .size = 5, .namelen = 4, .offset = 8 };
	struct cramfs_inode back;
	uint8_t raw[12];

	cramfs_inode_pack(raw, &wide, CRAMFS_LITTLE_ENDIAN);
	cramfs_inode_unpack(&back, raw, CRAMFS_LITTLE_ENDIAN);
	ck_assert_uint_eq(back.uid, 70000 & 0xffff);
	ck_assert_uint_eq(back.gid, 300 & 0xff);
	ck_assert_uint_eq(back.mode, 0100644);
	ck_assert_uint_eq(back.size, 5);
}
END_TEST

START_TEST(super_round_trip_both_orders)
{
	struct cramfs_super sb = { 0 }, back;
	uint8_t raw[CRAMFS_SUPER_SIZE];

	sb.magic = CRAMFS_MAGIC;
	sb.size = 0x123000;
	sb.flags = CRAMFS_FLAG_FSID_VERSION_2 | CRAMFS_FLAG_EXT_BLOCK_POINTERS;
	memcpy(sb.signature, CRAMFS_SIGNATURE, 16);
	sb.crc = 0xdeadbeef;
	sb.edition = 7;
	sb.blocks = 99;
	sb.files = 12;
	memcpy(sb.name, "Compressed\0\0\0\0\0\0", 16);
	sb.root = sample;
	for (int e = 0; e < 2; e++) {
		cramfs_super_pack(raw, &sb, (enum cramfs_endian)e);
		ck_assert_uint_eq(cramfs_get32(raw, (enum cramfs_endian)e), CRAMFS_MAGIC);
		ck_assert_uint_eq(cramfs_get32(raw, (enum cramfs_endian)!e), CRAMFS_MAGIC_SWAPPED);
		ck_assert_mem_eq(raw + CRAMFS_SB_SIGNATURE, "Compressed ROMFS", 16);
		cramfs_super_unpack(&back, raw, (enum cramfs_endian)e);
		ck_assert_mem_eq(&back, &sb, sizeof(sb));
	}
	/* little-endian magic bytes on disk */
	cramfs_super_pack(raw, &sb, CRAMFS_LITTLE_ENDIAN);
	ck_assert_mem_eq(raw, "\x45\x3d\xcd\x28", 4);
	cramfs_super_pack(raw, &sb, CRAMFS_BIG_ENDIAN);
	ck_assert_mem_eq(raw, "\x28\xcd\x3d\x45", 4);
}
END_TEST

START_TEST(block_pointers)
{
	uint32_t p = cramfs_blkptr_direct(0x20000, true);

	ck_assert_uint_eq(p, (0x20000 >> 2) | CRAMFS_BLK_FLAG_DIRECT_PTR | CRAMFS_BLK_FLAG_UNCOMPRESSED);
	ck_assert(cramfs_blkptr_is_direct(p));
	ck_assert(cramfs_blkptr_is_raw(p));
	ck_assert_uint_eq(cramfs_blkptr_direct_start(p), 0x20000);
	p = cramfs_blkptr_direct(0x1234, false);
	ck_assert(cramfs_blkptr_is_direct(p));
	ck_assert(!cramfs_blkptr_is_raw(p));
	ck_assert_uint_eq(cramfs_blkptr_direct_start(p), 0x1234);
	p = cramfs_blkptr_classic(0x5000, false);
	ck_assert_uint_eq(p, 0x5000);
	ck_assert(!cramfs_blkptr_is_direct(p));
	p = cramfs_blkptr_classic(0x5000, true);
	ck_assert_uint_eq(p, 0x80005000u);
	/* the largest direct start: 30 bits of 4-byte units */
	ck_assert_uint_eq(cramfs_blkptr_direct_start(cramfs_blkptr_direct(0xfffffffc, true)), 0xfffffffcu);
}
END_TEST

START_TEST(devices_and_names)
{
	ck_assert_uint_eq(cramfs_encode_dev(4, 64), 0x0440);
	ck_assert(cramfs_dev_fits(255, 255));
	ck_assert(!cramfs_dev_fits(256, 0));
	ck_assert(!cramfs_dev_fits(1, 256));
	ck_assert_uint_eq(cramfs_name_space(1), 4);
	ck_assert_uint_eq(cramfs_name_space(4), 4);
	ck_assert_uint_eq(cramfs_name_space(5), 8);
	ck_assert_uint_eq(cramfs_name_space(252), 252);
	ck_assert_uint_eq(CRAMFS_MAXPATHLEN, 252);
	ck_assert_uint_eq(CRAMFS_DIRENT_READ_LEN, 264);
	ck_assert_uint_eq(CRAMFS_OFFSET_LIMIT, 256u << 20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("format");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, inode_little_endian_bytes);
	tcase_add_test(tc, inode_big_endian_bytes);
	tcase_add_test(tc, inode_round_trip_extremes);
	tcase_add_test(tc, inode_pack_masks_wide_values);
	tcase_add_test(tc, super_round_trip_both_orders);
	tcase_add_test(tc, block_pointers);
	tcase_add_test(tc, devices_and_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
