/* Unit tests for src/os/netlink.
 *
 * The event parser is tested from annotated bytes (no privileges needed).
 * Everything else runs as root in a private network namespace unshared by
 * main(), around one TUN device:
 *
 *   [ test process ] --rtnetlink--> [ kernel, private netns ]
 *                                     dtitest0 (TUN, up)
 *                                       192.0.2.1/32, 2001:db8:1::1/64
 *                                       198.51.100.0/24 dev dtitest0 mtu 1300
 *                                       2001:db8:ffff::/48 dev dtitest0 mtu 1280
 *                                       2001:db8:eeee::/48 via 2001:db8:1::fe
 *
 * Those tests skip (saying why) when not root or when unshare fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/netlink.h"
#include "os/tun.h"


static struct nl_addr A4(const char *s)
{
	struct nl_addr a;
	struct in_addr v4;
	assert_int_equal(inet_pton(AF_INET, s, &v4), 1);
	nl_addr_set4(&a, v4);
	return a;
}

static struct nl_addr A6(const char *s)
{
	struct nl_addr a;
	struct in6_addr v6;
	assert_int_equal(inet_pton(AF_INET6, s, &v6), 1);
	nl_addr_set6(&a, &v6);
	return a;
}

/* ---- the event parser, from bytes ------------------------------------------ */

/* Little-endian host order, as the kernel sends; nlmsghdr, then the family
 * header, then attributes (len, type, value, padded to 4). */
static const uint8_t ev_newaddr6[] = {
	/* nlmsghdr */ 0x3c, 0x00, 0x00, 0x00, /* nlmsg_len 60 */
	0x14, 0x00, 0x00, 0x00,                 /* RTM_NEWADDR, flags 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq, pid */
	/* ifaddrmsg */ 0x0a, 0x40, 0x80, 0x00, /* AF_INET6, /64, PERMANENT, universe */
	0x07, 0x00, 0x00, 0x00,                 /* ifindex 7 */
	/* IFA_ADDRESS */ 0x14, 0x00, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* 2001:db8::1 */
	/* IFA_FLAGS */ 0x08, 0x00, 0x08, 0x00, 0x82, 0x00, 0x00, 0x00, /* NODAD|PERMANENT */
	/* IFA_LABEL (ignored) */ 0x08, 0x00, 0x03, 0x00, 'l', 'o', '0', 0x00,
};

static const uint8_t ev_deladdr4_newlink[] = {
	/* nlmsghdr */ 0x28, 0x00, 0x00, 0x00, /* 40 */
	0x15, 0x00, 0x00, 0x00,                 /* RTM_DELADDR */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* ifaddrmsg */ 0x02, 0x20, 0x80, 0x00, /* AF_INET, /32 */
	0x05, 0x00, 0x00, 0x00,                 /* ifindex 5 */
	/* IFA_ADDRESS */ 0x08, 0x00, 0x01, 0x00, 192, 0, 2, 9,   /* the peer */
	/* IFA_LOCAL */   0x08, 0x00, 0x02, 0x00, 192, 0, 2, 1,   /* the address */
	/* nlmsghdr */ 0x34, 0x00, 0x00, 0x00, /* 52 */
	0x10, 0x00, 0x00, 0x00,                 /* RTM_NEWLINK */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* ifinfomsg */ 0x00, 0x00, 0xfe, 0xff, /* AF_UNSPEC, ARPHRD_NONE */
	0x05, 0x00, 0x00, 0x00,                 /* ifindex 5 */
	0xc1, 0x00, 0x01, 0x00,                 /* UP|RUNNING|NOARP|LOWER_UP */
	0x00, 0x00, 0x00, 0x00,                 /* change */
	/* IFLA_IFNAME */ 0x09, 0x00, 0x03, 0x00, 'd', 't', 'i', '0', 0x00, 0, 0, 0,
	/* IFLA_MTU */    0x08, 0x00, 0x04, 0x00, 0x00, 0x05, 0x00, 0x00, /* 1280 */
};

/* The parser requires 4-octet alignment, as a recv buffer has. */
static size_t copy_aligned(uint32_t *dst, size_t dstwords, const uint8_t *src, size_t len)
{
	assert_true(len <= dstwords * 4);
	memcpy(dst, src, len);
	return len;
}

