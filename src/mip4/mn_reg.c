/* Mobile node registration client: RFC 5944 3.6 in the co-located care-of
 * address mode with the RFC 5454 IPv6 extensions.  Pure: see mn_reg.h,
 * which also lists the choices made where the RFCs leave room. */
#include "mip4/mn_reg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "wire/agentadv.h"
#include "wire/udptun.h"

#define MN_REG_MAX_TRIES 100

const char *const mn_reg_stat_names[] = {
#define X(n) #n,
	MN_REG_COUNTERS(X)
#undef X
};

size_t mn_reg_stat_count(void)
{
	return ARRAY_SIZE(mn_reg_stat_names);
}

uint64_t mn_reg_stat_get(const struct mn_reg_stats *st, size_t i)
{
	const uint64_t *v = (const uint64_t *)st;
	return i < mn_reg_stat_count() ? v[i] : 0;
}

static const char *const state_names[MN_REG_STATE_COUNT] = {
	[MN_REG_IDLE] = "IDLE",
	[MN_REG_AT_HOME] = "AT_HOME",
	[MN_REG_REGISTERING] = "REGISTERING",
	[MN_REG_REGISTERED] = "REGISTERED",
	[MN_REG_REREGISTERING] = "REREGISTERING",
	[MN_REG_DEREGISTERING] = "DEREGISTERING",
	[MN_REG_FAILED] = "FAILED",
};

const char *mn_reg_state_name(enum mn_reg_state s)
{
	return (unsigned)s < MN_REG_STATE_COUNT ? state_names[s] : "INVALID";
}

static const char *const lost_names[MN_LOST_COUNT] = {
	[MN_LOST_EXPIRED] = "lifetime expired",
	[MN_LOST_REJECTED] = "rejected by the home agent",
	[MN_LOST_GAVE_UP] = "no reply from the home agent",
	[MN_LOST_ZERO_LIFETIME] = "accepted with lifetime 0",
};

const char *mn_lost_name(enum mn_lost l)
{
	return (unsigned)l < MN_LOST_COUNT ? lost_names[l] : "INVALID";
}

static const char *const outcome_names[MN_V6_OUTCOME_COUNT] = {
	[MN_V6_UNSUPPORTED] = "unsupported",
	[MN_V6_NO_REPLY] = "no-reply",
	[MN_V6_ACCEPTED] = "accepted",
	[MN_V6_REJECTED] = "rejected",
};

const char *mn_v6_outcome_name(enum mn_v6_outcome o)
{
	return (unsigned)o < MN_V6_OUTCOME_COUNT ? outcome_names[o] : "INVALID";
}

static const char *const replay_names[MN_REPLAY_COUNT] = {
	[MN_REPLAY_TIMESTAMPS] = "timestamps",
	[MN_REPLAY_NONCES] = "nonces",
};

const char *mn_replay_name(enum mn_replay r)
{
	return (unsigned)r < MN_REPLAY_COUNT ? replay_names[r] : "INVALID";
}

static const char *const udp_tunnel_names[MN_REG_UDP_TUNNEL_COUNT] = {
	[MN_REG_UDP_TUNNEL_OFF] = "off",
	[MN_REG_UDP_TUNNEL_AUTO] = "auto",
	[MN_REG_UDP_TUNNEL_FORCE] = "force",
};

const char *mn_reg_udp_tunnel_name(enum mn_reg_udp_tunnel u)
{
	return (unsigned)u < MN_REG_UDP_TUNNEL_COUNT ? udp_tunnel_names[u] : "INVALID";
}

/* STYLE 5: count, log a named reason (rate-limited), drop. */
#define DROP(m, ctr, fmt, ...)                                                  \
	do {                                                                    \
		(m)->stats.ctr++;                                               \
		log_rl(LOG_WARNING, "mn: reply dropped (" #ctr "): " fmt, ##__VA_ARGS__); \
		return;                                                         \
	} while (0)

/* ---- addresses ------------------------------------------------------------ */

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

static bool in6_zero(const struct in6_addr *a)
{
	static const struct in6_addr zero;
	return memcmp(a, &zero, sizeof(zero)) == 0;
}

static bool in6_low64_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a->s6_addr + 8, b->s6_addr + 8, 8) == 0;
}

static bool in6_high64_zero(const struct in6_addr *a)
{
	static const uint8_t zero[8];
	return memcmp(a->s6_addr, zero, 8) == 0;
}

