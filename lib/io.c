// SPDX-License-Identifier: GPL-2.0-or-later
/* File I/O: whole-buffer reads and writes, source files, atomic output. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
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

/* ---- output: a regular file replaced atomically, or a device or FIFO written through ---- */

#define MAX_LINKS 40
#define PROC_FS_MAGIC 0x9fa0    /* statfs f_type of /proc (linux/magic.h, which also defines CRAMFS_MAGIC) */

/* A link in /proc (/proc/self/fd/1, where /dev/stdout leads) stands for an open file, not a path. */
static bool in_proc(const char *link)
{
	char *copy = strdup(link);
	struct statfs fs;
	bool proc;

	if (!copy)
		return false;
	proc = statfs(dirname(copy), &fs) == 0 && fs.f_type == PROC_FS_MAGIC;
	free(copy);
	return proc;
}

/*
 * The file a chain of symbolic links ends at, as a path: each target taken
 * relative to the directory of its link.  For a link that resolves (stat
 * succeeds) and for one that dangles alike.  *proc: the chain went through
 * a link of /proc.
 */
static int follow_links(const char *path, char **out, bool *proc)
{
	char *cur = strdup(path);

	*proc = false;
	if (!cur)
		return -ENOMEM;
	for (int i = 0;; i++) {
		struct stat st;
		char *target, *next;
		ssize_t n;

		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode)) {
			*out = cur;
			return 0;
		}
		if (i == MAX_LINKS) {
			free(cur);
			return -ELOOP;
		}
		if (in_proc(cur))
			*proc = true;
		target = malloc((size_t)st.st_size + 2);
		if (!target) {
			free(cur);
			return -ENOMEM;
		}
		n = readlink(cur, target, (size_t)st.st_size + 1);
		if (n < 0 || n > st.st_size) {
			int err = n < 0 ? -errno : -EAGAIN;   /* the link changed under us */
			free(target);
			free(cur);
			return err;
		}
		target[n] = '\0';
		if (target[0] == '/') {
			next = target;
		} else {
			char *slash = strrchr(cur, '/');
			int len = slash ? (int)(slash - cur) + 1 : 0;
			if (asprintf(&next, "%.*s%s", len, cur, target) < 0)
				next = NULL;
			free(target);
			if (!next) {
				free(cur);
				return -ENOMEM;
			}
		}
		free(cur);
		cur = next;
	}
}

/* The image's own file: beside the final file, renamed over it by commit. */
static int open_replacing(struct cramfs_output *out, char *target)
{
	char *dircopy = strdup(target), *base = strdup(target);
	mode_t mask;
	int err = 0;

	out->path = target;
	if (!dircopy || !base ||
	    asprintf(&out->tmp_path, "%s/.%s.XXXXXX", dirname(dircopy), basename(base)) < 0) {
		out->tmp_path = NULL;
		err = -ENOMEM;
		goto out;
	}
	out->fd = mkostemp(out->tmp_path, O_CLOEXEC);
	if (out->fd < 0) {
		err = -errno;
		goto out;
	}
	/* mkstemp makes 0600; give the image the mode a plain create would. */
	mask = umask(0);
	umask(mask);
	if (fchmod(out->fd, 0666 & ~mask) < 0)
		err = -errno;
out:
	free(dircopy);
	free(base);
	return err;
}

/* Where the image is built before commit copies it through: an unlinked file in $TMPDIR. */
static int open_scratch(struct cramfs_output *out)
{
	const char *dir = getenv("TMPDIR");
	char *tmp;

	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&tmp, "%s/mkcramfs.XXXXXX", dir) < 0)
		return -ENOMEM;
	out->fd = mkostemp(tmp, O_CLOEXEC);
	if (out->fd < 0) {
		int err = -errno;
		free(tmp);
		return err;
	}
	unlink(tmp);
	free(tmp);
	return 0;
}

