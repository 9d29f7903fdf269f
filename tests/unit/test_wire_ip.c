/* Unit tests for src/wire/ip: checksums, IPv4/IPv6 views, RFC 2473
 * encapsulation and decapsulation, ICMPv4 errors and their translation
 * from ICMPv6 (RFC 2473 8.3), IPv4 fragmentation and TCP MSS clamping.
 * Reference packets and checksums were produced with scapy 2.5
 * (tests/fuzz/corpus/make_wire_ip.py builds the same packets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/ip.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* scapy: IP(src="192.0.2.10", dst="198.51.100.1", id=0x1234, ttl=64,
 * flags="DF")/ICMP(id=0x0101, seq=1)/b"abcdefgh" */
static const uint8_t echo[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 36 */ 0x00, 0x24,
	/* id */ 0x12, 0x34, /* flags DF, frag off 0 */ 0x40, 0x00,
	/* ttl */ 0x40, /* proto ICMP */ 0x01, /* checksum */ 0x3c, 0x66,
	/* src 192.0.2.10 */ 0xc0, 0x00, 0x02, 0x0a,
	/* dst 198.51.100.1 */ 0xc6, 0x33, 0x64, 0x01,
	/* ICMP echo request */ 0x08, /* code */ 0x00, /* checksum */ 0x65, 0x68,
	/* id */ 0x01, 0x01, /* seq */ 0x00, 0x01,
	/* data */ 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
};

/* scapy: IPv6(src="2001:db8::10", dst="2001:db8:ffff::1", hlim=64, nh=4)/echo */
static const uint8_t tun_hdr[] = {
	/* ver 6, tc 0, flow 0 */ 0x60, 0x00, 0x00, 0x00,
	/* payload length 36 */ 0x00, 0x24, /* next header IPv4 */ 0x04, /* hop limit */ 0x40,
	/* src 2001:db8::10 */ SRC6,
	/* dst 2001:db8:ffff::1 */ DST6,
};

/* scapy: the same with fl=0x12345 and IPv6ExtHdrDestOpt(nh=4, options=
 * [HBHOptUnknown(otype=4, optdata=b"\x04"), PadN(optdata=b"\x00")]) */
static const uint8_t tun_hdr_limit[] = {
	/* ver 6, tc 0, flow 0x12345 */ 0x60, 0x01, 0x23, 0x45,
	/* payload length 44 */ 0x00, 0x2c, /* next header dest opts */ 0x3c, /* hop limit */ 0x40,
	/* src */ SRC6,
	/* dst */ DST6,
	/* next header IPv4 */ 0x04, /* hdr ext len */ 0x00,
	/* Tunnel Encapsulation Limit */ 0x04, 0x01, /* limit */ 0x04,
	/* PadN */ 0x01, 0x01, 0x00,
};

/* scapy: IP(src="192.0.2.10", dst="198.51.100.1", id=0x4321, ttl=64,
 * flags="DF")/TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240,
 * options=[MSS 1460, SAckOK, Timestamp (1,0), NOP, WScale 7]) */
static const uint8_t syn[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 60 */ 0x00, 0x3c,
	/* id */ 0x43, 0x21, /* flags DF */ 0x40, 0x00,
	/* ttl */ 0x40, /* proto TCP */ 0x06, /* checksum */ 0x0b, 0x5c,
	/* src */ 0xc0, 0x00, 0x02, 0x0a, /* dst */ 0xc6, 0x33, 0x64, 0x01,
	/* ports 40000 -> 80 */ 0x9c, 0x40, 0x00, 0x50,
	/* seq 1000 */ 0x00, 0x00, 0x03, 0xe8, /* ack */ 0x00, 0x00, 0x00, 0x00,
	/* data offset 10, SYN */ 0xa0, 0x02, /* window */ 0xfa, 0xf0,
	/* checksum */ 0xc0, 0x56, /* urgent */ 0x00, 0x00,
	/* MSS 1460 */ 0x02, 0x04, 0x05, 0xb4,
	/* SAckOK */ 0x04, 0x02,
	/* Timestamp */ 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	/* NOP */ 0x01,
	/* WScale 7 */ 0x03, 0x03, 0x07,
};

/* scapy: SYN-ACK whose MSS option sits at an odd offset (after one NOP) */
static const uint8_t synack_odd[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 48 */ 0x00, 0x30,
	/* id */ 0x43, 0x22, /* flags */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto TCP */ 0x06, /* checksum */ 0x4b, 0x67,
	/* src */ 0xc0, 0x00, 0x02, 0x0a, /* dst */ 0xc6, 0x33, 0x64, 0x01,
	/* ports 40001 -> 443 */ 0x9c, 0x41, 0x01, 0xbb,
	/* seq */ 0x00, 0x00, 0x00, 0x07, /* ack */ 0x00, 0x00, 0x00, 0x09,
	/* data offset 7, SYN+ACK */ 0x70, 0x12, /* window */ 0x03, 0xe8,
	/* checksum */ 0xfb, 0x6f, /* urgent */ 0x00, 0x00,
	/* NOP */ 0x01,
	/* MSS 8960 */ 0x02, 0x04, 0x23, 0x00,
	/* NOP NOP NOP */ 0x01, 0x01, 0x01,
};

/* The IPv4 packet inside the tunnel packet a PTB quotes: scapy
 * IP(id=0x0bad, ttl=63, flags="DF")/UDP(sport=5000, dport=53)/(b"\0" * 1432) */
static const uint8_t udp_df_head[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 1460 */ 0x05, 0xb4,
	/* id */ 0x0b, 0xad, /* flags DF */ 0x40, 0x00,
	/* ttl */ 0x3f, /* proto UDP */ 0x11, /* checksum */ 0x3e, 0x4d,
	/* src */ 0xc0, 0x00, 0x02, 0x0a, /* dst */ 0xc6, 0x33, 0x64, 0x01,
	/* ports 5000 -> 53 */ 0x13, 0x88, 0x00, 0x35,
	/* UDP length 1440 */ 0x05, 0xa0, /* checksum */ 0xf4, 0xb1,
};
#define UDP_DF_LEN 1460

/* scapy: IPv6(src="2001:db8:1::1", dst="2001:db8::10")/
 * ICMPv6PacketTooBig(mtu=1400)/<first 1232 octets of the tunnel packet> */
static const uint8_t ptb_head[] = {
	/* type PTB */ 0x02, /* code */ 0x00, /* checksum */ 0xc4, 0x6a,
	/* MTU 1400 */ 0x00, 0x00, 0x05, 0x78,
	/* quoted tunnel header: ver 6 */ 0x60, 0x00, 0x00, 0x00,
	/* payload length 1460 */ 0x05, 0xb4, /* next header IPv4 */ 0x04, /* hop limit */ 0x40,
	/* src */ SRC6,
	/* dst */ DST6,
};
#define PTB_LEN 1240

/* scapy: IP(src="192.0.2.1", dst="192.0.2.10", tos=0xc0, ttl=64, id=0)/
 * ICMP(type=3, code=4, nexthopmtu=1360)/<first 548 octets of the original> */
static const uint8_t frag_needed_head[] = {
	/* ver/ihl */ 0x45, /* tos */ 0xc0, /* total length 576 */ 0x02, 0x40,
	/* id */ 0x00, 0x00, /* flags */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto ICMP */ 0x01, /* checksum */ 0xf3, 0xf1,
	/* src 192.0.2.1 */ 0xc0, 0x00, 0x02, 0x01, /* dst 192.0.2.10 */ 0xc0, 0x00, 0x02, 0x0a,
	/* dest unreachable */ 0x03, /* frag needed */ 0x04, /* checksum */ 0xe9, 0x9c,
	/* unused */ 0x00, 0x00, /* next-hop MTU 1360 */ 0x05, 0x50,
};

/* scapy: IP(src="192.0.2.1", dst="192.0.2.10", tos=0xc0, ttl=64, id=7)/
 * ICMP(type=11, code=0)/echo */
static const uint8_t time_exceeded[] = {
	/* ver/ihl */ 0x45, /* tos */ 0xc0, /* total length 64 */ 0x00, 0x40,
	/* id */ 0x00, 0x07, /* flags */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto ICMP */ 0x01, /* checksum */ 0xf5, 0xea,
	/* src */ 0xc0, 0x00, 0x02, 0x01, /* dst */ 0xc0, 0x00, 0x02, 0x0a,
	/* time exceeded */ 0x0b, /* code */ 0x00, /* checksum */ 0xf4, 0xff,
	/* unused */ 0x00, 0x00, 0x00, 0x00,
	/* the whole echo request */
	0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x3c, 0x66,
	0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x01,
	0x08, 0x00, 0x65, 0x68, 0x01, 0x01, 0x00, 0x01,
	'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
};

/* scapy: IP(id=0xbeef, ttl=64, flags=0)/UDP(sport=5001, dport=9)/
 * bytes(i % 251 for i in range(1992)); fragment(p, fragsize=1256) */
