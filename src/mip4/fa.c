/* ds46-fad: the foreign agent's glue (mip4/fa.h says what goes where). */
#include "mip4/fa.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine_fa.h"
#include "dataplane/engine_io4.h"
#include "dataplane/engine_mip.h"
#include "os/rawsock4.h"
#include "os/sysctl.h"
#include "os/udp4.h"
#include "store/store.h"
#include "wire/agentadv.h"
#include "wire/ip.h"


static const char *const stat_names[] = {
#define X(n) #n,
	FA_COUNTERS(X)
#undef X
};

size_t fa_stat_count(void)
{
	return ARRAY_SIZE(stat_names);
}

const char *fa_stat_name(size_t i)
{
	return i < ARRAY_SIZE(stat_names) ? stat_names[i] : NULL;
}

uint64_t fa_stat_get(const struct fa_stats *s, size_t i)
{
	const uint64_t *v = (const uint64_t *)s;
	return i < ARRAY_SIZE(stat_names) ? v[i] : 0;
}

static const char *fmt_a4(uint32_t net_order, char buf[ADDR4_STRLEN])
{
	return fmt_in4(ntohl(net_order), buf);
}

/* ---- pure helpers ---------------------------------------------------------- */

int fa_adv_build(const struct fad_cfg *c, unsigned i, uint16_t seq, uint8_t *out, size_t cap)
{
	static struct agentadv a;    /* large (255 routers); one thread */
	const struct fa_cfg_iface *ifc = &c->reg.ifaces[i];

	memset(&a, 0, sizeof(a));
	a.code = AGENTADV_CODE_ROUTER;   /* 2.3.1: we route for our visitors */
	a.num_addrs = 1;
	a.entry_size = AGENTADV_ENTRY_SIZE;
	a.lifetime = (uint16_t)MIN(c->adv_lifetime, (uint32_t)UINT16_MAX);
	a.router[0].addr = ifc->address; /* 2.3.1: our own address only */
	a.router[0].pref = 0;
	a.seq = seq;
	a.reg_lifetime = c->reg.max_lifetime;
	a.flags = fad_cfg_adv_flags(c);
	a.n_coa = ifc->n_coa;
	memcpy(a.coa, ifc->coa, sizeof(uint32_t) * ifc->n_coa);
	a.has_prefix_lengths = c->adv_prefix_lengths;
	a.prefix_len[0] = c->plen[i];
	return agentadv_build(&a, out, cap);
}

int fa_frame_build(uint8_t *out, size_t cap, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		   uint32_t src, uint32_t dst, uint8_t ttl, uint8_t proto, uint16_t sport,
		   uint16_t dport, const uint8_t *payload, size_t len)
{
	size_t l4 = proto == IPPROTO_UDP ? 8 + len : len;
	size_t tot = 20 + l4;
	uint8_t *ip = out + 14, *p = ip + 20;
	static uint16_t id;

	if (tot > 0xffff || 14 + tot > cap)
		return -ENOBUFS;
	memcpy(out, dst_mac, 6);
	memcpy(out + 6, src_mac, 6);
	put_be16(out + 12, ETH_P_IP);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)tot);
	put_be16(ip + 4, ++id);
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	ip4_hdr_csum_set(ip, 20);
	if (proto == IPPROTO_UDP) {
		put_be16(p, sport);
		put_be16(p + 2, dport);
		put_be16(p + 4, (uint16_t)l4);
		put_be16(p + 6, 0);
		memcpy(p + 8, payload, len);
		uint16_t cs = ip_csum_fold(ip_csum_partial(
			ip_csum_pseudo4(ntohl(src), ntohl(dst), IPPROTO_UDP, (uint16_t)l4), p, l4));
		put_be16(p + 6, cs ? cs : 0xffff);    /* RFC 768: 0 means none */
	} else {
		memcpy(p, payload, len);
	}
	return (int)(14 + tot);
}

enum fa_frame_kind fa_frame_parse(const uint8_t *frame, size_t len, uint16_t port,
				  struct fa_frame *f)
{
	return fa_frame_parse_rx(frame, len, port, false, f);
}

enum fa_frame_kind fa_frame_parse_rx(const uint8_t *frame, size_t len, uint16_t port,
				     bool csum_ok, struct fa_frame *f)
{
	struct ip4_view v;
	enum ip_drop why;

	memset(f, 0, sizeof(*f));
	if (len < 14 || get_be16(frame + 12) != ETH_P_IP)
		return FA_FRAME_OTHER;
	if (ip4_parse(frame + 14, len - 14, &v, &why) < 0)
		return FA_FRAME_BAD;
	if (v.mf || v.frag_off)
		return FA_FRAME_OTHER;       /* registrations and ICMP are small */
	f->src_mac = frame + 6;
	f->src = htonl(v.src);
	f->dst = htonl(v.dst);
	f->ttl = v.ttl;
	if (v.proto == IPPROTO_UDP) {
		const uint8_t *u = v.payload;
		uint16_t ulen;
		if (v.payload_len < 8)
			return FA_FRAME_BAD;
		if (get_be16(u + 2) != port)
			return FA_FRAME_OTHER;
		ulen = get_be16(u + 4);
		if (ulen < 8 || ulen > v.payload_len)
			return FA_FRAME_BAD;
		if (!csum_ok && get_be16(u + 6) != 0 &&
		    ip_csum_fold(ip_csum_partial(ip_csum_pseudo4(v.src, v.dst, IPPROTO_UDP, ulen),
						 u, ulen)) != 0)
			return FA_FRAME_BAD;
		f->sport = get_be16(u);
		f->payload = u + 8;
		f->len = ulen - 8u;
		return FA_FRAME_REG;
	}
	if (v.proto == IPPROTO_ICMP && v.payload_len >= 1) {
		f->payload = v.payload;
		f->len = v.payload_len;
		if (v.payload[0] == AGENTADV_ICMP_SOLICIT)
			return FA_FRAME_SOLICIT;
		if (v.payload[0] == AGENTADV_ICMP_ADVERT)
			return FA_FRAME_ADVERT;
	}
	return FA_FRAME_OTHER;
}

void fa_v6_gateway(uint32_t home, struct in6_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[0] = 0xfe;
	out->s6_addr[1] = 0x80;
	out->s6_addr[10] = 0xff;
	out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], &home, 4);
}

/* ---- the kernel state of visitors ---------------------------------------------- */

