/* libFuzzer target for src/dataplane/offload.c.
 *
 * Input: one mode octet, then
 *   mode even: a struct virtio_net_hdr (10 octets, little-endian) and the
 *     packet as read from a vnet_hdr TUN.  dp_gso_init accepts it or says
 *     why not; every segment it produces parses as an IPv4/IPv6 packet of
 *     exactly its length, no larger than hdr_len + gso_size, with a valid
 *     IPv4 header checksum and a TCP/UDP checksum that verifies (GSO_NONE
 *     with NEEDS_CSUM: only the checksum changed, and it verifies with the
 *     pseudo-header sum the field held); the segments'
 *     payloads put together are the super-packet's.  Then the segments go
 *     through dp_gro and every output, re-segmented, gives back exactly the
 *     segments' bytes, in order.
 *   mode odd: a list of packets (2-octet big-endian length, then the
 *     octets) given to dp_gro as one batch: each input comes out exactly
 *     once; a packet passed unchanged is the same bytes; a super-packet's
 *     completed checksum verifies and its re-segmentation starts with its
 *     first packet. */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/offload.h"
#include "wire/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define SEG_ARENA (DP_GSO_MAX_SEGS * 128 + 65536)

static uint8_t pkt[65536];
static uint8_t arena[SEG_ARENA];             /* the segments, back to back */
static size_t seg_off[DP_GSO_MAX_SEGS + 1];
static uint8_t flat[65536], again[65536 + 128];
static struct dp_gro gro;
static struct dp_gro_out out;

/* The packet's transport checksum verifies (and the IPv4 header's). */
static void check_l4(const uint8_t *p, size_t len, uint8_t proto)
{
	uint32_t ps;
	size_t l3;
	if (p[0] >> 4 == 4) {
		struct ip4_view v;
		CHECK(ip4_parse(p, len, &v, NULL) == 0 && v.total_len == len && v.proto == proto);
		l3 = v.hdr_len;
		ps = ip_csum_pseudo4(v.src, v.dst, proto, (uint16_t)(len - l3));
	} else {
		struct ip6_view v;
		CHECK(p[0] >> 4 == 6);
		CHECK(ip6_parse(p, len, &v, NULL) == 0 && v.n_ext == 0 && v.next_hdr == proto);
		CHECK((size_t)v.payload_len + 40 == len);
		struct in6_addr src, dst;    /* segments lie at any alignment */
		memcpy(&src, p + 8, 16);
		memcpy(&dst, p + 24, 16);
		l3 = 40;
		ps = ip_csum_pseudo6(&src, &dst, proto, (uint32_t)(len - l3));
	}
	CHECK(ip_csum_fold(ip_csum_partial(ps, p + l3, len - l3)) == 0);
}

/* Flatten a GRO output into flat; its length. */
static size_t flatten(const struct dp_gro_out *o)
{
	size_t off = 0;
	for (int i = 0; i < o->iovcnt; i++) {
		CHECK(off + o->iov[i].iov_len <= sizeof(flat));
		memcpy(flat + off, o->iov[i].iov_base, o->iov[i].iov_len);
		off += o->iov[i].iov_len;
	}
	CHECK(off == o->len);
	return off;
}

/* Re-segment a super-packet in flat; calls back with each segment. */
static unsigned resegment(const struct dp_gro_out *o, size_t len,
			  const uint8_t *const *want, const size_t *want_len, unsigned nwant)
{
	struct dp_gso g;
	CHECK(dp_gso_init(&g, &o->vh, flat, len, NULL) == 0);
	CHECK(g.nseg == o->segs);
	unsigned k = 0;
	int n;
	while ((n = dp_gso_next(&g, again, sizeof(again))) > 0) {
		check_l4(again, (size_t)n, IPPROTO_TCP);
		if (k < nwant) {
			CHECK((size_t)n == want_len[k]);
			CHECK(memcmp(again, want[k], (size_t)n) == 0);
		}
		k++;
	}
	CHECK(n == 0 && k == o->segs);
	/* the partial checksum completes to a valid one */
	struct virtio_net_hdr c = o->vh;
	c.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	memcpy(again, flat, len);
	CHECK(dp_csum_complete(&c, again, len, NULL) == 0);
	check_l4(again, len, IPPROTO_TCP);
	return k;
}

