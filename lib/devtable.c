// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device tables, in the makedevs format Buildroot and genext2fs use:
 *
 *   name  type mode uid gid major minor start inc count
 *   /dev/console  c 600 0 0 5 1 - - -
 *   /dev/ttyS     c 660 0 5 4 64 0 1 4     (ttyS0..ttyS3, minors 64..67)
 *
 * Types: d directory, f regular file (must exist: its mode and owner are
 * set), p fifo, c and b devices.  '-' leaves a field unused.  With a count,
 * count nodes are made, named name<start>, name<start+1>..., with minor
 * numbers minor, minor+inc...  Missing parent directories are created
 * (0755, root).  An entry that exists is updated; its type must match.
 * Every malformed line is an error naming the file and line; so is a path
 * that cannot be stored as it is written (see check_path).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, (*(struct node *const *)elem)->name);
}

static struct node *find_child(struct node *dir, const char *name)
{
	struct node **k;

	if (!dir->nkids)
		return NULL;   /* bsearch wants an array, even for no elements */
	k = bsearch(name, dir->kids, dir->nkids, sizeof(*dir->kids), cmp_name);
	return k ? *k : NULL;
}

static struct node *add_child(struct node *dir, const char *name, uint32_t mode)
{
	struct node *n = calloc(1, sizeof(*n)), **kids;
	size_t at = 0, plen = strlen(dir->path), nlen = strlen(name);

	if (!n)
		return NULL;
	kids = realloc(dir->kids, (dir->nkids + 1) * sizeof(*kids));
	n->name = strdup(name);
	n->path = malloc(plen + nlen + 2);
	if (!kids || !n->name || !n->path) {
		if (kids)
			dir->kids = kids;
		free(n->name);
		free(n->path);
		free(n);
		return NULL;
	}
	dir->kids = kids;
	sprintf(n->path, "%s%s%s", dir->path, plen > 1 ? "/" : "", name);
	n->namelen = (uint32_t)nlen;
	n->mode = mode;
	n->parent = dir;
	n->synthetic = true;
	while (at < dir->nkids && strcmp(dir->kids[at]->name, name) < 0)
		at++;
	memmove(dir->kids + at + 1, dir->kids + at, (dir->nkids - at) * sizeof(*kids));
	dir->kids[at] = n;
	dir->nkids++;
	return n;
}

/*
 * A path must name an entry inside the image, as it will be there: no '.'
 * or '..' component (an image holding one is refused by every checker),
 * no component longer than a cramfs name, not so long or so deep that no
 * program on the target could open it.  Repeated slashes count as one, the leading
 * one may be left out, and a trailing one is allowed for directories.
 */
static int check_path(struct build *b, const char *where, const char *path, char type)
{
	size_t len = strlen(path);
	const char *p = path + strspn(path, "/");
	unsigned depth = 0;

	if (len >= PATH_MAX) {
		cr_err(b->log, "%s: the path is %zu bytes; paths are at most %d bytes", where, len, PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			cr_err(b->log, "%s: '%s' has a '%.*s' component; a device table path names an entry "
			       "inside the image, without '.' or '..'", where, path, (int)n, p);
			return -EINVAL;
		}
		if (n > CRAMFS_MAXPATHLEN) {
			cr_err(b->log, "%s: '%s' has a component of %zu bytes; cramfs names are at most %u bytes",
			       where, path, n, CRAMFS_MAXPATHLEN);
			return -ENAMETOOLONG;
		}
		p += n;
		p += strspn(p, "/");
		depth++;
	}
	if (depth > CRAMFS_MAX_DEPTH) {
		cr_err(b->log, "%s: the path is %u levels deep; a cramfs tree is at most %u levels deep", where,
		       depth, CRAMFS_MAX_DEPTH);
		return -EINVAL;
	}
	if (strspn(path, "/") == len) {
		cr_err(b->log, "%s: '%s' names the root directory, not an entry in it", where, path);
		return -EINVAL;
	}
	if (path[len - 1] == '/' && type != 'd') {
		cr_err(b->log, "%s: '%s' ends in '/', which only a directory (type d) may", where, path);
		return -EINVAL;
	}
	return 0;
}

/*
 * The directory that holds path's last component, created as needed;
 * *leaf points at that component.  path is a copy the caller may spoil.
 */
static int parent_of(struct build *b, char *path, struct node **out, char **leaf, const char *where)
{
	struct node *dir = b->root;
	size_t len = strlen(path);
	char *p = path;

	while (len && path[len - 1] == '/')
		path[--len] = '\0';
	while (*p == '/')
		p++;
	for (char *slash; (slash = strchr(p, '/')); ) {
		struct node *n;

		*slash = '\0';
		n = find_child(dir, p);
		if (!n) {
			n = add_child(dir, p, S_IFDIR | 0755);
			if (!n)
				return -ENOMEM;
		} else if (!S_ISDIR(n->mode)) {
			cr_err(b->log, "%s: %s is not a directory", where, n->path);
			return -ENOTDIR;
		}
		dir = n;
		p = slash + 1;
		while (*p == '/')
			p++;
	}
	*out = dir;
	*leaf = p;
	return 0;
}

