/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xipstress: several processes fault the same mappings of a mounted cramfs
 * image at once, for the kernel rig's debug kernel (SMP, lockdep, DEBUG_VM).
 *
 *   xipstress --root DIR --flash BASE,SIZE [--workers N] [--rounds R] [--seconds T]
 *             [--seed S]
 *
 * Every regular file under DIR is read once with read(): those bytes are the
 * reference, and they leave every page of the file in the page cache, which
 * the page-granular kernel must not map in place of the flash.  Then N
 * workers (default 4) run R rounds (default 20), or fewer when T seconds
 * (default 30) have passed at the end of a round.  In a round a worker takes
 * every file in an order of its own and
 *  - maps it read-only, privately or shared, and touches its pages in a
 *    random order (page faults and fault-around, in every worker at once),
 *  - compares every page with the reference and counts the pages whose frame
 *    lies in the flash window (pagemap, CAP_SYS_ADMIN),
 *  - zaps a random range with MADV_DONTNEED and compares it again (a shared
 *    mapping that the kernel maps whole with remap_pfn_range() refuses that
 *    with EINVAL: not counted),
 *  - in one round of four, makes a private mapping writable, writes into a
 *    page, checks that the copy has the byte and pread() does not, and forks
 *    a child that reads the whole mapping and exits,
 *  - unmaps it.
 * Output lines start with "XIPCHECK stress " (the rig's report takes them):
 * one per worker with its counts, then "XIPCHECK stress done workers=N rounds=R files=F mismatched=W noflash=W
 * failed=W", the workers that saw a page differ (or an error), that saw no
 * page from the flash window (then the mappings under test were not
 * exercised) and that died.  Exit 0 when all three are 0, 1 otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TAG "XIPCHECK stress "

struct file {
	char *path;
	size_t size;
	unsigned char *ref;
};

static struct file *files;
static size_t nfiles;
static uint64_t flash_base, flash_size;
static long page_size;

static void add_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		printf(TAG "error %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			add_files(path);
		} else if (S_ISREG(st.st_mode) && st.st_size > 0) {
			files = realloc(files, (nfiles + 1) * sizeof(*files));
			if (!files)
				exit(1);
			files[nfiles].path = strdup(path);
			files[nfiles].size = (size_t)st.st_size;
			files[nfiles].ref = NULL;
			nfiles++;
		}
	}
	closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->path, ((const struct file *)b)->path);
}

static bool read_ref(struct file *f)
{
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return false;
	f->ref = malloc(f->size);
	while (f->ref && got < f->size) {
		ssize_t n = read(fd, f->ref + got, f->size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return f->ref && got == f->size;
}

/* xorshift64*: each worker's own sequence, the same for the same seed */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

/* v[0..n) = 0..n-1 in a random order (Fisher-Yates) */
static void random_order(size_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rnd() % i), x = v[i - 1];

		v[i - 1] = v[j];
		v[j] = x;
	}
}

static int pagemap_fd = -1;

/* Is the page at ADDR (present) in the flash window? */
static bool from_flash(const void *addr)
{
	uint64_t e, pfn;

	if (pagemap_fd < 0 || !flash_size)
		return false;
	if (pread(pagemap_fd, &e, sizeof(e), (off_t)((uintptr_t)addr / (uintptr_t)page_size * sizeof(e))) !=
	    (ssize_t)sizeof(e))
		return false;
	if (!(e >> 63))
		return false;
	pfn = e & ((1ull << 55) - 1);
	return pfn * (uint64_t)page_size >= flash_base && pfn * (uint64_t)page_size < flash_base + flash_size;
}

struct tally {
	unsigned long maps, pages, flash, mismatches, forks, zaps;
};

static void check_page(const struct file *f, const unsigned char *map, size_t pg, struct tally *t, const char *when)
{
	size_t off = pg * (size_t)page_size;
	size_t len = f->size - off < (size_t)page_size ? f->size - off : (size_t)page_size;

	t->pages++;
	if (memcmp(map + off, f->ref + off, len) != 0) {
		if (t->mismatches++ < 5)
			printf(TAG "mismatch %s page %zu (%s)\n", f->path, pg, when);
	}
	if (from_flash(map + off))
		t->flash++;
}

/* A private mapping made writable: the copy has the byte, the file not;
 * then a fork that reads the whole mapping. */
