/* Unit tests for the home agent's foreign-agent and NAT traversal cases
 * (mip4/ha_reg.c): RFC 5944 3.8.2.1 c/d and 3.8.3.3 (Foreign-Home
 * authentication, code 132), RFC 5454 3.4 (a foreign agent's IPv6
 * Tunneling Mode extension after the MH authentication counts only under
 * its valid FH authentication), RFC 3519 4.6 / 4.6.1 (UDP Tunnel Request
 * and Reply, the codes 129, 134, 142) and RFC 5454 3.9.
 *
 * The annotated requests and replies carry HMAC-MD5 authenticators
 * computed independently of the codec, with python3:
 *   hmac.new(key, msg_up_to_and_including_the_spi, hashlib.md5).digest()
 * (RFC 5944 3.5.1; script in the comment of each vector). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/engine_mip.h"
#include "mip4/ha.h"
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"
#include "wire/encap4.h"
#include "wire/mip4.h"

#define T0 1700000000LL              /* NTP seconds 0xe8fe6f80 */

static const char conf_fmt[] =
	"ha = {\n"
	"  address = \"192.0.2.1\";\n"
	"  home-link = \"h0\";\n"
	"  home-network = \"192.0.2.0/24\";\n"
	"  home-prefixes = [ \"2001:db8:46::/64\" ];\n"
	"  max-lifetime = 600;\n"
	"  %s\n"
	"  foreign-agents = (\n"
	"    { address = \"198.51.100.2\"; spi = 500; key = \"fa-secret\"; },\n"
	"    { address = \"198.51.100.3\"; }\n"
	"  );\n"
	"  nodes = (\n"
	"    { name = \"mn1\"; home-address = \"192.0.2.10\"; spi = 300;\n"
	"      key-hex = \"0102030405060708090a0b0c0d0e0f10\"; max-bindings = 2;\n"
	"      prefixes = [ \"2001:db8:47::/48\" ]; },\n"
	"    { name = \"mn2\"; home-address = \"192.0.2.11\"; spi = 301;\n"
	"      key-hex = \"2122232425262728292a2b2c2d2e2f30\"; }\n"
	"  );\n"
	"};\n";

static const uint8_t KEY1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t FAKEY[] = "fa-secret";
#define FAKEY_LEN (sizeof(FAKEY) - 1)

struct fx {
	struct ha_cfg *cfg;
	struct ha_reg *reg;
	struct ha_reg_reply rep;
	struct ha_reg_changes ch;
	struct mip4_reg parsed;
};

static uint32_t a4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static uint64_t ts(uint32_t frac)
{
	return (mip4_ntp_time(T0, 0) & 0xffffffff00000000ull) | frac;
}

static struct fx *fx_new(const char *extra)
{
	struct fx *f = calloc(1, sizeof(*f));
	char text[4096], err[256] = "";

