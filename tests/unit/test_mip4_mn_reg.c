/* Unit tests for the mobile node's registration client (mip4/mn_reg.c):
 * the state machine from IDLE through registration, renewal, moves,
 * retransmission and give-up, 133 resynchronisation, dropped replies with
 * their named counters, the RFC 5454 3.5 reply cases, the link-local
 * request (3.7.1), deregistration from home (RFC 5944 3.6.1.2, C.3),
 * prefix removal (RFC 5454 3.8), a dynamic home address (RFC 2794), and
 * the state file.  Requests are checked byte for byte (RFC 5944 3.3,
 * RFC 5454 3.1); replies are built with the codec (wire/mip4.h) and
 * authenticated with the node's HMAC-MD5 key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "mip4/mn_reg.h"
#include "wire/agentadv.h"
#include "wire/mip4.h"
#include "wire/udptun.h"

#define T0 1700000000LL              /* unix seconds at ms 0: NTP 0xe8fe6f80 */
#define SPI 0x1234u
#define NAI "mn1@example.net"

static const uint8_t KEY[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

static struct mn_reg M;
static struct mn_reg_out O;
static uint32_t rnd = 0x1234;        /* the "random" number of the next input */

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

#define HOME a4("192.0.2.10")
#define HA a4("192.0.2.1")
#define COA1 a4("198.51.100.20")
#define COA2 a4("203.0.113.30")

static struct mip_prefix pfx(const char *s, uint8_t plen)
{
	return (struct mip_prefix){ .prefix = a6(s), .plen = plen };
}

/* struct mip_prefix has padding: compare its fields. */
#define assert_prefix(got, s, len)                                           \
	do {                                                                 \
		struct in6_addr want_ = a6(s);                               \
		assert_memory_equal(&(got).prefix, &want_, 16);              \
		assert_int_equal((got).plen, (len));                         \
	} while (0)

static struct mn_reg_now at(uint64_t ms)
{
	return (struct mn_reg_now){ .ms = ms,
				    .unix_sec = T0 + (int64_t)(ms / 1000),
				    .unix_nsec = (uint32_t)(ms % 1000) * 1000000u,
				    .random = rnd };
}

/* The timestamp identification of a request sent at ms (RFC 5944 5.7.1). */
static uint64_t ts_id(uint64_t ms, int32_t offset, uint32_t random)
{
	struct mn_reg_now n = at(ms);
	uint64_t ntp = mip4_ntp_time(n.unix_sec, n.unix_nsec);
	uint32_t sec = (uint32_t)(ntp >> 32) + (uint32_t)offset;

	return (uint64_t)sec << 32 | ((uint32_t)ntp & 0xffff0000u) | (random & 0xffffu);
}

static struct mn_reg_config base_cfg(void)
{
	struct mn_reg_config c = {
		.home_addr = HOME,
		.home_agent = HA,
		.spi = SPI,
		.key_len = sizeof(KEY),
		.replay = MN_REPLAY_TIMESTAMPS,
		.lifetime = 1800,
		.encap = ENCAP4_IPIP,
		.reverse_tunnel = true,
		.tunnel_mode = true,
		.retrans_max_ms = 32000,
		.retrans_tries = 6,
	};
	memcpy(c.key, KEY, sizeof(KEY));
	return c;
}

static void start(const struct mn_reg_config *c)
{
	rnd = 0x1234;
	assert_int_equal(mn_reg_init(&M, c), 0);
	assert_int_equal(M.state, MN_REG_IDLE);
	assert_int_equal(mn_reg_next_timeout(&M), UINT64_MAX);
}

/* ---- inputs --------------------------------------------------------------- */

static void away(uint64_t ms, uint32_t coa)
{
	struct mn_reg_now n = at(ms);
	assert_int_equal(mn_reg_away(&M, &n, coa, &O), 0);
}

static void home(uint64_t ms)
{
	struct mn_reg_now n = at(ms);
	mn_reg_home(&M, &n, &O);
}

static void tick(uint64_t ms)
{
	struct mn_reg_now n = at(ms);
	mn_reg_tick(&M, &n, &O);
}

static void recv_from(uint64_t ms, const uint8_t *msg, size_t len, uint32_t src)
{
	struct mn_reg_now n = at(ms);
	mn_reg_recv(&M, &n, msg, len, src, &O);
}

static void recv_ha(uint64_t ms, const uint8_t *msg, size_t len)
{
	recv_from(ms, msg, len, HA);
}

/* ---- the request sent ----------------------------------------------------- */

/* O holds one request: parse it with the codec and verify its MH
 * authenticator with the node's key. */
static void sent(struct mip4_reg *r)
{
	enum mip4_err why;

	assert_true(O.send);
	assert_int_equal(O.dst, HA);
	assert_int_equal(mip4_reg_parse(O.msg, O.len, r, &why), 0);
	assert_int_equal(r->type, MIP4_REG_REQUEST);
	assert_true(r->mh.present);
	assert_int_equal(r->mh.spi, SPI);
	assert_int_equal(r->mh.off + 6 + 16, O.len);   /* MH auth last */
	assert_int_equal(mip4_auth_verify(O.msg, O.len, &r->mh, KEY, sizeof(KEY)), 0);
}

static uint64_t sent_id(void)
{
	struct mip4_reg r;

	sent(&r);
	return r.id;
}

/* ---- replies (built with the codec) --------------------------------------- */

struct px {
	uint8_t code, plen;
	const char *prefix;
};

struct rep {
	uint8_t code;
	uint16_t lifetime;
	uint32_t home, ha;           /* 0: HOME, HA */
	uint64_t id;
	const char *nai;
	unsigned n;
	struct px px[MIP4_MAX_PREFIXES];
	uint32_t spi;                /* 0: SPI */
	const uint8_t *key;          /* NULL: KEY */
	bool no_auth;
	bool px_after_auth;          /* the Prefix Replies after the MH auth */
	int udp;                     /* UDP Tunnel Reply: 0 none, 1 before the
	                                MH auth, 2 after it */
	uint8_t udp_code;
	uint16_t udp_ka;
};

static size_t mkreply(uint8_t *buf, size_t cap, const struct rep *q)
{
	struct mip4_buf b;
	struct in6_addr p;

	mip4_buf_init(&b, buf, cap);
	assert_int_equal(mip4_put_reply(&b, q->code, q->lifetime, q->home ? q->home : HOME,
					q->ha ? q->ha : HA, q->id),
			 0);
	if (q->nai)
		assert_int_equal(mip4_put_nai(&b, q->nai, strlen(q->nai)), 0);
	for (unsigned i = 0; i < q->n && !q->px_after_auth; i++) {
		p = a6(q->px[i].prefix);
		assert_int_equal(mip4_put_prefix_reply(&b, q->px[i].code, q->px[i].plen, &p), 0);
	}
	if (q->udp == 1)
		assert_int_equal(mip4_put_udp_tun_reply(&b, 0, q->udp_code, q->udp_ka), 0);
	if (!q->no_auth)
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, q->spi ? q->spi : SPI,
					       q->key ? q->key : KEY, sizeof(KEY)),
				 0);
	if (q->udp == 2)
		assert_int_equal(mip4_put_udp_tun_reply(&b, 0, q->udp_code, q->udp_ka), 0);
	for (unsigned i = 0; i < q->n && q->px_after_auth; i++) {
		p = a6(q->px[i].prefix);
		assert_int_equal(mip4_put_prefix_reply(&b, q->px[i].code, q->px[i].plen, &p), 0);
	}
	return b.len;
}

static void recv_rep(uint64_t ms, const struct rep *q)
{
	uint8_t buf[1024];
	size_t len = mkreply(buf, sizeof(buf), q);

	recv_ha(ms, buf, len);
}

/* Accept the pending request with code 0 and lifetime life. */
static void accept_(uint64_t ms, uint16_t life)
{
	struct rep q = { .code = 0, .lifetime = life, .id = M.p.id,
			 .home = M.p.home_addr ? M.p.home_addr : HOME };
	recv_rep(ms, &q);
}

/* IDLE -> REGISTERED at coa: request at t, accepted at t + 100. */
static void register_at(uint64_t t, uint32_t coa)
{
	away(t, coa);
	assert_true(O.send);
	accept_(t + 100, M.cfg.lifetime);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_true(O.events & MN_EV_REGISTERED);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mn_reg_state_name(MN_REG_IDLE), "IDLE");
	assert_string_equal(mn_reg_state_name(MN_REG_REREGISTERING), "REREGISTERING");
	assert_string_equal(mn_reg_state_name(MN_REG_FAILED), "FAILED");
	assert_string_equal(mn_reg_state_name(MN_REG_STATE_COUNT), "INVALID");
	assert_string_equal(mn_replay_name(MN_REPLAY_NONCES), "nonces");
	assert_string_equal(mn_reg_udp_tunnel_name(MN_REG_UDP_TUNNEL_OFF), "off");
	assert_string_equal(mn_reg_udp_tunnel_name(MN_REG_UDP_TUNNEL_AUTO), "auto");
	assert_string_equal(mn_reg_udp_tunnel_name(MN_REG_UDP_TUNNEL_FORCE), "force");
	assert_string_equal(mn_reg_udp_tunnel_name(MN_REG_UDP_TUNNEL_COUNT), "INVALID");
	assert_string_equal(mn_v6_outcome_name(MN_V6_NO_REPLY), "no-reply");
	assert_string_equal(mn_lost_name(MN_LOST_GAVE_UP), "no reply from the home agent");
	assert_int_equal(mn_reg_stat_count() * sizeof(uint64_t), sizeof(struct mn_reg_stats));
	assert_string_equal(mn_reg_stat_names[0], "tx_registrations");
	assert_string_equal(mn_reg_stat_names[mn_reg_stat_count() - 1], "encap_delivery_retries");
	struct mn_reg_stats st = { 0 };
	st.encap_delivery_retries = 7;
	assert_int_equal(mn_reg_stat_get(&st, mn_reg_stat_count() - 1), 7);
	assert_int_equal(mn_reg_stat_get(&st, mn_reg_stat_count()), 0);

	struct mip_prefix p = pfx("2001:db8::", 64);
	assert_int_equal(mn_v6_kind_of(&p), MN_V6_STATIC);
	p = pfx("::", 64);
	assert_int_equal(mn_v6_kind_of(&p), MN_V6_DYNAMIC);
	p = pfx("::211:22ff:fe33:4455", 128);
	assert_int_equal(mn_v6_kind_of(&p), MN_V6_IID);
	p = pfx("::211:22ff:fe33:4455", 64);   /* not /128: a (strange) prefix */
	assert_int_equal(mn_v6_kind_of(&p), MN_V6_STATIC);
	p = pfx("fe80::c000:20a", 255);
	assert_int_equal(mn_v6_kind_of(&p), MN_V6_LINK_LOCAL);
	assert_int_equal(mn_reg_v6_mode(0, true), MIP_V6_TO_HOA);
	assert_int_equal(mn_reg_v6_mode(1, true), MIP_V6_TO_COA);
	assert_int_equal(mn_reg_v6_mode(1, false), MIP_V6_TO_HOA);
	assert_int_equal(mn_reg_v6_mode(8, true), MIP_V6_NONE);
}

static void test_init_invalid(void **state)
{
	(void)state;
	struct mn_reg_config c;
	struct mn_reg_now n = at(0);

#define BAD(stmt)                                                   \
	do {                                                        \
		c = base_cfg();                                     \
		stmt;                                               \
		assert_int_equal(mn_reg_init(&M, &c), -EINVAL);     \
	} while (0)
	BAD(c.home_agent = a4("224.0.0.1"));
	BAD(c.home_agent = 0);
	BAD(c.home_addr = c.home_agent);
	BAD(c.home_addr = a4("127.0.0.1"));
	BAD(c.home_addr = 0);                 /* assigned needs an NAI */
	BAD(c.spi = 255);
	BAD(c.key_len = 0);
	BAD(c.key_len = MN_REG_KEY_MAX + 1);
	BAD(c.replay = MN_REPLAY_COUNT);
	BAD(c.lifetime = 0);
	BAD(c.encap = ENCAP4_6IN4);
	BAD(c.retrans_max_ms = 999);
	BAD(c.retrans_tries = 0);
	BAD(c.n_v6 = 1; c.v6[0].plen = 129);
	BAD(c.n_v6 = MN_REG_MAX_V6; c.v6_link_local = true);
	BAD(c.udp_tunnel = MN_REG_UDP_TUNNEL_COUNT);
#undef BAD
	c = base_cfg();
	c.home_addr = 0;
	strcpy(c.nai, NAI);
	assert_int_equal(mn_reg_init(&M, &c), 0);

	start((c = base_cfg(), &c));
	assert_int_equal(mn_reg_away(&M, &n, HOME, &O), -EINVAL);
	assert_int_equal(mn_reg_away(&M, &n, HA, &O), -EINVAL);
	assert_int_equal(mn_reg_away(&M, &n, a4("255.255.255.255"), &O), -EINVAL);
	assert_int_equal(mn_reg_away(&M, &n, 0, &O), -EINVAL);
	assert_false(O.send);
	assert_int_equal(M.state, MN_REG_IDLE);
}

/* RFC 5944 3.3, 3.6.1.2: D (co-located) and T, IP in IP, Mobile-Home
 * authentication the only extension. */
