/* Fuzz the mobile node's registration client (src/mip4/mn_reg.c): a
 * sequence of inputs (away, home, timer, raw datagrams, well-formed
 * authenticated replies built from the fuzz bytes for the pending request,
 * new IPv6 requests, stop, state file round trips) drives one machine.
 * After every input the state must be legal (STYLE 13):
 *   - the state is a valid enum value; a request is pending exactly in
 *     REGISTERING, REREGISTERING and DEREGISTERING; REGISTERED and
 *     REREGISTERING hold a binding, IDLE and AT_HOME none; a care-of
 *     address exactly when away;
 *   - mn_reg_next_timeout() is in the future or UINT64_MAX, never later
 *     than the pending request's timer, FAILED's retry or the binding's end;
 *   - every request sent parses with the codec, is a Registration Request
 *     to the home agent whose Mobile-Home authenticator (last extension)
 *     verifies with the node's key; from home it is the RFC 5944 C.3
 *     deregistration (TTL 1, lifetime 0, care-of = home address, no IPv6),
 *     away it comes from the care-of address it names with at most one
 *     Tunneling Mode and only with prefixes; a configured home address is
 *     in every request; timestamps grow from request to request unless a
 *     133 came in between, nonces carry the home agent's last one;
 *   - a binding reported is no longer than requested and carries at most
 *     MN_REG_MAX_V6 results;
 *   - the foreign-agent mode (mn_reg_away_fa; FA-sourced replies with
 *     foreign agent codes, without Mobile-Home authentication, with or
 *     without a valid Mobile-Foreign one): its requests go to the agent
 *     last given, from the home address, TTL 255, naming the agent's
 *     care-of address, D clear, T G M only as offered, no Tunneling Mode,
 *     a Mobile-Foreign authenticator last exactly when an MN-FA key is
 *     configured; the lifetime is at most the configured one; the binding
 *     records the mode;
 *   - RFC 3519 (cfg.udp_tunnel from the 4th config byte): a UDP Tunnel
 *     Request exactly in requests from a co-located care-of address when
 *     configured (and, with auto, not refused at this address), covered
 *     by the MH auth, F exactly with force, never R, encapsulation 0 with
 *     Prefix Requests (then neither M nor G) and 4 without, D and T set;
 *     never through an agent nor from home; a binding has udp_tunnel only
 *     co-located and requested, keepalive >= 10 exactly then, else 0;
 *     v6_native exactly when a result is native_link.  Replies carry a
 *     UDP Tunnel Reply (none, before or after the MH auth; assenting or
 *     declining codes; keepalive 0, small, ordinary); rejection codes
 *     include 137 and 142; mn_reg_reregister is driven too.
 *
 * Input: [cfg:4] then steps [op:1][args...] (see step()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/log.h"
#include "common/util.h"
#include "mip4/mn_reg.h"
#include "wire/agentadv.h"
#include "wire/mip4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const uint8_t KEY[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
#define SPI 0x1234u
#define NAI "mn1@example.net"
#define T0 1700000000LL

/* network order constants */
#define A4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HOME A4(192, 0, 2, 10)
#define HA A4(192, 0, 2, 1)

static const char *const v6_table[] = {
	"2001:db8:46:1::", "2001:db8:46::10", "::", "::211:22ff:fe33:4455",
	"2001:db8:99::211:22ff:fe33:4455", "2001:db8:77::", "fe80::c000:20a", "fe80::",
	"::1", "ff02::1", "::ffff:192.0.2.1", "2001:db8::",
};
static const uint8_t plen_table[] = { 64, 128, 0, 48, 56, 255, 32, 127 };
static const uint8_t code_table[] = { 0, 1, 133, 128, 129, 131, 64, 136, 139, 2, 255, 142, 137 };
static const uint8_t v6_code_table[] = { 0, 1, 8, 9, 10, 11, 2, 255 };
static const uint8_t fa_code_table[] = { 65, 69, 78, 64, 67, 194, 75, 76, 99, 100 };
static const uint8_t MFKEY[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
#define MFSPI 0x5678u

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

static struct in6_addr v6_of(uint8_t k)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, v6_table[k % ARRAY_SIZE(v6_table)], &a) != 1)
		abort();
	return a;
}

static uint32_t coa_of(uint8_t k)
{
	const uint32_t t[] = {
		A4(198, 51, 100, 20), A4(203, 0, 113, 30), A4(198, 51, 100, 99), A4(10, 0, 0, 1),
		A4(192, 0, 2, 10) /* home: rejected */, A4(192, 0, 2, 1) /* HA: rejected */,
		A4(224, 0, 0, 1), A4(192, 0, 2, 77),
	};
	return t[k % ARRAY_SIZE(t)];
}

