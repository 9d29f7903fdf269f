/* The tunnel engine's Mobile IPv4 roles (RFC 5944, RFC 3024 reverse
 * tunnelling, RFC 5454 Dual-Stack Mobile IPv4): the home agent and the
 * mobile node with a co-located care-of address.  Pure, like engine.c: the
 * daemons program bindings, the I/O loop (engine_io.c) hands packets in and
 * acts on the verdicts.  See docs/dataplane.md, "The Mobile IPv4 roles".
 *
 * Addresses are host-order uint32_t, like the rest of the engine (struct
 * mip_binding in the store is network order: ntohl it).
 *
 * Packets in:
 *   - from the TUN: an IPv4 or IPv6 packet at pkt, with DP_HEADROOM
 *     writable octets in front of it (the tunnel headers go there, STYLE 3);
 *   - from the tunnel: a whole IPv4 packet, as read from an AF_INET raw
 *     socket of protocol 4, 41, 47 or 55 (reassembled by the kernel).
 * Verdicts: DP_TO_TUN (pkt/len: the inner packet, decapsulated in place),
 * DP_TO_TUNNEL4 (pkt/len: a whole IPv4 packet for the IPPROTO_RAW socket;
 * frag_mtu: fragment it above that size, DF is clear), DP_ICMP_TO_TUN (an
 * ICMPv4 or ICMPv6 error for the local sender, in o->icmp), DP_DROP (a
 * counter of struct dp_stats was incremented; o->why names the reason).
 *
 * Home agent, TUN -> tunnel (RFC 5944 4.2.3):
 *   IPv4 to a home address: to its care-of address with the binding's
 *     encapsulation (IP in IP, GRE, minimal; minimal falls back to IP in IP
 *     for a fragment or a packet with options, which RFC 2004 cannot
 *     carry).  DF set and larger than link_mtu once encapsulated: ICMPv4
 *     fragmentation needed.  No binding: ICMPv4 host unreachable.
 *   IPv6 to a registered prefix (longest match, RFC 5454 3.3.2): above the
 *     static tunnel MTU: ICMPv6 Packet Too Big (RFC 4213 3.2.1).  Mode
 *     MIP_V6_TO_HOA: IPv6 in IPv4 to the home address, then that packet to
 *     the care-of address (double encapsulation).  Mode MIP_V6_TO_COA: to
 *     the care-of address in 6in4 (IP in IP or minimal negotiated) or in
 *     GRE (protocol type 0x86DD).  A link-local destination is tunnelled
 *     only when the node registered that address (RFC 5454 3.7.1,
 *     prefix length 255), always through the home address; any other
 *     link-local destination gets ICMPv6 Destination Unreachable code 3
 *     (dsmipv4-06 3.3.2).  Multicast: only to the nodes listening to the
 *     group through MLD (engine_mld.h), else drop_multicast.  No
 *     registration: ICMPv6 code 3.
 *   Simultaneous bindings (S bit): a copy to every registered care-of
 *     address (RFC 5944 4.2.3): the verdict is for the most recent one and
 *     o->copies says how many more dp_mip_ha_copy() gives.
 * Home agent, tunnel -> TUN (RFC 3024 5.2, RFC 5454 3.3.2 and 4): the outer
 *   destination must be `local`.  Inner IPv4: its source must be a home
 *   address whose registered care-of address is the outer source
 *   (drop_not_registered, drop_revtun_bad_outer: security exceptions).
 *   When that inner packet is IPv6 in IPv4 addressed to `local`, it is
 *   unwrapped too.  Inner IPv6: its source must be under a prefix
 *   registered for a node whose care-of address or home address is the
 *   IPv4 source it came from (drop_revtun_bad_inner6,
 *   drop_revtun_bad_outer).  A link-local source is accepted only through
 *   the home address, and only when registered or for MLD (RFC 5454 3.3.3,
 *   3.7.1).  ECN: RFC 6040 at every decapsulation (drop_ecn).
 * Mobile node: TUN -> reverse tunnel from the care-of address to the home
 *   agent (IPv4: source must be the home address; IPv6: source under a
 *   registered prefix, or a link-local source that is registered or sends
 *   MLD, through the home address in mode MIP_V6_TO_HOA or for a
 *   link-local source; any destination, multicast included, the home
 *   agent decides); tunnel -> TUN only from its home agent to its care-of
 *   address, for its home address / registered prefixes (a link-local
 *   destination only through the home address), or multicast of scope 3
 *   and up (the groups it asked for, engine_mld.h), or MLD with a
 *   link-local source through the home address (the home agent's
 *   queries; other link-scope multicast: drop_multicast).  At home nothing passes
 *   (drop_at_home).
 * Mobile node via a foreign agent (via_fa): IPv4 is not the engine's
 *   (drop_via_fa_ipv4); IPv6 in mode MIP_V6_TO_HOA goes as 6in4 from the
 *   home address to the home agent and only 6in4 from the home agent to
 *   the home address comes in; MIP_V6_TO_COA: nothing (drop_via_fa_native6).
 *   With the encapsulating delivery style (fa_deliver, RFC 3024 5.2): IPv4
 *   from the home address, and that 6in4, are encapsulated from the home
 *   address to the agent (the encapsulation negotiated for the forward
 *   tunnel, RFC 3024 3.3); the agent decapsulates and reverse-tunnels.
 * RFC 3519 UDP tunnelling (dp_mip_bind.udp_port, dp_mip_mn.udp_sport):
 *   instead of the encapsulation, IPv4 + UDP + MIP tunnel data header,
 *   next header 4 for IPv4 and 41 for IPv6 (directly, RFC 5454 3.9), UDP
 *   checksum computed (mip.udp_csum_zero: 0); counters udptun_*,
 *   drop_udptun_*.  Reception: dp_mip_udptun_in (below).
 * Foreign agent: engine_fa.h.
 * Hop limit / TTL: the tunnel is one hop (RFC 4213 3.3, RFC 2003 3.1): the
 * kernel decrements when it forwards into and out of the TUN; the engine
 * leaves inner headers alone.
 *
 * Counters (struct dp_stats): tx_tunnel counts every DP_TO_TUNNEL4 packet,
 * copies included (tx_copies counts those); a refused packet answered with
 * an ICMP error counts its drop reason and icmp4_sent / icmp6_sent.  Drop
 * reasons: drop_no_binding (no binding, prefix or live care-of address;
 * mobile node not registered), drop_too_big (DF above link_mtu, IPv6
 * above tunnel6_mtu, a copy that does not fit), drop_encap, drop_multicast,
 * drop_link_local (an unregistered link-local destination, a link-local
 * source not through the home address), drop_not_our_address (outer
 * destination not `local` / not the node's care-of address; mobile node:
 * inner destination not its home address or a registered IPv6 address),
 * drop_not_registered, drop_revtun_bad_outer, drop_revtun_bad_inner6,
 * drop_not_from_ha, drop_bad_source, drop_at_home, drop_ecn, and
 * drop_malformed with the parser's reason in ip_drops[].
 *
 * Clock: per packet a care-of address is ignored once 0 < expires <=
 * e->now.  dp_mip_ha_expire() advances e->now; a caller with a finer clock
 * may set e->now itself.  ICMPv4 errors come from e->icmp_src (0: `local`
 * for the home agent, the care-of address for the mobile node), ICMPv6
 * errors from mip.icmp6_src (:: = none sent); both share e->icmp_rl.
 * Each role's calls fail on the other role's engine (-EINVAL / -ENOENT).
 *
 * Tunnel MTU (RFC 2003 4.1): the outer MTU towards a destination is
 * link_mtu, lowered for a while by ICMPv4 fragmentation needed about our
 * tunnel packets (dp_mip_icmp4_in, below). */
