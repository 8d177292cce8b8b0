// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checker: everything the kernel relies on, and everything a correct
 * builder guarantees on top (sorted names, no overlapping data, no stray
 * flags).  Each problem is logged with the path or byte offset it concerns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "image.h"

struct extent {
	uint64_t start, len;
	uint32_t owner;        /* index into paths */
	bool data;             /* file data may be shared; metadata may not */
};

struct checker {
	struct cramfs_image *img;
	const struct cramfs_check_options *opts;
	struct cramfs_check_result *res;
	struct extent *ext;
	size_t next, cap;
	char **paths;
	size_t npaths, paths_cap;
	/* data areas already checked: offset -> size, so shared data is decoded once */
	uint64_t *seen_off;
	uint32_t *seen_size;
	size_t seen_mask, seen_used;
	uint64_t entries;
	int err;
};

static void problem(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct checker *c, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cr_err(&c->img->log, "%s", text);
	c->res->problems++;
}

static uint32_t add_path(struct checker *c, const char *path)
{
	if (c->npaths == c->paths_cap) {
		size_t cap = c->paths_cap ? c->paths_cap * 2 : 256;
		char **p = realloc(c->paths, cap * sizeof(*p));
		if (!p) {
			c->err = -ENOMEM;
			return 0;
		}
		c->paths = p;
		c->paths_cap = cap;
	}
	c->paths[c->npaths] = strdup(path);
	if (!c->paths[c->npaths])
		c->err = -ENOMEM;
	return (uint32_t)c->npaths++;
}

static void add_extent(struct checker *c, uint64_t start, uint64_t len, uint32_t owner, bool data)
{
	if (!len)
		return;
	if (c->next == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct extent *e = realloc(c->ext, cap * sizeof(*e));
		if (!e) {
			c->err = -ENOMEM;
			return;
		}
		c->ext = e;
		c->cap = cap;
	}
	c->ext[c->next++] = (struct extent){ start, len, owner, data };
}

/* Returns true if data at off was already checked; records it otherwise. */
static bool seen_data(struct checker *c, uint64_t off, uint32_t size, bool *size_differs)
{
	size_t i;

	*size_differs = false;
	if (c->seen_used * 2 >= c->seen_mask) {
		size_t cap = (c->seen_mask + 1) * 2;
		uint64_t *o = calloc(cap, sizeof(*o));
		uint32_t *s = calloc(cap, sizeof(*s));
		if (!o || !s) {
			free(o);
			free(s);
			c->err = -ENOMEM;
			return false;
		}
		for (size_t k = 0; k <= c->seen_mask && c->seen_off; k++) {
			if (!c->seen_off[k])
				continue;
			for (i = (c->seen_off[k] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1); o[i]; i = (i + 1) & (cap - 1))
				;
			o[i] = c->seen_off[k];
			s[i] = c->seen_size[k];
		}
		free(c->seen_off);
		free(c->seen_size);
		c->seen_off = o;
		c->seen_size = s;
		c->seen_mask = cap - 1;
	}
	for (i = (off * 0x9e3779b97f4a7c15ull >> 20) & c->seen_mask; c->seen_off[i]; i = (i + 1) & c->seen_mask) {
		if (c->seen_off[i] == off) {
			*size_differs = c->seen_size[i] != size;
			return true;
		}
	}
	c->seen_off[i] = off;
	c->seen_size[i] = size;
	c->seen_used++;
	return false;
}

struct block_ctx {
	struct checker *c;
	uint32_t owner;
};

static void on_block(void *arg, const struct cramfs_entry *e, const struct block_info *bi)
{
	struct block_ctx *bc = arg;
	struct cramfs_check_result *r = bc->c->res;

	(void)e;
	r->blocks++;
	if (bi->hole)
		r->holes++;
	if (bi->raw)
		r->raw_blocks++;
	if (bi->direct)
		r->direct_blocks++;
	add_extent(bc->c, bi->extent_start, bi->extent_len, bc->owner, true);
}

static const char *type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return "dir";
	case S_IFREG: return "file";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

static void check_data(struct checker *c, const struct cramfs_entry *e, uint32_t owner)
{
	const struct cramfs_inode *ino = &e->inode;
	struct block_ctx bc = { c, owner };
	bool differs;
	uint32_t nblocks;

	if (!ino->size) {
		if (ino->offset)
			problem(c, "%s: empty %s has data offset %u", e->path, type_name(ino->mode), ino->offset);
		return;
	}
	if (seen_data(c, ino->offset, ino->size, &differs)) {
		if (differs)
			problem(c, "%s: shares the data at byte %u with another entry of a different size",
				e->path, ino->offset);
		return;
	}
	nblocks = (uint32_t)(((uint64_t)ino->size + c->img->info.blksize - 1) / c->img->info.blksize);
	add_extent(c, ino->offset, (uint64_t)nblocks * 4, owner, true);
	img_decode(c->img, e, NULL, on_block, &bc, &c->res->problems);
	c->res->data_bytes += ino->size;
}

