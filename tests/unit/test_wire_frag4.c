/* Unit tests for src/wire/frag4: IPv4 fragmentation of outgoing tunnel
 * packets (RFC 791 2.3 "Fragmentation and reassembly", 3.2 "An Example
 * Fragmentation Procedure"), from annotated bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"
#include "wire/frag4.h"

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get_be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An outer IP-in-IP header (RFC 2003 3.1) from the home agent 192.0.2.1 to
 * a care-of address 198.51.100.20, followed by len - 20 payload octets
 * numbered from 0. */
static const uint8_t hdr20[20] = {
	0x45, 0x00, 0x00, 0x00, /* version 4, IHL 5, TOS 0, total length below */
	0x12, 0x34, 0x00, 0x00, /* identification 0x1234, no flags, offset 0 */
	0x40, 0x04, 0x00, 0x00, /* TTL 64, protocol 4 (IP in IP), checksum below */
	192, 0, 2, 1,           /* source: the home agent */
	198, 51, 100, 20,       /* destination: the care-of address */
};

static void build(uint8_t *p, const uint8_t *hdr, size_t hlen, size_t len)
{
	memcpy(p, hdr, hlen);
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 10, 0);
	put_be16(p + 10, csum(p, hlen));
	for (size_t i = hlen; i < len; i++)
		p[i] = (uint8_t)(i - hlen);
}

/* Walks every fragment, checks what RFC 791 requires of each, and puts the
 * payloads back together in out (offsets relative to base). */
struct walk {
	unsigned n;
	uint16_t len[64], off[64];
	bool mf[64];
	uint8_t hdr[64][60];
};

static unsigned walk_all(struct frag4 *fr, const uint8_t *orig, uint8_t *out, struct walk *w,
			 uint16_t mtu)
{
	struct ip4_frag f;
	int r;
	memset(w, 0, sizeof(*w));
	while ((r = frag4_next(fr, &f, NULL)) == 1) {
		assert_true(w->n < 64);
		size_t tot = f.hdr_len + f.data_len;
		assert_true(tot <= mtu);
		assert_int_equal(get_be16(f.hdr + 2), tot);
		assert_int_equal(csum(f.hdr, f.hdr_len), 0);
		assert_memory_equal(f.hdr + 4, orig + 4, 2);   /* identification */
		assert_memory_equal(f.hdr + 8, orig + 8, 2);   /* TTL, protocol */
		assert_memory_equal(f.hdr + 12, orig + 12, 8); /* addresses */
		uint16_t fo = get_be16(f.hdr + 6);
		assert_int_equal((fo & 0x1fff) * 8, f.offset);
		assert_int_equal((fo & 0x2000) != 0, f.mf);
		if (f.mf)
			assert_int_equal(f.data_len % 8, 0);
		memcpy(out + f.offset - fr->v.frag_off, f.data, f.data_len);
		w->len[w->n] = (uint16_t)tot;
		w->off[w->n] = f.offset;
		w->mf[w->n] = f.mf;
		memcpy(w->hdr[w->n], f.hdr, f.hdr_len);
		w->n++;
	}
	assert_int_equal(r, 0);
	assert_int_equal(frag4_next(fr, &f, NULL), 0);   /* stays at the end */
	return w->n;
}

static void test_count(void **state)
{
	(void)state;
	assert_int_equal(frag4_count(20, 1480, 1500), 1);  /* exactly fits */
	assert_int_equal(frag4_count(20, 1481, 1500), 2);
	assert_int_equal(frag4_count(20, 1480, 576), 3);   /* 552 + 552 + 376 */
	assert_int_equal(frag4_count(20, 65515, 1500), 45); /* 44 * 1480 + 395 */
	assert_int_equal(frag4_count(60, 100, 68), 13);    /* 8 octets each */
	assert_int_equal(frag4_count(60, 100, 67), 0);     /* no room */
	assert_int_equal(frag4_count(20, 0, 20), 1);
}

