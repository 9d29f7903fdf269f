/* TUN devices (STYLE 1: one of the few files that touch the kernel).
 *
 * A ds46 TUN is always IFF_TUN | IFF_NO_PI: every read returns one IP packet
 * (IPv4 or IPv6, told apart by the version nibble) and every write takes one,
 * with no struct tun_pi in front.  With vnet_hdr each packet is preceded by a
 * struct virtio_net_hdr (10 octets unless tun_set_vnet_hdr_size() says
 * otherwise; its fields little-endian: TUNSETVNETLE is set at open).  With
 * offloads (TUNSETOFFLOAD) the kernel hands the reader GSO super-packets of
 * up to 64 KiB with partial checksums and takes the same from the writer;
 * tun_read_vnet() and tun_writev_vnet() separate the header from the packet,
 * and dataplane/offload.h segments and coalesces.  tun_read()/tun_writev()
 * keep passing the header through as part of the data.
 *
 * The device is never left persistent: it disappears when the last queue is
 * closed.  Opening the name of an existing persistent device (ip tuntap add)
 * attaches to it and clears its persist flag.
 *
 * All functions return 0 (or a count) on success and a negative errno. */
#ifndef DS46_OS_TUN_H
#define DS46_OS_TUN_H

#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Queues one struct tun can hold; the kernel allows 256 (MAX_TAP_QUEUES). */
#define TUN_MAX_QUEUES 16
/* Largest vnet header size tun_set_vnet_hdr_size() takes (virtio_net_hdr
 * is 10, the mergeable-buffers variant 12, the v1 hash variant 20). */
#define TUN_VNET_HDR_MAX 32
/* Most iovec entries tun_writev_vnet() takes besides the header. */
#define TUN_VNET_IOV_MAX 128

/* USO (Linux 6.2): UDP segmentation offload; older uapi headers lack it. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif
/* What a data plane that segments in user space asks for (the USO pair is
 * dropped by tun_open when the kernel does not know it). */
#define TUN_OFFLOAD_GSO (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6)

struct tun_config {
	const char *name;  /* NULL or "": the kernel picks "tun%d" */
	unsigned queues;   /* 0 or 1: one queue; >1: IFF_MULTI_QUEUE, one fd each */
	bool multi_queue;  /* IFF_MULTI_QUEUE even with a single queue */
	bool vnet_hdr;     /* IFF_VNET_HDR */
	unsigned int offload; /* with vnet_hdr: TUNSETOFFLOAD flags (TUN_F_*) set at
	                         open; TUN_F_USO4 | TUN_F_USO6 are left out if the
	                         kernel refuses them (struct tun says what was set) */
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
	int vnet_hdr_len;  /* octets in front of every packet (vnet_hdr), else 0 */
	unsigned int offload; /* TUN_F_* in force */
};

/* Create (or attach to) the device and open cfg->queues queues.  On error
 * nothing stays open and *t has nfds == 0.  -EINVAL for a name of
 * IF_NAMESIZE or more or too many queues, or offloads without vnet_hdr;
 * -EBUSY when a single-queue device of that name is already open elsewhere;
 * -EOPNOTSUPP when the kernel lacks IFF_MULTI_QUEUE or IFF_VNET_HDR; what
 * TUNSETOFFLOAD reported when it refuses even the flags without USO. */
int tun_open(struct tun *t, const struct tun_config *cfg);
/* Close every queue (the device goes away with the last one).  Idempotent. */
void tun_close(struct tun *t);

/* TUNSETOFFLOAD: TUN_F_CSUM | TUN_F_TSO4 | ... (<linux/if_tun.h>), device-wide.
 * -EINVAL unless the device was opened with vnet_hdr (offloads without a
 * virtio header would hand the reader unchecksummed super-packets), and
 * from the kernel for flags it does not know (TSO and USO need CSUM; USO4
 * and USO6 go together).  Records the flags in t->offload. */
int tun_set_offload(struct tun *t, unsigned int flags);
/* TUNSETVNETHDRSZ, device-wide; the kernel refuses sizes below
 * sizeof(struct virtio_net_hdr) with -EINVAL, and so does this above
 * TUN_VNET_HDR_MAX.  Records the size in t->vnet_hdr_len. */
int tun_set_vnet_hdr_size(struct tun *t, int size);

/* Enable or disable IPv6 on the device (/proc/sys/net/ipv6/conf/NAME/
 * disable_ipv6): an IPv4-only TUN otherwise receives the kernel's router
 * solicitations and MLD reports. */
int tun_set_ipv6(const struct tun *t, bool enable);

/* One packet from / to queue q: the length, or -EAGAIN (non-blocking, no
 * packet), -EINVAL (bad queue), or what read()/writev() reported. */
ssize_t tun_read(const struct tun *t, int q, void *buf, size_t len);
ssize_t tun_writev(const struct tun *t, int q, const struct iovec *iov, int iovcnt);

/* The same on a vnet_hdr device, the header apart: *vh gets the virtio
 * header (any octets past 10 are discarded) and buf the packet; returns
 * the packet's length.  A GSO packet can be 64 KiB: give a buffer of
 * 65536 octets (a shorter one gets the packet cut short, as read(2) does).
 * -EINVAL without vnet_hdr. */
ssize_t tun_read_vnet(const struct tun *t, int q, struct virtio_net_hdr *vh, void *buf,
		      size_t len);
/* Write *vh (NULL: all zero, a plain packet), zero-padded to vnet_hdr_len,
 * then the packet gathered from iov; returns the packet's length.  -EINVAL
 * without vnet_hdr or with more than TUN_VNET_IOV_MAX entries; the kernel
 * says -EINVAL to inconsistent GSO headers. */
ssize_t tun_writev_vnet(const struct tun *t, int q, const struct virtio_net_hdr *vh,
			const struct iovec *iov, int iovcnt);

#endif
