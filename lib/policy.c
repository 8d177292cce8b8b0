// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pass 2, policy: hold the tree against what cramfs can store.  A value
 * that cannot be stored at all (a file of 16 MiB or more, a name over 252
 * bytes) is an error.  A value that can only be stored truncated (uid over
 * 16 bits, gid over 8 bits, a device number over 8+8 bits) is a warning
 * that says what changed; with -E it is an error.  So are the extended
 * attributes the scan found (xattr.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int cr_add_warning(struct build *b, const char *fmt, ...)
{
	char **w = realloc(b->warnings, (b->nwarnings + 1) * sizeof(*w));
	va_list ap;
	int n;

	if (!w)
		return -ENOMEM;
	b->warnings = w;
	va_start(ap, fmt);
	n = vasprintf(&w[b->nwarnings], fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	b->nwarnings++;
	return 0;
}

static int check_node(struct build *b, const struct node *n, unsigned *errors)
{
	int err = 0;

	if (n->namelen > CRAMFS_MAXPATHLEN) {
		cr_err(b->log, "%s: name is %u bytes; cramfs names are at most %u bytes", n->path,
		       n->namelen, CRAMFS_MAXPATHLEN);
		++*errors;
	}
	if ((S_ISREG(n->mode) || S_ISLNK(n->mode)) && n->size > CRAMFS_SIZE_MAX) {
		cr_err(b->log, "%s: %s is %llu bytes; cramfs stores at most %u bytes (16 MiB - 1)", n->path,
		       S_ISREG(n->mode) ? "file" : "symlink target", (unsigned long long)n->size,
		       CRAMFS_SIZE_MAX);
		++*errors;
	}
	if (S_ISDIR(n->mode)) {
		uint64_t bytes = 0;
		for (size_t i = 0; i < n->nkids; i++)
			bytes += CRAMFS_INODE_SIZE + cramfs_name_space(n->kids[i]->namelen);
		if (bytes > CRAMFS_SIZE_MAX) {
			cr_err(b->log, "%s: directory entries take %llu bytes; cramfs allows at most %u",
			       n->path, (unsigned long long)bytes, CRAMFS_SIZE_MAX);
			++*errors;
		}
	}
	if (n->uid > CRAMFS_UID_MAX)
		err = cr_add_warning(b, "%s: uid %u stored as %u (cramfs keeps 16 bits)", n->path, n->uid,
				     n->uid & CRAMFS_UID_MAX);
	if (!err && n->gid > CRAMFS_GID_MAX)
		err = cr_add_warning(b, "%s: gid %u stored as %u (cramfs keeps 8 bits)", n->path, n->gid,
				     n->gid & CRAMFS_GID_MAX);
	if (!err && (S_ISCHR(n->mode) || S_ISBLK(n->mode)) && !cramfs_dev_fits(n->rdev_major, n->rdev_minor))
		err = cr_add_warning(b, "%s: device %u:%u stored as %u:%u (cramfs keeps 8-bit major and minor)",
				     n->path, n->rdev_major, n->rdev_minor, n->rdev_major & 0xffu,
				     n->rdev_minor & 0xffu);
	return err;
}

int cr_policy(struct build *b)
{
	const char *name = b->opts->name;
	unsigned errors = 0;
	int err;

	if (name && strlen(name) > CRAMFS_NAME_LEN) {
		err = cr_add_warning(b, "volume name \"%s\" stored as \"%.*s\" (cramfs keeps 16 bytes)", name,
				     CRAMFS_NAME_LEN, name);
		if (err)
			return err;
	}

	for (size_t i = 0; i < b->nnodes; i++) {
		struct node *n = b->order[i];

		/* ownership overrides come before the limits: they may make an owner fit */
		if (b->opts->all_root)
			n->uid = n->gid = 0;
		if (b->opts->force_uid >= 0)
			n->uid = (uint32_t)b->opts->force_uid;
		if (b->opts->force_gid >= 0)
			n->gid = (uint32_t)b->opts->force_gid;
		err = check_node(b, n, &errors);
		if (err)
			return err;
	}
	if (errors) {
		cr_err(b->log, "%u %s cramfs cannot hold; no image written", errors,
		       errors == 1 ? "entry" : "entries");
		return -EFBIG;
	}
	if ((b->nwarnings && b->opts->warnings_fatal) || b->lost_failing) {
		uint64_t count = b->lost_failing + (b->opts->warnings_fatal ? b->nwarnings : 0);

		for (size_t i = 0; i < b->nwarnings; i++)
			cr_log(b->log, b->opts->warnings_fatal ? CRAMFS_ERROR : CRAMFS_WARNING, "%s", b->warnings[i]);
		err = cr_lost_attrs_report(b);
		if (err)
			return err;
		cr_err(b->log, "%llu %s would lose data and %s set; no image written", (unsigned long long)count,
		       count == 1 ? "entry" : "entries",
		       !b->opts->selinux_fatal ? "-E is" : !b->opts->warnings_fatal ? "--fatal-selinux is" :
		       "-E and --fatal-selinux are");
		return -ERANGE;
	}
	return 0;
}
