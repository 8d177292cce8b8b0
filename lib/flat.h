/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Just enough of a bFLT reader for execute-in-place images.  A FLAT program
 * (the executable format of no-MMU Linux) starts with a 64-byte header whose
 * fields are big-endian whatever the target.  binfmt_flat maps the program's
 * text, file offset 0 (the header included) up to data_start, with a private
 * read-only mmap: on a no-MMU kernel that mapping is the flash itself when
 * the range is one direct run of the image.  The data segment is always
 * copied.  Nothing here prints or exits.
 */
#ifndef CRAMFS_FLAT_H
#define CRAMFS_FLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRAMFS_FLAT_HDR_SIZE 64
#define CRAMFS_FLAT_VERSION 4
#define CRAMFS_FLAT_FLAG_RAM 0x1u   /* load the whole program into RAM */
#define CRAMFS_FLAT_FLAG_GZIP 0x4u  /* text and data are compressed */

struct cramfs_flat_info {
	uint32_t rev;
	uint32_t entry, data_start, data_end, bss_end, stack_size, reloc_start, reloc_count, flags;
};

enum { CRAMFS_FLAT_OK = 0, CRAMFS_FLAT_NOT_FLAT = 1, CRAMFS_FLAT_BAD = 2 };

/*
 * Reads the header from the first len bytes of a file of file_size bytes.
 * CRAMFS_FLAT_NOT_FLAT without the "bFLT" magic; CRAMFS_FLAT_BAD when the
 * magic is there but the header is not one binfmt_flat loads (why says
 * what, naming the field and its value); CRAMFS_FLAT_OK otherwise.
 */
int cramfs_flat_parse(const uint8_t *buf, size_t len, uint64_t file_size, struct cramfs_flat_info *info,
		      char *why, size_t whylen);

/* Why binfmt_flat copies this program's text to RAM whatever the image's layout; NULL if it maps it. */
const char *cramfs_flat_text_copied(const struct cramfs_flat_info *info);

#endif /* CRAMFS_FLAT_H */
