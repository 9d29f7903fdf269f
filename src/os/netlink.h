/* rtnetlink through libmnl (STYLE 1: one of the few files that touch the
 * kernel): links, addresses, routes, proxy neighbour entries, and an event
 * socket for address and link changes.
 *
 * Every function returns 0 (or a positive count / ifindex) on success and a
 * negative errno: for requests, the errno the kernel put in its NLMSG_ERROR
 * (e.g. -EEXIST, -ENODEV, -ENETUNREACH), or -EINTR when a dump was
 * interrupted by a concurrent change (NLM_F_DUMP_INTR; repeat it).  The
 * kernel's extended-ACK text, when there is one, is logged at LOG_DEBUG.
 *
 * One struct nl serves one thread; requests are synchronous (send, then read
 * until the ACK or NLMSG_DONE).  Events come on a second, non-blocking
 * struct nl opened with nl_events_open(); nl_event_parse() is a pure
 * cursor decoder over the received bytes (no I/O; fuzzed). */
#ifndef DS46_OS_NETLINK_H
#define DS46_OS_NETLINK_H

#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mnl_socket;

struct nl {
	struct mnl_socket *sk;
	uint32_t seq;
	uint32_t portid;
};

/* An IPv4 or IPv6 address; family AF_UNSPEC means "none". */
struct nl_addr {
	int family; /* AF_INET, AF_INET6, AF_UNSPEC */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

void nl_addr_set4(struct nl_addr *a, struct in_addr v4);
void nl_addr_set6(struct nl_addr *a, const struct in6_addr *v6);
/* 1 if both are the same family and address (AF_UNSPEC equals AF_UNSPEC). */
int nl_addr_equal(const struct nl_addr *a, const struct nl_addr *b);

/* ---- the handle ---------------------------------------------------------- */

/* A NETLINK_ROUTE socket for requests (blocking, close-on-exec). */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);
int nl_fd(const struct nl *nl);

/* Sends req (nlmsg_seq and nlmsg_pid are filled in here, and NLM_F_ACK on
 * everything but a RTM_GET* with NLM_F_DUMP) and reads the answer up to the ACK or NLMSG_DONE,
 * calling cb (may be NULL) for every other message.  cb returns
 * MNL_CB_OK (1) to go on, MNL_CB_STOP (0) to stop, or MNL_CB_ERROR (-1) with
 * errno set.  Returns 0 or the negative errno. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);
int nl_request(struct nl *nl, struct nlmsghdr *req, nl_msg_cb cb, void *data);

/* ---- links ------------------------------------------------------------- */

struct nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned int flags; /* IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ... */
	uint32_t mtu;
};

/* The ifindex of a link by name (> 0), or -ENODEV. */
int nl_link_index(struct nl *nl, const char *name);
int nl_link_get(struct nl *nl, int ifindex, struct nl_link *out);
int nl_link_set_up(struct nl *nl, int ifindex, bool up);
int nl_link_set_mtu(struct nl *nl, int ifindex, uint32_t mtu);
int nl_link_get_mtu(struct nl *nl, int ifindex, uint32_t *mtu);

/* ---- addresses ----------------------------------------------------------- */

struct nl_addr_info {
	int ifindex;
	struct nl_addr addr;  /* IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6 */
	uint8_t prefixlen;
	uint8_t scope;        /* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, ... */
	uint32_t flags;       /* IFA_F_* (IFA_FLAGS when present) */
};

/* Adds addr/prefixlen on ifindex.  ifa_flags takes IFA_F_NODAD,
 * IFA_F_NOPREFIXROUTE, ... (sent as IFA_FLAGS).  IPv4 addresses are
 * peer-less (IFA_LOCAL == IFA_ADDRESS); a DTI typically carries a /32.
 * -EEXIST if it is already there.  IPv6, even with IFA_F_NODAD: the kernel
 * uses the address as a source at once but accepts packets to it only once
 * its local route exists, which the addrconf work queue inserts just after
 * the RTM_NEWADDR event; nl_route_get(addr) giving RTN_LOCAL is the sign. */
int nl_addr_add(struct nl *nl, int ifindex, const struct nl_addr *addr,
		uint8_t prefixlen, uint32_t ifa_flags);
/* -EADDRNOTAVAIL if it is not there. */
int nl_addr_del(struct nl *nl, int ifindex, const struct nl_addr *addr, uint8_t prefixlen);
/* Calls cb for every address of family (AF_UNSPEC: both) on ifindex (0: all
 * interfaces).  cb returns 0 to go on, non-zero to stop the walk. */
typedef int (*nl_addr_cb)(const struct nl_addr_info *ai, void *data);
int nl_addr_list(struct nl *nl, int ifindex, int family, nl_addr_cb cb, void *data);

/* ---- routes -------------------------------------------------------------- */

struct nl_route {
	int family;            /* AF_INET or AF_INET6 */
	struct nl_addr dst;    /* AF_UNSPEC with dst_len 0: default route */
	uint8_t dst_len;
	struct nl_addr gateway; /* AF_UNSPEC: none (on-link) */
	struct nl_addr prefsrc; /* AF_UNSPEC: none */
	int oif;               /* 0: none */
	uint32_t metric;       /* RTA_PRIORITY */
	uint32_t table;        /* 0: RT_TABLE_MAIN */
	uint32_t mtu;          /* RTAX_MTU; 0: none */
	uint8_t protocol;      /* 0: RTPROT_STATIC on add; as reported on get */
	uint8_t scope;         /* reported on get; computed on add */
	uint8_t type;          /* 0: RTN_UNICAST on add; as reported on get */
};

