// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cramfs-xip: run on the board, shows what execute in place does right now.
 * "profile" writes which pages of the files of a cramfs mount a workload
 * used (for mkcramfs --xip-profile); "status" counts, per process and
 * file, the pages mapped straight from flash and those from the page cache.
 * Only libc: it links static for the board.
 *
 * Exit status: 0 done, 4 problems found (a profile refused, sizes that
 * disagree, a mount point that is not cramfs, a PID that is no process),
 * 8 operational error (something could not be read or written), 16 usage
 * error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xipprofile.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define EXIT_CLEAN 0
#define EXIT_PROBLEMS 4
#define EXIT_ERROR 8
#define EXIT_USAGE 16

/* /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_PFN_MASK ((1ULL << 55) - 1)

/* include/uapi/linux/major.h: the device number of every MTD-backed superblock */
#define MTD_BLOCK_MAJOR 31

static const char *prog = "cramfs-xip";
static uint64_t page_size;
static int status = EXIT_CLEAN;

static void worse(int s)
{
	if (s > status)
		status = s;
}

/* A line of this program's own, with control characters written \xNN: it may hold a path. */
static void vsay(FILE *f, const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0) {
		fprintf(f, "%s: out of memory\n", prog);
		return;
	}
	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", *s);
		else
			putc(*s, f);
	}
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

/* getopt_long returned c, '?' or ':' for the option just read: name it as it was written. */
static void __attribute__((noreturn)) bad_option(int c, char **argv, const char *optstring,
						 const struct option *longopts)
{
	char msg[512];

	cr_option_error(msg, sizeof(msg), c, argv, optstring, longopts);
	usage_error("%s", msg);
}

static void __attribute__((noreturn)) help(void)
{
	printf("Usage: %s profile [-o FILE] MOUNTPOINT...\n"
	       "       %s profile --merge [-o FILE] PROFILE...\n"
	       "       %s status [--json] [PID...]\n"
	       "\n"
	       "Show what execute in place does on a running system, from /proc.\n"
	       "\n"
	       "  profile   after a workload ran from cramfs mounts: the pages of every file it used\n"
	       "            (page cache and pages mapped from flash), for mkcramfs --xip-profile\n"
	       "  status    per process and cramfs file mapped: pages from flash, from the page cache,\n"
	       "            and the RAM execute in place saves now\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output=FILE        profile: write the profile to FILE (default: standard output)\n"
	       "  -m, --merge              profile: the union of the profiles given, instead of mounts\n"
	       "  -j, --json               status: print a JSON document\n"
	       "      --any-fs             profile: take mount points of any file system type (to test\n"
	       "                           the collection of page cache pages where cramfs is not at hand)\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "\n"
	       "Exit status: 0 done, 4 problems found, 8 operational error, 16 usage error.\n",
	       prog, prog, prog);
	exit(EXIT_CLEAN);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_ERROR);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_ERROR);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_ERROR);
	}
	return d;
}

/* Grows *p to hold n + 1 elements of size elem. */
static void *grow(void *p, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(p, *cap * elem);
}

/* ---- cramfs mounts and their files ---- */

struct mfile {
	char *path;                 /* below the mount point, from "/" (in the image, but for bind mounts) */
	uint64_t size, pages;
	uint64_t ino;
	struct mount *mnt;
	unsigned char *used;        /* profile: one byte a page */
	unsigned char *flash_seen;  /* status: pages mapped from flash by some process */
	unsigned char *cache_seen;  /* status: page cache pages mapped by some process */
	uint64_t *phys;             /* pages mapped directly alone: their physical address, 0 when not */
	bool probed, probe_failed;
};

struct mount {
	char *point, *source;
	char *root;                 /* the directory of the image mounted there: "/" but for bind mounts */
	unsigned major, minor;
	struct mfile *files;        /* sorted by inode */
	size_t n_files, cap_files;
};

static struct mount *mounts;
static size_t n_mounts, cap_mounts;

