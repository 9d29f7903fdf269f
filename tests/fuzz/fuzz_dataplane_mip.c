/* Fuzz the tunnel engine's Mobile IPv4 roles (engine_mip.h).  The first two
 * bytes program the engine: role, entry point, encapsulation, IPv6 mode,
 * simultaneous bindings, the clock (expiry), MTUs; the rest is the packet.
 * Invariants: the verdict is legal; a DP_TO_TUNNEL4 packet (and every
 * simultaneous-binding copy) lies in the caller's buffer or the copy buffer,
 * parses as IPv4 with protocol 4, 41, 47 or 55 and total length == o->len,
 * decapsulates again, and frag_mtu is only set on a larger packet without
 * DF; a DP_TO_TUN packet lies in the input and parses as IPv4 or IPv6; an
 * ICMP error parses with a valid checksum; a drop is counted.
 * Tunnel bit with IPv6-mode bits 3: the rest is an ICMPv4 message for
 * dp_mip_icmp4_in (IPv6 mode from opt bit 3: care-of / home address), then
 * a DF IPv4 packet and an IPv6 packet go through dp_mip_tun_in, which must
 * honour the tunnel MTU; learnt path MTUs stay between pmtu_min and
 * link_mtu.
 * Home agent with opt bit 4: nodes HOME and HOME2 first join ff0e::1 by an
 * MLDv1 Report through their home-address tunnels (engine_mld.h); then
 * the group state stays sorted, bounded and per node, and multicast
 * copies go to listeners only. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine_mip.h"
#include "dataplane/engine_mld.h"
#include "wire/encap4.h"
#include "wire/ip.h"

#define HA4 0xc6336401u
#define HOME 0xc000020au
#define HOME2 0xc000020bu
#define COA 0xcb007105u
#define COA2 0xcb007106u
#define COA3 0xcb007107u

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", false, LOG_CRIT);
	return 0;
}

static const struct in6_addr P1 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x01 } };
static const struct in6_addr P2 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x02 } };
static const struct in6_addr LL = { .s6_addr = { 0xfe, 0x80, [15] = 1 } };
static const struct in6_addr SRC6 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 } };

static uint64_t drops(const struct dp_stats *s)
{
	uint64_t n = s->drop_malformed + s->drop_no_binding + s->drop_too_big + s->drop_encap;
	n += s->drop_revtun_bad_outer + s->drop_revtun_bad_inner6 + s->drop_not_registered;
	n += s->drop_link_local + s->drop_multicast + s->drop_ecn + s->drop_not_from_ha;
	n += s->drop_bad_source + s->drop_at_home + s->drop_not_our_address;
	n += s->drop_icmp_not_ours + s->icmp4_not_relayed + s->drop_icmp_ratelimited;
	return n;
}

static void check_tunnel4(const struct dp_out *o, const uint8_t *lo, const uint8_t *hi)
{
	static uint8_t scratch[65536];
	struct ip4_view v;
	struct encap4_view ev;

	if (o->pkt < lo || o->pkt + o->len > hi)
		abort();
	if (ip4_parse(o->pkt, o->len, &v, NULL) < 0 || v.total_len != o->len)
		abort();
	if (v.proto != 4 && v.proto != 41 && v.proto != 47 && v.proto != 55)
		abort();
	if (o->frag_mtu && (o->len <= o->frag_mtu || v.df))
		abort();
	memcpy(scratch, o->pkt, o->len);
	if (encap4_decap(scratch, o->len, &ev, NULL) < 0)
		abort();
}

static void check_icmp(const struct dp_out *o)
{
	if (o->pkt != o->icmp || o->len > sizeof(o->icmp) || o->len < 1)
		abort();
	if (o->pkt[0] >> 4 == 4) {
		struct ip4_view v;
		if (ip4_parse(o->pkt, o->len, &v, NULL) < 0 || v.proto != IPPROTO_ICMP ||
		    ip_csum(v.payload, v.payload_len) != 0)
			abort();
		return;
	}
	struct ip6_view v;
	if (ip6_parse(o->pkt, o->len, &v, NULL) < 0 || v.proto != IPPROTO_ICMPV6)
		abort();
	uint32_t sum = ip_csum_pseudo6(&v.src, &v.dst, IPPROTO_ICMPV6, (uint32_t)v.upper_len);
	if (ip_csum_fold(ip_csum_partial(sum, v.payload, v.upper_len)) != 0)
		abort();
}

static void check_out(struct dp_engine *e, const struct dp_out *o, uint64_t drops_before,
		      const uint8_t *lo, const uint8_t *hi)
{
	switch (o->verdict) {
	case DP_DROP:
		if (drops(&e->st) <= drops_before)
			abort();
		break;
	case DP_TO_TUN: {
		if (o->pkt < lo || o->pkt + o->len > hi || o->len < 1)
			abort();
		if (o->pkt[0] >> 4 == 4) {
			struct ip4_view v;
			if (ip4_parse(o->pkt, o->len, &v, NULL) < 0 || v.total_len != o->len)
				abort();
		} else {
			struct ip6_view v;
			if (ip6_parse(o->pkt, o->len, &v, NULL) < 0 ||
			    IP6_HDR_LEN + (size_t)v.payload_len != o->len)
				abort();
		}
		break;
	}
	case DP_ICMP_TO_TUN:
		check_icmp(o);
		break;
	case DP_TO_TUNNEL4:
		check_tunnel4(o, lo, hi);
		break;
	default:
		abort();
	}
}

/* An ICMPv4 message in msg, then a DF IPv4 packet and an IPv6 packet from
 * the TUN (the TUN side of the node the quote was about). */
