/* Unit tests for src/dataplane/binding.c: the engine's IPv4 -> tunnel
 * endpoint table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/binding.h"

static struct in6_addr peer_of(uint32_t i)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8 } };
	a.s6_addr[12] = (uint8_t)(i >> 24);
	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

static void test_set_get_update_del(void **state)
{
	(void)state;
	struct binding_table t;
	struct binding *b;
	struct in6_addr p1 = peer_of(1), p2 = peer_of(2);
	assert_int_equal(binding_table_init(&t, 0), 0);
	assert_null(binding_get(&t, 0xc0000264));
	assert_int_equal(binding_set(&t, 0xc0000264, &p1, 100, &b), 0);   /* 192.0.2.100 */
	b->pkts_in = 7;
	assert_int_equal(t.count, 1);
	b = binding_get(&t, 0xc0000264);
	assert_non_null(b);
	assert_memory_equal(&b->peer, &p1, 16);
	assert_int_equal(b->expires, 100);
	/* update keeps the counters, moves the peer */
	assert_int_equal(binding_set(&t, 0xc0000264, &p2, 200, NULL), 0);
	b = binding_get(&t, 0xc0000264);
	assert_memory_equal(&b->peer, &p2, 16);
	assert_int_equal(b->pkts_in, 7);
	assert_int_equal(t.count, 1);
	assert_int_equal(binding_del(&t, 0xc0000264), 0);
	assert_null(binding_get(&t, 0xc0000264));
	assert_int_equal(binding_del(&t, 0xc0000264), -ENOENT);
	assert_int_equal(t.count, 0);
	/* keys in 0.0.0.0/8 are refused (they mark empty and deleted slots) */
	assert_int_equal(binding_set(&t, 0, &p1, 0, NULL), -EINVAL);
	assert_int_equal(binding_set(&t, BINDING_TOMB, &p1, 0, NULL), -EINVAL);
	assert_int_equal(binding_set(&t, 0x00ffffff, &p1, 0, NULL), -EINVAL);
	assert_null(binding_get(&t, BINDING_TOMB));
	binding_table_free(&t);
}

/* Colliding keys: deleting one in the middle of a probe chain must not hide
 * the ones after it. */
static void test_probe_chain_survives_delete(void **state)
{
	(void)state;
	struct binding_table t;
	struct in6_addr p = peer_of(9);
	uint32_t keys[40];
	int n = 0;
	assert_int_equal(binding_table_init(&t, 0), 0);
	/* find keys that share a home slot in the 64-slot table */
	uint32_t home = binding_slot_of(&t, 0x0a000001);
	for (uint32_t k = 0x0a000001; n < 5; k++)
		if (binding_slot_of(&t, k) == home)
			keys[n++] = k;
	for (int i = 0; i < n; i++)
		assert_int_equal(binding_set(&t, keys[i], &p, 0, NULL), 0);
	assert_int_equal(binding_del(&t, keys[1]), 0);
	assert_int_equal(t.tombs, 1);                   /* mid-chain: a tombstone */
	for (int i = 0; i < n; i++)
		if (i != 1)
			assert_non_null(binding_get(&t, keys[i]));
	assert_int_equal(binding_del(&t, keys[n - 1]), 0);   /* chain end: emptied */
	assert_int_equal(t.tombs, 1);
	/* reinsertion reuses the tombstone */
	assert_int_equal(binding_set(&t, keys[1], &p, 0, NULL), 0);
	assert_int_equal(t.tombs, 0);
	binding_table_free(&t);
}

static void test_expire(void **state)
{
	(void)state;
	struct binding_table t;
	struct in6_addr p = peer_of(3);
	assert_int_equal(binding_table_init(&t, 0), 0);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(binding_set(&t, 0x0a000000 + i + 1, &p,
					     i % 3 == 0 ? 0 : 1000 + i, NULL), 0);
	/* 0 = never; the others expire at 1000 + i */
	assert_int_equal(binding_expire(&t, 1499), 333);  /* i in 1..499 with i%3 != 0 */
	assert_null(binding_get(&t, 0x0a000000 + 2));
	assert_non_null(binding_get(&t, 0x0a000000 + 1));    /* i = 0: never */
	assert_non_null(binding_get(&t, 0x0a000000 + 501));  /* i = 500 expires at 1500 */
	assert_int_equal(t.count, 1000 - 333);
	binding_table_free(&t);
}

