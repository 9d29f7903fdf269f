/* Unit tests for the home agent's glue (src/mip4/ha.c, ha_ctl.c) that need
 * no root: what a set of bindings needs from the kernel (routes, proxy
 * ARP/ND) and the difference that is programmed, the conversion to the
 * tunnel engine's binding, DAD verdicts from real frames, and the control
 * socket's JSON (mobility, stats, release, errors) over a registration
 * engine restored from bindings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/util.h"
#include "mip4/ha.h"
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"
#include "dataplane/engine_mld.h"
#include "dataplane/prefix6.h"
#include "wire/ip.h"
#include "wire/ndisc.h"

static const char conf[] =
	"ha = {\n"
	"  address = \"192.0.2.1\";\n"
	"  home-link = \"h0\";\n"
	"  home-network = \"192.0.2.0/24\";\n"
	"  home-prefixes = [ \"2001:db8:46::/64\" ];\n"
	"  nodes = (\n"
	"    { name = \"mn1\"; home-address = \"192.0.2.10\"; spi = 300;\n"
	"      key-hex = \"0102030405060708090a0b0c0d0e0f10\"; max-bindings = 2;\n"
	"      prefixes = [ \"2001:db8:47::/64\", \"2001:db8:46::10/128\" ]; },\n"
	"    { name = \"mn2\"; home-address = \"192.0.2.11\"; spi = 301;\n"
	"      key-hex = \"2122232425262728292a2b2c2d2e2f30\"; }\n"
	"  );\n"
	"};\n";

static struct ha_cfg *load_cfg(void)
{
	struct ha_cfg *c = NULL;
	char err[256] = "";
	int r = ha_cfg_load_string(conf, "test.conf", &c, err, sizeof(err));

	if (r < 0)
		fail_msg("config: %s", err);
	return c;
}

static struct mip_prefix pfx(const char *s, uint8_t plen)
{
	struct mip_prefix p = { .plen = plen };

	assert_int_equal(inet_pton(AF_INET6, s, &p.prefix), 1);
	return p;
}

static uint32_t a4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_p6_kind(void **state)
{
	struct ha_cfg *c = load_cfg();
	struct mip_prefix p;

	(void)state;
	p = pfx("2001:db8:46::10", 128);
	assert_int_equal(ha_p6_kind(c, &p), HA_P6_HOME);      /* seed 3.3: on the home link */
	p = pfx("2001:db8:99::10", 128);
	assert_int_equal(ha_p6_kind(c, &p), HA_P6_ROUTE);
	p = pfx("2001:db8:47::", 64);
	assert_int_equal(ha_p6_kind(c, &p), HA_P6_ROUTE);
	p = pfx("2001:db8:46::", 64);                          /* a /64, not an address */
	assert_int_equal(ha_p6_kind(c, &p), HA_P6_ROUTE);
	p = pfx("fe80::10", 255);                              /* RFC 5454 3.7.1 */
	assert_int_equal(ha_p6_kind(c, &p), HA_P6_NONE);
	p = pfx("fe80::", 64);
	assert_int_equal(ha_p6_kind(c, &p), HA_P6_NONE);
	p = pfx("::", 0);                                      /* never a default route */
	assert_int_equal(ha_p6_kind(c, &p), HA_P6_NONE);
	ha_cfg_free(c);
}

static struct mip_binding binding(const char *home, const char *coa, int64_t expires)
{
	struct mip_binding b;

	memset(&b, 0, sizeof(b));
	b.home_addr = a4(home);
	b.coa = a4(coa);
	b.home_agent = a4("192.0.2.1");
	b.src_addr = b.coa;
	b.src_port = 434;
	b.flags = MIP4_F_D | MIP4_F_T;
	b.encap = ENCAP4_IPIP;
	b.registered = 1790000000;
	b.expires = expires;
	b.id = 0x1122334455667788ull;
	return b;
}

