/* Unit tests for ds46-fad's pure parts: the configuration loader
 * (mip4/fa_config.c), the Agent Advertisement it builds (RFC 5944 2.1),
 * the frames it writes on a visitor link and the parser of the frames it
 * reads (mip4/fa.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "mip4/fa.h"
#include "mip4/fa_config.h"
#include "store/store.h"
#include "wire/agentadv.h"
#include "wire/ip.h"

static uint32_t A(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct fad_cfg *load_ok(const char *text)
{
	struct fad_cfg *c = NULL;
	char err[256] = "";
	int r = fad_cfg_load_string(text, "t.conf", &c, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	return c;
}

static void load_bad(const char *text, const char *want)
{
	struct fad_cfg *c = NULL;
	char err[256] = "";
	assert_int_equal(fad_cfg_load_string(text, "t.conf", &c, err, sizeof(err)), -EINVAL);
	assert_null(c);
	assert_string_equal(err, want);
}

static void test_config_defaults(void **state)
{
	(void)state;
	struct fad_cfg *c = load_ok("fa = { interfaces = ( { name = \"v0\"; "
				    "address = \"10.3.0.1/24\"; } ); };");
	assert_int_equal(c->reg.n_ifaces, 1);
	assert_string_equal(c->ifname[0], "v0");
	assert_int_equal(c->reg.ifaces[0].address, A("10.3.0.1"));
	assert_int_equal(c->reg.ifaces[0].n_coa, 1);
	assert_int_equal(c->reg.ifaces[0].coa[0], A("10.3.0.1"));
	assert_int_equal(c->plen[0], 24);
	/* RFC 1256 3: 600 s, lifetime 3 times that */
	assert_int_equal(c->adv_interval_ms, 600000);
	assert_true(c->has_address[0]);
	assert_int_equal(c->adv_lifetime, 1800);
	assert_int_equal(c->reg.max_lifetime, 1800);
	assert_int_equal(c->table, 434);
	assert_int_equal(c->rule_priority, 1434);
	assert_int_equal(c->port, 434);
	assert_string_equal(c->tun, "mip-fa0");
	assert_int_equal(c->reg.ipv6_mode, FA_IPV6_IGNORE);
	assert_int_equal(c->reg.reverse_tunnel, FA_REVTUN_ALLOWED);
	/* F, T: IP in IP only (no M, G) */
	assert_int_equal(fad_cfg_adv_flags(c), AGENTADV_F_F | AGENTADV_F_T);
	fad_cfg_free(c);
}

static void test_config_full(void **state)
{
	(void)state;
	struct fad_cfg *c = load_ok(
		"fa = {\n"
		"  interfaces = ( { name = \"v0\"; address = \"10.3.0.1/24\";\n"
		"                   care-of-addresses = [ \"10.3.0.1\", \"10.3.0.2\" ]; } );\n"
		"  advertisement-interval = 2; registration-required = true; busy = true;\n"
		"  home-agent = true; udp-tunnel = true; encapsulations = [ \"ipip\", \"gre\", "
		"\"minimal\" ];\n"
		"  reverse-tunnel = \"off\"; ipv6 = \"attach\";\n"
		"  ha-sas = ( { address = \"10.31.0.1\"; spi = 4096; key-hex = \"0102\"; } );\n"
		"  mn-sas = ( { address = \"192.0.2.10\"; spi = 300; key = \"abc\"; } );\n"
		"  table = 1000; rule-priority = 200;\n"
		"};\n");
	assert_int_equal(c->adv_lifetime, 6);
	assert_int_equal(c->reg.ifaces[0].n_coa, 2);
	assert_int_equal(c->reg.ifaces[0].coa[1], A("10.3.0.2"));
	assert_int_equal(fad_cfg_adv_flags(c), AGENTADV_F_R | AGENTADV_F_B | AGENTADV_F_H |
						       AGENTADV_F_F | AGENTADV_F_M |
						       AGENTADV_F_G | AGENTADV_F_U);
	assert_int_equal(c->reg.ipv6_mode, FA_IPV6_ATTACH);
	assert_int_equal(c->reg.n_ha_sa, 1);
	assert_int_equal(c->reg.ha_sa[0].spi, 4096);
	assert_int_equal(c->reg.ha_sa[0].key_len, 2);
	assert_memory_equal(c->reg.ha_sa[0].key, "\x01\x02", 2);
	assert_int_equal(c->reg.mn_sa[0].addr, A("192.0.2.10"));
	assert_memory_equal(c->reg.mn_sa[0].key, "abc", 3);
	assert_int_equal(c->table, 1000);

	/* the printout parses to the same printout */
	char *p1 = NULL, *p2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f = open_memstream(&p1, &l1);
	fad_cfg_print(f, c);
	fclose(f);
	struct fad_cfg *c2 = load_ok(p1);
	f = open_memstream(&p2, &l2);
	fad_cfg_print(f, c2);
	fclose(f);
	assert_string_equal(p1, p2);
	free(p1);
	free(p2);
	fad_cfg_free(c2);
	fad_cfg_free(c);
}

