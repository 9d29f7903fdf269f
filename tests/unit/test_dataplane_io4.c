/* End-to-end tests of src/dataplane/engine_io4 with the real Mobile IPv4
 * engine (engine_mip.c): packets go through the kernel, the TUN, the
 * engine and the raw sockets.
 *
 * Runs as root in a private network namespace unshared by main(); skipped,
 * saying why, when not root or when unshare fails.
 *
 * Home agent (RFC 5944 4.2.3, RFC 3024 5.2), local 10.1.0.1:
 *
 *   UDP socket --(to 10.2.0.5, a home address)--> ha0 (io4's TUN, 10.2.0.1/24)
 *     --> engine --> IPPROTO_RAW --(to the care-of address 10.3.0.x)--> up0 --> test reads
 *   test writes reverse-tunnelled packets into up0 (10.3.0.x -> 10.1.0.1)
 *     --> raw sockets --> engine --> ha0 --> UDP socket at 10.2.0.1
 *   up0: TUN, 10.1.0.1/24, route 10.3.0.0/16
 *   test writes ICMPv4 errors from a "router" 10.3.0.254 into up0 (RFC 2003
 *     4) --> raw ICMP socket --> engine --> relayed into ha0 --> UDP socket
 *
 * Mobile node (co-located care-of address 10.3.0.7, home 10.2.0.5, home
 * agent 10.1.0.1), every raw socket bound to the uplink (SO_BINDTODEVICE):
 *
 *   UDP socket at 10.2.0.5 --(to 10.50.0.9)--> mn0 (io4's TUN) --> engine
 *     --> IPPROTO_RAW --(GRE, 10.3.0.7 -> 10.1.0.1)--> up1 --> test reads,
 *     although a more specific route to 10.1.0.0/25 points into mn0
 *   test writes GRE from 10.1.0.1 into up1 --> engine --> mn0 --> UDP socket
 *   up1: TUN, 10.3.0.7/24, route 10.1.0.0/24
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
#include "os/rawsock4.h"
#include "os/tun.h"

#define HA_LOCAL 0x0a010001u     /* 10.1.0.1 */
#define HOME     0x0a020005u     /* 10.2.0.5 */
#define HA_HOME  0x0a020001u     /* 10.2.0.1, the home agent on the home link */
#define COA1     0x0a030007u     /* 10.3.0.7 */
#define COA2     0x0a030008u     /* 10.3.0.8 */
#define CN       0x0a320009u     /* 10.50.0.9 */

static struct in_addr h4(uint32_t host)
{
	struct in_addr a = { .s_addr = htonl(host) };
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

static void sysctl_set(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(v, f);
	fclose(f);
}

static void link_cfg(struct nl *nl, int ifindex, uint32_t addr, uint8_t plen, uint32_t mtu)
{
	if (mtu)
		assert_int_equal(nl_link_set_mtu(nl, ifindex, mtu), 0);
	assert_int_equal(nl_link_set_up(nl, ifindex, true), 0);
	struct nl_addr a;
	nl_addr_set4(&a, h4(addr));
	assert_int_equal(nl_addr_add(nl, ifindex, &a, plen, 0), 0);
}

static void route_add(struct nl *nl, uint32_t dst, uint8_t plen, int oif)
{
	struct nl_route r = { .family = AF_INET, .dst_len = plen, .oif = oif };
	nl_addr_set4(&r.dst, h4(dst));
	assert_int_equal(nl_route_add(nl, &r), 0);
}

static void uplink_open(struct tun *t, const char *name)
{
	struct tun_config tc = { .name = name, .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(t, &tc), 0);
	assert_int_equal(tun_set_ipv6(t, false), 0);
}

/* Runs the event loop until fd is readable (the packet the test waits
 * for has come out) or cond is true; bounded. */
static void pump(struct event_base *base, int fd, const uint64_t *ctr, uint64_t want)
{
	for (int i = 0; i < 400; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (ctr && *ctr >= want)
			return;
		if (fd >= 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			if (poll(&pfd, 1, 0) == 1)
				return;
		}
		usleep(5000);
	}
}

/* The next IPv4 packet the kernel sends out of the uplink TUN, pumping
 * the loop meanwhile. */
static ssize_t up_read(struct event_base *base, const struct tun *t, uint8_t *buf, size_t size)
{
	for (int tries = 0; tries < 400; tries++) {
		ssize_t n = tun_read(t, 0, buf, size);
		if (n >= 20 && buf[0] >> 4 == 4)
			return n;
		if (n >= 0)
			continue;
		if (n != -EAGAIN)
			return n;
		pump(base, t->fd[0], NULL, 0);
	}
	return -ETIMEDOUT;
}

static void up_write(const struct tun *t, const uint8_t *p, size_t len)
{
	struct iovec iov = { (void *)p, len };
	assert_int_equal(tun_writev(t, 0, &iov, 1), (ssize_t)len);
}

/* An IPv4 header at p: total length len, protocol proto, no flags. */
static void ip4_hdr(uint8_t *p, size_t len, uint8_t proto, uint32_t src, uint32_t dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 4, 0x7777);
	p[8] = 64;
	p[9] = proto;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	put_be16(p + 10, csum(p, 20));
}

