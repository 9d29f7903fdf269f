/* ds46-had's glue (ha.h): registrations from the UDP socket through the
 * registration engine, Duplicate Address Detection on the home link,
 * persistence, and the programming of the tunnel engine and the kernel. */
#include "mip4/ha.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine_io4.h"
#include "dataplane/engine_mld.h"
#include "os/sysctl.h"
#include "os/udp4.h"
#include "wire/udptun.h"

/* ---- counters -------------------------------------------------------------- */

static const char *const ha_stat_names[] = {
#define X(n) #n,
	HA_COUNTERS(X)
#undef X
};

size_t ha_stat_count(void)
{
	return ARRAY_SIZE(ha_stat_names);
}

const char *ha_stat_name(size_t i)
{
	return i < ARRAY_SIZE(ha_stat_names) ? ha_stat_names[i] : NULL;
}

uint64_t ha_stat_get(const struct ha_stats *s, size_t i)
{
	const uint64_t *v = (const uint64_t *)s;

	return i < ARRAY_SIZE(ha_stat_names) ? v[i] : 0;
}

/* ---- kernel state of a home address (pure) ------------------------------- */

static bool in6_is_ll(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

enum ha_p6_kind ha_p6_kind(const struct ha_cfg *cfg, const struct mip_prefix *p)
{
	if (p->plen == MIP4_V6_PLEN_LINK_LOCAL || p->plen == 0 || p->plen > 128 ||
	    in6_is_ll(&p->prefix))
		return HA_P6_NONE;
	if (p->plen == 128)
		for (unsigned i = 0; i < cfg->n_home6; i++)
			if (in6_prefix_match(&p->prefix, &cfg->home6[i].prefix,
					     cfg->home6[i].plen))
				return HA_P6_HOME;
	return HA_P6_ROUTE;
}

static int mip_prefix_cmp(const struct mip_prefix *a, const struct mip_prefix *b)
{
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return memcmp(&a->prefix, &b->prefix, sizeof(a->prefix));
}

static int mip_prefix_qcmp(const void *a, const void *b)
{
	return mip_prefix_cmp(a, b);
}

int ha_kstate_of(struct ha_kstate *ks, uint32_t home, const struct mip_binding *b, size_t n)
{
	size_t total = 0, k = 0;

	memset(ks, 0, sizeof(*ks));
	ks->home = home;
	ks->present = n > 0;
	for (size_t i = 0; i < n; i++)
		total += MIN(b[i].n_prefix, MIP4_MAX_PREFIXES);
	if (!total)
		return 0;
	ks->p6 = calloc(total, sizeof(*ks->p6));
	if (!ks->p6)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < MIN(b[i].n_prefix, MIP4_MAX_PREFIXES); j++) {
			ks->p6[k] = b[i].prefix[j];
			/* only the significant bits count */
			if (ks->p6[k].plen <= 128)
				prefix6_mask(&ks->p6[k].prefix, &ks->p6[k].prefix,
					     ks->p6[k].plen);
			k++;
		}
	qsort(ks->p6, k, sizeof(*ks->p6), mip_prefix_qcmp);
	ks->n6 = 0;
	for (size_t i = 0; i < k; i++)
		if (ks->n6 == 0 || mip_prefix_cmp(&ks->p6[ks->n6 - 1], &ks->p6[i]) != 0)
			ks->p6[ks->n6++] = ks->p6[i];
	return 0;
}

void ha_kstate_clear(struct ha_kstate *ks)
{
	free(ks->p6);
	ks->p6 = NULL;
	ks->n6 = 0;
	ks->present = false;
}

/* A merge over the two sorted lists: in old only -> DEL6, in new only -> ADD6
 * (removals first, so that a prefix moving between nodes never collides). */
static size_t p6_diff(const struct ha_kstate *a, const struct ha_kstate *b, enum ha_kop op,
		      ha_kop_cb cb, void *arg)
{
	size_t i = 0, j = 0, calls = 0;

	while (i < a->n6) {
		int c = j < b->n6 ? mip_prefix_cmp(&a->p6[i], &b->p6[j]) : -1;
		if (c < 0) {
			cb(op, a->home, &a->p6[i], arg);
			calls++;
			i++;
		} else if (c == 0) {
			i++;
			j++;
		} else {
			j++;
		}
	}
	return calls;
}

size_t ha_kstate_diff(const struct ha_kstate *old, const struct ha_kstate *new_, ha_kop_cb cb,
		      void *arg)
{
	static const struct ha_kstate none;
	size_t calls = 0;
	uint32_t home = new_->present ? new_->home : old->home;
	const struct ha_kstate *o = old->present ? old : &none;
	const struct ha_kstate *n = new_->present ? new_ : &none;

	calls += p6_diff(o, n, HA_KOP_DEL6, cb, arg);
	if (o->present && !n->present) {
		cb(HA_KOP_DEL4, home, NULL, arg);
		calls++;
	}
	if (!o->present && n->present) {
		cb(HA_KOP_ADD4, home, NULL, arg);
		calls++;
	}
	calls += p6_diff(n, o, HA_KOP_ADD6, cb, arg);
	return calls;
}

uint32_t ha_tunnel_dst(const struct mip_binding *b)
{
	return ntohl(b->udp_tunnel ? b->src_addr : b->coa);
}

void ha_dp_bind_of(const struct mip_binding *b, bool simultaneous, struct dp_mip_bind *out)
{
	memset(out, 0, sizeof(*out));
	out->home = ntohl(b->home_addr);
	out->coa = ha_tunnel_dst(b);
	/* RFC 3519 4.6: the NAT's address and port the request came from */
	out->udp_port = b->udp_tunnel ? b->src_port : 0;
	out->encap = b->encap ? (enum encap4_kind)b->encap : ENCAP4_IPIP;
	out->v6_mode = (enum mip_v6_mode)b->v6_mode;
	out->flags = b->flags;
	/* the engine's clock is 32-bit unix seconds; 0 is "never" */
	out->expires = b->expires <= 0 || b->expires > (int64_t)UINT32_MAX
			       ? 0
			       : (uint32_t)b->expires;
	out->simultaneous = simultaneous;
}

const char *ha_flags_str(uint8_t flags, char buf[8])
{
	static const struct {
		uint8_t bit;
		char c;
	} f[] = { { MIP4_F_S, 'S' }, { MIP4_F_B, 'B' }, { MIP4_F_D, 'D' },
		  { MIP4_F_M, 'M' }, { MIP4_F_G, 'G' }, { MIP4_F_T, 'T' } };
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (flags & f[i].bit)
			buf[k++] = f[i].c;
	if (!k)
		buf[k++] = '-';
	buf[k] = '\0';
	return buf;
}

const char *ha_v6_mode_name(uint8_t m)
{
	switch (m) {
	case MIP_V6_TO_HOA:
		return "hoa";
	case MIP_V6_TO_COA:
		return "coa";
	}
	return "none";
}

const char *ha_prefix_str(const struct mip_prefix *p, char *buf, size_t len)
{
	char a[ADDR6_STRLEN];

	fmt_in6(&p->prefix, a);
	if (p->plen == MIP4_V6_PLEN_LINK_LOCAL)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->plen);
	return buf;
}

/* ---- DAD verdicts (pure) ----------------------------------------------------- */

size_t ha_dad_input(struct ha_dad_probe *d, const struct ndisc_msg *m, uint64_t *defended,
		    uint64_t *probed)
{
	size_t newly = 0;

	for (size_t i = 0; i < d->n; i++) {
		enum ndisc_dad v = ndisc_dad_check(m, &d->addr[i], d->nonce);
		if (v == NDISC_DAD_NONE)
			continue;
		if (v == NDISC_DAD_DEFENDED && defended)
			(*defended)++;
		if (v == NDISC_DAD_PROBED && probed)
			(*probed)++;
		if (!d->failed[i])
			newly++;
		d->failed[i] = true;
	}
	return newly;
}

bool ha_dad_all_failed(const struct ha_dad_probe *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (!d->failed[i])
			return false;
	return d->n > 0;
}

/* ---- runtime ------------------------------------------------------------------- */

struct ha_dad {                      /* a registration waiting for DAD */
	struct ha_dad *next;
	struct ha *h;
	struct ha_reg_pending *p;
	struct ha_dad_probe probe;
	struct event *timer;
	uint32_t src_addr;           /* for logs */
};

static struct ha_reg_time ha_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct ha_reg_time){ .sec = ts.tv_sec, .nsec = (uint32_t)ts.tv_nsec };
}

