/* ds46-had, the Mobile IPv4 home agent (RFC 5944 3.8, 4.2.3, 4.6; RFC 5454
 * 3.3): the glue between the registration engine (mip4/ha_reg.h, pure), the
 * store, the tunnel engine (dataplane/engine_mip.h) and the kernel (TUN,
 * routes, proxy ARP/ND, home-link frames).  Manual: docs/man/ds46-had.8.md.
 *
 * What a binding needs from the kernel is computed from the bindings alone
 * (ha_kstate_*, pure and unit-tested): per home address, the set of
 * objects it needs now is compared with the set programmed before, and
 * only the difference is applied.  The same path serves a registration, a
 * deregistration, an expiry, an operator release and a restart (programmed
 * set empty).
 *
 *   per home address H with at least one binding:
 *     route H/32 dev <tun>, proxy ARP for H on the home link, a gratuitous
 *     ARP when H leaves home (RFC 5944 4.6)
 *   per registered IPv6 prefix P (0 < plen <= 128):
 *     route P dev <tun>; when P is a /128 inside a home prefix (an IPv6
 *     home address on the home link, seed 3.3): proxy ND for it on the home
 *     link and an unsolicited Neighbor Advertisement (RFC 4861 7.2.6)
 *   a registered link-local address (plen 255, RFC 5454 3.7.1): the tunnel
 *     engine only (the kernel never forwards link-local destinations).
 *
 * A binding whose RFC 3519 UDP tunnel was accepted is given to the engine
 * with the NAT's address and port the request came from (ha_dp_bind_of).
 * The registration socket also receives that node's MIP tunnel data and
 * keepalives (type 4, RFC 3519 3.3): they go to dp_mip_udptun_in(), whose
 * inner packets are written into the TUN and whose keepalive answers leave
 * from the registration socket itself (port cfg->port).
 *
 * Multicast (RFC 5454 3.3.3, RFC 6275 10.4.2-10.4.3; an MLD proxy in the
 * manner of RFC 4605, docs/dataplane.md "Multicast"): the engine keeps the
 * groups the nodes report through their home-address tunnels and queues
 * first-join / last-leave events; the daemon joins / leaves each group on
 * the home link (IPV6_JOIN_GROUP on an AF_INET6 socket: the kernel sends
 * the MLD reports there and answers the router's queries), reads the
 * group traffic on the home link (an ETH_P_IPV6 packet socket, open while
 * any group is joined; frames of joined groups with a hop limit above 1,
 * decremented) and hands it to the engine as TUN-side packets.  Every
 * mld-query-interval seconds (first after 2 s) each node with IPv6
 * registered gets an MLDv2 General Query through its home-address tunnel.
 * The daemon keeps e->now at the wall clock (listener timeouts).
 */
#ifndef DS46_MIP4_HA_H
#define DS46_MIP4_HA_H

#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine.h"
#include "dataplane/engine_mip.h"
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"
#include "os/netlink.h"
#include "os/packet.h"
#include "store/store.h"
#include "wire/ndisc.h"

#define HA_GARP_COUNT 2              /* RFC 5944 4.6: a request, then a reply */

/* The glue's own counters (ha_reg's and the engine's are apart). */
#define HA_COUNTERS(X)                                                          \
	X(rx_datagrams) X(tx_reply_errors)                                     \
	X(drop_rx_truncated) X(drop_rx_error)                                   \
	X(store_errors) X(restore_rejected)                                     \
	X(dad_runs) X(dad_ns_sent) X(dad_defended) X(dad_probed)                \
	X(nd_rx) X(nd_rx_bad) X(nd_rx_own)                                      \
	X(garp_sent) X(unsol_na_sent)                                           \
	X(routes_added) X(routes_removed)                                       \
	X(proxy_arp_added) X(proxy_arp_removed)                                 \
	X(proxy_nd_added) X(proxy_nd_removed)                                   \
	X(kernel_errors) X(dataplane_errors) X(frame_send_errors)              \
	X(tunnel_errors)                                                        \
	X(expired) X(released)                                                  \
	/* RFC 3519 tunnel data on the registration socket */                  \
	X(udptun_rx) X(udptun_rx_dropped) X(udptun_tx) X(udptun_tx_errors)     \
	/* multicast, MLD proxy (docs/dataplane.md "Multicast") */             \
	X(mc_joined) X(mc_left) X(mc_join_errors) X(mc_rx) X(mc_rx_ignored)    \
	X(mc_rx_hop_limit) X(mld_query_rounds)

