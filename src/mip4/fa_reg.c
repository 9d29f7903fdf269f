/* The foreign agent's registration relay engine (RFC 5944 3.7, RFC 3024
 * 5.2, RFC 2794, seed draft-ietf-mip4-dsmipv4-06 3.4).  See fa_reg.h for
 * the contract.  Choices the RFCs leave open:
 *  - the relayed request is the node's up to and including its mobile-home
 *    authentication, unchanged (3.7.2.2); what follows (its mobile-foreign
 *    authentication, anything not covered) is removed; then our IPv6
 *    Tunneling Mode extension, then our foreign-home authentication, which
 *    covers it (seed 3.4);
 *  - a request without a mobile-home authentication has no
 *    authorization-enabling extension to relay up to: 70;
 *  - the reverse tunnel (RFC 3024) and encapsulation (72) checks concern a
 *    foreign agent care-of address: skipped for a co-located node (D);
 *  - deregistrations (lifetime 0) are checked only for form and
 *    authentication (3.7: they MUST be relayed when well formed);
 *  - a reply's foreign-home authentication is required when its lifetime
 *    is non-zero (3.7.1) and verified whenever present. */
#include "mip4/fa_reg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const char *const stat_names[] = {
#define X(n) #n,
	FA_REG_COUNTERS(X)
#undef X
};

size_t fa_reg_stat_count(void)
{
	return ARRAY_SIZE(stat_names);
}

const char *fa_reg_stat_name(size_t i)
{
	return i < ARRAY_SIZE(stat_names) ? stat_names[i] : NULL;
}

uint64_t fa_reg_stat_get(const struct fa_reg_stats *s, size_t i)
{
	const uint64_t *v = (const uint64_t *)s;

	return i < ARRAY_SIZE(stat_names) ? v[i] : 0;
}

/* Recent denials of requests, for the one-per-second limit (RFC 5944
 * 3.7.2, RFC 3024 5.2). */
#define RECENT_DENIALS 16
struct recent {
	uint32_t home, src;
	int64_t sec;
};

struct fa_reg {
	const struct fa_cfg *cfg;
	struct recent recent[RECENT_DENIALS];
	unsigned recent_next;
	struct fa_visitor *v;        /* unordered */
	size_t n, cap;
	size_t n_pending;
	struct fa_reg_stats st;
};

/* ---- configuration lookups ------------------------------------------------ */

static const struct fa_cfg_iface *iface_of(const struct fa_cfg *c, unsigned ifindex)
{
	for (unsigned i = 0; i < c->n_ifaces; i++)
		if (c->ifaces[i].ifindex == ifindex)
			return &c->ifaces[i];
	return NULL;
}

static bool own_address(const struct fa_cfg *c, uint32_t a)
{
	for (unsigned i = 0; i < c->n_ifaces; i++) {
		if (c->ifaces[i].address == a)
			return true;
		for (unsigned j = 0; j < c->ifaces[i].n_coa; j++)
			if (c->ifaces[i].coa[j] == a)
				return true;
	}
	return false;
}

static bool coa_offered(const struct fa_cfg_iface *ifc, uint32_t coa)
{
	for (unsigned j = 0; j < ifc->n_coa; j++)
		if (ifc->coa[j] == coa)
			return true;
	return false;
}

static const struct fa_cfg_sa *sa_of(const struct fa_cfg_sa *v, unsigned n, uint32_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].addr == addr)
			return &v[i];
	return NULL;
}

static bool ha_allowed(const struct fa_cfg *c, uint32_t ha)
{
	if (c->n_allowed_ha == 0)
		return true;
	for (unsigned i = 0; i < c->n_allowed_ha; i++)
		if (c->allowed_ha[i] == ha)
			return true;
	return false;
}

/* ---- the visitor list ------------------------------------------------------- */

static struct fa_visitor *find(const struct fa_reg *fa, uint32_t home)
{
	for (size_t i = 0; i < fa->n; i++)
		if (fa->v[i].home_addr == home)
			return &fa->v[i];
	return NULL;
}

static struct fa_visitor *add(struct fa_reg *fa, uint32_t home)
{
	if (fa->n == fa->cap) {
		size_t cap = fa->cap ? fa->cap * 2 : 16;
		struct fa_visitor *nv = realloc(fa->v, cap * sizeof(*nv));
		if (!nv)
			return NULL;
		fa->v = nv;
		fa->cap = cap;
	}
	memset(&fa->v[fa->n], 0, sizeof(fa->v[fa->n]));
	fa->v[fa->n].home_addr = home;
	return &fa->v[fa->n++];
}

