/* The tunnel engine's packet decisions, for every role of DESIGN.md's table.
 * Pure: a packet comes in with where it came from, a verdict goes out (drop
 * with a named reason, write to the TUN, send into the tunnel to a peer, or
 * answer the local IPv4 sender with an ICMPv4 error).  The I/O loop
 * (engine_io.c) does the reading and writing, in batches; the protocol
 * daemons only program bindings and addresses.
 *
 * The DSTM roles (dstm-04 5, RFC 2473): IPv4 in IPv6, next header 4.
 *   host (DTI):  TUN -> tunnel to its TEP;  tunnel from its TEP -> TUN
 *   border router (TEP):  tunnel -> TUN (the IPv4 world), checked against
 *      the bindings (anti-spoofing);  TUN -> tunnel to the binding's host
 * The Mobile IPv4 roles (RFC 5944, RFC 5454; engine_mip.h): IPv4 and IPv6
 * in IPv4 (IP in IP, GRE, minimal encapsulation, 6in4, and 6in4 inside one
 * of those), outer headers built by the engine for an IPPROTO_RAW socket.
 *   home agent:  TUN -> tunnel to the binding's care-of address;  tunnel
 *      -> TUN after the reverse-tunnel checks (RFC 3024, RFC 5454 3.3.2)
 *   mobile node (co-located):  TUN -> reverse tunnel to the home agent;
 *      tunnel from the home agent -> TUN; via a foreign agent only IPv6
 *      in IPv4 from / to the home address; RFC 3519 UDP tunnelling
 *   foreign agent (engine_fa.h):  tunnel from a visitor's home agent ->
 *      TUN (the visitor link);  TUN -> reverse tunnel to the home agent
 */
#ifndef DS46_DATAPLANE_ENGINE_H
#define DS46_DATAPLANE_ENGINE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "dataplane/binding.h"
#include "dataplane/prefix6.h"
#include "wire/ip.h"

#define DP_HELD_MAX 8
#define DP_HELD_LEN 576              /* larger packets are not kept */

enum dp_role {
	DP_ROLE_DSTM_HOST = 1,
	DP_ROLE_DSTM_TEP,
	DP_ROLE_MIP_HA,
	DP_ROLE_MIP_MN,
	DP_ROLE_MIP_FA,              /* foreign agent (engine_fa.h) */
};

/* Octets the I/O loop keeps free in front of every packet it reads, so
 * that the engine prepends tunnel headers in place (STYLE 3). */
#define DP_HEADROOM 64

/* Counters, named for the control socket; drop_* are per reason.  The IP
 * parsers' own reasons (ip_drop_name) are counted in ip_drops[]. */
#define DP_COUNTERS(X)                                                          \
	X(rx_tun) X(rx_tunnel) X(tx_tun) X(tx_tunnel)                           \
	X(rx_tun_bytes) X(rx_tunnel_bytes)                                      \
	X(icmp4_sent) X(icmp6_errors) X(mss_clamped) X(learned)                 \
	X(need_address)                                                         \
	X(drop_malformed) X(drop_no_binding) X(drop_spoofed_source)             \
	X(drop_not_from_tep) X(drop_not_our_address) X(drop_no_tep)             \
	X(drop_too_big) X(drop_icmp_ratelimited) X(drop_icmp6_not_ours)         \
	X(drop_learn_full)                                                      \
	/* Mobile IPv4 roles (engine_mip.h) */                                  \
	X(icmp6_sent) X(tx_copies)                                              \
	X(drop_revtun_bad_outer) X(drop_revtun_bad_inner6)                      \
	X(drop_not_registered) X(drop_link_local) X(drop_multicast)             \
	X(drop_ecn) X(drop_not_from_ha) X(drop_bad_source) X(drop_at_home)      \
	X(drop_encap)                                                           \
	/* ICMPv4 errors from within the IPv4 tunnels (dp_mip_icmp4_in) */      \
	X(icmp4_tunnel_in) X(tunnel_mtu_lowered) X(tunnel_mtu_aged)             \
	X(icmp_relayed) X(icmp4_not_relayed) X(drop_icmp_not_ours)              \
	/* foreign agent (engine_fa.h) */                                       \
	X(fa_decap) X(fa_revtun) X(fa_encap_delivery)                           \
	X(drop_fa_no_visitor) X(drop_fa_not_from_ha) X(drop_fa_not_our_coa)     \
	X(drop_fa_no_revtun) X(drop_fa_bad_inner6) X(drop_fa_not_native)        \
	X(drop_fa_expired) X(drop_fa_direct)                                    \
	/* mobile node via a foreign agent */                                   \
	X(drop_via_fa_ipv4) X(drop_via_fa_native6)                              \
	/* RFC 3519 UDP tunnelling (dp_mip_udptun_in) */                        \
	X(udptun_in) X(udptun_out) X(udptun_keepalive_in)                       \
	X(udptun_keepalive_out) X(drop_udptun_malformed)                        \
	X(drop_udptun_no_binding) X(drop_udptun_bad_port)                       \
	X(drop_udptun_next_hdr) X(drop_udptun_keepalive)                       \
	/* home agent multicast, MLD proxy (engine_mld.h) */                    \
	X(mld_in) X(mld_joins) X(mld_leaves) X(mld_timeouts) X(mld_ignored)     \
	X(mld_malformed) X(mld_node_full) X(mld_event_overflow)                 \
	X(mc_tunnelled) X(mc_copies_capped) X(mld_queries_sent)

