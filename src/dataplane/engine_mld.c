/* The home agent as an MLD proxy for its mobile nodes: group state from
 * reverse-tunnelled MLD (RFC 2710, RFC 3810; RFC 5454 3.3.3).  See
 * engine_mld.h for the contract. */
#include "dataplane/engine_mld.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define MLD_QUERY 130
#define MLD_REPORT 131
#define MLD_DONE 132
#define MLD2_REPORT 143
#define MLD_MIN_SCOPE 3              /* realm-local and up */
#define HBH_ROUTER_ALERT 5           /* RFC 2711 */

/* RFC 3810 5.2.12 record types */
enum { IS_IN = 1, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK };

static int cmp(const struct dp_mip_mld *a, const struct in6_addr *g, uint32_t home)
{
	int c = memcmp(&a->group, g, sizeof(*g));
	if (c)
		return c;
	return a->home < home ? -1 : a->home > home;
}

static uint32_t lower(const struct dp_mip *m, const struct in6_addr *g, uint32_t home)
{
	uint32_t lo = 0, hi = m->n_mld;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cmp(&m->mld[mid], g, home) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool group_at(const struct dp_mip *m, uint32_t i, const struct in6_addr *g)
{
	return i < m->n_mld && memcmp(&m->mld[i].group, g, sizeof(*g)) == 0;
}

bool dp_mip_mld_has_group(const struct dp_engine *e, const struct in6_addr *group)
{
	return group_at(&e->mip, lower(&e->mip, group, 0), group);
}

static void event(struct dp_engine *e, const struct in6_addr *g, bool join)
{
	struct dp_mip *m = &e->mip;
	if (m->mld_ev_n >= DP_MIP_MLD_EVQ) {
		e->st.mld_event_overflow++;
		return;
	}
	unsigned i = (m->mld_ev_head + m->mld_ev_n) % DP_MIP_MLD_EVQ;
	m->mld_ev[i].group = *g;
	m->mld_ev[i].join = join;
	m->mld_ev_n++;
	if (m->mld_notify)
		m->mld_notify(m->mld_notify_ctx);
}

int dp_mip_mld_event(struct dp_engine *e, struct in6_addr *group, bool *join)
{
	struct dp_mip *m = &e->mip;
	if (!m->mld_ev_n)
		return 0;
	*group = m->mld_ev[m->mld_ev_head].group;
	*join = m->mld_ev[m->mld_ev_head].join;
	m->mld_ev_head = (uint8_t)((m->mld_ev_head + 1) % DP_MIP_MLD_EVQ);
	m->mld_ev_n--;
	return 1;
}

static void remove_at(struct dp_engine *e, uint32_t i)
{
	struct dp_mip *m = &e->mip;
	struct in6_addr g = m->mld[i].group;
	memmove(m->mld + i, m->mld + i + 1, (size_t)(m->n_mld - i - 1) * sizeof(m->mld[0]));
	m->n_mld--;
	bool left = !(i > 0 && memcmp(&m->mld[i - 1].group, &g, sizeof(g)) == 0) &&
		    !group_at(m, i, &g);
	if (left)
		event(e, &g, false);
}

static unsigned node_count(const struct dp_mip *m, uint32_t home)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < m->n_mld; i++)
		n += m->mld[i].home == home;
	return n;
}

static void join(struct dp_engine *e, uint32_t home, const struct in6_addr *g)
{
	struct dp_mip *m = &e->mip;
	uint32_t i = lower(m, g, home);
	if (i < m->n_mld && cmp(&m->mld[i], g, home) == 0) {
		m->mld[i].expires = e->now + m->mld_timeout;
		return;
	}
	if (node_count(m, home) >= m->mld_max_per_node) {
		e->st.mld_node_full++;
		return;
	}
	if (m->n_mld == m->cap_mld) {
		uint32_t cap = m->cap_mld ? m->cap_mld * 2 : 16;
		struct dp_mip_mld *n = cap > m->cap_mld ? realloc(m->mld, (size_t)cap * sizeof(*n)) : NULL;
		if (!n) {
			e->st.mld_node_full++;
			return;
		}
		m->mld = n;
		m->cap_mld = cap;
	}
	bool first = !group_at(m, lower(m, g, 0), g);
	memmove(m->mld + i + 1, m->mld + i, (size_t)(m->n_mld - i) * sizeof(m->mld[0]));
	m->mld[i] = (struct dp_mip_mld){ .group = *g, .home = home,
					 .expires = e->now + m->mld_timeout };
	m->n_mld++;
	e->st.mld_joins++;
	if (first)
		event(e, g, true);
}

