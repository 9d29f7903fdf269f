/* Fuzz the home agent's registration engine (src/mip4/ha_reg.c): a
 * sequence of inputs (authenticated requests built from the fuzz bytes for
 * the configured nodes, raw datagrams, finishing pending registrations with
 * random DAD outcomes, aborts, time passing with expiry, operator
 * releases, restores) drives one engine.  After every input the state must
 * be legal (STYLE 13):
 *   - the bindings are in strictly increasing (home, care-of) order, each
 *     belongs to a configured node, no node holds more than its
 *     max-bindings, no two nodes own overlapping prefixes (RFC 5454 3.3),
 *     every binding carries at most 16 prefixes with valid lengths;
 *   - ha_reg_next_expiry() is the earliest expiry; after an expiry no
 *     binding is due;
 *   - every reply parses with the codec as a Registration Reply with the
 *     code reported, from the Home Agent field of this home agent; when the
 *     request was authentic the reply's Mobile-Home authenticator verifies
 *     with the node's key and its low 32 identification bits are the
 *     request's; a rejection carries no prefix replies; no two prefix
 *     replies name the same prefix; never more than requested;
 *   - an accepted registration with a lifetime has its binding, no longer
 *     than requested nor than max-lifetime, and the put of the changes is
 *     that binding;
 *   - a reply to the foreign agent we share an association with carries a
 *     valid Foreign-Home authenticator unless it is a deregistration's
 *     (RFC 5944 3.5.4, 3.8.3.3); a UDP-tunnelled binding has an endpoint
 *     (RFC 3519 4.6), and only a reply with a UDP Tunnel Reply of code 0
 *     creates one.
 *
 * Input: [cfg:1] then steps [op:1][args...] (see step()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/util.h"
#include "mip4/ha_config.h"
#include "mip4/ha_reg.h"
#include "wire/mip4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define T0 1700000000LL
#define MAX_PENDING 8

static const char conf[] =
	"ha = {\n"
	"  address = \"192.0.2.1\";\n"
	"  home-link = \"h0\";\n"
	"  home-network = \"192.0.2.0/24\";\n"
	"  home-prefixes = [ \"2001:db8:46::/64\" ];\n"
	"  max-lifetime = 600;\n"
	"  pool4 = \"192.0.2.100-192.0.2.102\";\n"
	"  pool6 = { prefix = \"2001:db8:f000::/62\"; length = 64; };\n"
	"  foreign-agents = ( { address = \"198.51.100.20\"; spi = 500; key = \"fa\"; } );\n"
	"  nodes = (\n"
	"    { name = \"mn1\"; home-address = \"192.0.2.10\"; spi = 300;\n"
	"      key-hex = \"0102030405060708090a0b0c0d0e0f10\"; max-bindings = 3;\n"
	"      prefixes = [ \"2001:db8:47::/48\", \"2001:db8:46::10/128\" ]; },\n"
	"    { name = \"mn2\"; home-address = \"192.0.2.11\"; spi = 301; replay = \"nonce\";\n"
	"      key-hex = \"2122232425262728292a2b2c2d2e2f30\"; dynamic-ipv6 = true;\n"
	"      prefixes = [ \"2001:db8:47:ff00::/56\", \"2001:db8:46::10/128\" ]; },\n"
	"    { name = \"dyn\"; nai = \"dyn@example.net\"; home-address = \"0.0.0.0\";\n"
	"      spi = 302; key = \"dyn-secret\"; dynamic-ipv6 = true; max-bindings = 2; },\n"
	"    { name = \"dyn2\"; nai = \"dyn2@example.net\"; home-address = \"0.0.0.0\";\n"
	"      spi = 304; key = \"dyn2-secret\"; replay = \"nonce\"; dynamic-ipv6 = true; },\n"
	"    { name = \"imp\"; home-address = \"192.0.2.12\"; spi = 303; key = \"imp-secret\";\n"
	"      implicit-prefixes = [ \"2001:db8:300::/48\" ]; }\n"
	"  );\n"
	"};\n";

static struct ha_cfg *cfg;

static const char *const v6_table[] = {
	"2001:db8:47::", "2001:db8:47:1::", "2001:db8:47:ff00::", "2001:db8:46::10",
	"2001:db8:46::11", "::", "::1:2:3:4", "fe80::1", "2001:db8:300::", "2001:db8:f000::",
	"2001:db8:f000:1::", "2001:db8:9999::", "2001:db8:46::", "ff02::1",
	"2001:db8:47:ff01::", "::5",
};
static const uint8_t plen_table[] = { 64, 128, 0, 48, 56, 255, 62, 65 };
/* a.b.c.d in network order, as a constant expression */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define A4(a, b, c, d) ((uint32_t)(d) << 24 | (uint32_t)(c) << 16 | (uint32_t)(b) << 8 | (a))
#else
#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#endif
static const uint32_t coa_table[] = { A4(198, 51, 100, 7), A4(198, 51, 100, 8),
				      A4(198, 51, 100, 9), A4(198, 51, 100, 10), 0,
				      A4(192, 0, 2, 10) };
