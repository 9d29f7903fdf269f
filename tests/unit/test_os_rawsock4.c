/* Unit tests for src/os/rawsock4: AF_INET raw sockets for the IPv4-outer
 * tunnels (protocols 4, 41, 47, 55) and the IPPROTO_RAW send socket.
 *
 * Runs as root in a private network namespace unshared by main(); skipped,
 * saying why, when not root or when unshare fails.
 *
 *   loopback:  tx (IPPROTO_RAW) --(127.0.0.1 -> 127.0.0.x)--> lo --> rx4 rx41 rx47 rx55
 *
 *   TUNs:      tx --(-> 10.99.0.0/16)--> tun4a (mtu 1280, 10.9.0.1/24) --> test reads
 *              tx bound to tun4b (10.8.0.1/24, no route) --> tun4b --> test reads
 *              test writes into tun4a (10.99.0.5 -> 10.9.0.1) --> rx47
 *
 *   ICMP:      tx --(ICMP types 8, 5, 3, 13, 11 to 127.0.0.1)--> lo --> icmp
 *              socket (only 3 and 11 pass its filter)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/netlink.h"
#include "os/rawsock4.h"
#include "os/tun.h"

static struct in_addr in4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get_be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A tunnel packet of len octets (>= 20): outer header, protocol proto,
 * identification tag (0: let the kernel choose), then octets numbered
 * from tag. */
static void make_pkt(uint8_t *p, size_t len, uint8_t proto, uint16_t tag, const char *src,
		     const char *dst)
{
	struct in_addr s = in4(src), d = in4(dst);
	memset(p, 0, 20);
	p[0] = 0x45;                /* version 4, IHL 5 */
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 4, tag);
	p[8] = 64;                  /* TTL */
	p[9] = proto;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	put_be16(p + 10, csum(p, 20));
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)(i + tag);
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