#ifndef DS46_DATAPLANE_ENGINE_MIP_H
#define DS46_DATAPLANE_ENGINE_MIP_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine.h"
#include "store/store.h"
#include "wire/encap4.h"

#define DP_MIP_LINK_MTU 1500
#define DP_MIP_TUNNEL6_MTU 1280      /* RFC 4213 3.2.1: SHOULD be 1280 */
#define DP_MIP_TTL 64
/* DP_MIP_SIM_MAX (engine.h): care-of addresses per home address beyond
 * the first. */
/* RFC 5454 3.7.1: a registered link-local address (prefix length 255). */
#define DP_MIP_PLEN_LINK_LOCAL 255

/* Called by dp_init() and dp_free() for the MIP roles. */
int dp_mip_init(struct dp_engine *e, uint32_t bindings_hint);
void dp_mip_free(struct dp_engine *e);

/* ---- home agent ------------------------------------------------------------ */

struct dp_mip_bind {
	uint32_t home;               /* the mobile node's home address */
	uint32_t coa;                /* its care-of address */
	enum encap4_kind encap;      /* ENCAP4_IPIP, ENCAP4_GRE or ENCAP4_MINIMAL */
	enum mip_v6_mode v6_mode;
	uint8_t flags;               /* accepted request flags (MIP4_F_*), for display */
	uint32_t expires;            /* unix seconds; 0 = never */
	bool simultaneous;           /* S bit: keep the other care-of addresses */
	uint16_t udp_port;           /* host order; != 0: RFC 3519 UDP
	                                tunnelling to coa:udp_port (coa = the
	                                NAT's address as seen) from local:434;
	                                IPv4 with next header 4, IPv6 with next
	                                header 41 directly (RFC 5454 3.9) */
};

