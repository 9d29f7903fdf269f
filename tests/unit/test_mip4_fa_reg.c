/* Unit tests for the foreign agent's relay engine (mip4/fa_reg.c):
 * requests built with the codec (wire/mip4.h) and from annotated bytes;
 * every foreign-agent denial code for its cause (RFC 5944 3.7.2, 3.7.3,
 * RFC 3024 5.2, RFC 2794), relay byte-exactness checked against the real
 * home agent engine (mip4/ha_reg.c), the seed 3.4 dual-stack duties
 * (Tunneling Mode after the MH authentication, covered by the FH one; never
 * with R and a co-located node), reply relay, timeouts and expiry. */
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
#include "mip4/fa_config.h"
#include "mip4/fa_reg.h"
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"
#include "wire/mip4.h"

#define T0 1700000000LL
#define IFX 2                        /* the visitor link */
#define MN_PORT 4444

static const char ha_conf[] =
	"ha = {\n"
	"  address = \"192.0.2.1\";\n"
	"  home-link = \"h0\";\n"
	"  home-network = \"192.0.2.0/24\";\n"
	"  max-lifetime = 600;\n"
	"  nodes = (\n"
	"    { name = \"mn1\"; home-address = \"192.0.2.10\"; spi = 300;\n"
	"      key-hex = \"0102030405060708090a0b0c0d0e0f10\";\n"
	"      prefixes = [ \"2001:db8:47::/48\" ]; }\n"
	"  );\n"
	"};\n";

static const uint8_t KEY1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t KEY_MF[] = "mn-fa-secret";
static const uint8_t KEY_FH[] = "fa-ha-secret";
static const uint8_t LL[6] = { 0x02, 0, 0, 0, 0, 0x10 };

struct fx {
	struct fa_cfg cfg;
	struct fa_reg *fa;
	struct fa_reg_out out;
	struct mip4_reg parsed;
	int gone;                    /* visitor_gone / gone callbacks */
	struct fa_visitor last_gone;
	int sent;
	struct fa_reg_out last_sent;
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

static uint64_t ts(int64_t sec)
{
	return mip4_ntp_time(sec, 0) | 0x1234;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	fa_cfg_defaults(&f->cfg);
	f->cfg.n_ifaces = 1;
	f->cfg.ifaces[0] = (struct fa_cfg_iface){ .ifindex = IFX,
						  .address = a4("198.51.100.1"),
						  .n_coa = 1,
						  .coa = { a4("198.51.100.1") } };
	*state = f;
	return 0;
}

static struct fx *start(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fa_reg_new(&f->cfg, &f->fa), 0);
	return f;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fa_reg_free(f->fa);
	free(f);
	return 0;
}

static void add_mn_sa(struct fx *f)
{
	struct fa_cfg_sa *sa = &f->cfg.mn_sa[f->cfg.n_mn_sa++];

	sa->addr = a4("192.0.2.10");
	sa->spi = 700;
	memcpy(sa->key, KEY_MF, sizeof(KEY_MF) - 1);
	sa->key_len = sizeof(KEY_MF) - 1;
}

static void add_ha_sa(struct fx *f)
{
	struct fa_cfg_sa *sa = &f->cfg.ha_sa[f->cfg.n_ha_sa++];

	sa->addr = a4("192.0.2.1");
	sa->spi = 800;
	memcpy(sa->key, KEY_FH, sizeof(KEY_FH) - 1);
	sa->key_len = sizeof(KEY_FH) - 1;
}

/* A request under construction. */
struct rq {
	uint8_t flags;
	uint16_t lifetime;
	uint32_t home, ha, coa;
	uint64_t id;
	const char *nai;
	unsigned n_pfx;
	bool tunnel_mode;            /* the node's own (co-located) */
	bool encap_delivery;
	bool no_mh;
	bool mf;                     /* MN-FA auth after MH */
	bool mf_corrupt;
};

static struct rq rq_mn1(void)
{
	struct rq q = { .lifetime = 300, .home = a4("192.0.2.10"), .ha = a4("192.0.2.1"),
			.coa = a4("198.51.100.1"), .id = ts(T0) };
	return q;
}

/* Builds q; *mh_end gets the end of its MH authentication. */
static size_t rq_build(const struct rq *q, uint8_t *buf, size_t cap, size_t *mh_end)
{
	struct mip4_buf b;

	mip4_buf_init(&b, buf, cap);
	assert_int_equal(mip4_put_request(&b, q->flags, q->lifetime, q->home, q->ha, q->coa, q->id),
			 0);
	if (q->nai)
		assert_int_equal(mip4_put_nai(&b, q->nai, strlen(q->nai)), 0);
	for (unsigned i = 0; i < q->n_pfx; i++) {
		struct in6_addr p = a6("2001:db8:47::");
		p.s6_addr[7] = (uint8_t)(i + 1);
		assert_int_equal(mip4_put_prefix_request(&b, 64, &p), 0);
	}
	if (q->tunnel_mode)
		assert_int_equal(mip4_put_tunnel_mode(&b), 0);
	if (!q->no_mh)
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 300, KEY1, sizeof(KEY1)), 0);
	if (mh_end)
		*mh_end = b.len;
	/* RFC 3024 3.3: after the MH, before the MF authentication */
	if (q->encap_delivery)
		assert_int_equal(mip4_put_ext(&b, MIP4_EXT_ENCAP_DELIVERY, NULL, 0), 0);
	if (q->mf) {
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MF_AUTH, 700, KEY_MF,
					       sizeof(KEY_MF) - 1),
				 0);
		if (q->mf_corrupt)
			buf[b.len - 1] ^= 0x80;
	}
	return b.len;
}

static struct fa_reg_rx rx_req(const uint8_t *buf, size_t len, int64_t now)
{
	struct fa_reg_rx rx = { .buf = buf, .len = len, .src_addr = a4("192.0.2.10"),
				.dst_addr = a4("198.51.100.1"), .src_port = MN_PORT,
				.ifindex = IFX, .ttl = 255, .lladdr = LL,
				.lladdr_len = sizeof(LL), .now = now };
	return rx;
}