static const uint32_t home_table[] = { A4(192, 0, 2, 10), A4(192, 0, 2, 11), 0,
				       A4(192, 0, 2, 12), A4(192, 0, 2, 100), A4(192, 0, 2, 101),
				       A4(192, 0, 2, 77), A4(192, 0, 2, 102) };
static const uint32_t dst_table[] = { A4(192, 0, 2, 1), 0, A4(192, 0, 2, 255),
				      A4(255, 255, 255, 255) };

struct in {
	const uint8_t *d;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->d++;
}

static uint16_t u16(struct in *in)
{
	uint16_t hi = u8(in);

	return (uint16_t)(hi << 8 | u8(in));
}

static uint32_t u32(struct in *in)
{
	uint32_t hi = u16(in);

	return hi << 16 | u16(in);
}

struct st {
	struct ha_reg *reg;
	int64_t now;
	uint32_t nonce[8];           /* last nonce seen per node */
	bool has_nonce[8];
	uint32_t last_frac[8];
	struct ha_reg_pending *p[MAX_PENDING];
	uint16_t p_lifetime[MAX_PENDING];
	uint64_t p_id[MAX_PENDING];
	bool p_auth[MAX_PENDING];
	int p_node[MAX_PENDING];
	uint8_t p_npfx[MAX_PENDING];
	uint32_t p_src[MAX_PENDING];
	size_t n_p;
};

static struct ha_reg_reply rep;
static struct ha_reg_changes ch;

static void die(const char *what)
{
	fprintf(stderr, "illegal state: %s\n", what);
	abort();
}

static bool pfx_overlap(const struct mip_prefix *a, const struct mip_prefix *b)
{
	bool la = a->plen == 255, lb = b->plen == 255;
	unsigned al = la ? 128 : a->plen, bl = lb ? 128 : b->plen;

	return la == lb && in6_prefix_match(&a->prefix, &b->prefix, MIN(al, bl));
}

static void dump(const struct mip_binding *v, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "binding %08x coa %08x expires %lld:", ntohl(v[i].home_addr),
			ntohl(v[i].coa), (long long)v[i].expires);
		for (unsigned j = 0; j < v[i].n_prefix; j++)
			fprintf(stderr, " %s/%u", inet_ntop(AF_INET6, &v[i].prefix[j].prefix, a, sizeof(a)),
				v[i].prefix[j].plen);
		fputc('\n', stderr);
	}
}

struct walk {
	const struct mip_binding *prev;
	struct mip_binding *all;
	size_t n;
};

static int collect(const struct mip_binding *b, void *arg)
{
	struct walk *w = arg;

	w->all[w->n++] = *b;
	return 0;
}

