/* The Mobile IPv4 roles' I/O loop (see engine_io4.h), kept parallel to
 * engine_io.c.  Tunnel side: four AF_INET raw sockets read with recvmmsg,
 * one IPPROTO_RAW socket written with sendmmsg; IPv4 and IPv6 side: the
 * TUN, one read or write per packet.
 *
 * Transmit queue: up to DP_IO4_TXMAX entries, each a whole packet (in a
 * read buffer's headroom, or for a copy in the copy arena) or one fragment
 * (its own header + a slice of the packet: an iovec pair).  A packet's
 * fragments are queued together: the queue is flushed first when they
 * would not all fit, and a packet with more fragments than the whole
 * queue is sent on its own (dp_io4_send_frag).  The read buffers and the
 * arena are not reused before the flush at the end of a batch. */
#include "dataplane/engine_io4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine_mip.h"
#include "os/rawsock4.h"
#include "wire/frag4.h"

#define DP_IO4_BATCH 64
#define DP_IO4_PKT 65536             /* a reassembled tunnel packet, or a TUN read */
#define DP_IO4_SLOT (DP_HEADROOM + DP_IO4_PKT)
#define DP_IO4_ROUNDS 8              /* batches per wakeup before yielding */
#define DP_IO4_BUF (4 << 20)         /* default socket buffers */
#define DP_IO4_TXMAX 256             /* queued packets / fragments */
#define DP_IO4_ARENA (256 << 10)     /* copies for simultaneous bindings */
#define DP_IO4_NPROTO 4

static const int io4_protos[DP_IO4_NPROTO] = { IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_GRE,
					       RAWSOCK4_PROTO_MINIMAL };

struct io4_tx {
	struct iovec iov[2];
	uint8_t hdr[IP4_HDR_MAX];
};

struct io4_rx {
	struct dp_io4 *io;
	int idx;                     /* into io4_protos */
	int fd;
	struct event *ev;
};

struct dp_io4 {
	struct dp_engine *e;
	struct dp_io4_config cfg;
	struct tun tun;
	int tx_fd;
	struct io4_rx rx[DP_IO4_NPROTO];
	struct event *ev_tun;
	int icmp_fd;                 /* ICMPv4 errors (RFC 2003 4), or -1 */
	struct event *ev_icmp;
	uint8_t *buf;                /* DP_IO4_BATCH slots of DP_IO4_SLOT */
	struct rawsock4_pkt pk[DP_IO4_BATCH];
	struct rawsock4_pkt *tx;     /* DP_IO4_TXMAX */
	struct io4_tx *txf;          /* their fragment headers */
	unsigned ntx;
	uint8_t *arena;              /* DP_IO4_ARENA */
	size_t arena_used;
	uint64_t last_err_ms;
	struct dp_io4_stats st;
};

static uint8_t *io4_slot(struct dp_io4 *io, unsigned i)
{
	return io->buf + (size_t)i * DP_IO4_SLOT + DP_HEADROOM;
}

void dp_io4_tun_write(struct dp_io4 *io, const uint8_t *pkt, size_t len)
{
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	ssize_t r = tun_writev(&io->tun, 0, &iov, 1);
	if (r < 0) {
		io->st.tun_write_errors++;
		log_rl(LOG_WARNING, "dataplane: write to %s: %s", io->tun.name, strerror((int)-r));
		return;
	}
	io->st.tun_writes++;
}

static void io4_tx_error(struct dp_io4 *io, const struct rawsock4_pkt *p, int err)
{
	const uint8_t *h = p->iovcnt ? p->iov[0].iov_base : p->buf;
	uint32_t dst = get_be32(h + 16);
	char a[ADDR4_STRLEN];
	io->st.tx_errors++;
	log_rl(LOG_WARNING, "dataplane: tunnel send to %s: %s", fmt_in4(dst, a), strerror(-err));
	if (err == -EAGAIN || err == -ENOBUFS || !io->cfg.tunnel_error)
		return;
	uint64_t now = now_ms_mono();
	if (io->last_err_ms && now - io->last_err_ms < 1000)
		return;
	io->last_err_ms = now;
	io->cfg.tunnel_error(io->cfg.ctx, dst, err);
}

