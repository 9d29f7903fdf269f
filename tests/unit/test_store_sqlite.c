/* Unit tests for src/store with the SQLite backend: field round trips,
 * replace/delete, change feed with tombstones, reopen, meta, transactions,
 * a readonly follower, schema versioning, kill -9 durability, bulk foreach;
 * Mobile IPv4 bindings (round trip, simultaneous bindings, order, reopen,
 * migration of a version 1 store, readonly, malformed rows).
 *
 * DS46_TEST_FOREACH_N lowers the 100,000 leases of the bulk test (valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "wire/encap4.h"

struct fx {
	char dir[64];
	char path[96];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/ds46-store-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/leases.db", f->dir);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char p[512];

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	int r = rmdir(f->dir);
	free(f);
	return r;
}

static struct store *open_store(const struct fx *f, bool readonly)
{
	struct store_opts o = { .path = f->path, .readonly = readonly };
	struct store *s = NULL;
	assert_int_equal(store_open(&o, &s), 0);
	assert_non_null(s);
	return s;
}

/* 2001:db8::<i> (or ::ffff:10.x.y.z for odd i), every field derived from i. */
static void make_addr(uint32_t i, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (i & 1) {
		a->s6_addr[10] = 0xff;
		a->s6_addr[11] = 0xff;
		a->s6_addr[12] = 10;
	} else {
		a->s6_addr[0] = 0x20;
		a->s6_addr[1] = 0x01;
		a->s6_addr[2] = 0x0d;
		a->s6_addr[3] = 0xb8;
	}
	a->s6_addr[13] = (uint8_t)(i >> 16);
	a->s6_addr[14] = (uint8_t)(i >> 8);
	a->s6_addr[15] = (uint8_t)i;
}

static void make_lease(uint32_t i, struct lease *l)
{
	memset(l, 0, sizeof(*l));
	make_addr(i, &l->addr);
	l->kind = (i & 1) ? LEASE_KIND_V4 : LEASE_KIND_NA;
	l->state = LEASE_STATE_BOUND;
	l->duid.len = 14;
	l->duid.data[1] = 1;         /* DUID-LLT */
	for (int k = 2; k < 14; k++)
		l->duid.data[k] = (uint8_t)(i * 7 + (uint32_t)k);
	l->iaid = 0x80000000u | i;
	inet_pton(AF_INET6, "2001:db8:ffff::1", &l->client_addr);
	l->client_addr.s6_addr[15] = (uint8_t)i;
	l->has_tep = true;
	inet_pton(AF_INET6, "2001:db8:7e9::1", &l->tep);
	l->preferred = 3600;
	l->valid = 7200 + i;
	l->cltt = 1700000000 + (int64_t)i;
	l->expires = l->cltt + l->valid;
	l->replay = i;
	snprintf(l->pool, sizeof(l->pool), "pool%u", i % 3);
}

static void assert_lease_equal(const struct lease *a, const struct lease *b)
{
	assert_memory_equal(&a->addr, &b->addr, 16);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->duid.len, b->duid.len);
	assert_memory_equal(a->duid.data, b->duid.data, a->duid.len ? a->duid.len : 1);
	assert_int_equal(a->iaid, b->iaid);
	assert_memory_equal(&a->client_addr, &b->client_addr, 16);
	assert_int_equal(a->has_relay, b->has_relay);
	if (a->has_relay) {
		assert_memory_equal(&a->relay_addr, &b->relay_addr, 16);
		assert_memory_equal(&a->relay_link, &b->relay_link, 16);
	}
	assert_int_equal(a->has_tep, b->has_tep);
	if (a->has_tep)
		assert_memory_equal(&a->tep, &b->tep, 16);
	assert_int_equal(a->preferred, b->preferred);
	assert_int_equal(a->valid, b->valid);
	assert_true(a->cltt == b->cltt);
	assert_true(a->expires == b->expires);
	assert_int_equal(a->has_reconf_key, b->has_reconf_key);
	if (a->has_reconf_key)
		assert_memory_equal(a->reconf_key, b->reconf_key, DHCP6_RECONF_KEY_LEN);
	assert_true(a->replay == b->replay);
	assert_true(a->seq == b->seq);
	assert_string_equal(a->pool, b->pool);
}

static void test_put_get_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct lease l, g, m, zero;

	/* every field set, extreme values where the type allows */
	memset(&l, 0, sizeof(l));
	inet_pton(AF_INET6, "::ffff:192.0.2.77", &l.addr);
	l.kind = LEASE_KIND_V4;
	l.state = LEASE_STATE_DECLINED;
	l.duid.len = DHCP6_DUID_MAX;
	for (int k = 0; k < DHCP6_DUID_MAX; k++)
		l.duid.data[k] = (uint8_t)(255 - k);
	l.iaid = 0xffffffffu;
	inet_pton(AF_INET6, "2001:db8:1::42", &l.client_addr);
	l.has_relay = true;
	inet_pton(AF_INET6, "2001:db8:2::1", &l.relay_addr);
	inet_pton(AF_INET6, "2001:db8:3::", &l.relay_link);
	l.has_tep = true;
	inet_pton(AF_INET6, "2001:db8:7e9::1", &l.tep);
	l.preferred = 0xfffffffeu;
	l.valid = 0xffffffffu;
	l.cltt = -5;                 /* int64 sign survives */
	l.expires = INT64_MAX;
	l.has_reconf_key = true;
	for (int k = 0; k < DHCP6_RECONF_KEY_LEN; k++)
		l.reconf_key[k] = (uint8_t)(0xa0 + k);
	l.replay = 0xfedcba9876543210ull;    /* above INT64_MAX */
	strcpy(l.pool, "a-pool-name-of-31-characters-xx");
	assert_int_equal(strlen(l.pool), 31);
	l.seq = 999;                 /* ignored: set by the store */
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == 1);

	assert_int_equal(store_lease_get(s, &l.addr, &g), 0);
	assert_lease_equal(&l, &g);

	/* every optional field absent, empty DUID, empty pool name */
	memset(&m, 0, sizeof(m));
	inet_pton(AF_INET6, "2001:db8::9", &m.addr);
	m.kind = LEASE_KIND_NA;
	m.state = LEASE_STATE_BOUND;
	memset(&m.relay_addr, 0xee, 16);     /* must not be stored */
	memset(&m.tep, 0xee, 16);
	memset(m.reconf_key, 0xee, sizeof(m.reconf_key));
	assert_int_equal(store_lease_put(s, &m), 0);
	assert_true(m.seq == 2);
	assert_int_equal(store_lease_get(s, &m.addr, &g), 0);
	assert_lease_equal(&m, &g);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&g.relay_addr, &zero.relay_addr, 16);
	assert_memory_equal(&g.tep, &zero.tep, 16);
	assert_memory_equal(g.reconf_key, zero.reconf_key, sizeof(g.reconf_key));

	/* the first lease is untouched */
	assert_int_equal(store_lease_get(s, &l.addr, &g), 0);
	assert_lease_equal(&l, &g);

	/* invalid input is refused before it reaches the database */
	m.duid.len = DHCP6_DUID_MAX + 1;
	assert_int_equal(store_lease_put(s, &m), -EINVAL);
	m.duid.len = 0;
	memset(m.pool, 'x', sizeof(m.pool));  /* no NUL */
	assert_int_equal(store_lease_put(s, &m), -EINVAL);
	store_close(s);
}

static void test_replace(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct lease l, g;
	uint64_t n = 0;

	make_lease(1, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	uint64_t first = l.seq;
	l.state = LEASE_STATE_DECLINED;
	l.duid.len = 3;
	l.has_tep = false;
	l.has_relay = true;
	inet_pton(AF_INET6, "fe80::1", &l.relay_addr);
	l.expires += 100;
	strcpy(l.pool, "other");
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq > first);
	assert_int_equal(store_lease_get(s, &l.addr, &g), 0);
	assert_lease_equal(&l, &g);
	assert_int_equal(store_lease_count(s, &n), 0);
	assert_true(n == 1);
	store_close(s);
}

#define MAX_CHANGES 16
struct changes {
	int n;
	int stop_after;              /* 0 = never */
	struct in6_addr addr[MAX_CHANGES];
	uint64_t seq[MAX_CHANGES];
	bool deleted[MAX_CHANGES];
	uint8_t state[MAX_CHANGES];
};

static int collect_change(const struct lease *l, bool deleted, void *arg)
{
	struct changes *c = arg;
	if (c->stop_after && c->n == c->stop_after)
		return -ECANCELED;
	if (c->n == MAX_CHANGES)
		return -E2BIG;
	c->addr[c->n] = l->addr;
	c->seq[c->n] = l->seq;
	c->deleted[c->n] = deleted;
	c->state[c->n] = l->state;
	c->n++;
	return 0;
}

static void assert_change(const struct changes *c, int i, uint32_t lease_i,
			  uint64_t seq, bool deleted)
{
	struct in6_addr a;
	make_addr(lease_i, &a);
	assert_memory_equal(&c->addr[i], &a, 16);
	assert_true(c->seq[i] == seq);
	assert_int_equal(c->deleted[i], deleted);
}