/* mountinfo writes space, tab, newline and backslash as \ooo */
static void unoctal(char *s)
{
	char *w = s;

	for (char *r = s; *r; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = 0;
}

/*
 * The mounts of /proc/self/mountinfo of type cramfs, or when POINT is not
 * NULL the last mount (the one on top) at POINT whatever its type: its
 * type in *fstype.  0, or -errno when mountinfo cannot be read.
 */
static int read_mountinfo(const char *point, char **fstype, struct mount *found)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char *line = NULL;
	size_t cap = 0;
	int e;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *fld[16], *sep, *save = NULL;
		int n = 0;
		unsigned maj, min;

		line[strcspn(line, "\n")] = 0;
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = 0;
		for (char *t = strtok_r(line, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
			fld[n++] = t;
		for (char *t = strtok_r(sep + 3, " ", &save); t && n < 9; t = strtok_r(NULL, " ", &save))
			fld[n++] = t;
		/* 0 id, 1 parent, 2 major:minor, 3 root, 4 mount point, 5 options; 6 type, 7 source */
		if (n < 8 || sscanf(fld[2], "%u:%u", &maj, &min) != 2)
			continue;
		unoctal(fld[4]);
		unoctal(fld[7]);
		unoctal(fld[3]);
		if (point) {
			if (strcmp(fld[4], point))
				continue;
			free(*fstype);
			free(found->point);
			free(found->source);
			free(found->root);
			*fstype = xstrdup(fld[6]);
		} else {
			struct mount *same = NULL;

			if (strcmp(fld[6], "cramfs"))
				continue;
			/* one image mounted in several places: once, by the mount of its root if there is one */
			for (size_t i = 0; i < n_mounts; i++)
				if (mounts[i].major == maj && mounts[i].minor == min)
					same = &mounts[i];
			if (same && (!strcmp(same->root, "/") || strcmp(fld[3], "/")))
				continue;
			if (same) {
				found = same;
				free(found->point);
				free(found->source);
				free(found->root);
			} else {
				mounts = grow(mounts, n_mounts, &cap_mounts, sizeof(*mounts));
				found = &mounts[n_mounts++];
			}
		}
		memset(found, 0, sizeof(*found));
		found->point = xstrdup(fld[4]);
		found->source = xstrdup(fld[7]);
		found->root = xstrdup(fld[3]);
		found->major = maj;
		found->minor = min;
	}
	e = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
	return e;
}

static int cmp_mfile_ino(const void *a, const void *b)
{
	const struct mfile *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * Adds the regular files below directory fd (its path in the image: rel)
 * to m, staying on device dev.  0, or -1 after saying what could not be read.
 */
static bool tolerate_eacces;   /* status: a directory the user cannot read is a warning */

static int scan_dir(struct mount *m, int fd, const char *rel, dev_t dev)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		say(stderr, "%s: %s%s: %s", prog, m->point, rel, strerror(errno));
		close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d))) {
		struct stat st;
		char *path;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&path, "%s/%s", rel, de->d_name) < 0) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(EXIT_ERROR);
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			say(stderr, "%s: %s%s: %s", prog, m->point, path, strerror(errno));
			ret = -1;
		} else if (st.st_dev != dev) {
			/* another file system mounted below: not part of this image */
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0 && errno == EACCES && tolerate_eacces) {
				say(stderr, "%s: warning: %s%s: %s: the files below it are not counted", prog,
				    m->point, path, strerror(errno));
			} else if (sub < 0) {
				say(stderr, "%s: %s%s: %s", prog, m->point, path, strerror(errno));
				ret = -1;
			} else if (scan_dir(m, sub, path, dev)) {
				ret = -1;
			}
		} else if (S_ISREG(st.st_mode)) {
			struct mfile *f;

			m->files = grow(m->files, m->n_files, &m->cap_files, sizeof(*m->files));
			f = &m->files[m->n_files++];
			memset(f, 0, sizeof(*f));
			f->path = path;
			path = NULL;
			f->size = (uint64_t)st.st_size;
			f->pages = f->size / page_size + (f->size % page_size != 0);
			f->ino = (uint64_t)st.st_ino;
		}
		free(path);
		errno = 0;
	}
	if (errno) {
		say(stderr, "%s: %s%s: %s", prog, m->point, rel, strerror(errno));
		ret = -1;
	}
	closedir(d);
	return ret;
}

/* Lists the files of a mount; 0, or -1 after saying what could not be read. */
static int scan_mount(struct mount *m)
{
	struct stat st;
	int fd = open(m->point, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0 || fstat(fd, &st)) {
		say(stderr, "%s: %s: %s", prog, m->point, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (major(st.st_dev) != m->major || minor(st.st_dev) != m->minor) {
		say(stderr, "%s: warning: %s: another file system is mounted over this cramfs (%u:%u): its files "
		    "are not counted", prog, m->point, m->major, m->minor);
		close(fd);
		return 0;
	}
	ret = scan_dir(m, fd, "", st.st_dev);
	qsort(m->files, m->n_files, sizeof(*m->files), cmp_mfile_ino);
	for (size_t i = 0; i < m->n_files; i++)
		m->files[i].mnt = m;
	return ret;
}

/* The files of mount m with inode ino: *count of them from the returned one, or NULL. */
static struct mfile *find_ino(struct mount *m, uint64_t ino, size_t *count)
{
	size_t lo = 0, hi = m->n_files;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->files[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->n_files || m->files[lo].ino != ino)
		return NULL;
	*count = 0;
	while (lo + *count < m->n_files && m->files[lo + *count].ino == ino)
		(*count)++;
	return &m->files[lo];
}

static struct mount *find_dev(unsigned maj, unsigned min)
{
	for (size_t i = 0; i < n_mounts; i++)
		if (mounts[i].major == maj && mounts[i].minor == min)
			return &mounts[i];
	return NULL;
}

static int open_in_mount(const struct mfile *f)
{
	char *full;
	int fd;

	if (asprintf(&full, "%s%s", strcmp(f->mnt->point, "/") ? f->mnt->point : "", f->path) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_ERROR);
	}
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		say(stderr, "%s: %s: %s", prog, full, strerror(errno));
	free(full);
	return fd;
}

/* ---- what the kernel shows ---- */

/* CAP_SYS_ADMIN in the effective set: pagemap shows PFNs, /proc/iomem real addresses. */
static bool have_sys_admin(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	bool yes = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			unsigned long long caps = strtoull(line + 7, NULL, 16);

			yes = caps >> 21 & 1;
		}
	fclose(f);
	return yes;
}

struct span {
	uint64_t start, end;   /* both included, as /proc/iomem */
};

static struct span *ram;
static size_t n_ram, cap_ram;

/* The "System RAM" ranges of /proc/iomem; false when there are none with real addresses. */
static bool read_iomem(void)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		int pos = 0;

		/* top-level entries only: nested ones (kernel code, ...) lie inside */
		if (line[0] == ' ' || sscanf(line, "%llx-%llx : %n", &a, &b, &pos) != 2 || !pos)
			continue;
		if (strncmp(line + pos, "System RAM", 10) || (line[pos + 10] != '\n' && line[pos + 10]))
			continue;
		ram = grow(ram, n_ram, &cap_ram, sizeof(*ram));
		ram[n_ram].start = a;
		ram[n_ram++].end = b;
	}
	fclose(f);
	for (size_t i = 0; i < n_ram; i++)
		if (ram[i].end)
			return true;
	return false;   /* without CAP_SYS_ADMIN every address reads 0 */
}