/* The form tests/net/test_mip4_fa.py writes: the address read from the
 * interface, the interval in milliseconds, home agents with their SAs. */
static void test_config_lead_form(void **state)
{
	(void)state;
	struct fad_cfg *c = load_ok(
		"fa = { interfaces = ( { name = \"l0\"; care-of-addresses = [ \"10.3.0.1\" ]; } );\n"
		"  advertisement-interval-ms = 500; advertisement-lifetime = 3;\n"
		"  home-agents = ( { address = \"192.0.2.1\"; spi = 500; key-hex = \"4142\"; } );\n"
		"  ha-sas = ( { address = \"192.0.2.2\"; spi = 501; key = \"x\"; } ); };");
	assert_false(c->has_address[0]);
	assert_int_equal(c->reg.ifaces[0].n_coa, 1);
	assert_int_equal(c->reg.ifaces[0].coa[0], A("10.3.0.1"));
	assert_int_equal(c->adv_interval_ms, 500);
	assert_int_equal(c->adv_lifetime, 3);
	assert_int_equal(c->reg.n_allowed_ha, 1);
	assert_int_equal(c->reg.allowed_ha[0], A("192.0.2.1"));
	assert_int_equal(c->reg.n_ha_sa, 2);
	assert_int_equal(c->reg.ha_sa[0].spi, 500);
	assert_memory_equal(c->reg.ha_sa[0].key, "AB", 2);
	assert_int_equal(c->reg.ha_sa[1].addr, A("192.0.2.2"));
	fad_cfg_free(c);
	c = load_ok("fa = { interfaces = ( { name = \"l0\"; } ); advertisement-interval-ms = 500; };");
	assert_int_equal(c->adv_lifetime, 2);           /* 1.5 s rounded up */
	assert_int_equal(c->reg.ifaces[0].n_coa, 0);    /* from the interface at start */
	fad_cfg_free(c);
	load_bad("fa = { interfaces = ( { name = \"l0\"; } );\n advertisement-interval = 1;\n"
		 " advertisement-interval-ms = 500; };",
		 "t.conf:3: give one of advertisement-interval (seconds) and "
		 "advertisement-interval-ms");
	load_bad("fa = { interfaces = ( { name = \"l0\"; } );\n advertisement-interval-ms = 50; };",
		 "t.conf:2: advertisement-interval-ms must be 0 or at least 100");
}

static void test_config_errors(void **state)
{
	(void)state;
	load_bad("fa = {\n};\n", "t.conf:1: fa has no 'interfaces' (the visitor links: ( { name = "
				 "\"eth1\"; address = \"198.51.100.1/24\"; } ))");
	load_bad("fa = { interfaces = ( { name = \"v0\"; address = \"10.3.0.1/24\"; } );\n"
		 "  ha-sas = ( { address = \"10.31.0.1\"; spi = 4294967552; key = \"k\"; } ); };",
		 "t.conf:2: integer out of range for 'spi' (libconfig reads it as 256); write it "
		 "with an L suffix");
	load_bad("fa = { interfaces = ( { name = \"v0\"; address = \"10.3.0.1/33\"; } ); };",
		 "t.conf:1: address \"10.3.0.1/33\" must be \"a.b.c.d/len\" (len 1 to 32)");
	load_bad("fa = { interfaces = ( { name = \"v0\"; address = \"10.3.0.1/24\"; } );\n"
		 "  table = 255; };",
		 "t.conf:2: table 255 is the kernel's default, main or local table");
	load_bad("fa = { interfaces = ( { name = \"v0\"; address = \"10.3.0.1/24\"; } );\n"
		 "  advertisement-interval = 10;\n  advertisement-lifetime = 9; };",
		 "t.conf:3: advertisement-lifetime 9 is shorter than the advertisement interval "
		 "(10000 ms, RFC 1256 3)");
	load_bad("fa = { interfaces = ( { name = \"v0\"; address = \"10.3.0.1/24\"; } );\n"
		 "  mn-sas = ( { address = \"192.0.2.10\"; spi = 300; } ); };",
		 "t.conf:2: a security association needs exactly one of 'key' (a string) and "
		 "'key-hex'");
}

