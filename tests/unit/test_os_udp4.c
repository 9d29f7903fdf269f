/* Unit tests for src/os/udp4: the UDP/IPv4 sockets of Mobile IPv4
 * registration (RFC 5944 3.3, port 434).
 *
 * Runs as root in a private network namespace unshared by main(); skipped,
 * saying why, when not root or when unshare fails.
 *
 *   loopback:  mn (127.0.0.1:any) <--> ha (127.0.0.1:434)
 *
 *   home link: udp sockets --> homelink0 (TUN, 10.7.0.1/24) --> test reads
 *              the wire; test writes datagrams from 10.7.0.9 into it
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
#include "os/tun.h"
#include "os/udp4.h"

static struct in_addr in4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct sockaddr_in sa4(const char *s, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = in4(s),
				  .sin_port = htons(port) };
	return sa;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get_be16(p + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
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

static unsigned recv_n(int fd, struct udp4_msg *m, unsigned want)
{
	unsigned got = 0;
	while (got < want) {
		int r = udp4_recv_batch(fd, m + got, want - got);
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

/* A Registration Request's first octets (RFC 5944 3.3: type 1, flags,
 * lifetime), enough to tell datagrams apart. */
static const uint8_t rrq[8] = { 0x01, 0x00, 0x00, 0xb4, 10, 7, 0, 20 };

static void test_args(void **state)
{
	(void)state;
	struct udp4_config c = { .ifname = "0123456789abcdef" };
	assert_int_equal(udp4_open(&c), -EINVAL);
	struct udp4_msg m = { 0 };
	assert_int_equal(udp4_recv_batch(0, &m, 0), -EINVAL);
	assert_int_equal(udp4_send_batch(0, &m, 0), -EINVAL);
}

static void test_loopback(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(lo_up(), 0);
	struct udp4_config hc = { .addr = in4("127.0.0.1"), .port = UDP4_PORT_MIP,
				  .rcvbuf = 1 << 20 };
	int ha = udp4_open(&hc);
	assert_true(ha >= 0);
	assert_int_equal(udp4_open(&hc), -EADDRINUSE);
	struct udp4_config bad = { .addr = in4("192.0.2.1"), .port = UDP4_PORT_MIP };
	assert_int_equal(udp4_open(&bad), -EADDRNOTAVAIL);
	bad = (struct udp4_config){ .ifname = "nosuch0" };
	assert_int_equal(udp4_open(&bad), -ENODEV);
	struct udp4_config mc = { .addr = in4("127.0.0.1") };
	int mn = udp4_open(&mc);
	assert_true(mn >= 0);
	assert_true(fcntl(mn, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(mn, F_GETFD) & FD_CLOEXEC);
	struct sockaddr_in me;
	assert_int_equal(udp4_local(mn, &me), 0);
	assert_int_not_equal(me.sin_port, 0);
	assert_int_equal(me.sin_addr.s_addr, in4("127.0.0.1").s_addr);

	/* the default TTL, then TTL 1 for one datagram (RFC 5944 C.3) */
	uint8_t b[256];
	struct udp4_msg t = { .buf = (uint8_t *)rrq, .len = sizeof(rrq),
			      .peer = sa4("127.0.0.1", UDP4_PORT_MIP) };
	assert_int_equal(udp4_send(mn, &t), (int)sizeof(rrq));
	t.ttl = 1;
	assert_int_equal(udp4_send(mn, &t), (int)sizeof(rrq));
	struct udp4_msg r[2] = { { .buf = b, .size = 128 }, { .buf = b + 128, .size = 128 } };
	assert_int_equal(recv_n(ha, r, 2), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r[i].len, sizeof(rrq));
		assert_memory_equal(r[i].buf, rrq, sizeof(rrq));
		assert_false(r[i].truncated);
		assert_int_equal(r[i].peer.sin_family, AF_INET);
		assert_int_equal(r[i].peer.sin_port, me.sin_port);
		assert_int_equal(r[i].peer.sin_addr.s_addr, in4("127.0.0.1").s_addr);
		assert_int_equal(r[i].local.s_addr, in4("127.0.0.1").s_addr);
		assert_int_equal(r[i].spec_dst.s_addr, in4("127.0.0.1").s_addr);
		assert_int_equal(r[i].ifindex, 1);
	}
	assert_int_equal(r[0].ttl, 64);
	assert_int_equal(r[1].ttl, 1);

	/* the source chosen per datagram (IP_PKTINFO) on an unbound socket */
	struct udp4_config ac = { .port = 0 };
	int any = udp4_open(&ac);
	assert_true(any >= 0);
	t = (struct udp4_msg){ .buf = (uint8_t *)rrq, .len = sizeof(rrq),
			       .peer = sa4("127.0.0.1", UDP4_PORT_MIP),
			       .local = in4("127.0.0.5"), .ttl = 255 };
	assert_int_equal(udp4_send(any, &t), (int)sizeof(rrq));
	r[0] = (struct udp4_msg){ .buf = b, .size = sizeof(b) };
	assert_int_equal(recv_n(ha, r, 1), 1);
	assert_int_equal(r[0].peer.sin_addr.s_addr, in4("127.0.0.5").s_addr);
	assert_int_equal(r[0].ttl, 255);

	/* truncation; a TTL out of range; a batch with a bad one inside */
	r[0] = (struct udp4_msg){ .buf = b, .size = 3 };
	t.local.s_addr = 0;
	t.ttl = 0;
	assert_int_equal(udp4_send(any, &t), (int)sizeof(rrq));
	assert_int_equal(recv_n(ha, r, 1), 1);
	assert_int_equal(r[0].len, 3);
	assert_true(r[0].truncated);
	t.ttl = 256;
	assert_int_equal(udp4_send(any, &t), -EINVAL);
	t.ttl = -1;
	assert_int_equal(udp4_send(any, &t), -EINVAL);
	struct udp4_msg two[2] = { t, t };
	two[0].ttl = 2;
	assert_int_equal(udp4_send_batch(any, two, 2), 1);
	r[0] = (struct udp4_msg){ .buf = b, .size = sizeof(b) };
	assert_int_equal(recv_n(ha, r, 1), 1);
	assert_int_equal(r[0].ttl, 2);
	assert_int_equal(udp4_recv_batch(ha, r, 1), -EAGAIN);
	close(ha);
	close(mn);
	close(any);
}

