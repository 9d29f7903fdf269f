/* Unit tests for src/wire/dhcp6: the option cursor, message and relay
 * parsing, the DSTM IPv4 Global Address option (dstm-04 6.1), encoders and
 * reconfigure key authentication (RFC 8415 20.4).  Messages are written as
 * annotated bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/dhcp6.h"

#define V4OPT DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT /* 65046 = 0xfe16 */

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void assert_addr6(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = addr6(s);
	assert_memory_equal(a->s6_addr, b.s6_addr, 16);
}

/* ---- cursor ------------------------------------------------------------ */

static void test_opt_next(void **state)
{
	(void)state;
	static const uint8_t b[] = {
		/* ELAPSED_TIME */ 0x00, 0x08, 0x00, 0x02, 0x01, 0x02,
		/* RAPID_COMMIT */ 0x00, 0x0e, 0x00, 0x00,
	};
	struct dhcp6_opt o;
	size_t off = 0;

	assert_int_equal(dhcp6_opt_next(b, sizeof(b), &off, &o), 1);
	assert_int_equal(o.code, DHCP6_OPT_ELAPSED_TIME);
	assert_int_equal(o.len, 2);
	assert_ptr_equal(o.data, b + 4);
	assert_int_equal(off, 6);
	assert_int_equal(dhcp6_opt_next(b, sizeof(b), &off, &o), 1);
	assert_int_equal(o.code, DHCP6_OPT_RAPID_COMMIT);
	assert_int_equal(o.len, 0);
	assert_int_equal(off, 10);
	assert_int_equal(dhcp6_opt_next(b, sizeof(b), &off, &o), 0);
	assert_int_equal(dhcp6_opt_next(NULL, 0, &(size_t){ 0 }, &o), 0);

	/* a header cut short, a length past the end, an offset past the end */
	for (size_t cut = 1; cut < 4; cut++) {
		off = 0;
		assert_int_equal(dhcp6_opt_next(b + 6, cut, &off, &o), -EBADMSG);
	}
	off = 0;
	assert_int_equal(dhcp6_opt_next(b, 5, &off, &o), -EBADMSG);
	off = 11;
	assert_int_equal(dhcp6_opt_next(b, sizeof(b), &off, &o), -EBADMSG);
}

/* ---- every option type --------------------------------------------------- */

static const uint8_t all_opts[] = {
	/* REPLY */ 0x07, /* xid */ 0xab, 0xcd, 0xef,
	/* CLIENTID */ 0x00, 0x01, 0x00, 0x04, /* DUID */ 0x00, 0x04, 0xde, 0xad,
	/* SERVERID */ 0x00, 0x02, 0x00, 0x03, /* DUID */ 0x01, 0x02, 0x03,
	/* IA_NA */ 0x00, 0x03, 0x00, 0x36,
		/* IAID */ 0x11, 0x22, 0x33, 0x44,
		/* T1 100 */ 0x00, 0x00, 0x00, 0x64,
		/* T2 200 */ 0x00, 0x00, 0x00, 0xc8,
		/* IAADDR */ 0x00, 0x05, 0x00, 0x1e,
			/* 2001:db8::5 */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 0x05,
			/* preferred 300 */ 0x00, 0x00, 0x01, 0x2c,
			/* valid 400 */ 0x00, 0x00, 0x01, 0x90,
			/* STATUS_CODE */ 0x00, 0x0d, 0x00, 0x02, /* NotOnLink */ 0x00, 0x04,
		/* STATUS_CODE */ 0x00, 0x0d, 0x00, 0x04, /* Success */ 0x00, 0x00, 'o', 'k',
	/* IA_TA */ 0x00, 0x04, 0x00, 0x20,
		/* IAID */ 0x55, 0x66, 0x77, 0x88,
		/* IAADDR */ 0x00, 0x05, 0x00, 0x18,
			/* 2001:db8::7 */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 0x07,
			/* preferred 10 */ 0x00, 0x00, 0x00, 0x0a,
			/* valid 20 */ 0x00, 0x00, 0x00, 0x14,
	/* ORO */ 0x00, 0x06, 0x00, 0x04, /* DNS servers */ 0x00, 0x17,
		/* domain list */ 0x00, 0x18,
	/* PREFERENCE */ 0x00, 0x07, 0x00, 0x01, 0xff,
	/* ELAPSED_TIME */ 0x00, 0x08, 0x00, 0x02, /* 3 s */ 0x01, 0x2c,
	/* AUTH */ 0x00, 0x0b, 0x00, 0x0f,
		/* protocol */ 0x03, /* algorithm */ 0x01, /* RDM */ 0x00,
		/* replay */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,
		/* info (offset 147) */ 0xde, 0xad, 0xbe, 0xef,
	/* UNICAST */ 0x00, 0x0c, 0x00, 0x10,
		/* 2001:db8::99 */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0x99,
	/* STATUS_CODE */ 0x00, 0x0d, 0x00, 0x06, /* NoBinding */ 0x00, 0x03,
		'g', 'o', 'n', 'e',
	/* RAPID_COMMIT */ 0x00, 0x0e, 0x00, 0x00,
	/* RECONF_MSG */ 0x00, 0x13, 0x00, 0x01, /* RENEW */ 0x05,
	/* RECONF_ACCEPT */ 0x00, 0x14, 0x00, 0x00,
	/* unknown 255 */ 0x00, 0xff, 0x00, 0x02, 0xaa, 0xbb,
};

