/* Mobile IPv4 registration codec (RFC 5944 3.3-3.5) with the NAI (RFC
 * 2794), DSMIPv4 (RFC 5454 2), UDP tunnel (RFC 3519 3.1, 3.2) and
 * Encapsulating Delivery Style (RFC 3024 3.3) extensions.  See mip4.h for
 * the contract. */
#include "wire/mip4.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/util.h"

#define MIP4_EXT_HDR_LEN 2            /* RFC 5944 1.9: type, length */
#define MIP4_SKIPPABLE_MIN 128        /* RFC 5944 1.9 */
#define MIP4_AUTH_SPI_LEN 4           /* RFC 5944 3.5.2 */
#define MIP4_AUTH_HDR_LEN (MIP4_EXT_HDR_LEN + MIP4_AUTH_SPI_LEN)
#define MIP4_DSMIP_PREFIX_REQ_LEN 18  /* RFC 5454 2.1 */
#define MIP4_DSMIP_PREFIX_REP_LEN 20  /* RFC 5454 2.2 */
#define MIP4_DSMIP_TUNNEL_MODE_LEN 2  /* RFC 5454 2.3 */
#define MIP4_UDP_TUN_LEN 6            /* RFC 3519 3.1, 3.2 */
#define MIP4_UDP_TUN_SUBTYPE 0
#define MIP4_UDP_TUN_REQ_FLAGS (0x80 | 0x40) /* F, R */
#define MIP4_UDP_TUN_REP_FLAGS 0x80   /* F */
#define MIP4_MSG_MAX 65535            /* offsets are 16 bits */
#define NTP_UNIX_OFFSET 2208988800ll  /* 1900-01-01 to 1970-01-01 */
#define NSEC_PER_SEC 1000000000u

/* ---- names ----------------------------------------------------------------- */

const char *mip4_err_name(enum mip4_err e)
{
	static const char *const names[MIP4_ERR__MAX] = {
		[MIP4_ERR_NONE] = "none",
		[MIP4_ERR_TRUNCATED] = "truncated",
		[MIP4_ERR_BAD_TYPE] = "bad-type",
		[MIP4_ERR_EXT_OVERRUN] = "ext-overrun",
		[MIP4_ERR_UNKNOWN_EXT] = "unknown-ext",
		[MIP4_ERR_BAD_EXT_LEN] = "bad-ext-len",
		[MIP4_ERR_DUP_EXT] = "dup-ext",
		[MIP4_ERR_TOO_MANY_PREFIXES] = "too-many-prefixes",
		[MIP4_ERR_BAD_SUBTYPE] = "bad-subtype",
	};
	if ((unsigned)e < MIP4_ERR__MAX && names[e])
		return names[e];
	return "unknown";
}