/* Polls fd and receives until want packets are in pkts (or a second passes). */
static unsigned recv_n(int fd, struct rawsock4_pkt *pkts, unsigned want)
{
	unsigned got = 0;
	while (got < want) {
		int r = rawsock4_recv_batch(fd, pkts + got, want - got);
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

static int getint(int fd, int level, int opt)
{
	int v = -1;
	socklen_t l = sizeof(v);
	assert_int_equal(getsockopt(fd, level, opt, &v, &l), 0);
	return v;
}

static void test_open_args(void **state)
{
	(void)state;
	struct rawsock4_config c = { .protocol = 0 };
	assert_int_equal(rawsock4_open(&c), -EINVAL);
	c.protocol = IPPROTO_UDP;
	assert_int_equal(rawsock4_open(&c), -EINVAL);
	c.protocol = 256;
	assert_int_equal(rawsock4_open(&c), -EINVAL);
	struct in_addr a = { htonl(INADDR_LOOPBACK) };
	c = (struct rawsock4_config){ .protocol = IPPROTO_RAW, .bind_addr = &a };
	assert_int_equal(rawsock4_open(&c), -EINVAL);
	c = (struct rawsock4_config){ .protocol = IPPROTO_IPIP, .ifname = "0123456789abcdef" };
	assert_int_equal(rawsock4_open(&c), -EINVAL);
	struct rawsock4_pkt p = { 0 };
	assert_int_equal(rawsock4_recv_batch(0, &p, 0), -EINVAL);
	assert_int_equal(rawsock4_send_batch(0, &p, 0), -EINVAL);
}

static void test_loopback(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(lo_up(), 0);
	static const int protos[4] = { IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_GRE,
				       RAWSOCK4_PROTO_MINIMAL };
	int rx[4];
	for (int i = 0; i < 4; i++) {
		struct rawsock4_config c = { .protocol = protos[i], .rcvbuf = 1 << 20 };
		rx[i] = rawsock4_open(&c);
		assert_true(rx[i] >= 0);
	}
	struct rawsock4_config tc = { .protocol = IPPROTO_RAW, .sndbuf = 1 << 20 };
	int tx = rawsock4_open(&tc);
	assert_true(tx >= 0);
	assert_true(fcntl(tx, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(rx[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(getint(rx[0], IPPROTO_IP, IP_PKTINFO), 1);
	assert_true(getint(rx[0], SOL_SOCKET, SO_RCVBUF) >= 1 << 20);
	assert_true(getint(tx, SOL_SOCKET, SO_SNDBUF) >= 1 << 20);
	assert_int_equal(getint(tx, IPPROTO_IP, IP_HDRINCL), 1); /* IPPROTO_RAW implies it */

	/* no such device; an address that is not ours */
	struct rawsock4_config cb = { .protocol = IPPROTO_GRE, .ifname = "nosuch0" };
	assert_int_equal(rawsock4_open(&cb), -ENODEV);
	struct in_addr nowhere = in4("192.0.2.99");
	cb = (struct rawsock4_config){ .protocol = IPPROTO_GRE, .bind_addr = &nowhere };
	assert_int_equal(rawsock4_open(&cb), -EADDRNOTAVAIL);
	struct in_addr two = in4("127.0.0.2");
	cb.bind_addr = &two;
	int bound = rawsock4_open(&cb);
	assert_true(bound >= 0);

	/* One packet of each protocol: only its own socket gets it, whole,
	 * outer header first (unlike AF_INET6). */
	uint8_t pkt[4][100], rb[2048];
	for (int i = 0; i < 4; i++) {
		make_pkt(pkt[i], 60 + 10 * (size_t)i, (uint8_t)protos[i], (uint16_t)(0x4400 + i),
			 "127.0.0.1", "127.0.0.1");
		struct rawsock4_pkt t = { .buf = pkt[i], .len = 60 + 10 * (size_t)i };
		assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	}
	for (int i = 0; i < 4; i++) {
		struct rawsock4_pkt r = { .buf = rb, .size = sizeof(rb) };
		assert_int_equal(recv_n(rx[i], &r, 1), 1);
		assert_int_equal(r.len, 60 + 10 * i);
		assert_memory_equal(rb, pkt[i], r.len);
		assert_false(r.truncated);
		assert_int_equal(r.peer.sin_family, AF_INET);
		assert_int_equal(r.peer.sin_addr.s_addr, htonl(0x7f000001));
		assert_int_equal(r.local.s_addr, htonl(0x7f000001));
		assert_int_equal(r.ifindex, 1);
		assert_int_equal(rawsock4_recv_batch(rx[i], &r, 1), -EAGAIN);
	}
	struct rawsock4_pkt r = { .buf = rb, .size = sizeof(rb) };
	assert_int_equal(rawsock4_recv_batch(bound, &r, 1), -EAGAIN); /* not to 127.0.0.2 */
	assert_int_equal(rawsock4_recv_batch(tx, &r, 1), -EAGAIN);    /* IPPROTO_RAW: nothing */

	/* The kernel fills in a zero source and identification; the
	 * destination given in peer wins over the header's for routing. */
	uint8_t z[40];
	make_pkt(z, sizeof(z), IPPROTO_GRE, 0, "0.0.0.0", "127.0.0.2");
	struct rawsock4_pkt t = { .buf = z, .len = sizeof(z) };
	t.peer.sin_addr = two;
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	r = (struct rawsock4_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(bound, &r, 1), 1);
	assert_int_equal(r.len, sizeof(z));
	assert_int_equal(get_be32(rb + 12), 0x7f000001); /* source filled in */
	assert_int_not_equal(get_be16(rb + 4), 0);        /* identification filled in */
	assert_int_equal(csum(rb, 20), 0);                /* and the checksum */
	assert_memory_equal(rb + 20, z + 20, sizeof(z) - 20);
	assert_int_equal(r.local.s_addr, two.s_addr);
	r = (struct rawsock4_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(rx[2], &r, 1), 1);        /* the unbound one too */

	/* Gathered from an iovec (a fragment's header apart from its data),
	 * and truncation reported. */
	struct iovec iov[2] = { { pkt[0], 20 }, { pkt[0] + 20, 40 } };
	t = (struct rawsock4_pkt){ .iov = iov, .iovcnt = 2 };
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	r = (struct rawsock4_pkt){ .buf = rb, .size = 30 };
	assert_int_equal(recv_n(rx[0], &r, 1), 1);
	assert_int_equal(r.len, 30);
	assert_true(r.truncated);
	assert_memory_equal(rb, pkt[0], 30);

	/* No destination anywhere: refused before the kernel sees it. */
	uint8_t junk[10] = { 0x45 };
	t = (struct rawsock4_pkt){ .buf = junk, .len = sizeof(junk) };
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), -EINVAL);
	/* ... and one bad packet after good ones: the good ones go */
	struct rawsock4_pkt two_tx[2] = { { .buf = pkt[1], .len = 70 },
					  { .buf = junk, .len = sizeof(junk) } };
	assert_int_equal(rawsock4_send_batch(tx, two_tx, 2), 1);
	r = (struct rawsock4_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(rx[1], &r, 1), 1);

	for (int i = 0; i < 4; i++)
		close(rx[i]);
	close(tx);
	close(bound);
}

#define NBATCH 100   /* more than one recvmmsg/sendmmsg */

static void test_batch(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(lo_up(), 0);
	struct rawsock4_config c = { .protocol = IPPROTO_IPIP, .rcvbuf = 4 << 20 };
	int rx = rawsock4_open(&c);
	c = (struct rawsock4_config){ .protocol = IPPROTO_RAW };
	int tx = rawsock4_open(&c);
	assert_true(rx >= 0 && tx >= 0);

	static uint8_t out[NBATCH][1500], in[NBATCH][2048];
	static struct rawsock4_pkt t[NBATCH], r[NBATCH];
	for (unsigned i = 0; i < NBATCH; i++) {
		size_t len = 40 + 13 * i;
		make_pkt(out[i], len, IPPROTO_IPIP, (uint16_t)(0x100 + i), "127.0.0.1", "127.0.0.1");
		t[i] = (struct rawsock4_pkt){ .buf = out[i], .len = len };
		r[i] = (struct rawsock4_pkt){ .buf = in[i], .size = sizeof(in[i]) };
	}
	assert_int_equal(rawsock4_send_batch(tx, t, NBATCH), NBATCH);
	assert_int_equal(recv_n(rx, r, NBATCH), NBATCH);
	for (unsigned i = 0; i < NBATCH; i++) {
		assert_int_equal(r[i].len, t[i].len);
		assert_memory_equal(in[i], out[i], t[i].len);
	}
	assert_int_equal(rawsock4_recv_batch(rx, r, NBATCH), -EAGAIN);
	close(rx);
	close(tx);
}

/* Two TUNs: tun4a (mtu 1280) with a route to 10.99.0.0/16, tun4b without. */
struct env {
	struct tun a, b;
	struct nl nl;
};

static void tun_up(struct env *env, struct tun *t, const char *name, uint32_t mtu,
		   const char *addr)
{
	struct tun_config tc = { .name = name, .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(t, &tc), 0);
	assert_int_equal(tun_set_ipv6(t, false), 0);
	assert_int_equal(nl_link_set_mtu(&env->nl, t->ifindex, mtu), 0);
	assert_int_equal(nl_link_set_up(&env->nl, t->ifindex, true), 0);
	struct nl_addr a;
	nl_addr_set4(&a, in4(addr));
	assert_int_equal(nl_addr_add(&env->nl, t->ifindex, &a, 24, 0), 0);
}

static void env_up(struct env *env)
{
	assert_int_equal(nl_open(&env->nl), 0);
	tun_up(env, &env->a, "tun4a", 1280, "10.9.0.1");
	tun_up(env, &env->b, "tun4b", 1500, "10.8.0.1");
	struct nl_route r = { .family = AF_INET, .dst_len = 16, .oif = env->a.ifindex };
	nl_addr_set4(&r.dst, in4("10.99.0.0"));
	assert_int_equal(nl_route_add(&env->nl, &r), 0);
}

static void env_down(struct env *env)
{
	nl_close(&env->nl);
	tun_close(&env->a);
	tun_close(&env->b);
}

/* Reads from the TUN until an IPv4 packet of protocol proto arrives. */
static ssize_t tun_read4(const struct tun *t, uint8_t proto, uint8_t *buf, size_t size)
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
		if (n >= 20 && buf[0] >> 4 == 4 && buf[9] == proto)
			return n;
	}
	return -ETIMEDOUT;
}

static void test_tun_mtu_device(void **state)
{
	(void)state;
	NEED_NETNS();
	struct env env;
	env_up(&env);
	struct rawsock4_config c = { .protocol = IPPROTO_RAW };
	int tx = rawsock4_open(&c);
	assert_true(tx >= 0);
	static uint8_t big[1400], buf[2048];

	/* The kernel does not fragment IP_HDRINCL packets: above the
	 * device MTU is EMSGSIZE, DF or not; 1280 goes out as it is. */
	make_pkt(big, sizeof(big), IPPROTO_GRE, 0x0a0a, "10.9.0.1", "10.99.0.7");
	struct rawsock4_pkt t = { .buf = big, .len = sizeof(big) };
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), -EMSGSIZE);
	make_pkt(big, 1280, IPPROTO_GRE, 0x0a0b, "10.9.0.1", "10.99.0.7");
	t.len = 1280;
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	assert_int_equal(tun_read4(&env.a, IPPROTO_GRE, buf, sizeof(buf)), 1280);
	assert_memory_equal(buf, big, 1280);

	/* Fragments as iovec pairs go out untouched (MF, offset). */
	uint8_t h0[20], h1[20];
	make_pkt(big, 1000, IPPROTO_IPIP, 0x0f0f, "10.9.0.1", "10.99.0.7");
	memcpy(h0, big, 20);
	put_be16(h0 + 2, 20 + 504);
	put_be16(h0 + 6, 0x2000);              /* MF, offset 0 */
	put_be16(h0 + 10, 0);
	put_be16(h0 + 10, csum(h0, 20));
	memcpy(h1, big, 20);
	put_be16(h1 + 2, 20 + 476);
	put_be16(h1 + 6, 504 / 8);             /* offset 63 */
	put_be16(h1 + 10, 0);
	put_be16(h1 + 10, csum(h1, 20));
	struct iovec v0[2] = { { h0, 20 }, { big + 20, 504 } };
	struct iovec v1[2] = { { h1, 20 }, { big + 524, 476 } };
	struct rawsock4_pkt fr[2] = { { .iov = v0, .iovcnt = 2 }, { .iov = v1, .iovcnt = 2 } };
	assert_int_equal(rawsock4_send_batch(tx, fr, 2), 2);
	assert_int_equal(tun_read4(&env.a, IPPROTO_IPIP, buf, sizeof(buf)), 524);
	assert_memory_equal(buf, h0, 20);
	assert_memory_equal(buf + 20, big + 20, 504);
	assert_int_equal(tun_read4(&env.a, IPPROTO_IPIP, buf, sizeof(buf)), 496);
	assert_memory_equal(buf, h1, 20);
	assert_memory_equal(buf + 20, big + 524, 476);

	/* IP_PKTINFO ifindex: out of tun4b although the route says tun4a
	 * (the kernel takes the destination as on-link there). */
	make_pkt(big, 100, IPPROTO_GRE, 0x0b0b, "10.8.0.1", "10.99.0.7");
	t = (struct rawsock4_pkt){ .buf = big, .len = 100, .ifindex = env.b.ifindex };
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	assert_int_equal(tun_read4(&env.b, IPPROTO_GRE, buf, sizeof(buf)), 100);
	assert_memory_equal(buf, big, 100);

	/* SO_BINDTODEVICE: the same for every packet of the socket, and
	 * undone with "". */
	assert_int_equal(rawsock4_bind_device(tx, "tun4b"), 0);
	t.ifindex = 0;
	make_pkt(big, 1400, IPPROTO_GRE, 0x0c0c, "10.8.0.1", "10.99.0.7");
	t.len = 1400;                           /* tun4b's MTU is 1500 */
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	assert_int_equal(tun_read4(&env.b, IPPROTO_GRE, buf, sizeof(buf)), 1400);
	assert_memory_equal(buf, big, 1400);
	assert_int_equal(rawsock4_bind_device(tx, NULL), 0);
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), -EMSGSIZE); /* tun4a again */
	assert_int_equal(rawsock4_bind_device(tx, "nosuch0"), -ENODEV);
	assert_int_equal(rawsock4_bind_device(tx, "0123456789abcdef"), -EINVAL);
	close(tx);

	struct rawsock4_config bc = { .protocol = IPPROTO_RAW, .ifname = "tun4b" };
	tx = rawsock4_open(&bc);
	assert_true(tx >= 0);
	t.len = 100;
	make_pkt(big, 100, IPPROTO_GRE, 0x0d0d, "10.8.0.1", "10.99.0.7");
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	assert_int_equal(tun_read4(&env.b, IPPROTO_GRE, buf, sizeof(buf)), 100);
	assert_int_equal(get_be16(buf + 4), 0x0d0d);
	close(tx);
	env_down(&env);
}