/* RFC 5944 2.1, byte by byte. */
static void test_adv_build(void **state)
{
	(void)state;
	struct fad_cfg *c = load_ok("fa = { interfaces = ( { name = \"v0\"; "
				    "address = \"10.3.0.1/24\"; } );\n"
				    "advertisement-interval = 3; registration-lifetime = 600;\n"
				    "encapsulations = [ \"ipip\", \"gre\" ]; };");
	uint8_t b[256];
	int n = fa_adv_build(c, 0, 0x1234, b, sizeof(b));
	static const uint8_t want[] = {
		9, 0, 0, 0,             /* type 9, code 0, checksum (below) */
		1, 2, 0, 9,             /* 1 address, entry size 2, lifetime 9 */
		10, 3, 0, 1, 0, 0, 0, 0, /* router 10.3.0.1, preference 0 */
		16, 10, 0x12, 0x34,     /* mobility ext, length 6 + 4, sequence */
		0x02, 0x58,             /* registration lifetime 600 */
		0x15, 0x00,             /* F G T */
		10, 3, 0, 1,            /* care-of address */
		19, 1, 24,              /* prefix-lengths: /24 */
	};
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b + 4, want + 4, sizeof(want) - 4);
	assert_int_equal(b[0], 9);
	assert_int_equal(ip_csum(b, (size_t)n), 0);
	struct agentadv *a = malloc(sizeof(*a));
	enum agentadv_drop why;
	assert_int_equal(agentadv_parse(b, (size_t)n, a, &why), 0);
	assert_int_equal(a->seq, 0x1234);
	free(a);
	/* 2.3.2: the sequence after 0xffff is 256 */
	assert_int_equal(agentadv_seq_next(0xffff), 256);
	fad_cfg_free(c);
}

static void test_frame_build_parse(void **state)
{
	(void)state;
	static const uint8_t mn[6] = { 2, 0, 0, 0, 0, 0x10 }, fa[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t msg[] = { 1, 0x02, 0x01, 0x2c, 192, 0, 2, 10 };
	uint8_t fr[256];
	struct fa_frame f;
	int n = fa_frame_build(fr, sizeof(fr), fa, mn, A("192.0.2.10"), A("10.3.0.1"), 255,
			       IPPROTO_UDP, 40000, 434, msg, sizeof(msg));

	assert_int_equal(n, 14 + 20 + 8 + (int)sizeof(msg));
	assert_memory_equal(fr, fa, 6);
	assert_memory_equal(fr + 6, mn, 6);
	assert_int_equal(get_be16(fr + 12), 0x0800);
	assert_int_equal(fr[14 + 8], 255);
	assert_int_equal(ip_csum(fr + 14, 20), 0);
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 434, &f), FA_FRAME_REG);
	assert_int_equal(f.src, A("192.0.2.10"));
	assert_int_equal(f.dst, A("10.3.0.1"));
	assert_int_equal(f.ttl, 255);
	assert_int_equal(f.sport, 40000);
	assert_int_equal(f.len, sizeof(msg));
	assert_memory_equal(f.payload, msg, sizeof(msg));
	assert_memory_equal(f.src_mac, mn, 6);
	/* another port: not ours */
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 4343, &f), FA_FRAME_OTHER);
	/* a wrong UDP checksum */
	fr[14 + 20 + 6] ^= 0x40;
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 434, &f), FA_FRAME_BAD);
	fr[14 + 20 + 6] ^= 0x40;
	/* a UDP length beyond the datagram */
	put_be16(fr + 14 + 20 + 4, 200);
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 434, &f), FA_FRAME_BAD);
	/* cut in the IPv4 header */
	assert_int_equal(fa_frame_parse(fr, 14 + 10, 434, &f), FA_FRAME_BAD);
	/* not IPv4 */
	put_be16(fr + 12, 0x86dd);
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 434, &f), FA_FRAME_OTHER);

	/* an ICMP solicitation */
	uint8_t sol[8];
	assert_int_equal(agentadv_solicit_build(sol, sizeof(sol)), 8);
	n = fa_frame_build(fr, sizeof(fr), fa, mn, A("192.0.2.10"), A("224.0.0.11"), 1,
			   IPPROTO_ICMP, 0, 0, sol, sizeof(sol));
	assert_int_equal(n, 14 + 20 + 8);
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 434, &f), FA_FRAME_SOLICIT);
	assert_int_equal(f.len, 8);
	fr[14 + 20] = 9;
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 434, &f), FA_FRAME_ADVERT);
	fr[14 + 20] = 8;
	assert_int_equal(fa_frame_parse(fr, (size_t)n, 434, &f), FA_FRAME_OTHER);
	assert_int_equal(fa_frame_build(fr, 40, fa, mn, 0, 0, 1, IPPROTO_ICMP, 0, 0, sol, 8),
			 -ENOBUFS);
}