static void kerr(struct fa *f, const char *what, uint32_t home, int r)
{
	char a[ADDR4_STRLEN];

	f->st.kernel_errors++;
	log_rl(LOG_WARNING, "visitor %s: %s: %s", fmt_a4(home, a), what, strerror(-r));
}

static struct fa_kvis *kv_find(struct fa *f, uint32_t home)
{
	for (size_t i = 0; i < f->n_kv; i++)
		if (f->kv[i].home == home)
			return &f->kv[i];
	return NULL;
}

static void route4_of(uint32_t home, int ifindex, struct nl_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->family = AF_INET;
	rt->dst.family = AF_INET;
	memcpy(&rt->dst.v4, &home, 4);
	rt->dst_len = 32;
	rt->oif = ifindex;
}

static void route6_of(const struct fa_prefix *p, uint32_t home, int ifindex, struct nl_route *rt)
{
	struct in6_addr gw;

	memset(rt, 0, sizeof(*rt));
	rt->family = AF_INET6;
	nl_addr_set6(&rt->dst, &p->prefix);
	rt->dst_len = p->plen;
	fa_v6_gateway(home, &gw);
	nl_addr_set6(&rt->gateway, &gw);
	rt->oif = ifindex;
}

static void rule_of(const struct fa *f, int family, const struct nl_addr *src, uint8_t len,
		    int ifindex, struct nl_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->src = *src;
	r->src_len = len;
	r->iif = ifindex;
	r->table = f->cfg->table;
	r->priority = f->cfg->rule_priority;
}

static bool p6_kernel(const struct fa_prefix *p)
{
	return p->plen > 0 && p->plen <= 128;   /* 255: link-local, engine only */
}

/* Removes what k says is installed (errors other than "not there" counted). */
static void kv_unprogram(struct fa *f, const struct fa_kvis *k)
{
	struct nl_addr a4, g6;
	struct nl_route rt;
	struct nl_rule ru;
	struct in6_addr gw;
	int r;

	if (!f->nl_open)
		return;
	memset(&a4, 0, sizeof(a4));
	a4.family = AF_INET;
	memcpy(&a4.v4, &k->home, 4);
	if (k->rule4) {
		rule_of(f, AF_INET, &a4, 32, k->ifindex, &ru);
		r = nl_rule_del(&f->nl, &ru);
		if (r < 0 && r != -ENOENT)
			kerr(f, "rule del", k->home, r);
	}
	if (k->v6) {
		for (unsigned i = 0; i < k->n_prefix; i++) {
			const struct fa_prefix *p = &k->prefix[i];
			struct nl_addr pa;
			if (!p6_kernel(p))
				continue;
			nl_addr_set6(&pa, &p->prefix);
			rule_of(f, AF_INET6, &pa, p->plen, k->ifindex, &ru);
			r = nl_rule_del(&f->nl, &ru);
			if (r < 0 && r != -ENOENT)
				kerr(f, "IPv6 rule del", k->home, r);
			route6_of(p, k->home, k->ifindex, &rt);
			r = nl_route_del(&f->nl, &rt);
			if (r < 0 && r != -ESRCH)
				kerr(f, "IPv6 route del", k->home, r);
		}
		fa_v6_gateway(k->home, &gw);
		nl_addr_set6(&g6, &gw);
		r = nl_neigh_del(&f->nl, k->ifindex, &g6);
		if (r < 0 && r != -ENOENT)
			kerr(f, "IPv6 neighbour del", k->home, r);
	}
	route4_of(k->home, k->ifindex, &rt);
	r = nl_route_del(&f->nl, &rt);
	if (r < 0 && r != -ESRCH)
		kerr(f, "route del", k->home, r);
	r = nl_neigh_del(&f->nl, k->ifindex, &a4);
	if (r < 0 && r != -ENOENT)
		kerr(f, "neighbour del", k->home, r);
}

static void kv_program(struct fa *f, const struct fa_kvis *k)
{
	struct nl_addr a4, g6;
	struct nl_route rt;
	struct nl_rule ru;
	struct in6_addr gw;
	int r;

	if (!f->nl_open)
		return;
	memset(&a4, 0, sizeof(a4));
	a4.family = AF_INET;
	memcpy(&a4.v4, &k->home, 4);
	/* RFC 5944 3.7.2.3, 4.2.2: never ARP for a home address */
	r = nl_neigh_set(&f->nl, k->ifindex, &a4, k->mac, k->mac_len);
	if (r < 0)
		kerr(f, "neighbour", k->home, r);
	route4_of(k->home, k->ifindex, &rt);
	r = nl_route_replace(&f->nl, &rt);
	if (r < 0)
		kerr(f, "route", k->home, r);
	if (k->rule4) {
		/* RFC 3024 5.2 direct delivery: into the reverse tunnel */
		rule_of(f, AF_INET, &a4, 32, k->ifindex, &ru);
		r = nl_rule_add(&f->nl, &ru);
		if (r < 0 && r != -EEXIST)
			kerr(f, "rule", k->home, r);
	}
	if (!k->v6)
		return;
	fa_v6_gateway(k->home, &gw);
	nl_addr_set6(&g6, &gw);
	r = nl_neigh_set(&f->nl, k->ifindex, &g6, k->mac, k->mac_len);
	if (r < 0)
		kerr(f, "IPv6 neighbour", k->home, r);
	for (unsigned i = 0; i < k->n_prefix; i++) {
		const struct fa_prefix *p = &k->prefix[i];
		struct nl_addr pa;
		if (!p6_kernel(p))
			continue;
		route6_of(p, k->home, k->ifindex, &rt);
		r = nl_route_replace(&f->nl, &rt);
		if (r < 0)
			kerr(f, "IPv6 route", k->home, r);
		/* seed 3.4: every IPv6 packet of the node is reverse-tunnelled */
		nl_addr_set6(&pa, &p->prefix);
		rule_of(f, AF_INET6, &pa, p->plen, k->ifindex, &ru);
		r = nl_rule_add(&f->nl, &ru);
		if (r < 0 && r != -EEXIST)
			kerr(f, "IPv6 rule", k->home, r);
	}
}

