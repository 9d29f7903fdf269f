/* ds46-mnd glue: see mn.h for the arrangement and docs/man/ds46-mnd.8.md. */
#include "mip4/mn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/udp4.h"

#define MN_RX_BATCH 16
#define MN_NL_BUF 16384

/* ---- names and counters ------------------------------------------------------- */

static const char *const where_names[MN_WHERE_COUNT] = { "unknown", "home", "away" };

const char *mn_where_name(enum mn_where w)
{
	return (unsigned)w < MN_WHERE_COUNT ? where_names[w] : "?";
}

static const char *const stat_names[] = {
#define X(n) #n,
	MN_COUNTERS(X)
#undef X
};

size_t mn_stat_count(void)
{
	return ARRAY_SIZE(stat_names);
}

const char *mn_stat_name(size_t i)
{
	return i < ARRAY_SIZE(stat_names) ? stat_names[i] : NULL;
}

uint64_t mn_stat_get(const struct mn_stats *s, size_t i)
{
	const uint64_t *v = (const uint64_t *)s;

	return i < ARRAY_SIZE(stat_names) ? v[i] : 0;
}

/* ---- where the node is (pure) ----------------------------------------------------- */

static uint32_t mask_of(unsigned plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

uint32_t mn_home_net(const struct mn_cfg *c)
{
	return c->home_agent & mask_of(c->home_plen);
}

bool mn_in_home_net(const struct mn_cfg *c, uint32_t a)
{
	return (a & mask_of(c->home_plen)) == mn_home_net(c);
}

bool mn_coa_usable(const struct mn_addr4 *a)
{
	uint32_t h = ntohl(a->addr);

	if (a->scope != RT_SCOPE_UNIVERSE || (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return false;
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 16) == 0xa9fe || (h >> 28) >= 0xe)
		return false;
	/* the subnet's broadcast address (never a host's) */
	if (a->plen > 0 && a->plen < 31 && (h | ~(~0u << (32 - a->plen))) == h)
		return false;
	return true;
}

void mn_locate(const struct mn_cfg *c, uint32_t home, const struct mn_addr4 *a, size_t n,
	       uint32_t current, struct mn_location *out)
{
	uint32_t first = 0;
	bool keep = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (home && a[i].addr == home && a[i].scope == RT_SCOPE_UNIVERSE) {
			out->where = MN_WHERE_HOME;
			out->home_addr_present = true;
			continue;
		}
		if (!mn_coa_usable(&a[i]))
			continue;
		if (mn_in_home_net(c, a[i].addr)) {
			out->where = MN_WHERE_HOME;
			continue;
		}
		if (!first)
			first = a[i].addr;
		if (current && a[i].addr == current)
			keep = true;
	}
	if (out->where == MN_WHERE_HOME || !first)
		return;
	out->where = MN_WHERE_AWAY;
	out->coa = keep ? current : first;
}

/* ---- the plan (pure) -------------------------------------------------------------- */

int mn_addr6_of(const struct mip_prefix *g, struct mn_addr6 *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = g->prefix;
	if (g->plen == MIP4_V6_PLEN_LINK_LOCAL) {
		out->plen = 64;
		return 0;
	}
	if (g->plen == 0 || g->plen > 128)
		return -EINVAL;
	out->plen = 128;
	if (g->plen < 128)
		out->addr.s6_addr[15] |= 1;
	return 0;
}

static bool addr6_is_ll(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

void mn_plan_of(const struct mn_cfg *c, enum mn_where where, uint32_t coa, uint32_t home,
		const struct mn_reg_binding *b, struct mn_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->home = home;
	p->dp.encap = c->encap;
	if (where != MN_WHERE_AWAY) {
		/* at home (or lost): nothing is tunnelled, nothing of ours in
		 * the kernel */
		p->dp.at_home = true;
		return;
	}
	p->away = home != 0;
	p->route4 = home != 0;
	if (!b || !home)
		return;
	p->registered = true;
	p->dp.home = ntohl(home);
	p->dp.ha = ntohl(b->home_agent);
	p->dp.coa = ntohl(coa);
	p->dp.encap = b->encap;
	for (uint8_t i = 0; i < b->n_v6 && i < MN_REG_MAX_V6; i++) {
		const struct mn_v6_result *v = &b->v6[i];
		struct mn_addr6 a;

		if (v->outcome != MN_V6_ACCEPTED || mn_addr6_of(&v->granted, &a) < 0)
			continue;
		if (p->dp.v6_mode == MIP_V6_NONE)
			p->dp.v6_mode = v->mode;
		p->prefix[p->n_prefix++] = v->granted;
		p->addr6[p->n_addr6++] = a;
		if (!p->route6 && !addr6_is_ll(&a.addr)) {
			p->route6 = true;
			p->src6 = a.addr;
		}
	}
}

/* ---- the state file (pure) ---------------------------------------------------------- */

int mn_state_format(const struct mn_reg_persist *p, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "{\"ts_offset\":%" PRId32 ",\"last_id\":%" PRIu64 ",\"nonce\":%" PRIu32
			 ",\"home_addr\":%" PRIu32 "}\n",
			 p->ts_offset, p->last_id, p->nonce, ntohl(p->home_addr));
	return n < 0 || (size_t)n >= len ? -ENOBUFS : n;
}

