/* Unit tests for RFC 3519 UDP tunnelling in src/dataplane/engine_mip.c:
 * the home agent's bindings with udp_port, the mobile node's udp_sport,
 * and dp_mip_udptun_in (RFC 3519 3.3, 4.2, 4.3, 4.9; RFC 5454 3.9: IPv6
 * with next header 41 directly in UDP).  Packets from annotated bytes,
 * outputs checked octet by octet.
 *
 *   home agent 198.51.100.1:434 ==UDP== NAT 203.0.113.5:40001 -- mobile node
 *   (co-located care-of address 10.1.0.5, registration port 5000)
 *   home address 192.0.2.10, prefix 2001:db8:1::/48 */
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
#include "wire/udptun.h"

#define HA4 0xc6336401u     /* 198.51.100.1 */
#define NAT4 0xcb007105u    /* 203.0.113.5: the care-of address as the HA sees it */
#define COA2 0xcb007106u    /* 203.0.113.6: a further, plain care-of address */
#define PRIV 0x0a010005u    /* 10.1.0.5: the node's private care-of address */
#define HOME 0xc000020au    /* 192.0.2.10 */
#define HOME2 0xc000020bu   /* 192.0.2.11 */
#define CN4 0x0a000001u     /* 10.0.0.1 */
#define EVIL 0xcb0071eeu
#define NATPORT 40001
#define MNPORT 5000

#define CN6 "2001:db8:cccc::1"
#define MN6 "2001:db8:1:2::10"

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

/* IPv4/UDP of total length len (>= 28). */
static size_t udp4(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint8_t tos, bool df)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[1] = tos;
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 4, 0x1234);
	put_be16(p + 6, df ? 0x4000 : 0);
	p[8] = 63;
	p[9] = IPPROTO_UDP;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	put_be16(p + 20, 40000);
	put_be16(p + 22, 53);
	put_be16(p + 24, (uint16_t)(len - 20));
	for (size_t i = 28; i < len; i++)
		p[i] = (uint8_t)i;
	ip4_hdr_csum_set(p, len);
	return len;
}

/* IPv6/UDP with plen octets of payload (>= 8). */
static size_t udp6(uint8_t *p, size_t plen, const char *src, const char *dst, uint8_t tc)
{
	struct in6_addr s = a6(src), d = a6(dst);
	memset(p, 0, 40 + plen);
	p[0] = (uint8_t)(0x60 | tc >> 4);
	p[1] = (uint8_t)(tc << 4);
	put_be16(p + 4, (uint16_t)plen);
	p[6] = IPPROTO_UDP;
	p[7] = 64;
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	put_be16(p + 40, 547);
	put_be16(p + 42, 546);
	put_be16(p + 44, (uint16_t)plen);
	for (size_t i = 48; i < 40 + plen; i++)
		p[i] = (uint8_t)i;
	return 40 + plen;
}

/* The MIP tunnel data header (RFC 3519 3.3) in front of p[4 ..]. */
static void tdata(uint8_t *p, uint8_t next_hdr)
{
	p[0] = 4;                   /* type: tunnel data */
	p[1] = next_hdr;
	p[2] = p[3] = 0;            /* reserved */
}

/* An ICMP echo (RFC 792) in IPv4 with 4 octets of data, at p. */
static size_t echo4(uint8_t *p, uint8_t type, uint32_t src, uint32_t dst)
{
	memset(p, 0, 36);
	p[0] = 0x45;
	put_be16(p + 2, 36);
	put_be16(p + 4, 0x0042);
	p[8] = 64;
	p[9] = IPPROTO_ICMP;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	ip4_hdr_csum_set(p, 20);
	p[20] = type;               /* 8 request, 0 reply */
	put_be16(p + 24, 0xbeef);   /* identifier */
	put_be16(p + 26, 7);        /* sequence */
	memcpy(p + 28, "ka!\n", 4);
	put_be16(p + 22, ip_csum(p + 20, 16));
	return 36;
}

