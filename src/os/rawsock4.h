/* Raw IPv4 sockets for the IPv4-outer tunnels of the Mobile IPv4 roles
 * (STYLE 1: one of the few files that touch the kernel).
 *
 * Receive: one AF_INET SOCK_RAW socket per tunnel protocol, IPPROTO_IPIP
 * (4: IPv4 in IPv4, RFC 2003), IPPROTO_IPV6 (41: IPv6 in IPv4, RFC 4213),
 * IPPROTO_GRE (47: RFC 2784) and 55 (minimal encapsulation, RFC 2004).
 * Unlike AF_INET6 (os/rawsock.h), the kernel hands an AF_INET raw socket
 * the WHOLE IPv4 packet, outer header (with options) first, after
 * reassembly: what dp_mip_tunnel_in() takes.  pkt.peer is the outer source
 * (also in the header), pkt.local and pkt.ifindex the outer destination
 * and arrival interface (IP_PKTINFO).  Every raw socket of the protocol
 * gets its own copy, whoever sent it; a socket bound to an address only
 * gets packets addressed to it.  Raw sockets do not stop the kernel's own
 * handling: with no handler for the protocol (no ipip/gre/sit modules, as
 * on these machines) the kernel, having delivered to a raw socket, sends
 * no ICMP protocol unreachable; where the tunnel4 module is loaded (ipip,
 * sit) and no tunnel device claims a packet of protocol 4 or 41, it also
 * answers with ICMP port unreachable (drop those with nftables).  ICMP
 * errors about our tunnel packets are not read on these sockets (no
 * IP_RECVERR): see the ICMP socket below.
 *
 * ICMP: an AF_INET SOCK_RAW IPPROTO_ICMP socket (protocol IPPROTO_ICMP)
 * gets a copy of every ICMPv4 message the host receives, the whole IPv4
 * packet (header first) as the receive sockets do; ICMP_FILTER lets only
 * the error types through (RAWSOCK4_ICMP_ERRORS: destination unreachable,
 * source quench, time exceeded, parameter problem), whose quotes the
 * caller matches against its own tunnel packets (RFC 2003 4).  The kernel
 * verified the ICMP checksum and handles the message itself as well.
 *
 * Send: one AF_INET SOCK_RAW IPPROTO_RAW socket (IP_HDRINCL implied): the
 * caller passes whole IPv4 packets, outer header included.  The kernel
 * rewrites the total length and the header checksum, fills in a zero
 * source address and a zero identification, and sends the rest as it is
 * (any protocol number, DF as given).  It does NOT fragment: a packet
 * above the outgoing device's MTU is refused with -EMSGSIZE (the I/O loop,
 * dataplane/engine_io4.h dp_io4_send_frag(), cuts a DF-clear packet into
 * fragments with wire/frag4.h and sends them as iovec pairs: this file
 * stays below wire/).  Such a socket receives nothing.
 *
 * Every socket is non-blocking and close-on-exec.  Functions return a
 * count or 0 on success and a negative errno. */
#ifndef DS46_OS_RAWSOCK4_H
#define DS46_OS_RAWSOCK4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Packets per recvmmsg()/sendmmsg() call; longer arrays take several calls. */
#define RAWSOCK4_BATCH_MAX 64
#define RAWSOCK4_PROTO_MINIMAL 55    /* RFC 2004 (no IPPROTO_ name in libc) */
/* ICMPv4 types an IPPROTO_ICMP socket lets through: 3, 4, 11, 12 */
#define RAWSOCK4_ICMP_ERRORS ((1u << 3) | (1u << 4) | (1u << 11) | (1u << 12))

struct rawsock4_config {
	int protocol;                /* receive: 4, 41, 47 or 55;
	                                IPPROTO_ICMP (1): ICMPv4 errors;
	                                IPPROTO_RAW (255): the send socket */
	const struct in_addr *bind_addr; /* receive: NULL = any local address */
	const char *ifname;          /* NULL or "": any interface; else
	                                SO_BINDTODEVICE (receive: packets that
	                                arrived on it; send: leave through it,
	                                routes via other devices ignored) */
	int rcvbuf;                  /* receive: > 0: SO_RCVBUF(FORCE), octets */
	int sndbuf;                  /* send: > 0: SO_SNDBUF(FORCE), octets */
};

/* The fd, or -EINVAL (another protocol, a bind address on the send
 * socket, a name of IF_NAMESIZE or more), -ENODEV (no such interface), or
 * what socket(), setsockopt() or bind() said (-EPERM without CAP_NET_RAW,
 * -EADDRNOTAVAIL for an address that is not local). */
int rawsock4_open(const struct rawsock4_config *cfg);

/* SO_BINDTODEVICE on an open socket: NULL or "" unbinds.  -EINVAL or
 * -ENODEV as above. */
int rawsock4_bind_device(int fd, const char *ifname);

/* One packet for the batch helpers.
 * Receive: buf/size say where; len, peer, local, ifindex and truncated
 * are filled in (buf[0 .. len) is the whole IPv4 packet; with truncated
 * it was longer than size and was cut).
 * Send: buf/len (or iov/iovcnt when iovcnt > 0) is a whole IPv4 packet;
 * peer.sin_addr the destination the kernel routes to (INADDR_ANY: taken
 * from the header, which must then be in buf or the first iovec);
 * ifindex: 0 or the outgoing interface (IP_PKTINFO). */
struct rawsock4_pkt {
	uint8_t *buf;
	size_t size;                 /* rx: capacity of buf */
	size_t len;                  /* rx: octets received; tx: octets to send */
	const struct iovec *iov;     /* tx only: gather from here when iovcnt > 0 */
	unsigned int iovcnt;
	struct sockaddr_in peer;     /* rx: outer source; tx: destination */
	struct in_addr local;        /* rx: outer destination (IP_PKTINFO) */
	int ifindex;                 /* rx: arrival interface; tx: 0 or oif */
	bool truncated;              /* rx: the packet was longer than size */
};

/* Receives up to n packets: the number received (>= 1), -EAGAIN when none
 * is waiting, -EINVAL for n == 0, or what recvmmsg() said. */
int rawsock4_recv_batch(int fd, struct rawsock4_pkt *pkts, unsigned int n);
/* Sends pkts[0..n) on the IPPROTO_RAW socket: the number the kernel took
 * (>= 1; fewer than n when one failed, whose error the next call starting
 * there reports), or the negative errno of pkts[0]: -EMSGSIZE above the
 * device MTU, -EAGAIN, -ENETUNREACH, -EINVAL (a destination that cannot be
 * taken from the header, or a header the kernel refuses), ... */
int rawsock4_send_batch(int fd, const struct rawsock4_pkt *pkts, unsigned int n);

#endif
