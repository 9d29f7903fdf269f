/* MIP UDP tunnelling (RFC 3519 3.3, 4.2, 4.3, 4.9; RFC 5454 3.9).  See
 * udptun.h for the contract. */
#include "wire/udptun.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "common/util.h"

#define IP4_FLAG_DF 0x4000
#define IP_MAX_LEN 65535
#define KEEPALIVE_TTL 64

static int drop(enum udptun_drop *why, enum udptun_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

const char *udptun_drop_name(enum udptun_drop why)
{
	static const char *const names[UDPTUN_DROP__MAX] = {
		[UDPTUN_DROP_NONE] = "none",
		[UDPTUN_DROP_TRUNCATED] = "truncated",
		[UDPTUN_DROP_NOT_TUNNEL_DATA] = "not-tunnel-data",
		[UDPTUN_DROP_BAD_NEXT_HDR] = "bad-next-hdr",
		[UDPTUN_DROP_BAD_INNER] = "bad-inner",
		[UDPTUN_DROP_INNER_MISMATCH] = "inner-mismatch",
		[UDPTUN_DROP_NEXT_HDR_MISMATCH] = "next-hdr-mismatch",
		[UDPTUN_DROP_BAD_OUTER] = "bad-outer",
		[UDPTUN_DROP_FRAGMENT] = "fragment",
		[UDPTUN_DROP_NOT_UDP] = "not-udp",
		[UDPTUN_DROP_BAD_UDP_LEN] = "bad-udp-len",
		[UDPTUN_DROP_BAD_UDP_CSUM] = "bad-udp-csum",
		[UDPTUN_DROP_NOT_KEEPALIVE] = "not-keepalive",
		[UDPTUN_DROP_BAD_KEEPALIVE] = "bad-keepalive",
	};
	if ((unsigned)why < UDPTUN_DROP__MAX && names[why])
		return names[why];
	return "unknown";
}

static bool next_hdr_known(uint8_t nh)
{
	return nh == UDPTUN_NH_IPV4 || nh == UDPTUN_NH_IPV6 || nh == UDPTUN_NH_GRE ||
	       nh == UDPTUN_NH_MINIMAL;
}

/* ---- parsing ------------------------------------------------------------------ */

static int parse_msg(const uint8_t *msg, size_t len, struct udptun_view *v,
		     enum udptun_drop *why)
{
	struct ip4_view v4;
	struct ip6_view v6;

	if (len < 1)
		return drop(why, UDPTUN_DROP_TRUNCATED, -EBADMSG);
	if (msg[0] != UDPTUN_TYPE)
		return drop(why, UDPTUN_DROP_NOT_TUNNEL_DATA, -ENOMSG);
	if (len <= UDPTUN_HDR_LEN)
		return drop(why, UDPTUN_DROP_TRUNCATED, -EBADMSG);
	v->next_hdr = msg[1];
	v->reserved = get_be16(msg + 2);
	v->inner = msg + UDPTUN_HDR_LEN;
	v->inner_len = len - UDPTUN_HDR_LEN;
	if (!next_hdr_known(v->next_hdr))
		return drop(why, UDPTUN_DROP_BAD_NEXT_HDR, -EBADMSG);

	uint8_t ver = v->inner[0] >> 4;
	if (v->next_hdr == UDPTUN_NH_IPV4) {
		if (ver != 4)
			return drop(why, UDPTUN_DROP_INNER_MISMATCH, -EBADMSG);
		if (ip4_parse(v->inner, v->inner_len, &v4, &v->ip_why) < 0)
			return drop(why, UDPTUN_DROP_BAD_INNER, -EBADMSG);
		v->inner_len = v4.total_len;
	} else if (v->next_hdr == UDPTUN_NH_IPV6) {
		if (ver != 6)
			return drop(why, UDPTUN_DROP_INNER_MISMATCH, -EBADMSG);
		if (ip6_parse(v->inner, v->inner_len, &v6, &v->ip_why) < 0)
			return drop(why, UDPTUN_DROP_BAD_INNER, -EBADMSG);
		v->inner_len = IP6_HDR_LEN + (size_t)v6.payload_len;
	}
	return drop(why, UDPTUN_DROP_NONE, 0);
}

int udptun_parse(const uint8_t *msg, size_t len, struct udptun_view *v, enum udptun_drop *why)
{
	memset(v, 0, sizeof(*v));
	return parse_msg(msg, len, v, why);
}

int udptun_decap(const uint8_t *pkt, size_t len, struct udptun_view *v, enum udptun_drop *why)
{
	memset(v, 0, sizeof(*v));
	if (ip4_parse(pkt, len, &v->outer, &v->ip_why) < 0)
		return drop(why, UDPTUN_DROP_BAD_OUTER, -EBADMSG);
	/* RFC 3519 4.8: fragmentation is done before encapsulation */
	if (v->outer.mf || v->outer.frag_off)
		return drop(why, UDPTUN_DROP_FRAGMENT, -EBADMSG);
	if (v->outer.proto != IPPROTO_UDP)
		return drop(why, UDPTUN_DROP_NOT_UDP, -EBADMSG);
	const uint8_t *u = v->outer.payload;
	size_t plen = v->outer.payload_len;
	if (plen < UDPTUN_UDP_HDR_LEN)
		return drop(why, UDPTUN_DROP_BAD_UDP_LEN, -EBADMSG);
	v->sport = get_be16(u);
	v->dport = get_be16(u + 2);
	uint16_t ulen = get_be16(u + 4);
	v->udp_csum = get_be16(u + 6);
	if (ulen < UDPTUN_UDP_HDR_LEN || ulen > plen)
		return drop(why, UDPTUN_DROP_BAD_UDP_LEN, -EBADMSG);
	/* RFC 768: zero means no checksum was computed */
	if (v->udp_csum != 0) {
		uint32_t s = ip_csum_pseudo4(v->outer.src, v->outer.dst, IPPROTO_UDP, ulen);
		if (ip_csum_fold(ip_csum_partial(s, u, ulen)) != 0)
			return drop(why, UDPTUN_DROP_BAD_UDP_CSUM, -EBADMSG);
	}
	return parse_msg(u + UDPTUN_UDP_HDR_LEN, ulen - UDPTUN_UDP_HDR_LEN, v, why);
}

int udptun_check_mode(const struct udptun_view *v, uint8_t encap, bool ipv6,
		      enum udptun_drop *why)
{
	if (v->next_hdr == encap || (ipv6 && v->next_hdr == UDPTUN_NH_IPV6))
		return drop(why, UDPTUN_DROP_NONE, 0);
	return drop(why, UDPTUN_DROP_NEXT_HDR_MISMATCH, -EBADMSG);
}

/* ---- encapsulation ------------------------------------------------------------- */

static void hdr_write(uint8_t *p, uint8_t next_hdr)
{
	/* RFC 3519 3.3: reserved MUST be 0 on sending */
	p[0] = UDPTUN_TYPE;
	p[1] = next_hdr;
	put_be16(p + 2, 0);
}

int udptun_hdr_put(uint8_t next_hdr, uint8_t *inner, size_t inner_len, size_t headroom,
		   uint8_t **out)
{
	if (!next_hdr_known(next_hdr))
		return -EINVAL;
	if (inner_len > IP_MAX_LEN - UDPTUN_HEADROOM)
		return -EMSGSIZE;
	if (headroom < UDPTUN_HDR_LEN)
		return -ENOBUFS;
	uint8_t *p = inner - UDPTUN_HDR_LEN;
	hdr_write(p, next_hdr);
	*out = p;
	return (int)(inner_len + UDPTUN_HDR_LEN);
}

/* The UDP checksum over the pseudo-header and u[0 .. ulen) (RFC 768);
 * addresses in network order. */
static uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *u, uint16_t ulen)
{
	uint32_t s = ip_csum_pseudo4(ntohl(src), ntohl(dst), IPPROTO_UDP, ulen);
	uint16_t c = ip_csum_fold(ip_csum_partial(s, u, ulen));
	return c ? c : 0xffff;
}

