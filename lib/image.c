// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The image reader: find and validate the superblock, walk the directory
 * tree, decode file data exactly as the kernel does.  Every offset read from
 * the image is checked against its end before use: images may be hostile.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"


static bool find_super(struct cramfs_image *img)
{
	static const uint64_t where[] = { 0, CRAMFS_PAD_SIZE };

	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		uint64_t off = where[i];
		if (img->map_len < off + CRAMFS_SUPER_SIZE)
			break;
		for (int e = CRAMFS_LITTLE_ENDIAN; e <= CRAMFS_BIG_ENDIAN; e++) {
			if (cramfs_get32(img->map + off, (enum cramfs_endian)e) == CRAMFS_MAGIC) {
				img->info.sb_offset = off;
				img->info.endian = (enum cramfs_endian)e;
				cramfs_super_unpack(&img->info.super, img->map + off, (enum cramfs_endian)e);
				return true;
			}
		}
	}
	return false;
}

static int check_super(struct cramfs_image *img)
{
	const struct cramfs_super *sb = &img->info.super;
	uint64_t sb_off = img->info.sb_offset, root_off = sb->root.offset;
	const struct cramfs_log *log = &img->log;

	if (sb->flags & ~CRAMFS_SUPPORTED_FLAGS) {
		img_err(log, "superblock (byte %llu): unsupported flags 0x%x (the kernel refuses to mount)",
		        (unsigned long long)(sb_off + CRAMFS_SB_FLAGS), sb->flags & ~CRAMFS_SUPPORTED_FLAGS);
		return -EBADMSG;
	}
	if (sb->flags & CRAMFS_FLAG_FSID_VERSION_2) {
		if (sb->size < sb_off + CRAMFS_SUPER_SIZE) {
			img_err(log, "superblock (byte %llu): size %u is smaller than the superblock's end (%llu)",
			        (unsigned long long)(sb_off + CRAMFS_SB_SIZE), sb->size,
			        (unsigned long long)(sb_off + CRAMFS_SUPER_SIZE));
			return -EBADMSG;
		}
		if (sb->size > img->map_len) {
			img_err(log, "superblock (byte %llu): size %u is larger than the file (%llu bytes): "
			        "image truncated", (unsigned long long)(sb_off + CRAMFS_SB_SIZE), sb->size,
			        (unsigned long long)img->map_len);
			return -EBADMSG;
		}
		if (sb->size < img->map_len)
			img_warn(log, "file has %llu bytes after the image's end (byte %u)",
				 (unsigned long long)(img->map_len - sb->size), sb->size);
		img->end = sb->size;
	} else {
		img_warn(log, "superblock has no FSID_VERSION_2 flag: size, block and file counts are not valid "
			 "(an MTD mount fails)");
		img->end = img->map_len;
	}
	if (!S_ISDIR(sb->root.mode)) {
		img_err(log, "superblock (byte %llu): root inode is not a directory (mode 0%o)",
		        (unsigned long long)(sb_off + CRAMFS_SB_ROOT), sb->root.mode);
		return -EBADMSG;
	}
	if (root_off == 0) {
		if (sb->root.size)
			img_err(log, "superblock: root has %u bytes of entries but offset 0", sb->root.size);
		return sb->root.size ? -EBADMSG : 0;
	}
	if (!(sb->flags & CRAMFS_FLAG_SHIFTED_ROOT_OFFSET) && root_off != CRAMFS_SUPER_SIZE &&
	    root_off != CRAMFS_PAD_SIZE + CRAMFS_SUPER_SIZE) {
		img_err(log, "superblock: root entries at byte %llu, not right after the superblock, and no "
		        "SHIFTED_ROOT_OFFSET flag (the kernel refuses to mount)", (unsigned long long)root_off);
		return -EBADMSG;
	}
	if (root_off < sb_off + CRAMFS_SUPER_SIZE || !img_has(img, root_off, sb->root.size)) {
		img_err(log, "superblock: root entries (bytes %llu..%llu) outside the image (%llu bytes)",
		        (unsigned long long)root_off, (unsigned long long)(root_off + sb->root.size),
		        (unsigned long long)img->end);
		return -EBADMSG;
	}
	return 0;
}

/* ---- walking ---- */

