/* DHCPv6 wire codec (RFC 8415) and the DSTM IPv4 Global Address option
 * (draft-ietf-ngtrans-dstm-04 6.1).  See dhcp6.h for the contract. */
#include "wire/dhcp6.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/util.h"

#define DHCP6_OPT_HDR_LEN 4
#define DHCP6_IA_NA_HDR_LEN 12       /* RFC 8415 21.4: IAID, T1, T2 */
#define DHCP6_IA_TA_HDR_LEN 4        /* RFC 8415 21.5: IAID */
#define DHCP6_IAADDR_LEN 24          /* RFC 8415 21.6: address, lifetimes */
#define DHCP6_RKAP_INFO_LEN (1 + DHCP6_RECONF_KEY_LEN)

int dhcp6_opt_next(const uint8_t *buf, size_t len, size_t *off, struct dhcp6_opt *opt)
{
	size_t o = *off;

	if (o == len)
		return 0;
	if (o > len || len - o < DHCP6_OPT_HDR_LEN)
		return -EBADMSG;
	uint16_t olen = get_be16(buf + o + 2);
	if (olen > len - o - DHCP6_OPT_HDR_LEN)
		return -EBADMSG;
	opt->code = get_be16(buf + o);
	opt->len = olen;
	opt->data = buf + o + DHCP6_OPT_HDR_LEN;
	*off = o + DHCP6_OPT_HDR_LEN + olen;
	return 1;
}

/* ---- decoder ------------------------------------------------------------ */

/* RFC 8415 21.13: status-code (2 octets) then a UTF-8 message. */
static int parse_status(const struct dhcp6_opt *o, uint16_t *status)
{
	if (o->len < 2)
		return -EBADMSG;
	*status = get_be16(o->data);
	return 0;
}

/* RFC 8415 21.6: IA Address option, sub-options may carry a status. */
static int parse_iaaddr(const struct dhcp6_opt *o, struct dhcp6_iaaddr *a)
{
	struct dhcp6_opt sub;
	size_t off = DHCP6_IAADDR_LEN;
	int r;

	if (o->len < DHCP6_IAADDR_LEN)
		return -EBADMSG;
	memset(a, 0, sizeof(*a));
	memcpy(a->addr.s6_addr, o->data, 16);
	a->preferred = get_be32(o->data + 16);
	a->valid = get_be32(o->data + 20);
	while ((r = dhcp6_opt_next(o->data, o->len, &off, &sub)) > 0) {
		if (sub.code != DHCP6_OPT_STATUS_CODE)
			continue;
		r = parse_status(&sub, &a->status);
		if (r < 0)
			return r;
		a->has_status = true;
	}
	return r;
}

/* RFC 8415 21.4 (IA_NA) and 21.5 (IA_TA). */
static int parse_ia(const struct dhcp6_opt *o, struct dhcp6_ia *ia)
{
	struct dhcp6_opt sub;
	size_t off;
	int r;

	memset(ia, 0, sizeof(*ia));
	ia->type = o->code;
	if (o->code == DHCP6_OPT_IA_NA) {
		if (o->len < DHCP6_IA_NA_HDR_LEN)
			return -EBADMSG;
		ia->t1 = get_be32(o->data + 4);
		ia->t2 = get_be32(o->data + 8);
		off = DHCP6_IA_NA_HDR_LEN;
	} else {
		if (o->len < DHCP6_IA_TA_HDR_LEN)
			return -EBADMSG;
		off = DHCP6_IA_TA_HDR_LEN;
	}
	ia->iaid = get_be32(o->data);
	while ((r = dhcp6_opt_next(o->data, o->len, &off, &sub)) > 0) {
		switch (sub.code) {
		case DHCP6_OPT_IAADDR:
			if (ia->n_addrs >= DHCP6_MAX_IA_ADDRS)
				return -EBADMSG;
			r = parse_iaaddr(&sub, &ia->addrs[ia->n_addrs]);
			if (r < 0)
				return r;
			ia->n_addrs++;
			break;
		case DHCP6_OPT_STATUS_CODE:
			r = parse_status(&sub, &ia->status);
			if (r < 0)
				return r;
			ia->has_status = true;
			break;
		default:
			break;
		}
	}
	return r;
}