static void del(struct fa_reg *fa, struct fa_visitor *v)
{
	size_t i = (size_t)(v - fa->v);

	if (v->pending)
		fa->n_pending--;
	fa->v[i] = fa->v[fa->n - 1];
	fa->n--;
}

static void pend_clear(struct fa_reg *fa, struct fa_visitor *v)
{
	if (v->pending)
		fa->n_pending--;
	v->pending = false;
	memset(&v->pend, 0, sizeof(v->pend));
	v->pend_deadline = 0;
}

/* ---- messages to the mobile node ------------------------------------------- */

static void count_denial(struct fa_reg *fa, uint8_t code)
{
	struct fa_reg_stats *s = &fa->st;

	s->tx_denials++;
	switch (code) {
	case MIP4_CODE_FA_PROHIBITED: s->deny_prohibited++; break;
	case MIP4_CODE_FA_RESOURCES: s->deny_no_resources++; break;
	case MIP4_CODE_FA_MN_AUTH: s->deny_mn_auth++; break;
	case MIP4_CODE_FA_HA_AUTH: s->deny_ha_auth++; break;
	case MIP4_CODE_FA_LIFETIME_TOO_LONG: s->deny_lifetime_too_long++; break;
	case MIP4_CODE_FA_POORLY_FORMED_REQ: s->deny_poorly_formed_req++; break;
	case MIP4_CODE_FA_POORLY_FORMED_REP: s->deny_poorly_formed_rep++; break;
	case MIP4_CODE_FA_ENCAP_UNAVAIL: s->deny_encap_unavailable++; break;
	case MIP4_CODE_FA_REVTUN_UNAVAIL: s->deny_revtun_unavailable++; break;
	case MIP4_CODE_FA_REVTUN_MANDATORY: s->deny_revtun_mandatory++; break;
	case MIP4_CODE_FA_TOO_DISTANT: s->deny_too_distant++; break;
	case MIP4_CODE_FA_INVALID_COA: s->deny_invalid_coa++; break;
	case MIP4_CODE_FA_TIMEOUT: s->deny_timeout++; break;
	case MIP4_CODE_FA_DELIVERY_STYLE: s->deny_delivery_style++; break;
	case MIP4_CODE_FA_HOME_NET_UNREACH: s->deny_home_net_unreach++; break;
	case MIP4_CODE_FA_HA_HOST_UNREACH: s->deny_ha_host_unreach++; break;
	case MIP4_CODE_FA_HA_PORT_UNREACH: s->deny_ha_port_unreach++; break;
	case MIP4_CODE_FA_HA_UNREACH: s->deny_ha_unreach++; break;
	case MIP4_CODE_FA_NONZERO_HOMEADDR: s->deny_nonzero_homeaddr++; break;
	case MIP4_CODE_FA_MISSING_NAI: s->deny_missing_nai++; break;
	case MIP4_CODE_FA_MISSING_HA: s->deny_missing_ha++; break;
	default: s->deny_invalid_ha++; break;
	}
}

static bool is_group(uint32_t a)
{
	uint32_t h = ntohl(a);

	return h == 0 || h == 0xffffffffu || (h >= 0xe0000000u && h < 0xf0000000u);
}

/* 3.7.2.3 addressing of a reply to the node: from the request's
 * destination unless that was All Agents (or another group, or unknown);
 * to the home address, else the limited broadcast. */
static void to_mn(struct fa_reg *fa, const struct fa_reg_req *q, uint32_t home,
		  struct fa_reg_out *o)
{
	const struct fa_cfg_iface *ifc = iface_of(fa->cfg, q->ifindex);

	o->kind = FA_REG_TO_MN;
	o->src_addr = q->agent_addr ? q->agent_addr
		      : is_group(q->dst_addr) ? (ifc ? ifc->address : 0) : q->dst_addr;
	o->dst_addr = home ? home : htonl(0xffffffffu);
	o->dst_port = q->src_port;
	o->ifindex = q->ifindex;
	memcpy(o->lladdr, q->lladdr, sizeof(o->lladdr));
	o->lladdr_len = q->lladdr_len;
	o->home_addr = q->home_addr;
}