int img_claims_init(struct img_claims *c, uint64_t units)
{
	c->words = (size_t)(units / 64 + 1);
	c->bits = calloc(c->words, sizeof(*c->bits));
	c->tree = calloc(c->words + 1, sizeof(*c->tree));
	if (!c->bits || !c->tree) {
		free(c->bits);
		free(c->tree);
		return -ENOMEM;
	}
	return 0;
}

void img_claims_free(struct img_claims *c)
{
	free(c->bits);
	free(c->tree);
}

/* Taken units in words [0, w). */
static uint64_t img_claims_prefix(const struct img_claims *c, size_t w)
{
	uint64_t n = 0;

	for (; w; w &= w - 1)
		n += c->tree[w];
	return n;
}

/* Bits lo..hi (inclusive, 0..63) of a word. */
static uint64_t bit_range(unsigned lo, unsigned hi)
{
	return (~0ull >> (63 - hi)) & (~0ull << lo);
}

bool img_claims_any(const struct img_claims *c, uint64_t a, uint64_t b)
{
	size_t wa = (size_t)(a / 64), wb = (size_t)((b - 1) / 64);

	if (wa == wb)
		return c->bits[wa] & bit_range(a % 64, (b - 1) % 64);
	if (c->bits[wa] & bit_range(a % 64, 63) || c->bits[wb] & bit_range(0, (b - 1) % 64))
		return true;
	return img_claims_prefix(c, wb) - img_claims_prefix(c, wa + 1) > 0;
}

void img_claims_take(struct img_claims *c, uint64_t a, uint64_t b)
{
	for (size_t w = (size_t)(a / 64); w <= (b - 1) / 64; w++) {
		unsigned lo = w == a / 64 ? a % 64 : 0, hi = w == (b - 1) / 64 ? (b - 1) % 64 : 63;
		uint64_t m = bit_range(lo, hi);
		c->bits[w] |= m;
		for (size_t i = w + 1; i <= c->words; i += i & -i)
			c->tree[i] += (uint32_t)__builtin_popcountll(m);
	}
}

/*
 * The 4-byte units of directory entries already walked.  A directory whose
 * entries overlap them (a loop back to an ancestor or to itself, or two
 * directories sharing entries) is reported and not walked: every byte of
 * entries is walked at most once, so a crafted image cannot make the walk
 * repeat the tree (and an extraction create files) without end.
 */
struct walker {
	struct cramfs_image *img;
	cramfs_walk_fn fn;
	void *arg;
	struct img_claims walked;       /* units of directory entries already walked */
	char path[4 * 4096 + 256];
};

