/* Unit tests for src/dataplane/binding.c: the engine's IPv4 -> tunnel
 * endpoint table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
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
	uint32_t home = (uint32_t)(((uint64_t)0x0a000001 * 0x9E3779B97F4A7C15ull) >> 32) & t.mask;
	for (uint32_t k = 0x0a000001; n < 5; k++)
		if (((uint32_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & t.mask) == home)
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
	for (uint32_t i = 0; i < 1000000; i += 997)
		assert_non_null(binding_get(&t, 0x0a000000 + i + 1));
	assert_null(binding_get(&t, 0x0b000000));
	binding_table_free(&t);
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
	assert_int_equal(cursor, (steps * 1000u) & t.mask);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
