/* Fuzz the foreign agent's relay engine (src/mip4/fa_reg.c): a sequence
 * of inputs (requests built from the fuzz bytes, raw request datagrams,
 * home agent replies built to match or miss pending registrations, raw
 * replies, time passing, ICMP unreachables) drives one engine over a
 * configuration chosen by the first byte.  After every input the state
 * must be legal (STYLE 13):
 *   - entries have distinct non-zero home addresses, each active or
 *     pending; the pending count is theirs and within max-pending; the
 *     entries within max-visitors;
 *   - an active visitor's lifetime is non-zero and no longer than what it
 *     requested nor than max-lifetime; native IPv6 (seed 3.4) only when we
 *     attached the Tunneling Mode extension; at most 16 prefixes;
 *   - a pending registration carries our extension only in attach mode,
 *     never for a co-located node when we advertise R;
 *   - after a tick nothing is due; fa_reg_next_timeout() is the earliest;
 *   - every message parses: to the node a Registration Reply with the code
 *     reported, our MN-FA authentication verifying when we share an SA;
 *     to the home agent a Registration Request whose MH authentication
 *     ends where the node's did, byte for byte the node's, at most one
 *     Tunneling Mode extension after it, our FH authentication verifying
 *     and last.
 *
 * Input: [cfg:1] then steps [op:1][args...] (see step()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/util.h"
#include "mip4/fa_config.h"
#include "mip4/fa_reg.h"
#include "wire/mip4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1700000000LL

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define A4(a, b, c, d) ((uint32_t)(d) << 24 | (uint32_t)(c) << 16 | (uint32_t)(b) << 8 | (a))
#else
#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#endif

static const uint8_t KEY_MH[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t KEY_MF[] = "mn-fa";
static const uint8_t KEY_FH[] = "fa-ha";
static const uint32_t homes[] = { A4(192, 0, 2, 10), A4(192, 0, 2, 11), A4(192, 0, 2, 12),
				  A4(10, 0, 0, 1), 0 };
static const uint32_t has[] = { A4(192, 0, 2, 1), A4(203, 0, 113, 1), A4(198, 51, 100, 1),
				0, A4(255, 255, 255, 255) };
static const uint32_t coas[] = { A4(198, 51, 100, 1), A4(198, 51, 100, 2),
				 A4(198, 51, 100, 9), A4(203, 0, 113, 5) };
static const unsigned ifindexes[] = { 2, 3, 9 };
static const uint8_t lladdr[FA_REG_LLADDR_MAX + 2] = { 0x02, 0, 0, 0, 0, 0x01 };

struct cur {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct cur *c)
{
	uint8_t v = 0;

	if (c->n) {
		v = *c->p++;
		c->n--;
	}
	return v;
}

static uint16_t u16(struct cur *c)
{
	uint16_t hi = u8(c);

	return (uint16_t)(hi << 8 | u8(c));
}

#define PICK(tbl, c) (tbl[u8(c) % ARRAY_SIZE(tbl)])

static struct fa_cfg cfg;
static struct fa_reg *fa;
static struct fa_reg_out out;
static int64_t now;

static void setup_cfg(uint8_t b)
{
	fa_cfg_defaults(&cfg);
	cfg.n_ifaces = 2;
	cfg.ifaces[0] = (struct fa_cfg_iface){ .ifindex = 2, .address = A4(198, 51, 100, 1),
					       .n_coa = 2,
					       .coa = { A4(198, 51, 100, 1), A4(198, 51, 100, 2) } };
	cfg.ifaces[1] = (struct fa_cfg_iface){ .ifindex = 3, .address = A4(198, 51, 101, 1),
					       .n_coa = 1, .coa = { A4(198, 51, 101, 1) } };
	cfg.ipv6_mode = b & 1 ? FA_IPV6_ATTACH : FA_IPV6_IGNORE;
	cfg.advertises_r = b & 2;
	if (b & 4) {
		cfg.n_mn_sa = 1;
		cfg.mn_sa[0] = (struct fa_cfg_sa){ .addr = homes[0], .spi = 700, .key_len = 5 };
		memcpy(cfg.mn_sa[0].key, KEY_MF, 5);
	}
	if (b & 8) {
		cfg.n_ha_sa = 1;
		cfg.ha_sa[0] = (struct fa_cfg_sa){ .addr = has[0], .spi = 800, .key_len = 5 };
		memcpy(cfg.ha_sa[0].key, KEY_FH, 5);
	}
	cfg.reverse_tunnel = (uint8_t)((b >> 4) % 3);
	cfg.encap_gre = b & 0x40;
	cfg.encap_minimal = b & 0x80;
	cfg.encap_delivery = !(b & 0x40);
	cfg.max_pending = 3;
	cfg.max_visitors = 4;
	cfg.max_lifetime = 600;
}

static const struct fa_cfg_sa *sa(const struct fa_cfg_sa *v, unsigned n, uint32_t a)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].addr == a)
			return &v[i];
	return NULL;
}

static void check_to_mn(const struct fa_reg_out *o)
{
	struct mip4_reg m;
	const struct fa_cfg_sa *s;

	if (mip4_reg_parse(o->buf, o->len, &m, NULL) < 0 || m.type != MIP4_REG_REPLY ||
	    m.code != o->code)
		abort();
	s = sa(cfg.mn_sa, cfg.n_mn_sa, o->home_addr);
	if (s && o->home_addr == m.home_addr &&
	    (!m.mf.present || mip4_auth_verify(o->buf, o->len, &m.mf, s->key, s->key_len) != 0))
		abort();
}

static void check_out(int r, const uint8_t *in, size_t in_len)
{
	struct mip4_reg m, q;
	const struct fa_cfg_sa *s;
	bool ours = false;
	size_t end;

	if (r != out.kind || (r == FA_REG_DROP) != (out.len == 0))
		abort();
	if (r == FA_REG_TO_MN)
		check_to_mn(&out);
	if (r != FA_REG_TO_HA)
		return;
	if (mip4_reg_parse(out.buf, out.len, &m, NULL) < 0 || m.type != MIP4_REG_REQUEST ||
	    !m.mh.present || mip4_reg_parse(in, in_len, &q, NULL) < 0)
		abort();
	end = (size_t)m.mh.off + 6 + m.mh.auth_len;
	if (end != (size_t)q.mh.off + 6 + q.mh.auth_len || memcmp(out.buf, in, end) != 0)
		abort();
	if (m.n_tunnel_mode > 1 || (m.n_tunnel_mode && q.n_tunnel_mode == 0 &&
				    (m.tunnel_mode_off < end || cfg.ipv6_mode != FA_IPV6_ATTACH)))
		abort();
	if (m.mf.present && m.mf.off > m.mh.off)
		abort();
	s = sa(cfg.ha_sa, cfg.n_ha_sa, m.home_agent);
	if (s && m.lifetime) {
		if (!m.fh.present || m.fh.off + 6u + m.fh.auth_len != out.len ||
		    mip4_auth_verify(out.buf, out.len, &m.fh, s->key, s->key_len) != 0)
			abort();
	}
	if (out.dst_addr != m.home_agent || out.dst_port != MIP4_PORT)
		abort();
	for (unsigned i = 0; i < cfg.n_ifaces; i++)
		for (unsigned j = 0; j < cfg.ifaces[i].n_coa; j++)
			ours = ours || cfg.ifaces[i].coa[j] == out.src_addr;
	if (!ours)               /* 3.7.2.2: from a care-of address of ours */
		abort();
}

