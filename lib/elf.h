/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Just enough of an ELF reader for execute-in-place images: which byte
 * ranges of a file are read-only loadable segments, so mkcramfs -X can store
 * their pages uncompressed and page-aligned for the kernel to map directly.
 *
 * Both classes and both byte orders are understood, whatever the host is;
 * every multi-byte field is read in the order the file's e_ident[EI_DATA]
 * names.  A header that is malformed, truncated or lies about sizes is never
 * trusted: the file is simply not treated as ELF, and a short reason says why.
 * Nothing here prints or exits.
 */
#ifndef CRAMFS_ELF_H
#define CRAMFS_ELF_H

#include <stddef.h>
#include <stdint.h>

struct cramfs_elf_range {
	uint64_t start;   /* file offset of a read-only PT_LOAD segment (p_offset) */
	uint64_t end;     /* p_offset + p_filesz, clamped to nothing: if it passes the file size the ELF is rejected */
};

/* A PT_LOAD segment with bytes in the file: the mapping a program makes of it. */
struct cramfs_elf_segment {
	uint64_t start, end;       /* p_offset, p_offset + p_filesz */
	uint32_t flags;            /* p_flags: CRAMFS_ELF_PF_R, _W, _X */
};

#define CRAMFS_ELF_PF_X 1u
#define CRAMFS_ELF_PF_W 2u
#define CRAMFS_ELF_PF_R 4u

struct cramfs_elf_info {
	int elf_class;             /* 32 or 64 */
	int big_endian;            /* 1 if ELFDATA2MSB */
	uint16_t machine;          /* e_machine */
	size_t nranges;
	struct cramfs_elf_range *ranges; /* malloc'd, sorted by start, overlapping/adjacent ranges merged; free with cramfs_elf_info_free */
	size_t nsegments;
	struct cramfs_elf_segment *segments; /* malloc'd: every PT_LOAD with p_filesz > 0, in table order */
};

/*
 * Parse an ELF image from memory. buf holds the first buflen bytes of a file whose total size is file_size
 * (buflen may be smaller than file_size: only the ELF header and program header table must be inside buf;
 * if the program header table lies beyond buflen, return CRAMFS_ELF_NEED_MORE and set *need to the number
 * of bytes from the start of the file that would be enough).
 * Returns: CRAMFS_ELF_OK (info filled), CRAMFS_ELF_NOT_ELF (no \x7fELF magic; why = "no ELF magic"),
 * CRAMFS_ELF_BAD (magic present but the header is unusable; why says exactly what, e.g.
 * "program header table (offset 0x..., 40 entries of 56 bytes) passes the end of the file (1234 bytes)"),
 * CRAMFS_ELF_NEED_MORE, or -ENOMEM.
 *
 * info must not be NULL.  On any result but CRAMFS_ELF_OK it is left zeroed
 * (ranges NULL), so cramfs_elf_info_free() is always safe to call on it.
 * need may be NULL; why may be NULL or whylen 0 when no reason is wanted,
 * otherwise the reason is always NUL-terminated (empty on success).
 * Bytes of buf past file_size are ignored.
 *
 * With extended numbering (e_phnum == PN_XNUM) the real count lives in
 * section header 0, so that header must be inside buf as well; *need may
 * then ask for it first, and a second CRAMFS_ELF_NEED_MORE can follow for
 * the program header table once the count is known.
 */
enum { CRAMFS_ELF_OK = 0, CRAMFS_ELF_NOT_ELF = 1, CRAMFS_ELF_BAD = 2, CRAMFS_ELF_NEED_MORE = 3 };
int cramfs_elf_parse(const uint8_t *buf, size_t buflen, uint64_t file_size,
		     struct cramfs_elf_info *info, uint64_t *need, char *why, size_t whylen);

/* Same, reading from an open file descriptor with pread (it reads what it needs, at most a bounded amount,
 * e.g. 64 KiB + the program header table; a table larger than 1 MiB is BAD). Returns as above, or -errno on
 * a read error.
 *
 * Never returns CRAMFS_ELF_NEED_MORE.  The file offset of fd is not moved.
 * A file that turns out shorter than file_size is CRAMFS_ELF_BAD.
 */
int cramfs_elf_read_fd(int fd, uint64_t file_size, struct cramfs_elf_info *info, char *why, size_t whylen);

/* Frees info->ranges and clears info; safe on a zeroed or already freed info. */
void cramfs_elf_info_free(struct cramfs_elf_info *info);

#endif /* CRAMFS_ELF_H */
