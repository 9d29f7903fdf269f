/* Unit tests for the home-link neighbour codecs (src/wire/ndisc.c):
 * Ethernet, gratuitous ARP (RFC 5944 4.6, RFC 5227 3), the Duplicate Address
 * Detection probe (RFC 4862 5.4.2 with the RFC 7527 Nonce), unsolicited
 * Neighbor Advertisements (RFC 4861 7.2.6), validation (7.1.1, 7.1.2) and
 * the DAD verdict (RFC 4862 5.4.3, 5.4.4).  Reference frames from scapy 2.5
 * (Ether/ARP, IPv6/ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "wire/ndisc.h"

#define MAC1 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define TGT6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10

static const uint8_t mac1[ETH_ADDR_LEN] = { MAC1 };
static const uint8_t mac99[ETH_ADDR_LEN] = { 0x02, 0, 0, 0, 0, 0x99 };

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct in_addr addr4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* scapy: Ether(src=MAC1, dst=broadcast)/ARP(op=1, hwsrc=MAC1,
 * psrc="192.0.2.10", hwdst=0, pdst="192.0.2.10") */
static const uint8_t garp_request[] = {
	/* eth dst */ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* eth src */ MAC1,
	/* ARP */ 0x08, 0x06,
	/* hrd Ethernet */ 0x00, 0x01, /* pro IPv4 */ 0x08, 0x00, /* hln */ 0x06, /* pln */ 0x04,
	/* op request */ 0x00, 0x01,
	/* sha */ MAC1, /* spa 192.0.2.10 */ 0xc0, 0x00, 0x02, 0x0a,
	/* tha zero (RFC 5227 3) */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* tpa = spa */ 0xc0, 0x00, 0x02, 0x0a,
};

/* scapy: Ether(src=MAC1, dst="33:33:ff:00:00:10")/IPv6(src="::",
 * dst="ff02::1:ff00:10", hlim=255)/ICMPv6ND_NS(tgt="2001:db8:1::10")/
 * Nonce option 01 02 03 04 05 06 */
static const uint8_t dad_ns[] = {
	/* eth dst: 33:33 + the group's last 4 octets */ 0x33, 0x33, 0xff, 0x00, 0x00, 0x10,
	/* eth src */ MAC1, /* IPv6 */ 0x86, 0xdd,
	/* ver 6 */ 0x60, 0x00, 0x00, 0x00, /* payload 32 */ 0x00, 0x20,
	/* ICMPv6 */ 0x3a, /* hop limit */ 0xff,
	/* src :: */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* dst ff02::1:ff00:10 */ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x00, 0x00, 0x10,
	/* NS */ 0x87, 0x00, /* checksum */ 0x35, 0xb9, /* reserved */ 0, 0, 0, 0,
	/* target */ TGT6,
	/* Nonce option, length 1 */ 0x0e, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
};

/* scapy: Ether(src=MAC1, dst="33:33:00:00:00:01")/IPv6(src="fe80::1",
 * dst="ff02::1", hlim=255)/ICMPv6ND_NA(tgt="2001:db8:1::10", R=0, S=0,
 * O=1)/ICMPv6NDOptDstLLAddr(lladdr=MAC1) */
static const uint8_t unsol_na[] = {
	/* eth dst */ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01, /* eth src */ MAC1, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, /* payload 32 */ 0x00, 0x20, 0x3a, 0xff,
	/* src fe80::1 */ 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	/* dst ff02::1 */ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	/* NA */ 0x88, 0x00, /* checksum */ 0x28, 0x53, /* flags: O */ 0x20, 0x00, 0x00, 0x00,
	/* target */ TGT6,
	/* Target Link-layer Address option */ 0x02, 0x01, MAC1,
};

/* scapy: IPv6(src="2001:db8:1::10", dst="ff02::1", hlim=255)/
 * ICMPv6ND_NA(tgt="2001:db8:1::10", O=1)/ICMPv6NDOptDstLLAddr(
 * lladdr="02:00:00:00:00:99"): a node defending the address */
static const uint8_t defend_na[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	/* src */ TGT6,
	/* dst ff02::1 */ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	/* NA */ 0x88, 0x00, /* checksum */ 0xf8, 0x72, /* flags: O */ 0x20, 0x00, 0x00, 0x00,
	/* target */ TGT6,
	/* TLLA */ 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x99,
};

