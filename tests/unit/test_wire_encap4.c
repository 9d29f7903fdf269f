/* Unit tests for src/wire/encap4: IP in IP (RFC 2003), GRE (RFC 2784,
 * RFC 2890), minimal encapsulation (RFC 2004) and IPv6 in IPv4 (RFC 4213)
 * both ways, every drop reason, and the RFC 6040 ECN decapsulation table.
 * Reference packets were produced with scapy 2.5 (minimal encapsulation
 * by hand); tests/fuzz/corpus/make_wire_encap4.py builds the same packets
 * and prints them with -v.  Tunnel: home agent 192.0.2.1 -> care-of
 * address 198.51.100.7, TTL 64, identification 0x4242. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/encap4.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HA 0xc0, 0x00, 0x02, 0x01
#define COA 0xc6, 0x33, 0x64, 0x07
#define HOME 0xc0, 0x00, 0x02, 0x4d
#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77
#define ECHO_DATA 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'

/* src and dst are in network order */
static struct encap4_tunnel tunnel(void)
{
	struct encap4_tunnel t = {
		.src = htonl(A4(192, 0, 2, 1)),
		.dst = htonl(A4(198, 51, 100, 7)),
		.ttl = 64,
		.id = 0x4242,
	};
	return t;
}

/* scapy: IP(src="203.0.113.5", dst="192.0.2.77", tos=0xba, id=0x1234,
 * ttl=63, flags="DF")/ICMP(id=0x0101, seq=1)/b"abcdefgh" */
static const uint8_t inner4[] = {
	/* ver/ihl */ 0x45, /* tos: DSCP EF, ECT(0) */ 0xba, /* total length 36 */ 0x00, 0x24,
	/* id */ 0x12, 0x34, /* flags DF */ 0x40, 0x00,
	/* ttl */ 0x3f, /* proto ICMP */ 0x01, /* checksum */ 0x2a, 0x98,
	/* src 203.0.113.5 */ 0xcb, 0x00, 0x71, 0x05, /* dst 192.0.2.77 */ HOME,
	/* echo request */ 0x08, 0x00, /* checksum */ 0x65, 0x68,
	/* id */ 0x01, 0x01, /* seq */ 0x00, 0x01, ECHO_DATA,
};

/* scapy: IPv6(src="2001:db8:1::5", dst="2001:db8:2::77", tc=0xb9,
 * fl=0x12345, hlim=63)/ICMPv6EchoRequest(id=0x0101, seq=1, data=b"abcdefgh") */
static const uint8_t inner6[] = {
	/* ver 6, tclass 0xb9 (DSCP EF, ECT(1)), flow 0x12345 */ 0x6b, 0x91, 0x23, 0x45,
	/* payload length 16 */ 0x00, 0x10, /* next header ICMPv6 */ 0x3a, /* hop limit */ 0x3f,
	/* src */ SRC6,
	/* dst */ DST6,
	/* echo request */ 0x80, 0x00, /* checksum */ 0x91, 0x2c,
	/* id */ 0x01, 0x01, /* seq */ 0x00, 0x01, ECHO_DATA,
};

/* scapy: IP(src="192.0.2.1", dst="192.0.2.77", id=0x0777, ttl=64)/
 * UDP(sport=434, dport=434)/b"reg": sent by the home agent itself */
static const uint8_t inner4_ha[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 31 */ 0x00, 0x1f,
	/* id */ 0x07, 0x77, /* flags */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto UDP */ 0x11, /* checksum */ 0xef, 0x08,
	/* src */ HA, /* dst */ HOME,
	/* ports 434 -> 434 */ 0x01, 0xb2, 0x01, 0xb2,
	/* length 11 */ 0x00, 0x0b, /* checksum */ 0x9e, 0xbf, 'r', 'e', 'g',
};

/* scapy: IP(src=HA, dst=COA, tos=0xba, id=0x4242, ttl=64, flags="DF",
 * proto=4)/inner4: RFC 2003 3.1, TOS and DF copied */
static const uint8_t ipip_hdr[] = {
	/* ver/ihl */ 0x45, /* tos copied */ 0xba, /* total length 56 */ 0x00, 0x38,
	/* id */ 0x42, 0x42, /* flags DF copied */ 0x40, 0x00,
	/* ttl */ 0x40, /* proto IPIP */ 0x04, /* checksum */ 0x0b, 0x8a,
	/* src */ HA, /* dst */ COA,
};

/* scapy: IP(..., tos=0xb9, flags=0, proto=41)/inner6: RFC 4213 3.5, DF
 * clear (3.2.1), traffic class copied (RFC 5454 3.6) */
static const uint8_t sit_hdr[] = {
	/* ver/ihl */ 0x45, /* tos = traffic class */ 0xb9, /* total length 76 */ 0x00, 0x4c,
	/* id */ 0x42, 0x42, /* flags: DF clear */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto IPv6 */ 0x29, /* checksum */ 0x4b, 0x52,
	/* src */ HA, /* dst */ COA,
};

/* scapy: IP(..., flags="DF", proto=47)/GRE(proto=0x0800)/inner4 */
static const uint8_t gre4_hdr[] = {
	/* ver/ihl */ 0x45, /* tos */ 0xba, /* total length 60 */ 0x00, 0x3c,
	/* id */ 0x42, 0x42, /* flags DF */ 0x40, 0x00,
	/* ttl */ 0x40, /* proto GRE */ 0x2f, /* checksum */ 0x0b, 0x5b,
	/* src */ HA, /* dst */ COA,
	/* GRE: no C, K, S; version 0 */ 0x00, 0x00, /* protocol IPv4 */ 0x08, 0x00,
};

/* scapy: IP(..., flags=0, proto=47)/GRE(key_present=1, key=0x0a0b0c0d,
 * proto=0x86dd)/inner6 */
static const uint8_t gre6_key_hdr[] = {
	/* ver/ihl */ 0x45, /* tos */ 0xb9, /* total length 84 */ 0x00, 0x54,
	/* id */ 0x42, 0x42, /* flags */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto GRE */ 0x2f, /* checksum */ 0x4b, 0x44,
	/* src */ HA, /* dst */ COA,
	/* GRE: K */ 0x20, 0x00, /* protocol IPv6 */ 0x86, 0xdd,
	/* key */ 0x0a, 0x0b, 0x0c, 0x0d,
};

