/* Unit tests for src/os/tun: TUN creation (named, kernel-named, multi-queue,
 * vnet header), persist off, and an ICMP echo round trip through the kernel.
 *
 * Runs as root in a private network namespace that main() unshares, so the
 * host's network is never touched and nothing needs cleaning up; every test
 * that needs it is skipped (with the reason) when not root or when unshare
 * fails.
 *
 *   test process                      kernel (private netns)
 *   write(fd, echo 10.0.0.2 -> .1) --> dti0 10.0.0.1/24 --> ICMP
 *   read(fd) <-- echo reply 10.0.0.1 -> 10.0.0.2 <-----------'
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/netlink.h"
#include "os/tun.h"


static short tun_ifflags(int fd)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
	return ifr.ifr_flags;
}

static void test_tun_bad_args(void **state)
{
	(void)state;
	struct tun t;
	struct tun_config c = { .name = "0123456789abcdef" }; /* 16 = IF_NAMESIZE */
	assert_int_equal(tun_open(&t, &c), -EINVAL);
	assert_int_equal(t.nfds, 0);
	c = (struct tun_config){ .name = "dti0", .queues = TUN_MAX_QUEUES + 1 };
	assert_int_equal(tun_open(&t, &c), -EINVAL);
	tun_close(&t); /* idempotent on a failed open */
}

static void test_tun_named(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t, t2;
	struct tun_config c = { .name = "dti0", .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(&t, &c), 0);
	assert_string_equal(t.name, "dti0");
	assert_int_equal(t.nfds, 1);
	assert_true(t.ifindex > 0);
	assert_int_equal(t.ifindex, (int)if_nametoindex("dti0"));
	assert_false(t.vnet_hdr);
	assert_false(t.multi_queue);
	assert_true(fcntl(t.fd[0], F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(t.fd[0], F_GETFD) & FD_CLOEXEC);
	short f = tun_ifflags(t.fd[0]);
	assert_int_equal(f & (IFF_TUN | IFF_TAP | IFF_NO_PI), IFF_TUN | IFF_NO_PI);
	assert_int_equal(f & (IFF_PERSIST | IFF_MULTI_QUEUE | IFF_VNET_HDR), 0);

	uint8_t buf[64];
	assert_int_equal(tun_read(&t, 0, buf, sizeof(buf)), -EAGAIN); /* down, empty */
	assert_int_equal(tun_read(&t, 1, buf, sizeof(buf)), -EINVAL);

	/* A single-queue device is exclusive. */
	assert_int_equal(tun_open(&t2, &c), -EBUSY);
	assert_int_equal(t2.nfds, 0);

	/* Persist off: the device goes with its last fd. */
	tun_close(&t);
	assert_int_equal(t.nfds, 0);
	assert_int_equal(if_nametoindex("dti0"), 0);
	tun_close(&t);
}

static void test_tun_kernel_named(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t;
	struct tun_config c = { .cloexec = true };
	assert_int_equal(tun_open(&t, &c), 0);
	assert_memory_equal(t.name, "tun", 3);
	assert_int_equal(t.ifindex, (int)if_nametoindex(t.name));
	assert_false(fcntl(t.fd[0], F_GETFL) & O_NONBLOCK);
	tun_close(&t);
}

/* An IPv4-only TUN: IPv6 off, so the kernel sends it no RS/MLD. */
static void test_tun_ipv6_toggle(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t;
	struct tun_config c = { .name = "ds46v6", .cloexec = true };
	char path[96], v[4] = { 0 };
	assert_int_equal(tun_open(&t, &c), 0);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", t.name);
	assert_int_equal(tun_set_ipv6(&t, false), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(v, sizeof(v), f));
	fclose(f);
	assert_int_equal(v[0], '1');
	assert_int_equal(tun_set_ipv6(&t, true), 0);
	f = fopen(path, "r");
	assert_non_null(fgets(v, sizeof(v), f));
	fclose(f);
	assert_int_equal(v[0], '0');
	tun_close(&t);
}

static void test_tun_multi_queue(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t;
	struct tun_config c = { .name = "mq0", .queues = 4, .nonblock = true };
	assert_int_equal(tun_open(&t, &c), 0);
	assert_int_equal(t.nfds, 4);
	assert_true(t.multi_queue);
	for (int i = 0; i < 4; i++) {
		assert_true(t.fd[i] >= 0);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(t.fd[i], t.fd[j]);
		assert_true(tun_ifflags(t.fd[i]) & IFF_MULTI_QUEUE);
		assert_false(fcntl(t.fd[i], F_GETFD) & FD_CLOEXEC);
	}
	struct nl nl;
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_index(&nl, "mq0"), t.ifindex);
	nl_close(&nl);
	tun_close(&t);
	assert_int_equal(if_nametoindex("mq0"), 0);
}