struct dp_stats {
#define X(n) uint64_t n;
	DP_COUNTERS(X)
#undef X
	uint64_t ip_drops[IP_DROP__MAX];
};
extern const char *const dp_stat_names[];
/* Every counter with its name, the IP parser's reasons as ip_drop_<name>
 * (for the control sockets). */
void dp_stats_foreach(const struct dp_stats *s, void (*cb)(void *arg, const char *name, uint64_t v),
		      void *arg);
size_t dp_stat_count(void);
uint64_t dp_stat_get(const struct dp_stats *s, size_t i);

/* Mobile IPv4 (engine_mip.h).  Addresses are host order, like the rest
 * of the engine. */
/* Care-of addresses per home address beyond the first (RFC 5944 3.4 reply
 * code 135, "too many simultaneous mobility bindings", above it). */
#define DP_MIP_SIM_MAX 7

struct dp_mip_coa {                  /* a further care-of address (S bit) */
	uint32_t home, coa;
	uint32_t expires;            /* 0 = never */
	uint32_t seq;                /* registration order: higher is newer */
	uint8_t encap;               /* enum encap4_kind */
	uint16_t udp_port;           /* RFC 3519 UDP tunnelling to coa:udp_port
	                                (0: none) */
};

/* RFC 2003 4.1, RFC 1191: a path MTU learnt from an ICMPv4 fragmentation
 * needed about one of our tunnel packets, per outer destination (home
 * agent: care-of address; mobile node: home agent).  Soft state: a small
 * set-associative table in struct dp_mip. */
#define DP_MIP_PMTU_WAYS 4
#define DP_MIP_PMTU_SETS 16
#define DP_MIP_PMTU_AGE 600          /* seconds (RFC 1191 6.3: 10 minutes) */

/* Home agent multicast (engine_mld.h): a node listening to a group. */
struct dp_mip_mld {
	struct in6_addr group;
	uint32_t home;               /* the node's home address */
	uint32_t expires;            /* e->now seconds */
};
#define DP_MIP_MLD_EVQ 64            /* first-join / last-leave events queued */
#define DP_MIP_MC_COPY_MAX 128       /* nodes one multicast packet goes to
                                        (o->copies is a uint8_t) */

struct dp_mip_pmtu {
	uint32_t dst;                /* outer destination; 0 = free */
	uint32_t expires;            /* raised back to link_mtu at this e->now
	                                (0 = never) */
	uint16_t mtu;                /* outer IPv4 path MTU */
};