static const uint8_t big_head[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 2020 */ 0x07, 0xe4,
	/* id */ 0xbe, 0xef, /* flags: DF clear */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto UDP */ 0x11, /* checksum */ 0xc7, 0xda,
	/* src */ 0xc0, 0x00, 0x02, 0x0a, /* dst */ 0xc6, 0x33, 0x64, 0x01,
	/* ports */ 0x13, 0x89, 0x00, 0x09, /* length 2000 */ 0x07, 0xd0, /* checksum */ 0x5f, 0xf4,
};
#define BIG_LEN 2020
static const uint8_t big_frag0[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 1276 */ 0x04, 0xfc,
	/* id */ 0xbe, 0xef, /* MF, offset 0 */ 0x20, 0x00,
	/* ttl */ 0x40, /* proto */ 0x11, /* checksum */ 0xaa, 0xc2,
	/* src */ 0xc0, 0x00, 0x02, 0x0a, /* dst */ 0xc6, 0x33, 0x64, 0x01,
};
static const uint8_t big_frag1[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 764 */ 0x02, 0xfc,
	/* id */ 0xbe, 0xef, /* offset 157 (1256 octets) */ 0x00, 0x9d,
	/* ttl */ 0x40, /* proto */ 0x11, /* checksum */ 0xcc, 0x25,
	/* src */ 0xc0, 0x00, 0x02, 0x0a, /* dst */ 0xc6, 0x33, 0x64, 0x01,
};

static void make_big(uint8_t *p)
{
	memcpy(p, big_head, sizeof(big_head));
	for (size_t i = 0; i < BIG_LEN - sizeof(big_head); i++)
		p[sizeof(big_head) + i] = (uint8_t)(i % 251);
}

/* The tunnel packet the PTB quotes, cut to 1232 octets, behind the ICMPv6
 * header. */
static void make_ptb(uint8_t *p)
{
	memset(p, 0, PTB_LEN);
	memcpy(p, ptb_head, sizeof(ptb_head));
	memcpy(p + sizeof(ptb_head), udp_df_head, sizeof(udp_df_head));
}

static void assert_ip4_csum_ok(const uint8_t *p)
{
	assert_int_equal(ip_csum(p, (size_t)(p[0] & 0x0f) * 4), 0);
}

static void assert_tcp_csum_ok(const uint8_t *p, size_t len)
{
	size_t hl = (size_t)(p[0] & 0x0f) * 4;
	uint32_t s = ip_csum_pseudo4(get_be32(p + 12), get_be32(p + 16), 6, (uint16_t)(len - hl));
	assert_int_equal(ip_csum_fold(ip_csum_partial(s, p + hl, len - hl)), 0);
}

/* ---- names ------------------------------------------------------------------ */

static void test_drop_names(void **state)
{
	(void)state;
	for (int i = 0; i < IP_DROP__MAX; i++) {
		const char *n = ip_drop_name((enum ip_drop)i);
		assert_string_not_equal(n, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, ip_drop_name((enum ip_drop)j));
	}
	assert_string_equal(ip_drop_name(IP_DROP_BAD_CHECKSUM), "bad-checksum");
	assert_string_equal(ip_drop_name(IP_DROP__MAX), "unknown");
	assert_string_equal(ip_drop_name((enum ip_drop)-1), "unknown");
}

/* ---- checksums -------------------------------------------------------------- */

static void test_csum_rfc1071(void **state)
{
	(void)state;
	/* RFC 1071 3: the sum of these octets is 0xddf2 */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(ip_csum_partial(0, b, sizeof(b)), 0xddf2);
	assert_int_equal(ip_csum(b, sizeof(b)), 0x220d);
	/* chained even-length parts give the same sum */
	assert_int_equal(ip_csum_partial(ip_csum_partial(0, b, 4), b + 4, 4), 0xddf2);
	/* an odd tail is padded with a zero octet */
	assert_int_equal(ip_csum_partial(0, b, 3), 0x0001 + 0xf200);
	assert_int_equal(ip_csum(NULL, 0), 0xffff);
	/* carries fold in: 0xffff + 0x0001 = 0x0001 */
	static const uint8_t c[] = { 0xff, 0xff, 0x00, 0x02 };
	assert_int_equal(ip_csum_partial(0, c, sizeof(c)), 0x0002);
	/* scapy's header checksums verify */
	assert_int_equal(ip_csum(echo, 20), 0);
	assert_int_equal(ip_csum(echo + 20, 16), 0);
	assert_int_equal(ip_csum(time_exceeded, 20), 0);
	assert_int_equal(ip_csum(time_exceeded + 20, sizeof(time_exceeded) - 20), 0);
}

static void test_csum_pseudo(void **state)
{
	(void)state;
	/* TCP over IPv4: scapy's checksum 0xc056 verifies */
	assert_tcp_csum_ok(syn, sizeof(syn));
	uint8_t seg[40];
	memcpy(seg, syn + 20, sizeof(seg));
	put_be16(seg + 16, 0);
	uint32_t s = ip_csum_pseudo4(A4(192, 0, 2, 10), A4(198, 51, 100, 1), 6, sizeof(seg));
	assert_int_equal(ip_csum_fold(ip_csum_partial(s, seg, sizeof(seg))), 0xc056);

	/* ICMPv6 (next header 58) over IPv6: scapy's PTB checksum 0xc46a */
	uint8_t ptb[PTB_LEN];
	make_ptb(ptb);
	struct in6_addr src = addr6("2001:db8:1::1"), dst = addr6("2001:db8::10");
	s = ip_csum_pseudo6(&src, &dst, 58, PTB_LEN);
	assert_int_equal(ip_csum_fold(ip_csum_partial(s, ptb, PTB_LEN)), 0);
	put_be16(ptb + 2, 0);
	assert_int_equal(ip_csum_fold(ip_csum_partial(s, ptb, PTB_LEN)), 0xc46a);
}

