/* DSTM address server: DHCPv6 message processing (RFC 8415 16, 18.3) with
 * the IPv4 Global Address option (dstm-04 6.1, 6.2).  No sockets here: the
 * I/O layer hands in one datagram and sends what comes back. */
#include "dstm/server.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

const char *const server_stat_names[] = {
#define X(n) #n,
	SERVER_COUNTERS(X)
#undef X
};

size_t server_stat_count(void)
{
	return ARRAY_SIZE(server_stat_names);
}

uint64_t server_stat_get(const struct server_stats *st, size_t i)
{
	const uint64_t *v = (const uint64_t *)st;
	return i < server_stat_count() ? v[i] : 0;
}

/* RFC 8415 7.6: Reconfigure retransmission. */
#define REC_TIMEOUT_MS 2000
#define REC_MAX_RC 8

/* ---- leases <-> pools ----------------------------------------------------- */

static struct pool4 *pool4_of(struct server *s, uint32_t v4, struct server_link **lk)
{
	for (uint16_t i = 0; i < s->n_links; i++)
		for (uint8_t j = 0; j < s->links[i].n_pools4; j++)
			if (pool4_contains(&s->links[i].pools4[j], v4)) {
				if (lk)
					*lk = &s->links[i];
				return &s->links[i].pools4[j];
			}
	return NULL;
}

static struct pool6 *pool6_of(struct server *s, const struct in6_addr *a)
{
	for (uint16_t i = 0; i < s->n_links; i++)
		for (uint8_t j = 0; j < s->links[i].n_pools6; j++)
			if (pool6_contains(&s->links[i].pools6[j], a))
				return &s->links[i].pools6[j];
	return NULL;
}

/* Account a lease in its pool (load, allocation). */
static void pool_account(struct server *s, const struct lease *l, bool take)
{
	if (l->kind == LEASE_KIND_V4) {
		struct pool4 *p = pool4_of(s, in6_mapped_v4(&l->addr), NULL);
		if (p) {
			if (take)
				pool4_take(p, in6_mapped_v4(&l->addr));
			else
				pool4_release(p, in6_mapped_v4(&l->addr));
		}
	} else {
		struct pool6 *p = pool6_of(s, &l->addr);
		if (p) {
			if (take)
				p->used++;
			else if (p->used)
				p->used--;
		}
	}
}

static int load_one(const struct lease *l, void *arg)
{
	struct server *s = arg;
	int r = lease_insert(&s->leases, l, NULL);
	if (r < 0)
		return r;
	pool_account(s, l, true);
	return 0;
}

static int server_links_init(struct server *s)
{
	s->n_links = s->cfg->n_links;
	s->links = calloc(s->n_links ? s->n_links : 1, sizeof(*s->links));
	if (!s->links)
		return -ENOMEM;
	for (uint16_t i = 0; i < s->n_links; i++) {
		struct server_link *lk = &s->links[i];
		const struct cfg_link *c = &s->cfg->links[i];
		lk->cfg = c;
		for (uint8_t j = 0; j < c->n_pools4; j++) {
			int r = pool4_init(&lk->pools4[j], &c->pools4[j]);
			if (r < 0)
				return r;
			lk->n_pools4++;
		}
		for (uint8_t j = 0; j < c->n_pools6; j++) {
			lk->pools6[j].cfg = &c->pools6[j];
			lk->pools6[j].used = 0;
			lk->n_pools6++;
		}
	}
	return 0;
}

static void server_links_free(struct server *s)
{
	for (uint16_t i = 0; s->links && i < s->n_links; i++)
		for (uint8_t j = 0; j < s->links[i].n_pools4; j++)
			pool4_free(&s->links[i].pools4[j]);
	free(s->links);
	s->links = NULL;
	s->n_links = 0;
}

/* DUID-LLT would need a link-layer address (a syscall); RFC 8415 11.5
 * DUID-UUID is as unique and needs only randomness. */
static int server_make_duid(struct dhcp6_duid *d)
{
	d->len = 18;
	put_be16(d->data, 4);
	if (RAND_bytes(d->data + 2, 16) != 1)
		return -EIO;
	d->data[2 + 6] = (d->data[2 + 6] & 0x0f) | 0x40;   /* RFC 4122 v4 */
	d->data[2 + 8] = (d->data[2 + 8] & 0x3f) | 0x80;
	return 0;
}