/* scapy: GRE(chksum_present=1, key_present=1, seqnum_present=1,
 * key=0x0a0b0c0d, sequence_number=7, proto=0x0800)/inner4 */
static const uint8_t gre4_csum_key_seq_hdr[] = {
	/* ver/ihl */ 0x45, /* tos */ 0xba, /* total length 72 */ 0x00, 0x48,
	/* id */ 0x42, 0x42, /* flags DF */ 0x40, 0x00,
	/* ttl */ 0x40, /* proto GRE */ 0x2f, /* checksum */ 0x0b, 0x4f,
	/* src */ HA, /* dst */ COA,
	/* GRE: C, K, S */ 0xb0, 0x00, /* protocol IPv4 */ 0x08, 0x00,
	/* GRE checksum */ 0x31, 0xe0, /* reserved1 */ 0x00, 0x00,
	/* key */ 0x0a, 0x0b, 0x0c, 0x0d, /* sequence number 7 */ 0x00, 0x00, 0x00, 0x07,
};

/* RFC 2004 3, built by hand: inner4 from 203.0.113.5, so S is set */
static const uint8_t minimal_s[] = {
	/* ver/ihl */ 0x45, /* tos kept */ 0xba, /* total length 36 + 12 */ 0x00, 0x30,
	/* id kept */ 0x12, 0x34, /* flags kept */ 0x40, 0x00,
	/* ttl kept */ 0x3f, /* proto minimal */ 0x37, /* checksum */ 0x3c, 0x6d,
	/* src: encapsulator */ HA, /* dst: exit point */ COA,
	/* forwarding header: protocol ICMP */ 0x01, /* S */ 0x80, /* checksum */ 0x00, 0x2c,
	/* original destination */ HOME,
	/* original source 203.0.113.5 */ 0xcb, 0x00, 0x71, 0x05,
	/* the original payload */ 0x08, 0x00, 0x65, 0x68, 0x01, 0x01, 0x00, 0x01, ECHO_DATA,
};

/* The same for inner4_ha, sent by the encapsulator: no S */
static const uint8_t minimal_no_s[] = {
	/* ver/ihl */ 0x45, /* tos */ 0x00, /* total length 31 + 8 */ 0x00, 0x27,
	/* id */ 0x07, 0x77, /* flags */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto minimal */ 0x37, /* checksum */ 0x86, 0xed,
	/* src */ HA, /* dst */ COA,
	/* forwarding header: protocol UDP */ 0x11, /* no S */ 0x00, /* checksum */ 0x2c, 0xb2,
	/* original destination */ HOME,
	/* UDP */ 0x01, 0xb2, 0x01, 0xb2, 0x00, 0x0b, 0x9e, 0xbf, 'r', 'e', 'g',
};

/* RFC 5454 3.3.2 double encapsulation, scapy: IP(src=HA, dst=COA,
 * tos=0xb9, id=0x4242, proto=4)/IP(src=HA, dst="192.0.2.77", tos=0xb9,
 * id=0x4243, proto=41)/inner6 */
static const uint8_t ipip_sit_hdr[] = {
	/* ver/ihl */ 0x45, /* tos */ 0xb9, /* total length 96 */ 0x00, 0x60,
	/* id */ 0x42, 0x42, /* flags: DF clear, copied */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto IPIP */ 0x04, /* checksum */ 0x4b, 0x63,
	/* src */ HA, /* dst */ COA,
	/* ver/ihl */ 0x45, /* tos */ 0xb9, /* total length 76 */ 0x00, 0x4c,
	/* id */ 0x42, 0x43, /* flags */ 0x00, 0x00,
	/* ttl */ 0x40, /* proto IPv6 */ 0x29, /* checksum */ 0xb3, 0x3e,
	/* src */ HA, /* dst: the home address */ HOME,
};

/* Room for the biggest packet and its headroom. */
static uint8_t buf[ENCAP4_HEADROOM + 65536];
static uint8_t expect[65536 + ENCAP4_HEADROOM];

/* Put p at buf + ENCAP4_HEADROOM, the headroom filled with a marker. */
static uint8_t *place(const uint8_t *p, size_t n)
{
	memset(buf, 0xee, ENCAP4_HEADROOM);
	memcpy(buf + ENCAP4_HEADROOM, p, n);
	return buf + ENCAP4_HEADROOM;
}

/* expect = a || b */
static size_t cat(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	memcpy(expect, a, an);
	if (bn)
		memcpy(expect + an, b, bn);
	return an + bn;
}

/* Decapsulate a copy of p (at buf + ENCAP4_HEADROOM), expecting a drop. */
static void assert_drop(const uint8_t *p, size_t n, enum ip_drop reason)
{
	struct encap4_view v;
	enum ip_drop why = IP_DROP_NONE;
	uint8_t *pkt = place(p, n);

	assert_int_equal(encap4_decap(pkt, n, &v, &why), -EBADMSG);
	assert_string_equal(ip_drop_name(why), ip_drop_name(reason));
	/* only a successful MINIMAL decapsulation writes */
	assert_memory_equal(pkt, p, n);
}

/* ---- encapsulation: compare with the reference bytes --------------------- */

static void encap_expect(enum encap4_kind kind, const struct encap4_tunnel *t,
			 const uint8_t *in, size_t in_len, const uint8_t *hdr, size_t hdr_len)
{
	uint8_t *inner = place(in, in_len), *out = NULL;
	size_t n = cat(hdr, hdr_len, in, in_len);

	assert_int_equal(encap4_encap(t, kind, inner, in_len, ENCAP4_HEADROOM, &out), (int)n);
	assert_ptr_equal(out, inner - hdr_len);
	assert_memory_equal(out, expect, n);
	assert_int_equal(ip4_hdr_csum_check(out, n), 0);
	/* nothing in front of the new header was written */
	for (uint8_t *p = buf; p < out; p++)
		assert_int_equal(*p, 0xee);
}

static void test_encap_ipip(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	encap_expect(ENCAP4_IPIP, &t, inner4, sizeof(inner4), ipip_hdr, sizeof(ipip_hdr));
}