static int request(struct fx *f, const struct rq *q, int64_t now)
{
	uint8_t buf[1024];
	size_t len = rq_build(q, buf, sizeof(buf), NULL);
	struct fa_reg_rx rx = rx_req(buf, len, now);

	return fa_reg_request(f->fa, &rx, &f->out);
}

static void gone_cb(const struct fa_visitor *v, void *arg)
{
	struct fx *f = arg;

	f->gone++;
	f->last_gone = *v;
}

static void send_cb(const struct fa_reg_out *o, void *arg)
{
	struct fx *f = arg;

	f->sent++;
	f->last_sent = *o;
}

static int reply(struct fx *f, const uint8_t *buf, size_t len, int64_t now)
{
	struct fa_reg_rx rx = { .buf = buf, .len = len, .src_addr = a4("192.0.2.1"),
				.src_port = 434, .ifindex = 1, .now = now };

	return fa_reg_reply(f->fa, &rx, &f->out, gone_cb, f);
}

/* A home agent's reply built with the codec. */
static size_t hrep_build(uint8_t code, uint16_t lifetime, uint64_t id, int v6code, bool fh,
			 bool fh_corrupt, uint8_t *buf, size_t cap, size_t *mh_end)
{
	struct mip4_buf b;

	mip4_buf_init(&b, buf, cap);
	assert_int_equal(mip4_put_reply(&b, code, lifetime, a4("192.0.2.10"), a4("192.0.2.1"),
					id),
			 0);
	if (v6code >= 0) {
		struct in6_addr p = a6("2001:db8:47:1::");
		assert_int_equal(mip4_put_prefix_reply(&b, (uint8_t)v6code, 64, &p), 0);
	}
	assert_int_equal(mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 300, KEY1, sizeof(KEY1)), 0);
	if (mh_end)
		*mh_end = b.len;
	if (fh) {
		assert_int_equal(mip4_put_auth(&b, MIP4_EXT_FH_AUTH, 800, KEY_FH,
					       sizeof(KEY_FH) - 1),
				 0);
		if (fh_corrupt)
			buf[b.len - 3] ^= 1;
	}
	return b.len;
}

/* The denial in f->out: parsed, fields copied from the request (3.7.2.3). */
static void check_denial(struct fx *f, uint8_t code, const struct rq *q, uint16_t lifetime)
{
	assert_int_equal(f->out.kind, FA_REG_TO_MN);
	assert_int_equal(f->out.code, code);
	assert_non_null(f->out.why);
	assert_int_equal(mip4_reg_parse(f->out.buf, f->out.len, &f->parsed, NULL), 0);
	assert_int_equal(f->parsed.type, MIP4_REG_REPLY);
	assert_int_equal(f->parsed.code, code);
	assert_int_equal(f->parsed.lifetime, lifetime);
	assert_int_equal(f->parsed.home_addr, q->home);
	assert_int_equal(f->parsed.home_agent, q->ha);
	assert_true(f->parsed.id == q->id);
	assert_false(f->parsed.mh.present);
	assert_int_equal(f->out.dst_addr, q->home ? q->home : 0xffffffffu);
	assert_int_equal(f->out.src_addr, a4("198.51.100.1"));
	assert_int_equal(f->out.dst_port, MN_PORT);
	assert_int_equal(f->out.ifindex, IFX);
	assert_int_equal(f->out.lladdr_len, 6);
	assert_memory_equal(f->out.lladdr, LL, 6);
	assert_int_equal(fa_reg_pending_count(f->fa), 0);
}

/* ---- denials ---------------------------------------------------------------------- */

