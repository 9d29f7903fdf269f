/* IPv4/IPv6/ICMP codecs for the tunnel data plane.  See ip.h for the
 * contract. */
#include "wire/ip.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

#define IP4_FLAG_RF 0x8000
#define IP4_FLAG_DF 0x4000
#define IP4_FLAG_MF 0x2000
#define IP4_OFF_MASK 0x1fff
#define IP4_MAX_FRAG_OFF (IP4_OFF_MASK * 8)
#define IP4_OPT_EOL 0
#define IP4_OPT_NOP 1
#define IP4_OPT_COPIED 0x80
#define IP6_OPT_PAD1 0
#define IP6_OPT_PADN 1
#define IP_MAX_LEN 65535
#define ICMP4_ERROR_TOS 0xc0         /* RFC 1812 4.3.2.5: precedence 6 */
#define TCP_HDR_LEN 20
#define TCP_FLAG_SYN 0x02
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_MSS_LEN 4
#define TCP_CSUM_OFF 16

static int drop(enum ip_drop *why, enum ip_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

static int ok(enum ip_drop *why)
{
	if (why)
		*why = IP_DROP_NONE;
	return 0;
}

const char *ip_drop_name(enum ip_drop why)
{
	static const char *const names[IP_DROP__MAX] = {
		[IP_DROP_NONE] = "none",
		[IP_DROP_TRUNCATED] = "truncated",
		[IP_DROP_BAD_VERSION] = "bad-version",
		[IP_DROP_BAD_IHL] = "bad-ihl",
		[IP_DROP_BAD_LENGTH] = "bad-length",
		[IP_DROP_BAD_CHECKSUM] = "bad-checksum",
		[IP_DROP_BAD_OPTIONS] = "bad-options",
		[IP_DROP_BAD_EXT_HDR] = "bad-ext-hdr",
		[IP_DROP_TOO_MANY_EXT_HDRS] = "too-many-ext-hdrs",
		[IP_DROP_FRAGMENT] = "fragment",
		[IP_DROP_NOT_IPV4_INNER] = "not-ipv4-inner",
		[IP_DROP_TTL_EXPIRED] = "ttl-expired",
		[IP_DROP_DF_SET] = "df-set",
		[IP_DROP_NOT_TUNNEL_ERROR] = "not-tunnel-error",
		[IP_DROP_BAD_MTU] = "bad-mtu",
		[IP_DROP_PTB_DF_CLEAR] = "ptb-df-clear",
		[IP_DROP_ICMP_ABOUT_ICMP_ERROR] = "icmp-about-icmp-error",
		[IP_DROP_ICMP_ABOUT_FRAGMENT] = "icmp-about-fragment",
		[IP_DROP_ICMP_ABOUT_MULTICAST] = "icmp-about-multicast",
		[IP_DROP_ICMP_BAD_SOURCE] = "icmp-bad-source",
		[IP_DROP_BAD_GRE] = "bad-gre",
		[IP_DROP_BAD_MINIMAL] = "bad-minimal",
		[IP_DROP_NOT_TUNNEL] = "not-tunnel",
		[IP_DROP_INNER_MISMATCH] = "inner-mismatch",
		[IP_DROP_ECN_CE_NOT_ECT] = "ecn-ce-not-ect",
	};
	if ((unsigned)why < IP_DROP__MAX && names[why])
		return names[why];
	return "unknown";
}

/* ---- checksums ----------------------------------------------------------- */

uint32_t ip_csum_partial(uint32_t sum, const uint8_t *buf, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += get_be16(buf + i);
	if (len & 1)
		s += (uint32_t)buf[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t ip_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t ip_csum(const uint8_t *buf, size_t len)
{
	return ip_csum_fold(ip_csum_partial(0, buf, len));
}

uint32_t ip_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint8_t ph[12];

	put_be32(ph, src);
	put_be32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	put_be16(ph + 10, len);
	return ip_csum_partial(0, ph, sizeof(ph));
}

uint32_t ip_csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
			 uint8_t next_hdr, uint32_t len)
{
	uint8_t ph[40];

	memcpy(ph, src->s6_addr, 16);
	memcpy(ph + 16, dst->s6_addr, 16);
	put_be32(ph + 32, len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = next_hdr;
	return ip_csum_partial(0, ph, sizeof(ph));
}

uint16_t ip_csum_update16(uint16_t csum, uint16_t old, uint16_t new_word)
{
	/* RFC 1624 3: HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new_word;
	return ip_csum_fold(s);
}

/* ---- IPv4 ------------------------------------------------------------------ */

/* quoted: a packet quoted in an ICMP error, whose payload may be cut short
 * of total_len. */
static int ip4_parse_mode(const uint8_t *buf, size_t len, bool quoted, struct ip4_view *v,
			  enum ip_drop *why)
{
	memset(v, 0, sizeof(*v));
	if (len < IP4_HDR_LEN)
		return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
	if (buf[0] >> 4 != 4)
		return drop(why, IP_DROP_BAD_VERSION, -EBADMSG);
	size_t hlen = (size_t)(buf[0] & 0x0f) * 4;
	if (hlen < IP4_HDR_LEN)
		return drop(why, IP_DROP_BAD_IHL, -EBADMSG);
	if (hlen > len)
		return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
	uint16_t total = get_be16(buf + 2);
	if (total < hlen)
		return drop(why, IP_DROP_BAD_LENGTH, -EBADMSG);
	size_t avail = total;
	if (total > len) {
		if (!quoted)
			return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
		avail = len;
		v->cut = true;
	}
	uint16_t fo = get_be16(buf + 6);

	v->hdr = buf;
	v->hdr_len = (uint8_t)hlen;
	v->tos = buf[1];
	v->total_len = total;
	v->id = get_be16(buf + 4);
	v->df = (fo & IP4_FLAG_DF) != 0;
	v->mf = (fo & IP4_FLAG_MF) != 0;
	v->frag_off = (uint16_t)((fo & IP4_OFF_MASK) * 8);
	v->ttl = buf[8];
	v->proto = buf[9];
	v->src = get_be32(buf + 12);
	v->dst = get_be32(buf + 16);
	v->payload = buf + hlen;
	v->payload_len = (uint16_t)(avail - hlen);
	if (ip_csum(buf, hlen) != 0)
		return drop(why, IP_DROP_BAD_CHECKSUM, -EBADMSG);
	return ok(why);
}

int ip4_parse(const uint8_t *buf, size_t len, struct ip4_view *v, enum ip_drop *why)
{
	return ip4_parse_mode(buf, len, false, v, why);
}

static int ip4_hdr_len(const uint8_t *buf, size_t len)
{
	if (len < IP4_HDR_LEN || buf[0] >> 4 != 4)
		return -EBADMSG;
	size_t hlen = (size_t)(buf[0] & 0x0f) * 4;
	if (hlen < IP4_HDR_LEN || hlen > len)
		return -EBADMSG;
	return (int)hlen;
}

int ip4_hdr_csum_set(uint8_t *buf, size_t len)
{
	int hlen = ip4_hdr_len(buf, len);
	if (hlen < 0)
		return hlen;
	put_be16(buf + 10, 0);
	put_be16(buf + 10, ip_csum(buf, (size_t)hlen));
	return 0;
}

int ip4_hdr_csum_check(const uint8_t *buf, size_t len)
{
	int hlen = ip4_hdr_len(buf, len);
	if (hlen < 0)
		return hlen;
	return ip_csum(buf, (size_t)hlen) == 0 ? 0 : -EBADMSG;
}

int ip4_ttl_dec(uint8_t *buf, size_t len, enum ip_drop *why)
{
	if (ip4_hdr_len(buf, len) < 0)
		return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
	/* RFC 1812 5.3.1: a packet whose TTL would reach zero is discarded */
	if (buf[8] <= 1)
		return drop(why, IP_DROP_TTL_EXPIRED, -ETIMEDOUT);
	uint16_t old = get_be16(buf + 8);
	buf[8]--;
	put_be16(buf + 10, ip_csum_update16(get_be16(buf + 10), old, get_be16(buf + 8)));
	return ok(why);
}

/* ---- IPv6 ------------------------------------------------------------------ */

/* RFC 8200 4.2 option TLVs of a Destination Options header at buf[off],
 * hlen octets; RFC 2473 4.1.1 (a): remember the first Tunnel Encapsulation
 * Limit. */
static int ip6_dstopts(const uint8_t *buf, size_t off, size_t hlen, struct ip6_view *v,
		       enum ip_drop *why)
{
	size_t p = off + 2, end = off + hlen;

	while (p < end) {
		uint8_t t = buf[p];
		if (t == IP6_OPT_PAD1) {
			p++;
			continue;
		}
		if (end - p < 2 || buf[p + 1] > end - p - 2)
			return drop(why, IP_DROP_BAD_EXT_HDR, -EBADMSG);
		uint8_t l = buf[p + 1];
		if (t == IP6_OPT_TUNNEL_ENCAP_LIMIT) {
			if (l != 1)
				return drop(why, IP_DROP_BAD_EXT_HDR, -EBADMSG);
			if (!v->has_encap_limit) {
				v->has_encap_limit = true;
				v->encap_limit = buf[p + 2];
				v->encap_limit_off = (uint16_t)(p + 2);
			}
		}
		p += 2 + (size_t)l;
	}
	return 0;
}

static int ip6_parse_mode(const uint8_t *buf, size_t len, bool quoted, struct ip6_view *v,
			  enum ip_drop *why)
{
	memset(v, 0, sizeof(*v));
	if (len < IP6_HDR_LEN)
		return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
	if (buf[0] >> 4 != 6)
		return drop(why, IP_DROP_BAD_VERSION, -EBADMSG);
	v->hdr = buf;
	v->tclass = (uint8_t)((buf[0] & 0x0f) << 4 | buf[1] >> 4);
	v->flow_label = (uint32_t)(buf[1] & 0x0f) << 16 | get_be16(buf + 2);
	v->payload_len = get_be16(buf + 4);
	v->next_hdr = buf[6];
	v->hop_limit = buf[7];
	memcpy(v->src.s6_addr, buf + 8, 16);
	memcpy(v->dst.s6_addr, buf + 24, 16);

	size_t end = IP6_HDR_LEN + (size_t)v->payload_len;
	if (end > len) {
		if (!quoted)
			return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
		end = len;
	}
	size_t off = IP6_HDR_LEN;
	uint8_t nh = v->next_hdr;
	for (;;) {
		bool ext = nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
			   nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS;
		if (!ext || (v->frag && v->frag_off != 0))
			break;
		if (v->n_ext == IP6_MAX_EXT_HDRS)
			return drop(why, IP_DROP_TOO_MANY_EXT_HDRS, -EBADMSG);
		size_t hlen;
		if (nh == IPPROTO_FRAGMENT) {
			/* RFC 8200 4.5 */
			hlen = IP6_FRAG_HDR_LEN;
			if (end - off < hlen)
				return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
			if (v->frag)
				return drop(why, IP_DROP_BAD_EXT_HDR, -EBADMSG);
			uint16_t fo = get_be16(buf + off + 2);
			v->frag = true;
			v->frag_off = fo & 0xfff8;
			v->frag_mf = fo & 1;
			v->frag_id = get_be32(buf + off + 4);
		} else {
			/* RFC 8200 4.3: hop-by-hop only right after the header */
			if (nh == IPPROTO_HOPOPTS && off != IP6_HDR_LEN)
				return drop(why, IP_DROP_BAD_EXT_HDR, -EBADMSG);
			if (end - off < 2)
				return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
			hlen = ((size_t)buf[off + 1] + 1) * 8;
			if (end - off < hlen)
				return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
			if (nh == IPPROTO_DSTOPTS && !v->has_encap_limit) {
				int r = ip6_dstopts(buf, off, hlen, v, why);
				if (r < 0)
					return r;
			}
		}
		nh = buf[off];
		off += hlen;
		v->n_ext++;
	}
	v->proto = nh;
	v->proto_off = (uint16_t)off;
	v->payload = buf + off;
	v->upper_len = end - off;
	return ok(why);
}

int ip6_parse(const uint8_t *buf, size_t len, struct ip6_view *v, enum ip_drop *why)
{
	return ip6_parse_mode(buf, len, false, v, why);
}

/* ---- RFC 2473 encapsulation ------------------------------------------------ */

int ip6_tunnel_encap(const struct ip6_tunnel *t, uint8_t inner_proto,
		     const uint8_t *inner, size_t inner_len, uint8_t *out, size_t cap)
{
	size_t hlen = t->has_encap_limit ? IP6_TUNNEL_HDR_MAX : IP6_HDR_LEN;
	size_t plen = inner_len + hlen - IP6_HDR_LEN;
	uint8_t tc = t->tclass;

	if (t->flow_label > 0xfffff)
		return -EINVAL;
	if (inner_len > IP_MAX_LEN || plen > IP_MAX_LEN)
		return -EMSGSIZE;
	if (cap < hlen)
		return -ENOBUFS;
	/* 6.4: traffic class of the original packet: IPv4 TOS (DSCP + ECN) or
	 * the IPv6 traffic class */
	if (t->tclass_copy && (inner_proto == IPPROTO_IPIP || inner_proto == IPPROTO_IPV6)) {
		if (inner_len < 2)
			return -EBADMSG;
		if (inner_proto == IPPROTO_IPIP)
			tc = inner[1];
		else
			tc = (uint8_t)((inner[0] & 0x0f) << 4 | inner[1] >> 4);
	}
	/* 5: the tunnel IPv6 header */
	out[0] = (uint8_t)(0x60 | tc >> 4);
	out[1] = (uint8_t)((tc & 0x0f) << 4 | t->flow_label >> 16);
	put_be16(out + 2, (uint16_t)t->flow_label);
	put_be16(out + 4, (uint16_t)plen);
	out[6] = t->has_encap_limit ? IPPROTO_DSTOPTS : inner_proto;
	out[7] = t->hop_limit;
	memcpy(out + 8, t->src.s6_addr, 16);
	memcpy(out + 24, t->dst.s6_addr, 16);
	if (t->has_encap_limit) {
		/* 5.1: Destination Options with the limit, then PadN */
		uint8_t *d = out + IP6_HDR_LEN;
		d[0] = inner_proto;
		d[1] = 0;
		d[2] = IP6_OPT_TUNNEL_ENCAP_LIMIT;
		d[3] = 1;
		d[4] = t->encap_limit;
		d[5] = IP6_OPT_PADN;
		d[6] = 1;
		d[7] = 0;
	}
	return (int)hlen;
}

int ip6_tunnel_decap4(const uint8_t *buf, size_t len, struct ip6_view *outer,
		      struct ip4_view *inner, enum ip_drop *why)
{
	int r;

	memset(inner, 0, sizeof(*inner));
	r = ip6_parse(buf, len, outer, why);
	if (r < 0)
		return r;
	/* RFC 2473 7: fragments are reassembled before decapsulation */
	if (outer->frag)
		return drop(why, IP_DROP_FRAGMENT, -EBADMSG);
	if (outer->proto != IPPROTO_IPIP)
		return drop(why, IP_DROP_NOT_IPV4_INNER, -EBADMSG);
	return ip4_parse(outer->payload, outer->upper_len, inner, why);
}

/* ---- ICMPv4 errors ----------------------------------------------------------- */

static bool ip4_is_multicast(uint32_t a)
{
	return (a >> 28) == 0xe;
}

/* RFC 1812 4.3.2.7: not 0/8, 127/8, multicast, 240/4 (which includes the
 * limited broadcast) */
static bool ip4_is_single_host(uint32_t a)
{
	uint8_t hi = (uint8_t)(a >> 24);
	return hi != 0 && hi != 127 && hi < 224;
}

static bool icmp4_is_error(uint8_t type)
{
	return type == ICMP4_DEST_UNREACH || type == ICMP4_SOURCE_QUENCH ||
	       type == ICMP4_REDIRECT || type == ICMP4_TIME_EXCEEDED ||
	       type == ICMP4_PARAM_PROBLEM;
}

static int icmp4_error_from_view(const struct icmp4_error *e, const struct ip4_view *o,
				 uint8_t *out, size_t cap, enum ip_drop *why)
{
	if (e->type == ICMP4_DEST_UNREACH) {
		if (e->code > 15)
			return -EINVAL;
		if (e->code == ICMP4_CODE_FRAG_NEEDED && e->mtu < IP4_MIN_MTU)
			return -EINVAL;
	} else if (e->type == ICMP4_TIME_EXCEEDED) {
		if (e->code > 1)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	/* RFC 1812 4.3.2.7, RFC 1122 3.2.2 */
	if (o->frag_off != 0)
		return drop(why, IP_DROP_ICMP_ABOUT_FRAGMENT, -EPERM);
	if (ip4_is_multicast(o->dst) || o->dst == 0xffffffff)
		return drop(why, IP_DROP_ICMP_ABOUT_MULTICAST, -EPERM);
	uint32_t dst = e->dst ? e->dst : o->src;
	if (!ip4_is_single_host(dst) || (!e->dst && !ip4_is_single_host(o->src)) ||
	    (e->dst && o->src != 0 && o->src != e->dst))
		return drop(why, IP_DROP_ICMP_BAD_SOURCE, -EPERM);
	if (o->proto == IPPROTO_ICMP && (o->payload_len == 0 || icmp4_is_error(o->payload[0])))
		return drop(why, IP_DROP_ICMP_ABOUT_ICMP_ERROR, -EPERM);

	/* RFC 1812 4.3.2.3: as much as fits in 576 octets */
	size_t room = ICMP4_ERROR_MAX - IP4_HDR_LEN - ICMP_HDR_LEN - o->hdr_len;
	size_t quote = o->hdr_len + MIN((size_t)o->payload_len, room);
	size_t total = IP4_HDR_LEN + ICMP_HDR_LEN + quote;
	if (cap < total)
		return -ENOBUFS;

	uint8_t *ip = out, *icmp = out + IP4_HDR_LEN;
	ip[0] = 0x45;
	ip[1] = ICMP4_ERROR_TOS;
	put_be16(ip + 2, (uint16_t)total);
	put_be16(ip + 4, e->id);
	put_be16(ip + 6, 0);
	ip[8] = ICMP4_ERROR_TTL;
	ip[9] = IPPROTO_ICMP;
	put_be16(ip + 10, 0);
	put_be32(ip + 12, e->src);
	put_be32(ip + 16, dst);
	put_be16(ip + 10, ip_csum(ip, IP4_HDR_LEN));

	icmp[0] = e->type;
	icmp[1] = e->code;
	put_be16(icmp + 2, 0);
	put_be32(icmp + 4, 0);
	/* RFC 1191 4: next-hop MTU in the low-order 16 bits */
	if (e->type == ICMP4_DEST_UNREACH && e->code == ICMP4_CODE_FRAG_NEEDED)
		put_be16(icmp + 6, e->mtu);
	memcpy(icmp + ICMP_HDR_LEN, o->hdr, quote);
	put_be16(icmp + 2, ip_csum(icmp, ICMP_HDR_LEN + quote));
	return (int)total;
}

int icmp4_error_build(const struct icmp4_error *e, const uint8_t *orig, size_t orig_len,
		      uint8_t *out, size_t cap, enum ip_drop *why)
{
	struct ip4_view o;
	int r = ip4_parse(orig, orig_len, &o, why);
	if (r < 0)
		return r;
	r = icmp4_error_from_view(e, &o, out, cap, why);
	if (r >= 0)
		ok(why);
	return r;
}

/* ---- ICMPv6 errors about tunnel packets ------------------------------------- */

int icmp6_tunnel_error_parse(const uint8_t *msg, size_t len, struct icmp6_tunnel_error *e,
			     enum ip_drop *why)
{
	int r;

	memset(e, 0, sizeof(*e));
	if (len < ICMP_HDR_LEN)
		return drop(why, IP_DROP_TRUNCATED, -EBADMSG);
	e->type = msg[0];
	e->code = msg[1];
	switch (e->type) {
	case ICMP6_DEST_UNREACH:
	case ICMP6_TIME_EXCEEDED:
		break;
	case ICMP6_PACKET_TOO_BIG:
		e->mtu = get_be32(msg + 4);
		break;
	case ICMP6_PARAM_PROBLEM:
		e->pointer = get_be32(msg + 4);
		if (e->code != 0)
			return drop(why, IP_DROP_NOT_TUNNEL_ERROR, -ENOMSG);
		break;
	default:
		return drop(why, IP_DROP_NOT_TUNNEL_ERROR, -ENOMSG);
	}

	const uint8_t *q = msg + ICMP_HDR_LEN;
	size_t qlen = len - ICMP_HDR_LEN;
	r = ip6_parse_mode(q, qlen, true, &e->tunnel, why);
	if (r < 0)
		return r;
	if (e->tunnel.frag_off != 0)
		return drop(why, IP_DROP_FRAGMENT, -ENOMSG);
	if (e->tunnel.proto != IPPROTO_IPIP)
		return drop(why, IP_DROP_NOT_IPV4_INNER, -ENOMSG);
	/* RFC 2473 4.1.1 (b), 8.3: the pointer names the limit's value octet */
	if (e->type == ICMP6_PARAM_PROBLEM &&
	    !(e->tunnel.has_encap_limit && e->pointer == e->tunnel.encap_limit_off))
		return drop(why, IP_DROP_NOT_TUNNEL_ERROR, -ENOMSG);
	r = ip4_parse_mode(e->tunnel.payload, e->tunnel.upper_len, true, &e->inner, why);
	if (r < 0)
		return r;

	e->tunnel_hdr_len = (uint16_t)(e->tunnel.proto_off - (e->tunnel.frag ? IP6_FRAG_HDR_LEN : 0));
	e->icmp4_type = ICMP4_DEST_UNREACH;
	e->icmp4_code = ICMP4_CODE_HOST_UNREACH;
	if (e->type == ICMP6_PACKET_TOO_BIG) {
		/* RFC 2473 6.7, 8.3; RFC 8201 5: never below 1280 */
		uint32_t pmtu = MAX(e->mtu, (uint32_t)IP6_MIN_MTU);
		if (pmtu < (uint32_t)e->tunnel_hdr_len + IP4_MIN_MTU)
			return drop(why, IP_DROP_BAD_MTU, -EBADMSG);
		e->tunnel_mtu = pmtu - e->tunnel_hdr_len;
		e->icmp4_code = ICMP4_CODE_FRAG_NEEDED;
		e->icmp4_mtu = (uint16_t)MIN(e->tunnel_mtu, (uint32_t)IP_MAX_LEN);
	}
	return ok(why);
}

int icmp6_tunnel_error_to_icmp4(const struct icmp6_tunnel_error *e, uint32_t src, uint16_t id,
				uint8_t *out, size_t cap, enum ip_drop *why)
{
	struct icmp4_error ie = {
		.type = e->icmp4_type,
		.code = e->icmp4_code,
		.mtu = e->icmp4_mtu,
		.src = src,
		.id = id,
	};

	if (e->inner.hdr == NULL)
		return -EINVAL;
	/* RFC 2473 8.3: PTB only if the original IPv4 header has DF set */
	if (e->type == ICMP6_PACKET_TOO_BIG && !e->inner.df)
		return drop(why, IP_DROP_PTB_DF_CLEAR, -EPERM);
	int r = icmp4_error_from_view(&ie, &e->inner, out, cap, why);
	if (r >= 0)
		ok(why);
	return r;
}

/* ---- IPv4 fragmentation --------------------------------------------------------- */

/* RFC 791 3.1: walk the options of hdr (hlen octets); with strip, overwrite
 * the ones without the copied flag by NOPs. */
static int ip4_options(uint8_t *hdr, size_t hlen, bool strip)
{
	size_t i = IP4_HDR_LEN;

	while (i < hlen) {
		uint8_t t = hdr[i];
		if (t == IP4_OPT_EOL)
			break;
		if (t == IP4_OPT_NOP) {
			i++;
			continue;
		}
		if (hlen - i < 2 || hdr[i + 1] < 2 || hdr[i + 1] > hlen - i)
			return -EBADMSG;
		uint8_t l = hdr[i + 1];
		if (strip && !(t & IP4_OPT_COPIED))
			memset(hdr + i, IP4_OPT_NOP, l);
		i += l;
	}
	return 0;
}

int ip4_fragment_next(const struct ip4_view *v, uint16_t mtu, size_t *cursor,
		      struct ip4_frag *f, enum ip_drop *why)
{
	size_t cur = *cursor, plen = v->payload_len, per;

	if (cur == SIZE_MAX)
		return 0;
	if (cur > plen || v->hdr == NULL || v->cut)
		return -EINVAL;
	if (v->total_len <= mtu) {
		per = plen;
	} else {
		if (v->df)
			return drop(why, IP_DROP_DF_SET, -EMSGSIZE);
		if (mtu < (size_t)v->hdr_len + 8)
			return -EINVAL;
		per = ((size_t)mtu - v->hdr_len) & ~(size_t)7;
	}
	if (cur != 0 && cur >= plen)
		return -EINVAL;
	size_t n = MIN(per, plen - cur);
	bool last = cur + n == plen;
	size_t off = (size_t)v->frag_off + cur;
	if (off > IP4_MAX_FRAG_OFF)
		return drop(why, IP_DROP_BAD_LENGTH, -EBADMSG);

	memset(f, 0, sizeof(*f));
	memcpy(f->hdr, v->hdr, v->hdr_len);
	if (ip4_options(f->hdr, v->hdr_len, cur != 0) < 0)
		return drop(why, IP_DROP_BAD_OPTIONS, -EBADMSG);
	f->hdr_len = v->hdr_len;
	f->data = v->payload + cur;
	f->data_len = (uint16_t)n;
	f->offset = (uint16_t)off;
	f->mf = !last || v->mf;

	uint16_t fo = (uint16_t)((get_be16(v->hdr + 6) & IP4_FLAG_RF) |
				 (v->df ? IP4_FLAG_DF : 0) | (f->mf ? IP4_FLAG_MF : 0) | off / 8);
	put_be16(f->hdr + 2, (uint16_t)(v->hdr_len + n));
	put_be16(f->hdr + 6, fo);
	put_be16(f->hdr + 10, 0);
	put_be16(f->hdr + 10, ip_csum(f->hdr, v->hdr_len));
	*cursor = last ? SIZE_MAX : cur + n;
	ok(why);
	return 1;
}

/* ---- TCP MSS clamping ---------------------------------------------------------- */

int tcp_mss_clamp(uint8_t *seg, size_t len, uint16_t mss_max)
{
	if (len < TCP_HDR_LEN || !(seg[13] & TCP_FLAG_SYN))
		return 0;
	size_t end = (size_t)(seg[12] >> 4) * 4;
	if (end < TCP_HDR_LEN || end > len)
		return 0;

	/* RFC 9293 3.2: walk every option before touching any */
	size_t i = TCP_HDR_LEN, mss_at = 0;
	while (i < end) {
		uint8_t kind = seg[i];
		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (end - i < 2 || seg[i + 1] < 2 || seg[i + 1] > end - i)
			return 0;
		if (kind == TCP_OPT_MSS && mss_at == 0) {
			if (seg[i + 1] != TCP_OPT_MSS_LEN)
				return 0;
			mss_at = i + 2;
		}
		i += seg[i + 1];
	}
	if (mss_at == 0 || get_be16(seg + mss_at) <= mss_max)
		return 0;

	/* The value may straddle two checksummed 16-bit words when it sits at
	 * an odd offset; update each word that holds one of its octets. */
	size_t w0 = mss_at & ~(size_t)1, w1 = (mss_at + 2 + 1) & ~(size_t)1;
	uint16_t old[2], csum = get_be16(seg + TCP_CSUM_OFF);
	for (size_t w = w0, k = 0; w < w1; w += 2, k++)
		old[k] = (uint16_t)(seg[w] << 8 | (w + 1 < len ? seg[w + 1] : 0));
	put_be16(seg + mss_at, mss_max);
	for (size_t w = w0, k = 0; w < w1; w += 2, k++) {
		uint16_t nw = (uint16_t)(seg[w] << 8 | (w + 1 < len ? seg[w + 1] : 0));
		csum = ip_csum_update16(csum, old[k], nw);
	}
	put_be16(seg + TCP_CSUM_OFF, csum);
	return 1;
}

int ip4_tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss_max, enum ip_drop *why)
{
	struct ip4_view v;
	int r = ip4_parse(pkt, len, &v, why);
	if (r < 0)
		return r;
	if (v.proto != IPPROTO_TCP || v.frag_off != 0)
		return 0;
	return tcp_mss_clamp(pkt + v.hdr_len, v.payload_len, mss_max);
}

/* ---- ICMPv6 errors (RFC 4443) ------------------------------------------------- */

#define ICMP6_REDIRECT 137           /* RFC 4861 4.5 */
#define ICMP6_INFO_MIN 128           /* RFC 4443 2.1: 0-127 are errors */

static bool in6_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

static bool in6_is_unspecified(const struct in6_addr *a)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	return memcmp(a->s6_addr, any.s6_addr, 16) == 0;
}

int icmp6_error_build(const struct icmp6_error *e, const uint8_t *orig, size_t orig_len,
		      uint8_t *out, size_t cap)
{
	struct ip6_view o;
	int r;

	switch (e->type) {
	case ICMP6_DEST_UNREACH:
		if (e->code > 6)
			return -EINVAL;
		break;
	case ICMP6_PACKET_TOO_BIG:
		/* RFC 8200 5: no link has an MTU below 1280 */
		if (e->code != 0 || e->mtu < IP6_MIN_MTU)
			return -EINVAL;
		break;
	case ICMP6_TIME_EXCEEDED:
		if (e->code > 1)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (in6_is_multicast(&e->src) || in6_is_unspecified(&e->src))
		return -EINVAL;
	r = ip6_parse(orig, orig_len, &o, NULL);
	if (r < 0)
		return r;

	/* RFC 4443 2.4 (e.1, e.2): not about an error or a Redirect, nor
	 * about what cannot be told apart from one */
	if (o.proto == IPPROTO_ICMPV6 &&
	    (o.frag_off != 0 || o.upper_len == 0 || o.payload[0] < ICMP6_INFO_MIN ||
	     o.payload[0] == ICMP6_REDIRECT))
		return -EPERM;
	/* (e.3): not about a packet to a multicast address, but for PTB */
	if (in6_is_multicast(&o.dst) && e->type != ICMP6_PACKET_TOO_BIG)
		return -EPERM;
	/* (e.6): only to a source that names a single node */
	if (in6_is_unspecified(&o.src) || in6_is_multicast(&o.src))
		return -EPERM;

	/* 2.4 (c): as much of the original as fits in the minimum MTU */
	size_t quote = MIN((size_t)IP6_HDR_LEN + o.payload_len,
			   (size_t)ICMP6_ERROR_MAX - IP6_HDR_LEN - ICMP_HDR_LEN);
	size_t plen = ICMP_HDR_LEN + quote;
	if (cap < IP6_HDR_LEN + plen)
		return -ENOBUFS;

	uint8_t *ip = out, *icmp = out + IP6_HDR_LEN;
	put_be32(ip, 0x60000000);
	put_be16(ip + 4, (uint16_t)plen);
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = e->hop_limit ? e->hop_limit : ICMP6_ERROR_HOP_LIMIT;
	memcpy(ip + 8, e->src.s6_addr, 16);
	memcpy(ip + 24, o.src.s6_addr, 16);

	icmp[0] = e->type;
	icmp[1] = e->code;
	put_be16(icmp + 2, 0);
	/* 3.2: the MTU; 3.1, 3.3: unused, zero */
	put_be32(icmp + 4, e->type == ICMP6_PACKET_TOO_BIG ? e->mtu : 0);
	memcpy(icmp + ICMP_HDR_LEN, orig, quote);
	/* 2.3: over the pseudo-header (RFC 8200 8.1) and the message */
	uint32_t sum = ip_csum_pseudo6(&e->src, &o.src, IPPROTO_ICMPV6, (uint32_t)plen);
	put_be16(icmp + 2, ip_csum_fold(ip_csum_partial(sum, icmp, plen)));
	return (int)(IP6_HDR_LEN + plen);
}