/* Random operations against a reference array over 10.0.0.0/16. */
static void test_against_reference(void **state)
{
	(void)state;
	struct binding_table t;
	static uint32_t ref[65536];      /* expires + 1, 0 = absent */
	uint64_t x = 88172645463325252ull;
	uint32_t live = 0;
	memset(ref, 0, sizeof(ref));
	assert_int_equal(binding_table_init(&t, 0), 0);
	for (int op = 0; op < 400000; op++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t i = (uint32_t)(x % 65536), v4 = 0x0a000000 | i;
		if (i == 0)
			continue;
		struct in6_addr p = peer_of(i);
		if ((x >> 32) % 3) {
			assert_int_equal(binding_set(&t, v4, &p, (uint32_t)op, NULL), 0);
			live += !ref[i];
			ref[i] = (uint32_t)op + 1;
		} else {
			assert_int_equal(binding_del(&t, v4), ref[i] ? 0 : -ENOENT);
			live -= !!ref[i];
			ref[i] = 0;
		}
	}
	assert_int_equal(t.count, live);
	for (uint32_t i = 1; i < 65536; i++) {
		struct binding *b = binding_get(&t, 0x0a000000 | i);
		if (!ref[i]) {
			assert_null(b);
			continue;
		}
		assert_non_null(b);
		assert_int_equal(b->expires, ref[i] - 1);
		struct in6_addr p = peer_of(i);
		assert_memory_equal(&b->peer, &p, 16);
	}
	binding_table_free(&t);
}

/* Issue 3: at most 128 bytes per binding with 10^6 bindings. */
static void test_million_within_budget(void **state)
{
	(void)state;
	struct binding_table t;
	struct in6_addr p = peer_of(4);
	assert_int_equal(binding_table_init(&t, 0), 0);
	for (uint32_t i = 0; i < 1000000; i++)
		assert_int_equal(binding_set(&t, 0x0a000000 + i + 1, &p, 0, NULL), 0);
	assert_int_equal(t.count, 1000000);
	assert_true(binding_table_bytes(&t) / t.count <= 128);
	/* grown by rehashes: at most 10^6 / 0.55 slots and one huge page */
	assert_true(binding_table_bytes(&t) <= 118400000u);
	for (uint32_t i = 0; i < 1000000; i += 997)
		assert_non_null(binding_get(&t, 0x0a000000 + i + 1));
	assert_null(binding_get(&t, 0x0b000000));
	binding_table_free(&t);
	/* sized from the hint (dp_init): 55% full, whole huge pages */
	assert_int_equal(binding_table_init(&t, 1000000), 0);
	assert_int_equal(binding_table_bytes(&t) % (2u << 20), 0);
	assert_true(binding_table_bytes(&t) <= 118400000u);
	binding_table_free(&t);
}

struct copy_ctx {
	struct binding_table *to;
	int r;
};

static int copy_one(const struct binding *b, void *arg)
{
	struct copy_ctx *c = arg;
	c->r = binding_set(c->to, b->v4, &b->peer, b->expires, NULL);
	return c->r;
}

/* Copying a table into a new, growing one in slot order (what tep.c does
 * with every store load) keeps probe chains short: the slot order of one
 * capacity is not the hash order of another. */
static void test_copy_in_slot_order(void **state)
{
	(void)state;
	struct binding_table a, b;
	struct in6_addr p = peer_of(10);
	struct copy_ctx c = { .to = &b };
	assert_int_equal(binding_table_init(&a, 0), 0);
	for (uint32_t i = 1; i <= 300000; i++)
		assert_int_equal(binding_set(&a, 0x0a000000 + i, &p, 0, NULL), 0);
	assert_int_equal(binding_table_init(&b, 1024), 0);
	assert_int_equal(binding_foreach(&a, copy_one, &c), 0);
	assert_int_equal(b.count, 300000);
	uint64_t cap = (uint64_t)b.mask + 1, sum = 0, worst = 0;
	for (uint32_t i = 1; i <= 300000; i++) {
		const struct binding *x = binding_get(&b, 0x0a000000 + i);
		assert_non_null(x);
		uint64_t d = ((uint64_t)(x - b.slots) + cap - binding_slot_of(&b, x->v4)) % cap;
		sum += d;
		worst = d > worst ? d : worst;
	}
	assert_true(sum < 2 * 300000);    /* under two slots past home on average */
	assert_true(worst < 64);
	binding_table_free(&a);
	binding_table_free(&b);
}