static void io4_flush(struct dp_io4 *io)
{
	unsigned off = 0;
	while (off < io->ntx) {
		int r = rawsock4_send_batch(io->tx_fd, &io->tx[off], io->ntx - off);
		io->st.tx_calls++;
		if (r > 0) {
			off += (unsigned)r;
			io->st.tx_packets += (unsigned)r;
			continue;
		}
		io4_tx_error(io, &io->tx[off], r);
		off++;   /* drop the one that failed, send the rest */
	}
	io->ntx = 0;
	io->arena_used = 0;
}

/* Queue one whole packet (the kernel takes the destination from it). */
static void io4_queue_whole(struct dp_io4 *io, const uint8_t *pkt, size_t len)
{
	if (io->ntx >= DP_IO4_TXMAX)
		io4_flush(io);
	struct rawsock4_pkt *t = &io->tx[io->ntx++];
	memset(t, 0, sizeof(*t));
	t->buf = (uint8_t *)pkt;
	t->len = len;
	memcpy(&t->peer.sin_addr, pkt + 16, 4);
}

/* Queue the fragments prepared in *fr; the caller made room for them. */
static void io4_queue_frags(struct dp_io4 *io, struct frag4 *fr, const uint8_t *pkt)
{
	struct ip4_frag f;
	enum ip_drop why = IP_DROP_NONE;
	int r;
	io->st.frag_packets++;
	while ((r = frag4_next(fr, &f, &why)) == 1) {
		struct rawsock4_pkt *t = &io->tx[io->ntx];
		struct io4_tx *x = &io->txf[io->ntx++];
		memcpy(x->hdr, f.hdr, f.hdr_len);
		x->iov[0] = (struct iovec){ .iov_base = x->hdr, .iov_len = f.hdr_len };
		x->iov[1] = (struct iovec){ .iov_base = (void *)f.data, .iov_len = f.data_len };
		memset(t, 0, sizeof(*t));
		t->iov = x->iov;
		t->iovcnt = 2;
		memcpy(&t->peer.sin_addr, pkt + 16, 4);
		io->st.frag_out++;
	}
	if (r < 0)   /* frag4_init checked everything: not expected */
		log_rl(LOG_WARNING, "dataplane: fragmenting: %s", ip_drop_name(why));
}

/* A DP_TO_TUNNEL4 verdict.  in_arena: o->pkt is the engine's copy buffer,
 * valid until the next dp_mip_ha_copy(): it is copied into the arena. */
static void io4_send(struct dp_io4 *io, const struct dp_out *o, bool in_arena)
{
	const uint8_t *pkt = o->pkt;
	size_t len = o->len;
	struct frag4 fr;
	unsigned need = 1;
	bool cut = o->frag_mtu && len > o->frag_mtu;

	if (in_arena)
		io->st.copies++;
	if (len < IP4_HDR_LEN) {
		io->e->st.drop_malformed++;
		log_rl(LOG_WARNING, "dataplane: engine gave a %zu-octet tunnel packet", len);
		return;
	}
	if (cut) {
		enum ip_drop why = IP_DROP_NONE;
		int n = frag4_init(&fr, pkt, len, o->frag_mtu, &why);
		if (n < 0) {
			io->st.frag_refused++;
			log_rl(LOG_INFO, "dataplane: drop: cannot fragment to %u: %s", o->frag_mtu,
			       why != IP_DROP_NONE ? ip_drop_name(why) : strerror(-n));
			return;
		}
		need = (unsigned)n;
		if (need > DP_IO4_TXMAX) {
			/* a tiny MTU: the packet goes on its own, in chunks */
			if (io->ntx)
				io4_flush(io);
			n = dp_io4_send_frag(io->tx_fd, pkt, len, o->frag_mtu, 0, NULL);
			io->st.tx_calls++;
			if (n < 0) {
				struct rawsock4_pkt p = { .buf = (uint8_t *)pkt, .len = len };
				io4_tx_error(io, &p, n);
				return;
			}
			io->st.frag_packets++;
			io->st.frag_out += need;
			io->st.tx_packets += (unsigned)n;
			return;
		}
	}
	if (io->ntx + need > DP_IO4_TXMAX)
		io4_flush(io);
	if (in_arena) {
		size_t room = (len + 15) & ~(size_t)15;
		if (io->arena_used + room > DP_IO4_ARENA)
			io4_flush(io);
		uint8_t *dst = io->arena + io->arena_used;
		memcpy(dst, pkt, len);
		io->arena_used += room;
		if (cut) {   /* the fragments' data must point at the arena */
			int n = frag4_init(&fr, dst, len, o->frag_mtu, NULL);
			if (n < 0)
				return;
		}
		pkt = dst;
	}
	if (cut)
		io4_queue_frags(io, &fr, pkt);
	else
		io4_queue_whole(io, pkt, len);
}