static void kv_of(const struct fa_visitor *v, struct fa_kvis *k)
{
	memset(k, 0, sizeof(*k));
	k->home = v->home_addr;
	k->ifindex = (int)v->reg.ifindex;
	k->mac_len = MIN(v->reg.lladdr_len, (uint8_t)FA_REG_LLADDR_MAX);
	memcpy(k->mac, v->reg.lladdr, k->mac_len);
	/* RFC 3024 5.2.1: with the encapsulating delivery style its direct
	 * packets are routed normally, never reverse-tunnelled */
	k->rule4 = (v->reg.flags & MIP4_F_T) != 0 && !v->reg.encap_delivery;
	k->v6 = v->v6 == FA_V6_NATIVE;
	if (k->v6) {
		k->n_prefix = MIN(v->n_prefix, (uint8_t)MIP4_MAX_PREFIXES);
		memcpy(k->prefix, v->prefix, sizeof(k->prefix[0]) * k->n_prefix);
	}
}

static void dp_visitor_del(struct fa *f, uint32_t home)
{
	if (f->e_init) {
		int r = dp_fa_visitor_del(&f->e, ntohl(home));
		if (r < 0 && r != -ENOENT) {
			f->st.dataplane_errors++;
			log_rl(LOG_WARNING, "data plane: visitor del: %s", strerror(-r));
		}
	}
}

static void dp_visitor_set(struct fa *f, const struct fa_visitor *v)
{
	if (!f->e_init)
		return;
	uint8_t fl = v->reg.flags;
	struct dp_fa_visitor dv = {
		.home = ntohl(v->home_addr),
		.ha = ntohl(v->reg.home_agent),
		.coa = ntohl(v->reg.coa),
		.encap = (fl & MIP4_F_G)   ? ENCAP4_GRE
			 : (fl & MIP4_F_M) ? ENCAP4_MINIMAL
					   : ENCAP4_IPIP,
		.revtun4 = (fl & MIP4_F_T) != 0,
		.v6_native = v->v6 == FA_V6_NATIVE,
		.encap_delivery = v->reg.encap_delivery,
		.agent = ntohl(v->reg.agent_addr),
		.expires = v->expires <= 0 || v->expires > (int64_t)UINT32_MAX
				   ? 0
				   : (uint32_t)v->expires,
	};
	/* replace: prefixes of the previous registration go */
	dp_fa_visitor_del(&f->e, dv.home);
	int r = dp_fa_visitor_set(&f->e, &dv);
	for (unsigned i = 0; r == 0 && dv.v6_native && i < v->n_prefix; i++) {
		const struct fa_prefix *p = &v->prefix[i];
		if (p6_kernel(p)) /* a link-local address never leaves the link */
			r = dp_fa_prefix_add(&f->e, dv.home, &p->prefix, p->plen);
	}
	if (r < 0) {
		f->st.dataplane_errors++;
		log_rl(LOG_WARNING, "data plane: visitor: %s", strerror(-r));
	}
}

/* Make the kernel and the engine match the visitor list for home. */
static void fa_sync(struct fa *f, uint32_t home)
{
	const struct fa_visitor *v = fa_reg_visitor(f->reg, home);
	struct fa_kvis *old = kv_find(f, home), nk;
	char a[ADDR4_STRLEN];

	if (!v || !v->active) {
		if (old) {
			kv_unprogram(f, old);
			dp_visitor_del(f, home);
			*old = f->kv[--f->n_kv];
			f->st.visitors_removed++;
			log_info("visitor %s gone", fmt_a4(home, a));
		}
		return;
	}
	kv_of(v, &nk);
	if (old && memcmp(old, &nk, sizeof(nk)) != 0) {
		kv_unprogram(f, old);
		*old = nk;
	} else if (!old) {
		if (f->n_kv == f->cap_kv) {
			size_t nc = f->cap_kv ? f->cap_kv * 2 : 16;
			struct fa_kvis *n = realloc(f->kv, nc * sizeof(*n));
			if (!n) {
				kerr(f, "out of memory", home, -ENOMEM);
				return;
			}
			f->kv = n;
			f->cap_kv = nc;
		}
		f->kv[f->n_kv++] = nk;
		f->st.visitors_programmed++;
		log_info("visitor %s active (home agent %s)", fmt_a4(home, a),
			 fmt_a4(v->reg.home_agent, (char[ADDR4_STRLEN]){ 0 }));
	}
	kv_program(f, &nk);
	dp_visitor_set(f, v);
}

static void on_gone(const struct fa_visitor *v, void *arg)
{
	struct fa *f = arg;
	struct fa_kvis *k = kv_find(f, v->home_addr);
	char a[ADDR4_STRLEN];

	if (f->store) {
		int r = store_mip_visitor_del(f->store, v->home_addr);
		if (r < 0) {
			f->st.store_errors++;
			log_rl(LOG_ERR, "store: deleting visitor %s: %s", fmt_a4(v->home_addr, a),
			       strerror(-r));
		} else {
			f->st.store_writes++;
		}
	}
	if (!k)
		return;
	kv_unprogram(f, k);
	dp_visitor_del(f, v->home_addr);
	*k = f->kv[--f->n_kv];
	f->st.visitors_removed++;
	log_info("visitor %s gone", fmt_a4(v->home_addr, a));
}

/* ---- the visitor list on disk ------------------------------------------------ */

_Static_assert(MIP4_NAI_MAX == UINT8_MAX, "nai_len (uint8_t) cannot overflow nai[]");
_Static_assert(FA_REG_LLADDR_MAX == MIP_VISITOR_LLADDR_MAX, "link-layer addresses fit");

int fa_visitor_to_store(const struct fa_visitor *v, const char *ifname, struct mip_visitor *out)
{
	const struct fa_reg_req *q = &v->reg;

	memset(out, 0, sizeof(*out));
	if (!v->active || strlen(ifname) >= sizeof(out->ifname) ||
	    q->lladdr_len > sizeof(out->lladdr) || v->n_prefix > MIP4_MAX_PREFIXES)
		return -EINVAL;
	out->home_addr = v->home_addr;
	out->home_agent = q->home_agent;
	out->coa = q->coa;
	out->src_addr = q->src_addr;
	out->dst_addr = q->dst_addr;
	out->agent_addr = q->agent_addr;
	out->src_port = q->src_port;
	strcpy(out->ifname, ifname);
	memcpy(out->lladdr, q->lladdr, q->lladdr_len);
	out->lladdr_len = q->lladdr_len;
	out->flags = q->flags;
	out->tunnel_mode = q->tunnel_mode;
	out->encap_delivery = q->encap_delivery;
	out->v6 = v->v6;
	out->lifetime = v->lifetime;
	out->n_prefix = v->n_prefix;
	for (unsigned i = 0; i < v->n_prefix; i++) {
		out->prefix[i].prefix = v->prefix[i].prefix;
		out->prefix[i].plen = v->prefix[i].plen;
	}
	memcpy(out->nai, q->nai, q->nai_len);
	out->nai_len = q->nai_len;
	out->id = q->id;
	out->registered = v->registered;
	out->expires = v->expires;
	return 0;
}

