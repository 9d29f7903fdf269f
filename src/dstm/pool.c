/* Address allocators for the DSTM server (see pool.h). */
#include "dstm/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

typedef unsigned __int128 u128;

/* ---- IPv4: bitmap over the concatenation of the ranges ------------------- */

static bool pool4_index(const struct pool4 *p, uint32_t addr, uint32_t *idx)
{
	uint32_t off = 0;
	for (unsigned i = 0; i < p->cfg->n_ranges; i++) {
		const struct cfg_range4 *r = &p->cfg->ranges[i];
		if (addr >= r->first && addr <= r->last) {
			*idx = off + (addr - r->first);
			return true;
		}
		off += r->last - r->first + 1;
	}
	return false;
}

static uint32_t pool4_addr(const struct pool4 *p, uint32_t idx)
{
	for (unsigned i = 0; i < p->cfg->n_ranges; i++) {
		const struct cfg_range4 *r = &p->cfg->ranges[i];
		uint32_t n = r->last - r->first + 1;
		if (idx < n)
			return r->first + idx;
		idx -= n;
	}
	return 0;
}

static bool bit_test(const uint64_t *bm, uint32_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

static void bit_set(uint64_t *bm, uint32_t i)
{
	bm[i / 64] |= 1ull << (i % 64);
}

static void bit_clear(uint64_t *bm, uint32_t i)
{
	bm[i / 64] &= ~(1ull << (i % 64));
}

static bool pool4_excluded(const struct pool4 *p, uint32_t addr)
{
	for (unsigned i = 0; i < p->cfg->n_excludes; i++)
		if (addr >= p->cfg->excludes[i].first && addr <= p->cfg->excludes[i].last)
			return true;
	return false;
}

int pool4_init(struct pool4 *p, const struct cfg_pool4 *cfg)
{
	uint64_t span = 0;
	uint32_t excluded = 0, words;

	memset(p, 0, sizeof(*p));
	if (!cfg || cfg->n_ranges == 0 || cfg->n_ranges > CFG_MAX_RANGES ||
	    cfg->n_excludes > CFG_MAX_EXCLUDES)
		return -EINVAL;
	for (unsigned i = 0; i < cfg->n_ranges; i++) {
		if (cfg->ranges[i].first > cfg->ranges[i].last)
			return -EINVAL;
		span += (uint64_t)cfg->ranges[i].last - cfg->ranges[i].first + 1;
	}
	if (span > UINT32_MAX - 63)
		return -E2BIG;
	words = (uint32_t)((span + 63) / 64);
	p->bitmap = calloc(words, sizeof(uint64_t));
	if (!p->bitmap)
		return -ENOMEM;
	p->cfg = cfg;
	p->span = (uint32_t)span;
	/* Bits past the end are permanently set so the scan never returns them. */
	if (span % 64)
		p->bitmap[words - 1] = ~0ull << (span % 64);
	for (unsigned i = 0; i < cfg->n_excludes; i++) {
		const struct cfg_range4 *x = &cfg->excludes[i];
		for (unsigned k = 0; k < cfg->n_ranges; k++) {
			const struct cfg_range4 *r = &cfg->ranges[k];
			uint32_t lo = MAX(x->first, r->first), hi = MIN(x->last, r->last), idx;
			if (lo > hi)
				continue;
			pool4_index(p, lo, &idx);
			for (uint64_t a = lo; a <= hi; a++, idx++) {
				if (!bit_test(p->bitmap, idx)) {
					bit_set(p->bitmap, idx);
					excluded++;
				}
			}
		}
	}
	p->size = p->span - excluded;
	return 0;
}

void pool4_free(struct pool4 *p)
{
	free(p->bitmap);
	p->bitmap = NULL;
	p->size = p->span = p->used = p->cursor = 0;
}

bool pool4_contains(const struct pool4 *p, uint32_t addr)
{
	uint32_t idx;
	return p->bitmap && pool4_index(p, addr, &idx) && !pool4_excluded(p, addr);
}

bool pool4_is_used(const struct pool4 *p, uint32_t addr)
{
	uint32_t idx;
	return pool4_contains(p, addr) && pool4_index(p, addr, &idx) &&
	       bit_test(p->bitmap, idx);
}

int pool4_take(struct pool4 *p, uint32_t addr)
{
	uint32_t idx;

	if (!pool4_contains(p, addr) || !pool4_index(p, addr, &idx))
		return -ENOENT;
	if (bit_test(p->bitmap, idx))
		return -EEXIST;
	bit_set(p->bitmap, idx);
	p->used++;
	return 0;
}

int pool4_release(struct pool4 *p, uint32_t addr)
{
	uint32_t idx;

	if (!pool4_contains(p, addr) || !pool4_index(p, addr, &idx))
		return -ENOENT;
	if (!bit_test(p->bitmap, idx))
		return -EALREADY;
	bit_clear(p->bitmap, idx);
	p->used--;
	return 0;
}

int pool4_alloc(struct pool4 *p, uint32_t hint, uint32_t *out)
{
	uint32_t words, w, start, idx;
	uint64_t free_bits;

	if (!p->bitmap || p->used >= p->size)
		return -ENOSPC;
	if (hint && pool4_take(p, hint) == 0) {
		*out = hint;
		return 0;
	}
	words = (p->span + 63) / 64;
	start = p->cursor < p->span ? p->cursor : 0;
	w = start / 64;
	/* First word from the cursor's bit, then the following words, wrapping
	 * round to the low bits of the first word last. */
	free_bits = ~p->bitmap[w] & (~0ull << (start % 64));
	for (uint32_t n = 0; n <= words; n++) {
		if (free_bits) {
			idx = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
			bit_set(p->bitmap, idx);
			p->used++;
			p->cursor = idx + 1 < p->span ? idx + 1 : 0;
			*out = pool4_addr(p, idx);
			return 0;
		}
		w = w + 1 < words ? w + 1 : 0;
		free_bits = ~p->bitmap[w];
	}
	return -ENOSPC;               /* used/size out of step: no free bit */
}

/* ---- IPv6: hashed candidates --------------------------------------------- */

static u128 in6_u128(const struct in6_addr *a)
{
	u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = v << 8 | a->s6_addr[i];
	return v;
}

static void u128_in6(u128 v, struct in6_addr *a)
{
	for (int i = 15; i >= 0; i--) {
		a->s6_addr[i] = (uint8_t)v;
		v >>= 8;
	}
}

bool pool6_contains(const struct pool6 *p, const struct in6_addr *a)
{
	u128 v = in6_u128(a);
	return p->cfg && v >= in6_u128(&p->cfg->first) && v <= in6_u128(&p->cfg->last);
}


static uint64_t pool6_hash(uint64_t seed, const uint8_t *duid, size_t duid_len, uint32_t iaid,
			   uint32_t attempt)
{
	uint8_t tail[8];
	uint64_t h = hash64_bytes(HASH64_INIT ^ hash64_mix(seed), duid, duid_len);

	put_be32(tail, iaid);
	put_be32(tail + 4, attempt);
	h = hash64_bytes(h, tail, sizeof(tail));
	return hash64_mix(h ^ duid_len);
}

/* Interface identifiers that must not be assigned: the Subnet-Router anycast
 * (RFC 4291 2.6.1) and the reserved subnet anycasts (RFC 2526 / RFC 5453). */
static bool pool6_reserved_iid(u128 a)
{
	uint64_t iid = (uint64_t)a;
	return iid == 0 || iid >= 0xfdffffffffffff80ull;
}

int pool6_alloc(struct pool6 *p, const uint8_t *duid, size_t duid_len, uint32_t iaid,
		pool6_in_use_fn in_use, void *arg, struct in6_addr *out)
{
	u128 first, last, n;

	if (!p->cfg)
		return -EINVAL;
	first = in6_u128(&p->cfg->first);
	last = in6_u128(&p->cfg->last);
	if (first > last)
		return -EINVAL;
	n = last - first + 1;            /* 0 means the whole space */
	for (uint32_t attempt = 0; attempt < 64; attempt++) {
		u128 h = (u128)pool6_hash(1, duid, duid_len, iaid, attempt) << 64 |
			 pool6_hash(2, duid, duid_len, iaid, attempt);
		u128 cand = first + (n ? h % n : h);
		struct in6_addr a;

		if (pool6_reserved_iid(cand) && first != last)
			continue;
		u128_in6(cand, &a);
		if (in_use && in_use(&a, arg))
			continue;
		*out = a;
		return 0;
	}
	return -ENOSPC;
}
