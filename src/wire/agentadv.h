/* Mobile IPv4 agent discovery codec (RFC 5944 2): the Agent Advertisement,
 * an ICMP Router Advertisement (RFC 1256 3.1) carrying the Mobility Agent
 * Advertisement extension (2.1.1, type 16), the Prefix-Lengths extension
 * (2.1.2, type 19) and One-byte Padding (2.1.3, type 0); and the Agent
 * Solicitation, an ICMP Router Solicitation (RFC 1256 3.2, RFC 5944 2.2).
 *
 * Pure: no syscalls, no allocation, no globals.  Messages start at the
 * ICMP header (a raw IPPROTO_ICMP socket's payload after the IPv4 header:
 * agentadv_parse_ip4 strips it).  The ICMP length is the buffer length
 * (RFC 1256 5.2 and RFC 5944 2.4: derived from the IP total length);
 * extensions are whatever follows the RFC 1256 part.  Addresses are in
 * network byte order (uint32_t as in struct in_addr.s_addr).
 *
 * Return values:
 *   -EBADMSG  malformed: drop and count *why
 *   -ENOMSG   a valid ICMP Router Advertisement without a Mobility Agent
 *             Advertisement extension: not an Agent Advertisement (RFC
 *             5944 2.4), ignore without counting it as bad
 *   -ENOBUFS  the output buffer is too small
 *   -EINVAL   the struct breaks a rule the parser enforces */
#ifndef DS46_WIRE_AGENTADV_H
#define DS46_WIRE_AGENTADV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENTADV_ICMP_ADVERT 9       /* RFC 1256 3.1 */
#define AGENTADV_ICMP_SOLICIT 10     /* RFC 1256 3.2 */
#define AGENTADV_CODE_ROUTER 0       /* RFC 5944 2.1: handles common traffic */
#define AGENTADV_CODE_NO_COMMON 16   /* does not route common traffic */
#define AGENTADV_ICMP_HDR_LEN 8
#define AGENTADV_ENTRY_SIZE 2        /* RFC 1256 3.1: 32-bit words per address */
#define AGENTADV_SOLICIT_LEN 8

/* RFC 5944 2.1.1-2.1.3 extension types (ICMP Router Discovery space, 1.9) */
enum {
	AGENTADV_EXT_PAD = 0,
	AGENTADV_EXT_MOBILITY = 16,
	AGENTADV_EXT_PREFIX_LENGTHS = 19,
};
#define AGENTADV_MOBILITY_FIXED 6    /* sequence, lifetime, flags, reserved */
#define AGENTADV_MAX_COA 62          /* (255 - 6) / 4 */
#define AGENTADV_MAX_ROUTERS 255

/* RFC 5944 2.1.1 flags (the 16 bits after Registration Lifetime) */
enum {
	AGENTADV_F_R = 0x8000,       /* registration required */
	AGENTADV_F_B = 0x4000,       /* busy */
	AGENTADV_F_H = 0x2000,       /* home agent */
	AGENTADV_F_F = 0x1000,       /* foreign agent */
	AGENTADV_F_M = 0x0800,       /* minimal encapsulation */
	AGENTADV_F_G = 0x0400,       /* GRE */
	AGENTADV_F_r = 0x0200,       /* sent as zero, ignored */
	AGENTADV_F_T = 0x0100,       /* reverse tunnelling (RFC 3024) */
	AGENTADV_F_U = 0x0080,       /* UDP tunnelling (RFC 3519 3.4) */
	AGENTADV_F_X = 0x0040,       /* registration revocation (RFC 3543) */
	AGENTADV_F_I = 0x0020,       /* regional registration (RFC 4857) */
};
/* Defined flags; the rest ("r" and reserved) are ignored (2.4). */
#define AGENTADV_F_DEFINED 0xfde0

/* RFC 5944 2.3.2: after 0xffff comes 256 */
#define AGENTADV_SEQ_ROLLOVER 256

enum agentadv_drop {
	AGENTADV_DROP_NONE = 0,
	AGENTADV_DROP_TRUNCATED,     /* < 8 octets, or shorter than the
	                                router addresses (RFC 1256 5.2) */
	AGENTADV_DROP_BAD_TYPE,      /* not 9 (advert) / 10 (solicitation) */
	AGENTADV_DROP_BAD_CODE,      /* advert: not 0 or 16; solicit: not 0 */
	AGENTADV_DROP_BAD_CHECKSUM,
	AGENTADV_DROP_BAD_ENTRY_SIZE, /* Addr Entry Size < 2 (RFC 1256 5.2) */
	AGENTADV_DROP_EXT_OVERRUN,   /* an extension runs past the end */
	AGENTADV_DROP_UNKNOWN_EXT,   /* unknown type 0-127 (RFC 5944 1.9) */
	AGENTADV_DROP_BAD_EXT_LEN,   /* mobility: < 6 or not 6 + 4N;
	                                prefix-lengths: not Num Addrs */
	AGENTADV_DROP_DUP_EXT,       /* two mobility or prefix-lengths exts */
	AGENTADV_DROP_NOT_AGENT_ADV, /* no mobility extension (-ENOMSG) */
	AGENTADV_DROP_BAD_FLAGS,     /* 2.1.1: neither F nor H, B or R
	                                without F */
	AGENTADV_DROP_NO_COA,        /* 2.1.1: F set and no care-of address */
	AGENTADV_DROP_BAD_PREFIX_LEN, /* 2.1.2: a prefix length over 32 */
	AGENTADV_DROP_BAD_IP4,       /* agentadv_parse_ip4: the IPv4 header does
	                                not parse, is a fragment or not ICMP */
	AGENTADV_DROP__MAX,
};
/* "truncated", "bad-checksum", ...; "unknown" out of range. */
const char *agentadv_drop_name(enum agentadv_drop why);

