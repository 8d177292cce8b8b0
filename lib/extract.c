// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Extraction.  Every file is created relative to an open descriptor of its
 * parent directory, with O_EXCL and O_NOFOLLOW, from names the walker has
 * already refused if they are empty, "." or ".." or hold a '/': nothing an
 * image says can make us write outside the target directory, even through
 * symlinks the image itself creates.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "image.h"

/*
 * Directories open at a time below the target, whatever the depth: the
 * deepest ones.  A directory closed to make room is opened again, name by
 * name from the nearest one still open, when it is needed (to fill it or,
 * when it is done, to give it its mode).
 */
#define OPEN_DIRS 16

struct level {
	int fd;                         /* -1: closed to make room */
	struct cramfs_inode ino;
	char name[CRAMFS_MAXPATHLEN + 1];
};

struct extractor {
	const struct cramfs_extract_options *opts;
	struct cramfs_extract_result *res;
	struct level dirs[CRAMFS_MAX_DEPTH + 1];   /* the directories being filled, by depth; 0 the target */
	unsigned top;                   /* the deepest of them */
	unsigned nopen;                 /* open ones below the target */
	unsigned failed;                /* depth of a directory that could not be made or opened; 0: none */
	uint8_t *buf;                   /* file data, and a NUL after a symlink's target */
	size_t buf_cap;
};

static void fail(struct extractor *x, struct cramfs_image *img, const char *path, const char *what, int err)
{
	img_err(&img->log, "%s: cannot %s: %s", path, what, strerror(err));
	x->res->errors++;
}

static void set_owner(struct extractor *x, struct cramfs_image *img, int dirfd, const char *name,
		      const struct cramfs_entry *e)
{
	if (!x->opts->restore_owner) {
		x->res->skipped_owner++;
		return;
	}
	if (fchownat(dirfd, name, e->inode.uid, e->inode.gid, AT_SYMLINK_NOFOLLOW) < 0)
		fail(x, img, e->path, "set owner", errno);
}

/* Keeps OPEN_DIRS directories open at most: closes those nearest the target. */
static void trim_open(struct extractor *x)
{
	for (unsigned d = 1; x->nopen > OPEN_DIRS && d <= x->top; d++)
		if (x->dirs[d].fd >= 0) {
			close(x->dirs[d].fd);
			x->dirs[d].fd = -1;
			x->nopen--;
		}
}

