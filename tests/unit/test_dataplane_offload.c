/* Unit tests for src/dataplane/offload.c: segmentation of GSO super-packets
 * read from a vnet_hdr TUN (TCP/IPv4, TCP/IPv6, UDP USO, checksums
 * completed), coalescing of decapsulated segments into super-packets
 * (virtio 1.1 5.1.6, Linux tcp_gro_receive's rules), and refusal of
 * malformed input.  Packets are built from annotated bytes; checksums are
 * verified with wire/ip.c's independent implementation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "dataplane/offload.h"
#include "wire/ip.h"

#define SRC4 0xc0000264u  /* 192.0.2.100 */
#define DST4 0xc6120002u  /* 198.18.0.2 */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static uint8_t big[65536 + 64];
static uint8_t segs[80][2048];
static int seg_len[80];

/* An IPv4 (family 4) or IPv6 (6) TCP packet with the timestamp option
 * (32-octet TCP header), payload octet i = (seq + i) & 0xff, all
 * checksums complete.  Returns its length. */
static size_t tcp_pkt(uint8_t *p, int family, size_t payload, uint32_t seq, uint8_t flags,
		      uint16_t id)
{
	size_t l3 = family == 4 ? 20 : 40, len = l3 + 32 + payload;
	memset(p, 0, l3 + 32);
	if (family == 4) {
		p[0] = 0x45;                       /* version 4, IHL 5 */
		p[1] = 0x10;                       /* TOS */
		put_be16(p + 2, (uint16_t)len);    /* total length */
		put_be16(p + 4, id);               /* identification */
		put_be16(p + 6, 0x4000);           /* DF */
		p[8] = 64;                         /* TTL */
		p[9] = IPPROTO_TCP;
		put_be32(p + 12, SRC4);
		put_be32(p + 16, DST4);
		put_be16(p + 10, ip_csum(p, 20));
	} else {
		put_be32(p, 0x60012345);           /* version 6, flow label 0x12345 */
		put_be16(p + 4, (uint16_t)(len - 40));
		p[6] = IPPROTO_TCP;
		p[7] = 64;
		assert_int_equal(inet_pton(AF_INET6, "2001:db8:46::2", p + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, "2001:db8:46::ffff", p + 24), 1);
	}
	uint8_t *t = p + l3;
	put_be16(t, 40000);                        /* source port */
	put_be16(t + 2, 5201);                     /* destination port */
	put_be32(t + 4, seq);
	put_be32(t + 8, 0xa0b0c0d0);               /* ACK number */
	t[12] = 8 << 4;                            /* data offset: 32 octets */
	t[13] = flags;
	put_be16(t + 14, 502);                     /* window */
	t[20] = 1;                                 /* NOP, NOP, timestamp */
	t[21] = 1;
	t[22] = 8;
	t[23] = 10;
	put_be32(t + 24, 0x11223344);
	put_be32(t + 28, 0x55667788);
	for (size_t i = 0; i < payload; i++)
		t[32 + i] = (uint8_t)(seq + i);
	uint32_t ps = family == 4 ? ip_csum_pseudo4(SRC4, DST4, IPPROTO_TCP, (uint16_t)(len - l3))
				  : ip_csum_pseudo6((struct in6_addr *)(p + 8),
						    (struct in6_addr *)(p + 24), IPPROTO_TCP,
						    (uint32_t)(len - l3));
	put_be16(t + 16, ip_csum_fold(ip_csum_partial(ps, t, len - l3)));
	return len;
}

/* The TCP/UDP checksum of an IP packet verifies (and the IPv4 header's). */
static void assert_l4_ok(const uint8_t *p, size_t len)
{
	size_t l3;
	uint32_t ps;
	if (p[0] >> 4 == 4) {
		l3 = (size_t)(p[0] & 15) * 4;
		assert_int_equal(get_be16(p + 2), len);
		assert_int_equal(ip_csum(p, l3), 0);
		ps = ip_csum_pseudo4(get_be32(p + 12), get_be32(p + 16), p[9], (uint16_t)(len - l3));
	} else {
		l3 = 40;
		assert_int_equal(get_be16(p + 4) + 40, len);
		ps = ip_csum_pseudo6((const struct in6_addr *)(p + 8),
				     (const struct in6_addr *)(p + 24), p[6], (uint32_t)(len - l3));
	}
	assert_int_equal(ip_csum_fold(ip_csum_partial(ps, p + l3, len - l3)), 0);
}