static void gso_then_gro(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr vh;
	struct dp_gso g;
	const char *why = NULL;
	if (size < sizeof(vh))
		return;
	memcpy(&vh, data, sizeof(vh));
	size_t len = size - sizeof(vh);
	memcpy(pkt, data + sizeof(vh), len);
	int r = dp_gso_init(&g, &vh, pkt, len, &why);
	if (r < 0) {
		CHECK(r == -EBADMSG || r == -EPROTONOSUPPORT);
		CHECK(why != NULL);
		return;
	}
	unsigned nseg = 0;
	size_t off = 0, payload = 0;
	int n;
	/* too small a buffer first: -ENOBUFS and the cursor stays */
	CHECK(dp_gso_next(&g, arena, 0) == -ENOBUFS);
	while ((n = dp_gso_next(&g, arena + off, sizeof(arena) - off)) > 0) {
		const uint8_t *s = arena + off;
		CHECK(nseg < DP_GSO_MAX_SEGS);
		seg_off[nseg++] = off;
		if (g.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
			CHECK((size_t)n == len);
			if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
				/* virtio 1.1 5.1.6.2: the field held the pseudo-header
				 * sum; with it the completed region verifies */
				size_t st = le16toh(vh.csum_start), co = le16toh(vh.csum_offset);
				static uint8_t z[65536];
				memset(z, 0, (size_t)n - st);
				memcpy(z + co, pkt + st + co, 2);
				CHECK(memcmp(s, pkt, st + co) == 0);
				CHECK(memcmp(s + st + co + 2, pkt + st + co + 2, (size_t)n - st - co - 2) == 0);
				CHECK(ip_csum_fold(ip_csum_partial(ip_csum_partial(0, s + st, (size_t)n - st),
								   z, (size_t)n - st)) == 0);
			} else {
				CHECK(memcmp(s, pkt, len) == 0);
			}
		} else {
			CHECK((size_t)n <= (size_t)g.hdr_len + g.mss);
			check_l4(s, (size_t)n, g.proto);
			CHECK(memcmp(s + g.hdr_len, pkt + g.hdr_len + payload, (size_t)n - g.hdr_len) == 0);
			payload += (size_t)n - g.hdr_len;
		}
		off += (size_t)n;
	}
	CHECK(n == 0 && nseg == g.nseg);
	seg_off[nseg] = off;
	if (g.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		CHECK(payload == g.len - g.hdr_len);

	/* coalesce the segments: re-segmenting gives back the same bytes */
	const uint8_t *seg[DP_GSO_MAX_SEGS];
	size_t seg_len[DP_GSO_MAX_SEGS];
	for (unsigned i = 0; i < nseg; i++) {
		seg[i] = arena + seg_off[i];
		seg_len[i] = seg_off[i + 1] - seg_off[i];
	}
	unsigned done = 0, added = 0;
	while (added < nseg || done < nseg) {
		while (added < nseg && dp_gro_add(&gro, seg[added], seg_len[added]) >= 0)
			added++;
		while (dp_gro_pop(&gro, &out) == 1) {
			size_t fl = flatten(&out);
			if (out.segs == 1) {
				CHECK(out.vh.gso_type == VIRTIO_NET_HDR_GSO_NONE);
				CHECK(fl == seg_len[done] && memcmp(flat, seg[done], fl) == 0);
				done++;
				continue;
			}
			CHECK(done + out.segs <= nseg);
			resegment(&out, fl, &seg[done], &seg_len[done], out.segs);
			done += out.segs;
		}
	}
	CHECK(done == nseg);
}

/* Equal but for the IPv4 header and TCP checksums (0 and 0xffff are the
 * same ones-complement number; both verified apart). */
static int same_but_csums(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t l3 = a[0] >> 4 == 4 ? (size_t)(a[0] & 15) * 4 : 40;
	for (size_t i = 0; i < len; i++) {
		if ((a[0] >> 4 == 4 && (i == 10 || i == 11)) || i == l3 + 16 || i == l3 + 17)
			continue;
		if (a[i] != b[i])
			return 0;
	}
	return 1;
}

static void gro_batch(const uint8_t *data, size_t size)
{
	const uint8_t *p[DP_GRO_MAX_PKTS + 1];
	size_t plen[DP_GRO_MAX_PKTS + 1];
	unsigned n = 0;
	/* copy the packets out of the input: dp_gro keeps pointers */
	size_t used = 0;
	while (size >= 2 && n < DP_GRO_MAX_PKTS) {
		size_t l = MIN((size_t)get_be16(data), size - 2);
		if (used + l > sizeof(arena))
			break;
		memcpy(arena + used, data + 2, l);
		p[n] = arena + used;
		plen[n] = l;
		used += l;
		data += 2 + l;
		size -= 2 + l;
		CHECK(dp_gro_add(&gro, p[n], plen[n]) >= 0);
		n++;
	}
	p[n] = arena;
	plen[n] = 0;
	CHECK(dp_gro_add(&gro, arena, 0) == -ENOSPC || n < DP_GRO_MAX_PKTS);
	unsigned total = 0;
	uint8_t seen[DP_GRO_MAX_PKTS + 1] = { 0 };
	while (dp_gro_pop(&gro, &out) == 1) {
		size_t fl = flatten(&out);
		CHECK(out.first < n + 1 && !seen[out.first]);
		seen[out.first] = 1;
		total += out.segs;
		if (out.segs == 1) {
			CHECK(fl == plen[out.first] && memcmp(flat, p[out.first], fl) == 0);
			continue;
		}
		CHECK(out.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ||
		      out.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV6);
		resegment(&out, fl, NULL, NULL, 0);
		/* its first segment is its first packet */
		struct dp_gso g;
		CHECK(dp_gso_init(&g, &out.vh, flat, fl, NULL) == 0);
		int k = dp_gso_next(&g, again, sizeof(again));
		CHECK(k > 0 && (size_t)k == plen[out.first]);
		CHECK(same_but_csums(again, p[out.first], (size_t)k));
	}
	/* a zero-length add above took a slot when there was one */
	CHECK(total == n || total == n + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		dp_gro_init(&gro);
		init = 1;
	}
	if (size < 1 || size > 65536 + 16)
		return 0;
	if (data[0] & 1)
		gro_batch(data + 1, size - 1);
	else
		gso_then_gro(data + 1, size - 1);
	return 0;
}
