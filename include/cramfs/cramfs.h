/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcramfs: build, read and check cramfs images.
 *
 * Functions return 0 (or a count) on success and a negative errno value on
 * failure; they never exit and never print on their own.  Everything they
 * have to say goes through a struct cramfs_log sink supplied by the caller.
 */
#ifndef CRAMFS_H
#define CRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cramfs_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- messages ---- */

enum cramfs_level {
	CRAMFS_ERROR = 0,
	CRAMFS_WARNING = 1,
	CRAMFS_INFO = 2,   /* shown with -v */
	CRAMFS_DEBUG = 3,  /* shown with -vv */
};

/*
 * text is the whole message, without a line end, however long; the names in
 * it are as they are in the tree or the image (see cramfs_put_text).
 */
struct cramfs_log {
	void (*fn)(void *ctx, enum cramfs_level level, const char *text);
	void *ctx;
	enum cramfs_level max_level;   /* messages above this level are not formatted at all */
};

/*
 * The deepest entry the tools build, walk, check and extract: a path of at
 * most this many components ("/a" is at depth 1).  The format and the
 * kernel set no limit, but programs name files by paths shorter than
 * PATH_MAX (4096 bytes): every level takes at least 2 bytes ("/x"), so at
 * this depth a path of one-byte names takes half of PATH_MAX and leaves the
 * other half for the mount point (and, on the build host, the source tree).
 */
#define CRAMFS_MAX_DEPTH 1024

/* ---- building ---- */

#define CRAMFS_DEFAULT_LEVEL 6

enum cramfs_xip_mode {
	CRAMFS_XIP_OFF = 0,
	CRAMFS_XIP_MMU,     /* runs aligned to the block size (the target page size) */
	CRAMFS_XIP_NOMMU,   /* runs aligned to 8 bytes: enough for no-MMU kernels */
};

/* With a profile: the layout of the profiled pages. */
enum cramfs_xip_layout {
	CRAMFS_LAYOUT_STOCK = 0,        /* each segment direct from its first page up to its last hot
					   page: the stock kernel maps a prefix run */
	CRAMFS_LAYOUT_PAGE,             /* the hot pages alone: a page-granular kernel maps each */
};

struct cramfs_progress {
	uint64_t files_done, files_total;   /* files and symlinks with data */
	uint64_t bytes_done, bytes_total;   /* their bytes */
};

struct cramfs_build_options {
	uint32_t blksize;               /* 4096, 16384 or 65536: the target kernel's PAGE_SIZE */
	enum cramfs_endian endian;
	uint32_t edition;
	const char *name;               /* volume name, at most 16 bytes; NULL: "Compressed" */
	bool pad_boot;                  /* 512 zero bytes before the superblock (-p) */
	const char *insert_file;        /* stored raw after the superblock (-i) */
	bool holes;                     /* store all-zero blocks as holes (-z) */
	bool raw_if_larger;             /* store a block raw when compressing does not shrink it (-x) */
	bool warnings_fatal;            /* data-losing conversions are errors (-E): all but the loss of
					   SELinux labels */
	bool selinux_fatal;             /* losing security.selinux labels is an error (--fatal-selinux) */
	bool share_blocks;              /* identical blocks of different files stored once, behind
					   direct pointers (needs Linux >= 4.15; always on with XIP) */
	int level;                      /* compression level, 1 .. cramfs_max_level() */
	unsigned threads;               /* compressing threads; 0: one per CPU the process may run on */
	size_t memory_budget;           /* bytes of file data in flight; 0: the default (32 MiB) */

	/* the tree as the target should see it */
	const char *device_table;       /* makedevs table: nodes, directories, modes, owners (-D) */
	const char *const *exclude_patterns; /* entries left out, with everything below them (patterns
						 as in mkcramfs(8); the root and the empty pattern match none) */
	bool all_root;                  /* every entry owned by 0:0 (-q, --all-root) */
	int64_t force_uid, force_gid;   /* -1: keep; else every entry gets this owner */

