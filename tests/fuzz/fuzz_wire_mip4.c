/* libFuzzer target for src/wire/mip4: Registration Request / Reply parsing,
 * invariants of what was parsed (every pointer and offset inside the
 * input), a re-encoding of the parsed fields with the writer that must parse
 * back to the same fields, authenticators re-signed with mip4_put_auth that
 * must verify, and -ENOBUFS one octet short. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "wire/mip4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define EXT_DSMIP_HDR 3              /* type, length, subtype */

static const uint8_t key_mh[16] = { 0x42, 0x01, 0x02, 0x03 };
static const uint8_t key_mf[64] = { 0x17 };
static const uint8_t key_fh[20] = { 0x99, 0x98 };

static int within(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

/* The extension whose type octet is at off lies inside the message. */
static void check_ext_at(const uint8_t *buf, size_t len, size_t off, uint8_t type)
{
	size_t fixed = buf[0] == MIP4_REG_REQUEST ? MIP4_REQ_FIXED_LEN : MIP4_REP_FIXED_LEN;

	CHECK(off >= fixed && off + 2 <= len);
	CHECK(buf[off] == type);
	CHECK(off + 2 + buf[off + 1] <= len);
}

static void check_auth(const struct mip4_auth *a, uint8_t type, const uint8_t *buf, size_t len)
{
	if (!a->present) {
		CHECK(a->off == 0 && a->spi == 0 && a->auth == NULL && a->auth_len == 0);
		return;
	}
	CHECK(a->off < len);
	check_ext_at(buf, len, a->off, type);
	CHECK(buf[a->off + 1] == 4 + a->auth_len);
	CHECK(a->auth == buf + a->off + 6);
	CHECK(within(a->auth, a->auth_len, buf, len));
	CHECK(a->spi == get_be32(buf + a->off + 2));
}

static void check_reg(const struct mip4_reg *r, const uint8_t *buf, size_t len)
{
	bool request = r->type == MIP4_REG_REQUEST;

	CHECK(r->type == MIP4_REG_REQUEST || r->type == MIP4_REG_REPLY);
	CHECK(r->type == buf[0]);
	CHECK(len >= (request ? MIP4_REQ_FIXED_LEN : MIP4_REP_FIXED_LEN));
	CHECK(r->ext_end <= len);
	CHECK(r->ext_end == len);
	if (request) {
		CHECK(r->code == 0);
		CHECK(r->udp_tun_code == 0 && r->udp_tun_keepalive == 0);
		CHECK((r->udp_tun_flags & ~0xc0) == 0);
	} else {
		CHECK(r->flags == 0 && r->coa == 0);
		CHECK(r->n_tunnel_mode == 0 && r->tunnel_mode_off == 0);
		CHECK(!r->has_encap_delivery);
		CHECK(r->udp_tun_encap == 0);
		CHECK((r->udp_tun_flags & ~0x80) == 0);
	}
	if (!r->has_udp_tun)
		CHECK(r->udp_tun_flags == 0 && r->udp_tun_encap == 0 && r->udp_tun_code == 0 &&
		      r->udp_tun_keepalive == 0);
	check_auth(&r->mh, MIP4_EXT_MH_AUTH, buf, len);
	check_auth(&r->mf, MIP4_EXT_MF_AUTH, buf, len);
	check_auth(&r->fh, MIP4_EXT_FH_AUTH, buf, len);
	if (r->nai_len) {
		CHECK(within(r->nai, r->nai_len, buf, len));
		CHECK(r->nai >= buf + 2);
		check_ext_at(buf, len, (size_t)(r->nai - buf) - 2, MIP4_EXT_NAI);
	} else {
		CHECK(r->nai == NULL);
	}
	CHECK(r->n_prefix <= MIP4_MAX_PREFIXES);
	for (unsigned i = 0; i < r->n_prefix; i++) {
		const struct mip4_prefix *p = &r->prefix[i];
		CHECK(p->off < len);
		check_ext_at(buf, len, p->off, MIP4_EXT_DSMIPV4);
		CHECK(buf[p->off + 2] == (request ? MIP4_DSMIP_PREFIX_REQUEST
						  : MIP4_DSMIP_PREFIX_REPLY));
		CHECK(p->plen <= 128 || p->plen == MIP4_V6_PLEN_LINK_LOCAL);
		CHECK(request ? p->code == 0 : p->code == buf[p->off + EXT_DSMIP_HDR]);
		CHECK(i == 0 || p->off > r->prefix[i - 1].off);
		(void)mip4_v6_code_name(p->code);
	}
	for (unsigned i = r->n_prefix; i < MIP4_MAX_PREFIXES; i++)
		CHECK(r->prefix[i].off == 0);
	if (r->n_tunnel_mode) {
		CHECK(r->tunnel_mode_off < len);
		check_ext_at(buf, len, r->tunnel_mode_off, MIP4_EXT_DSMIPV4);
		CHECK(buf[r->tunnel_mode_off + 2] == MIP4_DSMIP_TUNNEL_MODE);
	} else {
		CHECK(r->tunnel_mode_off == 0);
	}
}

/* The parsed fields, MH authenticated, MF and FH appended after it. */
static int encode(const struct mip4_reg *r, struct mip4_buf *b)
{
	int rc;

	if (r->type == MIP4_REG_REQUEST)
		rc = mip4_put_request(b, r->flags, r->lifetime, r->home_addr, r->home_agent,
				      r->coa, r->id);
	else
		rc = mip4_put_reply(b, r->code, r->lifetime, r->home_addr, r->home_agent, r->id);
	if (rc < 0)
		return rc;
	if (r->nai_len && (rc = mip4_put_nai(b, (const char *)r->nai, r->nai_len)) < 0)
		return rc;
	for (unsigned i = 0; i < r->n_prefix; i++) {
		const struct mip4_prefix *p = &r->prefix[i];
		rc = r->type == MIP4_REG_REQUEST
			     ? mip4_put_prefix_request(b, p->plen, &p->prefix)
			     : mip4_put_prefix_reply(b, p->code, p->plen, &p->prefix);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < r->n_tunnel_mode; i++)
		if ((rc = mip4_put_tunnel_mode(b)) < 0)
			return rc;
	if (r->has_udp_tun) {
		rc = r->type == MIP4_REG_REQUEST
			     ? mip4_put_udp_tun_request(b, r->udp_tun_flags, r->udp_tun_encap)
			     : mip4_put_udp_tun_reply(b, r->udp_tun_flags, r->udp_tun_code,
						      r->udp_tun_keepalive);
		if (rc < 0)
			return rc;
	}
	if (r->mh.present &&
	    (rc = mip4_put_auth(b, MIP4_EXT_MH_AUTH, r->mh.spi, key_mh, sizeof(key_mh))) < 0)
		return rc;
	if (r->has_encap_delivery &&
	    (rc = mip4_put_ext(b, MIP4_EXT_ENCAP_DELIVERY, NULL, 0)) < 0)
		return rc;
	if (r->mf.present &&
	    (rc = mip4_put_auth(b, MIP4_EXT_MF_AUTH, r->mf.spi, key_mf, sizeof(key_mf))) < 0)
		return rc;
	if (r->fh.present &&
	    (rc = mip4_put_auth(b, MIP4_EXT_FH_AUTH, r->fh.spi, key_fh, sizeof(key_fh))) < 0)
		return rc;
	return 0;
}

static void same_auth(const struct mip4_auth *x, const struct mip4_auth *y)
{
	CHECK(x->present == y->present);
	if (x->present)
		CHECK(x->spi == y->spi && y->auth_len == MIP4_AUTH_LEN);
}

static void roundtrip(const struct mip4_reg *r)
{
	static uint8_t out[4096], shortbuf[4096];
	struct mip4_buf b;
	struct mip4_reg r2;
	enum mip4_err why;

	mip4_buf_init(&b, out, sizeof(out));
	CHECK(encode(r, &b) == 0);
	CHECK(mip4_reg_parse(out, b.len, &r2, &why) == 0 && why == MIP4_ERR_NONE);
	check_reg(&r2, out, b.len);
	CHECK(r2.type == r->type && r2.flags == r->flags && r2.code == r->code);
	CHECK(r2.lifetime == r->lifetime && r2.id == r->id);
	CHECK(r2.home_addr == r->home_addr && r2.home_agent == r->home_agent &&
	      r2.coa == r->coa);
	CHECK(r2.nai_len == r->nai_len);
	CHECK(r->nai_len == 0 || memcmp(r2.nai, r->nai, r->nai_len) == 0);
	CHECK(r2.n_prefix == r->n_prefix);
	for (unsigned i = 0; i < r->n_prefix; i++) {
		const struct mip4_prefix *p = &r->prefix[i], *q = &r2.prefix[i];
		CHECK(p->plen == q->plen && p->code == q->code);
		CHECK(memcmp(&p->prefix, &q->prefix, sizeof(p->prefix)) == 0);
	}
	CHECK(r2.n_tunnel_mode == r->n_tunnel_mode);
	CHECK(r2.has_udp_tun == r->has_udp_tun && r2.udp_tun_flags == r->udp_tun_flags &&
	      r2.udp_tun_encap == r->udp_tun_encap && r2.udp_tun_code == r->udp_tun_code &&
	      r2.udp_tun_keepalive == r->udp_tun_keepalive);
	CHECK(r2.has_encap_delivery == r->has_encap_delivery);
	CHECK(r2.n_skipped == 0);
	same_auth(&r->mh, &r2.mh);
	same_auth(&r->mf, &r2.mf);
	same_auth(&r->fh, &r2.fh);

	/* the re-signed authenticators verify, with their own keys only */
	if (r2.mh.present) {
		CHECK(mip4_auth_verify(out, b.len, &r2.mh, key_mh, sizeof(key_mh)) == 0);
		CHECK(mip4_auth_verify(out, b.len, &r2.mh, key_fh, sizeof(key_fh)) == -EPERM);
		CHECK(mip4_covered_by_mh(&r2, 0));
		for (unsigned i = 0; i < r2.n_prefix; i++)
			CHECK(mip4_covered_by_mh(&r2, r2.prefix[i].off));
	}
	if (r2.mf.present)
		CHECK(mip4_auth_verify(out, b.len, &r2.mf, key_mf, sizeof(key_mf)) == 0);
	if (r2.fh.present) {
		CHECK(mip4_auth_verify(out, b.len, &r2.fh, key_fh, sizeof(key_fh)) == 0);
		/* FH is last: a flipped octet before it breaks it */
		out[4] ^= 0x01;
		CHECK(mip4_auth_verify(out, b.len, &r2.fh, key_fh, sizeof(key_fh)) == -EPERM);
		out[4] ^= 0x01;
	}

	/* one octet short: -ENOBUFS, nothing written past the capacity */
	size_t need = b.len;
	memset(shortbuf, 0xa5, need);
	mip4_buf_init(&b, shortbuf, need - 1);
	CHECK(encode(r, &b) == -ENOBUFS);
	CHECK(b.len <= need - 1 && shortbuf[need - 1] == 0xa5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mip4_reg r;
	enum mip4_err why = MIP4_ERR__MAX;
	int rc;

	rc = mip4_reg_parse(data, size, &r, &why);
	CHECK(rc == 0 || rc == -EBADMSG);
	CHECK((unsigned)why < MIP4_ERR__MAX);
	CHECK(strcmp(mip4_err_name(why), "unknown") != 0);
	if (rc < 0) {
		CHECK(why != MIP4_ERR_NONE);
		return 0;
	}
	CHECK(why == MIP4_ERR_NONE);
	check_reg(&r, data, size);
	(void)mip4_code_name(r.code);

	/* whatever the input carries, verification answers cleanly */
	const struct mip4_auth *auths[] = { &r.mh, &r.mf, &r.fh };
	for (size_t i = 0; i < ARRAY_SIZE(auths); i++) {
		rc = mip4_auth_verify(data, size, auths[i], key_mh, sizeof(key_mh));
		CHECK(rc == 0 || rc == -EBADMSG || rc == -EPERM);
		CHECK(auths[i]->present || rc == -EBADMSG);
		CHECK(auths[i]->auth_len == MIP4_AUTH_LEN || rc == -EBADMSG);
	}
	roundtrip(&r);
	return 0;
}
