/* Mobile node agent discovery and move detection: RFC 5944 2.4 with the
 * solicitation rules of RFC 1256.  Pure: see mn_disc.h, which also lists the
 * choices made where the RFCs leave room. */
#include "mip4/mn_disc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

const char *const mn_disc_stat_names[] = {
#define X(n) #n,
	MN_DISC_COUNTERS(X)
#undef X
};

size_t mn_disc_stat_count(void)
{
	return ARRAY_SIZE(mn_disc_stat_names);
}

uint64_t mn_disc_stat_get(const struct mn_disc_stats *st, size_t i)
{
	const uint64_t *v = (const uint64_t *)st;
	return i < mn_disc_stat_count() ? v[i] : 0;
}

static const char *const state_names[MN_DISC_STATE_COUNT] = {
	[MN_DISC_DOWN] = "DOWN",
	[MN_DISC_SOLICITING] = "SOLICITING",
	[MN_DISC_CO_LOCATED] = "CO_LOCATED",
	[MN_DISC_FOREIGN] = "FOREIGN",
	[MN_DISC_HOME] = "HOME",
};

const char *mn_disc_state_name(enum mn_disc_state s)
{
	return (unsigned)s < MN_DISC_STATE_COUNT ? state_names[s] : "INVALID";
}

static const char *const lost_names[MN_DISC_LOST_COUNT] = {
	[MN_DISC_LOST_EXPIRED] = "advertisement lifetime expired",
	[MN_DISC_LOST_WITHDRAWN] = "advertised lifetime 0",
	[MN_DISC_LOST_MOVED] = "moved (prefixes differ)",
	[MN_DISC_LOST_LINK] = "link down or changed",
	[MN_DISC_LOST_UNUSABLE] = "no longer usable",
};

const char *mn_disc_lost_name(enum mn_disc_lost l)
{
	return (unsigned)l < MN_DISC_LOST_COUNT ? lost_names[l] : "INVALID";
}

/* STYLE 5: count, log a named reason (rate-limited), drop. */
#define DROP(m, ctr, fmt, ...)                                                  \
	do {                                                                    \
		(m)->stats.ctr++;                                               \
		log_rl(LOG_WARNING, "mn-disc: advertisement dropped (" #ctr "): " fmt, \
		       ##__VA_ARGS__);                                          \
		return;                                                         \
	} while (0)

static const char *fmt4(uint32_t net, char buf[ADDR4_STRLEN])
{
	return fmt_in4(ntohl(net), buf);
}

/* A unicast IPv4 address: not 0/8, 127/8, multicast, class E or broadcast. */
static bool in4_unicast(uint32_t net)
{
	uint32_t a = ntohl(net);

	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) < 0xe;
}

static uint32_t prefix_of(uint32_t net, unsigned plen)
{
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

	return htonl(ntohl(net) & mask);
}

/* ---- the clock -------------------------------------------------------------- */

static void clock_set(struct mn_disc *m, const struct mn_disc_now *now, struct mn_disc_out *out)
{
	memset(out, 0, sizeof(*out));
	if (now->ms < m->now_ms)
		m->stats.time_backwards++;      /* keep the latest time */
	else
		m->now_ms = now->ms;
}

static bool agent_valid(const struct mn_disc *m, int i)
{
	return i >= 0 && m->used[i] && m->now_ms < m->agents[i].expires_ms;
}

/* ---- solicitations ------------------------------------------------------------ */

uint64_t mn_disc_solicit_interval(const struct mn_disc *m, uint32_t k)
{
	uint64_t t = MN_DISC_SOLICIT_FAST_MS;

	/* RFC 5944 2.4: three at most one a second, then doubling */
	for (uint32_t i = MN_DISC_SOLICIT_FAST_COUNT; i <= k && t < m->cfg.solicit_max_ms; i++)
		t *= 2;
	if (k < MN_DISC_SOLICIT_FAST_COUNT)
		t = MN_DISC_SOLICIT_FAST_MS;
	return MIN(t, (uint64_t)m->cfg.solicit_max_ms);
}

/* 2.4: randomised around the nominal value, never below it. */
static uint64_t jitter(uint64_t nominal, uint32_t random)
{
	return nominal + random % (nominal / 10 + 1);
}

