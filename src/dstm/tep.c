/* DSTM border router control plane: lease store -> engine bindings.
 *
 * dstm-04 5.2 has the border router "cache the association between the IPv4
 * and IPv6 source addresses" from traffic.  ds46 takes the association from
 * the DSTM server's lease store instead, so a host cannot claim an address
 * it was not given (docs/dataplane.md); learning from traffic stays an
 * option of the engine (tepd.conf learn).  dstm-04 7: replies come back
 * through this router because the pools are routed into its TUN. */
#include "dstm/tep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

const char *const tep_stat_names[] = {
#define X(n) #n,
	TEP_COUNTERS(X)
#undef X
};

size_t tep_stat_count(void)
{
	return ARRAY_SIZE(tep_stat_names);
}

uint64_t tep_stat_get(const struct tep_stats *s, size_t i)
{
	const uint64_t *v = (const uint64_t *)s;
	return i < tep_stat_count() ? v[i] : 0;
}

bool tep_peer_usable(const struct in6_addr *a)
{
	static const uint8_t v4compat[12] = { 0 };

	/* ::/96 holds the unspecified and loopback addresses and the
	 * deprecated IPv4-compatible ones (RFC 4291 2.5.5.1) */
	return memcmp(a->s6_addr, v4compat, sizeof(v4compat)) != 0 && !in6_is_mapped(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	       !IN6_IS_ADDR_SITELOCAL(a);
}

/* ---- what a lease means for the bindings ----------------------------------- */

enum lease_use {
	USE_NONE,                    /* not an IPv4 lease: nothing to do */
	USE_BIND,                    /* bound, usable host: a binding */
	USE_UNUSABLE,                /* bound, but no tunnel endpoint: no binding */
	USE_GONE,                    /* declined or expired: no binding */
};

static enum lease_use lease_use(const struct lease *l, int64_t now)
{
	uint32_t v4;

	if (l->kind != LEASE_KIND_V4 || !in6_is_mapped(&l->addr))
		return USE_NONE;
	v4 = in6_mapped_v4(&l->addr);
	if (v4 >> 24 == 0)           /* 0.0.0.0/8: never a leased address */
		return USE_NONE;
	if (l->state != LEASE_STATE_BOUND || l->expires <= now)
		return USE_GONE;
	return tep_peer_usable(&l->client_addr) ? USE_BIND : USE_UNUSABLE;
}

static uint32_t expiry32(int64_t expires)
{
	return expires > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)expires;
}

/* Remember an unusable lease in set; log and count it the first time it is
 * seen with this client address. */
static int note_unusable(struct tep *t, struct binding_table *set, const struct lease *l)
{
	uint32_t v4 = in6_mapped_v4(&l->addr);
	const struct binding *old = binding_get(&t->unusable, v4);
	char a4[ADDR4_STRLEN], a6[ADDR6_STRLEN];

	if (!old || memcmp(&old->peer, &l->client_addr, sizeof(old->peer)) != 0) {
		t->st.leases_unusable++;
		log_rl(LOG_WARNING,
		       "lease %s: client address %s cannot be a tunnel endpoint (the host "
		       "must ask from its global address): no binding",
		       fmt_in4(v4, a4), fmt_in6(&l->client_addr, a6));
	}
	return binding_set(set, v4, &l->client_addr, expiry32(l->expires), NULL);
}

/* Install or update the binding of a usable lease in the engine. */
static int bind_lease(struct tep *t, uint32_t v4, const struct in6_addr *peer, uint32_t exp)
{
	struct binding_table *bt = &t->e->bindings;
	const struct binding *old = binding_get(bt, v4);
	char a4[ADDR4_STRLEN], a6[ADDR6_STRLEN], o6[ADDR6_STRLEN];
	struct in6_addr was;
	bool moved, changed;
	int r;

	if (old) {
		was = old->peer;
		moved = memcmp(&was, peer, sizeof(was)) != 0;
		changed = moved || old->expires != exp;
	} else {
		moved = changed = false;
	}
	r = binding_set(bt, v4, peer, exp, NULL);
	if (r < 0) {
		log_rl(LOG_ERR, "binding %s: %s", fmt_in4(v4, a4), strerror(-r));
		return r;
	}
	if (!old) {
		t->st.bindings_added++;
		log_debug("binding %s -> %s", fmt_in4(v4, a4), fmt_in6(peer, a6));
	} else if (changed) {
		t->st.bindings_updated++;
		if (moved)
			log_info("binding %s moved from %s to %s", fmt_in4(v4, a4),
				 fmt_in6(&was, o6), fmt_in6(peer, a6));
	}
	return 0;
}

