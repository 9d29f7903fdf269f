/* DSTM host DHCPv6 client: RFC 8415 18.2 client behaviour with the IPv4
 * Global Address option (dstm-04 6.1, 6.3).  Pure: see client.h.
 *
 * Choices where the RFC or the seed leave room (docs: client.h):
 * - The IPv4 IA is the IA_NA with the configured IAID that follows the IPv4
 *   Global Address option; an address in it that is not IPv4-mapped is
 *   ignored (drop_v4_not_mapped), as is a mapped one that is no unicast
 *   IPv4 address (drop_v4_unusable).  A TEP that is unspecified, loopback,
 *   multicast, link-local or IPv4-mapped is ignored (drop_tep_invalid) and
 *   the daemon falls back to its static TEP (dstm-04 5.3).
 * - An Advertise counts only if it offers a usable IPv4 address (RFC 8415
 *   18.2.9: Advertises without addresses are ignored).
 * - NoAddrsAvail (or a Reply to a Solicit/Request without a usable IPv4
 *   address): BACKOFF for CLIENT_BACKOFF_MIN, doubling up to SOL_MAX_RT,
 *   then Solicit again.  To a Renew/Rebind: the lease is not extended; the
 *   exchange goes on until T2 / the valid lifetime, as if unanswered.
 * - Request failing after REQ_MAX_RC: Solicit again (RFC 8415 18.2.2).
 * - A new address in the IPv4 IA replaces the old one (one IPv4 address per
 *   DTI): the old one is reported lost (CLIENT_LOSS_REPLACED), not released.
 * - Valid lifetime over (dstm-04 6.3 step 2): ops->expired, then a Release
 *   (the seed's MUST), then IDLE (on-demand) or Solicit (always).
 * - A Renew/Rebind answering a Reconfigure while no IPv4 address is held
 *   carries the IPv4 option and an empty IA_NA (dstm-04 6.2); having no T2
 *   or valid lifetime to bound it, it gives up after REQ_MAX_RC
 *   transmissions.
 * - Reconfigure is accepted in BOUND, and in IDLE/BACKOFF while a
 *   reconfigure key is still held (the server may hold the key on another
 *   binding); other states have an exchange in progress (RFC 8415 18.2.11).
 *   The replay counter must exceed the last one seen, including the one in
 *   the Reply that carried the key (RFC 8415 20.3).
 * - T1/T2 of 0 become 0.5/0.8 of the preferred lifetime (of the valid one
 *   when the preferred is 0), at least 1 s (RFC 8415 14.2: never at once);
 *   both are clamped to the valid lifetime.  With the optional IPv6 IA_NA,
 *   the earliest T1/T2 of both IAs is used (RFC 8415 18.2.4).
 * - The optional IPv6 address is reported with its lifetimes and timed by
 *   the kernel (RFC 4862); the machine itself only times the IPv4 lease.
 * - Transmissions are limited to CLIENT_TX_BURST then one per second (RFC
 *   8415 14.1); a suppressed one counts as lost.
 */
#include "dstm/client.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

const char *const client_stat_names[] = {
#define X(n) #n,
	CLIENT_COUNTERS(X)
#undef X
};

size_t client_stat_count(void)
{
	return ARRAY_SIZE(client_stat_names);
}

uint64_t client_stat_get(const struct client_stats *st, size_t i)
{
	const uint64_t *v = (const uint64_t *)st;
	return i < client_stat_count() ? v[i] : 0;
}

static const char *const state_names[CLIENT_STATE_COUNT] = {
	[CLIENT_IDLE] = "IDLE",
	[CLIENT_SOLICITING] = "SOLICITING",
	[CLIENT_REQUESTING] = "REQUESTING",
	[CLIENT_BOUND] = "BOUND",
	[CLIENT_RENEWING] = "RENEWING",
	[CLIENT_REBINDING] = "REBINDING",
	[CLIENT_RELEASING] = "RELEASING",
	[CLIENT_BACKOFF] = "BACKOFF",
	[CLIENT_INFORMING] = "INFORMING",
};

const char *client_state_name(enum client_state s)
{
	return (unsigned)s < CLIENT_STATE_COUNT ? state_names[s] : "INVALID";
}

static const char *const loss_names[CLIENT_LOSS_COUNT] = {
	[CLIENT_LOSS_EXPIRED] = "valid lifetime expired",
	[CLIENT_LOSS_SERVER] = "removed by the server",
	[CLIENT_LOSS_REPLACED] = "replaced by another address",
	[CLIENT_LOSS_NOTONLINK] = "not on link",
	[CLIENT_LOSS_REDISCOVER] = "server discovery restarted",
	[CLIENT_LOSS_STOPPED] = "client stopped",
};

const char *client_loss_name(enum client_loss l)
{
	return (unsigned)l < CLIENT_LOSS_COUNT ? loss_names[l] : "INVALID";
}

