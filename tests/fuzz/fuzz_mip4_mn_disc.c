/* Fuzz the mobile node's agent discovery (src/mip4/mn_disc.c): a sequence
 * of inputs (link up/down/change, co-located address, advertisements as
 * structs from the fuzz bytes or parsed from raw bytes, timer ticks, time
 * jumps and time going back) drives one machine.  After every input the
 * state must be legal (STYLE 13):
 *   - the state is a valid enum value; DOWN exactly when the link is down;
 *     an agent is chosen exactly in FOREIGN and HOME, the home agent in
 *     HOME, a usable foreign agent (F, not B, a care-of address) in
 *     FOREIGN; SOLICITING only without a usable co-located address;
 *   - every agent kept is still valid (expires after now) and
 *     mn_disc_next_timeout() is after now (nothing due is left undone),
 *     no later than any agent's expiry nor than the next solicitation, and
 *     UINT64_MAX only with nothing to wait for;
 *   - EV_AGENT / EV_REBOOTED name the chosen foreign agent, valid (never
 *     one whose lifetime has passed) and usable; EV_HOME the home agent;
 *     EV_LOST a reason in range and an address;
 *   - solicitations only in SOLICITING, 8 octets that parse, to
 *     224.0.0.11 with TTL 1 on the link; two in one search at least 1 s
 *     apart (2.4) unless the link changed or an agent was chosen between
 *     them (the allowed fast restarts).
 *
 * Input: [cfg:2] then steps [op:1][dt:1][args...] (see step()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/log.h"
#include "common/util.h"
#include "mip4/mn_disc.h"
#include "wire/agentadv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define A4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HA A4(192, 0, 2, 1)

#define H4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
/* sources, care-of and router addresses, host order (some unusable on purpose) */
static const uint32_t addr_table[16] = {
	H4(192, 0, 2, 1),     H4(198, 51, 100, 1), H4(198, 51, 100, 2), H4(203, 0, 113, 1),
	H4(203, 0, 113, 2),   H4(192, 0, 2, 2),    H4(10, 1, 0, 1),     H4(10, 2, 0, 1),
	H4(198, 51, 100, 77), H4(203, 0, 113, 77), H4(0, 0, 0, 0),      H4(224, 0, 0, 11),
	H4(127, 0, 0, 1),     H4(255, 255, 255, 255), H4(10, 1, 255, 3), H4(172, 16, 0, 1),
};
static const uint8_t plen_table[8] = { 24, 16, 8, 32, 0, 25, 30, 33 };
static const uint16_t seq_table[8] = { 0, 1, 2, 255, 256, 257, 0xfffe, 0xffff };

struct in {
	const uint8_t *d;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->d++;
}

static uint16_t u16(struct in *in)
{
	uint16_t hi = u8(in);
	return (uint16_t)(hi << 8 | u8(in));
}

static uint32_t u32(struct in *in)
{
	uint32_t hi = u16(in);
	return hi << 16 | u16(in);
}

static uint32_t addr(struct in *in)
{
	return htonl(addr_table[u8(in) % 16]);
}

/* What the checker remembers between steps. */
struct track {
	uint64_t now;                /* latest time given */
	bool sent_any;
	uint64_t last_sol;
	bool fast_ok;                /* a fast restart is allowed before the next */
};

