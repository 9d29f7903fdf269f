/* libFuzzer target for src/wire/ip.  The input is tried as an IPv4 packet,
 * an IPv6 packet and an ICMPv6 message.  Invariants: parsers return only
 * the documented errors and views stay inside the input; after TTL
 * decrement and MSS clamping the checksums still verify from scratch;
 * fragments reassemble to the input; every ICMP error built parses back as
 * IPv4 + ICMP with correct checksums and is itself never answered;
 * encapsulation decapsulates back to the same packet; a PTB built around a
 * tunnel packet is recognised. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "wire/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_IN 65600
#define OUR_ADDR 0xc0000201u         /* 192.0.2.1 */

static uint8_t work[MAX_IN], out[ICMP4_ERROR_MAX + 64], asm_buf[65536], seen[65536];
static uint8_t pkt[IP6_TUNNEL_HDR_MAX + MAX_IN], fragpkt[65536], fixed[MAX_IN];

static int within(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

static void check_why(int r, enum ip_drop why)
{
	CHECK((r == 0) == (why == IP_DROP_NONE) || r > 0);
	CHECK(strcmp(ip_drop_name(why), "unknown") != 0);
}

/* The TCP checksum residual, modulo 0xffff (so +0 and -0 compare equal). */
static uint32_t tcp_residual(const struct ip4_view *v)
{
	uint32_t s = ip_csum_pseudo4(v->src, v->dst, IPPROTO_TCP, v->payload_len);
	return ip_csum_fold(ip_csum_partial(s, v->payload, v->payload_len)) % 0xffff;
}

static void check_icmp_error(const uint8_t *e, int len, const struct ip4_view *o, size_t quote_max)
{
	struct ip4_view v;
	enum ip_drop why = IP_DROP__MAX;

	CHECK(len >= IP4_HDR_LEN + ICMP_HDR_LEN + IP4_HDR_LEN && len <= ICMP4_ERROR_MAX);
	CHECK(ip4_parse(e, (size_t)len, &v, &why) == 0);
	CHECK(v.total_len == len && v.proto == IPPROTO_ICMP && v.ttl == ICMP4_ERROR_TTL);
	CHECK(v.src == OUR_ADDR && v.dst == o->src);
	CHECK(ip_csum(v.payload, v.payload_len) == 0);
	CHECK(v.payload[0] == ICMP4_DEST_UNREACH || v.payload[0] == ICMP4_TIME_EXCEEDED);
	size_t quoted = v.payload_len - ICMP_HDR_LEN;
	CHECK(quoted >= o->hdr_len);
	CHECK(quoted == o->hdr_len + MIN((size_t)o->payload_len, quote_max - o->hdr_len));
	CHECK(quoted - o->hdr_len >= MIN((size_t)o->payload_len, 8u));
	CHECK(memcmp(v.payload + ICMP_HDR_LEN, o->hdr, quoted) == 0);

	/* RFC 1122 3.2.2: an error about this error is never built */
	struct icmp4_error again = { .type = ICMP4_DEST_UNREACH, .code = 1, .src = OUR_ADDR };
	static uint8_t out2[ICMP4_ERROR_MAX];
	CHECK(icmp4_error_build(&again, e, (size_t)len, out2, sizeof(out2), &why) == -EPERM);
	CHECK(why == IP_DROP_ICMP_ABOUT_ICMP_ERROR);
}

static void fuzz_fragments(const struct ip4_view *v, uint16_t mtu)
{
	struct ip4_frag f;
	enum ip_drop why = IP_DROP__MAX;
	size_t cur = 0, end = 0, count = 0;
	bool last_mf = true;
	int r;

	memset(seen, 0, v->payload_len);
	while ((r = ip4_fragment_next(v, mtu, &cur, &f, &why)) == 1) {
		struct ip4_view fv;
		CHECK(++count <= 65536 / 8 + 1);
		CHECK(f.hdr_len == v->hdr_len && within(f.data, f.data_len, v->payload, v->payload_len));
		memcpy(fragpkt, f.hdr, f.hdr_len);
		memcpy(fragpkt + f.hdr_len, f.data, f.data_len);
		CHECK(ip4_parse(fragpkt, (size_t)f.hdr_len + f.data_len, &fv, NULL) == 0);
		CHECK(fv.total_len <= MAX(mtu, v->total_len) && (v->total_len <= mtu || fv.total_len <= mtu));
		CHECK(fv.id == v->id && fv.src == v->src && fv.dst == v->dst && fv.proto == v->proto);
		CHECK(fv.frag_off == f.offset && fv.mf == f.mf && fv.df == v->df);
		CHECK(f.offset >= v->frag_off);
		size_t at = (size_t)(f.offset - v->frag_off);
		/* every piece but the last is a multiple of 8; the last keeps
		 * the original's MF (even on a malformed original fragment) */
		bool last = at + f.data_len == v->payload_len;
		CHECK(last ? f.mf == v->mf : (f.mf && f.data_len % 8 == 0));
		CHECK(f.data == v->payload + at);
		for (size_t i = 0; i < f.data_len; i++) {
			CHECK(!seen[at + i]);
			seen[at + i] = 1;
			asm_buf[at + i] = f.data[i];
		}
		end = MAX(end, at + f.data_len);
		last_mf = f.mf;
	}
	if (r < 0) {
		CHECK(r == -EMSGSIZE || r == -EBADMSG || r == -EINVAL);
		if (r == -EMSGSIZE)
			CHECK(v->df && v->total_len > mtu && why == IP_DROP_DF_SET);
		if (r == -EINVAL)
			CHECK(mtu < v->hdr_len + 8 && v->total_len > mtu && count == 0);
		return;
	}
	CHECK(last_mf == v->mf && end == v->payload_len);
	for (size_t i = 0; i < end; i++)
		CHECK(seen[i]);
	CHECK(memcmp(asm_buf, v->payload, v->payload_len) == 0);
	CHECK(ip4_fragment_next(v, mtu, &cur, &f, NULL) == 0);
}

static void fuzz_ip4(const uint8_t *data, size_t size, uint16_t mtu, uint16_t mss)
{
	struct ip4_view v, v2;
	enum ip_drop why = IP_DROP__MAX;
	int r;

	r = ip4_parse(data, size, &v, &why);
	check_why(r, why);
	CHECK(r == 0 || r == -EBADMSG);
	if (r == 0 || why == IP_DROP_BAD_CHECKSUM) {
		CHECK(v.hdr == data && v.hdr_len >= IP4_HDR_LEN && v.total_len <= size);
		CHECK(v.payload == data + v.hdr_len && v.payload_len == v.total_len - v.hdr_len);
		CHECK((ip4_hdr_csum_check(data, size) == 0) == (r == 0));
	}
	if (r < 0)
		return;

	/* TTL decrement: the header checksum still verifies from scratch */
	memcpy(work, data, size);
	r = ip4_ttl_dec(work, size, &why);
	check_why(r, why);
	if (r == 0) {
		CHECK(ip4_parse(work, size, &v2, NULL) == 0 && v2.ttl == v.ttl - 1);
		CHECK(memcmp(work, data, 8) == 0 && work[9] == data[9]);
		CHECK(memcmp(work + 12, data + 12, size - 12) == 0);
	} else {
		CHECK(r == -ETIMEDOUT && v.ttl <= 1 && memcmp(work, data, size) == 0);
	}

	/* MSS clamp: only the MSS value and the TCP checksum change, and the
	 * checksum residual is preserved */
	memcpy(work, data, size);
	r = ip4_tcp_mss_clamp(work, size, mss, &why);
	CHECK(r == 0 || r == 1);
	if (r == 1) {
		CHECK(v.proto == IPPROTO_TCP && v.frag_off == 0);
		CHECK(ip4_parse(work, size, &v2, NULL) == 0);
		CHECK(tcp_residual(&v) == tcp_residual(&v2));
		unsigned diff = 0;
		for (size_t i = 0; i < size; i++) {
			if (work[i] == data[i])
				continue;
			diff++;
			CHECK(i >= v.hdr_len && i < v.hdr_len + ((size_t)(data[v.hdr_len + 12] >> 4) * 4u));
		}
		CHECK(diff <= 4);
		CHECK(ip4_tcp_mss_clamp(work, size, mss, NULL) == 0);
	} else {
		CHECK(memcmp(work, data, size) == 0);
	}

	/* ICMP errors */
	static const struct icmp4_error errs[] = {
		{ .type = ICMP4_DEST_UNREACH, .code = ICMP4_CODE_HOST_UNREACH, .src = OUR_ADDR },
		{ .type = ICMP4_DEST_UNREACH, .code = ICMP4_CODE_FRAG_NEEDED, .mtu = 1280,
		  .src = OUR_ADDR, .id = 1 },
		{ .type = ICMP4_TIME_EXCEEDED, .code = 0, .src = OUR_ADDR, .id = 0xffff },
	};
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		r = icmp4_error_build(&errs[i], data, size, out, sizeof(out), &why);
		check_why(r, why);
		if (r > 0) {
			check_icmp_error(out, r, &v, ICMP4_ERROR_MAX - IP4_HDR_LEN - ICMP_HDR_LEN);
		} else {
			CHECK(r == -EPERM);
			CHECK(v.frag_off != 0 || v.proto == IPPROTO_ICMP || (v.dst >> 28) == 0xe ||
			      v.dst == 0xffffffff || (v.src >> 24) == 0 || (v.src >> 24) == 127 ||
			      (v.src >> 24) >= 224);
		}
	}

	fuzz_fragments(&v, mtu);
	fuzz_fragments(&v, IP4_MIN_MTU);

	/* RFC 2473 encapsulation decapsulates back to this packet */
	struct ip6_tunnel t = { .hop_limit = 64, .tclass_copy = (mtu & 1) != 0, .tclass = 0x20,
				.flow_label = mtu, .has_encap_limit = (mtu & 2) != 0,
				.encap_limit = (uint8_t)mss };
	t.src.s6_addr[0] = 0x20;
	t.dst.s6_addr[15] = 1;
	r = ip6_tunnel_encap(&t, IPPROTO_IPIP, data, size, pkt, sizeof(pkt));
	if (r == -EMSGSIZE) {
		CHECK(size + (t.has_encap_limit ? 8u : 0u) > 65535);
		return;
	}
	CHECK(r == (t.has_encap_limit ? 48 : 40));
	memcpy(pkt + r, data, size);
	struct ip6_view o;
	struct ip4_view in;
	CHECK(ip6_tunnel_decap4(pkt, (size_t)r + size, &o, &in, &why) == 0);
	CHECK(in.hdr == pkt + r && in.total_len == v.total_len && in.src == v.src);
	CHECK(o.has_encap_limit == t.has_encap_limit && (!o.has_encap_limit || o.encap_limit == t.encap_limit));
	CHECK(o.tclass == (t.tclass_copy ? v.tos : t.tclass) && o.flow_label == t.flow_label);
}

