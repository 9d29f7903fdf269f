/* Unit tests for the home agent's index of bound IPv6 prefixes
 * (ha_reg_prefix_taken, mip4/ha_reg.c): RFC 5454 3.3, "no overlap between
 * prefixes of different mobile nodes".  Named cases (a prefix inside,
 * around, beside another; link-local registrations; simultaneous bindings
 * of one node; ::/0), then a differential test against a plain scan of
 * the bindings over random restores and releases. */
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
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"
#include "wire/encap4.h"
#include "wire/mip4.h"

#define T0 1700000000LL
#define NODES 8

static const char conf[] =
	"ha = {\n"
	"  address = \"192.0.2.1\";\n"
	"  home-link = \"h0\";\n"
	"  home-network = \"192.0.2.0/24\";\n"
	"  home-prefixes = [ \"2001:db8:46::/64\" ];\n"
	"  nodes = (\n"
	"    { name = \"n0\"; home-address = \"192.0.2.10\"; spi = 300;\n"
	"      key = \"k\"; max-bindings = 4; },\n"
	"    { name = \"n1\"; home-address = \"192.0.2.11\"; spi = 301;\n"
	"      key = \"k\"; max-bindings = 4; },\n"
	"    { name = \"n2\"; home-address = \"192.0.2.12\"; spi = 302;\n"
	"      key = \"k\"; max-bindings = 4; },\n"
	"    { name = \"n3\"; home-address = \"192.0.2.13\"; spi = 303;\n"
	"      key = \"k\"; max-bindings = 4; },\n"
	"    { name = \"n4\"; home-address = \"192.0.2.14\"; spi = 304;\n"
	"      key = \"k\"; max-bindings = 4; },\n"
	"    { name = \"n5\"; home-address = \"192.0.2.15\"; spi = 305;\n"
	"      key = \"k\"; max-bindings = 4; },\n"
	"    { name = \"n6\"; home-address = \"192.0.2.16\"; spi = 306;\n"
	"      key = \"k\"; max-bindings = 4; },\n"
	"    { name = \"n7\"; home-address = \"192.0.2.17\"; spi = 307;\n"
	"      key = \"k\"; max-bindings = 4; }\n"
	"  );\n"
	"};\n";

struct fx {
	struct ha_cfg *cfg;
	struct ha_reg *reg;
};

static uint32_t home_of(unsigned i)
{
	return htonl(0xc000020au + i);   /* 192.0.2.10 + i */
}

static struct mip_prefix pfx(const char *s, uint8_t plen)
{
	struct mip_prefix p = { .plen = plen };

