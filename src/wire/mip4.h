/* Mobile IPv4 registration codec (RFC 5944 1.9-1.11, 3.3-3.5), with the
 * extensions ds46 speaks: authentication (32 mobile-home, 33 mobile-foreign,
 * 34 foreign-home, HMAC-MD5 by default), Mobile Node NAI (RFC 2794, 131),
 * the Dual-Stack Mobile IPv4 extension (RFC 5454 2 / seed
 * draft-ietf-mip4-dsmipv4-06 2, type 152, short format with subtypes 1 IPv6
 * Prefix Request, 2 IPv6 Prefix Reply, 3 IPv6 Tunneling Mode), and the
 * NAT traversal UDP Tunnel Request/Reply extensions (RFC 3519 3.1, 3.2) and
 * Encapsulating Delivery Style (RFC 3024 3.3) so that later roles parse the
 * same structure.
 *
 * Pure: no syscalls, no allocation, no globals (HMAC-MD5 from libcrypto).
 * The parser fills a struct mip4_reg whose pointers point into the caller's
 * buffer; the writer appends into a struct mip4_buf and returns -ENOBUFS
 * when it is full (STYLE 2).  Addresses are in network byte order
 * (uint32_t as in struct in_addr.s_addr), identification in host order. */
#ifndef DS46_WIRE_MIP4_H
#define DS46_WIRE_MIP4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIP4_PORT 434

/* RFC 5944 3.3, 3.4 */
enum {
	MIP4_REG_REQUEST = 1,
	MIP4_REG_REPLY = 3,
};
#define MIP4_REQ_FIXED_LEN 24
#define MIP4_REP_FIXED_LEN 20

/* RFC 5944 3.3 request flags (second octet) */
enum {
	MIP4_F_S = 0x80,             /* simultaneous bindings */
	MIP4_F_B = 0x40,             /* broadcast datagrams */
	MIP4_F_D = 0x20,             /* decapsulation by mobile node (co-located) */
	MIP4_F_M = 0x10,             /* minimal encapsulation (RFC 2004) */
	MIP4_F_G = 0x08,             /* GRE (RFC 2784) */
	MIP4_F_R = 0x04,             /* "r": sent as zero, ignored */
	MIP4_F_T = 0x02,             /* reverse tunnelling (RFC 3024) */
	MIP4_F_X = 0x01,             /* "x": sent as zero, ignored */
};

/* RFC 5944 3.4 reply codes, with RFC 2794 5, RFC 3024 3.4 and RFC 3519 3.5. */
enum {
	MIP4_CODE_ACCEPTED = 0,
	MIP4_CODE_ACCEPTED_NO_SIMUL = 1,
	/* denied by the foreign agent */
	MIP4_CODE_FA_UNSPECIFIED = 64,
	MIP4_CODE_FA_PROHIBITED = 65,
	MIP4_CODE_FA_RESOURCES = 66,
	MIP4_CODE_FA_MN_AUTH = 67,
	MIP4_CODE_FA_HA_AUTH = 68,
	MIP4_CODE_FA_LIFETIME_TOO_LONG = 69,
	MIP4_CODE_FA_POORLY_FORMED_REQ = 70,
	MIP4_CODE_FA_POORLY_FORMED_REP = 71,
	MIP4_CODE_FA_ENCAP_UNAVAIL = 72,
	MIP4_CODE_FA_RESERVED_UNAVAIL = 73,
	MIP4_CODE_FA_REVTUN_UNAVAIL = 74,
	MIP4_CODE_FA_REVTUN_MANDATORY = 75,
	MIP4_CODE_FA_TOO_DISTANT = 76,
	MIP4_CODE_FA_INVALID_COA = 77,
	MIP4_CODE_FA_TIMEOUT = 78,
	MIP4_CODE_FA_DELIVERY_STYLE = 79,
	MIP4_CODE_FA_HOME_NET_UNREACH = 80,
	MIP4_CODE_FA_HA_HOST_UNREACH = 81,
	MIP4_CODE_FA_HA_PORT_UNREACH = 82,
	MIP4_CODE_FA_HA_UNREACH = 88,
	MIP4_CODE_FA_NONZERO_HOMEADDR = 96,
	MIP4_CODE_FA_MISSING_NAI = 97,
	MIP4_CODE_FA_MISSING_HA = 98,
	MIP4_CODE_FA_MISSING_HOMEADDR = 99,
	MIP4_CODE_FA_INVALID_HA = 194,
	/* denied by the home agent */
	MIP4_CODE_HA_UNSPECIFIED = 128,
	MIP4_CODE_HA_PROHIBITED = 129,
	MIP4_CODE_HA_RESOURCES = 130,
	MIP4_CODE_HA_MN_AUTH = 131,
	MIP4_CODE_HA_FA_AUTH = 132,
	MIP4_CODE_HA_ID_MISMATCH = 133,
	MIP4_CODE_HA_POORLY_FORMED = 134,
	MIP4_CODE_HA_TOO_MANY_BINDINGS = 135,
	MIP4_CODE_HA_UNKNOWN_HA = 136,
	MIP4_CODE_HA_REVTUN_UNAVAIL = 137,
	MIP4_CODE_HA_REVTUN_MANDATORY = 138,
	MIP4_CODE_HA_ENCAP_UNAVAIL = 139,
	MIP4_CODE_HA_UDP_ENCAP_UNAVAIL = 142,
};
/* Accepted codes are 0 and 1; everything else rejects. */
static inline bool mip4_code_accepted(uint8_t code)
{
	return code <= MIP4_CODE_ACCEPTED_NO_SIMUL;
}