/* Appends the MN-FA authentication when we share an SA with the node. */
static int put_mf(struct fa_reg *fa, struct mip4_buf *b, uint32_t home)
{
	const struct fa_cfg_sa *sa = sa_of(fa->cfg->mn_sa, fa->cfg->n_mn_sa, home);
	int e;

	if (!sa)
		return 0;
	e = mip4_put_auth(b, MIP4_EXT_MF_AUTH, sa->spi, sa->key, sa->key_len);
	if (e == 0)
		fa->st.mf_auth_attached++;
	return e;
}

/* 3.7.2.3: a denial with the request's home address, home agent and
 * identification, its NAI (RFC 2794), our MN-FA authentication. */
static int deny(struct fa_reg *fa, const struct fa_reg_req *q, uint8_t code, uint16_t lifetime,
		const char *why, struct fa_reg_out *o)
{
	struct mip4_buf b;
	int e;

	mip4_buf_init(&b, o->buf, sizeof(o->buf));
	e = mip4_put_reply(&b, code, lifetime, q->home_addr, q->home_agent, q->id);
	if (e == 0 && q->nai_len)
		e = mip4_put_nai(&b, (const char *)q->nai, q->nai_len);
	if (e == 0)
		e = put_mf(fa, &b, q->home_addr);
	if (e < 0) {                 /* cannot happen: the buffer is big enough */
		o->kind = FA_REG_DROP;
		o->len = 0;
		return FA_REG_DROP;
	}
	to_mn(fa, q, q->home_addr, o);
	o->len = b.len;
	o->code = code;
	o->why = why;
	count_denial(fa, code);
	return FA_REG_TO_MN;
}

/* ---- requests ---------------------------------------------------------------- */

static int drop(struct fa_reg_out *o, uint64_t *counter, const char *why);

/* A denial of a request, at most one per second to the same node (3.7.2). */
static int deny_req(struct fa_reg *fa, const struct fa_reg_rx *rx, const struct fa_reg_req *q,
		    uint8_t code, uint16_t lifetime, const char *why, struct fa_reg_out *o)
{
	struct recent *r;

	for (unsigned i = 0; i < RECENT_DENIALS; i++) {
		r = &fa->recent[i];
		if (r->home == q->home_addr && r->src == rx->src_addr && r->sec == rx->now &&
		    (r->home || r->src))
			return drop(o, &fa->st.drop_denial_rate_limited,
				    "denial rate limit (one per second)");
	}
	r = &fa->recent[fa->recent_next++ % RECENT_DENIALS];
	*r = (struct recent){ .home = q->home_addr, .src = rx->src_addr, .sec = rx->now };
	return deny(fa, q, code, lifetime, why, o);
}

static int drop(struct fa_reg_out *o, uint64_t *counter, const char *why)
{
	(*counter)++;
	o->kind = FA_REG_DROP;
	o->len = 0;
	o->why = why;
	return FA_REG_DROP;
}

static int drop_parse(struct fa_reg *fa, enum mip4_err e, struct fa_reg_out *o)
{
	struct fa_reg_stats *s = &fa->st;

	switch (e) {
	case MIP4_ERR_TRUNCATED: return drop(o, &s->drop_truncated, "truncated");
	case MIP4_ERR_BAD_TYPE: return drop(o, &s->drop_bad_type, "not a registration message");
	case MIP4_ERR_EXT_OVERRUN: return drop(o, &s->drop_ext_overrun, "extension overrun");
	case MIP4_ERR_UNKNOWN_EXT:
		return drop(o, &s->drop_unknown_ext, "unknown non-skippable extension");
	case MIP4_ERR_DUP_EXT: return drop(o, &s->drop_dup_ext, "duplicate extension");
	case MIP4_ERR_TOO_MANY_PREFIXES:
		return drop(o, &s->drop_too_many_prefixes, "too many IPv6 prefix requests");
	case MIP4_ERR_BAD_SUBTYPE: return drop(o, &s->drop_bad_subtype, "bad DSMIPv4 subtype");
	default: return drop(o, &s->drop_bad_ext_len, "bad extension length");
	}
}

/* End of an authentication extension. */
static size_t auth_end(const struct mip4_auth *a)
{
	return (size_t)a->off + 6 + a->auth_len;
}

/* The checks of 3.7.2.1, 3.7.1, RFC 2794 and RFC 3024 5.2, in order;
 * 0 when the request may be relayed. */
