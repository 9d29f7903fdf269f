/* Unit tests for the mobile node daemon's glue (mn.c, mn_ctl.c) that need
 * no root: movement detection from the home interface's addresses (RFC
 * 5944 2.4 / 4.2.2: at home on the home network, else a co-located
 * care-of address), the kernel and engine plan from a binding (RFC 5454
 * 3.5), the state file's text, and the control socket's answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "mip4/mn.h"
#include "mip4/mn_config.h"
#include "wire/agentadv.h"
#include "wire/ip.h"

static const char conf[] =
	"mn = {\n"
	"  home-address = \"192.0.2.10\";\n"
	"  home-prefix-length = 24;\n"
	"  home-agent = \"192.0.2.1\";\n"
	"  spi = 256;\n"
	"  key = \"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\";\n"
	"  home-interface = \"eth0\";\n"
	"  ipv6 = { prefixes = [ \"2001:db8:46:1::/64\", \"2001:db8:46::10/128\" ]; };\n"
	"};\n";

static struct mn_cfg *load(void)
{
	char err[512];
	struct mn_cfg *c = NULL;

	if (mn_cfg_load_string(conf, "t.conf", &c, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	return c;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static const struct mn_location *L(enum mn_where w, uint32_t coa)
{
	static struct mn_location l;

	memset(&l, 0, sizeof(l));
	l.where = w;
	l.coa = coa;
	return &l;
}

static struct mn_addr4 A(const char *s, uint8_t plen)
{
	return (struct mn_addr4){ .addr = ip4(s), .plen = plen, .scope = RT_SCOPE_UNIVERSE };
}

static void test_home_net(void **state)
{
	(void)state;
	struct mn_cfg *c = load();

	assert_int_equal(mn_home_net(c), ip4("192.0.2.0"));
	assert_true(mn_in_home_net(c, ip4("192.0.2.200")));
	assert_false(mn_in_home_net(c, ip4("192.0.3.1")));
	mn_cfg_free(c);
}

static void test_locate(void **state)
{
	(void)state;
	struct mn_cfg *c = load();
	uint32_t home = c->home_addr;
	struct mn_location l;

	/* nothing: unknown */
	mn_locate(c, home, NULL, 0, 0, &l);
	assert_int_equal(l.where, MN_WHERE_UNKNOWN);
	assert_int_equal(l.coa, 0);

	/* the home address itself on the link: at home */
	struct mn_addr4 h1[] = { A("192.0.2.10", 24) };
	mn_locate(c, home, h1, 1, 0, &l);
	assert_int_equal(l.where, MN_WHERE_HOME);
	assert_true(l.home_addr_present);

	/* another address of the home network: at home, home address absent */
	struct mn_addr4 h2[] = { A("192.0.2.77", 24) };
	mn_locate(c, home, h2, 1, ip4("198.51.100.20"), &l);
	assert_int_equal(l.where, MN_WHERE_HOME);
	assert_false(l.home_addr_present);
	assert_int_equal(l.coa, 0);
	assert_int_equal(l.link_addr, ip4("192.0.2.77"));
	assert_int_equal(l.link_plen, 24);

	/* a foreign address: away, it is the co-located care-of address */
	struct mn_addr4 a1[] = { A("198.51.100.20", 24) };
	mn_locate(c, home, a1, 1, 0, &l);
	assert_int_equal(l.where, MN_WHERE_AWAY);
	assert_int_equal(l.coa, ip4("198.51.100.20"));
	/* ... and the address agent discovery is told about */
	assert_int_equal(l.link_addr, ip4("198.51.100.20"));
	assert_int_equal(l.link_plen, 24);
	assert_int_equal(l.fa, 0);

	/* unusable ones are skipped: link scope, tentative, 169.254/16,
	 * loopback, the subnet broadcast */
	struct mn_addr4 a2[] = { A("10.9.9.9", 24), A("169.254.3.4", 16), A("127.0.0.2", 8),
				 A("203.0.113.255", 24), A("203.0.113.5", 24) };
	a2[0].scope = RT_SCOPE_LINK;
	a2[4].flags = IFA_F_TENTATIVE;
	mn_locate(c, home, a2, 5, 0, &l);
	assert_int_equal(l.where, MN_WHERE_UNKNOWN);
	a2[4].flags = 0;
	mn_locate(c, home, a2, 5, 0, &l);
	assert_int_equal(l.where, MN_WHERE_AWAY);
	assert_int_equal(l.coa, ip4("203.0.113.5"));

	/* two foreign addresses: the one in use is kept, else the first */
	struct mn_addr4 a3[] = { A("198.51.100.20", 24), A("203.0.113.5", 24) };
	a3[1].plen = 26;
	mn_locate(c, home, a3, 2, ip4("203.0.113.5"), &l);
	assert_int_equal(l.coa, ip4("203.0.113.5"));
	assert_int_equal(l.link_addr, ip4("203.0.113.5"));
	assert_int_equal(l.link_plen, 26);
	mn_locate(c, home, a3, 2, ip4("192.0.2.99"), &l);
	assert_int_equal(l.coa, ip4("198.51.100.20"));

	/* a home-network address wins over a foreign one */
	struct mn_addr4 a4[] = { A("198.51.100.20", 24), A("192.0.2.5", 24) };
	mn_locate(c, home, a4, 2, ip4("198.51.100.20"), &l);
	assert_int_equal(l.where, MN_WHERE_HOME);

	/* assigned home address not known yet (0): the HA's network decides */
	mn_locate(c, 0, h2, 1, 0, &l);
	assert_int_equal(l.where, MN_WHERE_HOME);
	assert_false(l.home_addr_present);
	mn_cfg_free(c);
}

