/* Home-link neighbour messages for a Mobile IPv4 home agent: Ethernet
 * headers, ARP for Ethernet/IPv4 (RFC 826; gratuitous ARP as RFC 5944 4.6
 * and RFC 5227 define it) and IPv6 Neighbor Solicitations and Advertisements
 * (RFC 4861 4.3, 4.4, 4.6.1, validated as 7.1.1 and 7.1.2), with the Nonce
 * option of RFC 7527 that Duplicate Address Detection uses to recognise its
 * own looped-back probes, and the DAD verdict of RFC 4862 5.4.3 and 5.4.4.
 *
 * Pure: no syscalls, no allocation, no globals.  Builders write whole
 * frames or packets into the caller's buffer and return their length;
 * parsers fill fixed-size structures (addresses are copied).  IPv4
 * addresses are struct in_addr (network byte order).
 *
 * Return values, everywhere:
 *   -EBADMSG  malformed input; *why (when why is not NULL) names the reason
 *   -ENOMSG   well-formed but not for this parser (another EtherType,
 *             another ICMPv6 type, ARP for another hardware or protocol):
 *             ignore it, do not count it as bad
 *   -ENOBUFS  the caller's output buffer is too small
 *   -EINVAL   a broken caller contract (a message the parser would refuse)
 * Parsers set *why to NDISC_DROP_NONE on success. */
#ifndef DS46_WIRE_NDISC_H
#define DS46_WIRE_NDISC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ADDR_LEN 6
#define ETH_HDR_LEN 14
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd

/* RFC 826, for hardware Ethernet (1) and protocol IPv4 (0x0800). */
#define ARP_HRD_ETHER 1
#define ARP_ETH_IP4_LEN 28
#define ARP_FRAME_LEN (ETH_HDR_LEN + ARP_ETH_IP4_LEN) /* 42; the NIC pads to 60 */
enum {
	ARP_OP_REQUEST = 1,
	ARP_OP_REPLY = 2,
};

/* RFC 4861 4.3, 4.4, 4.6; RFC 7527 2 (Nonce). */
enum {
	NDISC_NS = 135,
	NDISC_NA = 136,
};
enum {
	NDISC_OPT_SLLA = 1,
	NDISC_OPT_TLLA = 2,
	NDISC_OPT_NONCE = 14,
};
#define NDISC_HOP_LIMIT 255
#define NDISC_MSG_LEN 24             /* type .. target: the fixed part */
#define NDISC_OPT_LLADDR_LEN 8       /* type, length 1, 6-octet MAC (RFC 2464 8) */
#define NDISC_NONCE_LEN 6            /* what ds46 sends: length 1 */
#define NDISC_NA_R 0x80000000u
#define NDISC_NA_S 0x40000000u
#define NDISC_NA_O 0x20000000u
/* The longest message the builders write: Ethernet + IPv6 + NS/NA + one
 * link-layer address option + one Nonce option. */
#define NDISC_FRAME_MAX (ETH_HDR_LEN + 40 + NDISC_MSG_LEN + 2 * 8)

/* ---- Ethernet ------------------------------------------------------------- */

struct eth_view {
	uint8_t dst[ETH_ADDR_LEN];
	uint8_t src[ETH_ADDR_LEN];
	uint16_t type;
	const uint8_t *payload;
	size_t payload_len;          /* to the end of the frame (padding included) */
};

extern const uint8_t eth_broadcast[ETH_ADDR_LEN];

/* -EBADMSG if shorter than 14 octets.  No VLAN tags: an AF_PACKET socket
 * gets them stripped (the type is then the inner one). */
int eth_parse(const uint8_t *frame, size_t len, struct eth_view *v);
/* Writes the 14-octet header; 14 or -ENOBUFS. */
int eth_hdr_put(uint8_t *out, size_t cap, const uint8_t dst[ETH_ADDR_LEN],
		const uint8_t src[ETH_ADDR_LEN], uint16_t type);
bool eth_is_multicast(const uint8_t mac[ETH_ADDR_LEN]); /* group bit; broadcast too */

