/* Unit tests for the home agent's registration engine (mip4/ha_reg.c):
 * requests built with the codec (wire/mip4.h) and from annotated bytes,
 * replies checked byte for byte or parsed and authenticated with the
 * node's key; reply codes (RFC 5944 3.4, RFC 3024 3.4), IPv6 Prefix Reply
 * codes (RFC 5454 2.2, seed 2.2), counters and binding changes for the
 * cases of RFC 5944 3.8, 5.7, RFC 2794, RFC 3024 4.3 and RFC 5454 3.3,
 * 3.7.1, 3.8, 1.4. */
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
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"
#include "mip4/mn_reg.h"
#include "wire/encap4.h"
#include "wire/mip4.h"

#define T0 1700000000LL              /* unix seconds of "now" */

static const char conf[] =
	"ha = {\n"
	"  address = \"192.0.2.1\";\n"
	"  home-link = \"h0\";\n"
	"  home-network = \"192.0.2.0/24\";\n"
	"  home-prefixes = [ \"2001:db8:46::/64\" ];\n"
	"  max-lifetime = 600;\n"
	"  pool4 = \"192.0.2.100-192.0.2.101\";\n"
	"  pool6 = { prefix = \"2001:db8:f000::/48\"; length = 64; };\n"
	"  nodes = (\n"
	"    { name = \"mn1\"; home-address = \"192.0.2.10\"; spi = 300;\n"
	"      key-hex = \"0102030405060708090a0b0c0d0e0f10\"; max-bindings = 2;\n"
	"      prefixes = [ \"2001:db8:47::/48\", \"2001:db8:46::10/128\" ]; },\n"
	"    { name = \"mn2\"; home-address = \"192.0.2.11\"; spi = 301; replay = \"nonce\";\n"
	"      key-hex = \"2122232425262728292a2b2c2d2e2f30\";\n"
	"      prefixes = [ \"2001:db8:47:ff00::/56\" ]; },\n"
	"    { name = \"dyn\"; nai = \"dyn@example.net\"; home-address = \"0.0.0.0\";\n"
	"      spi = 302; key = \"dyn-secret\"; dynamic-ipv6 = true; },\n"
	"    { name = \"dyn2\"; nai = \"dyn2@example.net\"; home-address = \"0.0.0.0\";\n"
	"      spi = 304; key = \"dyn2-secret\"; },\n"
	"    { name = \"imp\"; home-address = \"192.0.2.12\"; spi = 303; key = \"imp-secret\";\n"
	"      implicit-prefixes = [ \"2001:db8:300::/48\" ]; }\n"
	"  );\n"
	"};\n";

static const uint8_t KEY1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t KEY2[16] = { 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
				  0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30 };

struct fx {
	struct ha_cfg *cfg;
	struct ha_reg *reg;
	struct ha_reg_reply rep;
	struct ha_reg_changes ch;
	struct mip4_reg parsed;      /* the last reply, parsed */
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

static uint64_t ts(int64_t sec, uint32_t frac)
{
	return (mip4_ntp_time(sec, 0) & 0xffffffff00000000ull) | frac;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256] = "";

	if (ha_cfg_load_string(conf, "test.conf", &f->cfg, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	assert_int_equal(ha_reg_new(f->cfg, &f->reg), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ha_reg_free(f->reg);
	ha_cfg_free(f->cfg);
	free(f);
	return 0;
}

/* A request under construction. */
struct rq {
	uint8_t flags;
	uint16_t lifetime;
	uint32_t home, ha, coa;
	uint64_t id;
	const char *nai;
	unsigned n_pfx;
	struct {
		uint8_t plen;
		struct in6_addr p;
	} pfx[MIP4_MAX_PREFIXES + 1];
	unsigned tunnel_mode;
	uint32_t spi;
	const uint8_t *key;
	size_t keylen;
	bool corrupt;                /* flip one authenticator bit */
};

static struct rq rq_mn1(uint64_t id)
{
	struct rq q = { .lifetime = 300, .home = a4("192.0.2.10"), .ha = a4("192.0.2.1"),
			.coa = a4("198.51.100.7"), .id = id, .spi = 300, .key = KEY1,
			.keylen = sizeof(KEY1) };
	return q;
}

static void rq_pfx(struct rq *q, const char *p, uint8_t plen)
{
	q->pfx[q->n_pfx].plen = plen;
	q->pfx[q->n_pfx].p = a6(p);
	q->n_pfx++;
}

static size_t rq_build(const struct rq *q, uint8_t *buf, size_t cap)
{
	struct mip4_buf b;

	mip4_buf_init(&b, buf, cap);
	assert_int_equal(mip4_put_request(&b, q->flags, q->lifetime, q->home, q->ha, q->coa, q->id),
			 0);
	if (q->nai)
		assert_int_equal(mip4_put_nai(&b, q->nai, strlen(q->nai)), 0);
	for (unsigned i = 0; i < q->n_pfx; i++)
		assert_int_equal(mip4_put_prefix_request(&b, q->pfx[i].plen, &q->pfx[i].p), 0);
	for (unsigned i = 0; i < q->tunnel_mode; i++)
		assert_int_equal(mip4_put_tunnel_mode(&b), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, q->spi, q->key, q->keylen), 0);
	if (q->corrupt)
		buf[b.len - 1] ^= 1;
	return b.len;
}

static struct ha_reg_rx rx_of(const uint8_t *buf, size_t len, int64_t now)
{
	struct ha_reg_rx rx = { .buf = buf, .len = len, .src_addr = a4("198.51.100.7"),
				.src_port = 40000, .dst_addr = a4("192.0.2.1"),
				.now = { .sec = now, .nsec = 0 }, .random = 0xabcd0001 };
	return rx;
}

/* Parse the reply and verify its authenticator with key. */
static void reply_parse(struct fx *f, const uint8_t *key, size_t keylen)
{
	assert_true(f->rep.len > 0);
	assert_int_equal(mip4_reg_parse(f->rep.buf, f->rep.len, &f->parsed, NULL), 0);
	assert_int_equal(f->parsed.type, MIP4_REG_REPLY);
	assert_true(f->parsed.mh.present);
	assert_int_equal(mip4_auth_verify(f->rep.buf, f->rep.len, &f->parsed.mh, key, keylen), 0);
	assert_int_equal(f->parsed.code, f->rep.code);
}

/* check + finish (DAD outcome failed, may be NULL); returns the code. */
static int reg_rx(struct fx *f, const struct ha_reg_rx *rx, const bool *failed, size_t want_dad)
{
	struct ha_reg_pending *p = NULL;
	int r = ha_reg_check(f->reg, rx, &f->rep, &p);

	memset(&f->ch, 0, sizeof(f->ch));
	if (r == HA_REG_DROP)
		return -1;
	if (r == HA_REG_PENDING) {
		const struct in6_addr *addrs;
		assert_int_equal(ha_reg_pending_dad(p, &addrs), want_dad);
		assert_int_equal(ha_reg_finish(f->reg, p, failed, rx->now, 0x5eed0002, &f->rep,
					       &f->ch),
				 HA_REG_REPLY);
	} else {
		assert_int_equal(r, HA_REG_REPLY);
		assert_null(p);
	}
	return f->rep.code;
}

static int reg(struct fx *f, const struct rq *q, int64_t now)
{
	uint8_t buf[1024];
	size_t len = rq_build(q, buf, sizeof(buf));
	struct ha_reg_rx rx = rx_of(buf, len, now);

	return reg_rx(f, &rx, NULL, 0);
}

static const struct ha_reg_stats *st(struct fx *f)
{
	return ha_reg_stats(f->reg);
}

/* ---- accept ----------------------------------------------------------------- */

/* RFC 5944 3.3 request from annotated bytes; the whole reply (3.4) checked
 * byte for byte except the authenticator, which is verified. */
static void test_accept_bytes(void **state)
{
	struct fx *f = *state;
	uint8_t req[24 + 22] = {
		/* Registration Request */ 0x01,
		/* flags: T */ 0x02,
		/* lifetime 1000 (capped to 600) */ 0x03, 0xe8,
		/* home address 192.0.2.10 */ 192, 0, 2, 10,
		/* home agent 192.0.2.1 */ 192, 0, 2, 1,
		/* care-of 198.51.100.7 */ 198, 51, 100, 7,
		/* identification: NTP seconds of T0, fraction */ 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44,
		/* MH auth: type 32, length 20, SPI 300 */ 32, 20, 0, 0, 0x01, 0x2c,
		/* authenticator, filled below */
	};
	uint32_t ntp = (uint32_t)(mip4_ntp_time(T0, 0) >> 32);
	struct mip4_reg m;
	struct ha_reg_rx rx;
	const struct mip_binding *b;

	put_be32(req + 16, ntp);
	assert_int_equal(mip4_reg_parse(req, sizeof(req), &m, NULL), 0);
	assert_int_equal(mip4_auth_compute(req, sizeof(req), &m.mh, KEY1, sizeof(KEY1), req + 30),
			 0);
	rx = rx_of(req, sizeof(req), T0);
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_ACCEPTED);
	const uint8_t want[20] = {
		/* Registration Reply, code 0 */ 0x03, 0x00,
		/* lifetime 600 (RFC 5944 3.8.3.2: reduced) */ 0x02, 0x58,
		/* home address */ 192, 0, 2, 10,
		/* home agent */ 192, 0, 2, 1,
		/* identification copied (5.7.1) */ 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44,
	};
	uint8_t w[20];
	memcpy(w, want, sizeof(w));
	put_be32(w + 12, ntp);
	assert_int_equal(f->rep.len, 20 + 22);
	assert_memory_equal(f->rep.buf, w, 20);
	const uint8_t auth_hdr[6] = { 32, 20, 0, 0, 0x01, 0x2c };
	assert_memory_equal(f->rep.buf + 20, auth_hdr, 6);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->rep.src_addr, a4("192.0.2.1"));
	assert_int_equal(f->rep.dst_addr, a4("198.51.100.7"));
	assert_int_equal(f->rep.dst_port, 40000);
	assert_false(f->rep.on_home_link);
	assert_string_equal(f->rep.node, "mn1");
	assert_null(f->rep.why);