/* Extension types (RFC 5944 1.9: 0-127 must be understood, 128-255 are
 * skippable). */
enum {
	MIP4_EXT_MH_AUTH = 32,
	MIP4_EXT_MF_AUTH = 33,
	MIP4_EXT_FH_AUTH = 34,
	MIP4_EXT_UDP_TUN_REPLY = 44,            /* RFC 3519 3.2 */
	MIP4_EXT_ENCAP_DELIVERY = 130,          /* RFC 3024 3.3 */
	MIP4_EXT_NAI = 131,                     /* RFC 2794 2 */
	MIP4_EXT_UDP_TUN_REQUEST = 144,         /* RFC 3519 3.1 */
	MIP4_EXT_DSMIPV4 = 152,                 /* RFC 5454 2 */
};

/* RFC 5454 2 subtypes and 2.2 codes (plus the seed's 10 and 11). */
enum {
	MIP4_DSMIP_PREFIX_REQUEST = 1,
	MIP4_DSMIP_PREFIX_REPLY = 2,
	MIP4_DSMIP_TUNNEL_MODE = 3,
};
enum {
	MIP4_V6_ACCEPT_HOA = 0,      /* IPv6 tunnelled to the IPv4 home address */
	MIP4_V6_ACCEPT_COA = 1,      /* IPv6 tunnelled to the care-of address */
	MIP4_V6_REJECT_UNSPEC = 8,
	MIP4_V6_REJECT_PROHIBITED = 9,
	MIP4_V6_REJECT_NOT_HOME_SUBNET = 10,   /* seed 2.2 */
	MIP4_V6_REJECT_DAD_FAILED = 11,        /* seed 2.2 */
};
/* RFC 5454 3.7.1: a prefix length of 255 carries a link-local address. */
#define MIP4_V6_PLEN_LINK_LOCAL 255

#define MIP4_SPI_HMAC_MD5_MIN 256u   /* RFC 5944 1.6: SPIs 0-255 reserved */
#define MIP4_AUTH_LEN 16             /* HMAC-MD5 authenticator */
#define MIP4_MAX_PREFIXES 16         /* more: MIP4_ERR_TOO_MANY_PREFIXES */
#define MIP4_NAI_MAX 255

/* Why a registration message was rejected by the parser. */
enum mip4_err {
	MIP4_ERR_NONE = 0,
	MIP4_ERR_TRUNCATED,          /* shorter than the fixed part */
	MIP4_ERR_BAD_TYPE,           /* not 1 or 3 */
	MIP4_ERR_EXT_OVERRUN,        /* an extension runs past the end */
	MIP4_ERR_UNKNOWN_EXT,        /* unknown type 0-127: silently discard (1.9) */
	MIP4_ERR_BAD_EXT_LEN,        /* a known extension with a wrong length */
	MIP4_ERR_DUP_EXT,            /* two of an extension allowed once */
	MIP4_ERR_TOO_MANY_PREFIXES,
	MIP4_ERR_BAD_SUBTYPE,        /* DSMIPv4 subtype unknown or not allowed in this
				      * message; UDP Tunnel Reply subtype not 0 */
	MIP4_ERR__MAX,
};
const char *mip4_err_name(enum mip4_err e);

