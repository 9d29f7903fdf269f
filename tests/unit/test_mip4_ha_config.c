/* Unit tests for the home agent's configuration (mip4/ha_config.c): the
 * example, the defaults, parsed values, rules with their exact
 * "file:line:" messages, the printout's round trip (and that the
 * registration engine takes the configuration), and the golden files
 * tests/golden/had-*.conf (ha_cfg_print equals the .out file, what
 * `ds46-had -nv` prints) and bad-had-*.conf (the message on their first
 * line), which scripts/check-config.sh also runs through the binary. */
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
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"

#define REQ                                                                    \
	"  address = \"192.0.2.1\";\n"                                          \
	"  home-link = \"eth0\";\n"                                             \
	"  home-network = \"192.0.2.0/24\";\n"

static struct ha_cfg *load_ok(const char *text)
{
	char err[512];
	struct ha_cfg *c = NULL;

	if (ha_cfg_load_string(text, "h.conf", &c, err, sizeof(err)) < 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(c);
	return c;
}

static void load_bad(const char *text, const char *want)
{
	char err[512] = "";
	struct ha_cfg *c = (struct ha_cfg *)0x1;

	assert_int_equal(ha_cfg_load_string(text, "h.conf", &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
	if (strcmp(err, want) != 0)
		fail_msg("got      \"%s\"\nexpected \"%s\"", err, want);
}

static char *print_to_string(const struct ha_cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ha_cfg_print(f, c);
	fclose(f);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		fail_msg("%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* print -> parse -> print is stable, and the engine takes it */
static void roundtrip(const struct ha_cfg *c)
{
	char *a = print_to_string(c);
	struct ha_cfg *c2 = load_ok(a);
	char *b = print_to_string(c2);
	struct ha_reg *r = NULL;

	assert_string_equal(a, b);
	assert_int_equal(ha_reg_new(c2, &r), 0);
	ha_reg_free(r);
	free(a);
	free(b);
	ha_cfg_free(c2);
}

static uint32_t a4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_example(void **state)
{
	char err[512];
	struct ha_cfg *c = NULL;

	(void)state;
	if (ha_cfg_load("examples/had.conf", &c, err, sizeof(err)) < 0)
		fail_msg("examples/had.conf: %s", err);
	assert_int_equal(c->address, a4("192.0.2.1"));
	assert_int_equal(c->n_nodes, 4);
	assert_string_equal(c->nodes[0].name, "mn1");
	assert_int_equal(c->nodes[0].spi, 256);
	assert_int_equal(c->nodes[0].key_len, 16);
	assert_int_equal(c->nodes[0].key[15], 0xff);
	assert_int_equal(c->nodes[0].max_bindings, 2);
	assert_true(c->nodes[0].dynamic_ipv6);
	assert_int_equal(c->nodes[2].n_implicit, 1);
	assert_int_equal(c->nodes[3].home_addr, 0);
	assert_int_equal(c->nodes[3].replay, HA_REPLAY_NONCE);
	assert_string_equal(c->nodes[3].nai, "laptop@example.net");
	assert_true(c->has_pool4);
	assert_int_equal(c->pool4_first, a4("192.0.2.100"));
	assert_int_equal(c->pool4_last, a4("192.0.2.199"));
	assert_true(c->has_pool6);
	assert_int_equal(c->pool6_plen, 48);
	/* foreign agents and NAT traversal (issue 5) */
	assert_int_equal(c->fa_policy, HA_FA_ANY);
	assert_int_equal(c->n_fas, 2);
	assert_int_equal(c->fas[0].address, a4("198.51.100.1"));
	assert_true(c->fas[0].has_sa);
	assert_int_equal(c->fas[0].spi, 4096);
	assert_int_equal(c->fas[0].key_len, strlen("fa-ha shared secret"));
	assert_false(c->fas[1].has_sa);
	assert_ptr_equal(ha_cfg_fa_find(c, a4("203.0.113.1")), &c->fas[1]);
	assert_null(ha_cfg_fa_find(c, a4("203.0.113.2")));
	assert_true(c->nat_traversal);
	assert_true(c->nat_force);
	assert_int_equal(c->udp_keepalive, 110);
	assert_int_equal(c->pool6_length, 64);
	roundtrip(c);
	ha_cfg_free(c);
}

static void test_defaults(void **state)
{
	struct ha_cfg *c = load_ok("ha = {\n" REQ "};\n");

	(void)state;
	assert_int_equal(c->home_net, a4("192.0.2.0"));
	assert_int_equal(c->home_plen, 24);
	assert_string_equal(c->home_link, "eth0");
	assert_int_equal(c->max_lifetime, HA_CFG_DEFAULT_MAX_LIFETIME);
	assert_int_equal(c->replay_window, HA_CFG_DEFAULT_REPLAY_WINDOW);
	assert_true(c->encap_gre);
	assert_true(c->encap_minimal);
	assert_int_equal(c->reverse_tunnel, HA_REVTUN_ALLOWED);
	assert_true(c->forward_broadcast);
	assert_true(c->ipv6);
	assert_true(c->tunnel_mode);
	assert_int_equal(c->tunnel_mtu, HA_CFG_DEFAULT_TUNNEL_MTU);
	assert_int_equal(c->dad_timeout_ms, HA_CFG_DEFAULT_DAD_TIMEOUT_MS);
	assert_false(c->has_pool4);
	assert_false(c->has_pool6);
	assert_int_equal(c->port, MIP4_PORT);
	assert_string_equal(c->store, HA_CFG_DEFAULT_STORE);
	assert_string_equal(c->control_socket, HA_CFG_DEFAULT_CONTROL_SOCKET);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->n_nodes, 0);
	roundtrip(c);
	ha_cfg_free(c);
}

static void test_node_values(void **state)
{
	struct ha_cfg *c = load_ok(
		"ha = {\n" REQ
		"  home-prefixes = [ \"2001:db8:46::/64\" ];\n"
		"  encapsulations = [ \"ipip\" ];\n"
		"  reverse-tunnel = \"off\";\n"
		"  nodes = ( { name = \"a\"; home-address = \"192.0.2.9\"; spi = 256;\n"
		"    key-hex = \"de:ad:be:ef\"; replay = \"nonce\"; max-bindings = 16;\n"
		"    prefixes = [ \"2001:db8:46::9/128\", \"2001:db8:99::/48\" ]; } );\n"
		"};\n");
	const struct ha_cfg_node *n = &c->nodes[0];
	struct in6_addr p;

	(void)state;
	assert_false(c->encap_gre);
	assert_false(c->encap_minimal);
	assert_int_equal(c->reverse_tunnel, HA_REVTUN_OFF);
	assert_int_equal(n->home_addr, a4("192.0.2.9"));
	assert_int_equal(n->key_len, 4);
	assert_memory_equal(n->key, "\xde\xad\xbe\xef", 4);
	assert_int_equal(n->replay, HA_REPLAY_NONCE);
	assert_int_equal(n->max_bindings, 16);
	assert_int_equal(n->n_prefixes, 2);
	assert_int_equal(n->prefixes[0].plen, 128);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:99::", &p), 1);
	assert_memory_equal(&n->prefixes[1].prefix, &p, 16);
	assert_string_equal(ha_revtun_name(HA_REVTUN_REQUIRED), "required");
	assert_string_equal(ha_replay_name(HA_REPLAY_TIMESTAMP), "timestamp");
	roundtrip(c);
	ha_cfg_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	load_bad("ha = {\n" REQ "  max-lifetime = 0;\n};\n",
		 "h.conf:5: 'max-lifetime' must be between 1 and 65535");
	load_bad("ha = {\n" REQ "  home-prefixes = [ \"fe80::/64\" ];\n};\n",
		 "h.conf:5: prefix \"fe80::/64\" is not a global unicast prefix");
	load_bad("ha = {\n" REQ "  pool4 = \"192.0.2.1-192.0.2.5\";\n};\n",
		 "h.conf:5: pool4 holds the home agent's address");
	load_bad("ha = {\n" REQ "  encapsulations = [ \"ipip\", \"ipip\" ];\n};\n",
		 "h.conf:5: encapsulation \"ipip\" is listed twice");
	load_bad("ha = {\n" REQ
		 "  nodes = ( { name = \"a\"; home-address = \"192.0.2.1\"; spi = 256;"
		 " key = \"k\"; } );\n};\n",
		 "h.conf:5: home-address \"192.0.2.1\" is the home agent's address");
	load_bad("ha = {\n" REQ
		 "  nodes = ( { name = \"a b\"; home-address = \"192.0.2.9\"; spi = 256;"
		 " key = \"k\"; } );\n};\n",
		 "h.conf:5: node name \"a b\" may only hold letters, digits, '-', '_' and '.'");
	load_bad("ha = {\n" REQ
		 "  nodes = ( { name = \"a\"; home-address = \"192.0.2.9\"; spi = 256;"
		 " key = \"k\"; dynamic-ipv6 = true; } );\n};\n",
		 "h.conf:5: node 'a' has dynamic-ipv6 but the home agent has neither 'pool6' nor "
		 "a home prefix of /64 or shorter");
	load_bad("ha = {\n" REQ "};\nextra = 1;\n", "h.conf:6: unknown setting 'extra' at the top level");
}

static void test_golden(void **state)
{
	glob_t g;
	char err[512];

	(void)state;
	assert_int_equal(glob("tests/golden/had-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char outpath[512], *want, *got;
		struct ha_cfg *c;
		size_t len = strlen(conf);

		snprintf(outpath, sizeof(outpath), "%.*s.out", (int)(len - 5), conf);
		if (ha_cfg_load(conf, &c, err, sizeof(err)) < 0)
			fail_msg("%s: %s", conf, err);
		want = slurp(outpath);
		got = print_to_string(c);
		if (strcmp(want, got) != 0)
			fail_msg("%s: ha_cfg_print differs from %s:\n%s", conf, outpath, got);
		free(want);
		free(got);
		roundtrip(c);
		ha_cfg_free(c);
	}
	globfree(&g);

	assert_int_equal(glob("tests/golden/bad-had-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 10);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char *text = slurp(conf), *want;
		static const char tag[] = "# expect: ";
		struct ha_cfg *c = NULL;

		if (strncmp(text, tag, strlen(tag)) != 0)
			fail_msg("%s: first line must be \"%s<message>\"", conf, tag);
		want = text + strlen(tag);
		want[strcspn(want, "\n")] = '\0';
		assert_int_equal(ha_cfg_load(conf, &c, err, sizeof(err)), -EINVAL);
		assert_null(c);
		if (strcmp(err, want) != 0)
			fail_msg("%s:\n  got      \"%s\"\n  expected \"%s\"", conf, err, want);
		free(text);
	}
	globfree(&g);
}

static void test_load_missing_file(void **state)
{
	char err[512];
	struct ha_cfg *c = (struct ha_cfg *)0x1;

	(void)state;
	assert_int_equal(ha_cfg_load("tests/golden/does-not-exist.conf", &c, err, sizeof(err)),
			 -ENOENT);
	assert_null(c);
	assert_string_equal(err, "tests/golden/does-not-exist.conf: No such file or directory");
}

/* A configuration of many nodes (node i: line 6 + i, home address
 * 10.0.0.0 + 16 + i, prefix 2001:db8:<i / 65536>:<i % 65536>::/64, NAI n<i>@x) plus extra
 * text; the caller frees it. */
#define MANY 5000
#define MANY_END "5006"
static char *many_nodes(const char *extra)
{
	size_t cap = (size_t)MANY * 160 + 4096, len = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	len += (size_t)snprintf(t + len, cap - len,
				"ha = {\n  address = \"10.0.0.1\";\n  home-link = \"eth0\";\n"
				"  home-network = \"10.0.0.0/8\";\n  nodes = (\n");
	for (uint32_t i = 0; i < MANY; i++) {
		uint32_t a = 0x0a000010 + i;
		len += (size_t)snprintf(t + len, cap - len,
					"    %s{ name = \"n%u\"; nai = \"n%u@x\"; home-address = "
					"\"%u.%u.%u.%u\"; spi = %u; key = \"k\"; prefixes = [ "
					"\"2001:db8:%x:%x::/64\" ]; }\n",
					i ? "," : "", i, i, a >> 24, (a >> 16) & 255, (a >> 8) & 255,
					a & 255, 256 + i, i >> 16, i & 0xffff);
	}
	len += (size_t)snprintf(t + len, cap - len, "%s  );\n};\n", extra);
	assert_true(len < cap);
	return t;
}

/* 5,000 nodes load (the pair rules checked by hash, not pairwise), the
 * engine finds them by home address and NAI, and a conflict at the end
 * is still reported against the right earlier node. */
static void test_many_nodes(void **state)
{
	struct ha_cfg *c;
	struct ha_reg *r;
	const struct ha_cfg_node *nd;
	char *t;

	(void)state;
	t = many_nodes("");
	c = load_ok(t);
	free(t);
	assert_int_equal(c->n_nodes, MANY);
	assert_int_equal(ha_reg_new(c, &r), 0);
	nd = ha_reg_node_of(r, htonl(0x0a000010 + 4321));
	assert_non_null(nd);
	assert_string_equal(nd->name, "n4321");
	nd = ha_reg_node_of(r, htonl(0x0a000010 + MANY - 1));
	assert_non_null(nd);
	assert_string_equal(nd->name, "n4999");
	assert_null(ha_reg_node_of(r, htonl(0x0a000010 + MANY)));
	assert_null(ha_reg_node_of(r, htonl(0x0a00000f)));
	ha_reg_free(r);
	ha_cfg_free(c);

	t = many_nodes("    ,{ name = \"n12\"; home-address = \"10.200.0.1\"; spi = 99999; key = \"k\"; }\n");
	load_bad(t, "h.conf:" MANY_END ": node name 'n12' is used twice (line 18)");
	free(t);
	t = many_nodes("    ,{ name = \"z\"; nai = \"n5@x\"; home-address = \"10.200.0.1\"; spi = 99999;"
		       " key = \"k\"; }\n");
	load_bad(t, "h.conf:" MANY_END ": nai \"n5@x\" is used by node 'n5' too");
	free(t);
	t = many_nodes("    ,{ name = \"z\"; home-address = \"10.0.0.20\"; spi = 99999; key = \"k\"; }\n");
	load_bad(t, "h.conf:" MANY_END ": home-address \"10.0.0.20\" is used by node 'n4' too");
	free(t);
	/* an implicit prefix over node n3's prefix */
	t = many_nodes("    ,{ name = \"z\"; home-address = \"10.200.0.1\"; spi = 99999; key = \"k\";"
		       " implicit-prefixes = [ \"2001:db8:0:3::/80\" ]; }\n");
	load_bad(t, "h.conf:" MANY_END ": implicit prefix \"2001:db8:0:3::/80\" overlaps node 'n3''s "
		    "\"2001:db8:0:3::/64\"");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_node_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_many_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
