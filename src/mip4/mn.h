/* ds46-mnd, the Dual-Stack Mobile IPv4 mobile node with a co-located
 * care-of address (RFC 5944 3.6, 4.2.2; RFC 5454 3.5, 3.8), behind a NAT
 * (RFC 3519, RFC 5454 3.9) or through a foreign agent (RFC 5944 3.3,
 * 4.2.2) found by agent discovery (RFC 5944 2.4): the glue between the
 * registration client (mip4/mn_reg.h, pure), the agent discovery machine
 * (mip4/mn_disc.h, pure), the tunnel engine (dataplane/engine_mip.h,
 * engine_io4.h) and the kernel (addresses, routes, neighbours, address
 * and link events, an AF_PACKET socket for advertisements and
 * solicitations).  Manual: docs/man/ds46-mnd.8.md.
 *
 * The decisions are pure and unit-tested (tests/unit/test_mip4_mn.c):
 *   mn_locate()   where the node is, from the IPv4 addresses of the home
 *                 interface: an address inside the home network (home
 *                 agent address / home-prefix-length) means at home; any
 *                 other usable unicast address is the co-located care-of
 *                 address (the one in use is kept while it stays);
 *   mn_locate_agent()  the same with the agent discovery state: home by
 *                 our home agent's advertisement, away through a chosen
 *                 foreign agent;
 *   mn_plan_of()  what the kernel and the engine need for a location and
 *                 a binding: home address /32 on the TUN, IPv6 addresses
 *                 on the TUN, engine prefixes, the half-default routes;
 *                 through a foreign agent F/32, its permanent neighbour
 *                 entry and the half-defaults via F (docs/man/ds46-mnd.8.md
 *                 "Foreign-agent care-of address mode"); the UDP tunnel
 *                 port and keepalive interval (RFC 3519).
 *
 * Kernel arrangement (docs/man/ds46-mnd.8.md, "Routing"):
 *   away: home address /32 on the TUN; 0.0.0.0/1 and 128.0.0.0/1 dev TUN
 *     src home address (they beat the operator's default route without
 *     removing it); HA/32 via the physical link's gateway for the home
 *     agent (what the kernel routed it through before) so registrations
 *     and tunnel packets leave natively; IPv6: each granted address on the
 *     TUN (/128; a granted prefix shorter than 128 gives prefix::1, a
 *     link-local registration its fe80:: address /64), ::/1 and 8000::/1
 *     dev TUN src the first of them.
 *   at home: nothing on the TUN, no routes of ours; the home address
 *     home-address/home-prefix-length is put on the home interface unless
 *     it is there already (and removed again when the node leaves home or
 *     stops, if the daemon added it).
 */
#ifndef DS46_MIP4_MN_H
#define DS46_MIP4_MN_H

#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl_server.h"
#include "dataplane/engine.h"
#include "dataplane/engine_io4.h"
#include "dataplane/engine_mip.h"
#include "mip4/mn_config.h"
#include "mip4/mn_disc.h"
#include "mip4/mn_reg.h"
#include "os/netlink.h"
#include "os/packet.h"

/* ---- where the node is (pure) ------------------------------------------- */

enum mn_where {
	MN_WHERE_UNKNOWN = 0,        /* no usable IPv4 address on the link */
	MN_WHERE_HOME,
	MN_WHERE_AWAY,
	MN_WHERE_COUNT
};
const char *mn_where_name(enum mn_where w);   /* "unknown", "home", "away" */

/* One IPv4 address of the home interface (from a netlink dump). */
struct mn_addr4 {
	uint32_t addr;               /* network order */
	uint8_t plen;
	uint8_t scope;               /* RT_SCOPE_* */
	uint32_t flags;              /* IFA_F_* */
};

struct mn_location {
	enum mn_where where;
	uint32_t coa;                /* AWAY: network order */
	bool home_addr_present;      /* HOME: the home address itself is there */
	/* the usable address the node has on the link (the co-located care-of
	 * address away, the address of the home network at home; 0: none),
	 * for agent discovery (mn_disc_set_addr) */
	uint32_t link_addr;
	uint8_t link_plen;
	/* AWAY through a foreign agent (mn_locate_agent): the agent (the
	 * advertisement's IPv4 and link-layer source); coa is its care-of
	 * address.  fa 0: co-located. */
	uint32_t fa;
	uint8_t fa_mac[PACKET_ETH_ALEN];
	uint16_t fa_flags;           /* AGENTADV_F_* it offers */
};

/* The home network, network order (home agent & mask of home-prefix-length:
 * also right for an assigned home address). */
uint32_t mn_home_net(const struct mn_cfg *c);
bool mn_in_home_net(const struct mn_cfg *c, uint32_t a);
/* A usable care-of address: unicast, not 0/8, 127/8, 169.254/16,
 * multicast or broadcast, scope universe, not tentative. */