static void test_eth(void **state)
{
	(void)state;
	struct eth_view v;
	assert_int_equal(eth_parse(garp_request, sizeof(garp_request), &v), 0);
	assert_int_equal(v.type, ETH_TYPE_ARP);
	assert_memory_equal(v.src, mac1, 6);
	assert_true(eth_is_multicast(v.dst));
	assert_false(eth_is_multicast(v.src));
	assert_int_equal(v.payload_len, ARP_ETH_IP4_LEN);
	assert_int_equal(eth_parse(garp_request, 13, &v), -EBADMSG);

	uint8_t h[ETH_HDR_LEN];
	assert_int_equal(eth_hdr_put(h, sizeof(h), eth_broadcast, mac1, ETH_TYPE_ARP), 14);
	assert_memory_equal(h, garp_request, 14);
	assert_int_equal(eth_hdr_put(h, 13, eth_broadcast, mac1, ETH_TYPE_ARP), -ENOBUFS);
}

static void test_arp_gratuitous(void **state)
{
	(void)state;
	uint8_t f[64];
	int n = arp_gratuitous_build(ARP_OP_REQUEST, mac1, mac1, addr4("192.0.2.10"), f, sizeof(f));
	assert_int_equal(n, ARP_FRAME_LEN);
	assert_memory_equal(f, garp_request, sizeof(garp_request));
	assert_int_equal(arp_gratuitous_build(ARP_OP_REQUEST, mac1, mac1, addr4("192.0.2.10"), f,
					      ARP_FRAME_LEN - 1),
			 -ENOBUFS);

	/* a reply: tha = lladdr (RFC 5944 4.6); the Ethernet source stays
	 * the sender's own even on a node's behalf */
	n = arp_gratuitous_build(ARP_OP_REPLY, mac1, mac99, addr4("192.0.2.10"), f, sizeof(f));
	assert_int_equal(n, ARP_FRAME_LEN);
	struct arp_msg m;
	assert_int_equal(arp_parse(f + ETH_HDR_LEN, (size_t)n - ETH_HDR_LEN, &m), 0);
	assert_int_equal(m.op, ARP_OP_REPLY);
	assert_memory_equal(f + 6, mac1, 6);
	assert_memory_equal(m.sha, mac99, 6);
	assert_memory_equal(m.tha, mac99, 6);
	assert_true(arp_is_gratuitous(&m));
}

static void test_arp_parse(void **state)
{
	(void)state;
	struct arp_msg m;
	const uint8_t *p = garp_request + ETH_HDR_LEN;
	assert_int_equal(arp_parse(p, ARP_ETH_IP4_LEN, &m), 0);
	assert_int_equal(m.op, ARP_OP_REQUEST);
	assert_int_equal(m.spa.s_addr, addr4("192.0.2.10").s_addr);
	assert_true(arp_is_gratuitous(&m));
	/* padding past 28 octets is ignored */
	uint8_t pad[46] = { 0 };
	memcpy(pad, p, ARP_ETH_IP4_LEN);
	assert_int_equal(arp_parse(pad, sizeof(pad), &m), 0);
	/* truncated */
	assert_int_equal(arp_parse(p, ARP_ETH_IP4_LEN - 1, &m), -EBADMSG);
	assert_int_equal(arp_parse(p, 7, &m), -EBADMSG);
	/* another hardware type, protocol, or operation: not ours */
	memcpy(pad, p, ARP_ETH_IP4_LEN);
	pad[1] = 6;
	assert_int_equal(arp_parse(pad, ARP_ETH_IP4_LEN, &m), -ENOMSG);
	memcpy(pad, p, ARP_ETH_IP4_LEN);
	pad[2] = 0x86;
	pad[3] = 0xdd;
	assert_int_equal(arp_parse(pad, ARP_ETH_IP4_LEN, &m), -ENOMSG);
	memcpy(pad, p, ARP_ETH_IP4_LEN);
	pad[7] = 3;                  /* RARP request */
	assert_int_equal(arp_parse(pad, ARP_ETH_IP4_LEN, &m), -ENOMSG);
	/* an ordinary request is not gratuitous */
	memcpy(pad, p, ARP_ETH_IP4_LEN);
	pad[27] = 1;
	assert_int_equal(arp_parse(pad, ARP_ETH_IP4_LEN, &m), 0);
	assert_false(arp_is_gratuitous(&m));

	struct arp_msg bad = m;
	bad.op = 3;
	uint8_t out[ARP_ETH_IP4_LEN];
	assert_int_equal(arp_build(&bad, out, sizeof(out)), -EINVAL);
	assert_int_equal(arp_build(&m, out, sizeof(out)), ARP_ETH_IP4_LEN);
	assert_memory_equal(out, pad, ARP_ETH_IP4_LEN);
}

