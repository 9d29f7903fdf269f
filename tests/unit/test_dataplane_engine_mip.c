/* Unit tests for src/dataplane/engine_mip.c: the Mobile IPv4 home agent and
 * mobile node (co-located care-of address) packet decisions.  Packets are
 * built from annotated bytes; outputs are checked octet by octet (RFC 2003,
 * RFC 2784, RFC 2004, RFC 4213, RFC 5454 3.3.2 double encapsulation, RFC
 * 5944 4.2.3, RFC 3024 5.2, RFC 6040).
 *
 *   correspondent --- [TUN | home agent 198.51.100.1] ==tunnel== care-of
 *                                                                203.0.113.5
 *   mobile node: home address 192.0.2.10, prefixes 2001:db8:1::/48 (IPv6) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/engine_mip.h"
#include "wire/ip.h"

#define HA4 0xc6336401u     /* 198.51.100.1: the home agent (local) */
#define HOME 0xc000020au    /* 192.0.2.10: the mobile node's home address */
#define HOME2 0xc000020bu   /* 192.0.2.11: another mobile node */
#define COA 0xcb007105u     /* 203.0.113.5: its care-of address */
#define COA2 0xcb007106u    /* 203.0.113.6 */
#define COA3 0xcb007107u    /* 203.0.113.7 */
#define CN4 0x0a000001u     /* 10.0.0.1: a correspondent node */
#define EVIL 0xcb0071eeu    /* 203.0.113.238: not a care-of address */

#define CN6 "2001:db8:cccc::1"
#define MN6 "2001:db8:1:2::10"      /* inside the node's /48 */
#define MN_LL "fe80::1:2:3:4"
#define HA_ICMP6 "2001:db8:ffff::1"

/* a packet buffer with the engine's headroom in front */
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

/* IPv4/UDP of total length len (>= 28): src -> dst, TOS, DF. */
static size_t udp4(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint8_t tos, bool df)
{
	memset(p, 0, len);
	p[0] = 0x45;                          /* version 4, IHL 5 */
	p[1] = tos;
	put_be16(p + 2, (uint16_t)len);       /* total length */
	put_be16(p + 4, 0x1234);              /* identification */
	put_be16(p + 6, df ? 0x4000 : 0);     /* flags */
	p[8] = 63;                            /* TTL */
	p[9] = IPPROTO_UDP;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	put_be16(p + 20, 40000);              /* UDP ports */
	put_be16(p + 22, 53);
	put_be16(p + 24, (uint16_t)(len - 20));
	for (size_t i = 28; i < len; i++)
		p[i] = (uint8_t)i;
	ip4_hdr_csum_set(p, len);
	return len;
}

/* IPv6/UDP with plen octets of payload (>= 8), traffic class tc. */
static size_t udp6(uint8_t *p, size_t plen, const char *src, const char *dst, uint8_t tc)
{
	struct in6_addr s = a6(src), d = a6(dst);
	memset(p, 0, 40 + plen);
	p[0] = (uint8_t)(0x60 | tc >> 4);     /* version 6, traffic class */
	p[1] = (uint8_t)(tc << 4);
	put_be16(p + 4, (uint16_t)plen);      /* payload length */
	p[6] = IPPROTO_UDP;                   /* next header */
	p[7] = 64;                            /* hop limit */
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	put_be16(p + 40, 547);                /* UDP ports */
	put_be16(p + 42, 546);
	put_be16(p + 44, (uint16_t)plen);
	for (size_t i = 48; i < 40 + plen; i++)
		p[i] = (uint8_t)i;
	return 40 + plen;
}

/* An MLDv2 report (ICMPv6 type 143) from src. */
static size_t mld6(uint8_t *p, const char *src)
{
	size_t n = udp6(p, 8, src, "ff02::16", 0);
	p[6] = IPPROTO_ICMPV6;
	p[40] = 143;
	return n;
}

/* An outer IPv4 header (no options) in front of payload_len octets. */
static void outer4(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, uint8_t tos,
		   size_t payload_len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[1] = tos;
	put_be16(p + 2, (uint16_t)(20 + payload_len));
	put_be16(p + 4, 0x0777);
	p[8] = 64;
	p[9] = proto;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	ip4_hdr_csum_set(p, 20);
}

/* Checks of an outer IPv4 header. */
static void check_outer(const uint8_t *p, size_t len, uint8_t proto, uint32_t src, uint32_t dst,
			uint8_t tos, bool df)
{
	struct ip4_view v;
	assert_int_equal(ip4_parse(p, len, &v, NULL), 0);
	assert_int_equal(v.total_len, len);
	assert_int_equal(v.hdr_len, 20);
	assert_int_equal(v.proto, proto);
	assert_int_equal(v.src, src);
	assert_int_equal(v.dst, dst);
	assert_int_equal(v.tos, tos);
	assert_int_equal(v.df, df);
	assert_int_equal(v.ttl, DP_MIP_TTL);
	assert_false(v.mf);
	assert_int_equal(v.frag_off, 0);
	assert_int_not_equal(v.id, 0);
}

static void ha_setup(struct dp_engine *e, enum encap4_kind k, enum mip_v6_mode mode)
{
	assert_int_equal(dp_init(e, DP_ROLE_MIP_HA, 0), 0);
	e->mip.local = HA4;
	e->mip.icmp6_src = a6(HA_ICMP6);
	struct dp_mip_bind b = { .home = HOME, .coa = COA, .encap = k, .v6_mode = mode };
	assert_int_equal(dp_mip_ha_bind(e, &b), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_mip_ha_prefix_add(e, HOME, &p, 48), 0);
}

/* ---- home agent, TUN -> tunnel ---------------------------------------------------- */

/* RFC 2003 3.1: outer TOS and DF copied, TTL 64, protocol 4. */
static void rfc2003_ipip(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	size_t n = udp4(B.pkt, 100, CN4, HOME, 0xb9, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n + 3 /* link padding */, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_ptr_equal(o.pkt, B.pkt - 20);
	assert_int_equal(o.len, 120);
	assert_int_equal(o.frag_mtu, 0);
	assert_int_equal(o.copies, 0);
	check_outer(o.pkt, o.len, 4, HA4, COA, 0xb9, true);
	assert_memory_equal(o.pkt + 20, ref, n);      /* the inner packet untouched */
	assert_int_equal(e.st.rx_tun, 1);
	assert_int_equal(e.st.tx_tunnel, 1);
	struct binding *b = binding_get(&e.bindings, HOME);
	assert_int_equal(b->pkts_out, 1);
	assert_int_equal(b->bytes_out, 100);
	/* identification advances, never 0 */
	e.mip.ip_id = 0xffff;
	udp4(B.pkt, 100, CN4, HOME, 0, false);
	dp_mip_tun_in(&e, B.pkt, 100, &o);
	assert_int_equal(get_be16(o.pkt + 4), 1);
	check_outer(o.pkt, o.len, 4, HA4, COA, 0, false);
	dp_free(&e);
}

/* RFC 2784 2: GRE, no checksum, version 0, protocol type 0x0800 / 0x86DD. */
static void rfc2784_gre(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1300];
	ha_setup(&e, ENCAP4_GRE, MIP_V6_TO_COA);
	size_t n = udp4(B.pkt, 60, CN4, HOME, 0x02, false);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 20 + 4 + 60);
	check_outer(o.pkt, o.len, 47, HA4, COA, 0x02, false);
	static const uint8_t gre4[] = { /* flags, version */ 0x00, 0x00, /* IPv4 */ 0x08, 0x00 };
	assert_memory_equal(o.pkt + 20, gre4, 4);
	assert_memory_equal(o.pkt + 24, ref, n);

	/* IPv6 to the care-of address (RFC 5454 3.3.2 (2)) in GRE */
	n = udp6(B.pkt, 100, CN6, MN6, 0x28);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 20 + 4 + 140);
	check_outer(o.pkt, o.len, 47, HA4, COA, 0x28, false);
	static const uint8_t gre6[] = { 0x00, 0x00, /* IPv6 */ 0x86, 0xdd };
	assert_memory_equal(o.pkt + 20, gre6, 4);
	assert_memory_equal(o.pkt + 24, ref, n);
	dp_free(&e);
}

/* RFC 2004 3.1: the header rewritten, then the minimal forwarding header
 * (S set: the home agent is not the original source). */
