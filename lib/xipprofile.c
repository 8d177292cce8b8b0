// SPDX-License-Identifier: GPL-2.0-or-later
/* Page-use profiles: the format is described in xipprofile.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xipprofile.h"

void xip_profile_init(struct xip_profile *p, uint64_t page_size)
{
	memset(p, 0, sizeof(*p));
	p->page_size = page_size;
}

void xip_profile_free(struct xip_profile *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].path);
		free(p->files[i].ranges);
	}
	free(p->files);
	memset(p, 0, sizeof(*p));
}

uint64_t xip_profile_pages(const struct xip_profile *p, uint64_t size)
{
	return size / p->page_size + (size % p->page_size != 0);
}

int xip_profile_add_file(struct xip_profile *p, const char *path, uint64_t size,
			 struct xip_profile_file **out)
{
	struct xip_profile_file *f;

	if (p->n_files == p->cap_files) {
		size_t cap = p->cap_files ? p->cap_files * 2 : 64;
		void *n = realloc(p->files, cap * sizeof(*p->files));

		if (!n)
			return -ENOMEM;
		p->files = n;
		p->cap_files = cap;
	}
	f = &p->files[p->n_files];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return -ENOMEM;
	f->size = size;
	p->n_files++;
	if (out)
		*out = f;
	return 0;
}

int xip_profile_add_pages(struct xip_profile_file *f, uint64_t first, uint64_t last)
{
	size_t lo = 0, hi, n = f->n_ranges;

	/* lo: the first range that ends at or after first - 1 (it may be folded in) */
	while (lo < n && f->ranges[lo].last + 1 < first)
		lo++;
	/* hi: one past the last range that starts at or before last + 1 */
	hi = lo;
	while (hi < n && f->ranges[hi].first <= last + 1)
		hi++;
	if (hi > lo) {
		/* fold ranges lo..hi-1 and the new pages into range lo */
		if (f->ranges[lo].first < first)
			first = f->ranges[lo].first;
		if (f->ranges[hi - 1].last > last)
			last = f->ranges[hi - 1].last;
		f->ranges[lo].first = first;
		f->ranges[lo].last = last;
		memmove(&f->ranges[lo + 1], &f->ranges[hi], (n - hi) * sizeof(*f->ranges));
		f->n_ranges = n - (hi - lo - 1);
		return 0;
	}
	if (n == f->cap_ranges) {
		size_t cap = f->cap_ranges ? f->cap_ranges * 2 : 8;
		void *r = realloc(f->ranges, cap * sizeof(*f->ranges));

		if (!r)
			return -ENOMEM;
		f->ranges = r;
		f->cap_ranges = cap;
	}
	memmove(&f->ranges[lo + 1], &f->ranges[lo], (n - lo) * sizeof(*f->ranges));
	f->ranges[lo].first = first;
	f->ranges[lo].last = last;
	f->n_ranges = n + 1;
	return 0;
}

/* Paths compare by their bytes, as unsigned chars (strcmp does). */
static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct xip_profile_file *)a)->path, ((const struct xip_profile_file *)b)->path);
}

static void put_err(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_err(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, XIP_PROFILE_ERR_MAX, fmt, ap);
	va_end(ap);
}

/* A path for a message: escaped as in the format, cut to fit. */
static const char *msg_path(const char *path, char *buf, size_t cap)
{
	size_t w = 0;

	for (const unsigned char *s = (const unsigned char *)path; *s && w + 4 < cap; s++) {
		if (*s <= 0x20 || *s >= 0x7f || *s == '%')
			w += (size_t)snprintf(buf + w, cap - w, "%%%02X", *s);
		else
			buf[w++] = (char)*s;
	}
	buf[w] = 0;
	return buf;
}

int xip_profile_sort(struct xip_profile *p, char *err)
{
	char b[256];

	qsort(p->files, p->n_files, sizeof(*p->files), cmp_file);
	for (size_t i = 1; i < p->n_files; i++)
		if (!strcmp(p->files[i - 1].path, p->files[i].path)) {
			put_err(err, "%s is listed twice", msg_path(p->files[i].path, b, sizeof(b)));
			return -EEXIST;
		}
	return 0;
}

struct xip_profile_file *xip_profile_find(const struct xip_profile *p, const char *path)
{
	struct xip_profile_file key = { .path = (char *)path };

	if (!p->n_files)
		return NULL;
	return bsearch(&key, p->files, p->n_files, sizeof(*p->files), cmp_file);
}

