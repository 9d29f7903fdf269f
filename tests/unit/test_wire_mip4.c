/* Unit tests for src/wire/mip4: the Mobile IPv4 registration codec (RFC
 * 5944 3.3-3.5), NAI (RFC 2794), DSMIPv4 (RFC 5454 2, seed 2.2 codes 10 and
 * 11), UDP tunnel (RFC 3519 3.1, 3.2) and delivery style (RFC 3024 3.3)
 * extensions, HMAC-MD5 authenticators and NTP identifications.
 *
 * The authenticators below were computed independently of ds46, once, with
 *   openssl dgst -md5 -mac HMAC -macopt hexkey:000102030405060708090a0b0c0d0e0f
 * over the covered octets (message up to and including the MH SPI), written
 * to a file by python3, and cross-checked with python3 hmac.new(key, m,
 * hashlib.md5).  tshark 4.0 decodes both messages without "Malformed"
 * (tests/fuzz/corpus/make_wire_mip4.py builds the same bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/mip4.h"

#define A4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HOME 0xc0, 0x00, 0x02, 0x0a  /* 192.0.2.10 */
#define HA 0xc0, 0x00, 0x02, 0x01    /* 192.0.2.1 */
#define COA 0xc6, 0x33, 0x64, 0x14   /* 198.51.100.20 */
#define ID 0xe9, 0xa1, 0xb2, 0xc3, 0x01, 0x23, 0x45, 0x67
#define ID64 0xe9a1b2c301234567ull
#define NAI_OCTETS 'm', 'n', '1', '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n', 'e', 't'
#define P6_1_1 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0
#define P6_1_2 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0
#define P6_99 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0
#define LL6 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define SPI256 0x00, 0x00, 0x01, 0x00

static const uint8_t key16[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* Registration Request from a co-located mobile node (D) asking for reverse
 * tunnelling (T), with its NAI, a /64 and a link-local address (RFC 5454
 * 3.7.1), the tunneling mode extension, and the MH authenticator. */
static const uint8_t req[] = {
	/* type 1 */ 0x01, /* flags D|T */ 0x22, /* lifetime 1800 */ 0x07, 0x08,
	/* home address */ HOME,
	/* home agent */ HA,
	/* care-of address */ COA,
	/* identification (NTP) */ ID,
	/* off 24: NAI, 15 */ 0x83, 0x0f, NAI_OCTETS,
	/* off 41: DSMIPv4, 18 */ 0x98, 0x12, /* prefix request */ 0x01, /* plen 64 */ 0x40,
	/* 2001:db8:1:1:: */ P6_1_1,
	/* off 61: DSMIPv4, 18 */ 0x98, 0x12, /* prefix request */ 0x01, /* link-local */ 0xff,
	/* fe80::1 */ LL6,
	/* off 81: DSMIPv4, 2 */ 0x98, 0x02, /* tunneling mode */ 0x03, /* reserved */ 0x00,
	/* off 85: MH auth, 20 */ 0x20, 0x14, /* SPI 256 */ SPI256,
	/* HMAC-MD5 (openssl dgst, see the top) */
	0x64, 0x64, 0xc8, 0x82, 0x8d, 0xc7, 0xbb, 0x4c,
	0xa9, 0x5f, 0x57, 0xe0, 0x65, 0xdd, 0x15, 0xaf,
};
#define REQ_MH_OFF 85

/* openssl dgst -md5 -mac HMAC -macopt hexkey:aaaa...aa (64 octets of 0xaa)
 * over req[0 .. 91) */
static const uint8_t req_mac_key64[MIP4_AUTH_LEN] = {
	0xc9, 0xd8, 0x43, 0xa3, 0x00, 0x39, 0x2c, 0xae,
	0xf3, 0x2d, 0xb2, 0xd3, 0x39, 0xfe, 0xaa, 0x95,
};

/* The home agent's Registration Reply: accepted, NAI echoed (RFC 2794 3),
 * one prefix reply per code of RFC 5454 2.2 and seed 2.2. */
static const uint8_t rep[] = {
	/* type 3 */ 0x03, /* code accepted */ 0x00, /* lifetime 1800 */ 0x07, 0x08,
	/* home address */ HOME,
	/* home agent */ HA,
	/* identification */ ID,
	/* off 20: NAI, 15 */ 0x83, 0x0f, NAI_OCTETS,
	/* off 37: DSMIPv4, 20 */ 0x98, 0x14, /* prefix reply */ 0x02, /* code 0: to HoA */ 0x00,
	/* plen 64 */ 0x40, /* reserved */ 0x00, P6_1_1,
	/* off 59 */ 0x98, 0x14, 0x02, /* code 1: to CoA */ 0x01, 0x40, 0x00, P6_1_2,
	/* off 81 */ 0x98, 0x14, 0x02, /* code 10: not home subnet */ 0x0a, 0x40, 0x00, P6_99,
	/* off 103 */ 0x98, 0x14, 0x02, /* code 11: DAD failed */ 0x0b, /* link-local */ 0xff, 0x00,
	LL6,
	/* off 125: MH auth, 20 */ 0x20, 0x14, /* SPI 256 */ SPI256,
	/* HMAC-MD5 (openssl dgst, see the top) */
	0x3d, 0x63, 0x03, 0xf0, 0x46, 0xe9, 0x5e, 0x62,
	0xcb, 0xcf, 0x52, 0x5b, 0x76, 0x8e, 0x62, 0xd7,
};
#define REP_MH_OFF 125

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void parse_ok(const uint8_t *m, size_t len, struct mip4_reg *r)
{
	enum mip4_err why = MIP4_ERR__MAX;

	assert_int_equal(mip4_reg_parse(m, len, r, &why), 0);
	assert_int_equal(why, MIP4_ERR_NONE);
	assert_int_equal(r->ext_end, len);
}

static void parse_fails(const uint8_t *m, size_t len, enum mip4_err expect)
{
	struct mip4_reg r;
	enum mip4_err why = MIP4_ERR_NONE;

	assert_int_equal(mip4_reg_parse(m, len, &r, &why), -EBADMSG);
	assert_int_equal(why, expect);
}

/* ---- the annotated request and reply ---------------------------------- */

static void test_request_parse(void **state)
{
	(void)state;
	struct mip4_reg r;
	struct in6_addr p1 = addr6("2001:db8:1:1::"), ll = addr6("fe80::1");

	parse_ok(req, sizeof(req), &r);
	assert_int_equal(r.type, MIP4_REG_REQUEST);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_T);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.lifetime, 1800);
	assert_int_equal(r.home_addr, A4(192, 0, 2, 10));
	assert_int_equal(r.home_agent, A4(192, 0, 2, 1));
	assert_int_equal(r.coa, A4(198, 51, 100, 20));
	assert_int_equal(r.id, ID64);
	assert_ptr_equal(r.nai, req + 26);
	assert_int_equal(r.nai_len, 15);
	assert_memory_equal(r.nai, "mn1@example.net", 15);
	assert_int_equal(r.n_prefix, 2);
	assert_int_equal(r.prefix[0].plen, 64);
	assert_memory_equal(&r.prefix[0].prefix, &p1, 16);
	assert_int_equal(r.prefix[0].off, 41);
	assert_int_equal(r.prefix[1].plen, MIP4_V6_PLEN_LINK_LOCAL);
	assert_memory_equal(&r.prefix[1].prefix, &ll, 16);
	assert_int_equal(r.prefix[1].off, 61);
	assert_int_equal(r.n_tunnel_mode, 1);
	assert_int_equal(r.tunnel_mode_off, 81);
	assert_true(r.mh.present);
	assert_int_equal(r.mh.off, REQ_MH_OFF);
	assert_int_equal(r.mh.spi, 256);
	assert_int_equal(r.mh.auth_len, MIP4_AUTH_LEN);
	assert_ptr_equal(r.mh.auth, req + REQ_MH_OFF + 6);
	assert_false(r.mf.present);
	assert_false(r.fh.present);
	assert_false(r.has_udp_tun);
	assert_false(r.has_encap_delivery);
	assert_int_equal(r.n_skipped, 0);
	/* RFC 5454 3.1: the DSMIPv4 extensions precede the MH authenticator */
	assert_true(mip4_covered_by_mh(&r, r.prefix[0].off));
	assert_true(mip4_covered_by_mh(&r, r.prefix[1].off));
	assert_true(mip4_covered_by_mh(&r, r.tunnel_mode_off));
	assert_false(mip4_covered_by_mh(&r, REQ_MH_OFF));

	/* why may be NULL */
	assert_int_equal(mip4_reg_parse(req, sizeof(req), &r, NULL), 0);
}

