/* Unit tests for src/mip4/mn_disc: the mobile node's agent discovery and
 * move detection (RFC 5944 2.4; solicitations 2.2, 2.4 with RFC 1256 5.1).
 * Advertisements are built with agentadv_build and parsed back with
 * agentadv_parse, as the daemon receives them; one is annotated bytes (the
 * scapy-made fa-adv of test_wire_agentadv.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "mip4/mn_disc.h"
#include "wire/agentadv.h"

#define A4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HA A4(192, 0, 2, 1)           /* home agent, home link 192.0.2.0/24 */
#define FA1 A4(198, 51, 100, 1)       /* foreign link 1: 198.51.100.0/24 */
#define FA1B A4(198, 51, 100, 2)      /* a second agent on link 1 */
#define FA2 A4(203, 0, 113, 1)        /* foreign link 2: 203.0.113.0/24 */
#define COLO1 A4(198, 51, 100, 77)
#define IFX 3

static struct mn_disc_config cfg_default(void)
{
	struct mn_disc_config c = { .home_agent = HA, .solicit_max_ms = 0 };
	return c;
}

static void init(struct mn_disc *m)
{
	struct mn_disc_config c = cfg_default();
	assert_int_equal(mn_disc_init(m, &c), 0);
}

static struct mn_disc_now at(uint64_t ms, uint32_t rnd)
{
	struct mn_disc_now n = { .ms = ms, .random = rnd };
	return n;
}

/* An advertisement from agent src (its own address as router address and
 * care-of address); plen < 0: no Prefix-Lengths extension. */
static struct agentadv adv(uint32_t src, uint16_t seq, uint16_t lifetime, uint16_t flags, int plen)
{
	struct agentadv a;

	memset(&a, 0, sizeof(a));
	a.code = AGENTADV_CODE_ROUTER;
	a.num_addrs = 1;
	a.entry_size = AGENTADV_ENTRY_SIZE;
	a.lifetime = lifetime;
	a.router[0].addr = src;
	a.seq = seq;
	a.reg_lifetime = 600;
	a.flags = flags;
	if (flags & AGENTADV_F_F) {
		a.n_coa = 1;
		a.coa[0] = src;
	}
	if (plen >= 0) {
		a.has_prefix_lengths = true;
		a.prefix_len[0] = (uint8_t)plen;
	}
	return a;
}

/* Build, parse back, deliver on IFX with co-located address colo/cplen. */
static void deliver(struct mn_disc *m, uint64_t ms, const struct agentadv *a, uint32_t src,
		    uint32_t colo, uint8_t cplen, struct mn_disc_out *out)
{
	uint8_t buf[1500];
	struct agentadv b;
	struct mn_disc_now n = at(ms, 0);
	int len = agentadv_build(a, buf, sizeof(buf));

	assert_true(len > 0);
	assert_int_equal(agentadv_parse(buf, (size_t)len, &b, NULL), 0);
	mn_disc_recv(m, &n, &b, src, IFX, colo, cplen, out);
}

static void recv_fa(struct mn_disc *m, uint64_t ms, uint32_t src, uint16_t seq, uint16_t lifetime,
		    int plen, struct mn_disc_out *out)
{
	struct agentadv a = adv(src, seq, lifetime, AGENTADV_F_F | AGENTADV_F_T, plen);
	deliver(m, ms, &a, src, 0, 0, out);
}

static void tick(struct mn_disc *m, uint64_t ms, uint32_t rnd, struct mn_disc_out *out)
{
	struct mn_disc_now n = at(ms, rnd);
	mn_disc_tick(m, &n, out);
}

static void link_up(struct mn_disc *m, uint64_t ms, uint32_t rnd, struct mn_disc_out *out)
{
	struct mn_disc_now n = at(ms, rnd);
	assert_int_equal(mn_disc_link(m, &n, IFX, true, out), 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mn_disc_state_name(MN_DISC_DOWN), "DOWN");
	assert_string_equal(mn_disc_state_name(MN_DISC_SOLICITING), "SOLICITING");
	assert_string_equal(mn_disc_state_name(MN_DISC_CO_LOCATED), "CO_LOCATED");
	assert_string_equal(mn_disc_state_name(MN_DISC_FOREIGN), "FOREIGN");
	assert_string_equal(mn_disc_state_name(MN_DISC_HOME), "HOME");
	assert_string_equal(mn_disc_state_name(MN_DISC_STATE_COUNT), "INVALID");
	assert_string_equal(mn_disc_lost_name(MN_DISC_LOST_MOVED), "moved (prefixes differ)");
	assert_string_equal(mn_disc_lost_name(MN_DISC_LOST_COUNT), "INVALID");
	assert_int_equal(mn_disc_stat_count(), 19);
	assert_string_equal(mn_disc_stat_names[0], "rx_adverts");
}

