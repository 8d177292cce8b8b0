// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cramfsck: check a cramfs image, report what the kernel will map directly,
 * extract it.  Exit status as fsck(8): 0 clean, 4 problems found, 8
 * operational error, 16 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBCAP
#include <sys/capability.h>
#else
#include <linux/capability.h>
#endif

#include "cramfs/cramfs.h"

#define EXIT_CLEAN 0
#define EXIT_PROBLEMS 4
#define EXIT_ERROR 8
#define EXIT_USAGE 16

static const char *prog = "cramfsck";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	exit(EXIT_USAGE);
}

static void __attribute__((noreturn)) help(void)
{
	printf("Usage: %s [options] image\n"
	       "\n"
	       "Check a cramfs image: superblock, CRC, directory tree, and every block of every file.\n"
	       "\n"
	       "Options:\n"
	       "  -b, --blocksize=SIZE     the target's page size: 4096, 16384 or 65536 (default: detect)\n"
	       "  -x, --extract=DIR        extract the tree into DIR (new, or an empty directory)\n"
	       "  -j, --jobs=N             inflate on N threads (default: one per CPU it may run on)\n"
	       "      --xip                report, per file, what the kernel maps directly from flash\n"
	       "      --json               with --xip: print the report as JSON\n"
	       "  -v, --verbose            list every entry and say what is checked\n"
	       "  -a, -y                   accepted for compatibility with fsck; nothing is ever repaired\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "\n"
	       "Exit status: 0 no problems, 4 problems found, 8 operational error, 16 usage error.\n",
	       prog);
	exit(EXIT_CLEAN);
}

static FILE *stdout_info;   /* where -v listings go: stdout, or stderr under --json */

/*
 * Names in an image are any bytes but '/' and NUL: control characters are
 * written as \xNN, so that a crafted name can neither forge lines of output
 * (a newline) nor send escape sequences to a terminal.
 */
static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
}

static void log_line(void *ctx, enum cramfs_level level, const char *text)
{
	FILE *f = level <= CRAMFS_WARNING ? stderr : stdout_info;

	(void)ctx;
	if (level == CRAMFS_ERROR)
		fprintf(f, "%s: ", prog);
	else if (level == CRAMFS_WARNING)
		fprintf(f, "%s: warning: ", prog);
	put_text(f, text);
	putc('\n', f);
}

static bool have_cap(int cap)
{
#ifdef HAVE_LIBCAP
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!caps)
		return false;
	cap_get_flag(caps, (cap_value_t)cap, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
#else
	(void)cap;
	return geteuid() == 0;
#endif
}

/* ---- the XIP report ---- */

struct report {
	bool json;
	bool all;               /* text: list files that map nothing directly too */
	bool first;
	uint32_t blksize;
};

/* Length of the valid UTF-8 sequence at s, or 0 if there is none. */
static int utf8_len(const unsigned char *s)
{
	unsigned c = s[0], cp;
	int n;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	cp = c & (0x3fu >> (n - 1));
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Names are bytes, JSON strings are Unicode: valid UTF-8 goes through as it
 * is, and every other byte b becomes the lone surrogate U+DC00+b, the
 * convention Python's os.fsencode() turns back into the original bytes.
 */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		int n;

		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s++);
		} else if (*s < 0x20) {
			printf("\\u%04x", *s++);
		} else if (*s < 0x80) {
			putchar(*s++);
		} else if ((n = utf8_len(s)) > 0) {
			fwrite(s, 1, (size_t)n, stdout);
			s += n;
		} else {
			printf("\\udc%02x", *s++);
		}
	}
	putchar('"');
}

static const char *mapping_name(enum cramfs_xip_mapping m)
{
	return m == CRAMFS_MAP_ALL ? "all" : m == CRAMFS_MAP_PARTIAL ? "partial" : "none";
}

