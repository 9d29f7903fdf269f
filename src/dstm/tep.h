/* The DSTM border router's control plane (dstm-04 4.1, 5.2): it follows the
 * DSTM server's lease store and programs the tunnel engine's bindings
 * (inner IPv4 address -> IPv6 address of the host that holds the lease).
 * It never touches packets.
 *
 * A bound IPv4 lease whose client_addr is a usable unicast address becomes
 * a binding that ends when the lease ends; a lease whose client_addr is
 * link-local (or otherwise unusable) authorises no tunnel endpoint and is
 * counted and logged once (docs/dataplane.md, "Anti-spoofing needs the
 * host's global address").
 *
 * tep_sync() does one step and needs no sockets: the first call (and any
 * after the store reported -ESTALE) loads every lease and rebuilds the
 * table; later calls apply the store's change feed; every call drops
 * bindings whose time has passed. */
#ifndef DS46_DSTM_TEP_H
#define DS46_DSTM_TEP_H

#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/binding.h"
#include "dataplane/engine.h"
#include "store/store.h"

#define TEP_COUNTERS(X)                                                         \
	X(leases_loaded) X(leases_unusable)                                     \
	X(bindings_added) X(bindings_updated) X(bindings_removed)               \
	X(bindings_expired) X(reloads) X(store_errors)

struct tep_stats {
#define X(n) uint64_t n;
	TEP_COUNTERS(X)
#undef X
};
extern const char *const tep_stat_names[];
size_t tep_stat_count(void);
uint64_t tep_stat_get(const struct tep_stats *s, size_t i);

/* Expiry walks this many binding slots per follow tick: at the default
 * 100 ms tick a table of 2^21 slots (10^6 bindings) is covered in ~3 s. */
#define TEP_EXPIRE_SLOTS_PER_TICK 65536

struct tep {
	uint32_t expire_cursor, unusable_cursor;
	struct dp_engine *e;         /* whose bindings this programs */
	struct store *store;         /* read-only; NULL until the server made it */
	char store_path[256];
	bool loaded;                 /* false: the next sync is a full load */
	uint64_t since;              /* change feed position */
	/* leases whose client_addr cannot be a tunnel endpoint, keyed like
	 * the bindings (peer = that client_addr): each is logged once */
	struct binding_table unusable;
	bool waiting_logged;         /* "store not there yet" said once */
	struct tep_stats st;
};

/* Opens the store read-only.  A store the server has not created yet is no
 * error: tep_sync() keeps trying.  Other errors (-EPROTO for a newer
 * schema, ...) are returned. */
int tep_open(struct tep *t, struct dp_engine *e, const char *store_path);
void tep_close(struct tep *t);
/* One step at wall-clock time now (unix seconds): load or follow, then
 * expire.  Returns 0, or a negative errno when the store could not be read
 * (counted in store_errors; the next call tries again from where this one
 * stopped). */
int tep_sync(struct tep *t, int64_t now);
/* The next sync reloads everything (SIGHUP). */
void tep_reload(struct tep *t);
/* Whether a lease's client_addr can be a tunnel endpoint: unicast and not
 * link-local, loopback, unspecified or IPv4-mapped. */
bool tep_peer_usable(const struct in6_addr *a);

/* ---- control socket (tep_ctl.c) ------------------------------------------
 * JSON lines over a unix stream socket, one request per connection, as the
 * DSTM server's (ctl/ctl_proto.h):
 *   {"cmd":"ping"}                 -> {"ok":true}
 *   {"cmd":"stats"}                -> {"ok":true,"stats":{engine counters,
 *                                     ip_drop_<reason>, tep counters}}
 *   {"cmd":"bindings","limit":N}   -> {"ok":true,"bindings":[{"v4":...,
 *      "peer":...,"expires":...,"remaining":...,"pkts_in":...,"bytes_in":...,
 *      "pkts_out":...,"bytes_out":...}, ...]}   (in address order) */
struct tep_ctl;

int tep_ctl_open(struct tep *t, struct event_base *base, const char *path,
		 struct tep_ctl **out);
void tep_ctl_close(struct tep_ctl *c);
/* The answer to one request line, at time now; malloc'ed, ends in '\n';
 * NULL when out of memory.  No sockets: tests call it directly. */
char *tep_ctl_answer(struct tep *t, const char *req, size_t len, int64_t now);

#endif