/* One authentication extension as found.  off is the extension's offset in
 * the message (its type octet); the authenticator covers msg[0 .. off + 6)
 * (RFC 5944 3.5.1: the message, all prior extensions, and this extension's
 * type, length and SPI). */
struct mip4_auth {
	bool present;
	uint16_t off;
	uint32_t spi;
	const uint8_t *auth;         /* authenticator octets */
	uint8_t auth_len;            /* ext length - 4 */
};

/* One DSMIPv4 prefix extension (request or reply). */
struct mip4_prefix {
	uint8_t plen;                /* 0-128, or 255 (link-local, RFC 5454 3.7.1) */
	uint8_t code;                /* reply only */
	struct in6_addr prefix;      /* as sent (insignificant bits not cleared) */
	uint16_t off;                /* extension offset in the message */
};

struct mip4_reg {
	uint8_t type;                /* MIP4_REG_REQUEST or MIP4_REG_REPLY */
	uint8_t flags;               /* request */
	uint8_t code;                /* reply */
	uint16_t lifetime;           /* seconds; 0 deregisters, 0xffff infinity */
	uint32_t home_addr;          /* network order */
	uint32_t home_agent;
	uint32_t coa;                /* request only */
	uint64_t id;                 /* identification (RFC 5944 5.7) */

	/* extensions */
	struct mip4_auth mh, mf, fh;
	const uint8_t *nai;          /* NAI octets (not NUL-terminated) */
	uint8_t nai_len;             /* 0: no NAI extension */
	uint8_t n_prefix;
	struct mip4_prefix prefix[MIP4_MAX_PREFIXES];
	uint8_t n_tunnel_mode;       /* IPv6 Tunneling Mode extensions seen (max 255) */
	uint16_t tunnel_mode_off;    /* offset of the first one */
	bool has_udp_tun;            /* RFC 3519 request (144) or reply (44) */
	uint8_t udp_tun_flags;       /* request: F 0x80 R 0x40; reply: F 0x80 */
	uint8_t udp_tun_encap;       /* request: encapsulation (0 with IPv6, 3.9) */
	uint8_t udp_tun_code;        /* reply code */
	uint16_t udp_tun_keepalive;  /* reply keepalive interval */
	bool has_encap_delivery;     /* RFC 3024 3.3 */
	uint8_t n_skipped;           /* unknown skippable extensions ignored (max 255) */
	uint16_t ext_end;            /* offset after the last extension */
};

/* Parse a Registration Request or Reply (the UDP payload).  Extensions of
 * unknown type 128-255 are skipped; unknown 0-127 make the message
 * malformed (MIP4_ERR_UNKNOWN_EXT: RFC 5944 1.9 says discard it silently).
 * A DSMIPv4 extension in the short format: Prefix Request length 18 (in a
 * request), Prefix Reply length 20 (in a reply), Tunneling Mode length 2 (in
 * a request); another subtype or length is MIP4_ERR_BAD_EXT_LEN /
 * MIP4_ERR_BAD_SUBTYPE, and so is a Prefix Length other than 0-128 or 255
 * (MIP4_ERR_BAD_EXT_LEN).  Duplicates of MH/MF/FH auth, NAI, or UDP Tunnel
 * Request/Reply: MIP4_ERR_DUP_EXT.  Also MIP4_ERR_BAD_EXT_LEN: an NAI of
 * length 0, an auth extension shorter than its SPI, 144 or 44 not of length
 * 6, 130 not of length 0.  Placement: 144 and 130 are parsed in requests
 * and skipped in replies; 44 is parsed in replies and unknown (0-127) in
 * requests.  A 144 with a non-zero subtype or Reserved 3 is skipped (RFC
 * 3519 3.1.3).  Longer than 65535 octets: MIP4_ERR_EXT_OVERRUN.  On
 * success ext_end == len.  why may be NULL.  Returns 0 or -EBADMSG with
 * *why set. */
int mip4_reg_parse(const uint8_t *msg, size_t len, struct mip4_reg *r, enum mip4_err *why);

/* True when the extension at offset off lies before the mobile-home
 * authentication extension, i.e. is covered by it (RFC 5454 3.1). */