static void test_tun_vnet_hdr(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t, plain;
	struct tun_config c = { .name = "vh0", .vnet_hdr = true };
	assert_int_equal(tun_open(&t, &c), 0);
	assert_true(t.vnet_hdr);
	assert_true(tun_ifflags(t.fd[0]) & IFF_VNET_HDR);
	int sz = 0;
	assert_int_equal(ioctl(t.fd[0], TUNGETVNETHDRSZ, &sz), 0);
	assert_int_equal(sz, 10); /* sizeof(struct virtio_net_hdr) */
	assert_int_equal(tun_set_vnet_hdr_size(&t, 12), 0);
	assert_int_equal(ioctl(t.fd[0], TUNGETVNETHDRSZ, &sz), 0);
	assert_int_equal(sz, 12);
	assert_int_equal(tun_set_vnet_hdr_size(&t, 4), -EINVAL); /* kernel: < 10 */
	assert_int_equal(tun_set_offload(&t, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), 0);
	assert_int_equal(tun_set_offload(&t, 0), 0);
	tun_close(&t);

	c = (struct tun_config){ .name = "pl0" };
	assert_int_equal(tun_open(&plain, &c), 0);
	assert_int_equal(tun_set_offload(&plain, TUN_F_CSUM), -EINVAL);
	assert_int_equal(tun_set_vnet_hdr_size(&plain, 12), -EINVAL);
	tun_close(&plain);
}

/* RFC 1071 */
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

/* Reads from queue 0 until an IPv4 packet of protocol proto arrives (the
 * kernel also sends IPv6 router solicitations and MLD reports out of a TUN
 * that is up); its length, or -ETIMEDOUT after a second. */
static ssize_t read_ipv4(const struct tun *t, uint8_t proto, uint8_t *buf, size_t size)
{
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd pfd = { .fd = t->fd[0], .events = POLLIN };
		if (poll(&pfd, 1, 1000) <= 0)
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

static void test_tun_icmp_echo(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t;
	struct nl nl;
	struct tun_config c = { .name = "dti0", .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(&t, &c), 0);
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_set_mtu(&nl, t.ifindex, 1400), 0);
	uint32_t mtu = 0;
	assert_int_equal(nl_link_get_mtu(&nl, t.ifindex, &mtu), 0);
	assert_int_equal(mtu, 1400);
	assert_int_equal(nl_link_set_up(&nl, t.ifindex, true), 0);
	struct nl_addr a;
	struct in_addr v4;
	inet_pton(AF_INET, "10.0.0.1", &v4);
	nl_addr_set4(&a, v4);
	assert_int_equal(nl_addr_add(&nl, t.ifindex, &a, 24, 0), 0);

	uint8_t req[] = {
		/* IPv4 */ 0x45, 0x00, 0x00, 0x24, /* total length 36 */
		0x12, 0x34, 0x00, 0x00,             /* id 0x1234, no flags */
		0x40, 0x01, 0x00, 0x00,             /* TTL 64, ICMP, checksum */
		10, 0, 0, 2,                        /* source 10.0.0.2 */
		10, 0, 0, 1,                        /* destination 10.0.0.1 */
		/* ICMP */ 0x08, 0x00, 0x00, 0x00,  /* echo request, checksum */
		0xd5, 0x46, 0x00, 0x01,             /* identifier, sequence 1 */
		'd', 's', '4', '6', 'e', 'c', 'h', 'o',
	};
	put_be16(req + 10, csum(req, 20));
	put_be16(req + 22, csum(req + 20, sizeof(req) - 20));

	struct iovec iov[2] = { { req, 20 }, { req + 20, sizeof(req) - 20 } };
	assert_int_equal(tun_writev(&t, 0, iov, 2), (ssize_t)sizeof(req));

	uint8_t rep[2048];
	ssize_t n = read_ipv4(&t, 1, rep, sizeof(rep));
	assert_int_equal(n, (ssize_t)sizeof(req));
	assert_int_equal(rep[0], 0x45);
	assert_int_equal(get_be16(rep + 2), sizeof(req));
	assert_int_equal(rep[9], 1);
	assert_int_equal(csum(rep, 20), 0);
	assert_memory_equal(rep + 12, req + 16, 4); /* from 10.0.0.1 */
	assert_memory_equal(rep + 16, req + 12, 4); /* to 10.0.0.2 */
	/* The reply's ICMP part is the request's with type 0 (RFC 792). */
	uint8_t want[sizeof(req) - 20];
	memcpy(want, req + 20, sizeof(want));
	want[0] = 0;
	put_be16(want + 2, 0);
	put_be16(want + 2, csum(want, sizeof(want)));
	assert_memory_equal(rep + 20, want, sizeof(want));

	nl_close(&nl);
	tun_close(&t);
}


