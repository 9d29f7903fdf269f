#include "os/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"

/* SIOCGIFHWADDR / SIOCGIFMTU on the interface's name. */
static int packet_ifreq(int ifindex, unsigned long req, struct ifreq *ifr)
{
	int fd, r = 0;

	memset(ifr, 0, sizeof(*ifr));
	if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, ifr->ifr_name))
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, ifr) < 0)
		r = errno == ENXIO ? -ENODEV : -errno;
	close(fd);
	return r;
}

int packet_if_hwaddr(int ifindex, uint8_t mac[PACKET_ETH_ALEN], unsigned short *hwtype)
{
	struct ifreq ifr;
	int r = packet_ifreq(ifindex, SIOCGIFHWADDR, &ifr);

	if (r < 0)
		return r;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, PACKET_ETH_ALEN);
	if (hwtype)
		*hwtype = ifr.ifr_hwaddr.sa_family;
	return 0;
}

int packet_open(struct packet_sock *p, int ifindex, uint16_t ethertype)
{
	struct sockaddr_ll sll = { 0 };
	unsigned short hwtype = 0;
	struct ifreq ifr;
	int r;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	r = packet_if_hwaddr(ifindex, p->mac, &hwtype);
	if (r < 0)
		return r;
	if (hwtype != ARPHRD_ETHER)
		return -EPROTONOSUPPORT;
	r = packet_ifreq(ifindex, SIOCGIFMTU, &ifr);
	if (r < 0)
		return r;
	p->mtu = (uint32_t)ifr.ifr_mtu;
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ethertype));
	if (p->fd < 0) {
		r = -errno;
		log_err("packet: socket(AF_PACKET, 0x%04x): %s", ethertype, strerror(-r));
		return r;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ethertype);
	sll.sll_ifindex = ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		r = -errno;
		close(p->fd);
		p->fd = -1;
		return r;
	}
	p->ifindex = ifindex;
	p->ethertype = ethertype;
	return 0;
}

void packet_close(struct packet_sock *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static int packet_membership(const struct packet_sock *p, unsigned short type, const uint8_t *mac,
			     bool on)
{
	struct packet_mreq mr = { 0 };

	if (p->fd < 0)
		return -EBADF;
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = type;
	if (mac) {
		mr.mr_alen = PACKET_ETH_ALEN;
		memcpy(mr.mr_address, mac, PACKET_ETH_ALEN);
	}
	if (setsockopt(p->fd, SOL_PACKET, on ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP,
		       &mr, sizeof(mr)) < 0)
		return -errno;
	return 0;
}

int packet_mcast(const struct packet_sock *p, const uint8_t mac[PACKET_ETH_ALEN], bool join)
{
	if (!(mac[0] & 1))
		return -EINVAL;      /* not a group address */
	return packet_membership(p, PACKET_MR_MULTICAST, mac, join);
}

int packet_allmulti(const struct packet_sock *p, bool on)
{
	return packet_membership(p, PACKET_MR_ALLMULTI, NULL, on);
}

int packet_promisc(const struct packet_sock *p, bool on)
{
	return packet_membership(p, PACKET_MR_PROMISC, NULL, on);
}

ssize_t packet_send(const struct packet_sock *p, const void *frame, size_t len)
{
	struct sockaddr_ll sll = { 0 };
	ssize_t n;

	if (p->fd < 0)
		return -EBADF;
	if (len < ETH_HLEN)
		return -EINVAL;
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = p->ifindex;
	sll.sll_halen = PACKET_ETH_ALEN;
	memcpy(sll.sll_addr, frame, PACKET_ETH_ALEN);
	/* the EtherType of the frame itself (SOCK_RAW sends it as it is) */
	memcpy(&sll.sll_protocol, (const uint8_t *)frame + 12, 2);
	n = sendto(p->fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll));
	return n < 0 ? -errno : n;
}

ssize_t packet_recv(const struct packet_sock *p, void *buf, size_t len, struct packet_rx *rx)
{
	struct sockaddr_ll sll = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = &sll,
		.msg_namelen = sizeof(sll),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	if (p->fd < 0)
		return -EBADF;
	/* MSG_TRUNC: the frame's real length even when cut short */
	n = recvmsg(p->fd, &mh, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	memset(rx, 0, sizeof(*rx));
	rx->wire_len = (size_t)n;
	rx->len = (size_t)n < len ? (size_t)n : len;
	rx->pkt_type = sll.sll_pkttype;
	rx->protocol = ntohs(sll.sll_protocol);
	rx->ifindex = sll.sll_ifindex;
	return (ssize_t)rx->len;
}