static void test_event_parse_addr6(void **state)
{
	(void)state;
	uint32_t w[64];
	size_t len = copy_aligned(w, 64, ev_newaddr6, sizeof(ev_newaddr6));
	const uint8_t *b = (const uint8_t *)w;
	size_t off = 0;
	struct nl_event ev;
	assert_int_equal(nl_event_parse(b, len, &off, &ev), 1);
	assert_int_equal(off, len);
	assert_int_equal(ev.type, NL_EV_ADDR_ADD);
	assert_string_equal(nl_event_type_name(ev.type), "addr-add");
	assert_int_equal(ev.nlmsg_type, RTM_NEWADDR);
	assert_int_equal(ev.ifindex, 7);
	struct nl_addr want = A6("2001:db8::1");
	assert_true(nl_addr_equal(&ev.addr, &want));
	assert_int_equal(ev.prefixlen, 64);
	assert_int_equal(ev.ifa_flags, IFA_F_NODAD | IFA_F_PERMANENT);
	assert_int_equal(nl_event_parse(b, len, &off, &ev), 0);
	/* Misaligned buffer or offset, offset past the end. */
	assert_int_equal(nl_event_parse(b + 1, len - 1, &(size_t){ 0 }, &ev), -EINVAL);
	assert_int_equal(nl_event_parse(b, len, &(size_t){ 2 }, &ev), -EINVAL);
	assert_int_equal(nl_event_parse(b, len, &(size_t){ len + 4 }, &ev), -EINVAL);
}

static void test_event_parse_two(void **state)
{
	(void)state;
	uint32_t w[64];
	size_t len = copy_aligned(w, 64, ev_deladdr4_newlink, sizeof(ev_deladdr4_newlink));
	const uint8_t *b = (const uint8_t *)w;
	size_t off = 0;
	struct nl_event ev;
	assert_int_equal(nl_event_parse(b, len, &off, &ev), 1);
	assert_int_equal(off, 40);
	assert_int_equal(ev.type, NL_EV_ADDR_DEL);
	struct nl_addr want = A4("192.0.2.1"); /* IFA_LOCAL wins over the peer */
	assert_true(nl_addr_equal(&ev.addr, &want));
	assert_int_equal(ev.prefixlen, 32);
	assert_int_equal(ev.ifindex, 5);
	assert_int_equal(ev.ifa_flags, IFA_F_PERMANENT); /* no IFA_FLAGS: the u8 */
	assert_int_equal(nl_event_parse(b, len, &off, &ev), 1);
	assert_int_equal(off, len);
	assert_int_equal(ev.type, NL_EV_LINK_UP);
	assert_int_equal(ev.ifindex, 5);
	assert_string_equal(ev.ifname, "dti0");
	assert_int_equal(ev.mtu, 1280);
	assert_int_equal(ev.link_flags, IFF_UP | IFF_RUNNING | IFF_NOARP | 0x10000 /* IFF_LOWER_UP */);
	assert_int_equal(nl_event_parse(b, len, &off, &ev), 0);
}

/* Copies msg, applies one corruption, and returns what parsing the first
 * message gives; *off_out gets the cursor afterwards. */
static int parse_mutated(const uint8_t *msg, size_t len, size_t at, uint8_t val, size_t *off_out)
{
	uint32_t w[64];
	uint8_t *b = (uint8_t *)w;
	copy_aligned(w, 64, msg, len);
	if (at < len)
		b[at] = val;
	struct nl_event ev;
	*off_out = 0;
	return nl_event_parse(b, len, off_out, &ev);
}

