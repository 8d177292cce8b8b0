// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bFLT header, as fs/binfmt_flat.c reads it: "bFLT", then revision,
 * entry, data_start, data_end, bss_end, stack_size, reloc_start,
 * reloc_count, flags, build_date and five reserved words, each 32 bits
 * big-endian.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "flat.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int cramfs_flat_parse(const uint8_t *buf, size_t len, uint64_t file_size, struct cramfs_flat_info *info,
		      char *why, size_t whylen)
{
	memset(info, 0, sizeof(*info));
	if (whylen)
		why[0] = '\0';
	if (len > file_size)
		len = (size_t)file_size;
	if (len < 4 || memcmp(buf, "bFLT", 4))
		return CRAMFS_FLAT_NOT_FLAT;
	if (len < CRAMFS_FLAT_HDR_SIZE) {
		snprintf(why, whylen, "bFLT header cut short: the file has %" PRIu64 " bytes, the header 64",
			 file_size);
		return CRAMFS_FLAT_BAD;
	}
	info->rev = be32(buf + 4);
	info->entry = be32(buf + 8);
	info->data_start = be32(buf + 12);
	info->data_end = be32(buf + 16);
	info->bss_end = be32(buf + 20);
	info->stack_size = be32(buf + 24);
	info->reloc_start = be32(buf + 28);
	info->reloc_count = be32(buf + 32);
	info->flags = be32(buf + 36);
	if (info->rev != CRAMFS_FLAT_VERSION)
		snprintf(why, whylen, "bFLT revision %" PRIu32 " (only revision 4 is understood)", info->rev);
	else if (info->data_start < CRAMFS_FLAT_HDR_SIZE || info->data_start > file_size)
		snprintf(why, whylen, "bFLT data_start %" PRIu32 " is not between the header's end (64) and the "
			 "file's end (%" PRIu64 ")", info->data_start, file_size);
	else if (info->data_end < info->data_start || info->bss_end < info->data_end)
		snprintf(why, whylen, "bFLT segments out of order: data_start %" PRIu32 ", data_end %" PRIu32
			 ", bss_end %" PRIu32, info->data_start, info->data_end, info->bss_end);
	else
		return CRAMFS_FLAT_OK;
	return CRAMFS_FLAT_BAD;
}

const char *cramfs_flat_text_copied(const struct cramfs_flat_info *info)
{
	if (info->flags & CRAMFS_FLAT_FLAG_GZIP)
		return "bFLT flags: compressed (FLAT_FLAG_GZIP), loaded into RAM";
	if (info->flags & CRAMFS_FLAT_FLAG_RAM)
		return "bFLT flags: FLAT_FLAG_RAM, loaded into RAM";
	return NULL;
}