static void test_request_bytes_plain(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_buf b;
	uint8_t want[64];

	start(&c);
	away(0, COA1);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_true(M.pending);
	assert_true(O.send);
	assert_int_equal(O.src, COA1);
	assert_int_equal(O.dst, HA);
	assert_int_equal(O.ttl, MN_REG_TTL);
	assert_int_equal(O.events, 0);

	static const uint8_t fixed[] = {
		/* type 1, flags D|T */ 0x01, 0x22,
		/* lifetime 1800 */ 0x07, 0x08,
		/* home address 192.0.2.10 */ 0xc0, 0x00, 0x02, 0x0a,
		/* home agent 192.0.2.1 */ 0xc0, 0x00, 0x02, 0x01,
		/* care-of address 198.51.100.20 */ 0xc6, 0x33, 0x64, 0x14,
		/* identification: NTP seconds, fraction 0, random 0x1234 */
		0xe8, 0xfe, 0x6f, 0x80, 0x00, 0x00, 0x12, 0x34,
	};
	memcpy(want, fixed, sizeof(fixed));
	mip4_buf_init(&b, want, sizeof(want));
	b.len = sizeof(fixed);
	/* MH auth: type 32, length 20, SPI 0x1234, HMAC-MD5 over all before */
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	assert_int_equal(b.len, 24 + 22);
	assert_memory_equal(want + 24, ((const uint8_t[]){ 32, 20, 0x00, 0x00, 0x12, 0x34 }), 6);
	assert_int_equal(O.len, b.len);
	assert_memory_equal(O.msg, want, b.len);

	assert_int_equal(M.stats.tx_registrations, 1);
	assert_int_equal(mn_reg_next_timeout(&M), 1000);
	assert_null(mn_reg_binding(&M));
}

/* RFC 5454 3.1, RFC 2794: NAI, Prefix Requests in configuration order,
 * one Tunneling Mode, MH auth last; G for GRE, no T. */
static void test_request_bytes_extensions(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_buf b;
	uint8_t want[256];
	size_t n = 0;

	strcpy(c.nai, "mn@x");
	c.encap = ENCAP4_GRE;
	c.reverse_tunnel = false;
	c.n_v6 = 3;
	c.v6[0] = pfx("2001:db8:46:1::", 64);
	c.v6[1] = pfx("::", 56);                      /* dynamic, hint /56 */
	c.v6[2] = pfx("::211:22ff:fe33:4455", 128);  /* ::iid/128 */
	start(&c);
	away(2500, COA2);

	static const uint8_t fixed[] = {
		/* type 1, flags D|G */ 0x01, 0x28,
		/* lifetime 1800 */ 0x07, 0x08,
		/* home address */ 0xc0, 0x00, 0x02, 0x0a,
		/* home agent */ 0xc0, 0x00, 0x02, 0x01,
		/* care-of address 203.0.113.30 */ 0xcb, 0x00, 0x71, 0x1e,
		/* identification: NTP 0xe8fe6f82.80000000 (2.5 s), random 0x1234 */
		0xe8, 0xfe, 0x6f, 0x82, 0x80, 0x00, 0x12, 0x34,
		/* NAI (RFC 2794): type 131, length 4, "mn@x" */
		131, 4, 'm', 'n', '@', 'x',
		/* DSMIPv4 Prefix Request: type 152, length 18, subtype 1, /64 */
		152, 18, 1, 64,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
		/* Prefix Request: zero prefix, /56 */
		152, 18, 1, 56,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* Prefix Request: ::211:22ff:fe33:4455/128 */
		152, 18, 1, 128,
		0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55,
		/* IPv6 Tunneling Mode: type 152, length 2, subtype 3, reserved */
		152, 2, 3, 0,
	};
	n = sizeof(fixed);
	memcpy(want, fixed, n);
	mip4_buf_init(&b, want, sizeof(want));
	b.len = n;
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	assert_int_equal(O.len, b.len);
	assert_memory_equal(O.msg, want, b.len);

	struct mip4_reg r;
	sent(&r);
	assert_int_equal(r.n_prefix, 3);
	assert_int_equal(r.n_tunnel_mode, 1);
	assert_true(mip4_covered_by_mh(&r, r.tunnel_mode_off));

	/* minimal encapsulation: M; no IPv6 requested: no Tunneling Mode */
	c = base_cfg();
	c.encap = ENCAP4_MINIMAL;
	start(&c);
	away(0, COA1);
	sent(&r);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_T | MIP4_F_M);
	assert_int_equal(r.n_prefix, 0);
	assert_int_equal(r.n_tunnel_mode, 0);
	assert_int_equal(r.nai_len, 0);

	/* tunnel-mode off: prefixes without the extension */
	c = base_cfg();
	c.tunnel_mode = false;
	c.n_v6 = 1;
	c.v6[0] = pfx("2001:db8:46:1::", 64);
	start(&c);
	away(0, COA1);
	sent(&r);
	assert_int_equal(r.n_prefix, 1);
	assert_int_equal(r.n_tunnel_mode, 0);
}

/* IDLE -> REGISTERING -> REGISTERED -> (renewal time) REREGISTERING ->
 * REGISTERED (RFC 5944 3.6.2.2, 3.6.3). */
static void test_register_and_renew(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	const struct mn_reg_binding *b;
	uint64_t id1, id2;

	start(&c);
	away(0, COA1);
	id1 = sent_id();
	assert_int_equal(id1, ts_id(0, 0, 0x1234));
	/* granted more than requested: clipped (3.4) */
	struct rep q = { .code = MIP4_CODE_ACCEPTED, .lifetime = 3600, .id = id1 };
	recv_rep(300, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(M.pending);
	assert_false(O.send);
	assert_int_equal(O.events, MN_EV_REGISTERED);
	b = mn_reg_binding(&M);
	assert_non_null(b);
	assert_int_equal(b->home_addr, HOME);
	assert_int_equal(b->home_agent, HA);
	assert_int_equal(b->coa, COA1);
	assert_int_equal(b->lifetime, 1800);
	assert_int_equal(b->code, 0);
	assert_int_equal(b->flags, MIP4_F_D | MIP4_F_T);
	assert_int_equal(b->encap, ENCAP4_IPIP);
	assert_int_equal(b->v6_encap, ENCAP4_6IN4);
	assert_true(b->reverse_tunnel);
	assert_false(b->v6_supported);
	assert_int_equal(b->n_v6, 0);
	assert_int_equal(b->registered_ms, 300);
	/* the lifetime runs from the request's transmission */
	assert_int_equal(b->expires_ms, 1800000);
	/* max(min(3/4 L, L - B), L/2), B = 1+2+4+8+16+32 s */
	assert_int_equal(b->renew_ms, 1350000);
	assert_int_equal(O.binding.coa, COA1);
	assert_int_equal(O.binding.expires_ms, b->expires_ms);
	assert_int_equal(O.binding.renew_ms, b->renew_ms);
	assert_int_equal(mn_reg_next_timeout(&M), 1350000);
	assert_int_equal(M.stats.rx_replies, 1);
	assert_int_equal(M.stats.registrations_accepted, 1);

	tick(1349999);                    /* early: nothing */
	assert_false(O.send);
	assert_int_equal(M.state, MN_REG_REGISTERED);

	rnd = 0x9999;
	tick(1350000);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	assert_true(O.send);
	assert_int_equal(O.src, COA1);
	id2 = sent_id();
	assert_int_equal(id2, ts_id(1350000, 0, 0x9999));
	assert_true(id2 > id1);
	assert_non_null(mn_reg_binding(&M));   /* still in force */
	assert_int_equal(M.stats.tx_registrations, 2);

	/* accepted with code 1 (simultaneous bindings not supported) */
	struct rep q2 = { .code = MIP4_CODE_ACCEPTED_NO_SIMUL, .lifetime = 600, .id = id2 };
	recv_rep(1350500, &q2);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(O.events, MN_EV_REGISTERED);
	b = mn_reg_binding(&M);
	assert_int_equal(b->lifetime, 600);
	assert_int_equal(b->code, 1);
	assert_int_equal(b->expires_ms, 1350000 + 600000);
	/* L = 600 s: min(450, 537) = 450 s */
	assert_int_equal(b->renew_ms, 1350000 + 450000);
	assert_int_equal(M.stats.registrations_renewed, 1);
	assert_int_equal(M.stats.registrations_accepted, 1);

	/* the same care-of address again changes nothing */
	away(1400000, COA1);
	assert_false(O.send);
	assert_int_equal(M.state, MN_REG_REGISTERED);
}

/* A short lifetime: the renewal starts at half of it, the retransmission
 * timeouts are capped at it. */
static void test_short_lifetime(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();

	c.lifetime = 3;
	start(&c);
	away(0, COA1);
	tick(1000);
	tick(3000);                         /* 1 s, then 2 s */
	assert_int_equal(M.p.tx_count, 3);
	assert_int_equal(mn_reg_next_timeout(&M), 6000);   /* 4 s capped at 3 s */
	tick(6000);
	assert_int_equal(mn_reg_next_timeout(&M), 9000);
	accept_(6100, 3);
	/* 3 s from the last transmission (timestamps: a new id each) */
	assert_int_equal(M.b.expires_ms, 9000);
	assert_int_equal(M.b.renew_ms, 7500);

	/* infinity is never renewed */
	c = base_cfg();
	c.lifetime = MN_REG_LIFETIME_INFINITE;
	start(&c);
	away(0, COA1);
	accept_(10, MN_REG_LIFETIME_INFINITE);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.b.expires_ms, UINT64_MAX);
	assert_int_equal(M.b.renew_ms, UINT64_MAX);
	assert_int_equal(mn_reg_next_timeout(&M), UINT64_MAX);
}

/* RFC 5944 3.6.3: 1 s, doubling, capped; retrans_tries transmissions; give
 * up when the last one times out; FAILED retries after the cap. */
static void test_retransmission(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	static const uint64_t tx[] = { 0, 1000, 3000, 7000, 15000, 23000 };
	uint64_t last = 0;

	c.retrans_max_ms = 8000;
	start(&c);
	for (size_t i = 0; i < ARRAY_SIZE(tx); i++) {
		if (i == 0)
			away(tx[0], COA1);
		else
			tick(tx[i]);
		assert_int_equal(M.state, MN_REG_REGISTERING);
		assert_true(O.send);
		uint64_t id = sent_id();
		assert_int_equal(id, ts_id(tx[i], 0, 0x1234));
		assert_true(id > last);      /* a new, larger id every time */
		last = id;
		assert_int_equal(M.p.tx_count, i + 1);
		tick(tx[i] + 1);             /* nothing due */
		assert_false(O.send);
	}
	assert_int_equal(M.stats.tx_registrations, 1);
	assert_int_equal(M.stats.tx_retransmissions, 5);
	assert_int_equal(mn_reg_next_timeout(&M), 31000);
	tick(31000);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_false(M.pending);
	assert_false(O.send);
	assert_int_equal(O.events, MN_EV_LOST);
	assert_int_equal(O.lost, MN_LOST_GAVE_UP);
	assert_false(O.was_bound);
	assert_int_equal(M.stats.registrations_gave_up, 1);
	/* FAILED: again after the cap */
	assert_int_equal(mn_reg_next_timeout(&M), 39000);
	tick(38999);
	assert_false(O.send);
	rnd = 0x4321;            /* (only the low 32 bits identify a reply) */
	tick(39000);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_true(O.send);
	assert_int_equal(M.p.tx_count, 1);
	assert_int_equal(M.stats.tx_registrations, 2);
	assert_int_equal(mn_reg_next_timeout(&M), 40000);
	/* a late reply to a request of the given-up attempt is not ours */
	struct rep q = { .lifetime = 1800, .id = last };
	recv_rep(39500, &q);
	assert_int_equal(M.stats.drop_id_mismatch, 1);
	assert_int_equal(M.state, MN_REG_REGISTERING);

	/* nonces: retransmissions are the same message */
	c = base_cfg();
	c.replay = MN_REPLAY_NONCES;
	c.retrans_tries = 2;
	start(&c);
	away(0, COA1);
	uint8_t first[MN_REG_MSG_MAX];
	size_t flen = O.len;
	memcpy(first, O.msg, flen);
	assert_int_equal(sent_id(), 0x1234);     /* nonce 0 before any reply */
	rnd = 0x5555;
	tick(1000);
	assert_true(O.send);
	assert_int_equal(O.len, flen);
	assert_memory_equal(O.msg, first, flen);
	tick(3000);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.lost, MN_LOST_GAVE_UP);
}