int mn_state_parse(const char *text, struct mn_reg_persist *p)
{
	int32_t off;
	uint64_t id;
	uint32_t nonce, home;
	int used = 0;

	if (sscanf(text,
		   " {\"ts_offset\":%" SCNd32 ",\"last_id\":%" SCNu64 ",\"nonce\":%" SCNu32
		   ",\"home_addr\":%" SCNu32 "}%n",
		   &off, &id, &nonce, &home, &used) != 4 || used == 0)
		return -EBADMSG;
	for (const char *s = text + used; *s; s++)
		if (*s != '\n' && *s != ' ')
			return -EBADMSG;
	p->ts_offset = off;
	p->last_id = id;
	p->nonce = nonce;
	p->home_addr = htonl(home);
	return 0;
}

/* ---- the daemon ----------------------------------------------------------------------- */

static void mn_now(struct mn_reg_now *now)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	now->ms = now_ms_mono();
	now->unix_sec = ts.tv_sec;
	now->unix_nsec = (uint32_t)ts.tv_nsec;
	if (getrandom(&now->random, sizeof(now->random), 0) != sizeof(now->random))
		now->random = (uint32_t)(now->ms * 2654435761u) ^ (uint32_t)ts.tv_nsec;
}

static void kerr(struct mn *m, const char *what, int r)
{
	m->st.kernel_errors++;
	log_rl(LOG_WARNING, "%s: %s", what, strerror(-r));
}

