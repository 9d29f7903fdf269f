/* Unit tests for src/wire/agentadv: Agent Advertisements (RFC 5944 2.1,
 * RFC 1256 3.1) and Agent Solicitations (RFC 5944 2.2, RFC 1256 3.2), parse
 * and build, the 2.1.1 rules and every drop reason.  The reference
 * messages were produced with scapy 2.5 (ICMP type 9 with the RFC 1256
 * fields and RFC 5944 extensions packed by hand, scapy's checksum) by
 * tests/fuzz/corpus/make_wire_agentadv.py, which prints them with -v and
 * writes a pcap that `tshark -V` decodes without warnings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/agentadv.h"
#include "wire/ip.h"

#define FA 0xc0, 0x00, 0x02, 0x01          /* 192.0.2.1 */
#define R1 0xcb, 0x00, 0x71, 0x01          /* 203.0.113.1 */
#define R2 0xcb, 0x00, 0x71, 0x02          /* 203.0.113.2 */

static uint32_t a4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* fa-adv: a foreign agent with F G T U, its own address as care-of
 * address, prefix-lengths and one padding octet (ICMP length 32) */
static const uint8_t fa_adv[] = {
	/* type 9, code 0 */ 0x09, 0x00, /* checksum */ 0x1e, 0xf4,
	/* num addrs 1, entry size 2 */ 0x01, 0x02, /* lifetime 30 */ 0x00, 0x1e,
	/* router address */ FA, /* preference 0 */ 0x00, 0x00, 0x00, 0x00,
	/* mobility ext, length 10 */ 0x10, 0x0a, /* sequence 5 */ 0x00, 0x05,
	/* registration lifetime 600 */ 0x02, 0x58, /* F G T U */ 0x15, 0x80,
	/* care-of address */ FA,
	/* prefix-lengths, length 1 */ 0x13, 0x01, /* /24 */ 0x18,
	/* one-byte padding */ 0x00,
};

/* ha-adv: a home agent that does not route common traffic (code 16), no
 * router address, H M, sequence 256, infinite registration lifetime */
static const uint8_t ha_adv[] = {
	/* type 9, code 16 */ 0x09, 0x10, /* checksum */ 0xb6, 0xdf,
	/* num addrs 0, entry size 2 */ 0x00, 0x02, /* lifetime 1800 */ 0x07, 0x08,
	/* mobility ext, length 6 */ 0x10, 0x06, /* sequence 256 */ 0x01, 0x00,
	/* registration lifetime infinite */ 0xff, 0xff, /* H M */ 0x28, 0x00,
};

/* fa-adv-odd: entry size 3 (the extra words are ignored, RFC 1256 5.2), a
 * negative preference, padding first, R B F M with "r" and a reserved bit
 * (ignored, RFC 5944 2.4), two care-of addresses, a skippable extension
 * (1.9), prefix-lengths, padding last */
static const uint8_t fa_adv_odd[] = {
	/* type 9, code 0 */ 0x09, 0x00, /* checksum */ 0xf5, 0xe8,
	/* num addrs 2, entry size 3 */ 0x02, 0x03, /* lifetime 9000 */ 0x23, 0x28,
	/* router 1 */ R1, /* preference 10 */ 0x00, 0x00, 0x00, 0x0a,
	/* extra word */ 0xde, 0xad, 0xbe, 0xef,
	/* router 2 */ R2, /* preference -1 */ 0xff, 0xff, 0xff, 0xff,
	/* extra word */ 0x00, 0x00, 0x00, 0x00,
	/* padding */ 0x00,
	/* mobility ext, length 14 */ 0x10, 0x0e, /* sequence 0xffff */ 0xff, 0xff,
	/* registration lifetime 1800 */ 0x07, 0x08, /* R B F M r, reserved 1 */ 0xda, 0x01,
	/* care-of addresses */ R1, R2,
	/* type 200, length 3 */ 0xc8, 0x03, 'x', 'y', 'z',
	/* prefix-lengths, length 2 */ 0x13, 0x02, 0x18, 0x19,
	/* padding */ 0x00,
};

