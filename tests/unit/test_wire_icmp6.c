/* Unit tests for icmp6_error_build (src/wire/ip.c): ICMPv6 Destination
 * Unreachable, Packet Too Big and Time Exceeded (RFC 4443 3.1-3.3) with
 * their checksums, the 1280-octet limit (2.4 (c)) and the cases where no
 * error may be sent (2.4 (e)).  Reference bytes and checksums from scapy
 * 2.5 (ICMPv6DestUnreach, ICMPv6PacketTooBig, ICMPv6TimeExceeded). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/ip.h"

#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77
#define HA6 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* scapy: IPv6(src="2001:db8:1::5", dst="2001:db8:2::77", tc=0xb9,
 * fl=0x12345, hlim=63)/ICMPv6EchoRequest(id=0x0101, seq=1, data=b"abcdefgh") */
static const uint8_t echo6[] = {
	/* ver 6, tclass 0xb9, flow 0x12345 */ 0x6b, 0x91, 0x23, 0x45,
	/* payload length 16 */ 0x00, 0x10, /* next header ICMPv6 */ 0x3a, /* hop limit */ 0x3f,
	/* src */ SRC6,
	/* dst */ DST6,
	/* echo request */ 0x80, 0x00, /* checksum */ 0x91, 0x2c,
	/* id */ 0x01, 0x01, /* seq */ 0x00, 0x01, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
};

/* scapy: IPv6(src="2001:db8:2::1", dst="2001:db8:1::5", hlim=64)/
 * ICMPv6DestUnreach(code=3)/echo6 (104 octets) */
static const uint8_t unreach_hdr[] = {
	/* ver 6, tclass 0, flow 0 */ 0x60, 0x00, 0x00, 0x00,
	/* payload length 64 */ 0x00, 0x40, /* next header ICMPv6 */ 0x3a, /* hop limit */ 0x40,
	/* src: the home agent */ HA6,
	/* dst: the original source */ SRC6,
	/* Destination Unreachable */ 0x01, /* address unreachable */ 0x03,
	/* checksum */ 0xda, 0x2b, /* unused */ 0x00, 0x00, 0x00, 0x00,
};

/* scapy: the same with hlim=255 and ICMPv6TimeExceeded(code=0) */
static const uint8_t time_hdr[] = {
	/* ver 6, tclass 0, flow 0 */ 0x60, 0x00, 0x00, 0x00,
	/* payload length 64 */ 0x00, 0x40, /* next header ICMPv6 */ 0x3a, /* hop limit */ 0xff,
	/* src */ HA6,
	/* dst */ SRC6,
	/* Time Exceeded */ 0x03, /* hop limit exceeded */ 0x00,
	/* checksum */ 0xd8, 0x2e, /* unused */ 0x00, 0x00, 0x00, 0x00,
};

/* scapy: IPv6(src="2001:db8:2::1", dst="2001:db8:1::5", hlim=64)/
 * ICMPv6PacketTooBig(mtu=1280)/<first 1232 octets of big> where big is
 * IPv6(src="2001:db8:1::5", dst="2001:db8:2::77", hlim=63)/
 * UDP(sport=5000, dport=53)/bytes(i % 251 for i in range(1352)) */
static const uint8_t ptb_hdr[] = {
	/* ver 6, tclass 0, flow 0 */ 0x60, 0x00, 0x00, 0x00,
	/* payload length 1240 */ 0x04, 0xd8, /* next header ICMPv6 */ 0x3a, /* hop limit */ 0x40,
	/* src */ HA6,
	/* dst */ SRC6,
	/* Packet Too Big */ 0x02, /* code */ 0x00, /* checksum */ 0x8a, 0x00,
	/* MTU 1280 */ 0x00, 0x00, 0x05, 0x00,
};
#define BIG_LEN 1400

static void make_big(uint8_t *b)
{
	static const uint8_t hdr[] = {
		/* ver 6 */ 0x60, 0x00, 0x00, 0x00,
		/* payload length 1360 */ 0x05, 0x50, /* next header UDP */ 0x11, /* hop limit */ 0x3f,
		/* src */ SRC6,
		/* dst */ DST6,
		/* ports 5000 -> 53 */ 0x13, 0x88, 0x00, 0x35,
		/* length 1360 */ 0x05, 0x50, /* checksum */ 0xa5, 0x0c,
	};
	memcpy(b, hdr, sizeof(hdr));
	for (size_t i = 0; i < BIG_LEN - sizeof(hdr); i++)
		b[sizeof(hdr) + i] = (uint8_t)(i % 251);
}