int xip_profile_merge(struct xip_profile *into, const struct xip_profile *from, const char *from_name,
		      char *err)
{
	size_t before = into->n_files;
	bool added = false;
	char b[256];
	int e;

	if (into->page_size != from->page_size) {
		put_err(err, "%s: page size %llu, not %llu as in the profiles before it", from_name,
			(unsigned long long)from->page_size, (unsigned long long)into->page_size);
		return -EINVAL;
	}
	for (size_t i = 0; i < from->n_files; i++) {
		const struct xip_profile_file *s = &from->files[i];
		struct xip_profile_file *d = NULL;

		/* the files added by this merge are past "before": not searched, and not in from twice */
		if (before) {
			struct xip_profile_file key = { .path = s->path };

			d = bsearch(&key, into->files, before, sizeof(*into->files), cmp_file);
		}
		if (d && d->size != s->size) {
			put_err(err, "%s: %s is %llu bytes, but %llu bytes in the profiles before it", from_name,
				msg_path(s->path, b, sizeof(b)), (unsigned long long)s->size,
				(unsigned long long)d->size);
			return -EINVAL;
		}
		if (!d) {
			e = xip_profile_add_file(into, s->path, s->size, &d);
			if (e)
				goto nomem;
			added = true;
		}
		for (size_t r = 0; r < s->n_ranges; r++) {
			e = xip_profile_add_pages(d, s->ranges[r].first, s->ranges[r].last);
			if (e)
				goto nomem;
		}
	}
	if (added)
		qsort(into->files, into->n_files, sizeof(*into->files), cmp_file);
	return 0;
nomem:
	put_err(err, "%s: out of memory", from_name);
	return -ENOMEM;
}

/* ---- reading ---- */

/* A decimal number without sign or leading zero, of at most 64 bits; *end after it. */
static bool parse_u64(const char *s, const char **end, uint64_t *v)
{
	uint64_t n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*v = n;
	*end = p;
	return true;
}

static bool must_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '%';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes the escaped path of [s, s + len) into out (len + 1 bytes).  NULL
 * on success, else what is wrong.
 */
static const char *decode_path(const char *s, size_t len, char *out)
{
	size_t w = 0;

	if (!len || s[0] != '/')
		return "the path does not start with '/'";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return "a '%' without two uppercase hex digits after it";
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);

			if (hi < 0 || lo < 0)
				return "a '%' without two uppercase hex digits after it";
			c = (unsigned char)(hi << 4 | lo);
			if (!c)
				return "%00 in the path";
			if (!must_escape(c))
				return "%XX for a byte that is written as itself";
			i += 2;
		} else if (must_escape(c)) {
			return "a byte in the path that must be written %XX";
		}
		out[w++] = (char)c;
	}
	out[w] = 0;
	/* the path of a file: no empty component, no "." or "..", not the root */
	for (const char *p = out; *p; ) {
		const char *comp = p + 1, *next = strchr(comp, '/');
		size_t n = next ? (size_t)(next - comp) : strlen(comp);

		if (!n)
			return "an empty component in the path";
		if ((n == 1 && comp[0] == '.') || (n == 2 && comp[0] == '.' && comp[1] == '.'))
			return "a '.' or '..' component in the path";
		p = comp + n;
	}
	return NULL;
}

/* The file line after "file ": PATH SIZE RANGES.  NULL, or what is wrong. */
static const char *parse_file_line(struct xip_profile *p, const char *s, struct xip_profile_file **out,
				   int *oom)
{
	const char *sp = strchr(s, ' '), *q, *why;
	struct xip_profile_file *f;
	uint64_t size, pages, prev_last = 0;
	bool have_prev = false;
	char *path;

	if (!sp)
		return "expected 'file PATH SIZE RANGES'";
	path = malloc((size_t)(sp - s) + 1);
	if (!path) {
		*oom = 1;
		return "out of memory";
	}
	why = decode_path(s, (size_t)(sp - s), path);
	if (why) {
		free(path);
		return why;
	}
	q = sp + 1;
	if (!parse_u64(q, &q, &size) || *q != ' ') {
		free(path);
		return "the size is not a decimal number followed by one space";
	}
	q++;
	if (xip_profile_add_file(p, path, size, &f)) {
		free(path);
		*oom = 1;
		return "out of memory";
	}
	free(path);
	*out = f;
	pages = xip_profile_pages(p, size);
	if (!strcmp(q, "-"))
		return NULL;
	for (;;) {
		uint64_t first, last;

		if (!parse_u64(q, &q, &first))
			return "the ranges are not '-' or a list like 0-12,14";
		last = first;
		if (*q == '-') {
			q++;
			if (!parse_u64(q, &q, &last))
				return "the ranges are not '-' or a list like 0-12,14";
			if (last <= first)
				return "a range that does not go up (write a single page as N)";
		}
		if (have_prev && first <= prev_last + 1)
			return first <= prev_last ? "ranges out of order or overlapping"
						  : "adjacent ranges (write them as one)";
		if (last >= pages)
			return "a page past the end of the file";
		if (xip_profile_add_pages(f, first, last)) {
			*oom = 1;
			return "out of memory";
		}
		have_prev = true;
		prev_last = last;
		if (!*q)
			return NULL;
		if (*q != ',' || !q[1])
			return "the ranges are not '-' or a list like 0-12,14";
		q++;
	}
}