	/* the binding, its changes */
	assert_true(f->ch.has_put);
	assert_int_equal(f->ch.n_del, 0);
	assert_int_equal(f->ch.n_removed, 0);
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.7"));
	assert_non_null(b);
	assert_memory_equal(b, &f->ch.put, sizeof(*b));
	assert_int_equal(b->expires, T0 + 600);
	assert_int_equal(b->registered, T0);
	assert_int_equal(b->flags, MIP4_F_T);
	assert_int_equal(b->encap, ENCAP4_IPIP);
	assert_int_equal(b->v6_mode, MIP_V6_NONE);
	assert_int_equal(b->n_prefix, 0);
	assert_int_equal(b->home_agent, a4("192.0.2.1"));
	assert_int_equal(b->src_port, 40000);
	assert_int_equal(ha_reg_binding_count(f->reg), 1);
	assert_int_equal(ha_reg_next_expiry(f->reg), T0 + 600);
	assert_int_equal(st(f)->rx_requests, 1);
	assert_int_equal(st(f)->pending, 1);
	assert_int_equal(st(f)->tx_replies, 1);
	assert_int_equal(st(f)->reply_accepted, 1);
	assert_int_equal(st(f)->bindings_added, 1);
	assert_string_equal(ha_reg_node_of(f->reg, a4("192.0.2.10"))->name, "mn1");
}

/* RFC 5454 2.1 request and 2.2 reply from annotated bytes: a co-located
 * node (D) with the Tunneling Mode extension (2.3) asks for a /64. */
static void test_prefix_bytes(void **state)
{
	struct fx *f = *state;
	uint8_t req[] = {
		/* Registration Request, flags D */ 0x01, 0x20,
		/* lifetime 60 */ 0x00, 0x3c,
		/* home address 192.0.2.10 */ 192, 0, 2, 10,
		/* home agent 192.0.2.1 */ 192, 0, 2, 1,
		/* care-of 198.51.100.7 */ 198, 51, 100, 7,
		/* identification */ 0, 0, 0, 0, 0xa0, 0xb0, 0xc0, 0xd0,
		/* DSMIPv4 ext 152, length 18, subtype 1, prefix length 64 */ 152, 18, 1, 64,
		/* 2001:db8:47:1:: */ 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x47, 0x00, 0x01,
		0, 0, 0, 0, 0, 0, 0, 0,
		/* DSMIPv4 ext 152, length 2, subtype 3 (tunnelling mode), reserved */
		152, 2, 3, 0,
		/* MH auth: type 32, length 20, SPI 300 */ 32, 20, 0, 0, 0x01, 0x2c,
		/* authenticator, filled below */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	const uint8_t want_ext[22] = {
		/* DSMIPv4 ext 152, length 20, subtype 2, code 1 (to the care-of
		 * address), prefix length 64, reserved */ 152, 20, 2, 1, 64, 0,
		/* 2001:db8:47:1:: */ 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x47, 0x00, 0x01,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint32_t ntp = (uint32_t)(mip4_ntp_time(T0, 0) >> 32);
	struct mip4_reg m;
	struct ha_reg_rx rx;

	put_be32(req + 16, ntp);
	assert_int_equal(mip4_reg_parse(req, sizeof(req), &m, NULL), 0);
	assert_int_equal(m.n_prefix, 1);
	assert_int_equal(m.n_tunnel_mode, 1);
	assert_int_equal(mip4_auth_compute(req, sizeof(req), &m.mh, KEY1, sizeof(KEY1),
					   req + sizeof(req) - 16),
			 0);
	rx = rx_of(req, sizeof(req), T0);
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_ACCEPTED);
	/* fixed part 20, the prefix reply, then the authentication */
	assert_int_equal(f->rep.len, 20 + 22 + 22);
	assert_memory_equal(f->rep.buf + 20, want_ext, sizeof(want_ext));
	assert_int_equal(f->rep.buf[42], MIP4_EXT_MH_AUTH);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.lifetime, 60);
	assert_int_equal(f->ch.put.v6_mode, MIP_V6_TO_COA);
	assert_int_equal(f->ch.put.flags, MIP4_F_D);
	assert_int_equal(f->ch.put.expires, T0 + 60);
}

/* RFC 5454 3.3: one reply per request, codes by mode; the prefix field as
 * sent; a /48 needs no DAD. */
static void test_accept_ipv6(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	const struct mip_binding *b;

	rq_pfx(&q, "2001:db8:47:1::", 64);
	rq_pfx(&q, "2001:db8:47:2::99", 64);            /* host bits: bound cleared */
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.n_prefix, 2);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	assert_int_equal(f->parsed.prefix[0].plen, 64);
	assert_memory_equal(&f->parsed.prefix[1].prefix, &q.pfx[1].p, 16);   /* as sent */
	assert_int_equal(f->parsed.prefix[1].code, MIP4_V6_ACCEPT_HOA);
	/* the extensions precede the authentication (3.8.3.3) */
	assert_true(f->parsed.prefix[1].off < f->parsed.mh.off);
	b = ha_reg_lookup(f->reg, q.home, q.coa);
	assert_int_equal(b->v6_mode, MIP_V6_TO_HOA);
	assert_int_equal(b->n_prefix, 2);
	struct in6_addr want = a6("2001:db8:47:2::");
	assert_memory_equal(&b->prefix[1].prefix, &want, 16);
	assert_ptr_equal(ha_reg_lookup_v6(f->reg, &q.pfx[1].p), b);
	struct in6_addr other = a6("2001:db8:48::1");
	assert_null(ha_reg_lookup_v6(f->reg, &other));
	assert_int_equal(st(f)->prefix_accepted_hoa, 2);
	assert_int_equal(st(f)->dad_probes, 0);
}

