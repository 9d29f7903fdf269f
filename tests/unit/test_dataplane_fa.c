/* Unit tests for src/dataplane/engine_fa.c (the foreign agent role) and the
 * mobile node's foreign-agent care-of address mode (engine_mip.c, via_fa).
 * Packets are built from annotated bytes; outputs are checked octet by
 * octet (RFC 5944 4.2.2, RFC 3024 5.2 and 5.3, RFC 5454 3.4 and 3.5, RFC
 * 2003, RFC 2784, RFC 2004, RFC 4213, RFC 6040).
 *
 *   home agent 198.51.100.1 ==tunnel== [foreign agent 203.0.113.1 | TUN]
 *                                      --- visitor link --- mobile node
 *   visitor: home address 192.0.2.10, prefix 2001:db8:1::/48 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/engine_fa.h"
#include "dataplane/engine_mip.h"
#include "wire/ip.h"

#define FA4 0xcb007101u     /* 203.0.113.1: the foreign agent's care-of address */
#define FA4B 0xcb007102u    /* 203.0.113.2: its other advertised address */
#define HA4 0xc6336401u     /* 198.51.100.1: the visitor's home agent */
#define HA4B 0xc6336402u    /* 198.51.100.2: another home agent */
#define HOME 0xc000020au    /* 192.0.2.10: the visitor's home address */
#define HOME2 0xc000020bu   /* 192.0.2.11: another visitor */
#define CN4 0x0a000001u     /* 10.0.0.1: a correspondent node */
#define EVIL 0xcb0071eeu    /* 203.0.113.238 */

#define CN6 "2001:db8:cccc::1"
#define MN6 "2001:db8:1:2::10"      /* inside the visitor's /48 */
#define MN6B "2001:db8:2::10"       /* inside HOME2's /48 */
#define FA_ICMP6 "2001:db8:ffff::1"

struct buf {
	uint8_t room[DP_HEADROOM];
	uint8_t pkt[70000];
};
static struct buf B;
static uint8_t M[2048];     /* ICMPv4 messages */
static uint8_t T[2048];     /* a tunnel packet kept aside */

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

static void fa_setup(struct dp_engine *e, enum encap4_kind k, bool revtun4, bool v6_native)
{
	assert_int_equal(dp_init(e, DP_ROLE_MIP_FA, 0), 0);
	e->mip.icmp6_src = a6(FA_ICMP6);
	struct dp_fa_visitor v = { .home = HOME, .ha = HA4, .coa = FA4, .encap = k,
				   .revtun4 = revtun4, .v6_native = v6_native };
	assert_int_equal(dp_fa_visitor_set(e, &v), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_fa_prefix_add(e, HOME, &p, 48), 0);
}

/* ---- the visitor table ---------------------------------------------------------- */

