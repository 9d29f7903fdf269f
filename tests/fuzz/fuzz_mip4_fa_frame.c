/* Fuzz the foreign agent's frame classifier (fa_frame_parse in
 * src/mip4/fa.c): every Ethernet frame a visitor link's packet socket
 * receives goes through it before anything else (RFC 5944 3.7.2.1: the
 * request with its sender's MAC, TTL and destination; RFC 1256 / 5944 2:
 * solicitations and other agents' advertisements).  What ds46-fad does
 * next with a solicitation or an advertisement (agentadv_solicit_parse,
 * agentadv_parse) runs too, as on_frame does.
 *
 * Input: [sel:1][frame...]; bit 0 of sel picks the registration port
 * (434 or 4434, a configured one), bit 1 whether the kernel vouched for
 * the UDP checksum (fa_frame_parse_rx's csum_ok, PACKET_AUXDATA).  Checked (STYLE 13):
 *   - the kind is one of the enum; nothing but the frame is read;
 *   - REG: the frame is IPv4 in Ethernet; the payload lies inside the frame
 *     right after a UDP header whose destination port is the configured
 *     one, whose length is the payload's + 8 and whose source port is
 *     f.sport; the source MAC is the frame's;
 *   - SOLICIT / ADVERT: the payload lies inside the frame and starts with
 *     ICMP type 10 / 9;
 *   - OTHER / BAD: nothing is pointed into (the struct stays zeroed for a
 *     non-IPv4 frame);
 *   - round trip: a REG, SOLICIT or ADVERT frame rebuilt by fa_frame_build
 *     (which is how ds46-fad builds what it sends) from the parsed fields
 *     parses back to the same kind and the same fields and bytes. */
#include <assert.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "mip4/fa.h"
#include "wire/agentadv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t frame_in[70000], frame_out[70000];

static void check_inside(const uint8_t *frame, size_t len, const struct fa_frame *f)
{
	assert(f->payload >= frame && f->payload <= frame + len);
	assert(f->len <= (size_t)(frame + len - f->payload));
	assert(f->src_mac == frame + 6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agentadv adv;
	enum agentadv_drop why;
	struct fa_frame f, g;
	enum fa_frame_kind k, k2;
	uint16_t port;
	bool csum_ok;
	size_t len;
	int n;

	if (size < 1 || size - 1 > sizeof(frame_in))
		return 0;
	port = (data[0] & 1) ? 4434 : 434;
	csum_ok = (data[0] & 2) != 0;
	len = size - 1;
	/* a copy of its own size, so ASan sees any read past the frame */
	uint8_t *frame = malloc(len ? len : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, len);

	k = fa_frame_parse_rx(frame, len, port, csum_ok, &f);
	switch (k) {
	case FA_FRAME_BAD:
		assert(len >= 14);
		assert(get_be16(frame + 12) == ETH_P_IP);
		break;
	case FA_FRAME_OTHER:
		if (len < 14 || get_be16(frame + 12) != ETH_P_IP)
			assert(!f.payload && !f.src_mac && !f.len && !f.src && !f.dst);
		break;
	case FA_FRAME_REG:
		assert(get_be16(frame + 12) == ETH_P_IP);
		check_inside(frame, len, &f);
		assert(f.payload >= frame + 14 + 20 + 8);
		assert(get_be16(f.payload - 6) == port);
		assert(get_be16(f.payload - 4) == f.len + 8);
		assert(get_be16(f.payload - 8) == f.sport);
		break;
	case FA_FRAME_SOLICIT:
	case FA_FRAME_ADVERT:
		assert(get_be16(frame + 12) == ETH_P_IP);
		check_inside(frame, len, &f);
		assert(f.len >= 1);
		assert(f.payload[0] == (k == FA_FRAME_SOLICIT ? AGENTADV_ICMP_SOLICIT
							     : AGENTADV_ICMP_ADVERT));
		/* what on_frame does with them */
		if (k == FA_FRAME_SOLICIT)
			(void)agentadv_solicit_parse(f.payload, f.len, &why);
		else
			(void)agentadv_parse(f.payload, f.len, &adv, &why);
		break;
	default:
		abort();
	}

	if (k == FA_FRAME_REG || k == FA_FRAME_SOLICIT || k == FA_FRAME_ADVERT) {
		uint8_t proto = k == FA_FRAME_REG ? IPPROTO_UDP : IPPROTO_ICMP;

		n = fa_frame_build(frame_out, sizeof(frame_out), frame, f.src_mac, f.src, f.dst,
				   f.ttl, proto, f.sport, port, f.payload, f.len);
		if (n == -ENOBUFS) {
			/* only when the rebuilt IPv4 packet would not fit 16 bits */
			assert(20 + f.len + (proto == IPPROTO_UDP ? 8 : 0) > 0xffff);
		} else {
			assert(n > 0 && (size_t)n == 14 + 20 + (proto == IPPROTO_UDP ? 8 : 0) + f.len);
			memcpy(frame_in, frame_out, (size_t)n);
			k2 = fa_frame_parse_rx(frame_in, (size_t)n, port, csum_ok, &g);
			assert(k2 == k);
			assert(g.src == f.src && g.dst == f.dst && g.ttl == f.ttl);
			assert(g.sport == f.sport && g.len == f.len);
			assert(memcmp(g.src_mac, f.src_mac, 6) == 0);
			assert(memcmp(frame_in, frame, 6) == 0);
			assert(f.len == 0 || memcmp(g.payload, f.payload, f.len) == 0);
		}
	}
	free(frame);
	return 0;
}
