/* Unit tests for src/wire/udptun: MIP UDP tunnelling for NAT traversal
 * (RFC 3519 3.3, 4.2, 4.3, 4.9; RFC 5454 3.9): tunnel data messages with
 * and without the IPv4 + UDP outer headers, keepalives, every drop reason.
 * Reference packets were produced with scapy 2.5 (scapy.layers.mobileip
 * MobileIPTunnelData) by tests/fuzz/corpus/make_wire_udptun.py, which
 * prints them with -v and writes a pcap that `tshark -V` decodes without
 * "Malformed".  Mobile node care-of address 198.51.100.7 (behind a NAT:
 * source port 40000), home agent 192.0.2.1, home address 192.0.2.77. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/udptun.h"

#define HA 0xc0, 0x00, 0x02, 0x01
#define COA 0xc6, 0x33, 0x64, 0x07
#define HOME 0xc0, 0x00, 0x02, 0x4d
#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77
#define ECHO_DATA 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'
/* scapy: IP(src="203.0.113.5", dst=HOME, tos=0xba, id=0x1234, ttl=63,
 * flags="DF")/ICMP(id=0x0101, seq=1)/b"abcdefgh" */
#define INNER4                                                                         \
	0x45, /* tos */ 0xba, /* length 36 */ 0x00, 0x24, 0x12, 0x34, /* DF */ 0x40, 0x00, \
	/* ttl */ 0x3f, /* ICMP */ 0x01, /* checksum */ 0x2a, 0x98,                     \
	/* 203.0.113.5 */ 0xcb, 0x00, 0x71, 0x05, HOME,                                   \
	/* echo request */ 0x08, 0x00, 0x65, 0x68, 0x01, 0x01, 0x00, 0x01, ECHO_DATA
/* scapy: IPv6(src="2001:db8:1::5", dst="2001:db8:2::77", tc=0xb9,
 * fl=0x12345, hlim=63)/ICMPv6EchoRequest(id=0x0101, seq=1, data=b"abcdefgh") */
#define INNER6                                                                         \
	/* tclass 0xb9, flow 0x12345 */ 0x6b, 0x91, 0x23, 0x45,                          \
	/* payload 16 */ 0x00, 0x10, /* ICMPv6 */ 0x3a, /* hop limit */ 0x3f, SRC6, DST6,  \
	0x80, 0x00, 0x91, 0x2c, 0x01, 0x01, 0x00, 0x01, ECHO_DATA

static const uint8_t inner4[] = { INNER4 };
static const uint8_t inner6[] = { INNER6 };

/* keepalive: mobile node -> home agent through a NAT (RFC 3519 4.9) */
static const uint8_t keepalive[] = {
	/* outer IPv4 */ 0x45, 0x00, /* length 64 */ 0x00, 0x40, /* id */ 0x42, 0x42,
	0x00, 0x00, /* ttl */ 0x40, /* UDP */ 0x11, /* checksum */ 0x4c, 0x2f, COA, HA,
	/* UDP 40000 -> 434 */ 0x9c, 0x40, 0x01, 0xb2, /* length 44 */ 0x00, 0x2c,
	/* checksum */ 0x71, 0x63,
	/* MIP tunnel data: type 4, next header IPv4, reserved */ 0x04, 0x04, 0x00, 0x00,
	/* inner IPv4 */ 0x45, 0x00, /* length 32 */ 0x00, 0x20, /* id 1 */ 0x00, 0x01,
	0x00, 0x00, /* ttl */ 0x40, /* ICMP */ 0x01, /* checksum */ 0xf6, 0x8d, HOME, HA,
	/* echo request */ 0x08, 0x00, /* checksum */ 0x5e, 0xde,
	/* id */ 0x00, 0x77, /* seq */ 0x00, 0x01, 'd', 's', '4', '6',
};

/* keepalive-reply: home agent -> the NAT's port, no UDP checksum */
static const uint8_t keepalive_reply[] = {
	0x45, 0x00, 0x00, 0x40, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0x4c, 0x2f, HA, COA,
	/* UDP 434 -> 40000 */ 0x01, 0xb2, 0x9c, 0x40, 0x00, 0x2c, /* no checksum */ 0x00, 0x00,
	0x04, 0x04, 0x00, 0x00,
	0x45, 0x00, 0x00, 0x20, /* id 2 */ 0x00, 0x02, 0x00, 0x00, 0x40, 0x01,
	/* checksum */ 0xf6, 0x8c, HA, HOME,
	/* echo reply */ 0x00, 0x00, /* checksum */ 0x66, 0xde, 0x00, 0x77, 0x00, 0x01,
	'd', 's', '4', '6',
};

