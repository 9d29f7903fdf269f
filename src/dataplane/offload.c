/* TCP segmentation and coalescing for the tunnel data plane.  See
 * offload.h for the contract. */
#include "dataplane/offload.h"

#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "common/util.h"
#include "wire/ip.h"

/* RFC 9293 3.1 control bits (octet 13 of the TCP header) */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_URG 0x20
#define TCP_CWR 0x80
#define TCP_HDR_MIN 20
#define TCP_FLAGS_OFF 13
#define TCP_CSUM_OFF 16
#define UDP_HDR_LEN 8
#define UDP_LEN_OFF 4
#define UDP_CSUM_OFF 6
#define IP4_FRAG_MASK 0x3fff         /* MF and the fragment offset */
#define IP6_PLEN_OFF 4

static int bad(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* ---- checksums ------------------------------------------------------------ */

/* RFC 1071 2 (B): the sum is independent of byte order if the result is
 * swapped back, so sum native 32-bit halves of 64-bit loads and swap the
 * folded result on little-endian hosts. */
uint32_t dp_csum_partial(uint32_t sum, const uint8_t *buf, size_t len)
{
	uint64_t a = 0, b = 0;

	while (len >= 16) {
		uint64_t w0, w1;
		memcpy(&w0, buf, 8);
		memcpy(&w1, buf + 8, 8);
		a += (w0 & 0xffffffffu) + (w0 >> 32);
		b += (w1 & 0xffffffffu) + (w1 >> 32);
		buf += 16;
		len -= 16;
	}
	a += b;
	if (len >= 8) {
		uint64_t w;
		memcpy(&w, buf, 8);
		a += (w & 0xffffffffu) + (w >> 32);
		buf += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t w;
		memcpy(&w, buf, 4);
		a += w;
		buf += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, buf, 2);
		a += w;
		buf += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		memcpy(&w, buf, 1);  /* the high octet of a big-endian word */
		a += w;
	}
	while (a >> 16)
		a = (a & 0xffff) + (a >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	a = (uint16_t)(a << 8 | a >> 8);
#endif
	a += sum;
	while (a >> 16)
		a = (a & 0xffff) + (a >> 16);
	return (uint32_t)a;
}

/* The field must lie inside the packet, on a 16-bit boundary of the summed
 * region (TCP 16, UDP 6): at an odd offset the stored sum would not verify. */
static int csum_offsets_ok(const struct virtio_net_hdr *vh, size_t len)
{
	size_t start = le16toh(vh->csum_start), off = le16toh(vh->csum_offset);
	return start < len && off + 2 <= len - start && !(off & 1);
}

static void csum_store_complete(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len)
{
	size_t start = le16toh(vh->csum_start), off = le16toh(vh->csum_offset);
	uint16_t c = ip_csum_fold(dp_csum_partial(0, pkt + start, len - start));
	put_be16(pkt + start + off, c ? c : 0xffff);
}

int dp_csum_complete(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len,
		     const char **why)
{
	if ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE)
		return -EINVAL;
	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (!csum_offsets_ok(vh, len))
		return bad(why, "csum-offsets", -EBADMSG);
	csum_store_complete(vh, pkt, len);
	return 0;
}

/* The pseudo-header sum (RFC 9293 3.1, RFC 8200 8.1) of an IP packet whose
 * header is at pkt, for l4_len octets of protocol proto. */
static uint32_t pseudo_sum(const uint8_t *pkt, uint8_t family, uint8_t proto, size_t l4_len)
{
	if (family == 4)
		return ip_csum_pseudo4(get_be32(pkt + 12), get_be32(pkt + 16), proto,
				       (uint16_t)l4_len);
	struct in6_addr s, d;
	memcpy(&s, pkt + 8, 16);
	memcpy(&d, pkt + 24, 16);
	return ip_csum_pseudo6(&s, &d, proto, (uint32_t)l4_len);
}

/* ---- segmentation ------------------------------------------------------------ */