/* RFC 8415 11.1: a DUID is at most 128 octets plus its 2-octet type. */
static int parse_duid(const struct dhcp6_opt *o, struct dhcp6_duid *d)
{
	if (d->len != 0)
		return -EBADMSG;     /* RFC 8415 16: at most one of each */
	if (o->len < 1 || o->len > DHCP6_DUID_MAX)
		return -EBADMSG;
	memcpy(d->data, o->data, o->len);
	d->len = (uint8_t)o->len;
	return 0;
}

/* RFC 8415 21.11: protocol, algorithm, RDM, replay detection, info. */
static int parse_auth(const uint8_t *msg, const struct dhcp6_opt *o, struct dhcp6_auth *a)
{
	if (o->len < DHCP6_AUTH_HDR_LEN)
		return -EBADMSG;
	a->protocol = o->data[0];
	a->algorithm = o->data[1];
	a->rdm = o->data[2];
	a->replay = get_be64(o->data + 3);
	a->info = o->data + DHCP6_AUTH_HDR_LEN;
	a->info_len = (uint16_t)(o->len - DHCP6_AUTH_HDR_LEN);
	a->info_off = (size_t)(a->info - msg);
	return 0;
}

static int expect_len(const struct dhcp6_opt *o, uint16_t len)
{
	return o->len == len ? 0 : -EBADMSG;
}

static int parse_opt(const uint8_t *buf, const struct dhcp6_opt *o, struct dhcp6_msg *m)
{
	int r;

	switch (o->code) {
	case DHCP6_OPT_CLIENTID:
		return parse_duid(o, &m->clientid);
	case DHCP6_OPT_SERVERID:
		return parse_duid(o, &m->serverid);
	case DHCP6_OPT_IA_NA:
	case DHCP6_OPT_IA_TA:
		if (m->n_ia >= DHCP6_MAX_IAS)
			return -EBADMSG;
		r = parse_ia(o, &m->ia[m->n_ia]);
		if (r < 0)
			return r;
		m->n_ia++;
		return 0;
	case DHCP6_OPT_ORO:
		/* RFC 8415 21.7: a list of 2-octet option codes */
		if (o->len % 2 != 0 || o->len / 2 > DHCP6_MAX_ORO - m->n_oro)
			return -EBADMSG;
		for (size_t i = 0; i < o->len; i += 2)
			m->oro[m->n_oro++] = get_be16(o->data + i);
		return 0;
	case DHCP6_OPT_PREFERENCE:
		r = expect_len(o, 1);
		if (r < 0)
			return r;
		m->has_preference = true;
		m->preference = o->data[0];
		return 0;
	case DHCP6_OPT_ELAPSED_TIME:
		r = expect_len(o, 2);
		if (r < 0)
			return r;
		m->has_elapsed = true;
		m->elapsed = get_be16(o->data);
		return 0;
	case DHCP6_OPT_AUTH:
		/* only one digest can be verified; two options are ambiguous */
		if (m->has_auth)
			return -EBADMSG;
		r = parse_auth(buf, o, &m->auth);
		if (r < 0)
			return r;
		m->has_auth = true;
		return 0;
	case DHCP6_OPT_UNICAST:
		r = expect_len(o, 16);
		if (r < 0)
			return r;
		m->has_unicast = true;
		memcpy(m->unicast.s6_addr, o->data, 16);
		return 0;
	case DHCP6_OPT_STATUS_CODE:
		r = parse_status(o, &m->status);
		if (r < 0)
			return r;
		m->has_status = true;
		m->status_msg = o->data + 2;
		m->status_msg_len = (uint16_t)(o->len - 2);
		return 0;
	case DHCP6_OPT_RAPID_COMMIT:
		r = expect_len(o, 0);
		if (r < 0)
			return r;
		m->rapid_commit = true;
		return 0;
	case DHCP6_OPT_RECONF_MSG:
		r = expect_len(o, 1);
		if (r < 0)
			return r;
		m->has_reconf_msg = true;
		m->reconf_msg = o->data[0];
		return 0;
	case DHCP6_OPT_RECONF_ACCEPT:
		r = expect_len(o, 0);
		if (r < 0)
			return r;
		m->reconf_accept = true;
		return 0;
	default:
		return 0;            /* RFC 8415 16: unknown options are ignored */
	}
}

