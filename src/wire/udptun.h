/* Mobile IP UDP tunnelling for NAT traversal (RFC 3519 3.3, 4.2, 4.3, 4.9;
 * RFC 5454 3.9): the MIP Tunnel Data message header (type 4, next header,
 * reserved) in front of the tunnelled packet, the UDP/IPv4 outer headers
 * (port 434 by default), and the keepalive, a UDP-encapsulated ICMP echo
 * request to the home agent answered by an echo reply (4.9).  The UDP
 * Tunnel Request/Reply extensions are in wire/mip4.h.
 *
 * Pure: no syscalls, no allocation, no globals.  Two forms, so a role can
 * use either socket kind:
 *   - header only (a UDP socket bound to 434: the kernel adds IPv4 + UDP):
 *     udptun_hdr_put / udptun_parse work on the UDP payload;
 *   - whole packet (an IPPROTO_RAW socket or a raw IPPROTO_UDP socket):
 *     udptun_encap / udptun_decap add or check IPv4 + UDP as well.
 * Encapsulation writes into the headroom in front of the inner packet
 * (STYLE 3) and returns the new start through *out.  Outer addresses are
 * network order (as struct in_addr), ports host order; views of the
 * inner/outer IPv4 header (struct ip4_view) are host order.
 *
 * Return values: -EBADMSG malformed (*why names the reason); -ENOMSG not a
 * tunnel data message (UDPTUN_DROP_NOT_TUNNEL_DATA: e.g. a registration
 * message on the same port, hand it to mip4_reg_parse) or, from
 * udptun_keepalive_parse, not a keepalive (ordinary tunnelled data);
 * -ENOBUFS short headroom or buffer; -EMSGSIZE over 65535 octets;
 * -EINVAL a broken caller contract. */
#ifndef DS46_WIRE_UDPTUN_H
#define DS46_WIRE_UDPTUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ip.h"

#define UDPTUN_TYPE 4                /* RFC 3519 3.3 */
#define UDPTUN_HDR_LEN 4
#define UDPTUN_UDP_HDR_LEN 8
#define UDPTUN_PORT 434              /* RFC 3519 4.9: the registration ports */
/* IPv4 + UDP + MIP tunnel data header */
#define UDPTUN_HEADROOM (IP4_HDR_LEN + UDPTUN_UDP_HDR_LEN + UDPTUN_HDR_LEN)
#define UDPTUN_KEEPALIVE_DEFAULT 110 /* RFC 3519 4.9: K seconds */
#define UDPTUN_KEEPALIVE_MIN 10      /* RFC 3519 4.10 */
#define UDPTUN_ECHO_HDR_LEN 8        /* ICMP echo (RFC 792) */

/* Next Header values (IP protocol numbers, RFC 3519 3.3; 41 for IPv6,
 * RFC 5454 3.9) */
enum {
	UDPTUN_NH_IPV4 = 4,          /* IP in UDP (RFC 2003) */
	UDPTUN_NH_IPV6 = 41,         /* RFC 5454 3.9 */
	UDPTUN_NH_GRE = 47,          /* GRE in UDP (RFC 2784) */
	UDPTUN_NH_MINIMAL = 55,      /* minimal encapsulation (RFC 2004) */
};

enum udptun_drop {
	UDPTUN_DROP_NONE = 0,
	UDPTUN_DROP_TRUNCATED,       /* no room for the header, or nothing
	                                tunnelled after it */
	UDPTUN_DROP_NOT_TUNNEL_DATA, /* type not 4 (-ENOMSG) */
	UDPTUN_DROP_BAD_NEXT_HDR,    /* not 4, 41, 47 or 55 */
	UDPTUN_DROP_BAD_INNER,       /* inner IPv4/IPv6 packet does not parse
	                                (ip_why says why) */
	UDPTUN_DROP_INNER_MISMATCH,  /* inner version is not the next header's */
	UDPTUN_DROP_NEXT_HDR_MISMATCH, /* 3.3: not the binding's mode */
	UDPTUN_DROP_BAD_OUTER,       /* outer IPv4 header (ip_why says why) */
	UDPTUN_DROP_FRAGMENT,        /* outer header is a fragment (4.8) */
	UDPTUN_DROP_NOT_UDP,         /* outer protocol is not 17 */
	UDPTUN_DROP_BAD_UDP_LEN,     /* UDP length < 8 or past the packet */
	UDPTUN_DROP_BAD_UDP_CSUM,
	UDPTUN_DROP_NOT_KEEPALIVE,   /* not an ICMP echo in IPv4 (-ENOMSG) */
	UDPTUN_DROP_BAD_KEEPALIVE,   /* ICMP echo too short or bad checksum */
	UDPTUN_DROP__MAX,
};
/* "truncated", "bad-next-hdr", ...; "unknown" out of range. */
const char *udptun_drop_name(enum udptun_drop why);

struct udptun_view {
	/* udptun_decap only */
	struct ip4_view outer;
	uint16_t sport, dport;       /* host order */
	uint16_t udp_csum;           /* as received; 0: none was sent */
	/* the MIP tunnel data header */
	uint8_t next_hdr;
	uint16_t reserved;           /* ignored on reception (3.3) */
	/* what it carries: for next header 4 and 41 a whole valid IPv4/IPv6
	 * packet, inner_len its own length (trailing octets are dropped);
	 * for 47 and 55 everything after the header, unchecked */
	const uint8_t *inner;
	size_t inner_len;
	enum ip_drop ip_why;         /* with BAD_OUTER / BAD_INNER */
};