/* Every verdict; a home agent's copies follow its DP_TO_TUNNEL4. */
static void io4_act(struct dp_io4 *io, const struct dp_out *o)
{
	switch (o->verdict) {
	case DP_TO_TUN:
	case DP_ICMP_TO_TUN:
		dp_io4_tun_write(io, o->pkt, o->len);
		break;
	case DP_TO_TUNNEL4: {
		unsigned copies = o->copies;
		io4_send(io, o, false);
		/* RFC 5944 4.2.3: simultaneous bindings; before the buffer the
		 * packet came in is reused */
		for (unsigned k = 0; k < copies; k++) {
			struct dp_out c;
			memset(&c, 0, sizeof(c));
			if (dp_mip_ha_copy(io->e, k, &c) < 0)
				break;
			if (c.verdict == DP_TO_TUNNEL4)
				io4_send(io, &c, true);
			else if (c.verdict == DP_DROP && c.why)
				log_rl(LOG_INFO, "dataplane: drop copy: %s", c.why);
		}
		break;
	}
	case DP_DROP:
		if (o->why)
			log_rl(LOG_INFO, "dataplane: drop: %s", o->why);
		break;
	case DP_TO_TUNNEL:           /* the DSTM roles' verdicts: engine_io.c */
	case DP_NEED_ADDRESS:
		log_rl(LOG_WARNING, "dataplane: verdict %d in a Mobile IPv4 role", o->verdict);
		break;
	}
}

void dp_io4_act(struct dp_io4 *io, const struct dp_out *o)
{
	io4_act(io, o);
	if (io->ntx)
		io4_flush(io);
}

static void io4_tun_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dp_io4 *io = arg;
	struct dp_out o;
	(void)fd;
	(void)what;
	for (int round = 0; round < DP_IO4_ROUNDS; round++) {
		unsigned i;
		for (i = 0; i < DP_IO4_BATCH; i++) {
			uint8_t *p = io4_slot(io, i);
			ssize_t n = tun_read(&io->tun, 0, p, DP_IO4_PKT);
			if (n < 0) {
				if (n != -EAGAIN && n != -EINTR)
					log_rl(LOG_WARNING, "dataplane: read %s: %s", io->tun.name,
					       strerror((int)-n));
				break;
			}
			io->st.tun_reads++;
			dp_mip_tun_in(io->e, p, (size_t)n, &o);
			io4_act(io, &o);
		}
		if (io->ntx)
			io4_flush(io);
		if (i < DP_IO4_BATCH)
			break;
	}
}