static struct icmp6_error err(uint8_t type, uint8_t code)
{
	struct icmp6_error e = { .type = type, .code = code, .src = addr6("2001:db8:2::1") };
	return e;
}

/* The checksum verifies from scratch over the pseudo-header. */
static void assert_icmp6_csum(const uint8_t *p, size_t len)
{
	struct in6_addr s, d;
	memcpy(s.s6_addr, p + 8, 16);
	memcpy(d.s6_addr, p + 24, 16);
	uint32_t sum = ip_csum_pseudo6(&s, &d, IPPROTO_ICMPV6, (uint32_t)(len - IP6_HDR_LEN));
	assert_int_equal(ip_csum_fold(ip_csum_partial(sum, p + IP6_HDR_LEN, len - IP6_HDR_LEN)), 0);
}

/* draft-ietf-mip4-dsmipv4 3.3.2: address unreachable for a link-local
 * destination */
static void test_dest_unreach(void **state)
{
	(void)state;
	struct icmp6_error e = err(ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH);
	uint8_t out[ICMP6_ERROR_MAX];

	assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, sizeof(out)), 104);
	assert_memory_equal(out, unreach_hdr, sizeof(unreach_hdr));
	assert_memory_equal(out + 48, echo6, sizeof(echo6));
	assert_icmp6_csum(out, 104);
	/* the exact room is enough, one less is not */
	assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, 104), 104);
	assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, 103), -ENOBUFS);
}

static void test_time_exceeded(void **state)
{
	(void)state;
	struct icmp6_error e = err(ICMP6_TIME_EXCEEDED, 0);
	uint8_t out[ICMP6_ERROR_MAX];

	e.hop_limit = 255;
	e.mtu = 9999; /* ignored but for Packet Too Big */
	assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, sizeof(out)), 104);
	assert_memory_equal(out, time_hdr, sizeof(time_hdr));
	assert_memory_equal(out + 48, echo6, sizeof(echo6));
	assert_icmp6_csum(out, 104);
}

/* RFC 4443 2.4 (c): a 1400-octet original is cut to fill 1280 octets */
static void test_packet_too_big(void **state)
{
	(void)state;
	struct icmp6_error e = err(ICMP6_PACKET_TOO_BIG, 0);
	static uint8_t big[BIG_LEN], out[2000];

	make_big(big);
	e.mtu = 1280;
	assert_int_equal(icmp6_error_build(&e, big, sizeof(big), out, sizeof(out)), 1280);
	assert_memory_equal(out, ptb_hdr, sizeof(ptb_hdr));
	assert_memory_equal(out + 48, big, 1232);
	assert_icmp6_csum(out, 1280);
	assert_int_equal(icmp6_error_build(&e, big, sizeof(big), out, 1279), -ENOBUFS);

	/* an original of exactly 1232 octets is quoted whole */
	put_be16(big + 4, 1232 - 40);
	assert_int_equal(icmp6_error_build(&e, big, 1232, out, sizeof(out)), 1280);
	assert_int_equal(get_be16(out + 4), 1240);
	assert_icmp6_csum(out, 1280);
}

/* RFC 4443 2.4 (e) */
static void test_refused(void **state)
{
	(void)state;
	struct icmp6_error e = err(ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH);
	uint8_t p[sizeof(echo6)], out[ICMP6_ERROR_MAX];

	/* (e.1) about an ICMPv6 error: Destination Unreachable .. type 127 */
	static const uint8_t errors[] = { 1, 2, 3, 4, 127 };
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		memcpy(p, echo6, sizeof(p));
		p[40] = errors[i];
		assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);
	}
	/* (e.2) about a Redirect */
	memcpy(p, echo6, sizeof(p));
	p[40] = 137;
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);
	/* informational messages other than Redirect are answered */
	p[40] = 129;
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), 104);
	/* ICMPv6 with no octet to tell */
	memcpy(p, echo6, 40);
	put_be16(p + 4, 0);
	assert_int_equal(icmp6_error_build(&e, p, 40, out, sizeof(out)), -EPERM);
	/* (e.6) from the unspecified address, from a multicast address */
	memcpy(p, echo6, sizeof(p));
	memset(p + 8, 0, 16);
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);
	memcpy(p, echo6, sizeof(p));
	p[8] = 0xff;
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);
	e.type = ICMP6_PACKET_TOO_BIG;
	e.code = 0;
	e.mtu = 1280;
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);

	/* (e.3) to a multicast address: only Packet Too Big */
	memcpy(p, echo6, sizeof(p));
	static const uint8_t ff02_1[16] = { 0xff, 0x02, [15] = 0x01 };
	memcpy(p + 24, ff02_1, 16);
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), 104);
	assert_icmp6_csum(out, 104);
	e = err(ICMP6_DEST_UNREACH, 0);
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);
	e = err(ICMP6_TIME_EXCEEDED, 0);
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);
}

