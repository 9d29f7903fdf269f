#include "os/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

/* Requests are small; answers are read in 32 KiB (the kernel sizes dump
 * datagrams up to the reader's buffer, capped at 32 KiB). */
#define NL_REQ_SIZE 1024
#define NL_RX_SIZE 32768

void nl_addr_set4(struct nl_addr *a, struct in_addr v4)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->v4 = v4;
}

void nl_addr_set6(struct nl_addr *a, const struct in6_addr *v6)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->v6 = *v6;
}

static size_t nl_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int nl_addr_equal(const struct nl_addr *a, const struct nl_addr *b)
{
	if (a->family != b->family)
		return 0;
	return memcmp(&a->v6, &b->v6, nl_addr_len(a->family)) == 0;
}

/* Copies an attribute validated to the family's address length. */
static void nl_addr_from_attr(struct nl_addr *a, int family, const struct nlattr *attr)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(&a->v6, mnl_attr_get_payload(attr), nl_addr_len(family));
}

static int nl_attr_is_addr(const struct nlattr *attr, int family)
{
	size_t alen = nl_addr_len(family);
	return alen && mnl_attr_validate2(attr, MNL_TYPE_BINARY, alen) == 0;
}

static void nl_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct nl_addr *a)
{
	mnl_attr_put(nlh, type, nl_addr_len(a->family), &a->v6);
}

/* ---- the handle ---------------------------------------------------------- */

int nl_open(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sk) {
		int r = -errno;
		log_err("netlink: socket: %s", strerror(-r));
		return r;
	}
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		log_err("netlink: bind: %s", strerror(-r));
		nl_close(nl);
		return r;
	}
	/* Best effort: errors carry only the request header, plus the
	 * kernel's explanation when it has one. */
	int one = 1;
	(void)mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

int nl_fd(const struct nl *nl)
{
	return nl->sk ? mnl_socket_get_fd(nl->sk) : -EBADF;
}

static int nl_cb_error(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* Extended ACK (linux/netlink.h): TLVs after the echoed request,
		 * which is only its header when NLM_F_CAPPED. */
		size_t off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(e->msg))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		off = MNL_ALIGN(off);
		if (off <= mnl_nlmsg_get_payload_len(nlh)) {
			const struct nlattr *attr;
			mnl_attr_for_each(attr, nlh, off) {
				if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
				    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
					log_debug("netlink: kernel says: %s (%s)",
						  mnl_attr_get_str(attr), strerror(-e->error));
			}
		}
	}
	errno = e->error < 0 ? -e->error : EPROTO;
	return MNL_CB_ERROR;
}

/* Wraps the caller's callback so that a stop or error on its side still
 * reads the rest of a dump: the next request must not find it queued. */
struct nl_req_ctx {
	nl_msg_cb cb;
	void *data;
	int stopped;
	int err;
};

static int nl_cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req_ctx *c = data;
	if (c->stopped || !c->cb)
		return MNL_CB_OK;
	errno = 0;
	int r = c->cb(nlh, c->data);
	if (r == MNL_CB_STOP) {
		c->stopped = 1;
	} else if (r < 0) {
		c->stopped = 1;
		c->err = errno ? -errno : -EIO;
	}
	return MNL_CB_OK;
}

static void nl_clear_dump_intr(uint8_t *buf, size_t len)
{
	int left = (int)len;
	for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left))
		nlh->nlmsg_flags &= (uint16_t)~NLM_F_DUMP_INTR;
}