static void io4_raw_readable(evutil_socket_t fd, short what, void *arg)
{
	struct io4_rx *rx = arg;
	struct dp_io4 *io = rx->io;
	struct dp_out o;
	(void)fd;
	(void)what;
	for (int round = 0; round < DP_IO4_ROUNDS; round++) {
		for (unsigned i = 0; i < DP_IO4_BATCH; i++) {
			memset(&io->pk[i], 0, sizeof(io->pk[i]));
			io->pk[i].buf = io4_slot(io, i);
			io->pk[i].size = DP_IO4_PKT;
		}
		int n = rawsock4_recv_batch(rx->fd, io->pk, DP_IO4_BATCH);
		if (n == -EAGAIN || n == -EINTR)
			break;
		if (n < 0) {
			log_rl(LOG_WARNING, "dataplane: tunnel receive (protocol %d): %s",
			       io4_protos[rx->idx], strerror(-n));
			break;
		}
		io->st.tunnel_reads[rx->idx] += (unsigned)n;
		for (int i = 0; i < n; i++) {
			struct rawsock4_pkt *p = &io->pk[i];
			if (p->truncated) {
				io->e->st.drop_malformed++;
				io->st.tunnel_truncated++;
				log_rl(LOG_WARNING, "dataplane: tunnel packet over %d octets", DP_IO4_PKT);
				continue;
			}
			dp_mip_tunnel_in(io->e, p->buf, p->len, &o);
			io4_act(io, &o);
		}
		if (io->ntx)
			io4_flush(io);
		if (n < DP_IO4_BATCH)
			break;
	}
}

/* ICMPv4 errors, some about our tunnel packets: the engine matches the
 * quote (dp_mip_icmp4_in); a relayed error goes into the TUN. */
static void io4_icmp_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dp_io4 *io = arg;
	struct dp_out o;
	(void)what;
	for (int round = 0; round < DP_IO4_ROUNDS; round++) {
		for (unsigned i = 0; i < DP_IO4_BATCH; i++) {
			memset(&io->pk[i], 0, sizeof(io->pk[i]));
			io->pk[i].buf = io4_slot(io, i);
			io->pk[i].size = DP_IO4_PKT;
		}
		int n = rawsock4_recv_batch(fd, io->pk, DP_IO4_BATCH);
		if (n == -EAGAIN || n == -EINTR)
			break;
		if (n < 0) {
			log_rl(LOG_WARNING, "dataplane: ICMP receive: %s", strerror(-n));
			break;
		}
		io->st.icmp_reads += (unsigned)n;
		for (int i = 0; i < n; i++) {
			const uint8_t *p = io->pk[i].buf;
			size_t len = io->pk[i].len;
			size_t hl = len >= IP4_HDR_LEN ? (size_t)(p[0] & 0x0f) * 4 : 0;
			if (hl < IP4_HDR_LEN || hl > len) {
				io->e->st.drop_icmp_not_ours++;
				continue;
			}
			dp_mip_icmp4_in(io->e, p + hl, len - hl, &o);
			if (o.verdict == DP_DROP) {
				char a[ADDR4_STRLEN];
				if (o.why)
					log_rl(LOG_DEBUG, "dataplane: ICMPv4 type %u code %u from %s: %s",
					       len > hl + 1 ? p[hl] : 0, len > hl + 1 ? p[hl + 1] : 0,
					       fmt_in4(get_be32(p + 12), a), o.why);
				continue;
			}
			io4_act(io, &o);
		}
		if (n < DP_IO4_BATCH)
			break;
	}
}

int dp_io4_send_frag(int fd, const uint8_t *pkt, size_t len, uint16_t frag_mtu, int ifindex,
		     enum ip_drop *why)
{
	struct rawsock4_pkt p[RAWSOCK4_BATCH_MAX];
	struct io4_tx x[RAWSOCK4_BATCH_MAX];
	struct frag4 fr;
	struct ip4_frag f;

	if (why)
		*why = IP_DROP_NONE;
	if (!frag_mtu || len <= frag_mtu) {
		if (len < IP4_HDR_LEN)
			return -EINVAL;
		p[0] = (struct rawsock4_pkt){ .buf = (uint8_t *)pkt, .len = len, .ifindex = ifindex };
		memcpy(&p[0].peer.sin_addr, pkt + 16, 4);
		return rawsock4_send_batch(fd, p, 1);
	}
	int r = frag4_init(&fr, pkt, len, frag_mtu, why);
	if (r < 0)
		return r;
	int sent = 0;
	for (;;) {
		unsigned n = 0;
		while (n < RAWSOCK4_BATCH_MAX && (r = frag4_next(&fr, &f, why)) == 1) {
			memcpy(x[n].hdr, f.hdr, f.hdr_len);
			x[n].iov[0] = (struct iovec){ .iov_base = x[n].hdr, .iov_len = f.hdr_len };
			x[n].iov[1] = (struct iovec){ .iov_base = (void *)f.data,
						      .iov_len = f.data_len };
			p[n] = (struct rawsock4_pkt){ .iov = x[n].iov, .iovcnt = 2, .ifindex = ifindex };
			memcpy(&p[n].peer.sin_addr, pkt + 16, 4);
			n++;
		}
		if (r < 0)
			return sent ? sent : r;
		if (n == 0)
			return sent;
		unsigned off = 0;
		while (off < n) {
			int s = rawsock4_send_batch(fd, p + off, n - off);
			if (s < 0)
				return sent ? sent : s;
			off += (unsigned)s;
			sent += s;
		}
	}
}