static void test_addr6_of(void **state)
{
	(void)state;
	struct mn_addr6 a;
	struct mip_prefix p = { .prefix = ip6("2001:db8:46:1::"), .plen = 64 };
	struct in6_addr want = ip6("2001:db8:46:1::1");

	assert_int_equal(mn_addr6_of(&p, &a), 0);
	assert_memory_equal(&a.addr, &want, 16);
	assert_int_equal(a.plen, 128);

	p = (struct mip_prefix){ .prefix = ip6("2001:db8:46::10"), .plen = 128 };
	want = ip6("2001:db8:46::10");
	assert_int_equal(mn_addr6_of(&p, &a), 0);
	assert_memory_equal(&a.addr, &want, 16);
	assert_int_equal(a.plen, 128);

	p = (struct mip_prefix){ .prefix = ip6("fe80::c000:20a"), .plen = 255 };
	want = ip6("fe80::c000:20a");
	assert_int_equal(mn_addr6_of(&p, &a), 0);
	assert_memory_equal(&a.addr, &want, 16);
	assert_int_equal(a.plen, 64);

	p = (struct mip_prefix){ .plen = 0 };
	assert_int_equal(mn_addr6_of(&p, &a), -EINVAL);
}

static void binding_of(struct mn_reg_binding *b)
{
	memset(b, 0, sizeof(*b));
	b->home_addr = ip4("192.0.2.10");
	b->home_agent = ip4("192.0.2.1");
	b->coa = ip4("198.51.100.20");
	b->lifetime = 1800;
	b->encap = ENCAP4_GRE;
	b->v6_encap = ENCAP4_GRE;
	b->reverse_tunnel = true;
	b->v6_supported = true;
	b->n_v6 = 3;
	b->v6[0] = (struct mn_v6_result){
		.req = { .prefix = ip6("2001:db8:46:1::"), .plen = 64 },
		.granted = { .prefix = ip6("2001:db8:46:1::"), .plen = 64 },
		.outcome = MN_V6_ACCEPTED, .code = 1, .mode = MIP_V6_TO_COA,
	};
	b->v6[1] = (struct mn_v6_result){
		.req = { .prefix = ip6("2001:db8:46::10"), .plen = 128 },
		.granted = { .prefix = ip6("2001:db8:46::10"), .plen = 128 },
		.outcome = MN_V6_REJECTED, .code = 8,
	};
	b->v6[2] = (struct mn_v6_result){
		.req = { .prefix = ip6("fe80::c000:20a"), .plen = 255 },
		.granted = { .prefix = ip6("fe80::c000:20a"), .plen = 255 },
		.outcome = MN_V6_ACCEPTED, .code = 0, .mode = MIP_V6_TO_HOA,
	};
	b->expires_ms = 1000 + 1800 * 1000;
	b->registered_ms = 1000;
}

