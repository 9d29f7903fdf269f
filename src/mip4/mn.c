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

#include <linux/filter.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/util.h"
#include "os/sysctl.h"
#include "os/udp4.h"
#include "wire/ip.h"
#include "wire/udptun.h"

#define MN_RX_BATCH 16
/* A registration reply or RFC 3519 tunnel data (a whole inner packet of
 * the path: the registration socket carries both, 3.3); the home agent's
 * receive buffers are as large (HA_RX_MAX). */
#define MN_RX_MAX 4096
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
	uint8_t first_plen = 0, keep_plen = 0;
	bool keep = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (home && a[i].addr == home && a[i].scope == RT_SCOPE_UNIVERSE) {
			out->where = MN_WHERE_HOME;
			out->home_addr_present = true;
			if (!out->link_addr) {
				out->link_addr = a[i].addr;
				out->link_plen = a[i].plen;
			}
			continue;
		}
		if (!mn_coa_usable(&a[i]))
			continue;
		if (mn_in_home_net(c, a[i].addr)) {
			out->where = MN_WHERE_HOME;
			if (!out->link_addr) {
				out->link_addr = a[i].addr;
				out->link_plen = a[i].plen;
			}
			continue;
		}
		if (!first) {
			first = a[i].addr;
			first_plen = a[i].plen;
		}
		if (current && a[i].addr == current) {
			keep = true;
			keep_plen = a[i].plen;
		}
	}
	if (out->where == MN_WHERE_HOME || !first)
		return;
	out->where = MN_WHERE_AWAY;
	out->coa = keep ? current : first;
	out->link_addr = out->coa;
	out->link_plen = keep ? keep_plen : first_plen;
}

void mn_locate_agent(const struct mn_location *by_addr, enum mn_disc_state ds,
		     const struct mn_disc_agent *agent, const uint8_t *mac,
		     struct mn_location *out)
{
	*out = *by_addr;
	out->fa = 0;
	out->fa_flags = 0;
	memset(out->fa_mac, 0, sizeof(out->fa_mac));
	if (ds == MN_DISC_HOME) {
		/* RFC 5944 2.4.3: our home agent's advertisement */
		out->where = MN_WHERE_HOME;
		out->coa = 0;
		return;
	}
	if (by_addr->where == MN_WHERE_HOME || ds != MN_DISC_FOREIGN || !agent || !agent->coa)
		return;
	out->where = MN_WHERE_AWAY;
	out->coa = agent->coa;
	out->fa = agent->addr;
	out->fa_flags = agent->flags;
	if (mac)
		memcpy(out->fa_mac, mac, sizeof(out->fa_mac));
}

/* ---- agent discovery helpers (pure) ------------------------------------------------ */

int mn_solicit_frame(const struct mn_disc_out *o, const uint8_t src_mac[PACKET_ETH_ALEN],
		     uint8_t *out, size_t cap)
{
	/* RFC 1112 6.4: 01:00:5e + the low 23 bits of the group */
	uint32_t g = ntohl(o->dst);
	size_t n = ETH_HLEN + IP4_HDR_LEN + o->len;
	uint8_t *ip = out + ETH_HLEN;

	if (!o->solicit || o->len == 0 || o->len > sizeof(o->msg))
		return -EINVAL;
	if (cap < n)
		return -ENOBUFS;
	memset(out, 0, n);
	out[0] = 0x01;
	out[1] = 0x00;
	out[2] = 0x5e;
	out[3] = (uint8_t)((g >> 16) & 0x7f);
	out[4] = (uint8_t)(g >> 8);
	out[5] = (uint8_t)g;
	memcpy(out + 6, src_mac, PACKET_ETH_ALEN);
	out[12] = ETH_P_IP >> 8;
	out[13] = ETH_P_IP & 0xff;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((IP4_HDR_LEN + o->len) >> 8);
	ip[3] = (uint8_t)(IP4_HDR_LEN + o->len);
	ip[8] = o->ttl;
	ip[9] = IPPROTO_ICMP;
	memcpy(ip + 12, &o->src, 4);
	memcpy(ip + 16, &o->dst, 4);
	ip4_hdr_csum_set(ip, IP4_HDR_LEN);
	memcpy(ip + IP4_HDR_LEN, o->msg, o->len);
	return (int)n;
}

void mn_fa_gw6(uint32_t fa, struct in6_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[0] = 0xfe;
	out->s6_addr[1] = 0x80;
	out->s6_addr[10] = 0xff;
	out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], &fa, 4);
}

