/* IPv4-outer tunnel encapsulations: IP in IP, GRE, minimal encapsulation,
 * IPv6 in IPv4, and RFC 6040 ECN decapsulation.  See encap4.h for the
 * contract. */
#include "wire/encap4.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

#define IP4_FLAG_DF 0x4000
#define IP_MAX_LEN 65535

/* RFC 2784 2, RFC 2890 2: C, R, K, S, s, Recur(3), Flags(5), Ver(3) */
#define GRE_HDR_LEN 4
#define GRE_OPT_LEN 4
#define GRE_F_C 0x8000
#define GRE_F_K 0x2000
#define GRE_F_S 0x1000
/* RFC 2784 2.3: bits 1-5 (routing, strict source route, recursion MSB)
 * must be zero; K and S are RFC 2890's; bits 6-12 are ignored */
#define GRE_F_MUST_BE_ZERO 0x4c00
#define GRE_VER_MASK 0x0007

/* RFC 2004 3 */
#define MIN_FWD_LEN 8
#define MIN_FWD_LEN_S 12
#define MIN_FWD_S 0x80

/* RFC 3168 5 codepoints */
#define ECN_NOT_ECT 0
#define ECN_ECT1 1
#define ECN_ECT0 2
#define ECN_CE 3
#define ECN_MASK 3