static void test_request_auth(void **state)
{
	(void)state;
	uint8_t key64[64], out[MIP4_AUTH_LEN];
	struct mip4_reg r;

	parse_ok(req, sizeof(req), &r);
	assert_int_equal(mip4_auth_verify(req, sizeof(req), &r.mh, key16, sizeof(key16)), 0);
	assert_int_equal(mip4_auth_compute(req, sizeof(req), &r.mh, key16, sizeof(key16), out), 0);
	assert_memory_equal(out, req + REQ_MH_OFF + 6, MIP4_AUTH_LEN);

	/* a 64-octet key (the HMAC block size) */
	memset(key64, 0xaa, sizeof(key64));
	assert_int_equal(mip4_auth_compute(req, sizeof(req), &r.mh, key64, sizeof(key64), out), 0);
	assert_memory_equal(out, req_mac_key64, MIP4_AUTH_LEN);
	assert_int_equal(mip4_auth_verify(req, sizeof(req), &r.mh, key64, sizeof(key64)), -EPERM);
}

static void test_request_writer(void **state)
{
	(void)state;
	uint8_t out[256];
	struct mip4_buf b;
	struct in6_addr p1 = addr6("2001:db8:1:1::"), ll = addr6("fe80::1");

	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_request(&b, MIP4_F_D | MIP4_F_T, 1800, A4(192, 0, 2, 10),
					  A4(192, 0, 2, 1), A4(198, 51, 100, 20), ID64), 0);
	assert_int_equal(mip4_put_nai(&b, "mn1@example.net", 15), 0);
	assert_int_equal(mip4_put_prefix_request(&b, 64, &p1), 0);
	assert_int_equal(mip4_put_prefix_request(&b, MIP4_V6_PLEN_LINK_LOCAL, &ll), 0);
	assert_int_equal(mip4_put_tunnel_mode(&b), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 256, key16, sizeof(key16)), 0);
	assert_int_equal(b.len, sizeof(req));
	assert_memory_equal(out, req, sizeof(req));
}

static void test_reply_prefix_codes(void **state)
{
	(void)state;
	static const uint8_t codes[] = {
		MIP4_V6_ACCEPT_HOA, MIP4_V6_ACCEPT_COA, MIP4_V6_REJECT_NOT_HOME_SUBNET,
		MIP4_V6_REJECT_DAD_FAILED,
	};
	static const uint8_t plens[] = { 64, 64, 64, MIP4_V6_PLEN_LINK_LOCAL };
	struct in6_addr p[4] = {
		addr6("2001:db8:1:1::"), addr6("2001:db8:1:2::"), addr6("2001:db8:99::"),
		addr6("fe80::1"),
	};
	uint8_t out[256];
	struct mip4_buf b;
	struct mip4_reg r;

	parse_ok(rep, sizeof(rep), &r);
	assert_int_equal(r.type, MIP4_REG_REPLY);
	assert_int_equal(r.code, MIP4_CODE_ACCEPTED);
	assert_true(mip4_code_accepted(r.code));
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.lifetime, 1800);
	assert_int_equal(r.home_addr, A4(192, 0, 2, 10));
	assert_int_equal(r.home_agent, A4(192, 0, 2, 1));
	assert_int_equal(r.coa, 0);
	assert_int_equal(r.id, ID64);
	assert_int_equal(r.nai_len, 15);
	assert_ptr_equal(r.nai, rep + 22);
	assert_int_equal(r.n_prefix, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(r.prefix[i].code, codes[i]);
		assert_int_equal(r.prefix[i].plen, plens[i]);
		assert_memory_equal(&r.prefix[i].prefix, &p[i], 16);
		assert_int_equal(r.prefix[i].off, 37 + 22 * i);
		assert_true(mip4_covered_by_mh(&r, r.prefix[i].off));
	}
	assert_string_equal(mip4_v6_code_name(r.prefix[2].code), "rejected-not-home-subnet");
	assert_string_equal(mip4_v6_code_name(r.prefix[3].code), "rejected-dad-failed");
	assert_true(r.mh.present);
	assert_int_equal(r.mh.off, REP_MH_OFF);
	assert_int_equal(r.mh.spi, 256);
	assert_int_equal(r.n_tunnel_mode, 0);
	assert_int_equal(mip4_auth_verify(rep, sizeof(rep), &r.mh, key16, sizeof(key16)), 0);

	/* the writer produces the same octets */
	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_reply(&b, MIP4_CODE_ACCEPTED, 1800, A4(192, 0, 2, 10),
					A4(192, 0, 2, 1), ID64), 0);
	assert_int_equal(mip4_put_nai(&b, "mn1@example.net", 15), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(mip4_put_prefix_reply(&b, codes[i], plens[i], &p[i]), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 256, key16, sizeof(key16)), 0);
	assert_int_equal(b.len, sizeof(rep));
	assert_memory_equal(out, rep, sizeof(rep));
}

