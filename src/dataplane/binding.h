/* The tunnel engine's binding table: inner IPv4 address -> tunnel endpoint
 * (the IPv6 address of the DSTM host that holds the lease, or the care-of
 * address of a mobile node: `mip`, in the same 16 octets).  Looked up for
 * every packet in both directions, so it is an open-addressing table of
 * fixed-size slots (no pointer chasing, one or two cache lines per lookup)
 * with per-binding counters, and it stays within 128 bytes per binding at
 * 10^6 bindings (issue 3).  Single writer (the engine's thread); no
 * locking. */
#ifndef DS46_DATAPLANE_BINDING_H
#define DS46_DATAPLANE_BINDING_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct binding {
	uint32_t v4;                 /* key, host order; 0 = empty slot */
	uint32_t expires;            /* unix seconds (wraps in 2106); 0 = never */
	union {
		struct in6_addr peer;    /* DSTM: tunnel endpoint */
		struct {                 /* Mobile IPv4 home agent (engine_mip.h):
		                            v4 is the home address */
			uint32_t coa;        /* care-of address, host order: the
			                        most recent registration's */
			uint8_t encap;       /* enum encap4_kind towards coa */
			uint8_t v6_mode;     /* enum mip_v6_mode */
			uint8_t flags;       /* accepted request flags (MIP4_F_*) */
			uint8_t n_sim;       /* further care-of addresses (S bit),
			                        in struct dp_mip's side table */
			uint32_t n_prefix;   /* IPv6 prefixes registered for
			                        v4 (struct dp_mip's table) */
			uint32_t spare;
		} mip;
	};
	uint64_t pkts_in, bytes_in;  /* decapsulated from the peer */
	uint64_t pkts_out, bytes_out;/* encapsulated to the peer */
};
_Static_assert(sizeof(struct binding) == 56, "binding slots stay at 56 octets (issue 3)");

struct binding_table {
	struct binding *slots;
	uint32_t mask;               /* capacity - 1, capacity a power of two */
	uint32_t count;
	uint32_t tombs;              /* deleted slots (v4 = BINDING_TOMB) */
};

/* 0.0.0.0 marks an empty slot and 0.0.0.1 a deleted one; neither can be a
 * leased address (pool configuration refuses 0.0.0.0/8). */
#define BINDING_TOMB 1u

int binding_table_init(struct binding_table *t, uint32_t hint);
void binding_table_free(struct binding_table *t);
/* Insert or update (peer, expiry; counters kept on update).  -EINVAL for a
 * key in 0.0.0.0/8, -ENOMEM if growing fails. */
int binding_set(struct binding_table *t, uint32_t v4, const struct in6_addr *peer,
		uint32_t expires, struct binding **out);
struct binding *binding_get(const struct binding_table *t, uint32_t v4);
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