/* data4: IP in UDP, TOS and DF copied (RFC 2003 3.1) */
static const uint8_t data4[] = {
	0x45, /* tos */ 0xba, /* length 68 */ 0x00, 0x44, 0x42, 0x42, /* DF */ 0x40, 0x00,
	0x40, 0x11, /* checksum */ 0x0b, 0x71, HA, COA,
	0x01, 0xb2, 0x01, 0xb2, /* length 48 */ 0x00, 0x30, /* checksum */ 0x0b, 0xea,
	0x04, 0x04, 0x00, 0x00, INNER4,
};

/* data6: RFC 5454 3.9, next header 41; traffic class copied */
static const uint8_t data6[] = {
	0x45, /* tos */ 0xb9, /* length 88 */ 0x00, 0x58, 0x42, 0x42, 0x00, 0x00,
	0x40, 0x11, /* checksum */ 0x4b, 0x5e, HA, COA,
	0x01, 0xb2, 0x01, 0xb2, /* length 68 */ 0x00, 0x44, /* no checksum */ 0x00, 0x00,
	/* type 4, next header IPv6 */ 0x04, 0x29, 0x00, 0x00, INNER6,
};

/* gre: GRE in UDP (next header 47) */
static const uint8_t gre[] = {
	0x45, 0x00, /* length 72 */ 0x00, 0x48, 0x42, 0x42, 0x00, 0x00,
	0x40, 0x11, 0x4c, 0x27, HA, COA,
	0x01, 0xb2, 0x01, 0xb2, /* length 52 */ 0x00, 0x34, /* checksum */ 0x03, 0xb7,
	/* type 4, next header GRE */ 0x04, 0x2f, 0x00, 0x00,
	/* GRE, protocol IPv4 */ 0x00, 0x00, 0x08, 0x00, INNER4,
};

/* regreq: a Registration Request on the same port */
static const uint8_t regreq[] = {
	0x45, 0x00, 0x00, 0x34, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0x4c, 0x3b, COA, HA,
	0x01, 0xb2, 0x01, 0xb2, 0x00, 0x20, 0x0e, 0xd2,
	/* type 1 */ 0x01, 0x00, 0x00, 0x3c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0,
};

static uint32_t a4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static uint8_t room[UDPTUN_HEADROOM + 65536];
static uint8_t *const inner_at = room + UDPTUN_HEADROOM;

static struct udptun_tunnel tunnel(const char *src, const char *dst, uint16_t sport,
				   uint16_t dport, bool csum)
{
	struct udptun_tunnel t = {
		.src = a4(src), .dst = a4(dst), .sport = sport, .dport = dport,
		.ttl = 64, .id = 0x4242, .udp_csum = csum,
	};
	return t;
}

static void test_encap4(void **state)
{
	(void)state;
	struct udptun_tunnel t = tunnel("192.0.2.1", "198.51.100.7", 434, 434, true);
	uint8_t *out = NULL;

	memcpy(inner_at, inner4, sizeof(inner4));
	assert_int_equal(udptun_encap(&t, inner_at, sizeof(inner4), UDPTUN_HEADROOM, &out),
			 sizeof(data4));
	assert_ptr_equal(out, room);
	assert_memory_equal(out, data4, sizeof(data4));
}

static void test_encap6(void **state)
{
	(void)state;
	struct udptun_tunnel t = tunnel("192.0.2.1", "198.51.100.7", 434, 434, false);
	uint8_t *out = NULL;

	memcpy(inner_at, inner6, sizeof(inner6));
	assert_int_equal(udptun_encap(&t, inner_at, sizeof(inner6), UDPTUN_HEADROOM, &out),
			 sizeof(data6));
	assert_memory_equal(out, data6, sizeof(data6));
	/* the header alone, for a UDP socket: the UDP payload */
	memcpy(inner_at, inner6, sizeof(inner6));
	out = NULL;
	assert_int_equal(udptun_hdr_put(UDPTUN_NH_IPV6, inner_at, sizeof(inner6), 4, &out),
			 sizeof(data6) - 28);
	assert_ptr_equal(out, inner_at - 4);
	assert_memory_equal(out, data6 + 28, sizeof(data6) - 28);
}

