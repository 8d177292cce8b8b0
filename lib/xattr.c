// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cramfs stores no extended attributes.  Find every one a source entry has,
 * so that nothing is lost in silence: file capabilities (shown as libcap
 * prints them, e.g. "cap_net_raw=ep"), access control lists beyond the mode
 * bits (as libacl prints them), and any other attribute by name.
 *
 * Losses are reported by attribute, at the end: one line per name with the
 * number of entries that had it and the first few of them in byte order of
 * their paths.  On an SELinux build host every entry has security.selinux,
 * and one line says so instead of thousands.  With -E a lost attribute is
 * an error, except security.selinux: no cramfs can hold one, and the
 * target's policy labels a cramfs mount as a whole, so only --fatal-selinux
 * makes its loss an error.  A /bin/ping that loses its capability must never
 * go unnoticed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#ifdef HAVE_LIBCAP
#include <sys/capability.h>
#endif
#ifdef HAVE_LIBACL
#include <acl/libacl.h>
#include <sys/acl.h>
#endif

#include "internal.h"

#define XATTR_CAPS "security.capability"
#define XATTR_ACL_ACCESS "system.posix_acl_access"
#define XATTR_ACL_DEFAULT "system.posix_acl_default"
#define XATTR_SELINUX "security.selinux"

/* The capabilities of a regular file as text, malloc'd; NULL when they cannot be read. */
static char *caps_text(const char *src)
{
	char *copy = NULL;
#ifdef HAVE_LIBCAP
	cap_t caps = cap_get_file(src);
	char *text;

	if (caps && (text = cap_to_text(caps, NULL))) {
		copy = strdup(text);
		cap_free(text);
	}
	if (caps)
		cap_free(caps);
#else
	(void)src;
#endif
	return copy;
}

/*
 * Whether an ACL is lost, and as text in *text (malloc'd, or NULL when it
 * cannot be read): an access ACL that the mode bits say in full is not.
 */
static bool acl_lost(const char *src, bool dflt, char **text)
{
	*text = NULL;
#ifdef HAVE_LIBACL
	acl_t acl = acl_get_file(src, dflt ? ACL_TYPE_DEFAULT : ACL_TYPE_ACCESS);
	bool lost = true;

	if (acl) {
		if (dflt || acl_equiv_mode(acl, NULL) != 0) {
			char *t = acl_to_any_text(acl, NULL, ',', TEXT_ABBREVIATE | TEXT_NUMERIC_IDS);
			if (t) {
				*text = strdup(t);
				acl_free(t);
			}
		} else {
			lost = false;
		}
		acl_free(acl);
	}
	return lost;
#else
	(void)src;
	(void)dflt;
	return true;
#endif
}

bool cr_lost_attr_fails(const struct build *b, const char *name)
{
	if (!strcmp(name, XATTR_SELINUX))
		return b->opts->selinux_fatal;
	return b->opts->warnings_fatal;
}

static int cmp_attr_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct lost_attr *)elem)->name);
}

int cr_lost_attr_add(struct build *b, const char *name, const char *path, const char *detail)
{
	struct lost_attr *a = b->nlost_attrs ? bsearch(name, b->lost_attrs, b->nlost_attrs, sizeof(*a), cmp_attr_name)
					     : NULL;
	struct lost_example *ex;
	size_t at = 0;

	if (!a) {
		struct lost_attr *v = realloc(b->lost_attrs, (b->nlost_attrs + 1) * sizeof(*v));
		char *copy = strdup(name);

		if (v)
			b->lost_attrs = v;
		if (!v || !copy) {
			free(copy);
			return -ENOMEM;
		}
		while (at < b->nlost_attrs && strcmp(v[at].name, name) < 0)
			at++;
		memmove(v + at + 1, v + at, (b->nlost_attrs - at) * sizeof(*v));
		a = v + at;
		memset(a, 0, sizeof(*a));
		a->name = copy;
		b->nlost_attrs++;
	}
	a->count++;

	/* keep the CR_LOST_EXAMPLES first paths in byte order, whatever the order they come in */
	ex = a->examples;
	at = a->nexamples;
	while (at && strcmp(path, ex[at - 1].path) < 0)
		at--;
	if (at == CR_LOST_EXAMPLES)
		return 0;
	if (a->nexamples == CR_LOST_EXAMPLES) {
		free(ex[CR_LOST_EXAMPLES - 1].path);
		free(ex[CR_LOST_EXAMPLES - 1].detail);
		a->nexamples--;
	}
	memmove(ex + at + 1, ex + at, (a->nexamples - at) * sizeof(*ex));
	ex[at].path = strdup(path);
	ex[at].detail = detail ? strdup(detail) : NULL;
	a->nexamples++;
	if (!ex[at].path || (detail && !ex[at].detail))
		return -ENOMEM;
	return 0;
}

