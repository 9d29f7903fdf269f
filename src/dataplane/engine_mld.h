/* The home agent as an MLD proxy for its mobile nodes (RFC 5454 3.3.3,
 * RFC 6275 10.4.2-10.4.3, RFC 4605 style).  Pure, part of the home agent
 * role of engine_mip.c; see docs/dataplane.md, "Multicast".
 *
 * MLD in: a reverse-tunnelled MLDv1 Report / Done (RFC 2710, ICMPv6 131,
 * 132) or MLDv2 Report (RFC 3810, 143) that came through the home-address
 * tunnel of a registered node (engine_mip.c accepts a link-local source
 * only there) is checked: hop limit 1, a link-local source, a Hop-by-Hop
 * Router Alert option (RFC 2711, value 0), the ICMPv6 checksum, the
 * records inside the message (mld_malformed otherwise, state untouched).
 * Queries from a node are ignored (mld_ignored).  The packet still goes to
 * the TUN as before (the kernel, a mere listener there, ignores it).
 * Groups: scope 3 to e (realm-local to global; reserved f, link-local and
 * interface-local groups are never tunnelled, dsmipv4-06 3.3.2: counted
 * mld_ignored).  MLDv2 source lists are treated as any-source: a record
 * with a non-empty source list (IS_IN, TO_IN, ALLOW) joins, an IS_EX /
 * TO_EX record joins, IS_IN / TO_IN with no source (INCLUDE {}) leaves,
 * BLOCK_OLD is ignored.  v1 Done leaves.
 *
 * State: one entry per (group, node home address) with an expiry of
 * e->now + mld_timeout (RFC 3810 9.4 Multicast Address Listening
 * Interval, 260 s by default), refreshed by each report; at most
 * mld_max_per_node groups per node (mld_node_full beyond).  Entries go
 * with the binding (dp_mip_ha_unbind, expiry) and when their time is up
 * (dp_mip_ha_expire -> mld_timeouts).  Events: the first node joining a
 * group and the last one leaving it queue an event (dp_mip_mld_event);
 * when the queue is full the event is lost (mld_event_overflow) and the
 * daemon resynchronises with dp_mip_mld_has_group.
 *
 * Data: an IPv6 packet from the TUN side to a multicast group of scope >=
 * mc_min_scope (default 0xe: global only, dsmipv4-06 3.3.2 MUST; 5 or 8
 * to include site / organisation scope, which the draft says SHOULD NOT)
 * with live listeners gets one copy per listening node, to its newest
 * live care-of address, through the node's IPv6 path (its v6_mode:
 * through the home address, or to the care-of address; RFC 3519 UDP when
 * registered so; RFC 5454 3.3.3: only MLD itself must use the home-address
 * tunnel).  The first is the verdict, the others dp_mip_ha_copy (o->copies,
 * at most DP_MIP_MC_COPY_MAX nodes per packet: mc_copies_capped).
 * Counted mc_tunnelled per copy sent.  No listener or a smaller scope:
 * drop_multicast.  A copy above the node's IPv6 tunnel MTU: drop_too_big
 * (no Packet Too Big for multicast). */
#ifndef DS46_DATAPLANE_ENGINE_MLD_H
#define DS46_DATAPLANE_ENGINE_MLD_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine.h"

#define DP_MIP_MLD_TIMEOUT 260       /* RFC 3810 9.4 */
#define DP_MIP_MLD_PER_NODE 16      /* default of mld_max_per_node */
#define DP_MIP_MLD_PER_NODE_MAX 64  /* its largest value */
#define DP_MIP_MC_MIN_SCOPE 0xe

/* A validated MLD message from the node with home address home (the
 * IPv6 packet as parsed).  Returns 0, or -EINVAL when malformed (counted). */
int dp_mip_mld_input(struct dp_engine *e, uint32_t home, const struct ip6_view *v);
/* The next first-join / last-leave event: 1 and *group / *join filled, or
 * 0 when there is none. */
int dp_mip_mld_event(struct dp_engine *e, struct in6_addr *group, bool *join);
/* Does any node listen to group (expired or not)? */
bool dp_mip_mld_has_group(const struct dp_engine *e, const struct in6_addr *group);
/* The groups of home: up to n into g[] (and their expiry into exp[] when
 * not NULL); returns how many there are. */
unsigned dp_mip_mld_node_groups(const struct dp_engine *e, uint32_t home, struct in6_addr *g,
				uint32_t *exp, unsigned n);
/* The live listeners of group (expires > e->now): up to n home addresses
 * into home[]; returns how many there are. */
unsigned dp_mip_mld_listeners(const struct dp_engine *e, const struct in6_addr *group,
			      uint32_t *home, unsigned n);

/* RFC 6275 10.4.3: the home agent queries each node periodically through
 * its home-address tunnel (RFC 5454 3.3.3).  An MLDv2 General Query
 * (RFC 3810 5.1: from fe80::<local>, the link-local address of the home
 * agent's TUN, to ff02::1, hop limit 1, Router Alert, Maximum Response
 * Code 10000 ms, QRV 2, QQIC mld_query_interval: 125 s by default, at
 * most 127 so that it is coded as is, RFC 3810 5.1.9) to the node home, through its home
 * address to its newest live care-of address (RFC 3519 UDP directly when
 * registered so).  pkt: DP_MLD_QUERY_LEN octets with DP_HEADROOM writable
 * in front.  0 and DP_TO_TUNNEL4 (mld_queries_sent), or -ENOENT (no
 * binding / live care-of address, DP_DROP). */
#define DP_MLD_QUERY_LEN (40 + 8 + 28)
#define DP_MLD_QUERY_INTERVAL 125    /* RFC 3810 9.2 */
#define DP_MLD_QRV 2                 /* RFC 3810 9.1 */
#define DP_MLD_MAX_RESP_MS 10000     /* RFC 3810 9.3 */
int dp_mip_mld_query(struct dp_engine *e, uint32_t home, uint8_t *pkt, struct dp_out *o);
size_t dp_mip_mld_query_build(const struct dp_engine *e, uint8_t *pkt);

/* Remove every group of home (the binding ended: engine_mip.c). */
void dp_mip_mld_forget(struct dp_engine *e, uint32_t home);
/* Remove the entries with expires <= now (mld_timeouts); dp_mip_ha_expire
 * calls it; a daemon that keeps e->now itself may call it directly. */
void dp_mip_mld_expire(struct dp_engine *e, uint32_t now);

#endif