/* A renewal given up keeps the binding until it expires; then it is lost. */
static void test_renewal_gave_up(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();

	c.lifetime = 100;
	c.retrans_max_ms = 4000;
	c.retrans_tries = 3;
	start(&c);
	register_at(0, COA1);
	/* B = 1 + 2 + 4 s: renewal at min(75, 93) = 75 s */
	assert_int_equal(M.b.renew_ms, 75000);
	tick(75000);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	tick(76000);
	tick(78000);
	assert_int_equal(M.p.tx_count, 3);
	tick(82000);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.events, 0);      /* nothing lost: the HA still holds it */
	assert_non_null(mn_reg_binding(&M));
	assert_int_equal(M.stats.registrations_gave_up, 1);
	tick(86000);                         /* FAILED -> a renewal again */
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	tick(87000);
	tick(89000);
	tick(93000);
	assert_int_equal(M.state, MN_REG_FAILED);
	tick(97000);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	assert_int_equal(mn_reg_next_timeout(&M), 98000);
	tick(98000);
	tick(100000);                        /* expiry with the request pending */
	assert_int_equal(O.events, MN_EV_LOST);
	assert_int_equal(O.lost, MN_LOST_EXPIRED);
	assert_true(O.was_bound);
	assert_null(mn_reg_binding(&M));
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_true(M.pending);
	assert_int_equal(M.stats.registrations_expired, 1);
	/* the pending request's reply is a new registration */
	accept_(100100, 100);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.stats.registrations_accepted, 2);
	assert_int_equal(M.stats.registrations_renewed, 0);

	/* a binding that expires in REGISTERED (renewal time skipped): lost,
	 * then a new registration in the same call */
	start(&c);
	register_at(0, COA1);
	tick(100000);
	assert_int_equal(O.events, MN_EV_LOST);
	assert_int_equal(O.lost, MN_LOST_EXPIRED);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_true(O.send);
}

/* RFC 5944 5.7.1 / 3.6.2.3: 133 with timestamps: the home agent's time in
 * the high 32 bits sets the offset; a new request at once. */
static void test_resync_timestamps(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	uint64_t id = 0;

	start(&c);
	away(0, COA1);
	id = sent_id();
	/* the home agent is 100 s ahead */
	struct rep q = { .code = MIP4_CODE_HA_ID_MISMATCH, .lifetime = 0,
			 .id = (uint64_t)((uint32_t)(id >> 32) + 100) << 32 | (uint32_t)id };
	rnd = 0x4242;
	recv_rep(200, &q);
	assert_int_equal(M.stats.resyncs, 1);
	assert_int_equal(M.ts_offset, 100);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_true(O.send);
	assert_int_equal(O.events, 0);
	id = sent_id();
	assert_int_equal(id, ts_id(200, 100, 0x4242));
	assert_int_equal(M.p.tx_count, 2);  /* one of the tries */
	assert_int_equal(M.stats.tx_retransmissions, 1);
	accept_(300, 1800);
	assert_int_equal(M.state, MN_REG_REGISTERED);

	/* behind by 50 s: the clock may go back once */
	start(&c);
	away(0, COA1);
	id = sent_id();
	q.id = (uint64_t)((uint32_t)(id >> 32) - 50) << 32 | (uint32_t)id;
	recv_rep(200, &q);
	assert_int_equal(M.ts_offset, -50);
	assert_int_equal(sent_id(), ts_id(200, -50, 0x1234));
	assert_true(sent_id() < id);
	/* and the offset survives a restart */
	struct mn_reg_persist ps;
	mn_reg_export(&M, &ps);
	assert_int_equal(ps.ts_offset, -50);
	assert_int_equal(ps.home_addr, 0);   /* a configured home address */
	start(&c);
	assert_int_equal(mn_reg_restore(&M, &ps), 0);
	away(5000, COA1);
	assert_int_equal(sent_id(), ts_id(5000, -50, 0x1234));

	/* a 133 to the last try gives up */
	c.retrans_tries = 1;
	start(&c);
	away(0, COA1);
	q.id = sent_id();
	recv_rep(10, &q);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_false(O.send);
	assert_int_equal(O.lost, MN_LOST_GAVE_UP);
}

/* RFC 5944 5.7.2: the home agent's nonce (high 32 bits of every reply) goes
 * into the next request; 133 retries at once with it. */
static void test_resync_nonces(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();

	c.replay = MN_REPLAY_NONCES;
	start(&c);
	away(0, COA1);
	assert_int_equal(sent_id(), 0x1234);
	struct rep q = { .code = MIP4_CODE_HA_ID_MISMATCH, .id = 0xa5a5a5a500001234ull };
	rnd = 0x77;
	recv_rep(100, &q);
	assert_int_equal(M.stats.resyncs, 1);
	assert_true(O.send);
	assert_int_equal(sent_id(), 0xa5a5a5a500000077ull);
	q = (struct rep){ .code = 0, .lifetime = 1800, .id = 0x5a5a5a5a00000077ull };
	recv_rep(200, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.nonce, 0x5a5a5a5a);
	rnd = 0x77;                          /* the same random: the low bits change */
	tick(M.b.renew_ms);
	assert_int_equal(sent_id(), 0x5a5a5a5a00000078ull);

	struct mn_reg_persist ps;
	mn_reg_export(&M, &ps);
	assert_int_equal(ps.nonce, 0x5a5a5a5a);
	assert_int_equal(mn_reg_restore(&M, &ps), -EBUSY);
}

/* RFC 5944 3.6.2.1: what is not an authentic reply to the pending request
 * is dropped and counted, the state unchanged. */
static void test_reply_drops(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	uint8_t buf[1024];
	size_t len;
	uint64_t id;
	static const uint8_t other_key[16] = { 1 };

	strcpy(c.nai, NAI);
	start(&c);
	/* nothing pending */
	struct rep q = { .lifetime = 1800, .id = 1 };
	recv_rep(0, &q);
	assert_int_equal(M.stats.drop_unexpected, 1);
	assert_int_equal(M.state, MN_REG_IDLE);

	away(0, COA1);
	id = sent_id();
	q.id = id;
	len = mkreply(buf, sizeof(buf), &q);
	recv_ha(10, buf, 10);                               /* truncated */
	assert_int_equal(M.stats.drop_malformed, 1);
	{                                                   /* a request */
		struct mip4_buf b;
		mip4_buf_init(&b, buf, sizeof(buf));
		assert_int_equal(mip4_put_request(&b, 0, 1800, HOME, HA, COA1, id), 0);
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
		recv_ha(10, buf, b.len);
	}
	assert_int_equal(M.stats.drop_not_reply, 1);
	len = mkreply(buf, sizeof(buf), &q);
	recv_from(10, buf, len, a4("192.0.2.2"));          /* not from the HA */
	assert_int_equal(M.stats.drop_wrong_source, 1);

	struct rep bad = q;
	bad.id = id ^ 1;                                    /* low 32 bits differ */
	recv_rep(10, &bad);
	bad = q;
	assert_int_equal(M.stats.drop_id_mismatch, 1);
	bad.no_auth = true;
	recv_rep(10, &bad);
	assert_int_equal(M.stats.drop_no_auth, 1);
	bad = q;
	bad.spi = SPI + 1;
	recv_rep(10, &bad);
	bad = q;
	bad.key = other_key;
	recv_rep(10, &bad);
	assert_int_equal(M.stats.drop_bad_auth, 2);
	len = mkreply(buf, sizeof(buf), &q);
	buf[3] ^= 1;                                        /* lifetime altered */
	recv_ha(10, buf, len);
	assert_int_equal(M.stats.drop_bad_auth, 3);
	bad = q;
	bad.ha = a4("192.0.2.2");
	recv_rep(10, &bad);
	assert_int_equal(M.stats.drop_wrong_home_agent, 1);
	bad = q;
	bad.nai = "mn2@example.net";
	recv_rep(10, &bad);
	assert_int_equal(M.stats.drop_nai_mismatch, 1);
	bad = q;
	bad.home = a4("192.0.2.11");
	recv_rep(10, &bad);
	assert_int_equal(M.stats.drop_wrong_home_addr, 1);

	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_int_equal(M.stats.rx_replies, 0);
	assert_false(O.send);
	assert_int_equal(O.events, 0);
	assert_int_equal(M.p.tx_count, 1);

	/* our NAI, or none: accepted */
	bad = q;
	bad.nai = NAI;
	recv_rep(20, &bad);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.stats.rx_replies, 1);
	/* a duplicate of the reply: nothing pending any more */
	recv_rep(30, &bad);
	assert_int_equal(M.stats.drop_unexpected, 2);

	/* a dynamic home address must be unicast */
	c = base_cfg();
	c.home_addr = 0;
	strcpy(c.nai, NAI);
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 1800, .id = sent_id(), .home = a4("224.0.0.5") };
	recv_rep(10, &q);
	q.home = a4("0.0.0.1");
	recv_rep(10, &q);
	assert_int_equal(M.stats.drop_bad_home_addr, 2);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	/* a rejection may name none */
	q = (struct rep){ .code = MIP4_CODE_HA_PROHIBITED, .id = M.p.id,
			  .home = a4("0.0.0.1") };
	recv_rep(10, &q);
	assert_int_equal(M.state, MN_REG_FAILED);
}

/* Rejections and a zero lifetime: FAILED, retried after the cap. */
static void test_rejected(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();

	start(&c);
	away(0, COA1);
	struct rep q = { .code = MIP4_CODE_HA_PROHIBITED, .id = sent_id() };
	recv_rep(50, &q);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.events, MN_EV_LOST);
	assert_int_equal(O.lost, MN_LOST_REJECTED);
	assert_int_equal(O.code, MIP4_CODE_HA_PROHIBITED);
	assert_false(O.was_bound);
	assert_int_equal(M.stats.registrations_rejected, 1);
	assert_int_equal(mn_reg_next_timeout(&M), 32050);
	tick(32050);
	assert_int_equal(M.state, MN_REG_REGISTERING);

	/* a rejected renewal loses the binding */
	start(&c);
	register_at(0, COA1);
	tick(M.b.renew_ms);
	q.id = sent_id();
	q.code = MIP4_CODE_HA_MN_AUTH;
	recv_rep(M.b.renew_ms + 10, &q);
	assert_int_equal(O.lost, MN_LOST_REJECTED);
	assert_int_equal(O.code, MIP4_CODE_HA_MN_AUTH);
	assert_true(O.was_bound);
	assert_null(mn_reg_binding(&M));

	/* accepted with lifetime 0: nothing bound */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .code = 0, .lifetime = 0, .id = sent_id() };
	recv_rep(50, &q);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.lost, MN_LOST_ZERO_LIFETIME);
	assert_int_equal(M.stats.registrations_zero_lifetime, 1);
	assert_null(mn_reg_binding(&M));
}

static void set_v6_cfg(struct mn_reg_config *c, const struct mip_prefix *v, unsigned n)
{
	c->n_v6 = (uint8_t)n;
	memcpy(c->v6, v, n * sizeof(*v));
}

/* RFC 5454 3.5 case 1: no Prefix Reply at all: the home agent ignores
 * IPv6; plain Mobile IPv4 goes on and the requests keep the extensions. */
static void test_v6_unsupported(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	const struct mip_prefix v[] = { pfx("2001:db8:46:1::", 64), pfx("::", 64) };
	struct mip4_reg r;

	set_v6_cfg(&c, v, 2);
	start(&c);
	register_at(0, COA1);
	const struct mn_reg_binding *b = mn_reg_binding(&M);
	assert_false(b->v6_supported);
	assert_int_equal(b->n_v6, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(b->v6[i].outcome, MN_V6_UNSUPPORTED);
		assert_int_equal(b->v6[i].mode, MIP_V6_NONE);
		assert_memory_equal(&b->v6[i].req.prefix, &v[i].prefix, 16);
		assert_int_equal(b->v6[i].req.plen, v[i].plen);
	}
	assert_int_equal(M.stats.v6_unsupported, 1);
	tick(M.b.renew_ms);
	sent(&r);
	assert_int_equal(r.n_prefix, 2);
	assert_int_equal(r.n_tunnel_mode, 1);

	/* Prefix Replies after the MH authentication do not count (3.1) */
	struct rep q = { .lifetime = 1800, .id = r.id, .n = 1, .px_after_auth = true,
			 .px = { { 0, 64, "2001:db8:46:1::" } } };
	recv_rep(M.b.renew_ms + 5, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.stats.v6_reply_unauthenticated, 1);
	assert_false(M.b.v6_supported);
	assert_int_equal(M.b.v6[0].outcome, MN_V6_UNSUPPORTED);
	assert_int_equal(M.stats.v6_unsupported, 2);
}

/* RFC 5454 3.5 cases 2 and 3: codes 0 and 1 accept (through the home
 * address, through the care-of address), 8-11 reject, a request without
 * a matching reply is rejected. */