static void test_encap_errors(void **state)
{
	(void)state;
	struct udptun_tunnel t = tunnel("192.0.2.1", "198.51.100.7", 434, 434, true);
	uint8_t *out = NULL;

	memset(room, 0xee, UDPTUN_HEADROOM);
	memcpy(inner_at, inner4, sizeof(inner4));
	assert_int_equal(udptun_encap(&t, inner_at, sizeof(inner4), UDPTUN_HEADROOM - 1, &out),
			 -ENOBUFS);
	assert_null(out);
	for (size_t i = 0; i < UDPTUN_HEADROOM; i++)
		assert_int_equal(room[i], 0xee);
	/* not exactly one valid packet */
	assert_int_equal(udptun_encap(&t, inner_at, sizeof(inner4) - 1, UDPTUN_HEADROOM, &out),
			 -EINVAL);
	inner_at[0] = 0x55;
	assert_int_equal(udptun_encap(&t, inner_at, sizeof(inner4), UDPTUN_HEADROOM, &out),
			 -EINVAL);
	assert_int_equal(udptun_encap(&t, inner_at, 0, UDPTUN_HEADROOM, &out), -EINVAL);
	inner_at[0] = 0x45;
	t.ttl = 0;
	assert_int_equal(udptun_encap(&t, inner_at, sizeof(inner4), UDPTUN_HEADROOM, &out),
			 -EINVAL);
	t.ttl = 64;
	/* a 65504-octet inner packet would make 65536 */
	size_t big = 65535 - UDPTUN_HEADROOM + 1;
	memset(inner_at, 0, big);
	memcpy(inner_at, inner4, IP4_HDR_LEN);
	put_be16(inner_at + 2, (uint16_t)big);
	inner_at[10] = inner_at[11] = 0;
	ip4_hdr_csum_set(inner_at, IP4_HDR_LEN);
	assert_int_equal(udptun_encap(&t, inner_at, big, UDPTUN_HEADROOM, &out), -EMSGSIZE);
	assert_int_equal(udptun_hdr_put(UDPTUN_NH_IPV4, inner_at, big, 4, &out), -EMSGSIZE);
	assert_int_equal(udptun_encap(&t, inner_at, big - 1, UDPTUN_HEADROOM, &out), -EINVAL);
	put_be16(inner_at + 2, (uint16_t)(big - 1));
	inner_at[10] = inner_at[11] = 0;
	ip4_hdr_csum_set(inner_at, IP4_HDR_LEN);
	assert_int_equal(udptun_encap(&t, inner_at, big - 1, UDPTUN_HEADROOM, &out), 65535);
	/* header only */
	assert_int_equal(udptun_hdr_put(17, inner_at, 10, 4, &out), -EINVAL);
	assert_int_equal(udptun_hdr_put(UDPTUN_NH_GRE, inner_at, 10, 3, &out), -ENOBUFS);
	assert_int_equal(udptun_hdr_put(UDPTUN_NH_MINIMAL, inner_at, 10, 4, &out), 14);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 55);
}

