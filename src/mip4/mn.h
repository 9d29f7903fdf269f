/* ds46-mnd, the Dual-Stack Mobile IPv4 mobile node with a co-located
 * care-of address (RFC 5944 3.6, 4.2.2; RFC 5454 3.5, 3.8): the glue
 * between the registration client (mip4/mn_reg.h, pure), the tunnel
 * engine (dataplane/engine_mip.h, engine_io4.h) and the kernel (addresses,
 * routes, address events).  Manual: docs/man/ds46-mnd.8.md.
 *
 * The decisions are pure and unit-tested (tests/unit/test_mip4_mn.c):
 *   mn_locate()   where the node is, from the IPv4 addresses of the home
 *                 interface: an address inside the home network (home
 *                 agent address / home-prefix-length) means at home; any
 *                 other usable unicast address is the co-located care-of
 *                 address (the one in use is kept while it stays);
 *   mn_plan_of()  what the kernel and the engine need for a location and
 *                 a binding: home address /32 on the TUN, IPv6 addresses
 *                 on the TUN, engine prefixes, the half-default routes.
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
#include "mip4/mn_reg.h"
#include "os/netlink.h"

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
};

/* The address on the TUN for a granted prefix or address (RFC 5454 3.5:
 * the node configures its home addresses on its tunnel interface): a /128
 * itself, a shorter prefix with its last octet's low bit set (prefix::1),
 * a link-local address (plen 255) itself as a /64.  -EINVAL for plen 0. */
int mn_addr6_of(const struct mip_prefix *granted, struct mn_addr6 *out);
/* where, coa: mn_locate's; home: the home address in use; b: the binding in
 * force (NULL: none).  Away with a binding: everything for coa (the
 * binding's parameters are kept across a move until the re-registration
 * answers). */
void mn_plan_of(const struct mn_cfg *c, enum mn_where where, uint32_t coa, uint32_t home,
		const struct mn_reg_binding *b, struct mn_plan *p);

/* The state file (mn_reg_persist as JSON); pure text in and out. */
int mn_state_format(const struct mn_reg_persist *p, char *buf, size_t len);
int mn_state_parse(const char *text, struct mn_reg_persist *p);

/* ---- the daemon ------------------------------------------------------------ */

#define MN_COUNTERS(X)                                                        \
	X(moves) X(home_events) X(addr_events) X(addr_dumps) X(events_lost)    \
	X(rx_datagrams) X(drop_rx_truncated) X(drop_rx_error)                   \
	X(tx_errors) X(kernel_errors) X(dataplane_errors) X(state_writes)      \
	X(state_errors) X(tunnel_errors)

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