static void state_save(struct mn *m)
{
	struct mn_reg_persist p;
	char text[256], tmp[300];
	int fd, n;

	mn_reg_export(&m->reg, &p);
	n = mn_state_format(&p, text, sizeof(text));
	snprintf(tmp, sizeof(tmp), "%s.tmp", m->cfg->state_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = n > 0 && fd >= 0 && write(fd, text, (size_t)n) == n && fsync(fd) == 0;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (ok && rename(tmp, m->cfg->state_file) < 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		m->st.state_errors++;
		log_rl(LOG_WARNING, "state file %s: %s", m->cfg->state_file, strerror(e));
		unlink(tmp);
		return;
	}
	m->st.state_writes++;
}

static void state_load(struct mn *m)
{
	char text[512];
	struct mn_reg_persist p;
	int fd = open(m->cfg->state_file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	if (mn_state_parse(text, &p) < 0 || mn_reg_restore(&m->reg, &p) < 0) {
		log_warn("state file %s is unusable: ignored", m->cfg->state_file);
		return;
	}
	log_info("state file %s: replay state restored", m->cfg->state_file);
}

/* ---- kernel: addresses and routes ------------------------------------------------------ */

static void route_halves4(struct mn *m, uint32_t home, bool add)
{
	for (int i = 0; i < 2; i++) {
		struct nl_route rt = { .family = AF_INET, .dst_len = 1, .oif = m->tun };
		int r;

		nl_addr_set4(&rt.dst, (struct in_addr){ .s_addr = htonl(i ? 0x80000000u : 0) });
		if (add) {
			nl_addr_set4(&rt.prefsrc, (struct in_addr){ .s_addr = home });
			r = nl_route_replace(&m->nl, &rt);
			if (r < 0)
				kerr(m, "IPv4 route into the TUN", r);
		} else {
			nl_route_del(&m->nl, &rt);
		}
	}
}

static void route_halves6(struct mn *m, const struct in6_addr *src, bool add)
{
	for (int i = 0; i < 2; i++) {
		struct nl_route rt = { .family = AF_INET6, .dst_len = 1, .oif = m->tun };
		struct in6_addr d = { 0 };
		int r;

		d.s6_addr[0] = i ? 0x80 : 0;
		nl_addr_set6(&rt.dst, &d);
		if (add) {
			nl_addr_set6(&rt.prefsrc, src);
			r = nl_route_replace(&m->nl, &rt);
			if (r < 0)
				kerr(m, "IPv6 route into the TUN", r);
		} else {
			nl_route_del(&m->nl, &rt);
		}
	}
}

static bool has_addr6(const struct mn_plan *p, const struct mn_addr6 *a)
{
	for (uint8_t i = 0; i < p->n_addr6; i++)
		if (p->addr6[i].plen == a->plen &&
		    memcmp(&p->addr6[i].addr, &a->addr, sizeof(a->addr)) == 0)
			return true;
	return false;
}

static void engine_apply(struct mn *m, const struct mn_plan *p)
{
	int r;

	m->e.icmp_src = 0;
	if (p->registered || p->dp.at_home) {
		r = dp_mip_mn_set(&m->e, &p->dp);
		if (r < 0) {
			m->st.dataplane_errors++;
			log_rl(LOG_WARNING, "tunnel engine: %s", strerror(-r));
		}
	} else {
		dp_mip_mn_unregistered(&m->e);
	}
	dp_mip_mn_prefix_clear(&m->e);
	for (uint8_t i = 0; i < p->n_prefix; i++) {
		r = dp_mip_mn_prefix_add(&m->e, &p->prefix[i].prefix, p->prefix[i].plen);
		if (r < 0) {
			m->st.dataplane_errors++;
			log_rl(LOG_WARNING, "tunnel engine: IPv6 prefix: %s", strerror(-r));
		}
	}
	m->e.mip.icmp6_src = p->route6 ? p->src6 : in6addr_any;
}

/* Bring the kernel and the engine from m->applied to p. */
static void plan_apply(struct mn *m, const struct mn_plan *p)
{
	struct mn_plan *o = &m->applied;
	struct nl_addr a;
	int r;

	engine_apply(m, p);
	/* removals first */
	if (o->route6 && (!p->route6 || memcmp(&o->src6, &p->src6, sizeof(p->src6))))
		route_halves6(m, &o->src6, false);
	if (o->route4 && (!p->route4 || o->home != p->home))
		route_halves4(m, o->home, false);
	for (uint8_t i = 0; i < o->n_addr6; i++) {
		if (has_addr6(p, &o->addr6[i]))
			continue;
		nl_addr_set6(&a, &o->addr6[i].addr);
		nl_addr_del(&m->nl, m->tun, &a, o->addr6[i].plen);
	}
	if (o->away && (!p->away || o->home != p->home)) {
		nl_addr_set4(&a, (struct in_addr){ .s_addr = o->home });
		nl_addr_del(&m->nl, m->tun, &a, 32);
	}
	/* additions */
	if (p->away && (!o->away || o->home != p->home)) {
		nl_addr_set4(&a, (struct in_addr){ .s_addr = p->home });
		r = nl_addr_add(&m->nl, m->tun, &a, 32, 0);
		if (r < 0 && r != -EEXIST)
			kerr(m, "home address on the TUN", r);
	}
	for (uint8_t i = 0; i < p->n_addr6; i++) {
		if (has_addr6(o, &p->addr6[i]))
			continue;
		nl_addr_set6(&a, &p->addr6[i].addr);
		r = nl_addr_add(&m->nl, m->tun, &a, p->addr6[i].plen, IFA_F_NODAD);
		if (r < 0 && r != -EEXIST)
			kerr(m, "IPv6 home address on the TUN", r);
	}
	if (p->route4)
		route_halves4(m, p->home, true);
	if (p->route6)
		route_halves6(m, &p->src6, true);
	*o = *p;
}

static void plan_update(struct mn *m)
{
	struct mn_plan p;

	mn_plan_of(m->cfg, m->loc.where, m->loc.coa, m->reg.home_addr, mn_reg_binding(&m->reg), &p);
	plan_apply(m, &p);
}

static void ha_route_del(struct mn *m)
{
	struct nl_route rt = { .family = AF_INET, .dst_len = 32, .oif = m->phys };

	if (!m->ha_route)
		return;
	nl_addr_set4(&rt.dst, (struct in_addr){ .s_addr = m->cfg->home_agent });
	nl_route_del(&m->nl, &rt);
	m->ha_route = false;
}

/* HA/32 by the way the kernel routes it over the home interface now (our
 * half-default routes must be out of the way). */
static void ha_route_add(struct mn *m)
{
	struct nl_route got, rt = { .family = AF_INET, .dst_len = 32, .oif = m->phys };
	struct nl_addr dst;
	int r;

	nl_addr_set4(&dst, (struct in_addr){ .s_addr = m->cfg->home_agent });
	r = nl_route_get(&m->nl, &dst, &got);
	if (r < 0 || got.oif != m->phys) {
		log_info("no route to the home agent over %s yet: registrations leave by it "
			 "anyway (bound sockets)", m->cfg->home_interface);
		return;
	}
	rt.dst = dst;
	rt.gateway = got.gateway;
	/* an ICMP redirect to the home agent itself (a shared medium): on-link */
	if (got.gateway.family == AF_INET && got.gateway.v4.s_addr == m->cfg->home_agent)
		rt.gateway.family = AF_UNSPEC;
	r = nl_route_replace(&m->nl, &rt);
	if (r < 0) {
		kerr(m, "route to the home agent", r);
		return;
	}
	m->ha_route = true;
}

static void home_addr_on_link(struct mn *m, bool add)
{
	struct nl_addr a;
	char b[ADDR4_STRLEN];
	int r;

	if (add == m->added_home_addr || (add && !m->reg.home_addr))
		return;
	nl_addr_set4(&a, (struct in_addr){ .s_addr = add ? m->reg.home_addr : m->applied_home_on_link });
	if (add) {
		r = nl_addr_add(&m->nl, m->phys, &a, m->cfg->home_plen, 0);
		if (r < 0 && r != -EEXIST) {
			kerr(m, "home address on the home interface", r);
			return;
		}
		m->applied_home_on_link = m->reg.home_addr;
		log_info("home address %s/%u on %s", fmt_in4(ntohl(m->reg.home_addr), b),
			 m->cfg->home_plen, m->cfg->home_interface);
	} else {
		nl_addr_del(&m->nl, m->phys, &a, m->cfg->home_plen);
	}
	m->added_home_addr = add;
}

/* ---- registration client ---------------------------------------------------------------- */

static void arm_timer(struct mn *m)
{
	uint64_t next = mn_reg_next_timeout(&m->reg), now = now_ms_mono();

	event_del(m->ev_timer);
	if (next == UINT64_MAX)
		return;
	uint64_t d = next > now ? next - now : 0;
	struct timeval tv = { .tv_sec = (time_t)(d / 1000),
			      .tv_usec = (suseconds_t)(d % 1000) * 1000 };
	event_add(m->ev_timer, &tv);
}

static void log_binding(const struct mn_reg_binding *b)
{
	char h[ADDR4_STRLEN], c[ADDR4_STRLEN], p[ADDR6_STRLEN];

	log_info("registered: home %s care-of %s lifetime %u%s, %s", fmt_in4(ntohl(b->home_addr), h),
		 fmt_in4(ntohl(b->coa), c), b->lifetime,
		 b->lifetime == MN_REG_LIFETIME_INFINITE ? " (infinite)" : "s",
		 encap4_kind_name(b->encap));
	for (uint8_t i = 0; i < b->n_v6; i++)
		log_info("  IPv6 %s/%u: %s (code %u)", fmt_in6(&b->v6[i].granted.prefix, p),
			 b->v6[i].granted.plen, mn_v6_outcome_name(b->v6[i].outcome), b->v6[i].code);
}

static void act(struct mn *m, const struct mn_reg_out *out)
{
	char a[ADDR4_STRLEN];

	m->e.now = (uint32_t)now_wall();   /* the engine's path MTU ageing */
	if (out->send) {
		struct udp4_msg msg = {
			.buf = (uint8_t *)out->msg,
			.len = out->len,
			.peer = { .sin_family = AF_INET, .sin_port = htons(MIP4_PORT),
				  .sin_addr.s_addr = out->dst },
			.local.s_addr = out->src,
			.ttl = out->ttl,
		};
		int r = udp4_send(m->udp_fd, &msg);
		if (r < 0) {
			m->st.tx_errors++;
			log_rl(LOG_WARNING, "registration request to %s: %s",
			       fmt_in4(ntohl(out->dst), a), strerror(-r));
		}
	}
	if (out->events & MN_EV_REGISTERED) {
		log_binding(&out->binding);
		state_save(m);
	}
	if (out->events & MN_EV_DEREGISTERED) {
		log_info("deregistered at home%s",
			 out->dereg_confirmed ? "" : " (not confirmed by the home agent)");
		state_save(m);
	}
	if (out->events)
		plan_update(m);
	arm_timer(m);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	struct mn_reg_now now;
	static struct mn_reg_out out;

	(void)fd;
	(void)what;
	mn_now(&now);
	memset(&out, 0, sizeof(out));
	mn_reg_tick(&m->reg, &now, &out);
	act(m, &out);
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	static uint8_t bufs[MN_RX_BATCH][MN_REG_MSG_MAX + 1];
	static struct mn_reg_out out;
	struct udp4_msg msgs[MN_RX_BATCH];

	(void)what;
	for (int round = 0; round < 4; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < MN_RX_BATCH; i++) {
			msgs[i].buf = bufs[i];
			msgs[i].size = sizeof(bufs[i]);
		}
		int n = udp4_recv_batch((int)fd, msgs, MN_RX_BATCH);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			m->st.drop_rx_error++;
			log_rl(LOG_WARNING, "registration socket: %s", strerror(-n));
			if (n == -ECONNREFUSED || n == -EHOSTUNREACH || n == -ENETUNREACH)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct mn_reg_now now;

			m->st.rx_datagrams++;
			if (msgs[i].truncated) {
				m->st.drop_rx_truncated++;
				log_rl(LOG_NOTICE, "registration socket: datagram too long: dropped");
				continue;
			}
			mn_now(&now);
			memset(&out, 0, sizeof(out));
			mn_reg_recv(&m->reg, &now, msgs[i].buf, msgs[i].len,
				    msgs[i].peer.sin_addr.s_addr, &out);
			act(m, &out);
		}
		if (n < MN_RX_BATCH)
			break;
	}
}

