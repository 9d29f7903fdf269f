/* Unit tests for src/dstm/config.c: the documented example, defaults, every
 * validation rule with its exact "file:line:" message, the normalised
 * printout (golden files in tests/golden/, round trip), link lookup. */
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

#include "common/util.h"
#include "dstm/config.h"

static const char full_example[] =
	"# /etc/ds46/dstmd.conf\n"
	"server = {\n"
	"  interfaces = [ \"eth0\" ];          # joins ff02::1:2 on these\n"
	"  store = \"/var/lib/ds46/dstmd.db\";\n"
	"  store-sync = \"normal\";\n"
	"  control-socket = \"/run/ds46/dstmd.sock\";\n"
	"  ipv4-option-code = 65046;\n"
	"  preference = 255;\n"
	"  rapid-commit = false;\n"
	"  reconfigure = false;\n"
	"  duid = \"00:01:00:01:2a:3b:4c:5d:00:11:22:33:44:55\";\n"
	"  decline-time = 600;\n"
	"  reclaim-interval = 5;\n"
	"  port = 10547;\n"
	"  log-level = \"debug\";\n"
	"};\n"
	"links = (\n"
	"  {\n"
	"    name = \"lan1\";\n"
	"    interface = \"eth0\";\n"
	"    prefixes = [ \"2001:db8:1::/64\" ];\n"
	"    tep = \"2001:db8:ffff::1\";\n"
	"    t1 = 1000; t2 = 2000; preferred-lifetime = 3000; valid-lifetime = 7000;\n"
	"    ipv4-pools = (\n"
	"      { name = \"pub\"; ranges = [ \"192.0.2.10-192.0.2.200\", \"198.51.100.0/28\" ]; "
	"exclude = [ \"192.0.2.50\", \"192.0.2.60-192.0.2.69\" ]; tep = \"2001:db8:ffff::2\"; }\n"
	"    );\n"
	"    ipv6-pools = (\n"
	"      { name = \"na\"; range = \"2001:db8:1::1000-2001:db8:1::1fff\"; },\n"
	"      { range = \"2001:db8:1:0:1::/80\"; }\n"
	"    );\n"
	"  }\n"
	");\n";

