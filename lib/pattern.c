// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Path patterns for --xip and --no-xip, matched against paths inside the
 * image ("/usr/lib/libc.so.6"):
 *   *      any run of characters but '/'
 *   **     any run of characters, '/' included
 *   ?      one character but '/'
 *   [...]  one character from a set: ranges a-z, negation with ! or ^
 *   \c     the character c itself
 * A pattern with no '/' matches the last component anywhere in the tree.
 * A pattern that matches a directory matches everything below it; the
 * root is not an entry and matches no pattern, so the empty pattern and
 * patterns ending in '/' (such as "/") match nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Matches one character against the set at *pp (just past '['); advances *pp past ']'. */
static bool match_class(const char **pp, unsigned char c, bool *ok)
{
	const char *p = *pp;
	bool neg = false, hit = false;

	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	if (*p == ']') {        /* a leading ']' is literal */
		hit = c == ']';
		p++;
	}
	while (*p && *p != ']') {
		unsigned char lo = (unsigned char)*p, hi = lo;
		if (lo == '\\' && p[1])
			lo = hi = (unsigned char)*++p;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = (unsigned char)p[2];
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = true;
		p++;
	}
	if (*p != ']') {        /* unterminated: not a class */
		*ok = false;
		return false;
	}
	*pp = p + 1;
	*ok = true;
	return hit != neg;
}

static bool glob(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		switch (*p) {
		case '*':
			if (p[1] == '*') {
				while (*p == '*')
					p++;
				for (const char *t = s;; t++) {
					if (glob(p, t))
						return true;
					if (!*t)
						return false;
				}
			}
			for (const char *t = s;; t++) {
				if (glob(p + 1, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		case '?':
			if (!*s || *s == '/')
				return false;
			break;
		case '[': {
			const char *q = p + 1;
			bool ok, hit;
			if (!*s)
				return false;
			hit = match_class(&q, (unsigned char)*s, &ok);
			if (ok) {
				if (!hit || *s == '/')
					return false;
				p = q - 1;
				break;
			}
			if (*s != '[')
				return false;
			break;
		}
		case '\\':
			if (p[1])
				p++;
			/* fall through */
		default:
			if (*p != *s)
				return false;
		}
	}
	return !*s;
}

bool cr_pattern_match(const char *pattern, const char *path)
{
	bool anchored = strchr(pattern, '/') != NULL, hit = false;
	char *buf;

	if (!*pattern || !strcmp(path, "/"))
		return false;
	buf = strdup(path);
	if (!buf)
		return false;
	/* the path itself, then each directory above it, up to but not the root */
	for (;;) {
		char *base = strrchr(buf, '/');
		if (anchored ? glob(pattern, buf) : glob(pattern, base ? base + 1 : buf)) {
			hit = true;
			break;
		}
		if (!base || base == buf)
			break;
		*base = '\0';
	}
	free(buf);
	return hit;
}

bool cr_patterns_match(const char *const *patterns, const char *path)
{
	for (; patterns && *patterns; patterns++)
		if (cr_pattern_match(*patterns, path))
			return true;
	return false;
}