static void solicit_arm(struct mn_disc *m, const struct mn_disc_now *now)
{
	if (m->sol_fast || !m->sol_count) {
		/* RFC 1256 5.1: a random delay before the first */
		m->sol_fast = false;
		m->sol_count = 0;
		m->sol_last_ms = 0;
		m->sol_next_ms = m->now_ms + now->random % MN_DISC_MAX_SOLICITATION_DELAY_MS;
		return;
	}
	/* 2.4: still searching: the backoff goes on where it stopped */
	m->sol_next_ms = MAX(m->now_ms, m->sol_last_ms + jitter(mn_disc_solicit_interval(m, m->sol_count),
								 now->random));
}

static void solicit_send(struct mn_disc *m, const struct mn_disc_now *now, struct mn_disc_out *out)
{
	int r = agentadv_solicit_build(out->msg, sizeof(out->msg));

	if (r < 0)
		fatalx("mn-disc: solicitation does not fit");
	out->solicit = true;
	out->len = (size_t)r;
	out->ifindex = m->ifindex;
	out->src = m->colo_stale ? 0 : m->colo_addr;
	out->dst = htonl(MN_DISC_MOBILE_AGENTS);
	out->ttl = MN_DISC_SOLICIT_TTL;
	m->stats.tx_solicitations++;
	m->sol_count++;
	m->sol_last_ms = m->now_ms;
	m->sol_next_ms = m->now_ms + jitter(mn_disc_solicit_interval(m, m->sol_count), now->random);
}

/* ---- the one transition function ----------------------------------------------- */

static void state_transition(struct mn_disc *m, const struct mn_disc_now *now,
			     enum mn_disc_state next)
{
	enum mn_disc_state old = m->state;

	if (old == next)
		return;
	m->state = next;
	if (next == MN_DISC_SOLICITING)
		solicit_arm(m, now);
	else
		m->sol_next_ms = UINT64_MAX;
	if (next == MN_DISC_FOREIGN || next == MN_DISC_HOME)
		m->sol_fast = true;     /* 2.4: the next search starts fast */
	log_info("mn-disc: %s -> %s", mn_disc_state_name(old), mn_disc_state_name(next));
}

/* ---- the agent table ------------------------------------------------------------ */

static void lose(struct mn_disc *m, enum mn_disc_lost why, struct mn_disc_out *out)
{
	char b[ADDR4_STRLEN];

	if (m->current < 0)
		return;
	if (!(out->events & MN_DISC_EV_LOST)) {
		out->lost = why;
		out->lost_addr = m->agents[m->current].addr;
	}
	out->events |= MN_DISC_EV_LOST;
	out->events &= ~(unsigned)(MN_DISC_EV_AGENT | MN_DISC_EV_HOME | MN_DISC_EV_REBOOTED);
	m->stats.agents_lost++;
	log_warn("mn-disc: agent %s lost: %s", fmt4(m->agents[m->current].addr, b),
		 mn_disc_lost_name(why));
	m->current = -1;
}

static void agent_forget(struct mn_disc *m, int i, enum mn_disc_lost why, struct mn_disc_out *out)
{
	if (i == m->current)
		lose(m, why, out);
	m->used[i] = false;
}

static void expire(struct mn_disc *m, struct mn_disc_out *out)
{
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++) {
		if (m->used[i] && !agent_valid(m, i)) {
			m->stats.agents_expired++;
			agent_forget(m, i, MN_DISC_LOST_EXPIRED, out);
		}
	}
}

static void forget_all(struct mn_disc *m, struct mn_disc_out *out)
{
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++)
		if (m->used[i])
			agent_forget(m, i, MN_DISC_LOST_LINK, out);
}

static bool colo_usable(const struct mn_disc *m)
{
	return m->colo_addr && !m->colo_stale;
}

/* Can the node register through agent i (a foreign agent)? */
static bool agent_usable(const struct mn_disc *m, int i)
{
	const struct mn_disc_agent *a = &m->agents[i];

	if (!agent_valid(m, i) || a->home)
		return false;
	if (!(a->flags & AGENTADV_F_F) || (a->flags & AGENTADV_F_B) || !a->coa)
		return false;
	/* 2.4.1: with a co-located address, only when registration is required */
	return !colo_usable(m) || (a->flags & AGENTADV_F_R) || m->cfg.prefer_fa;
}

