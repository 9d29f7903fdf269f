/* Unit tests of the DSTM host's DHCPv6 client (src/dstm/client.c): the pure
 * state machine is driven with a fake clock and a fake random source, what
 * it sends is decoded with dhcp6_msg_parse, and server messages are built
 * with the dhcp6 encoders.  Named after the sections they prove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "dstm/client.h"
#include "wire/dhcp6.h"

#define V4CODE DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT   /* 65046 = 0xfe16 */
#define T0 1000000                                  /* arbitrary monotonic start */
#define MAX_SENT 64

static const uint8_t client_duid[] = { 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t srv_a_duid[] = { 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x0a };
static const uint8_t srv_b_duid[] = { 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x0b };
static const uint8_t rkey[DHCP6_RECONF_KEY_LEN] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
};

struct sent {
	uint8_t buf[DHCP6_MAX_MSG];
	size_t len;
	bool unicast;
	struct in6_addr dst;
	uint64_t at;
};

struct fx {
	struct client c;
	struct client_config cfg;
	uint64_t now;
	uint32_t rnd;               /* what the fake random source returns ... */
	uint32_t rnd_step;          /* ... plus this after each call */
	int n_sent;
	struct sent sent[MAX_SENT];
	int n_leases;
	struct client_lease lease;
	int n_expired;
	uint32_t expired_v4;
	enum client_loss expired_why;
	enum client_state state_at_lease;
	struct dhcp6_duid sa, sb;
};

static int fx_send(void *ctx, const uint8_t *msg, size_t len, const struct in6_addr *dst)
{
	struct fx *f = ctx;
	assert_true(f->n_sent < MAX_SENT);
	struct sent *s = &f->sent[f->n_sent++];
	memcpy(s->buf, msg, len);
	s->len = len;
	s->unicast = dst != NULL;
	if (dst)
		s->dst = *dst;
	s->at = f->now;
	return 0;
}

static void fx_lease(void *ctx, const struct client_lease *l)
{
	struct fx *f = ctx;
	f->n_leases++;
	f->lease = *l;
	f->state_at_lease = f->c.state;
}

static void fx_expired(void *ctx, uint32_t v4, enum client_loss why)
{
	struct fx *f = ctx;
	f->n_expired++;
	f->expired_v4 = v4;
	f->expired_why = why;
}

static uint32_t fx_rand(void *ctx)
{
	struct fx *f = ctx;
	uint32_t r = f->rnd;
	f->rnd += f->rnd_step;
	return r;
}

static void duid_set(struct dhcp6_duid *d, const uint8_t *p, size_t n)
{
	d->len = (uint8_t)n;
	memcpy(d->data, p, n);
}