static void test_plan(void **state)
{
	(void)state;
	struct mn_cfg *c = load();
	struct mn_reg_binding b;
	struct mn_plan p;
	struct in6_addr want;

	binding_of(&b);
	/* away, registered; the care-of address is the current one (a move
	 * keeps the binding's parameters until the re-registration answers) */
	mn_plan_of(c, L(MN_WHERE_AWAY, ip4("203.0.113.5")), c->home_addr, &b, 0, &p);
	assert_true(p.away);
	assert_true(p.registered);
	assert_true(p.route4);
	assert_int_equal(p.home, ip4("192.0.2.10"));
	assert_int_equal(p.dp.home, 0xc000020a);
	assert_int_equal(p.dp.ha, 0xc0000201);
	assert_int_equal(p.dp.coa, 0xcb007105);
	assert_int_equal(p.dp.encap, ENCAP4_GRE);
	assert_int_equal(p.dp.v6_mode, MIP_V6_TO_COA);
	assert_false(p.dp.at_home);
	/* the rejected request is left out */
	assert_int_equal(p.n_prefix, 2);
	assert_int_equal(p.prefix[0].plen, 64);
	assert_int_equal(p.prefix[1].plen, 255);
	assert_int_equal(p.n_addr6, 2);
	want = ip6("2001:db8:46:1::1");
	assert_memory_equal(&p.addr6[0].addr, &want, 16);
	assert_int_equal(p.addr6[0].plen, 128);
	want = ip6("fe80::c000:20a");
	assert_memory_equal(&p.addr6[1].addr, &want, 16);
	assert_int_equal(p.addr6[1].plen, 64);
	/* IPv6 half-defaults from the global address, never the link-local */
	assert_true(p.route6);
	want = ip6("2001:db8:46:1::1");
	assert_memory_equal(&p.src6, &want, 16);

	/* away, nothing registered: the home address and the IPv4 routes are
	 * there (nothing leaks natively), the engine does not tunnel */
	mn_plan_of(c, L(MN_WHERE_AWAY, ip4("203.0.113.5")), c->home_addr, NULL, 0, &p);
	assert_true(p.away);
	assert_true(p.route4);
	assert_false(p.registered);
	assert_false(p.route6);
	assert_int_equal(p.n_addr6, 0);
	assert_int_equal(p.n_prefix, 0);

	/* at home: nothing of ours, the engine at home */
	mn_plan_of(c, L(MN_WHERE_HOME, 0), c->home_addr, &b, 0, &p);
	assert_false(p.away);
	assert_false(p.route4);
	assert_false(p.route6);
	assert_false(p.registered);
	assert_true(p.dp.at_home);
	assert_int_equal(p.n_addr6, 0);

	/* unknown location: the same as home for the kernel */
	mn_plan_of(c, L(MN_WHERE_UNKNOWN, 0), c->home_addr, &b, 0, &p);
	assert_false(p.away);
	assert_true(p.dp.at_home);

	/* an assigned home address not known yet: no home address to route */
	mn_plan_of(c, L(MN_WHERE_AWAY, ip4("203.0.113.5")), 0, NULL, 0, &p);
	assert_false(p.away);
	assert_false(p.route4);

	/* a home agent without IPv6 (RFC 5454 3.5 1): plain IPv4 */
	b.v6_supported = false;
	for (int i = 0; i < 3; i++)
		b.v6[i].outcome = MN_V6_UNSUPPORTED;
	mn_plan_of(c, L(MN_WHERE_AWAY, ip4("198.51.100.20")), c->home_addr, &b, 0, &p);
	assert_true(p.registered);
	assert_int_equal(p.dp.v6_mode, MIP_V6_NONE);
	assert_false(p.route6);
	assert_int_equal(p.n_prefix, 0);
	mn_cfg_free(c);
}


static struct mn_disc_agent agent_of(const char *addr, const char *coa, uint16_t flags)
{
	struct mn_disc_agent a;

	memset(&a, 0, sizeof(a));
	a.addr = ip4(addr);
	a.coa = coa ? ip4(coa) : 0;
	a.flags = flags;
	return a;
}

static const uint8_t fa_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };

/* RFC 5944 2.4.3 (home by the home agent's advertisement), 2.4 / 4.2.2
 * (away through a foreign agent) against the address-based answer. */
