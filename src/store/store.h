/* Lease (and later binding) persistence behind one interface.
 *
 * The embedded backend is SQLite in WAL mode: one writer (the daemon that
 * owns the leases), any number of readers in other processes (the DSTM
 * border router follows lease changes with store_lease_changes()).  Every
 * write is part of a transaction; the server batches the leases of one
 * receive batch into one transaction (group commit) and sends the replies
 * only after store_commit() returned 0, so an acknowledged lease survives a
 * kill -9 (and, with sync=full, a power loss).
 *
 * A shared server backend (PostgreSQL) can implement the same ops table.
 */
#ifndef DS46_STORE_STORE_H
#define DS46_STORE_STORE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dhcp6.h"
#include "wire/mip4.h"

enum lease_kind {
	LEASE_KIND_V4 = 4,           /* DSTM: IPv4-mapped address in an IA_NA */
	LEASE_KIND_NA = 6,           /* plain IPv6 IA_NA address */
};

enum lease_state {
	LEASE_STATE_BOUND = 1,       /* owned by a client until expires */
	LEASE_STATE_DECLINED = 2,    /* quarantined until expires (RFC 8415 18.3.8) */
};

struct lease {
	struct in6_addr addr;        /* primary key; ::ffff:a.b.c.d for V4 */
	uint8_t kind;                /* enum lease_kind */
	uint8_t state;               /* enum lease_state */
	struct dhcp6_duid duid;
	uint32_t iaid;
	struct in6_addr client_addr; /* IPv6 address the client sent from (or the
	                                relay's peer-address): the DSTM host's
	                                tunnel endpoint, used by the TEP */
	bool has_relay;              /* client reached through a relay: where a
	                                Reconfigure must go (RFC 8415 18.3.11) */
	struct in6_addr relay_addr;  /* outermost relay's source address */
	struct in6_addr relay_link;  /* its link-address */
	bool has_tep;
	struct in6_addr tep;         /* TEP given to the client (dstm-04 6.2) */
	uint32_t preferred, valid;   /* lifetimes as last given */
	int64_t cltt;                /* client last transaction time (unix s) */
	int64_t expires;             /* unix seconds */
	bool has_reconf_key;
	uint8_t reconf_key[DHCP6_RECONF_KEY_LEN];
	uint64_t replay;             /* last RDM counter sent to this client */
	uint64_t seq;                /* change sequence, set by the store */
	char pool[32];               /* pool name, for statistics */
};

struct store;

struct store_opts {
	const char *path;            /* SQLite file */
	bool sync_full;              /* PRAGMA synchronous=FULL (power-loss safe) */
	bool deferred_sync;          /* commits do not wait for the disk: the
	                                writer makes them durable with
	                                store_sync(), possibly from another
	                                thread (pipelined group commit).
	                                Overrides sync_full. */
	bool readonly;               /* a follower such as the border router */
};

/* Writes on a readonly store return -EROFS.  A newer schema than this code
 * knows makes store_open fail with -EPROTO; a readonly open of a store the
 * writer has not created yet fails with -ENOENT.  A handle is used by one
 * thread at a time. */

/* A writer holds an exclusive lock (<path>.lock) for as long as the store is
 * open: a second writer gets -EBUSY.  Readers take no lock. */
int store_open(const struct store_opts *o, struct store **out);
void store_close(struct store *s);

/* With deferred_sync: make every transaction committed so far durable
 * (power-loss safe).  The only call that may run in another thread, at the
 * same time as the handle is used; 0 or negative errno.  Without
 * deferred_sync commits are already durable and this returns 0. */
int store_sync(struct store *s);

/* Transactions: every put/del between begin and commit is atomic.
 * begin inside a transaction: -EALREADY; commit outside one: -EINVAL;
 * rollback outside one is a no-op (so error paths may always call it).
 * After a failed put/del/commit the transaction must be rolled back; if the
 * backend already aborted it, later writes and the commit fail (-EIO)
 * rather than being committed on their own.
 * On a readonly store begin/commit bracket a read snapshot, so that several
 * reads (foreach, then changes) see the same state. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Insert or replace by addr.  Sets l->seq.  A record new to the store
 * (l->seq == 0) clears the address's tombstone; a record the store returned
 * before (a renewal) skips that work. */