/* RFC 2003 3.1: DF clear inside, clear outside; TOS copied whatever it is */
static void test_encap_ipip_df_clear(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	uint8_t in[sizeof(inner4)], *out;
	memcpy(in, inner4, sizeof(in));
	in[1] = 0x21;
	in[6] = 0x00;
	assert_int_equal(ip4_hdr_csum_set(in, sizeof(in)), 0);
	uint8_t *inner = place(in, sizeof(in));

	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, sizeof(in), ENCAP4_HEADROOM, &out),
			 56);
	assert_int_equal(out[1], 0x21);
	assert_int_equal(get_be16(out + 6), 0x0000);
	assert_int_equal(ip4_hdr_csum_check(out, 56), 0);
	assert_memory_equal(out + 12, ipip_hdr + 12, 8);
	assert_memory_equal(out + 20, in, sizeof(in));
}

static void test_encap_6in4(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	encap_expect(ENCAP4_6IN4, &t, inner6, sizeof(inner6), sit_hdr, sizeof(sit_hdr));
}

static void test_encap_gre4(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	encap_expect(ENCAP4_GRE, &t, inner4, sizeof(inner4), gre4_hdr, sizeof(gre4_hdr));
}

static void test_encap_gre6_key(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	t.has_key = true;
	t.key = 0x0a0b0c0d;
	encap_expect(ENCAP4_GRE, &t, inner6, sizeof(inner6), gre6_key_hdr, sizeof(gre6_key_hdr));
}

/* RFC 2004 3: the original header is rewritten in place; TTL, TOS, ID and
 * flags kept; 12 octets more with S */
static void test_encap_minimal_s(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	uint8_t *inner = place(inner4, sizeof(inner4)), *out = NULL;

	t.ttl = 0; /* not used by minimal encapsulation */
	t.id = 0x9999;
	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, sizeof(inner4), 12, &out),
			 (int)sizeof(minimal_s));
	assert_ptr_equal(out, inner - 12);
	assert_memory_equal(out, minimal_s, sizeof(minimal_s));
	assert_int_equal(ip4_hdr_csum_check(out, sizeof(minimal_s)), 0);
	assert_int_equal(ip_csum(out + 20, 12), 0);
	assert_int_equal(buf[ENCAP4_HEADROOM - 13], 0xee);
}

static void test_encap_minimal_no_s(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	uint8_t *inner = place(inner4_ha, sizeof(inner4_ha)), *out = NULL;

	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, sizeof(inner4_ha), 8, &out),
			 (int)sizeof(minimal_no_s));
	assert_ptr_equal(out, inner - 8);
	assert_memory_equal(out, minimal_no_s, sizeof(minimal_no_s));
	assert_int_equal(ip_csum(out + 20, 8), 0);
}

/* RFC 5454 3.3.2: 6in4 to the home address, then IP in IP to the care-of
 * address, in one headroom */
static void test_encap_double(void **state)
{
	(void)state;
	struct encap4_tunnel t6 = tunnel(), t4 = tunnel();
	uint8_t *inner = place(inner6, sizeof(inner6)), *mid = NULL, *out = NULL;
	int n;

	t6.dst = htonl(A4(192, 0, 2, 77));
	t6.id = 0x4243;
	n = encap4_encap(&t6, ENCAP4_6IN4, inner, sizeof(inner6), ENCAP4_HEADROOM, &mid);
	assert_int_equal(n, 76);
	n = encap4_encap(&t4, ENCAP4_IPIP, mid, (size_t)n, (size_t)(mid - buf), &out);
	assert_int_equal(n, 96);
	assert_ptr_equal(out, inner - 40);
	cat(ipip_sit_hdr, sizeof(ipip_sit_hdr), inner6, sizeof(inner6));
	assert_memory_equal(out, expect, 96);

	/* and back: two decapsulations */
	struct encap4_view v;
	enum ip_drop why;
	assert_int_equal(encap4_decap(out, 96, &v, &why), 0);
	assert_int_equal(v.kind, ENCAP4_IPIP);
	assert_int_equal(v.outer.tos, 0xb9);
	assert_int_equal(encap4_decap(v.inner, v.inner_len, &v, &why), 0);
	assert_int_equal(v.kind, ENCAP4_6IN4);
	assert_int_equal(v.outer.dst, A4(192, 0, 2, 77));
	assert_int_equal(v.inner_len, sizeof(inner6));
	assert_memory_equal(v.inner, inner6, sizeof(inner6));
}

/* The exact headroom is enough; one octet less is -ENOBUFS, nothing
 * written */
static void test_encap_headroom(void **state)
{
	(void)state;
	static const struct {
		enum encap4_kind kind;
		bool key, v6, ha;
		size_t need;
	} cases[] = {
		{ ENCAP4_IPIP, false, false, false, 20 },
		{ ENCAP4_6IN4, false, true, false, 20 },
		{ ENCAP4_GRE, false, false, false, 24 },
		{ ENCAP4_GRE, true, true, false, 28 },
		{ ENCAP4_MINIMAL, false, false, false, 12 },
		{ ENCAP4_MINIMAL, false, false, true, 8 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct encap4_tunnel t = tunnel();
		const uint8_t *in = cases[i].v6 ? inner6 : cases[i].ha ? inner4_ha : inner4;
		size_t len = cases[i].v6 ? sizeof(inner6) : cases[i].ha ? sizeof(inner4_ha)
									: sizeof(inner4);
		uint8_t *inner, *out = NULL;
		t.has_key = cases[i].key;

		inner = place(in, len);
		assert_int_equal(encap4_encap(&t, cases[i].kind, inner, len, cases[i].need - 1, &out),
				 -ENOBUFS);
		assert_null(out);
		assert_memory_equal(inner, in, len);
		for (size_t j = 0; j < ENCAP4_HEADROOM; j++)
			assert_int_equal(buf[j], 0xee);
		assert_int_equal(encap4_encap(&t, cases[i].kind, inner, len, cases[i].need, &out),
				 (int)(len + cases[i].need));
		assert_ptr_equal(out, inner - cases[i].need);
	}
}

static void test_encap_invalid(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	uint8_t in[sizeof(inner4) + 4], *inner, *out = NULL;

	/* wrong family for the kind */
	inner = place(inner6, sizeof(inner6));
	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, sizeof(inner6), 64, &out), -EINVAL);
	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, sizeof(inner6), 64, &out), -EINVAL);
	inner = place(inner4, sizeof(inner4));
	assert_int_equal(encap4_encap(&t, ENCAP4_6IN4, inner, sizeof(inner4), 64, &out), -EINVAL);
	/* no such kind */
	assert_int_equal(encap4_encap(&t, ENCAP4_NONE, inner, sizeof(inner4), 64, &out), -EINVAL);
	assert_int_equal(encap4_encap(&t, (enum encap4_kind)9, inner, sizeof(inner4), 64, &out),
			 -EINVAL);
	/* TTL 0 */
	t.ttl = 0;
	assert_int_equal(encap4_encap(&t, ENCAP4_GRE, inner, sizeof(inner4), 64, &out), -EINVAL);
	t.ttl = 64;
	/* empty, short, padded, bad checksum, version 5 */
	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, 0, 64, &out), -EINVAL);
	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, 35, 64, &out), -EINVAL);
	memcpy(in, inner4, sizeof(inner4));
	memset(in + sizeof(inner4), 0, 4);
	inner = place(in, sizeof(in));
	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, sizeof(in), 64, &out), -EINVAL);
	inner = place(inner4, sizeof(inner4));
	inner[11] ^= 1;
	assert_int_equal(encap4_encap(&t, ENCAP4_GRE, inner, sizeof(inner4), 64, &out), -EINVAL);
	inner = place(inner6, sizeof(inner6));
	inner[0] = 0x5b;
	assert_int_equal(encap4_encap(&t, ENCAP4_GRE, inner, sizeof(inner6), 64, &out), -EINVAL);
	inner = place(inner6, sizeof(inner6));
	assert_int_equal(encap4_encap(&t, ENCAP4_6IN4, inner, sizeof(inner6) - 1, 64, &out), -EINVAL);
	assert_null(out);
}