int udptun_encap(const struct udptun_tunnel *t, uint8_t *inner, size_t inner_len,
		 size_t headroom, uint8_t **out)
{
	struct ip4_view v4;
	struct ip6_view v6;
	uint8_t nh, tos;
	bool df = false;

	if (t->ttl == 0 || inner_len < 1)
		return -EINVAL;
	if (inner[0] >> 4 == 4) {
		if (ip4_parse(inner, inner_len, &v4, NULL) < 0 || v4.total_len != inner_len)
			return -EINVAL;
		nh = UDPTUN_NH_IPV4;
		tos = v4.tos;
		df = v4.df;
	} else if (inner[0] >> 4 == 6) {
		if (ip6_parse(inner, inner_len, &v6, NULL) < 0 ||
		    (size_t)IP6_HDR_LEN + v6.payload_len != inner_len)
			return -EINVAL;
		nh = UDPTUN_NH_IPV6;
		tos = v6.tclass;
	} else {
		return -EINVAL;
	}
	size_t total = inner_len + UDPTUN_HEADROOM;
	if (total > IP_MAX_LEN)
		return -EMSGSIZE;
	if (headroom < UDPTUN_HEADROOM)
		return -ENOBUFS;

	uint8_t *p = inner - UDPTUN_HEADROOM, *u = p + IP4_HDR_LEN;
	/* RFC 2003 3.1 (kept by RFC 3519 4.2): TOS and DF copied */
	p[0] = 0x45;
	p[1] = tos;
	put_be16(p + 2, (uint16_t)total);
	put_be16(p + 4, t->id);
	put_be16(p + 6, df ? IP4_FLAG_DF : 0);
	p[8] = t->ttl;
	p[9] = IPPROTO_UDP;
	put_be16(p + 10, 0);
	memcpy(p + 12, &t->src, 4);
	memcpy(p + 16, &t->dst, 4);
	ip4_hdr_csum_set(p, IP4_HDR_LEN);

	uint16_t ulen = (uint16_t)(total - IP4_HDR_LEN);
	put_be16(u, t->sport);
	put_be16(u + 2, t->dport);
	put_be16(u + 4, ulen);
	put_be16(u + 6, 0);
	hdr_write(u + UDPTUN_UDP_HDR_LEN, nh);
	if (t->udp_csum)
		put_be16(u + 6, udp_csum(t->src, t->dst, u, ulen));
	*out = p;
	return (int)total;
}

