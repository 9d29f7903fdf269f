/* Ethernet, ARP and IPv6 Neighbor Discovery codecs for the home link.  See
 * ndisc.h for the contract. */
#include "wire/ndisc.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "wire/ip.h"

#define ARP_PRO_IP4 0x0800
#define ARP_HLN 6
#define ARP_PLN 4
#define ARP_HDR_FIXED 8              /* hrd, pro, hln, pln, op */
#define ICMP6_PROTO 58

const uint8_t eth_broadcast[ETH_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- Ethernet ------------------------------------------------------------- */

int eth_parse(const uint8_t *frame, size_t len, struct eth_view *v)
{
	memset(v, 0, sizeof(*v));
	if (len < ETH_HDR_LEN)
		return -EBADMSG;
	memcpy(v->dst, frame, ETH_ADDR_LEN);
	memcpy(v->src, frame + ETH_ADDR_LEN, ETH_ADDR_LEN);
	v->type = get_be16(frame + 2 * ETH_ADDR_LEN);
	v->payload = frame + ETH_HDR_LEN;
	v->payload_len = len - ETH_HDR_LEN;
	return 0;
}

int eth_hdr_put(uint8_t *out, size_t cap, const uint8_t dst[ETH_ADDR_LEN],
		const uint8_t src[ETH_ADDR_LEN], uint16_t type)
{
	if (cap < ETH_HDR_LEN)
		return -ENOBUFS;
	memcpy(out, dst, ETH_ADDR_LEN);
	memcpy(out + ETH_ADDR_LEN, src, ETH_ADDR_LEN);
	put_be16(out + 2 * ETH_ADDR_LEN, type);
	return ETH_HDR_LEN;
}

bool eth_is_multicast(const uint8_t mac[ETH_ADDR_LEN])
{
	return mac[0] & 1;
}

/* ---- ARP ------------------------------------------------------------------ */

int arp_parse(const uint8_t *buf, size_t len, struct arp_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < ARP_HDR_FIXED)
		return -EBADMSG;
	uint8_t hln = buf[4], pln = buf[5];
	if (len < ARP_HDR_FIXED + 2 * ((size_t)hln + pln))
		return -EBADMSG;
	/* RFC 826: "Does this machine speak this protocol / hardware?" */
	if (get_be16(buf) != ARP_HRD_ETHER || get_be16(buf + 2) != ARP_PRO_IP4 ||
	    hln != ARP_HLN || pln != ARP_PLN)
		return -ENOMSG;
	uint16_t op = get_be16(buf + 6);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return -ENOMSG;
	m->op = op;
	memcpy(m->sha, buf + 8, ETH_ADDR_LEN);
	memcpy(&m->spa, buf + 14, 4);
	memcpy(m->tha, buf + 18, ETH_ADDR_LEN);
	memcpy(&m->tpa, buf + 24, 4);
	return 0;
}

int arp_build(const struct arp_msg *m, uint8_t *out, size_t cap)
{
	if (m->op != ARP_OP_REQUEST && m->op != ARP_OP_REPLY)
		return -EINVAL;
	if (cap < ARP_ETH_IP4_LEN)
		return -ENOBUFS;
	put_be16(out, ARP_HRD_ETHER);
	put_be16(out + 2, ARP_PRO_IP4);
	out[4] = ARP_HLN;
	out[5] = ARP_PLN;
	put_be16(out + 6, m->op);
	memcpy(out + 8, m->sha, ETH_ADDR_LEN);
	memcpy(out + 14, &m->spa, 4);
	memcpy(out + 18, m->tha, ETH_ADDR_LEN);
	memcpy(out + 24, &m->tpa, 4);
	return ARP_ETH_IP4_LEN;
}

int arp_frame_build(const uint8_t eth_dst[ETH_ADDR_LEN], const uint8_t eth_src[ETH_ADDR_LEN],
		    const struct arp_msg *m, uint8_t *out, size_t cap)
{
	if (m->op != ARP_OP_REQUEST && m->op != ARP_OP_REPLY)
		return -EINVAL;
	if (cap < ARP_FRAME_LEN)
		return -ENOBUFS;
	eth_hdr_put(out, cap, eth_dst, eth_src, ETH_TYPE_ARP);
	arp_build(m, out + ETH_HDR_LEN, cap - ETH_HDR_LEN);
	return ARP_FRAME_LEN;
}