/* An inner UDP datagram (checksum 0: none, RFC 768) of n payload octets
 * 'a', 'b', ...; returns its length. */
static size_t udp4(uint8_t *p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		   size_t n)
{
	ip4_hdr(p, 28 + n, IPPROTO_UDP, src, dst);
	put_be16(p + 20, sport);
	put_be16(p + 22, dport);
	put_be16(p + 24, (uint16_t)(8 + n));
	put_be16(p + 26, 0);
	for (size_t i = 0; i < n; i++)
		p[28 + i] = (uint8_t)('a' + i % 26);
	return 28 + n;
}

static int udp_sock(uint32_t addr, uint16_t port, bool df)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	int v = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
	assert_int_equal(setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), 0);
	v = 1;
	assert_int_equal(setsockopt(s, IPPROTO_IP, IP_RECVERR, &v, sizeof(v)), 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = h4(addr),
				  .sin_port = htons(port) };
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return s;
}

static void udp_send(int s, uint32_t dst, uint16_t port, size_t n)
{
	static uint8_t b[65536];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)('a' + i % 26);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = h4(dst),
				  .sin_port = htons(port) };
	assert_int_equal(sendto(s, b, n, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)n);
}

static void check_payload(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)('a' + i % 26))
			fail_msg("payload octet %zu is %u", i, p[i]);
}

/* An inner IPv4/UDP packet as the kernel sent it into the TUN. */
static void check_inner_udp(const uint8_t *in, size_t len, uint32_t src, uint32_t dst,
			    uint16_t dport, size_t n)
{
	assert_int_equal(len, 28 + n);
	assert_int_equal(in[0], 0x45);
	assert_int_equal(get_be16(in + 2), 28 + n);
	assert_int_equal(in[9], IPPROTO_UDP);
	assert_int_equal(get_be32(in + 12), src);
	assert_int_equal(get_be32(in + 16), dst);
	assert_int_equal(csum(in, 20), 0);
	assert_int_equal(get_be16(in + 22), dport);
	check_payload(in + 28, n);
}

/* The outer header of a tunnel packet leaving the home agent or node. */
static void check_outer(const uint8_t *p, size_t len, uint8_t proto, uint32_t src, uint32_t dst)
{
	assert_int_equal(p[0], 0x45);
	assert_int_equal(get_be16(p + 2), len);
	assert_int_equal(p[8], 64);             /* RFC 2003 3.1 */
	assert_int_equal(p[9], proto);
	assert_int_equal(get_be32(p + 12), src);
	assert_int_equal(get_be32(p + 16), dst);
	assert_int_equal(csum(p, 20), 0);
}

struct ha_env {
	struct dp_engine e;
	struct event_base *base;
	struct dp_io4 *io;
	struct tun up;
	struct nl nl;
	int ha0;
};

/* Every scenario in a namespace of its own: what a failed one left
 * behind stays in its old namespace. */
static void fresh_netns(void)
{
	assert_int_equal(unshare(CLONE_NEWNET), 0);
}

