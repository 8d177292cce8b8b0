// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * XIP profiles: the pages of each file that a workload used, as
 * `cramfs-xip profile` writes them on the board (cramfs-xip(8)):
 *
 *	cramfs-xip-profile 1
 *	page-size 4096
 *	# comments
 *	file PATH SIZE RANGES
 *
 * One file line per regular file, sorted by the bytes of PATH; PATH starts
 * with '/', every byte <= 0x20, >= 0x7f or '%' written as %XX; RANGES is
 * "-" or ascending, disjoint, non-adjacent pages and ranges ("0-12,14").
 * Anything else is refused, naming the file and the line: a profile is
 * taken once and reused for every build, and a damaged one must not
 * quietly change what is stored in place.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct reader {
	const char *path;
	unsigned long line;
	const struct cramfs_log *log;
};

static int refuse(const struct reader *r, const char *what)
{
	cr_err(r->log, "%s: line %lu: %s", r->path, r->line, what);
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* PATH in place: %XX decoded; false if it is not written as the format says. */
static bool unescape(char *s)
{
	char *out = s;

	if (*s != '/')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
			if (lo < 0)
				return false;
			c = (unsigned char)(hi << 4 | lo);
			/* a byte that needs no escape must not have one: one spelling per path */
			if (c > 0x20 && c < 0x7f && c != '%')
				return false;
			s += 2;
		} else if (c <= 0x20 || c >= 0x7f) {
			return false;
		}
		*out++ = (char)c;
	}
	*out = '\0';
	return true;
}

static bool number(const char *s, uint64_t max, uint64_t *v)
{
	return cramfs_parse_number(s, max, v) == 0 && s[0] >= '0' && s[0] <= '9' && (s[0] != '0' || !s[1]);
}

static int parse_ranges(const struct reader *r, char *s, uint64_t pages, struct cramfs_profile_file *f)
{
	size_t cap = 0;
	uint64_t prev_end = 0;

	if (!strcmp(s, "-"))
		return 0;
	for (char *tok = s, *next; tok; tok = next) {
		uint64_t a, b;
		char *dash;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		if (!number(tok, UINT32_MAX, &a) || (dash && !number(dash + 1, UINT32_MAX, &b)))
			return refuse(r, "pages must be numbers or FIRST-LAST, separated by commas");
		if (!dash)
			b = a;
		if (b <= a && dash)
			return refuse(r, "a range must end after it starts");
		if (f->nranges && a <= prev_end)
			return refuse(r, "pages must be ascending, and adjacent ranges joined");
		if (b >= pages) {
			char msg[160];
			snprintf(msg, sizeof(msg), "page %" PRIu64 " is past the end of the file (%" PRIu64 " pages)",
				 b, pages);
			return refuse(r, msg);
		}
		if (f->nranges == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct cramfs_profile_range *v = realloc(f->ranges, ncap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			f->ranges = v;
			cap = ncap;
		}
		f->ranges[f->nranges++] = (struct cramfs_profile_range){ (uint32_t)a, (uint32_t)b };
		f->hot_pages += (uint32_t)(b - a + 1);
		prev_end = b + 1;
	}
	return 0;
}

static int parse_file_line(const struct reader *r, char *line, struct cramfs_profile *p, size_t *cap)
{
	char *path = line + 5, *size_s, *ranges;
	struct cramfs_profile_file f = { 0 };
	uint64_t size;
	int err;

	if (!p->page_size)
		return refuse(r, "a file line before the page-size line");
	size_s = strchr(path, ' ');
	ranges = size_s ? strchr(size_s + 1, ' ') : NULL;
	if (!ranges || strchr(ranges + 1, ' '))
		return refuse(r, "expected: file PATH SIZE RANGES");
	*size_s++ = '\0';
	*ranges++ = '\0';
	if (!unescape(path))
		return refuse(r, "the path must start with '/' and write bytes <= 0x20, >= 0x7f and '%' as %XX");
	if (!number(size_s, CRAMFS_SIZE_MAX, &size))
		return refuse(r, "the size must be a number below 16 MiB");
	if (p->nfiles && strcmp(p->files[p->nfiles - 1].path, path) >= 0)
		return refuse(r, strcmp(p->files[p->nfiles - 1].path, path) ? "paths must be sorted by their bytes" :
			      "the path is listed twice");
	f.size = (uint32_t)size;
	err = parse_ranges(r, ranges, (size + p->page_size - 1) / p->page_size, &f);
	if (err) {
		free(f.ranges);
		return err;
	}
	f.path = strdup(path);
	if (!f.path) {
		free(f.ranges);
		return -ENOMEM;
	}
	if (p->nfiles == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct cramfs_profile_file *v = realloc(p->files, ncap * sizeof(*v));
		if (!v) {
			free(f.path);
			free(f.ranges);
			return -ENOMEM;
		}
		p->files = v;
		*cap = ncap;
	}
	p->files[p->nfiles++] = f;
	p->hot_pages += f.hot_pages;
	return 0;
}

static int parse_line(struct reader *r, char *line, struct cramfs_profile *p, size_t *cap)
{
	uint64_t v;

	if (r->line == 1)
		return strcmp(line, "cramfs-xip-profile 1") ? refuse(r, "not a cramfs-xip profile of version 1 "
								    "(\"cramfs-xip-profile 1\")") : 0;
	if (line[0] == '#')
		return 0;
	if (!strncmp(line, "page-size ", 10)) {
		if (p->page_size)
			return refuse(r, "a second page-size line");
		if (!number(line + 10, 65536, &v) || (v != 4096 && v != 16384 && v != 65536))
			return refuse(r, "the page size must be 4096, 16384 or 65536");
		p->page_size = (uint32_t)v;
		return 0;
	}
	if (!strncmp(line, "file ", 5))
		return parse_file_line(r, line, p, cap);
	return refuse(r, "expected a page-size, file or comment line");
}

int cramfs_profile_read(const char *path, const struct cramfs_log *log, struct cramfs_profile **out)
{
	struct reader r = { .path = path, .log = log };
	struct cramfs_profile *p = calloc(1, sizeof(*p));
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t linecap = 0, cap = 0;
	ssize_t n;
	int err = 0;

	*out = NULL;
	if (!p || !f) {
		err = p ? -errno : -ENOMEM;
		if (!f && p)
			cr_err(log, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	while ((n = getline(&line, &linecap, f)) >= 0) {
		r.line++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else {
			err = refuse(&r, "the last line has no line end (a profile cut short?)");
			break;
		}
		if ((size_t)n != strlen(line)) {
			err = refuse(&r, "a NUL byte in the line");
			break;
		}
		err = parse_line(&r, line, p, &cap);
		if (err)
			break;
	}
	if (!err && ferror(f)) {
		err = -EIO;
		cr_err(log, "%s: read error", path);
	}
	if (!err && !r.line) {
		err = -EINVAL;
		cr_err(log, "%s: empty: not a cramfs-xip profile", path);
	} else if (!err && !p->page_size) {
		r.line++;
		err = refuse(&r, "no page-size line");
	}
out:
	free(line);
	if (f)
		fclose(f);
	if (err) {
		cramfs_profile_free(p);
		return err;
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
