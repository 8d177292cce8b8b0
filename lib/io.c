// SPDX-License-Identifier: GPL-2.0-or-later
/* File I/O: whole-buffer reads and writes, source files, atomic output. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int cr_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int cr_pread_all(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));
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

static int out_failed(struct build *b, int err)
{
	if (err && !b->out_err)
		b->out_err = err;
	return err;
}

int cr_out_write(struct build *b, const void *buf, size_t len, uint64_t off)
{
	return out_failed(b, cr_pwrite_all(b->outfd, buf, len, off));
}

int cr_out_read(struct build *b, void *buf, size_t len, uint64_t off)
{
	size_t got;
	int err = cr_pread_all(b->outfd, buf, len, off, &got);

	return out_failed(b, err ? err : got != len ? -EIO : 0);
}

int cr_out_truncate(struct build *b, uint64_t size)
{
	return out_failed(b, ftruncate(b->outfd, (off_t)size) < 0 ? -errno : 0);
}

char *cr_source_path(const struct build *b, const struct node *n)
{
	size_t a = strlen(b->srcdir), c = strlen(n->path);
	char *s = malloc(a + c + 1);

	if (!s)
		return NULL;
	memcpy(s, b->srcdir, a);
	memcpy(s + a, n->path, c + 1);
	return s;
}

int src_open(struct src_reader *r, const struct build *b, const struct node *n, char **pathbuf)
{
	char *path = cr_source_path(b, n);
	int err;

	*pathbuf = path;
	if (!path)
		return -ENOMEM;
	r->path = path;
	r->log = b->log;
	r->expect = n->size;
	r->done = 0;
	r->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (r->fd < 0) {
		err = -errno;
		cr_err(b->log, "%s: cannot open: %s", path, strerror(errno));
		return err;
	}
	return 0;
}

/* Reads exactly len bytes (the caller asks only for bytes the file should have). */
ssize_t src_read_block(struct src_reader *r, uint8_t *buf, uint32_t len)
{
	size_t got;
	int err = cr_pread_all(r->fd, buf, len, r->done, &got);

	if (err) {
		cr_err(r->log, "%s: read error at byte %llu: %s", r->path,
		       (unsigned long long)r->done, strerror(-err));
		return err;
	}
	if (got != len) {
		cr_err(r->log, "%s: file shrank while being read (expected %llu bytes, ended at %llu)",
		       r->path, (unsigned long long)r->expect, (unsigned long long)(r->done + got));
		return -EIO;
	}
	r->done += got;
	return (ssize_t)got;
}

int src_finish(struct src_reader *r)
{
	uint8_t extra;
	size_t got;
	int err = cr_pread_all(r->fd, &extra, 1, r->done, &got);

	if (!err && got) {
		cr_err(r->log, "%s: file grew while being read (expected %llu bytes)", r->path,
		       (unsigned long long)r->expect);
		err = -EIO;
	} else if (err) {
		cr_err(r->log, "%s: read error: %s", r->path, strerror(-err));
	}
	src_close(r);
	return err;
}

void src_close(struct src_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* ---- atomic output ---- */

int cramfs_output_open(struct cramfs_output *out, const char *path)
{
	char *dircopy = strdup(path), *base = strdup(path);
	mode_t mask;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!dircopy || !base) {
		err = -ENOMEM;
		goto fail;
	}
	out->path = strdup(path);
	if (!out->path || asprintf(&out->tmp_path, "%s/.%s.XXXXXX", dirname(dircopy), basename(base)) < 0) {
		out->tmp_path = NULL;
		err = -ENOMEM;
		goto fail;
	}
	out->fd = mkostemp(out->tmp_path, O_CLOEXEC);
	if (out->fd < 0) {
		err = -errno;
		goto fail;
	}
	/* mkstemp makes 0600; give the image the mode a plain create would. */
	mask = umask(0);
	umask(mask);
	if (fchmod(out->fd, 0666 & ~mask) < 0) {
		err = -errno;
		cramfs_output_abort(out);
		goto fail;
	}
	free(dircopy);
	free(base);
	return 0;
fail:
	free(dircopy);
	free(base);
	free(out->path);
	free(out->tmp_path);
	out->path = out->tmp_path = NULL;
	return err;
}

int cramfs_output_commit(struct cramfs_output *out)
{
	int err = 0;

	if (fsync(out->fd) < 0 || close(out->fd) < 0) {
		err = -errno;
		out->fd = -1;
		cramfs_output_abort(out);
		return err;
	}
	out->fd = -1;
	if (rename(out->tmp_path, out->path) < 0) {
		err = -errno;
		cramfs_output_abort(out);
		return err;
	}
	free(out->path);
	free(out->tmp_path);
	out->path = out->tmp_path = NULL;
	return 0;
}

void cramfs_output_abort(struct cramfs_output *out)
{
	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
	if (out->tmp_path)
		unlink(out->tmp_path);
	free(out->path);
	free(out->tmp_path);
	out->path = out->tmp_path = NULL;
}