/* The outer IPv4 + UDP of a tunnel data packet; the UDP checksum is
 * verified by udptun_decap. */
static void check_udp(const uint8_t *p, size_t len, uint32_t src, uint16_t sport, uint32_t dst,
		      uint16_t dport, uint8_t nh, uint8_t tos, bool df, bool csum)
{
	struct udptun_view v;
	enum udptun_drop why;
	assert_int_equal(udptun_decap(p, len, &v, &why), 0);
	assert_int_equal(v.outer.src, src);
	assert_int_equal(v.outer.dst, dst);
	assert_int_equal(v.outer.ttl, DP_MIP_TTL);
	assert_int_equal(v.outer.tos, tos);
	assert_int_equal(v.outer.df, df);
	assert_int_equal(v.outer.total_len, len);
	assert_int_equal(v.sport, sport);
	assert_int_equal(v.dport, dport);
	assert_int_equal(get_be16(p + 24), len - 20);      /* UDP length */
	assert_int_equal(v.udp_csum != 0, csum);
	assert_int_equal(v.next_hdr, nh);
	static const uint8_t hdr[] = { 4, 0, 0, 0 };
	assert_int_equal(p[28], 4);
	assert_int_equal(p[29], nh);
	assert_memory_equal(p + 30, hdr + 2, 2);
}

static void ha_setup(struct dp_engine *e, uint16_t port)
{
	assert_int_equal(dp_init(e, DP_ROLE_MIP_HA, 0), 0);
	e->mip.local = HA4;
	struct dp_mip_bind b = { .home = HOME, .coa = NAT4, .encap = ENCAP4_IPIP,
				 .v6_mode = MIP_V6_TO_HOA, .udp_port = port };
	assert_int_equal(dp_mip_ha_bind(e, &b), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_mip_ha_prefix_add(e, HOME, &p, 48), 0);
}

/* ---- home agent -> node ------------------------------------------------------------- */

