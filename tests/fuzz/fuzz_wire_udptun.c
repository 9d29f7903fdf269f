/* libFuzzer target for src/wire/udptun.  The input is decapsulated as a
 * whole IPv4 packet, parsed as a UDP payload, and encapsulated as an inner
 * packet.  Invariants: results are 0, -EBADMSG or -ENOMSG with a named
 * reason (NONE exactly on success); the inner packet lies inside the
 * input, and for next header 4 / 41 is one valid IPv4 / IPv6 packet;
 * re-encapsulating it (IP in UDP with the parsed ports and addresses, or
 * the header alone) decapsulates to the same next header and inner bytes;
 * a keepalive found is rebuilt byte for byte; encapsulation of a valid
 * packet succeeds exactly when it fits, writes only the headroom in front
 * of it and decapsulates back to it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/udptun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_IN 65535

static uint8_t room[UDPTUN_HEADROOM + MAX_IN];

static int within(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

static int whole_family(const uint8_t *p, size_t len)
{
	struct ip4_view v4;
	struct ip6_view v6;

	if (len >= 1 && p[0] >> 4 == 4 && ip4_parse(p, len, &v4, NULL) == 0 && v4.total_len == len)
		return 4;
	if (len >= 1 && p[0] >> 4 == 6 && ip6_parse(p, len, &v6, NULL) == 0 &&
	    (size_t)IP6_HDR_LEN + v6.payload_len == len)
		return 6;
	return 0;
}

static void check_result(int r, enum udptun_drop why)
{
	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	CHECK((r == 0) == (why == UDPTUN_DROP_NONE));
	CHECK(r != -ENOMSG || why == UDPTUN_DROP_NOT_TUNNEL_DATA);
	CHECK(strcmp(udptun_drop_name(why), "unknown") != 0);
}

static void check_view(const struct udptun_view *v, const uint8_t *buf, size_t len)
{
	CHECK(within(v->inner, v->inner_len, buf, len) && v->inner_len > 0);
	if (v->next_hdr == UDPTUN_NH_IPV4)
		CHECK(whole_family(v->inner, v->inner_len) == 4);
	else if (v->next_hdr == UDPTUN_NH_IPV6)
		CHECK(whole_family(v->inner, v->inner_len) == 6);
	else
		CHECK(v->next_hdr == UDPTUN_NH_GRE || v->next_hdr == UDPTUN_NH_MINIMAL);
}

static void check_keepalive(const struct udptun_view *v)
{
	struct udptun_keepalive k;
	enum udptun_drop why = UDPTUN_DROP__MAX;
	static uint8_t ka[MAX_IN];
	int r = udptun_keepalive_parse(v, &k, &why);

	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	CHECK((r == 0) == (why == UDPTUN_DROP_NONE));
	CHECK(r != -ENOMSG || why == UDPTUN_DROP_NOT_KEEPALIVE);
	if (r < 0)
		return;
	/* the same echo, rebuilt: identical after the inner IPv4 header
	 * (the original may carry options, TOS, flags), but for the
	 * checksum, which may be the other zero (0xffff / 0x0000) */
	size_t hl = (size_t)(v->inner[0] & 0x0f) * 4;
	int n = udptun_keepalive_build(&k, 0, ka, sizeof(ka));
	CHECK(n == (int)(IP4_HDR_LEN + UDPTUN_ECHO_HDR_LEN + k.data_len));
	CHECK(v->inner_len == hl + UDPTUN_ECHO_HDR_LEN + k.data_len);
	const uint8_t *ic = ka + IP4_HDR_LEN, *orig = v->inner + hl;
	CHECK(ic[0] == orig[0] && ic[1] == orig[1] && ip_csum(ic, (size_t)n - IP4_HDR_LEN) == 0);
	CHECK(memcmp(ic + 4, orig + 4, (size_t)n - IP4_HDR_LEN - 4) == 0);
	CHECK(memcmp(ka + 12, v->inner + 12, 8) == 0);
}

