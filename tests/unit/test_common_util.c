/* Unit tests for src/common: byte order helpers, mapped addresses, hex,
 * prefix matching, the log rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>

#include "common/log.h"
#include "common/util.h"

static void test_be_roundtrip(void **state)
{
	(void)state;
	uint8_t b[8];
	put_be16(b, 0x1234);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(b[1], 0x34);
	assert_int_equal(get_be16(b), 0x1234);
	put_be32(b, 0xdeadbeef);
	assert_int_equal(get_be32(b), 0xdeadbeef);
	put_be64(b, 0x0102030405060708ull);
	assert_int_equal(b[7], 8);
	assert_true(get_be64(b) == 0x0102030405060708ull);
}

static void test_mapped(void **state)
{
	(void)state;
	struct in6_addr a, b;
	char buf[ADDR6_STRLEN];
	in6_set_mapped(&a, 0xc0000201); /* 192.0.2.1 */
	assert_string_equal(fmt_in6(&a, buf), "::ffff:192.0.2.1");
	assert_true(in6_is_mapped(&a));
	assert_int_equal(in6_mapped_v4(&a), 0xc0000201);
	inet_pton(AF_INET6, "2001:db8::1", &b);
	assert_false(in6_is_mapped(&b));
	char b4[ADDR4_STRLEN];
	assert_string_equal(fmt_in4(0xc0000201, b4), "192.0.2.1");
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t out[4];
	char s[9];
	assert_int_equal(parse_hex("00:01:ab:FF", out, sizeof(out)), 4);
	assert_string_equal(fmt_hex(out, 4, s, sizeof(s)), "0001abff");
	assert_int_equal(parse_hex("0g", out, sizeof(out)), -EINVAL);
	assert_int_equal(parse_hex("abc", out, sizeof(out)), -EINVAL);  /* odd */
	assert_int_equal(parse_hex("0102030405", out, sizeof(out)), -EINVAL);
}

static void test_prefix_match(void **state)
{
	(void)state;
	struct in6_addr a, p;
	inet_pton(AF_INET6, "2001:db8:1:2::5", &a);
	inet_pton(AF_INET6, "2001:db8:1::", &p);
	assert_true(in6_prefix_match(&a, &p, 48));
	assert_false(in6_prefix_match(&a, &p, 64));
	assert_true(in6_prefix_match(&a, &p, 0));
	inet_pton(AF_INET6, "2001:db8:1:3::", &p);
	assert_true(in6_prefix_match(&a, &p, 62));  /* 2 vs 3 differ in bit 64 */
	assert_false(in6_prefix_match(&a, &p, 64));
	assert_false(in6_prefix_match(&a, &p, 129));
}

static void test_ratelimit(void **state)
{
	(void)state;
	struct ratelimit rl = { 0 };
	uint32_t sup = 99;
	int passed = 0;
	for (int i = 0; i < 100; i++)
		passed += ratelimit_pass(&rl, 10, 60000, &sup);
	assert_int_equal(passed, 10);    /* the burst, then silence */
	assert_int_equal(rl.suppressed, 90);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_be_roundtrip),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_prefix_match),
		cmocka_unit_test(test_ratelimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