static void test_decap(void **state)
{
	(void)state;
	struct udptun_view v;
	enum udptun_drop why = UDPTUN_DROP__MAX;

	assert_int_equal(udptun_decap(data4, sizeof(data4), &v, &why), 0);
	assert_int_equal(why, UDPTUN_DROP_NONE);
	assert_int_equal(v.outer.src, 0xc0000201);
	assert_int_equal(v.outer.dst, 0xc6336407);
	assert_int_equal(v.sport, 434);
	assert_int_equal(v.dport, 434);
	assert_int_equal(v.udp_csum, 0x0bea);
	assert_int_equal(v.next_hdr, UDPTUN_NH_IPV4);
	assert_ptr_equal(v.inner, data4 + 32);
	assert_int_equal(v.inner_len, sizeof(inner4));
	assert_int_equal(udptun_check_mode(&v, 4, false, &why), 0);

	assert_int_equal(udptun_decap(data6, sizeof(data6), &v, &why), 0);
	assert_int_equal(v.udp_csum, 0);
	assert_int_equal(v.next_hdr, UDPTUN_NH_IPV6);
	assert_int_equal(v.inner_len, sizeof(inner6));
	assert_memory_equal(v.inner, inner6, sizeof(inner6));
	/* RFC 5454 3.9: IPv6 is 41 whatever the IPv4 encapsulation */
	assert_int_equal(udptun_check_mode(&v, 4, true, &why), 0);
	assert_int_equal(udptun_check_mode(&v, 4, false, &why), -EBADMSG);
	assert_int_equal(why, UDPTUN_DROP_NEXT_HDR_MISMATCH);

	assert_int_equal(udptun_decap(gre, sizeof(gre), &v, &why), 0);
	assert_int_equal(v.next_hdr, UDPTUN_NH_GRE);
	assert_ptr_equal(v.inner, gre + 32);
	assert_int_equal(v.inner_len, 4 + sizeof(inner4));
	assert_int_equal(udptun_check_mode(&v, 47, true, &why), 0);
	assert_int_equal(udptun_check_mode(&v, 4, true, &why), -EBADMSG);

	/* a registration message is handed to mip4_reg_parse */
	assert_int_equal(udptun_decap(regreq, sizeof(regreq), &v, &why), -ENOMSG);
	assert_int_equal(why, UDPTUN_DROP_NOT_TUNNEL_DATA);
	assert_int_equal(udptun_parse(regreq + 28, sizeof(regreq) - 28, &v, &why), -ENOMSG);
	assert_int_equal(why, UDPTUN_DROP_NOT_TUNNEL_DATA);

	/* header-only parse of a UDP payload; trailing octets trimmed */
	uint8_t p[sizeof(data4) - 28 + 3];
	memcpy(p, data4 + 28, sizeof(data4) - 28);
	memset(p + sizeof(data4) - 28, 0, 3);
	assert_int_equal(udptun_parse(p, sizeof(p), &v, &why), 0);
	assert_int_equal(v.next_hdr, 4);
	assert_int_equal(v.sport, 0);
	assert_ptr_equal(v.inner, p + 4);
	assert_int_equal(v.inner_len, sizeof(inner4));
	/* reserved ignored (3.3) */
	p[2] = 0xab;
	assert_int_equal(udptun_parse(p, sizeof(p), &v, &why), 0);
	assert_int_equal(v.reserved, 0xab00);
}