static void test_delete(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct lease l, k, g;
	uint64_t n = 9;

	make_lease(2, &l);
	make_lease(3, &k);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_int_equal(store_lease_put(s, &k), 0);
	assert_int_equal(store_lease_del(s, &l.addr), 0);
	assert_int_equal(store_lease_get(s, &l.addr, &g), -ENOENT);
	/* deleting what is not there succeeds and records nothing */
	struct changes ch = { 0 };
	uint64_t last = 0;
	assert_int_equal(store_lease_del(s, &l.addr), 0);
	assert_int_equal(store_lease_changes(s, 0, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 2);
	assert_true(ch.deleted[1] && ch.seq[1] == 3);
	assert_true(last == 3);
	assert_int_equal(store_lease_get(s, &k.addr, &g), 0);
	assert_lease_equal(&k, &g);
	assert_int_equal(store_lease_count(s, &n), 0);
	assert_true(n == 1);
	store_close(s);
}

static void test_changes(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct lease a, b, c;
	struct changes ch = { 0 };
	uint64_t last = 0;

	make_lease(10, &a);
	make_lease(11, &b);
	make_lease(12, &c);
	assert_int_equal(store_lease_put(s, &a), 0);       /* 1 */
	assert_int_equal(store_lease_put(s, &b), 0);       /* 2 */
	assert_int_equal(store_lease_put(s, &c), 0);       /* 3 */
	assert_int_equal(store_lease_del(s, &a.addr), 0);  /* 4 */
	assert_int_equal(store_lease_put(s, &b), 0);       /* 5 */
	assert_true(b.seq == 5);

	assert_int_equal(store_lease_changes(s, 0, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 3);
	assert_change(&ch, 0, 12, 3, false);
	assert_int_equal(ch.state[0], LEASE_STATE_BOUND);   /* full lease */
	assert_change(&ch, 1, 10, 4, true);
	assert_int_equal(ch.state[1], 0);                   /* only addr, seq */
	assert_change(&ch, 2, 11, 5, false);
	assert_true(last == 5);

	/* since = last: nothing, last unchanged */
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(store_lease_changes(s, last, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 0);
	assert_true(last == 5);

	/* a new record (seq 0) for a deleted address removes its tombstone */
	make_lease(10, &a);
	assert_true(a.seq == 0);
	assert_int_equal(store_lease_put(s, &a), 0);       /* 6 */
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(store_lease_changes(s, 3, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 2);
	assert_change(&ch, 0, 11, 5, false);
	assert_change(&ch, 1, 10, 6, false);
	assert_true(last == 6);

	/* a record the store returned before (seq != 0) is a renewal: no
	 * tombstone work; after a delete its put still supersedes the
	 * tombstone for followers, by its newer seq */
	assert_int_equal(store_lease_del(s, &c.addr), 0);  /* 7 */
	assert_int_equal(store_lease_put(s, &c), 0);       /* 8 */
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(store_lease_changes(s, 6, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 2);
	assert_change(&ch, 0, 12, 7, true);
	assert_change(&ch, 1, 12, 8, false);

	/* the callback stops the walk; last is the last accepted change */
	memset(&ch, 0, sizeof(ch));
	ch.stop_after = 1;
	last = 0;
	assert_int_equal(store_lease_changes(s, 0, &last, collect_change, &ch),
			 -ECANCELED);
	assert_int_equal(ch.n, 1);
	assert_true(last == 5);       /* b; a and c were rewritten later */
	store_close(s);
}

static void test_prune_stale(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct lease l;
	struct changes ch = { 0 };
	uint64_t last = 0;

	for (uint32_t i = 0; i < 4; i++) {                 /* 1..4 */
		make_lease(i, &l);
		assert_int_equal(store_lease_put(s, &l), 0);
	}
	for (uint32_t i = 0; i < 3; i++) {                 /* deletes 5, 6, 7 */
		make_addr(i, &l.addr);
		assert_int_equal(store_lease_del(s, &l.addr), 0);
	}
	assert_int_equal(store_tombstones_prune(s, 7), 2); /* drops 5, 6 */
	assert_int_equal(store_tombstones_prune(s, 7), 0);

	/* a follower at 4 missed deletion 5 and 6 */
	assert_int_equal(store_lease_changes(s, 4, &last, collect_change, &ch), -ESTALE);
	assert_int_equal(ch.n, 0);
	/* at 6 it has seen everything that was pruned */
	assert_int_equal(store_lease_changes(s, 6, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 1);
	assert_change(&ch, 0, 2, 7, true);
	/* from scratch: the live lease and the remaining tombstone */
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(store_lease_changes(s, 0, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 2);
	assert_change(&ch, 0, 3, 4, false);
	assert_change(&ch, 1, 2, 7, true);
	store_close(s);

	/* all tombstones pruned: the seq counter survives a reopen anyway */
	s = open_store(f, false);
	assert_int_equal(store_tombstones_prune(s, 1000), 1);
	store_close(s);
	s = open_store(f, false);
	make_lease(50, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == 8);
	store_close(s);
}

/* A full load (since = 0) after the newest changes were deletions whose
 * tombstones are pruned: following on from its *last must work, not be
 * -ESTALE for ever. */
static void test_full_load_after_prune(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false), *rd;
	struct lease l;
	struct changes ch = { 0 };
	uint64_t last = 0;

	for (uint32_t i = 0; i < 3; i++) {                 /* 1..3 */
		make_lease(i, &l);
		assert_int_equal(store_lease_put(s, &l), 0);
	}
	for (uint32_t i = 1; i < 3; i++) {                 /* deletes 4, 5 */
		make_addr(i, &l.addr);
		assert_int_equal(store_lease_del(s, &l.addr), 0);
	}
	assert_int_equal(store_tombstones_prune(s, 100), 2); /* horizon 6 */

	/* the writer and a readonly follower see the same */
	rd = open_store(f, true);
	for (int k = 0; k < 2; k++) {
		struct store *x = k ? rd : s;
		memset(&ch, 0, sizeof(ch));
		last = 0;
		assert_int_equal(store_lease_changes(x, 0, &last, collect_change, &ch), 0);
		assert_int_equal(ch.n, 1);
		assert_change(&ch, 0, 0, 1, false);
		assert_true(last == 5);
		memset(&ch, 0, sizeof(ch));
		assert_int_equal(store_lease_changes(x, last, &last, collect_change, &ch), 0);
		assert_int_equal(ch.n, 0);
		assert_true(last == 5);
	}
	/* and the next change is seen */
	make_lease(7, &l);
	assert_int_equal(store_lease_put(s, &l), 0);       /* 6 */
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(store_lease_changes(rd, last, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 1);
	assert_change(&ch, 0, 7, 6, false);
	assert_true(last == 6);

	/* nothing pruned: *last is the highest seq reported, as before */
	store_close(rd);
	store_close(s);
	s = open_store(f, false);
	memset(&ch, 0, sizeof(ch));
	last = 0;
	assert_int_equal(store_lease_changes(s, 0, &last, collect_change, &ch), 0);
	assert_true(last == 6);
	store_close(s);
}

static void test_reopen(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct lease l[3], g;
	uint64_t n = 0;

	for (uint32_t i = 0; i < 3; i++) {
		make_lease(100 + i, &l[i]);
		assert_int_equal(store_lease_put(s, &l[i]), 0);
	}
	assert_int_equal(store_lease_del(s, &l[2].addr), 0);   /* seq 4 */
	assert_int_equal(store_meta_set(s, "k", "v", 1), 0);
	store_close(s);

	s = open_store(f, false);
	assert_int_equal(store_lease_count(s, &n), 0);
	assert_true(n == 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_lease_get(s, &l[i].addr, &g), 0);
		assert_lease_equal(&l[i], &g);
	}
	assert_int_equal(store_lease_get(s, &l[2].addr, &g), -ENOENT);
	/* the highest seq was a deletion: the next put is above it */
	make_lease(200, &g);
	assert_int_equal(store_lease_put(s, &g), 0);
	assert_true(g.seq == 5);
	char v[4];
	size_t len = 0;
	assert_int_equal(store_meta_get(s, "k", v, sizeof(v), &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(v[0], 'v');
	store_close(s);
}

static void test_meta(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	const uint8_t duid[14] = { 0, 1, 0, 1, 0x2c, 0x3d, 0x4e, 0x5f,
				   0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
	uint8_t buf[32];
	size_t len = 0;

	assert_int_equal(store_meta_get(s, "server-duid", buf, sizeof(buf), &len), -ENOENT);
	assert_int_equal(store_meta_set(s, "server-duid", duid, sizeof(duid)), 0);
	assert_int_equal(store_meta_get(s, "server-duid", buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(duid));
	assert_memory_equal(buf, duid, sizeof(duid));
	/* too small: -ENOBUFS, and the length needed */
	len = 0;
	assert_int_equal(store_meta_get(s, "server-duid", buf, 4, &len), -ENOBUFS);
	assert_int_equal(len, sizeof(duid));
	/* exact fit */
	assert_int_equal(store_meta_get(s, "server-duid", buf, sizeof(duid), NULL), 0);
	/* replace, and an empty value is a value */
	assert_int_equal(store_meta_set(s, "server-duid", "xy", 2), 0);
	assert_int_equal(store_meta_get(s, "server-duid", buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "xy", 2);
	assert_int_equal(store_meta_set(s, "empty", NULL, 0), 0);
	len = 99;
	assert_int_equal(store_meta_get(s, "empty", buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	/* keys are distinct */
	assert_int_equal(store_meta_get(s, "server-duid2", buf, sizeof(buf), &len), -ENOENT);
	store_close(s);
}

static void test_transactions(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct lease a, b, g;
	struct changes ch = { 0 };
	uint64_t last = 0;

	make_lease(1, &a);
	make_lease(2, &b);
	assert_int_equal(store_rollback(s), 0);            /* no-op outside */
	assert_int_equal(store_commit(s), -EINVAL);

	/* rollback discards a put */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), -EALREADY);
	assert_int_equal(store_lease_put(s, &a), 0);
	assert_int_equal(store_lease_get(s, &a.addr, &g), 0);    /* own write */
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_lease_get(s, &a.addr, &g), -ENOENT);

	/* commit keeps both puts */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_lease_put(s, &a), 0);
	assert_int_equal(store_lease_put(s, &b), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_lease_get(s, &a.addr, &g), 0);
	assert_lease_equal(&a, &g);

	/* rollback discards a delete and its tombstone, and meta */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_lease_del(s, &a.addr), 0);
	assert_int_equal(store_meta_set(s, "m", "1", 1), 0);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_lease_get(s, &a.addr, &g), 0);
	assert_lease_equal(&a, &g);
	assert_int_equal(store_meta_get(s, "m", NULL, 0, NULL), -ENOENT);
	assert_int_equal(store_lease_changes(s, 0, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 2);
	assert_false(ch.deleted[0] || ch.deleted[1]);
	store_close(s);
}

static void test_readonly_follower(void **state)
{
	struct fx *f = *state;
	struct store_opts ro = { .path = f->path, .readonly = true };
	struct store *w, *r = NULL;
	struct lease a, b, g;
	struct changes ch = { 0 };
	uint64_t last = 0;

	/* nothing there yet */
	assert_int_equal(store_open(&ro, &r), -ENOENT);
	assert_null(r);

	w = open_store(f, false);
	make_lease(1, &a);
	make_lease(2, &b);
	assert_int_equal(store_lease_put(w, &a), 0);
	r = open_store(f, true);
	assert_int_equal(store_lease_get(r, &a.addr, &g), 0);
	assert_lease_equal(&a, &g);

	/* uncommitted writes are invisible, committed ones visible */
	assert_int_equal(store_begin(w), 0);
	assert_int_equal(store_lease_put(w, &b), 0);
	assert_int_equal(store_lease_get(r, &b.addr, &g), -ENOENT);
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_lease_get(r, &b.addr, &g), 0);
	assert_lease_equal(&b, &g);
	assert_int_equal(store_lease_del(w, &a.addr), 0);
	assert_int_equal(store_lease_changes(r, 1, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 2);
	assert_change(&ch, 0, 2, 2, false);
	assert_change(&ch, 1, 1, 3, true);

	/* a read snapshot holds still while the writer goes on */
	assert_int_equal(store_begin(r), 0);
	assert_int_equal(store_lease_get(r, &b.addr, &g), 0);
	assert_int_equal(store_lease_del(w, &b.addr), 0);
	assert_int_equal(store_lease_get(r, &b.addr, &g), 0);
	assert_int_equal(store_commit(r), 0);
	assert_int_equal(store_lease_get(r, &b.addr, &g), -ENOENT);

	/* every write is refused */
	assert_int_equal(store_lease_put(r, &a), -EROFS);
	assert_int_equal(store_lease_del(r, &a.addr), -EROFS);
	assert_int_equal(store_meta_set(r, "k", "v", 1), -EROFS);
	assert_int_equal(store_tombstones_prune(r, 100), -EROFS);
	store_close(r);
	make_lease(3, &a);
	assert_int_equal(store_lease_put(w, &a), 0);
	store_close(w);

	/* the writer is gone (its WAL checkpointed and removed): still readable */
	uint64_t n = 0;
	r = open_store(f, true);
	assert_int_equal(store_lease_count(r, &n), 0);
	assert_true(n == 1);
	assert_int_equal(store_lease_get(r, &a.addr, &g), 0);
	assert_lease_equal(&a, &g);
	store_close(r);
}

static void test_schema_newer(void **state)
{
	struct fx *f = *state;
	struct store_opts o = { .path = f->path };
	struct store *s = open_store(f, false);
	sqlite3 *db;
	int v = -1;

	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(v, 4);      /* what this code writes */
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 5", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	s = NULL;
	assert_int_equal(store_open(&o, &s), -EPROTO);
	assert_null(s);
	o.readonly = true;
	assert_int_equal(store_open(&o, &s), -EPROTO);
	assert_null(s);
}

/* kill -9 in the middle of a transaction: the 10 committed ones survive,
 * none of the 11th. */
#define KILL_TX 10
#define KILL_PER_TX 100

static void kill_child(const char *path)
{
	struct store_opts o = { .path = path, .sync_full = false };
	struct store *s;
	struct lease l;

	if (store_open(&o, &s) < 0)
		_exit(2);
	for (uint32_t t = 0; t < KILL_TX; t++) {
		if (store_begin(s) < 0)
			_exit(3);
		for (uint32_t i = 0; i < KILL_PER_TX; i++) {
			make_lease(t * KILL_PER_TX + i, &l);
			if (store_lease_put(s, &l) < 0)
				_exit(4);
		}
		if (store_commit(s) < 0)
			_exit(5);
	}
	if (store_begin(s) < 0)
		_exit(6);
	/* enough to spill uncommitted pages into the WAL */
	for (uint32_t i = 0; i < 20000; i++) {
		make_lease(KILL_TX * KILL_PER_TX + i, &l);
		if (store_lease_put(s, &l) < 0)
			_exit(7);
	}
	make_addr(0, &l.addr);
	if (store_lease_del(s, &l.addr) < 0)
		_exit(8);
	raise(SIGKILL);
	_exit(9);
}

static int count_cb(const struct lease *l, void *arg)
{
	uint64_t *n = arg;
	(void)l;
	(*n)++;
	return 0;
}

static void test_kill9_durability(void **state)
{
	struct fx *f = *state;
	struct store *s;
	struct lease l, g;
	uint64_t n = 0;
	int status = 0;

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		kill_child(f->path);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	s = open_store(f, false);
	assert_int_equal(store_lease_foreach(s, count_cb, &n), 0);
	assert_true(n == KILL_TX * KILL_PER_TX);
	for (uint32_t i = 0; i < KILL_TX * KILL_PER_TX; i += 37) {
		make_lease(i, &l);
		l.seq = i + 1;
		assert_int_equal(store_lease_get(s, &l.addr, &g), 0);
		assert_lease_equal(&l, &g);
	}
	make_addr(KILL_TX * KILL_PER_TX, &l.addr);
	assert_int_equal(store_lease_get(s, &l.addr, &g), -ENOENT);
	make_lease(999999, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == KILL_TX * KILL_PER_TX + 1);
	store_close(s);
}

struct sum {
	uint64_t n;
	uint64_t iaid_sum;
	int stop_at;
};

static int sum_cb(const struct lease *l, void *arg)
{
	struct sum *m = arg;
	if (m->stop_at && m->n == (uint64_t)m->stop_at)
		return -EINTR;
	m->n++;
	m->iaid_sum += l->iaid & 0x7fffffffu;
	return 0;
}

static void test_foreach_many(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	const char *env = getenv("DS46_TEST_FOREACH_N");
	uint32_t total = env ? (uint32_t)strtoul(env, NULL, 10) : 100000;
	struct sum m = { 0 };
	struct lease l;
	uint64_t n = 0, want = 0;

	assert_true(total > 10);
	assert_int_equal(store_begin(s), 0);
	for (uint32_t i = 0; i < total; i++) {
		make_lease(i, &l);
		assert_int_equal(store_lease_put(s, &l), 0);
		want += i;
	}
	assert_int_equal(store_commit(s), 0);

	assert_int_equal(store_lease_foreach(s, sum_cb, &m), 0);
	assert_true(m.n == total);
	assert_true(m.iaid_sum == want);     /* each lease exactly once */
	assert_int_equal(store_lease_count(s, &n), 0);
	assert_true(n == total);

	/* the callback's error stops the walk and is returned as is */
	memset(&m, 0, sizeof(m));
	m.stop_at = 10;
	assert_int_equal(store_lease_foreach(s, sum_cb, &m), -EINTR);
	assert_true(m.n == 10);
	/* and the statement was reset: a new walk sees everything */
	memset(&m, 0, sizeof(m));
	assert_int_equal(store_lease_foreach(s, sum_cb, &m), 0);
	assert_true(m.n == total);
	store_close(s);
}


/* deferred_sync: commits return without fsync; store_sync() from another
 * thread, concurrently with the writer, makes them durable.  The handle
 * keeps the WAL open; after a reopen every synced lease is there. */
struct syncer {
	struct store *s;
	volatile int stop;
	int calls, errors;
};

static void *syncer_run(void *arg)
{
	struct syncer *y = arg;
	/* at least once, even when the writer finished before this thread
	 * was first scheduled (a loaded machine) */
	do {
		if (store_sync(y->s) < 0)
			y->errors++;
		y->calls++;
	} while (!y->stop);
	return NULL;
}

static void test_deferred_sync(void **state)
{
	struct fx *f = *state;
	struct store_opts o = { .path = f->path, .deferred_sync = true };
	struct store *s = NULL;
	struct syncer y = { 0 };
	pthread_t t;
	char wal[512];
	uint64_t n = 0;

	assert_int_equal(store_open(&o, &s), 0);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(access(wal, F_OK), 0);
	y.s = s;
	assert_int_equal(pthread_create(&t, NULL, syncer_run, &y), 0);
	for (uint32_t b = 0; b < 50; b++) {
		assert_int_equal(store_begin(s), 0);
		for (uint32_t i = 0; i < 20; i++) {
			struct lease l;
			make_lease(b * 20 + i, &l);
			assert_int_equal(store_lease_put(s, &l), 0);
		}
		assert_int_equal(store_commit(s), 0);
	}
	y.stop = 1;
	pthread_join(t, NULL);
	assert_int_equal(y.errors, 0);
	assert_true(y.calls > 0);
	assert_int_equal(store_sync(s), 0);
	store_close(s);

	s = open_store(f, false);
	assert_int_equal(store_lease_count(s, &n), 0);
	assert_true(n == 1000);
	assert_int_equal(store_sync(s), 0);   /* no deferred sync: nothing to do */
	store_close(s);
}

/* One writer per store: a second writer is refused while the first holds
 * the lock; readers are not; the lock goes with the first writer. */
static void test_single_writer(void **state)
{
	struct fx *f = *state;
	struct store_opts o = { .path = f->path };
	struct store *w1 = open_store(f, false), *w2 = NULL, *rd = NULL;
	assert_int_equal(store_open(&o, &w2), -EBUSY);
	assert_null(w2);
	rd = open_store(f, true);
	store_close(rd);
	store_close(w1);
	assert_int_equal(store_open(&o, &w2), 0);
	store_close(w2);
}

/* ---- Mobile IPv4 bindings ---------------------------------------------- */

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void make_binding(const char *home, const char *coa, struct mip_binding *b)
{
	memset(b, 0, sizeof(*b));
	b->home_addr = ip4(home);
	b->coa = ip4(coa);
	b->home_agent = ip4("192.0.2.1");
	b->src_addr = b->coa;
	b->src_port = 434;
	b->flags = 0x02;                     /* T */
	b->encap = ENCAP4_IPIP;
	b->registered = 1700000000;
	b->expires = 1700000600;
	b->id = 0x1234;
}

static void assert_binding_equal(const struct mip_binding *a, const struct mip_binding *b)
{
	assert_int_equal(a->home_addr, b->home_addr);
	assert_int_equal(a->coa, b->coa);
	assert_int_equal(a->home_agent, b->home_agent);
	assert_int_equal(a->src_addr, b->src_addr);
	assert_int_equal(a->src_port, b->src_port);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->encap, b->encap);
	assert_int_equal(a->v6_mode, b->v6_mode);
	assert_int_equal(a->udp_tunnel, b->udp_tunnel);
	assert_int_equal(a->udp_keepalive, b->udp_keepalive);
	assert_int_equal(a->n_prefix, b->n_prefix);
	for (int i = 0; i < a->n_prefix; i++) {
		assert_memory_equal(&a->prefix[i].prefix, &b->prefix[i].prefix, 16);
		assert_int_equal(a->prefix[i].plen, b->prefix[i].plen);
	}
	assert_string_equal(a->nai, b->nai);
	assert_true(a->id == b->id);
	assert_true(a->registered == b->registered);
	assert_true(a->expires == b->expires);
	assert_true(a->seq == b->seq);
}

#define MAX_MIP 16
struct mip_list {
	int n;
	int stop_after;              /* 0 = never */
	struct mip_binding b[MAX_MIP];
};

static int collect_mip(const struct mip_binding *b, void *arg)
{
	struct mip_list *m = arg;
	if (m->stop_after && m->n == m->stop_after)
		return -ECANCELED;
	if (m->n == MAX_MIP)
		return -E2BIG;
	m->b[m->n++] = *b;
	return 0;
}

static void test_mip_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_binding a, m, bad;
	struct mip_list got = { 0 };
	struct lease l;
	uint64_t n = 9;

	/* every field set, extreme values where the type allows */
	memset(&a, 0, sizeof(a));
	a.home_addr = ip4("198.51.100.7");
	a.coa = ip4("203.0.113.200");
	a.home_agent = ip4("198.51.100.1");
	a.src_addr = ip4("255.255.255.254");         /* a NAT in front of the MN */
	a.src_port = 65535;
	a.udp_tunnel = true;                         /* RFC 3519 via that NAT */
	a.udp_keepalive = 65535;
	a.flags = 0xff;
	a.encap = ENCAP4_GRE;
	a.v6_mode = MIP_V6_TO_COA;
	a.n_prefix = MIP4_MAX_PREFIXES;
	for (int i = 0; i < MIP4_MAX_PREFIXES; i++) {
		memset(&a.prefix[i].prefix, 0, 16);
		a.prefix[i].prefix.s6_addr[0] = 0x20;
		a.prefix[i].prefix.s6_addr[1] = 0x01;
		a.prefix[i].prefix.s6_addr[2] = 0x0d;
		a.prefix[i].prefix.s6_addr[3] = 0xb8;
		a.prefix[i].prefix.s6_addr[7] = (uint8_t)i;
		a.prefix[i].plen = 64;
	}
	a.prefix[0].plen = 0;
	memset(&a.prefix[0].prefix, 0, 16);
	memset(&a.prefix[1].prefix, 0xff, 16);
	a.prefix[1].plen = 128;
	inet_pton(AF_INET6, "fe80::2", &a.prefix[15].prefix);
	a.prefix[15].plen = MIP4_V6_PLEN_LINK_LOCAL;
	for (int i = 0; i < MIP4_NAI_MAX; i++)
		a.nai[i] = (char)('!' + i % 94);     /* printable, no NUL */
	assert_int_equal(strlen(a.nai), MIP4_NAI_MAX);
	a.id = 0xfedcba9876543210ull;                /* above INT64_MAX */
	a.registered = -1;                           /* int64 sign survives */
	a.expires = INT64_MAX;                       /* lifetime 0xffff */
	a.seq = 999;                                 /* set by the store */
	assert_int_equal(store_mip_binding_put(s, &a), 0);
	assert_true(a.seq == 1);

	/* every optional field absent */
	make_binding("198.51.100.8", "203.0.113.1", &m);
	memset(&m.prefix[3], 0xee, sizeof(m.prefix[3]));     /* beyond n_prefix */
	assert_int_equal(store_mip_binding_put(s, &m), 0);
	assert_true(m.seq == 2);
	/* the lease counter is shared */
	make_lease(1, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == 3);

	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&a, &got.b[0]);
	assert_binding_equal(&m, &got.b[1]);
	assert_int_equal(got.b[1].n_prefix, 0);
	assert_string_equal(got.b[1].nai, "");
	assert_int_equal(got.b[1].prefix[3].plen, 0);        /* not stored */
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 2);

	/* invalid input is refused before it reaches the database */
	assert_int_equal(store_mip_binding_put(s, NULL), -EINVAL);
	bad = m;
	bad.coa = 0;                                 /* "all" to _del */
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	bad = m;
	bad.n_prefix = MIP4_MAX_PREFIXES + 1;
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	bad = m;
	bad.n_prefix = 1;
	bad.prefix[0].plen = 129;
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	bad.prefix[0].plen = 254;
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	bad = m;
	bad.v6_mode = MIP_V6_TO_COA + 1;
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	bad = m;
	memset(bad.nai, 'x', sizeof(bad.nai));       /* no NUL */
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	bad = m;
	bad.udp_tunnel = true;                       /* no endpoint */
	bad.src_port = 0;
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	bad = m;
	bad.udp_tunnel = true;
	bad.src_addr = 0;
	assert_int_equal(store_mip_binding_put(s, &bad), -EINVAL);
	assert_int_equal(store_mip_binding_foreach(s, NULL, NULL), -EINVAL);
	assert_int_equal(store_mip_binding_count(s, NULL), -EINVAL);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 2);
	store_close(s);
}

static void test_mip_replace(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_binding b;
	struct mip_list got = { 0 };
	uint64_t n = 0, first;

	make_binding("10.1.0.5", "172.16.0.9", &b);
	b.v6_mode = MIP_V6_TO_HOA;
	b.n_prefix = 2;
	inet_pton(AF_INET6, "2001:db8:5::", &b.prefix[0].prefix);
	b.prefix[0].plen = 48;
	inet_pton(AF_INET6, "2001:db8:6::", &b.prefix[1].prefix);
	b.prefix[1].plen = 64;
	strcpy(b.nai, "mn1@example.net");
	assert_int_equal(store_mip_binding_put(s, &b), 0);
	first = b.seq;

	/* a re-registration: same key, every other field new, fewer prefixes */
	b.home_agent = ip4("10.1.0.2");
	b.src_addr = ip4("100.64.0.1");
	b.src_port = 4434;
	b.flags = 0x80;
	b.encap = ENCAP4_MINIMAL;
	b.v6_mode = MIP_V6_NONE;
	b.n_prefix = 1;
	strcpy(b.nai, "mn2@example.net");
	b.id++;
	b.registered += 300;
	b.expires = INT64_MAX;
	assert_int_equal(store_mip_binding_put(s, &b), 0);
	assert_true(b.seq == first + 1);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 1);
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 1);
	assert_binding_equal(&b, &got.b[0]);
	store_close(s);
}

/* RFC 5944 3.6.1.2: with the S bit a home address has several care-of
 * addresses; one is deregistered by its coa, all by coa = home address
 * (the caller passes coa 0). */
static void test_mip_simultaneous(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_binding h1a, h1b, h2a;
	struct mip_list got = { 0 };
	uint64_t n = 0;

	make_binding("10.0.0.1", "192.0.2.10", &h1a);
	h1a.flags = 0x80;                            /* S */
	make_binding("10.0.0.1", "192.0.2.20", &h1b);
	h1b.flags = 0x80;
	h1b.encap = ENCAP4_GRE;
	make_binding("10.0.0.2", "192.0.2.10", &h2a);   /* same coa, other MN */
	assert_int_equal(store_mip_binding_put(s, &h1a), 0);
	assert_int_equal(store_mip_binding_put(s, &h1b), 0);
	assert_int_equal(store_mip_binding_put(s, &h2a), 0);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 3);

	/* one care-of address */
	assert_int_equal(store_mip_binding_del(s, h1a.home_addr, h1a.coa), 0);
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&h1b, &got.b[0]);
	assert_binding_equal(&h2a, &got.b[1]);
	/* gone already, or never there: 0 */
	assert_int_equal(store_mip_binding_del(s, h1a.home_addr, h1a.coa), 0);
	assert_int_equal(store_mip_binding_del(s, ip4("10.9.9.9"), 0), 0);

	/* all of a home address, the other home address untouched */
	assert_int_equal(store_mip_binding_put(s, &h1a), 0);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 3);
	assert_int_equal(store_mip_binding_del(s, h1a.home_addr, 0), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 1);
	assert_binding_equal(&h2a, &got.b[0]);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 1);
	store_close(s);
}