static void fuzz_icmp(struct dp_engine *e, bool mn, const uint8_t *msg, size_t len)
{
	static uint8_t b[DP_HEADROOM + 2000];
	struct dp_out o;
	uint64_t before = drops(&e->st);
	uint64_t lowered = e->st.tunnel_mtu_lowered;

	dp_mip_icmp4_in(e, msg, len, &o);
	if (o.verdict != DP_DROP && o.verdict != DP_ICMP_TO_TUN)
		abort();
	check_out(e, &o, before, NULL, NULL);
	if (o.verdict == DP_ICMP_TO_TUN && e->st.icmp_relayed != 1)
		abort();
	if (e->st.tunnel_mtu_lowered - lowered > 1 || e->mip.n_pmtu > e->st.tunnel_mtu_lowered)
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(e->mip.pmtu); i++) {
		const struct dp_mip_pmtu *p = &e->mip.pmtu[i];
		if (p->dst && (p->mtu < e->mip.pmtu_min || p->mtu >= e->mip.link_mtu))
			abort();
	}

	/* DF IPv4, 1400 octets */
	uint8_t *p = b + DP_HEADROOM;
	memset(p, 0, 1400);
	p[0] = 0x45;
	put_be16(p + 2, 1400);
	put_be16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	put_be32(p + 12, mn ? HOME : 0x0a000001u);
	put_be32(p + 16, mn ? 0x0a000001u : HOME);
	ip4_hdr_csum_set(p, 1400);
	before = drops(&e->st);
	dp_mip_tun_in(e, p, 1400, &o);
	check_out(e, &o, before, b, p + 1400);
	if (o.verdict == DP_TO_TUNNEL4 && o.len > e->mip.link_mtu)
		abort();
	/* IPv6, 1300 octets */
	memset(p, 0, 1300);
	p[0] = 0x60;
	put_be16(p + 4, 1260);
	p[6] = IPPROTO_UDP;
	p[7] = 64;
	memcpy(p + 8, mn ? P1.s6_addr : SRC6.s6_addr, 16);
	memcpy(p + 24, mn ? SRC6.s6_addr : P1.s6_addr, 16);
	p[8 + 15] = p[24 + 15] = 9;
	before = drops(&e->st);
	dp_mip_tun_in(e, p, 1300, &o);
	check_out(e, &o, before, b, p + 1300);
	if (o.verdict == DP_ICMP_TO_TUN &&
	    (o.pkt[0] >> 4 != 6 || (o.pkt[40] == ICMP6_PACKET_TOO_BIG && get_be32(o.pkt + 44) < 1280)))
		abort();
}

