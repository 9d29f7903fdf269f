/* The DSTM address server: DHCPv6 (RFC 8415) with the IPv4 Global Address
 * option (dstm-04 6).  server.c holds the protocol logic and is free of
 * socket calls: it takes one received datagram and produces at most one
 * reply, so unit tests and the fuzzer drive it directly.  server_io.c owns
 * the sockets and the event loop; server_ctl.c the control socket. */
#ifndef DS46_DSTM_SERVER_H
#define DS46_DSTM_SERVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dstm/config.h"
#include "dstm/leases.h"
#include "dstm/pool.h"
#include "store/store.h"
#include "wire/dhcp6.h"

/* Counters, named for the control socket.  drop_* are packets dropped for a
 * named reason (each also logged, rate-limited). */
#define SERVER_COUNTERS(X)                                                     \
	X(rx_packets)                                                          \
	X(rx_solicit) X(rx_request) X(rx_confirm) X(rx_renew) X(rx_rebind)    \
	X(rx_release) X(rx_decline) X(rx_information_request)                  \
	X(rx_relay_forw)                                                       \
	X(tx_advertise) X(tx_reply) X(tx_reconfigure) X(tx_relay_repl)         \
	X(leases_v4_assigned) X(leases_na_assigned) X(leases_renewed)          \
	X(leases_released) X(leases_declined) X(leases_expired)                \
	X(noaddrsavail) X(nobinding) X(notonlink) X(usemulticast)             \
	X(drop_truncated) X(drop_malformed_option) X(drop_oversized)           \
	X(drop_unknown_type) X(drop_relay_hops) X(drop_no_clientid)            \
	X(drop_wrong_serverid) X(drop_unexpected_serverid) X(drop_no_link)     \
	X(drop_server_message) X(drop_store_error)

struct server_stats {
#define X(n) uint64_t n;
	SERVER_COUNTERS(X)
#undef X
};
extern const char *const server_stat_names[];
size_t server_stat_count(void);
uint64_t server_stat_get(const struct server_stats *s, size_t i);

/* Runtime state of one configured link: its pools. */
struct server_link {
	const struct cfg_link *cfg;
	int ifindex;                 /* of cfg->interface, set by the I/O layer;
	                                0: reached through relays only */
	uint8_t n_pools4, n_pools6;
	struct pool4 pools4[CFG_MAX_POOLS];
	struct pool6 pools6[CFG_MAX_POOLS];
};

/* A received datagram, as the I/O layer saw it. */
struct server_rx {
	const uint8_t *buf;
	size_t len;
	struct in6_addr src;
	uint16_t sport;
	int ifindex;
	char ifname[IF_NAMESIZE];
	bool dst_multicast;          /* sent to All_DHCP_Relay_Agents_and_Servers */
};

/* A datagram to send. */
struct server_tx {
	uint8_t buf[DHCP6_MAX_MSG];
	size_t len;
	struct in6_addr dst;
	uint16_t dport;
	int ifindex;
};

typedef int (*server_send_fn)(void *ctx, const struct server_tx *tx);

/* A Reconfigure waiting for the client's Renew (RFC 8415 18.3.11). */
struct server_reconf {
	struct dhcp6_duid duid;
	struct in6_addr addr;        /* the lease whose key signs it */
	uint32_t rt_ms;
	uint64_t next_ms;            /* monotonic */
	uint32_t count;
};

struct server {
	struct cfg *cfg;
	struct store *store;
	struct dhcp6_duid duid;
	uint16_t n_links;
	struct server_link *links;
	struct lease_table leases;
	struct server_stats stats;
	uint64_t replay;             /* RDM monotonic counter for Reconfigure */
	int64_t now;                 /* wall time for this batch (tests set it) */
	server_send_fn send;         /* for Reconfigure, set by the I/O layer */
	void *send_ctx;
	size_t n_reconf;
	struct server_reconf *reconf;
	bool store_failed;           /* a store write failed in this batch */
	bool deferred_sync;          /* commits are made durable by the I/O
	                                layer's store_sync (store-sync full) */
};

/* Open the store, load the server DUID (creating and persisting it on first
 * start) and every lease, and mark pool usage. */
int server_init(struct server *s, struct cfg *cfg);
void server_free(struct server *s);

/* Handle one datagram.  Returns 1 with *tx filled when a reply must be sent,
 * 0 when nothing is to be sent (dropped or no answer), <0 on internal error.
 * Store writes happen inside the caller's transaction (store_begin/commit
 * around a batch); replies must be sent only after the commit. */
int server_handle(struct server *s, const struct server_rx *rx, struct server_tx *tx);

/* After a failed batch (rolled back): rebuild the lease table and pool
 * usage from the store, the durable truth. */
int server_resync(struct server *s);

/* Expire leases and end quarantines whose time has come; returns how many. */
int server_reclaim(struct server *s);

/* Operator actions (control socket). */
int server_release_addr(struct server *s, const struct in6_addr *addr);
/* Send a Reconfigure (msg-type Renew, ORO with the IPv4 Global Address option)
 * to the client holding addr (any of its leases) or, if addr is NULL, to the
 * client with that DUID.  -ENOENT no such client, -EPERM client has no
 * reconfigure key (never sent Reconfigure Accept). */
int server_reconfigure(struct server *s, const struct in6_addr *addr,
		       const struct dhcp6_duid *duid);

/* Retransmit pending Reconfigures (REC_TIMEOUT doubling, REC_MAX_RC). */
void server_tick(struct server *s, uint64_t now_ms);

/* Pool usage for the control socket. */
struct server_pool_usage {
	const char *link, *pool;
	uint8_t kind;                /* LEASE_KIND_V4 / LEASE_KIND_NA */
	uint64_t size, used, declined;
};
typedef int (*server_pool_cb)(const struct server_pool_usage *u, void *arg);
int server_foreach_pool(struct server *s, server_pool_cb cb, void *arg);

#endif