const char *mn_agent_flags_str(uint16_t flags, char *buf, size_t len)
{
	static const struct {
		uint16_t f;
		char c;
	} names[] = {
		{ AGENTADV_F_R, 'R' }, { AGENTADV_F_B, 'B' }, { AGENTADV_F_H, 'H' },
		{ AGENTADV_F_F, 'F' }, { AGENTADV_F_M, 'M' }, { AGENTADV_F_G, 'G' },
		{ AGENTADV_F_T, 'T' }, { AGENTADV_F_U, 'U' }, { AGENTADV_F_X, 'X' },
		{ AGENTADV_F_I, 'I' },
	};
	size_t k = 0;

	if (len == 0)
		return buf;
	for (size_t i = 0; i < ARRAY_SIZE(names) && k + 1 < len; i++)
		if (flags & names[i].f)
			buf[k++] = names[i].c;
	if (k == 0 && len > 1)
		buf[k++] = '-';
	buf[k] = '\0';
	return buf;
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

/* RFC 3519: what the accepted reply said about UDP tunnelling (mn_reg's
 * binding: udp_tunnel, keepalive already defaulted). */
static bool binding_udp_tunnel(const struct mn_reg_binding *b)
{
	return b->udp_tunnel;
}

static uint16_t binding_keepalive(const struct mn_reg_binding *b)
{
	return b->keepalive;
}

void mn_plan_of(const struct mn_cfg *c, const struct mn_location *loc, uint32_t home,
		const struct mn_reg_binding *b, uint16_t udp_sport, struct mn_plan *p)
{
	bool native = false;

	memset(p, 0, sizeof(*p));
	p->home = home;
	p->dp.encap = c->encap;
	if (loc->where != MN_WHERE_AWAY) {
		/* at home (or lost): nothing is tunnelled, nothing of ours in
		 * the kernel */
		p->dp.at_home = true;
		return;
	}
	p->away = home != 0;
	p->route4 = home != 0;
	if (loc->fa) {
		/* RFC 5944 4.2.2: the agent is never ARPed for with the home
		 * address: a permanent neighbour entry from its advertisement */
		p->fa = loc->fa;
		memcpy(p->fa_mac, loc->fa_mac, sizeof(p->fa_mac));
		p->fa_link = true;
		mn_fa_gw6(loc->fa, &p->gw6);
	}
	/* through a foreign agent, only a binding made through this one */
	if (!b || !home || (loc->fa && (b->colocated || b->fa != loc->fa)))
		return;
	p->registered = true;
	p->dp.home = ntohl(home);
	p->dp.ha = ntohl(b->home_agent);
	p->dp.coa = ntohl(loc->coa);
	p->dp.encap = b->encap;
	if (loc->fa && b->encap_delivery) {
		/* RFC 3024 5.2: IPv4 into the TUN, encapsulated by the engine
		 * from the home address to the agent */
		p->dp.via_fa = true;
		p->dp.fa_deliver = ntohl(b->fa);
	} else if (loc->fa) {
		/* IPv4 goes natively to the agent, which reverse-tunnels it
		 * when T was granted (RFC 3024 direct delivery) */
		p->route4 = false;
		p->route4_fa = true;
		p->dp.via_fa = true;
	}
	for (uint8_t i = 0; i < b->n_v6 && i < MN_REG_MAX_V6; i++) {
		const struct mn_v6_result *v = &b->v6[i];
		struct mn_addr6 a;

		if (v->outcome != MN_V6_ACCEPTED || mn_addr6_of(&v->granted, &a) < 0)
			continue;
		if (p->dp.v6_mode == MIP_V6_NONE)
			p->dp.v6_mode = v->mode;
		if (loc->fa && v->native_link)
			native = true;
		p->prefix[p->n_prefix++] = v->granted;
		p->addr6[p->n_addr6++] = a;
		if (!p->route6 && !addr6_is_ll(&a.addr)) {
			p->route6 = true;
			p->src6 = a.addr;
		}
	}
	if (native) {
		/* RFC 5454 3.5 code 1 through a foreign agent: IPv6 native on
		 * the link, the engine carries none */
		p->dp.v6_mode = MIP_V6_TO_COA;
		p->route6_fa = p->route6;
	}
	if (!loc->fa && b->colocated && binding_udp_tunnel(b)) {
		/* RFC 3519 3.3: tunnel data from the registration's port */
		p->dp.udp_sport = udp_sport;
		p->keepalive = binding_keepalive(b) ? binding_keepalive(b) : UDPTUN_KEEPALIVE_DEFAULT;
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

/* 0.0.0.0/1 and 128.0.0.0/1 dev oif [via gw] src src: together they beat
 * the operator's default route without removing it. */
static void route_halves4(struct mn *m, int oif, uint32_t gw, uint32_t src, bool add)
{
	for (int i = 0; i < 2; i++) {
		struct nl_route rt = { .family = AF_INET, .dst_len = 1, .oif = oif };
		int r;

		nl_addr_set4(&rt.dst, (struct in_addr){ .s_addr = htonl(i ? 0x80000000u : 0) });
		if (gw)
			nl_addr_set4(&rt.gateway, (struct in_addr){ .s_addr = gw });
		if (add) {
			nl_addr_set4(&rt.prefsrc, (struct in_addr){ .s_addr = src });
			r = nl_route_replace(&m->nl, &rt);
			if (r < 0)
				kerr(m, gw ? "IPv4 route via the foreign agent" : "IPv4 route into the TUN",
				     r);
		} else {
			nl_route_del(&m->nl, &rt);
		}
	}
}

static void route_halves6(struct mn *m, int oif, const struct in6_addr *gw,
			  const struct in6_addr *src, bool add)
{
	for (int i = 0; i < 2; i++) {
		struct nl_route rt = { .family = AF_INET6, .dst_len = 1, .oif = oif };
		struct in6_addr d = { 0 };
		int r;

		d.s6_addr[0] = i ? 0x80 : 0;
		nl_addr_set6(&rt.dst, &d);
		if (gw)
			nl_addr_set6(&rt.gateway, gw);
		if (add) {
			nl_addr_set6(&rt.prefsrc, src);
			r = nl_route_replace(&m->nl, &rt);
			if (r < 0)
				kerr(m, gw ? "IPv6 route via the foreign agent" : "IPv6 route into the TUN",
				     r);
		} else {
			nl_route_del(&m->nl, &rt);
		}
	}
}

static void routes4_del(struct mn *m, const struct mn_plan *o)
{
	if (o->route4)
		route_halves4(m, m->tun, 0, o->home, false);
	if (o->route4_fa)
		route_halves4(m, m->phys, o->fa, o->home, false);
}

static void routes6_del(struct mn *m, const struct mn_plan *o)
{
	if (o->route6)
		route_halves6(m, o->route6_fa ? m->phys : m->tun, o->route6_fa ? &o->gw6 : NULL,
			      &o->src6, false);
}

/* F/32 dev L [src home] and the PERMANENT neighbour F -> its MAC. */
static void fa_link_set(struct mn *m, const struct mn_plan *p, bool add)
{
	struct nl_route rt = { .family = AF_INET, .dst_len = 32, .oif = m->phys };
	struct nl_addr f;
	int r;

	nl_addr_set4(&f, (struct in_addr){ .s_addr = p->fa });
	rt.dst = f;
	if (!add) {
		nl_route_del(&m->nl, &rt);
		nl_neigh_del(&m->nl, m->phys, &f);
		return;
	}
	r = nl_neigh_set(&m->nl, m->phys, &f, p->fa_mac, sizeof(p->fa_mac));
	if (r < 0)
		kerr(m, "neighbour entry of the foreign agent", r);
	if (p->home)
		nl_addr_set4(&rt.prefsrc, (struct in_addr){ .s_addr = p->home });
	r = nl_route_replace(&m->nl, &rt);
	if (r < 0)
		kerr(m, "route to the foreign agent", r);
}

static void fa_neigh6_set(struct mn *m, const struct mn_plan *p, bool add)
{
	struct nl_addr g;
	int r;

	nl_addr_set6(&g, &p->gw6);
	if (!add) {
		nl_neigh_del(&m->nl, m->phys, &g);
		return;
	}
	r = nl_neigh_set(&m->nl, m->phys, &g, p->fa_mac, sizeof(p->fa_mac));
	if (r < 0)
		kerr(m, "IPv6 neighbour entry of the foreign agent", r);
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

static void keepalive_update(struct mn *m, const struct mn_plan *p);

/* Bring the kernel and the engine from m->applied to p. */
static void plan_apply(struct mn *m, const struct mn_plan *p)
{
	struct mn_plan *o = &m->applied;
	struct nl_addr a;
	int r;
	bool same_fa = o->fa == p->fa && memcmp(o->fa_mac, p->fa_mac, sizeof(p->fa_mac)) == 0;
	bool same4 = o->route4 == p->route4 && o->route4_fa == p->route4_fa && o->home == p->home &&
		     (!p->route4_fa || o->fa == p->fa);
	bool same6 = o->route6 == p->route6 && o->route6_fa == p->route6_fa &&
		     memcmp(&o->src6, &p->src6, sizeof(p->src6)) == 0 &&
		     (!p->route6_fa || memcmp(&o->gw6, &p->gw6, sizeof(p->gw6)) == 0);

	engine_apply(m, p);
	/* removals first */
	if (!same6)
		routes6_del(m, o);
	if (o->route6_fa && !(p->route6_fa && same_fa))
		fa_neigh6_set(m, o, false);
	if (!same4)
		routes4_del(m, o);
	if (o->fa_link && !(p->fa_link && same_fa && o->home == p->home))
		fa_link_set(m, o, false);
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
	if (p->fa_link)
		fa_link_set(m, p, true);
	if (p->route4)
		route_halves4(m, m->tun, 0, p->home, true);
	if (p->route4_fa)
		route_halves4(m, m->phys, p->fa, p->home, true);
	if (p->route6_fa)
		fa_neigh6_set(m, p, true);
	if (p->route6)
		route_halves6(m, p->route6_fa ? m->phys : m->tun, p->route6_fa ? &p->gw6 : NULL,
			      &p->src6, true);
	keepalive_update(m, p);
	*o = *p;
}

static void plan_update(struct mn *m)
{
	struct mn_plan p;

	mn_plan_of(m->cfg, &m->loc, m->reg.home_addr, mn_reg_binding(&m->reg), m->udp_port, &p);
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

/* ---- NAT traversal (RFC 3519) ------------------------------------------------------------ */

/* MIP tunnel data on the registration socket: the engine checks it (from
 * the home agent's port 434 to our care-of address) and unwraps it. */
static void udptun_rx(struct mn *m, struct udp4_msg *msg)
{
	struct dp_out o;

	m->st.udptun_rx++;
	m->ka_unanswered = 0;
	memset(&o, 0, sizeof(o));
	m->e.now = (uint32_t)now_wall();
	dp_mip_udptun_in(&m->e, msg->buf, msg->len, ntohl(msg->peer.sin_addr.s_addr),
			 ntohs(msg->peer.sin_port), ntohl(msg->local.s_addr), &o);
	if (o.verdict == DP_TO_TUN || o.verdict == DP_ICMP_TO_TUN) {
		m->st.udptun_rx_to_tun++;
		dp_io4_tun_write(m->io, o.pkt, o.len);
		return;
	}
	m->st.udptun_rx_dropped++;
	log_rl(LOG_DEBUG, "UDP tunnel data dropped: %s", o.why ? o.why : "?");
}

/* RFC 3519 4.9: an ICMP echo request from the home address to the home
 * agent in UDP tunnel data, from the registration socket. */
static void keepalive_send(struct mn *m)
{
	uint8_t buf[UDPTUN_HDR_LEN + IP4_HDR_LEN + UDPTUN_ECHO_HDR_LEN + 16], *msg = NULL;
	const struct mn_plan *p = &m->applied;
	struct udptun_keepalive k = {
		.type = UDPTUN_ECHO_REQUEST,
		.src = htonl(p->dp.home),
		.dst = htonl(p->dp.ha),
		.id = (uint16_t)(m->udp_port ^ 0x4d4e),
		.seq = ++m->ka_seq,
	};
	char a[ADDR4_STRLEN];
	int n, r;

	n = udptun_keepalive_build(&k, m->ka_seq, buf + UDPTUN_HDR_LEN, sizeof(buf) - UDPTUN_HDR_LEN);
	if (n >= 0)
		n = udptun_hdr_put(UDPTUN_NH_IPV4, buf + UDPTUN_HDR_LEN, (size_t)n, UDPTUN_HDR_LEN,
				   &msg);
	if (n < 0) {
		m->st.udptun_keepalive_errors++;
		log_rl(LOG_WARNING, "UDP tunnel keepalive: %s", strerror(-n));
		return;
	}
	struct udp4_msg um = {
		.buf = msg,
		.len = (size_t)n,
		.peer = { .sin_family = AF_INET, .sin_port = htons(UDPTUN_PORT),
			  .sin_addr.s_addr = htonl(p->dp.ha) },
		.local.s_addr = htonl(p->dp.coa),
	};
	r = udp4_send(m->udp_fd, &um);
	if (r < 0) {
		m->st.udptun_keepalive_errors++;
		log_rl(LOG_WARNING, "UDP tunnel keepalive to %s: %s", fmt_in4(p->dp.ha, a),
		       strerror(-r));
		return;
	}
	m->st.udptun_keepalives++;
}

/* The keepalive check runs every K/4 seconds (at least 1): a keepalive
 * goes when no tunnel packet went out for three of them (RFC 3519 4.9:
 * within every K seconds of silence). */
static uint32_t keepalive_period_ms(uint16_t k)
{
	return k >= 4 ? (uint32_t)k * 250u : 1000u;
}

static void keepalive_arm(struct mn *m)
{
	uint32_t ms = keepalive_period_ms(m->applied.keepalive);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	event_add(m->ev_ka, &tv);
}

static uint64_t tunnel_tx(const struct mn *m)
{
	struct dp_io4_stats st;

	if (!m->io)
		return 0;
	dp_io4_get_stats(m->io, &st);
	return st.tx_packets;
}

static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	uint64_t now = now_ms_mono(), tx = tunnel_tx(m);

	(void)fd;
	(void)what;
	if (!m->applied.keepalive)
		return;
	if (tx != m->ka_tx_seen) {
		m->ka_tx_seen = tx;
		m->ka_last_ms = now;
	} else if (now - m->ka_last_ms >= 3ull * keepalive_period_ms(m->applied.keepalive)) {
		if (m->ka_unanswered >= MN_KEEPALIVE_TRIES) {
			/* RFC 3519 4.10: the NAT lost its mapping: a request
			 * through the new one tells the home agent */
			static struct mn_reg_out out;
			struct mn_reg_now rn;

			log_info("%u UDP tunnel keepalives unanswered: registering again",
				 m->ka_unanswered);
			m->ka_unanswered = 0;
			m->st.udptun_reregistrations++;
			mn_now(&rn);
			memset(&out, 0, sizeof(out));
			if (mn_reg_reregister(&m->reg, &rn, &out) == 0)
				act(m, &out);
		}
		keepalive_send(m);
		m->ka_unanswered++;
		m->ka_last_ms = now;
	}
	if (m->applied.keepalive)
		keepalive_arm(m);
}

static void keepalive_update(struct mn *m, const struct mn_plan *p)
{
	if (!m->ev_ka || p->keepalive == m->applied.keepalive)
		return;
	event_del(m->ev_ka);
	if (!p->keepalive)
		return;
	m->ka_tx_seen = tunnel_tx(m);
	m->ka_last_ms = now_ms_mono();
	m->ka_unanswered = 0;
	m->applied.keepalive = p->keepalive;
	keepalive_arm(m);
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	static uint8_t bufs[MN_RX_BATCH][MN_RX_MAX];
	static struct mn_reg_out out;
	struct udp4_msg msgs[MN_RX_BATCH];
	struct udptun_view v;

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
			/* RFC 3519 3.3: MIP tunnel data shares the socket */
			if (udptun_parse(msgs[i].buf, msgs[i].len, &v, NULL) != -ENOMSG) {
				udptun_rx(m, &msgs[i]);
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

/* The home interface's IPv4 addresses into m->by_addr: false when the dump
 * failed. */
static bool scan_addrs(struct mn *m)
{
	struct addr_list l = { 0 };
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
		return false;
	}
	mn_locate(m->cfg, m->reg.home_addr, l.a, l.n, m->loc.fa ? 0 : m->loc.coa, &m->by_addr);
	return true;
}

static const uint8_t *agent_mac(const struct mn *m, uint32_t addr)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->macs); i++)
		if (m->macs[i].addr == addr && addr)
			return m->macs[i].mac;
	return NULL;
}

static void agent_mac_learn(struct mn *m, uint32_t addr, const uint8_t *mac, uint64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(m->macs); i++) {
		if (m->macs[i].addr == addr) {
			k = i;
			break;
		}
		if (m->macs[i].seen_ms < m->macs[k].seen_ms)
			k = i;
	}
	m->macs[k].addr = addr;
	memcpy(m->macs[k].mac, mac, PACKET_ETH_ALEN);
	m->macs[k].seen_ms = now;
}

/* Register through the foreign agent of m->loc (mn_reg_away_fa: nothing
 * happens when the agent, its care-of address and usable flags are those
 * of the registration in force or pending).  reboot: RFC 5944 2.4.4. */
static void register_fa(struct mn *m, bool reboot)
{
	static struct mn_reg_out out;
	struct mn_reg_now now;
	char a[ADDR4_STRLEN];
	int r;

	mn_now(&now);
	memset(&out, 0, sizeof(out));
	r = mn_reg_away_fa(&m->reg, &now, m->loc.fa, m->loc.coa, m->loc.fa_flags, &out);
	if (r < 0)
		log_warn("foreign agent %s refused: %s", fmt_in4(ntohl(m->loc.fa), a), strerror(-r));
	if (reboot && r == 0 && !out.send) {
		/* the same agent, address and flags: it lost its visitor list,
		 * register again at once */
		log_info("foreign agent %s rebooted: registering again", fmt_in4(ntohl(m->loc.fa), a));
		r = mn_reg_reregister(&m->reg, &now, &out);
		if (r < 0)
			log_warn("re-registration: %s", strerror(-r));
	}
	if (out.send) {
		m->st.fa_registrations++;
		if (reboot)
			m->st.fa_reboot_registrations++;
	}
	act(m, &out);
}

/* Act on where the node is now: m->by_addr and the agent discovery. */
static void decide(struct mn *m, unsigned disc_events)
{
	const struct mn_disc_agent *ag = m->disc_on ? mn_disc_current(&m->disc) : NULL;
	enum mn_disc_state ds = m->disc_on ? m->disc.state : MN_DISC_DOWN;
	struct mn_location loc;
	static struct mn_reg_out out;
	struct mn_reg_now now;
	char a[ADDR4_STRLEN], f[ADDR4_STRLEN];
	int r;

	mn_locate_agent(&m->by_addr, ds, ag, ag ? agent_mac(m, ag->addr) : NULL, &loc);
	if (loc.where == m->loc.where && loc.coa == m->loc.coa && loc.fa == m->loc.fa &&
	    !m->link_lost) {
		bool new_mac = memcmp(loc.fa_mac, m->loc.fa_mac, sizeof(loc.fa_mac)) != 0;

		m->loc = loc;
		if (loc.fa) {
			if (new_mac)
				plan_update(m);
			register_fa(m, (disc_events & MN_DISC_EV_REBOOTED) != 0);
		}
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
			log_info("no usable IPv4 address or agent on %s: waiting",
				 m->cfg->home_interface);
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
	if (loc.coa != m->loc.coa || loc.fa != m->loc.fa || m->loc.where != MN_WHERE_AWAY)
		m->st.moves++;
	home_addr_on_link(m, false);
	ha_route_del(m);
	if (loc.fa) {
		/* RFC 5944 3.6, 4.2.2: through the foreign agent, from the
		 * home address; no route to the home agent of ours */
		log_info("away from home: foreign agent %s, care-of address %s on %s",
			 fmt_in4(ntohl(loc.fa), f), fmt_in4(ntohl(loc.coa), a),
			 m->cfg->home_interface);
		m->loc = loc;
		plan_update(m);
		register_fa(m, false);
		return;
	}
	log_info("away from home: care-of address %s on %s", fmt_in4(ntohl(loc.coa), a),
		 m->cfg->home_interface);
	/* HA/32 as the kernel routes it without our half-defaults */
	if (m->applied.route4 || m->applied.route4_fa) {
		routes4_del(m, &m->applied);
		m->applied.route4 = m->applied.route4_fa = false;
	}
	ha_route_add(m);
	m->loc = loc;
	r = mn_reg_away(&m->reg, &now, loc.coa, &out);
	if (r < 0)
		log_warn("care-of address %s refused: %s", fmt_in4(ntohl(loc.coa), a), strerror(-r));
	plan_update(m);
	act(m, &out);
}

/* ---- agent discovery (RFC 5944 2.4) -------------------------------------------------------- */

static void disc_now(struct mn_disc_now *now)
{
	now->ms = now_ms_mono();
	if (getrandom(&now->random, sizeof(now->random), 0) != sizeof(now->random))
		now->random = (uint32_t)(now->ms * 2654435761u);
}

static void disc_arm(struct mn *m)
{
	uint64_t next = mn_disc_next_timeout(&m->disc), now = now_ms_mono();

	event_del(m->ev_disc);
	if (next == UINT64_MAX)
		return;
	uint64_t d = next > now ? next - now : 0;
	struct timeval tv = { .tv_sec = (time_t)(d / 1000),
			      .tv_usec = (suseconds_t)(d % 1000) * 1000 };
	event_add(m->ev_disc, &tv);
}

static void solicit_send(struct mn *m, const struct mn_disc_out *o)
{
	uint8_t frame[ETH_HLEN + IP4_HDR_LEN + AGENTADV_SOLICIT_LEN];
	int n = mn_solicit_frame(o, m->pkt.mac, frame, sizeof(frame));
	ssize_t r = n < 0 ? n : packet_send(&m->pkt, frame, (size_t)n);

	if (r < 0) {
		m->st.disc_tx_errors++;
		log_rl(LOG_WARNING, "agent solicitation on %s: %s", m->cfg->home_interface,
		       strerror((int)-r));
		return;
	}
	m->st.disc_tx_solicitations++;
}

/* Send what the machine asks, log its events, re-arm; the events. */
static unsigned disc_act(struct mn *m, const struct mn_disc_out *o)
{
	char a[ADDR4_STRLEN], c[ADDR4_STRLEN], fl[16];

	if (o->solicit)
		solicit_send(m, o);
	if (o->events & MN_DISC_EV_LOST)
		log_info("agent %s given up: %s", fmt_in4(ntohl(o->lost_addr), a),
			 mn_disc_lost_name(o->lost));
	if (o->events & MN_DISC_EV_MOVED)
		log_info("moved: the advertised prefixes changed (RFC 5944 2.4.2.2)");
	if (o->events & (MN_DISC_EV_AGENT | MN_DISC_EV_REBOOTED))
		log_info("foreign agent %s%s: care-of address %s, flags %s",
			 fmt_in4(ntohl(o->agent.addr), a),
			 o->events & MN_DISC_EV_REBOOTED ? " rebooted" : "",
			 fmt_in4(ntohl(o->agent.coa), c), mn_agent_flags_str(o->agent.flags, fl,
									   sizeof(fl)));
	if (o->events & MN_DISC_EV_HOME)
		log_info("home agent %s advertises on %s", fmt_in4(ntohl(o->agent.addr), a),
			 m->cfg->home_interface);
	disc_arm(m);
	return o->events;
}

static void on_disc_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	struct mn_disc_now now;
	struct mn_disc_out out;

	(void)fd;
	(void)what;
	disc_now(&now);
	memset(&out, 0, sizeof(out));
	mn_disc_tick(&m->disc, &now, &out);
	if (disc_act(m, &out))
		decide(m, out.events);
}

/* The node's address on the link, for the agent choice (2.4.1). */
static unsigned disc_addr_update(struct mn *m)
{
	struct mn_disc_now now;
	struct mn_disc_out out;

	if (!m->disc_on || (m->by_addr.link_addr == m->disc.colo_addr &&
			    m->by_addr.link_plen == m->disc.colo_plen))
		return 0;
	disc_now(&now);
	memset(&out, 0, sizeof(out));
	if (mn_disc_set_addr(&m->disc, &now, m->by_addr.link_addr, m->by_addr.link_plen, &out) < 0)
		return 0;
	return disc_act(m, &out);
}

static unsigned disc_link(struct mn *m, bool up)
{
	struct mn_disc_now now;
	struct mn_disc_out out;

	if (!m->disc_on || up == m->link_up)
		return 0;
	m->link_up = up;
	if (up)
		m->st.link_ups++;
	else
		m->st.link_downs++;
	log_info("%s is %s", m->cfg->home_interface, up ? "up" : "down");
	disc_now(&now);
	memset(&out, 0, sizeof(out));
	if (mn_disc_link(&m->disc, &now, m->phys, up, &out) < 0)
		return 0;
	return disc_act(m, &out);
}

#define MN_FRAME_MAX 1600

static void on_pkt(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	static uint8_t buf[MN_FRAME_MAX];
	static struct agentadv adv;
	unsigned events = 0;
	bool reboot = false;

	(void)fd;
	(void)what;
	for (int i = 0; i < 32; i++) {
		struct packet_rx rx;
		struct mn_disc_now now;
		struct mn_disc_out out;
		enum agentadv_drop why = AGENTADV_DROP_NONE;
		ssize_t n = packet_recv(&m->pkt, buf, sizeof(buf), &rx);
		const uint8_t *ip = buf + ETH_HLEN;
		uint32_t src;
		int r;

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			m->st.disc_rx_errors++;
			log_rl(LOG_WARNING, "agent discovery socket: %s", strerror((int)-n));
			if (n == -ENETDOWN || n == -EINTR)
				continue;
			break;
		}
		if (rx.pkt_type == PACKET_OUTGOING)
			continue;
		m->st.disc_rx_frames++;
		if (rx.len < ETH_HLEN + IP4_HDR_LEN + AGENTADV_ICMP_HDR_LEN ||
		    rx.wire_len > rx.len) {
			m->st.disc_drop_truncated++;
			log_rl(LOG_NOTICE, "agent discovery: frame of %zu octets dropped",
			       rx.wire_len);
			continue;
		}
		/* the filter's job, again: ICMP type 9, not a fragment */
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_ICMP || ihl < IP4_HDR_LEN ||
		    rx.len < ETH_HLEN + ihl + 1 || ip[ihl] != AGENTADV_ICMP_ADVERT) {
			m->st.disc_rx_other++;
			continue;
		}
		r = agentadv_parse_ip4(ip, rx.len - ETH_HLEN, &adv, NULL, &why);
		if (r == -ENOMSG) {
			m->st.disc_rx_not_agent_adv++;
			continue;
		}
		if (r < 0) {
			m->st.disc_drop_bad_adv++;
			log_rl(LOG_NOTICE, "agent advertisement dropped: %s", agentadv_drop_name(why));
			continue;
		}
		memcpy(&src, ip + 12, 4);
		disc_now(&now);
		agent_mac_learn(m, src, buf + PACKET_ETH_ALEN, now.ms);
		memset(&out, 0, sizeof(out));
		mn_disc_recv(&m->disc, &now, &adv, src, rx.ifindex ? rx.ifindex : m->phys,
			     m->by_addr.link_addr, m->by_addr.link_plen, &out);
		events |= disc_act(m, &out);
		reboot |= (out.events & MN_DISC_EV_REBOOTED) != 0;
	}
	if (events)
		decide(m, events | (reboot ? MN_DISC_EV_REBOOTED : 0));
}