static uint8_t request_check(const struct fa_reg *fa, const struct fa_reg_rx *rx,
			     const struct mip4_reg *m, const struct fa_cfg_iface *ifc,
			     const char **why, uint16_t *lifetime)
{
	const struct fa_cfg *c = fa->cfg;
	const struct fa_cfg_sa *sa = sa_of(c->mn_sa, c->n_mn_sa, m->home_addr);
	bool foreign_coa = !(m->flags & MIP4_F_D);

	*lifetime = m->lifetime;
	if (sa && m->home_addr) {    /* 3.7.2.1: exactly one, valid */
		*why = !m->mf.present ? "no mobile-foreign authentication"
		       : m->mf.spi != sa->spi ? "unknown mobile-foreign SPI"
					      : "mobile-foreign authenticator mismatch";
		if (!m->mf.present || m->mf.spi != sa->spi ||
		    mip4_auth_verify(rx->buf, rx->len, &m->mf, sa->key, sa->key_len) != 0)
			return MIP4_CODE_FA_MN_AUTH;
	}
	*why = "reserved bits set";
	if (m->flags & (MIP4_F_R | MIP4_F_X))
		return MIP4_CODE_FA_POORLY_FORMED_REQ;
	*why = "no mobile-home authentication";
	if (!m->mh.present)
		return MIP4_CODE_FA_POORLY_FORMED_REQ;
	*why = "IPv6 Tunneling Mode extension repeated";
	if (m->n_tunnel_mode > 1)
		return MIP4_CODE_FA_POORLY_FORMED_REQ;
	if (m->home_addr == 0) {     /* 3.7.1, RFC 2794 */
		*why = m->nai_len ? "home address 0 not supported" : "home address 0 without NAI";
		return m->nai_len ? MIP4_CODE_FA_NONZERO_HOMEADDR : MIP4_CODE_FA_MISSING_NAI;
	}
	*why = "no home agent address";
	if (is_group(m->home_agent))
		return MIP4_CODE_FA_MISSING_HA;
	*why = "home agent address is ours";    /* 3.7.2 */
	if (own_address(c, m->home_agent))
		return MIP4_CODE_FA_INVALID_HA;
	*why = "home agent not allowed";
	if (!ha_allowed(c, m->home_agent))
		return MIP4_CODE_FA_PROHIBITED;
	if (m->lifetime == 0)
		return 0;
	*why = "requested lifetime too long";   /* 3.7.2.3 */
	if (m->lifetime > c->max_lifetime) {
		*lifetime = c->max_lifetime;
		return MIP4_CODE_FA_LIFETIME_TOO_LONG;
	}
	*why = "care-of address not offered on this link";
	if (foreign_coa && !coa_offered(ifc, m->coa))
		return MIP4_CODE_FA_INVALID_COA;
	if (!foreign_coa)
		return 0;
	/* RFC 3024 5.2, in its order */
	*why = "requested encapsulation not offered";
	if (((m->flags & MIP4_F_M) && !c->encap_minimal) ||
	    ((m->flags & MIP4_F_G) && !c->encap_gre))
		return MIP4_CODE_FA_ENCAP_UNAVAIL;
	*why = "encapsulating delivery style not supported";
	if (m->has_encap_delivery && !c->encap_delivery)
		return MIP4_CODE_FA_DELIVERY_STYLE;
	*why = "reverse tunnelling is mandatory";
	if (!(m->flags & MIP4_F_T) && c->reverse_tunnel == FA_REVTUN_REQUIRED)
		return MIP4_CODE_FA_REVTUN_MANDATORY;
	*why = "IP TTL not 255";
	if ((m->flags & MIP4_F_T) && rx->ttl && rx->ttl != 255)
		return MIP4_CODE_FA_TOO_DISTANT;
	*why = "reverse tunnelling is off";
	if ((m->flags & MIP4_F_T) && c->reverse_tunnel == FA_REVTUN_OFF)
		return MIP4_CODE_FA_REVTUN_UNAVAIL;
	return 0;
}

/* Seed 3.4: attach the Tunneling Mode extension? */
static bool attach_tunnel_mode(const struct fa_cfg *c, const struct mip4_reg *m)
{
	bool prefixes = false;

	if (c->ipv6_mode != FA_IPV6_ATTACH || m->lifetime == 0 || m->n_tunnel_mode)
		return false;
	if (c->advertises_r && (m->flags & MIP4_F_D))
		return false;        /* seed 3.4: MUST NOT */
	for (unsigned i = 0; i < m->n_prefix; i++)
		prefixes = prefixes || mip4_covered_by_mh(m, m->prefix[i].off);
	return prefixes;
}

