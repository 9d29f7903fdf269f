/* libFuzzer target for src/wire/dhcp6: message and relay parsing (relays
 * followed down to 32 levels), invariants of what was parsed, and a
 * re-encoding of the parsed message that must parse back to the same IAs
 * and fail cleanly with -ENOBUFS one octet short. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "wire/dhcp6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RELAY_DEPTH 32
#define CHECK(c) do { if (!(c)) abort(); } while (0)

static int within(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

static void check_msg(const struct dhcp6_msg *m, const uint8_t *buf, size_t len,
		      uint16_t ipv4_code)
{
	CHECK(m->type != DHCP6_RELAY_FORW && m->type != DHCP6_RELAY_REPL);
	CHECK(m->xid <= 0xffffff);
	CHECK(m->clientid.len <= DHCP6_DUID_MAX);
	CHECK(m->serverid.len <= DHCP6_DUID_MAX);
	CHECK(m->n_ia <= DHCP6_MAX_IAS);
	CHECK(m->n_oro <= DHCP6_MAX_ORO);
	for (unsigned i = 0; i < m->n_ia; i++) {
		const struct dhcp6_ia *ia = &m->ia[i];
		CHECK(ia->type == DHCP6_OPT_IA_NA || ia->type == DHCP6_OPT_IA_TA);
		CHECK(ia->n_addrs <= DHCP6_MAX_IA_ADDRS);
		CHECK(ia->ipv4 || !ia->has_tep);
		CHECK(ipv4_code != 0 || !ia->ipv4);
		if (ia->type == DHCP6_OPT_IA_TA)
			CHECK(ia->t1 == 0 && ia->t2 == 0);
	}
	CHECK(ipv4_code != 0 || !m->ipv4_dangling);
	if (m->has_status)
		CHECK(within(m->status_msg, m->status_msg_len, buf, len));
	else
		CHECK(m->status_msg == NULL && m->status_msg_len == 0);
	if (m->has_auth) {
		CHECK(within(m->auth.info, m->auth.info_len, buf, len));
		CHECK(m->auth.info_off <= len && m->auth.info == buf + m->auth.info_off);
	}
}

/* Header, DUIDs, IAs (with their IPv4 Global Address options) and ORO. */
static int encode(const struct dhcp6_msg *m, uint16_t ipv4_code, struct dhcp6_buf *b)
{
	size_t mark;
	int r;

	r = dhcp6_put_msg_hdr(b, m->type, m->xid);
	if (r < 0)
		return r;
	if (m->clientid.len && (r = dhcp6_put_duid(b, DHCP6_OPT_CLIENTID, &m->clientid)) < 0)
		return r;
	if (m->serverid.len && (r = dhcp6_put_duid(b, DHCP6_OPT_SERVERID, &m->serverid)) < 0)
		return r;
	for (unsigned i = 0; i < m->n_ia; i++) {
		const struct dhcp6_ia *ia = &m->ia[i];
		if (ia->ipv4) {
			r = dhcp6_put_ipv4_global(b, ipv4_code, ia->has_tep ? &ia->tep : NULL);
			if (r < 0)
				return r;
		}
		r = dhcp6_put_ia_begin(b, ia->type, ia->iaid, ia->t1, ia->t2, &mark);
		if (r < 0)
			return r;
		for (unsigned j = 0; j < ia->n_addrs; j++) {
			const struct dhcp6_iaaddr *a = &ia->addrs[j];
			r = dhcp6_put_iaaddr(b, &a->addr, a->preferred, a->valid,
					     a->has_status ? a->status : -1, NULL);
			if (r < 0)
				return r;
		}
		if (ia->has_status && (r = dhcp6_put_status(b, ia->status, NULL)) < 0)
			return r;
		r = dhcp6_opt_end(b, mark);
		if (r < 0)
			return r;
	}
	if (m->n_oro) {
		r = dhcp6_opt_begin(b, DHCP6_OPT_ORO, &mark);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < m->n_oro; i++) {
			uint8_t c[2];
			put_be16(c, m->oro[i]);
			r = dhcp6_put_raw(b, c, sizeof(c));
			if (r < 0)
				return r;
		}
		r = dhcp6_opt_end(b, mark);
		if (r < 0)
			return r;
	}
	return 0;
}