/* ---- keepalive (RFC 3519 4.9) ------------------------------------------------- */

int udptun_keepalive_build(const struct udptun_keepalive *k, uint16_t ip_id, uint8_t *out,
			   size_t cap)
{
	if (k->type != UDPTUN_ECHO_REQUEST && k->type != UDPTUN_ECHO_REPLY)
		return -EINVAL;
	if (k->data_len && !k->data)
		return -EINVAL;
	if (k->data_len > IP_MAX_LEN - UDPTUN_HEADROOM - IP4_HDR_LEN - UDPTUN_ECHO_HDR_LEN)
		return -EMSGSIZE;
	size_t total = IP4_HDR_LEN + UDPTUN_ECHO_HDR_LEN + k->data_len;
	if (cap < total)
		return -ENOBUFS;

	uint8_t *ic = out + IP4_HDR_LEN;
	out[0] = 0x45;
	out[1] = 0;
	put_be16(out + 2, (uint16_t)total);
	put_be16(out + 4, ip_id);
	put_be16(out + 6, 0);
	out[8] = KEEPALIVE_TTL;
	out[9] = IPPROTO_ICMP;
	put_be16(out + 10, 0);
	memcpy(out + 12, &k->src, 4);
	memcpy(out + 16, &k->dst, 4);
	ip4_hdr_csum_set(out, IP4_HDR_LEN);

	ic[0] = k->type;
	ic[1] = 0;
	put_be16(ic + 2, 0);
	put_be16(ic + 4, k->id);
	put_be16(ic + 6, k->seq);
	if (k->data_len)
		memmove(ic + UDPTUN_ECHO_HDR_LEN, k->data, k->data_len);
	put_be16(ic + 2, ip_csum(ic, UDPTUN_ECHO_HDR_LEN + k->data_len));
	return (int)total;
}

int udptun_keepalive_parse(const struct udptun_view *v, struct udptun_keepalive *k,
			   enum udptun_drop *why)
{
	struct ip4_view in;

	memset(k, 0, sizeof(*k));
	if (v->next_hdr != UDPTUN_NH_IPV4 || !v->inner ||
	    ip4_parse(v->inner, v->inner_len, &in, NULL) < 0 || in.proto != IPPROTO_ICMP ||
	    in.mf || in.frag_off)
		return drop(why, UDPTUN_DROP_NOT_KEEPALIVE, -ENOMSG);
	const uint8_t *ic = in.payload;
	if (in.payload_len < 1 || (ic[0] != UDPTUN_ECHO_REQUEST && ic[0] != UDPTUN_ECHO_REPLY))
		return drop(why, UDPTUN_DROP_NOT_KEEPALIVE, -ENOMSG);
	if (in.payload_len < UDPTUN_ECHO_HDR_LEN || ic[1] != 0 ||
	    ip_csum(ic, in.payload_len) != 0)
		return drop(why, UDPTUN_DROP_BAD_KEEPALIVE, -EBADMSG);
	k->type = ic[0];
	k->src = htonl(in.src);
	k->dst = htonl(in.dst);
	k->id = get_be16(ic + 4);
	k->seq = get_be16(ic + 6);
	k->data = ic + UDPTUN_ECHO_HDR_LEN;
	k->data_len = in.payload_len - UDPTUN_ECHO_HDR_LEN;
	return drop(why, UDPTUN_DROP_NONE, 0);
}