static struct virtio_net_hdr vnet(uint8_t type, uint16_t gso_size)
{
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = type };
	vh.gso_size = htole16(gso_size);
	vh.hdr_len = htole16(54);       /* not trusted */
	vh.csum_start = htole16(20);
	vh.csum_offset = htole16(16);
	return vh;
}

/* Segment p into segs[]; returns the count. */
static int segment(const struct virtio_net_hdr *vh, const uint8_t *p, size_t len)
{
	struct dp_gso g;
	const char *why = NULL;
	assert_int_equal(dp_gso_init(&g, vh, p, len, &why), 0);
	assert_null(why);
	int n = 0, r;
	while ((r = dp_gso_next(&g, segs[n], sizeof(segs[n]))) > 0) {
		seg_len[n++] = r;
		assert_true(n < 80);
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, g.nseg);
	return n;
}

static void test_csum_partial_matches(void **state)
{
	(void)state;
	uint8_t b[300];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(b); len += 7)
			assert_int_equal(ip_csum_fold(dp_csum_partial(0x1234, b + off, len)),
					 ip_csum_fold(ip_csum_partial(0x1234, b + off, len)));
	memset(b, 0xff, sizeof(b));   /* carries everywhere */
	assert_int_equal(ip_csum_fold(dp_csum_partial(0xffff, b, 299)),
			 ip_csum_fold(ip_csum_partial(0xffff, b, 299)));
}

static void test_gso_tcp4(void **state)
{
	(void)state;
	size_t len = tcp_pkt(big, 4, 3500, 1000000, TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR, 0x1234);
	put_be16(big + 20 + 16, 0xdead);   /* a partial checksum: recomputed anyway */
	struct virtio_net_hdr vh = vnet(VIRTIO_NET_HDR_GSO_TCPV4, 1000);
	int n = segment(&vh, big, len);
	assert_int_equal(n, 4);
	static const int want_len[4] = { 1052, 1052, 1052, 552 };
	for (int i = 0; i < n; i++) {
		const uint8_t *s = segs[i], *t = s + 20;
		assert_int_equal(seg_len[i], want_len[i]);
		assert_l4_ok(s, (size_t)seg_len[i]);
		assert_int_equal(get_be16(s + 4), 0x1234 + i);        /* IPv4 ID counts up */
		assert_int_equal(get_be16(s + 6), 0x4000);            /* DF kept */
		assert_int_equal(s[1], 0x10);
		assert_int_equal(get_be32(t + 4), 1000000 + 1000 * i); /* RFC 9293 3.1 */
		assert_int_equal(get_be32(t + 8), 0xa0b0c0d0);
		uint8_t want = TCP_ACK | (i == 0 ? TCP_CWR : 0) | (i == 3 ? TCP_PSH | TCP_FIN : 0);
		assert_int_equal(t[13], want);
		assert_memory_equal(t + 20, big + 40, 12);             /* options */
		assert_memory_equal(t + 32, big + 52 + 1000 * i, (size_t)seg_len[i] - 52);
	}
}

static void test_gso_tcp6(void **state)
{
	(void)state;
	size_t len = tcp_pkt(big, 6, 64000, 0xfffff000u, TCP_ACK | TCP_PSH, 0);
	struct virtio_net_hdr vh = vnet(VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN, 1428);
	vh.csum_start = htole16(40);
	int n = segment(&vh, big, len);
	assert_int_equal(n, 45);  /* 44 * 1428 = 62832, then 1168 */
	for (int i = 0; i < n; i++) {
		const uint8_t *s = segs[i], *t = s + 40;
		size_t pl = i < 44 ? 1428 : 1168;
		assert_int_equal(seg_len[i], 40 + 32 + pl);
		assert_l4_ok(s, (size_t)seg_len[i]);
		assert_memory_equal(s, big, 4);                        /* flow label */
		assert_int_equal(get_be32(t + 4), (uint32_t)(0xfffff000u + 1428u * (uint32_t)i));
		assert_int_equal(t[13], TCP_ACK | (i == 44 ? TCP_PSH : 0));
		assert_memory_equal(t + 32, big + 72 + 1428 * (size_t)i, pl);
	}
}

