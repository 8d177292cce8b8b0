/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /init of the riscv64 no-MMU guest: mounts the cramfs image from the CFI
 * flash, checks what the kernel does with each file the manifest lists and
 * prints one "NOMMU ..." line per check on the console for the host
 * (tests/kernel/nommucompare.py) to compare with cramfsck's prediction.
 * A freestanding bFLT program (see nommu.h): raw system calls, no libc,
 * all state on the stack.
 *
 * Manifest lines (tests/kernel/mknommumanifest.py; fields %XX-escaped,
 * unknown keywords ignored, so the host's own lines can share the file):
 *   option dev=DEVICE            what to mount (default mtd:22000000.flash)
 *   option flash=BASE,SIZE       the physical window of the flash bank
 *   ram PATH N                   RAM with N copies of PATH ("hold") alive
 *   file PATH SIZE HASH OFFSET KNOWN
 *                                read() it and mmap() it four ways; OFFSET is
 *                                the image offset of its first byte when
 *                                the checker says it can be mapped in place
 *                                ("-" otherwise), KNOWN the hash of the file
 *                                with its last page zeroed where the stock
 *                                kernel's last-page read bug applies ("-")
 *   run PATH EXIT OFFSET ...     vfork+execve PATH "where FD EXIT": where the
 *                                kernel put its text
 *   twomaps PATH SIZE            two private read-only mappings of PATH at once
 *                                ("//PATH": a file of the initramfs)
 * PATH is relative to the image root.
 *
 * Report lines:
 *   NOMMU read PATH size=N ok|known|BAD hash=H
 *   NOMMU map PATH REQ OUTCOME ok|known|BAD|- addr=A
 *     REQ shared-r, private-r, private-rx, private-rw; OUTCOME flash (the
 *     address is BASE + OFFSET), flash-elsewhere (in the window, not there),
 *     copy (outside the window) or the errno name; the content is the
 *     file's (ok), the file with its last page zeroed (known), or neither
 *     (BAD); a copy must also hold zeros from EOF to the end of its page
 *   NOMMU run PATH exit=N where=flash|flash-elsewhere|ram text=A ok|BAD
 *   NOMMU ram PATH n=N memfree-delta=KB cached-delta=KB ok|BAD
 *   NOMMU twomaps PATH first=A second=A vmas=N munmap-first=R munmap-second=R
 *   NOMMU umount ok|ERRNO
 *   NOMMU done pass=N fail=N
 *   NOMMU halt power-off|panic
 */
#include "nommu.h"

#define MANIFEST_MAX (256ul << 10)
#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_MAGIC2 672274793
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedc
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define SIGCHLD 17

#define FNV_INIT 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/*
 * vfork + execve + _exit(127) without touching the stack in the child,
 * which runs on the parent's stack until it execs.
 */
long nommu_spawn(const char *path, char *const argv[], char *const envp[]);
__asm__(".text\n"
	".globl nommu_spawn\n"
	"nommu_spawn:\n"
	"	mv t0, a0\n"
	"	mv t1, a1\n"
	"	mv t2, a2\n"
	"	li a0, 0x4111\n"	/* CLONE_VM | CLONE_VFORK | SIGCHLD */
	"	li a1, 0\n"
	"	li a2, 0\n"
	"	li a3, 0\n"
	"	li a4, 0\n"
	"	li a7, 220\n"		/* clone */
	"	ecall\n"
	"	bnez a0, 1f\n"
	"	mv a0, t0\n"
	"	mv a1, t1\n"
	"	mv a2, t2\n"
	"	li a7, 221\n"		/* execve */
	"	ecall\n"
	"	li a0, 127\n"
	"	li a7, 93\n"		/* exit */
	"	ecall\n"
	"1:	ret\n");

struct ctx {
	u64 flash_base, flash_size;
	int pass, fail;
	const char *mnt;
	char dev[128];
};

static u64 fnv1a64(u64 h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

static const char *errno_name(long e)
{
	switch (e) {
	case 1: return "EPERM";
	case 2: return "ENOENT";
	case 5: return "EIO";
	case 9: return "EBADF";
	case 11: return "EAGAIN";
	case 12: return "ENOMEM";
	case 13: return "EACCES";
	case 14: return "EFAULT";
	case 16: return "EBUSY";
	case 19: return "ENODEV";
	case 20: return "ENOTDIR";
	case 22: return "EINVAL";
	case 26: return "ETXTBSY";
	case 30: return "EROFS";
	case 38: return "ENOSYS";
	case 75: return "EOVERFLOW";
	case 95: return "EOPNOTSUPP";
	default: return "E?";
	}
}

static void l_errno(struct line *l, long r)
{
	const char *name = errno_name(-r);

	if (seq(name, "E?")) {
		l_str(l, "E");
		l_dec(l, -r);
	} else {
		l_str(l, name);
	}
}

static void l_nommu(struct line *l, const char *what)
{
	l_init(l, 1);
	l_str(l, "NOMMU ");
	l_str(l, what);
}

static void say(const char *what, const char *rest)
{
	struct line l;

	l_nommu(&l, what);
	if (rest) {
		l_ch(&l, ' ');
		l_str(&l, rest);
	}
	l_end(&l);
}

/* PATH relative to the image root -> the mount point's path */
static void full_path(const struct ctx *c, const char *path, char *out, size_t n)
{
	size_t i = 0;
	const char *s;

	for (s = c->mnt; *s && i + 1 < n; s++)
		out[i++] = *s;
	for (s = path; *s && i + 1 < n; s++)
		out[i++] = *s;
	out[i] = 0;
}

static void unescape(char *s)
{
	char *d = s;
	u64 v;

	for (; *s; s++) {
		if (s[0] == '%' && s[1] && s[2]) {
			char hex[5] = { '0', 'x', s[1], s[2], 0 };

			if (parse_num(hex, &v) == 0) {
				*d++ = (char)v;
				s += 2;
				continue;
			}
		}
		*d++ = *s;
	}
	*d = 0;
}

/* splits a line in place into at most max words */
static int split(char *s, char **w, int max)
{
	int n = 0;

	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			*s++ = 0;
		if (!*s)
			break;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	while (*s == ' ' || *s == '\t')
		*s++ = 0;
	return n;
}

/* reads a whole file into buf (NUL-terminated); bytes read or -errno */
static long slurp(const char *path, char *buf, size_t n)
{
	long fd = sys_open(path), got = 0, r;

	if (is_err(fd))
		return fd;
	while ((size_t)got + 1 < n && (r = sys_read((int)fd, buf + got, n - 1 - (size_t)got)) > 0)
		got += r;
	sys_close((int)fd);
	buf[got] = 0;
	return got;
}

/* kB of one /proc/meminfo field, -1 when absent */
static long meminfo(const char *field)
{
	char buf[4096], *p = buf;
	size_t n = slen(field);

	if (slurp("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	while (*p) {
		if (starts(p, field) && p[n] == ':') {
			long v = 0;

			for (p += n + 1; *p == ' '; p++)
				;
			for (; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (*p - '0');
			return v;
		}
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	return -1;
}

static int in_flash(const struct ctx *c, unsigned long addr)
{
	return addr >= c->flash_base && addr < c->flash_base + c->flash_size;
}

/* flash, flash-elsewhere or copy; have_off says whether OFFSET was given */
static const char *where(const struct ctx *c, unsigned long addr, int have_off, u64 off)
{
	if (have_off && addr == c->flash_base + off)
		return "flash";
	if (in_flash(c, addr))
		return "flash-elsewhere";
	return "copy";
}

static int mount_image(struct ctx *c)
{
	char mtd[2048], *p, *name;
	long r;
	struct line l;

	r = sys5(NR_mount, c->dev, c->mnt, "cramfs", MS_RDONLY, 0);
	if (r == 0)
		return 0;
	l_nommu(&l, "mount dev=");
	l_esc(&l, c->dev);
	l_str(&l, " failed ");
	l_errno(&l, r);
	l_end(&l);
	/* the name of the flash's MTD device from /proc/mtd: mtdN: SIZE ERASE "NAME" */
	if (slurp("/proc/mtd", mtd, sizeof(mtd)) <= 0)
		return -1;
	for (p = mtd; *p; ) {
		char *end = p;

		while (*end && *end != '\n')
			end++;
		if (*end)
			*end++ = 0;
		name = p;
		while (*name && *name != '"')
			name++;
		if (*name == '"') {
			char *q = ++name;
			char hex[24], *h = hex;
			u64 base = c->flash_base;
			int i;

			while (*q && *q != '"')
				q++;
			*q = 0;
			/* the bank's node is named after its address: 22000000.flash */
			for (i = 28; i >= 0; i -= 4)
				if ((base >> i) & 15 || h != hex || i == 0)
					*h++ = "0123456789abcdef"[(base >> i) & 15];
			*h = 0;
			if (starts(name, hex)) {
				size_t k = 0;
				const char *s = "mtd:";

				while (*s)
					c->dev[k++] = *s++;
				for (s = name; *s && k + 1 < sizeof(c->dev); s++)
					c->dev[k++] = *s;
				c->dev[k] = 0;
				return (int)sys5(NR_mount, c->dev, c->mnt, "cramfs", MS_RDONLY, 0);
			}
		}
		p = end;
	}
	return -1;
}

static void print_mtd(void)
{
	char mtd[2048], *p;

	if (slurp("/proc/mtd", mtd, sizeof(mtd)) <= 0)
		return;
	for (p = mtd; *p; ) {
		char *end = p;
		struct line l;

		while (*end && *end != '\n')
			end++;
		if (*end)
			*end++ = 0;
		l_nommu(&l, "mtd ");
		l_esc(&l, p);
		l_end(&l);
		p = end;
	}
}

/* content check of a mapping or a read: ok, known (last page zeroed) or BAD */
static const char *verdict(u64 h, u64 want, int have_known, u64 known)
{
	if (h == want)
		return "ok";
	if (have_known && h == known)
		return "known";
	return "BAD";
}

static const char *req_name(int i)
{
	switch (i) {
	case 0: return "shared-r";
	case 1: return "private-r";
	case 2: return "private-rx";
	default: return "private-rw";
	}
}

static int req_prot(int i)
{
	return i == 0 || i == 1 ? PROT_READ : i == 2 ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE;
}

static int req_flags(int i)
{
	return i == 0 ? MAP_SHARED : MAP_PRIVATE;
}

static void check_file(struct ctx *c, char **w, int n)
{
	char path[512], buf[4096];
	u64 size, want, off = 0, known = 0, h = FNV_INIT, got = 0;
	int have_off, have_known, i;
	long fd, r;
	struct line l;
	const char *v;

	if (n < 6 || parse_num(w[2], &size)) {
		say("error", "bad file line in the manifest");
		c->fail++;
		return;
	}
	/* the hashes are 16 hex digits without 0x */
	{
		char hx[24] = "0x";
		int k;

		for (k = 0; w[3][k] && k < 16; k++)
			hx[2 + k] = w[3][k];
		hx[2 + k] = 0;
		parse_num(hx, &want);
		have_known = !seq(w[5], "-");
		if (have_known) {
			for (k = 0; w[5][k] && k < 16; k++)
				hx[2 + k] = w[5][k];
			hx[2 + k] = 0;
			parse_num(hx, &known);
		}
	}
	have_off = !seq(w[4], "-") && parse_num(w[4], &off) == 0;
	full_path(c, w[1], path, sizeof(path));

	fd = sys_open(path);
	if (is_err(fd)) {
		l_nommu(&l, "read ");
		l_esc(&l, w[1]);
		l_str(&l, " BAD open=");
		l_errno(&l, fd);
		l_end(&l);
		c->fail++;
		return;
	}
	while ((r = sys_read((int)fd, buf, sizeof(buf))) > 0) {
		h = fnv1a64(h, (unsigned char *)buf, (size_t)r);
		got += (u64)r;
	}
	v = got != size ? "BAD" : verdict(h, want, have_known, known);
	l_nommu(&l, "read ");
	l_esc(&l, w[1]);
	l_str(&l, " size=");
	l_dec(&l, (long)got);
	l_ch(&l, ' ');
	l_str(&l, v);
	l_str(&l, " hash=");
	l_hex16(&l, h);
	l_end(&l);
	if (seq(v, "BAD"))
		c->fail++;
	else
		c->pass++;

	/* one mapping at a time: coexisting ones change each other's outcome */
	for (i = 0; i < 4 && size > 0; i++) {
		long addr = sys_mmap((size_t)size, req_prot(i), req_flags(i), (int)fd);
		const char *outcome, *content = "-";

		if (is_err(addr)) {
			l_nommu(&l, "map ");
			l_esc(&l, w[1]);
			l_ch(&l, ' ');
			l_str(&l, req_name(i));
			l_ch(&l, ' ');
			l_errno(&l, addr);
			l_str(&l, " - addr=-");
			l_end(&l);
			c->pass++;
			continue;
		}
		outcome = where(c, (unsigned long)addr, have_off, off);
		h = fnv1a64(FNV_INIT, (const unsigned char *)addr, (size_t)size);
		content = verdict(h, want, have_known, known);
		if (seq(outcome, "copy")) {
			/* zeros from EOF to the end of the page (a flash mapping shows the image there) */
			const unsigned char *p = (const unsigned char *)addr;
			u64 end = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), k;

			for (k = size; k < end; k++)
				if (p[k]) {
					content = "BAD";
					break;
				}
		}
		l_nommu(&l, "map ");
		l_esc(&l, w[1]);
		l_ch(&l, ' ');
		l_str(&l, req_name(i));
		l_ch(&l, ' ');
		l_str(&l, outcome);
		l_ch(&l, ' ');
		l_str(&l, content);
		l_str(&l, " addr=");
		l_hex(&l, (unsigned long)addr);
		r = sys_munmap(addr, (size_t)size);
		if (r) {
			l_str(&l, " munmap=");
			l_errno(&l, r);
			content = "BAD";
		}
		l_end(&l);
		if (seq(content, "BAD"))
			c->fail++;
		else
			c->pass++;
	}
	sys_close((int)fd);
}

static void l_num(char *out, long v)
{
	struct line l;
	size_t i;

	l_init(&l, -1);
	l_dec(&l, v);
	for (i = 0; i < l.len; i++)
		out[i] = l.buf[i];
	out[i] = 0;
}

static void run_program(struct ctx *c, char **w, int n)
{
	char path[512], fdarg[24], report[512], *argv[5], *envp[1] = { 0 };
	int fds[2], status = 0;
	long pid, got = 0, r;
	u64 expect_exit = 0, off = 0, text = 0;
	int have_off, ok = 1;
	struct line l;
	const char *loc = "ram";

	if (n < 4 || parse_num(w[2], &expect_exit)) {
		say("error", "bad run line in the manifest");
		c->fail++;
		return;
	}
	have_off = !seq(w[3], "-") && parse_num(w[3], &off) == 0;
	full_path(c, w[1], path, sizeof(path));
	if (sys2(NR_pipe2, fds, 0)) {
		say("error", "pipe2 failed");
		c->fail++;
		return;
	}
	l_num(fdarg, fds[1]);
	argv[0] = path;
	argv[1] = "where";
	argv[2] = fdarg;
	argv[3] = w[2];
	argv[4] = 0;
	pid = nommu_spawn(path, argv, envp);
	sys_close(fds[1]);
	if (!is_err(pid))
		while (got + 1 < (long)sizeof(report) &&
		       (r = sys_read(fds[0], report + got, sizeof(report) - 1 - (size_t)got)) > 0)
			got += r;
	report[got] = 0;
	sys_close(fds[0]);
	l_nommu(&l, "run ");
	l_esc(&l, w[1]);
	if (is_err(pid)) {
		l_str(&l, " BAD spawn=");
		l_errno(&l, pid);
		l_end(&l);
		c->fail++;
		return;
	}
	r = sys4(NR_wait4, pid, &status, 0, 0);
	if (starts(report, "text=")) {
		char *e = report + 5;

		while (*e && *e != ' ' && *e != '\n')
			e++;
		*e = 0;
		if (parse_num(report + 5, &text))
			ok = 0;
		loc = where(c, (unsigned long)text, have_off, off);
		if (seq(loc, "copy"))
			loc = "ram";
	} else {
		ok = 0;
	}
	if (is_err(r) || (status & 0x7f) || ((status >> 8) & 0xff) != (int)expect_exit)
		ok = 0;
	l_str(&l, " exit=");
	if (status & 0x7f) {
		l_str(&l, "signal");
		l_dec(&l, status & 0x7f);
	} else {
		l_dec(&l, (status >> 8) & 0xff);
	}
	l_str(&l, " where=");
	l_str(&l, ok ? loc : "unknown");
	l_str(&l, " text=");
	l_hex(&l, text);
	l_str(&l, ok ? " ok" : " BAD");
	l_end(&l);
	if (ok)
		c->pass++;
	else
		c->fail++;
}

/* MemFree and Cached while N copies of a program are alive at once */
static void ram_figure(struct ctx *c, char **w, int n)
{
	char path[512], rd[24], rl[24], *argv[5], *envp[1] = { 0 }, byte;
	int ready[2], release[2], status, started = 0, k, ok = 1;
	long pids[16], free0, cached0, free1, cached1, free2, cached2;
	u64 count;
	struct line l;

	if (n < 3 || parse_num(w[2], &count) || count < 1 || count > 16) {
		say("error", "bad ram line in the manifest");
		c->fail++;
		return;
	}
	full_path(c, w[1], path, sizeof(path));
	free0 = meminfo("MemFree");
	cached0 = meminfo("Cached");
	if (sys2(NR_pipe2, ready, 0) || sys2(NR_pipe2, release, 0)) {
		say("error", "pipe2 failed");
		c->fail++;
		return;
	}
	l_num(rd, ready[1]);
	l_num(rl, release[0]);
	argv[0] = path;
	argv[1] = "hold";
	argv[2] = rd;
	argv[3] = rl;
	argv[4] = 0;
	for (k = 0; k < (int)count; k++) {
		pids[k] = nommu_spawn(path, argv, envp);
		if (is_err(pids[k])) {
			ok = 0;
			break;
		}
		started++;
	}
	/* each copy says it runs; a copy that failed to start would hang this (the host's timeout) */
	for (k = 0; k < started; k++)
		if (sys_read(ready[0], &byte, 1) != 1)
			ok = 0;
	free1 = meminfo("MemFree");
	cached1 = meminfo("Cached");
	for (k = 0; k < started; k++)
		sys_write(release[1], "g", 1);
	for (k = 0; k < started; k++) {
		status = 0;
		if (is_err(sys4(NR_wait4, pids[k], &status, 0, 0)) || status)
			ok = 0;
	}
	sys_close(ready[0]);
	sys_close(ready[1]);
	sys_close(release[0]);
	sys_close(release[1]);
	free2 = meminfo("MemFree");
	cached2 = meminfo("Cached");
	l_nommu(&l, "ram ");
	l_esc(&l, w[1]);
	l_str(&l, " n=");
	l_dec(&l, started);
	l_str(&l, " memfree-delta=");
	l_dec(&l, free1 - free0);
	l_str(&l, " cached-delta=");
	l_dec(&l, cached1 - cached0);
	l_str(&l, " before=");
	l_dec(&l, free0);
	l_ch(&l, ',');
	l_dec(&l, cached0);
	l_str(&l, " running=");
	l_dec(&l, free1);
	l_ch(&l, ',');
	l_dec(&l, cached1);
	l_str(&l, " after=");
	l_dec(&l, free2);
	l_ch(&l, ',');
	l_dec(&l, cached2);
	l_str(&l, ok && started == (int)count ? " ok" : " BAD");
	l_end(&l);
	if (ok && started == (int)count)
		c->pass++;
	else
		c->fail++;
}

/*
 * Two private read-only mappings of the same file at once, in one process:
 * what the kernel hands out, what /proc/self/maps shows, and how munmap
 * of each goes.  Documents behaviour; the host decides what to expect.
 */
static void two_maps(struct ctx *c, char **w, int n)
{
	char path[512], maps[8192], *p;
	long fd, a, b, ra = 1, rb = 1;
	u64 size;
	int vmas = 0;
	struct line l;

	if (n < 3 || parse_num(w[2], &size)) {
		say("error", "bad twomaps line in the manifest");
		c->fail++;
		return;
	}
	if (w[1][0] == '/' && w[1][1] == '/') {
		/* "//PATH": a file of the initramfs, not of the image */
		const char *mnt = c->mnt;

		c->mnt = "";
		full_path(c, w[1] + 1, path, sizeof(path));
		c->mnt = mnt;
	} else {
		full_path(c, w[1], path, sizeof(path));
	}
	fd = sys_open(path);
	if (is_err(fd)) {
		say("error", "twomaps: open failed");
		c->fail++;
		return;
	}
	a = sys_mmap((size_t)size, PROT_READ, MAP_PRIVATE, (int)fd);
	b = sys_mmap((size_t)size, PROT_READ, MAP_PRIVATE, (int)fd);
	if (slurp("/proc/self/maps", maps, sizeof(maps)) > 0) {
		for (p = maps; *p; ) {
			char *end = p, *q;

			while (*end && *end != '\n')
				end++;
			if (*end)
				*end++ = 0;
			for (q = p; *q && !seq(q, path); q++)
				;
			if (*q) {
				char *r = p, *o = p;

				/* one space between the fields of the maps line */
				for (; *r; r++)
					if (*r != ' ' || (o > p && o[-1] != ' '))
						*o++ = *r;
				*o = 0;
				vmas++;
				l_nommu(&l, "twomaps-vma ");
				l_esc(&l, w[1]);
				l_ch(&l, ' ');
				l_esc(&l, p);
				l_end(&l);
			}
			p = end;
		}
	}
	if (!is_err(a))
		ra = sys_munmap(a, (size_t)size);
	if (!is_err(b))
		rb = sys_munmap(b, (size_t)size);
	sys_close((int)fd);
	l_nommu(&l, "twomaps ");
	l_esc(&l, w[1]);
	l_str(&l, " first=");
	if (is_err(a))
		l_errno(&l, a);
	else
		l_hex(&l, (unsigned long)a);
	l_str(&l, " second=");
	if (is_err(b))
		l_errno(&l, b);
	else
		l_hex(&l, (unsigned long)b);
	l_str(&l, " where=");
	l_str(&l, is_err(a) ? "-" : in_flash(c, (unsigned long)a) ? "flash" : "copy");
	l_str(&l, " same=");
	l_str(&l, !is_err(a) && a == b ? "yes" : "no");
	l_str(&l, " vmas=");
	l_dec(&l, vmas);
	l_str(&l, " munmap-first=");
	if (ra)
		l_errno(&l, ra);
	else
		l_str(&l, "ok");
	l_str(&l, " munmap-second=");
	if (rb)
		l_errno(&l, rb);
	else
		l_str(&l, "ok");
	l_end(&l);
	c->pass++;
}

static void option(struct ctx *c, const char *opt)
{
	if (starts(opt, "dev=")) {
		size_t k;

		for (k = 0; opt[4 + k] && k + 1 < sizeof(c->dev); k++)
			c->dev[k] = opt[4 + k];
		c->dev[k] = 0;
	} else if (starts(opt, "flash=")) {
		char tmp[64], *comma;
		size_t k;

		for (k = 0; opt[6 + k] && k + 1 < sizeof(tmp); k++)
			tmp[k] = opt[6 + k];
		tmp[k] = 0;
		for (comma = tmp; *comma && *comma != ','; comma++)
			;
		if (*comma) {
			*comma = 0;
			parse_num(comma + 1, &c->flash_size);
		}
		parse_num(tmp, &c->flash_base);
	}
}

static __attribute__((noreturn)) void finish(struct ctx *c, int mounted)
{
	struct line l;
	long r = 0;

	if (mounted) {
		r = sys2(NR_umount2, c->mnt, 0);
		l_nommu(&l, "umount ");
		if (r)
			l_errno(&l, r);
		else
			l_str(&l, "ok");
		l_end(&l);
	}
	l_nommu(&l, "done pass=");
	l_dec(&l, c->pass);
	l_str(&l, " fail=");
	l_dec(&l, c->fail);
	l_end(&l);
	if (r) {
		/*
		 * Power-off waits forever for the CFI chip while the image is
		 * still mapped (mtd_point): leave instead, the kernel panics
		 * and panic=-1 restarts at once, which ends qemu (-no-reboot).
		 */
		say("halt", "panic");
		sys_exit(0);
	}
	say("halt", "power-off");
	sys4(NR_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, 0);
	sys_exit(1);
}

int nommu_main(long argc, char **argv)
{
	struct ctx c;
	char *buf, *p, *w[16];
	long len, r;
	int n;
	struct line l;
	const char *def = "mtd:22000000.flash";
	size_t k;

	(void)argc;
	(void)argv;
	c.flash_base = 0x22000000;
	c.flash_size = 0x2000000;
	c.pass = c.fail = 0;
	c.mnt = "/mnt";
	for (k = 0; def[k]; k++)
		c.dev[k] = def[k];
	c.dev[k] = 0;

	r = sys5(NR_mount, "proc", "/proc", "proc", 0, 0);
	if (r) {
		say("error", "mount of /proc failed");
		c.fail++;
	}
	buf = (char *)sys_mmap(MANIFEST_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (is_err((long)buf)) {
		say("error", "no memory for the manifest");
		c.fail++;
		finish(&c, 0);
	}
	len = slurp("/manifest", buf, MANIFEST_MAX);
	if (len <= 0 || (size_t)len + 1 >= MANIFEST_MAX) {
		say("error", "cannot read /manifest (missing or too large)");
		c.fail++;
		finish(&c, 0);
	}
	/* options first: they say what to mount */
	for (p = buf; *p; p++)
		if ((p == buf || p[-1] == '\n') && starts(p, "option ")) {
			char opt[256];

			for (k = 0; p[7 + k] && p[7 + k] != '\n' && k + 1 < sizeof(opt); k++)
				opt[k] = p[7 + k];
			opt[k] = 0;
			option(&c, opt);
		}
	l_nommu(&l, "start flash=");
	l_hex(&l, c.flash_base);
	l_ch(&l, ',');
	l_hex(&l, c.flash_size);
	l_str(&l, " pagesize=");
	l_dec(&l, (long)PAGE_SIZE);
	l_str(&l, " init-text=");
	l_hex(&l, text_base());
	l_end(&l);
	print_mtd();
	if (mount_image(&c)) {
		l_nommu(&l, "error mount of ");
		l_esc(&l, c.dev);
		l_str(&l, " failed");
		l_end(&l);
		c.fail++;
		finish(&c, 0);
	}
	l_nommu(&l, "mount dev=");
	l_esc(&l, c.dev);
	l_str(&l, " ok");
	l_end(&l);

	for (p = buf; *p; ) {
		char *end = p;
		int i;

		while (*end && *end != '\n')
			end++;
		if (*end)
			*end++ = 0;
		n = split(p, w, 16);
		for (i = 0; i < n; i++)
			unescape(w[i]);
		if (n == 0 || w[0][0] == '#')
			;
		else if (seq(w[0], "file"))
			check_file(&c, w, n);
		else if (seq(w[0], "run"))
			run_program(&c, w, n);
		else if (seq(w[0], "ram"))
			ram_figure(&c, w, n);
		else if (seq(w[0], "twomaps"))
			two_maps(&c, w, n);
		p = end;
	}
	finish(&c, 1);
}
