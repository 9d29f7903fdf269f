/* Unit tests for the DSTM border router's control plane: tep_config.c (the
 * example, defaults, every rule with its exact "file:line:" message, the
 * printout's round trip), tep.c driven by tep_sync() on a real lease store
 * written by the test (initial load, change feed, -ESTALE reload, expiry),
 * and tep_ctl.c's answers.  No sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine.h"
#include "dstm/tep.h"
#include "dstm/tep_config.h"
#include "store/store.h"

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

/* ---- configuration ------------------------------------------------------------- */

static struct tep_cfg *load_ok(const char *text)
{
	char err[512];
	struct tep_cfg *c = NULL;
	if (tep_cfg_load_string(text, "t.conf", &c, err, sizeof(err)) < 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(c);
	return c;
}

static char *print_to_string(const struct tep_cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	tep_cfg_print(f, c);
	fclose(f);
	return buf;
}

/* print -> parse -> print gives the same text */
static void roundtrip(const struct tep_cfg *c)
{
	char *a = print_to_string(c);
	struct tep_cfg *c2 = load_ok(a);
	char *b = print_to_string(c2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	tep_cfg_free(c2);
}

static void test_cfg_example(void **state)
{
	(void)state;
	char err[512];
	struct tep_cfg *c = NULL;

	if (tep_cfg_load("examples/tepd.conf", &c, err, sizeof(err)) < 0)
		fail_msg("examples/tepd.conf: %s (tests run from the repository root)", err);
	assert_string_equal(c->tun, "tep0");
	struct in6_addr tep = ip6("2001:db8:46::ffff");
	assert_memory_equal(&c->address, &tep, sizeof(tep));
	assert_int_equal(c->ipv4_address, ip4("203.0.113.1"));
	assert_int_equal(c->n_routes, 2);
	assert_int_equal(c->routes[0].addr, ip4("192.0.2.0"));
	assert_int_equal(c->routes[0].plen, 24);
	assert_int_equal(c->routes[1].addr, ip4("198.51.100.0"));
	assert_int_equal(c->routes[1].plen, 26);
	assert_string_equal(c->store, "/var/lib/ds46/dstmd.db");
	assert_int_equal(c->follow_interval_ms, 100);
	assert_false(c->learn);
	assert_int_equal(c->learn_lifetime, 3600);
	assert_int_equal(c->mss_clamp, 0);
	assert_int_equal(c->tunnel_mtu, 1460);
	assert_true(c->tclass_copy);
	assert_string_equal(c->control_socket, "/run/ds46/tepd.sock");
	assert_int_equal(c->log_level, LOG_INFO);
	roundtrip(c);
	tep_cfg_free(c);
}

#define MIN_CONF                                                               \
	"tep = {\n"                                                            \
	"  address = \"2001:db8:46::ffff\";\n"                                 \
	"  ipv4-address = \"203.0.113.1\";\n"

static void test_cfg_defaults(void **state)
{
	(void)state;
	struct tep_cfg *c = load_ok(MIN_CONF "};\n");
	char *out = print_to_string(c);

	assert_string_equal(out, "tep = {\n"
				 "  tun = \"tep0\";\n"
				 "  address = \"2001:db8:46::ffff\";\n"
				 "  ipv4-address = \"203.0.113.1\";\n"
				 "  routes = [ ];\n"
				 "  store = \"/var/lib/ds46/dstmd.db\";\n"
				 "  follow-interval-ms = 100;\n"
				 "  learn = false;\n"
				 "  learn-lifetime = 3600;\n"
				 "  mss-clamp = 0;\n"
				 "  tunnel-mtu = 1460;\n"
				 "  tclass = \"copy\";\n"
				 "  offload = true;\n"
				 "  control-socket = \"/run/ds46/tepd.sock\";\n"
				 "  log-level = \"info\";\n"
				 "};\n");
	assert_int_equal(c->tunnel_mtu, DP_DEFAULT_TUNNEL_MTU);
	free(out);
	roundtrip(c);
	tep_cfg_free(c);
}

static void test_cfg_variants(void **state)
{
	(void)state;
	struct tep_cfg *c = load_ok(
		"# comment\n"
		"tep = {\n"
		"  tun = \"dstm-tep_1\";\n"
		"  address = \"2001:DB8:46:0::FFFF\";\n"
		"  ipv4-address = \"203.0.113.1\";\n"
		"  routes = ( \"192.0.2.7\", \"10.0.0.0/8\" );\n"  /* a list; a bare host */
		"  store = \"/tmp/a\\\"b\";\n"
		"  follow-interval-ms = 10;\n"
		"  learn = true;\n"
		"  learn-lifetime = 60;\n"
		"  mss-clamp = 1380;\n"
		"  tunnel-mtu = 1420;\n"
		"  tclass = 184;\n"
		"  control-socket = \"/tmp/tepd.sock\";\n"
		"  log-level = \"debug\";\n"
		"};\n");
	assert_string_equal(c->tun, "dstm-tep_1");
	assert_int_equal(c->n_routes, 2);
	assert_int_equal(c->routes[0].addr, ip4("192.0.2.7"));
	assert_int_equal(c->routes[0].plen, 32);
	assert_true(c->learn);
	assert_int_equal(c->learn_lifetime, 60);
	assert_int_equal(c->mss_clamp, 1380);
	assert_int_equal(c->tunnel_mtu, 1420);
	assert_false(c->tclass_copy);
	assert_int_equal(c->tclass, 184);
	assert_int_equal(c->log_level, LOG_DEBUG);
	char *out = print_to_string(c);
	assert_non_null(strstr(out, "  address = \"2001:db8:46::ffff\";\n"));
	assert_non_null(strstr(out, "  routes = [ \"192.0.2.7/32\", \"10.0.0.0/8\" ];\n"));
	assert_non_null(strstr(out, "  store = \"/tmp/a\\\"b\";\n"));
	assert_non_null(strstr(out, "  tclass = 184;\n"));
	assert_non_null(strstr(out, "  learn = true;\n"));
	free(out);
	roundtrip(c);
	tep_cfg_free(c);

	/* tclass = "copy" explicitly, and 0 (not copy) */
	c = load_ok(MIN_CONF "  tclass = 0;\n};\n");
	assert_false(c->tclass_copy);
	roundtrip(c);
	tep_cfg_free(c);
	c = load_ok(MIN_CONF "  tclass = \"copy\";\n};\n");
	assert_true(c->tclass_copy);
	tep_cfg_free(c);
}

static const struct {
	const char *text;
	const char *msg;
} bad_cases[] = {
	{ "", "t.conf:1: no 'tep' group: tep = { address = \"...\"; ... }" },
	{ "tep = 1;\n", "t.conf:1: 'tep' must be a group: tep = { ... }" },
	{ "tep = {};\nserver = {};\n", "t.conf:2: unknown setting 'server' at the top level" },
	{ "tep = {\n  ipv4-address = \"203.0.113.1\";\n};\n",
	  "t.conf:1: tep has no 'address' (the TEP's IPv6 address)" },
	{ "tep = {\n  address = \"2001:db8::1\";\n};\n",
	  "t.conf:1: tep has no 'ipv4-address' (source of ICMPv4 errors)" },
	{ MIN_CONF "  foo = 1;\n};\n", "t.conf:4: unknown setting 'foo' in tep" },
	{ "tep = {\n  address = ;\n};\n", "t.conf:2: syntax error" },
	{ MIN_CONF "  tun = \"tep0\";\n  tun = \"tep1\";\n};\n",
	  "t.conf:5: duplicate setting name" },
	/* addresses */
	{ "tep = {\n  address = \"2001:db8::zz\";\n};\n",
	  "t.conf:2: invalid IPv6 address \"2001:db8::zz\"" },
	{ "tep = {\n  address = \"fe80::1\";\n};\n",
	  "t.conf:2: address \"fe80::1\" must be a unicast IPv6 address (not link-local, "
	  "loopback or IPv4-mapped)" },
	{ "tep = {\n  address = \"ff02::1\";\n};\n",
	  "t.conf:2: address \"ff02::1\" must be a unicast IPv6 address (not link-local, "
	  "loopback or IPv4-mapped)" },
	{ "tep = {\n  address = \"::ffff:192.0.2.1\";\n};\n",
	  "t.conf:2: address \"::ffff:192.0.2.1\" must be a unicast IPv6 address (not "
	  "link-local, loopback or IPv4-mapped)" },
	{ "tep = {\n  address = \"::\";\n};\n",
	  "t.conf:2: address \"::\" must be a unicast IPv6 address (not link-local, "
	  "loopback or IPv4-mapped)" },
	{ "tep = {\n  address = 1;\n};\n", "t.conf:2: 'address' must be a string" },
	{ "tep = {\n  address = \"2001:db8::1\";\n  ipv4-address = \"203.0.113\";\n};\n",
	  "t.conf:3: invalid IPv4 address \"203.0.113\"" },
	{ "tep = {\n  address = \"2001:db8::1\";\n  ipv4-address = \"224.0.0.1\";\n};\n",
	  "t.conf:3: ipv4-address \"224.0.0.1\" must be a unicast IPv4 address" },
	{ "tep = {\n  address = \"2001:db8::1\";\n  ipv4-address = \"127.0.0.1\";\n};\n",
	  "t.conf:3: ipv4-address \"127.0.0.1\" must be a unicast IPv4 address" },
	/* routes */
	{ MIN_CONF "  routes = \"192.0.2.0/24\";\n};\n",
	  "t.conf:4: 'routes' must be a list of strings: routes = [ \"...\" ]" },
	{ MIN_CONF "  routes = [ 1 ];\n};\n", "t.conf:4: 'routes' must be a list of strings" },
	{ MIN_CONF "  routes = [ \"192.0.2.1/24\" ];\n};\n",
	  "t.conf:4: route \"192.0.2.1/24\" has host bits set" },
	{ MIN_CONF "  routes = [ \"192.0.2.0/33\" ];\n};\n",
	  "t.conf:4: invalid prefix length in \"192.0.2.0/33\" (1 to 32)" },
	{ MIN_CONF "  routes = [ \"0.0.0.0/0\" ];\n};\n",
	  "t.conf:4: invalid prefix length in \"0.0.0.0/0\" (1 to 32)" },
	{ MIN_CONF "  routes = [ \"192.0.2.0/\" ];\n};\n",
	  "t.conf:4: invalid prefix length in \"192.0.2.0/\"" },
	{ MIN_CONF "  routes = [ \"192.0.2/24\" ];\n};\n",
	  "t.conf:4: invalid IPv4 prefix \"192.0.2/24\"" },
	{ MIN_CONF "  routes = [ \"2001:db8::/64\" ];\n};\n",
	  "t.conf:4: invalid IPv4 prefix \"2001:db8::/64\"" },
	{ MIN_CONF "  routes = [ \"127.0.0.0/8\" ];\n};\n",
	  "t.conf:4: route \"127.0.0.0/8\" contains reserved addresses (0/8, 127/8, 224/3)" },
	{ MIN_CONF "  routes = [ \"192.0.0.0/2\" ];\n};\n",
	  "t.conf:4: route \"192.0.0.0/2\" contains reserved addresses (0/8, 127/8, 224/3)" },
	{ MIN_CONF "  routes = [ \"192.0.2.0/24\", \"192.0.2.128/25\" ];\n};\n",
	  "t.conf:4: route \"192.0.2.128/25\" overlaps \"192.0.2.0/24\" (line 4)" },
	{ MIN_CONF "  routes = [\n    \"192.0.2.0/25\",\n    \"192.0.2.0/24\"\n  ];\n};\n",
	  "t.conf:6: route \"192.0.2.0/24\" overlaps \"192.0.2.0/25\" (line 5)" },
	{ MIN_CONF "  routes = [ \"203.0.113.0/24\" ];\n};\n",
	  "t.conf:3: ipv4-address 203.0.113.1 is inside route \"203.0.113.0/24\": it would be "
	  "leased to a host" },
	/* numbers and the rest */
	{ MIN_CONF "  follow-interval-ms = 5;\n};\n",
	  "t.conf:4: 'follow-interval-ms' must be between 10 and 60000" },
	{ MIN_CONF "  follow-interval-ms = \"100\";\n};\n",
	  "t.conf:4: 'follow-interval-ms' must be an integer" },
	{ MIN_CONF "  learn = 1;\n};\n", "t.conf:4: 'learn' must be true or false" },
	{ MIN_CONF "  learn-lifetime = 0;\n};\n",
	  "t.conf:4: 'learn-lifetime' must be between 1 and 604800" },
	{ MIN_CONF "  mss-clamp = 100;\n};\n",
	  "t.conf:4: 'mss-clamp' must be 0 (off) or at least 536" },
	{ MIN_CONF "  mss-clamp = -1;\n};\n",
	  "t.conf:4: 'mss-clamp' must be between 0 and 65455" },
	{ MIN_CONF "  mss-clamp = 1500;\n};\n",
	  "t.conf:4: mss-clamp (1500) is larger than tunnel-mtu - 40 (1420): segments would "
	  "not fit the tunnel" },
	{ MIN_CONF "  mss-clamp = 1300;\n  tunnel-mtu = 1300;\n};\n",
	  "t.conf:4: mss-clamp (1300) is larger than tunnel-mtu - 40 (1260): segments would "
	  "not fit the tunnel" },
	{ MIN_CONF "  tunnel-mtu = 1000;\n};\n",
	  "t.conf:4: 'tunnel-mtu' must be between 1232 and 65495" },
	{ MIN_CONF "  tclass = \"inherit\";\n};\n",
	  "t.conf:4: 'tclass' must be \"copy\" or an integer between 0 and 255" },
	{ MIN_CONF "  tclass = 256;\n};\n",
	  "t.conf:4: 'tclass' must be \"copy\" or an integer between 0 and 255" },
	{ MIN_CONF "  tclass = 1.5;\n};\n",
	  "t.conf:4: 'tclass' must be \"copy\" or an integer between 0 and 255" },
	{ MIN_CONF "  tun = \"a/b\";\n};\n", "t.conf:4: invalid interface name \"a/b\"" },
	{ MIN_CONF "  tun = \"\";\n};\n", "t.conf:4: empty interface name" },
	{ MIN_CONF "  tun = \"abcdefghijklmnop\";\n};\n",
	  "t.conf:4: interface name \"abcdefghijklmnop\" is too long (at most 15 characters)" },
	{ MIN_CONF "  store = \"\";\n};\n", "t.conf:4: 'store' must not be empty" },
	{ MIN_CONF "  control-socket = \"/run/ds46/"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaaaaaaaaaaa.sock\";\n};\n",
	  "t.conf:4: 'control-socket' is too long (at most 107 characters)" },
	{ MIN_CONF "  log-level = \"loud\";\n};\n",
	  "t.conf:4: 'log-level' must be one of error, warning, notice, info, debug" },
};

static void test_cfg_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		char err[512];
		struct tep_cfg *c = (struct tep_cfg *)0x1;
		int r = tep_cfg_load_string(bad_cases[i].text, "t.conf", &c, err, sizeof(err));
		if (r != -EINVAL || strcmp(err, bad_cases[i].msg) != 0)
			fail_msg("case %zu: got %d \"%s\"\n  expected \"%s\"", i, r,
				 r < 0 ? err : "", bad_cases[i].msg);
		assert_null(c);
	}
}

