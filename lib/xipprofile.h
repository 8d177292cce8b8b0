/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page-use profiles of a cramfs image: which pages of which files a workload
 * used.  cramfs-xip writes them on the board; an image writer reads them to
 * decide what to store in place.  Self-contained (libc only), so that it can
 * move into the library as it is.
 *
 * The text format, version 1:
 *
 *     cramfs-xip-profile 1
 *     page-size 4096
 *     # a comment: any line that starts with '#'
 *     file PATH SIZE RANGES
 *
 * One file line per regular file, sorted by the bytes of the path (as in
 * the image, before escaping), each path once.  PATH starts with '/'; every
 * byte <= 0x20, >= 0x7f and '%' is written %XX (uppercase hex), and only
 * those.  SIZE is the file's size in bytes.  RANGES is "-" or page indices
 * and ranges, ascending, neither overlapping nor adjacent: 0-12,14,20-40;
 * every page below ceil(SIZE / page-size).  Numbers are decimal without
 * leading zeros.  Every line ends with a newline.
 */
#ifndef CRAMFS_XIP_PROFILE_H
#define CRAMFS_XIP_PROFILE_H

#include <stdint.h>
#include <stdio.h>

/* pages first to last, both included */
struct xip_range {
	uint64_t first, last;
};

struct xip_profile_file {
	char *path;                 /* as in the image, unescaped, starting with '/' */
	uint64_t size;
	struct xip_range *ranges;   /* ascending, neither overlapping nor adjacent */
	size_t n_ranges, cap_ranges;
};

struct xip_profile {
	uint64_t page_size;
	struct xip_profile_file *files;   /* sorted by path once xip_profile_sort ran */
	size_t n_files, cap_files;
};

/* The longest message a function below writes into its err buffer. */
#define XIP_PROFILE_ERR_MAX 512

void xip_profile_init(struct xip_profile *p, uint64_t page_size);
void xip_profile_free(struct xip_profile *p);

/* The pages of a file of SIZE bytes: ceil(size / page_size). */
uint64_t xip_profile_pages(const struct xip_profile *p, uint64_t size);

/*
 * Adds a file with no pages; *out (when not NULL) points at it until the
 * next file is added.  0, or -ENOMEM.  Duplicates are found by
 * xip_profile_sort.
 */
int xip_profile_add_file(struct xip_profile *p, const char *path, uint64_t size,
			 struct xip_profile_file **out);

/* Adds pages first to last to a file's ranges, folding overlaps and neighbours. 0 or -ENOMEM. */
int xip_profile_add_pages(struct xip_profile_file *f, uint64_t first, uint64_t last);

/*
 * Sorts the files by path.  A path given twice: -EEXIST, with a message in
 * err (XIP_PROFILE_ERR_MAX bytes).
 */
int xip_profile_sort(struct xip_profile *p, char *err);

/* The file of PATH in a sorted profile, or NULL. */
struct xip_profile_file *xip_profile_find(const struct xip_profile *p, const char *path);

/*
 * Adds every page of FROM to INTO (both sorted; INTO stays sorted).  The
 * page sizes must agree, and so must the sizes of a file in both: else
 * -EINVAL with a message in err naming FROM_NAME and both values.  0,
 * -EINVAL or -ENOMEM.
 */
int xip_profile_merge(struct xip_profile *into, const struct xip_profile *from, const char *from_name,
		      char *err);

/*
 * Reads a profile from F (NAME for messages).  0; -EINVAL for anything that
 * is not a valid profile, with "NAME:LINE: what" in err; -errno when F
 * cannot be read, or -ENOMEM, with a message in err too.  P is initialized
 * by the call, and holds nothing to free after an error.
 */
int xip_profile_read(FILE *f, const char *name, struct xip_profile *p, char *err);

/*
 * Writes a sorted profile to F: the header, a '#' line for each line of
 * COMMENT (may be NULL), then the file lines.  0, or -errno of the write.
 */
int xip_profile_write(FILE *f, const struct xip_profile *p, const char *comment);

/* Writes PATH escaped as the format wants it. */
void xip_profile_put_path(FILE *f, const char *path);

#endif