static void leave(struct dp_engine *e, uint32_t home, const struct in6_addr *g)
{
	struct dp_mip *m = &e->mip;
	uint32_t i = lower(m, g, home);
	if (i < m->n_mld && cmp(&m->mld[i], g, home) == 0) {
		e->st.mld_leaves++;
		remove_at(e, i);
	}
}

/* RFC 2711: a Router Alert option with value 0 (MLD) in a Hop-by-Hop
 * Options header right after the fixed header. */
static bool router_alert(const struct ip6_view *v)
{
	if (v->next_hdr != 0 || v->proto_off < 48)
		return false;
	const uint8_t *h = v->hdr + 40;
	size_t hl = 8 * ((size_t)h[1] + 1);
	if (40 + hl > v->proto_off)
		return false;
	for (size_t k = 2; k < hl;) {
		if (h[k] == 0) {                     /* Pad1 */
			k++;
			continue;
		}
		if (k + 2 > hl || k + 2 + h[k + 1] > hl)
			return false;
		if (h[k] == HBH_ROUTER_ALERT && h[k + 1] == 2)
			return h[k + 2] == 0 && h[k + 3] == 0;
		k += 2 + (size_t)h[k + 1];
	}
	return false;
}

/* RFC 4291 2.7: scopes 3 (realm-local) to e (global); f is reserved */
static bool trackable(const uint8_t *g)
{
	return g[0] == 0xff && (g[1] & 0x0f) >= MLD_MIN_SCOPE && (g[1] & 0x0f) != 0x0f;
}

/* One pass over the MLDv2 records: check (apply false) or apply. */
static int v2_records(struct dp_engine *e, uint32_t home, const uint8_t *p, size_t len, bool apply)
{
	uint16_t nrec = get_be16(p + 6);
	size_t off = 8;
	for (unsigned r = 0; r < nrec; r++) {
		if (off + 20 > len)
			return -EINVAL;
		uint8_t type = p[off];
		size_t nsrc = get_be16(p + off + 2);
		size_t rl = 20 + 16 * nsrc + 4 * (size_t)p[off + 1];
		if (off + rl > len || type < IS_IN || type > BLOCK || p[off + 4] != 0xff)
			return -EINVAL;
		if (apply) {
			struct in6_addr g;
			memcpy(&g, p + off + 4, 16);
			if (!trackable(g.s6_addr))
				e->st.mld_ignored++;
			else if (type == IS_EX || type == TO_EX || ((type == IS_IN || type == TO_IN ||
								    type == ALLOW) && nsrc))
				join(e, home, &g);
			else if (type == IS_IN || type == TO_IN)
				leave(e, home, &g);
			else
				e->st.mld_ignored++;     /* BLOCK_OLD, empty ALLOW */
		}
		off += rl;
	}
	return 0;
}

int dp_mip_mld_input(struct dp_engine *e, uint32_t home, const struct ip6_view *v)
{
	const uint8_t *p = v->payload;
	size_t len = v->upper_len;

	e->st.mld_in++;
	if (v->hop_limit != 1 || !(v->src.s6_addr[0] == 0xfe && (v->src.s6_addr[1] & 0xc0) == 0x80) ||
	    !router_alert(v) || len < 8 || len > UINT16_MAX)
		goto bad;
	uint32_t sum = ip_csum_pseudo6(&v->src, &v->dst, IPPROTO_ICMPV6, (uint32_t)len);
	if (ip_csum_fold(ip_csum_partial(sum, p, len)) != 0)
		goto bad;
	switch (p[0]) {
	case MLD_REPORT:
	case MLD_DONE: {
		if (len < 24 || p[8] != 0xff)
			goto bad;
		struct in6_addr g;
		memcpy(&g, p + 8, 16);
		if (!trackable(g.s6_addr))
			e->st.mld_ignored++;
		else if (p[0] == MLD_REPORT)
			join(e, home, &g);
		else
			leave(e, home, &g);
		return 0;
	}
	case MLD2_REPORT:
		if (v2_records(e, home, p, len, false) < 0)
			goto bad;
		return v2_records(e, home, p, len, true);
	default:                             /* a query, from a node */
		e->st.mld_ignored++;
		return 0;
	}
bad:
	e->st.mld_malformed++;
	return -EINVAL;
}