struct agentadv_router {
	uint32_t addr;               /* network order */
	int32_t pref;                /* RFC 1256: signed, higher preferred */
};

struct agentadv {
	/* ICMP Router Advertisement (RFC 1256 3.1, RFC 5944 2.1) */
	uint8_t code;                /* AGENTADV_CODE_ROUTER or _NO_COMMON */
	uint8_t num_addrs;           /* may be 0 (RFC 5944 2.1) */
	uint8_t entry_size;          /* as received (>= 2); written as 2 */
	uint16_t lifetime;           /* seconds the advertisement is valid */
	struct agentadv_router router[AGENTADV_MAX_ROUTERS];
	/* Mobility Agent Advertisement extension (2.1.1) */
	uint16_t seq;
	uint16_t reg_lifetime;       /* 0xffff: infinity */
	uint16_t flags;              /* AGENTADV_F_* (defined bits only) */
	uint16_t flags_ignored;      /* "r" and reserved bits as received;
	                                written as zero */
	uint8_t n_coa;
	uint32_t coa[AGENTADV_MAX_COA];
	/* Prefix-Lengths extension (2.1.2): one per router address */
	bool has_prefix_lengths;
	uint8_t prefix_len[AGENTADV_MAX_ROUTERS];
	/* One-byte Padding (2.1.3): how many were seen (max 255); the
	 * builder appends one, last, when non-zero */
	uint8_t n_pad;
	uint8_t n_skipped;           /* unknown types 128-255 ignored (max 255) */
};

/* Parse an Agent Advertisement (from the ICMP header on).  Checks, in
 * order: length >= 8, type 9, checksum, code 0 or 16, Addr Entry Size >= 2,
 * the router addresses fit (extra words per entry ignored, RFC 1256 5.2);
 * then the extensions: the mobility extension (length 6 + 4N; once), the
 * prefix-lengths extension (length Num Addrs, each 0-32; once), padding, types
 * 128-255 skipped, other 0-127 types refused.  Without a mobility
 * extension: -ENOMSG (AGENTADV_DROP_NOT_AGENT_ADV).  2.1.1 sender rules
 * become drops: F or H set, B and R only with F, F with at least one
 * care-of address.  Reserved bits are ignored (2.4).  a is filled as far
 * as parsed; why may be NULL; on success *why is AGENTADV_DROP_NONE. */
int agentadv_parse(const uint8_t *msg, size_t len, struct agentadv *a,
		   enum agentadv_drop *why);
/* The same from the IPv4 header on (what an AF_INET raw ICMP socket
 * returns): the header must pass ip4_parse and be protocol 1, not a
 * fragment; the ICMP length is total length - header length (link
 * padding ignored).  Otherwise -EBADMSG with AGENTADV_DROP_BAD_IP4.  *ttl
 * (may be NULL) gets the IP TTL (2.1: sent as 1; not checked here). */
int agentadv_parse_ip4(const uint8_t *pkt, size_t len, struct agentadv *a, uint8_t *ttl,
		       enum agentadv_drop *why);

/* Build the Agent Advertisement a into out: the RFC 1256 part (entry size
 * 2), the mobility extension, the prefix-lengths extension when
 * has_prefix_lengths, one padding octet last when n_pad; reserved bits
 * zero and the ICMP checksum set.  Returns the length, -ENOBUFS, or
 * -EINVAL if a would not parse (code, n_coa > AGENTADV_MAX_COA, the 2.1.1
 * flag rules, F without a care-of address, a prefix length over 32). */
int agentadv_build(const struct agentadv *a, uint8_t *out, size_t cap);

/* Agent Solicitation (RFC 1256 3.2, 4.2): type 10, code 0, checksum, length
 * >= 8; the Reserved field and any further octets are ignored.  0 or
 * -EBADMSG (TRUNCATED, BAD_TYPE, BAD_CHECKSUM, BAD_CODE). */
int agentadv_solicit_parse(const uint8_t *msg, size_t len, enum agentadv_drop *why);
/* Writes the 8 octets; returns 8 or -ENOBUFS. */
int agentadv_solicit_build(uint8_t *out, size_t cap);

/* RFC 5944 2.3.2: the sequence number after seq (0xffff -> 256). */
static inline uint16_t agentadv_seq_next(uint16_t seq)
{
	return seq == 0xffff ? AGENTADV_SEQ_ROLLOVER : (uint16_t)(seq + 1);
}
/* RFC 5944 2.4.4: true when cur after prev shows the agent rebooted (a
 * decrease into 0-255): the mobile node should register again. */
static inline bool agentadv_seq_rebooted(uint16_t prev, uint16_t cur)
{
	return cur < prev && cur < AGENTADV_SEQ_ROLLOVER;
}

#endif