static void test_init_invalid(void **state)
{
	struct mn_disc m;
	struct mn_disc_config c = cfg_default();
	struct mn_disc_out out;
	struct mn_disc_now n = at(0, 0);

	(void)state;
	c.solicit_max_ms = 999;
	assert_int_equal(mn_disc_init(&m, &c), -EINVAL);
	c.solicit_max_ms = 1000;
	assert_int_equal(mn_disc_init(&m, &c), 0);
	assert_int_equal(m.state, MN_DISC_DOWN);
	assert_int_equal(mn_disc_next_timeout(&m), UINT64_MAX);
	assert_int_equal(mn_disc_link(&m, &n, 0, true, &out), -EINVAL);
	assert_int_equal(mn_disc_set_addr(&m, &n, COLO1, 33, &out), -EINVAL);
	assert_int_equal(mn_disc_set_addr(&m, &n, A4(224, 0, 0, 1), 24, &out), -EINVAL);
	assert_null(mn_disc_current(&m));
}

/* RFC 5944 2.4: three at most one a second, then doubling to the cap
 * (60 s); the first after a random delay below 1 s (RFC 1256 5.1). */
static void test_solicit_timing(void **state)
{
	static const uint8_t sol[] = { /* type 10, code 0 */ 0x0a, 0x00,
				       /* checksum */ 0xf5, 0xff, /* reserved */ 0, 0, 0, 0 };
	/* nominal times of solicitations 2.. after the first at 1250 */
	static const uint64_t when[] = { 2250, 3250, 5250, 9250, 17250, 33250, 65250,
					 125250, 185250, 245250 };
	struct mn_disc m;
	struct mn_disc_out out;

	(void)state;
	init(&m);
	assert_int_equal(mn_disc_solicit_interval(&m, 1), 1000);
	assert_int_equal(mn_disc_solicit_interval(&m, 2), 1000);
	assert_int_equal(mn_disc_solicit_interval(&m, 3), 2000);
	assert_int_equal(mn_disc_solicit_interval(&m, 4), 4000);
	assert_int_equal(mn_disc_solicit_interval(&m, 7), 32000);
	assert_int_equal(mn_disc_solicit_interval(&m, 8), 60000);
	assert_int_equal(mn_disc_solicit_interval(&m, 100), 60000);

	link_up(&m, 1000, 1250, &out);     /* delay 1250 % 1000 */
	assert_int_equal(out.state, MN_DISC_SOLICITING);
	assert_false(out.solicit);
	assert_int_equal(out.events, 0);
	assert_int_equal(mn_disc_next_timeout(&m), 1250);
	tick(&m, 1249, 0, &out);           /* early: nothing */
	assert_false(out.solicit);
	tick(&m, 1250, 0, &out);
	assert_true(out.solicit);
	assert_int_equal(out.len, sizeof(sol));
	assert_memory_equal(out.msg, sol, sizeof(sol));
	assert_int_equal(out.dst, A4(224, 0, 0, 11));
	assert_int_equal(out.src, 0);
	assert_int_equal(out.ttl, 1);
	assert_int_equal(out.ifindex, IFX);
	for (size_t i = 0; i < ARRAY_SIZE(when); i++) {
		assert_int_equal(mn_disc_next_timeout(&m), when[i]);
		tick(&m, when[i] - 1, 0, &out);
		assert_false(out.solicit);
		tick(&m, when[i], 0, &out);
		assert_true(out.solicit);
	}
	assert_int_equal(m.stats.tx_solicitations, 11);
	assert_int_equal(mn_disc_next_timeout(&m), 305250);

	/* randomisation: I + random % (I / 10 + 1), never below nominal */
	tick(&m, 305250, 6001 + 3, &out);
	assert_true(out.solicit);
	assert_int_equal(mn_disc_next_timeout(&m), 305250 + 60000 + 3);

	/* a random delay of 0: the first one goes with the link-up itself */
	init(&m);
	link_up(&m, 5000, 0, &out);
	assert_true(out.solicit);
	assert_int_equal(mn_disc_next_timeout(&m), 6000);
	tick(&m, 6000, 42, &out);          /* 1000 + 42 % 101 */
	assert_true(out.solicit);
	assert_int_equal(mn_disc_next_timeout(&m), 7042);

	/* a co-located address: no solicitations (2.4); losing it resumes the
	 * backoff where it stopped (no faster without a move, 2.4) */
	init(&m);
	link_up(&m, 0, 0, &out);
	assert_true(out.solicit);
	tick(&m, 1000, 0, &out);
	tick(&m, 2000, 0, &out);
	assert_int_equal(m.stats.tx_solicitations, 3);
	assert_int_equal(mn_disc_set_addr(&m, &(struct mn_disc_now){ .ms = 2500 }, COLO1, 24, &out), 0);
	assert_int_equal(out.state, MN_DISC_CO_LOCATED);
	assert_int_equal(mn_disc_next_timeout(&m), UINT64_MAX);
	assert_int_equal(mn_disc_set_addr(&m, &(struct mn_disc_now){ .ms = 3000 }, 0, 0, &out), 0);
	assert_int_equal(out.state, MN_DISC_SOLICITING);
	assert_false(out.solicit);
	assert_int_equal(mn_disc_next_timeout(&m), 4000);
	/* a link change is a positive indication of a move: fast again */
	link_up(&m, 3100, 10, &out);
	assert_int_equal(mn_disc_next_timeout(&m), 3110);
}