struct inv {
	size_t n, pending;
	int64_t next;
	uint32_t seen[64];
};

static int inv_cb(const struct fa_visitor *v, void *arg)
{
	struct inv *s = arg;

	if (v->home_addr == 0 || (!v->active && !v->pending))
		abort();
	for (size_t i = 0; i < s->n && i < ARRAY_SIZE(s->seen); i++)
		if (s->seen[i] == v->home_addr)
			abort();
	if (s->n < ARRAY_SIZE(s->seen))
		s->seen[s->n] = v->home_addr;
	s->n++;
	if (v->active) {
		if (v->lifetime == 0 || v->lifetime > cfg.max_lifetime ||
		    v->lifetime > v->reg.lifetime || v->expires != v->registered + v->lifetime ||
		    v->v6 > FA_V6_NATIVE || v->n_prefix > MIP4_MAX_PREFIXES ||
		    (v->v6 == FA_V6_NATIVE && !v->reg.tunnel_mode) || v->reg.home_addr != v->home_addr)
			abort();
		s->next = MIN(s->next, v->expires);
	}
	if (v->pending) {
		s->pending++;
		if (v->pend.home_addr != v->home_addr)
			abort();
		if (v->pend.tunnel_mode && (cfg.ipv6_mode != FA_IPV6_ATTACH ||
					    (cfg.advertises_r && (v->pend.flags & MIP4_F_D))))
			abort();
		s->next = MIN(s->next, v->pend_deadline);
	}
	return 0;
}

static void check_state(bool ticked)
{
	struct inv s = { .next = INT64_MAX };

	fa_reg_foreach(fa, inv_cb, &s);
	if (s.n != fa_reg_count(fa) || s.pending != fa_reg_pending_count(fa) ||
	    s.pending > cfg.max_pending || s.n > cfg.max_visitors ||
	    s.next != fa_reg_next_timeout(fa) || (ticked && s.next <= now))
		abort();
}

static void send_cb(const struct fa_reg_out *o, void *arg)
{
	(void)arg;
	if (o->kind != FA_REG_TO_MN || o->len == 0)
		abort();
	check_to_mn(o);
}

/* The identification of a pending registration (or a made-up one). */
static uint64_t pick_id(uint32_t home, uint8_t how)
{
	const struct fa_visitor *v = fa_reg_entry(fa, home);

	if (v && v->pending && how < 200)
		return v->pend.id ^ ((uint64_t)how << 32);
	return (uint64_t)how * 0x0101010101010101ull;
}