static void test_gso_udp_l4(void **state)
{
	(void)state;
	/* IPv4/UDP, 2500 octets of payload, gso_size 1200: 1200, 1200, 100 */
	uint8_t *p = big;
	size_t len = 20 + 8 + 2500;
	memset(p, 0, 28);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 4, 7);
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	put_be32(p + 12, SRC4);
	put_be32(p + 16, DST4);
	put_be16(p + 10, ip_csum(p, 20));
	put_be16(p + 20, 4000);
	put_be16(p + 22, 4001);
	put_be16(p + 24, (uint16_t)(len - 20));
	for (size_t i = 0; i < 2500; i++)
		p[28 + i] = (uint8_t)(i * 7);
	struct virtio_net_hdr vh = vnet(VIRTIO_NET_HDR_GSO_UDP_L4, 1200);
	vh.csum_offset = htole16(6);
	int n = segment(&vh, p, len);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++) {
		size_t pl = i < 2 ? 1200 : 100;
		assert_int_equal(seg_len[i], 28 + pl);
		assert_l4_ok(segs[i], (size_t)seg_len[i]);
		assert_int_equal(get_be16(segs[i] + 24), 8 + pl);  /* RFC 768 length */
		assert_int_equal(get_be16(segs[i] + 4), 7 + i);
		assert_int_not_equal(get_be16(segs[i] + 26), 0);
		assert_memory_equal(segs[i] + 28, p + 28 + 1200 * (size_t)i, pl);
	}
	/* a TCP header on a UDP GSO type, and the reverse */
	struct dp_gso g;
	const char *why = NULL;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_int_equal(dp_gso_init(&g, &vh, p, len, &why), -EBADMSG);
	assert_string_equal(why, "gso-protocol");
}

static void test_gso_none_and_csum_complete(void **state)
{
	(void)state;
	size_t len = tcp_pkt(big, 4, 100, 5, TCP_ACK, 1);
	uint8_t *t = big + 20;
	uint16_t good = get_be16(t + 16);
	/* what the kernel hands over: the pseudo-header sum, not complemented */
	put_be16(t + 16, (uint16_t)~ip_csum_fold(ip_csum_pseudo4(SRC4, DST4, IPPROTO_TCP,
								     (uint16_t)(len - 20))));
	struct virtio_net_hdr vh = vnet(VIRTIO_NET_HDR_GSO_NONE, 0);
	int n = segment(&vh, big, len);
	assert_int_equal(n, 1);
	assert_int_equal(seg_len[0], len);
	assert_int_equal(get_be16(segs[0] + 36), good);
	assert_l4_ok(segs[0], len);

	/* in place */
	const char *why = NULL;
	assert_int_equal(dp_csum_complete(&vh, big, len, &why), 0);
	assert_int_equal(get_be16(t + 16), good);
	/* without NEEDS_CSUM: untouched */
	put_be16(t + 16, 0x4242);
	vh.flags = 0;
	assert_int_equal(dp_csum_complete(&vh, big, len, &why), 0);
	assert_int_equal(get_be16(t + 16), 0x4242);
	/* offsets outside the packet */
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = htole16((uint16_t)(len - 1));
	assert_int_equal(dp_csum_complete(&vh, big, len, &why), -EBADMSG);
	assert_string_equal(why, "csum-offsets");
	struct dp_gso g;
	assert_int_equal(dp_gso_init(&g, &vh, big, len, &why), -EBADMSG);
	vh.csum_start = htole16(20);
	vh.csum_offset = htole16(17);            /* not on a 16-bit boundary */
	assert_int_equal(dp_csum_complete(&vh, big, len, &why), -EBADMSG);
	assert_string_equal(why, "csum-offsets");
	/* a GSO header is not for dp_csum_complete */
	vh = vnet(VIRTIO_NET_HDR_GSO_TCPV4, 1000);
	assert_int_equal(dp_csum_complete(&vh, big, len, &why), -EINVAL);
}

