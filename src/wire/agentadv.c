/* Agent Advertisement and Agent Solicitation codec (RFC 5944 2, RFC 1256
 * 3).  See agentadv.h for the contract. */
#include "wire/agentadv.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/ip.h"
#include "wire/mip4.h"

#define EXT_HDR_LEN 2                /* RFC 5944 1.9: type, length */
#define EXT_SKIPPABLE_MIN 128        /* RFC 5944 1.9 */
#define ENTRY_LEN (AGENTADV_ENTRY_SIZE * 4)

static int drop(enum agentadv_drop *why, enum agentadv_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

const char *agentadv_drop_name(enum agentadv_drop why)
{
	static const char *const names[AGENTADV_DROP__MAX] = {
		[AGENTADV_DROP_NONE] = "none",
		[AGENTADV_DROP_TRUNCATED] = "truncated",
		[AGENTADV_DROP_BAD_TYPE] = "bad-type",
		[AGENTADV_DROP_BAD_CODE] = "bad-code",
		[AGENTADV_DROP_BAD_CHECKSUM] = "bad-checksum",
		[AGENTADV_DROP_BAD_ENTRY_SIZE] = "bad-entry-size",
		[AGENTADV_DROP_EXT_OVERRUN] = "ext-overrun",
		[AGENTADV_DROP_UNKNOWN_EXT] = "unknown-ext",
		[AGENTADV_DROP_BAD_EXT_LEN] = "bad-ext-len",
		[AGENTADV_DROP_DUP_EXT] = "dup-ext",
		[AGENTADV_DROP_NOT_AGENT_ADV] = "not-agent-adv",
		[AGENTADV_DROP_BAD_FLAGS] = "bad-flags",
		[AGENTADV_DROP_NO_COA] = "no-coa",
		[AGENTADV_DROP_BAD_PREFIX_LEN] = "bad-prefix-len",
		[AGENTADV_DROP_BAD_IP4] = "bad-ip4",
	};
	if ((unsigned)why < AGENTADV_DROP__MAX && names[why])
		return names[why];
	return "unknown";
}

/* RFC 5944 2.1.1: "at least one of the 'F' bit and the 'H' bit MUST be
 * set", B and R only with F, F with at least one care-of address. */
static enum agentadv_drop mobility_check(uint16_t flags, uint8_t n_coa)
{
	if (!(flags & (AGENTADV_F_F | AGENTADV_F_H)))
		return AGENTADV_DROP_BAD_FLAGS;
	if ((flags & (AGENTADV_F_B | AGENTADV_F_R)) && !(flags & AGENTADV_F_F))
		return AGENTADV_DROP_BAD_FLAGS;
	if ((flags & AGENTADV_F_F) && n_coa == 0)
		return AGENTADV_DROP_NO_COA;
	return AGENTADV_DROP_NONE;
}

/* RFC 5944 2.1.2: IPv4 network prefixes */
static bool prefix_lens_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] > 32)
			return false;
	return true;
}

/* RFC 5944 2.1.1 */
static enum agentadv_drop mobility_parse(const uint8_t *d, uint8_t len, struct agentadv *a)
{
	if (len < AGENTADV_MOBILITY_FIXED || (len - AGENTADV_MOBILITY_FIXED) % 4)
		return AGENTADV_DROP_BAD_EXT_LEN;
	a->seq = get_be16(d);
	a->reg_lifetime = get_be16(d + 2);
	uint16_t f = get_be16(d + 4);
	a->flags = f & AGENTADV_F_DEFINED;
	a->flags_ignored = f & (uint16_t)~AGENTADV_F_DEFINED;
	a->n_coa = (uint8_t)((len - AGENTADV_MOBILITY_FIXED) / 4);
	for (unsigned i = 0; i < a->n_coa; i++)
		memcpy(&a->coa[i], d + AGENTADV_MOBILITY_FIXED + 4 * i, 4);
	return AGENTADV_DROP_NONE;
}