/* Choose (see mn_disc.h) and report the change. */
static void choose(struct mn_disc *m, const struct mn_disc_now *now, struct mn_disc_out *out)
{
	int best = -1;

	expire(m, out);
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++)
		if (agent_valid(m, i) && m->agents[i].home && (best < 0 || i == m->current))
			best = i;
	if (best < 0 && m->current >= 0) {
		if (agent_usable(m, m->current))
			best = m->current;
		else if (!m->agents[m->current].home)
			lose(m, MN_DISC_LOST_UNUSABLE, out);
	}
	for (int i = 0; best < 0 && i < MN_DISC_MAX_AGENTS; i++) {
		const struct mn_disc_agent *a = &m->agents[i];
		int j;

		if (!agent_usable(m, i))
			continue;
		for (j = 0; j < MN_DISC_MAX_AGENTS; j++) {
			const struct mn_disc_agent *b = &m->agents[j];

			if (j != i && agent_usable(m, j) &&
			    (b->first_ms < a->first_ms ||
			     (b->first_ms == a->first_ms && ntohl(b->addr) < ntohl(a->addr))))
				break;
		}
		if (j == MN_DISC_MAX_AGENTS)
			best = i;
	}
	if (best != m->current) {
		m->current = best;
		if (best >= 0) {
			char b[ADDR4_STRLEN];

			out->events &= ~(unsigned)(MN_DISC_EV_AGENT | MN_DISC_EV_HOME |
						   MN_DISC_EV_REBOOTED);
			out->events |= m->agents[best].home ? MN_DISC_EV_HOME : MN_DISC_EV_AGENT;
			if (m->agents[best].home)
				m->stats.home_detected++;
			else
				m->stats.agents_chosen++;
			log_info("mn-disc: %s agent %s", m->agents[best].home ? "home" : "foreign",
				 fmt4(m->agents[best].addr, b));
		}
	}
	if (m->current >= 0)
		out->agent = m->agents[m->current];
	if (!m->link_up)
		state_transition(m, now, MN_DISC_DOWN);
	else if (m->current >= 0)
		state_transition(m, now, m->agents[m->current].home ? MN_DISC_HOME : MN_DISC_FOREIGN);
	else
		state_transition(m, now, colo_usable(m) ? MN_DISC_CO_LOCATED : MN_DISC_SOLICITING);
	out->state = m->state;
}

/* After every input: choose, then send a solicitation that is due. */
static void finish(struct mn_disc *m, const struct mn_disc_now *now, struct mn_disc_out *out)
{
	choose(m, now, out);
	if (m->state == MN_DISC_SOLICITING && m->now_ms >= m->sol_next_ms)
		solicit_send(m, now, out);
}

/* The slot for src: its own, a free one, or the one expiring first. */
static int slot_for(struct mn_disc *m, uint32_t src, bool *fresh)
{
	int victim = -1;

	*fresh = false;
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++)
		if (m->used[i] && m->agents[i].addr == src)
			return i;
	*fresh = true;
	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++) {
		if (!m->used[i])
			return i;
		if (i != m->current &&
		    (victim < 0 || m->agents[i].expires_ms < m->agents[victim].expires_ms))
			victim = i;
	}
	m->stats.agents_evicted++;
	return victim;
}

static bool same_subnet(uint32_t a, uint8_t pa, uint32_t b, uint8_t pb)
{
	return pa == pb && prefix_of(a, pa) == prefix_of(b, pb);
}

/* 2.4.2.2: both carry prefixes and none is shared. */
static bool prefixes_differ(const struct mn_disc_agent *x, const struct mn_disc_agent *y)
{
	if (!x->n_prefix || !y->n_prefix)
		return false;
	for (unsigned i = 0; i < x->n_prefix; i++)
		for (unsigned j = 0; j < y->n_prefix; j++)
			if (same_subnet(x->prefix[i], x->plen[i], y->prefix[j], y->plen[j]))
				return false;
	return true;
}

static bool covers(const struct mn_disc_agent *x, uint32_t addr, uint8_t plen)
{
	for (unsigned i = 0; i < x->n_prefix; i++)
		if (same_subnet(x->prefix[i], x->plen[i], addr, plen))
			return true;
	return false;
}

/* 2.4.2.2: after a move, the agents of other subnets than agent i's. */
static void forget_other_subnets(struct mn_disc *m, int i, struct mn_disc_out *out)
{
	for (int k = 0; k < MN_DISC_MAX_AGENTS; k++)
		if (k != i && m->used[k] && prefixes_differ(&m->agents[i], &m->agents[k]))
			agent_forget(m, k, MN_DISC_LOST_MOVED, out);
}

/* The co-located address from the daemon; a new one is no longer stale. */
static void colo_update(struct mn_disc *m, uint32_t addr, uint8_t plen)
{
	if (addr != m->colo_addr || plen != m->colo_plen)
		m->colo_stale = false;
	m->colo_addr = addr;
	m->colo_plen = addr ? plen : 0;
}