int nl_request(struct nl *nl, struct nlmsghdr *req, nl_msg_cb cb, void *data)
{
	mnl_cb_t ctl[NLMSG_ERROR + 1] = { [NLMSG_ERROR] = nl_cb_error };
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_RX_SIZE];
	struct nl_req_ctx c = { .cb = cb, .data = data };

	if (!nl->sk)
		return -EBADF;
	/* NLM_F_DUMP shares bits with NLM_F_EXCL / NLM_F_REPLACE: only a
	 * RTM_GET* (type % 4 == 2) is a dump. */
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP &&
		    req->nlmsg_type >= RTM_BASE && (req->nlmsg_type & 3) == 2;
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_flags |= NLM_F_REQUEST;
	req->nlmsg_seq = ++nl->seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* NLM_F_DUMP_INTR: the table changed while the kernel walked
		 * it. libmnl would abandon the walk there and leave the rest of
		 * the dump queued for the next request; like iproute2 we take
		 * the whole dump (callers that must be exact also follow the
		 * event stream, which reports the change). */
		if (dump)
			nl_clear_dump_intr(buf, (size_t)n);
		errno = 0;
		int r = mnl_cb_run2(buf, (size_t)n, req->nlmsg_seq, nl->portid, nl_cb_data, &c,
				    ctl, ARRAY_SIZE(ctl));
		if (r < 0)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return c.err;
	}
}

/* buf is NL_REQ_SIZE octets; zeroed so no attribute padding leaks stack. */
static struct nlmsghdr *nl_msg_new(uint8_t *buf, uint16_t type, uint16_t flags)
{
	memset(buf, 0, NL_REQ_SIZE);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* ---- links ------------------------------------------------------------- */

struct nl_link_attrs {
	const struct nlattr *ifname;
	const struct nlattr *mtu;
};

static int nl_link_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_link_attrs *tb = data;
	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(attr) > IF_NAMESIZE)
			return MNL_CB_ERROR;
		tb->ifname = attr;
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		tb->mtu = attr;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* Walks the attributes after a fixed header of hdrlen octets; -EBADMSG when
 * the header does not fit, an attribute fails cb, or bytes are left over. */
static int nl_parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, mnl_attr_cb_t cb, void *tb)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(MNL_ALIGN(hdrlen)))
		return -EBADMSG;
	const struct nlattr *attr;
	const char *tail = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_for_each(attr, nlh, hdrlen) {
		if (cb(attr, tb) < 0)
			return -EBADMSG;
	}
	/* mnl_attr_for_each stops at the first attribute that does not fit;
	 * anything but alignment padding left means a truncated one. */
	if ((const char *)attr < tail && tail - (const char *)attr >= MNL_ALIGNTO)
		return -EBADMSG;
	return 0;
}

static int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *out)
{
	struct nl_link_attrs tb = { 0 };
	int r = nl_parse_attrs(nlh, sizeof(struct ifinfomsg), nl_link_attr_cb, &tb);
	if (r < 0)
		return r;
	struct ifinfomsg ifi;
	memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof(ifi));
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi.ifi_index;
	out->flags = ifi.ifi_flags;
	if (tb.mtu)
		out->mtu = mnl_attr_get_u32(tb.mtu);
	if (tb.ifname)
		memcpy(out->name, mnl_attr_get_payload(tb.ifname),
		       mnl_attr_get_payload_len(tb.ifname));
	return 0;
}

static int nl_link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	int r = nl_parse_link(nlh, data);
	if (r < 0) {
		errno = -r;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int nl_link_query(struct nl *nl, int ifindex, const char *name, struct nl_link *out)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name) {
		if (strlen(name) >= IF_NAMESIZE)
			return -ENODEV;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(out, 0, sizeof(*out));
	int r = nl_request(nl, nlh, nl_link_get_cb, out);
	if (r < 0)
		return r;
	return out->ifindex > 0 ? 0 : -ENODEV;
}

int nl_link_index(struct nl *nl, const char *name)
{
	struct nl_link l;
	int r = nl_link_query(nl, 0, name, &l);
	return r < 0 ? r : l.ifindex;
}

int nl_link_get(struct nl *nl, int ifindex, struct nl_link *out)
{
	if (ifindex <= 0)
		return -ENODEV;
	return nl_link_query(nl, ifindex, NULL, out);
}

int nl_link_get_mtu(struct nl *nl, int ifindex, uint32_t *mtu)
{
	struct nl_link l;
	int r = nl_link_get(nl, ifindex, &l);
	if (r < 0)
		return r;
	*mtu = l.mtu;
	return 0;
}

