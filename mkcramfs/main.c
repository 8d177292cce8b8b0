// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkcramfs: make a cramfs image from a directory tree.
 * Accepts the options of util-linux mkfs.cramfs and of cramfs-tools mkcramfs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cramfs/cramfs.h"
#include "cli.h"

#define EXIT_OK 0
#define EXIT_ERROR 8
#define EXIT_USAGE 16

static const char *prog = "mkcramfs";
static volatile sig_atomic_t got_signal;
static char *volatile tmp_to_remove;

/*
 * A line of this program's own, formatted whole and written with control
 * characters escaped: it may hold a path or an argument as given.
 */
static void vsay(const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return;
	}
	fprintf(stderr, "%s: ", prog);
	cramfs_put_text(stderr, text);
	putc('\n', stderr);
	free(text);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	exit(EXIT_USAGE);
}

static void __attribute__((noreturn)) help(void)
{
	printf("Usage: %s [options] dirname outfile\n"
	       "\n"
	       "Make a cramfs image of the tree at dirname.  A regular outfile is replaced only by a\n"
	       "complete image; a device, FIFO or pipe (/dev/stdout) is written through.\n"
	       "\n"
	       "Options:\n"
	       "  -b, --blocksize=SIZE     block size: the target's page size, 4096 (default), 16384 or 65536\n"
	       "  -N, --endianness=ORDER   byte order of the image: big, little or host (default)\n"
	       "  -B, --big-endian         same as -N big\n"
	       "  -L, --little-endian      same as -N little\n"
	       "  -e, --edition=NUMBER     edition number stored in the superblock\n"
	       "  -n, --name=NAME          volume name (at most 16 bytes)\n"
	       "  -i, --image=FILE         insert FILE into the image, right after the superblock\n"
	       "  -p, --pad                leave 512 zero bytes before the superblock for boot code\n"
	       "  -z, --holes              store all-zero blocks as holes\n"
	       "  -x, --raw-blocks         store a block uncompressed when compressing does not shrink it\n"
	       "  -S, --share-blocks       store identical blocks of different files once (needs Linux\n"
	       "                           4.15 or later; always on with -X)\n"
	       "  -l, --level=N            compression level, 1 to %d (default %d)\n"
	       "      --best               the highest compression level, for release images\n"
	       "  -j, --jobs=N             compress on N threads (default: one per CPU it may run on);\n"
	       "                           the image is the same for any N\n"
	       "  -E, --errors             make data-losing conversions errors: uid, gid, device\n"
	       "                           numbers, volume name, extended attributes (file\n"
	       "                           capabilities, ACLs, user.*, trusted.*, any other) but\n"
	       "                           SELinux labels\n"
	       "      --fatal-selinux      make lost SELinux labels (security.selinux) errors too\n"
	       "  -s, --sort               accepted for compatibility; entries are always sorted\n"
	       "  -v, --verbose            a summary at the end; twice for notes on single files\n"
	       "\n"
	       "Contents and ownership:\n"
	       "  -D, --device-table=FILE  add device nodes, directories, modes and owners from a\n"
	       "                           makedevs table (name type mode uid gid major minor start inc count)\n"
	       "  -q, --all-root, --squash\n"
	       "                           every entry owned by root (0:0)\n"
	       "      --force-uid=UID      every entry owned by user UID\n"
	       "      --force-gid=GID      every entry owned by group GID\n"
	       "      --exclude=PATTERN    leave out entries matching PATTERN, with everything below them\n"
	       "\n"
	       "Execute in place:\n"
	       "  -X, --execute-in-place   store the read-only segments of ELF files and the text of FLAT\n"
	       "                           programs uncompressed and page aligned, so the kernel maps them\n"
	       "                           from flash (-X -X: the same)\n"
	       "      --xip=PATTERN        also store whole files matching PATTERN in place (implies -X)\n"
	       "      --xip-from=FILE      read --xip patterns from FILE, one per line ('!' for --no-xip)\n"
	       "      --no-xip=PATTERN     never store files matching PATTERN in place\n"
	       "      --nommu              align in-place data to 8 bytes, for kernels without an MMU\n"
	       "      --xip-direct-last-page\n"
	       "                           map a page-multiple file's last page directly too (only for\n"
	       "                           kernels with the cramfs last-page read fix)\n"
	       "      --xip-profile=FILE   in place only the pages of program segments (and --xip files)\n"
	       "                           that FILE, a profile of cramfs-xip(8), says a workload used\n"
	       "                           (implies -X)\n"
	       "      --xip-layout=stock|page  with --xip-profile: each segment direct from its first page\n"
	       "                           up to its last profiled page, for the stock kernel (default),\n"
	       "                           or the profiled pages alone, for a page-granular kernel\n"
	       "      --xip-profile-force  use a profile most of whose files are not in the tree\n"
	       "\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 8 error, 16 usage error.\n",
	       prog, cramfs_max_level(), CRAMFS_DEFAULT_LEVEL);
	exit(EXIT_OK);
}