static void test_event_parse_malformed(void **state)
{
	(void)state;
	const uint8_t *m = ev_newaddr6;
	size_t n = sizeof(ev_newaddr6), off;
	/* nlmsg_len beyond the datagram: cursor to the end. */
	assert_int_equal(parse_mutated(m, n, 0, 0x44, &off), -EBADMSG);
	assert_int_equal(off, n);
	/* nlmsg_len 0xffffffff: (int) negative, which mnl_nlmsg_ok() lets by
	 * (found by fuzz_os_netlink; the cursor used to stay put). */
	{
		uint32_t w[64];
		copy_aligned(w, 64, m, n);
		w[0] = 0xffffffff;
		struct nl_event ev;
		off = 0;
		assert_int_equal(nl_event_parse((const uint8_t *)w, n, &off, &ev), -EBADMSG);
		assert_int_equal(off, n);
	}
	/* nlmsg_len shorter than a header. */
	assert_int_equal(parse_mutated(m, n, 0, 0x0c, &off), -EBADMSG);
	assert_int_equal(off, n);
	/* Shorter than nlmsghdr + ifaddrmsg: the message is skipped. */
	assert_int_equal(parse_mutated(m, n, 0, 0x14, &off), -EBADMSG);
	assert_int_equal(off, 20);
	/* IFA_ADDRESS of 15 octets for AF_INET6. */
	assert_int_equal(parse_mutated(m, n, 24, 0x13, &off), -EBADMSG);
	assert_int_equal(off, n);
	/* IFA_ADDRESS nla_len running past the message. */
	assert_int_equal(parse_mutated(m, n, 24, 0x34, &off), -EBADMSG);
	/* IFA_FLAGS of 5 octets. */
	assert_int_equal(parse_mutated(m, n, 44, 0x09, &off), -EBADMSG);
	/* Prefix length 129. */
	assert_int_equal(parse_mutated(m, n, 17, 129, &off), -EBADMSG);
	/* nla_len 2 (< the attribute header). */
	assert_int_equal(parse_mutated(m, n, 24, 0x02, &off), -EBADMSG);
	/* No address at all: IFA_ADDRESS retyped as IFA_UNSPEC(0)... */
	assert_int_equal(parse_mutated(m, n, 26, 0x00, &off), -EBADMSG);
	/* A family this parser does not report is NL_EV_OTHER, not an error. */
	assert_int_equal(parse_mutated(m, n, 16, AF_PACKET, &off), 1);
	/* An address message type it ignores (RTM_NEWROUTE = 24). */
	assert_int_equal(parse_mutated(m, n, 4, RTM_NEWROUTE, &off), 1);

	/* IFLA_IFNAME without its NUL; and with nla_len past the message. */
	const uint8_t *l = ev_deladdr4_newlink;
	size_t ln = sizeof(ev_deladdr4_newlink);
	uint32_t w[64];
	uint8_t *b = (uint8_t *)w;
	struct nl_event ev;
	copy_aligned(w, 64, l, ln);
	b[40 + 32 + 8] = 'X'; /* the NUL after "dti0" */
	off = 40;
	assert_int_equal(nl_event_parse(b, ln, &off, &ev), -EBADMSG);
	assert_int_equal(off, ln);
	copy_aligned(w, 64, l, ln);
	b[40 + 32] = 0x15; /* nla_len 21 */
	off = 40;
	assert_int_equal(nl_event_parse(b, ln, &off, &ev), -EBADMSG);
}

/* ---- against the kernel ------------------------------------------------------ */

struct fixture {
	struct nl nl;
	struct tun tun;
};

static int fixture_setup(void **state)
{
	static struct fixture f;
	*state = &f;
	if (!netns_ok)
		return 0;
	memset(&f, 0, sizeof(f));
	struct tun_config c = { .name = "dtitest0", .nonblock = true, .cloexec = true };
	if (nl_open(&f.nl) < 0 || tun_open(&f.tun, &c) < 0)
		return -1;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	if (!netns_ok)
		return 0;
	tun_close(&f->tun);
	nl_close(&f->nl);
	return 0;
}

static void test_link(void **state)
{
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	assert_int_equal(nl_link_index(nl, "dtitest0"), ifi);
	assert_int_equal(nl_link_index(nl, "nosuchdev"), -ENODEV);
	assert_int_equal(nl_link_index(nl, "lo"), 1);

	assert_int_equal(nl_link_set_mtu(nl, ifi, 1280), 0);
	uint32_t mtu = 0;
	assert_int_equal(nl_link_get_mtu(nl, ifi, &mtu), 0);
	assert_int_equal(mtu, 1280);
	assert_int_equal(nl_link_set_mtu(nl, ifi, 67), -EINVAL); /* below IPv4's 68 */
	assert_int_equal(nl_link_set_mtu(nl, 9999, 1280), -ENODEV);

	struct nl_link l;
	assert_int_equal(nl_link_set_up(nl, ifi, true), 0);
	assert_int_equal(nl_link_get(nl, ifi, &l), 0);
	assert_int_equal(l.ifindex, ifi);
	assert_string_equal(l.name, "dtitest0");
	assert_int_equal(l.mtu, 1280);
	assert_true(l.flags & IFF_UP);
	assert_true(l.flags & IFF_RUNNING); /* the fd is attached: carrier */
	assert_int_equal(nl_link_set_up(nl, ifi, false), 0);
	assert_int_equal(nl_link_get(nl, ifi, &l), 0);
	assert_false(l.flags & IFF_UP);
	assert_int_equal(nl_link_get(nl, 9999, &l), -ENODEV);
}

struct addr_seen {
	int ifindex;
	int n, n4, n6;
	struct nl_addr_info want[2];
	bool found[2];
};