static void step(struct cur *c)
{
	uint8_t op = u8(c), buf[1024];
	struct mip4_buf b;
	struct fa_reg_rx rx = { .now = now };
	int r;

	mip4_buf_init(&b, buf, sizeof(buf));
	switch (op % 6) {
	case 0: {                    /* a request from a node */
		uint32_t home = PICK(homes, c), ha = PICK(has, c), coa = PICK(coas, c);
		uint8_t flags = u8(c), opts = u8(c), npfx = u8(c) % 4, ttl = u8(c);
		uint16_t lt = u16(c);
		uint64_t id = (uint64_t)u16(c) << 32;
		id |= u8(c);
		if (mip4_put_request(&b, flags, lt, home, ha, coa, id) < 0)
			abort();
		if (opts & 1)
			mip4_put_nai(&b, "mn@example.net", 14);
		for (unsigned i = 0; i < npfx; i++) {
			struct in6_addr p = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x47, 0,
							   (uint8_t)i } };
			mip4_put_prefix_request(&b, 64, &p);
		}
		if (opts & 2)
			mip4_put_tunnel_mode(&b);
		if (opts & 4)
			mip4_put_ext(&b, MIP4_EXT_ENCAP_DELIVERY, NULL, 0);
		if (!(opts & 8))
			mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 300, KEY_MH, sizeof(KEY_MH));
		if (opts & 0x10)
			mip4_put_auth(&b, MIP4_EXT_MF_AUTH, opts & 0x20 ? 701 : 700, KEY_MF, 5);
		if (opts & 0x40)
			mip4_put_prefix_request(&b, 48, &(struct in6_addr){ .s6_addr = { 0x20 } });
		if ((opts & 0x80) && b.len)
			buf[b.len - 1] ^= 1;
		rx.buf = buf;
		rx.len = b.len;
		rx.src_addr = flags & MIP4_F_D ? coa : home;
		rx.dst_addr = ttl & 1 ? FA_ALL_AGENTS : A4(198, 51, 100, 1);
		rx.src_port = 4000;
		rx.ifindex = PICK(ifindexes, c);
		rx.ttl = ttl;
		rx.lladdr = lladdr;
		rx.lladdr_len = (uint8_t)(ttl % (sizeof(lladdr) + 1));
		r = fa_reg_request(fa, &rx, &out);
		check_out(r, buf, b.len);
		break;
	}
	case 1:                      /* a raw request datagram */
	case 3: {                    /* a raw reply */
		size_t n = u8(c);
		n = MIN(n, c->n);
		memcpy(buf, c->p, n);
		c->p += n;
		c->n -= n;
		rx.buf = buf;
		rx.len = n;
		rx.ifindex = 2;
		rx.ttl = 255;
		if (op % 6 == 1) {
			r = fa_reg_request(fa, &rx, &out);
			if (r == FA_REG_TO_HA)
				check_out(r, buf, n);
			else
				check_out(r, NULL, 0);
		} else {
			r = fa_reg_reply(fa, &rx, &out, NULL, NULL);
			check_out(r, NULL, 0);
		}
		break;
	}
	case 2: {                    /* a reply from a home agent */
		uint32_t home = PICK(homes, c);
		uint8_t code = u8(c), opts = u8(c);
		uint16_t lt = u16(c);
		uint64_t id = pick_id(home, u8(c));
		if (opts & 1)
			code = (uint8_t)(opts >> 7);  /* accepted more often */
		mip4_put_reply(&b, code, lt, home, has[0], id);
		if (opts & 2) {
			struct in6_addr p = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x47 } };
			mip4_put_prefix_reply(&b, (opts >> 2) & 1, 64, &p);
		}
		if (!(opts & 8))
			mip4_put_auth(&b, MIP4_EXT_MH_AUTH, 300, KEY_MH, sizeof(KEY_MH));
		if (opts & 0x10)
			mip4_put_auth(&b, MIP4_EXT_FH_AUTH, 800, KEY_FH, opts & 0x20 ? 4 : 5);
		if (opts & 0x40)
			mip4_put_prefix_reply(&b, 1, 48, &(struct in6_addr){ .s6_addr = { 0x20 } });
		rx.buf = buf;
		rx.len = b.len;
		rx.src_addr = has[0];
		r = fa_reg_reply(fa, &rx, &out, NULL, NULL);
		check_out(r, NULL, 0);
		break;
	}
	case 4:                      /* time passes */
		now += u8(c);
		fa_reg_tick(fa, now, send_cb, NULL, NULL);
		check_state(true);
		return;
	default:                     /* ICMP about a home agent */
		fa_reg_ha_unreachable(fa, PICK(has, c), u8(c), now, send_cb, NULL);
		break;
	}
	check_state(false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };

	if (size > 8192)
		return 0;
	setup_cfg(u8(&c));
	now = T0;
	if (fa_reg_new(&cfg, &fa) < 0)
		abort();
	while (c.n)
		step(&c);
	fa_reg_free(fa);
	return 0;
}