/* Bind (or re-bind) home -> coa.  Without `simultaneous` the home address
 * has only this care-of address afterwards (RFC 5944 3.8.1.2); with it the
 * new care-of address becomes the most recent one and the others stay.
 * v6_mode and flags are the node's, whichever registration set them last.
 * -EINVAL for a home or care-of address in 0/8 or another encapsulation,
 * -ENOSPC above DP_MIP_SIM_MAX further care-of addresses, -ENOMEM. */
int dp_mip_ha_bind(struct dp_engine *e, const struct dp_mip_bind *b);
/* Remove one care-of address of home (the most recent of the others takes
 * over), or with coa == 0 the whole binding and every prefix registered
 * for home.  Removing the last care-of address removes the binding and its
 * prefixes as well.  0 or -ENOENT. */
int dp_mip_ha_unbind(struct dp_engine *e, uint32_t home, uint32_t coa);
/* Register an IPv6 prefix (plen 0-128) or a link-local address (plen
 * DP_MIP_PLEN_LINK_LOCAL) for home.  The daemon checks that registered
 * prefixes do not overlap (RFC 5454 3.3); here an exact duplicate of
 * another node's is -EEXIST (the same node's again is 0).  -EINVAL for
 * another plen or a link-local address with a prefix length (plen >= 10
 * inside fe80::/10), -ENOENT when home has no binding (bind first: the
 * prefixes go with the binding), -ENOMEM. */
int dp_mip_ha_prefix_add(struct dp_engine *e, uint32_t home, const struct in6_addr *p,
			 uint8_t plen);
int dp_mip_ha_prefix_del(struct dp_engine *e, const struct in6_addr *p, uint8_t plen);
/* Remove every care-of address with 0 < expires <= now, and the bindings
 * (with their prefixes) left without one.  Returns how many care-of
 * addresses went.  Walks the whole table (a daemon timer, not per packet:
 * per packet an expired care-of address is already ignored). */
uint32_t dp_mip_ha_expire(struct dp_engine *e, uint32_t now);
/* The care-of addresses of home, most recent first: up to n into coa[]
 * (and encap[] when not NULL); returns how many there are. */
unsigned dp_mip_ha_coas(const struct dp_engine *e, uint32_t home, uint32_t *coa, uint8_t *encap,
			unsigned n);

/* Copy k (0 .. o->copies - 1) of the packet of the last DP_TO_TUNNEL4
 * verdict, for simultaneous bindings.  Call before the buffer that packet
 * was read into is reused; each copy is built in the engine's copy buffer
 * and is valid until the next call.  Fills o (DP_TO_TUNNEL4, or DP_DROP
 * when that care-of address has gone or the copy does not fit); returns 0
 * or -ENOENT when there is no copy k. */
int dp_mip_ha_copy(struct dp_engine *e, unsigned k, struct dp_out *o);

/* ---- mobile node (co-located care-of address) ------------------------------- */

struct dp_mip_mn {
	uint32_t home;               /* home address */
	uint32_t ha;                 /* home agent address */
	uint32_t coa;                /* co-located care-of address */
	enum encap4_kind encap;      /* ENCAP4_IPIP, ENCAP4_GRE or ENCAP4_MINIMAL */
	enum mip_v6_mode v6_mode;    /* from the IPv6 Prefix Reply codes */
	bool at_home;                /* registered at home: nothing is tunnelled */
	bool via_fa;                 /* foreign agent care-of address mode
	                                (coa = the agent's): IPv4 is not
	                                tunnelled here (routed natively via the
	                                agent); IPv6 in mode MIP_V6_TO_HOA as
	                                6in4 from home to ha and back;
	                                MIP_V6_TO_COA: nothing here (native) */
	uint16_t udp_sport;          /* host order; != 0: RFC 3519 UDP
	                                tunnelling from coa:udp_sport to ha:434
	                                (IPv4 next header 4, IPv6 next header
	                                41).  Ignored with via_fa */
	uint32_t fa_deliver;         /* via_fa: != 0 the encapsulating
	                                delivery style (RFC 3024 5.2) to this
	                                agent address (the source of its last
	                                accepted reply) with encap; 0: direct
	                                delivery.  Ignored without via_fa */
};

