/* DHCPv6 wire codec (RFC 8415) plus the DSTM IPv4 Global Address option
 * (draft-ietf-ngtrans-dstm-04 6.1).
 *
 * Pure: no syscalls, no allocation, no globals.  Decoders take (buf, len) or
 * (buf, len, &offset) and return -EBADMSG on anything malformed; encoders
 * append into a struct dhcp6_buf and return -ENOBUFS when it is full
 * (STYLE 2).  Parsed structures point into the caller's buffer (no copies),
 * except for fixed-size fields (addresses, DUIDs) that are copied.
 */
#ifndef DS46_WIRE_DHCP6_H
#define DS46_WIRE_DHCP6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 8415 7.3 message types */
enum {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_CONFIRM = 4,
	DHCP6_RENEW = 5,
	DHCP6_REBIND = 6,
	DHCP6_REPLY = 7,
	DHCP6_RELEASE = 8,
	DHCP6_DECLINE = 9,
	DHCP6_RECONFIGURE = 10,
	DHCP6_INFORMATION_REQUEST = 11,
	DHCP6_RELAY_FORW = 12,
	DHCP6_RELAY_REPL = 13,
};

/* RFC 8415 21 option codes */
enum {
	DHCP6_OPT_CLIENTID = 1,
	DHCP6_OPT_SERVERID = 2,
	DHCP6_OPT_IA_NA = 3,
	DHCP6_OPT_IA_TA = 4,
	DHCP6_OPT_IAADDR = 5,
	DHCP6_OPT_ORO = 6,
	DHCP6_OPT_PREFERENCE = 7,
	DHCP6_OPT_ELAPSED_TIME = 8,
	DHCP6_OPT_RELAY_MSG = 9,
	DHCP6_OPT_AUTH = 11,
	DHCP6_OPT_UNICAST = 12,
	DHCP6_OPT_STATUS_CODE = 13,
	DHCP6_OPT_RAPID_COMMIT = 14,
	DHCP6_OPT_USER_CLASS = 15,
	DHCP6_OPT_VENDOR_CLASS = 16,
	DHCP6_OPT_VENDOR_OPTS = 17,
	DHCP6_OPT_INTERFACE_ID = 18,
	DHCP6_OPT_RECONF_MSG = 19,
	DHCP6_OPT_RECONF_ACCEPT = 20,
	DHCP6_OPT_IA_PD = 25,
	DHCP6_OPT_IAPREFIX = 26,
	DHCP6_OPT_INFORMATION_REFRESH_TIME = 32,
	DHCP6_OPT_SOL_MAX_RT = 82,
	DHCP6_OPT_INF_MAX_RT = 83,
};

/* The seed leaves the IPv4 Global Address option code "TBD".  ds46 uses a
 * code outside the IANA-assigned range by default; configurable
 * (server.ipv4-option-code).  See docs/dstm-option.md. */
#define DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT 65046

/* RFC 8415 21.13 status codes */
enum {
	DHCP6_STATUS_SUCCESS = 0,
	DHCP6_STATUS_UNSPECFAIL = 1,
	DHCP6_STATUS_NOADDRSAVAIL = 2,
	DHCP6_STATUS_NOBINDING = 3,
	DHCP6_STATUS_NOTONLINK = 4,
	DHCP6_STATUS_USEMULTICAST = 5,
	DHCP6_STATUS_NOPREFIXAVAIL = 6,
};

/* RFC 8415 7.1 and 7.6 */
#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547
#define DHCP6_HOP_COUNT_LIMIT 8
#define DHCP6_MSG_HDR_LEN 4
#define DHCP6_RELAY_HDR_LEN 34
#define DHCP6_DUID_MAX 130           /* RFC 8415 11.1: 128 + 2-octet type */
#define DHCP6_MAX_IAS 8              /* IAs accepted per message */
#define DHCP6_MAX_IA_ADDRS 8         /* IAADDRs accepted per IA */
#define DHCP6_MAX_ORO 32
#define DHCP6_MAX_MSG 1500           /* largest datagram the server accepts */
#define DHCP6_STATUS_MSG_MAX 128