static int nl_link_change(struct nl *nl, int ifindex, unsigned int change,
			  unsigned int flags, const uint32_t *mtu)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	if (ifindex <= 0)
		return -ENODEV;
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = change;
	ifi->ifi_flags = flags;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, *mtu);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_link_set_up(struct nl *nl, int ifindex, bool up)
{
	return nl_link_change(nl, ifindex, IFF_UP, up ? IFF_UP : 0, NULL);
}

int nl_link_set_mtu(struct nl *nl, int ifindex, uint32_t mtu)
{
	return nl_link_change(nl, ifindex, 0, 0, &mtu);
}

/* ---- addresses ----------------------------------------------------------- */

struct nl_ifa_attrs {
	int family;
	const struct nlattr *address, *local, *flags;
};

static int nl_ifa_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_ifa_attrs *tb = data;
	switch (mnl_attr_get_type(attr)) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
		if (!nl_attr_is_addr(attr, tb->family))
			return MNL_CB_ERROR;
		if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			tb->address = attr;
		else
			tb->local = attr;
		break;
	case IFA_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		tb->flags = attr;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* 1 with *ai filled, 0 for a family other than IPv4/IPv6, -EBADMSG. */
static int nl_parse_ifa(const struct nlmsghdr *nlh, struct nl_addr_info *ai)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifaddrmsg)))
		return -EBADMSG;
	struct ifaddrmsg ifa;
	memcpy(&ifa, mnl_nlmsg_get_payload(nlh), sizeof(ifa));
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return 0;
	struct nl_ifa_attrs tb = { .family = ifa.ifa_family };
	int r = nl_parse_attrs(nlh, sizeof(ifa), nl_ifa_attr_cb, &tb);
	if (r < 0)
		return r;
	if (ifa.ifa_prefixlen > 8 * nl_addr_len(ifa.ifa_family))
		return -EBADMSG;
	/* IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer (equal when
	 * peer-less).  IPv6: IFA_ADDRESS, with IFA_LOCAL only on peer
	 * addresses (then it is the local one). */
	const struct nlattr *a = tb.local ? tb.local : tb.address;
	if (!a)
		return -EBADMSG;
	memset(ai, 0, sizeof(*ai));
	ai->ifindex = (int)ifa.ifa_index;
	nl_addr_from_attr(&ai->addr, ifa.ifa_family, a);
	ai->prefixlen = ifa.ifa_prefixlen;
	ai->scope = ifa.ifa_scope;
	ai->flags = tb.flags ? mnl_attr_get_u32(tb.flags) : ifa.ifa_flags;
	return 1;
}

static int nl_addr_change(struct nl *nl, uint16_t type, uint16_t flags, int ifindex,
			  const struct nl_addr *addr, uint8_t prefixlen, uint32_t ifa_flags)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	size_t alen = nl_addr_len(addr->family);
	if (!alen || prefixlen > 8 * alen)
		return -EINVAL;
	if (ifindex <= 0)
		return -ENODEV;
	struct nlmsghdr *nlh = nl_msg_new(buf, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_flags = (uint8_t)ifa_flags;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (addr->family == AF_INET)
		nl_put_addr(nlh, IFA_LOCAL, addr);
	nl_put_addr(nlh, IFA_ADDRESS, addr);
	if (ifa_flags > 0xff)
		mnl_attr_put_u32(nlh, IFA_FLAGS, ifa_flags);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_addr_add(struct nl *nl, int ifindex, const struct nl_addr *addr,
		uint8_t prefixlen, uint32_t ifa_flags)
{
	return nl_addr_change(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, addr,
			      prefixlen, ifa_flags);
}

int nl_addr_del(struct nl *nl, int ifindex, const struct nl_addr *addr, uint8_t prefixlen)
{
	return nl_addr_change(nl, RTM_DELADDR, 0, ifindex, addr, prefixlen, 0);
}

struct nl_addr_list_ctx {
	int ifindex;
	nl_addr_cb cb;
	void *data;
};

static int nl_addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_addr_list_ctx *c = data;
	struct nl_addr_info ai;
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	int r = nl_parse_ifa(nlh, &ai);
	if (r < 0) {
		errno = -r;
		return MNL_CB_ERROR;
	}
	if (r == 0 || (c->ifindex && ai.ifindex != c->ifindex))
		return MNL_CB_OK;
	return c->cb(&ai, c->data) ? MNL_CB_STOP : MNL_CB_OK;
}