static void test_parse_all_options(void **state)
{
	(void)state;
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(all_opts, sizeof(all_opts), V4OPT, &m), 0);
	assert_int_equal(m.type, DHCP6_REPLY);
	assert_int_equal(m.xid, 0xabcdef);
	assert_int_equal(m.clientid.len, 4);
	assert_memory_equal(m.clientid.data, ((uint8_t[]){ 0x00, 0x04, 0xde, 0xad }), 4);
	assert_int_equal(m.serverid.len, 3);
	assert_memory_equal(m.serverid.data, ((uint8_t[]){ 1, 2, 3 }), 3);

	assert_int_equal(m.n_ia, 2);
	const struct dhcp6_ia *na = &m.ia[0], *ta = &m.ia[1];
	assert_int_equal(na->type, DHCP6_OPT_IA_NA);
	assert_int_equal(na->iaid, 0x11223344);
	assert_int_equal(na->t1, 100);
	assert_int_equal(na->t2, 200);
	assert_false(na->ipv4);
	assert_int_equal(na->n_addrs, 1);
	assert_addr6(&na->addrs[0].addr, "2001:db8::5");
	assert_int_equal(na->addrs[0].preferred, 300);
	assert_int_equal(na->addrs[0].valid, 400);
	assert_true(na->addrs[0].has_status);
	assert_int_equal(na->addrs[0].status, DHCP6_STATUS_NOTONLINK);
	assert_true(na->has_status);
	assert_int_equal(na->status, DHCP6_STATUS_SUCCESS);
	assert_int_equal(ta->type, DHCP6_OPT_IA_TA);
	assert_int_equal(ta->iaid, 0x55667788);
	assert_int_equal(ta->t1, 0);
	assert_int_equal(ta->t2, 0);
	assert_int_equal(ta->n_addrs, 1);
	assert_addr6(&ta->addrs[0].addr, "2001:db8::7");
	assert_int_equal(ta->addrs[0].preferred, 10);
	assert_int_equal(ta->addrs[0].valid, 20);
	assert_false(ta->addrs[0].has_status);
	assert_false(ta->has_status);

	assert_int_equal(m.n_oro, 2);
	assert_int_equal(m.oro[0], 23);
	assert_int_equal(m.oro[1], 24);
	assert_true(m.has_preference);
	assert_int_equal(m.preference, 255);
	assert_true(m.has_elapsed);
	assert_int_equal(m.elapsed, 300);
	assert_true(m.has_auth);
	assert_int_equal(m.auth.protocol, 3);
	assert_int_equal(m.auth.algorithm, 1);
	assert_int_equal(m.auth.rdm, 0);
	assert_true(m.auth.replay == 42);
	assert_int_equal(m.auth.info_len, 4);
	assert_int_equal(m.auth.info_off, 147);
	assert_ptr_equal(m.auth.info, all_opts + 147);
	assert_int_equal(m.auth.info[0], 0xde);
	assert_true(m.has_unicast);
	assert_addr6(&m.unicast, "2001:db8::99");
	assert_true(m.has_status);
	assert_int_equal(m.status, DHCP6_STATUS_NOBINDING);
	assert_int_equal(m.status_msg_len, 4);
	assert_memory_equal(m.status_msg, "gone", 4);
	assert_true(m.rapid_commit);
	assert_true(m.has_reconf_msg);
	assert_int_equal(m.reconf_msg, DHCP6_RENEW);
	assert_true(m.reconf_accept);
	assert_false(m.ipv4_dangling);

	/* every proper prefix that ends inside an option is malformed */
	size_t off = DHCP6_MSG_HDR_LEN, ends[32], n = 0;
	struct dhcp6_opt o;
	while (dhcp6_opt_next(all_opts, sizeof(all_opts), &off, &o) > 0)
		ends[n++] = off;
	for (size_t cut = DHCP6_MSG_HDR_LEN; cut < sizeof(all_opts); cut++) {
		bool boundary = cut == DHCP6_MSG_HDR_LEN;
		for (size_t i = 0; i < n; i++)
			boundary |= ends[i] == cut;
		assert_int_equal(dhcp6_msg_parse(all_opts, cut, V4OPT, &m),
				 boundary ? 0 : -EBADMSG);
	}
}

/* ---- DSTM (dstm-04 6.1) --------------------------------------------------- */

static const uint8_t dstm_solicit[] = {
	/* SOLICIT */ 0x01, /* xid */ 0x12, 0x34, 0x56,
	/* CLIENTID */ 0x00, 0x01, 0x00, 0x0e,
		/* DUID-LLT */ 0x00, 0x01, /* ethernet */ 0x00, 0x01,
		/* time */ 0x2a, 0x3b, 0x4c, 0x5d,
		/* MAC */ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x00,
	/* IA_NA */ 0x00, 0x03, 0x00, 0x0c,
		/* IAID */ 0x00, 0x00, 0x00, 0x01,
		/* T1 */ 0x00, 0x00, 0x00, 0x00,
		/* T2 */ 0x00, 0x00, 0x00, 0x00,
	/* ORO */ 0x00, 0x06, 0x00, 0x04, /* DNS servers */ 0x00, 0x17,
		/* IPv4 Global Address */ 0xfe, 0x16,
	/* ELAPSED_TIME */ 0x00, 0x08, 0x00, 0x02, 0x00, 0x00,
};

static void test_dstm_solicit(void **state)
{
	(void)state;
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(dstm_solicit, sizeof(dstm_solicit), V4OPT, &m), 0);
	assert_int_equal(m.type, DHCP6_SOLICIT);
	assert_int_equal(m.xid, 0x123456);
	assert_int_equal(m.clientid.len, 14);
	assert_memory_equal(m.clientid.data, dstm_solicit + 8, 14);
	assert_int_equal(m.serverid.len, 0);
	assert_int_equal(m.n_ia, 1);
	assert_int_equal(m.ia[0].type, DHCP6_OPT_IA_NA);
	assert_int_equal(m.ia[0].iaid, 1);
	assert_true(m.ia[0].ipv4);
	assert_false(m.ia[0].has_tep);
	assert_int_equal(m.ia[0].n_addrs, 0);
	assert_int_equal(m.n_oro, 2);
	assert_int_equal(m.oro[0], 23);
	assert_int_equal(m.oro[1], V4OPT);
	assert_true(m.has_elapsed);
	assert_int_equal(m.elapsed, 0);
	assert_false(m.ipv4_dangling);

	/* with recognition disabled the option is an unknown one */
	assert_int_equal(dhcp6_msg_parse(dstm_solicit, sizeof(dstm_solicit), 0, &m), 0);
	assert_int_equal(m.n_ia, 1);
	assert_false(m.ia[0].ipv4);
	assert_false(m.ipv4_dangling);
}

static const uint8_t dstm_reply[] = {
	/* REPLY */ 0x07, /* xid */ 0x12, 0x34, 0x56,
	/* SERVERID */ 0x00, 0x02, 0x00, 0x0a,
		/* DUID-LL */ 0x00, 0x03, /* ethernet */ 0x00, 0x01,
		/* MAC */ 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
	/* CLIENTID */ 0x00, 0x01, 0x00, 0x0e,
		/* DUID-LLT */ 0x00, 0x01, /* ethernet */ 0x00, 0x01,
		/* time */ 0x2a, 0x3b, 0x4c, 0x5d,
		/* MAC */ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x10,
		/* TEP 2001:db8::1 */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0x01,
	/* IA_NA */ 0x00, 0x03, 0x00, 0x28,
		/* IAID */ 0x00, 0x00, 0x00, 0x01,
		/* T1 1800 */ 0x00, 0x00, 0x07, 0x08,
		/* T2 2880 */ 0x00, 0x00, 0x0b, 0x40,
		/* IAADDR */ 0x00, 0x05, 0x00, 0x18,
			/* ::ffff:192.0.2.10 */ 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0xff, 0xff, 0xc0, 0x00, 0x02, 0x0a,
			/* preferred 3600 */ 0x00, 0x00, 0x0e, 0x10,
			/* valid 7200 */ 0x00, 0x00, 0x1c, 0x20,
};

