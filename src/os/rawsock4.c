#include "os/rawsock4.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/mmsg.h"

/* <linux/icmp.h> (it clashes with <net/if.h>): SOL_RAW option 1 */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif
struct rawsock4_icmp_filter {
	uint32_t data;               /* a set bit filters that type out */
};

/* Room for IP_PKTINFO. */
#define RAWSOCK4_CMSG_SIZE 64

static int rawsock4_setint(int fd, int level, int opt, int val, const char *name)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0) {
		int r = -errno;
		log_err("rawsock4: %s %d: %s", name, val, strerror(-r));
		return r;
	}
	return 0;
}

int rawsock4_bind_device(int fd, const char *ifname)
{
	const char *n = ifname ? ifname : "";
	size_t len = strlen(n);
	if (len >= IF_NAMESIZE)
		return -EINVAL;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, n, (socklen_t)len) < 0) {
		int r = -errno;
		log_err("rawsock4: SO_BINDTODEVICE %s: %s", n, strerror(-r));
		return r;
	}
	return 0;
}

static int rawsock4_buf(int fd, int force, int plain, int val, const char *name)
{
	if (val <= 0 || setsockopt(fd, SOL_SOCKET, force, &val, sizeof(val)) == 0)
		return 0;
	return rawsock4_setint(fd, SOL_SOCKET, plain, val, name);
}

int rawsock4_open(const struct rawsock4_config *cfg)
{
	int p = cfg->protocol;
	bool tx = p == IPPROTO_RAW;
	if (p != IPPROTO_IPIP && p != IPPROTO_IPV6 && p != IPPROTO_GRE &&
	    p != RAWSOCK4_PROTO_MINIMAL && p != IPPROTO_ICMP && !tx)
		return -EINVAL;
	if (tx && cfg->bind_addr)
		return -EINVAL;
	if (cfg->ifname && strlen(cfg->ifname) >= IF_NAMESIZE)
		return -EINVAL;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, p);
	if (fd < 0) {
		int r = -errno;
		log_err("rawsock4: socket(AF_INET, SOCK_RAW, %d): %s", p, strerror(-r));
		return r;
	}
	int r;
	if (tx) {
		r = rawsock4_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, cfg->sndbuf, "SO_SNDBUF");
	} else {
		r = rawsock4_setint(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
		if (r == 0 && p == IPPROTO_ICMP) {
			struct rawsock4_icmp_filter f = { .data = ~RAWSOCK4_ICMP_ERRORS };
			if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) < 0) {
				r = -errno;
				log_err("rawsock4: ICMP_FILTER: %s", strerror(-r));
			}
		}
		if (r == 0)
			r = rawsock4_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, cfg->rcvbuf, "SO_RCVBUF");
	}
	if (r < 0)
		goto fail;
	if (cfg->ifname && cfg->ifname[0]) {
		r = rawsock4_bind_device(fd, cfg->ifname);
		if (r < 0)
			goto fail;
	}
	if (cfg->bind_addr) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = *cfg->bind_addr };
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			char a[ADDR4_STRLEN];
			log_err("rawsock4: bind %s: %s", fmt_in4(ntohl(sa.sin_addr.s_addr), a),
				strerror(-r));
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return r;
}

union rawsock4_cmsg {
	struct cmsghdr align;
	uint8_t buf[RAWSOCK4_CMSG_SIZE];
};

int rawsock4_recv_batch(int fd, struct rawsock4_pkt *pkts, unsigned int n)
{
	struct mmsghdr mm[RAWSOCK4_BATCH_MAX];
	struct iovec iov[RAWSOCK4_BATCH_MAX];
	union rawsock4_cmsg cm[RAWSOCK4_BATCH_MAX];

	if (n == 0)
		return -EINVAL;
	n = MIN(n, RAWSOCK4_BATCH_MAX);
	for (unsigned i = 0; i < n; i++)
		mmsg_slot(&mm[i], &iov[i], pkts[i].buf, pkts[i].size, &pkts[i].peer,
			  sizeof(pkts[i].peer), cm[i].buf, sizeof(cm[i].buf));
	int got = recvmmsg(fd, mm, n, 0, NULL);
	if (got < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (int i = 0; i < got; i++) {
		struct rawsock4_pkt *p = &pkts[i];
		struct msghdr *h = &mm[i].msg_hdr;
		p->len = mm[i].msg_len;
		p->truncated = (h->msg_flags & MSG_TRUNC) != 0;
		if (p->truncated)
			p->len = MIN(p->len, p->size);
		if (h->msg_namelen < sizeof(p->peer))
			memset(&p->peer, 0, sizeof(p->peer));
		p->local.s_addr = 0;
		p->ifindex = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				p->local = pi.ipi_addr;
				p->ifindex = pi.ipi_ifindex;
			}
		}
	}
	return got;
}

/* The destination the kernel routes to: the caller's, or the header's. */
static int rawsock4_dst(const struct rawsock4_pkt *p, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr = p->peer.sin_addr;
	if (sa->sin_addr.s_addr != INADDR_ANY)
		return 0;
	const uint8_t *h = p->buf;
	size_t l = p->len;
	if (p->iovcnt) {
		h = p->iov[0].iov_base;
		l = p->iov[0].iov_len;
	}
	if (!h || l < 20 || h[0] >> 4 != 4)
		return -EINVAL;
	memcpy(&sa->sin_addr, h + 16, 4);
	return 0;
}

static int rawsock4_send_chunk(int fd, const struct rawsock4_pkt *pkts, unsigned int n)
{
	struct mmsghdr mm[RAWSOCK4_BATCH_MAX];
	struct iovec iov[RAWSOCK4_BATCH_MAX];
	struct sockaddr_in dst[RAWSOCK4_BATCH_MAX];
	union rawsock4_cmsg cm[RAWSOCK4_BATCH_MAX];

	memset(mm, 0, n * sizeof(mm[0]));
	for (unsigned i = 0; i < n; i++) {
		const struct rawsock4_pkt *p = &pkts[i];
		struct msghdr *h = &mm[i].msg_hdr;
		if (rawsock4_dst(p, &dst[i]) < 0) {
			n = i;   /* send the ones before; this one fails next call */
			break;
		}
		h->msg_name = &dst[i];
		h->msg_namelen = sizeof(dst[i]);
		if (p->iovcnt) {
			/* the kernel only reads the iovecs on send */
			h->msg_iov = (struct iovec *)(uintptr_t)p->iov;
			h->msg_iovlen = p->iovcnt;
		} else {
			iov[i].iov_base = p->buf;
			iov[i].iov_len = p->len;
			h->msg_iov = &iov[i];
			h->msg_iovlen = 1;
		}
		if (p->ifindex > 0) {
			struct in_pktinfo pi = { .ipi_ifindex = p->ifindex };
			memset(cm[i].buf, 0, sizeof(cm[i].buf));
			h->msg_control = cm[i].buf;
			h->msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *c = CMSG_FIRSTHDR(h);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (n == 0)
		return -EINVAL;
	int sent = sendmmsg(fd, mm, n, 0);
	if (sent < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return sent;
}

int rawsock4_send_batch(int fd, const struct rawsock4_pkt *pkts, unsigned int n)
{
	unsigned int done = 0;
	if (n == 0)
		return -EINVAL;
	while (done < n) {
		unsigned int chunk = MIN(n - done, RAWSOCK4_BATCH_MAX);
		int r = rawsock4_send_chunk(fd, pkts + done, chunk);
		if (r < 0)
			return done ? (int)done : r;
		done += (unsigned)r;
		if ((unsigned)r < chunk)
			break;
	}
	return (int)done;
}
