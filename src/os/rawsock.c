#include "os/rawsock.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "os/mmsg.h"

/* Room for IPV6_PKTINFO (and, on the error queue, the extended error with its
 * offender address). */
#define RAWSOCK_CMSG_SIZE 64
#define RAWSOCK_ERR_CMSG_SIZE 256

static int rawsock_setint(int fd, int level, int opt, int val, const char *name)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0) {
		int r = -errno;
		log_err("rawsock: %s %d: %s", name, val, strerror(-r));
		return r;
	}
	return 0;
}

int rawsock6_open(const struct rawsock6_config *cfg)
{
	if (cfg->protocol <= 0 || cfg->protocol > 255 || cfg->protocol == IPPROTO_RAW)
		return -EINVAL;
	int pmtu;
	switch (cfg->pmtu) {
	case RAWSOCK_PMTU_KERNEL:
		pmtu = -1;
		break;
	case RAWSOCK_PMTU_DO:
		pmtu = IPV6_PMTUDISC_DO;
		break;
	case RAWSOCK_PMTU_WANT:
		pmtu = IPV6_PMTUDISC_WANT;
		break;
	default:
		return -EINVAL;
	}
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, cfg->protocol);
	if (fd < 0) {
		int r = -errno;
		log_err("rawsock: socket(AF_INET6, SOCK_RAW, %d): %s", cfg->protocol, strerror(-r));
		return r;
	}
	int r = rawsock_setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
	if (r < 0)
		goto fail;
	r = rawsock_setint(fd, IPPROTO_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR");
	if (r < 0)
		goto fail;
	if (pmtu >= 0) {
		r = rawsock_setint(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, pmtu, "IPV6_MTU_DISCOVER");
		if (r < 0)
			goto fail;
	}
	if (cfg->rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &cfg->rcvbuf, sizeof(cfg->rcvbuf)) < 0) {
		r = rawsock_setint(fd, SOL_SOCKET, SO_RCVBUF, cfg->rcvbuf, "SO_RCVBUF");
		if (r < 0)
			goto fail;
	}
	if (cfg->bind_addr) {
		struct sockaddr_in6 sa = *cfg->bind_addr;
		sa.sin6_family = AF_INET6;
		sa.sin6_port = 0;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			log_err("rawsock: bind: %s", strerror(-r));
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return r;
}

union rawsock_cmsg {
	struct cmsghdr align;
	uint8_t buf[RAWSOCK_CMSG_SIZE];
};

int rawsock6_recv_batch(int fd, struct rawsock6_pkt *pkts, unsigned int n)
{
	struct mmsghdr mm[RAWSOCK_BATCH_MAX];
	struct iovec iov[RAWSOCK_BATCH_MAX];
	union rawsock_cmsg cm[RAWSOCK_BATCH_MAX];

	if (n == 0)
		return -EINVAL;
	n = MIN(n, RAWSOCK_BATCH_MAX);
	for (unsigned i = 0; i < n; i++)
		mmsg_slot(&mm[i], &iov[i], pkts[i].buf, pkts[i].size, &pkts[i].peer,
			  sizeof(pkts[i].peer), cm[i].buf, sizeof(cm[i].buf));
	int got = recvmmsg(fd, mm, n, 0, NULL);
	if (got < 0)
		return -errno;
	for (int i = 0; i < got; i++) {
		struct rawsock6_pkt *p = &pkts[i];
		struct msghdr *h = &mm[i].msg_hdr;
		p->len = mm[i].msg_len;
		p->truncated = (h->msg_flags & MSG_TRUNC) != 0;
		memset(&p->local, 0, sizeof(p->local));
		p->ifindex = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				p->local = pi.ipi6_addr;
				p->ifindex = (int)pi.ipi6_ifindex;
			}
		}
	}
	return got;
}