static void walk_problem(struct walker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void walk_problem(struct walker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	img_vlog(&w->img->log, CRAMFS_ERROR, fmt, ap);
	va_end(ap);
	w->img->walk_problems++;
}

static bool valid_name(const char *name, size_t len)
{
	if (!len || memchr(name, '/', len))
		return false;
	return !(len == 1 && name[0] == '.') && !(len == 2 && name[0] == '.' && name[1] == '.');
}

/*
 * The entries below a directory the walk does not enter, counted without
 * recursion (a work list of entry ranges) and each range once, as the
 * walk does, so that the report can say how many are left out.
 */
static uint64_t count_below(struct walker *w, const struct cramfs_inode *dir)
{
	struct cramfs_image *img = w->img;
	struct range { uint64_t off, end; } *todo = malloc(sizeof(*todo));
	size_t n = 0, cap = 1;
	uint64_t count = 0;

	if (!todo)
		return 0;
	todo[n++] = (struct range){ dir->offset, off_add(dir->offset, dir->size) };
	while (n) {
		struct range r = todo[--n];

		if (r.end <= r.off || !img_has(img, r.off, r.end - r.off) ||
		    img_claims_any(&w->walked, r.off / 4, (r.end + 3) / 4))
			continue;
		img_claims_take(&w->walked, r.off / 4, (r.end + 3) / 4);
		for (uint64_t off = r.off; r.end - off >= CRAMFS_INODE_SIZE;) {
			struct cramfs_inode ino;

			cramfs_inode_unpack(&ino, img->map + off, img_endian(img));
			if (!ino.namelen || ino.namelen > r.end - off - CRAMFS_INODE_SIZE)
				break;
			count++;
			off += CRAMFS_INODE_SIZE + ino.namelen;
			if (!S_ISDIR(ino.mode) || !ino.size)
				continue;
			if (n == cap) {
				struct range *t = realloc(todo, 2 * cap * sizeof(*todo));
				if (!t)
					break;
				todo = t;
				cap *= 2;
			}
			todo[n++] = (struct range){ ino.offset, off_add(ino.offset, ino.size) };
		}
	}
	free(todo);
	return count;
}

static int walk_dir(struct walker *w, const struct cramfs_entry *dir, size_t pathlen)
{
	struct cramfs_image *img = w->img;
	uint64_t off = dir->inode.offset, end = off_add(off, dir->inode.size);
	char prev[CRAMFS_MAXPATHLEN + 1] = "";
	bool have_prev = false;
	int ret = 0;

	if (dir->depth >= CRAMFS_MAX_DEPTH) {
		uint64_t below = count_below(w, &dir->inode);
		walk_problem(w, "%s: holds %llu %s deeper than %d levels, the limit for a cramfs tree: %s neither "
			     "checked nor extracted", dir->path, (unsigned long long)below,
			     below == 1 ? "entry" : "entries", CRAMFS_MAX_DEPTH, below == 1 ? "it is" : "they are");
		return 0;
	}
	if (!img_has(img, off, dir->inode.size)) {
		walk_problem(w, "%s: entries (bytes %llu..%llu) pass the image end (%llu)", dir->path,
			     (unsigned long long)off, (unsigned long long)end, (unsigned long long)img->end);
		return 0;
	}
	/* offsets are multiples of 4: unit off/4 up to the unit holding the last byte */
	if (img_claims_any(&w->walked, off / 4, (end + 3) / 4)) {
		walk_problem(w, "%s: entries (bytes %llu..%llu) overlap entries already walked: a directory "
			     "loop or shared entries; not walked again", dir->path, (unsigned long long)off,
			     (unsigned long long)end);
		return 0;
	}
	img_claims_take(&w->walked, off / 4, (end + 3) / 4);
	while (off < end && ret >= 0) {
		struct cramfs_entry e = { .inode_offset = off, .depth = dir->depth + 1 };
		const char *raw;
		size_t len, plen;

		if (end - off < CRAMFS_INODE_SIZE) {
			walk_problem(w, "%s: %llu stray bytes at the end of the entries (byte %llu)", dir->path,
				     (unsigned long long)(end - off), (unsigned long long)off);
			break;
		}
		cramfs_inode_unpack(&e.inode, img->map + off, img_endian(img));
		if (e.inode.namelen == 0 || e.inode.namelen > end - off - CRAMFS_INODE_SIZE) {
			walk_problem(w, "%s: entry at byte %llu has a name length of %u bytes, %s", dir->path,
				     (unsigned long long)off, e.inode.namelen,
				     e.inode.namelen ? "past the directory's end" : "which is empty");
			break;
		}
		raw = (const char *)img->map + off + CRAMFS_INODE_SIZE;
		len = strnlen(raw, e.inode.namelen);
		if (img->strict) {
			for (size_t k = len; k < e.inode.namelen; k++)
				if (raw[k]) {
					walk_problem(w, "%s: entry at byte %llu: name has a NUL byte inside it",
						     dir->path, (unsigned long long)off);
					break;
				}
			if (e.inode.namelen - len >= 4 && len)
				walk_problem(w, "%s: entry at byte %llu: name padded with %zu NUL bytes (at most 3)",
					     dir->path, (unsigned long long)off, (size_t)(e.inode.namelen - len));
		}
		off += CRAMFS_INODE_SIZE + e.inode.namelen;
		if (!valid_name(raw, len)) {
			walk_problem(w, "%s: entry at byte %llu has an invalid name \"%.*s\" (empty, \".\", \"..\" "
				     "or containing '/'); skipped", dir->path,
				     (unsigned long long)(e.inode_offset), (int)len, raw);
			continue;
		}
		if (have_prev) {
			size_t pl = strlen(prev);
			int cmp = memcmp(prev, raw, pl < len ? pl : len);
			if (!cmp)
				cmp = pl < len ? -1 : pl > len;
			if (cmp >= 0) {
				walk_problem(w, "%s: entry \"%.*s\" at byte %llu %s", dir->path, (int)len, raw,
					     (unsigned long long)e.inode_offset, cmp ? "is out of order (entries "
					     "must be sorted by byte value)" : "is a duplicate name");
				if (!cmp)
					continue;
			}
		}
		memcpy(prev, raw, len);
		prev[len] = '\0';
		have_prev = true;

		plen = pathlen;
		if (plen + 1 + len + 1 > sizeof(w->path)) {
			walk_problem(w, "%s: path too long", dir->path);
			continue;
		}
		if (plen > 1)
			w->path[plen++] = '/';
		else
			plen = 1;
		memcpy(w->path + plen, raw, len);
		w->path[plen + len] = '\0';
		e.path = w->path;
		e.name = w->path + plen;

		ret = w->fn(img, &e, w->arg);
		if (img->changed)
			return -ESTALE;
		if (ret == 0 && S_ISDIR(e.inode.mode) && e.inode.size) {
			ret = walk_dir(w, &e, plen + len);
			w->path[plen + len] = '\0';
		}
		w->path[pathlen] = '\0';
		if (ret > 0)
			ret = 0;
	}
	return ret < 0 ? ret : 0;
}

int cramfs_image_walk(struct cramfs_image *img, cramfs_walk_fn fn, void *arg)
{
	struct walker *w = calloc(1, sizeof(*w));
	struct cramfs_entry root = { .path = "/", .name = "" };
	/* entries start below 256 MiB and are less than 16 MiB long */
	uint64_t reach = (uint64_t)CRAMFS_OFFSET_LIMIT + CRAMFS_SIZE_MAX;
	uint64_t limit = img->end < reach ? img->end : reach;
	struct img_guard g;
	int ret;

	if (!w)
		return -ENOMEM;
	if (img->changed) {
		free(w);
		return img_changed(img, UINT64_MAX);
	}
	w->img = img;
	w->fn = fn;
	w->arg = arg;
	if (img_claims_init(&w->walked, limit / 4 + 1) < 0) {
		free(w);
		return -ENOMEM;
	}
	root.inode = img->info.super.root;
	root.inode_offset = img->info.sb_offset + CRAMFS_SB_ROOT;
	strcpy(w->path, "/");
	img_guard_push(&g, img);
	if (sigsetjmp(g.jump, 0)) {
		ret = img_changed(img, g.fault);
	} else {
		ret = fn(img, &root, arg);
		if (ret == 0 && root.inode.size && !img->changed)
			ret = walk_dir(w, &root, 1);
	}
	img_guard_pop(&g);
	img_claims_free(&w->walked);
	free(w);
	if (img->changed)
		return img_changed(img, UINT64_MAX);
	return ret < 0 ? ret : 0;
}

/* ---- decoding ---- */

int img_set_blksize(struct cramfs_image *img, uint32_t bs)
{
	free(img->cache_data);
	memset(img->cache, 0, sizeof(img->cache));
	img->cache_clock = 0;
	img->info.blksize = bs;
	img->cache_data = malloc(IMG_CACHE_SLOTS * 2 * (size_t)bs);
	return img->cache_data ? 0 : -ENOMEM;
}

long img_inflate(struct cramfs_image *img, uint64_t start, uint32_t len, const uint8_t **data)
{
	size_t cap = 2 * (size_t)img->info.blksize, slot = 0;
	struct img_cached *c;

	/* a few slots, so look at each; the one used longest ago makes room */
	for (size_t i = 0; i < IMG_CACHE_SLOTS; i++) {
		c = &img->cache[i];
		if (c->len == len && c->start == start) {
			c->used = ++img->cache_clock;
			*data = img->cache_data + i * cap;
			return c->got;
		}
		if (c->used < img->cache[slot].used)
			slot = i;
	}
	c = &img->cache[slot];
	*data = img->cache_data + slot * cap;
	c->start = start;
	c->len = len;
	c->used = ++img->cache_clock;
	c->got = cr_decompress(img->map + start, len, img->cache_data + slot * cap, cap);
	img->inflated++;
	return c->got;
}

/* img_decode for the first `limit` blocks, with messages to log. */
static int decode_blocks(struct cramfs_image *img, const struct cramfs_entry *e, uint32_t limit,
			 const struct cramfs_log *log, uint8_t *buf, block_fn fn, void *arg, uint64_t *problems)
{
	uint32_t bs = img->info.blksize, size = e->inode.size;
	uint32_t nblocks = (uint32_t)(((uint64_t)size + bs - 1) / bs);
	uint64_t table = e->inode.offset, next = off_add(table, off_mul(nblocks, 4));
	bool ext = img->info.super.flags & CRAMFS_FLAG_EXT_BLOCK_POINTERS;
	uint64_t before = *problems;

	if (!size)
		return 0;
	if (!table || !img_has(img, table, off_mul(nblocks, 4))) {
		img_err(log, "%s: block pointer table at byte %llu (%u pointers) is outside the image", e->path,
		        (unsigned long long)table, nblocks);
		++*problems;
		return -EBADMSG;
	}
	for (uint32_t i = 0; i < nblocks && i < limit; i++) {
		uint32_t ptr = img_get32(img, off_add(table, off_mul(i, 4)));
		uint32_t want = i == nblocks - 1 ? size - i * bs : bs;
		struct block_info bi = { .index = i, .ptr = ptr };
		uint8_t *out = buf ? buf + (uint64_t)i * bs : NULL;
		uint64_t ptr_off = off_add(table, off_mul(i, 4));

		bi.direct = ext && cramfs_blkptr_is_direct(ptr);
		bi.raw = ext && cramfs_blkptr_is_raw(ptr);
		if (!ext && (ptr & CRAMFS_BLK_FLAGS)) {
			/* without the flag these are plain offset bits, which put the block past 1 GiB */
			img_err(log, "%s: block %u pointer 0x%08x (byte %llu) has flag bits but the image has no "
			        "EXT_BLOCK_POINTERS flag", e->path, i, ptr, (unsigned long long)ptr_off);
			++*problems;
			return -EBADMSG;
		}
		if (bi.direct) {
			bi.start = cramfs_blkptr_direct_start(ptr);
			if (bi.raw) {
				/* the kernel's length: a page, or size % PAGE for the last block */
				bi.len = i == nblocks - 1 ? size % bs : bs;
				if (bi.len == 0) {
					if (log == &img->log)
						img->decode_warnings++;
					img_warn(log, "%s: last block is direct and uncompressed in a file whose size is a "
						 "multiple of %u: the stock kernel reads it as zeros (pointer at byte %llu)",
						 e->path, bs, (unsigned long long)ptr_off);
					bi.len = bs;
				}
				bi.extent_start = bi.start;
				bi.extent_len = bi.len;
				next = off_add(bi.start, bs);
			} else {
				if (!img_has(img, bi.start, 2)) {
					img_err(log, "%s: block %u: direct pointer to byte %llu is outside the image "
					        "(pointer at byte %llu)", e->path, i, (unsigned long long)bi.start,
					        (unsigned long long)ptr_off);
					++*problems;
					return -EBADMSG;
				}
				bi.len = cramfs_get16(img->map + bi.start, img_endian(img));
				bi.extent_start = bi.start;
				bi.extent_len = 2 + bi.len;
				bi.start += 2;
				next = off_add(bi.start, bi.len);
			}
		} else {
			uint64_t end = ptr & ~(ext ? CRAMFS_BLK_FLAGS : 0);
			bi.start = next;
			if (end < bi.start) {
				img_err(log, "%s: block %u ends at byte %llu, before it starts (byte %llu) "
				        "(pointer at byte %llu)", e->path, i, (unsigned long long)end,
				        (unsigned long long)bi.start, (unsigned long long)ptr_off);
				++*problems;
				return -EBADMSG;
			}
			bi.len = end - bi.start;
			bi.extent_start = bi.start;
			bi.extent_len = bi.len;
			next = end;
		}
		if (!img_has(img, bi.start, bi.len)) {
			img_err(log, "%s: block %u (bytes %llu..%llu) passes the image end (%llu)", e->path, i,
			        (unsigned long long)bi.start, (unsigned long long)(bi.start + bi.len),
			        (unsigned long long)img->end);
			++*problems;
			return -EBADMSG;
		}
		if (bi.len == 0) {
			bi.hole = true;
			if (buf)    /* checking only: nothing to clear (a file of holes costs no memset) */
				memset(out, 0, want);
		} else if (bi.raw) {
			if (bi.len != want) {
				img_err(log, "%s: block %u is stored raw with %llu bytes at byte %llu; it should have %u",
				        e->path, i, (unsigned long long)bi.len, (unsigned long long)bi.start, want);
				++*problems;
			} else if (out) {
				memcpy(out, img->map + bi.start, want);
			}
		} else {
			const uint8_t *data;
			long got;
			if (bi.len > 2ull * bs) {
				img_err(log, "%s: block %u at byte %llu is %llu bytes long; the kernel refuses blocks "
				        "over %u", e->path, i, (unsigned long long)bi.start,
				        (unsigned long long)bi.len, 2 * bs);
				++*problems;
				continue;
			}
			if (!buf && img->defer) {
				img->defer(img->defer_arg, e, &bi, want);
				goto done;
			}
			got = img_inflate(img, bi.start, (uint32_t)bi.len, &data);
			if (got < 0) {
				img_err(log, "%s: block %u at byte %llu (%llu bytes) is not a valid zlib stream",
				        e->path, i, (unsigned long long)bi.start, (unsigned long long)bi.len);
				++*problems;
			} else if ((uint64_t)got != want) {
				img_err(log, "%s: block %u at byte %llu inflates to %ld bytes; it should be %u",
				        e->path, i, (unsigned long long)bi.start, got, want);
				++*problems;
			} else if (out) {
				memcpy(out, data, want);
			}
		}
done:
		if (fn)
			fn(arg, e, &bi);
	}
	return *problems == before ? 0 : -EBADMSG;
}

int img_decode(struct cramfs_image *img, const struct cramfs_entry *e, uint8_t *buf, block_fn fn, void *arg,
	       uint64_t *problems)
{
	return decode_blocks(img, e, UINT32_MAX, &img->log, buf, fn, arg, problems);
}

int img_read_first_block(struct cramfs_image *img, const struct cramfs_entry *e, uint8_t *buf)
{
	static const struct cramfs_log silent;
	uint64_t problems = 0;

	return decode_blocks(img, e, 1, &silent, buf, NULL, NULL, &problems);
}

int cramfs_image_read(struct cramfs_image *img, const struct cramfs_entry *e, uint8_t *buf)
{
	uint64_t problems = 0;
	struct img_guard g;
	int err;

	if (img->changed)
		return img_changed(img, UINT64_MAX);
	img_guard_push(&g, img);
	if (sigsetjmp(g.jump, 0))
		err = img_changed(img, g.fault);
	else
		err = img_decode(img, e, buf, NULL, NULL, &problems);
	img_guard_pop(&g);
	return err;
}

/* ---- block size detection ---- */

/*
 * What decoding the files of more than 4096 bytes says of one candidate
 * block size.  Such a file has a different number of block pointers, or a
 * first block of a different length, at each size: a compressed block, or
 * one behind a classic pointer, decodes at one size only, so it tells the
 * sizes apart.  A direct uncompressed block reads at any size (the kernel
 * takes a page from where it points), so it tells nothing; but the pointer
 * tables still do: the tables of a valid image never overlap, and at a size
 * smaller than the image's a file's table runs into the next file's (an
 * image whose files are all stored for execute in place, with their tables
 * side by side, decoded at 4096 when made for 65536).
 */
struct detect {
	struct img_claims tables;       /* units of the tables of the files decoded */
	struct img_claims starts;       /* their first units: files that share data share these */
	unsigned telling;               /* files that decode, with a block that tells the sizes apart */
	unsigned silent;                /* files that decode, whose blocks read at any size */
	unsigned bad;                   /* files that do not decode, or whose table overlaps another's */
	bool block_tells;
};

#define DETECT_FILES 4                  /* telling or bad files enough to stop */

static void detect_block(void *arg, const struct cramfs_entry *e, const struct block_info *bi)
{
	struct detect *d = arg;

	(void)e;
	if (!bi->hole && !(bi->direct && bi->raw))
		d->block_tells = true;
}

static int detect_one(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	struct detect *d = arg;
	uint32_t bs = img->info.blksize;
	uint64_t problems = 0, n = ((uint64_t)e->inode.size + bs - 1) / bs, t = e->inode.offset / 4;

	if (!S_ISREG(e->inode.mode) || e->inode.size <= 4096)
		return 0;
	if (!t || !img_has(img, e->inode.offset, n * 4)) {
		d->bad++;
	} else if (img_claims_any(&d->starts, t, t + 1)) {
		return 0;               /* the data of a file decoded already */
	} else if (img_claims_any(&d->tables, t, t + n)) {
		d->bad++;
	} else {
		img_claims_take(&d->tables, t, t + n);
		img_claims_take(&d->starts, t, t + 1);
		d->block_tells = false;
		if (img_decode(img, e, NULL, detect_block, d, &problems))
			d->bad++;
		else if (d->block_tells)
			d->telling++;
		else
			d->silent++;
	}
	return d->telling + d->bad >= DETECT_FILES ? -1 : 0;
}

static const uint32_t candidates[] = { 4096, 16384, 65536 };

/* "4096, 16384 and 65536" for the candidates in mask (bit i: candidates[i]) */
static const char *size_list(unsigned mask, char *buf, size_t len)
{
	unsigned n = (unsigned)__builtin_popcount(mask), k = 0;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		if (!(mask & 1u << i))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%u", k == 0 ? "" : k == n - 1 ? " and " : ", ",
					 candidates[i]);
		k++;
	}
	return buf;
}

