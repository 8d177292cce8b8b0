// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Block compression.  Every cramfs block is an independent zlib (RFC 1950)
 * stream.  libdeflate writes such streams faster and smaller than zlib;
 * zlib is the fallback when libdeflate is not available.
 */
#include <stdlib.h>
#include <zlib.h>

#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "internal.h"

struct compressor {
#ifdef HAVE_LIBDEFLATE
	struct libdeflate_compressor *ld;
#else
	int level;
#endif
};

const char *cramfs_compressor_name(void)
{
#ifdef HAVE_LIBDEFLATE
	return "libdeflate";
#else
	return "zlib";
#endif
}

int cramfs_max_level(void)
{
#ifdef HAVE_LIBDEFLATE
	return 12;
#else
	return 9;
#endif
}

struct compressor *cr_compressor_new(int level)
{
	struct compressor *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
#ifdef HAVE_LIBDEFLATE
	c->ld = libdeflate_alloc_compressor(level);
	if (!c->ld) {
		free(c);
		return NULL;
	}
#else
	c->level = level > 9 ? 9 : level;
#endif
	return c;
}

void cr_compressor_free(struct compressor *c)
{
	if (!c)
		return;
#ifdef HAVE_LIBDEFLATE
	libdeflate_free_compressor(c->ld);
#endif
	free(c);
}

size_t cr_compress_bound(size_t inlen)
{
	/* zlib's stored-block worst case, which also covers libdeflate's */
	return inlen + inlen / 1000 + 64;
}

size_t cr_compress(struct compressor *c, const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap)
{
#ifdef HAVE_LIBDEFLATE
	return libdeflate_zlib_compress(c->ld, in, inlen, out, outcap);
#else
	uLongf len = outcap;

	if (compress2(out, &len, in, inlen, c->level) != Z_OK)
		return 0;
	return len;
#endif
}

#ifdef HAVE_LIBDEFLATE
static __thread struct libdeflate_decompressor *tls_decomp;
#endif

void cr_decompress_release(void)
{
#ifdef HAVE_LIBDEFLATE
	libdeflate_free_decompressor(tls_decomp);
	tls_decomp = NULL;
#endif
}

long cr_decompress(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap)
{
#ifdef HAVE_LIBDEFLATE
	size_t got;

	if (!tls_decomp) {
		tls_decomp = libdeflate_alloc_decompressor();
		if (!tls_decomp)
			return -1;
	}
	if (libdeflate_zlib_decompress(tls_decomp, in, inlen, out, outcap, &got) != LIBDEFLATE_SUCCESS)
		return -1;
	return (long)got;
#else
	z_stream s = { 0 };
	long ret = -1;

	if (inflateInit(&s) != Z_OK)
		return -1;
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)inlen;
	s.next_out = out;
	s.avail_out = (uInt)outcap;
	if (inflate(&s, Z_FINISH) == Z_STREAM_END)
		ret = (long)s.total_out;
	inflateEnd(&s);
	return ret;
#endif
}

uint32_t cr_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
#ifdef HAVE_LIBDEFLATE
	return libdeflate_crc32(crc, data, len);
#else
	/* crc32_z takes a size_t length (zlib 1.2.9 and later) */
	return (uint32_t)crc32_z(crc, data, len);
#endif
}
