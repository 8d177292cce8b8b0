// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An image that changes while it is read.  The reader maps the image; if
 * the file is truncated meanwhile, touching a page past its new end raises
 * SIGBUS, which would kill the process.  Code that reads the mapping runs
 * inside a guard (image.h): the handler installed here jumps from a fault
 * inside a guarded mapping back to where its guard was set, on the thread
 * that faulted (each thread of the inflating pool sets its own), and the
 * reader returns -ESTALE with the message "image changed while being read".
 * Any other SIGBUS goes to the handler there was before, or kills the
 * process as it would have.
 *
 * A file rewritten in place does not fault; its size and modification time
 * are compared with those it had when opened, at the end of each pass.
 *
 * A jump out of an inflation built with zlib leaves that call's inflate
 * state (some 40 KB) allocated: once per thread, as the image is not read
 * again.  libdeflate keeps no state between calls.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "image.h"

static __thread struct img_guard *guard_top __attribute__((tls_model("initial-exec")));
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static int install_err;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	const uint8_t *addr = si->si_addr;

	/* si_code > 0: raised by the kernel for this access, not sent by kill() */
	for (struct img_guard *g = guard_top; g && si->si_code > 0; g = g->outer) {
		if (addr >= g->lo && addr < g->hi) {
			g->fault = (uint64_t)(addr - g->lo);
			guard_top = g;          /* guards inside it are left by the jump */
			siglongjmp(g->jump, 1);
		}
	}
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, si, uc);
		return;
	}
	if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
		return;
	}
	/* as without us: a fault happens again on return, a sent signal is raised again */
	sigaction(SIGBUS, &previous, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

static void install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus };

	/* SA_NODEFER: the jump out of the handler leaves the signal mask as it was before the fault */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &previous) < 0)
		install_err = -errno;
}

int img_guard_init(void)
{
	pthread_once(&installed, install);
	return install_err;
}

void img_guard_push(struct img_guard *g, const struct cramfs_image *img)
{
	g->lo = img->map;
	g->hi = img->map + img->map_len;
	g->fault = UINT64_MAX;
	g->outer = guard_top;
	atomic_signal_fence(memory_order_seq_cst);
	guard_top = g;
	atomic_signal_fence(memory_order_seq_cst);
}

void img_guard_pop(struct img_guard *g)
{
	atomic_signal_fence(memory_order_seq_cst);
	guard_top = g->outer;
	atomic_signal_fence(memory_order_seq_cst);
}

static uint64_t size_now(const struct cramfs_image *img, struct stat *st)
{
	off_t end;

	if (fstat(img->fd, st) < 0)
		return UINT64_MAX;
	if (S_ISREG(st->st_mode))
		return (uint64_t)st->st_size;
	end = lseek(img->fd, 0, SEEK_END);
	return end < 0 ? UINT64_MAX : (uint64_t)end;
}

int img_changed(struct cramfs_image *img, uint64_t off)
{
	const char *path = img->path ? img->path : "image";
	struct stat st;
	uint64_t now;

	img->changed = true;
	if (img->fault_off == UINT64_MAX)
		img->fault_off = off;
	/* quiet passes (block size detection) leave the message to the caller's */
	if (img->changed_logged || !img->log.fn)
		return -ESTALE;
	img->changed_logged = true;
	off = img->fault_off;
	now = size_now(img, &st);
	if (now < img->map_len && off != UINT64_MAX)
		img_err(&img->log, "%s: image changed while being read: it has %llu bytes now, %llu when opened "
			"(byte %llu is gone)", path, (unsigned long long)now, (unsigned long long)img->map_len,
			(unsigned long long)off);
	else if (now < img->map_len)
		img_err(&img->log, "%s: image changed while being read: it has %llu bytes now, %llu when opened",
			path, (unsigned long long)now, (unsigned long long)img->map_len);
	else if (off != UINT64_MAX)
		img_err(&img->log, "%s: image changed while being read, or reading it failed, at byte %llu", path,
			(unsigned long long)off);
	else
		img_err(&img->log, "%s: image changed while being read (its size or modification time is not what "
			"it was when opened)", path);
	return -ESTALE;
}

int img_unchanged(struct cramfs_image *img)
{
	struct stat st;
	uint64_t now;

	if (img->changed)
		return img_changed(img, UINT64_MAX);
	now = size_now(img, &st);
	if (now != img->map_len)
		return img_changed(img, UINT64_MAX);
	if (S_ISREG(st.st_mode) && (st.st_mtim.tv_sec != img->mtime.tv_sec || st.st_mtim.tv_nsec != img->mtime.tv_nsec))
		return img_changed(img, UINT64_MAX);
	return 0;
}