/* ---- vnet header with offloads: TCP super-packets both ways ---------------- */

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get_be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* RFC 9293 3.1 pseudo-header of an IPv4 packet at p, l4 octets of TCP */
static uint32_t pseudo4(const uint8_t *p, size_t l4)
{
	return sum16(0, p + 12, 8) + IPPROTO_TCP + (uint32_t)l4;
}

#define PEER_PORT 5000

/* A TCP/IPv4 packet 10.0.0.2:5000 -> 10.0.0.1:lport into p; payload octet
 * i is (i * 13); the TCP checksum complete, or (partial) the pseudo-header
 * sum that a NEEDS_CSUM virtio header asks the kernel to complete. */
static size_t tcp4(uint8_t *p, uint16_t lport, uint32_t seq, uint32_t ack, uint8_t flags,
		   const uint8_t *opt, size_t optlen, size_t plen, bool partial)
{
	size_t th = 20 + optlen, len = 20 + th + plen;
	memset(p, 0, 20 + th);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 4, 0x4646);
	put_be16(p + 6, 0x4000);                 /* DF */
	p[8] = 64;
	p[9] = IPPROTO_TCP;
	p[12] = 10, p[15] = 2;                   /* 10.0.0.2 */
	p[16] = 10, p[19] = 1;                   /* 10.0.0.1 */
	put_be16(p + 10, csum(p, 20));
	uint8_t *t = p + 20;
	put_be16(t, PEER_PORT);
	put_be16(t + 2, lport);
	put_be32(t + 4, seq);
	put_be32(t + 8, ack);
	t[12] = (uint8_t)(th / 4) << 4;
	t[13] = flags;
	put_be16(t + 14, 65535);                 /* window */
	if (optlen)
		memcpy(t + 20, opt, optlen);
	for (size_t i = 0; i < plen; i++)
		t[th + i] = (uint8_t)(i * 13);
	uint32_t ps = pseudo4(p, th + plen);
	put_be16(t + 16, partial ? fold(ps) : (uint16_t)~fold(sum16(ps, t, th + plen)));
	return len;
}

/* Next IPv4/TCP packet read from the vnet_hdr TUN; -ETIMEDOUT after a
 * second without one. */
static ssize_t read_tcp4(const struct tun *t, struct virtio_net_hdr *vh, uint8_t *buf, size_t size)
{
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd pfd = { .fd = t->fd[0], .events = POLLIN };
		if (poll(&pfd, 1, 1000) <= 0)
			return -ETIMEDOUT;
		ssize_t n = tun_read_vnet(t, 0, vh, buf, size);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return n;
		if (n >= 40 && buf[0] >> 4 == 4 && buf[9] == IPPROTO_TCP)
			return n;
	}
	return -ETIMEDOUT;
}