int arp_gratuitous_build(uint16_t op, const uint8_t eth_src[ETH_ADDR_LEN],
			 const uint8_t lladdr[ETH_ADDR_LEN], struct in_addr addr,
			 uint8_t *out, size_t cap)
{
	struct arp_msg m = { .op = op, .spa = addr, .tpa = addr };
	memcpy(m.sha, lladdr, ETH_ADDR_LEN);
	if (op == ARP_OP_REPLY)
		memcpy(m.tha, lladdr, ETH_ADDR_LEN);
	return arp_frame_build(eth_broadcast, eth_src, &m, out, cap);
}

bool arp_is_gratuitous(const struct arp_msg *m)
{
	return m->spa.s_addr == m->tpa.s_addr;
}

/* ---- Neighbor Discovery ------------------------------------------------------- */

static int drop(enum ndisc_drop *why, enum ndisc_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

const char *ndisc_drop_name(enum ndisc_drop why)
{
	static const char *const names[NDISC_DROP__MAX] = {
		[NDISC_DROP_NONE] = "none",
		[NDISC_DROP_TRUNCATED] = "truncated",
		[NDISC_DROP_BAD_IP6] = "bad-ip6",
		[NDISC_DROP_FRAGMENT] = "fragment",
		[NDISC_DROP_NOT_ND] = "not-nd",
		[NDISC_DROP_HOP_LIMIT] = "hop-limit",
		[NDISC_DROP_SHORT] = "short",
		[NDISC_DROP_CHECKSUM] = "checksum",
		[NDISC_DROP_CODE] = "code",
		[NDISC_DROP_MCAST_TARGET] = "multicast-target",
		[NDISC_DROP_BAD_OPTION] = "bad-option",
		[NDISC_DROP_BAD_LLADDR] = "bad-lladdr",
		[NDISC_DROP_DAD_DST] = "dad-dst",
		[NDISC_DROP_DAD_SLLA] = "dad-slla",
		[NDISC_DROP_MCAST_SOLICITED] = "multicast-solicited",
	};
	if ((unsigned)why < NDISC_DROP__MAX && names[why])
		return names[why];
	return "unknown";
}

static bool in6_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

static bool in6_is_unspecified(const struct in6_addr *a)
{
	static const struct in6_addr any;
	return memcmp(a, &any, sizeof(any)) == 0;
}

void ndisc_solicited_node(const struct in6_addr *a, struct in6_addr *group)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	memcpy(group->s6_addr, pfx, sizeof(pfx));
	memcpy(group->s6_addr + 13, a->s6_addr + 13, 3);
}

bool ndisc_is_solicited_node(const struct in6_addr *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	return memcmp(a->s6_addr, pfx, sizeof(pfx)) == 0;
}

int ndisc_mcast_mac(const struct in6_addr *group, uint8_t mac[ETH_ADDR_LEN])
{
	if (!in6_is_multicast(group))
		return -EINVAL;
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group->s6_addr + 12, 4);
	return 0;
}

/* 7.1.1 / 7.1.2: every option has a non-zero length and ends inside the
 * message; the first option of each kind the message uses is kept. */
static int ndisc_options(const uint8_t *p, size_t len, struct ndisc_msg *m, enum ndisc_drop *why)
{
	uint8_t ll_type = m->type == NDISC_NS ? NDISC_OPT_SLLA : NDISC_OPT_TLLA;
	size_t off = 0;

	while (off < len) {
		if (len - off < 2 || p[off + 1] == 0)
			return drop(why, NDISC_DROP_BAD_OPTION, -EBADMSG);
		size_t olen = (size_t)p[off + 1] * 8;
		if (olen > len - off)
			return drop(why, NDISC_DROP_BAD_OPTION, -EBADMSG);
		if (p[off] == ll_type) {
			/* RFC 2464 8: length 1 on Ethernet (Linux drops the
			 * message too when it is not) */
			if (olen != NDISC_OPT_LLADDR_LEN)
				return drop(why, NDISC_DROP_BAD_LLADDR, -EBADMSG);
			if (!m->has_lladdr) {
				m->has_lladdr = true;
				memcpy(m->lladdr, p + off + 2, ETH_ADDR_LEN);
			}
		} else if (p[off] == NDISC_OPT_NONCE && m->type == NDISC_NS && olen == 8 &&
			   !m->has_nonce) {
			m->has_nonce = true;
			memcpy(m->nonce, p + off + 2, NDISC_NONCE_LEN);
		}
		off += olen;
	}
	return 0;
}