static void test_v6_codes(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	const struct mip_prefix v[] = {
		pfx("2001:db8:1::", 64), pfx("2001:db8:2::", 64), pfx("2001:db8:3::", 64),
		pfx("2001:db8:4::", 64), pfx("2001:db8:5::", 64), pfx("2001:db8:6::", 64),
		pfx("2001:db8:7::", 64), pfx("2001:db8:8::1", 128),
	};

	set_v6_cfg(&c, v, ARRAY_SIZE(v));
	c.encap = ENCAP4_GRE;
	start(&c);
	away(0, COA1);
	struct rep q = {
		.lifetime = 1800, .id = sent_id(), .n = 7,
		.px = {
			/* in another order than requested; host bits ignored */
			{ MIP4_V6_REJECT_DAD_FAILED, 64, "2001:db8:6::" },
			{ MIP4_V6_ACCEPT_HOA, 64, "2001:db8:1::5" },
			{ MIP4_V6_ACCEPT_COA, 64, "2001:db8:2::" },
			{ MIP4_V6_REJECT_UNSPEC, 64, "2001:db8:3::" },
			{ MIP4_V6_REJECT_PROHIBITED, 64, "2001:db8:4::" },
			{ MIP4_V6_REJECT_NOT_HOME_SUBNET, 64, "2001:db8:5::" },
			{ MIP4_V6_ACCEPT_COA, 128, "2001:db8:8::1" },
		},
	};
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	const struct mn_reg_binding *b = mn_reg_binding(&M);
	assert_true(b->v6_supported);
	assert_int_equal(b->encap, ENCAP4_GRE);
	assert_int_equal(b->v6_encap, ENCAP4_GRE);
	assert_int_equal(b->n_v6, 8);
	assert_int_equal(b->v6[0].outcome, MN_V6_ACCEPTED);
	assert_int_equal(b->v6[0].code, 0);
	assert_int_equal(b->v6[0].mode, MIP_V6_TO_HOA);
	assert_prefix(b->v6[0].granted, "2001:db8:1::", 64);
	assert_int_equal(b->v6[1].outcome, MN_V6_ACCEPTED);
	assert_int_equal(b->v6[1].mode, MIP_V6_TO_COA);
	static const uint8_t rej[] = { 8, 9, 10, 11 };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(b->v6[2 + i].outcome, MN_V6_REJECTED);
		assert_int_equal(b->v6[2 + i].code, rej[i]);
		assert_int_equal(b->v6[2 + i].mode, MIP_V6_NONE);
		assert_memory_equal(&b->v6[2 + i].granted.prefix, &v[2 + i].prefix, 16);
		assert_int_equal(b->v6[2 + i].granted.plen, 64);
	}
	assert_int_equal(b->v6[6].outcome, MN_V6_NO_REPLY);
	assert_int_equal(b->v6[6].mode, MIP_V6_NONE);
	assert_int_equal(b->v6[7].outcome, MN_V6_ACCEPTED);
	assert_int_equal(b->v6[7].mode, MIP_V6_TO_COA);
	assert_int_equal(M.stats.v6_accepted_hoa, 1);
	assert_int_equal(M.stats.v6_accepted_coa, 2);
	assert_int_equal(M.stats.v6_rejected, 4);
	assert_int_equal(M.stats.v6_no_reply, 1);
	assert_int_equal(M.stats.v6_reply_unmatched, 0);
	assert_int_equal(M.stats.v6_unsupported, 0);
}

/* Dynamic requests (seed 3.7.1): a zero prefix gets an assigned prefix, a
 * ::iid/128 request a /128 ending in its interface identifier (taken
 * before any zero-prefix request, even one listed first), unusable
 * assignments are ignored. */
static void test_v6_dynamic(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	const struct mip_prefix v[] = {
		pfx("::", 64),                       /* dynamic, hint /64 */
		pfx("2001:db8:46:1::", 64),          /* static */
		pfx("::211:22ff:fe33:4455", 128),    /* ::iid */
		pfx("::", 0),                        /* dynamic, no hint */
		pfx("::", 48),                       /* dynamic: left without */
	};

	set_v6_cfg(&c, v, ARRAY_SIZE(v));
	start(&c);
	away(0, COA1);
	struct rep q = {
		.lifetime = 1800, .id = sent_id(), .n = 6,
		.px = {
			{ 0, 128, "2001:db8:99::211:22ff:fe33:4455" },  /* rule 2: the iid */
			{ 1, 64, "2001:db8:77::" },                      /* rule 3: first dynamic */
			{ 0, 64, "fe80::" },                            /* link-local: unusable */
			{ 0, 64, "::" },                                /* zero: unusable */
			{ 0, 64, "2001:db8:46:1::" },                   /* rule 1 */
			{ 0, 56, "2001:db8:88::" },                     /* rule 3: second dynamic */
		},
	};
	recv_rep(100, &q);
	const struct mn_reg_binding *b = mn_reg_binding(&M);
	assert_non_null(b);
	assert_int_equal(b->v6[0].outcome, MN_V6_ACCEPTED);
	assert_int_equal(b->v6[0].mode, MIP_V6_TO_COA);
	assert_prefix(b->v6[0].granted, "2001:db8:77::", 64);
	assert_prefix(b->v6[0].req, "::", 64);
	assert_int_equal(b->v6[1].outcome, MN_V6_ACCEPTED);
	assert_prefix(b->v6[1].granted, "2001:db8:46:1::", 64);
	assert_int_equal(b->v6[2].outcome, MN_V6_ACCEPTED);
	assert_prefix(b->v6[2].granted, "2001:db8:99::211:22ff:fe33:4455", 128);
	assert_int_equal(b->v6[3].outcome, MN_V6_ACCEPTED);
	assert_prefix(b->v6[3].granted, "2001:db8:88::", 56);
	assert_int_equal(b->v6[4].outcome, MN_V6_NO_REPLY);
	assert_int_equal(M.stats.v6_bad_assignment, 2);
	assert_int_equal(M.stats.v6_no_reply, 1);
	assert_int_equal(M.stats.v6_reply_unmatched, 0);

	/* a rejection names the request itself; a surplus reply is counted */
	start(&c);
	away(0, COA1);
	q = (struct rep){
		.lifetime = 1800, .id = sent_id(), .n = 3,
		.px = {
			{ MIP4_V6_REJECT_PROHIBITED, 64, "::" },
			{ MIP4_V6_REJECT_PROHIBITED, 128, "::211:22ff:fe33:4455" },
			{ 0, 64, "2001:db8:46:1::" },
		},
	};
	recv_rep(100, &q);
	b = mn_reg_binding(&M);
	assert_int_equal(b->v6[0].outcome, MN_V6_REJECTED);
	assert_int_equal(b->v6[0].code, MIP4_V6_REJECT_PROHIBITED);
	assert_int_equal(b->v6[1].outcome, MN_V6_ACCEPTED);
	assert_int_equal(b->v6[2].outcome, MN_V6_REJECTED);
	assert_int_equal(b->v6[3].outcome, MN_V6_NO_REPLY);
	assert_int_equal(b->v6[4].outcome, MN_V6_NO_REPLY);

	/* the same reply twice is matched once; a reply for nothing requested
	 * when no dynamic request is left is unmatched */
	const struct mip_prefix s1[] = { pfx("2001:db8:1::", 64) };
	c = base_cfg();
	set_v6_cfg(&c, s1, 1);
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 1800, .id = sent_id(), .n = 3,
			  .px = { { 0, 64, "2001:db8:1::" }, { 0, 64, "2001:db8:1::" },
				  { 0, 64, "2001:db8:2::" } } };
	recv_rep(100, &q);
	assert_int_equal(M.b.v6[0].outcome, MN_V6_ACCEPTED);
	assert_int_equal(M.stats.v6_reply_unmatched, 2);
}

/* RFC 5454 3.7.1: the link-local address (fe80::<home address>, length 255)
 * is requested only once the IPv4 home address is registered: 1 s after
 * the first request. */
static void test_link_local(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	const struct mip_prefix v[] = { pfx("2001:db8:46:1::", 64) };
	struct mip4_reg r;
	struct in6_addr ll = a6("fe80::c000:20a");

	set_v6_cfg(&c, v, 1);
	c.v6_link_local = true;
	start(&c);
	away(0, COA1);
	sent(&r);
	assert_int_equal(r.n_prefix, 1);
	assert_int_equal(r.prefix[0].plen, 64);
	accept_(200, 1800);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.b.renew_ms, 1000);
	assert_int_equal(mn_reg_next_timeout(&M), 1000);
	tick(1000);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	sent(&r);
	assert_int_equal(r.n_prefix, 2);
	assert_int_equal(r.prefix[1].plen, MIP4_V6_PLEN_LINK_LOCAL);
	assert_memory_equal(&r.prefix[1].prefix, &ll, 16);
	assert_int_equal(r.n_tunnel_mode, 1);
	/* the link-local one is after the configured ones, before Tunneling
	 * Mode: 24 + 20 + 20, then 152 18 1 255 fe80:: ... */
	assert_int_equal(r.prefix[1].off, 24 + 20);
	assert_memory_equal(O.msg + 44, ((const uint8_t[]){ 152, 18, 1, 255, 0xfe, 0x80 }), 6);
	assert_int_equal(r.tunnel_mode_off, 24 + 40);
	struct rep q = { .lifetime = 1800, .id = r.id, .n = 2,
			 .px = { { 0, 64, "2001:db8:46:1::" }, { 0, 255, "fe80::c000:20a" } } };
	recv_rep(1100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.b.v6[1].outcome, MN_V6_ACCEPTED);
	assert_int_equal(M.b.v6[1].granted.plen, 255);
	assert_memory_equal(&M.b.v6[1].granted.prefix, &ll, 16);
	assert_int_equal(M.b.renew_ms, 1000 + 1350000);
	assert_int_equal(M.stats.registrations_renewed, 1);

	/* a reply later than 1 s: the re-registration goes out at once */
	start(&c);
	away(0, COA1);
	accept_(1500, 1800);
	assert_true(O.events & MN_EV_REGISTERED);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	sent(&r);
	assert_int_equal(r.n_prefix, 2);

	/* a link-local request is never sent before the first registration,
	 * even without configured prefixes */
	c.n_v6 = 0;
	start(&c);
	away(0, COA1);
	sent(&r);
	assert_int_equal(r.n_prefix, 0);
	assert_int_equal(r.n_tunnel_mode, 0);
	accept_(100, 1800);
	tick(1000);
	sent(&r);
	assert_int_equal(r.n_prefix, 1);
	assert_int_equal(r.n_tunnel_mode, 1);
}

/* A new care-of address registers at once (3.6.1.2); the old binding stays
 * until the new one is accepted; a move given up loses it at once. */
static void test_move(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_reg r;

	c.retrans_tries = 2;
	start(&c);
	register_at(0, COA1);
	away(5000, COA2);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_int_equal(O.src, COA2);
	sent(&r);
	assert_int_equal(r.coa, COA2);
	assert_int_equal(r.lifetime, 1800);
	assert_int_equal(mn_reg_binding(&M)->coa, COA1);
	accept_(5100, 1800);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(mn_reg_binding(&M)->coa, COA2);
	assert_int_equal(M.stats.registrations_accepted, 2);

	/* moving while a request is pending replaces it */
	away(6000, COA1);
	uint64_t old = sent_id();
	away(6500, a4("198.51.100.99"));
	sent(&r);
	assert_int_equal(r.coa, a4("198.51.100.99"));
	assert_int_equal(M.p.tx_count, 1);
	struct rep q = { .lifetime = 1800, .id = old };
	recv_rep(6600, &q);
	assert_int_equal(M.stats.drop_id_mismatch, 1);

	/* gave up after a move: the binding points at a lost address */
	tick(7500);
	tick(9500);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.events, MN_EV_LOST);
	assert_int_equal(O.lost, MN_LOST_GAVE_UP);
	assert_true(O.was_bound);
	assert_null(mn_reg_binding(&M));
	/* FAILED, then a move: at once */
	away(9600, COA2);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_true(O.send);
}

/* Back home: RFC 5944 3.6.1.2 and C.3: lifetime 0, care-of address = home
 * address, from the home address, TTL 1, flags 0, NAI, no IPv6 (RFC 5454
 * 3.8: everything goes). */
static void test_home(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	const struct mip_prefix v[] = { pfx("2001:db8:46:1::", 64) };
	struct mip4_buf b;
	uint8_t want[128];

	strcpy(c.nai, "mn@x");
	set_v6_cfg(&c, v, 1);
	start(&c);
	register_at(0, COA1);
	rnd = 0;
	home(10000);
	assert_int_equal(M.state, MN_REG_DEREGISTERING);
	assert_true(O.send);
	assert_int_equal(O.src, HOME);
	assert_int_equal(O.dst, HA);
	assert_int_equal(O.ttl, MN_REG_TTL_DEREG);
	static const uint8_t fixed[] = {
		/* type 1, flags 0 */ 0x01, 0x00,
		/* lifetime 0 */ 0x00, 0x00,
		/* home address */ 0xc0, 0x00, 0x02, 0x0a,
		/* home agent */ 0xc0, 0x00, 0x02, 0x01,
		/* care-of address = home address */ 0xc0, 0x00, 0x02, 0x0a,
		/* identification: 10 s later, random 0 */
		0xe8, 0xfe, 0x6f, 0x8a, 0x00, 0x00, 0x00, 0x00,
		/* NAI "mn@x" */ 131, 4, 'm', 'n', '@', 'x',
	};
	memcpy(want, fixed, sizeof(fixed));
	mip4_buf_init(&b, want, sizeof(want));
	b.len = sizeof(fixed);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	assert_int_equal(O.len, b.len);
	assert_memory_equal(O.msg, want, b.len);
	assert_int_equal(M.stats.tx_deregistrations, 1);
	/* the binding is in force until the home agent confirms */
	assert_non_null(mn_reg_binding(&M));
	home(10100);                            /* again: nothing */
	assert_false(O.send);

	struct rep q = { .code = 0, .lifetime = 0, .id = M.p.id, .nai = "mn@x" };
	recv_rep(10200, &q);
	assert_int_equal(M.state, MN_REG_AT_HOME);
	assert_int_equal(O.events, MN_EV_DEREGISTERED);
	assert_true(O.dereg_confirmed);
	assert_null(mn_reg_binding(&M));
	assert_int_equal(M.stats.deregistrations_confirmed, 1);
	assert_int_equal(mn_reg_next_timeout(&M), UINT64_MAX);
	home(10300);
	assert_false(O.send);
	assert_int_equal(O.events, 0);

	/* leaving home registers again */
	away(20000, COA2);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_int_equal(O.src, COA2);

	/* rejected, and unanswered: AT_HOME all the same */
	start(&c);
	register_at(0, COA1);
	home(1000);
	q.id = M.p.id;
	q.code = MIP4_CODE_HA_UNSPECIFIED;
	recv_rep(1100, &q);
	assert_int_equal(M.state, MN_REG_AT_HOME);
	assert_int_equal(O.events, MN_EV_DEREGISTERED);
	assert_false(O.dereg_confirmed);
	assert_int_equal(M.stats.deregistrations_rejected, 1);

	c.retrans_tries = 1;
	start(&c);
	home(0);                                /* from IDLE: a stale binding may exist */
	assert_int_equal(M.state, MN_REG_DEREGISTERING);
	assert_true(O.send);
	tick(1000);
	assert_int_equal(M.state, MN_REG_AT_HOME);
	assert_int_equal(O.events, MN_EV_DEREGISTERED);
	assert_false(O.dereg_confirmed);
	assert_int_equal(M.stats.deregistrations_gave_up, 1);

	/* away again while the deregistration is pending: the binding is
	 * still in force at the home agent, so this is a renewal */
	c = base_cfg();
	start(&c);
	register_at(0, COA1);
	home(1000);
	away(1500, COA1);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	assert_int_equal(O.src, COA1);
}