/* RFC 8415 20 (reconfigure key authentication protocol) */
#define DHCP6_AUTH_PROTO_RECONFIGURE 3
#define DHCP6_AUTH_ALG_HMAC_MD5 1
#define DHCP6_AUTH_RDM_MONOTONIC 0
#define DHCP6_RKAP_TYPE_KEY 1        /* reconfigure key value (in Reply) */
#define DHCP6_RKAP_TYPE_HMAC 2       /* HMAC-MD5 digest (in Reconfigure) */
#define DHCP6_RECONF_KEY_LEN 16
#define DHCP6_AUTH_HDR_LEN 11        /* proto, alg, rdm, 8-octet replay */

/* One option as found in a buffer: data points into the buffer. */
struct dhcp6_opt {
	uint16_t code;
	uint16_t len;
	const uint8_t *data;
};

/* Cursor over a sequence of options.  Returns 1 and fills *opt, 0 at the
 * clean end of the buffer, -EBADMSG when a header or length runs past it. */
int dhcp6_opt_next(const uint8_t *buf, size_t len, size_t *off, struct dhcp6_opt *opt);

struct dhcp6_duid {
	uint8_t len;                 /* 0 = absent */
	uint8_t data[DHCP6_DUID_MAX];
};

struct dhcp6_iaaddr {
	struct in6_addr addr;
	uint32_t preferred;
	uint32_t valid;
	bool has_status;
	uint16_t status;
};

struct dhcp6_ia {
	uint16_t type;               /* DHCP6_OPT_IA_NA or DHCP6_OPT_IA_TA */
	uint32_t iaid;
	uint32_t t1, t2;             /* 0 for IA_TA */
	/* dstm-04 6.1: an IPv4 Global Address option immediately before this
	 * IA in the same option list applies to it. */
	bool ipv4;
	bool has_tep;                /* the preceding option carried a TEP */
	struct in6_addr tep;
	uint8_t n_addrs;
	struct dhcp6_iaaddr addrs[DHCP6_MAX_IA_ADDRS];
	bool has_status;
	uint16_t status;
};

struct dhcp6_auth {
	uint8_t protocol, algorithm, rdm;
	uint64_t replay;
	const uint8_t *info;         /* authentication information */
	uint16_t info_len;
	size_t info_off;             /* offset of info from the message start,
	                                for HMAC computation over the message */
};

/* A parsed client or server message (not relay).  Unknown options are
 * skipped; counts beyond the DHCP6_MAX_* limits make the parse fail with
 * -EBADMSG (the server drops and counts such packets). */
struct dhcp6_msg {
	uint8_t type;
	uint32_t xid;                /* 24 bits */
	struct dhcp6_duid clientid;
	struct dhcp6_duid serverid;
	uint8_t n_ia;
	struct dhcp6_ia ia[DHCP6_MAX_IAS];
	uint8_t n_oro;
	uint16_t oro[DHCP6_MAX_ORO];
	bool has_elapsed;
	uint16_t elapsed;            /* hundredths of a second */
	bool rapid_commit;
	bool reconf_accept;
	bool has_reconf_msg;
	uint8_t reconf_msg;
	bool has_preference;
	uint8_t preference;
	bool has_unicast;
	struct in6_addr unicast;
	bool has_status;
	uint16_t status;
	const uint8_t *status_msg;   /* UTF-8, not NUL-terminated */
	uint16_t status_msg_len;
	bool has_auth;
	struct dhcp6_auth auth;
	/* an IPv4 Global Address option not followed by an IA (ignored, but
	 * visible to callers for diagnostics) */
	bool ipv4_dangling;
};

/* Parse a client/server message.  ipv4_code is the option code of the IPv4
 * Global Address option (configurable; 0 disables recognition).  Its length
 * must be 0 or 16, else -EBADMSG. */
int dhcp6_msg_parse(const uint8_t *buf, size_t len, uint16_t ipv4_code,
		    struct dhcp6_msg *m);

struct dhcp6_relay {
	uint8_t type;                /* RELAY_FORW or RELAY_REPL */
	uint8_t hop_count;
	struct in6_addr link;
	struct in6_addr peer;
	const uint8_t *relay_msg;    /* inner message (may itself be a relay) */
	uint16_t relay_msg_len;
	const uint8_t *interface_id;
	uint16_t interface_id_len;
};