static void t_deny_request_codes(void **state)
{
	struct fx *f = *state;
	struct rq q;

	/* each case: fresh engine over the tweaked configuration */
#define CASE(cfg_tweak, rq_tweak, want, lt, counter)                                         \
	do {                                                                                 \
		fa_reg_free(f->fa);                                                          \
		f->fa = NULL;                                                                \
		fa_cfg_defaults(&f->cfg);                                                    \
		f->cfg.n_ifaces = 1;                                                         \
		f->cfg.ifaces[0] = (struct fa_cfg_iface){ .ifindex = IFX,                    \
							  .address = a4("198.51.100.1"),     \
							  .n_coa = 1,                        \
							  .coa = { a4("198.51.100.1") } };   \
		cfg_tweak;                                                                   \
		assert_int_equal(fa_reg_new(&f->cfg, &f->fa), 0);                            \
		q = rq_mn1();                                                                \
		rq_tweak;                                                                    \
		assert_int_equal(request(f, &q, T0), FA_REG_TO_MN);                          \
		check_denial(f, want, &q, lt);                                               \
		assert_int_equal(fa_reg_stats(f->fa)->counter, 1);                           \
		assert_int_equal(fa_reg_stats(f->fa)->tx_denials, 1);                        \
		assert_int_equal(fa_reg_count(f->fa), 0);                                    \
	} while (0)

	/* 65: not an allowed home agent */
	CASE((f->cfg.n_allowed_ha = 1, f->cfg.allowed_ha[0] = a4("192.0.2.99")), (void)0,
	     MIP4_CODE_FA_PROHIBITED, 300, deny_prohibited);
	/* 69: lifetime above ours, the reply carries our maximum (3.7.2.3) */
	CASE((void)0, q.lifetime = 2000, MIP4_CODE_FA_LIFETIME_TOO_LONG, 1800,
	     deny_lifetime_too_long);
	/* 70: reserved bits (r, x), and no authorization-enabling extension */
	CASE((void)0, q.flags = MIP4_F_R, MIP4_CODE_FA_POORLY_FORMED_REQ, 300,
	     deny_poorly_formed_req);
	CASE((void)0, q.flags = MIP4_F_X, MIP4_CODE_FA_POORLY_FORMED_REQ, 300,
	     deny_poorly_formed_req);
	CASE((void)0, q.no_mh = true, MIP4_CODE_FA_POORLY_FORMED_REQ, 300,
	     deny_poorly_formed_req);
	/* 72: M or G not offered */
	CASE((void)0, q.flags = MIP4_F_M, MIP4_CODE_FA_ENCAP_UNAVAIL, 300, deny_encap_unavailable);
	CASE(f->cfg.encap_minimal = true, q.flags = MIP4_F_G, MIP4_CODE_FA_ENCAP_UNAVAIL, 300,
	     deny_encap_unavailable);
	/* RFC 3024: 74, 75, 76, 79 */
	CASE(f->cfg.reverse_tunnel = FA_REVTUN_OFF, q.flags = MIP4_F_T,
	     MIP4_CODE_FA_REVTUN_UNAVAIL, 300, deny_revtun_unavailable);
	CASE(f->cfg.reverse_tunnel = FA_REVTUN_REQUIRED, (void)0, MIP4_CODE_FA_REVTUN_MANDATORY,
	     300, deny_revtun_mandatory);
	CASE(f->cfg.encap_delivery = false, (q.flags = MIP4_F_T, q.encap_delivery = true),
	     MIP4_CODE_FA_DELIVERY_STYLE, 300, deny_delivery_style);
	/* 77: a care-of address we do not offer, D clear */
	CASE((void)0, q.coa = a4("198.51.100.77"), MIP4_CODE_FA_INVALID_COA, 300, deny_invalid_coa);
	/* RFC 2794: 96 with a NAI, 97 without; to the limited broadcast */
	CASE((void)0, (q.home = 0, q.nai = "mn@example.net"), MIP4_CODE_FA_NONZERO_HOMEADDR, 300,
	     deny_nonzero_homeaddr);
	CASE((void)0, q.home = 0, MIP4_CODE_FA_MISSING_NAI, 300, deny_missing_nai);
	/* 98: no home agent; 194: the home agent is us (3.7.2) */
	CASE((void)0, q.ha = 0, MIP4_CODE_FA_MISSING_HA, 300, deny_missing_ha);
	CASE((void)0, q.ha = a4("198.51.100.1"), MIP4_CODE_FA_INVALID_HA, 300, deny_invalid_ha);
	/* 67: MN-FA SA and no MF authentication, or a bad one */
	CASE(add_mn_sa(f), (void)0, MIP4_CODE_FA_MN_AUTH, 300, deny_mn_auth);
	CASE(add_mn_sa(f), (q.mf = true, q.mf_corrupt = true), MIP4_CODE_FA_MN_AUTH, 300,
	     deny_mn_auth);
	/* the denial carries our MN-FA authentication (3.7.1) */
	assert_true(f->parsed.mf.present);
	assert_int_equal(f->parsed.mf.spi, 700);
	assert_int_equal(mip4_auth_verify(f->out.buf, f->out.len, &f->parsed.mf, KEY_MF,
					  sizeof(KEY_MF) - 1),
			 0);
#undef CASE
}

/* 76: T with an IP TTL other than 255 (RFC 3024 5.2); unknown TTL is not
 * checked. */
static void t_deny_too_distant(void **state)
{
	struct fx *f = start(state);
	struct rq q = rq_mn1();
	uint8_t buf[512];
	size_t len;
	struct fa_reg_rx rx;

	q.flags = MIP4_F_T;
	len = rq_build(&q, buf, sizeof(buf), NULL);
	rx = rx_req(buf, len, T0);
	rx.ttl = 64;
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_MN);
	check_denial(f, MIP4_CODE_FA_TOO_DISTANT, &q, 300);
	assert_int_equal(fa_reg_stats(f->fa)->deny_too_distant, 1);
	rx.ttl = 0;
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
}

/* At most one denial per second to the same node (RFC 5944 3.7.2, RFC
 * 3024 5.2); others are dropped and counted. */
static void t_denial_rate_limit(void **state)
{
	struct fx *f = start(state);
	struct rq q = rq_mn1();

	q.flags = MIP4_F_M;
	assert_int_equal(request(f, &q, T0), FA_REG_TO_MN);
	assert_int_equal(request(f, &q, T0), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->drop_denial_rate_limited, 1);
	assert_int_equal(request(f, &q, T0 + 1), FA_REG_TO_MN);
	q.home = a4("192.0.2.11");   /* another node: its own budget */
	assert_int_equal(request(f, &q, T0 + 1), FA_REG_TO_MN);
	assert_int_equal(fa_reg_stats(f->fa)->deny_encap_unavailable, 3);
}

/* The relayed request leaves from the care-of address the node chose
 * among those we offer (3.7.2.2). */
static void t_relay_source_coa(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1();

	f->cfg.ifaces[0].n_coa = 2;
	f->cfg.ifaces[0].coa[1] = a4("198.51.100.2");
	start(state);
	q.coa = a4("198.51.100.2");
	assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
	assert_int_equal(f->out.src_addr, a4("198.51.100.2"));
	assert_int_equal(fa_reg_entry(f->fa, q.home)->pend.coa, a4("198.51.100.2"));
}

/* RFC 3024 3.3: the Encapsulating Delivery Style extension is consumed
 * (the relayed request ends with the MH authentication, 130 is not in
 * it) and remembered with T; without T it means nothing (3.3: "MUST NOT
 * be included"); the address the request came to is the agent address
 * replies come from (5.2.2). */