static void roundtrip(const struct dhcp6_msg *m, uint16_t ipv4_code)
{
	uint8_t out[8192], shortbuf[8192];
	struct dhcp6_buf b;
	struct dhcp6_msg m2;

	dhcp6_buf_init(&b, out, sizeof(out));
	CHECK(encode(m, ipv4_code, &b) == 0);
	CHECK(dhcp6_msg_parse(out, b.len, ipv4_code, &m2) == 0);
	CHECK(m2.type == m->type && m2.xid == m->xid);
	CHECK(m2.clientid.len == m->clientid.len &&
	      memcmp(m2.clientid.data, m->clientid.data, m->clientid.len) == 0);
	CHECK(m2.serverid.len == m->serverid.len &&
	      memcmp(m2.serverid.data, m->serverid.data, m->serverid.len) == 0);
	CHECK(m2.n_ia == m->n_ia && m2.n_oro == m->n_oro);
	CHECK(memcmp(m2.oro, m->oro, m->n_oro * sizeof(m->oro[0])) == 0);
	CHECK(!m2.ipv4_dangling);
	for (unsigned i = 0; i < m->n_ia; i++) {
		const struct dhcp6_ia *x = &m->ia[i], *y = &m2.ia[i];
		CHECK(x->type == y->type && x->iaid == y->iaid);
		CHECK(x->t1 == y->t1 && x->t2 == y->t2);
		CHECK(x->ipv4 == y->ipv4 && x->has_tep == y->has_tep);
		CHECK(!x->has_tep || memcmp(&x->tep, &y->tep, sizeof(x->tep)) == 0);
		CHECK(x->has_status == y->has_status && (!x->has_status || x->status == y->status));
		CHECK(x->n_addrs == y->n_addrs);
		for (unsigned j = 0; j < x->n_addrs; j++) {
			const struct dhcp6_iaaddr *p = &x->addrs[j], *q = &y->addrs[j];
			CHECK(memcmp(&p->addr, &q->addr, sizeof(p->addr)) == 0);
			CHECK(p->preferred == q->preferred && p->valid == q->valid);
			CHECK(p->has_status == q->has_status);
			CHECK(!p->has_status || p->status == q->status);
		}
	}

	/* one octet short: -ENOBUFS, nothing written past the capacity */
	size_t need = b.len;
	memset(shortbuf, 0xa5, need);
	dhcp6_buf_init(&b, shortbuf, need - 1);
	CHECK(encode(m, ipv4_code, &b) == -ENOBUFS);
	CHECK(b.len <= need - 1 && shortbuf[need - 1] == 0xa5);
}

static void fuzz_msg(const uint8_t *buf, size_t len)
{
	static const uint8_t key[DHCP6_RECONF_KEY_LEN] = { 0x42 };
	static const uint16_t codes[] = { DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT, 0 };
	struct dhcp6_msg m;

	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		int r = dhcp6_msg_parse(buf, len, codes[i], &m);
		CHECK(r == 0 || r == -EBADMSG);
		if (r < 0)
			continue;
		check_msg(&m, buf, len, codes[i]);
		(void)dhcp6_msg_name(m.type);
		if (m.has_status)
			(void)dhcp6_status_name(m.status);
		if (m.has_auth) {
			r = dhcp6_auth_verify(buf, len, &m.auth, key);
			CHECK(r == 0 || r == -EBADMSG || r == -EPERM);
		}
		roundtrip(&m, codes[i]);
	}
}

static void fuzz_any(const uint8_t *buf, size_t len, int depth)
{
	struct dhcp6_relay r;
	int ret;

	if (len > 0 && (buf[0] == DHCP6_RELAY_FORW || buf[0] == DHCP6_RELAY_REPL)) {
		struct dhcp6_msg m;
		CHECK(dhcp6_msg_parse(buf, len, DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT, &m) == -EBADMSG);
	}
	ret = dhcp6_relay_parse(buf, len, &r);
	CHECK(ret == 0 || ret == -EBADMSG);
	if (ret < 0) {
		fuzz_msg(buf, len);
		return;
	}
	CHECK(r.type == DHCP6_RELAY_FORW || r.type == DHCP6_RELAY_REPL);
	CHECK(within(r.relay_msg, r.relay_msg_len, buf, len));
	CHECK(r.relay_msg >= buf + DHCP6_RELAY_HDR_LEN + 4);
	if (r.interface_id)
		CHECK(within(r.interface_id, r.interface_id_len, buf, len));
	else
		CHECK(r.interface_id_len == 0);
	if (depth < MAX_RELAY_DEPTH)
		fuzz_any(r.relay_msg, r.relay_msg_len, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_any(data, size, 0);
	return 0;
}