int fa_visitor_from_store(const struct mip_visitor *m, unsigned ifindex, struct fa_visitor *out)
{
	struct fa_reg_req *q = &out->reg;

	memset(out, 0, sizeof(*out));
	if (m->lladdr_len > FA_REG_LLADDR_MAX || m->n_prefix > MIP4_MAX_PREFIXES ||
	    m->v6 > FA_V6_NATIVE)
		return -EINVAL;
	out->home_addr = m->home_addr;
	out->active = true;
	q->home_addr = m->home_addr;
	q->home_agent = m->home_agent;
	q->coa = m->coa;
	q->id = m->id;
	q->lifetime = m->lifetime;
	q->flags = m->flags;
	q->src_addr = m->src_addr;
	q->dst_addr = m->dst_addr;
	q->agent_addr = m->agent_addr;
	q->src_port = m->src_port;
	q->ifindex = ifindex;
	memcpy(q->lladdr, m->lladdr, m->lladdr_len);
	q->lladdr_len = m->lladdr_len;
	memcpy(q->nai, m->nai, m->nai_len);
	q->nai_len = m->nai_len;
	q->tunnel_mode = m->tunnel_mode;
	q->encap_delivery = m->encap_delivery;
	out->lifetime = m->lifetime;
	out->registered = m->registered;
	out->expires = m->expires;
	out->v6 = m->v6;
	out->n_prefix = m->n_prefix;
	for (unsigned i = 0; i < m->n_prefix; i++) {
		out->prefix[i].prefix = m->prefix[i].prefix;
		out->prefix[i].plen = m->prefix[i].plen;
	}
	return 0;
}

static const char *link_name_of(const struct fa *f, unsigned ifindex)
{
	for (unsigned i = 0; i < f->n_links; i++)
		if ((unsigned)f->links[i].ifindex == ifindex)
			return f->links[i].name;
	return NULL;
}

static void store_failed(struct fa *f, const char *what, uint32_t home, int r)
{
	char a[ADDR4_STRLEN];

	f->st.store_errors++;
	log_rl(LOG_ERR, "store: %s visitor %s: %s", what, fmt_a4(home, a), strerror(-r));
}

/* The store follows the visitor list for home: its active registration,
 * or nothing. */
static void persist(struct fa *f, uint32_t home)
{
	const struct fa_visitor *v;
	struct mip_visitor m;
	const char *ln;
	int r;

	if (!f->store)
		return;
	v = fa_reg_visitor(f->reg, home);
	if (v && v->active) {
		ln = link_name_of(f, v->reg.ifindex);
		r = ln ? fa_visitor_to_store(v, ln, &m) : -ENODEV;
		if (r == 0)
			r = store_mip_visitor_put(f->store, &m);
		if (r < 0) {
			store_failed(f, "writing", home, r);
			return;
		}
	} else {
		r = store_mip_visitor_del(f->store, home);
		if (r < 0) {
			store_failed(f, "deleting", home, r);
			return;
		}
	}
	f->st.store_writes++;
}

struct restore_ctx {
	struct fa *f;
	int64_t now;
	size_t n_ok, n_dropped;
	uint32_t *gone;              /* rows to delete */
	size_t n_gone, cap_gone;
};

static int restore_one(const struct mip_visitor *m, void *arg)
{
	struct restore_ctx *rc = arg;
	struct fa *f = rc->f;
	struct fa_visitor v;
	const char *why = NULL;
	char a[ADDR4_STRLEN];
	unsigned ifindex = 0;
	int r;

	for (unsigned i = 0; i < f->n_links; i++)
		if (strcmp(f->links[i].name, m->ifname) == 0)
			ifindex = (unsigned)f->links[i].ifindex;
	r = ifindex ? fa_visitor_from_store(m, ifindex, &v) : -ENODEV;
	if (r == 0)
		r = fa_reg_restore(f->reg, &v, rc->now);
	if (r == 0) {
		rc->n_ok++;
		f->st.visitors_restored++;
		fa_sync(f, m->home_addr);
		return 0;
	}
	why = r == -ESTALE ? "expired" : r == -ENODEV ? "its link is not configured"
		: r == -ENOSPC ? "max-visitors reached" : strerror(-r);
	log_info("store: visitor %s dropped: %s", fmt_a4(m->home_addr, a), why);
	rc->n_dropped++;
	f->st.visitors_restore_dropped++;
	if (rc->n_gone == rc->cap_gone) {
		size_t nc = rc->cap_gone ? rc->cap_gone * 2 : 16;
		uint32_t *n = realloc(rc->gone, nc * sizeof(*n));
		if (!n)
			return 0;   /* stays in the store: dropped again next time */
		rc->gone = n;
		rc->cap_gone = nc;
	}
	rc->gone[rc->n_gone++] = m->home_addr;
	return 0;
}

/* Every visitor of the store back into the list, the kernel and the
 * engine; the unusable ones out of the store. */