struct dp_mip {
	/* both roles */
	uint16_t link_mtu;           /* outer IPv4 MTU (the uplink's): larger
	                                tunnel packets are fragmented (DF
	                                clear) or refused (DF set); 1500 */
	uint16_t tunnel6_mtu;        /* RFC 4213 3.2.1 static tunnel MTU for
	                                IPv6 inside IPv4; 1280 */
	uint8_t ttl;                 /* outer TTL; 64 */
	uint16_t ip_id;              /* last outer identification (never 0) */
	struct in6_addr icmp6_src;   /* source of our ICMPv6 errors; :: = none */
	struct prefix6_table prefixes; /* HA: registered IPv6 prefixes and
	                                addresses -> home address; MN: its own
	                                registered prefixes (value unused).  A
	                                registered link-local address (plen
	                                255) is kept as its /128 */
	/* home agent */
	uint32_t local;              /* our address: outer source, and where
	                                reverse tunnels must be addressed */
	struct dp_mip_coa *sim;      /* simultaneous bindings, sorted by
	                                (home, coa) */
	uint32_t n_sim, cap_sim;
	uint32_t sim_seq;            /* last dp_mip_coa.seq given */
	uint8_t *copy_buf;           /* DP_HEADROOM + 65535: one copy at a time */
	const uint8_t *copy_src;     /* the packet being copied (caller's) */
	size_t copy_len;
	uint8_t copy_hdr[IP4_HDR_LEN];/* its header before MINIMAL rewrote it */
	bool copy_hdr_saved;
	bool copy_via_hoa;           /* IPv6 through the home address */
	uint32_t copy_home;
	uint8_t copy_n;              /* copies the last verdict announced */
	uint32_t copy_coa[DP_MIP_SIM_MAX];
	bool copy_mc;                /* the copies are multicast ones, to
	                                mc_home[1 .. copy_n] */
	uint32_t mc_home[DP_MIP_MC_COPY_MAX];
	/* home agent multicast (engine_mld.h) */
	struct dp_mip_mld *mld;      /* sorted by (group, home) */
	uint32_t n_mld, cap_mld;
	uint32_t mld_timeout;        /* seconds; 260 (RFC 3810 9.4) */
	uint32_t mld_max_per_node;   /* groups per node; 16 (at most
	                                DP_MIP_MLD_PER_NODE_MAX) */
	uint8_t mld_query_interval;  /* s, the queries' QQIC (1-127); 125 */
	uint8_t mc_min_scope;        /* tunnel groups of this scope and up;
	                                0xe (global) */
	void (*mld_notify)(void *ctx);/* called when an event is queued (the
	                                daemon schedules its drain); NULL */
	void *mld_notify_ctx;
	uint8_t mld_ev_head, mld_ev_n;
	struct { struct in6_addr group; bool join; } mld_ev[DP_MIP_MLD_EVQ];
	/* mobile node (co-located care-of address) */
	uint32_t home, ha, coa;
	uint8_t encap;               /* enum encap4_kind of the reverse tunnel */
	uint8_t v6_mode;             /* enum mip_v6_mode */
	bool at_home;
	bool via_fa;                 /* foreign agent care-of address mode */
	uint32_t fa_deliver;         /* via_fa: encapsulating delivery to
	                                this agent (RFC 3024 5.2); 0: direct */
	bool udp_csum_zero;          /* RFC 3519 tunnel data with UDP checksum
	                                0 (RFC 768); default: computed */
	uint16_t udp_sport;          /* RFC 3519 UDP tunnelling from
	                                coa:udp_sport (0: none) */
	/* foreign agent: visitors are in e->bindings (engine_fa.c), their
	 * IPv6 prefixes in `prefixes` (value: the visitor's home address) */
	uint32_t n_visitors;
	/* every role: tunnel MTU discovery (RFC 2003 4.1, dp_mip_icmp4_in) */
	uint16_t pmtu_min;           /* reported MTUs are raised to it; 68
	                                (RFC 1191 3) */
	uint32_t pmtu_age;           /* seconds a lowered path MTU lasts; 600;
	                                0: until restart */
	uint32_t n_pmtu;             /* entries in use */
	struct dp_mip_pmtu pmtu[DP_MIP_PMTU_SETS * DP_MIP_PMTU_WAYS];
};

struct dp_engine {
	enum dp_role role;
	/* Largest inner IPv4 packet the tunnel carries without fragmenting
	 * the tunnel packet: path MTU - tunnel headers (RFC 2473 6.7).  DF
	 * packets above it get ICMPv4 fragmentation needed (7.2 a); the
	 * others are sent and the kernel fragments the IPv6 packet (7.2 b). */
	uint16_t tunnel_mtu;
	uint16_t mss_clamp;          /* 0: off; else clamp TCP SYN MSS to it */
	bool tclass_copy;            /* RFC 2473 6.4: outer TC from inner TOS */
	uint8_t tclass;
	uint32_t icmp_src;           /* IPv4 source of our ICMPv4 errors */
	uint16_t icmp_id;
	struct ratelimit icmp_rl;    /* ICMPv4 errors: 100 then 100/s */