static void check_state(struct st *s, bool expired)
{
	size_t n = ha_reg_binding_count(s->reg);
	struct walk w = { .all = calloc(n + 1, sizeof(struct mip_binding)) };
	int64_t next = INT64_MAX;

	if (!w.all)
		abort();
	ha_reg_foreach(s->reg, collect, &w);
	if (w.n != n)
		die("foreach count");
	for (size_t i = 0; i < n; i++) {
		const struct mip_binding *b = &w.all[i];
		const struct ha_cfg_node *nd = ha_reg_node_of(s->reg, b->home_addr);
		const struct mip_binding *first;
		size_t k = ha_reg_lookup_home(s->reg, b->home_addr, &first);
		if (i && ((uint64_t)ntohl(w.all[i - 1].home_addr) << 32 | ntohl(w.all[i - 1].coa)) >=
				 ((uint64_t)ntohl(b->home_addr) << 32 | ntohl(b->coa)))
			die("order");
		if (!nd)
			die("binding of no node");
		if (k == 0 || k > nd->max_bindings)
			die("max-bindings");
		if (ha_reg_lookup(s->reg, b->home_addr, b->coa) == NULL)
			die("lookup");
		if (b->n_prefix > MIP4_MAX_PREFIXES || b->coa == 0)
			die("binding fields");
		for (unsigned j = 0; j < b->n_prefix; j++)
			if (b->prefix[j].plen > 128 && b->prefix[j].plen != 255)
				die("prefix length");
		if (b->udp_tunnel && (b->src_addr == 0 || b->src_port == 0))
			die("UDP tunnel without an endpoint");
		if (expired && b->expires <= s->now)
			die("binding past its expiry");
		next = MIN(next, b->expires);
		for (size_t o = 0; o < n; o++) {
			const struct mip_binding *c = &w.all[o];
			if (c->home_addr == b->home_addr)
				continue;
			for (unsigned x = 0; x < b->n_prefix; x++)
				for (unsigned y = 0; y < c->n_prefix; y++)
					if (pfx_overlap(&b->prefix[x], &c->prefix[y])) {
						dump(w.all, n);
						die("two nodes own overlapping prefixes");
					}
		}
	}
	if (ha_reg_next_expiry(s->reg) != next)
		die("next expiry");
	free(w.all);
}

/* The reply of a request (node index, or -1 unknown). */
#define FA_ADDR A4(198, 51, 100, 20)
static const uint8_t fa_key[] = { 'f', 'a' };
static uint32_t last_src;

static void check_reply(struct st *s, int node, bool auth, uint64_t req_id, uint16_t lifetime,
			unsigned n_req)
{
	struct mip4_reg m;
	const struct ha_cfg_node *nd = node >= 0 ? &cfg->nodes[node] : NULL;

	if (rep.len == 0)
		return;
	if (mip4_reg_parse(rep.buf, rep.len, &m, NULL) < 0 || m.type != MIP4_REG_REPLY)
		die("reply does not parse");
	if (m.code != rep.code || m.home_agent != cfg->address)
		die("reply code or home agent");
	if (m.n_prefix > n_req)
		die("more prefix replies than requests");
	if (!mip4_code_accepted(m.code) && m.n_prefix)
		die("prefix replies in a rejection");
	for (unsigned i = 0; i < m.n_prefix; i++)
		for (unsigned j = 0; j < i; j++)
			if (m.prefix[i].plen == m.prefix[j].plen &&
			    memcmp(&m.prefix[i].prefix, &m.prefix[j].prefix, 16) == 0)
				die("two prefix replies for one prefix");
	if (rep.dst_addr == FA_ADDR && m.lifetime &&
	    (!m.fh.present || m.fh.spi != 500 ||
	     mip4_auth_verify(rep.buf, rep.len, &m.fh, fa_key, sizeof(fa_key)) != 0))
		die("reply to the foreign agent without its FH authenticator");
	if (rep.dst_addr != FA_ADDR && m.fh.present)
		die("FH authenticator without an association");
	if (rep.dst_addr != last_src)
		die("reply not to the request's source");
	if (mip4_code_accepted(m.code) && ch.has_put &&
	    ch.put.udp_tunnel != (m.has_udp_tun && m.udp_tun_code == 0))
		die("UDP tunnel binding without an assenting reply");
	if (!auth || !nd)
		return;
	if (!m.mh.present || m.mh.spi != nd->spi ||
	    mip4_auth_verify(rep.buf, rep.len, &m.mh, nd->key, nd->key_len) != 0)
		die("reply authenticator");
	if ((uint32_t)m.id != (uint32_t)req_id)
		die("low identification bits");
	s->nonce[node] = (uint32_t)(m.id >> 32);
	s->has_nonce[node] = true;
	if (mip4_code_accepted(m.code) && lifetime) {
		const struct mip_binding *b = ha_reg_lookup(s->reg, m.home_addr, ch.put.coa);
		if (!ch.has_put || !b || memcmp(b, &ch.put, sizeof(*b)) != 0)
			die("accepted without its binding");
		if (m.lifetime > lifetime || m.lifetime > cfg->max_lifetime)
			die("lifetime longer than requested");
		if (b->expires != INT64_MAX && b->expires > s->now + m.lifetime)
			die("binding outlives the reply's lifetime");
	}
}