/* plain-ra: an RFC 1256 router advertisement, no mobility extension */
static const uint8_t plain_ra[] = {
	0x09, 0x00, /* checksum */ 0x2c, 0xf4,
	0x01, 0x02, /* lifetime 1800 */ 0x07, 0x08, FA, 0x00, 0x00, 0x00, 0x00,
};

/* solicit: RFC 1256 3.2 */
static const uint8_t solicit[] = {
	/* type 10, code 0 */ 0x0a, 0x00, /* checksum */ 0xf5, 0xff,
	/* reserved */ 0x00, 0x00, 0x00, 0x00,
};

static uint8_t buf[4096];

/* copy m into buf, apply nothing, fix the ICMP checksum */
static size_t fixed(const uint8_t *m, size_t len)
{
	memcpy(buf, m, len);
	buf[2] = buf[3] = 0;
	put_be16(buf + 2, ip_csum(buf, len));
	return len;
}
static void refix(size_t len)
{
	buf[2] = buf[3] = 0;
	put_be16(buf + 2, ip_csum(buf, len));
}

/* a macro so that a failure names the line */
#define expect_drop(len, err, reason)                                                  \
	do {                                                                           \
		struct agentadv a_;                                                    \
		enum agentadv_drop why_ = AGENTADV_DROP__MAX;                          \
		assert_int_equal(agentadv_parse(buf, (len), &a_, &why_), (err));       \
		assert_int_equal(why_, (reason));                                      \
	} while (0)

static void test_parse_fa(void **state)
{
	(void)state;
	struct agentadv a;
	enum agentadv_drop why = AGENTADV_DROP__MAX;

	assert_int_equal(agentadv_parse(fa_adv, sizeof(fa_adv), &a, &why), 0);
	assert_int_equal(why, AGENTADV_DROP_NONE);
	assert_int_equal(a.code, AGENTADV_CODE_ROUTER);
	assert_int_equal(a.num_addrs, 1);
	assert_int_equal(a.entry_size, 2);
	assert_int_equal(a.lifetime, 30);
	assert_int_equal(a.router[0].addr, a4("192.0.2.1"));
	assert_int_equal(a.router[0].pref, 0);
	assert_int_equal(a.seq, 5);
	assert_int_equal(a.reg_lifetime, 600);
	assert_int_equal(a.flags, AGENTADV_F_F | AGENTADV_F_G | AGENTADV_F_T | AGENTADV_F_U);
	assert_int_equal(a.flags_ignored, 0);
	assert_int_equal(a.n_coa, 1);
	assert_int_equal(a.coa[0], a4("192.0.2.1"));
	assert_true(a.has_prefix_lengths);
	assert_int_equal(a.prefix_len[0], 24);
	assert_int_equal(a.n_pad, 1);
	assert_int_equal(a.n_skipped, 0);
}

static void test_parse_ha(void **state)
{
	(void)state;
	struct agentadv a;

	assert_int_equal(agentadv_parse(ha_adv, sizeof(ha_adv), &a, NULL), 0);
	assert_int_equal(a.code, AGENTADV_CODE_NO_COMMON);
	assert_int_equal(a.num_addrs, 0);
	assert_int_equal(a.lifetime, 1800);
	assert_int_equal(a.seq, 256);
	assert_int_equal(a.reg_lifetime, 0xffff);
	assert_int_equal(a.flags, AGENTADV_F_H | AGENTADV_F_M);
	assert_int_equal(a.n_coa, 0);
	assert_false(a.has_prefix_lengths);
	assert_int_equal(a.n_pad, 0);
}