static void t_encap_delivery_consumed(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1();
	uint8_t buf[1024];
	size_t mh_end;

	start(state);
	q.flags = MIP4_F_T;
	q.encap_delivery = true;
	q.mf = true;
	size_t len = rq_build(&q, buf, sizeof(buf), &mh_end);
	assert_true(len > mh_end + 2);
	assert_int_equal(buf[mh_end], MIP4_EXT_ENCAP_DELIVERY);
	struct fa_reg_rx rx = rx_req(buf, len, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, mh_end);   /* nothing after MH: no FH SA here */
	assert_memory_equal(f->out.buf, buf, mh_end);
	const struct fa_visitor *v = fa_reg_entry(f->fa, q.home);
	assert_true(v->pend.encap_delivery);
	assert_int_equal(v->pend.agent_addr, a4("198.51.100.1"));
	/* without T */
	q.flags = 0;
	q.id++;
	assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
	assert_false(fa_reg_entry(f->fa, q.home)->pend.encap_delivery);
	/* to All Agents: our interface address */
	q.flags = MIP4_F_T;
	q.id++;
	len = rq_build(&q, buf, sizeof(buf), NULL);
	rx = rx_req(buf, len, T0);
	rx.dst_addr = a4("224.0.0.11");
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(fa_reg_entry(f->fa, q.home)->pend.agent_addr, f->cfg.ifaces[0].address);
}

/* 66: more pending registrations than configured (3.7.1); a second request
 * of the same node replaces its pending one instead. */
static void t_deny_resources(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1(), q2 = rq_mn1();

	f->cfg.max_pending = 1;
	start(state);
	assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
	q.id++;
	assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
	assert_int_equal(fa_reg_stats(f->fa)->pending_replaced, 1);
	assert_int_equal(fa_reg_pending_count(f->fa), 1);
	q2.home = a4("192.0.2.11");
	assert_int_equal(request(f, &q2, T0), FA_REG_TO_MN);
	assert_int_equal(f->out.code, MIP4_CODE_FA_RESOURCES);
	assert_int_equal(fa_reg_stats(f->fa)->deny_no_resources, 1);
	assert_int_equal(fa_reg_pending_count(f->fa), 1);
	assert_int_equal(fa_reg_count(f->fa), 1);
}

/* Annotated bytes: a request with the reserved 'x' bit and no extensions,
 * sent to All Agents; the 70 denial byte for byte, from our address on
 * the link (3.7.2.3). */
static void t_annotated_poorly_formed(void **state)
{
	struct fx *f = start(state);
	static const uint8_t req[] = {
		/* type 1, flags: T (0x02) | x (0x01), lifetime 300 */
		0x01, 0x03, 0x01, 0x2c,
		/* home address 192.0.2.10 */
		0xc0, 0x00, 0x02, 0x0a,
		/* home agent 192.0.2.1 */
		0xc0, 0x00, 0x02, 0x01,
		/* care-of address 198.51.100.1 */
		0xc6, 0x33, 0x64, 0x01,
		/* identification */
		0xe8, 0x8a, 0x5e, 0x00, 0x00, 0x00, 0x12, 0x34,
		/* Mobile-Home Authentication: type 32, length 20, SPI 300, 16 octets */
		0x20, 0x14, 0x00, 0x00, 0x01, 0x2c,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t want[] = {
		/* type 3, code 70, lifetime 300 */
		0x03, 0x46, 0x01, 0x2c,
		/* home address, home agent, identification as in the request */
		0xc0, 0x00, 0x02, 0x0a,
		0xc0, 0x00, 0x02, 0x01,
		0xe8, 0x8a, 0x5e, 0x00, 0x00, 0x00, 0x12, 0x34,
	};
	struct fa_reg_rx rx = rx_req(req, sizeof(req), T0);

	rx.dst_addr = FA_ALL_AGENTS;
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_MN);
	assert_int_equal(f->out.len, sizeof(want));
	assert_memory_equal(f->out.buf, want, sizeof(want));
	assert_int_equal(f->out.src_addr, a4("198.51.100.1"));
	assert_int_equal(f->out.dst_addr, a4("192.0.2.10"));
	assert_int_equal(f->out.dst_port, MN_PORT);
	assert_int_equal(fa_reg_stats(f->fa)->deny_poorly_formed_req, 1);
}

/* Malformed requests are dropped and counted, never answered. */
static void t_drops(void **state)
{
	struct fx *f = start(state);
	struct rq q = rq_mn1();
	uint8_t buf[512];
	size_t len = rq_build(&q, buf, sizeof(buf), NULL);
	struct fa_reg_rx rx = rx_req(buf, 10, T0);

	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->drop_truncated, 1);
	rx = rx_req(buf, len - 1, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->drop_ext_overrun, 1);
	rx = rx_req(buf, len, T0);
	rx.ifindex = 9;
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->drop_unknown_iface, 1);
	buf[0] = MIP4_REG_REPLY;
	rx = rx_req(buf, MIP4_REP_FIXED_LEN, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->drop_not_request, 1);
	assert_int_equal(fa_reg_stats(f->fa)->tx_denials, 0);
	assert_int_equal(fa_reg_count(f->fa), 0);
}

/* ---- relay through the real home agent ------------------------------------------- */