static void req_of(const struct fa_reg_rx *rx, const struct mip4_reg *m, struct fa_reg_req *q)
{
	memset(q, 0, sizeof(*q));
	q->home_addr = m->home_addr;
	q->home_agent = m->home_agent;
	q->coa = m->coa;
	q->id = m->id;
	q->lifetime = m->lifetime;
	q->flags = m->flags;
	q->src_addr = rx->src_addr;
	q->dst_addr = rx->dst_addr;
	q->src_port = rx->src_port;
	q->ifindex = rx->ifindex;
	if (rx->lladdr) {
		q->lladdr_len = MIN(rx->lladdr_len, (uint8_t)FA_REG_LLADDR_MAX);
		memcpy(q->lladdr, rx->lladdr, q->lladdr_len);
	}
	q->nai_len = m->nai_len;
	if (m->nai_len)
		memcpy(q->nai, m->nai, m->nai_len);
}

int fa_reg_request(struct fa_reg *fa, const struct fa_reg_rx *rx, struct fa_reg_out *o)
{
	const struct fa_cfg *c = fa->cfg;
	const struct fa_cfg_iface *ifc;
	const struct fa_cfg_sa *hsa;
	struct fa_visitor *v;
	struct fa_reg_req q;
	struct mip4_reg m;
	struct mip4_buf b;
	enum mip4_err err = MIP4_ERR_NONE;
	const char *why = NULL;
	uint16_t lifetime;
	uint8_t code;
	size_t keep;
	bool tm;
	int e;

	memset(o, 0, offsetof(struct fa_reg_out, buf));
	fa->st.rx_requests++;
	if (mip4_reg_parse(rx->buf, rx->len, &m, &err) < 0)
		return drop_parse(fa, err, o);
	if (m.type != MIP4_REG_REQUEST)
		return drop(o, &fa->st.drop_not_request, "a Registration Reply from a node");
	ifc = iface_of(c, rx->ifindex);
	if (!ifc)
		return drop(o, &fa->st.drop_unknown_iface, "not a visitor link");
	req_of(rx, &m, &q);
	q.agent_addr = is_group(q.dst_addr) ? ifc->address : q.dst_addr;
	/* RFC 3024 3.3: not to be included without T; then it means nothing */
	q.encap_delivery = m.has_encap_delivery && (m.flags & MIP4_F_T);

	code = request_check(fa, rx, &m, ifc, &why, &lifetime);
	if (code)
		return deny_req(fa, rx, &q, code, lifetime, why, o);

	keep = auth_end(&m.mh);
	tm = attach_tunnel_mode(c, &m);
	if (keep + 8 + 6 + MIP4_AUTH_LEN > sizeof(o->buf))
		return drop(o, &fa->st.drop_too_long, "request too long to relay");

	/* 3.7.1: pending limit; 3.7.2: a new request of a known node is
	 * pending beside its active registration */
	v = find(fa, m.home_addr);
	if (!(v && v->pending) && fa->n_pending >= c->max_pending)
		return deny_req(fa, rx, &q, MIP4_CODE_FA_RESOURCES, m.lifetime,
				"too many pending registrations", o);
	if (!v && fa->n >= c->max_visitors)
		return deny_req(fa, rx, &q, MIP4_CODE_FA_RESOURCES, m.lifetime,
				"visitor list full", o);

	/* 3.7.2.2: unchanged through the MH authentication, then ours */
	mip4_buf_init(&b, o->buf, sizeof(o->buf));
	memcpy(o->buf, rx->buf, keep);
	b.len = keep;
	e = 0;
	if (tm)
		e = mip4_put_tunnel_mode(&b);
	hsa = sa_of(c->ha_sa, c->n_ha_sa, m.home_agent);
	if (e == 0 && hsa && m.lifetime)
		e = mip4_put_auth(&b, MIP4_EXT_FH_AUTH, hsa->spi, hsa->key, hsa->key_len);
	if (e < 0)
		return drop(o, &fa->st.drop_too_long, "request too long to relay");

	if (!v) {
		v = add(fa, m.home_addr);
		if (!v)
			return -ENOMEM;
	}
	if (v->pending) {
		fa->st.pending_replaced++;
		pend_clear(fa, v);
	}
	q.tunnel_mode = tm;
	v->pending = true;
	v->pend = q;
	v->pend_deadline = rx->now + MIN((int64_t)c->pending_timeout,
					 m.lifetime ? (int64_t)m.lifetime : INT64_MAX);
	fa->n_pending++;
	fa->st.pending_added++;
	fa->st.tunnel_mode_attached += tm;
	fa->st.fh_auth_attached += hsa && m.lifetime;
	fa->st.tx_requests_relayed++;

	o->kind = FA_REG_TO_HA;
	o->len = b.len;
	/* 3.7.2.2: from the care-of address we offer the node */
	o->src_addr = coa_offered(ifc, m.coa) ? m.coa : ifc->coa[0];
	o->dst_addr = m.home_agent;
	o->dst_port = MIP4_PORT;
	o->ifindex = 0;
	o->home_addr = m.home_addr;
	return FA_REG_TO_HA;
}