static void visitor_table(void **state)
{
	(void)state;
	struct dp_engine e, h;
	struct dp_fa_visitor v = { .home = HOME, .ha = HA4, .coa = FA4, .encap = ENCAP4_GRE,
				   .revtun4 = true, .v6_native = true, .expires = 1000 };
	struct dp_fa_visitor g;
	struct in6_addr p48 = a6("2001:db8:1::"), p64 = a6("2001:db8:1:2::"),
			p2 = a6("2001:db8:2::"), ll = a6("fe80::");
	uint32_t home;

	assert_int_equal(dp_init(&e, DP_ROLE_MIP_FA, 0), 0);
	assert_int_equal(dp_fa_visitor_count(&e), 0);
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	assert_int_equal(dp_fa_visitor_count(&e), 1);
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &g), 0);
	assert_int_equal(g.home, HOME);
	assert_int_equal(g.ha, HA4);
	assert_int_equal(g.coa, FA4);
	assert_int_equal(g.encap, ENCAP4_GRE);
	assert_true(g.revtun4);
	assert_true(g.v6_native);
	assert_int_equal(g.expires, 1000);
	assert_int_equal(dp_fa_prefix_add(&e, HOME, &p48, 48), 0);
	assert_int_equal(dp_fa_prefix_add(&e, HOME, &p48, 48), 0);        /* again: fine */
	assert_int_equal(dp_fa_prefix_add(&e, HOME, &p64, 64), 0);
	assert_int_equal(dp_fa_prefix_add(&e, HOME2, &p2, 48), -ENOENT);  /* not a visitor */
	assert_int_equal(dp_fa_prefix_add(&e, HOME, &p2, 129), -EINVAL);
	assert_int_equal(dp_fa_prefix_add(&e, HOME, &ll, 64), -EINVAL);   /* link-local */
	/* replace: the prefixes stay */
	v.ha = HA4B;
	v.revtun4 = false;
	v.encap = ENCAP4_MINIMAL;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	assert_int_equal(dp_fa_visitor_count(&e), 1);
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &g), 0);
	assert_int_equal(g.ha, HA4B);
	assert_false(g.revtun4);
	assert_int_equal(g.encap, ENCAP4_MINIMAL);
	assert_int_equal(prefix6_lookup(&e.mip.prefixes, &p64, &home, NULL), 0);
	assert_int_equal(home, HOME);
	/* another visitor cannot take that prefix */
	struct dp_fa_visitor v2 = { .home = HOME2, .ha = HA4, .coa = FA4B, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_fa_visitor_set(&e, &v2), 0);
	assert_int_equal(dp_fa_visitor_count(&e), 2);
	assert_int_equal(dp_fa_prefix_add(&e, HOME2, &p48, 48), -EEXIST);
	assert_int_equal(dp_fa_prefix_del(&e, HOME2, &p48, 48), -ENOENT);  /* not its */
	assert_int_equal(dp_fa_prefix_add(&e, HOME2, &p2, 48), 0);
	assert_int_equal(dp_fa_prefix_del(&e, HOME, &p64, 64), 0);
	assert_int_equal(dp_fa_prefix_del(&e, HOME, &p64, 64), -ENOENT);
	/* deleting the visitor takes its prefixes */
	assert_int_equal(dp_fa_visitor_del(&e, HOME), 0);
	assert_int_equal(dp_fa_visitor_del(&e, HOME), -ENOENT);
	assert_int_equal(dp_fa_visitor_count(&e), 1);
	assert_int_equal(prefix6_lookup(&e.mip.prefixes, &p48, &home, NULL), -ENOENT);
	assert_int_equal(e.mip.prefixes.count, 1);
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &g), -ENOENT);
	/* validation */
	struct dp_fa_visitor bad = v;
	bad.encap = ENCAP4_6IN4;
	assert_int_equal(dp_fa_visitor_set(&e, &bad), -EINVAL);
	bad = v;
	bad.home = 0x00000001;
	assert_int_equal(dp_fa_visitor_set(&e, &bad), -EINVAL);
	bad = v;
	bad.ha = 0;
	assert_int_equal(dp_fa_visitor_set(&e, &bad), -EINVAL);
	bad = v;
	bad.coa = 0;
	assert_int_equal(dp_fa_visitor_set(&e, &bad), -EINVAL);
	dp_free(&e);

	/* another role's engine */
	assert_int_equal(dp_init(&h, DP_ROLE_MIP_HA, 0), 0);
	assert_int_equal(dp_fa_visitor_set(&h, &v), -EINVAL);
	assert_int_equal(dp_fa_visitor_del(&h, HOME), -ENOENT);
	assert_int_equal(dp_fa_prefix_add(&h, HOME, &p48, 48), -EINVAL);
	assert_int_equal(dp_fa_visitor_count(&h), 0);
	dp_free(&h);
}

/* ---- home agent -> visitor (RFC 5944 4.2.2) --------------------------------------------- */