static void finish(struct st *s, size_t i, uint16_t dad_bits)
{
	bool failed[MIP4_MAX_PREFIXES];
	const struct in6_addr *addrs;
	size_t n = ha_reg_pending_dad(s->p[i], &addrs);

	for (size_t k = 0; k < MIP4_MAX_PREFIXES; k++)
		failed[k] = (dad_bits >> k) & 1;
	if (n > MIP4_MAX_PREFIXES)
		die("too many DAD addresses");
	if (ha_reg_finish(s->reg, s->p[i], (dad_bits & 0x8000) ? NULL : failed,
			  (struct ha_reg_time){ .sec = s->now }, (uint32_t)s->now * 2654435761u,
			  &rep, &ch) != HA_REG_REPLY)
		die("finish");
	if (rep.len == 0)
		die("finish without a reply");
	last_src = s->p_src[i];
	check_reply(s, s->p_node[i], s->p_auth[i], s->p_id[i], s->p_lifetime[i], s->p_npfx[i]);
	s->p[i] = s->p[--s->n_p];
	s->p_node[i] = s->p_node[s->n_p];
	s->p_auth[i] = s->p_auth[s->n_p];
	s->p_id[i] = s->p_id[s->n_p];
	s->p_lifetime[i] = s->p_lifetime[s->n_p];
	s->p_npfx[i] = s->p_npfx[s->n_p];
	s->p_src[i] = s->p_src[s->n_p];
}

static void rx(struct st *s, const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, int node,
	       bool auth, uint64_t id, uint16_t lifetime, unsigned n_req, uint32_t random)
{
	struct ha_reg_rx r = { .buf = buf, .len = len, .src_addr = src,
			       .src_port = 434, .dst_addr = dst,
			       .now = { .sec = s->now, .nsec = 0 }, .random = random };
	struct ha_reg_pending *p = NULL;
	int e;

	last_src = src;
	e = ha_reg_check(s->reg, &r, &rep, &p);

	if (e == HA_REG_DROP) {
		if (rep.len || p || !rep.why)
			die("drop with a reply");
		return;
	}
	if (e == HA_REG_REPLY) {
		if (p || rep.len == 0 || mip4_code_accepted(rep.code))
			die("a check reply must be a rejection");
		memset(&ch, 0, sizeof(ch));
		check_reply(s, node, auth, id, lifetime, n_req);
		return;
	}
	if (e != HA_REG_PENDING || !p)
		die("check result");
	if (s->n_p == MAX_PENDING) {
		ha_reg_abort(s->reg, p);
		return;
	}
	s->p[s->n_p] = p;
	s->p_node[s->n_p] = node;
	s->p_auth[s->n_p] = auth;
	s->p_id[s->n_p] = id;
	s->p_lifetime[s->n_p] = lifetime;
	s->p_npfx[s->n_p] = (uint8_t)n_req;
	s->p_src[s->n_p] = src;
	s->n_p++;
}