/* RFC 5454 3.8: a prefix left out of the next registration is removed. */
static void test_set_v6(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	const struct mip_prefix v[] = { pfx("2001:db8:1::", 64), pfx("2001:db8:2::", 64) };
	struct mip_prefix many[MN_REG_MAX_V6 + 1];
	struct mn_reg_now n;
	struct mip4_reg r;

	set_v6_cfg(&c, v, 2);
	start(&c);
	register_at(0, COA1);
	n = at(5000);
	assert_int_equal(mn_reg_set_v6(&M, &n, v, 1, false, &O), 0);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	sent(&r);
	assert_int_equal(r.n_prefix, 1);
	assert_int_equal(r.prefix[0].plen, 64);
	struct in6_addr p1 = a6("2001:db8:1::");
	assert_memory_equal(&r.prefix[0].prefix, &p1, 16);
	struct rep q = { .lifetime = 1800, .id = r.id, .n = 1, .px = { { 0, 64, "2001:db8:1::" } } };
	recv_rep(5100, &q);
	assert_int_equal(M.b.n_v6, 1);

	/* none left: no Prefix Request, no Tunneling Mode */
	n = at(6000);
	assert_int_equal(mn_reg_set_v6(&M, &n, NULL, 0, false, &O), 0);
	sent(&r);
	assert_int_equal(r.n_prefix, 0);
	assert_int_equal(r.n_tunnel_mode, 0);

	memset(many, 0, sizeof(many));
	for (unsigned i = 0; i <= MN_REG_MAX_V6; i++)
		many[i] = pfx("2001:db8::", 64);
	assert_int_equal(mn_reg_set_v6(&M, &n, many, MN_REG_MAX_V6 + 1, false, &O), -EINVAL);
	assert_int_equal(mn_reg_set_v6(&M, &n, many, MN_REG_MAX_V6, true, &O), -EINVAL);
	many[0].plen = 129;
	assert_int_equal(mn_reg_set_v6(&M, &n, many, 1, false, &O), -EINVAL);
	assert_int_equal(M.cfg.n_v6, 0);

	/* at home: taken for later, nothing sent */
	start(&c);
	home(0);
	tick(1000);
	tick(3000);
	tick(7000);
	tick(15000);
	tick(31000);
	tick(63000);
	assert_int_equal(M.state, MN_REG_AT_HOME);
	n = at(70000);
	assert_int_equal(mn_reg_set_v6(&M, &n, v + 1, 1, false, &O), 0);
	assert_false(O.send);
	away(71000, COA1);
	sent(&r);
	assert_int_equal(r.n_prefix, 1);
	struct in6_addr p2 = a6("2001:db8:2::");
	assert_memory_equal(&r.prefix[0].prefix, &p2, 16);
}

/* RFC 2794: home address 0.0.0.0 with the NAI; the assigned address is used
 * while the binding lasts, kept in the state file, and asked for again. */
static void test_dynamic_home(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_reg r;
	uint32_t assigned = a4("192.0.2.77");

	c.home_addr = 0;
	strcpy(c.nai, NAI);
	start(&c);
	home(0);                                /* no home address: nothing to remove */
	assert_int_equal(M.state, MN_REG_AT_HOME);
	assert_false(O.send);
	away(1000, COA1);
	sent(&r);
	assert_int_equal(r.home_addr, 0);
	assert_int_equal(r.nai_len, strlen(NAI));
	assert_memory_equal(r.nai, NAI, strlen(NAI));
	struct rep q = { .lifetime = 1800, .id = r.id, .home = assigned, .nai = NAI };
	recv_rep(1100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.b.home_addr, assigned);
	assert_int_equal(O.binding.home_addr, assigned);
	assert_int_equal(M.stats.home_addr_assigned, 1);
	tick(M.b.renew_ms);
	sent(&r);
	assert_int_equal(r.home_addr, assigned);

	struct mn_reg_persist ps;
	mn_reg_export(&M, &ps);
	assert_int_equal(ps.home_addr, assigned);
	assert_int_equal(ps.last_id, r.id);

	/* restart: the address is asked for again, ids keep growing */
	start(&c);
	assert_int_equal(mn_reg_restore(&M, &ps), 0);
	away(2000, COA1);                       /* the wall clock went back */
	sent(&r);
	assert_int_equal(r.home_addr, assigned);
	assert_int_equal(r.id, ps.last_id + 1);
	/* home: deregister the assigned address, then forget it */
	home(2100);
	sent(&r);
	assert_int_equal(r.home_addr, assigned);
	assert_int_equal(r.coa, assigned);
	assert_int_equal(O.src, assigned);
	q = (struct rep){ .lifetime = 0, .id = r.id, .home = assigned };
	recv_rep(2200, &q);
	assert_int_equal(M.state, MN_REG_AT_HOME);
	assert_true(O.dereg_confirmed);
	assert_int_equal(M.home_addr, 0);
	mn_reg_export(&M, &ps);
	assert_int_equal(ps.home_addr, 0);

	/* a restored address is ignored with a configured one */
	ps.home_addr = assigned;
	c = base_cfg();
	start(&c);
	assert_int_equal(mn_reg_restore(&M, &ps), 0);
	assert_int_equal(M.home_addr, HOME);
}

/* Shutting down: one lifetime-0 request from the care-of address. */
static void test_stop(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mn_reg_now n;
	struct mip4_reg r;

	start(&c);
	register_at(0, COA1);
	n = at(4000);
	mn_reg_stop(&M, &n, true, &O);
	assert_int_equal(M.state, MN_REG_IDLE);
	assert_false(M.pending);
	assert_null(mn_reg_binding(&M));
	sent(&r);
	assert_int_equal(O.src, COA1);
	assert_int_equal(O.ttl, MN_REG_TTL);
	assert_int_equal(r.lifetime, 0);
	assert_int_equal(r.coa, COA1);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_T);
	assert_int_equal(M.stats.tx_deregistrations, 1);
	assert_int_equal(mn_reg_next_timeout(&M), UINT64_MAX);
	tick(10000);
	assert_false(O.send);

	/* during a move the home agent holds either address: all of them
	 * (Care-of Address = home address), from the new one */
	start(&c);
	register_at(0, COA1);
	away(3000, COA2);
	mn_reg_stop(&M, &n, true, &O);
	sent(&r);
	assert_int_equal(O.src, COA2);
	assert_int_equal(O.ttl, MN_REG_TTL);
	assert_int_equal(r.lifetime, 0);
	assert_int_equal(r.coa, HOME);
	assert_int_equal(r.home_addr, HOME);
	assert_int_equal(M.state, MN_REG_IDLE);

	/* a request pending, nothing bound: the care-of address asked for */
	start(&c);
	away(0, COA2);
	mn_reg_stop(&M, &n, true, &O);
	sent(&r);
	assert_int_equal(r.coa, COA2);

	/* nothing known: nothing sent */
	start(&c);
	mn_reg_stop(&M, &n, true, &O);
	assert_false(O.send);

	start(&c);
	register_at(0, COA1);
	mn_reg_stop(&M, &n, false, &O);
	assert_false(O.send);
	assert_int_equal(M.state, MN_REG_IDLE);
	/* IDLE again: mn_reg_restore works */
	struct mn_reg_persist ps = { 0 };
	assert_int_equal(mn_reg_restore(&M, &ps), 0);
}

/* ---- the foreign-agent care-of address mode (RFC 5944 3.6, RFC 3024) ---- */

#define FA a4("198.51.100.1")
#define FACOA a4("198.51.100.2")
#define FA2 a4("203.0.113.1")
#define MFSPI 0x5678u
static const uint8_t MFKEY[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
#define OFF_FT (AGENTADV_F_F | AGENTADV_F_T)

static struct mn_reg_config mf_cfg(void)
{
	struct mn_reg_config c = base_cfg();

	c.mf_spi = MFSPI;
	memcpy(c.mf_key, MFKEY, sizeof(MFKEY));
	c.mf_key_len = sizeof(MFKEY);
	return c;
}

static void away_fa(uint64_t ms, uint32_t fa, uint32_t coa, uint16_t offered)
{
	struct mn_reg_now n = at(ms);
	assert_int_equal(mn_reg_away_fa(&M, &n, fa, coa, offered, &O), 0);
}

/* A reply as the foreign agent relays (or makes) it. */
struct frep {
	uint8_t code;
	uint16_t lifetime;
	uint64_t id;
	bool mh;                     /* Mobile-Home auth (the home agent's) */
	int mf;                      /* 0 none, 1 valid, 2 wrong key, 3 wrong SPI */
	unsigned n;                  /* Prefix Replies (code px_code, px) */
	uint8_t px_code;
	uint32_t ha;                 /* 0: HA */
};

static size_t mkfrep(uint8_t *buf, size_t cap, const struct frep *q)
{
	static const uint8_t bad[8] = { 1 };
	struct mip4_buf b;
	struct in6_addr p = a6("2001:db8:46:1::");

	mip4_buf_init(&b, buf, cap);
	assert_int_equal(mip4_put_reply(&b, q->code, q->lifetime, HOME, q->ha ? q->ha : HA, q->id), 0);
	for (unsigned i = 0; i < q->n; i++)
		assert_int_equal(mip4_put_prefix_reply(&b, q->px_code, 64, &p), 0);
	if (q->mh)
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	if (q->mf)
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MF_AUTH, q->mf == 3 ? MFSPI + 1 : MFSPI,
					       q->mf == 2 ? bad : MFKEY, sizeof(MFKEY)),
				 0);
	return b.len;
}

static void recv_frep(uint64_t ms, const struct frep *q, uint32_t src)
{
	uint8_t buf[512];
	size_t len = mkfrep(buf, sizeof(buf), q);
	recv_from(ms, buf, len, src);
}

/* O holds a request to the foreign agent fa: parse it, check the IP
 * fields of RFC 5944 3.6.1.1 / RFC 3024 and the MH authenticator. */
static void sent_fa(struct mip4_reg *r, uint32_t fa)
{
	enum mip4_err why;
	assert_true(O.send);
	assert_int_equal(O.dst, fa);
	assert_int_equal(O.src, HOME);
	assert_int_equal(O.ttl, 255);
	assert_int_equal(mip4_reg_parse(O.msg, O.len, r, &why), 0);
	assert_int_equal(r->type, MIP4_REG_REQUEST);
	assert_int_equal(r->home_agent, HA);
	assert_true(r->mh.present);
	assert_int_equal(mip4_auth_verify(O.msg, O.len, &r->mh, KEY, sizeof(KEY)), 0);
}

/* Request bytes through a foreign agent: D clear, T offered, Care-of
 * Address the agent's, no Tunneling Mode; then with an MN-FA key the
 * Mobile-Foreign authentication after the Mobile-Home one. */
