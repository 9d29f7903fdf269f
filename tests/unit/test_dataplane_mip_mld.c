/* Unit tests for the home agent's multicast (src/dataplane/engine_mld.c
 * and the multicast path of engine_mip.c): MLD from mobile nodes through
 * their home-address tunnels (RFC 5454 3.3.3, RFC 2710, RFC 3810), group
 * state and its events, and group traffic tunnelled to the listening
 * nodes (dsmipv4-06 3.3.2 scope rules).  Packets from annotated bytes.
 *
 *   home link ff0e::db8:1 sender --- [TUN | home agent 198.51.100.1]
 *       ==tunnel== node A: home 192.0.2.10, care-of 203.0.113.5
 *       ==tunnel== node B: home 192.0.2.11, care-of 203.0.113.6 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/engine_mip.h"
#include "dataplane/engine_mld.h"
#include "wire/ip.h"

#define HA4 0xc6336401u     /* 198.51.100.1 */
#define HOME 0xc000020au    /* 192.0.2.10: node A */
#define HOME2 0xc000020bu   /* 192.0.2.11: node B */
#define COA 0xcb007105u     /* 203.0.113.5 */
#define COA2 0xcb007106u    /* 203.0.113.6 */

#define MN_LL "fe80::1:2:3:4"
#define GROUP "ff0e::db8:1"          /* global scope */
#define SENDER "2001:db8:ffff::99"

struct buf {
	uint8_t room[DP_HEADROOM];
	uint8_t pkt[70000];
};
static struct buf B;

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* An outer IPv4 header (no options) in front of payload_len octets. */
static void outer4(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, size_t payload_len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)(20 + payload_len));
	p[8] = 64;
	p[9] = proto;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	ip4_hdr_csum_set(p, 20);
}

/* An MLD message body (ICMPv6 from icmp on, icmp_len octets) in IPv6 from
 * src to dst, hop limit hl, with a Hop-by-Hop Router Alert (value 0)
 * when ra; checksum filled.  Returns the IPv6 packet's length. */
static size_t mld_pkt(uint8_t *p, const uint8_t *icmp, size_t icmp_len, const char *src,
		      const char *dst, uint8_t hl, bool ra)
{
	struct in6_addr s = a6(src), d = a6(dst);
	size_t h = ra ? 8 : 0;
	memset(p, 0, 40 + h);
	p[0] = 0x60;
	put_be16(p + 4, (uint16_t)(h + icmp_len));
	p[6] = ra ? 0 : IPPROTO_ICMPV6;        /* next header */
	p[7] = hl;
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	if (ra) {
		p[40] = IPPROTO_ICMPV6;        /* Hop-by-Hop: next header */
		p[41] = 0;                     /* length 8 */
		p[42] = 5;                     /* Router Alert (RFC 2711) */
		p[43] = 2;
		p[44] = 0;                     /* value 0: MLD */
		p[45] = 0;
		p[46] = 1;                     /* PadN, 0 octets */
		p[47] = 0;
	}
	uint8_t *c = p + 40 + h;
	memcpy(c, icmp, icmp_len);
	c[2] = c[3] = 0;
	uint32_t sum = ip_csum_pseudo6(&s, &d, IPPROTO_ICMPV6, (uint32_t)icmp_len);
	uint16_t ck = ip_csum_fold(ip_csum_partial(sum, c, icmp_len));
	put_be16(c + 2, ck);
	return 40 + h + icmp_len;
}

/* MLDv1 (RFC 2710 3): type 131 report or 132 done for group. */
static size_t mld1(uint8_t *icmp, uint8_t type, const char *group)
{
	struct in6_addr g = a6(group);
	memset(icmp, 0, 24);
	icmp[0] = type;
	memcpy(icmp + 8, &g, 16);              /* multicast address */
	return 24;
}

/* MLDv2 report (RFC 3810 5.2) with one record per group, type rtype,
 * nsrc sources 2001:db8::s. */
static size_t mld2(uint8_t *icmp, uint8_t rtype, uint16_t nsrc, const char *g1, const char *g2)
{
	size_t off = 8;
	memset(icmp, 0, 8);
	icmp[0] = 143;
	put_be16(icmp + 6, g2 ? 2 : 1);        /* number of records */
	const char *gs[2] = { g1, g2 };
	for (int r = 0; r < (g2 ? 2 : 1); r++) {
		struct in6_addr g = a6(gs[r]);
		icmp[off] = rtype;             /* record type */
		icmp[off + 1] = 0;             /* aux data length */
		put_be16(icmp + off + 2, nsrc);
		memcpy(icmp + off + 4, &g, 16);
		off += 20;
		for (uint16_t s = 0; s < nsrc; s++) {
			struct in6_addr a = a6("2001:db8::5");
			memcpy(icmp + off, &a, 16);
			off += 16;
		}
	}
	return off;
}