/* Order is by address value, not by the in-memory (network order) word:
 * on a little-endian host 2.0.0.1 is the smaller uint32. */
static void test_mip_order_stop(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	static const char *const order[][2] = {
		{ "1.0.0.2", "9.0.0.1" },
		{ "1.0.0.2", "10.0.0.1" },
		{ "1.0.0.2", "255.255.255.255" },
		{ "2.0.0.1", "1.0.0.1" },
		{ "128.0.0.1", "1.0.0.1" },
		{ "255.255.255.255", "128.0.0.0" },
	};
	const int put_order[] = { 5, 3, 1, 4, 0, 2 };
	struct mip_binding b[6];
	struct mip_list got = { 0 };
	uint64_t n = 0;

	for (int k = 0; k < 6; k++) {
		int i = put_order[k];
		make_binding(order[i][0], order[i][1], &b[i]);
		b[i].id = (uint64_t)i;
		assert_int_equal(store_mip_binding_put(s, &b[i]), 0);
	}
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 6);
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 6);
	for (int i = 0; i < 6; i++)
		assert_binding_equal(&b[i], &got.b[i]);

	/* the callback's error stops the walk and is returned as is */
	memset(&got, 0, sizeof(got));
	got.stop_after = 2;
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), -ECANCELED);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&b[1], &got.b[1]);
	/* and the statement was reset: a new walk sees everything */
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 6);

	/* empty */
	for (int i = 0; i < 6; i++)
		assert_int_equal(store_mip_binding_del(s, b[i].home_addr, 0), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 0);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 0);
	store_close(s);
}