bool mn_coa_usable(const struct mn_addr4 *a);
/* home: the home address in use (configured or assigned; 0: none);
 * current: the care-of address in use (kept while present). */
void mn_locate(const struct mn_cfg *c, uint32_t home, const struct mn_addr4 *a, size_t n,
	       uint32_t current, struct mn_location *out);

/* Where the node is, all things considered: by_addr is mn_locate's answer;
 * ds the agent discovery state and agent its chosen agent (NULL: none),
 * mac the agent's link-layer address.  Precedence: our home agent
 * advertising (MN_DISC_HOME: at home, RFC 5944 2.4.3), an address of the
 * home network (at home), a usable foreign agent (MN_DISC_FOREIGN with a
 * care-of address: away through it), a co-located care-of address (away),
 * else unknown. */
void mn_locate_agent(const struct mn_location *by_addr, enum mn_disc_state ds,
		     const struct mn_disc_agent *agent, const uint8_t *mac,
		     struct mn_location *out);

/* The Agent Solicitation frame for the mobility link (RFC 5944 2.2, RFC
 * 1256 3.2): Ethernet to 01:00:5e:00:00:0b from src_mac, IPv4 from o->src
 * (0.0.0.0 or the co-located address) to o->dst (224.0.0.11) with TTL
 * o->ttl (1), protocol ICMP, no options, id 0, DF clear, then o->msg.
 * Returns the length, -ENOBUFS, -EINVAL without a solicitation in o. */
int mn_solicit_frame(const struct mn_disc_out *o, const uint8_t src_mac[PACKET_ETH_ALEN],
		     uint8_t *out, size_t cap);

/* fe80::ffff:<a.b.c.d> for an IPv4 address (network order): the foreign
 * agent's IPv6 gateway on the link for code 1 (issue-5 contract). */
void mn_fa_gw6(uint32_t fa, struct in6_addr *out);

/* "RFT", "-": the letters of the AGENTADV_F_* flags set (R B H F M G T U X
 * I), for the control socket.  buf of 16 octets. */
const char *mn_agent_flags_str(uint16_t flags, char *buf, size_t len);

/* ---- what the kernel and the engine need (pure) ---------------------------- */

struct mn_addr6 {
	struct in6_addr addr;
	uint8_t plen;                /* on the TUN: 128, or 64 for link-local */
};

struct mn_plan {
	bool away;                   /* routes and addresses on the TUN */
	bool registered;             /* a binding: the engine tunnels */
	uint32_t home;               /* network order; 0: none known */
	struct dp_mip_mn dp;         /* the engine's (host order) */
	bool route4;                 /* half-defaults into the TUN, src home */
	uint8_t n_addr6;             /* IPv6 addresses on the TUN */
	struct mn_addr6 addr6[MN_REG_MAX_V6];
	bool route6;                 /* half-defaults into the TUN, src src6 */
	struct in6_addr src6;
	uint8_t n_prefix;            /* engine prefixes (plen 0-128 or 255) */
	struct mip_prefix prefix[MN_REG_MAX_V6];
	/* foreign-agent care-of address mode (RFC 5944 4.2.2; issue-5
	 * contract): fa the agent (network order, 0: co-located) */
	uint32_t fa;
	uint8_t fa_mac[PACKET_ETH_ALEN];
	bool fa_link;                /* F/32 dev L src home and a PERMANENT
	                                neighbour F -> fa_mac */
	bool route4_fa;              /* registered: 0/1 and 128/1 via F dev L
	                                src home instead of route4 into the TUN */
	bool route6_fa;              /* code 1 (native): the IPv6 half-defaults
	                                via gw6 dev L src src6 and a PERMANENT
	                                neighbour gw6 -> fa_mac, not into the TUN */
	struct in6_addr gw6;         /* fe80::ffff:<F> */
	uint16_t keepalive;          /* RFC 3519 4.9: UDP tunnel keepalive
	                                interval (s); 0: no UDP tunnel */
};

/* The address on the TUN for a granted prefix or address (RFC 5454 3.5:
 * the node configures its home addresses on its tunnel interface): a /128
 * itself, a shorter prefix with its last octet's low bit set (prefix::1),
 * a link-local address (plen 255) itself as a /64.  -EINVAL for plen 0. */
int mn_addr6_of(const struct mip_prefix *granted, struct mn_addr6 *out);
/* loc: mn_locate_agent's; home: the home address in use; b: the binding in
 * force (NULL: none); udp_sport: the registration socket's port (host
 * order), the source of RFC 3519 tunnel data.  Away with a binding:
 * everything for loc->coa (the binding's parameters are kept across a move
 * until the re-registration answers).  Through a foreign agent
 * (loc->fa): fa_link always; IPv4 into the TUN (the engine drops) until
 * registered, then route4_fa (with binding.encap_delivery route4 stays,
 * and dp.fa_deliver = the agent: RFC 3024 5.2); the engine in via_fa mode
 * (IPv4 not tunnelled; IPv6 code 0 as 6in4 from home to the home agent); IPv6 code 1
 * (native_link) route6_fa and engine mode MIP_V6_TO_COA (nothing
 * tunnelled).  Co-located with a binding that says udp_tunnel: the engine's
 * udp_sport and the keepalive interval. */