static void test_parse_odd(void **state)
{
	(void)state;
	struct agentadv a;

	assert_int_equal(agentadv_parse(fa_adv_odd, sizeof(fa_adv_odd), &a, NULL), 0);
	assert_int_equal(a.num_addrs, 2);
	assert_int_equal(a.entry_size, 3);
	assert_int_equal(a.lifetime, 9000);
	assert_int_equal(a.router[0].addr, a4("203.0.113.1"));
	assert_int_equal(a.router[0].pref, 10);
	assert_int_equal(a.router[1].addr, a4("203.0.113.2"));
	assert_int_equal(a.router[1].pref, -1);
	assert_int_equal(a.seq, 0xffff);
	assert_int_equal(a.reg_lifetime, 1800);
	assert_int_equal(a.flags, AGENTADV_F_R | AGENTADV_F_B | AGENTADV_F_F | AGENTADV_F_M);
	assert_int_equal(a.flags_ignored, AGENTADV_F_r | 0x0001);
	assert_int_equal(a.n_coa, 2);
	assert_int_equal(a.coa[0], a4("203.0.113.1"));
	assert_int_equal(a.coa[1], a4("203.0.113.2"));
	assert_true(a.has_prefix_lengths);
	assert_int_equal(a.prefix_len[0], 24);
	assert_int_equal(a.prefix_len[1], 25);
	assert_int_equal(a.n_pad, 2);
	assert_int_equal(a.n_skipped, 1);
}

static void test_build_fa(void **state)
{
	(void)state;
	struct agentadv a;
	uint8_t out[64];

	memset(&a, 0, sizeof(a));
	a.code = AGENTADV_CODE_ROUTER;
	a.num_addrs = 1;
	a.lifetime = 30;
	a.router[0].addr = a4("192.0.2.1");
	a.seq = 5;
	a.reg_lifetime = 600;
	a.flags = AGENTADV_F_F | AGENTADV_F_G | AGENTADV_F_T | AGENTADV_F_U;
	a.n_coa = 1;
	a.coa[0] = a4("192.0.2.1");
	a.has_prefix_lengths = true;
	a.prefix_len[0] = 24;
	a.n_pad = 1;
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), sizeof(fa_adv));
	assert_memory_equal(out, fa_adv, sizeof(fa_adv));
	/* every octet short: nothing fits */
	for (size_t cap = 0; cap < sizeof(fa_adv); cap++)
		assert_int_equal(agentadv_build(&a, out, cap), -ENOBUFS);
}

static void test_build_ha(void **state)
{
	(void)state;
	struct agentadv a;
	uint8_t out[64];

	memset(&a, 0, sizeof(a));
	a.code = AGENTADV_CODE_NO_COMMON;
	a.lifetime = 1800;
	a.seq = 256;
	a.reg_lifetime = 0xffff;
	/* ignored bits are written as zero */
	a.flags = AGENTADV_F_H | AGENTADV_F_M | AGENTADV_F_r;
	a.flags_ignored = 0x001f;
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), sizeof(ha_adv));
	assert_memory_equal(out, ha_adv, sizeof(ha_adv));
}

/* parse -> build -> the same message with entry size 2 and the ignored
 * bits cleared, which parses to the same fields */
static void test_build_roundtrip_odd(void **state)
{
	(void)state;
	struct agentadv a, b;
	uint8_t out[256];

	assert_int_equal(agentadv_parse(fa_adv_odd, sizeof(fa_adv_odd), &a, NULL), 0);
	int n = agentadv_build(&a, out, sizeof(out));
	/* 8 + 2 * 8 + 16 + 4 + 1: skipped extension and extra words gone */
	assert_int_equal(n, 45);
	assert_int_equal(agentadv_parse(out, (size_t)n, &b, NULL), 0);
	assert_int_equal(b.entry_size, 2);
	assert_int_equal(b.flags, a.flags);
	assert_int_equal(b.flags_ignored, 0);
	assert_int_equal(b.n_pad, 1);
	assert_int_equal(b.n_skipped, 0);
	assert_memory_equal(b.router, a.router, 2 * sizeof(a.router[0]));
	assert_memory_equal(b.coa, a.coa, 2 * sizeof(a.coa[0]));
	assert_memory_equal(b.prefix_len, a.prefix_len, 2);
	assert_int_equal(b.seq, a.seq);
	assert_int_equal(b.reg_lifetime, a.reg_lifetime);
	assert_int_equal(b.lifetime, a.lifetime);
}