/* ---- movement detection ------------------------------------------------------------------ */

struct addr_list {
	size_t n;
	struct mn_addr4 a[32];
};

static int collect4(const struct nl_addr_info *ai, void *data)
{
	struct addr_list *l = data;

	if (ai->addr.family != AF_INET || l->n >= ARRAY_SIZE(l->a))
		return 0;
	l->a[l->n++] = (struct mn_addr4){ .addr = ai->addr.v4.s_addr, .plen = ai->prefixlen,
					  .scope = ai->scope, .flags = ai->flags };
	return 0;
}

static void relocate(struct mn *m)
{
	struct addr_list l = { 0 };
	struct mn_location loc;
	static struct mn_reg_out out;
	struct mn_reg_now now;
	char a[ADDR4_STRLEN];
	int r;

	m->st.addr_dumps++;
	for (int tries = 0; tries < 3; tries++) {
		l.n = 0;
		r = nl_addr_list(&m->nl, m->phys, AF_INET, collect4, &l);
		if (r != -EINTR)
			break;
	}
	if (r < 0) {
		kerr(m, "address dump of the home interface", r);
		return;
	}
	mn_locate(m->cfg, m->reg.home_addr, l.a, l.n, m->loc.coa, &loc);
	if (loc.where == m->loc.where && loc.coa == m->loc.coa && !m->link_lost) {
		m->loc.home_addr_present = loc.home_addr_present;
		return;
	}
	if (loc.where != MN_WHERE_UNKNOWN)
		m->link_lost = false;
	mn_now(&now);
	memset(&out, 0, sizeof(out));
	switch (loc.where) {
	case MN_WHERE_UNKNOWN:
		/* e.g. between the flush and the new address of a move: wait */
		if (!m->link_lost)
			log_info("no usable IPv4 address on %s: waiting", m->cfg->home_interface);
		/* the same address back (flushed and re-added) re-checks the
		 * route to the home agent: the flush took it */
		m->link_lost = true;
		m->loc.home_addr_present = false;
		return;
	case MN_WHERE_HOME:
		m->st.home_events++;
		m->loc = loc;
		log_info("at home on %s", m->cfg->home_interface);
		ha_route_del(m);
		plan_update(m);
		if (!loc.home_addr_present)
			home_addr_on_link(m, true);
		mn_reg_home(&m->reg, &now, &out);
		act(m, &out);
		return;
	case MN_WHERE_AWAY:
	case MN_WHERE_COUNT:
		break;
	}
	if (loc.coa != m->loc.coa || m->loc.where != MN_WHERE_AWAY)
		m->st.moves++;
	log_info("away from home: care-of address %s on %s", fmt_in4(ntohl(loc.coa), a),
		 m->cfg->home_interface);
	home_addr_on_link(m, false);
	/* HA/32 as the kernel routes it without our half-defaults */
	ha_route_del(m);
	if (m->applied.route4) {
		route_halves4(m, m->applied.home, false);
		m->applied.route4 = false;
	}
	ha_route_add(m);
	m->loc = loc;
	r = mn_reg_away(&m->reg, &now, loc.coa, &out);
	if (r < 0)
		log_warn("care-of address %s refused: %s", fmt_in4(ntohl(loc.coa), a), strerror(-r));
	plan_update(m);
	act(m, &out);
}