int store_lease_put(struct store *s, struct lease *l);
/* Delete by addr (the deletion is remembered for store_lease_changes).
 * Idempotent: 0, and nothing remembered, if there is no lease at addr. */
int store_lease_del(struct store *s, const struct in6_addr *addr);
/* 0 and fills *l, or -ENOENT. */
int store_lease_get(struct store *s, const struct in6_addr *addr, struct lease *l);

/* Iterate all leases; the callback returns <0 to stop (returned as is). */
typedef int (*store_lease_cb)(const struct lease *l, void *arg);
int store_lease_foreach(struct store *s, store_lease_cb cb, void *arg);
int store_lease_count(struct store *s, uint64_t *n);

/* Changes with seq > since, in seq order.  A deleted lease is reported with
 * deleted = true and only addr and seq valid.  *last receives the highest
 * seq seen (unchanged if none).
 * -ESTALE (and no callback) if since > 0 and deletions after since were
 * pruned by store_tombstones_prune(): the follower must drop its state and
 * start again from since = 0.
 * With since = 0 (a full load) that returns 0, *last is max(highest seq
 * reported, horizon - 1), the horizon being the seq below which tombstones
 * were pruned: following on from *last is not -ESTALE because of deletions
 * that the full load could not report. */
typedef int (*store_change_cb)(const struct lease *l, bool deleted, void *arg);
int store_lease_changes(struct store *s, uint64_t since, uint64_t *last,
			store_change_cb cb, void *arg);

/* Forget deletions with seq < below_seq (bounds the tombstone table; call it
 * with the lowest seq every follower has reached + 1).  Returns the number of
 * tombstones removed. */
int store_tombstones_prune(struct store *s, uint64_t below_seq);

/* Small key/value metadata (server DUID, configuration hash, ...).
 * get: -ENOENT if absent; -ENOBUFS if longer than cap (*len, when not NULL,
 * is set to the stored length in both the success and -ENOBUFS cases). */
int store_meta_get(struct store *s, const char *key, void *val, size_t cap, size_t *len);
int store_meta_set(struct store *s, const char *key, const void *val, size_t len);

/* ---- Mobile IPv4 home agent bindings (issue 4) -------------------------- */

/* How the home agent sends IPv6 to a mobile node (RFC 5454 3.3.2). */
enum mip_v6_mode {
	MIP_V6_NONE = 0,             /* no IPv6 registered */
	MIP_V6_TO_HOA = 1,           /* 6in4 to the IPv4 home address, then to
	                                the care-of address (reply code 0) */
	MIP_V6_TO_COA = 2,           /* straight to the care-of address (code 1) */
};

struct mip_prefix {
	struct in6_addr prefix;      /* insignificant bits cleared */
	uint8_t plen;                /* 0-128; 255: a link-local address (5454 3.7.1) */
};

/* One mobility binding (RFC 5944 4.2.3 / 3.8.1): a home address bound to
 * one care-of address.  With the S bit a home address may have several
 * (simultaneous bindings), so the key is (home_addr, coa). */
struct mip_binding {
	uint32_t home_addr;          /* network order */
	uint32_t coa;                /* network order */
	uint32_t home_agent;         /* network order */
	uint32_t src_addr;           /* where the request came from: the mobile
	                                node (co-located), a foreign agent, or a
	                                NAT (RFC 3519) */
	uint16_t src_port;
	bool udp_tunnel;             /* RFC 3519 UDP tunnelling accepted: the
	                                tunnel goes to src_addr:src_port (the
	                                NAT's mapping, 4.6), not to coa */
	uint16_t udp_keepalive;      /* keepalive interval the reply gave (s) */
	uint8_t flags;               /* request flags (MIP4_F_*) as accepted */
	uint8_t encap;               /* enum encap4_kind in use towards the coa */
	uint8_t v6_mode;             /* enum mip_v6_mode */
	uint8_t n_prefix;
	struct mip_prefix prefix[MIP4_MAX_PREFIXES];
	char nai[MIP4_NAI_MAX + 1];  /* "" when the node gave none */
	uint64_t id;                 /* identification of the accepted request */
	int64_t registered;          /* unix seconds of acceptance */
	int64_t expires;             /* unix seconds; lifetime 0xffff: INT64_MAX */
	uint64_t seq;                /* change sequence, set by the store */
};

