/* Unit tests for the DSTM host daemon's configuration (host_config.c): the
 * example, the defaults, every rule with its exact "file:line:" message,
 * the printout's round trip, and the golden files tests/golden/hostd-*.conf
 * (printout equals the .out file) and bad-hostd-*.conf (the message on
 * their first line), which scripts/check-config.sh also runs through
 * ds46-hostd -n. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/util.h"
#include "dstm/host_config.h"

static struct host_cfg *load_ok(const char *text)
{
	char err[512];
	struct host_cfg *c = NULL;

	if (host_cfg_load_string(text, "h.conf", &c, err, sizeof(err)) < 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(c);
	return c;
}

static char *print_to_string(const struct host_cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	host_cfg_print(f, c);
	fclose(f);
	return buf;
}

/* print -> parse -> print gives the same text */
static void roundtrip(const struct host_cfg *c)
{
	char *a = print_to_string(c);
	struct host_cfg *c2 = load_ok(a);
	char *b = print_to_string(c2);

	assert_string_equal(a, b);
	free(a);
	free(b);
	host_cfg_free(c2);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		fail_msg("%s: cannot open", path);
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	assert_true(n >= 0);
	return buf;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static void test_example(void **state)
{
	(void)state;
	char err[512];
	struct host_cfg *c = NULL;

	if (host_cfg_load("examples/hostd.conf", &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(c->file, "examples/hostd.conf");
	assert_string_equal(c->uplink, "x0");
	assert_string_equal(c->dti, "dti0");
	assert_true(c->on_demand);
	assert_int_equal(c->n_routes, 1);
	assert_int_equal(c->routes[0].dst, 0);
	assert_int_equal(c->routes[0].plen, 0);
	assert_string_equal(c->lease_file, "/var/lib/ds46/hostd.lease");
	roundtrip(c);
	host_cfg_free(c);
}

static void test_defaults(void **state)
{
	(void)state;
	struct host_cfg *c = load_ok("host = { uplink = \"eth0\"; };");

	assert_string_equal(c->file, "h.conf");
	assert_string_equal(c->uplink, "eth0");
	assert_string_equal(c->dti, "dti0");
	assert_true(c->on_demand);
	assert_false(c->has_static_tep);
	assert_int_equal(c->n_routes, 1);
	assert_int_equal(c->routes[0].dst, 0);
	assert_int_equal(c->routes[0].plen, 0);
	assert_string_equal(c->lease_file, "/var/lib/ds46/hostd.lease");
	assert_false(c->release_on_stop);
	assert_int_equal(c->ipv4_option_code, DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT);
	assert_false(c->rapid_commit);
	assert_true(c->reconfigure_accept);
	assert_int_equal(c->duid.len, 0);
	assert_int_equal(c->iaid, 1);
	assert_int_equal(c->tunnel_mtu, 0);
	assert_int_equal(c->mss_clamp, 0);
	assert_string_equal(c->control_socket, "/run/ds46/hostd.sock");
	assert_int_equal(c->server_port, 547);
	assert_int_equal(c->client_port, 546);
	assert_int_equal(c->log_level, LOG_INFO);
	roundtrip(c);
	host_cfg_free(c);
}

static void test_every_setting(void **state)
{
	(void)state;
	struct host_cfg *c = load_ok(
		"host = {\n"
		"  uplink = \"eth1\"; dti = \"dstm0\"; mode = \"always\";\n"
		"  static-tep = \"2001:db8:46::ffff\";\n"
		"  routes = [ \"192.0.2.0/24\", \"198.51.100.7\" ];\n"
		"  lease-file = \"/tmp/x.lease\"; release-on-stop = true;\n"
		"  ipv4-option-code = 300; rapid-commit = true; reconfigure-accept = false;\n"
		"  duid = \"0003000102030405\"; iaid = 4294967295L;\n"
		"  tunnel-mtu = 65495; mss-clamp = 65455;\n"
		"  control-socket = \"/tmp/h.sock\"; server-port = 1; client-port = 65535;\n"
		"  log-level = \"error\";\n"
		"};\n");
	struct in6_addr tep;
	static const uint8_t duid[] = { 0, 3, 0, 1, 2, 3, 4, 5 };

	inet_pton(AF_INET6, "2001:db8:46::ffff", &tep);
	assert_string_equal(c->dti, "dstm0");
	assert_false(c->on_demand);
	assert_true(c->has_static_tep);
	assert_memory_equal(&c->static_tep, &tep, 16);
	assert_int_equal(c->n_routes, 2);
	assert_int_equal(c->routes[0].dst, ip4("192.0.2.0"));
	assert_int_equal(c->routes[0].plen, 24);
	assert_int_equal(c->routes[1].dst, ip4("198.51.100.7"));
	assert_int_equal(c->routes[1].plen, 32);
	assert_true(c->release_on_stop);
	assert_int_equal(c->ipv4_option_code, 300);
	assert_true(c->rapid_commit);
	assert_false(c->reconfigure_accept);
	assert_int_equal(c->duid.len, sizeof(duid));
	assert_memory_equal(c->duid.data, duid, sizeof(duid));
	assert_int_equal(c->iaid, UINT32_MAX);
	assert_int_equal(c->tunnel_mtu, 65495);
	assert_int_equal(c->mss_clamp, 65455);
	assert_int_equal(c->server_port, 1);
	assert_int_equal(c->client_port, 65535);
	assert_int_equal(c->log_level, LOG_ERR);
	roundtrip(c);
	host_cfg_free(c);

	/* an empty routes list is no routes (the operator routes into the DTI) */
	c = load_ok("host = { uplink = \"eth0\"; routes = []; };");
	assert_int_equal(c->n_routes, 0);
	roundtrip(c);
	host_cfg_free(c);
	/* auto MTU: any clamp from 536 up */
	c = load_ok("host = { uplink = \"eth0\"; mss-clamp = 536; };");
	assert_int_equal(c->mss_clamp, 536);
	host_cfg_free(c);
}

#define H "host = {\n  uplink = \"eth0\";\n"   /* the setting under test is on line 3 */

static const struct {
	const char *text, *msg;
} bad_cases[] = {
	{ "", "h.conf:1: no 'host' group: host = { uplink = \"...\"; ... }" },
	{ "host = { uplink = \"eth0\"; };\nhosts = 1;\n",
	  "h.conf:2: unknown setting 'hosts' at the top level" },
	{ "host = 1;\n", "h.conf:1: 'host' must be a group: host = { ... }" },
	{ "host = {\n  dti = \"dti0\";\n};\n",
	  "h.conf:1: host has no 'uplink' (the IPv6 interface towards the DSTM server)" },
	{ "host = { uplink = \"eth0\"\n", "h.conf:2: syntax error" },
	{ H "  upl1nk = \"x\";\n};\n", "h.conf:3: unknown setting 'upl1nk' in host" },
	{ H "  dti = \"eth0\";\n};\n",
	  "h.conf:3: dti \"eth0\" is the uplink: the DTI is a TUN device of its own" },
	{ "host = {\n  dti = \"eth0\";\n  uplink = \"eth0\";\n};\n",
	  "h.conf:3: dti \"eth0\" is the uplink: the DTI is a TUN device of its own" },
	{ "host = {\n  uplink = \"a:b\";\n};\n", "h.conf:2: invalid interface name \"a:b\"" },
	{ H "  dti = \"abcdefghijklmnop\";\n};\n",
	  "h.conf:3: interface name \"abcdefghijklmnop\" is too long (at most 15 characters)" },
	{ H "  dti = 1;\n};\n", "h.conf:3: 'dti' must be a string" },
	{ H "  mode = \"lazy\";\n};\n", "h.conf:3: 'mode' must be \"on-demand\" or \"always\"" },
	{ H "  static-tep = \"2001:db8::1/64\";\n};\n",
	  "h.conf:3: invalid IPv6 address \"2001:db8::1/64\"" },
	{ H "  static-tep = \"::1\";\n};\n",
	  "h.conf:3: static-tep \"::1\" must be a unicast IPv6 address (not link-local, "
	  "loopback or IPv4-mapped)" },
	{ H "  static-tep = \"::ffff:192.0.2.1\";\n};\n",
	  "h.conf:3: static-tep \"::ffff:192.0.2.1\" must be a unicast IPv6 address (not "
	  "link-local, loopback or IPv4-mapped)" },
	{ H "  routes = \"0.0.0.0/0\";\n};\n",
	  "h.conf:3: 'routes' must be a list of strings: routes = [ \"...\" ]" },
	{ H "  routes = [ 1 ];\n};\n", "h.conf:3: 'routes' must be a list of strings" },
	{ H "  routes = [ \"10.0.0.0/8\",\n    \"10.0.0.1/8\"\n  ];\n};\n",
	  "h.conf:4: route \"10.0.0.1/8\" has host bits set" },
	{ H "  routes = [ \"10.0.0.0/33\" ];\n};\n",
	  "h.conf:3: invalid prefix length in \"10.0.0.0/33\" (0 to 32)" },
	{ H "  routes = [ \"10.0.0.0/\" ];\n};\n",
	  "h.conf:3: invalid prefix length in \"10.0.0.0/\"" },
	{ H "  routes = [ \"10.0.0/8\" ];\n};\n", "h.conf:3: invalid IPv4 prefix \"10.0.0/8\"" },
	{ H "  routes = [ \"2001:db8::/32\" ];\n};\n",
	  "h.conf:3: invalid IPv4 prefix \"2001:db8::/32\"" },
	{ H "  routes = [ \"10.0.0.0/8\",\n    \"192.0.2.0/24\",\n    \"10.0.0.0/8\" ];\n};\n",
	  "h.conf:5: route \"10.0.0.0/8\" is the same as \"10.0.0.0/8\" (line 3)" },
	{ H "  routes = [ \"10.0.0.1\", \"10.0.0.2\", \"10.0.0.3\", \"10.0.0.4\", \"10.0.0.5\",\n"
	    "    \"10.0.0.6\", \"10.0.0.7\", \"10.0.0.8\", \"10.0.0.9\", \"10.0.0.10\",\n"
	    "    \"10.0.0.11\", \"10.0.0.12\", \"10.0.0.13\", \"10.0.0.14\", \"10.0.0.15\",\n"
	    "    \"10.0.0.16\", \"10.0.0.17\" ];\n};\n",
	  "h.conf:6: too many entries in 'routes' (at most 16)" },
	{ H "  lease-file = \"\";\n};\n", "h.conf:3: 'lease-file' must not be empty" },
	{ H "  release-on-stop = 1;\n};\n", "h.conf:3: 'release-on-stop' must be true or false" },
	{ H "  rapid-commit = \"yes\";\n};\n", "h.conf:3: 'rapid-commit' must be true or false" },
	{ H "  reconfigure-accept = 0;\n};\n",
	  "h.conf:3: 'reconfigure-accept' must be true or false" },
	{ H "  ipv4-option-code = 0;\n};\n",
	  "h.conf:3: 'ipv4-option-code' must be between 1 and 65535" },
	{ H "  ipv4-option-code = 143;\n};\n",
	  "h.conf:3: ipv4-option-code 143 is IANA-assigned (DHCPv6 option codes 1-143); choose "
	  "an unassigned code such as 65046" },
	{ H "  ipv4-option-code = 65536;\n};\n",
	  "h.conf:3: 'ipv4-option-code' must be between 1 and 65535" },
	{ H "  duid = \"0001\";\n};\n",
	  "h.conf:3: 'duid' must be 3 to 130 hexadecimal octets, optionally separated by ':'" },
	{ H "  duid = \"00:01:0g\";\n};\n",
	  "h.conf:3: 'duid' must be 3 to 130 hexadecimal octets, optionally separated by ':'" },
	{ H "  iaid = -1;\n};\n", "h.conf:3: 'iaid' must be between 0 and 4294967295" },
	{ H "  iaid = \"1\";\n};\n", "h.conf:3: 'iaid' must be an integer" },
	{ H "  tunnel-mtu = 1231;\n};\n",
	  "h.conf:3: 'tunnel-mtu' must be 0 (the uplink's MTU - 40) or between 1232 and 65495" },
	{ H "  tunnel-mtu = 65496;\n};\n", "h.conf:3: 'tunnel-mtu' must be between 0 and 65495" },
	{ H "  mss-clamp = 535;\n};\n", "h.conf:3: 'mss-clamp' must be 0 (off) or at least 536" },
	{ H "  mss-clamp = 65456;\n};\n", "h.conf:3: 'mss-clamp' must be between 0 and 65455" },
	{ H "  mss-clamp = 1400;\n  tunnel-mtu = 1280;\n};\n",
	  "h.conf:3: mss-clamp (1400) is larger than tunnel-mtu - 40 (1240): segments would "
	  "not fit the tunnel" },
	{ H "  control-socket = \"/run/ds46/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaa.sock\";\n};\n",
	  "h.conf:3: 'control-socket' is too long (at most 107 characters)" },
	{ H "  server-port = 0;\n};\n", "h.conf:3: 'server-port' must be between 1 and 65535" },
	{ H "  client-port = 65536;\n};\n",
	  "h.conf:3: 'client-port' must be between 1 and 65535" },
	{ H "  server-port = 546;\n};\n",
	  "h.conf:3: server-port and client-port are both 546: they must differ" },
	{ H "  client-port = 600;\n  server-port = 600;\n};\n",
	  "h.conf:4: server-port and client-port are both 600: they must differ" },
	{ H "  log-level = \"loud\";\n};\n",
	  "h.conf:3: 'log-level' must be one of error, warning, notice, info, debug" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		char err[512];
		struct host_cfg *c = (struct host_cfg *)0x1;
		int r = host_cfg_load_string(bad_cases[i].text, "h.conf", &c, err, sizeof(err));

		if (r != -EINVAL || strcmp(err, bad_cases[i].msg) != 0)
			fail_msg("case %zu: got %d \"%s\"\n  expected \"%s\"", i, r,
				 r < 0 ? err : "", bad_cases[i].msg);
		assert_null(c);
	}
}

/* Strings that need escaping survive the printout. */
static void test_print_escapes(void **state)
{
	(void)state;
	struct host_cfg *c = load_ok("host = { uplink = \"eth0\"; "
				     "lease-file = \"/tmp/a \\\"b\\\" \\\\c\\td\"; };");
	char *out;

	assert_string_equal(c->lease_file, "/tmp/a \"b\" \\c\td");
	out = print_to_string(c);
	assert_non_null(strstr(out, "  lease-file = \"/tmp/a \\\"b\\\" \\\\c\\x09d\";\n"));
	free(out);
	roundtrip(c);
	host_cfg_free(c);
}

static void test_golden(void **state)
{
	(void)state;
	glob_t g;
	char err[512];

	assert_int_equal(glob("tests/golden/hostd-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 2);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char outpath[512], *want, *got;
		struct host_cfg *c;
		size_t len = strlen(conf);

		snprintf(outpath, sizeof(outpath), "%.*s.out", (int)(len - 5), conf);
		if (host_cfg_load(conf, &c, err, sizeof(err)) < 0)
			fail_msg("%s: %s", conf, err);
		want = slurp(outpath);
		got = print_to_string(c);
		if (strcmp(want, got) != 0)
			fail_msg("%s: host_cfg_print differs from %s:\n%s", conf, outpath, got);
		free(want);
		free(got);
		roundtrip(c);
		host_cfg_free(c);
	}
	globfree(&g);

	assert_int_equal(glob("tests/golden/bad-hostd-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char *text = slurp(conf), *want;
		static const char tag[] = "# expect: ";
		struct host_cfg *c = NULL;

		if (strncmp(text, tag, strlen(tag)) != 0)
			fail_msg("%s: first line must be \"%s<message>\"", conf, tag);
		want = text + strlen(tag);
		want[strcspn(want, "\n")] = '\0';
		assert_int_equal(host_cfg_load(conf, &c, err, sizeof(err)), -EINVAL);
		assert_null(c);
		if (strcmp(err, want) != 0)
			fail_msg("%s:\n  got      \"%s\"\n  expected \"%s\"", conf, err, want);
		free(text);
	}
	globfree(&g);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	char err[512];
	struct host_cfg *c = (struct host_cfg *)0x1;

	assert_int_equal(host_cfg_load("tests/golden/does-not-exist.conf", &c, err, sizeof(err)),
			 -ENOENT);
	assert_null(c);
	assert_string_equal(err, "tests/golden/does-not-exist.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_setting),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_print_escapes),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_load_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