static void test_csum_update16(void **state)
{
	(void)state;
	/* RFC 1624 4: m 0x5555 -> 0x3285 under HC 0xdd2f gives 0x0000 (not
	 * 0xffff as eqn. 2 would) */
	assert_int_equal(ip_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	/* against a full recomputation, for every value of the id word */
	uint8_t h[20];
	memcpy(h, echo, 20);
	for (uint32_t v = 0; v <= 0xffff; v += 7) {
		uint16_t old = get_be16(h + 4), csum = get_be16(h + 10);
		put_be16(h + 4, (uint16_t)v);
		put_be16(h + 10, ip_csum_update16(csum, old, (uint16_t)v));
		assert_int_equal(ip_csum(h, 20), 0);
	}
}

/* ---- IPv4 ------------------------------------------------------------------- */

static void test_ip4_parse(void **state)
{
	(void)state;
	struct ip4_view v;
	enum ip_drop why = IP_DROP__MAX;

	assert_int_equal(ip4_parse(echo, sizeof(echo), &v, &why), 0);
	assert_int_equal(why, IP_DROP_NONE);
	assert_ptr_equal(v.hdr, echo);
	assert_int_equal(v.hdr_len, 20);
	assert_int_equal(v.tos, 0);
	assert_int_equal(v.total_len, 36);
	assert_int_equal(v.id, 0x1234);
	assert_true(v.df);
	assert_false(v.mf);
	assert_int_equal(v.frag_off, 0);
	assert_int_equal(v.ttl, 64);
	assert_int_equal(v.proto, 1);
	assert_int_equal(v.src, A4(192, 0, 2, 10));
	assert_int_equal(v.dst, A4(198, 51, 100, 1));
	assert_ptr_equal(v.payload, echo + 20);
	assert_int_equal(v.payload_len, 16);
	assert_false(v.cut);

	/* link-layer padding past the total length is ignored */
	uint8_t pad[64] = { 0 };
	memcpy(pad, echo, sizeof(echo));
	assert_int_equal(ip4_parse(pad, sizeof(pad), &v, NULL), 0);
	assert_int_equal(v.payload_len, 16);

	/* a fragment with options: IHL 6 (one NOP NOP NOP EOL word), MF,
	 * offset 185 * 8 */
	uint8_t f[] = {
		/* ver/ihl */ 0x46, /* tos */ 0xb8, /* total length 28 */ 0x00, 0x1c,
		/* id */ 0x00, 0x01, /* MF, offset 185 */ 0x20, 0xb9,
		/* ttl */ 0x01, /* proto UDP */ 0x11, /* checksum */ 0x00, 0x00,
		/* src */ 10, 0, 0, 1, /* dst */ 10, 0, 0, 2,
		/* options */ 0x01, 0x01, 0x01, 0x00,
		/* data */ 1, 2, 3, 4,
	};
	assert_int_equal(ip4_hdr_csum_set(f, sizeof(f)), 0);
	assert_int_equal(ip4_parse(f, sizeof(f), &v, &why), 0);
	assert_int_equal(v.hdr_len, 24);
	assert_int_equal(v.tos, 0xb8);
	assert_false(v.df);
	assert_true(v.mf);
	assert_int_equal(v.frag_off, 1480);
	assert_int_equal(v.payload_len, 4);
	assert_ptr_equal(v.payload, f + 24);
}

static void test_ip4_parse_errors(void **state)
{
	(void)state;
	struct ip4_view v;
	enum ip_drop why;
	uint8_t b[sizeof(echo)];

	/* every prefix */
	for (size_t n = 0; n < sizeof(echo); n++) {
		why = IP_DROP_NONE;
		assert_int_equal(ip4_parse(echo, n, &v, &why), -EBADMSG);
		assert_int_equal(why, IP_DROP_TRUNCATED);
	}
	memcpy(b, echo, sizeof(b));
	b[0] = 0x65;
	assert_int_equal(ip4_parse(b, sizeof(b), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_VERSION);
	b[0] = 0x44;
	assert_int_equal(ip4_parse(b, sizeof(b), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_IHL);
	b[0] = 0x4a;          /* 40 octets of header in a 36-octet buffer */
	assert_int_equal(ip4_parse(b, sizeof(b), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_TRUNCATED);
	memcpy(b, echo, sizeof(b));
	put_be16(b + 2, 19);
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(ip4_parse(b, sizeof(b), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_LENGTH);
	put_be16(b + 2, 37);
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(ip4_parse(b, sizeof(b), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_TRUNCATED);

	/* a bad checksum is reported distinctly, with the view filled */
	memcpy(b, echo, sizeof(b));
	b[11] ^= 1;
	assert_int_equal(ip4_parse(b, sizeof(b), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_CHECKSUM);
	assert_int_equal(v.src, A4(192, 0, 2, 10));
	assert_int_equal(v.payload_len, 16);
	/* why may be NULL */
	assert_int_equal(ip4_parse(b, sizeof(b), &v, NULL), -EBADMSG);
}

static void test_ip4_hdr_csum(void **state)
{
	(void)state;
	uint8_t b[sizeof(echo)];

	memcpy(b, echo, sizeof(b));
	assert_int_equal(ip4_hdr_csum_check(b, sizeof(b)), 0);
	put_be16(b + 10, 0xdead);
	assert_int_equal(ip4_hdr_csum_check(b, sizeof(b)), -EBADMSG);
	assert_int_equal(ip4_hdr_csum_set(b, sizeof(b)), 0);
	assert_memory_equal(b, echo, sizeof(b));     /* scapy's 0x3c66 */
	b[8] = 1;                                    /* any header change */
	assert_int_equal(ip4_hdr_csum_check(b, sizeof(b)), -EBADMSG);

	assert_int_equal(ip4_hdr_csum_set(b, 19), -EBADMSG);
	assert_int_equal(ip4_hdr_csum_check(b, 19), -EBADMSG);
	b[0] = 0x44;
	assert_int_equal(ip4_hdr_csum_set(b, sizeof(b)), -EBADMSG);
	b[0] = 0x4f;
	assert_int_equal(ip4_hdr_csum_set(b, sizeof(b)), -EBADMSG);
	b[0] = 0x65;
	assert_int_equal(ip4_hdr_csum_check(b, sizeof(b)), -EBADMSG);
}

static void test_ip4_ttl_dec(void **state)
{
	(void)state;
	uint8_t b[sizeof(echo)], want[sizeof(echo)];
	enum ip_drop why;

	memcpy(b, echo, sizeof(b));
	assert_int_equal(ip4_ttl_dec(b, sizeof(b), &why), 0);
	assert_int_equal(why, IP_DROP_NONE);
	memcpy(want, echo, sizeof(want));
	want[8] = 63;
	ip4_hdr_csum_set(want, sizeof(want));
	assert_memory_equal(b, want, sizeof(b));
	assert_int_equal(get_be16(b + 10), 0x3d66); /* scapy, ttl=63 */

	/* down to 2, then 1 expires and changes nothing */
	for (int ttl = 63; ttl > 1; ttl--) {
		assert_int_equal(ip4_ttl_dec(b, sizeof(b), NULL), 0);
		assert_int_equal(b[8], ttl - 1);
		assert_ip4_csum_ok(b);
	}
	memcpy(want, b, sizeof(b));
	assert_int_equal(ip4_ttl_dec(b, sizeof(b), &why), -ETIMEDOUT);
	assert_int_equal(why, IP_DROP_TTL_EXPIRED);
	assert_memory_equal(b, want, sizeof(b));
	b[8] = 0;
	assert_int_equal(ip4_ttl_dec(b, sizeof(b), &why), -ETIMEDOUT);

	assert_int_equal(ip4_ttl_dec(b, 19, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_TRUNCATED);
}

/* ---- IPv6 ------------------------------------------------------------------- */

/* Hop-by-hop, routing, destination options with a Tunnel Encapsulation
 * Limit, a first fragment, then the echo request. */
static const uint8_t chain[] = {
	/* ver 6, tc 0xb8, flow 0xabcde */ 0x6b, 0x8a, 0xbc, 0xde,
	/* payload length 68 */ 0x00, 0x44, /* next header hop-by-hop */ 0x00, /* hop limit */ 0x05,
	/* src */ SRC6,
	/* dst */ DST6,
	/* HBH: next routing */ 0x2b, /* len 0 */ 0x00, /* PadN 4 */ 0x01, 0x04, 0, 0, 0, 0,
	/* routing: next dest opts */ 0x3c, /* len 0 */ 0x00, /* type 4 */ 0x04,
	/* segments left */ 0x00, /* reserved */ 0, 0, 0, 0,
	/* dest opts: next fragment */ 0x2c, /* len 0 */ 0x00,
	/* Tunnel Encapsulation Limit */ 0x04, 0x01, /* limit (offset 60) */ 0x03,
	/* PadN */ 0x01, 0x01, 0x00,
	/* fragment: next IPv4 */ 0x04, /* reserved */ 0x00, /* offset 0, M */ 0x00, 0x01,
	/* identification */ 0x12, 0x34, 0x56, 0x78,
	/* echo request */
	0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x3c, 0x66,
	0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x01,
	0x08, 0x00, 0x65, 0x68, 0x01, 0x01, 0x00, 0x01,
	'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
};

static void test_ip6_parse(void **state)
{
	(void)state;
	struct ip6_view v;
	enum ip_drop why = IP_DROP__MAX;
	struct in6_addr src = addr6("2001:db8::10"), dst = addr6("2001:db8:ffff::1");
	uint8_t b[sizeof(tun_hdr) + sizeof(echo)];

	memcpy(b, tun_hdr, sizeof(tun_hdr));
	memcpy(b + sizeof(tun_hdr), echo, sizeof(echo));
	assert_int_equal(ip6_parse(b, sizeof(b), &v, &why), 0);
	assert_int_equal(why, IP_DROP_NONE);
	assert_ptr_equal(v.hdr, b);
	assert_int_equal(v.tclass, 0);
	assert_int_equal(v.flow_label, 0);
	assert_int_equal(v.payload_len, 36);
	assert_int_equal(v.next_hdr, 4);
	assert_int_equal(v.hop_limit, 64);
	assert_memory_equal(&v.src, &src, 16);
	assert_memory_equal(&v.dst, &dst, 16);
	assert_int_equal(v.proto, 4);
	assert_int_equal(v.proto_off, 40);
	assert_ptr_equal(v.payload, b + 40);
	assert_int_equal(v.upper_len, 36);
	assert_int_equal(v.n_ext, 0);
	assert_false(v.frag);
	assert_false(v.has_encap_limit);

	assert_int_equal(ip6_parse(chain, sizeof(chain), &v, &why), 0);
	assert_int_equal(v.tclass, 0xb8);
	assert_int_equal(v.flow_label, 0xabcde);
	assert_int_equal(v.hop_limit, 5);
	assert_int_equal(v.next_hdr, 0);
	assert_int_equal(v.n_ext, 4);
	assert_int_equal(v.proto, 4);
	assert_int_equal(v.proto_off, 72);
	assert_int_equal(v.upper_len, 36);
	assert_true(v.frag);
	assert_true(v.frag_mf);
	assert_int_equal(v.frag_off, 0);
	assert_int_equal(v.frag_id, 0x12345678);
	assert_true(v.has_encap_limit);
	assert_int_equal(v.encap_limit, 3);
	assert_int_equal(v.encap_limit_off, 60);
	assert_int_equal(chain[v.encap_limit_off], 3);

	/* a non-first fragment ends the walk at the fragment header */
	uint8_t c[sizeof(chain)];
	memcpy(c, chain, sizeof(c));
	put_be16(c + 66, 0x00b9 << 3);
	assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), 0);
	assert_true(v.frag);
	assert_false(v.frag_mf);
	assert_int_equal(v.frag_off, 1480);
	assert_int_equal(v.proto, 4);
	assert_int_equal(v.proto_off, 72);

	/* an unknown next header (ESP) ends the walk */
	c[56] = 50;
	assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), 0);
	assert_int_equal(v.proto, 50);
	assert_int_equal(v.proto_off, 64);
	assert_false(v.frag);
	assert_int_equal(v.n_ext, 3);

	/* Pad1 options around the limit (RFC 8200 4.2) */
	uint8_t d[sizeof(tun_hdr_limit) + sizeof(echo)];
	memcpy(d, tun_hdr_limit, sizeof(tun_hdr_limit));
	memcpy(d + sizeof(tun_hdr_limit), echo, sizeof(echo));
	static const uint8_t pad1[6] = { /* Pad1 */ 0x00, /* limit 7 */ 0x04, 0x01, 0x07,
					 /* Pad1 Pad1 */ 0x00, 0x00 };
	memcpy(d + 42, pad1, sizeof(pad1));
	assert_int_equal(ip6_parse(d, sizeof(d), &v, &why), 0);
	assert_true(v.has_encap_limit);
	assert_int_equal(v.encap_limit, 7);
	assert_int_equal(v.encap_limit_off, 45);
	assert_int_equal(v.proto, 4);
	assert_int_equal(v.proto_off, 48);

	/* padding past the payload length is ignored */
	uint8_t p[sizeof(chain) + 6] = { 0 };
	memcpy(p, chain, sizeof(chain));
	assert_int_equal(ip6_parse(p, sizeof(p), &v, &why), 0);
	assert_int_equal(v.upper_len, 36);
}

static void test_ip6_parse_errors(void **state)
{
	(void)state;
	struct ip6_view v;
	enum ip_drop why;
	uint8_t c[sizeof(chain)];

	for (size_t n = 0; n < sizeof(chain); n++) {
		why = IP_DROP_NONE;
		assert_int_equal(ip6_parse(chain, n, &v, &why), -EBADMSG);
		assert_int_equal(why, IP_DROP_TRUNCATED);
	}
	/* a payload length that cuts each extension header */
	for (uint16_t pl = 0; pl < 32; pl++) {
		memcpy(c, chain, sizeof(c));
		put_be16(c + 4, pl);
		assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), -EBADMSG);
		assert_int_equal(why, IP_DROP_TRUNCATED);
	}
	memcpy(c, chain, sizeof(c));
	c[0] = 0x4b;
	assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_VERSION);

	/* hop-by-hop after the routing header */
	memcpy(c, chain, sizeof(c));
	c[48] = 0;
	assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_EXT_HDR);
	/* an option running past its header, a limit of length 2 */
	memcpy(c, chain, sizeof(c));
	c[62] = 0x02;
	assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_EXT_HDR);
	memcpy(c, chain, sizeof(c));
	c[59] = 0x02;
	assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_EXT_HDR);
	/* a second fragment header (the first one's next header says 44,
	 * and the echo's first octets read as one) */
	memcpy(c, chain, sizeof(c));
	c[64] = 44;
	assert_int_equal(ip6_parse(c, sizeof(c), &v, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_EXT_HDR);

	/* nine destination options headers: one too many; eight are fine */
	uint8_t m[40 + 9 * 8 + 8];
	memset(m, 0, sizeof(m));
	memcpy(m, tun_hdr, 40);
	for (unsigned k = 8; k <= 9; k++) {
		size_t n = 40 + k * 8;
		put_be16(m + 4, (uint16_t)(k * 8));
		m[6] = 60;
		for (unsigned i = 0; i < k; i++) {
			m[40 + i * 8] = i + 1 < k ? 60 : 59;  /* 59: no next header */
			m[40 + i * 8 + 1] = 0;
			m[40 + i * 8 + 2] = 0x01;              /* PadN 4 */
			m[40 + i * 8 + 3] = 0x04;
		}
		int r = ip6_parse(m, n, &v, &why);
		if (k == 8) {
			assert_int_equal(r, 0);
			assert_int_equal(v.n_ext, 8);
			assert_int_equal(v.proto, 59);
			assert_int_equal(v.upper_len, 0);
		} else {
			assert_int_equal(r, -EBADMSG);
			assert_int_equal(why, IP_DROP_TOO_MANY_EXT_HDRS);
		}
	}
}