static int print_file(const struct cramfs_xip_file *f, void *arg)
{
	struct report *r = arg;

	if (r->json) {
		printf("%s\n    {\"path\": ", r->first ? "" : ",");
		json_string(f->path);
		printf(", \"size\": %u, \"pages\": %u, \"mapping\": \"%s\", \"direct_pages\": %u, \"direct\": [",
		       f->size, f->pages, mapping_name(f->mapping), f->direct_pages);
		if (f->direct_pages)
			printf("[0, %u]", f->direct_pages);
		printf("], \"runs\": [");
		for (size_t i = 0; i < f->nruns; i++)
			printf("%s[%u, %u]", i ? ", " : "", f->runs[i].first, f->runs[i].count);
		printf("], \"run_pages\": %u, \"reason\": ", f->run_pages);
		if (f->reason)
			json_string(f->reason);
		else
			printf("null");
		printf(", \"reason_page\": %u, \"last_page_read_bug\": %s}", f->reason_page,
		       f->last_page_read_bug ? "true" : "false");
		r->first = false;
		return 0;
	}
	/* a rootfs has thousands of files that map nothing: -v lists them, the summary counts them */
	if (!r->all && f->mapping == CRAMFS_MAP_NONE && !f->run_pages && !f->last_page_read_bug)
		return 0;
	printf("%-8s %5u/%-5u ", mapping_name(f->mapping), f->direct_pages, f->pages);
	put_text(stdout, f->path);
	if (f->mapping == CRAMFS_MAP_ALL)
		printf("\n");
	else if (f->mapping == CRAMFS_MAP_PARTIAL)
		printf(" (page %u on: %s)\n", f->reason_page, f->reason);
	else if (f->run_pages)
		printf(" (%s; %u pages in %zu runs map directly from their first page)\n", f->reason, f->run_pages,
		       f->nruns);
	else
		printf(" (%s)\n", f->reason);
	if (f->last_page_read_bug)
		printf("         warning: the last page is direct in a page-multiple file: stock kernels read it "
		       "as zeros\n");
	return 0;
}