int dp_gso_init(struct dp_gso *g, const struct virtio_net_hdr *vh, const uint8_t *pkt,
		size_t len, const char **why)
{
	memset(g, 0, sizeof(*g));
	g->pkt = pkt;
	g->len = len;
	g->vh = *vh;
	g->nseg = 1;
	g->gso_type = vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	if (why)
		*why = NULL;

	if (g->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (len < 1)   /* dp_gso_next could not tell it from the end */
			return bad(why, ip_drop_name(IP_DROP_TRUNCATED), -EBADMSG);
		if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !csum_offsets_ok(vh, len))
			return bad(why, "csum-offsets", -EBADMSG);
		return 0;
	}
	uint8_t want;
	switch (g->gso_type) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		want = IPPROTO_TCP;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		want = IPPROTO_UDP;
		break;
	default:
		return bad(why, "gso-type", -EPROTONOSUPPORT);
	}
	g->mss = le16toh(vh->gso_size);
	if (g->mss < DP_GSO_MIN_MSS)
		return bad(why, "gso-size", -EBADMSG);
	if (len < 1)
		return bad(why, ip_drop_name(IP_DROP_TRUNCATED), -EBADMSG);

	size_t ip_len;
	uint8_t proto;
	enum ip_drop d;
	if (pkt[0] >> 4 == 4) {
		struct ip4_view v;
		if (g->gso_type == VIRTIO_NET_HDR_GSO_TCPV6)
			return bad(why, "gso-family", -EBADMSG);
		if (ip4_parse(pkt, len, &v, &d) < 0)
			return bad(why, ip_drop_name(d), -EBADMSG);
		if (v.mf || v.frag_off)
			return bad(why, ip_drop_name(IP_DROP_FRAGMENT), -EBADMSG);
		g->family = 4;
		g->l3_len = v.hdr_len;
		g->ip_id = v.id;
		ip_len = v.total_len;
		proto = v.proto;
	} else if (pkt[0] >> 4 == 6) {
		struct ip6_view v;
		if (g->gso_type == VIRTIO_NET_HDR_GSO_TCPV4)
			return bad(why, "gso-family", -EBADMSG);
		if (ip6_parse(pkt, len, &v, &d) < 0)
			return bad(why, ip_drop_name(d), -EBADMSG);
		if (v.n_ext)
			return bad(why, "gso-ipv6-ext-hdr", -EPROTONOSUPPORT);
		g->family = 6;
		g->l3_len = IP6_HDR_LEN;
		ip_len = IP6_HDR_LEN + (size_t)v.payload_len;
		proto = v.next_hdr;
	} else {
		return bad(why, ip_drop_name(IP_DROP_BAD_VERSION), -EBADMSG);
	}
	if (proto != want)
		return bad(why, "gso-protocol", -EBADMSG);
	if (proto == IPPROTO_TCP) {
		if (ip_len < (size_t)g->l3_len + TCP_HDR_MIN)
			return bad(why, "tcp-truncated", -EBADMSG);
		size_t thl = (size_t)(pkt[g->l3_len + 12] >> 4) * 4;
		if (thl < TCP_HDR_MIN || g->l3_len + thl > ip_len)
			return bad(why, "tcp-header-length", -EBADMSG);
		g->hdr_len = (uint16_t)(g->l3_len + thl);
		g->seq = get_be32(pkt + g->l3_len + 4);
	} else {
		if (ip_len < (size_t)g->l3_len + UDP_HDR_LEN)
			return bad(why, "udp-truncated", -EBADMSG);
		g->hdr_len = (uint16_t)(g->l3_len + UDP_HDR_LEN);
	}
	g->proto = proto;
	g->len = ip_len;
	size_t payload = ip_len - g->hdr_len;
	g->nseg = payload ? (uint16_t)((payload + g->mss - 1) / g->mss) : 1;
	return 0;
}

