/* Unit tests for src/os/rawsock: IPv4-in-IPv6 (next header 4) raw sockets.
 *
 * Runs as root in a private network namespace unshared by main(); skipped,
 * saying why, when not root or when unshare fails.
 *
 *   loopback:  sock A --(IPv6 nh 4, ::1 -> ::1)--> lo --> sock B (and A)
 *
 *   PMTU:      sock --(IPv6 nh 4, 2001:db8:1::1 -> 2001:db8:ffff::1)--> pmtu0 (TUN)
 *              test reads the packet from the TUN and writes back
 *              ICMPv6 Packet Too Big from 2001:db8:1::fe (a "router")
 *              pmtu0: 2001:db8:1::1/64, 2001:db8:ffff::/48 dev pmtu0
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/netlink.h"
#include "os/rawsock.h"
#include "os/tun.h"


static struct in6_addr in6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct sockaddr_in6 sa6(const char *s)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = in6(s) };
	return sa;
}

/* RFC 1071 over a pseudo-header sum start. */
static uint16_t csum_fold(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get_be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 packet of len octets (>= 28): header + UDP-looking payload, with
 * tag in the identification field so batches can be told apart. */
static void make_ipv4(uint8_t *p, size_t len, uint16_t tag)
{
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x00, /* version 4, IHL 5, TOS 0, length below */
		0x00, 0x00, 0x40, 0x00, /* id below, DF */
		0x40, 0x11, 0x00, 0x00, /* TTL 64, UDP, checksum below */
		192, 0, 2, 1,           /* source 192.0.2.1 (the DTI's address) */
		198, 51, 100, 7,        /* destination 198.51.100.7 */
	};
	memcpy(p, hdr, sizeof(hdr));
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 4, tag);
	put_be16(p + 10, csum_fold(0, p, 20));
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)(i ^ tag);
}

static int lo_up(void)
{
	struct nl nl;
	int r = nl_open(&nl);
	if (r < 0)
		return r;
	r = nl_link_set_up(&nl, 1, true);
	nl_close(&nl);
	return r;
}

static int getint(int fd, int level, int opt)
{
	int v = -1;
	socklen_t l = sizeof(v);
	assert_int_equal(getsockopt(fd, level, opt, &v, &l), 0);
	return v;
}

/* Polls fd and receives until want packets are in pkts (or a second passes). */
static unsigned recv_n(int fd, struct rawsock6_pkt *pkts, unsigned want)
{
	unsigned got = 0;
	while (got < want) {
		int r = rawsock6_recv_batch(fd, pkts + got, want - got);
		if (r == -EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			if (poll(&pfd, 1, 1000) != 1)
				break;
			continue;
		}
		assert_true(r > 0);
		got += (unsigned)r;
	}
	return got;
}

static void test_open_args(void **state)
{
	(void)state;
	struct rawsock6_config c = { .protocol = 0 };
	assert_int_equal(rawsock6_open(&c), -EINVAL);
	c.protocol = IPPROTO_RAW; /* would mean IPV6_HDRINCL: not this module */
	assert_int_equal(rawsock6_open(&c), -EINVAL);
	c.protocol = 256;
	assert_int_equal(rawsock6_open(&c), -EINVAL);
	c = (struct rawsock6_config){ .protocol = IPPROTO_IPIP, .pmtu = 7 };
	assert_int_equal(rawsock6_open(&c), -EINVAL);
}

