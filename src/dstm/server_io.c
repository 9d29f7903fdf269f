/* The server's only socket code.  Datagrams are read in batches with
 * recvmmsg; the whole batch is processed inside one store transaction and
 * its replies leave with one sendmmsg after the commit, so a lease is on disk
 * before the client hears of it and one fsync covers many leases (group
 * commit). */
#include "dstm/server_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

#define IO_BATCH 64
#define IO_MAX_BATCHES 16        /* per wakeup, so timers and ctl get a turn */
#define IO_RCVBUF (8 << 20)
#define IO_RXBUF (DHCP6_MAX_MSG + 1)  /* one more byte to see oversized datagrams */

/* RFC 8415 7.1 */
static const struct in6_addr all_dhcp_relay_agents_and_servers = {
	.s6_addr = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2 }
};

struct ifname_cache {
	int ifindex;
	char name[IF_NAMESIZE];
};

struct server_io {
	struct server *s;
	int fd;
	struct event *ev;
	struct ifname_cache ifc[32];
	uint8_t rx[IO_BATCH][IO_RXBUF];
	struct sockaddr_in6 from[IO_BATCH];
	uint8_t cmsg[IO_BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct iovec iov[IO_BATCH];
	struct mmsghdr msgs[IO_BATCH];
	struct server_tx tx[IO_BATCH];
	struct sockaddr_in6 to[IO_BATCH];
	uint8_t txcmsg[IO_BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct iovec txiov[IO_BATCH];
	struct mmsghdr txmsgs[IO_BATCH];
};

static const char *io_ifname(struct server_io *io, int ifindex)
{
	if (ifindex <= 0)
		return "";
	size_t slot = (size_t)ifindex % ARRAY_SIZE(io->ifc);
	struct ifname_cache *c = &io->ifc[slot];
	if (c->ifindex != ifindex) {
		if (!if_indextoname((unsigned)ifindex, c->name))
			c->name[0] = '\0';
		c->ifindex = ifindex;
	}
	return c->name;
}

static void io_fill_msg(struct msghdr *h, struct sockaddr_in6 *sa, struct iovec *iov,
			void *ctl, size_t ctl_len)
{
	memset(h, 0, sizeof(*h));
	h->msg_name = sa;
	h->msg_namelen = sizeof(*sa);
	h->msg_iov = iov;
	h->msg_iovlen = 1;
	h->msg_control = ctl;
	h->msg_controllen = ctl_len;
}

/* Prepare one outgoing datagram: destination, and the interface through
 * IPV6_PKTINFO (RFC 8415 18.3.10: through the interface it came in on). */
static void io_prep_tx(struct server_io *io, size_t k, const struct server_tx *tx)
{
	struct sockaddr_in6 *to = &io->to[k];
	memset(to, 0, sizeof(*to));
	to->sin6_family = AF_INET6;
	to->sin6_addr = tx->dst;
	to->sin6_port = htons(tx->dport);
	if (IN6_IS_ADDR_LINKLOCAL(&tx->dst))
		to->sin6_scope_id = (uint32_t)tx->ifindex;
	io->txiov[k].iov_base = (void *)tx->buf;
	io->txiov[k].iov_len = tx->len;
	size_t clen = 0;
	if (tx->ifindex > 0) {
		struct msghdr tmp = { .msg_control = io->txcmsg[k],
				      .msg_controllen = sizeof(io->txcmsg[k]) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&tmp);
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)tx->ifindex };
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		clen = CMSG_SPACE(sizeof(pi));
	}
	io_fill_msg(&io->txmsgs[k].msg_hdr, to, &io->txiov[k], clen ? io->txcmsg[k] : NULL, clen);
}

static void io_flush(struct server_io *io, size_t n)
{
	size_t off = 0;
	while (off < n) {
		int r = sendmmsg(io->fd, &io->txmsgs[off], (unsigned)(n - off), 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_rl(LOG_WARNING, "sendmmsg: %s", strerror(errno));
			off++;   /* skip the datagram that failed, keep the rest */
			continue;
		}
		off += (size_t)r;
	}
}

static int io_send_one(void *ctx, const struct server_tx *tx)
{
	struct server_io *io = ctx;
	io_prep_tx(io, 0, tx);   /* outside a batch: slot 0 is free */
	if (sendmsg(io->fd, &io->txmsgs[0].msg_hdr, 0) < 0) {
		int e = errno;
		log_warn("send: %s", strerror(e));
		return -e;
	}
	return 0;
}