int nl_addr_list(struct nl *nl, int ifindex, int family, nl_addr_cb cb, void *data)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	struct nl_addr_list_ctx c = { .ifindex = ifindex, .cb = cb, .data = data };
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	return nl_request(nl, nlh, nl_addr_list_cb, &c);
}

/* ---- routes -------------------------------------------------------------- */

struct nl_rt_attrs {
	int family;
	const struct nlattr *dst, *gateway, *prefsrc, *oif, *priority, *table, *mtu;
};

static int nl_rtax_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_rt_attrs *tb = data;
	if (mnl_attr_get_type(attr) == RTAX_MTU) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		tb->mtu = attr;
	}
	return MNL_CB_OK;
}

static int nl_rt_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_rt_attrs *tb = data;
	const struct nlattr **slot = NULL;
	switch (mnl_attr_get_type(attr)) {
	case RTA_DST:
		slot = &tb->dst;
		break;
	case RTA_GATEWAY:
		slot = &tb->gateway;
		break;
	case RTA_PREFSRC:
		slot = &tb->prefsrc;
		break;
	case RTA_OIF:
	case RTA_PRIORITY:
	case RTA_TABLE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		if (mnl_attr_get_type(attr) == RTA_OIF)
			tb->oif = attr;
		else if (mnl_attr_get_type(attr) == RTA_PRIORITY)
			tb->priority = attr;
		else
			tb->table = attr;
		return MNL_CB_OK;
	case RTA_METRICS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(attr, nl_rtax_attr_cb, tb) < 0)
			return MNL_CB_ERROR;
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}
	if (!nl_attr_is_addr(attr, tb->family))
		return MNL_CB_ERROR;
	*slot = attr;
	return MNL_CB_OK;
}

static int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *out)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct rtmsg)))
		return -EBADMSG;
	struct rtmsg rtm;
	memcpy(&rtm, mnl_nlmsg_get_payload(nlh), sizeof(rtm));
	if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6)
		return -EBADMSG;
	struct nl_rt_attrs tb = { .family = rtm.rtm_family };
	int r = nl_parse_attrs(nlh, sizeof(rtm), nl_rt_attr_cb, &tb);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->family = rtm.rtm_family;
	out->dst_len = rtm.rtm_dst_len;
	if (tb.dst)
		nl_addr_from_attr(&out->dst, rtm.rtm_family, tb.dst);
	if (tb.gateway)
		nl_addr_from_attr(&out->gateway, rtm.rtm_family, tb.gateway);
	if (tb.prefsrc)
		nl_addr_from_attr(&out->prefsrc, rtm.rtm_family, tb.prefsrc);
	out->oif = tb.oif ? (int)mnl_attr_get_u32(tb.oif) : 0;
	out->metric = tb.priority ? mnl_attr_get_u32(tb.priority) : 0;
	out->table = tb.table ? mnl_attr_get_u32(tb.table) : rtm.rtm_table;
	out->mtu = tb.mtu ? mnl_attr_get_u32(tb.mtu) : 0;
	out->protocol = rtm.rtm_protocol;
	out->scope = rtm.rtm_scope;
	out->type = rtm.rtm_type;
	return 0;
}