/* ---- replies ------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t x;

	memcpy(&x, p, 4);
	return x;
}

static uint64_t rd64be(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 0; i < 8; i++)
		x = x << 8 | p[i];
	return x;
}

static struct fa_visitor *pending_for(struct fa_reg *fa, uint32_t home, uint64_t id,
				      bool *id_mismatch)
{
	struct fa_visitor *v = home ? find(fa, home) : NULL;

	*id_mismatch = false;
	if (!v || !v->pending)
		return NULL;
	if ((uint32_t)v->pend.id != (uint32_t)id) {   /* 3.7.3.1 */
		*id_mismatch = true;
		return NULL;
	}
	return v;
}

/* The pending registration of v ends with a denial we send. */
static int deny_pending(struct fa_reg *fa, struct fa_visitor *v, uint8_t code, const char *why,
			struct fa_reg_out *o)
{
	struct fa_reg_req q = v->pend;
	uint16_t lt = q.lifetime;

	pend_clear(fa, v);
	if (!v->active)
		del(fa, v);
	return deny(fa, &q, code, lt, why, o);
}

/* Accepted IPv6 prefixes, covered by the MH authentication. */
static void v6_outcome(struct fa_visitor *v, const struct mip4_reg *m, bool attached)
{
	bool coa = false, hoa = false;

	v->n_prefix = 0;
	for (unsigned i = 0; i < m->n_prefix; i++) {
		const struct mip4_prefix *p = &m->prefix[i];
		if (!mip4_covered_by_mh(m, p->off) || p->code > MIP4_V6_ACCEPT_COA)
			continue;
		coa = coa || p->code == MIP4_V6_ACCEPT_COA;
		hoa = hoa || p->code == MIP4_V6_ACCEPT_HOA;
		v->prefix[v->n_prefix].prefix = p->prefix;
		v->prefix[v->n_prefix].plen = p->plen;
		v->n_prefix++;
	}
	if (coa && attached)
		v->v6 = FA_V6_NATIVE;
	else if (coa || hoa)
		v->v6 = FA_V6_VIA_HOME_ADDR;  /* code 1 without our extension:
	                                         the node's own tunnel */
	else
		v->v6 = FA_V6_NONE;
}