int agentadv_parse(const uint8_t *msg, size_t len, struct agentadv *a, enum agentadv_drop *why)
{
	memset(a, 0, sizeof(*a));
	if (len < AGENTADV_ICMP_HDR_LEN)
		return drop(why, AGENTADV_DROP_TRUNCATED, -EBADMSG);
	if (msg[0] != AGENTADV_ICMP_ADVERT)
		return drop(why, AGENTADV_DROP_BAD_TYPE, -EBADMSG);
	if (ip_csum(msg, len) != 0)
		return drop(why, AGENTADV_DROP_BAD_CHECKSUM, -EBADMSG);
	/* RFC 5944 2.1: code 0 or 16 */
	a->code = msg[1];
	if (a->code != AGENTADV_CODE_ROUTER && a->code != AGENTADV_CODE_NO_COMMON)
		return drop(why, AGENTADV_DROP_BAD_CODE, -EBADMSG);
	a->num_addrs = msg[4];
	a->entry_size = msg[5];
	a->lifetime = get_be16(msg + 6);
	if (a->entry_size < AGENTADV_ENTRY_SIZE)
		return drop(why, AGENTADV_DROP_BAD_ENTRY_SIZE, -EBADMSG);
	size_t stride = (size_t)a->entry_size * 4;
	size_t off = AGENTADV_ICMP_HDR_LEN + (size_t)a->num_addrs * stride;
	if (len < off)
		return drop(why, AGENTADV_DROP_TRUNCATED, -EBADMSG);
	for (unsigned i = 0; i < a->num_addrs; i++) {
		const uint8_t *e = msg + AGENTADV_ICMP_HDR_LEN + i * stride;
		memcpy(&a->router[i].addr, e, 4);
		a->router[i].pref = (int32_t)get_be32(e + 4);
	}

	/* RFC 5944 2.4: the rest of the ICMP length is extensions */
	bool has_mobility = false;
	while (off < len) {
		uint8_t type = msg[off];
		if (type == AGENTADV_EXT_PAD) {
			/* 2.1.3: a single octet; more than one or not last is
			 * only a SHOULD NOT for the sender */
			if (a->n_pad < 0xff)
				a->n_pad++;
			off++;
			continue;
		}
		if (len - off < EXT_HDR_LEN || len - off - EXT_HDR_LEN < msg[off + 1])
			return drop(why, AGENTADV_DROP_EXT_OVERRUN, -EBADMSG);
		uint8_t elen = msg[off + 1];
		const uint8_t *d = msg + off + EXT_HDR_LEN;
		enum agentadv_drop r = AGENTADV_DROP_NONE;
		switch (type) {
		case AGENTADV_EXT_MOBILITY:
			if (has_mobility)
				return drop(why, AGENTADV_DROP_DUP_EXT, -EBADMSG);
			has_mobility = true;
			r = mobility_parse(d, elen, a);
			break;
		case AGENTADV_EXT_PREFIX_LENGTHS:
			/* 2.1.2: length N = Num Addrs */
			if (a->has_prefix_lengths)
				return drop(why, AGENTADV_DROP_DUP_EXT, -EBADMSG);
			if (elen != a->num_addrs)
				return drop(why, AGENTADV_DROP_BAD_EXT_LEN, -EBADMSG);
			a->has_prefix_lengths = true;
			memcpy(a->prefix_len, d, elen);
			if (!prefix_lens_ok(a->prefix_len, elen))
				return drop(why, AGENTADV_DROP_BAD_PREFIX_LEN, -EBADMSG);
			break;
		default:
			/* 1.9: unknown 0-127 discards the message, 128-255 skip */
			if (type < EXT_SKIPPABLE_MIN)
				return drop(why, AGENTADV_DROP_UNKNOWN_EXT, -EBADMSG);
			if (a->n_skipped < 0xff)
				a->n_skipped++;
			break;
		}
		if (r != AGENTADV_DROP_NONE)
			return drop(why, r, -EBADMSG);
		off += EXT_HDR_LEN + (size_t)elen;
	}
	if (!has_mobility)
		return drop(why, AGENTADV_DROP_NOT_AGENT_ADV, -ENOMSG);
	enum agentadv_drop r = mobility_check(a->flags, a->n_coa);
	if (r != AGENTADV_DROP_NONE)
		return drop(why, r, -EBADMSG);
	return drop(why, AGENTADV_DROP_NONE, 0);
}

int agentadv_parse_ip4(const uint8_t *pkt, size_t len, struct agentadv *a, uint8_t *ttl,
		       enum agentadv_drop *why)
{
	struct ip4_view v;

	memset(a, 0, sizeof(*a));
	if (ip4_parse(pkt, len, &v, NULL) < 0 || v.mf || v.frag_off || v.proto != IPPROTO_ICMP)
		return drop(why, AGENTADV_DROP_BAD_IP4, -EBADMSG);
	if (ttl)
		*ttl = v.ttl;
	return agentadv_parse(v.payload, v.payload_len, a, why);
}

