/* IPv4, IPv6 and ICMP codecs for the tunnel data plane: Internet checksums,
 * header views, IPv4-in-IPv6 encapsulation and decapsulation (RFC 2473),
 * ICMP errors and their translation from inside the tunnel (RFC 2473 8.3),
 * IPv4 fragmentation (RFC 791) and TCP MSS clamping.
 *
 * Pure: no syscalls, no allocation, no globals.  Views point into the
 * caller's buffer.  Addresses of IPv4 views are host-order uint32_t.
 *
 * Return values, everywhere:
 *   -EBADMSG  malformed input; *why (when why is not NULL) names the reason
 *   -ENOBUFS  the caller's output buffer is too small
 *   -EMSGSIZE a packet would exceed its size limit (65535, or the MTU when
 *             DF forbids fragmentation)
 *   -EPERM    an ICMP error that must not be sent (RFC 1812 4.3.2.7)
 *   -ENOMSG   an ICMPv6 message that is not an error about one of our
 *             IPv4-in-IPv6 tunnel packets (ignore it, do not count it as bad)
 *   -EINVAL   a broken caller contract (bad parameter)
 * Parsers set *why to IP_DROP_NONE on success.
 */
#ifndef DS46_WIRE_IP_H
#define DS46_WIRE_IP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP4_HDR_LEN 20
#define IP4_HDR_MAX 60
#define IP6_HDR_LEN 40
#define IP6_FRAG_HDR_LEN 8
#define IP6_MAX_EXT_HDRS 8           /* longer chains are dropped */
#define IP6_MIN_MTU 1280             /* RFC 8200 5 */
#define IP4_MIN_MTU 68               /* RFC 791 */
#define ICMP_HDR_LEN 8
#define ICMP4_ERROR_MAX 576          /* RFC 1812 4.3.2.3 */
#define ICMP4_ERROR_TTL 64
#define IP6_TUNNEL_HDR_MAX 48        /* IPv6 header + encapsulation limit */
#define IP6_OPT_TUNNEL_ENCAP_LIMIT 4 /* RFC 2473 4.1.1 */
#define IP6_TUNNEL_ENCAP_LIMIT_DEFAULT 4 /* RFC 2473 6.6 */

/* ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) types and codes used here. */
enum {
	ICMP4_DEST_UNREACH = 3,
	ICMP4_SOURCE_QUENCH = 4,
	ICMP4_REDIRECT = 5,
	ICMP4_TIME_EXCEEDED = 11,
	ICMP4_PARAM_PROBLEM = 12,
	ICMP4_CODE_HOST_UNREACH = 1,
	ICMP4_CODE_FRAG_NEEDED = 4,
	ICMP6_DEST_UNREACH = 1,
	ICMP6_PACKET_TOO_BIG = 2,
	ICMP6_TIME_EXCEEDED = 3,
	ICMP6_PARAM_PROBLEM = 4,
};

/* Why a packet was dropped: for counters and rate-limited logs. */
enum ip_drop {
	IP_DROP_NONE = 0,
	IP_DROP_TRUNCATED,           /* buffer ends before what a header says */
	IP_DROP_BAD_VERSION,
	IP_DROP_BAD_IHL,             /* IPv4 IHL < 5 */
	IP_DROP_BAD_LENGTH,          /* total length < header length, offset overflow */
	IP_DROP_BAD_CHECKSUM,
	IP_DROP_BAD_OPTIONS,         /* IPv4 options malformed */
	IP_DROP_BAD_EXT_HDR,         /* IPv6 extension header malformed or misplaced */
	IP_DROP_TOO_MANY_EXT_HDRS,
	IP_DROP_FRAGMENT,            /* tunnel packet is a fragment */
	IP_DROP_NOT_IPV4_INNER,      /* tunnel packet does not carry IPv4 */
	IP_DROP_TTL_EXPIRED,
	IP_DROP_DF_SET,              /* larger than the MTU with DF set */
	IP_DROP_NOT_TUNNEL_ERROR,    /* ICMPv6 message not about our tunnel */
	IP_DROP_BAD_MTU,             /* PTB leaves no room for an IPv4 packet */
	IP_DROP_PTB_DF_CLEAR,        /* PTB for an IPv4 packet without DF (8.3) */
	IP_DROP_ICMP_ABOUT_ICMP_ERROR,
	IP_DROP_ICMP_ABOUT_FRAGMENT,
	IP_DROP_ICMP_ABOUT_MULTICAST, /* or limited broadcast */
	IP_DROP_ICMP_BAD_SOURCE,     /* source not a single host */
	/* IPv4-outer tunnels (wire/encap4.h) */
	IP_DROP_BAD_GRE,             /* GRE header: flags, version, protocol
	                                type, length or checksum (RFC 2784) */
	IP_DROP_BAD_MINIMAL,         /* minimal forwarding header: length or
	                                checksum (RFC 2004 3) */
	IP_DROP_NOT_TUNNEL,          /* outer protocol is not 4, 41, 47 or 55 */
	IP_DROP_INNER_MISMATCH,      /* inner version is not the one the
	                                encapsulation carries */
	IP_DROP_ECN_CE_NOT_ECT,      /* RFC 6040 4.2: outer CE, inner Not-ECT */
	IP_DROP__MAX,
};