static const struct in6_addr GROUP = { .s6_addr = { 0xff, 0x0e, [15] = 1 } };

/* An MLDv1 Report for GROUP from fe80::1 through home's home-address
 * tunnel from coa (RFC 5454 3.3.3). */
static void join_group(struct dp_engine *e, uint32_t home, uint32_t coa)
{
	static uint8_t b[DP_HEADROOM + 200];
	uint8_t *p = b + DP_HEADROOM;
	struct dp_out o;
	memset(p, 0, 40 + 8 + 24 + 40);
	for (int i = 0; i < 2; i++) {
		uint8_t *h = p + 20 * i;
		h[0] = 0x45;
		put_be16(h + 2, (uint16_t)(40 + 40 + 8 + 24 - 20 * i));
		h[8] = 64;
		h[9] = i ? IPPROTO_IPV6 : IPPROTO_IPIP;
		put_be32(h + 12, i ? home : coa);
		put_be32(h + 16, HA4);
		ip4_hdr_csum_set(h, 20);
	}
	uint8_t *v6 = p + 40;
	v6[0] = 0x60;
	put_be16(v6 + 4, 32);
	v6[6] = 0;                               /* Hop-by-Hop */
	v6[7] = 1;
	memcpy(v6 + 8, LL.s6_addr, 16);
	v6[24] = 0xff;
	v6[25] = 0x02;
	v6[39] = 0x16;
	v6[40] = IPPROTO_ICMPV6;
	v6[42] = 5;                              /* Router Alert */
	v6[43] = 2;
	v6[46] = 1;                              /* PadN */
	uint8_t *m = v6 + 48;
	m[0] = 131;
	memcpy(m + 8, GROUP.s6_addr, 16);
	struct in6_addr s6, d6;
	memcpy(&s6, v6 + 8, 16);
	memcpy(&d6, v6 + 24, 16);
	put_be16(m + 2, ip_csum_fold(ip_csum_partial(ip_csum_pseudo6(&s6, &d6, IPPROTO_ICMPV6, 24),
						     m, 24)));
	dp_mip_tunnel_in(e, p, 40 + 72, &o);
	if (o.verdict != DP_TO_TUN)
		abort();
}