static void on_nl(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	static uint8_t buf[MN_NL_BUF] __attribute__((aligned(4)));
	bool again = false;

	(void)fd;
	(void)what;
	for (int i = 0; i < 64; i++) {
		ssize_t n = nl_events_recv(&m->nlev, buf, sizeof(buf));
		size_t off = 0;
		struct nl_event ev;
		int r;

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			m->st.events_lost++;
			again = true;
			if (n != -ENOBUFS)
				break;
			continue;
		}
		while ((r = nl_event_parse(buf, (size_t)n, &off, &ev)) != 0) {
			if (r < 0)
				continue;
			if (ev.ifindex != m->phys)
				continue;
			if (ev.type == NL_EV_ADDR_ADD || ev.type == NL_EV_ADDR_DEL) {
				m->st.addr_events++;
				if (ev.addr.family == AF_INET)
					again = true;
			} else if (ev.type == NL_EV_LINK_DEL) {
				log_warn("home interface %s deleted", m->cfg->home_interface);
				again = true;
			}
		}
	}
	if (again)
		relocate(m);
}

/* ---- open / close ---------------------------------------------------------------------- */

static void on_tunnel_error(void *ctx, uint32_t dst, int err)
{
	struct mn *m = ctx;
	char a[ADDR4_STRLEN];

	m->st.tunnel_errors++;
	log_rl(LOG_WARNING, "tunnel packet to %s: %s", fmt_in4(dst, a), strerror(-err));
}