/* ---- API ------------------------------------------------------------------- */

int mn_disc_init(struct mn_disc *m, const struct mn_disc_config *cfg)
{
	if (cfg->solicit_max_ms && cfg->solicit_max_ms < MN_DISC_SOLICIT_FAST_MS)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (!m->cfg.solicit_max_ms)
		m->cfg.solicit_max_ms = MN_DISC_SOLICIT_MAX_MS_DEFAULT;
	m->state = MN_DISC_DOWN;
	m->current = -1;
	m->sol_next_ms = UINT64_MAX;
	m->sol_fast = true;
	return 0;
}

int mn_disc_link(struct mn_disc *m, const struct mn_disc_now *now, int ifindex, bool up,
		 struct mn_disc_out *out)
{
	if (up && ifindex <= 0)
		return -EINVAL;
	clock_set(m, now, out);
	forget_all(m, out);
	/* any state change restarts the solicitation logic at DOWN */
	state_transition(m, now, MN_DISC_DOWN);
	m->link_up = up;
	m->ifindex = up ? ifindex : 0;
	if (up)
		m->sol_fast = true;     /* 2.4: a positive indication of a move */
	else
		colo_update(m, 0, 0);
	finish(m, now, out);
	return 0;
}

int mn_disc_set_addr(struct mn_disc *m, const struct mn_disc_now *now, uint32_t addr,
		     uint8_t plen, struct mn_disc_out *out)
{
	if (plen > 32 || (addr && !in4_unicast(addr)))
		return -EINVAL;
	clock_set(m, now, out);
	colo_update(m, addr, plen);
	finish(m, now, out);
	return 0;
}

static void recv_adv(struct mn_disc *m, const struct mn_disc_now *now, const struct agentadv *a,
		     uint32_t src, int ifindex, uint32_t colo_addr, uint8_t colo_plen,
		     struct mn_disc_out *out)
{
	struct mn_disc_agent *e, old;
	bool fresh, home;
	char b[ADDR4_STRLEN];
	int i;

	/* what has expired goes first, also when the advertisement is dropped */
	choose(m, now, out);
	if (!m->link_up)
		DROP(m, drop_link_down, "from %s", fmt4(src, b));
	if (ifindex != m->ifindex)
		DROP(m, drop_wrong_link, "from %s on interface %d", fmt4(src, b), ifindex);
	if (!in4_unicast(src))
		DROP(m, drop_bad_source, "from %s", fmt4(src, b));
	if (!(a->flags & (AGENTADV_F_F | AGENTADV_F_H)) ||
	    ((a->flags & (AGENTADV_F_B | AGENTADV_F_R)) && !(a->flags & AGENTADV_F_F)))
		DROP(m, drop_bad_adv, "from %s: flags %#x", fmt4(src, b), a->flags);
	if (a->n_coa > AGENTADV_MAX_COA || ((a->flags & AGENTADV_F_F) && !a->n_coa))
		DROP(m, drop_bad_adv, "from %s: %u care-of addresses", fmt4(src, b), a->n_coa);
	if ((a->flags & AGENTADV_F_F) && !in4_unicast(a->coa[0]))
		DROP(m, drop_bad_adv, "from %s: care-of address %s", fmt4(src, b),
		     fmt4(a->coa[0], (char[ADDR4_STRLEN]){ 0 }));
	if (a->has_prefix_lengths)
		for (unsigned k = 0; k < a->num_addrs; k++)
			if (a->prefix_len[k] > 32)
				DROP(m, drop_bad_adv, "from %s: prefix length %u", fmt4(src, b),
				     a->prefix_len[k]);
	if (colo_addr && (!in4_unicast(colo_addr) || colo_plen > 32))
		DROP(m, drop_bad_adv, "co-located address %s/%u", fmt4(colo_addr, b), colo_plen);
	colo_update(m, colo_addr, colo_plen);

	if (a->lifetime == 0) {
		/* RFC 1256 4.1: the agent withdraws */
		for (i = 0; i < MN_DISC_MAX_AGENTS; i++)
			if (m->used[i] && m->agents[i].addr == src)
				break;
		if (i == MN_DISC_MAX_AGENTS) {
			m->stats.adv_unknown_withdrawn++;
		} else {
			m->stats.adv_withdrawn++;
			agent_forget(m, i, MN_DISC_LOST_WITHDRAWN, out);
		}
		return;
	}

