/* End-to-end test of RFC 3519 UDP tunnelling at the home agent: the
 * engine (engine_mip.c) in the I/O loop of engine_io4.c, with a UDP
 * socket on port 434 standing in for the daemon's (dp_mip_udptun_in, then
 * dp_io4_act).  Runs as root in a private network namespace; skipped,
 * saying why, otherwise.
 *
 *   UDP socket 10.2.0.1:4000 --(to the home address 10.2.0.5)--> ha0 (io4's
 *     TUN, 10.2.0.1/24) --> engine --> IPPROTO_RAW --UDP 10.1.0.1:434 ->
 *     10.3.0.99:40001 (the NAT as seen)--> up0 --> test reads
 *   test writes tunnel data 10.3.0.99:40001 -> 10.1.0.1:434 into up0 -->
 *     UDP socket :434 --> dp_mip_udptun_in --> dp_io4_act --> ha0 -->
 *     UDP socket 10.2.0.1:4000;  a keepalive --> its echo reply out of up0
 *   up0: TUN, 10.1.0.1/24, route 10.3.0.0/16 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine.h"
#include "dataplane/engine_io4.h"
#include "dataplane/engine_mip.h"
#include "os/netlink.h"
#include "os/tun.h"
#include "wire/udptun.h"

#define HA      0x0a010001u     /* 10.1.0.1 */
#define HA_HOME 0x0a020001u     /* 10.2.0.1 */
#define HOME    0x0a020005u     /* 10.2.0.5 */
#define NAT     0x0a030063u     /* 10.3.0.99 */
#define NATPORT 40001

static struct in_addr h4(uint32_t host)
{
	struct in_addr a = { .s_addr = htonl(host) };
	return a;
}

static void sysctl_set(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(v, f);
	fclose(f);
}

static void link_cfg(struct nl *nl, int ifindex, uint32_t addr, uint8_t plen)
{
	assert_int_equal(nl_link_set_up(nl, ifindex, true), 0);
	struct nl_addr a;
	nl_addr_set4(&a, h4(addr));
	assert_int_equal(nl_addr_add(nl, ifindex, &a, plen, 0), 0);
}

static void pump(struct event_base *base, int fd)
{
	for (int i = 0; i < 400; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 0) == 1)
			return;
		usleep(5000);
	}
}

static ssize_t tun_next(struct event_base *base, const struct tun *t, uint8_t *buf, size_t size)
{
	for (int tries = 0; tries < 400; tries++) {
		ssize_t n = tun_read(t, 0, buf, size);
		if (n >= 20 && buf[0] >> 4 == 4)
			return n;
		if (n >= 0)
			continue;
		if (n != -EAGAIN)
			return n;
		pump(base, t->fd[0]);
	}
	return -ETIMEDOUT;
}

static int udp_sock(uint32_t addr, uint16_t port)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = h4(addr),
				  .sin_port = htons(port) };
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return s;
}

/* What the daemon does with a datagram on port 434. */
static void daemon_read(struct dp_engine *e, struct dp_io4 *io, struct event_base *base, int s)
{
	static uint8_t b[65536];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	pump(base, s);
	ssize_t n = recvfrom(s, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
	assert_true(n > 0);
	struct dp_out o;
	dp_mip_udptun_in(e, b, (size_t)n, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port), HA,
			 &o);
	dp_io4_act(io, &o);
}