static void ha_env_up(struct ha_env *h)
{
	fresh_netns();
	sysctl_set("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	assert_int_equal(nl_open(&h->nl), 0);
	assert_int_equal(nl_link_set_up(&h->nl, 1, true), 0);
	uplink_open(&h->up, "up0");
	link_cfg(&h->nl, h->up.ifindex, HA_LOCAL, 24, 0);
	route_add(&h->nl, 0x0a030000, 16, h->up.ifindex);

	assert_int_equal(dp_init(&h->e, DP_ROLE_MIP_HA, 16), 0);
	h->e.mip.local = HA_LOCAL;
	h->base = event_base_new();
	assert_non_null(h->base);
	struct dp_io4_config c = { .tun_name = "ha0", .tun_ipv4_only = true, .has_bind = true,
				   .bind_addr = HA_LOCAL };
	assert_int_equal(dp_io4_open(&h->e, h->base, &c, &h->io), 0);
	h->ha0 = dp_io4_tun(h->io)->ifindex;
	assert_string_equal(dp_io4_tun(h->io)->name, "ha0");
	link_cfg(&h->nl, h->ha0, HA_HOME, 24, 65000); /* no fragmenting before the engine */
	/* the engine's ICMP errors come from our own address (10.1.0.1):
	 * without accept_local the kernel drops them as martians */
	sysctl_set("/proc/sys/net/ipv4/conf/ha0/accept_local", "1");
}

static void ha_env_down(struct ha_env *h)
{
	dp_io4_close(h->io);
	event_base_free(h->base);
	dp_free(&h->e);
	tun_close(&h->up);
	nl_close(&h->nl);
}

static void test_open_refused(void **state)
{
	(void)state;
	struct dp_engine e;
	assert_int_equal(dp_init(&e, DP_ROLE_DSTM_TEP, 4), 0);
	struct dp_io4 *io = NULL;
	struct dp_io4_config c = { .tun_name = "x0" };
	assert_int_equal(dp_io4_open(&e, NULL, &c, &io), -EINVAL);
	assert_null(io);
	dp_free(&e);
	dp_io4_close(NULL);
}

/* RFC 5944 4.2.3: a packet for a home address goes to its care-of address
 * in IP in IP (RFC 2003 3.1), and a DF-clear one above the link MTU once
 * encapsulated leaves in fragments (RFC 791). */
static void test_ha_sec_4_2_3_ipip(void **state)
{
	(void)state;
	NEED_NETNS();
	struct ha_env h;
	ha_env_up(&h);
	struct dp_mip_bind b = { .home = HOME, .coa = COA1, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&h.e, &b), 0);
	int s = udp_sock(HA_HOME, 4000, false);
	static uint8_t buf[70000];

	udp_send(s, HOME, 9999, 100);
	ssize_t n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 28 + 100);
	check_outer(buf, (size_t)n, IPPROTO_IPIP, HA_LOCAL, COA1);
	assert_int_equal(get_be16(buf + 6), 0);  /* DF copied (clear), no fragment */
	check_inner_udp(buf + 20, (size_t)n - 20, HA_HOME, HOME, 9999, 100);

	/* 1500 inside, 1520 outside: two fragments at the 1500 link MTU */
	udp_send(s, HOME, 9999, 1472);
	static uint8_t whole[1520];
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 1500);
	check_outer(buf, 1500, IPPROTO_IPIP, HA_LOCAL, COA1);
	uint16_t id = get_be16(buf + 4);
	assert_int_equal(get_be16(buf + 6), 0x2000);          /* MF, offset 0 */
	memcpy(whole, buf, 1500);
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 40);
	check_outer(buf, 40, IPPROTO_IPIP, HA_LOCAL, COA1);
	assert_int_equal(get_be16(buf + 4), id);
	assert_int_equal(get_be16(buf + 6), 1480 / 8);        /* last, offset 185 */
	memcpy(whole + 1500, buf + 20, 20);
	check_inner_udp(whole + 20, 1500, HA_HOME, HOME, 9999, 1472);

	struct dp_io4_stats st;
	dp_io4_get_stats(h.io, &st);
	assert_int_equal(st.tun_reads, 2);
	assert_int_equal(st.frag_packets, 1);
	assert_int_equal(st.frag_out, 2);
	assert_int_equal(st.tx_packets, 3);
	assert_int_equal(st.tx_errors, 0);
	assert_int_equal(h.e.st.tx_tunnel, 2);

	/* A tiny link MTU: 25000 octets in 100-octet fragments (313, more
	 * than the transmit queue: sent on their own), put back together. */
	h.e.mip.link_mtu = 100;
	udp_send(s, HOME, 9999, 25000 - 28);
	static uint8_t big[25000];
	unsigned got = 0;
	size_t at = 0;
	for (;;) {
		n = up_read(h.base, &h.up, buf, sizeof(buf));
		assert_true(n > 20 && n <= 100);
		check_outer(buf, (size_t)n, IPPROTO_IPIP, HA_LOCAL, COA1);
		uint16_t fo = get_be16(buf + 6);
		assert_int_equal((size_t)(fo & 0x1fff) * 8, at);
		assert_true(at + (size_t)n - 20 <= sizeof(big));
		memcpy(big + at, buf + 20, (size_t)n - 20);
		at += (size_t)n - 20;
		got++;
		if (!(fo & 0x2000))
			break;
	}
	assert_int_equal(got, 313);
	assert_int_equal(at, 25000);
	check_inner_udp(big, 25000, HA_HOME, HOME, 9999, 25000 - 28);
	dp_io4_get_stats(h.io, &st);
	assert_int_equal(st.frag_packets, 2);
	assert_int_equal(st.frag_out, 2 + 313);
	h.e.mip.link_mtu = 1500;

	/* DF set: ICMPv4 fragmentation needed back through the TUN, with
	 * the room left inside the tunnel (RFC 2003 4: 1500 - 20).  (Last:
	 * the kernel then keeps a path MTU of 1480 for the home address.) */
	int sdf = udp_sock(HA_HOME, 4001, true);
	udp_send(sdf, HOME, 9999, 1472);
	struct pollfd pfd = { .fd = sdf, .events = 0 };
	for (int i = 0; i < 400 && poll(&pfd, 1, 0) != 1; i++) {
		pump(h.base, -1, &h.e.st.icmp4_sent, 1);
		usleep(1000);
	}
	assert_int_equal(h.e.st.drop_too_big, 1);
	assert_int_equal(h.e.st.icmp4_sent, 1);
	uint8_t eb[2048];
	union {
		struct cmsghdr align;
		uint8_t b[512];
	} cm;
	struct iovec iov = { eb, sizeof(eb) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = sizeof(cm.b) };
	assert_true(recvmsg(sdf, &mh, MSG_ERRQUEUE) >= 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, IP_RECVERR);
	struct sock_extended_err ee;
	memcpy(&ee, CMSG_DATA(c), sizeof(ee));
	assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	assert_int_equal(ee.ee_type, 3);
	assert_int_equal(ee.ee_code, 4);
	assert_int_equal(ee.ee_info, 1480);
	assert_int_equal(ee.ee_errno, EMSGSIZE);
	close(sdf);

	close(s);
	ha_env_down(&h);
}