/* ---- ARP (RFC 826) ---------------------------------------------------------- */

struct arp_msg {
	uint16_t op;                 /* ARP_OP_REQUEST or ARP_OP_REPLY */
	uint8_t sha[ETH_ADDR_LEN];   /* sender hardware address */
	struct in_addr spa;          /* sender protocol address */
	uint8_t tha[ETH_ADDR_LEN];   /* target hardware address */
	struct in_addr tpa;          /* target protocol address */
};

/* The ARP packet after the Ethernet header; octets past 28 (the frame's
 * padding) are ignored.  -EBADMSG when shorter than its lengths say;
 * -ENOMSG for other hardware or protocol types or lengths, or an operation
 * other than request and reply. */
int arp_parse(const uint8_t *buf, size_t len, struct arp_msg *m);
/* The 28-octet packet; -EINVAL for another operation. */
int arp_build(const struct arp_msg *m, uint8_t *out, size_t cap);
/* Ethernet header + ARP: ARP_FRAME_LEN. */
int arp_frame_build(const uint8_t eth_dst[ETH_ADDR_LEN], const uint8_t eth_src[ETH_ADDR_LEN],
		    const struct arp_msg *m, uint8_t *out, size_t cap);
/* Gratuitous ARP (RFC 5944 4.6), broadcast: sender and target protocol
 * address both addr, sender hardware address lladdr (the home agent's own
 * when the node leaves home, the node's when it returns), target hardware
 * address zero in a request (RFC 5227 3) and lladdr in a reply (RFC 5944
 * 4.6; Linux also insists on it before it treats a reply as gratuitous).
 * The Ethernet source is eth_src, the sending interface's own address, even
 * when lladdr is another node's: a learning switch must not move that
 * node's address to the home agent's port. */
int arp_gratuitous_build(uint16_t op, const uint8_t eth_src[ETH_ADDR_LEN],
			 const uint8_t lladdr[ETH_ADDR_LEN], struct in_addr addr,
			 uint8_t *out, size_t cap);
/* Sender and target protocol addresses equal (RFC 5944 4.6). */
bool arp_is_gratuitous(const struct arp_msg *m);

/* ---- Neighbor Discovery (RFC 4861) ---------------------------------------- */

/* Why a Neighbor Solicitation or Advertisement was dropped. */
enum ndisc_drop {
	NDISC_DROP_NONE = 0,
	NDISC_DROP_TRUNCATED,        /* shorter than a header or the IPv6 length says */
	NDISC_DROP_BAD_IP6,          /* IPv6 header or extension headers malformed */
	NDISC_DROP_FRAGMENT,         /* ND is never fragmented (RFC 6980) */
	NDISC_DROP_NOT_ND,           /* -ENOMSG: not ICMPv6 type 135 or 136 */
	NDISC_DROP_HOP_LIMIT,        /* 7.1.1, 7.1.2: not 255 */
	NDISC_DROP_SHORT,            /* ICMP length < 24 */
	NDISC_DROP_CHECKSUM,
	NDISC_DROP_CODE,             /* not 0 */
	NDISC_DROP_MCAST_TARGET,
	NDISC_DROP_BAD_OPTION,       /* length 0, or past the message's end */
	NDISC_DROP_BAD_LLADDR,       /* link-layer address option of length != 1 */
	NDISC_DROP_DAD_DST,          /* NS from :: not to a solicited-node address */
	NDISC_DROP_DAD_SLLA,         /* NS from :: with a source link-layer address */
	NDISC_DROP_MCAST_SOLICITED,  /* NA to a multicast address with S set */
	NDISC_DROP__MAX,
};

/* "truncated", "hop-limit", ... ; "unknown" out of range. */
const char *ndisc_drop_name(enum ndisc_drop why);