int dhcp6_msg_parse(const uint8_t *buf, size_t len, uint16_t ipv4_code,
		    struct dhcp6_msg *m)
{
	struct dhcp6_opt o;
	size_t off = DHCP6_MSG_HDR_LEN;
	/* dstm-04 6.1: a pending IPv4 Global Address option (0 = none, 1 = no
	 * TEP, 2 = with TEP) waiting for the option that follows it */
	int pending = 0;
	struct in6_addr tep;
	int r;

	memset(m, 0, sizeof(*m));
	memset(&tep, 0, sizeof(tep));
	if (len < DHCP6_MSG_HDR_LEN)
		return -EBADMSG;
	m->type = buf[0];
	/* RFC 8415 9: relay messages have their own format */
	if (m->type == DHCP6_RELAY_FORW || m->type == DHCP6_RELAY_REPL)
		return -EBADMSG;
	m->xid = (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];

	while ((r = dhcp6_opt_next(buf, len, &off, &o)) > 0) {
		if (ipv4_code != 0 && o.code == ipv4_code) {
			if (o.len != 0 && o.len != 16)
				return -EBADMSG;
			if (pending)
				m->ipv4_dangling = true;
			pending = o.len == 16 ? 2 : 1;
			if (o.len == 16)
				memcpy(tep.s6_addr, o.data, 16);
			continue;
		}
		r = parse_opt(buf, &o, m);
		if (r < 0)
			return r;
		if (!pending)
			continue;
		/* dstm-04 6.1: "MUST only apply to the IA following it" */
		if (o.code == DHCP6_OPT_IA_NA || o.code == DHCP6_OPT_IA_TA) {
			struct dhcp6_ia *ia = &m->ia[m->n_ia - 1];
			ia->ipv4 = true;
			ia->has_tep = pending == 2;
			if (ia->has_tep)
				ia->tep = tep;
		} else {
			m->ipv4_dangling = true;
		}
		pending = 0;
	}
	if (r < 0)
		return r;
	if (pending)
		m->ipv4_dangling = true;
	return 0;
}