static void test_dstm_reply_tep(void **state)
{
	(void)state;
	uint8_t out[256];
	struct dhcp6_buf b;
	struct dhcp6_msg m;
	struct dhcp6_duid sid = { .len = 10 }, cid = { .len = 14 };
	struct in6_addr tep = addr6("2001:db8::1"), a;
	size_t mark;

	memcpy(sid.data, dstm_reply + 8, 10);
	memcpy(cid.data, dstm_reply + 22, 14);
	in6_set_mapped(&a, 0xc000020a);
	dhcp6_buf_init(&b, out, sizeof(out));
	assert_int_equal(dhcp6_put_msg_hdr(&b, DHCP6_REPLY, 0x123456), 0);
	assert_int_equal(dhcp6_put_duid(&b, DHCP6_OPT_SERVERID, &sid), 0);
	assert_int_equal(dhcp6_put_duid(&b, DHCP6_OPT_CLIENTID, &cid), 0);
	assert_int_equal(dhcp6_put_ipv4_global(&b, V4OPT, &tep), 0);
	assert_int_equal(dhcp6_put_ia_begin(&b, DHCP6_OPT_IA_NA, 1, 1800, 2880, &mark), 0);
	assert_int_equal(dhcp6_put_iaaddr(&b, &a, 3600, 7200, -1, NULL), 0);
	assert_int_equal(dhcp6_opt_end(&b, mark), 0);
	assert_int_equal(b.len, sizeof(dstm_reply));
	assert_memory_equal(out, dstm_reply, sizeof(dstm_reply));

	assert_int_equal(dhcp6_msg_parse(out, b.len, V4OPT, &m), 0);
	assert_int_equal(m.type, DHCP6_REPLY);
	assert_int_equal(m.serverid.len, 10);
	assert_int_equal(m.clientid.len, 14);
	assert_int_equal(m.n_ia, 1);
	assert_true(m.ia[0].ipv4);
	assert_true(m.ia[0].has_tep);
	assert_addr6(&m.ia[0].tep, "2001:db8::1");
	assert_int_equal(m.ia[0].t1, 1800);
	assert_int_equal(m.ia[0].t2, 2880);
	assert_int_equal(m.ia[0].n_addrs, 1);
	assert_true(in6_is_mapped(&m.ia[0].addrs[0].addr));
	assert_int_equal(in6_mapped_v4(&m.ia[0].addrs[0].addr), 0xc000020a);
	assert_int_equal(m.ia[0].addrs[0].preferred, 3600);
	assert_int_equal(m.ia[0].addrs[0].valid, 7200);
	assert_false(m.ipv4_dangling);

	/* the length-0 form as a client sends it (dstm-04 6.1.1) */
	dhcp6_buf_init(&b, out, sizeof(out));
	assert_int_equal(dhcp6_put_ipv4_global(&b, V4OPT, NULL), 0);
	assert_int_equal(b.len, 4);
	assert_memory_equal(out, ((uint8_t[]){ 0xfe, 0x16, 0x00, 0x00 }), 4);
	assert_int_equal(dhcp6_put_ipv4_global(&b, 0, NULL), -EINVAL);
}