static void decap_ipv4(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	fa_setup(&e, ENCAP4_IPIP, false, false);

	/* IP in IP, HA -> FA, inner CN -> home */
	size_t n = udp4(B.pkt + 20, 100, CN4, HOME, 0, false);
	memcpy(ref, B.pkt + 20, n);
	outer4(B.pkt, 4, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 20);
	assert_int_equal(o.len, 100);
	assert_memory_equal(o.pkt, ref, 100);
	assert_int_equal(e.st.fa_decap, 1);
	assert_int_equal(e.st.tx_tun, 1);
	assert_int_equal(e.st.rx_tunnel, 1);
	assert_int_equal(binding_get(&e.bindings, HOME)->pkts_in, 1);

	/* GRE (flags 0, protocol type 0x0800) */
	static const uint8_t gre4[] = { 0x00, 0x00, 0x08, 0x00 };
	n = udp4(B.pkt + 24, 60, CN4, HOME, 0, false);
	memcpy(ref, B.pkt + 24, n);
	memcpy(B.pkt + 20, gre4, 4);
	outer4(B.pkt, 47, HA4, FA4, 0, 4 + n);
	dp_mip_tunnel_in(&e, B.pkt, 24 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 24);
	assert_memory_equal(o.pkt, ref, 60);

	/* minimal encapsulation (RFC 2004 3.1): the inner header rewritten,
	 * then the forwarding header with S set */
	n = udp4(ref, 60, CN4, HOME, 0, false);
	memcpy(B.pkt, ref, 20);                       /* the original header ... */
	B.pkt[9] = 55;                                /* protocol 55 */
	put_be16(B.pkt + 2, 72);                      /* 20 + 12 + 40 */
	put_be32(B.pkt + 12, HA4);                    /* source: the home agent */
	put_be32(B.pkt + 16, FA4);                    /* destination: the care-of address */
	ip4_hdr_csum_set(B.pkt, 20);
	uint8_t *fw = B.pkt + 20;
	fw[0] = IPPROTO_UDP;                          /* original protocol */
	fw[1] = 0x80;                                 /* S: original source present */
	put_be16(fw + 2, 0);
	put_be32(fw + 4, HOME);                       /* original destination */
	put_be32(fw + 8, CN4);                        /* original source */
	put_be16(fw + 2, ip_csum(fw, 12));
	memcpy(B.pkt + 32, ref + 20, 40);
	dp_mip_tunnel_in(&e, B.pkt, 72, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(o.len, 60);
	assert_memory_equal(o.pkt, ref, 60);
	assert_int_equal(e.st.fa_decap, 3);
	dp_free(&e);
}

static void decap_drops(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	fa_setup(&e, ENCAP4_IPIP, true, false);

	/* not from the visitor's home agent */
	size_t n = udp4(B.pkt + 20, 60, CN4, HOME, 0, false);
	outer4(B.pkt, 4, HA4B, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_fa_not_from_ha, 1);
	/* to our other address, not the one it registered with */
	n = udp4(B.pkt + 20, 60, CN4, HOME, 0, false);
	outer4(B.pkt, 4, HA4, FA4B, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_fa_not_our_coa, 1);
	/* for someone who is not a visitor */
	n = udp4(B.pkt + 20, 60, CN4, HOME2, 0, false);
	outer4(B.pkt, 4, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_fa_no_visitor, 1);
	/* RFC 6040 4.2: CE outside, Not-ECT inside */
	n = udp4(B.pkt + 20, 60, CN4, HOME, 0, false);
	outer4(B.pkt, 4, HA4, FA4, 0x03, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_ecn, 1);
	/* CE outside, ECT(0) inside: CE delivered */
	n = udp4(B.pkt + 20, 60, CN4, HOME, 0x02, false);
	outer4(B.pkt, 4, HA4, FA4, 0x03, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(o.pkt[1], 0x03);
	assert_int_equal(ip_csum(o.pkt, 20), 0);
	/* expiry, per packet */
	struct dp_fa_visitor v;
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &v), 0);
	v.expires = 500;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	e.now = 499;
	n = udp4(B.pkt + 20, 60, CN4, HOME, 0, false);
	outer4(B.pkt, 4, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	e.now = 500;
	n = udp4(B.pkt + 20, 60, CN4, HOME, 0, false);
	outer4(B.pkt, 4, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_fa_expired, 1);
	/* malformed: bad outer checksum, and an inner packet cut short */
	n = udp4(B.pkt + 20, 60, CN4, HOME, 0, false);
	outer4(B.pkt, 4, HA4, FA4, 0, n);
	B.pkt[10] ^= 0xff;
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_malformed, 1);
	assert_int_equal(e.st.ip_drops[IP_DROP_BAD_CHECKSUM], 1);
	outer4(B.pkt, 4, HA4, FA4, 0, 10);
	dp_mip_tunnel_in(&e, B.pkt, 30, &o);
	assert_int_equal(e.st.drop_malformed, 2);
	assert_int_equal(e.st.fa_decap, 2);
	dp_free(&e);
}

/* RFC 5454 3.4: IPv6 from the home agent for a v6_native visitor, in 6in4
 * or in GRE (0x86DD). */