/* The IPv6 packet v6 (len n, at q + 40) through node home's home-address
 * tunnel: IP in IP from coa, inside it 6in4 from home to the home agent. */
static void via_hoa(struct dp_engine *e, uint8_t *q, size_t n, uint32_t home, uint32_t coa,
		    struct dp_out *o)
{
	outer4(q + 20, 41, home, HA4, n);
	outer4(q, 4, coa, HA4, 20 + n);
	dp_mip_tunnel_in(e, q, 40 + n, o);
}

static void send_mld(struct dp_engine *e, const uint8_t *icmp, size_t il, uint32_t home,
		     uint32_t coa)
{
	struct dp_out o;
	size_t n = mld_pkt(B.pkt + 40, icmp, il, MN_LL, "ff02::16", 1, true);
	via_hoa(e, B.pkt, n, home, coa, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);   /* still handed to the TUN */
}

static void ha_setup(struct dp_engine *e, enum mip_v6_mode mode)
{
	assert_int_equal(dp_init(e, DP_ROLE_MIP_HA, 0), 0);
	e->mip.local = HA4;
	struct dp_mip_bind b = { .home = HOME, .coa = COA, .encap = ENCAP4_IPIP, .v6_mode = mode };
	assert_int_equal(dp_mip_ha_bind(e, &b), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_mip_ha_prefix_add(e, HOME, &p, 48), 0);
	b.home = HOME2;
	b.coa = COA2;
	assert_int_equal(dp_mip_ha_bind(e, &b), 0);
	p = a6("2001:db8:2::");
	assert_int_equal(dp_mip_ha_prefix_add(e, HOME2, &p, 48), 0);
}

/* UDP to group from the home link, as the TUN side hands it in. */
static size_t mc_udp(uint8_t *p, const char *group, size_t plen)
{
	struct in6_addr s = a6(SENDER), d = a6(group);
	memset(p, 0, 40 + plen);
	p[0] = 0x60;
	put_be16(p + 4, (uint16_t)plen);
	p[6] = IPPROTO_UDP;
	p[7] = 5;
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	put_be16(p + 40, 5000);
	put_be16(p + 42, 5001);
	put_be16(p + 44, (uint16_t)plen);
	for (size_t i = 48; i < 40 + plen; i++)
		p[i] = (uint8_t)i;
	return 40 + plen;
}

static bool ev(struct dp_engine *e, const char *group, bool join)
{
	struct in6_addr g, want = a6(group);
	bool j;
	if (dp_mip_mld_event(e, &g, &j) != 1)
		return false;
	return memcmp(&g, &want, 16) == 0 && j == join;
}

/* RFC 3810 5.2, RFC 5454 3.3.3: an MLDv2 report through the home address
 * joins; a first join is an event; INCLUDE {} leaves, last leave event. */
