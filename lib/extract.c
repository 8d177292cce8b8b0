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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "image.h"

#define MAX_DEPTH 1024

struct extractor {
	const struct cramfs_extract_options *opts;
	struct cramfs_extract_result *res;
	int fds[MAX_DEPTH + 1];         /* open directories by depth */
	struct cramfs_inode modes[MAX_DEPTH + 1];
	unsigned top;                   /* deepest open directory */
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

/* Directories get their real mode when closed: a read-only one must stay writable while filled. */
static void close_dirs(struct extractor *x, struct cramfs_image *img, unsigned keep)
{
	while (x->top > keep) {
		int fd = x->fds[x->top];
		if (fchmod(fd, x->modes[x->top].mode & 07777) < 0)
			fail(x, img, "directory", "set mode", errno);
		close(fd);
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
		x->modes[0] = *ino;
		if (x->opts->restore_owner && fchown(x->fds[0], ino->uid, ino->gid) < 0)
			fail(x, img, e->path, "set owner", errno);
		else if (!x->opts->restore_owner)
			x->res->skipped_owner++;
		x->res->entries++;
		return 0;
	}
	if (e->depth > MAX_DEPTH)
		return 1;
	close_dirs(x, img, e->depth - 1);
	if (x->top != e->depth - 1)
		return 1;   /* the parent could not be created */
	parent = x->fds[x->top];
	x->res->entries++;

	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(parent, e->name, 0700) < 0) {
			fail(x, img, e->path, "create directory", errno);
			return 1;
		}
		set_owner(x, img, parent, e->name, e);
		fd = openat(parent, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fail(x, img, e->path, "open directory", errno);
			return 1;
		}
		x->top++;
		x->fds[x->top] = fd;
		x->modes[x->top] = *ino;
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
	x->fds[0] = open_target(img, destdir);
	if (x->fds[0] < 0) {
		err = x->fds[0];
		goto out;
	}
	img->walk_problems = 0;
	res->inflated = img->inflated;
	err = cramfs_image_walk(img, extract_entry, x);
	res->inflated = img->inflated - res->inflated;
	close_dirs(x, img, 0);
	if (fchmod(x->fds[0], x->modes[0].mode & 07777) < 0)
		fail(x, img, destdir, "set mode", errno);
	close(x->fds[0]);
	res->errors += img->walk_problems;
	if (!err)
		err = img_unchanged(img);
out:
	img->log = saved;
	free(x->buf);
	free(x);
	return err;
}