static void ha_udp_out(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	ha_setup(&e, NATPORT);

	/* IPv4: next header 4; TOS and DF copied */
	size_t n = udp4(B.pkt, 100, CN4, HOME, 0xb9, true);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_ptr_equal(o.pkt, B.pkt - 32);
	assert_int_equal(o.len, 132);
	static const uint8_t hdr[] = {
		0x45, 0xb9, 0x00, 0x84,       /* TOS copied, total length 132 */
		0x00, 0x01, 0x40, 0x00,       /* id 1, DF copied */
		0x40, 0x11, 0xd3, 0x74,       /* TTL 64, UDP, checksum */
		0xc6, 0x33, 0x64, 0x01,       /* from the home agent */
		0xcb, 0x00, 0x71, 0x05,       /* to the NAT's address */
		0x01, 0xb2, 0x9c, 0x41,       /* 434 -> 40001 */
		0x00, 0x70,                   /* UDP length 112 */
	};
	assert_memory_equal(o.pkt, hdr, sizeof(hdr));
	check_udp(o.pkt, o.len, HA4, 434, NAT4, NATPORT, 4, 0xb9, true, true);
	assert_memory_equal(o.pkt + 32, ref, 100);
	assert_int_equal(e.st.udptun_out, 1);
	assert_int_equal(e.st.tx_tunnel, 1);

	/* IPv6: next header 41 directly (RFC 5454 3.9), not through the home
	 * address whatever the mode */
	n = udp6(B.pkt, 60, CN6, MN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 32 + 100);
	check_udp(o.pkt, o.len, HA4, 434, NAT4, NATPORT, 41, 0, false, true);
	assert_memory_equal(o.pkt + 32, ref, 100);

	/* RFC 768: checksum 0 when configured */
	e.mip.udp_csum_zero = true;
	n = udp4(B.pkt, 100, CN4, HOME, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	check_udp(o.pkt, o.len, HA4, 434, NAT4, NATPORT, 4, 0, false, false);
	assert_int_equal(get_be16(o.pkt + 26), 0);
	e.mip.udp_csum_zero = false;

	/* DF above the path: fragmentation needed at 1500 - 32 */
	n = udp4(B.pkt, 1480, CN4, HOME, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(e.st.drop_too_big, 1);
	assert_int_equal(get_be32(o.pkt + 12), HA4);
	assert_int_equal(get_be32(o.pkt + 16), CN4);
	assert_int_equal(get_be16(o.pkt + 26), 1468);
	/* without DF: cut at 1500 */
	n = udp4(B.pkt, 1480, CN4, HOME, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 1512);
	assert_int_equal(o.frag_mtu, 1500);
	assert_int_equal(e.st.udptun_out, 4);

	/* re-registered without UDP tunnelling: IP in IP again */
	struct dp_mip_bind b = { .home = HOME, .coa = NAT4, .encap = ENCAP4_IPIP,
				 .v6_mode = MIP_V6_TO_HOA };
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	n = udp4(B.pkt, 100, CN4, HOME, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.pkt[9], 4);
	assert_int_equal(o.len, 120);
	dp_free(&e);
}

/* RFC 5944 4.2.3 with RFC 3519: each care-of address gets its own kind. */
static void ha_udp_simultaneous(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o, c;
	uint8_t ref[200];
	assert_int_equal(dp_init(&e, DP_ROLE_MIP_HA, 0), 0);
	e.mip.local = HA4;
	struct dp_mip_bind b = { .home = HOME, .coa = COA2, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	b.coa = NAT4;
	b.udp_port = NATPORT;
	b.simultaneous = true;
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);

	size_t n = udp4(B.pkt, 100, CN4, HOME, 0, false);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.copies, 1);
	check_udp(o.pkt, o.len, HA4, 434, NAT4, NATPORT, 4, 0, false, true);
	assert_memory_equal(o.pkt + 32, ref, 100);
	assert_int_equal(dp_mip_ha_copy(&e, 0, &c), 0);
	assert_int_equal(c.verdict, DP_TO_TUNNEL4);
	assert_int_equal(c.len, 120);
	assert_int_equal(c.pkt[9], 4);
	assert_int_equal(get_be32(c.pkt + 16), COA2);
	assert_memory_equal(c.pkt + 20, ref, 100);

	/* the plain one newest: the UDP one is the copy */
	b.coa = COA2;
	b.udp_port = 0;
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	n = udp4(B.pkt, 100, CN4, HOME, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.pkt[9], 4);
	assert_int_equal(get_be32(o.pkt + 16), COA2);
	assert_int_equal(dp_mip_ha_copy(&e, 0, &c), 0);
	check_udp(c.pkt, c.len, HA4, 434, NAT4, NATPORT, 4, 0, false, true);
	assert_memory_equal(c.pkt + 32, ref, 100);
	assert_int_equal(e.st.udptun_out, 2);
	assert_int_equal(e.st.tx_copies, 2);
	dp_free(&e);
}

/* ---- node -> home agent (dp_mip_udptun_in at the home agent) ---------------------------- */

static void ha_udp_in(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	ha_setup(&e, NATPORT);

	/* IPv4 from the home address */
	size_t n = udp4(B.pkt + 4, 100, HOME, CN4, 0, false);
	memcpy(ref, B.pkt + 4, n);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 4);
	assert_int_equal(o.len, 100);
	assert_memory_equal(o.pkt, ref, 100);
	assert_int_equal(e.st.udptun_in, 1);
	assert_int_equal(e.st.tx_tun, 1);
	assert_int_equal(binding_get(&e.bindings, HOME)->pkts_in, 1);
	/* IPv6 from the registered prefix, next header 41 */
	n = udp6(B.pkt + 4, 60, MN6, CN6, 0);
	memcpy(ref, B.pkt + 4, n);
	tdata(B.pkt, 41);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 4);
	assert_memory_equal(o.pkt, ref, 100);
	assert_int_equal(e.st.udptun_in, 2);

	/* another port of the same address (the NAT re-mapped: register again) */
	n = udp4(B.pkt + 4, 100, HOME, CN4, 0, false);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT + 1, HA4, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_udptun_bad_port, 1);
	/* another address */
	dp_mip_udptun_in(&e, B.pkt, 4 + n, EVIL, NATPORT, HA4, &o);
	assert_int_equal(e.st.drop_udptun_no_binding, 1);
	/* not for us */
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, EVIL, &o);
	assert_int_equal(e.st.drop_not_our_address, 1);
	/* an inner source that is not a home address */
	n = udp4(B.pkt + 4, 100, HOME2, CN4, 0, false);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(e.st.drop_not_registered, 1);
	/* IPv6 from outside the prefixes */
	n = udp6(B.pkt + 4, 60, CN6, MN6, 0);
	tdata(B.pkt, 41);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(e.st.drop_revtun_bad_inner6, 1);
	/* RFC 3519 3.3: next header 47 is not this binding's mode */
	n = udp4(B.pkt + 8, 100, HOME, CN4, 0, false);
	tdata(B.pkt, 47);
	put_be32(B.pkt + 4, 0x00000800);             /* GRE: IPv4 */
	dp_mip_udptun_in(&e, B.pkt, 8 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(e.st.drop_udptun_next_hdr, 1);
	/* a registration message (type 1) is not tunnel data; garbage */
	B.pkt[0] = 1;
	dp_mip_udptun_in(&e, B.pkt, 28, NAT4, NATPORT, HA4, &o);
	assert_int_equal(e.st.drop_udptun_malformed, 1);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4, NAT4, NATPORT, HA4, &o);
	tdata(B.pkt, 6);
	dp_mip_udptun_in(&e, B.pkt, 50, NAT4, NATPORT, HA4, &o);
	assert_int_equal(e.st.drop_udptun_malformed + e.st.drop_udptun_next_hdr, 4);

	/* a binding without UDP tunnelling takes no tunnel data */
	struct dp_mip_bind b = { .home = HOME, .coa = NAT4, .encap = ENCAP4_IPIP,
				 .v6_mode = MIP_V6_TO_HOA };
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	n = udp4(B.pkt + 4, 100, HOME, CN4, 0, false);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(e.st.drop_udptun_no_binding, 2);
	assert_int_equal(e.st.udptun_in, 2);
	dp_free(&e);
}