static int nl_route_change(struct nl *nl, uint16_t type, uint16_t flags, const struct nl_route *r)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	size_t alen = nl_addr_len(r->family);
	if (!alen || r->dst_len > 8 * alen)
		return -EINVAL;
	if ((r->dst.family != AF_UNSPEC && r->dst.family != r->family) ||
	    (r->dst.family == AF_UNSPEC && r->dst_len) ||
	    (r->gateway.family != AF_UNSPEC && r->gateway.family != r->family) ||
	    (r->prefsrc.family != AF_UNSPEC && r->prefsrc.family != r->family))
		return -EINVAL;
	bool del = type == RTM_DELROUTE;
	struct nlmsghdr *nlh = nl_msg_new(buf, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	rtm->rtm_family = (uint8_t)r->family;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	if (del) {
		rtm->rtm_protocol = r->protocol;
		rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any scope, as ip route del */
	} else {
		rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_STATIC;
		/* IPv4 insists on link scope for a device route; IPv6 ignores it. */
		rtm->rtm_scope = r->family == AF_INET && r->gateway.family == AF_UNSPEC
					 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	}
	if (r->dst.family != AF_UNSPEC)
		nl_put_addr(nlh, RTA_DST, &r->dst);
	if (r->gateway.family != AF_UNSPEC)
		nl_put_addr(nlh, RTA_GATEWAY, &r->gateway);
	if (r->prefsrc.family != AF_UNSPEC && !del)
		nl_put_addr(nlh, RTA_PREFSRC, &r->prefsrc);
	if (r->oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (r->mtu && !del) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, RTA_METRICS);
		mnl_attr_put_u32(nlh, RTAX_MTU, r->mtu);
		mnl_attr_nest_end(nlh, nest);
	}
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_route_add(struct nl *nl, const struct nl_route *r)
{
	return nl_route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_route_replace(struct nl *nl, const struct nl_route *r)
{
	return nl_route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
}

int nl_route_del(struct nl *nl, const struct nl_route *r)
{
	return nl_route_change(nl, RTM_DELROUTE, 0, r);
}

struct nl_route_get_ctx {
	struct nl_route *out;
	int found;
};

static int nl_route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_route_get_ctx *c = data;
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	int r = nl_parse_route(nlh, c->out);
	if (r < 0) {
		errno = -r;
		return MNL_CB_ERROR;
	}
	c->found = 1;
	return MNL_CB_STOP;
}

int nl_route_get(struct nl *nl, const struct nl_addr *dst, struct nl_route *out)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	size_t alen = nl_addr_len(dst->family);
	if (!alen)
		return -EINVAL;
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)(8 * alen);
	nl_put_addr(nlh, RTA_DST, dst);
	struct nl_route_get_ctx c = { .out = out };
	int r = nl_request(nl, nlh, nl_route_get_cb, &c);
	if (r < 0)
		return r;
	return c.found ? 0 : -ENETUNREACH;
}

/* ---- proxy neighbours ------------------------------------------------------- */

static int nl_neigh_proxy_change(struct nl *nl, uint16_t type, uint16_t flags, int ifindex,
				 const struct nl_addr *addr)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	if (!nl_addr_len(addr->family))
		return -EINVAL;
	if (ifindex <= 0)
		return -ENODEV;
	struct nlmsghdr *nlh = nl_msg_new(buf, type, flags);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)addr->family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	ndm->ndm_flags = NTF_PROXY;
	nl_put_addr(nlh, NDA_DST, addr);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_neigh_proxy_add(struct nl *nl, int ifindex, const struct nl_addr *addr)
{
	return nl_neigh_proxy_change(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr);
}

int nl_neigh_proxy_del(struct nl *nl, int ifindex, const struct nl_addr *addr)
{
	return nl_neigh_proxy_change(nl, RTM_DELNEIGH, 0, ifindex, addr);
}

struct nl_proxy_ctx {
	nl_proxy_cb cb;
	void *data;
};

struct nl_nd_attrs {
	int family;
	const struct nlattr *dst;
};

static int nl_nd_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_nd_attrs *tb = data;
	if (mnl_attr_get_type(attr) == NDA_DST) {
		if (!nl_attr_is_addr(attr, tb->family))
			return MNL_CB_ERROR;
		tb->dst = attr;
	}
	return MNL_CB_OK;
}