static void test_tun_vnet_offload_flags(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t;
	struct tun_config c = { .name = "vo0", .offload = TUN_OFFLOAD_GSO };
	assert_int_equal(tun_open(&t, &c), -EINVAL);   /* offloads need vnet_hdr */
	assert_int_equal(t.nfds, 0);
	c.vnet_hdr = true;
	assert_int_equal(tun_open(&t, &c), 0);
	assert_int_equal(t.vnet_hdr_len, 10);
	/* USO only from Linux 6.2 on; the rest always */
	unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	assert_true(t.offload == base || t.offload == TUN_OFFLOAD_GSO);
	/* the kernel turned the device's features on: ethtool -k vo0 */
	int one = 0;
	assert_int_equal(ioctl(t.fd[0], TUNGETVNETLE, &one), 0);
	assert_int_equal(one, 1);
	assert_int_equal(tun_set_offload(&t, 0), 0);
	assert_int_equal(t.offload, 0);
	assert_int_equal(tun_set_vnet_hdr_size(&t, TUN_VNET_HDR_MAX + 1), -EINVAL);
	assert_int_equal(tun_set_vnet_hdr_size(&t, 12), 0);
	assert_int_equal(t.vnet_hdr_len, 12);
	/* plain calls on a vnet device and the reverse */
	uint8_t b[64];
	struct virtio_net_hdr vh;
	assert_int_equal(tun_read_vnet(&t, 1, &vh, b, sizeof(b)), -EINVAL);
	struct iovec iov = { b, 20 };
	assert_int_equal(tun_writev_vnet(&t, 0, NULL, &iov, TUN_VNET_IOV_MAX + 1), -EINVAL);
	tun_close(&t);
	struct tun plain;
	c = (struct tun_config){ .name = "pl1" };
	assert_int_equal(tun_open(&plain, &c), 0);
	assert_int_equal(tun_read_vnet(&plain, 0, &vh, b, sizeof(b)), -EINVAL);
	assert_int_equal(tun_writev_vnet(&plain, 0, NULL, &iov, 1), -EINVAL);
	tun_close(&plain);
}

/*   kernel TCP (10.0.0.1, the socket)           test (10.0.0.2:5000, behind vo1)
 *   SYN  ---------------------------------->  read_vnet: GSO_NONE
 *        <----------------------------------  SYN-ACK, MSS 1400 (writev_vnet, no header)
 *   send(14000) -> TSO super-packet(s) ----->  read_vnet: GSO_TCPV4, gso_size 1400,
 *                                              NEEDS_CSUM at 20 + 16, partial sum
 *        <----------------------------------  one super-packet of 3 x 1000 octets
 *   recv() == the 3000 octets                  (GSO_TCPV4, NEEDS_CSUM, partial sum) */