static void test_loopback(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(lo_up(), 0);
	struct rawsock6_config c = { .protocol = IPPROTO_IPIP, .pmtu = RAWSOCK_PMTU_DO };
	int a = rawsock6_open(&c);
	assert_true(a >= 0);
	c.rcvbuf = 1 << 20;
	int b = rawsock6_open(&c);
	assert_true(b >= 0);
	struct rawsock6_config c41 = { .protocol = IPPROTO_IPV6 };
	int s41 = rawsock6_open(&c41);
	assert_true(s41 >= 0);

	assert_true(fcntl(a, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(a, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(getint(a, IPPROTO_IPV6, IPV6_RECVERR), 1);
	assert_int_equal(getint(a, IPPROTO_IPV6, IPV6_RECVPKTINFO), 1);
	assert_int_equal(getint(a, IPPROTO_IPV6, IPV6_MTU_DISCOVER), IPV6_PMTUDISC_DO);
	assert_int_equal(getint(s41, IPPROTO_IPV6, IPV6_MTU_DISCOVER), IPV6_PMTUDISC_WANT);
	assert_true(getint(b, SOL_SOCKET, SO_RCVBUF) >= 1 << 20); /* the kernel doubles it */

	/* Binding to an address the netns does not have. */
	struct sockaddr_in6 nowhere = sa6("2001:db8:9::9");
	struct rawsock6_config cb = { .protocol = IPPROTO_IPIP, .bind_addr = &nowhere };
	assert_int_equal(rawsock6_open(&cb), -EADDRNOTAVAIL);
	struct sockaddr_in6 lo = sa6("::1");
	cb.bind_addr = &lo;
	int bound = rawsock6_open(&cb);
	assert_true(bound >= 0);

	uint8_t pkt[48];
	make_ipv4(pkt, sizeof(pkt), 0x4646);
	struct rawsock6_pkt tx = { .buf = pkt, .len = sizeof(pkt), .peer = sa6("::1") };
	assert_int_equal(rawsock6_send_batch(a, &tx, 1), 1);

	/* B gets the inner packet only: no IPv6 header. */
	uint8_t rb[2048];
	struct rawsock6_pkt rx = { .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(b, &rx, 1), 1);
	assert_int_equal(rx.len, sizeof(pkt));
	assert_memory_equal(rb, pkt, sizeof(pkt));
	assert_false(rx.truncated);
	struct in6_addr one = in6("::1");
	assert_int_equal(rx.peer.sin6_family, AF_INET6);
	assert_memory_equal(&rx.peer.sin6_addr, &one, 16);
	assert_int_equal(rx.peer.sin6_port, 0);
	assert_memory_equal(&rx.local, &one, 16); /* IPV6_PKTINFO destination */
	assert_int_equal(rx.ifindex, 1);          /* lo */

	/* Every proto-4 socket gets a copy, the sender's and the bound one too;
	 * the proto-41 socket gets nothing. */
	rx = (struct rawsock6_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(a, &rx, 1), 1);
	assert_memory_equal(rb, pkt, sizeof(pkt));
	rx = (struct rawsock6_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(bound, &rx, 1), 1);
	assert_int_equal(rawsock6_recv_batch(s41, &rx, 1), -EAGAIN);
	assert_int_equal(rawsock6_recv_batch(b, &rx, 1), -EAGAIN);

	/* Truncation is reported, not hidden; the source can be chosen
	 * through IPV6_PKTINFO. */
	tx.local = one;
	tx.ifindex = 1;
	assert_int_equal(rawsock6_send_batch(a, &tx, 1), 1);
	rx = (struct rawsock6_pkt){ .buf = rb, .size = 20 };
	assert_int_equal(recv_n(b, &rx, 1), 1);
	assert_int_equal(rx.len, 20);
	assert_true(rx.truncated);

	/* Gathered from an iovec (header and payload apart, STYLE 3). */
	struct iovec iov[2] = { { pkt, 20 }, { pkt + 20, sizeof(pkt) - 20 } };
	struct rawsock6_pkt txv = { .iov = iov, .iovcnt = 2, .peer = sa6("::1") };
	assert_int_equal(rawsock6_send_batch(a, &txv, 1), 1);
	rx = (struct rawsock6_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(b, &rx, 1), 1);
	assert_int_equal(rx.len, sizeof(pkt));
	assert_memory_equal(rb, pkt, sizeof(pkt));

	/* Nothing went wrong, so nothing is on the error queue. */
	struct rawsock6_error e;
	assert_int_equal(rawsock6_read_errors(a, &e, 1), 0);
	close(a);
	close(b);
	close(s41);
	close(bound);
}

#define NBATCH 32

static void test_batch32(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(lo_up(), 0);
	struct rawsock6_config c = { .protocol = IPPROTO_IPIP, .rcvbuf = 1 << 20 };
	int a = rawsock6_open(&c);
	int b = rawsock6_open(&c);
	assert_true(a >= 0 && b >= 0);

	static uint8_t out[NBATCH][1500], in[NBATCH][2048];
	struct rawsock6_pkt tx[NBATCH], rx[NBATCH];
	for (unsigned i = 0; i < NBATCH; i++) {
		size_t len = 28 + 40 * i; /* 28 .. 1268 octets */
		make_ipv4(out[i], len, (uint16_t)(0x100 + i));
		tx[i] = (struct rawsock6_pkt){ .buf = out[i], .len = len, .peer = sa6("::1") };
		rx[i] = (struct rawsock6_pkt){ .buf = in[i], .size = sizeof(in[i]) };
	}
	assert_int_equal(rawsock6_send_batch(a, tx, NBATCH), NBATCH);
	assert_int_equal(recv_n(b, rx, NBATCH), NBATCH);
	struct in6_addr one = in6("::1");
	for (unsigned i = 0; i < NBATCH; i++) {
		assert_int_equal(rx[i].len, tx[i].len);
		assert_memory_equal(in[i], out[i], tx[i].len);
		assert_memory_equal(&rx[i].peer.sin6_addr, &one, 16);
		assert_memory_equal(&rx[i].local, &one, 16);
		assert_int_equal(rx[i].ifindex, 1);
	}
	assert_int_equal(rawsock6_recv_batch(b, rx, NBATCH), -EAGAIN);
	close(a);
	close(b);
}

/* The TUN and routes of the PMTU tests. */
struct pmtu_env {
	struct tun tun;
	struct nl nl;
};

static void pmtu_env_up(struct pmtu_env *env, uint32_t mtu)
{
	struct tun_config tc = { .name = "pmtu0", .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(&env->tun, &tc), 0);
	assert_int_equal(nl_open(&env->nl), 0);
	int ifi = env->tun.ifindex;
	assert_int_equal(nl_link_set_mtu(&env->nl, ifi, mtu), 0);
	assert_int_equal(nl_link_set_up(&env->nl, ifi, true), 0);
	struct nl_addr a;
	struct in6_addr v6 = in6("2001:db8:1::1");
	nl_addr_set6(&a, &v6);
	assert_int_equal(nl_addr_add(&env->nl, ifi, &a, 64, IFA_F_NODAD), 0);
	/* Even with NODAD the kernel makes an IPv6 address local (inserts its
	 * route in table local) from the addrconf work queue after the add was
	 * ACKed, and only just after the RTM_NEWADDR event: until then a
	 * packet to it is dropped (Ip6InAddrErrors), though source selection
	 * uses it at once.  The local route is the reliable sign. */
	struct nl_route lr = { 0 };
	for (int tries = 0; tries < 200 && lr.type != RTN_LOCAL; tries++) {
		if (tries)
			usleep(5000);
		assert_int_equal(nl_route_get(&env->nl, &a, &lr), 0);
	}
	assert_int_equal(lr.type, RTN_LOCAL);
	struct nl_route r = { .family = AF_INET6, .dst_len = 48, .oif = ifi };
	v6 = in6("2001:db8:ffff::");
	nl_addr_set6(&r.dst, &v6);
	assert_int_equal(nl_route_add(&env->nl, &r), 0);
}

static void pmtu_env_down(struct pmtu_env *env)
{
	nl_close(&env->nl);
	tun_close(&env->tun); /* takes its addresses and routes with it */
}

/* Reads from the TUN until an IPv6 packet with next header nh arrives (the
 * kernel also sends router solicitations and MLD reports out of it). */
static ssize_t tun_read_ip6(const struct tun *t, uint8_t nh, uint8_t *buf, size_t size)
{
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd pfd = { .fd = t->fd[0], .events = POLLIN };
		if (poll(&pfd, 1, 1000) != 1)
			return -ETIMEDOUT;
		ssize_t n = tun_read(t, 0, buf, size);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return n;
		if (n >= 40 && buf[0] >> 4 == 6 && buf[6] == nh)
			return n;
	}
	return -ETIMEDOUT;
}

static void test_pmtu_local(void **state)
{
	/* A 1280 link: payload above 1280 - 40 never leaves with PMTUDISC_DO;
	 * the kernel refuses it in sendmsg with EMSGSIZE AND queues a local
	 * error carrying the MTU (1280) for the same destination. */
	(void)state;
	NEED_NETNS();
	struct pmtu_env env;
	pmtu_env_up(&env, 1280);
	struct rawsock6_config c = { .protocol = IPPROTO_IPIP, .pmtu = RAWSOCK_PMTU_DO };
	int s = rawsock6_open(&c);
	assert_true(s >= 0);

	static uint8_t big[1400], buf[2048];
	make_ipv4(big, sizeof(big), 1);
	struct rawsock6_pkt tx = { .buf = big, .len = sizeof(big), .peer = sa6("2001:db8:ffff::1") };
	assert_int_equal(rawsock6_send_batch(s, &tx, 1), -EMSGSIZE);

	struct rawsock6_error e[4];
	assert_int_equal(rawsock6_read_errors(s, e, 4), 1);
	assert_int_equal(e[0].err, EMSGSIZE);
	assert_int_equal(e[0].origin, SO_EE_ORIGIN_LOCAL);
	assert_int_equal(e[0].type, 0);
	assert_int_equal(e[0].code, 0);
	assert_int_equal(e[0].info, 1280);
	struct in6_addr dst = in6("2001:db8:ffff::1");
	assert_int_equal(e[0].dst.sin6_family, AF_INET6);
	assert_memory_equal(&e[0].dst.sin6_addr, &dst, 16);
	assert_int_equal(e[0].offender.sin6_family, AF_UNSPEC);
	assert_int_equal(e[0].payload_len, 0);
	/* A local refusal leaves no pending socket error behind. */
	struct rawsock6_pkt rx = { .buf = buf, .size = sizeof(buf) };
	assert_int_equal(rawsock6_recv_batch(s, &rx, 1), -EAGAIN);

	/* 1240 fits exactly and leaves as one 1280-octet packet; 1241 does not. */
	tx.len = 1241;
	make_ipv4(big, tx.len, 2);
	assert_int_equal(rawsock6_send_batch(s, &tx, 1), -EMSGSIZE);
	tx.len = 1240;
	make_ipv4(big, tx.len, 3);
	assert_int_equal(rawsock6_send_batch(s, &tx, 1), 1);
	ssize_t n = tun_read_ip6(&env.tun, 4, buf, sizeof(buf));
	assert_int_equal(n, 1280);
	assert_int_equal(get_be16(buf + 4), 1240); /* payload length */
	struct in6_addr src = in6("2001:db8:1::1");
	assert_memory_equal(buf + 8, &src, 16);
	assert_memory_equal(buf + 24, &dst, 16);
	assert_int_equal(buf[7], 64); /* hop limit */
	assert_memory_equal(buf + 40, big, 1240);
	assert_int_equal(rawsock6_read_errors(s, e, 4), 1); /* the 1241 refusal */
	assert_int_equal(e[0].info, 1280);
	close(s);

	/* PMTUDISC_WANT: the kernel fragments instead (RFC 8200 4.5). */
	c.pmtu = RAWSOCK_PMTU_WANT;
	s = rawsock6_open(&c);
	assert_true(s >= 0);
	tx.len = sizeof(big);
	make_ipv4(big, tx.len, 4);
	assert_int_equal(rawsock6_send_batch(s, &tx, 1), 1);
	n = tun_read_ip6(&env.tun, 44, buf, sizeof(buf)); /* Fragment header */
	assert_int_equal(n, 1280);                        /* 40 + 8 + 1232 */
	assert_int_equal(buf[40], 4);                     /* fragment's next header */
	assert_int_equal(get_be16(buf + 42) & 0xfff9, 0x0001); /* offset 0, M */
	assert_memory_equal(buf + 48, big, 1232);
	n = tun_read_ip6(&env.tun, 44, buf, sizeof(buf));
	assert_int_equal(n, 40 + 8 + 1400 - 1232);
	assert_int_equal(get_be16(buf + 42), 1232);        /* offset 154 * 8, no M */
	assert_memory_equal(buf + 48, big + 1232, 1400 - 1232);
	assert_int_equal(rawsock6_read_errors(s, e, 4), 0);
	close(s);
	pmtu_env_down(&env);
}

static void test_pmtu_icmp6_ptb(void **state)
{
	/* A 1500 link, and a router behind it that says Packet Too Big, MTU
	 * 1280 (RFC 8201 4).  What the kernel does, in order: the ICMPv6
	 * error is queued (origin ICMP6, type 2, info 1280, offender the
	 * router, dst the tunnel peer, payload the quoted inner packet); the
	 * socket's pending error becomes EMSGSIZE, returned once by the next
	 * receive; the route lookup now reports the learnt PMTU 1280; and the
	 * next oversized send is refused locally with EMSGSIZE. */
	(void)state;
	NEED_NETNS();
	struct pmtu_env env;
	pmtu_env_up(&env, 1500);
	struct rawsock6_config c = { .protocol = IPPROTO_IPIP, .pmtu = RAWSOCK_PMTU_DO };
	int s = rawsock6_open(&c);
	assert_true(s >= 0);

	static uint8_t big[1400], pkt[2048], ptb[1280];
	make_ipv4(big, sizeof(big), 7);
	struct rawsock6_pkt tx = { .buf = big, .len = sizeof(big), .peer = sa6("2001:db8:ffff::1") };
	assert_int_equal(rawsock6_send_batch(s, &tx, 1), 1);
	ssize_t n = tun_read_ip6(&env.tun, 4, pkt, sizeof(pkt));
	assert_int_equal(n, 1440);

	/* ICMPv6 Packet Too Big (RFC 4443 3.2), quoting as much as fits. */
	struct in6_addr router = in6("2001:db8:1::fe"), me = in6("2001:db8:1::1");
	size_t quote = sizeof(ptb) - 48, icmp_len = 8 + quote;
	memset(ptb, 0, sizeof(ptb));
	ptb[0] = 0x60;                              /* version 6 */
	put_be16(ptb + 4, (uint16_t)icmp_len);      /* payload length */
	ptb[6] = 58;                                /* ICMPv6 */
	ptb[7] = 255;                               /* hop limit */
	memcpy(ptb + 8, &router, 16);
	memcpy(ptb + 24, &me, 16);
	ptb[40] = 2;                                /* Packet Too Big, code 0 */
	put_be32(ptb + 44, 1280);                   /* MTU */
	memcpy(ptb + 48, pkt, quote);
	uint32_t pseudo = 0;
	for (int i = 8; i < 40; i += 2)             /* addresses */
		pseudo += get_be16(ptb + i);
	pseudo += (uint32_t)icmp_len + 58;          /* upper-layer length, next header */
	put_be16(ptb + 42, csum_fold(pseudo, ptb + 40, icmp_len));
	struct iovec iov = { ptb, sizeof(ptb) };
	assert_int_equal(tun_writev(&env.tun, 0, &iov, 1), (ssize_t)sizeof(ptb));

	/* The pending error first (rawv6_err sets sk_err with IPV6_RECVERR). */
	struct rawsock6_pkt rx = { .buf = pkt, .size = sizeof(pkt) };
	struct pollfd pfd = { .fd = s, .events = 0 };
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_true(pfd.revents & POLLERR);
	assert_int_equal(rawsock6_recv_batch(s, &rx, 1), -EMSGSIZE);
	assert_int_equal(rawsock6_recv_batch(s, &rx, 1), -EAGAIN);

	struct rawsock6_error e[4];
	assert_int_equal(rawsock6_read_errors(s, e, 4), 1);
	assert_int_equal(e[0].err, EMSGSIZE);
	assert_int_equal(e[0].origin, SO_EE_ORIGIN_ICMP6);
	assert_int_equal(e[0].type, 2);
	assert_int_equal(e[0].code, 0);
	assert_int_equal(e[0].info, 1280);
	struct in6_addr dst = in6("2001:db8:ffff::1");
	assert_memory_equal(&e[0].dst.sin6_addr, &dst, 16);
	assert_int_equal(e[0].offender.sin6_family, AF_INET6);
	assert_memory_equal(&e[0].offender.sin6_addr, &router, 16);
	assert_int_equal(e[0].payload_len, RAWSOCK_ERR_PAYLOAD);
	assert_true(e[0].payload_truncated); /* 1232 quoted octets */
	assert_memory_equal(e[0].payload, big, RAWSOCK_ERR_PAYLOAD);
	assert_int_equal(rawsock6_read_errors(s, e, 4), 0);

	/* The learnt PMTU, as the host daemon will read it. */
	struct nl_route r;
	struct nl_addr d;
	nl_addr_set6(&d, &dst);
	assert_int_equal(nl_route_get(&env.nl, &d, &r), 0);
	assert_int_equal(r.mtu, 1280);
	assert_int_equal(r.oif, env.tun.ifindex);

	assert_int_equal(rawsock6_send_batch(s, &tx, 1), -EMSGSIZE);
	assert_int_equal(rawsock6_read_errors(s, e, 4), 1);
	assert_int_equal(e[0].origin, SO_EE_ORIGIN_LOCAL);
	assert_int_equal(e[0].info, 1280);
	close(s);
	pmtu_env_down(&env);
}

int main(void)
{
	log_init("test_os_rawsock", false, LOG_WARNING);
	netns_enter("test_os_rawsock");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_args),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_batch32),
		cmocka_unit_test(test_pmtu_local),
		cmocka_unit_test(test_pmtu_icmp6_ptb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
