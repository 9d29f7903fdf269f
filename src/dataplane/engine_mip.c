/* The tunnel engine's Mobile IPv4 roles: home agent and mobile node with a
 * co-located care-of address.  See engine_mip.h for the contract. */
#include "dataplane/engine_mip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

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

static void drop(struct dp_out *o, uint64_t *ctr, const char *why)
{
	(*ctr)++;
	o->verdict = DP_DROP;
	o->why = why;
}

static void malformed(struct dp_engine *e, enum ip_drop why, struct dp_out *o)
{
	e->st.ip_drops[why < IP_DROP__MAX ? why : 0]++;
	drop(o, &e->st.drop_malformed, ip_drop_name(why));
}

static uint16_t next_id(struct dp_mip *m)
{
	if (++m->ip_id == 0)
		m->ip_id = 1;
	return m->ip_id;
}

/* An ICMPv4 error (destination unreachable) for the local sender; rate
 * limited with the engine's other errors (RFC 1812 4.3.2.8). */
static void icmp4_back(struct dp_engine *e, const uint8_t *orig, size_t len, uint8_t code,
		       uint16_t mtu, uint32_t src, struct dp_out *o, uint64_t *ctr, const char *why)
{
	struct icmp4_error err = { .type = ICMP4_DEST_UNREACH, .code = code, .mtu = mtu,
				   .src = e->icmp_src ? e->icmp_src : src };
	uint32_t sup;

	drop(o, ctr, why);
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
static void icmp6_back(struct dp_engine *e, const uint8_t *orig, size_t len, uint8_t type,
		       uint8_t code, uint32_t mtu, struct dp_out *o, uint64_t *ctr, const char *why)
{
	struct icmp6_error err = { .type = type, .code = code, .mtu = mtu,
				   .src = e->mip.icmp6_src };
	uint32_t sup;

	drop(o, ctr, why);
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
static bool ecn_ok(struct dp_engine *e, uint8_t outer_tos, uint8_t *inner, size_t len,
		   struct dp_out *o)
{
	if (encap4_ecn_apply(outer_tos, inner, len) == 0)
		return true;
	drop(o, &e->st.drop_ecn, "outer CE on a Not-ECT packet (RFC 6040 4.2)");
	return false;
}

/* ---- encapsulation --------------------------------------------------------------- */

/* Where one tunnel packet goes: src -> dst with kind (the registered one),
 * around an optional 6in4 layer mid_src -> mid_dst (RFC 5454 3.3.2 double
 * encapsulation; mid_dst 0: none). */
struct mip_path {
	uint32_t src, dst;
	enum encap4_kind kind;
	uint32_t mid_src, mid_dst;
};

/* RFC 2004 3: no options, not a fragment */
static bool minimal_fits(const uint8_t *ip4)
{
	return (ip4[0] & 0x0f) == 5 && (get_be16(ip4 + 6) & 0x3fff) == 0;
}

/* The encapsulation an inner packet gets on path p.  IPv6: GRE carries it
 * (RFC 2784, 0x86DD), IP in IP and minimal become 6in4 (RFC 5454 3.3.2);
 * IPv6 inside a 6in4 layer is IPv4 for the outer one. */
static enum encap4_kind path_kind(const struct mip_path *p, const uint8_t *pkt)
{
	if (pkt[0] >> 4 == 6 && !p->mid_dst)
		return p->kind == ENCAP4_GRE ? ENCAP4_GRE : ENCAP4_6IN4;
	if (p->kind == ENCAP4_MINIMAL && pkt[0] >> 4 == 4 && !minimal_fits(pkt))
		return ENCAP4_IPIP;
	return p->kind;
}

/* IPv4 with DF set: 0 when it fits in link_mtu once encapsulated, else
 * the largest inner packet that would (RFC 1191 next-hop MTU). */
static uint16_t df_mtu(const struct dp_engine *e, const struct mip_path *p, const uint8_t *pkt,
		       size_t len)
{
	if (pkt[0] >> 4 != 4 || !(get_be16(pkt + 6) & 0x4000))
		return 0;
	size_t ov;
	switch (path_kind(p, pkt)) {
	case ENCAP4_GRE:
		ov = IP4_HDR_LEN + 4;
		break;
	case ENCAP4_MINIMAL:
		ov = get_be32(pkt + 12) == p->src ? 8 : 12;
		break;
	default:
		ov = IP4_HDR_LEN;
		break;
	}
	if (len + ov <= e->mip.link_mtu)
		return 0;
	return e->mip.link_mtu > ov ? (uint16_t)(e->mip.link_mtu - ov) : 1;
}

/* Encapsulate pkt[0..len) (headroom octets free in front) along p. */
static int path_encap(struct dp_engine *e, const struct mip_path *p, uint8_t *pkt, size_t len,
		      size_t headroom, uint8_t **out)
{
	struct encap4_tunnel t = { .ttl = e->mip.ttl };
	enum encap4_kind k = path_kind(p, pkt);
	uint8_t *cur = pkt;
	int n;

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

static void to_tunnel4(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	o->verdict = DP_TO_TUNNEL4;
	o->pkt = pkt;
	o->len = len;
	/* DF is clear whenever this is set: df_mtu refused the others */
	o->frag_mtu = len > e->mip.link_mtu ? e->mip.link_mtu : 0;
	e->st.tx_tunnel++;
}

/* ---- init ------------------------------------------------------------------------ */

int dp_mip_init(struct dp_engine *e, uint32_t bindings_hint)
{
	struct dp_mip *m = &e->mip;

	memset(m, 0, sizeof(*m));
	m->link_mtu = DP_MIP_LINK_MTU;
	m->tunnel6_mtu = DP_MIP_TUNNEL6_MTU;
	m->ttl = DP_MIP_TTL;
	prefix6_init(&m->prefixes);
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
	uint32_t seq[1 + DP_MIP_SIM_MAX];
};

static unsigned ha_live(const struct dp_engine *e, const struct binding *b, struct coa_set *s)
{
	const struct dp_mip *m = &e->mip;
	s->n = 0;
	if (!expired(b->expires, e->now)) {
		s->coa[0] = b->mip.coa;
		s->encap[0] = b->mip.encap;
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
			s->seq[j] = s->seq[j - 1];
			j--;
		}
		s->coa[j] = c->coa;
		s->encap[j] = c->encap;
		s->seq[j] = c->seq;
	}
	return s->n;
}

/* Is a a live care-of address of b?  *encap gets its encapsulation. */
static bool ha_coa_live(const struct dp_engine *e, const struct binding *b, uint32_t a,
			uint8_t *encap)
{
	if (b->mip.coa == a && !expired(b->expires, e->now)) {
		if (encap)
			*encap = b->mip.encap;
		return true;
	}
	if (!b->mip.n_sim)
		return false;
	int64_t i = sim_find(&e->mip, b->v4, a);
	if (i < 0 || expired(e->mip.sim[i].expires, e->now))
		return false;
	if (encap)
		*encap = e->mip.sim[i].encap;
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
						  .encap = hb->mip.encap };
			sim_insert(m, &old);
			hb->mip.n_sim++;
		}
	}
	hb->expires = b->expires;
	hb->mip.coa = b->coa;
	hb->mip.encap = (uint8_t)b->encap;
	hb->mip.v6_mode = (uint8_t)b->v6_mode;
	hb->mip.flags = b->flags;
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
	struct mip_path p = { .src = m->local, .dst = s->coa[0],
			      .kind = (enum encap4_kind)s->encap[0] };
	uint8_t *out;

	if (via_hoa) {
		p.mid_src = m->local;
		p.mid_dst = b->v4;
	}
	uint16_t mtu = df_mtu(e, &p, pkt, len);
	if (mtu) {
		icmp4_back(e, pkt, len, ICMP4_CODE_FRAG_NEEDED, mtu, m->local, o,
			   &e->st.drop_too_big, "larger than the link MTU with DF set");
		return;
	}
	if (s->n > 1) {
		m->copy_src = pkt;
		m->copy_len = len;
		m->copy_home = b->v4;
		m->copy_via_hoa = via_hoa;
		m->copy_hdr_saved = pkt[0] >> 4 == 4 && path_kind(&p, pkt) == ENCAP4_MINIMAL;
		if (m->copy_hdr_saved)
			memcpy(m->copy_hdr, pkt, IP4_HDR_LEN);
		for (unsigned i = 1; i < s->n; i++)
			m->copy_coa[i - 1] = s->coa[i];
	}
	int n = path_encap(e, &p, pkt, len, DP_HEADROOM, &out);
	if (n < 0) {
		drop(o, &e->st.drop_encap, "cannot encapsulate");
		return;
	}
	to_tunnel4(e, out, (size_t)n, o);
	m->copy_n = (uint8_t)(s->n - 1);
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
		malformed(e, why, o);
		return;
	}
	struct binding *b = binding_get(&e->bindings, v.dst);
	if (!b || ha_live(e, b, &s) == 0) {
		icmp4_back(e, pkt, v.total_len, ICMP4_CODE_HOST_UNREACH, 0, e->mip.local, o,
			   &e->st.drop_no_binding, "no binding for the home address");
		return;
	}
	ha_send(e, b, &s, false, pkt, v.total_len, o);
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
		malformed(e, why, o);
		return;
	}
	len = IP6_HDR_LEN + (size_t)v.payload_len;
	if (mc6(&v.dst)) {
		drop(o, &e->st.drop_multicast, "multicast is not tunnelled");
		return;
	}
	if (ll6(&v.dst)) {
		/* RFC 5454 3.7.1: a registered link-local address, through
		 * the home address; dsmipv4-06 3.3.2: the others code 3 */
		if (prefix6_get(&e->mip.prefixes, &v.dst, 128, &home) < 0) {
			icmp6_back(e, pkt, len, ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH, 0, o,
				   &e->st.drop_link_local, "link-local destination not registered");
			return;
		}
		via_hoa = true;
	} else if (prefix6_lookup(&e->mip.prefixes, &v.dst, &home, NULL) < 0) {
		icmp6_back(e, pkt, len, ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH, 0, o,
			   &e->st.drop_no_binding, "no registered prefix");
		return;
	}
	struct binding *b = binding_get(&e->bindings, home);
	if (!b || ha_live(e, b, &s) == 0) {
		icmp6_back(e, pkt, len, ICMP6_DEST_UNREACH, ICMP6_CODE_ADDR_UNREACH, 0, o,
			   &e->st.drop_no_binding, "no binding for the prefix's node");
		return;
	}
	/* RFC 4213 3.2.1: the static tunnel MTU */
	if (len > e->mip.tunnel6_mtu) {
		icmp6_back(e, pkt, len, ICMP6_PACKET_TOO_BIG, 0, e->mip.tunnel6_mtu, o,
			   &e->st.drop_too_big, "larger than the IPv6 tunnel MTU");
		return;
	}
	if (b->mip.v6_mode != MIP_V6_TO_COA)
		via_hoa = true;
	ha_send(e, b, &s, via_hoa, pkt, len, o);
}