struct h {
	struct mn_reg m;
	struct mn_reg_out out;
	uint64_t now;
	uint32_t rnd;
	uint64_t last_id;            /* of the last request sent */
	uint64_t resyncs;            /* m.stats.resyncs then */
	uint32_t fa, fa_coa;         /* the last mn_reg_away_fa accepted */
	uint16_t fa_offered;
	bool udp_off_pre;            /* m.udp_off before the call (mn_reg_stop
	                                builds its request, then forgets it) */
};
static struct h H;

static struct mn_reg_now at(void)
{
	H.rnd = H.rnd * 1103515245u + 12345u;
	return (struct mn_reg_now){ .ms = H.now,
				    .unix_sec = T0 + (int64_t)(H.now / 1000),
				    .unix_nsec = (uint32_t)(H.now % 1000) * 1000000u,
				    .random = H.rnd };
}

static void check_request(const struct mn_reg *m, const struct mn_reg_out *o)
{
	static struct mip4_reg r;
	enum mip4_err why;

	if (o->len == 0 || o->len > sizeof(o->msg))
		abort();
	if (mip4_reg_parse(o->msg, o->len, &r, &why) < 0)
		abort();
	bool fa = o->ttl == MN_REG_TTL_FA;
	size_t mh_end = o->len;

	if (r.type != MIP4_REG_REQUEST || r.home_agent != m->cfg.home_agent)
		abort();
	if (fa ? o->dst != H.fa : o->dst != m->cfg.home_agent)
		abort();
	if (fa && m->cfg.mf_key_len) {
		/* RFC 5944 3.6.1.3: Mobile-Foreign auth last */
		if (!r.mf.present || r.mf.spi != MFSPI ||
		    (size_t)r.mf.off + 6 + MIP4_AUTH_LEN != o->len || r.mf.off < r.mh.off ||
		    mip4_auth_verify(o->msg, o->len, &r.mf, MFKEY, sizeof(MFKEY)) != 0)
			abort();
		mh_end = r.mf.off;
	} else if (r.mf.present) {
		abort();
	}
	if (!r.mh.present || r.mh.spi != SPI || (size_t)r.mh.off + 6 + MIP4_AUTH_LEN != mh_end)
		abort();
	if (mip4_auth_verify(o->msg, o->len, &r.mh, KEY, sizeof(KEY)) != 0)
		abort();
	if (r.flags & (MIP4_F_S | MIP4_F_B | MIP4_F_R | MIP4_F_X))
		abort();
	if (m->cfg.nai[0] && r.nai_len != strlen(m->cfg.nai))
		abort();
	if (r.n_tunnel_mode > 1 || (r.n_tunnel_mode && !r.n_prefix) || r.n_prefix > MN_REG_MAX_V6)
		abort();
	if (r.n_tunnel_mode && !mip4_covered_by_mh(&r, r.tunnel_mode_off))
		abort();
	for (unsigned i = 0; i < r.n_prefix; i++)
		if (!mip4_covered_by_mh(&r, r.prefix[i].off))
			abort();
	if (m->cfg.home_addr && r.home_addr != m->cfg.home_addr)
		abort();
	/* RFC 5944 5.7: timestamps grow (a 133 may move them back once);
	 * nonces carry the home agent's last nonce */
	if (m->cfg.replay == MN_REPLAY_TIMESTAMPS && m->stats.resyncs == H.resyncs &&
	    r.id <= H.last_id)
		abort();
	if (m->cfg.replay == MN_REPLAY_NONCES && (uint32_t)(r.id >> 32) != m->nonce)
		abort();
	H.last_id = r.id;
	H.resyncs = m->stats.resyncs;
	/* RFC 3519 3.1, 4.4, RFC 5454 3.9 */
	bool home_dereg = !fa && o->ttl == MN_REG_TTL_DEREG;
	bool udp_want = !fa && !home_dereg && m->cfg.udp_tunnel != MN_REG_UDP_TUNNEL_OFF &&
			!(m->cfg.udp_tunnel == MN_REG_UDP_TUNNEL_AUTO &&
			  (m->state == MN_REG_IDLE ? H.udp_off_pre : m->udp_off));
	if (r.has_udp_tun != udp_want)
		abort();
	if (r.has_udp_tun) {
		uint8_t encap = r.n_prefix ? 0 : 4;
		bool force = m->cfg.udp_tunnel == MN_REG_UDP_TUNNEL_FORCE;
		size_t off = MIP4_REQ_FIXED_LEN;
		while (off < o->len && o->msg[off] != MIP4_EXT_UDP_TUN_REQUEST)
			off += 2u + o->msg[off + 1];
		if (off >= o->len || !mip4_covered_by_mh(&r, (uint16_t)off) ||
		    r.udp_tun_encap != encap || r.udp_tun_flags != (force ? 0x80 : 0) ||
		    !(r.flags & MIP4_F_D) || !(r.flags & MIP4_F_T) ||
		    (encap == 0 && (r.flags & (MIP4_F_M | MIP4_F_G))))
			abort();
	}
	if (fa) {
		/* RFC 5944 3.6.1.1, 3.6.1.2, RFC 3024: through the agent */
		uint8_t allowed = 0;
		if (m->cfg.reverse_tunnel && (H.fa_offered & AGENTADV_F_T))
			allowed |= MIP4_F_T;
		if (m->cfg.encap == ENCAP4_GRE && (H.fa_offered & AGENTADV_F_G))
			allowed |= MIP4_F_G;
		if (m->cfg.encap == ENCAP4_MINIMAL && (H.fa_offered & AGENTADV_F_M))
			allowed |= MIP4_F_M;
		if (r.flags != allowed || o->src != r.home_addr || r.n_tunnel_mode ||
		    r.lifetime > m->cfg.lifetime ||
		    (r.coa != H.fa_coa && !(r.lifetime == 0 && r.coa == r.home_addr)))
			abort();
	} else if (o->ttl == MN_REG_TTL_DEREG) {
		/* RFC 5944 C.3 from home */
		if (r.lifetime != 0 || r.flags != 0 || r.coa != r.home_addr || o->src != r.home_addr ||
		    r.home_addr == 0 || r.n_prefix || r.n_tunnel_mode)
			abort();
	} else {
		/* from the care-of address it names; mn_reg_stop during a move
		 * names the home address (every binding) */
		if (o->ttl != MN_REG_TTL || r.coa == 0 || !(r.flags & MIP4_F_D) ||
		    (o->src != r.coa && !(r.lifetime == 0 && r.coa == r.home_addr)))
			abort();
		if (r.lifetime && r.lifetime != m->cfg.lifetime)
			abort();
	}
}

