// SPDX-License-Identifier: GPL-2.0-or-later
/* Messages: the library formats, the caller's sink decides where they go. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/*
 * The whole text, however long: a message names paths, and a path can be
 * far longer than any fixed buffer (a tree 20 directories deep with names
 * of 200 bytes), which would cut off the reason at the end of the message.
 */
void cr_vlog(const struct cramfs_log *log, enum cramfs_level level, const char *fmt, va_list ap)
{
	char small[1024], *big;
	va_list aq;
	int n;

	if (!log || !log->fn || level > log->max_level)
		return;
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small) || !(big = malloc((size_t)n + 1))) {
		log->fn(log->ctx, level, small);
		return;
	}
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	log->fn(log->ctx, level, big);
	free(big);
}

void cr_log(const struct cramfs_log *log, enum cramfs_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cr_vlog(log, level, fmt, ap);
	va_end(ap);
}