/* Classic BPF on the ETH_P_IP socket: ICMP (protocol 1), not a later
 * fragment, type 9 (router advertisement); everything else stays in the
 * kernel. */
static int disc_filter(int fd)
{
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, ETH_HLEN + 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, ETH_HLEN + 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, ETH_HLEN),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, ETH_HLEN),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AGENTADV_ICMP_ADVERT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ? -errno : 0;
}

static void relocate(struct mn *m)
{
	unsigned ev;

	if (!scan_addrs(m))
		return;
	ev = disc_addr_update(m);
	decide(m, ev);
}

static void on_nl(evutil_socket_t fd, short what, void *arg)
{
	struct mn *m = arg;
	static uint8_t buf[MN_NL_BUF] __attribute__((aligned(4)));
	bool again = false;
	unsigned ev = 0;

	(void)fd;
	(void)what;
	for (int i = 0; i < 64; i++) {
		ssize_t n = nl_events_recv(&m->nlev, buf, sizeof(buf));
		size_t off = 0;
		struct nl_event nev;
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
		while ((r = nl_event_parse(buf, (size_t)n, &off, &nev)) != 0) {
			if (r < 0)
				continue;
			if (nev.ifindex != m->phys)
				continue;
			if (nev.type == NL_EV_ADDR_ADD || nev.type == NL_EV_ADDR_DEL) {
				m->st.addr_events++;
				if (nev.addr.family == AF_INET)
					again = true;
			} else if (nev.type == NL_EV_LINK_UP || nev.type == NL_EV_LINK_DOWN) {
				/* RFC 5944 2.4.2: a new attachment starts the search */
				ev |= disc_link(m, nev.type == NL_EV_LINK_UP);
			} else if (nev.type == NL_EV_LINK_DEL) {
				log_warn("home interface %s deleted", m->cfg->home_interface);
				ev |= disc_link(m, false);
				again = true;
			}
		}
	}
	if (again)
		relocate(m);
	else if (ev)
		decide(m, ev);
}