static void test_locate_agent(void **state)
{
	(void)state;
	struct mn_location by = { 0 }, l;
	struct mn_disc_agent fa = agent_of("10.3.0.1", "10.3.0.2", AGENTADV_F_F | AGENTADV_F_T);
	struct mn_disc_agent ha = agent_of("192.0.2.1", NULL, AGENTADV_F_H);

	/* nothing anywhere: unknown */
	mn_locate_agent(&by, MN_DISC_SOLICITING, NULL, NULL, &l);
	assert_int_equal(l.where, MN_WHERE_UNKNOWN);
	assert_int_equal(l.fa, 0);

	/* a foreign agent without any address on the link: away through it,
	 * its care-of address, its flags and link-layer address */
	mn_locate_agent(&by, MN_DISC_FOREIGN, &fa, fa_mac, &l);
	assert_int_equal(l.where, MN_WHERE_AWAY);
	assert_int_equal(l.fa, ip4("10.3.0.1"));
	assert_int_equal(l.coa, ip4("10.3.0.2"));
	assert_int_equal(l.fa_flags, AGENTADV_F_F | AGENTADV_F_T);
	assert_memory_equal(l.fa_mac, fa_mac, 6);

	/* the machine says FOREIGN over a co-located address (R, or
	 * prefer-foreign-agent): the agent wins */
	by.where = MN_WHERE_AWAY;
	by.coa = by.link_addr = ip4("198.51.100.20");
	by.link_plen = 24;
	mn_locate_agent(&by, MN_DISC_FOREIGN, &fa, fa_mac, &l);
	assert_int_equal(l.fa, ip4("10.3.0.1"));
	assert_int_equal(l.coa, ip4("10.3.0.2"));
	assert_int_equal(l.link_addr, ip4("198.51.100.20"));

	/* CO_LOCATED (no agent chosen): exactly the address-based answer */
	mn_locate_agent(&by, MN_DISC_CO_LOCATED, NULL, NULL, &l);
	assert_int_equal(l.where, MN_WHERE_AWAY);
	assert_int_equal(l.coa, ip4("198.51.100.20"));
	assert_int_equal(l.fa, 0);
	/* discovery off (DOWN) the same */
	mn_locate_agent(&by, MN_DISC_DOWN, NULL, NULL, &l);
	assert_int_equal(l.coa, ip4("198.51.100.20"));
	assert_int_equal(l.fa, 0);

	/* an agent without a care-of address is not usable */
	struct mn_disc_agent nocoa = agent_of("10.3.0.1", NULL, AGENTADV_F_F);
	mn_locate_agent(&by, MN_DISC_FOREIGN, &nocoa, fa_mac, &l);
	assert_int_equal(l.fa, 0);
	assert_int_equal(l.coa, ip4("198.51.100.20"));

	/* an address of the home network beats a foreign agent */
	by.where = MN_WHERE_HOME;
	by.coa = 0;
	by.link_addr = ip4("192.0.2.10");
	by.home_addr_present = true;
	mn_locate_agent(&by, MN_DISC_FOREIGN, &fa, fa_mac, &l);
	assert_int_equal(l.where, MN_WHERE_HOME);
	assert_int_equal(l.fa, 0);
	assert_true(l.home_addr_present);

	/* our home agent advertising: at home, whatever the addresses say */
	by.where = MN_WHERE_AWAY;
	by.coa = ip4("198.51.100.20");
	by.home_addr_present = false;
	mn_locate_agent(&by, MN_DISC_HOME, &ha, NULL, &l);
	assert_int_equal(l.where, MN_WHERE_HOME);
	assert_int_equal(l.coa, 0);
	assert_int_equal(l.fa, 0);
	assert_false(l.home_addr_present);
}

static struct mn_location fa_loc(void)
{
	struct mn_location l;

	memset(&l, 0, sizeof(l));
	l.where = MN_WHERE_AWAY;
	l.fa = ip4("10.3.0.1");
	l.coa = ip4("10.3.0.2");
	l.fa_flags = AGENTADV_F_F | AGENTADV_F_T;
	memcpy(l.fa_mac, fa_mac, 6);
	return l;
}

/* The foreign-agent care-of address mode (RFC 5944 4.2.2, RFC 5454 3.5;
 * issue-5 contract). */