int dp_mip_ha_copy(struct dp_engine *e, unsigned k, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	uint8_t encap, *out;

	if (e->role != DP_ROLE_MIP_HA || k >= m->copy_n)
		return -ENOENT;
	o->verdict = DP_DROP;
	o->why = NULL;
	o->copies = 0;
	o->frag_mtu = 0;
	struct binding *b = binding_get(&e->bindings, m->copy_home);
	uint32_t coa = m->copy_coa[k];
	if (!b || !ha_coa_live(e, b, coa, &encap)) {
		drop(o, &e->st.drop_no_binding, "care-of address has gone");
		return 0;
	}
	uint8_t *pkt = m->copy_buf + DP_HEADROOM;
	memcpy(pkt, m->copy_src, m->copy_len);
	if (m->copy_hdr_saved)
		memcpy(pkt, m->copy_hdr, IP4_HDR_LEN);
	struct mip_path p = { .src = m->local, .dst = coa, .kind = (enum encap4_kind)encap };
	if (m->copy_via_hoa) {
		p.mid_src = m->local;
		p.mid_dst = m->copy_home;
	}
	if (df_mtu(e, &p, pkt, m->copy_len)) {
		drop(o, &e->st.drop_too_big, "copy larger than the link MTU with DF set");
		return 0;
	}
	int n = path_encap(e, &p, pkt, m->copy_len, DP_HEADROOM, &out);
	if (n < 0) {
		drop(o, &e->st.drop_encap, "cannot encapsulate the copy");
		return 0;
	}
	to_tunnel4(e, out, (size_t)n, o);
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
		malformed(e, why, o);
		return;
	}
	if (ll6(&v.src)) {
		/* only through the home address: registered, or MLD */
		b = binding_get(&e->bindings, from4);
		bool reg = prefix6_get(&e->mip.prefixes, &v.src, 128, &home) == 0 && home == from4;
		if (!b || !(reg || is_mld(&v))) {
			drop(o, &e->st.drop_link_local, "link-local source not through the home address");
			return;
		}
	} else {
		if (prefix6_lookup(&e->mip.prefixes, &v.src, &home, NULL) < 0) {
			drop(o, &e->st.drop_revtun_bad_inner6, "inner source outside the registered prefixes");
			return;
		}
		b = binding_get(&e->bindings, home);
		if (!b || (from4 != home && !ha_coa_live(e, b, from4, NULL))) {
			drop(o, &e->st.drop_revtun_bad_outer,
			     "outer source is neither the care-of nor the home address");
			return;
		}
	}
	if (!ecn_ok(e, tos, in, len, o))
		return;
	b->pkts_in++;
	b->bytes_in += len;
	to_tun(e, in, len, o);
}