void mn_plan_of(const struct mn_cfg *c, const struct mn_location *loc, uint32_t home,
		const struct mn_reg_binding *b, uint16_t udp_sport, struct mn_plan *p);

/* The state file (mn_reg_persist as JSON); pure text in and out. */
int mn_state_format(const struct mn_reg_persist *p, char *buf, size_t len);
int mn_state_parse(const char *text, struct mn_reg_persist *p);

/* ---- the daemon ------------------------------------------------------------ */

#define MN_COUNTERS(X)                                                        \
	X(moves) X(home_events) X(addr_events) X(addr_dumps) X(events_lost)    \
	X(rx_datagrams) X(drop_rx_truncated) X(drop_rx_error)                   \
	X(tx_errors) X(kernel_errors) X(dataplane_errors) X(state_writes)      \
	X(state_errors) X(tunnel_errors)                                        \
	X(fa_registrations) X(fa_reboot_registrations) X(disc_rx_frames)        \
	X(disc_rx_other) X(disc_rx_not_agent_adv) X(disc_drop_truncated)        \
	X(disc_drop_bad_adv) X(disc_rx_errors) X(disc_tx_solicitations)         \
	X(disc_tx_errors) X(link_ups) X(link_downs)                             \
	X(udptun_rx) X(udptun_rx_to_tun) X(udptun_rx_dropped)                   \
	X(udptun_keepalives) X(udptun_keepalive_errors) X(udptun_reregistrations)

#define MN_KEEPALIVE_TRIES 3     /* RFC 3519 4.10: unanswered, re-register */

struct mn_stats {
#define X(n) uint64_t n;
	MN_COUNTERS(X)
#undef X
};
size_t mn_stat_count(void);
const char *mn_stat_name(size_t i);
uint64_t mn_stat_get(const struct mn_stats *s, size_t i);

struct mn {
	const struct mn_cfg *cfg;
	struct event_base *base;
	struct mn_reg reg;
	struct dp_engine e;
	bool e_init;
	struct dp_io4 *io;
	struct nl nl, nlev;
	bool nl_open, nlev_open;
	int phys;                    /* ifindex of the home interface */
	int tun;                     /* ifindex of the TUN */
	char tun_name[IF_NAMESIZE];
	int udp_fd;
	struct event *ev_udp, *ev_nl, *ev_timer;
	struct ctl_server *ctl;
	struct mn_location loc;
	struct mn_plan applied;      /* what is in the kernel now */
	bool added_home_addr;        /* the daemon put the home address on the
	                                home interface */
	uint32_t applied_home_on_link;  /* which one (network order) */
	bool ha_route;               /* HA/32 via the physical link is ours */
	bool link_lost;              /* no usable address since the last move */
	struct mn_stats st;
	/* agent discovery (RFC 5944 2.4) */
	bool disc_on;
	struct mn_disc disc;
	struct packet_sock pkt;      /* ETH_P_IP on the home interface */
	struct event *ev_pkt, *ev_disc;
	bool link_up;
	struct mn_location by_addr;  /* mn_locate's last answer */
	struct {
		uint32_t addr;
		uint8_t mac[PACKET_ETH_ALEN];
		uint64_t seen_ms;
	} macs[MN_DISC_MAX_AGENTS];  /* link-layer source of each agent heard */
	/* NAT traversal (RFC 3519) */
	uint16_t udp_port;           /* the registration socket's, host order */
	struct event *ev_ka;
	uint64_t ka_tx_seen;         /* io tx_packets at the last check */
	uint64_t ka_last_ms;         /* tunnel data or a keepalive last went out */
	uint16_t ka_seq;
	uint32_t ka_unanswered;      /* keepalives sent with no tunnel data
	                                received since */
	/* RFC 5944 4.6: the home interface's arp_ignore / arp_announce as
	 * found (-1: not changed) */
	int arp_ignore_was, arp_announce_was;
};

/* Open everything, restore the state file, read the home interface's
 * addresses and act on them. */
int mn_open(struct mn *m, const struct mn_cfg *cfg, struct event_base *base);
/* Deregister (when away with a binding or a request), remove what the
 * daemon put into the kernel, save the state, close. */
void mn_close(struct mn *m);
/* Control socket (mn_ctl.c): ping, stats, mobility. */
int mn_ctl_open(struct mn *m);
char *mn_ctl_answer(struct mn *m, const char *buf, size_t len, uint64_t now_ms);

#endif