static void test_solicited_node(void **state)
{
	(void)state;
	struct in6_addr t = addr6("2001:db8:1::abcd:1234"), g, want = addr6("ff02::1:ffcd:1234");
	ndisc_solicited_node(&t, &g);
	assert_memory_equal(&g, &want, 16);
	assert_true(ndisc_is_solicited_node(&g));
	assert_false(ndisc_is_solicited_node(&t));
	struct in6_addr all = addr6("ff02::1");
	assert_false(ndisc_is_solicited_node(&all));

	uint8_t mac[6], want_mac[6] = { 0x33, 0x33, 0xff, 0xcd, 0x12, 0x34 };
	assert_int_equal(ndisc_mcast_mac(&g, mac), 0);
	assert_memory_equal(mac, want_mac, 6);
	assert_int_equal(ndisc_mcast_mac(&t, mac), -EINVAL);
}

static void test_dad_ns_build_and_parse(void **state)
{
	(void)state;
	const uint8_t nonce[6] = { 1, 2, 3, 4, 5, 6 };
	struct in6_addr t = addr6("2001:db8:1::10");
	uint8_t f[NDISC_FRAME_MAX];
	int n = ndisc_dad_ns_build(mac1, &t, nonce, f, sizeof(f));
	assert_int_equal(n, (int)sizeof(dad_ns));
	assert_memory_equal(f, dad_ns, sizeof(dad_ns));
	assert_int_equal(ndisc_dad_ns_build(mac1, &t, nonce, f, sizeof(dad_ns) - 1), -ENOBUFS);

	struct eth_view eth;
	struct ndisc_msg m;
	enum ndisc_drop why = NDISC_DROP__MAX;
	assert_int_equal(ndisc_frame_parse(dad_ns, sizeof(dad_ns), &eth, &m, &why), 0);
	assert_int_equal(why, NDISC_DROP_NONE);
	assert_int_equal(m.type, NDISC_NS);
	assert_memory_equal(&m.target, &t, 16);
	assert_false(m.has_lladdr);
	assert_true(m.has_nonce);
	assert_memory_equal(m.nonce, nonce, 6);

	/* our own probe looped back is not a duplicate (RFC 7527 4); another
	 * node's probe for the same address is (RFC 4862 5.4.3) */
	assert_int_equal(ndisc_dad_check(&m, &t, nonce), NDISC_DAD_NONE);
	const uint8_t other[6] = { 9, 9, 9, 9, 9, 9 };
	assert_int_equal(ndisc_dad_check(&m, &t, other), NDISC_DAD_PROBED);
	assert_int_equal(ndisc_dad_check(&m, &t, NULL), NDISC_DAD_PROBED);
	struct in6_addr t2 = addr6("2001:db8:1::11");
	assert_int_equal(ndisc_dad_check(&m, &t2, NULL), NDISC_DAD_NONE);

	/* without a nonce: no option */
	n = ndisc_dad_ns_build(mac1, &t, NULL, f, sizeof(f));
	assert_int_equal(n, (int)sizeof(dad_ns) - 8);
	assert_int_equal(ndisc_frame_parse(f, (size_t)n, &eth, &m, &why), 0);
	assert_false(m.has_nonce);
}