static unsigned n_v6_requests(const struct mn_cfg *c)
{
	return (unsigned)c->n_v6_prefixes + c->n_v6_dynamic + c->n_v6_iids + c->v6_link_local;
}

int mn_open(struct mn *m, const struct mn_cfg *cfg, struct event_base *base)
{
	struct mn_reg_config rc;
	uint32_t mtu = 0;
	int r;

	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->base = base;
	m->udp_fd = -1;
	m->applied.dp.at_home = true;
	m->applied.dp.encap = cfg->encap;
	mn_cfg_to_reg(cfg, &rc);
	r = mn_reg_init(&m->reg, &rc);
	if (r < 0) {
		log_err("registration client: %s", strerror(-r));
		return r;
	}
	state_load(m);

	r = dp_init(&m->e, DP_ROLE_MIP_MN, 0);
	if (r < 0) {
		log_err("tunnel engine: %s", strerror(-r));
		return r;
	}
	m->e_init = true;

	r = nl_open(&m->nl);
	if (r < 0) {
		log_err("netlink: %s", strerror(-r));
		return r;
	}
	m->nl_open = true;
	m->phys = nl_link_index(&m->nl, cfg->home_interface);
	if (m->phys < 0) {
		r = m->phys;
		log_err("home interface %s: %s", cfg->home_interface, strerror(-r));
		return r;
	}
	if (nl_link_get_mtu(&m->nl, m->phys, &mtu) == 0 && mtu >= 576 && mtu <= 65535)
		m->e.mip.link_mtu = (uint16_t)mtu;

	struct dp_io4_config ioc = {
		.tun_name = cfg->tunnel_interface,
		.tun_ipv4_only = n_v6_requests(cfg) == 0,
		.protocols = DP_IO4_PROTO_ALL,
		.ifname = cfg->home_interface,
		.tunnel_error = on_tunnel_error,
		.ctx = m,
	};
	r = dp_io4_open(&m->e, base, &ioc, &m->io);
	if (r < 0) {
		log_err("data plane (TUN %s): %s", cfg->tunnel_interface, strerror(-r));
		return r;
	}
	snprintf(m->tun_name, sizeof(m->tun_name), "%s", dp_io4_tun(m->io)->name);
	m->tun = dp_io4_tun(m->io)->ifindex;
	/* RFC 2003 4.1: the tunnel MTU below the link's (GRE: 4 more) */
	uint32_t overhead = cfg->encap == ENCAP4_GRE ? 24 : 20;
	r = nl_link_set_mtu(&m->nl, m->tun, m->e.mip.link_mtu - overhead);
	if (r < 0)
		kerr(m, "TUN MTU", r);
	r = nl_link_set_up(&m->nl, m->tun, true);
	if (r < 0) {
		log_err("TUN %s up: %s", m->tun_name, strerror(-r));
		return r;
	}

	r = nl_events_open(&m->nlev, NL_EVENTS_LINK | NL_EVENTS_IPV4_ADDR, 1 << 20);
	if (r < 0) {
		log_err("netlink events: %s", strerror(-r));
		return r;
	}
	m->nlev_open = true;

	struct udp4_config uc = { .addr.s_addr = INADDR_ANY, .port = 0,
				  .ifname = cfg->home_interface };
	m->udp_fd = udp4_open(&uc);
	if (m->udp_fd < 0) {
		r = m->udp_fd;
		log_err("registration socket: %s", strerror(-r));
		return r;
	}

	m->ev_udp = event_new(base, m->udp_fd, EV_READ | EV_PERSIST, on_udp, m);
	m->ev_nl = event_new(base, nl_fd(&m->nlev), EV_READ | EV_PERSIST, on_nl, m);
	m->ev_timer = evtimer_new(base, on_timer, m);
	if (!m->ev_udp || !m->ev_nl || !m->ev_timer || event_add(m->ev_udp, NULL) < 0 ||
	    event_add(m->ev_nl, NULL) < 0)
		return -ENOMEM;

	r = mn_ctl_open(m);
	if (r < 0) {
		log_err("control socket %s: %s", cfg->control_socket, strerror(-r));
		return r;
	}
	relocate(m);
	return 0;
}

