/* The tunnel engine's Mobile IPv4 roles: home agent and mobile node with a
 * co-located care-of address.  See engine_mip.h for the contract. */
#include "dataplane/engine_mip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/engine_fa.h"
#include "dataplane/engine_mld.h"
#include "wire/udptun.h"

_Static_assert(DP_HEADROOM >= ENCAP4_HEADROOM, "room for a double encapsulation");

#define MLD_QUERY 130                /* RFC 2710 3, RFC 3810 5 */
#define MLD_REPORT 131
#define MLD_DONE 132
#define MLD2_REPORT 143
#define MN_PREFIX_VALUE 1            /* the node's own prefixes: value unused */

/* ---- helpers ------------------------------------------------------------------- */

static bool addr4_ok(uint32_t a)
{
	return (a >> 24) != 0;       /* 0.0.0.0/8 */
}

static bool encap_ok(enum encap4_kind k)
{
	return k == ENCAP4_IPIP || k == ENCAP4_GRE || k == ENCAP4_MINIMAL;
}

static bool ll6(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

static bool mc6(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

static bool expired(uint32_t expires, uint32_t now)
{
	return expires && expires <= now;
}

/* RFC 5454 3.3.3: MLD between the node and its home agent */
static bool is_mld(const struct ip6_view *v)
{
	if (v->proto != IPPROTO_ICMPV6 || v->upper_len < 1 || v->frag_off)
		return false;
	uint8_t t = v->payload[0];
	return t == MLD_QUERY || t == MLD_REPORT || t == MLD_DONE || t == MLD2_REPORT;
}

void dp_mip_malformed(struct dp_engine *e, enum ip_drop why, struct dp_out *o)
{
	e->st.ip_drops[why < IP_DROP__MAX ? why : 0]++;
	dp_drop(o, &e->st.drop_malformed, ip_drop_name(why));
}

static uint16_t next_id(struct dp_mip *m)
{
	if (++m->ip_id == 0)
		m->ip_id = 1;
	return m->ip_id;
}

/* An ICMPv4 error (destination unreachable) for the local sender; rate
 * limited with the engine's other errors (RFC 1812 4.3.2.8). */
void dp_mip_icmp4_back(struct dp_engine *e, const uint8_t *orig, size_t len, uint8_t code,
		       uint16_t mtu, uint32_t src, struct dp_out *o, uint64_t *ctr, const char *why)
{
	struct icmp4_error err = { .type = ICMP4_DEST_UNREACH, .code = code, .mtu = mtu,
				   .src = e->icmp_src ? e->icmp_src : src };
	uint32_t sup;

	dp_drop(o, ctr, why);
	if (!ratelimit_pass(&e->icmp_rl, 100, 10, &sup)) {
		e->st.drop_icmp_ratelimited++;
		return;
	}
	err.id = ++e->icmp_id;
	int n = icmp4_error_build(&err, orig, len, o->icmp, sizeof(o->icmp), NULL);
	if (n < 0)
		return;      /* RFC 1812 4.3.2.7: no error about this one */
	e->st.icmp4_sent++;
	o->verdict = DP_ICMP_TO_TUN;
	o->pkt = o->icmp;
	o->len = (size_t)n;
}

/* An ICMPv6 error (RFC 4443) for the local sender, from icmp6_src. */
void dp_mip_icmp6_back(struct dp_engine *e, const uint8_t *orig, size_t len, uint8_t type,
		       uint8_t code, uint32_t mtu, struct dp_out *o, uint64_t *ctr, const char *why)
{
	struct icmp6_error err = { .type = type, .code = code, .mtu = mtu,
				   .src = e->mip.icmp6_src };
	uint32_t sup;

	dp_drop(o, ctr, why);
	if (IN6_IS_ADDR_UNSPECIFIED(&err.src))
		return;
	if (!ratelimit_pass(&e->icmp_rl, 100, 10, &sup)) {
		e->st.drop_icmp_ratelimited++;
		return;
	}
	int n = icmp6_error_build(&err, orig, len, o->icmp, sizeof(o->icmp));
	if (n < 0)
		return;      /* RFC 4443 2.4 (e) */
	e->st.icmp6_sent++;
	o->verdict = DP_ICMP_TO_TUN;
	o->pkt = o->icmp;
	o->len = (size_t)n;
}

static void to_tun(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	o->verdict = DP_TO_TUN;
	o->pkt = pkt;
	o->len = len;
	e->st.tx_tun++;
}

/* RFC 6040 4.2 at one decapsulation. */
bool dp_mip_ecn_ok(struct dp_engine *e, uint8_t outer_tos, uint8_t *inner, size_t len,
		   struct dp_out *o)
{
	if (encap4_ecn_apply(outer_tos, inner, len) == 0)
		return true;
	dp_drop(o, &e->st.drop_ecn, "outer CE on a Not-ECT packet (RFC 6040 4.2)");
	return false;
}

/* ---- encapsulation --------------------------------------------------------------- */

/* RFC 2004 3: no options, not a fragment */
static bool minimal_fits(const uint8_t *ip4)
{
	return (ip4[0] & 0x0f) == 5 && (get_be16(ip4 + 6) & 0x3fff) == 0;
}

/* The encapsulation an inner packet gets on path p.  IPv6: GRE carries it
 * (RFC 2784, 0x86DD), IP in IP and minimal become 6in4 (RFC 5454 3.3.2);
 * IPv6 inside a 6in4 layer is IPv4 for the outer one. */
static enum encap4_kind path_kind(const struct dp_mip_path *p, const uint8_t *pkt)
{
	if (pkt[0] >> 4 == 6 && !p->mid_dst)
		return p->kind == ENCAP4_GRE ? ENCAP4_GRE : ENCAP4_6IN4;
	if (p->kind == ENCAP4_MINIMAL && pkt[0] >> 4 == 4 && !minimal_fits(pkt))
		return ENCAP4_IPIP;
	return p->kind;
}

/* Octets of tunnel headers in front of an inner header of kind k sent
 * from outer_src (minimal: 12 when the original source is another). */
static size_t kind_overhead(enum encap4_kind k, uint32_t inner_src, uint32_t outer_src)
{
	switch (k) {
	case ENCAP4_GRE:
		return IP4_HDR_LEN + 4;
	case ENCAP4_MINIMAL:
		return inner_src == outer_src ? 8 : 12;
	default:
		return IP4_HDR_LEN;
	}
}

/* Every octet the tunnel puts in front of pkt on path p. */
static size_t path_overhead(const struct dp_mip_path *p, const uint8_t *pkt)
{
	if (p->dport)
		return UDPTUN_HEADROOM;
	if (pkt[0] >> 4 == 6 && p->mid_dst)
		return IP4_HDR_LEN + kind_overhead(p->kind, p->mid_src, p->src);
	return kind_overhead(path_kind(p, pkt), pkt[0] >> 4 == 4 ? get_be32(pkt + 12) : 0, p->src);
}

/* ---- tunnel MTU discovery (RFC 2003 4.1, RFC 4213 3.2.2, RFC 1191) ----------------------- */

static struct dp_mip_pmtu *pmtu_set(struct dp_mip *m, uint32_t dst)
{
	uint32_t h = dst * 0x9e3779b1u;
	return &m->pmtu[(h >> 28) % DP_MIP_PMTU_SETS * DP_MIP_PMTU_WAYS];
}

/* The outer path MTU towards dst: link_mtu, or lower when an ICMPv4
 * fragmentation needed said so and that has not aged out (RFC 1191 6.3). */
static uint16_t path_mtu(struct dp_engine *e, uint32_t dst)
{
	struct dp_mip *m = &e->mip;
	if (!m->n_pmtu)
		return m->link_mtu;
	struct dp_mip_pmtu *s = pmtu_set(m, dst);
	for (unsigned i = 0; i < DP_MIP_PMTU_WAYS; i++) {
		if (s[i].dst != dst || !dst)
			continue;
		if (expired(s[i].expires, e->now)) {
			s[i].dst = 0;
			m->n_pmtu--;
			e->st.tunnel_mtu_aged++;
			return m->link_mtu;
		}
		return MIN(s[i].mtu, m->link_mtu);
	}
	return m->link_mtu;
}

/* Lower the path MTU towards dst to mtu; true when it went down.  A full
 * set gives up its entry closest to ageing out. */
static bool pmtu_lower(struct dp_engine *e, uint32_t dst, uint16_t mtu)
{
	struct dp_mip *m = &e->mip;
	if (mtu >= path_mtu(e, dst))
		return false;
	struct dp_mip_pmtu *s = pmtu_set(m, dst), *slot = NULL;
	for (unsigned i = 0; i < DP_MIP_PMTU_WAYS && !slot; i++)
		if (s[i].dst == dst)
			slot = &s[i];
	if (slot)
		m->n_pmtu--;         /* counted again below */
	for (unsigned i = 0; i < DP_MIP_PMTU_WAYS && !slot; i++)
		if (!s[i].dst || expired(s[i].expires, e->now)) {
			if (s[i].dst) {
				m->n_pmtu--;
				e->st.tunnel_mtu_aged++;
			}
			slot = &s[i];
		}
	if (!slot) {
		slot = &s[0];
		for (unsigned i = 1; i < DP_MIP_PMTU_WAYS; i++)
			if (s[i].expires && (!slot->expires || s[i].expires < slot->expires))
				slot = &s[i];
		m->n_pmtu--;
	}
	slot->dst = dst;
	slot->mtu = mtu;
	slot->expires = m->pmtu_age ? e->now + m->pmtu_age : 0;
	if (slot->expires && slot->expires < e->now)     /* wrapped */
		slot->expires = UINT32_MAX;
	m->n_pmtu++;
	e->st.tunnel_mtu_lowered++;
	return true;
}

/* IPv4 with DF set: 0 when it fits in the path MTU once encapsulated,
 * else the largest inner packet that would (RFC 1191 next-hop MTU, RFC
 * 2003 4.1; never below 68). */
uint16_t dp_mip_df_mtu(struct dp_engine *e, const struct dp_mip_path *p, const uint8_t *pkt,
		       size_t len)
{
	if (pkt[0] >> 4 != 4 || !(get_be16(pkt + 6) & 0x4000))
		return 0;
	size_t ov = path_overhead(p, pkt);
	uint16_t mtu = path_mtu(e, p->dst);
	if (len + ov <= mtu)
		return 0;
	return mtu > ov + IP4_MIN_MTU ? (uint16_t)(mtu - ov) : IP4_MIN_MTU;
}

/* The tunnel MTU for IPv6 behind ov octets of tunnel headers on a path of
 * MTU pm: the static one (RFC 4213 3.2.1), lowered when a smaller path MTU
 * was learnt, but never below 1280 (3.2.2: below it the outer packet is
 * fragmented instead). */
static uint32_t v6_mtu_at(const struct dp_engine *e, uint16_t pm, size_t ov)
{
	if (pm >= e->mip.link_mtu)
		return e->mip.tunnel6_mtu;
	uint32_t dyn = pm > ov + IP6_MIN_MTU ? pm - (uint32_t)ov : IP6_MIN_MTU;
	return MIN((uint32_t)e->mip.tunnel6_mtu, dyn);
}

uint32_t dp_mip_v6_mtu(struct dp_engine *e, const struct dp_mip_path *p, const uint8_t *pkt)
{
	return v6_mtu_at(e, path_mtu(e, p->dst), path_overhead(p, pkt));
}

/* Encapsulate pkt[0..len) (headroom octets free in front) along p. */
static int path_encap(struct dp_engine *e, const struct dp_mip_path *p, uint8_t *pkt, size_t len,
		      size_t headroom, uint8_t **out)
{
	struct encap4_tunnel t = { .ttl = e->mip.ttl };
	enum encap4_kind k = path_kind(p, pkt);
	uint8_t *cur = pkt;
	int n;

	if (p->dport) {
		/* RFC 3519 3.3, 4.2: next header 4 or 41 (RFC 5454 3.9) */
		struct udptun_tunnel u = { .src = htonl(p->src), .dst = htonl(p->dst),
					   .sport = p->sport, .dport = p->dport,
					   .ttl = e->mip.ttl, .id = next_id(&e->mip),
					   .udp_csum = !e->mip.udp_csum_zero };
		n = udptun_encap(&u, pkt, len, headroom, out);
		if (n > 0)
			e->st.udptun_out++;
		return n;
	}
	if (pkt[0] >> 4 == 6 && p->mid_dst) {
		t.src = htonl(p->mid_src);
		t.dst = htonl(p->mid_dst);
		t.id = next_id(&e->mip);
		n = encap4_encap(&t, ENCAP4_6IN4, pkt, len, headroom, &cur);
		if (n < 0)
			return n;
		headroom -= (size_t)(pkt - cur);
		len = (size_t)n;
	}
	t.src = htonl(p->src);
	t.dst = htonl(p->dst);
	t.id = next_id(&e->mip);
	return encap4_encap(&t, k, cur, len, headroom, out);
}

/* DP_TO_TUNNEL4 for the whole IPv4 packet pkt (frag_mtu from the path MTU
 * towards its destination); counts tx_tunnel. */
static void to_tunnel4(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	o->verdict = DP_TO_TUNNEL4;
	o->pkt = pkt;
	o->len = len;
	/* DF is clear whenever this is set: df_mtu refused the others */
	uint16_t pm = path_mtu(e, get_be32(pkt + 16));
	o->frag_mtu = len > pm ? pm : 0;
	e->st.tx_tunnel++;
}

bool dp_mip_path_send(struct dp_engine *e, const struct dp_mip_path *p, uint8_t *pkt, size_t len,
		      size_t headroom, struct dp_out *o, const char *why)
{
	uint8_t *out = NULL;
	int n = path_encap(e, p, pkt, len, headroom, &out);

	if (n < 0) {
		dp_drop(o, &e->st.drop_encap, why);
		return false;
	}
	to_tunnel4(e, out, (size_t)n, o);
	return true;
}

/* ---- init ------------------------------------------------------------------------ */

int dp_mip_init(struct dp_engine *e, uint32_t bindings_hint)
{
	struct dp_mip *m = &e->mip;

	memset(m, 0, sizeof(*m));
	m->link_mtu = DP_MIP_LINK_MTU;
	m->tunnel6_mtu = DP_MIP_TUNNEL6_MTU;
	m->ttl = DP_MIP_TTL;
	m->pmtu_min = IP4_MIN_MTU;
	m->pmtu_age = DP_MIP_PMTU_AGE;
	m->mld_timeout = DP_MIP_MLD_TIMEOUT;
	m->mld_max_per_node = DP_MIP_MLD_PER_NODE;
	m->mld_query_interval = DP_MLD_QUERY_INTERVAL;
	m->mc_min_scope = DP_MIP_MC_MIN_SCOPE;
	prefix6_init(&m->prefixes);
	if (e->role == DP_ROLE_MIP_FA)
		return binding_table_init(&e->bindings, bindings_hint);
	if (e->role != DP_ROLE_MIP_HA)
		return 0;
	m->copy_buf = malloc((size_t)DP_HEADROOM + 65535);
	if (!m->copy_buf)
		return -ENOMEM;
	int r = binding_table_init(&e->bindings, bindings_hint);
	if (r < 0) {
		free(m->copy_buf);
		m->copy_buf = NULL;
	}
	return r;
}

void dp_mip_free(struct dp_engine *e)
{
	struct dp_mip *m = &e->mip;

	prefix6_free(&m->prefixes);
	free(m->sim);
	free(m->copy_buf);
	free(m->mld);
	m->mld = NULL;
	m->n_mld = m->cap_mld = 0;
	m->sim = NULL;
	m->copy_buf = NULL;
	m->n_sim = m->cap_sim = 0;
	m->copy_n = 0;
}

/* ---- home agent: the simultaneous-binding side table ------------------------------ */

/* First index with (home, coa) >= the key. */
static uint32_t sim_lower(const struct dp_mip *m, uint32_t home, uint32_t coa)
{
	uint32_t lo = 0, hi = m->n_sim;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct dp_mip_coa *c = &m->sim[mid];
		if (c->home < home || (c->home == home && c->coa < coa))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int64_t sim_find(const struct dp_mip *m, uint32_t home, uint32_t coa)
{
	uint32_t i = sim_lower(m, home, coa);
	return i < m->n_sim && m->sim[i].home == home && m->sim[i].coa == coa ? (int64_t)i : -1;
}

static int sim_reserve(struct dp_mip *m, uint32_t more)
{
	if ((uint64_t)m->n_sim + more <= m->cap_sim)
		return 0;
	uint64_t cap = m->cap_sim ? (uint64_t)m->cap_sim * 2 : 16;
	while (cap < (uint64_t)m->n_sim + more)
		cap *= 2;
	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	struct dp_mip_coa *n = realloc(m->sim, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->sim = n;
	m->cap_sim = (uint32_t)cap;
	return 0;
}

/* The room must have been reserved. */
static void sim_insert(struct dp_mip *m, const struct dp_mip_coa *c)
{
	uint32_t i = sim_lower(m, c->home, c->coa);
	memmove(m->sim + i + 1, m->sim + i, (size_t)(m->n_sim - i) * sizeof(*c));
	m->sim[i] = *c;
	m->n_sim++;
}

static void sim_remove(struct dp_mip *m, uint32_t i)
{
	memmove(m->sim + i, m->sim + i + 1, (size_t)(m->n_sim - i - 1) * sizeof(m->sim[0]));
	m->n_sim--;
}

/* The newest further care-of address of home, or -1. */
static int64_t sim_newest(const struct dp_mip *m, uint32_t home)
{
	int64_t best = -1;
	for (uint32_t i = sim_lower(m, home, 0); i < m->n_sim && m->sim[i].home == home; i++)
		if (best < 0 || m->sim[i].seq > m->sim[best].seq)
			best = i;
	return best;
}

static void sim_remove_home(struct dp_mip *m, uint32_t home)
{
	uint32_t i = sim_lower(m, home, 0), j = i;
	while (j < m->n_sim && m->sim[j].home == home)
		j++;
	memmove(m->sim + i, m->sim + j, (size_t)(m->n_sim - j) * sizeof(m->sim[0]));
	m->n_sim -= j - i;
}

/* The binding goes with its prefixes. */
static void ha_binding_del(struct dp_engine *e, struct binding *b)
{
	uint32_t home = b->v4;
	if (b->mip.n_prefix)
		prefix6_del_value(&e->mip.prefixes, home);
	if (b->mip.n_sim)
		sim_remove_home(&e->mip, home);
	if (e->mip.n_mld)
		dp_mip_mld_forget(e, home);     /* group state ends with the binding */
	binding_del(&e->bindings, home);
}

/* The newest further care-of address takes over from the primary one;
 * false when there is none. */
static bool ha_promote(struct dp_engine *e, struct binding *b)
{
	struct dp_mip *m = &e->mip;
	int64_t i = b->mip.n_sim ? sim_newest(m, b->v4) : -1;
	if (i < 0)
		return false;
	b->mip.coa = m->sim[i].coa;
	b->mip.encap = m->sim[i].encap;
	b->mip.udp_port = m->sim[i].udp_port;
	b->expires = m->sim[i].expires;
	sim_remove(m, (uint32_t)i);
	b->mip.n_sim--;
	return true;
}

/* The live care-of addresses of b, newest first. */
struct coa_set {
	unsigned n;
	uint32_t coa[1 + DP_MIP_SIM_MAX];
	uint8_t encap[1 + DP_MIP_SIM_MAX];
	uint16_t port[1 + DP_MIP_SIM_MAX];  /* RFC 3519 UDP port, 0: none */
	uint32_t seq[1 + DP_MIP_SIM_MAX];
};

static unsigned ha_live(const struct dp_engine *e, const struct binding *b, struct coa_set *s)
{
	const struct dp_mip *m = &e->mip;
	s->n = 0;
	if (!expired(b->expires, e->now)) {
		s->coa[0] = b->mip.coa;
		s->encap[0] = b->mip.encap;
		s->port[0] = (uint16_t)b->mip.udp_port;
		s->seq[0] = UINT32_MAX;
		s->n = 1;
	}
	if (!b->mip.n_sim)
		return s->n;
	for (uint32_t i = sim_lower(m, b->v4, 0);
	     i < m->n_sim && m->sim[i].home == b->v4 && s->n < ARRAY_SIZE(s->coa); i++) {
		const struct dp_mip_coa *c = &m->sim[i];
		if (expired(c->expires, e->now))
			continue;
		unsigned j = s->n++;
		/* insertion by seq, newest first */
		while (j > 0 && s->seq[j - 1] < c->seq) {
			s->coa[j] = s->coa[j - 1];
			s->encap[j] = s->encap[j - 1];
			s->port[j] = s->port[j - 1];
			s->seq[j] = s->seq[j - 1];
			j--;
		}
		s->coa[j] = c->coa;
		s->encap[j] = c->encap;
		s->port[j] = c->udp_port;
		s->seq[j] = c->seq;
	}
	return s->n;
}

/* Is a a live care-of address of b?  *encap gets its encapsulation and
 * *port its RFC 3519 UDP port (0: none). */
static bool ha_coa_live(const struct dp_engine *e, const struct binding *b, uint32_t a,
			uint8_t *encap, uint16_t *port)
{
	if (b->mip.coa == a && !expired(b->expires, e->now)) {
		if (encap)
			*encap = b->mip.encap;
		if (port)
			*port = (uint16_t)b->mip.udp_port;
		return true;
	}
	if (!b->mip.n_sim)
		return false;
	int64_t i = sim_find(&e->mip, b->v4, a);
	if (i < 0 || expired(e->mip.sim[i].expires, e->now))
		return false;
	if (encap)
		*encap = e->mip.sim[i].encap;
	if (port)
		*port = e->mip.sim[i].udp_port;
	return true;
}

/* ---- home agent: programming ------------------------------------------------------- */

int dp_mip_ha_bind(struct dp_engine *e, const struct dp_mip_bind *b)
{
	struct dp_mip *m = &e->mip;
	struct binding *hb;
	int r;

	if (e->role != DP_ROLE_MIP_HA || !addr4_ok(b->home) || !addr4_ok(b->coa) ||
	    !encap_ok(b->encap) ||
	    (unsigned)b->v6_mode > MIP_V6_TO_COA)
		return -EINVAL;
	hb = binding_get(&e->bindings, b->home);
	if (!hb) {
		static const struct in6_addr none;
		r = binding_set(&e->bindings, b->home, &none, b->expires, &hb);
		if (r < 0)
			return r;
		hb->mip.n_sim = 0;
		hb->mip.n_prefix = 0;
	} else if (!b->simultaneous) {
		/* RFC 5944 3.8.1.2: the others go */
		if (hb->mip.n_sim)
			sim_remove_home(m, b->home);
		hb->mip.n_sim = 0;
	} else if (hb->mip.coa != b->coa) {
		/* RFC 5944 3.6.1.2 S bit: the previous primary joins the others */
		int64_t i = hb->mip.n_sim ? sim_find(m, b->home, b->coa) : -1;
		bool keep_old = !expired(hb->expires, e->now);
		if (i < 0 && keep_old && hb->mip.n_sim >= DP_MIP_SIM_MAX) {
			/* room from care-of addresses already past their time */
			uint32_t k = sim_lower(m, b->home, 0);
			while (k < m->n_sim && m->sim[k].home == b->home) {
				if (expired(m->sim[k].expires, e->now)) {
					sim_remove(m, k);
					hb->mip.n_sim--;
				} else {
					k++;
				}
			}
			if (hb->mip.n_sim >= DP_MIP_SIM_MAX)
				return -ENOSPC;
		}
		if (keep_old) {
			r = sim_reserve(m, 1);
			if (r < 0)
				return r;
		}
		if (i >= 0) {
			sim_remove(m, (uint32_t)i);
			hb->mip.n_sim--;
		}
		if (keep_old) {
			struct dp_mip_coa old = { .home = b->home, .coa = hb->mip.coa,
						  .expires = hb->expires, .seq = ++m->sim_seq,
						  .encap = hb->mip.encap,
						  .udp_port = (uint16_t)hb->mip.udp_port };
			sim_insert(m, &old);
			hb->mip.n_sim++;
		}
	}
	hb->expires = b->expires;
	hb->mip.coa = b->coa;
	hb->mip.encap = (uint8_t)b->encap;
	hb->mip.v6_mode = (uint8_t)b->v6_mode;
	hb->mip.flags = b->flags;
	hb->mip.udp_port = b->udp_port;     /* RFC 3519: the NAT's port, 0 none */
	return 0;
}

int dp_mip_ha_unbind(struct dp_engine *e, uint32_t home, uint32_t coa)
{
	struct binding *b = e->role == DP_ROLE_MIP_HA ? binding_get(&e->bindings, home) : NULL;

	if (!b)
		return -ENOENT;
	if (coa == 0) {
		ha_binding_del(e, b);
		return 0;
	}
	if (b->mip.coa == coa) {
		if (!ha_promote(e, b))
			ha_binding_del(e, b);
		return 0;
	}
	int64_t i = b->mip.n_sim ? sim_find(&e->mip, home, coa) : -1;
	if (i < 0)
		return -ENOENT;
	sim_remove(&e->mip, (uint32_t)i);
	b->mip.n_sim--;
	return 0;
}

/* plen 255 (RFC 5454 3.7.1) -> the link-local address's /128; a link-local
 * prefix with a prefix length is refused. */
static int plen_of(const struct in6_addr *p, uint8_t plen, uint8_t *out)
{
	if (plen == DP_MIP_PLEN_LINK_LOCAL) {
		if (!ll6(p))
			return -EINVAL;
		*out = 128;
		return 0;
	}
	if (plen > 128 || (plen >= 10 && ll6(p)))
		return -EINVAL;
	*out = plen;
	return 0;
}

int dp_mip_ha_prefix_add(struct dp_engine *e, uint32_t home, const struct in6_addr *p,
			 uint8_t plen)
{
	uint32_t v;
	uint8_t l;
	int r = plen_of(p, plen, &l);

	if (r < 0)
		return r;
	if (e->role != DP_ROLE_MIP_HA || !addr4_ok(home))
		return -EINVAL;
	struct binding *b = binding_get(&e->bindings, home);
	if (!b)
		return -ENOENT;
	if (prefix6_get(&e->mip.prefixes, p, l, &v) == 0)
		return v == home ? 0 : -EEXIST;
	r = prefix6_add(&e->mip.prefixes, p, l, home);
	if (r < 0)
		return r;
	b->mip.n_prefix++;
	return 0;
}

int dp_mip_ha_prefix_del(struct dp_engine *e, const struct in6_addr *p, uint8_t plen)
{
	uint32_t home;
	uint8_t l;
	int r = plen_of(p, plen, &l);

	if (r < 0)
		return r;
	if (e->role != DP_ROLE_MIP_HA || prefix6_get(&e->mip.prefixes, p, l, &home) < 0)
		return -ENOENT;
	r = prefix6_del(&e->mip.prefixes, p, l);
	if (r < 0)
		return r;
	struct binding *b = binding_get(&e->bindings, home);
	if (b && b->mip.n_prefix)
		b->mip.n_prefix--;
	return 0;
}

uint32_t dp_mip_ha_expire(struct dp_engine *e, uint32_t now)
{
	struct dp_mip *m = &e->mip;
	struct binding_table *t = &e->bindings;
	uint32_t n = 0;

	if (e->role != DP_ROLE_MIP_HA)
		return 0;
	if (now > e->now)
		e->now = now;
	if (m->n_mld)
		dp_mip_mld_expire(e, now);
	for (uint32_t i = 0; i < m->n_sim;) {
		if (!expired(m->sim[i].expires, now)) {
			i++;
			continue;
		}
		struct binding *b = binding_get(t, m->sim[i].home);
		if (b && b->mip.n_sim)
			b->mip.n_sim--;
		sim_remove(m, i);
		n++;
	}
	if (!t->slots)
		return n;
	/* binding_del never moves another slot */
	for (uint64_t i = 0; i <= t->mask; i++) {
		struct binding *b = &t->slots[i];
		if (b->v4 <= BINDING_TOMB || !expired(b->expires, now))
			continue;
		n++;
		if (!ha_promote(e, b))
			ha_binding_del(e, b);
	}
	return n;
}

unsigned dp_mip_ha_coas(const struct dp_engine *e, uint32_t home, uint32_t *coa, uint8_t *encap,
			unsigned n)
{
	const struct dp_mip *m = &e->mip;
	const struct binding *b = e->role == DP_ROLE_MIP_HA ? binding_get(&e->bindings, home) : NULL;
	struct coa_set s = { .n = 0 };

	if (!b)
		return 0;
	s.coa[0] = b->mip.coa;
	s.encap[0] = b->mip.encap;
	s.n = 1;
	/* the others, newest first */
	for (uint32_t i = sim_lower(m, home, 0);
	     i < m->n_sim && m->sim[i].home == home && s.n < ARRAY_SIZE(s.coa); i++) {
		const struct dp_mip_coa *c = &m->sim[i];
		unsigned j = s.n++;
		while (j > 1 && s.seq[j - 1] < c->seq) {
			s.coa[j] = s.coa[j - 1];
			s.encap[j] = s.encap[j - 1];
			s.seq[j] = s.seq[j - 1];
			j--;
		}
		s.coa[j] = c->coa;
		s.encap[j] = c->encap;
		s.seq[j] = c->seq;
	}
	for (unsigned i = 0; i < s.n && i < n; i++) {
		coa[i] = s.coa[i];
		if (encap)
			encap[i] = s.encap[i];
	}
	return s.n;
}

/* ---- home agent: packets ------------------------------------------------------------- */

/* RFC 5944 4.2.3: to the newest care-of address; the others are copies. */
static void ha_send(struct dp_engine *e, struct binding *b, const struct coa_set *s, bool via_hoa,
		    uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct dp_mip_path p = { .src = m->local, .dst = s->coa[0],
			      .kind = (enum encap4_kind)s->encap[0] };

	if (s->port[0]) {
		/* RFC 3519 4.2, RFC 5454 3.9: IPv6 directly in UDP */
		p.sport = UDPTUN_PORT;
		p.dport = s->port[0];
	} else if (via_hoa) {
		p.mid_src = m->local;
		p.mid_dst = b->v4;
	}
	uint16_t mtu = dp_mip_df_mtu(e, &p, pkt, len);
	if (mtu) {
		dp_mip_icmp4_back(e, pkt, len, ICMP4_CODE_FRAG_NEEDED, mtu, m->local, o,
			   &e->st.drop_too_big, "larger than the path MTU with DF set");
		return;
	}
	if (s->n > 1) {
		m->copy_src = pkt;
		m->copy_len = len;
		m->copy_home = b->v4;
		m->copy_via_hoa = via_hoa;
		m->copy_hdr_saved = pkt[0] >> 4 == 4 && !p.dport &&
				    path_kind(&p, pkt) == ENCAP4_MINIMAL;
		if (m->copy_hdr_saved)
			memcpy(m->copy_hdr, pkt, IP4_HDR_LEN);
		for (unsigned i = 1; i < s->n; i++)
			m->copy_coa[i - 1] = s->coa[i];
	}
	if (!dp_mip_path_send(e, &p, pkt, len, DP_HEADROOM, o, "cannot encapsulate"))
		return;
	m->copy_n = (uint8_t)(s->n - 1);
	m->copy_mc = false;
	o->copies = m->copy_n;
	b->pkts_out++;
	b->bytes_out += len;
}

static void ha_tun_in4(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct ip4_view v;
	enum ip_drop why = IP_DROP_NONE;
	struct coa_set s;

	if (ip4_parse(pkt, len, &v, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	struct binding *b = binding_get(&e->bindings, v.dst);
	if (!b || ha_live(e, b, &s) == 0) {
		dp_mip_icmp4_back(e, pkt, v.total_len, ICMP4_CODE_HOST_UNREACH, 0, e->mip.local, o,
			   &e->st.drop_no_binding, "no binding for the home address");
		return;
	}
	ha_send(e, b, &s, false, pkt, v.total_len, o);
}

/* One multicast copy to the node of b, on its IPv6 path (engine_mld.h);
 * hoa: through the home address whatever the mode (RFC 5454 3.3.3, MLD). */
static void ha_mc_one(struct dp_engine *e, struct binding *b, uint8_t *pkt, size_t len, bool hoa,
		      struct dp_out *o)
{
	struct coa_set s;

	if (ha_live(e, b, &s) == 0) {
		dp_drop(o, &e->st.drop_no_binding, "multicast listener has no live care-of address");
		return;
	}
	bool via_hoa = hoa || b->mip.v6_mode != MIP_V6_TO_COA;
	struct dp_mip_path p = { .src = e->mip.local, .dst = s.coa[0],
			      .kind = (enum encap4_kind)s.encap[0],
			      .mid_src = via_hoa ? e->mip.local : 0, .mid_dst = via_hoa ? b->v4 : 0 };
	if (s.port[0]) {
		p.mid_src = p.mid_dst = 0;
		p.sport = UDPTUN_PORT;
		p.dport = s.port[0];
	}
	if (len > dp_mip_v6_mtu(e, &p, pkt)) {
		dp_drop(o, &e->st.drop_too_big, "multicast larger than the IPv6 tunnel MTU");
		return;
	}
	if (!dp_mip_path_send(e, &p, pkt, len, DP_HEADROOM, o, "cannot encapsulate"))
		return;
	if (!hoa)
		e->st.mc_tunnelled++;
	b->pkts_out++;
	b->bytes_out += len;
}

int dp_mip_mld_query(struct dp_engine *e, uint32_t home, uint8_t *pkt, struct dp_out *o)
{
	struct binding *b = e->role == DP_ROLE_MIP_HA ? binding_get(&e->bindings, home) : NULL;

	o->verdict = DP_DROP;
	o->why = NULL;
	o->copies = 0;
	o->frag_mtu = 0;
	if (!b)
		return -ENOENT;
	e->mip.copy_n = 0;
	size_t n = dp_mip_mld_query_build(e, pkt);
	ha_mc_one(e, b, pkt, n, true, o);
	if (o->verdict != DP_TO_TUNNEL4)
		return -ENOENT;
	e->st.mld_queries_sent++;
	return 0;
}

/* dsmipv4-06 3.3.2: multicast of scope mc_min_scope and up to the nodes
 * listening (RFC 6275 10.4.2); the others are not tunnelled. */
static void ha_mc(struct dp_engine *e, const struct in6_addr *dst, uint8_t *pkt, size_t len,
		  struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	unsigned n = 0;

	if ((dst->s6_addr[1] & 0x0f) < m->mc_min_scope || !m->n_mld) {
		dp_drop(o, &e->st.drop_multicast, "multicast scope or group not tunnelled");
		return;
	}
	unsigned all = dp_mip_mld_listeners(e, dst, m->mc_home, DP_MIP_MC_COPY_MAX);
	if (all > DP_MIP_MC_COPY_MAX) {
		e->st.mc_copies_capped++;
		all = DP_MIP_MC_COPY_MAX;
	}
	/* the listeners with a binding, first one for the verdict */
	for (unsigned i = 0; i < all; i++)
		if (binding_get(&e->bindings, m->mc_home[i]))
			m->mc_home[n++] = m->mc_home[i];
	if (n == 0) {
		dp_drop(o, &e->st.drop_multicast, "no listener for the group");
		return;
	}
	m->copy_src = pkt;
	m->copy_len = len;
	m->copy_hdr_saved = false;
	m->copy_mc = true;
	m->copy_n = 0;
	/* the first listener that takes it is the verdict, the rest copies */
	for (unsigned i = 0; i < n; i++) {
		ha_mc_one(e, binding_get(&e->bindings, m->mc_home[i]), pkt, len, false, o);
		if (o->verdict != DP_TO_TUNNEL4)
			continue;
		memmove(m->mc_home, m->mc_home + i + 1, (n - i - 1) * sizeof(m->mc_home[0]));
		m->copy_n = (uint8_t)(n - i - 1);
		break;
	}
	o->copies = m->copy_n;
}

/* RFC 5454 3.3.2: IPv6 to a registered prefix or link-local address. */
static void ha_tun_in6(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct ip6_view v;
	enum ip_drop why = IP_DROP_NONE;
	struct coa_set s;
	uint32_t home;
	bool via_hoa = false;

	if (ip6_parse(pkt, len, &v, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	len = IP6_HDR_LEN + (size_t)v.payload_len;
	if (mc6(&v.dst)) {
		ha_mc(e, &v.dst, pkt, len, o);
		return;
	}
	if (ll6(&v.dst)) {
		/* RFC 5454 3.7.1: a registered link-local address, through
		 * the home address; dsmipv4-06 3.3.2: the others code 3 */
		if (prefix6_get(&e->mip.prefixes, &v.dst, 128, &home) < 0) {
			dp_mip_icmp6_back(e, pkt, len, ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH, 0, o,
				   &e->st.drop_link_local, "link-local destination not registered");
			return;
		}
		via_hoa = true;
	} else if (prefix6_lookup(&e->mip.prefixes, &v.dst, &home, NULL) < 0) {
		dp_mip_icmp6_back(e, pkt, len, ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH, 0, o,
			   &e->st.drop_no_binding, "no registered prefix");
		return;
	}
	struct binding *b = binding_get(&e->bindings, home);
	if (!b || ha_live(e, b, &s) == 0) {
		dp_mip_icmp6_back(e, pkt, len, ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH, 0, o,
			   &e->st.drop_no_binding, "no binding for the prefix's node");
		return;
	}
	if (b->mip.v6_mode != MIP_V6_TO_COA)
		via_hoa = true;
	/* RFC 4213 3.2.1: the static tunnel MTU; 3.2.2: lowered by the path */
	struct dp_mip_path p = { .src = e->mip.local, .dst = s.coa[0],
			      .kind = (enum encap4_kind)s.encap[0],
			      .mid_src = via_hoa ? e->mip.local : 0, .mid_dst = via_hoa ? home : 0 };
	if (s.port[0]) {
		p.mid_src = p.mid_dst = 0;
		p.sport = UDPTUN_PORT;
		p.dport = s.port[0];
	}
	uint32_t mtu6 = dp_mip_v6_mtu(e, &p, pkt);
	if (len > mtu6) {
		dp_mip_icmp6_back(e, pkt, len, ICMP6_PACKET_TOO_BIG, 0, mtu6, o, &e->st.drop_too_big,
			   "larger than the IPv6 tunnel MTU");
		return;
	}
	ha_send(e, b, &s, via_hoa, pkt, len, o);
}

int dp_mip_ha_copy(struct dp_engine *e, unsigned k, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	uint8_t encap;
	uint16_t port;

	if (e->role != DP_ROLE_MIP_HA || k >= m->copy_n)
		return -ENOENT;
	o->verdict = DP_DROP;
	o->why = NULL;
	o->copies = 0;
	o->frag_mtu = 0;
	if (m->copy_mc) {
		struct binding *mb = binding_get(&e->bindings, m->mc_home[k]);
		if (!mb) {
			dp_drop(o, &e->st.drop_no_binding, "multicast listener has gone");
			return 0;
		}
		uint8_t *c = m->copy_buf + DP_HEADROOM;
		memcpy(c, m->copy_src, m->copy_len);
		ha_mc_one(e, mb, c, m->copy_len, false, o);
		if (o->verdict == DP_TO_TUNNEL4)
			e->st.tx_copies++;
		return 0;
	}
	struct binding *b = binding_get(&e->bindings, m->copy_home);
	uint32_t coa = m->copy_coa[k];
	if (!b || !ha_coa_live(e, b, coa, &encap, &port)) {
		dp_drop(o, &e->st.drop_no_binding, "care-of address has gone");
		return 0;
	}
	uint8_t *pkt = m->copy_buf + DP_HEADROOM;
	memcpy(pkt, m->copy_src, m->copy_len);
	if (m->copy_hdr_saved)
		memcpy(pkt, m->copy_hdr, IP4_HDR_LEN);
	struct dp_mip_path p = { .src = m->local, .dst = coa, .kind = (enum encap4_kind)encap };
	if (port) {
		p.sport = UDPTUN_PORT;
		p.dport = port;
	} else if (m->copy_via_hoa) {
		p.mid_src = m->local;
		p.mid_dst = m->copy_home;
	}
	if (dp_mip_df_mtu(e, &p, pkt, m->copy_len)) {
		dp_drop(o, &e->st.drop_too_big, "copy larger than the path MTU with DF set");
		return 0;
	}
	if (!dp_mip_path_send(e, &p, pkt, m->copy_len, DP_HEADROOM, o, "cannot encapsulate the copy"))
		return 0;
	e->st.tx_copies++;
	b->pkts_out++;
	b->bytes_out += m->copy_len;
	return 0;
}

/* An IPv6 packet that came out of a tunnel whose IPv4 source was from4
 * (RFC 5454 3.3.2, 3.3.3, 3.7.1). */
static void ha_accept6(struct dp_engine *e, uint32_t from4, uint8_t tos, uint8_t *in, size_t len,
		       struct dp_out *o)
{
	struct ip6_view v;
	enum ip_drop why = IP_DROP_NONE;
	struct binding *b;
	uint32_t home;

	if (ip6_parse(in, len, &v, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	if (ll6(&v.src)) {
		/* only through the home address: registered, or MLD */
		b = binding_get(&e->bindings, from4);
		bool reg = prefix6_get(&e->mip.prefixes, &v.src, 128, &home) == 0 && home == from4;
		if (!b || !(reg || is_mld(&v))) {
			dp_drop(o, &e->st.drop_link_local, "link-local source not through the home address");
			return;
		}
		if (is_mld(&v))
			(void)dp_mip_mld_input(e, from4, &v);  /* RFC 5454 3.3.3 */
	} else {
		if (prefix6_lookup(&e->mip.prefixes, &v.src, &home, NULL) < 0) {
			dp_drop(o, &e->st.drop_revtun_bad_inner6, "inner source outside the registered prefixes");
			return;
		}
		b = binding_get(&e->bindings, home);
		if (!b || (from4 != home && !ha_coa_live(e, b, from4, NULL, NULL))) {
			dp_drop(o, &e->st.drop_revtun_bad_outer,
			     "outer source is neither the care-of nor the home address");
			return;
		}
	}
	if (!dp_mip_ecn_ok(e, tos, in, len, o))
		return;
	b->pkts_in++;
	b->bytes_in += len;
	to_tun(e, in, len, o);
}

static void ha_accept4(struct dp_engine *e, struct binding *b, const struct ip4_view *iv,
		       uint8_t *in, size_t len, struct dp_out *o);

/* RFC 3024 5.2: reverse tunnels come from a registered care-of address. */
static void ha_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct encap4_view v;
	enum ip_drop why = IP_DROP_NONE;

	if (encap4_decap(pkt, len, &v, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	if (v.outer.dst != m->local) {
		dp_drop(o, &e->st.drop_not_our_address, "outer destination is not the home agent");
		return;
	}
	if (v.inner_family == 6) {
		ha_accept6(e, v.outer.src, v.outer.tos, v.inner, v.inner_len, o);
		return;
	}
	struct ip4_view iv;
	if (ip4_parse(v.inner, v.inner_len, &iv, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	struct binding *b = binding_get(&e->bindings, iv.src);
	if (!b) {
		dp_drop(o, &e->st.drop_not_registered, "inner source is not a home address");
		return;
	}
	if (!ha_coa_live(e, b, v.outer.src, NULL, NULL)) {
		dp_drop(o, &e->st.drop_revtun_bad_outer, "outer source is not the registered care-of address");
		return;
	}
	if (!dp_mip_ecn_ok(e, v.outer.tos, v.inner, v.inner_len, o))
		return;
	ha_accept4(e, b, &iv, v.inner, v.inner_len, o);
}

/* A reverse-tunnelled IPv4 packet from a registered care-of address. */
static void ha_accept4(struct dp_engine *e, struct binding *b, const struct ip4_view *iv,
		       uint8_t *in, size_t len, struct dp_out *o)
{
	enum ip_drop why = IP_DROP_NONE;

	if (iv->proto == IPPROTO_IPV6 && iv->dst == e->mip.local) {
		/* RFC 5454 3.3.2 (1): IPv6 in IPv4 from the home address */
		struct encap4_view v2;
		if (encap4_decap(in, len, &v2, &why) < 0) {
			dp_mip_malformed(e, why, o);
			return;
		}
		ha_accept6(e, iv->src, v2.outer.tos, v2.inner, v2.inner_len, o);
		return;
	}
	b->pkts_in++;
	b->bytes_in += len;
	to_tun(e, in, len, o);
}

/* ---- mobile node ------------------------------------------------------------------------ */

int dp_mip_mn_set(struct dp_engine *e, const struct dp_mip_mn *mn)
{
	struct dp_mip *m = &e->mip;
	uint32_t deliver = mn->via_fa ? mn->fa_deliver : 0;

	if (e->role != DP_ROLE_MIP_MN || (unsigned)mn->v6_mode > MIP_V6_TO_COA)
		return -EINVAL;
	/* at home nothing is tunnelled: no encapsulation or addresses needed */
	if (!mn->at_home && (((!mn->via_fa || deliver) && !encap_ok(mn->encap)) ||
			     !addr4_ok(mn->home) || !addr4_ok(mn->ha) || !addr4_ok(mn->coa) ||
			     (deliver && !addr4_ok(deliver))))
		return -EINVAL;
	m->home = mn->home;
	m->ha = mn->ha;
	m->coa = mn->coa;
	m->encap = (uint8_t)mn->encap;
	m->v6_mode = (uint8_t)mn->v6_mode;
	m->at_home = mn->at_home;
	m->via_fa = mn->via_fa;
	m->fa_deliver = deliver;
	m->udp_sport = mn->via_fa ? 0 : mn->udp_sport;
	return 0;
}

int dp_mip_mn_unregistered(struct dp_engine *e)
{
	if (e->role != DP_ROLE_MIP_MN)
		return -EINVAL;
	e->mip.ha = 0;
	e->mip.coa = 0;
	e->mip.at_home = false;
	return 0;
}

int dp_mip_mn_prefix_add(struct dp_engine *e, const struct in6_addr *p, uint8_t plen)
{
	uint8_t l;
	int r = plen_of(p, plen, &l);
	if (r == 0 && e->role != DP_ROLE_MIP_MN)
		r = -EINVAL;
	return r < 0 ? r : prefix6_add(&e->mip.prefixes, p, l, MN_PREFIX_VALUE);
}

int dp_mip_mn_prefix_del(struct dp_engine *e, const struct in6_addr *p, uint8_t plen)
{
	uint8_t l;
	int r = plen_of(p, plen, &l);
	if (r == 0 && e->role != DP_ROLE_MIP_MN)
		r = -ENOENT;
	return r < 0 ? r : prefix6_del(&e->mip.prefixes, p, l);
}

void dp_mip_mn_prefix_clear(struct dp_engine *e)
{
	if (e->role != DP_ROLE_MIP_MN)
		return;
	prefix6_free(&e->mip.prefixes);
	prefix6_init(&e->mip.prefixes);
}

/* One of the node's registered IPv6 addresses: a link-local one exactly,
 * the others under a registered prefix. */
static bool mn_registered6(const struct dp_mip *m, const struct in6_addr *a)
{
	uint32_t v;
	if (ll6(a))
		return prefix6_get(&m->prefixes, a, 128, &v) == 0;
	return prefix6_lookup(&m->prefixes, a, &v, NULL) == 0;
}

/* The node's packet from the TUN out along p: IPv4 from the home address
 * (DF above the path MTU: fragmentation needed from icmp_src), IPv6 from a
 * registered address or MLD from a link-local one; IPv6 goes first as 6in4
 * from the home address to the home agent (p's mid) when the mode needs it:
 * via an agent with the encapsulating delivery style, co-located for a
 * link-local source or in mode MIP_V6_TO_HOA (not over UDP). */
static void mn_out(struct dp_engine *e, struct dp_mip_path *p, uint8_t *pkt, size_t len,
		   uint32_t icmp_src, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	enum ip_drop why = IP_DROP_NONE;

	if (len >= 1 && pkt[0] >> 4 == 4) {
		struct ip4_view v;
		if (ip4_parse(pkt, len, &v, &why) < 0) {
			dp_mip_malformed(e, why, o);
			return;
		}
		len = v.total_len;
		if (v.src != m->home) {
			dp_drop(o, &e->st.drop_bad_source, "source is not the home address");
			return;
		}
		uint16_t mtu = dp_mip_df_mtu(e, p, pkt, len);
		if (mtu) {
			dp_mip_icmp4_back(e, pkt, len, ICMP4_CODE_FRAG_NEEDED, mtu, icmp_src, o,
					  &e->st.drop_too_big, "larger than the path MTU with DF set");
			return;
		}
	} else if (len >= 1 && pkt[0] >> 4 == 6) {
		struct ip6_view v;
		if (ip6_parse(pkt, len, &v, &why) < 0) {
			dp_mip_malformed(e, why, o);
			return;
		}
		len = IP6_HDR_LEN + (size_t)v.payload_len;
		bool ll = ll6(&v.src);
		if (!mn_registered6(m, &v.src) && !(ll && is_mld(&v))) {
			dp_drop(o, &e->st.drop_bad_source, "source is not a registered IPv6 address");
			return;
		}
		if (m->via_fa ? m->fa_deliver != 0
			      : (ll || m->v6_mode != MIP_V6_TO_COA) && !p->dport) {
			p->mid_src = m->home;
			p->mid_dst = m->ha;
		}
		uint32_t mtu6 = dp_mip_v6_mtu(e, p, pkt);
		if (len > mtu6) {
			dp_mip_icmp6_back(e, pkt, len, ICMP6_PACKET_TOO_BIG, 0, mtu6, o,
					  &e->st.drop_too_big, "larger than the IPv6 tunnel MTU");
			return;
		}
	} else {
		dp_mip_malformed(e, len ? IP_DROP_BAD_VERSION : IP_DROP_TRUNCATED, o);
		return;
	}
	dp_mip_path_send(e, p, pkt, len, DP_HEADROOM, o, "cannot encapsulate");
}

/* Via a foreign agent (RFC 5944 care-of address mode): IPv4 leaves
 * natively through the agent (it reverse-tunnels when T was granted);
 * IPv6 in code-0 mode goes as 6in4 from the home address to the home
 * agent (RFC 5454 3.5), in code-1 mode natively.  With the encapsulating
 * delivery style (RFC 3024 5.2) IPv4 and that 6in4 go encapsulated from
 * the home address to the agent. */
static void mn_tun_in_fa(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct dp_mip_path p = { .src = m->home, .dst = m->ha, .kind = ENCAP4_6IN4 };
	bool v4 = len >= 1 && pkt[0] >> 4 == 4;

	if (m->fa_deliver) {
		p.dst = m->fa_deliver;
		p.kind = (enum encap4_kind)m->encap;
	} else if (v4) {
		dp_drop(o, &e->st.drop_via_fa_ipv4, "via a foreign agent IPv4 is not tunnelled here");
		return;
	}
	if (!v4 && m->v6_mode == MIP_V6_TO_COA) {
		dp_drop(o, &e->st.drop_via_fa_native6, "IPv6 is native via this foreign agent");
		return;
	}
	mn_out(e, &p, pkt, len, m->home, o);
}

/* RFC 3024 5.2 (the node's side), RFC 5454 3.3.2, 3.3.3, 3.7.1. */
static void mn_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct dp_mip_path p = { .src = m->coa, .dst = m->ha, .kind = (enum encap4_kind)m->encap };

	if (m->at_home) {
		dp_drop(o, &e->st.drop_at_home, "at home: nothing is tunnelled");
		return;
	}
	if (!m->ha) {
		dp_drop(o, &e->st.drop_no_binding, "not registered");
		return;
	}
	if (m->via_fa) {
		mn_tun_in_fa(e, pkt, len, o);
		return;
	}
	if (m->udp_sport) {
		/* RFC 3519 4.2: IPv4 and IPv6 (RFC 5454 3.9) directly in UDP */
		p.sport = m->udp_sport;
		p.dport = UDPTUN_PORT;
	}
	mn_out(e, &p, pkt, len, m->coa, o);
}

/* An IPv6 packet for the node out of a tunnel (via_hoa: through the home
 * address, where a link-local destination may come). */
static void mn_accept6(struct dp_engine *e, uint8_t *in, size_t ilen, uint8_t tos, bool via_hoa,
		       struct dp_out *o)
{
	struct ip6_view v6;
	enum ip_drop why = IP_DROP_NONE;

	if (ip6_parse(in, ilen, &v6, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	if (ll6(&v6.dst) && !via_hoa) {
		dp_drop(o, &e->st.drop_link_local, "link-local destination not through the home address");
		return;
	}
	if (mc6(&v6.dst)) {
		/* RFC 5454 3.3.3: group traffic the home agent tunnels (the
		 * node's kernel delivers only groups it joined), and MLD
		 * queries from it through the home address; no other
		 * link-scope multicast */
		if ((v6.dst.s6_addr[1] & 0x0f) <= 2 && !(via_hoa && ll6(&v6.src) && is_mld(&v6))) {
			dp_drop(o, &e->st.drop_multicast, "link-scope multicast other than MLD");
			return;
		}
	} else if (!mn_registered6(&e->mip, &v6.dst)) {
		dp_drop(o, &e->st.drop_not_our_address, "inner destination is not a registered address");
		return;
	}
	if (!dp_mip_ecn_ok(e, tos, in, ilen, o))
		return;
	to_tun(e, in, ilen, o);
}

/* The inner packet (family 4 or 6) of a tunnel packet from the home agent
 * to the care-of address. */
static void mn_accept(struct dp_engine *e, uint8_t fam, uint8_t *in, size_t ilen, uint8_t tos,
		      struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	enum ip_drop why = IP_DROP_NONE;

	if (fam == 6) {
		mn_accept6(e, in, ilen, tos, false, o);
		return;
	}
	struct ip4_view iv;
	if (ip4_parse(in, ilen, &iv, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	if (iv.dst != m->home) {
		dp_drop(o, &e->st.drop_not_our_address, "inner destination is not our home address");
		return;
	}
	if (!dp_mip_ecn_ok(e, tos, in, ilen, o))
		return;
	if (iv.proto != IPPROTO_IPV6 || iv.src != m->ha) {
		to_tun(e, in, ilen, o);
		return;
	}
	/* RFC 5454 3.3.2 (1): IPv6 in IPv4 to the home address */
	struct encap4_view v2;
	if (encap4_decap(in, ilen, &v2, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	mn_accept6(e, v2.inner, v2.inner_len, v2.outer.tos, true, o);
}

static void mn_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct encap4_view v;
	enum ip_drop why = IP_DROP_NONE;

	if (m->at_home) {
		dp_drop(o, &e->st.drop_at_home, "at home: nothing is tunnelled");
		return;
	}
	if (encap4_decap(pkt, len, &v, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	if (!m->ha || v.outer.src != m->ha) {
		dp_drop(o, &e->st.drop_not_from_ha, "tunnel packet not from our home agent");
		return;
	}
	if (m->via_fa) {
		/* RFC 5454 3.5 code 0 via a foreign agent: only IPv6 in IPv4
		 * to the home address reaches us (the agent decapsulates the
		 * tunnel to its care-of address) */
		if (v.outer.dst != m->home) {
			dp_drop(o, &e->st.drop_not_our_address, "outer destination is not our home address");
			return;
		}
		if (v.kind != ENCAP4_6IN4) {
			dp_drop(o, &e->st.drop_via_fa_ipv4, "via a foreign agent only 6in4 comes here");
			return;
		}
		if (m->v6_mode == MIP_V6_TO_COA) {
			dp_drop(o, &e->st.drop_via_fa_native6, "IPv6 is native via this foreign agent");
			return;
		}
		mn_accept6(e, v.inner, v.inner_len, v.outer.tos, true, o);
		return;
	}
	if (v.outer.dst != m->coa) {
		dp_drop(o, &e->st.drop_not_our_address, "outer destination is not our care-of address");
		return;
	}
	mn_accept(e, v.inner_family, v.inner, v.inner_len, v.outer.tos, o);
}

/* ---- entry points ----------------------------------------------------------------------- */

void dp_mip_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	o->verdict = DP_DROP;
	o->why = NULL;
	o->copies = 0;
	o->frag_mtu = 0;
	e->mip.copy_n = 0;
	e->st.rx_tun++;
	e->st.rx_tun_bytes += len;
	if (e->role == DP_ROLE_MIP_MN) {
		mn_tun_in(e, pkt, len, o);
		return;
	}
	if (e->role == DP_ROLE_MIP_FA) {
		dp_fa_tun_in(e, pkt, len, o);
		return;
	}
	if (e->role != DP_ROLE_MIP_HA) {
		dp_drop(o, &e->st.drop_no_binding, "not a Mobile IPv4 engine");
		return;
	}
	if (len >= 1 && pkt[0] >> 4 == 4)
		ha_tun_in4(e, pkt, len, o);
	else if (len >= 1 && pkt[0] >> 4 == 6)
		ha_tun_in6(e, pkt, len, o);
	else
		dp_mip_malformed(e, len ? IP_DROP_BAD_VERSION : IP_DROP_TRUNCATED, o);
}

void dp_mip_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	o->verdict = DP_DROP;
	o->why = NULL;
	o->copies = 0;
	o->frag_mtu = 0;
	e->mip.copy_n = 0;
	e->st.rx_tunnel++;
	e->st.rx_tunnel_bytes += len;
	if (e->role == DP_ROLE_MIP_MN)
		mn_tunnel_in(e, pkt, len, o);
	else if (e->role == DP_ROLE_MIP_HA)
		ha_tunnel_in(e, pkt, len, o);
	else if (e->role == DP_ROLE_MIP_FA)
		dp_fa_tunnel_in(e, pkt, len, o);
	else
		dp_drop(o, &e->st.drop_no_binding, "not a Mobile IPv4 engine");
}

/* ---- RFC 3519 UDP tunnelling ------------------------------------------------------------ */

static void udptun_bad(struct dp_engine *e, enum udptun_drop why, struct dp_out *o)
{
	dp_drop(o, why == UDPTUN_DROP_NEXT_HDR_MISMATCH || why == UDPTUN_DROP_BAD_NEXT_HDR
			? &e->st.drop_udptun_next_hdr : &e->st.drop_udptun_malformed,
	     udptun_drop_name(why));
}

/* RFC 3519 4.9: answer a keepalive (echo request to `local` from a home
 * address whose care-of address and port it came from) with an echo
 * reply, in the copy buffer. */
static void ha_keepalive(struct dp_engine *e, const struct udptun_keepalive *k, uint32_t src,
			 uint16_t sport, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct binding *b = binding_get(&e->bindings, ntohl(k->src));
	uint16_t port = 0;

	if (!b || !ha_coa_live(e, b, src, NULL, &port) || port != sport) {
		dp_drop(o, &e->st.drop_udptun_keepalive, "keepalive not from a registered home address");
		return;
	}
	e->st.udptun_keepalive_in++;
	struct udptun_keepalive r = *k;
	r.type = UDPTUN_ECHO_REPLY;
	r.src = k->dst;
	r.dst = k->src;
	uint8_t *pkt = m->copy_buf + DP_HEADROOM;
	int n = udptun_keepalive_build(&r, next_id(m), pkt, 65535 - UDPTUN_HEADROOM);
	if (n < 0) {
		dp_drop(o, &e->st.drop_udptun_keepalive, "keepalive too large to answer");
		return;
	}
	m->copy_n = 0;               /* the copy buffer is the reply's now */
	struct dp_mip_path p = { .src = m->local, .dst = src, .sport = UDPTUN_PORT, .dport = sport };
	if (!dp_mip_path_send(e, &p, pkt, (size_t)n, DP_HEADROOM, o,
			      "cannot encapsulate the keepalive reply"))
		return;
	e->st.udptun_keepalive_out++;
}

/* RFC 3519 4.3: tunnel data from src:sport; RFC 3024 5.2 checks. */
static void ha_udptun_in(struct dp_engine *e, const struct udptun_view *v, uint8_t *in,
			 uint32_t src, uint16_t sport, uint32_t dst, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	enum udptun_drop uwhy = UDPTUN_DROP_NONE;
	enum ip_drop why = IP_DROP_NONE;
	struct udptun_keepalive k;
	struct ip4_view iv;
	struct binding *b;
	uint32_t home;
	uint16_t port = 0;

	if (dst != m->local) {
		dp_drop(o, &e->st.drop_not_our_address, "destination is not the home agent");
		return;
	}
	if (udptun_keepalive_parse(v, &k, NULL) == 0 && k.type == UDPTUN_ECHO_REQUEST &&
	    ntohl(k.dst) == m->local) {
		ha_keepalive(e, &k, src, sport, o);
		return;
	}
	if (v->next_hdr == UDPTUN_NH_IPV4) {
		if (ip4_parse(in, v->inner_len, &iv, &why) < 0) {
			dp_mip_malformed(e, why, o);
			return;
		}
		home = iv.src;
		b = binding_get(&e->bindings, home);
		if (!b) {
			dp_drop(o, &e->st.drop_not_registered, "inner source is not a home address");
			return;
		}
	} else if (v->next_hdr == UDPTUN_NH_IPV6) {
		struct in6_addr s6;
		memcpy(&s6, in + 8, sizeof(s6));
		if (!ll6(&s6) ? prefix6_lookup(&m->prefixes, &s6, &home, NULL) < 0
			      : prefix6_get(&m->prefixes, &s6, 128, &home) < 0) {
			dp_drop(o, &e->st.drop_revtun_bad_inner6, "inner source outside the registered prefixes");
			return;
		}
		b = binding_get(&e->bindings, home);
		if (!b) {
			dp_drop(o, &e->st.drop_revtun_bad_inner6, "inner source's node has no binding");
			return;
		}
	} else {
		udptun_bad(e, UDPTUN_DROP_NEXT_HDR_MISMATCH, o);
		return;
	}
	if (!ha_coa_live(e, b, src, NULL, &port) || !port) {
		dp_drop(o, &e->st.drop_udptun_no_binding, "not from a UDP-tunnelled care-of address");
		return;
	}
	if (port != sport) {
		dp_drop(o, &e->st.drop_udptun_bad_port, "not from the registered UDP port");
		return;
	}
	/* RFC 3519 3.3: next header as established (4; IPv6 41, RFC 5454 3.9) */
	if (udptun_check_mode(v, UDPTUN_NH_IPV4,
			      b->mip.n_prefix != 0 || b->mip.v6_mode != MIP_V6_NONE, &uwhy) < 0) {
		udptun_bad(e, uwhy, o);
		return;
	}
	e->st.udptun_in++;
	if (v->next_hdr == UDPTUN_NH_IPV6) {
		/* src:sport is home's (checked above): as if through it */
		ha_accept6(e, home, 0, in, v->inner_len, o);
		return;
	}
	ha_accept4(e, b, &iv, in, v->inner_len, o);
}

static void mn_udptun_in(struct dp_engine *e, const struct udptun_view *v, uint8_t *in,
			 uint32_t src, uint16_t sport, uint32_t dst, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	enum udptun_drop uwhy = UDPTUN_DROP_NONE;
	struct udptun_keepalive k;

	if (m->at_home) {
		dp_drop(o, &e->st.drop_at_home, "at home: nothing is tunnelled");
		return;
	}
	if (!m->ha || src != m->ha || sport != UDPTUN_PORT) {
		dp_drop(o, &e->st.drop_not_from_ha, "tunnel data not from our home agent's port 434");
		return;
	}
	if (!m->udp_sport || dst != m->coa) {
		dp_drop(o, &e->st.drop_not_our_address, "tunnel data not for our care-of address");
		return;
	}
	if (udptun_check_mode(v, UDPTUN_NH_IPV4, true, &uwhy) < 0) {
		udptun_bad(e, uwhy, o);
		return;
	}
	if (udptun_keepalive_parse(v, &k, NULL) == 0 && k.type == UDPTUN_ECHO_REPLY &&
	    ntohl(k.src) == m->ha)
		e->st.udptun_keepalive_in++;   /* into the TUN like any reply */
	e->st.udptun_in++;
	/* no outer TOS reaches a UDP socket: nothing for RFC 6040 to do */
	mn_accept(e, v->next_hdr == UDPTUN_NH_IPV6 ? 6 : 4, in, v->inner_len, 0, o);
}

void dp_mip_udptun_in(struct dp_engine *e, uint8_t *msg, size_t len, uint32_t src,
		      uint16_t sport, uint32_t dst, struct dp_out *o)
{
	struct udptun_view v;
	enum udptun_drop why = UDPTUN_DROP_NONE;

	o->verdict = DP_DROP;
	o->why = NULL;
	o->copies = 0;
	o->frag_mtu = 0;
	e->mip.copy_n = 0;
	e->st.rx_tunnel++;
	e->st.rx_tunnel_bytes += len;
	if (e->role != DP_ROLE_MIP_HA && e->role != DP_ROLE_MIP_MN) {
		dp_drop(o, &e->st.drop_udptun_no_binding, "no UDP tunnelling in this role");
		return;
	}
	if (udptun_parse(msg, len, &v, &why) < 0) {
		udptun_bad(e, why, o);
		return;
	}
	/* decapsulated in place: inner is inside msg */
	uint8_t *in = msg + (v.inner - msg);
	if (e->role == DP_ROLE_MIP_HA)
		ha_udptun_in(e, &v, in, src, sport, dst, o);
	else
		mn_udptun_in(e, &v, in, src, sport, dst, o);
}

/* ---- ICMPv4 errors from within the tunnel (RFC 2003 4, RFC 4213 3.4) ------------------ */

#define ICMP4_PORT_UNREACH 3
#define ICMP4_SRCRT_FAILED 5
#define ICMP6_TYPE_REDIRECT 137
#define RELAY_QUOTE_MAX (ICMP6_ERROR_MAX - IP6_HDR_LEN - ICMP_HDR_LEN)

/* What the quoted tunnel packet tells. */
struct tq {
	const uint8_t *outer;
	size_t ohl;                  /* outer header length */
	uint16_t total;              /* outer total length */
	uint8_t proto;
	uint32_t src, dst;
	uint8_t fam;                 /* inner: 4, 6, or 0 = not in the quote */
	const uint8_t *in;           /* the inner packet as far as quoted */
	size_t ilen;
	size_t ov;                   /* tunnel octets in front of it */
	uint32_t mid_dst;            /* RFC 5454 3.3.2 6in4 layer inside: its
	                                destination (home agent: the home
	                                address), else 0 */
	bool has_home;
	uint32_t home;               /* the home address the packet went for */
	uint8_t mbuf[RELAY_QUOTE_MAX]; /* minimal: the original rebuilt */
};

static bool single_host4(uint32_t a)
{
	uint8_t hi = (uint8_t)(a >> 24);
	return hi != 0 && hi != 127 && hi < 224;
}

static bool icmp4_error_type(uint8_t t)
{
	return t == ICMP4_DEST_UNREACH || t == ICMP4_SOURCE_QUENCH || t == ICMP4_REDIRECT ||
	       t == ICMP4_TIME_EXCEEDED || t == ICMP4_PARAM_PROBLEM;
}

/* The inner packet behind the encapsulation header of the quote
 * q->outer[q->ohl .. avail). */
static void tq_inner(struct tq *q, size_t avail)
{
	const uint8_t *pl = q->outer + q->ohl;
	size_t plen = avail - q->ohl;

	switch (q->proto) {
	case IPPROTO_IPIP:
		q->fam = 4;
		break;
	case IPPROTO_IPV6:
		q->fam = 6;
		break;
	case IPPROTO_UDP:
		/* RFC 3519 3.3 (tq_ours checked the headers are there) */
		q->fam = pl[UDPTUN_UDP_HDR_LEN + 1] == UDPTUN_NH_IPV4 ? 4 : 6;
		pl += UDPTUN_UDP_HDR_LEN + UDPTUN_HDR_LEN;
		plen -= UDPTUN_UDP_HDR_LEN + UDPTUN_HDR_LEN;
		q->ov = q->ohl + UDPTUN_UDP_HDR_LEN + UDPTUN_HDR_LEN;
		break;
	case IPPROTO_GRE: {
		/* RFC 2784 2, RFC 2890: C, K, S each add 4 octets */
		if (plen < 4)
			return;
		uint16_t fl = get_be16(pl);
		size_t gl = 4 + (fl & 0x8000 ? 4 : 0) + (fl & 0x2000 ? 4 : 0) + (fl & 0x1000 ? 4 : 0);
		uint16_t pt = get_be16(pl + 2);
		if ((fl & 0x4007) || plen < gl || (pt != GRE_PROTO_IPV4 && pt != GRE_PROTO_IPV6))
			return;
		q->fam = pt == GRE_PROTO_IPV4 ? 4 : 6;
		pl += gl;
		plen -= gl;
		q->ov = q->ohl + gl;
		break;
	}
	case ENCAP4_PROTO_MINIMAL: {
		/* RFC 2004 3: the outer header is the original's, rewritten */
		if (plen < 8)
			return;
		size_t fl = pl[1] & 0x80 ? 12 : 8;
		q->has_home = true;
		q->home = get_be32(pl + 4);
		if (plen < fl || q->total < q->ohl + fl)
			return;
		size_t n = MIN(q->ohl + plen - fl, sizeof(q->mbuf));
		if (n < q->ohl)
			return;
		memcpy(q->mbuf, q->outer, q->ohl);
		memcpy(q->mbuf + q->ohl, pl + fl, n - q->ohl);
		q->mbuf[9] = pl[0];
		put_be16(q->mbuf + 2, (uint16_t)(q->total - fl));
		memcpy(q->mbuf + 16, pl + 4, 4);
		if (fl == 12)
			memcpy(q->mbuf + 12, pl + 8, 4);
		put_be16(q->mbuf + 10, 0);
		put_be16(q->mbuf + 10, ip_csum(q->mbuf, q->ohl));
		q->fam = 4;
		q->in = q->mbuf;
		q->ilen = n;
		q->ov = fl;
		return;
	}
	default:
		return;
	}
	q->in = pl;
	q->ilen = plen;
	if (!q->ov)
		q->ov = q->ohl;
}

/* A whole inner header in the quote? */
static bool tq_whole4(const uint8_t *in, size_t ilen)
{
	return ilen >= IP4_HDR_LEN && in[0] >> 4 == 4 && (in[0] & 0x0f) >= 5 &&
	       (size_t)(in[0] & 0x0f) * 4 <= ilen && get_be16(in + 2) >= (in[0] & 0x0f) * 4;
}

static bool tq_whole6(const uint8_t *in, size_t ilen)
{
	return ilen >= IP6_HDR_LEN && in[0] >> 4 == 6;
}

/* RFC 5454 3.3.2: IPv6 in IPv4 from src inside the tunnel: the IPv6
 * packet is the one to answer. */
static void tq_unwrap6(struct tq *q, uint32_t src)
{
	if (q->fam != 4 || !tq_whole4(q->in, q->ilen) || q->in[9] != IPPROTO_IPV6 ||
	    get_be32(q->in + 12) != src)
		return;
	size_t hl = (size_t)(q->in[0] & 0x0f) * 4;
	q->fam = 6;
	q->mid_dst = get_be32(q->in + 16);
	q->in += hl;
	q->ilen -= hl;
	q->ov += hl;
}

/* An ICMPv4 error about the inner IPv4 packet in[0 .. ilen) (a quote, its
 * payload possibly cut) to its source, RFC 1812 4.3.2.7 observed. */
static int relay4(struct dp_engine *e, uint8_t type, uint8_t code, uint16_t mtu, uint32_t src,
		  const uint8_t *in, size_t ilen, uint8_t *out)
{
	size_t hl = (size_t)(in[0] & 0x0f) * 4;
	size_t avail = MIN(ilen, (size_t)get_be16(in + 2));
	uint32_t isrc = get_be32(in + 12), idst = get_be32(in + 16);

	if (get_be16(in + 6) & 0x1fff)
		return -EPERM;
	if ((idst >> 28) == 0xe || idst == 0xffffffffu || !single_host4(isrc))
		return -EPERM;
	if (in[9] == IPPROTO_ICMP && (avail <= hl || icmp4_error_type(in[hl])))
		return -EPERM;
	size_t quote = MIN(avail, (size_t)ICMP4_ERROR_MAX - IP4_HDR_LEN - ICMP_HDR_LEN);
	size_t total = IP4_HDR_LEN + ICMP_HDR_LEN + quote;
	uint8_t *ip = out, *icmp = out + IP4_HDR_LEN;

	memset(out, 0, IP4_HDR_LEN + ICMP_HDR_LEN);
	ip[0] = 0x45;
	ip[1] = 0xc0;                /* RFC 1812 4.3.2.5 */
	put_be16(ip + 2, (uint16_t)total);
	put_be16(ip + 4, ++e->icmp_id);
	ip[8] = ICMP4_ERROR_TTL;
	ip[9] = IPPROTO_ICMP;
	put_be32(ip + 12, src);
	put_be32(ip + 16, isrc);
	put_be16(ip + 10, ip_csum(ip, IP4_HDR_LEN));
	icmp[0] = type;
	icmp[1] = code;
	if (type == ICMP4_DEST_UNREACH && code == ICMP4_CODE_FRAG_NEEDED)
		put_be16(icmp + 6, mtu);     /* RFC 1191 4 */
	memcpy(icmp + ICMP_HDR_LEN, in, quote);
	put_be16(icmp + 2, ip_csum(icmp, ICMP_HDR_LEN + quote));
	return (int)total;
}

/* An ICMPv6 error about the inner IPv6 packet in[0 .. ilen) to its source,
 * RFC 4443 2.4 (e) observed. */
static int relay6(struct dp_engine *e, uint8_t type, uint8_t code, uint32_t mtu, const uint8_t *in,
		  size_t ilen, uint8_t *out)
{
	const struct in6_addr *src = &e->mip.icmp6_src;
	struct in6_addr isrc, idst;
	size_t avail = MIN(ilen, (size_t)IP6_HDR_LEN + get_be16(in + 4));

	memcpy(&isrc, in + 8, 16);
	memcpy(&idst, in + 24, 16);
	if (IN6_IS_ADDR_UNSPECIFIED(src) || IN6_IS_ADDR_UNSPECIFIED(&isrc) || mc6(&isrc) ||
	    (mc6(&idst) && type != ICMP6_PACKET_TOO_BIG))
		return -EPERM;
	if (in[6] == IPPROTO_ICMPV6 && (avail <= IP6_HDR_LEN || in[IP6_HDR_LEN] < 128 ||
					in[IP6_HDR_LEN] == ICMP6_TYPE_REDIRECT))
		return -EPERM;
	size_t quote = MIN(avail, (size_t)RELAY_QUOTE_MAX);
	size_t plen = ICMP_HDR_LEN + quote;
	uint8_t *icmp = out + IP6_HDR_LEN;

	memset(out, 0, IP6_HDR_LEN + ICMP_HDR_LEN);
	out[0] = 0x60;
	put_be16(out + 4, (uint16_t)plen);
	out[6] = IPPROTO_ICMPV6;
	out[7] = ICMP6_ERROR_HOP_LIMIT;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, &isrc, 16);
	icmp[0] = type;
	icmp[1] = code;
	if (type == ICMP6_PACKET_TOO_BIG)
		put_be32(icmp + 4, mtu);
	memcpy(icmp + ICMP_HDR_LEN, in, quote);
	uint32_t sum = ip_csum_pseudo6(src, &isrc, IPPROTO_ICMPV6, (uint32_t)plen);
	put_be16(icmp + 2, ip_csum_fold(ip_csum_partial(sum, icmp, plen)));
	return (int)(IP6_HDR_LEN + plen);
}

/* RFC 1191 7: the plateau below a packet of len octets, for routers that
 * do not say the next-hop MTU. */
static uint16_t plateau_below(uint16_t len)
{
	static const uint16_t pl[] = { 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296,
				       IP4_MIN_MTU };
	for (size_t i = 0; i < ARRAY_SIZE(pl); i++)
		if (pl[i] < len)
			return pl[i];
	return IP4_MIN_MTU;
}

static void no_relay(struct dp_engine *e, struct dp_out *o, const char *why)
{
	dp_drop(o, &e->st.icmp4_not_relayed, why);
}

/* Foreign agent: the quote must be a reverse tunnel packet of a visitor,
 * from its care-of address to its home agent, the visitor named by the
 * inner source (RFC 3024 5.2). */
static const char *tq_fa(struct dp_engine *e, const struct tq *q)
{
	struct dp_fa_visitor fv;
	uint32_t home;

	if (q->fam == 4 && tq_whole4(q->in, q->ilen)) {
		home = get_be32(q->in + 12);
	} else if (q->fam == 6 && tq_whole6(q->in, q->ilen)) {
		struct in6_addr s6;
		memcpy(&s6, q->in + 8, 16);
		if (prefix6_lookup(&e->mip.prefixes, &s6, &home, NULL) < 0)
			return "quoted inner source is not under a visitor's prefix";
	} else {
		return "quote too short to name the visitor";
	}
	if (dp_fa_visitor_get(e, home, &fv) < 0 || fv.coa != q->src || fv.ha != q->dst)
		return "quoted packet is not a visitor's reverse tunnel";
	return NULL;
}

/* Is the quote one of our tunnel packets?  Fills q. */
static const char *tq_ours(struct dp_engine *e, const uint8_t *msg, size_t len, struct tq *q)
{
	const struct dp_mip *m = &e->mip;
	if (len < ICMP_HDR_LEN + IP4_HDR_LEN)
		return "ICMPv4 message too short for a quoted header";
	if (!icmp4_error_type(msg[0]) || msg[0] == ICMP4_REDIRECT)
		return "not an ICMPv4 error about a tunnel packet";
	q->outer = msg + ICMP_HDR_LEN;
	size_t qlen = len - ICMP_HDR_LEN;
	if (!tq_whole4(q->outer, qlen))
		return "quoted header malformed";
	q->ohl = (size_t)(q->outer[0] & 0x0f) * 4;
	q->total = get_be16(q->outer + 2);
	q->proto = q->outer[9];
	q->src = get_be32(q->outer + 12);
	q->dst = get_be32(q->outer + 16);
	if (get_be16(q->outer + 6) & 0x1fff)
		return "about a non-first fragment";
	if (q->proto != IPPROTO_IPIP && q->proto != IPPROTO_IPV6 && q->proto != IPPROTO_GRE &&
	    q->proto != ENCAP4_PROTO_MINIMAL && q->proto != IPPROTO_UDP)
		return "quoted packet is not a tunnel packet";
	uint16_t udp_dport = 0;
	if (q->proto == IPPROTO_UDP) {
		/* RFC 3519 tunnel data from our port (home agent: 434; mobile
		 * node: udp_sport to 434) */
		const uint8_t *u = q->outer + q->ohl;
		if (e->role == DP_ROLE_MIP_FA ||
		    MIN(qlen, (size_t)q->total) < q->ohl + UDPTUN_UDP_HDR_LEN + UDPTUN_HDR_LEN ||
		    u[UDPTUN_UDP_HDR_LEN] != UDPTUN_TYPE ||
		    (u[UDPTUN_UDP_HDR_LEN + 1] != UDPTUN_NH_IPV4 &&
		     u[UDPTUN_UDP_HDR_LEN + 1] != UDPTUN_NH_IPV6))
			return "quoted packet is not a tunnel packet";
		udp_dport = get_be16(u + 2);
		if (e->role == DP_ROLE_MIP_HA ? get_be16(u) != UDPTUN_PORT
					      : !m->udp_sport || get_be16(u) != m->udp_sport ||
							udp_dport != UDPTUN_PORT)
			return "quoted packet is not our UDP tunnel data";
	}
	if (e->role == DP_ROLE_MIP_HA) {
		if (!m->local || q->src != m->local || !addr4_ok(q->dst) || !single_host4(q->dst))
			return "quoted packet not from the home agent";
	} else if (e->role == DP_ROLE_MIP_FA) {
		if (!single_host4(q->src) || !single_host4(q->dst))
			return "quoted packet not a reverse tunnel";
	} else if (m->at_home || !m->ha || q->src != (m->via_fa ? m->home : m->coa) ||
		   q->dst != m->ha) {
		return "quoted packet not our reverse tunnel";
	}
	tq_inner(q, MIN(qlen, (size_t)q->total));
	if (e->role == DP_ROLE_MIP_FA)
		return tq_fa(e, q);
	tq_unwrap6(q, e->role == DP_ROLE_MIP_HA ? m->local : m->home);
	if (e->role == DP_ROLE_MIP_HA) {
		if (q->mid_dst) {
			q->has_home = true;
			q->home = q->mid_dst;
		}
		/* RFC 2003 4: the packet must have gone to a care-of address
		 * of the node it was for, when the quote tells which */
		if (!q->has_home && q->fam == 4 && tq_whole4(q->in, q->ilen)) {
			q->has_home = true;
			q->home = get_be32(q->in + 16);
		} else if (!q->has_home && q->fam == 6 && tq_whole6(q->in, q->ilen)) {
			struct in6_addr d;
			uint32_t h;
			memcpy(&d, q->in + 24, 16);
			if (prefix6_lookup(&e->mip.prefixes, &d, &h, NULL) == 0) {
				q->has_home = true;
				q->home = h;
			}
		}
		if (q->has_home) {
			const struct binding *b = binding_get(&e->bindings, q->home);
			uint16_t port = 0;
			if (!b || !ha_coa_live(e, b, q->dst, NULL, &port) ||
			    (q->proto == IPPROTO_UDP ? port != udp_dport : port != 0))
				return "quoted packet's care-of address is not registered";
		}
	} else if (q->fam == 4 && tq_whole4(q->in, q->ilen) && get_be32(q->in + 12) != m->home) {
		return "quoted inner source is not our home address";
	}
	return NULL;
}

void dp_mip_icmp4_in(struct dp_engine *e, const uint8_t *msg, size_t len, struct dp_out *o)
{
	struct tq q;
	o->verdict = DP_DROP;
	o->why = NULL;
	o->copies = 0;
	o->frag_mtu = 0;
	if (e->role != DP_ROLE_MIP_HA && e->role != DP_ROLE_MIP_MN && e->role != DP_ROLE_MIP_FA) {
		dp_drop(o, &e->st.drop_icmp_not_ours, "not a Mobile IPv4 engine");
		return;
	}
	memset(&q, 0, offsetof(struct tq, mbuf));
	const char *nope = tq_ours(e, msg, len, &q);
	if (nope) {
		dp_drop(o, &e->st.drop_icmp_not_ours, nope);
		return;
	}
	e->st.icmp4_tunnel_in++;

	uint8_t type = msg[0], code = msg[1];
	bool frag_needed = type == ICMP4_DEST_UNREACH && code == ICMP4_CODE_FRAG_NEEDED;
	if (frag_needed) {
		/* RFC 2003 4.1, RFC 1191 */
		uint16_t mtu = get_be16(msg + 6);
		if (mtu < IP4_MIN_MTU || mtu >= q.total)
			mtu = plateau_below(q.total);
		if (mtu < e->mip.pmtu_min)
			mtu = e->mip.pmtu_min;
		pmtu_lower(e, q.dst, mtu);
	}
	/* RFC 2003 4: what is not relayed */
	if (type == ICMP4_SOURCE_QUENCH) {
		no_relay(e, o, "source quench is not relayed (RFC 2003 4)");
		return;
	}
	if (type == ICMP4_PARAM_PROBLEM) {
		no_relay(e, o, "parameter problem in our outer header is not relayed");
		return;
	}
	if (type == ICMP4_DEST_UNREACH && (code == ICMP4_PORT_UNREACH || code == ICMP4_SRCRT_FAILED)) {
		no_relay(e, o, "port unreachable / source route failed are not relayed");
		return;
	}
	bool whole = q.fam == 4 ? tq_whole4(q.in, q.ilen) : q.fam == 6 && tq_whole6(q.in, q.ilen);
	if (!whole) {
		no_relay(e, o, "quote too short to relay (RFC 2003 4)");
		return;
	}
	uint16_t pm = path_mtu(e, q.dst);
	uint8_t rt, rc;
	uint32_t rmtu = 0;
	if (q.fam == 4) {
		rt = ICMP4_DEST_UNREACH;
		rc = ICMP4_CODE_HOST_UNREACH;
		if (frag_needed) {
			if (!(get_be16(q.in + 6) & 0x4000)) {
				no_relay(e, o, "fragmentation needed for a packet without DF: the tunnel fragments");
				return;
			}
			rc = ICMP4_CODE_FRAG_NEEDED;
			rmtu = pm > q.ov + IP4_MIN_MTU ? pm - (uint32_t)q.ov : IP4_MIN_MTU;
		} else if (type == ICMP4_DEST_UNREACH && e->role != DP_ROLE_MIP_HA &&
			   (code == 0 || code == 2 || code == 6 || code == 11)) {
			rc = 0;   /* network unreachable: the node's destination is anywhere */
		}
	} else {
		rt = ICMP6_DEST_UNREACH;
		rc = ICMP6_CODE_ADDR_UNREACH;
		if (frag_needed) {
			/* RFC 4213 3.2.2: PTB only above the IPv6 tunnel MTU */
			rmtu = v6_mtu_at(e, pm, q.ov);
			if (rmtu < IP6_MIN_MTU)
				rmtu = IP6_MIN_MTU;
			if ((size_t)IP6_HDR_LEN + get_be16(q.in + 4) <= rmtu) {
				no_relay(e, o, "fits the IPv6 tunnel MTU: the tunnel fragments");
				return;
			}
			rt = ICMP6_PACKET_TOO_BIG;
			rc = 0;
		}
	}
	uint32_t sup;
	if (!ratelimit_pass(&e->icmp_rl, 100, 10, &sup)) {
		dp_drop(o, &e->st.drop_icmp_ratelimited, "ICMP errors rate-limited");
		return;
	}
	uint32_t src = e->icmp_src ? e->icmp_src :
		       e->role == DP_ROLE_MIP_HA ? e->mip.local :
		       e->role == DP_ROLE_MIP_FA ? q.src : e->mip.coa;
	int n = q.fam == 4 ? relay4(e, rt, rc, (uint16_t)rmtu, src, q.in, q.ilen, o->icmp) :
			     relay6(e, rt, rc, rmtu, q.in, q.ilen, o->icmp);
	if (n < 0) {
		no_relay(e, o, "no error may be sent about the inner packet (RFC 1812 4.3.2.7, RFC 4443 2.4)");
		return;
	}
	if (q.fam == 4)
		e->st.icmp4_sent++;
	else
		e->st.icmp6_sent++;
	e->st.icmp_relayed++;
	o->verdict = DP_ICMP_TO_TUN;
	o->pkt = o->icmp;
	o->len = (size_t)n;
}