/* RFC 5944 3.4, RFC 3024 3.4, RFC 2794 5, RFC 3519 3.5 */
const char *mip4_code_name(uint8_t code)
{
	static const char *const names[256] = {
		[MIP4_CODE_ACCEPTED] = "accepted",
		[MIP4_CODE_ACCEPTED_NO_SIMUL] = "accepted-no-simultaneous",
		[MIP4_CODE_FA_UNSPECIFIED] = "fa-unspecified",
		[MIP4_CODE_FA_PROHIBITED] = "fa-prohibited",
		[MIP4_CODE_FA_RESOURCES] = "fa-insufficient-resources",
		[MIP4_CODE_FA_MN_AUTH] = "fa-mn-auth-failed",
		[MIP4_CODE_FA_HA_AUTH] = "fa-ha-auth-failed",
		[MIP4_CODE_FA_LIFETIME_TOO_LONG] = "fa-lifetime-too-long",
		[MIP4_CODE_FA_POORLY_FORMED_REQ] = "fa-poorly-formed-request",
		[MIP4_CODE_FA_POORLY_FORMED_REP] = "fa-poorly-formed-reply",
		[MIP4_CODE_FA_ENCAP_UNAVAIL] = "fa-encap-unavailable",
		[MIP4_CODE_FA_RESERVED_UNAVAIL] = "fa-reserved-unavailable",
		[MIP4_CODE_FA_REVTUN_UNAVAIL] = "fa-revtun-unavailable",
		[MIP4_CODE_FA_REVTUN_MANDATORY] = "fa-revtun-mandatory",
		[MIP4_CODE_FA_TOO_DISTANT] = "fa-mn-too-distant",
		[MIP4_CODE_FA_INVALID_COA] = "fa-invalid-coa",
		[MIP4_CODE_FA_TIMEOUT] = "fa-timeout",
		[MIP4_CODE_FA_DELIVERY_STYLE] = "fa-delivery-style-unsupported",
		[MIP4_CODE_FA_HOME_NET_UNREACH] = "fa-home-net-unreachable",
		[MIP4_CODE_FA_HA_HOST_UNREACH] = "fa-ha-host-unreachable",
		[MIP4_CODE_FA_HA_PORT_UNREACH] = "fa-ha-port-unreachable",
		[MIP4_CODE_FA_HA_UNREACH] = "fa-ha-unreachable",
		[MIP4_CODE_FA_NONZERO_HOMEADDR] = "fa-nonzero-home-addr-required",
		[MIP4_CODE_FA_MISSING_NAI] = "fa-missing-nai",
		[MIP4_CODE_FA_MISSING_HA] = "fa-missing-home-agent",
		[MIP4_CODE_FA_MISSING_HOMEADDR] = "fa-missing-home-addr",
		[MIP4_CODE_FA_INVALID_HA] = "fa-invalid-home-agent",
		[MIP4_CODE_HA_UNSPECIFIED] = "ha-unspecified",
		[MIP4_CODE_HA_PROHIBITED] = "ha-prohibited",
		[MIP4_CODE_HA_RESOURCES] = "ha-insufficient-resources",
		[MIP4_CODE_HA_MN_AUTH] = "ha-mn-auth-failed",
		[MIP4_CODE_HA_FA_AUTH] = "ha-fa-auth-failed",
		[MIP4_CODE_HA_ID_MISMATCH] = "id-mismatch",
		[MIP4_CODE_HA_POORLY_FORMED] = "ha-poorly-formed-request",
		[MIP4_CODE_HA_TOO_MANY_BINDINGS] = "ha-too-many-bindings",
		[MIP4_CODE_HA_UNKNOWN_HA] = "ha-unknown-home-agent",
		[MIP4_CODE_HA_REVTUN_UNAVAIL] = "ha-revtun-unavailable",
		[MIP4_CODE_HA_REVTUN_MANDATORY] = "ha-revtun-mandatory",
		[MIP4_CODE_HA_ENCAP_UNAVAIL] = "ha-encap-unavailable",
		[MIP4_CODE_HA_UDP_ENCAP_UNAVAIL] = "ha-udp-encap-unavailable",
	};
	return names[code] ? names[code] : "unknown";
}

/* RFC 5454 2.2 and seed 2.2 */
const char *mip4_v6_code_name(uint8_t code)
{
	switch (code) {
	case MIP4_V6_ACCEPT_HOA:
		return "accepted-hoa";
	case MIP4_V6_ACCEPT_COA:
		return "accepted-coa";
	case MIP4_V6_REJECT_UNSPEC:
		return "rejected-unspecified";
	case MIP4_V6_REJECT_PROHIBITED:
		return "rejected-prohibited";
	case MIP4_V6_REJECT_NOT_HOME_SUBNET:
		return "rejected-not-home-subnet";
	case MIP4_V6_REJECT_DAD_FAILED:
		return "rejected-dad-failed";
	default:
		return "unknown";
	}
}

/* ---- parser -------------------------------------------------------------- */