/* RFC 3024 5.2: reverse tunnels come from a registered care-of address. */
static void ha_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct encap4_view v;
	enum ip_drop why = IP_DROP_NONE;

	if (encap4_decap(pkt, len, &v, &why) < 0) {
		malformed(e, why, o);
		return;
	}
	if (v.outer.dst != m->local) {
		drop(o, &e->st.drop_not_our_address, "outer destination is not the home agent");
		return;
	}
	if (v.inner_family == 6) {
		ha_accept6(e, v.outer.src, v.outer.tos, v.inner, v.inner_len, o);
		return;
	}
	struct ip4_view iv;
	if (ip4_parse(v.inner, v.inner_len, &iv, &why) < 0) {
		malformed(e, why, o);
		return;
	}
	struct binding *b = binding_get(&e->bindings, iv.src);
	if (!b) {
		drop(o, &e->st.drop_not_registered, "inner source is not a home address");
		return;
	}
	if (!ha_coa_live(e, b, v.outer.src, NULL)) {
		drop(o, &e->st.drop_revtun_bad_outer, "outer source is not the registered care-of address");
		return;
	}
	if (!ecn_ok(e, v.outer.tos, v.inner, v.inner_len, o))
		return;
	if (iv.proto == IPPROTO_IPV6 && iv.dst == m->local) {
		/* RFC 5454 3.3.2 (1): IPv6 in IPv4 from the home address */
		struct encap4_view v2;
		if (encap4_decap(v.inner, v.inner_len, &v2, &why) < 0) {
			malformed(e, why, o);
			return;
		}
		ha_accept6(e, iv.src, v2.outer.tos, v2.inner, v2.inner_len, o);
		return;
	}
	b->pkts_in++;
	b->bytes_in += v.inner_len;
	to_tun(e, v.inner, v.inner_len, o);
}

