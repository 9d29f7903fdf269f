#include "os/udp4.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/mmsg.h"

/* IP_PKTINFO and IP_TTL, with room to spare. */
#define UDP4_CMSG_SIZE 96

static int udp4_setint(int fd, int level, int opt, int val, const char *name)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0) {
		int r = -errno;
		log_err("udp4: %s %d: %s", name, val, strerror(-r));
		return r;
	}
	return 0;
}

int udp4_open(const struct udp4_config *cfg)
{
	const char *ifn = cfg->ifname ? cfg->ifname : "";
	if (strlen(ifn) >= IF_NAMESIZE)
		return -EINVAL;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		int r = -errno;
		log_err("udp4: socket: %s", strerror(-r));
		return r;
	}
	int r = udp4_setint(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
	if (r == 0)
		r = udp4_setint(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL");
	if (r == 0 && cfg->broadcast)
		r = udp4_setint(fd, SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST");
	if (r == 0 && cfg->reuseaddr)
		r = udp4_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	if (r == 0 && cfg->rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &cfg->rcvbuf, sizeof(cfg->rcvbuf)) < 0)
		r = udp4_setint(fd, SOL_SOCKET, SO_RCVBUF, cfg->rcvbuf, "SO_RCVBUF");
	if (r == 0 && ifn[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn, (socklen_t)strlen(ifn)) < 0) {
		r = -errno;
		log_err("udp4: SO_BINDTODEVICE %s: %s", ifn, strerror(-r));
	}
	if (r < 0)
		goto fail;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = cfg->addr,
				  .sin_port = htons(cfg->port) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		char a[ADDR4_STRLEN];
		log_err("udp4: bind %s:%u: %s", fmt_in4(ntohl(cfg->addr.s_addr), a), cfg->port,
			strerror(-r));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

int udp4_local(int fd, struct sockaddr_in *sa)
{
	socklen_t l = sizeof(*sa);
	memset(sa, 0, sizeof(*sa));
	if (getsockname(fd, (struct sockaddr *)sa, &l) < 0)
		return -errno;
	return sa->sin_family == AF_INET ? 0 : -EAFNOSUPPORT;
}

union udp4_cmsg {
	struct cmsghdr align;
	uint8_t buf[UDP4_CMSG_SIZE];
};

int udp4_recv_batch(int fd, struct udp4_msg *msgs, unsigned int n)
{
	struct mmsghdr mm[UDP4_BATCH_MAX];
	struct iovec iov[UDP4_BATCH_MAX];
	union udp4_cmsg cm[UDP4_BATCH_MAX];

	if (n == 0)
		return -EINVAL;
	n = MIN(n, UDP4_BATCH_MAX);
	for (unsigned i = 0; i < n; i++)
		mmsg_slot(&mm[i], &iov[i], msgs[i].buf, msgs[i].size, &msgs[i].peer,
			  sizeof(msgs[i].peer), cm[i].buf, sizeof(cm[i].buf));
	int got = recvmmsg(fd, mm, n, 0, NULL);
	if (got < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (int i = 0; i < got; i++) {
		struct udp4_msg *m = &msgs[i];
		struct msghdr *h = &mm[i].msg_hdr;
		m->len = MIN((size_t)mm[i].msg_len, m->size);
		m->truncated = (h->msg_flags & MSG_TRUNC) != 0;
		if (h->msg_namelen < sizeof(m->peer))
			memset(&m->peer, 0, sizeof(m->peer));
		m->local.s_addr = 0;
		m->spec_dst.s_addr = 0;
		m->ifindex = 0;
		m->ttl = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
			if (c->cmsg_level != IPPROTO_IP)
				continue;
			if (c->cmsg_type == IP_PKTINFO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				m->local = pi.ipi_addr;
				m->spec_dst = pi.ipi_spec_dst;
				m->ifindex = pi.ipi_ifindex;
			} else if (c->cmsg_type == IP_TTL && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				int ttl;
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
				m->ttl = ttl;
			}
		}
	}
	return got;
}

static void udp4_cmsg_add(struct msghdr *h, struct cmsghdr **c, int type, const void *data,
			  size_t len)
{
	*c = *c ? CMSG_NXTHDR(h, *c) : CMSG_FIRSTHDR(h);
	(*c)->cmsg_level = IPPROTO_IP;
	(*c)->cmsg_type = type;
	(*c)->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(*c), data, len);
}

static int udp4_send_chunk(int fd, const struct udp4_msg *msgs, unsigned int n)
{
	struct mmsghdr mm[UDP4_BATCH_MAX];
	struct iovec iov[UDP4_BATCH_MAX];
	union udp4_cmsg cm[UDP4_BATCH_MAX];

	memset(mm, 0, n * sizeof(mm[0]));
	for (unsigned i = 0; i < n; i++) {
		const struct udp4_msg *m = &msgs[i];
		struct msghdr *h = &mm[i].msg_hdr;
		if (m->ttl < 0 || m->ttl > 255) {
			n = i;   /* send the ones before; this one fails next call */
			break;
		}
		/* the kernel only reads msg_name and the iovec on send */
		h->msg_name = (void *)(uintptr_t)&m->peer;
		h->msg_namelen = sizeof(m->peer);
		iov[i].iov_base = m->buf;
		iov[i].iov_len = m->len;
		h->msg_iov = &iov[i];
		h->msg_iovlen = 1;
		bool pktinfo = m->local.s_addr != INADDR_ANY || m->ifindex > 0;
		if (!pktinfo && m->ttl == 0)
			continue;
		memset(cm[i].buf, 0, sizeof(cm[i].buf));
		h->msg_control = cm[i].buf;
		h->msg_controllen = (pktinfo ? CMSG_SPACE(sizeof(struct in_pktinfo)) : 0) +
				    (m->ttl ? CMSG_SPACE(sizeof(int)) : 0);
		struct cmsghdr *c = NULL;
		if (pktinfo) {
			struct in_pktinfo pi = { .ipi_ifindex = MAX(m->ifindex, 0),
						 .ipi_spec_dst = m->local };
			udp4_cmsg_add(h, &c, IP_PKTINFO, &pi, sizeof(pi));
		}
		if (m->ttl) {
			int ttl = m->ttl;
			udp4_cmsg_add(h, &c, IP_TTL, &ttl, sizeof(ttl));
		}
	}
	if (n == 0)
		return -EINVAL;
	int sent = sendmmsg(fd, mm, n, 0);
	if (sent < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return sent;
}

int udp4_send_batch(int fd, const struct udp4_msg *msgs, unsigned int n)
{
	unsigned int done = 0;
	if (n == 0)
		return -EINVAL;
	while (done < n) {
		unsigned int chunk = MIN(n - done, UDP4_BATCH_MAX);
		int r = udp4_send_chunk(fd, msgs + done, chunk);
		if (r < 0)
			return done ? (int)done : r;
		done += (unsigned)r;
		if ((unsigned)r < chunk)
			break;
	}
	return (int)done;
}

int udp4_send(int fd, const struct udp4_msg *msg)
{
	int r = udp4_send_batch(fd, msg, 1);
	return r < 0 ? r : (int)msg->len;
}
