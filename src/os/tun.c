#include "os/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/log.h"

#define TUN_CLONE_DEV "/dev/net/tun"

static int tun_open_queue(const struct tun_config *cfg, const char *name,
			  short flags, char out_name[IF_NAMESIZE])
{
	int oflags = O_RDWR | (cfg->nonblock ? O_NONBLOCK : 0) | (cfg->cloexec ? O_CLOEXEC : 0);
	int fd = open(TUN_CLONE_DEV, oflags);
	if (fd < 0) {
		int r = -errno;
		log_err("tun: open %s: %s", TUN_CLONE_DEV, strerror(-r));
		return r;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	if (name)
		memcpy(ifr.ifr_name, name, strlen(name)); /* length checked by caller */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int r = -errno;
		log_err("tun: TUNSETIFF %s: %s", name ? name : "(kernel-named)", strerror(-r));
		close(fd);
		return r;
	}
	if (out_name) {
		memcpy(out_name, ifr.ifr_name, IF_NAMESIZE);
		out_name[IF_NAMESIZE - 1] = '\0';
	}
	return fd;
}

/* The header's byte order is fixed to little-endian (virtio 1.0), whatever
 * the host's; then the offloads, without USO on kernels before 6.2. */
static int tun_vnet_setup(struct tun *t, unsigned int offload)
{
	int le = 1, r;
	t->vnet_hdr_len = (int)sizeof(struct virtio_net_hdr);
	if (ioctl(t->fd[0], TUNSETVNETLE, &le) < 0 && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
		r = -errno;
		log_err("tun: %s: TUNSETVNETLE: %s", t->name, strerror(-r));
		return r;
	}
	if (!offload)
		return 0;
	r = tun_set_offload(t, offload);
	if (r == -EINVAL && (offload & (TUN_F_USO4 | TUN_F_USO6))) {
		log_debug("tun: %s: no USO offload in this kernel", t->name);
		r = tun_set_offload(t, offload & ~(unsigned)(TUN_F_USO4 | TUN_F_USO6));
	}
	if (r < 0)
		log_err("tun: %s: TUNSETOFFLOAD 0x%x: %s", t->name, offload, strerror(-r));
	return r;
}

int tun_open(struct tun *t, const struct tun_config *cfg)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < TUN_MAX_QUEUES; i++)
		t->fd[i] = -1;

	unsigned queues = cfg->queues ? cfg->queues : 1;
	if (queues > TUN_MAX_QUEUES || (cfg->offload && !cfg->vnet_hdr))
		return -EINVAL;
	const char *name = cfg->name && cfg->name[0] ? cfg->name : NULL;
	if (name && strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	bool mq = cfg->multi_queue || queues > 1;

	short flags = IFF_TUN | IFF_NO_PI;
	if (mq)
		flags |= IFF_MULTI_QUEUE;
	if (cfg->vnet_hdr)
		flags |= IFF_VNET_HDR;

	int r = tun_open_queue(cfg, name, flags, t->name);
	if (r < 0)
		return r;
	t->fd[0] = r;
	t->nfds = 1;

	unsigned int features = 0;
	unsigned int wanted = (unsigned short)flags & (IFF_MULTI_QUEUE | IFF_VNET_HDR);
	if (ioctl(t->fd[0], TUNGETFEATURES, &features) == 0 && (wanted & ~features)) {
		r = -EOPNOTSUPP;
		goto fail;
	}
	if (ioctl(t->fd[0], TUNSETPERSIST, 0) < 0) {
		r = -errno;
		log_err("tun: %s: TUNSETPERSIST 0: %s", t->name, strerror(-r));
		goto fail;
	}
	/* Later queues attach by the name the first one got. */
	for (unsigned i = 1; i < queues; i++) {
		r = tun_open_queue(cfg, t->name, flags, NULL);
		if (r < 0)
			goto fail;
		t->fd[i] = r;
		t->nfds++;
	}
	unsigned idx = if_nametoindex(t->name);
	if (idx == 0) {
		r = -errno;
		log_err("tun: %s: if_nametoindex: %s", t->name, strerror(-r));
		goto fail;
	}
	t->ifindex = (int)idx;
	t->vnet_hdr = cfg->vnet_hdr;
	t->multi_queue = mq;
	if (t->vnet_hdr) {
		r = tun_vnet_setup(t, cfg->offload);
		if (r < 0)
			goto fail;
	}
	log_debug("tun: %s ifindex %d, %d queue(s)%s, offloads 0x%x", t->name, t->ifindex,
		  t->nfds, t->vnet_hdr ? ", vnet_hdr" : "", t->offload);
	return 0;
fail:
	tun_close(t);
	return r;
}

