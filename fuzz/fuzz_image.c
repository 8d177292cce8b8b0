// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the library's image reader on arbitrary bytes.
 *
 * Each input is written to a memfd and opened through /proc/self/fd with
 * cramfs_image_open, once with block size detection and once with each fixed
 * block size.  Every image that opens is checked (cramfs_check), reported on
 * (cramfs_xip_report) and extracted (cramfs_extract) into a fresh directory,
 * which is removed afterwards.  Every message is formatted, so format
 * arguments are exercised too.
 *
 * Extraction stays inside its target, and the target checks that it does:
 *
 *   - fuzz/build.sh links with -Wl,--wrap for the *at() calls the extractor
 *     makes (mkdirat, openat, symlinkat, mknodat, fchownat, fchmodat).  While
 *     an extraction runs, the wrappers below abort unless the directory
 *     descriptor is the target or below it, the name is a single component,
 *     and the call cannot follow a symlink (O_NOFOLLOW, O_EXCL,
 *     AT_SYMLINK_NOFOLLOW, or an lstat first).  An abort is a finding.
 *   - The target is a directory "out" in a private sandbox that also holds a
 *     sentinel file; after every extraction the sandbox must hold exactly
 *     those two, the sentinel unchanged.
 *
 * An image may declare up to 16 MiB for every one of its entries: inputs
 * whose files add up to more than FUZZ_EXTRACT_LIMIT (4 MiB) are checked but
 * not extracted (the extractor writes what the image declares; that is not a
 * bug, but writing it would make the fuzzer slow, and a few kilobytes of
 * input can declare gigabytes).  Device nodes are created only with
 * FUZZ_DEVICES=1 in the environment (as root they would be real nodes in the
 * sandbox, if only for a moment); fifos and sockets always are.
 *
 * Environment: FUZZ_TMPDIR (else TMPDIR, else /tmp) holds the sandbox,
 * removed at exit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cramfs/cramfs.h"

#define FUZZ_EXTRACT_LIMIT (4ull << 20)
#define SENTINEL_TEXT "the extractor must never touch this file\n"

static char sandbox[4096];      /* private directory: "out" and "sentinel" */
static char target[4200];       /* sandbox/out */
static size_t target_len;
static int input_fd = -1;
static char input_path[64];
static bool extracting;         /* the wrappers enforce the rules only while extracting */
static bool make_devices;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_image: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Every message is formatted (max_level DEBUG) and looked at, then dropped. */
static volatile size_t message_bytes;
static void sink(void *ctx, enum cramfs_level level, const char *text)
{
	(void)ctx;
	(void)level;
	message_bytes += strlen(text);
}

/* ---- the guard around the extractor's file system calls ---- */

int __real_mkdirat(int dirfd, const char *name, mode_t mode);
int __real_openat(int dirfd, const char *name, int flags, ...);
int __real_symlinkat(const char *target, int dirfd, const char *name);
int __real_mknodat(int dirfd, const char *name, mode_t mode, dev_t dev);
int __real_fchownat(int dirfd, const char *name, uid_t uid, gid_t gid, int flags);
int __real_fchmodat(int dirfd, const char *name, mode_t mode, int flags);

static void guard(const char *call, int dirfd, const char *name)
{
	char link[64], where[4200];
	ssize_t n;

	if (!extracting)
		return;
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		die("%s: name \"%s\" is not a single component", call, name);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, where, sizeof(where) - 1);
	if (n < 0)
		die("%s(\"%s\"): directory descriptor %d: %s", call, name, dirfd, strerror(errno));
	where[n] = '\0';
	if ((size_t)n < target_len || memcmp(where, target, target_len) ||
	    (where[target_len] != '\0' && where[target_len] != '/'))
		die("%s(\"%s\"): directory %s is outside the target %s", call, name, where, target);
}

int __wrap_mkdirat(int dirfd, const char *name, mode_t mode)
{
	guard("mkdirat", dirfd, name);
	return __real_mkdirat(dirfd, name, mode);
}

int __wrap_openat(int dirfd, const char *name, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (extracting) {
		guard("openat", dirfd, name);
		if (!(flags & O_NOFOLLOW))
			die("openat(\"%s\") without O_NOFOLLOW", name);
		if ((flags & O_CREAT) && !(flags & O_EXCL))
			die("openat(\"%s\", O_CREAT) without O_EXCL", name);
	}
	return __real_openat(dirfd, name, flags, mode);
}

int __wrap_symlinkat(const char *to, int dirfd, const char *name)
{
	guard("symlinkat", dirfd, name);
	return __real_symlinkat(to, dirfd, name);
}