/* ---- RFC 2473 encapsulation -------------------------------------------------- */

static struct ip6_tunnel tunnel(void)
{
	struct ip6_tunnel t = {
		.src = addr6("2001:db8::10"),
		.dst = addr6("2001:db8:ffff::1"),
		.hop_limit = 64,
	};
	return t;
}

static void test_encap(void **state)
{
	(void)state;
	struct ip6_tunnel t = tunnel();
	uint8_t out[IP6_TUNNEL_HDR_MAX + 1];

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, sizeof(echo), out, sizeof(out)), 40);
	assert_memory_equal(out, tun_hdr, sizeof(tun_hdr));
	assert_int_equal(out[40], 0xa5);

	t.flow_label = 0x12345;
	t.has_encap_limit = true;
	t.encap_limit = IP6_TUNNEL_ENCAP_LIMIT_DEFAULT;
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, sizeof(echo), out, sizeof(out)), 48);
	assert_memory_equal(out, tun_hdr_limit, sizeof(tun_hdr_limit));
	assert_int_equal(out[48], 0xa5);

	/* the result parses back with the limit found */
	uint8_t pkt[48 + sizeof(echo)];
	memcpy(pkt, out, 48);
	memcpy(pkt + 48, echo, sizeof(echo));
	struct ip6_view v;
	struct ip4_view in;
	assert_int_equal(ip6_tunnel_decap4(pkt, sizeof(pkt), &v, &in, NULL), 0);
	assert_true(v.has_encap_limit);
	assert_int_equal(v.encap_limit, 4);
	assert_int_equal(v.encap_limit_off, 44);
	assert_int_equal(v.flow_label, 0x12345);

	/* RFC 2473 6.4: a configured traffic class, or the inner one copied */
	t = tunnel();
	t.tclass = 0x28;
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, sizeof(echo), out, sizeof(out)), 40);
	assert_int_equal(out[0], 0x62);
	assert_int_equal(out[1], 0x80);
	uint8_t ef[sizeof(echo)];
	memcpy(ef, echo, sizeof(ef));
	ef[1] = 0xb9;         /* DSCP EF, ECT(1) */
	t.tclass_copy = true;
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, ef, sizeof(ef), out, sizeof(out)), 40);
	assert_int_equal(out[0], 0x6b);
	assert_int_equal(out[1], 0x90);
	/* IPv6 inner (41): traffic class 0xb8 from its first two octets */
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPV6, chain, sizeof(chain), out, sizeof(out)), 40);
	assert_int_equal(out[0], 0x6b);
	assert_int_equal(out[1], 0x80);
	assert_int_equal(out[6], 41);
	assert_int_equal(get_be16(out + 4), sizeof(chain));
	/* other protocols (GRE) keep the configured value */
	assert_int_equal(ip6_tunnel_encap(&t, 47, NULL, 100, out, sizeof(out)), 40);
	assert_int_equal(out[0], 0x62);
	assert_int_equal(out[1], 0x80);
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, ef, 1, out, sizeof(out)), -EBADMSG);
}

static void test_encap_limits(void **state)
{
	(void)state;
	struct ip6_tunnel t = tunnel();
	uint8_t out[IP6_TUNNEL_HDR_MAX];

	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, 65535, out, sizeof(out)), 40);
	assert_int_equal(get_be16(out + 4), 65535);
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, 65536, out, sizeof(out)), -EMSGSIZE);
	t.has_encap_limit = true;
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, 65527, out, sizeof(out)), 48);
	assert_int_equal(get_be16(out + 4), 65535);
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, 65528, out, sizeof(out)), -EMSGSIZE);
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, 36, out, 47), -ENOBUFS);
	t.has_encap_limit = false;
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, 36, out, 39), -ENOBUFS);
	t.flow_label = 0x100000;
	assert_int_equal(ip6_tunnel_encap(&t, IPPROTO_IPIP, echo, 36, out, sizeof(out)), -EINVAL);
}

/* ---- decapsulation ------------------------------------------------------------ */