static void fx_init(struct fx *f, bool on_demand, bool rapid, bool reconf)
{
	struct client_ops ops = { fx_send, fx_lease, fx_expired, fx_rand, f };
	duid_set(&f->cfg.duid, client_duid, sizeof(client_duid));
	f->cfg.iaid4 = 1;
	f->cfg.on_demand = on_demand;
	f->cfg.rapid_commit = rapid;
	f->cfg.reconfigure_accept = reconf;
	assert_int_equal(client_init(&f->c, &f->cfg, &ops), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	log_init("test", false, LOG_CRIT);
	f->now = T0;
	f->rnd = 1000;             /* RAND = 0: exact RTs; xid 0x0003e8 */
	duid_set(&f->sa, srv_a_duid, sizeof(srv_a_duid));
	duid_set(&f->sb, srv_b_duid, sizeof(srv_b_duid));
	fx_init(f, true, false, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct in6_addr mapped(const char *v4)
{
	struct in6_addr a;
	in6_set_mapped(&a, ip4(v4));
	return a;
}

/* The n-th message sent (negative: from the end), parsed. */
static const struct sent *sent_at(struct fx *f, int n)
{
	int i = n < 0 ? f->n_sent + n : n;
	assert_true(i >= 0 && i < f->n_sent);
	return &f->sent[i];
}

static struct dhcp6_msg *parse_sent(struct fx *f, int n)
{
	static struct dhcp6_msg ring[4];    /* a few results stay valid at once */
	static unsigned next;
	struct dhcp6_msg *m = &ring[next++ % ARRAY_SIZE(ring)];
	const struct sent *s = sent_at(f, n);
	assert_int_equal(dhcp6_msg_parse(s->buf, s->len, V4CODE, m), 0);
	return m;
}

static void advance(struct fx *f, uint64_t to)
{
	assert_true(to >= f->now);
	f->now = to;
	client_timeout(&f->c, f->now);
	assert_true(client_next_timeout(&f->c) > f->now);
}

/* Jump to the next timer. */
static void fire(struct fx *f)
{
	uint64_t t = client_next_timeout(&f->c);
	assert_true(t != UINT64_MAX);
	advance(f, t);
}

static void deliver(struct fx *f, const uint8_t *buf, size_t len, bool unicast)
{
	client_recv(&f->c, f->now, buf, len, unicast);
	assert_true(client_next_timeout(&f->c) > f->now);
}

/* A server message. */
struct smsg {
	uint8_t buf[DHCP6_MAX_MSG];
	struct dhcp6_buf b;
};

static void sm_start(struct smsg *s, uint8_t type, uint32_t xid, const struct dhcp6_duid *server,
		     bool with_clientid)
{
	struct dhcp6_duid cid;
	dhcp6_buf_init(&s->b, s->buf, sizeof(s->buf));
	assert_int_equal(dhcp6_put_msg_hdr(&s->b, type, xid), 0);
	if (server)
		assert_int_equal(dhcp6_put_duid(&s->b, DHCP6_OPT_SERVERID, server), 0);
	if (with_clientid) {
		duid_set(&cid, client_duid, sizeof(client_duid));
		assert_int_equal(dhcp6_put_duid(&s->b, DHCP6_OPT_CLIENTID, &cid), 0);
	}
}

/* dstm-04 6.1.2: the IPv4 Global Address option (TEP or none) right before
 * the IA_NA carrying the IPv4-mapped address. */
static void sm_v4ia(struct smsg *s, const struct in6_addr *tep, uint32_t iaid, uint32_t t1,
		    uint32_t t2, const struct in6_addr *addr, uint32_t pref, uint32_t valid,
		    int ia_status)
{
	size_t mark;
	assert_int_equal(dhcp6_put_ipv4_global(&s->b, V4CODE, tep), 0);
	assert_int_equal(dhcp6_put_ia_begin(&s->b, DHCP6_OPT_IA_NA, iaid, t1, t2, &mark), 0);
	if (addr)
		assert_int_equal(dhcp6_put_iaaddr(&s->b, addr, pref, valid, -1, NULL), 0);
	if (ia_status >= 0)
		assert_int_equal(dhcp6_put_status(&s->b, (uint16_t)ia_status, "test"), 0);
	assert_int_equal(dhcp6_opt_end(&s->b, mark), 0);
}

static void sm_key(struct smsg *s, uint64_t replay)
{
	assert_int_equal(dhcp6_put_opt(&s->b, DHCP6_OPT_RECONF_ACCEPT, NULL, 0), 0);
	assert_int_equal(dhcp6_put_auth_rkap(&s->b, replay, DHCP6_RKAP_TYPE_KEY, rkey, NULL), 0);
}

static void sm_deliver(struct fx *f, struct smsg *s)
{
	deliver(f, s->buf, s->b.len, false);
}

static const struct in6_addr *tep_a(void)
{
	static struct in6_addr t;
	t = ip6("2001:db8:46::ffff");
	return &t;
}

/* The usual Reply: 192.0.2.10 with a TEP, T1 100 T2 160 pref 200 valid 300. */
static void reply_ok(struct fx *f, const struct dhcp6_duid *srv, bool key, uint64_t replay)
{
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	uint32_t xid = parse_sent(f, -1)->xid;
	sm_start(&s, DHCP6_REPLY, xid, srv, true);
	sm_v4ia(&s, tep_a(), 1, 100, 160, &a, 200, 300, -1);
	if (key)
		sm_key(&s, replay);
	sm_deliver(f, &s);
}

static void advertise(struct fx *f, const struct dhcp6_duid *srv, const char *v4, int pref)
{
	struct smsg s;
	struct in6_addr a = mapped(v4);
	sm_start(&s, DHCP6_ADVERTISE, parse_sent(f, -1)->xid, srv, true);
	if (pref >= 0)
		assert_int_equal(dhcp6_put_opt_u8(&s.b, DHCP6_OPT_PREFERENCE, (uint8_t)pref), 0);
	sm_v4ia(&s, NULL, 1, 0, 0, &a, 200, 300, -1);
	sm_deliver(f, &s);
}

/* Start (on demand), answer the Solicit with an Advertise of pref 255 and
 * the Request with reply_ok: BOUND at f->now. */
static void get_bound(struct fx *f, bool key)
{
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	assert_int_equal(f->c.state, CLIENT_REQUESTING);
	reply_ok(f, &f->sa, key, 1000);
	assert_int_equal(f->c.state, CLIENT_BOUND);
}

/* Offset of the option that follows the IPv4 Global Address option, and
 * the length of the IPv4 option; -1 when absent. */
static int opt_after_v4(const struct sent *s, uint16_t *v4len, uint16_t *next_code)
{
	struct dhcp6_opt o;
	size_t off = DHCP6_MSG_HDR_LEN;
	bool seen = false;
	while (dhcp6_opt_next(s->buf, s->len, &off, &o) > 0) {
		if (seen) {
			*next_code = o.code;
			return 0;
		}
		if (o.code == V4CODE) {
			seen = true;
			*v4len = o.len;
		}
	}
	return -1;
}

static void assert_v4_option_before_ia(struct fx *f, int n)
{
	uint16_t v4len = 0xffff, next = 0;
	assert_int_equal(opt_after_v4(sent_at(f, n), &v4len, &next), 0);
	assert_int_equal(v4len, 0);                 /* dstm-04 6.1.1: no TEP */
	assert_int_equal(next, DHCP6_OPT_IA_NA);
}

static bool oro_has(const struct dhcp6_msg *m, uint16_t code)
{
	for (uint8_t i = 0; i < m->n_oro; i++)
		if (m->oro[i] == code)
			return true;
	return false;
}

static uint64_t stat(struct fx *f, const char *name)
{
	for (size_t i = 0; i < client_stat_count(); i++)
		if (!strcmp(client_stat_names[i], name))
			return client_stat_get(&f->c.stats, i);
	fail_msg("no counter %s", name);
	return 0;
}

/* Reconfigure signed with key (RFC 8415 20.4.2). */
static size_t mk_reconfigure(uint8_t *buf, size_t cap, const struct dhcp6_duid *srv, int msg_type,
			     bool auth, uint64_t replay, const uint8_t *key)
{
	struct dhcp6_buf b;
	struct dhcp6_duid cid;
	size_t doff;
	uint8_t oro[2];
	duid_set(&cid, client_duid, sizeof(client_duid));
	dhcp6_buf_init(&b, buf, cap);
	assert_int_equal(dhcp6_put_msg_hdr(&b, DHCP6_RECONFIGURE, 0), 0);
	assert_int_equal(dhcp6_put_duid(&b, DHCP6_OPT_SERVERID, srv), 0);
	assert_int_equal(dhcp6_put_duid(&b, DHCP6_OPT_CLIENTID, &cid), 0);
	if (msg_type >= 0)
		assert_int_equal(dhcp6_put_opt_u8(&b, DHCP6_OPT_RECONF_MSG, (uint8_t)msg_type), 0);
	put_be16(oro, V4CODE);
	assert_int_equal(dhcp6_put_opt(&b, DHCP6_OPT_ORO, oro, 2), 0);
	if (auth) {
		assert_int_equal(dhcp6_put_auth_rkap(&b, replay, DHCP6_RKAP_TYPE_HMAC, NULL, &doff), 0);
		assert_int_equal(dhcp6_auth_sign(b.data, b.len, doff, key), 0);
	}
	return b.len;
}

/* ---- RFC 8415 18.2.1: Solicit -------------------------------------------- */

/* The exact bytes of the first Solicit (on-demand, no rapid commit, no
 * reconfigure): STYLE 12, annotated. */
static void rfc8415_18_2_1_solicit_bytes(void **state)
{
	struct fx *f = *state;
	f->rnd = 0x123456;
	static const uint8_t want[] = {
		/* SOLICIT, xid */ 0x01, 0x12, 0x34, 0x56,
		/* Client Identifier: DUID-LL */ 0x00, 0x01, 0x00, 0x0a,
		0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		/* Elapsed Time 0 */ 0x00, 0x08, 0x00, 0x02, 0x00, 0x00,
		/* ORO: SOL_MAX_RT, IPv4 Global Address */ 0x00, 0x06, 0x00, 0x04, 0x00, 0x52, 0xfe, 0x16,
		/* IPv4 Global Address, length 0 (dstm-04 6.1.1) */ 0xfe, 0x16, 0x00, 0x00,
		/* IA_NA IAID 1, T1 0, T2 0 */ 0x00, 0x03, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_int_equal(client_start(&f->c, f->now), 0);
	assert_int_equal(f->n_sent, 1);   /* dstm-04 5.1 on demand: at once */
	assert_int_equal(f->sent[0].len, sizeof(want));
	assert_memory_equal(f->sent[0].buf, want, sizeof(want));
	assert_false(f->sent[0].unicast);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(client_start(&f->c, f->now), -EALREADY);
}

static void rfc8415_18_2_1_solicit_options(void **state)
{
	struct fx *f = *state;
	fx_init(f, true, true, true);
	assert_int_equal(client_start(&f->c, f->now), 0);
	struct dhcp6_msg *m = parse_sent(f, 0);
	assert_int_equal(m->type, DHCP6_SOLICIT);
	assert_int_equal(m->clientid.len, sizeof(client_duid));
	assert_int_equal(m->serverid.len, 0);
	assert_true(m->has_elapsed);
	assert_int_equal(m->elapsed, 0);
	assert_true(oro_has(m, V4CODE));
	assert_true(oro_has(m, DHCP6_OPT_SOL_MAX_RT));
	assert_true(m->rapid_commit);
	assert_true(m->reconf_accept);
	assert_int_equal(m->n_ia, 1);
	assert_true(m->ia[0].ipv4);
	assert_false(m->ia[0].has_tep);
	assert_int_equal(m->ia[0].iaid, 1);
	assert_int_equal(m->ia[0].t1, 0);
	assert_int_equal(m->ia[0].t2, 0);
	assert_int_equal(m->ia[0].n_addrs, 0);
	assert_false(m->ipv4_dangling);
	assert_v4_option_before_ia(f, 0);
}

/* Always mode: the first Solicit waits RAND in [0, SOL_MAX_DELAY]. */
static void rfc8415_18_2_1_first_solicit_delayed_in_always_mode(void **state)
{
	struct fx *f = *state;
	fx_init(f, false, false, false);
	f->rnd = 700;
	assert_int_equal(client_start(&f->c, f->now), 0);
	assert_int_equal(f->n_sent, 0);
	assert_int_equal(client_next_timeout(&f->c), T0 + 700);
	fire(f);
	assert_int_equal(f->n_sent, 1);
	assert_int_equal(f->sent[0].at, T0 + 700);
	assert_int_equal(parse_sent(f, 0)->elapsed, 0);
}

/* RFC 8415 15: RT sequence, RAND exactly 0, cap at SOL_MAX_RT; Elapsed
 * Time counts from the first transmission. */
static void rfc8415_15_solicit_rt_sequence_and_cap(void **state)
{
	struct fx *f = *state;
	uint64_t rt = 1001;   /* first RT strictly greater than IRT (18.2.1) */
	assert_int_equal(client_start(&f->c, f->now), 0);
	for (int i = 1; i < 20; i++) {
		uint64_t prev = f->now;
		fire(f);
		assert_int_equal(f->now - prev, rt);
		assert_int_equal(f->n_sent, i + 1);
		struct dhcp6_msg *m = parse_sent(f, -1);
		uint64_t el = (f->now - T0) / 10;
		assert_int_equal(m->elapsed, el > 0xffff ? 0xffff : el);
		assert_int_equal(m->xid, parse_sent(f, 0)->xid);   /* 16.1: same xid */
		rt = MIN(rt * 2, (uint64_t)DHCP6_SOL_MAX_RT);
	}
	assert_int_equal(f->c.x.rt_ms, DHCP6_SOL_MAX_RT);
	assert_int_equal(parse_sent(f, 1)->elapsed, 100);
}

/* RFC 8415 15: with random RAND every RT stays within its bounds. */
static void rfc8415_15_rand_jitter_bounds(void **state)
{
	struct fx *f = *state;
	f->rnd = 12345;
	f->rnd_step = 2654435761u;       /* a spread of values */
	assert_int_equal(client_start(&f->c, f->now), 0);
	uint64_t prev_rt = 0;
	for (int i = 0; i < 25; i++) {
		uint64_t before = f->now;
		fire(f);
		uint64_t rt = f->now - before;
		if (i == 0) {
			assert_true(rt > 1000 && rt <= 1100);
		} else if (rt >= DHCP6_SOL_MAX_RT * 9 / 10 && prev_rt * 19 / 10 > DHCP6_SOL_MAX_RT) {
			assert_true(rt <= DHCP6_SOL_MAX_RT * 11 / 10);
		} else {
			assert_true(rt >= prev_rt * 19 / 10 && rt <= prev_rt * 21 / 10 + 1);
		}
		prev_rt = rt;
	}
	assert_true(prev_rt >= DHCP6_SOL_MAX_RT * 9 / 10 && prev_rt <= DHCP6_SOL_MAX_RT * 11 / 10);
}

/* RFC 8415 21.24: a SOL_MAX_RT option lowers the cap. */
static void rfc8415_21_24_sol_max_rt_option(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	assert_int_equal(client_start(&f->c, f->now), 0);
	sm_start(&s, DHCP6_ADVERTISE, parse_sent(f, -1)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_opt_u32(&s.b, DHCP6_OPT_SOL_MAX_RT, 60), 0);
	assert_int_equal(dhcp6_put_status(&s.b, DHCP6_STATUS_NOADDRSAVAIL, NULL), 0);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_advertise_no_addrs"), 1);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	for (int i = 0; i < 12; i++)
		fire(f);
	assert_int_equal(f->c.x.rt_ms, 60000);
}

/* ---- RFC 8415 18.2.9: Advertise ------------------------------------------- */

static void rfc8415_18_2_9_collect_then_highest_preference(void **state)
{
	struct fx *f = *state;
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 10);
	advertise(f, &f->sb, "192.0.2.20", 20);
	advertise(f, &f->sa, "192.0.2.30", -1);    /* no Preference: 0 */
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(f->n_sent, 1);
	fire(f);                                   /* end of the first RT */
	assert_int_equal(f->c.state, CLIENT_REQUESTING);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_REQUEST);
	assert_int_equal(m->serverid.len, f->sb.len);
	assert_memory_equal(m->serverid.data, f->sb.data, f->sb.len);
	assert_int_equal(m->elapsed, 0);
	assert_true(oro_has(m, V4CODE));
	assert_int_equal(m->n_ia, 1);
	assert_true(m->ia[0].ipv4);
	assert_int_equal(m->ia[0].n_addrs, 1);
	assert_true(in6_is_mapped(&m->ia[0].addrs[0].addr));
	assert_int_equal(in6_mapped_v4(&m->ia[0].addrs[0].addr), ip4("192.0.2.20"));
	assert_int_equal(m->ia[0].addrs[0].valid, 0);
	assert_v4_option_before_ia(f, -1);
}

static void rfc8415_18_2_9_preference_255_at_once(void **state)
{
	struct fx *f = *state;
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	assert_int_equal(f->c.state, CLIENT_REQUESTING);
	assert_int_equal(f->n_sent, 2);
	assert_int_equal(f->sent[1].at, T0);
}

/* After the first RT the first valid Advertise ends the Solicit at once. */
static void rfc8415_18_2_1_advertise_after_first_rt(void **state)
{
	struct fx *f = *state;
	assert_int_equal(client_start(&f->c, f->now), 0);
	fire(f);
	fire(f);
	assert_int_equal(f->n_sent, 3);
	advertise(f, &f->sa, "192.0.2.10", 0);
	assert_int_equal(f->c.state, CLIENT_REQUESTING);
}

/* 18.2.9: an Advertise without (usable) addresses is ignored. */
static void dstm_6_1_2_advertise_without_mapped_address_ignored(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = ip6("2001:db8:46::10");
	assert_int_equal(client_start(&f->c, f->now), 0);
	sm_start(&s, DHCP6_ADVERTISE, parse_sent(f, -1)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_opt_u8(&s.b, DHCP6_OPT_PREFERENCE, 255), 0);
	sm_v4ia(&s, NULL, 1, 0, 0, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(stat(f, "drop_v4_not_mapped"), 1);
	assert_int_equal(stat(f, "drop_advertise_no_addrs"), 1);
}

/* ---- RFC 8415 18.2.2 / 18.2.10: Request and Reply --------------------------- */

static void rfc8415_18_2_10_solicit_advertise_request_reply(void **state)
{
	struct fx *f = *state;
	get_bound(f, false);
	assert_int_equal(f->n_leases, 1);
	assert_int_equal(f->lease.v4, ip4("192.0.2.10"));
	assert_true(f->lease.has_tep);
	assert_memory_equal(&f->lease.tep, tep_a(), 16);
	assert_int_equal(f->lease.t1, 100);
	assert_int_equal(f->lease.t2, 160);
	assert_int_equal(f->lease.preferred, 200);
	assert_int_equal(f->lease.valid, 300);
	assert_int_equal(f->lease.server.len, f->sa.len);
	assert_false(f->lease.has_reconf_key);
	assert_int_equal(client_next_timeout(&f->c), T0 + 100000);
	assert_int_equal(stat(f, "tx_solicit"), 1);
	assert_int_equal(stat(f, "tx_request"), 1);
	assert_int_equal(stat(f, "leases_acquired"), 1);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_REQUEST);
	assert_v4_option_before_ia(f, -1);
}

/* dstm-04 5.3: no TEP in the option: the daemon uses its static one. */
static void dstm_5_3_reply_without_tep(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_false(f->lease.has_tep);
}

/* A TEP that cannot be a tunnel endpoint is ignored, counted. */
static void dstm_5_3_invalid_tep_ignored(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10"), tep = ip6("ff02::1");
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, &tep, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_false(f->lease.has_tep);
	assert_int_equal(stat(f, "drop_tep_invalid"), 1);
}

static void rfc8415_18_2_2_request_gives_up_after_req_max_rc(void **state)
{
	struct fx *f = *state;
	static const uint64_t rts[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000 };
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	assert_int_equal(stat(f, "tx_request"), 1);
	for (int i = 1; i < DHCP6_REQ_MAX_RC; i++) {
		uint64_t before = f->now;
		fire(f);
		assert_int_equal(f->now - before, rts[i - 1]);
		assert_int_equal(stat(f, "tx_request"), (uint64_t)i + 1);
		assert_int_equal(parse_sent(f, -1)->type, DHCP6_REQUEST);
	}
	uint64_t before = f->now;
	fire(f);           /* the tenth RT ends: the exchange failed */
	assert_int_equal(f->now - before, rts[9]);
	assert_int_equal(stat(f, "tx_request"), DHCP6_REQ_MAX_RC);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(parse_sent(f, -1)->type, DHCP6_SOLICIT);
	assert_int_equal(parse_sent(f, -1)->elapsed, 0);
	assert_int_equal(stat(f, "exchanges_failed"), 1);
}

static void rfc8415_21_14_rapid_commit(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	fx_init(f, true, true, false);
	assert_int_equal(client_start(&f->c, f->now), 0);
	assert_true(parse_sent(f, 0)->rapid_commit);
	uint32_t xid = parse_sent(f, 0)->xid;
	/* 18.2.1: a Reply without Rapid Commit is discarded */
	sm_start(&s, DHCP6_REPLY, xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(stat(f, "drop_no_rapid_commit"), 1);
	sm_start(&s, DHCP6_REPLY, xid, &f->sa, true);
	assert_int_equal(dhcp6_put_opt(&s.b, DHCP6_OPT_RAPID_COMMIT, NULL, 0), 0);
	sm_v4ia(&s, tep_a(), 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(f->n_sent, 1);
	assert_int_equal(f->lease.v4, ip4("192.0.2.10"));
	assert_int_equal(f->state_at_lease, CLIENT_SOLICITING);
}

/* Without rapid commit configured, a Rapid-Commit Reply is not taken. */
static void rfc8415_21_14_rapid_commit_not_requested(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	assert_int_equal(client_start(&f->c, f->now), 0);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, 0)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_opt(&s.b, DHCP6_OPT_RAPID_COMMIT, NULL, 0), 0);
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(stat(f, "drop_no_rapid_commit"), 1);
}

/* dstm-04 6.1.2: the IA after the option must carry an IPv4-mapped
 * address; anything else is ignored and counted -> no address -> backoff. */
static void dstm_6_1_2_reply_non_mapped_address_ignored(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = ip6("2001:db8:46::10");
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, tep_a(), 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_v4_not_mapped"), 1);
	assert_int_equal(stat(f, "drop_reply_no_addrs"), 1);
	assert_int_equal(f->n_leases, 0);
	assert_int_equal(f->c.state, CLIENT_BACKOFF);
}

/* RFC 8415 21.4: T1 > T2 (both non-zero): the IA is discarded. */
static void rfc8415_21_4_t1_greater_than_t2_discards_ia(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 200, 100, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_ia_t1_gt_t2"), 1);
	assert_int_equal(f->n_leases, 0);
}

/* RFC 8415 21.4 / 14.2: T1 = T2 = 0 -> 0.5 and 0.8 of the preferred lifetime. */
static void rfc8415_21_4_t1_t2_zero_use_preferred_lifetime(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 0, 0, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->lease.t1, 100);
	assert_int_equal(f->lease.t2, 160);
	assert_int_equal(client_next_timeout(&f->c), T0 + 100000);
}

/* RFC 8415 7.7: infinite lifetimes: no timer at all. */
static void rfc8415_7_7_infinite_lease(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 0, 0, &a, DHCP6_INFINITY, DHCP6_INFINITY, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(f->lease.valid, DHCP6_INFINITY);
	assert_int_equal(f->lease.t1, DHCP6_INFINITY);
	assert_int_equal(client_next_timeout(&f->c), UINT64_MAX);
}

/* NoAddrsAvail: back off (30 s, doubling), then solicit again. */
static void rfc8415_18_2_10_noaddrsavail_backs_off(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 0, 0, NULL, 0, 0, DHCP6_STATUS_NOADDRSAVAIL);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BACKOFF);
	assert_int_equal(stat(f, "status_noaddrsavail"), 1);
	assert_int_equal(client_next_timeout(&f->c), f->now + CLIENT_BACKOFF_MIN);
	int n = f->n_sent;
	fire(f);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(f->n_sent, n + 1);
	assert_int_equal(parse_sent(f, -1)->type, DHCP6_SOLICIT);
	/* the same again: twice as long */
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_status(&s.b, DHCP6_STATUS_NOADDRSAVAIL, NULL), 0);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BACKOFF);
	assert_int_equal(client_next_timeout(&f->c), f->now + 2 * CLIENT_BACKOFF_MIN);
}