/* RFC 5454 2.3: a co-located node's Tunneling Mode extension -> code 1. */
static void test_tunnel_mode_coa(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));

	q.flags = MIP4_F_D;
	q.tunnel_mode = 1;
	rq_pfx(&q, "2001:db8:47:1::", 64);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_COA);
	assert_int_equal(ha_reg_lookup(f->reg, q.home, q.coa)->v6_mode, MIP_V6_TO_COA);
	assert_int_equal(st(f)->prefix_accepted_coa, 1);

	/* two Tunneling Mode extensions: 134 (RFC 5454 3.1 "exactly one") */
	q = rq_mn1(ts(T0, 2));
	q.flags = MIP4_F_D;
	q.tunnel_mode = 2;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_POORLY_FORMED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.n_prefix, 0);
	assert_int_equal(st(f)->reply_poorly_formed, 1);
}

/* Prefix codes 8, 9, 10 in one reply; a rejected prefix is not bound. */
static void test_prefix_rejects(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	const struct mip_binding *b;

	rq_pfx(&q, "2001:db8:47:5::", 64);                 /* 0: allowed */
	rq_pfx(&q, "2001:db8:300::", 64);                  /* 9: imp's */
	rq_pfx(&q, "2001:db8:9999::", 64);                 /* 10: not served */
	rq_pfx(&q, "2001:db8:47::1", 255);                 /* 8: plen 255, not link-local */
	rq_pfx(&q, "2001:db8:46::", 64);                   /* 9: the home prefix itself */
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.n_prefix, 5);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	assert_int_equal(f->parsed.prefix[1].code, MIP4_V6_REJECT_PROHIBITED);
	assert_int_equal(f->parsed.prefix[2].code, MIP4_V6_REJECT_NOT_HOME_SUBNET);
	assert_int_equal(f->parsed.prefix[3].code, MIP4_V6_REJECT_UNSPEC);
	assert_int_equal(f->parsed.prefix[3].plen, 255);
	assert_int_equal(f->parsed.prefix[4].code, MIP4_V6_REJECT_PROHIBITED);
	for (unsigned i = 0; i < 5; i++)
		assert_memory_equal(&f->parsed.prefix[i].prefix, &q.pfx[i].p, 16);
	b = ha_reg_lookup(f->reg, q.home, q.coa);
	assert_int_equal(b->n_prefix, 1);
	assert_int_equal(st(f)->prefix_rejected_prohibited, 2);
	assert_int_equal(st(f)->prefix_rejected_not_home_subnet, 1);
	assert_int_equal(st(f)->prefix_rejected_unspecified, 1);
}

/* RFC 5454 3.3: the same prefix twice -> one reply. */
static void test_duplicate_prefix(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));

	rq_pfx(&q, "2001:db8:47:1::", 64);
	rq_pfx(&q, "2001:db8:47:1::", 64);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.n_prefix, 1);
	assert_int_equal(st(f)->prefix_duplicate_ignored, 1);
	assert_int_equal(ha_reg_lookup(f->reg, q.home, q.coa)->n_prefix, 1);
}

/* Seed 3.3: a /128 of the home link is probed; DAD failure -> 11; once
 * bound it is not probed again. */
static void test_dad(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	uint8_t buf[512];
	size_t len;
	struct ha_reg_rx rx;
	struct ha_reg_pending *p;
	const struct in6_addr *addrs;
	bool failed[1] = { true };
	struct in6_addr h10 = a6("2001:db8:46::10");

	rq_pfx(&q, "2001:db8:46::10", 128);
	rq_pfx(&q, "2001:db8:47:1::", 64);
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	assert_int_equal(ha_reg_check(f->reg, &rx, &f->rep, &p), HA_REG_PENDING);
	assert_int_equal(ha_reg_pending_dad(p, &addrs), 1);
	assert_memory_equal(&addrs[0], &h10, 16);
	assert_int_equal(st(f)->dad_probes, 1);
	/* a retransmission meanwhile is dropped */
	{
		struct ha_reg_reply r2;
		struct ha_reg_pending *p2 = NULL;
		assert_int_equal(ha_reg_check(f->reg, &rx, &r2, &p2), HA_REG_DROP);
		assert_int_equal(r2.len, 0);
		assert_non_null(r2.why);
		assert_int_equal(st(f)->drop_retransmission_pending, 1);
	}
	assert_int_equal(ha_reg_finish(f->reg, p, failed, rx.now, 1, &f->rep, &f->ch),
			 HA_REG_REPLY);
	assert_int_equal(f->rep.code, MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.n_prefix, 2);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_REJECT_DAD_FAILED);
	assert_int_equal(f->parsed.prefix[1].code, MIP4_V6_ACCEPT_HOA);
	assert_int_equal(f->ch.put.n_prefix, 1);
	assert_int_equal(st(f)->dad_failed, 1);
	assert_int_equal(st(f)->prefix_rejected_dad_failed, 1);

	/* DAD succeeds */
	q.id = ts(T0, 2);
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	failed[0] = false;
	assert_int_equal(reg_rx(f, &rx, failed, 1), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	assert_int_equal(f->ch.put.n_prefix, 2);
	assert_int_equal(f->ch.n_removed, 1);               /* the old one replaced */
	assert_int_equal(f->ch.n_del, 1);

	/* bound already: no probe */
	q.id = ts(T0, 3);
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_ACCEPTED);
	assert_int_equal(st(f)->dad_probes, 2);
}

/* RFC 5454 3.3: no overlap between prefixes of different nodes. */
static void test_overlap(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	uint8_t buf[512];
	size_t len;
	struct ha_reg_rx rx;

	rq_pfx(&q, "2001:db8:47::", 48);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	/* mn2 (nonce style) asks for a /56 inside mn1's /48 */
	memset(&q, 0, sizeof(q));
	q.lifetime = 300;
	q.home = a4("192.0.2.11");
	q.ha = a4("192.0.2.1");
	q.coa = a4("198.51.100.8");
	q.spi = 301;
	q.key = KEY2;
	q.keylen = sizeof(KEY2);
	q.id = 0x1111111122222222ull;                       /* no nonce yet: 133 */
	rq_pfx(&q, "2001:db8:47:ff00::", 56);
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	rx.random = 0x77777777;
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_HA_ID_MISMATCH);
	reply_parse(f, KEY2, sizeof(KEY2));
	assert_int_equal(f->parsed.id, 0x7777777722222222ull);
	q.id = 0x7777777733333333ull;
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY2, sizeof(KEY2));
	assert_int_equal(f->parsed.n_prefix, 1);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_REJECT_PROHIBITED);
	assert_int_equal(f->ch.put.n_prefix, 0);
	assert_int_equal(f->ch.put.v6_mode, MIP_V6_NONE);
	/* the next nonce is the one finish was given */
	assert_int_equal(f->parsed.id, 0x5eed000233333333ull);
}

/* ---- rejections --------------------------------------------------------------- */

static void test_auth_failed(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));

	q.corrupt = true;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_MN_AUTH);
	reply_parse(f, KEY1, sizeof(KEY1));                 /* 3.8.2.1 a: authenticated */
	assert_int_equal(f->parsed.id, q.id);
	assert_string_equal(f->rep.why, "authenticator mismatch");
	assert_int_equal(st(f)->reply_mn_auth_failed, 1);
	assert_int_equal(ha_reg_binding_count(f->reg), 0);
	/* the wrong SPI */
	q = rq_mn1(ts(T0, 2));
	q.spi = 999;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_MN_AUTH);
	assert_string_equal(f->rep.why, "unknown SPI");
	/* a failed request does not advance the identification */
	q = rq_mn1(ts(T0, 1));
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
}