static void test_build_invalid(void **state)
{
	(void)state;
	struct agentadv a;
	uint8_t out[512];

	assert_int_equal(agentadv_parse(fa_adv, sizeof(fa_adv), &a, NULL), 0);
	a.code = 1;
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), -EINVAL);
	a.code = 0;
	a.n_coa = AGENTADV_MAX_COA + 1;
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), -EINVAL);
	a.n_coa = 0;                 /* F without a care-of address */
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), -EINVAL);
	a.n_coa = 1;
	a.prefix_len[0] = 33;
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), -EINVAL);
	a.prefix_len[0] = 24;
	a.flags = AGENTADV_F_T;      /* neither F nor H */
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), -EINVAL);
	a.flags = AGENTADV_F_H | AGENTADV_F_B;
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), -EINVAL);
	a.flags = AGENTADV_F_H | AGENTADV_F_R;
	assert_int_equal(agentadv_build(&a, out, sizeof(out)), -EINVAL);
	/* 62 care-of addresses: the largest mobility extension (length 254) */
	a.flags = AGENTADV_F_F;
	a.n_coa = AGENTADV_MAX_COA;
	int n = agentadv_build(&a, out, sizeof(out));
	assert_int_equal(n, 8 + 8 + 2 + 254 + 3 + 1);
	assert_int_equal(out[16], AGENTADV_EXT_MOBILITY);
	assert_int_equal(out[17], 254);
	struct agentadv b;
	assert_int_equal(agentadv_parse(out, (size_t)n, &b, NULL), 0);
	assert_int_equal(b.n_coa, AGENTADV_MAX_COA);
}

/* Every drop reason, each from a valid message changed in one place */
static void test_drops(void **state)
{
	(void)state;
	size_t n;

	/* shorter than the ICMP header */
	memcpy(buf, fa_adv, sizeof(fa_adv));
	expect_drop(7, -EBADMSG, AGENTADV_DROP_TRUNCATED);
	/* router addresses past the end: num addrs 3 */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[4] = 5;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_TRUNCATED);
	/* a solicitation is not an advertisement */
	memcpy(buf, solicit, sizeof(solicit));
	expect_drop(sizeof(solicit), -EBADMSG, AGENTADV_DROP_BAD_TYPE);
	/* checksum */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[7] ^= 1;
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_CHECKSUM);
	/* code 1 (RFC 5944 2.1: 0 or 16) */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[1] = 1;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_CODE);
	/* entry size 1 (RFC 1256 5.2) */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[5] = 1;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_ENTRY_SIZE);
	/* the mobility extension claims 20 octets: runs past the end */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[17] = 20;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_EXT_OVERRUN);
	/* a lone type octet that is not padding */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[n - 1] = 0xc8;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_EXT_OVERRUN);
	/* unknown type 17 (1.9: 0-127 must be understood) */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[28] = 17;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_UNKNOWN_EXT);
	/* mobility length 8: not 6 + 4N */
	memcpy(buf, fa_adv, 16);
	memcpy(buf + 16, (const uint8_t[]){ 0x10, 0x08, 0, 5, 2, 0x58, 0x15, 0x80, 0xc0, 0 }, 10);
	n = 26;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_EXT_LEN);
	/* mobility length 4: shorter than its fixed part */
	memcpy(buf, ha_adv, 8);
	memcpy(buf + 8, (const uint8_t[]){ 0x10, 0x04, 0, 5, 2, 0x58 }, 6);
	n = 14;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_EXT_LEN);
	/* prefix-lengths for 2 addresses when there is 1 (2.1.2) */
	memcpy(buf, fa_adv, 28);
	memcpy(buf + 28, (const uint8_t[]){ 0x13, 0x02, 24, 24 }, 4);
	n = 32;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_EXT_LEN);
	/* prefix length 33 (2.1.2: IPv4) */
	n = fixed(fa_adv, sizeof(fa_adv));
	buf[30] = 33;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_PREFIX_LEN);
	buf[30] = 32;
	refix(n);
	expect_drop(n, 0, AGENTADV_DROP_NONE);
	/* two mobility extensions */
	memcpy(buf, ha_adv, sizeof(ha_adv));
	memcpy(buf + sizeof(ha_adv), ha_adv + 8, 8);
	n = sizeof(ha_adv) + 8;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_DUP_EXT);
	/* two prefix-lengths extensions */
	memcpy(buf, fa_adv, 31);
	memcpy(buf + 31, (const uint8_t[]){ 0x13, 0x01, 24, 0 }, 4);
	n = 35;
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_DUP_EXT);
	/* RFC 1256 only: not an agent advertisement (ignored, not bad) */
	memcpy(buf, plain_ra, sizeof(plain_ra));
	expect_drop(sizeof(plain_ra), -ENOMSG, AGENTADV_DROP_NOT_AGENT_ADV);
	/* 2.1.1: neither F nor H */
	n = fixed(ha_adv, sizeof(ha_adv));
	buf[14] = 0x08;              /* M */
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_FLAGS);
	/* B without F */
	buf[14] = 0x60;              /* B H */
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_FLAGS);
	/* R without F */
	buf[14] = 0xa0;              /* R H */
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_BAD_FLAGS);
	/* F without a care-of address */
	buf[14] = 0x30;              /* H F */
	refix(n);
	expect_drop(n, -EBADMSG, AGENTADV_DROP_NO_COA);
	/* H alone with reserved bits set: accepted (2.4) */
	buf[14] = 0x22;
	buf[15] = 0x1f;
	refix(n);
	expect_drop(n, 0, AGENTADV_DROP_NONE);
}

