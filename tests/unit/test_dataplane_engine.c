/* Unit tests for src/dataplane/engine.c: the DSTM host and border router
 * packet decisions (dstm-04 5, RFC 2473 7.2 and 8.3, issue 3's
 * anti-spoofing rule). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/engine.h"
#include "wire/ip.h"

#define X4 0xc0000264u    /* 192.0.2.100: the DSTM host's leased address */
#define Z4 0xcb007107u    /* 203.0.113.7: an IPv4-only host */
#define Y4 0xcb007101u    /* 203.0.113.1: the border router */

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* An IPv4/UDP packet of total length len (>= 28), src -> dst. */
static size_t udp4(uint8_t *p, size_t len, uint32_t src, uint32_t dst, bool df)
{
	memset(p, 0, len);
	p[0] = 0x45;                          /* version 4, IHL 5 */
	put_be16(p + 2, (uint16_t)len);       /* total length */
	put_be16(p + 4, 0x1234);              /* identification */
	put_be16(p + 6, df ? 0x4000 : 0);     /* flags: DF */
	p[8] = 63;                            /* TTL */
	p[9] = IPPROTO_UDP;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	put_be16(p + 20, 40000);              /* UDP source port */
	put_be16(p + 22, 53);                 /* UDP destination port */
	put_be16(p + 24, (uint16_t)(len - 20));
	ip4_hdr_csum_set(p, len);
	return len;
}

/* A TCP SYN with an MSS option of 1460. */
static size_t syn4(uint8_t *p, uint32_t src, uint32_t dst)
{
	static const uint8_t tcp[] = {
		/* ports */ 0x9c, 0x40, 0x00, 0x50, /* seq */ 0, 0, 0, 1, /* ack */ 0, 0, 0, 0,
		/* data offset 6, SYN */ 0x60, 0x02, /* window */ 0xff, 0xff,
		/* checksum */ 0, 0, /* urgent */ 0, 0,
		/* MSS 1460 */ 0x02, 0x04, 0x05, 0xb4,
	};
	size_t len = 20 + sizeof(tcp);
	memset(p, 0, 20);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = IPPROTO_TCP;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	memcpy(p + 20, tcp, sizeof(tcp));
	ip4_hdr_csum_set(p, len);
	uint32_t sum = ip_csum_pseudo4(src, dst, IPPROTO_TCP, (uint16_t)sizeof(tcp));
	put_be16(p + 36, ip_csum_fold(ip_csum_partial(sum, p + 20, sizeof(tcp))));
	return len;
}

static void tep(struct dp_engine *e)
{
	struct in6_addr x6 = a6("2001:db8:46::2");
	assert_int_equal(dp_init(e, DP_ROLE_DSTM_TEP, 0), 0);
	e->icmp_src = Y4;
	assert_int_equal(binding_set(&e->bindings, X4, &x6, 0, NULL), 0);
}

/* dstm-04 5.2 + issue 3: decapsulated only when the binding says this IPv6
 * source holds that IPv4 source. */
