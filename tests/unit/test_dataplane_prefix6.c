/* Unit tests for src/dataplane/prefix6.c: IPv6 longest-prefix match (the
 * home agent's registered prefixes, RFC 5454 3.3.2), checked by hand and
 * against a naive linear list with random prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dataplane/prefix6.h"

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static uint32_t look(const struct prefix6_table *t, const char *s, uint8_t *plen)
{
	struct in6_addr a = a6(s);
	uint32_t v = 0;
	if (prefix6_lookup(t, &a, &v, plen) < 0)
		return 0;
	return v;
}

static void mask_clears_host_bits(void **state)
{
	(void)state;
	struct in6_addr p = a6("2001:db8:abcd:ef12:3456:789a:bcde:f012"), m;
	prefix6_mask(&m, &p, 0);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&m));
	prefix6_mask(&m, &p, 36);
	struct in6_addr want = a6("2001:db8:a000::");
	assert_memory_equal(&m, &want, 16);
	prefix6_mask(&m, &p, 63);
	want = a6("2001:db8:abcd:ef12::");
	assert_memory_equal(&m, &want, 16);
	prefix6_mask(&m, &p, 128);
	assert_memory_equal(&m, &p, 16);
}

/* RFC 5454 3.3.2: the most specific registration wins. */
static void longest_match(void **state)
{
	(void)state;
	struct prefix6_table t;
	struct in6_addr p;
	uint8_t l = 0;

	prefix6_init(&t);
	assert_int_equal(look(&t, "2001:db8::1", NULL), 0);
	p = a6("2001:db8:1::");
	assert_int_equal(prefix6_add(&t, &p, 48, 10), 0);
	p = a6("2001:db8:1:2::ffff");             /* host bits ignored */
	assert_int_equal(prefix6_add(&t, &p, 64, 20), 0);
	p = a6("2001:db8:1:2::7");
	assert_int_equal(prefix6_add(&t, &p, 128, 30), 0);
	p = a6("::");
	assert_int_equal(prefix6_add(&t, &p, 0, 40), 0);
	assert_int_equal(t.count, 4);
	assert_int_equal(t.n_lens, 4);
	assert_int_equal(t.lens[0], 128);
	assert_int_equal(t.lens[3], 0);

	assert_int_equal(look(&t, "2001:db8:1:2::7", &l), 30);
	assert_int_equal(l, 128);
	assert_int_equal(look(&t, "2001:db8:1:2::8", &l), 20);
	assert_int_equal(l, 64);
	assert_int_equal(look(&t, "2001:db8:1:3::8", &l), 10);
	assert_int_equal(l, 48);
	assert_int_equal(look(&t, "2001:db8:2::", &l), 40);
	assert_int_equal(l, 0);

	/* the same again: 0; another value: -EEXIST; bad length */
	p = a6("2001:db8:1:2::");
	assert_int_equal(prefix6_add(&t, &p, 64, 20), 0);
	assert_int_equal(prefix6_add(&t, &p, 64, 21), -EEXIST);
	assert_int_equal(prefix6_add(&t, &p, 129, 21), -EINVAL);
	assert_int_equal(t.count, 4);
	uint32_t v = 0;
	assert_int_equal(prefix6_get(&t, &p, 64, &v), 0);
	assert_int_equal(v, 20);
	assert_int_equal(prefix6_get(&t, &p, 63, &v), -ENOENT);

	assert_int_equal(prefix6_del(&t, &p, 64), 0);
	assert_int_equal(prefix6_del(&t, &p, 64), -ENOENT);
	assert_int_equal(t.n_lens, 3);
	assert_int_equal(look(&t, "2001:db8:1:2::8", NULL), 10);
	p = a6("::");
	assert_int_equal(prefix6_del(&t, &p, 0), 0);
	assert_int_equal(look(&t, "2001:db8:2::", NULL), 0);
	prefix6_free(&t);
	assert_int_equal(t.count, 0);
}

static int count_cb(const struct in6_addr *p, uint8_t plen, uint32_t value, void *arg)
{
	(void)p;
	(void)plen;
	(*(uint32_t *)arg) += value;
	return 0;
}