/* ---- open / close ---------------------------------------------------------------------- */

static void on_tunnel_error(void *ctx, uint32_t dst, int err)
{
	struct mn *m = ctx;
	char a[ADDR4_STRLEN];

	m->st.tunnel_errors++;
	log_rl(LOG_WARNING, "tunnel packet to %s: %s", fmt_in4(dst, a), strerror(-err));
}

/* Agent discovery: the machine, an ETH_P_IP packet socket on the home
 * interface (advertisements with their link-layer source, RFC 5944 3.6.1.1;
 * solicitations from 0.0.0.0, RFC 1256 5.1) and its filter.  A link that
 * is not Ethernet runs without. */
static int disc_open(struct mn *m)
{
	struct mn_disc_config dc;
	int r;

	if (!m->cfg->agent_discovery)
		return 0;
	mn_cfg_to_disc(m->cfg, &dc);
	r = mn_disc_init(&m->disc, &dc);
	if (r < 0) {
		log_err("agent discovery: %s", strerror(-r));
		return r;
	}
	r = packet_open(&m->pkt, m->phys, ETH_P_IP);
	if (r == -EPROTONOSUPPORT) {
		log_warn("%s is not an Ethernet link: no agent discovery", m->cfg->home_interface);
		return 0;
	}
	if (r < 0) {
		log_err("agent discovery socket on %s: %s", m->cfg->home_interface, strerror(-r));
		return r;
	}
	r = disc_filter(m->pkt.fd);
	if (r < 0)
		log_warn("agent discovery socket filter: %s (the daemon filters)", strerror(-r));
	m->ev_pkt = event_new(m->base, m->pkt.fd, EV_READ | EV_PERSIST, on_pkt, m);
	if (!m->ev_pkt || event_add(m->ev_pkt, NULL) < 0)
		return -ENOMEM;
	m->disc_on = true;
	return 0;
}