/* The descriptor of the directory at depth d (1 .. top), opened again if it was closed; -errno. */
static int dir_fd(struct extractor *x, unsigned d)
{
	unsigned k = d;

	while (x->dirs[k].fd < 0)
		k--;
	/* only directories made by this extraction, each opened without following a symlink */
	while (k < d) {
		int fd = openat(x->dirs[k].fd, x->dirs[k + 1].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		k++;
		x->dirs[k].fd = fd;
		x->nopen++;
		trim_open(x);   /* never the one just opened: it is the deepest open */
	}
	return x->dirs[d].fd;
}

/* A message about the directory at depth d (1 .. top), which is named by its path in the image. */
static void fail_dir(struct extractor *x, struct cramfs_image *img, unsigned d, const char *what, int err)
{
	size_t len = 0;
	char *path;

	for (unsigned k = 1; k <= d; k++)
		len += 1 + strlen(x->dirs[k].name);
	path = malloc(len + 1);
	if (!path) {
		fail(x, img, x->dirs[d].name, what, err);
		return;
	}
	len = 0;
	for (unsigned k = 1; k <= d; k++)
		len += (size_t)sprintf(path + len, "/%s", x->dirs[k].name);
	fail(x, img, path, what, err);
	free(path);
}

/* Directories get their real mode when done: a read-only one must stay writable while filled. */
static void close_dirs(struct extractor *x, struct cramfs_image *img, unsigned keep)
{
	while (x->top > keep) {
		int fd = dir_fd(x, x->top);

		if (fd < 0)
			fail_dir(x, img, x->top, "open directory again", -fd);
		else if (fchmod(fd, x->dirs[x->top].ino.mode & 07777) < 0)
			fail_dir(x, img, x->top, "set mode", errno);
		if (fd >= 0) {
			close(fd);
			x->nopen--;
		}
		x->dirs[x->top].fd = -1;
		x->top--;
	}
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Room for size bytes and a NUL.  The buffer grows to the largest file met,
 * instead of 16 MiB up front: a small image is extracted in little memory,
 * and quickly under a sanitizer, whose allocator poisons every byte.
 */
static bool reserve(struct extractor *x, struct cramfs_image *img, const struct cramfs_entry *e)
{
	size_t need = (size_t)e->inode.size + 1, cap = x->buf_cap ? x->buf_cap : 65536;

	if (need <= x->buf_cap)
		return true;
	while (cap < need)
		cap *= 2;
	free(x->buf);   /* nothing in it to keep */
	x->buf = malloc(cap);
	x->buf_cap = x->buf ? cap : 0;
	if (!x->buf) {
		fail(x, img, e->path, "allocate memory for the data", ENOMEM);
		return false;
	}
	return true;
}

static int extract_entry(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	struct extractor *x = arg;
	const struct cramfs_inode *ino = &e->inode;
	mode_t perm = ino->mode & 07777;
	int parent, fd, err;

	if (e->depth == 0) {
		x->dirs[0].ino = *ino;
		if (x->opts->restore_owner && fchown(x->dirs[0].fd, ino->uid, ino->gid) < 0)
			fail(x, img, e->path, "set owner", errno);
		else if (!x->opts->restore_owner)
			x->res->skipped_owner++;
		x->res->entries++;
		return 0;
	}
	if (x->failed && e->depth > x->failed) {
		x->res->not_extracted++;   /* below a directory that could not be made */
		return 0;
	}
	x->failed = 0;
	if (e->depth > CRAMFS_MAX_DEPTH) {   /* the walker never goes there */
		img_err(&img->log, "%s: deeper than %d levels; not extracted", e->path, CRAMFS_MAX_DEPTH);
		x->res->errors++;
		return 1;
	}
	close_dirs(x, img, e->depth - 1);
	parent = x->top ? dir_fd(x, x->top) : x->dirs[0].fd;
	if (parent < 0) {
		fail_dir(x, img, x->top, "open directory again", -parent);
		x->failed = x->top;
		x->res->not_extracted++;
		return 0;
	}
	x->res->entries++;

	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(parent, e->name, 0700) < 0) {
			fail(x, img, e->path, "create directory", errno);
			x->failed = e->depth;
			return 0;
		}
		set_owner(x, img, parent, e->name, e);
		fd = openat(parent, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fail(x, img, e->path, "open directory", errno);
			x->failed = e->depth;
			return 0;
		}
		x->top++;
		x->nopen++;
		x->dirs[x->top].fd = fd;
		x->dirs[x->top].ino = *ino;
		memcpy(x->dirs[x->top].name, e->name, strlen(e->name) + 1);
		trim_open(x);
		return 0;
	case S_IFREG:
		if (!reserve(x, img, e))
			return 0;
		err = cramfs_image_read(img, e, x->buf);
		if (err == -ESTALE)
			return err;     /* the image changed: nothing more can be read */
		if (err < 0) {
			x->res->errors++;
			return 0;
		}
		fd = openat(parent, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			fail(x, img, e->path, "create file", errno);
			return 0;
		}
		err = write_all(fd, x->buf, ino->size);
		if (err)
			fail(x, img, e->path, "write", -err);
		set_owner(x, img, parent, e->name, e);
		/* after chown, which clears set-id bits */
		if (fchmod(fd, perm) < 0)
			fail(x, img, e->path, "set mode", errno);
		if (close(fd) < 0)
			fail(x, img, e->path, "write", errno);
		return 0;
	case S_IFLNK:
		if (!reserve(x, img, e))
			return 0;
		err = cramfs_image_read(img, e, x->buf);
		if (err == -ESTALE)
			return err;
		if (err < 0) {
			x->res->errors++;
			return 0;
		}
		x->buf[ino->size] = '\0';
		if (strlen((char *)x->buf) != ino->size) {
			img_err(&img->log, "%s: symlink target contains a NUL byte", e->path);
			x->res->errors++;
			return 0;
		}
		if (symlinkat((char *)x->buf, parent, e->name) < 0) {
			fail(x, img, e->path, "create symlink", errno);
			return 0;
		}
		set_owner(x, img, parent, e->name, e);
		return 0;
	case S_IFCHR:
	case S_IFBLK:
		if (!x->opts->create_devices) {
			x->res->skipped_devices++;
			return 0;
		}
		/* fall through */
	case S_IFIFO:
	case S_IFSOCK: {
		dev_t dev = S_ISCHR(ino->mode) || S_ISBLK(ino->mode) ?
			    makedev((ino->size >> 8) & 0xff, ino->size & 0xff) : 0;
		if (mknodat(parent, e->name, (ino->mode & S_IFMT) | 0600, dev) < 0) {
			fail(x, img, e->path, "create node", errno);
			return 0;
		}
		set_owner(x, img, parent, e->name, e);
		if (fchmodat(parent, e->name, perm, 0) < 0)
			fail(x, img, e->path, "set mode", errno);
		return 0;
	}
	default:
		img_err(&img->log, "%s: unknown file type (mode 0%o); skipped", e->path, ino->mode);
		x->res->errors++;
		return 0;
	}
}

static int open_target(struct cramfs_image *img, const char *dir)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (mkdir(dir, 0700) == 0)
		return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (errno != EEXIST) {
		int err = -errno;
		img_err(&img->log, "%s: cannot create: %s", dir, strerror(errno));
		return err;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;
		img_err(&img->log, "%s: cannot open: %s", dir, strerror(errno));
		return err;
	}
	d = fdopendir(dup(fd));
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			img_err(&img->log, "%s: exists and is not empty; extract into a new or empty directory", dir);
			closedir(d);
			close(fd);
			return -EEXIST;
		}
	closedir(d);
	return fd;
}

int cramfs_extract(struct cramfs_image *img, const char *destdir, const struct cramfs_extract_options *opts,
		   struct cramfs_extract_result *res)
{
	struct extractor *x = calloc(1, sizeof(*x));
	struct cramfs_log saved = img->log;
	int err;

	memset(res, 0, sizeof(*res));
	if (!x)
		return -ENOMEM;
	x->opts = opts;
	x->res = res;
	img->log = opts->log;
	x->dirs[0].fd = open_target(img, destdir);
	if (x->dirs[0].fd < 0) {
		err = x->dirs[0].fd;
		goto out;
	}
	img->walk_problems = 0;
	res->inflated = img->inflated;
	err = cramfs_image_walk(img, extract_entry, x);
	res->inflated = img->inflated - res->inflated;
	close_dirs(x, img, 0);
	if (fchmod(x->dirs[0].fd, x->dirs[0].ino.mode & 07777) < 0)
		fail(x, img, destdir, "set mode", errno);
	close(x->dirs[0].fd);
	res->errors += img->walk_problems;
	if (res->not_extracted) {
		img_err(&img->log, "%llu entries not extracted: a directory above them could not be made",
			(unsigned long long)res->not_extracted);
		res->errors++;
	}
	if (!err)
		err = img_unchanged(img);
out:
	img->log = saved;
	free(x->buf);
	free(x);
	return err;
}