int dp_gso_next(struct dp_gso *g, uint8_t *out, size_t cap)
{
	if (g->i >= g->nseg)
		return 0;
	if (g->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (cap < g->len)
			return -ENOBUFS;
		memcpy(out, g->pkt, g->len);
		if (g->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			csum_store_complete(&g->vh, out, g->len);
		g->i = 1;
		return (int)g->len;
	}
	size_t seg = MIN((size_t)g->mss, g->len - g->hdr_len - g->off);
	size_t tot = g->hdr_len + seg, l4_len = tot - g->l3_len;
	if (cap < tot)
		return -ENOBUFS;
	memcpy(out, g->pkt, g->hdr_len);
	memcpy(out + g->hdr_len, g->pkt + g->hdr_len + g->off, seg);
	if (g->family == 4) {
		put_be16(out + 2, (uint16_t)tot);
		put_be16(out + 4, (uint16_t)(g->ip_id + g->i));
		put_be16(out + 10, 0);
		put_be16(out + 10, ip_csum(out, g->l3_len));
	} else {
		put_be16(out + IP6_PLEN_OFF, (uint16_t)l4_len);
	}
	uint8_t *l4 = out + g->l3_len;
	uint32_t sum = pseudo_sum(out, g->family, g->proto, l4_len);
	if (g->proto == IPPROTO_TCP) {
		/* Linux tcp_gso_segment: FIN and PSH only on the last segment,
		 * CWR (RFC 3168 6.1.2) only on the first */
		put_be32(l4 + 4, g->seq + g->off);
		if (g->i + 1 < g->nseg)
			l4[TCP_FLAGS_OFF] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (g->i > 0)
			l4[TCP_FLAGS_OFF] &= (uint8_t)~TCP_CWR;
		put_be16(l4 + TCP_CSUM_OFF, 0);
		put_be16(l4 + TCP_CSUM_OFF, ip_csum_fold(dp_csum_partial(sum, l4, l4_len)));
	} else {
		/* RFC 768: length, and a computed 0 is sent as all ones */
		put_be16(l4 + UDP_LEN_OFF, (uint16_t)l4_len);
		put_be16(l4 + UDP_CSUM_OFF, 0);
		uint16_t c = ip_csum_fold(dp_csum_partial(sum, l4, l4_len));
		put_be16(l4 + UDP_CSUM_OFF, c ? c : 0xffff);
	}
	g->off += (uint32_t)seg;
	g->i++;
	return (int)tot;
}

/* ---- coalescing ------------------------------------------------------------- */

/* What dp_gro_add learns about a packet. */
struct gro_view {
	bool flow_known;             /* TCP with ports: can close its flow's run */
	bool cand;                   /* may be merged / start a run */
	uint8_t family;
	uint8_t flags;
	uint16_t l3_len, hdr_len;
	uint32_t seq;
	size_t payload;
	uint32_t flow;
};

static uint32_t gro_hash(const uint8_t *addrs, size_t alen, const uint8_t *ports)
{
	uint32_t h = 0x9e3779b9u;
	for (size_t i = 0; i + 4 <= alen; i += 4)
		h = (h ^ get_be32(addrs + i)) * 0x85ebca6bu;
	h = (h ^ get_be32(ports)) * 0xc2b2ae35u;
	return h ^ (h >> 16);
}

static void gro_parse(const uint8_t *p, size_t len, struct gro_view *v, struct dp_gro_stats *st)
{
	memset(v, 0, sizeof(*v));
	if (len < IP4_HDR_LEN)
		return;
	bool ip_ok;
	if (p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 0x0f) * 4;
		if (ihl < IP4_HDR_LEN || p[9] != IPPROTO_TCP || len < ihl + 4 ||
		    (get_be16(p + 6) & 0x1fff))   /* a later fragment: no ports */
			return;
		v->family = 4;
		v->l3_len = (uint16_t)ihl;
		v->flow = gro_hash(p + 12, 8, p + ihl);
		ip_ok = ihl == IP4_HDR_LEN && get_be16(p + 2) == len &&
			!(get_be16(p + 6) & IP4_FRAG_MASK) && ip_csum(p, IP4_HDR_LEN) == 0;
	} else if (p[0] >> 4 == 6) {
		if (len < IP6_HDR_LEN + 4 || p[6] != IPPROTO_TCP)
			return;
		v->family = 6;
		v->l3_len = IP6_HDR_LEN;
		v->flow = gro_hash(p + 8, 32, p + IP6_HDR_LEN);
		ip_ok = (size_t)get_be16(p + IP6_PLEN_OFF) + IP6_HDR_LEN == len;
	} else {
		return;
	}
	v->flow_known = true;
	if (!ip_ok || len < (size_t)v->l3_len + TCP_HDR_MIN)
		return;
	const uint8_t *t = p + v->l3_len;
	size_t thl = (size_t)(t[12] >> 4) * 4;
	if (thl < TCP_HDR_MIN || v->l3_len + thl >= len)   /* no payload */
		return;
	v->flags = t[TCP_FLAGS_OFF];
	if (v->flags & (TCP_SYN | TCP_RST | TCP_URG | TCP_CWR))
		return;
	v->hdr_len = (uint16_t)(v->l3_len + thl);
	v->payload = len - v->hdr_len;
	v->seq = get_be32(t + 4);
	/* a segment is checked before its checksum is replaced by the
	 * super-packet's: a corrupted one goes to the kernel as it came */
	uint32_t sum = pseudo_sum(p, v->family, IPPROTO_TCP, len - v->l3_len);
	if (ip_csum_fold(dp_csum_partial(sum, t, len - v->l3_len)) != 0) {
		st->bad_csum++;
		return;
	}
	v->cand = true;
}

