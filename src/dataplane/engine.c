#include "dataplane/engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/engine_mip.h"

const char *const dp_stat_names[] = {
#define X(n) #n,
	DP_COUNTERS(X)
#undef X
};

size_t dp_stat_count(void)
{
	return ARRAY_SIZE(dp_stat_names);
}

uint64_t dp_stat_get(const struct dp_stats *s, size_t i)
{
	const uint64_t *v = (const uint64_t *)s;
	return i < dp_stat_count() ? v[i] : 0;
}

void dp_stats_foreach(const struct dp_stats *s, void (*cb)(void *arg, const char *name, uint64_t v),
		      void *arg)
{
	for (size_t i = 0; i < dp_stat_count(); i++)
		cb(arg, dp_stat_names[i], dp_stat_get(s, i));
	for (int i = IP_DROP_NONE + 1; i < IP_DROP__MAX; i++) {
		char name[64];
		snprintf(name, sizeof(name), "ip_drop_%s", ip_drop_name((enum ip_drop)i));
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		cb(arg, name, s->ip_drops[i]);
	}
}

int dp_init(struct dp_engine *e, enum dp_role role, uint32_t bindings_hint)
{
	memset(e, 0, sizeof(*e));
	e->role = role;
	e->tunnel_mtu = DP_DEFAULT_TUNNEL_MTU;
	e->learn_lifetime = 3600;
	e->learn_max = 1u << 20;
	if (role == DP_ROLE_DSTM_TEP)
		return binding_table_init(&e->bindings, bindings_hint);
	if (role == DP_ROLE_MIP_HA || role == DP_ROLE_MIP_MN || role == DP_ROLE_MIP_FA)
		return dp_mip_init(e, bindings_hint);
	return 0;
}

void dp_free(struct dp_engine *e)
{
	if (e->role == DP_ROLE_MIP_HA || e->role == DP_ROLE_MIP_MN || e->role == DP_ROLE_MIP_FA)
		dp_mip_free(e);
	if (e->bindings.slots)
		binding_table_free(&e->bindings);
}

static bool parse4(struct dp_engine *e, const uint8_t *pkt, size_t len, struct ip4_view *v,
		   struct dp_out *o)
{
	enum ip_drop why = IP_DROP_NONE;
	if (ip4_parse(pkt, len, v, &why) == 0)
		return true;
	e->st.ip_drops[why < IP_DROP__MAX ? why : 0]++;
	dp_drop(o, &e->st.drop_malformed, ip_drop_name(why));
	return false;
}

/* An ICMPv4 error back to the local IPv4 sender through the TUN; rate
 * limited (RFC 1812 4.3.2.8). */
static void icmp_back(struct dp_engine *e, const uint8_t *orig, size_t len, uint8_t type,
		      uint8_t code, uint16_t mtu, struct dp_out *o, uint64_t *ctr,
		      const char *why)
{
	struct icmp4_error err = { .type = type, .code = code, .mtu = mtu,
				   .src = e->icmp_src, .id = ++e->icmp_id };
	uint32_t sup;
	enum ip_drop ip_why = IP_DROP_NONE;
	(*ctr)++;
	o->verdict = DP_DROP;
	o->why = why;
	if (!ratelimit_pass(&e->icmp_rl, 100, 10, &sup)) {
		e->st.drop_icmp_ratelimited++;
		return;
	}
	int n = icmp4_error_build(&err, orig, len, o->icmp, sizeof(o->icmp), &ip_why);
	if (n < 0)
		return;      /* RFC 1812 4.3.2.7: no error about this one */
	e->st.icmp4_sent++;
	o->verdict = DP_ICMP_TO_TUN;
	o->pkt = o->icmp;
	o->len = (size_t)n;
}

/* Into the tunnel: DF and larger than the tunnel MTU -> fragmentation
 * needed (RFC 2473 7.2 a); TCP MSS clamp; traffic class (6.4). */