/* RFC 3519 4.9: the keepalive is answered with an echo reply in UDP. */
static void ha_keepalive(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	ha_setup(&e, NATPORT);

	size_t n = echo4(B.pkt + 4, 8, HOME, HA4);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 32 + 36);
	check_udp(o.pkt, o.len, HA4, 434, NAT4, NATPORT, 4, 0, false, true);
	const uint8_t *r = o.pkt + 32;
	static const uint8_t reply[] = {
		0x00, 0x00,                   /* echo reply, code 0 */
	};
	assert_int_equal(get_be32(r + 12), HA4);     /* from the home agent */
	assert_int_equal(get_be32(r + 16), HOME);    /* to the home address */
	assert_int_equal(r[9], IPPROTO_ICMP);
	assert_int_equal(ip_csum(r, 20), 0);
	assert_memory_equal(r + 20, reply, 2);
	assert_int_equal(get_be16(r + 24), 0xbeef);
	assert_int_equal(get_be16(r + 26), 7);
	assert_memory_equal(r + 28, "ka!\n", 4);
	assert_int_equal(ip_csum(r + 20, 16), 0);
	assert_int_equal(e.st.udptun_keepalive_in, 1);
	assert_int_equal(e.st.udptun_keepalive_out, 1);
	assert_int_equal(e.st.udptun_in, 0);

	/* from another port: not answered */
	n = echo4(B.pkt + 4, 8, HOME, HA4);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT + 1, HA4, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_udptun_keepalive, 1);
	/* a ping the node sends elsewhere is data, reverse-tunnelled */
	n = echo4(B.pkt + 4, 8, HOME, CN4);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, NAT4, NATPORT, HA4, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(e.st.udptun_in, 1);
	assert_int_equal(e.st.udptun_keepalive_out, 1);
	dp_free(&e);
}