static void rfc2004_minimal(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	ha_setup(&e, ENCAP4_MINIMAL, MIP_V6_TO_COA);
	size_t n = udp4(B.pkt, 100, CN4, HOME, 0x10, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_ptr_equal(o.pkt, B.pkt - 12);
	assert_int_equal(o.len, 112);
	struct ip4_view v;
	assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
	assert_int_equal(v.proto, 55);
	assert_int_equal(v.src, HA4);
	assert_int_equal(v.dst, COA);
	assert_int_equal(v.ttl, 63);                    /* the original's, kept */
	assert_int_equal(v.id, 0x1234);
	assert_true(v.df);
	const uint8_t *f = o.pkt + 20;
	assert_int_equal(f[0], IPPROTO_UDP);            /* protocol */
	assert_int_equal(f[1], 0x80);                   /* S */
	assert_int_equal(ip_csum(f, 12), 0);
	assert_int_equal(get_be32(f + 4), HOME);        /* original destination */
	assert_int_equal(get_be32(f + 8), CN4);         /* original source */
	assert_memory_equal(o.pkt + 32, ref + 20, n - 20);

	/* a fragment or a header with options: IP in IP instead */
	n = udp4(B.pkt, 100, CN4, HOME, 0, false);
	put_be16(B.pkt + 6, 0x2000);                    /* MF */
	ip4_hdr_csum_set(B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_outer(o.pkt, o.len, 4, HA4, COA, 0, false);
	assert_int_equal(o.len, 120);
	uint8_t *p = B.pkt;
	memset(p, 0, 64);
	p[0] = 0x46;                                    /* IHL 6: one option word */
	put_be16(p + 2, 32);
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	put_be32(p + 12, CN4);
	put_be32(p + 16, HOME);
	p[20] = 1; p[21] = 1; p[22] = 1; p[23] = 0;    /* NOP NOP NOP EOL */
	ip4_hdr_csum_set(p, 32);
	dp_mip_tun_in(&e, p, 32, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_outer(o.pkt, o.len, 4, HA4, COA, 0, false);

	/* IPv6 to the care-of address: minimal cannot carry it, 6in4 */
	n = udp6(B.pkt, 20, CN6, MN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_outer(o.pkt, o.len, 41, HA4, COA, 0, false);
	assert_int_equal(o.len, 80);
	dp_free(&e);
}

/* RFC 5944 4.2.3: no binding -> ICMPv4 host unreachable to the sender. */
static void no_binding_host_unreachable(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	size_t n = udp4(B.pkt, 60, CN4, HOME2, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_ptr_equal(o.pkt, o.icmp);
	struct ip4_view v;
	assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
	assert_int_equal(v.proto, IPPROTO_ICMP);
	assert_int_equal(v.src, HA4);
	assert_int_equal(v.dst, CN4);
	assert_int_equal(v.payload[0], 3);             /* destination unreachable */
	assert_int_equal(v.payload[1], 1);             /* host unreachable */
	assert_int_equal(ip_csum(v.payload, v.payload_len), 0);
	assert_memory_equal(v.payload + 8, B.pkt, 28); /* quoted header + 8 */
	assert_int_equal(e.st.drop_no_binding, 1);
	assert_int_equal(e.st.icmp4_sent, 1);
	dp_free(&e);
}

/* DF set and too large once encapsulated: fragmentation needed with the
 * MTU left for the inner packet; DF clear: sent with frag_mtu. */
static void df_frag_needed_and_frag_mtu(void **state)
{
	(void)state;
	static const struct { enum encap4_kind k; uint16_t mtu; } c[] = {
		{ ENCAP4_IPIP, 1480 }, { ENCAP4_GRE, 1476 }, { ENCAP4_MINIMAL, 1488 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct dp_engine e;
		struct dp_out o;
		ha_setup(&e, c[i].k, MIP_V6_TO_HOA);
		size_t n = udp4(B.pkt, c[i].mtu, CN4, HOME, 0, true);
		dp_mip_tun_in(&e, B.pkt, n, &o);             /* just fits */
		assert_int_equal(o.verdict, DP_TO_TUNNEL4);
		assert_int_equal(o.len, 1500);
		assert_int_equal(o.frag_mtu, 0);
		n = udp4(B.pkt, c[i].mtu + 1u, CN4, HOME, 0, true);
		dp_mip_tun_in(&e, B.pkt, n, &o);
		assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
		struct ip4_view v;
		assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
		assert_int_equal(v.payload[0], 3);
		assert_int_equal(v.payload[1], 4);         /* fragmentation needed */
		assert_int_equal(get_be16(v.payload + 6), c[i].mtu);
		assert_int_equal(e.st.drop_too_big, 1);
		/* without DF: sent, the I/O loop fragments */
		n = udp4(B.pkt, 2000, CN4, HOME, 0, false);
		dp_mip_tun_in(&e, B.pkt, n, &o);
		assert_int_equal(o.verdict, DP_TO_TUNNEL4);
		assert_int_equal(o.frag_mtu, 1500);
		assert_int_equal(o.len, 2000 + 1500u - c[i].mtu);
		assert_int_equal(get_be16(o.pkt + 6) & 0x4000, 0);
		dp_free(&e);
	}
}

/* RFC 5454 3.3.2 (1): IPv6 in IPv4 to the home address, then that packet
 * to the care-of address with the registered encapsulation. */
static void rfc5454_3_3_2_double_encapsulation(void **state)
{
	(void)state;
	static const struct { enum encap4_kind k; uint8_t proto; size_t hdr; } c[] = {
		/* hdr: octets in front of the IPv6 packet; minimal rewrites the
		 * 6in4 header and adds 8 (no S: we are its source) */
		{ ENCAP4_IPIP, 4, 40 }, { ENCAP4_GRE, 47, 44 }, { ENCAP4_MINIMAL, 55, 28 },
	};
	uint8_t ref[200];
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct dp_engine e;
		struct dp_out o;
		ha_setup(&e, c[i].k, MIP_V6_TO_HOA);
		size_t n = udp6(B.pkt, 60, CN6, MN6, 0xb8);
		memcpy(ref, B.pkt, n);
		dp_mip_tun_in(&e, B.pkt, n, &o);
		assert_int_equal(o.verdict, DP_TO_TUNNEL4);
		assert_int_equal(o.len, c[i].hdr + n);
		assert_memory_equal(o.pkt + c[i].hdr, ref, n);
		struct ip4_view v;
		assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
		assert_int_equal(v.proto, c[i].proto);
		assert_int_equal(v.src, HA4);
		assert_int_equal(v.dst, COA);
		assert_false(v.df);
		assert_int_equal(v.tos, 0xb8);
		if (c[i].k == ENCAP4_GRE)
			assert_int_equal(get_be16(o.pkt + 22), 0x0800);
		if (c[i].k == ENCAP4_MINIMAL) {
			const uint8_t *f = o.pkt + 20;
			assert_int_equal(f[0], 41);        /* protocol of the 6in4 packet */
			assert_int_equal(f[1], 0);         /* no S: we are its source */
			assert_int_equal(get_be32(f + 4), HOME);
		} else {
			/* the middle header: 6in4 from us to the home address */
			check_outer(o.pkt + c[i].hdr - 20, o.len - c[i].hdr + 20, 41, HA4, HOME,
				    0xb8, false);
		}
		dp_free(&e);
	}
}

/* RFC 5454 3.3.2 (2) and RFC 4213 3.5: 6in4 straight to the care-of
 * address when IP in IP was negotiated. */
static void rfc4213_6in4_to_coa(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_COA);
	size_t n = udp6(B.pkt, 60, CN6, MN6, 0x03);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 20 + n);
	check_outer(o.pkt, o.len, 41, HA4, COA, 0x03, false);
	assert_memory_equal(o.pkt + 20, ref, n);
	dp_free(&e);
}

/* Longest prefix match over several nodes' registrations. */
static void rfc5454_3_3_2_longest_prefix(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_COA);
	struct dp_mip_bind b2 = { .home = HOME2, .coa = COA2, .encap = ENCAP4_IPIP,
				  .v6_mode = MIP_V6_TO_COA };
	assert_int_equal(dp_mip_ha_bind(&e, &b2), 0);
	struct in6_addr p = a6("2001:db8:1:2::");
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME2, &p, 64), 0);
	/* the same prefix for another node: refused */
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &p, 64), -EEXIST);
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME2, &p, 64), 0);
	p = a6("2001:db8:1:2::99");
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &p, 128), 0);

	size_t n = udp6(B.pkt, 8, CN6, "2001:db8:1:2::10", 0);   /* the /64 */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(get_be32(o.pkt + 16), COA2);
	n = udp6(B.pkt, 8, CN6, "2001:db8:1:3::10", 0);           /* the /48 */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(get_be32(o.pkt + 16), COA);
	n = udp6(B.pkt, 8, CN6, "2001:db8:1:2::99", 0);           /* the /128 */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(get_be32(o.pkt + 16), COA);

	/* deleting the /64 falls back to the /48 */
	p = a6("2001:db8:1:2::");
	assert_int_equal(dp_mip_ha_prefix_del(&e, &p, 64), 0);
	assert_int_equal(dp_mip_ha_prefix_del(&e, &p, 64), -ENOENT);
	n = udp6(B.pkt, 8, CN6, "2001:db8:1:2::10", 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(get_be32(o.pkt + 16), COA);

	/* unbinding a node takes its prefixes */
	assert_int_equal(dp_mip_ha_unbind(&e, HOME, 0), 0);
	assert_int_equal(dp_mip_ha_unbind(&e, HOME, 0), -ENOENT);
	assert_int_equal(e.mip.prefixes.count, 0);
	n = udp6(B.pkt, 8, CN6, "2001:db8:1:3::10", 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(e.st.drop_no_binding, 1);
	dp_free(&e);
}

/* Checks of an ICMPv6 error from HA_ICMP6 about the packet at orig. */
static void check_icmp6(const struct dp_out *o, uint8_t type, uint8_t code, uint32_t mtu,
			const uint8_t *orig)
{
	struct ip6_view v;
	struct in6_addr src = a6(HA_ICMP6);
	assert_int_equal(o->verdict, DP_ICMP_TO_TUN);
	assert_ptr_equal(o->pkt, o->icmp);
	assert_int_equal(ip6_parse(o->pkt, o->len, &v, NULL), 0);
	assert_int_equal(v.proto, IPPROTO_ICMPV6);
	assert_memory_equal(&v.src, &src, 16);
	assert_memory_equal(&v.dst, orig + 8, 16);          /* the original source */
	assert_int_equal(v.payload[0], type);
	assert_int_equal(v.payload[1], code);
	assert_int_equal(get_be32(v.payload + 4), mtu);
	uint32_t sum = ip_csum_pseudo6(&v.src, &v.dst, IPPROTO_ICMPV6, (uint32_t)v.upper_len);
	assert_int_equal(ip_csum_fold(ip_csum_partial(sum, v.payload, v.upper_len)), 0);
	assert_memory_equal(v.payload + 8, orig, 48);       /* quoted */
}

/* dsmipv4-06 3.3.2, RFC 5454 3.7.1: link-local destinations. */
static void rfc5454_3_7_1_link_local(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_COA);
	size_t n = udp6(B.pkt, 40, CN6, MN_LL, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	check_icmp6(&o, ICMP6_DEST_UNREACH, 3, 0, ref);
	assert_int_equal(e.st.drop_link_local, 1);
	assert_int_equal(e.st.icmp6_sent, 1);

	/* with a prefix length: refused; as plen 255: registered */
	struct in6_addr ll = a6(MN_LL);
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &ll, 64), -EINVAL);
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &ll, 200), -EINVAL);
	struct in6_addr g = a6("2001:db8:5::1");
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &g, DP_MIP_PLEN_LINK_LOCAL), -EINVAL);
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &ll, DP_MIP_PLEN_LINK_LOCAL), 0);
	n = udp6(B.pkt, 40, CN6, MN_LL, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	/* mode "to the care-of address", but link-local goes via the home address */
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 40 + n);
	check_outer(o.pkt, o.len, 4, HA4, COA, 0, false);
	check_outer(o.pkt + 20, o.len - 20, 41, HA4, HOME, 0, false);
	assert_memory_equal(o.pkt + 40, ref, n);
	/* another link-local address still is not */
	n = udp6(B.pkt, 40, CN6, "fe80::1:2:3:5", 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(e.st.drop_link_local, 2);
	assert_int_equal(dp_mip_ha_prefix_del(&e, &ll, DP_MIP_PLEN_LINK_LOCAL), 0);
	n = udp6(B.pkt, 40, CN6, MN_LL, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	/* no ICMPv6 source configured: a plain drop */
	memset(&e.mip.icmp6_src, 0, 16);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_link_local, 4);
	dp_free(&e);
}