unsigned dp_mip_mld_node_groups(const struct dp_engine *e, uint32_t home, struct in6_addr *g,
				uint32_t *exp, unsigned n)
{
	const struct dp_mip *m = &e->mip;
	unsigned k = 0;
	for (uint32_t i = 0; i < m->n_mld; i++) {
		if (m->mld[i].home != home)
			continue;
		if (k < n) {
			g[k] = m->mld[i].group;
			if (exp)
				exp[k] = m->mld[i].expires;
		}
		k++;
	}
	return k;
}

unsigned dp_mip_mld_listeners(const struct dp_engine *e, const struct in6_addr *group,
			      uint32_t *home, unsigned n)
{
	const struct dp_mip *m = &e->mip;
	unsigned k = 0;
	for (uint32_t i = lower(m, group, 0); group_at(m, i, group); i++) {
		if (m->mld[i].expires <= e->now)
			continue;
		if (k < n)
			home[k] = m->mld[i].home;
		k++;
	}
	return k;
}

void dp_mip_mld_forget(struct dp_engine *e, uint32_t home)
{
	struct dp_mip *m = &e->mip;
	for (uint32_t i = 0; i < m->n_mld;) {
		if (m->mld[i].home == home) {
			e->st.mld_leaves++;
			remove_at(e, i);
		} else {
			i++;
		}
	}
}

void dp_mip_mld_expire(struct dp_engine *e, uint32_t now)
{
	struct dp_mip *m = &e->mip;
	for (uint32_t i = 0; i < m->n_mld;) {
		if (m->mld[i].expires <= now) {
			e->st.mld_timeouts++;
			remove_at(e, i);
		} else {
			i++;
		}
	}
}

size_t dp_mip_mld_query_build(const struct dp_engine *e, uint8_t *p)
{
	static const struct in6_addr all_nodes = { .s6_addr = { 0xff, 0x02, [15] = 1 } };
	struct in6_addr src = { .s6_addr = { 0xfe, 0x80 } };
	put_be32(src.s6_addr + 12, e->mip.local);
	memset(p, 0, DP_MLD_QUERY_LEN);
	p[0] = 0x60;
	put_be16(p + 4, 8 + 28);                 /* payload length */
	p[6] = 0;                                /* Hop-by-Hop Options */
	p[7] = 1;                                /* hop limit (RFC 3810 5) */
	memcpy(p + 8, &src, 16);
	memcpy(p + 24, &all_nodes, 16);
	p[40] = IPPROTO_ICMPV6;
	p[41] = 0;
	p[42] = HBH_ROUTER_ALERT;                /* RFC 2711, value 0: MLD */
	p[43] = 2;
	p[46] = 1;                               /* PadN */
	uint8_t *q = p + 48;
	q[0] = MLD_QUERY;                        /* RFC 3810 5.1 general query */
	put_be16(q + 4, DP_MLD_MAX_RESP_MS);     /* Maximum Response Code */
	q[24] = DP_MLD_QRV;                      /* S 0, QRV */
	q[25] = e->mip.mld_query_interval;       /* QQIC (<= 127: as is) */
	uint32_t sum = ip_csum_pseudo6(&src, &all_nodes, IPPROTO_ICMPV6, 28);
	put_be16(q + 2, ip_csum_fold(ip_csum_partial(sum, q, 28)));
	return DP_MLD_QUERY_LEN;
}