static void to_tunnel(struct dp_engine *e, uint8_t *pkt, size_t len, const struct ip4_view *v,
		      const struct in6_addr *peer, struct dp_out *o)
{
	if (len > e->tunnel_mtu && v->df) {
		icmp_back(e, pkt, len, ICMP4_DEST_UNREACH, ICMP4_CODE_FRAG_NEEDED, e->tunnel_mtu,
			  o, &e->st.drop_too_big, "larger than the tunnel MTU with DF set");
		return;
	}
	if (e->mss_clamp && v->proto == IPPROTO_TCP &&
	    ip4_tcp_mss_clamp(pkt, len, e->mss_clamp, NULL) > 0)
		e->st.mss_clamped++;
	o->verdict = DP_TO_TUNNEL;
	o->peer = *peer;
	o->tclass = e->tclass_copy ? v->tos : e->tclass;
	o->pkt = pkt;
	o->len = len;
	e->st.tx_tunnel++;
}

static void to_tun(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	o->verdict = DP_TO_TUN;
	o->pkt = pkt;
	o->len = len;
	e->st.tx_tun++;
}

/* ---- border router (TEP) --------------------------------------------------- */

/* dstm-04 5.2 decapsulation, with the anti-spoofing rule of issue 3: the
 * inner source must be bound to this tunnel source. */
static void tep_tunnel_in(struct dp_engine *e, const struct in6_addr *src6, uint8_t *pkt,
			  size_t len, struct dp_out *o)
{
	struct ip4_view v;
	if (!parse4(e, pkt, len, &v, o))
		return;
	struct binding *b = binding_get(&e->bindings, v.src);
	if (b && memcmp(&b->peer, src6, sizeof(*src6)) != 0) {
		/* even in learn mode: a bound address is never taken over by
		 * another host (the hijack that made learning unsafe) */
		dp_drop(o, &e->st.drop_spoofed_source, "inner source bound to another host");
		return;
	}
	if (!b) {
		if (!e->learn) {
			dp_drop(o, &e->st.drop_no_binding, "inner source has no binding");
			return;
		}
		/* learn mode: the seed's cache of the association */
		if (e->bindings.count >= e->learn_max) {
			dp_drop(o, &e->st.drop_learn_full, "learned bindings at their limit");
			return;
		}
		if (binding_set(&e->bindings, v.src, src6, e->now + e->learn_lifetime, &b) < 0) {
			dp_drop(o, &e->st.drop_no_binding, "cannot learn binding");
			return;
		}
		e->st.learned++;
	}
	b->pkts_in++;
	b->bytes_in += len;
	to_tun(e, pkt, len, o);
}

static void tep_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct ip4_view v;
	if (!parse4(e, pkt, len, &v, o))
		return;
	struct binding *b = binding_get(&e->bindings, v.dst);
	if (!b) {
		icmp_back(e, pkt, len, ICMP4_DEST_UNREACH, ICMP4_CODE_HOST_UNREACH, 0, o,
			  &e->st.drop_no_binding, "destination has no binding");
		return;
	}
	to_tunnel(e, pkt, len, &v, &b->peer, o);
	if (o->verdict == DP_TO_TUNNEL) {
		b->pkts_out++;
		b->bytes_out += len;
	}
}

/* ---- host (DTI) ------------------------------------------------------------ */

/* dstm-04 5.2/5.3: accept only from our TEP and only for our address. */
static void host_tunnel_in(struct dp_engine *e, const struct in6_addr *src6, uint8_t *pkt,
			   size_t len, struct dp_out *o)
{
	struct ip4_view v;
	if (!e->has_tep || memcmp(&e->tep, src6, sizeof(*src6)) != 0) {
		dp_drop(o, &e->st.drop_not_from_tep, "tunnel packet not from our TEP");
		return;
	}
	if (!parse4(e, pkt, len, &v, o))
		return;
	if (!e->has_addr4 || v.dst != e->addr4) {
		dp_drop(o, &e->st.drop_not_our_address, "inner destination is not our address");
		return;
	}
	to_tun(e, pkt, len, o);
}

/* dstm-04 5.1: without an address the packet (source 0.0.0.0 on Linux)
 * asks the control plane for one. */