/* "truncated", "bad-checksum", ... ; "unknown" out of range. */
const char *ip_drop_name(enum ip_drop why);

/* ---- Internet checksum (RFC 1071, RFC 1624) ------------------------------ */

/* Ones-complement sum of buf added to sum, folded to 16 bits (not
 * complemented).  Chained calls must pass even lengths except the last. */
uint32_t ip_csum_partial(uint32_t sum, const uint8_t *buf, size_t len);
/* Fold and complement: the value to store in a checksum field. */
uint16_t ip_csum_fold(uint32_t sum);
/* ip_csum_fold(ip_csum_partial(0, buf, len)); 0 when a checksummed region
 * including its checksum field verifies. */
uint16_t ip_csum(const uint8_t *buf, size_t len);
/* Pseudo-header sums for TCP/UDP (RFC 768, 793) and ICMPv6 (RFC 8200 8.1). */
uint32_t ip_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
uint32_t ip_csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
			 uint8_t next_hdr, uint32_t len);
/* RFC 1624 eqn. 3: the checksum after one 16-bit word changes old -> new. */
uint16_t ip_csum_update16(uint16_t csum, uint16_t old, uint16_t new_word);

/* ---- IPv4 (RFC 791) ------------------------------------------------------- */

struct ip4_view {
	const uint8_t *hdr;
	uint8_t hdr_len;             /* IHL * 4 */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	bool df, mf;
	uint16_t frag_off;           /* in octets */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src, dst;
	const uint8_t *payload;
	uint16_t payload_len;        /* total_len - hdr_len (less in quoted views) */
	bool cut;                    /* quoted view: payload cut short */
};

/* Parse and validate an IPv4 header.  Octets past total_len (link padding)
 * are ignored.  On IP_DROP_BAD_CHECKSUM the view is filled all the same. */
int ip4_parse(const uint8_t *buf, size_t len, struct ip4_view *v, enum ip_drop *why);
/* Compute and store / verify the header checksum; -EBADMSG if the IHL is
 * bad or runs past len (verify: also if the checksum is wrong). */
int ip4_hdr_csum_set(uint8_t *buf, size_t len);
int ip4_hdr_csum_check(const uint8_t *buf, size_t len);
/* Forwarding (RFC 1812 5.3.1, RFC 2473 3.1 (b)): decrement the TTL with an
 * incremental checksum update.  The header must already have been parsed.
 * TTL <= 1: nothing is changed, -ETIMEDOUT (send Time Exceeded). */
int ip4_ttl_dec(uint8_t *buf, size_t len, enum ip_drop *why);

/* ---- IPv6 (RFC 8200) ----------------------------------------------------- */

struct ip6_view {
	const uint8_t *hdr;
	uint8_t tclass;
	uint32_t flow_label;
	uint16_t payload_len;        /* the header's field */
	uint8_t next_hdr;            /* the header's field */
	uint8_t hop_limit;
	struct in6_addr src, dst;
	/* after the extension headers (hop-by-hop 0, routing 43, fragment 44,
	 * destination options 60; the walk stops at any other value) */
	uint8_t proto;
	uint16_t proto_off;          /* from hdr */
	const uint8_t *payload;      /* hdr + proto_off */
	size_t upper_len;            /* octets from payload to the packet's end */
	uint8_t n_ext;
	bool frag;                   /* a fragment header was seen */
	bool frag_mf;
	uint16_t frag_off;           /* octets; when non-zero the walk stops */
	uint32_t frag_id;
	/* RFC 2473 4.1.1 (a): the first Tunnel Encapsulation Limit option */
	bool has_encap_limit;
	uint8_t encap_limit;
	uint16_t encap_limit_off;    /* offset of its value octet, from hdr */
};

/* Parse the fixed header and walk at most IP6_MAX_EXT_HDRS extension
 * headers.  Octets past 40 + payload length are ignored.  Jumbograms
 * (payload length 0 with a Jumbo option) are not supported. */
int ip6_parse(const uint8_t *buf, size_t len, struct ip6_view *v, enum ip_drop *why);

/* ---- IPv4/IPv6 in IPv6 (RFC 2473) --------------------------------------- */