/*
 * Several sizes decode the files alike: check the whole image quietly at
 * each and keep one that checks clean.  When more than one does, the one
 * that leaves the fewest bytes unreferenced wins (at a size larger than the
 * image's, files have fewer pointers, and the rest of their tables is left
 * unread).  Returns the index chosen; *ambiguous when nothing told them apart.
 */
static size_t detect_by_check(struct cramfs_image *img, unsigned mask, bool *ambiguous)
{
	struct cramfs_check_options co = { .log = { .fn = NULL } };
	uint64_t problems[ARRAY_SIZE(candidates)], unref[ARRAY_SIZE(candidates)];
	unsigned clean = 0, tied = 0;
	size_t best = ARRAY_SIZE(candidates);
	char list[64];

	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		struct cramfs_check_result r;
		if (!(mask & 1u << i))
			continue;
		if (img_set_blksize(img, candidates[i]) || cramfs_check(img, &co, &r) < 0) {
			if (img->changed)
				return 0;       /* the caller sees it */
			mask &= ~(1u << i);
			continue;
		}
		problems[i] = r.problems;
		unref[i] = r.unreferenced_bytes;
		if (!r.problems)
			clean |= 1u << i;
	}
	*ambiguous = false;
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		bool better;
		if (!(mask & 1u << i))
			continue;
		if (best == ARRAY_SIZE(candidates)) {
			best = i;
			tied = 1u << i;
			continue;
		}
		/* clean first, then the fewest problems, then the fewest unreferenced bytes */
		if (problems[i] != problems[best])
			better = problems[i] < problems[best];
		else if (unref[i] != unref[best])
			better = unref[i] < unref[best];
		else {
			tied |= 1u << i;
			continue;
		}
		if (better) {
			best = i;
			tied = 1u << i;
		}
	}
	if (best == ARRAY_SIZE(candidates))
		return 0;
	if (!clean) {
		*ambiguous = true;
		img_warn(&img->log, "block size: the image does not check clean with %s bytes; checking with %u, "
			 "which finds the fewest problems (give -b with the target kernel's page size)",
			 size_list(mask, list, sizeof(list)), candidates[best]);
	} else if (tied != 1u << best) {
		*ambiguous = true;
		img_warn(&img->log, "block size: the image checks clean with %s bytes and nothing in it tells them "
			 "apart; checking with %u (give -b with the target kernel's page size)",
			 size_list(tied, list, sizeof(list)), candidates[best]);
	}
	return best;
}