/* The first foreign agent heard is chosen; its first care-of address and
 * flags are reported; solicitations stop. */
static void test_first_agent(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;
	struct agentadv a;

	(void)state;
	init(&m);
	link_up(&m, 0, 0, &out);
	assert_true(out.solicit);
	a = adv(FA1, 7, 30, AGENTADV_F_F | AGENTADV_F_G | AGENTADV_F_T | AGENTADV_F_U, 24);
	a.n_coa = 2;
	a.coa[0] = A4(198, 51, 100, 9);
	a.coa[1] = A4(198, 51, 100, 10);
	a.reg_lifetime = 300;
	deliver(&m, 500, &a, FA1, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
	assert_int_equal(out.state, MN_DISC_FOREIGN);
	assert_false(out.solicit);
	assert_int_equal(out.agent.addr, FA1);
	assert_int_equal(out.agent.coa, A4(198, 51, 100, 9));
	assert_int_equal(out.agent.flags, AGENTADV_F_F | AGENTADV_F_G | AGENTADV_F_T | AGENTADV_F_U);
	assert_int_equal(out.agent.reg_lifetime, 300);
	assert_int_equal(out.agent.seq, 7);
	assert_int_equal(out.agent.ifindex, IFX);
	assert_int_equal(out.agent.n_prefix, 1);
	assert_int_equal(out.agent.prefix[0], A4(198, 51, 100, 0));
	assert_int_equal(out.agent.plen[0], 24);
	assert_int_equal(out.agent.expires_ms, 30500);
	assert_int_equal(mn_disc_next_timeout(&m), 30500);
	assert_int_equal(m.stats.agents_chosen, 1);
	/* the same again: nothing new */
	a.seq = 8;
	deliver(&m, 1500, &a, FA1, 0, 0, &out);
	assert_int_equal(out.events, 0);
	assert_int_equal(mn_disc_next_timeout(&m), 31500);
	/* a new first care-of address: reported again */
	a.seq = 9;
	a.coa[0] = A4(198, 51, 100, 10);
	deliver(&m, 2500, &a, FA1, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
	assert_int_equal(out.agent.coa, A4(198, 51, 100, 10));
	assert_non_null(mn_disc_current(&m));
	assert_int_equal(mn_disc_current(&m)->addr, FA1);
}

/* 2.4.2.1: lifetime expiry loses the agent; another valid one is taken at
 * once, else the search starts again, fast. */
static void test_lifetime_expiry(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;

	(void)state;
	init(&m);
	link_up(&m, 0, 0, &out);
	tick(&m, 1000, 0, &out);
	tick(&m, 2000, 0, &out);
	tick(&m, 4000, 0, &out);           /* 4 sent: the next interval is 4 s */
	assert_int_equal(m.stats.tx_solicitations, 4);
	assert_int_equal(mn_disc_next_timeout(&m), 8000);
	recv_fa(&m, 4500, FA1, 1, 3, -1, &out);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
	recv_fa(&m, 5000, FA1B, 1, 10, -1, &out);
	assert_int_equal(out.events, 0);   /* sticky */
	assert_int_equal(mn_disc_next_timeout(&m), 7500);
	tick(&m, 7499, 0, &out);
	assert_int_equal(out.events, 0);
	tick(&m, 7500, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST | MN_DISC_EV_AGENT);
	assert_int_equal(out.lost, MN_DISC_LOST_EXPIRED);
	assert_int_equal(out.lost_addr, FA1);
	assert_int_equal(out.agent.addr, FA1B);
	assert_int_equal(out.state, MN_DISC_FOREIGN);
	/* FA1B expires at 15000: nothing left, solicit again, fast */
	assert_int_equal(mn_disc_next_timeout(&m), 15000);
	tick(&m, 15000, 300, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST);
	assert_int_equal(out.lost_addr, FA1B);
	assert_int_equal(out.state, MN_DISC_SOLICITING);
	assert_false(out.solicit);
	assert_int_equal(mn_disc_next_timeout(&m), 15300);
	tick(&m, 15300, 0, &out);
	assert_true(out.solicit);
	assert_int_equal(mn_disc_next_timeout(&m), 16300);
	assert_int_equal(m.stats.agents_expired, 2);
	assert_int_equal(m.stats.agents_lost, 2);
	assert_int_equal(m.stats.tx_solicitations, 5);
}

/* 2.4.2.2 with foreign agents: both carry prefix lengths and share none. */
static void test_prefix_move(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;

	(void)state;
	init(&m);
	link_up(&m, 0, 100, &out);
	recv_fa(&m, 10, FA1, 1, 30, 24, &out);
	recv_fa(&m, 20, FA1B, 1, 30, 24, &out);     /* same subnet: no move */
	assert_int_equal(out.events, 0);
	recv_fa(&m, 30, FA2, 1, 30, -1, &out);      /* no extension: no move */
	assert_int_equal(out.events, 0);
	assert_int_equal(mn_disc_current(&m)->addr, FA1);
	recv_fa(&m, 40, FA2, 2, 30, 24, &out);      /* another subnet */
	assert_int_equal(out.events, MN_DISC_EV_MOVED | MN_DISC_EV_LOST | MN_DISC_EV_AGENT);
	assert_int_equal(out.lost, MN_DISC_LOST_MOVED);
	assert_int_equal(out.lost_addr, FA1);
	assert_int_equal(out.agent.addr, FA2);
	assert_int_equal(out.agent.coa, FA2);
	/* FA1B (same old subnet) is forgotten too: FA2 expiring leaves nothing */
	assert_int_equal(m.stats.moves_prefix, 1);
	tick(&m, 30040, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST);
	assert_int_equal(out.state, MN_DISC_SOLICITING);
	assert_true(out.solicit);

	/* a /16 against a /24 of the same network: different prefixes */
	init(&m);
	link_up(&m, 0, 100, &out);
	recv_fa(&m, 10, FA1, 1, 30, 24, &out);
	recv_fa(&m, 20, FA1B, 1, 30, 16, &out);
	assert_int_equal(out.events, MN_DISC_EV_MOVED | MN_DISC_EV_LOST | MN_DISC_EV_AGENT);
	assert_int_equal(out.agent.addr, FA1B);
}

/* 2.4.2.2 with a co-located address: its prefix is not advertised. */
static void test_prefix_move_colocated(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;
	struct agentadv a;

	(void)state;
	init(&m);
	link_up(&m, 0, 100, &out);
	assert_int_equal(mn_disc_set_addr(&m, &(struct mn_disc_now){ .ms = 5 }, COLO1, 24, &out), 0);
	assert_int_equal(out.state, MN_DISC_CO_LOCATED);
	a = adv(FA1, 1, 30, AGENTADV_F_F, 24);
	deliver(&m, 10, &a, FA1, COLO1, 24, &out);  /* the same subnet, no R */
	assert_int_equal(out.events, 0);
	assert_int_equal(out.state, MN_DISC_CO_LOCATED);
	assert_int_equal(mn_disc_next_timeout(&m), 30010);
	a = adv(FA2, 1, 30, AGENTADV_F_F, 24);
	deliver(&m, 20, &a, FA2, COLO1, 24, &out);  /* moved */
	assert_int_equal(out.events, MN_DISC_EV_MOVED | MN_DISC_EV_AGENT);
	assert_int_equal(out.state, MN_DISC_FOREIGN);
	assert_int_equal(out.agent.addr, FA2);
	assert_int_equal(m.stats.colocated_stale, 1);
	/* FA1 (the old subnet) is forgotten: only FA2 is left */
	assert_int_equal(mn_disc_next_timeout(&m), 30020);
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++)
		assert_false(m.used[i] && m.agents[i].addr == FA1);
	/* a new address: usable again, but FA2 stays while valid (sticky)
	 * only with R; without R the co-located address wins */
	assert_int_equal(mn_disc_set_addr(&m, &(struct mn_disc_now){ .ms = 30 },
					  A4(203, 0, 113, 50), 24, &out), 0);
	assert_int_equal(out.events, MN_DISC_EV_LOST);
	assert_int_equal(out.lost, MN_DISC_LOST_UNUSABLE);
	assert_int_equal(out.state, MN_DISC_CO_LOCATED);
	/* no prefix known (plen 0): algorithm 2 is not used */
	assert_int_equal(mn_disc_set_addr(&m, &(struct mn_disc_now){ .ms = 40 }, COLO1, 0, &out), 0);
	a = adv(FA1, 1, 30, AGENTADV_F_F, 24);
	deliver(&m, 50, &a, FA1, COLO1, 0, &out);
	assert_int_equal(out.events, 0);
	assert_int_equal(out.state, MN_DISC_CO_LOCATED);
}

/* 2.4.1: R requires registration through the agent even with a co-located
 * address; prefer_fa uses a foreign agent anyway. */
static void test_registration_required(void **state)
{
	struct mn_disc m;
	struct mn_disc_config c = cfg_default();
	struct mn_disc_out out;
	struct agentadv a;

	(void)state;
	init(&m);
	link_up(&m, 0, 100, &out);
	a = adv(FA1, 1, 30, AGENTADV_F_F, -1);
	deliver(&m, 10, &a, FA1, COLO1, 24, &out);
	assert_int_equal(out.state, MN_DISC_CO_LOCATED);
	assert_int_equal(out.events, 0);
	a.flags |= AGENTADV_F_R;
	deliver(&m, 20, &a, FA1, COLO1, 24, &out);
	assert_int_equal(out.state, MN_DISC_FOREIGN);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
	assert_true(out.agent.flags & AGENTADV_F_R);
	a.flags &= (uint16_t)~AGENTADV_F_R;
	deliver(&m, 30, &a, FA1, COLO1, 24, &out);
	assert_int_equal(out.state, MN_DISC_CO_LOCATED);
	assert_int_equal(out.events, MN_DISC_EV_LOST);
	assert_int_equal(out.lost, MN_DISC_LOST_UNUSABLE);

	c.prefer_fa = true;
	assert_int_equal(mn_disc_init(&m, &c), 0);
	link_up(&m, 0, 100, &out);
	deliver(&m, 10, &a, FA1, COLO1, 24, &out);
	assert_int_equal(out.state, MN_DISC_FOREIGN);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
}

/* 2.4.4: a decrease into 0-255 from the current agent is a reboot; a
 * decrease to 256 or more is the 0xffff -> 256 rollover. */
static void test_reboot(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;

	(void)state;
	init(&m);
	link_up(&m, 0, 100, &out);
	recv_fa(&m, 10, FA1, 0xfffe, 30, -1, &out);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
	recv_fa(&m, 20, FA1, 0xffff, 30, -1, &out);
	assert_int_equal(out.events, 0);
	recv_fa(&m, 30, FA1, 256, 30, -1, &out);
	assert_int_equal(out.events, 0);
	assert_int_equal(m.stats.seq_rollovers, 1);
	recv_fa(&m, 40, FA1, 257, 30, -1, &out);
	assert_int_equal(out.events, 0);
	recv_fa(&m, 50, FA1, 0, 30, -1, &out);
	assert_int_equal(out.events, MN_DISC_EV_REBOOTED);
	assert_int_equal(out.agent.addr, FA1);
	assert_int_equal(out.agent.seq, 0);
	assert_int_equal(m.stats.reboots, 1);
	recv_fa(&m, 60, FA1, 1, 30, -1, &out);
	assert_int_equal(out.events, 0);
	/* another agent's reboot is not ours */
	recv_fa(&m, 70, FA1B, 50, 30, -1, &out);
	recv_fa(&m, 80, FA1B, 3, 30, -1, &out);
	assert_int_equal(out.events, 0);
	assert_int_equal(m.stats.reboots, 1);
}

/* 2.4.3: an advertisement with H from our home agent: at home, over any
 * foreign agent; its expiry leaves home. */
static void test_home(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;
	struct agentadv a;

	(void)state;
	init(&m);
	link_up(&m, 0, 100, &out);
	recv_fa(&m, 10, FA1, 1, 30, -1, &out);
	assert_int_equal(out.state, MN_DISC_FOREIGN);
	/* H from another address: not our home agent, and not usable */
	a = adv(A4(192, 0, 2, 99), 1, 30, AGENTADV_F_H, -1);
	deliver(&m, 20, &a, A4(192, 0, 2, 99), 0, 0, &out);
	assert_int_equal(out.events, 0);
	/* our home agent without H: an ordinary foreign agent, not chosen */
	a = adv(HA, 1, 30, AGENTADV_F_F, -1);
	deliver(&m, 30, &a, HA, 0, 0, &out);
	assert_int_equal(out.events, 0);
	a = adv(HA, 2, 5, AGENTADV_F_H | AGENTADV_F_F, -1);
	deliver(&m, 40, &a, HA, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_HOME);
	assert_int_equal(out.state, MN_DISC_HOME);
	assert_int_equal(out.agent.addr, HA);
	assert_true(out.agent.home);
	assert_int_equal(m.stats.home_detected, 1);
	recv_fa(&m, 50, FA1, 2, 30, -1, &out);
	assert_int_equal(out.events, 0);
	assert_int_equal(out.state, MN_DISC_HOME);
	/* expiry: FA1 (heard first, still valid) is taken */
	tick(&m, 5040, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST | MN_DISC_EV_AGENT);
	assert_int_equal(out.lost_addr, HA);
	assert_int_equal(out.agent.addr, FA1);

	/* the home agent drops H but stays a foreign agent: leaves home */
	a = adv(HA, 3, 30, AGENTADV_F_H | AGENTADV_F_F, -1);
	deliver(&m, 6000, &a, HA, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_HOME);
	a = adv(HA, 4, 30, AGENTADV_F_F, -1);
	a.coa[0] = A4(192, 0, 2, 7);
	deliver(&m, 7000, &a, HA, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST | MN_DISC_EV_AGENT);
	assert_int_equal(out.lost, MN_DISC_LOST_UNUSABLE);
	assert_int_equal(out.agent.addr, FA1);     /* heard first */
	assert_int_equal(out.state, MN_DISC_FOREIGN);

	/* home agent named only among the router addresses (source is
	 * another of its addresses), a home agent advertising without F */
	init(&m);
	link_up(&m, 0, 100, &out);
	a = adv(A4(192, 0, 2, 2), 0, 30, AGENTADV_F_H, -1);
	a.num_addrs = 2;
	a.router[1].addr = HA;
	deliver(&m, 10, &a, A4(192, 0, 2, 2), 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_HOME);
	assert_int_equal(mn_disc_next_timeout(&m), 30010);
}

/* Stickiness: the current agent stays while valid, whatever else is heard. */
static void test_sticky(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;

	(void)state;
	init(&m);
	link_up(&m, 0, 100, &out);
	recv_fa(&m, 10, FA1B, 1, 3, -1, &out);
	assert_int_equal(out.agent.addr, FA1B);
	recv_fa(&m, 20, FA1, 1, 3, -1, &out);    /* a lower address, heard later */
	for (uint64_t t = 1000; t < 20000; t += 1000) {
		recv_fa(&m, t, FA1, (uint16_t)(t / 1000 + 1), 3, -1, &out);
		assert_int_equal(out.events, 0);
		recv_fa(&m, t + 500, FA1B, (uint16_t)(t / 1000 + 1), 3, -1, &out);
		assert_int_equal(out.events, 0);
		assert_int_equal(mn_disc_current(&m)->addr, FA1B);
	}
	/* busy (B): heard, not chosen */
	init(&m);
	link_up(&m, 0, 100, &out);
	{
		struct agentadv a = adv(FA1B, 1, 3, AGENTADV_F_F | AGENTADV_F_B, -1);
		deliver(&m, 10, &a, FA1B, 0, 0, &out);
		assert_int_equal(out.events, 0);
		assert_int_equal(out.state, MN_DISC_SOLICITING);
		a.flags = AGENTADV_F_F;
		deliver(&m, 20, &a, FA1B, 0, 0, &out);
		assert_int_equal(out.events, MN_DISC_EV_AGENT);
		assert_int_equal(out.agent.addr, FA1B);
	}
	/* two heard at the same time and neither chosen then: the lower address */
	init(&m);
	link_up(&m, 0, 100, &out);
	{
		struct agentadv a = adv(FA1B, 1, 30, AGENTADV_F_F, -1);
		struct agentadv b = adv(FA1, 1, 30, AGENTADV_F_F, -1);
		deliver(&m, 10, &a, FA1B, COLO1, 24, &out);
		deliver(&m, 10, &b, FA1, COLO1, 24, &out);
		assert_int_equal(out.state, MN_DISC_CO_LOCATED);
		assert_int_equal(mn_disc_set_addr(&m, &(struct mn_disc_now){ .ms = 20 }, 0, 0, &out), 0);
		assert_int_equal(out.events, MN_DISC_EV_AGENT);
		assert_int_equal(out.agent.addr, FA1);
	}
}

/* What cannot be used is dropped and counted; withdrawal and link events. */
static void test_bad_inputs(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;
	struct agentadv a;
	struct mn_disc_now n;

	(void)state;
	init(&m);
	a = adv(FA1, 1, 30, AGENTADV_F_F, -1);
	n = at(10, 0);
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);   /* link down */
	assert_int_equal(m.stats.drop_link_down, 1);
	assert_int_equal(out.state, MN_DISC_DOWN);
	link_up(&m, 20, 100, &out);
	n = at(30, 0);
	mn_disc_recv(&m, &n, &a, FA1, IFX + 1, 0, 0, &out);
	assert_int_equal(m.stats.drop_wrong_link, 1);
	mn_disc_recv(&m, &n, &a, A4(224, 0, 0, 11), IFX, 0, 0, &out);
	mn_disc_recv(&m, &n, &a, 0, IFX, 0, 0, &out);
	assert_int_equal(m.stats.drop_bad_source, 2);
	a.flags = 0;                                         /* neither F nor H */
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	a.flags = AGENTADV_F_H | AGENTADV_F_R;               /* R without F */
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	a.flags = AGENTADV_F_F;
	a.n_coa = 0;                                         /* F without CoA */
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	a.n_coa = 1;
	a.coa[0] = A4(255, 255, 255, 255);
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	a.coa[0] = FA1;
	a.has_prefix_lengths = true;
	a.prefix_len[0] = 33;
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	a.has_prefix_lengths = false;
	mn_disc_recv(&m, &n, &a, FA1, IFX, A4(127, 0, 0, 1), 8, &out);
	assert_int_equal(m.stats.drop_bad_adv, 6);
	assert_int_equal(m.stats.agents_heard, 0);
	assert_int_equal(m.state, MN_DISC_SOLICITING);
	/* lifetime 0 from an unknown agent */
	a.lifetime = 0;
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	assert_int_equal(m.stats.adv_unknown_withdrawn, 1);
	assert_int_equal(out.events, 0);
	/* the current agent withdraws */
	a.lifetime = 30;
	n = at(100, 0);
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
	a.lifetime = 0;
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST);
	assert_int_equal(out.lost, MN_DISC_LOST_WITHDRAWN);
	assert_int_equal(out.state, MN_DISC_SOLICITING);
	assert_int_equal(m.stats.adv_withdrawn, 1);
	/* time going back: counted, the latest time kept; an advertisement
	 * that expired meanwhile cannot be chosen */
	a.lifetime = 1;
	n = at(50, 0);
	mn_disc_recv(&m, &n, &a, FA1, IFX, 0, 0, &out);
	assert_int_equal(m.stats.time_backwards, 1);
	assert_int_equal(out.agent.expires_ms, 1100);
	/* link changed: everything forgotten, LOST_LINK */
	link_up(&m, 200, 100, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST);
	assert_int_equal(out.lost, MN_DISC_LOST_LINK);
	assert_int_equal(out.state, MN_DISC_SOLICITING);
	assert_int_equal(mn_disc_next_timeout(&m), 300);
	n = at(250, 0);
	assert_int_equal(mn_disc_link(&m, &n, IFX, false, &out), 0);
	assert_int_equal(out.state, MN_DISC_DOWN);
	assert_int_equal(mn_disc_next_timeout(&m), UINT64_MAX);
}

