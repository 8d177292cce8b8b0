// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cramfsck: check a cramfs image, report what the kernel will map directly,
 * extract it.  Exit status as fsck(8): 0 clean, 4 problems found, 8
 * operational error, 16 usage error.
 */
#include <ctype.h>
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
#include "cli.h"

#define EXIT_CLEAN 0
#define EXIT_PROBLEMS 4
#define EXIT_ERROR 8
#define EXIT_USAGE 16

static const char *prog = "cramfsck";

/*
 * A line of this program's own, formatted whole and written with control
 * characters escaped: it may hold an image path or an argument as given.
 */
static void vsay(FILE *f, const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0) {
		fprintf(f, "%s: out of memory\n", prog);
		return;
	}
	cramfs_put_text(f, text);
	putc('\n', f);
	free(text);
}

static void say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(f, fmt, ap);
	va_end(ap);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vsay(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	exit(EXIT_USAGE);
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

/* A number for an option, or a usage error: what must be min to max. */
static uint64_t option_number(const char *arg, const char *what, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (cramfs_parse_number(arg, max, &v) || v < min)
		usage_error("%s must be %llu to %llu, not '%s'", what, (unsigned long long)min,
			    (unsigned long long)max, arg);
	return v;
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
	       "      --phys-addr=ADDR     with --xip: the image's physical address, flash base + partition\n"
	       "                           offset (0x... or decimal); not page aligned is a problem\n"
	       "      --rule=RULE          with --xip: the kernel's rule: prefix (a stock kernel: direct runs from\n"
	       "                           each mapping's first page; the default), page (a kernel with the\n"
	       "                           page-granular XIP patch: every suitable page) or nommu (no MMU)\n"
	       "      --nommu              with --xip: the same as --rule=nommu (whole requests, FLAT text)\n"
	       "      --profile=FILE       with --xip: which pages a workload used (a profile of cramfs-xip(8))\n"
	       "                           come from flash and which from RAM\n"
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

static void log_line(void *ctx, enum cramfs_level level, const char *text)
{
	FILE *f = level <= CRAMFS_WARNING ? stderr : stdout_info;

	(void)ctx;
	if (level == CRAMFS_ERROR)
		fprintf(f, "%s: ", prog);
	else if (level == CRAMFS_WARNING)
		fprintf(f, "%s: warning: ", prog);
	cramfs_put_text(f, text);
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

/*
 * A physical address: 0x and hex digits, or decimal digits without a
 * leading zero (which C would read as octal); no sign, no space, nothing
 * after, at most 64 bits.
 */
static bool parse_addr(const char *s, uint64_t *addr)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	unsigned long long v;
	char *end;

	if (!*d || (!hex && d[0] == '0' && d[1]))
		return false;
	for (const char *p = d; *p; p++)
		if (hex ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
			return false;
	errno = 0;
	v = strtoull(d, &end, hex ? 16 : 10);
	if (errno || *end)
		return false;
	*addr = v;
	return true;
}

/* A --rule value: the rule cramfs_xip_rule_name() names so. */
static bool parse_rule(const char *s, enum cramfs_xip_rule *rule)
{
	for (int k = CRAMFS_XIP_RULE_PREFIX; k <= CRAMFS_XIP_RULE_NOMMU; k++) {
		if (!strcmp(s, cramfs_xip_rule_name((enum cramfs_xip_rule)k))) {
			*rule = (enum cramfs_xip_rule)k;
			return true;
		}
	}
	return false;
}

struct report {
	bool json;
	enum cramfs_xip_rule rule;
	const uint64_t *phys;   /* the image's physical address, if given */
	bool all;               /* text: list files that map nothing directly too */
	bool first;
	uint32_t blksize;
	/* --profile: the pages a workload used, and where they come from under the report's rule */
	const struct cramfs_profile *profile;
	const char *profile_path;
	bool *matched;          /* per profile entry: a file of the image has it */
	uint64_t hot, flash, resized;
};

/* A file's profiled pages: how many, how many from flash. False when the profile has none for it. */
static bool profile_counts(struct report *r, const struct cramfs_xip_file *f, uint32_t *hot, uint32_t *flash)
{
	const struct cramfs_profile_file *pf = r->profile ? cramfs_profile_find(r->profile, f->path) : NULL;

	*hot = *flash = 0;
	if (!pf)
		return false;
	r->matched[pf - r->profile->files] = true;
	if (pf->size != f->size) {
		r->resized++;
		say(stderr, "%s: warning: %s: %s was %llu bytes, the image's is %u: its entry is ignored", prog,
		    r->profile_path, f->path, (unsigned long long)pf->size, f->size);
		return false;
	}
	for (size_t i = 0; i < pf->nranges; i++)
		for (uint32_t k = pf->ranges[i].first; k <= pf->ranges[i].last; k++) {
			++*hot;
			*flash += cramfs_xip_page_from_flash(f, k);
		}
	r->hot += *hot;
	r->flash += *flash;
	return true;
}

/* The profile part of a file's report: a JSON member, or a line of text under the file's. */
static void print_profile(struct report *r, const struct cramfs_xip_file *f, bool listed)
{
	uint32_t hot, flash;
	bool have = profile_counts(r, f, &hot, &flash);

	if (r->json) {
		if (have)
			printf(", \"profile\": {\"pages\": %u, \"flash\": %u, \"ram\": %u}", hot, flash, hot - flash);
		else if (r->profile)
			printf(", \"profile\": null");
		return;
	}
	if (!have || !hot)
		return;
	if (!listed) {
		printf("%-8s %5s/%-5s ", "-", "-", "-");
		cramfs_put_text(stdout, f->path);
		printf("\n");
	}
	printf("         profile: %u page%s used, %u from flash, %u from RAM\n", hot, hot == 1 ? "" : "s", flash,
	       hot - flash);
}

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

static void print_perms(uint32_t flags)
{
	printf("%c%c%c", flags & 4 ? 'r' : '-', flags & 2 ? 'w' : '-', flags & 1 ? 'x' : '-');
}

static void print_pages(uint32_t first, uint32_t count)
{
	if (count == 1)
		printf("page %u", first);
	else
		printf("pages %u-%u", first, first + count - 1);
}

/*
 * The direct pages of f in [lo, hi) as ranges, one a call, from *i on (0
 * at first): false after the last.  Under the page rule they are the runs,
 * joined where one ends at the next one's first page; under the others,
 * the whole-file mapping's pages from page 0.
 */
static bool next_direct(const struct cramfs_xip_file *f, uint32_t lo, uint32_t hi, size_t *i, uint32_t *first,
			uint32_t *count)
{
	uint32_t end;

	if (f->rule != CRAMFS_XIP_RULE_PAGE) {
		end = f->direct_pages < hi ? f->direct_pages : hi;
		if (*i || lo >= end)
			return false;
		*i = 1;
		*first = lo;
		*count = end - lo;
		return true;
	}
	while (*i < f->nruns && f->runs[*i].first + f->runs[*i].count <= lo)
		++*i;
	if (*i == f->nruns || f->runs[*i].first >= hi)
		return false;
	*first = f->runs[*i].first > lo ? f->runs[*i].first : lo;
	end = f->runs[*i].first + f->runs[*i].count;
	while (++*i < f->nruns && f->runs[*i].first == end)
		end += f->runs[*i].count;
	*count = (end < hi ? end : hi) - *first;
	return true;
}

/* The direct pages of the whole file as JSON: [[first, count], ...]. */
static void print_direct_json(const struct cramfs_xip_file *f)
{
	uint32_t first, count;
	size_t i = 0;
	bool more = false;

	printf("[");
	while (next_direct(f, 0, f->pages, &i, &first, &count)) {
		printf("%s[%u, %u]", more ? ", " : "", first, count);
		more = true;
	}
	printf("]");
}

#define TEXT_RANGES 16  /* ranges listed in a line of text, then "..." */

/* The n direct pages of f in [lo, hi) as text: "page 3", "pages 0-2,5-6". */
static void print_direct_text(const struct cramfs_xip_file *f, uint32_t lo, uint32_t hi, uint32_t n)
{
	uint32_t first, count, listed = 0;
	size_t i = 0;

	printf("page%s ", n == 1 ? "" : "s");
	while (next_direct(f, lo, hi, &i, &first, &count)) {
		if (listed++ == TEXT_RANGES) {
			printf(",...");
			break;
		}
		printf(listed > 1 ? ",%u" : "%u", first);
		if (count > 1)
			printf("-%u", first + count - 1);
	}
}

/*
 * A mapping of count pages from lo not all direct under the page rule: its
 * n direct pages and the first other page's reason, "pages 0-2,5-6 from
 * flash; page 3: reason" with open before it and sep for "; ".
 */
static void print_page_rule(const struct cramfs_xip_file *f, uint32_t lo, uint32_t count, uint32_t n,
			    const char *open, const char *sep, uint32_t why_page, const char *why)
{
	printf("%s", open);
	print_direct_text(f, lo, lo + count, n);
	printf(" from flash%spage %u: %s", sep, why_page, why);
}

static void print_segments_json(const struct cramfs_xip_file *f)
{
	if (!f->segments) {
		printf("null");
		return;
	}
	printf("[");
	for (size_t i = 0; i < f->nsegments; i++) {
		const struct cramfs_xip_segment *g = &f->segments[i];

		printf("%s{\"perms\": \"", i ? ", " : "");
		print_perms(g->flags);
		printf("\", \"first\": %u, \"pages\": %u, \"direct_pages\": %u, \"reason\": ", g->first, g->pages,
		       g->direct_pages);
		if (g->reason)
			json_string(g->reason);
		else
			printf("null");
		printf(", \"reason_page\": %u}", g->reason_page);
	}
	printf("]");
}

/*
 * An ELF file is reported by the mappings a program makes, one per PT_LOAD
 * segment: the read-only ones from flash as far as the kernel maps them,
 * the writable data from RAM as always.
 */
static void print_elf_line(const struct cramfs_xip_file *f)
{
	enum cramfs_xip_mapping m = !f->ro_direct_pages ? CRAMFS_MAP_NONE :
				    f->ro_direct_pages == f->ro_pages ? CRAMFS_MAP_ALL : CRAMFS_MAP_PARTIAL;

	printf("%-8s %5u/%-5u ", mapping_name(m), f->ro_direct_pages, f->ro_pages);
	cramfs_put_text(stdout, f->path);
	printf(" (ELF:");
	for (size_t i = 0; i < f->nsegments; i++) {
		const struct cramfs_xip_segment *g = &f->segments[i];

		printf("%s ", i ? ";" : "");
		print_perms(g->flags);
		printf(" ");
		print_pages(g->first, g->pages);
		if (g->flags & 2)
			printf(" from RAM, as writable data always is");
		else if (g->direct_pages == g->pages)
			printf(" from flash");
		else if (g->direct_pages && f->rule == CRAMFS_XIP_RULE_PAGE)
			print_page_rule(f, g->first, g->pages, g->direct_pages, ", ", ", ", g->reason_page, g->reason);
		else if (g->direct_pages)
			printf(", %u from flash, page %u on: %s", g->direct_pages, g->reason_page, g->reason);
		else
			printf(" not from flash: %s", g->reason);
	}
	printf(")\n");
}

static int print_file(const struct cramfs_xip_file *f, void *arg)
{
	struct report *r = arg;

	if (r->json) {
		printf("%s\n    {\"path\": ", r->first ? "" : ",");
		json_string(f->path);
		printf(", \"size\": %u, \"pages\": %u, \"mapping\": \"%s\", \"direct_pages\": %u, \"direct\": ",
		       f->size, f->pages, mapping_name(f->mapping), f->direct_pages);
		print_direct_json(f);
		printf(", \"direct_ranges\": ");
		print_direct_json(f);
		printf(", \"runs\": [");
		for (size_t i = 0; i < f->nruns; i++)
			printf("%s[%u, %u]", i ? ", " : "", f->runs[i].first, f->runs[i].count);
		printf("], \"run_pages\": %u, \"reason\": ", f->run_pages);
		if (f->reason)
			json_string(f->reason);
		else
			printf("null");
		printf(", \"reason_page\": %u, \"last_page_read_bug\": %s, \"segments\": ", f->reason_page,
		       f->last_page_read_bug ? "true" : "false");
		print_segments_json(f);
		printf(", \"ro_pages\": %u, \"ro_direct_pages\": %u", f->ro_pages, f->ro_direct_pages);
		print_profile(r, f, false);
		printf("}");
		r->first = false;
		return 0;
	}
	/* a rootfs has thousands of files that map nothing: -v lists them, the summary counts them */
	if (!r->all && f->mapping == CRAMFS_MAP_NONE && !f->run_pages && !f->last_page_read_bug) {
		print_profile(r, f, false);
		return 0;
	}
	if (f->segments && f->ro_pages) {
		print_elf_line(f);
		if (f->last_page_read_bug)
			printf("         warning: the last page is direct in a page-multiple file: stock kernels read "
			       "it as zeros\n");
		print_profile(r, f, true);
		return 0;
	}
	printf("%-8s %5u/%-5u ", mapping_name(f->mapping), f->direct_pages, f->pages);
	cramfs_put_text(stdout, f->path);
	if (f->mapping == CRAMFS_MAP_PARTIAL && f->rule == CRAMFS_XIP_RULE_PAGE)
		print_page_rule(f, 0, f->pages, f->direct_pages, " (", "; ", f->reason_page, f->reason);
	else if (f->mapping == CRAMFS_MAP_PARTIAL)
		printf(" (page %u on: %s", f->reason_page, f->reason);
	else if (f->mapping == CRAMFS_MAP_NONE && f->run_pages)
		printf(" (%s; %u pages in %zu runs map directly from their first page", f->reason, f->run_pages,
		       f->nruns);
	else if (f->mapping == CRAMFS_MAP_NONE)
		printf(" (%s", f->reason);
	printf(f->mapping == CRAMFS_MAP_ALL ? "\n" : ")\n");
	if (f->last_page_read_bug)
		printf("         warning: the last page is direct in a page-multiple file: stock kernels read it "
		       "as zeros\n");
	print_profile(r, f, true);
	return 0;
}

static void print_flat_json(const struct cramfs_xip_file *f)
{
	if (!f->flat) {
		printf("null");
		return;
	}
	printf("{\"text_len\": %u, \"text_pages\": %u, \"in_place\": %s, \"reason\": ", f->flat_text_len,
	       f->flat_text_pages, f->flat_in_place ? "true" : "false");
	if (f->flat_reason)
		json_string(f->flat_reason);
	else
		printf("null");
	printf("}");
}

/* A no-MMU kernel: each whole-file request's outcome, and a FLAT program's text. */
static int print_file_nommu(const struct cramfs_xip_file *f, void *arg)
{
	struct report *r = arg;
	unsigned long long base = r->phys ? *r->phys : 0;

	if (r->json) {
		printf("%s\n    {\"path\": ", r->first ? "" : ",");
		json_string(f->path);
		printf(", \"size\": %u, \"pages\": %u, \"mapping\": \"%s\", \"offset\": ", f->size, f->pages,
		       mapping_name(f->mapping));
		if (f->direct_pages)
			printf("%u", f->offset);
		else
			printf("null");
		printf(", \"direct_pages\": %u, \"direct_ranges\": ", f->direct_pages);
		print_direct_json(f);
		printf(", \"runs\": [");
		for (size_t i = 0; i < f->nruns; i++)
			printf("%s[%u, %u, %u]", i ? ", " : "", f->runs[i].first, f->runs[i].count, f->runs[i].offset);
		printf("], \"run_pages\": %u, \"reason\": ", f->run_pages);
		if (f->reason)
			json_string(f->reason);
		else
			printf("null");
		printf(", \"reason_page\": %u, \"last_page_read_bug\": %s, \"mmap\": {", f->reason_page,
		       f->last_page_read_bug ? "true" : "false");
		for (int q = 0; q < CRAMFS_NOMMU_REQUESTS; q++)
			printf("%s\"%s\": \"%s\"", q ? ", " : "", cramfs_nommu_request_name(q),
			       cramfs_xip_nommu_outcome(f, q));
		printf("}, \"flat\": ");
		print_flat_json(f);
		print_profile(r, f, false);
		printf("}");
		r->first = false;
		return 0;
	}
	if (!r->all && !f->run_pages && !f->flat && !f->last_page_read_bug) {
		print_profile(r, f, false);
		return 0;
	}
	printf("%-8s %5u/%-5u ", mapping_name(f->mapping), f->direct_pages, f->pages);
	cramfs_put_text(stdout, f->path);
	if (f->mapping == CRAMFS_MAP_ALL)
		printf(" (at 0x%llx", base + f->offset);
	else if (f->direct_pages == 1)
		printf(" (page 1 on: %s; page 0 alone maps at 0x%llx", f->reason, base + f->offset);
	else if (f->direct_pages)
		printf(" (page %u on: %s; pages 0-%u alone map at 0x%llx", f->reason_page, f->reason,
		       f->direct_pages - 1, base + f->offset);
	else if (f->run_pages)
		printf(" (%s; %u pages in %zu run%s map directly when requested alone", f->reason, f->run_pages,
		       f->nruns, f->nruns == 1 ? "" : "s");
	else
		printf(" (%s", f->reason);
	if (f->flat && f->flat_in_place)
		printf("; FLAT text of %u bytes runs in place", f->flat_text_len);
	else if (f->flat)
		printf("; FLAT text copied to RAM: %s", f->flat_reason);
	printf(")\n");
	if (f->last_page_read_bug)
		printf("         warning: the last page is direct in a page-multiple file: stock kernels read it "
		       "as zeros\n");
	print_profile(r, f, true);
	return 0;
}

/* The kernel a rule is for, as the text report names it. */
static const char *rule_kernel(enum cramfs_xip_rule rule)
{
	switch (rule) {
	case CRAMFS_XIP_RULE_PAGE: return "a kernel with page-granular XIP";
	case CRAMFS_XIP_RULE_NOMMU: return "a kernel without an MMU";
	default: return "a stock MMU kernel";
	}
}

/* The profile's totals, after the report's. */
static void profile_totals(struct report *r)
{
	uint64_t missing = 0;

	/* an entry without pages loses nothing when it names no file (empty files are not reported) */
	for (size_t i = 0; i < r->profile->nfiles; i++) {
		if (r->matched[i] || !r->profile->files[i].hot_pages)
			continue;
		if (++missing <= 20)
			say(stderr, "%s: warning: %s: %s is not a file of the image", prog, r->profile_path,
			    r->profile->files[i].path);
	}
	if (missing > 20)
		say(stderr, "%s: warning: %s: %llu entries name no file of the image (20 named)", prog,
		    r->profile_path, (unsigned long long)missing);
	if (r->json) {
		printf(",\n  \"profile\": {\"pages\": %llu, \"flash\": %llu, \"ram\": %llu, \"missing\": %llu, "
		       "\"resized\": %llu}", (unsigned long long)r->hot, (unsigned long long)r->flash,
		       (unsigned long long)(r->hot - r->flash), (unsigned long long)missing,
		       (unsigned long long)r->resized);
		return;
	}
	printf("profile %s: %llu pages used, %llu from flash (%.1f%%), %llu from RAM, on %s; %llu entries "
	       "with pages name no file of the image, %llu a file of another size\n", r->profile_path,
	       (unsigned long long)r->hot, (unsigned long long)r->flash,
	       r->hot ? 100.0 * (double)r->flash / (double)r->hot : 0.0, (unsigned long long)(r->hot - r->flash),
	       rule_kernel(r->rule), (unsigned long long)missing,
	       (unsigned long long)r->resized);
}

/* phys: the image's physical address, or NULL when not given (page aligned) */
static int xip_report(struct cramfs_image *img, struct report *rp, const struct cramfs_check_result *cr,
		      bool *misaligned)
{
	const struct cramfs_image_info *info = cramfs_image_info(img);
	struct report r = *rp;
	bool json = r.json, nommu = r.rule == CRAMFS_XIP_RULE_NOMMU;
	const uint64_t *phys = r.phys;
	struct cramfs_xip_totals t;
	/* without FSID_VERSION_2 the size field means nothing (often 0): the image is the whole file */
	unsigned long long image_size = info->super.flags & CRAMFS_FLAG_FSID_VERSION_2 ? info->super.size :
					info->file_size;
	int err;

	/* without an MMU there is no page alignment to meet */
	*misaligned = !nommu && phys && !cramfs_xip_phys_aligned(img, *phys);
	if (json) {
		printf("{\n  \"kernel\": \"%s\",\n  \"rule\": \"%s\",\n  \"blksize\": %u,\n"
		       "  \"blksize_detected\": %s,\n  \"endian\": \"%s\",\n  \"image_size\": %llu,\n"
		       "  \"phys_addr\": ", nommu ? "nommu" : "mmu", cramfs_xip_rule_name(r.rule), info->blksize,
		       info->blksize_detected ? "true" : "false",
		       info->endian == CRAMFS_BIG_ENDIAN ? "big" : "little", image_size);
		if (phys)
			printf("%llu", (unsigned long long)*phys);
		else
			printf("null");
		printf(",\n  \"phys_misaligned\": %s,\n  \"files\": [", *misaligned ? "true" : "false");
	} else {
		printf("mapping  direct/pages path  (%s, %s rule: %s, %u-byte pages",
		       r.rule == CRAMFS_XIP_RULE_PAGE ? "MMU kernel with page-granular XIP" :
		       nommu ? "no-MMU kernel" : "stock MMU kernel", cramfs_xip_rule_name(r.rule),
		       nommu ? "a request for the whole file gets the flash address only when it is one direct run" :
		       "read-only mmap of the whole file; of an ELF file, each read-only segment", info->blksize);
		if (phys)
			printf(", image at physical address 0x%llx", (unsigned long long)*phys);
		printf(")\n");
	}
	r.first = true;
	r.blksize = info->blksize;
	if (r.profile && !(r.matched = calloc(r.profile->nfiles ? r.profile->nfiles : 1, sizeof(*r.matched))))
		return -ENOMEM;
	if (nommu)
		err = cramfs_xip_report_nommu(img, print_file_nommu, &r, &t);
	else if (r.rule == CRAMFS_XIP_RULE_PAGE)
		err = cramfs_xip_report_page_at(img, phys ? *phys : 0, print_file, &r, &t);
	else
		err = cramfs_xip_report_at(img, phys ? *phys : 0, print_file, &r, &t);
	if (err) {
		free(r.matched);
		return err;
	}
	if (json) {
		printf("\n  ]");
		if (r.profile)
			profile_totals(&r);
		printf(",\n  \"totals\": {\"files\": %llu, \"files_all\": %llu, \"files_partial\": %llu, "
		       "\"files_none\": %llu, \"xip_files\": %llu, \"pages\": %llu, \"run_pages\": %llu, "
		       "\"read_bug_files\": %llu, \"unreferenced_bytes\": %llu",
		       (unsigned long long)t.files, (unsigned long long)t.files_all,
		       (unsigned long long)t.files_partial, (unsigned long long)t.files_none,
		       (unsigned long long)t.xip_files, (unsigned long long)t.pages, (unsigned long long)t.run_pages,
		       (unsigned long long)t.read_bug_files, (unsigned long long)cr->unreferenced_bytes);
		if (nommu)
			printf(", \"flat_files\": %llu, \"flat_in_place\": %llu", (unsigned long long)t.flat_files,
			       (unsigned long long)t.flat_in_place);
		else
			printf(", \"elf_files\": %llu, \"elf_ro_pages\": %llu, \"elf_ro_direct_pages\": %llu",
			       (unsigned long long)t.elf_files, (unsigned long long)t.elf_ro_pages,
			       (unsigned long long)t.elf_ro_direct_pages);
		printf("}\n}\n");
	} else if (nommu) {
		printf("%llu files: %llu whole in flash, %llu not; %llu files with %llu of %llu pages in direct runs; "
		       "%llu FLAT programs, %llu with their text in flash; %llu unreferenced bytes\n",
		       (unsigned long long)t.files, (unsigned long long)t.files_all,
		       (unsigned long long)t.files_none, (unsigned long long)t.xip_files,
		       (unsigned long long)t.run_pages, (unsigned long long)t.pages,
		       (unsigned long long)t.flat_files, (unsigned long long)t.flat_in_place,
		       (unsigned long long)cr->unreferenced_bytes);
	} else {
		printf("%llu files: %llu all direct, %llu partly, %llu not; %llu ELF files with %llu of %llu "
		       "read-only segment pages from flash; %llu files with %llu of %llu pages "
		       "directly mappable; %llu unreferenced bytes (%.4f%% of %llu)\n",
		       (unsigned long long)t.files, (unsigned long long)t.files_all,
		       (unsigned long long)t.files_partial, (unsigned long long)t.files_none,
		       (unsigned long long)t.elf_files, (unsigned long long)t.elf_ro_direct_pages,
		       (unsigned long long)t.elf_ro_pages,
		       (unsigned long long)t.xip_files, (unsigned long long)t.run_pages, (unsigned long long)t.pages,
		       (unsigned long long)cr->unreferenced_bytes,
		       image_size ? 100.0 * (double)cr->unreferenced_bytes / (double)image_size : 0.0, image_size);
	}
	if (r.profile && !json)
		profile_totals(&r);
	free(r.matched);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_XIP = 1000, OPT_JSON, OPT_PHYS_ADDR, OPT_NOMMU, OPT_RULE, OPT_PROFILE };
	static const struct option longopts[] = {
		{ "blocksize", required_argument, NULL, 'b' },
		{ "extract", optional_argument, NULL, 'x' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "xip", no_argument, NULL, OPT_XIP },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "phys-addr", required_argument, NULL, OPT_PHYS_ADDR },
		{ "nommu", no_argument, NULL, OPT_NOMMU },
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char optstring[] = ":b:x:j:vayhV";
	struct cramfs_open_options oo = { 0 };
	struct cramfs_check_options co = { 0 };
	struct cramfs_check_result cr;
	struct cramfs_image *img;
	const struct cramfs_image_info *info;
	const char *extract_dir = NULL;
	bool xip = false, json = false, nommu = false, have_rule = false, have_phys = false, misaligned = false;
	enum cramfs_xip_rule rule = CRAMFS_XIP_RULE_PREFIX;
	const char *profile_path = NULL;
	struct cramfs_profile *profile = NULL;
	uint64_t phys = 0;
	int verbose = 0, c, err, status = EXIT_CLEAN;
	uint64_t n;

	/* messages are written a character at a time (put_text): one write per line, not per byte */
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
	stdout_info = stdout;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (cramfs_parse_number(optarg, UINT64_MAX, &n) || (n != 4096 && n != 16384 && n != 65536))
				usage_error("block size must be 4096, 16384 or 65536, not '%s'", optarg);
			oo.blksize = (uint32_t)n;
			break;
		case 'x':
			/* --extract alone (as in util-linux) only decodes, which every check does */
			extract_dir = optarg;
			break;
		case 'j':
			co.threads = (unsigned)option_number(optarg, "thread count", 1, 256);
			break;
		case OPT_XIP:
			xip = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_NOMMU:
			nommu = true;
			break;
		case OPT_RULE:
			if (!parse_rule(optarg, &rule))
				usage_error("--rule must be prefix, page or nommu, not '%s'", optarg);
			have_rule = true;
			break;
		case OPT_PROFILE:
			profile_path = optarg;
			break;
		case OPT_PHYS_ADDR:
			if (!parse_addr(optarg, &phys))
				usage_error("physical address must be 0x and hex digits, or decimal without a "
					    "leading zero, not '%s'", optarg);
			have_phys = true;
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
		default:
			bad_option(c, argv, optstring, longopts);
		}
	}
	if (argc - optind != 1)
		usage_error("expected one image file, got %d arguments", argc - optind);
	if (json && !xip)
		usage_error("--json goes with --xip");
	if (have_phys && !xip)
		usage_error("--phys-addr goes with --xip");
	if (nommu && !xip)
		usage_error("--nommu goes with --xip");
	if (have_rule && !xip)
		usage_error("--rule goes with --xip");
	if (nommu && have_rule && rule != CRAMFS_XIP_RULE_NOMMU)
		usage_error("--nommu and --rule=%s ask for different kernels", cramfs_xip_rule_name(rule));
	if (nommu)
		rule = CRAMFS_XIP_RULE_NOMMU;
	if (profile_path && !xip)
		usage_error("--profile goes with --xip");

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
		say(stdout_info, "%s: %s-endian cramfs, superblock at byte %llu, %u bytes, flags 0x%x, %u files, "
		       "block size %u (%s)",
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
			say(stderr, "%s: %s: check failed: %s", prog, argv[optind], strerror(-err));
		cramfs_image_close(img);
		return EXIT_ERROR;
	}
	if (cr.problems)
		status = EXIT_PROBLEMS;
	if (verbose)
		say(stdout_info, "%s: %llu directories, %llu files, %llu symlinks, %llu other; %llu blocks (%llu holes, "
		       "%llu raw, %llu direct; %llu inflated), %llu bytes of data; %llu problems, %llu warnings",
		       argv[optind], (unsigned long long)cr.dirs, (unsigned long long)cr.files,
		       (unsigned long long)cr.symlinks, (unsigned long long)cr.specials, (unsigned long long)cr.blocks,
		       (unsigned long long)cr.holes, (unsigned long long)cr.raw_blocks,
		       (unsigned long long)cr.direct_blocks, (unsigned long long)cr.inflated,
		       (unsigned long long)cr.data_bytes,
		       (unsigned long long)cr.problems, (unsigned long long)cr.warnings);

	if (xip) {
		struct report r = { .json = json, .rule = rule, .all = verbose > 0, .phys = have_phys ? &phys : NULL,
				    .profile_path = profile_path };

		err = 0;
		if (profile_path) {
			err = cramfs_profile_read(profile_path, &oo.log, &profile);
			if (!err && profile->page_size != info->blksize) {
				say(stderr, "%s: %s: taken with %u-byte pages; the image has %u-byte blocks", prog,
				    profile_path, profile->page_size, info->blksize);
				err = -EINVAL;
			}
			/* the reader said what is wrong with the profile */
			if (err == -EINVAL)
				err = -ECANCELED;
			r.profile = profile;
		}
		if (!err)
			err = xip_report(img, &r, &cr, &misaligned);
		cramfs_profile_free(profile);
		if (err) {
			if (err != -ESTALE && err != -ECANCELED)
				say(stderr, "%s: %s: %s", prog, argv[optind], strerror(-err));
			status = EXIT_ERROR;
		} else if (misaligned) {
			say(stderr, "%s: %s: physical address 0x%llx is not a multiple of the %u-byte page size: "
			    "the kernel maps nothing stored in place directly from there",
			    prog, argv[optind], (unsigned long long)phys, info->blksize);
			if (status == EXIT_CLEAN)
				status = EXIT_PROBLEMS;
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
				say(stdout_info, "%s: extracted %llu entries into %s; %llu blocks inflated",
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