static void expect_bad(const struct virtio_net_hdr *vh, const uint8_t *p, size_t len, int err,
		       const char *reason)
{
	struct dp_gso g;
	const char *why = NULL;
	assert_int_equal(dp_gso_init(&g, vh, p, len, &why), err);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_gso_malformed(void **state)
{
	(void)state;
	uint8_t p[2000];
	size_t len = tcp_pkt(p, 4, 1500, 1, TCP_ACK, 1);
	struct virtio_net_hdr vh = vnet(VIRTIO_NET_HDR_GSO_TCPV4, 1000);
	struct virtio_net_hdr v = vh;

	v.gso_size = htole16(DP_GSO_MIN_MSS - 1);
	expect_bad(&v, p, len, -EBADMSG, "gso-size");
	v = vh;
	v.gso_type = VIRTIO_NET_HDR_GSO_UDP;      /* UFO: fragments, not handled */
	expect_bad(&v, p, len, -EPROTONOSUPPORT, "gso-type");
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	expect_bad(&v, p, len, -EBADMSG, "gso-family");
	expect_bad(&vh, p, 0, -EBADMSG, "truncated");
	expect_bad(&vh, p, 30, -EBADMSG, "truncated");   /* shorter than total length */

	uint8_t q[2000];
	memcpy(q, p, len);
	q[0] = 0x55;
	expect_bad(&vh, q, len, -EBADMSG, "bad-version");
	memcpy(q, p, len);
	q[10] ^= 1;
	expect_bad(&vh, q, len, -EBADMSG, "bad-checksum");
	memcpy(q, p, len);
	put_be16(q + 6, 0x2000);                 /* MF */
	put_be16(q + 10, 0);
	put_be16(q + 10, ip_csum(q, 20));
	expect_bad(&vh, q, len, -EBADMSG, "fragment");
	memcpy(q, p, len);
	q[32] = 4 << 4;                          /* data offset 16 octets */
	expect_bad(&vh, q, len, -EBADMSG, "tcp-header-length");
	memcpy(q, p, len);
	q[32] = 15 << 4;                         /* 60 octets: past a 70-octet packet */
	put_be16(q + 2, 70);
	put_be16(q + 10, 0);
	put_be16(q + 10, ip_csum(q, 20));
	expect_bad(&vh, q, 70, -EBADMSG, "tcp-header-length");
	put_be16(q + 2, 30);
	put_be16(q + 10, 0);
	put_be16(q + 10, ip_csum(q, 20));
	expect_bad(&vh, q, 30, -EBADMSG, "tcp-truncated");

	/* IPv6 with an extension header */
	size_t len6 = tcp_pkt(q, 6, 100, 1, TCP_ACK, 0);
	struct virtio_net_hdr v6 = vnet(VIRTIO_NET_HDR_GSO_TCPV6, 1000);
	q[6] = 60;                               /* destination options first */
	memmove(q + 48, q + 40, len6 - 40);
	memset(q + 40, 0, 8);
	q[40] = IPPROTO_TCP;
	put_be16(q + 4, (uint16_t)(len6 - 40 + 8));
	expect_bad(&v6, q, len6 + 8, -EPROTONOSUPPORT, "gso-ipv6-ext-hdr");

	/* too small an output buffer: -ENOBUFS, the cursor stays */
	struct dp_gso g;
	uint8_t out[1100];
	assert_int_equal(dp_gso_init(&g, &vh, p, len, NULL), 0);
	assert_int_equal(g.nseg, 2);
	assert_int_equal(dp_gso_next(&g, out, 100), -ENOBUFS);
	assert_int_equal(dp_gso_next(&g, out, sizeof(out)), 1052);
	assert_int_equal(dp_gso_next(&g, out, sizeof(out)), 552);
	assert_int_equal(dp_gso_next(&g, out, sizeof(out)), 0);
}

/* Pop every output of g, check the virtio header of super-packets and that
 * re-segmenting each output gives exactly the input packets (in[] in the
 * order of their first packets).  Returns the number of outputs. */
static int pop_check(struct dp_gro *g, const uint8_t *const *in, const size_t *in_len,
		     uint16_t *segs_out)
{
	struct dp_gro_out o;
	int n = 0, k = 0;
	static uint8_t flat[65536];
	while (dp_gro_pop(g, &o) == 1) {
		size_t off = 0;
		for (int i = 0; i < o.iovcnt; i++) {
			memcpy(flat + off, o.iov[i].iov_base, o.iov[i].iov_len);
			off += o.iov[i].iov_len;
		}
		assert_int_equal(off, o.len);
		segs_out[n++] = o.segs;
		if (o.segs == 1) {
			assert_int_equal(o.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
			assert_int_equal(o.vh.flags, 0);
			assert_int_equal(o.len, in_len[k]);
			assert_memory_equal(flat, in[k], o.len);
			k++;
			continue;
		}
		int fam = flat[0] >> 4;
		size_t l3 = fam == 4 ? 20 : 40;
		assert_int_equal(o.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(o.vh.gso_type,
				 fam == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
		assert_int_equal(le16toh(o.vh.hdr_len), l3 + 32);
		assert_int_equal(le16toh(o.vh.gso_size), in_len[k] - l3 - 32);
		assert_int_equal(le16toh(o.vh.csum_start), l3);
		assert_int_equal(le16toh(o.vh.csum_offset), 16);
		if (fam == 4)
			assert_int_equal(ip_csum(flat, 20), 0);
		/* complete the partial checksum: the whole verifies */
		struct virtio_net_hdr c = o.vh;
		c.gso_type = VIRTIO_NET_HDR_GSO_NONE;
		static uint8_t whole[65536];
		memcpy(whole, flat, o.len);
		assert_int_equal(dp_csum_complete(&c, whole, o.len, NULL), 0);
		assert_l4_ok(whole, o.len);
		/* and the kernel's segmentation of it gives back the input */
		int m = segment(&o.vh, flat, o.len);
		assert_int_equal(m, o.segs);
		for (int i = 0; i < m; i++, k++) {
			assert_int_equal(seg_len[i], in_len[k]);
			assert_memory_equal(segs[i], in[k], in_len[k]);
		}
	}
	return n;
}

static void test_gro_merges_in_order(void **state)
{
	(void)state;
	for (int fam = 4; fam <= 6; fam += 2) {
		static uint8_t pk[8][2048];
		const uint8_t *in[8];
		size_t len[8];
		struct dp_gro g;
		dp_gro_init(&g);
		/* 5 full segments, then a short one with PSH: one super-packet */
		for (int i = 0; i < 6; i++) {
			len[i] = tcp_pkt(pk[i], fam, i < 5 ? 1400 : 300, 7000 + 1400 * (uint32_t)i,
					 TCP_ACK | (i == 5 ? TCP_PSH : 0), (uint16_t)(100 + i));
			in[i] = pk[i];
			assert_int_equal(dp_gro_add(&g, pk[i], len[i]), i == 0 ? 0 : 1);
		}
		assert_int_equal(dp_gro_add(&g, pk[0], len[0]), 0); /* a retransmit */
		in[6] = pk[0];
		len[6] = len[0];
		uint16_t so[8];
		assert_int_equal(pop_check(&g, in, len, so), 2);
		assert_int_equal(so[0], 6);
		assert_int_equal(so[1], 1);
		assert_int_equal(g.st.super, 1);
		assert_int_equal(g.st.merged, 5);
		assert_int_equal(g.st.pkts_in, 7);
		assert_int_equal(g.st.pkts_out, 2);
	}
}

static void test_gro_does_not_merge(void **state)
{
	(void)state;
	static uint8_t pk[16][2048];
	const uint8_t *in[16];
	size_t len[16];
	uint16_t so[16];
	struct dp_gro g;
	dp_gro_init(&g);

	/* out of order: seq 0, 2800, 1400 -> three outputs */
	len[0] = tcp_pkt(pk[0], 4, 1400, 0, TCP_ACK, 1);
	len[1] = tcp_pkt(pk[1], 4, 1400, 2800, TCP_ACK, 3);
	len[2] = tcp_pkt(pk[2], 4, 1400, 1400, TCP_ACK, 2);
	for (int i = 0; i < 3; i++) {
		in[i] = pk[i];
		assert_int_equal(dp_gro_add(&g, pk[i], len[i]), 0);
	}
	assert_int_equal(pop_check(&g, in, len, so), 3);

	/* two flows interleaved: two super-packets, flows' order kept */
	for (int i = 0; i < 6; i++) {
		len[i] = tcp_pkt(pk[i], 4, 1000, 1000 * (uint32_t)(i / 2), TCP_ACK,
				 (uint16_t)(i / 2));
		if (i & 1) {           /* the other flow: another source port */
			put_be16(pk[i] + 20, 40001);
			put_be16(pk[i] + 36, ip_csum_update16(get_be16(pk[i] + 36), 40000, 40001));
		}
		assert_int_equal(dp_gro_add(&g, pk[i], len[i]), i < 2 ? 0 : 1);
	}
	for (int i = 0; i < 6; i++)
		in[i] = pk[(i % 3) * 2 + i / 3];
	for (int i = 0; i < 6; i++)
		len[i] = len[0];
	assert_int_equal(pop_check(&g, in, len, so), 2);
	assert_int_equal(so[0], 3);
	assert_int_equal(so[1], 3);

	/* a flag change (CWR, SYN), another ACK number, a wrong IPv4 ID, a
	 * bad checksum, a larger segment, UDP: each is passed unchanged and
	 * closes the run */
	int n = 0;
	len[n] = tcp_pkt(pk[n], 4, 1000, 0, TCP_ACK, 10);           /* run head */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 1000, TCP_ACK | TCP_CWR, 11);
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 2000, TCP_ACK, 12);         /* new head */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 3000, TCP_ACK, 99);         /* ID */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 4000, TCP_ACK, 14);         /* new head */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 5000, TCP_ACK, 15);
	put_be32(pk[n] + 28, 0xa0b0c0d1);                            /* ACK number */
	put_be16(pk[n] + 36, ip_csum_update16(get_be16(pk[n] + 36), 0xc0d0, 0xc0d1));
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 6000, TCP_ACK, 16);         /* new head */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 7000, TCP_ACK, 17);
	pk[n][60] ^= 0xff;                                           /* checksum */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 8000, TCP_ACK, 18);         /* new head */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1001, 9000, TCP_ACK, 19);         /* > MSS */
	n++;
	len[n] = tcp_pkt(pk[n], 4, 1000, 1, TCP_SYN, 0);             /* SYN */
	n++;
	len[n] = 40;                                                 /* UDP */
	memcpy(pk[n], pk[0], 40);
	pk[n][9] = IPPROTO_UDP;
	put_be16(pk[n] + 2, 40);
	put_be16(pk[n] + 10, 0);
	put_be16(pk[n] + 10, ip_csum(pk[n], 20));
	n++;
	for (int i = 0; i < n; i++) {
		in[i] = pk[i];
		assert_int_equal(dp_gro_add(&g, pk[i], len[i]), 0);
	}
	assert_int_equal(g.st.bad_csum, 1);
	assert_int_equal(pop_check(&g, in, len, so), n);
	for (int i = 0; i < n; i++)
		assert_int_equal(so[i], 1);
}