/* RFC 5944 5.7.1: too old, not increasing -> 133 with our time. */
static void test_id_mismatch_timestamp(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0 - 100, 0x42));

	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_ID_MISMATCH);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.id, ts(T0, 0x42));      /* resync: our seconds */
	assert_int_equal(st(f)->reply_id_mismatch, 1);
	/* resynchronised */
	q.id = ts(T0, 0x43);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	/* not greater than the accepted one */
	q.id = ts(T0, 0x40);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_ID_MISMATCH);
	/* within the window (7 s) */
	q.id = ts(T0 + 7, 1);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	q.id = ts(T0 + 20, 1);
	assert_int_equal(reg(f, &q, T0 + 12), MIP4_CODE_HA_ID_MISMATCH);
}

/* RFC 5944 5.7.2: nonces. */
static void test_id_mismatch_nonce(void **state)
{
	struct fx *f = *state;
	struct rq q = { .lifetime = 100, .home = a4("192.0.2.11"), .ha = a4("192.0.2.1"),
			.coa = a4("198.51.100.8"), .id = 0x0102030405060708ull, .spi = 301,
			.key = KEY2, .keylen = sizeof(KEY2) };
	uint8_t buf[256];
	size_t len = rq_build(&q, buf, sizeof(buf));
	struct ha_reg_rx rx = rx_of(buf, len, T0);

	rx.random = 0xcafef00d;
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_HA_ID_MISMATCH);
	reply_parse(f, KEY2, sizeof(KEY2));
	assert_int_equal(f->parsed.id, 0xcafef00d05060708ull);
	/* the same request again: the nonce is still wrong, a new one */
	rx.random = 0xbeef0001;
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_HA_ID_MISMATCH);
	reply_parse(f, KEY2, sizeof(KEY2));
	assert_int_equal(f->parsed.id, 0xbeef000105060708ull);
	/* the old nonce no longer works */
	q.id = 0xcafef00d11111111ull;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_ID_MISMATCH);
	reply_parse(f, KEY2, sizeof(KEY2));
	assert_int_equal(f->parsed.id, 0xabcd000111111111ull);   /* rx.random */
	q.id = (uint64_t)(f->parsed.id & 0xffffffff00000000ull) | 0x22222222u;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY2, sizeof(KEY2));
	assert_int_equal(f->parsed.id, 0x5eed000222222222ull);
	assert_int_equal(st(f)->reply_id_mismatch, 3);
	/* a retransmission of the accepted request: a duplicate (3.8.2.2) */
	assert_int_equal(reg(f, &q, T0 + 50), MIP4_CODE_ACCEPTED);
	assert_int_equal(ha_reg_lookup(f->reg, q.home, q.coa)->expires, T0 + 100);
}

/* RFC 3024 4.3 and the encapsulations. */
static void test_revtun_encap(void **state)
{
	struct fx *f = *state;
	struct ha_cfg *c = f->cfg;
	struct rq q = rq_mn1(ts(T0, 1));

	c->reverse_tunnel = HA_REVTUN_OFF;
	q.flags = MIP4_F_T;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_REVTUN_UNAVAIL);
	reply_parse(f, KEY1, sizeof(KEY1));
	c->reverse_tunnel = HA_REVTUN_REQUIRED;
	q = rq_mn1(ts(T0, 2));
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_REVTUN_MANDATORY);
	q.flags = MIP4_F_T;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	c->reverse_tunnel = HA_REVTUN_ALLOWED;
	c->encap_gre = false;
	q = rq_mn1(ts(T0, 3));
	q.flags = MIP4_F_G;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_ENCAP_UNAVAIL);
	c->encap_minimal = false;
	q.flags = MIP4_F_M;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_ENCAP_UNAVAIL);
	c->encap_gre = c->encap_minimal = true;
	q.flags = MIP4_F_G | MIP4_F_M;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.put.encap, ENCAP4_GRE);
	assert_int_equal(f->ch.put.flags, MIP4_F_G);
	q = rq_mn1(ts(T0, 4));
	q.flags = MIP4_F_M | MIP4_F_B;
	c->forward_broadcast = false;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.put.encap, ENCAP4_MINIMAL);
	assert_int_equal(f->ch.put.flags, MIP4_F_M);        /* B ignored */
	assert_int_equal(st(f)->reply_revtun_unavailable, 1);
	assert_int_equal(st(f)->reply_revtun_mandatory, 1);
	assert_int_equal(st(f)->reply_encap_unavailable, 2);
}

/* RFC 5944 3.8.2.1: broadcast -> 136 with our unicast address. */
static void test_unknown_ha(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	uint8_t buf[256];
	size_t len = rq_build(&q, buf, sizeof(buf));
	struct ha_reg_rx rx = rx_of(buf, len, T0);

	rx.dst_addr = a4("192.0.2.255");
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_HA_UNKNOWN_HA);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.home_agent, a4("192.0.2.1"));
	assert_int_equal(f->rep.src_addr, a4("192.0.2.1"));
	rx.dst_addr = a4("255.255.255.255");
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_HA_UNKNOWN_HA);
	/* a Home Agent field that is not ours */
	q = rq_mn1(ts(T0, 2));
	q.ha = a4("192.0.2.255");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_UNKNOWN_HA);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.home_agent, a4("192.0.2.1"));
	assert_int_equal(st(f)->reply_unknown_ha, 3);
	assert_int_equal(ha_reg_binding_count(f->reg), 0);
}

/* RFC 5944 3.6.1.2 S bit, max-bindings, 135, code 1. */
static void test_simultaneous(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	const struct mip_binding *first;

	q.flags = MIP4_F_S;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	q.id = ts(T0, 2);
	q.coa = a4("198.51.100.9");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.n_del, 0);
	assert_int_equal(ha_reg_lookup_home(f->reg, q.home, &first), 2);
	assert_int_equal(first[0].coa, a4("198.51.100.7"));
	assert_int_equal(first[1].coa, a4("198.51.100.9"));
	q.id = ts(T0, 3);
	q.coa = a4("198.51.100.10");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_TOO_MANY_BINDINGS);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(st(f)->reply_too_many_bindings, 1);
	/* renewing one of the two is fine */
	q.coa = a4("198.51.100.9");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.n_removed, 1);
	assert_int_equal(f->ch.removed[0].coa, q.coa);
	/* without S every other binding goes */
	q.id = ts(T0, 4);
	q.flags = 0;
	q.coa = a4("198.51.100.10");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.n_del, 1);
	assert_int_equal(f->ch.del[0].coa, 0);
	assert_int_equal(f->ch.n_removed, 2);
	assert_int_equal(ha_reg_lookup_home(f->reg, q.home, &first), 1);
	/* a node with max-bindings 1 and S: code 1 */
	q = (struct rq){ .flags = MIP4_F_S, .lifetime = 100, .home = a4("192.0.2.12"),
			 .ha = a4("192.0.2.1"), .coa = a4("198.51.100.20"), .id = ts(T0, 1),
			 .spi = 303, .key = (const uint8_t *)"imp-secret", .keylen = 10 };
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED_NO_SIMUL);
	assert_int_equal(f->ch.put.flags & MIP4_F_S, 0);
	assert_int_equal(st(f)->reply_accepted_no_simul, 1);
}