/* ---- mobile node ------------------------------------------------------------------------ */

int dp_mip_mn_set(struct dp_engine *e, const struct dp_mip_mn *mn)
{
	struct dp_mip *m = &e->mip;

	if (e->role != DP_ROLE_MIP_MN || !encap_ok(mn->encap) ||
	    (unsigned)mn->v6_mode > MIP_V6_TO_COA)
		return -EINVAL;
	if (!mn->at_home && (!addr4_ok(mn->home) || !addr4_ok(mn->ha) || !addr4_ok(mn->coa)))
		return -EINVAL;
	m->home = mn->home;
	m->ha = mn->ha;
	m->coa = mn->coa;
	m->encap = (uint8_t)mn->encap;
	m->v6_mode = (uint8_t)mn->v6_mode;
	m->at_home = mn->at_home;
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

/* RFC 3024 5.2 (the node's side), RFC 5454 3.3.2, 3.3.3, 3.7.1. */
static void mn_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct mip_path p = { .src = m->coa, .dst = m->ha, .kind = (enum encap4_kind)m->encap };
	enum ip_drop why = IP_DROP_NONE;
	uint8_t *out;

	if (m->at_home) {
		drop(o, &e->st.drop_at_home, "at home: nothing is tunnelled");
		return;
	}
	if (!m->ha) {
		drop(o, &e->st.drop_no_binding, "not registered");
		return;
	}
	if (len >= 1 && pkt[0] >> 4 == 4) {
		struct ip4_view v;
		if (ip4_parse(pkt, len, &v, &why) < 0) {
			malformed(e, why, o);
			return;
		}
		len = v.total_len;
		if (v.src != m->home) {
			drop(o, &e->st.drop_bad_source, "source is not the home address");
			return;
		}
		uint16_t mtu = df_mtu(e, &p, pkt, len);
		if (mtu) {
			icmp4_back(e, pkt, len, ICMP4_CODE_FRAG_NEEDED, mtu, m->coa, o,
				   &e->st.drop_too_big, "larger than the link MTU with DF set");
			return;
		}
	} else if (len >= 1 && pkt[0] >> 4 == 6) {
		struct ip6_view v;
		if (ip6_parse(pkt, len, &v, &why) < 0) {
			malformed(e, why, o);
			return;
		}
		len = IP6_HDR_LEN + (size_t)v.payload_len;
		bool ll = ll6(&v.src);
		if (!mn_registered6(m, &v.src) && !(ll && is_mld(&v))) {
			drop(o, &e->st.drop_bad_source, "source is not a registered IPv6 address");
			return;
		}
		if (len > m->tunnel6_mtu) {
			icmp6_back(e, pkt, len, ICMP6_PACKET_TOO_BIG, 0, m->tunnel6_mtu, o,
				   &e->st.drop_too_big, "larger than the IPv6 tunnel MTU");
			return;
		}
		if (ll || m->v6_mode != MIP_V6_TO_COA) {
			p.mid_src = m->home;
			p.mid_dst = m->ha;
		}
	} else {
		malformed(e, len ? IP_DROP_BAD_VERSION : IP_DROP_TRUNCATED, o);
		return;
	}
	int n = path_encap(e, &p, pkt, len, DP_HEADROOM, &out);
	if (n < 0) {
		drop(o, &e->st.drop_encap, "cannot encapsulate");
		return;
	}
	to_tunnel4(e, out, (size_t)n, o);
}