struct ndisc_msg {
	uint8_t type;                /* NDISC_NS or NDISC_NA */
	struct in6_addr src, dst;    /* of the IPv6 header */
	struct in6_addr target;
	bool router, solicited, override; /* NA flags R, S, O; false in an NS */
	/* NS: the Source, NA: the Target Link-layer Address option (the first
	 * one; 7.1.1/7.1.2: the other kind is ignored) */
	bool has_lladdr;
	uint8_t lladdr[ETH_ADDR_LEN];
	/* NS: the first Nonce option (RFC 7527) of length 1; longer nonces are
	 * ignored, as Linux does */
	bool has_nonce;
	uint8_t nonce[NDISC_NONCE_LEN];
};

/* Parses and validates an IPv6 packet (from its header; octets past the
 * payload length ignored) carrying a Neighbor Solicitation or
 * Advertisement, after any extension headers.  Unknown options are skipped,
 * reserved fields ignored. */
int ndisc_parse(const uint8_t *pkt, size_t len, struct ndisc_msg *m, enum ndisc_drop *why);
/* The same on an Ethernet frame: -ENOMSG (NDISC_DROP_NOT_ND) when the
 * EtherType is not IPv6. */
int ndisc_frame_parse(const uint8_t *frame, size_t len, struct eth_view *eth,
		      struct ndisc_msg *m, enum ndisc_drop *why);

/* Writes the IPv6 header (traffic class 0, flow label 0, hop limit 255) and
 * the message with its options in this order: link-layer address, nonce;
 * the checksum is computed.  -EINVAL for anything ndisc_parse would refuse
 * (multicast target, flags in an NS, a nonce in an NA, a link-layer
 * address in an NS from ::, an NS from :: not to a solicited-node address,
 * S in a multicast NA).  Returns the packet's length. */
int ndisc_build(const struct ndisc_msg *m, uint8_t *out, size_t cap);
/* Ethernet header + ndisc_build().  eth_dst NULL: the multicast MAC of
 * m->dst (RFC 2464 7), which must then be multicast (else -EINVAL). */
int ndisc_frame_build(const uint8_t *eth_dst, const uint8_t eth_src[ETH_ADDR_LEN],
		      const struct ndisc_msg *m, uint8_t *out, size_t cap);

/* RFC 4862 5.4.2: the DAD probe, from ::, to the solicited-node address of
 * target, without a source link-layer address; with a Nonce when nonce is
 * not NULL (RFC 7527). */
int ndisc_dad_ns_build(const uint8_t eth_src[ETH_ADDR_LEN], const struct in6_addr *target,
		       const uint8_t *nonce, uint8_t *out, size_t cap);
/* RFC 4861 7.2.6, RFC 6275 10.4.1: an unsolicited advertisement to all
 * nodes (ff02::1) with O set, S clear and the given R, from src (an address
 * of the sending interface), Target Link-layer Address lladdr (the home
 * agent's own while it proxies, the node's when it returns). */
int ndisc_unsol_na_build(const uint8_t eth_src[ETH_ADDR_LEN], const struct in6_addr *src,
			 const struct in6_addr *target, const uint8_t lladdr[ETH_ADDR_LEN],
			 bool router, uint8_t *out, size_t cap);

/* RFC 4291 2.7.1: ff02::1:ff00:0/104 with the low 24 bits of a. */
void ndisc_solicited_node(const struct in6_addr *a, struct in6_addr *group);
bool ndisc_is_solicited_node(const struct in6_addr *a);
/* RFC 2464 7: 33:33 and the last four octets of a multicast group;
 * -EINVAL for a unicast address. */
int ndisc_mcast_mac(const struct in6_addr *group, uint8_t mac[ETH_ADDR_LEN]);

/* RFC 4862 5.4.3, 5.4.4: what a valid message says about the tentative
 * address.  own_nonce (NULL: none) is the nonce of this node's probes: an
 * NS carrying it is this node's own, looped back (RFC 7527 4). */
enum ndisc_dad {
	NDISC_DAD_NONE = 0,          /* nothing about it */
	NDISC_DAD_DEFENDED,          /* an NA for it: a node uses the address */
	NDISC_DAD_PROBED,            /* an NS for it from ::: another node probes it */
};
enum ndisc_dad ndisc_dad_check(const struct ndisc_msg *m, const struct in6_addr *tentative,
			       const uint8_t *own_nonce);

#endif