/* A request for node k (0-4, 5: unknown) from the fuzz bytes. */
static void request(struct st *s, struct in *in)
{
	static const uint16_t lt_table[] = { 0, 1, 300, 600, 601, 0xffff, 30, 0 };
	uint8_t a = u8(in), b = u8(in), c = u8(in), np = u8(in) % 6;
	int k = a % 6;
	const struct ha_cfg_node *nd = k < 5 ? &cfg->nodes[k] : &cfg->nodes[0];
	uint8_t buf[1024];
	struct mip4_buf mb;
	uint32_t home = (b & 0x80) ? home_table[u8(in) % 8] : nd->home_addr;
	uint32_t coa = coa_table[(b >> 3) % 6], dst = dst_table[(c & 3) ? 0 : (c >> 2) % 4];
	uint16_t lt = lt_table[(a >> 3) % 8];
	uint64_t id;
	bool auth = !(c & 0x40) && k < 5;

	if (k == 5)
		home = A4(192, 0, 2, 77);
	if (nd->replay == HA_REPLAY_NONCE && k < 5 && s->has_nonce[k] && !(c & 0x80))
		id = (uint64_t)s->nonce[k] << 32 | u32(in);
	else if (b & 0x40) {
		id = (uint64_t)u32(in) << 32;
		id |= u32(in);
	}
	else
		id = (mip4_ntp_time(s->now + (int8_t)u8(in) / 16, 0) & 0xffffffff00000000ull) |
		     (k < 5 ? ++s->last_frac[k] : 0);
	mip4_buf_init(&mb, buf, sizeof(buf));
	mip4_put_request(&mb, u8(in), lt, home, (c & 0x20) ? A4(192, 0, 2, 2) : cfg->address, coa,
			 id);
	if (nd->nai[0] && (home == 0 || (c & 0x10)))
		mip4_put_nai(&mb, nd->nai, strlen(nd->nai));
	for (unsigned i = 0; i < np; i++) {
		struct in6_addr p;
		uint8_t x = u8(in);
		inet_pton(AF_INET6, v6_table[x % 16], &p);
		mip4_put_prefix_request(&mb, plen_table[(x >> 4) % 8], &p);
	}
	if (c & 0x08)
		mip4_put_tunnel_mode(&mb);
	/* RFC 3519 3.1: the node's UDP Tunnel Request before the MH auth */
	if ((b & 0x02) && !(b & 0x01))
		mip4_put_udp_tun_request(&mb, (uint8_t)(u8(in) & 0xc0), u8(in) % 8 == 0 ? 47 : 0);
	mip4_put_auth(&mb, MIP4_EXT_MH_AUTH, (c & 0x04) ? 999 : nd->spi, nd->key, nd->key_len);
	if (!auth && mb.len)
		buf[mb.len - 1] ^= 0x5a;
	/* a foreign agent's: Tunneling Mode, UDP Tunnel Request, FH auth
	 * (RFC 5454 3.4, RFC 3519 4.5, RFC 5944 3.7.2.2) */
	if (b & 0x01) {
		uint8_t f = u8(in);
		if (f & 0x01)
			mip4_put_tunnel_mode(&mb);
		if (b & 0x02)
			mip4_put_udp_tun_request(&mb, 0, 0);
		if (f & 0x02)
			mip4_put_auth(&mb, MIP4_EXT_FH_AUTH, (f & 0x04) ? 501 : 500, fa_key,
				      sizeof(fa_key));
		if ((f & 0x08) && mb.len)
			buf[mb.len - 1] ^= 0x01;
		if (f & 0x10)
			mip4_put_tunnel_mode(&mb);
	}
	/* the engine names the node by its NAI, else by the home address:
	 * another node's address makes the request not this node's */
	if (k < 5 && !(nd->nai[0] && (home == 0 || (c & 0x10))) && home != nd->home_addr)
		k = 5;
	rx(s, buf, mb.len,
	   (b & 0x01) ? FA_ADDR : (b & 0x04) ? A4(203, 0, 113, 9) : A4(198, 51, 100, 7),
	   dst, k < 5 ? k : -1, auth && !(c & 0x04), id, lt, np, u32(in));
}