/* Parse one relay header; -EBADMSG if no Relay Message option. */
int dhcp6_relay_parse(const uint8_t *buf, size_t len, struct dhcp6_relay *r);

/* ---- encoder ------------------------------------------------------------ */

struct dhcp6_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

static inline void dhcp6_buf_init(struct dhcp6_buf *b, uint8_t *data, size_t cap)
{
	b->data = data;
	b->len = 0;
	b->cap = cap;
}

int dhcp6_put_msg_hdr(struct dhcp6_buf *b, uint8_t type, uint32_t xid);
int dhcp6_put_relay_hdr(struct dhcp6_buf *b, uint8_t type, uint8_t hop_count,
			const struct in6_addr *link, const struct in6_addr *peer);
int dhcp6_put_opt(struct dhcp6_buf *b, uint16_t code, const void *data, uint16_t len);
int dhcp6_put_opt_u8(struct dhcp6_buf *b, uint16_t code, uint8_t v);
int dhcp6_put_opt_u16(struct dhcp6_buf *b, uint16_t code, uint16_t v);
int dhcp6_put_opt_u32(struct dhcp6_buf *b, uint16_t code, uint32_t v);
/* Nested options: begin writes the header and returns its offset in *mark;
 * end patches the length. */
int dhcp6_opt_begin(struct dhcp6_buf *b, uint16_t code, size_t *mark);
int dhcp6_opt_end(struct dhcp6_buf *b, size_t mark);
int dhcp6_put_raw(struct dhcp6_buf *b, const void *data, size_t len);

/* Convenience encoders for the common composite options. */
int dhcp6_put_status(struct dhcp6_buf *b, uint16_t status, const char *msg);
int dhcp6_put_duid(struct dhcp6_buf *b, uint16_t code, const struct dhcp6_duid *d);
/* IA_NA/IA_TA header: begin it with dhcp6_put_ia_begin, then put IAADDRs and
 * status, then dhcp6_opt_end(b, mark). */
int dhcp6_put_ia_begin(struct dhcp6_buf *b, uint16_t type, uint32_t iaid,
		       uint32_t t1, uint32_t t2, size_t *mark);
int dhcp6_put_iaaddr(struct dhcp6_buf *b, const struct in6_addr *a, uint32_t preferred,
		     uint32_t valid, int status /* <0: none */, const char *status_msg);
/* dstm-04 6.1: the IPv4 Global Address option, length 0 (tep NULL) or 16. */
int dhcp6_put_ipv4_global(struct dhcp6_buf *b, uint16_t code, const struct in6_addr *tep);
/* RFC 8415 21.11 with the reconfigure key protocol (20.4).  For type
 * DHCP6_RKAP_TYPE_HMAC the 16-octet digest is written as zeros and
 * *digest_off receives its offset in b, to be filled by dhcp6_auth_sign. */
int dhcp6_put_auth_rkap(struct dhcp6_buf *b, uint64_t replay, uint8_t type,
			const uint8_t key_or_zero[DHCP6_RECONF_KEY_LEN], size_t *digest_off);

/* ---- reconfigure key authentication (RFC 8415 20.4) ---------------------- */

/* HMAC-MD5 over msg[0..len) with the 16 digest octets at digest_off taken as
 * zero; writes the digest there.  Pure apart from the HMAC primitive. */
int dhcp6_auth_sign(uint8_t *msg, size_t len, size_t digest_off,
		    const uint8_t key[DHCP6_RECONF_KEY_LEN]);
/* Verify a received Reconfigure's digest (m->auth from dhcp6_msg_parse). 0 if
 * valid, -EBADMSG if malformed, -EPERM if the digest does not match. */
int dhcp6_auth_verify(const uint8_t *msg, size_t len, const struct dhcp6_auth *a,
		      const uint8_t key[DHCP6_RECONF_KEY_LEN]);

/* Names for logs and the control socket ("SOLICIT", "NoAddrsAvail"). */
const char *dhcp6_msg_name(uint8_t type);
const char *dhcp6_status_name(uint16_t status);

#endif
