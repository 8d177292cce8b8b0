/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xipcheck: runs inside the test guest against a mounted cramfs image.
 *
 *   xipcheck [--root DIR] [--flash BASE,SIZE] [--kmsg] [--trace DIR] MANIFEST
 *
 * Checks that the tree under DIR matches MANIFEST (written by mkmanifest.py),
 * reads every regular file back with read() and through a private read-only
 * mmap, and reports how the kernel mapped each file: remap_pfn_range
 * ("all", VmFlags pf), VM_MIXEDMAP ("partial", mm) or the page cache ("none").
 * Programs named by `run` lines are executed while stopped at exit so their
 * mappings can be inspected.  Everything is reported on stdout as lines
 * starting with "XIPCHECK ", the last one "XIPCHECK done pass=N fail=M".
 * Judging mappings against predictions is left to the host (compare.py).
 *
 * --trace DIR (a mounted tracefs with the cramfs_mmap event enabled): for
 * each file mmap, the event the kernel emitted for it is reported as
 * trace=DIRECT/PAGES treason=REASON (trace=none when there was none).  Three
 * more mappings of the file then probe the other outcomes: writable
 * (twrite=, MAP_PRIVATE with PROT_WRITE), one page longer than the file
 * (tlong=) and one page past its end (tpast=), each DIRECT/PAGES:REASON.
 *
 * Manifest lines (tokens separated by one space, %XX escapes, "-" = none):
 *   entry TYPE MODE UID GID SIZE HASH RDEV TARGET PATH
 *   option owners=check|ignore
 *   run EXIT ROOT ARGV...
 *   knownbug read PATH HASH	read() is expected to return the content with
 *				its last page zeroed (HASH): the stock kernel's
 *				last-page bug; reading it right is a failure
 *   knownbug missing PATH	readdir and lookup are expected not to find
 *				PATH (the stock kernel's directory-read bug on
 *				MTD); finding it is a failure
 * other lines are ignored.  TYPE is one of d f l c b p s, MODE octal
 * permission bits, HASH the FNV-1a 64 of the content, RDEV MAJOR:MINOR.
 *
 * Helpers for the checks of cramfs-xip (guest/init):
 *   xipcheck [--uid N] --exec PROG ARGS...   runs PROG as user and group N
 *   xipcheck [--uid N] --hold FILE           maps FILE whole (private,
 *       read-only), reads every page, says "XIPCHECK hold ... ready" and
 *       waits to be killed
 *   xipcheck --root DIR --flash BASE,SIZE --direct PID   for each file under
 *       DIR that PID maps: "XIPCHECK direct pid=PID path=PATH flash=N ram=N",
 *       its pages in flash (a pf vma whole, else PFNs in the window) and in
 *       RAM (any other present page), summed over its vmas
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#define TAG "XIPCHECK "

struct entry {
	char type;
	unsigned mode, uid, gid;
	unsigned long long size;
	uint64_t hash;
	bool has_hash;
	unsigned major, minor;
	bool has_rdev;
	char *target;
	char *path;		/* relative to the root, starting with '/' */
	bool seen;
	bool known_missing;	/* knownbug missing */
	bool known_read;	/* knownbug read */
	uint64_t known_read_hash;
};

struct knownbug {
	char kind;		/* 'r' read, 'm' missing */
	uint64_t hash;
	char *path;
};

struct run {
	int expect_exit;
	char *root;		/* NULL: no chroot */
	char **argv;
};

static struct entry *entries;
static size_t n_entries, cap_entries;
static struct run *runs;
static size_t n_runs, cap_runs;
static bool check_owners = true;
static struct knownbug *knownbugs;
static size_t n_knownbugs, cap_knownbugs;
static int trace_fd = -1;

static const char *root = "/mnt";
static uint64_t flash_base, flash_size;
static bool want_kmsg;
static int kmsg_fd = -1;
static long page_size;
static unsigned pass_count, fail_count;

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs(TAG, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		say("error out of memory");
		exit(2);
	}
	return p;
}

/* Room for element n of a growing array: the capacity doubles, starting at first. */
static void *grow(void *p, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : first;
	return xrealloc(p, *cap * elem);
}

