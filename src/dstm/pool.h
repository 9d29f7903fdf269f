/* Address allocators.  An IPv4 pool is a bitmap over its ranges (so a /16
 * costs 8 KiB); allocation walks from a rotating cursor so freed addresses
 * are reused last.  An IPv6 pool picks a candidate by hashing the client's
 * DUID and IAID into the range and probes on collision (a /64 cannot be
 * enumerated). */
#ifndef DS46_DSTM_POOL_H
#define DS46_DSTM_POOL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dstm/config.h"

struct pool4 {
	const struct cfg_pool4 *cfg;
	uint32_t size;               /* addresses in all ranges, minus excluded */
	uint32_t span;               /* addresses in all ranges */
	uint32_t used;
	uint32_t cursor;             /* index into the ranges' concatenation */
	uint64_t *bitmap;            /* bit set = in use or excluded */
};

int pool4_init(struct pool4 *p, const struct cfg_pool4 *cfg);
void pool4_free(struct pool4 *p);
bool pool4_contains(const struct pool4 *p, uint32_t addr);   /* and not excluded */
bool pool4_is_used(const struct pool4 *p, uint32_t addr);
/* Mark an address used (lease loaded or allocated elsewhere); -ENOENT if not
 * in the pool or excluded, -EEXIST if already used. */
int pool4_take(struct pool4 *p, uint32_t addr);
/* -ENOENT if not in the pool or excluded, -EALREADY if not in use. */
int pool4_release(struct pool4 *p, uint32_t addr);
/* Allocate a free address: the hint first if free, else the next free after
 * the cursor.  -ENOSPC when exhausted. */
int pool4_alloc(struct pool4 *p, uint32_t hint, uint32_t *out);

/* IPv6 pools: in-use addresses live in the server's lease table; the pool
 * asks it through `in_use`. */
struct pool6 {
	const struct cfg_pool6 *cfg;
	uint64_t used;
};
typedef bool (*pool6_in_use_fn)(const struct in6_addr *a, void *arg);
bool pool6_contains(const struct pool6 *p, const struct in6_addr *a);
/* Deterministic candidate from (duid, iaid, attempt); up to 64 probes;
 * -ENOSPC if all taken.  Interface identifiers 0 (Subnet-Router anycast) and
 * fdff:ffff:ffff:ff80 and above (RFC 5453) are skipped unless the range is a
 * single address.  `used` is the caller's to maintain. */
int pool6_alloc(struct pool6 *p, const uint8_t *duid, size_t duid_len, uint32_t iaid,
		pool6_in_use_fn in_use, void *arg, struct in6_addr *out);

#endif
