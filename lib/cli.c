// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cr_option_error(char *buf, size_t len, int c, char **argv, const char *optstring,
		     const struct option *longopts)
{
	const char *arg = argv[optind - 1];
	bool known = optopt >= 256 || (optopt > 0 && optopt != ':' && strchr(optstring, optopt));
	int n = (int)strcspn(arg, "=");

	if (arg[0] == '-' && arg[1] == '-' && (c == ':' || known || !optopt)) {
		int matches = 0;

		if (c == ':') {
			snprintf(buf, len, "option '%.*s' needs an argument", n, arg);
			return;
		}
		if (known) {
			snprintf(buf, len, "option '%.*s' takes no argument", n, arg);
			return;
		}
		for (const struct option *o = longopts; o->name; o++)
			matches += !strncmp(o->name, arg + 2, (size_t)n - 2);
		if (matches > 1)
			snprintf(buf, len, "option '%.*s' is ambiguous (it begins %d options)", n, arg, matches);
		else
			snprintf(buf, len, "unknown option '%.*s'", n, arg);
		return;
	}
	snprintf(buf, len, c == ':' ? "option '-%c' needs an argument" : "unknown option '-%c'", optopt);
}