	snprintf(text, sizeof(text), conf_fmt, extra);
	if (ha_cfg_load_string(text, "test.conf", &f->cfg, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	assert_int_equal(ha_reg_new(f->cfg, &f->reg), 0);
	return f;
}

static int setup(void **state)
{
	*state = fx_new("");
	return 0;
}

static void fx_free(struct fx *f)
{
	ha_reg_free(f->reg);
	ha_cfg_free(f->cfg);
	free(f);
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static struct ha_reg_rx rx_of(const uint8_t *buf, size_t len, const char *src, uint16_t sport)
{
	struct ha_reg_rx rx = { .buf = buf, .len = len, .src_addr = a4(src), .src_port = sport,
				.dst_addr = a4("192.0.2.1"), .now = { .sec = T0, .nsec = 0 },
				.random = 0xabcd0001 };
	return rx;
}

/* check + finish; the reply code, -1 for a drop. */
static int reg_rx(struct fx *f, const struct ha_reg_rx *rx)
{
	struct ha_reg_pending *p = NULL;
	int r = ha_reg_check(f->reg, rx, &f->rep, &p);

	memset(&f->ch, 0, sizeof(f->ch));
	if (r == HA_REG_DROP)
		return -1;
	if (r == HA_REG_PENDING)
		assert_int_equal(ha_reg_finish(f->reg, p, NULL, rx->now, 0x5eed0002, &f->rep,
					       &f->ch),
				 HA_REG_REPLY);
	else
		assert_int_equal(r, HA_REG_REPLY);
	if (f->rep.len) {
		assert_int_equal(mip4_reg_parse(f->rep.buf, f->rep.len, &f->parsed, NULL), 0);
		assert_true(f->parsed.mh.present);
		assert_int_equal(mip4_auth_verify(f->rep.buf, f->rep.len, &f->parsed.mh, KEY1,
						  sizeof(KEY1)),
				 0);
	}
	return f->rep.code;
}

#define STAT(f, name) (ha_reg_stats((f)->reg)->name)

/* A request built with the codec: mn1, extensions in the order given. */
struct rq {
	uint8_t flags;
	uint16_t lifetime;
	uint32_t coa;
	uint32_t id;                 /* low 32 bits of the timestamp */
	const char *prefix;          /* one /64 prefix request, or NULL */
	bool tm_before;              /* Tunneling Mode before the MH auth */
	bool udp_before;             /* UDP Tunnel Request before the MH auth */
	uint8_t udp_flags, udp_encap;
	bool tm_after;               /* Tunneling Mode after the MH auth */
	bool udp_after;              /* UDP Tunnel Request after it */
	bool fh;                     /* FH auth (SPI 500, "fa-secret") */
	uint32_t fh_spi;
	bool fh_corrupt;
	bool tm_after_fh;            /* Tunneling Mode after the FH auth */
};

static size_t rq_build(const struct rq *q, uint8_t *buf, size_t cap)
{
	struct mip4_buf b;

	mip4_buf_init(&b, buf, cap);
	assert_int_equal(mip4_put_request(&b, q->flags, q->lifetime, a4("192.0.2.10"),
					  a4("192.0.2.1"), q->coa, ts(q->id)),
			 0);
	if (q->prefix) {
		struct in6_addr p = a6(q->prefix);
		assert_int_equal(mip4_put_prefix_request(&b, 64, &p), 0);
	}
	if (q->tm_before)
		assert_int_equal(mip4_put_tunnel_mode(&b), 0);
	if (q->udp_before)
		assert_int_equal(mip4_put_udp_tun_request(&b, q->udp_flags, q->udp_encap), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 300, KEY1, sizeof(KEY1)), 0);
	if (q->tm_after)
		assert_int_equal(mip4_put_tunnel_mode(&b), 0);
	if (q->udp_after)
		assert_int_equal(mip4_put_udp_tun_request(&b, q->udp_flags, q->udp_encap), 0);
	if (q->fh) {
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_FH_AUTH, q->fh_spi ? q->fh_spi : 500,
					       FAKEY, FAKEY_LEN),
				 0);
		if (q->fh_corrupt)
			buf[b.len - 1] ^= 0x80;
	}
	if (q->tm_after_fh)
		assert_int_equal(mip4_put_tunnel_mode(&b), 0);
	return b.len;
}

/* ---- foreign agent, annotated bytes ---------------------------------------- */

/* Relayed by the foreign agent 198.51.100.2 (its care-of address
 * 198.51.100.1), which attached an IPv6 Tunneling Mode extension after the
 * MH auth and then its FH auth (RFC 5454 3.4, RFC 5944 3.7.2.2). */