static bool in_ram(uint64_t pfn)
{
	uint64_t addr = pfn * page_size;

	for (size_t i = 0; i < n_ram; i++)
		if (addr >= ram[i].start && addr <= ram[i].end)
			return true;
	return false;
}

/*
 * How pages are told apart.  With PFNs (CAP_SYS_ADMIN and real /proc/iomem
 * addresses), a present page outside every System RAM range is flash: that
 * is the definition.  Without, pagemap reads PFN 0, and the rule falls back
 * on the flags: cramfs inserts flash pages as special PTEs, which have no
 * struct page and so no PM_FILE, and it does so only in the VM_MIXEDMAP
 * ("mm") vma of a mapping that is not writable.  A present page without
 * PM_FILE anywhere else is an anonymous copy (a private page written to,
 * such as relocated data made read-only after), which is not a page of the
 * image at all: counted apart.
 */
static bool pfns;

struct vma {
	uint64_t start, end, offset;
	unsigned maj, min;
	uint64_t ino;
	bool writable, pf, mm;
	char *path;
};

struct counts {
	uint64_t flash, cache, private_, unplaced;
};

/*
 * Reads /proc/PID/smaps (the lines of maps, and VmFlags for pf and mm):
 * the vmas backed by files of the cramfs mounts.  0; -ESRCH when the
 * process went away; -EACCES when it may not be read; other -errno after
 * saying so.
 */
static int read_vmas(const char *pid, struct vma **out, size_t *n_out)
{
	char name[64], *line = NULL;
	size_t cap = 0, n = 0, vcap = 0;
	struct vma *v = NULL;
	bool cur = false;   /* the last header line was a vma of ours */
	FILE *f;
	int e = 0;

	snprintf(name, sizeof(name), "/proc/%s/smaps", pid);
	f = fopen(name, "r");
	if (!f) {
		e = errno;
		goto out;
	}
	errno = 0;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long a, b, off, ino;
		unsigned maj, min;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &a, &b, perms, &off, &maj, &min, &ino,
			   &pos) == 7 && pos) {
			char *p = line + pos;

			cur = false;
			if (!ino || !find_dev(maj, min))
				continue;
			v = grow(v, n, &vcap, sizeof(*v));
			memset(&v[n], 0, sizeof(v[n]));
			v[n].start = a;
			v[n].end = b;
			v[n].offset = off;
			v[n].maj = maj;
			v[n].min = min;
			v[n].ino = ino;
			v[n].writable = perms[1] == 'w';
			while (*p == ' ')
				p++;
			p[strcspn(p, "\n")] = 0;
			v[n].path = xstrdup(p);
			n++;
			cur = true;
		} else if (cur && !strncmp(line, "VmFlags:", 8)) {
			for (char *t = strtok(line + 8, " \n"); t; t = strtok(NULL, " \n")) {
				v[n - 1].pf |= !strcmp(t, "pf");
				v[n - 1].mm |= !strcmp(t, "mm");
			}
		}
		errno = 0;
	}
	if (ferror(f))
		e = errno ? errno : EIO;
	fclose(f);
out:
	free(line);
	*out = v;
	*n_out = n;
	if (e == ENOENT || e == ESRCH)
		return -ESRCH;
	/* not allowed: the caller decides whether it matters */
	if (e == EACCES || e == EPERM)
		return -EACCES;
	if (e) {
		say(stderr, "%s: %s: %s", prog, name, strerror(e));
		return -e;
	}
	return 0;
}