static void rfc8415_18_2_10_1_notonlink_solicits(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 0, 0, NULL, 0, 0, DHCP6_STATUS_NOTONLINK);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(parse_sent(f, -1)->type, DHCP6_SOLICIT);
	assert_int_equal(stat(f, "status_notonlink"), 1);
}

/* 21.12 + 18.2.10: Request unicast to the server, UseMulticast -> resend
 * at once by multicast. */
static void rfc8415_18_2_10_usemulticast(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10"), uni = ip6("2001:db8:46::547");
	assert_int_equal(client_start(&f->c, f->now), 0);
	sm_start(&s, DHCP6_ADVERTISE, parse_sent(f, -1)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_opt(&s.b, DHCP6_OPT_UNICAST, &uni, 16), 0);
	assert_int_equal(dhcp6_put_opt_u8(&s.b, DHCP6_OPT_PREFERENCE, 255), 0);
	sm_v4ia(&s, NULL, 1, 0, 0, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_true(sent_at(f, -1)->unicast);
	assert_memory_equal(&sent_at(f, -1)->dst, &uni, 16);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_status(&s.b, DHCP6_STATUS_USEMULTICAST, NULL), 0);
	int n = f->n_sent;
	sm_deliver(f, &s);
	assert_int_equal(f->n_sent, n + 1);
	assert_false(sent_at(f, -1)->unicast);
	assert_int_equal(parse_sent(f, -1)->type, DHCP6_REQUEST);
	assert_int_equal(stat(f, "status_usemulticast"), 1);
}