int fa_reg_reply(struct fa_reg *fa, const struct fa_reg_rx *rx, struct fa_reg_out *o,
		 fa_reg_visitor_cb visitor_gone, void *arg)
{
	const struct fa_cfg *c = fa->cfg;
	const struct fa_cfg_sa *hsa;
	struct fa_visitor *v;
	struct mip4_reg m;
	struct mip4_buf b;
	enum mip4_err err = MIP4_ERR_NONE;
	bool idm;
	size_t keep;
	int e;

	memset(o, 0, offsetof(struct fa_reg_out, buf));
	fa->st.rx_replies++;
	if (mip4_reg_parse(rx->buf, rx->len, &m, &err) < 0) {
		/* a reply to a pending registration that we cannot relay: 71 */
		if (rx->len >= MIP4_REP_FIXED_LEN && rx->buf[0] == MIP4_REG_REPLY) {
			v = pending_for(fa, rd32(rx->buf + 4), rd64be(rx->buf + 12), &idm);
			if (v) {
				drop_parse(fa, err, o);
				return deny_pending(fa, v, MIP4_CODE_FA_POORLY_FORMED_REP,
						    "poorly formed reply from the home agent", o);
			}
		}
		return drop_parse(fa, err, o);
	}
	if (m.type != MIP4_REG_REPLY)
		return drop(o, &fa->st.drop_not_reply, "a Registration Request from a home agent");
	v = pending_for(fa, m.home_addr, m.id, &idm);
	if (!v)
		return idm ? drop(o, &fa->st.drop_id_mismatch, "identification mismatch")
			   : drop(o, &fa->st.drop_no_pending, "no pending registration");

	/* 3.7.1, 3.7.3.1 */
	hsa = sa_of(c->ha_sa, c->n_ha_sa, v->pend.home_agent);
	if (hsa && (m.fh.present || m.lifetime)) {
		if (!m.fh.present || m.fh.spi != hsa->spi ||
		    mip4_auth_verify(rx->buf, rx->len, &m.fh, hsa->key, hsa->key_len) != 0) {
			fa->st.drop_fh_auth++;
			return deny_pending(fa, v, MIP4_CODE_FA_HA_AUTH,
					    m.fh.present ? "foreign-home authenticator mismatch"
							 : "no foreign-home authentication",
					    o);
		}
	}

	/* 3.7.3.2: unchanged through the MH authentication; ours after */
	if (m.mh.present)
		keep = auth_end(&m.mh);
	else
		keep = MIN(MIN(m.fh.present ? m.fh.off : rx->len, m.mf.present ? m.mf.off : rx->len),
			   rx->len);
	if (keep + 6 + MIP4_AUTH_LEN > sizeof(o->buf)) {
		fa->st.drop_too_long++;
		return deny_pending(fa, v, MIP4_CODE_FA_POORLY_FORMED_REP,
				    "reply too long to relay", o);
	}
	mip4_buf_init(&b, o->buf, sizeof(o->buf));
	memcpy(o->buf, rx->buf, keep);
	b.len = keep;
	e = put_mf(fa, &b, v->home_addr);
	if (e < 0)
		return drop(o, &fa->st.drop_too_long, "reply too long to relay");
	to_mn(fa, &v->pend, m.home_addr, o);
	o->len = b.len;
	o->code = m.code;
	fa->st.tx_replies_relayed++;

	if (!mip4_code_accepted(m.code)) {
		/* 3.7.2, 3.7.3.2: the pending part goes, the visitor stays */
		fa->st.ha_denials_relayed++;
		o->why = "denied by the home agent";
		pend_clear(fa, v);
		if (!v->active)
			del(fa, v);
		return FA_REG_TO_MN;
	}
	if (m.lifetime == 0 || v->pend.lifetime == 0) {
		fa->st.visitors_deregistered++;
		if (visitor_gone && v->active)
			visitor_gone(v, arg);
		del(fa, v);
		return FA_REG_TO_MN;
	}
	fa->st.visitors_added += !v->active;
	fa->st.visitors_renewed += v->active;
	v->active = true;
	v->reg = v->pend;
	v->lifetime = MIN(MIN(m.lifetime, v->pend.lifetime), c->max_lifetime);
	v->registered = rx->now;
	v->expires = rx->now + v->lifetime;
	v6_outcome(v, &m, v->pend.tunnel_mode);
	fa->st.v6_native += v->v6 == FA_V6_NATIVE;
	fa->st.v6_via_home_addr += v->v6 == FA_V6_VIA_HOME_ADDR;
	pend_clear(fa, v);
	return FA_REG_TO_MN;
}

/* ---- a restarted agent ------------------------------------------------------------ */

int fa_reg_restore(struct fa_reg *fa, const struct fa_visitor *v, int64_t now)
{
	struct fa_visitor *n;

	if (!v->home_addr || !v->active || v->n_prefix > MIP4_MAX_PREFIXES ||
	    v->v6 > FA_V6_NATIVE || !iface_of(fa->cfg, v->reg.ifindex))
		return -EINVAL;
	if (v->expires <= now)
		return -ESTALE;
	if (find(fa, v->home_addr))
		return -EEXIST;
	if (fa->n >= fa->cfg->max_visitors)
		return -ENOSPC;
	n = add(fa, v->home_addr);
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->pending = false;
	memset(&n->pend, 0, sizeof(n->pend));
	n->pend_deadline = 0;
	return 0;
}

/* ---- time, ICMP --------------------------------------------------------------------- */