void tun_close(struct tun *t)
{
	for (int i = 0; i < t->nfds && i < TUN_MAX_QUEUES; i++) {
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		t->fd[i] = -1;
	}
	t->nfds = 0;
}

int tun_set_offload(struct tun *t, unsigned int flags)
{
	if (t->nfds < 1 || (!t->vnet_hdr && flags))
		return -EINVAL;
	if (ioctl(t->fd[0], TUNSETOFFLOAD, (unsigned long)flags) < 0)
		return -errno;
	t->offload = flags;
	return 0;
}

int tun_set_vnet_hdr_size(struct tun *t, int size)
{
	if (t->nfds < 1 || !t->vnet_hdr || size > TUN_VNET_HDR_MAX)
		return -EINVAL;
	if (ioctl(t->fd[0], TUNSETVNETHDRSZ, &size) < 0)
		return -errno;
	t->vnet_hdr_len = size;
	return 0;
}

ssize_t tun_read(const struct tun *t, int q, void *buf, size_t len)
{
	if (q < 0 || q >= t->nfds)
		return -EINVAL;
	ssize_t n = read(t->fd[q], buf, len);
	return n < 0 ? -errno : n;
}

ssize_t tun_writev(const struct tun *t, int q, const struct iovec *iov, int iovcnt)
{
	if (q < 0 || q >= t->nfds)
		return -EINVAL;
	ssize_t n = writev(t->fd[q], iov, iovcnt);
	return n < 0 ? -errno : n;
}

ssize_t tun_read_vnet(const struct tun *t, int q, struct virtio_net_hdr *vh, void *buf,
		      size_t len)
{
	uint8_t pad[TUN_VNET_HDR_MAX];
	if (q < 0 || q >= t->nfds || !t->vnet_hdr)
		return -EINVAL;
	size_t extra = (size_t)t->vnet_hdr_len - sizeof(*vh);
	struct iovec iov[3] = {
		{ .iov_base = vh, .iov_len = sizeof(*vh) },
		{ .iov_base = pad, .iov_len = extra },
		{ .iov_base = buf, .iov_len = len },
	};
	ssize_t n = readv(t->fd[q], iov, 3);
	if (n < 0)
		return -errno;
	if (n < t->vnet_hdr_len)
		return -EIO;   /* the kernel always writes the whole header */
	return n - t->vnet_hdr_len;
}

ssize_t tun_writev_vnet(const struct tun *t, int q, const struct virtio_net_hdr *vh,
			const struct iovec *iov, int iovcnt)
{
	static const uint8_t zero[TUN_VNET_HDR_MAX];
	struct iovec v[2 + TUN_VNET_IOV_MAX];
	if (q < 0 || q >= t->nfds || !t->vnet_hdr || iovcnt < 0 || iovcnt > TUN_VNET_IOV_MAX)
		return -EINVAL;
	v[0].iov_base = (void *)(vh ? (const void *)vh : (const void *)zero);
	v[0].iov_len = sizeof(*vh);
	v[1].iov_base = (void *)zero;
	v[1].iov_len = (size_t)t->vnet_hdr_len - sizeof(*vh);
	if (iovcnt)
		memcpy(&v[2], iov, (size_t)iovcnt * sizeof(*iov));
	ssize_t n = writev(t->fd[q], v, iovcnt + 2);
	if (n < 0)
		return -errno;
	return n < t->vnet_hdr_len ? -EIO : n - t->vnet_hdr_len;
}

int tun_set_ipv6(const struct tun *t, bool enable)
{
	char path[80];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", t->name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, enable ? "0\n" : "1\n", 2);
	int r = n == 2 ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return r;
}