static void test_dstm_applies_to_next_ia_only(void **state)
{
	(void)state;
	static const uint8_t two_ias[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x07,
		/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x00,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 0x01,
			/* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 0x02,
			/* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
	};
	static const uint8_t then_oro[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x07,
		/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x00,
		/* ORO */ 0x00, 0x06, 0x00, 0x02, 0x00, 0x17,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 0x01,
			/* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
	};
	static const uint8_t then_ia_ta[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x07,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 0x01,
			/* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
		/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x10,
			/* TEP 2001:db8::2 */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 0x02,
		/* IA_TA */ 0x00, 0x04, 0x00, 0x04, 0, 0, 0, 0x09,
	};
	static const uint8_t at_end[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x07,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 0x01,
			/* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
		/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x00,
	};
	static const uint8_t twice[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x07,
		/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x10,
			/* TEP 2001:db8::2 */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 0x02,
		/* IPv4 Global Address */ 0xfe, 0x16, 0x00, 0x00,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 0x01,
			/* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
	};
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(two_ias, sizeof(two_ias), V4OPT, &m), 0);
	assert_int_equal(m.n_ia, 2);
	assert_true(m.ia[0].ipv4);
	assert_false(m.ia[1].ipv4);
	assert_false(m.ia[1].has_tep);
	assert_false(m.ipv4_dangling);

	assert_int_equal(dhcp6_msg_parse(then_oro, sizeof(then_oro), V4OPT, &m), 0);
	assert_int_equal(m.n_ia, 1);
	assert_false(m.ia[0].ipv4);
	assert_true(m.ipv4_dangling);

	assert_int_equal(dhcp6_msg_parse(then_ia_ta, sizeof(then_ia_ta), V4OPT, &m), 0);
	assert_int_equal(m.n_ia, 2);
	assert_false(m.ia[0].ipv4);
	assert_true(m.ia[1].ipv4);
	assert_int_equal(m.ia[1].type, DHCP6_OPT_IA_TA);
	assert_int_equal(m.ia[1].iaid, 9);
	assert_true(m.ia[1].has_tep);
	assert_addr6(&m.ia[1].tep, "2001:db8::2");
	assert_false(m.ipv4_dangling);

	assert_int_equal(dhcp6_msg_parse(at_end, sizeof(at_end), V4OPT, &m), 0);
	assert_false(m.ia[0].ipv4);
	assert_true(m.ipv4_dangling);

	/* the first one is dangling; the second, without a TEP, applies */
	assert_int_equal(dhcp6_msg_parse(twice, sizeof(twice), V4OPT, &m), 0);
	assert_true(m.ipv4_dangling);
	assert_true(m.ia[0].ipv4);
	assert_false(m.ia[0].has_tep);
}

static void test_dstm_bad_length(void **state)
{
	(void)state;
	uint8_t b[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x07,
		/* IPv4 Global Address, length 5 */ 0xfe, 0x16, 0x00, 0x05,
			0x01, 0x02, 0x03, 0x04, 0x05,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0c, 0, 0, 0, 0x01,
			/* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
	};
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(b, sizeof(b), V4OPT, &m), -EBADMSG);
	/* not recognised: an unknown option of any length is skipped */
	assert_int_equal(dhcp6_msg_parse(b, sizeof(b), 0, &m), 0);
	assert_int_equal(m.n_ia, 1);
	assert_false(m.ia[0].ipv4);
}

/* ---- malformed messages --------------------------------------------------- */

static void test_truncated_header(void **state)
{
	(void)state;
	static const uint8_t b[] = { /* SOLICIT */ 0x01, /* xid */ 0x00, 0x00, 0x01 };
	struct dhcp6_msg m;

	for (size_t len = 0; len < sizeof(b); len++)
		assert_int_equal(dhcp6_msg_parse(b, len, V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(b, sizeof(b), V4OPT, &m), 0);
	assert_int_equal(m.xid, 1);
}

static void test_opt_len_past_end(void **state)
{
	(void)state;
	static const uint8_t b[] = {
		/* SOLICIT */ 0x01, 0x00, 0x00, 0x01,
		/* ELAPSED_TIME, length 3 but 2 left */ 0x00, 0x08, 0x00, 0x03, 0x00, 0x00,
	};
	static const uint8_t c[] = {
		/* SOLICIT */ 0x01, 0x00, 0x00, 0x01,
		/* unknown, length 0xffff */ 0x12, 0x34, 0xff, 0xff, 0x00,
	};
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(b, sizeof(b), V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(c, sizeof(c), V4OPT, &m), -EBADMSG);
}

static void test_ia_na_truncated(void **state)
{
	(void)state;
	static const uint8_t b[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x01,
		/* IA_NA, length 11 */ 0x00, 0x03, 0x00, 0x0b,
			/* IAID */ 0, 0, 0, 1, /* T1 */ 0, 0, 0, 0, /* T2, cut */ 0, 0, 0,
	};
	static const uint8_t c[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x01,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x0f,
			/* IAID */ 0, 0, 0, 1, /* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
			/* sub-option header cut short */ 0x00, 0x05, 0x00,
	};
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(b, sizeof(b), V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(c, sizeof(c), V4OPT, &m), -EBADMSG);
}

static void test_iaaddr_too_short(void **state)
{
	(void)state;
	static const uint8_t b[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x01,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x27,
			/* IAID */ 0, 0, 0, 1, /* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
			/* IAADDR, length 23 */ 0x00, 0x05, 0x00, 0x17,
				/* address */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				0, 0, 0, 0, 0, 0, 0, 0x01,
				/* preferred */ 0, 0, 0, 0,
				/* valid, cut */ 0, 0, 0,
	};
	static const uint8_t bad_status[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x01,
		/* IA_NA */ 0x00, 0x03, 0x00, 0x2d,
			/* IAID */ 0, 0, 0, 1, /* T1 */ 0, 0, 0, 0, /* T2 */ 0, 0, 0, 0,
			/* IAADDR */ 0x00, 0x05, 0x00, 0x1d,
				/* address */ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				0, 0, 0, 0, 0, 0, 0, 0x01,
				/* preferred */ 0, 0, 0, 0, /* valid */ 0, 0, 0, 0,
				/* STATUS_CODE, length 1 */ 0x00, 0x0d, 0x00, 0x01, 0x00,
	};
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(b, sizeof(b), V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(bad_status, sizeof(bad_status), V4OPT, &m), -EBADMSG);
}

/* Builds "SOLICIT xid 1" followed by one option of code/len with zero value. */
static size_t one_opt(uint8_t *b, uint16_t code, uint16_t len)
{
	memset(b, 0, 8 + (size_t)len);
	b[0] = DHCP6_SOLICIT;
	b[3] = 1;
	put_be16(b + 4, code);
	put_be16(b + 6, len);
	return 8 + (size_t)len;
}

static void test_fixed_lengths(void **state)
{
	(void)state;
	static const struct { uint16_t code, len; int want; } cases[] = {
		{ DHCP6_OPT_CLIENTID, 0, -EBADMSG },
		{ DHCP6_OPT_CLIENTID, 1, 0 },
		{ DHCP6_OPT_CLIENTID, 130, 0 },
		{ DHCP6_OPT_CLIENTID, 131, -EBADMSG },    /* DUID too long */
		{ DHCP6_OPT_SERVERID, 0, -EBADMSG },
		{ DHCP6_OPT_SERVERID, 130, 0 },
		{ DHCP6_OPT_SERVERID, 131, -EBADMSG },
		{ DHCP6_OPT_IA_NA, 11, -EBADMSG },
		{ DHCP6_OPT_IA_NA, 12, 0 },
		{ DHCP6_OPT_IA_TA, 3, -EBADMSG },
		{ DHCP6_OPT_IA_TA, 4, 0 },
		{ DHCP6_OPT_ORO, 0, 0 },
		{ DHCP6_OPT_ORO, 3, -EBADMSG },
		{ DHCP6_OPT_PREFERENCE, 0, -EBADMSG },
		{ DHCP6_OPT_PREFERENCE, 1, 0 },
		{ DHCP6_OPT_PREFERENCE, 2, -EBADMSG },
		{ DHCP6_OPT_ELAPSED_TIME, 1, -EBADMSG },
		{ DHCP6_OPT_ELAPSED_TIME, 2, 0 },
		{ DHCP6_OPT_ELAPSED_TIME, 3, -EBADMSG },
		{ DHCP6_OPT_RAPID_COMMIT, 0, 0 },
		{ DHCP6_OPT_RAPID_COMMIT, 1, -EBADMSG },
		{ DHCP6_OPT_RECONF_ACCEPT, 0, 0 },
		{ DHCP6_OPT_RECONF_ACCEPT, 1, -EBADMSG },
		{ DHCP6_OPT_RECONF_MSG, 0, -EBADMSG },
		{ DHCP6_OPT_RECONF_MSG, 1, 0 },
		{ DHCP6_OPT_RECONF_MSG, 2, -EBADMSG },
		{ DHCP6_OPT_UNICAST, 15, -EBADMSG },
		{ DHCP6_OPT_UNICAST, 16, 0 },
		{ DHCP6_OPT_UNICAST, 17, -EBADMSG },
		{ DHCP6_OPT_STATUS_CODE, 1, -EBADMSG },
		{ DHCP6_OPT_STATUS_CODE, 2, 0 },
		{ DHCP6_OPT_AUTH, 10, -EBADMSG },
		{ DHCP6_OPT_AUTH, 11, 0 },
		{ V4OPT, 0, 0 },
		{ V4OPT, 1, -EBADMSG },
		{ V4OPT, 15, -EBADMSG },
		{ V4OPT, 16, 0 },
		{ V4OPT, 17, -EBADMSG },
		{ DHCP6_OPT_RELAY_MSG, 3, 0 },            /* not ours: skipped */
	};
	uint8_t b[8 + 200];
	struct dhcp6_msg m;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = one_opt(b, cases[i].code, cases[i].len);
		int r = dhcp6_msg_parse(b, n, V4OPT, &m);
		if (r != cases[i].want)
			fail_msg("option %u length %u: got %d, want %d", cases[i].code,
				 cases[i].len, r, cases[i].want);
	}
	/* the DUID is copied whole */
	size_t n = one_opt(b, DHCP6_OPT_CLIENTID, 130);
	b[8 + 129] = 0x5a;
	assert_int_equal(dhcp6_msg_parse(b, n, V4OPT, &m), 0);
	assert_int_equal(m.clientid.len, 130);
	assert_int_equal(m.clientid.data[129], 0x5a);
}

static void test_duplicate_ids(void **state)
{
	(void)state;
	static const uint8_t two_clientids[] = {
		/* SOLICIT */ 0x01, 0x00, 0x00, 0x01,
		/* CLIENTID */ 0x00, 0x01, 0x00, 0x02, 0x00, 0x04,
		/* CLIENTID */ 0x00, 0x01, 0x00, 0x02, 0x00, 0x05,
	};
	static const uint8_t two_serverids[] = {
		/* REQUEST */ 0x03, 0x00, 0x00, 0x01,
		/* SERVERID */ 0x00, 0x02, 0x00, 0x02, 0x00, 0x04,
		/* CLIENTID */ 0x00, 0x01, 0x00, 0x02, 0x00, 0x04,
		/* SERVERID */ 0x00, 0x02, 0x00, 0x02, 0x00, 0x04,
	};
	static const uint8_t two_auths[] = {
		/* REPLY */ 0x07, 0x00, 0x00, 0x01,
		/* AUTH */ 0x00, 0x0b, 0x00, 0x0b, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		/* AUTH */ 0x00, 0x0b, 0x00, 0x0b, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	};
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_msg_parse(two_clientids, sizeof(two_clientids), V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(two_clientids, 10, V4OPT, &m), 0);
	assert_int_equal(dhcp6_msg_parse(two_serverids, sizeof(two_serverids), V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(two_serverids, 16, V4OPT, &m), 0);
	assert_int_equal(dhcp6_msg_parse(two_auths, sizeof(two_auths), V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(two_auths, 19, V4OPT, &m), 0);
}

static void test_limits(void **state)
{
	(void)state;
	uint8_t b[1024];
	struct dhcp6_msg m;
	size_t n;

	/* DHCP6_MAX_IAS IA_NAs pass, one more fails */
	memset(b, 0, sizeof(b));
	b[0] = DHCP6_REQUEST;
	n = DHCP6_MSG_HDR_LEN;
	for (int i = 0; i <= DHCP6_MAX_IAS; i++) {
		put_be16(b + n, DHCP6_OPT_IA_NA);
		put_be16(b + n + 2, 12);
		put_be32(b + n + 4, (uint32_t)i);
		n += 16;
		assert_int_equal(dhcp6_msg_parse(b, n, V4OPT, &m),
				 i < DHCP6_MAX_IAS ? 0 : -EBADMSG);
	}
	assert_int_equal(dhcp6_msg_parse(b, n - 16, V4OPT, &m), 0);
	assert_int_equal(m.n_ia, DHCP6_MAX_IAS);
	assert_int_equal(m.ia[DHCP6_MAX_IAS - 1].iaid, DHCP6_MAX_IAS - 1);

	/* DHCP6_MAX_IA_ADDRS IAADDRs in one IA pass, one more fails */
	memset(b, 0, sizeof(b));
	b[0] = DHCP6_REQUEST;
	put_be16(b + 4, DHCP6_OPT_IA_NA);
	n = 20;
	for (int i = 0; i <= DHCP6_MAX_IA_ADDRS; i++) {
		put_be16(b + n, DHCP6_OPT_IAADDR);
		put_be16(b + n + 2, 24);
		b[n + 19] = (uint8_t)i;
		n += 28;
		put_be16(b + 6, (uint16_t)(n - 8));
		assert_int_equal(dhcp6_msg_parse(b, n, V4OPT, &m),
				 i < DHCP6_MAX_IA_ADDRS ? 0 : -EBADMSG);
		if (i < DHCP6_MAX_IA_ADDRS) {
			assert_int_equal(m.ia[0].n_addrs, i + 1);
			assert_int_equal(m.ia[0].addrs[i].addr.s6_addr[15], i);
		}
	}

	/* ORO: DHCP6_MAX_ORO codes in total, across options */
	n = one_opt(b, DHCP6_OPT_ORO, 2 * DHCP6_MAX_ORO);
	assert_int_equal(dhcp6_msg_parse(b, n, V4OPT, &m), 0);
	assert_int_equal(m.n_oro, DHCP6_MAX_ORO);
	n = one_opt(b, DHCP6_OPT_ORO, 2 * (DHCP6_MAX_ORO + 1));
	assert_int_equal(dhcp6_msg_parse(b, n, V4OPT, &m), -EBADMSG);
	n = one_opt(b, DHCP6_OPT_ORO, 2 * 16);
	put_be16(b + n, DHCP6_OPT_ORO);
	put_be16(b + n + 2, 2 * 17);
	memset(b + n + 4, 0, 2 * 17);
	assert_int_equal(dhcp6_msg_parse(b, n + 4 + 2 * 17, V4OPT, &m), -EBADMSG);
	put_be16(b + n + 2, 2 * 16);
	assert_int_equal(dhcp6_msg_parse(b, n + 4 + 2 * 16, V4OPT, &m), 0);
	assert_int_equal(m.n_oro, 32);
}

/* ---- relay (RFC 8415 9) --------------------------------------------------- */

static const uint8_t relay_fwd[] = {
	/* RELAY-FORW */ 0x0c, /* hop-count */ 0x01,
	/* link 2001:db8:1::1 */ 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0x01,
	/* peer fe80::2 */ 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	/* INTERFACE_ID */ 0x00, 0x12, 0x00, 0x04, 'e', 't', 'h', '0',
	/* RELAY_MSG */ 0x00, 0x09, 0x00, 0x30,
		/* RELAY-FORW */ 0x0c, /* hop-count */ 0x00,
		/* link :: */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* peer fe80::3 */ 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0x03,
		/* RELAY_MSG */ 0x00, 0x09, 0x00, 0x0a,
			/* SOLICIT */ 0x01, /* xid */ 0x00, 0x00, 0x01,
			/* ELAPSED_TIME */ 0x00, 0x08, 0x00, 0x02, 0x00, 0x64,
};

static void test_relay_forward(void **state)
{
	(void)state;
	struct dhcp6_relay outer, inner;
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_relay_parse(relay_fwd, sizeof(relay_fwd), &outer), 0);
	assert_int_equal(outer.type, DHCP6_RELAY_FORW);
	assert_int_equal(outer.hop_count, 1);
	assert_addr6(&outer.link, "2001:db8:1::1");
	assert_addr6(&outer.peer, "fe80::2");
	assert_int_equal(outer.interface_id_len, 4);
	assert_memory_equal(outer.interface_id, "eth0", 4);
	assert_ptr_equal(outer.relay_msg, relay_fwd + 46);
	assert_int_equal(outer.relay_msg_len, 48);

	assert_int_equal(dhcp6_relay_parse(outer.relay_msg, outer.relay_msg_len, &inner), 0);
	assert_int_equal(inner.type, DHCP6_RELAY_FORW);
	assert_int_equal(inner.hop_count, 0);
	assert_addr6(&inner.link, "::");
	assert_addr6(&inner.peer, "fe80::3");
	assert_null(inner.interface_id);
	assert_int_equal(inner.interface_id_len, 0);
	assert_int_equal(inner.relay_msg_len, 10);

	assert_int_equal(dhcp6_msg_parse(inner.relay_msg, inner.relay_msg_len, V4OPT, &m), 0);
	assert_int_equal(m.type, DHCP6_SOLICIT);
	assert_int_equal(m.xid, 1);
	assert_true(m.has_elapsed);
	assert_int_equal(m.elapsed, 100);

	/* the same bytes from the encoders */
	uint8_t out[128];
	struct dhcp6_buf b;
	struct in6_addr link = addr6("2001:db8:1::1"), peer = addr6("fe80::2");
	struct in6_addr any = addr6("::"), peer2 = addr6("fe80::3");
	size_t m1, m2;
	dhcp6_buf_init(&b, out, sizeof(out));
	assert_int_equal(dhcp6_put_relay_hdr(&b, DHCP6_RELAY_FORW, 1, &link, &peer), 0);
	assert_int_equal(dhcp6_put_opt(&b, DHCP6_OPT_INTERFACE_ID, "eth0", 4), 0);
	assert_int_equal(dhcp6_opt_begin(&b, DHCP6_OPT_RELAY_MSG, &m1), 0);
	assert_int_equal(dhcp6_put_relay_hdr(&b, DHCP6_RELAY_FORW, 0, &any, &peer2), 0);
	assert_int_equal(dhcp6_opt_begin(&b, DHCP6_OPT_RELAY_MSG, &m2), 0);
	assert_int_equal(dhcp6_put_msg_hdr(&b, DHCP6_SOLICIT, 1), 0);
	assert_int_equal(dhcp6_put_opt_u16(&b, DHCP6_OPT_ELAPSED_TIME, 100), 0);
	assert_int_equal(dhcp6_opt_end(&b, m2), 0);
	assert_int_equal(dhcp6_opt_end(&b, m1), 0);
	assert_int_equal(b.len, sizeof(relay_fwd));
	assert_memory_equal(out, relay_fwd, sizeof(relay_fwd));
}

static void test_relay_malformed(void **state)
{
	(void)state;
	static const uint8_t no_msg[] = {
		/* RELAY-FORW */ 0x0c, 0x00,
		/* link */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* peer */ 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		/* INTERFACE_ID */ 0x00, 0x12, 0x00, 0x01, 'x',
	};
	static const uint8_t two_msgs[] = {
		/* RELAY-REPL */ 0x0d, 0x00,
		/* link */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* peer */ 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		/* RELAY_MSG */ 0x00, 0x09, 0x00, 0x04, /* REPLY */ 0x07, 0, 0, 1,
		/* RELAY_MSG */ 0x00, 0x09, 0x00, 0x04, /* REPLY */ 0x07, 0, 0, 2,
	};
	struct dhcp6_relay r;
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_relay_parse(no_msg, sizeof(no_msg), &r), -EBADMSG);
	assert_int_equal(dhcp6_relay_parse(two_msgs, sizeof(two_msgs), &r), -EBADMSG);
	assert_int_equal(dhcp6_relay_parse(two_msgs, 42, &r), 0);
	assert_int_equal(r.type, DHCP6_RELAY_REPL);
	assert_int_equal(r.relay_msg_len, 4);
	for (size_t len = 0; len < DHCP6_RELAY_HDR_LEN; len++)
		assert_int_equal(dhcp6_relay_parse(relay_fwd, len, &r), -EBADMSG);
	/* an option running past the end */
	assert_int_equal(dhcp6_relay_parse(relay_fwd, sizeof(relay_fwd) - 1, &r), -EBADMSG);
	/* relay messages are not client/server messages, and vice versa */
	assert_int_equal(dhcp6_msg_parse(relay_fwd, sizeof(relay_fwd), V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(two_msgs, 42, V4OPT, &m), -EBADMSG);
	static const uint8_t bare[][4] = {
		{ /* RELAY-FORW, as if a 4-octet header */ 0x0c, 0x00, 0x00, 0x01 },
		{ /* RELAY-REPL, as if a 4-octet header */ 0x0d, 0x00, 0x00, 0x01 },
	};
	assert_int_equal(dhcp6_msg_parse(bare[0], 4, V4OPT, &m), -EBADMSG);
	assert_int_equal(dhcp6_msg_parse(bare[1], 4, V4OPT, &m), -EBADMSG);
	uint8_t sol[DHCP6_RELAY_HDR_LEN + 8];
	memcpy(sol, two_msgs, sizeof(sol));
	sol[0] = DHCP6_SOLICIT;
	assert_int_equal(dhcp6_relay_parse(sol, sizeof(sol), &r), -EBADMSG);
}

/* ---- encoders ------------------------------------------------------------- */

#define CANARY 0xa5

/* Every encoder once; returns the first error. */
static int build_all(struct dhcp6_buf *b)
{
	static const uint8_t key[DHCP6_RECONF_KEY_LEN] = { 1, 2, 3 };
	struct dhcp6_duid d = { .len = 3, .data = { 0, 4, 9 } };
	struct in6_addr a = addr6("2001:db8::5"), tep = addr6("2001:db8::1");
	size_t mark, doff;
	int r;

	if ((r = dhcp6_put_msg_hdr(b, DHCP6_REPLY, 0xabcdef)) < 0 ||
	    (r = dhcp6_put_duid(b, DHCP6_OPT_CLIENTID, &d)) < 0 ||
	    (r = dhcp6_put_ipv4_global(b, V4OPT, &tep)) < 0 ||
	    (r = dhcp6_put_ia_begin(b, DHCP6_OPT_IA_NA, 7, 1, 2, &mark)) < 0 ||
	    (r = dhcp6_put_iaaddr(b, &a, 3, 4, DHCP6_STATUS_SUCCESS, "fine")) < 0 ||
	    (r = dhcp6_put_status(b, DHCP6_STATUS_SUCCESS, "all")) < 0 ||
	    (r = dhcp6_opt_end(b, mark)) < 0 ||
	    (r = dhcp6_put_ia_begin(b, DHCP6_OPT_IA_TA, 8, 0, 0, &mark)) < 0 ||
	    (r = dhcp6_opt_end(b, mark)) < 0 ||
	    (r = dhcp6_put_opt_u8(b, DHCP6_OPT_PREFERENCE, 255)) < 0 ||
	    (r = dhcp6_put_opt_u16(b, DHCP6_OPT_ELAPSED_TIME, 5)) < 0 ||
	    (r = dhcp6_put_opt_u32(b, DHCP6_OPT_INFORMATION_REFRESH_TIME, 86400)) < 0 ||
	    (r = dhcp6_put_opt(b, DHCP6_OPT_RAPID_COMMIT, NULL, 0)) < 0 ||
	    (r = dhcp6_opt_begin(b, DHCP6_OPT_ORO, &mark)) < 0 ||
	    (r = dhcp6_put_raw(b, "\x00\x17", 2)) < 0 ||
	    (r = dhcp6_opt_end(b, mark)) < 0 ||
	    (r = dhcp6_put_auth_rkap(b, 1, DHCP6_RKAP_TYPE_KEY, key, &doff)) < 0)
		return r;
	return 0;
}

static void test_encoder_enobufs(void **state)
{
	(void)state;
	uint8_t big[512], out[512];
	struct dhcp6_buf b;
	struct dhcp6_msg m;
	size_t need;

	dhcp6_buf_init(&b, big, sizeof(big));
	assert_int_equal(build_all(&b), 0);
	need = b.len;
	assert_int_equal(need, 4 + 7 + 20 + 16 + 38 + 9 + 8 + 5 + 6 + 8 + 4 + 6 + 32);
	assert_int_equal(dhcp6_msg_parse(big, need, V4OPT, &m), 0);
	assert_int_equal(m.n_ia, 2);
	assert_true(m.ia[0].ipv4);
	assert_true(m.ia[0].addrs[0].has_status);
	assert_true(m.ia[0].has_status);
	assert_int_equal(m.ia[1].type, DHCP6_OPT_IA_TA);
	assert_int_equal(m.n_oro, 1);
	assert_true(m.rapid_commit);
	assert_true(m.has_auth);
	assert_int_equal(m.auth.info[0], DHCP6_RKAP_TYPE_KEY);
	assert_int_equal(m.auth.info[1], 1);

	for (size_t cap = 0; cap < need; cap++) {
		memset(out, CANARY, sizeof(out));
		dhcp6_buf_init(&b, out, cap);
		assert_int_equal(build_all(&b), -ENOBUFS);
		assert_true(b.len <= cap);
		for (size_t i = cap; i < sizeof(out); i++)
			if (out[i] != CANARY)
				fail_msg("cap %zu: byte %zu written", cap, i);
		/* what was written is a prefix of the full encoding, except
		 * for lengths of options still open */
		assert_memory_equal(out, big, MIN(b.len, (size_t)4));
	}
	dhcp6_buf_init(&b, out, need);
	assert_int_equal(build_all(&b), 0);
	assert_memory_equal(out, big, need);
}

/* Each encoder alone: below its size it fails and leaves len unchanged. */
static void test_encoder_len_unchanged(void **state)
{
	(void)state;
	struct in6_addr a = addr6("2001:db8::5");
	struct dhcp6_duid d = { .len = 2, .data = { 0, 1 } };
	uint8_t key[DHCP6_RECONF_KEY_LEN] = { 0 };
	uint8_t out[128];
	struct dhcp6_buf b;
	size_t mark, doff;

	for (int which = 0; which < 13; which++) {
		size_t need = 0;
		for (size_t cap = 0; cap < sizeof(out); cap++) {
			memset(out, CANARY, sizeof(out));
			dhcp6_buf_init(&b, out, cap);
			int r;
			switch (which) {
			case 0: r = dhcp6_put_msg_hdr(&b, 1, 2); break;
			case 1: r = dhcp6_put_relay_hdr(&b, 12, 0, &a, &a); break;
			case 2: r = dhcp6_put_opt(&b, 99, "abc", 3); break;
			case 3: r = dhcp6_put_opt_u8(&b, 7, 1); break;
			case 4: r = dhcp6_put_opt_u16(&b, 8, 1); break;
			case 5: r = dhcp6_put_opt_u32(&b, 32, 1); break;
			case 6: r = dhcp6_opt_begin(&b, 6, &mark); break;
			case 7: r = dhcp6_put_raw(&b, "abcdef", 6); break;
			case 8: r = dhcp6_put_status(&b, 2, "none"); break;
			case 9: r = dhcp6_put_duid(&b, 1, &d); break;
			case 10: r = dhcp6_put_ia_begin(&b, 3, 1, 2, 3, &mark); break;
			case 11: r = dhcp6_put_iaaddr(&b, &a, 1, 2, 0, "x"); break;
			default: r = dhcp6_put_auth_rkap(&b, 1, 2, key, &doff); break;
			}
			if (r == 0) {
				need = cap;
				break;
			}
			assert_int_equal(r, -ENOBUFS);
			assert_int_equal(b.len, 0);
			assert_int_equal(out[0], CANARY);
		}
		static const size_t sizes[] = { 4, 34, 7, 5, 6, 8, 4, 6, 10, 6, 16, 35, 32 };
		if (need != sizes[which])
			fail_msg("encoder %d needs %zu, want %zu", which, need, sizes[which]);
	}
}

static void test_encoder_args(void **state)
{
	(void)state;
	uint8_t out[64];
	struct dhcp6_buf b;
	struct dhcp6_duid d = { .len = 0 };
	size_t mark;
	struct in6_addr a = addr6("::1");

	dhcp6_buf_init(&b, out, sizeof(out));
	assert_int_equal(dhcp6_put_msg_hdr(&b, 1, 0x1000000), -EINVAL);
	assert_int_equal(dhcp6_put_duid(&b, 1, &d), -EINVAL);
	d.len = DHCP6_DUID_MAX + 1;
	assert_int_equal(dhcp6_put_duid(&b, 1, &d), -EINVAL);
	assert_int_equal(dhcp6_put_ia_begin(&b, DHCP6_OPT_IA_PD, 1, 0, 0, &mark), -EINVAL);
	assert_int_equal(dhcp6_put_iaaddr(&b, &a, 0, 0, 0x10000, NULL), -EINVAL);
	assert_int_equal(dhcp6_put_auth_rkap(&b, 0, 3, NULL, NULL), -EINVAL);
	assert_int_equal(dhcp6_opt_end(&b, 0), -EINVAL);    /* nothing begun */
	assert_int_equal(b.len, 0);

	/* IA_TA has no T1/T2 (RFC 8415 21.5) */
	assert_int_equal(dhcp6_put_ia_begin(&b, DHCP6_OPT_IA_TA, 0x01020304, 5, 6, &mark), 0);
	assert_int_equal(mark, 0);
	assert_int_equal(dhcp6_put_status(&b, DHCP6_STATUS_NOADDRSAVAIL, NULL), 0);
	assert_int_equal(dhcp6_opt_end(&b, mark), 0);
	static const uint8_t want[] = {
		/* IA_TA */ 0x00, 0x04, 0x00, 0x0a, /* IAID */ 0x01, 0x02, 0x03, 0x04,
			/* STATUS_CODE */ 0x00, 0x0d, 0x00, 0x02, /* NoAddrsAvail */ 0x00, 0x02,
	};
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

/* ---- reconfigure key authentication (RFC 8415 20.4) ------------------------ */

static const uint8_t reconf_key[DHCP6_RECONF_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

static const uint8_t reconfigure_unsigned[] = {
	/* RECONFIGURE */ 0x0a, /* xid */ 0x00, 0x00, 0x00,
	/* SERVERID */ 0x00, 0x02, 0x00, 0x0a,
		/* DUID-LL */ 0x00, 0x03, /* ethernet */ 0x00, 0x01,
		/* MAC */ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	/* CLIENTID */ 0x00, 0x01, 0x00, 0x0a,
		/* DUID-LL */ 0x00, 0x03, /* ethernet */ 0x00, 0x01,
		/* MAC */ 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
	/* RECONF_MSG */ 0x00, 0x13, 0x00, 0x01, /* RENEW */ 0x05,
	/* AUTH */ 0x00, 0x0b, 0x00, 0x1c,
		/* protocol: reconfigure key */ 0x03,
		/* algorithm: HMAC-MD5 */ 0x01, /* RDM: monotonic */ 0x00,
		/* replay */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		/* type: HMAC-MD5 digest */ 0x02,
		/* digest (offset 53), zero for signing */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* python3 -c 'import hmac,hashlib; print(hmac.new(bytes(range(16)),
 *   <reconfigure_unsigned>, hashlib.md5).hexdigest())' */
static const uint8_t reconfigure_digest[16] = {
	0x67, 0x09, 0x65, 0xc6, 0x95, 0xfb, 0x41, 0x30,
	0x24, 0x0b, 0x95, 0x0c, 0xa3, 0xa3, 0xd6, 0x81,
};

static void test_auth_sign_verify(void **state)
{
	(void)state;
	uint8_t msg[128];
	struct dhcp6_buf b;
	struct dhcp6_duid sid = { .len = 10 }, cid = { .len = 10 };
	struct dhcp6_msg m;
	size_t doff = 0;

	memcpy(sid.data, reconfigure_unsigned + 8, 10);
	memcpy(cid.data, reconfigure_unsigned + 22, 10);
	dhcp6_buf_init(&b, msg, sizeof(msg));
	assert_int_equal(dhcp6_put_msg_hdr(&b, DHCP6_RECONFIGURE, 0), 0);
	assert_int_equal(dhcp6_put_duid(&b, DHCP6_OPT_SERVERID, &sid), 0);
	assert_int_equal(dhcp6_put_duid(&b, DHCP6_OPT_CLIENTID, &cid), 0);
	assert_int_equal(dhcp6_put_opt_u8(&b, DHCP6_OPT_RECONF_MSG, DHCP6_RENEW), 0);
	assert_int_equal(dhcp6_put_auth_rkap(&b, 1, DHCP6_RKAP_TYPE_HMAC, NULL, &doff), 0);
	assert_int_equal(b.len, sizeof(reconfigure_unsigned));
	assert_memory_equal(msg, reconfigure_unsigned, sizeof(reconfigure_unsigned));
	assert_int_equal(doff, 53);

	/* a stale digest in the buffer is ignored: the field counts as zero */
	memset(msg + doff, 0x77, 16);
	assert_int_equal(dhcp6_auth_sign(msg, b.len, doff, reconf_key), 0);
	assert_memory_equal(msg + doff, reconfigure_digest, 16);
	assert_memory_equal(msg, reconfigure_unsigned, doff);

	assert_int_equal(dhcp6_msg_parse(msg, b.len, V4OPT, &m), 0);
	assert_true(m.has_auth);
	assert_int_equal(m.auth.info_off, 52);
	assert_int_equal(m.auth.info_len, 17);
	assert_true(m.auth.replay == 1);
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &m.auth, reconf_key), 0);

	/* one flipped bit anywhere but the type octet breaks the digest */
	for (size_t i = 0; i < b.len; i++) {
		if (i == m.auth.info_off)
			continue;
		for (int bit = 0; bit < 8; bit += 7) {
			msg[i] ^= (uint8_t)(1u << bit);
			int r = dhcp6_auth_verify(msg, b.len, &m.auth, reconf_key);
			msg[i] ^= (uint8_t)(1u << bit);
			if (r != -EPERM)
				fail_msg("bit %d of byte %zu flipped: %d", bit, i, r);
		}
	}
	uint8_t wrong[DHCP6_RECONF_KEY_LEN];
	memcpy(wrong, reconf_key, sizeof(wrong));
	wrong[15] ^= 1;
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &m.auth, wrong), -EPERM);
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &m.auth, reconf_key), 0);

	/* malformed authentication options */
	struct dhcp6_auth a = m.auth;
	a.protocol = 2;
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &a, reconf_key), -EBADMSG);
	a = m.auth;
	a.algorithm = 2;
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &a, reconf_key), -EBADMSG);
	a = m.auth;
	a.rdm = 1;
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &a, reconf_key), -EBADMSG);
	a = m.auth;
	a.info_len = 16;
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &a, reconf_key), -EBADMSG);
	a = m.auth;
	a.info_off = 60;     /* does not match the info pointer / runs past */
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &a, reconf_key), -EBADMSG);
	assert_int_equal(dhcp6_auth_verify(msg, b.len - 1, &m.auth, reconf_key), -EBADMSG);
	msg[m.auth.info_off] = DHCP6_RKAP_TYPE_KEY;
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &m.auth, reconf_key), -EBADMSG);
	msg[m.auth.info_off] = DHCP6_RKAP_TYPE_HMAC;
	assert_int_equal(dhcp6_auth_verify(msg, b.len, &m.auth, reconf_key), 0);

	/* sign refuses a digest field outside the message */
	assert_int_equal(dhcp6_auth_sign(msg, b.len, b.len - 15, reconf_key), -EINVAL);
	assert_int_equal(dhcp6_auth_sign(msg, b.len, b.len + 1, reconf_key), -EINVAL);
}