static void multicast_not_tunnelled_and_no_prefix(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_COA);
	size_t n = udp6(B.pkt, 8, CN6, "ff0e::1", 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_multicast, 1);
	assert_int_equal(e.st.icmp6_sent, 0);
	n = udp6(B.pkt, 8, CN6, "2001:db8:2::1", 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	check_icmp6(&o, ICMP6_DEST_UNREACH, 3, 0, ref);
	assert_int_equal(e.st.drop_no_binding, 1);
	dp_free(&e);
}

/* RFC 4213 3.2.1: above the static tunnel MTU, Packet Too Big. */
static void rfc4213_3_2_1_packet_too_big(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	ha_setup(&e, ENCAP4_GRE, MIP_V6_TO_HOA);
	size_t n = udp6(B.pkt, 1240, CN6, MN6, 0);           /* 1280: fits */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1280 + 44);
	n = udp6(B.pkt, 1241, CN6, MN6, 0);
	memcpy(ref, B.pkt, 100);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	check_icmp6(&o, ICMP6_PACKET_TOO_BIG, 0, 1280, ref);
	assert_int_equal(e.st.drop_too_big, 1);
	/* a smaller uplink: the tunnel packet is fragmented (DF clear) */
	e.mip.link_mtu = 1300;
	n = udp6(B.pkt, 1240, CN6, MN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.frag_mtu, 1300);
	assert_int_equal(get_be16(o.pkt + 6), 0);
	dp_free(&e);
}

/* RFC 5944 4.2.3 with the S bit: a copy to every care-of address. */
static void rfc5944_4_2_3_simultaneous_bindings(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o, c;
	uint8_t ref[100];
	uint32_t coas[8];
	uint8_t enc[8];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	struct dp_mip_bind b = { .home = HOME, .coa = COA2, .encap = ENCAP4_GRE,
				 .simultaneous = true };
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	b.coa = COA3;
	b.encap = ENCAP4_MINIMAL;
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	assert_int_equal(dp_mip_ha_coas(&e, HOME, coas, enc, 8), 3);
	assert_int_equal(coas[0], COA3);
	assert_int_equal(enc[0], ENCAP4_MINIMAL);
	assert_int_equal(coas[1], COA2);
	assert_int_equal(enc[1], ENCAP4_GRE);
	assert_int_equal(coas[2], COA);
	assert_int_equal(enc[2], ENCAP4_IPIP);

	size_t n = udp4(B.pkt, 100, CN4, HOME, 0, false);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.copies, 2);
	assert_int_equal(o.pkt[9], 55);                  /* minimal to COA3 */
	assert_int_equal(get_be32(o.pkt + 16), COA3);
	assert_int_equal(dp_mip_ha_copy(&e, 0, &c), 0);
	assert_int_equal(c.verdict, DP_TO_TUNNEL4);
	check_outer(c.pkt, c.len, 47, HA4, COA2, 0, false);
	assert_memory_equal(c.pkt + 24, ref, n);          /* header restored */
	assert_int_equal(dp_mip_ha_copy(&e, 1, &c), 0);
	check_outer(c.pkt, c.len, 4, HA4, COA, 0, false);
	assert_memory_equal(c.pkt + 20, ref, n);
	assert_int_equal(dp_mip_ha_copy(&e, 2, &c), -ENOENT);
	assert_int_equal(e.st.tx_copies, 2);
	assert_int_equal(e.st.tx_tunnel, 3);
	/* the primary is still intact after the copies */
	assert_int_equal(get_be32(o.pkt + 16), COA3);
	assert_memory_equal(o.pkt + 32, ref + 20, n - 20);

	/* IPv6 copies: each gets its own double encapsulation */
	n = udp6(B.pkt, 20, CN6, MN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.copies, 2);
	assert_int_equal(dp_mip_ha_copy(&e, 0, &c), 0);
	check_outer(c.pkt, c.len, 47, HA4, COA2, 0, false);
	check_outer(c.pkt + 24, c.len - 24, 41, HA4, HOME, 0, false);
	/* a care-of address gone before its copy */
	assert_int_equal(dp_mip_ha_unbind(&e, HOME, COA), 0);
	assert_int_equal(dp_mip_ha_copy(&e, 1, &c), 0);
	assert_int_equal(c.verdict, DP_DROP);
	/* the next packet resets the copies */
	n = udp4(B.pkt, 40, CN4, HOME2, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(dp_mip_ha_copy(&e, 0, &c), -ENOENT);

	/* removing the newest: the next newest takes over */
	assert_int_equal(dp_mip_ha_unbind(&e, HOME, COA3), 0);
	assert_int_equal(dp_mip_ha_coas(&e, HOME, coas, NULL, 8), 1);
	assert_int_equal(coas[0], COA2);
	assert_int_equal(dp_mip_ha_unbind(&e, HOME, COA3), -ENOENT);
	/* up to DP_MIP_SIM_MAX further ones */
	for (uint32_t i = 0; i < DP_MIP_SIM_MAX; i++) {
		b.coa = 0xcb007110 + i;
		assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	}
	b.coa = 0xcb007120;
	assert_int_equal(dp_mip_ha_bind(&e, &b), -ENOSPC);
	b.coa = COA2;                                     /* one of them: fine */
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	assert_int_equal(dp_mip_ha_coas(&e, HOME, coas, NULL, 8), 8);
	assert_int_equal(coas[0], COA2);
	assert_int_equal(coas[1], 0xcb007116);
	/* without S: only this one */
	b.simultaneous = false;
	b.coa = COA;
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	assert_int_equal(dp_mip_ha_coas(&e, HOME, coas, NULL, 8), 1);
	assert_int_equal(e.mip.n_sim, 0);
	/* the last care-of address takes the binding and its prefixes */
	assert_int_equal(dp_mip_ha_unbind(&e, HOME, COA), 0);
	assert_null(binding_get(&e.bindings, HOME));
	assert_int_equal(e.mip.prefixes.count, 0);
	dp_free(&e);
}

