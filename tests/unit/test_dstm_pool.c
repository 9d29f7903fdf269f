/* Unit tests for src/dstm/pool.c: IPv4 bitmap pools (order, hint, excludes,
 * exhaustion, take/release, a full /16) and hashed IPv6 pools
 * (determinism, probing, reserved interface identifiers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dstm/pool.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void add_range(struct cfg_pool4 *c, const char *first, const char *last)
{
	c->ranges[c->n_ranges++] = (struct cfg_range4){ ip4(first), ip4(last) };
}

static void add_exclude(struct cfg_pool4 *c, const char *first, const char *last)
{
	c->excludes[c->n_excludes++] = (struct cfg_range4){ ip4(first), ip4(last) };
}

static void test_pool4_order(void **state)
{
	(void)state;
	struct cfg_pool4 c = { .name = "p" };
	struct pool4 p;
	uint32_t a;
	static const char *const want[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4",
					    "10.9.0.0", "10.9.0.1" };

	add_range(&c, "10.0.0.1", "10.0.0.4");
	add_range(&c, "10.9.0.0", "10.9.0.1");
	assert_int_equal(pool4_init(&p, &c), 0);
	assert_int_equal(p.span, 6);
	assert_int_equal(p.size, 6);
	assert_int_equal(p.used, 0);
	/* The concatenation of the ranges, in configuration order. */
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(pool4_alloc(&p, 0, &a), 0);
		assert_int_equal(a, ip4(want[i]));
		assert_true(pool4_is_used(&p, a));
	}
	assert_int_equal(p.used, 6);
	assert_int_equal(pool4_alloc(&p, 0, &a), -ENOSPC);

	/* The cursor rotates: a freed address is reused after the others. */
	assert_int_equal(pool4_release(&p, ip4("10.0.0.2")), 0);
	assert_int_equal(pool4_release(&p, ip4("10.9.0.0")), 0);
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("10.0.0.2"));
	assert_int_equal(pool4_release(&p, ip4("10.0.0.2")), 0);
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("10.9.0.0"));
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("10.0.0.2"));
	pool4_free(&p);
}

static void test_pool4_hint(void **state)
{
	(void)state;
	struct cfg_pool4 c = { .name = "p" };
	struct pool4 p;
	uint32_t a;

	add_range(&c, "192.0.2.0", "192.0.2.255");
	add_exclude(&c, "192.0.2.7", "192.0.2.7");
	assert_int_equal(pool4_init(&p, &c), 0);
	assert_int_equal(pool4_alloc(&p, ip4("192.0.2.200"), &a), 0);
	assert_int_equal(a, ip4("192.0.2.200"));
	/* A hint does not move the cursor. */
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("192.0.2.0"));
	/* Used, excluded or foreign hints fall back to the cursor. */
	assert_int_equal(pool4_alloc(&p, ip4("192.0.2.200"), &a), 0);
	assert_int_equal(a, ip4("192.0.2.1"));
	assert_int_equal(pool4_alloc(&p, ip4("192.0.2.7"), &a), 0);
	assert_int_equal(a, ip4("192.0.2.2"));
	assert_int_equal(pool4_alloc(&p, ip4("198.51.100.1"), &a), 0);
	assert_int_equal(a, ip4("192.0.2.3"));
	assert_int_equal(p.used, 5);
	pool4_free(&p);
}

static void test_pool4_excluded(void **state)
{
	(void)state;
	struct cfg_pool4 c = { .name = "p" };
	struct pool4 p;
	uint32_t a;
	unsigned n = 0;

	add_range(&c, "192.0.2.10", "192.0.2.200");
	add_range(&c, "198.51.100.0", "198.51.100.15");
	add_exclude(&c, "192.0.2.50", "192.0.2.50");
	add_exclude(&c, "192.0.2.60", "192.0.2.69");
	add_exclude(&c, "198.51.100.0", "198.51.100.0");
	assert_int_equal(pool4_init(&p, &c), 0);
	assert_int_equal(p.span, 191 + 16);
	assert_int_equal(p.size, 191 + 16 - 12);
	assert_false(pool4_contains(&p, ip4("192.0.2.50")));
	assert_false(pool4_contains(&p, ip4("192.0.2.65")));
	assert_false(pool4_contains(&p, ip4("192.0.2.9")));
	assert_true(pool4_contains(&p, ip4("192.0.2.51")));
	assert_true(pool4_contains(&p, ip4("198.51.100.15")));
	assert_false(pool4_is_used(&p, ip4("192.0.2.50")));
	while (pool4_alloc(&p, 0, &a) == 0) {
		assert_true(pool4_contains(&p, a));
		assert_false(a == ip4("192.0.2.50") || (a >= ip4("192.0.2.60") && a <= ip4("192.0.2.69")) ||
			     a == ip4("198.51.100.0"));
		n++;
	}
	assert_int_equal(n, p.size);
	assert_int_equal(p.used, p.size);
	pool4_free(&p);
}