/* ---- every parser error ------------------------------------------------ */

static const uint8_t req_fixed[MIP4_REQ_FIXED_LEN] = {
	0x01, 0x00, 0x00, 0x3c, HOME, HA, COA, ID,
};
static const uint8_t rep_fixed[MIP4_REP_FIXED_LEN] = {
	0x03, 0x00, 0x00, 0x3c, HOME, HA, ID,
};

struct bad_case {
	const char *what;
	uint8_t type;                /* fixed part to put first */
	uint8_t ext[48];
	size_t ext_len;
	enum mip4_err why;
};

#define PFX16 P6_1_1
static const struct bad_case bad_cases[] = {
	{ "extension header cut", 1, { 0x83 }, 1, MIP4_ERR_EXT_OVERRUN },
	{ "NAI runs past the end", 1, { 0x83, 0x05, 'a' }, 3, MIP4_ERR_EXT_OVERRUN },
	{ "auth runs past the end", 3, { 0x20, 0x14, SPI256 }, 6, MIP4_ERR_EXT_OVERRUN },
	{ "type 35 (0-127)", 1, { 0x23, 0x00 }, 2, MIP4_ERR_UNKNOWN_EXT },
	{ "type 0", 1, { 0x00, 0x00 }, 2, MIP4_ERR_UNKNOWN_EXT },
	{ "type 127 in a reply", 3, { 0x7f, 0x01, 0x00 }, 3, MIP4_ERR_UNKNOWN_EXT },
	{ "UDP tunnel reply (44) in a request", 1, { 0x2c, 0x06, 0, 0, 0, 0, 0, 0 }, 8,
	  MIP4_ERR_UNKNOWN_EXT },
	{ "empty NAI", 1, { 0x83, 0x00 }, 2, MIP4_ERR_BAD_EXT_LEN },
	{ "MH auth shorter than an SPI", 1, { 0x20, 0x03, 0, 0, 1 }, 5, MIP4_ERR_BAD_EXT_LEN },
	{ "FH auth shorter than an SPI", 3, { 0x22, 0x00 }, 2, MIP4_ERR_BAD_EXT_LEN },
	{ "DSMIPv4 without subtype", 1, { 0x98, 0x00 }, 2, MIP4_ERR_BAD_EXT_LEN },
	{ "prefix request length 17", 1, { 0x98, 0x11, 0x01, 0x40, 0x20, 0x01, 0x0d, 0xb8,
					   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 19,
	  MIP4_ERR_BAD_EXT_LEN },
	{ "prefix request plen 129", 1, { 0x98, 0x12, 0x01, 0x81, PFX16 }, 20,
	  MIP4_ERR_BAD_EXT_LEN },
	{ "prefix reply length 18", 3, { 0x98, 0x12, 0x02, 0x00, 0x40, 0x00, 0x20, 0x01, 0x0d,
					 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 20,
	  MIP4_ERR_BAD_EXT_LEN },
	{ "prefix reply plen 200", 3, { 0x98, 0x14, 0x02, 0x00, 0xc8, 0x00, PFX16 }, 22,
	  MIP4_ERR_BAD_EXT_LEN },
	{ "tunneling mode length 3", 1, { 0x98, 0x03, 0x03, 0x00, 0x00 }, 5,
	  MIP4_ERR_BAD_EXT_LEN },
	{ "delivery style length 1", 1, { 0x82, 0x01, 0x00 }, 3, MIP4_ERR_BAD_EXT_LEN },
	{ "UDP tunnel request length 5", 1, { 0x90, 0x05, 0, 0, 0, 4, 0 }, 7,
	  MIP4_ERR_BAD_EXT_LEN },
	{ "UDP tunnel reply length 7", 3, { 0x2c, 0x07, 0, 0, 0, 0, 0, 0, 0 }, 9,
	  MIP4_ERR_BAD_EXT_LEN },
	{ "two MH auth", 1, { 0x20, 0x04, SPI256, 0x20, 0x04, SPI256 }, 12, MIP4_ERR_DUP_EXT },
	{ "two MF auth", 1, { 0x21, 0x04, SPI256, 0x21, 0x04, SPI256 }, 12, MIP4_ERR_DUP_EXT },
	{ "two FH auth", 3, { 0x22, 0x04, SPI256, 0x22, 0x04, SPI256 }, 12, MIP4_ERR_DUP_EXT },
	{ "two NAI", 3, { 0x83, 0x01, 'a', 0x83, 0x01, 'b' }, 6, MIP4_ERR_DUP_EXT },
	{ "two UDP tunnel requests", 1, { 0x90, 0x06, 0, 0, 0x80, 4, 0, 0,
					  0x90, 0x06, 0, 0, 0x00, 4, 0, 0 }, 16,
	  MIP4_ERR_DUP_EXT },
	{ "two UDP tunnel replies", 3, { 0x2c, 0x06, 0, 0, 0, 0, 0, 0,
					 0x2c, 0x06, 0, 0, 0, 0, 0, 0 }, 16, MIP4_ERR_DUP_EXT },
	{ "prefix reply in a request", 1, { 0x98, 0x14, 0x02, 0x00, 0x40, 0x00, PFX16 }, 22,
	  MIP4_ERR_BAD_SUBTYPE },
	{ "prefix request in a reply", 3, { 0x98, 0x12, 0x01, 0x40, PFX16 }, 20,
	  MIP4_ERR_BAD_SUBTYPE },
	{ "tunneling mode in a reply", 3, { 0x98, 0x02, 0x03, 0x00 }, 4, MIP4_ERR_BAD_SUBTYPE },
	{ "DSMIPv4 subtype 0", 1, { 0x98, 0x02, 0x00, 0x00 }, 4, MIP4_ERR_BAD_SUBTYPE },
	{ "DSMIPv4 subtype 4", 1, { 0x98, 0x02, 0x04, 0x00 }, 4, MIP4_ERR_BAD_SUBTYPE },
	{ "UDP tunnel reply subtype 1", 3, { 0x2c, 0x06, 0x01, 0, 0, 0, 0, 0 }, 8,
	  MIP4_ERR_BAD_SUBTYPE },
};

static void test_parse_errors(void **state)
{
	(void)state;
	uint8_t m[MIP4_REQ_FIXED_LEN + 64];
	bool seen[MIP4_ERR__MAX] = { false };

	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t fixed = c->type == MIP4_REG_REQUEST ? sizeof(req_fixed) : sizeof(rep_fixed);

		struct mip4_reg r;
		enum mip4_err why = MIP4_ERR_NONE;

		memcpy(m, c->type == MIP4_REG_REQUEST ? req_fixed : rep_fixed, fixed);
		memcpy(m + fixed, c->ext, c->ext_len);
		int rc = mip4_reg_parse(m, fixed + c->ext_len, &r, &why);
		if (rc != -EBADMSG || why != c->why)
			fail_msg("%s: %d %s, expected %s", c->what, rc, mip4_err_name(why),
				 mip4_err_name(c->why));
		seen[c->why] = true;
	}

	/* MIP4_ERR_TRUNCATED */
	parse_fails(req, 0, MIP4_ERR_TRUNCATED);
	parse_fails(req, MIP4_REQ_FIXED_LEN - 1, MIP4_ERR_TRUNCATED);
	parse_fails(rep, MIP4_REP_FIXED_LEN - 1, MIP4_ERR_TRUNCATED);
	parse_fails(rep, 1, MIP4_ERR_TRUNCATED);
	seen[MIP4_ERR_TRUNCATED] = true;
	/* a reply-sized request is still too short */
	parse_fails(req, MIP4_REP_FIXED_LEN, MIP4_ERR_TRUNCATED);

	/* MIP4_ERR_BAD_TYPE: 2 (unassigned), 4 (RFC 3519 tunnel data), 0 */
	static const uint8_t types[] = { 0, 2, 4, 255 };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		memcpy(m, req_fixed, sizeof(req_fixed));
		m[0] = types[i];
		parse_fails(m, sizeof(req_fixed), MIP4_ERR_BAD_TYPE);
		parse_fails(m, 1, MIP4_ERR_BAD_TYPE);
	}
	seen[MIP4_ERR_BAD_TYPE] = true;

	/* every cut of the full request short of a boundary overruns */
	for (size_t cut = MIP4_REQ_FIXED_LEN + 1; cut < sizeof(req); cut++) {
		if (cut == 41 || cut == 61 || cut == 81 || cut == 85)
			continue;
		parse_fails(req, cut, MIP4_ERR_EXT_OVERRUN);
	}

	/* MIP4_ERR_TOO_MANY_PREFIXES and the exact limit are in
	 * test_prefix_limit */
	seen[MIP4_ERR_TOO_MANY_PREFIXES] = true;
	for (int e = MIP4_ERR_TRUNCATED; e < MIP4_ERR__MAX; e++)
		assert_true(seen[e]);
}