/* NLM_F_CREATE|NLM_F_EXCL: -EEXIST if an identical route exists. */
int nl_route_add(struct nl *nl, const struct nl_route *r);
/* NLM_F_CREATE|NLM_F_REPLACE. */
int nl_route_replace(struct nl *nl, const struct nl_route *r);
/* Matches on family, dst/dst_len, table and, when given, metric, oif and
 * gateway.  -ESRCH when nothing matches (both families). */
int nl_route_del(struct nl *nl, const struct nl_route *r);
/* RTM_GETROUTE for dst: out gets the oif the packet leaves by, the source
 * address the kernel would choose (prefsrc), the gateway, the table, and the
 * MTU: the route's RTAX_MTU, or a learnt path MTU (Packet Too Big) when the
 * kernel has one cached; 0 when neither.  -ENETUNREACH when no route. */
int nl_route_get(struct nl *nl, const struct nl_addr *dst, struct nl_route *out);

/* ---- proxy neighbours (NTF_PROXY) ------------------------------------------- */

/* Proxy NDP (IPv6) / proxy ARP (IPv4) entry for addr on ifindex.  The entry
 * only answers once net.ipv6.conf.<if>.proxy_ndp / net.ipv4.conf.<if>.proxy_arp
 * is set; that is the caller's (sysctl) business.  Adding an existing entry
 * succeeds; deleting a missing one gives -ENOENT. */
int nl_neigh_proxy_add(struct nl *nl, int ifindex, const struct nl_addr *addr);
int nl_neigh_proxy_del(struct nl *nl, int ifindex, const struct nl_addr *addr);
/* Calls cb(ifindex, addr, data) for every proxy entry of family. */
typedef int (*nl_proxy_cb)(int ifindex, const struct nl_addr *addr, void *data);
int nl_neigh_proxy_list(struct nl *nl, int family, nl_proxy_cb cb, void *data);

/* ---- neighbours and policy rules ------------------------------------------- */

/* A PERMANENT neighbour entry addr -> lladdr on ifindex (create or replace):
 * a foreign agent's visitor (RFC 5944 3.7.2.3: never ARPed for), a mobile
 * node's foreign agent (4.2.2). */
int nl_neigh_set(struct nl *nl, int ifindex, const struct nl_addr *addr,
		 const uint8_t *lladdr, size_t lladdr_len);
/* -ENOENT when there is no such entry. */
int nl_neigh_del(struct nl *nl, int ifindex, const struct nl_addr *addr);

struct nl_rule {
	int family;                  /* AF_INET, AF_INET6 */
	struct nl_addr src;          /* AF_UNSPEC: any */
	uint8_t src_len;
	int iif;                     /* 0: any (sent as FRA_IIFNAME) */
	uint32_t table;
	uint32_t priority;           /* 0: kernel picks */
};
/* `from src/src_len iif <iif> lookup table [pref priority]`: -EEXIST when
 * an identical rule exists (NLM_F_EXCL), -ENODEV for an unknown iif. */
int nl_rule_add(struct nl *nl, const struct nl_rule *r);
/* Deletes the first rule matching all given fields; -ENOENT when none. */
int nl_rule_del(struct nl *nl, const struct nl_rule *r);

/* ---- events -------------------------------------------------------------- */

#define NL_EVENTS_LINK      0x1u /* RTMGRP_LINK */
#define NL_EVENTS_IPV4_ADDR 0x2u /* RTMGRP_IPV4_IFADDR */
#define NL_EVENTS_IPV6_ADDR 0x4u /* RTMGRP_IPV6_IFADDR */

/* A non-blocking, close-on-exec socket subscribed to the groups (NL_EVENTS_*).
 * rcvbuf > 0 sets SO_RCVBUF (SO_RCVBUFFORCE when permitted). */
int nl_events_open(struct nl *nl, unsigned int groups, int rcvbuf);
/* One datagram into buf (align it to 4, at least 8 KiB): its length,
 * -EAGAIN when none is waiting, or -ENOBUFS when events were lost, because
 * the socket overflowed or a datagram was longer than len (the caller must
 * re-read the state by a dump).  Datagrams not sent by the kernel are
 * skipped. */
ssize_t nl_events_recv(struct nl *nl, void *buf, size_t len);

enum nl_event_type {
	NL_EV_OTHER = 0,  /* a valid message this parser does not report */
	NL_EV_ADDR_ADD,
	NL_EV_ADDR_DEL,
	NL_EV_LINK_UP,    /* RTM_NEWLINK with IFF_UP and IFF_RUNNING */
	NL_EV_LINK_DOWN,  /* RTM_NEWLINK without one of them */
	NL_EV_LINK_DEL,   /* RTM_DELLINK */
};
const char *nl_event_type_name(enum nl_event_type t);

struct nl_event {
	enum nl_event_type type;
	uint16_t nlmsg_type;    /* RTM_* as received */
	int ifindex;
	/* NL_EV_ADDR_*: */
	struct nl_addr addr;
	uint8_t prefixlen;
	uint8_t scope;
	uint32_t ifa_flags;     /* IFA_F_TENTATIVE etc.: a care-of address is
				   usable once it is no longer tentative */
	/* NL_EV_LINK_*: */
	unsigned int link_flags;
	uint32_t mtu;           /* 0 if absent */
	char ifname[IF_NAMESIZE]; /* "" if absent */
};

/* Parses the message at buf + *off (len bytes in all; buf aligned to 4).
 * Returns 1 with *ev filled and *off advanced past the message, 0 when
 * *off == len (no more), or -EBADMSG for a malformed message: *off then
 * skips it if its length field was sane, and goes to len otherwise.
 * -EINVAL for a misaligned buf or *off > len. */
int nl_event_parse(const uint8_t *buf, size_t len, size_t *off, struct nl_event *ev);

#endif