int dp_io4_set_device(struct dp_io4 *io, const char *ifname)
{
	int r = rawsock4_bind_device(io->tx_fd, ifname);
	for (int i = 0; i < DP_IO4_NPROTO && r == 0; i++)
		if (io->rx[i].fd >= 0)
			r = rawsock4_bind_device(io->rx[i].fd, ifname);
	if (r == 0 && io->icmp_fd >= 0)
		r = rawsock4_bind_device(io->icmp_fd, ifname);
	return r;
}

void dp_io4_get_stats(const struct dp_io4 *io, struct dp_io4_stats *st)
{
	*st = io->st;
}

const struct tun *dp_io4_tun(const struct dp_io4 *io)
{
	return &io->tun;
}

int dp_io4_open(struct dp_engine *e, struct event_base *base, const struct dp_io4_config *cfg,
		struct dp_io4 **out)
{
	if (e->role != DP_ROLE_MIP_HA && e->role != DP_ROLE_MIP_MN && e->role != DP_ROLE_MIP_FA)
		return -EINVAL;
	struct dp_io4 *io = calloc(1, sizeof(*io));
	int r;
	if (!io)
		return -ENOMEM;
	io->e = e;
	io->cfg = *cfg;
	io->cfg.tun_name = NULL;     /* the caller's strings are not kept */
	io->cfg.ifname = NULL;
	io->tx_fd = -1;
	io->icmp_fd = -1;
	for (int i = 0; i < DP_IO4_NPROTO; i++)
		io->rx[i] = (struct io4_rx){ .io = io, .idx = i, .fd = -1 };
	io->buf = malloc((size_t)DP_IO4_BATCH * DP_IO4_SLOT);
	io->tx = calloc(DP_IO4_TXMAX, sizeof(*io->tx));
	io->txf = calloc(DP_IO4_TXMAX, sizeof(*io->txf));
	io->arena = malloc(DP_IO4_ARENA);
	if (!io->buf || !io->tx || !io->txf || !io->arena) {
		r = -ENOMEM;
		goto fail;
	}
	struct tun_config tc = { .name = cfg->tun_name, .nonblock = true, .cloexec = true };
	r = tun_open(&io->tun, &tc);
	if (r < 0) {
		log_err("dataplane: TUN %s: %s", cfg->tun_name ? cfg->tun_name : "", strerror(-r));
		goto fail;
	}
	if (cfg->tun_ipv4_only) {
		r = tun_set_ipv6(&io->tun, false);
		if (r < 0)
			log_warn("dataplane: disable IPv6 on %s: %s", io->tun.name, strerror(-r));
	}
	struct rawsock4_config sc = { .protocol = IPPROTO_RAW, .ifname = cfg->ifname,
				      .sndbuf = cfg->sndbuf ? cfg->sndbuf : DP_IO4_BUF };
	io->tx_fd = rawsock4_open(&sc);
	if (io->tx_fd < 0) {
		r = io->tx_fd;
		io->tx_fd = -1;
		log_err("dataplane: raw IPv4 send socket: %s", strerror(-r));
		goto fail;
	}
	struct in_addr ba = { .s_addr = htonl(cfg->bind_addr) };
	unsigned protos = cfg->protocols ? cfg->protocols : DP_IO4_PROTO_ALL;
	for (int i = 0; i < DP_IO4_NPROTO; i++) {
		if (!(protos & (1u << i)))
			continue;
		struct rawsock4_config rc = { .protocol = io4_protos[i],
					      .bind_addr = cfg->has_bind ? &ba : NULL,
					      .ifname = cfg->ifname,
					      .rcvbuf = cfg->rcvbuf ? cfg->rcvbuf : DP_IO4_BUF };
		int fd = rawsock4_open(&rc);
		if (fd < 0) {
			r = fd;
			log_err("dataplane: raw IPv4 socket (protocol %d): %s", io4_protos[i],
				strerror(-r));
			goto fail;
		}
		io->rx[i].fd = fd;
		io->rx[i].ev = event_new(base, fd, EV_READ | EV_PERSIST, io4_raw_readable, &io->rx[i]);
		if (!io->rx[i].ev || event_add(io->rx[i].ev, NULL) < 0) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (!cfg->no_icmp) {
		struct rawsock4_config ic = { .protocol = IPPROTO_ICMP, .ifname = cfg->ifname,
					      .rcvbuf = 1 << 20 };
		io->icmp_fd = rawsock4_open(&ic);
		if (io->icmp_fd < 0) {
			r = io->icmp_fd;
			io->icmp_fd = -1;
			log_err("dataplane: raw ICMP socket: %s", strerror(-r));
			goto fail;
		}
		io->ev_icmp = event_new(base, io->icmp_fd, EV_READ | EV_PERSIST, io4_icmp_readable,
					io);
		if (!io->ev_icmp || event_add(io->ev_icmp, NULL) < 0) {
			r = -ENOMEM;
			goto fail;
		}
	}
	io->ev_tun = event_new(base, io->tun.fd[0], EV_READ | EV_PERSIST, io4_tun_readable, io);
	if (!io->ev_tun || event_add(io->ev_tun, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	*out = io;
	return 0;
fail:
	dp_io4_close(io);
	return r;
}

void dp_io4_close(struct dp_io4 *io)
{
	if (!io)
		return;
	if (io->ev_tun)
		event_free(io->ev_tun);
	for (int i = 0; i < DP_IO4_NPROTO; i++) {
		if (io->rx[i].ev)
			event_free(io->rx[i].ev);
		if (io->rx[i].fd >= 0)
			close(io->rx[i].fd);
	}
	if (io->ev_icmp)
		event_free(io->ev_icmp);
	if (io->icmp_fd >= 0)
		close(io->icmp_fd);
	if (io->tx_fd >= 0)
		close(io->tx_fd);
	tun_close(&io->tun);
	free(io->buf);
	free(io->tx);
	free(io->txf);
	free(io->arena);
	free(io);
}

void dp_io4_stats_foreach(const struct dp_io4 *io,
			  void (*cb)(void *arg, const char *name, uint64_t v), void *arg)
{
	struct dp_io4_stats st;

	dp_io4_get_stats(io, &st);
	cb(arg, "io_tun_reads", st.tun_reads);
	cb(arg, "io_tunnel_reads_ipip", st.tunnel_reads[0]);
	cb(arg, "io_tunnel_reads_6in4", st.tunnel_reads[1]);
	cb(arg, "io_tunnel_reads_gre", st.tunnel_reads[2]);
	cb(arg, "io_tunnel_reads_minimal", st.tunnel_reads[3]);
	cb(arg, "io_tunnel_truncated", st.tunnel_truncated);
	cb(arg, "io_tx_packets", st.tx_packets);
	cb(arg, "io_tx_calls", st.tx_calls);
	cb(arg, "io_tx_errors", st.tx_errors);
	cb(arg, "io_frag_packets", st.frag_packets);
	cb(arg, "io_frag_out", st.frag_out);
	cb(arg, "io_frag_refused", st.frag_refused);
	cb(arg, "io_copies", st.copies);
	cb(arg, "io_tun_writes", st.tun_writes);
	cb(arg, "io_tun_write_errors", st.tun_write_errors);
	cb(arg, "io_icmp_reads", st.icmp_reads);
}