/* RFC 8415 9: msg-type, hop-count, link-address, peer-address, options. */
int dhcp6_relay_parse(const uint8_t *buf, size_t len, struct dhcp6_relay *rl)
{
	struct dhcp6_opt o;
	size_t off = DHCP6_RELAY_HDR_LEN;
	bool has_msg = false, has_ifid = false;
	int r;

	memset(rl, 0, sizeof(*rl));
	if (len < DHCP6_RELAY_HDR_LEN)
		return -EBADMSG;
	if (buf[0] != DHCP6_RELAY_FORW && buf[0] != DHCP6_RELAY_REPL)
		return -EBADMSG;
	rl->type = buf[0];
	rl->hop_count = buf[1];
	memcpy(rl->link.s6_addr, buf + 2, 16);
	memcpy(rl->peer.s6_addr, buf + 18, 16);

	while ((r = dhcp6_opt_next(buf, len, &off, &o)) > 0) {
		switch (o.code) {
		case DHCP6_OPT_RELAY_MSG:
			/* RFC 8415 21.10: exactly one relayed message */
			if (has_msg || o.len == 0)
				return -EBADMSG;
			has_msg = true;
			rl->relay_msg = o.data;
			rl->relay_msg_len = o.len;
			break;
		case DHCP6_OPT_INTERFACE_ID:
			if (has_ifid)
				return -EBADMSG;
			has_ifid = true;
			rl->interface_id = o.data;
			rl->interface_id_len = o.len;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return r;
	return has_msg ? 0 : -EBADMSG;
}

/* ---- encoder ------------------------------------------------------------ */

static bool buf_room(const struct dhcp6_buf *b, size_t n)
{
	return b->len <= b->cap && n <= b->cap - b->len;
}

int dhcp6_put_raw(struct dhcp6_buf *b, const void *data, size_t len)
{
	if (!buf_room(b, len))
		return -ENOBUFS;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

/* Option header plus len octets of value; the value must fit the 16-bit
 * length.  Checked before anything is written. */
static int put_opt_hdr(struct dhcp6_buf *b, uint16_t code, size_t len)
{
	if (len > UINT16_MAX)
		return -EINVAL;
	if (!buf_room(b, DHCP6_OPT_HDR_LEN + len))
		return -ENOBUFS;
	put_be16(b->data + b->len, code);
	put_be16(b->data + b->len + 2, (uint16_t)len);
	b->len += DHCP6_OPT_HDR_LEN;
	return 0;
}

int dhcp6_put_msg_hdr(struct dhcp6_buf *b, uint8_t type, uint32_t xid)
{
	uint8_t h[DHCP6_MSG_HDR_LEN];

	if (xid > 0xffffff)
		return -EINVAL;
	h[0] = type;
	h[1] = (uint8_t)(xid >> 16);
	h[2] = (uint8_t)(xid >> 8);
	h[3] = (uint8_t)xid;
	return dhcp6_put_raw(b, h, sizeof(h));
}

int dhcp6_put_relay_hdr(struct dhcp6_buf *b, uint8_t type, uint8_t hop_count,
			const struct in6_addr *link, const struct in6_addr *peer)
{
	uint8_t h[DHCP6_RELAY_HDR_LEN];

	h[0] = type;
	h[1] = hop_count;
	memcpy(h + 2, link->s6_addr, 16);
	memcpy(h + 18, peer->s6_addr, 16);
	return dhcp6_put_raw(b, h, sizeof(h));
}

int dhcp6_put_opt(struct dhcp6_buf *b, uint16_t code, const void *data, uint16_t len)
{
	int r = put_opt_hdr(b, code, len);
	if (r < 0)
		return r;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int dhcp6_put_opt_u8(struct dhcp6_buf *b, uint16_t code, uint8_t v)
{
	return dhcp6_put_opt(b, code, &v, 1);
}

int dhcp6_put_opt_u16(struct dhcp6_buf *b, uint16_t code, uint16_t v)
{
	uint8_t d[2];
	put_be16(d, v);
	return dhcp6_put_opt(b, code, d, sizeof(d));
}

int dhcp6_put_opt_u32(struct dhcp6_buf *b, uint16_t code, uint32_t v)
{
	uint8_t d[4];
	put_be32(d, v);
	return dhcp6_put_opt(b, code, d, sizeof(d));
}

int dhcp6_opt_begin(struct dhcp6_buf *b, uint16_t code, size_t *mark)
{
	size_t at = b->len;
	int r = put_opt_hdr(b, code, 0);
	if (r < 0)
		return r;
	*mark = at;
	return 0;
}

int dhcp6_opt_end(struct dhcp6_buf *b, size_t mark)
{
	if (mark > b->len || b->len - mark < DHCP6_OPT_HDR_LEN || b->len > b->cap)
		return -EINVAL;
	size_t len = b->len - mark - DHCP6_OPT_HDR_LEN;
	if (len > UINT16_MAX)
		return -EMSGSIZE;
	put_be16(b->data + mark + 2, (uint16_t)len);
	return 0;
}

/* RFC 8415 21.13 */
int dhcp6_put_status(struct dhcp6_buf *b, uint16_t status, const char *msg)
{
	size_t mlen = msg ? strlen(msg) : 0;
	int r;

	if (mlen > UINT16_MAX - 2)
		return -EINVAL;
	r = put_opt_hdr(b, DHCP6_OPT_STATUS_CODE, 2 + mlen);
	if (r < 0)
		return r;
	put_be16(b->data + b->len, status);
	if (mlen > 0)
		memcpy(b->data + b->len + 2, msg, mlen);
	b->len += 2 + mlen;
	return 0;
}

int dhcp6_put_duid(struct dhcp6_buf *b, uint16_t code, const struct dhcp6_duid *d)
{
	if (d->len < 1 || d->len > DHCP6_DUID_MAX)
		return -EINVAL;
	return dhcp6_put_opt(b, code, d->data, d->len);
}

/* RFC 8415 21.4 / 21.5: IA_TA has no T1/T2. */
int dhcp6_put_ia_begin(struct dhcp6_buf *b, uint16_t type, uint32_t iaid,
		       uint32_t t1, uint32_t t2, size_t *mark)
{
	size_t hlen;
	uint8_t *p;

	if (type == DHCP6_OPT_IA_NA)
		hlen = DHCP6_IA_NA_HDR_LEN;
	else if (type == DHCP6_OPT_IA_TA)
		hlen = DHCP6_IA_TA_HDR_LEN;
	else
		return -EINVAL;
	if (!buf_room(b, DHCP6_OPT_HDR_LEN + hlen))
		return -ENOBUFS;
	*mark = b->len;
	p = b->data + b->len;
	put_be16(p, type);
	put_be16(p + 2, (uint16_t)hlen);
	put_be32(p + 4, iaid);
	if (type == DHCP6_OPT_IA_NA) {
		put_be32(p + 8, t1);
		put_be32(p + 12, t2);
	}
	b->len += DHCP6_OPT_HDR_LEN + hlen;
	return 0;
}

/* RFC 8415 21.6, with an optional Status Code sub-option. */
int dhcp6_put_iaaddr(struct dhcp6_buf *b, const struct in6_addr *a, uint32_t preferred,
		     uint32_t valid, int status, const char *status_msg)
{
	size_t mlen = status >= 0 && status_msg ? strlen(status_msg) : 0;
	size_t slen = status >= 0 ? DHCP6_OPT_HDR_LEN + 2 + mlen : 0;
	size_t start = b->len;
	uint8_t *p;
	int r;

	if (status > UINT16_MAX || DHCP6_IAADDR_LEN + slen > UINT16_MAX)
		return -EINVAL;
	if (!buf_room(b, DHCP6_OPT_HDR_LEN + DHCP6_IAADDR_LEN + slen))
		return -ENOBUFS;
	p = b->data + b->len;
	put_be16(p, DHCP6_OPT_IAADDR);
	put_be16(p + 2, (uint16_t)(DHCP6_IAADDR_LEN + slen));
	memcpy(p + 4, a->s6_addr, 16);
	put_be32(p + 20, preferred);
	put_be32(p + 24, valid);
	b->len += DHCP6_OPT_HDR_LEN + DHCP6_IAADDR_LEN;
	if (status >= 0) {
		r = dhcp6_put_status(b, (uint16_t)status, status_msg);
		if (r < 0) {
			b->len = start;  /* not reached: room checked above */
			return r;
		}
	}
	return 0;
}

/* dstm-04 6.1: length 0 in requests, 16 with a TEP. */
int dhcp6_put_ipv4_global(struct dhcp6_buf *b, uint16_t code, const struct in6_addr *tep)
{
	if (code == 0)
		return -EINVAL;
	return dhcp6_put_opt(b, code, tep ? tep->s6_addr : NULL, tep ? 16 : 0);
}

/* RFC 8415 21.11 and 20.4: protocol 3, algorithm 1 (HMAC-MD5), RDM 0. */
int dhcp6_put_auth_rkap(struct dhcp6_buf *b, uint64_t replay, uint8_t type,
			const uint8_t key_or_zero[DHCP6_RECONF_KEY_LEN], size_t *digest_off)
{
	uint8_t d[DHCP6_AUTH_HDR_LEN + DHCP6_RKAP_INFO_LEN];
	size_t at = b->len + DHCP6_OPT_HDR_LEN + DHCP6_AUTH_HDR_LEN + 1;
	int r;

	if (type != DHCP6_RKAP_TYPE_KEY && type != DHCP6_RKAP_TYPE_HMAC)
		return -EINVAL;
	d[0] = DHCP6_AUTH_PROTO_RECONFIGURE;
	d[1] = DHCP6_AUTH_ALG_HMAC_MD5;
	d[2] = DHCP6_AUTH_RDM_MONOTONIC;
	put_be64(d + 3, replay);
	d[DHCP6_AUTH_HDR_LEN] = type;
	if (type == DHCP6_RKAP_TYPE_KEY && key_or_zero)
		memcpy(d + DHCP6_AUTH_HDR_LEN + 1, key_or_zero, DHCP6_RECONF_KEY_LEN);
	else
		memset(d + DHCP6_AUTH_HDR_LEN + 1, 0, DHCP6_RECONF_KEY_LEN);
	r = dhcp6_put_opt(b, DHCP6_OPT_AUTH, d, sizeof(d));
	if (r < 0)
		return r;
	if (digest_off)
		*digest_off = at;
	return 0;
}

/* ---- reconfigure key authentication (RFC 8415 20.4) ---------------------- */

/* HMAC-MD5 of msg with the 16 octets at zoff replaced by zeros, computed in
 * three pieces so that msg is never modified. */
static int hmac_md5_zeroed(const uint8_t *msg, size_t len, size_t zoff,
			   const uint8_t key[DHCP6_RECONF_KEY_LEN],
			   uint8_t out[DHCP6_RECONF_KEY_LEN])
{
	static const uint8_t zero[DHCP6_RECONF_KEY_LEN];
	char digest[] = "MD5";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	size_t outlen = 0;
	int r = -EIO;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	if (EVP_MAC_init(ctx, key, DHCP6_RECONF_KEY_LEN, params) != 1 ||
	    EVP_MAC_update(ctx, msg, zoff) != 1 ||
	    EVP_MAC_update(ctx, zero, sizeof(zero)) != 1 ||
	    EVP_MAC_update(ctx, msg + zoff + DHCP6_RECONF_KEY_LEN,
			   len - zoff - DHCP6_RECONF_KEY_LEN) != 1 ||
	    EVP_MAC_final(ctx, out, &outlen, DHCP6_RECONF_KEY_LEN) != 1 ||
	    outlen != DHCP6_RECONF_KEY_LEN)
		goto out;
	r = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

int dhcp6_auth_sign(uint8_t *msg, size_t len, size_t digest_off,
		    const uint8_t key[DHCP6_RECONF_KEY_LEN])
{
	uint8_t digest[DHCP6_RECONF_KEY_LEN];
	int r;

	if (digest_off > len || len - digest_off < DHCP6_RECONF_KEY_LEN)
		return -EINVAL;
	r = hmac_md5_zeroed(msg, len, digest_off, key, digest);
	if (r < 0)
		return r;
	memcpy(msg + digest_off, digest, sizeof(digest));
	return 0;
}

int dhcp6_auth_verify(const uint8_t *msg, size_t len, const struct dhcp6_auth *a,
		      const uint8_t key[DHCP6_RECONF_KEY_LEN])
{
	uint8_t digest[DHCP6_RECONF_KEY_LEN];
	size_t doff;
	int r;

	if (a->protocol != DHCP6_AUTH_PROTO_RECONFIGURE ||
	    a->algorithm != DHCP6_AUTH_ALG_HMAC_MD5 ||
	    a->rdm != DHCP6_AUTH_RDM_MONOTONIC ||
	    a->info_len != DHCP6_RKAP_INFO_LEN)
		return -EBADMSG;
	/* the parsed option must describe this very buffer */
	if (a->info_off > len || len - a->info_off < DHCP6_RKAP_INFO_LEN ||
	    a->info != msg + a->info_off)
		return -EBADMSG;
	if (a->info[0] != DHCP6_RKAP_TYPE_HMAC)
		return -EBADMSG;
	doff = a->info_off + 1;
	r = hmac_md5_zeroed(msg, len, doff, key, digest);
	if (r < 0)
		return r;
	if (CRYPTO_memcmp(digest, msg + doff, sizeof(digest)) != 0)
		return -EPERM;
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

/* RFC 8415 7.3 */
const char *dhcp6_msg_name(uint8_t type)
{
	static const char *const names[] = {
		[DHCP6_SOLICIT] = "SOLICIT",
		[DHCP6_ADVERTISE] = "ADVERTISE",
		[DHCP6_REQUEST] = "REQUEST",
		[DHCP6_CONFIRM] = "CONFIRM",
		[DHCP6_RENEW] = "RENEW",
		[DHCP6_REBIND] = "REBIND",
		[DHCP6_REPLY] = "REPLY",
		[DHCP6_RELEASE] = "RELEASE",
		[DHCP6_DECLINE] = "DECLINE",
		[DHCP6_RECONFIGURE] = "RECONFIGURE",
		[DHCP6_INFORMATION_REQUEST] = "INFORMATION-REQUEST",
		[DHCP6_RELAY_FORW] = "RELAY-FORW",
		[DHCP6_RELAY_REPL] = "RELAY-REPL",
	};
	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "UNKNOWN";
}

/* RFC 8415 21.13 */
const char *dhcp6_status_name(uint16_t status)
{
	static const char *const names[] = {
		[DHCP6_STATUS_SUCCESS] = "Success",
		[DHCP6_STATUS_UNSPECFAIL] = "UnspecFail",
		[DHCP6_STATUS_NOADDRSAVAIL] = "NoAddrsAvail",
		[DHCP6_STATUS_NOBINDING] = "NoBinding",
		[DHCP6_STATUS_NOTONLINK] = "NotOnLink",
		[DHCP6_STATUS_USEMULTICAST] = "UseMulticast",
		[DHCP6_STATUS_NOPREFIXAVAIL] = "NoPrefixAvail",
	};
	if (status < ARRAY_SIZE(names) && names[status])
		return names[status];
	return "UNKNOWN";
}