static void t_relay_accepted_by_ha(void **state)
{
	struct fx *f = start(state);
	struct ha_cfg *hc;
	struct ha_reg *ha;
	struct ha_reg_pending *p = NULL;
	struct ha_reg_reply hr;
	struct ha_reg_changes ch;
	char err[256] = "";
	struct rq q = rq_mn1();
	uint8_t buf[1024];
	size_t mh_end, len;
	struct fa_reg_rx rx;
	const struct fa_visitor *v;

	assert_int_equal(ha_cfg_load_string(ha_conf, "ha.conf", &hc, err, sizeof(err)), 0);
	assert_int_equal(ha_reg_new(hc, &ha), 0);

	/* a Prefix Request and the node's MF authentication (no SA here:
	 * removed, 3.7.2.2), IPv6 ignored */
	q.n_pfx = 1;
	q.flags = MIP4_F_T;
	q.mf = true;
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	assert_true(len > mh_end);
	rx = rx_req(buf, len, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, mh_end);
	assert_memory_equal(f->out.buf, buf, mh_end);
	assert_int_equal(f->out.dst_addr, a4("192.0.2.1"));
	assert_int_equal(f->out.dst_port, MIP4_PORT);
	assert_int_equal(f->out.src_addr, a4("198.51.100.1"));
	assert_int_equal(fa_reg_pending_count(f->fa), 1);
	assert_null(fa_reg_visitor(f->fa, q.home));
	v = fa_reg_entry(f->fa, q.home);
	assert_non_null(v);
	assert_true(v->pending);
	assert_true(v->pend.id == q.id);
	assert_int_equal(v->pend.lifetime, 300);
	assert_int_equal(v->pend.src_port, MN_PORT);
	assert_int_equal(v->pend.home_agent, q.ha);
	assert_memory_equal(v->pend.lladdr, LL, 6);
	assert_false(v->pend.tunnel_mode);
	assert_int_equal(v->pend_deadline, T0 + 7);

	/* the home agent accepts it: the MH authentication still verifies */
	{
		struct ha_reg_rx hrx = { .buf = f->out.buf, .len = f->out.len,
					 .src_addr = f->out.src_addr, .src_port = 434,
					 .dst_addr = f->out.dst_addr,
					 .now = { .sec = T0 + 1 }, .random = 7 };
		assert_int_equal(ha_reg_check(ha, &hrx, &hr, &p), HA_REG_PENDING);
		assert_int_equal(ha_reg_finish(ha, p, NULL, hrx.now, 8, &hr, &ch), HA_REG_REPLY);
	}
	assert_int_equal(hr.code, MIP4_CODE_ACCEPTED);
	assert_non_null(ha_reg_lookup(ha, q.home, a4("198.51.100.1")));

	/* its reply relayed unchanged to the node on the link */
	assert_int_equal(reply(f, hr.buf, hr.len, T0 + 2), FA_REG_TO_MN);
	assert_int_equal(f->out.len, hr.len);
	assert_memory_equal(f->out.buf, hr.buf, hr.len);
	assert_int_equal(f->out.code, 0);
	assert_int_equal(f->out.dst_addr, q.home);
	assert_int_equal(f->out.src_addr, a4("198.51.100.1"));
	assert_int_equal(f->out.dst_port, MN_PORT);
	assert_int_equal(f->out.ifindex, IFX);
	assert_memory_equal(f->out.lladdr, LL, 6);
	v = fa_reg_visitor(f->fa, q.home);
	assert_non_null(v);
	assert_false(v->pending);
	assert_int_equal(v->lifetime, 300);           /* min(HA 300 of 600, 300) */
	assert_int_equal(v->expires, T0 + 2 + 300);
	assert_int_equal(v->reg.flags, MIP4_F_T);
	assert_int_equal(v->v6, FA_V6_VIA_HOME_ADDR); /* code 0, IPv6 ignored */
	assert_int_equal(v->n_prefix, 1);
	assert_int_equal(fa_reg_stats(f->fa)->visitors_added, 1);
	assert_int_equal(fa_reg_stats(f->fa)->v6_via_home_addr, 1);
	assert_int_equal(fa_reg_stats(f->fa)->tunnel_mode_attached, 0);
	assert_int_equal(fa_reg_pending_count(f->fa), 0);

	/* a second reply to the same registration: nothing pending */
	assert_int_equal(reply(f, hr.buf, hr.len, T0 + 3), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->drop_no_pending, 1);

	/* deregistration: relayed, accepted, the visitor goes */
	q.lifetime = 0;
	q.id = ts(T0 + 4);
	q.mf = false;
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	rx = rx_req(buf, len, T0 + 4);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_non_null(fa_reg_visitor(f->fa, q.home));   /* 3.7.2: not yet */
	{
		struct ha_reg_rx hrx = { .buf = f->out.buf, .len = f->out.len,
					 .src_addr = f->out.src_addr, .src_port = 434,
					 .dst_addr = f->out.dst_addr,
					 .now = { .sec = T0 + 4 }, .random = 9 };
		assert_int_equal(ha_reg_check(ha, &hrx, &hr, &p), HA_REG_PENDING);
		assert_int_equal(ha_reg_finish(ha, p, NULL, hrx.now, 10, &hr, &ch), HA_REG_REPLY);
	}
	assert_int_equal(hr.code, 0);
	assert_int_equal(ha_reg_binding_count(ha), 0);
	assert_int_equal(reply(f, hr.buf, hr.len, T0 + 4), FA_REG_TO_MN);
	assert_int_equal(f->gone, 1);
	assert_int_equal(f->last_gone.home_addr, q.home);
	assert_null(fa_reg_entry(f->fa, q.home));
	assert_int_equal(fa_reg_stats(f->fa)->visitors_deregistered, 1);

	ha_reg_free(ha);
	ha_cfg_free(hc);
}

/* ---- seed 3.4: attach mode --------------------------------------------------------- */