static void del_value_and_foreach(void **state)
{
	(void)state;
	struct prefix6_table t;
	prefix6_init(&t);
	/* enough /64s of two values to grow and wrap the hash */
	for (uint32_t i = 0; i < 300; i++) {
		struct in6_addr p = a6("2001:db8::");
		p.s6_addr[6] = (uint8_t)(i >> 8);
		p.s6_addr[7] = (uint8_t)i;
		assert_int_equal(prefix6_add(&t, &p, 64, 1 + (i % 2)), 0);
	}
	struct in6_addr x = a6("2001:db9::");
	assert_int_equal(prefix6_add(&t, &x, 32, 2), 0);
	uint32_t sum = 0;
	assert_int_equal(prefix6_foreach(&t, count_cb, &sum), 0);
	assert_int_equal(sum, 150 * 1 + 151 * 2);
	assert_int_equal(prefix6_del_value(&t, 2), 151);
	assert_int_equal(t.count, 150);
	assert_int_equal(t.n_lens, 1);
	for (uint32_t i = 0; i < 300; i++) {
		struct in6_addr p = a6("2001:db8::1");
		p.s6_addr[6] = (uint8_t)(i >> 8);
		p.s6_addr[7] = (uint8_t)i;
		uint32_t v = 0;
		int r = prefix6_lookup(&t, &p, &v, NULL);
		if (i % 2) {
			assert_int_equal(r, -ENOENT);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(v, 1);
		}
	}
	assert_int_equal(prefix6_del_value(&t, 1), 150);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.n_lens, 0);
	prefix6_free(&t);
}

/* ---- differential test against a linear list ------------------------------- */

struct naive {
	struct in6_addr p;
	uint8_t plen;
	uint32_t value;
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Addresses from a small space so that prefixes nest and collide. */
static void rnd_addr(struct in6_addr *a)
{
	static const uint8_t top[4][4] = { { 0x20, 0x01, 0x0d, 0xb8 }, { 0x20, 0x01, 0x0d, 0xb9 },
					   { 0xfe, 0x80, 0, 0 }, { 0, 0, 0, 0 } };
	memcpy(a->s6_addr, top[rnd() % 4], 4);
	for (int i = 4; i < 16; i++)
		a->s6_addr[i] = (uint8_t)(rnd() % 3 ? 0 : rnd());
	if (rnd() % 2)
		a->s6_addr[15] = (uint8_t)(rnd() % 4);
}

static bool naive_match(const struct naive *n, const struct in6_addr *a)
{
	struct in6_addr x;
	prefix6_mask(&x, a, n->plen);
	return memcmp(&x, &n->p, 16) == 0;
}

static void differential_random(void **state)
{
	(void)state;
	static const uint8_t lens[] = { 0, 1, 7, 8, 16, 31, 32, 33, 48, 56, 63, 64, 65, 96, 120, 127, 128 };
	enum { N = 600 };
	static struct naive list[N];
	size_t n = 0;
	struct prefix6_table t;
	prefix6_init(&t);

	for (int round = 0; round < 20000; round++) {
		struct in6_addr a;
		rnd_addr(&a);
		uint8_t plen = lens[rnd() % sizeof(lens)];
		struct in6_addr k;
		prefix6_mask(&k, &a, plen);
		size_t at = n;
		for (size_t i = 0; i < n; i++)
			if (list[i].plen == plen && memcmp(&list[i].p, &k, 16) == 0)
				at = i;
		uint32_t op = rnd() % 10;
		if (op < 4 && n < N) {
			uint32_t value = 1 + rnd() % 5;
			int r = prefix6_add(&t, &a, plen, value);
			if (at < n)
				assert_int_equal(r, list[at].value == value ? 0 : -EEXIST);
			else {
				assert_int_equal(r, 0);
				list[n++] = (struct naive){ k, plen, value };
			}
		} else if (op < 6) {
			int r = prefix6_del(&t, &a, plen);
			if (at < n) {
				assert_int_equal(r, 0);
				list[at] = list[--n];
			} else {
				assert_int_equal(r, -ENOENT);
			}
		} else if (op < 7 && rnd() % 20 == 0) {
			uint32_t value = 1 + rnd() % 5, want = 0;
			for (size_t i = 0; i < n;) {
				if (list[i].value == value) {
					list[i] = list[--n];
					want++;
				} else {
					i++;
				}
			}
			assert_int_equal(prefix6_del_value(&t, value), want);
		} else {
			/* longest match against the list */
			int best = -1;
			for (size_t i = 0; i < n; i++)
				if (naive_match(&list[i], &a) && (best < 0 || list[i].plen > list[best].plen))
					best = (int)i;
			uint32_t v = 0;
			uint8_t l = 0;
			int r = prefix6_lookup(&t, &a, &v, &l);
			if (best < 0) {
				assert_int_equal(r, -ENOENT);
			} else {
				assert_int_equal(r, 0);
				assert_int_equal(v, list[best].value);
				assert_int_equal(l, list[best].plen);
			}
		}
		assert_int_equal(t.count, n);
	}
	/* every remaining entry is found exactly */
	for (size_t i = 0; i < n; i++) {
		uint32_t v = 0;
		assert_int_equal(prefix6_get(&t, &list[i].p, list[i].plen, &v), 0);
		assert_int_equal(v, list[i].value);
	}
	prefix6_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mask_clears_host_bits),
		cmocka_unit_test(longest_match),
		cmocka_unit_test(del_value_and_foreach),
		cmocka_unit_test(differential_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