static int fa_restore(struct fa *f)
{
	struct restore_ctx rc = { .f = f, .now = now_wall() };
	int r = store_mip_visitor_foreach(f->store, restore_one, &rc);

	if (r < 0) {
		free(rc.gone);
		log_err("store %s: reading visitors: %s", f->cfg->store, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < rc.n_gone; i++) {
		r = store_mip_visitor_del(f->store, rc.gone[i]);
		if (r < 0)
			store_failed(f, "deleting", rc.gone[i], r);
	}
	free(rc.gone);
	if (rc.n_ok || rc.n_dropped)
		log_info("store: %zu visitor(s) restored, %zu dropped", rc.n_ok, rc.n_dropped);
	return 0;
}

/* ---- sending ---------------------------------------------------------------- */

static struct fa_link *link_of(struct fa *f, int ifindex)
{
	for (unsigned i = 0; i < f->n_links; i++)
		if (f->links[i].ifindex == ifindex)
			return &f->links[i];
	return NULL;
}

static void send_to_mn(struct fa *f, const struct fa_reg_out *o)
{
	struct fa_link *l = link_of(f, (int)o->ifindex);
	uint8_t frame[14 + 28 + FA_REG_MSG_MAX];
	int n;

	if (l && o->lladdr_len == PACKET_ETH_ALEN) {
		/* RFC 5944 3.7.2.3: to the link-layer address the request came from */
		n = fa_frame_build(frame, sizeof(frame), o->lladdr, l->ps.mac, o->src_addr,
				   o->dst_addr, 255, IPPROTO_UDP, f->cfg->port, o->dst_port, o->buf,
				   o->len);
		if (n > 0 && packet_send(&l->ps, frame, (size_t)n) == n) {
			f->st.tx_to_mn++;
			return;
		}
	} else {
		struct udp4_msg m = {
			.buf = (uint8_t *)o->buf, .len = o->len, .ifindex = (int)o->ifindex,
			.peer = { .sin_family = AF_INET, .sin_port = htons(o->dst_port),
				  .sin_addr.s_addr = o->dst_addr },
			.local.s_addr = o->src_addr,
		};
		if (udp4_send(f->udp_fd, &m) >= 0) {
			f->st.tx_to_mn++;
			return;
		}
	}
	f->st.tx_to_mn_errors++;
	log_rl(LOG_WARNING, "reply to mobile node %s not sent",
	       fmt_a4(o->dst_addr, (char[ADDR4_STRLEN]){ 0 }));
}

static void send_to_ha(struct fa *f, const struct fa_reg_out *o)
{
	struct udp4_msg m = {
		.buf = (uint8_t *)o->buf, .len = o->len,
		.peer = { .sin_family = AF_INET, .sin_port = htons(o->dst_port),
			  .sin_addr.s_addr = o->dst_addr },
		.local.s_addr = o->src_addr,
	};
	int r = udp4_send(f->udp_fd, &m);

	if (r >= 0) {
		f->st.tx_to_ha++;
		return;
	}
	f->st.tx_to_ha_errors++;
	log_rl(LOG_WARNING, "request to home agent %s not sent: %s",
	       fmt_a4(o->dst_addr, (char[ADDR4_STRLEN]){ 0 }), strerror(-r));
}

/* from_ha: o answers a home agent's reply: the visitor list may have
 * changed, and the store follows it before the node hears of it. */
static void handle_out(struct fa *f, int kind, const struct fa_reg_out *o, bool from_ha)
{
	char a[ADDR4_STRLEN];

	if (from_ha && kind == FA_REG_TO_MN && o->home_addr)
		persist(f, o->home_addr);
	switch (kind) {
	case FA_REG_TO_MN:
		if (o->code >= 64)
			log_rl(LOG_NOTICE, "registration of %s: code %u (%s)",
			       fmt_a4(o->home_addr, a), o->code, o->why ? o->why : "denied");
		send_to_mn(f, o);
		break;
	case FA_REG_TO_HA:
		send_to_ha(f, o);
		break;
	default:
		log_rl(LOG_INFO, "registration message dropped: %s", o->why ? o->why : "?");
		break;
	}
	if (o->home_addr)
		fa_sync(f, o->home_addr);
}

static void on_send(const struct fa_reg_out *o, void *arg)
{
	struct fa *f = arg;

	send_to_mn(f, o);
}

/* ---- advertisements --------------------------------------------------------- */

static const uint8_t all_systems_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/* dst 0: 224.0.0.1 (RFC 1256 3); else unicast to dst_mac. */
static void send_adv(struct fa *f, unsigned i, uint32_t dst, const uint8_t *dst_mac)
{
	struct fa_link *l = &f->links[i];
	uint8_t icmp[1024], frame[14 + 20 + sizeof(icmp)];
	int n = fa_adv_build(f->cfg, i, l->seq, icmp, sizeof(icmp)), m;

	if (n < 0) {
		f->st.tx_adv_errors++;
		log_rl(LOG_ERR, "%s: advertisement: %s", l->name, strerror(-n));
		return;
	}
	m = fa_frame_build(frame, sizeof(frame), dst ? dst_mac : all_systems_mac, l->ps.mac,
			   f->cfg->reg.ifaces[i].address, dst ? dst : htonl(0xe0000001u), 1,
			   IPPROTO_ICMP, 0, 0, icmp, (size_t)n);
	if (m < 0 || packet_send(&l->ps, frame, (size_t)m) != m) {
		f->st.tx_adv_errors++;
		log_rl(LOG_WARNING, "%s: advertisement not sent", l->name);
		return;
	}
	/* RFC 5944 2.3.2: 0 first, then +1, 0xffff -> 256 */
	l->seq = agentadv_seq_next(l->seq);
	if (dst)
		f->st.tx_adverts_solicited++;
	else
		f->st.tx_adverts++;
}

static void arm_adv(struct fa *f)
{
	uint64_t max = f->cfg->adv_interval_ms, ms;

	if (!max)
		return;
	/* RFC 1256 4.1: uniformly between MinAdvertisementInterval (0.75 *
	 * Max) and MaxAdvertisementInterval */
	ms = max * 3 / 4 + arc4random_uniform((uint32_t)(max / 4 + 1));
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
	evtimer_add(f->ev_adv, &tv);
}

static void on_adv(evutil_socket_t fd, short what, void *arg)
{
	struct fa *f = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < f->n_links; i++)
		send_adv(f, i, 0, NULL);
	arm_adv(f);
}

/* ---- receiving ---------------------------------------------------------------- */

/* RFC 5944 2.3: multicast answers at most once per FA_SOLICIT_MCAST_MS per
 * link; unicast ones at most FA_SOLICIT_UCAST_BURST per second. */
static bool solicit_allowed(struct fa_link *l, bool unicast, uint64_t now_ms)
{
	if (!unicast) {
		if (l->last_mcast_ms && now_ms - l->last_mcast_ms < FA_SOLICIT_MCAST_MS)
			return false;
		l->last_mcast_ms = now_ms;
		return true;
	}
	if (now_ms - l->ucast_window_ms >= 1000) {
		l->ucast_window_ms = now_ms;
		l->ucast_n = 0;
	}
	return l->ucast_n++ < FA_SOLICIT_UCAST_BURST;
}