static void check_mld(const struct dp_engine *e)
{
	const struct dp_mip *m = &e->mip;
	for (uint32_t i = 0; i < m->n_mld; i++) {
		const struct dp_mip_mld *a = &m->mld[i];
		if (a->group.s6_addr[0] != 0xff || (a->group.s6_addr[1] & 0x0f) < 3 ||
		    !binding_get(&e->bindings, a->home))
			abort();
		if (i) {
			int c = memcmp(&m->mld[i - 1].group, &a->group, 16);
			if (c > 0 || (c == 0 && m->mld[i - 1].home >= a->home))
				abort();
		}
	}
	if (m->n_mld > 2 * m->mld_max_per_node)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[DP_HEADROOM + 65536];
	static struct dp_engine e;
	struct dp_out o;

	if (size < 2 || size - 2 > sizeof(buf) - DP_HEADROOM)
		return 0;
	uint8_t sel = data[0], opt = data[1];
	size_t len = size - 2;
	uint8_t *pkt = buf + DP_HEADROOM;
	memcpy(pkt, data + 2, len);

	bool mn = sel & 1, tunnel = sel & 2;
	bool icmp = tunnel && ((sel >> 4) & 3) == 3;
	enum encap4_kind k = (enum encap4_kind)(1 + ((sel >> 2) & 3) % 3);
	enum mip_v6_mode mode = (enum mip_v6_mode)((sel >> 4) & 3) % 3;
	if (icmp)
		mode = opt & 8 ? MIP_V6_TO_COA : MIP_V6_TO_HOA;
	if (dp_init(&e, mn ? DP_ROLE_MIP_MN : DP_ROLE_MIP_HA, 0) < 0)
		abort();
	e.mip.icmp6_src = SRC6;
	e.mip.link_mtu = opt & 1 ? 1280 : DP_MIP_LINK_MTU;
	e.mip.tunnel6_mtu = opt & 2 ? 1500 : DP_MIP_TUNNEL6_MTU;
	e.now = opt & 4 ? 150 : 0;
	if (mn) {
		struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = COA, .encap = k,
				       .v6_mode = mode, .at_home = (sel & 64) != 0 };
		if (dp_mip_mn_set(&e, &m) < 0 || dp_mip_mn_prefix_add(&e, &P1, 48) < 0 ||
		    (sel & 128 && dp_mip_mn_prefix_add(&e, &LL, DP_MIP_PLEN_LINK_LOCAL) < 0))
			abort();
	} else {
		e.mip.local = HA4;
		e.icmp_src = HA4;
		struct dp_mip_bind b = { .home = HOME, .coa = COA, .encap = k, .v6_mode = mode };
		if (dp_mip_ha_bind(&e, &b) < 0)
			abort();
		if (sel & 64) {
			b.simultaneous = true;
			b.coa = COA2;
			b.expires = 100;
			b.encap = (enum encap4_kind)(1 + (opt >> 3) % 3);
			if (dp_mip_ha_bind(&e, &b) < 0)
				abort();
			b.coa = COA3;
			b.expires = 0;
			b.encap = (enum encap4_kind)(1 + (opt >> 5) % 3);
			if (dp_mip_ha_bind(&e, &b) < 0)
				abort();
		}
		struct dp_mip_bind b2 = { .home = HOME2, .coa = COA2, .encap = ENCAP4_GRE };
		if (dp_mip_ha_bind(&e, &b2) < 0 || dp_mip_ha_prefix_add(&e, HOME, &P1, 48) < 0 ||
		    dp_mip_ha_prefix_add(&e, HOME2, &P2, 64) < 0 ||
		    (sel & 128 && dp_mip_ha_prefix_add(&e, HOME, &LL, DP_MIP_PLEN_LINK_LOCAL) < 0))
			abort();
		if (opt & 16) {
			join_group(&e, HOME, COA);
			join_group(&e, HOME2, COA2);
			if (e.mip.n_mld != 2 || e.st.mld_joins != 2)
				abort();
		}
	}

	uint64_t before = drops(&e.st);
	if (icmp) {
		fuzz_icmp(&e, mn, pkt, len);
		dp_free(&e);
		return 0;
	}
	if (tunnel)
		dp_mip_tunnel_in(&e, pkt, len, &o);
	else
		dp_mip_tun_in(&e, pkt, len, &o);
	check_out(&e, &o, before, buf, pkt + len);
	if (o.copies > DP_MIP_SIM_MAX || (o.copies && (mn || o.verdict != DP_TO_TUNNEL4)))
		abort();
	unsigned copies = o.copies;
	for (unsigned i = 0; i < copies; i++) {
		struct dp_out c;
		before = drops(&e.st);
		if (dp_mip_ha_copy(&e, i, &c) != 0)
			abort();
		check_out(&e, &c, before, e.mip.copy_buf, e.mip.copy_buf + DP_HEADROOM + 65535);
		if (c.verdict == DP_TO_TUN || c.verdict == DP_ICMP_TO_TUN)
			abort();
	}
	struct dp_out c;
	if (dp_mip_ha_copy(&e, copies, &c) != -ENOENT)
		abort();
	if (!mn)
		check_mld(&e);
	dp_free(&e);
	return 0;
}
