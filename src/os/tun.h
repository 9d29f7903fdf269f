/* TUN devices (STYLE 1: one of the few files that touch the kernel).
 *
 * A ds46 TUN is always IFF_TUN | IFF_NO_PI: every read returns one IP packet
 * (IPv4 or IPv6, told apart by the version nibble) and every write takes one,
 * with no struct tun_pi in front.  With vnet_hdr each packet is preceded by a
 * struct virtio_net_hdr (10 octets unless tun_set_vnet_hdr_size() says
 * otherwise) for later offload work.
 *
 * The device is never left persistent: it disappears when the last queue is
 * closed.  Opening the name of an existing persistent device (ip tuntap add)
 * attaches to it and clears its persist flag.
 *
 * All functions return 0 (or a count) on success and a negative errno. */
#ifndef DS46_OS_TUN_H
#define DS46_OS_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Queues one struct tun can hold; the kernel allows 256 (MAX_TAP_QUEUES). */
#define TUN_MAX_QUEUES 16

struct tun_config {
	const char *name;  /* NULL or "": the kernel picks "tun%d" */
	unsigned queues;   /* 0 or 1: one queue; >1: IFF_MULTI_QUEUE, one fd each */
	bool multi_queue;  /* IFF_MULTI_QUEUE even with a single queue */
	bool vnet_hdr;     /* IFF_VNET_HDR */
	bool nonblock;     /* O_NONBLOCK on every queue */
	bool cloexec;      /* O_CLOEXEC on every queue */
};

struct tun {
	char name[IF_NAMESIZE];
	int ifindex;
	int nfds;
	int fd[TUN_MAX_QUEUES];
	bool vnet_hdr;
	bool multi_queue;
};

/* Create (or attach to) the device and open cfg->queues queues.  On error
 * nothing stays open and *t has nfds == 0.  -EINVAL for a name of
 * IF_NAMESIZE or more or too many queues; -EBUSY when a single-queue device
 * of that name is already open elsewhere; -EOPNOTSUPP when the kernel lacks
 * IFF_MULTI_QUEUE or IFF_VNET_HDR. */
int tun_open(struct tun *t, const struct tun_config *cfg);
/* Close every queue (the device goes away with the last one).  Idempotent. */
void tun_close(struct tun *t);

/* TUNSETOFFLOAD: TUN_F_CSUM | TUN_F_TSO4 | ... (<linux/if_tun.h>), device-wide.
 * -EINVAL unless the device was opened with vnet_hdr (offloads without a
 * virtio header would hand the reader unchecksummed super-packets). */
int tun_set_offload(const struct tun *t, unsigned int flags);
/* TUNSETVNETHDRSZ, device-wide; the kernel refuses sizes below
 * sizeof(struct virtio_net_hdr) with -EINVAL. */
int tun_set_vnet_hdr_size(const struct tun *t, int size);

/* Enable or disable IPv6 on the device (/proc/sys/net/ipv6/conf/NAME/
 * disable_ipv6): an IPv4-only TUN otherwise receives the kernel's router
 * solicitations and MLD reports. */
int tun_set_ipv6(const struct tun *t, bool enable);

/* One packet from / to queue q: the length, or -EAGAIN (non-blocking, no
 * packet), -EINVAL (bad queue), or what read()/writev() reported. */
ssize_t tun_read(const struct tun *t, int q, void *buf, size_t len);
ssize_t tun_writev(const struct tun *t, int q, const struct iovec *iov, int iovcnt);

#endif
