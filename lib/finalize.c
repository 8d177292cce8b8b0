// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 7, finalize: write the inserted file, the directory entries and the
 * superblock, round the image up, and compute the CRC over the result.
 *
 * Every byte of the image is written, gaps and padding included: tools that
 * assemble flash images (genimage) take the holes of a sparse file for
 * erased flash and fill them with 0xff.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void node_inode(const struct node *n, struct cramfs_inode *ino)
{
	memset(ino, 0, sizeof(*ino));
	ino->mode = n->mode;
	ino->uid = n->uid;
	ino->gid = n->gid;
	ino->namelen = cramfs_name_space(n->namelen);
	if (S_ISDIR(n->mode)) {
		ino->size = (uint32_t)n->dir_size;
		ino->offset = (uint32_t)n->offset;
	} else if (S_ISREG(n->mode) || S_ISLNK(n->mode)) {
		ino->size = (uint32_t)n->size;
		ino->offset = (uint32_t)n->offset;
	} else if (S_ISCHR(n->mode) || S_ISBLK(n->mode)) {
		ino->size = cramfs_encode_dev(n->rdev_major, n->rdev_minor);
	}
}

static int copy_insert(struct build *b)
{
	const char *path = b->opts->insert_file;
	uint8_t buf[65536];
	uint64_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0) {
		err = -errno;
		cr_err(b->log, "%s: cannot open: %s", path, strerror(errno));
		return err;
	}
	while (done < b->insert_size && !err) {
		size_t want = b->insert_size - done < sizeof(buf) ? (size_t)(b->insert_size - done) : sizeof(buf);
		size_t got;
		err = cr_pread_all(fd, buf, want, done, &got);
		if (!err && got != want) {
			cr_err(b->log, "%s: file shrank while being read", path);
			err = -EIO;
		}
		if (!err)
			err = cr_out_write(b, buf, want, b->insert_off + done);
		done += want;
	}
	close(fd);
	return err;
}

static int write_zeros(struct build *b, uint64_t from, uint64_t to)
{
	static const uint8_t zeros[65536];
	int err = 0;

	while (from < to && !err) {
		size_t n = to - from < sizeof(zeros) ? (size_t)(to - from) : sizeof(zeros);
		err = cr_out_write(b, zeros, n, from);
		from += n;
	}
	return err;
}

static int write_metadata(struct build *b)
{
	uint64_t start = b->sb_off + CRAMFS_SUPER_SIZE;
	uint64_t first = b->insert_size ? align_up(b->insert_off + b->insert_size, 4) : start;
	size_t len = (size_t)(b->meta_end - first);
	uint8_t *buf;
	int err;

	if (!len)
		return 0;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 1; i < b->nnodes; i++) {
		const struct node *n = b->order[i];
		struct cramfs_inode ino;
		uint8_t *p = buf + (n->inode_off - first);

		node_inode(n, &ino);
		cramfs_inode_pack(p, &ino, b->opts->endian);
		memcpy(p + CRAMFS_INODE_SIZE, n->name, n->namelen);
	}
	err = cr_out_write(b, buf, len, first);
	free(buf);
	return err;
}

static int compute_crc(struct build *b, uint32_t *crc_out)
{
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap);
	uint64_t off = b->sb_off;
	uint32_t crc = 0;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	while (off < b->image_size && !err) {
		size_t want = b->image_size - off < cap ? (size_t)(b->image_size - off) : cap;
		err = cr_out_read(b, buf, want, off);
		if (!err)
			crc = cr_crc32(crc, buf, want);
		off += want;
	}
	free(buf);
	*crc_out = crc;
	return err;
}

int cr_finalize(struct build *b)
{
	const struct cramfs_build_options *o = b->opts;
	uint8_t raw[CRAMFS_SUPER_SIZE];
	struct cramfs_super sb;
	uint64_t end, written;
	uint32_t crc;
	int err;

	/* the boot pad, and what aligns the inserted file's end */
	err = write_zeros(b, 0, b->sb_off);
	if (!err && b->insert_size) {
		err = copy_insert(b);
		if (!err)
			err = write_zeros(b, b->insert_off + b->insert_size, align_up(b->insert_off + b->insert_size, 4));
	}
	if (!err)
		err = write_metadata(b);
	/* the gap between the pointer tables placed ahead of the XIP region and the region */
	if (!err && b->xip_size)
		err = write_zeros(b, b->tables_end, b->xip_off);
	if (err)
		return err;

	end = b->data_end > b->xip_off + b->xip_size ? b->data_end : b->xip_off + b->xip_size;
	if (end < b->meta_end)
		end = b->meta_end;
	written = end;
	/*
	 * On an MTD mount the kernel reads 264 bytes for every directory entry
	 * and gets zeros where that passes the image size: keep the last
	 * entry that far from the end.
	 */
	if (b->last_entry_off && end < b->last_entry_off + CRAMFS_DIRENT_READ_LEN)
		end = b->last_entry_off + CRAMFS_DIRENT_READ_LEN;
	/*
	 * A whole number of blocks, as util-linux rounds: the kernel's block
	 * device path sees a device in whole pages and reads any tail as zeros.
	 */
	b->image_size = align_up(end, o->blksize);
	if (b->image_size > UINT32_MAX) {
		cr_err(b->log, "image would be %llu bytes; cramfs images are at most 4 GiB",
		       (unsigned long long)b->image_size);
		return -EFBIG;
	}
	err = write_zeros(b, written, b->image_size);
	if (err)
		return err;

	memset(&sb, 0, sizeof(sb));
	sb.magic = CRAMFS_MAGIC;
	sb.size = (uint32_t)b->image_size;
	sb.flags = b->flags | CRAMFS_FLAG_FSID_VERSION_2 | CRAMFS_FLAG_SORTED_DIRS |
		   (o->holes ? CRAMFS_FLAG_HOLES : 0);
	memcpy(sb.signature, CRAMFS_SIGNATURE, CRAMFS_SIGNATURE_LEN);
	sb.edition = o->edition;
	sb.blocks = (uint32_t)b->stats->blocks;
	sb.files = (uint32_t)b->nnodes;
	strncpy((char *)sb.name, o->name ? o->name : "Compressed", CRAMFS_NAME_LEN);
	node_inode(b->root, &sb.root);
	sb.root.namelen = 0;
	cramfs_super_pack(raw, &sb, o->endian);
	err = cr_out_write(b, raw, sizeof(raw), b->sb_off);
	if (!err)
		err = compute_crc(b, &crc);
	if (err)
		return err;
	cramfs_put32(raw + CRAMFS_SB_CRC, crc, o->endian);
	err = cr_out_write(b, raw + CRAMFS_SB_CRC, 4, b->sb_off + CRAMFS_SB_CRC);

	b->stats->files = b->nnodes;
	b->stats->image_size = b->image_size;
	/* the gap before the XIP region and the final rounding; cramfsck counts every unreferenced byte */
	b->stats->padding_bytes = b->image_size - end + (b->xip_size ? b->xip_off - b->tables_end : 0);
	return err;
}