static uint64_t fnv1a64(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

/* In-place %XX decoding; returns NULL for the "-" placeholder. */
static char *unescape(char *s)
{
	char *r = s, *w = s;

	if (strcmp(s, "-") == 0)
		return NULL;
	while (*r) {
		if (r[0] == '%' && r[1] && r[2]) {
			char hex[3] = { r[1], r[2], 0 };
			*w++ = (char)strtoul(hex, NULL, 16);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = 0;
	return s;
}

/* Escapes a path for output so that a report line splits on spaces. */
static const char *esc(const char *s)
{
	static char buf[4][4 * 4096];
	static int slot;
	char *out = buf[slot++ & 3], *w = out;

	for (; *s && w < out + sizeof(buf[0]) - 4; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || c == '%' || c == '=') {
			sprintf(w, "%%%02X", c);
			w += 3;
		} else {
			*w++ = (char)c;
		}
	}
	*w = 0;
	return out;
}

static int split(char *line, char **tok, int max)
{
	int n = 0;
	char *save, *t;

	for (t = strtok_r(line, " \t\n", &save); t && n < max; t = strtok_r(NULL, " \t\n", &save))
		tok[n++] = t;
	return n;
}

static int load_manifest(const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;

	if (!f) {
		say("error cannot open manifest %s: %s", file, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		char *tok[256];
		int n;

		lineno++;
		n = split(line, tok, 256);
		if (n == 0 || tok[0][0] == '#')
			continue;
		if (strcmp(tok[0], "entry") == 0) {
			struct entry *e;
			char *t;

			if (n != 10) {
				say("error manifest line %u: entry needs 9 fields", lineno);
				return -1;
			}
			entries = grow(entries, n_entries, &cap_entries, sizeof(*entries), 256);
			e = &entries[n_entries++];
			memset(e, 0, sizeof(*e));
			e->type = tok[1][0];
			e->mode = (unsigned)strtoul(tok[2], NULL, 8);
			e->uid = (unsigned)strtoul(tok[3], NULL, 10);
			e->gid = (unsigned)strtoul(tok[4], NULL, 10);
			e->size = strtoull(tok[5], NULL, 10);
			if (strcmp(tok[6], "-") != 0) {
				e->hash = strtoull(tok[6], NULL, 16);
				e->has_hash = true;
			}
			if (strcmp(tok[7], "-") != 0 && sscanf(tok[7], "%u:%u", &e->major, &e->minor) == 2)
				e->has_rdev = true;
			t = unescape(tok[8]);
			e->target = t ? strdup(t) : NULL;
			e->path = strdup(unescape(tok[9]));
		} else if (strcmp(tok[0], "knownbug") == 0) {
			struct knownbug *k;

			if (!((n == 4 && strcmp(tok[1], "read") == 0) ||
			      (n == 3 && strcmp(tok[1], "missing") == 0))) {
				say("error manifest line %u: knownbug read PATH HASH | knownbug missing PATH", lineno);
				return -1;
			}
			knownbugs = grow(knownbugs, n_knownbugs, &cap_knownbugs, sizeof(*knownbugs), 64);
			k = &knownbugs[n_knownbugs++];
			k->kind = tok[1][0];
			k->path = strdup(unescape(tok[2]));
			k->hash = n == 4 ? strtoull(tok[3], NULL, 16) : 0;
		} else if (strcmp(tok[0], "option") == 0 && n == 2) {
			if (strcmp(tok[1], "owners=ignore") == 0)
				check_owners = false;
		} else if (strcmp(tok[0], "run") == 0) {
			struct run *r;
			char *rt;
			int i;

			if (n < 4) {
				say("error manifest line %u: run needs EXIT ROOT ARGV...", lineno);
				return -1;
			}
			runs = grow(runs, n_runs, &cap_runs, sizeof(*runs), 8);
			r = &runs[n_runs++];
			r->expect_exit = atoi(tok[1]);
			rt = unescape(tok[2]);
			r->root = rt ? strdup(rt) : NULL;
			r->argv = xrealloc(NULL, (size_t)(n - 2) * sizeof(char *));
			for (i = 3; i < n; i++)
				r->argv[i - 3] = strdup(unescape(tok[i]));
			r->argv[n - 3] = NULL;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static struct entry *find_entry(const char *path)
{
	struct entry key = { .path = (char *)path };

	return bsearch(&key, entries, n_entries, sizeof(*entries), cmp_entry);
}

static char type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR: return 'd';
	case S_IFREG: return 'f';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	}
	return '?';
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs(TAG, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	fail_count++;
}

/* ---- the tree ---- */

static unsigned tree_bad, tree_extra, tree_missing, tree_seen, tree_known, tree_mounts;
static dev_t root_dev;

static void check_node(const char *rel, const struct stat *st)
{
	struct entry *e = find_entry(rel);
	char why[512] = "";
	size_t w = 0;

	tree_seen++;
	if (!e) {
		tree_extra++;
		fail("entry %s BAD extra type=%c", esc(rel), type_of(st->st_mode));
		return;
	}
	e->seen = true;
	if (e->known_missing) {
		/* the kernel was expected to lose this entry and did not */
		tree_bad++;
		fail("entry %s BAD listed known=dirent-bug-absent", esc(rel));
		return;
	}
#define WHY(...) (w += (size_t)snprintf(why + w, w < sizeof(why) ? sizeof(why) - w : 0, __VA_ARGS__))
	if (type_of(st->st_mode) != e->type)
		WHY(" type=%c/%c", type_of(st->st_mode), e->type);
	if ((st->st_mode & 07777) != e->mode)
		WHY(" mode=%o/%o", st->st_mode & 07777, e->mode);
	if (check_owners && (st->st_uid != e->uid || st->st_gid != e->gid))
		WHY(" owner=%u:%u/%u:%u", st->st_uid, st->st_gid, e->uid, e->gid);
	if ((e->type == 'f' || e->type == 'l') && (unsigned long long)st->st_size != e->size)
		WHY(" size=%llu/%llu", (unsigned long long)st->st_size, e->size);
	if ((e->type == 'c' || e->type == 'b') && e->has_rdev &&
	    (major(st->st_rdev) != e->major || minor(st->st_rdev) != e->minor))
		WHY(" rdev=%u:%u/%u:%u", major(st->st_rdev), minor(st->st_rdev), e->major, e->minor);
	if (e->type == 'l' && S_ISLNK(st->st_mode)) {
		char target[4096];
		char full[4096];
		ssize_t n;

		snprintf(full, sizeof(full), "%s%s", root, rel);
		n = readlink(full, target, sizeof(target) - 1);
		if (n < 0)
			WHY(" readlink=%s", strerror(errno));
		else {
			target[n] = 0;
			if (!e->target || strcmp(target, e->target) != 0)
				WHY(" target=%s/%s", esc(target), e->target ? esc(e->target) : "-");
		}
	}
#undef WHY
	if (w) {
		tree_bad++;
		fail("entry %s BAD%s", esc(rel), why);
	}
}

static void walk(const char *rel)
{
	char full[4096];
	DIR *d;
	struct dirent *de;

	snprintf(full, sizeof(full), "%s%s", root, rel);
	d = opendir(full);
	if (!d) {
		fail("entry %s BAD opendir=%s", esc(rel), strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		char child[4096];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", strcmp(rel, "/") ? rel : "", de->d_name);
		snprintf(full, sizeof(full), "%s%s", root, child);
		if (lstat(full, &st) < 0) {
			fail("entry %s BAD lstat=%s", esc(child), strerror(errno));
			continue;
		}
		if (st.st_dev != root_dev) {
			/*
			 * Something mounted on a directory of the image (/proc
			 * when the image is the root filesystem): the directory
			 * is there, and what is below it is not the image's.
			 */
			struct entry *e = find_entry(child);

			tree_mounts++;
			if (e && e->type == 'd') {
				e->seen = true;
				say("entry %s mountpoint", esc(child));
			} else {
				tree_bad++;
				fail("entry %s BAD mountpoint%s", esc(child), e ? " not-a-directory" : " extra");
			}
			continue;
		}
		check_node(child, &st);
		if (S_ISDIR(st.st_mode))
			walk(child);
	}
	closedir(d);
}

static void check_tree(void)
{
	struct stat st;
	size_t i;

	if (lstat(root, &st) < 0) {
		fail("error cannot stat %s: %s", root, strerror(errno));
		return;
	}
	root_dev = st.st_dev;
	check_node("/", &st);
	walk("/");
	for (i = 0; i < n_entries; i++) {
		if (!entries[i].seen) {
			char full[4096];
			struct stat st2;
			bool found;

			/* readdir may miss an entry that lookup still finds */
			snprintf(full, sizeof(full), "%s%s", root, entries[i].path);
			found = lstat(full, &st2) == 0;
			if (entries[i].known_missing && !found) {
				/* the expected failure, seen as expected */
				tree_known++;
				say("entry %s missing lookup=absent known=dirent-bug", esc(entries[i].path));
				continue;
			}
			tree_missing++;
			fail("entry %s BAD missing lookup=%s%s", esc(entries[i].path),
			     found ? "found" : "absent", entries[i].known_missing ? " known=dirent-bug" : "");
		}
	}
	say("tree entries=%zu seen=%u missing=%u extra=%u bad=%u known=%u mounts=%u", n_entries, tree_seen,
	    tree_missing, tree_extra, tree_bad, tree_known, tree_mounts);
	if (!tree_missing && !tree_extra && !tree_bad)
		pass_count++;
}

/* ---- /proc parsing ---- */

struct vma_info {
	unsigned long start, end, pgoff;
	char perms[8];
	char path[4096];
	unsigned long size_kb, rss_kb;
	char flags[256];
	bool pf, mm, io;
};

static bool has_flag(const char *flags, const char *f)
{
	size_t n = strlen(f);
	const char *p = flags;

	while ((p = strstr(p, f))) {
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0 || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

/*
 * Calls fn for each vma in /proc/PID/smaps.  Returns the number of vmas
 * or -1 when the file cannot be read.
 */
static int for_each_vma(pid_t pid, void (*fn)(struct vma_info *, void *), void *arg)
{
	char name[64], line[4352];
	FILE *f;
	struct vma_info v;
	bool open_vma = false;
	int count = 0;

	if (pid)
		snprintf(name, sizeof(name), "/proc/%d/smaps", (int)pid);
	else
		snprintf(name, sizeof(name), "/proc/self/smaps");
	f = fopen(name, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, off;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s%n", &a, &b, perms, &off, &pos) == 4 && pos > 0) {
			char *p = line + pos;

			if (open_vma) {
				fn(&v, arg);
				count++;
			}
			memset(&v, 0, sizeof(v));
			v.start = a;
			v.end = b;
			v.pgoff = off;
			snprintf(v.perms, sizeof(v.perms), "%s", perms);
			while (*p == ' ')
				p++;
			p[strcspn(p, "\n")] = 0;
			snprintf(v.path, sizeof(v.path), "%s", p);
			open_vma = true;
			continue;
		}
		if (!open_vma)
			continue;
		if (strncmp(line, "Size:", 5) == 0)
			v.size_kb = strtoul(line + 5, NULL, 10);
		else if (strncmp(line, "Rss:", 4) == 0)
			v.rss_kb = strtoul(line + 4, NULL, 10);
		else if (strncmp(line, "VmFlags:", 8) == 0) {
			char *p = line + 8;
			size_t len;

			while (*p == ' ')
				p++;
			len = strcspn(p, "\n");
			while (len && p[len - 1] == ' ')
				len--;
			p[len] = 0;
			snprintf(v.flags, sizeof(v.flags), "%.255s", p);
			v.pf = has_flag(p, "pf");
			v.mm = has_flag(p, "mm");
			v.io = has_flag(p, "io");
		}
	}
	if (open_vma) {
		fn(&v, arg);
		count++;
	}
	fclose(f);
	return count;
}

struct vma_find {
	unsigned long addr;
	struct vma_info found;
	bool ok;
};

static void find_vma_cb(struct vma_info *v, void *arg)
{
	struct vma_find *q = arg;

	if (v->start == q->addr) {
		q->found = *v;
		q->ok = true;
	}
}

static unsigned long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t n = strlen(key);
	unsigned long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Collects what the kernel logged since the last call (cramfs pr_debug). */
static void kmsg_drain(char *out, size_t cap)
{
	char rec[2048];
	size_t w = 0;

	if (out)
		out[0] = 0;
	if (kmsg_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(kmsg_fd, rec, sizeof(rec) - 1);
		char *msg;

		if (n < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten records */
			break;
		}
		if (n == 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg || !out)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		if (strncmp(msg, "cramfs: ", 8) == 0)
			msg += 8;
		w += (size_t)snprintf(out + w, w < cap ? cap - w : 0, "%s%s", w ? " | " : "", msg);
		if (w >= cap)
			break;
	}
}

/*
 * Counts the pages of [start, end) in process pid (0: self) whose PFN lies
 * inside the flash window; -1 when pagemap cannot be read.
 */
static long count_direct(pid_t pid, unsigned long start, unsigned long end, unsigned char *direct)
{
	char name[64];
	size_t pages = (end - start) / (unsigned long)page_size, i;
	uint64_t *ent;
	long n = 0;
	int fd;

	if (pid)
		snprintf(name, sizeof(name), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(name, sizeof(name), "/proc/self/pagemap");
	fd = open(name, O_RDONLY);
	if (fd < 0)
		return -1;
	ent = calloc(pages ? pages : 1, sizeof(uint64_t));
	if (pread(fd, ent, pages * 8, (off_t)(start / (unsigned long)page_size) * 8) != (ssize_t)(pages * 8)) {
		free(ent);
		close(fd);
		return -1;
	}
	for (i = 0; i < pages; i++) {
		uint64_t pfn = ent[i] & ((1ull << 55) - 1);
		uint64_t phys = pfn * (uint64_t)page_size;
		bool d = (ent[i] >> 63) && pfn && flash_size && phys >= flash_base && phys < flash_base + flash_size;

		if (direct)
			direct[i] = d;
		n += d;
	}
	free(ent);
	close(fd);
	return n;
}

/* ---- the cramfs_mmap trace event ---- */

struct mmap_event {
	unsigned long ino, pgoff, pages, direct;
	char map[32];           /* how: pfn-range, mixed, none ("" before the page-granular patch) */
	char reason[128];
};

/*
 * Reads the events the kernel logged since the last call from trace_pipe
 * (non-blocking) and keeps the last cramfs_mmap event for inode ino at
 * page offset pgoff.  Returns how many such events there were.
 */
static int trace_drain(unsigned long ino, unsigned long pgoff, struct mmap_event *ev)
{
	static char buf[65536];
	static size_t have;
	int found = 0;

	if (trace_fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(trace_fd, buf + have, sizeof(buf) - 1 - have);
		char *line, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			const char *p = strstr(line, "cramfs_mmap: ");
			struct mmap_event e;
			unsigned dmaj, dmin;
			int pos = 0;

			*nl = 0;
			memset(&e, 0, sizeof(e));
			if (p && (sscanf(p, "cramfs_mmap: dev %u,%u ino %lu pgoff %lu pages %lu direct %lu map %31s reason %n",
					 &dmaj, &dmin, &e.ino, &e.pgoff, &e.pages, &e.direct, e.map, &pos) == 7 ||
				  sscanf(p, "cramfs_mmap: dev %u,%u ino %lu pgoff %lu pages %lu direct %lu reason %n",
					 &dmaj, &dmin, &e.ino, &e.pgoff, &e.pages, &e.direct, &pos) == 6) && pos > 0) {
				snprintf(e.reason, sizeof(e.reason), "%s", p + pos);
				if (e.ino == ino && e.pgoff == pgoff) {
					found++;
					if (ev)
						*ev = e;
				}
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than the buffer: drop it */
	}
	return found;
}

/*
 * Maps len bytes of fd from page pgoff with prot, unmaps, and appends
 * " NAME=DIRECT/PAGES:REASON" (or NAME=none / NAME=mmap-error) to out.
 */
static void trace_probe(const char *name, int fd, unsigned long ino, size_t len, int prot,
			unsigned long pgoff, char *out, size_t cap)
{
	struct mmap_event ev;
	void *m;
	int n;

	trace_drain(0, 0, NULL);
	m = mmap(NULL, len, prot, MAP_PRIVATE, fd, (off_t)(pgoff * (unsigned long)page_size));
	if (m == MAP_FAILED) {
		snprintf(out + strlen(out), cap - strlen(out), " %s=mmap-error", name);
		return;
	}
	n = trace_drain(ino, pgoff, &ev);
	munmap(m, len);
	if (n == 1)
		snprintf(out + strlen(out), cap - strlen(out), " %s=%lu/%lu:%s", name, ev.direct, ev.pages,
			 esc(ev.reason));
	else
		snprintf(out + strlen(out), cap - strlen(out), " %s=%s", name, n ? "many" : "none");
}

/* ---- regular files ---- */

static void print_ranges(char *out, size_t cap, const unsigned char *direct, size_t pages)
{
	size_t i = 0, w = 0;

	out[0] = 0;
	while (i < pages) {
		size_t j;

		if (!direct[i]) {
			i++;
			continue;
		}
		for (j = i; j + 1 < pages && direct[j + 1]; j++)
			;
		if (j == i)
			w += (size_t)snprintf(out + w, w < cap ? cap - w : 0, "%s%zu", w ? "," : "", i);
		else
			w += (size_t)snprintf(out + w, w < cap ? cap - w : 0, "%s%zu-%zu", w ? "," : "", i, j);
		i = j + 1;
	}
	if (!w)
		snprintf(out, cap, "-");
}

/*
 * What else a mapping of the file does, appended to out as
 * " procmem=R refault=RANGES cow=R fork=R mlock=R":
 *   procmem  reading map back through /proc/self/mem: ok, or the errno;
 *   refault  the pages of map in flash after MADV_DONTNEED and a touch of
 *            each page in order (fault and fault-around, with every page of
 *            the file in the page cache by now), or the errno of madvise;
 *   cow      a second private mapping, made writable with mprotect and
 *            written in every page: ok when it reads its own writes and the
 *            file (read(), want_read, and the first mapping, want) is
 *            unchanged;
 *   fork     fork() of the process holding those private copies: ok, or
 *            the errno, or "child" when the child saw other bytes;
 *   mlock    mlock() of a third mapping: "lo" when its vma is locked after
 *            it, "unlocked" when mlock returned 0 without locking it, or
 *            the errno.
 */
static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "error";
}

static void probe_behaviours(int fd, unsigned char *map, size_t size, size_t pages, uint64_t want,
			     uint64_t want_read, char *out, size_t cap)
{
	size_t len = pages * (size_t)page_size, i, w = strlen(out);
	unsigned char *direct = calloc(pages, 1), *m2, *m3, *buf;
	char ranges[1024];
	volatile unsigned char sink = 0;
	const char *cow = "ok", *forked = "-", *lock;
	ssize_t n;
	int mem;

#define APPEND(...) (w += (size_t)snprintf(out + w, w < cap ? cap - w : 0, __VA_ARGS__))
	buf = xrealloc(NULL, size);
	mem = open("/proc/self/mem", O_RDONLY);
	n = mem < 0 ? -1 : pread(mem, buf, size, (off_t)(uintptr_t)map);
	if (n < 0)
		APPEND(" procmem=%s", errname(errno));
	else
		APPEND(" procmem=%s", (size_t)n == size && !memcmp(buf, map, size) &&
			fnv1a64(FNV_INIT, buf, size) == want ? "ok" : "BAD");
	if (mem >= 0)
		close(mem);

	if (madvise(map, len, MADV_DONTNEED) != 0) {
		APPEND(" refault=%s", errname(errno));
	} else {
		for (i = 0; i < pages; i++)
			sink ^= map[i * (size_t)page_size];
		if (count_direct(0, (unsigned long)map, (unsigned long)map + len, direct) < 0)
			snprintf(ranges, sizeof(ranges), "pagemap-error");
		else
			print_ranges(ranges, sizeof(ranges), direct, pages);
		APPEND(" refault=%s", ranges);
	}
	(void)sink;

	m2 = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m2 == MAP_FAILED || mprotect(m2, size, PROT_READ | PROT_WRITE) != 0) {
		cow = errname(errno);
	} else {
		for (i = 0; i < pages; i++)
			m2[i * (size_t)page_size] ^= 0xff;
		for (i = 0; i < pages; i++)
			if (m2[i * (size_t)page_size] != (unsigned char)(map[i * (size_t)page_size] ^ 0xff))
				cow = "BAD";
		pid_t pid = fork();
		if (pid == 0)
			_exit(m2[0] == (unsigned char)(map[0] ^ 0xff) ? 0 : 1);
		if (pid < 0) {
			forked = errname(errno);
		} else {
			int st = 0;

			waitpid(pid, &st, 0);
			forked = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "child";
		}
		munmap(m2, size);
	}
	if (pread(fd, buf, size, 0) != (ssize_t)size || fnv1a64(FNV_INIT, buf, size) != want_read ||
	    fnv1a64(FNV_INIT, map, size) != want)
		cow = "BAD";
	APPEND(" cow=%s fork=%s", cow, forked);
	free(buf);

	m3 = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m3 == MAP_FAILED) {
		lock = errname(errno);
	} else if (mlock(m3, size) != 0) {
		lock = errname(errno);
		munmap(m3, size);
	} else {
		struct vma_find q = { .addr = (unsigned long)m3 };

		for_each_vma(0, find_vma_cb, &q);
		lock = q.ok && has_flag(q.found.flags, "lo") ? "lo" : "unlocked";
		munlock(m3, size);
		munmap(m3, size);
	}
	APPEND(" mlock=%s", lock);
#undef APPEND
	free(direct);
}

static void check_file(struct entry *e)
{
	char full[4096], why[2048] = "", ranges[1024], vmflags[256], tracebuf[2048] = "";
	unsigned char *buf, *map, *direct = NULL;
	size_t size = (size_t)e->size, pages, i, ndirect = 0;
	const char *readres = "ok", *mapres = "-", *tail = "-", *kind = "-", *known = NULL;
	unsigned long rss_kb = 0, vm_kb = 0, pgoff = 0;
	bool bad = false;
	ssize_t n;
	uint64_t h;
	int fd;

	snprintf(full, sizeof(full), "%s%s", root, e->path);
	fd = open(full, O_RDONLY);
	if (fd < 0) {
		fail("file %s read=BAD open=%s", esc(e->path), strerror(errno));
		return;
	}

	/* read() in odd-sized chunks so short reads and page edges are exercised */
	buf = xrealloc(NULL, 65536 + 1);
	h = FNV_INIT;
	{
		unsigned long long total = 0;

		while ((n = read(fd, buf, 65536 - 13)) > 0) {
			h = fnv1a64(h, buf, (size_t)n);
			total += (unsigned long long)n;
		}
		if (n < 0 || total != e->size || (e->has_hash && h != e->hash)) {
			readres = "BAD";
			if (e->known_read && n == 0 && total == e->size && h == e->known_read_hash)
				known = "last-page-zeros";	/* the expected failure */
			else
				bad = true;
		} else if (e->known_read) {
			/* a kernel expected to read the last page as zeros did not */
			known = "last-page-bug-absent";
			bad = true;
		}
	}
	free(buf);

	pages = (size + (size_t)page_size - 1) / (size_t)page_size;
	ranges[0] = 0;
	vmflags[0] = 0;
	if (size > 0) {
		struct stat st;
		struct mmap_event ev;
		int nev;

		kmsg_drain(NULL, 0);
		trace_drain(0, 0, NULL);
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		kmsg_drain(why, sizeof(why));
		if (trace_fd >= 0 && fstat(fd, &st) == 0) {
			unsigned long ino = (unsigned long)st.st_ino;

			nev = trace_drain(ino, 0, &ev);
			if (nev == 1)
				snprintf(tracebuf, sizeof(tracebuf), " trace=%lu/%lu tmap=%s treason=%s",
					 ev.direct, ev.pages, ev.map[0] ? ev.map : "-", esc(ev.reason));
			else
				snprintf(tracebuf, sizeof(tracebuf), " trace=%s events=%d",
					 nev ? "many" : "none", nev);
			if (map != MAP_FAILED) {
				trace_probe("twrite", fd, ino, size, PROT_READ | PROT_WRITE, 0,
					    tracebuf, sizeof(tracebuf));
				trace_probe("tlong", fd, ino, (pages + 1) * (size_t)page_size, PROT_READ, 0,
					    tracebuf, sizeof(tracebuf));
				trace_probe("tpast", fd, ino, (size_t)page_size, PROT_READ, pages,
					    tracebuf, sizeof(tracebuf));
			}
		}
		if (map == MAP_FAILED) {
			mapres = "BAD";
			bad = true;
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " mmap: %s", strerror(errno));
		} else {
			volatile unsigned char sink = 0;
			struct vma_find q = { .addr = (unsigned long)map };
			size_t tail_len = pages * (size_t)page_size - size;

			for (i = 0; i < pages; i++)
				sink ^= map[i * (size_t)page_size];
			(void)sink;
			h = fnv1a64(FNV_INIT, map, size);
			mapres = (e->has_hash && h != e->hash) ? "BAD" : "ok";
			if (*mapres == 'B')
				bad = true;
			/* the bytes after EOF in the last page must read as zeros */
			tail = "ok";
			for (i = 0; i < tail_len; i++)
				if (map[size + i]) {
					tail = "BAD";
					bad = true;
					break;
				}

			direct = calloc(pages, 1);
			for_each_vma(0, find_vma_cb, &q);
			if (!q.ok) {
				kind = "unknown";
				bad = true;
			} else {
				rss_kb = q.found.rss_kb;
				vm_kb = q.found.size_kb;
				pgoff = q.found.pgoff;
				snprintf(vmflags, sizeof(vmflags), "%s", q.found.flags);
				for (char *p = vmflags; *p; p++)
					if (*p == ' ')
						*p = ',';
				if (q.found.pf) {
					/* remap_pfn_range: pagemap does not walk these */
					kind = "all";
					memset(direct, 1, pages);
					ndirect = pages;
				} else {
					kind = q.found.mm ? "partial" : "none";
				}
			}
			/* a page is direct when its PFN lies inside the flash window */
			if (q.ok && !q.found.pf) {
				long nd = count_direct(0, (unsigned long)map,
						       (unsigned long)map + pages * (size_t)page_size, direct);

				if (nd < 0)
					kind = q.found.mm ? "partial?" : kind;
				else
					ndirect = (size_t)nd;
			}
			/* every page from flash, whether remap_pfn_range or a mixed map did it */
			if (q.ok && q.found.mm && ndirect == pages)
				kind = "all";
			print_ranges(ranges, sizeof(ranges), direct, pages);
			if (e->has_hash)
				probe_behaviours(fd, map, size, pages, e->hash,
						 e->known_read ? e->known_read_hash : e->hash, tracebuf, sizeof(tracebuf));
			munmap(map, size);
		}
	} else {
		kind = "empty";
		snprintf(ranges, sizeof(ranges), "-");
	}
	close(fd);

	{
		char line[8192];

		snprintf(line, sizeof(line),
			 "file %s size=%zu pages=%zu read=%s mmap=%s tail=%s map=%s direct=%zu/%zu directpages=%s rss=%lu vmsize=%lu vmflags=%s pgoff=0x%lx%s%s%s",
			 esc(e->path), size, pages, readres, mapres, tail, kind, ndirect, pages,
			 ranges[0] ? ranges : "-", rss_kb, vm_kb, vmflags[0] ? vmflags : "-", pgoff,
			 known ? " known=" : "", known ? known : "", tracebuf);
		if (why[0])
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " why=%s", why);
		if (bad)
			fail("%s", line);
		else {
			say("%s", line);
			pass_count++;
		}
	}
	free(direct);
}

/* ---- programs ---- */

struct run_ctx {
	const char *prefix;
	pid_t pid;
	unsigned id;
	unsigned maps;
	unsigned long rss_kb, direct_kb, size_kb;
};

static void run_vma_cb(struct vma_info *v, void *arg)
{
	struct run_ctx *c = arg;
	size_t n = strlen(c->prefix);
	const char *kind;

	/* below the root: with the image as the root filesystem, every file */
	while (n && c->prefix[n - 1] == '/')
		n--;
	if (strncmp(v->path, c->prefix, n) != 0 || (v->path[n] != '/' && v->path[n] != 0))
		return;
	unsigned long pages = (v->end - v->start) / (unsigned long)page_size;
	long ndirect;

	kind = v->pf ? "pf" : v->mm ? "mm" : "page";
	/* pf vmas are not walked by pagemap: all of a pf vma is in flash */
	ndirect = v->pf ? (long)pages : count_direct(c->pid, v->start, v->end, NULL);
	c->maps++;
	c->rss_kb += v->rss_kb;
	c->size_kb += (v->end - v->start) / 1024;
	if (ndirect > 0)
		c->direct_kb += (unsigned long)ndirect * (unsigned long)page_size / 1024;
	say("run-map %u %s perms=%s pgoff=0x%lx kind=%s direct=%ld/%lu size=%lu rss=%lu vmflags=%s", c->id,
	    esc(v->path), v->perms, v->pgoff, kind, ndirect, pages, v->size_kb, v->rss_kb, esc(v->flags));
}

static void print_output(unsigned id, const char *file)
{
	char buf[512];
	FILE *f = fopen(file, "r");
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	say("run-out %u %s", id, esc(buf));
}

static void do_run(unsigned id, struct run *r)
{
	char outfile[64], cmd[1024] = "";
	struct run_ctx ctx = { .prefix = root, .id = id };
	int status, exit_code = -1, nmaps = -1;
	bool ok;
	pid_t pid;
	size_t w = 0;

	for (char **a = r->argv; *a; a++)
		w += (size_t)snprintf(cmd + w, w < sizeof(cmd) ? sizeof(cmd) - w : 0, "%s%s", w ? "," : "", esc(*a));
	snprintf(outfile, sizeof(outfile), "/tmp/xipcheck-run-%u.out", id);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fail("run %u BAD fork=%s", id, strerror(errno));
		return;
	}
	if (pid == 0) {
		int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (r->root && (chroot(r->root) < 0 || chdir("/") < 0))
			_exit(126);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(r->argv[0], r->argv);
		_exit(127);
	}
	/* the first stop is the SIGTRAP after a successful exec */
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
		if (WIFEXITED(status))
			exit_code = WEXITSTATUS(status);
		goto done;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	for (;;) {
		if (waitpid(pid, &status, 0) < 0)
			break;
		if (WIFEXITED(status)) {
			exit_code = WEXITSTATUS(status);
			break;
		}
		if (WIFSIGNALED(status)) {
			exit_code = 128 + WTERMSIG(status);
			break;
		}
		if (WIFSTOPPED(status)) {
			int sig = WSTOPSIG(status);

			if (sig == SIGTRAP && (status >> 16) == PTRACE_EVENT_EXIT) {
				/* stopped in exit with its mappings intact */
				ctx.pid = pid;
				nmaps = for_each_vma(pid, run_vma_cb, &ctx);
				sig = 0;
			} else if (sig == SIGTRAP) {
				sig = 0;
			}
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
		}
	}
done:
	print_output(id, outfile);
	ok = exit_code == r->expect_exit && nmaps >= 0;
	if (ok) {
		say("run %u ok exit=%d expect=%d maps=%u size=%lu rss=%lu direct=%lu cmd=%s", id, exit_code,
		    r->expect_exit, ctx.maps, ctx.size_kb, ctx.rss_kb, ctx.direct_kb, cmd);
		pass_count++;
	} else {
		fail("run %u BAD exit=%d expect=%d maps=%u size=%lu rss=%lu direct=%lu cmd=%s%s", id, exit_code,
		     r->expect_exit, ctx.maps, ctx.size_kb, ctx.rss_kb, ctx.direct_kb, cmd,
		     nmaps < 0 ? " (never reached exit)" : "");
	}
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3\n", 2) < 0)
			say("note drop_caches: %s", strerror(errno));
		close(fd);
	}
}

static void run_programs(void)
{
	unsigned long before, after;
	size_t i;

	if (!n_runs)
		return;
	drop_caches();
	before = meminfo_kb("Cached");
	say("mem phase=before-runs cached=%lu memfree=%lu", before, meminfo_kb("MemFree"));
	for (i = 0; i < n_runs; i++)
		do_run((unsigned)i, &runs[i]);
	after = meminfo_kb("Cached");
	say("mem phase=after-runs cached=%lu memfree=%lu delta=%ld", after, meminfo_kb("MemFree"),
	    (long)after - (long)before);
}

/* ---- helpers for cramfs-xip's checks ---- */

struct direct_sum {
	char path[4096];
	unsigned long flash, ram;
};

struct direct_ctx {
	pid_t pid;
	struct direct_sum sums[64];
	unsigned n;
};

static void direct_vma_cb(struct vma_info *v, void *arg)
{
	struct direct_ctx *c = arg;
	size_t n = strlen(root);
	unsigned long pages = (v->end - v->start) / (unsigned long)page_size;
	unsigned char *direct;
	unsigned i;

	if (strncmp(v->path, root, n) != 0 || v->path[n] != '/')
		return;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->sums[i].path, v->path))
			break;
	if (i == c->n) {
		if (c->n == 64)
			return;
		snprintf(c->sums[c->n++].path, sizeof(c->sums[0].path), "%s", v->path);
	}
	if (v->pf) {
		/* remap_pfn_range: all of it in flash, and pagemap walks none of it */
		c->sums[i].flash += pages;
		return;
	}
	direct = calloc(pages ? pages : 1, 1);
	if (count_direct(c->pid, v->start, v->end, direct) < 0) {
		say("error direct: cannot read the pagemap of %d", (int)c->pid);
		fail_count++;
	} else {
		/* the entries again, for the present pages that are not in flash */
		char name[64];
		uint64_t *ent = calloc(pages ? pages : 1, sizeof(uint64_t));
		int fd;

		snprintf(name, sizeof(name), "/proc/%d/pagemap", (int)c->pid);
		fd = open(name, O_RDONLY);
		if (fd >= 0 && pread(fd, ent, pages * 8, (off_t)(v->start / (unsigned long)page_size) * 8) ==
				       (ssize_t)(pages * 8)) {
			for (unsigned long k = 0; k < pages; k++) {
				c->sums[i].flash += direct[k];
				c->sums[i].ram += (ent[k] >> 63) && !direct[k];
			}
		} else {
			say("error direct: cannot read the pagemap of %d", (int)c->pid);
			fail_count++;
		}
		if (fd >= 0)
			close(fd);
		free(ent);
	}
	free(direct);
}