static void test_prefix_limit(void **state)
{
	(void)state;
	uint8_t out[MIP4_REQ_FIXED_LEN + (MIP4_MAX_PREFIXES + 1) * 20 + 22];
	struct in6_addr p = addr6("2001:db8::");
	struct mip4_buf b;
	struct mip4_reg r;
	size_t at_limit;

	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_request(&b, 0, 60, A4(192, 0, 2, 10), A4(192, 0, 2, 1),
					  A4(192, 0, 2, 10), 1), 0);
	for (unsigned i = 0; i < MIP4_MAX_PREFIXES; i++) {
		p.s6_addr[3] = (uint8_t)i;
		assert_int_equal(mip4_put_prefix_request(&b, 48, &p), 0);
	}
	at_limit = b.len;
	parse_ok(out, at_limit, &r);
	assert_int_equal(r.n_prefix, MIP4_MAX_PREFIXES);
	assert_int_equal(r.prefix[MIP4_MAX_PREFIXES - 1].prefix.s6_addr[3], MIP4_MAX_PREFIXES - 1);
	assert_int_equal(r.prefix[MIP4_MAX_PREFIXES - 1].off, at_limit - 20);

	assert_int_equal(mip4_put_prefix_request(&b, 48, &p), 0);
	parse_fails(out, b.len, MIP4_ERR_TOO_MANY_PREFIXES);
}

/* RFC 5944 1.9: unknown 128-255 skipped, 0-127 rejected; RFC 3519 3.1.3:
 * a UDP tunnel request with a non-zero Reserved 3 or subtype is skipped. */
static void test_unknown_extensions(void **state)
{
	(void)state;
	static const uint8_t skip_req[] = {
		/* type 1 */ 0x01, /* flags */ 0x00, /* lifetime 60 */ 0x00, 0x3c,
		HOME, HA, COA, ID,
		/* off 24: type 200, 3 */ 0xc8, 0x03, 0xde, 0xad, 0x00,
		/* off 29: type 128, 0 */ 0x80, 0x00,
		/* off 31: UDP tunnel request, reserved 3 = 1 */ 0x90, 0x06, 0x00, 0x00,
		0x80, 0x04, 0x00, 0x01,
		/* off 39: UDP tunnel request, subtype 1 */ 0x90, 0x06, 0x01, 0x00,
		0x80, 0x04, 0x00, 0x00,
		/* off 47: type 255, 0 */ 0xff, 0x00,
		/* off 49: MH auth, 4 (no authenticator) */ 0x20, 0x04, SPI256,
	};
	static const uint8_t skip_rep[] = {
		/* type 3 */ 0x03, /* code 1 */ 0x01, /* lifetime 60 */ 0x00, 0x3c,
		HOME, HA, ID,
		/* off 20: UDP tunnel request in a reply */ 0x90, 0x06, 0, 0, 0x80, 4, 0, 0,
		/* off 28: delivery style in a reply */ 0x82, 0x00,
		/* off 30: type 129 */ 0x81, 0x01, 0x00,
	};
	uint8_t m[sizeof(skip_req) + 2];
	struct mip4_reg r;

	parse_ok(skip_req, sizeof(skip_req), &r);
	assert_int_equal(r.n_skipped, 5);
	assert_false(r.has_udp_tun);
	assert_true(r.mh.present);
	assert_int_equal(r.mh.off, 49);
	assert_int_equal(r.mh.auth_len, 0);
	assert_ptr_equal(r.mh.auth, skip_req + sizeof(skip_req));
	/* an authenticator that is not 16 octets is not HMAC-MD5 */
	assert_int_equal(mip4_auth_verify(skip_req, sizeof(skip_req), &r.mh, key16, 16),
			 -EBADMSG);

	parse_ok(skip_rep, sizeof(skip_rep), &r);
	assert_int_equal(r.n_skipped, 3);
	assert_false(r.has_udp_tun);
	assert_false(r.has_encap_delivery);
	assert_int_equal(r.code, MIP4_CODE_ACCEPTED_NO_SIMUL);

	/* the same with an unknown non-skippable type 99 appended */
	memcpy(m, skip_req, sizeof(skip_req));
	m[sizeof(skip_req)] = 0x63;
	m[sizeof(skip_req) + 1] = 0x00;
	parse_fails(m, sizeof(m), MIP4_ERR_UNKNOWN_EXT);
}