static void test_decap(void **state)
{
	(void)state;
	struct ip6_view v;
	struct ip4_view in;
	enum ip_drop why;
	uint8_t b[sizeof(tun_hdr) + sizeof(echo)];

	memcpy(b, tun_hdr, sizeof(tun_hdr));
	memcpy(b + sizeof(tun_hdr), echo, sizeof(echo));
	assert_int_equal(ip6_tunnel_decap4(b, sizeof(b), &v, &in, &why), 0);
	assert_int_equal(why, IP_DROP_NONE);
	assert_int_equal(v.proto, 4);
	assert_ptr_equal(in.hdr, b + 40);
	assert_int_equal(in.src, A4(192, 0, 2, 10));
	assert_int_equal(in.total_len, 36);

	for (size_t n = 0; n < sizeof(b); n++) {
		why = IP_DROP_NONE;
		assert_int_equal(ip6_tunnel_decap4(b, n, &v, &in, &why), -EBADMSG);
		assert_int_equal(why, IP_DROP_TRUNCATED);
	}
	/* a payload length that cuts the inner packet */
	for (uint16_t pl = 0; pl < 36; pl++) {
		put_be16(b + 4, pl);
		assert_int_equal(ip6_tunnel_decap4(b, sizeof(b), &v, &in, &why), -EBADMSG);
		assert_int_equal(why, IP_DROP_TRUNCATED);
	}
	put_be16(b + 4, 36);

	b[6] = 41;
	assert_int_equal(ip6_tunnel_decap4(b, sizeof(b), &v, &in, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_NOT_IPV4_INNER);
	b[6] = 4;
	b[40 + 10] ^= 0x80;
	assert_int_equal(ip6_tunnel_decap4(b, sizeof(b), &v, &in, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_CHECKSUM);
	b[40] = 0x65;
	assert_int_equal(ip6_tunnel_decap4(b, sizeof(b), &v, &in, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_VERSION);
	b[0] = 0x40;
	assert_int_equal(ip6_tunnel_decap4(b, sizeof(b), &v, &in, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_VERSION);

	/* RFC 2473 7: a fragment (here the first one) is not decapsulated */
	assert_int_equal(ip6_tunnel_decap4(chain, sizeof(chain), &v, &in, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_FRAGMENT);
	uint8_t c[sizeof(chain)];
	memcpy(c, chain, sizeof(c));
	c[56] = 4;            /* drop the fragment header from the chain */
	memmove(c + 64, c + 72, 36);
	put_be16(c + 4, 60);
	assert_int_equal(ip6_tunnel_decap4(c, sizeof(c) - 8, &v, &in, &why), 0);
	assert_int_equal(v.encap_limit, 3);
	assert_ptr_equal(in.hdr, c + 64);
	assert_int_equal(in.payload_len, 16);
}

/* ---- ICMPv4 errors -------------------------------------------------------------- */

static void test_icmp4_time_exceeded(void **state)
{
	(void)state;
	struct icmp4_error e = {
		.type = ICMP4_TIME_EXCEEDED, .code = 0, .src = A4(192, 0, 2, 1), .id = 7,
	};
	uint8_t out[ICMP4_ERROR_MAX];
	enum ip_drop why = IP_DROP__MAX;

	/* the echo request back to its source, quoted whole */
	assert_int_equal(icmp4_error_build(&e, echo, sizeof(echo), out, sizeof(out), &why),
			 sizeof(time_exceeded));
	assert_int_equal(why, IP_DROP_NONE);
	assert_memory_equal(out, time_exceeded, sizeof(time_exceeded));
	assert_int_equal(icmp4_error_build(&e, echo, sizeof(echo), out,
					   sizeof(time_exceeded) - 1, &why), -ENOBUFS);
	/* code 1 (reassembly) */
	e.code = 1;
	assert_int_equal(icmp4_error_build(&e, echo, sizeof(echo), out, sizeof(out), NULL), 64);
	assert_int_equal(out[21], 1);
	assert_int_equal(ip_csum(out + 20, 44), 0);
	/* the original must itself be valid */
	assert_int_equal(icmp4_error_build(&e, echo, sizeof(echo) - 1, out, sizeof(out), &why),
			 -EBADMSG);
	assert_int_equal(why, IP_DROP_TRUNCATED);
}

static void test_icmp4_frag_needed(void **state)
{
	(void)state;
	static uint8_t big[BIG_LEN];
	struct icmp4_error e = {
		.type = ICMP4_DEST_UNREACH, .code = ICMP4_CODE_FRAG_NEEDED, .mtu = 1280,
		.src = A4(192, 0, 2, 1), .id = 0x55aa,
	};
	uint8_t out[ICMP4_ERROR_MAX + 8];
	struct ip4_view v;

	make_big(big);
	/* as much of the original as fits in 576 octets */
	assert_int_equal(icmp4_error_build(&e, big, sizeof(big), out, sizeof(out), NULL), 576);
	assert_int_equal(ip4_parse(out, 576, &v, NULL), 0);
	assert_int_equal(v.total_len, 576);
	assert_int_equal(v.tos, 0xc0);
	assert_int_equal(v.ttl, 64);
	assert_int_equal(v.id, 0x55aa);
	assert_int_equal(v.proto, 1);
	assert_int_equal(v.src, A4(192, 0, 2, 1));
	assert_int_equal(v.dst, A4(192, 0, 2, 10));
	assert_int_equal(out[20], 3);
	assert_int_equal(out[21], 4);
	assert_int_equal(get_be16(out + 24), 0);
	assert_int_equal(get_be16(out + 26), 1280);
	assert_int_equal(ip_csum(out + 20, 556), 0);
	assert_memory_equal(out + 28, big, 548);
	assert_int_equal(icmp4_error_build(&e, big, sizeof(big), out, 575, NULL), -ENOBUFS);

	/* host unreachable leaves the MTU field zero */
	e.code = ICMP4_CODE_HOST_UNREACH;
	assert_int_equal(icmp4_error_build(&e, big, sizeof(big), out, sizeof(out), NULL), 576);
	assert_int_equal(get_be32(out + 24), 0);

	/* bad parameters */
	e.code = ICMP4_CODE_FRAG_NEEDED;
	e.mtu = 67;
	assert_int_equal(icmp4_error_build(&e, big, sizeof(big), out, sizeof(out), NULL), -EINVAL);
	e.mtu = 1280;
	e.code = 16;
	assert_int_equal(icmp4_error_build(&e, big, sizeof(big), out, sizeof(out), NULL), -EINVAL);
	e.type = ICMP4_TIME_EXCEEDED;
	e.code = 2;
	assert_int_equal(icmp4_error_build(&e, big, sizeof(big), out, sizeof(out), NULL), -EINVAL);
	e.type = ICMP4_PARAM_PROBLEM;
	e.code = 0;
	assert_int_equal(icmp4_error_build(&e, big, sizeof(big), out, sizeof(out), NULL), -EINVAL);
}

static void test_icmp4_not_sent(void **state)
{
	(void)state;
	struct icmp4_error e = {
		.type = ICMP4_DEST_UNREACH, .code = ICMP4_CODE_HOST_UNREACH, .src = A4(192, 0, 2, 1),
	};
	uint8_t b[sizeof(echo)], out[ICMP4_ERROR_MAX];
	enum ip_drop why;

	/* RFC 1122 3.2.2: never about an ICMP error message */
	static const uint8_t errors[] = { 3, 4, 5, 11, 12 };
	for (size_t i = 0; i < sizeof(errors); i++) {
		memcpy(b, echo, sizeof(b));
		b[20] = errors[i];
		why = IP_DROP_NONE;
		assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), -EPERM);
		assert_int_equal(why, IP_DROP_ICMP_ABOUT_ICMP_ERROR);
	}
	/* but about queries (echo request 8, reply 0, timestamp 13) */
	static const uint8_t queries[] = { 0, 8, 13 };
	for (size_t i = 0; i < sizeof(queries); i++) {
		memcpy(b, echo, sizeof(b));
		b[20] = queries[i];
		assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), 64);
	}
	/* an ICMP message too short to tell */
	uint8_t empty[20];
	memcpy(empty, echo, 20);
	put_be16(empty + 2, 20);
	ip4_hdr_csum_set(empty, 20);
	assert_int_equal(icmp4_error_build(&e, empty, 20, out, sizeof(out), &why), -EPERM);
	assert_int_equal(why, IP_DROP_ICMP_ABOUT_ICMP_ERROR);

	/* RFC 1812 4.3.2.7: a non-first fragment */
	memcpy(b, echo, sizeof(b));
	put_be16(b + 6, 1);
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), -EPERM);
	assert_int_equal(why, IP_DROP_ICMP_ABOUT_FRAGMENT);
	put_be16(b + 6, 0x2000);         /* a first fragment is fine */
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), 64);

	/* multicast and limited-broadcast destinations */
	static const uint32_t mdst[] = { A4(224, 0, 0, 1), A4(239, 255, 255, 250), 0xffffffff };
	for (size_t i = 0; i < ARRAY_SIZE(mdst); i++) {
		memcpy(b, echo, sizeof(b));
		put_be32(b + 16, mdst[i]);
		ip4_hdr_csum_set(b, sizeof(b));
		assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), -EPERM);
		assert_int_equal(why, IP_DROP_ICMP_ABOUT_MULTICAST);
	}
	/* sources that are not a single host (0.0.0.0 is what a DTI sees
	 * before it has an address) */
	static const uint32_t bsrc[] = { 0, A4(0, 1, 2, 3), A4(127, 0, 0, 1), A4(224, 0, 0, 5),
					 A4(240, 0, 0, 1), 0xffffffff };
	for (size_t i = 0; i < ARRAY_SIZE(bsrc); i++) {
		memcpy(b, echo, sizeof(b));
		put_be32(b + 12, bsrc[i]);
		ip4_hdr_csum_set(b, sizeof(b));
		assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), -EPERM);
		assert_int_equal(why, IP_DROP_ICMP_BAD_SOURCE);
	}
	memcpy(b, echo, sizeof(b));
	put_be32(b + 12, A4(223, 255, 255, 254));
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), 64);

	/* dstm-04 5.1: with an explicit destination, a packet sent from
	 * 0.0.0.0 is answered at the address the host has since got */
	struct ip4_view v;
	e.dst = A4(192, 0, 2, 100);
	memcpy(b, echo, sizeof(b));
	put_be32(b + 12, 0);
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), 64);
	assert_int_equal(ip4_parse(out, 64, &v, NULL), 0);
	assert_int_equal(v.dst, A4(192, 0, 2, 100));
	assert_int_equal(get_be32(v.payload + 8 + 12), 0);       /* quoted source 0.0.0.0 */
	assert_int_equal(ip_csum(v.payload, v.payload_len), 0);
	/* but not to a destination that is not a host, nor for a packet from
	 * some other address */
	e.dst = A4(224, 0, 0, 1);
	assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), -EPERM);
	assert_int_equal(why, IP_DROP_ICMP_BAD_SOURCE);
	e.dst = A4(192, 0, 2, 100);
	put_be32(b + 12, A4(192, 0, 2, 7));
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(icmp4_error_build(&e, b, sizeof(b), out, sizeof(out), &why), -EPERM);
}

/* ---- ICMPv6 errors from inside the tunnel ------------------------------------------ */