static void test_keepalive(void **state)
{
	(void)state;
	struct udptun_keepalive k = {
		.type = UDPTUN_ECHO_REQUEST, .src = a4("192.0.2.77"), .dst = a4("192.0.2.1"),
		.id = 0x77, .seq = 1, .data = (const uint8_t *)"ds46", .data_len = 4,
	};
	struct udptun_tunnel t = tunnel("198.51.100.7", "192.0.2.1", 40000, 434, true);
	struct udptun_view v;
	struct udptun_keepalive got;
	enum udptun_drop why;
	uint8_t *out;

	/* the mobile node's request */
	int n = udptun_keepalive_build(&k, 1, inner_at, 65536);
	assert_int_equal(n, 32);
	assert_int_equal(udptun_encap(&t, inner_at, (size_t)n, UDPTUN_HEADROOM, &out),
			 sizeof(keepalive));
	assert_memory_equal(out, keepalive, sizeof(keepalive));
	assert_int_equal(udptun_keepalive_build(&k, 1, inner_at, 31), -ENOBUFS);

	/* the home agent parses it (4.6: inner source the home address,
	 * destination the home agent) and answers */
	assert_int_equal(udptun_decap(keepalive, sizeof(keepalive), &v, &why), 0);
	assert_int_equal(v.sport, 40000);
	assert_int_equal(udptun_keepalive_parse(&v, &got, &why), 0);
	assert_int_equal(why, UDPTUN_DROP_NONE);
	assert_int_equal(got.type, UDPTUN_ECHO_REQUEST);
	assert_int_equal(got.src, a4("192.0.2.77"));
	assert_int_equal(got.dst, a4("192.0.2.1"));
	assert_int_equal(got.id, 0x77);
	assert_int_equal(got.seq, 1);
	assert_int_equal(got.data_len, 4);
	assert_memory_equal(got.data, "ds46", 4);

	struct udptun_keepalive rep = got;
	rep.type = UDPTUN_ECHO_REPLY;
	rep.src = got.dst;
	rep.dst = got.src;
	n = udptun_keepalive_build(&rep, 2, inner_at, 65536);
	assert_int_equal(n, 32);
	t = tunnel("192.0.2.1", "198.51.100.7", 434, v.sport, false);
	assert_int_equal(udptun_encap(&t, inner_at, (size_t)n, UDPTUN_HEADROOM, &out),
			 sizeof(keepalive_reply));
	assert_memory_equal(out, keepalive_reply, sizeof(keepalive_reply));
	assert_int_equal(udptun_decap(keepalive_reply, sizeof(keepalive_reply), &v, &why), 0);
	assert_int_equal(udptun_keepalive_parse(&v, &got, &why), 0);
	assert_int_equal(got.type, UDPTUN_ECHO_REPLY);

	/* no data; bad arguments */
	k.data = NULL;
	k.data_len = 0;
	assert_int_equal(udptun_keepalive_build(&k, 1, inner_at, 28), 28);
	k.data_len = 1;
	assert_int_equal(udptun_keepalive_build(&k, 1, inner_at, 64), -EINVAL);
	k.data_len = 0;
	k.type = 13;
	assert_int_equal(udptun_keepalive_build(&k, 1, inner_at, 64), -EINVAL);
	k.type = UDPTUN_ECHO_REQUEST;
	k.data = inner_at;
	k.data_len = 65535;
	assert_int_equal(udptun_keepalive_build(&k, 1, inner_at, 65536), -EMSGSIZE);

	/* ordinary tunnelled data is no keepalive */
	assert_int_equal(udptun_decap(data6, sizeof(data6), &v, &why), 0);
	assert_int_equal(udptun_keepalive_parse(&v, &got, &why), -ENOMSG);
	assert_int_equal(why, UDPTUN_DROP_NOT_KEEPALIVE);
	assert_int_equal(udptun_decap(regreq, sizeof(regreq), &v, &why), -ENOMSG);
	assert_int_equal(udptun_keepalive_parse(&v, &got, &why), -ENOMSG);
}

/* a macro so that a failure names the line */
#define expect_decap(p, len, err, reason)                                             \
	do {                                                                          \
		struct udptun_view v_;                                                \
		enum udptun_drop why_ = UDPTUN_DROP__MAX;                             \
		assert_int_equal(udptun_decap((p), (len), &v_, &why_), (err));        \
		assert_int_equal(why_, (reason));                                     \
	} while (0)

static uint8_t pkt[256];

static size_t copy(const uint8_t *p, size_t len)
{
	memcpy(pkt, p, len);
	return len;
}
/* after changing the outer header */
static void fix_ip(void)
{
	pkt[10] = pkt[11] = 0;
	ip4_hdr_csum_set(pkt, IP4_HDR_LEN);
}