/* RFC 3519 3.1, 3.2 and RFC 3024 3.3 */
static void test_udp_tunnel_and_delivery(void **state)
{
	(void)state;
	static const uint8_t tun_req[] = {
		/* type 1 */ 0x01, /* flags D|T */ 0x22, /* lifetime 600 */ 0x02, 0x58,
		HOME, HA, /* private care-of 10.0.0.2 */ 0x0a, 0x00, 0x00, 0x02, ID,
		/* off 24: UDP tunnel request, 6 */ 0x90, 0x06, /* subtype */ 0x00,
		/* reserved 1 */ 0x00, /* F, reserved 2 */ 0x80, /* encap 0 (RFC 5454 3.9) */ 0x00,
		/* reserved 3 */ 0x00, 0x00,
		/* off 32: MH auth, 20 */ 0x20, 0x14, SPI256,
		/* HMAC-MD5 (openssl dgst over tun_req[0 .. 38)) */
		0xa9, 0xa0, 0x8c, 0x69, 0x9a, 0x05, 0x00, 0xb2,
		0x8f, 0xab, 0x3a, 0x0e, 0x32, 0x4b, 0x79, 0x29,
		/* off 54: delivery style, 0 (after MH, RFC 3024 3.3) */ 0x82, 0x00,
	};
	static const uint8_t tun_rep[] = {
		/* type 3 */ 0x03, /* code 0 */ 0x00, /* lifetime 600 */ 0x02, 0x58,
		HOME, HA, ID,
		/* off 20: UDP tunnel reply, 6 */ 0x2c, 0x06, /* subtype */ 0x00,
		/* reply code 0 */ 0x00, /* F, reserved */ 0x80, 0x00, /* keepalive 110 */ 0x00, 0x6e,
	};
	uint8_t out[128];
	struct mip4_buf b;
	struct mip4_reg r;

	parse_ok(tun_req, sizeof(tun_req), &r);
	assert_true(r.has_udp_tun);
	assert_int_equal(r.udp_tun_flags, 0x80);
	assert_int_equal(r.udp_tun_encap, 0);
	assert_true(r.has_encap_delivery);
	assert_false(mip4_covered_by_mh(&r, 54));
	assert_true(mip4_covered_by_mh(&r, 24));
	assert_int_equal(r.coa, A4(10, 0, 0, 2));
	assert_int_equal(mip4_auth_verify(tun_req, sizeof(tun_req), &r.mh, key16, 16), 0);

	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_request(&b, MIP4_F_D | MIP4_F_T, 600, A4(192, 0, 2, 10),
					  A4(192, 0, 2, 1), A4(10, 0, 0, 2), ID64), 0);
	assert_int_equal(mip4_put_udp_tun_request(&b, 0x80, 0), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 256, key16, 16), 0);
	assert_int_equal(mip4_put_ext(&b, MIP4_EXT_ENCAP_DELIVERY, NULL, 0), 0);
	assert_int_equal(b.len, sizeof(tun_req));
	assert_memory_equal(out, tun_req, sizeof(tun_req));

	parse_ok(tun_rep, sizeof(tun_rep), &r);
	assert_true(r.has_udp_tun);
	assert_int_equal(r.udp_tun_code, 0);
	assert_int_equal(r.udp_tun_flags, 0x80);
	assert_int_equal(r.udp_tun_keepalive, 110);
	assert_false(r.mh.present);

	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_reply(&b, 0, 600, A4(192, 0, 2, 10), A4(192, 0, 2, 1), ID64), 0);
	assert_int_equal(mip4_put_udp_tun_reply(&b, 0x80, 0, 110), 0);
	assert_int_equal(b.len, sizeof(tun_rep));
	assert_memory_equal(out, tun_rep, sizeof(tun_rep));

	/* the R flag, IP-in-UDP, and a declined reply */
	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_request(&b, MIP4_F_D, 600, 0, 0, 0, 0), 0);
	assert_int_equal(mip4_put_udp_tun_request(&b, 0xc0, 4), 0);
	parse_ok(out, b.len, &r);
	assert_int_equal(r.udp_tun_flags, 0xc0);
	assert_int_equal(r.udp_tun_encap, 4);
	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_reply(&b, 0, 600, 0, 0, 0), 0);
	assert_int_equal(mip4_put_udp_tun_reply(&b, 0, 64, 0), 0);
	parse_ok(out, b.len, &r);
	assert_int_equal(r.udp_tun_code, 64);
	assert_int_equal(r.udp_tun_flags, 0);

	/* reserved bits are ignored on reception (3.1.3, 3.2) */
	uint8_t m[sizeof(tun_rep)];
	memcpy(m, tun_rep, sizeof(m));
	m[24] = 0xff;
	m[25] = 0xff;
	parse_ok(m, sizeof(m), &r);
	assert_int_equal(r.udp_tun_flags, 0x80);
}

/* ---- authentication ---------------------------------------------------- */