static int addr_cb(const struct nl_addr_info *ai, void *data)
{
	struct addr_seen *s = data;
	s->n++;
	if (ai->addr.family == AF_INET)
		s->n4++;
	else
		s->n6++;
	assert_int_equal(ai->ifindex, s->ifindex);
	for (int i = 0; i < 2; i++)
		if (nl_addr_equal(&ai->addr, &s->want[i].addr) &&
		    ai->prefixlen == s->want[i].prefixlen) {
			s->found[i] = true;
			assert_true((ai->flags & s->want[i].flags) == s->want[i].flags);
		}
	return 0;
}

static void test_addresses(void **state)
{
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	struct nl_addr a4 = A4("192.0.2.1"), a6 = A6("2001:db8:1::1");
	assert_int_equal(nl_link_set_up(nl, ifi, true), 0);
	assert_int_equal(nl_addr_add(nl, ifi, &a4, 32, 0), 0);
	assert_int_equal(nl_addr_add(nl, ifi, &a6, 64, IFA_F_NODAD), 0);
	assert_int_equal(nl_addr_add(nl, ifi, &a4, 32, 0), -EEXIST);
	assert_int_equal(nl_addr_add(nl, ifi, &a6, 64, IFA_F_NODAD), -EEXIST);
	assert_int_equal(nl_addr_add(nl, ifi, &a4, 33, 0), -EINVAL);
	assert_int_equal(nl_addr_add(nl, 9999, &a4, 32, 0), -ENODEV);

	struct addr_seen s = { .ifindex = ifi };
	s.want[0] = (struct nl_addr_info){ .addr = a4, .prefixlen = 32, .flags = IFA_F_PERMANENT };
	s.want[1] = (struct nl_addr_info){ .addr = a6, .prefixlen = 64,
					   .flags = IFA_F_PERMANENT | IFA_F_NODAD };
	assert_int_equal(nl_addr_list(nl, ifi, AF_UNSPEC, addr_cb, &s), 0);
	assert_true(s.found[0] && s.found[1]);
	assert_int_equal(s.n4, 1);
	assert_true(s.n6 >= 1); /* plus the kernel's link-local, if it made one */

	memset(s.found, 0, sizeof(s.found));
	s.n = s.n4 = s.n6 = 0;
	assert_int_equal(nl_addr_list(nl, ifi, AF_INET, addr_cb, &s), 0);
	assert_true(s.found[0] && !s.found[1]);
	assert_int_equal(s.n, 1);

	assert_int_equal(nl_addr_del(nl, ifi, &a4, 32), 0);
	assert_int_equal(nl_addr_del(nl, ifi, &a4, 32), -EADDRNOTAVAIL);
	memset(s.found, 0, sizeof(s.found));
	s.n = s.n4 = s.n6 = 0;
	assert_int_equal(nl_addr_list(nl, ifi, AF_UNSPEC, addr_cb, &s), 0);
	assert_true(!s.found[0] && s.found[1]);
	assert_int_equal(s.n4, 0);
	assert_int_equal(nl_addr_del(nl, ifi, &a6, 64), 0);
}

static int stop_first(const struct nl_addr_info *ai, void *data)
{
	(void)ai;
	++*(int *)data;
	return 1;
}

/* Enough addresses for the dump to take several 32 KiB datagrams. */
#define NADDR 600