/* RFC 2004 3: no fragments; options are refused */
static void test_encap_minimal_refused(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	uint8_t in[sizeof(inner4) + 4], *inner, *out = NULL;

	memcpy(in, inner4, sizeof(inner4));
	in[6] = 0x20; /* MF */
	assert_int_equal(ip4_hdr_csum_set(in, sizeof(inner4)), 0);
	inner = place(in, sizeof(inner4));
	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, sizeof(inner4), 64, &out), -EINVAL);
	/* but IP in IP carries it */
	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, sizeof(inner4), 64, &out), 56);

	memcpy(in, inner4, sizeof(inner4));
	in[6] = 0x40;
	in[7] = 0x10; /* offset 128 */
	assert_int_equal(ip4_hdr_csum_set(in, sizeof(inner4)), 0);
	inner = place(in, sizeof(inner4));
	out = NULL;
	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, sizeof(inner4), 64, &out), -EINVAL);

	/* IHL 6: NOP NOP NOP EOL */
	in[0] = 0x46;
	put_be16(in + 2, sizeof(in));
	put_be16(in + 6, 0x4000);
	memcpy(in + 24, inner4 + 20, sizeof(inner4) - 20);
	in[20] = in[21] = in[22] = 1;
	in[23] = 0;
	assert_int_equal(ip4_hdr_csum_set(in, sizeof(in)), 0);
	inner = place(in, sizeof(in));
	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, sizeof(in), 64, &out), -EINVAL);
	assert_null(out);
	assert_memory_equal(inner, in, sizeof(in));
}

static void test_encap_too_big(void **state)
{
	(void)state;
	struct encap4_tunnel t = tunnel();
	static uint8_t big[65535];
	uint8_t *inner, *out = NULL;

	/* an IPv4 packet of 65515 octets fits in IP in IP, 65516 does not */
	memset(big, 0, sizeof(big));
	memcpy(big, inner4, 20);
	put_be16(big + 2, 65515);
	assert_int_equal(ip4_hdr_csum_set(big, 20), 0);
	inner = place(big, 65515);
	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, 65515, 64, &out), 65535);
	assert_int_equal(get_be16(out + 2), 65535);
	inner = place(big, 65515);
	out = NULL;
	assert_int_equal(encap4_encap(&t, ENCAP4_GRE, inner, 65515, 64, &out), -EMSGSIZE);
	/* minimal encapsulation with S adds 12 */
	put_be16(big + 2, 65523);
	assert_int_equal(ip4_hdr_csum_set(big, 20), 0);
	inner = place(big, 65523);
	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, 65523, 64, &out), 65535);
	put_be16(big + 2, 65524);
	assert_int_equal(ip4_hdr_csum_set(big, 20), 0);
	inner = place(big, 65524);
	out = NULL;
	assert_int_equal(encap4_encap(&t, ENCAP4_MINIMAL, inner, 65524, 64, &out), -EMSGSIZE);
	put_be16(big + 2, 65516);
	assert_int_equal(ip4_hdr_csum_set(big, 20), 0);
	inner = place(big, 65516);
	assert_int_equal(encap4_encap(&t, ENCAP4_IPIP, inner, 65516, 64, &out), -EMSGSIZE);
	/* IPv6 payload length 65535: 65575 octets, never */
	memset(big, 0, 40);
	memcpy(big, inner6, 8);
	big[6] = 59; /* no next header */
	put_be16(big + 4, 65535 - 40);
	inner = place(big, 65535);
	assert_int_equal(encap4_encap(&t, ENCAP4_6IN4, inner, 65535, 64, &out), -EMSGSIZE);
	assert_null(out);
}

/* ---- decapsulation of the reference packets ------------------------------- */

static void decap_expect(const uint8_t *hdr, size_t hdr_len, const uint8_t *in, size_t in_len,
			 enum encap4_kind kind, uint8_t family, struct encap4_view *v)
{
	enum ip_drop why = IP_DROP__MAX;
	size_t n = cat(hdr, hdr_len, in, in_len);
	uint8_t *pkt = place(expect, n);

	assert_int_equal(encap4_decap(pkt, n, v, &why), 0);
	assert_int_equal(why, IP_DROP_NONE);
	assert_int_equal(v->kind, kind);
	assert_int_equal(v->inner_family, family);
	assert_ptr_equal(v->inner, pkt + hdr_len);
	assert_int_equal(v->inner_len, in_len);
	assert_memory_equal(v->inner, in, in_len);
	assert_int_equal(v->outer.src, A4(192, 0, 2, 1));
	assert_int_equal(v->outer.dst, A4(198, 51, 100, 7));
	assert_int_equal(v->outer.ttl, 64);
}

static void test_decap_ipip(void **state)
{
	(void)state;
	struct encap4_view v;
	decap_expect(ipip_hdr, sizeof(ipip_hdr), inner4, sizeof(inner4), ENCAP4_IPIP, 4, &v);
	assert_true(v.outer.df);
	assert_int_equal(v.outer.tos, 0xba);
	assert_false(v.gre_has_key || v.gre_has_seq || v.gre_has_csum);
}