static void test_pool4_exhaustion(void **state)
{
	(void)state;
	struct cfg_pool4 c = { .name = "p" };
	struct pool4 p;
	uint32_t a;

	/* 70 addresses: the bitmap's second word is partial. */
	add_range(&c, "10.1.0.0", "10.1.0.69");
	assert_int_equal(pool4_init(&p, &c), 0);
	for (unsigned i = 0; i < 70; i++)
		assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("10.1.0.69"));
	assert_int_equal(pool4_alloc(&p, 0, &a), -ENOSPC);
	assert_int_equal(pool4_release(&p, ip4("10.1.0.33")), 0);
	assert_int_equal(p.used, 69);
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("10.1.0.33"));
	assert_int_equal(pool4_alloc(&p, 0, &a), -ENOSPC);
	/* With the hint too. */
	assert_int_equal(pool4_release(&p, ip4("10.1.0.65")), 0);
	assert_int_equal(pool4_alloc(&p, ip4("10.1.0.1"), &a), 0);
	assert_int_equal(a, ip4("10.1.0.65"));
	assert_int_equal(pool4_alloc(&p, ip4("10.1.0.65"), &a), -ENOSPC);
	pool4_free(&p);
}

static void test_pool4_take_release(void **state)
{
	(void)state;
	struct cfg_pool4 c = { .name = "p" };
	struct pool4 p;
	uint32_t a;

	add_range(&c, "192.0.2.0", "192.0.2.15");
	add_exclude(&c, "192.0.2.5", "192.0.2.5");
	assert_int_equal(pool4_init(&p, &c), 0);
	assert_int_equal(pool4_take(&p, ip4("192.0.2.0")), 0);
	assert_int_equal(pool4_take(&p, ip4("192.0.2.0")), -EEXIST);
	assert_int_equal(pool4_take(&p, ip4("192.0.2.5")), -ENOENT);     /* excluded */
	assert_int_equal(pool4_take(&p, ip4("192.0.2.16")), -ENOENT);    /* outside */
	assert_int_equal(pool4_take(&p, ip4("192.0.2.15")), 0);
	assert_int_equal(p.used, 2);
	assert_true(pool4_is_used(&p, ip4("192.0.2.15")));
	assert_false(pool4_is_used(&p, ip4("192.0.2.14")));
	assert_false(pool4_is_used(&p, ip4("10.0.0.1")));
	assert_int_equal(pool4_release(&p, ip4("192.0.2.14")), -EALREADY);
	assert_int_equal(pool4_release(&p, ip4("192.0.2.5")), -ENOENT);
	assert_int_equal(pool4_release(&p, ip4("192.0.2.16")), -ENOENT);
	assert_int_equal(pool4_release(&p, ip4("192.0.2.15")), 0);
	assert_int_equal(pool4_release(&p, ip4("192.0.2.15")), -EALREADY);
	assert_int_equal(p.used, 1);
	/* Taken addresses are skipped by alloc. */
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("192.0.2.1"));
	pool4_free(&p);

	struct cfg_pool4 empty = { .name = "e" };
	assert_int_equal(pool4_init(&p, &empty), -EINVAL);
	add_range(&empty, "10.0.0.9", "10.0.0.1");
	assert_int_equal(pool4_init(&p, &empty), -EINVAL);
}

