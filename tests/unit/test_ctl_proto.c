/* Unit tests for src/ctl/ctl_proto.c: the control request codec.  Every
 * request a daemon accepts, every kind it must refuse (with a message), the
 * format -> parse round trip, and address and DUID forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ctl/ctl_proto.h"

static int parse(const char *s, struct ctl_req *r, char *err, size_t errlen)
{
	return ctl_req_parse(s, strlen(s), r, err, errlen);
}

static void mapped(struct in6_addr *a, const char *v4)
{
	struct in_addr x;
	assert_int_equal(inet_pton(AF_INET, v4, &x), 1);
	in6_set_mapped(a, ntohl(x.s_addr));
}

/* ---- valid requests ------------------------------------------------------ */

static void test_parse_simple_commands(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		enum ctl_cmd cmd;
	} ok[] = {
		{ "{\"cmd\":\"leases\"}", CTL_CMD_LEASES },
		{ "{\"cmd\":\"pools\"}\n", CTL_CMD_POOLS },
		{ " { \"cmd\" : \"stats\" } \r\n", CTL_CMD_STATS },
		{ "{\"cmd\":\"ping\"}", CTL_CMD_PING },
		{ "{\"cmd\":\"bindings\"}", CTL_CMD_BINDINGS },
		{ "{\"cmd\":\"mobility\"}", CTL_CMD_MOBILITY },
		{ "{\"cmd\":\"visitors\"}", CTL_CMD_VISITORS },
	};
	struct ctl_req r;
	char err[128];

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(parse(ok[i].json, &r, err, sizeof(err)), 0);
		assert_int_equal(r.cmd, ok[i].cmd);
		assert_false(r.has_addr);
		assert_false(r.has_duid);
		assert_true(r.limit == 0);
		assert_string_equal(err, "");
	}
}