static int detect_blksize(struct cramfs_image *img)
{
	struct detect d[ARRAY_SIZE(candidates)];
	struct cramfs_log saved = img->log;
	unsigned consistent = 0, telling = 0, seen = 0, most = 0;
	size_t pick = 0;
	bool ambiguous = false;

	memset(d, 0, sizeof(d));
	img->log.fn = NULL;   /* a wrong candidate fails noisily; stay quiet */
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		int err = img_set_blksize(img, candidates[i]);
		if (!err && img_claims_init(&d[i].tables, img->end / 4 + 1) < 0)
			err = -ENOMEM;
		if (!err && img_claims_init(&d[i].starts, img->end / 4 + 1) < 0) {
			img_claims_free(&d[i].tables);
			err = -ENOMEM;
		}
		if (err) {
			img->log = saved;
			return err;
		}
		img->walk_problems = 0;
		cramfs_image_walk(img, detect_one, &d[i]);
		img_claims_free(&d[i].tables);
		img_claims_free(&d[i].starts);
		if (img->changed) {
			img->log = saved;
			return -ESTALE;
		}
		seen += d[i].telling + d[i].silent + d[i].bad;
		if (!d[i].bad)
			consistent |= 1u << i;
		if (!d[i].bad && d[i].telling)
			telling |= 1u << i;
		if (d[i].telling > d[most].telling)
			most = (unsigned)i;
	}
	img->log = saved;
	img->walk_problems = 0;
	img->info.blksize_detected = true;
	if (!seen) {
		/* no file of more than 4096 bytes: every size reads the image alike */
		img->info.blksize_detected = false;
	} else if (telling && !(telling & (telling - 1))) {
		pick = (size_t)__builtin_ctz(telling);
	} else if (consistent && !(consistent & (consistent - 1))) {
		pick = (size_t)__builtin_ctz(consistent);
	} else if (consistent) {
		pick = detect_by_check(img, telling ? telling : consistent, &ambiguous);
		if (img->changed)
			return -ESTALE;
	} else if (d[most].telling) {
		pick = most;    /* damaged files, at the size most others decode with */
	} else {
		img->info.blksize_detected = false;     /* nothing decodes: the check says what */
	}
	img->info.blksize_ambiguous = ambiguous;
	if (ambiguous)
		img->info.blksize_detected = false;
	img->walk_problems = 0;
	img->decode_warnings = 0;
	return img_set_blksize(img, candidates[pick]);
}