static void test_unsol_na(void **state)
{
	(void)state;
	struct in6_addr src = addr6("fe80::1"), t = addr6("2001:db8:1::10");
	uint8_t f[NDISC_FRAME_MAX];
	int n = ndisc_unsol_na_build(mac1, &src, &t, mac1, false, f, sizeof(f));
	assert_int_equal(n, (int)sizeof(unsol_na));
	assert_memory_equal(f, unsol_na, sizeof(unsol_na));

	struct eth_view eth;
	struct ndisc_msg m;
	enum ndisc_drop why;
	assert_int_equal(ndisc_frame_parse(f, (size_t)n, &eth, &m, &why), 0);
	assert_int_equal(m.type, NDISC_NA);
	assert_true(m.override);
	assert_false(m.solicited);
	assert_false(m.router);
	assert_true(m.has_lladdr);
	assert_memory_equal(m.lladdr, mac1, 6);

	/* R set for a router's address */
	n = ndisc_unsol_na_build(mac1, &src, &t, mac1, true, f, sizeof(f));
	assert_int_equal(ndisc_frame_parse(f, (size_t)n, &eth, &m, &why), 0);
	assert_true(m.router);
}

static void test_defending_na(void **state)
{
	(void)state;
	struct ndisc_msg m;
	enum ndisc_drop why;
	struct in6_addr t = addr6("2001:db8:1::10");
	assert_int_equal(ndisc_parse(defend_na, sizeof(defend_na), &m, &why), 0);
	assert_int_equal(m.type, NDISC_NA);
	assert_memory_equal(m.lladdr, mac99, 6);
	assert_int_equal(ndisc_dad_check(&m, &t, NULL), NDISC_DAD_DEFENDED);
	struct in6_addr t2 = addr6("2001:db8:1::11");
	assert_int_equal(ndisc_dad_check(&m, &t2, NULL), NDISC_DAD_NONE);

	/* built the same way */
	struct ndisc_msg b = m;
	uint8_t out[NDISC_FRAME_MAX];
	int n = ndisc_build(&b, out, sizeof(out));
	assert_int_equal(n, (int)sizeof(defend_na));
	assert_memory_equal(out, defend_na, sizeof(defend_na));
}

/* RFC 4861 7.1.1 / 7.1.2 and RFC 4862 5.4: every way to be refused */
static void expect_drop(const uint8_t *pkt, size_t len, int err, enum ndisc_drop reason)
{
	struct ndisc_msg m;
	enum ndisc_drop why = NDISC_DROP_NONE;
	assert_int_equal(ndisc_parse(pkt, len, &m, &why), err);
	assert_int_equal(why, reason);
	assert_string_not_equal(ndisc_drop_name(why), "unknown");
}

/* Recompute the ICMPv6 checksum of an IPv6 packet without extension
 * headers (RFC 4443 2.3), so that only the field under test is wrong. */