static const uint8_t fa_req[92] = {
	0x01, 0x02, 0x01, 0x2c,             /* request, T, lifetime 300 */
	0xc0, 0x00, 0x02, 0x0a,             /* home 192.0.2.10 */
	0xc0, 0x00, 0x02, 0x01,             /* home agent 192.0.2.1 */
	0xc6, 0x33, 0x64, 0x01,             /* coa 198.51.100.1 (the FA's) */
	0xe8, 0xfe, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x01,   /* id: T0 . 1 */
	0x98, 0x12, 0x01, 0x40,             /* 152/18 Prefix Request /64 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x47, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 2001:db8:47:1:: */
	0x20, 0x14, 0x00, 0x00, 0x01, 0x2c, /* MH auth, SPI 300 */
	0xa9, 0x2d, 0xd0, 0x65, 0xdd, 0x07, 0x72, 0x3b,
	0xd5, 0xa1, 0x29, 0xd1, 0x8c, 0x52, 0x83, 0x5c,
	0x98, 0x02, 0x03, 0x00,             /* 152/2 Tunneling Mode (the FA's) */
	0x22, 0x14, 0x00, 0x00, 0x01, 0xf4, /* FH auth, SPI 500 */
	0xa9, 0x54, 0xe4, 0xd3, 0xe6, 0xce, 0x27, 0x5b,
	0x5e, 0xec, 0x9d, 0x0c, 0x47, 0xf8, 0x7a, 0x34,
};

/* The reply: code 0, the prefix accepted with code 1 (to the FA's care-of
 * address), MH auth, then FH auth with the FA's key (RFC 5944 3.8.3.3). */
static const uint8_t fa_rep[86] = {
	0x03, 0x00, 0x01, 0x2c,             /* reply, accepted, lifetime 300 */
	0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x01,
	0xe8, 0xfe, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x01,
	0x98, 0x14, 0x02, 0x01, 0x40, 0x00, /* Prefix Reply, code 1, /64 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x47, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x14, 0x00, 0x00, 0x01, 0x2c, /* MH auth */
	0x27, 0xb8, 0xad, 0x1c, 0xe8, 0xdd, 0xe4, 0x41,
	0xc6, 0x6a, 0xc1, 0x23, 0xad, 0xdd, 0x8d, 0xaa,
	0x22, 0x14, 0x00, 0x00, 0x01, 0xf4, /* FH auth */
	0x2a, 0x61, 0xf3, 0xb8, 0xf3, 0xaf, 0x17, 0x40,
	0xa6, 0x9d, 0x4a, 0x61, 0xd0, 0x90, 0xda, 0xc5,
};

