/* Fuzz the foreign agent role (engine_fa.h), the mobile node's foreign
 * agent mode (via_fa) and RFC 3519 UDP tunnelling (udp_port, udp_sport,
 * dp_mip_udptun_in).  The first two bytes program the engine; the rest is
 * the packet.
 *   sel bits 0-1: 0 foreign agent, 1 mobile node via_fa, 2 home agent with
 *     a UDP binding, 3 mobile node with udp_sport;
 *   sel bits 2-3: entry point: 0 dp_mip_tun_in, 1 dp_mip_tunnel_in,
 *     2 dp_mip_udptun_in, 3 dp_mip_icmp4_in;
 *   sel bits 4-5: encapsulation (ipip, gre, minimal);
 *   sel bit 6: foreign agent revtun4 / IPv6 mode care-of address;
 *   sel bit 7: foreign agent v6_native / simultaneous plain binding (HA);
 *   opt bit 0: link MTU 1280; bit 1: clock 150 (the visitor / one care-of
 *     address expired); bit 2: udptun_in from an unexpected address;
 *     bit 3: UDP checksum 0; bit 4: udptun_in from an unexpected port.
 * Invariants: the verdict is legal for the entry point; a DP_TO_TUNNEL4
 * packet lies in the caller's buffer (headroom included) or the copy
 * buffer, parses as IPv4 with total length == o->len and decapsulates
 * again (encap4_decap, or udptun_decap for UDP, checksum verified); a
 * DP_TO_TUN packet lies in the input and parses; an ICMP error parses with
 * a valid checksum; a drop is counted. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine_fa.h"
#include "dataplane/engine_mip.h"
#include "wire/encap4.h"
#include "wire/ip.h"
#include "wire/udptun.h"

#define HA4 0xc6336401u
#define FA4 0xcb007101u
#define HOME 0xc000020au
#define HOME2 0xc000020bu
#define COA 0xcb007105u
#define COA2 0xcb007106u
#define PRIV 0x0a010005u
#define NATPORT 40001
#define MNPORT 5000

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
static const struct in6_addr SRC6 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 } };

static uint64_t drops(const struct dp_stats *s)
{
	uint64_t n = 0;
	/* every drop_* counter, and the not-relayed ICMP errors */
	for (size_t i = 0; i < dp_stat_count(); i++)
		if (strncmp(dp_stat_names[i], "drop_", 5) == 0)
			n += dp_stat_get(s, i);
	return n + s->icmp4_not_relayed;
}

static void check_tunnel4(const struct dp_out *o, const uint8_t *lo, const uint8_t *hi,
			  const struct dp_engine *e)
{
	static uint8_t scratch[65536];
	struct ip4_view v;

	if (!((o->pkt >= lo && o->pkt + o->len <= hi) ||
	      (e->mip.copy_buf && o->pkt >= e->mip.copy_buf &&
	       o->pkt + o->len <= e->mip.copy_buf + DP_HEADROOM + 65535)))
		abort();
	if (ip4_parse(o->pkt, o->len, &v, NULL) < 0 || v.total_len != o->len)
		abort();
	if (o->frag_mtu && (o->len <= o->frag_mtu || v.df))
		abort();
	memcpy(scratch, o->pkt, o->len);
	if (v.proto == IPPROTO_UDP) {
		struct udptun_view u;
		if (udptun_decap(scratch, o->len, &u, NULL) < 0)
			abort();
		if (u.next_hdr != UDPTUN_NH_IPV4 && u.next_hdr != UDPTUN_NH_IPV6)
			abort();
		return;
	}
	struct encap4_view ev;
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
		check_tunnel4(o, lo, hi, e);
		break;
	default:
		abort();
	}
}

