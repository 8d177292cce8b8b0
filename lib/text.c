// SPDX-License-Identifier: GPL-2.0-or-later
/* Text for the command-line tools: names in their messages, the numbers of their options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int cramfs_parse_number(const char *text, uint64_t max, uint64_t *value)
{
	unsigned long long v;
	char *end;

	/* strtoull would skip blanks and take a sign (wrapping "-1" to the largest value) */
	if (!text || text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*value = v;
	return 0;
}

void cramfs_put_text(FILE *f, const char *text)
{
	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", *s);
		else
			putc(*s, f);
	}
}