int xip_profile_read(FILE *f, const char *name, struct xip_profile *p, char *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	enum { WANT_HEADER, WANT_PAGE_SIZE, FILES } state = WANT_HEADER;
	const char *why = NULL;
	int ret = -EINVAL;

	xip_profile_init(p, 0);
	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		int oom = 0;

		lineno++;
		if (!len || line[len - 1] != '\n') {
			why = "the last line has no newline (the file is cut short?)";
			goto bad;
		}
		line[--len] = 0;
		if ((size_t)len != strlen(line)) {
			why = "a NUL byte in the line";
			goto bad;
		}
		if (line[0] == '#')
			continue;
		switch (state) {
		case WANT_HEADER: {
			const char *q;
			uint64_t v;

			if (strncmp(line, "cramfs-xip-profile ", 19)) {
				why = "not a cramfs-xip profile (the first line must be 'cramfs-xip-profile 1')";
				goto bad;
			}
			if (!parse_u64(line + 19, &q, &v) || *q) {
				why = "the version is not a number";
				goto bad;
			}
			if (v != 1) {
				snprintf(err, XIP_PROFILE_ERR_MAX, "%s:%lu: profile version %llu, this program reads version 1",
					 name, lineno, (unsigned long long)v);
				goto fail;
			}
			state = WANT_PAGE_SIZE;
			break;
		}
		case WANT_PAGE_SIZE: {
			const char *q;
			uint64_t v;

			if (strncmp(line, "page-size ", 10)) {
				why = "no 'page-size N' line after the first line";
				goto bad;
			}
			if (!parse_u64(line + 10, &q, &v) || *q || v < 512 || (v & (v - 1))) {
				why = "the page size is not a power of two of at least 512";
				goto bad;
			}
			p->page_size = v;
			state = FILES;
			break;
		}
		case FILES: {
			struct xip_profile_file *fl = NULL;

			if (strncmp(line, "file ", 5)) {
				why = !strncmp(line, "page-size ", 10) ? "a second page-size line"
					: "expected 'file PATH SIZE RANGES' or a '#' comment";
				goto bad;
			}
			why = parse_file_line(p, line + 5, &fl, &oom);
			if (oom) {
				snprintf(err, XIP_PROFILE_ERR_MAX, "%s:%lu: out of memory", name, lineno);
				ret = -ENOMEM;
				goto fail;
			}
			if (why)
				goto bad;
			if (p->n_files > 1) {
				int c = strcmp(p->files[p->n_files - 2].path, fl->path);

				if (c == 0) {
					why = "this path is on the line before too";
					goto bad;
				}
				if (c > 0) {
					why = "the file lines are not sorted by path";
					goto bad;
				}
			}
			break;
		}
		}
		errno = 0;
	}
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, XIP_PROFILE_ERR_MAX, "%s: %s", name, strerror(-ret));
		goto fail;
	}
	if (state == WANT_HEADER) {
		snprintf(err, XIP_PROFILE_ERR_MAX, "%s: empty, not a cramfs-xip profile", name);
		goto fail;
	}
	if (state == WANT_PAGE_SIZE) {
		snprintf(err, XIP_PROFILE_ERR_MAX, "%s:%lu: no 'page-size N' line", name, lineno);
		goto fail;
	}
	free(line);
	return 0;
bad:
	snprintf(err, XIP_PROFILE_ERR_MAX, "%s:%lu: %s", name, lineno, why);
fail:
	free(line);
	xip_profile_free(p);
	return ret;
}

/* ---- writing ---- */

void xip_profile_put_path(FILE *f, const char *path)
{
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if (must_escape(*s))
			fprintf(f, "%%%02X", *s);
		else
			putc(*s, f);
	}
}

int xip_profile_write(FILE *f, const struct xip_profile *p, const char *comment)
{
	fprintf(f, "cramfs-xip-profile 1\npage-size %llu\n", (unsigned long long)p->page_size);
	while (comment && *comment) {
		size_t n = strcspn(comment, "\n");

		fprintf(f, "# %.*s\n", (int)n, comment);
		comment += n;
		if (*comment)
			comment++;
	}
	for (size_t i = 0; i < p->n_files; i++) {
		const struct xip_profile_file *fl = &p->files[i];

		fputs("file ", f);
		xip_profile_put_path(f, fl->path);
		fprintf(f, " %llu ", (unsigned long long)fl->size);
		if (!fl->n_ranges)
			putc('-', f);
		for (size_t r = 0; r < fl->n_ranges; r++) {
			fprintf(f, "%s%llu", r ? "," : "", (unsigned long long)fl->ranges[r].first);
			if (fl->ranges[r].last != fl->ranges[r].first)
				fprintf(f, "-%llu", (unsigned long long)fl->ranges[r].last);
		}
		putc('\n', f);
	}
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