static void test_kstate_of(void **state)
{
	struct mip_binding b[2];
	struct ha_kstate ks;
	char s[64];

	(void)state;
	b[0] = binding("192.0.2.10", "10.1.0.10", 1790000300);
	b[1] = binding("192.0.2.10", "10.2.0.10", 1790000300);
	/* unsorted, one with host bits past its length, one twice */
	b[0].n_prefix = 3;
	b[0].prefix[0] = pfx("2001:db8:47::ff", 64);
	b[0].prefix[1] = pfx("2001:db8:46::10", 128);
	b[0].prefix[2] = pfx("fe80::10", 255);
	b[1].n_prefix = 2;
	b[1].prefix[0] = pfx("2001:db8:47::", 64);
	b[1].prefix[1] = pfx("2001:db8:100::", 48);
	assert_int_equal(ha_kstate_of(&ks, b[0].home_addr, b, 2), 0);
	assert_true(ks.present);
	assert_int_equal(ks.home, a4("192.0.2.10"));
	assert_int_equal(ks.n6, 4);
	assert_string_equal(ha_prefix_str(&ks.p6[0], s, sizeof(s)), "2001:db8:100::/48");
	assert_string_equal(ha_prefix_str(&ks.p6[1], s, sizeof(s)), "2001:db8:47::/64");
	assert_string_equal(ha_prefix_str(&ks.p6[2], s, sizeof(s)), "2001:db8:46::10/128");
	assert_string_equal(ha_prefix_str(&ks.p6[3], s, sizeof(s)), "fe80::10");
	ha_kstate_clear(&ks);
	assert_int_equal(ks.n6, 0);
	assert_null(ks.p6);

	assert_int_equal(ha_kstate_of(&ks, a4("192.0.2.10"), NULL, 0), 0);
	assert_false(ks.present);
	assert_int_equal(ks.n6, 0);
	ha_kstate_clear(&ks);
}

struct call {
	enum ha_kop op;
	uint32_t home;
	char p[64];
};
struct calls {
	size_t n;
	struct call v[16];
};

static void record(enum ha_kop op, uint32_t home, const struct mip_prefix *p, void *arg)
{
	struct calls *c = arg;

	assert_true(c->n < 16);
	c->v[c->n].op = op;
	c->v[c->n].home = home;
	if (p)
		ha_prefix_str(p, c->v[c->n].p, sizeof(c->v[c->n].p));
	c->n++;
}

static void kstate(struct ha_kstate *ks, struct mip_binding *b, size_t n)
{
	assert_int_equal(ha_kstate_of(ks, a4("192.0.2.10"), b, n), 0);
}

static void test_kstate_diff(void **state)
{
	struct mip_binding b = binding("192.0.2.10", "10.1.0.10", 1790000300), b2;
	struct ha_kstate none, one, two;
	struct calls c = { 0 };

	(void)state;
	b.n_prefix = 2;
	b.prefix[0] = pfx("2001:db8:47::", 64);
	b.prefix[1] = pfx("2001:db8:46::10", 128);
	b2 = b;
	b2.prefix[0] = pfx("2001:db8:100::", 48);
	kstate(&none, NULL, 0);
	kstate(&one, &b, 1);
	kstate(&two, &b2, 1);

	/* the node leaves home: the IPv4 part, then its prefixes */
	assert_int_equal(ha_kstate_diff(&none, &one, record, &c), 3);
	assert_int_equal(c.v[0].op, HA_KOP_ADD4);
	assert_int_equal(c.v[0].home, a4("192.0.2.10"));
	assert_int_equal(c.v[1].op, HA_KOP_ADD6);
	assert_string_equal(c.v[1].p, "2001:db8:47::/64");
	assert_int_equal(c.v[2].op, HA_KOP_ADD6);
	assert_string_equal(c.v[2].p, "2001:db8:46::10/128");

	/* a renewal with the same prefixes changes nothing */
	c.n = 0;
	assert_int_equal(ha_kstate_diff(&one, &one, record, &c), 0);

	/* another prefix: removal first, the common one untouched */
	c.n = 0;
	assert_int_equal(ha_kstate_diff(&one, &two, record, &c), 2);
	assert_int_equal(c.v[0].op, HA_KOP_DEL6);
	assert_string_equal(c.v[0].p, "2001:db8:47::/64");
	assert_int_equal(c.v[1].op, HA_KOP_ADD6);
	assert_string_equal(c.v[1].p, "2001:db8:100::/48");

	/* deregistration: prefixes, then the IPv4 part */
	c.n = 0;
	assert_int_equal(ha_kstate_diff(&two, &none, record, &c), 3);
	assert_int_equal(c.v[0].op, HA_KOP_DEL6);
	assert_string_equal(c.v[0].p, "2001:db8:100::/48");
	assert_int_equal(c.v[1].op, HA_KOP_DEL6);
	assert_string_equal(c.v[1].p, "2001:db8:46::10/128");
	assert_int_equal(c.v[2].op, HA_KOP_DEL4);
	assert_int_equal(c.v[2].home, a4("192.0.2.10"));
	ha_kstate_clear(&one);
	ha_kstate_clear(&two);
	ha_kstate_clear(&none);
}