static int nl_neigh_proxy_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_proxy_ctx *c = data;
	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ndmsg))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	struct ndmsg ndm;
	memcpy(&ndm, mnl_nlmsg_get_payload(nlh), sizeof(ndm));
	if (!(ndm.ndm_flags & NTF_PROXY) || !nl_addr_len(ndm.ndm_family))
		return MNL_CB_OK;
	struct nl_nd_attrs tb = { .family = ndm.ndm_family };
	int r = nl_parse_attrs(nlh, sizeof(ndm), nl_nd_attr_cb, &tb);
	if (r < 0 || !tb.dst) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	struct nl_addr a;
	nl_addr_from_attr(&a, ndm.ndm_family, tb.dst);
	return c->cb(ndm.ndm_ifindex, &a, c->data) ? MNL_CB_STOP : MNL_CB_OK;
}

int nl_neigh_proxy_list(struct nl *nl, int family, nl_proxy_cb cb, void *data)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	struct nl_proxy_ctx c = { .cb = cb, .data = data };
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETNEIGH, NLM_F_DUMP);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)family;
	ndm->ndm_flags = NTF_PROXY; /* the kernel then dumps the proxy table */
	return nl_request(nl, nlh, nl_neigh_proxy_list_cb, &c);
}

/* ---- neighbours and policy rules ------------------------------------------- */

static int nl_neigh_change(struct nl *nl, uint16_t type, uint16_t flags, int ifindex,
			   const struct nl_addr *addr, const uint8_t *lladdr, size_t lladdr_len)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	if (!nl_addr_len(addr->family))
		return -EINVAL;
	if (ifindex <= 0)
		return -ENODEV;
	if (lladdr && (lladdr_len == 0 || lladdr_len > 32))
		return -EINVAL;
	struct nlmsghdr *nlh = nl_msg_new(buf, type, flags);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)addr->family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	nl_put_addr(nlh, NDA_DST, addr);
	if (lladdr)
		mnl_attr_put(nlh, NDA_LLADDR, lladdr_len, lladdr);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_neigh_set(struct nl *nl, int ifindex, const struct nl_addr *addr,
		 const uint8_t *lladdr, size_t lladdr_len)
{
	if (!lladdr)
		return -EINVAL;
	return nl_neigh_change(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr,
			       lladdr, lladdr_len);
}

int nl_neigh_del(struct nl *nl, int ifindex, const struct nl_addr *addr)
{
	return nl_neigh_change(nl, RTM_DELNEIGH, 0, ifindex, addr, NULL, 0);
}

static int nl_rule_change(struct nl *nl, uint16_t type, uint16_t flags, const struct nl_rule *r)
{
	_Alignas(NLMSG_ALIGNTO) uint8_t buf[NL_REQ_SIZE];
	size_t alen = nl_addr_len(r->family);
	if (!alen || r->src_len > alen * 8)
		return -EINVAL;
	if (r->src.family != AF_UNSPEC && r->src.family != r->family)
		return -EINVAL;
	char ifname[IF_NAMESIZE] = "";
	if (r->iif) {
		struct nl_link l;
		int e = nl_link_get(nl, r->iif, &l);
		if (e < 0)
			return e;
		memcpy(ifname, l.name, sizeof(ifname));
	}
	struct nlmsghdr *nlh = nl_msg_new(buf, type, flags);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)r->family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	if (r->src.family != AF_UNSPEC) {
		frh->src_len = r->src_len;
		nl_put_addr(nlh, FRA_SRC, &r->src);
	}
	if (ifname[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, ifname);
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->priority)
		mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	return nl_request(nl, nlh, NULL, NULL);
}