static void test_auth_failures(void **state)
{
	(void)state;
	uint8_t m[sizeof(req)], out[MIP4_AUTH_LEN];
	uint8_t wrong[16];
	struct mip4_reg r, r2;

	/* a flipped bit anywhere in the message breaks it: in the fixed part,
	 * an extension, the SPI, or the authenticator itself */
	for (size_t i = 0; i < sizeof(req); i++) {
		memcpy(m, req, sizeof(m));
		m[i] ^= 0x01;
		if (mip4_reg_parse(m, sizeof(m), &r, NULL) < 0)
			continue;    /* e.g. a length octet: no longer parses */
		if (!r.mh.present || r.mh.auth_len != MIP4_AUTH_LEN)
			continue;
		assert_int_equal(mip4_auth_verify(m, sizeof(m), &r.mh, key16, 16), -EPERM);
	}
	memcpy(m, req, sizeof(m));
	m[sizeof(m) - 1] ^= 0x80;    /* last authenticator bit */
	parse_ok(m, sizeof(m), &r);
	assert_int_equal(mip4_auth_verify(m, sizeof(m), &r.mh, key16, 16), -EPERM);
	m[sizeof(m) - 1] ^= 0x80;
	m[REQ_MH_OFF + 5] ^= 0x01;   /* SPI 257 */
	parse_ok(m, sizeof(m), &r);
	assert_int_equal(r.mh.spi, 257);
	assert_int_equal(mip4_auth_verify(m, sizeof(m), &r.mh, key16, 16), -EPERM);

	/* wrong key: one bit, shorter, longer */
	parse_ok(req, sizeof(req), &r);
	memcpy(wrong, key16, sizeof(wrong));
	wrong[15] ^= 0x01;
	assert_int_equal(mip4_auth_verify(req, sizeof(req), &r.mh, wrong, 16), -EPERM);
	assert_int_equal(mip4_auth_verify(req, sizeof(req), &r.mh, key16, 15), -EPERM);
	/* (not key || 0x00: HMAC pads keys with zeros, so that one matches) */
	uint8_t longer[17];
	memcpy(longer, key16, 16);
	longer[16] = 0x10;
	assert_int_equal(mip4_auth_verify(req, sizeof(req), &r.mh, longer, 17), -EPERM);
	assert_int_equal(mip4_auth_verify(req, sizeof(req), &r.mh, key16, 0), -EINVAL);

	/* truncated authenticator: length 19, message one octet shorter */
	memcpy(m, req, sizeof(m));
	m[REQ_MH_OFF + 1] = 4 + 15;
	parse_ok(m, sizeof(m) - 1, &r);
	assert_int_equal(r.mh.auth_len, 15);
	assert_int_equal(mip4_auth_verify(m, sizeof(m) - 1, &r.mh, key16, 16), -EBADMSG);

	/* absent */
	parse_ok(req, REQ_MH_OFF, &r);
	assert_false(r.mh.present);
	assert_int_equal(mip4_auth_verify(req, REQ_MH_OFF, &r.mh, key16, 16), -EBADMSG);
	assert_int_equal(mip4_auth_compute(req, REQ_MH_OFF, &r.mh, key16, 16, out), -EBADMSG);

	/* a parsed extension that does not describe this buffer */
	parse_ok(req, sizeof(req), &r);
	memcpy(m, req, sizeof(m));
	assert_int_equal(mip4_auth_verify(m, sizeof(m), &r.mh, key16, 16), -EBADMSG);
	r2 = r;
	r2.mh.off = REQ_MH_OFF - 4;
	assert_int_equal(mip4_auth_verify(req, sizeof(req), &r2.mh, key16, 16), -EBADMSG);
	assert_int_equal(mip4_auth_verify(req, sizeof(req) - 1, &r.mh, key16, 16), -EBADMSG);
}

/* RFC 5944 3.5.1: each authenticator covers the prior extensions; one
 * appended later (MF by the mobile node, FH by the foreign agent) leaves
 * the earlier ones valid. */
static void test_auth_chain(void **state)
{
	(void)state;
	uint8_t out[256];
	uint8_t kmf[20], kfh[80];
	struct mip4_buf b;
	struct mip4_reg r;
	size_t mh_end;

	memset(kmf, 0x5a, sizeof(kmf));
	for (size_t i = 0; i < sizeof(kfh); i++)
		kfh[i] = (uint8_t)i;

	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_request(&b, 0, 300, A4(192, 0, 2, 10), A4(192, 0, 2, 1),
					  A4(203, 0, 113, 1), ID64), 0);
	assert_int_equal(mip4_put_nai(&b, "mn1@example.net", 15), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 0x1000, key16, 16), 0);
	mh_end = b.len;
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MF_AUTH, 0x2000, kmf, sizeof(kmf)), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_FH_AUTH, 0x3000, kfh, sizeof(kfh)), 0);
	assert_int_equal(b.len, mh_end + 2 * 22);

	parse_ok(out, b.len, &r);
	assert_int_equal(r.mh.spi, 0x1000);
	assert_int_equal(r.mf.spi, 0x2000);
	assert_int_equal(r.fh.spi, 0x3000);
	assert_int_equal(r.mf.off, mh_end);
	assert_int_equal(r.fh.off, mh_end + 22);
	assert_int_equal(mip4_auth_verify(out, b.len, &r.mh, key16, 16), 0);
	assert_int_equal(mip4_auth_verify(out, b.len, &r.mf, kmf, sizeof(kmf)), 0);
	assert_int_equal(mip4_auth_verify(out, b.len, &r.fh, kfh, sizeof(kfh)), 0);
	assert_int_equal(mip4_auth_verify(out, b.len, &r.mf, key16, 16), -EPERM);

	/* the foreign agent strips FH (it is the last): MH and MF still verify */
	parse_ok(out, mh_end + 22, &r);
	assert_false(r.fh.present);
	assert_int_equal(mip4_auth_verify(out, mh_end + 22, &r.mh, key16, 16), 0);
	assert_int_equal(mip4_auth_verify(out, mh_end + 22, &r.mf, kmf, sizeof(kmf)), 0);

	/* a change inside MH's authenticator breaks FH and MF (they cover it)
	 * but MH itself only through its own check */
	out[r.mh.off + 6] ^= 0x01;
	parse_ok(out, b.len, &r);
	assert_int_equal(mip4_auth_verify(out, b.len, &r.mh, key16, 16), -EPERM);
	assert_int_equal(mip4_auth_verify(out, b.len, &r.mf, kmf, sizeof(kmf)), -EPERM);
	assert_int_equal(mip4_auth_verify(out, b.len, &r.fh, kfh, sizeof(kfh)), -EPERM);
}

/* ---- writer ---------------------------------------------------------- */

