/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xipbench: runs a workload from a mounted cramfs image inside the benchmark
 * guest (tests/kernel/bench-profile.sh) and measures what it costs in RAM.
 *
 *   xipbench --root DIR --flash BASE,SIZE [--passes N] [--status PROG]
 *            [--status-pass N] [--name NAME] WORKLOAD
 *
 * WORKLOAD is a text file, one shell command a line (empty lines and lines
 * starting with '#' are skipped).  Each command runs as root as
 * "/bin/sh -c LINE" chrooted into DIR (the image's own shell), with stdin
 * from /dev/null and its output hashed (FNV-1a 64) and counted, never stored.
 * The whole list runs N times (--passes, default 2).
 *
 * Before the first pass the page cache is dropped; Cached and MemFree of
 * /proc/meminfo are reported then and after each pass.
 *
 * Every process of every command is traced (ptrace, following forks) and
 * stopped when it exits, with its mappings still in place.  There, the
 * vmas backed by files of the image (their device is DIR's) are read from
 * /proc/PID/smaps: their Rss, and for each page whether it comes from
 * flash (a pf vma is all flash; else the pagemap frame lies in the flash
 * window), from the page cache (pagemap: present, a file page) or is a
 * private copy.  The totals count pages once per process, and the distinct
 * flash and page cache pages of the whole workload (by frame); and the
 * process's minor and major page faults (/proc/PID/stat), summed.
 *
 * With --status PROG, in pass --status-pass (default: the last), each
 * stopped process is also given to "PROG status --json PID" (cramfs-xip):
 * its xip_saved_bytes and distinct page counts are reported next to this
 * program's own count for the same process.
 *
 * Output lines start with "BENCH ".  Exit 0 when every command ran (whatever
 * its exit status, which is reported), 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define TAG "BENCH "

static const char *root = "/mnt";
static uint64_t flash_base, flash_size;
static long page_size;
static dev_t root_dev;
static const char *status_prog;
static int status_pass = -1;

/* ---- growable arrays of frame numbers ---- */

struct set {
	uint64_t *v;
	size_t n, cap;
};

static void set_add(struct set *s, uint64_t x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v) {
			printf(TAG "error out of memory\n");
			exit(1);
		}
	}
	s->v[s->n++] = x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts the set and drops duplicates; returns the count. */
static size_t set_unique(struct set *s)
{
	size_t i, w = 0;

	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (i = 1; i < s->n; i++)
		if (s->v[i] != s->v[w])
			s->v[++w] = s->v[i];
	s->n = w + 1;
	return s->n;
}

/* ---- totals ---- */

struct counts {
	unsigned long procs;
	unsigned long rss_kb;		/* image-backed vmas, summed over processes */
	unsigned long rss_max_kb;	/* the largest of one process */
	unsigned long flash_pages;	/* once per process */
	unsigned long cache_pages;
	unsigned long private_pages;
	unsigned long minflt, majflt;	/* page faults, summed over processes */
};

static struct counts total;
static struct set flash_all, cache_all;	/* frames, whole workload */

static unsigned long status_samples, status_failed, status_differ;
static unsigned long long status_saved, mine_saved;
static unsigned long long status_cache, mine_cache;

/* ---- helpers ---- */

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

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd < 0 || write(fd, "3\n", 2) != 2)
		printf(TAG "error drop_caches: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void say_mem(const char *phase)
{
	printf(TAG "mem phase=%s cached=%lu memfree=%lu\n", phase, meminfo_kb("Cached"), meminfo_kb("MemFree"));
	fflush(stdout);
}

/* %XX-escapes space, control bytes, '%' and bytes >= 0x7f. */
static void put_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '%')
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