static bool gro_same_flow(const struct dp_gro_pkt *h, const uint8_t *q, const struct gro_view *v)
{
	const uint8_t *p = h->pkt;
	if (h->flow != v->flow || p[0] >> 4 != v->family)
		return false;
	if (v->family == 4)
		return memcmp(p + 12, q + 12, 8) == 0 &&
		       memcmp(p + h->l3_len, q + v->l3_len, 4) == 0;
	return memcmp(p + 8, q + 8, 32) == 0 && memcmp(p + IP6_HDR_LEN, q + IP6_HDR_LEN, 4) == 0;
}

/* tcp_gro_receive's conditions, plus the IPv4 ID (see offload.h). */
static bool gro_can_merge(const struct dp_gro_pkt *h, const uint8_t *q, const struct gro_view *v)
{
	const uint8_t *p = h->pkt;
	if (!v->cand || v->hdr_len != h->hdr_len || v->payload > h->mss ||
	    h->count >= DP_GRO_MAX_SEGS || h->total + v->payload > DP_GRO_MAX_LEN ||
	    v->seq != h->next_seq)
		return false;
	if (v->family == 4) {
		if (p[1] != q[1] || p[8] != q[8] || get_be16(p + 6) != get_be16(q + 6) ||
		    get_be16(q + 4) != (uint16_t)(get_be16(p + 4) + h->count))
			return false;
	} else if (memcmp(p, q, 4) != 0 || p[7] != q[7]) {
		return false;
	}
	const uint8_t *pt = p + h->l3_len, *qt = q + v->l3_len;
	return memcmp(pt + 8, qt + 8, 5) == 0 &&  /* ACK number, data offset */
	       ((pt[TCP_FLAGS_OFF] ^ qt[TCP_FLAGS_OFF]) & ~(TCP_PSH | TCP_FIN)) == 0 &&
	       memcmp(pt + 14, qt + 14, 2) == 0 &&  /* window */
	       memcmp(pt + 18, qt + 18, h->hdr_len - h->l3_len - 18) == 0; /* urgent, options */
}

static void gro_close(struct dp_gro *g, int16_t head)
{
	for (unsigned i = 0; i < g->nopen; i++) {
		if (g->open[i] != head)
			continue;
		memmove(&g->open[i], &g->open[i + 1], (g->nopen - i - 1) * sizeof(g->open[0]));
		g->nopen--;
		return;
	}
}

void dp_gro_init(struct dp_gro *g)
{
	memset(g, 0, sizeof(*g));
}

static void gro_reset(struct dp_gro *g)
{
	g->n = 0;
	g->pos = 0;
	g->nopen = 0;
	g->popping = false;
}