static void test_dump_stopped_early(void **state)
{
	/* A walk the callback stops must leave nothing queued for the next
	 * request on the same socket. */
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	char buf[32];
	assert_int_equal(nl_link_set_up(nl, 1, true), 0);
	for (int i = 1; i <= NADDR; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:7::%x", (unsigned)i);
		struct nl_addr a = A6(buf);
		assert_int_equal(nl_addr_add(nl, ifi, &a, 128, IFA_F_NODAD), 0);
	}
	int calls = 0;
	assert_int_equal(nl_addr_list(nl, 0, AF_INET6, stop_first, &calls), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(nl_link_index(nl, "dtitest0"), ifi);
	for (int i = 1; i <= NADDR; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:7::%x", (unsigned)i);
		struct nl_addr a = A6(buf);
		assert_int_equal(nl_addr_del(nl, ifi, &a, 128), 0);
	}
}

static int count_cb(const struct nl_addr_info *ai, void *data)
{
	(void)ai;
	++*(int *)data;
	return 0;
}

struct toggler {
	int ifindex;
	atomic_bool stop;
	atomic_int rounds;
	int err;
};

/* Adds and removes one address on its own socket until told to stop (at most
 * 20000 rounds), so that dumps on the test's socket get NLM_F_DUMP_INTR. */
static void *toggle_addr(void *arg)
{
	struct toggler *t = arg;
	struct nl nl;
	if (nl_open(&nl) < 0) {
		t->err = -1;
		return NULL;
	}
	struct nl_addr a;
	struct in6_addr v6;
	inet_pton(AF_INET6, "2001:db8:8::1", &v6);
	nl_addr_set6(&a, &v6);
	while (!atomic_load(&t->stop) && atomic_load(&t->rounds) < 20000) {
		if (nl_addr_add(&nl, t->ifindex, &a, 128, IFA_F_NODAD) < 0 ||
		    nl_addr_del(&nl, t->ifindex, &a, 128) < 0) {
			t->err = -1;
			break;
		}
		atomic_fetch_add(&t->rounds, 1);
	}
	nl_close(&nl);
	return NULL;
}

static void test_dump_while_changing(void **state)
{
	/* A dump the kernel marks interrupted (the table changed under it) is
	 * delivered whole and leaves the socket clean for the next request. */
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	char buf[32];
	assert_int_equal(nl_link_set_up(nl, 1, true), 0);
	for (int i = 1; i <= NADDR; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:7::%x", (unsigned)i);
		struct nl_addr a = A6(buf);
		assert_int_equal(nl_addr_add(nl, ifi, &a, 128, IFA_F_NODAD), 0);
	}
	struct toggler t = { .ifindex = ifi };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, toggle_addr, &t), 0);
	/* at least 40 dumps, and on until the toggler has changed the table
	 * at least once (on a loaded machine the thread may start late) */
	for (int i = 0; i < 40 || (atomic_load(&t.rounds) == 0 && t.err == 0 && i < 1000000);
	     i++) {
		int n = 0;
		assert_int_equal(nl_addr_list(nl, ifi, AF_INET6, count_cb, &n), 0);
		assert_true(n >= NADDR);
		assert_int_equal(nl_link_index(nl, "dtitest0"), ifi);
	}
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);
	assert_int_equal(t.err, 0);
	assert_true(atomic_load(&t.rounds) > 0);
}

static void route_setup(struct nl *nl, int ifi)
{
	struct nl_addr a4 = A4("192.0.2.1"), a6 = A6("2001:db8:1::1");
	assert_int_equal(nl_link_set_up(nl, ifi, true), 0);
	int r = nl_addr_add(nl, ifi, &a4, 32, 0);
	assert_true(r == 0 || r == -EEXIST);
	r = nl_addr_add(nl, ifi, &a6, 64, IFA_F_NODAD);
	assert_true(r == 0 || r == -EEXIST);
}

static void test_route4(void **state)
{
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	route_setup(nl, ifi);

	struct nl_route r = {
		.family = AF_INET, .dst = A4("198.51.100.0"), .dst_len = 24,
		.oif = ifi, .metric = 50, .mtu = 1300,
	};
	assert_int_equal(nl_route_add(nl, &r), 0);
	assert_int_equal(nl_route_add(nl, &r), -EEXIST);

	struct nl_route got;
	struct nl_addr dst = A4("198.51.100.7"), src = A4("192.0.2.1");
	assert_int_equal(nl_route_get(nl, &dst, &got), 0);
	assert_int_equal(got.family, AF_INET);
	assert_int_equal(got.oif, ifi);
	assert_true(nl_addr_equal(&got.prefsrc, &src));
	assert_int_equal(got.gateway.family, AF_UNSPEC);
	assert_int_equal(got.mtu, 1300);
	assert_int_equal(got.table, RT_TABLE_MAIN);
	assert_int_equal(got.dst_len, 32); /* the answer is about the host */
	assert_true(nl_addr_equal(&got.dst, &dst));

	r.mtu = 1350;
	assert_int_equal(nl_route_replace(nl, &r), 0);
	assert_int_equal(nl_route_get(nl, &dst, &got), 0);
	assert_int_equal(got.mtu, 1350);

	assert_int_equal(nl_route_del(nl, &r), 0);
	assert_int_equal(nl_route_del(nl, &r), -ESRCH);
	assert_int_equal(nl_route_get(nl, &dst, &got), -ENETUNREACH);

	/* Another table: not consulted by the main lookup; deleted by table. */
	struct nl_route t = {
		.family = AF_INET, .dst = A4("203.0.113.0"), .dst_len = 24,
		.oif = ifi, .table = 100,
	};
	assert_int_equal(nl_route_add(nl, &t), 0);
	dst = A4("203.0.113.1");
	assert_int_equal(nl_route_get(nl, &dst, &got), -ENETUNREACH);
	t.table = 1000; /* > 255: RTA_TABLE only */
	assert_int_equal(nl_route_add(nl, &t), 0);
	assert_int_equal(nl_route_del(nl, &t), 0);
	t.table = 100;
	assert_int_equal(nl_route_del(nl, &t), 0);
	assert_int_equal(nl_route_del(nl, &t), -ESRCH);

	/* Argument checks before the kernel sees anything. */
	struct nl_route bad = { .family = AF_INET, .dst = A6("2001:db8::"), .dst_len = 32 };
	assert_int_equal(nl_route_add(nl, &bad), -EINVAL);
	bad = (struct nl_route){ .family = AF_INET, .dst = A4("10.0.0.0"), .dst_len = 33 };
	assert_int_equal(nl_route_add(nl, &bad), -EINVAL);
}

