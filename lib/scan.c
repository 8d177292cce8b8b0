// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 1, scan: read the source tree into memory.  Nothing is followed: a
 * symlink is stored as a symlink.  Children are sorted by the bytes of
 * their names, so the image does not depend on readdir order.  A tree
 * deeper than CRAMFS_MAX_DEPTH is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

static int cmp_node_name(const void *a, const void *b)
{
	const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;

	return strcmp(x->name, y->name);
}

static char *join_path(const char *dir, const char *name)
{
	size_t a = strlen(dir), c = strlen(name);
	int slash = a == 1 && dir[0] == '/' ? 0 : 1;
	char *s = malloc(a + slash + c + 1);

	if (!s)
		return NULL;
	memcpy(s, dir, a);
	if (slash)
		s[a] = '/';
	memcpy(s + a + slash, name, c + 1);
	return s;
}

static int fill_from_stat(struct build *b, struct node *n, const char *src, const struct stat *st)
{
	n->mode = st->st_mode;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	if (S_ISREG(st->st_mode)) {
		n->size = (uint64_t)st->st_size;
	} else if (S_ISLNK(st->st_mode)) {
		size_t cap = (size_t)st->st_size + 1;
		ssize_t len;

		/* st_size can be 0 on some filesystems; grow until the target fits */
		if (cap < 64)
			cap = 64;
		for (;;) {
			n->link_target = malloc(cap);
			if (!n->link_target)
				return -ENOMEM;
			len = readlink(src, n->link_target, cap);
			if (len < 0) {
				int err = -errno;
				cr_err(b->log, "%s: cannot read symlink: %s", src, strerror(errno));
				return err;
			}
			if ((size_t)len < cap)
				break;
			free(n->link_target);
			n->link_target = NULL;
			cap *= 2;
		}
		n->link_target[len] = '\0';
		n->size = (uint64_t)len;
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		n->rdev_major = major(st->st_rdev);
		n->rdev_minor = minor(st->st_rdev);
	}
	return 0;
}

/*
 * Reads a directory's names, excludes left out, into dir->kids, sorted;
 * then closes it.  Nothing else is looked at yet: scan_dir recurses only
 * after this, so a deep tree holds no open directory per level.
 */
static int read_names(struct build *b, struct node *dir, const char *src)
{
	DIR *d = opendir(src);
	struct dirent *de;
	size_t cap = 0;
	int err = 0;

	if (!d) {
		err = -errno;
		cr_err(b->log, "%s: cannot open directory: %s", src, strerror(errno));
		return err;
	}
	for (;;) {
		struct node *n;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				err = -errno;
				cr_err(b->log, "%s: cannot read directory: %s", src, strerror(errno));
			}
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (dir->nkids == cap) {
			struct node **k;
			cap = cap ? cap * 2 : 16;
			k = realloc(dir->kids, cap * sizeof(*k));
			if (!k) {
				err = -ENOMEM;
				break;
			}
			dir->kids = k;
		}
		n = calloc(1, sizeof(*n));
		if (!n) {
			err = -ENOMEM;
			break;
		}
		dir->kids[dir->nkids++] = n;
		n->parent = dir;
		n->name = strdup(de->d_name);
		n->path = join_path(dir->path, de->d_name);
		if (!n->name || !n->path) {
			err = -ENOMEM;
			break;
		}
		n->namelen = (uint32_t)strlen(n->name);
		if (cr_patterns_match(b->opts->exclude_patterns, n->path)) {
			cr_dbg(b->log, "%s: excluded", n->path);
			dir->nkids--;
			cr_tree_free(n);
		}
	}
	closedir(d);
	if (!err && dir->nkids)
		qsort(dir->kids, dir->nkids, sizeof(*dir->kids), cmp_node_name);
	return err;
}

static int scan_dir(struct build *b, struct node *dir, const char *src, unsigned depth)
{
	int err = read_names(b, dir, src);

	if (!err && dir->nkids && depth == CRAMFS_MAX_DEPTH) {
		char *deeper = join_path(src, dir->kids[0]->name);
		/* the path last: a long one may be cut off */
		cr_err(b->log, "deeper than %u levels, the limit for a cramfs tree (see LIMITS in mkcramfs(8)): %s",
		       CRAMFS_MAX_DEPTH, deeper ? deeper : src);
		free(deeper);
		return -ELOOP;
	}
	for (size_t i = 0; i < dir->nkids && !err; i++) {
		struct node *n = dir->kids[i];
		char *child_src = join_path(src, n->name);
		struct stat st;

		if (!child_src)
			return -ENOMEM;
		if (lstat(child_src, &st) < 0) {
			err = -errno;
			cr_err(b->log, "%s: cannot stat: %s", child_src, strerror(errno));
		}
		if (!err)
			err = fill_from_stat(b, n, child_src, &st);
		if (!err)
			err = cr_note_lost_metadata(b, n, child_src);
		if (!err && S_ISDIR(st.st_mode))
			err = scan_dir(b, n, child_src, depth + 1);
		free(child_src);
	}
	return err;
}

static void count_nodes(const struct node *n, size_t *count)
{
	++*count;
	for (size_t i = 0; i < n->nkids; i++)
		count_nodes(n->kids[i], count);
}

static void list_nodes(struct node *n, struct node **order, size_t *pos)
{
	order[(*pos)++] = n;
	for (size_t i = 0; i < n->nkids; i++)
		list_nodes(n->kids[i], order, pos);
}

int cr_scan(struct build *b)
{
	struct node *root = calloc(1, sizeof(*root));
	struct stat st;
	size_t pos = 0;
	int err;

	if (!root)
		return -ENOMEM;
	b->root = root;
	root->name = strdup("");
	root->path = strdup("/");
	if (!root->name || !root->path)
		return -ENOMEM;
	if (stat(b->srcdir, &st) < 0) {
		err = -errno;
		cr_err(b->log, "%s: cannot stat: %s", b->srcdir, strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		cr_err(b->log, "%s: not a directory", b->srcdir);
		return -ENOTDIR;
	}
	err = fill_from_stat(b, root, b->srcdir, &st);
	if (!err)
		err = cr_note_lost_metadata(b, root, b->srcdir);
	if (!err)
		err = scan_dir(b, root, b->srcdir, 0);
	if (!err)
		err = cr_devtable_apply(b);
	if (err)
		return err;

	count_nodes(root, &b->nnodes);
	b->order = malloc(b->nnodes * sizeof(*b->order));
	if (!b->order)
		return -ENOMEM;
	list_nodes(root, b->order, &pos);
	return 0;
}

void cr_tree_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		cr_tree_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->path);
	free(n->link_target);
	free(n->blocks);
	free(n);
}