static void test_dp_bind_of(void **state)
{
	struct mip_binding b = binding("192.0.2.10", "10.1.0.10", 1790000300);
	struct dp_mip_bind d;

	(void)state;
	b.encap = ENCAP4_GRE;
	b.v6_mode = MIP_V6_TO_COA;
	b.flags = MIP4_F_S | MIP4_F_G | MIP4_F_T;
	ha_dp_bind_of(&b, true, &d);
	assert_int_equal(d.home, 0xc000020a);        /* host order */
	assert_int_equal(d.coa, 0x0a01000a);
	assert_int_equal(d.encap, ENCAP4_GRE);
	assert_int_equal(d.v6_mode, MIP_V6_TO_COA);
	assert_int_equal(d.flags, MIP4_F_S | MIP4_F_G | MIP4_F_T);
	assert_int_equal(d.expires, 1790000300u);
	assert_true(d.simultaneous);
	assert_int_equal(d.udp_port, 0);
	b.udp_tunnel = true;                         /* RFC 3519 4.6 */
	b.src_addr = a4("203.0.113.9");
	b.src_port = 40001;
	ha_dp_bind_of(&b, true, &d);
	assert_int_equal(d.coa, 0xcb007109);
	assert_int_equal(d.udp_port, 40001);
	assert_int_equal(ha_tunnel_dst(&b), 0xcb007109);
	b.udp_tunnel = false;
	assert_int_equal(ha_tunnel_dst(&b), 0x0a01000a);
	b.expires = INT64_MAX;                       /* lifetime 0xffff: never */
	b.encap = 0;
	ha_dp_bind_of(&b, false, &d);
	assert_int_equal(d.expires, 0);
	assert_int_equal(d.encap, ENCAP4_IPIP);
	assert_false(d.simultaneous);
}

static void test_strings(void **state)
{
	char f[8];

	(void)state;
	assert_string_equal(ha_flags_str(MIP4_F_S | MIP4_F_D | MIP4_F_T, f), "SDT");
	assert_string_equal(ha_flags_str(0xff, f), "SBDMGT");
	assert_string_equal(ha_flags_str(0, f), "-");
	assert_string_equal(ha_v6_mode_name(MIP_V6_NONE), "none");
	assert_string_equal(ha_v6_mode_name(MIP_V6_TO_HOA), "hoa");
	assert_string_equal(ha_v6_mode_name(MIP_V6_TO_COA), "coa");
	assert_int_equal(ha_stat_count(), sizeof(struct ha_stats) / sizeof(uint64_t));
	assert_string_equal(ha_stat_name(0), "rx_datagrams");
	assert_null(ha_stat_name(ha_stat_count()));
}

/* RFC 4862 5.4.3, 5.4.4 from frames as they arrive on the home link. */
static void parse(const uint8_t *frame, int len, struct ndisc_msg *m)
{
	struct eth_view eth;
	enum ndisc_drop why;

	assert_true(len > 0);
	assert_int_equal(ndisc_frame_parse(frame, (size_t)len, &eth, m, &why), 0);
}

static void test_dad(void **state)
{
	static const uint8_t mac_ha[6] = { 0x02, 0, 0, 0, 0, 1 }, mac_sq[6] = { 0x02, 0, 0, 0, 0, 2 };
	static const uint8_t other_nonce[6] = { 9, 9, 9, 9, 9, 9 };
	struct ha_dad_probe d = { .n = 2 };
	uint8_t frame[NDISC_FRAME_MAX];
	struct in6_addr src;
	struct ndisc_msg m;
	uint64_t defended = 0, probed = 0;

	(void)state;
	inet_pton(AF_INET6, "2001:db8:46::10", &d.addr[0]);
	inet_pton(AF_INET6, "2001:db8:46::99", &d.addr[1]);
	memcpy(d.nonce, "\1\2\3\4\5\6", 6);
	inet_pton(AF_INET6, "fe80::2", &src);

	/* our own probe, looped back (RFC 7527): not a duplicate */
	parse(frame, ndisc_dad_ns_build(mac_ha, &d.addr[0], d.nonce, frame, sizeof(frame)), &m);
	assert_int_equal(ha_dad_input(&d, &m, &defended, &probed), 0);
	assert_false(d.failed[0]);

	/* another node defends ::99 */
	parse(frame, ndisc_unsol_na_build(mac_sq, &src, &d.addr[1], mac_sq, false, frame,
					  sizeof(frame)),
	      &m);
	assert_int_equal(ha_dad_input(&d, &m, &defended, &probed), 1);
	assert_true(d.failed[1]);
	assert_false(d.failed[0]);
	assert_int_equal(defended, 1);
	assert_false(ha_dad_all_failed(&d));
	/* the same again: not newly failed */
	assert_int_equal(ha_dad_input(&d, &m, &defended, &probed), 0);

	/* another node probes ::10 at the same time */
	parse(frame, ndisc_dad_ns_build(mac_sq, &d.addr[0], other_nonce, frame, sizeof(frame)),
	      &m);
	assert_int_equal(ha_dad_input(&d, &m, &defended, &probed), 1);
	assert_int_equal(probed, 1);
	assert_true(ha_dad_all_failed(&d));
}