/* ---- 16.x validation ------------------------------------------------------ */

static void rfc8415_16_10_reply_validation(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	static const uint8_t other[] = { 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	assert_int_equal(client_start(&f->c, f->now), 0);
	advertise(f, &f->sa, "192.0.2.10", 255);
	uint32_t xid = parse_sent(f, -1)->xid;

	sm_start(&s, DHCP6_REPLY, xid ^ 1, &f->sa, true);           /* xid mismatch */
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_xid_mismatch"), 1);

	sm_start(&s, DHCP6_REPLY, xid, NULL, true);                 /* no Server ID */
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_no_server_id"), 1);

	sm_start(&s, DHCP6_REPLY, xid, &f->sb, true);               /* not the one asked */
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_wrong_server_id"), 1);

	sm_start(&s, DHCP6_REPLY, xid, &f->sa, false);              /* no Client ID */
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_no_client_id"), 1);

	sm_start(&s, DHCP6_REPLY, xid, &f->sa, false);              /* someone else's */
	assert_int_equal(dhcp6_put_opt(&s.b, DHCP6_OPT_CLIENTID, other, sizeof(other)), 0);
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_wrong_client_id"), 1);

	static const uint8_t junk[] = { DHCP6_REPLY, 0, 0, 1, 0x00, 0x01, 0xff, 0xff };
	deliver(f, junk, sizeof(junk), false);
	assert_int_equal(stat(f, "drop_malformed"), 1);
	static const uint8_t sol[] = { DHCP6_SOLICIT, 0, 0, 1 };
	deliver(f, sol, sizeof(sol), false);
	assert_int_equal(stat(f, "drop_not_for_client"), 1);
	static const uint8_t unk[] = { 200, 0, 0, 1 };
	deliver(f, unk, sizeof(unk), false);
	assert_int_equal(stat(f, "drop_unknown_type"), 1);

	assert_int_equal(f->c.state, CLIENT_REQUESTING);
	assert_int_equal(f->n_leases, 0);
	reply_ok(f, &f->sa, false, 0);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	/* a late duplicate in BOUND */
	sm_start(&s, DHCP6_REPLY, xid, &f->sa, true);
	sm_deliver(f, &s);
	assert_int_equal(stat(f, "drop_unexpected_state"), 1);
}

/* ---- renewal and expiry ----------------------------------------------------- */

static void rfc8415_18_2_4_renew_at_t1(void **state)
{
	struct fx *f = *state;
	get_bound(f, false);
	int n = f->n_sent;
	fire(f);
	assert_int_equal(f->now, T0 + 100000);
	assert_int_equal(f->c.state, CLIENT_RENEWING);
	assert_int_equal(f->n_sent, n + 1);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_RENEW);
	assert_int_equal(m->serverid.len, f->sa.len);
	assert_int_equal(m->elapsed, 0);
	assert_true(oro_has(m, V4CODE));
	assert_int_equal(m->n_ia, 1);
	assert_true(m->ia[0].ipv4);
	assert_int_equal(m->ia[0].n_addrs, 1);
	static const uint8_t want[16] = {
		/* ::ffff:192.0.2.10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 10,
	};
	assert_memory_equal(m->ia[0].addrs[0].addr.s6_addr, want, 16);
	assert_v4_option_before_ia(f, -1);
	/* REN_TIMEOUT, then doubled */
	fire(f);
	assert_int_equal(f->now, T0 + 110000);
	assert_int_equal(parse_sent(f, -1)->elapsed, 1000);
	fire(f);
	assert_int_equal(f->now, T0 + 130000);
	/* the Reply extends the lease */
	reply_ok(f, &f->sa, false, 0);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(stat(f, "leases_renewed"), 1);
	assert_int_equal(f->n_leases, 2);
	assert_int_equal(client_next_timeout(&f->c), T0 + 230000);
	assert_int_equal(f->n_expired, 0);
}

static void rfc8415_18_2_5_rebind_at_t2(void **state)
{
	struct fx *f = *state;
	get_bound(f, false);
	advance(f, T0 + 159999);
	assert_int_equal(f->c.state, CLIENT_RENEWING);
	advance(f, T0 + 160000);
	assert_int_equal(f->c.state, CLIENT_REBINDING);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_REBIND);
	assert_int_equal(m->serverid.len, 0);       /* 18.2.5 */
	assert_int_equal(m->elapsed, 0);
	assert_int_equal(m->ia[0].n_addrs, 1);
	assert_v4_option_before_ia(f, -1);
	assert_false(sent_at(f, -1)->unicast);
	/* any server may answer */
	reply_ok(f, &f->sb, false, 0);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(f->lease.server.data[6], 0x0b);
}

