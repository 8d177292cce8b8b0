/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to libcramfs: the in-memory tree and the helpers the passes share. */
#ifndef CRAMFS_INTERNAL_H
#define CRAMFS_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cramfs/cramfs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* ---- messages (log.c) ---- */

/* The whole message goes to the sink, however long it is. */
void cr_vlog(const struct cramfs_log *log, enum cramfs_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void cr_log(const struct cramfs_log *log, enum cramfs_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define cr_err(log, ...)   cr_log(log, CRAMFS_ERROR, __VA_ARGS__)
#define cr_warn(log, ...)  cr_log(log, CRAMFS_WARNING, __VA_ARGS__)
#define cr_info(log, ...)  cr_log(log, CRAMFS_INFO, __VA_ARGS__)
#define cr_dbg(log, ...)   cr_log(log, CRAMFS_DEBUG, __VA_ARGS__)

/* ---- the tree built by scan.c ---- */

/* How one block of a file is stored; chosen by the XIP plan (xip.c). */
enum block_kind {
	BLK_PACKED = 0,  /* compressed (or raw with -x), behind a classic or direct pointer */
	BLK_XIP,         /* raw, in the XIP region, behind a DIRECT|UNCOMPRESSED pointer */
	BLK_XIP_TAIL,    /* raw, in the XIP region right after the previous XIP block, behind a
			    classic UNCOMPRESSED pointer (works around the kernel's last-page bug) */
};

struct node {
	char *name;                 /* last path component; "" for the root */
	uint32_t namelen;
	char *path;                 /* path inside the image: "/" or "/a/b" */
	struct node *parent;
	bool synthetic;             /* made by the device table: nothing to read from the source */

	uint32_t mode, uid, gid;
	uint64_t size;              /* regular files: st_size; symlinks: target length */
	uint32_t rdev_major, rdev_minor;
	char *link_target;          /* symlinks */

	struct node **kids;         /* directories: children sorted by name bytes */
	size_t nkids;

	/* dedupe.c */
	struct node *data_owner;    /* non-NULL: this file's data is that node's */
	bool shares_data;           /* other files' data is this one's */
	uint64_t content_hash;      /* cr_content_hash() of the contents dedupe compared */

	/* xip.c: per-block plan, NULL when every block is BLK_PACKED */
	const struct cramfs_profile_file *profile;  /* with a profile: this file's entry, or NULL */
	uint8_t *blocks;
	uint32_t xip_blocks;        /* blocks stored in the XIP region (BLK_XIP + BLK_XIP_TAIL) */
	uint64_t xip_start;         /* image offset of the first of them */

	/* layout.c */
	uint64_t inode_off;         /* where this node's inode is written */
	uint64_t offset;            /* directories: first child entry; files, symlinks: pointer table */
	bool table_placed;          /* the pointer table was placed by layout, ahead of the XIP region */
	uint64_t dir_size;          /* directories: bytes of child entries */
};

static inline bool node_has_data(const struct node *n)
{
	return (S_ISREG(n->mode) || S_ISLNK(n->mode)) && n->size > 0;
}

static inline uint32_t node_nblocks(const struct node *n, uint32_t blksize)
{
	return (uint32_t)((n->size + blksize - 1) / blksize);
}

/* Bytes of block i of a file: a full block, or what is left for the last one. */
static inline uint32_t node_block_len(const struct node *n, uint32_t i, uint32_t blksize)
{
	uint64_t left = n->size - (uint64_t)i * blksize;

	return (uint32_t)(left < blksize ? left : blksize);
}

static inline bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* An extended attribute that entries of the tree have and the image cannot (xattr.c). */
#define CR_LOST_EXAMPLES 3
struct lost_example {
	char *path;                 /* path inside the image */
	char *detail;               /* what it held (capabilities, ACL entries) as text, or NULL */
};

struct lost_attr {
	char *name;                 /* "security.capability", "user.note", ... */
	uint64_t count;             /* entries that have it */
	struct lost_example examples[CR_LOST_EXAMPLES];   /* the first of them, in byte order of paths */
	size_t nexamples;
};

/* Everything a build carries from pass to pass. */
struct build {
	const struct cramfs_build_options *opts;
	const struct cramfs_log *log;
	const char *srcdir;
	int outfd;
	int out_err;                /* the failure of writing or reading back outfd, if one failed */
	struct node *root;
	struct node **order;        /* every node, depth first, parents before children */
	size_t nnodes;
	char **warnings;            /* data-losing conversions (policy.c), listed at the end */
	size_t nwarnings;
	struct lost_attr *lost_attrs;   /* extended attributes not stored, sorted by name */
	size_t nlost_attrs;
	uint64_t lost_failing;      /* entries whose lost attributes are errors (-E, --fatal-selinux) */

	/* layout */
	uint64_t sb_off;            /* 0 or 512 */
	uint64_t insert_off, insert_size;
	uint64_t meta_end;          /* end of the directory entries */
	uint64_t tables_end;        /* end of the pointer tables placed right after them */
	uint64_t last_entry_off;    /* the highest inode offset of any directory entry */
	uint64_t xip_off, xip_size; /* the XIP region */
	uint64_t data_off;          /* where packed data starts */
	uint64_t data_end;
	uint64_t image_size;
	uint32_t flags;
	struct blocktab *shared;    /* blockshare.c: blocks met more than once */
	struct cramfs_profile *profile; /* xip.c: the --xip-profile, read */

	struct cramfs_build_stats *stats;
};

/* The passes, in the order build.c runs them. */
int cr_scan(struct build *b);
int cr_policy(struct build *b);
int cr_xip_plan(struct build *b);
int cr_dedupe(struct build *b);
int cr_block_census(struct build *b);
int cr_layout(struct build *b);
int cr_write_data(struct build *b);
int cr_finalize(struct build *b);
void cr_tree_free(struct node *root);
int cr_add_warning(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cr_devtable_apply(struct build *b);
/* Extended attributes, file capabilities and ACLs of a source entry, which cramfs cannot store. */
int cr_note_lost_metadata(struct build *b, const struct node *n, const char *src);
/* Records that the entry at path lost attribute name; detail says what it held, or is NULL. */
int cr_lost_attr_add(struct build *b, const char *name, const char *path, const char *detail);
/* Whether losing attribute name is an error under the build's options. */
bool cr_lost_attr_fails(const struct build *b, const char *name);
/* One message per attribute lost: an error if its loss is one, else a warning. */
int cr_lost_attrs_report(const struct build *b);
void cr_lost_attrs_free(struct build *b);

/* Source file path for a node (srcdir + path); malloc'd. */
char *cr_source_path(const struct build *b, const struct node *n);

/* ---- io.c ---- */

int cr_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int cr_pread_all(int fd, void *buf, size_t len, uint64_t off, size_t *got);

/*
 * The image's own I/O: writes and read-backs of outfd.
 * A failure is kept in b->out_err, so that it is told apart from one of the
 * source (which the pass logs with the source's name).
 */
int cr_out_write(struct build *b, const void *buf, size_t len, uint64_t off);
int cr_out_read(struct build *b, void *buf, size_t len, uint64_t off);    /* all of len, or -EIO */

/*
 * Reads a source file block by block and makes sure it is exactly as long
 * as the scan said: a file that grows or shrinks while read is an error.
 */
struct src_reader {
	int fd;
	uint64_t expect, done;
	const char *path;           /* for messages */
	const struct cramfs_log *log;
};

int src_open(struct src_reader *r, const struct build *b, const struct node *n, char **pathbuf);
ssize_t src_read_block(struct src_reader *r, uint8_t *buf, uint32_t len);
int src_finish(struct src_reader *r);   /* checks for data past the expected end, closes */
void src_close(struct src_reader *r);

/* ---- compress.c ---- */

struct compressor;
struct compressor *cr_compressor_new(int level);
void cr_compressor_free(struct compressor *c);
/* Returns the compressed length, or 0 if it does not fit in outcap. */
size_t cr_compress(struct compressor *c, const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap);
/* Inflate a complete zlib stream; returns output length, or -1 if the stream is bad. */
long cr_decompress(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap);
/* Free what cr_decompress keeps for the calling thread (it keeps a decompressor per thread). */
void cr_decompress_release(void);
size_t cr_compress_bound(size_t inlen);
/* CRC-32 as zlib's crc32() computes it, with libdeflate's faster code when built with it. */
uint32_t cr_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* ---- pool.c: threads that share out one piece of work at a time ---- */

#define CR_MAX_THREADS 256

/* Called on every pool thread for each submission; worker is 0 .. started - 1. */
typedef void (*cr_pool_fn)(void *ctx, unsigned worker);

struct cr_pool_thread {
	struct cr_pool *pool;
	unsigned index;
	pthread_t tid;
};

struct cr_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	cr_pool_fn fn;
	void *ctx;
	uint64_t generation;    /* one per submission */
	unsigned active;        /* threads still running the current submission */
	unsigned started;
	bool stop;
	struct cr_pool_thread threads[CR_MAX_THREADS];
};

/* asked, or one per CPU the process may run on when 0; between 1 and CR_MAX_THREADS */
unsigned cr_thread_count(unsigned asked);
/* Starts up to n threads (fewer if the system refuses some); -EAGAIN if it refuses all. */
int cr_pool_start(struct cr_pool *p, unsigned n);
void cr_pool_submit(struct cr_pool *p, cr_pool_fn fn, void *ctx);
void cr_pool_wait(struct cr_pool *p);
void cr_pool_stop(struct cr_pool *p);

/* ---- blockshare.c: identical blocks of different files ---- */

struct shared_block {
	uint64_t key;               /* content hash */
	uint32_t len;               /* uncompressed bytes */
	uint32_t count;             /* how many blocks have this content */
	uint64_t stored_off;        /* where the first was stored, behind a direct pointer; 0: not yet */
	uint32_t stored_len;        /* bytes stored there: compressed (after a 2-byte length) or raw */
	bool raw;
};

bool cr_sharing(const struct build *b);
struct shared_block *cr_shared_lookup(struct build *b, const uint8_t *data, uint32_t len);
void cr_blocktab_free(struct blocktab *t);

/* ---- hash.c ---- */

uint64_t cr_hash64(uint64_t seed, const void *data, size_t len);

/* A file's contents, hashed block by block (every block but the last is blksize bytes). */
static inline uint64_t cr_content_hash(uint64_t h, const uint8_t *block, uint32_t len)
{
	return cr_hash64(h, block, len);
}

/* ---- pattern.c ---- */

bool cr_pattern_match(const char *pattern, const char *path);
bool cr_patterns_match(const char *const *patterns, const char *path);

#endif /* CRAMFS_INTERNAL_H */