static void check(const struct mn_disc *m, const struct mn_disc_out *out, struct track *t)
{
	uint64_t next = mn_disc_next_timeout(m), min_exp = UINT64_MAX;
	bool colo_ok = m->colo_addr && !m->colo_stale;

	if ((unsigned)m->state >= MN_DISC_STATE_COUNT || out->state != m->state)
		abort();
	if ((m->state == MN_DISC_DOWN) != !m->link_up)
		abort();
	if ((m->current >= 0) != (m->state == MN_DISC_FOREIGN || m->state == MN_DISC_HOME))
		abort();
	if (m->current >= MN_DISC_MAX_AGENTS || (m->current >= 0 && !m->used[m->current]))
		abort();
	if (m->state == MN_DISC_HOME && !m->agents[m->current].home)
		abort();
	if (m->state == MN_DISC_FOREIGN) {
		const struct mn_disc_agent *a = &m->agents[m->current];
		if (a->home || !(a->flags & AGENTADV_F_F) || (a->flags & AGENTADV_F_B) || !a->coa)
			abort();
		if (colo_ok && !(a->flags & AGENTADV_F_R) && !m->cfg.prefer_fa)
			abort();
	}
	if (m->state == MN_DISC_SOLICITING && colo_ok)
		abort();
	if (m->state == MN_DISC_CO_LOCATED && !colo_ok)
		abort();
	if (m->now_ms != t->now)
		abort();
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++) {
		if (!m->used[i])
			continue;
		if (m->agents[i].expires_ms <= m->now_ms || m->agents[i].n_prefix > MN_DISC_MAX_PREFIXES)
			abort();
		min_exp = MIN(min_exp, m->agents[i].expires_ms);
		for (int j = 0; j < i; j++)
			if (m->used[j] && m->agents[j].addr == m->agents[i].addr)
				abort();
	}
	if (next <= m->now_ms || next > min_exp)
		abort();
	if (m->state == MN_DISC_SOLICITING) {
		if (next > m->sol_next_ms || m->sol_next_ms == UINT64_MAX)
			abort();
	} else if (m->sol_next_ms != UINT64_MAX || next != min_exp) {
		abort();
	}

	/* events */
	if (out->events & ~(unsigned)(MN_DISC_EV_AGENT | MN_DISC_EV_HOME | MN_DISC_EV_LOST |
				      MN_DISC_EV_MOVED | MN_DISC_EV_REBOOTED))
		abort();
	if (out->events & (MN_DISC_EV_AGENT | MN_DISC_EV_REBOOTED)) {
		const struct mn_disc_agent *a = mn_disc_current(m);
		if (m->state != MN_DISC_FOREIGN || !a || a->addr != out->agent.addr ||
		    out->agent.expires_ms <= m->now_ms || !(out->agent.flags & AGENTADV_F_F) ||
		    (out->agent.flags & AGENTADV_F_B) || !out->agent.coa || out->agent.coa != a->coa)
			abort();
	}
	if ((out->events & MN_DISC_EV_HOME) &&
	    (m->state != MN_DISC_HOME || !out->agent.home || out->agent.expires_ms <= m->now_ms))
		abort();
	if ((out->events & MN_DISC_EV_HOME) && (out->events & MN_DISC_EV_AGENT))
		abort();
	if ((out->events & MN_DISC_EV_LOST) &&
	    ((unsigned)out->lost >= MN_DISC_LOST_COUNT || !out->lost_addr))
		abort();

	/* solicitations */
	if (m->state == MN_DISC_FOREIGN || m->state == MN_DISC_HOME)
		t->fast_ok = true;
	if (out->solicit) {
		enum agentadv_drop why;

		if (m->state != MN_DISC_SOLICITING || out->len != AGENTADV_SOLICIT_LEN ||
		    agentadv_solicit_parse(out->msg, out->len, &why) != 0 ||
		    out->dst != A4(224, 0, 0, 11) || out->ttl != 1 || out->ifindex != m->ifindex ||
		    out->ifindex <= 0)
			abort();
		if (t->sent_any && !t->fast_ok && m->now_ms - t->last_sol < MN_DISC_SOLICIT_FAST_MS)
			abort();
		t->sent_any = true;
		t->last_sol = m->now_ms;
		t->fast_ok = false;
	}
}

static void build_adv(struct in *in, struct agentadv *a)
{
	uint8_t shape = u8(in);

	memset(a, 0, sizeof(*a));
	a->code = AGENTADV_CODE_ROUTER;
	a->entry_size = AGENTADV_ENTRY_SIZE;
	a->lifetime = (shape & 0x80) ? u16(in) : u8(in) % 8;
	a->seq = (shape & 0x40) ? u16(in) : seq_table[u8(in) % 8];
	a->reg_lifetime = u16(in);
	a->flags = u16(in);
	if ((u8(in) & 3) != 0) {
		/* mostly well-formed: F, sometimes H, R, B, no reserved bits */
		uint8_t f = u8(in);
		a->flags = AGENTADV_F_F | (f & 1 ? AGENTADV_F_H : 0) | (f & 2 ? AGENTADV_F_R : 0) |
			   (f & 4 ? AGENTADV_F_B : 0) | (f & 8 ? AGENTADV_F_T : 0) |
			   (f & 16 ? AGENTADV_F_G : 0);
		if ((f & 0xe0) == 0xe0)
			a->flags = AGENTADV_F_H;
	}
	a->n_coa = shape & 3;
	for (unsigned i = 0; i < a->n_coa; i++)
		a->coa[i] = addr(in);
	a->num_addrs = (shape >> 2) & 7;
	if (a->num_addrs > 5)
		a->num_addrs = 5;
	for (unsigned i = 0; i < a->num_addrs; i++)
		a->router[i].addr = addr(in);
	a->has_prefix_lengths = (shape >> 5) & 1;
	for (unsigned i = 0; i < a->num_addrs; i++)
		a->prefix_len[i] = plen_table[u8(in) % 8];
}