int ndisc_parse(const uint8_t *pkt, size_t len, struct ndisc_msg *m, enum ndisc_drop *why)
{
	struct ip6_view v;
	enum ip_drop iw;

	memset(m, 0, sizeof(*m));
	if (ip6_parse(pkt, len, &v, &iw) < 0)
		return drop(why, iw == IP_DROP_TRUNCATED ? NDISC_DROP_TRUNCATED : NDISC_DROP_BAD_IP6,
			    -EBADMSG);
	if (v.proto != ICMP6_PROTO)
		return drop(why, NDISC_DROP_NOT_ND, -ENOMSG);
	if (v.upper_len < 1)
		return drop(why, NDISC_DROP_TRUNCATED, -EBADMSG);
	const uint8_t *icmp = v.payload;
	if (icmp[0] != NDISC_NS && icmp[0] != NDISC_NA)
		return drop(why, NDISC_DROP_NOT_ND, -ENOMSG);
	/* RFC 6980 5: fragmented ND is dropped */
	if (v.frag)
		return drop(why, NDISC_DROP_FRAGMENT, -EBADMSG);
	/* 7.1.1, 7.1.2, in the RFC's order */
	if (v.hop_limit != NDISC_HOP_LIMIT)
		return drop(why, NDISC_DROP_HOP_LIMIT, -EBADMSG);
	if (v.upper_len < NDISC_MSG_LEN)
		return drop(why, NDISC_DROP_SHORT, -EBADMSG);
	uint32_t sum = ip_csum_pseudo6(&v.src, &v.dst, ICMP6_PROTO, (uint32_t)v.upper_len);
	if (ip_csum_fold(ip_csum_partial(sum, icmp, v.upper_len)) != 0)
		return drop(why, NDISC_DROP_CHECKSUM, -EBADMSG);
	if (icmp[1] != 0)
		return drop(why, NDISC_DROP_CODE, -EBADMSG);

	m->type = icmp[0];
	m->src = v.src;
	m->dst = v.dst;
	memcpy(m->target.s6_addr, icmp + 8, 16);
	if (in6_is_multicast(&m->target))
		return drop(why, NDISC_DROP_MCAST_TARGET, -EBADMSG);
	if (m->type == NDISC_NA) {
		uint32_t flags = get_be32(icmp + 4);
		m->router = flags & NDISC_NA_R;
		m->solicited = flags & NDISC_NA_S;
		m->override = flags & NDISC_NA_O;
	}
	int r = ndisc_options(icmp + NDISC_MSG_LEN, v.upper_len - NDISC_MSG_LEN, m, why);
	if (r < 0)
		return r;
	if (m->type == NDISC_NS && in6_is_unspecified(&m->src)) {
		if (!ndisc_is_solicited_node(&m->dst))
			return drop(why, NDISC_DROP_DAD_DST, -EBADMSG);
		if (m->has_lladdr)
			return drop(why, NDISC_DROP_DAD_SLLA, -EBADMSG);
	}
	if (m->type == NDISC_NA && in6_is_multicast(&m->dst) && m->solicited)
		return drop(why, NDISC_DROP_MCAST_SOLICITED, -EBADMSG);
	return drop(why, NDISC_DROP_NONE, 0);
}

int ndisc_frame_parse(const uint8_t *frame, size_t len, struct eth_view *eth,
		      struct ndisc_msg *m, enum ndisc_drop *why)
{
	memset(m, 0, sizeof(*m));
	if (eth_parse(frame, len, eth) < 0)
		return drop(why, NDISC_DROP_TRUNCATED, -EBADMSG);
	if (eth->type != ETH_TYPE_IPV6)
		return drop(why, NDISC_DROP_NOT_ND, -ENOMSG);
	return ndisc_parse(eth->payload, eth->payload_len, m, why);
}