static void test_pool4_slash16(void **state)
{
	(void)state;
	struct cfg_pool4 c = { .name = "p" };
	struct pool4 p;
	uint32_t a, base = ip4("10.46.0.0");
	uint8_t *seen = calloc(65536, 1);

	assert_non_null(seen);
	add_range(&c, "10.46.0.0", "10.46.255.255");
	assert_int_equal(pool4_init(&p, &c), 0);
	assert_int_equal(p.size, 65536);
	for (unsigned i = 0; i < 65536; i++) {
		assert_int_equal(pool4_alloc(&p, 0, &a), 0);
		assert_true(a - base < 65536);
		assert_int_equal(seen[a - base], 0);
		seen[a - base] = 1;
	}
	assert_int_equal(p.used, 65536);
	assert_int_equal(pool4_alloc(&p, 0, &a), -ENOSPC);
	for (unsigned i = 0; i < 65536; i++)
		assert_int_equal(pool4_release(&p, base + i), 0);
	assert_int_equal(p.used, 0);
	/* Everything is free again; the cursor wrapped to the start. */
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, base);
	pool4_free(&p);
	free(seen);
}

static void test_pool4_single(void **state)
{
	(void)state;
	struct cfg_pool4 c = { .name = "p" };
	struct pool4 p;
	uint32_t a;

	add_range(&c, "203.0.113.9", "203.0.113.9");
	assert_int_equal(pool4_init(&p, &c), 0);
	assert_int_equal(p.size, 1);
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("203.0.113.9"));
	assert_int_equal(pool4_alloc(&p, 0, &a), -ENOSPC);
	assert_int_equal(pool4_release(&p, a), 0);
	assert_int_equal(pool4_alloc(&p, 0, &a), 0);
	assert_int_equal(a, ip4("203.0.113.9"));
	pool4_free(&p);
}

/* ---- IPv6 ---------------------------------------------------------------- */

struct addr_set {
	size_t n;
	struct in6_addr a[128];
	bool record;                 /* record every query and answer "in use" */
};

static bool set_in_use(const struct in6_addr *a, void *arg)
{
	struct addr_set *s = arg;
	if (s->record) {
		if (s->n < ARRAY_SIZE(s->a))
			s->a[s->n++] = *a;
		return true;
	}
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(&s->a[i], a, sizeof(*a)) == 0)
			return true;
	return false;
}

static const uint8_t duid1[] = { 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t duid2[] = { 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static void test_pool6_determinism(void **state)
{
	(void)state;
	struct cfg_pool6 c = { .name = "na", .first = ip6("2001:db8:1::"),
			       .last = ip6("2001:db8:1::ffff:ffff:ffff:ffff") };
	struct pool6 p = { .cfg = &c };
	struct in6_addr a, b, d, e;

	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 1, NULL, NULL, &a), 0);
	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 1, NULL, NULL, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(pool6_contains(&p, &a));
	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 2, NULL, NULL, &d), 0);
	assert_int_equal(pool6_alloc(&p, duid2, sizeof(duid2), 1, NULL, NULL, &e), 0);
	assert_memory_not_equal(&a, &d, sizeof(a));
	assert_memory_not_equal(&a, &e, sizeof(a));
	assert_true(pool6_contains(&p, &d));
	assert_true(pool6_contains(&p, &e));
	assert_int_equal(p.used, 0);  /* the caller counts leases */

	struct in6_addr x = ip6("2001:db8:2::1");
	assert_false(pool6_contains(&p, &x));
	x = ip6("2001:db8:0:ffff:ffff:ffff:ffff:ffff");
	assert_false(pool6_contains(&p, &x));

	/* The same inputs land at the same offset in another pool of that size. */
	struct cfg_pool6 c2 = { .name = "na2", .first = ip6("2001:db8:9::"),
				.last = ip6("2001:db8:9::ffff:ffff:ffff:ffff") };
	struct pool6 p2 = { .cfg = &c2 };
	assert_int_equal(pool6_alloc(&p2, duid1, sizeof(duid1), 1, NULL, NULL, &b), 0);
	assert_memory_equal(&a.s6_addr[8], &b.s6_addr[8], 8);
}