/* A non-first fragment of an ICMPv6 message cannot be told apart from an
 * error; a first fragment can, and a non-first one of UDP is answered */
static void test_fragments(void **state)
{
	(void)state;
	struct icmp6_error e = err(ICMP6_TIME_EXCEEDED, 1);
	uint8_t out[ICMP6_ERROR_MAX];
	uint8_t p[] = {
		/* ver 6 */ 0x60, 0x00, 0x00, 0x00,
		/* payload length 24 */ 0x00, 0x18, /* next header fragment */ 0x2c, 0x40,
		/* src */ SRC6,
		/* dst */ DST6,
		/* next header ICMPv6 */ 0x3a, 0x00, /* offset 8, M */ 0x00, 0x09,
		/* id */ 0x00, 0x00, 0x12, 0x34,
		/* the rest of an echo request */ 1, 2, 3, 4, 5, 6, 7, 8,
		9, 10, 11, 12, 13, 14, 15, 16,
	};

	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EPERM);
	p[40] = IPPROTO_UDP;
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)),
			 48 + (int)sizeof(p));
	assert_icmp6_csum(out, 48 + sizeof(p));
	/* first fragment of an echo request */
	p[40] = 0x3a;
	p[43] = 0x01;
	p[48] = 128;
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)),
			 48 + (int)sizeof(p));
}

static void test_invalid(void **state)
{
	(void)state;
	uint8_t out[ICMP6_ERROR_MAX];
	struct icmp6_error e;

	static const struct {
		uint8_t type, code;
		uint32_t mtu;
	} bad[] = {
		{ ICMP6_DEST_UNREACH, 7, 0 },
		{ ICMP6_PACKET_TOO_BIG, 0, 1279 },
		{ ICMP6_PACKET_TOO_BIG, 1, 1280 },
		{ ICMP6_TIME_EXCEEDED, 2, 0 },
		{ ICMP6_PARAM_PROBLEM, 0, 0 },
		{ 0, 0, 0 },
		{ 128, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		e = err(bad[i].type, bad[i].code);
		e.mtu = bad[i].mtu;
		assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, sizeof(out)),
				 -EINVAL);
	}
	/* every Destination Unreachable code of RFC 4443 3.1 */
	for (uint8_t c = 0; c <= 6; c++) {
		e = err(ICMP6_DEST_UNREACH, c);
		assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, sizeof(out)), 104);
		assert_int_equal(out[41], c);
		assert_icmp6_csum(out, 104);
	}
	/* our source must be a unicast address */
	e = err(ICMP6_DEST_UNREACH, 3);
	e.src = addr6("ff02::2");
	assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, sizeof(out)), -EINVAL);
	e.src = addr6("::");
	assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6), out, sizeof(out)), -EINVAL);
	/* a malformed original */
	e = err(ICMP6_DEST_UNREACH, 3);
	assert_int_equal(icmp6_error_build(&e, echo6, sizeof(echo6) - 1, out, sizeof(out)),
			 -EBADMSG);
	assert_int_equal(icmp6_error_build(&e, echo6, 39, out, sizeof(out)), -EBADMSG);
	uint8_t p[sizeof(echo6)];
	memcpy(p, echo6, sizeof(p));
	p[0] = 0x4b;
	assert_int_equal(icmp6_error_build(&e, p, sizeof(p), out, sizeof(out)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dest_unreach),
		cmocka_unit_test(test_time_exceeded),
		cmocka_unit_test(test_packet_too_big),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