int nl_rule_add(struct nl *nl, const struct nl_rule *r)
{
	return nl_rule_change(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_rule_del(struct nl *nl, const struct nl_rule *r)
{
	return nl_rule_change(nl, RTM_DELRULE, 0, r);
}

/* ---- events -------------------------------------------------------------- */

int nl_events_open(struct nl *nl, unsigned int groups, int rcvbuf)
{
	memset(nl, 0, sizeof(*nl));
	unsigned int g = 0;
	if (groups & NL_EVENTS_LINK)
		g |= RTMGRP_LINK;
	if (groups & NL_EVENTS_IPV4_ADDR)
		g |= RTMGRP_IPV4_IFADDR;
	if (groups & NL_EVENTS_IPV6_ADDR)
		g |= RTMGRP_IPV6_IFADDR;
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->sk) {
		int r = -errno;
		log_err("netlink: event socket: %s", strerror(-r));
		return r;
	}
	int fd = mnl_socket_get_fd(nl->sk);
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0) {
		int r = -errno;
		log_err("netlink: event socket: SO_RCVBUF %d: %s", rcvbuf, strerror(-r));
		nl_close(nl);
		return r;
	}
	if (mnl_socket_bind(nl->sk, g, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		log_err("netlink: event socket: bind groups 0x%x: %s", g, strerror(-r));
		nl_close(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	return 0;
}

ssize_t nl_events_recv(struct nl *nl, void *buf, size_t len)
{
	if (!nl->sk)
		return -EBADF;
	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr msg = {
			.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1,
		};
		ssize_t n = recvmsg(mnl_socket_get_fd(nl->sk), &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0) {
			log_rl(LOG_WARNING, "netlink: event from port %u dropped: not the kernel",
			       (unsigned)sa.nl_pid);
			continue;
		}
		if (msg.msg_flags & MSG_TRUNC) {
			log_rl(LOG_WARNING, "netlink: event datagram truncated at %zu octets", len);
			return -ENOBUFS; /* events lost: same remedy as an overflow */
		}
		return n;
	}
}

const char *nl_event_type_name(enum nl_event_type t)
{
	switch (t) {
	case NL_EV_OTHER:
		return "other";
	case NL_EV_ADDR_ADD:
		return "addr-add";
	case NL_EV_ADDR_DEL:
		return "addr-del";
	case NL_EV_LINK_UP:
		return "link-up";
	case NL_EV_LINK_DOWN:
		return "link-down";
	case NL_EV_LINK_DEL:
		return "link-del";
	}
	return "?";
}

int nl_event_parse(const uint8_t *buf, size_t len, size_t *off, struct nl_event *ev)
{
	if (((uintptr_t)buf & (NLMSG_ALIGNTO - 1)) || *off > len)
		return -EINVAL;
	if (*off == len)
		return 0;
	if (*off & (NLMSG_ALIGNTO - 1))
		return -EINVAL;
	size_t rem = len - *off;
	const struct nlmsghdr *nlh = (const void *)(buf + *off);
	/* Not mnl_nlmsg_ok(): it compares (int)nlmsg_len, so a length of 2^31
	 * or more passes it. */
	if (rem < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem) {
		*off = len;
		return -EBADMSG;
	}
	*off += MIN(rem, MNL_ALIGN((size_t)nlh->nlmsg_len));

	memset(ev, 0, sizeof(*ev));
	ev->nlmsg_type = nlh->nlmsg_type;
	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		struct nl_addr_info ai;
		int r = nl_parse_ifa(nlh, &ai);
		if (r <= 0)
			return r < 0 ? r : 1; /* other families: NL_EV_OTHER */
		ev->type = nlh->nlmsg_type == RTM_NEWADDR ? NL_EV_ADDR_ADD : NL_EV_ADDR_DEL;
		ev->ifindex = ai.ifindex;
		ev->addr = ai.addr;
		ev->prefixlen = ai.prefixlen;
		ev->scope = ai.scope;
		ev->ifa_flags = ai.flags;
		return 1;
	}
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		struct nl_link l;
		int r = nl_parse_link(nlh, &l);
		if (r < 0)
			return r;
		if (nlh->nlmsg_type == RTM_DELLINK)
			ev->type = NL_EV_LINK_DEL;
		else if ((l.flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING))
			ev->type = NL_EV_LINK_UP;
		else
			ev->type = NL_EV_LINK_DOWN;
		ev->ifindex = l.ifindex;
		ev->link_flags = l.flags;
		ev->mtu = l.mtu;
		memcpy(ev->ifname, l.name, sizeof(ev->ifname));
		return 1;
	}
	default:
		return 1;
	}
}