static void on_frame(struct fa *f, unsigned li, const uint8_t *buf, size_t len, bool csum_ok)
{
	struct fa_link *l = &f->links[li];
	struct fa_frame fr;
	enum agentadv_drop why = AGENTADV_DROP_NONE;
	enum fa_frame_kind k = fa_frame_parse_rx(buf, len, f->cfg->port, csum_ok, &fr);
	static struct agentadv adv_buf;      /* large; one thread */
	struct agentadv *adv = &adv_buf;
	int r;

	f->st.rx_frames++;
	switch (k) {
	case FA_FRAME_BAD:
		f->st.drop_frame_bad_ip++;
		log_rl(LOG_INFO, "%s: malformed IPv4 frame dropped", l->name);
		return;
	case FA_FRAME_OTHER:
		f->st.drop_frame_other++;
		return;
	case FA_FRAME_REG: {
		static struct fa_reg_out out;
		struct fa_reg_rx rx = {
			.buf = fr.payload, .len = fr.len, .src_addr = fr.src, .dst_addr = fr.dst,
			.src_port = fr.sport, .ifindex = (unsigned)l->ifindex, .ttl = fr.ttl,
			.lladdr = fr.src_mac, .lladdr_len = PACKET_ETH_ALEN, .now = now_wall(),
		};
		if (fr.len < 1 || fr.payload[0] != MIP4_REG_REQUEST) {
			f->st.drop_frame_other++;      /* replies: the UDP socket's */
			return;
		}
		f->st.rx_requests++;
		r = fa_reg_request(f->reg, &rx, &out);
		if (r < 0) {
			log_rl(LOG_WARNING, "request: %s", strerror(-r));
			return;
		}
		handle_out(f, r, &out, false);
		return;
	}
	case FA_FRAME_SOLICIT:
		if (agentadv_solicit_parse(fr.payload, fr.len, &why) < 0) {
			f->st.drop_solicit_malformed++;
			log_rl(LOG_INFO, "%s: malformed solicitation dropped: %s", l->name,
			       agentadv_drop_name(why));
			return;
		}
		f->st.rx_solicitations++;
		/* RFC 1256 5.1 / RFC 5944 2.3: answer a solicitor with a source
		 * address unicast (to its MAC: it may have no address on the
		 * link), the others by multicast; both rate-limited */
		if (!solicit_allowed(l, fr.src != 0, now_ms_mono())) {
			f->st.drop_solicit_rate_limited++;
			log_rl(LOG_INFO, "%s: solicitation not answered: rate limit", l->name);
			return;
		}
		send_adv(f, li, fr.src, fr.src_mac);
		return;
	case FA_FRAME_ADVERT:
		r = agentadv_parse(fr.payload, fr.len, adv, &why);
		if (r == -EBADMSG) {
			f->st.drop_adv_malformed++;
			log_rl(LOG_INFO, "%s: malformed advertisement dropped: %s", l->name,
			       agentadv_drop_name(why));
			return;
		}
		f->st.rx_adverts++;
		return;
	}
}

struct link_ctx {
	struct fa *f;
	unsigned i;
};

static void on_link_rx(evutil_socket_t fd, short what, void *arg)
{
	struct link_ctx *c = arg;
	struct fa_link *l = &c->f->links[c->i];
	static uint8_t buf[65536 + 64];

	(void)fd;
	(void)what;
	for (int n = 0; n < 64; n++) {
		/* packet_recv plus PACKET_AUXDATA: a request sent through a veth
		 * (or by this host) carries only the pseudo-header sum in its
		 * UDP checksum, left to an offload that never happens */
		struct sockaddr_ll sll = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cm;
		struct msghdr mh = { .msg_name = &sll, .msg_namelen = sizeof(sll), .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = cm.b,
				     .msg_controllen = sizeof(cm.b) };
		bool csum_ok = false;
		ssize_t len = recvmsg(l->ps.fd, &mh, MSG_TRUNC | MSG_DONTWAIT);

		if (len < 0)
			return;
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)len > sizeof(buf)) {
			c->f->st.drop_frame_truncated++;
			continue;
		}
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
			struct tpacket_auxdata aux;
			if (h->cmsg_level != SOL_PACKET || h->cmsg_type != PACKET_AUXDATA ||
			    h->cmsg_len < CMSG_LEN(sizeof(aux)))
				continue;
			memcpy(&aux, CMSG_DATA(h), sizeof(aux));
			csum_ok = (aux.tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0;
		}
		on_frame(c->f, c->i, buf, (size_t)len, csum_ok);
	}
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct fa *f = arg;
	static uint8_t bufs[8][FA_REG_MSG_MAX + 1];
	struct udp4_msg m[8];
	static struct fa_reg_out out;

	(void)fd;
	(void)what;
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 8; i++)
			m[i] = (struct udp4_msg){ .buf = bufs[i], .size = sizeof(bufs[i]) };
		int n = udp4_recv_batch(f->udp_fd, m, 8);
		if (n < 0) {
			if (n != -EAGAIN) {
				f->st.drop_udp_error++;
				log_rl(LOG_INFO, "UDP: %s", strerror(-n));
				if (n != -EINTR && n != -ECONNREFUSED && n != -EHOSTUNREACH &&
				    n != -ENETUNREACH)
					return;
				continue;
			}
			return;
		}
		for (int i = 0; i < n; i++) {
			f->st.rx_udp++;
			if (m[i].truncated || m[i].len < 1) {
				f->st.drop_udp_bad++;
				log_rl(LOG_INFO, "UDP: truncated or empty datagram dropped");
				continue;
			}
			if (m[i].buf[0] == MIP4_REG_REQUEST) {
				/* taken, with its MAC, from the link's packet socket */
				f->st.drop_request_on_udp++;
				continue;
			}
			struct fa_reg_rx rx = {
				.buf = m[i].buf, .len = m[i].len,
				.src_addr = m[i].peer.sin_addr.s_addr, .dst_addr = m[i].local.s_addr,
				.src_port = ntohs(m[i].peer.sin_port), .ifindex = (unsigned)m[i].ifindex,
				.ttl = m[i].ttl > 0 ? (uint8_t)m[i].ttl : 0, .now = now_wall(),
			};
			int r = fa_reg_reply(f->reg, &rx, &out, on_gone, f);
			handle_out(f, r, &out, true);
		}
		if (n < 8)
			return;
	}
}