static void host_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	struct ip4_view v;
	if (!parse4(e, pkt, len, &v, o))
		return;
	if (!e->has_addr4 || v.src != e->addr4) {
		if (!e->has_addr4 && v.src == 0 && len <= DP_HELD_LEN && e->n_held < DP_HELD_MAX) {
			memcpy(e->held[e->n_held], pkt, len);
			e->held_len[e->n_held++] = (uint16_t)len;
		}
		e->st.need_address++;
		o->verdict = DP_NEED_ADDRESS;
		o->why = e->has_addr4 ? "source is not our address" : "no IPv4 address yet";
		return;
	}
	if (!e->has_tep) {
		dp_drop(o, &e->st.drop_no_tep, "no TEP known");
		return;
	}
	to_tunnel(e, pkt, len, &v, &e->tep, o);
}

/* ---- entry points ---------------------------------------------------------- */

void dp_tunnel_in(struct dp_engine *e, const struct in6_addr *src6, uint8_t *pkt, size_t len,
		  struct dp_out *o)
{
	o->verdict = DP_DROP;
	o->why = NULL;
	e->st.rx_tunnel++;
	e->st.rx_tunnel_bytes += len;
	if (e->role == DP_ROLE_DSTM_TEP)
		tep_tunnel_in(e, src6, pkt, len, o);
	else
		host_tunnel_in(e, src6, pkt, len, o);
}

void dp_tun_in(struct dp_engine *e, uint8_t *pkt, size_t len, struct dp_out *o)
{
	o->verdict = DP_DROP;
	o->why = NULL;
	e->st.rx_tun++;
	e->st.rx_tun_bytes += len;
	if (e->role == DP_ROLE_DSTM_TEP)
		tep_tun_in(e, pkt, len, o);
	else
		host_tun_in(e, pkt, len, o);
}

void dp_icmp6_in(struct dp_engine *e, const uint8_t *msg, size_t len, struct dp_out *o)
{
	struct icmp6_tunnel_error err;
	enum ip_drop why = IP_DROP_NONE;
	o->verdict = DP_DROP;
	o->why = NULL;
	e->st.icmp6_errors++;
	if (icmp6_tunnel_error_parse(msg, len, &err, &why) < 0) {
		dp_drop(o, &e->st.drop_icmp6_not_ours, ip_drop_name(why));
		return;
	}
	/* RFC 2473 6.7: the tunnel MTU follows the path MTU */
	if (err.tunnel_mtu && err.tunnel_mtu < e->tunnel_mtu)
		e->tunnel_mtu = (uint16_t)err.tunnel_mtu;
	uint32_t sup;
	if (!ratelimit_pass(&e->icmp_rl, 100, 10, &sup)) {
		e->st.drop_icmp_ratelimited++;
		return;
	}
	int n = icmp6_tunnel_error_to_icmp4(&err, e->icmp_src, ++e->icmp_id, o->icmp,
					    sizeof(o->icmp), &why);
	if (n < 0) {
		o->why = ip_drop_name(why);
		return;
	}
	e->st.icmp4_sent++;
	o->verdict = DP_ICMP_TO_TUN;
	o->pkt = o->icmp;
	o->len = (size_t)n;
}

int dp_host_answer_held(struct dp_engine *e, void (*emit)(void *ctx, const uint8_t *pkt, size_t len),
			void *ctx)
{
	uint8_t out[ICMP4_ERROR_MAX];
	int n = 0;
	for (uint8_t i = 0; i < e->n_held && e->has_addr4; i++) {
		struct ip4_view v;
		if (ip4_parse(e->held[i], e->held_len[i], &v, NULL) < 0)
			continue;
		struct icmp4_error err = { .type = ICMP4_DEST_UNREACH,
					   .code = ICMP4_CODE_HOST_UNREACH,
					   .src = v.dst, .id = ++e->icmp_id, .dst = e->addr4 };
		int r = icmp4_error_build(&err, e->held[i], e->held_len[i], out, sizeof(out), NULL);
		if (r < 0)
			continue;
		emit(ctx, out, (size_t)r);
		e->st.icmp4_sent++;
		n++;
	}
	return n;
}

void dp_host_forget_held(struct dp_engine *e)
{
	e->n_held = 0;
}