static void test_fa_request_bytes(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_buf b;
	uint8_t want[128];
	struct mn_reg_now n = at(0);

	c.n_v6 = 1;
	c.v6[0] = pfx("2001:db8:46:1::", 64);
	start(&c);
	assert_int_equal(mn_reg_away_fa(&M, &n, HOME, FACOA, OFF_FT, &O), -EINVAL);
	assert_int_equal(mn_reg_away_fa(&M, &n, HA, FACOA, OFF_FT, &O), -EINVAL);
	assert_int_equal(mn_reg_away_fa(&M, &n, a4("224.0.0.11"), FACOA, OFF_FT, &O), -EINVAL);
	assert_int_equal(mn_reg_away_fa(&M, &n, FA, HOME, OFF_FT, &O), -EINVAL);
	assert_int_equal(mn_reg_away_fa(&M, &n, FA, HA, OFF_FT, &O), -EINVAL);
	assert_int_equal(mn_reg_away_fa(&M, &n, FA, 0, OFF_FT, &O), -EINVAL);
	assert_false(O.send);
	assert_int_equal(M.state, MN_REG_IDLE);

	away_fa(0, FA, FACOA, OFF_FT | AGENTADV_F_R);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_true(O.send);
	assert_int_equal(O.dst, FA);             /* RFC 5944 3.6.1.1 */
	assert_int_equal(O.src, HOME);
	assert_int_equal(O.ttl, MN_REG_TTL_FA);  /* RFC 3024 */
	assert_int_equal(MN_REG_TTL_FA, 255);
	static const uint8_t fixed[] = {
		/* type 1, flags T (no D) */ 0x01, 0x02,
		/* lifetime 1800 */ 0x07, 0x08,
		/* home address 192.0.2.10 */ 0xc0, 0x00, 0x02, 0x0a,
		/* home agent 192.0.2.1 */ 0xc0, 0x00, 0x02, 0x01,
		/* care-of address: the agent's 198.51.100.2 */ 0xc6, 0x33, 0x64, 0x02,
		/* identification */ 0xe8, 0xfe, 0x6f, 0x80, 0x00, 0x00, 0x12, 0x34,
		/* Prefix Request /64, no Tunneling Mode (the agent's, seed 3.4) */
		152, 18, 1, 64,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	memcpy(want, fixed, sizeof(fixed));
	mip4_buf_init(&b, want, sizeof(want));
	b.len = sizeof(fixed);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	assert_int_equal(O.len, b.len);
	assert_memory_equal(O.msg, want, b.len);
	assert_int_equal(mn_reg_next_timeout(&M), 1000);
	/* a retransmission goes the same way */
	tick(1000);
	assert_true(O.send);
	assert_int_equal(O.dst, FA);
	assert_int_equal(O.src, HOME);
	assert_int_equal(O.ttl, 255);

	/* MN-FA association: Mobile-Foreign auth last (RFC 5944 3.6.1.3) */
	c = mf_cfg();
	start(&c);
	away_fa(0, FA, FACOA, AGENTADV_F_F);
	memcpy(want, fixed, 24);
	want[1] = 0x00;                          /* T not offered */
	mip4_buf_init(&b, want, sizeof(want));
	b.len = 24;
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MF_AUTH, MFSPI, MFKEY, sizeof(MFKEY)), 0);
	assert_int_equal(b.len, 24 + 22 + 22);
	assert_memory_equal(want + 46, ((const uint8_t[]){ 33, 20, 0x00, 0x00, 0x56, 0x78 }), 6);
	assert_int_equal(O.len, b.len);
	assert_memory_equal(O.msg, want, b.len);
	/* co-located: no Mobile-Foreign auth even with the key */
	away(5000, COA1);
	struct mip4_reg r;
	sent(&r);
	assert_false(r.mf.present);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_T);
	/* an MN-FA key needs a usable SPI */
	c.mf_spi = 255;
	assert_int_equal(mn_reg_init(&M, &c), -EINVAL);
	c.mf_spi = MFSPI;
	c.mf_key_len = MN_REG_KEY_MAX + 1;
	assert_int_equal(mn_reg_init(&M, &c), -EINVAL);
}

/* T G M only when configured and offered (RFC 3024 3.2, RFC 5944 3.6.1.2);
 * a change of the usable offered flags registers again, others do not. */
static void test_fa_offered_flags(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_reg r;

	c.encap = ENCAP4_GRE;
	start(&c);
	away_fa(0, FA, FACOA, AGENTADV_F_F);
	sent_fa(&r, FA);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.coa, FACOA);
	/* R and U change nothing usable: nothing sent */
	away_fa(100, FA, FACOA, AGENTADV_F_F | AGENTADV_F_R | AGENTADV_F_U);
	assert_false(O.send);
	assert_int_equal(M.p.tx_count, 1);
	/* G and T offered: both */
	away_fa(200, FA, FACOA, AGENTADV_F_F | AGENTADV_F_G | AGENTADV_F_T | AGENTADV_F_M);
	sent_fa(&r, FA);
	assert_int_equal(r.flags, MIP4_F_G | MIP4_F_T);
	assert_int_equal(M.p.tx_count, 1);      /* a new attempt */
	struct frep q = { .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true };
	recv_frep(300, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(O.binding.encap, ENCAP4_GRE);
	assert_int_equal(O.binding.v6_encap, ENCAP4_GRE);
	assert_true(O.binding.reverse_tunnel);
	assert_int_equal(O.binding.flags, MIP4_F_G | MIP4_F_T);
	/* minimal configured, only G offered: IP in IP, no T configured */
	c.encap = ENCAP4_MINIMAL;
	c.reverse_tunnel = false;
	start(&c);
	away_fa(0, FA, FACOA, AGENTADV_F_F | AGENTADV_F_G | AGENTADV_F_T);
	sent_fa(&r, FA);
	assert_int_equal(r.flags, 0);
	away_fa(10, FA, FACOA, AGENTADV_F_F | AGENTADV_F_M);
	sent_fa(&r, FA);
	assert_int_equal(r.flags, MIP4_F_M);
	q = (struct frep){ .code = 1, .lifetime = 1800, .id = M.p.id, .mh = true };
	recv_frep(300, &q, FA);
	assert_int_equal(O.binding.encap, ENCAP4_MINIMAL);
	assert_int_equal(O.binding.v6_encap, ENCAP4_6IN4);
	assert_false(O.binding.reverse_tunnel);
}

/* A reply relayed by the agent (RFC 5944 3.7.3): registered through it;
 * RFC 5454 3.5 code 1 means native IPv6 on the link; renewals go to the
 * agent; a reply from the home agent itself is not taken. */
static void test_fa_accepted(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_reg r;

	c.n_v6 = 1;
	c.v6[0] = pfx("2001:db8:46:1::", 64);
	c.lifetime = 100;
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	sent_fa(&r, FA);
	struct frep q = { .code = 0, .lifetime = 100, .id = M.p.id, .mh = true, .n = 1,
			  .px_code = MIP4_V6_ACCEPT_COA };
	recv_frep(50, &q, HA);                   /* not the agent */
	assert_int_equal(M.stats.drop_wrong_source, 1);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	recv_frep(60, &q, FA2);
	assert_int_equal(M.stats.drop_wrong_source, 2);
	recv_frep(100, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_true(O.events & MN_EV_REGISTERED);
	const struct mn_reg_binding *b = &O.binding;
	assert_false(b->colocated);
	assert_int_equal(b->fa, FA);
	assert_int_equal(b->coa, FACOA);
	assert_int_equal(b->home_agent, HA);
	assert_int_equal(b->lifetime, 100);
	assert_int_equal(b->flags, MIP4_F_T);
	assert_int_equal(b->encap, ENCAP4_IPIP);
	assert_true(b->reverse_tunnel);
	assert_true(b->v6_supported);
	assert_int_equal(b->n_v6, 1);
	assert_int_equal(b->v6[0].outcome, MN_V6_ACCEPTED);
	assert_int_equal(b->v6[0].code, 1);
	assert_true(b->v6[0].native_link);
	assert_true(b->v6_native);
	assert_false(b->udp_tunnel);
	assert_int_equal(b->keepalive, 0);
	assert_int_equal(b->v6[0].mode, mn_reg_v6_mode(1, false));
	assert_int_equal(M.stats.v6_accepted_native, 1);
	assert_int_equal(M.stats.v6_accepted_coa, 0);
	assert_int_equal(M.stats.registrations_accepted, 1);
	assert_int_equal(M.stats.rx_replies, 1);
	assert_memory_equal(mn_reg_binding(&M), b, sizeof(*b));
	/* the same agent again: nothing */
	away_fa(200, FA, FACOA, OFF_FT);
	assert_false(O.send);
	/* the renewal (max(min(75, 100 - 63), 50) s after the request) */
	assert_int_equal(mn_reg_next_timeout(&M), 50000);
	tick(50000);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	sent_fa(&r, FA);
	assert_int_equal(r.coa, FACOA);
	assert_int_equal(r.lifetime, 100);
	q.id = M.p.id;
	q.px_code = MIP4_V6_ACCEPT_HOA;
	recv_frep(50100, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.stats.registrations_renewed, 1);
	assert_false(O.binding.v6[0].native_link);
	assert_false(O.binding.v6_native);
	assert_int_equal(O.binding.v6[0].mode, MIP_V6_TO_HOA);
	assert_int_equal(M.stats.v6_accepted_hoa, 1);
}

/* Denials by the foreign agent (RFC 5944 3.4, 3.7.2.3, RFC 3024): no
 * Mobile-Home authentication needed; 65 ends the attempt, 69 retries with
 * the agent's lifetime, 78 retries; from elsewhere they are dropped. */
static void test_fa_denials(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_reg r;
	struct frep q;
	static const char *const names[] = {
		"registrations_fa_denied", "fa_lifetime_retries", "fa_timeout_retries",
		"v6_accepted_native", "drop_no_mf_auth", "drop_bad_mf_auth",
	};

	/* the new counters are named for the control socket */
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		size_t i = 0;
		while (i < mn_reg_stat_count() && strcmp(mn_reg_stat_names[i], names[k]) != 0)
			i++;
		assert_true(i < mn_reg_stat_count());
	}

	/* 65 from somewhere else, or for another request, or naming another
	 * home agent: dropped; from the agent: rejected */
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = MIP4_CODE_FA_PROHIBITED, .id = M.p.id };
	recv_frep(10, &q, a4("198.51.100.99"));
	assert_int_equal(M.stats.drop_wrong_source, 1);
	recv_frep(10, &q, HA);
	assert_int_equal(M.stats.drop_wrong_source, 2);
	q.id ^= 1;
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_id_mismatch, 1);
	q.id ^= 1;
	q.ha = a4("192.0.2.2");
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_wrong_home_agent, 1);
	q.ha = 0;
	/* a home agent's code from the agent without MH auth: dropped */
	q.code = MIP4_CODE_HA_PROHIBITED;
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_no_auth, 1);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_int_equal(M.stats.rx_replies, 0);
	q.code = MIP4_CODE_FA_PROHIBITED;
	recv_frep(20, &q, FA);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_true(O.events & MN_EV_LOST);
	assert_int_equal(O.lost, MN_LOST_REJECTED);
	assert_int_equal(O.code, 65);
	assert_false(O.was_bound);
	assert_false(O.send);
	assert_int_equal(M.stats.registrations_fa_denied, 1);
	assert_int_equal(M.stats.registrations_rejected, 1);
	assert_int_equal(M.stats.rx_replies, 1);
	/* FAILED retries through the agent after retrans_max_ms */
	assert_int_equal(mn_reg_next_timeout(&M), 20 + 32000);
	tick(32020);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	sent_fa(&r, FA);

	/* 69: at once again with the agent's lifetime, kept for the agent */
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	uint64_t id1 = M.p.id;
	q = (struct frep){ .code = MIP4_CODE_FA_LIFETIME_TOO_LONG, .lifetime = 600, .id = id1 };
	rnd = 0x5555;
	recv_frep(300, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_false(O.events & MN_EV_LOST);
	sent_fa(&r, FA);
	assert_int_equal(r.lifetime, 600);
	assert_int_equal(r.id, ts_id(300, 0, 0x5555));
	assert_int_equal(M.p.tx_count, 2);
	assert_int_equal(M.stats.fa_lifetime_retries, 1);
	assert_int_equal(M.stats.registrations_fa_denied, 1);
	assert_int_equal(M.fa_max_lifetime, 600);
	q = (struct frep){ .code = 0, .lifetime = 600, .id = M.p.id, .mh = true };
	recv_frep(400, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(O.binding.lifetime, 600);
	tick(mn_reg_next_timeout(&M));
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	sent_fa(&r, FA);
	assert_int_equal(r.lifetime, 600);       /* the agent's cap stays */
	/* a 69 that does not shorten anything: a rejection */
	uint64_t t = mn_reg_next_timeout(&M) - 1;
	q = (struct frep){ .code = MIP4_CODE_FA_LIFETIME_TOO_LONG, .lifetime = 600, .id = M.p.id };
	recv_frep(t, &q, FA);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.lost, MN_LOST_REJECTED);
	assert_int_equal(O.code, 69);
	assert_true(O.was_bound);
	/* another agent: the cap is forgotten */
	away_fa(t + 1, FA2, FACOA, OFF_FT);
	sent_fa(&r, FA2);
	assert_int_equal(r.lifetime, 1800);

	/* 78: the attempt goes on at once; the tries are counted */
	c.retrans_tries = 2;
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = MIP4_CODE_FA_TIMEOUT, .id = M.p.id };
	rnd = 0x7777;
	recv_frep(500, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	sent_fa(&r, FA);
	assert_int_equal(r.id, ts_id(500, 0, 0x7777));
	assert_int_equal(r.lifetime, 1800);
	assert_int_equal(M.stats.fa_timeout_retries, 1);
	assert_int_equal(M.p.tx_count, 2);
	q.id = M.p.id;
	recv_frep(600, &q, FA);                  /* out of tries: given up */
	assert_false(O.send);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.lost, MN_LOST_GAVE_UP);
	assert_int_equal(M.stats.fa_timeout_retries, 2);
	assert_int_equal(M.stats.registrations_gave_up, 1);

	/* in the co-located mode an FA code needs MH auth like any other */
	start(&c);
	away(0, COA1);
	q = (struct frep){ .code = MIP4_CODE_FA_PROHIBITED, .id = M.p.id };
	recv_frep(10, &q, HA);
	assert_int_equal(M.stats.drop_no_auth, 1);
	assert_int_equal(M.state, MN_REG_REGISTERING);
}