/* ---- the control socket's answers, over a real registration engine ------ */

static struct json_object *answer(struct ha *h, const char *req, int64_t now)
{
	char *s = ha_ctl_answer(h, req, strlen(req), now);
	struct json_object *o;

	assert_non_null(s);
	assert_int_equal(s[strlen(s) - 1], '\n');
	o = json_tokener_parse(s);
	assert_non_null(o);
	free(s);
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
	struct ha_cfg *c = load_cfg();
	struct ha *h = calloc(1, sizeof(*h));
	struct mip_binding b = binding("192.0.2.10", "10.1.0.10", 1790000300);
	struct mip_binding b2 = binding("192.0.2.11", "10.2.0.10", INT64_MAX);
	struct json_object *o, *arr, *e, *st;
	int64_t now = 1790000000;

	(void)state;
	assert_non_null(h);
	h->cfg = c;
	h->udp_fd = -1;
	h->tx.fd = h->nd.fd = -1;
	assert_int_equal(ha_reg_new(c, &h->reg), 0);
	b.n_prefix = 2;
	b.prefix[0] = pfx("2001:db8:47::", 64);
	b.prefix[1] = pfx("2001:db8:46::10", 128);
	b.v6_mode = MIP_V6_TO_HOA;
	/* mn1 through a foreign agent (D clear: coa is the FA's), mn2 behind
	 * a NAT with an RFC 3519 UDP tunnel */
	b.flags = MIP4_F_T;
	b.src_addr = a4("198.51.100.2");
	b2.src_addr = a4("203.0.113.9");
	b2.src_port = 40001;
	b2.udp_tunnel = true;
	b2.udp_keepalive = 110;
	assert_int_equal(ha_reg_restore(h->reg, &b, now), 0);
	assert_int_equal(ha_reg_restore(h->reg, &b2, now), 0);

