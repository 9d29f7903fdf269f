/* libFuzzer target for src/wire/frag4.  Input: a 16-bit MTU (big endian)
 * then a packet.  Invariants: frag4_init accepts exactly the packets
 * ip4_parse accepts, refusing DF-set ones that do not fit (-EMSGSIZE) and
 * MTUs with no room (-EINVAL) and nothing else but malformed options or
 * offset overflow (-EBADMSG with a reason); when it accepts, frag4_next
 * gives exactly the announced number of fragments, each at most the MTU,
 * with a valid checksum, its total length right, the original's
 * identification, TTL, protocol and addresses, headers all of one length,
 * offsets consecutive and in 8-octet units, every payload but the last a
 * multiple of 8, MF on all but the last (which keeps the original's), and
 * the payloads put back together are the original payload.  The first
 * fragment keeps every option; a packet that fits comes back as one
 * fragment with the original header. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "wire/frag4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static uint8_t out[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint16_t mtu = get_be16(data);
	const uint8_t *pkt = data + 2;
	size_t len = size - 2;

	struct ip4_view v;
	int pr = ip4_parse(pkt, len, &v, NULL);
	struct frag4 fr;
	enum ip_drop why = IP_DROP__MAX;
	int n = frag4_init(&fr, pkt, len, mtu, &why);
	if (pr < 0) {
		CHECK(n == pr);
		return 0;
	}
	if (n < 0) {
		if (n == -EMSGSIZE)
			CHECK(v.df && v.total_len > mtu && why == IP_DROP_DF_SET);
		else if (n == -EINVAL)
			CHECK(!v.df && v.total_len > mtu &&
			      (mtu < IP4_MIN_MTU || mtu < (unsigned)v.hdr_len + 8));
		else
			CHECK(n == -EBADMSG &&
			      (why == IP_DROP_BAD_OPTIONS || why == IP_DROP_BAD_LENGTH));
		return 0;
	}
	CHECK(why == IP_DROP_NONE);
	CHECK(n >= 1 && (unsigned)n == frag4_count(v.hdr_len, v.payload_len, mtu));
	if (v.total_len > mtu)
		CHECK(!v.df && n >= 2);

	struct ip4_frag f;
	size_t expect_off = v.frag_off, got = 0;
	int k = 0, r;
	while ((r = frag4_next(&fr, &f, NULL)) == 1) {
		k++;
		CHECK(k <= n);
		size_t tot = (size_t)f.hdr_len + f.data_len;
		CHECK(f.hdr_len == v.hdr_len);
		CHECK(tot <= mtu);
		CHECK(get_be16(f.hdr + 2) == tot);
		CHECK(ip4_hdr_csum_check(f.hdr, f.hdr_len) == 0);
		CHECK(f.hdr[0] == pkt[0] && f.hdr[1] == pkt[1]);
		CHECK(memcmp(f.hdr + 4, pkt + 4, 2) == 0);
		CHECK(memcmp(f.hdr + 8, pkt + 8, 2) == 0);
		CHECK(memcmp(f.hdr + 12, pkt + 12, 8) == 0);
		uint16_t fo = get_be16(f.hdr + 6);
		CHECK((fo & 0xe000) == ((get_be16(pkt + 6) & 0xc000) | (f.mf ? 0x2000 : 0)));
		CHECK((size_t)(fo & 0x1fff) * 8 == f.offset && f.offset == expect_off);
		CHECK(f.data == v.payload + got);
		bool last = k == n;
		CHECK(f.mf == (last ? v.mf : true));
		if (!last)
			CHECK(f.data_len % 8 == 0 && f.data_len > 0);
		/* alone or first: the original header but for the checksum
		 * (0x0000 and 0xffff both verify) and length / flags */
		if (n == 1 || k == 1)
			CHECK(memcmp(f.hdr + 20, pkt + 20, v.hdr_len - 20u) == 0);
		if (n == 1)
			CHECK(memcmp(f.hdr, pkt, 10) == 0 &&
			      memcmp(f.hdr + 12, pkt + 12, v.hdr_len - 12u) == 0);
		memcpy(out + got, f.data, f.data_len);
		got += f.data_len;
		expect_off += f.data_len;
	}
	CHECK(r == 0 && k == n);
	CHECK(got == v.payload_len && memcmp(out, v.payload, got) == 0);
	CHECK(frag4_next(&fr, &f, NULL) == 0);
	return 0;
}