static void decap_ipv6(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	fa_setup(&e, ENCAP4_GRE, false, true);

	size_t n = udp6(B.pkt + 20, 40, CN6, MN6, 0);
	memcpy(ref, B.pkt + 20, n);
	outer4(B.pkt, 41, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 20);
	assert_int_equal(o.len, 80);
	assert_memory_equal(o.pkt, ref, 80);

	static const uint8_t gre6[] = { 0x00, 0x00, 0x86, 0xdd };
	n = udp6(B.pkt + 24, 40, CN6, MN6, 0);
	memcpy(B.pkt + 20, gre6, 4);
	outer4(B.pkt, 47, HA4, FA4, 0, 4 + n);
	dp_mip_tunnel_in(&e, B.pkt, 24 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 24);
	assert_memory_equal(o.pkt, ref, 80);
	assert_int_equal(e.st.fa_decap, 2);

	/* not under a visitor's prefix; link-local; multicast */
	n = udp6(B.pkt + 20, 40, CN6, MN6B, 0);
	outer4(B.pkt, 41, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_fa_no_visitor, 1);
	n = udp6(B.pkt + 20, 40, CN6, "fe80::1", 0);
	outer4(B.pkt, 41, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_link_local, 1);
	n = udp6(B.pkt + 20, 40, CN6, "ff0e::1", 0);
	outer4(B.pkt, 41, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_multicast, 1);
	/* not from its home agent */
	n = udp6(B.pkt + 20, 40, CN6, MN6, 0);
	outer4(B.pkt, 41, EVIL, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_fa_not_from_ha, 1);

	/* a visitor whose IPv6 is not native here (the agent ignored the
	 * extensions): its IPv6 goes through its home address instead */
	struct dp_fa_visitor v;
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &v), 0);
	v.v6_native = false;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp6(B.pkt + 20, 40, CN6, MN6, 0);
	outer4(B.pkt, 41, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_fa_not_native, 1);
	/* ... which is IPv4 (6in4 to the home address) inside IP in IP: to
	 * the TUN as IPv4, the visitor unwraps it */
	size_t m = udp6(B.pkt + 40, 40, CN6, MN6, 0);
	outer4(B.pkt + 20, 41, HA4, HOME, 0, m);
	memcpy(ref, B.pkt + 20, 20 + m);
	outer4(B.pkt, 4, HA4, FA4, 0, 20 + m);
	dp_mip_tunnel_in(&e, B.pkt, 40 + m, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(o.len, 20 + m);
	assert_memory_equal(o.pkt, ref, 20 + m);
	dp_free(&e);
}

/* ---- visitor -> home agent (RFC 3024 5.2 direct delivery) -------------------------------- */

static void revtun_ipv4(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1500];
	fa_setup(&e, ENCAP4_IPIP, true, false);

	size_t n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_ptr_equal(o.pkt, B.pkt - 20);
	assert_int_equal(o.len, 120);
	assert_int_equal(o.frag_mtu, 0);
	static const uint8_t ipip[] = {
		0x45, 0x00, 0x00, 0x78,       /* version, IHL, TOS, total length 120 */
		0x00, 0x01, 0x00, 0x00,       /* identification 1, no flags */
		0x40, 0x04, 0x14, 0x4b,       /* TTL 64, protocol 4, checksum */
		0xcb, 0x00, 0x71, 0x01,       /* source: the care-of address */
		0xc6, 0x33, 0x64, 0x01,       /* destination: the home agent */
	};
	assert_memory_equal(o.pkt, ipip, 20);
	assert_memory_equal(o.pkt + 20, ref, 100);
	assert_int_equal(e.st.fa_revtun, 1);
	assert_int_equal(e.st.tx_tunnel, 1);
	assert_int_equal(binding_get(&e.bindings, HOME)->pkts_out, 1);
	assert_int_equal(binding_get(&e.bindings, HOME)->bytes_out, 100);

	/* GRE */
	struct dp_fa_visitor v;
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &v), 0);
	v.encap = ENCAP4_GRE;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 124);
	static const uint8_t gre[] = {
		0x45, 0x00, 0x00, 0x7c, 0x00, 0x02, 0x00, 0x00,
		0x40, 0x2f, 0x14, 0x1b,       /* protocol 47 */
		0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x01,
		0x00, 0x00, 0x08, 0x00,       /* GRE: IPv4 */
	};
	assert_memory_equal(o.pkt, gre, 24);
	assert_memory_equal(o.pkt + 24, ref, 100);

	/* minimal: S set (the original source, the home address, is not ours) */
	v.encap = ENCAP4_MINIMAL;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 112);
	assert_int_equal(o.pkt[9], 55);
	assert_int_equal(get_be32(o.pkt + 12), FA4);
	assert_int_equal(get_be32(o.pkt + 16), HA4);
	assert_int_equal(o.pkt[21], 0x80);
	assert_int_equal(get_be32(o.pkt + 24), CN4);
	assert_int_equal(get_be32(o.pkt + 28), HOME);
	assert_memory_equal(o.pkt + 32, ref + 20, 80);
	assert_int_equal(e.st.fa_revtun, 3);

	/* DF and larger than the path once encapsulated: ICMPv4 fragmentation
	 * needed from the care-of address, MTU 1500 - 12 */
	n = udp4(B.pkt, 1490, HOME, CN4, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(e.st.drop_too_big, 1);
	assert_int_equal(get_be32(o.pkt + 12), FA4);
	assert_int_equal(get_be32(o.pkt + 16), HOME);
	assert_int_equal(o.pkt[20], 3);
	assert_int_equal(o.pkt[21], 4);
	assert_int_equal(get_be16(o.pkt + 26), 1488);
	/* without DF: sent, to be cut at 1500 (minimal falls back to IP in IP
	 * for a fragment only) */
	v.encap = ENCAP4_IPIP;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp4(B.pkt, 1490, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1510);
	assert_int_equal(o.frag_mtu, 1500);

	/* T not granted: the kernel forwards it natively, never the engine */
	v.revtun4 = false;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_fa_no_revtun, 1);
	/* not a visitor */
	n = udp4(B.pkt, 100, HOME2, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_fa_no_visitor, 1);
	/* garbage */
	B.pkt[0] = 0x50;
	dp_mip_tun_in(&e, B.pkt, 40, &o);
	assert_int_equal(e.st.drop_malformed, 1);
	dp_mip_tun_in(&e, B.pkt, 0, &o);
	assert_int_equal(e.st.drop_malformed, 2);
	dp_free(&e);
}