static void t_attach_tunnel_mode(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1();
	uint8_t buf[1024], rbuf[512];
	size_t mh_end, len, rlen, rmh;
	struct fa_reg_rx rx;
	struct mip4_reg m;
	const struct fa_visitor *v;
	static const uint8_t tm[4] = { 152, 2, 3, 0 };

	f->cfg.ipv6_mode = FA_IPV6_ATTACH;
	add_ha_sa(f);
	start(state);
	q.n_pfx = 2;
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	rx = rx_req(buf, len, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	/* the node's bytes, then Tunneling Mode, then FH authentication */
	assert_int_equal(f->out.len, mh_end + 4 + 6 + 16);
	assert_memory_equal(f->out.buf, buf, mh_end);
	assert_memory_equal(f->out.buf + mh_end, tm, 4);
	assert_int_equal(mip4_reg_parse(f->out.buf, f->out.len, &m, NULL), 0);
	assert_int_equal(m.n_tunnel_mode, 1);
	assert_int_equal(m.tunnel_mode_off, mh_end);
	assert_true(m.tunnel_mode_off > m.mh.off);
	assert_false(mip4_covered_by_mh(&m, m.tunnel_mode_off));
	assert_int_equal(mip4_auth_verify(f->out.buf, f->out.len, &m.mh, KEY1, sizeof(KEY1)), 0);
	assert_true(m.fh.present);
	assert_int_equal(m.fh.spi, 800);
	assert_int_equal(m.fh.off, mh_end + 4);
	assert_int_equal(mip4_auth_verify(f->out.buf, f->out.len, &m.fh, KEY_FH,
					  sizeof(KEY_FH) - 1),
			 0);
	assert_int_equal(fa_reg_stats(f->fa)->tunnel_mode_attached, 1);
	assert_int_equal(fa_reg_stats(f->fa)->fh_auth_attached, 1);
	assert_true(fa_reg_entry(f->fa, q.home)->pend.tunnel_mode);

	/* the HA's reply without FH: 68 to the node, the pending one goes */
	rlen = hrep_build(0, 300, q.id, 1, false, false, rbuf, sizeof(rbuf), &rmh);
	assert_int_equal(reply(f, rbuf, rlen, T0 + 1), FA_REG_TO_MN);
	check_denial(f, MIP4_CODE_FA_HA_AUTH, &q, 300);
	assert_int_equal(fa_reg_stats(f->fa)->drop_fh_auth, 1);
	assert_null(fa_reg_entry(f->fa, q.home));

	/* again, with a corrupted FH: 68 */
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	rlen = hrep_build(0, 300, q.id, 1, true, true, rbuf, sizeof(rbuf), &rmh);
	assert_int_equal(reply(f, rbuf, rlen, T0 + 1), FA_REG_TO_MN);
	assert_int_equal(f->out.code, MIP4_CODE_FA_HA_AUTH);
	assert_int_equal(fa_reg_stats(f->fa)->deny_ha_auth, 2);

	/* accepted with code 1: native IPv6 through us; FH removed */
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	rlen = hrep_build(0, 1000, q.id, MIP4_V6_ACCEPT_COA, true, false, rbuf, sizeof(rbuf),
			  &rmh);
	assert_int_equal(reply(f, rbuf, rlen, T0 + 2), FA_REG_TO_MN);
	assert_int_equal(f->out.len, rmh);
	assert_memory_equal(f->out.buf, rbuf, rmh);
	v = fa_reg_visitor(f->fa, q.home);
	assert_non_null(v);
	assert_int_equal(v->v6, FA_V6_NATIVE);
	assert_int_equal(v->n_prefix, 1);
	assert_int_equal(v->prefix[0].plen, 64);
	assert_int_equal(v->lifetime, 300);           /* the request's 300 < 1000 */
	assert_int_equal(fa_reg_stats(f->fa)->v6_native, 1);
}

/* Nothing to attach to: no prefix requests, or a deregistration (no FH
 * either: 3.7.2.2 asks for it only with a non-zero lifetime). */
static void t_attach_only_with_prefixes(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1();
	uint8_t buf[1024];
	size_t mh_end, len;
	struct fa_reg_rx rx;

	f->cfg.ipv6_mode = FA_IPV6_ATTACH;
	add_ha_sa(f);
	start(state);
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	rx = rx_req(buf, len, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, mh_end + 22);    /* FH only */
	q.lifetime = 0;
	q.n_pfx = 1;
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	rx = rx_req(buf, len, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, mh_end);
	assert_int_equal(fa_reg_stats(f->fa)->tunnel_mode_attached, 0);
}

/* Ignore mode: the request goes as is; a code 1 (the HA honouring a
 * co-located node's own extension) is not native IPv6 through us. */
static void t_ignore_mode(void **state)
{
	struct fx *f = start(state);
	struct rq q = rq_mn1();
	uint8_t buf[1024], rbuf[512];
	size_t mh_end, len, rlen;
	struct fa_reg_rx rx;

	q.n_pfx = 3;
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	rx = rx_req(buf, len, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, len);
	assert_memory_equal(f->out.buf, buf, len);
	rlen = hrep_build(0, 300, q.id, MIP4_V6_ACCEPT_COA, false, false, rbuf, sizeof(rbuf), NULL);
	assert_int_equal(reply(f, rbuf, rlen, T0), FA_REG_TO_MN);
	assert_int_equal(fa_reg_visitor(f->fa, q.home)->v6, FA_V6_VIA_HOME_ADDR);
	assert_int_equal(fa_reg_stats(f->fa)->v6_native, 0);
}

/* Seed 3.4: advertising R, never attach for a co-located node (D); without
 * R the same request gets the extension. */
static void t_r_colocated_never_attaches(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1();
	uint8_t buf[1024];
	size_t mh_end, len;
	struct fa_reg_rx rx;

	f->cfg.ipv6_mode = FA_IPV6_ATTACH;
	f->cfg.advertises_r = true;
	start(state);
	q.flags = MIP4_F_D;
	q.coa = a4("203.0.113.5");   /* co-located: not ours, no 77 */
	q.n_pfx = 1;
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	rx = rx_req(buf, len, T0);
	rx.src_addr = q.coa;
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, len);
	assert_memory_equal(f->out.buf, buf, len);
	assert_int_equal(fa_reg_stats(f->fa)->tunnel_mode_attached, 0);
	assert_false(fa_reg_entry(f->fa, q.home)->pend.tunnel_mode);

	fa_reg_free(f->fa);
	f->cfg.advertises_r = false;
	start(state);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, len + 4);
	assert_int_equal(fa_reg_stats(f->fa)->tunnel_mode_attached, 1);
}

/* ---- replies ---------------------------------------------------------------------- */

/* MN-FA SA: the request's MF verified and removed; the reply relayed with
 * our MF appended (3.7.3.2). */