/* Tunnel state variables, RFC 2473 6.1-6.6. */
struct ip6_tunnel {
	struct in6_addr src, dst;
	uint8_t hop_limit;           /* 6.3: 64 for routers */
	bool tclass_copy;            /* 6.4: copy the inner TOS / traffic class */
	uint8_t tclass;              /* 6.4: used when not copying */
	uint32_t flow_label;         /* 6.5: 20 bits, usually 0 */
	bool has_encap_limit;        /* 6.6: add a Tunnel Encapsulation Limit */
	uint8_t encap_limit;
};

/* Write the tunnel headers (RFC 2473 5, 5.1) for an inner packet of
 * inner_len octets and protocol inner_proto (4 for IPv4, 41 for IPv6) into
 * out.  inner is read only to copy its traffic class (needs 2 octets; other
 * protocols use t->tclass).  Returns the header length: 40, or 48 with the
 * Destination Options header [inner_proto, 0, 4, 1, limit, PadN 1, 1, 0].
 * -EMSGSIZE if the payload length would exceed 65535, -ENOBUFS if cap is
 * short, -EINVAL for a flow label over 20 bits. */
int ip6_tunnel_encap(const struct ip6_tunnel *t, uint8_t inner_proto,
		     const uint8_t *inner, size_t inner_len, uint8_t *out, size_t cap);

/* Decapsulation (RFC 2473 3.3, dstm-04 5.2) of a whole IPv6 packet (as from
 * an AF_PACKET/TUN read): next header 4 after the extension headers, not a
 * fragment, and a valid inner IPv4 header.  An AF_INET6 raw socket of
 * protocol 4 delivers only the payload (the kernel has reassembled and
 * walked the headers): pass that to ip4_parse(). */
int ip6_tunnel_decap4(const uint8_t *buf, size_t len, struct ip6_view *outer,
		      struct ip4_view *inner, enum ip_drop *why);

/* ---- ICMPv4 errors (RFC 792, RFC 1812 4.3.2) ----------------------------- */

struct icmp4_error {
	uint8_t type;                /* ICMP4_DEST_UNREACH or ICMP4_TIME_EXCEEDED */
	uint8_t code;
	uint16_t mtu;                /* next-hop MTU for FRAG_NEEDED (RFC 1191) */
	uint32_t src;                /* our address */
	uint16_t id;                 /* IPv4 identification of the error */
	/* 0: to the original's source (the usual case).  Else to this address,
	 * and an original sent from 0.0.0.0 is allowed: dstm-04 5.1, a packet
	 * a host sent before it had an IPv4 address is answered at the
	 * address it has since got, so the waiting socket learns at once. */
	uint32_t dst;
};

/* Build an ICMP error about the IPv4 packet orig (validated with ip4_parse)
 * to its source: IPv4 header (TOS 0xc0 per RFC 1812 4.3.2.5, TTL 64) + ICMP
 * header + the original header and as much payload as fits in
 * ICMP4_ERROR_MAX octets.  Returns the length.  -EPERM when RFC 1812
 * 4.3.2.7 / RFC 1122 3.2.2 forbid the error: the original is an ICMP error
 * (or too short to tell), a non-first fragment, sent to a multicast or
 * limited-broadcast address, or from an address that is not a single host
 * (0/8, 127/8, multicast, 240/4).  Directed broadcasts cannot be recognised
 * here; the caller knows its subnets.  -EINVAL for other types or codes, or
 * a FRAG_NEEDED MTU below 68. */
int icmp4_error_build(const struct icmp4_error *e, const uint8_t *orig, size_t orig_len,
		      uint8_t *out, size_t cap, enum ip_drop *why);

/* ---- ICMPv6 errors from inside the tunnel (RFC 2473 8, 8.3) -------------- */

struct icmp6_tunnel_error {
	uint8_t type, code;          /* ICMPv6 */
	uint32_t mtu;                /* Packet Too Big */
	uint32_t pointer;            /* Parameter Problem */
	struct ip6_view tunnel;      /* the quoted tunnel packet (cut short) */
	struct ip4_view inner;       /* the quoted original IPv4 packet (cut) */
	uint16_t tunnel_hdr_len;     /* tunnel headers, without a fragment header */
	uint32_t tunnel_mtu;         /* PTB: new tunnel MTU (6.7), else 0 */
	uint8_t icmp4_type, icmp4_code; /* 8.3 translation */
	uint16_t icmp4_mtu;
};

/* Parse an ICMPv6 message (from the ICMPv6 header on; the kernel has checked
 * its checksum on a raw socket) that reports a problem with one of our
 * IPv4-in-IPv6 packets: Destination Unreachable, Packet Too Big, Time
 * Exceeded, or Parameter Problem code 0 pointing at the quoted packet's
 * Tunnel Encapsulation Limit value.  The quoted packet must show next
 * header 4 and a whole inner IPv4 header with a valid checksum.  For PTB
 * the tunnel MTU is max(MTU, 1280) - tunnel headers (RFC 8201 5); below 68
 * is -EBADMSG (IP_DROP_BAD_MTU). */