static void binding_validation(void **state)
{
	(void)state;
	struct dp_engine e;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	struct dp_mip_bind b = { .home = 0x00000001, .coa = COA, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&e, &b), -EINVAL);
	b.home = HOME2;
	b.coa = 0x000a0001;
	assert_int_equal(dp_mip_ha_bind(&e, &b), -EINVAL);
	b.coa = COA;
	b.encap = ENCAP4_6IN4;
	assert_int_equal(dp_mip_ha_bind(&e, &b), -EINVAL);
	struct in6_addr p = a6("2001:db8:9::");
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME2, &p, 48), -ENOENT);
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &p, 129), -EINVAL);
	assert_int_equal(dp_mip_ha_unbind(&e, HOME2, 0), -ENOENT);
	assert_int_equal(dp_mip_ha_unbind(&e, HOME, COA2), -ENOENT);
	/* each role's calls only on its engine */
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = COA, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_mn_set(&e, &m), -EINVAL);
	assert_int_equal(dp_mip_mn_prefix_add(&e, &p, 48), -EINVAL);
	dp_free(&e);
	struct dp_out o;
	assert_int_equal(dp_init(&e, DP_ROLE_MIP_MN, 0), 0);
	b.coa = COA;
	b.encap = ENCAP4_IPIP;
	assert_int_equal(dp_mip_ha_bind(&e, &b), -EINVAL);
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME2, &p, 48), -EINVAL);
	assert_int_equal(dp_mip_ha_unbind(&e, HOME2, 0), -ENOENT);
	assert_int_equal(dp_mip_ha_expire(&e, 1000), 0);
	assert_int_equal(dp_mip_ha_coas(&e, HOME2, NULL, NULL, 0), 0);
	assert_int_equal(dp_mip_ha_copy(&e, 0, &o), -ENOENT);
	/* not yet registered: nothing passes */
	size_t n = udp4(B.pkt, 60, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_no_binding, 1);
	dp_free(&e);
}

/* Lifetimes: per packet an expired care-of address is ignored; the timer
 * removes it (and the binding with its prefixes when none is left). */