/* A sysctl of the home interface: its old value (or -errno) and the new
 * one written (val < 0: only read). */
static int if_sysctl(const char *ifname, const char *name, int val)
{
	char path[128], v[16];
	int old;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname, name);
	old = sysctl_read_int(path);
	if (old < 0 || val < 0)
		return old;
	snprintf(v, sizeof(v), "%d\n", val);
	int r = sysctl_write(path, v);
	return r < 0 ? r : old;
}

/* RFC 5944 4.6: away from home the node answers no ARP Request for its
 * home address (arp_ignore 1: only for addresses on the interface, the
 * home address lives on the TUN) and sends none with it as the sender
 * (arp_announce 2: the interface's own address).  At home the home
 * address is on the interface, so the same settings hold there. */
static void arp_setup(struct mn *m)
{
	m->arp_ignore_was = if_sysctl(m->cfg->home_interface, "arp_ignore", 1);
	m->arp_announce_was = if_sysctl(m->cfg->home_interface, "arp_announce", 2);
	if (m->arp_ignore_was < 0 || m->arp_announce_was < 0)
		log_warn("%s: arp_ignore / arp_announce not set (%s): the node may answer ARP "
			 "for its home address away from home",
			 m->cfg->home_interface,
			 strerror(-(m->arp_ignore_was < 0 ? m->arp_ignore_was : m->arp_announce_was)));
}