/* dstm-04 6.3 step 2: at the end of the valid lifetime the address is
 * removed AND released; Release goes REL_MAX_RC times, then IDLE. */
static void dstm_6_3_expiry_releases(void **state)
{
	struct fx *f = *state;
	get_bound(f, false);
	while (client_next_timeout(&f->c) < T0 + 300000)
		fire(f);
	assert_int_equal(f->c.state, CLIENT_REBINDING);
	/* Renew at 100, 110, 130; Rebind at 160, 170, 190, 230 s */
	assert_int_equal(stat(f, "tx_renew"), 3);
	assert_int_equal(f->n_expired, 0);
	assert_int_equal(stat(f, "tx_rebind"), 4);
	advance(f, T0 + 300000);
	assert_int_equal(f->n_expired, 1);
	assert_int_equal(f->expired_v4, ip4("192.0.2.10"));
	assert_int_equal(f->expired_why, CLIENT_LOSS_EXPIRED);
	assert_int_equal(f->c.state, CLIENT_RELEASING);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_RELEASE);
	assert_int_equal(m->serverid.len, f->sa.len);
	assert_int_equal(m->n_ia, 1);
	assert_true(m->ia[0].ipv4);
	assert_int_equal(in6_mapped_v4(&m->ia[0].addrs[0].addr), ip4("192.0.2.10"));
	assert_v4_option_before_ia(f, -1);
	for (int i = 0; i < DHCP6_REL_MAX_RC - 1; i++)
		fire(f);
	assert_int_equal(stat(f, "tx_release"), DHCP6_REL_MAX_RC);
	fire(f);
	assert_int_equal(stat(f, "tx_release"), DHCP6_REL_MAX_RC);
	assert_int_equal(f->c.state, CLIENT_IDLE);   /* on demand: wait */
	assert_int_equal(client_next_timeout(&f->c), UINT64_MAX);
	assert_int_equal(stat(f, "leases_expired"), 1);
	assert_int_equal(client_lease_export(&f->c, f->now, &f->lease), -ENOENT);
	/* the next IPv4 packet starts again, at once */
	assert_int_equal(client_start(&f->c, f->now), 0);
	assert_int_equal(parse_sent(f, -1)->type, DHCP6_SOLICIT);
}