/* Annotated bytes: fa-adv of test_wire_agentadv.c (scapy), F G T U,
 * sequence 5, lifetime 30, care-of address 192.0.2.1, prefix /24. */
static void test_annotated_bytes(void **state)
{
	static const uint8_t fa_adv[] = {
		/* type 9, code 0 */ 0x09, 0x00, /* checksum */ 0x1e, 0xf4,
		/* num addrs 1, entry size 2 */ 0x01, 0x02, /* lifetime 30 */ 0x00, 0x1e,
		/* router address */ 0xc0, 0x00, 0x02, 0x01, /* preference 0 */ 0, 0, 0, 0,
		/* mobility ext, length 10 */ 0x10, 0x0a, /* sequence 5 */ 0x00, 0x05,
		/* registration lifetime 600 */ 0x02, 0x58, /* F G T U */ 0x15, 0x80,
		/* care-of address */ 0xc0, 0x00, 0x02, 0x01,
		/* prefix-lengths, length 1 */ 0x13, 0x01, /* /24 */ 0x18,
		/* one-byte padding */ 0x00,
	};
	struct mn_disc m;
	struct mn_disc_config c = { .home_agent = A4(10, 0, 0, 1) };
	struct mn_disc_out out;
	struct agentadv a;
	struct mn_disc_now n = at(1000, 0);

	(void)state;
	assert_int_equal(mn_disc_init(&m, &c), 0);
	link_up(&m, 0, 999, &out);
	n = at(500, 0);
	assert_int_equal(agentadv_parse(fa_adv, sizeof(fa_adv), &a, NULL), 0);
	mn_disc_recv(&m, &n, &a, A4(192, 0, 2, 1), IFX, 0, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_AGENT);
	assert_int_equal(out.agent.coa, A4(192, 0, 2, 1));
	assert_int_equal(out.agent.flags,
			 AGENTADV_F_F | AGENTADV_F_G | AGENTADV_F_T | AGENTADV_F_U);
	assert_int_equal(out.agent.seq, 5);
	assert_int_equal(out.agent.reg_lifetime, 600);
	assert_int_equal(out.agent.prefix[0], A4(192, 0, 2, 0));
	assert_int_equal(out.agent.plen[0], 24);
	assert_int_equal(out.agent.expires_ms, 30500);
	assert_int_equal(m.stats.tx_solicitations, 0);   /* heard before the first */
}