static void in6_clear_host(struct in6_addr *a, unsigned plen)
{
	for (unsigned i = plen; i < 128; i++)
		a->s6_addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

enum mn_v6_kind mn_v6_kind_of(const struct mip_prefix *p)
{
	if (p->plen == MIP4_V6_PLEN_LINK_LOCAL)
		return MN_V6_LINK_LOCAL;
	if (in6_zero(&p->prefix))
		return MN_V6_DYNAMIC;
	if (p->plen == 128 && in6_high64_zero(&p->prefix))
		return MN_V6_IID;
	return MN_V6_STATIC;
}

enum mip_v6_mode mn_reg_v6_mode(uint8_t code, bool colocated)
{
	if (code == MIP4_V6_ACCEPT_HOA)
		return MIP_V6_TO_HOA;
	if (code == MIP4_V6_ACCEPT_COA)
		return colocated ? MIP_V6_TO_COA : MIP_V6_TO_HOA;
	return MIP_V6_NONE;
}

/* RFC 4213 3.7: fe80::/64 with the IPv4 address as the interface id. */
static void link_local_of(uint32_t home_net, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	memcpy(&a->s6_addr[12], &home_net, 4);
}

/* ---- timers ----------------------------------------------------------------- */

/* RFC 5944 3.6.3: at most the configured cap and the requested lifetime,
 * never below 1 s. */
static uint64_t retrans_cap(const struct mn_reg *m, uint16_t lifetime)
{
	uint64_t cap = m->cfg.retrans_max_ms;

	if (lifetime && (uint64_t)lifetime * 1000 < cap)
		cap = (uint64_t)lifetime * 1000;
	return MAX(cap, (uint64_t)MN_REG_RETRANS_INITIAL_MS);
}

/* The timeout after transmission k (1, 2, ...): 1 s, doubling, capped. */
static uint64_t retrans_interval(const struct mn_reg *m, uint16_t lifetime, uint32_t k)
{
	uint64_t cap = retrans_cap(m, lifetime), t = MN_REG_RETRANS_INITIAL_MS;

	for (uint32_t i = 1; i < k && t < cap; i++)
		t *= 2;
	return MIN(t, cap);
}

/* The whole retransmission budget of one attempt. */
static uint64_t retrans_budget(const struct mn_reg *m, uint16_t lifetime)
{
	uint64_t sum = 0;

	for (uint32_t k = 1; k <= m->cfg.retrans_tries; k++)
		sum += retrans_interval(m, lifetime, k);
	return sum;
}

/* Offset of the renewal from the lifetime's start: see mn_reg.h. */
static uint64_t renew_offset(const struct mn_reg *m, uint16_t lifetime)
{
	uint64_t l = (uint64_t)lifetime * 1000, budget = retrans_budget(m, lifetime);
	uint64_t r = MIN(l * 3 / 4, l > budget ? l - budget : 0);

	return MAX(r, l / 2);
}

/* ---- requests ----------------------------------------------------------------- */

/* RFC 5944 5.7: a new identification. */
static uint64_t next_id(struct mn_reg *m, const struct mn_reg_now *now)
{
	uint64_t id;

	if (m->cfg.replay == MN_REPLAY_NONCES) {
		/* 5.7.2: the home agent's nonce high, our own low */
		uint32_t lo = now->random;
		if (lo == (uint32_t)m->last_id)
			lo++;
		id = (uint64_t)m->nonce << 32 | lo;
	} else {
		/* 5.7.1: NTP time; bits below the clock's resolution random */
		uint64_t ntp = mip4_ntp_time(now->unix_sec, now->unix_nsec);
		uint32_t sec = (uint32_t)(ntp >> 32) + (uint32_t)m->ts_offset;
		id = (uint64_t)sec << 32 | ((uint32_t)ntp & 0xffff0000u) | (now->random & 0xffffu);
		if (id <= m->last_id)
			id = m->last_id + 1;
	}
	m->last_id = id;
	return id;
}

/* RFC 5944 3.6.1.2 flags for a registration from a co-located CoA, or
 * (fa) through a foreign agent offering the AGENTADV_F_* flags offered:
 * D clear, T G M only when offered (RFC 3024 3.1, 5944 3.6.1.2). */
static uint8_t flags_for(const struct mn_reg *m, uint32_t fa, uint16_t offered)
{
	uint8_t f = fa ? 0 : MIP4_F_D;

	if (!fa)
		offered = AGENTADV_F_T | AGENTADV_F_G | AGENTADV_F_M;
	if (m->cfg.reverse_tunnel && (offered & AGENTADV_F_T))
		f |= MIP4_F_T;
	if (m->cfg.encap == ENCAP4_GRE && (offered & AGENTADV_F_G))
		f |= MIP4_F_G;
	else if (m->cfg.encap == ENCAP4_MINIMAL && (offered & AGENTADV_F_M))
		f |= MIP4_F_M;
	return f;
}

static uint8_t reg_flags(const struct mn_reg *m)
{
	return flags_for(m, m->fa, m->fa_offered);
}

/* The binding in force names where the node registers now. */
static bool bound_here(const struct mn_reg *m)
{
	return m->bound && m->b.coa == m->coa && m->b.fa == m->fa;
}

/* RFC 3519 4.4: a UDP Tunnel Request in p, a request from the co-located
 * care-of address p->n_v6 and p->flags are final for, when configured and
 * not refused here (mn_reg.h: F, encapsulation, D, T, M, G). */
static void udp_tun_setup(const struct mn_reg *m, struct mn_reg_pending *p)
{
	p->udp_tun = false;
	p->udp_tun_flags = 0;
	p->udp_tun_encap = 0;
	p->udp_t_added = false;
	if (m->cfg.udp_tunnel == MN_REG_UDP_TUNNEL_OFF || p->via_fa ||
	    (m->cfg.udp_tunnel == MN_REG_UDP_TUNNEL_AUTO && m->udp_off))
		return;
	p->udp_tun = true;
	if (m->cfg.udp_tunnel == MN_REG_UDP_TUNNEL_FORCE)
		p->udp_tun_flags = 0x80;             /* F (3.1.1) */
	if (p->n_v6) {
		/* RFC 5454 3.9: 0, i.e. as M and G say (3.1.4): neither */
		p->udp_tun_encap = 0;
		p->flags &= (uint8_t)~(MIP4_F_M | MIP4_F_G);
	} else {
		p->udp_tun_encap = UDPTUN_NH_IPV4;   /* IP in UDP (3.1.4) */
	}
	p->flags |= MIP4_F_D;                        /* 3.1.5 MUST */
	if (!(p->flags & MIP4_F_T)) {
		p->flags |= MIP4_F_T;                /* 3.1.5 SHOULD */
		p->udp_t_added = true;
	}
}

/* RFC 5944 3.6.1.3, RFC 2794 2, RFC 5454 3.1, RFC 3519 4.4, RFC 3024
 * 3.3: fixed part, NAI, Prefix Requests, Tunneling Mode, UDP Tunnel
 * Request, Mobile-Home authentication, then (through an agent) the
 * Encapsulating Delivery Style and the Mobile-Foreign authentication. */
static int build(struct mn_reg *m, struct mn_reg_pending *p)
{
	struct mip4_buf b;
	int r;

	p->len = 0;
	mip4_buf_init(&b, p->msg, sizeof(p->msg));
	r = mip4_put_request(&b, p->flags, p->lifetime, p->home_addr, m->cfg.home_agent, p->coa,
			     p->id);
	if (r == 0 && m->cfg.nai[0])
		r = mip4_put_nai(&b, m->cfg.nai, strlen(m->cfg.nai));
	for (unsigned i = 0; r == 0 && i < p->n_v6; i++)
		r = mip4_put_prefix_request(&b, p->v6[i].plen, &p->v6[i].prefix);
	if (r == 0 && p->tunnel_mode)
		r = mip4_put_tunnel_mode(&b);
	if (r == 0 && p->udp_tun)
		r = mip4_put_udp_tun_request(&b, p->udp_tun_flags, p->udp_tun_encap);
	if (r == 0)
		r = mip4_put_auth(&b, MIP4_EXT_MH_AUTH, m->cfg.spi, m->cfg.key, m->cfg.key_len);
	/* RFC 3024 3.3: after the Mobile-Home, before the Mobile-Foreign
	 * authentication (the agent consumes it) */
	if (r == 0 && p->encap_delivery)
		r = mip4_put_ext(&b, MIP4_EXT_ENCAP_DELIVERY, NULL, 0);
	/* RFC 5944 3.6.1.3: Mobile-Foreign authentication after it */
	if (r == 0 && p->via_fa && m->cfg.mf_key_len)
		r = mip4_put_auth(&b, MIP4_EXT_MF_AUTH, m->cfg.mf_spi, m->cfg.mf_key,
				  m->cfg.mf_key_len);
	if (r < 0)
		return r;
	p->len = b.len;
	return 0;
}

/* Send the pending request (again).  new_id: a new identification (first
 * transmission, after a 133); with timestamps every transmission has one
 * (RFC 5944 3.6.3), with nonces a retransmission is the same message. */
static void transmit(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out,
		     bool new_id)
{
	struct mn_reg_pending *p = &m->p;
	char a[ADDR4_STRLEN];
	int r;

	if (new_id || m->cfg.replay == MN_REPLAY_TIMESTAMPS || p->len == 0) {
		p->id = next_id(m, now);
		p->id_sent_ms = now->ms;
		r = build(m, p);
		if (r < 0) {
			m->stats.tx_errors++;
			log_rl(LOG_ERR, "mn: cannot build the registration request: %s",
			       strerror(-r));
		}
	}
	p->tx_count++;
	p->tx_at = now->ms + retrans_interval(m, p->lifetime, p->tx_count);
	if (p->len == 0)
		return;      /* as if lost: the retransmission timer goes on */
	if (out->send)
		fatalx("mn: two requests in one call");
	if (p->tx_count > 1)
		m->stats.tx_retransmissions++;
	else if (p->lifetime == 0)
		m->stats.tx_deregistrations++;
	else
		m->stats.tx_registrations++;
	out->send = true;
	out->src = p->src;
	out->dst = p->dst;
	out->ttl = p->dereg ? MN_REG_TTL_DEREG : p->via_fa ? MN_REG_TTL_FA : MN_REG_TTL;
	out->len = p->len;
	memcpy(out->msg, p->msg, p->len);
	log_debug("mn: request #%u id %016" PRIx64 " lifetime %u coa %s", p->tx_count, p->id,
		  p->lifetime, fmt4(p->coa, a));
}

/* ---- the state machine ------------------------------------------------------ */

/* STYLE 6: the only place m->state changes.  Arms FAILED's retry timer;
 * the pending states' timers belong to their request (m->p.tx_at) and
 * REGISTERED's to the binding (m->b.renew_ms). */
static void state_transition(struct mn_reg *m, enum mn_reg_state next)
{
	enum mn_reg_state old = m->state;

	if (next != MN_REG_REGISTERING && next != MN_REG_REREGISTERING &&
	    next != MN_REG_DEREGISTERING)
		m->pending = false;
	m->hold_until = next == MN_REG_FAILED ? m->now_ms + m->cfg.retrans_max_ms : UINT64_MAX;
	m->state = next;
	if (old != next)
		log_info("mn: %s -> %s", mn_reg_state_name(old), mn_reg_state_name(next));
}

/* Start a new request: fields from the current situation. */
static void attempt_begin(struct mn_reg *m, const struct mn_reg_now *now, bool dereg,
			  struct mn_reg_out *out)
{
	struct mn_reg_pending *p = &m->p;

	memset(p, 0, offsetof(struct mn_reg_pending, msg));
	p->len = 0;
	p->dereg = dereg;
	p->home_addr = m->home_addr;
	p->dst = m->cfg.home_agent;
	if (dereg) {
		/* RFC 5944 3.6.1.2, C.3 */
		p->src = m->home_addr;
		p->coa = m->home_addr;
		p->lifetime = 0;
		p->flags = 0;
	} else {
		p->src = m->coa;
		p->coa = m->coa;
		p->lifetime = m->cfg.lifetime;
		p->flags = reg_flags(m);
		if (m->fa) {
			/* RFC 5944 3.6.1.1: to the agent from the home address */
			p->via_fa = true;
			p->dst = m->fa;
			p->src = m->home_addr;
			if (m->fa_max_lifetime)
				p->lifetime = MIN(p->lifetime, m->fa_max_lifetime);
		}
		for (unsigned i = 0; i < m->cfg.n_v6; i++)
			p->v6[p->n_v6++] = m->cfg.v6[i];
		/* RFC 5454 3.7.1: only once the IPv4 home address is registered */
		if (m->cfg.v6_link_local && m->bound && m->home_addr &&
		    m->b.home_addr == m->home_addr && p->n_v6 < MN_REG_MAX_V6) {
			p->v6[p->n_v6].plen = MIP4_V6_PLEN_LINK_LOCAL;
			link_local_of(m->home_addr, &p->v6[p->n_v6].prefix);
			p->n_v6++;
		}
		/* RFC 5454 3.5: exactly one, co-located mode, with IPv6 requested
		 * (through a foreign agent the agent attaches it, seed 3.4) */
		p->tunnel_mode = m->cfg.tunnel_mode && p->n_v6 > 0 && !m->fa;
		udp_tun_setup(m, p);
		p->encap_delivery = p->via_fa && (p->flags & MIP4_F_T) && m->cfg.encap_delivery &&
				    !m->encap_off;
	}
	m->pending = true;
	transmit(m, now, out, true);
}

/* Register at the current care-of address: a renewal when the binding in
 * force already points there. */
static void register_begin(struct mn_reg *m, const struct mn_reg_now *now,
			   struct mn_reg_out *out)
{
	bool renewal = bound_here(m);

	state_transition(m, renewal ? MN_REG_REREGISTERING : MN_REG_REGISTERING);
	attempt_begin(m, now, false, out);
}

static void unbind(struct mn_reg *m)
{
	m->bound = false;
	memset(&m->b, 0, sizeof(m->b));
	if (!m->cfg.home_addr)
		m->home_addr = 0;    /* an assigned address ends with its binding */
}

static void lose(struct mn_reg *m, enum mn_lost why, uint8_t code, struct mn_reg_out *out)
{
	if (!(out->events & MN_EV_LOST)) {
		out->lost = why;
		out->code = code;
	}
	out->events |= MN_EV_LOST;
	out->was_bound |= m->bound;
	log_warn("mn: registration lost: %s", mn_lost_name(why));
	unbind(m);
}

static void deregistered(struct mn_reg *m, bool confirmed, struct mn_reg_out *out)
{
	out->events |= MN_EV_DEREGISTERED;
	out->dereg_confirmed = confirmed;
	unbind(m);
	state_transition(m, MN_REG_AT_HOME);
}

static void give_up(struct mn_reg *m, struct mn_reg_out *out)
{
	if (m->p.dereg) {
		m->stats.deregistrations_gave_up++;
		log_warn("mn: no reply to the deregistration after %u requests",
			 m->p.tx_count);
		deregistered(m, false, out);
		return;
	}
	m->stats.registrations_gave_up++;
	log_warn("mn: no reply from the home agent after %u requests", m->p.tx_count);
	/* a renewal: the home agent holds the binding until it expires; after
	 * a move it points at an address the node no longer has */
	if (!bound_here(m))
		lose(m, MN_LOST_GAVE_UP, 0, out);
	state_transition(m, MN_REG_FAILED);
}

/* Whatever is due at now, in order: the binding's end, the pending
 * request's timer, the renewal, FAILED's retry.  At most one of them sends
 * (only the pending states have a request timer, and the others start
 * one with a fresh timeout). */
static void run_due(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out)
{
	uint64_t t = now->ms;

	if (m->bound && t >= m->b.expires_ms) {
		m->stats.registrations_expired++;
		lose(m, MN_LOST_EXPIRED, 0, out);
		if (m->state == MN_REG_REGISTERED)
			register_begin(m, now, out);
		else if (m->state == MN_REG_REREGISTERING)
			state_transition(m, MN_REG_REGISTERING);   /* the request goes on */
	}
	if (m->pending && t >= m->p.tx_at) {
		if (m->p.tx_count < m->cfg.retrans_tries)
			transmit(m, now, out, false);
		else
			give_up(m, out);
	}
	if (m->state == MN_REG_REGISTERED && t >= m->b.renew_ms)
		register_begin(m, now, out);
	if (m->state == MN_REG_FAILED && t >= m->hold_until)
		register_begin(m, now, out);
}

/* ---- replies -------------------------------------------------------------------- */

/* An accepting Prefix Reply must name something usable. */
static bool v6_usable(const struct mip4_prefix *x)
{
	const struct in6_addr *a = &x->prefix;

	if (x->code != MIP4_V6_ACCEPT_HOA && x->code != MIP4_V6_ACCEPT_COA)
		return true;         /* a rejection only has to be matched */
	if (x->plen == MIP4_V6_PLEN_LINK_LOCAL)
		return IN6_IS_ADDR_LINKLOCAL(a);
	return x->plen <= 128 && !in6_zero(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	       !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_LOOPBACK(a) && !in6_is_mapped(a);
}

static bool v6_exact(const struct mip_prefix *q, const struct mip4_prefix *x)
{
	if (q->plen != x->plen)
		return false;
	if (q->plen == MIP4_V6_PLEN_LINK_LOCAL)
		return memcmp(&q->prefix, &x->prefix, sizeof(q->prefix)) == 0;
	return in6_prefix_match(&x->prefix, &q->prefix, q->plen) != 0;
}

/* RFC 5454 3.5 (matching rules in mn_reg.h). */
static void v6_results(struct mn_reg *m, const struct mip4_reg *r, struct mn_reg_binding *b)
{
	const struct mn_reg_pending *p = &m->p;
	int match[MN_REG_MAX_V6];
	bool usable[MIP4_MAX_PREFIXES] = { false }, used[MIP4_MAX_PREFIXES] = { false };
	bool exact_any[MIP4_MAX_PREFIXES] = { false };
	unsigned covered = 0;
	char a6[ADDR6_STRLEN];

	b->n_v6 = p->n_v6;
	for (unsigned i = 0; i < p->n_v6; i++) {
		match[i] = -1;
		b->v6[i] = (struct mn_v6_result){ .req = p->v6[i], .granted = p->v6[i] };
	}
	for (unsigned j = 0; j < r->n_prefix; j++) {
		if (!mip4_covered_by_mh(r, r->prefix[j].off)) {
			m->stats.v6_reply_unauthenticated++;
			continue;
		}
		covered++;
		usable[j] = v6_usable(&r->prefix[j]);
		if (!usable[j])
			m->stats.v6_bad_assignment++;
	}
	b->v6_supported = covered > 0;
	if (!covered) {
		/* case 1: the home agent ignores IPv6: plain Mobile IPv4 */
		for (unsigned i = 0; i < p->n_v6; i++)
			b->v6[i].outcome = MN_V6_UNSUPPORTED;
		if (p->n_v6) {
			m->stats.v6_unsupported++;
			log_info("mn: the home agent does not support IPv6 (RFC 5454 3.5)");
		}
		return;
	}
	/* (1) the same prefix */
	for (unsigned j = 0; j < r->n_prefix; j++) {
		if (!usable[j])
			continue;
		for (unsigned i = 0; i < p->n_v6; i++) {
			if (!v6_exact(&p->v6[i], &r->prefix[j]))
				continue;
			exact_any[j] = true;
			if (match[i] < 0 && !used[j]) {
				match[i] = (int)j;
				used[j] = true;
			}
		}
	}
	/* (2) PREFIX::iid/128 for a ::iid/128 request */
	for (unsigned j = 0; j < r->n_prefix; j++) {
		if (!usable[j] || used[j] || r->prefix[j].plen != 128 ||
		    in6_high64_zero(&r->prefix[j].prefix))
			continue;
		for (unsigned i = 0; i < p->n_v6 && !used[j]; i++) {
			if (match[i] < 0 && mn_v6_kind_of(&p->v6[i]) == MN_V6_IID &&
			    in6_low64_eq(&p->v6[i].prefix, &r->prefix[j].prefix)) {
				match[i] = (int)j;
				used[j] = true;
			}
		}
	}
	/* (3) an assignment for the first unmatched dynamic request */
	for (unsigned j = 0; j < r->n_prefix; j++) {
		if (!usable[j] || used[j] || exact_any[j] || in6_zero(&r->prefix[j].prefix) ||
		    r->prefix[j].plen == MIP4_V6_PLEN_LINK_LOCAL)
			continue;
		for (unsigned i = 0; i < p->n_v6 && !used[j]; i++) {
			enum mn_v6_kind k = mn_v6_kind_of(&p->v6[i]);
			if (match[i] < 0 && (k == MN_V6_DYNAMIC || k == MN_V6_IID)) {
				match[i] = (int)j;
				used[j] = true;
			}
		}
	}
	for (unsigned j = 0; j < r->n_prefix; j++)
		if (usable[j] && !used[j])
			m->stats.v6_reply_unmatched++;

	for (unsigned i = 0; i < p->n_v6; i++) {
		struct mn_v6_result *v = &b->v6[i];
		if (match[i] < 0) {
			v->outcome = MN_V6_NO_REPLY;
			m->stats.v6_no_reply++;
		} else {
			const struct mip4_prefix *x = &r->prefix[match[i]];
			v->code = x->code;
			v->mode = mn_reg_v6_mode(x->code, b->colocated);
			if (v->mode == MIP_V6_NONE) {
				v->outcome = MN_V6_REJECTED;
				m->stats.v6_rejected++;
			} else {
				v->outcome = MN_V6_ACCEPTED;
				v->granted.plen = x->plen;
				v->granted.prefix = x->prefix;
				if (x->plen <= 128)
					in6_clear_host(&v->granted.prefix, x->plen);
				/* RFC 5454 3.5: code 1 through a foreign agent */
				v->native_link = !b->colocated && x->code == MIP4_V6_ACCEPT_COA;
				if (v->native_link)
					m->stats.v6_accepted_native++;
				else if (v->mode == MIP_V6_TO_COA)
					m->stats.v6_accepted_coa++;
				else
					m->stats.v6_accepted_hoa++;
			}
		}
		log_info("mn: IPv6 %s/%u: %s%s%s", fmt_in6(&v->granted.prefix, a6),
			 v->granted.plen, mn_v6_outcome_name(v->outcome),
			 match[i] >= 0 ? ", " : "", match[i] >= 0 ? mip4_v6_code_name(v->code) : "");
	}
}

/* Offset of the UDP Tunnel Reply extension (the walk mip4_reg_parse made
 * over msg[0 .. r->ext_end)); 0 for none. */
static uint16_t udp_tun_reply_off(const uint8_t *msg, const struct mip4_reg *r)
{
	for (size_t off = MIP4_REP_FIXED_LEN; off + 2 <= r->ext_end; off += 2u + msg[off + 1])
		if (msg[off] == MIP4_EXT_UDP_TUN_REPLY)
			return (uint16_t)off;
	return 0;
}

/* RFC 3519 3.2, 4.4: what an accepting reply says about UDP tunnelling. */
static void udp_results(struct mn_reg *m, const uint8_t *msg, const struct mip4_reg *r,
			struct mn_reg_binding *b)
{
	const struct mn_reg_pending *p = &m->p;

	if (!r->has_udp_tun) {
		if (p->udp_tun) {
			/* 4.4: the home agent does not understand it */
			m->stats.udp_tunnel_no_reply++;
			log_info("mn: no UDP Tunnel Reply: no UDP tunnelling (RFC 3519 4.4)");
		}
		return;
	}
	if (!p->udp_tun || !mip4_covered_by_mh(r, udp_tun_reply_off(msg, r))) {
		m->stats.udp_tunnel_reply_ignored++;
		log_rl(LOG_WARNING, "mn: UDP Tunnel Reply ignored (%s)",
		       p->udp_tun ? "not authenticated" : "not requested");
		return;
	}
	if (r->udp_tun_code >= 64) {
		/* 3.2.1: 64-255 decline */
		m->stats.udp_tunnel_declined++;
		log_info("mn: the home agent declined UDP tunnelling (code %u)", r->udp_tun_code);
		return;
	}
	b->udp_tunnel = true;
	/* 3.2: 0 means our default (4.9); never below 10 s (4.10) */
	b->keepalive = r->udp_tun_keepalive == 0 ? UDPTUN_KEEPALIVE_DEFAULT :
		       r->udp_tun_keepalive < UDPTUN_KEEPALIVE_MIN ? UDPTUN_KEEPALIVE_MIN :
		       r->udp_tun_keepalive;
	m->stats.udp_tunnel_accepted++;
	log_info("mn: UDP tunnelling accepted, keepalive %u s", b->keepalive);
}

static void reply_accepted(struct mn_reg *m, const struct mn_reg_now *now, const uint8_t *msg,
			   const struct mip4_reg *r, struct mn_reg_out *out)
{
	struct mn_reg_pending *p = &m->p;
	struct mn_reg_binding *b = &m->b;
	/* RFC 5944 3.4: never more than requested */
	uint16_t life = MIN(r->lifetime, p->lifetime);
	uint32_t home = m->cfg.home_addr ? m->cfg.home_addr : r->home_addr;
	bool renewal = m->state == MN_REG_REREGISTERING;
	bool ll_sent = false;
	char a[ADDR4_STRLEN], c[ADDR4_STRLEN];

	if (life == 0) {
		m->stats.registrations_zero_lifetime++;
		lose(m, MN_LOST_ZERO_LIFETIME, r->code, out);
		state_transition(m, MN_REG_FAILED);
		return;
	}
	if (!m->cfg.home_addr && home != m->home_addr) {
		m->stats.home_addr_assigned++;
		log_info("mn: home address %s assigned (RFC 2794)", fmt4(home, a));
	}
	m->home_addr = home;
	memset(b, 0, sizeof(*b));
	b->home_addr = home;
	b->home_agent = m->cfg.home_agent;
	b->coa = p->coa;
	b->lifetime = life;
	b->code = r->code;
	b->flags = p->flags;
	b->encap = p->flags & MIP4_F_G ? ENCAP4_GRE :
		   p->flags & MIP4_F_M ? ENCAP4_MINIMAL : ENCAP4_IPIP;
	b->v6_encap = b->encap == ENCAP4_GRE ? ENCAP4_GRE : ENCAP4_6IN4;
	b->reverse_tunnel = p->flags & MIP4_F_T;
	b->colocated = !p->via_fa;
	b->fa = p->via_fa ? p->dst : 0;
	b->encap_delivery = p->via_fa && p->encap_delivery;
	v6_results(m, r, b);
	for (unsigned i = 0; i < b->n_v6; i++)
		b->v6_native |= b->v6[i].native_link;
	udp_results(m, msg, r, b);
	b->registered_ms = now->ms;
	/* RFC 5944 3.6.2.2: counted from the request's transmission */
	if (life == MN_REG_LIFETIME_INFINITE) {
		b->expires_ms = UINT64_MAX;
		b->renew_ms = UINT64_MAX;
	} else {
		b->expires_ms = p->id_sent_ms + (uint64_t)life * 1000;
		b->renew_ms = MAX(p->id_sent_ms + renew_offset(m, life), now->ms);
	}
	for (unsigned i = 0; i < p->n_v6; i++)
		ll_sent |= p->v6[i].plen == MIP4_V6_PLEN_LINK_LOCAL;
	if (m->cfg.v6_link_local && !ll_sent)   /* RFC 5454 3.7.1 second step */
		b->renew_ms = MIN(b->renew_ms, MAX(p->id_sent_ms + 1000, now->ms));
	m->bound = true;
	if (renewal)
		m->stats.registrations_renewed++;
	else
		m->stats.registrations_accepted++;
	out->events |= MN_EV_REGISTERED;
	out->binding = *b;
	state_transition(m, MN_REG_REGISTERED);
	log_info("mn: registered %s at %s, lifetime %u s%s", fmt4(home, a), fmt4(b->coa, c), life,
		 life == MN_REG_LIFETIME_INFINITE ? " (infinite)" : "");
}

/* RFC 5944 3.6.2.3, 5.7: code 133.  Timestamps: the home agent's time is in
 * the high 32 bits; nonces: its new nonce (already taken).  Retry at once. */
static void reply_resync(struct mn_reg *m, const struct mn_reg_now *now,
			 const struct mip4_reg *r, struct mn_reg_out *out)
{
	m->stats.resyncs++;
	if (m->cfg.replay == MN_REPLAY_TIMESTAMPS) {
		uint32_t ours = (uint32_t)(mip4_ntp_time(now->unix_sec, now->unix_nsec) >> 32);
		m->ts_offset = (int32_t)((uint32_t)(r->id >> 32) - ours);
		m->last_id = 0;      /* the clock may go back */
		log_info("mn: identification mismatch: clock offset to the home agent %" PRId32
			 " s", m->ts_offset);
	} else {
		log_info("mn: identification mismatch: new nonce %08" PRIx32, m->nonce);
	}
	if (m->p.tx_count < m->cfg.retrans_tries)
		transmit(m, now, out, true);
	else
		give_up(m, out);
}

/* AUTO: the home agent refused because of the UDP Tunnel Request (RFC
 * 3519 3.5, 4.1: 142; 137 for the T it made us set): go on at once
 * without it, and leave it out at this care-of address. */
static void reply_udp_refused(struct mn_reg *m, const struct mn_reg_now *now,
			      const struct mip4_reg *r, struct mn_reg_out *out)
{
	struct mn_reg_pending *p = &m->p;

	m->stats.udp_tunnel_retries++;
	log_warn("mn: registration denied: %s (%u): trying again without UDP tunnelling",
		 mip4_code_name(r->code), r->code);
	m->udp_off = true;
	p->flags = reg_flags(m);
	udp_tun_setup(m, p);
	if (p->tx_count < m->cfg.retrans_tries)
		transmit(m, now, out, true);
	else
		give_up(m, out);
}

/* RFC 5944 3.4, RFC 3024 3.4: a code a foreign agent denies with. */
static bool fa_code(uint8_t code)
{
	return (code >= MIP4_CODE_FA_UNSPECIFIED && code <= MIP4_CODE_FA_MISSING_HOMEADDR) ||
	       code == MIP4_CODE_FA_INVALID_HA;
}

/* A denial by the foreign agent the pending request went through (not
 * authenticated by the home agent: 3.6.2.1 b).  69 and 78 go on with the
 * attempt at once; the others end it (see mn_reg.h). */
static void reply_fa_denied(struct mn_reg *m, const struct mn_reg_now *now,
			    const struct mip4_reg *r, struct mn_reg_out *out)
{
	struct mn_reg_pending *p = &m->p;
	char a[ADDR4_STRLEN];

	m->stats.rx_replies++;
	m->stats.registrations_fa_denied++;
	log_warn("mn: foreign agent %s denied the registration: %s (%u)", fmt4(p->dst, a),
		 mip4_code_name(r->code), r->code);
	if (r->code == MIP4_CODE_FA_MN_AUTH)
		log_warn("mn: the foreign agent failed our authentication (security exception)");
	if (r->code == MIP4_CODE_FA_LIFETIME_TOO_LONG && !p->dereg && r->lifetime &&
	    r->lifetime < p->lifetime) {
		/* RFC 5944 3.6.2.3: the reply's lifetime is the agent's maximum */
		m->stats.fa_lifetime_retries++;
		m->fa_max_lifetime = r->lifetime;
		p->lifetime = r->lifetime;
		if (p->tx_count < m->cfg.retrans_tries)
			transmit(m, now, out, true);
		else
			give_up(m, out);
		return;
	}
	if (r->code == MIP4_CODE_FA_DELIVERY_STYLE && p->encap_delivery && !p->dereg) {
		/* RFC 3024 4.1.2 a: again, without the extension */
		m->stats.encap_delivery_retries++;
		log_warn("mn: trying again with the direct delivery style");
		m->encap_off = true;
		p->encap_delivery = false;
		if (p->tx_count < m->cfg.retrans_tries)
			transmit(m, now, out, true);
		else
			give_up(m, out);
		return;
	}
	if (r->code == MIP4_CODE_FA_TIMEOUT) {
		/* 3.7.1: the home agent did not answer the agent in time */
		m->stats.fa_timeout_retries++;
		if (p->tx_count < m->cfg.retrans_tries)
			transmit(m, now, out, true);
		else
			give_up(m, out);
		return;
	}
	if (p->dereg) {
		m->stats.deregistrations_rejected++;
		deregistered(m, false, out);
		return;
	}
	m->stats.registrations_rejected++;
	lose(m, MN_LOST_REJECTED, r->code, out);
	state_transition(m, MN_REG_FAILED);
}

static void recv_reply(struct mn_reg *m, const struct mn_reg_now *now, const uint8_t *msg,
		       size_t len, uint32_t src, struct mn_reg_out *out)
{
	struct mn_reg_pending *p = &m->p;
	struct mip4_reg r;
	enum mip4_err why = MIP4_ERR_NONE;
	char a[ADDR4_STRLEN];
	size_t nai_len = strlen(m->cfg.nai);

	if (mip4_reg_parse(msg, len, &r, &why) < 0)
		DROP(m, drop_malformed, "%s", mip4_err_name(why));
	if (r.type != MIP4_REG_REPLY)
		DROP(m, drop_not_reply, "type %u", r.type);
	if (!m->pending)
		DROP(m, drop_unexpected, "no request pending (%s)", mn_reg_state_name(m->state));
	if (src != p->dst)
		DROP(m, drop_wrong_source, "from %s", fmt4(src, a));
	/* RFC 5944 3.6.2.1 */
	if ((uint32_t)r.id != (uint32_t)p->id)
		DROP(m, drop_id_mismatch, "identification %016" PRIx64 ", expected low bits %08" PRIx32,
		     r.id, (uint32_t)p->id);
	if (p->via_fa && m->cfg.mf_key_len) {
		/* 3.6.2.1 a: exactly one (the parser refuses two) */
		if (!r.mf.present)
			DROP(m, drop_no_mf_auth, "no mobile-foreign authentication (security exception)");
		if (r.mf.spi != m->cfg.mf_spi ||
		    mip4_auth_verify(msg, len, &r.mf, m->cfg.mf_key, m->cfg.mf_key_len) < 0)
			DROP(m, drop_bad_mf_auth, "mobile-foreign authenticator does not verify "
				 "(security exception)");
	}
	if (p->via_fa && fa_code(r.code)) {
		/* 3.6.2.1 b: from the foreign agent, no Mobile-Home authentication */
		if (r.home_agent != m->cfg.home_agent)
			DROP(m, drop_wrong_home_agent, "home agent %s", fmt4(r.home_agent, a));
		if (m->cfg.home_addr && r.home_addr != m->cfg.home_addr)
			DROP(m, drop_wrong_home_addr, "home address %s", fmt4(r.home_addr, a));
		reply_fa_denied(m, now, &r, out);
		return;
	}
	if (!r.mh.present)
		DROP(m, drop_no_auth, "no mobile-home authentication (security exception)");
	if (r.mh.spi != m->cfg.spi)
		DROP(m, drop_bad_auth, "SPI %" PRIu32 " is not ours (security exception)", r.mh.spi);
	if (mip4_auth_verify(msg, len, &r.mh, m->cfg.key, m->cfg.key_len) < 0)
		DROP(m, drop_bad_auth, "authenticator does not verify (security exception)");
	if (r.home_agent != m->cfg.home_agent)
		DROP(m, drop_wrong_home_agent, "home agent %s", fmt4(r.home_agent, a));
	if (nai_len && r.nai_len && (size_t)(r.nai - msg) < r.mh.off &&
	    (r.nai_len != nai_len || memcmp(r.nai, m->cfg.nai, nai_len) != 0))
		DROP(m, drop_nai_mismatch, "NAI is not ours");
	if (m->cfg.home_addr && r.home_addr != m->cfg.home_addr)
		DROP(m, drop_wrong_home_addr, "home address %s", fmt4(r.home_addr, a));
	if (!m->cfg.home_addr && !p->dereg && mip4_code_accepted(r.code) &&
	    !in4_unicast(r.home_addr))
		DROP(m, drop_bad_home_addr, "assigned home address %s", fmt4(r.home_addr, a));

	m->stats.rx_replies++;
	if (m->cfg.replay == MN_REPLAY_NONCES)
		m->nonce = (uint32_t)(r.id >> 32);   /* RFC 5944 5.7.2 */
	if (r.code == MIP4_CODE_HA_ID_MISMATCH) {
		reply_resync(m, now, &r, out);
		return;
	}
	if (r.code == MIP4_CODE_HA_MN_AUTH || r.code == MIP4_CODE_FA_MN_AUTH)
		log_warn("mn: the home agent failed our authentication (security exception)");
	if (p->dereg) {
		if (mip4_code_accepted(r.code)) {
			m->stats.deregistrations_confirmed++;
			log_info("mn: deregistered");
		} else {
			m->stats.deregistrations_rejected++;
			log_warn("mn: deregistration denied: %s (%u)", mip4_code_name(r.code), r.code);
		}
		deregistered(m, mip4_code_accepted(r.code), out);
		return;
	}
	if (p->udp_tun && m->cfg.udp_tunnel == MN_REG_UDP_TUNNEL_AUTO &&
	    (r.code == MIP4_CODE_HA_UDP_ENCAP_UNAVAIL ||
	     (r.code == MIP4_CODE_HA_REVTUN_UNAVAIL && p->udp_t_added))) {
		reply_udp_refused(m, now, &r, out);
		return;
	}
	if (!mip4_code_accepted(r.code)) {
		m->stats.registrations_rejected++;
		log_warn("mn: registration denied: %s (%u)", mip4_code_name(r.code), r.code);
		lose(m, MN_LOST_REJECTED, r.code, out);
		state_transition(m, MN_REG_FAILED);
		return;
	}
	reply_accepted(m, now, msg, &r, out);
}

/* ---- API ---------------------------------------------------------------------- */

static bool v6_list_ok(const struct mip_prefix *v6, unsigned n, bool link_local)
{
	if (n + (link_local ? 1u : 0u) > MN_REG_MAX_V6)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (v6[i].plen > 128)
			return false;
	return true;
}

int mn_reg_init(struct mn_reg *m, const struct mn_reg_config *cfg)
{
	const struct mn_reg_config *c = cfg;
	size_t nai_len = strnlen(c->nai, sizeof(c->nai));

	if (!in4_unicast(c->home_agent) || (c->home_addr && !in4_unicast(c->home_addr)) ||
	    c->home_addr == c->home_agent || c->spi < MIP4_SPI_HMAC_MD5_MIN ||
	    c->key_len == 0 || c->key_len > MN_REG_KEY_MAX || (unsigned)c->replay >= MN_REPLAY_COUNT ||
	    c->lifetime == 0 ||
	    (c->encap != ENCAP4_IPIP && c->encap != ENCAP4_GRE && c->encap != ENCAP4_MINIMAL) ||
	    nai_len > MIP4_NAI_MAX || (!c->home_addr && nai_len == 0) ||
	    !v6_list_ok(c->v6, c->n_v6, c->v6_link_local) ||
	    c->retrans_max_ms < MN_REG_RETRANS_INITIAL_MS || c->retrans_tries == 0 ||
	    c->retrans_tries > MN_REG_MAX_TRIES || c->mf_key_len > MN_REG_KEY_MAX ||
	    (c->mf_key_len && c->mf_spi < MIP4_SPI_HMAC_MD5_MIN) ||
	    (unsigned)c->udp_tunnel >= MN_REG_UDP_TUNNEL_COUNT)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->home_addr = cfg->home_addr;
	m->state = MN_REG_IDLE;
	m->hold_until = UINT64_MAX;
	return 0;
}

static void begin_call(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out)
{
	memset(out, 0, sizeof(*out));
	m->now_ms = now->ms;
}

int mn_reg_away(struct mn_reg *m, const struct mn_reg_now *now, uint32_t coa,
		struct mn_reg_out *out)
{
	begin_call(m, now, out);
	if (!in4_unicast(coa) || coa == m->home_addr || coa == m->cfg.home_agent)
		return -EINVAL;
	if (coa != m->coa || m->fa || m->state == MN_REG_IDLE || m->state == MN_REG_AT_HOME ||
	    m->state == MN_REG_DEREGISTERING) {
		if (coa != m->coa || m->fa)
			m->udp_off = false;          /* a new place: ask again */
		m->coa = coa;
		m->fa = 0;
		m->fa_offered = 0;
		m->fa_max_lifetime = 0;
		register_begin(m, now, out);
	}
	run_due(m, now, out);
	return 0;
}

int mn_reg_away_fa(struct mn_reg *m, const struct mn_reg_now *now, uint32_t fa, uint32_t coa,
		   uint16_t offered, struct mn_reg_out *out)
{
	begin_call(m, now, out);
	if (!in4_unicast(fa) || fa == m->home_addr || fa == m->cfg.home_agent ||
	    !in4_unicast(coa) || coa == m->home_addr || coa == m->cfg.home_agent)
		return -EINVAL;
	if (fa != m->fa || coa != m->coa ||
	    flags_for(m, fa, offered) != flags_for(m, fa, m->fa_offered) ||
	    m->state == MN_REG_IDLE || m->state == MN_REG_AT_HOME ||
	    m->state == MN_REG_DEREGISTERING) {
		if (fa != m->fa) {
			m->fa_max_lifetime = 0;
			m->encap_off = false;
		}
		m->udp_off = false;
		m->coa = coa;
		m->fa = fa;
		m->fa_offered = offered;
		register_begin(m, now, out);
	} else {
		m->fa_offered = offered;
	}
	run_due(m, now, out);
	return 0;
}

int mn_reg_reregister(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out)
{
	begin_call(m, now, out);
	if (m->state != MN_REG_REGISTERING && m->state != MN_REG_REGISTERED &&
	    m->state != MN_REG_REREGISTERING && m->state != MN_REG_FAILED)
		return -EINVAL;
	m->stats.reregistrations++;
	register_begin(m, now, out);
	run_due(m, now, out);
	return 0;
}

void mn_reg_home(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out)
{
	begin_call(m, now, out);
	if (m->state != MN_REG_AT_HOME && m->state != MN_REG_DEREGISTERING) {
		m->coa = 0;
		m->udp_off = false;
		m->encap_off = false;
		m->fa = 0;
		m->fa_offered = 0;
		m->fa_max_lifetime = 0;
		if (m->home_addr) {
			state_transition(m, MN_REG_DEREGISTERING);
			attempt_begin(m, now, true, out);
		} else {
			unbind(m);
			state_transition(m, MN_REG_AT_HOME);
		}
	}
	run_due(m, now, out);
}

void mn_reg_recv(struct mn_reg *m, const struct mn_reg_now *now, const uint8_t *msg,
		 size_t len, uint32_t src, struct mn_reg_out *out)
{
	begin_call(m, now, out);
	recv_reply(m, now, msg, len, src, out);
	run_due(m, now, out);
}

void mn_reg_tick(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out)
{
	begin_call(m, now, out);
	run_due(m, now, out);
}

int mn_reg_set_v6(struct mn_reg *m, const struct mn_reg_now *now, const struct mip_prefix *v6,
		  unsigned n, bool link_local, struct mn_reg_out *out)
{
	begin_call(m, now, out);
	if (!v6_list_ok(v6, n, link_local))
		return -EINVAL;
	if (n)
		memmove(m->cfg.v6, v6, n * sizeof(*v6));   /* v6 may be m->cfg.v6 */
	m->cfg.n_v6 = (uint8_t)n;
	m->cfg.v6_link_local = link_local;
	/* RFC 5454 3.8: the next registration carries the new list */
	if (m->state == MN_REG_REGISTERING || m->state == MN_REG_REREGISTERING ||
	    m->state == MN_REG_REGISTERED || m->state == MN_REG_FAILED)
		register_begin(m, now, out);
	run_due(m, now, out);
	return 0;
}

void mn_reg_stop(struct mn_reg *m, const struct mn_reg_now *now, bool deregister,
		 struct mn_reg_out *out)
{
	begin_call(m, now, out);
	if (deregister && m->coa && m->home_addr && (m->bound || m->pending) &&
	    m->state != MN_REG_DEREGISTERING) {
		/* RFC 5944 3.6.1.2: lifetime 0 for this care-of address; after a
		 * move not yet confirmed the home agent holds the old one or the
		 * new one: every care-of address (Care-of Address = home
		 * address) */
		struct mn_reg_pending *p = &m->p;
		bool moving = m->bound && !bound_here(m);
		memset(p, 0, offsetof(struct mn_reg_pending, msg));
		p->len = 0;
		p->src = m->coa;
		p->dst = m->cfg.home_agent;
		p->home_addr = m->home_addr;
		p->coa = moving ? m->home_addr : m->coa;
		p->flags = reg_flags(m);
		if (m->fa) {
			/* through the agent, as the registrations (3.6.1.1) */
			p->via_fa = true;
			p->dst = m->fa;
			p->src = m->home_addr;
		}
		udp_tun_setup(m, p);   /* through a NAT as the registrations */
		transmit(m, now, out, true);
	}
	unbind(m);
	m->coa = 0;
	m->udp_off = false;
	m->encap_off = false;
	m->fa = 0;
	m->fa_offered = 0;
	m->fa_max_lifetime = 0;
	state_transition(m, MN_REG_IDLE);
}

uint64_t mn_reg_next_timeout(const struct mn_reg *m)
{
	uint64_t t = UINT64_MAX;

	if (m->bound)
		t = MIN(t, m->b.expires_ms);
	if (m->pending)
		t = MIN(t, m->p.tx_at);
	if (m->state == MN_REG_REGISTERED)
		t = MIN(t, m->b.renew_ms);
	if (m->state == MN_REG_FAILED)
		t = MIN(t, m->hold_until);
	return t;
}

const struct mn_reg_binding *mn_reg_binding(const struct mn_reg *m)
{
	return m->bound ? &m->b : NULL;
}

void mn_reg_export(const struct mn_reg *m, struct mn_reg_persist *p)
{
	memset(p, 0, sizeof(*p));
	p->ts_offset = m->ts_offset;
	p->last_id = m->last_id;
	p->nonce = m->nonce;
	p->home_addr = m->cfg.home_addr ? 0 : m->home_addr;
}

int mn_reg_restore(struct mn_reg *m, const struct mn_reg_persist *p)
{
	if (m->state != MN_REG_IDLE)
		return -EBUSY;
	m->ts_offset = p->ts_offset;
	m->last_id = p->last_id;
	m->nonce = p->nonce;
	if (!m->cfg.home_addr && in4_unicast(p->home_addr) && p->home_addr != m->cfg.home_agent)
		m->home_addr = p->home_addr;
	return 0;
}