/* RFC 791 3.2: a datagram that fits is sent as it is. */
static void test_fits(void **state)
{
	(void)state;
	uint8_t p[1500 + 16];
	build(p, hdr20, 20, 1500);
	memset(p + 1500, 0xee, 16); /* link padding after the total length */
	struct frag4 fr;
	enum ip_drop why = IP_DROP_TRUNCATED;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 1500, &why), 1);
	assert_int_equal(why, IP_DROP_NONE);
	struct ip4_frag f;
	assert_int_equal(frag4_next(&fr, &f, NULL), 1);
	assert_int_equal(f.hdr_len, 20);
	assert_memory_equal(f.hdr, p, 20);
	assert_ptr_equal(f.data, p + 20);
	assert_int_equal(f.data_len, 1480);
	assert_int_equal(f.offset, 0);
	assert_false(f.mf);
	assert_int_equal(frag4_next(&fr, &f, NULL), 0);

	/* DF does not matter when it fits; mtu below 68 neither */
	p[6] = 0x40;
	put_be16(p + 10, 0);
	put_be16(p + 10, csum(p, 20));
	assert_int_equal(frag4_init(&fr, p, 1500, 1500, NULL), 1);
	uint8_t small[40];
	build(small, hdr20, 20, 40);
	assert_int_equal(frag4_init(&fr, small, 40, 40, NULL), 1);
}

/* 1500 octets at 576: 552 + 552 + 376 payload octets (RFC 791 3.2:
 * NFB = (MTU - IHL*4) / 8 = 69 blocks). */
static void test_three(void **state)
{
	(void)state;
	uint8_t p[1500], out[1500];
	build(p, hdr20, 20, 1500);
	struct frag4 fr;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 576, NULL), 3);
	struct walk w;
	memset(out, 0, sizeof(out));
	assert_int_equal(walk_all(&fr, p, out, &w, 576), 3);
	assert_memory_equal(out, p + 20, 1480);

	static const uint8_t f0[20] = {
		0x45, 0x00, 0x02, 0x3c, /* total length 572 */
		0x12, 0x34, 0x20, 0x00, /* same id; MF, offset 0 */
		0x40, 0x04, 0x00, 0x00, 192, 0, 2, 1, 198, 51, 100, 20,
	};
	static const uint8_t f1[8] = {
		0x45, 0x00, 0x02, 0x3c, /* 572 */
		0x12, 0x34, 0x20, 0x45, /* MF, offset 69 (552 octets) */
	};
	static const uint8_t f2[8] = {
		0x45, 0x00, 0x01, 0x8c, /* 20 + 376 = 396 */
		0x12, 0x34, 0x00, 0x8a, /* last: no MF, offset 138 */
	};
	assert_memory_equal(w.hdr[0], f0, 10);
	assert_memory_equal(w.hdr[0] + 12, f0 + 12, 8);
	assert_memory_equal(w.hdr[1], f1, 8);
	assert_memory_equal(w.hdr[2], f2, 8);
	assert_int_equal(w.off[2], 1104);
	assert_true(w.mf[0] && w.mf[1] && !w.mf[2]);
}

/* Options: a copied one (Router Alert, type 148) is in every fragment;
 * one without the copied flag (Timestamp, type 68) only in the first, NOPs
 * in its place after (as Linux does, so every header has the same length). */
static void test_options(void **state)
{
	(void)state;
	static const uint8_t hdr28[28] = {
		0x47, 0x00, 0x00, 0x00, /* IHL 7: 8 option octets */
		0xbe, 0xef, 0x00, 0x00,
		0x40, 0x2f, 0x00, 0x00, /* TTL 64, GRE */
		10, 0, 0, 1, 10, 0, 0, 2,
		0x94, 0x04, 0x00, 0x00, /* Router Alert (copied), value 0 */
		0x44, 0x04, 0x05, 0x00, /* Timestamp (not copied), pointer 5 */
	};
	uint8_t p[200], out[200];
	build(p, hdr28, 28, 200);
	struct frag4 fr;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 100, NULL), 3); /* 72 + 72 + 28 */
	struct walk w;
	assert_int_equal(walk_all(&fr, p, out, &w, 100), 3);
	assert_memory_equal(out, p + 28, 172);
	assert_memory_equal(w.hdr[0] + 20, hdr28 + 20, 8);
	static const uint8_t later[8] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01 };
	assert_memory_equal(w.hdr[1] + 20, later, 8);
	assert_memory_equal(w.hdr[2] + 20, later, 8);
	assert_int_equal(w.len[0], 100);
	assert_int_equal(w.len[2], 28 + 28);

	/* an option running past the header: refused before anything is sent */
	uint8_t bad[200];
	memcpy(bad, p, sizeof(bad));
	bad[25] = 0x09;
	put_be16(bad + 10, 0);
	put_be16(bad + 10, csum(bad, 28));
	enum ip_drop why;
	assert_int_equal(frag4_init(&fr, bad, sizeof(bad), 100, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_OPTIONS);
}