static void test_route6(void **state)
{
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	route_setup(nl, ifi);

	struct nl_route r = {
		.family = AF_INET6, .dst = A6("2001:db8:ffff::"), .dst_len = 48,
		.oif = ifi, .mtu = 1280, .metric = 10,
	};
	assert_int_equal(nl_route_add(nl, &r), 0);
	assert_int_equal(nl_route_add(nl, &r), -EEXIST);
	struct nl_route got;
	struct nl_addr dst = A6("2001:db8:ffff::1"), src = A6("2001:db8:1::1");
	assert_int_equal(nl_route_get(nl, &dst, &got), 0);
	assert_int_equal(got.family, AF_INET6);
	assert_int_equal(got.oif, ifi);
	/* DSTM seed 5.2: the IPv6 source of the interface the packet leaves by. */
	assert_true(nl_addr_equal(&got.prefsrc, &src));
	assert_int_equal(got.mtu, 1280);
	assert_int_equal(got.metric, 10);
	assert_int_equal(got.gateway.family, AF_UNSPEC);

	struct nl_route g = {
		.family = AF_INET6, .dst = A6("2001:db8:eeee::"), .dst_len = 48,
		.gateway = A6("2001:db8:1::fe"),
	};
	assert_int_equal(nl_route_add(nl, &g), 0);
	dst = A6("2001:db8:eeee::5");
	assert_int_equal(nl_route_get(nl, &dst, &got), 0);
	assert_int_equal(got.oif, ifi);
	assert_true(nl_addr_equal(&got.gateway, &g.gateway));
	assert_int_equal(got.mtu, 0);
	assert_int_equal(nl_route_del(nl, &g), 0);
	assert_int_equal(nl_route_del(nl, &r), 0);
	assert_int_equal(nl_route_del(nl, &r), -ESRCH); /* IPv6 says ESRCH too */
	assert_int_equal(nl_route_get(nl, &dst, &got), -ENETUNREACH);
}

struct proxy_seen {
	int ifindex;
	int n;
	bool v4, v6;
};

static int proxy_cb(int ifindex, const struct nl_addr *a, void *data)
{
	struct proxy_seen *s = data;
	struct nl_addr p4 = A4("192.0.2.99"), p6 = A6("2001:db8:1::99");
	s->n++;
	assert_int_equal(ifindex, s->ifindex);
	s->v4 |= nl_addr_equal(a, &p4);
	s->v6 |= nl_addr_equal(a, &p6);
	return 0;
}