	o = answer(h, "{\"cmd\":\"mobility\"}", now);
	assert_true(json_object_get_boolean(json_object_object_get(o, "ok")));
	assert_true(json_object_object_get_ex(o, "bindings", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(e, "home"), "192.0.2.10");
	assert_string_equal(jstr(e, "coa"), "10.1.0.10");
	assert_string_equal(jstr(e, "node"), "mn1");
	assert_string_equal(jstr(e, "encap"), "ipip");
	assert_string_equal(jstr(e, "flags"), "T");
	assert_string_equal(jstr(e, "ipv6"), "hoa");
	assert_string_equal(jstr(e, "via"), "foreign-agent");
	assert_string_equal(jstr(e, "foreign_agent"), "198.51.100.2");
	assert_false(json_object_get_boolean(json_object_object_get(e, "udp_tunnel")));
	assert_int_equal(jint(e, "udp_port"), 0);
	assert_string_equal(jstr(e, "tunnel_dst"), "10.1.0.10");
	assert_int_equal(jint(e, "remaining"), 300);
	assert_int_equal(jint(e, "expires"), 1790000300);
	assert_true(json_object_object_get_ex(e, "prefixes", &st));
	assert_int_equal(json_object_array_length(st), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(st, 0)),
			    "2001:db8:47::/64");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(st, 1)),
			    "2001:db8:46::10/128");
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(jstr(e, "home"), "192.0.2.11");
	assert_int_equal(jint(e, "remaining"), -1);  /* infinite lifetime */
	assert_string_equal(jstr(e, "via"), "co-located");
	assert_string_equal(jstr(e, "foreign_agent"), "");
	assert_true(json_object_get_boolean(json_object_object_get(e, "udp_tunnel")));
	assert_int_equal(jint(e, "udp_port"), 40001);
	assert_int_equal(jint(e, "keepalive"), 110);
	assert_string_equal(jstr(e, "src"), "203.0.113.9");
	assert_string_equal(jstr(e, "tunnel_dst"), "203.0.113.9");
	assert_int_equal(jint(e, "expires"), -1);
	json_object_put(o);

	o = answer(h, "{\"cmd\":\"mobility\",\"limit\":1}", now);
	assert_true(json_object_object_get_ex(o, "bindings", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	json_object_put(o);

	o = answer(h, "{\"cmd\":\"stats\"}", now);
	assert_true(json_object_object_get_ex(o, "stats", &st));
	assert_int_equal(jint(st, "bindings"), 2);
	assert_int_equal(jint(st, "bindings_restored"), 2);
	assert_int_equal(jint(st, "rx_requests"), 0);
	assert_int_equal(jint(st, "ha_rx_datagrams"), 0);
	json_object_put(o);

	/* release: the whole home address, then nothing left to release */
	o = answer(h, "{\"cmd\":\"release\",\"addr\":\"192.0.2.10\"}", now);
	assert_true(json_object_get_boolean(json_object_object_get(o, "ok")));
	assert_int_equal(jint(o, "released"), 1);
	json_object_put(o);
	assert_int_equal(ha_reg_binding_count(h->reg), 1);
	assert_int_equal(h->st.released, 1);
	o = answer(h, "{\"cmd\":\"release\",\"addr\":\"192.0.2.10\"}", now);
	assert_false(json_object_get_boolean(json_object_object_get(o, "ok")));
	assert_string_equal(jstr(o, "error"), "no such binding");
	json_object_put(o);
	o = answer(h, "{\"cmd\":\"release\",\"addr\":\"2001:db8::1\"}", now);
	assert_false(json_object_get_boolean(json_object_object_get(o, "ok")));
	json_object_put(o);

	o = answer(h, "{\"cmd\":\"leases\"}", now);
	assert_string_equal(jstr(o, "error"), "command not served by ds46-had");
	json_object_put(o);
	o = answer(h, "not json", now);
	assert_false(json_object_get_boolean(json_object_object_get(o, "ok")));
	json_object_put(o);
	o = answer(h, "{\"cmd\":\"ping\"}", now);
	assert_true(json_object_get_boolean(json_object_object_get(o, "ok")));
	json_object_put(o);

	ha_reg_free(h->reg);
	free(h->prog);
	free(h);
	ha_cfg_free(c);
}

/* The path every change takes (ha_program): bindings restored into a real
 * registration engine are programmed into a real tunnel engine (no kernel:
 * netlink closed), then released one care-of address at a time. */
static void test_program_engine(void **state)
{
	struct ha_cfg *c = load_cfg();
	struct ha *h = calloc(1, sizeof(*h));
	struct mip_binding b1 = binding("192.0.2.10", "10.1.0.10", 1790000300);
	struct mip_binding b2 = binding("192.0.2.10", "10.2.0.10", 1790000600);
	struct mip_binding b3 = binding("192.0.2.11", "10.3.0.10", 1790000300);
	struct in6_addr p47, p46;
	uint32_t coas[4], v;
	uint8_t encap[4];
	int64_t now = 1790000000;

	(void)state;
	h->cfg = c;
	h->udp_fd = -1;
	h->tx.fd = h->nd.fd = -1;
	assert_int_equal(ha_reg_new(c, &h->reg), 0);
	assert_int_equal(dp_init(&h->e, DP_ROLE_MIP_HA, 16), 0);
	h->e_init = true;
	inet_pton(AF_INET6, "2001:db8:47::", &p47);
	inet_pton(AF_INET6, "2001:db8:46::10", &p46);
	/* mn1: two simultaneous bindings (S), the second registered later
	 * and with GRE; mn2: one */
	b1.flags |= MIP4_F_S;
	b2.flags |= MIP4_F_S | MIP4_F_G;
	b2.encap = ENCAP4_GRE;
	b2.registered = 1790000100;
	b1.n_prefix = b2.n_prefix = 2;
	b1.prefix[0] = b2.prefix[0] = pfx("2001:db8:47::", 64);
	b1.prefix[1] = b2.prefix[1] = pfx("2001:db8:46::10", 128);
	b1.v6_mode = b2.v6_mode = MIP_V6_TO_HOA;
	assert_int_equal(ha_reg_restore(h->reg, &b1, now), 0);
	assert_int_equal(ha_reg_restore(h->reg, &b2, now), 0);
	assert_int_equal(ha_reg_restore(h->reg, &b3, now), 0);
	ha_program(h, b1.home_addr);
	ha_program(h, b3.home_addr);

	/* the latest registration first, the other kept */
	assert_int_equal(dp_mip_ha_coas(&h->e, 0xc000020a, coas, encap, 4), 2);
	assert_int_equal(coas[0], 0x0a02000a);
	assert_int_equal(encap[0], ENCAP4_GRE);
	assert_int_equal(coas[1], 0x0a01000a);
	assert_int_equal(encap[1], ENCAP4_IPIP);
	assert_int_equal(dp_mip_ha_coas(&h->e, 0xc000020b, coas, NULL, 4), 1);
	assert_int_equal(coas[0], 0x0a03000a);
	assert_int_equal(prefix6_get(&h->e.mip.prefixes, &p47, 64, &v), 0);
	assert_int_equal(v, 0xc000020a);
	assert_int_equal(prefix6_get(&h->e.mip.prefixes, &p46, 128, &v), 0);
	assert_int_equal(h->n_prog, 2);
	/* programming again changes nothing */
	ha_program(h, b1.home_addr);
	assert_int_equal(dp_mip_ha_coas(&h->e, 0xc000020a, coas, NULL, 4), 2);
	assert_int_equal(h->st.dataplane_errors, 0);

	/* one care-of address goes: the other and the prefixes stay */
	assert_int_equal(ha_release(h, b1.home_addr, b2.coa), 1);
	assert_int_equal(dp_mip_ha_coas(&h->e, 0xc000020a, coas, NULL, 4), 1);
	assert_int_equal(coas[0], 0x0a01000a);
	assert_int_equal(prefix6_get(&h->e.mip.prefixes, &p47, 64, &v), 0);
	/* the last one: binding and prefixes gone, mn2 untouched */
	assert_int_equal(ha_release(h, b1.home_addr, 0), 1);
	assert_int_equal(dp_mip_ha_coas(&h->e, 0xc000020a, coas, NULL, 4), 0);
	assert_int_equal(prefix6_get(&h->e.mip.prefixes, &p47, 64, &v), -ENOENT);
	assert_int_equal(prefix6_get(&h->e.mip.prefixes, &p46, 128, &v), -ENOENT);
	assert_int_equal(dp_mip_ha_coas(&h->e, 0xc000020b, coas, NULL, 4), 1);
	assert_int_equal(h->n_prog, 1);
	assert_int_equal(h->st.released, 2);
	assert_int_equal(h->st.dataplane_errors, 0);
	assert_int_equal(h->st.kernel_errors, 0);

	/* mn2 re-registers from behind a NAT (RFC 3519 4.6): the engine
	 * tunnels to the NAT's address, not to the private care-of address */
	struct mip_binding b4 = binding("192.0.2.11", "10.4.0.10", 1790000300);
	b4.src_addr = a4("203.0.113.9");
	b4.src_port = 40001;
	b4.udp_tunnel = true;
	assert_int_equal(ha_release(h, b3.home_addr, 0), 1);
	assert_int_equal(ha_reg_restore(h->reg, &b4, now), 0);
	ha_program(h, b4.home_addr);
	assert_int_equal(dp_mip_ha_coas(&h->e, 0xc000020b, coas, encap, 4), 1);
	assert_int_equal(coas[0], 0xcb007109);
	assert_int_equal(encap[0], ENCAP4_IPIP);
	assert_int_equal(h->st.dataplane_errors, 0);

	for (size_t i = 0; i < h->n_prog; i++)
		ha_kstate_clear(&h->prog[i].ks);
	free(h->prog);
	dp_free(&h->e);
	ha_reg_free(h->reg);
	free(h);
	ha_cfg_free(c);
}

/* RFC 5454 3.3.3: groups a node reported through its home-address tunnel
 * show in its binding ("mld_groups") and in the stats; they end with the
 * binding (the last-leave event for the daemon's home-link membership). */
static void test_ctl_mld_groups(void **state)
{
	struct ha_cfg *c = load_cfg();
	struct ha *h = calloc(1, sizeof(*h));
	struct mip_binding b1 = binding("192.0.2.10", "10.1.0.10", 1790000300);
	struct json_object *o, *arr, *e, *g;
	int64_t now = 1790000000;
	static uint8_t buf[DP_HEADROOM + 200];
	uint8_t *p = buf + DP_HEADROOM;
	struct dp_out out;

	(void)state;
	h->cfg = c;
	h->udp_fd = h->mc_fd = -1;
	h->tx.fd = h->nd.fd = h->mc.fd = -1;
	assert_int_equal(ha_reg_new(c, &h->reg), 0);
	assert_int_equal(dp_init(&h->e, DP_ROLE_MIP_HA, 16), 0);
	h->e_init = true;
	h->e.mip.local = 0xc0000201;            /* 192.0.2.1 */
	h->e.now = (uint32_t)now;
	b1.n_prefix = 1;
	b1.prefix[0] = pfx("2001:db8:47::", 64);
	b1.v6_mode = MIP_V6_TO_HOA;
	assert_int_equal(ha_reg_restore(h->reg, &b1, now), 0);
	ha_program(h, b1.home_addr);

	/* IP in IP 10.1.0.10 -> 192.0.2.1 { 6in4 192.0.2.10 -> 192.0.2.1 {
	 * IPv6 fe80::10 -> ff02::16, hop limit 1, Hop-by-Hop Router Alert,
	 * MLDv1 Report ff0e::db8:1 } } */
	static const uint8_t v6[72] = {
		0x60, 0, 0, 0, 0, 32, 0, 1,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16,
		58, 0, 5, 2, 0, 0, 1, 0,
		131, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0d, 0xb8, 0, 1,
	};
	memset(p, 0, 112);
	for (int i = 0; i < 2; i++) {
		uint8_t *ip = p + 20 * i;
		ip[0] = 0x45;
		put_be16(ip + 2, (uint16_t)(112 - 20 * i));
		ip[8] = 64;
		ip[9] = i ? 41 : 4;
		put_be32(ip + 12, i ? 0xc000020a : 0x0a01000a);
		put_be32(ip + 16, 0xc0000201);
		ip4_hdr_csum_set(ip, 20);
	}
	memcpy(p + 40, v6, sizeof(v6));
	struct in6_addr s6, d6;
	memcpy(&s6, v6 + 8, 16);
	memcpy(&d6, v6 + 24, 16);
	uint32_t sum = ip_csum_pseudo6(&s6, &d6, IPPROTO_ICMPV6, 24);
	put_be16(p + 40 + 48 + 2, ip_csum_fold(ip_csum_partial(sum, p + 40 + 48, 24)));
	dp_mip_tunnel_in(&h->e, p, 112, &out);
	assert_int_equal(out.verdict, DP_TO_TUN);
	assert_int_equal(h->e.st.mld_joins, 1);

	o = answer(h, "{\"cmd\":\"mobility\"}", now);
	assert_true(json_object_object_get_ex(o, "bindings", &arr));
	e = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(e, "mld_groups", &g));
	assert_int_equal(json_object_array_length(g), 1);
	assert_string_equal(jstr(json_object_array_get_idx(g, 0), "group"), "ff0e::db8:1");
	assert_int_equal(jint(json_object_array_get_idx(g, 0), "expires_in"), 260);
	json_object_put(o);
	o = answer(h, "{\"cmd\":\"stats\"}", now);
	assert_true(json_object_object_get_ex(o, "stats", &g));
	assert_int_equal(jint(g, "dp_mld_joins"), 1);
	assert_int_equal(jint(g, "dp_mld_in"), 1);
	assert_int_equal(jint(g, "ha_mc_joined"), 0);   /* the daemon's loop does that */
	json_object_put(o);

	/* the binding goes: so does the group, first join then last leave */
	assert_int_equal(ha_release(h, b1.home_addr, 0), 1);
	struct in6_addr grp;
	bool join;
	assert_int_equal(dp_mip_mld_event(&h->e, &grp, &join), 1);
	assert_true(join);
	assert_int_equal(dp_mip_mld_event(&h->e, &grp, &join), 1);
	assert_false(join);
	assert_false(dp_mip_mld_has_group(&h->e, &grp));
	assert_int_equal(dp_mip_mld_event(&h->e, &grp, &join), 0);

	for (size_t i = 0; i < h->n_prog; i++)
		ha_kstate_clear(&h->prog[i].ks);
	free(h->prog);
	dp_free(&h->e);
	ha_reg_free(h->reg);
	free(h);
	ha_cfg_free(c);
}