static void log_line(void *ctx, enum cramfs_level level, const char *text)
{
	(void)ctx;
	if (level == CRAMFS_ERROR)
		fprintf(stderr, "%s: ", prog);
	else if (level == CRAMFS_WARNING)
		fprintf(stderr, "%s: warning: ", prog);
	cramfs_put_text(stderr, text);
	putc('\n', stderr);
}

struct progress_state {
	struct timespec start, last;
	bool shown;
};
static struct progress_state progress_state;

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* A progress line on a terminal, at most five times a second. */
static void show_progress(void *ctx, const struct cramfs_progress *p)
{
	struct progress_state *st = ctx;
	double elapsed;

	if (!st->start.tv_sec)
		clock_gettime(CLOCK_MONOTONIC, &st->start);
	if (st->shown && seconds_since(&st->last) < 0.2 && p->files_done < p->files_total)
		return;
	clock_gettime(CLOCK_MONOTONIC, &st->last);
	elapsed = seconds_since(&st->start);
	fprintf(stderr, "\r%s: %llu/%llu files, %.1f/%.1f MiB, %.1f MiB/s ", prog,
		(unsigned long long)p->files_done, (unsigned long long)p->files_total,
		(double)p->bytes_done / 1048576.0, (double)p->bytes_total / 1048576.0,
		elapsed > 0 ? (double)p->bytes_done / 1048576.0 / elapsed : 0.0);
	st->shown = true;
}

static void on_signal(int sig)
{
	if (tmp_to_remove)
		unlink(tmp_to_remove);
	got_signal = sig;
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint64_t parse_number(const char *arg, const char *what, uint64_t max)
{
	uint64_t v;

	if (cramfs_parse_number(arg, max, &v))
		usage_error("invalid %s: '%s'", what, arg);
	return v;
}

/*
 * getopt_long returned c, '?' or ':', for the option just read: name it as
 * it was written.  A long option is always the whole of argv[optind - 1]
 * by then; optopt is 0 for a long option it does not know, the option's
 * value for one given an argument it takes none of, or the letter of a
 * short option it does not know.
 */
static void __attribute__((noreturn)) bad_option(int c, char **argv, const char *optstring,
						 const struct option *longopts)
{
	char msg[512];

	cr_option_error(msg, sizeof(msg), c, argv, optstring, longopts);
	usage_error("%s", msg);
}

struct strlist {
	const char **v;
	size_t n;
};

/* Adds a copy of s; the lists live until exit. */
static void strlist_add(struct strlist *l, const char *s)
{
	const char **v = realloc(l->v, (l->n + 2) * sizeof(*v));
	char *copy = strdup(s);

	if (!v || !copy) {
		say("out of memory");
		exit(EXIT_ERROR);
	}
	v[l->n++] = copy;
	v[l->n] = NULL;
	l->v = v;
}

static struct strlist xip, no_xip, excludes;

/*
 * A pattern of option, from the command line (where is NULL) or from a
 * list file (where is "FILE:LINE").  An empty one is refused: it comes
 * from an unset variable more often than not, and it used to match every
 * entry.  One that ends in '/' can match no path: it is kept, and said so.
 */
static void add_pattern(struct strlist *l, const char *pattern, const char *option, const char *where)
{
	if (!*pattern)
		usage_error("empty %s pattern", option);
	if (pattern[strlen(pattern) - 1] == '/')
		fprintf(stderr, "%s: warning: %s%s%s pattern '%s' ends in '/' and matches nothing\n", prog,
			where ? where : "", where ? ": " : "", option, pattern);
	strlist_add(l, pattern);
}

static void free_lists(void)
{
	struct strlist *lists[] = { &xip, &no_xip, &excludes };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		for (size_t k = 0; k < lists[i]->n; k++)
			free((char *)lists[i]->v[k]);
		free(lists[i]->v);
	}
}