static void unbind(struct tep *t, uint32_t v4, const char *why)
{
	char a4[ADDR4_STRLEN];

	if (binding_del(&t->e->bindings, v4) == 0) {
		t->st.bindings_removed++;
		log_debug("binding %s removed: %s", fmt_in4(v4, a4), why);
	}
}

/* ---- following the change feed -------------------------------------------- */

struct follow_ctx {
	struct tep *t;
	int64_t now;
};

static int apply_change(const struct lease *l, bool deleted, void *arg)
{
	struct follow_ctx *c = arg;
	struct tep *t = c->t;
	uint32_t v4;

	if (deleted) {
		if (!in6_is_mapped(&l->addr))
			return 0;
		v4 = in6_mapped_v4(&l->addr);
		binding_del(&t->unusable, v4);
		unbind(t, v4, "lease deleted");
		return 0;
	}
	switch (lease_use(l, c->now)) {
	case USE_NONE:
		return 0;
	case USE_GONE:
		v4 = in6_mapped_v4(&l->addr);
		binding_del(&t->unusable, v4);
		unbind(t, v4, "lease no longer bound");
		return 0;
	case USE_UNUSABLE:
		unbind(t, in6_mapped_v4(&l->addr), "client address not usable");
		return note_unusable(t, &t->unusable, l);
	case USE_BIND:
		break;
	}
	v4 = in6_mapped_v4(&l->addr);
	binding_del(&t->unusable, v4);
	t->st.leases_loaded++;
	return bind_lease(t, v4, &l->client_addr, expiry32(l->expires));
}

/* ---- full load --------------------------------------------------------------- */

struct load_ctx {
	struct tep *t;
	int64_t now;
	struct binding_table fresh;      /* what the store says now */
	struct binding_table unusable;
	uint64_t n_unusable;
};

static int load_lease(const struct lease *l, bool deleted, void *arg)
{
	struct load_ctx *c = arg;

	if (deleted)                 /* a tombstone: nothing to load */
		return 0;
	switch (lease_use(l, c->now)) {
	case USE_BIND:
		c->t->st.leases_loaded++;
		return binding_set(&c->fresh, in6_mapped_v4(&l->addr), &l->client_addr,
				   expiry32(l->expires), NULL);
	case USE_UNUSABLE:
		c->n_unusable++;
		return note_unusable(c->t, &c->unusable, l);
	case USE_NONE:
	case USE_GONE:
		break;
	}
	return 0;
}

struct keys {
	uint32_t *v;
	size_t n, cap;
	const struct binding_table *keep;
};

static int collect_stale(const struct binding *b, void *arg)
{
	struct keys *k = arg;

	if (binding_get(k->keep, b->v4))
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		uint32_t *nv = realloc(k->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		k->v = nv;
		k->cap = cap;
	}
	k->v[k->n++] = b->v4;
	return 0;
}

static int install_fresh(const struct binding *b, void *arg)
{
	return bind_lease(arg, b->v4, &b->peer, b->expires);
}

/* Read every lease in one snapshot and make the engine's table match it:
 * bindings of leases that are gone disappear, the others keep their
 * counters. */