static void fix_csum(uint8_t *p, size_t len)
{
	uint32_t sum = 58 + (uint32_t)(len - 40);
	p[42] = p[43] = 0;
	for (size_t i = 8; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[42] = (uint8_t)(~sum >> 8);
	p[43] = (uint8_t)~sum;
}

static void test_parse_drops(void **state)
{
	(void)state;
	uint8_t p[sizeof(defend_na)];
	const uint8_t *ns = dad_ns + ETH_HDR_LEN;
	size_t ns_len = sizeof(dad_ns) - ETH_HDR_LEN;
	uint8_t q[sizeof(dad_ns)];

	expect_drop(defend_na, 20, -EBADMSG, NDISC_DROP_TRUNCATED);
	expect_drop(defend_na, sizeof(defend_na) - 1, -EBADMSG, NDISC_DROP_TRUNCATED);

	memcpy(p, defend_na, sizeof(p));
	p[7] = 254;                  /* hop limit */
	expect_drop(p, sizeof(p), -EBADMSG, NDISC_DROP_HOP_LIMIT);

	memcpy(p, defend_na, sizeof(p));
	p[43] ^= 1;                  /* checksum */
	expect_drop(p, sizeof(p), -EBADMSG, NDISC_DROP_CHECKSUM);

	memcpy(p, defend_na, sizeof(p));
	p[40] = 128;                 /* echo request: not ours */
	expect_drop(p, sizeof(p), -ENOMSG, NDISC_DROP_NOT_ND);

	memcpy(p, defend_na, sizeof(p));
	p[6] = 17;                   /* UDP */
	expect_drop(p, sizeof(p), -ENOMSG, NDISC_DROP_NOT_ND);

	/* a DAD probe may not carry a source link-layer address */
	struct ndisc_msg m = { .type = NDISC_NS, .has_lladdr = true };
	m.target = addr6("2001:db8:1::10");
	ndisc_solicited_node(&m.target, &m.dst);
	uint8_t out[NDISC_FRAME_MAX];
	assert_int_equal(ndisc_build(&m, out, sizeof(out)), -EINVAL);
	/* ... nor go to anything but the solicited-node group */
	m.has_lladdr = false;
	m.dst = addr6("ff02::1");
	assert_int_equal(ndisc_build(&m, out, sizeof(out)), -EINVAL);
	/* a multicast target is refused */
	m.target = addr6("ff02::1");
	assert_int_equal(ndisc_build(&m, out, sizeof(out)), -EINVAL);

	/* the probe, re-addressed to all-nodes: not DAD-shaped */
	memcpy(q, ns, ns_len);
	memcpy(q + 24, (uint8_t[16]){ 0xff, 0x02, [15] = 0x01 }, 16);
	fix_csum(q, ns_len);
	expect_drop(q, ns_len, -EBADMSG, NDISC_DROP_DAD_DST);

	/* an advertisement for a multicast target */
	memcpy(p, defend_na, sizeof(p));
	p[48] = 0xff;
	fix_csum(p, sizeof(p));
	expect_drop(p, sizeof(p), -EBADMSG, NDISC_DROP_MCAST_TARGET);

	/* a code other than 0 */
	memcpy(p, defend_na, sizeof(p));
	p[41] = 1;
	fix_csum(p, sizeof(p));
	expect_drop(p, sizeof(p), -EBADMSG, NDISC_DROP_CODE);

	/* a link-layer address option of length 2 */
	uint8_t big[sizeof(defend_na) + 8];
	memcpy(big, defend_na, sizeof(defend_na));
	memset(big + sizeof(defend_na), 0, 8);
	big[5] += 8;
	big[65] = 2;
	fix_csum(big, sizeof(big));
	expect_drop(big, sizeof(big), -EBADMSG, NDISC_DROP_BAD_LLADDR);

	/* a solicited advertisement to a multicast address */
	memcpy(p, defend_na, sizeof(p));
	p[44] |= 0x40;
	fix_csum(p, sizeof(p));
	expect_drop(p, sizeof(p), -EBADMSG, NDISC_DROP_MCAST_SOLICITED);

	struct ndisc_msg probe;
	enum ndisc_drop why;
	/* a non-Ethernet-IPv6 frame is not neighbour discovery */
	struct eth_view eth;
	assert_int_equal(ndisc_frame_parse(garp_request, sizeof(garp_request), &eth, &probe, &why),
			 -ENOMSG);
	assert_int_equal(why, NDISC_DROP_NOT_ND);
}

/* A zero-length option is malformed (RFC 4861 4.6): build a message whose
 * checksum is right and whose option length is 0. */
static void test_zero_length_option(void **state)
{
	(void)state;
	struct ndisc_msg m = { .type = NDISC_NA, .override = true };
	m.src = addr6("2001:db8:1::10");
	m.dst = addr6("ff02::1");
	m.target = m.src;
	uint8_t out[NDISC_FRAME_MAX];
	int n = ndisc_build(&m, out, sizeof(out));
	assert_int_equal(n, 40 + NDISC_MSG_LEN);
	uint8_t p[40 + NDISC_MSG_LEN + 8];
	memcpy(p, out, (size_t)n);
	memset(p + n, 0, 8);
	p[n] = NDISC_OPT_TLLA;       /* length 0 */
	p[5] = NDISC_MSG_LEN + 8;    /* payload length */
	fix_csum(p, sizeof(p));
	expect_drop(p, sizeof(p), -EBADMSG, NDISC_DROP_BAD_OPTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth),
		cmocka_unit_test(test_arp_gratuitous),
		cmocka_unit_test(test_arp_parse),
		cmocka_unit_test(test_solicited_node),
		cmocka_unit_test(test_dad_ns_build_and_parse),
		cmocka_unit_test(test_unsol_na),
		cmocka_unit_test(test_defending_na),
		cmocka_unit_test(test_parse_drops),
		cmocka_unit_test(test_zero_length_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
