/* The tunnel engine's binding table: inner IPv4 address -> tunnel endpoint
 * (the IPv6 address of the DSTM host that holds the lease, or the care-of
 * address of a mobile node: `mip`, in the same 16 octets).  Looked up for
 * every packet in both directions, so it is an open-addressing table of
 * fixed-size slots, each one aligned cache line (no pointer chasing, one
 * line per lookup), with per-binding counters, and it stays within 128
 * bytes per binding at 10^6 bindings (issue 3).  Tables of 2 MiB or more
 * are mmap'ed on a 2 MiB boundary with MADV_HUGEPAGE (fewer TLB misses
 * for random lookups at 10^6 bindings), and their capacity is a whole
 * number of huge pages rather than a power of two.
 * binding_prefetch lets an I/O loop start the memory accesses of a whole
 * batch before it decides.  Single writer (the engine's thread); no
 * locking. */
#ifndef DS46_DATAPLANE_BINDING_H
#define DS46_DATAPLANE_BINDING_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BINDING_SLOT 64              /* octets per slot: one cache line */

struct binding {
	_Alignas(BINDING_SLOT) uint32_t v4; /* key, host order; 0 = empty slot */
	uint32_t expires;            /* unix seconds (wraps in 2106); 0 = never */
	union {
		struct in6_addr peer;    /* DSTM: tunnel endpoint */
		struct {                 /* Mobile IPv4 home agent (engine_mip.h)
		                            and foreign agent (engine_fa.h): v4
		                            is the home address */
			uint32_t coa;        /* care-of address, host order: the
			                        most recent registration's */
			uint8_t encap;       /* enum encap4_kind towards coa */
			uint8_t v6_mode;     /* enum mip_v6_mode */
			uint8_t flags;       /* accepted request flags (MIP4_F_*) */
			uint8_t n_sim;       /* further care-of addresses (S bit),
			                        in struct dp_mip's side table */
			uint32_t n_prefix;   /* IPv6 prefixes registered for
			                        v4 (struct dp_mip's table) */
			union {
				uint32_t udp_port;   /* home agent: RFC 3519 UDP
				                        tunnelling to coa:udp_port
				                        (0: none), host order */
				uint32_t fa_ha;      /* foreign agent: the visitor's
				                        home agent, host order */
			};
			uint32_t fa_agent;   /* foreign agent: its address the
			                        visitor registered through (RFC
			                        3024 5.2 encapsulating delivery
			                        comes to it), host order */
		} mip;
	};
	uint64_t pkts_in, bytes_in;  /* decapsulated from the peer */
	uint64_t pkts_out, bytes_out;/* encapsulated to the peer */
	/* 4 octets of padding after the union */
};
_Static_assert(sizeof(struct binding) == BINDING_SLOT,
	       "a binding slot is one cache line (issue 3)");

/* How the slots are held (struct binding_table.mem). */
enum binding_mem {
	BINDING_MEM_HEAP = 0,        /* aligned_alloc: small tables, or the
	                                fallback when mmap fails */
	BINDING_MEM_MMAP,            /* mmap, madvise(MADV_HUGEPAGE) refused */
	BINDING_MEM_HUGE,            /* mmap + MADV_HUGEPAGE accepted */
};

/* binding_table_init_flags: */
#define BINDING_F_NO_HUGE 0x1u       /* mmap without MADV_HUGEPAGE */
#define BINDING_F_NO_MMAP 0x2u       /* heap only (the fallback path) */

struct binding_table {
	struct binding *slots;       /* slots[0 .. mask] */
	uint32_t mask;               /* capacity - 1 (not always a power of
	                                two: iterate with i <= mask) */
	uint32_t count;
	uint32_t tombs;              /* deleted slots (v4 = BINDING_TOMB) */
	uint8_t mem;                 /* enum binding_mem */
	uint8_t flags;               /* BINDING_F_*, kept across rehashes */
	size_t map_len;              /* octets mapped (BINDING_MEM_MMAP/HUGE) */
};

/* 0.0.0.0 marks an empty slot and 0.0.0.1 a deleted one; neither can be a
 * leased address (pool configuration refuses 0.0.0.0/8). */
#define BINDING_TOMB 1u

int binding_table_init(struct binding_table *t, uint32_t hint);
/* The same with BINDING_F_* (tests, benchmarks). */
int binding_table_init_flags(struct binding_table *t, uint32_t hint, unsigned flags);
void binding_table_free(struct binding_table *t);
/* Insert or update (peer, expiry; counters kept on update).  -EINVAL for a
 * key in 0.0.0.0/8, -ENOMEM if growing fails. */
int binding_set(struct binding_table *t, uint32_t v4, const struct in6_addr *peer,
		uint32_t expires, struct binding **out);
struct binding *binding_get(const struct binding_table *t, uint32_t v4);

/* Home slot of v4: Fibonacci hashing (consecutive pool addresses land far
 * apart), reduced to the capacity by a remainder.  Not by a multiply:
 * then slot order would be hash order in every table, and copying one
 * table into a smaller one in slot order (tep.c loads its store that way)
 * would pile every key onto one probe chain. */
static inline uint32_t binding_slot_of(const struct binding_table *t, uint32_t v4)
{
	uint32_t h = (uint32_t)(((uint64_t)v4 * 0x9E3779B97F4A7C15ull) >> 32);
	return h % (t->mask + 1);
}

/* Start loading v4's home slot (for writing: the lookup that follows
 * updates its counters).  Never faults, whatever v4 is.  An I/O loop calls
 * it for every packet of a batch, then binding_get for each. */
static inline void binding_prefetch(const struct binding_table *t, uint32_t v4)
{
	if (t->slots)
		__builtin_prefetch(&t->slots[binding_slot_of(t, v4)], 1, 3);
}

/* out[i] = binding_get(t, v4[i]), the n slots prefetched first. */
void binding_get_batch(const struct binding_table *t, const uint32_t *v4, unsigned n,
		       struct binding **out);
/* 0 or -ENOENT. */
int binding_del(struct binding_table *t, uint32_t v4);
/* Remove every binding with 0 < expires <= now; returns how many.  Walks
 * the whole table: at 10^6 bindings about 16 ms, so a data-plane thread
 * uses binding_expire_step instead. */
uint32_t binding_expire(struct binding_table *t, uint32_t now);
/* The same over at most max_slots slots from *cursor on (wrapping), so a
 * periodic caller sweeps the table in bounded slices; returns how many
 * were removed.  A binding moved by a rehash between steps is seen on a
 * later pass. */
uint32_t binding_expire_step(struct binding_table *t, uint32_t now, uint32_t *cursor,
			     uint32_t max_slots);
typedef int (*binding_cb)(const struct binding *b, void *arg);
int binding_foreach(const struct binding_table *t, binding_cb cb, void *arg);
/* Bytes of memory the table holds (for the benchmark's bytes/binding). */
size_t binding_table_bytes(const struct binding_table *t);

#endif