/* RFC 5944 3.8.2.2: lifetime 0 deregisters one or all; 3.8.3.1 from home. */
static void test_deregistration(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	uint8_t buf[256];
	size_t len;
	struct ha_reg_rx rx;

	q.flags = MIP4_F_S;
	rq_pfx(&q, "2001:db8:47:1::", 64);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	q.id = ts(T0, 2);
	q.coa = a4("198.51.100.9");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	/* one care-of address */
	q.id = ts(T0, 3);
	q.lifetime = 0;
	q.n_pfx = 0;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.lifetime, 0);
	assert_int_equal(f->ch.n_del, 1);
	assert_int_equal(f->ch.del[0].coa, a4("198.51.100.9"));
	assert_false(f->ch.has_put);
	assert_int_equal(ha_reg_binding_count(f->reg), 1);
	/* from home: all, answered on the home link */
	q.id = ts(T0, 4);
	q.coa = q.home;
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	rx.src_addr = q.home;
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_ACCEPTED);
	assert_true(f->rep.on_home_link);
	assert_int_equal(f->rep.dst_addr, q.home);
	assert_int_equal(f->ch.n_del, 1);
	assert_int_equal(f->ch.del[0].home_addr, q.home);
	assert_int_equal(f->ch.del[0].coa, 0);
	assert_int_equal(f->ch.n_removed, 1);
	assert_int_equal(f->ch.removed[0].n_prefix, 1);
	assert_int_equal(ha_reg_binding_count(f->reg), 0);
	assert_int_equal(st(f)->bindings_removed, 2);
	/* nothing to remove: still accepted */
	q.id = ts(T0, 5);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.n_del, 0);
}

/* RFC 5454 3.8: a prefix left out of a re-registration is removed. */
static void test_prefix_left_out(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));

	rq_pfx(&q, "2001:db8:47:1::", 64);
	rq_pfx(&q, "2001:db8:47:2::", 64);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.put.n_prefix, 2);
	q.id = ts(T0, 2);
	q.n_pfx = 1;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.put.n_prefix, 1);
	assert_int_equal(f->ch.n_removed, 1);
	assert_int_equal(f->ch.removed[0].n_prefix, 2);      /* withdraw the old set */
	struct in6_addr gone = a6("2001:db8:47:2::1");
	assert_null(ha_reg_lookup_v6(f->reg, &gone));
}

/* RFC 5944 3.8.2.2: a duplicate does not extend the lifetime. */
static void test_lifetime(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));

	q.lifetime = 0xffff;                                /* capped to 600 */
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.lifetime, 600);
	assert_int_equal(f->ch.put.expires, T0 + 600);
	assert_int_equal(reg(f, &q, T0 + 5), MIP4_CODE_ACCEPTED);   /* duplicate */
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.lifetime, 595);
	assert_int_equal(f->ch.put.expires, T0 + 600);
	/* infinity when the home agent allows it (RFC 5944 3.3) */
	f->cfg->max_lifetime = 0xffff;
	q.id = ts(T0 + 5, 2);
	assert_int_equal(reg(f, &q, T0 + 5), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.put.expires, INT64_MAX);
	assert_int_equal(ha_reg_next_expiry(f->reg), INT64_MAX);
}

/* RFC 2794: home address 0 + NAI; the pool; seed 3.7.1 dynamic IPv6. */
static void test_dynamic(void **state)
{
	struct fx *f = *state;
	const uint8_t *k = (const uint8_t *)"dyn-secret";
	struct rq q = { .lifetime = 300, .home = 0, .ha = a4("192.0.2.1"),
			.coa = a4("198.51.100.30"), .id = ts(T0, 1), .nai = "dyn@example.net",
			.spi = 302, .key = k, .keylen = 10 };
	uint8_t buf[512];
	size_t len;
	struct ha_reg_rx rx;
	bool ok[1] = { false };

	rq_pfx(&q, "::", 64);                                /* a prefix from pool6 */
	rq_pfx(&q, "::1:2:3:4", 128);                        /* PREFIX::iid */
	rq_pfx(&q, "fe80::1:2:3:4", 255);                    /* link-local (5454 3.7.1) */
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	assert_int_equal(reg_rx(f, &rx, ok, 1), MIP4_CODE_ACCEPTED);
	reply_parse(f, k, 10);
	assert_int_equal(f->parsed.home_addr, a4("192.0.2.100"));
	assert_int_equal(f->parsed.nai_len, strlen("dyn@example.net"));
	assert_memory_equal(f->parsed.nai, "dyn@example.net", f->parsed.nai_len);
	assert_int_equal(f->parsed.n_prefix, 3);
	struct in6_addr p0 = a6("2001:db8:f000::"), p1 = a6("2001:db8:46::1:2:3:4");
	assert_memory_equal(&f->parsed.prefix[0].prefix, &p0, 16);
	assert_int_equal(f->parsed.prefix[0].plen, 64);
	assert_memory_equal(&f->parsed.prefix[1].prefix, &p1, 16);
	assert_int_equal(f->parsed.prefix[1].plen, 128);
	assert_int_equal(f->parsed.prefix[2].plen, 255);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(f->parsed.prefix[i].code, MIP4_V6_ACCEPT_HOA);
	assert_int_equal(f->ch.put.home_addr, a4("192.0.2.100"));
	assert_string_equal(f->ch.put.nai, "dyn@example.net");
	assert_string_equal(ha_reg_node_of(f->reg, a4("192.0.2.100"))->name, "dyn");
	assert_int_equal(st(f)->home_addr_assigned, 1);
	assert_int_equal(st(f)->prefix_assigned, 1);
	/* renewing with 0 again: the same address and prefix */
	q.id = ts(T0, 2);
	q.n_pfx = 1;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, k, 10);
	assert_int_equal(f->parsed.home_addr, a4("192.0.2.100"));
	assert_memory_equal(&f->parsed.prefix[0].prefix, &p0, 16);
	/* renewing with the assigned values */
	q.id = ts(T0, 3);
	q.home = a4("192.0.2.100");
	q.n_pfx = 0;
	rq_pfx(&q, "2001:db8:f000::", 64);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, k, 10);
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_ACCEPT_HOA);
	/* another pool address is not this node's */
	q.id = ts(T0, 4);
	q.home = a4("192.0.2.101");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_PROHIBITED);
	assert_int_equal(st(f)->reply_prohibited, 1);
	/* a node without dynamic-ipv6 asking for a zero prefix: 9 */
	struct rq q1 = rq_mn1(ts(T0, 1));
	rq_pfx(&q1, "::", 64);
	assert_int_equal(reg(f, &q1, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, KEY1, sizeof(KEY1));
	assert_int_equal(f->parsed.prefix[0].code, MIP4_V6_REJECT_PROHIBITED);
	/* expiry gives the address back */
	assert_int_equal(ha_reg_expire(f->reg, T0 + 300, NULL, NULL), 2);
	assert_null(ha_reg_node_of(f->reg, a4("192.0.2.100")));
	assert_int_equal(st(f)->bindings_expired, 2);
}

/* RFC 2794: the pool exhausted -> 130, the reply's home address 0. */
static void test_pool_exhausted(void **state)
{
	struct fx *f = *state;
	struct rq q = { .lifetime = 300, .ha = a4("192.0.2.1"), .coa = a4("198.51.100.30"),
			.id = ts(T0, 1), .nai = "dyn@example.net", .spi = 302,
			.key = (const uint8_t *)"dyn-secret", .keylen = 10 };

	f->cfg->pool4_last = f->cfg->pool4_first;        /* one address */
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, q.key, q.keylen);
	assert_int_equal(f->parsed.home_addr, a4("192.0.2.100"));
	q.nai = "dyn2@example.net";
	q.spi = 304;
	q.key = (const uint8_t *)"dyn2-secret";
	q.keylen = 11;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_RESOURCES);
	reply_parse(f, q.key, q.keylen);
	assert_int_equal(f->parsed.home_addr, 0);
	assert_string_equal(f->rep.why, "home address pool exhausted");
	assert_int_equal(st(f)->reply_no_resources, 1);
	/* the first node's address is not the second's either (129) */
	q.home = a4("192.0.2.100");
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_PROHIBITED);
	/* once the first one's binding expires the address is free again */
	assert_int_equal(ha_reg_expire(f->reg, T0 + 300, NULL, NULL), 1);
	q.home = 0;
	q.id = ts(T0, 2);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_string_equal(ha_reg_node_of(f->reg, a4("192.0.2.100"))->name, "dyn2");
}

/* RFC 5454 1.4: implicit prefixes bound with every registration, to the
 * home address, without a reply extension. */