/* A full table evicts the entry expiring first, never the current one. */
static void test_table_full(void **state)
{
	struct mn_disc m;
	struct mn_disc_out out;

	(void)state;
	init(&m);
	link_up(&m, 0, 100, &out);
	recv_fa(&m, 10, A4(198, 51, 100, 10), 1, 5, -1, &out);   /* current, expires first */
	for (int i = 0; i < MN_DISC_MAX_AGENTS - 1; i++)
		recv_fa(&m, 20, A4(198, 51, 100, 20 + i), 1, (uint16_t)(100 + i), -1, &out);
	recv_fa(&m, 30, A4(198, 51, 100, 99), 1, 100, -1, &out);
	assert_int_equal(m.stats.agents_evicted, 1);
	assert_int_equal(mn_disc_current(&m)->addr, A4(198, 51, 100, 10));
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++)
		assert_int_not_equal(m.agents[i].addr, A4(198, 51, 100, 20));  /* evicted */
	/* the current expires: the first heard of the rest (lowest address at 20 ms) */
	tick(&m, 5010, 0, &out);
	assert_int_equal(out.events, MN_DISC_EV_LOST | MN_DISC_EV_AGENT);
	assert_int_equal(out.agent.addr, A4(198, 51, 100, 21));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_init_invalid),
		cmocka_unit_test(test_solicit_timing),
		cmocka_unit_test(test_first_agent),
		cmocka_unit_test(test_lifetime_expiry),
		cmocka_unit_test(test_prefix_move),
		cmocka_unit_test(test_prefix_move_colocated),
		cmocka_unit_test(test_registration_required),
		cmocka_unit_test(test_reboot),
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_sticky),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_annotated_bytes),
		cmocka_unit_test(test_table_full),
	};

	log_init("test_mip4_mn_disc", false, LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