/* ICMP Destination Unreachable about a relayed request (RFC 5944 3.7.3). */
static void on_icmp(evutil_socket_t fd, short what, void *arg)
{
	struct fa *f = arg;
	uint8_t buf[2048];

	(void)fd;
	(void)what;
	for (int n = 0; n < 32; n++) {
		struct rawsock4_pkt p = { .buf = buf, .size = sizeof(buf) };
		struct ip4_view v;
		enum ip_drop why;
		uint32_t ha;
		int r = rawsock4_recv_batch(f->icmp_fd, &p, 1);
		if (r <= 0)
			return;
		if (ip4_parse(buf, p.len, &v, &why) < 0 || v.payload_len < 8 + 20 + 4) {
			f->st.drop_icmp_malformed++;
			continue;
		}
		const uint8_t *ic = v.payload, *q = ic + 8;
		size_t qlen = v.payload_len - 8u, ihl = (size_t)(q[0] & 0xf) * 4;
		if (ic[0] != 3) {
			f->st.drop_icmp_other++;
			continue;
		}
		if ((q[0] >> 4) != 4 || ihl < 20 || qlen < ihl + 4) {
			f->st.drop_icmp_malformed++;
			continue;
		}
		if (q[9] != IPPROTO_UDP || get_be16(q + ihl) != f->cfg->port ||
		    get_be16(q + ihl + 2) != MIP4_PORT) {
			f->st.drop_icmp_other++;
			continue;
		}
		f->st.rx_icmp_errors++;
		memcpy(&ha, q + 16, 4);
		f->st.unreach_denials +=
			fa_reg_ha_unreachable(f->reg, ha, ic[1], now_wall(), on_send, f);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fa *f = arg;
	struct timeval tv = { .tv_sec = 1 };

	(void)fd;
	(void)what;
	fa_reg_tick(f->reg, now_wall(), on_send, on_gone, f);
	evtimer_add(f->ev_tick, &tv);
}

/* ---- open / close ---------------------------------------------------------------- */

/* ETH_P_IP frames: not fragments, and UDP to port, or ICMP type 9 / 10. */
static int attach_filter(int fd, uint16_t port)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 13),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 11, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 3),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 5, 6),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 0, 5),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 14),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AGENTADV_ICMP_SOLICIT, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AGENTADV_ICMP_ADVERT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

struct first_addr {
	uint32_t addr;               /* network order; 0: none */
	uint8_t plen;
};

static int first_addr_cb(const struct nl_addr_info *ai, void *arg)
{
	struct first_addr *fa = arg;

	if (ai->addr.family != AF_INET || ai->scope != RT_SCOPE_UNIVERSE)
		return 0;
	memcpy(&fa->addr, &ai->addr.v4, 4);
	fa->plen = ai->prefixlen;
	return 1;
}

/* An interface configured without 'address': its first global IPv4
 * address (and the care-of address, when none is configured). */
static int link_address(struct fa *f, unsigned i)
{
	struct fad_cfg *c = f->cfg;
	struct fa_cfg_iface *ifc = &c->reg.ifaces[i];
	struct first_addr fa = { 0 };
	char a[ADDR4_STRLEN];
	int r;

	if (c->has_address[i])
		return 0;
	r = nl_addr_list(&f->nl, f->links[i].ifindex, AF_INET, first_addr_cb, &fa);
	if (r < 0 || !fa.addr) {
		log_err("interface %s has no IPv4 address (give 'address' in the configuration)",
			c->ifname[i]);
		return r < 0 ? r : -EADDRNOTAVAIL;
	}
	ifc->address = fa.addr;
	c->plen[i] = fa.plen;
	if (!ifc->n_coa) {
		ifc->n_coa = 1;
		ifc->coa[0] = fa.addr;
	}
	log_info("%s: address %s/%u", c->ifname[i], fmt_a4(fa.addr, a), fa.plen);
	return 0;
}

static int links_open(struct fa *f)
{
	struct fad_cfg *c = f->cfg;

	for (unsigned i = 0; i < c->reg.n_ifaces; i++) {
		struct fa_link *l = &f->links[i];
		int r = nl_link_index(&f->nl, c->ifname[i]);
		if (r < 0) {
			log_err("interface %s: %s", c->ifname[i], strerror(-r));
			return r;
		}
		l->ifindex = r;
		c->reg.ifaces[i].ifindex = (unsigned)r;
		r = link_address(f, i);
		if (r < 0)
			return r;
		snprintf(l->name, sizeof(l->name), "%s", c->ifname[i]);
		r = packet_open(&l->ps, l->ifindex, ETH_P_IP);
		if (r == 0)
			r = attach_filter(l->ps.fd, c->port);
		if (r == 0 && setsockopt(l->ps.fd, SOL_PACKET, PACKET_AUXDATA, &(int){ 1 },
					 sizeof(int)) < 0)
			r = -errno;
		if (r < 0) {
			log_err("%s: packet socket: %s%s", l->name, strerror(-r),
				r == -EPROTONOSUPPORT ? " (not an Ethernet link)" : "");
			return r;
		}
		f->n_links = i + 1;
	}
	return 0;
}

static struct link_ctx link_ctx[FA_CFG_MAX_IFACES];

static int events_open(struct fa *f)
{
	struct timeval now = { 0 }, one = { .tv_sec = 1 };

	for (unsigned i = 0; i < f->n_links; i++) {
		link_ctx[i] = (struct link_ctx){ f, i };
		f->links[i].ev = event_new(f->base, f->links[i].ps.fd, EV_READ | EV_PERSIST,
					   on_link_rx, &link_ctx[i]);
		if (!f->links[i].ev || event_add(f->links[i].ev, NULL) < 0)
			return -ENOMEM;
	}
	f->ev_udp = event_new(f->base, f->udp_fd, EV_READ | EV_PERSIST, on_udp, f);
	f->ev_icmp = event_new(f->base, f->icmp_fd, EV_READ | EV_PERSIST, on_icmp, f);
	f->ev_adv = evtimer_new(f->base, on_adv, f);
	f->ev_tick = evtimer_new(f->base, on_tick, f);
	if (!f->ev_udp || !f->ev_icmp || !f->ev_adv || !f->ev_tick ||
	    event_add(f->ev_udp, NULL) < 0 || event_add(f->ev_icmp, NULL) < 0)
		return -ENOMEM;
	evtimer_add(f->ev_tick, &one);
	/* the first advertisement at once (sequence number 0, 2.3.2) */
	if (f->cfg->adv_interval_ms)
		evtimer_add(f->ev_adv, &now);
	return 0;
}