/* RFC 2003 4.1 for UDP tunnels: fragmentation needed about our tunnel
 * data lowers the path MTU towards the NAT and is relayed at the inner MTU
 * (32 octets less); other UDP packets are not ours. */
static void ha_udp_icmp(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	static uint8_t T[2048], M[2048], ref[64];
	ha_setup(&e, NATPORT);

	size_t n = udp4(B.pkt, 1400, CN4, HOME, 0, true);
	memcpy(ref, B.pkt, 28);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	memcpy(T, o.pkt, 60);
	/* ICMPv4 fragmentation needed, next-hop MTU 1200, quoting 60 octets:
	 * IPv4 (20) + UDP (8) + tunnel data header (4) + the inner IPv4 + 8 */
	memset(M, 0, 8);
	M[0] = 3;
	M[1] = 4;
	put_be16(M + 6, 1200);
	memcpy(M + 8, T, 60);
	put_be16(M + 2, ip_csum(M, 68));
	dp_mip_icmp4_in(&e, M, 68, &o);
	assert_int_equal(e.st.icmp4_tunnel_in, 1);
	assert_int_equal(e.st.tunnel_mtu_lowered, 1);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(get_be32(o.pkt + 16), CN4);
	assert_int_equal(o.pkt[20], 3);
	assert_int_equal(o.pkt[21], 4);
	assert_int_equal(get_be16(o.pkt + 26), 1168);
	assert_memory_equal(o.pkt + 28, ref, 28);
	n = udp4(B.pkt, 1400, CN4, HOME, 0, true);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	assert_int_equal(get_be16(o.pkt + 26), 1168);
	/* another source port, another destination port, not tunnel data */
	put_be16(M + 8 + 20, 435);
	put_be16(M + 2, 0);
	put_be16(M + 2, ip_csum(M, 68));
	dp_mip_icmp4_in(&e, M, 68, &o);
	assert_int_equal(o.verdict, DP_DROP);
	memcpy(M + 8, T, 60);
	put_be16(M + 8 + 22, NATPORT + 1);
	dp_mip_icmp4_in(&e, M, 68, &o);
	memcpy(M + 8, T, 60);
	M[8 + 28] = 1;
	dp_mip_icmp4_in(&e, M, 68, &o);
	assert_int_equal(e.st.drop_icmp_not_ours, 3);
	assert_int_equal(e.st.icmp4_tunnel_in, 1);
	dp_free(&e);
}

/* ---- mobile node ----------------------------------------------------------------------- */

static void mn_setup(struct dp_engine *e)
{
	assert_int_equal(dp_init(e, DP_ROLE_MIP_MN, 0), 0);
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = PRIV, .encap = ENCAP4_IPIP,
			       .v6_mode = MIP_V6_TO_HOA, .udp_sport = MNPORT };
	assert_int_equal(dp_mip_mn_set(e, &m), 0);
	struct in6_addr p = a6("2001:db8:1::");
	assert_int_equal(dp_mip_mn_prefix_add(e, &p, 48), 0);
}

