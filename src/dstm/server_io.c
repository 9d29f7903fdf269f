/* The server's only socket code.  Datagrams are read in batches with
 * recvmmsg; the whole batch is processed inside one store transaction and
 * its replies leave with one sendmmsg once the commit is durable, so a lease
 * is on disk before the client hears of it and one fsync covers many leases
 * (group commit).  With store-sync = "full" the fsync runs in a second
 * thread, overlapping the next batches (see struct server_io). */
#include "dstm/server_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

#define IO_BATCH 64
#define IO_MAX_BATCHES 16        /* per wakeup, so timers and ctl get a turn */
#define IO_SLOTS 8               /* reply batches in flight to the sync thread */
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

/* The replies of one receive batch, waiting for their leases to be durable. */
struct io_slot {
	size_t n;
	struct server_tx tx[IO_BATCH];
	struct sockaddr_in6 to[IO_BATCH];
	uint8_t cmsg[IO_BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct iovec iov[IO_BATCH];
	struct mmsghdr msgs[IO_BATCH];
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

	/* Pipelined group commit (store-sync = "full"): the loop commits a
	 * batch without waiting for the disk and queues its slot; the sync
	 * thread takes every queued slot, makes them durable with one
	 * store_sync() and sends their replies, while the loop goes on
	 * reading.  Without the thread, replies leave right after the commit
	 * (store-sync = "normal": kill -9 safe, the OS holds the data). */
	bool threaded;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work, freed;
	bool stop;
	bool thread_started;
	struct io_slot *slots;       /* IO_SLOTS, or 1 without the thread */
	bool busy[IO_SLOTS];         /* queued or being sent */
	unsigned queue[IO_SLOTS];    /* FIFO of queued slot indexes */
	unsigned q_head, q_len;
	unsigned cur;                /* the slot the loop fills */
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

/* Address one datagram: destination, and the interface through
 * IPV6_PKTINFO (RFC 8415 18.3.10: through the interface it came in on). */
static void io_prep_tx(const struct server_tx *tx, struct mmsghdr *m, struct sockaddr_in6 *to,
		       struct iovec *iov, uint8_t *cbuf, size_t cbuf_len)
{
	memset(to, 0, sizeof(*to));
	to->sin6_family = AF_INET6;
	to->sin6_addr = tx->dst;
	to->sin6_port = htons(tx->dport);
	if (IN6_IS_ADDR_LINKLOCAL(&tx->dst))
		to->sin6_scope_id = (uint32_t)tx->ifindex;
	iov->iov_base = (void *)tx->buf;
	iov->iov_len = tx->len;
	size_t clen = 0;
	if (tx->ifindex > 0) {
		struct msghdr tmp = { .msg_control = cbuf, .msg_controllen = cbuf_len };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&tmp);
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)tx->ifindex };
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		clen = CMSG_SPACE(sizeof(pi));
	}
	io_fill_msg(&m->msg_hdr, to, iov, clen ? cbuf : NULL, clen);
}

static void io_flush(struct server_io *io, struct io_slot *sl)
{
	size_t off = 0;
	while (off < sl->n) {
		int r = sendmmsg(io->fd, &sl->msgs[off], (unsigned)(sl->n - off), 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_rl(LOG_WARNING, "sendmmsg: %s", strerror(errno));
			off++;   /* skip the datagram that failed, keep the rest */
			continue;
		}
		off += (size_t)r;
	}
	sl->n = 0;
}

static int io_send_one(void *ctx, const struct server_tx *tx)
{
	struct server_io *io = ctx;
	struct mmsghdr m;
	struct sockaddr_in6 to;
	struct iovec iov;
	uint8_t cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	io_prep_tx(tx, &m, &to, &iov, cbuf, sizeof(cbuf));
	if (sendmsg(io->fd, &m.msg_hdr, 0) < 0) {
		int e = errno;
		log_warn("send: %s", strerror(e));
		return -e;
	}
	return 0;
}