static void step(struct mn_disc *m, struct in *in, struct track *t)
{
	struct mn_disc_out out;
	struct mn_disc_now now;
	uint8_t op = u8(in), dt = u8(in);
	uint64_t prev;

	/* time: mostly forward, sometimes far, sometimes back */
	if (dt == 0xff)
		now.ms = t->now > 5000 ? t->now - 5000 : 0;
	else if (dt >= 0xf0)
		now.ms = t->now + (uint64_t)(dt - 0xef) * 60000;
	else
		now.ms = t->now + (uint64_t)dt * 50;
	now.random = u32(in);
	prev = t->now;
	if (now.ms > t->now)
		t->now = now.ms;

	switch (op % 8) {
	case 0: /* link up / change */
		if (mn_disc_link(m, &now, 1 + u8(in) % 2, true, &out) != 0)
			abort();
		t->fast_ok = true;
		break;
	case 1: /* link down */
		if (mn_disc_link(m, &now, 0, false, &out) != 0)
			abort();
		t->fast_ok = true;
		break;
	case 2: { /* co-located address */
		uint32_t a = (u8(in) & 1) ? addr(in) : 0;
		uint8_t plen = plen_table[u8(in) % 8];
		int r = mn_disc_set_addr(m, &now, a, plen, &out);
		if (r < 0) {
			t->now = prev;      /* rejected inputs change nothing */
			return;
		}
		break;
	}
	case 3:
	case 4:
	case 5: { /* advertisement as a struct */
		struct agentadv a;
		uint32_t src = addr(in), colo = 0;
		int ifindex = 1 + u8(in) % 3;
		uint8_t cplen;

		build_adv(in, &a);
		if (u8(in) & 1)
			colo = addr(in);
		cplen = plen_table[u8(in) % 8];
		mn_disc_recv(m, &now, &a, src, ifindex, colo, cplen, &out);
		break;
	}
	case 6: { /* advertisement from raw bytes, as the daemon gets it */
		struct agentadv a;
		uint8_t buf[256];
		size_t want = u8(in), len = MIN(want, in->n);
		uint32_t src;

		memcpy(buf, in->d, len);
		in->d += len;
		in->n -= len;
		src = addr(in);
		if (agentadv_parse(buf, len, &a, NULL) != 0) {
			mn_disc_tick(m, &now, &out);
			break;
		}
		mn_disc_recv(m, &now, &a, src, m->ifindex, 0, 0, &out);
		break;
	}
	default: /* the timer, at next_timeout when asked to */
		if (u8(in) & 1) {
			uint64_t next = mn_disc_next_timeout(m);
			if (next != UINT64_MAX && next > t->now) {
				now.ms = next;
				t->now = next;
			}
		}
		mn_disc_tick(m, &now, &out);
		break;
	}
	check(m, &out, t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_mip4_mn_disc", false, LOG_EMERG);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct mn_disc_config cfg;
	struct mn_disc m;
	struct track t = { .now = 0 };
	uint8_t c0 = u8(&in), c1 = u8(&in);

	memset(&cfg, 0, sizeof(cfg));
	cfg.home_agent = (c0 & 1) ? HA : 0;
	cfg.prefer_fa = c0 & 2;
	cfg.solicit_max_ms = (uint32_t)c1 * 1000;
	if (mn_disc_init(&m, &cfg) != 0)
		abort();
	for (int steps = 0; in.n && steps < 400; steps++)
		step(&m, &in, &t);
	return 0;
}