static void test_v6_gateway(void **state)
{
	(void)state;
	struct in6_addr g;
	char b[ADDR6_STRLEN];
	fa_v6_gateway(A("192.0.2.10"), &g);
	assert_string_equal(fmt_in6(&g, b), "fe80::ffff:c000:20a");
}

static void test_stat_names(void **state)
{
	(void)state;
	struct fa_stats st = { .tx_adverts = 7, .kernel_errors = 3 };
	assert_string_equal(fa_stat_name(0), "rx_frames");
	assert_null(fa_stat_name(fa_stat_count()));
	for (size_t i = 0; i < fa_stat_count(); i++) {
		if (strcmp(fa_stat_name(i), "tx_adverts") == 0)
			assert_int_equal(fa_stat_get(&st, i), 7);
		if (strcmp(fa_stat_name(i), "kernel_errors") == 0)
			assert_int_equal(fa_stat_get(&st, i), 3);
	}
}

/* The store's row of a visitor and back (a restarted agent): every field
 * survives, the link is named, the index is today's. */
static void test_visitor_store_round_trip(void **state)
{
	(void)state;
	struct fa_visitor v;
	struct fa_reg_req *q = &v.reg;
	struct mip_visitor m;
	struct fa_visitor back;

	memset(&v, 0, sizeof(v));       /* padding too: compared whole below */
	v.home_addr = A("192.0.2.10");
	v.active = true;
	v.lifetime = 600;
	v.registered = 1700000000;
	v.expires = 1700000600;
	v.v6 = FA_V6_NATIVE;
	v.n_prefix = 2;

	q->home_addr = v.home_addr;
	q->home_agent = A("192.0.2.1");
	q->coa = A("10.3.0.1");
	q->id = 0x0123456789abcdefull;
	q->lifetime = 900;
	q->flags = MIP4_F_T | MIP4_F_G;
	q->src_addr = A("192.0.2.10");
	q->dst_addr = A("224.0.0.11");
	q->agent_addr = A("10.3.0.1");
	q->src_port = 40000;
	q->ifindex = 7;
	q->lladdr_len = 6;
	memcpy(q->lladdr, "\x02\x00\x00\x00\x00\x01", 6);
	q->nai_len = 3;
	memcpy(q->nai, "mn1", 3);
	q->tunnel_mode = true;
	q->encap_delivery = true;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:47::", &v.prefix[0].prefix), 1);
	v.prefix[0].plen = 64;
	assert_int_equal(inet_pton(AF_INET6, "fe80::c000:20a", &v.prefix[1].prefix), 1);
	v.prefix[1].plen = 255;

	assert_int_equal(fa_visitor_to_store(&v, "l0", &m), 0);
	assert_string_equal(m.ifname, "l0");
	assert_int_equal(m.home_addr, v.home_addr);
	assert_int_equal(m.agent_addr, A("10.3.0.1"));
	assert_true(m.encap_delivery);
	assert_int_equal(m.expires, 1700000600);
	assert_int_equal(fa_visitor_from_store(&m, 9, &back), 0);
	assert_int_equal(back.reg.ifindex, 9);       /* the link's index now */
	back.reg.ifindex = 7;
	assert_int_equal(back.reg.lifetime, 600);   /* the requested one is not kept */
	back.reg.lifetime = 900;
	assert_memory_equal(&back, &v, sizeof(v));

	/* not active, a name too long, a row out of range */
	v.active = false;
	assert_int_equal(fa_visitor_to_store(&v, "l0", &m), -EINVAL);
	v.active = true;
	assert_int_equal(fa_visitor_to_store(&v, "an-interface-name-too-long", &m), -EINVAL);
	assert_int_equal(fa_visitor_to_store(&v, "l0", &m), 0);
	m.v6 = 3;
	assert_int_equal(fa_visitor_from_store(&m, 9, &back), -EINVAL);
	m.v6 = FA_V6_NATIVE;
	m.n_prefix = MIP4_MAX_PREFIXES + 1;
	assert_int_equal(fa_visitor_from_store(&m, 9, &back), -EINVAL);
	m.n_prefix = 2;
	m.lladdr_len = MIP_VISITOR_LLADDR_MAX + 1;
	assert_int_equal(fa_visitor_from_store(&m, 9, &back), -EINVAL);
}

int main(void)
{
	log_init("test_mip4_fa", false, LOG_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_full),
		cmocka_unit_test(test_config_lead_form),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_adv_build),
		cmocka_unit_test(test_frame_build_parse),
		cmocka_unit_test(test_v6_gateway),
		cmocka_unit_test(test_stat_names),
		cmocka_unit_test(test_visitor_store_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