static void test_tun_vnet_tcp_super_packets(void **state)
{
	(void)state;
	NEED_NETNS();
	struct tun t;
	struct nl nl;
	struct tun_config c = { .name = "vo1", .nonblock = true, .vnet_hdr = true,
				.offload = TUN_OFFLOAD_GSO };
	assert_int_equal(tun_open(&t, &c), 0);
	assert_int_equal(tun_set_ipv6(&t, false), 0);
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_link_set_mtu(&nl, t.ifindex, 1500), 0);
	assert_int_equal(nl_link_set_up(&nl, t.ifindex, true), 0);
	struct nl_addr a;
	struct in_addr v4;
	inet_pton(AF_INET, "10.0.0.1", &v4);
	nl_addr_set4(&a, v4);
	assert_int_equal(nl_addr_add(&nl, t.ifindex, &a, 24, 0), 0);

	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(s >= 0);
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	inet_pton(AF_INET, "10.0.0.2", &peer.sin_addr);
	assert_int_equal(connect(s, (struct sockaddr *)&peer, sizeof(peer)), -1);
	assert_int_equal(errno, EINPROGRESS);

	static uint8_t buf[65536 + 64];
	struct virtio_net_hdr vh;
	ssize_t n = read_tcp4(&t, &vh, buf, sizeof(buf));
	assert_true(n >= 40);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(buf[33] & 0x12, 0x02);                 /* SYN */
	uint16_t lport = get_be16(buf + 20);
	uint32_t isn = get_be32(buf + 24);
	static const uint8_t mss[4] = { 2, 4, 0x05, 0x78 };      /* MSS 1400 */
	n = (ssize_t)tcp4(buf, lport, 1000, isn + 1, 0x12, mss, 4, 0, false);
	struct iovec iov = { buf, (size_t)n };
	assert_int_equal(tun_writev_vnet(&t, 0, NULL, &iov, 1), n);
	struct pollfd pfd = { .fd = s, .events = POLLOUT };
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	int err = -1;
	socklen_t el = sizeof(err);
	assert_int_equal(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	assert_int_equal(err, 0);

	/* the initial window (10 segments) leaves as super-packets */
	static uint8_t data[14000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(send(s, data, sizeof(data), 0), (ssize_t)sizeof(data));
	size_t got = 0;
	int supers = 0;
	while (got < sizeof(data)) {
		n = read_tcp4(&t, &vh, buf, sizeof(buf));
		assert_true(n >= 40);
		size_t pl = (size_t)n - 40;
		if (!pl)
			continue;                                 /* the handshake's ACK */
		assert_int_equal(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(le16toh(vh.csum_start), 20);
		assert_int_equal(le16toh(vh.csum_offset), 16);
		/* the partial checksum: the pseudo-header sum, not complemented */
		assert_int_equal(get_be16(buf + 36), fold(pseudo4(buf, (size_t)n - 20)));
		assert_int_equal(get_be16(buf + 2), n);
		assert_int_equal(get_be32(buf + 24), isn + 1 + got);
		assert_memory_equal(buf + 40, data + got, pl);
		if (vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4) {
			assert_int_equal(le16toh(vh.gso_size), 1400);
			assert_true(pl > 1400);
			supers++;
		} else {
			assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
			assert_true(pl <= 1400);
		}
		got += pl;
	}
	assert_int_equal(got, sizeof(data));
	assert_true(supers >= 1);

	/* a super-packet the other way: the kernel segments or takes it whole */
	n = (ssize_t)tcp4(buf, lport, 1001, isn + 1, 0x18, NULL, 0, 3000, true);
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = htole16(1000);
	vh.hdr_len = htole16(40);
	vh.csum_start = htole16(20);
	vh.csum_offset = htole16(16);
	struct iovec two[2] = { { buf, 1040 }, { buf + 1040, (size_t)n - 1040 } };
	assert_int_equal(tun_writev_vnet(&t, 0, &vh, two, 2), n);
	uint8_t rx[4000];
	size_t have = 0;
	while (have < 3000) {
		pfd = (struct pollfd){ .fd = s, .events = POLLIN };
		assert_int_equal(poll(&pfd, 1, 2000), 1);
		ssize_t r = recv(s, rx + have, sizeof(rx) - have, 0);
		assert_true(r > 0);
		have += (size_t)r;
	}
	assert_int_equal(have, 3000);
	assert_memory_equal(rx, buf + 40, 3000);
	close(s);
	nl_close(&nl);
	tun_close(&t);
}

int main(void)
{
	log_init("test_os_tun", false, LOG_WARNING);
	netns_enter("test_os_tun");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tun_bad_args),
		cmocka_unit_test(test_tun_named),
		cmocka_unit_test(test_tun_kernel_named),
		cmocka_unit_test(test_tun_multi_queue),
		cmocka_unit_test(test_tun_vnet_hdr),
		cmocka_unit_test(test_tun_icmp_echo),
		cmocka_unit_test(test_tun_ipv6_toggle),
		cmocka_unit_test(test_tun_vnet_offload_flags),
		cmocka_unit_test(test_tun_vnet_tcp_super_packets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