int ndisc_build(const struct ndisc_msg *m, uint8_t *out, size_t cap)
{
	if (m->type != NDISC_NS && m->type != NDISC_NA)
		return -EINVAL;
	if (in6_is_multicast(&m->target))
		return -EINVAL;
	if (m->type == NDISC_NS) {
		if (m->router || m->solicited || m->override)
			return -EINVAL;
		if (in6_is_unspecified(&m->src) &&
		    (m->has_lladdr || !ndisc_is_solicited_node(&m->dst)))
			return -EINVAL;
	} else {
		if (m->has_nonce || (m->solicited && in6_is_multicast(&m->dst)))
			return -EINVAL;
	}
	size_t icmp_len = NDISC_MSG_LEN + (m->has_lladdr ? NDISC_OPT_LLADDR_LEN : 0) +
			  (m->has_nonce ? 2 + NDISC_NONCE_LEN : 0);
	size_t len = IP6_HDR_LEN + icmp_len;
	if (cap < len)
		return -ENOBUFS;

	memset(out, 0, len);
	out[0] = 0x60;
	put_be16(out + 4, (uint16_t)icmp_len);
	out[6] = ICMP6_PROTO;
	out[7] = NDISC_HOP_LIMIT;
	memcpy(out + 8, m->src.s6_addr, 16);
	memcpy(out + 24, m->dst.s6_addr, 16);

	uint8_t *icmp = out + IP6_HDR_LEN;
	icmp[0] = m->type;
	if (m->type == NDISC_NA)
		put_be32(icmp + 4, (m->router ? NDISC_NA_R : 0) | (m->solicited ? NDISC_NA_S : 0) |
					   (m->override ? NDISC_NA_O : 0));
	memcpy(icmp + 8, m->target.s6_addr, 16);
	uint8_t *o = icmp + NDISC_MSG_LEN;
	if (m->has_lladdr) {
		o[0] = m->type == NDISC_NS ? NDISC_OPT_SLLA : NDISC_OPT_TLLA;
		o[1] = 1;
		memcpy(o + 2, m->lladdr, ETH_ADDR_LEN);
		o += NDISC_OPT_LLADDR_LEN;
	}
	if (m->has_nonce) {
		o[0] = NDISC_OPT_NONCE;
		o[1] = 1;
		memcpy(o + 2, m->nonce, NDISC_NONCE_LEN);
	}
	uint32_t sum = ip_csum_pseudo6(&m->src, &m->dst, ICMP6_PROTO, (uint32_t)icmp_len);
	put_be16(icmp + 2, ip_csum_fold(ip_csum_partial(sum, icmp, icmp_len)));
	return (int)len;
}

int ndisc_frame_build(const uint8_t *eth_dst, const uint8_t eth_src[ETH_ADDR_LEN],
		      const struct ndisc_msg *m, uint8_t *out, size_t cap)
{
	uint8_t mac[ETH_ADDR_LEN];
	if (!eth_dst) {
		if (ndisc_mcast_mac(&m->dst, mac) < 0)
			return -EINVAL;
		eth_dst = mac;
	}
	if (cap < ETH_HDR_LEN)
		return -ENOBUFS;
	int r = ndisc_build(m, out + ETH_HDR_LEN, cap - ETH_HDR_LEN);
	if (r < 0)
		return r;
	eth_hdr_put(out, cap, eth_dst, eth_src, ETH_TYPE_IPV6);
	return ETH_HDR_LEN + r;
}

int ndisc_dad_ns_build(const uint8_t eth_src[ETH_ADDR_LEN], const struct in6_addr *target,
		       const uint8_t *nonce, uint8_t *out, size_t cap)
{
	struct ndisc_msg m = { .type = NDISC_NS, .target = *target };
	ndisc_solicited_node(target, &m.dst);
	if (nonce) {
		m.has_nonce = true;
		memcpy(m.nonce, nonce, NDISC_NONCE_LEN);
	}
	return ndisc_frame_build(NULL, eth_src, &m, out, cap);
}

int ndisc_unsol_na_build(const uint8_t eth_src[ETH_ADDR_LEN], const struct in6_addr *src,
			 const struct in6_addr *target, const uint8_t lladdr[ETH_ADDR_LEN],
			 bool router, uint8_t *out, size_t cap)
{
	struct ndisc_msg m = {
		.type = NDISC_NA, .src = *src, .target = *target,
		.router = router, .override = true, .has_lladdr = true,
	};
	m.dst.s6_addr[0] = 0xff;
	m.dst.s6_addr[1] = 0x02;
	m.dst.s6_addr[15] = 0x01; /* ff02::1, all nodes */
	memcpy(m.lladdr, lladdr, ETH_ADDR_LEN);
	return ndisc_frame_build(NULL, eth_src, &m, out, cap);
}

enum ndisc_dad ndisc_dad_check(const struct ndisc_msg *m, const struct in6_addr *tentative,
			       const uint8_t *own_nonce)
{
	if (memcmp(&m->target, tentative, sizeof(*tentative)) != 0)
		return NDISC_DAD_NONE;
	/* 5.4.4 (1): any valid advertisement for it */
	if (m->type == NDISC_NA)
		return NDISC_DAD_DEFENDED;
	/* 5.4.3: from a unicast source it is address resolution: ignored */
	if (m->type != NDISC_NS || !in6_is_unspecified(&m->src))
		return NDISC_DAD_NONE;
	/* RFC 7527 4: our own probe, looped back */
	if (own_nonce && m->has_nonce && memcmp(m->nonce, own_nonce, NDISC_NONCE_LEN) == 0)
		return NDISC_DAD_NONE;
	return NDISC_DAD_PROBED;
}