static void *io_sync_thread(void *arg)
{
	struct server_io *io = arg;
	unsigned take[IO_SLOTS];
	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->q_len && !io->stop)
			pthread_cond_wait(&io->work, &io->lock);
		if (!io->q_len && io->stop)
			break;
		unsigned n = io->q_len;
		for (unsigned i = 0; i < n; i++)
			take[i] = io->queue[(io->q_head + i) % IO_SLOTS];
		io->q_head = (io->q_head + n) % IO_SLOTS;
		io->q_len = 0;
		pthread_mutex_unlock(&io->lock);

		/* one fdatasync makes every batch committed so far durable */
		int r = store_sync(io->s->store);
		for (unsigned i = 0; i < n; i++) {
			struct io_slot *sl = &io->slots[take[i]];
			if (r < 0) {
				log_rl(LOG_ERR, "store sync failed (%s): %zu replies withheld",
				       strerror(-r), sl->n);
				sl->n = 0;
			} else {
				io_flush(io, sl);
			}
		}

		pthread_mutex_lock(&io->lock);
		for (unsigned i = 0; i < n; i++)
			io->busy[take[i]] = false;
		pthread_cond_signal(&io->freed);
	}
	pthread_mutex_unlock(&io->lock);
	return NULL;
}

/* Hand the current slot to the sync thread and take a free one, waiting
 * while every slot is in flight (backpressure: the disk sets the pace). */
static void io_queue_slot(struct server_io *io)
{
	pthread_mutex_lock(&io->lock);
	io->busy[io->cur] = true;
	io->queue[(io->q_head + io->q_len) % IO_SLOTS] = io->cur;
	io->q_len++;
	pthread_cond_signal(&io->work);
	for (;;) {
		for (unsigned i = 0; i < IO_SLOTS; i++)
			if (!io->busy[i]) {
				io->cur = i;
				pthread_mutex_unlock(&io->lock);
				return;
			}
		pthread_cond_wait(&io->freed, &io->lock);
	}
}

static int io_batch(struct server_io *io)
{
	struct server *s = io->s;
	struct io_slot *sl = &io->slots[io->cur];
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
	sl->n = 0;
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
		const char *ifn = io_ifname(io, rx.ifindex);
		memcpy(rx.ifname, ifn, strnlen(ifn, IF_NAMESIZE - 1) + 1);
		struct server_tx *tx = &sl->tx[sl->n];
		r = server_handle(s, &rx, tx);
		if (r > 0) {
			io_prep_tx(tx, &sl->msgs[sl->n], &sl->to[sl->n], &sl->iov[sl->n],
				   sl->cmsg[sl->n], sizeof(sl->cmsg[sl->n]));
			sl->n++;
		} else if (r < 0 && r != -ENOBUFS) {
			log_rl(LOG_ERR, "request failed: %s", strerror(-r));
		}
	}
	r = s->store_failed ? -EIO : store_commit(s->store);
	if (r < 0) {
		/* Nothing was acknowledged; the clients will retransmit.  The
		 * table in memory ran ahead of the store: rebuild it. */
		store_rollback(s->store);
		s->stats.drop_store_error += sl->n;
		log_rl(LOG_ERR, "store commit failed (%s): %zu replies withheld", strerror(-r), sl->n);
		sl->n = 0;
		int r2 = server_resync(s);
		if (r2 < 0)
			log_err("lease table rebuild failed: %s", strerror(-r2));
		return n;
	}
	if (!sl->n)
		return n;
	if (io->threaded)
		io_queue_slot(io);
	else
		io_flush(io, sl);
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
	io->threaded = s->deferred_sync;
	io->slots = calloc(io->threaded ? IO_SLOTS : 1, sizeof(*io->slots));
	if (!io->slots) {
		r = -ENOMEM;
		goto fail;
	}
	if (io->threaded) {
		pthread_mutex_init(&io->lock, NULL);
		pthread_cond_init(&io->work, NULL);
		pthread_cond_init(&io->freed, NULL);
		r = -pthread_create(&io->thread, NULL, io_sync_thread, io);
		if (r < 0) {
			io->threaded = false;
			goto fail;
		}
		io->thread_started = true;
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
	if (io->thread_started) {
		/* the thread sends what is queued before it ends */
		pthread_mutex_lock(&io->lock);
		io->stop = true;
		pthread_cond_signal(&io->work);
		pthread_mutex_unlock(&io->lock);
		pthread_join(io->thread, NULL);
		pthread_mutex_destroy(&io->lock);
		pthread_cond_destroy(&io->work);
		pthread_cond_destroy(&io->freed);
	}
	free(io->slots);
	if (io->fd >= 0)
		close(io->fd);
	free(io);
}