static void test_decap_6in4(void **state)
{
	(void)state;
	struct encap4_view v;
	decap_expect(sit_hdr, sizeof(sit_hdr), inner6, sizeof(inner6), ENCAP4_6IN4, 6, &v);
	assert_false(v.outer.df);
}

/* RFC 4213 3.6: the length comes from the IPv6 header when the IPv4
 * packet is padded */
static void test_decap_6in4_padded(void **state)
{
	(void)state;
	struct encap4_view v;
	enum ip_drop why;
	size_t n = cat(sit_hdr, sizeof(sit_hdr), inner6, sizeof(inner6));
	uint8_t *pkt;

	memset(expect + n, 0, 4);
	put_be16(expect + 2, (uint16_t)(n + 4));
	assert_int_equal(ip4_hdr_csum_set(expect, 20), 0);
	pkt = place(expect, n + 4);
	assert_int_equal(encap4_decap(pkt, n + 4, &v, &why), 0);
	assert_int_equal(v.outer.total_len, n + 4);
	assert_int_equal(v.inner_len, sizeof(inner6));
	assert_memory_equal(v.inner, inner6, sizeof(inner6));
}

static void test_decap_gre4(void **state)
{
	(void)state;
	struct encap4_view v;
	decap_expect(gre4_hdr, sizeof(gre4_hdr), inner4, sizeof(inner4), ENCAP4_GRE, 4, &v);
	assert_false(v.gre_has_key || v.gre_has_seq || v.gre_has_csum);
}

static void test_decap_gre6_key(void **state)
{
	(void)state;
	struct encap4_view v;
	decap_expect(gre6_key_hdr, sizeof(gre6_key_hdr), inner6, sizeof(inner6), ENCAP4_GRE, 6,
		     &v);
	assert_true(v.gre_has_key);
	assert_int_equal(v.gre_key, 0x0a0b0c0d);
	assert_false(v.gre_has_seq || v.gre_has_csum);
}

/* RFC 2784 2.5 checksum, RFC 2890 2.1 key and 2.2 sequence number */
static void test_decap_gre_csum_key_seq(void **state)
{
	(void)state;
	struct encap4_view v;
	decap_expect(gre4_csum_key_seq_hdr, sizeof(gre4_csum_key_seq_hdr), inner4, sizeof(inner4),
		     ENCAP4_GRE, 4, &v);
	assert_true(v.gre_has_csum && v.gre_has_key && v.gre_has_seq);
	assert_int_equal(v.gre_key, 0x0a0b0c0d);
	assert_int_equal(v.gre_seq, 7);

	/* Reserved1 and the reserved bits 6-12 are ignored on receipt */
	size_t n = cat(gre4_csum_key_seq_hdr, sizeof(gre4_csum_key_seq_hdr), inner4, sizeof(inner4));
	enum ip_drop why;
	uint8_t *pkt;
	put_be16(expect + 20, 0xb000 | 0x03f8);
	put_be16(expect + 26, 0xabcd);
	put_be16(expect + 24, 0);
	put_be16(expect + 24, ip_csum(expect + 20, n - 20));
	pkt = place(expect, n);
	assert_int_equal(encap4_decap(pkt, n, &v, &why), 0);
	assert_memory_equal(v.inner, inner4, sizeof(inner4));
}

/* RFC 2004 3: the original header comes back, in front of the payload */
static void test_decap_minimal_s(void **state)
{
	(void)state;
	struct encap4_view v;
	enum ip_drop why;
	uint8_t *pkt = place(minimal_s, sizeof(minimal_s));

	assert_int_equal(encap4_decap(pkt, sizeof(minimal_s), &v, &why), 0);
	assert_int_equal(v.kind, ENCAP4_MINIMAL);
	assert_int_equal(v.inner_family, 4);
	assert_ptr_equal(v.inner, pkt + 12);
	assert_int_equal(v.inner_len, sizeof(inner4));
	assert_memory_equal(v.inner, inner4, sizeof(inner4));
	/* the view keeps the outer values */
	assert_int_equal(v.outer.proto, ENCAP4_PROTO_MINIMAL);
	assert_int_equal(v.outer.src, A4(192, 0, 2, 1));
	assert_int_equal(v.outer.dst, A4(198, 51, 100, 7));
	assert_int_equal(v.outer.total_len, sizeof(minimal_s));
}

/* Without S the original source is the outer source */
static void test_decap_minimal_no_s(void **state)
{
	(void)state;
	struct encap4_view v;
	enum ip_drop why;
	uint8_t *pkt = place(minimal_no_s, sizeof(minimal_no_s));

	assert_int_equal(encap4_decap(pkt, sizeof(minimal_no_s), &v, &why), 0);
	assert_ptr_equal(v.inner, pkt + 8);
	assert_int_equal(v.inner_len, sizeof(inner4_ha));
	assert_memory_equal(v.inner, inner4_ha, sizeof(inner4_ha));
}

/* TTL, TOS, ID and flags come from the outer header (hops inside the tunnel
 * show); reserved bits are ignored; options of the outer header stay */
static void test_decap_minimal_outer_fields(void **state)
{
	(void)state;
	struct encap4_view v;
	enum ip_drop why;
	uint8_t p[sizeof(minimal_s) + 4], *pkt;

	/* TTL 0x3f -> 0x3a on the way, TOS 0xbb (CE), ID 0x5555, DF clear,
	 * reserved bits in the forwarding header; options NOP NOP NOP EOL */
	p[0] = 0x46;
	memcpy(p + 1, minimal_s + 1, 19);
	p[1] = 0xbb;
	put_be16(p + 2, sizeof(p));
	put_be16(p + 4, 0x5555);
	put_be16(p + 6, 0);
	p[8] = 0x3a;
	p[20] = p[21] = p[22] = 1;
	p[23] = 0;
	assert_int_equal(ip4_hdr_csum_set(p, 24), 0);
	memcpy(p + 24, minimal_s + 20, sizeof(minimal_s) - 20);
	p[25] = 0x80 | 0x15;
	put_be16(p + 26, 0);
	put_be16(p + 26, ip_csum(p + 24, 12));
	pkt = place(p, sizeof(p));

	assert_int_equal(encap4_decap(pkt, sizeof(p), &v, &why), 0);
	assert_ptr_equal(v.inner, pkt + 12);
	assert_int_equal(v.inner_len, sizeof(inner4) + 4);
	const uint8_t *h = v.inner;
	assert_int_equal(h[0], 0x46);
	assert_int_equal(h[1], 0xbb);
	assert_int_equal(get_be16(h + 2), sizeof(inner4) + 4);
	assert_int_equal(get_be16(h + 4), 0x5555);
	assert_int_equal(get_be16(h + 6), 0);
	assert_int_equal(h[8], 0x3a);
	assert_int_equal(h[9], 1);
	assert_memory_equal(h + 12, inner4 + 12, 8);
	static const uint8_t opts[] = { 1, 1, 1, 0 };
	assert_memory_equal(h + 20, opts, 4);
	assert_int_equal(ip4_hdr_csum_check(h, 24), 0);
	assert_memory_equal(h + 24, inner4 + 20, sizeof(inner4) - 20);
}