static void test_mip_transactions(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_binding a, b;
	struct mip_list got = { 0 };

	make_binding("10.0.0.1", "192.0.2.10", &a);
	make_binding("10.0.0.2", "192.0.2.10", &b);

	/* rollback discards a put; the transaction sees its own write */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_mip_binding_put(s, &a), 0);
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(store_rollback(s), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 0);

	/* commit keeps puts, with leases in the same transaction */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_mip_binding_put(s, &a), 0);
	assert_int_equal(store_mip_binding_put(s, &b), 0);
	assert_int_equal(store_commit(s), 0);

	/* rollback discards a delete of all */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_mip_binding_del(s, a.home_addr, 0), 0);
	assert_int_equal(store_mip_binding_del(s, b.home_addr, b.coa), 0);
	assert_int_equal(store_rollback(s), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&a, &got.b[0]);
	assert_binding_equal(&b, &got.b[1]);
	store_close(s);
}

static void test_mip_reopen(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_binding a, b;
	struct mip_list got = { 0 };
	struct lease l;

	make_lease(1, &l);
	assert_int_equal(store_lease_put(s, &l), 0);          /* 1 */
	make_binding("10.0.0.1", "192.0.2.10", &a);
	a.v6_mode = MIP_V6_TO_HOA;
	a.n_prefix = 1;
	inet_pton(AF_INET6, "2001:db8:a::", &a.prefix[0].prefix);
	a.prefix[0].plen = 64;
	strcpy(a.nai, "a@example.org");
	a.expires = INT64_MAX;
	assert_int_equal(store_mip_binding_put(s, &a), 0);    /* 2 */
	make_binding("10.0.0.2", "192.0.2.11", &b);
	assert_int_equal(store_mip_binding_put(s, &b), 0);    /* 3 */
	store_close(s);

	s = open_store(f, false);
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&a, &got.b[0]);
	assert_binding_equal(&b, &got.b[1]);
	/* the highest seq was a binding's: the counter goes on above it */
	make_lease(2, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == 4);
	store_close(s);
}