struct ha_stats {
#define X(n) uint64_t n;
	HA_COUNTERS(X)
#undef X
};
size_t ha_stat_count(void);
const char *ha_stat_name(size_t i);
uint64_t ha_stat_get(const struct ha_stats *s, size_t i);

/* ---- what a home address needs from the kernel (pure) ------------------ */

enum ha_p6_kind {
	HA_P6_NONE = 0,              /* nothing in the kernel: link-local (255)
	                                or a zero-length prefix */
	HA_P6_ROUTE,                 /* a route into the TUN */
	HA_P6_HOME,                  /* a /128 inside a home prefix: route into
	                                the TUN + proxy ND + unsolicited NA */
};
enum ha_p6_kind ha_p6_kind(const struct ha_cfg *cfg, const struct mip_prefix *p);

/* Kernel objects of one home address (network order). */
struct ha_kstate {
	uint32_t home;
	bool present;                /* a binding exists: /32 route + proxy ARP */
	uint16_t n6;
	struct mip_prefix *p6;       /* every registered prefix, deduplicated,
	                                sorted (plen, then prefix); malloc'ed */
};

/* The objects the bindings b[0..n) (of one home address) need; ks->p6 is
 * allocated (free with ha_kstate_clear).  0 or -ENOMEM. */
int ha_kstate_of(struct ha_kstate *ks, uint32_t home, const struct mip_binding *b, size_t n);
void ha_kstate_clear(struct ha_kstate *ks);

enum ha_kop {
	HA_KOP_DEL4 = 1,             /* remove the /32 route and proxy ARP */
	HA_KOP_DEL6,                 /* remove the prefix's route (+ proxy ND) */
	HA_KOP_ADD4,                 /* route, proxy ARP, gratuitous ARP */
	HA_KOP_ADD6,                 /* route (+ proxy ND, unsolicited NA) */
};
/* Calls cb for every difference between old and new (same home address):
 * every removal first, then every addition (p is NULL for the IPv4 ones).
 * Returns how many calls. */
typedef void (*ha_kop_cb)(enum ha_kop op, uint32_t home, const struct mip_prefix *p, void *arg);
size_t ha_kstate_diff(const struct ha_kstate *old, const struct ha_kstate *new_,
		      ha_kop_cb cb, void *arg);

/* Where a binding's tunnel goes (host order): the care-of address, or for
 * an RFC 3519 UDP tunnel the NAT's address the request came from (4.6). */
uint32_t ha_tunnel_dst(const struct mip_binding *b);
/* struct mip_binding (network order) -> the engine's (host order; a UDP
 * tunnel: coa = src_addr, udp_port = src_port). */
void ha_dp_bind_of(const struct mip_binding *b, bool simultaneous, struct dp_mip_bind *out);

/* "SBDMGT" letters of the accepted flags that are set, "-" when none. */
const char *ha_flags_str(uint8_t flags, char buf[8]);
/* "none", "hoa", "coa" */
const char *ha_v6_mode_name(uint8_t m);
/* "2001:db8::/64", or the bare address for a link-local registration. */
const char *ha_prefix_str(const struct mip_prefix *p, char *buf, size_t len);

/* ---- Duplicate Address Detection of one pending registration (pure) ---- */

struct ha_dad_probe {
	size_t n;
	struct in6_addr addr[MIP4_MAX_PREFIXES];
	bool failed[MIP4_MAX_PREFIXES];
	uint8_t nonce[NDISC_NONCE_LEN];  /* RFC 7527: recognises our own probes */
};
/* A valid NS or NA seen on the home link (RFC 4862 5.4.3, 5.4.4): marks the
 * addresses it defends or probes as failed.  Returns how many were newly
 * marked; *defended / *probed count why (may be NULL). */