/* A field: a number in base 10 (8 for the mode), or '-' for none. */
static bool field(const char *s, int base, bool dash_ok, unsigned long *v, bool *dash)
{
	char *end;

	*dash = false;
	if (!strcmp(s, "-")) {
		*dash = true;
		*v = 0;
		return dash_ok;
	}
	if (*s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoul(s, &end, base);
	return !errno && end != s && !*end && *v <= UINT32_MAX;
}

static int apply_entry(struct build *b, const char *where, char *name, char type, uint32_t perm, uint32_t uid,
		       uint32_t gid, uint32_t major, uint32_t minor)
{
	uint32_t fmt = type == 'd' ? S_IFDIR : type == 'f' ? S_IFREG : type == 'p' ? S_IFIFO :
		       type == 'c' ? S_IFCHR : S_IFBLK;
	struct node *dir, *n;
	char *leaf;
	int err = check_path(b, where, name, type);

	if (!err)
		err = parent_of(b, name, &dir, &leaf, where);
	if (err)
		return err;
	n = find_child(dir, leaf);
	if (!n) {
		if (type == 'f') {
			cr_err(b->log, "%s: %s%s%s: no such file in the tree (type f only changes existing files)",
			       where, dir->path, strlen(dir->path) > 1 ? "/" : "", leaf);
			return -ENOENT;
		}
		n = add_child(dir, leaf, fmt);
		if (!n)
			return -ENOMEM;
	} else if ((n->mode & S_IFMT) != fmt) {
		cr_err(b->log, "%s: %s exists and is not of type %c", where, n->path, type);
		return -EEXIST;
	}
	n->mode = fmt | (perm & 07777);
	n->uid = uid;
	n->gid = gid;
	n->rdev_major = major;
	n->rdev_minor = minor;
	return 0;
}

static int apply_line(struct build *b, const char *where, char *line)
{
	char *f[11];
	int nf = 0;
	unsigned long v[10] = { 0 };
	bool dash[10];
	char type;
	int err = 0;

	for (char *tok = strtok(line, " \t\r\n"); tok && nf < 11; tok = strtok(NULL, " \t\r\n"))
		f[nf++] = tok;
	if (nf == 0 || f[0][0] == '#')
		return 0;
	if (nf != 10) {
		cr_err(b->log, "%s: %d fields; a device table line has 10: name type mode uid gid major minor "
		       "start inc count", where, nf > 10 ? 11 : nf);
		return -EINVAL;
	}
	if (strlen(f[1]) != 1 || !strchr("dfpcb", f[1][0])) {
		cr_err(b->log, "%s: type '%s' is not one of d f p c b", where, f[1]);
		return -EINVAL;
	}
	type = f[1][0];
	static const char *const what[] = { NULL, NULL, "mode", "uid", "gid", "major", "minor", "start", "inc",
					    "count" };
	for (int i = 2; i < 10; i++) {
		bool dev_field = i == 5 || i == 6;
		if (!field(f[i], i == 2 ? 8 : 10, i >= 5, &v[i], &dash[i])) {
			cr_err(b->log, "%s: %s '%s' is not a %s number%s", where, what[i], f[i],
			       i == 2 ? "octal" : "decimal", i >= 5 ? " or '-'" : "");
			return -EINVAL;
		}
		if (dev_field && (type == 'c' || type == 'b') && dash[i]) {
			cr_err(b->log, "%s: a device needs its %s number", where, what[i]);
			return -EINVAL;
		}
	}
	if (v[2] > 07777) {
		cr_err(b->log, "%s: mode %s has bits beyond 07777", where, f[2]);
		return -EINVAL;
	}
	if (dash[9] || v[9] <= 1) {
		if (!dash[9] && v[9] == 0) {
			cr_err(b->log, "%s: count 0 makes nothing", where);
			return -EINVAL;
		}
		return apply_entry(b, where, f[0], type, (uint32_t)v[2], (uint32_t)v[3], (uint32_t)v[4],
				   (uint32_t)v[5], (uint32_t)v[6]);
	}
	if (type != 'c' && type != 'b' && type != 'p' && type != 'f' && type != 'd')
		return -EINVAL;
	for (unsigned long i = 0; i < v[9] && !err; i++) {
		char *name;
		if (asprintf(&name, "%s%lu", f[0], v[7] + i) < 0)
			return -ENOMEM;
		err = apply_entry(b, where, name, type, (uint32_t)v[2], (uint32_t)v[3], (uint32_t)v[4],
				  (uint32_t)v[5], (uint32_t)(v[6] + i * v[8]));
		free(name);
	}
	return err;
}

int cr_devtable_apply(struct build *b)
{
	const char *path = b->opts->device_table;
	FILE *f;
	char *line = NULL, where[PATH_MAX + 32];
	size_t cap = 0;
	unsigned lineno = 0;
	int err = 0;

	if (!path)
		return 0;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		cr_err(b->log, "%s: cannot open device table: %s", path, strerror(errno));
		return err;
	}
	while (!err && getline(&line, &cap, f) >= 0) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		err = apply_line(b, where, line);
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	return err;
}