static void test_implicit(void **state)
{
	struct fx *f = *state;
	struct rq q = { .flags = MIP4_F_D, .lifetime = 100, .home = a4("192.0.2.12"),
			.ha = a4("192.0.2.1"), .coa = a4("198.51.100.20"), .id = ts(T0, 1),
			.spi = 303, .key = (const uint8_t *)"imp-secret", .keylen = 10,
			.tunnel_mode = 1 };
	struct in6_addr in = a6("2001:db8:300:5::1");

	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	reply_parse(f, q.key, q.keylen);
	assert_int_equal(f->parsed.n_prefix, 0);
	assert_int_equal(f->ch.put.n_prefix, 1);
	assert_int_equal(f->ch.put.prefix[0].plen, 48);
	assert_int_equal(f->ch.put.v6_mode, MIP_V6_TO_HOA);
	assert_non_null(ha_reg_lookup_v6(f->reg, &in));
	assert_int_equal(ha_reg_lookup_v6(f->reg, &in)->home_addr, q.home);

	/* an implicit prefix another node holds (restored from an older
	 * configuration) is left out rather than shared (5454 3.3) */
	assert_int_equal(ha_reg_release(f->reg, q.home, 0, NULL, NULL), 1);
	struct mip_binding old = { .home_addr = a4("192.0.2.10"), .coa = a4("198.51.100.7"),
				   .expires = T0 + 100, .n_prefix = 1 };
	old.prefix[0].prefix = a6("2001:db8:300:1::");
	old.prefix[0].plen = 64;
	assert_int_equal(ha_reg_restore(f->reg, &old, T0), 0);
	q.id = ts(T0, 2);
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	assert_int_equal(f->ch.put.n_prefix, 0);
	assert_int_equal(f->ch.put.v6_mode, MIP_V6_NONE);
}

/* 3.8.2.1 a, d and the parser's drops, each counted. */
static void test_drops(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	uint8_t buf[256];
	size_t len = rq_build(&q, buf, sizeof(buf));
	struct ha_reg_rx rx = rx_of(buf, 10, T0);
	struct ha_reg_pending *p = (struct ha_reg_pending *)0x1;

	assert_int_equal(ha_reg_check(f->reg, &rx, &f->rep, &p), HA_REG_DROP);
	assert_null(p);
	assert_int_equal(st(f)->drop_truncated, 1);
	/* no authentication extension */
	rx = rx_of(buf, 24, T0);
	assert_int_equal(ha_reg_check(f->reg, &rx, &f->rep, &p), HA_REG_DROP);
	assert_int_equal(st(f)->drop_no_auth_ext, 1);
	/* an unknown node */
	q.home = a4("192.0.2.77");
	len = rq_build(&q, buf, sizeof(buf));
	rx = rx_of(buf, len, T0);
	assert_int_equal(ha_reg_check(f->reg, &rx, &f->rep, &p), HA_REG_DROP);
	assert_int_equal(st(f)->drop_no_security_association, 1);
	/* a reply is not a request */
	{
		struct mip4_buf b;
		mip4_buf_init(&b, buf, sizeof(buf));
		assert_int_equal(mip4_put_reply(&b, 0, 10, a4("192.0.2.10"), a4("192.0.2.1"), 1), 0);
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 300, KEY1, 16), 0);
		rx = rx_of(buf, b.len, T0);
	}
	assert_int_equal(ha_reg_check(f->reg, &rx, &f->rep, &p), HA_REG_DROP);
	assert_int_equal(st(f)->drop_not_request, 1);
	/* FH authentication with no foreign agent SA (d) */
	q = rq_mn1(ts(T0, 1));
	len = rq_build(&q, buf, sizeof(buf));
	{
		struct mip4_buf b = { .data = buf, .len = len, .cap = sizeof(buf) };
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_FH_AUTH, 500, KEY2, 16), 0);
		rx = rx_of(buf, b.len, T0);
	}
	assert_int_equal(ha_reg_check(f->reg, &rx, &f->rep, &p), HA_REG_DROP);
	assert_int_equal(st(f)->drop_fh_auth_without_sa, 1);
	assert_int_equal(st(f)->rx_requests, 5);
	assert_int_equal(st(f)->tx_replies, 0);
}

/* A prefix request after the MH authentication: 134 (RFC 5454 3.1). */
static void test_poorly_formed(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(ts(T0, 1));
	uint8_t buf[256];
	size_t len = rq_build(&q, buf, sizeof(buf));
	struct mip4_buf b = { .data = buf, .len = len, .cap = sizeof(buf) };
	struct in6_addr p6 = a6("2001:db8:47::");
	struct ha_reg_rx rx;

	assert_int_equal(mip4_put_prefix_request(&b, 48, &p6), 0);
	rx = rx_of(buf, b.len, T0);
	assert_int_equal(reg_rx(f, &rx, NULL, 0), MIP4_CODE_HA_POORLY_FORMED);
	reply_parse(f, KEY1, sizeof(KEY1));
	/* care-of address 0 with a lifetime */
	q = rq_mn1(ts(T0, 2));
	q.coa = 0;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_POORLY_FORMED);
	assert_int_equal(st(f)->reply_poorly_formed, 2);
}

/* Finish rechecks: a later request accepted meanwhile -> 133. */
static void test_finish_recheck(void **state)
{
	struct fx *f = *state;
	struct rq q1 = rq_mn1(ts(T0, 1)), q2 = rq_mn1(ts(T0, 2));
	uint8_t b1[256], b2[256];
	size_t l1, l2;
	struct ha_reg_rx rx1, rx2;
	struct ha_reg_pending *p1, *p2;

	rq_pfx(&q1, "2001:db8:46::10", 128);
	l1 = rq_build(&q1, b1, sizeof(b1));
	l2 = rq_build(&q2, b2, sizeof(b2));
	rx1 = rx_of(b1, l1, T0);
	rx2 = rx_of(b2, l2, T0);
	assert_int_equal(ha_reg_check(f->reg, &rx1, &f->rep, &p1), HA_REG_PENDING);
	assert_int_equal(ha_reg_check(f->reg, &rx2, &f->rep, &p2), HA_REG_PENDING);
	assert_int_equal(ha_reg_finish(f->reg, p2, NULL, rx2.now, 1, &f->rep, &f->ch),
			 HA_REG_REPLY);
	assert_int_equal(f->rep.code, MIP4_CODE_ACCEPTED);
	assert_int_equal(ha_reg_finish(f->reg, p1, NULL, rx1.now, 1, &f->rep, &f->ch),
			 HA_REG_REPLY);
	assert_int_equal(f->rep.code, MIP4_CODE_HA_ID_MISMATCH);
	assert_false(f->ch.has_put);
	/* abort forgets */
	q1.id = ts(T0, 3);
	l1 = rq_build(&q1, b1, sizeof(b1));
	rx1 = rx_of(b1, l1, T0);
	assert_int_equal(ha_reg_check(f->reg, &rx1, &f->rep, &p1), HA_REG_PENDING);
	ha_reg_abort(f->reg, p1);
	assert_int_equal(ha_reg_binding_count(f->reg), 1);
}

/* ---- restore, expire, release ------------------------------------------------------ */

static int count_cb(const struct mip_binding *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
	return 0;
}

static void gone_cb(const struct mip_binding *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
}