/* RFC 5944 3.6.2.1 a: with an MN-FA association every reply from the agent
 * carries a valid Mobile-Foreign authentication. */
static void test_fa_mf_auth(void **state)
{
	(void)state;
	struct mn_reg_config c = mf_cfg();
	struct frep q;

	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true };
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_no_mf_auth, 1);
	q.mf = 2;
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_bad_mf_auth, 1);
	q.mf = 3;
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_bad_mf_auth, 2);
	/* a denial needs it too */
	q = (struct frep){ .code = MIP4_CODE_FA_PROHIBITED, .id = M.p.id };
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_no_mf_auth, 2);
	q.mf = 2;
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.drop_bad_mf_auth, 3);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_int_equal(M.stats.rx_replies, 0);
	/* valid MF, bad MH: still the home agent's check */
	static const uint8_t other[16] = { 9 };
	{
		uint8_t buf[256];
		struct mip4_buf b;
		mip4_buf_init(&b, buf, sizeof(buf));
		assert_int_equal(mip4_put_reply(&b, 0, 1800, HOME, HA, M.p.id), 0);
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, other, sizeof(other)), 0);
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MF_AUTH, MFSPI, MFKEY, sizeof(MFKEY)), 0);
		recv_from(10, buf, b.len, FA);
		assert_int_equal(M.stats.drop_bad_auth, 1);
	}
	q = (struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true, .mf = 1 };
	recv_frep(20, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(O.binding.fa, FA);

	/* a denial with a valid MF and no MH */
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = MIP4_CODE_FA_INVALID_HA, .id = M.p.id, .mf = 1 };
	recv_frep(10, &q, FA);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.lost, MN_LOST_REJECTED);
	assert_int_equal(O.code, 194);
	assert_int_equal(M.stats.registrations_fa_denied, 1);

	/* no association: an MF extension is not looked at */
	c = base_cfg();
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true, .mf = 2 };
	recv_frep(10, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
}

/* RFC 3024 3.3, 4.1.2: with reverse-tunnel-delivery "encapsulating" and T
 * offered, the Encapsulating Delivery Style extension (130, length 0)
 * follows the Mobile-Home and precedes the Mobile-Foreign
 * authentication; never without T or co-located; a 79 from the agent
 * retries at once without it, and the agent is not asked again until the
 * node moves to another one; an accepted reply records the style. */
static void test_fa_encap_delivery(void **state)
{
	(void)state;
	struct mn_reg_config c = mf_cfg();
	struct mip4_reg r;
	struct frep q;

	c.encap_delivery = true;
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	sent_fa(&r, FA);
	assert_true(r.has_encap_delivery);
	assert_int_equal(r.flags, MIP4_F_T);
	assert_true(r.mf.present);
	/* fixed part (24), MH auth (22), then 130/0, then the MF auth */
	assert_int_equal(O.len, 24 + 22 + 2 + 22);
	assert_memory_equal(O.msg + 46, ((const uint8_t[]){ 130, 0, 33, 20 }), 4);
	assert_int_equal(mip4_auth_verify(O.msg, O.len, &r.mf, MFKEY, sizeof(MFKEY)), 0);
	q = (struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true, .mf = 1 };
	recv_frep(10, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_true(O.binding.encap_delivery);
	assert_true(O.binding.reverse_tunnel);

	/* T not offered: neither T nor the extension */
	start(&c);
	away_fa(0, FA, FACOA, AGENTADV_F_F);
	sent_fa(&r, FA);
	assert_false(r.has_encap_delivery);
	assert_int_equal(r.flags, 0);
	/* co-located: never */
	away(1000, COA1);
	sent(&r);
	assert_false(r.has_encap_delivery);

	/* 79: at once again without it, direct delivery granted */
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = MIP4_CODE_FA_DELIVERY_STYLE, .id = M.p.id, .mf = 1 };
	recv_frep(10, &q, FA);
	assert_int_equal(M.stats.encap_delivery_retries, 1);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	sent_fa(&r, FA);
	assert_false(r.has_encap_delivery);
	assert_int_equal(r.flags, MIP4_F_T);
	q = (struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true, .mf = 1 };
	recv_frep(20, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.encap_delivery);
	/* renewals through the same agent leave it out */
	{
		struct mn_reg_now n = at(30);
		assert_int_equal(mn_reg_reregister(&M, &n, &O), 0);
	}
	sent_fa(&r, FA);
	assert_false(r.has_encap_delivery);
	/* another agent is asked again */
	away_fa(40, FA2, FACOA, OFF_FT);
	sent_fa(&r, FA2);
	assert_true(r.has_encap_delivery);
	/* a 79 for a request without it is a rejection */
	c.encap_delivery = false;
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = MIP4_CODE_FA_DELIVERY_STYLE, .id = M.p.id, .mf = 1 };
	recv_frep(10, &q, FA);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.code, 79);
	assert_int_equal(M.stats.encap_delivery_retries, 0);
}

/* Moves between the co-located and the foreign agent modes register again
 * at once; home and stop leave the agent. */
static void test_fa_moves(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_reg r;
	struct frep q;

	start(&c);
	register_at(0, COA1);
	assert_true(O.binding.colocated);
	assert_int_equal(O.binding.fa, 0);
	/* co-located -> agent: a move, not a renewal */
	away_fa(1000, FA, FACOA, OFF_FT);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	sent_fa(&r, FA);
	assert_int_equal(r.flags, MIP4_F_T);
	assert_true(M.bound);                    /* the old binding until the reply */
	q = (struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true };
	recv_frep(1100, &q, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.colocated);
	assert_int_equal(O.binding.coa, FACOA);
	/* agent -> co-located with the agent's care-of address: still a move */
	away(2000, FACOA);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	sent(&r);
	assert_int_equal(O.src, FACOA);
	assert_int_equal(O.ttl, MN_REG_TTL);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_T);
	accept_(2100, 1800);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_true(O.binding.colocated);
	assert_int_equal(O.binding.fa, 0);
	/* -> the agent again, then another agent with the same address */
	away_fa(3000, FA, FACOA, OFF_FT);
	sent_fa(&r, FA);
	away_fa(3100, FA2, FACOA, OFF_FT);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	sent_fa(&r, FA2);
	q.id = M.p.id;
	recv_frep(3200, &q, FA);                 /* the old agent: dropped */
	assert_int_equal(M.stats.drop_wrong_source, 1);
	recv_frep(3200, &q, FA2);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(O.binding.fa, FA2);
	/* a move given up loses the binding (it names the old agent) */
	c.retrans_tries = 1;
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	q = (struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true };
	recv_frep(100, &q, FA);
	away_fa(200, FA2, FACOA, OFF_FT);
	tick(1200);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.lost, MN_LOST_GAVE_UP);
	assert_true(O.was_bound);
	/* home: deregistration straight to the home agent (C.3) */
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	recv_frep(100, &((struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true }), FA);
	home(200);
	assert_int_equal(M.state, MN_REG_DEREGISTERING);
	sent(&r);
	assert_int_equal(O.src, HOME);
	assert_int_equal(O.ttl, MN_REG_TTL_DEREG);
	assert_int_equal(r.coa, HOME);
	assert_int_equal(M.fa, 0);
	/* stop through the agent: lifetime 0 for its care-of address */
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	recv_frep(100, &((struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true }), FA);
	struct mn_reg_now n = at(300);
	mn_reg_stop(&M, &n, true, &O);
	sent_fa(&r, FA);
	assert_int_equal(r.lifetime, 0);
	assert_int_equal(r.coa, FACOA);
	assert_int_equal(r.flags, MIP4_F_T);
	assert_int_equal(M.state, MN_REG_IDLE);
	assert_int_equal(M.fa, 0);
	/* IDLE -> the agent again registers at once */
	away_fa(400, FA, FACOA, OFF_FT);
	sent_fa(&r, FA);
	assert_int_equal(r.lifetime, 1800);
}

/* ---- RFC 3519 NAT traversal (UDP tunnelling) ------------------------------ */

/* RFC 3519 3.1, 3.1.4, 3.1.5, 4.4; RFC 5454 3.9: the UDP Tunnel Request
 * before the MH auth; encapsulation 4 without IPv6 (G kept for the case
 * the home agent does not tunnel over UDP), 0 with IPv6 (then M and G
 * cleared); F only with force; D always; T even when not configured. */
static void test_udp_request_bytes(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_buf b;
	uint8_t want[128];
	struct mip4_reg r;

	c.udp_tunnel = MN_REG_UDP_TUNNEL_AUTO;
	c.encap = ENCAP4_GRE;
	c.reverse_tunnel = false;
	start(&c);
	away(0, COA1);
	assert_int_equal(O.src, COA1);
	assert_int_equal(O.dst, HA);
	static const uint8_t auto4[] = {
		/* type 1, flags D|G|T (T for the UDP tunnel, 3.1.5) */ 0x01, 0x2a,
		/* lifetime 1800 */ 0x07, 0x08,
		/* home address 192.0.2.10 */ 0xc0, 0x00, 0x02, 0x0a,
		/* home agent 192.0.2.1 */ 0xc0, 0x00, 0x02, 0x01,
		/* care-of address 198.51.100.20 */ 0xc6, 0x33, 0x64, 0x14,
		/* identification */ 0xe8, 0xfe, 0x6f, 0x80, 0x00, 0x00, 0x12, 0x34,
		/* UDP Tunnel Request: type 144, length 6, sub-type 0, reserved 1,
		 * F 0 R 0, encapsulation 4 (IP in UDP), reserved 3 */
		144, 6, 0, 0, 0x00, 4, 0x00, 0x00,
	};
	memcpy(want, auto4, sizeof(auto4));
	mip4_buf_init(&b, want, sizeof(want));
	b.len = sizeof(auto4);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	assert_int_equal(O.len, b.len);
	assert_int_equal(O.len, 24 + 8 + 22);
	assert_memory_equal(O.msg, want, b.len);
	sent(&r);
	assert_true(r.has_udp_tun);
	assert_int_equal(r.udp_tun_encap, 4);
	assert_true(M.p.udp_tun);
	assert_true(M.p.udp_t_added);

	/* force, with an IPv6 prefix: F, encapsulation 0, G cleared */
	c.udp_tunnel = MN_REG_UDP_TUNNEL_FORCE;
	c.reverse_tunnel = true;
	c.n_v6 = 1;
	c.v6[0] = pfx("2001:db8:46:1::", 64);
	start(&c);
	away(0, COA1);
	static const uint8_t force6[] = {
		/* type 1, flags D|T (G cleared: encapsulation 0) */ 0x01, 0x22,
		0x07, 0x08, 0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x01,
		0xc6, 0x33, 0x64, 0x14, 0xe8, 0xfe, 0x6f, 0x80, 0x00, 0x00, 0x12, 0x34,
		/* Prefix Request 2001:db8:46:1::/64 */
		152, 18, 1, 64,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
		/* IPv6 Tunneling Mode */ 152, 2, 3, 0,
		/* UDP Tunnel Request: F, encapsulation 0 (RFC 5454 3.9) */
		144, 6, 0, 0, 0x80, 0, 0x00, 0x00,
	};
	memcpy(want, force6, sizeof(force6));
	mip4_buf_init(&b, want, sizeof(want));
	b.len = sizeof(force6);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	assert_int_equal(O.len, b.len);
	assert_memory_equal(O.msg, want, b.len);
	assert_false(M.p.udp_t_added);

	/* off: plain (test_request_bytes_plain); auto with minimal and
	 * IPv6: M cleared too */
	c.udp_tunnel = MN_REG_UDP_TUNNEL_AUTO;
	c.encap = ENCAP4_MINIMAL;
	start(&c);
	away(0, COA1);
	sent(&r);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_T);
	assert_true(r.has_udp_tun);
	assert_int_equal(r.udp_tun_flags, 0);
	assert_int_equal(r.udp_tun_encap, 0);
	assert_true(mip4_covered_by_mh(&r, (uint16_t)(O.len - 22 - 8)));
	assert_int_equal(O.msg[O.len - 22 - 8], 144);

	/* never through a foreign agent (RFC 3519 4.4), even one offering U */
	c = base_cfg();
	c.udp_tunnel = MN_REG_UDP_TUNNEL_FORCE;
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT | AGENTADV_F_U);
	sent_fa(&r, FA);
	assert_false(r.has_udp_tun);
	assert_int_equal(r.flags, MIP4_F_T);
	assert_int_equal(O.len, 24 + 22);
	/* nor in the deregistration from home (RFC 5944 C.3) */
	register_at(1000, COA1);
	home(2000);
	sent(&r);
	assert_int_equal(r.lifetime, 0);
	assert_false(r.has_udp_tun);
	/* but in the stop's deregistration from the care-of address */
	start(&c);
	register_at(0, COA1);
	struct mn_reg_now n = at(500);
	mn_reg_stop(&M, &n, true, &O);
	sent(&r);
	assert_int_equal(r.lifetime, 0);
	assert_int_equal(O.src, COA1);
	assert_true(r.has_udp_tun);
	assert_int_equal(r.udp_tun_flags, 0x80);
	assert_int_equal(r.udp_tun_encap, 4);
}

