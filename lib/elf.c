// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ELF program header reader for execute-in-place images (see elf.h).
 *
 * Only the ELF header, the program header table and, with extended
 * numbering, section header 0 are ever looked at.  Every offset and size
 * taken from the file is a 64-bit value that is checked against the file
 * size with overflow-checked arithmetic before any byte it names is
 * touched, so a 32-bit host reading a 64-bit ELF cannot be fooled by
 * values that wrap around.
 */
#include "elf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* e_ident */
#define ELF_MAGIC_LEN	4
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define EI_NIDENT	16
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ELFDATA2MSB	2
#define EV_CURRENT	1

/* Fields at the same place in both classes */
#define E_MACHINE	18

#define PN_XNUM		0xffffu
#define PT_LOAD		1u
#define PF_W		2u

/* The largest ELF header, so one read of the file start covers either class. */
#define EHDR_MAX	64u

/* How much cramfs_elf_read_fd() reads up front, and its cap on the table. */
#define FD_PREFIX	(64u * 1024u)
#define FD_MAX_TABLE	(1024u * 1024u)

/* Where the fields we need sit in each class. */
struct elf_layout {
	int bits;
	unsigned int ehdr_size;
	unsigned int e_phoff;
	unsigned int e_shoff;
	unsigned int e_phentsize;
	unsigned int e_phnum;
	unsigned int e_shentsize;
	unsigned int word;		/* size of addresses and offsets */
	unsigned int phdr_size;
	unsigned int p_flags;
	unsigned int p_offset;
	unsigned int p_filesz;
	unsigned int shdr_size;
	unsigned int sh_info;
};

static const struct elf_layout layout32 = {
	.bits = 32,
	.ehdr_size = 52,
	.e_phoff = 28,
	.e_shoff = 32,
	.e_phentsize = 42,
	.e_phnum = 44,
	.e_shentsize = 46,
	.word = 4,
	.phdr_size = 32,
	.p_flags = 24,
	.p_offset = 4,
	.p_filesz = 16,
	.shdr_size = 40,
	.sh_info = 28,
};

static const struct elf_layout layout64 = {
	.bits = 64,
	.ehdr_size = 64,
	.e_phoff = 32,
	.e_shoff = 40,
	.e_phentsize = 54,
	.e_phnum = 56,
	.e_shentsize = 58,
	.word = 8,
	.phdr_size = 56,
	.p_flags = 4,
	.p_offset = 8,
	.p_filesz = 32,
	.shdr_size = 64,
	.sh_info = 44,
};

/*
 * One parse in progress.  buf holds the first len bytes of the file; when
 * fd is not -1, anything beyond them is fetched with pread into extra,
 * otherwise asking for it ends the parse with CRAMFS_ELF_NEED_MORE.
 */
struct elf_ctx {
	const uint8_t *buf;
	size_t len;
	uint64_t file_size;
	int fd;
	uint64_t max_table;
	uint8_t *extra;
	uint64_t need;
	char *why;
	size_t whylen;
	bool big_endian;
	const struct elf_layout *lay;
};

/*
 * The ELF header fields we use, copied out so that no pointer into a read
 * buffer has to outlive the next read.
 */
struct elf_hdr {
	uint16_t machine;
	uint64_t phoff;
	uint64_t shoff;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
};

struct elf_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t filesz;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct elf_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->whylen) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Multi-byte fields are in the file's byte order, never the host's. */
static uint64_t get_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static uint64_t get_n(const struct elf_ctx *c, const uint8_t *p, unsigned int n)
{
	return c->big_endian ? get_be(p, n) : get_le(p, n);
}

static uint16_t get16(const struct elf_ctx *c, const uint8_t *p)
{
	return (uint16_t)get_n(c, p, 2);
}

static uint32_t get32(const struct elf_ctx *c, const uint8_t *p)
{
	return (uint32_t)get_n(c, p, 4);
}

/* An address or offset: 4 or 8 bytes depending on the class. */
static uint64_t get_word(const struct elf_ctx *c, const uint8_t *p)
{
	return get_n(c, p, c->lay->word);
}