static void test_drops(void **state)
{
	(void)state;
	struct udptun_view v;
	struct udptun_keepalive k;
	enum udptun_drop why;
	size_t n;

	/* outer IPv4 header: checksum */
	n = copy(data4, sizeof(data4));
	pkt[10] ^= 1;
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_OUTER);
	assert_int_equal(udptun_decap(pkt, n, &v, &why), -EBADMSG);
	assert_int_equal(v.ip_why, IP_DROP_BAD_CHECKSUM);
	/* a fragment (RFC 3519 4.8) */
	n = copy(data4, sizeof(data4));
	pkt[6] |= 0x20;
	fix_ip();
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_FRAGMENT);
	/* TCP */
	n = copy(data4, sizeof(data4));
	pkt[9] = 6;
	fix_ip();
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_NOT_UDP);
	/* UDP length 7, UDP length past the IP payload, IP payload < 8 */
	n = copy(data6, sizeof(data6));
	put_be16(pkt + 24, 7);
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_UDP_LEN);
	put_be16(pkt + 24, (uint16_t)(sizeof(data6) - 20 + 1));
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_UDP_LEN);
	n = copy(data6, 27);
	put_be16(pkt + 2, 27);
	fix_ip();
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_UDP_LEN);
	/* UDP checksum */
	n = copy(keepalive, sizeof(keepalive));
	pkt[sizeof(keepalive) - 1] ^= 1;
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_UDP_CSUM);
	/* UDP length 8 or 12: no tunnel data header, or nothing after it */
	n = copy(data6, sizeof(data6));
	put_be16(pkt + 24, 8);
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_TRUNCATED);
	put_be16(pkt + 24, 12);      /* header, nothing inside */
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_TRUNCATED);
	/* next header 17 */
	n = copy(data6, sizeof(data6));
	pkt[29] = 17;
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_NEXT_HDR);
	/* next header 4 with IPv6 inside, 41 with IPv4 inside */
	pkt[29] = 4;
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_INNER_MISMATCH);
	n = copy(keepalive_reply, sizeof(keepalive_reply));
	pkt[29] = 41;
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_INNER_MISMATCH);
	/* inner IPv4 header checksum; inner IPv6 cut short */
	n = copy(keepalive_reply, sizeof(keepalive_reply));
	pkt[32 + 10] ^= 1;
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_INNER);
	assert_int_equal(udptun_decap(pkt, n, &v, &why), -EBADMSG);
	assert_int_equal(v.ip_why, IP_DROP_BAD_CHECKSUM);
	n = copy(data6, sizeof(data6) - 1);
	put_be16(pkt + 2, (uint16_t)n);
	put_be16(pkt + 24, (uint16_t)(n - 20));
	fix_ip();
	expect_decap(pkt, n, -EBADMSG, UDPTUN_DROP_BAD_INNER);
	/* header-only: empty */
	assert_int_equal(udptun_parse(pkt, 0, &v, &why), -EBADMSG);
	assert_int_equal(why, UDPTUN_DROP_TRUNCATED);
	/* keepalive with a bad ICMP checksum, too short, non-zero code */
	n = copy(keepalive_reply, sizeof(keepalive_reply));
	pkt[n - 1] ^= 1;
	assert_int_equal(udptun_decap(pkt, n, &v, &why), 0);
	assert_int_equal(udptun_keepalive_parse(&v, &k, &why), -EBADMSG);
	assert_int_equal(why, UDPTUN_DROP_BAD_KEEPALIVE);
	n = copy(keepalive_reply, sizeof(keepalive_reply));
	pkt[32 + 21] = 1;
	assert_int_equal(udptun_decap(pkt, n, &v, &why), 0);
	assert_int_equal(udptun_keepalive_parse(&v, &k, &why), -EBADMSG);
	assert_int_equal(why, UDPTUN_DROP_BAD_KEEPALIVE);
	/* an echo of 4 octets: inner length 24 */
	n = copy(keepalive_reply, 56);
	put_be16(pkt + 2, 56);
	fix_ip();
	put_be16(pkt + 24, 36);
	put_be16(pkt + 34, 24);
	pkt[42] = pkt[43] = 0;
	ip4_hdr_csum_set(pkt + 32, IP4_HDR_LEN);
	assert_int_equal(udptun_decap(pkt, n, &v, &why), 0);
	assert_int_equal(udptun_keepalive_parse(&v, &k, &why), -EBADMSG);
	assert_int_equal(why, UDPTUN_DROP_BAD_KEEPALIVE);
	/* the inner packet is UDP: not a keepalive */
	n = copy(keepalive_reply, sizeof(keepalive_reply));
	pkt[32 + 9] = 17;
	pkt[42] = pkt[43] = 0;
	ip4_hdr_csum_set(pkt + 32, IP4_HDR_LEN);
	assert_int_equal(udptun_decap(pkt, n, &v, &why), 0);
	assert_int_equal(udptun_keepalive_parse(&v, &k, &why), -ENOMSG);
	assert_int_equal(why, UDPTUN_DROP_NOT_KEEPALIVE);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(udptun_drop_name(UDPTUN_DROP_NONE), "none");
	assert_string_equal(udptun_drop_name(UDPTUN_DROP_BAD_NEXT_HDR), "bad-next-hdr");
	assert_string_equal(udptun_drop_name(UDPTUN_DROP__MAX), "unknown");
	for (int i = 0; i < UDPTUN_DROP__MAX; i++)
		assert_string_not_equal(udptun_drop_name((enum udptun_drop)i), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encap4),
		cmocka_unit_test(test_encap6),
		cmocka_unit_test(test_encap_errors),
		cmocka_unit_test(test_decap),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