static void free_vmas(struct vma *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/*
 * The physical address of each page of f that the kernel maps directly
 * when asked for that page alone (0 for the others), from a one-page
 * private read-only mapping of each: such a mapping is remap_pfn_range'd
 * whole ("pf"), and maps shows the physical address as its offset.  This
 * is how a pf vma of another process, whose offset is that address and no
 * longer the file offset, is placed in the file.  0, or -1.
 */
static int probe_phys(struct mfile *f)
{
	struct vma *v = NULL;
	size_t n = 0;
	char **addr;
	int fd, ret = -1;

	if (f->probed)
		return f->probe_failed ? -1 : 0;
	f->probed = true;
	f->probe_failed = true;
	f->phys = xmalloc(f->pages * sizeof(*f->phys));
	memset(f->phys, 0, f->pages * sizeof(*f->phys));
	fd = open_in_mount(f);
	if (fd < 0)
		return -1;
	addr = xmalloc(f->pages * sizeof(*addr));
	for (uint64_t k = 0; k < f->pages; k++) {
		addr[k] = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE, fd, (off_t)(k * page_size));
		if (addr[k] == MAP_FAILED) {
			say(stderr, "%s: %s%s: mmap of page %llu: %s", prog, f->mnt->point, f->path,
			    (unsigned long long)k, strerror(errno));
			for (uint64_t j = 0; j < k; j++)
				munmap(addr[j], page_size);
			goto out;
		}
	}
	if (read_vmas("self", &v, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			for (uint64_t k = 0; k < f->pages; k++)
				if (v[i].start == (uintptr_t)addr[k] && v[i].pf)
					f->phys[k] = v[i].offset;
		ret = 0;
		f->probe_failed = false;
	}
	for (uint64_t k = 0; k < f->pages; k++)
		munmap(addr[k], page_size);
out:
	free_vmas(v, n);
	free(addr);
	close(fd);
	return ret;
}

/*
 * The file page where a pf vma of `pages` pages at physical address phys
 * starts: the first page whose direct run holds the same addresses (a
 * file whose identical pages share one block has several; any holds the
 * same bytes).  -1 when none does.
 */
static int64_t place_pf(const struct mfile *f, uint64_t phys, uint64_t pages)
{
	for (uint64_t k = 0; k + pages <= f->pages; k++) {
		uint64_t i;

		for (i = 0; i < pages; i++)
			if (f->phys[k + i] != phys + i * page_size)
				break;
		if (i == pages)
			return (int64_t)k;
	}
	return -1;
}

/* Marks page k of f (and the files sharing its inode) as used, in the byte arrays chosen. */
enum mark { MARK_USED, MARK_FLASH, MARK_CACHE };

static void mark(struct mfile *f, size_t nf, uint64_t k, enum mark what)
{
	for (size_t i = 0; i < nf; i++) {
		unsigned char **arr = what == MARK_USED ? &f[i].used : what == MARK_FLASH ? &f[i].flash_seen
							     : &f[i].cache_seen;

		if (k >= f[i].pages)
			continue;
		if (!*arr) {
			*arr = xmalloc(f[i].pages);
			memset(*arr, 0, f[i].pages);
		}
		(*arr)[k] = 1;
	}
}

/*
 * The pages of one vma of process pid, counted into c and marked in the
 * files (what: MARK_USED for a profile, MARK_FLASH for status, whose page
 * cache pages get MARK_CACHE).  0; -ESRCH when the process went away;
 * -1 after saying what failed.
 */
static int scan_vma(const char *pid, int pagemap, const struct vma *v, struct mfile *f, size_t nf,
		    struct counts *c, bool profile)
{
	uint64_t pages = (v->end - v->start) / page_size, first = v->offset / page_size;
	uint64_t *ent;
	ssize_t got;

	if (v->pf) {
		/* remap_pfn_range: pagemap walks no page of it, all of it is flash */
		int64_t k = -1;

		if (probe_phys(f) == 0)
			k = place_pf(f, v->offset, pages);
		if (k < 0) {
			c->unplaced += pages;
			say(stderr, "%s: warning: process %s maps %llu pages of %s%s from flash at 0x%llx, "
			    "where no page of the file is now", prog, pid, (unsigned long long)pages,
			    f->mnt->point, f->path, (unsigned long long)v->offset);
			return 0;
		}
		c->flash += pages;
		for (uint64_t i = 0; i < pages; i++)
			mark(f, nf, (uint64_t)k + i, profile ? MARK_USED : MARK_FLASH);
		return 0;
	}
	ent = xmalloc(pages * sizeof(*ent));
	got = pread(pagemap, ent, pages * sizeof(*ent), (off_t)(v->start / page_size * sizeof(*ent)));
	if (got < 0) {
		int e = errno;

		free(ent);
		if (e == ESRCH || e == ENOENT)
			return -ESRCH;
		say(stderr, "%s: /proc/%s/pagemap: %s", prog, pid, strerror(e));
		return -1;
	}
	/* a short read: the process unmapped it meanwhile; what was read counts */
	pages = (uint64_t)got / sizeof(*ent);
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t e = ent[i], k = first + i;
		bool flash;

		if (!(e & PM_PRESENT) || k >= f->pages)
			continue;
		if (e & PM_FILE) {
			c->cache++;
			mark(f, nf, k, profile ? MARK_USED : MARK_CACHE);
			continue;
		}
		if (pfns)
			flash = !in_ram(e & PM_PFN_MASK);
		else
			flash = v->mm && !v->writable;
		if (flash) {
			c->flash++;
			mark(f, nf, k, profile ? MARK_USED : MARK_FLASH);
		} else {
			c->private_++;
		}
	}
	free(ent);
	return 0;
}

/* ---- processes ---- */

struct pfile {
	struct mfile *f;
	size_t nf;
	struct counts c;
};

static bool is_pid(const char *s)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void read_comm(const char *pid, char *comm, size_t cap)
{
	char name[64];
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%s/comm", pid);
	comm[0] = 0;
	f = fopen(name, "r");
	if (!f)
		return;
	if (fgets(comm, (int)cap, f))
		comm[strcspn(comm, "\n")] = 0;
	fclose(f);
}

/*
 * The cramfs files process pid maps, with their counts (*out, *n_out).
 * 0; -ESRCH when the process is gone (or goes while read); -EACCES when
 * its /proc files may not be read; -1 after saying what failed.
 */