static int tep_load(struct tep *t, int64_t now)
{
	struct load_ctx c = { .t = t, .now = now };
	struct keys stale = { 0 };
	uint64_t last = 0;
	int r;

	r = binding_table_init(&c.fresh, t->e->bindings.count);
	if (r < 0)
		return r;
	r = binding_table_init(&c.unusable, t->unusable.count);
	if (r < 0) {
		binding_table_free(&c.fresh);
		return r;
	}
	r = store_begin(t->store);
	if (r == 0) {
		/* last: never below the store's prune horizon (store.h) */
		r = store_lease_changes(t->store, 0, &last, load_lease, &c);
		if (r == 0)
			r = store_commit(t->store);
		else
			store_rollback(t->store);
	}
	if (r < 0)
		goto out;

	stale.keep = &c.fresh;
	r = binding_foreach(&t->e->bindings, collect_stale, &stale);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < stale.n; i++)
		unbind(t, stale.v[i], "lease not in the store");
	r = binding_foreach(&c.fresh, install_fresh, t);
	if (r < 0)
		goto out;
	binding_table_free(&t->unusable);
	t->unusable = c.unusable;
	c.unusable.slots = NULL;
	t->since = last;
	t->loaded = true;
	log_info("store %s: %u binding(s) loaded, %llu lease(s) with an unusable client "
		 "address, %zu stale binding(s) removed; following from change %llu",
		 t->store_path, c.fresh.count, (unsigned long long)c.n_unusable, stale.n,
		 (unsigned long long)last);
out:
	free(stale.v);
	binding_table_free(&c.fresh);
	if (c.unusable.slots)
		binding_table_free(&c.unusable);
	return r;
}

/* ---- the step ------------------------------------------------------------------ */

static int tep_store_open(struct tep *t)
{
	struct store_opts o = { .path = t->store_path, .readonly = true };
	int r;

	/* store_open logs every failure as an error; not there yet is none */
	r = access(t->store_path, F_OK) < 0 && errno == ENOENT ? -ENOENT
							      : store_open(&o, &t->store);

	if (r == -ENOENT) {
		t->store = NULL;
		if (!t->waiting_logged)
			log_warn("store %s does not exist yet: waiting for the DSTM server to "
				 "create it",
				 t->store_path);
		t->waiting_logged = true;
		return r;
	}
	if (r < 0) {
		t->store = NULL;
		log_err("store %s: %s", t->store_path, strerror(-r));
		return r;
	}
	if (t->waiting_logged)
		log_info("store %s is there now", t->store_path);
	t->waiting_logged = false;
	t->loaded = false;
	return 0;
}

int tep_open(struct tep *t, struct dp_engine *e, const char *store_path)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->e = e;
	if (!store_path || strlen(store_path) >= sizeof(t->store_path))
		return -ENAMETOOLONG;
	memcpy(t->store_path, store_path, strlen(store_path) + 1);
	r = binding_table_init(&t->unusable, 16);
	if (r < 0)
		return r;
	r = tep_store_open(t);
	if (r < 0 && r != -ENOENT) {
		binding_table_free(&t->unusable);
		return r;
	}
	return 0;
}

void tep_close(struct tep *t)
{
	if (t->store)
		store_close(t->store);
	t->store = NULL;
	if (t->unusable.slots)
		binding_table_free(&t->unusable);
}

void tep_reload(struct tep *t)
{
	t->loaded = false;
}

int tep_sync(struct tep *t, int64_t now)
{
	struct follow_ctx c = { .t = t, .now = now };
	uint32_t n;
	int r = 0;

	t->e->now = expiry32(now);
	if (!t->store && tep_store_open(t) < 0)
		goto expire;
	if (!t->loaded) {
		r = tep_load(t, now);
	} else {
		r = store_lease_changes(t->store, t->since, &t->since, apply_change, &c);
		if (r == -ESTALE) {
			/* deletions we never saw were pruned: start again */
			t->st.reloads++;
			log_warn("store %s: changes after %llu were pruned; reloading every lease",
				 t->store_path, (unsigned long long)t->since);
			t->loaded = false;
			r = tep_load(t, now);
		}
	}
	if (r < 0) {
		t->st.store_errors++;
		log_rl(LOG_ERR, "store %s: %s", t->store_path, strerror(-r));
	}
expire:
	/* Bindings end when leases end, even before the server reclaims them
	 * (its reclaim then arrives as a deletion).  A bounded slice per tick:
	 * a whole sweep of 10^6 bindings would stall the data plane ~16 ms. */
	n = binding_expire_step(&t->e->bindings, expiry32(now), &t->expire_cursor,
				TEP_EXPIRE_SLOTS_PER_TICK);
	t->st.bindings_expired += n;
	if (n)
		log_debug("%u binding(s) expired", n);
	binding_expire_step(&t->unusable, expiry32(now), &t->unusable_cursor,
			    TEP_EXPIRE_SLOTS_PER_TICK);
	return r;
}