/* ---- group commit (ha_apply_batch) --------------------------------------- */

static int count_binding(const struct mip_binding *b, void *arg)
{
	uint32_t *v = arg;

	v[++v[0]] = ntohl(b->home_addr);
	return 0;
}

static int udp_lo(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	if (port)
		*port = ntohs(sin.sin_port);
	return fd;
}

static void reply_to(struct ha_reg_reply *r, uint16_t port, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->len = strlen(text);
	memcpy(r->buf, text, r->len);
	r->src_addr = r->dst_addr = htonl(0x7f000001);
	r->dst_port = port;
	r->code = MIP4_CODE_ACCEPTED;
}

/* One transaction for the batch (deletes then put per registration, in
 * order), the replies after the commit in order; a store failure rolls the
 * whole batch back and sends none of its replies. */
static void test_apply_batch(void **state)
{
	struct ha_cfg *c = load_cfg();
	struct ha *h = calloc(1, sizeof(*h));
	struct ha_reg_reply *rep = calloc(4, sizeof(*rep));
	struct ha_reg_changes *ch = calloc(3, sizeof(*ch));
	struct ha_reg_reply *reps[4];
	struct ha_reg_changes *chs[4];
	struct store_opts so = { 0 };
	char path[] = "/tmp/ds46-test-mip4-ha-XXXXXX", db[64];
	uint32_t homes[8] = { 0 };
	uint8_t buf[64];
	uint16_t port;
	int rx, fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(db, sizeof(db), "%s.db", path);
	so.path = db;
	h->cfg = c;
	h->tx.fd = h->nd.fd = -1;
	assert_int_equal(ha_reg_new(c, &h->reg), 0);
	assert_int_equal(store_open(&so, &h->store), 0);
	/* a binding of 192.0.2.11 the batch replaces */
	struct mip_binding old = binding("192.0.2.11", "10.9.0.10", 1790000300);
	assert_int_equal(store_mip_binding_put(h->store, &old), 0);
	rx = udp_lo(&port);
	h->udp_fd = udp_lo(NULL);

	reply_to(&rep[0], port, "first");
	ch[0].has_put = true;
	ch[0].put = binding("192.0.2.10", "10.1.0.10", 1790000300);
	reply_to(&rep[1], port, "rejected");
	rep[1].code = MIP4_CODE_HA_MN_AUTH;
	reply_to(&rep[2], port, "");         /* nothing to send */
	reply_to(&rep[3], port, "third");
	ch[2].n_del = 1;
	ch[2].del[0] = (struct ha_reg_key){ .home_addr = a4("192.0.2.11"), .coa = 0 };
	ch[2].has_put = true;
	ch[2].put = binding("192.0.2.11", "10.2.0.10", 1790000300);
	reps[0] = &rep[0], chs[0] = &ch[0];
	reps[1] = &rep[1], chs[1] = NULL;
	reps[2] = &rep[2], chs[2] = NULL;
	reps[3] = &rep[3], chs[3] = &ch[2];
	assert_int_equal(ha_apply_batch(h, reps, chs, 4), 0);
	assert_int_equal(store_mip_binding_foreach(h->store, count_binding, homes), 0);
	assert_int_equal(homes[0], 2);
	assert_int_equal(homes[1], 0xc000020a);
	assert_int_equal(homes[2], 0xc000020b);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "first", 5);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 8);
	assert_memory_equal(buf, "rejected", 8);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "third", 5);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), -1);
	assert_int_equal(h->st.store_errors, 0);
	assert_int_equal(h->st.tx_reply_errors, 0);

	/* the second registration cannot be stored (care-of address 0):
	 * the first is rolled back with it, no reply leaves */
	reply_to(&rep[0], port, "lost1");
	ch[0].put = binding("192.0.2.12", "10.3.0.10", 1790000300);
	reply_to(&rep[1], port, "lost2");
	memset(&ch[1], 0, sizeof(ch[1]));
	ch[1].n_del = 1;
	ch[1].del[0] = (struct ha_reg_key){ .home_addr = a4("192.0.2.10"), .coa = 0 };
	ch[1].has_put = true;
	ch[1].put = binding("192.0.2.10", "0.0.0.0", 1790000300);
	chs[1] = &ch[1];
	assert_true(ha_apply_batch(h, reps, chs, 2) < 0);
	assert_int_equal(h->st.store_errors, 1);
	memset(homes, 0, sizeof(homes));
	assert_int_equal(store_mip_binding_foreach(h->store, count_binding, homes), 0);
	assert_int_equal(homes[0], 2);
	assert_int_equal(homes[1], 0xc000020a);
	assert_int_equal(homes[2], 0xc000020b);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), -1);

	close(rx);
	close(h->udp_fd);
	store_close(h->store);
	for (size_t i = 0; i < h->n_prog; i++)
		ha_kstate_clear(&h->prog[i].ks);
	free(h->prog);
	ha_reg_free(h->reg);
	free(h);
	free(rep);
	free(ch);
	ha_cfg_free(c);
	unlink(path);
	unlink(db);
	snprintf(db, sizeof(db), "%s.db-wal", path);
	unlink(db);
	snprintf(db, sizeof(db), "%s.db-shm", path);
	unlink(db);
	snprintf(db, sizeof(db), "%s.db.lock", path);
	unlink(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p6_kind),   cmocka_unit_test(test_kstate_of),
		cmocka_unit_test(test_kstate_diff), cmocka_unit_test(test_dp_bind_of),
		cmocka_unit_test(test_strings),   cmocka_unit_test(test_dad),
		cmocka_unit_test(test_ctl),       cmocka_unit_test(test_program_engine),
		cmocka_unit_test(test_ctl_mld_groups),
		cmocka_unit_test(test_apply_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