	/* execute in place */
	enum cramfs_xip_mode xip;
	bool xip_direct_last_page;      /* the target kernel has the last-page read fix */
	const char *const *xip_patterns;    /* whole files to store XIP (NULL-terminated) */
	const char *const *no_xip_patterns; /* files never stored XIP (NULL-terminated) */
	const char *xip_profile;        /* a profile (cramfs-xip(8)): only the pages it names in place */
	enum cramfs_xip_layout xip_layout;  /* how they are laid out for the kernel */
	bool xip_profile_force;         /* use a profile that looks like another tree's */

	/* called from the writing thread after each batch of blocks */
	void (*progress)(void *ctx, const struct cramfs_progress *p);
	void *progress_ctx;

	struct cramfs_log log;
};

void cramfs_build_options_init(struct cramfs_build_options *opts);

struct cramfs_build_stats {
	uint64_t files;                 /* inodes, root included */
	uint64_t bytes_in;              /* regular file and symlink bytes read */
	uint64_t image_size;
	uint64_t blocks;                /* block pointers written */
	uint64_t dedupe_files;          /* files that share another file's data */
	uint64_t dedupe_bytes;          /* their bytes */
	uint64_t shared_blocks;         /* blocks stored once for several files (share_blocks) */
	uint64_t shared_bytes;          /* image bytes that saved */
	uint64_t warnings;              /* data-losing conversions */
	uint64_t lost_metadata;         /* entries with extended attributes cramfs cannot store */
	uint64_t xip_files;
	uint64_t xip_pages;             /* pages stored behind direct uncompressed pointers */
	uint64_t profile_files;         /* with a profile: files of the tree it names */
	uint64_t profile_pages;         /* profiled pages of program segments (and --xip files) */
	uint64_t profile_pages_xip;     /* of them, stored in place */
	uint64_t padding_bytes;         /* bytes no pointer or entry refers to */
	uint64_t threads;               /* compressing threads that ran */
	int output_error;               /* a failed build: the error (negative errno) of writing or
					   reading back outfd, or 0 if it failed for another reason
					   (a source file that cannot be read or changes while read,
					   a limit, -E: logged, naming the file) */
};

/*
 * Build an image of the tree at srcdir and write it to outfd (a new,
 * seekable, empty file).  On failure outfd holds garbage: the caller must
 * discard it (see cramfs_output_* below).  A failure of the source
 * or of the options is logged as an error naming what failed; one of outfd
 * itself is not, and is returned in stats->output_error too.
 */
int cramfs_build(const char *srcdir, int outfd, const struct cramfs_build_options *opts,
		 struct cramfs_build_stats *stats);

/*
 * The output of an image, as mkcramfs writes it.  Symbolic links are
 * followed to the file they end at.
 *
 * A regular file, or a name where there is nothing yet: the image is built
 * in a temporary file in the directory of that file, which commit renames
 * over it and abort removes; fd is that file, and tmp_path its name, kept
 * so that a signal handler may unlink() it.
 *
 * A block or character device or a FIFO (a pipe, /dev/stdout), which
 * cannot be replaced: it is opened for writing at once (a FIFO waits for a
 * reader; a block device is opened O_EXCL, which fails while it is
 * mounted), the image is built in an unlinked temporary file in $TMPDIR
 * (default /tmp), and commit copies it through front to back; a block device
 * smaller than the image gets nothing (-ENOSPC).  Only commit writes to the
 * device, and a failure while it does leaves a partial image there.
 * tmp_path is NULL.  So is it for a regular file that its path does not name
 * (/proc/self/fd of a deleted file), which is written through the same way.
 *
 * Either way fd is new, seekable and empty, for cramfs_build.
 */
struct cramfs_output {
	int fd;
	char *path;                     /* the file to replace, or the one written through */
	char *tmp_path;
	int dest_fd;                    /* written through: the device, FIFO or file; else -1 */
	uint32_t dest_mode;             /* its st_mode */
};

int cramfs_output_open(struct cramfs_output *out, const char *path);
int cramfs_output_commit(struct cramfs_output *out);
void cramfs_output_abort(struct cramfs_output *out);

/* ---- reading ---- */

struct cramfs_image;

struct cramfs_open_options {
	uint32_t blksize;               /* 0: detect from the image */
	struct cramfs_log log;
};