static void test_mip_readonly(void **state)
{
	struct fx *f = *state;
	struct store *w = open_store(f, false), *r;
	struct mip_binding a, b;
	struct mip_list got = { 0 };
	uint64_t n = 0;

	make_binding("10.0.0.1", "192.0.2.10", &a);
	make_binding("10.0.0.2", "192.0.2.10", &b);
	assert_int_equal(store_mip_binding_put(w, &a), 0);
	r = open_store(f, true);
	assert_int_equal(store_mip_binding_put(r, &b), -EROFS);
	assert_int_equal(store_mip_binding_put(r, &a), -EROFS);
	assert_int_equal(store_mip_binding_del(r, a.home_addr, a.coa), -EROFS);
	assert_int_equal(store_mip_binding_del(r, a.home_addr, 0), -EROFS);
	assert_int_equal(store_mip_binding_count(r, &n), 0);
	assert_true(n == 1);
	/* committed writes of the writer are visible */
	assert_int_equal(store_mip_binding_put(w, &b), 0);
	assert_int_equal(store_mip_binding_foreach(r, collect_mip, &got), 0);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&a, &got.b[0]);
	assert_binding_equal(&b, &got.b[1]);
	store_close(r);
	store_close(w);
}

/* Schema version 1 exactly as the DSTM server wrote it before bindings. */
static const char schema_v1_ddl[] =
	"PRAGMA journal_mode = WAL;"
	"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, val BLOB NOT NULL)"
	"  WITHOUT ROWID;"
	"CREATE TABLE store_state (key TEXT PRIMARY KEY NOT NULL,"
	"  val INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE leases (addr BLOB PRIMARY KEY NOT NULL, kind INTEGER NOT NULL,"
	"  state INTEGER NOT NULL, duid BLOB NOT NULL, iaid INTEGER NOT NULL,"
	"  client_addr BLOB NOT NULL, has_relay INTEGER NOT NULL, relay_addr BLOB,"
	"  relay_link BLOB, has_tep INTEGER NOT NULL, tep BLOB,"
	"  preferred INTEGER NOT NULL, valid INTEGER NOT NULL, cltt INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL, reconf_key BLOB, replay INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL, pool TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX leases_seq ON leases (seq);"
	"CREATE TABLE tombstones (addr BLOB PRIMARY KEY NOT NULL,"
	"  seq INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX tombstones_seq ON tombstones (seq);"
	"PRAGMA user_version = 1;"
	/* ::ffff:10.0.0.5, DUID-LL, TEP 2001:db8:7e9::1, seq 5 */
	"INSERT INTO leases VALUES (X'00000000000000000000ffff0a000005', 4, 1,"
	"  X'0003000102005e100001', 77, X'20010db8ffff00000000000000000042', 0,"
	"  NULL, NULL, 1, X'20010db807e900000000000000000001', 3600, 7200,"
	"  1700000000, 1700007200, NULL, 9, 5, 'dstm');"
	/* a deletion at seq 7 */
	"INSERT INTO tombstones VALUES (X'00000000000000000000ffff0a000006', 7);"
	"INSERT INTO meta VALUES ('server-duid', X'0001');";

static int user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void assert_v1_lease(struct store *s)
{
	struct lease l, g;

	memset(&l, 0, sizeof(l));
	inet_pton(AF_INET6, "::ffff:10.0.0.5", &l.addr);
	l.kind = LEASE_KIND_V4;
	l.state = LEASE_STATE_BOUND;
	l.duid.len = 10;
	memcpy(l.duid.data, "\x00\x03\x00\x01\x02\x00\x5e\x10\x00\x01", 10);
	l.iaid = 77;
	inet_pton(AF_INET6, "2001:db8:ffff::42", &l.client_addr);
	l.has_tep = true;
	inet_pton(AF_INET6, "2001:db8:7e9::1", &l.tep);
	l.preferred = 3600;
	l.valid = 7200;
	l.cltt = 1700000000;
	l.expires = 1700007200;
	l.replay = 9;
	l.seq = 5;
	strcpy(l.pool, "dstm");
	assert_int_equal(store_lease_get(s, &l.addr, &g), 0);
	assert_lease_equal(&l, &g);
}

static void test_mip_migrate_v1(void **state)
{
	struct fx *f = *state;
	struct store *s, *r;
	struct mip_binding b;
	struct mip_list got = { 0 };
	struct changes ch = { 0 };
	struct lease l;
	sqlite3 *db;
	uint64_t n = 9, last = 0;
	uint8_t v[4];

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema_v1_ddl, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* a reader does not upgrade: leases as before, no bindings */
	r = open_store(f, true);
	assert_v1_lease(r);
	assert_int_equal(store_mip_binding_count(r, &n), 0);
	assert_true(n == 0);
	assert_int_equal(store_mip_binding_foreach(r, collect_mip, &got), 0);
	assert_int_equal(got.n, 0);
	store_close(r);
	assert_int_equal(user_version(f->path), 1);

	/* the writer does, and keeps leases, tombstones, meta and the counter */
	s = open_store(f, false);
	assert_int_equal(user_version(f->path), 4);
	assert_v1_lease(s);
	assert_int_equal(store_lease_count(s, &n), 0);
	assert_true(n == 1);
	assert_int_equal(store_meta_get(s, "server-duid", v, sizeof(v), NULL), 0);
	assert_int_equal(store_lease_changes(s, 5, &last, collect_change, &ch), 0);
	assert_int_equal(ch.n, 1);
	assert_true(ch.deleted[0] && ch.seq[0] == 7);
	make_binding("10.0.0.1", "192.0.2.10", &b);
	assert_int_equal(store_mip_binding_put(s, &b), 0);
	assert_true(b.seq == 8);
	make_lease(2, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == 9);
	store_close(s);

	/* upgraded once: a second open changes nothing */
	s = open_store(f, false);
	assert_int_equal(user_version(f->path), 4);
	store_close(s);
	r = open_store(f, true);
	assert_v1_lease(r);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(r, collect_mip, &got), 0);
	assert_int_equal(got.n, 1);
	assert_binding_equal(&b, &got.b[0]);
	store_close(r);
}