static void test_pool6_probing(void **state)
{
	(void)state;
	struct cfg_pool6 c = { .name = "na", .first = ip6("2001:db8:1::1000"),
			       .last = ip6("2001:db8:1::1fff") };
	struct pool6 p = { .cfg = &c };
	struct addr_set all = { .record = true }, used = { 0 };
	struct in6_addr a;

	/* Everything in use: 64 probes, each inside the range, then -ENOSPC. */
	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 7, set_in_use, &all, &a), -ENOSPC);
	assert_int_equal(all.n, 64);
	for (size_t i = 0; i < all.n; i++)
		assert_true(pool6_contains(&p, &all.a[i]));

	/* The first candidate taken: the second is returned, and so on. */
	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 7, set_in_use, &used, &a), 0);
	assert_memory_equal(&a, &all.a[0], sizeof(a));
	used.a[used.n++] = all.a[0];
	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 7, set_in_use, &used, &a), 0);
	assert_memory_equal(&a, &all.a[1], sizeof(a));
	used.a[used.n++] = all.a[1];
	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 7, set_in_use, &used, &a), 0);
	assert_memory_equal(&a, &all.a[2], sizeof(a));

	/* A small range, three of four in use: the probes find the fourth. */
	struct cfg_pool6 s = { .name = "s", .first = ip6("2001:db8::10"),
			       .last = ip6("2001:db8::13") };
	struct pool6 ps = { .cfg = &s };
	struct addr_set three = { .n = 3 };
	three.a[0] = ip6("2001:db8::10");
	three.a[1] = ip6("2001:db8::11");
	three.a[2] = ip6("2001:db8::13");
	assert_int_equal(pool6_alloc(&ps, duid2, sizeof(duid2), 0, set_in_use, &three, &a), 0);
	struct in6_addr want = ip6("2001:db8::12");
	assert_memory_equal(&a, &want, sizeof(a));
	three.a[three.n++] = want;
	assert_int_equal(pool6_alloc(&ps, duid2, sizeof(duid2), 0, set_in_use, &three, &a),
			 -ENOSPC);
}

static void test_pool6_single_and_reserved(void **state)
{
	(void)state;
	struct cfg_pool6 c = { .name = "one", .first = ip6("2001:db8::5"),
			       .last = ip6("2001:db8::5") };
	struct pool6 p = { .cfg = &c };
	struct addr_set used = { 0 };
	struct in6_addr a, want = ip6("2001:db8::5");

	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 1, set_in_use, &used, &a), 0);
	assert_memory_equal(&a, &want, sizeof(a));
	used.a[used.n++] = want;
	assert_int_equal(pool6_alloc(&p, duid1, sizeof(duid1), 1, set_in_use, &used, &a), -ENOSPC);

	/* 2001:db8::/126: the Subnet-Router anycast ::0 is never handed out. */
	struct cfg_pool6 r = { .name = "r", .first = ip6("2001:db8::"), .last = ip6("2001:db8::3") };
	struct pool6 pr = { .cfg = &r };
	struct in6_addr zero = ip6("2001:db8::");
	for (uint32_t iaid = 0; iaid < 200; iaid++) {
		assert_int_equal(pool6_alloc(&pr, duid1, sizeof(duid1), iaid, NULL, NULL, &a), 0);
		assert_memory_not_equal(&a, &zero, sizeof(a));
		assert_true(pool6_contains(&pr, &a));
	}
	/* Nor the RFC 5453 reserved identifiers at the top of a /64. */
	struct cfg_pool6 t = { .name = "t", .first = ip6("2001:db8::fdff:ffff:ffff:ff7f"),
			       .last = ip6("2001:db8::fdff:ffff:ffff:ffff") };
	struct pool6 pt = { .cfg = &t };
	struct in6_addr only = ip6("2001:db8::fdff:ffff:ffff:ff7f");
	for (uint32_t iaid = 0; iaid < 20; iaid++) {
		int rc = pool6_alloc(&pt, duid2, sizeof(duid2), iaid, NULL, NULL, &a);
		if (rc == 0)
			assert_memory_equal(&a, &only, sizeof(a));
		else
			assert_int_equal(rc, -ENOSPC);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool4_order),
		cmocka_unit_test(test_pool4_hint),
		cmocka_unit_test(test_pool4_excluded),
		cmocka_unit_test(test_pool4_exhaustion),
		cmocka_unit_test(test_pool4_take_release),
		cmocka_unit_test(test_pool4_slash16),
		cmocka_unit_test(test_pool4_single),
		cmocka_unit_test(test_pool6_determinism),
		cmocka_unit_test(test_pool6_probing),
		cmocka_unit_test(test_pool6_single_and_reserved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