/*
 * Fills *img, or returns -EINVAL with the reason logged as an error.
 *
 * The image is mapped.  If the file is truncated while it is read, reading
 * past its new end raises SIGBUS: the reader catches that (cramfs_image_open
 * installs a SIGBUS handler, once per process; a SIGBUS that is not from an
 * image's mapping goes to the handler installed before, or kills the process
 * as it would have), logs "image changed while being read" and returns
 * -ESTALE, from this call and every later one on img.  A check, XIP report
 * or extraction after which the file's size or modification time is not
 * what it was when opened returns -ESTALE too.
 */
int cramfs_image_open(const char *path, const struct cramfs_open_options *opts, struct cramfs_image **img);
void cramfs_image_close(struct cramfs_image *img);

struct cramfs_image_info {
	uint64_t sb_offset;             /* 0 or 512 */
	enum cramfs_endian endian;
	uint32_t blksize;
	bool blksize_detected;
	bool blksize_ambiguous;         /* not detected: several sizes fit (a warning says which) */
	uint64_t file_size;             /* bytes in the image file */
	struct cramfs_super super;
};

const struct cramfs_image_info *cramfs_image_info(const struct cramfs_image *img);

/* One entry met while walking the tree. */
struct cramfs_entry {
	const char *path;               /* "/" for the root, else "/a/b" */
	const char *name;               /* last component ("" for the root) */
	uint64_t inode_offset;          /* where its 12-byte inode is (the root: inside the superblock) */
	struct cramfs_inode inode;
	unsigned depth;                 /* 0 for the root; at most CRAMFS_MAX_DEPTH */
};

/*
 * Walk the tree depth first in stored order, calling fn for every entry
 * (parents before children).  fn returns 0 to go on, > 0 to skip a
 * directory's children, < 0 to stop (that value is returned).  The walk
 * checks only what it needs to stay in bounds; cramfs_check does the rest.
 * Entries deeper than CRAMFS_MAX_DEPTH are not walked: a problem, logged
 * as an error naming the directory that holds them.
 */
typedef int (*cramfs_walk_fn)(struct cramfs_image *img, const struct cramfs_entry *e, void *arg);
int cramfs_image_walk(struct cramfs_image *img, cramfs_walk_fn fn, void *arg);

/*
 * Decode a regular file's or symlink's data into buf (inode.size bytes).
 * Returns 0, or -EINVAL with the problem logged (path and byte offset).
 */
int cramfs_image_read(struct cramfs_image *img, const struct cramfs_entry *e, uint8_t *buf);

/* ---- checking ---- */

struct cramfs_check_options {
	bool verbose_listing;           /* log every entry at INFO */
	unsigned threads;               /* inflating threads; 0: one per CPU the process may run on */
	struct cramfs_log log;
};

struct cramfs_check_result {
	uint64_t problems;              /* each one logged as an error naming a path or offset */
	uint64_t warnings;
	uint64_t dirs, files, symlinks, specials;
	uint64_t blocks, holes, raw_blocks, direct_blocks;
	uint64_t data_bytes;            /* file bytes decoded */
	uint64_t unreferenced_bytes;    /* bytes no superblock, entry, pointer or block covers */
	uint64_t inflated;              /* compressed blocks inflated: each distinct one once */
	uint64_t overlapping_blocks;    /* compressed blocks not inflated: they overlap another
					   (a problem the overlap check reports) */
};

/* Returns 0 if the check ran (see result->problems), negative errno if it could not. */
int cramfs_check(struct cramfs_image *img, const struct cramfs_check_options *opts,
		 struct cramfs_check_result *result);

/* ---- what the kernel will map directly ---- */

enum cramfs_xip_mapping {
	CRAMFS_MAP_NONE = 0,    /* an ordinary page-cache mapping */
	CRAMFS_MAP_PARTIAL,     /* VM_MIXEDMAP: direct_pages pages direct (the first ones under the
				   prefix rule, any under the page rule), the rest page cache */
	CRAMFS_MAP_ALL,         /* remap_pfn_range: VM_PFNMAP, nothing in the page cache */
};