static void write_and_fork(const struct file *f, unsigned char *map, size_t npages, struct tally *t)
{
	size_t pg = (size_t)(rnd() % npages), off = pg * (size_t)page_size;
	unsigned char was = map[off], now;
	int fd, st;
	pid_t c;

	if (mprotect(map, npages * (size_t)page_size, PROT_READ | PROT_WRITE) < 0) {
		printf(TAG "mismatch %s: mprotect: %s\n", f->path, strerror(errno));
		t->mismatches++;
		return;
	}
	map[off] = (unsigned char)~was;
	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &now, 1, (off_t)off) != 1 || now != f->ref[off] || map[off] != (unsigned char)~was) {
		printf(TAG "mismatch %s page %zu: a private write reached the file or was lost\n", f->path, pg);
		t->mismatches++;
	}
	if (fd >= 0)
		close(fd);
	c = fork();
	if (c == 0) {
		unsigned long sum = 0;

		for (size_t i = 0; i < f->size; i++)
			sum += map[i];
		_exit(sum == (unsigned long)-1);
	}
	if (c < 0) {
		printf(TAG "mismatch %s: fork after a private write: %s\n", f->path, strerror(errno));
		t->mismatches++;
		return;
	}
	t->forks++;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf(TAG "mismatch %s: the forked child failed (status 0x%x)\n", f->path, st);
		t->mismatches++;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int worker(unsigned id, unsigned rounds, double seconds, uint64_t seed)
{
	struct tally t = { 0 };
	double t0 = now();
	unsigned r;
	size_t *order = malloc(nfiles * sizeof(*order));

	rnd_state = seed * 0x9e3779b97f4a7c15ull + id + 1;
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (!order)
		return 1;
	for (r = 0; r < rounds && (r == 0 || now() - t0 < seconds); r++) {
		random_order(order, nfiles);
		for (size_t k = 0; k < nfiles; k++) {
			const struct file *f = &files[order[k]];
			size_t npages = (f->size + (size_t)page_size - 1) / (size_t)page_size;
			size_t *pgs = malloc(npages * sizeof(*pgs));
			bool shared = rnd() % 3 == 0, writable = !shared && r % 4 == id % 4;
			unsigned char *map;
			int fd = open(f->path, O_RDONLY | O_CLOEXEC);

			if (fd < 0 || !pgs) {
				printf(TAG "error %s: %s\n", f->path, strerror(errno));
				return 1;
			}
			map = mmap(NULL, npages * (size_t)page_size, PROT_READ, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
			close(fd);
			if (map == MAP_FAILED) {
				printf(TAG "error mmap %s: %s\n", f->path, strerror(errno));
				return 1;
			}
			t.maps++;
			random_order(pgs, npages);
			for (size_t i = 0; i < npages; i++)
				check_page(f, map, pgs[i], &t, "first touch");
			size_t from = (size_t)(rnd() % npages), n = 1 + (size_t)(rnd() % (npages - from));

			if (madvise(map + from * (size_t)page_size, n * (size_t)page_size, MADV_DONTNEED) == 0) {
				t.zaps++;
				for (size_t i = from; i < from + n; i++)
					check_page(f, map, i, &t, "after MADV_DONTNEED");
			} else if (!(shared && errno == EINVAL)) {
				/* only a shared vma mapped whole with remap_pfn_range()
				 * (VM_PFNMAP) refuses to be zapped */
				printf(TAG "error madvise %s: %s\n", f->path, strerror(errno));
				t.mismatches++;
			}
			if (writable)
				write_and_fork(f, map, npages, &t);
			munmap(map, npages * (size_t)page_size);
			free(pgs);
		}
	}
	printf(TAG "worker %u rounds=%u maps=%lu pages=%lu flash=%lu zaps=%lu forks=%lu mismatches=%lu\n", id, r,
	       t.maps, t.pages, t.flash, t.zaps, t.forks, t.mismatches);
	fflush(stdout);
	/* the exit status carries the counts the parent sums: 0 ok, 1 a
	 * mismatch, 2 no page from flash */
	return t.mismatches ? 1 : t.flash ? 0 : 2;
}

int main(int argc, char **argv)
{
	const char *root = "/mnt";
	unsigned workers = 4, rounds = 20, failed = 0, mismatched = 0, noflash = 0;
	double seconds = 30;
	uint64_t seed = 1;
	pid_t *pids;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--root") && a + 1 < argc) {
			root = argv[++a];
		} else if (!strcmp(argv[a], "--flash") && a + 1 < argc) {
			char *comma;

			flash_base = strtoull(argv[++a], &comma, 0);
			if (*comma == ',')
				flash_size = strtoull(comma + 1, NULL, 0);
		} else if (!strcmp(argv[a], "--workers") && a + 1 < argc) {
			workers = (unsigned)strtoul(argv[++a], NULL, 10);
		} else if (!strcmp(argv[a], "--rounds") && a + 1 < argc) {
			rounds = (unsigned)strtoul(argv[++a], NULL, 10);
		} else if (!strcmp(argv[a], "--seconds") && a + 1 < argc) {
			seconds = strtod(argv[++a], NULL);
		} else if (!strcmp(argv[a], "--seed") && a + 1 < argc) {
			seed = strtoull(argv[++a], NULL, 0);
		} else {
			fprintf(stderr, "usage: xipstress --root DIR --flash BASE,SIZE [--workers N] [--rounds R] "
					"[--seconds T] [--seed S]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	add_files(root);
	qsort(files, nfiles, sizeof(*files), cmp_path);
	if (!nfiles || !workers) {
		printf(TAG "error no file under %s, or no worker\n", root);
		return 1;
	}
	for (size_t i = 0; i < nfiles; i++)
		if (!read_ref(&files[i])) {
			printf(TAG "error read %s: %s\n", files[i].path, strerror(errno));
			return 1;
		}
	printf(TAG "start files=%zu workers=%u rounds=%u cpus=%ld\n", nfiles, workers, rounds,
	       sysconf(_SC_NPROCESSORS_ONLN));
	pids = calloc(workers, sizeof(*pids));
	for (unsigned w = 0; w < workers; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			_exit(worker(w, rounds, seconds, seed));
		if (pids[w] < 0) {
			printf(TAG "error fork: %s\n", strerror(errno));
			failed++;
		}
	}
	for (unsigned w = 0; w < workers; w++) {
		int st;

		if (pids[w] <= 0)
			continue;
		while (waitpid(pids[w], &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) > 2)
			failed++;
		else if (WEXITSTATUS(st) == 1)
			mismatched++;
		else if (WEXITSTATUS(st) == 2)
			noflash++;
	}
	printf(TAG "done workers=%u rounds=%u files=%zu mismatched=%u noflash=%u failed=%u\n", workers, rounds, nfiles,
	       mismatched, noflash, failed);
	return failed || mismatched || noflash;
}