static void test_plan_fa(void **state)
{
	(void)state;
	struct mn_cfg *c = load();
	struct mn_location l = fa_loc();
	struct mn_reg_binding b;
	struct mn_plan p;
	struct in6_addr want;

	/* not registered yet: home address on the TUN, IPv4 into the TUN
	 * (the engine drops: nothing leaks natively), F/32 and the permanent
	 * neighbour for the request */
	mn_plan_of(c, &l, c->home_addr, NULL, 4344, &p);
	assert_true(p.away);
	assert_false(p.registered);
	assert_true(p.route4);
	assert_false(p.route4_fa);
	assert_true(p.fa_link);
	assert_int_equal(p.fa, ip4("10.3.0.1"));
	assert_memory_equal(p.fa_mac, fa_mac, 6);
	want = ip6("fe80::ffff:10.3.0.1");
	assert_memory_equal(&p.gw6, &want, 16);
	assert_false(p.route6);
	assert_false(p.dp.via_fa);

	/* registered through this agent, IPv6 code 0 (through the home
	 * address): IPv4 via the agent, IPv6 into the TUN, engine via_fa */
	binding_of(&b);
	b.colocated = false;
	b.fa = ip4("10.3.0.1");
	b.coa = ip4("10.3.0.2");
	b.v6[0].code = 0;
	b.v6[0].mode = MIP_V6_TO_HOA;
	mn_plan_of(c, &l, c->home_addr, &b, 4344, &p);
	assert_true(p.registered);
	assert_false(p.route4);
	assert_true(p.route4_fa);
	assert_true(p.fa_link);
	assert_true(p.dp.via_fa);
	assert_int_equal(p.dp.home, 0xc000020a);
	assert_int_equal(p.dp.ha, 0xc0000201);
	assert_int_equal(p.dp.coa, 0x0a030002);
	assert_int_equal(p.dp.v6_mode, MIP_V6_TO_HOA);
	assert_int_equal(p.dp.udp_sport, 0);
	assert_int_equal(p.keepalive, 0);
	assert_true(p.route6);
	assert_false(p.route6_fa);
	assert_int_equal(p.n_addr6, 2);
	want = ip6("2001:db8:46:1::1");
	assert_memory_equal(&p.src6, &want, 16);

	/* code 1 with the agent's extension (native_link): IPv6 natively via
	 * fe80::ffff:10.3.0.1, the engine carries none */
	b.v6[0].code = 1;
	b.v6[0].native_link = true;
	mn_plan_of(c, &l, c->home_addr, &b, 4344, &p);
	assert_true(p.route6);
	assert_true(p.route6_fa);
	assert_int_equal(p.dp.v6_mode, MIP_V6_TO_COA);
	assert_true(p.route4_fa);
	/* the addresses stay on the TUN */
	assert_int_equal(p.n_addr6, 2);
	assert_int_equal(p.addr6[0].plen, 128);

	/* the binding in force was made through another agent (a move from
	 * FA1 to FA2 before FA2's reply): not registered here */
	b.fa = ip4("10.4.0.1");
	mn_plan_of(c, &l, c->home_addr, &b, 4344, &p);
	assert_false(p.registered);
	assert_true(p.route4);
	assert_false(p.route4_fa);
	assert_false(p.route6);
	assert_true(p.fa_link);
	/* ... or co-located */
	b.fa = 0;
	b.colocated = true;
	mn_plan_of(c, &l, c->home_addr, &b, 4344, &p);
	assert_false(p.registered);

	/* co-located again with the same binding: the co-located plan, no
	 * trace of the agent, no UDP tunnel without the reply's say-so */
	l.fa = 0;
	l.coa = ip4("198.51.100.20");
	memset(l.fa_mac, 0, 6);
	mn_plan_of(c, &l, c->home_addr, &b, 4344, &p);
	assert_true(p.registered);
	assert_true(p.route4);
	assert_false(p.route4_fa);
	assert_false(p.fa_link);
	assert_false(p.dp.via_fa);
	assert_int_equal(p.fa, 0);
	assert_int_equal(p.dp.udp_sport, 0);
	assert_int_equal(p.keepalive, 0);

	/* RFC 3519: the home agent assented to UDP tunnelling: tunnel data
	 * from the registration socket's port, keepalives at its interval */
	b.udp_tunnel = true;
	b.keepalive = 25;
	mn_plan_of(c, &l, c->home_addr, &b, 4344, &p);
	assert_true(p.registered);
	assert_int_equal(p.dp.udp_sport, 4344);
	assert_int_equal(p.keepalive, 25);
	assert_int_equal(p.dp.coa, 0xc6336414);
	assert_true(p.route4);
	/* not through a foreign agent, whatever the binding says */
	struct mn_location f = fa_loc();
	b.colocated = false;
	b.fa = f.fa;
	mn_plan_of(c, &f, c->home_addr, &b, 4344, &p);
	assert_true(p.registered);
	assert_int_equal(p.dp.udp_sport, 0);
	assert_int_equal(p.keepalive, 0);
	mn_cfg_free(c);
}