static void setup(struct dp_engine *e, unsigned scen, uint8_t sel, uint8_t opt)
{
	enum encap4_kind k = (enum encap4_kind)(1 + ((sel >> 4) & 3) % 3);
	enum mip_v6_mode mode = sel & 64 ? MIP_V6_TO_COA : MIP_V6_TO_HOA;
	int r = 0;

	e->mip.icmp6_src = SRC6;
	e->mip.link_mtu = opt & 1 ? 1280 : DP_MIP_LINK_MTU;
	e->mip.udp_csum_zero = opt & 8;
	switch (scen) {
	case 0: {
		struct dp_fa_visitor v = { .home = HOME, .ha = HA4, .coa = FA4, .encap = k,
					   .revtun4 = sel & 64, .v6_native = sel & 128,
					   .expires = 100 };
		struct dp_fa_visitor v2 = { .home = HOME2, .ha = HA4, .coa = FA4,
					    .encap = ENCAP4_GRE, .revtun4 = true,
					    .v6_native = true };
		r |= dp_fa_visitor_set(e, &v) | dp_fa_visitor_set(e, &v2);
		r |= dp_fa_prefix_add(e, HOME, &P1, 48) | dp_fa_prefix_add(e, HOME2, &P2, 64);
		break;
	}
	case 1:
	case 3: {
		struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = scen == 1 ? FA4 : PRIV,
				       .encap = k, .v6_mode = mode, .via_fa = scen == 1,
				       .udp_sport = scen == 3 ? MNPORT : 0 };
		r |= dp_mip_mn_set(e, &m) | dp_mip_mn_prefix_add(e, &P1, 48);
		break;
	}
	default: {
		e->mip.local = HA4;
		struct dp_mip_bind b = { .home = HOME, .coa = COA2, .encap = k, .v6_mode = mode,
					 .expires = 100 };
		if (sel & 128)
			r |= dp_mip_ha_bind(e, &b);
		b.coa = COA;
		b.udp_port = NATPORT;
		b.expires = 0;
		b.simultaneous = true;
		r |= dp_mip_ha_bind(e, &b) | dp_mip_ha_prefix_add(e, HOME, &P1, 48);
		break;
	}
	}
	if (r)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[DP_HEADROOM + 65536];
	static struct dp_engine e;
	static const enum dp_role roles[] = { DP_ROLE_MIP_FA, DP_ROLE_MIP_MN, DP_ROLE_MIP_HA,
					      DP_ROLE_MIP_MN };
	struct dp_out o;

	if (size < 2 || size - 2 > sizeof(buf) - DP_HEADROOM)
		return 0;
	uint8_t sel = data[0], opt = data[1];
	size_t len = size - 2;
	uint8_t *pkt = buf + DP_HEADROOM;
	memcpy(pkt, data + 2, len);
	unsigned scen = sel & 3, entry = (sel >> 2) & 3;

	if (dp_init(&e, roles[scen], 0) < 0)
		abort();
	setup(&e, scen, sel, opt);
	e.now = opt & 2 ? 150 : 0;

	uint64_t before = drops(&e.st);
	switch (entry) {
	case 0:
		dp_mip_tun_in(&e, pkt, len, &o);
		break;
	case 1:
		dp_mip_tunnel_in(&e, pkt, len, &o);
		break;
	case 2: {
		bool ha = scen == 2;
		uint32_t src = ha ? COA : HA4, dst = ha ? HA4 : PRIV;
		uint16_t sport = ha ? NATPORT : UDPTUN_PORT;
		if (opt & 4)
			src = COA2;
		if (opt & 16)
			sport++;
		dp_mip_udptun_in(&e, pkt, len, src, sport, dst, &o);
		break;
	}
	default:
		dp_mip_icmp4_in(&e, pkt, len, &o);
		if (o.verdict != DP_DROP && o.verdict != DP_ICMP_TO_TUN)
			abort();
		break;
	}
	check_out(&e, &o, before, buf, pkt + len);
	if (o.copies > DP_MIP_SIM_MAX || (o.copies && (scen != 2 || o.verdict != DP_TO_TUNNEL4)))
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
	if (scen == 0 && dp_fa_visitor_count(&e) != 2)
		abort();
	dp_free(&e);
	return 0;
}