/* STYLE 5: count, log a named reason (rate-limited), drop. */
#define DROP(c, ctr, fmt, ...)                                                  \
	do {                                                                    \
		(c)->stats.ctr++;                                               \
		log_rl(LOG_WARNING, "dstm client: drop (" #ctr "): " fmt, ##__VA_ARGS__); \
		return;                                                         \
	} while (0)
/* The same for a part of a message that is ignored. */
#define IGNORE(c, ctr, fmt, ...)                                                \
	do {                                                                    \
		(c)->stats.ctr++;                                               \
		log_rl(LOG_WARNING, "dstm client: ignored (" #ctr "): " fmt, ##__VA_ARGS__); \
	} while (0)

/* ---- time and randomness -------------------------------------------------- */

/* Absolute ms of a lifetime of secs counted from now; never for infinity. */
static uint64_t at_after(uint64_t now, uint32_t secs)
{
	if (secs == DHCP6_INFINITY)
		return UINT64_MAX;
	uint64_t d = (uint64_t)secs * 1000;
	return now > UINT64_MAX - 1 - d ? UINT64_MAX - 1 : now + d;
}

/* Whole seconds left until at (rounded down: never promises too much). */
static uint32_t secs_left(uint64_t at, uint64_t now)
{
	if (at == UINT64_MAX)
		return DHCP6_INFINITY;
	if (at <= now)
		return 0;
	uint64_t s = (at - now) / 1000;
	return s >= DHCP6_INFINITY ? DHCP6_INFINITY - 1 : (uint32_t)s;
}

/* RFC 8415 15: RAND uniform in [-0.1, +0.1], in steps of 1/10000. */
static int32_t rand_factor(struct client *c)
{
	return (int32_t)(c->ops.rand(c->ops.ctx) % 2001) - 1000;
}

static uint64_t with_rand(uint64_t base, int32_t r)
{
	return (uint64_t)((int64_t)base + (int64_t)base * r / 10000);
}

/* ---- small helpers ----------------------------------------------------------- */

static bool duid_eq(const struct dhcp6_duid *a, const struct dhcp6_duid *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static uint16_t v4_code(const struct client *c)
{
	return c->cfg.ipv4_option_code;
}

/* A unicast IPv4 address a host can configure: not 0/8, 127/8, class D/E. */
static bool v4_usable(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);
	return top != 0 && top != 127 && top < 224;
}

/* dstm-04 5.3: the TEP is a global IPv6 unicast address. */
static bool tep_usable(const struct in6_addr *a)
{
	static const struct in6_addr any, lo = { .s6_addr = { [15] = 1 } };
	if (!memcmp(a, &any, sizeof(*a)) || !memcmp(a, &lo, sizeof(*a)))
		return false;
	if (a->s6_addr[0] == 0xff)
		return false;
	if (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80)
		return false;
	return !in6_is_mapped(a);
}

static void fill_lease(const struct client *c, uint64_t now, struct client_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->v4 = c->v4;
	l->has_tep = c->has_tep;
	l->tep = c->tep;
	l->t1 = secs_left(c->t1_at, now);
	l->t2 = secs_left(c->t2_at, now);
	l->preferred = secs_left(c->pref_at, now);
	l->valid = secs_left(c->valid_at, now);
	l->server = c->server;
	l->has_unicast = c->has_unicast;
	l->unicast = c->unicast;
	l->has_reconf_key = c->has_reconf_key;
	memcpy(l->reconf_key, c->reconf_key, sizeof(l->reconf_key));
	l->reconf_replay = c->reconf_replay;
	l->has_na = c->has_na && c->na_valid_at > now;
	if (l->has_na) {
		l->na = c->na;
		l->na_preferred = secs_left(c->na_pref_at, now);
		l->na_valid = secs_left(c->na_valid_at, now);
	}
}

static void lease_report(struct client *c)
{
	struct client_lease l;
	char a[ADDR4_STRLEN];
	fill_lease(c, c->now_ms, &l);
	c->lease_reported = true;
	log_info("dstm client: IPv4 address %s, T1 %u T2 %u preferred %u valid %u, TEP %s",
		 fmt_in4(c->v4, a), l.t1, l.t2, l.preferred, l.valid,
		 c->has_tep ? "from the server" : "static");
	c->ops.lease(c->ops.ctx, &l);
}

/* Stop using the IPv4 address: the daemon removes it from the DTI. */
static void lease_lose(struct client *c, enum client_loss why)
{
	char a[ADDR4_STRLEN];
	uint32_t v4 = c->v4;
	if (!c->has_v4)
		return;
	c->has_v4 = false;
	c->lease_reported = false;
	c->has_tep = false;
	c->t1_at = c->t2_at = c->pref_at = c->valid_at = UINT64_MAX;
	if (why == CLIENT_LOSS_EXPIRED)
		c->stats.leases_expired++;
	else
		c->stats.leases_lost++;
	log_info("dstm client: IPv4 address %s removed: %s", fmt_in4(v4, a), client_loss_name(why));
	c->ops.expired(c->ops.ctx, v4, why);
}

/* ---- message construction ------------------------------------------------------ */

/* The server an exchange talks to: the chosen Advertise's while requesting,
 * else the lease's. */
static const struct dhcp6_duid *xchg_server(const struct client *c)
{
	return c->state == CLIENT_REQUESTING ? &c->adv.server : &c->server;
}

static const struct in6_addr *xchg_dst(const struct client *c)
{
	if (!c->x.unicast)
		return NULL;
	if (c->state == CLIENT_REQUESTING)
		return c->adv.has_unicast ? &c->adv.unicast : NULL;
	return c->has_unicast ? &c->unicast : NULL;
}

/* dstm-04 6.1/6.1.1: the IPv4 Global Address option, without TEP, right
 * before the IA_NA it applies to; the address is ::ffff:a.b.c.d.  RFC 8415
 * 21.4/21.6: T1, T2 and lifetimes 0 from a client. */
static int put_ia(const struct client *c, struct dhcp6_buf *b, bool v4,
		  const struct in6_addr *addr)
{
	size_t mark;
	int r;
	if (v4) {
		r = dhcp6_put_ipv4_global(b, v4_code(c), NULL);
		if (r < 0)
			return r;
	}
	r = dhcp6_put_ia_begin(b, DHCP6_OPT_IA_NA, v4 ? c->cfg.iaid4 : c->cfg.iaid_na, 0, 0, &mark);
	if (r < 0)
		return r;
	if (addr) {
		r = dhcp6_put_iaaddr(b, addr, 0, 0, -1, NULL);
		if (r < 0)
			return r;
	}
	return dhcp6_opt_end(b, mark);
}

static int put_ias(const struct client *c, struct dhcp6_buf *b)
{
	struct in6_addr a, *pa = NULL;
	bool na_held = c->has_na && c->na_valid_at > c->now_ms;
	uint8_t type = c->x.type;
	int r;

	if (type == DHCP6_INFORMATION_REQUEST)
		return 0;
	if (type == DHCP6_RELEASE) {
		/* RFC 8415 18.2.7: only the leases being released */
		if (c->rel_v4) {
			in6_set_mapped(&a, c->rel_v4_addr);
			r = put_ia(c, b, true, &a);
			if (r < 0)
				return r;
		}
		if (c->rel_na)
			return put_ia(c, b, false, &c->rel_na_addr);
		return 0;
	}
	if (type == DHCP6_REQUEST && c->adv.v4) {
		in6_set_mapped(&a, c->adv.v4);
		pa = &a;
	} else if ((type == DHCP6_RENEW || type == DHCP6_REBIND) && c->has_v4) {
		in6_set_mapped(&a, c->v4);
		pa = &a;
	}
	r = put_ia(c, b, true, pa);
	if (r < 0 || !c->cfg.want_na)
		return r;
	return put_ia(c, b, false, type != DHCP6_SOLICIT && na_held ? &c->na : NULL);
}

static int build_msg(const struct client *c, struct dhcp6_buf *b)
{
	const struct client_xchg *x = &c->x;
	uint8_t oro[6];
	size_t n_oro = 0;
	uint64_t elapsed;
	int r;

	r = dhcp6_put_msg_hdr(b, x->type, x->xid);
	if (r < 0)
		return r;
	r = dhcp6_put_duid(b, DHCP6_OPT_CLIENTID, &c->cfg.duid);
	if (r < 0)
		return r;
	/* RFC 8415 18.2.2, 18.2.4, 18.2.7; 18.2.6 when answering a Reconfigure */
	if (x->type == DHCP6_REQUEST || x->type == DHCP6_RENEW || x->type == DHCP6_RELEASE ||
	    (x->type == DHCP6_INFORMATION_REQUEST && c->server.len)) {
		r = dhcp6_put_duid(b, DHCP6_OPT_SERVERID, xchg_server(c));
		if (r < 0)
			return r;
	}
	/* RFC 8415 21.9: hundredths of a second since the first transmission */
	elapsed = (c->now_ms - x->start_ms) / 10;
	r = dhcp6_put_opt_u16(b, DHCP6_OPT_ELAPSED_TIME, elapsed > 0xffff ? 0xffff : (uint16_t)elapsed);
	if (r < 0)
		return r;
	/* RFC 8415 18.2.1/18.2.2/18.2.4: SOL_MAX_RT and what we want (the IPv4
	 * Global Address option, dstm-04 6); 18.2.6: INF_MAX_RT and the
	 * Information Refresh Time.  Release carries no ORO (Appendix B). */
	if (x->type == DHCP6_INFORMATION_REQUEST) {
		put_be16(oro + 2 * n_oro++, DHCP6_OPT_INF_MAX_RT);
		put_be16(oro + 2 * n_oro++, DHCP6_OPT_INFORMATION_REFRESH_TIME);
	} else if (x->type != DHCP6_RELEASE) {
		put_be16(oro + 2 * n_oro++, DHCP6_OPT_SOL_MAX_RT);
		put_be16(oro + 2 * n_oro++, v4_code(c));
	}
	if (n_oro) {
		r = dhcp6_put_opt(b, DHCP6_OPT_ORO, oro, (uint16_t)(2 * n_oro));
		if (r < 0)
			return r;
	}
	if (x->type == DHCP6_SOLICIT && c->cfg.rapid_commit) {
		r = dhcp6_put_opt(b, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
		if (r < 0)
			return r;
	}
	if (c->cfg.reconfigure_accept && x->type != DHCP6_RELEASE) {
		r = dhcp6_put_opt(b, DHCP6_OPT_RECONF_ACCEPT, NULL, 0);
		if (r < 0)
			return r;
	}
	return put_ias(c, b);
}

/* RFC 8415 14.1: a token bucket over all transmissions. */
static bool tx_allowed(struct client *c)
{
	uint64_t now = c->now_ms;
	if (now > c->tx_refill_ms) {
		uint64_t add = (now - c->tx_refill_ms) / CLIENT_TX_INTERVAL;
		if (add) {
			uint64_t t = c->tx_tokens + add;
			c->tx_tokens = t > CLIENT_TX_BURST ? CLIENT_TX_BURST : (uint32_t)t;
			c->tx_refill_ms += add * CLIENT_TX_INTERVAL;
		}
	}
	if (c->tx_tokens == 0)
		return false;
	c->tx_tokens--;
	return true;
}

static void count_tx(struct client *c, uint8_t type)
{
	switch (type) {
	case DHCP6_SOLICIT: c->stats.tx_solicit++; break;
	case DHCP6_REQUEST: c->stats.tx_request++; break;
	case DHCP6_RENEW: c->stats.tx_renew++; break;
	case DHCP6_REBIND: c->stats.tx_rebind++; break;
	case DHCP6_RELEASE: c->stats.tx_release++; break;
	case DHCP6_INFORMATION_REQUEST: c->stats.tx_information_request++; break;
	default: break;
	}
}

/* RFC 8415 15: (re)transmit the exchange's message and compute the next RT. */
static void xchg_transmit(struct client *c)
{
	struct client_xchg *x = &c->x;
	uint8_t buf[DHCP6_MAX_MSG];
	struct dhcp6_buf b;
	uint64_t rt;
	int r;

	if (x->count == 0) {
		x->start_ms = c->now_ms;
		if (x->type == DHCP6_SOLICIT) { /* 18.2.1: first RT strictly > IRT */
			rt = with_rand(x->irt_ms, (int32_t)(c->ops.rand(c->ops.ctx) % 1000) + 1);
			rt = MAX(rt, (uint64_t)x->irt_ms + 1);
		} else
			rt = with_rand(x->irt_ms, rand_factor(c));
	} else {
		rt = 2 * (uint64_t)x->rt_ms + with_rand(x->rt_ms, rand_factor(c)) - x->rt_ms;
	}
	if (x->mrt_ms && rt > x->mrt_ms)
		rt = with_rand(x->mrt_ms, rand_factor(c));
	x->rt_ms = (uint32_t)rt;
	x->count++;
	x->tx_at = c->now_ms + rt;

	dhcp6_buf_init(&b, buf, sizeof(buf));
	r = build_msg(c, &b);
	if (r < 0) {
		/* cannot happen: a client message is far below 1500 octets */
		c->stats.tx_errors++;
		log_rl(LOG_ERR, "dstm client: cannot build %s: %s", dhcp6_msg_name(x->type),
		       strerror(-r));
		return;
	}
	if (!tx_allowed(c)) {
		c->stats.tx_ratelimited++;
		log_rl(LOG_WARNING, "dstm client: %s not sent: transmission rate limit (RFC 8415 14.1)",
		       dhcp6_msg_name(x->type));
		return;
	}
	r = c->ops.send(c->ops.ctx, b.data, b.len, xchg_dst(c));
	if (r < 0) {
		c->stats.tx_errors++;
		log_rl(LOG_WARNING, "dstm client: sending %s failed: %s", dhcp6_msg_name(x->type),
		       strerror(-r));
		return;
	}
	count_tx(c, x->type);
	log_debug("dstm client: %s xid %06x #%u, next in %" PRIu64 " ms", dhcp6_msg_name(x->type),
		  x->xid, x->count, rt);
}

static void xchg_begin(struct client *c, uint8_t type, uint32_t irt, uint32_t mrt, uint32_t mrc,
		       uint64_t first_at, bool unicast)
{
	struct client_xchg *x = &c->x;
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->xid = c->ops.rand(c->ops.ctx) & 0xffffff;   /* RFC 8415 16.1 */
	x->irt_ms = irt;
	x->mrt_ms = mrt;
	x->mrc = mrc;
	x->tx_at = first_at;
	x->unicast = unicast;
}

/* ---- the state machine --------------------------------------------------------- */

/* STYLE 6: the only place c->state changes.  Arms the new state's timer:
 * the first transmission of its exchange (performed by run_due), T1, or the
 * end of the backoff. */
static void state_transition(struct client *c, enum client_state next)
{
	enum client_state old = c->state;
	uint64_t now = c->now_ms;

	if (next == CLIENT_SOLICITING || next == CLIENT_BACKOFF || next == CLIENT_IDLE) {
		/* RFC 8415 18.2.10.1: a client restarting server discovery
		 * stops using the addresses it has; IDLE holds none */
		lease_lose(c, CLIENT_LOSS_REDISCOVER);
		c->has_na = false;
	}
	c->state = next;
	log_info("dstm client: %s -> %s", client_state_name(old), client_state_name(next));
	memset(&c->x, 0, sizeof(c->x));
	if (next != CLIENT_RENEWING && next != CLIENT_REBINDING && next != CLIENT_INFORMING)
		c->reconf_exchange = false;

	switch (next) {
	case CLIENT_IDLE:
	case CLIENT_BOUND:
		break;
	case CLIENT_SOLICITING:
		memset(&c->adv, 0, sizeof(c->adv));
		xchg_begin(c, DHCP6_SOLICIT, DHCP6_SOL_TIMEOUT, c->sol_max_rt_ms, 0,
			   now + c->sol_delay_ms, false);
		c->sol_delay_ms = 0;
		break;
	case CLIENT_REQUESTING:
		xchg_begin(c, DHCP6_REQUEST, DHCP6_REQ_TIMEOUT, DHCP6_REQ_MAX_RT, DHCP6_REQ_MAX_RC,
			   now, true);
		break;
	case CLIENT_RENEWING:
		/* MRD: until T2 (checked in client_step); without an address
		 * (Reconfigure) REQ_MAX_RC transmissions */
		xchg_begin(c, DHCP6_RENEW, DHCP6_REN_TIMEOUT, DHCP6_REN_MAX_RT,
			   c->has_v4 ? 0 : DHCP6_REQ_MAX_RC, now, true);
		break;
	case CLIENT_REBINDING:
		xchg_begin(c, DHCP6_REBIND, DHCP6_REB_TIMEOUT, DHCP6_REB_MAX_RT,
			   c->has_v4 ? 0 : DHCP6_REQ_MAX_RC, now, false);
		break;
	case CLIENT_RELEASING:
		xchg_begin(c, DHCP6_RELEASE, DHCP6_REL_TIMEOUT, 0, DHCP6_REL_MAX_RC, now, true);
		break;
	case CLIENT_INFORMING:
		xchg_begin(c, DHCP6_INFORMATION_REQUEST, DHCP6_INF_TIMEOUT, c->inf_max_rt_ms, 0,
			   now, false);
		break;
	case CLIENT_BACKOFF:
		c->backoff_until = now + with_rand(c->backoff_ms, rand_factor(c));
		c->backoff_ms = (uint32_t)MIN((uint64_t)c->backoff_ms * 2, (uint64_t)c->sol_max_rt_ms);
		break;
	case CLIENT_STATE_COUNT:
		fatalx("dstm client: transition to an invalid state");
	}
}

/* Where to go without an IPv4 address: wait for demand (on-demand mode, or
 * not started) or solicit again. */
static void settle(struct client *c)
{
	if (c->has_v4)
		state_transition(c, CLIENT_BOUND);
	else if (!c->started)
		state_transition(c, CLIENT_IDLE);
	else
		state_transition(c, CLIENT_SOLICITING);
}

/* NoAddrsAvail, or nothing usable in a Reply to a Solicit/Request. */
static void no_addrs(struct client *c)
{
	if (c->reconf_exchange && !c->has_v4) {
		settle(c);
		return;
	}
	state_transition(c, CLIENT_BACKOFF);
}

/* The lease ended (the server removed the address): on-demand mode waits
 * for the next demand, always mode solicits after a backoff. */
static void lease_ended(struct client *c)
{
	if (c->cfg.on_demand)
		c->started = false;
	if (c->started)
		state_transition(c, CLIENT_BACKOFF);
	else
		state_transition(c, CLIENT_IDLE);
}

/* dstm-04 6.3 step 2: the valid lifetime is over: remove the address, then
 * send a Release for it. */
static void lease_expire(struct client *c)
{
	uint32_t v4 = c->v4;
	lease_lose(c, CLIENT_LOSS_EXPIRED);
	if (c->cfg.on_demand)
		c->started = false;
	c->rel_v4 = true;
	c->rel_v4_addr = v4;
	c->rel_na = false;
	c->after_release = c->started ? CLIENT_SOLICITING : CLIENT_IDLE;
	state_transition(c, CLIENT_RELEASING);
}

uint64_t client_next_timeout(const struct client *c)
{
	uint64_t t = UINT64_MAX;
	if (c->has_v4)
		t = c->valid_at;
	switch (c->state) {
	case CLIENT_IDLE:
		break;
	case CLIENT_BOUND:
		t = MIN(t, c->t1_at);
		break;
	case CLIENT_RENEWING:
		t = MIN(t, c->x.tx_at);
		if (c->has_v4)
			t = MIN(t, c->t2_at);
		break;
	case CLIENT_INFORMING:
		t = MIN(t, c->x.tx_at);
		if (c->has_v4)
			t = MIN(t, c->t1_at);
		break;
	case CLIENT_SOLICITING:
	case CLIENT_REQUESTING:
	case CLIENT_REBINDING:
	case CLIENT_RELEASING:
		t = MIN(t, c->x.tx_at);
		break;
	case CLIENT_BACKOFF:
		t = MIN(t, c->backoff_until);
		break;
	case CLIENT_STATE_COUNT:
		break;
	}
	return t;
}

/* One due event.  Each one moves its deadline past now or changes state,
 * so run_due terminates. */
static void client_step(struct client *c)
{
	uint64_t now = c->now_ms;
	struct client_xchg *x = &c->x;

	if (c->has_v4 && c->valid_at <= now) {
		/* 18.2.5 MRD (and every other state): the lease is over */
		lease_expire(c);
		return;
	}
	switch (c->state) {
	case CLIENT_BOUND:
		if (c->t1_at <= now)
			state_transition(c, CLIENT_RENEWING);   /* RFC 8415 18.2.4 */
		return;
	case CLIENT_INFORMING:
		if (c->has_v4 && c->t1_at <= now) {
			state_transition(c, CLIENT_RENEWING);
			return;
		}
		break;
	case CLIENT_RENEWING:
		if (c->has_v4 && c->t2_at <= now) {
			state_transition(c, CLIENT_REBINDING);  /* RFC 8415 18.2.5 */
			return;
		}
		break;
	case CLIENT_SOLICITING:
		/* RFC 8415 18.2.1: at the end of the first RT, take the best
		 * Advertise collected */
		if (x->tx_at <= now && x->count == 1 && c->adv.valid) {
			state_transition(c, CLIENT_REQUESTING);
			return;
		}
		break;
	case CLIENT_BACKOFF:
		if (c->backoff_until <= now)
			state_transition(c, CLIENT_SOLICITING);
		return;
	case CLIENT_IDLE:
	case CLIENT_REBINDING:
	case CLIENT_REQUESTING:
	case CLIENT_RELEASING:
	case CLIENT_STATE_COUNT:
		break;
	}
	if (c->state == CLIENT_IDLE || x->tx_at > now)
		return;
	if (x->mrc && x->count >= x->mrc) {
		/* RFC 8415 15: MRC transmissions without an answer */
		c->stats.exchanges_failed++;
		log_warn("dstm client: %s unanswered after %u transmissions", dhcp6_msg_name(x->type),
			 x->count);
		switch (c->state) {
		case CLIENT_REQUESTING:
			/* 18.2.2: discover again (unless nobody asked for an
			 * address: a Reconfigure while IDLE) */
			state_transition(c, c->started ? CLIENT_SOLICITING : CLIENT_IDLE);
			break;
		case CLIENT_RELEASING:
			state_transition(c, c->after_release);
			break;
		default:
			settle(c);                                  /* Reconfigure without lease */
			break;
		}
		return;
	}
	xchg_transmit(c);
}

static void run_due(struct client *c)
{
	for (int i = 0; i < 64; i++) {
		if (client_next_timeout(c) > c->now_ms)
			return;
		client_step(c);
	}
	fatalx("dstm client: timer loop does not progress in %s", client_state_name(c->state));
}

/* ---- received messages ------------------------------------------------------- */

/* RFC 8415 21.24/21.25: SOL_MAX_RT and INF_MAX_RT, even with a failure
 * status (18.2.9, 18.2.10). */
static void process_max_rt(struct client *c, const uint8_t *buf, size_t len)
{
	struct dhcp6_opt o;
	size_t off = DHCP6_MSG_HDR_LEN;
	while (dhcp6_opt_next(buf, len, &off, &o) > 0) {
		if ((o.code != DHCP6_OPT_SOL_MAX_RT && o.code != DHCP6_OPT_INF_MAX_RT) || o.len != 4)
			continue;
		uint32_t v = get_be32(o.data);
		if (v < DHCP6_MAX_RT_MIN || v > DHCP6_MAX_RT_MAX)
			continue;                  /* "MUST ignore" other values */
		if (o.code == DHCP6_OPT_SOL_MAX_RT) {
			c->sol_max_rt_ms = v * 1000;
			if (c->state == CLIENT_SOLICITING)
				c->x.mrt_ms = c->sol_max_rt_ms;
		} else {
			c->inf_max_rt_ms = v * 1000;
			if (c->state == CLIENT_INFORMING)
				c->x.mrt_ms = c->inf_max_rt_ms;
		}
	}
}

/* What a message says about one of our IAs. */
struct ia_view {
	bool present;
	uint16_t status;             /* the IA's, else DHCP6_STATUS_SUCCESS */
	bool has_addr;
	struct in6_addr addr;
	uint32_t t1, t2, preferred, valid;
	bool has_tep;
	struct in6_addr tep;
	bool held_removed;           /* the address we hold, with valid 0 */
};

/* dstm-04 6.1: the IPv4 IA is the IA_NA with our IAID right after the IPv4
 * Global Address option; the IPv6 one has the other IAID and no option. */
static void ia_extract(struct client *c, const struct dhcp6_msg *m, bool v4, struct ia_view *v)
{
	uint32_t iaid = v4 ? c->cfg.iaid4 : c->cfg.iaid_na;
	const struct dhcp6_ia *ia = NULL;

	memset(v, 0, sizeof(*v));
	for (uint8_t i = 0; i < m->n_ia && !ia; i++)
		if (m->ia[i].type == DHCP6_OPT_IA_NA && m->ia[i].iaid == iaid && m->ia[i].ipv4 == v4)
			ia = &m->ia[i];
	if (!ia)
		return;
	/* RFC 8415 21.4 */
	if (ia->t1 && ia->t2 && ia->t1 > ia->t2) {
		IGNORE(c, drop_ia_t1_gt_t2, "IA_NA %u with T1 %u > T2 %u", iaid, ia->t1, ia->t2);
		return;
	}
	v->present = true;
	v->status = ia->has_status ? ia->status : DHCP6_STATUS_SUCCESS;
	v->t1 = ia->t1;
	v->t2 = ia->t2;
	if (v4 && ia->has_tep) {
		if (tep_usable(&ia->tep)) {
			v->has_tep = true;
			v->tep = ia->tep;
		} else {
			char a[ADDR6_STRLEN];
			IGNORE(c, drop_tep_invalid, "TEP %s", fmt_in6(&ia->tep, a));
		}
	}
	for (uint8_t k = 0; k < ia->n_addrs; k++) {
		const struct dhcp6_iaaddr *ad = &ia->addrs[k];
		char a[ADDR6_STRLEN];
		if (v4 && !in6_is_mapped(&ad->addr)) {
			/* dstm-04 6.1.2: the IA "MUST include an IPv4 IPv6-Mapped Address" */
			IGNORE(c, drop_v4_not_mapped, "%s in the IPv4 IA", fmt_in6(&ad->addr, a));
			continue;
		}
		if (v4 && !v4_usable(in6_mapped_v4(&ad->addr))) {
			IGNORE(c, drop_v4_unusable, "%s in the IPv4 IA", fmt_in6(&ad->addr, a));
			continue;
		}
		if (!v4 && in6_is_mapped(&ad->addr))
			continue;
		if (ad->preferred > ad->valid) {
			/* RFC 8415 21.6: discard such an address */
			IGNORE(c, drop_bad_lifetimes, "%s preferred %u > valid %u",
			       fmt_in6(&ad->addr, a), ad->preferred, ad->valid);
			continue;
		}
		if (ad->valid == 0) {
			/* RFC 8415 18.2.10.1: discard leases with valid lifetime 0 */
			if (v4 && c->has_v4 && in6_mapped_v4(&ad->addr) == c->v4)
				v->held_removed = true;
			continue;
		}
		if (ad->has_status && ad->status != DHCP6_STATUS_SUCCESS)
			continue;
		if (!v->has_addr) {
			v->has_addr = true;
			v->addr = ad->addr;
			v->preferred = ad->preferred;
			v->valid = ad->valid;
		}
	}
}

/* RFC 8415 21.4 and 14.2: resolve T1/T2 of 0. */
static void resolve_t1t2(const struct ia_view *v, uint32_t *t1, uint32_t *t2)
{
	uint32_t base = v->preferred ? v->preferred : v->valid;
	uint32_t d1, d2;
	if (base == DHCP6_INFINITY) {
		d1 = d2 = DHCP6_INFINITY;
	} else {
		d1 = MAX(base / 2, 1u);
		d2 = (uint32_t)MAX((uint64_t)base * 4 / 5, 1u);
	}
	*t1 = v->t1;
	*t2 = v->t2;
	if (*t1 == 0)
		*t1 = *t2 ? MIN(d1, *t2) : d1;
	if (*t2 == 0)
		*t2 = MAX(d2, *t1);
	if (v->valid != DHCP6_INFINITY) {
		*t2 = MIN(*t2, v->valid);
		*t1 = MIN(*t1, *t2);
	}
}

/* RFC 8415 20.4.1 / 20.4.3: keep the reconfigure key from a Reply. */
static void take_reconf_key(struct client *c, const struct dhcp6_msg *m)
{
	const struct dhcp6_auth *a = &m->auth;
	if (!c->cfg.reconfigure_accept || !m->has_auth)
		return;
	if (a->protocol != DHCP6_AUTH_PROTO_RECONFIGURE || a->algorithm != DHCP6_AUTH_ALG_HMAC_MD5 ||
	    a->rdm != DHCP6_AUTH_RDM_MONOTONIC || a->info_len != 1 + DHCP6_RECONF_KEY_LEN ||
	    a->info[0] != DHCP6_RKAP_TYPE_KEY) {
		IGNORE(c, drop_bad_auth, "Authentication option in a Reply is no RKAP key");
		return;
	}
	if (!c->has_reconf_key || memcmp(c->reconf_key, a->info + 1, DHCP6_RECONF_KEY_LEN) != 0 ||
	    a->replay > c->reconf_replay)
		c->reconf_replay = a->replay;
	memcpy(c->reconf_key, a->info + 1, DHCP6_RECONF_KEY_LEN);
	c->has_reconf_key = true;
}

/* RFC 8415 18.2.10.1: take the leases of a successful Reply. */
static void lease_take(struct client *c, const struct dhcp6_msg *m, const struct ia_view *v4,
		       const struct ia_view *na)
{
	uint64_t now = c->now_ms;
	uint32_t v4addr = in6_mapped_v4(&v4->addr);
	bool renewed = c->has_v4 && c->v4 == v4addr;
	uint32_t t1, t2;

	if (c->has_v4 && !renewed)
		lease_lose(c, CLIENT_LOSS_REPLACED);
	if (!duid_eq(&c->server, &m->serverid)) {
		/* a key belongs to the server that sent it */
		c->has_reconf_key = false;
		c->reconf_replay = 0;
	}
	c->server = m->serverid;
	c->has_unicast = m->has_unicast;
	c->unicast = m->unicast;
	take_reconf_key(c, m);

	resolve_t1t2(v4, &t1, &t2);
	if (na->present && na->has_addr) {
		uint32_t n1, n2;
		resolve_t1t2(na, &n1, &n2);
		t1 = MIN(t1, n1);
		t2 = MIN(t2, n2);
		c->has_na = true;
		c->na = na->addr;
		c->na_pref_at = at_after(now, na->preferred);
		c->na_valid_at = at_after(now, na->valid);
	}
	c->has_v4 = true;
	c->v4 = v4addr;
	c->has_tep = v4->has_tep;
	c->tep = v4->tep;
	c->t1_at = at_after(now, t1);
	c->t2_at = at_after(now, t2);
	c->pref_at = at_after(now, v4->preferred);
	c->valid_at = at_after(now, v4->valid);
	c->started = true;
	c->backoff_ms = CLIENT_BACKOFF_MIN;
	if (renewed)
		c->stats.leases_renewed++;
	else
		c->stats.leases_acquired++;
	lease_report(c);
	state_transition(c, CLIENT_BOUND);
}

static void count_status(struct client *c, uint16_t status)
{
	switch (status) {
	case DHCP6_STATUS_SUCCESS: break;
	case DHCP6_STATUS_NOADDRSAVAIL: c->stats.status_noaddrsavail++; break;
	case DHCP6_STATUS_NOBINDING: c->stats.status_nobinding++; break;
	case DHCP6_STATUS_NOTONLINK: c->stats.status_notonlink++; break;
	case DHCP6_STATUS_USEMULTICAST: c->stats.status_usemulticast++; break;
	case DHCP6_STATUS_UNSPECFAIL: c->stats.status_unspecfail++; break;
	default: c->stats.status_other++; break;
	}
}

/* RFC 8415 16.3/16.10: the Client Identifier must be ours. */
#define CHECK_CLIENT_ID(c, m)                                                   \
	do {                                                                    \
		if (!(m)->clientid.len)                                         \
			DROP(c, drop_no_client_id, "%s without Client Identifier", \
			     dhcp6_msg_name((m)->type));                        \
		if (!duid_eq(&(m)->clientid, &(c)->cfg.duid))                   \
			DROP(c, drop_wrong_client_id, "%s for another client",  \
			     dhcp6_msg_name((m)->type));                        \
	} while (0)

/* RFC 8415 18.2.9 */
static void handle_advertise(struct client *c, const struct dhcp6_msg *m, const uint8_t *buf,
			     size_t len)
{
	struct ia_view v4;
	uint8_t pref;

	if (c->state != CLIENT_SOLICITING)
		DROP(c, drop_unexpected_state, "Advertise in %s", client_state_name(c->state));
	if (m->xid != c->x.xid || c->x.count == 0)
		DROP(c, drop_xid_mismatch, "Advertise xid %06x, expected %06x", m->xid, c->x.xid);
	CHECK_CLIENT_ID(c, m);
	process_max_rt(c, buf, len);
	if (m->has_status && m->status != DHCP6_STATUS_SUCCESS) {
		count_status(c, m->status);
		DROP(c, drop_advertise_no_addrs, "Advertise with status %s",
		     dhcp6_status_name(m->status));
	}
	ia_extract(c, m, true, &v4);
	if (!v4.present || v4.status != DHCP6_STATUS_SUCCESS || !v4.has_addr) {
		if (v4.present)
			count_status(c, v4.status);
		DROP(c, drop_advertise_no_addrs, "Advertise without a usable IPv4 address");
	}
	pref = m->has_preference ? m->preference : 0;
	if (!c->adv.valid || pref > c->adv.preference) {
		c->adv.valid = true;
		c->adv.preference = pref;
		c->adv.server = m->serverid;
		c->adv.has_unicast = m->has_unicast;
		c->adv.unicast = m->unicast;
		c->adv.v4 = in6_mapped_v4(&v4.addr);
	}
	/* 255: at once; after the first RT: the first valid Advertise */
	if (pref == 255 || c->x.count > 1)
		state_transition(c, CLIENT_REQUESTING);
}

/* RFC 8415 18.2.10 */
static void handle_reply(struct client *c, const struct dhcp6_msg *m, const uint8_t *buf,
			 size_t len)
{
	const struct dhcp6_duid *want = NULL;
	struct ia_view v4, na;
	uint16_t status;

	switch (c->state) {
	case CLIENT_SOLICITING:
		if (m->xid == c->x.xid && (!c->cfg.rapid_commit || !m->rapid_commit))
			DROP(c, drop_no_rapid_commit, "Reply to a Solicit without Rapid Commit");
		break;
	case CLIENT_REQUESTING:
	case CLIENT_RENEWING:
	case CLIENT_RELEASING:
	case CLIENT_INFORMING:
		want = xchg_server(c);
		break;
	case CLIENT_REBINDING:
		break;
	default:
		DROP(c, drop_unexpected_state, "Reply in %s", client_state_name(c->state));
	}
	if (m->xid != c->x.xid || c->x.count == 0)
		DROP(c, drop_xid_mismatch, "Reply xid %06x, expected %06x", m->xid, c->x.xid);
	CHECK_CLIENT_ID(c, m);
	if (want && !duid_eq(want, &m->serverid))
		DROP(c, drop_wrong_server_id, "Reply to %s from another server",
		     dhcp6_msg_name(c->x.type));
	process_max_rt(c, buf, len);

	if (m->has_status) {
		count_status(c, m->status);
		if (m->status == DHCP6_STATUS_USEMULTICAST) {
			/* resend the message at once, by multicast */
			c->has_unicast = false;
			c->adv.has_unicast = false;
			c->x.tx_at = c->now_ms;
			log_info("dstm client: UseMulticast from the server");
			return;
		}
		if (m->status == DHCP6_STATUS_UNSPECFAIL && c->state != CLIENT_RELEASING)
			return;       /* retransmission goes on (rate and duration limited) */
	}
	if (c->state == CLIENT_RELEASING) {
		/* 18.2.10.2: done, whatever the status */
		state_transition(c, c->after_release);
		return;
	}
	if (c->state == CLIENT_INFORMING) {
		settle(c);
		return;
	}

	ia_extract(c, m, true, &v4);
	na.present = false;
	if (c->cfg.want_na)
		ia_extract(c, m, false, &na);
	status = v4.present ? v4.status : m->has_status ? m->status : DHCP6_STATUS_SUCCESS;
	if (v4.present)
		count_status(c, v4.status);
	bool assigning = c->state == CLIENT_SOLICITING || c->state == CLIENT_REQUESTING;

	switch (status) {
	case DHCP6_STATUS_SUCCESS:
		if (v4.present && v4.has_addr) {
			lease_take(c, m, &v4, &na);
			return;
		}
		if (v4.held_removed) {
			lease_lose(c, CLIENT_LOSS_SERVER);
			lease_ended(c);
			return;
		}
		IGNORE(c, drop_reply_no_addrs, "Reply to %s without a usable IPv4 address",
		       dhcp6_msg_name(c->x.type));
		if (assigning || !c->has_v4)
			no_addrs(c);
		return;        /* Renew/Rebind: as if unanswered */
	case DHCP6_STATUS_NOADDRSAVAIL:
		if (assigning || !c->has_v4)
			no_addrs(c);
		return;
	case DHCP6_STATUS_NOBINDING:
		if (assigning) {
			no_addrs(c);
			return;
		}
		/* 18.2.10.1: Request to the server that answered, for all IAs */
		memset(&c->adv, 0, sizeof(c->adv));
		c->adv.valid = true;
		c->adv.server = m->serverid;
		c->adv.has_unicast = m->has_unicast;
		c->adv.unicast = m->unicast;
		c->adv.v4 = c->has_v4 ? c->v4 : 0;
		state_transition(c, CLIENT_REQUESTING);
		return;
	case DHCP6_STATUS_NOTONLINK:
		/* 18.2.10.1: restart server discovery */
		lease_lose(c, CLIENT_LOSS_NOTONLINK);
		if (c->reconf_exchange || !c->started)
			settle(c);
		else
			state_transition(c, CLIENT_SOLICITING);
		return;
	default:
		return;        /* UnspecFail etc. in the IA: retransmission goes on */
	}
}

/* RFC 8415 18.2.11, 16.11, 20.4.3 */
static void handle_reconfigure(struct client *c, const struct dhcp6_msg *m, const uint8_t *buf,
			       size_t len, bool unicast)
{
	int r;

	if (!unicast)
		DROP(c, drop_reconf_multicast, "Reconfigure not unicast to us");
	if (!c->has_reconf_key)
		DROP(c, drop_reconf_no_key, "Reconfigure without a reconfigure key");
	if (!duid_eq(&m->serverid, &c->server))
		DROP(c, drop_wrong_server_id, "Reconfigure from another server");
	CHECK_CLIENT_ID(c, m);
	if (!m->has_reconf_msg || (m->reconf_msg != DHCP6_RENEW && m->reconf_msg != DHCP6_REBIND &&
				   m->reconf_msg != DHCP6_INFORMATION_REQUEST))
		DROP(c, drop_reconf_bad_msg_type, "Reconfigure asking for %s",
		     m->has_reconf_msg ? dhcp6_msg_name(m->reconf_msg) : "nothing");
	if (!m->has_auth)
		DROP(c, drop_bad_auth, "Reconfigure without Authentication");
	r = dhcp6_auth_verify(buf, len, &m->auth, c->reconf_key);
	if (r < 0)
		DROP(c, drop_bad_auth, "Reconfigure authentication: %s",
		     r == -EPERM ? "wrong digest" : "not RKAP HMAC-MD5");
	if (m->auth.replay <= c->reconf_replay)
		DROP(c, drop_replay, "Reconfigure replay counter %" PRIu64 " <= %" PRIu64,
		     m->auth.replay, c->reconf_replay);
	if (c->state != CLIENT_BOUND && c->state != CLIENT_IDLE && c->state != CLIENT_BACKOFF)
		DROP(c, drop_unexpected_state, "Reconfigure in %s", client_state_name(c->state));

	c->reconf_replay = m->auth.replay;
	c->stats.reconfigures_accepted++;
	log_info("dstm client: Reconfigure accepted: %s", dhcp6_msg_name(m->reconf_msg));
	c->reconf_exchange = true;
	switch (m->reconf_msg) {
	case DHCP6_RENEW:
		/* dstm-04 6.2: with the IPv4 option and IA_NA even without an
		 * address: this is how the server hands one out */
		state_transition(c, CLIENT_RENEWING);
		break;
	case DHCP6_REBIND:
		state_transition(c, CLIENT_REBINDING);
		break;
	default:
		state_transition(c, CLIENT_INFORMING);
		break;
	}
}

static void recv_dispatch(struct client *c, const uint8_t *buf, size_t len, bool unicast)
{
	struct dhcp6_msg m;

	if (len < DHCP6_MSG_HDR_LEN)
		DROP(c, drop_malformed, "%zu-byte datagram", len);
	switch (buf[0]) {
	case DHCP6_ADVERTISE:
	case DHCP6_REPLY:
	case DHCP6_RECONFIGURE:
		break;
	case DHCP6_SOLICIT: case DHCP6_REQUEST: case DHCP6_CONFIRM: case DHCP6_RENEW:
	case DHCP6_REBIND: case DHCP6_RELEASE: case DHCP6_DECLINE:
	case DHCP6_INFORMATION_REQUEST: case DHCP6_RELAY_FORW: case DHCP6_RELAY_REPL:
		/* RFC 8415 16.2-16.14: clients discard these */
		DROP(c, drop_not_for_client, "%s", dhcp6_msg_name(buf[0]));
	default:
		/* RFC 8415 16 */
		DROP(c, drop_unknown_type, "message type %u", buf[0]);
	}
	if (dhcp6_msg_parse(buf, len, v4_code(c), &m) < 0)
		DROP(c, drop_malformed, "malformed %s (%zu bytes)", dhcp6_msg_name(buf[0]), len);
	switch (m.type) {
	case DHCP6_ADVERTISE: c->stats.rx_advertise++; break;
	case DHCP6_REPLY: c->stats.rx_reply++; break;
	default: c->stats.rx_reconfigure++; break;
	}
	/* RFC 8415 16.3, 16.10, 16.11 */
	if (!m.serverid.len)
		DROP(c, drop_no_server_id, "%s without Server Identifier", dhcp6_msg_name(m.type));
	switch (m.type) {
	case DHCP6_ADVERTISE:
		handle_advertise(c, &m, buf, len);
		break;
	case DHCP6_REPLY:
		handle_reply(c, &m, buf, len);
		break;
	default:
		handle_reconfigure(c, &m, buf, len, unicast);
		break;
	}
}

/* ---- API ------------------------------------------------------------------------ */

int client_init(struct client *c, const struct client_config *cfg, const struct client_ops *ops)
{
	if (!cfg->duid.len || cfg->duid.len > DHCP6_DUID_MAX || !ops->send || !ops->lease ||
	    !ops->expired || !ops->rand)
		return -EINVAL;
	if (cfg->want_na && cfg->iaid_na == cfg->iaid4)
		return -EINVAL;            /* RFC 8415 21.4: unique IAIDs */
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	if (!c->cfg.ipv4_option_code)
		c->cfg.ipv4_option_code = DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT;
	c->ops = *ops;
	c->state = CLIENT_IDLE;
	c->sol_max_rt_ms = DHCP6_SOL_MAX_RT;
	c->inf_max_rt_ms = DHCP6_INF_MAX_RT;
	c->backoff_ms = CLIENT_BACKOFF_MIN;
	c->tx_tokens = CLIENT_TX_BURST;
	c->t1_at = c->t2_at = c->pref_at = c->valid_at = UINT64_MAX;
	c->after_release = CLIENT_IDLE;
	return 0;
}

int client_start(struct client *c, uint64_t now_ms)
{
	c->now_ms = now_ms;
	if (c->tx_refill_ms == 0)
		c->tx_refill_ms = now_ms;
	if (c->started)
		return -EALREADY;
	c->started = true;
	if (c->state == CLIENT_RELEASING) {
		c->after_release = CLIENT_SOLICITING;
		return 0;
	}
	if (c->state != CLIENT_IDLE)
		return -EALREADY;   /* a Reconfigure exchange without an address */
	/* RFC 8415 18.2.1 SOL_MAX_DELAY, except on demand (client.h) */
	c->sol_delay_ms = c->cfg.on_demand ? 0 : c->ops.rand(c->ops.ctx) % (DHCP6_SOL_MAX_DELAY + 1);
	state_transition(c, CLIENT_SOLICITING);
	run_due(c);
	return 0;
}

void client_stop(struct client *c, uint64_t now_ms, bool release)
{
	c->now_ms = now_ms;
	c->started = false;
	c->has_reconf_key = false;
	c->backoff_ms = CLIENT_BACKOFF_MIN;
	if (c->state == CLIENT_RELEASING) {
		c->after_release = CLIENT_IDLE;
		return;
	}
	if (release && (c->has_v4 || (c->has_na && c->na_valid_at > now_ms))) {
		c->rel_v4 = c->has_v4;
		c->rel_v4_addr = c->v4;
		c->rel_na = c->has_na && c->na_valid_at > now_ms;
		c->rel_na_addr = c->na;
		/* RFC 8415 18.2.7: stop using the address before releasing it */
		lease_lose(c, CLIENT_LOSS_STOPPED);
		c->has_na = false;
		c->after_release = CLIENT_IDLE;
		state_transition(c, CLIENT_RELEASING);
		run_due(c);
		return;
	}
	c->has_v4 = false;
	c->lease_reported = false;
	c->has_na = false;
	c->t1_at = c->t2_at = c->pref_at = c->valid_at = UINT64_MAX;
	if (c->state != CLIENT_IDLE)
		state_transition(c, CLIENT_IDLE);
}

void client_recv(struct client *c, uint64_t now_ms, const uint8_t *msg, size_t len, bool unicast)
{
	c->now_ms = now_ms;
	run_due(c);          /* overdue timers first: the packet meets the present state */
	c->stats.rx_packets++;
	recv_dispatch(c, msg, len, unicast);
	run_due(c);
}

void client_timeout(struct client *c, uint64_t now_ms)
{
	c->now_ms = now_ms;
	run_due(c);
}

int client_lease_export(const struct client *c, uint64_t now_ms, struct client_lease *l)
{
	if (!c->has_v4)
		return -ENOENT;
	fill_lease(c, now_ms, l);
	return 0;
}

/* A deadline rel seconds after the export, age_ms ago; passed -> now. */
static uint64_t restore_at(uint64_t now, uint32_t rel, uint64_t age_ms)
{
	if (rel == DHCP6_INFINITY)
		return UINT64_MAX;
	uint64_t d = (uint64_t)rel * 1000;
	if (d <= age_ms)
		return now;
	d -= age_ms;
	return now > UINT64_MAX - 1 - d ? UINT64_MAX - 1 : now + d;
}

int client_restore(struct client *c, const struct client_lease *l, uint64_t now_ms, int64_t age_s)
{
	uint64_t age_ms;

	if (c->state != CLIENT_IDLE || c->has_v4)
		return -EBUSY;
	if (!v4_usable(l->v4) || !l->server.len || l->server.len > DHCP6_DUID_MAX)
		return -EINVAL;
	c->now_ms = now_ms;
	if (c->tx_refill_ms == 0)
		c->tx_refill_ms = now_ms;
	/* a clock that went backwards gives no extra lifetime */
	age_ms = age_s <= 0 ? 0 : (uint64_t)MIN(age_s, (int64_t)DHCP6_INFINITY) * 1000;

	c->server = l->server;
	c->has_unicast = l->has_unicast;
	c->unicast = l->unicast;
	c->has_reconf_key = l->has_reconf_key && c->cfg.reconfigure_accept;
	memcpy(c->reconf_key, l->reconf_key, sizeof(c->reconf_key));
	c->reconf_replay = l->reconf_replay;
	c->has_v4 = true;
	c->v4 = l->v4;
	c->has_tep = l->has_tep && tep_usable(&l->tep);
	c->tep = l->tep;
	c->t1_at = restore_at(now_ms, l->t1, age_ms);
	c->t2_at = restore_at(now_ms, l->t2, age_ms);
	c->pref_at = restore_at(now_ms, l->preferred, age_ms);
	c->valid_at = restore_at(now_ms, l->valid, age_ms);
	c->has_na = l->has_na && c->cfg.want_na;
	c->na = l->na;
	c->na_pref_at = restore_at(now_ms, l->na_preferred, age_ms);
	c->na_valid_at = restore_at(now_ms, l->na_valid, age_ms);
	c->started = true;
	log_info("dstm client: restoring a lease %" PRId64 " s old", age_s);

	if (c->valid_at <= now_ms || l->valid == 0) {
		/* dstm-04 6.3 step 2, as if the daemon had run all along */
		c->started = false;
		lease_expire(c);
		run_due(c);
		return -ESTALE;
	}
	lease_report(c);
	if (c->t2_at <= now_ms)
		state_transition(c, CLIENT_REBINDING);
	else if (c->t1_at <= now_ms)
		state_transition(c, CLIENT_RENEWING);
	else
		state_transition(c, CLIENT_BOUND);
	run_due(c);
	return 0;
}
