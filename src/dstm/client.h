/* The DSTM host's DHCPv6 client (RFC 8415 18.2 with the IPv4 Global Address
 * option of dstm-04 6.1, 6.3) as a pure state machine: no sockets, no clock,
 * no randomness of its own.  Time comes in as monotonic milliseconds on every
 * call, random numbers through ops->rand, and everything the machine wants
 * done (send a datagram, configure or remove the DTI's IPv4 address) goes out
 * through struct client_ops.  The host daemon wraps it with a UDP socket on
 * port 546, a timer armed at client_next_timeout(), netlink and the tunnel
 * engine; the unit tests and the fuzzer drive it directly.
 *
 * Modes (dstm-04 5.1):
 *   on-demand  the machine waits in IDLE until the daemon calls
 *              client_start(), when the first IPv4 packet shows up on the
 *              DTI.  The first Solicit is sent at once: an application is
 *              waiting for it, and one host starting on demand is not the
 *              synchronised crowd SOL_MAX_DELAY protects against (RFC 8415
 *              18.2.1 "SHOULD").  When the lease ends the machine goes back
 *              to IDLE and waits for the next demand.
 *   always     the daemon calls client_start() right after client_init (or
 *              client_restore); the first Solicit is delayed by RAND in
 *              [0, SOL_MAX_DELAY].  When the lease ends it solicits again.
 */
#ifndef DS46_DSTM_CLIENT_H
#define DS46_DSTM_CLIENT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dhcp6.h"

/* RFC 8415 7.6, milliseconds */
#define DHCP6_SOL_MAX_DELAY 1000
#define DHCP6_SOL_TIMEOUT 1000
#define DHCP6_SOL_MAX_RT 3600000
#define DHCP6_REQ_TIMEOUT 1000
#define DHCP6_REQ_MAX_RT 30000
#define DHCP6_REQ_MAX_RC 10
#define DHCP6_REN_TIMEOUT 10000
#define DHCP6_REN_MAX_RT 600000
#define DHCP6_REB_TIMEOUT 10000
#define DHCP6_REB_MAX_RT 600000
#define DHCP6_INF_TIMEOUT 1000
#define DHCP6_INF_MAX_RT 3600000
#define DHCP6_REL_TIMEOUT 1000
#define DHCP6_REL_MAX_RC 4
/* RFC 8415 21.24/21.25: accepted SOL_MAX_RT / INF_MAX_RT values (seconds) */
#define DHCP6_MAX_RT_MIN 60
#define DHCP6_MAX_RT_MAX 86400
/* RFC 8415 7.7 */
#define DHCP6_INFINITY 0xffffffffu

/* ds46 choices (docs in client.c): after NoAddrsAvail, or a Reply without a
 * usable IPv4 address, wait CLIENT_BACKOFF_MIN, doubling up to
 * DHCP6_SOL_MAX_RT, before soliciting again.  RFC 8415 14.1 transmission
 * limit: CLIENT_TX_BURST messages, then one per CLIENT_TX_INTERVAL. */
#define CLIENT_BACKOFF_MIN 30000
#define CLIENT_TX_BURST 20
#define CLIENT_TX_INTERVAL 1000

/* STYLE 6: one enum, one name table, one transition function. */
enum client_state {
	CLIENT_IDLE,          /* DTI up, no address; on-demand mode waits here */
	CLIENT_SOLICITING,    /* RFC 8415 18.2.1 (and collecting Advertises) */
	CLIENT_REQUESTING,    /* 18.2.2 */
	CLIENT_BOUND,         /* holding an IPv4 address, waiting for T1 */
	CLIENT_RENEWING,      /* 18.2.4 */
	CLIENT_REBINDING,     /* 18.2.5 */
	CLIENT_RELEASING,     /* 18.2.7 */
	CLIENT_BACKOFF,       /* NoAddrsAvail: waiting before soliciting again */
	CLIENT_INFORMING,     /* 18.2.6, answering a Reconfigure (msg-type 11) */
	CLIENT_STATE_COUNT
};
const char *client_state_name(enum client_state s);

/* Why the IPv4 address must be removed from the DTI. */
enum client_loss {
	CLIENT_LOSS_EXPIRED,    /* dstm-04 6.3 step 2: valid lifetime ended */
	CLIENT_LOSS_SERVER,     /* the server returned it with valid lifetime 0 */
	CLIENT_LOSS_REPLACED,   /* the server gave the IA another address */
	CLIENT_LOSS_NOTONLINK,  /* NotOnLink: not appropriate on this link */
	CLIENT_LOSS_REDISCOVER, /* restarting server discovery (RFC 8415 18.2.10.1) */
	CLIENT_LOSS_STOPPED,    /* client_stop(release=true) */
	CLIENT_LOSS_COUNT
};
const char *client_loss_name(enum client_loss l);