static int check_entry(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	struct checker *c = arg;
	const struct cramfs_inode *ino = &e->inode;
	uint32_t owner = add_path(c, e->path);

	if (c->err)
		return c->err;
	c->entries++;
	if (c->opts->verbose_listing)
		cr_info(&img->log, "%-7s %04o %5u:%-3u %9u  %s", type_name(ino->mode), ino->mode & 07777, ino->uid,
			ino->gid, ino->size, e->path);
	if (e->depth > 0 && e->inode_offset + CRAMFS_DIRENT_READ_LEN > img->end) {
		c->res->warnings++;
		cr_warn(&img->log, "%s: entry at byte %llu is within %u bytes of the image end (%llu): on an MTD "
			"mount the stock kernel does not find it", e->path, (unsigned long long)e->inode_offset,
			CRAMFS_DIRENT_READ_LEN, (unsigned long long)img->end);
	}
	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
		c->res->dirs++;
		if (ino->size && !ino->offset)
			problem(c, "%s: directory has %u bytes of entries but no offset", e->path, ino->size);
		else if (!ino->size && ino->offset)
			problem(c, "%s: empty directory has offset %u", e->path, ino->offset);
		add_extent(c, ino->offset, ino->size, owner, false);
		break;
	case S_IFREG:
		c->res->files++;
		check_data(c, e, owner);
		break;
	case S_IFLNK:
		c->res->symlinks++;
		if (!ino->size)
			problem(c, "%s: symlink with an empty target", e->path);
		check_data(c, e, owner);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		c->res->specials++;
		if (ino->offset)
			problem(c, "%s: %s has data offset %u", e->path, type_name(ino->mode), ino->offset);
		if ((S_ISFIFO(ino->mode) || S_ISSOCK(ino->mode)) && ino->size)
			problem(c, "%s: %s has size %u", e->path, type_name(ino->mode), ino->size);
		break;
	default:
		problem(c, "%s: unknown file type (mode 0%o) at byte %llu", e->path, ino->mode,
			(unsigned long long)e->inode_offset);
	}
	return c->err;
}

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

static void check_overlaps(struct checker *c)
{
	uint64_t reach = 0;
	size_t reacher = 0;

	qsort(c->ext, c->next, sizeof(*c->ext), cmp_extent);
	for (size_t i = 0; i < c->next; i++) {
		const struct extent *x = &c->ext[i];
		if (x->start > reach)
			c->res->unreferenced_bytes += x->start - reach;
		if (i && x->start < reach) {
			const struct extent *y = &c->ext[reacher];
			bool shared = x->data && y->data && x->start == y->start && x->len == y->len;
			if (!shared)
				problem(c, "%s: bytes %llu..%llu overlap %s (bytes %llu..%llu)", c->paths[x->owner],
					(unsigned long long)x->start, (unsigned long long)(x->start + x->len),
					c->paths[y->owner], (unsigned long long)y->start,
					(unsigned long long)(y->start + y->len));
		}
		if (x->start + x->len > reach) {
			reach = x->start + x->len;
			reacher = i;
		}
	}
	if (c->img->end > reach)
		c->res->unreferenced_bytes += c->img->end - reach;
}

static void check_crc(struct checker *c)
{
	const struct cramfs_image *img = c->img;
	uint64_t sb = img->info.sb_offset, crc_off = sb + CRAMFS_SB_CRC;
	static const uint8_t zero[4];
	uLong crc = crc32(0, Z_NULL, 0);

	if (!(img->info.super.flags & CRAMFS_FLAG_FSID_VERSION_2))
		return;
	/* crc32 takes a uInt length: feed large images in pieces */
	for (uint64_t off = sb; off < img->end;) {
		uint64_t stop = off < crc_off ? crc_off : img->end;
		if (off == crc_off) {
			crc = crc32(crc, zero, 4);
			off += 4;
			continue;
		}
		if (stop - off > (1u << 30))
			stop = off + (1u << 30);
		crc = crc32(crc, img->map + off, (uInt)(stop - off));
		off = stop;
	}
	if ((uint32_t)crc != img->info.super.crc)
		problem(c, "superblock (byte %llu): CRC is 0x%08x but the image's CRC is 0x%08x",
			(unsigned long long)crc_off, img->info.super.crc, (uint32_t)crc);
}

int cramfs_check(struct cramfs_image *img, const struct cramfs_check_options *opts,
		 struct cramfs_check_result *res)
{
	struct checker c = { .img = img, .opts = opts, .res = res };
	const struct cramfs_super *sb = &img->info.super;
	struct cramfs_log saved = img->log;
	int err;

	memset(res, 0, sizeof(*res));
	img->log = opts->log;
	check_crc(&c);
	add_extent(&c, 0, img->info.sb_offset + CRAMFS_SUPER_SIZE, add_path(&c, "superblock"), false);
	if (sb->flags & CRAMFS_FLAG_SHIFTED_ROOT_OFFSET && sb->root.offset > img->info.sb_offset + CRAMFS_SUPER_SIZE)
		add_extent(&c, img->info.sb_offset + CRAMFS_SUPER_SIZE,
			   sb->root.offset - img->info.sb_offset - CRAMFS_SUPER_SIZE, add_path(&c, "inserted file"),
			   false);
	img->strict = true;
	img->walk_problems = 0;
	img->decode_warnings = 0;
	err = cramfs_image_walk(img, check_entry, &c);
	img->strict = false;
	if (!err)
		err = c.err;
	if (!err) {
		check_overlaps(&c);
		if ((sb->flags & CRAMFS_FLAG_FSID_VERSION_2) && sb->files != c.entries) {
			res->warnings++;
			cr_warn(&img->log, "superblock says %u files; the tree has %llu", sb->files,
				(unsigned long long)c.entries);
		}
		if (res->holes && !(sb->flags & CRAMFS_FLAG_HOLES)) {
			res->warnings++;
			cr_warn(&img->log, "%llu holes in an image without the HOLES flag",
				(unsigned long long)res->holes);
		}
	}
	res->problems += img->walk_problems;
	res->warnings += img->decode_warnings;
	for (size_t i = 0; i < c.npaths; i++)
		free(c.paths[i]);
	free(c.paths);
	free(c.ext);
	free(c.seen_off);
	free(c.seen_size);
	img->log = saved;
	return err;
}