static void test_icmp6_ptb_to_frag_needed(void **state)
{
	(void)state;
	static uint8_t ptb[PTB_LEN];
	struct icmp6_tunnel_error e;
	enum ip_drop why = IP_DROP__MAX;
	uint8_t out[ICMP4_ERROR_MAX];

	make_ptb(ptb);
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), 0);
	assert_int_equal(why, IP_DROP_NONE);
	assert_int_equal(e.type, ICMP6_PACKET_TOO_BIG);
	assert_int_equal(e.mtu, 1400);
	assert_int_equal(e.tunnel_hdr_len, 40);
	assert_int_equal(e.tunnel_mtu, 1360);
	assert_int_equal(e.icmp4_type, 3);
	assert_int_equal(e.icmp4_code, 4);
	assert_int_equal(e.icmp4_mtu, 1360);
	assert_ptr_equal(e.tunnel.hdr, ptb + 8);
	assert_int_equal(e.tunnel.payload_len, 1460);
	assert_ptr_equal(e.inner.hdr, ptb + 48);
	assert_true(e.inner.cut);
	assert_int_equal(e.inner.payload_len, 1232 - 40 - 20);
	assert_true(e.inner.df);

	/* RFC 2473 8.3: to the original sender, exact bytes */
	assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, A4(192, 0, 2, 1), 0, out, sizeof(out), &why),
			 576);
	assert_int_equal(why, IP_DROP_NONE);
	assert_memory_equal(out, frag_needed_head, sizeof(frag_needed_head));
	assert_memory_equal(out + 28, udp_df_head, sizeof(udp_df_head));
	for (size_t i = 28 + sizeof(udp_df_head); i < 576; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, A4(192, 0, 2, 1), 0, out, 575, &why),
			 -ENOBUFS);

	/* RFC 8201 5: an MTU below 1280 counts as 1280 */
	put_be32(ptb + 4, 1000);
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), 0);
	assert_int_equal(e.tunnel_mtu, 1240);
	/* a jumbo MTU is capped for IPv4 */
	put_be32(ptb + 4, 100000);
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), 0);
	assert_int_equal(e.tunnel_mtu, 100000 - 40);
	assert_int_equal(e.icmp4_mtu, 65535);

	/* DF clear: no ICMPv4 error, but the tunnel MTU still applies */
	make_ptb(ptb);
	uint8_t *in = ptb + 48;
	put_be16(in + 6, 0);
	ip4_hdr_csum_set(in, 20);
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), 0);
	assert_int_equal(e.tunnel_mtu, 1360);
	assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, A4(192, 0, 2, 1), 0, out, sizeof(out), &why),
			 -EPERM);
	assert_int_equal(why, IP_DROP_PTB_DF_CLEAR);

	/* an empty result is a broken contract */
	memset(&e, 0, sizeof(e));
	assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, 1, 0, out, sizeof(out), &why), -EINVAL);
}

/* scapy: ICMPv6PacketTooBig(mtu=1300) quoting a tunnel packet with the
 * encapsulation limit header (48 octets) */
static void test_icmp6_ptb_limit(void **state)
{
	(void)state;
	static uint8_t ptb[PTB_LEN];
	struct icmp6_tunnel_error e;
	uint8_t out[ICMP4_ERROR_MAX];

	memset(ptb, 0, sizeof(ptb));
	ptb[0] = 2;
	put_be32(ptb + 4, 1300);
	memcpy(ptb + 8, tun_hdr_limit, sizeof(tun_hdr_limit));
	ptb[9] = 0;           /* flow label 0 */
	ptb[10] = 0;
	ptb[11] = 0;
	put_be16(ptb + 12, UDP_DF_LEN + 8);
	memcpy(ptb + 56, udp_df_head, sizeof(udp_df_head));
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, NULL), 0);
	assert_int_equal(e.tunnel_hdr_len, 48);
	assert_int_equal(e.tunnel_mtu, 1252);
	assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, A4(192, 0, 2, 1), 0, out, sizeof(out), NULL),
			 576);
	assert_int_equal(get_be16(out + 26), 1252);
	assert_int_equal(ip_csum(out + 20, 556), 0);
	assert_memory_equal(out + 28, udp_df_head, sizeof(udp_df_head));

	/* a first fragment of a tunnel packet: the fragment header does not
	 * count towards the tunnel headers */
	static uint8_t f[PTB_LEN];
	memcpy(f, ptb, 8);
	memcpy(f + 8, tun_hdr, 40);
	f[8 + 6] = 44;
	static const uint8_t fh[] = { /* next IPv4 */ 4, 0, /* offset 0, M */ 0, 1, 0, 0, 0, 9 };
	memcpy(f + 48, fh, sizeof(fh));
	memcpy(f + 56, udp_df_head, sizeof(udp_df_head));
	put_be16(f + 12, UDP_DF_LEN + 8);
	assert_int_equal(icmp6_tunnel_error_parse(f, sizeof(f), &e, NULL), 0);
	assert_int_equal(e.tunnel_hdr_len, 40);
	assert_int_equal(e.tunnel_mtu, 1260);
	/* a later fragment hides the inner header */
	f[48 + 3] = 0x08;
	assert_int_equal(icmp6_tunnel_error_parse(f, sizeof(f), &e, NULL), -ENOMSG);
}

static void test_icmp6_other_errors(void **state)
{
	(void)state;
	static uint8_t ptb[PTB_LEN];
	struct icmp6_tunnel_error e;
	enum ip_drop why;
	uint8_t out[ICMP4_ERROR_MAX];

	/* Destination Unreachable (any code) and Time Exceeded -> host
	 * unreachable, whatever DF says */
	static const uint8_t types[][2] = { { 1, 0 }, { 1, 3 }, { 3, 0 }, { 3, 1 } };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		make_ptb(ptb);
		ptb[0] = types[i][0];
		ptb[1] = types[i][1];
		put_be32(ptb + 4, 0);
		put_be16(ptb + 48 + 6, 0);
		ip4_hdr_csum_set(ptb + 48, 20);
		assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), 0);
		assert_int_equal(e.tunnel_mtu, 0);
		assert_int_equal(e.icmp4_type, 3);
		assert_int_equal(e.icmp4_code, 1);
		assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, A4(192, 0, 2, 1), 9, out,
							     sizeof(out), &why), 576);
		assert_int_equal(out[20], 3);
		assert_int_equal(out[21], 1);
		assert_int_equal(get_be32(out + 24), 0);
		assert_int_equal(ip_csum(out, 20), 0);
		assert_int_equal(ip_csum(out + 20, 556), 0);
	}

	/* Parameter Problem code 0 pointing at the quoted limit's value
	 * (RFC 2473 4.1.1 (b)) */
	static uint8_t pp[PTB_LEN];
	memset(pp, 0, sizeof(pp));
	pp[0] = 4;
	put_be32(pp + 4, 44);
	memcpy(pp + 8, tun_hdr_limit, sizeof(tun_hdr_limit));
	pp[8 + 44] = 0;       /* limit 0 */
	put_be16(pp + 12, UDP_DF_LEN + 8);
	memcpy(pp + 56, udp_df_head, sizeof(udp_df_head));
	assert_int_equal(icmp6_tunnel_error_parse(pp, sizeof(pp), &e, &why), 0);
	assert_int_equal(e.pointer, 44);
	assert_int_equal(e.icmp4_code, 1);
	assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, A4(192, 0, 2, 1), 9, out, sizeof(out), &why),
			 576);
	/* pointing elsewhere, or another code: not ours */
	put_be32(pp + 4, 43);
	assert_int_equal(icmp6_tunnel_error_parse(pp, sizeof(pp), &e, &why), -ENOMSG);
	assert_int_equal(why, IP_DROP_NOT_TUNNEL_ERROR);
	put_be32(pp + 4, 44);
	pp[1] = 1;
	assert_int_equal(icmp6_tunnel_error_parse(pp, sizeof(pp), &e, &why), -ENOMSG);
	make_ptb(ptb);
	ptb[0] = 4;
	put_be32(ptb + 4, 6);
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), -ENOMSG);

	/* informational messages (echo request 128) */
	make_ptb(ptb);
	ptb[0] = 128;
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), -ENOMSG);
	assert_int_equal(why, IP_DROP_NOT_TUNNEL_ERROR);
	/* a quoted packet that is not IPv4-in-IPv6 */
	make_ptb(ptb);
	ptb[8 + 6] = 17;
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), -ENOMSG);
	assert_int_equal(why, IP_DROP_NOT_IPV4_INNER);
	/* a quoted inner header with a bad checksum */
	make_ptb(ptb);
	ptb[48 + 11] ^= 1;
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_CHECKSUM);
	/* a quoted inner ICMP error: parsed, but never answered */
	make_ptb(ptb);
	ptb[48 + 9] = 1;
	ptb[48 + 20] = 3;
	ip4_hdr_csum_set(ptb + 48, 20);
	assert_int_equal(icmp6_tunnel_error_parse(ptb, sizeof(ptb), &e, &why), 0);
	assert_int_equal(icmp6_tunnel_error_to_icmp4(&e, A4(192, 0, 2, 1), 0, out, sizeof(out), &why),
			 -EPERM);
	assert_int_equal(why, IP_DROP_ICMP_ABOUT_ICMP_ERROR);

	/* a tunnel header so long that no IPv4 packet fits */
	static uint8_t lg[8 + 40 + 1264 + 20];
	memset(lg, 0, sizeof(lg));
	lg[0] = 2;
	put_be32(lg + 4, 1280);
	memcpy(lg + 8, tun_hdr, 40);
	lg[8 + 6] = 60;
	put_be16(lg + 12, 1264 + 20);
	lg[48] = 4;
	lg[49] = 157;         /* (157 + 1) * 8 = 1264 octets: 4 PadN of 257, one of 234 */
	for (size_t k = 0; k < 4; k++) {
		lg[50 + k * 257] = 1;
		lg[51 + k * 257] = 255;
	}
	lg[50 + 4 * 257] = 1;
	lg[51 + 4 * 257] = 232;
	memcpy(lg + 48 + 1264, udp_df_head, 20);
	assert_int_equal(ip6_parse(lg + 8, sizeof(lg) - 8, &(struct ip6_view){ 0 }, NULL), 0);
	assert_int_equal(icmp6_tunnel_error_parse(lg, sizeof(lg), &e, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_MTU);

	/* every prefix of a PTB */
	make_ptb(ptb);
	for (size_t n = 0; n < 8 + 40 + 20; n++) {
		why = IP_DROP_NONE;
		assert_int_equal(icmp6_tunnel_error_parse(ptb, n, &e, &why), -EBADMSG);
		assert_int_equal(why, IP_DROP_TRUNCATED);
	}
	for (size_t n = 8 + 40 + 20; n <= sizeof(ptb); n++)
		assert_int_equal(icmp6_tunnel_error_parse(ptb, n, &e, NULL), 0);
}