static bool has_magic(const uint8_t *p)
{
	return p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

/* True when [off, off + len) is not wholly inside the file; *end gets off + len. */
static bool past_eof(const struct elf_ctx *c, uint64_t off, uint64_t len, uint64_t *end)
{
	return __builtin_add_overflow(off, len, end) || *end > c->file_size;
}

static bool fits_off_t(uint64_t v)
{
	if (sizeof(off_t) >= sizeof(int64_t))
		return v <= (uint64_t)INT64_MAX;
	return v <= (uint64_t)INT32_MAX;
}

/* Read up to len bytes at off, retrying short reads; *got < len only at end of file. */
static int pread_full(int fd, uint8_t *dst, size_t len, uint64_t off, size_t *got)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (!fits_off_t(off + done))
			return -EOVERFLOW;
		n = pread(fd, dst + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

/* Fetch bytes that lie beyond the prefix of an fd-backed parse. */
static int read_extra(struct elf_ctx *c, uint64_t off, uint64_t len, const uint8_t **out)
{
	size_t got;
	int ret;

	/* Callers keep requests within max_table; this just guards the size_t conversion. */
	if (len > c->max_table || len > SIZE_MAX)
		return fail(c, CRAMFS_ELF_BAD, "%llu bytes at offset 0x%llx is more than the %llu bytes this reader allows",
			    (unsigned long long)len, (unsigned long long)off, (unsigned long long)c->max_table);
	free(c->extra);
	c->extra = malloc(len ? (size_t)len : 1);
	if (!c->extra)
		return fail(c, -ENOMEM, "out of memory");
	ret = pread_full(c->fd, c->extra, (size_t)len, off, &got);
	if (ret)
		return fail(c, ret, "read error at offset 0x%llx", (unsigned long long)off);
	if (got < len)
		return fail(c, CRAMFS_ELF_BAD, "file ends at byte %llu, before its stated size of %llu bytes",
			    (unsigned long long)(off + got), (unsigned long long)c->file_size);
	*out = c->extra;
	return CRAMFS_ELF_OK;
}

/*
 * Point *out at len bytes of the file starting at off.  The pointer stays
 * valid only until the next call.  Callers have already rejected ranges
 * past the end of the file with a reason that names the culprit; the check
 * here only keeps this function safe on its own.
 */
static int elf_get(struct elf_ctx *c, uint64_t off, uint64_t len, const uint8_t **out)
{
	uint64_t end;

	if (past_eof(c, off, len, &end))
		return fail(c, CRAMFS_ELF_BAD, "%llu bytes at offset 0x%llx pass the end of the file (%llu bytes)",
			    (unsigned long long)len, (unsigned long long)off, (unsigned long long)c->file_size);
	if (end <= c->len) {
		*out = c->buf + (size_t)off;
		return CRAMFS_ELF_OK;
	}
	if (c->fd < 0) {
		c->need = end;
		return fail(c, CRAMFS_ELF_NEED_MORE, "need the first %llu bytes of the file", (unsigned long long)end);
	}
	return read_extra(c, off, len, out);
}

/* Class, byte order and version decide how everything after e_ident is read. */
static int check_ident(struct elf_ctx *c, const uint8_t *h)
{
	if (c->file_size < EI_NIDENT)
		return fail(c, CRAMFS_ELF_BAD, "file is only %llu bytes, too short for the ELF identification (%u bytes)",
			    (unsigned long long)c->file_size, EI_NIDENT);

	switch (h[EI_CLASS]) {
	case ELFCLASS32:
		c->lay = &layout32;
		break;
	case ELFCLASS64:
		c->lay = &layout64;
		break;
	default:
		return fail(c, CRAMFS_ELF_BAD, "unknown ELF class %u (EI_CLASS must be 1 or 2)", h[EI_CLASS]);
	}

	switch (h[EI_DATA]) {
	case ELFDATA2LSB:
		c->big_endian = false;
		break;
	case ELFDATA2MSB:
		c->big_endian = true;
		break;
	default:
		return fail(c, CRAMFS_ELF_BAD, "unknown ELF data encoding %u (EI_DATA must be 1 or 2)", h[EI_DATA]);
	}

	if (h[EI_VERSION] != EV_CURRENT)
		return fail(c, CRAMFS_ELF_BAD, "unknown ELF version %u (EI_VERSION must be 1)", h[EI_VERSION]);

	if (c->file_size < c->lay->ehdr_size)
		return fail(c, CRAMFS_ELF_BAD, "file is only %llu bytes, shorter than the %u-byte ELF%d header",
			    (unsigned long long)c->file_size, c->lay->ehdr_size, c->lay->bits);
	return CRAMFS_ELF_OK;
}

static void read_ehdr(const struct elf_ctx *c, const uint8_t *h, struct elf_hdr *e)
{
	const struct elf_layout *l = c->lay;

	e->machine = get16(c, h + E_MACHINE);
	e->phoff = get_word(c, h + l->e_phoff);
	e->shoff = get_word(c, h + l->e_shoff);
	e->phentsize = get16(c, h + l->e_phentsize);
	e->phnum = get16(c, h + l->e_phnum);
	e->shentsize = get16(c, h + l->e_shentsize);
}

/*
 * The number of program headers.  A count too large for e_phnum is stored
 * as PN_XNUM there, with the real one in sh_info of section header 0.
 */
static int phdr_count(struct elf_ctx *c, const struct elf_hdr *e, uint64_t *count)
{
	const struct elf_layout *l = c->lay;
	const uint8_t *sh;
	uint64_t end;
	int ret;

	if (e->phnum != PN_XNUM) {
		*count = e->phnum;
		return CRAMFS_ELF_OK;
	}
	if (e->shoff == 0)
		return fail(c, CRAMFS_ELF_BAD,
			    "e_phnum is PN_XNUM (0xffff) but there is no section header table to hold the real count");
	if (e->shentsize != l->shdr_size)
		return fail(c, CRAMFS_ELF_BAD,
			    "e_phnum is PN_XNUM (0xffff) but e_shentsize is %u, not the %u bytes of an ELF%d section header",
			    e->shentsize, l->shdr_size, l->bits);
	if (past_eof(c, e->shoff, l->shdr_size, &end))
		return fail(c, CRAMFS_ELF_BAD,
			    "section header 0 (offset 0x%llx, %u bytes) passes the end of the file (%llu bytes)",
			    (unsigned long long)e->shoff, l->shdr_size, (unsigned long long)c->file_size);
	ret = elf_get(c, e->shoff, l->shdr_size, &sh);
	if (ret)
		return ret;
	*count = get32(c, sh + l->sh_info);
	return CRAMFS_ELF_OK;
}

/* Check the table's entry size and extent, then fetch it. */
static int get_phdr_table(struct elf_ctx *c, const struct elf_hdr *e, uint64_t count,
			  const uint8_t **tab)
{
	const struct elf_layout *l = c->lay;
	uint64_t size, end;

	if (e->phentsize != l->phdr_size)
		return fail(c, CRAMFS_ELF_BAD, "e_phentsize is %u, not the %u bytes of an ELF%d program header",
			    e->phentsize, l->phdr_size, l->bits);
	if (__builtin_mul_overflow(count, (uint64_t)e->phentsize, &size) ||
	    past_eof(c, e->phoff, size, &end))
		return fail(c, CRAMFS_ELF_BAD,
			    "program header table (offset 0x%llx, %llu entries of %u bytes) passes the end of the file (%llu bytes)",
			    (unsigned long long)e->phoff, (unsigned long long)count, e->phentsize,
			    (unsigned long long)c->file_size);
	if (size > c->max_table)
		return fail(c, CRAMFS_ELF_BAD, "program header table is %llu bytes, more than the %llu this reader allows",
			    (unsigned long long)size, (unsigned long long)c->max_table);
	return elf_get(c, e->phoff, size, tab);
}

static void read_phdr(const struct elf_ctx *c, const uint8_t *p, struct elf_phdr *ph)
{
	const struct elf_layout *l = c->lay;

	ph->type = get32(c, p);
	ph->flags = get32(c, p + l->p_flags);
	ph->offset = get_word(c, p + l->p_offset);
	ph->filesz = get_word(c, p + l->p_filesz);
}

/*
 * Without PF_W the kernel maps a PT_LOAD segment read-only, whatever PF_R
 * and PF_X say, so its pages can be mapped straight from the image.
 */
static bool is_ro_load(const struct elf_phdr *ph)
{
	return ph->type == PT_LOAD && ph->filesz > 0 && !(ph->flags & PF_W);
}

static int cmp_range(const void *a, const void *b)
{
	const struct cramfs_elf_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

/* Sorted in place; fold ranges that overlap or touch.  Returns the new count. */
static size_t merge_ranges(struct cramfs_elf_range *r, size_t n)
{
	size_t out = 0, i;

	if (n == 0)
		return 0;
	for (i = 1; i < n; i++) {
		if (r[i].start <= r[out].end) {
			if (r[i].end > r[out].end)
				r[out].end = r[i].end;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

/*
 * Every segment, not only the ones we keep, must lie inside the file: a
 * header that lies about one segment is not trusted about the others.
 * The table is already known to be inside the buffer, so count and the
 * byte offsets below fit a size_t.
 */
static int collect_ranges(struct elf_ctx *c, const uint8_t *tab, uint64_t count,
			  struct cramfs_elf_info *info)
{
	const size_t n = (size_t)count, step = c->lay->phdr_size;
	struct cramfs_elf_range *r = NULL;
	struct elf_phdr ph;
	size_t i, nro = 0, nload = 0;
	uint64_t end;

	for (i = 0; i < n; i++) {
		read_phdr(c, tab + i * step, &ph);
		if (past_eof(c, ph.offset, ph.filesz, &end))
			return fail(c, CRAMFS_ELF_BAD,
				    "segment %zu (offset 0x%llx, %llu bytes in the file) passes the end of the file (%llu bytes)",
				    i, (unsigned long long)ph.offset, (unsigned long long)ph.filesz,
				    (unsigned long long)c->file_size);
		if (is_ro_load(&ph))
			nro++;
		if (ph.type == PT_LOAD && ph.filesz > 0)
			nload++;
	}

	if (nload) {
		info->segments = calloc(nload, sizeof(*info->segments));
		if (!info->segments)
			return fail(c, -ENOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			read_phdr(c, tab + i * step, &ph);
			if (ph.type == PT_LOAD && ph.filesz > 0)
				info->segments[info->nsegments++] =
					(struct cramfs_elf_segment){ ph.offset, ph.offset + ph.filesz, ph.flags };
		}
	}
	if (nro) {
		r = calloc(nro, sizeof(*r));
		if (!r)
			return fail(c, -ENOMEM, "out of memory");
		nro = 0;
		for (i = 0; i < n; i++) {
			read_phdr(c, tab + i * step, &ph);
			if (!is_ro_load(&ph))
				continue;
			r[nro].start = ph.offset;
			r[nro].end = ph.offset + ph.filesz;
			nro++;
		}
		qsort(r, nro, sizeof(*r), cmp_range);
		nro = merge_ranges(r, nro);
	}

	info->ranges = r;
	info->nranges = nro;
	return CRAMFS_ELF_OK;
}

static int parse(struct elf_ctx *c, struct cramfs_elf_info *info)
{
	const uint64_t hdr_want = c->file_size < EHDR_MAX ? c->file_size : EHDR_MAX;
	struct elf_hdr e;
	const uint8_t *p;
	uint64_t count = 0;
	int ret;

	/* Say "not ELF" from the magic alone when we have it, before asking for more. */
	if (c->file_size < ELF_MAGIC_LEN || (c->len >= ELF_MAGIC_LEN && !has_magic(c->buf)))
		return fail(c, CRAMFS_ELF_NOT_ELF, "no ELF magic");

	/* One request for the largest header, so a caller short of bytes asks only once for it. */
	ret = elf_get(c, 0, hdr_want, &p);
	if (ret)
		return ret;
	if (!has_magic(p))
		return fail(c, CRAMFS_ELF_NOT_ELF, "no ELF magic");
	ret = check_ident(c, p);
	if (ret)
		return ret;
	read_ehdr(c, p, &e);

	ret = phdr_count(c, &e, &count);
	if (ret)
		return ret;

	/* No program headers: nothing to map, and e_phentsize means nothing. */
	if (count) {
		ret = get_phdr_table(c, &e, count, &p);
		if (ret)
			return ret;
		ret = collect_ranges(c, p, count, info);
		if (ret) {
			cramfs_elf_info_free(info);
			return ret;
		}
	}

	info->elf_class = c->lay->bits;
	info->big_endian = c->big_endian;
	info->machine = e.machine;
	return CRAMFS_ELF_OK;
}

static void start(struct cramfs_elf_info *info, char *why, size_t whylen)
{
	memset(info, 0, sizeof(*info));
	if (why && whylen)
		why[0] = '\0';
}

int cramfs_elf_parse(const uint8_t *buf, size_t buflen, uint64_t file_size,
		     struct cramfs_elf_info *info, uint64_t *need, char *why, size_t whylen)
{
	struct elf_ctx c = {
		.buf = buf,
		.len = buf ? buflen : 0,
		.file_size = file_size,
		.fd = -1,
		.max_table = UINT64_MAX,
		.why = why,
		.whylen = whylen,
	};
	int ret;

	start(info, why, whylen);
	if (need)
		*need = 0;
	/* Bytes past the end of the file are not part of it. */
	if (c.len > file_size)
		c.len = (size_t)file_size;

	ret = parse(&c, info);
	if (ret == CRAMFS_ELF_NEED_MORE && need)
		*need = c.need;
	return ret;
}

int cramfs_elf_read_fd(int fd, uint64_t file_size, struct cramfs_elf_info *info, char *why, size_t whylen)
{
	const size_t prefix = file_size < FD_PREFIX ? (size_t)file_size : FD_PREFIX;
	struct elf_ctx c = {
		.file_size = file_size,
		.fd = fd,
		.max_table = FD_MAX_TABLE,
		.why = why,
		.whylen = whylen,
	};
	uint8_t *buf;
	size_t got;
	int ret;

	start(info, why, whylen);
	buf = malloc(prefix ? prefix : 1);
	if (!buf)
		return fail(&c, -ENOMEM, "out of memory");
	ret = pread_full(fd, buf, prefix, 0, &got);
	if (ret) {
		free(buf);
		return fail(&c, ret, "read error at offset 0");
	}
	/* A prefix cut short by end of file is caught when bytes past it are asked for. */
	c.buf = buf;
	c.len = got;

	ret = parse(&c, info);
	free(c.extra);
	free(buf);
	return ret;
}

void cramfs_elf_info_free(struct cramfs_elf_info *info)
{
	if (!info)
		return;
	free(info->ranges);
	free(info->segments);
	memset(info, 0, sizeof(*info));
}