static int reject(enum mip4_err *why, enum mip4_err reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

/* RFC 5944 3.5.2-3.5.4: SPI then the authenticator. */
static enum mip4_err parse_auth(const uint8_t *msg, size_t off, uint8_t elen, struct mip4_auth *a)
{
	if (a->present)
		return MIP4_ERR_DUP_EXT;
	if (elen < MIP4_AUTH_SPI_LEN)
		return MIP4_ERR_BAD_EXT_LEN;
	a->present = true;
	a->off = (uint16_t)off;
	a->spi = get_be32(msg + off + MIP4_EXT_HDR_LEN);
	a->auth = msg + off + MIP4_AUTH_HDR_LEN;
	a->auth_len = (uint8_t)(elen - MIP4_AUTH_SPI_LEN);
	return MIP4_ERR_NONE;
}

static bool plen_valid(uint8_t plen)
{
	return plen <= 128 || plen == MIP4_V6_PLEN_LINK_LOCAL;
}

/* RFC 5454 2: the short format (RFC 5944 1.11), subtype first. */
static enum mip4_err parse_dsmip(const uint8_t *d, uint8_t elen, size_t off, struct mip4_reg *r)
{
	bool request = r->type == MIP4_REG_REQUEST;
	struct mip4_prefix *p;

	if (elen < 1)
		return MIP4_ERR_BAD_EXT_LEN;
	switch (d[0]) {
	case MIP4_DSMIP_PREFIX_REQUEST:
	case MIP4_DSMIP_PREFIX_REPLY:
		if ((d[0] == MIP4_DSMIP_PREFIX_REQUEST) != request)
			return MIP4_ERR_BAD_SUBTYPE;
		if (elen != (request ? MIP4_DSMIP_PREFIX_REQ_LEN : MIP4_DSMIP_PREFIX_REP_LEN))
			return MIP4_ERR_BAD_EXT_LEN;
		if (r->n_prefix >= MIP4_MAX_PREFIXES)
			return MIP4_ERR_TOO_MANY_PREFIXES;
		p = &r->prefix[r->n_prefix];
		if (request) {
			/* 2.1: subtype, prefix length, prefix */
			p->plen = d[1];
			memcpy(p->prefix.s6_addr, d + 2, 16);
		} else {
			/* 2.2: subtype, code, prefix length, reserved, prefix */
			p->code = d[1];
			p->plen = d[2];
			memcpy(p->prefix.s6_addr, d + 4, 16);
		}
		if (!plen_valid(p->plen))
			return MIP4_ERR_BAD_EXT_LEN;
		p->off = (uint16_t)off;
		r->n_prefix++;
		return MIP4_ERR_NONE;
	case MIP4_DSMIP_TUNNEL_MODE:
		/* 2.3: in a request only; subtype, reserved */
		if (!request)
			return MIP4_ERR_BAD_SUBTYPE;
		if (elen != MIP4_DSMIP_TUNNEL_MODE_LEN)
			return MIP4_ERR_BAD_EXT_LEN;
		if (r->n_tunnel_mode == 0)
			r->tunnel_mode_off = (uint16_t)off;
		if (r->n_tunnel_mode < UINT8_MAX)
			r->n_tunnel_mode++;
		return MIP4_ERR_NONE;
	default:
		return MIP4_ERR_BAD_SUBTYPE;
	}
}

/* RFC 3519 3.1: subtype 0, reserved 1, F|R|reserved 2, encapsulation,
 * reserved 3.  A non-zero subtype or reserved 3 "MUST be handled as not
 * understood and silently skipped" (3.1.3). */
static enum mip4_err parse_udp_tun_request(const uint8_t *d, uint8_t elen, struct mip4_reg *r)
{
	if (elen != MIP4_UDP_TUN_LEN)
		return MIP4_ERR_BAD_EXT_LEN;
	if (d[0] != MIP4_UDP_TUN_SUBTYPE || get_be16(d + 4) != 0) {
		r->n_skipped++;
		return MIP4_ERR_NONE;
	}
	if (r->has_udp_tun)
		return MIP4_ERR_DUP_EXT;
	r->has_udp_tun = true;
	r->udp_tun_flags = d[2] & MIP4_UDP_TUN_REQ_FLAGS;
	r->udp_tun_encap = d[3];
	return MIP4_ERR_NONE;
}

/* RFC 3519 3.2 (non-skippable): subtype 0, reply code, F|reserved,
 * keepalive interval. */
static enum mip4_err parse_udp_tun_reply(const uint8_t *d, uint8_t elen, struct mip4_reg *r)
{
	if (elen != MIP4_UDP_TUN_LEN)
		return MIP4_ERR_BAD_EXT_LEN;
	if (d[0] != MIP4_UDP_TUN_SUBTYPE)
		return MIP4_ERR_BAD_SUBTYPE;
	if (r->has_udp_tun)
		return MIP4_ERR_DUP_EXT;
	r->has_udp_tun = true;
	r->udp_tun_code = d[1];
	r->udp_tun_flags = d[2] & MIP4_UDP_TUN_REP_FLAGS;
	r->udp_tun_keepalive = get_be16(d + 4);
	return MIP4_ERR_NONE;
}

/* One extension at off; its header and data lie inside the message. */
static enum mip4_err parse_ext(const uint8_t *msg, size_t off, struct mip4_reg *r)
{
	uint8_t type = msg[off];
	uint8_t elen = msg[off + 1];
	const uint8_t *d = msg + off + MIP4_EXT_HDR_LEN;
	bool request = r->type == MIP4_REG_REQUEST;

	switch (type) {
	case MIP4_EXT_MH_AUTH:
		return parse_auth(msg, off, elen, &r->mh);
	case MIP4_EXT_MF_AUTH:
		return parse_auth(msg, off, elen, &r->mf);
	case MIP4_EXT_FH_AUTH:
		return parse_auth(msg, off, elen, &r->fh);
	case MIP4_EXT_UDP_TUN_REPLY:
		if (!request)
			return parse_udp_tun_reply(d, elen, r);
		break;               /* not defined in a request: not understood */
	case MIP4_EXT_NAI:
		/* RFC 2794 2; nai_len 0 stands for "absent" */
		if (r->nai_len)
			return MIP4_ERR_DUP_EXT;
		if (elen == 0)
			return MIP4_ERR_BAD_EXT_LEN;
		r->nai = d;
		r->nai_len = elen;
		return MIP4_ERR_NONE;
	case MIP4_EXT_DSMIPV4:
		return parse_dsmip(d, elen, off, r);
	case MIP4_EXT_UDP_TUN_REQUEST:
		if (request)
			return parse_udp_tun_request(d, elen, r);
		break;
	case MIP4_EXT_ENCAP_DELIVERY:
		if (request) {
			if (elen != 0)
				return MIP4_ERR_BAD_EXT_LEN;
			r->has_encap_delivery = true;
			return MIP4_ERR_NONE;
		}
		break;
	default:
		break;
	}
	/* RFC 5944 1.9: 0-127 must be understood, 128-255 are skipped */
	if (type < MIP4_SKIPPABLE_MIN)
		return MIP4_ERR_UNKNOWN_EXT;
	if (r->n_skipped < UINT8_MAX)
		r->n_skipped++;
	return MIP4_ERR_NONE;
}

int mip4_reg_parse(const uint8_t *msg, size_t len, struct mip4_reg *r, enum mip4_err *why)
{
	size_t off, fixed;

	memset(r, 0, sizeof(*r));
	if (len < 1)
		return reject(why, MIP4_ERR_TRUNCATED);
	if (msg[0] == MIP4_REG_REQUEST)
		fixed = MIP4_REQ_FIXED_LEN;
	else if (msg[0] == MIP4_REG_REPLY)
		fixed = MIP4_REP_FIXED_LEN;
	else
		return reject(why, MIP4_ERR_BAD_TYPE);
	if (len < fixed)
		return reject(why, MIP4_ERR_TRUNCATED);
	if (len > MIP4_MSG_MAX)
		return reject(why, MIP4_ERR_EXT_OVERRUN);

	/* RFC 5944 3.3 / 3.4 */
	r->type = msg[0];
	if (r->type == MIP4_REG_REQUEST)
		r->flags = msg[1];
	else
		r->code = msg[1];
	r->lifetime = get_be16(msg + 2);
	memcpy(&r->home_addr, msg + 4, 4);
	memcpy(&r->home_agent, msg + 8, 4);
	if (r->type == MIP4_REG_REQUEST) {
		memcpy(&r->coa, msg + 12, 4);
		r->id = get_be64(msg + 16);
	} else {
		r->id = get_be64(msg + 12);
	}

	for (off = fixed; off < len;) {
		if (len - off < MIP4_EXT_HDR_LEN || msg[off + 1] > len - off - MIP4_EXT_HDR_LEN)
			return reject(why, MIP4_ERR_EXT_OVERRUN);
		enum mip4_err e = parse_ext(msg, off, r);
		if (e != MIP4_ERR_NONE)
			return reject(why, e);
		off += MIP4_EXT_HDR_LEN + msg[off + 1];
	}
	r->ext_end = (uint16_t)off;
	if (why)
		*why = MIP4_ERR_NONE;
	return 0;
}

/* ---- writer -------------------------------------------------------------- */

static uint8_t *buf_room(struct mip4_buf *b, size_t n)
{
	if (b->cap < b->len || b->cap - b->len < n)
		return NULL;
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

int mip4_put_request(struct mip4_buf *b, uint8_t flags, uint16_t lifetime, uint32_t home_addr,
		     uint32_t home_agent, uint32_t coa, uint64_t id)
{
	if (b->len != 0)
		return -EINVAL;
	uint8_t *p = buf_room(b, MIP4_REQ_FIXED_LEN);
	if (!p)
		return -ENOBUFS;
	p[0] = MIP4_REG_REQUEST;
	p[1] = flags;
	put_be16(p + 2, lifetime);
	memcpy(p + 4, &home_addr, 4);
	memcpy(p + 8, &home_agent, 4);
	memcpy(p + 12, &coa, 4);
	put_be64(p + 16, id);
	return 0;
}

int mip4_put_reply(struct mip4_buf *b, uint8_t code, uint16_t lifetime, uint32_t home_addr,
		   uint32_t home_agent, uint64_t id)
{
	if (b->len != 0)
		return -EINVAL;
	uint8_t *p = buf_room(b, MIP4_REP_FIXED_LEN);
	if (!p)
		return -ENOBUFS;
	p[0] = MIP4_REG_REPLY;
	p[1] = code;
	put_be16(p + 2, lifetime);
	memcpy(p + 4, &home_addr, 4);
	memcpy(p + 8, &home_agent, 4);
	put_be64(p + 12, id);
	return 0;
}

int mip4_put_ext(struct mip4_buf *b, uint8_t type, const void *data, uint8_t len)
{
	if (len && !data)
		return -EINVAL;
	uint8_t *p = buf_room(b, MIP4_EXT_HDR_LEN + (size_t)len);
	if (!p)
		return -ENOBUFS;
	p[0] = type;
	p[1] = len;
	if (len)
		memcpy(p + MIP4_EXT_HDR_LEN, data, len);
	return 0;
}

/* RFC 2794 2 */
int mip4_put_nai(struct mip4_buf *b, const char *nai, size_t len)
{
	if (len == 0 || len > MIP4_NAI_MAX)
		return -EINVAL;
	return mip4_put_ext(b, MIP4_EXT_NAI, nai, (uint8_t)len);
}

/* RFC 5454 2.1 */
int mip4_put_prefix_request(struct mip4_buf *b, uint8_t plen, const struct in6_addr *prefix)
{
	uint8_t d[MIP4_DSMIP_PREFIX_REQ_LEN];

	if (!plen_valid(plen))
		return -EINVAL;
	d[0] = MIP4_DSMIP_PREFIX_REQUEST;
	d[1] = plen;
	memcpy(d + 2, prefix->s6_addr, 16);
	return mip4_put_ext(b, MIP4_EXT_DSMIPV4, d, sizeof(d));
}

/* RFC 5454 2.2 */
int mip4_put_prefix_reply(struct mip4_buf *b, uint8_t code, uint8_t plen,
			  const struct in6_addr *prefix)
{
	uint8_t d[MIP4_DSMIP_PREFIX_REP_LEN];

	if (!plen_valid(plen))
		return -EINVAL;
	d[0] = MIP4_DSMIP_PREFIX_REPLY;
	d[1] = code;
	d[2] = plen;
	d[3] = 0;
	memcpy(d + 4, prefix->s6_addr, 16);
	return mip4_put_ext(b, MIP4_EXT_DSMIPV4, d, sizeof(d));
}

/* RFC 5454 2.3 */
int mip4_put_tunnel_mode(struct mip4_buf *b)
{
	static const uint8_t d[MIP4_DSMIP_TUNNEL_MODE_LEN] = { MIP4_DSMIP_TUNNEL_MODE, 0 };

	return mip4_put_ext(b, MIP4_EXT_DSMIPV4, d, sizeof(d));
}

/* RFC 3519 3.1 */
int mip4_put_udp_tun_request(struct mip4_buf *b, uint8_t flags, uint8_t encap)
{
	uint8_t d[MIP4_UDP_TUN_LEN] = { MIP4_UDP_TUN_SUBTYPE, 0, 0, 0, 0, 0 };

	if (flags & ~MIP4_UDP_TUN_REQ_FLAGS)
		return -EINVAL;
	d[2] = flags;
	d[3] = encap;
	return mip4_put_ext(b, MIP4_EXT_UDP_TUN_REQUEST, d, sizeof(d));
}

/* RFC 3519 3.2 */
int mip4_put_udp_tun_reply(struct mip4_buf *b, uint8_t flags, uint8_t code, uint16_t keepalive)
{
	uint8_t d[MIP4_UDP_TUN_LEN] = { MIP4_UDP_TUN_SUBTYPE, 0, 0, 0, 0, 0 };

	if (flags & ~MIP4_UDP_TUN_REP_FLAGS)
		return -EINVAL;
	d[1] = code;
	d[2] = flags;
	put_be16(d + 4, keepalive);
	return mip4_put_ext(b, MIP4_EXT_UDP_TUN_REPLY, d, sizeof(d));
}

/* ---- authentication ------------------------------------------------------- */

/* HMAC-MD5 (RFC 2104) of msg[0..len) with key. */
static int hmac_md5(const uint8_t *msg, size_t len, const uint8_t *key, size_t keylen,
		    uint8_t out[MIP4_AUTH_LEN])
{
	char digest[] = "MD5";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	size_t outlen = 0;
	int r = -EIO;

	if (!key || keylen == 0)
		return -EINVAL;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	if (EVP_MAC_init(ctx, key, keylen, params) != 1 || EVP_MAC_update(ctx, msg, len) != 1 ||
	    EVP_MAC_final(ctx, out, &outlen, MIP4_AUTH_LEN) != 1 || outlen != MIP4_AUTH_LEN)
		goto out;
	r = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

/* RFC 5944 3.5.1: the message, all prior extensions, and this extension's
 * type, length and SPI. */
int mip4_put_auth(struct mip4_buf *b, uint8_t type, uint32_t spi, const uint8_t *key,
		  size_t keylen)
{
	size_t start = b->len;
	uint8_t *p;
	int r;

	if (type != MIP4_EXT_MH_AUTH && type != MIP4_EXT_MF_AUTH && type != MIP4_EXT_FH_AUTH)
		return -EINVAL;
	if (!key || keylen == 0)
		return -EINVAL;
	p = buf_room(b, MIP4_AUTH_HDR_LEN + MIP4_AUTH_LEN);
	if (!p)
		return -ENOBUFS;
	p[0] = type;
	p[1] = MIP4_AUTH_SPI_LEN + MIP4_AUTH_LEN;
	put_be32(p + MIP4_EXT_HDR_LEN, spi);
	r = hmac_md5(b->data, start + MIP4_AUTH_HDR_LEN, key, keylen, p + MIP4_AUTH_HDR_LEN);
	if (r < 0) {
		b->len = start;
		return r;
	}
	return 0;
}

/* The parsed extension a must describe msg: in bounds, with its own type
 * octet, length and authenticator pointer. */
static bool auth_in_msg(const uint8_t *msg, size_t len, const struct mip4_auth *a)
{
	size_t off = a->off;

	if (!a->present || off > len || len - off < MIP4_AUTH_HDR_LEN + (size_t)a->auth_len)
		return false;
	if (msg[off] != MIP4_EXT_MH_AUTH && msg[off] != MIP4_EXT_MF_AUTH &&
	    msg[off] != MIP4_EXT_FH_AUTH)
		return false;
	return msg[off + 1] == MIP4_AUTH_SPI_LEN + a->auth_len &&
	       a->auth == msg + off + MIP4_AUTH_HDR_LEN;
}

int mip4_auth_compute(const uint8_t *msg, size_t len, const struct mip4_auth *a,
		      const uint8_t *key, size_t keylen, uint8_t out[MIP4_AUTH_LEN])
{
	if (!auth_in_msg(msg, len, a))
		return -EBADMSG;
	return hmac_md5(msg, (size_t)a->off + MIP4_AUTH_HDR_LEN, key, keylen, out);
}

int mip4_auth_verify(const uint8_t *msg, size_t len, const struct mip4_auth *a,
		     const uint8_t *key, size_t keylen)
{
	uint8_t expect[MIP4_AUTH_LEN];
	int r;

	if (!a->present || a->auth_len != MIP4_AUTH_LEN)
		return -EBADMSG;
	r = mip4_auth_compute(msg, len, a, key, keylen, expect);
	if (r < 0)
		return r;
	if (CRYPTO_memcmp(expect, a->auth, MIP4_AUTH_LEN) != 0)
		return -EPERM;
	return 0;
}

/* ---- identification (RFC 5944 5.7.1, NTP timestamps RFC 5905 6) ---------- */

uint64_t mip4_ntp_time(int64_t unix_sec, uint32_t nsec)
{
	/* modulo 2^32: era 0 until 2036, then the count wraps (RFC 5905 6) */
	uint32_t sec = (uint32_t)((uint64_t)unix_sec + (uint64_t)NTP_UNIX_OFFSET +
				  nsec / NSEC_PER_SEC);

	nsec %= NSEC_PER_SEC;
	uint32_t frac = (uint32_t)(((uint64_t)nsec << 32) / NSEC_PER_SEC);
	return (uint64_t)sec << 32 | frac;
}

int64_t mip4_ntp_to_unix(uint64_t ntp)
{
	return (int64_t)(ntp >> 32) - NTP_UNIX_OFFSET;
}