static bool is_leader(pid_t pid)
{
	char name[64], line[256];
	FILE *f;
	long tgid = -1;

	snprintf(name, sizeof(name), "/proc/%d/status", (int)pid);
	f = fopen(name, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Tgid:", 5) == 0) {
			tgid = strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid == pid;
}

/* ---- one process, stopped at exit ---- */

struct proc_count {
	unsigned long rss_kb;
	struct set flash, cache;
	unsigned long private_pages;
};

static void count_vma(pid_t pid, int pmfd, unsigned long start, unsigned long end, unsigned long off, bool pf,
		      struct proc_count *pc)
{
	size_t pages = (end - start) / (unsigned long)page_size, i;
	uint64_t *ent;

	if (pf) {
		/* remap_pfn_range: all flash, the offset is the physical address */
		for (i = 0; i < pages; i++)
			set_add(&pc->flash, off / (uint64_t)page_size + i);
		return;
	}
	if (pmfd < 0 || !pages)
		return;
	ent = calloc(pages, sizeof(*ent));
	if (!ent)
		return;
	if (pread(pmfd, ent, pages * 8, (off_t)(start / (unsigned long)page_size) * 8) != (ssize_t)(pages * 8)) {
		printf(TAG "error pagemap of %d at 0x%lx: %s\n", (int)pid, start, strerror(errno));
		free(ent);
		return;
	}
	for (i = 0; i < pages; i++) {
		uint64_t e = ent[i], pfn = e & ((1ull << 55) - 1), phys = pfn * (uint64_t)page_size;

		if (!(e >> 63))
			continue;
		if (pfn && flash_size && phys >= flash_base && phys < flash_base + flash_size)
			set_add(&pc->flash, pfn);
		else if ((e >> 61) & 1)
			set_add(&pc->cache, pfn);
		else
			pc->private_pages++;
	}
	free(ent);
}

static void count_process(pid_t pid, struct proc_count *pc)
{
	char name[64], line[4352];
	FILE *f;
	int pmfd;
	bool in = false, pf = false;
	unsigned long start = 0, end = 0, off = 0;

	memset(pc, 0, sizeof(*pc));
	snprintf(name, sizeof(name), "/proc/%d/smaps", (int)pid);
	f = fopen(name, "r");
	if (!f)
		return;
	snprintf(name, sizeof(name), "/proc/%d/pagemap", (int)pid);
	pmfd = open(name, O_RDONLY);
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, o, ino;
		unsigned maj, min;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &a, &b, perms, &o, &maj, &min, &ino) == 7) {
			if (in)
				count_vma(pid, pmfd, start, end, off, pf, pc);
			in = ino != 0 && makedev(maj, min) == root_dev;
			start = a, end = b, off = o, pf = false;
			continue;
		}
		if (!in)
			continue;
		if (strncmp(line, "Rss:", 4) == 0) {
			pc->rss_kb += strtoul(line + 4, NULL, 10);
		} else if (strncmp(line, "VmFlags:", 8) == 0) {
			char *p = line + 8;

			for (char *t = strtok(p, " \n"); t; t = strtok(NULL, " \n"))
				if (strcmp(t, "pf") == 0)
					pf = true;
		}
	}
	if (in)
		count_vma(pid, pmfd, start, end, off, pf, pc);
	if (pmfd >= 0)
		close(pmfd);
	fclose(f);
}

/* The number after "key": in the "total" object of a status document. */
static bool json_total(const char *doc, const char *key, unsigned long long *v)
{
	const char *t = strstr(doc, "\"total\"");
	char pat[64];

	if (!t)
		return false;
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	t = strstr(t, pat);
	if (!t)
		return false;
	t += strlen(pat);
	while (*t == ' ' || *t == ':')
		t++;
	if (*t < '0' || *t > '9')
		return false;
	*v = strtoull(t, NULL, 10);
	return true;
}