/* Always mode: after the expiry Release, solicit again. */
static void dstm_6_3_expiry_always_mode_solicits(void **state)
{
	struct fx *f = *state;
	fx_init(f, false, false, false);
	assert_int_equal(client_start(&f->c, f->now), 0);
	fire(f);                                    /* SOL_MAX_DELAY */
	advertise(f, &f->sa, "192.0.2.10", 255);
	reply_ok(f, &f->sa, false, 0);
	uint64_t t = f->now;
	advance(f, t + 300000);
	assert_int_equal(f->c.state, CLIENT_RELEASING);
	struct smsg s;
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_status(&s.b, DHCP6_STATUS_SUCCESS, NULL), 0);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_SOLICITING);
	assert_int_equal(parse_sent(f, -1)->type, DHCP6_SOLICIT);
}

/* 18.2.10.1: valid lifetime 0 for our address: removed, not released. */
static void rfc8415_18_2_10_1_valid_zero_removes_address(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.10");
	get_bound(f, false);
	fire(f);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 0, 0, &a, 0, 0, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->n_expired, 1);
	assert_int_equal(f->expired_why, CLIENT_LOSS_SERVER);
	assert_int_equal(f->c.state, CLIENT_IDLE);
	assert_int_equal(stat(f, "tx_release"), 0);
}

/* A new address in the IA replaces the old one. */
static void rfc8415_18_2_10_1_new_address_replaces(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.11");
	get_bound(f, false);
	fire(f);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->n_expired, 1);
	assert_int_equal(f->expired_v4, ip4("192.0.2.10"));
	assert_int_equal(f->expired_why, CLIENT_LOSS_REPLACED);
	assert_int_equal(f->lease.v4, ip4("192.0.2.11"));
	assert_int_equal(f->c.state, CLIENT_BOUND);
}

/* 18.2.10.1: NoBinding to a Renew -> Request to that server, keep using
 * the address meanwhile. */
static void rfc8415_18_2_10_1_nobinding_on_renew_requests(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	get_bound(f, false);
	fire(f);
	assert_int_equal(f->c.state, CLIENT_RENEWING);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 0, 0, NULL, 0, 0, DHCP6_STATUS_NOBINDING);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_REQUESTING);
	assert_int_equal(f->n_expired, 0);
	assert_int_equal(stat(f, "status_nobinding"), 1);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_REQUEST);
	assert_int_equal(m->serverid.len, f->sa.len);
	assert_int_equal(in6_mapped_v4(&m->ia[0].addrs[0].addr), ip4("192.0.2.10"));
	reply_ok(f, &f->sa, false, 0);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(f->n_expired, 0);
}

/* 18.2.10.1: NoAddrsAvail to a Renew: not extended, go on until T2. */
static void rfc8415_18_2_10_1_noaddrsavail_on_renew_keeps_trying(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	get_bound(f, false);
	fire(f);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 0, 0, NULL, 0, 0, DHCP6_STATUS_NOADDRSAVAIL);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_RENEWING);
	assert_int_equal(f->n_expired, 0);
	advance(f, T0 + 160000);
	assert_int_equal(f->c.state, CLIENT_REBINDING);
}

/* ---- Reconfigure (RFC 8415 18.2.11, 20.4) ---------------------------------- */

static void rfc8415_20_4_1_key_kept_from_reply(void **state)
{
	struct fx *f = *state;
	fx_init(f, true, false, true);
	get_bound(f, true);
	assert_true(parse_sent(f, 0)->reconf_accept);
	assert_true(parse_sent(f, -1)->reconf_accept);
	assert_true(f->lease.has_reconf_key);
	assert_memory_equal(f->lease.reconf_key, rkey, sizeof(rkey));
	assert_int_equal(f->lease.reconf_replay, 1000);
}

static void rfc8415_18_2_11_reconfigure_renew(void **state)
{
	struct fx *f = *state;
	uint8_t buf[512];
	fx_init(f, true, false, true);
	get_bound(f, true);
	advance(f, T0 + 50000);
	size_t len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 1001, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(stat(f, "reconfigures_accepted"), 1);
	assert_int_equal(f->c.state, CLIENT_RENEWING);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_RENEW);
	assert_int_equal(m->ia[0].n_addrs, 1);
	/* 18.2.11: a second Reconfigure while the Renew is in progress */
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 1002, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(stat(f, "drop_unexpected_state"), 1);
	reply_ok(f, &f->sa, true, 1003);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	/* the replay counter only goes up */
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 1002, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(stat(f, "drop_replay"), 1);
	assert_int_equal(f->c.state, CLIENT_BOUND);
}

/* dstm-04 6.2: a Reconfigure gets a host without an IPv4 address to ask
 * for one: Renew with the IPv4 option and an empty IA_NA. */
static void dstm_6_2_reconfigure_renew_without_address(void **state)
{
	struct fx *f = *state;
	uint8_t buf[512];
	struct smsg s;
	struct in6_addr a = mapped("192.0.2.12");
	fx_init(f, true, false, true);
	get_bound(f, true);
	advance(f, T0 + 300000);                     /* expiry */
	for (int i = 0; i < DHCP6_REL_MAX_RC; i++)
		fire(f);
	assert_int_equal(f->c.state, CLIENT_IDLE);
	size_t len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 5000, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(f->c.state, CLIENT_RENEWING);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_RENEW);
	assert_int_equal(m->serverid.len, f->sa.len);
	assert_int_equal(m->n_ia, 1);
	assert_true(m->ia[0].ipv4);
	assert_int_equal(m->ia[0].n_addrs, 0);
	assert_v4_option_before_ia(f, -1);
	sm_start(&s, DHCP6_REPLY, m->xid, &f->sa, true);
	sm_v4ia(&s, tep_a(), 1, 100, 160, &a, 200, 300, -1);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(f->lease.v4, ip4("192.0.2.12"));
}