/* RFC 5944 4.2.3: with simultaneous bindings every care-of address gets a
 * copy, each in its own encapsulation (here GRE, RFC 2784, for the newest
 * and IP in IP for the other); the copies go in the same batch. */
static void test_ha_sec_4_2_3_simultaneous(void **state)
{
	(void)state;
	NEED_NETNS();
	struct ha_env h;
	ha_env_up(&h);
	struct dp_mip_bind b = { .home = HOME, .coa = COA1, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&h.e, &b), 0);
	b = (struct dp_mip_bind){ .home = HOME, .coa = COA2, .encap = ENCAP4_GRE,
				  .simultaneous = true };
	assert_int_equal(dp_mip_ha_bind(&h.e, &b), 0);
	int s = udp_sock(HA_HOME, 4000, false);
	static uint8_t buf[4096];

	udp_send(s, HOME, 9999, 100);
	ssize_t n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 4 + 128);
	check_outer(buf, (size_t)n, IPPROTO_GRE, HA_LOCAL, COA2);
	assert_int_equal(get_be16(buf + 20), 0x0000);          /* no flags, version 0 */
	assert_int_equal(get_be16(buf + 22), 0x0800);          /* IPv4 */
	check_inner_udp(buf + 24, 128, HA_HOME, HOME, 9999, 100);
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 128);
	check_outer(buf, (size_t)n, IPPROTO_IPIP, HA_LOCAL, COA1);
	check_inner_udp(buf + 20, 128, HA_HOME, HOME, 9999, 100);

	/* both need fragments: 1500 inside, GRE 1524 and IP in IP 1520 */
	udp_send(s, HOME, 9999, 1472);
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 1500);
	check_outer(buf, 1500, IPPROTO_GRE, HA_LOCAL, COA2);
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 44);
	check_outer(buf, 44, IPPROTO_GRE, HA_LOCAL, COA2);
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 1500);
	check_outer(buf, 1500, IPPROTO_IPIP, HA_LOCAL, COA1);
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 40);
	check_outer(buf, 40, IPPROTO_IPIP, HA_LOCAL, COA1);

	struct dp_io4_stats st;
	dp_io4_get_stats(h.io, &st);
	assert_int_equal(st.copies, 2);
	assert_int_equal(st.frag_packets, 2);
	assert_int_equal(st.frag_out, 4);
	assert_int_equal(st.tx_packets, 6);
	assert_int_equal(h.e.st.tx_copies, 2);
	assert_int_equal(tun_read(&h.up, 0, buf, sizeof(buf)), -EAGAIN);
	close(s);
	ha_env_down(&h);
}

/* RFC 3024 5.2: a reverse-tunnelled packet from the registered care-of
 * address is decapsulated into the home network; one from elsewhere is
 * dropped (a security exception), and so is one not addressed to us. */
static void test_ha_rfc3024_sec_5_2(void **state)
{
	(void)state;
	NEED_NETNS();
	struct ha_env h;
	ha_env_up(&h);
	struct dp_mip_bind b = { .home = HOME, .coa = COA1, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&h.e, &b), 0);
	int r = udp_sock(HA_HOME, 7777, false);
	static uint8_t p[2048], rb[2048];

	/* IP in IP */
	size_t il = udp4(p + 20, HOME, 5555, HA_HOME, 7777, 50);
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, COA1, HA_LOCAL);
	up_write(&h.up, p, 20 + il);
	pump(h.base, r, NULL, 0);
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	assert_int_equal(recvfrom(r, rb, sizeof(rb), 0, (struct sockaddr *)&from, &fl), 50);
	check_payload(rb, 50);
	assert_int_equal(ntohl(from.sin_addr.s_addr), HOME);
	assert_int_equal(ntohs(from.sin_port), 5555);

	/* GRE (RFC 2784) */
	il = udp4(p + 24, HOME, 5556, HA_HOME, 7777, 60);
	ip4_hdr(p, 24 + il, IPPROTO_GRE, COA1, HA_LOCAL);
	put_be16(p + 20, 0);
	put_be16(p + 22, 0x0800);
	up_write(&h.up, p, 24 + il);
	pump(h.base, r, NULL, 0);
	assert_int_equal(recvfrom(r, rb, sizeof(rb), 0, (struct sockaddr *)&from, &fl), 60);
	check_payload(rb, 60);
	assert_int_equal(ntohs(from.sin_port), 5556);

	/* minimal encapsulation (RFC 2004 3.1): the forwarding header keeps
	 * the original destination (and source, S bit) */
	uint8_t *m = p;
	il = udp4(p + 32, HOME, 5557, HA_HOME, 7777, 70);  /* the original */
	ip4_hdr(m, 12 + il, 55, COA1, HA_LOCAL);
	m[20] = IPPROTO_UDP;                                /* protocol */
	m[21] = 0x80;                                       /* S: source present */
	put_be16(m + 22, 0);
	put_be32(m + 24, HA_HOME);                          /* original destination */
	put_be32(m + 28, HOME);                             /* original source */
	put_be16(m + 22, csum(m + 20, 12));
	memmove(m + 32, p + 52, il - 20);                   /* drop the inner header */
	up_write(&h.up, m, 12 + il);
	pump(h.base, r, NULL, 0);
	assert_int_equal(recvfrom(r, rb, sizeof(rb), 0, (struct sockaddr *)&from, &fl), 70);
	check_payload(rb, 70);
	assert_int_equal(ntohl(from.sin_addr.s_addr), HOME);

	/* from an unregistered care-of address: dropped, counted */
	il = udp4(p + 20, HOME, 5555, HA_HOME, 7777, 50);
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, COA2, HA_LOCAL);
	up_write(&h.up, p, 20 + il);
	pump(h.base, -1, &h.e.st.drop_revtun_bad_outer, 1);
	assert_int_equal(h.e.st.drop_revtun_bad_outer, 1);
	/* an inner source that is no home address */
	udp4(p + 20, 0x0a020063, 5555, HA_HOME, 7777, 50);
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, COA1, HA_LOCAL);
	up_write(&h.up, p, 20 + il);
	pump(h.base, -1, &h.e.st.drop_not_registered, 1);
	assert_int_equal(h.e.st.drop_not_registered, 1);
	assert_int_equal(recv(r, rb, sizeof(rb), MSG_DONTWAIT), -1);

	struct dp_io4_stats st;
	dp_io4_get_stats(h.io, &st);
	assert_int_equal(st.tunnel_reads[0], 3);   /* protocol 4 */
	assert_int_equal(st.tunnel_reads[1], 0);   /* 41 */
	assert_int_equal(st.tunnel_reads[2], 1);   /* 47 */
	assert_int_equal(st.tunnel_reads[3], 1);   /* 55 */
	assert_int_equal(st.tun_writes, 3);
	assert_int_equal(h.e.st.rx_tunnel, 5);
	assert_int_equal(h.e.st.tx_tun, 3);
	close(r);
	ha_env_down(&h);
}