static void test_cfg_limits_and_files(void **state)
{
	(void)state;
	char err[512], path[] = "/tmp/ds46-tepcfg-XXXXXX";
	struct tep_cfg *c = (struct tep_cfg *)0x1;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	/* 64 routes are fine, the 65th is one too many */
	assert_non_null(f);
	fputs(MIN_CONF "  routes = [\n", f);
	for (unsigned i = 0; i <= TEP_CFG_MAX_ROUTES; i++)
		fprintf(f, "    \"10.%u.0.0/16\"%s\n", i, i < TEP_CFG_MAX_ROUTES ? "," : "");
	fputs("  ];\n};\n", f);
	fclose(f);
	assert_int_equal(tep_cfg_load_string(buf, "t.conf", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:69: too many entries in 'routes' (at most 64)");
	free(buf);

	/* a file: its name in the message */
	assert_int_equal(tep_cfg_load("/nonexistent/tepd.conf", &c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/tepd.conf: No such file or directory");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char text[] = MIN_CONF "  routes = [\n    \"192.0.2.0/24\",\n"
					    "    \"192.0.2.1\"\n  ];\n};\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(tep_cfg_load(path, &c, err, sizeof(err)), -EINVAL);
	char want[600];
	snprintf(want, sizeof(want), "%s:6: route \"192.0.2.1\" overlaps \"192.0.2.0/24\" (line 5)",
		 path);
	assert_string_equal(err, want);
	unlink(path);
}

/* ---- the store follower ---------------------------------------------------------- */

#define T0 1700000000                /* "now" of the tests */

struct fx {
	char dir[64];
	char path[96];
	struct store *w;             /* the DSTM server's side */
	struct dp_engine e;
	struct tep t;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_opts o = { 0 };

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/ds46-tep-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/dstmd.db", f->dir);
	o.path = f->path;
	if (store_open(&o, &f->w) < 0)
		return -1;
	if (dp_init(&f->e, DP_ROLE_DSTM_TEP, 16) < 0)
		return -1;
	if (tep_open(&f->t, &f->e, f->path) < 0)
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	tep_close(&f->t);
	dp_free(&f->e);
	if (f->w)
		store_close(f->w);
	for (const char *sfx = ""; ; sfx = sfx[0] == '\0' ? "-wal" : "-shm") {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx);
		unlink(p);
		if (strcmp(sfx, "-shm") == 0)
			break;
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void put_lease(struct fx *f, uint8_t kind, uint8_t st, const char *addr,
		      const char *client, int64_t expires)
{
	struct lease l;

	memset(&l, 0, sizeof(l));
	if (kind == LEASE_KIND_V4)
		in6_set_mapped(&l.addr, ip4(addr));
	else
		l.addr = ip6(addr);
	l.kind = kind;
	l.state = st;
	l.duid.len = 4;
	memcpy(l.duid.data, "\x00\x03\x00\x01", 4);
	l.iaid = 1;
	l.client_addr = ip6(client);
	l.preferred = 3600;
	l.valid = 7200;
	l.cltt = T0;
	l.expires = expires;
	strcpy(l.pool, "dstm");
	assert_int_equal(store_lease_put(f->w, &l), 0);
}

static void put_v4(struct fx *f, const char *addr, const char *client, int64_t expires)
{
	put_lease(f, LEASE_KIND_V4, LEASE_STATE_BOUND, addr, client, expires);
}

static void del_v4(struct fx *f, const char *addr)
{
	struct in6_addr a;
	in6_set_mapped(&a, ip4(addr));
	assert_int_equal(store_lease_del(f->w, &a), 0);
}

/* The binding of addr: its peer must be `peer` (NULL: no binding). */
static const struct binding *expect_binding(struct fx *f, const char *addr, const char *peer)
{
	const struct binding *b = binding_get(&f->e.bindings, ip4(addr));
	if (!peer) {
		if (b)
			fail_msg("%s: unexpected binding", addr);
		return NULL;
	}
	if (!b)
		fail_msg("%s: no binding", addr);
	struct in6_addr p = ip6(peer);
	assert_memory_equal(&b->peer, &p, sizeof(p));
	return b;
}

static void test_initial_load(void **state)
{
	struct fx *f = *state;
	const struct binding *b;

	put_v4(f, "192.0.2.100", "2001:db8:46::1000", T0 + 3600);  /* global */
	put_v4(f, "192.0.2.101", "fe80::1", T0 + 3600);            /* link-local */
	put_v4(f, "192.0.2.102", "fd00:46::5", T0 + 3600);         /* ULA: fine */
	put_v4(f, "192.0.2.103", "::", T0 + 3600);                 /* unspecified */
	put_v4(f, "192.0.2.104", "2001:db8:46::1004", T0 - 1);     /* expired */
	put_lease(f, LEASE_KIND_NA, LEASE_STATE_BOUND, "2001:db8:46::1001",
		  "2001:db8:46::1000", T0 + 3600);                   /* IPv6 NA */
	put_lease(f, LEASE_KIND_V4, LEASE_STATE_DECLINED, "192.0.2.105", "2001:db8:46::1005",
		  T0 + 86400);                                         /* declined */

	assert_int_equal(tep_sync(&f->t, T0), 0);
	assert_int_equal(f->e.bindings.count, 2);
	b = expect_binding(f, "192.0.2.100", "2001:db8:46::1000");
	assert_int_equal(b->expires, T0 + 3600);
	expect_binding(f, "192.0.2.102", "fd00:46::5");
	expect_binding(f, "192.0.2.101", NULL);
	expect_binding(f, "192.0.2.103", NULL);
	expect_binding(f, "192.0.2.104", NULL);
	expect_binding(f, "192.0.2.105", NULL);
	assert_int_equal(f->t.st.leases_loaded, 2);
	assert_int_equal(f->t.st.bindings_added, 2);
	assert_int_equal(f->t.st.leases_unusable, 2);
	assert_int_equal(f->t.st.store_errors, 0);
	assert_int_equal(f->t.st.reloads, 0);
	assert_int_equal(f->e.now, T0);

	/* nothing new: nothing changes, unusable leases are not counted twice */
	assert_int_equal(tep_sync(&f->t, T0 + 1), 0);
	assert_int_equal(f->e.bindings.count, 2);
	assert_int_equal(f->t.st.leases_unusable, 2);
	assert_int_equal(f->t.st.bindings_added, 2);

	/* the link-local lease renewed: still the same, still not counted again;
	 * then the host asks from its global address: now a binding */
	put_v4(f, "192.0.2.101", "fe80::1", T0 + 7200);
	assert_int_equal(tep_sync(&f->t, T0 + 2), 0);
	assert_int_equal(f->t.st.leases_unusable, 2);
	expect_binding(f, "192.0.2.101", NULL);
	put_v4(f, "192.0.2.101", "2001:db8:46::1001", T0 + 7200);
	assert_int_equal(tep_sync(&f->t, T0 + 3), 0);
	expect_binding(f, "192.0.2.101", "2001:db8:46::1001");
	/* and back to link-local (a host that lost its global address) */
	put_v4(f, "192.0.2.101", "fe80::2", T0 + 7200);
	assert_int_equal(tep_sync(&f->t, T0 + 4), 0);
	expect_binding(f, "192.0.2.101", NULL);
	assert_int_equal(f->t.st.leases_unusable, 3);
	assert_int_equal(f->t.st.bindings_removed, 1);
}

static void test_changes(void **state)
{
	struct fx *f = *state;
	const struct binding *b;
	struct binding *wb;

	put_v4(f, "192.0.2.100", "2001:db8:46::1000", T0 + 3600);
	assert_int_equal(tep_sync(&f->t, T0), 0);
	expect_binding(f, "192.0.2.100", "2001:db8:46::1000");
	/* traffic counted by the engine survives the control plane's updates */
	wb = binding_get(&f->e.bindings, ip4("192.0.2.100"));
	wb->pkts_in = 7;
	wb->bytes_out = 700;

	/* a new lease */
	put_v4(f, "192.0.2.110", "2001:db8:46::1010", T0 + 3600);
	assert_int_equal(tep_sync(&f->t, T0 + 1), 0);
	expect_binding(f, "192.0.2.110", "2001:db8:46::1010");
	assert_int_equal(f->t.st.bindings_added, 2);

	/* a renewal: new expiry, same host, counters kept */
	put_v4(f, "192.0.2.100", "2001:db8:46::1000", T0 + 7200);
	assert_int_equal(tep_sync(&f->t, T0 + 2), 0);
	b = expect_binding(f, "192.0.2.100", "2001:db8:46::1000");
	assert_int_equal(b->expires, T0 + 7200);
	assert_int_equal(b->pkts_in, 7);
	assert_int_equal(b->bytes_out, 700);
	assert_int_equal(f->t.st.bindings_updated, 1);

	/* the address moved to another host */
	put_v4(f, "192.0.2.100", "2001:db8:46::2000", T0 + 7200);
	assert_int_equal(tep_sync(&f->t, T0 + 3), 0);
	expect_binding(f, "192.0.2.100", "2001:db8:46::2000");
	assert_int_equal(f->t.st.bindings_updated, 2);

	/* released (deleted) */
	del_v4(f, "192.0.2.110");
	assert_int_equal(tep_sync(&f->t, T0 + 4), 0);
	expect_binding(f, "192.0.2.110", NULL);
	assert_int_equal(f->t.st.bindings_removed, 1);

	/* declined: no longer bound */
	put_lease(f, LEASE_KIND_V4, LEASE_STATE_DECLINED, "192.0.2.100", "2001:db8:46::2000",
		  T0 + 86400);
	assert_int_equal(tep_sync(&f->t, T0 + 5), 0);
	expect_binding(f, "192.0.2.100", NULL);
	assert_int_equal(f->t.st.bindings_removed, 2);

	/* IPv6 leases come and go without touching the bindings */
	put_lease(f, LEASE_KIND_NA, LEASE_STATE_BOUND, "2001:db8:46::1001", "2001:db8:46::1000",
		  T0 + 3600);
	struct in6_addr na = ip6("2001:db8:46::1001");
	assert_int_equal(store_lease_del(f->w, &na), 0);
	assert_int_equal(tep_sync(&f->t, T0 + 6), 0);
	assert_int_equal(f->e.bindings.count, 0);

	/* several changes in one transaction arrive together */
	assert_int_equal(store_begin(f->w), 0);
	put_v4(f, "192.0.2.120", "2001:db8:46::1020", T0 + 3600);
	put_v4(f, "192.0.2.121", "2001:db8:46::1021", T0 + 3600);
	del_v4(f, "192.0.2.120");
	assert_int_equal(store_commit(f->w), 0);
	assert_int_equal(tep_sync(&f->t, T0 + 7), 0);
	expect_binding(f, "192.0.2.120", NULL);
	expect_binding(f, "192.0.2.121", "2001:db8:46::1021");
	assert_int_equal(f->t.st.reloads, 0);
	assert_int_equal(f->t.st.store_errors, 0);
}

static int ignore_change(const struct lease *l, bool deleted, void *arg)
{
	(void)l;
	(void)deleted;
	(void)arg;
	return 0;
}

static void test_stale_reload(void **state)
{
	struct fx *f = *state;
	struct binding *wb;

	put_v4(f, "192.0.2.100", "2001:db8:46::1000", T0 + 3600);   /* seq 1 */
	put_v4(f, "192.0.2.101", "2001:db8:46::1001", T0 + 3600);   /* 2 */
	put_v4(f, "192.0.2.102", "2001:db8:46::1002", T0 + 3600);   /* 3 */
	assert_int_equal(tep_sync(&f->t, T0), 0);
	assert_int_equal(f->e.bindings.count, 3);
	wb = binding_get(&f->e.bindings, ip4("192.0.2.100"));
	wb->pkts_out = 3;

	/* while the follower sleeps: a deletion whose tombstone is pruned, a
	 * move and a new lease */
	del_v4(f, "192.0.2.101");                                   /* 4 */
	put_v4(f, "192.0.2.102", "2001:db8:46::2002", T0 + 3600);   /* 5 */
	put_v4(f, "192.0.2.103", "2001:db8:46::1003", T0 + 3600);   /* 6 */
	assert_int_equal(store_tombstones_prune(f->w, 7), 1);
	uint64_t last = 0;
	assert_int_equal(store_lease_changes(f->w, 3, &last, ignore_change, NULL), -ESTALE);

	assert_int_equal(tep_sync(&f->t, T0 + 1), 0);
	assert_int_equal(f->t.st.reloads, 1);
	assert_int_equal(f->e.bindings.count, 3);
	expect_binding(f, "192.0.2.101", NULL);             /* gone with the reload */
	expect_binding(f, "192.0.2.102", "2001:db8:46::2002");
	expect_binding(f, "192.0.2.103", "2001:db8:46::1003");
	assert_int_equal(expect_binding(f, "192.0.2.100", "2001:db8:46::1000")->pkts_out, 3);
	assert_int_equal(f->t.st.bindings_removed, 1);

	/* the newest changes are deletions whose tombstones are pruned too:
	 * after the reload the follower must not be stale for ever */
	del_v4(f, "192.0.2.103");                                   /* 7 */
	del_v4(f, "192.0.2.102");                                   /* 8 */
	assert_int_equal(store_tombstones_prune(f->w, 100), 2);
	assert_int_equal(tep_sync(&f->t, T0 + 2), 0);
	assert_int_equal(f->t.st.reloads, 2);
	assert_int_equal(f->e.bindings.count, 1);
	expect_binding(f, "192.0.2.100", "2001:db8:46::1000");
	for (int i = 0; i < 3; i++)
		assert_int_equal(tep_sync(&f->t, T0 + 3 + i), 0);
	assert_int_equal(f->t.st.reloads, 2);
	/* and it still follows */
	put_v4(f, "192.0.2.104", "2001:db8:46::1004", T0 + 3600);   /* 9 */
	assert_int_equal(tep_sync(&f->t, T0 + 10), 0);
	expect_binding(f, "192.0.2.104", "2001:db8:46::1004");
	assert_int_equal(f->t.st.reloads, 2);

	/* SIGHUP: a full reload on demand, nothing changes */
	tep_reload(&f->t);
	assert_int_equal(tep_sync(&f->t, T0 + 11), 0);
	assert_int_equal(f->e.bindings.count, 2);
	assert_int_equal(f->t.st.store_errors, 0);
}

static void test_expiry(void **state)
{
	struct fx *f = *state;

	put_v4(f, "192.0.2.100", "2001:db8:46::1000", T0 + 10);
	put_v4(f, "192.0.2.101", "2001:db8:46::1001", T0 + 20);
	assert_int_equal(tep_sync(&f->t, T0), 0);
	assert_int_equal(f->e.bindings.count, 2);

	assert_int_equal(tep_sync(&f->t, T0 + 9), 0);
	assert_int_equal(f->e.bindings.count, 2);
	/* bindings end when leases end, before the server reclaims them */
	assert_int_equal(tep_sync(&f->t, T0 + 10), 0);
	expect_binding(f, "192.0.2.100", NULL);
	expect_binding(f, "192.0.2.101", "2001:db8:46::1001");
	assert_int_equal(f->t.st.bindings_expired, 1);

	/* the server's reclaim deletes it later: nothing more to count */
	del_v4(f, "192.0.2.100");
	assert_int_equal(tep_sync(&f->t, T0 + 11), 0);
	assert_int_equal(f->t.st.bindings_removed, 0);

	/* a renewal in time keeps the other one */
	put_v4(f, "192.0.2.101", "2001:db8:46::1001", T0 + 100);
	assert_int_equal(tep_sync(&f->t, T0 + 20), 0);
	expect_binding(f, "192.0.2.101", "2001:db8:46::1001");
	/* a change that arrives after the lease's end adds nothing */
	put_v4(f, "192.0.2.102", "2001:db8:46::1002", T0 + 30);
	assert_int_equal(tep_sync(&f->t, T0 + 30), 0);
	expect_binding(f, "192.0.2.102", NULL);
	assert_int_equal(tep_sync(&f->t, T0 + 100), 0);
	assert_int_equal(f->e.bindings.count, 0);
	assert_int_equal(f->t.st.bindings_expired, 2);
}

static void test_store_appears_later(void **state)
{
	(void)state;
	char dir[] = "/tmp/ds46-tep2-XXXXXX", path[96], p[128];
	struct dp_engine e;
	struct tep t;
	struct store *w;
	struct store_opts o = { 0 };
	struct lease l;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dstmd.db", dir);
	assert_int_equal(dp_init(&e, DP_ROLE_DSTM_TEP, 16), 0);
	assert_int_equal(tep_open(&t, &e, path), 0);       /* no store yet: not an error */
	assert_null(t.store);
	assert_int_equal(tep_sync(&t, T0), 0);
	assert_int_equal(e.bindings.count, 0);

	o.path = path;
	assert_int_equal(store_open(&o, &w), 0);
	memset(&l, 0, sizeof(l));
	in6_set_mapped(&l.addr, ip4("192.0.2.100"));
	l.kind = LEASE_KIND_V4;
	l.state = LEASE_STATE_BOUND;
	l.client_addr = ip6("2001:db8:46::1000");
	l.expires = T0 + 3600;
	assert_int_equal(store_lease_put(w, &l), 0);
	assert_int_equal(tep_sync(&t, T0 + 1), 0);
	assert_non_null(t.store);
	assert_int_equal(e.bindings.count, 1);

	tep_close(&t);
	dp_free(&e);
	store_close(w);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);

	/* an unusable path is an error at once */
	assert_int_equal(dp_init(&e, DP_ROLE_DSTM_TEP, 16), 0);
	char longp[300];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(tep_open(&t, &e, longp), -ENAMETOOLONG);
	dp_free(&e);
}

static void test_peer_usable(void **state)
{
	(void)state;
	static const struct {
		const char *a;
		bool ok;
	} cases[] = {
		{ "2001:db8:46::1000", true }, { "fd00::1", true },     { "2002:c000:201::1", true },
		{ "fe80::1", false },          { "fec0::1", false },    { "::", false },
		{ "::1", false },              { "::192.0.2.1", false }, { "::ffff:192.0.2.1", false },
		{ "ff02::1", false },          { "ff0e::1", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct in6_addr a = ip6(cases[i].a);
		if (tep_peer_usable(&a) != cases[i].ok)
			fail_msg("%s: expected %s", cases[i].a, cases[i].ok ? "usable" : "unusable");
	}
}

/* ---- control answers --------------------------------------------------------------- */

static struct json_object *answer(struct fx *f, const char *req, int64_t now)
{
	char *a = tep_ctl_answer(&f->t, req, strlen(req), now);
	struct json_object *o;

	assert_non_null(a);
	assert_true(strlen(a) > 0 && a[strlen(a) - 1] == '\n');
	o = json_tokener_parse(a);
	if (!o)
		fail_msg("not JSON: %s", a);
	free(a);
	return o;
}

static struct json_object *member(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no \"%s\" in %s", k, json_object_to_json_string(o));
	return v;
}

static void expect_error(struct fx *f, const char *req, const char *msg)
{
	struct json_object *o = answer(f, req, T0);
	assert_false(json_object_get_boolean(member(o, "ok")));
	assert_string_equal(json_object_get_string(member(o, "error")), msg);
	json_object_put(o);
}

static void test_ctl(void **state)
{
	struct fx *f = *state;
	struct json_object *o, *st, *arr, *b;
	struct binding *wb;

	put_v4(f, "192.0.2.101", "2001:db8:46::1001", T0 + 100);
	put_v4(f, "192.0.2.100", "2001:db8:46::1000", T0 + 3600);
	put_v4(f, "198.51.100.1", "fe80::1", T0 + 3600);
	assert_int_equal(tep_sync(&f->t, T0), 0);
	wb = binding_get(&f->e.bindings, ip4("192.0.2.100"));
	wb->pkts_in = 2;
	wb->bytes_in = 200;
	wb->pkts_out = 3;
	wb->bytes_out = 4000000000000ull;
	f->e.st.drop_no_binding = 5;
	f->e.st.ip_drops[IP_DROP_BAD_CHECKSUM] = 6;

	o = answer(f, "{\"cmd\":\"ping\"}", T0);
	assert_true(json_object_get_boolean(member(o, "ok")));
	json_object_put(o);

	o = answer(f, "{\"cmd\":\"stats\"}\n", T0);
	assert_true(json_object_get_boolean(member(o, "ok")));
	st = member(o, "stats");
	assert_int_equal(json_object_get_uint64(member(st, "drop_no_binding")), 5);
	assert_int_equal(json_object_get_uint64(member(st, "ip_drop_bad_checksum")), 6);
	assert_int_equal(json_object_get_uint64(member(st, "rx_tunnel")), 0);
	assert_int_equal(json_object_get_uint64(member(st, "leases_loaded")), 2);
	assert_int_equal(json_object_get_uint64(member(st, "leases_unusable")), 1);
	assert_int_equal(json_object_get_uint64(member(st, "bindings_added")), 2);
	assert_int_equal(json_object_get_uint64(member(st, "bindings")), 2);
	/* flat: every value a number */
	json_object_object_foreach(st, k, v) {
		(void)k;
		assert_true(json_object_is_type(v, json_type_int));
	}
	assert_int_equal(json_object_object_length(st),
			 dp_stat_count() + (IP_DROP__MAX - 1) + tep_stat_count() + 1);
	json_object_put(o);

	/* in address order, remaining from "now" */
	o = answer(f, "{\"cmd\":\"bindings\"}", T0 + 50);
	arr = member(o, "bindings");
	assert_int_equal(json_object_array_length(arr), 2);
	b = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_object_get_string(member(b, "v4")), "192.0.2.100");
	assert_string_equal(json_object_get_string(member(b, "peer")), "2001:db8:46::1000");
	assert_int_equal(json_object_get_int64(member(b, "expires")), T0 + 3600);
	assert_int_equal(json_object_get_int64(member(b, "remaining")), 3550);
	assert_int_equal(json_object_get_uint64(member(b, "pkts_in")), 2);
	assert_int_equal(json_object_get_uint64(member(b, "bytes_in")), 200);
	assert_int_equal(json_object_get_uint64(member(b, "pkts_out")), 3);
	assert_true(json_object_get_uint64(member(b, "bytes_out")) == 4000000000000ull);
	b = json_object_array_get_idx(arr, 1);
	assert_string_equal(json_object_get_string(member(b, "v4")), "192.0.2.101");
	json_object_put(o);
	o = answer(f, "{\"cmd\":\"bindings\"}", T0 + 200);
	b = json_object_array_get_idx(member(o, "bindings"), 1);
	assert_int_equal(json_object_get_int64(member(b, "remaining")), 0);
	json_object_put(o);

	o = answer(f, "{\"cmd\":\"bindings\",\"limit\":1}", T0);
	assert_int_equal(json_object_array_length(member(o, "bindings")), 1);
	json_object_put(o);
	o = answer(f, " {\"limit\":0, \"cmd\":\"bindings\"} \r\n", T0);
	assert_int_equal(json_object_array_length(member(o, "bindings")), 2);
	json_object_put(o);

	expect_error(f, "", "empty request");
	expect_error(f, "{\"cmd\":\"leases\"}", "command not served by ds46-tepd");
	expect_error(f, "{\"cmd\":\"release\",\"addr\":\"192.0.2.100\"}",
		     "command not served by ds46-tepd");
	expect_error(f, "{\"cmd\":\"bind\"}", "unknown command \"bind\"");
	expect_error(f, "{\"cmd\":1}", "\"cmd\" must be a string");
	expect_error(f, "{}", "missing \"cmd\"");
	expect_error(f, "[]", "request must be a JSON object");
	expect_error(f, "{\"cmd\":\"ping\"", "incomplete JSON");
	expect_error(f, "{\"cmd\":\"ping\",\"limit\":1}",
		     "\"limit\" is not an argument of \"ping\"");
	expect_error(f, "{\"cmd\":\"bindings\",\"limit\":-1}", "\"limit\" must not be negative");
	expect_error(f, "{\"cmd\":\"bindings\",\"limit\":\"1\"}", "\"limit\" must be an integer");
	expect_error(f, "{\"cmd\":\"stats\",\"addr\":\"192.0.2.1\"}",
		     "\"addr\" is not an argument of \"stats\"");
	expect_error(f, "{\"cmd\":\"stats\",\"x\":1}", "unknown key \"x\"");
	char nul[] = "{\"cmd\":\"ping\"}";
	nul[3] = '\0';
	char *a = tep_ctl_answer(&f->t, nul, sizeof(nul) - 1, T0);
	assert_non_null(strstr(a, "\"ok\":false"));
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_example),
		cmocka_unit_test(test_cfg_defaults),
		cmocka_unit_test(test_cfg_variants),
		cmocka_unit_test(test_cfg_errors),
		cmocka_unit_test(test_cfg_limits_and_files),
		cmocka_unit_test_setup_teardown(test_initial_load, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_changes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale_reload, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_expiry, fx_setup, fx_teardown),
		cmocka_unit_test(test_store_appears_later),
		cmocka_unit_test(test_peer_usable),
		cmocka_unit_test_setup_teardown(test_ctl, fx_setup, fx_teardown),
	};
	log_init("test_dstm_tep", false, LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
