/* Raw IPv6 sockets for tunnelled protocols (STYLE 1: one of the few files that
 * touch the kernel): AF_INET6 SOCK_RAW with next header 4 (IPv4-in-IPv6, the
 * DSTM DTI and TEP) or 41 (IPv6-in-IPv6).
 *
 * What the kernel does with an AF_INET6 raw socket (unlike AF_INET, and
 * without IPV6_HDRINCL, which ds46 does not use):
 *   - receive: the packet is delivered WITHOUT its IPv6 header (and without
 *     extension headers): buf holds the inner packet.  The outer source comes
 *     from msg_name (pkt.peer), the outer destination and the arrival
 *     interface from IPV6_PKTINFO (pkt.local, pkt.ifindex).  Every raw socket
 *     of the protocol gets its own copy, including the sender's own socket
 *     for packets it sends to a local address.
 *   - send: the caller passes only the inner packet; the kernel builds the
 *     IPv6 header (next header = the socket's protocol, hop limit 64 unless
 *     IPV6_UNICAST_HOPS says otherwise), chooses the source unless
 *     pkt.local is given, and either fragments (PMTU "want") or refuses
 *     with -EMSGSIZE (PMTU "do") a packet above the path MTU.
 *   - errors: with IPV6_RECVERR (always set here) ICMPv6 errors about packets
 *     this socket sent (Packet Too Big, Destination Unreachable, Time
 *     Exceeded), and local EMSGSIZE refusals, are queued on the socket's error
 *     queue: drain it with rawsock6_read_errors().  An ICMPv6 error also
 *     sets the socket's pending error, which the next receive call returns
 *     once (e.g. -EMSGSIZE from rawsock6_recv_batch() after a Packet Too Big);
 *     on any receive error other than -EAGAIN, drain the error queue.
 *
 * Every socket is non-blocking and close-on-exec, with IPV6_RECVPKTINFO and
 * IPV6_RECVERR set.  Functions return a count or 0 on success and a negative
 * errno. */
#ifndef DS46_OS_RAWSOCK_H
#define DS46_OS_RAWSOCK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Packets per recvmmsg()/sendmmsg() call; longer arrays take several calls. */
#define RAWSOCK_BATCH_MAX 64
/* Octets of the quoted payload kept per error: the inner IPv4 or IPv6 header
 * with options and the start of its payload, enough to build the ICMP error
 * for the inner source. */
#define RAWSOCK_ERR_PAYLOAD 256

enum rawsock_pmtu {
	RAWSOCK_PMTU_KERNEL = 0, /* leave the kernel's default (WANT) */
	RAWSOCK_PMTU_DO,       /* IPV6_PMTUDISC_DO: never fragment; -EMSGSIZE */
	RAWSOCK_PMTU_WANT,     /* IPV6_PMTUDISC_WANT: fragment to the path MTU */
};

struct rawsock6_config {
	int protocol;                       /* IPPROTO_IPIP (4), IPPROTO_IPV6 (41) */
	const struct sockaddr_in6 *bind_addr; /* NULL: unbound (any local address) */
	int rcvbuf;                         /* > 0: SO_RCVBUF(FORCE) in octets */
	enum rawsock_pmtu pmtu;
};

/* The fd, or -EINVAL / what socket(), setsockopt() or bind() said. */
int rawsock6_open(const struct rawsock6_config *cfg);

/* One packet for the batch helpers.  Receive: buf/size say where, the rest is
 * filled in.  Send: buf/len (or iov/iovcnt when iovcnt > 0) is the inner
 * packet, peer the outer destination, local and ifindex optional (sent as
 * IPV6_PKTINFO when either is set). */
struct rawsock6_pkt {
	uint8_t *buf;
	size_t size;                /* rx: capacity of buf */
	size_t len;                 /* rx: octets received; tx: octets to send */
	const struct iovec *iov;    /* tx only: gather from here when iovcnt > 0 */
	unsigned int iovcnt;
	struct sockaddr_in6 peer;   /* rx: outer source; tx: outer destination */
	struct in6_addr local;      /* rx: outer destination; tx: source or :: */
	int ifindex;                /* rx: arrival interface; tx: 0 or the oif */
	bool truncated;             /* rx: the packet was longer than size */
};

/* Receives up to n packets: the number received (>= 1), -EAGAIN when none
 * is waiting, or the socket's pending error (see above). */
int rawsock6_recv_batch(int fd, struct rawsock6_pkt *pkts, unsigned int n);
/* Sends pkts[0..n): the number the kernel took (>= 1; fewer than n when one
 * failed, whose error the next call starting there reports), or the negative
 * errno of pkts[0]: -EMSGSIZE above the path MTU with RAWSOCK_PMTU_DO,
 * -EAGAIN, -ENETUNREACH, ... */
int rawsock6_send_batch(int fd, const struct rawsock6_pkt *pkts, unsigned int n);

struct rawsock6_error {
	int err;                      /* ee_errno (positive): EMSGSIZE, EHOSTUNREACH... */
	uint8_t origin;               /* SO_EE_ORIGIN_ICMP6 or SO_EE_ORIGIN_LOCAL */
	uint8_t type, code;           /* ICMPv6 type and code; 0 for local errors */
	uint32_t info;                /* the MTU for Packet Too Big and local EMSGSIZE */
	struct sockaddr_in6 dst;      /* outer destination of the packet that failed */
	struct sockaddr_in6 offender; /* sender of the ICMPv6; AF_UNSPEC if local */
	uint8_t payload[RAWSOCK_ERR_PAYLOAD]; /* ICMPv6: the quoted inner packet */
	size_t payload_len;
	bool payload_truncated;       /* the kernel had more than RAWSOCK_ERR_PAYLOAD */
};

/* Drains up to n entries of the error queue (MSG_ERRQUEUE): the number read,
 * 0 when it is empty. */
int rawsock6_read_errors(int fd, struct rawsock6_error *errs, unsigned int n);

#endif