/* RFC 791 3.2: an already-fragmented datagram is fragmented further; the
 * pieces' offsets add to its own, the last keeps its MF. */
static void test_refragment(void **state)
{
	(void)state;
	uint8_t h[20];
	memcpy(h, hdr20, 20);
	put_be16(h + 6, 0x2000 | 100); /* MF, offset 800 */
	uint8_t p[620], out[600];
	build(p, h, 20, sizeof(p));
	struct frag4 fr;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 300, NULL), 3); /* 280 280 40 */
	struct walk w;
	assert_int_equal(walk_all(&fr, p, out, &w, 300), 3);
	assert_memory_equal(out, p + 20, 600);
	assert_int_equal(w.off[0], 800);
	assert_int_equal(w.off[1], 1080);
	assert_int_equal(w.off[2], 1360);
	assert_true(w.mf[0] && w.mf[1] && w.mf[2]);
	assert_int_equal(get_be16(w.hdr[2] + 6), 0x2000 | 170);

	/* the same as the last piece: MF clear at the end */
	put_be16(h + 6, 100);
	build(p, h, 20, sizeof(p));
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 300, NULL), 3);
	assert_int_equal(walk_all(&fr, p, out, &w, 300), 3);
	assert_false(w.mf[2]);
	assert_int_equal(get_be16(w.hdr[2] + 6), 170);

	/* offsets past 65528 cannot be written: refused up front */
	put_be16(h + 6, 0x1ff0); /* offset 65408 */
	build(p, h, 20, sizeof(p));
	enum ip_drop why;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 300, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_LENGTH);
}

static void test_refused(void **state)
{
	(void)state;
	uint8_t p[1500];
	struct frag4 fr;
	enum ip_drop why;

	/* RFC 791 2.3: DF set and too big */
	uint8_t h[20];
	memcpy(h, hdr20, 20);
	h[6] = 0x40;
	build(p, h, 20, sizeof(p));
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 1400, &why), -EMSGSIZE);
	assert_int_equal(why, IP_DROP_DF_SET);
	struct ip4_frag f;
	assert_int_equal(frag4_next(&fr, &f, NULL), 0);

	/* MTU below the 68 every module must take, or with no room */
	build(p, hdr20, 20, sizeof(p));
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 67, &why), -EINVAL);
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 27, &why), -EINVAL);
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 68, &why), 31); /* 48 each */

	/* headers that do not parse */
	assert_int_equal(frag4_init(&fr, p, 1499, 576, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_TRUNCATED);
	p[11] ^= 1;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 576, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_CHECKSUM);
	p[11] ^= 1;
	p[0] = 0x65;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 576, &why), -EBADMSG);
	assert_int_equal(why, IP_DROP_BAD_VERSION);
	assert_int_equal(frag4_init(&fr, p, 3, 576, &why), -EBADMSG);
}

/* The largest datagram at a 1500 link: 45 fragments that add up. */
static void test_largest(void **state)
{
	(void)state;
	static uint8_t p[65535], out[65535];
	build(p, hdr20, 20, sizeof(p));
	struct frag4 fr;
	assert_int_equal(frag4_init(&fr, p, sizeof(p), 1500, NULL), 45);
	static struct walk w;
	assert_int_equal(walk_all(&fr, p, out, &w, 1500), 45);
	assert_memory_equal(out, p + 20, 65515);
	assert_int_equal(w.len[44], 20 + 65515 - 44 * 1480);
	assert_int_equal(w.off[44], 44 * 1480);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_three),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_refragment),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_largest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