/* ---- fragmentation ------------------------------------------------------------------ */

/* Send every fragment of v for mtu through a reassembly buffer; check each
 * header against the original, the coverage, and return the count. */
static int fragment_and_reassemble(const struct ip4_view *v, uint16_t mtu, struct ip4_frag *fr,
				   int max)
{
	static uint8_t buf[65536], seen[65536], pkt[65536];
	size_t cur = 0, end = 0;
	int n = 0, r;
	bool last_mf = true;

	memset(seen, 0, sizeof(seen));
	while ((r = ip4_fragment_next(v, mtu, &cur, &fr[n], NULL)) == 1) {
		const struct ip4_frag *f = &fr[n];
		struct ip4_view fv;
		memcpy(pkt, f->hdr, f->hdr_len);
		memcpy(pkt + f->hdr_len, f->data, f->data_len);
		assert_int_equal(ip4_parse(pkt, (size_t)f->hdr_len + f->data_len, &fv, NULL), 0);
		assert_true(fv.total_len <= mtu);
		assert_int_equal(fv.hdr_len, v->hdr_len);
		assert_int_equal(fv.id, v->id);
		assert_int_equal(fv.src, v->src);
		assert_int_equal(fv.dst, v->dst);
		assert_int_equal(fv.proto, v->proto);
		assert_int_equal(fv.ttl, v->ttl);
		assert_int_equal(fv.tos, v->tos);
		assert_int_equal(fv.frag_off, f->offset);
		assert_int_equal(fv.mf, f->mf);
		assert_int_equal(fv.df, v->df);
		if (f->mf)
			assert_int_equal(f->data_len % 8, 0);
		assert_true(f->offset >= v->frag_off);
		for (size_t i = 0; i < f->data_len; i++) {
			size_t at = f->offset - v->frag_off + i;
			assert_int_equal(seen[at], 0);
			seen[at] = 1;
			buf[at] = f->data[i];
		}
		end = MAX(end, (size_t)(f->offset - v->frag_off) + f->data_len);
		last_mf = f->mf;
		n++;
		assert_true(n <= max);
	}
	assert_int_equal(r, 0);
	assert_int_equal(ip4_fragment_next(v, mtu, &cur, &fr[0], NULL), 0);
	assert_int_equal(last_mf, v->mf);
	assert_int_equal(end, v->payload_len);
	for (size_t i = 0; i < end; i++)
		assert_int_equal(seen[i], 1);
	assert_memory_equal(buf, v->payload, v->payload_len);
	return n;
}

static void test_fragment_big(void **state)
{
	(void)state;
	static uint8_t big[BIG_LEN];
	struct ip4_view v;
	static struct ip4_frag fr[256];
	enum ip_drop why;

	make_big(big);
	assert_int_equal(ip4_parse(big, sizeof(big), &v, NULL), 0);
	assert_int_equal(fragment_and_reassemble(&v, 1280, fr, 64), 2);
	assert_int_equal(fr[0].hdr_len, 20);
	assert_memory_equal(fr[0].hdr, big_frag0, 20);
	assert_ptr_equal(fr[0].data, big + 20);
	assert_int_equal(fr[0].data_len, 1256);
	assert_int_equal(fr[0].offset, 0);
	assert_true(fr[0].mf);
	assert_memory_equal(fr[1].hdr, big_frag1, 20);
	assert_ptr_equal(fr[1].data, big + 20 + 1256);
	assert_int_equal(fr[1].data_len, 744);
	assert_int_equal(fr[1].offset, 1256);
	assert_false(fr[1].mf);

	/* every MTU from the minimum up to the packet size */
	for (uint16_t mtu = 28; mtu <= BIG_LEN + 1; mtu += 13)
		assert_int_equal(fragment_and_reassemble(&v, mtu, fr, 256),
				 (2000 + ((mtu - 20) & ~7) - 1) / ((mtu - 20) & ~7));
	assert_int_equal(fragment_and_reassemble(&v, 68, fr, 256), 42);
	assert_int_equal(fragment_and_reassemble(&v, 28, fr, 256), 250);

	/* a packet that fits is passed through with its own header */
	assert_int_equal(fragment_and_reassemble(&v, BIG_LEN, fr, 1), 1);
	assert_memory_equal(fr[0].hdr, big, 20);
	assert_int_equal(fr[0].data_len, BIG_LEN - 20);

	/* RFC 1191: DF set and too big */
	big[6] = 0x40;
	ip4_hdr_csum_set(big, 20);
	assert_int_equal(ip4_parse(big, sizeof(big), &v, NULL), 0);
	size_t cur = 0;
	assert_int_equal(ip4_fragment_next(&v, 1280, &cur, fr, &why), -EMSGSIZE);
	assert_int_equal(why, IP_DROP_DF_SET);
	assert_int_equal(fragment_and_reassemble(&v, BIG_LEN, fr, 1), 1);
	assert_memory_equal(fr[0].hdr, big, 20);
	big[6] = 0;
	ip4_hdr_csum_set(big, 20);
	assert_int_equal(ip4_parse(big, sizeof(big), &v, NULL), 0);

	/* an MTU without room for 8 octets of data, a cursor out of range */
	cur = 0;
	assert_int_equal(ip4_fragment_next(&v, 27, &cur, fr, NULL), -EINVAL);
	cur = BIG_LEN;
	assert_int_equal(ip4_fragment_next(&v, 1280, &cur, fr, NULL), -EINVAL);
	cur = BIG_LEN - 20;
	assert_int_equal(ip4_fragment_next(&v, 1280, &cur, fr, NULL), -EINVAL);
}

static void test_fragment_refragment(void **state)
{
	(void)state;
	static uint8_t big[BIG_LEN];
	struct ip4_view v;
	struct ip4_frag fr[64];

	/* a middle fragment (offset 8000, MF) cut again: offsets add up, MF
	 * stays on the last piece */
	make_big(big);
	put_be16(big + 6, 0x2000 | 1000);
	ip4_hdr_csum_set(big, 20);
	assert_int_equal(ip4_parse(big, sizeof(big), &v, NULL), 0);
	assert_int_equal(fragment_and_reassemble(&v, 1000, fr, 64), 3);
	assert_int_equal(fr[0].offset, 8000);
	assert_int_equal(fr[1].offset, 8976);
	assert_int_equal(fr[2].offset, 9952);
	assert_true(fr[2].mf);

	/* the last fragment of a datagram (no MF) */
	put_be16(big + 6, 1000);
	ip4_hdr_csum_set(big, 20);
	assert_int_equal(ip4_parse(big, sizeof(big), &v, NULL), 0);
	assert_int_equal(fragment_and_reassemble(&v, 1000, fr, 64), 3);
	assert_false(fr[2].mf);
	assert_int_equal(get_be16(fr[2].hdr + 6), 9952 / 8);

	/* offsets past 65528 cannot be written */
	put_be16(big + 6, 0x1fff);
	ip4_hdr_csum_set(big, 20);
	assert_int_equal(ip4_parse(big, sizeof(big), &v, NULL), 0);
	size_t cur = 0;
	enum ip_drop why;
	assert_int_equal(ip4_fragment_next(&v, 1000, &cur, fr, &why), 1);
	assert_int_equal(ip4_fragment_next(&v, 1000, &cur, fr, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_LENGTH);
}

static void test_fragment_options(void **state)
{
	(void)state;
	uint8_t p[32 + 100];
	static const uint8_t hdr[] = {
		/* ver/ihl 8 */ 0x48, /* tos */ 0x10, /* total length 132 */ 0x00, 0x84,
		/* id */ 0x77, 0x77, /* flags */ 0x00, 0x00,
		/* ttl */ 0x20, /* proto UDP */ 0x11, /* checksum */ 0x00, 0x00,
		/* src */ 10, 1, 1, 1, /* dst */ 10, 2, 2, 2,
		/* Record Route (7, not copied), one slot */ 0x07, 0x07, 0x04, 0, 0, 0, 0,
		/* Router Alert (148, copied) */ 0x94, 0x04, 0x00, 0x00,
		/* EOL */ 0x00,
	};
	struct ip4_view v;
	struct ip4_frag fr[16];

	memcpy(p, hdr, sizeof(hdr));
	for (size_t i = 0; i < 100; i++)
		p[32 + i] = (uint8_t)(0xf0 ^ i);
	ip4_hdr_csum_set(p, sizeof(p));
	assert_int_equal(ip4_parse(p, sizeof(p), &v, NULL), 0);
	/* 32 + 48 per fragment: 48 + 48 + 4 */
	assert_int_equal(fragment_and_reassemble(&v, 84, fr, 16), 3);
	/* RFC 791 3.1: the first fragment carries every option ... */
	assert_memory_equal(fr[0].hdr + 20, hdr + 20, 12);
	/* ... the others only the copied ones; the rest become NOPs */
	static const uint8_t later[12] = { 1, 1, 1, 1, 1, 1, 1, 0x94, 0x04, 0, 0, 0 };
	for (int k = 1; k < 3; k++) {
		assert_int_equal(fr[k].hdr_len, 32);
		assert_memory_equal(fr[k].hdr + 20, later, 12);
		assert_int_equal(ip_csum(fr[k].hdr, 32), 0);
	}
	assert_int_equal(fr[0].data_len, 48);
	assert_int_equal(fr[2].data_len, 4);

	/* malformed options: length 1, length past the header */
	static const uint8_t bad[][2] = { { 0x07, 0x01 }, { 0x07, 0x0d }, { 0x94, 0x00 } };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(p, hdr, sizeof(hdr));
		p[20] = bad[i][0];
		p[21] = bad[i][1];
		ip4_hdr_csum_set(p, sizeof(p));
		assert_int_equal(ip4_parse(p, sizeof(p), &v, NULL), 0);
		size_t cur = 0;
		enum ip_drop why;
		assert_int_equal(ip4_fragment_next(&v, 84, &cur, fr, &why), -EBADMSG);
		assert_int_equal(why, IP_DROP_BAD_OPTIONS);
	}
	/* a lone option type octet at the very end of the header */
	memcpy(p, hdr, sizeof(hdr));
	memset(p + 20, 1, 11);
	p[31] = 0x94;
	ip4_hdr_csum_set(p, sizeof(p));
	assert_int_equal(ip4_parse(p, sizeof(p), &v, NULL), 0);
	size_t cur = 0;
	assert_int_equal(ip4_fragment_next(&v, 84, &cur, fr, NULL), -EBADMSG);
	/* an MTU that leaves no room for data next to 32 octets of header */
	memcpy(p, hdr, sizeof(hdr));
	ip4_hdr_csum_set(p, sizeof(p));
	assert_int_equal(ip4_parse(p, sizeof(p), &v, NULL), 0);
	cur = 0;
	assert_int_equal(ip4_fragment_next(&v, 39, &cur, fr, NULL), -EINVAL);
	assert_int_equal(fragment_and_reassemble(&v, 40, fr, 16), 13);
}