/* Rows written behind the store's back: each malformed one is skipped with
 * a log line, the others are returned. */
static void test_mip_corrupt_row(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_binding a, b;
	struct mip_list got = { 0 };
	sqlite3 *db;
	uint64_t n = 0;

	make_binding("10.0.0.1", "192.0.2.10", &a);
	a.n_prefix = 1;
	inet_pton(AF_INET6, "2001:db8:1::", &a.prefix[0].prefix);
	a.prefix[0].plen = 48;
	make_binding("10.0.0.9", "192.0.2.10", &b);
	assert_int_equal(store_mip_binding_put(s, &a), 0);
	assert_int_equal(store_mip_binding_put(s, &b), 0);
	store_close(s);

#define ROWU(home, coa, v6, pfx, nai, udp, sport)                               \
	"INSERT INTO mip_binding VALUES (" home ", " coa ", 1, 1, " sport ", 0, "\
	"1, " v6 ", " pfx ", " nai ", 1, 1, 2, 100, " udp ", 110);"
#define ROW(home, coa, v6, pfx, nai) ROWU(home, coa, v6, pfx, nai, "0", "434")
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		/* 10.0.0.2 .. 10.0.0.10, around the good ones */
		ROW("167772162", "1", "0", "zeroblob(18)", "''")  /* not n * 17 */
		ROW("167772163", "1", "0", "zeroblob(289)", "''") /* 17 prefixes */
		ROW("167772164", "1", "0",                         /* plen 129 */
		    "X'20010db800000000000000000000000081'", "''")
		ROW("167772165", "1", "0", "X''",                  /* 256 octets */
		    "substr(hex(zeroblob(128)), 1, 256)")
		ROW("167772166", "1", "3", "X''", "''")            /* v6_mode */
		ROW("167772167", "0", "0", "X''", "''")            /* coa 0 */
		ROW("167772168", "4294967296", "0", "X''", "''")   /* > 32 bits */
		ROW("167772169", "1", "0", "'text'", "''")         /* not a blob */
		ROW("167772170", "1", "0", "X''",                  /* NUL in NAI */
		    "CAST(X'610062' AS TEXT)")
		ROWU("167772171", "1", "0", "X''", "''", "2", "434") /* udp_tunnel */
		ROWU("167772172", "1", "0", "X''", "''", "1", "0"),  /* no port */
		NULL, NULL, NULL), SQLITE_OK);
#undef ROW
#undef ROWU
	sqlite3_close(db);

	s = open_store(f, false);
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&a, &got.b[0]);
	assert_binding_equal(&b, &got.b[1]);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 13);                /* count is of rows */
	/* the bad rows can be replaced and deleted like any other */
	assert_int_equal(store_mip_binding_del(s, ip4("10.0.0.2"), 0), 0);
	make_binding("10.0.0.3", "0.0.0.1", &a);
	assert_int_equal(store_mip_binding_put(s, &a), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 3);
	assert_binding_equal(&a, &got.b[1]);
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 12);
	store_close(s);
}

/* A version 2 store (bindings without the RFC 3519 columns): a reader sees
 * no bindings, the writer adds the columns (udp_tunnel 0) and keeps the
 * rows; a UDP-tunnelled binding then survives a reopen (kill -9 safe: it
 * is one committed row). */
static void test_mip_migrate_v2(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false), *r;
	struct mip_binding a, u;
	struct mip_list got = { 0 };
	sqlite3 *db;

	make_binding("10.0.0.1", "192.0.2.10", &a);
	assert_int_equal(store_mip_binding_put(s, &a), 0);
	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"ALTER TABLE mip_binding DROP COLUMN udp_tunnel;"
		"ALTER TABLE mip_binding DROP COLUMN udp_keepalive;"
		"DROP TABLE mip_visitor;"
		"PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	r = open_store(f, true);
	assert_int_equal(store_mip_binding_foreach(r, collect_mip, &got), 0);
	assert_int_equal(got.n, 0);
	store_close(r);
	assert_int_equal(user_version(f->path), 2);

	s = open_store(f, false);
	assert_int_equal(user_version(f->path), 4);
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &got), 0);
	assert_int_equal(got.n, 1);
	assert_binding_equal(&a, &got.b[0]);
	assert_false(got.b[0].udp_tunnel);
	make_binding("10.0.0.2", "192.168.1.20", &u);     /* private coa */
	u.src_addr = ip4("198.51.100.99");                /* the NAT */
	u.src_port = 40001;
	u.udp_tunnel = true;
	u.udp_keepalive = 110;
	assert_int_equal(store_mip_binding_put(s, &u), 0);
	store_close(s);

	r = open_store(f, true);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_binding_foreach(r, collect_mip, &got), 0);
	assert_int_equal(got.n, 2);
	assert_binding_equal(&u, &got.b[1]);
	assert_true(got.b[1].udp_tunnel);
	assert_int_equal(got.b[1].src_port, 40001);
	assert_int_equal(got.b[1].udp_keepalive, 110);
	store_close(r);
}

/* ---- Mobile IPv4 foreign agent visitors ------------------------------- */

static void make_visitor(const char *home, struct mip_visitor *v)
{
	memset(v, 0, sizeof(*v));
	v->home_addr = ip4(home);
	v->home_agent = ip4("198.51.100.1");
	v->coa = ip4("192.0.2.1");
	v->src_addr = v->home_addr;
	v->dst_addr = ip4("192.0.2.1");
	v->agent_addr = ip4("192.0.2.1");
	v->src_port = 434;
	strcpy(v->ifname, "eth1");
	v->lladdr_len = 6;
	memcpy(v->lladdr, "\x02\x00\x5e\x00\x00\x01", 6);
	v->flags = 0x02;                     /* T */
	v->lifetime = 600;
	v->id = 0x4321;
	v->registered = 1700000000;
	v->expires = 1700000600;
}

static void assert_visitor_equal(const struct mip_visitor *a, const struct mip_visitor *b)
{
	assert_int_equal(a->home_addr, b->home_addr);
	assert_int_equal(a->home_agent, b->home_agent);
	assert_int_equal(a->coa, b->coa);
	assert_int_equal(a->src_addr, b->src_addr);
	assert_int_equal(a->dst_addr, b->dst_addr);
	assert_int_equal(a->agent_addr, b->agent_addr);
	assert_int_equal(a->src_port, b->src_port);
	assert_string_equal(a->ifname, b->ifname);
	assert_int_equal(a->lladdr_len, b->lladdr_len);
	if (a->lladdr_len)
		assert_memory_equal(a->lladdr, b->lladdr, a->lladdr_len);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->tunnel_mode, b->tunnel_mode);
	assert_int_equal(a->encap_delivery, b->encap_delivery);
	assert_int_equal(a->v6, b->v6);
	assert_int_equal(a->lifetime, b->lifetime);
	assert_int_equal(a->n_prefix, b->n_prefix);
	for (int i = 0; i < a->n_prefix; i++) {
		assert_memory_equal(&a->prefix[i].prefix, &b->prefix[i].prefix, 16);
		assert_int_equal(a->prefix[i].plen, b->prefix[i].plen);
	}
	assert_int_equal(a->nai_len, b->nai_len);
	if (a->nai_len)
		assert_memory_equal(a->nai, b->nai, a->nai_len);
	assert_true(a->id == b->id);
	assert_true(a->registered == b->registered);
	assert_true(a->expires == b->expires);
	assert_true(a->seq == b->seq);
}

/* Nothing beyond the lengths comes back: a reader can compare whole
 * arrays. */
static void assert_visitor_tail_clear(const struct mip_visitor *v)
{
	for (size_t i = v->lladdr_len; i < sizeof(v->lladdr); i++)
		assert_int_equal(v->lladdr[i], 0);
	for (size_t i = v->nai_len; i < sizeof(v->nai); i++)
		assert_int_equal(v->nai[i], 0);
	for (size_t i = strlen(v->ifname); i < sizeof(v->ifname); i++)
		assert_int_equal(v->ifname[i], 0);
	for (int i = v->n_prefix; i < MIP4_MAX_PREFIXES; i++)
		assert_int_equal(v->prefix[i].plen, 0);
}

struct fa_list {
	int n;
	int stop_after;              /* 0 = never */
	struct mip_visitor v[MAX_MIP];
};

static int collect_fa(const struct mip_visitor *v, void *arg)
{
	struct fa_list *m = arg;
	if (m->stop_after && m->n == m->stop_after)
		return -ECANCELED;
	if (m->n == MAX_MIP)
		return -E2BIG;
	m->v[m->n++] = *v;
	return 0;
}

