/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the command-line tools share that is not about images, compiled into
 * each tool: the message for a bad option.
 */
#ifndef CRAMFS_CLI_H
#define CRAMFS_CLI_H

#include <getopt.h>
#include <stddef.h>

/*
 * After getopt_long returned c ('?' or ':', with opterr 0 and a leading ':'
 * in optstring) for argv[optind - 1]: writes what is wrong with it into buf
 * ("unknown option '--foo'", "option '--xip' needs an argument", "option
 * '--json' takes no argument", "option '--x' is ambiguous (it begins 5
 * options)", "unknown option '-q'").
 */
void cr_option_error(char *buf, size_t len, int c, char **argv, const char *optstring,
		     const struct option *longopts);

#endif /* CRAMFS_CLI_H */