static void rfc5454_3_3_3_mldv2_report(void **state)
{
	(void)state;
	struct dp_engine e;
	uint8_t icmp[200];
	struct in6_addr g[4];
	ha_setup(&e, MIP_V6_TO_HOA);
	e.now = 1000;

	size_t il = mld2(icmp, 4 /* CHANGE_TO_EXCLUDE {} */, 0, GROUP, "ff05::1:3");
	send_mld(&e, icmp, il, HOME, COA);
	assert_int_equal(e.st.mld_in, 1);
	assert_int_equal(e.st.mld_joins, 2);
	assert_int_equal(e.st.mld_malformed, 0);
	assert_int_equal(dp_mip_mld_node_groups(&e, HOME, g, NULL, 4), 2);
	assert_true(ev(&e, GROUP, true));              /* in the records' order */
	assert_true(ev(&e, "ff05::1:3", true));
	/* node B joins the same group: no event */
	il = mld2(icmp, 2 /* MODE_IS_EXCLUDE */, 0, GROUP, NULL);
	send_mld(&e, icmp, il, HOME2, COA2);
	assert_int_equal(e.st.mld_joins, 3);
	uint32_t h[4];
	assert_int_equal(dp_mip_mld_listeners(&e, &(struct in6_addr){ 0 }, h, 4), 0);
	struct in6_addr gr = a6(GROUP);
	assert_int_equal(dp_mip_mld_listeners(&e, &gr, h, 4), 2);
	assert_int_equal(h[0], HOME);
	assert_int_equal(h[1], HOME2);
	uint32_t exp[4];
	assert_int_equal(dp_mip_mld_node_groups(&e, HOME2, g, exp, 4), 1);
	assert_memory_equal(&g[0], &gr, 16);
	assert_int_equal(exp[0], 1000 + 260);
	/* a record with sources: any-source, joins */
	il = mld2(icmp, 5 /* ALLOW_NEW_SOURCES */, 1, "ff0e::2", NULL);
	send_mld(&e, icmp, il, HOME2, COA2);
	assert_int_equal(dp_mip_mld_node_groups(&e, HOME2, g, NULL, 4), 2);
	/* BLOCK_OLD_SOURCES: ignored */
	il = mld2(icmp, 6, 1, "ff0e::2", NULL);
	send_mld(&e, icmp, il, HOME2, COA2);
	assert_int_equal(e.st.mld_ignored, 1);
	/* a link-scope group is not tracked */
	il = mld2(icmp, 4, 0, "ff02::fb", NULL);
	send_mld(&e, icmp, il, HOME2, COA2);
	assert_int_equal(e.st.mld_ignored, 2);
	assert_int_equal(dp_mip_mld_node_groups(&e, HOME2, g, NULL, 4), 2);

	/* B's first join of ff0e::2 is the only further event */
	struct in6_addr eg;
	bool j;
	assert_true(ev(&e, "ff0e::2", true));
	assert_int_equal(dp_mip_mld_event(&e, &eg, &j), 0);

	/* A: TO_IN {} leaves GROUP, B still listens: no event */
	il = mld2(icmp, 3 /* CHANGE_TO_INCLUDE */, 0, GROUP, NULL);
	send_mld(&e, icmp, il, HOME, COA);
	assert_int_equal(e.st.mld_leaves, 1);
	assert_int_equal(dp_mip_mld_event(&e, &eg, &j), 0);
	/* B leaves too: the last leave is an event */
	send_mld(&e, icmp, il, HOME2, COA2);
	assert_int_equal(e.st.mld_leaves, 2);
	assert_true(ev(&e, GROUP, false));
	assert_false(dp_mip_mld_has_group(&e, &gr));
	dp_free(&e);
}

/* RFC 2710 3: v1 Report joins, Done leaves; events in order. */
static void rfc2710_mldv1_report_done(void **state)
{
	(void)state;
	struct dp_engine e;
	uint8_t icmp[40];
	ha_setup(&e, MIP_V6_TO_HOA);
	size_t il = mld1(icmp, 131, GROUP);
	send_mld(&e, icmp, il, HOME, COA);
	assert_true(ev(&e, GROUP, true));
	send_mld(&e, icmp, il, HOME, COA);      /* a refresh: no event */
	assert_int_equal(e.st.mld_joins, 1);
	assert_false(ev(&e, GROUP, true));
	il = mld1(icmp, 132, GROUP);
	send_mld(&e, icmp, il, HOME, COA);
	assert_true(ev(&e, GROUP, false));
	assert_int_equal(e.st.mld_leaves, 1);
	/* a query from a node is ignored */
	il = mld1(icmp, 130, "::");
	send_mld(&e, icmp, il, HOME, COA);
	assert_int_equal(e.st.mld_ignored, 1);
	dp_free(&e);
}

/* RFC 2710 5 / RFC 3810 5: hop limit 1, link-local source (only through
 * the home address anyway), Router Alert, checksum, whole records. */