/* RFC 5454 3.4: all IPv6 of a v6_native visitor, whatever T says: 6in4,
 * or GRE 0x86DD when GRE was negotiated. */
static void revtun_ipv6(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1400];
	fa_setup(&e, ENCAP4_MINIMAL, false, true);

	size_t n = udp6(B.pkt, 40, MN6, CN6, 0x2c);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 100);
	static const uint8_t sit[] = {
		0x45, 0x2c, 0x00, 0x64,       /* TOS: the traffic class, length 100 */
		0x00, 0x01, 0x00, 0x00,       /* DF clear (RFC 4213 3.2) */
		0x40, 0x29, 0x14, 0x0e,       /* protocol 41 */
		0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x01,
	};
	assert_memory_equal(o.pkt, sit, 20);
	assert_memory_equal(o.pkt + 20, ref, 80);

	struct dp_fa_visitor v;
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &v), 0);
	v.encap = ENCAP4_GRE;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp6(B.pkt, 40, MN6, CN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 104);
	assert_int_equal(o.pkt[9], 47);
	static const uint8_t gre6[] = { 0x00, 0x00, 0x86, 0xdd };
	assert_memory_equal(o.pkt + 20, gre6, 4);
	assert_memory_equal(o.pkt + 24, ref, 80);
	assert_int_equal(e.st.fa_revtun, 2);

	/* RFC 4213 3.2.1: above 1280 Packet Too Big from icmp6_src */
	n = udp6(B.pkt, 1250, MN6, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(e.st.drop_too_big, 1);
	assert_int_equal(o.pkt[40], 2);
	assert_int_equal(get_be32(o.pkt + 44), 1280);
	/* link-local source; not under a prefix; not native */
	n = udp6(B.pkt, 40, "fe80::1", CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_link_local, 1);
	n = udp6(B.pkt, 40, MN6B, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_fa_bad_inner6, 1);
	v.v6_native = false;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp6(B.pkt, 40, MN6, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_fa_not_native, 1);
	assert_int_equal(e.st.fa_revtun, 2);
	dp_free(&e);
}

/* RFC 3024 5.3: encapsulating delivery, IP in IP home address -> care-of
 * address, inner source the home address: re-tunnelled to the home agent
 * with the negotiated encapsulation (here GRE: 4 octets more). */
static void encapsulating_delivery(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[100];
	fa_setup(&e, ENCAP4_GRE, true, false);

	size_t n = udp4(B.pkt + 20, 100, HOME, CN4, 0, false);
	memcpy(ref, B.pkt + 20, n);
	outer4(B.pkt, 4, HOME, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_ptr_equal(o.pkt, B.pkt - 4);           /* in place, in the headroom */
	assert_int_equal(o.len, 124);
	static const uint8_t gre[] = {
		0x45, 0x00, 0x00, 0x7c, 0x00, 0x01, 0x00, 0x00,
		0x40, 0x2f, 0x14, 0x1c,
		0xcb, 0x00, 0x71, 0x01,       /* from the care-of address */
		0xc6, 0x33, 0x64, 0x01,       /* to the home agent */
		0x00, 0x00, 0x08, 0x00,
	};
	assert_memory_equal(o.pkt, gre, 24);
	assert_memory_equal(o.pkt + 24, ref, 100);
	assert_int_equal(e.st.fa_encap_delivery, 1);
	assert_int_equal(e.st.fa_revtun, 1);
	assert_int_equal(e.st.fa_decap, 0);

	/* to our other address */
	n = udp4(B.pkt + 20, 100, HOME, CN4, 0, false);
	outer4(B.pkt, 4, HOME, FA4B, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_fa_not_our_coa, 1);
	/* without T */
	struct dp_fa_visitor v;
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &v), 0);
	v.revtun4 = false;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	n = udp4(B.pkt + 20, 100, HOME, CN4, 0, false);
	outer4(B.pkt, 4, HOME, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_fa_no_revtun, 1);
	assert_int_equal(e.st.fa_encap_delivery, 1);
	dp_free(&e);
}

