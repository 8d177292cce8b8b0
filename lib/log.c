// SPDX-License-Identifier: GPL-2.0-or-later
/* Messages: the library formats, the caller's sink decides where they go. */
#include <stdio.h>

#include "internal.h"

void cr_log(const struct cramfs_log *log, enum cramfs_level level, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!log || !log->fn || level > log->max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log->fn(log->ctx, level, text);
}