static void check(const struct mn_reg *m, const struct mn_reg_out *o, uint64_t now)
{
	uint64_t t = mn_reg_next_timeout(m);
	bool pend_state = m->state == MN_REG_REGISTERING || m->state == MN_REG_REREGISTERING ||
			  m->state == MN_REG_DEREGISTERING;

	if ((unsigned)m->state >= MN_REG_STATE_COUNT)
		abort();
	if (m->pending != pend_state)
		abort();
	if ((m->state == MN_REG_REGISTERED || m->state == MN_REG_REREGISTERING) && !m->bound)
		abort();
	if ((m->state == MN_REG_IDLE || m->state == MN_REG_AT_HOME) && m->bound)
		abort();
	if ((m->state == MN_REG_IDLE || m->state == MN_REG_AT_HOME ||
	     m->state == MN_REG_DEREGISTERING) != (m->coa == 0))
		abort();
	if (m->state == MN_REG_REREGISTERING && (m->b.coa != m->coa || m->b.fa != m->fa))
		abort();
	if ((m->fa && !m->coa) || (m->bound && m->b.colocated != (m->b.fa == 0)))
		abort();
	if (m->pending && m->p.via_fa != (m->p.dst != m->cfg.home_agent))
		abort();
	if (t != UINT64_MAX && t <= now)
		abort();
	if (m->pending && (t > m->p.tx_at || m->p.tx_at <= now ||
			   m->p.tx_count > m->cfg.retrans_tries || m->p.tx_count == 0))
		abort();
	if (m->state == MN_REG_FAILED && (m->hold_until == UINT64_MAX || t > m->hold_until))
		abort();
	if (m->bound && (t > m->b.expires_ms || m->b.lifetime == 0 ||
			 m->b.lifetime > m->cfg.lifetime || m->b.n_v6 > MN_REG_MAX_V6))
		abort();
	if (m->state == MN_REG_REGISTERED && t > m->b.renew_ms)
		abort();
	if (o->send)
		check_request(m, o);
	if (o->events & MN_EV_REGISTERED) {
		const struct mn_reg_binding *b = &o->binding;
		if (b->lifetime == 0 || b->lifetime > m->cfg.lifetime || b->n_v6 > MN_REG_MAX_V6 ||
		    b->home_addr == 0 || b->coa == 0)
			abort();
		for (unsigned i = 0; i < b->n_v6; i++)
			if ((unsigned)b->v6[i].outcome >= MN_V6_OUTCOME_COUNT ||
			    (b->v6[i].outcome == MN_V6_ACCEPTED) != (b->v6[i].mode != MIP_V6_NONE) ||
			    (b->v6[i].native_link &&
			     (b->colocated || b->v6[i].code != MIP4_V6_ACCEPT_COA)))
				abort();
		if (b->colocated ? (b->fa != 0 || !(b->flags & MIP4_F_D))
				 : (b->fa != H.fa || (b->flags & MIP4_F_D)))
			abort();
		bool native = false;
		for (unsigned i = 0; i < b->n_v6; i++)
			native |= b->v6[i].native_link;
		if (native != b->v6_native)
			abort();
		if (b->udp_tunnel ? (!b->colocated || b->keepalive < 10 ||
				     m->cfg.udp_tunnel == MN_REG_UDP_TUNNEL_OFF)
				  : b->keepalive != 0)
			abort();
	}
	if ((o->events & MN_EV_LOST) && (unsigned)o->lost >= MN_LOST_COUNT)
		abort();
	if ((o->events & MN_EV_DEREGISTERED) && m->state != MN_REG_AT_HOME)
		abort();
}