static void test_ha_udp(void **state)
{
	(void)state;
	NEED_NETNS();
	struct dp_engine e;
	struct event_base *base;
	struct dp_io4 *io;
	struct tun up;
	struct nl nl;
	static uint8_t buf[4096], p[2048];

	sysctl_set("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_set_up(&nl, 1, true), 0);
	struct tun_config tc = { .name = "up0", .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(&up, &tc), 0);
	assert_int_equal(tun_set_ipv6(&up, false), 0);
	link_cfg(&nl, up.ifindex, HA, 24);
	struct nl_route r = { .family = AF_INET, .dst_len = 16, .oif = up.ifindex };
	nl_addr_set4(&r.dst, h4(0x0a030000));
	assert_int_equal(nl_route_add(&nl, &r), 0);

	assert_int_equal(dp_init(&e, DP_ROLE_MIP_HA, 16), 0);
	e.mip.local = HA;
	struct dp_mip_bind b = { .home = HOME, .coa = NAT, .encap = ENCAP4_IPIP,
				 .udp_port = NATPORT };
	assert_int_equal(dp_mip_ha_bind(&e, &b), 0);
	base = event_base_new();
	struct dp_io4_config c = { .tun_name = "ha0", .tun_ipv4_only = true };
	assert_int_equal(dp_io4_open(&e, base, &c, &io), 0);
	link_cfg(&nl, dp_io4_tun(io)->ifindex, HA_HOME, 24);
	int s434 = udp_sock(HA, 434), app = udp_sock(HA_HOME, 4000);

	/* out: UDP 434 -> the NAT's port, next header 4 */
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = h4(HOME),
				  .sin_port = htons(9999) };
	assert_int_equal(sendto(app, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	ssize_t n = tun_next(base, &up, buf, sizeof(buf));
	assert_int_equal(n, 32 + 28 + 5);
	struct udptun_view v;
	assert_int_equal(udptun_decap(buf, (size_t)n, &v, NULL), 0);
	assert_int_equal(v.outer.src, HA);
	assert_int_equal(v.outer.dst, NAT);
	assert_int_equal(v.sport, 434);
	assert_int_equal(v.dport, NATPORT);
	assert_int_equal(v.next_hdr, 4);
	assert_int_not_equal(v.udp_csum, 0);
	assert_memory_equal(v.inner + 28, "hello", 5);

	/* in: tunnel data from the NAT's port, through the daemon's socket */
	uint8_t *ip = p, *u = p + 20, *in = p + 32;
	memset(p, 0, 32);
	in[0] = 0x45;
	put_be16(in + 2, 28 + 3);
	in[8] = 64;
	in[9] = IPPROTO_UDP;
	put_be32(in + 12, HOME);
	put_be32(in + 16, HA_HOME);
	put_be16(in + 10, 0);
	put_be16(in + 10, ip_csum(in, 20));
	put_be16(in + 20, 9999);
	put_be16(in + 22, 4000);
	put_be16(in + 24, 8 + 3);
	memcpy(in + 28, "abc", 3);
	u[8] = 4;                    /* tunnel data, next header 4 */
	u[9] = 4;
	put_be16(u, NATPORT);
	put_be16(u + 2, 434);
	put_be16(u + 4, 8 + 4 + 31);
	ip[0] = 0x45;
	put_be16(ip + 2, 20 + 8 + 4 + 31);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	put_be32(ip + 12, NAT);
	put_be32(ip + 16, HA);
	put_be16(ip + 10, ip_csum(ip, 20));
	struct iovec iov = { p, 63 };
	assert_int_equal(tun_writev(&up, 0, &iov, 1), 63);
	daemon_read(&e, io, base, s434);
	assert_int_equal(e.st.udptun_in, 1);
	pump(base, app);
	char rb[16];
	assert_int_equal(recv(app, rb, sizeof(rb), 0), 3);
	assert_memory_equal(rb, "abc", 3);

	/* a keepalive: its reply goes straight out */
	struct udptun_keepalive k = { .type = UDPTUN_ECHO_REQUEST, .src = htonl(HOME),
				      .dst = htonl(HA), .id = 9, .seq = 1 };
	int kl = udptun_keepalive_build(&k, 1, p + UDPTUN_HEADROOM, sizeof(p) - UDPTUN_HEADROOM);
	assert_true(kl > 0);
	struct udptun_tunnel t = { .src = htonl(NAT), .dst = htonl(HA), .sport = NATPORT,
				   .dport = 434, .ttl = 64, .id = 5, .udp_csum = true };
	uint8_t *kp;
	int tl = udptun_encap(&t, p + UDPTUN_HEADROOM, (size_t)kl, UDPTUN_HEADROOM, &kp);
	assert_true(tl > 0);
	iov = (struct iovec){ kp, (size_t)tl };
	assert_int_equal(tun_writev(&up, 0, &iov, 1), tl);
	daemon_read(&e, io, base, s434);
	n = tun_next(base, &up, buf, sizeof(buf));
	assert_int_equal(n, 32 + 28);
	assert_int_equal(udptun_decap(buf, (size_t)n, &v, NULL), 0);
	assert_int_equal(v.dport, NATPORT);
	struct udptun_keepalive rk;
	assert_int_equal(udptun_keepalive_parse(&v, &rk, NULL), 0);
	assert_int_equal(rk.type, UDPTUN_ECHO_REPLY);
	assert_int_equal(ntohl(rk.src), HA);
	assert_int_equal(ntohl(rk.dst), HOME);
	assert_int_equal(rk.id, 9);
	assert_int_equal(e.st.udptun_keepalive_out, 1);

	close(s434);
	close(app);
	dp_io4_close(io);
	event_base_free(base);
	dp_free(&e);
	tun_close(&up);
	nl_close(&nl);
}

int main(void)
{
	log_init("test_dataplane_mip_udptun_io4", false, LOG_WARNING);
	netns_enter("test_dataplane_mip_udptun_io4");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ha_udp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
