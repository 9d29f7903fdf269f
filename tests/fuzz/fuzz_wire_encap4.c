/* libFuzzer target for src/wire/encap4.  The input is decapsulated as a
 * tunnel packet, and encapsulated as an inner packet with every kind.
 * Invariants: decapsulation returns 0 or -EBADMSG with a named reason and
 * leaves the buffer alone unless it restored a minimal-encapsulated
 * header; the inner packet lies inside the buffer, parses, and has the
 * version its encapsulation carries; re-encapsulating it with the same
 * parameters decapsulates to the same bytes; ECN application follows
 * encap4_ecn_decap and keeps the IPv4 checksum right; encapsulation of a
 * valid inner packet succeeds exactly when the headroom, the kind and the
 * size allow it, writes only in front of the inner packet (MINIMAL: its
 * header) and decapsulates back to the same packet. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "wire/encap4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_IN 65535

static uint8_t pkt[ENCAP4_HEADROOM + MAX_IN], again[ENCAP4_HEADROOM + MAX_IN];
static uint8_t work[MAX_IN];

static int within(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

/* The whole valid IPv4 or IPv6 packet in p[0..len): 4 or 6, else 0. */
static int packet_family(const uint8_t *p, size_t len, struct ip4_view *v4)
{
	struct ip6_view v6;

	if (len >= 1 && p[0] >> 4 == 4 && ip4_parse(p, len, v4, NULL) == 0 && v4->total_len == len)
		return 4;
	if (len >= 1 && p[0] >> 4 == 6 && ip6_parse(p, len, &v6, NULL) == 0 &&
	    (size_t)IP6_HDR_LEN + v6.payload_len == len)
		return 6;
	return 0;
}