/* RFC 5944 2.2, RFC 1256 3.2: the solicitation frame, byte by byte. */
static void test_solicit_frame(void **state)
{
	(void)state;
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t want[] = {
		/* Ethernet: 01:00:5e:00:00:0b (224.0.0.11), ours, IPv4 */
		0x01, 0x00, 0x5e, 0x00, 0x00, 0x0b, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x00,
		/* IPv4: 45, tos 0, length 28, id 0, no DF, TTL 1, ICMP,
		 * checksum, 0.0.0.0 -> 224.0.0.11 */
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0xd9, 0xd6,
		0x00, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x0b,
		/* ICMP router solicitation: type 10, code 0, checksum, reserved */
		0x0a, 0x00, 0xf5, 0xff, 0x00, 0x00, 0x00, 0x00,
	};
	struct mn_disc_out o;
	uint8_t buf[64];

	memset(&o, 0, sizeof(o));
	o.solicit = true;
	o.dst = htonl(MN_DISC_MOBILE_AGENTS);
	o.ttl = MN_DISC_SOLICIT_TTL;
	o.len = (size_t)agentadv_solicit_build(o.msg, sizeof(o.msg));
	assert_int_equal(o.len, 8);
	assert_int_equal(mn_solicit_frame(&o, mac, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* the IPv4 header checksum verifies */
	assert_int_equal(ip4_hdr_csum_check(buf + 14, 20), 0);

	/* from the co-located address */
	o.src = ip4("198.51.100.20");
	assert_int_equal(mn_solicit_frame(&o, mac, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf + 14 + 12, &o.src, 4);
	assert_int_equal(ip4_hdr_csum_check(buf + 14, 20), 0);

	assert_int_equal(mn_solicit_frame(&o, mac, buf, sizeof(want) - 1), -ENOBUFS);
	o.solicit = false;
	assert_int_equal(mn_solicit_frame(&o, mac, buf, sizeof(buf)), -EINVAL);
}

static void test_agent_helpers(void **state)
{
	(void)state;
	struct in6_addr g, want = ip6("fe80::ffff:a03:1");
	char b[16];

	mn_fa_gw6(ip4("10.3.0.1"), &g);
	assert_memory_equal(&g, &want, 16);
	assert_string_equal(mn_agent_flags_str(AGENTADV_F_R | AGENTADV_F_F | AGENTADV_F_T, b,
					       sizeof(b)),
			    "RFT");
	assert_string_equal(mn_agent_flags_str(0xffff, b, sizeof(b)), "RBHFMGTUXI");
	assert_string_equal(mn_agent_flags_str(0, b, sizeof(b)), "-");
	assert_string_equal(mn_agent_flags_str(AGENTADV_F_H | AGENTADV_F_U, b, 2), "H");
}

static void test_state_text(void **state)
{
	(void)state;
	struct mn_reg_persist p = { .ts_offset = -5, .last_id = 0xe1a2b3c4d5e6f708ull,
				    .nonce = 77, .home_addr = ip4("192.0.2.10") }, q;
	char buf[256];

	assert_int_equal(mn_state_format(&p, buf, sizeof(buf)), 82);
	assert_string_equal(buf, "{\"ts_offset\":-5,\"last_id\":16258755262744557320,"
				 "\"nonce\":77,\"home_addr\":3221225994}\n");
	memset(&q, 0xff, sizeof(q));
	assert_int_equal(mn_state_parse(buf, &q), 0);
	assert_int_equal(q.ts_offset, -5);
	assert_true(q.last_id == 0xe1a2b3c4d5e6f708ull);
	assert_int_equal(q.nonce, 77);
	assert_int_equal(q.home_addr, ip4("192.0.2.10"));
	assert_int_equal(mn_state_format(&p, buf, 20), -ENOBUFS);
	assert_int_equal(mn_state_parse("", &q), -EBADMSG);
	assert_int_equal(mn_state_parse("{\"ts_offset\":1}", &q), -EBADMSG);
	assert_int_equal(mn_state_parse("{\"ts_offset\":1,\"last_id\":2,\"nonce\":3,"
					"\"home_addr\":4} junk", &q), -EBADMSG);
}

static struct json_object *answer(struct mn *m, const char *req, uint64_t now)
{
	char *s = mn_ctl_answer(m, req, strlen(req), now);
	struct json_object *o;

	assert_non_null(s);
	o = json_tokener_parse(s);
	free(s);
	assert_non_null(o);
	return o;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *o, const char *k)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_int64(v);
}

static void test_ctl(void **state)
{
	(void)state;
	struct mn_cfg *c = load();
	struct mn *m = calloc(1, sizeof(*m));
	struct mn_reg_config rc;
	struct json_object *o, *r, *v;

	assert_non_null(m);
	m->cfg = c;
	snprintf(m->tun_name, sizeof(m->tun_name), "mip0");
	mn_cfg_to_reg(c, &rc);
	assert_int_equal(mn_reg_init(&m->reg, &rc), 0);

	o = answer(m, "{\"cmd\":\"ping\"}", 0);
	assert_true(json_object_get_boolean(json_object_object_get(o, "ok")));
	json_object_put(o);

	/* no binding yet */
	o = answer(m, "{\"cmd\":\"mobility\"}", 5000);
	assert_string_equal(jstr(o, "role"), "mobile-node");
	assert_true(json_object_object_get_ex(o, "registration", &r));
	assert_string_equal(jstr(r, "state"), "IDLE");
	assert_string_equal(jstr(r, "location"), "unknown");
	assert_string_equal(jstr(r, "home"), "192.0.2.10");
	assert_string_equal(jstr(r, "home_agent"), "192.0.2.1");
	assert_string_equal(jstr(r, "coa"), "-");
	assert_string_equal(jstr(r, "encap"), "ipip");
	assert_string_equal(jstr(r, "ipv6"), "none");
	assert_string_equal(jstr(r, "lifetime"), "-");
	assert_int_equal(jint(r, "remaining"), 0);
	assert_string_equal(jstr(r, "tunnel"), "mip0");
	assert_string_equal(jstr(r, "interface"), "eth0");
	assert_string_equal(jstr(r, "mode"), "-");
	assert_string_equal(jstr(r, "discovery"), "off");
	assert_string_equal(jstr(r, "agent"), "-");
	assert_string_equal(jstr(r, "agent_mac"), "-");
	assert_string_equal(jstr(r, "udp_tunnel"), "off");
	assert_string_equal(jstr(r, "udp_tunnel_config"), "auto");
	json_object_put(o);

	/* registered away (the machine's state set by hand) */
	binding_of(&m->reg.b);
	m->reg.bound = true;
	m->reg.state = MN_REG_REGISTERED;
	m->loc.where = MN_WHERE_AWAY;
	m->loc.coa = ip4("198.51.100.20");
	o = answer(m, "{\"cmd\":\"mobility\"}", 1000 + 1000 * 1000 + 1);
	assert_true(json_object_object_get_ex(o, "registration", &r));
	assert_string_equal(jstr(r, "state"), "REGISTERED");
	assert_string_equal(jstr(r, "location"), "away");
	assert_string_equal(jstr(r, "coa"), "198.51.100.20");
	assert_string_equal(jstr(r, "registered_coa"), "198.51.100.20");
	assert_string_equal(jstr(r, "encap"), "gre");
	assert_string_equal(jstr(r, "ipv6"), "coa");
	assert_string_equal(jstr(r, "lifetime"), "1800");
	assert_int_equal(jint(r, "granted_lifetime"), 1800);
	assert_int_equal(jint(r, "remaining"), 800);
	assert_true(json_object_object_get_ex(r, "prefixes", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)),
			    "2001:db8:46:1::/64");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
			    "fe80::c000:20a");
	assert_true(json_object_object_get_ex(r, "v6", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(jstr(json_object_array_get_idx(v, 1), "outcome"), "rejected");
	assert_int_equal(jint(json_object_array_get_idx(v, 1), "code"), 8);
	assert_string_equal(jstr(r, "mode"), "co-located");
	json_object_put(o);

	/* through a foreign agent heard on the link (discovery state set by
	 * hand) */
	struct mn_disc_config dc = { .home_agent = c->home_agent };
	assert_int_equal(mn_disc_init(&m->disc, &dc), 0);
	m->disc_on = true;
	m->disc.state = MN_DISC_FOREIGN;
	m->disc.used[2] = true;
	m->disc.current = 2;
	m->disc.agents[2] = agent_of("10.3.0.1", "10.3.0.2", AGENTADV_F_F | AGENTADV_F_T);
	m->disc.agents[2].expires_ms = 1000 + 1000 * 1000 + 1 + 2500;
	m->macs[5].addr = ip4("10.3.0.1");
	memcpy(m->macs[5].mac, fa_mac, 6);
	m->loc = fa_loc();
	m->reg.b.colocated = false;
	m->reg.b.fa = ip4("10.3.0.1");
	m->reg.b.v6[0].native_link = true;
	m->udp_port = 4344;
	o = answer(m, "{\"cmd\":\"mobility\"}", 1000 + 1000 * 1000 + 1);
	assert_true(json_object_object_get_ex(o, "registration", &r));
	assert_string_equal(jstr(r, "mode"), "foreign-agent");
	assert_string_equal(jstr(r, "coa"), "10.3.0.2");
	assert_string_equal(jstr(r, "discovery"), "FOREIGN");
	assert_string_equal(jstr(r, "agent"), "10.3.0.1");
	assert_string_equal(jstr(r, "agent_mac"), "02:00:5e:10:00:01");
	assert_string_equal(jstr(r, "agent_coa"), "10.3.0.2");
	assert_string_equal(jstr(r, "agent_flags"), "FT");
	assert_int_equal(jint(r, "agent_remaining"), 3);
	assert_string_equal(jstr(r, "registered_via"), "10.3.0.1");
	/* code 1 through the agent: "native" (RFC 5454 3.5) */
	assert_string_equal(jstr(r, "ipv6"), "native");
	assert_true(json_object_object_get_ex(r, "v6", &v));
	assert_string_equal(jstr(json_object_array_get_idx(v, 0), "mode"), "native");
	assert_string_equal(jstr(r, "udp_tunnel"), "off");
	assert_int_equal(jint(r, "udp_port"), 4344);
	assert_int_equal(jint(r, "keepalive"), 0);
	assert_true(json_object_object_get_ex(r, "agents", &v));
	assert_int_equal(json_object_array_length(v), 1);
	assert_string_equal(jstr(json_object_array_get_idx(v, 0), "address"), "10.3.0.1");
	assert_string_equal(jstr(json_object_array_get_idx(v, 0), "mac"), "02:00:5e:10:00:01");
	assert_true(json_object_get_boolean(
		json_object_object_get(json_object_array_get_idx(v, 0), "current")));
	json_object_put(o);
	m->reg.b.colocated = true;
	m->reg.b.fa = 0;
	m->reg.b.v6[0].native_link = false;
	m->loc.where = MN_WHERE_AWAY;
	m->loc.fa = 0;
	m->loc.coa = ip4("198.51.100.20");

	/* infinite lifetime */
	m->reg.b.lifetime = MN_REG_LIFETIME_INFINITE;
	o = answer(m, "{\"cmd\":\"mobility\"}", 5000);
	assert_true(json_object_object_get_ex(o, "registration", &r));
	assert_string_equal(jstr(r, "lifetime"), "infinite");
	assert_int_equal(jint(r, "remaining"), -1);
	json_object_put(o);

	/* stats: the client's counters bare, the glue's with mn_ */
	m->reg.stats.drop_bad_auth = 3;
	m->st.moves = 2;
	m->st.disc_tx_solicitations = 7;
	m->disc.stats.rx_adverts = 11;
	o = answer(m, "{\"cmd\":\"stats\"}", 0);
	assert_true(json_object_object_get_ex(o, "stats", &r));
	assert_int_equal(jint(r, "drop_bad_auth"), 3);
	assert_int_equal(jint(r, "mn_moves"), 2);
	assert_int_equal(jint(r, "mn_disc_tx_solicitations"), 7);
	assert_int_equal(jint(r, "disc_rx_adverts"), 11);
	assert_int_equal(jint(r, "tx_registrations"), 0);
	json_object_put(o);

	/* commands of other daemons, and garbage */
	o = answer(m, "{\"cmd\":\"leases\"}", 0);
	assert_false(json_object_get_boolean(json_object_object_get(o, "ok")));
	assert_string_equal(jstr(o, "error"), "command not served by ds46-mnd");
	json_object_put(o);
	o = answer(m, "{nonsense", 0);
	assert_false(json_object_get_boolean(json_object_object_get(o, "ok")));
	json_object_put(o);

	free(m);
	mn_cfg_free(c);
}

static void test_stat_names(void **state)
{
	(void)state;
	struct mn_stats s = { 0 };

	s.tunnel_errors = 9;
	s.udptun_keepalive_errors = 4;
	assert_int_equal(mn_stat_count(), 32);
	assert_string_equal(mn_stat_name(0), "moves");
	assert_string_equal(mn_stat_name(13), "tunnel_errors");
	assert_string_equal(mn_stat_name(14), "fa_registrations");
	assert_string_equal(mn_stat_name(30), "udptun_keepalive_errors");
	assert_string_equal(mn_stat_name(31), "udptun_reregistrations");
	assert_null(mn_stat_name(32));
	assert_int_equal(mn_stat_get(&s, 13), 9);
	assert_int_equal(mn_stat_get(&s, 30), 4);
	assert_string_equal(mn_where_name(MN_WHERE_AWAY), "away");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_home_net),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_addr6_of),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_locate_agent),
		cmocka_unit_test(test_plan_fa),
		cmocka_unit_test(test_solicit_frame),
		cmocka_unit_test(test_agent_helpers),
		cmocka_unit_test(test_state_text),
		cmocka_unit_test(test_ctl),
		cmocka_unit_test(test_stat_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