static void tep_decap_checks_binding(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t p[100];
	struct in6_addr x6 = a6("2001:db8:46::2"), rogue = a6("2001:db8:46::66");
	tep(&e);
	size_t n = udp4(p, 60, X4, Z4, false);
	dp_tunnel_in(&e, &x6, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_ptr_equal(o.pkt, p);
	assert_int_equal(o.len, 60);
	assert_int_equal(binding_get(&e.bindings, X4)->pkts_in, 1);
	assert_int_equal(binding_get(&e.bindings, X4)->bytes_in, 60);
	/* the rogue host claims X's address */
	dp_tunnel_in(&e, &rogue, p, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_spoofed_source, 1);
	/* an address nobody holds */
	n = udp4(p, 60, X4 + 1, Z4, false);
	dp_tunnel_in(&e, &rogue, p, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_no_binding, 1);
	assert_int_equal(e.st.tx_tun, 1);
	assert_int_equal(e.st.rx_tunnel, 3);
	dp_free(&e);
}

/* The seed's learn-from-traffic cache, only when asked for. */
static void tep_learn_mode(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t p[100];
	struct in6_addr h = a6("2001:db8:46::9");
	tep(&e);
	e.learn = true;
	e.now = 1000;
	size_t n = udp4(p, 40, X4 + 5, Z4, false);
	dp_tunnel_in(&e, &h, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	assert_int_equal(e.st.learned, 1);
	struct binding *b = binding_get(&e.bindings, X4 + 5);
	assert_non_null(b);
	assert_memory_equal(&b->peer, &h, 16);
	assert_int_equal(b->expires, 1000 + 3600);
	/* a learned (or leased) address is not taken over by another host */
	struct in6_addr other = a6("2001:db8:46::10");
	dp_tunnel_in(&e, &other, p, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_spoofed_source, 1);
	assert_memory_equal(&binding_get(&e.bindings, X4 + 5)->peer, &h, 16);
	/* bounded: a flood of spoofed sources cannot exhaust memory */
	e.learn_max = e.bindings.count;
	n = udp4(p, 40, X4 + 6, Z4, false);
	dp_tunnel_in(&e, &h, p, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_learn_full, 1);
	assert_null(binding_get(&e.bindings, X4 + 6));
	dp_free(&e);
}

/* dstm-04 4.1: Z's reply goes back through Y to the owner of the address. */
static void tep_encap_to_owner_and_unreachable_otherwise(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t p[100];
	struct in6_addr x6 = a6("2001:db8:46::2");
	tep(&e);
	size_t n = udp4(p, 60, Z4, X4, false);
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL);
	assert_memory_equal(&o.peer, &x6, 16);
	assert_int_equal(binding_get(&e.bindings, X4)->pkts_out, 1);
	/* nobody holds 192.0.2.101: ICMPv4 host unreachable to Z */
	n = udp4(p, 60, Z4, X4 + 1, false);
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	struct ip4_view v;
	assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
	assert_int_equal(v.src, Y4);
	assert_int_equal(v.dst, Z4);
	assert_int_equal(v.proto, IPPROTO_ICMP);
	assert_int_equal(v.payload[0], ICMP4_DEST_UNREACH);
	assert_int_equal(v.payload[1], ICMP4_CODE_HOST_UNREACH);
	assert_int_equal(ip_csum(v.payload, v.payload_len), 0);
	assert_int_equal(e.st.drop_no_binding, 1);
	assert_int_equal(e.st.icmp4_sent, 1);
	dp_free(&e);
}

/* RFC 2473 7.2: DF and too big -> fragmentation needed with the tunnel MTU;
 * without DF it goes into the tunnel (the IPv6 layer fragments). */
static void rfc2473_7_2_too_big(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	static uint8_t p[1600];
	tep(&e);
	e.tunnel_mtu = 1400;
	size_t n = udp4(p, 1500, Z4, X4, true);
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	struct ip4_view v;
	assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
	assert_int_equal(v.payload[0], ICMP4_DEST_UNREACH);
	assert_int_equal(v.payload[1], ICMP4_CODE_FRAG_NEEDED);
	assert_int_equal(get_be16(v.payload + 6), 1400);   /* next-hop MTU, RFC 1191 */
	assert_int_equal(e.st.drop_too_big, 1);
	n = udp4(p, 1500, Z4, X4, false);
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL);
	assert_int_equal(o.len, 1500);
	n = udp4(p, 1400, Z4, X4, true);                   /* exactly the MTU */
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL);
	dp_free(&e);
}

static void mss_clamp_on_syn(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t p[64];
	tep(&e);
	e.mss_clamp = 1400;
	size_t n = syn4(p, Z4, X4);
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL);
	assert_int_equal(get_be16(p + 42), 1400);
	assert_int_equal(e.st.mss_clamped, 1);
	uint32_t sum = ip_csum_pseudo4(Z4, X4, IPPROTO_TCP, (uint16_t)(n - 20));
	assert_int_equal(ip_csum_fold(ip_csum_partial(sum, p + 20, n - 20)), 0);
	dp_free(&e);
}

static void malformed_counted_by_reason(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t p[100];
	struct in6_addr x6 = a6("2001:db8:46::2");
	tep(&e);
	size_t n = udp4(p, 60, X4, Z4, false);
	dp_tunnel_in(&e, &x6, p, 12, &o);                  /* truncated */
	assert_int_equal(o.verdict, DP_DROP);
	p[10] ^= 0xff;                                      /* bad checksum */
	dp_tunnel_in(&e, &x6, p, n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_malformed, 2);
	assert_int_equal(e.st.ip_drops[IP_DROP_TRUNCATED], 1);
	assert_int_equal(e.st.ip_drops[IP_DROP_BAD_CHECKSUM], 1);
	dp_free(&e);
}

/* dstm-04 5.1-5.3 on the host: no address yet -> the control plane acquires
 * one; then to the TEP; from the TEP only for our address. */
static void host_dti(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t p[100];
	struct in6_addr y6 = a6("2001:db8:46::ffff"), other = a6("2001:db8:46::66");
	assert_int_equal(dp_init(&e, DP_ROLE_DSTM_HOST, 0), 0);
	size_t n = udp4(p, 60, 0, Z4, false);               /* Linux: source 0.0.0.0 */
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_NEED_ADDRESS);
	assert_int_equal(e.st.need_address, 1);
	e.has_addr4 = true;
	e.addr4 = X4;
	e.has_tep = true;
	e.tep = y6;
	n = udp4(p, 60, X4, Z4, false);
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUNNEL);
	assert_memory_equal(&o.peer, &y6, 16);
	n = udp4(p, 60, Z4, X4, false);
	dp_tunnel_in(&e, &other, p, n, &o);                 /* not from our TEP */
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_not_from_tep, 1);
	n = udp4(p, 60, Z4, X4 + 1, false);
	dp_tunnel_in(&e, &y6, p, n, &o);                    /* not our address */
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_not_our_address, 1);
	n = udp4(p, 60, Z4, X4, false);
	dp_tunnel_in(&e, &y6, p, n, &o);
	assert_int_equal(o.verdict, DP_TO_TUN);
	dp_free(&e);
}