/* Tunnel packets arriving on an interface: IP_PKTINFO says which, the
 * kernel reassembles fragments before the raw socket sees them, and a
 * socket bound to another device sees nothing. */
static void test_tun_receive(void **state)
{
	(void)state;
	NEED_NETNS();
	struct env env;
	env_up(&env);
	struct rawsock4_config c = { .protocol = IPPROTO_GRE };
	int rx = rawsock4_open(&c);
	c.ifname = "lo";
	int rx_lo = rawsock4_open(&c);
	struct in_addr me = in4("10.9.0.1");
	c = (struct rawsock4_config){ .protocol = IPPROTO_GRE, .bind_addr = &me, .ifname = "tun4a" };
	int rx_bound = rawsock4_open(&c);
	assert_true(rx >= 0 && rx_lo >= 0 && rx_bound >= 0);

	static uint8_t p[1000], rb[2048];
	make_pkt(p, 200, IPPROTO_GRE, 0x2222, "10.99.0.5", "10.9.0.1");
	struct iovec iov = { p, 200 };
	assert_int_equal(tun_writev(&env.a, 0, &iov, 1), 200);
	struct rawsock4_pkt r = { .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(rx, &r, 1), 1);
	assert_int_equal(r.len, 200);
	assert_memory_equal(rb, p, 200);
	assert_int_equal(r.peer.sin_addr.s_addr, in4("10.99.0.5").s_addr);
	assert_int_equal(r.local.s_addr, me.s_addr);
	assert_int_equal(r.ifindex, env.a.ifindex);
	r = (struct rawsock4_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(rx_bound, &r, 1), 1);
	assert_int_equal(rawsock4_recv_batch(rx_lo, &r, 1), -EAGAIN);

	/* Two fragments in: one whole packet out. */
	make_pkt(p, 1000, IPPROTO_GRE, 0x3333, "10.99.0.5", "10.9.0.1");
	uint8_t f0[20 + 504], f1[20 + 476];
	memcpy(f0, p, 20);
	put_be16(f0 + 2, sizeof(f0));
	put_be16(f0 + 6, 0x2000);
	put_be16(f0 + 10, 0);
	put_be16(f0 + 10, csum(f0, 20));
	memcpy(f0 + 20, p + 20, 504);
	memcpy(f1, p, 20);
	put_be16(f1 + 2, sizeof(f1));
	put_be16(f1 + 6, 63);
	put_be16(f1 + 10, 0);
	put_be16(f1 + 10, csum(f1, 20));
	memcpy(f1 + 20, p + 524, 476);
	iov = (struct iovec){ f1, sizeof(f1) };   /* out of order */
	assert_int_equal(tun_writev(&env.a, 0, &iov, 1), (ssize_t)sizeof(f1));
	iov = (struct iovec){ f0, sizeof(f0) };
	assert_int_equal(tun_writev(&env.a, 0, &iov, 1), (ssize_t)sizeof(f0));
	r = (struct rawsock4_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(rx, &r, 1), 1);
	assert_int_equal(r.len, 1000);
	assert_int_equal(get_be16(rb + 2), 1000);    /* total length of the whole */
	assert_int_equal(get_be16(rb + 6) & 0x3fff, 0); /* no MF, offset 0 */
	assert_memory_equal(rb + 20, p + 20, 980);
	assert_int_equal(rawsock4_recv_batch(rx, &r, 1), -EAGAIN);

	close(rx);
	close(rx_lo);
	close(rx_bound);
	env_down(&env);
}