	/* border router */
	struct binding_table bindings;
	bool learn;                  /* dstm-04 5.2 learn-from-traffic (unsafe) */
	uint32_t now;                /* unix seconds: learned bindings' expiry;
	                                Mobile IPv4 care-of addresses' (set by
	                                dp_mip_ha_expire) */
	uint32_t learn_lifetime;
	uint32_t learn_max;          /* learning stops at this many bindings:
	                                spoofed sources cannot exhaust memory */

	/* host */
	bool has_tep;
	struct in6_addr tep;
	bool has_addr4;
	uint32_t addr4;
	/* dstm-04 5.1: packets sent from 0.0.0.0 before the lease, kept to
	 * answer their sockets once the address is there (dp_host_answer_held) */
	uint8_t n_held;
	uint16_t held_len[DP_HELD_MAX];
	uint8_t held[DP_HELD_MAX][DP_HELD_LEN];

	struct dp_mip mip;           /* DP_ROLE_MIP_HA, DP_ROLE_MIP_MN,
	                                DP_ROLE_MIP_FA (engine_fa.h) */

	struct dp_stats st;
};

enum dp_verdict {
	DP_DROP = 0,
	DP_TO_TUN,                   /* write pkt/len to the TUN */
	DP_TO_TUNNEL,                /* send pkt/len to peer over the raw socket */
	DP_ICMP_TO_TUN,              /* write icmp/len to the TUN (to the sender) */
	DP_NEED_ADDRESS,             /* host without a lease: dropped, acquire one */
	DP_TO_TUNNEL4,               /* send pkt/len, a whole IPv4 packet, on the
	                                IPPROTO_RAW socket; when frag_mtu != 0 and
	                                len > frag_mtu, send it in fragments of at
	                                most frag_mtu (DF is clear) */
};

struct dp_out {
	enum dp_verdict verdict;
	const char *why;             /* drop reason, for logs */
	struct in6_addr peer;        /* DP_TO_TUNNEL */
	uint8_t tclass;              /* DP_TO_TUNNEL */
	const uint8_t *pkt;
	size_t len;
	uint16_t frag_mtu;           /* DP_TO_TUNNEL4 */
	uint8_t copies;              /* DP_TO_TUNNEL4 of a home agent: further
	                                copies for simultaneous bindings, got
	                                with dp_mip_ha_copy() */
	uint8_t icmp[ICMP6_ERROR_MAX];/* an ICMPv4 or ICMPv6 error */
};

/* dstm-04 5.3: the host's tunnel MTU default before any PTB, for an IPv6
 * path MTU of 1500 and a 40-octet tunnel header. */
#define DP_DEFAULT_TUNNEL_MTU 1460

/* DP_DROP for a reason: *ctr counted, why kept for the log (every role). */
static inline void dp_drop(struct dp_out *o, uint64_t *ctr, const char *why)
{
	(*ctr)++;
	o->verdict = DP_DROP;
	o->why = why;
}

int dp_init(struct dp_engine *e, enum dp_role role, uint32_t bindings_hint);
void dp_free(struct dp_engine *e);

/* An IPv4 packet that arrived through the tunnel (raw IPv6 socket, protocol
 * 4: the payload after the IPv6 headers) from src6. */
void dp_tunnel_in(struct dp_engine *e, const struct in6_addr *src6, uint8_t *pkt, size_t len,
		  struct dp_out *o);
/* An IPv4 packet read from the TUN. */
void dp_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o);
/* An ICMPv6 error about one of our tunnel packets (from the raw socket's
 * error queue or an ICMPv6 socket), starting at the ICMPv6 header.  Lowers
 * the tunnel MTU on Packet Too Big and answers the original IPv4 sender
 * (RFC 2473 8.3). */
void dp_icmp6_in(struct dp_engine *e, const uint8_t *msg, size_t len, struct dp_out *o);

/* Host: the IPv4 address has arrived (e->addr4).  Every packet held since
 * it was asked for came from 0.0.0.0, a source the kernel fixed when the
 * socket sent it: answer each with ICMPv4 host unreachable from its
 * destination to the new address, so a connecting socket fails at once and
 * the application retries with the address (instead of retransmitting a
 * SYN nobody can answer).  emit writes each error into the TUN.  Returns
 * how many were answered. */
int dp_host_answer_held(struct dp_engine *e, void (*emit)(void *ctx, const uint8_t *pkt, size_t len),
			void *ctx);
/* Drop the held packets (after the last answer). */
void dp_host_forget_held(struct dp_engine *e);

#endif