/* A reply to the pending request (or to a made-up one), authenticated with
 * the node's key unless the fuzzer says otherwise. */
static size_t build_reply(struct in *in, uint8_t *buf, size_t cap)
{
	struct mn_reg *m = &H.m;
	struct mip4_buf b;
	uint8_t f = u8(in), c = u8(in);
	uint8_t code = c & 0x80 ? c : code_table[c % ARRAY_SIZE(code_table)];
	/* through a foreign agent: its codes, MF auth (valid, none, bad) */
	uint8_t mfb = m->p.via_fa ? u8(in) : 0;
	uint16_t life = f & 0x01 ? u16(in) : (f & 0x02 ? 0 : m->cfg.lifetime);
	uint32_t home = f & 0x04 ? coa_of(u8(in)) : (m->home_addr ? m->home_addr : A4(192, 0, 2, 77));
	uint64_t id = m->p.id;
	uint8_t npx = u8(in), np = (npx & 0x3f) % 6;
	/* RFC 3519 3.2 UDP Tunnel Reply: where (none, before the MH auth,
	 * after it), code (assent 0-7, decline 64-95), keepalive (0, 3-45) */
	uint8_t ut = u8(in), ut_at = ut & 3;
	uint8_t ut_code = ut & 0x04 ? (uint8_t)(0x40 | ut >> 3) : (uint8_t)(ut >> 5);
	uint16_t ut_ka = ut & 0x08 ? 0 : (uint16_t)((ut >> 4) * 3);
	bool after = npx & 0x80;     /* Prefix Replies after the MH auth */
	static const uint8_t other_key[16] = { 1 };

	if (f & 0x08)
		id = (uint64_t)u32(in) << 32 | (uint32_t)id;
	if (f & 0x10)
		id ^= u8(in);
	if (mfb & 0x04)
		code = fa_code_table[(mfb >> 3) % ARRAY_SIZE(fa_code_table)];
	mip4_buf_init(&b, buf, cap);
	if (mip4_put_reply(&b, code, life, home, f & 0x20 ? A4(192, 0, 2, 2) : HA, id) < 0)
		return 0;
	if (f & 0x40) {
		const char *nai = u8(in) & 1 ? NAI : "other@x";
		mip4_put_nai(&b, nai, strlen(nai));
	}
	if (after && !(f & 0x80))
		mip4_put_auth(&b, MIP4_EXT_MH_AUTH, SPI, npx & 0x40 ? other_key : KEY, sizeof(KEY));
	for (unsigned i = 0; i < np; i++) {
		uint8_t k = u8(in), pl = u8(in), pc = u8(in);
		struct in6_addr a = v6_of(k);
		uint8_t plen = pl & 0x80 ? pl % 129 : plen_table[pl % ARRAY_SIZE(plen_table)];
		if (k & 0x80 && m->p.n_v6) {                  /* echo a request */
			a = m->p.v6[k % m->p.n_v6].prefix;
			plen = m->p.v6[k % m->p.n_v6].plen;
		}
		if (k & 0x40)
			a.s6_addr[15] ^= pl;
		mip4_put_prefix_reply(&b, v6_code_table[pc % ARRAY_SIZE(v6_code_table)], plen, &a);
	}
	if (ut_at == 1 || ut_at == 3)
		mip4_put_udp_tun_reply(&b, ut & 0x80, ut_code, ut_ka);
	if (!after && !(f & 0x80))
		mip4_put_auth(&b, MIP4_EXT_MH_AUTH, c == 0x7f ? SPI + 1 : SPI,
			      npx & 0x40 ? other_key : KEY, sizeof(KEY));
	if (ut_at == 2)
		mip4_put_udp_tun_reply(&b, 0, ut_code, ut_ka);
	if (m->p.via_fa && (mfb & 3) != 1)
		mip4_put_auth(&b, MIP4_EXT_MF_AUTH, mfb & 0x80 ? MFSPI + 1 : MFSPI,
			      (mfb & 3) == 2 ? other_key : MFKEY, sizeof(MFKEY));
	return b.len;
}

