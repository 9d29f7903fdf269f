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
	bool readonly;               /* a follower such as the border router */
};

int store_open(const struct store_opts *o, struct store **out);
void store_close(struct store *s);

/* Transactions: every put/del between begin and commit is atomic. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Insert or replace by addr.  Sets l->seq. */
int store_lease_put(struct store *s, struct lease *l);
/* Delete by addr (the deletion is remembered for store_lease_changes). */
int store_lease_del(struct store *s, const struct in6_addr *addr);
/* 0 and fills *l, or -ENOENT. */
int store_lease_get(struct store *s, const struct in6_addr *addr, struct lease *l);

/* Iterate all leases; the callback returns <0 to stop (returned as is). */
typedef int (*store_lease_cb)(const struct lease *l, void *arg);
int store_lease_foreach(struct store *s, store_lease_cb cb, void *arg);
int store_lease_count(struct store *s, uint64_t *n);

/* Changes with seq > since, in seq order.  A deleted lease is reported with
 * deleted = true and only addr and seq valid.  *last receives the highest
 * seq seen (unchanged if none). */
typedef int (*store_change_cb)(const struct lease *l, bool deleted, void *arg);
int store_lease_changes(struct store *s, uint64_t since, uint64_t *last,
			store_change_cb cb, void *arg);

/* Small key/value metadata (server DUID, configuration hash, ...). */
int store_meta_get(struct store *s, const char *key, void *val, size_t cap, size_t *len);
int store_meta_set(struct store *s, const char *key, const void *val, size_t len);

#endif