	home = false;
	if ((a->flags & AGENTADV_F_H) && m->cfg.home_agent) {
		home = src == m->cfg.home_agent;
		for (unsigned k = 0; !home && k < a->num_addrs; k++)
			home = a->router[k].addr == m->cfg.home_agent;
	}

	i = slot_for(m, src, &fresh);
	e = &m->agents[i];
	old = *e;
	if (fresh && m->used[i])
		agent_forget(m, i, MN_DISC_LOST_EXPIRED, out);  /* evicted (never current) */
	memset(e, 0, sizeof(*e));
	e->addr = src;
	e->ifindex = ifindex;
	e->coa = (a->flags & AGENTADV_F_F) ? a->coa[0] : 0;
	e->flags = a->flags & AGENTADV_F_DEFINED;
	e->reg_lifetime = a->reg_lifetime;
	e->seq = a->seq;
	e->home = home;
	e->first_ms = fresh ? m->now_ms : old.first_ms;
	e->expires_ms = m->now_ms + (uint64_t)a->lifetime * 1000;
	if (a->has_prefix_lengths) {
		for (unsigned k = 0; k < a->num_addrs && e->n_prefix < MN_DISC_MAX_PREFIXES; k++) {
			e->prefix[e->n_prefix] = prefix_of(a->router[k].addr, a->prefix_len[k]);
			e->plen[e->n_prefix++] = a->prefix_len[k];
		}
	}
	m->used[i] = true;
	if (fresh)
		m->stats.agents_heard++;

	if (i == m->current && old.home != e->home) {
		/* the current agent changed roles (H): choose again */
		lose(m, MN_DISC_LOST_UNUSABLE, out);
	} else if (i == m->current && !fresh) {
		if (agentadv_seq_rebooted(old.seq, e->seq)) {
			/* 2.4.4: register again */
			m->stats.reboots++;
			if (!e->home)
				out->events |= MN_DISC_EV_REBOOTED;
			log_info("mn-disc: agent %s rebooted (sequence %u after %u)", fmt4(src, b),
				 e->seq, old.seq);
		} else if (e->seq < old.seq) {
			m->stats.seq_rollovers++;   /* 2.3.2: 0xffff -> 256 */
		}
		if (!e->home && (e->coa != old.coa || e->flags != old.flags))
			out->events |= MN_DISC_EV_AGENT;
	} else if (m->current >= 0 && i != m->current &&
		   prefixes_differ(e, &m->agents[m->current])) {
		/* 2.4.2.2: the new advertisement is from another subnet */
		m->stats.moves_prefix++;
		out->events |= MN_DISC_EV_MOVED;
		log_info("mn-disc: moved: prefixes of %s differ from the current agent's",
			 fmt4(src, b));
		forget_other_subnets(m, i, out);
	} else if (m->current < 0 && colo_usable(m) && m->colo_plen && e->n_prefix &&
		   !covers(e, m->colo_addr, m->colo_plen)) {
		/* 2.4.2.2, co-located: our address is not on this subnet */
		m->stats.colocated_stale++;
		m->colo_stale = true;
		out->events |= MN_DISC_EV_MOVED;
		log_info("mn-disc: moved: %s advertises none of the co-located address's prefix",
			 fmt4(src, b));
		forget_other_subnets(m, i, out);
	}
}

void mn_disc_recv(struct mn_disc *m, const struct mn_disc_now *now, const struct agentadv *a,
		  uint32_t src, int ifindex, uint32_t colo_addr, uint8_t colo_plen,
		  struct mn_disc_out *out)
{
	clock_set(m, now, out);
	m->stats.rx_adverts++;
	recv_adv(m, now, a, src, ifindex, colo_addr, colo_plen, out);
	/* a solicitation due goes only if this advertisement ended no search */
	finish(m, now, out);
}

void mn_disc_tick(struct mn_disc *m, const struct mn_disc_now *now, struct mn_disc_out *out)
{
	clock_set(m, now, out);
	finish(m, now, out);
}

uint64_t mn_disc_next_timeout(const struct mn_disc *m)
{
	uint64_t t = m->state == MN_DISC_SOLICITING ? m->sol_next_ms : UINT64_MAX;

	for (int i = 0; i < MN_DISC_MAX_AGENTS; i++)
		if (m->used[i])
			t = MIN(t, m->agents[i].expires_ms);
	return t;
}

const struct mn_disc_agent *mn_disc_current(const struct mn_disc *m)
{
	return m->current >= 0 ? &m->agents[m->current] : NULL;
}