static void set_v6(struct in *in)
{
	struct mip_prefix v[MN_REG_MAX_V6 + 1];
	uint8_t n = u8(in), ll = n & 0x80;
	struct mn_reg_now now = at();

	n = (uint8_t)(n % (MN_REG_MAX_V6 + 2));
	memset(v, 0, sizeof(v));
	for (unsigned i = 0; i < n; i++) {
		uint8_t k = u8(in), pl = u8(in);
		v[i].prefix = v6_of(k);
		v[i].plen = pl & 0x80 ? pl : plen_table[pl % ARRAY_SIZE(plen_table)];
	}
	int r = mn_reg_set_v6(&H.m, &now, v, n, ll, &H.out);
	bool ok = n + (ll ? 1u : 0u) <= MN_REG_MAX_V6;
	for (unsigned i = 0; i < n; i++)
		ok = ok && v[i].plen <= 128;
	if ((r == 0) != ok)
		abort();
}

static void step(struct in *in)
{
	uint8_t op = u8(in);
	struct mn_reg_now now;
	uint8_t buf[1024];
	size_t len;

	H.udp_off_pre = H.m.udp_off;

	switch (op % 10) {
	case 0:
		if (op & 0x80) {      /* through a foreign agent */
			const uint32_t fas[] = {
				A4(198, 51, 100, 1), A4(203, 0, 113, 1), A4(198, 51, 100, 20),
				A4(192, 0, 2, 1) /* HA: rejected */,
			};
			uint32_t fa = fas[u8(in) % ARRAY_SIZE(fas)], coa = coa_of(u8(in));
			uint16_t offered = u16(in);
			now = at();
			int r = mn_reg_away_fa(&H.m, &now, fa, coa, offered, &H.out);
			bool bad = coa == H.m.home_addr || coa == HA || coa == A4(224, 0, 0, 1) ||
				   fa == HA || fa == H.m.home_addr;
			if ((r < 0) != bad)
				abort();
			if (r == 0) {
				H.fa = fa;
				H.fa_coa = coa;
				H.fa_offered = offered;
				if (H.m.fa != fa || H.m.coa != coa)
					abort();
			}
			break;
		} else {
		uint32_t coa = coa_of(u8(in));
		now = at();
		int r = mn_reg_away(&H.m, &now, coa, &H.out);
		bool bad = coa == H.m.home_addr || coa == HA || coa == A4(224, 0, 0, 1);
		if ((r < 0) != bad)
			abort();
		if (r == 0 && H.m.fa)
			abort();
		break;
	}
	case 1:
		now = at();
		if (op & 0x80) {      /* RFC 3519 4.10, RFC 5944 2.4.4 */
			bool away = H.m.state == MN_REG_REGISTERING ||
				    H.m.state == MN_REG_REGISTERED ||
				    H.m.state == MN_REG_REREGISTERING || H.m.state == MN_REG_FAILED;
			int r = mn_reg_reregister(&H.m, &now, &H.out);
			if ((r == 0) != away || (r == 0 && !H.out.send && H.m.p.len))
				abort();
			break;
		}
		mn_reg_home(&H.m, &now, &H.out);
		break;
	case 2: {                     /* the timer fires (or early) */
		uint64_t t = mn_reg_next_timeout(&H.m);
		if (t != UINT64_MAX && t > H.now)
			H.now = op & 0x80 ? t - 1 : t;
		now = at();
		mn_reg_tick(&H.m, &now, &H.out);
		break;
	}
	case 3:
		H.now += (uint64_t)u16(in) * (op & 0x80 ? 1000 : 1);
		now = at();
		mn_reg_tick(&H.m, &now, &H.out);
		break;
	case 4:                       /* raw bytes */
		len = u8(in);
		if (len > in->n)
			len = in->n;
		now = at();
		mn_reg_recv(&H.m, &now, in->d, len, op & 0x80 ? A4(192, 0, 2, 2) : HA, &H.out);
		in->d += len;
		in->n -= len;
		break;
	case 5:
	case 6: {                     /* a well-formed reply, from where the
	                                 request went (the HA, or the FA) */
		uint32_t src = H.m.pending ? H.m.p.dst : HA;
		if ((op & 0x80) && op % 10 == 6)
			src = HA;             /* the HA while through an agent */
		len = build_reply(in, buf, sizeof(buf));
		H.now += u8(in);
		now = at();
		mn_reg_recv(&H.m, &now, buf, len, src, &H.out);
		break;
	}
	case 7:
		set_v6(in);
		break;
	case 8:
		now = at();
		mn_reg_stop(&H.m, &now, op & 0x80, &H.out);
		if (H.m.state != MN_REG_IDLE || H.m.bound || H.m.pending)
			abort();
		break;
	case 9: {                     /* the state file */
		struct mn_reg_persist p;
		mn_reg_export(&H.m, &p);
		if (H.m.cfg.home_addr && p.home_addr)
			abort();
		int r = mn_reg_restore(&H.m, &p);
		if ((r == 0) != (H.m.state == MN_REG_IDLE))
			abort();
		return;               /* out untouched */
	}
	}
	check(&H.m, &H.out, H.now);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", false, LOG_CRIT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t lifetimes[] = { 1800, 3, 1, 100, MN_REG_LIFETIME_INFINITE, 600, 10, 65534 };
	static const enum encap4_kind encaps[] = { ENCAP4_IPIP, ENCAP4_GRE, ENCAP4_MINIMAL, ENCAP4_IPIP };
	struct in in = { data, size };
	struct mn_reg_config c = { 0 };
	uint8_t f = u8(&in), g = u8(&in), nv = u8(&in), sd = u8(&in);

	if (size > 4096)
		return 0;
	c.home_addr = f & 0x01 ? 0 : HOME;
	c.home_agent = HA;
	if (f & 0x03)
		strcpy(c.nai, NAI);
	c.spi = SPI;
	memcpy(c.key, KEY, sizeof(KEY));
	c.key_len = sizeof(KEY);
	c.replay = f & 0x04 ? MN_REPLAY_NONCES : MN_REPLAY_TIMESTAMPS;
	c.lifetime = lifetimes[(f >> 3) & 7];
	c.encap = encaps[(f >> 6) & 3];
	c.reverse_tunnel = g & 0x01;
	c.tunnel_mode = g & 0x02;
	c.v6_link_local = g & 0x04;
	c.retrans_tries = 1u + ((g >> 3) & 7);
	c.retrans_max_ms = 1000u * (1u + (g >> 6) * 5);
	c.n_v6 = (uint8_t)(nv % (MN_REG_MAX_V6 + 1 - (c.v6_link_local ? 1 : 0)));
	c.udp_tunnel = (enum mn_reg_udp_tunnel)(sd % MN_REG_UDP_TUNNEL_COUNT);
	if (nv & 0x80) {             /* an MN-FA security association */
		c.mf_spi = MFSPI;
		memcpy(c.mf_key, MFKEY, sizeof(MFKEY));
		c.mf_key_len = sizeof(MFKEY);
	}
	for (unsigned i = 0; i < c.n_v6; i++) {
		c.v6[i].prefix = v6_of((uint8_t)(i * 7 + nv));
		c.v6[i].plen = plen_table[(i + sd) % ARRAY_SIZE(plen_table)];
		if (c.v6[i].plen > 128)
			c.v6[i].plen = 128;
	}
	if (mn_reg_init(&H.m, &c) != 0)
		abort();
	H.now = (uint64_t)sd * 1000;
	H.rnd = sd;
	H.last_id = 0;
	H.resyncs = 0;
	H.fa = H.fa_coa = 0;
	H.fa_offered = 0;
	memset(&H.out, 0, sizeof(H.out));
	while (in.n)
		step(&in);
	return 0;
}