static int scan_process(const char *pid, bool profile, struct pfile **out, size_t *n_out)
{
	struct vma *v;
	struct pfile *pf = NULL;
	size_t n, npf = 0, cap = 0;
	char name[64];
	int fd = -1, ret;

	*out = NULL;
	*n_out = 0;
	ret = read_vmas(pid, &v, &n);
	if (ret)
		return ret == -ESRCH || ret == -EACCES ? ret : -1;
	if (!n)
		goto out;
	snprintf(name, sizeof(name), "/proc/%s/pagemap", pid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ENOENT || errno == ESRCH ? -ESRCH : errno == EACCES || errno == EPERM ? -EACCES : -1;
		if (ret == -1)
			say(stderr, "%s: %s: %s", prog, name, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		struct mount *m = find_dev(v[i].maj, v[i].min);
		size_t nf, j;
		struct mfile *f = find_ino(m, v[i].ino, &nf);

		if (!f)
			continue;   /* a file created after the scan cannot be: cramfs is read-only */
		for (j = 0; j < npf; j++)
			if (pf[j].f == f)
				break;
		if (j == npf) {
			pf = grow(pf, npf, &cap, sizeof(*pf));
			memset(&pf[npf], 0, sizeof(pf[npf]));
			pf[npf].f = f;
			pf[npf].nf = nf;
			npf++;
		}
		ret = scan_vma(pid, fd, &v[i], f, nf, &pf[j].c, profile);
	}
out:
	if (fd >= 0)
		close(fd);
	free_vmas(v, n);
	if (ret) {
		free(pf);
		return ret;
	}
	*out = pf;
	*n_out = npf;
	return 0;
}

/* ---- profile ---- */

/* Page cache residency of every file of m, through mincore() (see the comment inside). 0 or -1. */
static int collect_mincore(struct mount *m)
{
	unsigned char *vec = NULL;
	size_t vcap = 0;
	int ret = 0;

	for (size_t i = 0; i < m->n_files; i++) {
		struct mfile *f = &m->files[i];
		void *a;
		int fd;

		if (!f->size)
			continue;
		fd = open_in_mount(f);
		if (fd < 0) {
			ret = -1;
			continue;
		}
		/*
		 * Private and writable, and never touched.  A read-only mapping of a
		 * cramfs file on an MTD mount gets its direct (flash) pages mapped at
		 * mmap time, and mincore() then reports those PTEs, not the page
		 * cache.  A writable private mapping is never mapped from flash, so
		 * with no PTE at all mincore() looks the pages up in the page cache.
		 */
		a = mmap(NULL, (size_t)f->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (a == MAP_FAILED) {
			say(stderr, "%s: %s%s: mmap: %s", prog, m->point, f->path, strerror(errno));
			close(fd);
			ret = -1;
			continue;
		}
		if (f->pages > vcap) {
			vcap = f->pages;
			vec = xrealloc(vec, vcap);
		}
		if (mincore(a, (size_t)f->size, vec)) {
			say(stderr, "%s: %s%s: mincore: %s", prog, m->point, f->path, strerror(errno));
			ret = -1;
		} else {
			for (uint64_t k = 0; k < f->pages; k++)
				if (vec[k] & 1)
					mark(f, 1, k, MARK_USED);
		}
		munmap(a, (size_t)f->size);
		close(fd);
	}
	free(vec);
	return ret;
}

/* Processes of the last scan of all that could not be read (not allowed). */
static unsigned long unreadable;

/*
 * Every process's mappings of the mounts' files, marked used.  0 or -1.
 * A process given that may not be read is an error; among all, it is
 * counted in unreadable and said once at the end.
 */
static int collect_processes(bool profile, void (*each)(const char *pid, struct pfile *pf, size_t n, void *),
			     void *arg, char **pids, int n_pids)
{
	char self[32];
	DIR *d = NULL;
	struct dirent *de;
	int ret = 0;

	snprintf(self, sizeof(self), "%ld", (long)getpid());
	if (!pids) {
		d = opendir("/proc");
		if (!d) {
			say(stderr, "%s: /proc: %s", prog, strerror(errno));
			return -1;
		}
	}
	for (int i = 0;; i++) {
		const char *pid;
		struct pfile *pf;
		size_t n;
		int e;

		if (d) {
			errno = 0;
			de = readdir(d);
			if (!de) {
				if (errno) {
					say(stderr, "%s: /proc: %s", prog, strerror(errno));
					ret = -1;
				}
				break;
			}
			pid = de->d_name;
			/* our own probes and mappings are no workload */
			if (!is_pid(pid) || !strcmp(pid, self))
				continue;
		} else {
			if (i == n_pids)
				break;
			pid = pids[i];
		}
		e = scan_process(pid, profile, &pf, &n);
		if (e == -ESRCH) {
			/* gone while read: skipped, unless it was asked for */
			if (!d) {
				say(stderr, "%s: no process %s", prog, pid);
				worse(EXIT_PROBLEMS);
			}
			continue;
		}
		if (e == -EACCES && d) {
			unreadable++;
			continue;
		}
		if (e == -EACCES) {
			say(stderr, "%s: process %s: /proc/%s/smaps or pagemap: %s", prog, pid, pid, strerror(EACCES));
			ret = -1;
			continue;
		}
		if (e) {
			ret = -1;
			continue;
		}
		if (each)
			each(pid, pf, n, arg);
		free(pf);
	}
	if (d)
		closedir(d);
	if (unreadable)
		say(stderr, "%s: warning: %lu processes could not be read (%s): the pages they map from flash "
		    "are not counted%s", prog, unreadable, strerror(EACCES),
		    geteuid() ? "; run as root to see them" : "");
	return ret;
}

static void free_mounts(void)
{
	for (size_t i = 0; i < n_mounts; i++) {
		for (size_t j = 0; j < mounts[i].n_files; j++) {
			struct mfile *f = &mounts[i].files[j];

			free(f->path);
			free(f->used);
			free(f->flash_seen);
			free(f->cache_seen);
			free(f->phys);
		}
		free(mounts[i].files);
		free(mounts[i].point);
		free(mounts[i].source);
		free(mounts[i].root);
	}
	free(mounts);
	mounts = NULL;
	n_mounts = cap_mounts = 0;
}

/* Writes the profile p to output (NULL: stdout) whole, or not at all. */
static int write_profile(const struct xip_profile *p, const char *output, const char *comment)
{
	char *tmp = NULL;
	FILE *f = stdout;
	int e;

	if (output) {
		int fd;

		if (asprintf(&tmp, "%s.XXXXXX", output) < 0) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return EXIT_ERROR;
		}
		fd = mkstemp(tmp);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			say(stderr, "%s: %s: %s", prog, output, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			return EXIT_ERROR;
		}
		fchmod(fd, 0644);
	}
	e = xip_profile_write(f, p, comment);
	if (output) {
		if (fclose(f) && !e)
			e = -errno;
		if (!e && rename(tmp, output))
			e = -errno;
		if (e)
			unlink(tmp);
		free(tmp);
	}
	if (e) {
		say(stderr, "%s: %s: %s", prog, output ? output : "standard output", strerror(-e));
		return EXIT_ERROR;
	}
	return EXIT_CLEAN;
}

static int cmd_merge(char **names, int n, const char *output)
{
	struct xip_profile all, one;
	char err[XIP_PROFILE_ERR_MAX];
	int e, s;

	xip_profile_init(&all, 0);
	for (int i = 0; i < n; i++) {
		FILE *f = strcmp(names[i], "-") ? fopen(names[i], "r") : stdin;

		if (!f) {
			say(stderr, "%s: %s: %s", prog, names[i], strerror(errno));
			xip_profile_free(&all);
			return EXIT_ERROR;
		}
		e = xip_profile_read(f, names[i], &one, err);
		if (f != stdin)
			fclose(f);
		if (!e) {
			if (i == 0)
				all.page_size = one.page_size;
			e = xip_profile_merge(&all, &one, names[i], err);
			xip_profile_free(&one);
		}
		if (e) {
			say(stderr, "%s: %s", prog, err);
			xip_profile_free(&all);
			return e == -EINVAL ? EXIT_PROBLEMS : EXIT_ERROR;
		}
	}
	s = write_profile(&all, output, "merged");
	xip_profile_free(&all);
	return s;
}

/* A mount point given to profile: the cramfs mounted there, added to mounts; 0 or an exit status. */
static bool any_fs;   /* --any-fs: to test the collection where cramfs cannot be mounted */

static int add_mount_point(const char *arg)
{
	char *real = realpath(arg, NULL), *fstype = NULL;
	struct mount m = { 0 };
	struct stat st;
	int e;

	if (!real || stat(real, &st)) {
		say(stderr, "%s: %s: %s", prog, arg, strerror(errno));
		free(real);
		return EXIT_ERROR;
	}
	e = read_mountinfo(real, &fstype, &m);
	if (e) {
		say(stderr, "%s: /proc/self/mountinfo: %s", prog, strerror(-e));
		free(real);
		return EXIT_ERROR;
	}
	if (!fstype || (strcmp(fstype, "cramfs") && !any_fs) ||
	    m.major != major(st.st_dev) || m.minor != minor(st.st_dev)) {
		if (!fstype || m.major != major(st.st_dev) || m.minor != minor(st.st_dev))
			say(stderr, "%s: %s: not a mount point (cramfs-xip profile takes the directory a cramfs "
			    "image is mounted on)", prog, arg);
		else
			say(stderr, "%s: %s: not a cramfs mount (the file system mounted there is %s)", prog, arg,
			    fstype);
		free(fstype);
		free(m.point);
		free(m.source);
		free(m.root);
		free(real);
		return EXIT_PROBLEMS;
	}
	free(fstype);
	free(real);
	if (strcmp(m.root, "/")) {
		say(stderr, "%s: %s: a bind mount of the image's directory %s: give the mount point of the "
		    "image's root, the profile's paths start there", prog, arg, m.root);
		free(m.point);
		free(m.source);
		free(m.root);
		return EXIT_PROBLEMS;
	}
	for (size_t i = 0; i < n_mounts; i++)
		if (mounts[i].major == m.major && mounts[i].minor == m.minor) {
			/* the same mount twice: once is enough */
			free(m.point);
			free(m.source);
			free(m.root);
			return 0;
		}
	mounts = grow(mounts, n_mounts, &cap_mounts, sizeof(*mounts));
	mounts[n_mounts++] = m;
	/*
	 * A cramfs mounted through MTD (mtd:NAME, mtdN, and /dev/mtdblockN too
	 * when the kernel has CRAMFS_MTD) has the device number mtdsuper.c gives
	 * it, MTD_BLOCK_MAJOR:index, and reads through mtd_bdi, whose readahead
	 * is 0.  Any other device number is a block device's (loop, mmc, ...),
	 * which reads ahead.
	 */
	if (m.major != 0 && m.major != MTD_BLOCK_MAJOR)
		say(stderr, "%s: warning: %s is mounted from the block device %s (%u:%u), which reads ahead: "
		    "the page cache holds pages the workload never used.  For an exact profile, drop the "
		    "caches before the workload (echo 3 > /proc/sys/vm/drop_caches) and turn readahead off "
		    "(blockdev --setra 0 %s); an MTD mount (mount -t cramfs mtd:NAME) reads no more than asked",
		    prog, m.point, m.source, m.major, m.minor, m.source);
	return 0;
}

static int cmd_profile(char **args, int n, const char *output)
{
	struct xip_profile p;
	char err[XIP_PROFILE_ERR_MAX], *comment = NULL, when[64];
	size_t clen = 0;
	FILE *cf;
	time_t now = time(NULL);
	int s = 0, bad = 0;

	for (int i = 0; i < n; i++) {
		int e = add_mount_point(args[i]);

		if (e > s)
			s = e;
	}
	if (s)
		return s;
	for (size_t i = 0; i < n_mounts; i++) {
		if (scan_mount(&mounts[i]) || collect_mincore(&mounts[i]))
			bad = 1;
	}
	if (collect_processes(true, NULL, NULL, NULL, 0))
		bad = 1;
	if (bad || status) {
		say(stderr, "%s: no profile written: the pages of some files or processes could not be read",
		    prog);
		return EXIT_ERROR;
	}

	/* the mounts are of one image (several mounts of it): their pages are unioned */
	xip_profile_init(&p, page_size);
	for (size_t i = 0; i < n_mounts; i++) {
		struct xip_profile one;

		xip_profile_init(&one, page_size);
		for (size_t j = 0; j < mounts[i].n_files; j++) {
			struct mfile *f = &mounts[i].files[j];
			struct xip_profile_file *pf;

			if (xip_profile_add_file(&one, f->path, f->size, &pf))
				goto nomem;
			for (uint64_t k = 0; f->used && k < f->pages; k++) {
				uint64_t last = k;

				if (!f->used[k])
					continue;
				while (last + 1 < f->pages && f->used[last + 1])
					last++;
				if (xip_profile_add_pages(pf, k, last))
					goto nomem;
				k = last;
			}
		}
		if (xip_profile_sort(&one, err) || xip_profile_merge(&p, &one, mounts[i].point, err)) {
			say(stderr, "%s: %s", prog, err);
			xip_profile_free(&one);
			xip_profile_free(&p);
			return EXIT_PROBLEMS;
		}
		xip_profile_free(&one);
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	cf = open_memstream(&comment, &clen);
	if (!cf)
		goto nomem;
	for (size_t i = 0; i < n_mounts; i++)
		fprintf(cf, "%smount %s (%s, device %u:%u)", i ? "\n" : "", mounts[i].point, mounts[i].source,
			mounts[i].major, mounts[i].minor);
	fprintf(cf, "\nat %s", when);
	if (unreadable)
		fprintf(cf, "\n%lu processes could not be read: the pages they map from flash are not here",
			unreadable);
	fclose(cf);
	s = write_profile(&p, output, comment);
	free(comment);
	xip_profile_free(&p);
	return s;
nomem:
	fprintf(stderr, "%s: out of memory\n", prog);
	return EXIT_ERROR;
}

/* ---- status ---- */

/* JSON strings: valid UTF-8 as is, any other byte b as U+DC00+b (Python's surrogateescape). */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		int n = 0;

		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s++);
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			printf("\\u%04x", *s++);
			continue;
		}
		if (*s < 0x80) {
			putchar(*s++);
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 2;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 3;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 4;
		for (int i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				n = 0;
		/* overlong, surrogate and past U+10FFFF forms */
		if ((n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) ||
		    (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))))
			n = 0;
		if (n) {
			fwrite(s, 1, (size_t)n, stdout);
			s += n;
		} else {
			printf("\\udc%02x", *s++);
		}
	}
	putchar('"');
}

