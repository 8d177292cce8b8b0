// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fast 64-bit content hash for finding identical files.  Equal hashes are
 * always confirmed by comparing bytes, so this needs to spread well, not to
 * resist attack.
 */
#include <string.h>

#include "internal.h"

#define K1 0x9e3779b97f4a7c15ull
#define K2 0xc2b2ae3d27d4eb4full

static inline uint64_t rotl(uint64_t v, int r) { return v << r | v >> (64 - r); }

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= rotl(w * K2, 31) * K1;
	return rotl(h, 27) * 5 + 0x52dce729;
}

uint64_t cr_hash64(uint64_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (len * K1), a = h, c = rotl(h, 13), d = rotl(h, 41);
	uint64_t w[4];

	/* Four independent lanes keep the multiplier pipeline busy. */
	while (len >= 32) {
		memcpy(w, p, 32);
		h = mix(h, w[0]);
		a = mix(a, w[1]);
		c = mix(c, w[2]);
		d = mix(d, w[3]);
		p += 32;
		len -= 32;
	}
	h = mix(h, a);
	h = mix(h, c);
	h = mix(h, d);
	while (len >= 8) {
		memcpy(w, p, 8);
		h = mix(h, w[0]);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t t = 0;
		memcpy(&t, p, len);
		h = mix(h, t ^ len);
	}
	h ^= h >> 33;
	h *= K2;
	h ^= h >> 29;
	return h;
}