size_t ha_dad_input(struct ha_dad_probe *d, const struct ndisc_msg *m, uint64_t *defended,
		    uint64_t *probed);
bool ha_dad_all_failed(const struct ha_dad_probe *d);

/* ---- the daemon -------------------------------------------------------- */

struct ha_dad;                       /* a pending registration (ha.c) */
struct ha_prog {                     /* what is programmed for one home address */
	struct ha_kstate ks;
};
struct ha_ctl;
struct dp_io4;
struct ha_rxbatch;                   /* receive buffers (ha.c) */

/* Registrations received, decided and committed together (group commit). */
#define HA_BATCH_MAX 64

struct ha {
	const struct ha_cfg *cfg;
	struct event_base *base;
	struct ha_reg *reg;
	struct store *store;
	struct dp_engine e;
	bool e_init;
	struct dp_io4 *io;           /* the TUN and the tunnel sockets */
	struct nl nl;
	bool nl_open;
	int home_ifindex, tun_ifindex;
	char tun_name[IF_NAMESIZE];
	bool has_home_ll;
	struct in6_addr home_ll;     /* source of our unsolicited NAs */
	bool has_home_global;
	struct in6_addr home_global; /* source of the engine's ICMPv6 errors */
	struct packet_sock tx;       /* home link: frames we send (receives nothing) */
	struct packet_sock nd;       /* home link, ETH_P_IPV6, open while DAD runs */
	struct event *ev_nd;
	int udp_fd;
	struct event *ev_udp, *ev_expire;
	struct ha_dad *dads;         /* pending registrations (DAD running) */
	struct ha_prog *prog;        /* sorted by home address */
	size_t n_prog, cap_prog;
	struct ha_ctl *ctl;
	struct ha_rxbatch *rxb;
	/* multicast (MLD proxy) */
	int mc_fd;                   /* AF_INET6 UDP: group membership on the
	                                home link */
	struct packet_sock mc;       /* home link, ETH_P_IPV6: group traffic,
	                                open while n_mc_joined > 0 */
	unsigned n_mc_joined;
	struct event *ev_mc, *ev_mld, *ev_mld_tick;
	uint8_t *mc_buf;             /* DP_HEADROOM + one frame */
	int64_t next_query;          /* wall clock of the next query round */
	struct ha_stats st;
};

/* Everything up (engine, TUN, sockets, store, restore, control socket). */
int ha_open(struct ha *h, const struct ha_cfg *cfg, struct event_base *base, const char *tun);
/* Everything down: pending registrations are forgotten (no reply), the
 * kernel objects withdrawn (routes go with the TUN; proxy entries are
 * removed), bindings stay in the store for the next start. */
void ha_close(struct ha *h);

/* Make the tunnel engine and the kernel (when h->nl_open) match the
 * current bindings of home (network order): applies the difference from
 * what was programmed for it before.  Every change goes through here. */
void ha_program(struct ha *h, uint32_t home);

/* Persist, program, answer a batch of registrations (group commit): the
 * store changes of every chs[i] (NULL: a rejection, nothing to store),
 * deletions then put per registration and in order, in ONE transaction;
 * then the engine and the kernel; then the replies reps[i] (len 0: none) in
 * one sendmmsg, only if the commit succeeded (otherwise none of them: the
 * nodes retransmit).  At most HA_BATCH_MAX.  Returns 0 or the store's
 * negative errno. */
int ha_apply_batch(struct ha *h, struct ha_reg_reply *const *reps,
		   struct ha_reg_changes *const *chs, size_t n);

/* Operator release (control socket): coa 0 = every binding of home.
 * Withdraws and deletes them from the store.  Returns how many. */
size_t ha_release(struct ha *h, uint32_t home_addr, uint32_t coa);

/* ha_ctl.c */
int ha_ctl_open(struct ha *h, const char *path);
void ha_ctl_close(struct ha *h);
/* The answer to one request (tests call it directly). */
char *ha_ctl_answer(struct ha *h, const char *req, size_t len, int64_t now);
/* One binding as the control socket shows it (json-c object). */
struct json_object;
struct json_object *ha_binding_json(const struct mip_binding *b, const char *node, int64_t now);

#endif