static void step(struct st *s, struct in *in)
{
	uint8_t op = u8(in) % 8;

	switch (op) {
	case 0:
	case 1:
		request(s, in);
		break;
	case 2: {                            /* finish, random DAD outcomes */
		uint8_t i = u8(in);
		uint16_t bits = u16(in);
		if (s->n_p)
			finish(s, i % s->n_p, bits);
		break;
	}
	case 3: {                            /* a raw datagram */
		uint8_t buf[512];
		size_t want = (size_t)u8(in) * 2, len = MIN(want, in->n);
		memcpy(buf, in->d, len);
		in->d += len;
		in->n -= len;
		rx(s, buf, len, A4(198, 51, 100, 7), cfg->address, -1, false, 0, 0, MIP4_MAX_PREFIXES, 7);
		break;
	}
	case 4:                              /* time passes */
		s->now += u16(in);
		ha_reg_expire(s->reg, s->now, NULL, NULL);
		check_state(s, true);
		break;
	case 5: {                            /* operator release */
		uint8_t x = u8(in);
		ha_reg_release(s->reg, home_table[x % 8], (x & 0x80) ? 0 : coa_table[(x >> 3) % 6],
			       NULL, NULL);
		break;
	}
	case 6:                              /* abort */
		if (s->n_p) {
			size_t i = u8(in) % s->n_p;
			ha_reg_abort(s->reg, s->p[i]);
			s->p[i] = s->p[--s->n_p];
			s->p_node[i] = s->p_node[s->n_p];
			s->p_auth[i] = s->p_auth[s->n_p];
			s->p_id[i] = s->p_id[s->n_p];
			s->p_lifetime[i] = s->p_lifetime[s->n_p];
			s->p_npfx[i] = s->p_npfx[s->n_p];
			s->p_src[i] = s->p_src[s->n_p];
		}
		break;
	case 7: {                            /* restore */
		struct mip_binding b = { 0 };
		uint8_t x = u8(in), np = u8(in) % 4;
		b.home_addr = home_table[x % 8];
		b.coa = coa_table[(x >> 3) % 6];
		b.expires = s->now + (int64_t)u16(in) - 100;
		b.id = u32(in);
		if (x & 0x80)
			strcpy(b.nai, "dyn@example.net");
		for (unsigned i = 0; i < np; i++) {
			uint8_t y = u8(in);
			inet_pton(AF_INET6, v6_table[y % 16], &b.prefix[i].prefix);
			b.prefix[i].plen = plen_table[(y >> 4) % 8];
		}
		b.n_prefix = np;
		ha_reg_restore(s->reg, &b, s->now);
		break;
	}
	}
	check_state(s, false);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	if (ha_cfg_load_string(conf, "fuzz.conf", &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct st s = { .now = T0 };
	uint8_t v = u8(&in);

	/* policy variants */
	cfg->reverse_tunnel = v % 3;
	cfg->encap_gre = (v >> 2) & 1;
	cfg->encap_minimal = (v >> 3) & 1;
	cfg->ipv6 = !((v >> 4) & 1);
	cfg->tunnel_mode = !((v >> 5) & 1);
	cfg->forward_broadcast = (v >> 6) & 1;
	cfg->max_lifetime = (v & 0x80) ? 0xffff : 600;
	if (ha_reg_new(cfg, &s.reg) < 0)
		return 0;
	for (int steps = 0; in.n && steps < 256; steps++)
		step(&s, &in);
	while (s.n_p)
		finish(&s, 0, 0);
	check_state(&s, false);
	ha_reg_free(s.reg);
	return 0;
}