struct client_config {
	struct dhcp6_duid duid;        /* required */
	uint32_t iaid4;                /* IA_NA for the IPv4-mapped address */
	bool want_na;                  /* also an IA_NA for an IPv6 address */
	uint32_t iaid_na;
	uint16_t ipv4_option_code;     /* 0 -> DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT */
	bool rapid_commit;             /* RFC 8415 21.14 in Solicit */
	bool reconfigure_accept;       /* RFC 8415 21.20, key from 20.4.1 */
	bool on_demand;                /* see the top of this file */
};

/* A lease as the daemon sees it.  Lifetimes and T1/T2 are seconds counted
 * from the moment the structure was produced (the Reply's reception for
 * ops->lease, the call for client_lease_export); DHCP6_INFINITY is
 * infinite.  T1/T2 are already resolved (RFC 8415 21.4: 0 from the server
 * became 0.5/0.8 of the preferred lifetime); in an exported lease t1 == 0
 * means "T1 has passed". */
struct client_lease {
	uint32_t v4;                   /* host order */
	bool has_tep;                  /* dstm-04 5.3: else use the static TEP */
	struct in6_addr tep;
	uint32_t t1, t2, preferred, valid;
	struct dhcp6_duid server;      /* server DUID */
	bool has_unicast;              /* RFC 8415 21.12 Server Unicast */
	struct in6_addr unicast;
	bool has_reconf_key;           /* RFC 8415 20.4.1 */
	uint8_t reconf_key[DHCP6_RECONF_KEY_LEN];
	uint64_t reconf_replay;        /* last replay-detection value seen */
	bool has_na;                   /* the optional IPv6 IA_NA's address; the
	                                  kernel times it (RFC 4862 lifetimes) */
	struct in6_addr na;
	uint32_t na_preferred, na_valid;
};

struct client_ops {
	/* dst NULL: All_DHCP_Relay_Agents_and_Servers (ff02::1:2) port 547;
	 * else the server's unicast address (RFC 8415 21.12).  The daemon
	 * sends from its global address (docs/dataplane.md).  <0 = not sent
	 * (counted; retransmission goes on as if the datagram was lost). */
	int (*send)(void *ctx, const uint8_t *msg, size_t len, const struct in6_addr *dst);
	/* Acquired or extended: configure l->v4 on the DTI, tunnel to the TEP. */
	void (*lease)(void *ctx, const struct client_lease *l);
	/* Remove v4 from the DTI (the machine releases it to the server itself
	 * when the seed or the RFC requires it). */
	void (*expired)(void *ctx, uint32_t v4, enum client_loss why);
	/* Uniformly distributed 32-bit numbers (xids and RAND; RFC 8415 15
	 * does not require cryptographic quality, 16.1 asks for unguessable
	 * xids: the daemon uses getrandom). */
	uint32_t (*rand)(void *ctx);
	void *ctx;
};

/* Counters, named for the control socket.  drop_* are received datagrams
 * (or parts of them, for the drop_v4_* and drop_ia_* ones) ignored for a
 * named reason, each also logged, rate-limited. */
#define CLIENT_COUNTERS(X)                                                     \
	X(tx_solicit) X(tx_request) X(tx_renew) X(tx_rebind) X(tx_release)    \
	X(tx_information_request) X(tx_ratelimited) X(tx_errors)             \
	X(rx_packets) X(rx_advertise) X(rx_reply) X(rx_reconfigure)            \
	X(leases_acquired) X(leases_renewed) X(leases_expired)                 \
	X(leases_lost) X(reconfigures_accepted) X(exchanges_failed)            \
	X(status_noaddrsavail) X(status_nobinding) X(status_notonlink)         \
	X(status_usemulticast) X(status_unspecfail) X(status_other)            \
	X(drop_malformed) X(drop_unknown_type) X(drop_not_for_client)          \
	X(drop_unexpected_state) X(drop_xid_mismatch) X(drop_no_client_id)    \
	X(drop_wrong_client_id) X(drop_no_server_id) X(drop_wrong_server_id)   \
	X(drop_no_rapid_commit) X(drop_advertise_no_addrs)                     \
	X(drop_reply_no_addrs) X(drop_v4_not_mapped) X(drop_v4_unusable)       \
	X(drop_bad_lifetimes) X(drop_ia_t1_gt_t2) X(drop_tep_invalid)          \
	X(drop_reconf_multicast) X(drop_reconf_no_key)                         \
	X(drop_reconf_bad_msg_type) X(drop_bad_auth) X(drop_replay)

struct client_stats {
#define X(n) uint64_t n;
	CLIENT_COUNTERS(X)
#undef X
};
extern const char *const client_stat_names[];
size_t client_stat_count(void);
uint64_t client_stat_get(const struct client_stats *s, size_t i);

/* ---- internals (read-only for callers; tests may look) ------------------- */