/* Every kind, both families where the kind has two: decap(encap(x)) = x */
static void test_roundtrip(void **state)
{
	(void)state;
	static const struct {
		enum encap4_kind kind;
		bool v6, key;
	} cases[] = {
		{ ENCAP4_IPIP, false, false }, { ENCAP4_6IN4, true, false },
		{ ENCAP4_GRE, false, false },  { ENCAP4_GRE, true, false },
		{ ENCAP4_GRE, false, true },   { ENCAP4_GRE, true, true },
		{ ENCAP4_MINIMAL, false, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct encap4_tunnel t = tunnel();
		const uint8_t *in = cases[i].v6 ? inner6 : inner4;
		size_t len = cases[i].v6 ? sizeof(inner6) : sizeof(inner4);
		struct encap4_view v;
		enum ip_drop why;
		uint8_t *out;
		t.has_key = cases[i].key;
		t.key = 0xfeedf00d;

		int n = encap4_encap(&t, cases[i].kind, place(in, len), len, ENCAP4_HEADROOM, &out);
		assert_true(n > 0);
		assert_int_equal(encap4_decap(out, (size_t)n, &v, &why), 0);
		assert_int_equal(v.kind, cases[i].kind);
		assert_int_equal(v.inner_family, cases[i].v6 ? 6 : 4);
		assert_int_equal(v.gre_has_key, cases[i].key);
		assert_int_equal(v.gre_key, cases[i].key ? 0xfeedf00d : 0);
		assert_int_equal(v.inner_len, len);
		assert_memory_equal(v.inner, in, len);
	}
}

/* ---- every drop reason ---------------------------------------------------- */

static size_t mk(const uint8_t *hdr, size_t hdr_len, const uint8_t *in, size_t in_len)
{
	return cat(hdr, hdr_len, in, in_len);
}

static void fix(void)
{
	assert_int_equal(ip4_hdr_csum_set(expect, 20), 0);
}

static void test_decap_drop_outer(void **state)
{
	(void)state;
	size_t n = mk(ipip_hdr, sizeof(ipip_hdr), inner4, sizeof(inner4));

	assert_drop(expect, 19, IP_DROP_TRUNCATED);
	assert_drop(expect, n - 1, IP_DROP_TRUNCATED);
	expect[11] ^= 0x01;
	assert_drop(expect, n, IP_DROP_BAD_CHECKSUM);
	expect[11] ^= 0x01;
	expect[0] = 0x65;
	assert_drop(expect, n, IP_DROP_BAD_VERSION);
	expect[0] = 0x45;
	/* the raw socket reassembles: any fragment is dropped */
	put_be16(expect + 6, 0x6000);
	fix();
	assert_drop(expect, n, IP_DROP_FRAGMENT);
	put_be16(expect + 6, 0x0001);
	fix();
	assert_drop(expect, n, IP_DROP_FRAGMENT);
	put_be16(expect + 6, 0x4000);
	/* not a tunnel protocol */
	static const uint8_t not_tunnel[] = { 1, 6, 17, 50, 58, 94, 0 };
	for (size_t i = 0; i < ARRAY_SIZE(not_tunnel); i++) {
		expect[9] = not_tunnel[i];
		fix();
		assert_drop(expect, n, IP_DROP_NOT_TUNNEL);
	}
	/* nothing inside */
	n = mk(ipip_hdr, sizeof(ipip_hdr), NULL, 0);
	put_be16(expect + 2, 20);
	fix();
	assert_drop(expect, n, IP_DROP_TRUNCATED);
}

static void test_decap_drop_inner(void **state)
{
	(void)state;
	size_t n;

	/* IP in IP carrying IPv6, 6in4 carrying IPv4, GRE IPv4 carrying IPv6
	 * and GRE IPv6 carrying IPv4 */
	n = mk(ipip_hdr, sizeof(ipip_hdr), inner6, sizeof(inner6));
	put_be16(expect + 2, (uint16_t)n);
	fix();
	assert_drop(expect, n, IP_DROP_INNER_MISMATCH);
	n = mk(sit_hdr, sizeof(sit_hdr), inner4, sizeof(inner4));
	put_be16(expect + 2, (uint16_t)n);
	fix();
	assert_drop(expect, n, IP_DROP_INNER_MISMATCH);
	n = mk(gre4_hdr, sizeof(gre4_hdr), inner6, sizeof(inner6));
	put_be16(expect + 2, (uint16_t)n);
	fix();
	assert_drop(expect, n, IP_DROP_INNER_MISMATCH);
	n = mk(gre6_key_hdr, sizeof(gre6_key_hdr), inner4, sizeof(inner4));
	put_be16(expect + 2, (uint16_t)n);
	fix();
	assert_drop(expect, n, IP_DROP_INNER_MISMATCH);

	/* inner header faults are the inner parser's reasons */
	n = mk(ipip_hdr, sizeof(ipip_hdr), inner4, sizeof(inner4));
	expect[20 + 11] ^= 1;
	assert_drop(expect, n, IP_DROP_BAD_CHECKSUM);
	n = mk(ipip_hdr, sizeof(ipip_hdr), inner4, sizeof(inner4));
	put_be16(expect + 20 + 2, 37);
	assert_int_equal(ip4_hdr_csum_set(expect + 20, 20), 0);
	assert_drop(expect, n, IP_DROP_TRUNCATED);
	n = mk(sit_hdr, sizeof(sit_hdr), inner6, sizeof(inner6));
	put_be16(expect + 20 + 4, 17);
	assert_drop(expect, n, IP_DROP_TRUNCATED);
	n = mk(ipip_hdr, sizeof(ipip_hdr), inner4, 10);
	put_be16(expect + 2, (uint16_t)n);
	fix();
	assert_drop(expect, n, IP_DROP_TRUNCATED);
}

/* RFC 2784 2.3 (bits 1-5 must be zero), 2.3.1 (version 0), 2.5 (checksum) */
static void test_decap_drop_gre(void **state)
{
	(void)state;
	static const uint16_t bad_flags[] = {
		0x4000, /* R: routing present (RFC 1701) */
		0x0800, /* s: strict source route */
		0x0400, /* recursion control, bit 5 */
		0x0001, /* version 1 (PPTP) */
		0x0007, /* version 7 */
	};
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		n = mk(gre4_hdr, sizeof(gre4_hdr), inner4, sizeof(inner4));
		put_be16(expect + 20, bad_flags[i]);
		assert_drop(expect, n, IP_DROP_BAD_GRE);
	}
	/* protocol types other than IPv4 and IPv6: transparent Ethernet
	 * bridging, ARP */
	n = mk(gre4_hdr, sizeof(gre4_hdr), inner4, sizeof(inner4));
	put_be16(expect + 22, 0x6558);
	assert_drop(expect, n, IP_DROP_BAD_GRE);
	put_be16(expect + 22, 0x0806);
	assert_drop(expect, n, IP_DROP_BAD_GRE);
	/* shorter than the base header, and than the flags announce */
	n = mk(gre4_hdr, 22, NULL, 0);
	put_be16(expect + 2, 22);
	fix();
	assert_drop(expect, n, IP_DROP_BAD_GRE);
	static const uint8_t zeros[11];
	n = mk(gre4_hdr, sizeof(gre4_hdr), zeros, sizeof(zeros));
	put_be16(expect + 2, (uint16_t)n);
	put_be16(expect + 20, 0xb000);
	fix();
	assert_drop(expect, n, IP_DROP_BAD_GRE);
	/* checksum */
	n = mk(gre4_csum_key_seq_hdr, sizeof(gre4_csum_key_seq_hdr), inner4, sizeof(inner4));
	expect[n - 1] ^= 0x10;
	assert_drop(expect, n, IP_DROP_BAD_GRE);
	expect[n - 1] ^= 0x10;
	expect[24] ^= 0x01;
	assert_drop(expect, n, IP_DROP_BAD_GRE);
	/* a key flag on a packet without a key makes the inner header start 4
	 * octets late */
	n = mk(gre4_hdr, sizeof(gre4_hdr), inner4, sizeof(inner4));
	put_be16(expect + 20, 0x2000);
	assert_drop(expect, n, IP_DROP_INNER_MISMATCH);
}

