/* Unit tests for the mobile node daemon's configuration (mn_config.c): the
 * example, the defaults, every rule with its exact "file:line:" message,
 * the printout's round trip, the registration client's configuration made
 * from it, and the golden files tests/golden/mnd-*.conf (printout equals
 * the .out file) and bad-mnd-*.conf (the message on their first line),
 * which scripts/check-config.sh also runs through ds46-mnd -n. */
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
#include "mip4/mn_config.h"
#include "mip4/mn_reg.h"

static struct mn_cfg *load_ok(const char *text)
{
	char err[512];
	struct mn_cfg *c = NULL;

	if (mn_cfg_load_string(text, "m.conf", &c, err, sizeof(err)) < 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(c);
	return c;
}

static char *print_to_string(const struct mn_cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	mn_cfg_print(f, c);
	fclose(f);
	return buf;
}

/* print -> parse -> print gives the same text, and the registration
 * client takes the configuration */
static void roundtrip(const struct mn_cfg *c)
{
	char *a = print_to_string(c);
	struct mn_cfg *c2 = load_ok(a);
	char *b = print_to_string(c2);
	struct mn_reg_config rc;
	struct mn_reg *m = malloc(sizeof(*m));

	assert_string_equal(a, b);
	mn_cfg_to_reg(c2, &rc);
	assert_non_null(m);
	assert_int_equal(mn_reg_init(m, &rc), 0);
	free(m);
	free(a);
	free(b);
	mn_cfg_free(c2);
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
	return a.s_addr;             /* network order, as the configuration */
}

static void assert_in6(const struct in6_addr *got, const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	assert_memory_equal(got, &a, 16);
}

static void test_example(void **state)
{
	(void)state;
	char err[512];
	struct mn_cfg *c = NULL;
	static const uint8_t key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

	if (mn_cfg_load("examples/mnd.conf", &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(c->file, "examples/mnd.conf");
	assert_int_equal(c->home_addr, ip4("192.0.2.10"));
	assert_int_equal(c->home_plen, 24);
	assert_string_equal(c->nai, "mn1@example.net");
	assert_int_equal(c->home_agent, ip4("192.0.2.1"));
	assert_int_equal(c->spi, 256);
	assert_int_equal(c->key_len, 16);
	assert_memory_equal(c->key, key, 16);
	assert_int_equal(c->replay, MN_REPLAY_TIMESTAMPS);
	assert_int_equal(c->lifetime, 1800);
	assert_int_equal(c->encap, ENCAP4_IPIP);
	assert_true(c->reverse_tunnel);
	assert_string_equal(c->home_interface, "eth0");
	assert_string_equal(c->tunnel_interface, "mip0");
	assert_int_equal(c->n_v6_prefixes, 1);
	assert_in6(&c->v6_prefixes[0].prefix, "2001:db8:46:1::");
	assert_int_equal(c->v6_prefixes[0].plen, 64);
	assert_int_equal(c->n_v6_dynamic, 0);
	assert_int_equal(c->n_v6_iids, 1);
	assert_in6(&c->v6_iids[0], "::211:22ff:fe33:4455");
	assert_false(c->v6_link_local);
	assert_true(c->v6_tunnel_mode);
	roundtrip(c);
	mn_cfg_free(c);
}

#define REQ                                                        \
	"  home-address = \"192.0.2.10\";\n"                       \
	"  home-agent = \"192.0.2.1\";\n"                          \
	"  spi = 256;\n"                                           \
	"  key = \"000102030405060708090a0b0c0d0e0f\";\n"          \
	"  home-interface = \"eth0\";\n"

static void test_defaults(void **state)
{
	(void)state;
	struct mn_cfg *c = load_ok("mn = {\n" REQ "};\n");

	assert_string_equal(c->file, "m.conf");
	assert_int_equal(c->home_plen, MN_CFG_DEFAULT_HOME_PLEN);
	assert_string_equal(c->nai, "");
	assert_int_equal(c->replay, MN_REPLAY_TIMESTAMPS);
	assert_int_equal(c->lifetime, 1800);
	assert_int_equal(c->encap, ENCAP4_IPIP);
	assert_true(c->reverse_tunnel);
	assert_int_equal(c->retransmit_max, 32);
	assert_int_equal(c->retransmit_tries, 6);
	assert_string_equal(c->tunnel_interface, "mip0");
	assert_string_equal(c->control_socket, "/run/ds46/mnd.sock");
	assert_string_equal(c->state_file, "/var/lib/ds46/mnd.state");
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->n_v6_prefixes + c->n_v6_dynamic + c->n_v6_iids, 0);
	assert_false(c->v6_link_local);
	assert_true(c->v6_tunnel_mode);
	assert_true(c->agent_discovery);
	assert_false(c->prefer_fa);
	assert_int_equal(c->solicit_max, 60);
	assert_int_equal(c->mf_key_len, 0);
	assert_int_equal(c->udp_tunnel, MN_UDP_TUNNEL_AUTO);
	assert_int_equal(c->registration_port, 0);
	roundtrip(c);

	char *out = print_to_string(c);
	assert_string_equal(out, "mn = {\n"
				 "  home-address = \"192.0.2.10\";\n"
				 "  home-prefix-length = 24;\n"
				 "  home-agent = \"192.0.2.1\";\n"
				 "  spi = 256;\n"
				 "  key = \"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f\";\n"
				 "  replay = \"timestamps\";\n"
				 "  lifetime = 1800;\n"
				 "  encapsulation = \"ipip\";\n"
				 "  reverse-tunnel = true;\n"
				 "  reverse-tunnel-delivery = \"direct\";\n"
				 "  retransmit-max = 32;\n"
				 "  retransmit-tries = 6;\n"
				 "  home-interface = \"eth0\";\n"
				 "  tunnel-interface = \"mip0\";\n"
				 "  control-socket = \"/run/ds46/mnd.sock\";\n"
				 "  state-file = \"/var/lib/ds46/mnd.state\";\n"
				 "  log-level = \"info\";\n"
				 "  agent-discovery = true;\n"
				 "  prefer-foreign-agent = false;\n"
				 "  solicitation-max-interval = 60;\n"
				 "  udp-tunnel = \"auto\";\n"
				 "  registration-port = 0;\n"
				 "  ipv6 = {\n"
				 "    prefixes = [ ];\n"
				 "    dynamic-prefixes = [ ];\n"
				 "    interface-ids = [ ];\n"
				 "    link-local = false;\n"
				 "    tunnel-mode = true;\n"
				 "  };\n"
				 "};\n");
	free(out);
	mn_cfg_free(c);
}

/* The registration client's configuration: the IPv6 requests in the order
 * prefixes, dynamic (zero prefix, the hint as length), ::iid/128. */
static void test_to_reg(void **state)
{
	(void)state;
	struct mn_cfg *c = load_ok("mn = {\n" REQ
				   "  nai = \"a@b\"; replay = \"nonces\"; lifetime = 600;\n"
				   "  encapsulation = \"gre\"; reverse-tunnel = false;\n"
				   "  retransmit-max = 10; retransmit-tries = 3;\n"
				   "  ipv6 = {\n"
				   "    interface-ids = [ \"::5\" ];\n"
				   "    dynamic-prefixes = [ 48, 0 ];\n"
				   "    prefixes = [ \"2001:db8::/32\", \"2001:db9::1/128\" ];\n"
				   "    link-local = true; tunnel-mode = false;\n"
				   "  };\n"
				   "};\n");
	struct mn_reg_config r;

	mn_cfg_to_reg(c, &r);
	assert_int_equal(r.home_addr, ip4("192.0.2.10"));
	assert_int_equal(r.home_agent, ip4("192.0.2.1"));
	assert_string_equal(r.nai, "a@b");
	assert_int_equal(r.spi, 256);
	assert_int_equal(r.key_len, 16);
	assert_int_equal(r.key[15], 0x0f);
	assert_int_equal(r.replay, MN_REPLAY_NONCES);
	assert_int_equal(r.lifetime, 600);
	assert_int_equal(r.encap, ENCAP4_GRE);
	assert_false(r.reverse_tunnel);
	assert_false(r.tunnel_mode);
	assert_true(r.v6_link_local);
	assert_int_equal(r.retrans_max_ms, 10000);
	assert_int_equal(r.retrans_tries, 3);
	assert_int_equal(r.udp_tunnel, MN_REG_UDP_TUNNEL_AUTO);
	assert_int_equal(r.n_v6, 5);
	assert_in6(&r.v6[0].prefix, "2001:db8::");
	assert_int_equal(r.v6[0].plen, 32);
	assert_in6(&r.v6[1].prefix, "2001:db9::1");
	assert_int_equal(r.v6[1].plen, 128);
	assert_in6(&r.v6[2].prefix, "::");
	assert_int_equal(r.v6[2].plen, 48);
	assert_int_equal(mn_v6_kind_of(&r.v6[2]), MN_V6_DYNAMIC);
	assert_in6(&r.v6[3].prefix, "::");
	assert_int_equal(r.v6[3].plen, 0);
	assert_in6(&r.v6[4].prefix, "::5");
	assert_int_equal(r.v6[4].plen, 128);
	assert_int_equal(mn_v6_kind_of(&r.v6[4]), MN_V6_IID);
	assert_int_equal(mn_v6_kind_of(&r.v6[0]), MN_V6_STATIC);
	roundtrip(c);
	mn_cfg_free(c);

	/* the most requests: 15 and the link-local one */
	c = load_ok("mn = {\n" REQ
		    "  ipv6 = { link-local = true;\n"
		    "    dynamic-prefixes = [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 ]; };\n"
		    "};\n");
	mn_cfg_to_reg(c, &r);
	assert_int_equal(r.n_v6, 15);
	roundtrip(c);
	mn_cfg_free(c);

	/* agent discovery, the MN-FA association, UDP tunnelling */
	c = load_ok("mn = {\n" REQ
		    "  agent-discovery = false; prefer-foreign-agent = true;\n"
		    "  solicitation-max-interval = 120; mn-fa-spi = 4096;\n"
		    "  mn-fa-key = \"101112131415161718191a1b1c1d1e1f20\";\n"
		    "  udp-tunnel = \"force\"; registration-port = 4344;\n"
		    "};\n");
	assert_false(c->agent_discovery);
	assert_true(c->prefer_fa);
	assert_int_equal(c->solicit_max, 120);
	assert_int_equal(c->udp_tunnel, MN_UDP_TUNNEL_FORCE);
	assert_int_equal(c->registration_port, 4344);
	mn_cfg_to_reg(c, &r);
	assert_int_equal(r.mf_spi, 4096);
	assert_int_equal(r.mf_key_len, 17);
	assert_int_equal(r.mf_key[0], 0x10);
	assert_int_equal(r.mf_key[16], 0x20);
	assert_int_equal(r.udp_tunnel, MN_REG_UDP_TUNNEL_FORCE);
	struct mn_disc_config d;
	mn_cfg_to_disc(c, &d);
	assert_int_equal(d.home_agent, ip4("192.0.2.1"));
	assert_int_equal(d.solicit_max_ms, 120000);
	assert_true(d.prefer_fa);
	assert_int_equal(mn_disc_init(&(struct mn_disc){ 0 }, &d), 0);
	char *out = print_to_string(c);
	assert_non_null(strstr(out, "  agent-discovery = false;\n"
				    "  prefer-foreign-agent = true;\n"
				    "  solicitation-max-interval = 120;\n"
				    "  mn-fa-spi = 4096;\n"
				    "  mn-fa-key = \"10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:20\";\n"
				    "  udp-tunnel = \"force\";\n"
				    "  registration-port = 4344;\n"));
	free(out);
	roundtrip(c);
	mn_cfg_free(c);
	c = load_ok("mn = {\n" REQ "  udp-tunnel = \"off\";\n};\n");
	assert_int_equal(c->udp_tunnel, MN_UDP_TUNNEL_OFF);
	mn_cfg_to_reg(c, &r);
	assert_int_equal(r.mf_key_len, 0);
	assert_int_equal(r.udp_tunnel, MN_REG_UDP_TUNNEL_OFF);
	roundtrip(c);
	mn_cfg_free(c);

	/* an assigned home address */
	c = load_ok("mn = {\n  home-address = \"0.0.0.0\"; nai = \"x@y\";\n"
		    "  home-agent = \"198.51.100.1\"; spi = 300;\n"
		    "  key = \"000102030405060708090a0b0c0d0e0f\"; home-interface = \"e0\";\n};\n");
	assert_int_equal(c->home_addr, 0);
	roundtrip(c);
	mn_cfg_free(c);
}

#define H "mn = {\n" REQ     /* the setting under test is on line 7 */
/* the required settings but one; the setting under test is on line 2 */
#define L_ADDR "  home-address = \"192.0.2.10\";\n"
#define L_HA "  home-agent = \"192.0.2.1\";\n"
#define L_SPI "  spi = 256;\n"
#define L_KEY "  key = \"000102030405060708090a0b0c0d0e0f\";\n"
#define L_IF "  home-interface = \"eth0\";\n"
#define NO_ADDR L_HA L_SPI L_KEY L_IF "};\n"
#define NO_HA L_ADDR L_SPI L_KEY L_IF "};\n"
#define NO_SPI L_ADDR L_HA L_KEY L_IF "};\n"
#define NO_KEY L_ADDR L_HA L_SPI L_IF "};\n"
#define NO_IF L_ADDR L_HA L_SPI L_KEY "};\n"

static const struct {
	const char *text, *msg;
} bad_cases[] = {
	{ "", "m.conf:1: no 'mn' group: mn = { home-address = \"...\"; ... }" },
	{ "mn = 1;\n", "m.conf:1: 'mn' must be a group: mn = { ... }" },
	{ H "};\nmnd = 1;\n", "m.conf:8: unknown setting 'mnd' at the top level" },
	{ H "  home-addr = 1;\n};\n", "m.conf:7: unknown setting 'home-addr' in mn" },
	{ H "  udp-tunnel = \"on\";\n};\n", "m.conf:7: 'udp-tunnel' must be \"auto\", \"force\" or \"off\"" },
	{ H "  mn-fa-spi = 300;\n};\n", "m.conf:7: mn-fa-spi and mn-fa-key go together (the MN-FA security association, RFC 5944 3.5.3)" },
	{ H "  mn-fa-key = \"000102030405060708090a0b0c0d0e0f\";\n};\n", "m.conf:7: mn-fa-spi and mn-fa-key go together (the MN-FA security association, RFC 5944 3.5.3)" },
	{ H "  mn-fa-spi = 255;\n};\n", "m.conf:7: 'mn-fa-spi' must be between 256 and 4294967295" },
	{ H "  solicitation-max-interval = 0;\n};\n", "m.conf:7: 'solicitation-max-interval' must be between 1 and 3600" },
	{ H "  registration-port = 65536;\n};\n", "m.conf:7: 'registration-port' must be between 0 and 65535" },
	{ H "  agent-discovery = 1;\n};\n", "m.conf:7: 'agent-discovery' must be true or false" },
	{ "mn = {\n" REQ "  x = 1\n", "m.conf:8: syntax error" },
	{ "mn = {\n  home-agent = \"192.0.2.1\";\n};\n",
	  "m.conf:1: mn has no 'home-address' (\"0.0.0.0\": assigned by the home agent)" },
	{ "mn = {\n  home-address = \"192.0.2.10\";\n};\n",
	  "m.conf:1: mn has no 'home-agent' (its IPv4 address)" },
	{ "mn = {\n  home-address = \"192.0.2.10\";\n  home-agent = \"192.0.2.1\";\n};\n",
	  "m.conf:1: mn has no 'spi' (the mobility security association, RFC 5944 3.5.1)" },
	{ "mn = {\n  home-address = \"192.0.2.10\";\n  home-agent = \"192.0.2.1\";\n"
	  "  spi = 256;\n};\n",
	  "m.conf:1: mn has no 'key' (the HMAC-MD5 key, in hexadecimal)" },
	{ "mn = {\n  home-address = \"192.0.2.10\";\n  home-agent = \"192.0.2.1\";\n"
	  "  spi = 256;\n  key = \"000102030405060708090a0b0c0d0e0f\";\n};\n",
	  "m.conf:1: mn has no 'home-interface' (the link it has at home)" },
	{ "mn = {\n  home-address = \"192.0.2\";\n" NO_ADDR, "m.conf:2: invalid IPv4 address \"192.0.2\"" },
	{ "mn = {\n  home-address = \"127.0.0.1\";\n" NO_ADDR,
	  "m.conf:2: home-address \"127.0.0.1\" must be a unicast IPv4 address (or \"0.0.0.0\": "
	  "assigned by the home agent)" },
	{ "mn = {\n  home-agent = \"0.0.0.0\";\n" NO_HA,
	  "m.conf:2: home-agent \"0.0.0.0\" must be a unicast IPv4 address" },
	{ "mn = {\n  home-agent = \"255.255.255.255\";\n" NO_HA,
	  "m.conf:2: home-agent \"255.255.255.255\" must be a unicast IPv4 address" },
	{ "mn = {\n  home-agent = \"192.0.2.10\";\n" NO_HA,
	  "m.conf:3: home-address and home-agent are the same address" },
	{ "mn = {\n" L_ADDR L_SPI L_KEY L_IF "  home-agent = \"192.0.3.1\";\n};\n",
	  "m.conf:6: home-agent \"192.0.3.1\" is not on the home network of \"192.0.2.10\"/24" },
	{ H "  home-prefix-length = 31;\n};\n",
	  "m.conf:7: 'home-prefix-length' must be between 8 and 30" },
	{ H "  home-prefix-length = 7;\n};\n",
	  "m.conf:7: 'home-prefix-length' must be between 8 and 30" },
	{ "mn = {\n  home-address = \"192.0.2.0\";\n" NO_ADDR,
	  "m.conf:2: home-address \"192.0.2.0\" is the home network's own or broadcast address "
	  "(home-prefix-length 24)" },
	{ "mn = {\n  home-address = \"192.0.2.15\";\n  home-prefix-length = 29;\n" NO_ADDR,
	  "m.conf:3: home-address \"192.0.2.15\" is the home network's own or broadcast address "
	  "(home-prefix-length 29)" },
	{ H "  home-prefix-length = 30;\n};\n",
	  "m.conf:7: home-agent \"192.0.2.1\" is not on the home network of \"192.0.2.10\"/30" },
	{ H "  nai = \"\";\n};\n", "m.conf:7: 'nai' must not be empty" },
	{ H "  nai = 5;\n};\n", "m.conf:7: 'nai' must be a string" },
	{ "mn = {\n  spi = 255;\n" NO_SPI, "m.conf:2: 'spi' must be between 256 and 4294967295" },
	{ "mn = {\n  spi = 4294967296L;\n" NO_SPI, "m.conf:2: 'spi' must be between 256 and 4294967295" },
	{ "mn = {\n  key = \"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e\";\n" NO_KEY,
	  "m.conf:2: 'key' must be 16 to 64 hexadecimal octets, optionally separated by ':'" },
	{ "mn = {\n  key = \"000102030405060708090a0b0c0d0e0g\";\n" NO_KEY,
	  "m.conf:2: 'key' must be 16 to 64 hexadecimal octets, optionally separated by ':'" },
	{ H "  replay = \"timestamp\";\n};\n",
	  "m.conf:7: 'replay' must be \"timestamps\" or \"nonces\"" },
	{ H "  lifetime = 0;\n};\n", "m.conf:7: 'lifetime' must be between 1 and 65535" },
	{ H "  lifetime = 65536;\n};\n", "m.conf:7: 'lifetime' must be between 1 and 65535" },
	{ H "  encapsulation = \"6in4\";\n};\n",
	  "m.conf:7: 'encapsulation' must be \"ipip\", \"gre\" or \"minimal\"" },
	{ H "  reverse-tunnel = \"yes\";\n};\n",
	  "m.conf:7: 'reverse-tunnel' must be true or false" },
	{ H "  retransmit-max = 0;\n};\n", "m.conf:7: 'retransmit-max' must be between 1 and 3600" },
	{ H "  retransmit-max = 3601;\n};\n",
	  "m.conf:7: 'retransmit-max' must be between 1 and 3600" },
	{ H "  retransmit-tries = 101;\n};\n",
	  "m.conf:7: 'retransmit-tries' must be between 1 and 100" },
	{ "mn = {\n  home-interface = \"a/b\";\n" NO_IF, "m.conf:2: invalid interface name \"a/b\"" },
	{ H "  tunnel-interface = \"eth0\";\n};\n",
	  "m.conf:7: tunnel-interface \"eth0\" is the home interface: the tunnel is a TUN device "
	  "of its own" },
	{ H "  tunnel-interface = \"abcdefghijklmnop\";\n};\n",
	  "m.conf:7: interface name \"abcdefghijklmnop\" is too long (at most 15 characters)" },
	{ H "  control-socket = \"\";\n};\n", "m.conf:7: 'control-socket' must not be empty" },
	{ H "  state-file = 1;\n};\n", "m.conf:7: 'state-file' must be a string" },
	{ H "  log-level = \"loud\";\n};\n",
	  "m.conf:7: 'log-level' must be one of error, warning, notice, info, debug" },
	{ "mn = {\n  home-address = \"0.0.0.0\";\n  home-agent = \"192.0.2.1\";\n"
	  "  spi = 256;\n  key = \"000102030405060708090a0b0c0d0e0f\";\n"
	  "  home-interface = \"eth0\";\n};\n",
	  "m.conf:2: home-address \"0.0.0.0\" (assigned) needs an 'nai' to identify the node "
	  "(RFC 2794)" },
	/* mn.ipv6 */
	{ H "  ipv6 = 1;\n};\n", "m.conf:7: 'ipv6' must be a group: ipv6 = { ... }" },
	{ H "  ipv6 = {\n    prefix = [ ];\n  };\n};\n",
	  "m.conf:8: unknown setting 'prefix' in ipv6" },
	{ H "  ipv6 = {\n    prefixes = \"2001:db8::/32\";\n  };\n};\n",
	  "m.conf:8: 'prefixes' must be a list of strings: prefixes = [ \"...\" ]" },
	{ H "  ipv6 = {\n    prefixes = [ \"2001:db8::\" ];\n  };\n};\n",
	  "m.conf:8: prefix \"2001:db8::\" has no length (address/length)" },
	{ H "  ipv6 = {\n    prefixes = [ \"2001:db8::1/64\" ];\n  };\n};\n",
	  "m.conf:8: prefix \"2001:db8::1/64\" has host bits set" },
	{ H "  ipv6 = {\n    prefixes = [ \"2001:db8::/129\" ];\n  };\n};\n",
	  "m.conf:8: invalid prefix length in \"2001:db8::/129\"" },
	{ H "  ipv6 = {\n    prefixes = [ \"ff02::/16\" ];\n  };\n};\n",
	  "m.conf:8: prefix \"ff02::/16\" is not a unicast prefix" },
	{ H "  ipv6 = {\n    prefixes = [ \"fe80::/64\" ];\n  };\n};\n",
	  "m.conf:8: prefix \"fe80::/64\" is not a global unicast prefix" },
	{ H "  ipv6 = {\n    prefixes = [ \"::1/128\" ];\n  };\n};\n",
	  "m.conf:8: prefix \"::1/128\" is not a global unicast prefix" },
	{ H "  ipv6 = {\n    prefixes = [ \"::5/128\" ];\n  };\n};\n",
	  "m.conf:8: prefix \"::5/128\" is an interface identifier: list it in 'interface-ids'" },
	{ H "  ipv6 = {\n    prefixes = [ \"2001:db8::/32\",\n      \"2001:db8:1::/48\" ];\n"
	    "  };\n};\n",
	  "m.conf:9: prefix \"2001:db8:1::/48\" overlaps \"2001:db8::/32\" (line 8)" },
	{ H "  ipv6 = {\n    dynamic-prefixes = 64;\n  };\n};\n",
	  "m.conf:8: 'dynamic-prefixes' must be a list of prefix lengths: dynamic-prefixes = [ 64 ]" },
	{ H "  ipv6 = {\n    dynamic-prefixes = [ 129 ];\n  };\n};\n",
	  "m.conf:8: 'dynamic-prefixes' must be between 0 and 128" },
	{ H "  ipv6 = {\n    dynamic-prefixes = ( 64, \"x\" );\n  };\n};\n",
	  "m.conf:8: 'dynamic-prefixes' must be an integer" },
	{ H "  ipv6 = {\n    dynamic-prefixes = [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,\n"
	    "      15, 16, 17 ];\n  };\n};\n",
	  "m.conf:9: too many entries in 'dynamic-prefixes' (at most 16)" },
	{ H "  ipv6 = {\n    interface-ids = [ \"::1:2:3:4/128\" ];\n  };\n};\n",
	  "m.conf:8: invalid IPv6 address \"::1:2:3:4/128\"" },
	{ H "  ipv6 = {\n    interface-ids = [ \"::\" ];\n  };\n};\n",
	  "m.conf:8: interface-id \"::\" must be ::<64-bit interface identifier> (the high 64 "
	  "bits zero, the low ones not)" },
	{ H "  ipv6 = {\n    interface-ids = [ \"::1\",\n      \"::0:0:0:1\" ];\n  };\n};\n",
	  "m.conf:9: interface-id \"::0:0:0:1\" is the same as \"::1\" (line 8)" },
	{ H "  ipv6 = {\n    link-local = 1;\n  };\n};\n",
	  "m.conf:8: 'link-local' must be true or false" },
	{ H "  ipv6 = {\n    tunnel-mode = \"on\";\n  };\n};\n",
	  "m.conf:8: 'tunnel-mode' must be true or false" },
	{ H "  ipv6 = {\n    link-local = true;\n"
	    "    dynamic-prefixes = [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 ];\n"
	    "  };\n};\n",
	  "m.conf:7: too many IPv6 requests: 17 (at most 16, the link-local one included)" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		char err[512];
		struct mn_cfg *c = (struct mn_cfg *)0x1;
		int r = mn_cfg_load_string(bad_cases[i].text, "m.conf", &c, err, sizeof(err));

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
	struct mn_cfg *c = load_ok("mn = {\n" REQ "  nai = \"a \\\"b\\\" \\\\c\\td@x\";\n};\n");
	char *out;

	assert_string_equal(c->nai, "a \"b\" \\c\td@x");
	out = print_to_string(c);
	assert_non_null(strstr(out, "  nai = \"a \\\"b\\\" \\\\c\\x09d@x\";\n"));
	free(out);
	roundtrip(c);
	mn_cfg_free(c);
}

static void test_golden(void **state)
{
	(void)state;
	glob_t g;
	char err[512];

	assert_int_equal(glob("tests/golden/mnd-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char outpath[512], *want, *got;
		struct mn_cfg *c;
		size_t len = strlen(conf);

		snprintf(outpath, sizeof(outpath), "%.*s.out", (int)(len - 5), conf);
		if (mn_cfg_load(conf, &c, err, sizeof(err)) < 0)
			fail_msg("%s: %s", conf, err);
		want = slurp(outpath);
		got = print_to_string(c);
		if (strcmp(want, got) != 0)
			fail_msg("%s: mn_cfg_print differs from %s:\n%s", conf, outpath, got);
		free(want);
		free(got);
		roundtrip(c);
		mn_cfg_free(c);
	}
	globfree(&g);

	assert_int_equal(glob("tests/golden/bad-mnd-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 8);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *conf = g.gl_pathv[i];
		char *text = slurp(conf), *want;
		static const char tag[] = "# expect: ";
		struct mn_cfg *c = NULL;

		if (strncmp(text, tag, strlen(tag)) != 0)
			fail_msg("%s: first line must be \"%s<message>\"", conf, tag);
		want = text + strlen(tag);
		want[strcspn(want, "\n")] = '\0';
		assert_int_equal(mn_cfg_load(conf, &c, err, sizeof(err)), -EINVAL);
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
	struct mn_cfg *c = (struct mn_cfg *)0x1;

	assert_int_equal(mn_cfg_load("tests/golden/does-not-exist.conf", &c, err, sizeof(err)),
			 -ENOENT);
	assert_null(c);
	assert_string_equal(err, "tests/golden/does-not-exist.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_to_reg),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_print_escapes),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_load_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
