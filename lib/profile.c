// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * XIP profiles for the library's users: the pages of each file that a
 * workload used, as `cramfs-xip profile` writes them on the board.  The
 * format and its one reader are xipprofile.c (which the board's tool also
 * links, without the library); this gives the library's view of a profile
 * read from a file, with its messages going to a cramfs_log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xipprofile.h"

/* One file of the reader's profile, taken over: path moved, ranges narrowed to 32-bit pages. */
static int take_file(struct cramfs_profile_file *to, struct xip_profile_file *from)
{
	to->path = from->path;
	from->path = NULL;
	to->size = from->size;
	/* a file cramfs cannot hold matches no file of an image: its pages are of no use */
	if (from->size > CRAMFS_SIZE_MAX || !from->n_ranges)
		return 0;
	to->ranges = calloc(from->n_ranges, sizeof(*to->ranges));
	if (!to->ranges)
		return -ENOMEM;
	for (size_t i = 0; i < from->n_ranges; i++) {
		to->ranges[i] = (struct cramfs_profile_range){ (uint32_t)from->ranges[i].first,
							      (uint32_t)from->ranges[i].last };
		to->hot_pages += (uint32_t)(from->ranges[i].last - from->ranges[i].first + 1);
	}
	to->nranges = from->n_ranges;
	return 0;
}

int cramfs_profile_read(const char *path, const struct cramfs_log *log, struct cramfs_profile **out)
{
	char err[XIP_PROFILE_ERR_MAX];
	struct xip_profile xp;
	struct cramfs_profile *p;
	FILE *f = fopen(path, "re");
	int ret;

	*out = NULL;
	if (!f) {
		ret = -errno;
		cr_err(log, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	ret = xip_profile_read(f, path, &xp, err);
	fclose(f);
	if (ret) {
		cr_err(log, "%s", err);
		return ret;
	}
	if (xp.page_size > 65536) {
		cr_err(log, "%s: page size %llu: cramfs pages are at most 65536 bytes", path,
		       (unsigned long long)xp.page_size);
		xip_profile_free(&xp);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (p)
		p->files = calloc(xp.n_files ? xp.n_files : 1, sizeof(*p->files));
	if (!p || !p->files) {
		free(p);
		xip_profile_free(&xp);
		return -ENOMEM;
	}
	p->page_size = (uint32_t)xp.page_size;
	for (size_t i = 0; i < xp.n_files && !ret; i++) {
		ret = take_file(&p->files[i], &xp.files[i]);
		p->nfiles = i + 1;
		p->hot_pages += p->files[i].hot_pages;
	}
	xip_profile_free(&xp);
	if (ret) {
		cramfs_profile_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

void cramfs_profile_free(struct cramfs_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].path);
		free(p->files[i].ranges);
	}
	free(p->files);
	free(p);
}

static int cmp_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cramfs_profile_file *)elem)->path);
}

const struct cramfs_profile_file *cramfs_profile_find(const struct cramfs_profile *p, const char *path)
{
	return p->nfiles ? bsearch(path, p->files, p->nfiles, sizeof(*p->files), cmp_path) : NULL;
}

bool cramfs_profile_hot(const struct cramfs_profile_file *f, uint32_t page)
{
	size_t lo = 0, hi = f ? f->nranges : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (page < f->ranges[mid].first)
			hi = mid;
		else if (page > f->ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}
