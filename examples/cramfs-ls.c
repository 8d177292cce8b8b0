// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cramfs-ls: list a cramfs image and check it, with the libcramfs API.
 *
 *   cc cramfs-ls.c $(pkg-config --cflags --libs libcramfs) -o cramfs-ls
 *   ./cramfs-ls image
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cramfs/cramfs.h>

static void print_message(void *ctx, enum cramfs_level level, const char *text)
{
	(void)ctx;
	fprintf(stderr, "%s%s\n", level == CRAMFS_ERROR ? "error: " : level == CRAMFS_WARNING ? "warning: " : "",
		text);
}

static int list_entry(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	unsigned long *total = arg;

	(void)img;
	printf("%06o %5u %3u %8u %s\n", e->inode.mode, e->inode.uid, e->inode.gid, e->inode.size, e->path);
	if (S_ISREG(e->inode.mode))
		*total += e->inode.size;
	return 0;
}

int main(int argc, char **argv)
{
	struct cramfs_open_options oo = { .log = { print_message, NULL, CRAMFS_WARNING } };
	struct cramfs_check_options co = { .log = oo.log };
	struct cramfs_check_result cr;
	struct cramfs_image *img;
	unsigned long total = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s image\n", argv[0]);
		return 2;
	}
	if (cramfs_image_open(argv[1], &oo, &img) < 0)
		return 1;
	printf("%s: libcramfs %s, %u-byte blocks, %u files\n", argv[1], cramfs_version(),
	       cramfs_image_info(img)->blksize, cramfs_image_info(img)->super.files);
	cramfs_image_walk(img, list_entry, &total);
	if (cramfs_check(img, &co, &cr) < 0 || cr.problems) {
		cramfs_image_close(img);
		return 1;
	}
	printf("%lu bytes in regular files; image checks clean\n", total);
	cramfs_image_close(img);
	return 0;
}