int agentadv_build(const struct agentadv *a, uint8_t *out, size_t cap)
{
	struct mip4_buf b;
	uint8_t m[AGENTADV_MOBILITY_FIXED + 4 * AGENTADV_MAX_COA];
	int r;

	if (a->code != AGENTADV_CODE_ROUTER && a->code != AGENTADV_CODE_NO_COMMON)
		return -EINVAL;
	if (a->n_coa > AGENTADV_MAX_COA)
		return -EINVAL;
	uint16_t flags = a->flags & AGENTADV_F_DEFINED;
	if (mobility_check(flags, a->n_coa) != AGENTADV_DROP_NONE)
		return -EINVAL;
	if (a->has_prefix_lengths && !prefix_lens_ok(a->prefix_len, a->num_addrs))
		return -EINVAL;

	size_t mlen = AGENTADV_MOBILITY_FIXED + 4 * (size_t)a->n_coa;
	size_t total = AGENTADV_ICMP_HDR_LEN + (size_t)a->num_addrs * ENTRY_LEN + EXT_HDR_LEN + mlen +
		       (a->has_prefix_lengths ? EXT_HDR_LEN + (size_t)a->num_addrs : 0) +
		       (a->n_pad ? 1 : 0);
	if (cap < total)
		return -ENOBUFS;

	/* RFC 1256 3.1 */
	out[0] = AGENTADV_ICMP_ADVERT;
	out[1] = a->code;
	put_be16(out + 2, 0);
	out[4] = a->num_addrs;
	out[5] = AGENTADV_ENTRY_SIZE;
	put_be16(out + 6, a->lifetime);
	for (unsigned i = 0; i < a->num_addrs; i++) {
		uint8_t *e = out + AGENTADV_ICMP_HDR_LEN + i * ENTRY_LEN;
		memcpy(e, &a->router[i].addr, 4);
		put_be32(e + 4, (uint32_t)a->router[i].pref);
	}
	mip4_buf_init(&b, out, cap);
	b.len = AGENTADV_ICMP_HDR_LEN + (size_t)a->num_addrs * ENTRY_LEN;

	/* RFC 5944 2.1.1 */
	put_be16(m, a->seq);
	put_be16(m + 2, a->reg_lifetime);
	put_be16(m + 4, flags);
	for (unsigned i = 0; i < a->n_coa; i++)
		memcpy(m + AGENTADV_MOBILITY_FIXED + 4 * i, &a->coa[i], 4);
	r = mip4_put_ext(&b, AGENTADV_EXT_MOBILITY, m, (uint8_t)mlen);
	if (r < 0)
		return r;
	/* 2.1.2 */
	if (a->has_prefix_lengths) {
		r = mip4_put_ext(&b, AGENTADV_EXT_PREFIX_LENGTHS, a->prefix_len, a->num_addrs);
		if (r < 0)
			return r;
	}
	/* 2.1.3: one octet, last */
	if (a->n_pad)
		out[b.len++] = AGENTADV_EXT_PAD;
	put_be16(out + 2, ip_csum(out, b.len));
	return (int)b.len;
}

/* RFC 1256 4.2 */
int agentadv_solicit_parse(const uint8_t *msg, size_t len, enum agentadv_drop *why)
{
	if (len < AGENTADV_SOLICIT_LEN)
		return drop(why, AGENTADV_DROP_TRUNCATED, -EBADMSG);
	if (msg[0] != AGENTADV_ICMP_SOLICIT)
		return drop(why, AGENTADV_DROP_BAD_TYPE, -EBADMSG);
	if (ip_csum(msg, len) != 0)
		return drop(why, AGENTADV_DROP_BAD_CHECKSUM, -EBADMSG);
	if (msg[1] != 0)
		return drop(why, AGENTADV_DROP_BAD_CODE, -EBADMSG);
	return drop(why, AGENTADV_DROP_NONE, 0);
}

int agentadv_solicit_build(uint8_t *out, size_t cap)
{
	if (cap < AGENTADV_SOLICIT_LEN)
		return -ENOBUFS;
	memset(out, 0, AGENTADV_SOLICIT_LEN);
	out[0] = AGENTADV_ICMP_SOLICIT;
	put_be16(out + 2, ip_csum(out, AGENTADV_SOLICIT_LEN));
	return AGENTADV_SOLICIT_LEN;
}