/* The kernel whose mapping rule a report follows. */
enum cramfs_xip_rule {
	CRAMFS_XIP_RULE_PREFIX = 0,     /* a stock MMU kernel: one direct run from the mapping's first page
					   (cramfs_xip_report_at) */
	CRAMFS_XIP_RULE_PAGE,           /* an MMU kernel with the page-granular XIP patch of kernel/patches:
					   every suitable page on its own (cramfs_xip_report_page_at) */
	CRAMFS_XIP_RULE_NOMMU,          /* a kernel without an MMU (cramfs_xip_report_nommu) */
};

/* "prefix", "page" or "nommu" ("?" for any other value). */
const char *cramfs_xip_rule_name(enum cramfs_xip_rule rule);

/*
 * Prefix and no-MMU rules: pages the kernel maps directly when a mapping
 * starts at first.  Page rule: direct pages whose blocks follow each other
 * in flash, a page apart.  In page order, never overlapping.
 */
struct cramfs_xip_run {
	uint32_t first, count;
	uint32_t offset;        /* image offset of page first's data */
};

/* One PT_LOAD segment of an ELF file, as a program maps it. */
struct cramfs_xip_segment {
	uint32_t first, pages;          /* the pages its mapping covers */
	uint32_t flags;                 /* p_flags: 4 read, 2 write, 1 execute */
	uint32_t direct_pages;          /* mapped from flash (never for a writable one): from first on
					   under the prefix rule, anywhere in the segment under the page rule */
	const char *reason;             /* why not all, in the kernel's words (or "writable"); NULL if all */
	uint32_t reason_page;           /* the first page not from flash */
};

/*
 * The kernel's decision for a read-only mmap of the whole file, made with
 * the driver's own rules (Linux >= 4.15, CONFIG_CRAMFS_MTD, an MMU, the
 * image at the physical address given to cramfs_xip_report_at() or
 * cramfs_xip_report_page_at(), or at a page-aligned one).
 */
struct cramfs_xip_file {
	const char *path;
	uint32_t size, pages;
	enum cramfs_xip_rule rule;      /* the rule of the report */
	enum cramfs_xip_mapping mapping;
	uint32_t direct_pages;          /* pages direct in the whole-file mapping: from page 0 under the
					   prefix rule, anywhere under the page rule */
	const char *reason;             /* why not all pages, in the kernel's words; NULL if all; valid
					   during the call */
	uint32_t reason_page;           /* the page the reason concerns: the first not direct */
	const struct cramfs_xip_run *runs;  /* every run of directly mappable pages in the file */
	size_t nruns;
	uint32_t run_pages;             /* pages in those runs */
	bool last_page_read_bug;        /* stock kernels read the last page as zeros */
	/* the MMU rules only: an ELF file's PT_LOAD segments, each mapped alone (NULL if not ELF) */
	const struct cramfs_xip_segment *segments;
	size_t nsegments;
	uint32_t ro_pages, ro_direct_pages;     /* pages of its read-only segments; those from flash */
	/* cramfs_xip_report_nommu only: */
	bool nommu;                     /* set: the report is for a kernel without an MMU (as rule says) */
	uint32_t offset;                /* image offset of page 0's data when direct_pages, else 0 */
	bool flat;                      /* a FLAT program (bFLT revision 4 header) */
	uint32_t flat_text_len;         /* its text, file offset 0 up to data_start */
	uint32_t flat_text_pages;
	bool flat_in_place;             /* binfmt_flat maps that text from flash */
	const char *flat_reason;        /* why not, when flat; valid during the call */
};

struct cramfs_xip_totals {
	uint64_t files;                 /* regular files of non-zero size */
	uint64_t files_all, files_partial, files_none;
	uint64_t xip_files;             /* files with at least one directly mappable page */
	uint64_t pages, run_pages;      /* all pages; pages in directly mappable runs */
	uint64_t read_bug_files;
	uint64_t flat_files, flat_in_place;     /* cramfs_xip_report_nommu: FLAT programs; text in flash */
	uint64_t elf_files, elf_ro_pages, elf_ro_direct_pages;  /* the MMU rules: ELF files */
};