static void run_status(pid_t pid, const struct proc_count *pc, unsigned long nflash, unsigned long ncache)
{
	int fds[2], st;
	pid_t s;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	unsigned long long saved = 0, dflash = 0, dcache = 0;
	char pidarg[32];

	(void)pc;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	snprintf(pidarg, sizeof(pidarg), "%d", (int)pid);
	s = fork();
	if (s == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2);
		execl(status_prog, status_prog, "status", "--json", pidarg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
		r = read(fds[0], buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fds[0]);
	buf = buf ? buf : calloc(1, 1);
	buf[n] = 0;
	while (s > 0 && waitpid(s, &st, __WALL) < 0 && errno == EINTR)
		;
	status_samples++;
	if (s < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !json_total(buf, "xip_saved_bytes", &saved) ||
	    !json_total(buf, "distinct_flash_pages", &dflash) || !json_total(buf, "distinct_cache_pages", &dcache)) {
		status_failed++;
		printf(TAG "status pid=%d failed exit=%d\n", (int)pid, s > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	} else {
		bool same = dflash == nflash && dcache == ncache;

		status_saved += saved;
		mine_saved += (unsigned long long)nflash * (unsigned long long)page_size;
		status_cache += dcache;
		mine_cache += ncache;
		if (!same)
			status_differ++;
		printf(TAG "status pid=%d saved=%llu flash=%llu cache=%llu mine-flash=%lu mine-cache=%lu %s\n", (int)pid,
		       saved, dflash, dcache, nflash, ncache, same ? "same" : "DIFFER");
	}
	free(buf);
}

struct cmd_count {
	unsigned long procs, rss_kb, flash, cache, minflt, majflt;
};

/* The minor and major page faults of a process (all its threads), from
 * /proc/PID/stat; at its exit stop they are final. */
static void read_faults(pid_t pid, unsigned long *minflt, unsigned long *majflt)
{
	char path[64], buf[1024], *p;
	unsigned long v[10];
	ssize_t n;
	int fd;

	*minflt = *majflt = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* the name may hold anything: the fields start after its last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return;
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt */
	if (sscanf(p + 1, " %*c %lu %lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7], &v[8]) != 9)
		return;
	*minflt = v[6];
	*majflt = v[8];
}

static void sample(pid_t pid, bool with_status, struct cmd_count *cc)
{
	struct proc_count pc;
	size_t nflash, ncache, i;
	unsigned long minflt, majflt;

	if (!is_leader(pid))
		return;		/* a thread: its process is counted once, by its leader */
	count_process(pid, &pc);
	read_faults(pid, &minflt, &majflt);
	total.minflt += minflt;
	total.majflt += majflt;
	cc->minflt += minflt;
	cc->majflt += majflt;
	for (i = 0; i < pc.flash.n; i++)
		set_add(&flash_all, pc.flash.v[i]);
	for (i = 0; i < pc.cache.n; i++)
		set_add(&cache_all, pc.cache.v[i]);
	nflash = set_unique(&pc.flash);
	ncache = set_unique(&pc.cache);
	total.procs++;
	total.rss_kb += pc.rss_kb;
	if (pc.rss_kb > total.rss_max_kb)
		total.rss_max_kb = pc.rss_kb;
	total.flash_pages += nflash;
	total.cache_pages += ncache;
	total.private_pages += pc.private_pages;
	cc->procs++;
	cc->rss_kb += pc.rss_kb;
	cc->flash += nflash;
	cc->cache += ncache;
	if (with_status)
		run_status(pid, &pc, nflash, ncache);
	free(pc.flash.v);
	free(pc.cache.v);
}

/* ---- output of a command: hashed and counted by a thread ---- */

struct reader {
	int fd;
	uint64_t hash;
	unsigned long long bytes;
	char head[160];
	size_t headlen;
};

static void *read_output(void *arg)
{
	struct reader *r = arg;
	unsigned char buf[8192];
	ssize_t n;

	r->hash = 0xcbf29ce484222325ull;
	for (;;) {
		n = read(r->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			r->hash ^= buf[i];
			r->hash *= 0x100000001b3ull;
		}
		if (r->headlen < sizeof(r->head)) {
			size_t k = sizeof(r->head) - r->headlen;

			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(r->head + r->headlen, buf, k);
			r->headlen += k;
		}
		r->bytes += (unsigned long long)n;
	}
	close(r->fd);
	return NULL;
}

/* ---- one command, traced ---- */

static bool run_command(unsigned pass, unsigned idx, const char *line, bool with_status)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LC_ALL=C", "USER=root",
				      "LOGNAME=root", "SHELL=/bin/sh", NULL };
	int fds[2], st, exit_code = -1;
	pid_t top, pid;
	pthread_t th;
	struct reader rd = { 0 };
	struct cmd_count cc = { 0 };
	bool started = false;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	fflush(stdout);
	top = fork();
	if (top < 0)
		return false;
	if (top == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (chroot(root) < 0 || chdir("/") < 0)
			_exit(126);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execle("/bin/sh", "sh", "-c", line, (char *)NULL, envp);
		_exit(127);
	}
	close(fds[1]);
	rd.fd = fds[0];
	if (pthread_create(&th, NULL, read_output, &rd) != 0) {
		printf(TAG "error pthread_create\n");
		return false;
	}
	for (;;) {
		pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;	/* ECHILD: every process of the command is gone */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (pid == top)
				exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		int sig = WSTOPSIG(st), event = st >> 16;

		if (pid == top && !started) {
			/* the SIGTRAP after the exec of /bin/sh */
			started = true;
			ptrace(PTRACE_SETOPTIONS, pid, NULL,
			       (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
					      PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
			sig = 0;
		} else if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
			sample(pid, with_status, &cc);
			sig = 0;
		} else if (sig == SIGTRAP && event) {
			sig = 0;	/* fork, vfork, clone, exec */
		} else if (sig == SIGSTOP) {
			sig = 0;	/* the first stop of a new tracee */
		} else if (sig == SIGTRAP) {
			sig = 0;
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
	pthread_join(th, NULL);
	printf(TAG "cmd pass=%u idx=%u exit=%d procs=%lu bytes=%llu hash=%016" PRIx64 " rss=%lu flash=%lu cache=%lu"
	       " minflt=%lu majflt=%lu",
	       pass, idx, exit_code, cc.procs, rd.bytes, rd.hash, cc.rss_kb, cc.flash, cc.cache, cc.minflt, cc.majflt);
	if (pass == 1) {
		fputs(" out=", stdout);
		put_escaped(stdout, rd.head, rd.headlen);
	}
	putchar('\n');
	return started;
}

static void usage(void)
{
	fprintf(stderr, "usage: xipbench --root DIR --flash BASE,SIZE [--passes N] [--status PROG] "
			"[--status-pass N] [--name NAME] WORKLOAD\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *workload = NULL, *name = "workload";
	unsigned passes = 2, ncmd = 0, p, i;
	char **cmds = NULL, line[8192];
	struct stat st;
	FILE *f;
	bool ok = true;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--root") == 0 && a + 1 < argc)
			root = argv[++a];
		else if (strcmp(argv[a], "--flash") == 0 && a + 1 < argc) {
			char *comma;

			flash_base = strtoull(argv[++a], &comma, 0);
			if (*comma == ',')
				flash_size = strtoull(comma + 1, NULL, 0);
		} else if (strcmp(argv[a], "--passes") == 0 && a + 1 < argc)
			passes = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--status") == 0 && a + 1 < argc)
			status_prog = argv[++a];
		else if (strcmp(argv[a], "--status-pass") == 0 && a + 1 < argc)
			status_pass = atoi(argv[++a]);
		else if (strcmp(argv[a], "--name") == 0 && a + 1 < argc)
			name = argv[++a];
		else if (argv[a][0] == '-')
			usage();
		else
			workload = argv[a];
	}
	if (!workload || !passes)
		usage();
	if (status_pass < 0)
		status_pass = (int)passes;
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	if (stat(root, &st) < 0) {
		printf(TAG "error %s: %s\n", root, strerror(errno));
		return 1;
	}
	root_dev = st.st_dev;
	f = fopen(workload, "r");
	if (!f) {
		printf(TAG "error %s: %s\n", workload, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		cmds = realloc(cmds, (ncmd + 1) * sizeof(*cmds));
		cmds[ncmd++] = strdup(line);
	}
	fclose(f);
	printf(TAG "workload %s commands=%u passes=%u pagesize=%ld dev=%u:%u status=%s\n", name, ncmd, passes, page_size,
	       major(root_dev), minor(root_dev), status_prog ? status_prog : "-");
	drop_caches();
	say_mem("before");
	for (p = 1; p <= passes; p++) {
		char phase[32];

		for (i = 0; i < ncmd; i++)
			if (!run_command(p, i, cmds[i], status_prog && (int)p == status_pass)) {
				printf(TAG "error command %u did not start: %s\n", i, cmds[i]);
				ok = false;
			}
		snprintf(phase, sizeof(phase), "pass%u", p);
		say_mem(phase);
	}
	printf(TAG "totals procs=%lu rss=%lu rss-max=%lu flash=%lu cache=%lu private=%lu distinct-flash=%zu "
		   "distinct-cache=%zu minflt=%lu majflt=%lu\n",
	       total.procs, total.rss_kb, total.rss_max_kb, total.flash_pages, total.cache_pages, total.private_pages,
	       set_unique(&flash_all), set_unique(&cache_all), total.minflt, total.majflt);
	if (status_prog)
		printf(TAG "status-totals samples=%lu failed=%lu differ=%lu saved=%llu mine-saved=%llu cache=%llu "
			   "mine-cache=%llu\n",
		       status_samples, status_failed, status_differ, status_saved, mine_saved, status_cache, mine_cache);
	printf(TAG "end %s\n", name);
	return ok ? 0 : 1;
}