static void fuzz_icmp6(const uint8_t *msg, size_t len)
{
	struct icmp6_tunnel_error e;
	enum ip_drop why = IP_DROP__MAX;
	int r;

	r = icmp6_tunnel_error_parse(msg, len, &e, &why);
	check_why(r, why);
	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	if (r < 0)
		return;
	CHECK(e.type >= 1 && e.type <= 4);
	CHECK(within(e.tunnel.hdr, IP6_HDR_LEN, msg, len) && within(e.inner.hdr, e.inner.hdr_len, msg, len));
	CHECK(e.inner.hdr == e.tunnel.payload && e.tunnel.proto == IPPROTO_IPIP);
	CHECK(e.icmp4_type == ICMP4_DEST_UNREACH);
	if (e.type == ICMP6_PACKET_TOO_BIG) {
		CHECK(e.icmp4_code == ICMP4_CODE_FRAG_NEEDED && e.tunnel_mtu >= IP4_MIN_MTU);
		CHECK(e.tunnel_mtu + e.tunnel_hdr_len == MAX(e.mtu, (uint32_t)IP6_MIN_MTU));
	} else {
		CHECK(e.icmp4_code == ICMP4_CODE_HOST_UNREACH && e.tunnel_mtu == 0);
	}
	r = icmp6_tunnel_error_to_icmp4(&e, OUR_ADDR, 0, out, sizeof(out), &why);
	check_why(r, why);
	if (r > 0) {
		CHECK(e.type != ICMP6_PACKET_TOO_BIG || e.inner.df);
		check_icmp_error(out, r, &e.inner, ICMP4_ERROR_MAX - IP4_HDR_LEN - ICMP_HDR_LEN);
		CHECK(out[IP4_HDR_LEN + 1] == e.icmp4_code);
		if (e.icmp4_code == ICMP4_CODE_FRAG_NEEDED)
			CHECK(get_be16(out + IP4_HDR_LEN + 6) == e.icmp4_mtu);
	} else {
		CHECK(r == -EPERM);
	}
}