/* Random values drawn from the kernel in blocks of HA_RANDOM_BLOCK octets
 * (one getrandom per 1024 values, not one per request). */
#define HA_RANDOM_BLOCK 4096

static uint32_t ha_random(void)
{
	static uint32_t pool[HA_RANDOM_BLOCK / sizeof(uint32_t)];
	static size_t left;
	uint32_t v;

	if (left == 0) {
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
			v = 0;
			if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
				v = (uint32_t)now_ms_mono() * 2654435761u;
			return v;
		}
		left = ARRAY_SIZE(pool);
	}
	v = pool[--left];
	pool[left] = 0;              /* used values do not linger */
	return v;
}

static const char *fmt_a4(uint32_t net_order, char buf[ADDR4_STRLEN])
{
	return fmt_in4(ntohl(net_order), buf);
}

/* ---- the programmed table, sorted by home address ---------------------------- */

static size_t prog_find(const struct ha *h, uint32_t home, bool *found)
{
	size_t lo = 0, hi = h->n_prog;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t m = ntohl(h->prog[mid].ks.home), k = ntohl(home);
		if (m == k) {
			*found = true;
			return mid;
		}
		if (m < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Replace the entry of ks->home by ks (taken over), or remove it when ks
 * is not present. */
static int prog_set(struct ha *h, struct ha_kstate *ks)
{
	bool found;
	size_t i = prog_find(h, ks->home, &found);

	if (found) {
		ha_kstate_clear(&h->prog[i].ks);
		if (ks->present) {
			h->prog[i].ks = *ks;
			return 0;
		}
		memmove(&h->prog[i], &h->prog[i + 1], (h->n_prog - i - 1) * sizeof(*h->prog));
		h->n_prog--;
		ha_kstate_clear(ks);
		return 0;
	}
	if (!ks->present) {
		ha_kstate_clear(ks);
		return 0;
	}
	if (h->n_prog == h->cap_prog) {
		size_t cap = h->cap_prog ? h->cap_prog * 2 : 16;
		struct ha_prog *v = realloc(h->prog, cap * sizeof(*v));
		if (!v) {
			ha_kstate_clear(ks);
			return -ENOMEM;
		}
		h->prog = v;
		h->cap_prog = cap;
	}
	memmove(&h->prog[i + 1], &h->prog[i], (h->n_prog - i) * sizeof(*h->prog));
	h->prog[i].ks = *ks;
	h->n_prog++;
	return 0;
}

/* ---- home-link frames ------------------------------------------------------------ */

static void ha_send_frame(struct ha *h, const uint8_t *frame, int len, const char *what)
{
	ssize_t n;

	if (len < 0) {
		log_err("building %s: %s", what, strerror(-len));
		h->st.frame_send_errors++;
		return;
	}
	n = packet_send(&h->tx, frame, (size_t)len);
	if (n < 0) {
		log_rl(LOG_WARNING, "sending %s on %s: %s", what, h->cfg->home_link,
		       strerror((int)-n));
		h->st.frame_send_errors++;
	}
}

/* RFC 5944 4.6: the node has left home: tell the home link that its home
 * address is now at the home agent's MAC, as a request and as a reply
 * (receivers differ in which kind updates their caches). */
static void ha_garp(struct ha *h, uint32_t home)
{
	uint8_t frame[ARP_FRAME_LEN];
	static const uint16_t ops[HA_GARP_COUNT] = { ARP_OP_REQUEST, ARP_OP_REPLY };

	if (h->tx.fd < 0)
		return;
	for (size_t i = 0; i < HA_GARP_COUNT; i++) {
		int len = arp_gratuitous_build(ops[i], h->tx.mac, h->tx.mac,
					       (struct in_addr){ .s_addr = home }, frame,
					       sizeof(frame));
		ha_send_frame(h, frame, len, "gratuitous ARP");
		if (len > 0)
			h->st.garp_sent++;
	}
}

/* RFC 4861 7.2.6 (as RFC 6275 10.4.1 does for a Mobile IPv6 home agent):
 * the IPv6 home address now answers at the home agent's MAC. */
static void ha_unsol_na(struct ha *h, const struct in6_addr *target)
{
	uint8_t frame[NDISC_FRAME_MAX];
	int len;

	if (h->tx.fd < 0)
		return;
	if (!h->has_home_ll) {
		log_rl(LOG_NOTICE, "%s has no IPv6 link-local address: no unsolicited NA",
		       h->cfg->home_link);
		return;
	}
	len = ndisc_unsol_na_build(h->tx.mac, &h->home_ll, target, h->tx.mac, false, frame,
				   sizeof(frame));
	ha_send_frame(h, frame, len, "unsolicited NA");
	if (len > 0)
		h->st.unsol_na_sent++;
}

/* ---- kernel programming ----------------------------------------------------------- */

static void route_of4(const struct ha *h, uint32_t home, struct nl_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->family = AF_INET;
	nl_addr_set4(&rt->dst, (struct in_addr){ .s_addr = home });
	rt->dst_len = 32;
	rt->oif = h->tun_ifindex;
}

static void route_of6(const struct ha *h, const struct mip_prefix *p, struct nl_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->family = AF_INET6;
	nl_addr_set6(&rt->dst, &p->prefix);
	rt->dst_len = p->plen;
	rt->oif = h->tun_ifindex;
}

static void ha_kerr(struct ha *h, const char *what, const char *obj, int r)
{
	h->st.kernel_errors++;
	log_rl(LOG_ERR, "%s %s: %s", what, obj, strerror(-r));
}

static void kop_kernel(struct ha *h, enum ha_kop op, uint32_t home, const struct mip_prefix *p)
{
	char a[ADDR4_STRLEN], ps[ADDR6_STRLEN + 8];
	struct nl_route rt;
	struct nl_addr na;
	enum ha_p6_kind kind = p ? ha_p6_kind(h->cfg, p) : HA_P6_NONE;
	int r;

	if (!h->nl_open)
		return;
	switch (op) {
	case HA_KOP_ADD4:
		fmt_a4(home, a);
		route_of4(h, home, &rt);
		r = nl_route_replace(&h->nl, &rt);
		if (r < 0)
			ha_kerr(h, "route into the TUN for", a, r);
		else
			h->st.routes_added++;
		nl_addr_set4(&na, (struct in_addr){ .s_addr = home });
		r = h->home_ifindex > 0 ? nl_neigh_proxy_add(&h->nl, h->home_ifindex, &na) : 0;
		if (r < 0)
			ha_kerr(h, "proxy ARP for", a, r);
		else
			h->st.proxy_arp_added++;
		ha_garp(h, home);
		break;
	case HA_KOP_DEL4:
		fmt_a4(home, a);
		nl_addr_set4(&na, (struct in_addr){ .s_addr = home });
		r = h->home_ifindex > 0 ? nl_neigh_proxy_del(&h->nl, h->home_ifindex, &na) : 0;
		if (r < 0 && r != -ENOENT)
			ha_kerr(h, "removing proxy ARP for", a, r);
		else
			h->st.proxy_arp_removed++;
		route_of4(h, home, &rt);
		r = nl_route_del(&h->nl, &rt);
		if (r < 0 && r != -ESRCH && r != -ENODEV)
			ha_kerr(h, "removing the route of", a, r);
		else
			h->st.routes_removed++;
		break;
	case HA_KOP_ADD6:
		if (kind == HA_P6_NONE || !h->cfg->ipv6)
			break;
		ha_prefix_str(p, ps, sizeof(ps));
		route_of6(h, p, &rt);
		r = nl_route_replace(&h->nl, &rt);
		if (r < 0)
			ha_kerr(h, "route into the TUN for", ps, r);
		else
			h->st.routes_added++;
		if (kind != HA_P6_HOME)
			break;
		nl_addr_set6(&na, &p->prefix);
		r = nl_neigh_proxy_add(&h->nl, h->home_ifindex, &na);
		if (r < 0)
			ha_kerr(h, "proxy ND for", ps, r);
		else
			h->st.proxy_nd_added++;
		ha_unsol_na(h, &p->prefix);
		break;
	case HA_KOP_DEL6:
		if (kind == HA_P6_NONE || !h->cfg->ipv6)
			break;
		ha_prefix_str(p, ps, sizeof(ps));
		if (kind == HA_P6_HOME) {
			nl_addr_set6(&na, &p->prefix);
			r = nl_neigh_proxy_del(&h->nl, h->home_ifindex, &na);
			if (r < 0 && r != -ENOENT)
				ha_kerr(h, "removing proxy ND for", ps, r);
			else
				h->st.proxy_nd_removed++;
		}
		route_of6(h, p, &rt);
		r = nl_route_del(&h->nl, &rt);
		if (r < 0 && r != -ESRCH && r != -ENODEV)
			ha_kerr(h, "removing the route of", ps, r);
		else
			h->st.routes_removed++;
		break;
	}
}

static void kop_engine(struct ha *h, enum ha_kop op, uint32_t home, const struct mip_prefix *p)
{
	char ps[ADDR6_STRLEN + 8];
	uint8_t plen;
	int r = 0;

	if (!p || !h->e_init)
		return;
	plen = p->plen == MIP4_V6_PLEN_LINK_LOCAL ? DP_MIP_PLEN_LINK_LOCAL : p->plen;
	if (op == HA_KOP_ADD6)
		r = dp_mip_ha_prefix_add(&h->e, ntohl(home), &p->prefix, plen);
	else if (op == HA_KOP_DEL6) {
		r = dp_mip_ha_prefix_del(&h->e, &p->prefix, plen);
		if (r == -ENOENT)    /* went with its binding */
			r = 0;
	}
	if (r < 0) {
		h->st.dataplane_errors++;
		log_rl(LOG_ERR, "tunnel engine: %s prefix %s: %s",
		       op == HA_KOP_ADD6 ? "adding" : "removing", ha_prefix_str(p, ps, sizeof(ps)),
		       strerror(-r));
	}
}

struct kop_ctx {
	struct ha *h;
	bool engine;                 /* engine prefixes (after the bindings) */
};

static void kop_cb(enum ha_kop op, uint32_t home, const struct mip_prefix *p, void *arg)
{
	struct kop_ctx *k = arg;

	if (k->engine)
		kop_engine(k->h, op, home, p);
	else
		kop_kernel(k->h, op, home, p);
}

static int reg_time_cmp(const void *a, const void *b)
{
	const struct mip_binding *x = *(const struct mip_binding *const *)a;
	const struct mip_binding *y = *(const struct mip_binding *const *)b;

	return x->registered < y->registered ? -1 : x->registered > y->registered;
}

/* The tunnel engine's care-of addresses of home from the bindings. */
static void ha_engine_sync(struct ha *h, uint32_t home, const struct mip_binding *first, size_t n)
{
	const struct mip_binding *order[HA_CFG_MAX_BINDINGS];
	uint32_t coas[DP_MIP_SIM_MAX + 1];
	unsigned have;
	char a[ADDR4_STRLEN];
	int r;

	if (!h->e_init)
		return;
	if (n == 0) {
		r = dp_mip_ha_unbind(&h->e, ntohl(home), 0);
		if (r < 0 && r != -ENOENT) {
			h->st.dataplane_errors++;
			log_rl(LOG_ERR, "tunnel engine: unbinding %s: %s", fmt_a4(home, a),
			       strerror(-r));
		}
		return;
	}
	n = MIN(n, ARRAY_SIZE(order));
	for (size_t i = 0; i < n; i++)
		order[i] = &first[i];
	/* the most recent registration last: it becomes the engine's first */
	qsort(order, n, sizeof(order[0]), reg_time_cmp);
	for (size_t i = 0; i < n; i++) {
		struct dp_mip_bind db;
		ha_dp_bind_of(order[i], n > 1, &db);
		r = dp_mip_ha_bind(&h->e, &db);
		if (r < 0) {
			h->st.dataplane_errors++;
			log_rl(LOG_ERR, "tunnel engine: binding %s: %s", fmt_a4(home, a),
			       strerror(-r));
		}
	}
	if (n == 1)
		return;
	/* care-of addresses the engine keeps that no binding has any more */
	have = dp_mip_ha_coas(&h->e, ntohl(home), coas, NULL, ARRAY_SIZE(coas));
	for (unsigned i = 0; i < MIN(have, ARRAY_SIZE(coas)); i++) {
		bool keep = false;
		for (size_t j = 0; j < n && !keep; j++)
			keep = ha_tunnel_dst(&first[j]) == coas[i];
		if (!keep)
			dp_mip_ha_unbind(&h->e, ntohl(home), coas[i]);
	}
}

/* Make the kernel and the tunnel engine match the bindings of home. */
void ha_program(struct ha *h, uint32_t home)
{
	static const struct ha_kstate empty;
	const struct mip_binding *first = NULL;
	size_t n = ha_reg_lookup_home(h->reg, home, &first);
	struct ha_kstate now;
	const struct ha_kstate *old = &empty;
	struct kop_ctx k = { .h = h };
	bool found;
	size_t i = prog_find(h, home, &found);

	if (found)
		old = &h->prog[i].ks;
	if (ha_kstate_of(&now, home, first, n) < 0) {
		log_err("out of memory programming a binding");
		return;
	}
	/* the engine first: once the kernel routes into the TUN (and the
	 * gratuitous ARP draws the home link's traffic) it has the binding */
	ha_engine_sync(h, home, first, n);
	k.engine = true;
	if (n)                       /* else its prefixes went with it */
		ha_kstate_diff(old, &now, kop_cb, &k);
	k.engine = false;
	ha_kstate_diff(old, &now, kop_cb, &k);
	if (prog_set(h, &now) < 0)
		log_err("out of memory recording a binding's kernel state");
}

/* ---- expiry ---------------------------------------------------------------------- */

struct ha_keys {
	size_t n, cap;
	struct ha_reg_key *v;
};

static void collect_key(const struct mip_binding *b, void *arg)
{
	struct ha_keys *k = arg;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		struct ha_reg_key *v = realloc(k->v, cap * sizeof(*v));
		if (!v)
			return;      /* withdrawn at the next sync of that home */
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = (struct ha_reg_key){ .home_addr = b->home_addr, .coa = b->coa };
}

/* Delete the collected bindings from the store and withdraw them. */
static void ha_withdraw_keys(struct ha *h, const struct ha_keys *k)
{
	int r = 0;

	if (h->store) {
		r = store_begin(h->store);
		for (size_t i = 0; i < k->n && r == 0; i++)
			r = store_mip_binding_del(h->store, k->v[i].home_addr, k->v[i].coa);
		if (r == 0)
			r = store_commit(h->store);
		if (r < 0) {
			store_rollback(h->store);
			h->st.store_errors++;
			log_err("store: deleting %zu binding(s): %s", k->n, strerror(-r));
		}
	}
	for (size_t i = 0; i < k->n; i++)
		ha_program(h, k->v[i].home_addr);
}

static void ha_arm_expiry(struct ha *h)
{
	int64_t next = ha_reg_next_expiry(h->reg), now = now_wall();
	struct timeval tv = { 0 };

	if (!h->ev_expire)
		return;
	if (next == INT64_MAX) {
		event_del(h->ev_expire);
		return;
	}
	/* RFC 5944 3.8.2.2: the binding ends when its lifetime is over */
	tv.tv_sec = next > now ? (time_t)MIN(next - now, 86400) : 0;
	tv.tv_usec = next > now ? 0 : 1000;
	event_add(h->ev_expire, &tv);
}

static void on_expire(evutil_socket_t fd, short what, void *arg)
{
	struct ha *h = arg;
	struct ha_keys k = { 0 };
	char a[ADDR4_STRLEN], c[ADDR4_STRLEN];
	size_t n;

	(void)fd;
	(void)what;
	n = ha_reg_expire(h->reg, now_wall(), collect_key, &k);
	for (size_t i = 0; i < k.n; i++)
		log_info("binding %s care-of %s expired", fmt_a4(k.v[i].home_addr, a),
			 fmt_a4(k.v[i].coa, c));
	h->st.expired += n;
	ha_withdraw_keys(h, &k);
	free(k.v);
	ha_arm_expiry(h);
}

size_t ha_release(struct ha *h, uint32_t home_addr, uint32_t coa)
{
	struct ha_keys k = { 0 };
	size_t n = ha_reg_release(h->reg, home_addr, coa, collect_key, &k);

	h->st.released += n;
	ha_withdraw_keys(h, &k);
	free(k.v);
	ha_arm_expiry(h);
	return n;
}

/* ---- the registration socket --------------------------------------------------------- */

/* UDP port cfg->port on every address (a request to a broadcast address
 * must reach the engine to be refused with 136, RFC 5944 3.8.2.1), with
 * IP_PKTINFO (os/udp4.h) for the destination and to answer from it. */
static int ha_udp_open(uint16_t port)
{
	struct udp4_config uc = { .port = port, .reuseaddr = true };

	return udp4_open(&uc);
}

/* ---- replies ----------------------------------------------------------------------- */

#define HA_RX_MAX 4096               /* largest request accepted */

static void ha_log_reply(const struct ha_reg_reply *rep)
{
	char a[ADDR4_STRLEN];

	if (mip4_code_accepted(rep->code))
		log_info("registration of %s from %s:%u accepted (code %u)",
			 rep->node ? rep->node : "?", fmt_a4(rep->dst_addr, a), rep->dst_port,
			 rep->code);
	else
		log_rl(LOG_NOTICE, "registration of %s from %s:%u denied: %u %s (%s)",
		       rep->node ? rep->node : "?", fmt_a4(rep->dst_addr, a), rep->dst_port,
		       rep->code, mip4_code_name(rep->code), rep->why ? rep->why : "-");
}

/* Program the kernel and the engine for what one registration changed,
 * each home address once. */
static void ha_program_changes(struct ha *h, const struct ha_reg_changes *ch)
{
	uint32_t homes[HA_CFG_MAX_BINDINGS + 3];
	size_t n = 0;

	for (unsigned i = 0; i < ch->n_removed && n < ARRAY_SIZE(homes); i++)
		homes[n++] = ch->removed[i].home_addr;
	for (unsigned i = 0; i < ch->n_del && n < ARRAY_SIZE(homes); i++)
		homes[n++] = ch->del[i].home_addr;
	if (ch->has_put && n < ARRAY_SIZE(homes))
		homes[n++] = ch->put.home_addr;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = homes[j] == homes[i];
		if (!seen)
			ha_program(h, homes[i]);
	}
}

/* Send the replies of a batch, one sendmmsg for as many as it takes. */
static void ha_send_replies(struct ha *h, struct ha_reg_reply *const *reps, size_t n)
{
	struct udp4_msg m[HA_BATCH_MAX];
	const struct ha_reg_reply *which[HA_BATCH_MAX];
	char a[ADDR4_STRLEN];
	unsigned k = 0;

	for (size_t i = 0; i < n && k < ARRAY_SIZE(m); i++) {
		const struct ha_reg_reply *rep = reps[i];
		if (!rep || rep->len == 0)
			continue;
		/* 3.8.3.1: a node deregistering from home is answered on the
		 * home link (its bindings, now gone, would have sent it into
		 * the tunnel) */
		m[k] = (struct udp4_msg){
			.buf = (uint8_t *)rep->buf,
			.len = rep->len,
			.peer = { .sin_family = AF_INET, .sin_port = htons(rep->dst_port),
				  .sin_addr.s_addr = rep->dst_addr },
			.local.s_addr = rep->src_addr,
			.ifindex = rep->on_home_link ? h->home_ifindex : 0,
		};
		which[k++] = rep;
	}
	for (unsigned i = 0; i < k;) {
		int r = udp4_send_batch(h->udp_fd, &m[i], k - i);
		if (r > 0) {
			i += (unsigned)r;
			continue;
		}
		h->st.tx_reply_errors++;
		log_rl(LOG_WARNING, "reply to %s:%u: %s", fmt_a4(which[i]->dst_addr, a),
		       which[i]->dst_port, strerror(r < 0 ? -r : EIO));
		i++;
	}
}

int ha_apply_batch(struct ha *h, struct ha_reg_reply *const *reps,
		   struct ha_reg_changes *const *chs, size_t n)
{
	bool any = false;
	int r = 0;

	n = MIN(n, (size_t)HA_BATCH_MAX);
	for (size_t i = 0; i < n; i++)
		any = any || (chs[i] && (chs[i]->n_del || chs[i]->has_put));
	if (h->store && any) {
		r = store_begin(h->store);
		for (size_t i = 0; i < n && r == 0; i++) {
			const struct ha_reg_changes *ch = chs[i];
			if (!ch)
				continue;
			for (unsigned j = 0; j < ch->n_del && r == 0; j++)
				r = store_mip_binding_del(h->store, ch->del[j].home_addr,
							  ch->del[j].coa);
			if (r == 0 && ch->has_put) {
				struct mip_binding put = ch->put;
				r = store_mip_binding_put(h->store, &put);
			}
		}
		if (r == 0)
			r = store_commit(h->store);
		if (r < 0) {
			store_rollback(h->store);
			h->st.store_errors++;
			log_err("store: %s: %zu registration(s) left unanswered", strerror(-r), n);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (chs[i])
			ha_program_changes(h, chs[i]);
	if (any)
		ha_arm_expiry(h);
	for (size_t i = 0; i < n; i++)
		if (reps[i] && reps[i]->len)
			ha_log_reply(reps[i]);
	if (r == 0)
		ha_send_replies(h, reps, n);
	return r;
}

/* Persist, program, answer one registration (ha_apply_batch of one). */
static void ha_apply(struct ha *h, struct ha_reg_reply *rep, struct ha_reg_changes *ch)
{
	ha_apply_batch(h, &rep, &ch, 1);
}

/* ---- Duplicate Address Detection (seed 3.3, RFC 4862 5.4) ------------------------ */

static void on_nd(evutil_socket_t fd, short what, void *arg);

static void dad_groups(struct ha *h, const struct ha_dad_probe *pr, bool join)
{
	for (size_t i = 0; i < pr->n; i++) {
		struct in6_addr g;
		uint8_t mac[ETH_ADDR_LEN];
		ndisc_solicited_node(&pr->addr[i], &g);
		if (ndisc_mcast_mac(&g, mac) == 0 && h->nd.fd >= 0)
			packet_mcast(&h->nd, mac, join);
	}
}

/* The ND socket is open only while a probe runs: bound to ETH_P_IPV6 it
 * sees every IPv6 frame of the home link. */
static int nd_open(struct ha *h)
{
	int r;

	if (h->nd.fd >= 0)
		return 0;
	r = packet_open(&h->nd, h->home_ifindex, ETH_P_IPV6);
	if (r < 0)
		return r;
	h->ev_nd = event_new(h->base, h->nd.fd, EV_READ | EV_PERSIST, on_nd, h);
	if (!h->ev_nd || event_add(h->ev_nd, NULL) < 0) {
		if (h->ev_nd)
			event_free(h->ev_nd);
		h->ev_nd = NULL;
		packet_close(&h->nd);
		return -ENOMEM;
	}
	return 0;
}

static void nd_close(struct ha *h)
{
	if (h->ev_nd)
		event_free(h->ev_nd);
	h->ev_nd = NULL;
	packet_close(&h->nd);
}

static void dad_unlink(struct ha *h, struct ha_dad *d)
{
	for (struct ha_dad **pp = &h->dads; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	dad_groups(h, &d->probe, false);
	if (d->timer)
		event_free(d->timer);
	free(d);
	if (!h->dads)
		nd_close(h);
}

static void dad_finish(struct ha *h, struct ha_dad *d)
{
	struct ha_reg_reply *rep = calloc(1, sizeof(*rep));
	struct ha_reg_changes *ch = calloc(1, sizeof(*ch));
	struct ha_reg_time now = ha_now();
	struct ha_reg_pending *p = d->p;
	bool failed[MIP4_MAX_PREFIXES];
	char a6[ADDR6_STRLEN];

	memcpy(failed, d->probe.failed, sizeof(failed));
	for (size_t i = 0; i < d->probe.n; i++)
		if (failed[i])
			log_info("DAD: %s is in use on %s", fmt_in6(&d->probe.addr[i], a6),
				 h->cfg->home_link);
	d->p = NULL;
	dad_unlink(h, d);
	if (!rep || !ch) {
		log_err("out of memory finishing a registration");
		ha_reg_abort(h->reg, p);
		free(rep);
		free(ch);
		return;
	}
	ha_reg_finish(h->reg, p, failed, now, ha_random(), rep, ch);
	ha_apply(h, rep, ch);
	free(rep);
	free(ch);
}

static void on_dad_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ha_dad *d = arg;

	(void)fd;
	(void)what;
	dad_finish(d->h, d);
}

static void on_nd(evutil_socket_t fd, short what, void *arg)
{
	struct ha *h = arg;
	uint8_t frame[2048];

	(void)fd;
	(void)what;
	for (int budget = 64; budget > 0 && h->nd.fd >= 0; budget--) {
		struct packet_rx rx;
		struct eth_view eth;
		struct ndisc_msg m;
		enum ndisc_drop why;
		ssize_t n = packet_recv(&h->nd, frame, sizeof(frame), &rx);
		int r;

		if (n < 0) {
			if (n != -EAGAIN)
				log_rl(LOG_WARNING, "home link ND socket: %s", strerror((int)-n));
			return;
		}
		if (rx.pkt_type == PACKET_OUTGOING) {
			h->st.nd_rx_own++;
			continue;
		}
		r = ndisc_frame_parse(frame, rx.len, &eth, &m, &why);
		if (r == -ENOMSG)
			continue;
		if (r < 0) {
			h->st.nd_rx_bad++;
			log_rl(LOG_DEBUG, "home link: neighbour message dropped: %s",
			       ndisc_drop_name(why));
			continue;
		}
		h->st.nd_rx++;
		for (struct ha_dad *d = h->dads, *next; d; d = next) {
			next = d->next;
			ha_dad_input(&d->probe, &m, &h->st.dad_defended, &h->st.dad_probed);
			if (ha_dad_all_failed(&d->probe))
				dad_finish(h, d);
		}
	}
}

/* Probe the addresses of a pending registration; without any, finish now. */
static void dad_start(struct ha *h, struct ha_reg_pending *p, uint32_t src)
{
	const struct in6_addr *addrs = NULL;
	size_t n = ha_reg_pending_dad(p, &addrs);
	struct ha_dad *d = calloc(1, sizeof(*d));
	struct timeval tv = { .tv_sec = h->cfg->dad_timeout_ms / 1000,
			      .tv_usec = (h->cfg->dad_timeout_ms % 1000) * 1000 };
	int r;

	if (!d) {
		ha_reg_abort(h->reg, p);
		return;
	}
	d->h = h;
	d->p = p;
	d->src_addr = src;
	d->probe.n = MIN(n, ARRAY_SIZE(d->probe.addr));
	if (n)
		memcpy(d->probe.addr, addrs, d->probe.n * sizeof(*addrs));
	d->next = h->dads;
	h->dads = d;
	if (n == 0) {
		dad_finish(h, d);
		return;
	}
	h->st.dad_runs++;
	r = nd_open(h);
	if (r < 0) {
		/* no probe possible: the addresses count as unique (RFC 4862
		 * 5.4: DAD may be off on a link), said in the log */
		log_rl(LOG_ERR, "DAD on %s: %s: registering without it", h->cfg->home_link,
		       strerror(-r));
		dad_finish(h, d);
		return;
	}
	uint32_t nonce[2] = { ha_random(), ha_random() };
	memcpy(d->probe.nonce, nonce, NDISC_NONCE_LEN);
	dad_groups(h, &d->probe, true);
	for (size_t i = 0; i < d->probe.n; i++) {
		uint8_t frame[NDISC_FRAME_MAX];
		int len = ndisc_dad_ns_build(h->nd.mac, &d->probe.addr[i], d->probe.nonce, frame,
					     sizeof(frame));
		if (len > 0 && packet_send(&h->nd, frame, (size_t)len) > 0)
			h->st.dad_ns_sent++;
		else
			h->st.frame_send_errors++;
	}
	d->timer = evtimer_new(h->base, on_dad_timer, d);
	if (!d->timer || evtimer_add(d->timer, &tv) < 0) {
		log_err("out of memory: DAD timer");
		dad_finish(h, d);
	}
}

/* ---- RFC 3519 tunnel data on the registration socket ------------------------------------ */

/* A DP_TO_TUNNEL4 packet of the UDP tunnel path (a keepalive's echo reply,
 * RFC 3519 4.9): a whole IPv4/UDP packet from local:cfg->port, sent as
 * its payload from the registration socket, which is bound to that port. */
static void ha_udptun_send(struct ha *h, const uint8_t *pkt, size_t len)
{
	struct udp4_msg m;
	size_t ihl;
	int r;

	ihl = len >= IP4_HDR_LEN ? (size_t)(pkt[0] & 0x0f) * 4 : 0;
	if (ihl < IP4_HDR_LEN || len < ihl + UDPTUN_UDP_HDR_LEN || pkt[9] != IPPROTO_UDP ||
	    get_be16(pkt + ihl) != h->cfg->port) {
		h->st.udptun_tx_errors++;
		log_rl(LOG_WARNING, "UDP tunnel: a packet not from port %u to send: dropped",
		       h->cfg->port);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.buf = (uint8_t *)pkt + ihl + UDPTUN_UDP_HDR_LEN;
	m.len = len - ihl - UDPTUN_UDP_HDR_LEN;
	m.peer.sin_family = AF_INET;
	memcpy(&m.peer.sin_addr.s_addr, pkt + 16, 4);
	m.peer.sin_port = htons(get_be16(pkt + ihl + 2));
	memcpy(&m.local.s_addr, pkt + 12, 4);
	r = udp4_send(h->udp_fd, &m);
	if (r < 0) {
		h->st.udptun_tx_errors++;
		log_rl(LOG_WARNING, "UDP tunnel: sending: %s", strerror(-r));
		return;
	}
	h->st.udptun_tx++;
}

/* MIP tunnel data (type 4) from a NAT'ed node: the engine checks it against
 * the binding's address and port (RFC 3519 4.3) and decapsulates. */
static void ha_udptun_in(struct ha *h, struct udp4_msg *m)
{
	struct dp_out o;

	h->st.udptun_rx++;
	if (!h->e_init || !h->io) {
		h->st.udptun_rx_dropped++;
		return;
	}
	memset(&o, 0, sizeof(o));
	dp_mip_udptun_in(&h->e, m->buf, m->len, ntohl(m->peer.sin_addr.s_addr),
			 ntohs(m->peer.sin_port), ntohl(m->local.s_addr), &o);
	switch (o.verdict) {
	case DP_TO_TUN:
	case DP_ICMP_TO_TUN:
		dp_io4_tun_write(h->io, o.pkt, o.len);
		break;
	case DP_TO_TUNNEL4:
		ha_udptun_send(h, o.pkt, o.len);
		break;
	case DP_DROP:
		h->st.udptun_rx_dropped++;
		if (o.why)
			log_rl(LOG_INFO, "UDP tunnel: drop: %s", o.why);
		break;
	default:
		h->st.udptun_rx_dropped++;
		log_rl(LOG_WARNING, "UDP tunnel: verdict %d", o.verdict);
		break;
	}
}

/* ---- receiving requests -------------------------------------------------------------- */

/* One receive batch (recvmmsg) is decided, written to the store in one
 * transaction (group commit), programmed and answered in one sendmmsg:
 * every reply still leaves after its binding is committed. */
struct ha_rxbatch {
	uint8_t bufs[HA_BATCH_MAX][HA_RX_MAX];
	struct udp4_msg msgs[HA_BATCH_MAX];
	struct ha_reg_reply reps[HA_BATCH_MAX];
	struct ha_reg_changes chs[HA_BATCH_MAX];
};

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct ha *h = arg;
	struct ha_rxbatch *b = h->rxb;

	(void)fd;
	(void)what;
	for (int round = 0; round < 4; round++) {
		struct ha_reg_reply *reps[HA_BATCH_MAX];
		struct ha_reg_changes *chs[HA_BATCH_MAX];
		struct ha_reg_pending *dads[HA_BATCH_MAX];
		uint32_t dad_src[HA_BATCH_MAX];
		size_t k = 0, n_dad = 0;
		int n;

		for (unsigned i = 0; i < HA_BATCH_MAX; i++) {
			memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
			b->msgs[i].buf = b->bufs[i];
			b->msgs[i].size = HA_RX_MAX;
		}
		n = udp4_recv_batch(h->udp_fd, b->msgs, HA_BATCH_MAX);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			/* a pending ICMP error about an earlier reply comes
			 * once; anything else, try again at the next event */
			h->st.drop_rx_error++;
			log_rl(LOG_WARNING, "registration socket: %s", strerror(-n));
			if (n == -ECONNREFUSED || n == -EHOSTUNREACH || n == -ENETUNREACH)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			const struct udp4_msg *m = &b->msgs[i];
			struct ha_reg_reply *rep = &b->reps[k];
			struct ha_reg_pending *pend = NULL;
			struct ha_reg_rx rx = { 0 };
			const struct in6_addr *dad;
			struct udptun_view tv;
			char a[ADDR4_STRLEN];
			int r;

			h->st.rx_datagrams++;
			if (m->truncated) {
				h->st.drop_rx_truncated++;
				log_rl(LOG_NOTICE, "request from %s dropped: longer than %d octets",
				       fmt_a4(m->peer.sin_addr.s_addr, a), HA_RX_MAX);
				continue;
			}
			/* RFC 3519 3.3: tunnel data and keepalives share the
			 * port; registration messages are not type 4 */
			if (udptun_parse(m->buf, m->len, &tv, NULL) != -ENOMSG) {
				ha_udptun_in(h, &b->msgs[i]);
				continue;
			}
			rx.buf = m->buf;
			rx.len = m->len;
			rx.src_addr = m->peer.sin_addr.s_addr;
			rx.src_port = ntohs(m->peer.sin_port);
			rx.dst_addr = m->local.s_addr;
			rx.now = ha_now();
			rx.random = ha_random();
			memset(rep, 0, sizeof(*rep));
			r = ha_reg_check(h->reg, &rx, rep, &pend);
			if (r == HA_REG_DROP) {
				log_rl(LOG_NOTICE, "request from %s:%u dropped: %s",
				       fmt_a4(rx.src_addr, a), rx.src_port,
				       rep->why ? rep->why : "-");
			} else if (r == HA_REG_REPLY) {
				reps[k] = rep;
				chs[k++] = NULL;
			} else if (r == HA_REG_PENDING && ha_reg_pending_dad(pend, &dad) == 0) {
				/* nothing to probe: finished in this batch */
				ha_reg_finish(h->reg, pend, NULL, ha_now(), ha_random(), rep,
					      &b->chs[k]);
				reps[k] = rep;
				chs[k] = &b->chs[k];
				k++;
			} else if (r == HA_REG_PENDING) {
				/* probed after this batch is committed: the
				 * store sees the registrations in order */
				dads[n_dad] = pend;
				dad_src[n_dad++] = rx.src_addr;
			} else {
				log_rl(LOG_ERR, "request from %s: %s", fmt_a4(rx.src_addr, a),
				       strerror(-r));
			}
		}
		if (k)
			ha_apply_batch(h, reps, chs, k);
		for (size_t i = 0; i < n_dad; i++)
			dad_start(h, dads[i], dad_src[i]);
		if (n < HA_BATCH_MAX)
			break;
	}
}

/* ---- restart ------------------------------------------------------------------------ */

struct ha_blist {
	size_t n, cap;
	struct mip_binding *v;
};

static int collect_binding(const struct mip_binding *b, void *arg)
{
	struct ha_blist *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct mip_binding *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *b;
	return 0;
}

static const char *restore_why(int r)
{
	switch (r) {
	case -ESTALE:
		return "expired";
	case -ENOENT:
		return "no configured node owns its home address";
	case -EEXIST:
		return "conflicts with another binding";
	case -EINVAL:
		return "malformed";
	}
	return strerror(-r);
}

/* Every binding of the store into the engine (ha_reg_restore), the
 * rejected ones deleted; then everything programmed.  A kill -9 and a
 * restart keep every binding and its remaining lifetime (expires is
 * absolute). */
static int ha_restore(struct ha *h)
{
	struct ha_blist l = { 0 };
	struct ha_keys bad = { 0 };
	int64_t now = now_wall();
	char a[ADDR4_STRLEN], c[ADDR4_STRLEN];
	size_t ok = 0;
	int r = store_mip_binding_foreach(h->store, collect_binding, &l);

	if (r < 0) {
		free(l.v);
		return r;
	}
	for (size_t i = 0; i < l.n; i++) {
		r = ha_reg_restore(h->reg, &l.v[i], now);
		if (r == 0) {
			ok++;
			continue;
		}
		if (r == -ENOMEM) {
			free(l.v);
			free(bad.v);
			return r;
		}
		log_info("store: binding %s care-of %s dropped: %s",
			 fmt_a4(l.v[i].home_addr, a), fmt_a4(l.v[i].coa, c), restore_why(r));
		h->st.restore_rejected++;
		collect_key(&l.v[i], &bad);
	}
	/* deletes the rejected ones; their home addresses are synced too,
	 * which is harmless */
	ha_withdraw_keys(h, &bad);
	for (size_t i = 0; i < l.n; i++)
		ha_program(h, l.v[i].home_addr);
	if (l.n)
		log_info("store: %zu binding(s) restored, %zu dropped", ok, l.n - ok);
	free(l.v);
	free(bad.v);
	return 0;
}

/* Proxy entries on the home link for addresses of the home network that no
 * binding needs: left by an earlier run that ended without withdrawing
 * them (kill -9; the routes went with its TUN). */
struct stale {
	struct ha *h;
	size_t n;
	struct nl_addr v[256];
};

static bool prog_has6(const struct ha *h, const struct in6_addr *a)
{
	for (size_t i = 0; i < h->n_prog; i++)
		for (size_t j = 0; j < h->prog[i].ks.n6; j++)
			if (h->prog[i].ks.p6[j].plen == 128 &&
			    memcmp(&h->prog[i].ks.p6[j].prefix, a, sizeof(*a)) == 0)
				return true;
	return false;
}

static int stale_cb(int ifindex, const struct nl_addr *addr, void *arg)
{
	struct stale *s = arg;
	const struct ha_cfg *cfg = s->h->cfg;
	bool ours = false, needed = false, found;

	if (ifindex != s->h->home_ifindex || s->n == ARRAY_SIZE(s->v))
		return 0;
	if (addr->family == AF_INET) {
		uint32_t m = cfg->home_plen ? ~0u << (32 - cfg->home_plen) : 0;
		ours = ((ntohl(addr->v4.s_addr) ^ ntohl(cfg->home_net)) & m) == 0;
		prog_find(s->h, addr->v4.s_addr, &found);
		needed = found;
	} else if (addr->family == AF_INET6) {
		struct mip_prefix p = { .prefix = addr->v6, .plen = 128 };
		ours = ha_p6_kind(cfg, &p) == HA_P6_HOME;
		needed = prog_has6(s->h, &addr->v6);
	}
	if (ours && !needed)
		s->v[s->n++] = *addr;
	return 0;
}

static void ha_remove_stale_proxies(struct ha *h)
{
	struct stale *s = calloc(1, sizeof(*s));
	static const int fams[] = { AF_INET, AF_INET6 };

	if (!s)
		return;
	s->h = h;
	for (size_t f = 0; f < ARRAY_SIZE(fams); f++)
		nl_neigh_proxy_list(&h->nl, fams[f], stale_cb, s);
	for (size_t i = 0; i < s->n; i++) {
		char a[ADDR6_STRLEN];
		if (s->v[i].family == AF_INET)
			fmt_a4(s->v[i].v4.s_addr, a);
		else
			fmt_in6(&s->v[i].v6, a);
		if (nl_neigh_proxy_del(&h->nl, h->home_ifindex, &s->v[i]) == 0)
			log_info("removed stale proxy entry %s on %s", a, h->cfg->home_link);
	}
	free(s);
}

/* ---- the home link ------------------------------------------------------------------- */

/* The home link's IPv6 link-local address (source of our unsolicited
 * NAs) and its first global one (source of the engine's ICMPv6 errors). */
static int ll_cb(const struct nl_addr_info *ai, void *arg)
{
	struct ha *h = arg;

	if (ai->addr.family != AF_INET6)
		return 0;
	if (in6_is_ll(&ai->addr.v6) && !h->has_home_ll) {
		h->home_ll = ai->addr.v6;
		h->has_home_ll = true;
	} else if (ai->scope == RT_SCOPE_UNIVERSE && !h->has_home_global) {
		h->home_global = ai->addr.v6;
		h->has_home_global = true;
	}
	return 0;
}

/* Forwarding (the home link's packets for away nodes go into the TUN, the
 * decapsulated ones out) and proxy ND.  Proxy ARP needs no sysctl: Linux
 * answers for explicit proxy entries (pneigh) on an interface with
 * forwarding on when the address is routed through another interface (the
 * TUN); net.ipv4.conf.<home>.proxy_arp would make it answer for every
 * address routed elsewhere, so it is left alone. */
static int ha_setup_sysctls(struct ha *h)
{
	char path[128];
	int r;

	r = sysctl_enable("/proc/sys/net/ipv4/ip_forward", "a home agent forwards to its TUN");
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", h->cfg->home_link);
	r = sysctl_enable(path, "proxy ARP on the home link");
	if (r < 0)
		return r;
	sysctl_tun4(h->tun_name);
	if (!h->cfg->ipv6)
		return 0;
	r = sysctl_enable("/proc/sys/net/ipv6/conf/all/forwarding",
			 "IPv6 home addresses and prefixes (RFC 5454)");
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", h->cfg->home_link);
	r = sysctl_enable(path, "proxy ND on the home link");
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/proxy_ndp", h->cfg->home_link);
	return sysctl_enable(path, "proxy ND for IPv6 home addresses");
}

/* ---- the data plane ------------------------------------------------------------------- */

static void engine_setup(struct ha *h)
{
	const struct ha_cfg *cfg = h->cfg;

	h->e.icmp_src = ntohl(cfg->address);
	h->e.mip.local = ntohl(cfg->address);
	h->e.mip.link_mtu = DP_MIP_LINK_MTU;
	/* RFC 4213 3.2: the static tunnel MTU for IPv6 in IPv4 */
	h->e.mip.tunnel6_mtu = cfg->tunnel_mtu;
	h->e.mip.ttl = DP_MIP_TTL;
	/* RFC 5454 3.3.3 multicast; RFC 3810 9.4: Multicast Address Listening
	 * Interval = Robustness (2) * Query Interval + Query Response Interval */
	h->e.mip.mc_min_scope = cfg->mc_min_scope;
	h->e.mip.mld_max_per_node = cfg->mc_max_groups;
	h->e.mip.mld_query_interval = cfg->mld_query_interval;
	h->e.mip.mld_timeout = (uint32_t)DP_MLD_QRV * cfg->mld_query_interval +
			       DP_MLD_MAX_RESP_MS / 1000;
}

/* The TUN's MTU: what the tunnel can carry without fragmenting, at most
 * the home link's. */
static uint32_t tun_mtu(const struct ha *h)
{
	return h->tx.mtu ? h->tx.mtu : DP_MIP_LINK_MTU;
}

static void on_tunnel_error(void *ctx, uint32_t dst, int err)
{
	struct ha *h = ctx;
	char a[ADDR4_STRLEN];

	/* engine_io4 logs it too */
	h->st.tunnel_errors++;
	log_debug("tunnel packet to care-of address %s not sent: %s", fmt_in4(dst, a),
		  strerror(err < 0 ? -err : err));
}

/* The TUN and the raw sockets of every tunnel protocol, bound to the home
 * agent's address (dataplane/engine_io4.h). */
static int ha_dataplane_open(struct ha *h, const char *tun)
{
	struct dp_io4_config ioc = {
		.tun_name = tun,
		.tun_ipv4_only = !h->cfg->ipv6,
		.protocols = DP_IO4_PROTO_ALL,
		.has_bind = true,
		.bind_addr = ntohl(h->cfg->address),
		.tunnel_error = on_tunnel_error,
		.ctx = h,
	};
	const struct tun *t;
	int r = dp_io4_open(&h->e, h->base, &ioc, &h->io);

	if (r < 0) {
		if (r == -EADDRNOTAVAIL)
			log_err("the home agent address %s is not configured on an interface of "
				"this host (had.conf(5), address)",
				fmt_in4(ntohl(h->cfg->address), (char[ADDR4_STRLEN]){ 0 }));
		else
			log_err("data plane (TUN %s): %s", tun, strerror(-r));
		return r;
	}
	t = dp_io4_tun(h->io);
	snprintf(h->tun_name, sizeof(h->tun_name), "%s", t->name);
	h->tun_ifindex = t->ifindex;
	return 0;
}

static void ha_dataplane_close(struct ha *h)
{
	dp_io4_close(h->io);
	h->io = NULL;
}

/* ---- multicast: the MLD proxy (RFC 5454 3.3.3, RFC 6275 10.4.2-10.4.3) ------------- */

#define MC_FRAME_MAX (ETH_HLEN + 65535)
#define MC_READS_PER_WAKEUP 64
#define MLD_TICK 5                   /* seconds: e->now, listener timeouts */

static void on_mc(evutil_socket_t fd, short what, void *arg)
{
	struct ha *h = arg;
	struct packet_rx rx;
	struct dp_out o;

	(void)fd;
	(void)what;
	for (int i = 0; i < MC_READS_PER_WAKEUP; i++) {
		uint8_t *f = h->mc_buf + DP_HEADROOM - ETH_HLEN;
		ssize_t n = packet_recv(&h->mc, f, MC_FRAME_MAX, &rx);
		if (n < 0)
			return;
		uint8_t *ip6 = f + ETH_HLEN;
		size_t len = (size_t)n > ETH_HLEN ? (size_t)n - ETH_HLEN : 0;
		struct in6_addr g;
		if (rx.pkt_type == PACKET_OUTGOING || rx.wire_len > rx.len || len < 40 ||
		    get_be16(f + 12) != ETH_P_IPV6 || ip6[0] >> 4 != 6 || ip6[24] != 0xff) {
			h->st.mc_rx_ignored++;
			continue;
		}
		memcpy(&g, ip6 + 24, sizeof(g));
		if (!dp_mip_mld_has_group(&h->e, &g)) {
			h->st.mc_rx_ignored++;
			continue;
		}
		/* forwarded by us: one hop (RFC 8200 3) */
		if (ip6[7] <= 1) {
			h->st.mc_rx_hop_limit++;
			continue;
		}
		ip6[7]--;
		h->st.mc_rx++;
		dp_mip_tun_in(&h->e, ip6, len, &o);
		dp_io4_act(h->io, &o);
	}
}

static int mc_open(struct ha *h)
{
	int r;

	if (h->mc.fd >= 0)
		return 0;
	r = packet_open(&h->mc, h->home_ifindex, ETH_P_IPV6);
	if (r < 0)
		return r;
	h->ev_mc = event_new(h->base, h->mc.fd, EV_READ | EV_PERSIST, on_mc, h);
	if (!h->ev_mc || event_add(h->ev_mc, NULL) < 0) {
		if (h->ev_mc)
			event_free(h->ev_mc);
		h->ev_mc = NULL;
		packet_close(&h->mc);
		return -ENOMEM;
	}
	return 0;
}

static void mc_close(struct ha *h)
{
	if (h->ev_mc)
		event_free(h->ev_mc);
	h->ev_mc = NULL;
	packet_close(&h->mc);
}

/* The engine's first-join / last-leave events: membership on the home link. */
static void on_mld_event(evutil_socket_t fd, short what, void *arg)
{
	struct ha *h = arg;
	struct in6_addr g;
	bool join;
	char a[INET6_ADDRSTRLEN];

	(void)fd;
	(void)what;
	while (dp_mip_mld_event(&h->e, &g, &join) == 1) {
		struct ipv6_mreq mr = { .ipv6mr_multiaddr = g,
					.ipv6mr_interface = (unsigned)h->home_ifindex };
		inet_ntop(AF_INET6, &g, a, sizeof(a));
		if (setsockopt(h->mc_fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
			       &mr, sizeof(mr)) < 0) {
			h->st.mc_join_errors++;
			log_rl(LOG_WARNING, "multicast: %s %s on %s: %s", join ? "joining" : "leaving",
			       a, h->cfg->home_link, strerror(errno));
			continue;
		}
		if (join) {
			h->st.mc_joined++;
			h->n_mc_joined++;
			log_info("multicast: a mobile node listens to %s: joined on %s", a,
				 h->cfg->home_link);
			int r = mc_open(h);
			if (r < 0)
				log_rl(LOG_WARNING, "multicast: packet socket on %s: %s",
				       h->cfg->home_link, strerror(-r));
		} else {
			h->st.mc_left++;
			if (h->n_mc_joined)
				h->n_mc_joined--;
			log_info("multicast: no mobile node listens to %s: left on %s", a,
				 h->cfg->home_link);
			if (!h->n_mc_joined)
				mc_close(h);
		}
	}
}

static void mld_notify(void *ctx)
{
	struct ha *h = ctx;
	if (h->ev_mld)
		event_active(h->ev_mld, EV_TIMEOUT, 0);
}

/* The engine's clock, the listener timeouts, the periodic queries. */
static void on_mld_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ha *h = arg;
	int64_t now = now_wall();
	struct dp_out o;

	(void)fd;
	(void)what;
	if (now > 0 && now <= (int64_t)UINT32_MAX && (uint32_t)now > h->e.now)
		h->e.now = (uint32_t)now;
	dp_mip_mld_expire(&h->e, h->e.now);
	if (now >= h->next_query) {
		h->next_query = now + h->cfg->mld_query_interval;
		h->st.mld_query_rounds++;
		for (size_t i = 0; i < h->n_prog; i++) {
			const struct ha_kstate *ks = &h->prog[i].ks;
			if (!ks->present || !ks->n6)
				continue;
			if (dp_mip_mld_query(&h->e, ntohl(ks->home), h->mc_buf + DP_HEADROOM, &o) == 0)
				dp_io4_act(h->io, &o);
		}
	}
	on_mld_event(-1, 0, h);
}

static int ha_mc_setup(struct ha *h)
{
	static const struct timeval tick = { .tv_sec = MLD_TICK };

	h->mc_buf = malloc((size_t)DP_HEADROOM + MC_FRAME_MAX);
	if (!h->mc_buf)
		return -ENOMEM;
	h->mc_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->mc_fd < 0) {
		log_err("multicast: socket: %s", strerror(errno));
		return -errno;
	}
	int64_t now = now_wall();
	h->e.now = now > 0 && now <= (int64_t)UINT32_MAX ? (uint32_t)now : 0;
	h->next_query = now + 2;
	h->ev_mld = event_new(h->base, -1, 0, on_mld_event, h);
	h->ev_mld_tick = event_new(h->base, -1, EV_PERSIST, on_mld_tick, h);
	if (!h->ev_mld || !h->ev_mld_tick || event_add(h->ev_mld_tick, &tick) < 0)
		return -ENOMEM;
	h->e.mip.mld_notify = mld_notify;
	h->e.mip.mld_notify_ctx = h;
	return 0;
}