static void test_auth_key_in_reply(void **state)
{
	(void)state;
	uint8_t out[64];
	struct dhcp6_buf b;
	size_t doff;
	static const uint8_t want[] = {
		/* AUTH */ 0x00, 0x0b, 0x00, 0x1c,
			/* protocol */ 0x03, /* algorithm */ 0x01, /* RDM */ 0x00,
			/* replay */ 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
			/* type: reconfigure key */ 0x01,
			/* key */ 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
			0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};

	dhcp6_buf_init(&b, out, sizeof(out));
	assert_int_equal(dhcp6_put_auth_rkap(&b, 0x0102030405060708ull, DHCP6_RKAP_TYPE_KEY,
					     reconf_key, &doff), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(doff, 16);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp6_msg_name(DHCP6_SOLICIT), "SOLICIT");
	assert_string_equal(dhcp6_msg_name(DHCP6_REPLY), "REPLY");
	assert_string_equal(dhcp6_msg_name(DHCP6_INFORMATION_REQUEST), "INFORMATION-REQUEST");
	assert_string_equal(dhcp6_msg_name(DHCP6_RELAY_REPL), "RELAY-REPL");
	assert_string_equal(dhcp6_msg_name(0), "UNKNOWN");
	assert_string_equal(dhcp6_msg_name(14), "UNKNOWN");
	assert_string_equal(dhcp6_msg_name(255), "UNKNOWN");
	assert_string_equal(dhcp6_status_name(DHCP6_STATUS_SUCCESS), "Success");
	assert_string_equal(dhcp6_status_name(DHCP6_STATUS_NOADDRSAVAIL), "NoAddrsAvail");
	assert_string_equal(dhcp6_status_name(DHCP6_STATUS_NOPREFIXAVAIL), "NoPrefixAvail");
	assert_string_equal(dhcp6_status_name(7), "UNKNOWN");
	assert_string_equal(dhcp6_status_name(65535), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_next),
		cmocka_unit_test(test_parse_all_options),
		cmocka_unit_test(test_dstm_solicit),
		cmocka_unit_test(test_dstm_reply_tep),
		cmocka_unit_test(test_dstm_applies_to_next_ia_only),
		cmocka_unit_test(test_dstm_bad_length),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_opt_len_past_end),
		cmocka_unit_test(test_ia_na_truncated),
		cmocka_unit_test(test_iaaddr_too_short),
		cmocka_unit_test(test_fixed_lengths),
		cmocka_unit_test(test_duplicate_ids),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_relay_forward),
		cmocka_unit_test(test_relay_malformed),
		cmocka_unit_test(test_encoder_enobufs),
		cmocka_unit_test(test_encoder_len_unchanged),
		cmocka_unit_test(test_encoder_args),
		cmocka_unit_test(test_auth_sign_verify),
		cmocka_unit_test(test_auth_key_in_reply),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