	assert_int_equal(inet_pton(AF_INET6, s, &p.prefix), 1);
	return p;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256] = "";

	if (ha_cfg_load_string(conf, "test.conf", &f->cfg, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	assert_int_equal(ha_reg_new(f->cfg, &f->reg), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ha_reg_free(f->reg);
	ha_cfg_free(f->cfg);
	free(f);
	return 0;
}

/* A binding of node i at care-of address coa_low with prefixes p[0..n). */
static int bind_node(struct fx *f, unsigned i, uint8_t coa_low, const struct mip_prefix *p, unsigned n)
{
	struct mip_binding b;

	memset(&b, 0, sizeof(b));
	b.home_addr = home_of(i);
	b.coa = htonl(0xc6336400u + coa_low);     /* 198.51.100.x */
	b.home_agent = htonl(0xc0000201u);
	b.src_addr = b.coa;
	b.src_port = 434;
	b.flags = n > 1 ? MIP4_F_S : 0;
	b.encap = ENCAP4_IPIP;
	b.v6_mode = n ? MIP_V6_TO_HOA : MIP_V6_NONE;
	b.n_prefix = (uint8_t)n;
	memcpy(b.prefix, p, n * sizeof(*p));
	b.registered = T0;
	b.expires = T0 + 600;
	return ha_reg_restore(f->reg, &b, T0);
}

static bool taken(struct fx *f, unsigned node, const char *s, uint8_t plen)
{
	struct mip_prefix p = pfx(s, plen);

	return ha_reg_prefix_taken(f->reg, home_of(node), &p);
}

static void test_nested(void **state)
{
	struct fx *f = *state;
	struct mip_prefix p48 = pfx("2001:db8:47::", 48);

	assert_int_equal(bind_node(f, 0, 1, &p48, 1), 0);
	/* a /64 inside another node's /48 */
	assert_true(taken(f, 1, "2001:db8:47:5::", 64));
	assert_true(taken(f, 1, "2001:db8:47::", 48));            /* the same */
	assert_true(taken(f, 1, "2001:db8:47:ffff::1", 128));
	assert_true(taken(f, 1, "2001:db8::", 32));                /* around it */
	assert_true(taken(f, 1, "::", 0));
	assert_false(taken(f, 1, "2001:db8:48::", 48));            /* beside */
	assert_false(taken(f, 1, "2001:db8:44::", 47));            /* beside, shorter */
	assert_true(taken(f, 1, "2001:db8:46::", 47));             /* 46::/47 holds 47:: */
	/* the node itself is never in its own way */
	assert_false(taken(f, 0, "2001:db8:47:5::", 64));
	assert_false(taken(f, 0, "2001:db8::", 32));
	/* home 0 (a pool node without an address): every binding counts */
	struct mip_prefix q = pfx("2001:db8:47:1::", 64);
	assert_true(ha_reg_prefix_taken(f->reg, 0, &q));

	/* a /128 of the home link under node 1: a node 2 /64 around it */
	struct mip_prefix h = pfx("2001:db8:46::10", 128);
	assert_int_equal(bind_node(f, 1, 2, &h, 1), 0);
	assert_true(taken(f, 2, "2001:db8:46::", 64));
	assert_true(taken(f, 2, "2001:db8:46::10", 128));
	assert_false(taken(f, 2, "2001:db8:46::11", 128));
	/* restore refuses what overlaps (the index said so) */
	struct mip_prefix around = pfx("2001:db8:46::", 120);
	assert_int_equal(bind_node(f, 2, 3, &around, 1), -EEXIST);
	/* released: free again */
	assert_int_equal(ha_reg_release(f->reg, home_of(1), 0, NULL, NULL), 1);
	assert_false(taken(f, 2, "2001:db8:46::", 64));
	assert_int_equal(bind_node(f, 2, 3, &around, 1), 0);
	assert_true(taken(f, 1, "2001:db8:46::10", 128));
}

/* RFC 5454 3.7.1: a link-local registration (255) is its own address; it
 * never overlaps a global prefix nor a plain fe80::/64. */
static void test_link_local(void **state)
{
	struct fx *f = *state;
	struct mip_prefix ll = pfx("fe80::1", MIP4_V6_PLEN_LINK_LOCAL);

	assert_int_equal(bind_node(f, 0, 1, &ll, 1), 0);
	assert_true(taken(f, 1, "fe80::1", MIP4_V6_PLEN_LINK_LOCAL));
	assert_false(taken(f, 1, "fe80::2", MIP4_V6_PLEN_LINK_LOCAL));
	assert_false(taken(f, 1, "fe80::", 64));
	assert_false(taken(f, 1, "fe80::1", 128));
	assert_false(taken(f, 1, "::", 0));
	assert_false(taken(f, 0, "fe80::1", MIP4_V6_PLEN_LINK_LOCAL));
}

/* Simultaneous bindings of one node carry the same prefixes: its own are
 * subtracted however many; another node sees them until the last goes. */
static void test_simultaneous(void **state)
{
	struct fx *f = *state;
	struct mip_prefix p[2] = { pfx("2001:db8:1::", 64), pfx("2001:db8:2::", 64) };

	assert_int_equal(bind_node(f, 3, 1, p, 2), 0);
	assert_int_equal(bind_node(f, 3, 2, p, 2), 0);
	assert_int_equal(bind_node(f, 3, 3, p, 1), 0);
	assert_false(taken(f, 3, "2001:db8::", 32));
	assert_false(taken(f, 3, "2001:db8:1::", 64));
	assert_true(taken(f, 4, "2001:db8:1::", 64));
	assert_true(taken(f, 4, "2001:db8::", 32));
	assert_int_equal(ha_reg_release(f->reg, home_of(3), htonl(0xc6336401u), NULL, NULL), 1);
	assert_int_equal(ha_reg_release(f->reg, home_of(3), htonl(0xc6336402u), NULL, NULL), 1);
	assert_true(taken(f, 4, "2001:db8:1::", 64));
	assert_false(taken(f, 4, "2001:db8:2::", 64));
	assert_int_equal(ha_reg_release(f->reg, home_of(3), 0, NULL, NULL), 1);
	assert_false(taken(f, 4, "2001:db8::", 32));
	assert_false(taken(f, 4, "::", 0));
}

/* ::/0 bound (implicit mode allows any prefix) covers everything global. */
static void test_default(void **state)
{
	struct fx *f = *state;
	struct mip_prefix all = pfx("::", 0);

	assert_int_equal(bind_node(f, 5, 1, &all, 1), 0);
	assert_true(taken(f, 6, "2001:db8:9::", 64));
	assert_true(taken(f, 6, "::1", 128));
	assert_false(taken(f, 6, "fe80::9", MIP4_V6_PLEN_LINK_LOCAL));
	assert_false(taken(f, 5, "2001:db8:9::", 64));
}

/* ---- differential: the index against a scan ---------------------------------- */

static bool overlap_ref(const struct mip_prefix *a, const struct mip_prefix *b)
{
	bool la = a->plen == MIP4_V6_PLEN_LINK_LOCAL, lb = b->plen == MIP4_V6_PLEN_LINK_LOCAL;
	unsigned n;

	if (la != lb)
		return false;
	n = MIN(la ? 128u : a->plen, lb ? 128u : b->plen);
	for (unsigned i = 0; i < n; i++) {
		unsigned bit = 0x80u >> (i % 8);
		if ((a->prefix.s6_addr[i / 8] & bit) != (b->prefix.s6_addr[i / 8] & bit))
			return false;
	}
	return true;
}

struct ref {
	uint32_t home;
	const struct mip_prefix *p;
	bool hit;
};

static int ref_cb(const struct mip_binding *b, void *arg)
{
	struct ref *r = arg;

	if (b->home_addr == r->home)
		return 0;
	for (unsigned j = 0; j < b->n_prefix; j++)
		r->hit = r->hit || overlap_ref(&b->prefix[j], r->p);
	return 0;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A random prefix under 2001:db8::/32 with few varying bits (so that
 * overlaps are common), or a link-local address. */
static struct mip_prefix rnd_pfx(uint32_t *s)
{
	static const uint8_t lens[] = { 0, 16, 32, 33, 40, 47, 48, 56, 63, 64, 65, 96, 127, 128,
					MIP4_V6_PLEN_LINK_LOCAL };
	struct mip_prefix p;
	uint32_t v = rnd(s);

	memset(&p, 0, sizeof(p));
	p.plen = lens[v % sizeof(lens)];
	if (p.plen == MIP4_V6_PLEN_LINK_LOCAL) {
		p.prefix.s6_addr[0] = 0xfe;
		p.prefix.s6_addr[1] = 0x80;
		p.prefix.s6_addr[15] = (uint8_t)(rnd(s) % 4);
		return p;
	}
	p.prefix.s6_addr[0] = 0x20;
	p.prefix.s6_addr[1] = 0x01;
	p.prefix.s6_addr[2] = 0x0d;
	p.prefix.s6_addr[3] = 0xb8;
	v = rnd(s);
	p.prefix.s6_addr[5] = (uint8_t)(v & 1);            /* bit 47 */
	p.prefix.s6_addr[6] = (uint8_t)((v >> 1) & 0x80);  /* bit 48 */
	p.prefix.s6_addr[7] = (uint8_t)((v >> 2) & 1);     /* bit 63 */
	p.prefix.s6_addr[8] = (uint8_t)((v >> 3) & 0x80);  /* bit 64 */
	p.prefix.s6_addr[15] = (uint8_t)((v >> 4) & 3);    /* bits 126, 127 */
	/* host bits cleared, as the registration engine binds them */
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = p.plen > i * 8 ? MIN(p.plen - i * 8, 8u) : 0;
		p.prefix.s6_addr[i] &= (uint8_t)(0xff00u >> keep);
	}
	return p;
}

static void test_differential(void **state)
{
	struct fx *f = *state;
	uint32_t seed = 0x46464646;
	unsigned restored = 0, refused = 0, checks = 0, hits = 0;

	for (unsigned round = 0; round < 3000; round++) {
		uint32_t v = rnd(&seed);
		unsigned node = v % NODES;
		if (v % 7 < 4) {
			struct mip_prefix p[3];
			unsigned n = 1 + rnd(&seed) % 3;
			for (unsigned i = 0; i < n; i++)
				p[i] = rnd_pfx(&seed);
			int r = bind_node(f, node, (uint8_t)(1 + rnd(&seed) % 4), p, n);
			restored += r == 0;
			refused += r == -EEXIST;
		} else if (v % 7 == 4) {
			ha_reg_release(f->reg, home_of(node), 0, NULL, NULL);
		} else {
			uint32_t coa = htonl(0xc6336400u + 1 + rnd(&seed) % 4);
			ha_reg_release(f->reg, home_of(node), coa, NULL, NULL);
		}
		for (unsigned q = 0; q < 8; q++) {
			struct mip_prefix p = rnd_pfx(&seed);
			unsigned who = rnd(&seed) % (NODES + 1);   /* NODES: home 0 */
			struct ref ref = { .home = who == NODES ? 0 : home_of(who), .p = &p };
			ha_reg_foreach(f->reg, ref_cb, &ref);
			if (ha_reg_prefix_taken(f->reg, ref.home, &p) != ref.hit)
				fail_msg("round %u: index says %d, scan %d", round, !ref.hit, ref.hit);
			checks++;
			hits += ref.hit;
		}
	}
	/* the walk exercised both answers and both restore outcomes */
	assert_true(restored > 100 && refused > 100);
	assert_true(hits > checks / 10 && hits < checks - checks / 10);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_nested),
		T(test_link_local),
		T(test_simultaneous),
		T(test_default),
		T(test_differential),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