static void test_fa_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_visitor a, m;
	struct mip_binding b;
	struct fa_list got = { 0 };
	struct lease l;
	uint64_t n = 9;

	/* every field set, extreme values where the type allows */
	memset(&a, 0, sizeof(a));
	a.home_addr = ip4("255.255.255.255");
	a.home_agent = ip4("198.51.100.1");
	a.coa = ip4("203.0.113.200");
	a.src_addr = ip4("255.255.255.254");
	a.dst_addr = ip4("224.0.0.11");              /* mobility agents group */
	a.agent_addr = ip4("203.0.113.201");
	a.src_port = 65535;
	memset(a.ifname, 'i', MIP_VISITOR_IFNAME_MAX - 1);  /* 15 + NUL */
	a.lladdr_len = MIP_VISITOR_LLADDR_MAX;
	for (int i = 0; i < MIP_VISITOR_LLADDR_MAX; i++)
		a.lladdr[i] = (uint8_t)(0xf0 + i);
	a.flags = 0xff;
	a.tunnel_mode = true;
	a.encap_delivery = true;
	a.v6 = 2;
	a.lifetime = 65535;
	a.n_prefix = MIP4_MAX_PREFIXES;
	for (int i = 0; i < MIP4_MAX_PREFIXES; i++) {
		inet_pton(AF_INET6, "2001:db8::", &a.prefix[i].prefix);
		a.prefix[i].prefix.s6_addr[7] = (uint8_t)i;
		a.prefix[i].plen = 64;
	}
	memset(&a.prefix[0].prefix, 0, 16);
	a.prefix[0].plen = 0;
	memset(&a.prefix[1].prefix, 0xff, 16);
	a.prefix[1].plen = 128;
	inet_pton(AF_INET6, "fe80::2", &a.prefix[15].prefix);
	a.prefix[15].plen = MIP4_V6_PLEN_LINK_LOCAL;
	a.nai_len = MIP4_NAI_MAX;
	for (int i = 0; i < MIP4_NAI_MAX; i++)
		a.nai[i] = (uint8_t)i;               /* NUL included: bytes */
	a.id = 0xfedcba9876543210ull;                /* above INT64_MAX */
	a.registered = -1;
	a.expires = INT64_MAX;
	a.seq = 999;                                 /* set by the store */

	/* the seq counter is shared with leases and bindings */
	make_lease(1, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == 1);
	assert_int_equal(store_mip_visitor_put(s, &a), 0);
	assert_true(a.seq == 2);
	make_binding("10.0.0.1", "192.0.2.10", &b);
	assert_int_equal(store_mip_binding_put(s, &b), 0);
	assert_true(b.seq == 3);

	/* every optional field absent; junk beyond the lengths not stored */
	make_visitor("10.0.0.1", &m);
	m.lladdr_len = 0;
	memset(m.lladdr, 0xee, sizeof(m.lladdr));
	memset(&m.prefix[3], 0xee, sizeof(m.prefix[3]));
	memset(m.nai, 0xee, sizeof(m.nai));
	assert_int_equal(store_mip_visitor_put(s, &m), 0);
	assert_true(m.seq == 4);

	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 2);
	assert_visitor_equal(&m, &got.v[0]);         /* 10.0.0.1 first */
	assert_visitor_equal(&a, &got.v[1]);
	assert_true(got.v[0].seq > 0 && got.v[1].seq > 0);
	assert_int_equal(got.v[1].prefix[15].plen, 255);
	assert_int_equal(got.v[1].nai[0], 0);
	assert_int_equal(got.v[1].nai[254], 254);
	assert_int_equal(got.v[0].lladdr_len, 0);
	assert_int_equal(got.v[0].nai_len, 0);
	assert_int_equal(got.v[0].n_prefix, 0);
	assert_visitor_tail_clear(&got.v[0]);
	assert_visitor_tail_clear(&got.v[1]);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 2);
	/* bindings and visitors are separate tables */
	assert_int_equal(store_mip_binding_count(s, &n), 0);
	assert_true(n == 1);
	store_close(s);
}

/* Every -EINVAL case of store.h; none reaches the database. */
static void test_fa_invalid(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_visitor m, bad;
	struct fa_list got = { 0 };
	uint64_t n = 9;

	make_visitor("10.0.0.1", &m);
	assert_int_equal(store_mip_visitor_put(s, NULL), -EINVAL);
	bad = m;
	bad.home_addr = 0;
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	bad = m;
	bad.lladdr_len = MIP_VISITOR_LLADDR_MAX + 1;
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	bad.lladdr_len = 255;
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	/* nai_len above MIP4_NAI_MAX (255) does not fit its uint8_t */
	bad = m;
	bad.n_prefix = MIP4_MAX_PREFIXES + 1;
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	bad = m;
	bad.n_prefix = 2;
	bad.prefix[0].plen = 64;
	bad.prefix[1].plen = 129;
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	bad.prefix[1].plen = 254;
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	bad = m;
	bad.v6 = 3;
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	bad = m;
	bad.ifname[0] = '\0';                        /* empty */
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	bad = m;
	memset(bad.ifname, 'x', sizeof(bad.ifname)); /* no NUL */
	assert_int_equal(store_mip_visitor_put(s, &bad), -EINVAL);
	assert_int_equal(store_mip_visitor_foreach(s, NULL, NULL), -EINVAL);
	assert_int_equal(store_mip_visitor_count(s, NULL), -EINVAL);

	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 0);
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 0);
	/* the limits themselves are accepted */
	bad = m;
	bad.lladdr_len = MIP_VISITOR_LLADDR_MAX;
	bad.v6 = 2;
	bad.n_prefix = 1;
	bad.prefix[0].plen = 128;
	assert_int_equal(store_mip_visitor_put(s, &bad), 0);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 1);
	store_close(s);
}

static void test_fa_replace_del(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_visitor a, b;
	struct fa_list got = { 0 };
	uint64_t n = 0, first;

	make_visitor("10.1.0.5", &a);
	a.n_prefix = 2;
	inet_pton(AF_INET6, "2001:db8:5::", &a.prefix[0].prefix);
	a.prefix[0].plen = 48;
	inet_pton(AF_INET6, "fe80::5", &a.prefix[1].prefix);
	a.prefix[1].plen = MIP4_V6_PLEN_LINK_LOCAL;
	a.v6 = 1;
	a.nai_len = 15;
	memcpy(a.nai, "mn1@example.net", 15);
	assert_int_equal(store_mip_visitor_put(s, &a), 0);
	first = a.seq;
	make_visitor("10.1.0.6", &b);
	assert_int_equal(store_mip_visitor_put(s, &b), 0);

	/* a re-registration: same key, every other field new, shorter */
	a.home_agent = ip4("10.1.0.2");
	a.coa = ip4("192.0.2.77");
	a.src_addr = ip4("100.64.0.1");
	a.dst_addr = ip4("192.0.2.77");
	a.agent_addr = ip4("192.0.2.78");
	a.src_port = 4434;
	strcpy(a.ifname, "wlan0");
	a.lladdr_len = 2;
	a.flags = 0x80;
	a.tunnel_mode = true;
	a.encap_delivery = true;
	a.v6 = 0;
	a.lifetime = 30;
	a.n_prefix = 1;
	a.nai_len = 3;
	memcpy(a.nai, "x@y", 3);
	a.id++;
	a.registered += 300;
	a.expires = INT64_MAX;
	assert_int_equal(store_mip_visitor_put(s, &a), 0);
	assert_true(a.seq > first && a.seq > b.seq);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 2);
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 2);
	assert_visitor_equal(&a, &got.v[0]);
	assert_visitor_equal(&b, &got.v[1]);
	assert_visitor_tail_clear(&got.v[0]);

	/* delete one; again, and a key never stored: 0 */
	assert_int_equal(store_mip_visitor_del(s, a.home_addr), 0);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 1);
	assert_int_equal(store_mip_visitor_del(s, a.home_addr), 0);
	assert_int_equal(store_mip_visitor_del(s, ip4("10.9.9.9")), 0);
	assert_int_equal(store_mip_visitor_del(s, 0), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 1);
	assert_visitor_equal(&b, &got.v[0]);
	assert_int_equal(store_mip_visitor_del(s, b.home_addr), 0);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 0);
	store_close(s);
}

/* By address value, not by the network-order word in memory. */
static void test_fa_order_stop(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	static const char *const order[] = {
		"0.0.0.1", "1.0.0.2", "2.0.0.1", "10.0.0.1", "128.0.0.1",
		"255.255.255.255",
	};
	const int put_order[] = { 5, 3, 1, 4, 0, 2 };
	struct mip_visitor v[6];
	struct fa_list got = { 0 };
	uint64_t n = 0;

	for (int k = 0; k < 6; k++) {
		int i = put_order[k];
		make_visitor(order[i], &v[i]);
		v[i].id = (uint64_t)i;
		assert_int_equal(store_mip_visitor_put(s, &v[i]), 0);
	}
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 6);
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 6);
	for (int i = 0; i < 6; i++)
		assert_visitor_equal(&v[i], &got.v[i]);

	/* the callback's error stops the walk and is returned as is */
	memset(&got, 0, sizeof(got));
	got.stop_after = 2;
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), -ECANCELED);
	assert_int_equal(got.n, 2);
	assert_visitor_equal(&v[1], &got.v[1]);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 6);
	store_close(s);
}

static void test_fa_transactions(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_visitor a, b;
	struct fa_list got = { 0 };

	make_visitor("10.0.0.1", &a);
	make_visitor("10.0.0.2", &b);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_mip_visitor_put(s, &a), 0);
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(store_rollback(s), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 0);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_mip_visitor_put(s, &a), 0);
	assert_int_equal(store_mip_visitor_put(s, &b), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_mip_visitor_del(s, a.home_addr), 0);
	assert_int_equal(store_rollback(s), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 2);
	assert_visitor_equal(&a, &got.v[0]);
	assert_visitor_equal(&b, &got.v[1]);
	store_close(s);
}

static void test_fa_readonly(void **state)
{
	struct fx *f = *state;
	struct store *w = open_store(f, false), *r;
	struct mip_visitor a, b;
	struct fa_list got = { 0 };
	uint64_t n = 0;

	make_visitor("10.0.0.1", &a);
	make_visitor("10.0.0.2", &b);
	assert_int_equal(store_mip_visitor_put(w, &a), 0);
	r = open_store(f, true);
	assert_int_equal(store_mip_visitor_put(r, &b), -EROFS);
	assert_int_equal(store_mip_visitor_put(r, &a), -EROFS);
	assert_int_equal(store_mip_visitor_del(r, a.home_addr), -EROFS);
	assert_int_equal(store_mip_visitor_count(r, &n), 0);
	assert_true(n == 1);
	/* committed writes of the writer are visible */
	assert_int_equal(store_mip_visitor_put(w, &b), 0);
	assert_int_equal(store_mip_visitor_foreach(r, collect_fa, &got), 0);
	assert_int_equal(got.n, 2);
	assert_visitor_equal(&a, &got.v[0]);
	assert_visitor_equal(&b, &got.v[1]);
	store_close(r);
	store_close(w);
}