int dp_gro_add(struct dp_gro *g, const uint8_t *pkt, size_t len)
{
	if (g->popping)
		return -EBUSY;
	if (g->n >= DP_GRO_MAX_PKTS)
		return -ENOSPC;
	struct gro_view v;
	gro_parse(pkt, len, &v, &g->st);
	int16_t idx = (int16_t)g->n++;
	struct dp_gro_pkt *e = &g->p[idx];
	memset(e, 0, sizeof(*e));
	e->pkt = pkt;
	e->len = len;
	e->next = -1;
	e->tail = idx;
	e->count = 1;
	e->head = true;
	g->st.pkts_in++;
	if (!v.flow_known)
		return 0;

	for (unsigned i = 0; i < g->nopen; i++) {
		struct dp_gro_pkt *h = &g->p[g->open[i]];
		if (!gro_same_flow(h, pkt, &v))
			continue;
		if (!gro_can_merge(h, pkt, &v)) {
			gro_close(g, g->open[i]);
			break;
		}
		e->head = false;
		g->p[h->tail].next = idx;
		h->tail = idx;
		h->count++;
		h->total = (uint16_t)(h->total + v.payload);
		h->next_seq += (uint32_t)v.payload;
		g->st.merged++;
		if (v.payload < h->mss || (v.flags & (TCP_PSH | TCP_FIN)))
			gro_close(g, g->open[i]);
		return 1;
	}
	if (!v.cand || (v.flags & (TCP_PSH | TCP_FIN)) || len > DP_GRO_MAX_LEN)
		return 0;
	e->hdr_len = v.hdr_len;
	e->l3_len = v.l3_len;
	e->mss = (uint16_t)v.payload;
	e->total = (uint16_t)len;
	e->next_seq = v.seq + (uint32_t)v.payload;
	e->flow = v.flow;
	if (g->nopen == DP_GRO_OPEN_MAX)
		gro_close(g, g->open[0]);
	g->open[g->nopen++] = idx;
	return 0;
}

int dp_gro_pop(struct dp_gro *g, struct dp_gro_out *o)
{
	g->popping = true;
	while (g->pos < g->n && !g->p[g->pos].head)
		g->pos++;
	if (g->pos >= g->n) {
		gro_reset(g);
		return 0;
	}
	int16_t idx = (int16_t)g->pos++;
	const struct dp_gro_pkt *h = &g->p[idx];
	memset(&o->vh, 0, sizeof(o->vh));
	o->first = (uint16_t)idx;
	o->segs = h->count;
	g->st.pkts_out++;
	if (h->count == 1) {
		o->iov[0].iov_base = (void *)h->pkt;
		o->iov[0].iov_len = h->len;
		o->iovcnt = 1;
		o->len = h->len;
		return 1;
	}
	uint8_t *hd = o->hdr, *th = hd + h->l3_len;
	uint8_t family = h->pkt[0] >> 4;
	memcpy(hd, h->pkt, h->hdr_len);
	if (family == 4) {
		put_be16(hd + 2, h->total);
		put_be16(hd + 10, 0);
		put_be16(hd + 10, ip_csum(hd, IP4_HDR_LEN));
	} else {
		put_be16(hd + IP6_PLEN_OFF, (uint16_t)(h->total - IP6_HDR_LEN));
	}
	/* the last segment's PSH / FIN; the other flags are the same */
	th[TCP_FLAGS_OFF] = g->p[h->tail].pkt[h->l3_len + TCP_FLAGS_OFF];
	/* CHECKSUM_PARTIAL: the folded pseudo-header sum, not complemented */
	uint32_t ps = pseudo_sum(hd, family, IPPROTO_TCP, (size_t)h->total - h->l3_len);
	put_be16(th + TCP_CSUM_OFF, (uint16_t)~ip_csum_fold(ps));

	o->iov[0].iov_base = hd;
	o->iov[0].iov_len = h->hdr_len;
	int k = 1;
	for (int16_t e = idx; e >= 0; e = g->p[e].next) {
		o->iov[k].iov_base = (void *)(g->p[e].pkt + h->hdr_len);
		o->iov[k].iov_len = g->p[e].len - h->hdr_len;
		k++;
	}
	o->iovcnt = k;
	o->len = h->total;
	o->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	o->vh.gso_type = family == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	o->vh.hdr_len = htole16(h->hdr_len);
	o->vh.gso_size = htole16(h->mss);
	o->vh.csum_start = htole16(h->l3_len);
	o->vh.csum_offset = htole16(TCP_CSUM_OFF);
	g->st.super++;
	return 1;
}