/* One cache line per slot; the Mobile IPv4 view of the 16 octets after
 * the key and expiry stays where engine_mip.c expects it. */
static void test_slot_layout(void **state)
{
	(void)state;
	struct binding_table t;
	struct binding *b;
	struct in6_addr p = peer_of(6);
	assert_int_equal(sizeof(struct binding), 64);
	assert_int_equal(offsetof(struct binding, peer), 8);
	assert_int_equal(offsetof(struct binding, mip.coa), 8);
	assert_int_equal(offsetof(struct binding, mip.encap), 12);
	assert_int_equal(offsetof(struct binding, mip.n_sim), 15);
	assert_int_equal(offsetof(struct binding, mip.n_prefix), 16);
	assert_int_equal(offsetof(struct binding, mip.fa_agent), 24);
	assert_int_equal(offsetof(struct binding, pkts_in), 32);
	assert_int_equal(offsetof(struct binding, bytes_out), 56);
	assert_int_equal(binding_table_init(&t, 0), 0);
	for (uint32_t i = 1; i <= 500; i++) {     /* grows through rehashes */
		assert_int_equal(binding_set(&t, 0x0a000000 + i, &p, 0, &b), 0);
		assert_int_equal((uintptr_t)b % 64, 0);
	}
	binding_table_free(&t);
}

/* binding_get_batch (prefetch, then look up) answers exactly as
 * binding_get does, for present, absent, deleted and invalid keys;
 * binding_prefetch never faults, even on a freed table. */
static void test_prefetch_batch(void **state)
{
	(void)state;
	struct binding_table t;
	struct in6_addr p = peer_of(7);
	uint32_t keys[64];
	struct binding *got[64];
	assert_int_equal(binding_table_init(&t, 0), 0);
	for (uint32_t i = 1; i <= 3000; i++)
		assert_int_equal(binding_set(&t, 0x0a000000 + i * 3, &p, 0, NULL), 0);
	for (uint32_t i = 1; i <= 3000; i += 5)
		assert_int_equal(binding_del(&t, 0x0a000000 + i * 3), 0);
	uint64_t x = 0x46464646ull;
	for (int round = 0; round < 200; round++) {
		for (unsigned k = 0; k < 64; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			keys[k] = 0x0a000000 + (uint32_t)(x % 10000);
		}
		keys[0] = 0;                  /* invalid: empty-slot marker */
		keys[1] = BINDING_TOMB;
		keys[2] = 0x0a000000 + 6;     /* present (i = 2) */
		keys[3] = 0x0a000000 + 18;    /* deleted (i = 6) */
		binding_get_batch(&t, keys, 64, got);
		for (unsigned k = 0; k < 64; k++)
			assert_ptr_equal(got[k], binding_get(&t, keys[k]));
		assert_null(got[0]);
		assert_null(got[1]);
		assert_non_null(got[2]);
		assert_int_equal(got[2]->v4, 0x0a000006);
		assert_null(got[3]);
	}
	binding_get_batch(&t, keys, 0, got);
	binding_table_free(&t);
	binding_prefetch(&t, 0x0a000003);         /* slots NULL: nothing */
}

/* Huge pages and their fallbacks: a table of 2 MiB or more is mmap'ed on
 * a 2 MiB boundary (MADV_HUGEPAGE unless BINDING_F_NO_HUGE), and on the
 * heap when mmap is not used (BINDING_F_NO_MMAP, the path taken when mmap
 * fails).  The three hold the same bindings and give the same answers,
 * before and after growing, and keep their kind of memory when they grow. */
