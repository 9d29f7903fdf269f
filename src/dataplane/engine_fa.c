/* The tunnel engine's foreign agent role.  See engine_fa.h for the
 * contract. */
#include "dataplane/engine_fa.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dataplane/engine_mip.h"

/* A visitor is a slot of e->bindings: v4 = home address, expires, and
 * mip.coa, mip.encap, mip.flags (FA_F_*), mip.n_prefix, mip.fa_ha = its
 * home agent, mip.fa_agent = our address it registered through. */
#define FA_F_REVTUN4 0x1u
#define FA_F_V6_NATIVE 0x2u
#define FA_F_ENCAP_DELIVERY 0x4u

static bool addr4_ok(uint32_t a)
{
	return (a >> 24) != 0;
}

static bool ll6(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

int dp_fa_visitor_set(struct dp_engine *e, const struct dp_fa_visitor *v)
{
	struct binding *b;

	if (e->role != DP_ROLE_MIP_FA || !addr4_ok(v->home) || !addr4_ok(v->ha) ||
	    !addr4_ok(v->coa) ||
	    (v->encap != ENCAP4_IPIP && v->encap != ENCAP4_GRE && v->encap != ENCAP4_MINIMAL))
		return -EINVAL;
	b = binding_get(&e->bindings, v->home);
	if (!b) {
		static const struct in6_addr none;
		int r = binding_set(&e->bindings, v->home, &none, v->expires, &b);
		if (r < 0)
			return r;
		b->mip.n_prefix = 0;
		e->mip.n_visitors++;
	}
	b->expires = v->expires;
	b->mip.coa = v->coa;
	b->mip.encap = (uint8_t)v->encap;
	b->mip.flags = (uint8_t)((v->revtun4 ? FA_F_REVTUN4 : 0) | (v->v6_native ? FA_F_V6_NATIVE : 0) |
				 (v->encap_delivery ? FA_F_ENCAP_DELIVERY : 0));
	b->mip.fa_agent = v->agent ? v->agent : v->coa;
	b->mip.v6_mode = 0;
	b->mip.n_sim = 0;
	b->mip.fa_ha = v->ha;
	return 0;
}

int dp_fa_visitor_get(const struct dp_engine *e, uint32_t home, struct dp_fa_visitor *v)
{
	const struct binding *b = e->role == DP_ROLE_MIP_FA ? binding_get(&e->bindings, home) : NULL;

	if (!b)
		return -ENOENT;
	memset(v, 0, sizeof(*v));
	v->home = b->v4;
	v->ha = b->mip.fa_ha;
	v->coa = b->mip.coa;
	v->encap = (enum encap4_kind)b->mip.encap;
	v->revtun4 = b->mip.flags & FA_F_REVTUN4;
	v->v6_native = b->mip.flags & FA_F_V6_NATIVE;
	v->encap_delivery = b->mip.flags & FA_F_ENCAP_DELIVERY;
	v->agent = b->mip.fa_agent;
	v->expires = b->expires;
	return 0;
}

int dp_fa_visitor_del(struct dp_engine *e, uint32_t home)
{
	struct binding *b = e->role == DP_ROLE_MIP_FA ? binding_get(&e->bindings, home) : NULL;

	if (!b)
		return -ENOENT;
	if (b->mip.n_prefix)
		prefix6_del_value(&e->mip.prefixes, home);
	binding_del(&e->bindings, home);
	e->mip.n_visitors--;
	return 0;
}

int dp_fa_prefix_add(struct dp_engine *e, uint32_t home, const struct in6_addr *p, uint8_t plen)
{
	uint32_t v;

	if (e->role != DP_ROLE_MIP_FA || plen > 128 || (plen >= 10 && ll6(p)))
		return -EINVAL;
	struct binding *b = binding_get(&e->bindings, home);
	if (!b)
		return -ENOENT;
	if (prefix6_get(&e->mip.prefixes, p, plen, &v) == 0)
		return v == home ? 0 : -EEXIST;
	int r = prefix6_add(&e->mip.prefixes, p, plen, home);
	if (r < 0)
		return r;
	b->mip.n_prefix++;
	return 0;
}

int dp_fa_prefix_del(struct dp_engine *e, uint32_t home, const struct in6_addr *p, uint8_t plen)
{
	uint32_t v;

	if (e->role != DP_ROLE_MIP_FA || plen > 128 ||
	    prefix6_get(&e->mip.prefixes, p, plen, &v) < 0 || v != home)
		return -ENOENT;
	int r = prefix6_del(&e->mip.prefixes, p, plen);
	if (r < 0)
		return r;
	struct binding *b = binding_get(&e->bindings, home);
	if (b && b->mip.n_prefix)
		b->mip.n_prefix--;
	return 0;
}

size_t dp_fa_visitor_count(const struct dp_engine *e)
{
	return e->role == DP_ROLE_MIP_FA ? e->mip.n_visitors : 0;
}

/* ---- packets ---------------------------------------------------------------------- */

static bool expired(uint32_t expires, uint32_t now)
{
	return expires && expires <= now;
}

static bool mc6(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

/* The live visitor with home address home, or NULL (counted). */
static struct binding *fa_live(struct dp_engine *e, uint32_t home, struct dp_out *o)
{
	struct binding *b = binding_get(&e->bindings, home);
	if (!b) {
		dp_drop(o, &e->st.drop_fa_no_visitor, "not a visitor");
		return NULL;
	}
	if (expired(b->expires, e->now)) {
		dp_drop(o, &e->st.drop_fa_expired, "visitor's registration has expired");
		return NULL;
	}
	return b;
}

/* RFC 3024 5.2: pkt[0 .. len) (headroom octets free in front) from the
 * visitor b to its home agent, from its care-of address. */
static void fa_revtun(struct dp_engine *e, struct binding *b, uint8_t *pkt, size_t len,
		      size_t headroom, struct dp_out *o)
{
	struct dp_mip_path p = { .src = b->mip.coa, .dst = b->mip.fa_ha,
				 .kind = (enum encap4_kind)b->mip.encap };

	if (pkt[0] >> 4 == 4) {
		uint16_t mtu = dp_mip_df_mtu(e, &p, pkt, len);
		if (mtu) {
			dp_mip_icmp4_back(e, pkt, len, ICMP4_CODE_FRAG_NEEDED, mtu, b->mip.coa, o,
					  &e->st.drop_too_big, "larger than the path MTU with DF set");
			return;
		}
	} else {
		/* RFC 4213 3.2: the static IPv6 tunnel MTU, lowered by the path */
		uint32_t mtu6 = dp_mip_v6_mtu(e, &p, pkt);
		if (len > mtu6) {
			dp_mip_icmp6_back(e, pkt, len, ICMP6_PACKET_TOO_BIG, 0, mtu6, o,
					  &e->st.drop_too_big, "larger than the IPv6 tunnel MTU");
			return;
		}
	}
	if (!dp_mip_path_send(e, &p, pkt, len, headroom, o, "cannot encapsulate"))
		return;
	e->st.fa_revtun++;
	b->pkts_out++;
	b->bytes_out += len;
}

/* From the visitor link (the policy rules route a visitor's packets into
 * the TUN): RFC 3024 direct delivery; RFC 5454 3.4 all IPv6 of a
 * v6_native visitor. */
void dp_fa_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	enum ip_drop why = IP_DROP_NONE;
	struct binding *b;

	if (len >= 1 && pkt[0] >> 4 == 4) {
		struct ip4_view v;
		if (ip4_parse(pkt, len, &v, &why) < 0) {
			dp_mip_malformed(e, why, o);
			return;
		}
		b = fa_live(e, v.src, o);
		if (!b)
			return;
		if (!(b->mip.flags & FA_F_REVTUN4)) {
			dp_drop(o, &e->st.drop_fa_no_revtun, "reverse tunnelling was not granted");
			return;
		}
		if (b->mip.flags & FA_F_ENCAP_DELIVERY) {
			/* RFC 3024 5.2.1: MUST NOT be reverse-tunnelled */
			dp_drop(o, &e->st.drop_fa_direct,
				"direct delivery from a visitor that asked for encapsulating delivery");
			return;
		}
		fa_revtun(e, b, pkt, v.total_len, DP_HEADROOM, o);
		return;
	}
	if (len < 1 || pkt[0] >> 4 != 6) {
		dp_mip_malformed(e, len ? IP_DROP_BAD_VERSION : IP_DROP_TRUNCATED, o);
		return;
	}
	struct ip6_view v;
	uint32_t home;
	if (ip6_parse(pkt, len, &v, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	if (ll6(&v.src)) {
		dp_drop(o, &e->st.drop_link_local, "link-local source stays on the visitor link");
		return;
	}
	if (prefix6_lookup(&e->mip.prefixes, &v.src, &home, NULL) < 0) {
		dp_drop(o, &e->st.drop_fa_bad_inner6, "source is not under a visitor's prefix");
		return;
	}
	b = fa_live(e, home, o);
	if (!b)
		return;
	if (!(b->mip.flags & FA_F_V6_NATIVE)) {
		dp_drop(o, &e->st.drop_fa_not_native, "visitor's IPv6 is not native here");
		return;
	}
	fa_revtun(e, b, pkt, IP6_HDR_LEN + (size_t)v.payload_len, DP_HEADROOM, o);
}

/* RFC 3024 5.2: encapsulating delivery, from the visitor's home address
 * to its care-of address or to the agent address it registered through
 * (5.2.2: the source of its last accepted reply), the inner source that
 * home address: re-tunnelled to the home agent. */
static void fa_encap_delivery(struct dp_engine *e, const struct encap4_view *v,
			      const struct ip4_view *iv, uint8_t *pkt, struct dp_out *o)
{
	struct binding *b = fa_live(e, iv->src, o);
	if (!b)
		return;
	if (v->outer.dst != b->mip.coa && v->outer.dst != b->mip.fa_agent) {
		dp_drop(o, &e->st.drop_fa_not_our_coa, "not addressed to the visitor's care-of address");
		return;
	}
	if (!(b->mip.flags & FA_F_REVTUN4)) {
		dp_drop(o, &e->st.drop_fa_no_revtun, "reverse tunnelling was not granted");
		return;
	}
	if (!dp_mip_ecn_ok(e, v->outer.tos, v->inner, v->inner_len, o))
		return;
	e->st.fa_encap_delivery++;
	/* the I/O loop reads tunnel packets DP_HEADROOM into their slot */
	fa_revtun(e, b, v->inner, v->inner_len, (size_t)(v->inner - pkt) + DP_HEADROOM, o);
}

/* RFC 5944 4.2.2: from a visitor's home agent to its care-of address,
 * for the visitor (IPv6: under the prefix of a v6_native one). */
void dp_fa_tunnel_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct encap4_view v;
	enum ip_drop why = IP_DROP_NONE;
	struct binding *b;

	if (encap4_decap(pkt, len, &v, &why) < 0) {
		dp_mip_malformed(e, why, o);
		return;
	}
	if (v.inner_family == 4) {
		struct ip4_view iv;
		if (ip4_parse(v.inner, v.inner_len, &iv, &why) < 0) {
			dp_mip_malformed(e, why, o);
			return;
		}
		if (v.kind != ENCAP4_6IN4 && iv.src == v.outer.src &&
		    binding_get(&e->bindings, iv.src)) {
			fa_encap_delivery(e, &v, &iv, pkt, o);
			return;
		}
		b = fa_live(e, iv.dst, o);
	} else {
		struct ip6_view v6;
		uint32_t home;
		if (ip6_parse(v.inner, v.inner_len, &v6, &why) < 0) {
			dp_mip_malformed(e, why, o);
			return;
		}
		if (mc6(&v6.dst) || ll6(&v6.dst)) {
			dp_drop(o, mc6(&v6.dst) ? &e->st.drop_multicast : &e->st.drop_link_local,
			     "multicast or link-local destination from a tunnel");
			return;
		}
		if (prefix6_lookup(&e->mip.prefixes, &v6.dst, &home, NULL) < 0) {
			dp_drop(o, &e->st.drop_fa_no_visitor, "destination is not under a visitor's prefix");
			return;
		}
		b = fa_live(e, home, o);
		if (b && !(b->mip.flags & FA_F_V6_NATIVE)) {
			dp_drop(o, &e->st.drop_fa_not_native, "visitor's IPv6 is not native here");
			return;
		}
	}
	if (!b)
		return;
	if (v.outer.src != b->mip.fa_ha) {
		dp_drop(o, &e->st.drop_fa_not_from_ha, "not from the visitor's home agent");
		return;
	}
	if (v.outer.dst != b->mip.coa) {
		dp_drop(o, &e->st.drop_fa_not_our_coa, "not addressed to the visitor's care-of address");
		return;
	}
	if (!dp_mip_ecn_ok(e, v.outer.tos, v.inner, v.inner_len, o))
		return;
	e->st.fa_decap++;
	b->pkts_in++;
	b->bytes_in += v.inner_len;
	o->verdict = DP_TO_TUN;
	o->pkt = v.inner;
	o->len = v.inner_len;
	e->st.tx_tun++;
}