/* Parse a UDP payload as a MIP tunnel data message (RFC 3519 3.3).
 * 0, -ENOMSG (type not 4) or -EBADMSG (TRUNCATED, BAD_NEXT_HDR,
 * BAD_INNER, INNER_MISMATCH).  The outer fields of v are zero.  why may be
 * NULL. */
int udptun_parse(const uint8_t *msg, size_t len, struct udptun_view *v, enum udptun_drop *why);
/* Parse a whole IPv4 packet: the outer header (ip4_parse: BAD_OUTER;
 * FRAGMENT; NOT_UDP), the UDP header (BAD_UDP_LEN; the checksum verified
 * unless zero: BAD_UDP_CSUM; the UDP length, not the IP one, bounds the
 * message), then udptun_parse.  Checking that addresses and ports are the
 * tunnel's (4.3) is the caller's job. */
int udptun_decap(const uint8_t *pkt, size_t len, struct udptun_view *v, enum udptun_drop *why);
/* RFC 3519 3.3: "The receiver ... MUST check that the Next Header value
 * matches the tunnelling mode established for the mobility binding":
 * encap is the binding's IPv4 mode (4, 47 or 55); ipv6 whether the
 * binding also carries IPv6, with next header 41 (RFC 5454 3.9).  0 or
 * -EBADMSG (NEXT_HDR_MISMATCH). */
int udptun_check_mode(const struct udptun_view *v, uint8_t encap, bool ipv6,
		      enum udptun_drop *why);

/* Write the 4-octet MIP tunnel data header (reserved 0) in front of
 * inner[0 .. inner_len), for a UDP socket.  next_hdr must be 4, 41, 47 or
 * 55 (-EINVAL); inner is not inspected.  Returns inner_len + 4 and sets
 * *out; -ENOBUFS if headroom < 4, -EMSGSIZE if the whole IPv4 packet would
 * exceed 65535. */
int udptun_hdr_put(uint8_t next_hdr, uint8_t *inner, size_t inner_len, size_t headroom,
		   uint8_t **out);

struct udptun_tunnel {
	uint32_t src, dst;           /* network order */
	uint16_t sport, dport;       /* host order (UDPTUN_PORT, or the NAT's) */
	uint8_t ttl;                 /* outer TTL, 0 is -EINVAL */
	uint16_t id;                 /* outer IPv4 identification */
	bool udp_csum;               /* compute the UDP checksum (else 0) */
};

/* IP in UDP (RFC 3519 4.2): outer IPv4 (no options) + UDP + MIP tunnel
 * data header in front of a whole valid IPv4 or IPv6 packet (exactly
 * inner_len octets; -EINVAL otherwise).  Next header 4 or 41 from the
 * inner version; outer TOS copied from the inner TOS / traffic class and
 * DF from an IPv4 inner header (RFC 2003 3.1, which 4.2 keeps in force);
 * the inner packet is not changed.  Returns the total length and sets
 * *out; -ENOBUFS if headroom < UDPTUN_HEADROOM, -EMSGSIZE over 65535. */
int udptun_encap(const struct udptun_tunnel *t, uint8_t *inner, size_t inner_len,
		 size_t headroom, uint8_t **out);

/* ---- keepalive (RFC 3519 4.9) --------------------------------------------- */

enum {
	UDPTUN_ECHO_REPLY = 0,
	UDPTUN_ECHO_REQUEST = 8,
};

struct udptun_keepalive {
	uint8_t type;                /* UDPTUN_ECHO_REQUEST or _REPLY */
	uint32_t src, dst;           /* inner IPv4 addresses, network order
	                                (4.6: home address -> home agent) */
	uint16_t id, seq;            /* echo identifier and sequence */
	const uint8_t *data;         /* echo data */
	size_t data_len;
};

/* Build the inner packet of a keepalive: IPv4 (TTL 64, no options, id
 * ip_id) + ICMP echo request or reply with data, checksums set.  Send it
 * through udptun_encap or udptun_hdr_put (write it at buf + headroom).
 * The reply answers a parsed request: swap src and dst, same id, seq and
 * data.  Returns the length; -ENOBUFS, -EMSGSIZE, -EINVAL for another
 * type or NULL data with a non-zero length. */
int udptun_keepalive_build(const struct udptun_keepalive *k, uint16_t ip_id, uint8_t *out,
			   size_t cap);
/* Is the parsed tunnel data message v a keepalive?  Next header 4 and an
 * inner unfragmented ICMP echo request or reply with a valid checksum.
 * 0 and k filled (data points into the packet); -ENOMSG
 * (NOT_KEEPALIVE) for any other tunnelled packet; -EBADMSG
 * (BAD_KEEPALIVE) for an echo shorter than 8 octets, with a non-zero
 * code or a bad checksum. */
int udptun_keepalive_parse(const struct udptun_view *v, struct udptun_keepalive *k,
			   enum udptun_drop *why);

#endif
