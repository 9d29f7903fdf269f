/* The home agent's registration engine (RFC 5944 3.8, RFC 5454 3.3, seed
 * draft-ietf-mip4-dsmipv4-06 3.3 and 3.7.1, RFC 2794, RFC 3024 4.3).  See
 * ha_reg.h for the contract.  Choices the RFCs leave open:
 *  - a rejection carries no IPv6 Prefix Reply extensions (RFC 5454 3.2:
 *    the header's reject code rejects them all);
 *  - one tunnelling mode per binding: the Tunneling Mode extension (RFC
 *    5454 2.3) is honoured only for a co-located node (D) that registers
 *    neither a link-local address (3.7.1: tunnelled to the home address)
 *    nor has implicit prefixes (1.4: tunnelled to the home address);
 *  - a deregistration (lifetime 0) needs no T/M/G policy check and gets no
 *    prefix replies (3.8: it removes every prefix);
 *  - nonces (RFC 5944 5.7.2) are issued only in replies to authenticated
 *    requests, so a forged request cannot desynchronise a node;
 *  - the FA-HA association is looked up by the request's IP source (RFC
 *    5944 3.5.4); a deregistration needs no FH authentication (3.5.4: it
 *    MUST NOT carry one) but one that came is checked, and its reply
 *    carries none;
 *  - RFC 3519: only IP in UDP (an encapsulation of 47 or 55, or 0 with M
 *    or G: 142); the R flag (a co-located node through an agent, 4.11) is
 *    declined (64): half-bound tunnels are not done; the UDP-tunnelled
 *    binding keeps the registered care-of address as its key. */
#include "mip4/ha_reg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "wire/encap4.h"
#include "wire/udptun.h"

#define PFX_CANDIDATE 0xff           /* accepted so far (code decided at finish) */

/* RFC 3519 3.1, 3.2 */
#define UDPTUN_REQ_F 0x80            /* force */
#define UDPTUN_REQ_R 0x40            /* registration through an FA required */
#define UDPTUN_REP_F 0x80            /* forced */
#define UDPTUN_WILL_TUNNEL 0         /* 3.2.1 reply codes */
#define UDPTUN_DECLINED 64
enum { UDP_NONE = 0, UDP_ACCEPT, UDP_DECLINE };
#define POOL6_TRIES 4096             /* candidates examined per dynamic prefix */

static const char *const stat_names[] = {
#define X(n) #n,
	HA_REG_COUNTERS(X)
#undef X
};

size_t ha_reg_stat_count(void)
{
	return ARRAY_SIZE(stat_names);
}

const char *ha_reg_stat_name(size_t i)
{
	return i < ARRAY_SIZE(stat_names) ? stat_names[i] : NULL;
}

uint64_t ha_reg_stat_get(const struct ha_reg_stats *s, size_t i)
{
	const uint64_t *v = (const uint64_t *)s;

	return i < ARRAY_SIZE(stat_names) ? v[i] : 0;
}

/* Per configured node: replay state (RFC 5944 5.7) and the dynamic home
 * address (RFC 2794). */
struct node_state {
	uint64_t last_id;            /* timestamps: highest accepted */
	uint32_t nonce;              /* nonces: issued in the last reply */
	bool has_nonce;
	uint64_t gen;                /* bumped by every accept and nonce issued */
	uint32_t assigned;           /* pool node: its home address, 0 none */
};

/* One IPv6 Prefix Request of a pending registration. */
struct pfx_req {
	uint8_t code;                /* MIP4_V6_*, or PFX_CANDIDATE */
	bool reply;                  /* false: a duplicate, no reply (5454 3.3) */
	bool dynamic;                /* from pool6 (seed 3.7.1) */
	uint8_t req_plen;
	struct in6_addr req_prefix;  /* as sent */
	struct mip_prefix bound;     /* what is bound; the reply shows it */
	int dad;                     /* index in dad[], -1 none */
};

struct ha_reg_pending {
	struct ha_reg_pending *next;
	uint32_t node;
	uint64_t gen;
	uint8_t flags;
	uint16_t lifetime;           /* as requested */
	uint32_t req_home, coa;
	uint64_t id;
	char nai[MIP4_NAI_MAX + 1];
	uint8_t nai_len;
	uint32_t src_addr, dst_addr;
	uint16_t src_port;
	bool tunnel_mode;            /* a Tunneling Mode extension was sent */
	bool fa_tunnel_mode;         /* a foreign agent's, after the MH auth and
	                                covered by a valid FH auth (5454 3.4) */
	const struct ha_cfg_fa *fh_sa; /* FA-HA association of the IP source:
	                                the reply carries FH auth (5944 3.8.3.3) */
	uint8_t udp;                 /* UDP_NONE, UDP_ACCEPT, UDP_DECLINE */
	bool udp_after_mh;           /* the FA's request: our reply ext after MH */
	uint8_t udp_flags;           /* reply F flag */
	uint8_t n_pfx;
	struct pfx_req pfx[MIP4_MAX_PREFIXES];
	size_t n_dad;
	struct in6_addr dad[MIP4_MAX_PREFIXES];
};

/* The index of bound prefixes (5454 3.3: no overlap between nodes), so
 * that the overlap test costs a few hash probes instead of a walk over
 * every bound prefix.  Keys are (masked prefix, length, link-local?); per
 * key: how many bound prefixes are exactly it, and how many lie strictly
 * inside it.  The "inside" counts are kept for the lengths queries have
 * used (levels, added on first use with one pass over the bindings).
 * Every binding contributes each of its prefixes (simultaneous bindings
 * of one node count several times; the node's own are subtracted by
 * looking at its bindings). */
struct pidx_ent {
	struct in6_addr a;
	uint8_t len;                 /* 0-128 */
	uint8_t ll;                  /* a link-local registration (255) */
	uint8_t used;
	uint32_t exact, below;
};

struct pidx {
	struct pidx_ent *t;
	size_t mask, n;              /* size - 1 (a power of two); used slots */
	uint32_t len_cnt[129];       /* bound (non-link-local) prefixes per length */
	bool level[129];             /* "below" counts kept at this length */
	bool failed;                 /* out of memory once: scan instead */
};

struct ha_reg {
	const struct ha_cfg *cfg;
	struct node_state *ns;
	/* node lookup: open addressing, slot = node index + 1 (0: empty) */
	uint32_t *by_home, *by_nai;
	size_t hmask;                /* table size - 1 (a power of two) */
	uint32_t *pool_nodes;        /* nodes without a static home address */
	uint32_t n_pool_nodes;
	struct mip_binding *b;       /* sorted by (home, coa) as numbers */
	size_t n, cap;
	struct ha_reg_pending *pending;
	struct pidx px;
	struct ha_reg_stats st;
};

/* ---- small helpers --------------------------------------------------------- */