int __wrap_mknodat(int dirfd, const char *name, mode_t mode, dev_t dev)
{
	guard("mknodat", dirfd, name);
	return __real_mknodat(dirfd, name, mode, dev);
}

int __wrap_fchownat(int dirfd, const char *name, uid_t uid, gid_t gid, int flags)
{
	if (extracting) {
		guard("fchownat", dirfd, name);
		if (!(flags & AT_SYMLINK_NOFOLLOW))
			die("fchownat(\"%s\") follows symlinks", name);
	}
	return __real_fchownat(dirfd, name, uid, gid, flags);
}

int __wrap_fchmodat(int dirfd, const char *name, mode_t mode, int flags)
{
	if (extracting) {
		struct stat st;
		guard("fchmodat", dirfd, name);
		if (!(flags & AT_SYMLINK_NOFOLLOW) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			die("fchmodat(\"%s\") would follow a symlink", name);
	}
	return __real_fchmodat(dirfd, name, mode, flags);
}

/* ---- the sandbox ---- */

/* Remove everything below the directory dirfd (closed here); never follows a symlink. */
static void empty_dir(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;

	if (!d)
		die("fdopendir: %s", strerror(errno));
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("fstatat %s: %s", de->d_name, strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			int fd;
			/* extracted directories may have any mode, 0 included */
			fchmodat(dirfd, de->d_name, 0700, 0);
			fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				die("open %s: %s", de->d_name, strerror(errno));
			empty_dir(fd);
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0)
				die("rmdir %s: %s", de->d_name, strerror(errno));
		} else if (unlinkat(dirfd, de->d_name, 0) < 0) {
			die("unlink %s: %s", de->d_name, strerror(errno));
		}
		rewinddir(d);   /* entries were removed under the stream */
	}
	closedir(d);
}