/* RFC 2004 3: forwarding header length and checksum */
static void test_decap_drop_minimal(void **state)
{
	(void)state;
	uint8_t p[sizeof(minimal_s)];

	/* 6 octets of forwarding header */
	memcpy(p, minimal_s, 26);
	put_be16(p + 2, 26);
	assert_int_equal(ip4_hdr_csum_set(p, 20), 0);
	assert_drop(p, 26, IP_DROP_BAD_MINIMAL);
	/* S set but only 10 octets */
	memcpy(p, minimal_s, 30);
	put_be16(p + 2, 30);
	assert_int_equal(ip4_hdr_csum_set(p, 20), 0);
	assert_drop(p, 30, IP_DROP_BAD_MINIMAL);
	/* checksum: a changed original destination, a cleared S bit */
	memcpy(p, minimal_s, sizeof(p));
	p[27] ^= 0x01;
	assert_drop(p, sizeof(p), IP_DROP_BAD_MINIMAL);
	memcpy(p, minimal_s, sizeof(p));
	p[21] = 0;
	assert_drop(p, sizeof(p), IP_DROP_BAD_MINIMAL);
	/* a fragment, even a first one */
	memcpy(p, minimal_s, sizeof(p));
	put_be16(p + 6, 0x2000);
	assert_int_equal(ip4_hdr_csum_set(p, 20), 0);
	assert_drop(p, sizeof(p), IP_DROP_FRAGMENT);
	/* the restored packet is parsed: here it has no payload left */
	memcpy(p, minimal_s, 32);
	put_be16(p + 2, 32);
	assert_int_equal(ip4_hdr_csum_set(p, 20), 0);
	struct encap4_view v;
	enum ip_drop why;
	uint8_t *pkt = place(p, 32);
	assert_int_equal(encap4_decap(pkt, 32, &v, &why), 0);
	assert_int_equal(v.inner_len, 20);
}

/* ---- ECN (RFC 6040) ---------------------------------------------------------- */

enum { NOT_ECT = 0, ECT1 = 1, ECT0 = 2, CE = 3, DROP = -1 };

/* RFC 6040 4.2, figure 4, row by row (inner), column by column (outer:
 * Not-ECT, ECT(0), ECT(1), CE) */
static const struct {
	uint8_t inner;
	int out[4];
} ecn_table[] = {
	{ NOT_ECT, { NOT_ECT, NOT_ECT, NOT_ECT, DROP } },
	{ ECT0, { ECT0, ECT0, ECT1, CE } },
	{ ECT1, { ECT1, ECT1, ECT1, CE } },
	{ CE, { CE, CE, CE, CE } },
};
static const uint8_t ecn_outer[4] = { NOT_ECT, ECT0, ECT1, CE };

static void test_ecn_decap_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ecn_table); i++)
		for (size_t j = 0; j < 4; j++) {
			assert_int_equal(encap4_ecn_decap(ecn_outer[j], ecn_table[i].inner),
					 ecn_table[i].out[j]);
			/* whole TOS octets: only the ECN bits count */
			assert_int_equal(encap4_ecn_decap((uint8_t)(0xb8 | ecn_outer[j]),
							  (uint8_t)(0x28 | ecn_table[i].inner)),
					 ecn_table[i].out[j]);
		}
}