static void test_fa_annotated(void **state)
{
	struct fx *f = *state;
	struct ha_reg_rx rx = rx_of(fa_req, sizeof(fa_req), "198.51.100.2", 434);
	const struct mip_binding *b;
	struct mip4_reg m;
	struct dp_mip_bind db;

	/* the codec agrees with the independent authenticators */
	assert_int_equal(mip4_reg_parse(fa_req, sizeof(fa_req), &m, NULL), 0);
	assert_int_equal(mip4_auth_verify(fa_req, sizeof(fa_req), &m.mh, KEY1, sizeof(KEY1)), 0);
	assert_int_equal(mip4_auth_verify(fa_req, sizeof(fa_req), &m.fh, FAKEY, FAKEY_LEN), 0);

	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->rep.len, sizeof(fa_rep));
	assert_memory_equal(f->rep.buf, fa_rep, sizeof(fa_rep));
	/* 3.8.3.1 / 3.5.4: to the foreign agent, from where it was sent */
	assert_int_equal(f->rep.dst_addr, a4("198.51.100.2"));
	assert_int_equal(f->rep.dst_port, 434);
	assert_int_equal(f->rep.src_addr, a4("192.0.2.1"));
	assert_true(f->parsed.fh.present);
	assert_int_equal(mip4_auth_verify(f->rep.buf, f->rep.len, &f->parsed.fh, FAKEY, FAKEY_LEN),
			 0);

	/* the binding: to the FA's care-of address, IPv6 to it too */
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.1"));
	assert_non_null(b);
	assert_int_equal(b->src_addr, a4("198.51.100.2"));
	assert_int_equal(b->src_port, 434);
	assert_int_equal(b->flags, MIP4_F_T);
	assert_int_equal(b->v6_mode, MIP_V6_TO_COA);
	assert_false(b->udp_tunnel);
	assert_true(f->ch.has_put);
	ha_dp_bind_of(b, false, &db);
	assert_int_equal(db.coa, ntohl(a4("198.51.100.1")));
	assert_int_equal(db.udp_port, 0);
	assert_int_equal(db.v6_mode, MIP_V6_TO_COA);

	assert_int_equal(STAT(f, fh_auth_verified), 1);
	assert_int_equal(STAT(f, fh_auth_replies), 1);
	assert_int_equal(STAT(f, tunnel_mode_fa), 1);
	assert_int_equal(STAT(f, tunnel_mode_ignored), 0);
	assert_int_equal(STAT(f, via_fa_accepted), 1);
	assert_int_equal(STAT(f, prefix_accepted_coa), 1);

	/* deregistration through the FA of every binding (coa = home
	 * address): removed; no FH auth on a deregistration (3.5.4) */
	struct rq q = { .lifetime = 0, .coa = a4("192.0.2.10"), .id = 2 };
	uint8_t buf[256];
	size_t len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_false(f->parsed.fh.present);
	assert_int_equal(f->rep.dst_addr, a4("198.51.100.2"));
	assert_int_equal(ha_reg_binding_count(f->reg), 0);
	assert_int_equal(f->ch.n_del, 1);
	assert_int_equal(f->ch.del[0].coa, 0);
	assert_int_equal(f->ch.n_removed, 1);
}

/* RFC 5944 3.8.2.1 c: a failing FH auth, an unknown SPI, a missing one
 * from an FA we share an association with: 132, nothing bound, the reply
 * still authenticated for the FA. */
static void test_fa_auth_failed(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];
	struct ha_reg_rx rx;
	struct rq q = { .flags = MIP4_F_T, .lifetime = 300, .coa = a4("198.51.100.1"), .id = 1,
			.fh = true, .fh_corrupt = true };
	size_t len = rq_build(&q, buf, sizeof(buf));

	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_HA_FA_AUTH);
	assert_string_equal(f->rep.why, "foreign-home authenticator mismatch");
	assert_true(f->parsed.fh.present);
	assert_int_equal(mip4_auth_verify(f->rep.buf, f->rep.len, &f->parsed.fh, FAKEY, FAKEY_LEN),
			 0);

	q.fh_corrupt = false;
	q.fh_spi = 501;
	q.id = 2;
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_HA_FA_AUTH);
	assert_string_equal(f->rep.why, "foreign-home authentication: unknown SPI");

	q.fh = false;
	q.id = 3;
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_HA_FA_AUTH);
	assert_string_equal(f->rep.why, "no foreign-home authentication");

	assert_int_equal(ha_reg_binding_count(f->reg), 0);
	assert_int_equal(STAT(f, reply_fa_auth_failed), 3);
	assert_int_equal(STAT(f, fh_auth_verified), 0);

	/* 3.8.2.1 d: FH auth from an FA without an association: discarded */
	q.fh = true;
	q.fh_spi = 0;
	q.id = 4;
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.3", 434);
	assert_int_equal(reg_rx(f, &rx), -1);
	rx = rx_of(buf, len, "198.51.100.99", 434);
	assert_int_equal(reg_rx(f, &rx), -1);
	assert_int_equal(STAT(f, drop_fh_auth_without_sa), 2);

	/* an MH failure is still 131 (3.8.2.1 a, before c) */
	q.fh = false;
	len = rq_build(&q, buf, sizeof(buf));
	buf[len - 1] ^= 1;
	rx = rx_of(buf, len, "198.51.100.3", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_HA_MN_AUTH);
}