static inline bool mip4_covered_by_mh(const struct mip4_reg *r, uint16_t off)
{
	return r->mh.present && off < r->mh.off;
}

/* ---- writer -------------------------------------------------------------- */

struct mip4_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

static inline void mip4_buf_init(struct mip4_buf *b, uint8_t *data, size_t cap)
{
	b->data = data;
	b->len = 0;
	b->cap = cap;
}

/* Writers return 0, -ENOBUFS when b is full (b->len unchanged), or -EINVAL
 * for arguments the parser would reject: a non-empty b for the fixed part,
 * an NAI of 0 or more than 255 octets, a prefix length other than 0-128 or
 * 255, UDP tunnel flags outside F|R (request) or F (reply), an auth type
 * other than 32-34, an empty key, NULL data with a non-zero length. */

/* The fixed part (RFC 5944 3.3 / 3.4); b must be empty. */
int mip4_put_request(struct mip4_buf *b, uint8_t flags, uint16_t lifetime, uint32_t home_addr,
		     uint32_t home_agent, uint32_t coa, uint64_t id);
int mip4_put_reply(struct mip4_buf *b, uint8_t code, uint16_t lifetime, uint32_t home_addr,
		   uint32_t home_agent, uint64_t id);
int mip4_put_nai(struct mip4_buf *b, const char *nai, size_t len);
/* RFC 5454 2.1, 2.2, 2.3.  The prefix is written as given. */
int mip4_put_prefix_request(struct mip4_buf *b, uint8_t plen, const struct in6_addr *prefix);
int mip4_put_prefix_reply(struct mip4_buf *b, uint8_t code, uint8_t plen,
			  const struct in6_addr *prefix);
int mip4_put_tunnel_mode(struct mip4_buf *b);
/* RFC 3519 3.1 / 3.2 */
int mip4_put_udp_tun_request(struct mip4_buf *b, uint8_t flags, uint8_t encap);
int mip4_put_udp_tun_reply(struct mip4_buf *b, uint8_t flags, uint8_t code, uint16_t keepalive);
/* An authentication extension (type 32, 33 or 34) with an HMAC-MD5
 * authenticator computed over everything already in b plus type, length
 * and SPI (RFC 5944 3.5.1).  Must be the last thing appended before the
 * extensions it does not cover. */
int mip4_put_auth(struct mip4_buf *b, uint8_t type, uint32_t spi, const uint8_t *key,
		  size_t keylen);
/* Any other extension in the plain type-length format. */
int mip4_put_ext(struct mip4_buf *b, uint8_t type, const void *data, uint8_t len);

/* ---- authentication (RFC 5944 3.5.1, HMAC-MD5 RFC 2104) ------------------ */

/* The authenticator of a parsed auth extension: HMAC-MD5 with key over
 * msg[0 .. a->off + 6).  Writes MIP4_AUTH_LEN octets. */
int mip4_auth_compute(const uint8_t *msg, size_t len, const struct mip4_auth *a,
		      const uint8_t *key, size_t keylen, uint8_t out[MIP4_AUTH_LEN]);
/* 0 if a's authenticator is a valid HMAC-MD5 (compared in constant time);
 * -EBADMSG if a is absent or its length is not 16, or a does not describe
 * msg (offset, type, length and auth pointer as the parser set them);
 * -EPERM if it does not match.  -EINVAL for an empty key, -EIO if libcrypto
 * fails (also from mip4_auth_compute). */
int mip4_auth_verify(const uint8_t *msg, size_t len, const struct mip4_auth *a,
		     const uint8_t *key, size_t keylen);

/* ---- identification (RFC 5944 5.7, 5.7.1) --------------------------------- */

/* NTP-format timestamp (RFC 5944 5.7.1: seconds since 1900 in the high 32
 * bits, fraction in the low 32) from unix seconds and nanoseconds.  Whole
 * seconds in nsec carry; the seconds wrap modulo 2^32 (era 1 from 2036). */
uint64_t mip4_ntp_time(int64_t unix_sec, uint32_t nsec);
/* Unix seconds of the high 32 bits of an NTP timestamp (era 0). */
int64_t mip4_ntp_to_unix(uint64_t ntp);

/* Names for logs and the control socket ("accepted", "id-mismatch"). */
const char *mip4_code_name(uint8_t code);
const char *mip4_v6_code_name(uint8_t code);

#endif