/* an AF_INET raw socket delivers the IPv4 header too */
static void test_parse_ip4(void **state)
{
	(void)state;
	/* scapy: IP(src="192.0.2.1", dst="224.0.0.1", ttl=1)/ha-adv */
	uint8_t pkt[20 + sizeof(ha_adv)] = {
		/* ver/ihl */ 0x45, 0x00, /* total length 36 */ 0x00, 0x24,
		/* id */ 0x00, 0x01, /* flags */ 0x00, 0x00,
		/* ttl 1 */ 0x01, /* ICMP */ 0x01, /* checksum */ 0x00, 0x00,
		FA, /* 224.0.0.1 */ 0xe0, 0x00, 0x00, 0x01,
	};
	struct agentadv a;
	enum agentadv_drop why;
	uint8_t ttl = 0;

	memcpy(pkt + 20, ha_adv, sizeof(ha_adv));
	assert_int_equal(ip4_hdr_csum_set(pkt, 20), 0);
	assert_int_equal(pkt[10], 0x17);     /* scapy's 0x17d6 */
	assert_int_equal(pkt[11], 0xd6);
	assert_int_equal(agentadv_parse_ip4(pkt, sizeof(pkt), &a, &ttl, &why), 0);
	assert_int_equal(ttl, 1);
	assert_int_equal(a.seq, 256);
	/* link padding after the total length is not ICMP */
	uint8_t padded[sizeof(pkt) + 4];
	memcpy(padded, pkt, sizeof(pkt));
	memset(padded + sizeof(pkt), 0x55, 4);
	assert_int_equal(agentadv_parse_ip4(padded, sizeof(padded), &a, NULL, &why), 0);
	/* a bad IPv4 header, a fragment, another protocol */
	pkt[10] ^= 1;
	assert_int_equal(agentadv_parse_ip4(pkt, sizeof(pkt), &a, &ttl, &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_BAD_IP4);
	pkt[10] ^= 1;
	pkt[6] = 0x20;
	pkt[10] = pkt[11] = 0;
	ip4_hdr_csum_set(pkt, 20);
	assert_int_equal(agentadv_parse_ip4(pkt, sizeof(pkt), &a, &ttl, &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_BAD_IP4);
	pkt[6] = 0;
	pkt[9] = 17;
	pkt[10] = pkt[11] = 0;
	ip4_hdr_csum_set(pkt, 20);
	assert_int_equal(agentadv_parse_ip4(pkt, sizeof(pkt), &a, &ttl, &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_BAD_IP4);
	/* the ICMP message inside is checked as by agentadv_parse */
	pkt[9] = 1;
	pkt[20 + 1] = 3;
	pkt[10] = pkt[11] = 0;
	ip4_hdr_csum_set(pkt, 20);
	assert_int_equal(agentadv_parse_ip4(pkt, sizeof(pkt), &a, &ttl, &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_BAD_CHECKSUM);
}

static void test_solicit(void **state)
{
	(void)state;
	uint8_t out[8], m[12];
	enum agentadv_drop why = AGENTADV_DROP__MAX;

	assert_int_equal(agentadv_solicit_build(out, sizeof(out)), 8);
	assert_memory_equal(out, solicit, sizeof(solicit));
	assert_int_equal(agentadv_solicit_build(out, 7), -ENOBUFS);
	assert_int_equal(agentadv_solicit_parse(solicit, sizeof(solicit), &why), 0);
	assert_int_equal(why, AGENTADV_DROP_NONE);
	/* RFC 1256 4.2: reserved and further octets ignored */
	memcpy(m, (const uint8_t[]){ 0x0a, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 12);
	put_be16(m + 2, ip_csum(m, 12));
	assert_int_equal(agentadv_solicit_parse(m, 12, &why), 0);
	assert_int_equal(agentadv_solicit_parse(solicit, 7, &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_TRUNCATED);
	assert_int_equal(agentadv_solicit_parse(fa_adv, sizeof(fa_adv), &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_BAD_TYPE);
	m[5] ^= 1;
	assert_int_equal(agentadv_solicit_parse(m, 12, &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_BAD_CHECKSUM);
	m[5] ^= 1;
	m[1] = 16;
	m[2] = m[3] = 0;
	put_be16(m + 2, ip_csum(m, 12));
	assert_int_equal(agentadv_solicit_parse(m, 12, &why), -EBADMSG);
	assert_int_equal(why, AGENTADV_DROP_BAD_CODE);
}

/* RFC 5944 2.3.2, 2.4.4 */
static void test_seq(void **state)
{
	(void)state;
	assert_int_equal(agentadv_seq_next(0), 1);
	assert_int_equal(agentadv_seq_next(255), 256);
	assert_int_equal(agentadv_seq_next(0xfffe), 0xffff);
	assert_int_equal(agentadv_seq_next(0xffff), 256);
	assert_true(agentadv_seq_rebooted(1000, 0));
	assert_true(agentadv_seq_rebooted(300, 255));
	assert_false(agentadv_seq_rebooted(0xffff, 256));
	assert_false(agentadv_seq_rebooted(5, 6));
	assert_false(agentadv_seq_rebooted(7, 7));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(agentadv_drop_name(AGENTADV_DROP_NONE), "none");
	assert_string_equal(agentadv_drop_name(AGENTADV_DROP_NO_COA), "no-coa");
	assert_string_equal(agentadv_drop_name(AGENTADV_DROP_NOT_AGENT_ADV), "not-agent-adv");
	assert_string_equal(agentadv_drop_name(AGENTADV_DROP__MAX), "unknown");
	for (int i = 0; i < AGENTADV_DROP__MAX; i++)
		assert_string_not_equal(agentadv_drop_name((enum agentadv_drop)i), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fa),
		cmocka_unit_test(test_parse_ha),
		cmocka_unit_test(test_parse_odd),
		cmocka_unit_test(test_build_fa),
		cmocka_unit_test(test_build_ha),
		cmocka_unit_test(test_build_roundtrip_odd),
		cmocka_unit_test(test_build_invalid),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_parse_ip4),
		cmocka_unit_test(test_solicit),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