static int table_routes(struct fa *f, bool add)
{
	static const int fam[] = { AF_INET, AF_INET6 };

	for (unsigned i = 0; i < ARRAY_SIZE(fam); i++) {
		struct nl_route rt = {
			.family = fam[i], .oif = f->tun_ifindex, .table = f->cfg->table,
		};
		int r = add ? nl_route_replace(&f->nl, &rt) : nl_route_del(&f->nl, &rt);
		if (r < 0 && add && fam[i] == AF_INET6 &&
		    f->cfg->reg.ipv6_mode != FA_IPV6_ATTACH) {
			/* IPv6 off here: only native visitors would need it */
			log_warn("table %u: IPv6 default dev %s: %s", f->cfg->table, f->tun_name,
				 strerror(-r));
		} else if (r < 0 && add) {
			log_err("table %u: default dev %s: %s", f->cfg->table, f->tun_name,
				strerror(-r));
			return r;
		}
	}
	f->table_routes = add;
	return 0;
}

static void on_tunnel_error(void *ctx, uint32_t dst, int err)
{
	struct fa *f = ctx;
	char a[ADDR4_STRLEN];

	f->st.dataplane_errors++;
	log_debug("tunnel packet to %s not sent: %s", fmt_in4(dst, a),
		  strerror(err < 0 ? -err : err));
}

static int dataplane_open(struct fa *f)
{
	const struct fad_cfg *c = f->cfg;
	int r = dp_init(&f->e, DP_ROLE_MIP_FA, c->reg.max_visitors);

	if (r < 0) {
		log_err("tunnel engine: %s", strerror(-r));
		return r;
	}
	f->e_init = true;
	f->e.icmp_src = ntohl(c->reg.ifaces[0].address);
	f->e.mip.local = ntohl(c->reg.ifaces[0].coa[0]);
	f->e.mip.link_mtu = DP_MIP_LINK_MTU;
	f->e.mip.ttl = DP_MIP_TTL;
	struct dp_io4_config ioc = {
		.tun_name = c->tun,
		.protocols = DP_IO4_PROTO_ALL,
		.tunnel_error = on_tunnel_error,
		.ctx = f,
	};
	r = dp_io4_open(&f->e, f->base, &ioc, &f->io);
	if (r < 0) {
		log_err("data plane (TUN %s): %s", c->tun, strerror(-r));
		return r;
	}
	const struct tun *t = dp_io4_tun(f->io);
	snprintf(f->tun_name, sizeof(f->tun_name), "%s", t->name);
	f->tun_ifindex = t->ifindex;
	return 0;
}

int fa_open(struct fa *f, struct fad_cfg *cfg, struct event_base *base)
{
	char path[128];
	int r;

	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	f->base = base;
	f->udp_fd = f->icmp_fd = -1;
	for (unsigned i = 0; i < FA_CFG_MAX_IFACES; i++)
		f->links[i].ps.fd = -1;
	r = nl_open(&f->nl);
	if (r < 0) {
		log_err("netlink: %s", strerror(-r));
		return r;
	}
	f->nl_open = true;
	r = links_open(f);
	if (r < 0)
		return r;
	r = fa_reg_new(&cfg->reg, &f->reg);
	if (r < 0)
		return r;
	r = dataplane_open(f);
	if (r < 0)
		return r;
	if (f->tun_ifindex) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/addr_gen_mode",
			 f->tun_name);
		sysctl_write(path, "1");
		r = nl_link_set_up(&f->nl, f->tun_ifindex, true);
		if (r < 0) {
			log_err("%s: %s", f->tun_name, strerror(-r));
			return r;
		}
		sysctl_tun4(f->tun_name);
		r = table_routes(f, true);
		if (r < 0)
			return r;
	}
	if (cfg->store[0]) {
		struct store_opts so = { .path = cfg->store };
		r = store_open(&so, &f->store);
		if (r < 0) {
			log_err("store %s: %s", cfg->store, strerror(-r));
			return r;
		}
		r = fa_restore(f);
		if (r < 0)
			return r;
	}
	r = sysctl_enable("/proc/sys/net/ipv4/ip_forward", "a foreign agent routes for its visitors");
	if (r < 0)
		return r;
	if (cfg->reg.ipv6_mode == FA_IPV6_ATTACH) {
		r = sysctl_enable("/proc/sys/net/ipv6/conf/all/forwarding",
			      "native IPv6 for visitors (seed 3.4)");
		if (r < 0)
			return r;
	}
	r = udp4_open(&(struct udp4_config){ .port = cfg->port, .reuseaddr = true });
	if (r < 0) {
		log_err("UDP port %u: %s", cfg->port, strerror(-r));
		return r;
	}
	f->udp_fd = r;
	r = rawsock4_open(&(struct rawsock4_config){ .protocol = IPPROTO_ICMP });
	if (r < 0) {
		log_err("ICMP socket: %s", strerror(-r));
		return r;
	}
	f->icmp_fd = r;
	r = events_open(f);
	if (r < 0)
		return r;
	r = fa_ctl_open(f, cfg->control_socket);
	if (r < 0) {
		log_err("control socket %s: %s", cfg->control_socket, strerror(-r));
		return r;
	}
	return 0;
}

void fa_close(struct fa *f)
{
	struct event *evs[] = { f->ev_udp, f->ev_icmp, f->ev_adv, f->ev_tick };

	fa_ctl_close(f);
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	f->ev_udp = f->ev_icmp = f->ev_adv = f->ev_tick = NULL;
	for (unsigned i = 0; i < FA_CFG_MAX_IFACES; i++) {
		if (f->links[i].ev)
			event_free(f->links[i].ev);
		f->links[i].ev = NULL;
		packet_close(&f->links[i].ps);
	}
	if (f->udp_fd >= 0)
		close(f->udp_fd);
	if (f->icmp_fd >= 0)
		close(f->icmp_fd);
	f->udp_fd = f->icmp_fd = -1;
	for (size_t i = 0; i < f->n_kv; i++)
		kv_unprogram(f, &f->kv[i]);
	free(f->kv);
	f->kv = NULL;
	f->n_kv = f->cap_kv = 0;
	if (f->table_routes)
		table_routes(f, false);
	dp_io4_close(f->io);
	f->io = NULL;
	if (f->e_init)
		dp_free(&f->e);
	f->e_init = false;
	if (f->nl_open)
		nl_close(&f->nl);
	f->nl_open = false;
	if (f->store)
		store_close(f->store);
	f->store = NULL;
	if (f->reg)
		fa_reg_free(f->reg);
	f->reg = NULL;
}