/* Set the registration state (after each accepted reply or movement).
 * Away from home: -EINVAL for another encapsulation or an address in 0/8;
 * at home neither matters. */
int dp_mip_mn_set(struct dp_engine *e, const struct dp_mip_mn *m);
/* Away from home with no registration in force (before the first reply,
 * after a rejection or an expiry): nothing is tunnelled either way
 * (drop_no_binding), and nothing leaks out natively.  -EINVAL on another
 * role's engine. */
int dp_mip_mn_unregistered(struct dp_engine *e);
/* The node's registered IPv6 prefixes (plen 0-128) or link-local address
 * (DP_MIP_PLEN_LINK_LOCAL). */
int dp_mip_mn_prefix_add(struct dp_engine *e, const struct in6_addr *p, uint8_t plen);
int dp_mip_mn_prefix_del(struct dp_engine *e, const struct in6_addr *p, uint8_t plen);
void dp_mip_mn_prefix_clear(struct dp_engine *e);

/* ---- packets ----------------------------------------------------------------- */

/* An IPv4 or IPv6 packet read from the TUN (DP_HEADROOM octets in front of
 * pkt are writable). */
void dp_mip_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o);
/* A whole IPv4 packet from an AF_INET raw socket of protocol 4, 41, 47 or
 * 55.  Decapsulated in place.  DP_ROLE_MIP_FA: DP_HEADROOM writable octets
 * in front of pkt (encapsulating delivery re-tunnels in place; the I/O
 * loop's slots have them). */
void dp_mip_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o);

/* RFC 3519 UDP tunnelling: a UDP payload that arrived on a registration
 * socket (port 434 at the home agent, the node's registration port at the
 * mobile node) and is MIP tunnel data (udptun_parse says so; registration
 * messages are not: -ENOMSG there), from src:sport to dst (host order).
 * Home agent: src:sport must be a live care-of address of a binding with
 * that udp_port (drop_udptun_no_binding / drop_udptun_bad_port), the next
 * header must be the binding's mode (udptun_check_mode: 4 for IPv4, 41 for
 * IPv6; drop_udptun_next_hdr), then the reverse-tunnel checks of the other
 * encapsulations; a keepalive (ICMP echo request to `local` inside, RFC
 * 3519 4.9) gets its echo reply as DP_TO_TUNNEL4 (a whole IPv4/UDP packet
 * from local:434 to src:sport, built in the engine's copy buffer).
 * Mobile node: only from ha:434 to its care-of address.  The inner packet:
 * DP_TO_TUN (decapsulated in place: pkt points into msg).  No outer TOS
 * reaches a UDP socket, so no RFC 6040 step here. */
void dp_mip_udptun_in(struct dp_engine *e, uint8_t *msg, size_t len, uint32_t src,
		      uint16_t sport, uint32_t dst, struct dp_out *o);

/* ---- shared by the roles' files (engine_mip.c, engine_fa.c): not for
 * the daemons ------------------------------------------------------------------ */

/* Where one tunnel packet goes: src -> dst with kind (the registered one),
 * around an optional 6in4 layer mid_src -> mid_dst (RFC 5454 3.3.2 double
 * encapsulation; mid_dst 0: none); dport != 0: RFC 3519 UDP tunnelling
 * src:sport -> dst:dport instead (next header 4 or 41, no 6in4 layer). */
struct dp_mip_path {
	uint32_t src, dst;
	enum encap4_kind kind;
	uint32_t mid_src, mid_dst;
	uint16_t sport, dport;
};
/* IPv4 with DF: 0 when it fits the path MTU once encapsulated, else the
 * inner MTU to announce. */
uint16_t dp_mip_df_mtu(struct dp_engine *e, const struct dp_mip_path *p, const uint8_t *pkt,
		       size_t len);
/* The IPv6 tunnel MTU on p (RFC 4213 3.2). */
uint32_t dp_mip_v6_mtu(struct dp_engine *e, const struct dp_mip_path *p, const uint8_t *pkt);
/* Encapsulate pkt[0..len) (headroom octets free in front) along p and
 * make it the DP_TO_TUNNEL4 verdict (frag_mtu from the path MTU towards
 * its destination; counts tx_tunnel); when it cannot be encapsulated,
 * DP_DROP (drop_encap, why).  Returns whether the packet goes out. */