static void expiry(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint32_t coas[8];
	assert_int_equal(dp_init(&e, DP_ROLE_MIP_HA, 0), 0);
	e.mip.local = HA4;
	struct dp_mip_bind b = { .home = HOME, .coa = COA, .encap = ENCAP4_IPIP, .expires = 300,
				 .simultaneous = true };
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	b.coa = COA2;
	b.expires = 200;                                  /* newest, expires first */
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &p, 48), 0);

	e.now = 250;                                      /* per packet */
	size_t n = udp4(B.pkt, 40, CN4, HOME, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(get_be32(o.pkt + 16), COA);
	assert_int_equal(o.copies, 0);
	/* reverse tunnel from the expired one: refused */
	uint8_t *q = B.pkt;
	udp4(q + 20, 40, HOME, CN4, 0, false);
	outer4(q, 4, COA2, HA4, 0, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_revtun_bad_outer, 1);

	assert_int_equal(dp_mip_ha_expire(&e, 100), 0);
	assert_int_equal(dp_mip_ha_expire(&e, 250), 1);
	assert_int_equal(dp_mip_ha_coas(&e, HOME, coas, NULL, 8), 1);
	assert_int_equal(coas[0], COA);
	assert_int_equal(e.mip.prefixes.count, 1);
	e.now = 300;
	dp_mip_tun_in(&e, B.pkt, udp4(B.pkt, 40, CN4, HOME, 0, false), &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(dp_mip_ha_expire(&e, 300), 1);
	assert_null(binding_get(&e.bindings, HOME));
	assert_int_equal(e.mip.prefixes.count, 0);
	assert_int_equal(e.mip.n_sim, 0);
	dp_free(&e);
}

/* ---- home agent, tunnel -> TUN ------------------------------------------------------ */

/* RFC 3024 5.2: from the registered care-of address, inner source the home
 * address; the spoofed ones are security exceptions. */
static void rfc3024_5_2_reverse_tunnel(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	uint8_t *q = B.pkt;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);

	udp4(q + 20, 60, HOME, CN4, 0, false);
	memcpy(ref, q + 20, 60);
	outer4(q, 4, COA, HA4, 0, 60);
	dp_mip_tunnel_in(&e, q, 80, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, q + 20);
	assert_int_equal(o.len, 60);
	assert_memory_equal(o.pkt, ref, 60);
	assert_int_equal(binding_get(&e.bindings, HOME)->pkts_in, 1);
	assert_int_equal(e.st.tx_tun, 1);

	/* spoofed outer source */
	udp4(q + 20, 60, HOME, CN4, 0, false);
	outer4(q, 4, EVIL, HA4, 0, 60);
	dp_mip_tunnel_in(&e, q, 80, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_revtun_bad_outer, 1);
	/* inner source not a home address */
	udp4(q + 20, 60, HOME2, CN4, 0, false);
	outer4(q, 4, COA, HA4, 0, 60);
	dp_mip_tunnel_in(&e, q, 80, &o);
	assert_int_equal(e.st.drop_not_registered, 1);
	/* addressed to someone else */
	udp4(q + 20, 60, HOME, CN4, 0, false);
	outer4(q, 4, COA, 0xc6336402, 0, 60);
	dp_mip_tunnel_in(&e, q, 80, &o);
	assert_int_equal(e.st.drop_not_our_address, 1);
	/* garbage: a named reason */
	outer4(q, 4, COA, HA4, 0, 60);
	q[20] = 0x35;
	dp_mip_tunnel_in(&e, q, 80, &o);
	assert_int_equal(e.st.drop_malformed, 1);
	assert_int_equal(e.st.ip_drops[IP_DROP_INNER_MISMATCH], 1);
	outer4(q, 99, COA, HA4, 0, 60);
	dp_mip_tunnel_in(&e, q, 80, &o);
	assert_int_equal(e.st.ip_drops[IP_DROP_NOT_TUNNEL], 1);
	assert_int_equal(e.st.tx_tun, 1);

	/* GRE with a key (RFC 2890) from the care-of address */
	static const uint8_t gre[] = { /* K */ 0x20, 0x00, 0x08, 0x00, /* key */ 0, 0, 0, 7 };
	memcpy(q + 20, gre, 8);
	udp4(q + 28, 40, HOME, CN4, 0, false);
	outer4(q, 47, COA, HA4, 0, 48);
	dp_mip_tunnel_in(&e, q, 68, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, q + 28);
	/* minimal encapsulation from the care-of address (S: not the source) */
	outer4(q, 55, COA, HA4, 0, 12 + 20);
	uint8_t *f = q + 20;
	f[0] = IPPROTO_UDP;
	f[1] = 0x80;
	put_be16(f + 2, 0);
	put_be32(f + 4, CN4);                          /* original destination */
	put_be32(f + 8, HOME);                         /* original source */
	put_be16(f + 2, ip_csum(f, 12));
	memset(q + 32, 0xab, 20);
	dp_mip_tunnel_in(&e, q, 52, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(o.len, 40);
	struct ip4_view v;
	assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
	assert_int_equal(v.src, HOME);
	assert_int_equal(v.dst, CN4);
	assert_int_equal(v.proto, IPPROTO_UDP);
	dp_free(&e);
}

/* RFC 5454 3.3.2: inner IPv6 sources under the node's prefixes, from its
 * care-of or home address. */
static void rfc5454_3_3_2_reverse_ipv6(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	uint8_t *q = B.pkt;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_COA);
	struct dp_mip_bind b2 = { .home = HOME2, .coa = COA2, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&e, &b2), 0);
	struct in6_addr p = a6("2001:db8:2::");
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME2, &p, 48), 0);

	/* 6in4 from the care-of address */
	size_t n = udp6(q + 20, 30, MN6, CN6, 0);
	memcpy(ref, q + 20, n);
	outer4(q, 41, COA, HA4, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, q + 20);
	assert_int_equal(o.len, n);
	assert_memory_equal(o.pkt, ref, n);
	/* a source outside every registered prefix */
	n = udp6(q + 20, 30, "2001:db8:3::1", CN6, 0);
	outer4(q, 41, COA, HA4, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_revtun_bad_inner6, 1);
	/* another node's prefix through this care-of address */
	n = udp6(q + 20, 30, "2001:db8:2::1", CN6, 0);
	outer4(q, 41, COA, HA4, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(e.st.drop_revtun_bad_outer, 1);
	/* spoofed outer source */
	n = udp6(q + 20, 30, MN6, CN6, 0);
	outer4(q, 41, EVIL, HA4, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(e.st.drop_revtun_bad_outer, 2);
	/* straight from the home address (no reverse tunnel) */
	n = udp6(q + 20, 30, MN6, CN6, 0);
	outer4(q, 41, HOME, HA4, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);

	/* double: IP in IP from the care-of address around 6in4 from the
	 * home address */
	n = udp6(q + 40, 30, MN6, CN6, 0);
	memcpy(ref, q + 40, n);
	outer4(q + 20, 41, HOME, HA4, 0, n);
	outer4(q, 4, COA, HA4, 0, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, q + 40);
	assert_memory_equal(o.pkt, ref, n);
	/* the same with an IPv6 source of another node */
	n = udp6(q + 40, 30, "2001:db8:2::1", CN6, 0);
	outer4(q + 20, 41, HOME, HA4, 0, n);
	outer4(q, 4, COA, HA4, 0, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(e.st.drop_revtun_bad_outer, 3);
	/* GRE carrying IPv6 from the care-of address */
	static const uint8_t gre6[] = { 0x00, 0x00, 0x86, 0xdd };
	memcpy(q + 20, gre6, 4);
	n = udp6(q + 24, 30, MN6, CN6, 0);
	outer4(q, 47, COA, HA4, 0, 4 + n);
	dp_mip_tunnel_in(&e, q, 24 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, q + 24);
	dp_free(&e);
}

/* RFC 5454 3.7.1 / 3.3.3: link-local sources only through the home
 * address, registered or MLD. */
static void rfc5454_3_3_3_link_local_sources(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t *q = B.pkt;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_COA);
	struct in6_addr ll = a6(MN_LL);
	assert_int_equal(dp_mip_ha_prefix_add(&e, HOME, &ll, DP_MIP_PLEN_LINK_LOCAL), 0);

	/* registered, double encapsulated from the home address */
	size_t n = udp6(q + 40, 30, MN_LL, "fe80::1", 0);
	outer4(q + 20, 41, HOME, HA4, 0, n);
	outer4(q, 4, COA, HA4, 0, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	/* registered, but straight from the care-of address */
	n = udp6(q + 20, 30, MN_LL, "fe80::1", 0);
	outer4(q, 41, COA, HA4, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_link_local, 1);
	/* unregistered: MLD passes, other traffic does not */
	n = mld6(q + 40, "fe80::99");
	outer4(q + 20, 41, HOME, HA4, 0, n);
	outer4(q, 4, COA, HA4, 0, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	n = udp6(q + 40, 30, "fe80::99", "fe80::1", 0);
	outer4(q + 20, 41, HOME, HA4, 0, n);
	outer4(q, 4, COA, HA4, 0, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_link_local, 2);
	dp_free(&e);
}

/* RFC 6040 4.2 at each decapsulation (RFC 5454 3.6). */
static void rfc6040_ecn(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t *q = B.pkt;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	/* outer CE, inner Not-ECT: dropped */
	udp4(q + 20, 40, HOME, CN4, 0x00, false);
	outer4(q, 4, COA, HA4, 0x03, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_ecn, 1);
	/* outer CE, inner ECT(0): inner becomes CE, checksum kept valid */
	udp4(q + 20, 40, HOME, CN4, 0x02, false);
	outer4(q, 4, COA, HA4, 0x03, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(o.pkt[1], 0x03);
	assert_int_equal(ip4_hdr_csum_check(o.pkt, 20), 0);
	/* double encapsulation: CE on the outer reaches the IPv6 packet */
	size_t n = udp6(q + 40, 30, MN6, CN6, 0x02);
	outer4(q + 20, 41, HOME, HA4, 0x02, n);
	outer4(q, 4, COA, HA4, 0x03, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal((o.pkt[1] >> 4) & 3, 3);
	/* and kills a Not-ECT one */
	n = udp6(q + 40, 30, MN6, CN6, 0x00);
	outer4(q + 20, 41, HOME, HA4, 0x00, n);
	outer4(q, 4, COA, HA4, 0x03, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_ecn, 2);
	dp_free(&e);
}

/* ---- mobile node ---------------------------------------------------------------------- */

static void mn_setup(struct dp_engine *e, enum encap4_kind k, enum mip_v6_mode mode)
{
	assert_int_equal(dp_init(e, DP_ROLE_MIP_MN, 0), 0);
	e->mip.icmp6_src = a6(HA_ICMP6);
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = COA, .encap = k, .v6_mode = mode };
	assert_int_equal(dp_mip_mn_set(e, &m), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_mip_mn_prefix_add(e, &p, 48), 0);
}

/* RFC 3024 5.2 (the node's side): reverse tunnel from the care-of address. */
static void mn_reverse_tunnel(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	mn_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	struct dp_mip_mn bad = { .home = HOME, .ha = 0, .coa = COA, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_mn_set(&e, &bad), -EINVAL);
	bad.ha = HA4;
	bad.encap = ENCAP4_6IN4;
	assert_int_equal(dp_mip_mn_set(&e, &bad), -EINVAL);

	size_t n = udp4(B.pkt, 60, HOME, CN4, 0x04, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_outer(o.pkt, o.len, 4, COA, HA4, 0x04, true);
	assert_memory_equal(o.pkt + 20, ref, n);
	/* another source */
	n = udp4(B.pkt, 60, COA, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_bad_source, 1);
	/* DF and too big */
	n = udp4(B.pkt, 1481, HOME, CN4, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	struct ip4_view v;
	assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
	assert_int_equal(v.dst, HOME);
	assert_int_equal(v.payload[1], 4);
	assert_int_equal(get_be16(v.payload + 6), 1480);

	/* IPv6, mode "home address": double, 6in4 from the home address */
	n = udp6(B.pkt, 30, MN6, CN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_outer(o.pkt, o.len, 4, COA, HA4, 0, false);
	check_outer(o.pkt + 20, o.len - 20, 41, HOME, HA4, 0, false);
	assert_memory_equal(o.pkt + 40, ref, n);
	/* a source outside the registered prefixes */
	n = udp6(B.pkt, 30, "2001:db8:2::1", CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_bad_source, 2);
	/* unregistered link-local: only MLD */
	n = udp6(B.pkt, 30, MN_LL, "fe80::1", 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_bad_source, 3);
	n = mld6(B.pkt, MN_LL);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_outer(o.pkt + 20, o.len - 20, 41, HOME, HA4, 0, false);
	/* above the static tunnel MTU */
	n = udp6(B.pkt, 1300, MN6, CN6, 0);
	memcpy(ref, B.pkt, 100);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	check_icmp6(&o, ICMP6_PACKET_TOO_BIG, 0, 1280, ref);

	/* mode "care-of address": 6in4 straight; link-local still via home */
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = COA, .encap = ENCAP4_GRE,
			       .v6_mode = MIP_V6_TO_COA };
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	n = udp6(B.pkt, 30, MN6, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	check_outer(o.pkt, o.len, 47, COA, HA4, 0, false);
	assert_int_equal(get_be16(o.pkt + 22), 0x86dd);
	struct in6_addr ll = a6(MN_LL);
	assert_int_equal(dp_mip_mn_prefix_add(&e, &ll, DP_MIP_PLEN_LINK_LOCAL), 0);
	n = udp6(B.pkt, 30, MN_LL, "fe80::1", 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_outer(o.pkt, o.len, 47, COA, HA4, 0, false);
	assert_int_equal(get_be16(o.pkt + 22), 0x0800);
	check_outer(o.pkt + 24, o.len - 24, 41, HOME, HA4, 0, false);
	/* minimal reverse tunnel: S set (the home address is the source) */
	m.encap = ENCAP4_MINIMAL;
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	n = udp4(B.pkt, 60, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.len, 72);
	assert_int_equal(o.pkt[9], 55);
	assert_int_equal(get_be32(o.pkt + 12), COA);
	assert_int_equal(get_be32(o.pkt + 16), HA4);
	assert_int_equal(o.pkt[21], 0x80);
	assert_int_equal(get_be32(o.pkt + 28), HOME);
	dp_mip_mn_prefix_clear(&e);
	n = udp6(B.pkt, 30, MN6, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_bad_source, 4);
	dp_free(&e);
}

/* Accepted only from the home agent to the care-of address, for the home
 * address and registered prefixes. */
/* Away and not (or no longer) registered: nothing is tunnelled and
 * nothing from the former home agent gets in; a registration restores
 * both directions. */
static void mn_unregistered(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t *q = B.pkt;
	mn_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	assert_int_equal(dp_mip_mn_unregistered(&e), 0);

	size_t n = udp4(B.pkt, 60, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_no_binding, 1);
	assert_int_equal(e.st.tx_tunnel, 0);
	udp4(q + 20, 40, CN4, HOME, 0, false);
	outer4(q, 4, HA4, COA, 0, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_not_from_ha, 1);

	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = COA, .encap = ENCAP4_IPIP,
			       .v6_mode = MIP_V6_TO_HOA };
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	n = udp4(B.pkt, 60, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);

	/* at home: no encapsulation or addresses needed, nothing passes */
	struct dp_mip_mn home = { .at_home = true };
	assert_int_equal(dp_mip_mn_set(&e, &home), 0);
	n = udp4(B.pkt, 60, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_at_home, 1);
	dp_free(&e);

	/* not on another role's engine */
	assert_int_equal(dp_init(&e, DP_ROLE_MIP_HA, 0), 0);
	assert_int_equal(dp_mip_mn_unregistered(&e), -EINVAL);
	dp_free(&e);
}

static void mn_from_home_agent(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	uint8_t *q = B.pkt;
	mn_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);

	udp4(q + 20, 40, CN4, HOME, 0, false);
	memcpy(ref, q + 20, 40);
	outer4(q, 4, HA4, COA, 0, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, q + 20);
	assert_memory_equal(o.pkt, ref, 40);
	udp4(q + 20, 40, CN4, HOME, 0, false);
	outer4(q, 4, EVIL, COA, 0, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_not_from_ha, 1);
	outer4(q, 4, HA4, COA2, 0, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(e.st.drop_not_our_address, 1);
	udp4(q + 20, 40, CN4, HOME2, 0, false);
	outer4(q, 4, HA4, COA, 0, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(e.st.drop_not_our_address, 2);

	/* double encapsulation from the home agent */
	size_t n = udp6(q + 40, 30, CN6, MN6, 0);
	memcpy(ref, q + 40, n);
	outer4(q + 20, 41, HA4, HOME, 0, n);
	outer4(q, 4, HA4, COA, 0, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, q + 40);
	assert_memory_equal(o.pkt, ref, n);
	/* to an address that is not registered */
	n = udp6(q + 40, 30, CN6, "2001:db8:2::1", 0);
	outer4(q + 20, 41, HA4, HOME, 0, n);
	outer4(q, 4, HA4, COA, 0, 20 + n);
	dp_mip_tunnel_in(&e, q, 40 + n, &o);
	assert_int_equal(e.st.drop_not_our_address, 3);
	/* 6in4 straight to the care-of address; link-local only via home */
	n = udp6(q + 20, 30, CN6, MN6, 0);
	outer4(q, 41, HA4, COA, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	n = udp6(q + 20, 30, "fe80::1", MN_LL, 0);
	outer4(q, 41, HA4, COA, 0, n);
	dp_mip_tunnel_in(&e, q, 20 + n, &o);
	assert_int_equal(e.st.drop_link_local, 1);

	/* at home nothing passes, either way */
	struct dp_mip_mn m = { .home = HOME, .encap = ENCAP4_IPIP, .at_home = true };
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	udp4(q + 20, 40, CN4, HOME, 0, false);
	outer4(q, 4, HA4, COA, 0, 40);
	dp_mip_tunnel_in(&e, q, 60, &o);
	assert_int_equal(o.verdict, DP_DROP);
	n = udp4(B.pkt, 60, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_at_home, 2);
	dp_free(&e);
}

static void malformed_counted(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	uint8_t junk[] = { 0x45, 0, 0, 99, 0, 0, 0, 0 };
	memcpy(B.pkt, junk, sizeof(junk));
	dp_mip_tun_in(&e, B.pkt, sizeof(junk), &o);
	assert_int_equal(o.verdict, DP_DROP);
	B.pkt[0] = 0x20;
	dp_mip_tun_in(&e, B.pkt, sizeof(junk), &o);
	dp_mip_tun_in(&e, B.pkt, 0, &o);
	dp_mip_tunnel_in(&e, B.pkt, 0, &o);
	assert_int_equal(e.st.drop_malformed, 4);
	assert_int_equal(e.st.ip_drops[IP_DROP_BAD_VERSION], 1);
	assert_int_equal(e.st.rx_tun, 3);
	assert_int_equal(e.st.rx_tunnel, 1);
	dp_free(&e);
}

/* ---- ICMPv4 errors from within the tunnel (RFC 2003 4, 4.1; RFC 4213 3.4) ------------ */

/* An ICMPv4 message as a router inside the tunnel sends it about the
 * tunnel packet t (from the ICMP header on, what dp_mip_icmp4_in takes):
 *   type, code, checksum, unused (16 bits), next-hop MTU (RFC 1191 4),
 *   then the first q octets of t (RFC 792: header + 8; RFC 1812 4.3.2.3:
 *   as much as fits in 576). */
static uint8_t M[2048];
static size_t icmp4_about(uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *t, size_t q)
{
	memset(M, 0, 8);
	M[0] = type;
	M[1] = code;
	put_be16(M + 6, mtu);
	memcpy(M + 8, t, q);
	put_be16(M + 2, ip_csum(M, 8 + q));
	return 8 + q;
}

/* The tunnel packet of the last DP_TO_TUNNEL4 verdict, kept aside. */
static uint8_t T[2048];
static size_t keep_tunnel(const struct dp_out *o)
{
	assert_int_equal(o->verdict, DP_TO_TUNNEL4);
	assert_true(o->len <= sizeof(T));
	memcpy(T, o->pkt, o->len);
	return o->len;
}

/* Checks a relayed ICMPv4 error: from src to dst, type / code / MTU, and
 * its quote is the first qlen octets of ref. */
static void relayed_icmp4(const struct dp_out *o, uint32_t src, uint32_t dst, uint8_t type,
			uint8_t code, uint16_t mtu, const uint8_t *ref, size_t qlen)
{
	struct ip4_view v;
	assert_int_equal(o->verdict, DP_ICMP_TO_TUN);
	assert_ptr_equal(o->pkt, o->icmp);
	assert_int_equal(ip4_parse(o->pkt, o->len, &v, NULL), 0);
	assert_int_equal(v.proto, IPPROTO_ICMP);
	assert_int_equal(v.src, src);
	assert_int_equal(v.dst, dst);
	assert_int_equal(v.tos, 0xc0);
	assert_int_equal(v.ttl, 64);
	assert_int_equal(o->len, 20 + 8 + qlen);
	assert_int_equal(ip_csum(v.payload, v.payload_len), 0);
	assert_int_equal(v.payload[0], type);
	assert_int_equal(v.payload[1], code);
	assert_int_equal(get_be16(v.payload + 4), 0);
	assert_int_equal(get_be16(v.payload + 6), mtu);
	assert_memory_equal(v.payload + 8, ref, qlen);
}

/* Checks a relayed ICMPv6 error from HA_ICMP6 to dst. */
static void relayed_icmp6(const struct dp_out *o, const char *dst, uint8_t type, uint8_t code,
			uint32_t mtu, const uint8_t *ref, size_t qlen)
{
	struct in6_addr s = a6(HA_ICMP6), d = a6(dst);
	assert_int_equal(o->verdict, DP_ICMP_TO_TUN);
	assert_int_equal(o->len, 40 + 8 + qlen);
	assert_int_equal(o->pkt[0], 0x60);
	assert_int_equal(get_be16(o->pkt + 4), 8 + qlen);
	assert_int_equal(o->pkt[6], IPPROTO_ICMPV6);
	assert_memory_equal(o->pkt + 8, &s, 16);
	assert_memory_equal(o->pkt + 24, &d, 16);
	const uint8_t *m = o->pkt + 40;
	uint32_t sum = ip_csum_pseudo6(&s, &d, IPPROTO_ICMPV6, (uint32_t)(8 + qlen));
	assert_int_equal(ip_csum_fold(ip_csum_partial(sum, m, 8 + qlen)), 0);
	assert_int_equal(m[0], type);
	assert_int_equal(m[1], code);
	assert_int_equal(get_be32(m + 4), mtu);
	assert_memory_equal(m + 8, ref, qlen);
}

/* RFC 2003 4.1: fragmentation needed lowers the tunnel MTU towards that
 * care-of address; the error is relayed at the inner MTU; later DF
 * packets above it are refused, others fragmented at the path MTU; the
 * soft state ages out (RFC 1191 6.3). */
static void rfc2003_4_1_tunnel_mtu(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1500];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	struct dp_mip_bind b2 = { .home = HOME2, .coa = COA2, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&e, &b2), 0);
	e.now = 1000;
	size_t n = udp4(B.pkt, 1450, CN4, HOME, 0, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	size_t tl = keep_tunnel(&o);                  /* 1470: HA4 -> COA, DF */
	assert_int_equal(tl, 1470);

	/* a router with a 1400-octet next hop, quoting 548 octets (RFC 1812) */
	size_t m = icmp4_about(3, 4, 1400, T, 548);
	dp_mip_icmp4_in(&e, M, m, &o);
	/* relayed: HA4 -> CN4, fragmentation needed, MTU 1400 - 20, quoting
	 * the inner packet (what followed the outer header) */
	relayed_icmp4(&o, HA4, CN4, 3, 4, 1380, ref, 528);
	assert_int_equal(e.st.icmp4_tunnel_in, 1);
	assert_int_equal(e.st.tunnel_mtu_lowered, 1);
	assert_int_equal(e.st.icmp_relayed, 1);
	assert_int_equal(e.st.icmp4_sent, 1);
	assert_int_equal(e.mip.n_pmtu, 1);

	/* the next DF packet above 1380 gets fragmentation needed, 1380 */
	n = udp4(B.pkt, 1381, CN4, HOME, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	relayed_icmp4(&o, HA4, CN4, 3, 4, 1380, B.pkt, 548);
	assert_int_equal(e.st.drop_too_big, 1);
	n = udp4(B.pkt, 1380, CN4, HOME, 0, true);    /* fits */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1400);
	assert_int_equal(o.frag_mtu, 0);
	/* without DF: sent, to be fragmented at the path MTU */
	n = udp4(B.pkt, 1450, CN4, HOME, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.frag_mtu, 1400);
	/* another care-of address is not affected */
	n = udp4(B.pkt, 1480, CN4, HOME2, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1500);

	/* a larger MTU does not raise it; an old router's 0 (RFC 1191 7):
	 * the plateau below the quoted 1400 is 1006 */
	n = udp4(B.pkt, 1380, CN4, HOME, 0, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	keep_tunnel(&o);
	m = icmp4_about(3, 4, 0, T, 28);                /* RFC 792: header + 8 */
	dp_mip_icmp4_in(&e, M, m, &o);
	assert_int_equal(o.verdict, DP_DROP);           /* nothing to relay */
	assert_int_equal(e.st.icmp4_not_relayed, 1);
	assert_int_equal(e.st.tunnel_mtu_lowered, 2);
	n = udp4(B.pkt, 987, CN4, HOME, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	relayed_icmp4(&o, HA4, CN4, 3, 4, 986, B.pkt, 548);

	/* soft state: gone at now + 600 (RFC 2003 4.1, RFC 1191 6.3) */
	e.now = 1599;
	n = udp4(B.pkt, 987, CN4, HOME, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	e.now = 1600;
	n = udp4(B.pkt, 1480, CN4, HOME, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1500);
	assert_int_equal(e.st.tunnel_mtu_aged, 1);
	assert_int_equal(e.mip.n_pmtu, 0);

	/* below pmtu_min: raised to it */
	e.mip.pmtu_min = 576;
	keep_tunnel(&o);
	m = icmp4_about(3, 4, 300, T, 48);
	dp_mip_icmp4_in(&e, M, m, &o);
	relayed_icmp4(&o, HA4, CN4, 3, 4, 556, B.pkt, 28);
	dp_free(&e);
}

/* RFC 2003 4.1 with GRE (24 octets of headers) and minimal encapsulation
 * (8): the inner MTU; minimal's original header is rebuilt for the quote
 * (RFC 2004 3), and the 8 octets after an outer header name the home
 * address. */
static void rfc2003_4_1_gre_minimal(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1500];

	ha_setup(&e, ENCAP4_GRE, MIP_V6_TO_HOA);
	size_t n = udp4(B.pkt, 1000, CN4, HOME, 0x10, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	keep_tunnel(&o);
	size_t m = icmp4_about(3, 4, 900, T, 20 + 4 + 60);
	dp_mip_icmp4_in(&e, M, m, &o);
	relayed_icmp4(&o, HA4, CN4, 3, 4, 876, ref, 60);
	dp_free(&e);

	ha_setup(&e, ENCAP4_MINIMAL, MIP_V6_TO_HOA);
	n = udp4(B.pkt, 1000, CN4, HOME, 0x10, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	keep_tunnel(&o);                               /* CN4 != HA4: S set, 12 */
	assert_int_equal(T[9], 55);
	m = icmp4_about(3, 4, 900, T, 20 + 12 + 60);
	dp_mip_icmp4_in(&e, M, m, &o);
	/* the quote is the original packet, header restored octet for octet */
	relayed_icmp4(&o, HA4, CN4, 3, 4, 888, ref, 80);
	assert_int_equal(e.st.tunnel_mtu_lowered, 1);
	/* only 8 octets after the outer header: the forwarding header's
	 * destination names the home address; a care-of address that is not
	 * registered for it: not ours */
	put_be32(T + 16, COA2);
	ip4_hdr_csum_set(T, 20);
	m = icmp4_about(3, 4, 800, T, 28);
	dp_mip_icmp4_in(&e, M, m, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_icmp_not_ours, 1);
	assert_int_equal(e.st.tunnel_mtu_lowered, 1);
	dp_free(&e);
}

/* RFC 4213 3.2.2, 3.4: IPv6 inside: Packet Too Big above the tunnel MTU,
 * never below 1280; below that the outer packet is fragmented. */
static void rfc4213_3_2_2_ipv6_ptb(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1500];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_COA);
	e.mip.tunnel6_mtu = 1480;                      /* configured above 1280 */
	size_t n = udp6(B.pkt, 1420, CN6, MN6, 0);     /* 1460 */
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	size_t tl = keep_tunnel(&o);
	assert_int_equal(tl, 1480);
	assert_int_equal(T[9], 41);
	size_t m = icmp4_about(3, 4, 1400, T, 20 + 40 + 100);
	dp_mip_icmp4_in(&e, M, m, &o);
	/* PTB 1380 to CN6, quoting the IPv6 packet */
	relayed_icmp6(&o, CN6, 2, 0, 1380, ref, 140);
	assert_int_equal(e.st.icmp6_sent, 1);
	assert_int_equal(e.st.icmp_relayed, 1);
	n = udp6(B.pkt, 1341, CN6, MN6, 0);            /* 1381 */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(get_be32(o.pkt + 44), 1380);
	n = udp6(B.pkt, 1340, CN6, MN6, 0);            /* 1380: fits */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1400);
	assert_int_equal(o.frag_mtu, 0);

	/* 1000: the IPv6 tunnel MTU stays 1280, the outer packet is cut */
	keep_tunnel(&o);
	m = icmp4_about(3, 4, 1000, T, 20 + 40 + 8);
	dp_mip_icmp4_in(&e, M, m, &o);
	relayed_icmp6(&o, CN6, 2, 0, 1280, T + 20, 48);  /* the 1380 one: PTB 1280 */
	n = udp6(B.pkt, 1240, CN6, MN6, 0);            /* 1280 */
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1300);
	assert_int_equal(o.frag_mtu, 1000);
	n = udp6(B.pkt, 1241, CN6, MN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(get_be32(o.pkt + 44), 1280);
	dp_free(&e);
}

/* RFC 2003 4: other errors relayed as host unreachable (time exceeded
 * MUST be); port unreachable, source route failed, source quench and
 * parameter problem are not; RFC 4213 3.4 / RFC 5454 3.3.2: an IPv6
 * packet through the home address gets ICMPv6 address unreachable. */
static void rfc2003_4_relay(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	size_t n = udp4(B.pkt, 100, CN4, HOME, 0, false);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	size_t tl = keep_tunnel(&o);
	static const struct { uint8_t type, code; bool relay; } c[] = {
		{ 11, 0, true },    /* time exceeded -> host unreachable */
		{ 3, 0, true },     /* net unreachable -> host (home network) */
		{ 3, 1, true },     /* host unreachable */
		{ 3, 2, true },     /* protocol unreachable -> host */
		{ 3, 13, true },    /* administratively prohibited -> host */
		{ 3, 3, false },    /* port unreachable: MUST NOT */
		{ 3, 5, false },    /* source route failed: MUST NOT */
		{ 4, 0, false },    /* source quench: SHOULD NOT */
		{ 12, 0, false },   /* parameter problem in our header */
	};
	unsigned relayed = 0, not_relayed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		size_t m = icmp4_about(c[i].type, c[i].code, 0, T, tl);
		dp_mip_icmp4_in(&e, M, m, &o);
		if (c[i].relay) {
			relayed_icmp4(&o, HA4, CN4, 3, 1, 0, ref, 100);
			relayed++;
		} else {
			assert_int_equal(o.verdict, DP_DROP);
			not_relayed++;
		}
	}
	assert_int_equal(e.st.icmp4_tunnel_in, ARRAY_SIZE(c));
	assert_int_equal(e.st.icmp_relayed, relayed);
	assert_int_equal(e.st.icmp4_not_relayed, not_relayed);
	assert_int_equal(e.st.tunnel_mtu_lowered, 0);

	/* RFC 1812 4.3.2.7: not about an ICMP error */
	n = udp4(B.pkt, 60, CN4, HOME, 0, false);
	B.pkt[9] = IPPROTO_ICMP;
	B.pkt[20] = 3;
	ip4_hdr_csum_set(B.pkt, 20);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	tl = keep_tunnel(&o);
	dp_mip_icmp4_in(&e, M, icmp4_about(11, 0, 0, T, tl), &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.icmp4_not_relayed, not_relayed + 1);

	/* IPv6 through the home address: outer (4) + 6in4 (41) + IPv6 */
	n = udp6(B.pkt, 60, CN6, MN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	tl = keep_tunnel(&o);
	assert_int_equal(tl, 20 + 20 + 100);
	dp_mip_icmp4_in(&e, M, icmp4_about(11, 0, 0, T, tl), &o);
	relayed_icmp6(&o, CN6, 1, 3, 0, ref, 100);
	/* with only 8 octets of the 6in4 header: nothing to relay */
	dp_mip_icmp4_in(&e, M, icmp4_about(11, 0, 0, T, 28), &o);
	assert_int_equal(o.verdict, DP_DROP);
	/* without an ICMPv6 source: none sent */
	memset(&e.mip.icmp6_src, 0, 16);
	dp_mip_icmp4_in(&e, M, icmp4_about(11, 0, 0, T, tl), &o);
	assert_int_equal(o.verdict, DP_DROP);
	dp_free(&e);
}

/* Errors not about our own tunnel packets are ignored and counted. */
static void icmp4_not_ours(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	size_t n = udp4(B.pkt, 1400, CN4, HOME, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	size_t tl = keep_tunnel(&o);
	uint8_t t[2048];
	memcpy(t, T, tl);
	unsigned k = 0;

	/* from another source than `local` */
	put_be32(T + 12, EVIL);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1000, T, 548), &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	/* not a tunnel protocol (a UDP packet of ours) */
	memcpy(T, t, tl);
	T[9] = IPPROTO_UDP;
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1000, T, 548), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	/* to a care-of address the home address does not have */
	memcpy(T, t, tl);
	put_be32(T + 16, COA3);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1000, T, 548), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	/* a non-first fragment */
	memcpy(T, t, tl);
	put_be16(T + 6, 0x00b9);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1000, T, 548), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	/* not an error: echo reply, redirect */
	memcpy(T, t, tl);
	dp_mip_icmp4_in(&e, M, icmp4_about(0, 0, 0, T, 548), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	dp_mip_icmp4_in(&e, M, icmp4_about(5, 1, 0, T, 548), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	/* truncated: no whole quoted header; bad IHL */
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1000, T, 19), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	dp_mip_icmp4_in(&e, M, 3, &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	T[0] = 0x44;
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1000, T, 548), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, ++k);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.icmp4_tunnel_in, 0);
	assert_int_equal(e.st.tunnel_mtu_lowered, 0);
	assert_int_equal(e.mip.n_pmtu, 0);
	/* the DSTM roles: nothing */
	struct dp_engine d;
	assert_int_equal(dp_init(&d, DP_ROLE_DSTM_TEP, 0), 0);
	memcpy(T, t, tl);
	dp_mip_icmp4_in(&d, M, icmp4_about(3, 4, 1000, T, 548), &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(d.st.drop_icmp_not_ours, 1);
	dp_free(&d);
	dp_free(&e);
}

/* The mobile node: errors from between it and its home agent, relayed to
 * its own stack (from the care-of address); one tunnel MTU. */
static void mn_icmp4_in(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1500];
	mn_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	size_t n = udp4(B.pkt, 1400, HOME, CN4, 0, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	size_t tl = keep_tunnel(&o);
	assert_int_equal(get_be32(T + 12), COA);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1300, T, 548), &o);
	relayed_icmp4(&o, COA, HOME, 3, 4, 1280, ref, 528);
	n = udp4(B.pkt, 1281, HOME, CN4, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	relayed_icmp4(&o, COA, HOME, 3, 4, 1280, B.pkt, 548);
	/* network unreachable: the node's destination is anywhere: code 0 */
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 0, 0, T, tl), &o);
	relayed_icmp4(&o, COA, HOME, 3, 0, 0, ref, 548);
	/* an inner source that is not the home address: not ours */
	put_be32(T + 20 + 12, CN4);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 0, 0, T, tl), &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_icmp_not_ours, 1);
	/* not to the home agent */
	put_be32(T + 20 + 12, HOME);
	put_be32(T + 16, EVIL);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 0, 0, T, tl), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, 2);
	/* at home: nothing is ours */
	put_be32(T + 16, HA4);
	struct dp_mip_mn home = { .home = HOME, .ha = HA4, .coa = COA, .encap = ENCAP4_IPIP,
				  .at_home = true };
	assert_int_equal(dp_mip_mn_set(&e, &home), 0);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 0, 0, T, tl), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, 3);
	assert_int_equal(e.st.icmp4_tunnel_in, 2);
	assert_int_equal(e.st.icmp_relayed, 2);
	dp_free(&e);
}