static const char *attr_label(const char *name)
{
	if (!strcmp(name, XATTR_CAPS))
		return "file capabilities (" XATTR_CAPS ")";
	if (!strcmp(name, XATTR_ACL_ACCESS))
		return "access ACLs (" XATTR_ACL_ACCESS ")";
	if (!strcmp(name, XATTR_ACL_DEFAULT))
		return "default ACLs (" XATTR_ACL_DEFAULT ")";
	if (!strcmp(name, XATTR_SELINUX))
		return "SELinux labels (" XATTR_SELINUX ")";
	return NULL;
}

/* Appends text to a growing string. */
static int append(char **s, size_t *len, const char *text)
{
	size_t add = strlen(text);
	char *d = realloc(*s, *len + add + 1);

	if (!d)
		return -ENOMEM;
	memcpy(d + *len, text, add + 1);
	*len += add;
	*s = d;
	return 0;
}

int cr_lost_attrs_report(const struct build *b)
{
	for (size_t i = 0; i < b->nlost_attrs; i++) {
		const struct lost_attr *a = &b->lost_attrs[i];
		const char *label = attr_label(a->name);
		char *text = NULL, num[64];
		size_t len = 0;
		int err = 0;

		snprintf(num, sizeof(num), ": %llu %s: ", (unsigned long long)a->count,
			 a->count == 1 ? "entry" : "entries");
		err = append(&text, &len, label ? label : a->name);
		if (!err)
			err = append(&text, &len, " not stored, cramfs has no extended attributes");
		if (!err)
			err = append(&text, &len, num);
		for (size_t k = 0; k < a->nexamples && !err; k++) {
			if (k)
				err = append(&text, &len, ", ");
			if (!err)
				err = append(&text, &len, a->examples[k].path);
			if (!err && a->examples[k].detail) {
				err = append(&text, &len, " (");
				if (!err)
					err = append(&text, &len, a->examples[k].detail);
				if (!err)
					err = append(&text, &len, ")");
			}
		}
		if (!err && a->count > a->nexamples) {
			snprintf(num, sizeof(num), " and %llu more", (unsigned long long)(a->count - a->nexamples));
			err = append(&text, &len, num);
		}
		if (!err && !strcmp(a->name, XATTR_SELINUX) && !b->opts->selinux_fatal)
			err = append(&text, &len, " (the target's policy labels a cramfs mount as a whole)");
		if (err) {
			free(text);
			return err;
		}
		cr_log(b->log, cr_lost_attr_fails(b, a->name) ? CRAMFS_ERROR : CRAMFS_WARNING, "%s", text);
		free(text);
	}
	return 0;
}

void cr_lost_attrs_free(struct build *b)
{
	for (size_t i = 0; i < b->nlost_attrs; i++) {
		for (size_t k = 0; k < b->lost_attrs[i].nexamples; k++) {
			free(b->lost_attrs[i].examples[k].path);
			free(b->lost_attrs[i].examples[k].detail);
		}
		free(b->lost_attrs[i].name);
	}
	free(b->lost_attrs);
	b->lost_attrs = NULL;
	b->nlost_attrs = 0;
}

int cr_note_lost_metadata(struct build *b, const struct node *n, const char *src)
{
	char *names = NULL;
	ssize_t size = llistxattr(src, NULL, 0);
	bool any = false, fails = false;
	int err = 0;

	if (size <= 0)
		return 0;   /* none, or a filesystem without xattrs */
	names = malloc((size_t)size);
	if (!names)
		return -ENOMEM;
	size = llistxattr(src, names, (size_t)size);
	for (ssize_t off = 0; size > 0 && off < size && !err; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		char *detail = NULL;
		bool lost = true;

		if (!strcmp(name, XATTR_CAPS) && S_ISREG(n->mode))
			detail = caps_text(src);
		else if (!strcmp(name, XATTR_ACL_ACCESS) && !S_ISLNK(n->mode))
			lost = acl_lost(src, false, &detail);
		else if (!strcmp(name, XATTR_ACL_DEFAULT) && S_ISDIR(n->mode))
			lost = acl_lost(src, true, &detail);
		if (lost) {
			err = cr_lost_attr_add(b, name, n->path, detail);
			any = true;
			fails |= cr_lost_attr_fails(b, name);
		}
		free(detail);
	}
	if (!err && any) {
		b->stats->lost_metadata++;
		if (fails)
			b->lost_failing++;
	}
	free(names);
	return err;
}