size_t fa_reg_tick(struct fa_reg *fa, int64_t now, fa_reg_send_cb send, fa_reg_visitor_cb gone,
		   void *arg)
{
	struct fa_reg_out *o = NULL;
	size_t k = 0;

	for (size_t i = fa->n; i-- > 0;) {
		struct fa_visitor *v = &fa->v[i];
		if (v->pending && v->pend_deadline <= now) {
			bool had = v->active;
			if (!o && !(o = calloc(1, sizeof(*o)))) {
				/* no memory for the reply: forget it silently */
				pend_clear(fa, v);
				if (!had)
					del(fa, v);
				k++;
				continue;
			}
			memset(o, 0, offsetof(struct fa_reg_out, buf));
			deny_pending(fa, v, MIP4_CODE_FA_TIMEOUT, "registration timeout", o);
			if (send && o->kind == FA_REG_TO_MN)
				send(o, arg);
			k++;
			if (!had)
				continue;    /* v was deleted: slot i holds another */
		}
		if (v->active && v->expires <= now) {
			if (gone)
				gone(v, arg);
			fa->st.visitors_expired++;
			if (v->pending) {
				v->active = false;
				memset(&v->reg, 0, sizeof(v->reg));
				v->n_prefix = 0;
				v->v6 = FA_V6_NONE;
			} else {
				del(fa, v);
			}
			k++;
		}
	}
	free(o);
	return k;
}

int64_t fa_reg_next_timeout(const struct fa_reg *fa)
{
	int64_t t = INT64_MAX;

	for (size_t i = 0; i < fa->n; i++) {
		if (fa->v[i].pending)
			t = MIN(t, fa->v[i].pend_deadline);
		if (fa->v[i].active)
			t = MIN(t, fa->v[i].expires);
	}
	return t;
}

size_t fa_reg_ha_unreachable(struct fa_reg *fa, uint32_t home_agent, uint8_t icmp_code,
			     int64_t now, fa_reg_send_cb send, void *arg)
{
	uint8_t code = icmp_code == 0   ? MIP4_CODE_FA_HOME_NET_UNREACH
		       : icmp_code == 1 ? MIP4_CODE_FA_HA_HOST_UNREACH
		       : icmp_code == 3 ? MIP4_CODE_FA_HA_PORT_UNREACH
					: MIP4_CODE_FA_HA_UNREACH;
	struct fa_reg_out *o;
	size_t k = 0;

	(void)now;
	o = calloc(1, sizeof(*o));
	for (size_t i = fa->n; i-- > 0;) {
		struct fa_visitor *v = &fa->v[i];
		if (!v->pending || v->pend.home_agent != home_agent)
			continue;
		if (!o) {
			pend_clear(fa, v);
			if (!v->active)
				del(fa, v);
		} else {
			deny_pending(fa, v, code, "home agent unreachable", o);
			if (send && o->kind == FA_REG_TO_MN)
				send(o, arg);
		}
		k++;
	}
	free(o);
	return k;
}

/* ---- lookups --------------------------------------------------------------------------- */

const struct fa_visitor *fa_reg_visitor(const struct fa_reg *fa, uint32_t home_addr)
{
	const struct fa_visitor *v = find(fa, home_addr);

	return v && v->active ? v : NULL;
}

const struct fa_visitor *fa_reg_entry(const struct fa_reg *fa, uint32_t home_addr)
{
	return find(fa, home_addr);
}

size_t fa_reg_count(const struct fa_reg *fa)
{
	return fa->n;
}

size_t fa_reg_pending_count(const struct fa_reg *fa)
{
	return fa->n_pending;
}

int fa_reg_foreach(const struct fa_reg *fa, int (*cb)(const struct fa_visitor *v, void *arg),
		   void *arg)
{
	for (size_t i = 0; i < fa->n; i++) {
		int e = cb(&fa->v[i], arg);
		if (e < 0)
			return e;
	}
	return 0;
}

const struct fa_reg_stats *fa_reg_stats(const struct fa_reg *fa)
{
	return &fa->st;
}

int fa_reg_new(const struct fa_cfg *cfg, struct fa_reg **out)
{
	struct fa_reg *fa = calloc(1, sizeof(*fa));

	*out = NULL;
	if (!fa)
		return -ENOMEM;
	fa->cfg = cfg;
	*out = fa;
	return 0;
}

void fa_reg_free(struct fa_reg *fa)
{
	if (!fa)
		return;
	free(fa->v);
	free(fa);
}