typedef int (*cramfs_xip_fn)(const struct cramfs_xip_file *f, void *arg);

/* Calls fn for every regular file of non-zero size, in tree order; the image at a page-aligned address. */
int cramfs_xip_report(struct cramfs_image *img, cramfs_xip_fn fn, void *arg, struct cramfs_xip_totals *totals);

/*
 * The same for an image whose first byte is at physical address phys_addr:
 * the flash's base address plus the partition's offset (or the offset alone
 * when the flash starts at a page-aligned address).  The kernel maps a run
 * directly only where phys_addr plus the run's offset in the image is page
 * aligned.
 */
int cramfs_xip_report_at(struct cramfs_image *img, uint64_t phys_addr, cramfs_xip_fn fn, void *arg,
			 struct cramfs_xip_totals *totals);

/*
 * False when phys_addr is not a multiple of the page size (the block size):
 * then nothing stored page aligned in the image (as mkcramfs -X stores it)
 * maps directly, and every such file's reason names the address.
 */
bool cramfs_xip_phys_aligned(const struct cramfs_image *img, uint64_t phys_addr);

/*
 * The same for a kernel with the page-granular XIP patch of kernel/patches,
 * whose mmap maps each page of a read-only mapping on its own.  Page i of a
 * file maps directly when, in this order (the first that fails is the
 * page's reason): its block pointer is DIRECT|UNCOMPRESSED with a start
 * address that is not 0 ("unsuitable block layout"); the whole page lies
 * inside the image ("block outside the image"); phys_addr plus the block's
 * offset is page aligned ("data is not page aligned"); and, for a partial
 * last page, the bytes after the end of file in it are all zero ("last
 * page is shared").  The pages need be neither a page apart in flash nor
 * a run from the mapping's first page: a mapping gets every direct page in
 * it, and its reason is that of its first page that is not direct
 * ("beyond file limit" past the end of file).  direct_pages counts the
 * direct pages anywhere in the file; runs are the direct pages, split
 * where the next page's block is not the next page of flash; run_pages
 * equals direct_pages.
 */
int cramfs_xip_report_page_at(struct cramfs_image *img, uint64_t phys_addr, cramfs_xip_fn fn, void *arg,
			      struct cramfs_xip_totals *totals);

/*
 * The same for a kernel without an MMU (CONFIG_MMU off, CONFIG_CRAMFS_MTD):
 * the driver hands out the flash address itself for a request whose every
 * page is one run of direct uncompressed blocks, a page apart; there is no
 * page alignment (the address is whatever the run's is) and no rule for the
 * bytes after the end of file.  mapping is CRAMFS_MAP_ALL when a request
 * for the whole file gets the flash address, else CRAMFS_MAP_NONE;
 * direct_pages how many pages from page 0 are one run (a request for that
 * many or fewer gets the flash address), at offset; runs every maximal run.
 * For a FLAT program, whether binfmt_flat's mapping of its text (offset 0
 * to data_start) gets the flash address.
 */
int cramfs_xip_report_nommu(struct cramfs_image *img, cramfs_xip_fn fn, void *arg, struct cramfs_xip_totals *totals);

/*
 * Whether a program's use of page of f comes from flash under the rule of
 * the report f is from (f->rule): under the prefix rule, the page is in
 * the direct run of its ELF segment's mapping (or of a mapping of the
 * whole file, for a file that is not ELF); under the page rule, the page
 * is direct and, in an ELF file, in a read-only segment; without an MMU,
 * the file is FLAT with its text in place and the page in that text, or a
 * request for the whole file is direct.
 */
bool cramfs_xip_page_from_flash(const struct cramfs_xip_file *f, uint32_t page);

/* The mmap() requests of a whole file whose outcome a no-MMU kernel decides by the image's layout. */
enum cramfs_nommu_request {
	CRAMFS_NOMMU_SHARED_R,          /* MAP_SHARED, PROT_READ */
	CRAMFS_NOMMU_PRIVATE_R,         /* MAP_PRIVATE, PROT_READ */
	CRAMFS_NOMMU_PRIVATE_RX,        /* MAP_PRIVATE, PROT_READ | PROT_EXEC */
	CRAMFS_NOMMU_PRIVATE_RW,        /* MAP_PRIVATE, PROT_READ | PROT_WRITE */
	CRAMFS_NOMMU_REQUESTS
};