/* RFC 3024 5.2.1, 5.2.2: a visitor that asked for the encapsulating
 * delivery style sends to the agent address it registered through (the
 * source of our reply, here not the care-of address), with the forward
 * tunnel's encapsulation (here minimal, RFC 2004); its direct IPv4 must
 * not be reverse-tunnelled; its native IPv6 still is (RFC 5454 3.4). */
static void encapsulating_delivery_agent(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	struct dp_fa_visitor v;
	uint8_t ref[100];
	fa_setup(&e, ENCAP4_IPIP, true, true);
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &v), 0);
	assert_false(v.encap_delivery);
	assert_int_equal(v.agent, FA4);               /* 0 stands for coa */
	v.encap_delivery = true;
	v.agent = FA4B;
	assert_int_equal(dp_fa_visitor_set(&e, &v), 0);
	memset(&v, 0, sizeof(v));
	assert_int_equal(dp_fa_visitor_get(&e, HOME, &v), 0);
	assert_true(v.encap_delivery);
	assert_int_equal(v.agent, FA4B);

	/* IP in IP to the agent address */
	size_t n = udp4(B.pkt + 20, 100, HOME, CN4, 0, false);
	memcpy(ref, B.pkt + 20, n);
	outer4(B.pkt, 4, HOME, FA4B, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 120);
	assert_int_equal(o.pkt[9], 4);
	assert_int_equal(get_be32(o.pkt + 12), FA4);  /* from the care-of address */
	assert_int_equal(get_be32(o.pkt + 16), HA4);
	assert_memory_equal(o.pkt + 20, ref, 100);
	assert_int_equal(e.st.fa_encap_delivery, 1);

	/* minimal encapsulation (RFC 2004 3: 8 octets, no original source
	 * since the encapsulator is the source) to the care-of address */
	n = udp4(B.pkt + 28, 100, HOME, CN4, 0, false);
	memcpy(ref, B.pkt + 28, n);
	{
		uint8_t *mh = B.pkt + 20;
		mh[0] = IPPROTO_UDP;                  /* protocol */
		mh[1] = 0;                            /* S clear */
		put_be16(mh + 2, 0);
		put_be32(mh + 4, CN4);                /* original destination */
		put_be16(mh + 2, ip_csum(mh, 8));
		/* the outer header carries the original TTL and identification
		 * and the original source and length minus the inner header */
		outer4(B.pkt, 55, HOME, FA4, 0, 8 + 80);
	}
	dp_mip_tunnel_in(&e, B.pkt, 20 + 8 + 80, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(e.st.fa_encap_delivery, 2);
	assert_int_equal(get_be32(o.pkt + 16), HA4);
	assert_int_equal(get_be32(o.pkt + 20 + 12), HOME);   /* the rebuilt packet */
	assert_int_equal(get_be32(o.pkt + 20 + 16), CN4);

	/* direct: not reverse-tunnelled (5.2.1) */
	n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_fa_direct, 1);
	assert_int_equal(e.st.fa_revtun, 2);
	/* native IPv6 of the visitor still goes to its home agent */
	n = udp6(B.pkt, 40, MN6, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(e.st.fa_revtun, 3);
	/* another of our addresses is neither */
	n = udp4(B.pkt + 20, 100, HOME, CN4, 0, false);
	outer4(B.pkt, 4, HOME, 0xcb007103u, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_fa_not_our_coa, 1);
	dp_free(&e);
}

/* ---- ICMPv4 errors about reverse tunnel packets -------------------------------------- */

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

