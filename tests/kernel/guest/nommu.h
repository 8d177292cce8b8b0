/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Freestanding support for the rig's riscv64 no-MMU guest programs: raw
 * system calls, the program entry, line output.  No libc exists for them:
 * the kernel runs bFLT programs only (tests/kernel/elf2flt.py makes them).
 *
 * Every program is one read+exec block loaded wherever the kernel likes,
 * with its text possibly in flash and its (empty) data in RAM, so nothing
 * here may be written or addressed absolutely: no globals, no static
 * variables, no tables of pointers.  Code and string literals are reached
 * PC-relative (-mcmodel=medany -fno-pic), all state lives on the stack.
 */
#ifndef NOMMU_H
#define NOMMU_H

typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned long long u64;

#define NR_dup3 24
#define NR_umount2 39
#define NR_mount 40
#define NR_openat 56
#define NR_close 57
#define NR_pipe2 59
#define NR_read 63
#define NR_write 64
#define NR_exit 93
#define NR_exit_group 94
#define NR_reboot 142
#define NR_munmap 215
#define NR_clone 220
#define NR_execve 221
#define NR_mmap 222
#define NR_wait4 260

#define AT_FDCWD (-100)
#define O_RDONLY 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 1
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define MS_RDONLY 1
#define PAGE_SIZE 4096ul

/* not every program uses every helper */
#define HELPER static __attribute__((unused))

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	register long a7 __asm__("a7") = n;

	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
			 : "memory");
	return a0;
}

#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static inline int is_err(long r)
{
	return r < 0 && r >= -4095;
}

static inline ssize_t sys_read(int fd, void *buf, size_t n)
{
	return sys3(NR_read, fd, buf, n);
}

static inline ssize_t sys_write(int fd, const void *buf, size_t n)
{
	return sys3(NR_write, fd, buf, n);
}

static inline int sys_open(const char *path)
{
	return (int)sys4(NR_openat, AT_FDCWD, path, O_RDONLY, 0);
}

static inline int sys_close(int fd)
{
	return (int)sys1(NR_close, fd);
}

static inline long sys_mmap(size_t len, int prot, int flags, int fd)
{
	return sys6(NR_mmap, 0, (long)len, prot, flags, fd, 0);
}

static inline int sys_munmap(long addr, size_t len)
{
	return (int)sys2(NR_munmap, addr, len);
}

static inline __attribute__((noreturn)) void sys_exit(int code)
{
	for (;;)
		sys1(NR_exit_group, code);
}

/*
 * The program entry: the kernel leaves argc, argv[], 0, envp[], 0 at sp.
 * nommu_main returns the exit status.
 */
int nommu_main(long argc, char **argv);

__asm__(".section .text.start,\"ax\",@progbits\n"
	".globl _start\n"
	"_start:\n"
	"	ld a0, 0(sp)\n"
	"	addi a1, sp, 8\n"
	"	andi sp, sp, -16\n"
	"	call nommu_main\n"
	"	li a7, 94\n"
	"	ecall\n"
	"1:	j 1b\n"
	".previous\n");

/* The start of the block, i.e. where the kernel put file offset 0 (linker script). */
extern const char __flat_base[];

static inline unsigned long text_base(void)
{
	unsigned long p;

	/* lla is auipc+addi: PC-relative whatever -mcmodel says */
	__asm__("lla %0, __flat_base" : "=r"(p));
	return p;
}

static inline unsigned long current_pc(void)
{
	unsigned long pc;

	__asm__ volatile("auipc %0, 0" : "=r"(pc));
	return pc;
}

/* gcc may emit calls to these for structure copies even when freestanding */
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

HELPER size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

HELPER int seq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

HELPER int starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

/* One line of output, built on the stack and written with one write(). */
struct line {
	int fd;
	size_t len;
	char buf[1024];
};

HELPER void l_init(struct line *l, int fd)
{
	l->fd = fd;
	l->len = 0;
}

HELPER void l_ch(struct line *l, char c)
{
	if (l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = c;
}

HELPER void l_str(struct line *l, const char *s)
{
	while (*s)
		l_ch(l, *s++);
}

HELPER void l_hex(struct line *l, u64 v)
{
	char d[16];
	int n = 0;

	l_str(l, "0x");
	do {
		d[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		l_ch(l, d[--n]);
}

HELPER void l_hex16(struct line *l, u64 v)
{
	int i;

	for (i = 60; i >= 0; i -= 4)
		l_ch(l, "0123456789abcdef"[(v >> i) & 15]);
}

HELPER void l_dec(struct line *l, long v)
{
	char d[20];
	int n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	if (v < 0)
		l_ch(l, '-');
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		l_ch(l, d[--n]);
}

/* a path or other text as one field: space, control bytes, '%', '=' and bytes >= 0x7f as %XX */
HELPER void l_esc(struct line *l, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '%' || c == '=') {
			l_ch(l, '%');
			l_ch(l, "0123456789ABCDEF"[c >> 4]);
			l_ch(l, "0123456789ABCDEF"[c & 15]);
		} else {
			l_ch(l, (char)c);
		}
	}
}

HELPER void l_end(struct line *l)
{
	size_t done = 0;

	l->buf[l->len++] = '\n';
	while (done < l->len) {
		ssize_t r = sys_write(l->fd, l->buf + done, l->len - done);

		if (r <= 0)
			break;
		done += (size_t)r;
	}
	l->len = 0;
}

HELPER int parse_num(const char *s, u64 *out)
{
	u64 v = 0;
	int base = 10, any = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		v = v * (u64)base + (u64)d;
		any = 1;
	}
	*out = v;
	return any ? 0 : -1;
}

#endif