static void t_mn_fa_sa_relay(void **state)
{
	struct fx *f = *state;
	struct rq q = rq_mn1();
	uint8_t buf[1024], rbuf[512];
	size_t mh_end, len, rlen, rmh;
	struct fa_reg_rx rx;
	struct mip4_reg m;

	add_mn_sa(f);
	start(state);
	q.mf = true;
	len = rq_build(&q, buf, sizeof(buf), &mh_end);
	rx = rx_req(buf, len, T0);
	assert_int_equal(fa_reg_request(f->fa, &rx, &f->out), FA_REG_TO_HA);
	assert_int_equal(f->out.len, mh_end);
	rlen = hrep_build(0, 300, q.id, -1, false, false, rbuf, sizeof(rbuf), &rmh);
	assert_int_equal(reply(f, rbuf, rlen, T0), FA_REG_TO_MN);
	assert_int_equal(f->out.len, rmh + 22);
	assert_memory_equal(f->out.buf, rbuf, rmh);
	assert_int_equal(mip4_reg_parse(f->out.buf, f->out.len, &m, NULL), 0);
	assert_int_equal(mip4_auth_verify(f->out.buf, f->out.len, &m.mh, KEY1, sizeof(KEY1)), 0);
	assert_int_equal(mip4_auth_verify(f->out.buf, f->out.len, &m.mf, KEY_MF,
					  sizeof(KEY_MF) - 1),
			 0);
}

/* A denial by the home agent is relayed; the pending part goes, an active
 * visitor stays unchanged (3.7.2). */
static void t_ha_denial_keeps_visitor(void **state)
{
	struct fx *f = start(state);
	struct rq q = rq_mn1();
	uint8_t rbuf[512];
	size_t rlen;
	const struct fa_visitor *v;

	assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
	rlen = hrep_build(0, 200, q.id, -1, false, false, rbuf, sizeof(rbuf), NULL);
	assert_int_equal(reply(f, rbuf, rlen, T0), FA_REG_TO_MN);
	assert_int_equal(fa_reg_visitor(f->fa, q.home)->lifetime, 200);

	q.id = ts(T0 + 10);
	q.flags = MIP4_F_T;
	assert_int_equal(request(f, &q, T0 + 10), FA_REG_TO_HA);
	/* a reply with the wrong identification: silently discarded */
	rlen = hrep_build(0, 200, q.id + 1, -1, false, false, rbuf, sizeof(rbuf), NULL);
	assert_int_equal(reply(f, rbuf, rlen, T0 + 10), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->drop_id_mismatch, 1);
	/* high 32 bits differ (a nonce): still matched on the low 32 */
	rlen = hrep_build(MIP4_CODE_HA_PROHIBITED, 200, q.id ^ 0xffff000000000000ull, -1, false,
			  false, rbuf, sizeof(rbuf), NULL);
	assert_int_equal(reply(f, rbuf, rlen, T0 + 11), FA_REG_TO_MN);
	assert_int_equal(f->out.code, MIP4_CODE_HA_PROHIBITED);
	assert_memory_equal(f->out.buf, rbuf, rlen);
	v = fa_reg_visitor(f->fa, q.home);
	assert_non_null(v);
	assert_false(v->pending);
	assert_int_equal(v->reg.flags, 0);            /* the old registration */
	assert_int_equal(v->expires, T0 + 200);
	assert_int_equal(fa_reg_stats(f->fa)->ha_denials_relayed, 1);
}

/* 71: a reply to a pending registration that fails to parse. */
static void t_poorly_formed_reply(void **state)
{
	struct fx *f = start(state);
	struct rq q = rq_mn1();
	uint8_t rbuf[512];
	size_t rlen;

	assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
	rlen = hrep_build(0, 300, q.id, -1, false, false, rbuf, sizeof(rbuf), NULL);
	rbuf[MIP4_REP_FIXED_LEN + 1] = 200;   /* MH length overruns */
	assert_int_equal(reply(f, rbuf, rlen, T0), FA_REG_TO_MN);
	check_denial(f, MIP4_CODE_FA_POORLY_FORMED_REP, &q, 300);
	assert_int_equal(fa_reg_stats(f->fa)->drop_ext_overrun, 1);
	assert_null(fa_reg_entry(f->fa, q.home));
	/* the same with nothing pending: only dropped */
	assert_int_equal(reply(f, rbuf, rlen, T0), FA_REG_DROP);
	assert_int_equal(fa_reg_stats(f->fa)->deny_poorly_formed_rep, 1);
}

/* ---- time ----------------------------------------------------------------------------- */

/* 78 after the pending timeout (3.7.1), then visitor expiry. */
static void t_timeout_and_expiry(void **state)
{
	struct fx *f = start(state);
	struct rq q = rq_mn1();
	uint8_t rbuf[512];
	size_t rlen;

	assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
	assert_int_equal(fa_reg_next_timeout(f->fa), T0 + 7);
	assert_int_equal(fa_reg_tick(f->fa, T0 + 6, send_cb, gone_cb, f), 0);
	assert_int_equal(fa_reg_tick(f->fa, T0 + 7, send_cb, gone_cb, f), 1);
	assert_int_equal(f->sent, 1);
	f->out = f->last_sent;
	check_denial(f, MIP4_CODE_FA_TIMEOUT, &q, 300);
	assert_int_equal(fa_reg_stats(f->fa)->deny_timeout, 1);
	assert_null(fa_reg_entry(f->fa, q.home));
	assert_int_equal(fa_reg_next_timeout(f->fa), INT64_MAX);
	/* the late reply finds nothing */
	rlen = hrep_build(0, 60, q.id, -1, false, false, rbuf, sizeof(rbuf), NULL);
	assert_int_equal(reply(f, rbuf, rlen, T0 + 8), FA_REG_DROP);

	/* accepted for 60 s: gone at T0 + 20 + 60, no message (3.7) */
	q.id = ts(T0 + 20);
	assert_int_equal(request(f, &q, T0 + 20), FA_REG_TO_HA);
	rlen = hrep_build(0, 60, q.id, -1, false, false, rbuf, sizeof(rbuf), NULL);
	assert_int_equal(reply(f, rbuf, rlen, T0 + 20), FA_REG_TO_MN);
	assert_int_equal(fa_reg_next_timeout(f->fa), T0 + 80);
	/* a renewal pending at expiry: the active part goes, the pending stays */
	q.id = ts(T0 + 75);
	assert_int_equal(request(f, &q, T0 + 75), FA_REG_TO_HA);
	assert_int_equal(fa_reg_tick(f->fa, T0 + 79, send_cb, gone_cb, f), 0);
	assert_int_equal(fa_reg_tick(f->fa, T0 + 80, send_cb, gone_cb, f), 1);
	assert_int_equal(f->gone, 1);
	assert_int_equal(f->last_gone.home_addr, q.home);
	assert_null(fa_reg_visitor(f->fa, q.home));
	assert_non_null(fa_reg_entry(f->fa, q.home));
	assert_int_equal(fa_reg_stats(f->fa)->visitors_expired, 1);
	assert_int_equal(fa_reg_tick(f->fa, T0 + 82, send_cb, gone_cb, f), 1);
	assert_int_equal(f->sent, 2);
	assert_int_equal(fa_reg_count(f->fa), 0);
	assert_int_equal(f->sent, 2);
}