/* RFC 2473 8.3: a Packet Too Big from inside the tunnel lowers the tunnel
 * MTU and becomes fragmentation needed for the original sender. */
static void rfc2473_8_3_ptb_translated(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t msg[300], inner[100];
	struct ip6_tunnel t = { .hop_limit = 64 };
	assert_int_equal(dp_init(&e, DP_ROLE_DSTM_HOST, 0), 0);
	e.icmp_src = X4;
	t.src = a6("2001:db8:46::2");
	t.dst = a6("2001:db8:46::ffff");
	size_t n = udp4(inner, 60, X4, Z4, true);
	memset(msg, 0, 8);
	msg[0] = ICMP6_PACKET_TOO_BIG;
	put_be32(msg + 4, 1300);                             /* MTU */
	int h = ip6_tunnel_encap(&t, 4, inner, n, msg + 8, sizeof(msg) - 8);
	assert_int_equal(h, 40);
	memcpy(msg + 8 + 40, inner, n);
	dp_icmp6_in(&e, msg, 8 + 40 + n, &o);
	assert_int_equal(e.tunnel_mtu, 1260);
	assert_int_equal(o.verdict, DP_ICMP_TO_TUN);
	struct ip4_view v;
	assert_int_equal(ip4_parse(o.pkt, o.len, &v, NULL), 0);
	assert_int_equal(v.dst, X4);                          /* to the original sender */
	assert_int_equal(v.payload[1], ICMP4_CODE_FRAG_NEEDED);
	assert_int_equal(get_be16(v.payload + 6), 1260);
	/* and not about something that is not our tunnel */
	msg[8 + 6] = IPPROTO_UDP;                             /* quoted next header */
	dp_icmp6_in(&e, msg, 8 + 40 + n, &o);
	assert_int_equal(o.verdict, DP_DROP);
	assert_int_equal(e.st.drop_icmp6_not_ours, 1);
	dp_free(&e);
}

static void stat_names_match_counters(void **state)
{
	(void)state;
	struct dp_stats s = { 0 };
	s.drop_spoofed_source = 42;
	for (size_t i = 0; i < dp_stat_count(); i++)
		if (strcmp(dp_stat_names[i], "drop_spoofed_source") == 0)
			assert_int_equal(dp_stat_get(&s, i), 42);
	assert_int_equal(dp_stat_get(&s, dp_stat_count()), 0);
}

/* dstm-04 5.1 on Linux: packets sent before the lease come from 0.0.0.0;
 * once the address is there each gets host unreachable at that address,
 * quoting it, so its socket fails at once and the application retries. */
static uint8_t emitted[4][ICMP4_ERROR_MAX];
static size_t emitted_len[4];
static int n_emitted;

static void emit(void *ctx, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	assert_true(n_emitted < 4);
	memcpy(emitted[n_emitted], pkt, len);
	emitted_len[n_emitted++] = len;
}

static void dstm_5_1_held_packets_answered(void **state)
{
	(void)state;
	struct dp_engine e;
	struct dp_out o;
	uint8_t p[64];
	assert_int_equal(dp_init(&e, DP_ROLE_DSTM_HOST, 0), 0);
	size_t n = syn4(p, 0, Z4);                          /* connect() before the lease */
	dp_tun_in(&e, p, n, &o);
	assert_int_equal(o.verdict, DP_NEED_ADDRESS);
	dp_tun_in(&e, p, n, &o);                            /* its retransmission */
	assert_int_equal(e.n_held, 2);
	n_emitted = 0;
	assert_int_equal(dp_host_answer_held(&e, emit, NULL), 0);   /* no address yet */
	e.has_addr4 = true;
	e.addr4 = X4;
	e.n_held = 2;
	assert_int_equal(dp_host_answer_held(&e, emit, NULL), 2);
	assert_int_equal(n_emitted, 2);
	assert_int_equal(e.n_held, 2);                      /* kept for a second answer */
	dp_host_forget_held(&e);
	assert_int_equal(e.n_held, 0);
	struct ip4_view v;
	assert_int_equal(ip4_parse(emitted[0], emitted_len[0], &v, NULL), 0);
	assert_int_equal(v.src, Z4);                        /* from the destination */
	assert_int_equal(v.dst, X4);                        /* to the new address */
	assert_int_equal(v.payload[0], ICMP4_DEST_UNREACH);
	assert_int_equal(v.payload[1], ICMP4_CODE_HOST_UNREACH);
	assert_memory_equal(v.payload + 8, p, 28);          /* quotes the SYN */
	assert_int_equal(ip_csum(v.payload, v.payload_len), 0);
	dp_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tep_decap_checks_binding),
		cmocka_unit_test(tep_learn_mode),
		cmocka_unit_test(tep_encap_to_owner_and_unreachable_otherwise),
		cmocka_unit_test(rfc2473_7_2_too_big),
		cmocka_unit_test(mss_clamp_on_syn),
		cmocka_unit_test(malformed_counted_by_reason),
		cmocka_unit_test(host_dti),
		cmocka_unit_test(rfc2473_8_3_ptb_translated),
		cmocka_unit_test(stat_names_match_counters),
		cmocka_unit_test(dstm_5_1_held_packets_answered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