static int server_load_duid(struct server *s)
{
	size_t len = 0;
	int r;
	if (s->cfg->server.duid.len) {
		s->duid = s->cfg->server.duid;
		return store_meta_set(s->store, "server_duid", s->duid.data, s->duid.len);
	}
	r = store_meta_get(s->store, "server_duid", s->duid.data, sizeof(s->duid.data), &len);
	if (r == 0 && len > 0 && len <= DHCP6_DUID_MAX) {
		s->duid.len = (uint8_t)len;
		return 0;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	r = server_make_duid(&s->duid);
	if (r < 0)
		return r;
	return store_meta_set(s->store, "server_duid", s->duid.data, s->duid.len);
}

int server_init(struct server *s, struct cfg *cfg)
{
	struct store_opts so = {
		.path = cfg->server.store,
		.deferred_sync = cfg->server.store_sync_full,
	};
	uint64_t n = 0;
	int r;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->deferred_sync = so.deferred_sync;
	r = server_links_init(s);
	if (r < 0)
		goto fail;
	r = store_open(&so, &s->store);
	if (r < 0) {
		log_err("cannot open lease store %s: %s", so.path, strerror(-r));
		goto fail;
	}
	r = server_load_duid(s);
	if (r < 0)
		goto fail;
	store_lease_count(s->store, &n);
	r = lease_table_init(&s->leases, (size_t)n);
	if (r < 0)
		goto fail;
	r = store_lease_foreach(s->store, load_one, s);
	if (r < 0)
		goto fail;
	r = store_sync(s->store);    /* the DUID, if it was just created */
	if (r < 0)
		goto fail;
	/* RFC 8415 20.3: the RDM counter must increase across restarts. */
	s->replay = (uint64_t)now_wall() << 20;
	s->now = now_wall();
	return 0;
fail:
	server_free(s);
	return r;
}

int server_resync(struct server *s)
{
	int ifindex[CFG_MAX_LINKS];
	uint64_t n = 0;
	int r;
	for (uint16_t i = 0; i < s->n_links; i++)
		ifindex[i] = s->links[i].ifindex;
	lease_table_free(&s->leases);
	server_links_free(s);
	s->store_failed = false;
	r = server_links_init(s);
	if (r < 0)
		return r;
	for (uint16_t i = 0; i < s->n_links; i++)
		s->links[i].ifindex = ifindex[i];
	store_lease_count(s->store, &n);
	r = lease_table_init(&s->leases, (size_t)n);
	if (r < 0)
		return r;
	r = store_lease_foreach(s->store, load_one, s);
	if (r == 0)
		log_warn("lease table rebuilt from the store: %zu leases", s->leases.count);
	return r;
}

void server_free(struct server *s)
{
	if (s->leases.by_addr)
		lease_table_free(&s->leases);
	if (s->store)
		store_close(s->store);
	s->store = NULL;
	server_links_free(s);
	free(s->reconf);
	s->reconf = NULL;
}

/* ---- per-message context --------------------------------------------------- */

struct relay_hop {
	uint8_t hop_count;
	struct in6_addr link, peer;
	const uint8_t *ifid;
	uint16_t ifid_len;
};

struct req_ctx {
	struct server *s;
	const struct server_rx *rx;
	const struct dhcp6_msg *m;
	struct server_link *link;
	struct in6_addr client_addr;   /* src, or innermost relay's peer-address */
	uint8_t n_hops;                /* relays, outermost first */
	struct relay_hop hops[DHCP6_HOP_COUNT_LIMIT + 1];
	uint8_t reconf_key[DHCP6_RECONF_KEY_LEN];
	bool has_reconf_key;
	/* RFC 8415 18.3.2: T1/T2 must be the same across the IAs of a Reply;
	 * each IA's offset is kept and all are set to the smallest at the end. */
	uint8_t n_ia_marks;
	size_t ia_marks[DHCP6_MAX_IAS];
	uint32_t min_t1, min_t2;
};

/* dstm-04 2.2 "silently discard": count, log the reason (rate-limited)
 * and, at debug level, the packet's first bytes. */
#define DROP(s, ctr, fmt, ...)                                                  \
	do {                                                                    \
		(s)->stats.ctr++;                                               \
		log_rl(LOG_WARNING, "drop (" #ctr "): " fmt, ##__VA_ARGS__);    \
		log_drop_bytes(rx);                                             \
		return 0;                                                       \
	} while (0)

static void log_drop_bytes(const struct server_rx *rx)
{
	char hex[2 * 64 + 1], a[ADDR6_STRLEN];
	log_rl(LOG_DEBUG, "dropped datagram from %s, %zu bytes: %s%s", fmt_in6(&rx->src, a),
	       rx->len, fmt_hex(rx->buf, MIN(rx->len, 64), hex, sizeof(hex)),
	       rx->len > 64 ? "..." : "");
}

static bool duid_eq(const struct dhcp6_duid *a, const struct dhcp6_duid *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static bool addr_is_zero(const struct in6_addr *a)
{
	static const struct in6_addr z;
	return memcmp(a, &z, sizeof(z)) == 0;
}

/* Is addr appropriate for this link (RFC 8415 18.3.2 "on link")?  IPv4
 * leases: inside one of the link's IPv4 pools; IPv6: inside one of the
 * link's prefixes or pools. */
static bool addr_on_link(const struct server_link *lk, const struct in6_addr *a, bool ipv4)
{
	if (ipv4 || in6_is_mapped(a)) {
		if (!in6_is_mapped(a))
			return false;
		for (uint8_t j = 0; j < lk->n_pools4; j++)
			if (pool4_contains(&lk->pools4[j], in6_mapped_v4(a)))
				return true;
		return false;
	}
	for (uint8_t j = 0; j < lk->cfg->n_prefixes; j++)
		if (in6_prefix_match(a, &lk->cfg->prefix[j], lk->cfg->plen[j]))
			return true;
	for (uint8_t j = 0; j < lk->n_pools6; j++)
		if (pool6_contains(&lk->pools6[j], a))
			return true;
	return false;
}

static bool pool6_in_use(const struct in6_addr *a, void *arg)
{
	struct server *s = arg;
	return lease_find_addr(&s->leases, a) != NULL;
}

/* Choose an address for an IA without a binding: the client's hint when
 * it is free and in one of the link's pools, else the next free one.
 * commit=false (Advertise) leaves the pools untouched. */
static int choose_addr(struct req_ctx *c, const struct dhcp6_ia *ia, bool commit,
		       struct in6_addr *out, const char **pool_name,
		       const struct in6_addr **tep, const struct cfg_times **times)
{
	struct server *s = c->s;
	struct server_link *lk = c->link;
	const struct in6_addr *hint = ia->n_addrs ? &ia->addrs[0].addr : NULL;

	if (hint && addr_is_zero(hint))
		hint = NULL;
	if (ia->ipv4) {
		uint32_t h = hint && in6_is_mapped(hint) ? in6_mapped_v4(hint) : 0;
		for (uint8_t j = 0; j < lk->n_pools4; j++) {
			struct pool4 *p = &lk->pools4[j];
			uint32_t v4;
			if (pool4_alloc(p, pool4_contains(p, h) ? h : 0, &v4) < 0)
				continue;
			if (!commit)
				pool4_release(p, v4);
			in6_set_mapped(out, v4);
			*pool_name = p->cfg->name;
			*times = &p->cfg->times;
			*tep = p->cfg->has_tep ? &p->cfg->tep : lk->cfg->has_tep ? &lk->cfg->tep : NULL;
			return 0;
		}
		return -ENOSPC;
	}
	for (uint8_t j = 0; j < lk->n_pools6; j++) {
		struct pool6 *p = &lk->pools6[j];
		if (hint && pool6_contains(p, hint) && !lease_find_addr(&s->leases, hint)) {
			*out = *hint;
		} else if (pool6_alloc(p, c->m->clientid.data, c->m->clientid.len, ia->iaid,
				       pool6_in_use, s, out) < 0) {
			continue;
		}
		if (commit)
			p->used++;
		*pool_name = p->cfg->name;
		*tep = NULL;
		*times = &p->cfg->times;
		return 0;
	}
	return -ENOSPC;
}

static void lease_fill_client(struct req_ctx *c, struct lease *l, const struct cfg_times *t)
{
	l->client_addr = c->client_addr;
	l->has_relay = c->n_hops > 0;
	if (l->has_relay) {
		l->relay_addr = c->rx->src;
		l->relay_link = c->hops[0].link;
	}
	l->preferred = t->preferred;
	l->valid = t->valid;
	l->cltt = c->s->now;
	l->expires = c->s->now + t->valid;
	if (c->has_reconf_key) {
		l->has_reconf_key = true;
		memcpy(l->reconf_key, c->reconf_key, sizeof(l->reconf_key));
	}
}

/* The timers for an existing lease: its pool's, or the link's if the
 * configuration no longer has that pool. */
static struct cfg_times lease_times(struct req_ctx *c, const struct lease *l)
{
	const struct cfg_link *lc = c->link->cfg;
	struct cfg_times t = { lc->t1, lc->t2, lc->preferred, lc->valid };
	if (l->kind == LEASE_KIND_V4) {
		struct pool4 *p = pool4_of(c->s, in6_mapped_v4(&l->addr), NULL);
		if (p)
			t = p->cfg->times;
	} else {
		struct pool6 *p = pool6_of(c->s, &l->addr);
		if (p)
			t = p->cfg->times;
	}
	return t;
}

static int lease_persist(struct server *s, struct lease *l)
{
	int r = store_lease_put(s->store, l);
	if (r < 0) {
		s->store_failed = true;
		s->stats.drop_store_error++;
		log_rl(LOG_ERR, "lease store write failed: %s", strerror(-r));
	}
	return r;
}

static int lease_forget(struct server *s, struct lease *l)
{
	int r = store_lease_del(s->store, &l->addr);
	if (r < 0) {
		s->store_failed = true;
		s->stats.drop_store_error++;
		log_rl(LOG_ERR, "lease store delete failed: %s", strerror(-r));
		return r;
	}
	pool_account(s, l, false);
	lease_remove(&s->leases, l);
	return 0;
}

/* The client's reconfigure key: reuse one it already has, else make one
 * when it sent Reconfigure Accept and the server offers reconfiguration. */
static int reconf_key_prepare(struct req_ctx *c)
{
	struct server *s = c->s;
	if (!c->m->reconf_accept || !s->cfg->server.reconfigure)
		return 0;
	/* RFC 8415 20.4.1: one key per client; find it in any of its leases. */
	for (uint8_t i = 0; i < c->m->n_ia; i++) {
		const struct dhcp6_ia *ia = &c->m->ia[i];
		struct lease *l = lease_find_client(&s->leases, ia->ipv4 ? LEASE_KIND_V4 : LEASE_KIND_NA,
						    &c->m->clientid, ia->iaid);
		if (l && l->has_reconf_key) {
			memcpy(c->reconf_key, l->reconf_key, sizeof(c->reconf_key));
			c->has_reconf_key = true;
			return 0;
		}
	}
	if (RAND_bytes(c->reconf_key, sizeof(c->reconf_key)) != 1)
		return -EIO;
	c->has_reconf_key = true;
	return 0;
}

/* ---- reply construction ---------------------------------------------------- */

static int put_common(struct req_ctx *c, struct dhcp6_buf *b, uint8_t type)
{
	int r = dhcp6_put_msg_hdr(b, type, c->m->xid);
	if (r < 0)
		return r;
	r = dhcp6_put_duid(b, DHCP6_OPT_SERVERID, &c->s->duid);
	if (r < 0)
		return r;
	if (c->m->clientid.len)
		r = dhcp6_put_duid(b, DHCP6_OPT_CLIENTID, &c->m->clientid);
	return r;
}

static int put_ia_status(struct dhcp6_buf *b, const struct dhcp6_ia *ia, uint16_t status,
			 const char *msg)
{
	size_t mark;
	int r = dhcp6_put_ia_begin(b, ia->type, ia->iaid, 0, 0, &mark);
	if (r < 0)
		return r;
	r = dhcp6_put_status(b, status, msg);
	if (r < 0)
		return r;
	return dhcp6_opt_end(b, mark);
}

/* An IA with its address.  dstm-04 6.1/6.1.2: for an IPv4 IA the IPv4 Global
 * Address option (with the TEP when one is configured) comes right before
 * the IA, and the IA carries the IPv4-mapped address. */
static int put_ia_addr(struct req_ctx *c, struct dhcp6_buf *b, const struct dhcp6_ia *ia,
		       const struct in6_addr *addr, const struct cfg_times *t,
		       const struct in6_addr *tep)
{
	size_t mark;
	int r;
	if (ia->ipv4) {
		r = dhcp6_put_ipv4_global(b, c->s->cfg->server.ipv4_option_code, tep);
		if (r < 0)
			return r;
	}
	r = dhcp6_put_ia_begin(b, ia->type, ia->iaid, t->t1, t->t2, &mark);
	if (r < 0)
		return r;
	if (c->n_ia_marks < DHCP6_MAX_IAS) {
		c->ia_marks[c->n_ia_marks++] = mark;
		c->min_t1 = MIN(c->min_t1, t->t1);
		c->min_t2 = MIN(c->min_t2, t->t2);
	}
	r = dhcp6_put_iaaddr(b, addr, t->preferred, t->valid, -1, NULL);
	if (r < 0)
		return r;
	/* RFC 8415 18.3.4: other addresses the client still lists are not
	 * ours to extend: lifetimes 0. */
	for (uint8_t k = 0; k < ia->n_addrs; k++) {
		const struct in6_addr *o = &ia->addrs[k].addr;
		if (addr_is_zero(o) || memcmp(o, addr, sizeof(*o)) == 0)
			continue;
		if (c->m->type == DHCP6_RENEW || c->m->type == DHCP6_REBIND) {
			r = dhcp6_put_iaaddr(b, o, 0, 0, -1, NULL);
			if (r < 0)
				return r;
		}
	}
	return dhcp6_opt_end(b, mark);
}

static const struct in6_addr *lease_tep(const struct lease *l)
{
	return l->has_tep ? &l->tep : NULL;
}

/* Assign or extend the lease of one IA (Request, Rapid-Commit Solicit,
 * Renew, Rebind).  Writes the IA (or its status) into b. */
static int ia_commit(struct req_ctx *c, struct dhcp6_buf *b, const struct dhcp6_ia *ia)
{
	struct server *s = c->s;
	uint8_t kind = ia->ipv4 ? LEASE_KIND_V4 : LEASE_KIND_NA;
	struct lease *l;
	int r;

	if (ia->type != DHCP6_OPT_IA_NA) {
		s->stats.noaddrsavail++;
		return put_ia_status(b, ia, DHCP6_STATUS_NOADDRSAVAIL, "temporary addresses not served");
	}
	/* RFC 8415 18.3.2: a Request naming an address off this link gets NotOnLink. */
	if (c->m->type == DHCP6_REQUEST)
		for (uint8_t k = 0; k < ia->n_addrs; k++)
			if (!addr_is_zero(&ia->addrs[k].addr) &&
			    !addr_on_link(c->link, &ia->addrs[k].addr, ia->ipv4)) {
				s->stats.notonlink++;
				return put_ia_status(b, ia, DHCP6_STATUS_NOTONLINK, "address not on link");
			}

	l = lease_find_client(&s->leases, kind, &c->m->clientid, ia->iaid);
	if (l && !addr_on_link(c->link, &l->addr, ia->ipv4)) {
		/* The client moved to another link: its old address is not
		 * appropriate any more (RFC 8415 18.3.4); it gets a new one. */
		r = lease_forget(s, l);
		if (r < 0)
			return r;
		l = NULL;
	}
	if (l) {
		struct cfg_times t = lease_times(c, l);
		lease_fill_client(c, l, &t);
		r = lease_persist(s, l);
		if (r < 0)
			return r;
		s->stats.leases_renewed++;
		return put_ia_addr(c, b, ia, &l->addr, &t, lease_tep(l));
	}

	/* No binding.  RFC 8415 18.3.4/18.3.5: ds46 creates bindings on Renew
	 * and Rebind too; that is how a client answers a Reconfigure asking
	 * for an IPv4 address (dstm-04 6.2). */
	struct lease nl = { 0 };
	const char *pool = NULL;
	const struct in6_addr *tep = NULL;
	const struct cfg_times *times = NULL;
	r = choose_addr(c, ia, true, &nl.addr, &pool, &tep, &times);
	if (r == -ENOSPC) {
		s->stats.noaddrsavail++;
		return put_ia_status(b, ia, DHCP6_STATUS_NOADDRSAVAIL,
				     ia->ipv4 ? "no IPv4 addresses available" : "no addresses available");
	}
	if (r < 0)
		return r;
	nl.kind = kind;
	nl.state = LEASE_STATE_BOUND;
	nl.duid = c->m->clientid;
	nl.iaid = ia->iaid;
	if (tep) {
		nl.has_tep = true;
		nl.tep = *tep;
	}
	snprintf(nl.pool, sizeof(nl.pool), "%s", pool);
	lease_fill_client(c, &nl, times);
	r = lease_insert(&s->leases, &nl, &l);
	if (r < 0) {
		pool_account(s, &nl, false);
		return r;
	}
	r = lease_persist(s, l);
	if (r < 0)
		return r;
	if (kind == LEASE_KIND_V4)
		s->stats.leases_v4_assigned++;
	else
		s->stats.leases_na_assigned++;
	return put_ia_addr(c, b, ia, &l->addr, times, lease_tep(l));
}

/* Advertise: what a Request would get, without committing anything. */
static int ia_advertise(struct req_ctx *c, struct dhcp6_buf *b, const struct dhcp6_ia *ia)
{
	struct server *s = c->s;
	uint8_t kind = ia->ipv4 ? LEASE_KIND_V4 : LEASE_KIND_NA;
	struct lease *l;
	if (ia->type != DHCP6_OPT_IA_NA) {
		s->stats.noaddrsavail++;
		return put_ia_status(b, ia, DHCP6_STATUS_NOADDRSAVAIL, "temporary addresses not served");
	}
	l = lease_find_client(&s->leases, kind, &c->m->clientid, ia->iaid);
	if (l && addr_on_link(c->link, &l->addr, ia->ipv4)) {
		struct cfg_times t = lease_times(c, l);
		return put_ia_addr(c, b, ia, &l->addr, &t, lease_tep(l));
	}
	struct in6_addr a;
	const char *pool;
	const struct in6_addr *tep;
	const struct cfg_times *times;
	if (choose_addr(c, ia, false, &a, &pool, &tep, &times) < 0) {
		s->stats.noaddrsavail++;
		return put_ia_status(b, ia, DHCP6_STATUS_NOADDRSAVAIL,
				     ia->ipv4 ? "no IPv4 addresses available" : "no addresses available");
	}
	return put_ia_addr(c, b, ia, &a, times, tep);
}

/* Reconfigure Accept and the key (RFC 8415 18.3.2, 20.4.1). */
static int put_reconf(struct req_ctx *c, struct dhcp6_buf *b)
{
	int r;
	if (!c->has_reconf_key)
		return 0;
	r = dhcp6_put_opt(b, DHCP6_OPT_RECONF_ACCEPT, NULL, 0);
	if (r < 0)
		return r;
	return dhcp6_put_auth_rkap(b, ++c->s->replay, DHCP6_RKAP_TYPE_KEY, c->reconf_key, NULL);
}

/* The client answered a pending Reconfigure: stop retransmitting. */
static void reconf_satisfied(struct server *s, const struct dhcp6_duid *d)
{
	for (size_t i = 0; i < s->n_reconf; i++)
		if (duid_eq(&s->reconf[i].duid, d)) {
			log_info("reconfigure answered by client after %u transmissions",
				 s->reconf[i].count);
			s->reconf[i] = s->reconf[--s->n_reconf];
			return;
		}
}

static int handle_assign(struct req_ctx *c, struct dhcp6_buf *b, uint8_t type)
{
	int r = put_common(c, b, type);
	if (r < 0)
		return r;
	if (c->m->type == DHCP6_SOLICIT && type == DHCP6_REPLY) {
		r = dhcp6_put_opt(b, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
		if (r < 0)
			return r;
	}
	if (type == DHCP6_ADVERTISE && c->s->cfg->server.preference) {
		r = dhcp6_put_opt_u8(b, DHCP6_OPT_PREFERENCE, c->s->cfg->server.preference);
		if (r < 0)
			return r;
	}
	if (type == DHCP6_REPLY) {
		r = reconf_key_prepare(c);
		if (r < 0)
			return r;
	}
	c->min_t1 = c->min_t2 = UINT32_MAX;
	for (uint8_t i = 0; i < c->m->n_ia; i++) {
		r = type == DHCP6_ADVERTISE ? ia_advertise(c, b, &c->m->ia[i])
					    : ia_commit(c, b, &c->m->ia[i]);
		if (r < 0)
			return r;
	}
	for (uint8_t i = 0; i < c->n_ia_marks; i++) {
		put_be32(b->data + c->ia_marks[i] + 8, c->min_t1);   /* IAID, then T1, T2 */
		put_be32(b->data + c->ia_marks[i] + 12, c->min_t2);
	}
	if (type == DHCP6_ADVERTISE && c->m->reconf_accept && c->s->cfg->server.reconfigure)
		return dhcp6_put_opt(b, DHCP6_OPT_RECONF_ACCEPT, NULL, 0);
	if (type == DHCP6_REPLY)
		return put_reconf(c, b);
	return 0;
}

/* Release (RFC 8415 18.3.7) and Decline (18.3.8). */
static int handle_release_decline(struct req_ctx *c, struct dhcp6_buf *b)
{
	struct server *s = c->s;
	bool decline = c->m->type == DHCP6_DECLINE;
	int r = put_common(c, b, DHCP6_REPLY);
	if (r < 0)
		return r;
	r = dhcp6_put_status(b, DHCP6_STATUS_SUCCESS, decline ? "declined" : "released");
	if (r < 0)
		return r;
	for (uint8_t i = 0; i < c->m->n_ia; i++) {
		const struct dhcp6_ia *ia = &c->m->ia[i];
		bool found = false;
		for (uint8_t k = 0; k < ia->n_addrs; k++) {
			struct lease *l = lease_find_addr(&s->leases, &ia->addrs[k].addr);
			if (!l || l->state != LEASE_STATE_BOUND || l->iaid != ia->iaid ||
			    !duid_eq(&l->duid, &c->m->clientid))
				continue;   /* not this client's: ignored (18.3.7) */
			found = true;
			if (decline) {
				/* quarantine: keep the address out of the pool */
				l->state = LEASE_STATE_DECLINED;
				l->expires = s->now + s->cfg->server.decline_time;
				l->cltt = s->now;
				r = lease_persist(s, l);
				s->stats.leases_declined++;
			} else {
				r = lease_forget(s, l);
				s->stats.leases_released++;
			}
			if (r < 0)
				return r;
		}
		if (!found) {
			s->stats.nobinding++;
			r = put_ia_status(b, ia, DHCP6_STATUS_NOBINDING, "no binding for this IA");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Confirm (RFC 8415 18.3.3): 1 = reply built, 0 = no reply. */
static int handle_confirm(struct req_ctx *c, struct dhcp6_buf *b)
{
	bool any = false, all_ok = true;
	for (uint8_t i = 0; i < c->m->n_ia; i++)
		for (uint8_t k = 0; k < c->m->ia[i].n_addrs; k++) {
			any = true;
			if (!addr_on_link(c->link, &c->m->ia[i].addrs[k].addr, c->m->ia[i].ipv4))
				all_ok = false;
		}
	if (!any)
		return 0;
	int r = put_common(c, b, DHCP6_REPLY);
	if (r < 0)
		return r;
	if (!all_ok)
		c->s->stats.notonlink++;
	r = dhcp6_put_status(b, all_ok ? DHCP6_STATUS_SUCCESS : DHCP6_STATUS_NOTONLINK,
			     all_ok ? "all addresses on link" : "not on link");
	return r < 0 ? r : 1;
}

/* ---- entry point ------------------------------------------------------------- */

/* Wrap the reply in Relay-Reply messages, innermost first (RFC 8415 19.3). */
static int wrap_relays(struct req_ctx *c, const uint8_t *inner, size_t inner_len,
		       struct server_tx *tx)
{
	uint8_t tmp[DHCP6_MAX_MSG];
	size_t len = inner_len;
	memcpy(tmp, inner, inner_len);
	for (int i = c->n_hops - 1; i >= 0; i--) {
		struct dhcp6_buf b;
		const struct relay_hop *h = &c->hops[i];
		dhcp6_buf_init(&b, tx->buf, sizeof(tx->buf));
		int r = dhcp6_put_relay_hdr(&b, DHCP6_RELAY_REPL, h->hop_count, &h->link, &h->peer);
		if (r == 0 && h->ifid)
			r = dhcp6_put_opt(&b, DHCP6_OPT_INTERFACE_ID, h->ifid, h->ifid_len);
		if (r == 0)
			r = dhcp6_put_opt(&b, DHCP6_OPT_RELAY_MSG, tmp, (uint16_t)len);
		if (r < 0)
			return r;
		len = b.len;
		if (i > 0)
			memcpy(tmp, tx->buf, len);
	}
	tx->len = len;
	return 0;
}

static bool is_server_message(uint8_t t)
{
	return t == DHCP6_ADVERTISE || t == DHCP6_REPLY || t == DHCP6_RECONFIGURE ||
	       t == DHCP6_RELAY_REPL;
}

/* Peel Relay-Forward headers; returns the innermost message or NULL (with
 * the drop counted). */
static const uint8_t *peel_relays(struct req_ctx *c, const uint8_t *buf, size_t *len)
{
	struct server *s = c->s;
	while (*len >= 1 && buf[0] == DHCP6_RELAY_FORW) {
		struct dhcp6_relay rl;
		if (c->n_hops > DHCP6_HOP_COUNT_LIMIT) {
			s->stats.drop_relay_hops++;
			log_rl(LOG_WARNING, "drop (drop_relay_hops): relay nesting deeper than %d",
			       DHCP6_HOP_COUNT_LIMIT);
			return NULL;
		}
		if (dhcp6_relay_parse(buf, *len, &rl) < 0) {
			if (*len < DHCP6_RELAY_HDR_LEN)
				s->stats.drop_truncated++;
			else
				s->stats.drop_malformed_option++;
			log_rl(LOG_WARNING, "drop: malformed Relay-Forward (%zu bytes)", *len);
			return NULL;
		}
		/* RFC 8415 19.1.1: hop-count never exceeds HOP_COUNT_LIMIT */
		if (rl.hop_count > DHCP6_HOP_COUNT_LIMIT) {
			s->stats.drop_relay_hops++;
			log_rl(LOG_WARNING, "drop (drop_relay_hops): hop-count %u", rl.hop_count);
			return NULL;
		}
		struct relay_hop *h = &c->hops[c->n_hops++];
		h->hop_count = rl.hop_count;
		h->link = rl.link;
		h->peer = rl.peer;
		h->ifid = rl.interface_id;
		h->ifid_len = rl.interface_id_len;
		buf = rl.relay_msg;
		*len = rl.relay_msg_len;
	}
	return buf;
}

/* RFC 8415 13.1: the link is given by the link-address of the relay
 * closest to the client that has one; direct messages by the interface they
 * arrived on or, failing that, by the client's source address. */
static struct server_link *select_link(struct req_ctx *c)
{
	struct server *s = c->s;
	const struct cfg_link *lc = NULL;
	for (int i = c->n_hops - 1; i >= 0 && !lc; i--)
		if (!addr_is_zero(&c->hops[i].link))
			lc = cfg_link_by_addr(s->cfg, &c->hops[i].link);
	if (!c->n_hops) {
		if (c->rx->ifname[0])
			lc = cfg_link_by_ifname(s->cfg, c->rx->ifname);
		if (!lc)
			lc = cfg_link_by_addr(s->cfg, &c->rx->src);
	}
	if (!lc)
		return NULL;
	return &s->links[lc - s->cfg->links];
}

int server_handle(struct server *s, const struct server_rx *rx, struct server_tx *tx)
{
	struct req_ctx c = { .s = s, .rx = rx };
	struct dhcp6_msg m;
	size_t len = rx->len;
	const uint8_t *msg;
	uint8_t out[DHCP6_MAX_MSG];
	struct dhcp6_buf b;
	int r;

	s->stats.rx_packets++;
	if (rx->len > DHCP6_MAX_MSG)
		DROP(s, drop_oversized, "%zu-byte datagram", rx->len);
	if (rx->len < DHCP6_MSG_HDR_LEN)
		DROP(s, drop_truncated, "%zu-byte datagram", rx->len);
	if (rx->buf[0] == DHCP6_RELAY_FORW)
		s->stats.rx_relay_forw++;
	msg = peel_relays(&c, rx->buf, &len);
	if (!msg)
		return 0;
	if (len < DHCP6_MSG_HDR_LEN)
		DROP(s, drop_truncated, "%zu-byte relayed message", len);
	if (is_server_message(msg[0]))
		DROP(s, drop_server_message, "%s from a server or relay", dhcp6_msg_name(msg[0]));
	if (msg[0] < DHCP6_SOLICIT || msg[0] > DHCP6_INFORMATION_REQUEST)
		DROP(s, drop_unknown_type, "message type %u", msg[0]);
	r = dhcp6_msg_parse(msg, len, s->cfg->server.ipv4_option_code, &m);
	if (r < 0)
		DROP(s, drop_malformed_option, "malformed %s", dhcp6_msg_name(msg[0]));
	c.m = &m;
	c.client_addr = c.n_hops ? c.hops[c.n_hops - 1].peer : rx->src;

	switch (m.type) {
	case DHCP6_SOLICIT: s->stats.rx_solicit++; break;
	case DHCP6_REQUEST: s->stats.rx_request++; break;
	case DHCP6_CONFIRM: s->stats.rx_confirm++; break;
	case DHCP6_RENEW: s->stats.rx_renew++; break;
	case DHCP6_REBIND: s->stats.rx_rebind++; break;
	case DHCP6_RELEASE: s->stats.rx_release++; break;
	case DHCP6_DECLINE: s->stats.rx_decline++; break;
	case DHCP6_INFORMATION_REQUEST: s->stats.rx_information_request++; break;
	default: break;
	}

	/* RFC 8415 16.2-16.12: identifiers each message must (not) carry. */
	bool need_sid = m.type == DHCP6_REQUEST || m.type == DHCP6_RENEW ||
			m.type == DHCP6_DECLINE || m.type == DHCP6_RELEASE;
	bool no_sid = m.type == DHCP6_SOLICIT || m.type == DHCP6_CONFIRM || m.type == DHCP6_REBIND;
	if (m.type != DHCP6_INFORMATION_REQUEST && !m.clientid.len)
		DROP(s, drop_no_clientid, "%s without Client Identifier", dhcp6_msg_name(m.type));
	if (need_sid && !m.serverid.len)
		DROP(s, drop_wrong_serverid, "%s without Server Identifier", dhcp6_msg_name(m.type));
	if (m.serverid.len && !duid_eq(&m.serverid, &s->duid)) {
		if (no_sid)
			DROP(s, drop_unexpected_serverid, "%s with a Server Identifier",
			     dhcp6_msg_name(m.type));
		DROP(s, drop_wrong_serverid, "%s for another server", dhcp6_msg_name(m.type));
	}
	if (m.serverid.len && no_sid)
		DROP(s, drop_unexpected_serverid, "%s with a Server Identifier", dhcp6_msg_name(m.type));
	if (m.type == DHCP6_INFORMATION_REQUEST && m.n_ia)
		DROP(s, drop_malformed_option, "Information-request with an IA");

	/* RFC 8415 16 and 18.4: unicast handling for direct messages. */
	dhcp6_buf_init(&b, out, sizeof(out));
	if (!c.n_hops && !rx->dst_multicast) {
		if (m.type == DHCP6_SOLICIT || m.type == DHCP6_CONFIRM || m.type == DHCP6_REBIND ||
		    m.type == DHCP6_INFORMATION_REQUEST)
			DROP(s, usemulticast, "%s sent to a unicast address", dhcp6_msg_name(m.type));
		s->stats.usemulticast++;
		r = put_common(&c, &b, DHCP6_REPLY);
		if (r == 0)
			r = dhcp6_put_status(&b, DHCP6_STATUS_USEMULTICAST, "use multicast");
		goto send;
	}

	c.link = select_link(&c);
	if (!c.link && m.type != DHCP6_INFORMATION_REQUEST) {
		char a[ADDR6_STRLEN];
		DROP(s, drop_no_link, "%s from %s: no configured link", dhcp6_msg_name(m.type),
		     fmt_in6(&c.client_addr, a));
	}

	switch (m.type) {
	case DHCP6_SOLICIT:
		if (m.rapid_commit && s->cfg->server.rapid_commit)
			r = handle_assign(&c, &b, DHCP6_REPLY);
		else
			r = handle_assign(&c, &b, DHCP6_ADVERTISE);
		break;
	case DHCP6_REQUEST:
		r = handle_assign(&c, &b, DHCP6_REPLY);
		break;
	case DHCP6_RENEW:
	case DHCP6_REBIND:
		reconf_satisfied(s, &m.clientid);
		r = handle_assign(&c, &b, DHCP6_REPLY);
		break;
	case DHCP6_CONFIRM:
		r = handle_confirm(&c, &b);
		if (r <= 0)
			return r;
		r = 0;
		break;
	case DHCP6_RELEASE:
	case DHCP6_DECLINE:
		r = handle_release_decline(&c, &b);
		break;
	case DHCP6_INFORMATION_REQUEST:
		reconf_satisfied(s, &m.clientid);
		r = put_common(&c, &b, DHCP6_REPLY);
		break;
	default:
		return 0;
	}
send:
	if (r < 0) {
		if (r == -ENOBUFS)
			log_rl(LOG_WARNING, "reply to %s does not fit in %zu bytes",
			       dhcp6_msg_name(m.type), sizeof(out));
		return r;
	}
	if (c.n_hops) {
		r = wrap_relays(&c, b.data, b.len, tx);
		if (r < 0)
			return r;
		s->stats.tx_relay_repl++;
		tx->dport = rx->sport ? rx->sport : DHCP6_SERVER_PORT;
	} else {
		memcpy(tx->buf, b.data, b.len);
		tx->len = b.len;
		tx->dport = rx->sport ? rx->sport : DHCP6_CLIENT_PORT;
	}
	tx->dst = rx->src;
	tx->ifindex = rx->ifindex;
	if (out[0] == DHCP6_ADVERTISE)
		s->stats.tx_advertise++;
	else
		s->stats.tx_reply++;
	return 1;
}

/* ---- expiry ------------------------------------------------------------------ */

struct reclaim_ctx {
	struct server *s;
	size_t n;
	struct lease **victims;
	size_t cap;
};

static int collect_expired(struct lease *l, void *arg)
{
	struct reclaim_ctx *rc = arg;
	if (l->expires > rc->s->now)
		return 0;
	if (rc->n == rc->cap) {
		size_t cap = rc->cap ? rc->cap * 2 : 64;
		struct lease **v = realloc(rc->victims, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rc->victims = v;
		rc->cap = cap;
	}
	rc->victims[rc->n++] = l;
	return 0;
}

int server_reclaim(struct server *s)
{
	struct reclaim_ctx rc = { .s = s };
	int r = lease_foreach(&s->leases, collect_expired, &rc);
	size_t done = 0;
	if (r < 0)
		goto out;
	if (!rc.n)
		goto out;
	r = store_begin(s->store);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < rc.n; i++) {
		struct lease *l = rc.victims[i];
		char a[ADDR6_STRLEN];
		bool declined = l->state == LEASE_STATE_DECLINED;
		log_info("lease %s %s", fmt_in6(&l->addr, a),
			 declined ? "quarantine ended" : "expired");
		if (!declined)
			s->stats.leases_expired++;
		r = lease_forget(s, l);
		if (r < 0)
			break;
		done++;
	}
	if (r == 0)
		r = store_commit(s->store);
	if (r == 0)
		r = store_sync(s->store);   /* deferred_sync: this is not on the packet path */
	if (r < 0) {
		store_rollback(s->store);
		free(rc.victims);
		rc.victims = NULL;
		int r2 = server_resync(s);
		return r2 < 0 ? r2 : r;
	}
out:
	free(rc.victims);
	return r < 0 ? r : (int)done;
}

/* ---- operator actions -------------------------------------------------------- */

int server_release_addr(struct server *s, const struct in6_addr *addr)
{
	struct lease *l = lease_find_addr(&s->leases, addr);
	int r;
	if (!l)
		return -ENOENT;
	r = store_begin(s->store);
	if (r < 0)
		return r;
	r = lease_forget(s, l);
	if (r == 0)
		r = store_commit(s->store);
	if (r == 0)
		r = store_sync(s->store);
	if (r < 0) {
		store_rollback(s->store);
		server_resync(s);
		return r;
	}
	s->stats.leases_released++;
	return 0;
}

struct find_client_ctx {
	const struct dhcp6_duid *duid;
	struct lease *found;
};

static int find_by_duid(struct lease *l, void *arg)
{
	struct find_client_ctx *f = arg;
	if (l->state == LEASE_STATE_BOUND && duid_eq(&l->duid, f->duid) &&
	    (!f->found || (l->has_reconf_key && !f->found->has_reconf_key))) {
		f->found = l;
	}
	return 0;
}

/* Build the Reconfigure for one client (RFC 8415 18.3.11, dstm-04 6.2). */
static int reconf_build(struct server *s, const struct lease *l, struct server_tx *tx)
{
	uint8_t msg[DHCP6_MAX_MSG];
	struct dhcp6_buf b;
	size_t digest_off;
	uint8_t oro[2];
	int r;

	dhcp6_buf_init(&b, msg, sizeof(msg));
	r = dhcp6_put_msg_hdr(&b, DHCP6_RECONFIGURE, 0);
	if (r == 0)
		r = dhcp6_put_duid(&b, DHCP6_OPT_SERVERID, &s->duid);
	if (r == 0)
		r = dhcp6_put_duid(&b, DHCP6_OPT_CLIENTID, &l->duid);
	if (r == 0)
		r = dhcp6_put_opt_u8(&b, DHCP6_OPT_RECONF_MSG, DHCP6_RENEW);
	put_be16(oro, s->cfg->server.ipv4_option_code);
	if (r == 0)
		r = dhcp6_put_opt(&b, DHCP6_OPT_ORO, oro, sizeof(oro));
	if (r == 0)
		r = dhcp6_put_auth_rkap(&b, ++s->replay, DHCP6_RKAP_TYPE_HMAC, NULL, &digest_off);
	if (r == 0)
		r = dhcp6_auth_sign(b.data, b.len, digest_off, l->reconf_key);
	if (r < 0)
		return r;
	if (l->has_relay) {
		struct dhcp6_buf rb;
		dhcp6_buf_init(&rb, tx->buf, sizeof(tx->buf));
		r = dhcp6_put_relay_hdr(&rb, DHCP6_RELAY_REPL, 0, &l->relay_link, &l->client_addr);
		if (r == 0)
			r = dhcp6_put_opt(&rb, DHCP6_OPT_RELAY_MSG, b.data, (uint16_t)b.len);
		if (r < 0)
			return r;
		tx->len = rb.len;
		tx->dst = l->relay_addr;
		tx->dport = DHCP6_SERVER_PORT;
		tx->ifindex = 0;
	} else {
		memcpy(tx->buf, b.data, b.len);
		tx->len = b.len;
		tx->dst = l->client_addr;
		tx->dport = DHCP6_CLIENT_PORT;
		/* a link-local client address needs the link's interface */
		tx->ifindex = 0;
		for (uint16_t i = 0; i < s->n_links; i++)
			if (addr_on_link(&s->links[i], &l->addr, l->kind == LEASE_KIND_V4)) {
				tx->ifindex = s->links[i].ifindex;
				break;
			}
	}
	return 0;
}

static int reconf_send(struct server *s, struct server_reconf *p)
{
	struct lease *l = lease_find_addr(&s->leases, &p->addr);
	struct server_tx tx;
	int r;
	if (!l || l->state != LEASE_STATE_BOUND || !l->has_reconf_key)
		return -ENOENT;
	r = reconf_build(s, l, &tx);
	if (r < 0)
		return r;
	if (!s->send)
		return -ENOTCONN;
	r = s->send(s->send_ctx, &tx);
	if (r < 0)
		return r;
	s->stats.tx_reconfigure++;
	p->count++;
	return 0;
}

int server_reconfigure(struct server *s, const struct in6_addr *addr,
		       const struct dhcp6_duid *duid)
{
	struct find_client_ctx f = { .duid = duid };
	struct lease *l;
	if (addr) {
		l = lease_find_addr(&s->leases, addr);
		if (!l || l->state != LEASE_STATE_BOUND)
			return -ENOENT;
		f.duid = &l->duid;
	}
	if (!f.duid)
		return -EINVAL;
	lease_foreach(&s->leases, find_by_duid, &f);
	if (!f.found)
		return -ENOENT;
	if (!f.found->has_reconf_key)
		return -EPERM;
	reconf_satisfied(s, f.duid);   /* restart a pending one */
	struct server_reconf *nr = realloc(s->reconf, (s->n_reconf + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	s->reconf = nr;
	struct server_reconf *p = &s->reconf[s->n_reconf];
	memset(p, 0, sizeof(*p));
	p->duid = *f.duid;
	p->addr = f.found->addr;
	p->rt_ms = REC_TIMEOUT_MS;
	p->next_ms = now_ms_mono() + p->rt_ms;
	int r = reconf_send(s, p);
	if (r < 0)
		return r;
	s->n_reconf++;
	return 0;
}

void server_tick(struct server *s, uint64_t now_ms)
{
	for (size_t i = 0; i < s->n_reconf;) {
		struct server_reconf *p = &s->reconf[i];
		if (now_ms < p->next_ms) {
			i++;
			continue;
		}
		/* RFC 8415 18.3.11: REC_MAX_RC attempts, doubling RT */
		if (p->count >= REC_MAX_RC || reconf_send(s, p) < 0) {
			log_warn("reconfigure abandoned after %u transmissions", p->count);
			s->reconf[i] = s->reconf[--s->n_reconf];
			continue;
		}
		p->rt_ms *= 2;
		p->next_ms = now_ms + p->rt_ms;
		i++;
	}
}

/* ---- pool usage ------------------------------------------------------------- */

static unsigned __int128 in6_to_u128(const struct in6_addr *a)
{
	unsigned __int128 v = 0;
	for (int k = 0; k < 16; k++)
		v = v << 8 | a->s6_addr[k];
	return v;
}

struct pool_usage_scan {
	struct server *s;
	uint64_t *declined;       /* [link][pool], pools4 then pools6 */
};

static int count_declined(struct lease *l, void *arg)
{
	struct pool_usage_scan *u = arg;
	if (l->state != LEASE_STATE_DECLINED)
		return 0;
	for (uint16_t i = 0; i < u->s->n_links; i++) {
		struct server_link *lk = &u->s->links[i];
		uint64_t *row = &u->declined[(size_t)i * 2 * CFG_MAX_POOLS];
		for (uint8_t j = 0; j < lk->n_pools4; j++)
			if (l->kind == LEASE_KIND_V4 &&
			    pool4_contains(&lk->pools4[j], in6_mapped_v4(&l->addr))) {
				row[j]++;
				return 0;
			}
		for (uint8_t j = 0; j < lk->n_pools6; j++)
			if (l->kind == LEASE_KIND_NA && pool6_contains(&lk->pools6[j], &l->addr)) {
				row[CFG_MAX_POOLS + j]++;
				return 0;
			}
	}
	return 0;
}

int server_foreach_pool(struct server *s, server_pool_cb cb, void *arg)
{
	struct pool_usage_scan scan = { .s = s };
	int r = 0;
	scan.declined = calloc((size_t)(s->n_links ? s->n_links : 1) * 2 * CFG_MAX_POOLS,
			       sizeof(uint64_t));
	if (!scan.declined)
		return -ENOMEM;
	lease_foreach(&s->leases, count_declined, &scan);
	for (uint16_t i = 0; i < s->n_links && r >= 0; i++) {
		struct server_link *lk = &s->links[i];
		uint64_t *row = &scan.declined[(size_t)i * 2 * CFG_MAX_POOLS];
		for (uint8_t j = 0; j < lk->n_pools4 && r >= 0; j++) {
			struct pool4 *p = &lk->pools4[j];
			struct server_pool_usage u = {
				.link = lk->cfg->name, .pool = p->cfg->name,
				.kind = LEASE_KIND_V4, .size = p->size, .used = p->used,
				.declined = row[j],
			};
			r = cb(&u, arg);
		}
		for (uint8_t j = 0; j < lk->n_pools6 && r >= 0; j++) {
			struct pool6 *p = &lk->pools6[j];
			const struct cfg_pool6 *pc = p->cfg;
			unsigned __int128 span = in6_to_u128(&pc->last) - in6_to_u128(&pc->first);
			struct server_pool_usage u = {
				.link = lk->cfg->name, .pool = pc->name, .kind = LEASE_KIND_NA,
				.size = span >= UINT64_MAX ? UINT64_MAX : (uint64_t)span + 1,
				.used = p->used, .declined = row[CFG_MAX_POOLS + j],
			};
			r = cb(&u, arg);
		}
	}
	free(scan.declined);
	return r < 0 ? r : 0;
}