static void rfc3810_malformed_mld_counted(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t icmp[200];
	struct in6_addr gr = a6(GROUP);
	ha_setup(&e, MIP_V6_TO_HOA);
	size_t il = mld1(icmp, 131, GROUP);

	size_t n = mld_pkt(B.pkt + 40, icmp, il, MN_LL, "ff02::16", 255, true);  /* hop limit */
	via_hoa(&e, B.pkt, n, HOME, COA, &o);
	n = mld_pkt(B.pkt + 40, icmp, il, MN_LL, "ff02::16", 1, false);          /* no RA */
	via_hoa(&e, B.pkt, n, HOME, COA, &o);
	n = mld_pkt(B.pkt + 40, icmp, il, MN_LL, "ff02::16", 1, true);
	B.pkt[40 + 48 + 2] ^= 1;                                                 /* checksum */
	via_hoa(&e, B.pkt, n, HOME, COA, &o);
	il = mld2(icmp, 4, 0, GROUP, NULL);
	put_be16(icmp + 6, 3);                          /* three records announced, one there */
	n = mld_pkt(B.pkt + 40, icmp, il, MN_LL, "ff02::16", 1, true);
	via_hoa(&e, B.pkt, n, HOME, COA, &o);
	il = mld2(icmp, 9, 0, GROUP, NULL);             /* unknown record type */
	n = mld_pkt(B.pkt + 40, icmp, il, MN_LL, "ff02::16", 1, true);
	via_hoa(&e, B.pkt, n, HOME, COA, &o);
	il = mld1(icmp, 131, "2001:db8::1");            /* not a multicast group */
	n = mld_pkt(B.pkt + 40, icmp, il, MN_LL, "ff02::16", 1, true);
	via_hoa(&e, B.pkt, n, HOME, COA, &o);
	assert_int_equal(e.st.mld_in, 6);
	assert_int_equal(e.st.mld_malformed, 6);
	assert_int_equal(e.st.mld_joins, 0);
	assert_false(dp_mip_mld_has_group(&e, &gr));
	/* straight from the care-of address (not the home-address tunnel):
	 * refused before any MLD processing (RFC 5454 3.3.3) */
	il = mld1(icmp, 131, GROUP);
	n = mld_pkt(B.pkt + 20, icmp, il, MN_LL, "ff02::16", 1, true);
	outer4(B.pkt, 41, COA, HA4, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_link_local, 1);
	assert_int_equal(e.st.mld_in, 6);
	dp_free(&e);
}

/* RFC 3810 9.4: the listener interval; the binding's end ends the state. */
static void rfc3810_9_4_timeout_and_binding_end(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t icmp[40];
	struct in6_addr gr = a6(GROUP);
	ha_setup(&e, MIP_V6_TO_HOA);
	e.now = 100;
	size_t il = mld1(icmp, 131, GROUP);
	send_mld(&e, icmp, il, HOME, COA);
	send_mld(&e, icmp, il, HOME2, COA2);
	dp_mip_ha_expire(&e, 359);
	assert_int_equal(e.st.mld_timeouts, 0);
	/* B refreshes at 300: lasts to 560 */
	e.now = 300;
	send_mld(&e, icmp, il, HOME2, COA2);
	dp_mip_ha_expire(&e, 360);
	assert_int_equal(e.st.mld_timeouts, 1);
	uint32_t h[2];
	assert_int_equal(dp_mip_mld_listeners(&e, &gr, h, 2), 1);
	assert_int_equal(h[0], HOME2);
	/* traffic goes to B only now */
	size_t n = mc_udp(B.pkt, GROUP, 20);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.copies, 0);
	assert_int_equal(get_be32(o.pkt + 16), COA2);
	/* B's binding goes: so does its group, with the last-leave event */
	struct in6_addr eg;
	bool j;
	while (dp_mip_mld_event(&e, &eg, &j) == 1)
		;
	assert_int_equal(dp_mip_ha_unbind(&e, HOME2, 0), 0);
	assert_false(dp_mip_mld_has_group(&e, &gr));
	assert_true(ev(&e, GROUP, false));
	dp_free(&e);
}

/* dsmipv4-06 3.3.2, RFC 6275 10.4.2: global-scope group traffic, one copy
 * per listening node on its IPv6 path; octet-exact. */