/* Insert or replace by (home_addr, coa).  Sets b->seq (drawn from the lease
 * counter; bindings have no change feed).  -EINVAL for coa 0, n_prefix above
 * MIP4_MAX_PREFIXES, a plen other than 0-128 or 255, v6_mode above
 * MIP_V6_TO_COA, an NAI that is not NUL-terminated, or udp_tunnel with
 * src_addr or src_port 0.  Outside a
 * transaction a put or del commits on its own. */
int store_mip_binding_put(struct store *s, struct mip_binding *b);
/* Delete one binding; coa == 0 deletes every binding of home_addr
 * (deregistration with lifetime 0 and care-of address = home address,
 * RFC 5944 3.6.1.2).  0 also when nothing matched. */
int store_mip_binding_del(struct store *s, uint32_t home_addr, uint32_t coa);
typedef int (*store_mip_binding_cb)(const struct mip_binding *b, void *arg);
/* In (home_addr, coa) order (as numbers); the callback returns <0 to stop
 * (returned as is).  A malformed row is logged and skipped.  A readonly
 * store opened before its writer upgraded it to bindings has none. */
int store_mip_binding_foreach(struct store *s, store_mip_binding_cb cb, void *arg);
/* Rows, including any that foreach skips as malformed. */
int store_mip_binding_count(struct store *s, uint64_t *n);

/* ---- Mobile IPv4 foreign agent visitors (issue 5) ----------------------- */

/* One accepted visitor list entry (RFC 5944 3.7.1 list, kept so that a
 * restarted foreign agent goes on serving it until its lifetime ends).
 * Pending registrations are not stored: the node retransmits. */
#define MIP_VISITOR_LLADDR_MAX 16
#define MIP_VISITOR_IFNAME_MAX 16    /* IFNAMSIZ, NUL included */
struct mip_visitor {
	uint32_t home_addr;          /* network order; the key */
	uint32_t home_agent;         /* network order */
	uint32_t coa;                /* our care-of address it registered with */
	uint32_t src_addr;           /* IP source of its request */
	uint32_t dst_addr;           /* the request's IP destination */
	uint32_t agent_addr;         /* our address replies come from */
	uint16_t src_port;           /* its UDP source port, host order */
	char ifname[MIP_VISITOR_IFNAME_MAX]; /* the visitor link, NUL-terminated */
	uint8_t lladdr[MIP_VISITOR_LLADDR_MAX];
	uint8_t lladdr_len;          /* 0-MIP_VISITOR_LLADDR_MAX */
	uint8_t flags;               /* request flags (MIP4_F_*) */
	bool tunnel_mode;            /* we attached an IPv6 Tunneling Mode ext */
	bool encap_delivery;         /* RFC 3024 3.3 style granted */
	uint8_t v6;                  /* the agent's IPv6 handling (fa_reg.h
	                                enum fa_v6: 0-2) */
	uint16_t lifetime;           /* granted */
	uint8_t n_prefix;
	struct mip_prefix prefix[MIP4_MAX_PREFIXES];
	uint8_t nai_len;
	uint8_t nai[MIP4_NAI_MAX];   /* not NUL-terminated */
	uint64_t id;                 /* identification of the accepted request */
	int64_t registered;          /* unix seconds */
	int64_t expires;             /* unix seconds; INT64_MAX: never */
	uint64_t seq;                /* change sequence, set by the store */
};

/* Insert or replace by home_addr.  Sets v->seq.  -EINVAL for home_addr 0,
 * lladdr_len above MIP_VISITOR_LLADDR_MAX, n_prefix above
 * MIP4_MAX_PREFIXES, a plen other than 0-128 or 255, v6 above 2, or an
 * ifname that is empty or not NUL-terminated.  Outside a
 * transaction a put or del commits on its own. */
int store_mip_visitor_put(struct store *s, struct mip_visitor *v);
/* Delete home_addr's entry (0 also when there was none). */
int store_mip_visitor_del(struct store *s, uint32_t home_addr);
typedef int (*store_mip_visitor_cb)(const struct mip_visitor *v, void *arg);
/* In home_addr order (as a number); the callback returns <0 to stop
 * (returned as is).  A malformed row is logged and skipped.  A readonly
 * store opened before its writer upgraded it to visitors has none. */
int store_mip_visitor_foreach(struct store *s, store_mip_visitor_cb cb, void *arg);
/* Rows, including any that foreach skips as malformed. */
int store_mip_visitor_count(struct store *s, uint64_t *n);

#endif