/* One message exchange under RFC 8415 15. */
struct client_xchg {
	uint8_t type;                  /* message being (re)transmitted */
	uint32_t xid;
	uint64_t start_ms;             /* first transmission (Elapsed Time) */
	uint64_t tx_at;                /* next (re)transmission */
	uint32_t rt_ms;                /* current RT */
	uint32_t irt_ms, mrt_ms, mrc;  /* RFC 8415 15 parameters */
	uint32_t count;                /* transmissions so far */
	bool unicast;                  /* this exchange may use server unicast */
};

/* The best Advertise so far (RFC 8415 18.2.9). */
struct client_advert {
	bool valid;
	uint8_t preference;
	struct dhcp6_duid server;
	bool has_unicast;
	struct in6_addr unicast;
	uint32_t v4;                   /* the advertised address, as a hint */
};

struct client {
	struct client_config cfg;
	struct client_ops ops;
	enum client_state state;
	bool started;                  /* client_start() called (demand seen) */
	uint64_t now_ms;               /* time of the current call */
	struct client_xchg x;
	struct client_advert adv;
	uint32_t sol_delay_ms;         /* delay of the next first Solicit */
	uint64_t backoff_until;
	uint32_t backoff_ms;           /* next BACKOFF length */
	uint32_t sol_max_rt_ms;        /* RFC 8415 21.24 */
	uint32_t inf_max_rt_ms;        /* RFC 8415 21.25 */
	enum client_state after_release;
	bool reconf_exchange;          /* the exchange answers a Reconfigure */
	/* the server of the lease (or of the Request in progress) */
	struct dhcp6_duid server;
	bool has_unicast;
	struct in6_addr unicast;
	bool has_reconf_key;
	uint8_t reconf_key[DHCP6_RECONF_KEY_LEN];
	uint64_t reconf_replay;
	/* the IPv4 lease */
	bool has_v4;
	bool lease_reported;           /* ops->lease called for the current v4 */
	uint32_t v4;
	bool has_tep;
	struct in6_addr tep;
	uint64_t t1_at, t2_at, pref_at, valid_at;   /* UINT64_MAX: never */
	/* the optional IPv6 IA_NA */
	bool has_na;
	struct in6_addr na;
	uint64_t na_pref_at, na_valid_at;
	/* what a Release in progress releases */
	bool rel_v4, rel_na;
	uint32_t rel_v4_addr;
	struct in6_addr rel_na_addr;
	/* RFC 8415 14.1 token bucket */
	uint32_t tx_tokens;
	uint64_t tx_refill_ms;
	struct client_stats stats;
};

/* ---- API ------------------------------------------------------------------- */

/* 0, or -EINVAL when the configuration is unusable (no DUID) or an op is
 * missing.  The machine starts in IDLE. */
int client_init(struct client *c, const struct client_config *cfg, const struct client_ops *ops);

/* Begin acquiring an IPv4 address (dstm-04 5.1: first IPv4 packet in
 * on-demand mode; at start-up in always mode).  0 when started (or queued
 * behind a Release in progress), -EALREADY when already running. */
int client_start(struct client *c, uint64_t now_ms);

/* Stop.  release=true: remove the address (ops->expired, CLIENT_LOSS_STOPPED)
 * and send a Release (REL_MAX_RC transmissions) before going IDLE.
 * release=false: go IDLE at once, telling nobody (export the lease first to
 * resume it after a restart).  The reconfigure key is forgotten. */
void client_stop(struct client *c, uint64_t now_ms, bool release);

/* A datagram received on port 546.  unicast: it was sent to one of our
 * addresses (RFC 8415 16.11: a Reconfigure must be).  Never fails: anything
 * unusable is dropped and counted. */
void client_recv(struct client *c, uint64_t now_ms, const uint8_t *msg, size_t len,
		 bool unicast);

/* The timer armed at client_next_timeout() fired (calling it early is
 * harmless: nothing is due). */
void client_timeout(struct client *c, uint64_t now_ms);

/* Absolute monotonic ms of the next thing to do, UINT64_MAX for nothing. */
uint64_t client_next_timeout(const struct client *c);

/* Lease persistence: export the current lease (-ENOENT when none) with
 * lifetimes counted from now_ms; save it with the wall-clock time.  After a
 * restart, client_restore() with age_s = seconds since the export resumes
 * BOUND, RENEWING (T1 passed), REBINDING (T2 passed) or, when the valid
 * lifetime has passed, reports the address expired, releases it (dstm-04
 * 6.3 step 2) and returns -ESTALE.  Call it instead of client_start(); in
 * always mode call client_start() afterwards too (it is a no-op unless the
 * lease was stale). */
int client_lease_export(const struct client *c, uint64_t now_ms, struct client_lease *l);
int client_restore(struct client *c, const struct client_lease *l, uint64_t now_ms, int64_t age_s);

#endif