static void test_huge_and_fallback(void **state)
{
	(void)state;
	static const unsigned flags[3] = { 0, BINDING_F_NO_HUGE, BINDING_F_NO_MMAP };
	struct binding_table t[3];
	struct in6_addr p = peer_of(8);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(binding_table_init_flags(&t[k], 40000, flags[k]), 0);
		assert_int_equal(binding_table_bytes(&t[k]) % (2u << 20), 0);
		assert_int_equal((uintptr_t)t[k].slots % 64, 0);
	}
	assert_true(t[0].mem == BINDING_MEM_HUGE || t[0].mem == BINDING_MEM_MMAP);
	assert_int_equal(t[1].mem, BINDING_MEM_MMAP);
	assert_int_equal(t[2].mem, BINDING_MEM_HEAP);
	assert_int_equal((uintptr_t)t[0].slots % (2u << 20), 0);
	assert_int_equal((uintptr_t)t[1].slots % (2u << 20), 0);
	assert_int_equal(binding_table_bytes(&t[0]), binding_table_bytes(&t[2]));
	uint32_t mask0 = t[0].mask;
	for (uint32_t i = 1; i <= 80000; i++)      /* past 70%: grows */
		for (int k = 0; k < 3; k++)
			assert_int_equal(binding_set(&t[k], 0x0a000000 + i * 7, &p, i, NULL), 0);
	assert_true(t[0].mask > mask0);
	assert_true(t[0].mem == BINDING_MEM_HUGE || t[0].mem == BINDING_MEM_MMAP);
	assert_int_equal(t[1].mem, BINDING_MEM_MMAP);
	assert_int_equal(t[2].mem, BINDING_MEM_HEAP);
	for (uint32_t v = 0x0a000000; v < 0x0a000000 + 80000 * 7 + 10; v++) {
		const struct binding *b0 = binding_get(&t[0], v);
		for (int k = 1; k < 3; k++) {
			const struct binding *b = binding_get(&t[k], v);
			assert_int_equal(b0 == NULL, b == NULL);
			if (b)
				assert_int_equal(b->expires, b0->expires);
		}
		if ((v - 0x0a000000) % 7 == 0 && v > 0x0a000000 && v <= 0x0a000000 + 80000 * 7)
			assert_non_null(b0);
	}
	for (int k = 0; k < 3; k++) {
		assert_int_equal(binding_expire(&t[k], 30000), 30000);
		assert_int_equal(t[k].count, 50000);
		binding_table_free(&t[k]);
		assert_null(t[k].slots);
	}
	/* small tables stay on the heap, whatever the flags */
	assert_int_equal(binding_table_init_flags(&t[0], 10, 0), 0);
	assert_int_equal(t[0].mem, BINDING_MEM_HEAP);
	binding_table_free(&t[0]);
}

/* The same result in bounded slices: a data-plane thread never walks the
 * whole table at once. */
static void test_expire_in_steps(void **state)
{
	(void)state;
	struct binding_table t;
	struct in6_addr p = peer_of(5);
	uint32_t cursor = 0, removed = 0, steps = 0;
	assert_int_equal(binding_table_init(&t, 0), 0);
	for (uint32_t i = 0; i < 5000; i++)
		assert_int_equal(binding_set(&t, 0x0a000000 + i + 1, &p, i % 2 ? 100 : 0, NULL), 0);
	uint32_t slots = t.mask + 1;
	while (steps * 1000u < slots) {
		removed += binding_expire_step(&t, 200, &cursor, 1000);
		steps++;
	}
	assert_int_equal(removed, 2500);                    /* every odd i expired */
	assert_int_equal(t.count, 2500);
	assert_int_equal(cursor, (steps * 1000u) % slots);
	assert_null(binding_get(&t, 0x0a000000 + 2));       /* i = 1 */
	assert_non_null(binding_get(&t, 0x0a000000 + 1));   /* i = 0, never */
	assert_int_equal(binding_expire_step(&t, 200, &cursor, 1000), 0);
	binding_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_update_del),
		cmocka_unit_test(test_probe_chain_survives_delete),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_expire_in_steps),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_million_within_budget),
		cmocka_unit_test(test_slot_layout),
		cmocka_unit_test(test_copy_in_slot_order),
		cmocka_unit_test(test_prefetch_batch),
		cmocka_unit_test(test_huge_and_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