static uint32_t mask32(unsigned plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

static bool in6_zero(const struct in6_addr *a)
{
	static const struct in6_addr z;
	return memcmp(a, &z, sizeof(z)) == 0;
}

static bool in6_high64_zero(const struct in6_addr *a)
{
	static const uint8_t z[8];
	return memcmp(a->s6_addr, z, 8) == 0;
}

static bool in6_ll(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

static unsigned plen_bits(uint8_t plen)
{
	return plen == MIP4_V6_PLEN_LINK_LOCAL ? 128 : plen;
}

static void in6_clear_host(struct in6_addr *a, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = plen > i * 8 ? MIN(plen - i * 8, 8u) : 0;
		a->s6_addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

/* Two registered prefixes share an address (a link-local one is its own
 * address, RFC 5454 3.7.1). */
static bool pfx_overlap(const struct mip_prefix *a, const struct mip_prefix *b)
{
	bool la = a->plen == MIP4_V6_PLEN_LINK_LOCAL, lb = b->plen == MIP4_V6_PLEN_LINK_LOCAL;

	if (la != lb)
		return false;
	/* the common case first: both /64 or longer differ in the first half */
	if (MIN(plen_bits(a->plen), plen_bits(b->plen)) >= 64 &&
	    memcmp(a->prefix.s6_addr, b->prefix.s6_addr, 8) != 0)
		return false;
	return in6_prefix_match(&a->prefix, &b->prefix, MIN(plen_bits(a->plen), plen_bits(b->plen)));
}

static bool pfx_equal(const struct mip_prefix *a, const struct mip_prefix *b)
{
	return a->plen == b->plen && memcmp(&a->prefix, &b->prefix, sizeof(a->prefix)) == 0;
}

/* inner lies inside outer (both global). */
static bool p6_inside(const struct in6_addr *in, unsigned ilen, const struct in6_addr *out,
		      unsigned olen)
{
	return ilen >= olen && in6_prefix_match(in, out, olen);
}

static int cmp_key(uint32_t h1, uint32_t c1, uint32_t h2, uint32_t c2)
{
	uint64_t a = (uint64_t)ntohl(h1) << 32 | ntohl(c1), b = (uint64_t)ntohl(h2) << 32 | ntohl(c2);

	return a < b ? -1 : a > b;
}

/* ---- the prefix index ---------------------------------------------------------- */

static size_t pidx_hash(const struct in6_addr *a, uint8_t len, uint8_t ll)
{
	uint64_t x, y;

	memcpy(&x, a->s6_addr, 8);
	memcpy(&y, a->s6_addr + 8, 8);
	x ^= y * 0x9e3779b97f4a7c15ull;
	x ^= ((uint64_t)len << 1 | ll) * 0xc2b2ae3d27d4eb4full;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (size_t)(x ^ (x >> 32));
}

static struct pidx_ent *pidx_find(const struct pidx *x, const struct in6_addr *a, uint8_t len,
				  uint8_t ll)
{
	if (!x->t)
		return NULL;
	for (size_t k = pidx_hash(a, len, ll) & x->mask; x->t[k].used; k = (k + 1) & x->mask)
		if (x->t[k].len == len && x->t[k].ll == ll && memcmp(&x->t[k].a, a, 16) == 0)
			return &x->t[k];
	return NULL;
}

static int pidx_grow(struct pidx *x)
{
	size_t size = x->t ? (x->mask + 1) * 2 : 256;
	struct pidx_ent *old = x->t, *t = calloc(size, sizeof(*t));
	size_t old_size = x->t ? x->mask + 1 : 0;

	if (!t)
		return -ENOMEM;
	x->t = t;
	x->mask = size - 1;
	for (size_t i = 0; i < old_size; i++) {
		size_t k;
		if (!old[i].used)
			continue;
		for (k = pidx_hash(&old[i].a, old[i].len, old[i].ll) & x->mask; t[k].used;
		     k = (k + 1) & x->mask)
			;
		t[k] = old[i];
	}
	free(old);
	return 0;
}

static struct pidx_ent *pidx_get(struct pidx *x, const struct in6_addr *a, uint8_t len, uint8_t ll)
{
	struct pidx_ent *e = pidx_find(x, a, len, ll);
	size_t k;

	if (e)
		return e;
	if ((!x->t || (x->n + 1) * 2 > x->mask + 1) && pidx_grow(x) < 0)
		return NULL;
	for (k = pidx_hash(a, len, ll) & x->mask; x->t[k].used; k = (k + 1) & x->mask)
		;
	e = &x->t[k];
	memset(e, 0, sizeof(*e));
	e->a = *a;
	e->len = len;
	e->ll = ll;
	e->used = 1;
	x->n++;
	return e;
}

/* Linear probing: deletion shifts the followers back (no tombstones). */
static void pidx_drop_if_empty(struct pidx *x, struct pidx_ent *e)
{
	size_t i = (size_t)(e - x->t), j = i;

	if (e->exact || e->below)
		return;
	x->t[i].used = 0;
	x->n--;
	for (;;) {
		size_t home;
		j = (j + 1) & x->mask;
		if (!x->t[j].used)
			return;
		home = pidx_hash(&x->t[j].a, x->t[j].len, x->t[j].ll) & x->mask;
		/* move j to i unless its home slot lies cyclically in (i, j] */
		if ((i < j) ? (home <= i || home > j) : (home <= i && home > j)) {
			x->t[i] = x->t[j];
			x->t[j].used = 0;
			i = j;
		}
	}
}

/* One bound prefix in (d = +1) or out (d = -1) of the index. */
static void pidx_update(struct pidx *x, const struct mip_prefix *p, int d)
{
	uint8_t ll = p->plen == MIP4_V6_PLEN_LINK_LOCAL, len = ll ? 128 : MIN(p->plen, 128);
	struct in6_addr a = p->prefix;
	struct pidx_ent *e;

	if (x->failed)
		return;
	in6_clear_host(&a, len);
	e = d > 0 ? pidx_get(x, &a, len, ll) : pidx_find(x, &a, len, ll);
	if (!e) {
		x->failed = d > 0;   /* out of memory: prefix_taken scans */
		return;
	}
	e->exact += (uint32_t)d;
	pidx_drop_if_empty(x, e);
	if (ll)
		return;
	x->len_cnt[len] += (uint32_t)d;
	for (unsigned l = 0; l < len; l++) {
		struct in6_addr m = a;
		if (!x->level[l])
			continue;
		in6_clear_host(&m, l);
		e = d > 0 ? pidx_get(x, &m, (uint8_t)l, 0) : pidx_find(x, &m, (uint8_t)l, 0);
		if (!e) {
			x->failed = d > 0;
			return;
		}
		e->below += (uint32_t)d;
		pidx_drop_if_empty(x, e);
	}
}

static void pidx_binding(struct pidx *x, const struct mip_binding *b, int d)
{
	for (unsigned i = 0; i < MIN(b->n_prefix, MIP4_MAX_PREFIXES); i++)
		pidx_update(x, &b->prefix[i], d);
}

/* ---- the binding table ------------------------------------------------------ */

/* Index of the first binding >= (home, coa). */
static size_t tbl_lower(const struct ha_reg *r, uint32_t home, uint32_t coa)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(r->b[mid].home_addr, r->b[mid].coa, home, coa) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct mip_binding *tbl_find(const struct ha_reg *r, uint32_t home, uint32_t coa)
{
	size_t i = tbl_lower(r, home, coa);

	if (i < r->n && r->b[i].home_addr == home && r->b[i].coa == coa)
		return &r->b[i];
	return NULL;
}

static size_t tbl_home(const struct ha_reg *r, uint32_t home, size_t *first)
{
	size_t i = tbl_lower(r, home, 0), n = 0;

	while (i + n < r->n && r->b[i + n].home_addr == home)
		n++;
	*first = i;
	return n;
}

/* Insert or replace. */
static int tbl_put(struct ha_reg *r, const struct mip_binding *b)
{
	size_t i = tbl_lower(r, b->home_addr, b->coa);

	if (i < r->n && r->b[i].home_addr == b->home_addr && r->b[i].coa == b->coa) {
		pidx_binding(&r->px, &r->b[i], -1);
		r->b[i] = *b;
		pidx_binding(&r->px, &r->b[i], +1);
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct mip_binding *v = realloc(r->b, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->b = v;
		r->cap = cap;
	}
	memmove(&r->b[i + 1], &r->b[i], (r->n - i) * sizeof(*r->b));
	r->b[i] = *b;
	r->n++;
	pidx_binding(&r->px, &r->b[i], +1);
	return 0;
}

static void tbl_del_at(struct ha_reg *r, size_t i)
{
	pidx_binding(&r->px, &r->b[i], -1);
	memmove(&r->b[i], &r->b[i + 1], (r->n - i - 1) * sizeof(*r->b));
	r->n--;
}

/* A binding of another home address whose prefixes overlap p: the scan
 * (what the index must agree with; used when the index ran out of
 * memory, and by the unit tests through ha_reg_prefix_taken_scan). */
static bool prefix_taken_scan(const struct ha_reg *r, uint32_t home, const struct mip_prefix *p)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct mip_binding *b = &r->b[i];
		if (b->home_addr == home)
			continue;
		for (unsigned j = 0; j < b->n_prefix; j++)
			if (pfx_overlap(&b->prefix[j], p))
				return true;
	}
	return false;
}

/* Start keeping "below" counts at length l: one pass over the bindings. */
static void pidx_add_level(struct ha_reg *r, unsigned l)
{
	struct pidx *x = &r->px;

	x->level[l] = true;
	for (size_t i = 0; i < r->n && !x->failed; i++)
		for (unsigned j = 0; j < MIN(r->b[i].n_prefix, MIP4_MAX_PREFIXES); j++) {
			const struct mip_prefix *q = &r->b[i].prefix[j];
			struct in6_addr m = q->prefix;
			struct pidx_ent *e;
			if (q->plen == MIP4_V6_PLEN_LINK_LOCAL || q->plen <= l || q->plen > 128)
				continue;
			in6_clear_host(&m, l);
			e = pidx_get(x, &m, (uint8_t)l, 0);
			if (!e) {
				x->failed = true;
				return;
			}
			e->below++;
		}
}

/* A binding of another home address whose prefixes overlap p, from the
 * index: bound prefixes that contain p (exact keys at each length in use
 * up to p's), or that p contains (p's "below" count), minus those of
 * home's own bindings. */
static bool prefix_taken(struct ha_reg *r, uint32_t home, const struct mip_prefix *p)
{
	struct pidx *x = &r->px;
	uint8_t ll = p->plen == MIP4_V6_PLEN_LINK_LOCAL;
	unsigned len = ll ? 128 : MIN(p->plen, 128u);
	const struct mip_binding *own = NULL;
	size_t first = 0, n_own = home ? tbl_home(r, home, &first) : 0;
	struct in6_addr a = p->prefix;
	const struct pidx_ent *e;

	if (!ll && !x->level[len] && !x->failed)
		pidx_add_level(r, len);
	if (x->failed)
		return prefix_taken_scan(r, home, p);
	own = n_own ? &r->b[first] : NULL;
	in6_clear_host(&a, len);
	/* bound prefixes that contain p (p itself included) */
	for (unsigned l = ll ? 128 : 0; l <= len; l++) {
		struct in6_addr m = a;
		uint32_t mine = 0;
		if (!ll && !x->len_cnt[l])
			continue;
		in6_clear_host(&m, l);
		e = pidx_find(x, &m, (uint8_t)l, ll);
		if (!e || !e->exact)
			continue;
		for (size_t i = 0; i < n_own; i++)
			for (unsigned j = 0; j < own[i].n_prefix; j++) {
				const struct mip_prefix *q = &own[i].prefix[j];
				bool qll = q->plen == MIP4_V6_PLEN_LINK_LOCAL;
				mine += qll == ll && (qll ? 128u : q->plen) == l &&
					in6_prefix_match(&q->prefix, &m, l);
			}
		if (e->exact > mine)
			return true;
	}
	if (ll)
		return false;
	/* bound prefixes strictly inside p */
	e = pidx_find(x, &a, (uint8_t)len, 0);
	if (e && e->below) {
		uint32_t mine = 0;
		for (size_t i = 0; i < n_own; i++)
			for (unsigned j = 0; j < own[i].n_prefix; j++) {
				const struct mip_prefix *q = &own[i].prefix[j];
				mine += q->plen != MIP4_V6_PLEN_LINK_LOCAL && q->plen <= 128 &&
					q->plen > len && in6_prefix_match(&q->prefix, &a, len);
			}
		if (e->below > mine)
			return true;
	}
	return false;
}

/* p (exactly) is bound to home already. */
static bool prefix_bound_to(const struct ha_reg *r, uint32_t home, const struct mip_prefix *p)
{
	size_t first, n = tbl_home(r, home, &first);

	for (size_t i = first; i < first + n; i++)
		for (unsigned j = 0; j < r->b[i].n_prefix; j++)
			if (pfx_equal(&r->b[i].prefix[j], p))
				return true;
	return false;
}

/* ---- nodes -------------------------------------------------------------------- */

static bool in_pool4(const struct ha_cfg *c, uint32_t a)
{
	return c->has_pool4 && ntohl(a) >= ntohl(c->pool4_first) &&
	       ntohl(a) <= ntohl(c->pool4_last);
}

static size_t hash_u32(uint32_t v)
{
	return (size_t)(v * 2654435761u) ^ (v >> 16);
}

static size_t hash_bytes(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;        /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The node indexes (ha_reg_new): static home addresses and NAIs hashed
 * (the configuration has no duplicates of either), the pool nodes listed. */
static int node_index_build(struct ha_reg *r)
{
	const struct ha_cfg *c = r->cfg;
	size_t size = 16;

	while (size < (size_t)c->n_nodes * 2)
		size *= 2;
	r->hmask = size - 1;
	r->by_home = calloc(size, sizeof(*r->by_home));
	r->by_nai = calloc(size, sizeof(*r->by_nai));
	r->pool_nodes = calloc(c->n_nodes ? c->n_nodes : 1, sizeof(*r->pool_nodes));
	if (!r->by_home || !r->by_nai || !r->pool_nodes)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->n_nodes; i++) {
		const struct ha_cfg_node *nd = &c->nodes[i];
		size_t k;
		if (nd->home_addr) {
			for (k = hash_u32(nd->home_addr) & r->hmask; r->by_home[k];
			     k = (k + 1) & r->hmask)
				;
			r->by_home[k] = i + 1;
		} else {
			r->pool_nodes[r->n_pool_nodes++] = i;
		}
		if (nd->nai[0]) {
			for (k = hash_bytes((const uint8_t *)nd->nai, strlen(nd->nai)) & r->hmask;
			     r->by_nai[k]; k = (k + 1) & r->hmask)
				;
			r->by_nai[k] = i + 1;
		}
	}
	return 0;
}

static int node_by_home(const struct ha_reg *r, uint32_t home)
{
	if (home == 0)
		return -1;
	for (size_t k = hash_u32(home) & r->hmask; r->by_home[k]; k = (k + 1) & r->hmask)
		if (r->cfg->nodes[r->by_home[k] - 1].home_addr == home)
			return (int)(r->by_home[k] - 1);
	/* a pool node's assigned address (never a static one: pool4_free) */
	for (uint32_t j = 0; j < r->n_pool_nodes; j++)
		if (r->ns[r->pool_nodes[j]].assigned == home)
			return (int)r->pool_nodes[j];
	return -1;
}

static int node_by_nai(const struct ha_reg *r, const uint8_t *nai, size_t len)
{
	if (len == 0)
		return -1;
	for (size_t k = hash_bytes(nai, len) & r->hmask; r->by_nai[k]; k = (k + 1) & r->hmask) {
		const char *n = r->cfg->nodes[r->by_nai[k] - 1].nai;
		if (strlen(n) == len && memcmp(n, nai, len) == 0)
			return (int)(r->by_nai[k] - 1);
	}
	return -1;
}

/* The node's home address now (0: none assigned yet). */
static uint32_t node_home(const struct ha_reg *r, uint32_t i)
{
	const struct ha_cfg_node *nd = &r->cfg->nodes[i];

	return nd->home_addr ? nd->home_addr : r->ns[i].assigned;
}

/* A pool address nobody holds. */
static bool pool4_free(const struct ha_reg *r, uint32_t a)
{
	size_t first;

	/* the binding table first: a node scan only for a likely winner */
	if (!in_pool4(r->cfg, a) || a == r->cfg->address || tbl_home(r, a, &first) != 0)
		return false;
	return node_by_home(r, a) < 0;
}

static uint32_t pool4_pick(const struct ha_reg *r)
{
	const struct ha_cfg *c = r->cfg;

	if (!c->has_pool4)
		return 0;
	for (uint32_t h = ntohl(c->pool4_first);; h++) {
		if (pool4_free(r, htonl(h)))
			return htonl(h);
		if (h == ntohl(c->pool4_last))
			return 0;
	}
}

/* A pool node whose bindings are all gone gives its address back. */
static void node_gc(struct ha_reg *r, uint32_t home)
{
	size_t first;
	int i = node_by_home(r, home);

	if (i >= 0 && r->cfg->nodes[i].home_addr == 0 && tbl_home(r, home, &first) == 0)
		r->ns[i].assigned = 0;
}

/* ---- replies ------------------------------------------------------------------- */

static void count_reply(struct ha_reg *r, uint8_t code)
{
	struct ha_reg_stats *s = &r->st;

	s->tx_replies++;
	switch (code) {
	case MIP4_CODE_ACCEPTED: s->reply_accepted++; break;
	case MIP4_CODE_ACCEPTED_NO_SIMUL: s->reply_accepted_no_simul++; break;
	case MIP4_CODE_HA_PROHIBITED: s->reply_prohibited++; break;
	case MIP4_CODE_HA_RESOURCES: s->reply_no_resources++; break;
	case MIP4_CODE_HA_MN_AUTH: s->reply_mn_auth_failed++; break;
	case MIP4_CODE_HA_ID_MISMATCH: s->reply_id_mismatch++; break;
	case MIP4_CODE_HA_POORLY_FORMED: s->reply_poorly_formed++; break;
	case MIP4_CODE_HA_TOO_MANY_BINDINGS: s->reply_too_many_bindings++; break;
	case MIP4_CODE_HA_UNKNOWN_HA: s->reply_unknown_ha++; break;
	case MIP4_CODE_HA_REVTUN_UNAVAIL: s->reply_revtun_unavailable++; break;
	case MIP4_CODE_HA_REVTUN_MANDATORY: s->reply_revtun_mandatory++; break;
	case MIP4_CODE_HA_ENCAP_UNAVAIL: s->reply_encap_unavailable++; break;
	case MIP4_CODE_HA_FA_AUTH: s->reply_fa_auth_failed++; break;
	case MIP4_CODE_HA_UDP_ENCAP_UNAVAIL: s->reply_udp_encap_unavailable++; break;
	default: break;
	}
}

static void count_prefix(struct ha_reg *r, uint8_t code)
{
	struct ha_reg_stats *s = &r->st;

	switch (code) {
	case MIP4_V6_ACCEPT_HOA: s->prefix_accepted_hoa++; break;
	case MIP4_V6_ACCEPT_COA: s->prefix_accepted_coa++; break;
	case MIP4_V6_REJECT_PROHIBITED: s->prefix_rejected_prohibited++; break;
	case MIP4_V6_REJECT_NOT_HOME_SUBNET: s->prefix_rejected_not_home_subnet++; break;
	case MIP4_V6_REJECT_DAD_FAILED: s->prefix_rejected_dad_failed++; break;
	default: s->prefix_rejected_unspecified++; break;
	}
}

/* 3.8.3.1: answer from the request's destination unless it was broadcast,
 * multicast or unknown. */
static bool dst_is_broadcast(const struct ha_cfg *c, uint32_t dst)
{
	uint32_t h = ntohl(dst), m = mask32(c->home_plen);

	return h == 0xffffffffu || (h >= 0xe0000000u && h < 0xf0000000u) ||
	       h == (ntohl(c->home_net) | ~m);
}

struct reply_in {
	uint8_t code;
	uint16_t lifetime;
	uint32_t home;
	uint64_t id;
	const uint8_t *nai;
	uint8_t nai_len;
	uint32_t src_addr, dst_addr;
	uint16_t src_port;
	bool home_link;
	const struct ha_cfg_fa *fh_sa;   /* add FH auth (not to a deregistration) */
	uint8_t udp;                     /* UDP Tunnel Reply: UDP_ACCEPT / _DECLINE */
	bool udp_after_mh;
	uint8_t udp_flags;
};

/* RFC 3519 3.2, 4.6: the keepalive interval only when we will tunnel. */
static int udp_reply_put(struct mip4_buf *b, const struct ha_cfg *c, const struct reply_in *in)
{
	bool yes = in->udp == UDP_ACCEPT;

	return mip4_put_udp_tun_reply(b, in->udp_flags, yes ? UDPTUN_WILL_TUNNEL : UDPTUN_DECLINED,
				      yes ? c->udp_keepalive : 0);
}

/* 3.8.3.3: fixed part, NAI, prefix replies, the mobile node's UDP Tunnel
 * Reply, MH authentication, a foreign agent's UDP Tunnel Reply, FH
 * authentication.  node < 0: no key (never happens for a sent reply). */
static void reply_build(struct ha_reg *r, int node, const struct reply_in *in,
			const struct ha_reg_pending *p, struct ha_reg_reply *rep)
{
	const struct ha_cfg_node *nd = node >= 0 ? &r->cfg->nodes[node] : NULL;
	struct mip4_buf b;
	struct mip_prefix sent[MIP4_MAX_PREFIXES];
	unsigned n_sent = 0;
	int e;

	memset(rep->buf, 0, sizeof(rep->buf));
	mip4_buf_init(&b, rep->buf, sizeof(rep->buf));
	e = mip4_put_reply(&b, in->code, in->lifetime, in->home, r->cfg->address, in->id);
	if (e == 0 && in->nai_len)
		e = mip4_put_nai(&b, (const char *)in->nai, in->nai_len);
	for (unsigned i = 0; p && e == 0 && i < p->n_pfx; i++) {
		const struct pfx_req *x = &p->pfx[i];
		struct mip_prefix shown;
		bool dup = false;
		if (!x->reply)
			continue;
		if (x->code <= MIP4_V6_ACCEPT_COA && (x->dynamic || x->bound.plen != x->req_plen ||
						     in6_high64_zero(&x->req_prefix))) {
			shown = x->bound;    /* an assignment (seed 3.7.1) */
		} else {
			shown.prefix = x->req_prefix;
			shown.plen = x->req_plen;
		}
		for (unsigned j = 0; j < n_sent; j++)
			dup = dup || pfx_equal(&sent[j], &shown);
		if (dup) {               /* 5454 3.3: never two for one prefix */
			r->st.prefix_duplicate_ignored++;
			continue;
		}
		sent[n_sent++] = shown;
		e = mip4_put_prefix_reply(&b, x->code, shown.plen, &shown.prefix);
		count_prefix(r, x->code);
	}
	if (e == 0 && in->udp && !in->udp_after_mh)
		e = udp_reply_put(&b, r->cfg, in);
	if (e == 0 && nd)
		e = mip4_put_auth(&b, MIP4_EXT_MH_AUTH, nd->spi, nd->key, nd->key_len);
	if (e == 0 && in->udp && in->udp_after_mh)
		e = udp_reply_put(&b, r->cfg, in);
	/* RFC 5944 3.5.4: never on a deregistration */
	if (e == 0 && in->fh_sa && in->lifetime) {
		e = mip4_put_auth(&b, MIP4_EXT_FH_AUTH, in->fh_sa->spi, in->fh_sa->key,
				  in->fh_sa->key_len);
		r->st.fh_auth_replies += e == 0;
	}
	rep->len = e == 0 ? b.len : 0;
	rep->code = in->code;
	rep->dst_addr = in->src_addr;
	rep->dst_port = in->src_port;
	rep->src_addr = in->dst_addr == 0 || dst_is_broadcast(r->cfg, in->dst_addr)
				? r->cfg->address
				: in->dst_addr;
	rep->on_home_link = in->home_link;
	rep->node = nd ? nd->name : NULL;
	if (rep->len)
		count_reply(r, in->code);
}

/* The reply's identification (RFC 5944 5.7): low 32 bits copied; high 32
 * the request's (timestamp accepted), our time (133), or a new nonce. */
static uint64_t reply_id(struct ha_reg *r, uint32_t node, uint64_t req_id, bool mismatch,
			 struct ha_reg_time now, uint32_t random)
{
	struct node_state *s = &r->ns[node];

	if (r->cfg->nodes[node].replay == HA_REPLAY_NONCE) {
		s->nonce = random;
		s->has_nonce = true;
		s->gen++;
		return (uint64_t)random << 32 | (req_id & 0xffffffffu);
	}
	if (mismatch)
		return (mip4_ntp_time(now.sec, now.nsec) & 0xffffffff00000000ull) |
		       (req_id & 0xffffffffu);
	return req_id;
}

/* ---- phase one ------------------------------------------------------------------ */

static int drop(struct ha_reg_reply *rep, uint64_t *counter, const char *why)
{
	(*counter)++;
	rep->len = 0;
	rep->why = why;
	return HA_REG_DROP;
}

static int drop_parse(struct ha_reg *r, enum mip4_err e, struct ha_reg_reply *rep)
{
	struct ha_reg_stats *s = &r->st;

	switch (e) {
	case MIP4_ERR_TRUNCATED: return drop(rep, &s->drop_truncated, "truncated");
	case MIP4_ERR_BAD_TYPE: return drop(rep, &s->drop_bad_type, "not a registration message");
	case MIP4_ERR_EXT_OVERRUN: return drop(rep, &s->drop_ext_overrun, "extension overrun");
	case MIP4_ERR_UNKNOWN_EXT:
		return drop(rep, &s->drop_unknown_ext, "unknown non-skippable extension");
	case MIP4_ERR_DUP_EXT: return drop(rep, &s->drop_dup_ext, "duplicate extension");
	case MIP4_ERR_TOO_MANY_PREFIXES:
		return drop(rep, &s->drop_too_many_prefixes, "too many IPv6 prefix requests");
	case MIP4_ERR_BAD_SUBTYPE: return drop(rep, &s->drop_bad_subtype, "bad DSMIPv4 subtype");
	default: return drop(rep, &s->drop_bad_ext_len, "bad extension length");
	}
}

/* RFC 5944 5.7.1 / 5.7.2; dup: the request repeats the accepted
 * registration of (home, coa) (3.8.2.2). */
static bool id_valid(const struct ha_reg *r, uint32_t node, uint64_t id, bool dup,
		     struct ha_reg_time now)
{
	const struct node_state *s = &r->ns[node];
	int64_t t, d;

	if (dup)
		return true;
	if (r->cfg->nodes[node].replay == HA_REPLAY_NONCE)
		return s->has_nonce && (uint32_t)(id >> 32) == s->nonce;
	if (id <= s->last_id)
		return false;
	t = mip4_ntp_to_unix(id);
	d = t > now.sec ? t - now.sec : now.sec - t;
	return d <= (int64_t)r->cfg->replay_window;
}

static bool is_dup(const struct ha_reg *r, uint32_t home, uint32_t coa, uint64_t id)
{
	const struct mip_binding *b = home ? tbl_find(r, home, coa) : NULL;

	return b && b->id == id;
}

/* The first home prefix that hosts ::iid/128 (seed 3.7.1). */
static const struct ha_cfg_prefix6 *iid_home(const struct ha_cfg *c)
{
	for (unsigned h = 0; h < c->n_home6; h++)
		if (c->home6[h].plen <= 64)
			return &c->home6[h];
	return NULL;
}

static bool in_home6(const struct ha_cfg *c, const struct in6_addr *a, unsigned plen)
{
	for (unsigned h = 0; h < c->n_home6; h++)
		if (p6_inside(a, plen, &c->home6[h].prefix, c->home6[h].plen))
			return true;
	return false;
}

/* Served by this home agent at all: home link, a node's prefixes, pool6. */
static bool served(const struct ha_cfg *c, const struct in6_addr *a, unsigned plen)
{
	if (in_home6(c, a, plen))
		return true;
	if (c->has_pool6 && p6_inside(a, plen, &c->pool6_prefix, c->pool6_plen))
		return true;
	for (uint32_t i = 0; i < c->n_nodes; i++) {
		const struct ha_cfg_node *nd = &c->nodes[i];
		for (unsigned j = 0; j < nd->n_prefixes; j++)
			if (p6_inside(a, plen, &nd->prefixes[j].prefix, nd->prefixes[j].plen))
				return true;
		for (unsigned j = 0; j < nd->n_implicit; j++)
			if (p6_inside(a, plen, &nd->implicit[j].prefix, nd->implicit[j].plen))
				return true;
	}
	return false;
}

/* A free pool6 prefix for home, not in p's other requests (nor in avoid). */
static bool pool6_pick(struct ha_reg *r, uint32_t home, const struct ha_reg_pending *p,
		       unsigned self, struct mip_prefix *out)
{
	const struct ha_cfg *c = r->cfg;
	size_t first = 0, n = home ? tbl_home(r, home, &first) : 0;

	/* the node's own assignment first (a renewal with a zero prefix) */
	for (size_t i = first; n && i < first + n; i++)
		for (unsigned j = 0; j < r->b[i].n_prefix; j++) {
			const struct mip_prefix *bp = &r->b[i].prefix[j];
			bool used = false;
			if (bp->plen != c->pool6_length ||
			    !p6_inside(&bp->prefix, bp->plen, &c->pool6_prefix, c->pool6_plen))
				continue;
			for (unsigned k = 0; k < p->n_pfx; k++)
				used = used || (k != self && p->pfx[k].code == PFX_CANDIDATE &&
						pfx_overlap(&p->pfx[k].bound, bp));
			if (!used) {
				*out = *bp;
				return true;
			}
		}
	for (uint32_t t = 0; t < POOL6_TRIES; t++) {
		struct mip_prefix cand = { .prefix = c->pool6_prefix, .plen = c->pool6_length };
		unsigned bits = (unsigned)(c->pool6_length - c->pool6_plen);
		bool used = false;
		if (bits < 32 && t >= (1u << bits))
			return false;
		/* t into bits [pool6_plen, pool6_length) */
		for (unsigned k = 0; k < MIN(bits, 32u); k++)
			if (t & (1u << k)) {
				unsigned bit = c->pool6_length - 1 - k;
				cand.prefix.s6_addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
			}
		for (unsigned k = 0; k < p->n_pfx; k++)
			used = used || (k != self && p->pfx[k].code == PFX_CANDIDATE &&
					pfx_overlap(&p->pfx[k].bound, &cand));
		if (!used && !prefix_taken(r, home, &cand)) {
			*out = cand;
			return true;
		}
	}
	return false;
}

/* Decide one prefix request (everything but DAD); home may be 0 (a pool
 * node without an address yet: nothing is bound to it). */
static uint8_t prefix_decide(struct ha_reg *r, const struct ha_cfg_node *nd, uint32_t home,
			     struct ha_reg_pending *p, unsigned i)
{
	const struct ha_cfg *c = r->cfg;
	struct pfx_req *x = &p->pfx[i];
	const struct ha_cfg_prefix6 *ih;
	unsigned bits;
	bool allowed = false;

	x->bound.plen = x->req_plen;
	x->bound.prefix = x->req_prefix;
	if (x->req_plen == MIP4_V6_PLEN_LINK_LOCAL) {
		/* 5454 3.7.1: the node's link-local address */
		if (!in6_ll(&x->req_prefix))
			return MIP4_V6_REJECT_UNSPEC;
		return prefix_taken(r, home, &x->bound) ? MIP4_V6_REJECT_PROHIBITED : PFX_CANDIDATE;
	}
	if (in6_zero(&x->req_prefix)) {
		/* seed 3.7.1: assign a prefix (the length a hint we ignore) */
		if (!nd->dynamic_ipv6)
			return MIP4_V6_REJECT_PROHIBITED;
		if (!c->has_pool6 || !pool6_pick(r, home, p, i, &x->bound))
			return MIP4_V6_REJECT_UNSPEC;
		x->dynamic = true;
		return PFX_CANDIDATE;
	}
	if (x->req_plen == 128 && in6_high64_zero(&x->req_prefix)) {
		/* seed 3.7.1: ::interface-id/128 -> PREFIX::interface-id/128 */
		ih = iid_home(c);
		if (!nd->dynamic_ipv6)
			return MIP4_V6_REJECT_PROHIBITED;
		if (!ih)
			return MIP4_V6_REJECT_NOT_HOME_SUBNET;
		memcpy(x->bound.prefix.s6_addr, ih->prefix.s6_addr, 8);
		return prefix_taken(r, home, &x->bound) ? MIP4_V6_REJECT_PROHIBITED : PFX_CANDIDATE;
	}
	bits = x->req_plen;
	in6_clear_host(&x->bound.prefix, bits);
	if (in6_ll(&x->bound.prefix) || IN6_IS_ADDR_MULTICAST(&x->bound.prefix) || bits == 0)
		return MIP4_V6_REJECT_PROHIBITED;
	for (unsigned j = 0; j < nd->n_prefixes && !allowed; j++)
		allowed = p6_inside(&x->bound.prefix, bits, &nd->prefixes[j].prefix,
				    nd->prefixes[j].plen);
	/* a dynamic node renews what it was given */
	if (!allowed && nd->dynamic_ipv6 && bits == 128 && iid_home(c) &&
	    p6_inside(&x->bound.prefix, bits, &iid_home(c)->prefix, iid_home(c)->plen))
		allowed = true;
	if (!allowed && nd->dynamic_ipv6 && c->has_pool6 && bits == c->pool6_length &&
	    p6_inside(&x->bound.prefix, bits, &c->pool6_prefix, c->pool6_plen))
		allowed = true;
	if (!allowed)
		return served(c, &x->bound.prefix, bits) ? MIP4_V6_REJECT_PROHIBITED
							 : MIP4_V6_REJECT_NOT_HOME_SUBNET;
	/* only single addresses of the home link (seed 3.3) */
	if (bits != 128 && in_home6(c, &x->bound.prefix, bits))
		return MIP4_V6_REJECT_PROHIBITED;
	/* 5454 3.3: no address under two mobile nodes */
	return prefix_taken(r, home, &x->bound) ? MIP4_V6_REJECT_PROHIBITED : PFX_CANDIDATE;
}

/* A /128 of the home link not yet bound to home is probed (seed 3.3). */
static bool needs_dad(const struct ha_reg *r, uint32_t home, const struct mip_prefix *b)
{
	return b->plen == 128 && in_home6(r->cfg, &b->prefix, 128) &&
	       !(home && prefix_bound_to(r, home, b));
}

/* Bindings the node would have after this registration, not counting one
 * with the same care-of address. */
static size_t other_bindings(const struct ha_reg *r, uint32_t home, uint32_t coa)
{
	size_t first = 0, n = home ? tbl_home(r, home, &first) : 0, k = 0;

	for (size_t i = 0; i < n; i++)
		k += r->b[first + i].coa != coa;
	return k;
}

static bool simultaneous(const struct ha_cfg_node *nd, uint8_t flags)
{
	return (flags & MIP4_F_S) && nd->max_bindings > 1;
}

/* The registration's home address (RFC 5944 3.8.3.2, RFC 2794): *home, or
 * a reject code. */
static int home_decide(const struct ha_reg *r, uint32_t node, uint32_t req_home, uint32_t *home)
{
	const struct ha_cfg_node *nd = &r->cfg->nodes[node];
	uint32_t cur = node_home(r, node);

	if (nd->home_addr) {
		if (req_home && req_home != nd->home_addr)
			return MIP4_CODE_HA_PROHIBITED;
		*home = nd->home_addr;
		return 0;
	}
	if (req_home) {
		if (cur ? req_home != cur : !pool4_free(r, req_home))
			return MIP4_CODE_HA_PROHIBITED;
		*home = req_home;
		return 0;
	}
	*home = cur ? cur : pool4_pick(r);
	return *home ? 0 : MIP4_CODE_HA_RESOURCES;
}

static void reply_in_of(const struct ha_reg_pending *p, struct reply_in *in)
{
	memset(in, 0, sizeof(*in));
	in->home = p->req_home;
	in->id = p->id;
	in->nai = (const uint8_t *)p->nai;
	in->nai_len = p->nai_len;
	in->src_addr = p->src_addr;
	in->dst_addr = p->dst_addr;
	in->src_port = p->src_port;
	in->fh_sa = p->fh_sa;
}

static uint16_t lifetime_cap(const struct ha_cfg *c, uint16_t lt)
{
	return MIN(lt, c->max_lifetime);
}

static void pending_unlink(struct ha_reg *r, struct ha_reg_pending *p)
{
	for (struct ha_reg_pending **pp = &r->pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

/* Where the extensions the parser summarises sit (RFC 5944 3.6.1.3,
 * 3.7.2.2: the mobile node's before the MH authentication, a foreign
 * agent's after it). */
struct ext_pos {
	uint8_t tm_before_mh;        /* Tunneling Mode extensions the MH auth covers */
	uint8_t tm_after_mh;         /* after it (a foreign agent's) */
	uint16_t tm_fa_off;          /* the first of those */
	bool udp;                    /* the UDP Tunnel Request the parser kept */
	uint16_t udp_off;
};

static void ext_scan(const uint8_t *msg, size_t len, const struct mip4_reg *m, struct ext_pos *x)
{
	memset(x, 0, sizeof(*x));
	/* the parser accepted the message: every extension is whole */
	for (size_t off = MIP4_REQ_FIXED_LEN; off + 2 <= len; off += 2u + msg[off + 1]) {
		uint8_t t = msg[off], l = msg[off + 1];
		if (t == MIP4_EXT_DSMIPV4 && l >= 1 && msg[off + 2] == MIP4_DSMIP_TUNNEL_MODE) {
			if (off < m->mh.off) {
				x->tm_before_mh += x->tm_before_mh < UINT8_MAX;
			} else {
				if (!x->tm_after_mh)
					x->tm_fa_off = (uint16_t)off;
				x->tm_after_mh += x->tm_after_mh < UINT8_MAX;
			}
		} else if (t == MIP4_EXT_UDP_TUN_REQUEST && m->has_udp_tun && l == 6 &&
			   msg[off + 2] == 0 && msg[off + 6] == 0 && msg[off + 7] == 0) {
			x->udp = true;   /* 3.1.3: the one not skipped */
			x->udp_off = (uint16_t)off;
		}
	}
}

/* RFC 3519 4.6, 4.6.1: what to do with a UDP Tunnel Request; a reject
 * code, or 0 and *udp. */
static uint8_t udp_decide(struct ha_reg *r, const struct mip4_reg *m, const struct ha_reg_rx *rx,
			  const struct ext_pos *x, bool fh_ok, const struct ha_cfg_fa *fh_sa,
			  uint8_t *udp, const char **what)
{
	const struct ha_cfg *c = r->cfg;
	bool from_fa = x->udp_off > m->mh.off;
	bool nat = rx->src_addr != m->coa, force = m->udp_tun_flags & UDPTUN_REQ_F;

	*udp = UDP_NONE;
	if (from_fa == ((m->flags & MIP4_F_D) != 0)) {
		*what = from_fa ? "foreign agent's UDP tunnel request with D set"
				: "UDP tunnel request without D";
		return MIP4_CODE_HA_POORLY_FORMED;
	}
	if (from_fa && fh_sa && !(fh_ok && x->udp_off < m->fh.off)) {
		r->st.udp_tun_ignored++;         /* not authenticated by its FA */
		return 0;
	}
	if (m->udp_tun_flags & UDPTUN_REQ_R) {
		/* 4.11: a co-located node through an FA; the tunnel would be
		 * half-bound until a keepalive: not done here */
		*udp = UDP_DECLINE;
		return 0;
	}
	if (!c->nat_traversal) {
		if (!nat && !force)
			return 0;        /* as a home agent without RFC 3519 */
		*what = "NAT traversal is off";
		return MIP4_CODE_HA_PROHIBITED;
	}
	if (!nat && !force) {
		*udp = UDP_DECLINE;      /* 4.6: no NAT seen, not forced */
		return 0;
	}
	if (!nat && !c->nat_force) {
		*what = "forced UDP tunnelling is not allowed";
		return MIP4_CODE_HA_PROHIBITED;
	}
	/* 4.1: IP in UDP only (RFC 5454 3.9: 0 with IPv6, next header 41) */
	if ((m->udp_tun_encap && m->udp_tun_encap != UDPTUN_NH_IPV4) ||
	    (!m->udp_tun_encap && (m->flags & (MIP4_F_G | MIP4_F_M)))) {
		*what = "UDP tunnel encapsulation other than IP in UDP";
		return MIP4_CODE_HA_UDP_ENCAP_UNAVAIL;
	}
	*udp = UDP_ACCEPT;
	return 0;
}

int ha_reg_check(struct ha_reg *r, const struct ha_reg_rx *rx, struct ha_reg_reply *reply,
		 struct ha_reg_pending **pending)
{
	const struct ha_cfg *c = r->cfg;
	const struct ha_cfg_node *nd;
	struct ha_reg_pending *p;
	struct mip4_reg m;
	struct reply_in in;
	struct ext_pos xp;
	enum mip4_err why = MIP4_ERR_NONE;
	const struct ha_cfg_fa *fa, *fh_sa;
	uint32_t home = 0;
	uint8_t code = 0, udp = UDP_NONE;
	const char *what = NULL;
	bool fh_ok = false, fa_tm = false;
	int node;

	memset(reply, 0, sizeof(*reply));
	*pending = NULL;
	r->st.rx_requests++;
	if (mip4_reg_parse(rx->buf, rx->len, &m, &why) < 0)
		return drop_parse(r, why, reply);
	if (m.type != MIP4_REG_REQUEST)
		return drop(reply, &r->st.drop_not_request, "a Registration Reply");

	/* RFC 2794: the NAI names the node; else the home address */
	node = node_by_nai(r, m.nai, m.nai_len);
	if (node < 0 && !(m.nai_len && m.home_addr == 0))
		node = node_by_home(r, m.home_addr);
	if (node < 0)
		return drop(reply, &r->st.drop_no_security_association,
			    "no mobility security association");
	nd = &c->nodes[node];
	/* 3.8.2.1 a, d */
	if (!m.mh.present)
		return drop(reply, &r->st.drop_no_auth_ext, "no mobile-home authentication");
	/* RFC 5944 3.5.4: the FA-HA association is the IP source's */
	fa = ha_cfg_fa_find(c, rx->src_addr);
	fh_sa = fa && fa->has_sa ? fa : NULL;
	if (m.fh.present && !fh_sa)
		return drop(reply, &r->st.drop_fh_auth_without_sa,
			    "foreign-home authentication without a security association");
	ext_scan(rx->buf, rx->len, &m, &xp);

	memset(&in, 0, sizeof(in));
	in.lifetime = lifetime_cap(c, m.lifetime);
	in.home = m.home_addr;
	in.id = m.id;
	in.nai = m.nai;
	in.nai_len = m.nai_len;
	in.src_addr = rx->src_addr;
	in.dst_addr = rx->dst_addr;
	in.src_port = rx->src_port;
	in.home_link = m.lifetime == 0 && m.home_addr && m.coa == m.home_addr &&
		       rx->src_addr == m.home_addr;
	in.fh_sa = fh_sa;
	if (m.mh.spi != nd->spi ||
	    mip4_auth_verify(rx->buf, rx->len, &m.mh, nd->key, nd->key_len) != 0) {
		/* 3.8.2.1 a: no further processing; nothing of the node changes */
		in.code = MIP4_CODE_HA_MN_AUTH;
		reply_build(r, node, &in, NULL, reply);
		reply->why = m.mh.spi != nd->spi ? "unknown SPI" : "authenticator mismatch";
		return reply->len ? HA_REG_REPLY : HA_REG_DROP;
	}
	for (p = r->pending; p; p = p->next)
		if (p->node == (uint32_t)node && p->id == m.id && p->coa == m.coa)
			return drop(reply, &r->st.drop_retransmission_pending,
				    "retransmission of a pending registration");

	/* 5.7 (3.8.2.1 b) */
	if (!id_valid(r, (uint32_t)node, m.id, is_dup(r, m.home_addr, m.coa, m.id), rx->now)) {
		in.code = MIP4_CODE_HA_ID_MISMATCH;
		in.id = reply_id(r, (uint32_t)node, m.id, true, rx->now, rx->random);
		reply_build(r, node, &in, NULL, reply);
		reply->why = "identification mismatch";
		return HA_REG_REPLY;
	}
	/* 3.8.2.1 c: a foreign agent we share an association with must
	 * authenticate what it relays (not a deregistration's, 3.5.4, but
	 * one that came is checked) */
	if (fh_sa && (m.lifetime || m.fh.present)) {
		if (!m.fh.present) {
			code = MIP4_CODE_HA_FA_AUTH;
			what = "no foreign-home authentication";
		} else if (m.fh.spi != fh_sa->spi || m.fh.off < m.mh.off ||
			   mip4_auth_verify(rx->buf, rx->len, &m.fh, fh_sa->key,
					    fh_sa->key_len) != 0) {
			code = MIP4_CODE_HA_FA_AUTH;
			what = m.fh.spi != fh_sa->spi ? "foreign-home authentication: unknown SPI"
						       : "foreign-home authenticator mismatch";
		} else {
			fh_ok = true;
			r->st.fh_auth_verified++;
		}
	}
	/* policy for relayed registrations (D clear: the FA's care-of address) */
	if (!code && m.lifetime && !(m.flags & MIP4_F_D)) {
		if (c->fa_policy == HA_FA_LISTED && !fa) {
			code = MIP4_CODE_HA_PROHIBITED;
			what = "foreign agent not listed";
		} else if (c->fa_policy == HA_FA_AUTHENTICATED && !fh_ok) {
			code = MIP4_CODE_HA_FA_AUTH;
			what = "foreign agent without a security association";
		}
	}
	/* RFC 5454 3.4: a foreign agent's Tunneling Mode extension (after
	 * the MH auth) counts only under its valid FH auth, for a node using
	 * its care-of address */
	if (c->ipv6 && xp.tm_after_mh) {
		fa_tm = fh_ok && xp.tm_fa_off < m.fh.off && !(m.flags & MIP4_F_D);
		if (!fa_tm)
			r->st.tunnel_mode_ignored++;
	}
	/* 3.8.2.1, 3.8.3.2: unicast to us only */
	if (code) {
		/* decided above */
	} else if ((rx->dst_addr && dst_is_broadcast(c, rx->dst_addr)) ||
		   m.home_agent != c->address) {
		code = MIP4_CODE_HA_UNKNOWN_HA;
		what = m.home_agent != c->address ? "home agent field is not this home agent"
						   : "sent to a broadcast address";
	} else if (c->ipv6 && xp.tm_before_mh > 1) {
		code = MIP4_CODE_HA_POORLY_FORMED;   /* RFC 5454 3.1 */
		what = "tunneling mode extension repeated";
	} else if (m.lifetime && m.coa == 0) {
		code = MIP4_CODE_HA_POORLY_FORMED;
		what = "care-of address 0";
	} else {
		for (unsigned i = 0; c->ipv6 && i < m.n_prefix && !code; i++)
			if (!mip4_covered_by_mh(&m, m.prefix[i].off)) {
				code = MIP4_CODE_HA_POORLY_FORMED;
				what = "IPv6 prefix request not authenticated";
			}
	}
	if (!code) {
		code = (uint8_t)home_decide(r, (uint32_t)node, m.home_addr, &home);
		if (code)
			what = code == MIP4_CODE_HA_RESOURCES ? "home address pool exhausted"
							      : "home address not this node's";
		else if (m.home_addr == 0 && m.lifetime == 0)
			home = node_home(r, (uint32_t)node);   /* 0: nothing to remove */
	}
	if (!code && m.lifetime) {
		bool gre = (m.flags & MIP4_F_G) && c->encap_gre;
		if (((m.flags & MIP4_F_M) && !c->encap_minimal && !gre) ||
		    ((m.flags & MIP4_F_G) && !c->encap_gre && !(m.flags & MIP4_F_M))) {
			code = MIP4_CODE_HA_ENCAP_UNAVAIL;
			what = "requested encapsulation not enabled";
		} else if ((m.flags & MIP4_F_T) && c->reverse_tunnel == HA_REVTUN_OFF) {
			code = MIP4_CODE_HA_REVTUN_UNAVAIL;    /* RFC 3024 4.3 */
			what = "reverse tunnelling is off";
		} else if (!(m.flags & MIP4_F_T) && c->reverse_tunnel == HA_REVTUN_REQUIRED) {
			code = MIP4_CODE_HA_REVTUN_MANDATORY;
			what = "reverse tunnelling is required";
		} else if (simultaneous(nd, m.flags) &&
			   other_bindings(r, home, m.coa) >= nd->max_bindings) {
			code = MIP4_CODE_HA_TOO_MANY_BINDINGS;
			what = "max-bindings reached";
		} else if (xp.udp) {
			code = udp_decide(r, &m, rx, &xp, fh_ok, fh_sa, &udp, &what);
			r->st.udp_tun_refused += code != 0;
		}
	}
	if (code) {
		in.code = code;
		in.id = reply_id(r, (uint32_t)node, m.id, false, rx->now, rx->random);
		reply_build(r, node, &in, NULL, reply);
		reply->why = what;
		return HA_REG_REPLY;
	}

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->node = (uint32_t)node;
	p->gen = r->ns[node].gen;
	p->flags = m.flags;
	p->lifetime = m.lifetime;
	p->req_home = m.home_addr;
	p->coa = m.coa;
	p->id = m.id;
	p->nai_len = m.nai_len;
	if (m.nai_len)
		memcpy(p->nai, m.nai, m.nai_len);
	p->src_addr = rx->src_addr;
	p->dst_addr = rx->dst_addr;
	p->src_port = rx->src_port;
	p->tunnel_mode = c->ipv6 && xp.tm_before_mh > 0;
	p->fa_tunnel_mode = fa_tm;
	p->fh_sa = fh_sa;
	p->udp = udp;
	p->udp_after_mh = xp.udp && xp.udp_off > m.mh.off;
	p->udp_flags = m.udp_tun_flags & UDPTUN_REQ_F ? UDPTUN_REP_F : 0;
	if (c->ipv6 && m.lifetime) {
		for (unsigned i = 0; i < m.n_prefix; i++) {
			struct pfx_req *x = &p->pfx[p->n_pfx];
			bool dup = false;
			for (unsigned j = 0; j < p->n_pfx; j++)
				dup = dup || (p->pfx[j].req_plen == m.prefix[i].plen &&
					      memcmp(&p->pfx[j].req_prefix, &m.prefix[i].prefix,
						     16) == 0);
			if (dup) {           /* RFC 5454 3.3: one reply per prefix */
				r->st.prefix_duplicate_ignored++;
				continue;
			}
			x->reply = true;
			x->dad = -1;
			x->req_plen = m.prefix[i].plen;
			x->req_prefix = m.prefix[i].prefix;
			p->n_pfx++;
			x->code = prefix_decide(r, nd, home, p, p->n_pfx - 1);
			if (x->code == PFX_CANDIDATE && needs_dad(r, home, &x->bound)) {
				bool seen = false;
				for (size_t k = 0; k < p->n_dad && !seen; k++)
					seen = memcmp(&p->dad[k], &x->bound.prefix, 16) == 0;
				if (!seen) {
					x->dad = (int)p->n_dad;
					p->dad[p->n_dad++] = x->bound.prefix;
				} else {
					for (size_t k = 0; k < p->n_dad; k++)
						if (memcmp(&p->dad[k], &x->bound.prefix, 16) == 0)
							x->dad = (int)k;
				}
			}
		}
	}
	r->st.dad_probes += p->n_dad;
	p->next = r->pending;
	r->pending = p;
	*pending = p;
	reply->node = nd->name;
	return HA_REG_PENDING;
}

size_t ha_reg_pending_dad(const struct ha_reg_pending *p, const struct in6_addr **addrs)
{
	*addrs = p->n_dad ? p->dad : NULL;
	return p->n_dad;
}

void ha_reg_abort(struct ha_reg *r, struct ha_reg_pending *p)
{
	if (!p)
		return;
	pending_unlink(r, p);
	free(p);
}

/* ---- phase two ---------------------------------------------------------------------- */

/* Remove every binding of home (coa 0) or one, recording them. */
static void remove_bindings(struct ha_reg *r, uint32_t home, uint32_t coa, bool all,
			    struct ha_reg_changes *ch)
{
	size_t first, n = tbl_home(r, home, &first);

	for (size_t i = first + n; i-- > first;) {
		if (!all && r->b[i].coa != coa)
			continue;
		if (ch->n_removed < ARRAY_SIZE(ch->removed))
			ch->removed[ch->n_removed++] = r->b[i];
		tbl_del_at(r, i);
		r->st.bindings_removed++;
	}
}

/* Every binding of home goes but (home, coa), which stays in place to be
 * replaced; all are recorded as removed (the kept one is replaced). */
static void remove_others(struct ha_reg *r, uint32_t home, uint32_t coa, struct ha_reg_changes *ch)
{
	size_t first, n = tbl_home(r, home, &first);

	for (size_t i = first + n; i-- > first;) {
		if (ch->n_removed < ARRAY_SIZE(ch->removed))
			ch->removed[ch->n_removed++] = r->b[i];
		if (r->b[i].coa == coa)
			continue;
		tbl_del_at(r, i);
		r->st.bindings_removed++;
	}
}

static int finish_reject(struct ha_reg *r, struct ha_reg_pending *p, uint8_t code,
			 const char *why, struct ha_reg_time now, uint32_t random,
			 struct ha_reg_reply *rep)
{
	struct reply_in in;

	reply_in_of(p, &in);
	in.code = code;
	in.lifetime = lifetime_cap(r->cfg, p->lifetime);
	in.id = reply_id(r, p->node, p->id, code == MIP4_CODE_HA_ID_MISMATCH, now, random);
	in.home_link = p->lifetime == 0 && p->req_home && p->coa == p->req_home &&
		       p->src_addr == p->req_home;
	reply_build(r, (int)p->node, &in, NULL, rep);
	rep->why = why;
	pending_unlink(r, p);
	free(p);
	return HA_REG_REPLY;
}

int ha_reg_finish(struct ha_reg *r, struct ha_reg_pending *p, const bool *dad_failed,
		  struct ha_reg_time now, uint32_t random, struct ha_reg_reply *reply,
		  struct ha_reg_changes *ch)
{
	const struct ha_cfg *c = r->cfg;
	const struct ha_cfg_node *nd = &c->nodes[p->node];
	struct node_state *s = &r->ns[p->node];
	bool dup, ll = false, coa_mode, had_old;
	struct mip_binding nb, was, *old;
	struct reply_in in;
	uint32_t home = 0;
	uint16_t granted;
	int code;

	memset(reply, 0, sizeof(*reply));
	memset(ch, 0, sizeof(*ch));
	r->st.pending++;
	for (size_t i = 0; dad_failed && i < p->n_dad; i++)
		r->st.dad_failed += dad_failed[i];

	/* what may have changed meanwhile */
	dup = is_dup(r, p->req_home, p->coa, p->id);
	if (nd->replay == HA_REPLAY_NONCE ? (s->gen != p->gen && !dup)
					  : (p->id <= s->last_id && !dup))
		return finish_reject(r, p, MIP4_CODE_HA_ID_MISMATCH,
				     "a later registration was accepted meanwhile", now, random,
				     reply);
	code = home_decide(r, p->node, p->req_home, &home);
	if (code && !(p->lifetime == 0 && p->req_home == 0))
		return finish_reject(r, p, (uint8_t)code, "home address taken meanwhile", now,
				     random, reply);
	if (p->lifetime == 0 && p->req_home == 0)
		home = node_home(r, p->node);

	reply_in_of(p, &in);
	in.home = home;
	in.code = (p->flags & MIP4_F_S) && !simultaneous(nd, p->flags)
			  ? MIP4_CODE_ACCEPTED_NO_SIMUL
			  : MIP4_CODE_ACCEPTED;

	if (p->lifetime == 0) {
		/* 3.8.2.2: all bindings (coa = home address) or that one */
		bool all = p->coa == home;
		size_t before = ch->n_removed;
		if (home)
			remove_bindings(r, home, p->coa, all, ch);
		if (ch->n_removed > before) {
			ch->n_del = 1;
			ch->del[0] = (struct ha_reg_key){ .home_addr = home, .coa = all ? 0 : p->coa };
		}
		s->gen++;
		if (nd->replay == HA_REPLAY_TIMESTAMP)
			s->last_id = MAX(s->last_id, p->id);
		in.lifetime = 0;
		in.id = reply_id(r, p->node, p->id, false, now, random);
		in.home_link = home && p->coa == home && p->src_addr == home;
		reply_build(r, (int)p->node, &in, NULL, reply);
		if (home)
			node_gc(r, home);
		pending_unlink(r, p);
		free(p);
		return HA_REG_REPLY;
	}
	if (simultaneous(nd, p->flags) && other_bindings(r, home, p->coa) >= nd->max_bindings)
		return finish_reject(r, p, MIP4_CODE_HA_TOO_MANY_BINDINGS,
				     "max-bindings reached meanwhile", now, random, reply);

	/* the binding */
	memset(&nb, 0, sizeof(nb));
	nb.home_addr = home;
	nb.coa = p->coa;
	nb.home_agent = c->address;
	nb.src_addr = p->src_addr;
	nb.src_port = p->src_port;
	nb.flags = p->flags & (MIP4_F_S | MIP4_F_B | MIP4_F_D | MIP4_F_M | MIP4_F_G | MIP4_F_T);
	if (!c->forward_broadcast)
		nb.flags &= (uint8_t)~MIP4_F_B;
	if (!simultaneous(nd, p->flags))
		nb.flags &= (uint8_t)~MIP4_F_S;
	if ((nb.flags & MIP4_F_G) && c->encap_gre) {
		nb.encap = ENCAP4_GRE;
		nb.flags &= (uint8_t)~MIP4_F_M;
	} else if (nb.flags & MIP4_F_M) {
		nb.encap = ENCAP4_MINIMAL;
		nb.flags &= (uint8_t)~MIP4_F_G;
	} else {
		nb.encap = ENCAP4_IPIP;
	}
	memcpy(nb.nai, p->nai, p->nai_len);
	/* RFC 3519 4.6: the tunnel goes to the request's source address and
	 * port (the NAT's mapping), IP in UDP (4.1; IPv6 with next header 41,
	 * RFC 5454 3.9) */
	if (p->udp == UDP_ACCEPT) {
		nb.udp_tunnel = true;
		nb.udp_keepalive = c->udp_keepalive;
		nb.encap = ENCAP4_IPIP;
		nb.flags &= (uint8_t)~(MIP4_F_G | MIP4_F_M);
	}
	nb.id = p->id;
	nb.registered = now.sec;

	/* IPv6: implicit prefixes first (RFC 5454 1.4), then the requests */
	for (unsigned i = 0; c->ipv6 && i < nd->n_implicit; i++) {
		struct mip_prefix ip = { .prefix = nd->implicit[i].prefix,
					 .plen = nd->implicit[i].plen };
		if (!prefix_taken(r, home, &ip))  /* e.g. restored for another */
			nb.prefix[nb.n_prefix++] = ip;
	}
	for (unsigned i = 0; i < p->n_pfx; i++) {
		struct pfx_req *x = &p->pfx[i];
		if (x->code != PFX_CANDIDATE)
			continue;
		if (x->dad >= 0 && dad_failed && dad_failed[x->dad]) {
			x->code = MIP4_V6_REJECT_DAD_FAILED;
			continue;
		}
		/* recheck: bound by another node meanwhile, or a pool6
		 * prefix given to another (then pick again) */
		if (prefix_taken(r, home, &x->bound)) {
			if (!x->dynamic || !pool6_pick(r, home, p, i, &x->bound)) {
				x->code = x->dynamic ? MIP4_V6_REJECT_UNSPEC
						     : MIP4_V6_REJECT_PROHIBITED;
				continue;
			}
		}
		bool have = false;
		for (unsigned j = 0; j < nb.n_prefix; j++)
			have = have || pfx_equal(&nb.prefix[j], &x->bound);
		if (!have && nb.n_prefix >= MIP4_MAX_PREFIXES) {
			x->code = MIP4_V6_REJECT_UNSPEC;
			continue;
		}
		if (!have)           /* e.g. ::iid/128 and its full address */
			nb.prefix[nb.n_prefix++] = x->bound;
		ll = ll || x->bound.plen == MIP4_V6_PLEN_LINK_LOCAL;
		x->code = MIP4_V6_ACCEPT_HOA;     /* mode below */
		if (x->dynamic)
			r->st.prefix_assigned++;
	}
	/* 5454 3.3.2 / 3.4: the node's own extension (co-located) or its
	 * foreign agent's (FA care-of address, under FH auth) */
	coa_mode = c->tunnel_mode && !ll && nd->n_implicit == 0 &&
		   ((p->tunnel_mode && (p->flags & MIP4_F_D)) ||
		    (p->fa_tunnel_mode && !(p->flags & MIP4_F_D)));
	for (unsigned i = 0; i < p->n_pfx; i++)
		if (p->pfx[i].code == MIP4_V6_ACCEPT_HOA && coa_mode)
			p->pfx[i].code = MIP4_V6_ACCEPT_COA;
	nb.v6_mode = nb.n_prefix == 0 ? MIP_V6_NONE : coa_mode ? MIP_V6_TO_COA : MIP_V6_TO_HOA;

	/* 3.8.2.2 lifetime: capped, a duplicate not extended */
	granted = lifetime_cap(c, p->lifetime);
	old = tbl_find(r, home, p->coa);
	had_old = old != NULL;
	if (old)
		was = *old;
	if (dup && had_old && was.expires != INT64_MAX)
		granted = (uint16_t)MAX(1, MIN((int64_t)granted, was.expires - now.sec));
	if (granted == UINT16_MAX && c->max_lifetime == UINT16_MAX &&
	    !(dup && had_old && was.expires != INT64_MAX))
		nb.expires = INT64_MAX;  /* RFC 5944 3.3: infinity */
	else
		nb.expires = now.sec + granted;

	/* changes: without S every earlier binding goes (3.8.2.2); the one
	 * of the same (home, coa) is renewed in place (tbl_put), not removed
	 * and inserted again (that would move the table twice) */
	if (!simultaneous(nd, p->flags)) {
		size_t first;
		if (tbl_home(r, home, &first)) {
			ch->n_del = 1;
			ch->del[0] = (struct ha_reg_key){ .home_addr = home, .coa = 0 };
		}
		remove_others(r, home, p->coa, ch);
	} else if (had_old) {
		ch->removed[ch->n_removed++] = was;
	}
	if (tbl_put(r, &nb) < 0)
		return finish_reject(r, p, MIP4_CODE_HA_RESOURCES, "out of memory", now, random,
				     reply);
	if (!had_old)
		r->st.bindings_added++;
	ch->has_put = true;
	ch->put = nb;
	if (!nd->home_addr && s->assigned != home) {
		s->assigned = home;
		r->st.home_addr_assigned++;
	}
	s->gen++;
	if (nd->replay == HA_REPLAY_TIMESTAMP)
		s->last_id = MAX(s->last_id, p->id);
	in.lifetime = granted;
	in.id = reply_id(r, p->node, p->id, false, now, random);
	in.udp = p->udp;
	in.udp_after_mh = p->udp_after_mh;
	in.udp_flags = p->udp_flags;
	r->st.udp_tun_accepted += p->udp == UDP_ACCEPT;
	r->st.udp_tun_declined += p->udp == UDP_DECLINE;
	r->st.via_fa_accepted += !(p->flags & MIP4_F_D);
	r->st.tunnel_mode_fa += nb.v6_mode == MIP_V6_TO_COA && !(p->flags & MIP4_F_D);
	reply_build(r, (int)p->node, &in, p, reply);
	pending_unlink(r, p);
	free(p);
	return HA_REG_REPLY;
}

/* ---- persistence, expiry, operator actions ---------------------------------------- */

int ha_reg_restore(struct ha_reg *r, const struct mip_binding *b, int64_t now)
{
	int node;
	size_t first;

	if (b->coa == 0 || b->home_addr == 0 || b->n_prefix > MIP4_MAX_PREFIXES ||
	    b->v6_mode > MIP_V6_TO_COA || memchr(b->nai, 0, sizeof(b->nai)) == NULL)
		return -EINVAL;
	for (unsigned i = 0; i < b->n_prefix; i++)
		if (b->prefix[i].plen > 128 && b->prefix[i].plen != MIP4_V6_PLEN_LINK_LOCAL)
			return -EINVAL;
	if (b->expires <= now)
		return -ESTALE;
	node = node_by_home(r, b->home_addr);
	if (node < 0 && in_pool4(r->cfg, b->home_addr)) {
		node = node_by_nai(r, (const uint8_t *)b->nai, strlen(b->nai));
		if (node >= 0 && r->cfg->nodes[node].home_addr)
			node = -1;
		if (node >= 0 && r->ns[node].assigned && r->ns[node].assigned != b->home_addr)
			return -EEXIST;
	}
	if (node < 0)
		return -ENOENT;
	if (tbl_find(r, b->home_addr, b->coa) ||
	    tbl_home(r, b->home_addr, &first) >= r->cfg->nodes[node].max_bindings)
		return -EEXIST;
	for (unsigned i = 0; i < b->n_prefix; i++)
		if (prefix_taken(r, b->home_addr, &b->prefix[i]))
			return -EEXIST;
	if (tbl_put(r, b) < 0)
		return -ENOMEM;
	if (!r->cfg->nodes[node].home_addr)
		r->ns[node].assigned = b->home_addr;
	if (r->cfg->nodes[node].replay == HA_REPLAY_TIMESTAMP)
		r->ns[node].last_id = MAX(r->ns[node].last_id, b->id);
	r->st.bindings_restored++;
	return 0;
}

size_t ha_reg_expire(struct ha_reg *r, int64_t now, ha_reg_binding_cb cb, void *arg)
{
	size_t n = 0;

	for (size_t i = r->n; i-- > 0;) {
		if (r->b[i].expires > now)
			continue;
		struct mip_binding gone = r->b[i];
		if (cb)
			cb(&gone, arg);
		tbl_del_at(r, i);
		node_gc(r, gone.home_addr);
		r->st.bindings_expired++;
		n++;
	}
	return n;
}

int64_t ha_reg_next_expiry(const struct ha_reg *r)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < r->n; i++)
		next = MIN(next, r->b[i].expires);
	return next;
}

size_t ha_reg_release(struct ha_reg *r, uint32_t home_addr, uint32_t coa, ha_reg_binding_cb cb,
		      void *arg)
{
	size_t first, n = tbl_home(r, home_addr, &first), k = 0;

	for (size_t i = first + n; i-- > first;) {
		if (coa && r->b[i].coa != coa)
			continue;
		struct mip_binding gone = r->b[i];
		if (cb)
			cb(&gone, arg);
		tbl_del_at(r, i);
		r->st.bindings_released++;
		k++;
	}
	if (k)
		node_gc(r, home_addr);
	return k;
}

/* ---- lookups ------------------------------------------------------------------------ */

size_t ha_reg_binding_count(const struct ha_reg *r)
{
	return r->n;
}

int ha_reg_foreach(const struct ha_reg *r, int (*cb)(const struct mip_binding *b, void *arg),
		   void *arg)
{
	for (size_t i = 0; i < r->n; i++) {
		int e = cb(&r->b[i], arg);
		if (e < 0)
			return e;
	}
	return 0;
}

const struct mip_binding *ha_reg_lookup(const struct ha_reg *r, uint32_t home_addr, uint32_t coa)
{
	return tbl_find(r, home_addr, coa);
}

size_t ha_reg_lookup_home(const struct ha_reg *r, uint32_t home_addr,
			  const struct mip_binding **first)
{
	size_t i, n = tbl_home(r, home_addr, &i);

	*first = n ? &r->b[i] : NULL;
	return n;
}

const struct mip_binding *ha_reg_lookup_v6(const struct ha_reg *r, const struct in6_addr *a)
{
	const struct mip_binding *best = NULL;
	int best_len = -1;

	for (size_t i = 0; i < r->n; i++)
		for (unsigned j = 0; j < r->b[i].n_prefix; j++) {
			const struct mip_prefix *p = &r->b[i].prefix[j];
			int len = p->plen == MIP4_V6_PLEN_LINK_LOCAL ? 128 : p->plen;
			if (len > best_len && in6_prefix_match(a, &p->prefix, (unsigned)len)) {
				best = &r->b[i];
				best_len = len;
			}
		}
	return best;
}

bool ha_reg_prefix_taken(struct ha_reg *r, uint32_t home, const struct mip_prefix *p)
{
	return prefix_taken(r, home, p);
}

const struct ha_cfg_node *ha_reg_node_of(const struct ha_reg *r, uint32_t home_addr)
{
	int i = node_by_home(r, home_addr);

	return i < 0 ? NULL : &r->cfg->nodes[i];
}

const struct ha_reg_stats *ha_reg_stats(const struct ha_reg *r)
{
	return &r->st;
}

int ha_reg_new(const struct ha_cfg *cfg, struct ha_reg **out)
{
	struct ha_reg *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->cfg = cfg;
	r->ns = calloc(cfg->n_nodes ? cfg->n_nodes : 1, sizeof(*r->ns));
	if (!r->ns || node_index_build(r) < 0) {
		ha_reg_free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void ha_reg_free(struct ha_reg *r)
{
	if (!r)
		return;
	while (r->pending) {
		struct ha_reg_pending *p = r->pending;
		r->pending = p->next;
		free(p);
	}
	free(r->b);
	free(r->px.t);
	free(r->ns);
	free(r->by_home);
	free(r->by_nai);
	free(r->pool_nodes);
	free(r);
}