static void arp_restore(struct mn *m)
{
	if (m->arp_ignore_was >= 0)
		if_sysctl(m->cfg->home_interface, "arp_ignore", m->arp_ignore_was);
	if (m->arp_announce_was >= 0)
		if_sysctl(m->cfg->home_interface, "arp_announce", m->arp_announce_was);
	m->arp_ignore_was = m->arp_announce_was = -1;
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
	m->pkt.fd = -1;
	m->arp_ignore_was = m->arp_announce_was = -1;
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
	arp_setup(m);

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
	sysctl_tun4(m->tun_name);
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

	/* RFC 3519 3.3: UDP tunnel data leaves from the registration's
	 * port, so the port stays the same while the daemon runs */
	struct udp4_config uc = { .addr.s_addr = INADDR_ANY, .port = cfg->registration_port,
				  .ifname = cfg->home_interface };
	struct sockaddr_in local;
	m->udp_fd = udp4_open(&uc);
	if (m->udp_fd < 0) {
		r = m->udp_fd;
		log_err("registration socket: %s", strerror(-r));
		return r;
	}
	r = udp4_local(m->udp_fd, &local);
	if (r < 0) {
		log_err("registration socket: %s", strerror(-r));
		return r;
	}
	m->udp_port = ntohs(local.sin_port);

	m->ev_udp = event_new(base, m->udp_fd, EV_READ | EV_PERSIST, on_udp, m);
	m->ev_nl = event_new(base, nl_fd(&m->nlev), EV_READ | EV_PERSIST, on_nl, m);
	m->ev_timer = evtimer_new(base, on_timer, m);
	m->ev_ka = evtimer_new(base, on_keepalive, m);
	m->ev_disc = evtimer_new(base, on_disc_timer, m);
	if (!m->ev_udp || !m->ev_nl || !m->ev_timer || !m->ev_ka || !m->ev_disc ||
	    event_add(m->ev_udp, NULL) < 0 || event_add(m->ev_nl, NULL) < 0)
		return -ENOMEM;

	r = disc_open(m);
	if (r < 0)
		return r;

	r = mn_ctl_open(m);
	if (r < 0) {
		log_err("control socket %s: %s", cfg->control_socket, strerror(-r));
		return r;
	}
	if (m->disc_on) {
		struct nl_link l;

		if (nl_link_get(&m->nl, m->phys, &l) == 0 && (l.flags & IFF_UP) &&
		    (l.flags & IFF_RUNNING))
			disc_link(m, true);
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
		arp_restore(m);
	}
	if (m->ctl)
		ctl_server_close(m->ctl);
	if (m->ev_udp)
		event_free(m->ev_udp);
	if (m->ev_nl)
		event_free(m->ev_nl);
	if (m->ev_timer)
		event_free(m->ev_timer);
	if (m->ev_ka)
		event_free(m->ev_ka);
	if (m->ev_disc)
		event_free(m->ev_disc);
	if (m->ev_pkt)
		event_free(m->ev_pkt);
	packet_close(&m->pkt);
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