static void mn_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct dp_mip *m = &e->mip;
	struct encap4_view v;
	enum ip_drop why = IP_DROP_NONE;

	if (m->at_home) {
		drop(o, &e->st.drop_at_home, "at home: nothing is tunnelled");
		return;
	}
	if (encap4_decap(pkt, len, &v, &why) < 0) {
		malformed(e, why, o);
		return;
	}
	if (!m->ha || v.outer.src != m->ha) {
		drop(o, &e->st.drop_not_from_ha, "tunnel packet not from our home agent");
		return;
	}
	if (v.outer.dst != m->coa) {
		drop(o, &e->st.drop_not_our_address, "outer destination is not our care-of address");
		return;
	}
	uint8_t *in = v.inner, tos = v.outer.tos;
	size_t ilen = v.inner_len;
	bool via_hoa = false;
	if (v.inner_family == 4) {
		struct ip4_view iv;
		if (ip4_parse(in, ilen, &iv, &why) < 0) {
			malformed(e, why, o);
			return;
		}
		if (iv.dst != m->home) {
			drop(o, &e->st.drop_not_our_address, "inner destination is not our home address");
			return;
		}
		if (!ecn_ok(e, tos, in, ilen, o))
			return;
		if (iv.proto != IPPROTO_IPV6 || iv.src != m->ha) {
			to_tun(e, in, ilen, o);
			return;
		}
		/* RFC 5454 3.3.2 (1): IPv6 in IPv4 to the home address */
		struct encap4_view v2;
		if (encap4_decap(in, ilen, &v2, &why) < 0) {
			malformed(e, why, o);
			return;
		}
		in = v2.inner;
		ilen = v2.inner_len;
		tos = v2.outer.tos;
		via_hoa = true;
	}
	struct ip6_view v6;
	if (ip6_parse(in, ilen, &v6, &why) < 0) {
		malformed(e, why, o);
		return;
	}
	if (ll6(&v6.dst) && !via_hoa) {
		drop(o, &e->st.drop_link_local, "link-local destination not through the home address");
		return;
	}
	if (!mn_registered6(m, &v6.dst)) {
		drop(o, &e->st.drop_not_our_address, "inner destination is not a registered address");
		return;
	}
	if (!ecn_ok(e, tos, in, ilen, o))
		return;
	to_tun(e, in, ilen, o);
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
	if (e->role != DP_ROLE_MIP_HA) {
		drop(o, &e->st.drop_no_binding, "not a Mobile IPv4 engine");
		return;
	}
	if (len >= 1 && pkt[0] >> 4 == 4)
		ha_tun_in4(e, pkt, len, o);
	else if (len >= 1 && pkt[0] >> 4 == 6)
		ha_tun_in6(e, pkt, len, o);
	else
		malformed(e, len ? IP_DROP_BAD_VERSION : IP_DROP_TRUNCATED, o);
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
	else
		drop(o, &e->st.drop_no_binding, "not a Mobile IPv4 engine");
}