static void test_restore_expire_release(void **state)
{
	struct fx *f = *state;
	struct mip_binding b = { .home_addr = a4("192.0.2.10"), .coa = a4("198.51.100.7"),
				 .home_agent = a4("192.0.2.1"), .id = ts(T0, 9),
				 .expires = T0 + 100, .n_prefix = 1 };
	int n = 0, gone = 0;

	b.prefix[0].prefix = a6("2001:db8:47:1::");
	b.prefix[0].plen = 64;
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), 0);
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), -EEXIST);
	b.coa = a4("198.51.100.8");
	b.expires = T0 + 50;
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), 0);   /* max-bindings 2 */
	b.coa = a4("198.51.100.9");
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), -EEXIST);
	b.expires = T0;
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), -ESTALE);
	b.expires = T0 + 10;
	b.home_addr = a4("192.0.2.99");
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), -ENOENT);
	b.home_addr = a4("192.0.2.11");                      /* mn2: the prefix is mn1's */
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), -EEXIST);
	b.prefix[0].plen = 200;
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), -EINVAL);
	/* a pool address with the dynamic node's NAI */
	memset(&b, 0, sizeof(b));
	b.home_addr = a4("192.0.2.101");
	b.coa = a4("198.51.100.30");
	b.expires = T0 + 1000;
	strcpy(b.nai, "dyn@example.net");
	assert_int_equal(ha_reg_restore(f->reg, &b, T0), 0);
	assert_string_equal(ha_reg_node_of(f->reg, b.home_addr)->name, "dyn");
	assert_int_equal(st(f)->bindings_restored, 3);
	assert_int_equal(ha_reg_foreach(f->reg, count_cb, &n), 0);
	assert_int_equal(n, 3);
	/* the restored identification is the floor */
	struct rq q = rq_mn1(ts(T0, 8));
	q.flags = MIP4_F_S;
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_HA_ID_MISMATCH);

	assert_int_equal(ha_reg_next_expiry(f->reg), T0 + 50);
	assert_int_equal(ha_reg_expire(f->reg, T0 + 49, gone_cb, &gone), 0);
	assert_int_equal(ha_reg_expire(f->reg, T0 + 50, gone_cb, &gone), 1);
	assert_int_equal(gone, 1);
	assert_int_equal(ha_reg_next_expiry(f->reg), T0 + 100);
	assert_int_equal(ha_reg_release(f->reg, a4("192.0.2.10"), a4("198.51.100.99"), NULL, NULL),
			 0);
	assert_int_equal(ha_reg_release(f->reg, a4("192.0.2.10"), 0, gone_cb, &gone), 1);
	assert_int_equal(ha_reg_release(f->reg, a4("192.0.2.101"), a4("198.51.100.30"), gone_cb,
					&gone),
			 1);
	assert_int_equal(gone, 3);
	assert_null(ha_reg_node_of(f->reg, a4("192.0.2.101")));
	assert_int_equal(ha_reg_binding_count(f->reg), 0);
	assert_int_equal(st(f)->bindings_expired, 1);
	assert_int_equal(st(f)->bindings_released, 2);
	assert_int_equal(ha_reg_next_expiry(f->reg), INT64_MAX);
}

/* ---- against the mobile node's client (mip4/mn_reg.c) ------------------------------ */

/* One request of the client through check/finish; the reply back. */
static void mn_exchange(struct fx *f, struct mn_reg *m, struct mn_reg_out *o, uint64_t ms,
			uint32_t random)
{
	struct mn_reg_now n = { .ms = ms, .unix_sec = T0 + (int64_t)(ms / 1000), .random = random };
	struct ha_reg_rx rx;
	bool ok[MIP4_MAX_PREFIXES] = { false };

	assert_true(o->send);
	assert_int_equal(o->dst, a4("192.0.2.1"));
	rx = rx_of(o->msg, o->len, n.unix_sec);
	rx.src_addr = o->src;
	rx.random = random;
	{
		struct ha_reg_pending *p = NULL;
		int r = ha_reg_check(f->reg, &rx, &f->rep, &p);
		memset(&f->ch, 0, sizeof(f->ch));
		assert_int_not_equal(r, HA_REG_DROP);
		if (r == HA_REG_PENDING)
			ha_reg_finish(f->reg, p, ok, rx.now, random ^ 0x5a5a5a5a, &f->rep, &f->ch);
	}
	memset(o, 0, sizeof(*o));
	mn_reg_recv(m, &n, f->rep.buf, f->rep.len, f->rep.src_addr, o);
}

/* mn1 (timestamps, co-located, a /64, a home-link /128 and the Tunneling
 * Mode extension) registers, moves, and comes home. */
static void test_mn_client_timestamps(void **state)
{
	struct fx *f = *state;
	struct mn_reg *m = calloc(1, sizeof(*m));
	struct mn_reg_out *o = calloc(1, sizeof(*o));
	struct mn_reg_config c = { .home_addr = a4("192.0.2.10"), .home_agent = a4("192.0.2.1"),
				   .spi = 300, .key_len = 16, .replay = MN_REPLAY_TIMESTAMPS,
				   .lifetime = 1800, .encap = ENCAP4_IPIP, .reverse_tunnel = true,
				   .tunnel_mode = true, .n_v6 = 2, .retrans_max_ms = 32000,
				   .retrans_tries = 4 };
	struct mn_reg_now n = { .ms = 1000, .unix_sec = T0 + 1, .random = 7 };

	memcpy(c.key, KEY1, 16);
	c.v6[0] = (struct mip_prefix){ .prefix = a6("2001:db8:47:1::"), .plen = 64 };
	c.v6[1] = (struct mip_prefix){ .prefix = a6("2001:db8:46::10"), .plen = 128 };
	assert_int_equal(mn_reg_init(m, &c), 0);
	assert_int_equal(mn_reg_away(m, &n, a4("198.51.100.7"), o), 0);
	mn_exchange(f, m, o, 1000, 7);
	assert_true(o->events & MN_EV_REGISTERED);
	assert_int_equal(o->binding.lifetime, 600);        /* capped by the home agent */
	assert_int_equal(o->binding.n_v6, 2);
	assert_int_equal(o->binding.v6[0].outcome, MN_V6_ACCEPTED);
	assert_int_equal(o->binding.v6[0].mode, MIP_V6_TO_COA);
	assert_int_equal(o->binding.v6[1].outcome, MN_V6_ACCEPTED);
	assert_int_equal(ha_reg_lookup(f->reg, c.home_addr, a4("198.51.100.7"))->v6_mode,
			 MIP_V6_TO_COA);
	assert_int_equal(st(f)->dad_probes, 1);

	/* a move */
	n = (struct mn_reg_now){ .ms = 5000, .unix_sec = T0 + 5, .random = 8 };
	memset(o, 0, sizeof(*o));
	assert_int_equal(mn_reg_away(m, &n, a4("198.51.100.9"), o), 0);
	mn_exchange(f, m, o, 5000, 8);
	assert_true(o->events & MN_EV_REGISTERED);
	assert_int_equal(ha_reg_binding_count(f->reg), 1);
	assert_non_null(ha_reg_lookup(f->reg, c.home_addr, a4("198.51.100.9")));
	assert_int_equal(st(f)->dad_probes, 1);             /* bound already */

	/* home: every binding goes, the reply on the home link */
	n = (struct mn_reg_now){ .ms = 9000, .unix_sec = T0 + 9, .random = 9 };
	memset(o, 0, sizeof(*o));
	mn_reg_home(m, &n, o);
	mn_exchange(f, m, o, 9000, 9);
	assert_true(f->rep.on_home_link);
	assert_true(o->events & MN_EV_DEREGISTERED);
	assert_true(o->dereg_confirmed);
	assert_int_equal(ha_reg_binding_count(f->reg), 0);
	free(m);
	free(o);
}

/* The dynamic node (NAI, nonces): 133 resync, then a home address from
 * pool4 and IPv6 from pool6 and the home link (seed 3.7.1). */