static void remove_target(void)
{
	struct stat st;
	int fd;

	if (lstat(target, &st) < 0) {
		if (errno == ENOENT)
			return;
		die("%s: %s", target, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		die("%s is no longer a directory", target);
	chmod(target, 0700);
	fd = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", target, strerror(errno));
	empty_dir(fd);
	if (rmdir(target) < 0)
		die("rmdir %s: %s", target, strerror(errno));
}

/* The sandbox holds "out" (or nothing) and the sentinel, unchanged. */
static void verify_sandbox(void)
{
	DIR *d = opendir(sandbox);
	struct dirent *de;
	char path[4200], buf[sizeof(SENTINEL_TEXT) + 8];
	int fd;
	ssize_t n;

	if (!d)
		die("%s: %s", sandbox, strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "out") &&
		    strcmp(de->d_name, "sentinel"))
			die("extraction wrote outside its target: %s/%s", sandbox, de->d_name);
	closedir(d);
	snprintf(path, sizeof(path), "%s/sentinel", sandbox);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		die("the sentinel %s is gone: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != (ssize_t)strlen(SENTINEL_TEXT) || memcmp(buf, SENTINEL_TEXT, (size_t)n))
		die("extraction changed the sentinel %s/sentinel", sandbox);
}

static void remove_sandbox(void)
{
	char path[4200];

	if (!sandbox[0])
		return;
	remove_target();
	snprintf(path, sizeof(path), "%s/sentinel", sandbox);
	unlink(path);
	rmdir(sandbox);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("FUZZ_TMPDIR");
	struct rlimit rl;
	char path[4200];
	int fd;

	(void)argc;
	(void)argv;
	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(sandbox, sizeof(sandbox), "%s/cramfs-fuzz.XXXXXX", base);
	if (!mkdtemp(sandbox))
		die("mkdtemp %s: %s", sandbox, strerror(errno));
	/* the canonical path: the guard compares it with /proc/self/fd links */
	if (!realpath(sandbox, path))
		die("realpath %s: %s", sandbox, strerror(errno));
	snprintf(sandbox, sizeof(sandbox), "%s", path);
	snprintf(target, sizeof(target), "%s/out", sandbox);
	target_len = strlen(target);
	snprintf(path, sizeof(path), "%s/sentinel", sandbox);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0 || write(fd, SENTINEL_TEXT, strlen(SENTINEL_TEXT)) != (ssize_t)strlen(SENTINEL_TEXT))
		die("cannot write %s", path);
	close(fd);
	atexit(remove_sandbox);

	input_fd = memfd_create("cramfs-fuzz-input", MFD_CLOEXEC);
	if (input_fd < 0)
		die("memfd_create: %s", strerror(errno));
	snprintf(input_path, sizeof(input_path), "/proc/self/fd/%d", input_fd);

	/* the extractor keeps a descriptor open per directory level (up to 1024) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	make_devices = getenv("FUZZ_DEVICES") && !strcmp(getenv("FUZZ_DEVICES"), "1");
	return 0;
}

/* ---- one input ---- */

static int on_xip_file(const struct cramfs_xip_file *f, void *arg)
{
	size_t *sum = arg;

	*sum += strlen(f->path) + (f->reason ? strlen(f->reason) : 0);
	for (size_t i = 0; i < f->nruns; i++) {
		if (f->runs[i].count == 0 || f->runs[i].first + (uint64_t)f->runs[i].count > f->pages)
			die("%s: XIP run %zu (%u+%u) outside the file's %u pages", f->path, i, f->runs[i].first,
			    f->runs[i].count, f->pages);
		*sum += f->runs[i].count;
	}
	if (f->direct_pages > f->pages || f->run_pages > f->pages)
		die("%s: %u direct pages, %u in runs, of %u", f->path, f->direct_pages, f->run_pages, f->pages);
	for (size_t i = 0; i < f->nsegments; i++)
		if (f->segments[i].direct_pages > f->segments[i].pages)
			die("%s: segment %zu: %u direct pages of %u", f->path, i, f->segments[i].direct_pages,
			    f->segments[i].pages);
	if (f->flat && f->flat_in_place && f->flat_text_pages > f->direct_pages)
		die("%s: FLAT text of %u pages in place, %u direct", f->path, f->flat_text_pages, f->direct_pages);
	return 0;
}

struct tally {
	uint64_t bytes;                 /* declared by regular files and symlinks */
	uint64_t entries;
};

static int add_size(struct cramfs_image *img, const struct cramfs_entry *e, void *arg)
{
	struct tally *t = arg;

	(void)img;
	t->entries++;
	if (S_ISREG(e->inode.mode) || S_ISLNK(e->inode.mode))
		t->bytes += e->inode.size;
	if (strlen(e->path) == 0 || e->path[0] != '/')
		die("walk gave the path \"%s\"", e->path);
	return 0;
}

static void run_one(uint32_t blksize, size_t input_size)
{
	struct cramfs_log log = { sink, NULL, CRAMFS_DEBUG };
	struct cramfs_open_options oo = { .blksize = blksize, .log = log };
	/* inputs of odd size are checked on two threads (build.sh starts the pool at 2 compressed blocks) */
	struct cramfs_check_options co = { .verbose_listing = true, .threads = 1 + (input_size & 1), .log = log };
	struct cramfs_extract_options xo = { .restore_owner = true, .create_devices = make_devices, .log = log };
	struct cramfs_check_result cr;
	struct cramfs_xip_totals xt;
	struct cramfs_extract_result xr;
	struct cramfs_image *img;
	const struct cramfs_image_info *info;
	struct tally tally = { 0 };
	size_t sum = 0;

	if (cramfs_image_open(input_path, &oo, &img) < 0)
		return;
	info = cramfs_image_info(img);
	if (blksize && info->blksize != blksize)
		die("opened with block size %u, got %u", blksize, info->blksize);
	cramfs_check(img, &co, &cr);
	cramfs_xip_report(img, on_xip_file, &sum, &xt);
	if (xt.files_all + xt.files_partial + xt.files_none != xt.files)
		die("XIP totals do not add up");
	cramfs_xip_report_page_at(img, 0, on_xip_file, &sum, &xt);
	if (xt.files_all + xt.files_partial + xt.files_none != xt.files)
		die("page-granular XIP totals do not add up");
	cramfs_xip_report_nommu(img, on_xip_file, &sum, &xt);
	if (xt.files_all + xt.files_none != xt.files || xt.files_partial)
		die("no-MMU XIP totals do not add up");
	cramfs_image_walk(img, add_size, &tally);
	/* every byte of directory entries is walked at most once: the walk is linear in the image */
	if (tally.entries > input_size / CRAMFS_INODE_SIZE + 1)
		die("the walk met %llu entries in an image of %zu bytes: entries walked more than once",
		    (unsigned long long)tally.entries, input_size);
	if (tally.bytes <= FUZZ_EXTRACT_LIMIT) {
		extracting = true;
		cramfs_extract(img, target, &xo, &xr);
		extracting = false;
		verify_sandbox();
		remove_target();
	}
	cramfs_image_close(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[] = { 0, 4096, 16384, 65536 };
	size_t done = 0;

	if (ftruncate(input_fd, 0) < 0)
		die("ftruncate: %s", strerror(errno));
	while (done < size) {
		ssize_t n = pwrite(input_fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			die("pwrite: %s", strerror(errno));
		done += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		run_one(sizes[i], size);
	return 0;
}