/* A list file: one pattern per line; '#' comments, blank lines ignored, '!' for --no-xip. */
static void read_xip_list(const char *path, struct strlist *xip_list, struct strlist *no_xip_list)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, where[PATH_MAX + 32];
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;

	if (!f) {
		say("%s: %s", path, strerror(errno));
		exit(EXIT_ERROR);
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *p = line;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' ||
			       line[len - 1] == '\t'))
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (*p == '!' && !p[1]) {
			free(line);
			fclose(f);
			usage_error("%s: '!' with no pattern after it", where);
		}
		if (*p == '!')
			add_pattern(no_xip_list, p + 1, "--no-xip", where);
		else
			add_pattern(xip_list, p, "--xip", where);
	}
	free(line);
	fclose(f);
}

/* The source must be there, and the output's directory; the output must not be a directory. */
static int check_paths(const char *srcdir, const char *outfile)
{
	char src[PATH_MAX], out[PATH_MAX], *copy = strdup(outfile);
	struct stat st;

	if (!copy)
		return -ENOMEM;
	if (!realpath(srcdir, src)) {
		say("%s: %s", srcdir, strerror(errno));
		free(copy);
		return -1;
	}
	if (!realpath(dirname(copy), out)) {
		say("%s: %s", outfile, strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);
	if (stat(outfile, &st) == 0 && S_ISDIR(st.st_mode)) {
		say("%s: is a directory", outfile);
		return -1;
	}
	return 0;
}

/*
 * A file that replaces target (where the output's symbolic links end) must
 * not land inside the tree being read: the scan would find it.
 */
static int check_inside(const char *srcdir, const char *outfile, const char *target)
{
	char src[PATH_MAX], out[PATH_MAX], *copy = strdup(target);
	size_t n;

	if (!copy)
		return -ENOMEM;
	if (!realpath(srcdir, src) || !realpath(dirname(copy), out)) {
		say("%s: %s", outfile, strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);
	n = strlen(src);
	if (!strncmp(src, out, n) && (out[n] == '/' || out[n] == '\0' || n == 1)) {
		say("%s: the output file would be inside the source tree %s", outfile, srcdir);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_XIP = 1000, OPT_XIP_FROM, OPT_NO_XIP, OPT_NOMMU, OPT_DIRECT_LAST, OPT_BEST, OPT_UID, OPT_GID,
	       OPT_EXCLUDE, OPT_FATAL_SELINUX, OPT_PROFILE, OPT_LAYOUT, OPT_PROFILE_FORCE };
	static const struct option longopts[] = {
		{ "blocksize", required_argument, NULL, 'b' },
		{ "endianness", required_argument, NULL, 'N' },
		{ "big-endian", no_argument, NULL, 'B' },
		{ "little-endian", no_argument, NULL, 'L' },
		{ "edition", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "image", required_argument, NULL, 'i' },
		{ "pad", no_argument, NULL, 'p' },
		{ "holes", no_argument, NULL, 'z' },
		{ "raw-blocks", no_argument, NULL, 'x' },
		{ "share-blocks", no_argument, NULL, 'S' },
		{ "level", required_argument, NULL, 'l' },
		{ "best", no_argument, NULL, OPT_BEST },
		{ "jobs", required_argument, NULL, 'j' },
		{ "errors", no_argument, NULL, 'E' },
		{ "fatal-selinux", no_argument, NULL, OPT_FATAL_SELINUX },
		{ "sort", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "device-table", required_argument, NULL, 'D' },
		{ "all-root", no_argument, NULL, 'q' },
		{ "squash", no_argument, NULL, 'q' },
		{ "force-uid", required_argument, NULL, OPT_UID },
		{ "force-gid", required_argument, NULL, OPT_GID },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "execute-in-place", no_argument, NULL, 'X' },
		{ "xip", required_argument, NULL, OPT_XIP },
		{ "xip-from", required_argument, NULL, OPT_XIP_FROM },
		{ "no-xip", required_argument, NULL, OPT_NO_XIP },
		{ "nommu", no_argument, NULL, OPT_NOMMU },
		{ "xip-direct-last-page", no_argument, NULL, OPT_DIRECT_LAST },
		{ "xip-profile", required_argument, NULL, OPT_PROFILE },
		{ "xip-layout", required_argument, NULL, OPT_LAYOUT },
		{ "xip-profile-force", no_argument, NULL, OPT_PROFILE_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char optstring[] = ":b:N:BLe:n:i:pzxSl:j:D:qEsvXhV";
	struct cramfs_build_options o;
	struct cramfs_build_stats stats;
	struct cramfs_output out;
	struct stat st;
	sigset_t fatal, old_mask;
	bool want_xip = false, nommu = false, through, have_layout = false;
	int verbose = 0, c, err;

	cramfs_build_options_init(&o);
	atexit(free_lists);
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.blksize = (uint32_t)parse_number(optarg, "block size", UINT32_MAX);
			if (o.blksize != 4096 && o.blksize != 16384 && o.blksize != 65536)
				usage_error("block size must be 4096, 16384 or 65536 (the target's page size), not %s",
					    optarg);
			break;
		case 'N':
			if (!strcmp(optarg, "big"))
				o.endian = CRAMFS_BIG_ENDIAN;
			else if (!strcmp(optarg, "little"))
				o.endian = CRAMFS_LITTLE_ENDIAN;
			else if (!strcmp(optarg, "host"))
				o.endian = cramfs_host_endian();
			else
				usage_error("byte order must be big, little or host, not '%s'", optarg);
			break;
		case 'B':
			o.endian = CRAMFS_BIG_ENDIAN;
			break;
		case 'L':
			o.endian = CRAMFS_LITTLE_ENDIAN;
			break;
		case 'e':
			o.edition = (uint32_t)parse_number(optarg, "edition", UINT32_MAX);
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'i':
			o.insert_file = optarg;
			break;
		case 'p':
			o.pad_boot = true;
			break;
		case 'z':
			o.holes = true;
			break;
		case 'x':
			o.raw_if_larger = true;
			break;
		case 'S':
			o.share_blocks = true;
			break;
		case 'l':
			o.level = (int)parse_number(optarg, "compression level", (uint64_t)cramfs_max_level());
			if (!o.level)
				usage_error("compression level must be 1 to %d", cramfs_max_level());
			break;
		case OPT_BEST:
			o.level = cramfs_max_level();
			break;
		case 'j':
			o.threads = (unsigned)parse_number(optarg, "thread count", 256);
			if (!o.threads)
				usage_error("thread count must be 1 to 256");
			break;
		case 'D':
			o.device_table = optarg;
			break;
		case 'q':
			o.all_root = true;
			break;
		case OPT_UID:
			o.force_uid = (int64_t)parse_number(optarg, "uid", UINT32_MAX);
			break;
		case OPT_GID:
			o.force_gid = (int64_t)parse_number(optarg, "gid", UINT32_MAX);
			break;
		case OPT_EXCLUDE:
			add_pattern(&excludes, optarg, "--exclude", NULL);
			break;
		case 'E':
			o.warnings_fatal = true;
			break;
		case OPT_FATAL_SELINUX:
			o.selinux_fatal = true;
			break;
		case 's':
			break;
		case 'v':
			verbose++;
			break;
		case 'X':
			want_xip = true;
			break;
		case OPT_XIP:
			want_xip = true;
			add_pattern(&xip, optarg, "--xip", NULL);
			break;
		case OPT_XIP_FROM:
			want_xip = true;
			read_xip_list(optarg, &xip, &no_xip);
			break;
		case OPT_NO_XIP:
			add_pattern(&no_xip, optarg, "--no-xip", NULL);
			break;
		case OPT_NOMMU:
			nommu = true;
			break;
		case OPT_DIRECT_LAST:
			o.xip_direct_last_page = true;
			break;
		case OPT_PROFILE:
			want_xip = true;
			o.xip_profile = optarg;
			break;
		case OPT_LAYOUT:
			if (!strcmp(optarg, "stock"))
				o.xip_layout = CRAMFS_LAYOUT_STOCK;
			else if (!strcmp(optarg, "page"))
				o.xip_layout = CRAMFS_LAYOUT_PAGE;
			else
				usage_error("--xip-layout must be stock or page, not '%s'", optarg);
			have_layout = true;
			break;
		case OPT_PROFILE_FORCE:
			o.xip_profile_force = true;
			break;
		case 'h':
			help();
		case 'V':
			printf("%s (mkcramfs-xip) %s, compression: %s\n", prog, cramfs_version(),
			       cramfs_compressor_name());
			return EXIT_OK;
		default:
			bad_option(c, argv, optstring, longopts);
		}
	}
	if (argc - optind != 2)
		usage_error("expected a directory and an output file, got %d argument%s", argc - optind,
			    argc - optind == 1 ? "" : "s");
	if ((nommu || o.xip_direct_last_page || no_xip.n) && !want_xip)
		usage_error("--nommu, --no-xip and --xip-direct-last-page need -X");
	if ((have_layout || o.xip_profile_force) && !o.xip_profile)
		usage_error("--xip-layout and --xip-profile-force need --xip-profile");
	if (want_xip)
		o.xip = nommu ? CRAMFS_XIP_NOMMU : CRAMFS_XIP_MMU;
	o.xip_patterns = xip.v;
	o.no_xip_patterns = no_xip.v;
	o.exclude_patterns = excludes.v;
	if (isatty(STDERR_FILENO)) {
		o.progress = show_progress;
		o.progress_ctx = &progress_state;
	}
	o.log.fn = log_line;
	o.log.max_level = verbose >= 2 ? CRAMFS_DEBUG : verbose ? CRAMFS_INFO : CRAMFS_WARNING;

	if (check_paths(argv[optind], argv[optind + 1]))
		return EXIT_ERROR;
	/* a device or FIFO is written through (see cramfs_output_open): a reader that goes away is an error */
	through = stat(argv[optind + 1], &st) == 0 && (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode) ||
							S_ISFIFO(st.st_mode));
	signal(SIGPIPE, SIG_IGN);
	/*
	 * From the temporary file's creation to its rename, a signal must remove
	 * it.  Written through, there is no such name, and opening a FIFO waits
	 * for its reader: the signals stay deliverable.
	 */
	sigemptyset(&fatal);
	sigaddset(&fatal, SIGINT);
	sigaddset(&fatal, SIGTERM);
	sigaddset(&fatal, SIGHUP);
	sigprocmask(SIG_SETMASK, NULL, &old_mask);
	if (!through)
		sigprocmask(SIG_BLOCK, &fatal, NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	err = cramfs_output_open(&out, argv[optind + 1]);
	if (err) {
		say("%s: cannot %s: %s", argv[optind + 1], through ? "open" : "create", strerror(-err));
		return EXIT_ERROR;
	}
	tmp_to_remove = out.tmp_path;
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (out.tmp_path && check_inside(argv[optind], argv[optind + 1], out.path)) {
		sigprocmask(SIG_BLOCK, &fatal, NULL);
		tmp_to_remove = NULL;
		cramfs_output_abort(&out);
		return EXIT_ERROR;
	}

	err = cramfs_build(argv[optind], out.fd, &o, &stats);
	if (progress_state.shown)
		fputc('\n', stderr);
	/*
	 * Commit and abort free the path: a signal from here on finds nothing to
	 * remove.  Copying through to a device or FIFO cannot be undone, and may
	 * wait on a slow reader: it stays interruptible.
	 */
	if (out.tmp_path)
		sigprocmask(SIG_BLOCK, &fatal, NULL);
	tmp_to_remove = NULL;
	if (!err) {
		err = cramfs_output_commit(&out);
		if (err)
			say("%s: cannot write: %s", argv[optind + 1], strerror(-err));
	} else {
		/* a source that failed has been named by the library: only the output's own failure is told here */
		if (stats.output_error && out.dest_fd >= 0)
			say("%s: cannot write the image's temporary file (in $TMPDIR, or /tmp): %s", argv[optind + 1],
			    strerror(-stats.output_error));
		else if (stats.output_error)
			say("%s: cannot write: %s", argv[optind + 1], strerror(-stats.output_error));
		else if (err == -ENOMEM)
			say("out of memory");
		cramfs_output_abort(&out);
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (err)
		return EXIT_ERROR;

	if (verbose || isatty(STDERR_FILENO)) {
		fprintf(stderr, "%s: %llu entries, %llu bytes in, image %llu bytes (%.1f%%), %llu blocks\n", prog,
			(unsigned long long)stats.files, (unsigned long long)stats.bytes_in,
			(unsigned long long)stats.image_size,
			stats.bytes_in ? 100.0 * (double)stats.image_size / (double)stats.bytes_in : 0.0,
			(unsigned long long)stats.blocks);
		fprintf(stderr, "%s: compressed on %llu thread%s\n", prog, (unsigned long long)stats.threads,
			stats.threads == 1 ? "" : "s");
		fprintf(stderr, "%s: %llu files share data with another (%llu bytes)\n", prog,
			(unsigned long long)stats.dedupe_files, (unsigned long long)stats.dedupe_bytes);
		if (stats.shared_blocks)
			fprintf(stderr, "%s: %llu blocks stored once for several files (%llu bytes saved)\n", prog,
				(unsigned long long)stats.shared_blocks, (unsigned long long)stats.shared_bytes);
		if (stats.lost_metadata)
			fprintf(stderr, "%s: %llu entries lost extended attributes (listed above)\n", prog,
				(unsigned long long)stats.lost_metadata);
		if (o.xip != CRAMFS_XIP_OFF)
			fprintf(stderr, "%s: XIP: %llu files, %llu pages of %u bytes direct, %llu padding bytes\n",
				prog, (unsigned long long)stats.xip_files, (unsigned long long)stats.xip_pages,
				o.blksize, (unsigned long long)stats.padding_bytes);
	}
	if (o.xip_profile)
		fprintf(stderr, "%s: XIP profile %s, %s layout: %llu of %llu profiled pages of %llu files in place "
			"(%llu pages in place in all)\n", prog, o.xip_profile,
			o.xip_layout == CRAMFS_LAYOUT_PAGE ? "page-granular (for a kernel with page-granular XIP)" :
			"stock (each segment from its first page up to its last profiled page)",
			(unsigned long long)stats.profile_pages_xip, (unsigned long long)stats.profile_pages,
			(unsigned long long)stats.profile_files, (unsigned long long)stats.xip_pages);
	return EXIT_OK;
}