/* The superblock, then the block size: everything cramfs_image_open reads from the mapping. */
static int read_mapped(struct cramfs_image *img, const char *path, const struct cramfs_open_options *opts)
{
	int err;

	if (!find_super(img)) {
		img_err(&img->log, "%s: no cramfs magic at byte 0 or 512: not a cramfs image", path);
		return -EBADMSG;
	}
	err = check_super(img);
	if (err)
		return err;
	return opts->blksize ? img_set_blksize(img, opts->blksize) : detect_blksize(img);
}

int cramfs_image_open(const char *path, const struct cramfs_open_options *opts, struct cramfs_image **out)
{
	struct cramfs_image *img = calloc(1, sizeof(*img));
	struct img_guard g;
	struct stat st;
	int err;

	*out = NULL;
	if (!img)
		return -ENOMEM;
	img->fd = -1;
	img->log = opts->log;
	img->fault_off = UINT64_MAX;
	img->path = strdup(path);
	err = img->path ? img_guard_init() : -ENOMEM;
	if (err)
		goto fail;
	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0) {
		err = -errno;
		img_err(&img->log, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(img->fd, &st) < 0) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		img_err(&img->log, "%s: not a regular file or block device", path);
		err = -EINVAL;
		goto fail;
	}
	img->map_len = (uint64_t)st.st_size;
	img->mtime = st.st_mtim;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(img->fd, 0, SEEK_END);
		img->map_len = end > 0 ? (uint64_t)end : 0;
	}
	if (img->map_len < CRAMFS_SUPER_SIZE) {
		img_err(&img->log, "%s: %llu bytes: too small for a cramfs superblock (%d bytes)", path,
		        (unsigned long long)img->map_len, CRAMFS_SUPER_SIZE);
		err = -EBADMSG;
		goto fail;
	}
	img->map = mmap(NULL, img->map_len, PROT_READ, MAP_PRIVATE, img->fd, 0);
	if (img->map == MAP_FAILED) {
		err = -errno;
		img->map = NULL;
		img_err(&img->log, "%s: cannot map: %s", path, strerror(errno));
		goto fail;
	}
	img->info.file_size = img->map_len;
	img_guard_push(&g, img);
	if (sigsetjmp(g.jump, 0))
		err = img_changed(img, g.fault);
	else
		err = read_mapped(img, path, opts);
	img_guard_pop(&g);
	/* a change seen while detecting the block size, quietly, is told now */
	if (img->changed)
		err = img_changed(img, UINT64_MAX);
	if (err)
		goto fail;
	*out = img;
	return 0;
fail:
	cramfs_image_close(img);
	return err;
}

void cramfs_image_close(struct cramfs_image *img)
{
	if (!img)
		return;
	if (img->map)
		munmap((void *)img->map, img->map_len);
	if (img->fd >= 0)
		close(img->fd);
	free(img->cache_data);
	free(img->path);
	free(img);
}

const struct cramfs_image_info *cramfs_image_info(const struct cramfs_image *img)
{
	return &img->info;
}