static void fuzz_decap(const uint8_t *data, size_t size)
{
	struct udptun_view v, v2;
	enum udptun_drop why = UDPTUN_DROP__MAX;
	uint8_t *out = NULL;
	int r = udptun_decap(data, size, &v, &why);

	check_result(r, why);
	if (r < 0)
		return;
	CHECK(v.outer.proto == 17 && !v.outer.mf && v.outer.frag_off == 0);
	check_view(&v, data, size);
	check_keepalive(&v);
	if (v.next_hdr != UDPTUN_NH_IPV4 && v.next_hdr != UDPTUN_NH_IPV6)
		return;
	struct udptun_tunnel t = {
		.src = htonl(v.outer.src), .dst = htonl(v.outer.dst),
		.sport = v.sport, .dport = v.dport,
		.ttl = v.outer.ttl ? v.outer.ttl : 64, .id = v.outer.id,
		.udp_csum = v.udp_csum != 0,
	};
	uint8_t *q = room + UDPTUN_HEADROOM;
	memcpy(q, v.inner, v.inner_len);
	r = udptun_encap(&t, q, v.inner_len, UDPTUN_HEADROOM, &out);
	CHECK(r == (int)(v.inner_len + UDPTUN_HEADROOM) && out == room);
	CHECK((size_t)r <= size);
	r = udptun_decap(out, (size_t)r, &v2, &why);
	CHECK(r == 0 && v2.next_hdr == v.next_hdr && v2.inner_len == v.inner_len);
	CHECK(memcmp(v2.inner, v.inner, v.inner_len) == 0);
	CHECK(v2.sport == v.sport && v2.dport == v.dport && v2.outer.src == v.outer.src);
	CHECK(v2.outer.dst == v.outer.dst && (v2.udp_csum != 0) == (v.udp_csum != 0));
}

static void fuzz_parse(const uint8_t *data, size_t size)
{
	struct udptun_view v, v2;
	enum udptun_drop why = UDPTUN_DROP__MAX;
	uint8_t *out = NULL;
	int r = udptun_parse(data, size, &v, &why);

	check_result(r, why);
	if (r < 0)
		return;
	CHECK(v.sport == 0 && v.dport == 0 && v.outer.hdr == NULL);
	check_view(&v, data, size);
	check_keepalive(&v);
	uint8_t *q = room + UDPTUN_HEADROOM;
	memcpy(q, v.inner, v.inner_len);
	r = udptun_hdr_put(v.next_hdr, q, v.inner_len, UDPTUN_HEADROOM, &out);
	CHECK(r == (int)(v.inner_len + UDPTUN_HDR_LEN) && out == q - UDPTUN_HDR_LEN);
	r = udptun_parse(out, (size_t)r, &v2, &why);
	CHECK(r == 0 && v2.next_hdr == v.next_hdr && v2.reserved == 0);
	CHECK(v2.inner_len == v.inner_len && memcmp(v2.inner, v.inner, v.inner_len) == 0);
}

static void fuzz_encap(const uint8_t *data, size_t size)
{
	struct udptun_tunnel t = {
		.src = htonl(0xc6336407), .dst = htonl(0xc0000201), .sport = 40000,
		.dport = UDPTUN_PORT, .ttl = 64, .id = 7, .udp_csum = size & 1,
	};
	struct udptun_view v;
	enum udptun_drop why;
	uint8_t *q = room + UDPTUN_HEADROOM, *out = NULL;
	int fam = whole_family(data, size);

	memset(room, 0xee, UDPTUN_HEADROOM);
	memcpy(q, data, size);
	int r = udptun_encap(&t, q, size, UDPTUN_HEADROOM, &out);
	if (fam == 0) {
		CHECK(r == -EINVAL && out == NULL);
		return;
	}
	if (size + UDPTUN_HEADROOM > 65535) {
		CHECK(r == -EMSGSIZE && out == NULL);
		return;
	}
	CHECK(r == (int)(size + UDPTUN_HEADROOM) && out == room);
	CHECK(memcmp(q, data, size) == 0);
	r = udptun_decap(out, (size_t)r, &v, &why);
	CHECK(r == 0 && v.next_hdr == (fam == 4 ? 4 : 41) && v.inner == q && v.inner_len == size);
	CHECK(v.sport == 40000 && v.dport == UDPTUN_PORT && v.outer.ttl == 64);
	CHECK((v.udp_csum != 0) == (size & 1));
	out = NULL;
	CHECK(udptun_encap(&t, q, size, UDPTUN_HEADROOM - 1, &out) == -ENOBUFS && out == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_IN)
		return 0;
	fuzz_decap(data, size);
	fuzz_parse(data, size);
	fuzz_encap(data, size);
	return 0;
}