static void test_proxy_neigh(void **state)
{
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	struct nl_addr p4 = A4("192.0.2.99"), p6 = A6("2001:db8:1::99");
	assert_int_equal(nl_neigh_proxy_add(nl, ifi, &p6), 0);
	assert_int_equal(nl_neigh_proxy_add(nl, ifi, &p4), 0);
	assert_int_equal(nl_neigh_proxy_add(nl, ifi, &p4), 0); /* idempotent */

	struct proxy_seen s = { .ifindex = ifi };
	assert_int_equal(nl_neigh_proxy_list(nl, AF_UNSPEC, proxy_cb, &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.v4 && s.v6);
	s = (struct proxy_seen){ .ifindex = ifi };
	assert_int_equal(nl_neigh_proxy_list(nl, AF_INET6, proxy_cb, &s), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.v6 && !s.v4);

	assert_int_equal(nl_neigh_proxy_del(nl, ifi, &p6), 0);
	assert_int_equal(nl_neigh_proxy_del(nl, ifi, &p4), 0);
	assert_int_equal(nl_neigh_proxy_del(nl, ifi, &p4), -ENOENT);
	s = (struct proxy_seen){ .ifindex = ifi };
	assert_int_equal(nl_neigh_proxy_list(nl, AF_UNSPEC, proxy_cb, &s), 0);
	assert_int_equal(s.n, 0);
}

/* Reads events until one of type t about addr (or any address when NULL)
 * on ifindex arrives; fails after a second. */
static void expect_event(struct nl *ev, enum nl_event_type t, int ifindex,
			 const struct nl_addr *addr, struct nl_event *out)
{
	uint32_t buf[8192];
	for (int tries = 0; tries < 64; tries++) {
		ssize_t n = nl_events_recv(ev, buf, sizeof(buf));
		if (n == -EAGAIN) {
			struct pollfd pfd = { .fd = nl_fd(ev), .events = POLLIN };
			assert_int_equal(poll(&pfd, 1, 1000), 1);
			continue;
		}
		assert_true(n > 0);
		size_t off = 0;
		int r;
		while ((r = nl_event_parse((const uint8_t *)buf, (size_t)n, &off, out)) == 1) {
			if (out->type == t && out->ifindex == ifindex &&
			    (!addr || nl_addr_equal(&out->addr, addr)))
				return;
		}
		assert_int_equal(r, 0);
	}
	fail_msg("no %s event", nl_event_type_name(t));
}

static void test_events(void **state)
{
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	int ifi = f->tun.ifindex;
	struct nl ev;
	assert_int_equal(nl_events_open(&ev, NL_EVENTS_LINK | NL_EVENTS_IPV4_ADDR |
					   NL_EVENTS_IPV6_ADDR, 1 << 20), 0);
	uint32_t buf[2048];
	assert_int_equal(nl_events_recv(&ev, buf, sizeof(buf)), -EAGAIN);

	struct nl_event e;
	assert_int_equal(nl_link_set_up(nl, ifi, true), 0);
	expect_event(&ev, NL_EV_LINK_UP, ifi, NULL, &e);
	assert_string_equal(e.ifname, "dtitest0");

	/* The mobile node's new care-of address. */
	struct nl_addr coa = A6("2001:db8:2::1");
	assert_int_equal(nl_addr_add(nl, ifi, &coa, 64, IFA_F_NODAD), 0);
	expect_event(&ev, NL_EV_ADDR_ADD, ifi, &coa, &e);
	assert_int_equal(e.addr.family, AF_INET6);
	assert_int_equal(e.prefixlen, 64);
	assert_false(e.ifa_flags & IFA_F_TENTATIVE);
	assert_true(e.ifa_flags & IFA_F_NODAD);

	struct nl_addr h4 = A4("192.0.2.7");
	assert_int_equal(nl_addr_add(nl, ifi, &h4, 32, 0), 0);
	expect_event(&ev, NL_EV_ADDR_ADD, ifi, &h4, &e);
	assert_int_equal(e.prefixlen, 32);
	assert_int_equal(nl_addr_del(nl, ifi, &h4, 32), 0);
	expect_event(&ev, NL_EV_ADDR_DEL, ifi, &h4, &e);
	assert_int_equal(nl_addr_del(nl, ifi, &coa, 64), 0);
	expect_event(&ev, NL_EV_ADDR_DEL, ifi, &coa, &e);

	assert_int_equal(nl_link_set_up(nl, ifi, false), 0);
	expect_event(&ev, NL_EV_LINK_DOWN, ifi, NULL, &e);
	assert_false(e.link_flags & IFF_UP);
	nl_close(&ev);
}

/* ---- permanent neighbours and policy rules, on a veth pair ------------------ */

/* The first line `ip` prints for cmd ("" when none). */
static void ip_out(const char *cmd, char *out, size_t len)
{
	out[0] = '\0';
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	pclose(p);
	size_t n = strcspn(out, "\n");
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\n'))
		n--;
	out[n] = '\0';
}

static void test_neigh_rule(void **state)
{
	NEED_NETNS();
	struct fixture *f = *state;
	struct nl *nl = &f->nl;
	if (system("ip link add nlva type veth peer name nlvb && ip link set nlva up") != 0)
		skip();
	int ifi = nl_link_index(nl, "nlva");
	assert_true(ifi > 0);
	char out[256];
	const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x01, 0x07 };
	const uint8_t mac2[6] = { 0x02, 0x00, 0x5e, 0x00, 0x01, 0x08 };
	struct nl_addr h4 = A4("192.0.2.77"), g6 = A6("fe80::ffff:c000:24d");

	/* RFC 5944 3.7.2.3: a visitor's home address -> the MAC its request came from. */
	assert_int_equal(nl_neigh_set(nl, ifi, &h4, mac, 6), 0);
	ip_out("ip -4 neigh show dev nlva 192.0.2.77", out, sizeof(out));
	assert_string_equal(out, "192.0.2.77 lladdr 02:00:5e:00:01:07 PERMANENT");
	assert_int_equal(nl_neigh_set(nl, ifi, &h4, mac2, 6), 0); /* replaced */
	ip_out("ip -4 neigh show dev nlva 192.0.2.77", out, sizeof(out));
	assert_string_equal(out, "192.0.2.77 lladdr 02:00:5e:00:01:08 PERMANENT");
	assert_int_equal(nl_neigh_set(nl, ifi, &g6, mac, 6), 0);
	ip_out("ip -6 neigh show dev nlva fe80::ffff:c000:24d", out, sizeof(out));
	assert_string_equal(out, "fe80::ffff:c000:24d lladdr 02:00:5e:00:01:07 PERMANENT");
	assert_int_equal(nl_neigh_del(nl, ifi, &h4), 0);
	assert_int_equal(nl_neigh_del(nl, ifi, &h4), -ENOENT);
	assert_int_equal(nl_neigh_del(nl, ifi, &g6), 0);
	ip_out("ip neigh show dev nlva", out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(nl_neigh_set(nl, ifi, &h4, NULL, 0), -EINVAL);
	assert_int_equal(nl_neigh_set(nl, 9999, &h4, mac, 6), -ENODEV);

	/* RFC 3024 direct delivery: from home/32 iif L lookup T. */
	struct nl_rule r4 = { .family = AF_INET, .src = h4, .src_len = 32, .iif = ifi,
			      .table = 434, .priority = 1434 };
	assert_int_equal(nl_rule_add(nl, &r4), 0);
	assert_int_equal(nl_rule_add(nl, &r4), -EEXIST);
	ip_out("ip -4 rule show pref 1434", out, sizeof(out));
	assert_string_equal(out, "1434:\tfrom 192.0.2.77 iif nlva lookup 434");
	struct nl_rule r6 = { .family = AF_INET6, .src = A6("2001:db8:77::"), .src_len = 48,
			      .iif = ifi, .table = 434, .priority = 1434 };
	assert_int_equal(nl_rule_add(nl, &r6), 0);
	ip_out("ip -6 rule show pref 1434", out, sizeof(out));
	assert_string_equal(out, "1434:\tfrom 2001:db8:77::/48 iif nlva lookup 434");
	assert_int_equal(nl_rule_del(nl, &r4), 0);
	assert_int_equal(nl_rule_del(nl, &r4), -ENOENT);
	assert_int_equal(nl_rule_del(nl, &r6), 0);
	ip_out("ip -4 rule show pref 1434", out, sizeof(out));
	assert_string_equal(out, "");
	/* Any source, a table above 255 (FRA_TABLE only). */
	struct nl_rule any = { .family = AF_INET, .table = 70000, .priority = 1500 };
	assert_int_equal(nl_rule_add(nl, &any), 0);
	ip_out("ip -4 rule show pref 1500", out, sizeof(out));
	assert_string_equal(out, "1500:\tfrom all lookup 70000");
	assert_int_equal(nl_rule_del(nl, &any), 0);
	/* Argument checks. */
	struct nl_rule bad = r4;
	bad.src_len = 33;
	assert_int_equal(nl_rule_add(nl, &bad), -EINVAL);
	bad = r4;
	bad.family = AF_INET6;
	assert_int_equal(nl_rule_add(nl, &bad), -EINVAL);
	bad = r4;
	bad.iif = 9999;
	assert_int_equal(nl_rule_add(nl, &bad), -ENODEV);
	assert_int_equal(system("ip link del nlva"), 0);
}

int main(void)
{
	log_init("test_os_netlink", false, LOG_WARNING);
	netns_enter("test_os_netlink");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_parse_addr6),
		cmocka_unit_test(test_event_parse_two),
		cmocka_unit_test(test_event_parse_malformed),
		cmocka_unit_test_setup_teardown(test_link, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_addresses, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dump_stopped_early, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dump_while_changing, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_route4, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_route6, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_neigh, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_events, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_neigh_rule, fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