/* The table keeps DP_MIP_PMTU_WAYS destinations per set: more care-of
 * addresses than that replace the entry nearest its end. */
static void pmtu_table_full(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	ha_setup(&e, ENCAP4_IPIP, MIP_V6_TO_HOA);
	for (uint32_t i = 0; i < 200; i++) {
		e.now = 100 + i;
		struct dp_mip_bind b = { .home = HOME + 100 + i, .coa = COA + 100 + i,
					 .encap = ENCAP4_IPIP };
		assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
		size_t n = udp4(B.pkt, 1400, CN4, b.home, 0, true);
		dp_mip_tun_in(&e, B.pkt, n, &o);
		keep_tunnel(&o);
		dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1200, T, 60), &o);
		/* relayed, or rate-limited after 100 (RFC 1812 4.3.2.8) */
		assert_int_equal(e.st.icmp_relayed + e.st.drop_icmp_ratelimited, i + 1);
	}
	assert_int_equal(e.st.tunnel_mtu_lowered, 200);
	assert_int_equal(e.mip.n_pmtu, DP_MIP_PMTU_SETS * DP_MIP_PMTU_WAYS);
	/* the newest is there */
	size_t n = udp4(B.pkt, 1400, CN4, HOME + 299, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);         /* rate-limited answer */
	assert_int_equal(e.st.drop_too_big, 1);
	dp_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc2003_ipip),
		cmocka_unit_test(rfc2784_gre),
		cmocka_unit_test(rfc2004_minimal),
		cmocka_unit_test(no_binding_host_unreachable),
		cmocka_unit_test(df_frag_needed_and_frag_mtu),
		cmocka_unit_test(rfc5454_3_3_2_double_encapsulation),
		cmocka_unit_test(rfc4213_6in4_to_coa),
		cmocka_unit_test(rfc5454_3_3_2_longest_prefix),
		cmocka_unit_test(rfc5454_3_7_1_link_local),
		cmocka_unit_test(multicast_not_tunnelled_and_no_prefix),
		cmocka_unit_test(rfc4213_3_2_1_packet_too_big),
		cmocka_unit_test(rfc5944_4_2_3_simultaneous_bindings),
		cmocka_unit_test(binding_validation),
		cmocka_unit_test(expiry),
		cmocka_unit_test(rfc3024_5_2_reverse_tunnel),
		cmocka_unit_test(rfc5454_3_3_2_reverse_ipv6),
		cmocka_unit_test(rfc5454_3_3_3_link_local_sources),
		cmocka_unit_test(rfc6040_ecn),
		cmocka_unit_test(mn_reverse_tunnel),
		cmocka_unit_test(mn_unregistered),
		cmocka_unit_test(mn_from_home_agent),
		cmocka_unit_test(malformed_counted),
		cmocka_unit_test(rfc2003_4_1_tunnel_mtu),
		cmocka_unit_test(rfc2003_4_1_gre_minimal),
		cmocka_unit_test(rfc4213_3_2_2_ipv6_ptb),
		cmocka_unit_test(rfc2003_4_relay),
		cmocka_unit_test(icmp4_not_ours),
		cmocka_unit_test(mn_icmp4_in),
		cmocka_unit_test(pmtu_table_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