static void mn_udp(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t ref[200];
	mn_setup(&e);

	/* out: coa:5000 -> ha:434 */
	size_t n = udp4(B.pkt, 100, HOME, CN4, 0x20, false);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	assert_int_equal(o.len, 132);
	static const uint8_t hdr[] = {
		0x0a, 0x01, 0x00, 0x05,       /* from the care-of address */
		0xc6, 0x33, 0x64, 0x01,       /* to the home agent */
		0x13, 0x88, 0x01, 0xb2,       /* 5000 -> 434 */
		0x00, 0x70,                   /* UDP length 112 */
	};
	assert_memory_equal(o.pkt + 12, hdr, sizeof(hdr));
	check_udp(o.pkt, o.len, PRIV, MNPORT, HA4, 434, 4, 0x20, false, true);
	assert_memory_equal(o.pkt + 32, ref, 100);
	n = udp6(B.pkt, 60, MN6, CN6, 0);
	memcpy(ref, B.pkt, n);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL4);
	check_udp(o.pkt, o.len, PRIV, MNPORT, HA4, 434, 41, 0, false, true);
	assert_memory_equal(o.pkt + 32, ref, 100);
	assert_int_equal(e.st.udptun_out, 2);

	/* in: from ha:434 to the care-of address */
	n = udp4(B.pkt + 4, 100, CN4, HOME, 0, false);
	memcpy(ref, B.pkt + 4, n);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, PRIV, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, B.pkt + 4);
	assert_memory_equal(o.pkt, ref, 100);
	n = udp6(B.pkt + 4, 60, CN6, MN6, 0);
	memcpy(ref, B.pkt + 4, n);
	tdata(B.pkt, 41);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, PRIV, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_memory_equal(o.pkt, ref, 100);
	assert_int_equal(e.st.udptun_in, 2);
	/* the keepalive's reply: counted, and into the TUN like any reply */
	n = echo4(B.pkt + 4, 0, HA4, HOME);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, PRIV, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(e.st.udptun_keepalive_in, 1);

	/* not from the home agent's port 434; not to us; not for us */
	n = udp4(B.pkt + 4, 100, CN4, HOME, 0, false);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 435, PRIV, &o);
	assert_int_equal(e.st.drop_not_from_ha, 1);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, EVIL, 434, PRIV, &o);
	assert_int_equal(e.st.drop_not_from_ha, 2);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, EVIL, &o);
	assert_int_equal(e.st.drop_not_our_address, 1);
	n = udp4(B.pkt + 4, 100, CN4, HOME2, 0, false);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, PRIV, &o);
	assert_int_equal(e.st.drop_not_our_address, 2);
	/* next header 55 */
	tdata(B.pkt, 55);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, PRIV, &o);
	assert_int_equal(e.st.drop_udptun_next_hdr, 1);

	/* without udp_sport (co-located, no NAT) no tunnel data is taken */
	struct dp_mip_mn m = { .home = HOME, .ha = HA4, .coa = PRIV, .encap = ENCAP4_IPIP,
			       .v6_mode = MIP_V6_TO_HOA };
	assert_int_equal(dp_mip_mn_set(&e, &m), 0);
	n = udp4(B.pkt + 4, 100, CN4, HOME, 0, false);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, PRIV, &o);
	assert_int_equal(e.st.drop_not_our_address, 3);
	n = udp4(B.pkt, 100, HOME, CN4, 0, false);
	dp_mip_tun_in(&e, B.pkt, n, &o);
	assert_int_equal(o.pkt[9], 4);                /* IP in IP again */
	assert_int_equal(e.st.udptun_out, 2);
	dp_free(&e);

	/* another role */
	assert_int_equal(dp_init(&e, DP_ROLE_MIP_FA, 0), 0);
	tdata(B.pkt, 4);
	dp_mip_udptun_in(&e, B.pkt, 4 + n, HA4, 434, PRIV, &o);
	assert_int_equal(o.verdict, DP_DROP);
	dp_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ha_udp_out),
		cmocka_unit_test(ha_udp_simultaneous),
		cmocka_unit_test(ha_udp_in),
		cmocka_unit_test(ha_keepalive),
		cmocka_unit_test(ha_udp_icmp),
		cmocka_unit_test(mn_udp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