static void ha_mc_teardown(struct ha *h)
{
	h->e.mip.mld_notify = NULL;
	mc_close(h);
	if (h->ev_mld)
		event_free(h->ev_mld);
	if (h->ev_mld_tick)
		event_free(h->ev_mld_tick);
	h->ev_mld = h->ev_mld_tick = NULL;
	if (h->mc_fd >= 0)
		close(h->mc_fd);    /* the memberships go with it */
	h->mc_fd = -1;
	h->n_mc_joined = 0;
	free(h->mc_buf);
	h->mc_buf = NULL;
}

/* ---- open / close ---------------------------------------------------------------------- */

int ha_open(struct ha *h, const struct ha_cfg *cfg, struct event_base *base, const char *tun)
{
	const struct ha_cfg *c = cfg;
	struct store_opts so = { .path = cfg->store };
	int r;

	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	h->base = base;
	h->udp_fd = -1;
	h->mc_fd = -1;
	h->tx.fd = h->nd.fd = h->mc.fd = -1;
	r = ha_reg_new(cfg, &h->reg);
	if (r < 0)
		return r;
	r = dp_init(&h->e, DP_ROLE_MIP_HA, cfg->n_nodes ? cfg->n_nodes : 64);
	if (r < 0) {
		log_err("tunnel engine: %s", strerror(-r));
		return r;
	}
	h->e_init = true;
	engine_setup(h);

	r = nl_open(&h->nl);
	if (r < 0) {
		log_err("netlink: %s", strerror(-r));
		return r;
	}
	h->nl_open = true;
	r = nl_link_index(&h->nl, c->home_link);
	if (r < 0) {
		log_err("home-link %s: %s", c->home_link, strerror(-r));
		return r;
	}
	h->home_ifindex = r;
	r = packet_open(&h->tx, h->home_ifindex, 0);
	if (r < 0) {
		log_err("home-link %s: packet socket: %s%s", c->home_link, strerror(-r),
			r == -EPROTONOSUPPORT ? " (not an Ethernet link)" : "");
		return r;
	}
	if (c->ipv6) {
		nl_addr_list(&h->nl, h->home_ifindex, AF_INET6, ll_cb, h);
		if (h->has_home_global)
			h->e.mip.icmp6_src = h->home_global;
		else
			log_warn("%s has no global IPv6 address: the tunnel engine sends no "
				 "ICMPv6 errors",
				 c->home_link);
	}

	r = ha_dataplane_open(h, tun);
	if (r < 0)
		return r;
	if (c->ipv6) {
		/* no address of the kernel's own making on the TUN: its
		 * link-local address is the one below */
		char path[128];
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/addr_gen_mode",
			 h->tun_name);
		sysctl_write(path, "1");
	}
	r = nl_link_set_mtu(&h->nl, h->tun_ifindex, tun_mtu(h));
	if (r == 0)
		r = nl_link_set_up(&h->nl, h->tun_ifindex, true);
	if (r < 0) {
		log_err("%s: %s", h->tun_name, strerror(-r));
		return r;
	}
	if (c->ipv6) {
		/* RFC 5454 3.6, RFC 4213 3.7: the tunnel has a link-local
		 * address, fe80::<home agent IPv4 address>, so that link-local
		 * packets to a registered node can be routed into it (and the
		 * others answered with ICMPv6 code 3 by the engine) */
		struct in6_addr ll = { .s6_addr = { 0xfe, 0x80 } };
		memcpy(&ll.s6_addr[12], &c->address, 4);
		struct nl_addr a;
		nl_addr_set6(&a, &ll);
		r = nl_addr_add(&h->nl, h->tun_ifindex, &a, 64, IFA_F_NODAD);
		if (r < 0 && r != -EEXIST) {
			log_err("%s: link-local address: %s", h->tun_name, strerror(-r));
			return r;
		}
	}
	r = ha_setup_sysctls(h);
	if (r < 0)
		return r;
	if (c->ipv6) {
		r = ha_mc_setup(h);
		if (r < 0)
			return r;
	}

	r = store_open(&so, &h->store);
	if (r < 0) {
		log_err("store %s: %s", c->store, strerror(-r));
		return r;
	}
	r = ha_restore(h);
	if (r < 0) {
		log_err("store %s: loading the bindings: %s", c->store, strerror(-r));
		return r;
	}
	ha_remove_stale_proxies(h);

	r = ha_udp_open(c->port);
	if (r < 0) {
		log_err("UDP port %u: %s", c->port, strerror(-r));
		return r;
	}
	h->udp_fd = r;
	/* the receive batch, touched now: a fixed cost, not per binding */
	h->rxb = malloc(sizeof(*h->rxb));
	if (!h->rxb)
		return -ENOMEM;
	explicit_bzero(h->rxb, sizeof(*h->rxb));   /* not fused into calloc */
	h->ev_udp = event_new(base, h->udp_fd, EV_READ | EV_PERSIST, on_udp, h);
	h->ev_expire = evtimer_new(base, on_expire, h);
	if (!h->ev_udp || !h->ev_expire || event_add(h->ev_udp, NULL) < 0)
		return -ENOMEM;
	ha_arm_expiry(h);
	r = ha_ctl_open(h, c->control_socket);
	if (r < 0) {
		log_err("control socket %s: %s", c->control_socket, strerror(-r));
		return r;
	}
	return 0;
}