static void icmp4_in(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[1400];
	fa_setup(&e, ENCAP4_IPIP, true, true);

	size_t n = udp4(B.pkt, 1400, HOME, CN4, 0, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	memcpy(T, o.pkt, o.len);
	/* fragmentation needed at 1200 on the way to the home agent */
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1200, T, 48), &o);
	assert_int_equal(e.st.icmp4_tunnel_in, 1);
	assert_int_equal(e.st.tunnel_mtu_lowered, 1);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(e.st.icmp_relayed, 1);
	assert_int_equal(get_be32(o.pkt + 12), FA4);  /* from the care-of address */
	assert_int_equal(get_be32(o.pkt + 16), HOME); /* to the visitor */
	assert_int_equal(o.pkt[20], 3);
	assert_int_equal(o.pkt[21], 4);
	assert_int_equal(get_be16(o.pkt + 26), 1180);
	assert_memory_equal(o.pkt + 28, ref, 28);
	/* the next DF packet of that size is refused at once */
	n = udp4(B.pkt, 1400, HOME, CN4, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(get_be16(o.pkt + 26), 1180);
	/* time exceeded: host unreachable (RFC 2003 4); network unreachable
	 * stays network unreachable for the visitor (its destination is
	 * anywhere) */
	dp_mip_icmp4_in(&e, M, icmp4_about(11, 0, 0, T, 48), &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(o.pkt[20], 3);
	assert_int_equal(o.pkt[21], 1);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 0, 0, T, 48), &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(o.pkt[20], 3);
	assert_int_equal(o.pkt[21], 0);

	/* not ours: another home agent, another care-of address, another
	 * visitor's inner source */
	uint8_t q[48];
	memcpy(q, T, 48);
	put_be32(q + 16, HA4B);
	ip4_hdr_csum_set(q, 20);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1200, q, 48), &o);
	assert_int_equal(o.verdict, DP_DROP);
	memcpy(q, T, 48);
	put_be32(q + 12, FA4B);
	ip4_hdr_csum_set(q, 20);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1200, q, 48), &o);
	memcpy(q, T, 48);
	put_be32(q + 32, HOME2);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1200, q, 48), &o);
	/* a quote too short to name the visitor */
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1200, T, 28), &o);
	assert_int_equal(e.st.drop_icmp_not_ours, 4);
	assert_int_equal(e.st.icmp4_tunnel_in, 3);

	/* IPv6 reverse tunnel: named by its source prefix; relayed as
	 * ICMPv6 address unreachable */
	n = udp6(B.pkt, 100, MN6, CN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	memcpy(T, o.pkt, o.len);
	dp_mip_icmp4_in(&e, M, icmp4_about(11, 0, 0, T, 20 + 48), &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(o.pkt[0] >> 4, 6);
	assert_int_equal(o.pkt[40], 1);
	assert_int_equal(o.pkt[41], 3);
	assert_memory_equal(o.pkt + 48, ref, 48);
	dp_free(&e);
}

/* ---- mobile node in the foreign-agent care-of address mode (via_fa) ------------------ */

static void mn_via_fa(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	struct in6_addr p48 = a6("2001:db8:1::");
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = FA4, .v6_mode = MIP_V6_TO_HOA,
			       .via_fa = true, .udp_sport = 5000 /* ignored */ };

	assert_int_equal(dp_init(&e, DP_ROLE_MIP_MN, 0), 0);
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);      /* no encapsulation needed */
	assert_int_equal(dp_mip_mn_prefix_add(&e, &p48, 48), 0);
	assert_int_equal(e.mip.udp_sport, 0);

	/* IPv4 is routed natively via the agent */
	size_t n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_via_fa_ipv4, 1);

	/* code 0: IPv6 in IPv4 from the home address to the home agent */
	n = udp6(B.pkt, 40, MN6, CN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_ptr_equal(o.pkt, B.pkt - 20);
	assert_int_equal(o.len, 100);
	static const uint8_t sit[] = {
		0x45, 0x00, 0x00, 0x64, 0x00, 0x01, 0x00, 0x00,
		0x40, 0x29, 0x8e, 0x31,       /* protocol 41 */
		0xc0, 0x00, 0x02, 0x0a,       /* from the home address */
		0xc6, 0x33, 0x64, 0x01,       /* to the home agent */
	};
	assert_memory_equal(o.pkt, sit, 20);
	assert_memory_equal(o.pkt + 20, ref, 80);
	/* not from a registered address */
	n = udp6(B.pkt, 40, MN6B, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_bad_source, 1);

	/* from the home agent: 6in4 to the home address */
	n = udp6(B.pkt + 20, 40, CN6, MN6, 0);
	memcpy(ref, B.pkt + 20, n);
	outer4(B.pkt, 41, HA4, HOME, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 20);
	assert_memory_equal(o.pkt, ref, 80);
	/* IP in IP does not reach us via an agent; nor a packet to the agent */
	n = udp4(B.pkt + 20, 60, CN4, HOME, 0, false);
	outer4(B.pkt, 4, HA4, HOME, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_via_fa_ipv4, 2);
	n = udp6(B.pkt + 20, 40, CN6, MN6, 0);
	outer4(B.pkt, 41, HA4, FA4, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_not_our_address, 1);
	n = udp6(B.pkt + 20, 40, CN6, MN6, 0);
	outer4(B.pkt, 41, EVIL, HOME, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_not_from_ha, 1);

	/* ICMPv4 errors about our 6in4 packets (from the home address) */
	n = udp6(B.pkt, 1200, MN6, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	memcpy(T, o.pkt, 68);
	dp_mip_icmp4_in(&e, M, icmp4_about(3, 4, 1000, T, 68), &o);
	assert_int_equal(e.st.icmp4_tunnel_in, 1);
	assert_int_equal(e.st.tunnel_mtu_lowered, 1);

	/* code 1: native; nothing through the engine */
	m.v6_mode = MIP_V6_TO_COA;
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	n = udp6(B.pkt, 40, MN6, CN6, 0);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_via_fa_native6, 1);
	n = udp6(B.pkt + 20, 40, CN6, MN6, 0);
	outer4(B.pkt, 41, HA4, HOME, 0, n);
	dp_mip_tunnel_in(&e, B.pkt, 20 + n, &o);
	assert_int_equal(e.st.drop_via_fa_native6, 2);

	/* back to the co-located mode: an encapsulation is required again */
	m.via_fa = false;
	assert_int_equal(dp_mip_mn_set(&e, &m), -EINVAL);
	dp_free(&e);
}

