/* AF_PACKET sockets on one Ethernet interface (STYLE 1: one of the few files
 * that touch the kernel), for the home agent's home-link messages that the
 * kernel's own stack would not send for it: gratuitous ARP (RFC 5944 4.6),
 * Duplicate Address Detection probes from :: (RFC 4862 5.4.2) and
 * unsolicited Neighbor Advertisements (RFC 4861 7.2.6).  Frames are built
 * and parsed by wire/ndisc.h.
 *
 * No BPF: the socket is bound to one EtherType (ETH_P_IPV6 for ND, ETH_P_ARP
 * for ARP, ETH_P_ALL for both) on one interface, and the caller filters
 * what it reads in user space (ndisc_frame_parse, arp_parse).  Frames the
 * host itself sends are delivered to ETH_P_ALL sockets only (pkt_type
 * PACKET_OUTGOING; most callers skip them), never to the socket that sent
 * them.  Multicast frames reach the
 * socket only for groups the interface listens to: join the group's MAC
 * address (PACKET_MR_MULTICAST, e.g. the solicited-node group of a DAD
 * target) or every group (PACKET_MR_ALLMULTI); memberships end with the
 * socket.
 *
 * Sockets are non-blocking and close-on-exec.  Functions return 0 (or a
 * count) on success and a negative errno. */
#ifndef DS46_OS_PACKET_H
#define DS46_OS_PACKET_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PACKET_ETH_ALEN 6

struct packet_sock {
	int fd;                      /* -1 when closed */
	int ifindex;
	uint16_t ethertype;          /* host order, as bound */
	uint8_t mac[PACKET_ETH_ALEN];/* the interface's own address */
	uint32_t mtu;
};

/* Open a SOCK_RAW packet socket bound to ifindex and ethertype (host order:
 * 0x86dd, 0x0806, ETH_P_ALL; 0: a socket that only sends and receives
 * nothing), and read the interface's MAC address and
 * MTU.  -ENODEV for a missing interface, -EPROTONOSUPPORT for one that is
 * not Ethernet (ARPHRD_ETHER: a TUN has no link-layer address), what
 * socket()/bind() said otherwise (-EPERM without CAP_NET_RAW).  On error
 * p->fd is -1. */
int packet_open(struct packet_sock *p, int ifindex, uint16_t ethertype);
/* Idempotent. */
void packet_close(struct packet_sock *p);

/* Join (or leave) the link-layer multicast group mac. */
int packet_mcast(const struct packet_sock *p, const uint8_t mac[PACKET_ETH_ALEN], bool join);
/* Receive every multicast frame (PACKET_MR_ALLMULTI) or stop. */
int packet_allmulti(const struct packet_sock *p, bool on);
/* Receive frames addressed to any MAC (PACKET_MR_PROMISC) or stop. */
int packet_promisc(const struct packet_sock *p, bool on);

/* Send one whole frame (Ethernet header included): its length, -EAGAIN,
 * -EMSGSIZE above the MTU, -ENETDOWN, ... */
ssize_t packet_send(const struct packet_sock *p, const void *frame, size_t len);

/* One received frame. */
struct packet_rx {
	size_t len;                  /* octets stored in the buffer */
	size_t wire_len;             /* octets the frame had (MSG_TRUNC) */
	uint8_t pkt_type;            /* PACKET_HOST, PACKET_BROADCAST,
	                                PACKET_MULTICAST, PACKET_OTHERHOST,
	                                PACKET_OUTGOING */
	uint16_t protocol;           /* EtherType, host order */
	int ifindex;
};

/* One frame into buf: its length (rx filled), -EAGAIN when none is
 * waiting, or what recvmsg() said.  A frame longer than len is cut short
 * (rx->wire_len > rx->len). */
ssize_t packet_recv(const struct packet_sock *p, void *buf, size_t len, struct packet_rx *rx);

/* The interface's MAC address (SIOCGIFHWADDR) and link type (ARPHRD_*). */
int packet_if_hwaddr(int ifindex, uint8_t mac[PACKET_ETH_ALEN], unsigned short *hwtype);

#endif