#define NBATCH 100

static void test_batch(void **state)
{
	(void)state;
	NEED_NETNS();
	assert_int_equal(lo_up(), 0);
	struct udp4_config c = { .addr = in4("127.0.0.1"), .port = 4340, .rcvbuf = 1 << 20 };
	int rx = udp4_open(&c);
	c.port = 0;
	int tx = udp4_open(&c);
	assert_true(rx >= 0 && tx >= 0);
	static uint8_t out[NBATCH][200], in[NBATCH][256];
	static struct udp4_msg t[NBATCH], r[NBATCH];
	for (unsigned i = 0; i < NBATCH; i++) {
		memset(out[i], (int)i, sizeof(out[i]));
		t[i] = (struct udp4_msg){ .buf = out[i], .len = 1 + i, .peer = sa4("127.0.0.1", 4340),
					  .ttl = (int)(i % 3) };
		r[i] = (struct udp4_msg){ .buf = in[i], .size = sizeof(in[i]) };
	}
	assert_int_equal(udp4_send_batch(tx, t, NBATCH), NBATCH);
	assert_int_equal(recv_n(rx, r, NBATCH), NBATCH);
	for (unsigned i = 0; i < NBATCH; i++) {
		assert_int_equal(r[i].len, 1 + i);
		assert_memory_equal(in[i], out[i], 1 + i);
		assert_int_equal(r[i].ttl, i % 3 ? (int)(i % 3) : 64);
	}
	close(rx);
	close(tx);
}

struct env {
	struct tun t;
	struct nl nl;
};

static void env_up(struct env *env)
{
	struct tun_config tc = { .name = "homelink0", .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(&env->t, &tc), 0);
	assert_int_equal(tun_set_ipv6(&env->t, false), 0);
	assert_int_equal(nl_open(&env->nl), 0);
	assert_int_equal(nl_link_set_up(&env->nl, env->t.ifindex, true), 0);
	struct nl_addr a;
	nl_addr_set4(&a, in4("10.7.0.1"));
	assert_int_equal(nl_addr_add(&env->nl, env->t.ifindex, &a, 24, 0), 0);
	assert_int_equal(lo_up(), 0);
}

static void env_down(struct env *env)
{
	nl_close(&env->nl);
	tun_close(&env->t);
}

/* The next UDP datagram the kernel sends out of the TUN. */
static ssize_t tun_read_udp(const struct tun *t, uint8_t *buf, size_t size)
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
		if (n >= 28 && buf[0] == 0x45 && buf[9] == IPPROTO_UDP)
			return n;
	}
	return -ETIMEDOUT;
}

/* Write a datagram from 10.7.0.9:434 to dst:434 into the TUN (no UDP
 * checksum: 0 is allowed over IPv4, RFC 768). */
