/* Unit tests for src/os/packet: AF_PACKET sockets on a veth pair in a
 * private network namespace (skipped, saying why, without root).  Frames
 * are annotated bytes (the os module links no codec).
 *
 *   packet socket (send only) --- va  <==veth==>  vb --- packet socket
 *                                                       (ETH_P_ARP or
 *                                                        ETH_P_IPV6)
 *
 * A gratuitous ARP (RFC 5944 4.6) and an IPv6 frame to a solicited-node
 * group (as a DAD probe, RFC 4862 5.4.2) cross the pair byte for byte; an
 * ETH_P_ALL socket of the sender sees them as PACKET_OUTGOING; a send-only
 * socket receives nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "os/netlink.h"
#include "os/packet.h"

static int ifa, ifb;

static int setup_veth(void **state)
{
	struct nl nl;

	(void)state;
	if (!netns_ok)
		return 0;
	if (system("ip link add va type veth peer name vb && ip link set va up && "
		   "ip link set vb up && sysctl -qw net.ipv6.conf.va.disable_ipv6=1 "
		   "net.ipv6.conf.vb.disable_ipv6=1") != 0)
		return -1;
	if (nl_open(&nl) < 0)
		return -1;
	ifa = nl_link_index(&nl, "va");
	ifb = nl_link_index(&nl, "vb");
	nl_close(&nl);
	return ifa > 0 && ifb > 0 ? 0 : -1;
}

/* The next frame of p, waiting up to 2 s; skips frames of other types the
 * kernel may send meanwhile. */
static ssize_t recv_wait(struct packet_sock *p, uint8_t *buf, size_t len, struct packet_rx *rx,
			 uint8_t pkt_type)
{
	for (int i = 0; i < 20; i++) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = packet_recv(p, buf, len, rx);
		if (n == -EAGAIN)
			continue;
		if (n < 0 || rx->pkt_type == pkt_type)
			return n;
	}
	return -ETIMEDOUT;
}

static void test_packet_bad_args(void **state)
{
	struct packet_sock p;
	uint8_t mac[6];

	(void)state;
	NEED_NETNS();
	assert_int_equal(packet_open(&p, 9999, ETH_P_ARP), -ENODEV);
	assert_int_equal(p.fd, -1);
	/* lo has no Ethernet header */
	assert_int_equal(packet_open(&p, (int)if_nametoindex("lo"), ETH_P_ARP), -EPROTONOSUPPORT);
	assert_int_equal(p.fd, -1);
	packet_close(&p);                            /* idempotent */
	assert_int_equal(packet_send(&p, "x", 1), -EBADF);
	assert_int_equal(packet_open(&p, ifa, ETH_P_ARP), 0);
	memcpy(mac, p.mac, 6);                       /* unicast: not a group */
	assert_int_equal(packet_mcast(&p, mac, true), -EINVAL);
	assert_int_equal(packet_send(&p, "short", 5), -EINVAL);
	packet_close(&p);
}

/* RFC 826 / RFC 5944 4.6: a gratuitous ARP request for 192.0.2.10 from
 * 02:00:00:00:00:0a (sender and target protocol address equal). */
static const uint8_t garp[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,     /* Ethernet destination: broadcast */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,     /* source */
	0x08, 0x06,                             /* EtherType ARP */
	0x00, 0x01, 0x08, 0x00, 6, 4,           /* hardware Ethernet, protocol IPv4 */
	0x00, 0x01,                             /* request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,     /* sender hardware address */
	192, 0, 2, 10,                          /* sender protocol address */
	0, 0, 0, 0, 0, 0,                       /* target hardware address */
	192, 0, 2, 10,                          /* target protocol address */
};

/* An IPv6 frame to the solicited-node group of 2001:db8:46::99 (RFC 4291
 * 2.7.1, RFC 2464 7), from ::, next header 59 (no payload). */
static const uint8_t ns6[54] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x99,     /* 33:33 + last 4 octets of the group */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd,                             /* EtherType IPv6 */
	0x60, 0, 0, 0, 0x00, 0x00, 59, 255,     /* version 6, length 0, no next header */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                   /* :: */
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x00, 0x00, 0x99, /* ff02::1:ff00:99 */
};