static struct cfg *load_ok(const char *text)
{
	char err[512];
	struct cfg *c = NULL;
	int r = cfg_load_string(text, "t.conf", &c, err, sizeof(err));
	if (r < 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(c);
	return c;
}

static void expect_err(const char *text, const char *msg)
{
	char err[512];
	struct cfg *c = (struct cfg *)0x1;
	int r = cfg_load_string(text, "t.conf", &c, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_null(c);
	assert_string_equal(err, msg);
}

static char *print_to_string(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cfg_print(f, c);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static void assert_ip6(const struct in6_addr *a, const char *s)
{
	char buf[ADDR6_STRLEN];
	assert_string_equal(fmt_in6(a, buf), s);
}

static void test_full_example(void **state)
{
	(void)state;
	struct cfg *c = load_ok(full_example);
	const struct cfg_server *sv = &c->server;

	assert_string_equal(c->file, "t.conf");
	assert_int_equal(sv->n_interfaces, 1);
	assert_string_equal(sv->interfaces[0], "eth0");
	assert_string_equal(sv->store, "/var/lib/ds46/dstmd.db");
	assert_false(sv->store_sync_full);
	assert_string_equal(sv->control_socket, "/run/ds46/dstmd.sock");
	assert_int_equal(sv->ipv4_option_code, 65046);
	assert_int_equal(sv->preference, 255);
	assert_false(sv->rapid_commit);
	assert_false(sv->reconfigure);
	assert_int_equal(sv->duid.len, 14);
	assert_int_equal(sv->duid.data[0], 0x00);
	assert_int_equal(sv->duid.data[1], 0x01);
	assert_int_equal(sv->duid.data[13], 0x55);
	assert_int_equal(sv->decline_time, 600);
	assert_int_equal(sv->reclaim_interval, 5);
	assert_int_equal(sv->port, 10547);
	assert_int_equal(sv->log_level, LOG_DEBUG);

	assert_int_equal(c->n_links, 1);
	const struct cfg_link *l = &c->links[0];
	assert_string_equal(l->name, "lan1");
	assert_string_equal(l->interface, "eth0");
	assert_int_equal(l->line, 18);
	assert_int_equal(l->n_prefixes, 1);
	assert_ip6(&l->prefix[0], "2001:db8:1::");
	assert_int_equal(l->plen[0], 64);
	assert_true(l->has_tep);
	assert_ip6(&l->tep, "2001:db8:ffff::1");
	assert_int_equal(l->t1, 1000);
	assert_int_equal(l->t2, 2000);
	assert_int_equal(l->preferred, 3000);
	assert_int_equal(l->valid, 7000);

	assert_int_equal(l->n_pools4, 1);
	const struct cfg_pool4 *p4 = &l->pools4[0];
	assert_string_equal(p4->name, "pub");
	assert_int_equal(p4->line, 25);
	assert_int_equal(p4->n_ranges, 2);
	assert_int_equal(p4->ranges[0].first, ip4("192.0.2.10"));
	assert_int_equal(p4->ranges[0].last, ip4("192.0.2.200"));
	assert_int_equal(p4->ranges[1].first, ip4("198.51.100.0"));
	assert_int_equal(p4->ranges[1].last, ip4("198.51.100.15"));
	assert_int_equal(p4->n_excludes, 2);
	assert_int_equal(p4->excludes[0].first, ip4("192.0.2.50"));
	assert_int_equal(p4->excludes[0].last, ip4("192.0.2.50"));
	assert_int_equal(p4->excludes[1].first, ip4("192.0.2.60"));
	assert_int_equal(p4->excludes[1].last, ip4("192.0.2.69"));
	assert_true(p4->has_tep);
	assert_ip6(&p4->tep, "2001:db8:ffff::2");

	assert_int_equal(l->n_pools6, 2);
	assert_string_equal(l->pools6[0].name, "na");
	assert_ip6(&l->pools6[0].first, "2001:db8:1::1000");
	assert_ip6(&l->pools6[0].last, "2001:db8:1::1fff");
	assert_string_equal(l->pools6[1].name, "pool1");
	assert_ip6(&l->pools6[1].first, "2001:db8:1:0:1::");
	assert_ip6(&l->pools6[1].last, "2001:db8:1:0:1:ffff:ffff:ffff");
	assert_int_equal(l->pools6[1].line, 29);
	cfg_free(c);
}

static void test_defaults(void **state)
{
	(void)state;
	struct cfg *c = load_ok("links = ( { name = \"r\"; prefixes = [ \"2001:db8::/64\" ];\n"
				"  ipv4-pools = ( { ranges = [ \"10.0.0.0/24\" ]; },\n"
				"                 { ranges = [ \"10.0.1.0/24\" ]; } ); },\n"
				"  { name = \"s\"; prefixes = [ \"2001:db8:1::/48\" ];\n"
				"    preferred-lifetime = 1000; valid-lifetime = 1000;\n"
				"    ipv6-pools = ( { range = \"2001:db8:1::/64\"; } ); } );\n");
	const struct cfg_server *sv = &c->server;

	assert_int_equal(sv->n_interfaces, 0);
	assert_string_equal(sv->store, "/var/lib/ds46/dstmd.db");
	assert_true(sv->store_sync_full);
	assert_string_equal(sv->control_socket, "/run/ds46/dstmd.sock");
	assert_int_equal(sv->ipv4_option_code, DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT);
	assert_int_equal(sv->preference, 0);
	assert_true(sv->rapid_commit);
	assert_true(sv->reconfigure);
	assert_int_equal(sv->duid.len, 0);
	assert_int_equal(sv->decline_time, 86400);
	assert_int_equal(sv->reclaim_interval, 10);
	assert_int_equal(sv->port, 547);
	assert_int_equal(sv->log_level, LOG_INFO);

	assert_int_equal(c->n_links, 2);
	const struct cfg_link *l = &c->links[0];
	assert_string_equal(l->interface, "");
	assert_false(l->has_tep);
	assert_int_equal(l->t1, 1800);
	assert_int_equal(l->t2, 2880);
	assert_int_equal(l->preferred, 3600);
	assert_int_equal(l->valid, 7200);
	assert_int_equal(l->n_pools4, 2);
	assert_int_equal(l->n_pools6, 0);
	assert_string_equal(l->pools4[0].name, "pool0");
	assert_string_equal(l->pools4[1].name, "pool1");
	assert_false(l->pools4[0].has_tep);
	assert_int_equal(l->pools4[0].n_excludes, 0);

	l = &c->links[1];
	assert_int_equal(l->t1, 500);
	assert_int_equal(l->t2, 800);
	assert_int_equal(l->n_pools4, 0);
	assert_int_equal(l->n_pools6, 1);
	assert_string_equal(l->pools6[0].name, "pool0");
	cfg_free(c);
}

static void test_accepted_variants(void **state)
{
	(void)state;
	/* Private ranges (dstm-04 7), lists in ( ), a single-address range,
	 * /8 and /32, infinite lifetimes with libconfig's L suffix, white space
	 * around the dash, code 144 (first one past the IANA block). */
	struct cfg *c = load_ok(
		"server = { interfaces = ( \"eth0\", \"eth1\" ); ipv4-option-code = 144; };\n"
		"links = ( { name = \"a\"; interface = \"eth1\";\n"
		"  t1 = 4294967295L; t2 = 4294967295L; preferred-lifetime = 4294967295L;\n"
		"  valid-lifetime = 4294967295L;\n"
		"  ipv4-pools = ( { ranges = ( \"10.0.0.0/8\" ); },\n"
		"                 { ranges = ( \"172.16.0.1 - 172.16.0.1\", \"192.168.1.1/32\" ); } );"
		" } );\n");
	const struct cfg_link *l = &c->links[0];
	assert_int_equal(c->server.ipv4_option_code, 144);
	assert_int_equal(l->valid, UINT32_MAX);
	assert_int_equal(l->t1, UINT32_MAX);
	assert_int_equal(l->pools4[0].n_ranges, 1);
	assert_int_equal(l->pools4[0].ranges[0].first, ip4("10.0.0.0"));
	assert_int_equal(l->pools4[0].ranges[0].last, ip4("10.255.255.255"));
	assert_int_equal(l->pools4[1].n_ranges, 2);
	assert_int_equal(l->pools4[1].ranges[0].first, ip4("172.16.0.1"));
	assert_int_equal(l->pools4[1].ranges[0].last, ip4("172.16.0.1"));
	assert_int_equal(l->pools4[1].ranges[1].first, ip4("192.168.1.1"));
	assert_int_equal(l->pools4[1].ranges[1].last, ip4("192.168.1.1"));

	char *out = print_to_string(c);
	assert_non_null(strstr(out, "valid-lifetime = 4294967295L;"));
	struct cfg *c2 = load_ok(out);
	assert_int_equal(c2->links[0].valid, UINT32_MAX);
	free(out);
	cfg_free(c2);
	cfg_free(c);
}

/* ---- validation: one rule per case, exact message and line ------------- */

#define LINK_TAIL " ipv4-pools = ( { ranges = [ \"192.0.2.0/24\" ]; } ); }"

struct bad_case {
	const char *text;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	/* syntax, reported by libconfig with its line */
	{ "server = {\n  port = 547;\n  store = ;\n};\n", "t.conf:3: syntax error" },
	{ "links = ();\nlinks = ();\n", "t.conf:2: duplicate setting name" },
	/* unknown names everywhere */
	{ "server = {};\nservr = {};\n", "t.conf:2: unknown setting 'servr' in the top level" },
	{ "server = {\n  port = 547;\n  stor = \"x\";\n};\n",
	  "t.conf:3: unknown setting 'stor' in server" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  t3 = 5;" LINK_TAIL " );\n",
	  "t.conf:2: unknown setting 't3' in link" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.0/24\" ];\n"
	  "                   excludes = [ \"192.0.2.1\" ]; } ); } );\n",
	  "t.conf:3: unknown setting 'excludes' in ipv4 pool" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv6-pools = ( { ranges = \"2001:db8::/64\"; } ); } );\n",
	  "t.conf:2: unknown setting 'ranges' in ipv6 pool" },
	/* wrong types */
	{ "server = {\n  port = \"547\";\n};\n", "t.conf:2: 'port' must be an integer" },
	{ "server = {\n  preference = 1.5;\n};\n", "t.conf:2: 'preference' must be an integer" },
	{ "server = {\n  rapid-commit = 1;\n};\n",
	  "t.conf:2: 'rapid-commit' must be true or false" },
	{ "server = {\n  store = 5;\n};\n", "t.conf:2: 'store' must be a string" },
	{ "server = (\n);\n", "t.conf:1: 'server' must be a group: server = { ... }" },
	{ "server = {\n  interfaces = [ 1 ];\n};\n",
	  "t.conf:2: 'interfaces' must be a list of strings" },
	{ "server = {\n  interfaces = \"eth0\";\n};\n",
	  "t.conf:2: 'interfaces' must be a list of strings: interfaces = [ \"...\" ]" },
	{ "links = {\n};\n", "t.conf:1: 'links' must be a list of groups: links = ( { ... } )" },
	{ "links = (\n  \"a\"\n);\n",
	  "t.conf:2: 'links' must be a list of groups: links = ( { ... } )" },
	/* values */
	{ "server = {\n  port = 0;\n};\n", "t.conf:2: 'port' must be between 1 and 65535" },
	{ "server = {\n  preference = 256;\n};\n",
	  "t.conf:2: 'preference' must be between 0 and 255" },
	{ "server = {\n  decline-time = -1;\n};\n",
	  "t.conf:2: 'decline-time' must be between 0 and 4294967295" },
	{ "server = {\n  store-sync = \"always\";\n};\n",
	  "t.conf:2: 'store-sync' must be \"full\" or \"normal\"" },
	{ "server = {\n  log-level = \"warn\";\n};\n",
	  "t.conf:2: 'log-level' must be one of error, warning, notice, info, debug" },
	{ "server = {\n  duid = \"00:0\";\n};\n",
	  "t.conf:2: 'duid' must be 3 to 130 hexadecimal octets, optionally separated by ':'" },
	{ "server = {\n  store = \"\";\n};\n", "t.conf:2: 'store' must not be empty" },
	{ "server = {\n  control-socket = "
	  "\"/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789"
	  "/0123456789/0123456789/0123456789\";\n};\n",
	  "t.conf:2: 'control-socket' is too long (at most 107 characters)" },
	/* option code: 0 and the IANA-assigned 1..143 */
	{ "server = {\n  ipv4-option-code = 0;\n};\n",
	  "t.conf:2: 'ipv4-option-code' must be between 1 and 65535" },
	{ "server = {\n  ipv4-option-code = 3;\n};\n",
	  "t.conf:2: ipv4-option-code 3 is IANA-assigned (DHCPv6 option codes 1-143); choose an "
	  "unassigned code such as 65046" },
	{ "server = {\n\n  ipv4-option-code = 143;\n};\n",
	  "t.conf:3: ipv4-option-code 143 is IANA-assigned (DHCPv6 option codes 1-143); choose an "
	  "unassigned code such as 65046" },
	/* interfaces */
	{ "server = {\n  interfaces = [ \"eth0\",\n  \"eth0\" ];\n};\n",
	  "t.conf:3: duplicate interface \"eth0\"" },
	{ "server = {\n  interfaces = [ \"abcdefghijklmnop\" ];\n};\n",
	  "t.conf:2: interface name \"abcdefghijklmnop\" is too long (at most 15 characters)" },
	{ "server = {\n  interfaces = [ \"a b\" ];\n};\n",
	  "t.conf:2: invalid interface name \"a b\"" },
	{ "server = { interfaces = [ \"eth0\" ]; };\n"
	  "links = ( { name = \"a\";\n  interface = \"eth1\";" LINK_TAIL " );\n",
	  "t.conf:3: interface \"eth1\" of link \"a\" is not in server.interfaces" },
	{ "server = { interfaces = [ \"eth0\" ]; };\n"
	  "links = ( { name = \"a\"; interface = \"eth0\";" LINK_TAIL ",\n"
	  "  { name = \"b\";\n  interface = \"eth0\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "    ipv6-pools = ( { range = \"2001:db8::1-2001:db8::2\"; } ); } );\n",
	  "t.conf:4: interface \"eth0\" is already used by link \"a\"" },
	/* links */
	{ "server = {};\n", "t.conf:1: no 'links' configured" },
	{ "links = (\n);\n", "t.conf:1: no 'links' configured" },
	{ "links = (\n  { prefixes = [ \"2001:db8::/64\" ];" LINK_TAIL " );\n",
	  "t.conf:2: link has no 'name'" },
	{ "links = (\n  { name = \"a b\";" LINK_TAIL " );\n",
	  "t.conf:2: invalid name \"a b\": use letters, digits, '-', '_', '.'" },
	{ "links = (\n  { name = \"a\";" LINK_TAIL " );\n",
	  "t.conf:2: link \"a\" has neither 'interface' nor 'prefixes'" },
	{ "links = (\n  { name = \"a\"; prefixes = [ \"2001:db8::/64\" ]; } );\n",
	  "t.conf:2: link \"a\" has no ipv4-pools and no ipv6-pools" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];" LINK_TAIL ",\n"
	  "  { name = \"b\"; prefixes = [ \"2001:db8:1::/64\" ];\n"
	  "    ipv6-pools = ( { range = \"2001:db8:1::/64\"; } ); },\n"
	  "  { name = \"a\";\n    prefixes = [ \"2001:db8:2::/64\" ];\n"
	  "    ipv6-pools = ( { range = \"2001:db8:2::/64\"; } ); } );\n",
	  "t.conf:4: duplicate link name \"a\" (first on line 1)" },
	/* prefixes */
	{ "links = ( { name = \"a\";\n  prefixes = [ \"2001:db8::\" ];" LINK_TAIL " );\n",
	  "t.conf:2: prefix \"2001:db8::\" has no length (address/length)" },
	{ "links = ( { name = \"a\";\n  prefixes = [ \"2001:db8::1/64\" ];" LINK_TAIL " );\n",
	  "t.conf:2: prefix \"2001:db8::1/64\" has host bits set" },
	{ "links = ( { name = \"a\";\n  prefixes = [ \"2001:zz8::/64\" ];" LINK_TAIL " );\n",
	  "t.conf:2: invalid IPv6 prefix \"2001:zz8::/64\"" },
	{ "links = ( { name = \"a\";\n  prefixes = [ \"2001:db8::/129\" ];" LINK_TAIL " );\n",
	  "t.conf:2: invalid prefix length in \"2001:db8::/129\"" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/48\" ];" LINK_TAIL ",\n"
	  "  { name = \"b\";\n    prefixes = [ \"2001:db8:0:1::/64\" ];\n"
	  "    ipv6-pools = ( { range = \"2001:db8:0:1::/64\"; } ); } );\n",
	  "t.conf:3: prefix \"2001:db8:0:1::/64\" overlaps a prefix of link \"a\"" },
	/* TEP */
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n  tep = \"2001:db8::g\";"
	  LINK_TAIL " );\n",
	  "t.conf:2: invalid IPv6 address \"2001:db8::g\"" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n  tep = \"ff02::1\";"
	  LINK_TAIL " );\n",
	  "t.conf:2: tep \"ff02::1\" must be a unicast IPv6 address" },
	/* lifetimes, RFC 8415 21.4 / 21.6 */
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n  t1 = 2000; t2 = 1000;"
	  LINK_TAIL " );\n",
	  "t.conf:2: t1 (2000) is greater than t2 (1000) (RFC 8415 21.4)" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n  t1 = 3000;" LINK_TAIL
	  " );\n",
	  "t.conf:2: t1 (3000) is greater than t2 (2880) (RFC 8415 21.4)" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n  t2 = 4000;" LINK_TAIL
	  " );\n",
	  "t.conf:2: t2 (4000) is greater than preferred-lifetime (3600) (RFC 8415 21.4)" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  preferred-lifetime = 8000;" LINK_TAIL " );\n",
	  "t.conf:2: preferred-lifetime (8000) is greater than valid-lifetime (7200) "
	  "(RFC 8415 21.6)" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  valid-lifetime = 0;" LINK_TAIL " );\n",
	  "t.conf:2: 'valid-lifetime' must be between 1 and 4294967295" },
	/* IPv4 pools */
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { name = \"p\"; } ); } );\n",
	  "t.conf:2: ipv4 pool \"p\" has no ranges" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { name = \"p\";\n    ranges = [ ]; } ); } );\n",
	  "t.conf:3: ipv4 pool \"p\" has no ranges" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.0/24\",\n"
	  "    \"192.0.2.300-192.0.2.400\" ]; } ); } );\n",
	  "t.conf:3: invalid IPv4 range \"192.0.2.300-192.0.2.400\"" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.20-192.0.2.10\" ]; } ); } );\n",
	  "t.conf:2: range \"192.0.2.20-192.0.2.10\": first address is greater than last" },
	/* libconfig stamps the last element with the line of the bracket */
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [\n    \"192.0.2.0/24\",\n    \"10.0.0.0/33\"\n\n\n"
	  "  ]; } ); } );\n",
	  "t.conf:4: prefix length of \"10.0.0.0/33\" must be between 8 and 32" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"10.0.0.0/7\" ]; } ); } );\n",
	  "t.conf:2: prefix length of \"10.0.0.0/7\" must be between 8 and 32" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"10.0.0.0/33\" ]; } ); } );\n",
	  "t.conf:2: prefix length of \"10.0.0.0/33\" must be between 8 and 32" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.1/24\" ]; } ); } );\n",
	  "t.conf:2: \"192.0.2.1/24\" has host bits set" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"127.0.0.1\" ]; } ); } );\n",
	  "t.conf:2: range \"127.0.0.1\" contains addresses that cannot be leased (0.0.0.0/8, "
	  "127.0.0.0/8, 224.0.0.0/3)" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"10.0.0.0/8\", \"11.0.0.0/32\" ]; } ); } );\n",
	  "t.conf:2: pool is too large: at most 16777216 addresses (a /8)" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.0/28\" ];\n"
	  "    exclude = [ \"192.0.2.1\", \"192.0.2.15-192.0.2.16\" ]; } ); } );\n",
	  "t.conf:3: exclude \"192.0.2.15-192.0.2.16\" is outside the ranges of pool \"pool0\"" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.0/28\" ];\n"
	  "    exclude = [ \"192.0.2.1-192.0.2.5\", \"192.0.2.5\" ]; } ); } );\n",
	  "t.conf:3: exclude \"192.0.2.5\" overlaps exclude \"192.0.2.1-192.0.2.5\"" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.1\" ];\n"
	  "    exclude = [ \"192.0.2.1\" ]; } ); } );\n",
	  "t.conf:3: every address of pool \"pool0\" is excluded" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { name = \"x\"; ranges = [ \"192.0.2.0/28\" ]; },\n"
	  "                 { name = \"x\"; ranges = [ \"192.0.2.16/28\" ]; } ); } );\n",
	  "t.conf:3: duplicate ipv4 pool name \"x\"" },
	/* an address belongs to one pool: within a pool, a link, across links */
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv4-pools = ( { ranges = [ \"192.0.2.0/28\",\n"
	  "                              \"192.0.2.15-192.0.2.20\" ]; } ); } );\n",
	  "t.conf:3: ipv4 range \"192.0.2.15-192.0.2.20\" overlaps \"192.0.2.0/28\" of pool "
	  "\"pool0\" on link \"a\" (line 2): an address may belong to one pool only" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "    ipv4-pools = ( { name = \"p\"; ranges = [ \"192.0.2.0/24\" ]; } ); },\n"
	  "  { name = \"b\"; prefixes = [ \"2001:db8:1::/64\" ];\n"
	  "    ipv4-pools = ( { ranges = [ \"192.0.2.0/24\" ]; } ); } );\n",
	  "t.conf:4: ipv4 range \"192.0.2.0/24\" overlaps \"192.0.2.0/24\" of pool \"p\" on link "
	  "\"a\" (line 2): an address may belong to one pool only" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "    ipv4-pools = ( { name = \"p\"; ranges = [ \"10.0.0.100-10.0.0.200\" ]; } ); },\n"
	  "  { name = \"b\"; prefixes = [ \"2001:db8:1::/64\" ];\n"
	  "    ipv4-pools = ( { ranges = [ \"10.0.0.0/8\" ]; } ); } );\n",
	  "t.conf:4: ipv4 range \"10.0.0.0/8\" overlaps \"10.0.0.100-10.0.0.200\" of pool \"p\" on "
	  "link \"a\" (line 2): an address may belong to one pool only" },
	/* IPv6 pools */
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv6-pools = ( { name = \"n\"; } ); } );\n",
	  "t.conf:2: ipv6 pool \"n\" has no range" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv6-pools = ( { range = \"2001:db8::9-2001:db8::1\"; } ); } );\n",
	  "t.conf:2: range \"2001:db8::9-2001:db8::1\": first address is greater than last" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv6-pools = ( { range = \"2001:db8::/63\"; } ); } );\n",
	  "t.conf:2: prefix length of \"2001:db8::/63\" must be between 64 and 128" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv6-pools = ( { range = \"2001:db8::1\"; } ); } );\n",
	  "t.conf:2: invalid IPv6 range \"2001:db8::1\": use first-last or prefix/len" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  ipv6-pools = ( { range = \"2001:db8:1::/64\"; } ); } );\n",
	  "t.conf:2: range \"2001:db8:1::/64\" is not inside a prefix of link \"a\"" },
	{ "server = { interfaces = [ \"e\" ]; };\nlinks = ( { name = \"a\"; interface = \"e\";\n"
	  "  ipv6-pools = ( { range = \"::ffff:10.0.0.0/120\"; } ); } );\n",
	  "t.conf:3: range \"::ffff:10.0.0.0/120\" contains unspecified, loopback, IPv4-mapped or "
	  "multicast addresses" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "  tep = \"2001:db8::1:0\";\n"
	  "  ipv6-pools = ( { range = \"2001:db8::/112\"; },\n"
	  "                 { range = \"2001:db8::1:0/112\"; } ); } );\n",
	  "t.conf:4: ipv6 pool \"pool1\" contains the TEP 2001:db8::1:0" },
	{ "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "    ipv6-pools = ( { name = \"x\"; range = \"2001:db8::/112\"; } ); },\n"
	  "  { name = \"b\"; interface = \"e\"; } );\n",
	  "t.conf:3: link \"b\" has no ipv4-pools and no ipv6-pools" },
	{ "server = { interfaces = [ \"e\" ]; };\n"
	  "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
	  "    ipv6-pools = ( { name = \"x\"; range = \"2001:db8::/112\"; } ); },\n"
	  "  { name = \"b\"; interface = \"e\";\n"
	  "    ipv6-pools = ( { range = \"2001:db8::ff-2001:db8::1ff\"; } ); } );\n",
	  "t.conf:5: ipv6 range \"2001:db8::ff-2001:db8::1ff\" overlaps \"2001:db8::/112\" of pool "
	  "\"x\" on link \"a\" (line 3): an address may belong to one pool only" },
};

static void test_validation(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		char err[512];
		struct cfg *c = NULL;
		int r = cfg_load_string(bad_cases[i].text, "t.conf", &c, err, sizeof(err));
		if (r != -EINVAL || strcmp(err, bad_cases[i].msg) != 0)
			fail_msg("case %zu: got %d \"%s\"\n  expected \"%s\"", i, r,
				 r < 0 ? err : "", bad_cases[i].msg);
		assert_null(c);
	}
}

/* ---- CFG_MAX_* limits: generated configs, each one over --------------- */

static char *gen_links(unsigned n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fputs("links = (\n", f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f,
			"{ name = \"l%u\"; prefixes = [ \"2001:db8:%x::/64\" ]; ipv6-pools = "
			"( { range = \"2001:db8:%x::1000-2001:db8:%x::1fff\"; } ); }%s\n",
			i, i, i, i, i + 1 < n ? "," : "");
	fputs(");\n", f);
	fclose(f);
	return buf;
}

static void test_limits(void **state)
{
	(void)state;
	char *t = gen_links(CFG_MAX_LINKS);
	struct cfg *c = load_ok(t);
	assert_int_equal(c->n_links, CFG_MAX_LINKS);
	assert_string_equal(c->links[CFG_MAX_LINKS - 1].name, "l255");
	cfg_free(c);
	free(t);
	t = gen_links(CFG_MAX_LINKS + 1);
	expect_err(t, "t.conf:258: too many links (at most 256)");
	free(t);

	char text[8192];
	size_t o;

	o = (size_t)snprintf(text, sizeof(text), "server = { interfaces = [\n");
	for (unsigned i = 0; i <= CFG_MAX_IFACES; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\"e%u\"%s\n", i,
				      i < CFG_MAX_IFACES ? "," : "");
	snprintf(text + o, sizeof(text) - o, "]; };\n");
	expect_err(text, "t.conf:18: too many entries in 'interfaces' (at most 16)");

	o = (size_t)snprintf(text, sizeof(text), "links = ( { name = \"a\"; prefixes = [\n");
	for (unsigned i = 0; i <= CFG_MAX_PREFIXES; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\"2001:db8:%u::/64\"%s\n", i,
				      i < CFG_MAX_PREFIXES ? "," : "");
	snprintf(text + o, sizeof(text) - o, "];" LINK_TAIL " );\n");
	expect_err(text, "t.conf:10: too many entries in 'prefixes' (at most 8)");

	o = (size_t)snprintf(text, sizeof(text),
			     "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
			     "  ipv4-pools = ( { ranges = [\n");
	for (unsigned i = 0; i <= CFG_MAX_RANGES; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\"10.0.%u.0/24\"%s\n", i,
				      i < CFG_MAX_RANGES ? "," : "");
	snprintf(text + o, sizeof(text) - o, "]; } ); } );\n");
	expect_err(text, "t.conf:19: too many entries in 'ranges' (at most 16)");

	o = (size_t)snprintf(text, sizeof(text),
			     "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
			     "  ipv4-pools = ( { ranges = [ \"10.0.0.0/24\" ]; exclude = [\n");
	for (unsigned i = 0; i <= CFG_MAX_EXCLUDES; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\"10.0.0.%u\"%s\n", i,
				      i < CFG_MAX_EXCLUDES ? "," : "");
	snprintf(text + o, sizeof(text) - o, "]; } ); } );\n");
	expect_err(text, "t.conf:67: too many entries in 'exclude' (at most 64)");

	o = (size_t)snprintf(text, sizeof(text),
			     "links = ( { name = \"a\"; prefixes = [ \"2001:db8::/64\" ];\n"
			     "  ipv4-pools = (\n");
	for (unsigned i = 0; i <= CFG_MAX_POOLS; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "{ ranges = [ \"10.0.%u.0/24\" ]; }%s\n", i,
				      i < CFG_MAX_POOLS ? "," : "");
	snprintf(text + o, sizeof(text) - o, "); } );\n");
	expect_err(text, "t.conf:19: too many ipv4 pools (at most 16)");
}

/* ---- printout --------------------------------------------------------- */

static void roundtrip(const struct cfg *c)
{
	char *out1 = print_to_string(c);
	struct cfg *c2 = load_ok(out1);
	char *out2 = print_to_string(c2);
	assert_string_equal(out1, out2);
	free(out1);
	free(out2);
	cfg_free(c2);
}

static void test_print_roundtrip(void **state)
{
	(void)state;
	struct cfg *c = load_ok(full_example);
	char *out = print_to_string(c);
	/* ranges as first-last, canonical addresses, every value explicit */
	assert_non_null(strstr(out, "\"198.51.100.0-198.51.100.15\""));
	assert_non_null(strstr(out, "exclude = [ \"192.0.2.50\", \"192.0.2.60-192.0.2.69\" ];"));
	assert_non_null(strstr(out, "range = \"2001:db8:1:0:1::-2001:db8:1:0:1:ffff:ffff:ffff\";"));
	assert_non_null(strstr(out, "name = \"pool1\";"));
	assert_non_null(strstr(out, "store-sync = \"normal\";"));
	assert_non_null(strstr(out, "log-level = \"debug\";"));
	free(out);
	roundtrip(c);
	cfg_free(c);

	/* Strings that need escaping survive. */
	c = load_ok("server = { store = \"/tmp/a\\\"b\\\\c\\x01\\td\"; };\n"
		    "links = ( { name = \"a\"; prefixes = [ \"2001:DB8:0:0::/64\" ];" LINK_TAIL
		    " );\n");
	assert_string_equal(c->server.store, "/tmp/a\"b\\c\x01\td");
	out = print_to_string(c);
	assert_non_null(strstr(out, "store = \"/tmp/a\\\"b\\\\c\\x01\\x09d\";"));
	assert_non_null(strstr(out, "prefixes = [ \"2001:db8::/64\" ];"));
	free(out);
	roundtrip(c);
	cfg_free(c);

	char err[512];
	assert_int_equal(cfg_load("examples/dstmd.conf", &c, err, sizeof(err)), 0);
	assert_int_equal(c->n_links, 2);
	assert_string_equal(c->links[0].interface, "s0");
	assert_int_equal(c->links[1].pools4[0].ranges[0].last, ip4("198.51.100.63"));
	roundtrip(c);
	cfg_free(c);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	if (!f)
		fail_msg("cannot open %s (tests run from the repository root)", path);
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void test_golden(void **state)
{
	(void)state;
	glob_t g;
	char err[512];

	assert_int_equal(glob("tests/golden/dstmd-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 2);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char outpath[512];
		struct cfg *c;
		size_t len = strlen(conf);

		snprintf(outpath, sizeof(outpath), "%.*s.out", (int)(len - 5), conf);
		if (cfg_load(conf, &c, err, sizeof(err)) < 0)
			fail_msg("%s: %s", conf, err);
		char *want = slurp(outpath);
		char *got = print_to_string(c);
		if (strcmp(want, got) != 0)
			fail_msg("%s: cfg_print differs from %s:\n%s", conf, outpath, got);
		free(want);
		free(got);
		roundtrip(c);
		cfg_free(c);
	}
	globfree(&g);

	assert_int_equal(glob("tests/golden/bad-dstmd-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 6);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char *text = slurp(conf);
		static const char tag[] = "# expect: ";
		struct cfg *c = NULL;

		if (strncmp(text, tag, strlen(tag)) != 0)
			fail_msg("%s: first line must be \"%s<message>\"", conf, tag);
		char *want = text + strlen(tag);
		want[strcspn(want, "\n")] = '\0';
		assert_int_equal(cfg_load(conf, &c, err, sizeof(err)), -EINVAL);
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
	struct cfg *c = (struct cfg *)0x1;
	assert_int_equal(cfg_load("tests/golden/does-not-exist.conf", &c, err, sizeof(err)),
			 -ENOENT);
	assert_null(c);
	assert_string_equal(err, "tests/golden/does-not-exist.conf: No such file or directory");
}

/* ---- lookups ------------------------------------------------------------ */

static void test_link_lookup(void **state)
{
	(void)state;
	struct cfg *c = load_ok(
		"server = { interfaces = [ \"eth0\", \"eth1\" ]; };\n"
		"links = (\n"
		"  { name = \"a\"; interface = \"eth0\";\n"
		"    prefixes = [ \"2001:db8:1::/64\", \"2001:db8:100::/56\" ];" LINK_TAIL ",\n"
		"  { name = \"b\"; prefixes = [ \"2001:db8:2::/64\" ];\n"
		"    ipv6-pools = ( { range = \"2001:db8:2::/64\"; } ); },\n"
		"  { name = \"c\"; interface = \"eth1\";\n"
		"    ipv6-pools = ( { range = \"2001:db8:3::1-2001:db8:3::9\"; } ); } );\n");
	struct in6_addr a;

	inet_pton(AF_INET6, "2001:db8:1::abcd", &a);
	assert_ptr_equal(cfg_link_by_addr(c, &a), &c->links[0]);
	inet_pton(AF_INET6, "2001:db8:100:ff::1", &a);
	assert_ptr_equal(cfg_link_by_addr(c, &a), &c->links[0]);
	inet_pton(AF_INET6, "2001:db8:2:0:1:2:3:4", &a);
	assert_ptr_equal(cfg_link_by_addr(c, &a), &c->links[1]);
	inet_pton(AF_INET6, "2001:db8:3::1", &a);        /* c has no prefixes */
	assert_null(cfg_link_by_addr(c, &a));
	inet_pton(AF_INET6, "fe80::1", &a);
	assert_null(cfg_link_by_addr(c, &a));
	assert_null(cfg_link_by_addr(c, &in6addr_any));

	assert_ptr_equal(cfg_link_by_ifname(c, "eth0"), &c->links[0]);
	assert_ptr_equal(cfg_link_by_ifname(c, "eth1"), &c->links[2]);
	assert_null(cfg_link_by_ifname(c, "eth2"));
	assert_null(cfg_link_by_ifname(c, ""));   /* b has no interface */
	assert_null(cfg_link_by_ifname(c, NULL));
	cfg_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_accepted_variants),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_print_roundtrip),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_link_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