struct mn_env {
	struct dp_engine e;
	struct event_base *base;
	struct dp_io4 *io;
	struct tun up;
	struct nl nl;
	int mn0;
	int errs;
	uint32_t err_dst;
	int err;
};

static void mn_tunnel_error(void *ctx, uint32_t dst, int err)
{
	struct mn_env *m = ctx;
	m->errs++;
	m->err_dst = dst;
	m->err = err;
}

/* RFC 3024 5.2 from the node's side, RFC 5944 3.1 co-located care-of
 * address: the reverse tunnel leaves by the uplink whatever the routing
 * table says (SO_BINDTODEVICE), and what the home agent tunnels back
 * arrives at the home address. */
static void test_mn_reverse_tunnel(void **state)
{
	(void)state;
	NEED_NETNS();
	struct mn_env mn;
	memset(&mn, 0, sizeof(mn));
	fresh_netns();
	sysctl_set("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	assert_int_equal(nl_open(&mn.nl), 0);
	assert_int_equal(nl_link_set_up(&mn.nl, 1, true), 0);
	uplink_open(&mn.up, "up1");
	link_cfg(&mn.nl, mn.up.ifindex, COA1, 24, 0);
	route_add(&mn.nl, 0x0a010000, 24, mn.up.ifindex);

	assert_int_equal(dp_init(&mn.e, DP_ROLE_MIP_MN, 0), 0);
	struct dp_mip_mn reg = { .home = HOME, .ha = HA_LOCAL, .coa = COA1, .encap = ENCAP4_GRE };
	assert_int_equal(dp_mip_mn_set(&mn.e, &reg), 0);
	mn.base = event_base_new();
	struct dp_io4_config c = { .tun_name = "mn0", .tun_ipv4_only = true, .ifname = "up1",
				   .protocols = DP_IO4_PROTO_GRE | DP_IO4_PROTO_IPIP,
				   .tunnel_error = mn_tunnel_error, .ctx = &mn };
	assert_int_equal(dp_io4_open(&mn.e, mn.base, &c, &mn.io), 0);
	mn.mn0 = dp_io4_tun(mn.io)->ifindex;
	link_cfg(&mn.nl, mn.mn0, HOME, 32, 0);
	route_add(&mn.nl, 0x0a320000, 16, mn.mn0);
	route_add(&mn.nl, 0x0a010000, 25, mn.mn0);   /* would swallow the tunnel */

	int s = udp_sock(HOME, 6000, false);
	static uint8_t buf[4096], p[2048];
	udp_send(s, CN, 9999, 100);
	ssize_t n = up_read(mn.base, &mn.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 4 + 128);
	check_outer(buf, (size_t)n, IPPROTO_GRE, COA1, HA_LOCAL);
	assert_int_equal(get_be32(buf + 20), 0x00000800);
	check_inner_udp(buf + 24, 128, HOME, CN, 9999, 100);

	/* the home agent's answer, GRE from 10.1.0.1 to the care-of address */
	size_t il = udp4(p + 24, CN, 9999, HOME, 6000, 40);
	ip4_hdr(p, 24 + il, IPPROTO_GRE, HA_LOCAL, COA1);
	put_be32(p + 20, 0x00000800);
	up_write(&mn.up, p, 24 + il);
	pump(mn.base, s, NULL, 0);
	static uint8_t rb[256];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	assert_int_equal(recvfrom(s, rb, sizeof(rb), 0, (struct sockaddr *)&from, &fl), 40);
	check_payload(rb, 40);
	assert_int_equal(ntohl(from.sin_addr.s_addr), CN);
	/* not from the home agent: dropped */
	ip4_hdr(p, 24 + il, IPPROTO_GRE, 0x0a030063, COA1);
	up_write(&mn.up, p, 24 + il);
	pump(mn.base, -1, &mn.e.st.drop_not_from_ha, 1);
	assert_int_equal(mn.e.st.drop_not_from_ha, 1);

	/* Without the device the tunnel packet follows the /25 back into
	 * mn0, where the engine refuses it (its source is no home address). */
	assert_int_equal(dp_io4_set_device(mn.io, NULL), 0);
	udp_send(s, CN, 9999, 10);
	pump(mn.base, -1, &mn.e.st.drop_bad_source, 1);
	assert_int_equal(mn.e.st.drop_bad_source, 1);
	assert_int_equal(tun_read(&mn.up, 0, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(dp_io4_set_device(mn.io, "nosuch0"), -ENODEV);
	assert_int_equal(dp_io4_set_device(mn.io, "up1"), 0);

	/* the uplink goes down: the send fails and the daemon hears of it */
	assert_int_equal(nl_link_set_up(&mn.nl, mn.up.ifindex, false), 0);
	udp_send(s, CN, 9999, 10);
	struct dp_io4_stats st;
	for (int i = 0; i < 400; i++) {
		dp_io4_get_stats(mn.io, &st);
		if (st.tx_errors)
			break;
		pump(mn.base, -1, NULL, 0);
	}
	assert_int_equal(st.tx_errors, 1);
	assert_int_equal(mn.errs, 1);
	assert_int_equal(mn.err_dst, HA_LOCAL);
	assert_int_equal(mn.err, -ENETUNREACH);

	close(s);
	dp_io4_close(mn.io);
	event_base_free(mn.base);
	dp_free(&mn.e);
	tun_close(&mn.up);
	nl_close(&mn.nl);
}

/* dp_io4_send_frag on loopback: the kernel reassembles what it cut, the
 * raw socket of the protocol gets the whole packet back. */
static void test_send_frag(void **state)
{
	(void)state;
	NEED_NETNS();
	fresh_netns();
	struct nl nl;
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_set_up(&nl, 1, true), 0);
	nl_close(&nl);
	struct rawsock4_config c = { .protocol = IPPROTO_RAW };
	int tx = rawsock4_open(&c);
	c = (struct rawsock4_config){ .protocol = IPPROTO_IPIP, .rcvbuf = 4 << 20 };
	int rx = rawsock4_open(&c);
	assert_true(tx >= 0 && rx >= 0);
	static uint8_t p[20000], rb[65536];
	size_t il = udp4(p + 20, 0x7f000001, 1, 0x7f000001, 2, sizeof(p) - 48);
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, 0x7f000001, 0x7f000001);
	static const uint16_t mtus[] = { 0, 20000, 576, 68 };
	static const int counts[] = { 1, 1, 37, 417 };
	for (int i = 0; i < 4; i++) {
		enum ip_drop why;
		assert_int_equal(dp_io4_send_frag(tx, p, sizeof(p), mtus[i], 0, &why), counts[i]);
		struct rawsock4_pkt r = { .buf = rb, .size = sizeof(rb) };
		int got = 0;
		for (int t = 0; t < 400 && got == 0; t++) {
			got = rawsock4_recv_batch(rx, &r, 1);
			if (got == -EAGAIN) {
				got = 0;
				struct pollfd pfd = { .fd = rx, .events = POLLIN };
				poll(&pfd, 1, 10);
			}
		}
		assert_int_equal(got, 1);
		assert_int_equal(r.len, sizeof(p));
		assert_memory_equal(rb + 20, p + 20, sizeof(p) - 20);
	}
	/* DF set: refused, nothing sent */
	p[6] = 0x40;
	put_be16(p + 10, 0);
	put_be16(p + 10, csum(p, 20));
	enum ip_drop why = IP_DROP_NONE;
	assert_int_equal(dp_io4_send_frag(tx, p, sizeof(p), 1500, 0, &why), -EMSGSIZE);
	assert_int_equal(why, IP_DROP_DF_SET);
	assert_int_equal(dp_io4_send_frag(tx, p, 10, 0, 0, NULL), -EINVAL);
	close(tx);
	close(rx);
}

/* RFC 2003 4, 4.1: a router between the home agent and the care-of
 * address (10.3.0.254) answers a DF tunnel packet with fragmentation
 * needed, next-hop MTU 1300.  The home agent reads it on its raw ICMP
 * socket, lowers the tunnel MTU towards 10.3.0.7 and relays the error,
 * at 1300 - 20, to the sending socket; afterwards a DF-clear packet
 * leaves in fragments of at most 1300, a DF one is refused. */
static void test_ha_rfc2003_sec_4_icmp(void **state)
{
	(void)state;
	NEED_NETNS();
	struct ha_env h;
	ha_env_up(&h);
	struct dp_mip_bind b = { .home = HOME, .coa = COA1, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&h.e, &b), 0);
	static uint8_t buf[70000];

	int sdf = udp_sock(HA_HOME, 4002, true);
	udp_send(sdf, HOME, 9999, 1400);
	ssize_t n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 28 + 1400);
	check_outer(buf, (size_t)n, IPPROTO_IPIP, HA_LOCAL, COA1);
	assert_int_equal(get_be16(buf + 6), 0x4000);          /* DF copied */

	/* the router's error: 10.3.0.254 -> 10.1.0.1, ICMP 3/4, MTU 1300,
	 * quoting 548 octets of the tunnel packet (RFC 1812 4.3.2.3) */
	uint8_t icmp[20 + 8 + 548];
	ip4_hdr(icmp, sizeof(icmp), IPPROTO_ICMP, 0x0a0300fe, HA_LOCAL);
	uint8_t *m = icmp + 20;
	memset(m, 0, 8);
	m[0] = 3;
	m[1] = 4;
	put_be16(m + 6, 1300);
	memcpy(m + 8, buf, 548);
	put_be16(m + 2, csum(m, 8 + 548));
	up_write(&h.up, icmp, sizeof(icmp));

	/* relayed into ha0: the socket learns 1280 */
	struct pollfd pfd = { .fd = sdf, .events = 0 };
	for (int i = 0; i < 400 && poll(&pfd, 1, 0) != 1; i++) {
		pump(h.base, -1, &h.e.st.icmp_relayed, 1);
		usleep(1000);
	}
	assert_int_equal(h.e.st.icmp4_tunnel_in, 1);
	assert_int_equal(h.e.st.tunnel_mtu_lowered, 1);
	assert_int_equal(h.e.st.icmp_relayed, 1);
	uint8_t eb[2048];
	union {
		struct cmsghdr align;
		uint8_t b[512];
	} cm;
	struct iovec iov = { eb, sizeof(eb) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = sizeof(cm.b) };
	assert_true(recvmsg(sdf, &mh, MSG_ERRQUEUE) >= 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, IP_RECVERR);
	struct sock_extended_err ee;
	memcpy(&ee, CMSG_DATA(c), sizeof(ee));
	assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	assert_int_equal(ee.ee_type, 3);
	assert_int_equal(ee.ee_code, 4);
	assert_int_equal(ee.ee_info, 1280);
	assert_int_equal(ee.ee_errno, EMSGSIZE);
	struct dp_io4_stats st;
	dp_io4_get_stats(h.io, &st);
	assert_true(st.icmp_reads >= 1);
	close(sdf);

	/* later packets: to another home address at the same care-of
	 * address (the kernel keeps a path MTU of 1280 for 10.2.0.5 now and
	 * would cut them itself), through an IPPROTO_RAW socket into ha0 */
	struct dp_mip_bind b2 = { .home = HOME + 1, .coa = COA1, .encap = ENCAP4_IPIP };
	assert_int_equal(dp_mip_ha_bind(&h.e, &b2), 0);
	struct rawsock4_config rc = { .protocol = IPPROTO_RAW };
	int tx = rawsock4_open(&rc);
	assert_true(tx >= 0);
	uint8_t p[1400];
	udp4(p, HA_HOME, 4003, HOME + 1, 9999, sizeof(p) - 28);
	struct rawsock4_pkt t = { .buf = p, .len = sizeof(p) };
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 1300);                            /* first fragment */
	check_outer(buf, 1300, IPPROTO_IPIP, HA_LOCAL, COA1);
	assert_int_equal(get_be16(buf + 6), 0x2000);          /* MF */
	n = up_read(h.base, &h.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 1400 - 1280);
	assert_int_equal(get_be16(buf + 6), 1280 / 8);
	/* DF: refused, fragmentation needed 1280 back through ha0 */
	p[6] = 0x40;
	put_be16(p + 10, 0);
	put_be16(p + 10, csum(p, 20));
	uint64_t big = h.e.st.drop_too_big;
	assert_int_equal(rawsock4_send_batch(tx, &t, 1), 1);
	pump(h.base, -1, &h.e.st.drop_too_big, big + 1);
	assert_int_equal(h.e.st.drop_too_big, big + 1);
	close(tx);

	/* an error about someone else's packet: counted, nothing else */
	uint64_t not_ours = h.e.st.drop_icmp_not_ours;
	put_be32(m + 8 + 12, 0x0a0100fe);                     /* quoted source */
	put_be16(m + 8 + 10, 0);
	put_be16(m + 8 + 10, csum(m + 8, 20));
	put_be16(m + 2, 0);
	put_be16(m + 2, csum(m, 8 + 548));
	up_write(&h.up, icmp, sizeof(icmp));
	pump(h.base, -1, &h.e.st.drop_icmp_not_ours, not_ours + 1);
	assert_true(h.e.st.drop_icmp_not_ours >= not_ours + 1);
	assert_int_equal(h.e.st.icmp4_tunnel_in, 1);
	assert_int_equal(h.e.st.tunnel_mtu_lowered, 1);
	ha_env_down(&h);
}