static int io_batch(struct server_io *io)
{
	struct server *s = io->s;
	for (size_t i = 0; i < IO_BATCH; i++) {
		io->iov[i].iov_base = io->rx[i];
		io->iov[i].iov_len = sizeof(io->rx[i]);
		io_fill_msg(&io->msgs[i].msg_hdr, &io->from[i], &io->iov[i], io->cmsg[i],
			    sizeof(io->cmsg[i]));
	}
	int n = recvmmsg(io->fd, io->msgs, IO_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return n < 0 && errno != EAGAIN && errno != EINTR ? -errno : 0;

	s->now = now_wall();
	size_t ntx = 0;
	int r = store_begin(s->store);
	if (r < 0) {
		s->stats.drop_store_error += (uint64_t)n;
		log_rl(LOG_ERR, "store: cannot begin transaction: %s", strerror(-r));
		return n;
	}
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &io->msgs[i].msg_hdr;
		struct server_rx rx = {
			.buf = io->rx[i],
			.len = io->msgs[i].msg_len,
			.src = io->from[i].sin6_addr,
			.sport = ntohs(io->from[i].sin6_port),
		};
		if (h->msg_flags & MSG_TRUNC)
			rx.len = DHCP6_MAX_MSG + 1;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm))
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				rx.ifindex = (int)pi.ipi6_ifindex;
				rx.dst_multicast = IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr);
			}
		snprintf(rx.ifname, sizeof(rx.ifname), "%s", io_ifname(io, rx.ifindex));
		r = server_handle(s, &rx, &io->tx[ntx]);
		if (r > 0) {
			io_prep_tx(io, ntx, &io->tx[ntx]);
			ntx++;
		} else if (r < 0 && r != -ENOBUFS) {
			log_rl(LOG_ERR, "request failed: %s", strerror(-r));
		}
	}
	r = s->store_failed ? -EIO : store_commit(s->store);
	if (r < 0) {
		/* Nothing was acknowledged; the clients will retransmit.  The
		 * table in memory ran ahead of the store: rebuild it. */
		store_rollback(s->store);
		s->stats.drop_store_error += ntx;
		log_rl(LOG_ERR, "store commit failed (%s): %zu replies withheld", strerror(-r), ntx);
		int r2 = server_resync(s);
		if (r2 < 0)
			log_err("lease table rebuild failed: %s", strerror(-r2));
		return n;
	}
	io_flush(io, ntx);
	return n;
}

static void io_readable(evutil_socket_t fd, short what, void *arg)
{
	struct server_io *io = arg;
	(void)fd;
	(void)what;
	for (int i = 0; i < IO_MAX_BATCHES; i++) {
		int n = io_batch(io);
		if (n < 0)
			log_rl(LOG_ERR, "recvmmsg: %s", strerror(-n));
		if (n < IO_BATCH)
			break;
	}
}

int server_io_open(struct server *s, struct event_base *base, struct server_io **out)
{
	struct server_io *io = calloc(1, sizeof(*io));
	const struct cfg_server *cs = &s->cfg->server;
	int on = 1, rcv = IO_RCVBUF, r;
	if (!io)
		return -ENOMEM;
	io->s = s;
	io->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (io->fd < 0) {
		r = -errno;
		goto fail;
	}
	setsockopt(io->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	setsockopt(io->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(io->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	if (setsockopt(io->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(io->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(cs->port),
				   .sin6_addr = in6addr_any };
	if (bind(io->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		log_err("bind [::]:%u: %s", cs->port, strerror(errno));
		goto fail;
	}
	for (uint8_t i = 0; i < cs->n_interfaces; i++) {
		struct ipv6_mreq mr = { .ipv6mr_multiaddr = all_dhcp_relay_agents_and_servers,
					.ipv6mr_interface = if_nametoindex(cs->interfaces[i]) };
		if (!mr.ipv6mr_interface) {
			r = -ENODEV;
			log_err("interface %s: %s", cs->interfaces[i], strerror(errno));
			goto fail;
		}
		if (setsockopt(io->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0) {
			r = -errno;
			log_err("join ff02::1:2 on %s: %s", cs->interfaces[i], strerror(errno));
			goto fail;
		}
	}
	for (uint16_t i = 0; i < s->n_links; i++)
		if (s->links[i].cfg->interface[0])
			s->links[i].ifindex = (int)if_nametoindex(s->links[i].cfg->interface);
	io->ev = event_new(base, io->fd, EV_READ | EV_PERSIST, io_readable, io);
	if (!io->ev || event_add(io->ev, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	s->send = io_send_one;
	s->send_ctx = io;
	*out = io;
	return 0;
fail:
	server_io_close(io);
	return r;
}

void server_io_close(struct server_io *io)
{
	if (!io)
		return;
	if (io->s && io->s->send_ctx == io) {
		io->s->send = NULL;
		io->s->send_ctx = NULL;
	}
	if (io->ev)
		event_free(io->ev);
	if (io->fd >= 0)
		close(io->fd);
	free(io);
}