void ha_close(struct ha *h)
{
	ha_ctl_close(h);
	while (h->dads) {
		struct ha_dad *d = h->dads;
		ha_reg_abort(h->reg, d->p);
		d->p = NULL;
		dad_unlink(h, d);
	}
	nd_close(h);
	ha_mc_teardown(h);
	if (h->ev_udp)
		event_free(h->ev_udp);
	if (h->ev_expire)
		event_free(h->ev_expire);
	h->ev_udp = h->ev_expire = NULL;
	if (h->udp_fd >= 0)
		close(h->udp_fd);
	h->udp_fd = -1;
	/* the proxy entries; the routes go with the TUN */
	for (size_t i = 0; i < h->n_prog; i++) {
		static const struct ha_kstate none;
		struct kop_ctx k = { .h = h };
		ha_kstate_diff(&h->prog[i].ks, &none, kop_cb, &k);
		ha_kstate_clear(&h->prog[i].ks);
	}
	free(h->prog);
	h->prog = NULL;
	free(h->rxb);
	h->rxb = NULL;
	h->n_prog = h->cap_prog = 0;
	ha_dataplane_close(h);
	packet_close(&h->tx);
	if (h->store)
		store_close(h->store);
	h->store = NULL;
	if (h->nl_open)
		nl_close(&h->nl);
	h->nl_open = false;
	if (h->e_init)
		dp_free(&h->e);
	h->e_init = false;
	if (h->reg)
		ha_reg_free(h->reg);
	h->reg = NULL;
}