static void test_gro_limits(void **state)
{
	(void)state;
	static uint8_t pk[2][2048];
	struct dp_gro g;
	struct dp_gro_out o;
	dp_gro_init(&g);
	size_t len = tcp_pkt(pk[0], 6, 1000, 0, TCP_ACK, 0);
	/* DP_GRO_MAX_SEGS segments of one flow, then a new run */
	static uint8_t run[DP_GRO_MAX_SEGS + 1][1100];
	for (int i = 0; i <= DP_GRO_MAX_SEGS; i++) {
		tcp_pkt(run[i], 6, 1000, 1000 * (uint32_t)i, TCP_ACK, 0);
		assert_int_equal(dp_gro_add(&g, run[i], len),
				 i == 0 || i == DP_GRO_MAX_SEGS ? 0 : 1);
	}
	assert_int_equal(dp_gro_pop(&g, &o), 1);
	assert_int_equal(o.segs, DP_GRO_MAX_SEGS);
	assert_int_equal(o.iovcnt, 1 + DP_GRO_MAX_SEGS);
	assert_int_equal(o.len, 72 + 1000 * DP_GRO_MAX_SEGS);
	assert_int_equal(dp_gro_add(&g, pk[0], len), -EBUSY);   /* popping */
	assert_int_equal(dp_gro_pop(&g, &o), 1);
	assert_int_equal(o.segs, 1);
	assert_int_equal(dp_gro_pop(&g, &o), 0);
	/* the table is full at DP_GRO_MAX_PKTS */
	for (int i = 0; i < DP_GRO_MAX_PKTS; i++)
		assert_true(dp_gro_add(&g, pk[0], len) >= 0);
	assert_int_equal(dp_gro_add(&g, pk[0], len), -ENOSPC);
	int n = 0;
	while (dp_gro_pop(&g, &o) == 1)
		n++;
	assert_int_equal(n, DP_GRO_MAX_PKTS);
	assert_int_equal(dp_gro_add(&g, pk[0], len), 0);        /* usable again */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_partial_matches),
		cmocka_unit_test(test_gso_tcp4),
		cmocka_unit_test(test_gso_tcp6),
		cmocka_unit_test(test_gso_udp_l4),
		cmocka_unit_test(test_gso_none_and_csum_complete),
		cmocka_unit_test(test_gso_malformed),
		cmocka_unit_test(test_gro_merges_in_order),
		cmocka_unit_test(test_gro_does_not_merge),
		cmocka_unit_test(test_gro_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
