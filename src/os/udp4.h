/* UDP/IPv4 sockets for Mobile IPv4 registration (RFC 5944 3.3: port 434)
 * (STYLE 1: one of the few files that touch the kernel).
 *
 * Per datagram, on receive: the source (peer), the destination address of
 * the IP header (IP_PKTINFO ipi_addr: tells a request to a broadcast
 * address from one to our unicast address, RFC 5944 3.8.2.1), the local
 * address a reply should come from (ipi_spec_dst), the arrival interface
 * and the TTL (IP_RECVTTL).  On send: the source address and the outgoing
 * interface (IP_PKTINFO, either may be left 0 for the kernel to choose)
 * and the TTL (an IP_TTL control message; RFC 5944 C.3: a mobile node
 * deregistering from its home link sends with TTL 1).
 *
 * Every socket is non-blocking and close-on-exec, with IP_PKTINFO and
 * IP_RECVTTL set.  Functions return a count or 0 on success and a
 * negative errno. */
#ifndef DS46_OS_UDP4_H
#define DS46_OS_UDP4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDP4_BATCH_MAX 64
#define UDP4_PORT_MIP 434            /* RFC 5944 3.3 */

struct udp4_config {
	struct in_addr addr;         /* bind address; INADDR_ANY: every local
	                                address (and broadcasts) */
	uint16_t port;               /* host order; 0: the kernel picks */
	const char *ifname;          /* NULL or "": any interface; else
	                                SO_BINDTODEVICE (datagrams that arrived
	                                on it only; sends leave through it) */
	bool broadcast;              /* SO_BROADCAST: may send to broadcast
	                                addresses */
	bool reuseaddr;              /* SO_REUSEADDR */
	int rcvbuf;                  /* > 0: SO_RCVBUF(FORCE), octets */
};

/* The fd, or -EINVAL (a name of IF_NAMESIZE or more), -ENODEV, -EADDRINUSE,
 * -EADDRNOTAVAIL, or what socket(), setsockopt() or bind() said. */
int udp4_open(const struct udp4_config *cfg);
/* The port and address the socket is bound to (after a port 0 bind). */
int udp4_local(int fd, struct sockaddr_in *sa);

/* One datagram.
 * Receive: buf/size say where; the rest is filled in.
 * Send: buf/len the payload, peer the destination (address and port,
 * network order as in any sockaddr_in); local / ifindex: the source
 * address and outgoing interface (IP_PKTINFO, sent when either is set;
 * the source must be one of ours unless the kernel allows otherwise);
 * ttl: 0 for the socket's default, 1-255 for this datagram. */
struct udp4_msg {
	uint8_t *buf;
	size_t size;                 /* rx: capacity of buf */
	size_t len;                  /* rx: octets received; tx: to send */
	struct sockaddr_in peer;     /* rx: source; tx: destination */
	struct in_addr local;        /* rx: the header's destination (may be a
	                                broadcast address); tx: source or 0 */
	struct in_addr spec_dst;     /* rx: our address for a reply */
	int ifindex;                 /* rx: arrival interface; tx: 0 or oif */
	int ttl;                     /* rx: the datagram's TTL (-1 unknown);
	                                tx: 0 or 1-255 */
	bool truncated;              /* rx: the datagram was longer than size */
};

/* Receives up to n datagrams: the number received (>= 1), -EAGAIN when
 * none is waiting, -EINVAL for n == 0, or what recvmmsg() said (a pending
 * ICMP error, e.g. -ECONNREFUSED, is returned once). */
int udp4_recv_batch(int fd, struct udp4_msg *msgs, unsigned int n);
/* Sends msgs[0..n): the number the kernel took (>= 1; fewer than n when
 * one failed, whose error the next call starting there reports), or the
 * negative errno of msgs[0] (-EINVAL also for a ttl outside 0-255). */
int udp4_send_batch(int fd, const struct udp4_msg *msgs, unsigned int n);
/* One datagram: its length or the negative errno. */
int udp4_send(int fd, const struct udp4_msg *msg);

#endif