/* RFC 2003 4.1 from the node's side: a router between the care-of address
 * and the home agent says fragmentation needed (MTU 1300) about the
 * reverse tunnel (GRE, 24 octets); the node's ICMP socket, bound to the
 * uplink like the others, reads it and the node's own socket learns
 * 1300 - 24. */
static void test_mn_rfc2003_sec_4_icmp(void **state)
{
	(void)state;
	NEED_NETNS();
	struct mn_env mn;
	memset(&mn, 0, sizeof(mn));
	fresh_netns();
	sysctl_set("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	assert_int_equal(nl_open(&mn.nl), 0);
	assert_int_equal(nl_link_set_up(&mn.nl, 1, true), 0);
	uplink_open(&mn.up, "up1");
	link_cfg(&mn.nl, mn.up.ifindex, COA1, 24, 0);
	route_add(&mn.nl, 0x0a010000, 24, mn.up.ifindex);
	assert_int_equal(dp_init(&mn.e, DP_ROLE_MIP_MN, 0), 0);
	struct dp_mip_mn reg = { .home = HOME, .ha = HA_LOCAL, .coa = COA1, .encap = ENCAP4_GRE };
	assert_int_equal(dp_mip_mn_set(&mn.e, &reg), 0);
	mn.base = event_base_new();
	struct dp_io4_config c = { .tun_name = "mn0", .tun_ipv4_only = true, .ifname = "up1",
				   .protocols = DP_IO4_PROTO_GRE };
	assert_int_equal(dp_io4_open(&mn.e, mn.base, &c, &mn.io), 0);
	mn.mn0 = dp_io4_tun(mn.io)->ifindex;
	link_cfg(&mn.nl, mn.mn0, HOME, 32, 0);
	route_add(&mn.nl, 0x0a320000, 16, mn.mn0);
	/* the relayed error comes from the care-of address, ours */
	sysctl_set("/proc/sys/net/ipv4/conf/mn0/accept_local", "1");

	int s = udp_sock(HOME, 6001, true);
	static uint8_t buf[4096];
	udp_send(s, CN, 9999, 1400);
	ssize_t n = up_read(mn.base, &mn.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 4 + 28 + 1400);
	check_outer(buf, (size_t)n, IPPROTO_GRE, COA1, HA_LOCAL);
	assert_int_equal(get_be16(buf + 6), 0x4000);

	uint8_t icmp[20 + 8 + 100];
	ip4_hdr(icmp, sizeof(icmp), IPPROTO_ICMP, 0x0a0300fe, COA1);
	uint8_t *m = icmp + 20;
	memset(m, 0, 8);
	m[0] = 3;
	m[1] = 4;
	put_be16(m + 6, 1300);
	memcpy(m + 8, buf, 100);
	put_be16(m + 2, csum(m, 8 + 100));
	up_write(&mn.up, icmp, sizeof(icmp));
	struct pollfd pfd = { .fd = s, .events = 0 };
	for (int i = 0; i < 400 && poll(&pfd, 1, 0) != 1; i++) {
		pump(mn.base, -1, &mn.e.st.icmp_relayed, 1);
		usleep(1000);
	}
	assert_int_equal(mn.e.st.icmp4_tunnel_in, 1);
	assert_int_equal(mn.e.st.tunnel_mtu_lowered, 1);
	assert_int_equal(mn.e.st.icmp_relayed, 1);
	uint8_t eb[2048];
	union {
		struct cmsghdr align;
		uint8_t b[512];
	} cm;
	struct iovec iov = { eb, sizeof(eb) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = sizeof(cm.b) };
	assert_true(recvmsg(s, &mh, MSG_ERRQUEUE) >= 0);
	struct cmsghdr *cmh = CMSG_FIRSTHDR(&mh);
	assert_non_null(cmh);
	struct sock_extended_err ee;
	memcpy(&ee, CMSG_DATA(cmh), sizeof(ee));
	assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	assert_int_equal(ee.ee_type, 3);
	assert_int_equal(ee.ee_code, 4);
	assert_int_equal(ee.ee_info, 1276);
	/* the socket sends again at the new size: it fits */
	udp_send(s, CN, 9999, 1276 - 28);
	n = up_read(mn.base, &mn.up, buf, sizeof(buf));
	assert_int_equal(n, 1300);
	check_outer(buf, 1300, IPPROTO_GRE, COA1, HA_LOCAL);
	assert_int_equal(get_be16(buf + 6), 0x4000);

	close(s);
	dp_io4_close(mn.io);
	event_base_free(mn.base);
	dp_free(&mn.e);
	tun_close(&mn.up);
	nl_close(&mn.nl);
}

int main(void)
{
	log_init("test_dataplane_io4", false, LOG_WARNING);
	netns_enter("test_dataplane_io4");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_ha_sec_4_2_3_ipip),
		cmocka_unit_test(test_ha_sec_4_2_3_simultaneous),
		cmocka_unit_test(test_ha_rfc3024_sec_5_2),
		cmocka_unit_test(test_mn_reverse_tunnel),
		cmocka_unit_test(test_send_frag),
		cmocka_unit_test(test_ha_rfc2003_sec_4_icmp),
		cmocka_unit_test(test_mn_rfc2003_sec_4_icmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