struct status_ctx {
	bool json;
	unsigned long processes, mappings;
	struct counts total;
};

static const char *unseen_note(void)
{
	return pfns ? NULL
		    : "PFNs hidden without CAP_SYS_ADMIN: a page present without PM_FILE counts as flash only in "
		      "a partly direct (VmFlags mm) vma that is not writable; elsewhere it may be a private copy "
		      "and is counted apart (private)";
}

static void status_each(const char *pid, struct pfile *pf, size_t n, void *arg)
{
	struct status_ctx *c = arg;
	char comm[64];

	if (!n)
		return;
	read_comm(pid, comm, sizeof(comm));
	c->processes++;
	for (size_t i = 0; i < n; i++) {
		const struct mfile *f = pf[i].f;
		const struct counts *k = &pf[i].c;
		const char *point = strcmp(f->mnt->point, "/") ? f->mnt->point : "";

		c->total.flash += k->flash;
		c->total.cache += k->cache;
		c->total.private_ += k->private_;
		c->total.unplaced += k->unplaced;
		if (c->json) {
			char *full;

			printf("%s\n    {\"pid\": %s, \"comm\": ", c->mappings ? "," : "", pid);
			json_string(comm);
			if (asprintf(&full, "%s%s", point, f->path) < 0)
				exit(EXIT_ERROR);
			printf(", \"path\": ");
			json_string(full);
			free(full);
			printf(", \"mount_point\": ");
			json_string(f->mnt->point);
			printf(", \"file\": ");
			if (asprintf(&full, "%s%s", strcmp(f->mnt->root, "/") ? f->mnt->root : "", f->path) < 0)
				exit(EXIT_ERROR);
			json_string(full);
			free(full);
			printf(", \"names\": %zu, \"inode\": %llu, \"pages\": %llu, \"flash_pages\": %llu, "
			       "\"cache_pages\": %llu, \"private_pages\": %llu, \"unplaced_flash_pages\": %llu}",
			       pf[i].nf, (unsigned long long)f->ino, (unsigned long long)f->pages,
			       (unsigned long long)k->flash, (unsigned long long)k->cache,
			       (unsigned long long)k->private_, (unsigned long long)k->unplaced);
		} else {
			char *line;

			if (asprintf(&line, "%7s %-15s %8llu %8llu %8llu  %s%s%s", pid, comm,
				     (unsigned long long)k->flash, (unsigned long long)k->cache,
				     (unsigned long long)k->private_, point, f->path,
				     pf[i].nf > 1 ? " (and other names of the same data)" : "") < 0)
				exit(EXIT_ERROR);
			say(stdout, "%s", line);
			free(line);
		}
		c->mappings++;
	}
}