/* Every field through the writer and back. */
static void test_roundtrip(void **state)
{
	(void)state;
	uint8_t out[512], small[512];
	static const uint8_t vendor[] = { 0x00, 0x00, 0x01, 0x37, 0xaa };
	struct in6_addr p = addr6("2001:db8:abcd:12::1");
	struct mip4_buf b;
	struct mip4_reg r;
	size_t need;

	for (unsigned type = MIP4_REG_REQUEST; type <= MIP4_REG_REPLY; type += 2) {
		bool request = type == MIP4_REG_REQUEST;

		mip4_buf_init(&b, out, sizeof(out));
		if (request)
			assert_int_equal(mip4_put_request(&b, 0xff, 0xffff, A4(1, 2, 3, 4),
							  A4(5, 6, 7, 8), A4(9, 10, 11, 12),
							  0x0102030405060708ull), 0);
		else
			assert_int_equal(mip4_put_reply(&b, MIP4_CODE_HA_ID_MISMATCH, 0xffff,
							A4(1, 2, 3, 4), A4(5, 6, 7, 8),
							0x0102030405060708ull), 0);
		char nai[MIP4_NAI_MAX];
		memset(nai, 'n', sizeof(nai));
		assert_int_equal(mip4_put_nai(&b, nai, sizeof(nai)), 0);
		for (uint8_t i = 0; i < 3; i++) {
			if (request)
				assert_int_equal(mip4_put_prefix_request(&b, (uint8_t)(i * 60), &p), 0);
			else
				assert_int_equal(mip4_put_prefix_reply(&b, (uint8_t)(8 + i),
								       (uint8_t)(i * 60), &p), 0);
		}
		if (request) {
			assert_int_equal(mip4_put_tunnel_mode(&b), 0);
			assert_int_equal(mip4_put_tunnel_mode(&b), 0);
			assert_int_equal(mip4_put_udp_tun_request(&b, 0x40, 47), 0);
		} else {
			assert_int_equal(mip4_put_udp_tun_reply(&b, 0x80, 64, 0xfffe), 0);
		}
		assert_int_equal(mip4_put_ext(&b, 0xfe, vendor, sizeof(vendor)), 0);
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 0xffffffff, key16, 16), 0);
		if (request)
			assert_int_equal(mip4_put_ext(&b, MIP4_EXT_ENCAP_DELIVERY, NULL, 0), 0);

		parse_ok(out, b.len, &r);
		assert_int_equal(r.type, type);
		assert_int_equal(r.flags, request ? 0xff : 0);
		assert_int_equal(r.code, request ? 0 : MIP4_CODE_HA_ID_MISMATCH);
		assert_int_equal(r.lifetime, 0xffff);
		assert_int_equal(r.home_addr, A4(1, 2, 3, 4));
		assert_int_equal(r.home_agent, A4(5, 6, 7, 8));
		assert_int_equal(r.coa, request ? A4(9, 10, 11, 12) : 0);
		assert_int_equal(r.id, 0x0102030405060708ull);
		assert_int_equal(r.nai_len, MIP4_NAI_MAX);
		assert_memory_equal(r.nai, nai, MIP4_NAI_MAX);
		assert_int_equal(r.n_prefix, 3);
		for (unsigned i = 0; i < 3; i++) {
			assert_int_equal(r.prefix[i].plen, i * 60);
			assert_int_equal(r.prefix[i].code, request ? 0 : 8 + i);
			assert_memory_equal(&r.prefix[i].prefix, &p, 16);
		}
		assert_int_equal(r.n_tunnel_mode, request ? 2 : 0);
		assert_true(r.has_udp_tun);
		assert_int_equal(r.udp_tun_flags, request ? 0x40 : 0x80);
		assert_int_equal(r.udp_tun_encap, request ? 47 : 0);
		assert_int_equal(r.udp_tun_code, request ? 0 : 64);
		assert_int_equal(r.udp_tun_keepalive, request ? 0 : 0xfffe);
		assert_int_equal(r.has_encap_delivery, request);
		assert_int_equal(r.n_skipped, 1);
		assert_int_equal(r.mh.spi, 0xffffffff);
		assert_int_equal(mip4_auth_verify(out, b.len, &r.mh, key16, 16), 0);

		/* every capacity short of the whole: -ENOBUFS at some step,
		 * nothing written past the capacity */
		need = b.len;
		for (size_t cap = 0; cap < need; cap += 7) {
			int rc = 0;
			memset(small, 0xa5, sizeof(small));
			mip4_buf_init(&b, small, cap);
			if (request)
				rc = mip4_put_request(&b, 0xff, 0xffff, A4(1, 2, 3, 4),
						      A4(5, 6, 7, 8), A4(9, 10, 11, 12), 1);
			else
				rc = mip4_put_reply(&b, 0, 0xffff, A4(1, 2, 3, 4),
						    A4(5, 6, 7, 8), 1);
			if (rc == 0)
				rc = mip4_put_nai(&b, nai, sizeof(nai));
			for (uint8_t i = 0; rc == 0 && i < 3; i++)
				rc = request ? mip4_put_prefix_request(&b, 64, &p)
					     : mip4_put_prefix_reply(&b, 0, 64, &p);
			if (rc == 0)
				rc = request ? mip4_put_tunnel_mode(&b) : 0;
			if (rc == 0)
				rc = request ? mip4_put_tunnel_mode(&b) : 0;
			if (rc == 0)
				rc = request ? mip4_put_udp_tun_request(&b, 0x40, 47)
					     : mip4_put_udp_tun_reply(&b, 0x80, 64, 1);
			if (rc == 0)
				rc = mip4_put_ext(&b, 0xfe, vendor, sizeof(vendor));
			if (rc == 0)
				rc = mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 1, key16, 16);
			if (rc == 0 && request)
				rc = mip4_put_ext(&b, MIP4_EXT_ENCAP_DELIVERY, NULL, 0);
			assert_int_equal(rc, -ENOBUFS);
			assert_true(b.len <= cap);
			assert_int_equal(small[cap], 0xa5);
		}
	}
}