static int xip_report(struct cramfs_image *img, bool json, bool all, const struct cramfs_check_result *cr)
{
	const struct cramfs_image_info *info = cramfs_image_info(img);
	struct report r = { .json = json, .all = all, .first = true, .blksize = info->blksize };
	struct cramfs_xip_totals t;
	/* without FSID_VERSION_2 the size field means nothing (often 0): the image is the whole file */
	unsigned long long image_size = info->super.flags & CRAMFS_FLAG_FSID_VERSION_2 ? info->super.size :
					info->file_size;
	int err;

	if (json)
		printf("{\n  \"blksize\": %u,\n  \"blksize_detected\": %s,\n  \"endian\": \"%s\",\n"
		       "  \"image_size\": %llu,\n  \"files\": [",
		       info->blksize, info->blksize_detected ? "true" : "false",
		       info->endian == CRAMFS_BIG_ENDIAN ? "big" : "little", image_size);
	else
		printf("mapping  direct/pages path  (read-only mmap of the whole file, %u-byte pages)\n",
		       info->blksize);
	err = cramfs_xip_report(img, print_file, &r, &t);
	if (err)
		return err;
	if (json) {
		printf("\n  ],\n  \"totals\": {\"files\": %llu, \"files_all\": %llu, \"files_partial\": %llu, "
		       "\"files_none\": %llu, \"xip_files\": %llu, \"pages\": %llu, \"run_pages\": %llu, "
		       "\"read_bug_files\": %llu, \"unreferenced_bytes\": %llu}\n}\n",
		       (unsigned long long)t.files, (unsigned long long)t.files_all,
		       (unsigned long long)t.files_partial, (unsigned long long)t.files_none,
		       (unsigned long long)t.xip_files, (unsigned long long)t.pages, (unsigned long long)t.run_pages,
		       (unsigned long long)t.read_bug_files, (unsigned long long)cr->unreferenced_bytes);
	} else {
		printf("%llu files: %llu all direct, %llu partly, %llu not; %llu files with %llu of %llu pages "
		       "directly mappable; %llu unreferenced bytes (%.4f%% of %llu)\n",
		       (unsigned long long)t.files, (unsigned long long)t.files_all,
		       (unsigned long long)t.files_partial, (unsigned long long)t.files_none,
		       (unsigned long long)t.xip_files, (unsigned long long)t.run_pages, (unsigned long long)t.pages,
		       (unsigned long long)cr->unreferenced_bytes,
		       image_size ? 100.0 * (double)cr->unreferenced_bytes / (double)image_size : 0.0, image_size);
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_XIP = 1000, OPT_JSON };
	static const struct option longopts[] = {
		{ "blocksize", required_argument, NULL, 'b' },
		{ "extract", optional_argument, NULL, 'x' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "xip", no_argument, NULL, OPT_XIP },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cramfs_open_options oo = { 0 };
	struct cramfs_check_options co = { 0 };
	struct cramfs_check_result cr;
	struct cramfs_image *img;
	const struct cramfs_image_info *info;
	const char *extract_dir = NULL;
	bool xip = false, json = false;
	int verbose = 0, c, err, status = EXIT_CLEAN;
	char *end;

	/* messages are written a character at a time (put_text): one write per line, not per byte */
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
	stdout_info = stdout;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:x:j:vayhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			oo.blksize = (uint32_t)strtoul(optarg, &end, 0);
			if (*end || (oo.blksize != 4096 && oo.blksize != 16384 && oo.blksize != 65536))
				usage_error("block size must be 4096, 16384 or 65536, not '%s'", optarg);
			break;
		case 'x':
			/* --extract alone (as in util-linux) only decodes, which every check does */
			extract_dir = optarg;
			break;
		case 'j': {
			unsigned long n;
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || n < 1 || n > 256)
				usage_error("thread count must be 1 to 256, not '%s'", optarg);
			co.threads = (unsigned)n;
			break;
		}
		case OPT_XIP:
			xip = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'a':
		case 'y':
			break;
		case 'h':
			help();
		case 'V':
			printf("%s (mkcramfs-xip) %s, decompression: %s\n", prog, cramfs_version(),
			       cramfs_compressor_name());
			return EXIT_CLEAN;
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		usage_error("expected one image file, got %d arguments", argc - optind);
	if (json && !xip)
		usage_error("--json goes with --xip");

	oo.log.fn = log_line;
	oo.log.max_level = verbose ? CRAMFS_INFO : CRAMFS_WARNING;
	err = cramfs_image_open(argv[optind], &oo, &img);
	if (err)
		return err == -EBADMSG ? EXIT_PROBLEMS : EXIT_ERROR;
	info = cramfs_image_info(img);
	/* with --json, stdout carries the document alone */
	if (json)
		stdout_info = stderr;
	if (verbose)
		fprintf(stdout_info, "%s: %s-endian cramfs, superblock at byte %llu, %u bytes, flags 0x%x, %u files, "
		       "block size %u (%s)\n",
		       argv[optind], info->endian == CRAMFS_BIG_ENDIAN ? "big" : "little",
		       (unsigned long long)info->sb_offset, info->super.size, info->super.flags, info->super.files,
		       info->blksize, oo.blksize ? "given" : info->blksize_detected ? "detected" :
		       info->blksize_ambiguous ? "ambiguous" : "assumed");

	co.log = oo.log;
	co.verbose_listing = verbose > 0;
	err = cramfs_check(img, &co, &cr);
	if (err) {
		/* -ESTALE: "image changed while being read", said already */
		if (err != -ESTALE)
			fprintf(stderr, "%s: %s: check failed: %s\n", prog, argv[optind], strerror(-err));
		cramfs_image_close(img);
		return EXIT_ERROR;
	}
	if (cr.problems)
		status = EXIT_PROBLEMS;
	if (verbose)
		fprintf(stdout_info, "%s: %llu directories, %llu files, %llu symlinks, %llu other; %llu blocks (%llu holes, "
		       "%llu raw, %llu direct; %llu inflated), %llu bytes of data; %llu problems, %llu warnings\n",
		       argv[optind], (unsigned long long)cr.dirs, (unsigned long long)cr.files,
		       (unsigned long long)cr.symlinks, (unsigned long long)cr.specials, (unsigned long long)cr.blocks,
		       (unsigned long long)cr.holes, (unsigned long long)cr.raw_blocks,
		       (unsigned long long)cr.direct_blocks, (unsigned long long)cr.inflated,
		       (unsigned long long)cr.data_bytes,
		       (unsigned long long)cr.problems, (unsigned long long)cr.warnings);

	if (xip) {
		err = xip_report(img, json, verbose > 0, &cr);
		if (err) {
			if (err != -ESTALE)
				fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], strerror(-err));
			status = EXIT_ERROR;
		}
	}
	if (extract_dir && status != EXIT_ERROR) {
		struct cramfs_extract_options xo = { .log = oo.log };
		struct cramfs_extract_result xr;

		/* fakeroot emulates both for the files it creates: let it */
		bool fake = getenv("FAKEROOTKEY") != NULL;

		xo.restore_owner = fake || have_cap(CAP_CHOWN);
		xo.create_devices = fake || have_cap(CAP_MKNOD);
		err = cramfs_extract(img, extract_dir, &xo, &xr);
		if (err) {
			status = EXIT_ERROR;
		} else {
			if (xr.errors)
				status = EXIT_PROBLEMS;
			if (verbose)
				fprintf(stdout_info, "%s: extracted %llu entries into %s; %llu blocks inflated\n",
					argv[optind], (unsigned long long)xr.entries, extract_dir,
					(unsigned long long)xr.inflated);
			if (xr.skipped_owner)
				fprintf(stderr, "%s: ownership not restored for %llu entries (needs CAP_CHOWN)\n", prog,
					(unsigned long long)xr.skipped_owner);
			if (xr.skipped_devices)
				fprintf(stderr, "%s: %llu device nodes not created (needs CAP_MKNOD)\n", prog,
					(unsigned long long)xr.skipped_devices);
		}
	}
	cramfs_image_close(img);
	return status;
}