static int drop(enum ip_drop *why, enum ip_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

const char *encap4_kind_name(enum encap4_kind k)
{
	switch (k) {
	case ENCAP4_NONE:
		return "none";
	case ENCAP4_IPIP:
		return "ipip";
	case ENCAP4_GRE:
		return "gre";
	case ENCAP4_MINIMAL:
		return "minimal";
	case ENCAP4_6IN4:
		return "6in4";
	}
	return "unknown";
}

/* ---- encapsulation ------------------------------------------------------------ */

struct inner_info {
	uint8_t family;
	uint8_t tos;                 /* IPv4 TOS or IPv6 traffic class */
	bool df;
	struct ip4_view v4;
};

/* The inner packet must be one whole valid IPv4 or IPv6 packet. */
static int inner_check(const uint8_t *inner, size_t len, struct inner_info *in)
{
	struct ip6_view v6;

	memset(in, 0, sizeof(*in));
	if (len < 1)
		return -EINVAL;
	in->family = inner[0] >> 4;
	if (in->family == 4) {
		if (ip4_parse(inner, len, &in->v4, NULL) < 0 || in->v4.total_len != len)
			return -EINVAL;
		in->tos = in->v4.tos;
		in->df = in->v4.df;
	} else if (in->family == 6) {
		if (ip6_parse(inner, len, &v6, NULL) < 0 ||
		    (size_t)IP6_HDR_LEN + v6.payload_len != len)
			return -EINVAL;
		in->tos = v6.tclass;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* RFC 2003 3.1, RFC 4213 3.5: a 20-octet header, no options */
static void outer_build(uint8_t *h, const struct encap4_tunnel *t, uint8_t tos, bool df,
			uint8_t proto, size_t total)
{
	h[0] = 0x45;
	h[1] = tos;
	put_be16(h + 2, (uint16_t)total);
	put_be16(h + 4, t->id);
	put_be16(h + 6, df ? IP4_FLAG_DF : 0);
	h[8] = t->ttl;
	h[9] = proto;
	put_be16(h + 10, 0);
	memcpy(h + 12, &t->src, 4);
	memcpy(h + 16, &t->dst, 4);
	ip4_hdr_csum_set(h, IP4_HDR_LEN);
}

/* RFC 2004 3: rewrite the original header in place and insert the minimal
 * forwarding header between it and the payload. */
static int minimal_encap(const struct encap4_tunnel *t, const struct inner_info *in,
			 uint8_t *inner, size_t inner_len, size_t headroom, uint8_t **out)
{
	uint8_t orig[IP4_HDR_LEN];

	if (in->family != 4 || in->v4.hdr_len != IP4_HDR_LEN || in->v4.mf || in->v4.frag_off)
		return -EINVAL;
	/* S: the encapsulator is not the original source */
	bool s = memcmp(inner + 12, &t->src, 4) != 0;
	size_t flen = s ? MIN_FWD_LEN_S : MIN_FWD_LEN, total = inner_len + flen;
	if (total > IP_MAX_LEN)
		return -EMSGSIZE;
	if (headroom < flen)
		return -ENOBUFS;

	memcpy(orig, inner, IP4_HDR_LEN);
	uint8_t *p = inner - flen, *f = p + IP4_HDR_LEN;
	/* the modified header keeps TOS, ID, flags and TTL */
	memcpy(p, orig, IP4_HDR_LEN);
	put_be16(p + 2, (uint16_t)total);
	p[9] = ENCAP4_PROTO_MINIMAL;
	memcpy(p + 12, &t->src, 4);
	memcpy(p + 16, &t->dst, 4);
	ip4_hdr_csum_set(p, IP4_HDR_LEN);

	f[0] = orig[9];
	f[1] = s ? MIN_FWD_S : 0;
	put_be16(f + 2, 0);
	memcpy(f + 4, orig + 16, 4);
	if (s)
		memcpy(f + 8, orig + 12, 4);
	put_be16(f + 2, ip_csum(f, flen));
	*out = p;
	return (int)total;
}

int encap4_encap(const struct encap4_tunnel *t, enum encap4_kind kind, uint8_t *inner,
		 size_t inner_len, size_t headroom, uint8_t **out)
{
	struct inner_info in;
	size_t hlen = IP4_HDR_LEN;
	uint8_t proto;
	int r;

	r = inner_check(inner, inner_len, &in);
	if (r < 0)
		return r;
	switch (kind) {
	case ENCAP4_IPIP:
		if (in.family != 4)
			return -EINVAL;
		proto = IPPROTO_IPIP;
		break;
	case ENCAP4_6IN4:
		if (in.family != 6)
			return -EINVAL;
		proto = IPPROTO_IPV6;
		break;
	case ENCAP4_GRE:
		hlen += GRE_HDR_LEN + (t->has_key ? GRE_OPT_LEN : 0);
		proto = IPPROTO_GRE;
		break;
	case ENCAP4_MINIMAL:
		return minimal_encap(t, &in, inner, inner_len, headroom, out);
	default:
		return -EINVAL;
	}
	if (t->ttl == 0)
		return -EINVAL;
	size_t total = hlen + inner_len;
	if (total > IP_MAX_LEN)
		return -EMSGSIZE;
	if (headroom < hlen)
		return -ENOBUFS;

	uint8_t *p = inner - hlen;
	/* RFC 2003 3.1: TOS and DF copied; RFC 4213 3.2.1: DF clear for
	 * IPv6 (static tunnel MTU); RFC 6040 4.1 normal mode: ECN copied */
	outer_build(p, t, in.tos, in.family == 4 && in.df, proto, total);
	if (kind == ENCAP4_GRE) {
		/* RFC 2784 2: no checksum (C = 0), version 0; RFC 2890 2.1 key */
		uint8_t *g = p + IP4_HDR_LEN;
		put_be16(g, t->has_key ? GRE_F_K : 0);
		put_be16(g + 2, in.family == 4 ? GRE_PROTO_IPV4 : GRE_PROTO_IPV6);
		if (t->has_key)
			put_be32(g + GRE_HDR_LEN, t->key);
	}
	*out = p;
	return (int)total;
}

/* ---- decapsulation ------------------------------------------------------------ */

/* RFC 2784 2, 2.3; RFC 2890 2 */
static int gre_decap(struct encap4_view *v, uint8_t *g, size_t len, uint8_t *family,
		     size_t *off, enum ip_drop *why)
{
	if (len < GRE_HDR_LEN)
		return drop(why, IP_DROP_BAD_GRE, -EBADMSG);
	uint16_t flags = get_be16(g), type = get_be16(g + 2);
	if ((flags & GRE_F_MUST_BE_ZERO) || (flags & GRE_VER_MASK) != 0)
		return drop(why, IP_DROP_BAD_GRE, -EBADMSG);
	v->gre_has_csum = flags & GRE_F_C;
	v->gre_has_key = flags & GRE_F_K;
	v->gre_has_seq = flags & GRE_F_S;
	size_t hlen = GRE_HDR_LEN + (v->gre_has_csum ? GRE_OPT_LEN : 0) +
		      (v->gre_has_key ? GRE_OPT_LEN : 0) + (v->gre_has_seq ? GRE_OPT_LEN : 0);
	if (len < hlen)
		return drop(why, IP_DROP_BAD_GRE, -EBADMSG);
	/* 2.5: over the GRE header and the payload; Reserved1 is ignored */
	if (v->gre_has_csum && ip_csum(g, len) != 0)
		return drop(why, IP_DROP_BAD_GRE, -EBADMSG);
	size_t p = GRE_HDR_LEN + (v->gre_has_csum ? GRE_OPT_LEN : 0);
	if (v->gre_has_key) {
		v->gre_key = get_be32(g + p);
		p += GRE_OPT_LEN;
	}
	if (v->gre_has_seq)
		v->gre_seq = get_be32(g + p);
	/* 2.4: the protocol type; only IPv4 and IPv6 are tunnelled here */
	if (type == GRE_PROTO_IPV4)
		*family = 4;
	else if (type == GRE_PROTO_IPV6)
		*family = 6;
	else
		return drop(why, IP_DROP_BAD_GRE, -EBADMSG);
	*off = hlen;
	return 0;
}

/* RFC 2004 3: restore the original header in the octets in front of the
 * payload (the outer header, options included, moves forward over the
 * forwarding header).  Returns the restored packet's start. */
static int minimal_decap(struct encap4_view *v, uint8_t *pkt, uint8_t **start,
			 enum ip_drop *why)
{
	const struct ip4_view *o = &v->outer;
	const uint8_t *f = o->payload;
	uint8_t osrc[4], odst[4];

	if (o->payload_len < MIN_FWD_LEN)
		return drop(why, IP_DROP_BAD_MINIMAL, -EBADMSG);
	bool s = f[1] & MIN_FWD_S;
	size_t flen = s ? MIN_FWD_LEN_S : MIN_FWD_LEN;
	if (o->payload_len < flen || ip_csum(f, flen) != 0)
		return drop(why, IP_DROP_BAD_MINIMAL, -EBADMSG);
	uint8_t proto = f[0];
	memcpy(odst, f + 4, 4);
	/* without S the encapsulator was the original source */
	memcpy(osrc, s ? f + 8 : o->hdr + 12, 4);

	uint8_t *h = pkt + flen;
	memmove(h, pkt, o->hdr_len);
	put_be16(h + 2, (uint16_t)(o->total_len - flen));
	h[9] = proto;
	memcpy(h + 12, osrc, 4);
	memcpy(h + 16, odst, 4);
	ip4_hdr_csum_set(h, o->hdr_len);
	*start = h;
	return 0;
}

int encap4_decap(uint8_t *pkt, size_t len, struct encap4_view *v, enum ip_drop *why)
{
	uint8_t family, *inner;
	size_t off = 0, ilen;
	int r;

	memset(v, 0, sizeof(*v));
	r = ip4_parse(pkt, len, &v->outer, why);
	if (r < 0)
		return r;
	/* the raw socket has reassembled: a fragment here is forged */
	if (v->outer.mf || v->outer.frag_off != 0)
		return drop(why, IP_DROP_FRAGMENT, -EBADMSG);
	inner = pkt + v->outer.hdr_len;
	ilen = v->outer.payload_len;
	switch (v->outer.proto) {
	case IPPROTO_IPIP:
		v->kind = ENCAP4_IPIP;
		family = 4;
		break;
	case IPPROTO_IPV6:
		v->kind = ENCAP4_6IN4;
		family = 6;
		break;
	case IPPROTO_GRE:
		v->kind = ENCAP4_GRE;
		r = gre_decap(v, inner, ilen, &family, &off, why);
		if (r < 0)
			return r;
		inner += off;
		ilen -= off;
		break;
	case ENCAP4_PROTO_MINIMAL:
		v->kind = ENCAP4_MINIMAL;
		family = 4;
		r = minimal_decap(v, pkt, &inner, why);
		if (r < 0)
			return r;
		ilen = (size_t)(v->outer.total_len - (inner - pkt));
		break;
	default:
		return drop(why, IP_DROP_NOT_TUNNEL, -EBADMSG);
	}

	if (ilen < 1)
		return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
	if (inner[0] >> 4 != family)
		return drop(why, IP_DROP_INNER_MISMATCH, -EBADMSG);
	if (family == 4) {
		struct ip4_view iv;
		r = ip4_parse(inner, ilen, &iv, why);
		if (r < 0)
			return r;
		ilen = iv.total_len;
	} else {
		struct ip6_view iv;
		r = ip6_parse(inner, ilen, &iv, why);
		if (r < 0)
			return r;
		/* RFC 4213 3.6: the length is the IPv6 one (the IPv4 packet
		 * may be padded) */
		ilen = IP6_HDR_LEN + (size_t)iv.payload_len;
	}
	v->inner_family = family;
	v->inner = inner;
	v->inner_len = ilen;
	return 0;
}

/* ---- ECN (RFC 6040) ----------------------------------------------------------- */

int encap4_ecn_decap(uint8_t outer_ecn, uint8_t inner_ecn)
{
	uint8_t o = outer_ecn & ECN_MASK, i = inner_ecn & ECN_MASK;

	/* RFC 6040 4.2, figure 4 */
	if (i == ECN_NOT_ECT)
		return o == ECN_CE ? -1 : ECN_NOT_ECT;
	if (i == ECN_CE || o == ECN_CE)
		return ECN_CE;
	if (o == ECN_ECT1)
		return ECN_ECT1;
	return i;
}

int encap4_ecn_apply(uint8_t outer_tos, uint8_t *inner, size_t inner_len)
{
	int e;

	if (inner_len >= IP4_HDR_LEN && inner[0] >> 4 == 4) {
		e = encap4_ecn_decap(outer_tos, inner[1]);
		if (e < 0)
			return -EPROTO;
		if ((inner[1] & ECN_MASK) != e) {
			uint16_t old = get_be16(inner);
			inner[1] = (uint8_t)((inner[1] & ~ECN_MASK) | e);
			put_be16(inner + 10, ip_csum_update16(get_be16(inner + 10), old,
							      get_be16(inner)));
		}
		return 0;
	}
	if (inner_len >= IP6_HDR_LEN && inner[0] >> 4 == 6) {
		/* the traffic class's low two bits are bits 2-3 of octet 1 */
		e = encap4_ecn_decap(outer_tos, (uint8_t)(inner[1] >> 4));
		if (e < 0)
			return -EPROTO;
		inner[1] = (uint8_t)((inner[1] & ~(ECN_MASK << 4)) | e << 4);
		return 0;
	}
	return -EINVAL;
}