static void test_ecn_apply_ipv4(void **state)
{
	(void)state;
	uint8_t p[sizeof(inner4)];

	for (size_t i = 0; i < ARRAY_SIZE(ecn_table); i++)
		for (size_t j = 0; j < 4; j++) {
			memcpy(p, inner4, sizeof(p));
			p[1] = (uint8_t)(0xb8 | ecn_table[i].inner);
			assert_int_equal(ip4_hdr_csum_set(p, sizeof(p)), 0);
			uint8_t before[sizeof(p)];
			memcpy(before, p, sizeof(p));

			int r = encap4_ecn_apply((uint8_t)(0x04 | ecn_outer[j]), p, sizeof(p));
			if (ecn_table[i].out[j] == DROP) {
				assert_int_equal(r, -EPROTO);
				assert_memory_equal(p, before, sizeof(p));
				continue;
			}
			assert_int_equal(r, 0);
			/* the DSCP stays the inner one */
			assert_int_equal(p[1], 0xb8 | ecn_table[i].out[j]);
			assert_int_equal(ip4_hdr_csum_check(p, sizeof(p)), 0);
			assert_memory_equal(p + 2, before + 2, 8);
			assert_memory_equal(p + 12, before + 12, sizeof(p) - 12);
		}
}

static void test_ecn_apply_ipv6(void **state)
{
	(void)state;
	uint8_t p[sizeof(inner6)];

	for (size_t i = 0; i < ARRAY_SIZE(ecn_table); i++)
		for (size_t j = 0; j < 4; j++) {
			memcpy(p, inner6, sizeof(p));
			/* traffic class 0xb8 | ecn, flow label 0x12345 */
			p[1] = (uint8_t)((0x8 | ecn_table[i].inner) << 4 | 0x1);
			uint8_t before[sizeof(p)];
			memcpy(before, p, sizeof(p));

			int r = encap4_ecn_apply((uint8_t)(0xfc | ecn_outer[j]), p, sizeof(p));
			if (ecn_table[i].out[j] == DROP) {
				assert_int_equal(r, -EPROTO);
				assert_memory_equal(p, before, sizeof(p));
				continue;
			}
			assert_int_equal(r, 0);
			assert_int_equal(p[0], 0x6b);
			assert_int_equal(p[1], (0x8 | ecn_table[i].out[j]) << 4 | 0x1);
			assert_memory_equal(p + 2, before + 2, sizeof(p) - 2);
		}
}

/* The checksum update is right also where the sum wraps: every TOS octet,
 * both ways, on a header whose checksum field is near 0 and 0xffff */
static void test_ecn_apply_csum_all(void **state)
{
	(void)state;
	uint8_t p[20];

	for (unsigned tos = 0; tos < 256; tos++)
		for (unsigned outer = 0; outer < 4; outer++)
			for (unsigned id = 0; id < 0x10000; id += 0x1111) {
				memcpy(p, inner4, 20);
				p[1] = (uint8_t)tos;
				put_be16(p + 4, (uint16_t)id);
				put_be16(p + 2, 20);
				assert_int_equal(ip4_hdr_csum_set(p, 20), 0);
				int e = encap4_ecn_decap((uint8_t)outer, (uint8_t)tos);
				int r = encap4_ecn_apply((uint8_t)outer, p, 20);
				assert_int_equal(r, e < 0 ? -EPROTO : 0);
				assert_int_equal(ip4_hdr_csum_check(p, 20), 0);
				if (e >= 0)
					assert_int_equal(p[1], (tos & 0xfc) | (unsigned)e);
			}
}

static void test_ecn_apply_invalid(void **state)
{
	(void)state;
	uint8_t p[sizeof(inner6)];

	memcpy(p, inner4, sizeof(inner4));
	assert_int_equal(encap4_ecn_apply(3, p, 19), -EINVAL);
	memcpy(p, inner6, sizeof(inner6));
	assert_int_equal(encap4_ecn_apply(3, p, 39), -EINVAL);
	p[0] = 0x5b;
	assert_int_equal(encap4_ecn_apply(3, p, sizeof(p)), -EINVAL);
	assert_int_equal(encap4_ecn_apply(3, p, 0), -EINVAL);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(encap4_kind_name(ENCAP4_NONE), "none");
	assert_string_equal(encap4_kind_name(ENCAP4_IPIP), "ipip");
	assert_string_equal(encap4_kind_name(ENCAP4_GRE), "gre");
	assert_string_equal(encap4_kind_name(ENCAP4_MINIMAL), "minimal");
	assert_string_equal(encap4_kind_name(ENCAP4_6IN4), "6in4");
	assert_string_equal(encap4_kind_name((enum encap4_kind)5), "unknown");
	assert_string_equal(ip_drop_name(IP_DROP_BAD_GRE), "bad-gre");
	assert_string_equal(ip_drop_name(IP_DROP_BAD_MINIMAL), "bad-minimal");
	assert_string_equal(ip_drop_name(IP_DROP_NOT_TUNNEL), "not-tunnel");
	assert_string_equal(ip_drop_name(IP_DROP_INNER_MISMATCH), "inner-mismatch");
	assert_string_equal(ip_drop_name(IP_DROP_ECN_CE_NOT_ECT), "ecn-ce-not-ect");
	assert_string_equal(ip_drop_name(IP_DROP__MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encap_ipip),
		cmocka_unit_test(test_encap_ipip_df_clear),
		cmocka_unit_test(test_encap_6in4),
		cmocka_unit_test(test_encap_gre4),
		cmocka_unit_test(test_encap_gre6_key),
		cmocka_unit_test(test_encap_minimal_s),
		cmocka_unit_test(test_encap_minimal_no_s),
		cmocka_unit_test(test_encap_double),
		cmocka_unit_test(test_encap_headroom),
		cmocka_unit_test(test_encap_invalid),
		cmocka_unit_test(test_encap_minimal_refused),
		cmocka_unit_test(test_encap_too_big),
		cmocka_unit_test(test_decap_ipip),
		cmocka_unit_test(test_decap_6in4),
		cmocka_unit_test(test_decap_6in4_padded),
		cmocka_unit_test(test_decap_gre4),
		cmocka_unit_test(test_decap_gre6_key),
		cmocka_unit_test(test_decap_gre_csum_key_seq),
		cmocka_unit_test(test_decap_minimal_s),
		cmocka_unit_test(test_decap_minimal_no_s),
		cmocka_unit_test(test_decap_minimal_outer_fields),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decap_drop_outer),
		cmocka_unit_test(test_decap_drop_inner),
		cmocka_unit_test(test_decap_drop_gre),
		cmocka_unit_test(test_decap_drop_minimal),
		cmocka_unit_test(test_ecn_decap_table),
		cmocka_unit_test(test_ecn_apply_ipv4),
		cmocka_unit_test(test_ecn_apply_ipv6),
		cmocka_unit_test(test_ecn_apply_csum_all),
		cmocka_unit_test(test_ecn_apply_invalid),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