static void tun_write_udp(const struct tun *t, const char *dst, uint8_t ttl)
{
	uint8_t p[28 + sizeof(rrq)];
	struct in_addr s = in4("10.7.0.9"), d = in4(dst);
	memset(p, 0, 28);
	p[0] = 0x45;
	put_be16(p + 2, sizeof(p));
	p[8] = ttl;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	put_be16(p + 10, csum(p, 20));
	put_be16(p + 20, UDP4_PORT_MIP);
	put_be16(p + 22, UDP4_PORT_MIP);
	put_be16(p + 24, 8 + sizeof(rrq));
	memcpy(p + 28, rrq, sizeof(rrq));
	struct iovec iov = { p, sizeof(p) };
	assert_int_equal(tun_writev(t, 0, &iov, 1), (ssize_t)sizeof(p));
}

/* RFC 5944 C.3: the deregistration from the home link leaves with TTL 1,
 * from the chosen source, out of the chosen interface; RFC 5944 3.8.2.1:
 * the home agent tells a request to the subnet broadcast address from one
 * to its own address. */
static void test_home_link(void **state)
{
	(void)state;
	NEED_NETNS();
	struct env env;
	env_up(&env);

	struct udp4_config c = { .port = UDP4_PORT_MIP, .reuseaddr = true };
	int mn = udp4_open(&c);
	assert_true(mn >= 0);
	uint8_t buf[256];
	struct udp4_msg t = { .buf = (uint8_t *)rrq, .len = sizeof(rrq),
			      .peer = sa4("10.7.0.254", UDP4_PORT_MIP), .local = in4("10.7.0.1"),
			      .ifindex = env.t.ifindex, .ttl = 1 };
	assert_int_equal(udp4_send(mn, &t), (int)sizeof(rrq));
	assert_int_equal(tun_read_udp(&env.t, buf, sizeof(buf)), 28 + sizeof(rrq));
	assert_int_equal(buf[8], 1);                          /* TTL */
	assert_int_equal(get_be32(buf + 12), 0x0a070001);     /* 10.7.0.1 */
	assert_int_equal(get_be32(buf + 16), 0x0a0700fe);     /* 10.7.0.254 */
	assert_int_equal(get_be16(buf + 20), UDP4_PORT_MIP);
	assert_int_equal(get_be16(buf + 22), UDP4_PORT_MIP);
	assert_memory_equal(buf + 28, rrq, sizeof(rrq));

	/* a broadcast needs SO_BROADCAST */
	t = (struct udp4_msg){ .buf = (uint8_t *)rrq, .len = sizeof(rrq),
			       .peer = sa4("10.7.0.255", UDP4_PORT_MIP) };
	assert_int_equal(udp4_send(mn, &t), -EACCES);
	struct udp4_config bc = { .port = 0, .broadcast = true };
	int bcast = udp4_open(&bc);
	assert_true(bcast >= 0);
	assert_int_equal(udp4_send(bcast, &t), (int)sizeof(rrq));
	assert_int_equal(tun_read_udp(&env.t, buf, sizeof(buf)), 28 + sizeof(rrq));
	assert_int_equal(get_be32(buf + 16), 0x0a0700ff);
	/* ... and the local copy tells the listener it was a broadcast */
	struct udp4_msg r = { .buf = buf, .size = sizeof(buf) };
	assert_int_equal(recv_n(mn, &r, 1), 1);
	assert_int_equal(r.local.s_addr, in4("10.7.0.255").s_addr);
	assert_int_equal(r.spec_dst.s_addr, in4("10.7.0.1").s_addr);

	/* Datagrams arriving on the home link: the interface and TTL are
	 * reported; a socket bound to another device sees nothing. */
	struct udp4_config lc = { .port = UDP4_PORT_MIP, .ifname = "lo", .reuseaddr = true };
	int on_lo = udp4_open(&lc);
	assert_true(on_lo >= 0);
	lc.ifname = "homelink0";
	int on_home = udp4_open(&lc);
	assert_true(on_home >= 0);
	tun_write_udp(&env.t, "10.7.0.1", 1);
	r = (struct udp4_msg){ .buf = buf, .size = sizeof(buf) };
	assert_int_equal(recv_n(on_home, &r, 1), 1);
	assert_int_equal(r.len, sizeof(rrq));
	assert_memory_equal(buf, rrq, sizeof(rrq));
	assert_int_equal(r.peer.sin_addr.s_addr, in4("10.7.0.9").s_addr);
	assert_int_equal(ntohs(r.peer.sin_port), UDP4_PORT_MIP);
	assert_int_equal(r.local.s_addr, in4("10.7.0.1").s_addr);
	assert_int_equal(r.ifindex, env.t.ifindex);
	assert_int_equal(r.ttl, 1);
	assert_int_equal(udp4_recv_batch(on_lo, &r, 1), -EAGAIN);
	close(mn);
	close(bcast);
	close(on_lo);
	close(on_home);
	env_down(&env);
}

int main(void)
{
	log_init("test_os_udp4", false, LOG_WARNING);
	netns_enter("test_os_udp4");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_home_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