void mn_close(struct mn *m)
{
	static struct mn_reg_out out;
	struct mn_reg_now now;
	struct mn_plan none;

	if (!m->cfg)
		return;
	mn_now(&now);
	memset(&out, 0, sizeof(out));
	/* RFC 5944 3.6.1.2: a lifetime-0 request for the binding in force */
	bool dereg = m->udp_fd >= 0 && m->loc.where == MN_WHERE_AWAY &&
		     (m->reg.bound || m->reg.pending);
	mn_reg_stop(&m->reg, &now, dereg, &out);
	if (out.send && m->udp_fd >= 0) {
		struct udp4_msg msg = {
			.buf = out.msg, .len = out.len,
			.peer = { .sin_family = AF_INET, .sin_port = htons(MIP4_PORT),
				  .sin_addr.s_addr = out.dst },
			.local.s_addr = out.src, .ttl = out.ttl,
		};
		int r = udp4_send(m->udp_fd, &msg);
		if (r < 0)
			log_warn("deregistration: %s", strerror(-r));
		else
			log_info("deregistration sent");
	}
	if (m->e_init)
		state_save(m);
	if (m->nl_open) {
		memset(&none, 0, sizeof(none));
		none.dp.at_home = true;
		none.dp.encap = m->cfg->encap;
		if (m->tun > 0 && m->e_init)
			plan_apply(m, &none);
		ha_route_del(m);
		home_addr_on_link(m, false);
	}
	if (m->ctl)
		ctl_server_close(m->ctl);
	if (m->ev_udp)
		event_free(m->ev_udp);
	if (m->ev_nl)
		event_free(m->ev_nl);
	if (m->ev_timer)
		event_free(m->ev_timer);
	if (m->udp_fd >= 0)
		close(m->udp_fd);
	dp_io4_close(m->io);
	if (m->nlev_open)
		nl_close(&m->nlev);
	if (m->nl_open)
		nl_close(&m->nl);
	if (m->e_init)
		dp_free(&m->e);
	m->cfg = NULL;
}