/* RFC 5454 3.4: a Tunneling Mode extension after the MH auth counts only
 * under a valid FH auth; otherwise it is ignored (counted) and the node
 * gets code 0, IPv6 through its IPv4 home address. */
static void test_fa_tunnel_mode_needs_fh(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];
	struct ha_reg_rx rx;
	const struct mip_binding *b;
	struct rq q = { .flags = MIP4_F_T, .lifetime = 300, .coa = a4("198.51.100.5"), .id = 1,
			.prefix = "2001:db8:47:1::", .tm_after = true };
	size_t len = rq_build(&q, buf, sizeof(buf));

	/* a listed FA without an association: no FH, ignored */
	rx = rx_of(buf, len, "198.51.100.3", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_false(f->parsed.fh.present);
	assert_int_equal(f->parsed.n_prefix, 1);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.5"));
	assert_non_null(b);
	assert_int_equal(b->v6_mode, MIP_V6_TO_HOA);
	assert_int_equal(STAT(f, tunnel_mode_ignored), 1);

	/* the SA'd FA, but the extension after its FH auth: not covered */
	q = (struct rq){ .flags = MIP4_F_T, .lifetime = 300, .coa = a4("198.51.100.1"), .id = 2,
			 .prefix = "2001:db8:47:1::", .fh = true, .tm_after_fh = true };
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	assert_int_equal(STAT(f, tunnel_mode_ignored), 2);

	/* covered by the FH auth but D set (a co-located node through an FA
	 * that advertises R, 3.4: never attached then) */
	q = (struct rq){ .flags = MIP4_F_T | MIP4_F_D, .lifetime = 300, .coa = a4("10.1.1.1"),
			 .id = 3, .prefix = "2001:db8:47:1::", .tm_after = true, .fh = true };
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	assert_int_equal(STAT(f, tunnel_mode_ignored), 3);
	assert_int_equal(STAT(f, tunnel_mode_fa), 0);

	/* the node's own (before the MH auth) through an FA: D clear, so
	 * not honoured either (5454 3.3.2: co-located only) */
	q = (struct rq){ .flags = MIP4_F_T, .lifetime = 300, .coa = a4("198.51.100.1"), .id = 4,
			 .prefix = "2001:db8:47:1::", .tm_before = true, .fh = true };
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);

	/* a plain FA (no extension at all): code 0, reply to it */
	q = (struct rq){ .lifetime = 300, .coa = a4("203.0.113.50"), .id = 5,
			 .prefix = "2001:db8:47:1::" };
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "203.0.113.51", 1434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	assert_false(f->parsed.fh.present);
	assert_int_equal(f->rep.dst_addr, a4("203.0.113.51"));
	assert_int_equal(f->rep.dst_port, 1434);
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("203.0.113.50"));
	assert_non_null(b);
	assert_int_equal(b->src_addr, a4("203.0.113.51"));
}

/* foreign-agent-policy "listed" and "authenticated". */
static void test_fa_policy(void **state)
{
	struct fx *f;
	uint8_t buf[256];
	struct ha_reg_rx rx;
	struct rq q = { .flags = MIP4_F_T, .lifetime = 300, .coa = a4("203.0.113.50"), .id = 1 };
	size_t len = rq_build(&q, buf, sizeof(buf));

	(void)state;
	f = fx_new("foreign-agent-policy = \"listed\";");
	rx = rx_of(buf, len, "203.0.113.51", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_HA_PROHIBITED);
	assert_string_equal(f->rep.why, "foreign agent not listed");
	rx = rx_of(buf, len, "198.51.100.3", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	/* a co-located node (D) is not relayed: the policy does not apply */
	q.flags |= MIP4_F_D;
	q.id = 2;
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "203.0.113.50", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	fx_free(f);

	f = fx_new("foreign-agent-policy = \"authenticated\";");
	q.flags = MIP4_F_T;
	q.id = 3;
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.3", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_HA_FA_AUTH);
	assert_string_equal(f->rep.why, "foreign agent without a security association");
	q.fh = true;
	q.coa = a4("198.51.100.1");
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, "198.51.100.2", 434);
	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	fx_free(f);
}