static int rawsock6_send_chunk(int fd, const struct rawsock6_pkt *pkts, unsigned int n)
{
	struct mmsghdr mm[RAWSOCK_BATCH_MAX];
	struct iovec iov[RAWSOCK_BATCH_MAX];
	union rawsock_cmsg cm[RAWSOCK_BATCH_MAX];

	memset(mm, 0, n * sizeof(mm[0]));
	for (unsigned i = 0; i < n; i++) {
		const struct rawsock6_pkt *p = &pkts[i];
		struct msghdr *h = &mm[i].msg_hdr;
		/* The kernel only reads msg_name and the iovecs on send. */
		h->msg_name = (void *)(uintptr_t)&p->peer;
		h->msg_namelen = sizeof(p->peer);
		if (p->iovcnt) {
			h->msg_iov = (struct iovec *)(uintptr_t)p->iov;
			h->msg_iovlen = p->iovcnt;
		} else {
			iov[i].iov_base = p->buf;
			iov[i].iov_len = p->len;
			h->msg_iov = &iov[i];
			h->msg_iovlen = 1;
		}
		if (p->ifindex > 0 || !IN6_IS_ADDR_UNSPECIFIED(&p->local)) {
			struct in6_pktinfo pi = { .ipi6_addr = p->local,
						  .ipi6_ifindex = (unsigned)MAX(p->ifindex, 0) };
			memset(cm[i].buf, 0, sizeof(cm[i].buf));
			h->msg_control = cm[i].buf;
			h->msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *c = CMSG_FIRSTHDR(h);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	int sent = sendmmsg(fd, mm, n, 0);
	return sent < 0 ? -errno : sent;
}

int rawsock6_send_batch(int fd, const struct rawsock6_pkt *pkts, unsigned int n)
{
	unsigned int done = 0;
	if (n == 0)
		return -EINVAL;
	while (done < n) {
		unsigned int chunk = MIN(n - done, RAWSOCK_BATCH_MAX);
		int r = rawsock6_send_chunk(fd, pkts + done, chunk);
		if (r < 0)
			return done ? (int)done : r;
		done += (unsigned)r;
		if ((unsigned)r < chunk)
			break;
	}
	return (int)done;
}

int rawsock6_read_errors(int fd, struct rawsock6_error *errs, unsigned int n)
{
	unsigned int got = 0;
	while (got < n) {
		struct rawsock6_error *e = &errs[got];
		union {
			struct cmsghdr align;
			uint8_t buf[RAWSOCK_ERR_CMSG_SIZE];
		} cm;
		memset(e, 0, sizeof(*e));
		struct iovec iov = { .iov_base = e->payload, .iov_len = sizeof(e->payload) };
		struct msghdr h = {
			.msg_name = &e->dst, .msg_namelen = sizeof(e->dst),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
		};
		ssize_t len = recvmsg(fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		bool found = false;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
			if (c->cmsg_level != IPPROTO_IPV6 || c->cmsg_type != IPV6_RECVERR ||
			    c->cmsg_len < CMSG_LEN(sizeof(struct sock_extended_err)))
				continue;
			struct sock_extended_err ee;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			e->err = (int)ee.ee_errno;
			e->origin = ee.ee_origin;
			e->type = ee.ee_type;
			e->code = ee.ee_code;
			e->info = ee.ee_info;
			/* SO_EE_OFFENDER follows the struct when the cmsg has room. */
			size_t have = c->cmsg_len - CMSG_LEN(0) - sizeof(ee);
			memset(&e->offender, 0, sizeof(e->offender));
			if (have >= sizeof(sa_family_t)) {
				memcpy(&e->offender, CMSG_DATA(c) + sizeof(ee),
				       MIN(have, sizeof(e->offender)));
				if (e->offender.sin6_family != AF_INET6)
					memset(&e->offender, 0, sizeof(e->offender));
			}
			found = true;
		}
		if (!found) {
			log_rl(LOG_WARNING, "rawsock: error queue entry without IPV6_RECVERR dropped");
			continue;
		}
		if (h.msg_namelen < sizeof(e->dst))
			memset(&e->dst, 0, sizeof(e->dst));
		e->payload_len = (size_t)len;
		e->payload_truncated = (h.msg_flags & MSG_TRUNC) != 0;
		got++;
	}
	return (int)got;
}