static void fuzz_ip6(const uint8_t *data, size_t size)
{
	struct ip6_view v;
	struct ip4_view in;
	enum ip_drop why = IP_DROP__MAX;
	int r;

	r = ip6_parse(data, size, &v, &why);
	check_why(r, why);
	CHECK(r == 0 || r == -EBADMSG);
	if (r == 0) {
		CHECK(v.n_ext <= IP6_MAX_EXT_HDRS && v.proto_off >= IP6_HDR_LEN);
		CHECK(v.payload == data + v.proto_off);
		CHECK(v.proto_off + v.upper_len == IP6_HDR_LEN + (size_t)v.payload_len);
		if (v.has_encap_limit)
			CHECK(v.encap_limit_off < v.proto_off && data[v.encap_limit_off] == v.encap_limit);
		if (v.proto == IPPROTO_ICMPV6 && !v.frag)
			fuzz_icmp6(v.payload, v.upper_len);
	}
	r = ip6_tunnel_decap4(data, size, &v, &in, &why);
	check_why(r, why);
	CHECK(r == 0 || r == -EBADMSG);
	if (r < 0)
		return;
	CHECK(in.hdr == v.payload && in.total_len <= v.upper_len && !v.frag);

	/* a PTB quoting the first 1232 octets of this tunnel packet */
	size_t q = MIN(size, (size_t)IP6_MIN_MTU - IP6_HDR_LEN - ICMP_HDR_LEN);
	memset(work, 0, ICMP_HDR_LEN);
	work[0] = ICMP6_PACKET_TOO_BIG;
	put_be32(work + 4, 1400);
	memcpy(work + ICMP_HDR_LEN, data, q);
	struct icmp6_tunnel_error e;
	r = icmp6_tunnel_error_parse(work, ICMP_HDR_LEN + q, &e, &why);
	if (v.proto_off + in.hdr_len <= q) {
		CHECK(r == 0 || (r == -EBADMSG && why == IP_DROP_BAD_MTU));
		if (r == 0)
			CHECK(e.tunnel_mtu == 1400u - v.proto_off && e.inner.src == in.src);
	} else {
		CHECK(r == -EBADMSG && why == IP_DROP_TRUNCATED);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_IN)
		return 0;
	/* parameters from the input itself, so seeds stay packets */
	uint32_t h = ip_csum_partial(0, data, size);
	uint16_t mtu = (uint16_t)(IP4_MIN_MTU + (h * 7u) % 1500u);
	uint16_t mss = (uint16_t)(h % 1600u);

	fuzz_ip4(data, size, mtu, mss);
	fuzz_ip6(data, size);
	fuzz_icmp6(data, size);

	/* Mutations rarely keep an IPv4 header checksum right: try again with
	 * it repaired, as an IPv4 packet, as the inner packet of a tunnel
	 * packet, and inside a PTB quoting one (with or without the limit) */
	memcpy(fixed, data, size);
	if (ip4_hdr_csum_set(fixed, size) == 0)
		fuzz_ip4(fixed, size, mtu, mss);
	struct ip6_view v;
	memcpy(fixed, data, size);
	if (ip6_parse(fixed, size, &v, NULL) == 0 && v.proto == IPPROTO_IPIP &&
	    ip4_hdr_csum_set(fixed + v.proto_off, v.upper_len) == 0)
		fuzz_ip6(fixed, size);
	static const size_t quoted_at[] = { ICMP_HDR_LEN + IP6_HDR_LEN, ICMP_HDR_LEN + IP6_TUNNEL_HDR_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(quoted_at); i++) {
		memcpy(fixed, data, size);
		if (size > quoted_at[i] && ip4_hdr_csum_set(fixed + quoted_at[i], size - quoted_at[i]) == 0)
			fuzz_icmp6(fixed, size);
	}

	/* RFC 1624: an incremental update equals a recomputation */
	if (size >= 4) {
		uint16_t old = get_be16(data), nw = get_be16(data + 2);
		uint8_t w[2];
		put_be16(w, old);
		uint16_t c = ip_csum(w, 2);
		put_be16(w, nw);
		CHECK(ip_csum_update16(c, old, nw) % 0xffff == ip_csum(w, 2) % 0xffff);
	}
	return 0;
}