/* RFC 3519 3.2, 3.2.1, 4.4, 4.9, 4.10: the UDP Tunnel Reply in the
 * accepting reply. */
static void test_udp_reply(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_buf b;
	uint8_t buf[128];

	c.udp_tunnel = MN_REG_UDP_TUNNEL_AUTO;
	start(&c);
	away(0, COA1);
	/* annotated reply bytes: code 0, lifetime 600, UDP Tunnel Reply code 0
	 * keepalive 30, MH auth */
	uint64_t id = M.p.id;
	uint8_t hdr[] = {
		/* type 3, code 0 */ 0x03, 0x00,
		/* lifetime 600 */ 0x02, 0x58,
		/* home address */ 0xc0, 0x00, 0x02, 0x0a,
		/* home agent */ 0xc0, 0x00, 0x02, 0x01,
		/* identification (filled below) */ 0, 0, 0, 0, 0, 0, 0, 0,
		/* UDP Tunnel Reply: type 44, length 6, sub-type 0, reply code 0,
		 * F 0 + reserved, keepalive interval 30 */
		44, 6, 0, 0, 0x00, 0x00, 0x00, 30,
	};
	for (int i = 0; i < 8; i++)
		hdr[12 + i] = (uint8_t)(id >> (56 - 8 * i));
	memcpy(buf, hdr, sizeof(hdr));
	mip4_buf_init(&b, buf, sizeof(buf));
	b.len = sizeof(hdr);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	recv_ha(100, buf, b.len);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_true(O.events & MN_EV_REGISTERED);
	assert_true(O.binding.udp_tunnel);
	assert_int_equal(O.binding.keepalive, 30);
	assert_true(O.binding.colocated);
	assert_int_equal(O.binding.flags, MIP4_F_D | MIP4_F_T);
	assert_int_equal(O.binding.lifetime, 600);
	assert_int_equal(M.stats.udp_tunnel_accepted, 1);
	assert_true(mn_reg_binding(&M)->udp_tunnel);

	/* the renewal asks again; keepalive 0: the default 110 (3.2, 4.9) */
	tick(M.b.renew_ms);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	struct mip4_reg r;
	sent(&r);
	assert_true(r.has_udp_tun);
	struct rep q = { .lifetime = 600, .id = M.p.id, .udp = 1, .udp_ka = 0 };
	recv_rep(M.b.renew_ms + 10, &q);
	assert_int_equal(M.stats.registrations_renewed, 1);
	assert_true(O.binding.udp_tunnel);
	assert_int_equal(O.binding.keepalive, UDPTUN_KEEPALIVE_DEFAULT);
	assert_int_equal(O.binding.keepalive, 110);

	/* below 10 s: 10 (4.10) */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 600, .id = M.p.id, .udp = 1, .udp_ka = 5 };
	recv_rep(100, &q);
	assert_true(O.binding.udp_tunnel);
	assert_int_equal(O.binding.keepalive, 10);
	/* code 63 still assents (3.2.1) */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 600, .id = M.p.id, .udp = 1, .udp_code = 63, .udp_ka = 20 };
	recv_rep(100, &q);
	assert_true(O.binding.udp_tunnel);
	assert_int_equal(O.binding.keepalive, 20);
	/* code 64: declined (no NAT seen): plain co-located binding */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 600, .id = M.p.id, .udp = 1, .udp_code = 64, .udp_ka = 20 };
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.udp_tunnel);
	assert_int_equal(O.binding.keepalive, 0);
	assert_int_equal(M.stats.udp_tunnel_declined, 1);
	/* no UDP Tunnel Reply: the home agent does not understand (4.4) */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 600, .id = M.p.id };
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.udp_tunnel);
	assert_int_equal(M.stats.udp_tunnel_no_reply, 1);
	/* after the MH auth: not authenticated, ignored */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 600, .id = M.p.id, .udp = 2 };
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.udp_tunnel);
	assert_int_equal(M.stats.udp_tunnel_reply_ignored, 1);
	/* not requested (off): ignored */
	c.udp_tunnel = MN_REG_UDP_TUNNEL_OFF;
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 600, .id = M.p.id, .udp = 1 };
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.udp_tunnel);
	assert_int_equal(O.binding.keepalive, 0);
	assert_int_equal(M.stats.udp_tunnel_reply_ignored, 1);
	/* force, declined by a home agent that accepts the binding anyway */
	c.udp_tunnel = MN_REG_UDP_TUNNEL_FORCE;
	start(&c);
	away(0, COA1);
	q = (struct rep){ .lifetime = 600, .id = M.p.id, .udp = 1, .udp_code = 64 };
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.udp_tunnel);
	/* through a foreign agent: a relayed 44 is ignored */
	c.udp_tunnel = MN_REG_UDP_TUNNEL_AUTO;
	start(&c);
	away_fa(0, FA, FACOA, OFF_FT);
	mip4_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(mip4_put_reply(&b, 0, 600, HOME, HA, M.p.id), 0);
	assert_int_equal(mip4_put_udp_tun_reply(&b, 0, 0, 30), 0);
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, KEY, sizeof(KEY)), 0);
	recv_from(100, buf, b.len, FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.colocated);
	assert_false(O.binding.udp_tunnel);
	assert_int_equal(M.stats.udp_tunnel_reply_ignored, 1);
}

/* RFC 3519 3.5, 4.1, 3.1.1, 4.6.1: rejections.  auto: 142, and 137 for a
 * T set only for the tunnel, retry at once without the extension (and
 * leave it out at this care-of address); force: rejected. */
static void test_udp_rejects(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mip4_reg r;
	struct rep q;

	c.udp_tunnel = MN_REG_UDP_TUNNEL_AUTO;
	c.encap = ENCAP4_GRE;
	c.reverse_tunnel = false;
	c.n_v6 = 1;
	c.v6[0] = pfx("2001:db8:46:1::", 64);
	start(&c);
	away(0, COA1);
	sent(&r);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_T);      /* G cleared, T added */
	uint64_t id1 = r.id;
	q = (struct rep){ .code = MIP4_CODE_HA_UDP_ENCAP_UNAVAIL, .id = id1 };
	recv_rep(100, &q);
	assert_int_equal(M.stats.udp_tunnel_retries, 1);
	assert_int_equal(M.stats.registrations_rejected, 0);
	assert_int_equal(M.state, MN_REG_REGISTERING);
	assert_int_equal(O.events, 0);
	sent(&r);
	assert_false(r.has_udp_tun);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_G);      /* as configured */
	assert_true(r.id != id1);
	assert_int_equal(M.p.tx_count, 2);
	assert_int_equal(O.len, 24 + 20 + 4 + 22);
	q = (struct rep){ .lifetime = 1800, .id = r.id, .udp = 1 };   /* stray 44 */
	recv_rep(200, &q);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_false(O.binding.udp_tunnel);
	assert_int_equal(O.binding.encap, ENCAP4_GRE);
	assert_int_equal(M.stats.udp_tunnel_reply_ignored, 1);
	/* the renewal at this address leaves it out */
	tick(M.b.renew_ms);
	sent(&r);
	assert_false(r.has_udp_tun);
	/* a move asks again */
	away(M.b.renew_ms + 100, COA2);
	sent(&r);
	assert_true(r.has_udp_tun);
	assert_int_equal(r.coa, COA2);

	/* 137 with T added for the tunnel: retry without */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .code = MIP4_CODE_HA_REVTUN_UNAVAIL, .id = M.p.id };
	recv_rep(100, &q);
	assert_int_equal(M.stats.udp_tunnel_retries, 1);
	sent(&r);
	assert_false(r.has_udp_tun);
	assert_int_equal(r.flags, MIP4_F_D | MIP4_F_G);
	/* 137 with T configured: a rejection */
	c.reverse_tunnel = true;
	start(&c);
	away(0, COA1);
	q = (struct rep){ .code = MIP4_CODE_HA_REVTUN_UNAVAIL, .id = M.p.id };
	recv_rep(100, &q);
	assert_int_equal(M.stats.udp_tunnel_retries, 0);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_true(O.events & MN_EV_LOST);
	assert_int_equal(O.lost, MN_LOST_REJECTED);
	assert_int_equal(O.code, MIP4_CODE_HA_REVTUN_UNAVAIL);
	/* 129 (traversal not allowed, 4.6.1): a rejection even in auto */
	start(&c);
	away(0, COA1);
	q = (struct rep){ .code = MIP4_CODE_HA_PROHIBITED, .id = M.p.id };
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.code, MIP4_CODE_HA_PROHIBITED);
	assert_int_equal(M.stats.udp_tunnel_retries, 0);
	/* the retry after FAILED still asks (only 142/137 turn it off) */
	tick(M.hold_until);
	sent(&r);
	assert_true(r.has_udp_tun);

	/* force: 142 is a rejection */
	c.udp_tunnel = MN_REG_UDP_TUNNEL_FORCE;
	start(&c);
	away(0, COA1);
	q = (struct rep){ .code = MIP4_CODE_HA_UDP_ENCAP_UNAVAIL, .id = M.p.id };
	recv_rep(100, &q);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_int_equal(O.lost, MN_LOST_REJECTED);
	assert_int_equal(O.code, MIP4_CODE_HA_UDP_ENCAP_UNAVAIL);
	assert_int_equal(M.stats.udp_tunnel_retries, 0);
	assert_int_equal(M.stats.registrations_rejected, 1);
	tick(M.hold_until);
	sent(&r);
	assert_true(r.has_udp_tun);
	assert_int_equal(r.udp_tun_flags, 0x80);

	/* auto, the last try refused: given up, FAILED */
	c.udp_tunnel = MN_REG_UDP_TUNNEL_AUTO;
	c.retrans_tries = 1;
	start(&c);
	away(0, COA1);
	q = (struct rep){ .code = MIP4_CODE_HA_UDP_ENCAP_UNAVAIL, .id = M.p.id };
	recv_rep(100, &q);
	assert_int_equal(M.stats.udp_tunnel_retries, 1);
	assert_int_equal(M.stats.registrations_gave_up, 1);
	assert_int_equal(M.state, MN_REG_FAILED);
	assert_false(O.send);
	tick(M.hold_until);
	sent(&r);
	assert_false(r.has_udp_tun);                /* still at COA1 */
}

/* mn_reg_reregister: RFC 5944 2.4.4, RFC 3519 4.10. */
static void test_reregister(void **state)
{
	(void)state;
	struct mn_reg_config c = base_cfg();
	struct mn_reg_now n = at(0);
	struct mip4_reg r;

	start(&c);
	assert_int_equal(mn_reg_reregister(&M, &n, &O), -EINVAL);   /* IDLE */
	assert_false(O.send);
	register_at(0, COA1);
	n = at(1000);
	assert_int_equal(mn_reg_reregister(&M, &n, &O), 0);
	assert_int_equal(M.state, MN_REG_REREGISTERING);
	sent(&r);
	assert_int_equal(r.coa, COA1);
	assert_int_equal(M.stats.reregistrations, 1);
	accept_(1100, 1800);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	assert_int_equal(M.stats.registrations_renewed, 1);
	/* through an agent: to the agent */
	away_fa(2000, FA, FACOA, OFF_FT);
	recv_frep(2100, &((struct frep){ .code = 0, .lifetime = 1800, .id = M.p.id, .mh = true }), FA);
	assert_int_equal(M.state, MN_REG_REGISTERED);
	n = at(3000);
	assert_int_equal(mn_reg_reregister(&M, &n, &O), 0);
	sent_fa(&r, FA);
	assert_int_equal(r.coa, FACOA);
	/* at home: nothing */
	home(4000);
	accept_(4100, 0);
	assert_int_equal(M.state, MN_REG_AT_HOME);
	n = at(5000);
	assert_int_equal(mn_reg_reregister(&M, &n, &O), -EINVAL);
	assert_false(O.send);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_init_invalid),
		cmocka_unit_test(test_request_bytes_plain),
		cmocka_unit_test(test_request_bytes_extensions),
		cmocka_unit_test(test_register_and_renew),
		cmocka_unit_test(test_short_lifetime),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_renewal_gave_up),
		cmocka_unit_test(test_resync_timestamps),
		cmocka_unit_test(test_resync_nonces),
		cmocka_unit_test(test_reply_drops),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_v6_unsupported),
		cmocka_unit_test(test_v6_codes),
		cmocka_unit_test(test_v6_dynamic),
		cmocka_unit_test(test_link_local),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_set_v6),
		cmocka_unit_test(test_dynamic_home),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_fa_request_bytes),
		cmocka_unit_test(test_fa_offered_flags),
		cmocka_unit_test(test_fa_accepted),
		cmocka_unit_test(test_fa_denials),
		cmocka_unit_test(test_fa_mf_auth),
		cmocka_unit_test(test_fa_encap_delivery),
		cmocka_unit_test(test_fa_moves),
		cmocka_unit_test(test_udp_request_bytes),
		cmocka_unit_test(test_udp_reply),
		cmocka_unit_test(test_udp_rejects),
		cmocka_unit_test(test_reregister),
	};

	log_init("test_mip4_mn_reg", false, LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
