/* libFuzzer target for src/wire/ndisc: the input is an Ethernet frame as
 * the home agent's packet socket receives it.  Invariants: the parsers
 * return 0, -EBADMSG with a named reason or -ENOMSG, never read past the
 * frame; a parsed ARP packet or Neighbor Solicitation/Advertisement builds
 * again (the builders refuse exactly what the parser refuses), and the
 * rebuilt packet parses to the same message; the DAD verdict is one of the
 * three values and only ever about the message's own target. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ndisc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void check_ndisc_msg_equal(const struct ndisc_msg *a, const struct ndisc_msg *b)
{
	CHECK(a->type == b->type);
	CHECK(memcmp(&a->src, &b->src, 16) == 0 && memcmp(&a->dst, &b->dst, 16) == 0);
	CHECK(memcmp(&a->target, &b->target, 16) == 0);
	CHECK(a->router == b->router && a->solicited == b->solicited &&
	      a->override == b->override);
	CHECK(a->has_lladdr == b->has_lladdr);
	if (a->has_lladdr)
		CHECK(memcmp(a->lladdr, b->lladdr, ETH_ADDR_LEN) == 0);
	CHECK(a->has_nonce == b->has_nonce);
	if (a->has_nonce)
		CHECK(memcmp(a->nonce, b->nonce, NDISC_NONCE_LEN) == 0);
}

static void fuzz_arp(const uint8_t *p, size_t len)
{
	struct arp_msg m, again;
	uint8_t out[ARP_ETH_IP4_LEN];
	int r = arp_parse(p, len, &m);
	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	if (r < 0)
		return;
	CHECK(m.op == ARP_OP_REQUEST || m.op == ARP_OP_REPLY);
	CHECK(arp_build(&m, out, sizeof(out)) == ARP_ETH_IP4_LEN);
	CHECK(arp_parse(out, sizeof(out), &again) == 0);
	CHECK(memcmp(&m, &again, sizeof(m)) == 0);
	CHECK(arp_is_gratuitous(&m) == (m.spa.s_addr == m.tpa.s_addr));
}

static void fuzz_nd(const uint8_t *frame, size_t size)
{
	struct eth_view eth;
	struct ndisc_msg m, again;
	enum ndisc_drop why = NDISC_DROP__MAX;
	uint8_t out[NDISC_FRAME_MAX];

	int r = ndisc_frame_parse(frame, size, &eth, &m, &why);
	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	CHECK((unsigned)why < NDISC_DROP__MAX);
	CHECK((r == 0) == (why == NDISC_DROP_NONE));
	CHECK(r != -ENOMSG || why == NDISC_DROP_NOT_ND);
	CHECK(strcmp(ndisc_drop_name(why), "unknown") != 0);
	if (r < 0)
		return;
	CHECK(m.type == NDISC_NS || m.type == NDISC_NA);
	CHECK(m.target.s6_addr[0] != 0xff);
	int n = ndisc_build(&m, out, sizeof(out));
	CHECK(n > 0 && (size_t)n <= sizeof(out));
	CHECK(ndisc_parse(out, (size_t)n, &again, &why) == 0);
	check_ndisc_msg_equal(&m, &again);

	/* the DAD verdict concerns the target only */
	enum ndisc_dad d = ndisc_dad_check(&m, &m.target, NULL);
	CHECK(d == NDISC_DAD_NONE || d == NDISC_DAD_DEFENDED || d == NDISC_DAD_PROBED);
	CHECK(d != NDISC_DAD_DEFENDED || m.type == NDISC_NA);
	CHECK(d != NDISC_DAD_PROBED || m.type == NDISC_NS);
	struct in6_addr other = m.target;
	other.s6_addr[15] ^= 1;
	CHECK(ndisc_dad_check(&m, &other, NULL) == NDISC_DAD_NONE);
	if (m.has_nonce)
		CHECK(ndisc_dad_check(&m, &m.target, m.nonce) == NDISC_DAD_NONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eth_view eth;
	if (eth_parse(data, size, &eth) < 0) {
		CHECK(size < ETH_HDR_LEN);
		return 0;
	}
	CHECK(eth.payload == data + ETH_HDR_LEN && eth.payload_len == size - ETH_HDR_LEN);
	if (eth.type == ETH_TYPE_ARP)
		fuzz_arp(eth.payload, eth.payload_len);
	fuzz_nd(data, size);
	/* the same bytes as a bare IPv6 packet */
	struct ndisc_msg m;
	enum ndisc_drop why;
	int r = ndisc_parse(data, size, &m, &why);
	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	return 0;
}