/* ---- NAT traversal (RFC 3519) ----------------------------------------------- */

/* A co-located node (care-of address 10.0.0.5) behind a NAT whose public
 * side is 203.0.113.9: D and T, an IPv6 Prefix Request and a UDP Tunnel
 * Request (encapsulation 0, RFC 5454 3.9) before the MH auth (3519 4.4). */
static const uint8_t nat_req[74] = {
	0x01, 0x22, 0x01, 0x2c,             /* request, D T, lifetime 300 */
	0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x01,
	0x0a, 0x00, 0x00, 0x05,             /* coa 10.0.0.5 (private) */
	0xe8, 0xfe, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x02,
	0x98, 0x12, 0x01, 0x40,             /* Prefix Request 2001:db8:47:2::/64 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x47, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x90, 0x06, 0x00, 0x00,             /* 144/6 UDP Tunnel Request, subtype 0 */
	0x00, 0x00, 0x00, 0x00,             /* F R clear, encapsulation 0 */
	0x20, 0x14, 0x00, 0x00, 0x01, 0x2c, /* MH auth */
	0xc7, 0xbe, 0xd9, 0x74, 0x59, 0x2e, 0x75, 0xda,
	0x38, 0x92, 0x6b, 0x47, 0xc4, 0x8b, 0xd9, 0x27,
};

/* Accepted, the prefix with code 0, then the UDP Tunnel Reply (code 0,
 * keepalive 110 s) before the MH auth (RFC 5944 3.8.3.3 b). */
static const uint8_t nat_rep[72] = {
	0x03, 0x00, 0x01, 0x2c, 0xc0, 0x00, 0x02, 0x0a,
	0xc0, 0x00, 0x02, 0x01, 0xe8, 0xfe, 0x6f, 0x80,
	0x00, 0x00, 0x00, 0x02,
	0x98, 0x14, 0x02, 0x00, 0x40, 0x00, /* Prefix Reply code 0 /64 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x47, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x2c, 0x06, 0x00, 0x00,             /* 44/6 UDP Tunnel Reply, code 0 */
	0x00, 0x00, 0x00, 0x6e,             /* F clear, keepalive 110 */
	0x20, 0x14, 0x00, 0x00, 0x01, 0x2c,
	0xb2, 0x4b, 0xef, 0x68, 0xfe, 0x16, 0xb1, 0x58,
	0x13, 0x08, 0xb1, 0xe1, 0x3b, 0xca, 0x0c, 0x8a,
};