static void test_writer_errors(void **state)
{
	(void)state;
	uint8_t out[64];
	struct in6_addr p = addr6("2001:db8::");
	struct mip4_buf b;
	char nai[MIP4_NAI_MAX + 1];

	memset(nai, 'x', sizeof(nai));
	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_request(&b, 0, 0, 0, 0, 0, 0), 0);
	/* the fixed part goes into an empty buffer only */
	assert_int_equal(mip4_put_request(&b, 0, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(mip4_put_reply(&b, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(mip4_put_nai(&b, nai, 0), -EINVAL);
	assert_int_equal(mip4_put_nai(&b, nai, MIP4_NAI_MAX + 1), -EINVAL);
	assert_int_equal(mip4_put_prefix_request(&b, 129, &p), -EINVAL);
	assert_int_equal(mip4_put_prefix_reply(&b, 0, 254, &p), -EINVAL);
	assert_int_equal(mip4_put_udp_tun_request(&b, 0x20, 4), -EINVAL);
	assert_int_equal(mip4_put_udp_tun_reply(&b, 0x40, 0, 0), -EINVAL);
	assert_int_equal(mip4_put_auth(&b, 35, 256, key16, 16), -EINVAL);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 256, key16, 0), -EINVAL);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 256, NULL, 16), -EINVAL);
	assert_int_equal(mip4_put_ext(&b, 200, NULL, 3), -EINVAL);
	assert_int_equal(b.len, MIP4_REQ_FIXED_LEN);

	/* exactly full, then one more octet does not fit */
	assert_int_equal(mip4_put_ext(&b, 200, nai, (uint8_t)(sizeof(out) - b.len - 2)), 0);
	assert_int_equal(b.len, sizeof(out));
	assert_int_equal(mip4_put_ext(&b, 200, NULL, 0), -ENOBUFS);
	assert_int_equal(mip4_put_tunnel_mode(&b), -ENOBUFS);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 256, key16, 16), -ENOBUFS);
	assert_int_equal(b.len, sizeof(out));
}

/* ---- identification and names ------------------------------------------ */

/* RFC 5944 5.7.1 / RFC 5905 6: seconds since 1900, binary fraction. */
static void test_ntp(void **state)
{
	(void)state;
	static const int64_t secs[] = {
		0, 1, 1700000000, 2085978495, -2208988800ll, 4294967295ll - 2208988800ll,
	};

	assert_int_equal(mip4_ntp_time(0, 0), 2208988800ull << 32);
	assert_int_equal(mip4_ntp_time(1700000000, 500000000),
			 (uint64_t)(1700000000ull + 2208988800ull) << 32 | 0x80000000u);
	assert_int_equal(mip4_ntp_time(0, 250000000) & 0xffffffffu, 0x40000000u);
	assert_int_equal(mip4_ntp_time(0, 999999999) & 0xffffffffu, 0xfffffffbu);
	/* 1 s of nanoseconds carries into the seconds */
	assert_int_equal(mip4_ntp_time(5, 1500000000), mip4_ntp_time(6, 500000000));
	assert_int_equal(mip4_ntp_to_unix(0), -2208988800ll);
	assert_int_equal(mip4_ntp_to_unix(2208988800ull << 32 | 0xffffffffu), 0);
	for (size_t i = 0; i < ARRAY_SIZE(secs); i++) {
		for (uint32_t ns = 0; ns < 1000000000u; ns += 333333333u) {
			uint64_t t = mip4_ntp_time(secs[i], ns);
			assert_int_equal(mip4_ntp_to_unix(t), secs[i]);
			/* ordered within a second, as RFC 5944 5.7.1 needs */
			if (ns)
				assert_true(t > mip4_ntp_time(secs[i], ns - 1));
		}
	}
	/* the timestamp survives a request unchanged (identification) */
	uint8_t out[MIP4_REQ_FIXED_LEN];
	struct mip4_buf b;
	struct mip4_reg r;
	uint64_t t = mip4_ntp_time(1700000000, 123456789);
	mip4_buf_init(&b, out, sizeof(out));
	assert_int_equal(mip4_put_request(&b, 0, 60, 0, 0, 0, t), 0);
	assert_int_equal(out[16], (uint8_t)(t >> 56));
	parse_ok(out, b.len, &r);
	assert_int_equal(r.id, t);
	assert_int_equal(mip4_ntp_to_unix(r.id), 1700000000);
}

static void test_names(void **state)
{
	(void)state;
	static const uint8_t codes[] = {
		0, 1, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82,
		88, 96, 97, 98, 99, 194, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138,
		139, 142,
	};
	unsigned named = 0;

	for (int e = 0; e < MIP4_ERR__MAX; e++) {
		assert_string_not_equal(mip4_err_name(e), "unknown");
		for (int f = 0; f < e; f++)
			assert_string_not_equal(mip4_err_name(e), mip4_err_name(f));
	}
	assert_string_equal(mip4_err_name(MIP4_ERR_NONE), "none");
	assert_string_equal(mip4_err_name(MIP4_ERR_UNKNOWN_EXT), "unknown-ext");
	assert_string_equal(mip4_err_name(MIP4_ERR__MAX), "unknown");
	assert_string_equal(mip4_err_name((enum mip4_err)-1), "unknown");

	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		assert_string_not_equal(mip4_code_name(codes[i]), "unknown");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(mip4_code_name(codes[i]), mip4_code_name(codes[j]));
	}
	for (unsigned c = 0; c < 256; c++)
		if (strcmp(mip4_code_name((uint8_t)c), "unknown") != 0)
			named++;
	assert_int_equal(named, ARRAY_SIZE(codes));
	assert_string_equal(mip4_code_name(MIP4_CODE_ACCEPTED), "accepted");
	assert_string_equal(mip4_code_name(MIP4_CODE_HA_ID_MISMATCH), "id-mismatch");
	assert_string_equal(mip4_code_name(2), "unknown");
	assert_string_equal(mip4_code_name(255), "unknown");
	assert_true(mip4_code_accepted(1));
	assert_false(mip4_code_accepted(64));

	named = 0;
	for (unsigned c = 0; c < 256; c++)
		if (strcmp(mip4_v6_code_name((uint8_t)c), "unknown") != 0)
			named++;
	assert_int_equal(named, 6);
	assert_string_equal(mip4_v6_code_name(MIP4_V6_ACCEPT_HOA), "accepted-hoa");
	assert_string_equal(mip4_v6_code_name(MIP4_V6_ACCEPT_COA), "accepted-coa");
	assert_string_equal(mip4_v6_code_name(MIP4_V6_REJECT_UNSPEC), "rejected-unspecified");
	assert_string_equal(mip4_v6_code_name(MIP4_V6_REJECT_PROHIBITED), "rejected-prohibited");
	assert_string_equal(mip4_v6_code_name(2), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test(test_request_auth),
		cmocka_unit_test(test_request_writer),
		cmocka_unit_test(test_reply_prefix_codes),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_prefix_limit),
		cmocka_unit_test(test_unknown_extensions),
		cmocka_unit_test(test_udp_tunnel_and_delivery),
		cmocka_unit_test(test_auth_failures),
		cmocka_unit_test(test_auth_chain),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_ntp),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