/* RFC 3024 5.2.2, the node's side: IPv4 from the home address goes
 * encapsulated from the home address to the agent (the negotiated
 * encapsulation); code 0 IPv6 as 6in4 to the home agent inside it. */
static void mn_via_fa_encap_delivery(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	struct in6_addr p48 = a6("2001:db8:1::");
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = FA4, .v6_mode = MIP_V6_TO_HOA,
			       .via_fa = true, .fa_deliver = FA4B };

	assert_int_equal(dp_init(&e, DP_ROLE_MIP_MN, 0), 0);
	assert_int_equal(dp_mip_mn_set(&e, &m), -EINVAL); /* needs an encapsulation */
	m.encap = ENCAP4_IPIP;
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	assert_int_equal(e.mip.fa_deliver, FA4B);
	assert_int_equal(dp_mip_mn_prefix_add(&e, &p48, 48), 0);

	size_t n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_ptr_equal(o.pkt, B.pkt - 20);
	assert_int_equal(o.len, 120);
	static const uint8_t ipip[] = {
		0x45, 0x00, 0x00, 0x78,       /* total length 120 */
		0x00, 0x01, 0x00, 0x00,       /* identification 1 */
		0x40, 0x04,                   /* TTL 64, protocol 4 */
	};
	assert_memory_equal(o.pkt, ipip, sizeof(ipip));
	assert_int_equal(ip_csum(o.pkt, 20), 0);
	assert_int_equal(get_be32(o.pkt + 12), HOME);  /* from the home address */
	assert_int_equal(get_be32(o.pkt + 16), FA4B);  /* to the agent */
	assert_memory_equal(o.pkt + 20, ref, 100);
	/* not from the home address */
	n = udp4(B.pkt, 100, HOME2, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_bad_source, 1);

	/* code 0 IPv6: IP in IP (home -> agent) around 6in4 (home -> home agent) */
	n = udp6(B.pkt, 40, MN6, CN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 120);
	assert_int_equal(o.pkt[9], 4);
	assert_int_equal(get_be32(o.pkt + 12), HOME);
	assert_int_equal(get_be32(o.pkt + 16), FA4B);
	assert_int_equal(o.pkt[20 + 9], 41);
	assert_int_equal(get_be32(o.pkt + 20 + 12), HOME);
	assert_int_equal(get_be32(o.pkt + 20 + 16), HA4);
	assert_memory_equal(o.pkt + 40, ref, 80);

	/* DF too big for the two headers: fragmentation needed from home */
	n = udp4(B.pkt, 1500, HOME, CN4, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(o.pkt[20], 3);
	assert_int_equal(o.pkt[21], 4);
	assert_int_equal(get_be16(o.pkt + 26), 1480);

	/* direct again: IPv4 is the kernel's */
	m.fa_deliver = 0;
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(e.st.drop_via_fa_ipv4, 1);
	/* ignored co-located */
	m.via_fa = false;
	m.fa_deliver = FA4B;
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	assert_int_equal(e.mip.fa_deliver, 0);
	dp_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(visitor_table),
		cmocka_unit_test(decap_ipv4),
		cmocka_unit_test(decap_drops),
		cmocka_unit_test(decap_ipv6),
		cmocka_unit_test(revtun_ipv4),
		cmocka_unit_test(revtun_ipv6),
		cmocka_unit_test(encapsulating_delivery),
		cmocka_unit_test(encapsulating_delivery_agent),
		cmocka_unit_test(icmp4_in),
		cmocka_unit_test(mn_via_fa),
		cmocka_unit_test(mn_via_fa_encap_delivery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
