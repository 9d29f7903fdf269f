/* The tunnel engine's foreign agent role (DP_ROLE_MIP_FA; RFC 5944 4.2.2,
 * RFC 3024 reverse tunnelling, RFC 5454 3.4 dual-stack foreign agent).
 * Pure, like engine_mip.c: the foreign agent daemon programs visitors, the
 * I/O loop (engine_io4.c) hands packets to dp_mip_tun_in, dp_mip_tunnel_in
 * and dp_mip_icmp4_in, which dispatch here for this role.
 *
 * Addresses are host order.  Visitors live in the engine's binding table
 * (hash by home address, one cache line each); their IPv6 prefixes in a
 * longest-match table (dataplane/prefix6.h).  No per-packet allocation or
 * scan.
 *
 * Tunnel -> TUN (home agent -> visitor, RFC 5944 4.2.2): the tunnel packet
 *   (IP in IP, GRE, minimal, 6in4) must be addressed to the visitor's
 *   care-of address and come from the visitor's home agent.  Inner IPv4:
 *   to an active visitor's home address.  Inner IPv6 (protocol 41 or GRE
 *   0x86DD): under a prefix of a v6_native visitor.  RFC 6040 ECN.  The
 *   kernel then delivers it on the visitor link (the daemon's routes and
 *   permanent neighbour entries).
 *   Encapsulating delivery style (RFC 3024 3.3, 5.2): IP in IP, GRE or
 *   minimal encapsulation from a visitor's home address to its care-of
 *   address or the agent address it registered through, whose inner
 *   source is that home address: re-tunnelled to its home agent
 *   (DP_TO_TUNNEL4).  Direct (unencapsulated) IPv4 of a visitor that
 *   asked for it reaching the TUN anyway is dropped (drop_fa_direct:
 *   5.2.1, it must not be reverse-tunnelled).
 * TUN -> tunnel (reverse tunnelling, RFC 3024 5.2 direct delivery; RFC
 *   5454 3.4: all IPv6 of a v6_native visitor): inner IPv4 from a visitor
 *   with revtun4, inner IPv6 from under a v6_native visitor's prefix; from
 *   the visitor's care-of address to its home agent with the negotiated
 *   encapsulation (IPv6 as 6in4, or GRE 0x86DD when GRE was negotiated).
 *   DF above the path MTU: ICMPv4 fragmentation needed; IPv6 above the
 *   IPv6 tunnel MTU: Packet Too Big (as the home agent).
 * ICMPv4 errors quoting our tunnel packets (dp_mip_icmp4_in): from a
 *   visitor's care-of address to its home agent; as for the other roles.
 *
 * Counters: fa_decap, fa_revtun, fa_encap_delivery; drop_fa_no_visitor,
 * drop_fa_not_from_ha, drop_fa_not_our_coa, drop_fa_no_revtun, drop_fa_direct,
 * drop_fa_bad_inner6, drop_fa_not_native, drop_fa_expired, and the
 * shared ones (drop_malformed, drop_ecn, drop_too_big, drop_encap, ...).
 * Per packet a visitor is ignored once 0 < expires <= e->now; the daemon
 * keeps e->now current (unix seconds, from its timer) and removes expired
 * visitors itself (dp_fa_visitor_del), with their routes. */
#ifndef DS46_DATAPLANE_ENGINE_FA_H
#define DS46_DATAPLANE_ENGINE_FA_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine.h"
#include "wire/encap4.h"

struct dp_fa_visitor {
	uint32_t home;               /* host order, like the engine */
	uint32_t ha;                 /* its home agent */
	uint32_t coa;                /* our care-of address it registered with */
	enum encap4_kind encap;      /* ENCAP4_IPIP, ENCAP4_GRE, ENCAP4_MINIMAL */
	bool revtun4;                /* T granted: reverse-tunnel its IPv4 */
	bool v6_native;              /* seed 3.4 choice 2 accepted with code 1 */
	bool encap_delivery;         /* RFC 3024 3.3: it asked for the
	                                encapsulating delivery style (its
	                                direct packets are not reverse-tunnelled,
	                                5.2.1: the daemon installs no rule) */
	uint32_t agent;              /* our address it registered through
	                                (0: coa); encapsulating delivery may
	                                come to it or to coa */
	uint32_t expires;            /* unix seconds, 0 never (per packet:
	                                ignored once 0 < expires <= e->now) */
};

/* Add or replace (prefixes kept on replace).  -EINVAL on another role's
 * engine, for an address in 0/8 or another encapsulation; -ENOMEM. */
int dp_fa_visitor_set(struct dp_engine *e, const struct dp_fa_visitor *v);
/* Remove the visitor and its prefixes; -ENOENT. */
int dp_fa_visitor_del(struct dp_engine *e, uint32_t home);
/* The visitor's IPv6 prefixes (plen 0-128; link-local refused): -ENOENT
 * when home is not a visitor, -EEXIST when another visitor has exactly
 * that prefix, -EINVAL, -ENOMEM.  Deleting: -ENOENT unless it is home's. */
int dp_fa_prefix_add(struct dp_engine *e, uint32_t home, const struct in6_addr *p, uint8_t plen);
int dp_fa_prefix_del(struct dp_engine *e, uint32_t home, const struct in6_addr *p, uint8_t plen);
size_t dp_fa_visitor_count(const struct dp_engine *e);
/* The visitor with that home address (0 or -ENOENT). */
int dp_fa_visitor_get(const struct dp_engine *e, uint32_t home, struct dp_fa_visitor *v);

/* Called by engine_mip.c for DP_ROLE_MIP_FA (o already reset). */
void dp_fa_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o);
void dp_fa_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o);

#endif
