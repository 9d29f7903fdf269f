/* IPv4-outer tunnel encapsulations for the Mobile IPv4 roles: IP in IP
 * (RFC 2003, protocol 4), GRE (RFC 2784, protocol 47, with RFC 2890 keys
 * and sequence numbers accepted on input), minimal encapsulation (RFC 2004,
 * protocol 55) and IPv6 in IPv4 (RFC 4213, protocol 41), with the DSCP/ECN
 * rules of RFC 5454 3.6 (copy on encapsulation; RFC 6040 / RFC 3168 9.1.1
 * full functionality on decapsulation).
 *
 * Pure: no syscalls, no allocation.  Encapsulation writes headers into the
 * headroom in front of the inner packet (STYLE 3): the caller passes a
 * buffer where the inner packet starts at `inner` and at least
 * ENCAP4_HEADROOM octets before it are free; the functions return the new
 * start of the packet.  The outer IPv4 header is complete (checksum, no
 * options), ready for an IPPROTO_RAW socket (IP_HDRINCL). */
#ifndef DS46_WIRE_ENCAP4_H
#define DS46_WIRE_ENCAP4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ip.h"

enum encap4_kind {
	ENCAP4_NONE = 0,
	ENCAP4_IPIP = 1,             /* RFC 2003: IPv4 in IPv4, protocol 4 */
	ENCAP4_GRE = 2,              /* RFC 2784: IPv4 or IPv6 in GRE, protocol 47 */
	ENCAP4_MINIMAL = 3,          /* RFC 2004: IPv4 only, protocol 55 */
	ENCAP4_6IN4 = 4,             /* RFC 4213: IPv6 in IPv4, protocol 41 */
};
const char *encap4_kind_name(enum encap4_kind k); /* "ipip", "gre", ... */

/* Largest header any encapsulation adds: outer IPv4 (20) + GRE with key
 * and sequence (12), or a 6in4 header inside an IP-in-IP/GRE one (RFC 5454
 * 3.3.2 double encapsulation: 20 + 20 + 12). */
#define ENCAP4_HEADROOM 64

#define ENCAP4_PROTO_MINIMAL 55      /* RFC 2004 (no IPPROTO_ name in libc) */
#define GRE_PROTO_IPV4 0x0800
#define GRE_PROTO_IPV6 0x86DD

/* Tunnel parameters for one encapsulation. */
struct encap4_tunnel {
	uint32_t src, dst;           /* network order, as in struct in_addr
	                                (struct ip4_view's are host order) */
	uint8_t ttl;                 /* outer TTL (RFC 2003 3.1: 64 is usual);
	                                0 is -EINVAL.  Unused by MINIMAL */
	uint16_t id;                 /* outer IPv4 identification; unused by
	                                MINIMAL (the original's is kept) */
	bool has_key;                /* GRE key (RFC 2890), output only if set */
	uint32_t key;
};

/* Encapsulate the packet at inner[0 .. inner_len) (an IPv4 packet for IPIP,
 * GRE with GRE_PROTO_IPV4 and MINIMAL; an IPv6 packet for 6IN4 and GRE
 * with GRE_PROTO_IPV6; the family is read from the version nibble).
 * The inner packet must parse (ip4_parse / ip6_parse) and inner_len be
 * exactly its length (IPv4 total length, or 40 + IPv6 payload length).
 * headroom is how many octets before inner are writable.  The inner
 * packet is not changed (forwarding's TTL / hop limit decrement is the
 * caller's), except by MINIMAL.
 *   - outer TOS: the inner DSCP and ECN copied (RFC 2003 3.1, RFC 6040 4.1
 *     normal mode); for IPv6 inner, the traffic class.
 *   - outer DF: copied from an inner IPv4 header (RFC 2003 3.1); clear for
 *     IPv6 inner (RFC 4213 3.2 static MTU: the tunnel may fragment).
 *   - MINIMAL (RFC 2004 3.1): the inner IPv4 header is rewritten in place
 *     (destination = t->dst, source = t->src, protocol 55, length, TTL
 *     kept, checksum) followed by the minimal forwarding header with the S
 *     bit set when the original source differs from t->src; the original
 *     header's options are refused (-EINVAL: RFC 2004 3 requires no
 *     fragmentation, and options cannot be carried). A fragment: -EINVAL.
 * On success *out points at the new packet start (inside the headroom or,
 * for MINIMAL, possibly inside the old header) and the return value is its
 * total length.  -ENOBUFS if the headroom is short, -EMSGSIZE if the result
 * exceeds 65535, -EINVAL for a wrong family for kind or a bad inner
 * header. */
int encap4_encap(const struct encap4_tunnel *t, enum encap4_kind kind, uint8_t *inner,
		 size_t inner_len, size_t headroom, uint8_t **out);

/* A tunnel packet as read from an AF_INET raw socket (the whole IPv4
 * packet, outer header first).  Fills the view. */
struct encap4_view {
	struct ip4_view outer;
	enum encap4_kind kind;       /* from outer.proto */
	uint8_t inner_family;        /* 4 or 6 */
	bool gre_has_key, gre_has_seq, gre_has_csum;
	uint32_t gre_key, gre_seq;
	/* The inner packet.  For MINIMAL it is rebuilt: inner points into the
	 * packet after the decapsulator wrote the restored IPv4 header into
	 * the octets in front of the payload (the buffer is modified). */
	uint8_t *inner;
	size_t inner_len;            /* the inner header's own length: octets
	                                after it (padding) are not included */
};

/* Decapsulate in place: validate the outer header (ip4_parse: checksum,
 * not a fragment: -EBADMSG with IP_DROP_FRAGMENT, since the raw socket
 * reassembles and anything else is an attack), the encapsulation header
 * (GRE: version 0, no routing bit, checksum verified when present, protocol
 * 0x0800 or 0x86DD; MINIMAL: checksum verified, S bit), and the inner
 * header (ip4_parse or ip6_parse, its version matching the encapsulation).
 * Returns 0 or -EBADMSG with *why: the outer header's own reasons,
 * IP_DROP_FRAGMENT, IP_DROP_NOT_TUNNEL (protocol not 4/41/47/55),
 * IP_DROP_BAD_GRE (any GRE header fault: reserved bits 1-5, version,
 * protocol type, too short, checksum), IP_DROP_BAD_MINIMAL (forwarding
 * header too short or checksum), IP_DROP_TRUNCATED (nothing inside),
 * IP_DROP_INNER_MISMATCH, or the inner header's own reasons.  The buffer is
 * modified only by a successful MINIMAL decapsulation: the outer header,
 * options included, moves forward over the forwarding header, so
 * outer.hdr and outer.payload then point at stale octets (the view's other
 * fields keep the outer values). */
int encap4_decap(uint8_t *pkt, size_t len, struct encap4_view *v, enum ip_drop *why);

/* RFC 6040 4.2 (RFC 3168 9.1.1 full functionality): the inner ECN after
 * decapsulation, from the outer and inner ECN fields; -1 means drop (outer
 * CE with a Not-ECT inner packet). */
int encap4_ecn_decap(uint8_t outer_ecn, uint8_t inner_ecn);
/* Apply encap4_ecn_decap to an inner IPv4 (checksum updated) or IPv6
 * packet in place.  0, or -EPROTO when the packet must be dropped
 * (IP_DROP_ECN_CE_NOT_ECT); -EINVAL if inner is not an IPv4 or IPv6
 * header. */
int encap4_ecn_apply(uint8_t outer_tos, uint8_t *inner, size_t inner_len);

#endif