static void test_parse_leases_limit(void **state)
{
	(void)state;
	struct ctl_req r;
	char err[128];

	assert_int_equal(parse("{\"cmd\":\"leases\",\"limit\":25}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_CMD_LEASES);
	assert_true(r.limit == 25);
	assert_int_equal(parse("{\"limit\":0,\"cmd\":\"leases\"}", &r, err, sizeof(err)), 0);
	assert_true(r.limit == 0);
	assert_int_equal(parse("{\"cmd\":\"leases\",\"limit\":18446744073709551615}", &r, err,
			       sizeof(err)), 0);
	assert_true(r.limit == UINT64_MAX);
}

static void test_parse_release(void **state)
{
	(void)state;
	struct ctl_req r;
	struct in6_addr want;
	char err[128];

	assert_int_equal(parse("{\"cmd\":\"release\",\"addr\":\"192.0.2.10\"}", &r, err,
			       sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_CMD_RELEASE);
	assert_true(r.has_addr);
	mapped(&want, "192.0.2.10");
	assert_memory_equal(&r.addr, &want, sizeof(want));

	assert_int_equal(parse("{\"cmd\":\"release\",\"addr\":\"2001:db8::1:5\"}", &r, err,
			       sizeof(err)), 0);
	inet_pton(AF_INET6, "2001:db8::1:5", &want);
	assert_memory_equal(&r.addr, &want, sizeof(want));

	/* the mapped form is the same lease as the dotted quad */
	assert_int_equal(parse("{\"cmd\":\"release\",\"addr\":\"::ffff:192.0.2.10\"}", &r, err,
			       sizeof(err)), 0);
	mapped(&want, "192.0.2.10");
	assert_memory_equal(&r.addr, &want, sizeof(want));
}

static void test_parse_reconfigure(void **state)
{
	(void)state;
	static const uint8_t duid[] = { 0x00, 0x01, 0x00, 0x01, 0x1c, 0x39, 0xcf, 0x88,
					0x08, 0x00, 0x27, 0xfe, 0x8f, 0x95 };
	struct ctl_req r;
	struct in6_addr want;
	char err[128];

	assert_int_equal(parse("{\"cmd\":\"reconfigure\",\"addr\":\"2001:db8::5\"}", &r, err,
			       sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_CMD_RECONFIGURE);
	assert_true(r.has_addr);
	assert_false(r.has_duid);
	inet_pton(AF_INET6, "2001:db8::5", &want);
	assert_memory_equal(&r.addr, &want, sizeof(want));

	assert_int_equal(parse("{\"cmd\":\"reconfigure\",\"duid\":\"000100011c39cf88080027fe8f95\"}",
			       &r, err, sizeof(err)), 0);
	assert_false(r.has_addr);
	assert_true(r.has_duid);
	assert_int_equal(r.duid.len, sizeof(duid));
	assert_memory_equal(r.duid.data, duid, sizeof(duid));

	/* colons between octets and upper case are accepted */
	assert_int_equal(parse("{\"cmd\":\"reconfigure\",\"duid\":\"00:01:00:01:1C:39:CF:88:08:00:27:FE:8F:95\"}",
			       &r, err, sizeof(err)), 0);
	assert_int_equal(r.duid.len, sizeof(duid));
	assert_memory_equal(r.duid.data, duid, sizeof(duid));
}

static void test_parse_duid_max(void **state)
{
	(void)state;
	char json[400], hex[2 * DHCP6_DUID_MAX + 3];
	struct ctl_req r;
	char err[128];

	memset(hex, 'a', 2 * DHCP6_DUID_MAX);
	hex[2 * DHCP6_DUID_MAX] = '\0';
	snprintf(json, sizeof(json), "{\"cmd\":\"reconfigure\",\"duid\":\"%s\"}", hex);
	assert_int_equal(parse(json, &r, err, sizeof(err)), 0);
	assert_int_equal(r.duid.len, DHCP6_DUID_MAX);
	assert_int_equal(r.duid.data[DHCP6_DUID_MAX - 1], 0xaa);

	/* one octet more is refused */
	strcat(hex, "bb");
	snprintf(json, sizeof(json), "{\"cmd\":\"reconfigure\",\"duid\":\"%s\"}", hex);
	assert_int_equal(parse(json, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 130"));
}

/* ---- invalid requests ---------------------------------------------------- */

static void test_parse_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		const char *msg;     /* substring of the error message */
	} bad[] = {
		/* not JSON / not one object */
		{ "", "empty" },
		{ "hello", "invalid JSON" },
		{ "{\"cmd\":\"ping\"", "incomplete" },
		{ "{\"cmd\":\"ping\",}", "invalid JSON" },
		{ "[\"ping\"]", "must be a JSON object" },
		{ "\"ping\"", "must be a JSON object" },
		{ "42\n", "must be a JSON object" },
		{ "null\n", "must be a JSON object" },
		{ "{\"cmd\":\"ping\"}{\"cmd\":\"ping\"}", "invalid JSON" },
		{ "{\"cmd\":\"ping\"} x", "invalid JSON" },
		{ "{\"cmd\":\"ping\",\"a\":[[[[[[[[[[1]]]]]]]]]]}", "invalid JSON" },
		/* cmd */
		{ "{}", "missing \"cmd\"" },
		{ "{\"limit\":1}", "missing \"cmd\"" },
		{ "{\"cmd\":\"shutdown\"}", "unknown command \"shutdown\"" },
		{ "{\"cmd\":\"PING\"}", "unknown command" },
		{ "{\"cmd\":\"\"}", "unknown command" },
		{ "{\"cmd\":\"a\\\"b\"}", "unknown command" },
		{ "{\"cmd\":1}", "\"cmd\" must be a string" },
		{ "{\"cmd\":null}", "\"cmd\" must be a string" },
		{ "{\"cmd\":[\"ping\"]}", "\"cmd\" must be a string" },
		{ "{\"cmd\":\"ping\\u0000\"}", "NUL" },
		/* unknown keys and keys of another command */
		{ "{\"cmd\":\"ping\",\"verbose\":true}", "unknown key \"verbose\"" },
		{ "{\"cmd\":\"pools\",\"limit\":3}", "\"limit\" is not an argument of \"pools\"" },
		{ "{\"cmd\":\"leases\",\"addr\":\"192.0.2.1\"}", "\"addr\" is not an argument" },
		{ "{\"cmd\":\"release\",\"addr\":\"192.0.2.1\",\"duid\":\"0001\"}",
		  "\"duid\" is not an argument of \"release\"" },
		/* types */
		{ "{\"cmd\":\"leases\",\"limit\":\"10\"}", "\"limit\" must be an integer" },
		{ "{\"cmd\":\"leases\",\"limit\":1.5}", "\"limit\" must be an integer" },
		{ "{\"cmd\":\"leases\",\"limit\":1e3}", "\"limit\" must be an integer" },
		{ "{\"cmd\":\"leases\",\"limit\":true}", "\"limit\" must be an integer" },
		{ "{\"cmd\":\"leases\",\"limit\":-1}", "\"limit\" must not be negative" },
		{ "{\"cmd\":\"release\",\"addr\":3221225985}", "\"addr\" must be a string" },
		{ "{\"cmd\":\"reconfigure\",\"duid\":1}", "\"duid\" must be a string" },
		/* missing arguments */
		{ "{\"cmd\":\"release\"}", "\"release\" needs \"addr\"" },
		{ "{\"cmd\":\"reconfigure\"}", "needs \"addr\" or \"duid\"" },
		{ "{\"cmd\":\"reconfigure\",\"addr\":\"2001:db8::5\",\"duid\":\"0001\"}",
		  "not both" },
		/* addresses */
		{ "{\"cmd\":\"release\",\"addr\":\"\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"release\",\"addr\":\"192.0.2\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"release\",\"addr\":\"192.0.2.256\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"release\",\"addr\":\"0xc0000201\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"release\",\"addr\":\"2001:db8::1/64\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"release\",\"addr\":\"2001:db8:::1\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"release\",\"addr\":\" 192.0.2.1\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"release\",\"addr\":\"192.0.2.1\\u0000x\"}", "NUL" },
		/* DUIDs */
		{ "{\"cmd\":\"reconfigure\",\"duid\":\"\"}", "\"duid\" is empty" },
		{ "{\"cmd\":\"reconfigure\",\"duid\":\"::\"}", "\"duid\" is empty" },
		{ "{\"cmd\":\"reconfigure\",\"duid\":\"0001g0\"}", "\"duid\" is not hex" },
		{ "{\"cmd\":\"reconfigure\",\"duid\":\"00 01\"}", "\"duid\" is not hex" },
		{ "{\"cmd\":\"reconfigure\",\"duid\":\"0x0001\"}", "\"duid\" is not hex" },
		{ "{\"cmd\":\"reconfigure\",\"duid\":\"000\"}", "odd number" },
		{ "{\"cmd\":\"reconfigure\",\"duid\":\"0:001\"}", "\"duid\" is not hex" },
	};
	struct ctl_req r;
	char err[128];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&r, 0xa5, sizeof(r));
		strcpy(err, "unset");
		int ret = parse(bad[i].json, &r, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, bad[i].msg))
			fail_msg("request %zu %s: ret %d, error \"%s\", wanted \"%s\"", i,
				 bad[i].json, ret, err, bad[i].msg);
		/* a refused request leaves nothing half-parsed behind */
		assert_int_equal(r.cmd, 0);
		assert_false(r.has_addr);
		assert_false(r.has_duid);
	}
}

static void test_parse_rejects_binary(void **state)
{
	(void)state;
	static const char nul[] = "{\"cmd\":\"ping\"}\0garbage";
	static const char latin1[] = "{\"cmd\":\"ping\xe9\"}";
	struct ctl_req r;
	char err[128];

	assert_int_equal(ctl_req_parse(nul, sizeof(nul) - 1, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	/* invalid UTF-8 */
	assert_int_equal(ctl_req_parse(latin1, sizeof(latin1) - 1, &r, err, sizeof(err)),
			 -EINVAL);
	/* the length bounds the parse: the same bytes, cut short */
	assert_int_equal(ctl_req_parse("{\"cmd\":\"ping\"}", 10, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "incomplete"));
	/* a NULL or zero-length error buffer is allowed */
	assert_int_equal(ctl_req_parse("x", 1, &r, NULL, 0), -EINVAL);
}

static void test_parse_too_long(void **state)
{
	(void)state;
	size_t n = CTL_MSG_MAX + 1;
	char *big = malloc(n);
	struct ctl_req r;
	char err[128];

	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "{\"cmd\":\"ping\"}", 14);
	assert_int_equal(ctl_req_parse(big, n, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than"));
	/* exactly CTL_MSG_MAX (with trailing whitespace) is fine */
	assert_int_equal(ctl_req_parse(big, n - 1, &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_CMD_PING);
	free(big);
}

/* ---- format and round trip ------------------------------------------------ */

static void test_format(void **state)
{
	(void)state;
	struct ctl_req r = { .cmd = CTL_CMD_RELEASE, .has_addr = true };
	char buf[512];

	mapped(&r.addr, "192.0.2.10");
	assert_int_equal(ctl_req_format(&r, buf, sizeof(buf)),
			 (int)strlen("{\"cmd\":\"release\",\"addr\":\"192.0.2.10\"}\n"));
	assert_string_equal(buf, "{\"cmd\":\"release\",\"addr\":\"192.0.2.10\"}\n");

	r = (struct ctl_req){ .cmd = CTL_CMD_LEASES, .limit = 7 };
	assert_true(ctl_req_format(&r, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"cmd\":\"leases\",\"limit\":7}\n");

	r = (struct ctl_req){ .cmd = CTL_CMD_RECONFIGURE, .has_duid = true,
			      .duid = { .len = 3, .data = { 0x00, 0x03, 0xab } } };
	assert_true(ctl_req_format(&r, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"cmd\":\"reconfigure\",\"duid\":\"0003ab\"}\n");

	/* too small a buffer, at every size */
	for (size_t n = 0; n < strlen("{\"cmd\":\"reconfigure\",\"duid\":\"0003ab\"}\n") + 1; n++)
		assert_int_equal(ctl_req_format(&r, buf, n), -ENOBUFS);

	r = (struct ctl_req){ .cmd = 0 };
	assert_int_equal(ctl_req_format(&r, buf, sizeof(buf)), -EINVAL);
	r = (struct ctl_req){ .cmd = CTL_CMD__MAX };
	assert_int_equal(ctl_req_format(&r, buf, sizeof(buf)), -EINVAL);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct ctl_req in[8], out;
	char buf[512], err[128];
	size_t n = 0;

	memset(in, 0, sizeof(in));
	in[n++] = (struct ctl_req){ .cmd = CTL_CMD_LEASES };
	in[n++] = (struct ctl_req){ .cmd = CTL_CMD_LEASES, .limit = UINT64_MAX };
	in[n++] = (struct ctl_req){ .cmd = CTL_CMD_POOLS };
	in[n++] = (struct ctl_req){ .cmd = CTL_CMD_STATS };
	in[n++] = (struct ctl_req){ .cmd = CTL_CMD_PING };
	in[n] = (struct ctl_req){ .cmd = CTL_CMD_RELEASE, .has_addr = true };
	mapped(&in[n++].addr, "203.0.113.255");
	in[n] = (struct ctl_req){ .cmd = CTL_CMD_RECONFIGURE, .has_addr = true };
	inet_pton(AF_INET6, "2001:db8:ffff::abcd", &in[n++].addr);
	in[n] = (struct ctl_req){ .cmd = CTL_CMD_RECONFIGURE, .has_duid = true };
	in[n].duid.len = DHCP6_DUID_MAX;
	for (int i = 0; i < DHCP6_DUID_MAX; i++)
		in[n].duid.data[i] = (uint8_t)(i * 37);
	n++;

	for (size_t i = 0; i < n; i++) {
		int len = ctl_req_format(&in[i], buf, sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(buf[len - 1], '\n');
		assert_int_equal(ctl_req_parse(buf, (size_t)len, &out, err, sizeof(err)), 0);
		assert_int_equal(out.cmd, in[i].cmd);
		assert_int_equal(out.has_addr, in[i].has_addr);
		assert_memory_equal(&out.addr, &in[i].addr, sizeof(out.addr));
		assert_int_equal(out.has_duid, in[i].has_duid);
		assert_int_equal(out.duid.len, in[i].duid.len);
		assert_memory_equal(out.duid.data, in[i].duid.data, in[i].duid.len);
		assert_true(out.limit == in[i].limit);
	}
}

/* ---- addresses, names ------------------------------------------------------ */

static void test_addr(void **state)
{
	(void)state;
	struct in6_addr a;
	char buf[46];

	assert_int_equal(ctl_parse_addr("192.0.2.1", &a), 0);
	assert_true(in6_is_mapped(&a));
	assert_int_equal(in6_mapped_v4(&a), 0xc0000201);
	assert_string_equal(ctl_fmt_addr(&a, buf), "192.0.2.1");

	assert_int_equal(ctl_parse_addr("::ffff:10.0.0.1", &a), 0);
	assert_string_equal(ctl_fmt_addr(&a, buf), "10.0.0.1");

	assert_int_equal(ctl_parse_addr("2001:DB8::0:1", &a), 0);
	assert_string_equal(ctl_fmt_addr(&a, buf), "2001:db8::1");

	assert_int_equal(ctl_parse_addr("::", &a), 0);
	assert_string_equal(ctl_fmt_addr(&a, buf), "::");
	assert_int_equal(ctl_parse_addr("255.255.255.255", &a), 0);
	assert_string_equal(ctl_fmt_addr(&a, buf), "255.255.255.255");

	static const char *const bad[] = {
		"", "1", "1.2.3", "1.2.3.4.5", "01.2.3.256", "1.2.3.4/32", "::g", "1::2::3",
		"fe80::1%eth0", "localhost",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ctl_parse_addr(bad[i], &a) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
}

static void test_duid_helper(void **state)
{
	(void)state;
	struct dhcp6_duid d;
	char err[128];

	assert_int_equal(ctl_parse_duid("00:03:00:01:02:03:04:05:06:07", &d, err, sizeof(err)), 0);
	assert_int_equal(d.len, 10);
	assert_int_equal(d.data[9], 7);
	assert_int_equal(ctl_parse_duid("zz", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not hex"));
}

static void test_cmd_names(void **state)
{
	(void)state;
	assert_string_equal(ctl_cmd_name(CTL_CMD_LEASES), "leases");
	assert_string_equal(ctl_cmd_name(CTL_CMD_POOLS), "pools");
	assert_string_equal(ctl_cmd_name(CTL_CMD_STATS), "stats");
	assert_string_equal(ctl_cmd_name(CTL_CMD_RELEASE), "release");
	assert_string_equal(ctl_cmd_name(CTL_CMD_RECONFIGURE), "reconfigure");
	assert_string_equal(ctl_cmd_name(CTL_CMD_PING), "ping");
	assert_null(ctl_cmd_name(0));
	assert_null(ctl_cmd_name(CTL_CMD__MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_simple_commands),
		cmocka_unit_test(test_parse_leases_limit),
		cmocka_unit_test(test_parse_release),
		cmocka_unit_test(test_parse_reconfigure),
		cmocka_unit_test(test_parse_duid_max),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_rejects_binary),
		cmocka_unit_test(test_parse_too_long),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_duid_helper),
		cmocka_unit_test(test_cmd_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