int icmp6_tunnel_error_parse(const uint8_t *msg, size_t len, struct icmp6_tunnel_error *e,
			     enum ip_drop *why);
/* Build the ICMPv4 error for the original IPv4 sender (RFC 2473 8.3): PTB
 * -> Destination Unreachable / fragmentation needed with the tunnel MTU,
 * only if the original had DF set (else -EPERM, IP_DROP_PTB_DF_CLEAR; the
 * tunnel MTU still applies); the others -> host unreachable.  The rules of
 * icmp4_error_build apply.  src and id as in struct icmp4_error. */
int icmp6_tunnel_error_to_icmp4(const struct icmp6_tunnel_error *e, uint32_t src, uint16_t id,
				uint8_t *out, size_t cap, enum ip_drop *why);

/* ---- IPv4 fragmentation (RFC 791 2.3, 3.2) -------------------------------- */

/* One fragment: send hdr[0..hdr_len) followed by data[0..data_len) (an
 * iovec of two).  data points into the original packet. */
struct ip4_frag {
	uint8_t hdr[IP4_HDR_MAX];
	uint8_t hdr_len;
	const uint8_t *data;
	uint16_t data_len;
	uint16_t offset;             /* of data in the original datagram */
	bool mf;
};

/* Cursor over the fragments of the parsed packet v for an MTU: start with
 * *cursor = 0; returns 1 and fills *f, then 0 after the last fragment.  A
 * packet that fits gives one fragment with its own header.  Every fragment
 * carries the whole option area; options without the copied flag are
 * replaced by NOPs after the first fragment (as Linux does), so all headers
 * have the same length.  Already-fragmented packets are fragmented further
 * (the last piece keeps the original's MF).
 * -EMSGSIZE (IP_DROP_DF_SET) if the packet does not fit and has DF set;
 * -EBADMSG for malformed options; -EINVAL if mtu < hdr_len + 8. */
int ip4_fragment_next(const struct ip4_view *v, uint16_t mtu, size_t *cursor,
		      struct ip4_frag *f, enum ip_drop *why);

/* ---- TCP MSS clamping ------------------------------------------------------ */

/* On a TCP segment (header first) with SYN set: lower the first MSS option
 * above mss_max to mss_max, with an incremental checksum update (no
 * pseudo-header needed).  Returns 1 if changed, else 0 (no SYN, no MSS, or
 * anything malformed: the segment is left untouched). */
int tcp_mss_clamp(uint8_t *seg, size_t len, uint16_t mss_max);
/* The same on an IPv4 packet (validated with ip4_parse; < 0 if invalid);
 * returns 0 for other protocols and non-first fragments. */
int ip4_tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss_max, enum ip_drop *why);

/* ---- ICMPv6 errors (RFC 4443) --------------------------------------------- */

#define ICMP6_ERROR_MAX IP6_MIN_MTU  /* RFC 4443 2.4 (c) */
#define ICMP6_ERROR_HOP_LIMIT 64     /* used when hop_limit is 0 */
#define ICMP6_CODE_ADDR_UNREACH 3    /* RFC 4443 3.1 */

struct icmp6_error {
	/* ICMP6_DEST_UNREACH (codes 0-6), ICMP6_PACKET_TOO_BIG (code 0, mtu
	 * >= 1280) or ICMP6_TIME_EXCEEDED (codes 0-1) */
	uint8_t type, code;
	uint32_t mtu;                /* Packet Too Big */
	struct in6_addr src;         /* our address */
	uint8_t hop_limit;           /* 0: ICMP6_ERROR_HOP_LIMIT */
};

/* Build an ICMPv6 error about the IPv6 packet orig (validated with
 * ip6_parse) to its source: IPv6 header (traffic class 0, flow label 0) +
 * ICMPv6 header (RFC 4443 3.1, 3.2, 3.3; the MTU for Packet Too Big) + as
 * much of the original as fits in ICMP6_ERROR_MAX octets (2.4 (c)), with
 * the checksum over the pseudo-header (2.3).  Returns the length.  -EPERM
 * when 2.4 (e) forbids the error: the original is an ICMPv6 error or a
 * Redirect (or too short, or a non-first fragment, to tell), was sent to a
 * multicast address (except for Packet Too Big), or from the unspecified
 * or a multicast address.  -EBADMSG if orig does not parse, -ENOBUFS if
 * cap is short, -EINVAL for other types or codes, a Packet Too Big MTU
 * below 1280, or a multicast or unspecified src. */
int icmp6_error_build(const struct icmp6_error *e, const uint8_t *orig, size_t orig_len,
		      uint8_t *out, size_t cap);

#endif