/* ---- MSS clamping ------------------------------------------------------------------ */

static void test_mss_clamp(void **state)
{
	(void)state;
	uint8_t b[sizeof(syn)];
	enum ip_drop why;

	memcpy(b, syn, sizeof(b));
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 1400, &why), 1);
	assert_int_equal(why, IP_DROP_NONE);
	assert_int_equal(get_be16(b + 42), 1400);
	assert_int_equal(get_be16(b + 36), 0xc092);  /* scapy, MSS 1400 */
	assert_tcp_csum_ok(b, sizeof(b));
	/* only the MSS value and the checksum changed */
	for (size_t i = 0; i < sizeof(b); i++)
		if (i != 36 && i != 37 && i != 42 && i != 43)
			assert_int_equal(b[i], syn[i]);
	/* already small enough: unchanged */
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 1400, NULL), 0);
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 1460, NULL), 0);
	assert_int_equal(get_be16(b + 42), 1400);

	/* at an odd offset the value straddles two checksum words */
	uint8_t o[sizeof(synack_odd)];
	memcpy(o, synack_odd, sizeof(o));
	assert_int_equal(ip4_tcp_mss_clamp(o, sizeof(o), 1360, NULL), 1);
	assert_int_equal(get_be16(o + 43), 1360);
	assert_int_equal(get_be16(o + 36), 0xab8d);  /* scapy, MSS 1360 */
	assert_tcp_csum_ok(o, sizeof(o));

	/* every limit, both alignments: the checksum verifies from scratch */
	for (uint32_t lim = 0; lim <= 0xffff; lim += 97) {
		memcpy(b, syn, sizeof(b));
		assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), (uint16_t)lim, NULL), lim < 1460);
		assert_tcp_csum_ok(b, sizeof(b));
		memcpy(o, synack_odd, sizeof(o));
		assert_int_equal(ip4_tcp_mss_clamp(o, sizeof(o), (uint16_t)lim, NULL), lim < 8960);
		assert_tcp_csum_ok(o, sizeof(o));
	}

	/* a data offset past the end of the segment: untouched */
	uint8_t seg[25] = {
		/* ports */ 0, 1, 0, 2, /* seq */ 0, 0, 0, 0, /* ack */ 0, 0, 0, 0,
		/* offset 7 (28 > 25), SYN */ 0x70, 0x02, /* window */ 0, 0, /* checksum */ 0, 0,
		/* urgent */ 0, 0, /* MSS 9000 */ 0x02, 0x04, 0x23, 0x28, /* data */ 0x5a,
	};
	uint8_t keep[25];
	memcpy(keep, seg, sizeof(seg));
	assert_int_equal(tcp_mss_clamp(seg, sizeof(seg), 1000), 0);
	assert_memory_equal(seg, keep, sizeof(seg));
	/* a 24-octet header and an odd segment length */
	uint8_t s2[25] = {
		0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
		/* offset 6, SYN */ 0x60, 0x02, 0, 0, /* checksum */ 0, 0, 0, 0,
		/* MSS 9000 */ 0x02, 0x04, 0x23, 0x28, /* data */ 0x5a,
	};
	put_be16(s2 + 16, ip_csum(s2, sizeof(s2)));
	assert_int_equal(tcp_mss_clamp(s2, sizeof(s2), 1000), 1);
	assert_int_equal(ip_csum(s2, sizeof(s2)), 0);
}

static void test_mss_clamp_untouched(void **state)
{
	(void)state;
	uint8_t b[sizeof(syn)];
	enum ip_drop why;

	/* changes that must leave the packet exactly as it was */
	struct { size_t at; uint8_t val; } cases[] = {
		{ 33, 0x10 },       /* ACK only, no SYN */
		{ 41, 0x00 },       /* MSS option length 0 */
		{ 41, 0x01 },       /* length 1 */
		{ 41, 0x03 },       /* MSS of length 3 */
		{ 41, 0x05 },       /* MSS of length 5 */
		{ 41, 0x28 },       /* length past the header */
		{ 40, 0x00 },       /* EOL before the MSS */
		{ 32, 0x40 },       /* data offset 4 */
		{ 32, 0xf0 },       /* data offset 15 > segment */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(b, syn, sizeof(b));
		b[cases[i].at] = cases[i].val;
		uint8_t keep[sizeof(b)];
		memcpy(keep, b, sizeof(b));
		assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 536, &why), 0);
		assert_memory_equal(b, keep, sizeof(b));
	}
	/* a malformed option after the MSS also leaves it alone */
	memcpy(b, syn, sizeof(b));
	b[58] = 0x09;         /* WScale length 9 runs past the header */
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 536, NULL), 0);
	assert_int_equal(get_be16(b + 42), 1460);
	/* a second MSS option (16, in place of the timestamp): only the first
	 * is considered */
	memcpy(b, syn, sizeof(b));
	static const uint8_t mss16[10] = { 0x02, 0x04, 0x00, 0x10, 1, 1, 1, 1, 1, 1 };
	memcpy(b + 46, mss16, sizeof(mss16));
	put_be16(b + 36, 0);
	put_be16(b + 36, ip_csum_fold(ip_csum_partial(
		ip_csum_pseudo4(A4(192, 0, 2, 10), A4(198, 51, 100, 1), 6, 40), b + 20, 40)));
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 536, NULL), 1);
	assert_int_equal(get_be16(b + 42), 536);
	assert_int_equal(get_be16(b + 48), 16);
	assert_tcp_csum_ok(b, sizeof(b));
	/* truncated segments */
	for (size_t n = 0; n < 40; n++) {
		memcpy(b, syn, sizeof(b));
		assert_int_equal(tcp_mss_clamp(b + 20, n, 536), 0);
		assert_memory_equal(b, syn, sizeof(b));
	}

	/* the IPv4 wrapper: other protocols, non-first fragments, bad IP */
	memcpy(b, syn, sizeof(b));
	b[9] = 17;
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 536, NULL), 0);
	memcpy(b, syn, sizeof(b));
	put_be16(b + 6, 0x0001);
	ip4_hdr_csum_set(b, sizeof(b));
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 536, NULL), 0);
	assert_int_equal(get_be16(b + 42), 1460);
	memcpy(b, syn, sizeof(b));
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b) - 1, 536, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_TRUNCATED);
	b[10] ^= 1;
	assert_int_equal(ip4_tcp_mss_clamp(b, sizeof(b), 536, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_CHECKSUM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_csum_pseudo),
		cmocka_unit_test(test_csum_update16),
		cmocka_unit_test(test_ip4_parse),
		cmocka_unit_test(test_ip4_parse_errors),
		cmocka_unit_test(test_ip4_hdr_csum),
		cmocka_unit_test(test_ip4_ttl_dec),
		cmocka_unit_test(test_ip6_parse),
		cmocka_unit_test(test_ip6_parse_errors),
		cmocka_unit_test(test_encap),
		cmocka_unit_test(test_encap_limits),
		cmocka_unit_test(test_decap),
		cmocka_unit_test(test_icmp4_time_exceeded),
		cmocka_unit_test(test_icmp4_frag_needed),
		cmocka_unit_test(test_icmp4_not_sent),
		cmocka_unit_test(test_icmp6_ptb_to_frag_needed),
		cmocka_unit_test(test_icmp6_ptb_limit),
		cmocka_unit_test(test_icmp6_other_errors),
		cmocka_unit_test(test_fragment_big),
		cmocka_unit_test(test_fragment_refragment),
		cmocka_unit_test(test_fragment_options),
		cmocka_unit_test(test_mss_clamp),
		cmocka_unit_test(test_mss_clamp_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