int cramfs_output_open(struct cramfs_output *out, const char *path)
{
	struct stat st, fin;
	char *target = NULL;
	bool proc;
	int err, flags = O_WRONLY | O_CLOEXEC | O_NOCTTY;

	memset(out, 0, sizeof(*out));
	out->fd = out->dest_fd = -1;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		/* nothing there, or a symbolic link to nothing yet: create the file it names */
		err = follow_links(path, &target, &proc);
		if (!err)
			err = open_replacing(out, target);
		if (err)
			cramfs_output_abort(out);
		return err;
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (S_ISREG(st.st_mode)) {
		err = follow_links(path, &target, &proc);
		if (err)
			return err;
		/*
		 * Replaced where the links spell the file's path; written through
		 * where they stand for an open file (/dev/stdout redirected to a
		 * file, which may be deleted, or in a directory this process may
		 * not write to).
		 */
		if (!proc && lstat(target, &fin) == 0 && fin.st_dev == st.st_dev && fin.st_ino == st.st_ino) {
			err = open_replacing(out, target);
			if (err)
				cramfs_output_abort(out);
			return err;
		}
		free(target);
	} else if (S_ISBLK(st.st_mode)) {
		flags |= O_EXCL;    /* refused (EBUSY) while the device is mounted */
	} else if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		return -ENXIO;      /* a socket */
	}
	/* written through: opened now (a FIFO waits for its reader), written by commit */
	out->path = strdup(path);
	if (!out->path)
		return -ENOMEM;
	out->dest_fd = open(path, flags);
	if (out->dest_fd < 0) {
		err = -errno;
		cramfs_output_abort(out);
		return err;
	}
	err = fstat(out->dest_fd, &st) < 0 ? -errno : open_scratch(out);
	if (err) {
		cramfs_output_abort(out);
		return err;
	}
	out->dest_mode = st.st_mode;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The built image, front to back, into the device, FIFO or file opened by cramfs_output_open. */
static int copy_through(struct cramfs_output *out)
{
	static const size_t chunk = 1 << 20;
	struct stat st;
	uint8_t *buf;
	uint64_t off = 0;
	int err = 0;

	if (fstat(out->fd, &st) < 0)
		return -errno;
	if (S_ISBLK(out->dest_mode)) {
		/* a device too small for the image gets nothing rather than a cut image */
		off_t dev_size = lseek(out->dest_fd, 0, SEEK_END);
		if (dev_size < 0 || lseek(out->dest_fd, 0, SEEK_SET) < 0)
			return -errno;
		if (st.st_size > dev_size)
			return -ENOSPC;
	} else if (S_ISREG(out->dest_mode) && ftruncate(out->dest_fd, 0) < 0) {
		return -errno;
	}
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	while (off < (uint64_t)st.st_size && !err) {
		size_t want = (uint64_t)st.st_size - off < chunk ? (size_t)((uint64_t)st.st_size - off) : chunk;
		size_t got;

		err = cr_pread_all(out->fd, buf, want, off, &got);
		if (!err && got != want)
			err = -EIO;
		if (!err)
			err = write_all(out->dest_fd, buf, want);
		off += want;
	}
	free(buf);
	if (!err && (S_ISBLK(out->dest_mode) || S_ISREG(out->dest_mode)) && fsync(out->dest_fd) < 0)
		err = -errno;
	return err;
}

int cramfs_output_commit(struct cramfs_output *out)
{
	int err = 0;

	if (out->dest_fd >= 0) {
		err = copy_through(out);
		if (close(out->dest_fd) < 0 && !err)
			err = -errno;
		out->dest_fd = -1;
		cramfs_output_abort(out);
		return err;
	}
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
	if (out->dest_fd >= 0)
		close(out->dest_fd);
	out->dest_fd = -1;
	if (out->tmp_path)
		unlink(out->tmp_path);
	free(out->path);
	free(out->tmp_path);
	out->path = out->tmp_path = NULL;
}