static void test_nat_annotated(void **state)
{
	struct fx *f = *state;
	struct ha_reg_rx rx = rx_of(nat_req, sizeof(nat_req), "203.0.113.9", 40001);
	const struct mip_binding *b;
	struct dp_mip_bind db;

	assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->rep.len, sizeof(nat_rep));
	assert_memory_equal(f->rep.buf, nat_rep, sizeof(nat_rep));
	assert_true(f->parsed.has_udp_tun);
	assert_int_equal(f->parsed.udp_tun_code, 0);
	assert_int_equal(f->parsed.udp_tun_keepalive, 110);
	/* to the NAT's mapping */
	assert_int_equal(f->rep.dst_addr, a4("203.0.113.9"));
	assert_int_equal(f->rep.dst_port, 40001);

	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("10.0.0.5"));
	assert_non_null(b);
	assert_true(b->udp_tunnel);
	assert_int_equal(b->udp_keepalive, 110);
	assert_int_equal(b->src_addr, a4("203.0.113.9"));
	assert_int_equal(b->src_port, 40001);
	assert_int_equal(b->encap, ENCAP4_IPIP);
	assert_int_equal(b->v6_mode, MIP_V6_TO_HOA);
	assert_true(f->ch.has_put && f->ch.put.udp_tunnel);
	/* RFC 3519 4.6: the engine tunnels to the request's source */
	assert_int_equal(ha_tunnel_dst(b), ntohl(a4("203.0.113.9")));
	ha_dp_bind_of(b, false, &db);
	assert_int_equal(db.coa, ntohl(a4("203.0.113.9")));
	assert_int_equal(db.udp_port, 40001);
	assert_int_equal(db.home, ntohl(a4("192.0.2.10")));
	assert_int_equal(STAT(f, udp_tun_accepted), 1);

	/* restored from the store as it was (kill -9 and restart) */
	struct mip_binding copy = *b;
	struct ha_reg *r2;
	assert_int_equal(ha_reg_new(f->cfg, &r2), 0);
	assert_int_equal(ha_reg_restore(r2, &copy, T0), 0);
	b = ha_reg_lookup(r2, a4("192.0.2.10"), a4("10.0.0.5"));
	assert_non_null(b);
	assert_true(b->udp_tunnel);
	assert_int_equal(b->src_port, 40001);
	ha_reg_free(r2);
}

static int nat_code(struct fx *f, const struct rq *q, const char *src)
{
	uint8_t buf[256];
	size_t len = rq_build(q, buf, sizeof(buf));
	struct ha_reg_rx rx = rx_of(buf, len, src, 40001);

	return reg_rx(f, &rx);
}