static void dsmipv4_3_3_2_multicast_copies(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o, c;
	uint8_t icmp[40], ref[100];
	ha_setup(&e, MIP_V6_TO_HOA);
	/* B tunnels IPv6 to its care-of address */
	struct dp_mip_bind b = { .home = HOME2, .coa = COA2, .encap = ENCAP4_GRE,
				 .v6_mode = MIP_V6_TO_COA };
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	size_t il = mld1(icmp, 131, GROUP);
	send_mld(&e, icmp, il, HOME, COA);
	send_mld(&e, icmp, il, HOME2, COA2);

	size_t n = mc_udp(B.pkt, GROUP, 30);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	/* A (through the home address): IP in IP 203.0.113.5 <- 6in4 192.0.2.10 */
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 20 + 20 + n);
	assert_int_equal(o.pkt[9], 4);
	assert_int_equal(get_be32(o.pkt + 12), HA4);
	assert_int_equal(get_be32(o.pkt + 16), COA);
	assert_int_equal(o.pkt[20 + 9], 41);
	assert_int_equal(get_be32(o.pkt + 20 + 12), HA4);
	assert_int_equal(get_be32(o.pkt + 20 + 16), HOME);
	assert_memory_equal(o.pkt + 40, ref, n);
	assert_int_equal(o.copies, 1);
	/* B: GRE (0x86DD) to 203.0.113.6 */
	memset(&c, 0, sizeof(c));
	assert_int_equal(dp_mip_ha_copy(&e, 0, &c), 0);
	assert_int_equal(c.verdict, DP_TO_TUNNEL4);
	assert_int_equal(c.len, 20 + 4 + n);
	assert_int_equal(c.pkt[9], 47);
	assert_int_equal(get_be32(c.pkt + 16), COA2);
	assert_int_equal(get_be16(c.pkt + 22), 0x86dd);
	assert_memory_equal(c.pkt + 24, ref, n);
	assert_int_equal(dp_mip_ha_copy(&e, 1, &c), -ENOENT);
	assert_int_equal(e.st.mc_tunnelled, 2);
	assert_int_equal(e.st.tx_copies, 1);
	assert_int_equal(e.st.tx_tunnel, 2);
	assert_int_equal(e.st.drop_multicast, 0);
	dp_free(&e);
}

/* dsmipv4-06 3.3.2: no listener, link-local scope, smaller than global
 * (unless configured) are not tunnelled. */
static void dsmipv4_3_3_2_multicast_scope(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t icmp[200];
	ha_setup(&e, MIP_V6_TO_HOA);
	/* nobody joined: dropped */
	size_t n = mc_udp(B.pkt, GROUP, 20);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_multicast, 1);
	size_t il = mld2(icmp, 4, 0, GROUP, "ff05::1:3");
	send_mld(&e, icmp, il, HOME, COA);
	/* another global group nobody joined */
	n = mc_udp(B.pkt, "ff0e::db8:2", 20);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_multicast, 2);
	/* site-local group joined, not tunnelled by default (SHOULD NOT) */
	n = mc_udp(B.pkt, "ff05::1:3", 20);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_multicast, 3);
	/* with the knob at site scope it is */
	e.mip.mc_min_scope = 5;
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(get_be32(o.pkt + 16), COA);
	/* link-local groups never (not even tracked) */
	n = mc_udp(B.pkt, "ff02::1", 20);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_multicast, 4);
	/* the global group is */
	n = mc_udp(B.pkt, GROUP, 20);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(e.st.mc_tunnelled, 2);
	dp_free(&e);
}

/* At most mld_max_per_node groups per node. */
static void mld_groups_per_node_bounded(void **state)
{
	(void)state;
	struct dp_engine e;
	uint8_t icmp[40];
	char g[32];
	ha_setup(&e, MIP_V6_TO_HOA);
	e.mip.mld_max_per_node = 3;
	for (int i = 1; i <= 5; i++) {
		snprintf(g, sizeof(g), "ff0e::%d", i);
		size_t il = mld1(icmp, 131, g);
		send_mld(&e, icmp, il, HOME, COA);
	}
	struct in6_addr gs[8];
	assert_int_equal(dp_mip_mld_node_groups(&e, HOME, gs, NULL, 8), 3);
	assert_int_equal(e.st.mld_node_full, 2);
	assert_int_equal(e.st.mld_joins, 3);
	/* the other node is not limited by A's */
	size_t il = mld1(icmp, 131, "ff0e::5");
	send_mld(&e, icmp, il, HOME2, COA2);
	assert_int_equal(e.st.mld_joins, 4);
	dp_free(&e);
}

/* RFC 6275 10.4.3, RFC 3810 5.1, RFC 5454 3.3.3: the periodic General
 * Query goes through the home address even to a node in care-of mode. */