/* The ICMP socket: only the error types pass the filter (3, 4, 11, 12),
 * whole packets, header first. */
static void test_icmp_errors(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(lo_up(), 0);
	struct rawsock4_config ic = { .protocol = IPPROTO_ICMP, .rcvbuf = 1 << 16 };
	int rx = rawsock4_open(&ic);
	assert_true(rx >= 0);
	assert_true(fcntl(rx, F_GETFL) & O_NONBLOCK);
	struct rawsock4_config tc = { .protocol = IPPROTO_RAW };
	int tx = rawsock4_open(&tc);
	assert_true(tx >= 0);
	/* echo request (8), its reply (0), redirect (5), timestamp (13):
	 * filtered; destination unreachable (3), time exceeded (11) not */
	static const uint8_t types[] = { 8, 5, 3, 13, 11 };
	uint8_t pkt[sizeof(types)][20 + 8 + 28], rb[2048];
	for (size_t i = 0; i < sizeof(types); i++) {
		uint8_t *p = pkt[i];
		make_pkt(p, sizeof(pkt[i]), IPPROTO_ICMP, (uint16_t)(0x5500 + i), "127.0.0.1",
			 "127.0.0.1");
		uint8_t *m = p + 20;
		memset(m, 0, 8);
		m[0] = types[i];
		make_pkt(m + 8, 28, 4, 0x66, "127.0.0.1", "127.0.0.9");  /* the quote */
		put_be16(m + 2, csum(m, 8 + 28));
		struct rawsock4_pkt t = { .buf = p, .len = sizeof(pkt[i]) };
		assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	}
	struct rawsock4_pkt r = { .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(rx, &r, 1), 1);
	assert_int_equal(r.len, sizeof(pkt[2]));
	assert_memory_equal(rb, pkt[2], r.len);
	r = (struct rawsock4_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(recv_n(rx, &r, 1), 1);
	assert_memory_equal(rb, pkt[4], sizeof(pkt[4]));
	assert_int_equal(r.peer.sin_addr.s_addr, htonl(0x7f000001));
	r = (struct rawsock4_pkt){ .buf = rb, .size = sizeof(rb) };
	assert_int_equal(rawsock4_recv_batch(rx, &r, 1), -EAGAIN);   /* nothing else */
	close(rx);
	close(tx);
}

int main(void)
{
	log_init("test_os_rawsock4", false, LOG_WARNING);
	netns_enter("test_os_rawsock4");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_args),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_tun_mtu_device),
		cmocka_unit_test(test_tun_receive),
		cmocka_unit_test(test_icmp_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