static int cmd_status(char **pids, int n, bool json)
{
	struct status_ctx c = { .json = json };
	uint64_t flash_distinct = 0, cache_distinct = 0, files = 0;
	int e;

	for (int i = 0; i < n; i++)
		if (!is_pid(pids[i]))
			usage_error("'%s' is not a process ID", pids[i]);
	/* an ordinary user may not read every directory; the files it maps, it could reach */
	tolerate_eacces = true;
	e = read_mountinfo(NULL, NULL, NULL);
	if (e) {
		say(stderr, "%s: /proc/self/mountinfo: %s", prog, strerror(-e));
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < n_mounts; i++)
		if (scan_mount(&mounts[i]))
			worse(EXIT_ERROR);
	if (json) {
		printf("{\n  \"page_size\": %llu,\n  \"pfns\": %s,\n  \"note\": ", (unsigned long long)page_size,
		       pfns ? "true" : "false");
		if (unseen_note())
			json_string(unseen_note());
		else
			printf("null");
		printf(",\n  \"mounts\": [");
		for (size_t i = 0; i < n_mounts; i++) {
			printf("%s\n    {\"mount_point\": ", i ? "," : "");
			json_string(mounts[i].point);
			printf(", \"source\": ");
			json_string(mounts[i].source);
			printf(", \"device\": \"%u:%u\", \"files\": %zu}", mounts[i].major, mounts[i].minor,
			       mounts[i].n_files);
		}
		printf("\n  ],\n  \"mappings\": [");
	} else {
		if (!n_mounts)
			printf("no cramfs file system is mounted\n");
		if (unseen_note())
			printf("note: %s\n", unseen_note());
		else
			printf("PFNs visible: pages outside System RAM (/proc/iomem) are flash\n");
		printf("%7s %-15s %8s %8s %8s  %s\n", "PID", "COMMAND", "FLASH", "CACHE", "PRIVATE", "FILE");
	}
	/* with no cramfs mounted there is nothing to look for, but PIDs given must be there */
	if ((n_mounts || n) && collect_processes(false, status_each, &c, n ? pids : NULL, n))
		worse(EXIT_ERROR);
	for (size_t i = 0; i < n_mounts; i++)
		for (size_t j = 0; j < mounts[i].n_files; j++) {
			const struct mfile *f = &mounts[i].files[j];

			/* files that share an inode are one file: count it once */
			if (j && mounts[i].files[j - 1].ino == f->ino)
				continue;
			if (f->flash_seen || f->cache_seen)
				files++;
			for (uint64_t k = 0; k < f->pages; k++) {
				flash_distinct += f->flash_seen && f->flash_seen[k];
				cache_distinct += f->cache_seen && f->cache_seen[k];
			}
		}
	if (json) {
		printf("\n  ],\n  \"total\": {\"processes\": %lu, \"files\": %llu, \"flash_pages\": %llu, "
		       "\"cache_pages\": %llu, \"private_pages\": %llu, \"unplaced_flash_pages\": %llu, "
		       "\"distinct_flash_pages\": %llu, \"distinct_cache_pages\": %llu, "
		       "\"xip_saved_bytes\": %llu, \"cache_bytes\": %llu, \"unreadable_processes\": %lu}\n}\n",
		       c.processes, (unsigned long long)files, (unsigned long long)c.total.flash,
		       (unsigned long long)c.total.cache, (unsigned long long)c.total.private_,
		       (unsigned long long)c.total.unplaced, (unsigned long long)flash_distinct,
		       (unsigned long long)cache_distinct, (unsigned long long)(flash_distinct * page_size),
		       (unsigned long long)(cache_distinct * page_size), unreadable);
	} else {
		printf("total: %lu processes map %llu files of cramfs mounts: %llu distinct pages from flash, "
		       "%llu from the page cache\n", c.processes, (unsigned long long)files,
		       (unsigned long long)flash_distinct, (unsigned long long)cache_distinct);
		printf("execute in place saves %llu kB of RAM now (the pages mapped from flash, which would "
		       "otherwise be in the page cache); the page cache pages of cramfs files mapped: %llu kB\n",
		       (unsigned long long)(flash_distinct * page_size / 1024),
		       (unsigned long long)(cache_distinct * page_size / 1024));
		if (c.total.unplaced)
			printf("%llu pages mapped from flash could not be placed in their files\n",
			       (unsigned long long)c.total.unplaced);
	}
	if (fflush(stdout) || ferror(stdout)) {
		say(stderr, "%s: standard output: %s", prog, strerror(errno));
		worse(EXIT_ERROR);
	}
	return status;
}