static void rfc6275_10_4_3_query_through_home_address(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	ha_setup(&e, MIP_V6_TO_COA);
	uint8_t *q = B.pkt;
	assert_int_equal(dp_mip_mld_query(&e, HOME, q, &o), 0);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 20 + 20 + DP_MLD_QUERY_LEN);
	assert_int_equal(o.pkt[9], 4);                         /* IP in IP */
	assert_int_equal(get_be32(o.pkt + 16), COA);
	assert_int_equal(o.pkt[20 + 9], 41);                   /* 6in4 */
	assert_int_equal(get_be32(o.pkt + 20 + 12), HA4);
	assert_int_equal(get_be32(o.pkt + 20 + 16), HOME);
	static const uint8_t want[DP_MLD_QUERY_LEN - 2] = {
		0x60, 0, 0, 0, 0, 36, 0 /* hop-by-hop */, 1 /* hop limit */,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 198, 51, 100, 1,  /* fe80::c633:6401 */
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,       /* ff02::1 */
		58, 0, 5, 2, 0, 0, 1, 0,          /* HBH: Router Alert 0, PadN */
		130, 0,                           /* query, code (checksum below) */
	};
	const uint8_t *i6 = o.pkt + 40;
	assert_memory_equal(i6, want, 50);
	assert_int_equal(get_be16(i6 + 52), 10000);            /* Maximum Response Code */
	assert_int_equal(i6[72], 2);                           /* QRV */
	assert_int_equal(i6[73], 125);                         /* QQIC */
	assert_int_equal(get_be16(i6 + 74), 0);                /* general: no source */
	struct in6_addr s6, d6;
	memcpy(&s6, i6 + 8, 16);
	memcpy(&d6, i6 + 24, 16);
	uint32_t sum = ip_csum_pseudo6(&s6, &d6, IPPROTO_ICMPV6, 28);
	assert_int_equal(ip_csum_fold(ip_csum_partial(sum, i6 + 48, 28)), 0);
	assert_int_equal(e.st.mld_queries_sent, 1);
	assert_int_equal(dp_mip_mld_query(&e, 0x0a0a0a0au, q, &o), -ENOENT);
	/* a configured interval (ds46-had mld-query-interval) is the QQIC,
	 * and the checksum covers it */
	e.mip.mld_query_interval = 60;
	assert_int_equal(dp_mip_mld_query(&e, HOME, q, &o), 0);
	i6 = o.pkt + 40;
	assert_int_equal(i6[73], 60);
	memcpy(&s6, i6 + 8, 16);
	memcpy(&d6, i6 + 24, 16);
	sum = ip_csum_pseudo6(&s6, &d6, IPPROTO_ICMPV6, 28);
	assert_int_equal(ip_csum_fold(ip_csum_partial(sum, i6 + 48, 28)), 0);
	dp_free(&e);
}

/* The node's side: tunnelled group traffic and queries through the home
 * address reach its TUN; other link-scope multicast does not. */
static void mn_accepts_group_traffic_and_queries(void **state)
{
	(void)state;
	struct dp_engine e, ha;
	struct dp_out o;
	uint8_t *q = B.pkt;
	assert_int_equal(dp_init(&e, DP_ROLE_MIP_MN, 0), 0);
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = COA, .encap = ENCAP4_IPIP,
			       .v6_mode = MIP_V6_TO_HOA };
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_mip_mn_prefix_add(&e, &p, 48), 0);

	/* the home agent's query, as built above */
	ha_setup(&ha, MIP_V6_TO_HOA);
	assert_int_equal(dp_mip_mld_query(&ha, HOME, q, &o), 0);
	uint8_t tun[200];
	memcpy(tun, o.pkt, o.len);
	size_t tl = o.len;
	dp_mip_tunnel_in(&e, tun, tl, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(o.len, DP_MLD_QUERY_LEN);
	/* group traffic through the home address */
	uint8_t icmp[40];
	size_t il = mld1(icmp, 131, GROUP);
	send_mld(&ha, icmp, il, HOME, COA);
	size_t n = mc_udp(q, GROUP, 20);
	dp_mip_tun_in(&ha, q, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	memcpy(tun, o.pkt, o.len);
	dp_mip_tunnel_in(&e, tun, o.len, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(o.len, n);
	/* a link-scope group other than MLD: dropped */
	n = mc_udp(q + 40, "ff02::1", 20);
	outer4(q + 20, 41, HA4, HOME, n);
	outer4(q, 4, HA4, COA, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_multicast, 1);
	dp_free(&ha);
	dp_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc5454_3_3_3_mldv2_report),
		cmocka_unit_test(rfc2710_mldv1_report_done),
		cmocka_unit_test(rfc3810_malformed_mld_counted),
		cmocka_unit_test(rfc3810_9_4_timeout_and_binding_end),
		cmocka_unit_test(dsmipv4_3_3_2_multicast_copies),
		cmocka_unit_test(dsmipv4_3_3_2_multicast_scope),
		cmocka_unit_test(mld_groups_per_node_bounded),
		cmocka_unit_test(rfc6275_10_4_3_query_through_home_address),
		cmocka_unit_test(mn_accepts_group_traffic_and_queries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