bool dp_mip_path_send(struct dp_engine *e, const struct dp_mip_path *p, uint8_t *pkt, size_t len,
		      size_t headroom, struct dp_out *o, const char *why);
/* ICMPv4 destination unreachable / ICMPv6 error to the local sender
 * (rate-limited; *ctr counted, DP_DROP when none is sent). */
void dp_mip_icmp4_back(struct dp_engine *e, const uint8_t *orig, size_t len, uint8_t code,
		       uint16_t mtu, uint32_t src, struct dp_out *o, uint64_t *ctr, const char *why);
void dp_mip_icmp6_back(struct dp_engine *e, const uint8_t *orig, size_t len, uint8_t type,
		       uint8_t code, uint32_t mtu, struct dp_out *o, uint64_t *ctr,
		       const char *why);
/* RFC 6040 4.2 at one decapsulation: false (drop_ecn counted) to drop. */
bool dp_mip_ecn_ok(struct dp_engine *e, uint8_t outer_tos, uint8_t *inner, size_t len,
		   struct dp_out *o);
void dp_mip_malformed(struct dp_engine *e, enum ip_drop why, struct dp_out *o);

/* ---- ICMPv4 errors from within the tunnel (RFC 2003 4, 4.1; RFC 4213 3.4;
 * RFC 5944 4.1) ----------------------------------------------------------------- */

/* An ICMPv4 message (msg: from the ICMP header on, as read from a raw
 * ICMP socket after the IPv4 header; the kernel checked its checksum)
 * quoting one of our tunnel packets: outer header + at least 8 octets,
 * ideally the whole inner header.  Ours: an error (types 3, 4, 11, 12)
 * whose quote is a first fragment of protocol 4, 41, 47 or 55 (or 17:
 * RFC 3519 tunnel data from our UDP port, to a UDP binding's port) from
 * `local` (home agent; when the quote names the home address, to one of
 * its live care-of addresses), from the care-of address to the home
 * agent (mobile node, away; via_fa: from the home address), or from a
 * visitor's care-of address to its home agent for that visitor (foreign
 * agent).  Anything else: DP_DROP, drop_icmp_not_ours.
 * Ours: icmp4_tunnel_in, then
 *   - fragmentation needed lowers the path MTU towards the quoted outer
 *     destination (RFC 1191: next-hop MTU; 0 or not below the quoted
 *     length: the plateau below it; raised to mip.pmtu_min) for
 *     mip.pmtu_age seconds of e->now (tunnel_mtu_lowered, and
 *     tunnel_mtu_aged when it goes back to link_mtu).  Later TUN packets
 *     to that destination see it: IPv4 with DF above it less the tunnel
 *     headers get ICMPv4 fragmentation needed at that inner MTU, the
 *     others are sent with frag_mtu = that path MTU; IPv6 above
 *     min(tunnel6_mtu, max(1280, path MTU - headers)) gets Packet Too Big
 *     (RFC 4213 3.2.2: never below 1280; below that the outer packet is
 *     fragmented).  Without a learnt path MTU nothing changes (link_mtu,
 *     tunnel6_mtu as before).  The daemon keeps e->now current (for the
 *     home agent dp_mip_ha_expire does) or learnt MTUs do not age.
 *   - relayed to the inner packet's sender when the quote holds its whole
 *     header (DP_ICMP_TO_TUN, icmp_relayed and icmp4_sent / icmp6_sent;
 *     rate-limited with the other errors), quoting the inner packet as far
 *     as quoted: IPv4 inner: fragmentation needed at the inner MTU (only
 *     with DF set), other unreachables and time exceeded as host
 *     unreachable (the mobile node: network unreachable for codes 0, 2,
 *     6, 11); IPv6 inner (6in4, GRE, or through the home address): Packet
 *     Too Big when above its tunnel MTU, else address unreachable (code
 *     3), from mip.icmp6_src.
 *   - not relayed (DP_DROP, icmp4_not_relayed): source quench, parameter
 *     problem, port unreachable, source route failed, a quote too short,
 *     fragmentation needed about a packet that fits now or had DF clear,
 *     and errors RFC 1812 4.3.2.7 / RFC 4443 2.4 (e) forbid. */
void dp_mip_icmp4_in(struct dp_engine *e, const uint8_t *msg, size_t len, struct dp_out *o);

#endif