/* RFC 3519 4.6 / 4.6.1: every answer to a UDP Tunnel Request. */
static void test_nat_cases(void **state)
{
	struct fx *f = *state;
	const struct mip_binding *b;
	struct rq q = { .flags = MIP4_F_D | MIP4_F_T, .lifetime = 300, .coa = a4("10.0.0.5"),
			.id = 1, .udp_before = true };

	/* no NAT (source = care-of address), F clear: declined (64), the
	 * binding is a plain one */
	q.coa = a4("198.51.100.40");
	assert_int_equal(nat_code(f, &q, "198.51.100.40"), MIP4_CODE_ACCEPTED);
	assert_true(f->parsed.has_udp_tun);
	assert_int_equal(f->parsed.udp_tun_code, 64);
	assert_int_equal(f->parsed.udp_tun_keepalive, 0);
	assert_true(f->parsed.udp_tun_flags == 0);
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.40"));
	assert_non_null(b);
	assert_false(b->udp_tunnel);
	assert_int_equal(STAT(f, udp_tun_declined), 1);

	/* F set without a NAT: forced (reply F) */
	q.udp_flags = 0x80;
	q.id = 2;
	assert_int_equal(nat_code(f, &q, "198.51.100.40"), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.udp_tun_code, 0);
	assert_int_equal(f->parsed.udp_tun_flags, 0x80);
	assert_int_equal(f->parsed.udp_tun_keepalive, 110);
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.40"));
	assert_true(b->udp_tunnel);

	/* R set (co-located through an FA, 4.11): declined */
	q.udp_flags = 0x40;
	q.id = 3;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.udp_tun_code, 64);

	/* encapsulation other than IP in UDP: 142 (4.1, 4.6.1) */
	q.udp_flags = 0;
	q.udp_encap = 47;
	q.id = 4;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_HA_UDP_ENCAP_UNAVAIL);
	assert_false(f->parsed.has_udp_tun);
	q.udp_encap = 0;
	q.flags |= MIP4_F_G;            /* GRE in UDP asked by the G bit */
	q.id = 5;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_HA_UDP_ENCAP_UNAVAIL);
	assert_int_equal(STAT(f, reply_udp_encap_unavailable), 2);
	q.flags &= (uint8_t)~MIP4_F_G;
	q.udp_encap = 4;                /* explicitly IP in UDP: fine */
	q.id = 6;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.udp_tun_code, 0);

	/* the node's request without D: 134 (4.6.1) */
	q.flags = MIP4_F_T;
	q.id = 7;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_HA_POORLY_FORMED);
	/* a foreign agent's (after the MH auth) with D set: 134 */
	q = (struct rq){ .flags = MIP4_F_D | MIP4_F_T, .lifetime = 300, .coa = a4("10.0.0.5"),
			 .id = 8, .udp_after = true };
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_HA_POORLY_FORMED);
	assert_int_equal(STAT(f, udp_tun_refused), 4);

	/* a foreign agent behind a NAT (D clear, after the MH auth, before
	 * its FH auth): the reply's extension after the MH auth */
	q = (struct rq){ .flags = MIP4_F_T, .lifetime = 300, .coa = a4("198.51.100.1"), .id = 9,
			 .udp_after = true, .fh = true };
	assert_int_equal(nat_code(f, &q, "198.51.100.2"), MIP4_CODE_ACCEPTED);
	assert_true(f->parsed.has_udp_tun);
	assert_int_equal(f->parsed.udp_tun_code, 0);    /* 4.5: source != coa */
	{
		size_t off = MIP4_REP_FIXED_LEN;
		while (off < f->rep.len && f->rep.buf[off] != MIP4_EXT_UDP_TUN_REPLY)
			off += 2u + f->rep.buf[off + 1];
		assert_true(off > f->parsed.mh.off && off < f->parsed.fh.off);
	}
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.1"));
	assert_non_null(b);
	assert_true(b->udp_tunnel);
	assert_int_equal(b->src_addr, a4("198.51.100.2"));
	/* the same from an FA with an association but outside its FH auth:
	 * ignored, no reply extension */
	q.id = 10;
	q.udp_after = false;
	{
		uint8_t buf[256];
		size_t len = rq_build(&q, buf, sizeof(buf));
		struct mip4_buf mb = { .data = buf, .len = len, .cap = sizeof(buf) };
		struct ha_reg_rx rx;
		assert_int_equal(mip4_put_udp_tun_request(&mb, 0, 0), 0);
		rx = rx_of(buf, mb.len, "198.51.100.2", 434);
		assert_int_equal(reg_rx(f, &rx), MIP4_CODE_ACCEPTED);
		assert_false(f->parsed.has_udp_tun);
		assert_int_equal(STAT(f, udp_tun_ignored), 1);
	}
}

/* nat-traversal = false: 129 when a NAT is seen or F set; otherwise the
 * extension is ignored (no reply extension). */
static void test_nat_off(void **state)
{
	struct fx *f = fx_new("nat-traversal = false;");
	struct rq q = { .flags = MIP4_F_D | MIP4_F_T, .lifetime = 300, .coa = a4("10.0.0.5"),
			.id = 1, .udp_before = true };

	(void)state;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_HA_PROHIBITED);
	assert_string_equal(f->rep.why, "NAT traversal is off");
	q.coa = a4("203.0.113.9");
	q.id = 2;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_ACCEPTED);
	assert_false(f->parsed.has_udp_tun);
	q.udp_flags = 0x80;
	q.id = 3;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_HA_PROHIBITED);
	fx_free(f);

	f = fx_new("nat-traversal-force = false;");
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_HA_PROHIBITED);
	assert_string_equal(f->rep.why, "forced UDP tunnelling is not allowed");
	q.coa = a4("10.0.0.5");         /* with a NAT F does not matter */
	q.id = 4;
	assert_int_equal(nat_code(f, &q, "203.0.113.9"), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->parsed.udp_tun_code, 0);
	fx_free(f);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fa_annotated),
		T(test_fa_auth_failed),
		T(test_fa_tunnel_mode_needs_fh),
		T(test_fa_policy),
		T(test_nat_annotated),
		T(test_nat_cases),
		T(test_nat_off),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