static void rfc8415_20_4_3_reconfigure_bad_auth_dropped(void **state)
{
	struct fx *f = *state;
	uint8_t buf[512], wrong[DHCP6_RECONF_KEY_LEN];
	size_t len;
	fx_init(f, true, false, true);
	get_bound(f, true);
	int n = f->n_sent;
	memcpy(wrong, rkey, sizeof(wrong));
	wrong[0] ^= 1;
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 2000, wrong);
	deliver(f, buf, len, true);                       /* wrong digest */
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, false, 0, rkey);
	deliver(f, buf, len, true);                       /* no Authentication */
	assert_int_equal(stat(f, "drop_bad_auth"), 2);
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 1000, rkey);
	deliver(f, buf, len, true);                       /* replay == the Reply's */
	assert_int_equal(stat(f, "drop_replay"), 1);
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 2000, rkey);
	deliver(f, buf, len, false);                      /* multicast (16.11) */
	assert_int_equal(stat(f, "drop_reconf_multicast"), 1);
	len = mk_reconfigure(buf, sizeof(buf), &f->sb, DHCP6_RENEW, true, 2000, rkey);
	deliver(f, buf, len, true);                       /* another server */
	assert_int_equal(stat(f, "drop_wrong_server_id"), 1);
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_SOLICIT, true, 2000, rkey);
	deliver(f, buf, len, true);                       /* 21.19: not 5/6/11 */
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, -1, true, 2000, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(stat(f, "drop_reconf_bad_msg_type"), 2);
	assert_int_equal(f->n_sent, n);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(stat(f, "reconfigures_accepted"), 0);
	/* the genuine one still works */
	len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_REBIND, true, 2000, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(f->c.state, CLIENT_REBINDING);
	assert_int_equal(parse_sent(f, -1)->type, DHCP6_REBIND);
}

/* Without Reconfigure Accept there is no key: every Reconfigure drops. */
static void rfc8415_18_2_11_reconfigure_without_key_dropped(void **state)
{
	struct fx *f = *state;
	uint8_t buf[512];
	get_bound(f, true);                  /* the server sends a key we did not ask for */
	assert_false(parse_sent(f, -1)->reconf_accept);
	assert_false(f->lease.has_reconf_key);
	size_t len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_RENEW, true, 2000, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(stat(f, "drop_reconf_no_key"), 1);
	assert_int_equal(f->c.state, CLIENT_BOUND);
}

static void rfc8415_18_2_11_reconfigure_information_request(void **state)
{
	struct fx *f = *state;
	uint8_t buf[512];
	struct smsg s;
	fx_init(f, true, false, true);
	get_bound(f, true);
	size_t len = mk_reconfigure(buf, sizeof(buf), &f->sa, DHCP6_INFORMATION_REQUEST, true, 2000, rkey);
	deliver(f, buf, len, true);
	assert_int_equal(f->c.state, CLIENT_INFORMING);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_INFORMATION_REQUEST);
	assert_int_equal(m->serverid.len, f->sa.len);
	assert_int_equal(m->n_ia, 0);
	sm_start(&s, DHCP6_REPLY, m->xid, &f->sa, true);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_int_equal(client_next_timeout(&f->c), T0 + 100000);
}

/* ---- stop and restart ------------------------------------------------------------ */

static void rfc8415_18_2_7_stop_releases(void **state)
{
	struct fx *f = *state;
	get_bound(f, false);
	advance(f, T0 + 10000);
	client_stop(&f->c, f->now, true);
	assert_int_equal(f->n_expired, 1);
	assert_int_equal(f->expired_why, CLIENT_LOSS_STOPPED);
	assert_int_equal(f->c.state, CLIENT_RELEASING);
	struct dhcp6_msg *m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_RELEASE);
	assert_int_equal(m->serverid.len, f->sa.len);
	assert_int_equal(m->elapsed, 0);
	assert_int_equal(in6_mapped_v4(&m->ia[0].addrs[0].addr), ip4("192.0.2.10"));
	assert_v4_option_before_ia(f, -1);
	fire(f);
	assert_int_equal(parse_sent(f, -1)->elapsed, 100);
	/* 18.2.10.2: any Reply completes it, whatever the status */
	struct smsg s;
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	assert_int_equal(dhcp6_put_status(&s.b, DHCP6_STATUS_NOBINDING, NULL), 0);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_IDLE);
	assert_int_equal(stat(f, "tx_release"), 2);
	assert_int_equal(client_next_timeout(&f->c), UINT64_MAX);
}

static void rfc8415_18_2_7_stop_release_unanswered(void **state)
{
	struct fx *f = *state;
	static const uint64_t rts[] = { 1000, 2000, 4000, 8000 };
	get_bound(f, false);
	client_stop(&f->c, f->now, true);
	for (int i = 0; i < DHCP6_REL_MAX_RC; i++) {
		uint64_t before = f->now;
		fire(f);
		assert_int_equal(f->now - before, rts[i]);
	}
	assert_int_equal(stat(f, "tx_release"), DHCP6_REL_MAX_RC);
	assert_int_equal(f->c.state, CLIENT_IDLE);
}

static void stop_without_release_is_silent(void **state)
{
	struct fx *f = *state;
	get_bound(f, false);
	int n = f->n_sent;
	client_stop(&f->c, f->now, false);
	assert_int_equal(f->c.state, CLIENT_IDLE);
	assert_int_equal(f->n_sent, n);
	assert_int_equal(f->n_expired, 0);
	assert_int_equal(client_next_timeout(&f->c), UINT64_MAX);
}

/* Export at 40 s, restart, restore at the given age. */
static void restore_at_age(struct fx *f, int64_t age_s, int want_r, enum client_state want)
{
	struct client_lease l;
	fx_init(f, true, false, true);
	get_bound(f, true);
	advance(f, T0 + 40000);
	assert_int_equal(client_lease_export(&f->c, f->now, &l), 0);
	assert_int_equal(l.t1, 60);
	assert_int_equal(l.valid, 260);
	assert_true(l.has_reconf_key);
	/* the restarted daemon */
	struct fx g;
	memset(&g, 0, sizeof(g));
	g.now = 5000;                    /* a new monotonic clock */
	g.rnd = 1000;
	fx_init(&g, true, false, true);
	g.sa = f->sa;
	int r = client_restore(&g.c, &l, g.now, age_s);
	assert_int_equal(r, want_r);
	assert_int_equal(g.c.state, want);
	assert_true(client_next_timeout(&g.c) > g.now);
	if (want_r == 0) {
		assert_int_equal(g.n_leases, 1);
		assert_int_equal(g.lease.v4, ip4("192.0.2.10"));
		assert_int_equal(g.lease.valid, 260 - age_s);
		assert_true(g.lease.has_tep);
	} else {
		assert_int_equal(g.n_expired, 1);
		assert_int_equal(g.expired_why, CLIENT_LOSS_EXPIRED);
	}
	if (want == CLIENT_BOUND)
		assert_int_equal(client_next_timeout(&g.c), g.now + (60 - age_s) * 1000);
	if (want == CLIENT_RENEWING) {
		assert_int_equal(parse_sent(&g, -1)->type, DHCP6_RENEW);
		assert_int_equal(parse_sent(&g, -1)->serverid.len, f->sa.len);
	}
	if (want == CLIENT_REBINDING)
		assert_int_equal(parse_sent(&g, -1)->type, DHCP6_REBIND);
	if (want == CLIENT_RELEASING) {
		assert_int_equal(parse_sent(&g, -1)->type, DHCP6_RELEASE);
		assert_int_equal(in6_mapped_v4(&parse_sent(&g, -1)->ia[0].addrs[0].addr),
				 ip4("192.0.2.10"));
	}
	/* the key survived: a Reconfigure is verified after the restart */
	if (want == CLIENT_BOUND) {
		uint8_t buf[512];
		size_t len = mk_reconfigure(buf, sizeof(buf), &g.sa, DHCP6_RENEW, true, 1001, rkey);
		client_recv(&g.c, g.now, buf, len, true);
		assert_int_equal(g.c.state, CLIENT_RENEWING);
	}
}