static uint8_t tos_of(const uint8_t *p)
{
	return p[0] >> 4 == 4 ? p[1] : (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
}

/* RFC 6040 on a copy of the inner packet */
static void fuzz_ecn(uint8_t outer_tos, const uint8_t *inner, size_t len)
{
	struct ip4_view v4;

	memcpy(work, inner, len);
	int e = encap4_ecn_decap(outer_tos, tos_of(inner));
	int r = encap4_ecn_apply(outer_tos, work, len);
	CHECK(e >= -1 && e <= 3);
	CHECK(e != -1 || ((outer_tos & 3) == 3 && (tos_of(inner) & 3) == 0));
	if (e < 0) {
		CHECK(r == -EPROTO && memcmp(work, inner, len) == 0);
		return;
	}
	CHECK(r == 0);
	CHECK((tos_of(work) & 3) == e && (tos_of(work) & 0xfc) == (tos_of(inner) & 0xfc));
	if (inner[0] >> 4 == 4) {
		CHECK(ip4_parse(work, len, &v4, NULL) == 0);
		CHECK(work[0] == inner[0] && memcmp(work + 2, inner + 2, 8) == 0);
		CHECK(memcmp(work + 12, inner + 12, len - 12) == 0);
	} else {
		CHECK(work[0] == inner[0] && memcmp(work + 2, inner + 2, len - 2) == 0);
	}
}

static void fuzz_decap(const uint8_t *data, size_t size)
{
	struct encap4_view v, v2;
	struct ip4_view iv;
	enum ip_drop why = IP_DROP__MAX;
	uint8_t *p = pkt + ENCAP4_HEADROOM;
	int r;

	memcpy(p, data, size);
	r = encap4_decap(p, size, &v, &why);
	CHECK(r == 0 || r == -EBADMSG);
	CHECK((r == 0) == (why == IP_DROP_NONE));
	CHECK(strcmp(ip_drop_name(why), "unknown") != 0);
	if (r < 0) {
		CHECK(memcmp(p, data, size) == 0);
		return;
	}

	static const uint8_t proto[] = {
		[ENCAP4_IPIP] = 4, [ENCAP4_GRE] = 47, [ENCAP4_MINIMAL] = 55, [ENCAP4_6IN4] = 41,
	};
	CHECK(v.kind >= ENCAP4_IPIP && v.kind <= ENCAP4_6IN4 && proto[v.kind] == v.outer.proto);
	CHECK(!v.outer.mf && v.outer.frag_off == 0);
	CHECK(within(v.inner, v.inner_len, p, size));
	CHECK(v.inner >= p + v.outer.hdr_len || v.kind == ENCAP4_MINIMAL);
	CHECK(v.inner + v.inner_len <= p + v.outer.total_len);
	CHECK(packet_family(v.inner, v.inner_len, &iv) == v.inner_family);
	CHECK(v.kind == ENCAP4_GRE || v.inner_family == (v.kind == ENCAP4_6IN4 ? 6 : 4));
	if (v.kind == ENCAP4_GRE) {
		uint16_t type = get_be16(data + v.outer.hdr_len + 2);
		CHECK(type == (v.inner_family == 4 ? GRE_PROTO_IPV4 : GRE_PROTO_IPV6));
	} else {
		CHECK(!v.gre_has_key && !v.gre_has_seq && !v.gre_has_csum);
	}
	if (v.kind == ENCAP4_MINIMAL) {
		/* RFC 2004 3: the restored header sits in front of the payload */
		const uint8_t *f = data + v.outer.hdr_len;
		size_t flen = (f[1] & 0x80) ? 12 : 8, hl = v.outer.hdr_len;
		CHECK(v.inner == p + flen && v.inner_len == v.outer.total_len - flen);
		CHECK(memcmp(v.inner + hl, data + hl + flen, v.inner_len - hl) == 0);
		CHECK(iv.proto == f[0] && iv.dst == get_be32(f + 4));
		CHECK(iv.src == ((flen == 12) ? get_be32(f + 8) : v.outer.src));
		CHECK(iv.ttl == v.outer.ttl && iv.tos == v.outer.tos && iv.id == v.outer.id);
		CHECK(memcmp(v.inner + 4, data + 4, 4) == 0 && iv.hdr_len == hl);
		CHECK(memcmp(v.inner + IP4_HDR_LEN, data + IP4_HDR_LEN, hl - IP4_HDR_LEN) == 0);
	} else {
		CHECK(memcmp(p, data, size) == 0);
	}

	fuzz_ecn(v.outer.tos, v.inner, v.inner_len);

	/* re-encapsulate with the same parameters */
	struct encap4_tunnel t = {
		.src = htonl(v.outer.src),
		.dst = htonl(v.outer.dst),
		.ttl = v.outer.ttl ? v.outer.ttl : 64,
		.id = v.outer.id,
		.has_key = v.gre_has_key,
		.key = v.gre_key,
	};
	uint8_t *q = again + ENCAP4_HEADROOM, *out = NULL;
	memcpy(q, v.inner, v.inner_len);
	r = encap4_encap(&t, v.kind, q, v.inner_len, ENCAP4_HEADROOM, &out);
	if (v.kind == ENCAP4_MINIMAL && iv.hdr_len != IP4_HDR_LEN) {
		CHECK(r == -EINVAL && out == NULL);
		return;
	}
	/* never longer than the packet it came from */
	CHECK(r > 0 && (size_t)r <= v.outer.total_len && out + r == q + v.inner_len);
	r = encap4_decap(out, (size_t)r, &v2, &why);
	CHECK(r == 0 && v2.kind == v.kind && v2.inner_family == v.inner_family);
	CHECK(v2.outer.src == v.outer.src && v2.outer.dst == v.outer.dst);
	CHECK(v2.gre_has_key == v.gre_has_key && v2.gre_key == v.gre_key);
	CHECK(!v2.gre_has_seq && !v2.gre_has_csum);
	CHECK(v2.inner_len == v.inner_len && memcmp(v2.inner, v.inner, v.inner_len) == 0);
}

static void fuzz_encap_one(const uint8_t *data, size_t size, enum encap4_kind kind, bool key,
			   uint32_t src)
{
	struct encap4_tunnel t = {
		.src = src,
		.dst = htonl(0xc6336407),
		.ttl = 64,
		.id = 0x4242,
		.has_key = key,
		.key = 0x01020304,
	};
	struct ip4_view v4;
	struct encap4_view v;
	enum ip_drop why;
	uint8_t *q = again + ENCAP4_HEADROOM, *out = NULL;
	int fam = packet_family(data, size, &v4);
	size_t hlen;
	bool minimal = kind == ENCAP4_MINIMAL;

	memset(again, 0xee, ENCAP4_HEADROOM);
	memcpy(q, data, size);
	int r = encap4_encap(&t, kind, q, size, ENCAP4_HEADROOM, &out);
	if (fam == 0 || (kind == ENCAP4_IPIP && fam != 4) || (kind == ENCAP4_6IN4 && fam != 6) ||
	    (minimal && (fam != 4 || v4.hdr_len != IP4_HDR_LEN || v4.mf || v4.frag_off))) {
		CHECK(r == -EINVAL && out == NULL && memcmp(q, data, size) == 0);
		return;
	}
	if (minimal)
		hlen = memcmp(data + 12, &src, 4) != 0 ? 12 : 8;
	else
		hlen = IP4_HDR_LEN + (kind == ENCAP4_GRE ? (key ? 8 : 4) : 0);
	if (size + hlen > 65535) {
		CHECK(r == -EMSGSIZE && out == NULL && memcmp(q, data, size) == 0);
		return;
	}
	CHECK(r == (int)(size + hlen) && out == q - hlen);
	for (const uint8_t *b = again; b < out; b++)
		CHECK(*b == 0xee);
	CHECK(ip4_hdr_csum_check(out, (size_t)r) == 0);
	if (!minimal)
		CHECK(memcmp(q, data, size) == 0);
	else
		CHECK(memcmp(q + IP4_HDR_LEN, data + IP4_HDR_LEN, size - IP4_HDR_LEN) == 0);

	r = encap4_decap(out, (size_t)r, &v, &why);
	CHECK(r == 0 && v.kind == kind && v.inner_family == fam && v.inner_len == size);
	CHECK(v.outer.src == ntohl(src) && v.outer.dst == 0xc6336407);
	CHECK(v.gre_has_key == (kind == ENCAP4_GRE && key));
	if (!minimal) {
		/* RFC 2003 3.1, RFC 4213 3.5: TOS copied, DF copied or clear */
		CHECK(v.inner == q && memcmp(v.inner, data, size) == 0);
		CHECK(v.outer.tos == tos_of(data) && v.outer.df == (fam == 4 && v4.df));
		CHECK(v.outer.ttl == 64 && v.outer.id == 0x4242 && v.outer.hdr_len == IP4_HDR_LEN);
	} else {
		/* the same header fields (the checksum may be the other zero)
		 * and payload */
		CHECK(memcmp(v.inner, data, 10) == 0);
		CHECK(memcmp(v.inner + 12, data + 12, size - 12) == 0);
		CHECK(v.outer.ttl == v4.ttl && v.outer.id == v4.id && v.outer.tos == v4.tos);
	}

	/* one octet of headroom short: nothing written */
	memcpy(q, data, size);
	memset(again, 0xee, ENCAP4_HEADROOM);
	out = NULL;
	CHECK(encap4_encap(&t, kind, q, size, hlen - 1, &out) == -ENOBUFS && out == NULL);
	CHECK(memcmp(q, data, size) == 0);
	for (size_t i = 0; i < ENCAP4_HEADROOM; i++)
		CHECK(again[i] == 0xee);
}

static void fuzz_encap(const uint8_t *data, size_t size)
{
	uint32_t ha = htonl(0xc0000201), own = ha;

	/* the inner source as the encapsulator: minimal without S */
	if (size >= IP4_HDR_LEN && data[0] >> 4 == 4)
		memcpy(&own, data + 12, 4);
	fuzz_encap_one(data, size, ENCAP4_IPIP, false, ha);
	fuzz_encap_one(data, size, ENCAP4_6IN4, false, ha);
	fuzz_encap_one(data, size, ENCAP4_GRE, false, ha);
	fuzz_encap_one(data, size, ENCAP4_GRE, true, ha);
	fuzz_encap_one(data, size, ENCAP4_MINIMAL, false, ha);
	fuzz_encap_one(data, size, ENCAP4_MINIMAL, false, own);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_IN)
		return 0;
	fuzz_decap(data, size);
	fuzz_encap(data, size);
	return 0;
}