static int direct_pages(pid_t pid)
{
	struct direct_ctx *c = calloc(1, sizeof(*c));

	c->pid = pid;
	if (for_each_vma(pid, direct_vma_cb, c) < 0) {
		say("error direct: cannot read the smaps of %d", (int)pid);
		return 1;
	}
	for (unsigned i = 0; i < c->n; i++)
		say("direct pid=%d path=%s flash=%lu ram=%lu", (int)pid, esc(c->sums[i].path), c->sums[i].flash,
		    c->sums[i].ram);
	free(c);
	return fail_count ? 1 : 0;
}

static int hold(const char *file)
{
	struct stat st;
	volatile const char *p;
	unsigned long sum = 0;
	int fd = open(file, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0 || !st.st_size) {
		say("error hold %s: %s", esc(file), strerror(errno));
		return 1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		say("error hold %s: mmap: %s", esc(file), strerror(errno));
		return 1;
	}
	for (off_t o = 0; o < st.st_size; o += page_size)
		sum += (unsigned char)p[o];
	say("hold pid=%d path=%s pages=%lu sum=%lu ready", (int)getpid(), esc(file),
	    (unsigned long)((st.st_size + page_size - 1) / page_size), sum);
	fflush(stdout);
	for (;;)
		pause();
}

static void usage(void)
{
	fprintf(stderr, "usage: xipcheck [--root DIR] [--flash BASE,SIZE] [--kmsg] [--trace DIR] MANIFEST\n"
			"       xipcheck [--uid N] --exec PROG ARGS... | --hold FILE\n"
			"       xipcheck --root DIR --flash BASE,SIZE --direct PID\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *manifest = NULL, *tracedir = NULL, *hold_file = NULL;
	pid_t direct_pid = 0;
	int i;

	page_size = sysconf(_SC_PAGESIZE);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--uid") == 0 && i + 1 < argc) {
			unsigned id = (unsigned)strtoul(argv[++i], NULL, 10);

			/* dumpable again (setuid cleared it), or the user could not read our /proc files */
			if (setgroups(0, NULL) < 0 || setgid(id) < 0 || setuid(id) < 0 ||
			    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
				say("error --uid %u: %s", id, strerror(errno));
				return 1;
			}
		} else if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc) {
			execv(argv[i + 1], argv + i + 1);
			say("error exec %s: %s", esc(argv[i + 1]), strerror(errno));
			return 127;
		} else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
			hold_file = argv[++i];
		else if (strcmp(argv[i], "--direct") == 0 && i + 1 < argc)
			direct_pid = (pid_t)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--flash") == 0 && i + 1 < argc) {
			char *comma;

			flash_base = strtoull(argv[++i], &comma, 0);
			if (*comma == ',')
				flash_size = strtoull(comma + 1, NULL, 0);
		} else if (strcmp(argv[i], "--kmsg") == 0)
			want_kmsg = true;
		else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
			tracedir = argv[++i];
		else if (argv[i][0] == '-')
			usage();
		else
			manifest = argv[i];
	}
	if (hold_file)
		return hold(hold_file);
	if (direct_pid)
		return direct_pages(direct_pid);
	if (!manifest)
		usage();
	say("start pagesize=%ld root=%s flash=0x%" PRIx64 ",0x%" PRIx64, page_size, root, flash_base, flash_size);
	if (load_manifest(manifest) < 0) {
		say("done pass=0 fail=1");
		return 1;
	}
	qsort(entries, n_entries, sizeof(*entries), cmp_entry);
	for (size_t k = 0; k < n_knownbugs; k++) {
		struct entry *e = find_entry(knownbugs[k].path);

		if (!e) {
			say("error knownbug for %s, which is not in the manifest", esc(knownbugs[k].path));
			fail_count++;
		} else if (knownbugs[k].kind == 'm') {
			e->known_missing = true;
		} else {
			e->known_read = true;
			e->known_read_hash = knownbugs[k].hash;
		}
	}
	if (tracedir) {
		char name[4096];

		snprintf(name, sizeof(name), "%s/trace_pipe", tracedir);
		trace_fd = open(name, O_RDONLY | O_NONBLOCK);
		if (trace_fd < 0) {
			say("error cannot open %s: %s", name, strerror(errno));
			fail_count++;
		} else {
			say("trace %s cramfs_mmap", tracedir);
		}
	}
	if (want_kmsg) {
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
		if (kmsg_fd >= 0)
			lseek(kmsg_fd, 0, SEEK_END);
	}

	/* programs first, while the page cache holds nothing from the image */
	run_programs();
	check_tree();
	for (size_t k = 0; k < n_entries; k++)
		if (entries[k].type == 'f' && entries[k].seen)
			check_file(&entries[k]);
	say("mem phase=after-files cached=%lu memfree=%lu", meminfo_kb("Cached"), meminfo_kb("MemFree"));
	say("done pass=%u fail=%u", pass_count, fail_count);
	return fail_count ? 1 : 0;
}
