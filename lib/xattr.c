// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cramfs stores no extended attributes.  Find every one a source entry has,
 * so that nothing is lost in silence: file capabilities (shown as libcap
 * prints them, e.g. "cap_net_raw=ep"), access control lists beyond the mode
 * bits (as libacl prints them), and any other attribute by name.  Each
 * entry becomes one warning in the list printed at the end (an error with
 * -E).  A /bin/ping that loses its capability must never go unnoticed.
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

/* Appends text to a growing description. */
static int append(char **desc, size_t *len, const char *text)
{
	size_t add = strlen(text) + 2;
	char *d = realloc(*desc, *len + add + 1);

	if (!d)
		return -ENOMEM;
	if (*len)
		memcpy(d + *len, "; ", 2), *len += 2;
	strcpy(d + *len, text);
	*len += add - 2;
	*desc = d;
	return 0;
}

static int describe_caps(const char *src, char **desc, size_t *len)
{
#ifdef HAVE_LIBCAP
	cap_t caps = cap_get_file(src);
	char *text;
	int err;

	if (caps && (text = cap_to_text(caps, NULL))) {
		char buf[512];
		snprintf(buf, sizeof(buf), "file capabilities %s", text);
		err = append(desc, len, buf);
		cap_free(text);
		cap_free(caps);
		return err;
	}
	if (caps)
		cap_free(caps);
#else
	(void)src;
#endif
	return append(desc, len, "file capabilities (" XATTR_CAPS ")");
}

static int describe_acl(const char *src, bool dflt, char **desc, size_t *len)
{
#ifdef HAVE_LIBACL
	acl_t acl = acl_get_file(src, dflt ? ACL_TYPE_DEFAULT : ACL_TYPE_ACCESS);
	int err = 0;

	if (acl) {
		/* an access ACL that the mode bits say in full is not lost */
		if (dflt || acl_equiv_mode(acl, NULL) != 0) {
			char *text = acl_to_any_text(acl, NULL, ',', TEXT_ABBREVIATE | TEXT_NUMERIC_IDS);
			char buf[1024];
			snprintf(buf, sizeof(buf), "%s ACL %s", dflt ? "default" : "access", text ? text : "?");
			err = append(desc, len, buf);
			if (text)
				acl_free(text);
		}
		acl_free(acl);
		return err;
	}
#else
	(void)src;
#endif
	return append(desc, len, dflt ? "default ACL (" XATTR_ACL_DEFAULT ")" : "access ACL (" XATTR_ACL_ACCESS ")");
}

int cr_note_lost_metadata(struct build *b, const struct node *n, const char *src)
{
	char *names = NULL, *desc = NULL;
	size_t dlen = 0;
	ssize_t size = llistxattr(src, NULL, 0);
	int err = 0;

	if (size <= 0)
		return 0;   /* none, or a filesystem without xattrs */
	names = malloc((size_t)size);
	if (!names)
		return -ENOMEM;
	size = llistxattr(src, names, (size_t)size);
	for (ssize_t off = 0; size > 0 && off < size && !err; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;

		if (!strcmp(name, XATTR_CAPS) && S_ISREG(n->mode))
			err = describe_caps(src, &desc, &dlen);
		else if (!strcmp(name, XATTR_ACL_ACCESS) && !S_ISLNK(n->mode))
			err = describe_acl(src, false, &desc, &dlen);
		else if (!strcmp(name, XATTR_ACL_DEFAULT) && S_ISDIR(n->mode))
			err = describe_acl(src, true, &desc, &dlen);
		else
			err = append(&desc, &dlen, name);
	}
	if (!err && desc) {
		err = cr_add_warning(b, "%s: not stored, cramfs has no extended attributes: %s", n->path, desc);
		b->stats->lost_metadata++;
	}
	free(desc);
	free(names);
	return err;
}