/*
 * What a no-MMU kernel gives that request for the file f of
 * cramfs_xip_report_nommu: "flash" (the image's own bytes), "copy" (the file
 * read into RAM) or "ENODEV" (a shared mapping that cannot be direct).
 * cramfs_nommu_request_name() names the request ("shared-r", "private-r",
 * "private-rx", "private-rw").
 */
const char *cramfs_xip_nommu_outcome(const struct cramfs_xip_file *f, enum cramfs_nommu_request req);
const char *cramfs_nommu_request_name(enum cramfs_nommu_request req);

/* ---- XIP profiles (cramfs-xip(8)): the pages of each file a workload used ---- */

struct cramfs_profile_range {
	uint32_t first, last;           /* pages first to last, inclusive */
};

struct cramfs_profile_file {
	char *path;                     /* in the image, from "/" */
	uint64_t size;                  /* the file's size when the profile was taken */
	size_t nranges;
	struct cramfs_profile_range *ranges;    /* ascending, disjoint, not adjacent */
	uint32_t hot_pages;
};

struct cramfs_profile {
	uint32_t page_size;
	size_t nfiles;
	struct cramfs_profile_file *files;      /* sorted by the bytes of path */
	uint64_t hot_pages;
};

/*
 * Reads the profile at path; anything but the format of cramfs-xip(8) is
 * refused, naming the file and line through log.  0 or a negative errno
 * (-EINVAL for a malformed profile).  Free with cramfs_profile_free.
 */
int cramfs_profile_read(const char *path, const struct cramfs_log *log, struct cramfs_profile **out);
void cramfs_profile_free(struct cramfs_profile *p);
/* The entry for path, or NULL. */
const struct cramfs_profile_file *cramfs_profile_find(const struct cramfs_profile *p, const char *path);
/* Did the workload use page of f (f may be NULL: no)? */
bool cramfs_profile_hot(const struct cramfs_profile_file *f, uint32_t page);

/* ---- extracting ---- */

struct cramfs_extract_options {
	bool restore_owner;             /* chown entries (needs CAP_CHOWN) */
	bool create_devices;            /* mknod device nodes (needs CAP_MKNOD) */
	struct cramfs_log log;
};

struct cramfs_extract_result {
	uint64_t entries;
	uint64_t skipped_owner;         /* ownership not restored */
	uint64_t skipped_devices;       /* device nodes not created */
	uint64_t not_extracted;         /* entries below a directory that could not be made (logged
					   as one error, with their count) */
	uint64_t errors;                /* each one logged as an error */
	uint64_t inflated;              /* compressed blocks inflated (a block met again
					   soon after is copied from a cache, not inflated) */
};

/* Extract the whole tree below destdir, which must not exist or be an empty directory. */
int cramfs_extract(struct cramfs_image *img, const char *destdir, const struct cramfs_extract_options *opts,
		   struct cramfs_extract_result *result);

/* ---- for command-line tools ---- */

/*
 * Write text to f with every control character (bytes below 0x20, and 0x7f)
 * as \xNN.  The text of a message holds names from a source tree or an
 * image, which may be any bytes but '/' and NUL: written raw, a newline in a
 * name would forge lines of output and an escape sequence would reach the
 * terminal.  Both tools print every message through this.
 */
void cramfs_put_text(FILE *f, const char *text);

/*
 * The number of an option: decimal, hexadecimal after 0x, or octal after 0,
 * with nothing before or after it (no blanks, no sign).  Returns 0 with
 * *value set, -EINVAL if text is not such a number, -ERANGE if it is larger
 * than max (however many digits it has: nothing is cut to fit).
 */
int cramfs_parse_number(const char *text, uint64_t max, uint64_t *value);

/* ---- misc ---- */

const char *cramfs_compressor_name(void);
int cramfs_max_level(void);
const char *cramfs_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CRAMFS_H */