int main(int argc, char **argv)
{
	enum { OPT_ANY_FS = 1000 };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "merge", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "any-fs", no_argument, NULL, OPT_ANY_FS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char optstring[] = "+:o:mjhV";
	const char *output = NULL, *cmd;
	bool merge = false, json = false;
	long ps;
	int c, s;

	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
	opterr = 0;
	/* options before the subcommand (--help, --version) and after it */
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
		case 'V':
			printf("%s (mkcramfs-xip) %s, profile format 1\n", prog, PACKAGE_VERSION);
			return EXIT_CLEAN;
		case 'o':
		case 'm':
		case 'j':
		case OPT_ANY_FS:
			usage_error("the command goes first: %s profile|status [options]", prog);
		default:
			bad_option(c, argv, optstring, longopts);
		}
	}
	if (optind == argc)
		usage_error("no command: profile or status");
	cmd = argv[optind];
	if (strcmp(cmd, "profile") && strcmp(cmd, "status"))
		usage_error("unknown command '%s' (profile or status)", cmd);
	/* getopt goes on after the command word, which it sees as argv[0] */
	argv += optind;
	argc -= optind;
	optind = 0;
	while ((c = getopt_long(argc, argv, optstring + 1, longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'm':
			merge = true;
			break;
		case 'j':
			json = true;
			break;
		case OPT_ANY_FS:
			any_fs = true;
			break;
		case 'h':
			help();
		case 'V':
			printf("%s (mkcramfs-xip) %s, profile format 1\n", prog, PACKAGE_VERSION);
			return EXIT_CLEAN;
		default:
			bad_option(c, argv, optstring + 1, longopts);
		}
	}
	ps = sysconf(_SC_PAGESIZE);
	if (ps <= 0) {
		fprintf(stderr, "%s: cannot tell the page size\n", prog);
		return EXIT_ERROR;
	}
	page_size = (uint64_t)ps;
	pfns = have_sys_admin() && read_iomem();

	if (!strcmp(cmd, "profile")) {
		if (json)
			usage_error("--json goes with status");
		if (optind == argc)
			usage_error(merge ? "--merge needs at least one profile" : "no mount point given");
		if (merge && any_fs)
			usage_error("--any-fs goes with mount points, not with --merge");
		if (merge)
			return cmd_merge(argv + optind, argc - optind, output);
		s = cmd_profile(argv + optind, argc - optind, output);
		free_mounts();
		return s;
	}
	if (output)
		usage_error("--output goes with profile");
	if (any_fs)
		usage_error("--any-fs goes with profile");
	if (merge)
		usage_error("--merge goes with profile");
	s = cmd_status(argv + optind, argc - optind, json);
	free_mounts();
	return s;
}