static void test_mn_client_dynamic_nonces(void **state)
{
	struct fx *f = *state;
	struct mn_reg *m = calloc(1, sizeof(*m));
	struct mn_reg_out *o = calloc(1, sizeof(*o));
	struct mn_reg_config c = { .home_addr = 0, .home_agent = a4("192.0.2.1"), .spi = 302,
				   .key_len = 10, .replay = MN_REPLAY_NONCES, .lifetime = 300,
				   .encap = ENCAP4_IPIP, .n_v6 = 2, .retrans_max_ms = 32000,
				   .retrans_tries = 4 };
	struct mn_reg_now n = { .ms = 1000, .unix_sec = T0 + 1, .random = 7 };

	/* the node of the configuration uses timestamps: make it nonces */
	f->cfg->nodes[2].replay = HA_REPLAY_NONCE;
	strcpy(c.nai, "dyn@example.net");
	memcpy(c.key, "dyn-secret", 10);
	c.v6[0] = (struct mip_prefix){ .prefix = a6("::"), .plen = 64 };
	c.v6[1] = (struct mip_prefix){ .prefix = a6("::211:22ff:fe33:4455"), .plen = 128 };
	assert_int_equal(mn_reg_init(m, &c), 0);
	assert_int_equal(mn_reg_away(m, &n, a4("198.51.100.30"), o), 0);
	mn_exchange(f, m, o, 1000, 0x11111111);
	assert_int_equal(f->rep.code, MIP4_CODE_HA_ID_MISMATCH);
	assert_int_equal(st(f)->reply_id_mismatch, 1);
	/* the client answers the 133 at once with our nonce */
	mn_exchange(f, m, o, 1000, 0x22222222);
	assert_int_equal(f->rep.code, MIP4_CODE_ACCEPTED);
	assert_true(o->events & MN_EV_REGISTERED);
	assert_int_equal(o->binding.home_addr, a4("192.0.2.100"));
	assert_int_equal(o->binding.n_v6, 2);
	assert_int_equal(o->binding.v6[0].outcome, MN_V6_ACCEPTED);
	struct in6_addr p0 = a6("2001:db8:f000::"), p1 = a6("2001:db8:46::211:22ff:fe33:4455");
	assert_memory_equal(&o->binding.v6[0].granted.prefix, &p0, 16);
	assert_int_equal(o->binding.v6[1].outcome, MN_V6_ACCEPTED);
	assert_memory_equal(&o->binding.v6[1].granted.prefix, &p1, 16);
	assert_int_equal(st(f)->home_addr_assigned, 1);
	free(m);
	free(o);
}

/* A renewal of the same (home address, care-of address) replaces the
 * binding where it is in the sorted table (no delete + insert); the
 * changes are the same as a replacement's: delete (home, 0), put, the old
 * binding reported removed. */
static int collect_home(const struct mip_binding *b, void *arg)
{
	uint32_t *v = arg;

	v[++v[0]] = ntohl(b->home_addr);
	return 0;
}

static void test_renew_in_place(void **state)
{
	struct fx *f = *state;
	struct mip_binding o11 = { .home_addr = a4("192.0.2.11"), .coa = a4("198.51.100.11"),
				   .expires = T0 + 500, .registered = T0 - 100 };
	struct mip_binding o12 = { .home_addr = a4("192.0.2.12"), .coa = a4("198.51.100.12"),
				   .expires = T0 + 500, .registered = T0 - 100 };
	const struct mip_binding *b0, *b;
	uint32_t order[8] = { 0 };
	struct rq q;

	assert_int_equal(ha_reg_restore(f->reg, &o11, T0), 0);
	assert_int_equal(ha_reg_restore(f->reg, &o12, T0), 0);
	q = rq_mn1(ts(T0, 1));
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	b0 = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.7"));
	assert_non_null(b0);
	assert_int_equal(b0->expires, T0 + 300);

	/* renewed 100 s later: the same slot, new lifetime and id */
	q = rq_mn1(ts(T0 + 100, 2));
	assert_int_equal(reg(f, &q, T0 + 100), MIP4_CODE_ACCEPTED);
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.7"));
	assert_ptr_equal(b, b0);
	assert_int_equal(b->expires, T0 + 400);
	assert_int_equal(b->id, ts(T0 + 100, 2));
	assert_int_equal(b->registered, T0 + 100);
	assert_memory_equal(b, &f->ch.put, sizeof(*b));
	assert_int_equal(f->ch.n_del, 1);
	assert_int_equal(f->ch.del[0].home_addr, a4("192.0.2.10"));
	assert_int_equal(f->ch.del[0].coa, 0);
	assert_true(f->ch.has_put);
	assert_int_equal(f->ch.n_removed, 1);
	assert_int_equal(f->ch.removed[0].id, ts(T0, 1));
	assert_int_equal(f->ch.removed[0].expires, T0 + 300);
	assert_int_equal(ha_reg_binding_count(f->reg), 3);
	assert_int_equal(st(f)->bindings_added, 1);
	assert_int_equal(st(f)->bindings_removed, 0);
	/* still sorted */
	assert_int_equal(ha_reg_foreach(f->reg, collect_home, order), 0);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 0xc000020a);
	assert_int_equal(order[2], 0xc000020b);
	assert_int_equal(order[3], 0xc000020c);
	assert_int_equal(ha_reg_next_expiry(f->reg), T0 + 400);

	/* another care-of address without S: the first goes, the new one
	 * comes (no simultaneous bindings) */
	q = rq_mn1(ts(T0 + 200, 3));
	q.coa = a4("198.51.100.8");
	assert_int_equal(reg(f, &q, T0 + 200), MIP4_CODE_ACCEPTED);
	assert_null(ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.7")));
	b = ha_reg_lookup(f->reg, a4("192.0.2.10"), a4("198.51.100.8"));
	assert_non_null(b);
	assert_int_equal(b->expires, T0 + 500);
	assert_int_equal(f->ch.n_del, 1);
	assert_int_equal(f->ch.del[0].coa, 0);
	assert_int_equal(f->ch.n_removed, 1);
	assert_int_equal(f->ch.removed[0].coa, a4("198.51.100.7"));
	assert_int_equal(ha_reg_binding_count(f->reg), 3);
	assert_int_equal(st(f)->bindings_added, 2);
	assert_int_equal(st(f)->bindings_removed, 1);
	memset(order, 0, sizeof(order));
	assert_int_equal(ha_reg_foreach(f->reg, collect_home, order), 0);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 0xc000020a);
	assert_int_equal(order[3], 0xc000020c);
	/* the nodes are still found by home address and NAI (hashed) */
	assert_string_equal(ha_reg_node_of(f->reg, a4("192.0.2.11"))->name, "mn2");
	assert_string_equal(ha_reg_node_of(f->reg, a4("192.0.2.12"))->name, "imp");
	assert_null(ha_reg_node_of(f->reg, a4("192.0.2.13")));
	assert_null(ha_reg_node_of(f->reg, 0));
}

static void test_stat_names(void **state)
{
	struct fx *f = *state;

	assert_true(ha_reg_stat_count() > 40);
	assert_string_equal(ha_reg_stat_name(0), "rx_requests");
	assert_null(ha_reg_stat_name(ha_reg_stat_count()));
	struct rq q = rq_mn1(ts(T0, 1));
	assert_int_equal(reg(f, &q, T0), MIP4_CODE_ACCEPTED);
	for (size_t i = 0; i < ha_reg_stat_count(); i++)
		if (strcmp(ha_reg_stat_name(i), "reply_accepted") == 0)
			assert_int_equal(ha_reg_stat_get(st(f), i), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_accept_bytes),
		T(test_prefix_bytes),
		T(test_accept_ipv6),
		T(test_tunnel_mode_coa),
		T(test_prefix_rejects),
		T(test_duplicate_prefix),
		T(test_dad),
		T(test_overlap),
		T(test_auth_failed),
		T(test_id_mismatch_timestamp),
		T(test_id_mismatch_nonce),
		T(test_revtun_encap),
		T(test_unknown_ha),
		T(test_simultaneous),
		T(test_deregistration),
		T(test_prefix_left_out),
		T(test_lifetime),
		T(test_dynamic),
		T(test_pool_exhausted),
		T(test_implicit),
		T(test_drops),
		T(test_poorly_formed),
		T(test_finish_recheck),
		T(test_restore_expire_release),
		T(test_mn_client_timestamps),
		T(test_mn_client_dynamic_nonces),
		T(test_renew_in_place),
		T(test_stat_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