static void restore_bound(void **state)
{
	restore_at_age(*state, 10, 0, CLIENT_BOUND);
}

static void restore_t1_passed_renews(void **state)
{
	restore_at_age(*state, 70, 0, CLIENT_RENEWING);
}

static void restore_t2_passed_rebinds(void **state)
{
	restore_at_age(*state, 130, 0, CLIENT_REBINDING);
}

static void dstm_6_3_restore_expired_releases(void **state)
{
	restore_at_age(*state, 300, -ESTALE, CLIENT_RELEASING);
}

/* RFC 8415 14.1: transmissions are rate-limited. */
static void rfc8415_14_1_rate_limit(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	assert_int_equal(client_start(&f->c, f->now), 0);
	/* a server that answers every Request with nothing usable, at once */
	for (int i = 0; i < 40; i++) {
		if (f->c.state == CLIENT_BACKOFF)
			f->c.backoff_until = f->now;     /* no patience: a tight loop */
		client_timeout(&f->c, f->now);
		if (f->c.state == CLIENT_SOLICITING)
			advertise(f, &f->sa, "192.0.2.10", 255);
		if (f->c.state == CLIENT_REQUESTING) {
			sm_start(&s, DHCP6_REPLY, f->c.x.xid, &f->sa, true);
			sm_v4ia(&s, NULL, 1, 0, 0, NULL, 0, 0, DHCP6_STATUS_NOADDRSAVAIL);
			sm_deliver(f, &s);
		}
	}
	assert_true(f->n_sent <= CLIENT_TX_BURST);
	assert_true(stat(f, "tx_ratelimited") > 0);
}

/* The optional IPv6 IA_NA travels along and is reported. */
static void rfc8415_21_4_optional_ipv6_ia(void **state)
{
	struct fx *f = *state;
	struct smsg s;
	size_t mark;
	struct in6_addr a = mapped("192.0.2.10"), na = ip6("2001:db8:46::1001");
	f->cfg.want_na = true;
	f->cfg.iaid_na = 2;
	struct client_ops ops = { fx_send, fx_lease, fx_expired, fx_rand, f };
	assert_int_equal(client_init(&f->c, &f->cfg, &ops), 0);
	assert_int_equal(client_start(&f->c, f->now), 0);
	struct dhcp6_msg *m = parse_sent(f, 0);
	assert_int_equal(m->n_ia, 2);
	assert_true(m->ia[0].ipv4);
	assert_false(m->ia[1].ipv4);
	assert_int_equal(m->ia[1].iaid, 2);
	advertise(f, &f->sa, "192.0.2.10", 255);
	sm_start(&s, DHCP6_REPLY, parse_sent(f, -1)->xid, &f->sa, true);
	sm_v4ia(&s, NULL, 1, 100, 160, &a, 200, 300, -1);
	assert_int_equal(dhcp6_put_ia_begin(&s.b, DHCP6_OPT_IA_NA, 2, 50, 80, &mark), 0);
	assert_int_equal(dhcp6_put_iaaddr(&s.b, &na, 100, 250, -1, NULL), 0);
	assert_int_equal(dhcp6_opt_end(&s.b, mark), 0);
	sm_deliver(f, &s);
	assert_int_equal(f->c.state, CLIENT_BOUND);
	assert_true(f->lease.has_na);
	assert_memory_equal(&f->lease.na, &na, 16);
	assert_int_equal(f->lease.t1, 50);          /* 18.2.4: the earliest T1 */
	fire(f);
	m = parse_sent(f, -1);
	assert_int_equal(m->type, DHCP6_RENEW);
	assert_int_equal(m->n_ia, 2);
	assert_int_equal(m->ia[1].n_addrs, 1);
}

int main(void)
{
#define T(n) cmocka_unit_test_setup_teardown(n, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(rfc8415_18_2_1_solicit_bytes),
		T(rfc8415_18_2_1_solicit_options),
		T(rfc8415_18_2_1_first_solicit_delayed_in_always_mode),
		T(rfc8415_15_solicit_rt_sequence_and_cap),
		T(rfc8415_15_rand_jitter_bounds),
		T(rfc8415_21_24_sol_max_rt_option),
		T(rfc8415_18_2_9_collect_then_highest_preference),
		T(rfc8415_18_2_9_preference_255_at_once),
		T(rfc8415_18_2_1_advertise_after_first_rt),
		T(dstm_6_1_2_advertise_without_mapped_address_ignored),
		T(rfc8415_18_2_10_solicit_advertise_request_reply),
		T(dstm_5_3_reply_without_tep),
		T(dstm_5_3_invalid_tep_ignored),
		T(rfc8415_18_2_2_request_gives_up_after_req_max_rc),
		T(rfc8415_21_14_rapid_commit),
		T(rfc8415_21_14_rapid_commit_not_requested),
		T(dstm_6_1_2_reply_non_mapped_address_ignored),
		T(rfc8415_21_4_t1_greater_than_t2_discards_ia),
		T(rfc8415_21_4_t1_t2_zero_use_preferred_lifetime),
		T(rfc8415_7_7_infinite_lease),
		T(rfc8415_18_2_10_noaddrsavail_backs_off),
		T(rfc8415_18_2_10_1_notonlink_solicits),
		T(rfc8415_18_2_10_usemulticast),
		T(rfc8415_16_10_reply_validation),
		T(rfc8415_18_2_4_renew_at_t1),
		T(rfc8415_18_2_5_rebind_at_t2),
		T(dstm_6_3_expiry_releases),
		T(dstm_6_3_expiry_always_mode_solicits),
		T(rfc8415_18_2_10_1_valid_zero_removes_address),
		T(rfc8415_18_2_10_1_new_address_replaces),
		T(rfc8415_18_2_10_1_nobinding_on_renew_requests),
		T(rfc8415_18_2_10_1_noaddrsavail_on_renew_keeps_trying),
		T(rfc8415_20_4_1_key_kept_from_reply),
		T(rfc8415_18_2_11_reconfigure_renew),
		T(dstm_6_2_reconfigure_renew_without_address),
		T(rfc8415_20_4_3_reconfigure_bad_auth_dropped),
		T(rfc8415_18_2_11_reconfigure_without_key_dropped),
		T(rfc8415_18_2_11_reconfigure_information_request),
		T(rfc8415_18_2_7_stop_releases),
		T(rfc8415_18_2_7_stop_release_unanswered),
		T(stop_without_release_is_silent),
		T(restore_bound),
		T(restore_t1_passed_renews),
		T(restore_t2_passed_rebinds),
		T(dstm_6_3_restore_expired_releases),
		T(rfc8415_14_1_rate_limit),
		T(rfc8415_21_4_optional_ipv6_ia),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