/* 80/81/82/88 from ICMP errors about the home agent (3.7.3). */
static void t_ha_unreachable(void **state)
{
	struct fx *f = start(state);
	static const struct {
		uint8_t icmp, code;
	} c[] = { { 0, MIP4_CODE_FA_HOME_NET_UNREACH },
		  { 1, MIP4_CODE_FA_HA_HOST_UNREACH },
		  { 3, MIP4_CODE_FA_HA_PORT_UNREACH },
		  { 13, MIP4_CODE_FA_HA_UNREACH } };

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct rq q = rq_mn1();
		assert_int_equal(request(f, &q, T0), FA_REG_TO_HA);
		assert_int_equal(fa_reg_ha_unreachable(f->fa, a4("192.0.2.99"), c[i].icmp, T0,
						       send_cb, f),
				 0);
		assert_int_equal(fa_reg_ha_unreachable(f->fa, q.ha, c[i].icmp, T0, send_cb, f), 1);
		f->out = f->last_sent;
		check_denial(f, c[i].code, &q, 300);
	}
	assert_int_equal(fa_reg_stats(f->fa)->deny_home_net_unreach, 1);
	assert_int_equal(fa_reg_stats(f->fa)->deny_ha_host_unreach, 1);
	assert_int_equal(fa_reg_stats(f->fa)->deny_ha_port_unreach, 1);
	assert_int_equal(fa_reg_stats(f->fa)->deny_ha_unreach, 1);
}

static void t_stat_names(void **state)
{
	(void)state;
	assert_int_equal(fa_reg_stat_count(), sizeof(struct fa_reg_stats) / sizeof(uint64_t));
	assert_string_equal(fa_reg_stat_name(0), "rx_requests");
	assert_null(fa_reg_stat_name(fa_reg_stat_count()));
}

/* A restarted agent's visitor from the store (fa_reg_restore): active at
 * once, expiring as before; refused when expired, unknown link, known,
 * or beyond max-visitors. */
static void t_restore(void **state)
{
	struct fx *f = *state;
	struct fa_visitor v;

	f->cfg.max_visitors = 1;
	start(state);
	memset(&v, 0, sizeof(v));
	v.home_addr = a4("192.0.2.10");
	v.active = true;
	v.reg.home_addr = v.home_addr;
	v.reg.home_agent = a4("192.0.2.1");
	v.reg.coa = a4("198.51.100.1");
	v.reg.ifindex = IFX;
	v.lifetime = 300;
	v.registered = T0 - 100;
	v.expires = T0 + 200;
	v.pending = true;                       /* ignored: never restored */
	v.reg.ifindex = IFX + 1;
	assert_int_equal(fa_reg_restore(f->fa, &v, T0), -EINVAL);
	v.reg.ifindex = IFX;
	assert_int_equal(fa_reg_restore(f->fa, &v, T0 + 200), -ESTALE);
	v.active = false;
	assert_int_equal(fa_reg_restore(f->fa, &v, T0), -EINVAL);
	v.active = true;
	assert_int_equal(fa_reg_restore(f->fa, &v, T0), 0);
	const struct fa_visitor *r = fa_reg_visitor(f->fa, v.home_addr);
	assert_non_null(r);
	assert_true(r->active);
	assert_false(r->pending);
	assert_int_equal(r->expires, T0 + 200);
	assert_int_equal(fa_reg_pending_count(f->fa), 0);
	assert_int_equal(fa_reg_restore(f->fa, &v, T0), -EEXIST);
	v.home_addr = v.reg.home_addr = a4("192.0.2.11");
	assert_int_equal(fa_reg_restore(f->fa, &v, T0), -ENOSPC);
	/* it expires as it would have */
	assert_int_equal(fa_reg_tick(f->fa, T0 + 199, send_cb, gone_cb, f), 0);
	assert_int_equal(fa_reg_tick(f->fa, T0 + 200, send_cb, gone_cb, f), 1);
	assert_int_equal(f->gone, 1);
	assert_int_equal(f->last_gone.home_addr, a4("192.0.2.10"));
	assert_int_equal(fa_reg_count(f->fa), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_deny_request_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(t_deny_too_distant, setup, teardown),
		cmocka_unit_test_setup_teardown(t_deny_resources, setup, teardown),
		cmocka_unit_test_setup_teardown(t_denial_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(t_relay_source_coa, setup, teardown),
		cmocka_unit_test_setup_teardown(t_encap_delivery_consumed, setup, teardown),
		cmocka_unit_test_setup_teardown(t_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(t_annotated_poorly_formed, setup, teardown),
		cmocka_unit_test_setup_teardown(t_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(t_relay_accepted_by_ha, setup, teardown),
		cmocka_unit_test_setup_teardown(t_attach_tunnel_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(t_attach_only_with_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(t_ignore_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(t_r_colocated_never_attaches, setup, teardown),
		cmocka_unit_test_setup_teardown(t_mn_fa_sa_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(t_ha_denial_keeps_visitor, setup, teardown),
		cmocka_unit_test_setup_teardown(t_poorly_formed_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(t_timeout_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(t_ha_unreachable, setup, teardown),
		cmocka_unit_test(t_stat_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
