#include "wire/frag4.h"

#include <errno.h>
#include <string.h>

#define FRAG4_MAX_OFF (0x1fff * 8)   /* 13-bit offset in 8-octet units */

unsigned frag4_count(size_t hdr_len, size_t payload_len, uint16_t mtu)
{
	if (hdr_len + payload_len <= mtu)
		return 1;
	if (mtu < hdr_len + 8)
		return 0;
	size_t per = (mtu - hdr_len) & ~(size_t)7;
	return (unsigned)((payload_len + per - 1) / per);
}

static int frag4_fail(enum ip_drop *why, enum ip_drop w, int err)
{
	if (why)
		*why = w;
	return err;
}

int frag4_init(struct frag4 *fr, const uint8_t *pkt, size_t len, uint16_t mtu,
	       enum ip_drop *why)
{
	memset(fr, 0, sizeof(*fr));
	int r = ip4_parse(pkt, len, &fr->v, why);
	if (r < 0)
		return r;
	const struct ip4_view *v = &fr->v;
	fr->mtu = mtu;
	if (v->total_len > mtu) {
		/* RFC 791 3.2: DF forbids it; 68 is the least every module
		 * must take, and each fragment needs room for 8 octets */
		if (v->df)
			return frag4_fail(why, IP_DROP_DF_SET, -EMSGSIZE);
		if (mtu < IP4_MIN_MTU || mtu < (size_t)v->hdr_len + 8)
			return frag4_fail(why, IP_DROP_NONE, -EINVAL);
	}
	fr->count = frag4_count(v->hdr_len, v->payload_len, mtu);
	if (fr->count > 1) {
		size_t per = ((size_t)mtu - v->hdr_len) & ~(size_t)7;
		if ((size_t)v->frag_off + (fr->count - 1) * per > FRAG4_MAX_OFF)
			return frag4_fail(why, IP_DROP_BAD_LENGTH, -EBADMSG);
	}
	/* malformed options show in the first fragment: refuse them now
	 * rather than halfway through a send */
	struct ip4_frag f;
	size_t cur = 0;
	r = ip4_fragment_next(v, mtu, &cur, &f, why);
	if (r < 0)
		return r;
	if (why)
		*why = IP_DROP_NONE;
	return (int)fr->count;
}

int frag4_next(struct frag4 *fr, struct ip4_frag *f, enum ip_drop *why)
{
	if (fr->done >= fr->count)
		return 0;
	int r = ip4_fragment_next(&fr->v, fr->mtu, &fr->cursor, f, why);
	if (r == 1)
		fr->done++;
	return r;
}
