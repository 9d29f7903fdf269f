/* Fuzz the tunnel engine's decisions for both DSTM roles: the first byte
 * picks role and entry point, the rest is the packet.  Invariants: the
 * verdict is one of the enum, an output packet lies inside the input or the
 * engine's ICMP buffer, a built ICMPv4 error parses with a valid checksum,
 * the binding table only grows in learn mode, and the counters add up. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dataplane/engine.h"

static struct dp_engine tep_e, host_e;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct in6_addr x6 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x46, [15] = 2 } };
	struct in6_addr y6 = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x46, [14] = 0xff, [15] = 0xff } };
	log_init("fuzz", false, LOG_CRIT);
	if (dp_init(&tep_e, DP_ROLE_DSTM_TEP, 0) < 0 || dp_init(&host_e, DP_ROLE_DSTM_HOST, 0) < 0)
		abort();
	tep_e.icmp_src = 0xcb007101;
	binding_set(&tep_e.bindings, 0xc0000264, &x6, 0, NULL);
	host_e.has_tep = true;
	host_e.tep = y6;
	host_e.has_addr4 = true;
	host_e.addr4 = 0xc0000264;
	host_e.icmp_src = 0xc0000264;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536];
	static struct dp_out o;
	if (size < 1 || size - 1 > sizeof(pkt))
		return 0;
	uint8_t sel = data[0];
	size_t len = size - 1;
	memcpy(pkt, data + 1, len);
	struct dp_engine *e = sel & 1 ? &host_e : &tep_e;
	e->learn = (sel & 8) != 0;
	e->mss_clamp = sel & 16 ? 1200 : 0;
	e->tunnel_mtu = sel & 32 ? 1280 : DP_DEFAULT_TUNNEL_MTU;
	struct in6_addr src6 = host_e.tep;
	if (sel & 64)
		src6.s6_addr[15] ^= sel;
	uint32_t before = e->bindings.count;
	switch ((sel >> 1) & 3) {
	case 0: dp_tun_in(e, pkt, len, &o); break;
	case 1: dp_tunnel_in(e, &src6, pkt, len, &o); break;
	default: dp_icmp6_in(e, pkt, len, &o); break;
	}
	if (o.verdict > DP_NEED_ADDRESS)
		abort();
	if (e->bindings.count < before || (!e->learn && e->bindings.count != before))
		abort();
	if (o.verdict == DP_TO_TUN || o.verdict == DP_TO_TUNNEL) {
		if (o.pkt != pkt || o.len != len)
			abort();
	}
	if (o.verdict == DP_ICMP_TO_TUN) {
		struct ip4_view v;
		if (o.pkt != o.icmp || o.len > sizeof(o.icmp) || ip4_parse(o.pkt, o.len, &v, NULL) < 0 ||
		    v.proto != IPPROTO_ICMP || ip_csum(v.payload, v.payload_len) != 0)
			abort();
	}
	if (e->tunnel_mtu < 68)
		abort();
	return 0;
}