static void test_packet_garp(void **state)
{
	struct packet_sock tx, rxs, own;
	uint8_t buf[256];
	struct packet_rx rx;

	(void)state;
	NEED_NETNS();
	assert_int_equal(packet_open(&tx, ifa, 0), 0);
	assert_int_equal(packet_open(&own, ifa, ETH_P_ALL), 0);
	assert_int_equal(packet_open(&rxs, ifb, ETH_P_ARP), 0);
	assert_int_equal(tx.mtu, 1500);
	assert_int_equal(tx.ifindex, ifa);
	assert_int_equal(tx.ethertype, 0);
	assert_memory_equal(tx.mac, own.mac, 6);
	assert_memory_not_equal(tx.mac, rxs.mac, 6);

	assert_int_equal(packet_send(&tx, garp, sizeof(garp)), sizeof(garp));
	/* the peer gets it broadcast, as sent (veth does not pad) */
	assert_int_equal(recv_wait(&rxs, buf, sizeof(buf), &rx, PACKET_BROADCAST), sizeof(garp));
	assert_int_equal(rx.protocol, ETH_P_ARP);
	assert_int_equal(rx.ifindex, ifb);
	assert_int_equal(rx.wire_len, sizeof(garp));
	assert_memory_equal(buf, garp, sizeof(garp));

	/* an ETH_P_ALL socket of the sending side sees it going out */
	assert_int_equal(recv_wait(&own, buf, sizeof(buf), &rx, PACKET_OUTGOING), sizeof(garp));
	assert_memory_equal(buf, garp, sizeof(garp));

	/* a short buffer: cut, the real length told */
	assert_int_equal(packet_send(&tx, garp, sizeof(garp)), sizeof(garp));
	assert_int_equal(recv_wait(&rxs, buf, 20, &rx, PACKET_BROADCAST), 20);
	assert_int_equal(rx.wire_len, sizeof(garp));
	assert_memory_equal(buf, garp, 20);

	/* the send-only socket never has anything to read */
	assert_int_equal(packet_recv(&tx, buf, sizeof(buf), &rx), -EAGAIN);
	packet_close(&tx);
	packet_close(&own);
	packet_close(&rxs);
}

static void test_packet_solicited_node(void **state)
{
	struct packet_sock tx, rxs, arp;
	uint8_t buf[256];
	struct packet_rx rx;

	(void)state;
	NEED_NETNS();
	assert_int_equal(packet_open(&tx, ifa, 0), 0);
	assert_int_equal(packet_open(&rxs, ifb, ETH_P_IPV6), 0);
	assert_int_equal(packet_open(&arp, ifb, ETH_P_ARP), 0);
	assert_int_equal(packet_mcast(&rxs, ns6, true), 0);
	assert_int_equal(packet_mcast(&rxs, ns6, true), 0);     /* counted, not refused */
	assert_int_equal(packet_allmulti(&rxs, true), 0);
	assert_int_equal(packet_allmulti(&rxs, false), 0);

	assert_int_equal(packet_send(&tx, ns6, sizeof(ns6)), sizeof(ns6));
	assert_int_equal(recv_wait(&rxs, buf, sizeof(buf), &rx, PACKET_MULTICAST), sizeof(ns6));
	assert_int_equal(rx.protocol, ETH_P_IPV6);
	assert_memory_equal(buf, ns6, sizeof(ns6));
	/* the ARP socket of the same link got nothing of it */
	assert_int_equal(packet_recv(&arp, buf, sizeof(buf), &rx), -EAGAIN);

	assert_int_equal(packet_mcast(&rxs, ns6, false), 0);
	assert_int_equal(packet_mcast(&rxs, ns6, false), 0);
	packet_close(&tx);
	packet_close(&rxs);
	packet_close(&arp);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_bad_args),
		cmocka_unit_test(test_packet_garp),
		cmocka_unit_test(test_packet_solicited_node),
	};

	(void)argc;
	log_init("test_os_packet", false, LOG_WARNING);
	netns_enter(argv[0]);
	return cmocka_run_group_tests(tests, setup_veth, NULL);
}