static void test_fa_reopen(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_visitor a, b;
	struct fa_list got = { 0 };
	struct lease l;

	make_lease(1, &l);
	assert_int_equal(store_lease_put(s, &l), 0);          /* 1 */
	make_visitor("10.0.0.1", &a);
	a.n_prefix = 1;
	inet_pton(AF_INET6, "fe80::1", &a.prefix[0].prefix);
	a.prefix[0].plen = MIP4_V6_PLEN_LINK_LOCAL;
	a.nai_len = 13;
	memcpy(a.nai, "a@example.org", 13);
	a.expires = INT64_MAX;
	assert_int_equal(store_mip_visitor_put(s, &a), 0);    /* 2 */
	make_visitor("10.0.0.2", &b);
	assert_int_equal(store_mip_visitor_put(s, &b), 0);    /* 3 */
	assert_true(b.seq == 3);
	store_close(s);

	s = open_store(f, false);
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 2);
	assert_visitor_equal(&a, &got.v[0]);
	assert_visitor_equal(&b, &got.v[1]);
	/* the highest seq was a visitor's: the counter goes on above it */
	make_lease(2, &l);
	assert_int_equal(store_lease_put(s, &l), 0);
	assert_true(l.seq == 4);
	store_close(s);
}

/* Rows written behind the store's back: each malformed one is skipped with
 * a log line, the others are returned; count is of rows. */
static void test_fa_corrupt_row(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false);
	struct mip_visitor a, b;
	struct fa_list got = { 0 };
	sqlite3 *db;
	uint64_t n = 0;

	make_visitor("10.0.0.1", &a);
	make_visitor("10.0.0.99", &b);
	assert_int_equal(store_mip_visitor_put(s, &a), 0);
	assert_int_equal(store_mip_visitor_put(s, &b), 0);
	store_close(s);

#define VROW(home, port, ifn, ll, tm, v6, life, pfx, nai)                       \
	"INSERT INTO mip_visitor VALUES (" home ", 1, 1, 1, 1, 1, " port ", "   \
	ifn ", " ll ", 0, " tm ", 0, " v6 ", " life ", " pfx ", " nai ", 1, 1, "\
	"2, 100);"
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		/* a well-formed row written directly: it is returned */
		VROW("167772163", "434", "'eth0'", "X'00'", "0", "0", "600", "X''", "X''")
		VROW("0", "434", "'e'", "X''", "0", "0", "1", "X''", "X''") /* home 0 */
		VROW("4294967296", "434", "'e'", "X''", "0", "0", "1", "X''", "X''")
		VROW("167772164", "65536", "'e'", "X''", "0", "0", "1", "X''", "X''")
		VROW("167772165", "434", "''", "X''", "0", "0", "1", "X''", "X''")
		VROW("167772166", "434", "'abcdefghijklmnop'",     /* 16 chars */
		     "X''", "0", "0", "1", "X''", "X''")
		VROW("167772167", "434", "CAST(X'650030' AS TEXT)", /* NUL */
		     "X''", "0", "0", "1", "X''", "X''")
		VROW("167772168", "434", "X'6574'",                /* blob */
		     "X''", "0", "0", "1", "X''", "X''")
		VROW("167772169", "434", "'e'", "zeroblob(17)",    /* lladdr */
		     "0", "0", "1", "X''", "X''")
		VROW("167772170", "434", "'e'", "'ab'",            /* not blob */
		     "0", "0", "1", "X''", "X''")
		VROW("167772171", "434", "'e'", "X''", "2",        /* bool */
		     "0", "1", "X''", "X''")
		VROW("167772172", "434", "'e'", "X''", "0", "3",   /* v6 */
		     "1", "X''", "X''")
		VROW("167772173", "434", "'e'", "X''", "0", "0",   /* lifetime */
		     "65536", "X''", "X''")
		VROW("167772174", "434", "'e'", "X''", "0", "0", "1",
		     "zeroblob(18)", "X''")                        /* not n * 17 */
		VROW("167772175", "434", "'e'", "X''", "0", "0", "1",
		     "X'20010db800000000000000000000000081'", "X''") /* plen 129 */
		VROW("167772176", "434", "'e'", "X''", "0", "0", "1",
		     "X''", "zeroblob(256)")                       /* NAI */
		VROW("167772177", "434", "'e'", "X''", "0", "0", "1",
		     "X''", "'nai'"),                              /* not blob */
		NULL, NULL, NULL), SQLITE_OK);
#undef VROW
	sqlite3_close(db);

	s = open_store(f, false);
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 3);
	assert_visitor_equal(&a, &got.v[0]);
	assert_int_equal(got.v[1].home_addr, ip4("10.0.0.3"));
	assert_string_equal(got.v[1].ifname, "eth0");
	assert_int_equal(got.v[1].lladdr_len, 1);
	assert_int_equal(got.v[1].lifetime, 600);
	assert_true(got.v[1].seq == 100);
	assert_visitor_equal(&b, &got.v[2]);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 19);
	/* a bad row can be replaced and deleted like any other */
	make_visitor("10.0.0.4", &a);
	assert_int_equal(store_mip_visitor_put(s, &a), 0);
	assert_true(a.seq > 100);            /* above the rows' seqs */
	assert_int_equal(store_mip_visitor_del(s, ip4("10.0.0.5")), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 4);
	assert_visitor_equal(&a, &got.v[2]);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 18);
	store_close(s);
}

/* A version 3 store (bindings, no visitors): a reader sees no visitors and
 * does not upgrade; the writer adds the table and keeps the bindings. */
static void test_fa_migrate_v3(void **state)
{
	struct fx *f = *state;
	struct store *s = open_store(f, false), *r, *old;
	struct mip_binding b;
	struct mip_visitor v;
	struct mip_list gotb = { 0 };
	struct fa_list got = { 0 };
	sqlite3 *db;
	uint64_t n = 9;

	make_binding("10.0.0.1", "192.0.2.10", &b);
	assert_int_equal(store_mip_binding_put(s, &b), 0);
	assert_true(b.seq == 1);
	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"DROP TABLE mip_visitor;"
		"PRAGMA user_version = 3;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* a reader on the old schema: no visitors, bindings as before */
	old = open_store(f, true);
	assert_int_equal(store_mip_visitor_count(old, &n), 0);
	assert_true(n == 0);
	assert_int_equal(store_mip_visitor_foreach(old, collect_fa, &got), 0);
	assert_int_equal(got.n, 0);
	make_visitor("10.0.0.1", &v);
	assert_int_equal(store_mip_visitor_put(old, &v), -EROFS);
	assert_int_equal(store_mip_visitor_del(old, v.home_addr), -EROFS);
	assert_int_equal(store_mip_binding_foreach(old, collect_mip, &gotb), 0);
	assert_int_equal(gotb.n, 1);
	assert_int_equal(user_version(f->path), 3);

	/* the writer upgrades */
	s = open_store(f, false);
	assert_int_equal(user_version(f->path), 4);
	memset(&gotb, 0, sizeof(gotb));
	assert_int_equal(store_mip_binding_foreach(s, collect_mip, &gotb), 0);
	assert_int_equal(gotb.n, 1);
	assert_binding_equal(&b, &gotb.b[0]);
	assert_int_equal(store_mip_visitor_count(s, &n), 0);
	assert_true(n == 0);
	assert_int_equal(store_mip_visitor_put(s, &v), 0);
	assert_true(v.seq == 2);             /* above the binding's */
	assert_int_equal(store_mip_visitor_foreach(s, collect_fa, &got), 0);
	assert_int_equal(got.n, 1);
	assert_visitor_equal(&v, &got.v[0]);
	/* the reader opened before the upgrade still sees none */
	assert_int_equal(store_mip_visitor_count(old, &n), 0);
	assert_true(n == 0);
	store_close(old);
	store_close(s);

	/* upgraded once; a new reader sees the visitor */
	s = open_store(f, false);
	assert_int_equal(user_version(f->path), 4);
	store_close(s);
	r = open_store(f, true);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_mip_visitor_foreach(r, collect_fa, &got), 0);
	assert_int_equal(got.n, 1);
	assert_visitor_equal(&v, &got.v[0]);
	assert_int_equal(store_mip_visitor_count(r, &n), 0);
	assert_true(n == 1);
	store_close(r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_put_get_roundtrip),
		T(test_replace),
		T(test_delete),
		T(test_changes),
		T(test_prune_stale),
		T(test_full_load_after_prune),
		T(test_reopen),
		T(test_meta),
		T(test_transactions),
		T(test_readonly_follower),
		T(test_schema_newer),
		T(test_kill9_durability),
		T(test_foreach_many),
		T(test_deferred_sync),
		T(test_single_writer),
		T(test_mip_roundtrip),
		T(test_mip_replace),
		T(test_mip_simultaneous),
		T(test_mip_order_stop),
		T(test_mip_transactions),
		T(test_mip_reopen),
		T(test_mip_readonly),
		T(test_mip_migrate_v1),
		T(test_mip_corrupt_row),
		T(test_mip_migrate_v2),
		T(test_fa_roundtrip),
		T(test_fa_invalid),
		T(test_fa_replace_del),
		T(test_fa_order_stop),
		T(test_fa_transactions),
		T(test_fa_readonly),
		T(test_fa_reopen),
		T(test_fa_corrupt_row),
		T(test_fa_migrate_v3),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
