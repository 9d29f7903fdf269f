/* The engine's I/O loop.  Tunnel side: a raw AF_INET6 socket of protocol 4,
 * read and written in batches of DP_IO_BATCH (recvmmsg/sendmmsg); the
 * kernel reassembles incoming tunnel packets and fragments outgoing ones
 * (RFC 2473 7.2 b: PMTU "want").  IPv4 side: the TUN, one read or write
 * per packet.  Every packet is decided by engine.c.
 *
 * With cfg->offload the TUN carries a virtio_net_hdr and TSO/CSUM
 * offloads: one read returns a super-packet of up to 64 KiB, which
 * dp_gso cuts into MSS-sized packets (complete checksums) in the tx arena;
 * each goes through dp_tun_in and into one sendmmsg batch of up to
 * DP_IO_TXMAX.  The other way, the decapsulated packets of all the
 * recvmmsg batches one wakeup finds (up to DP_GRO_MAX_PKTS) go through
 * dp_gro, and each run of in-order TCP segments is written as one
 * super-packet (tun_writev_vnet).  Both handlers go on for up to
 * DP_IO_OFF_ROUNDS reads or batches before yielding. */
#include "dataplane/engine_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/offload.h"
#include "os/rawsock.h"

#include <linux/errqueue.h>

#define DP_IO_BATCH 64
#define DP_IO_PKT 65536          /* a reassembled tunnel packet, or a TUN read */
#define DP_IO_ROUNDS 8           /* batches per wakeup before yielding */
#define DP_IO_ERRS 16
#define DP_IO_RCVBUF (4 << 20)   /* default: the kernel's 208 KiB drops bursts */
/* offload mode */
#define DP_IO_TXMAX 256          /* segments per sendmmsg batch */
#define DP_IO_ARENA (DP_IO_TXMAX * 1600) /* their buffers, DP_HEADROOM each */
#define DP_IO_OFF_ROUNDS 64      /* super-packets or batches per wakeup */

struct dp_io {
	struct dp_engine *e;
	struct dp_io_config cfg;
	struct tun tun;
	int raw;
	struct event *ev_tun, *ev_raw;
	uint8_t (*buf)[DP_IO_PKT];   /* nbuf packet buffers */
	unsigned nbuf;               /* DP_IO_BATCH; offload: DP_GRO_MAX_PKTS (touched
	                                only as far as packets fill them) */
	struct rawsock6_pkt pk[DP_IO_BATCH];
	struct rawsock6_pkt *tx;     /* DP_IO_BATCH, or DP_IO_TXMAX (offload) */
	unsigned ntx, txmax;
	/* offload mode */
	uint8_t *arena;              /* DP_IO_ARENA: the segments of tx[] */
	size_t arena_used;
	struct dp_gro *gro;
	struct dp_gro_out gout;
	struct dp_io_stats ost;
	struct rawsock6_error errs[DP_IO_ERRS];
	uint64_t last_need_ms;
	uint16_t mtu_seen;
};

void dp_io_tun_write(struct dp_io *io, const uint8_t *pkt, size_t len)
{
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	ssize_t r = io->tun.vnet_hdr ? tun_writev_vnet(&io->tun, 0, NULL, &iov, 1)
				     : tun_writev(&io->tun, 0, &iov, 1);
	if (r < 0)
		log_rl(LOG_WARNING, "dataplane: write to %s: %s", io->tun.name, strerror((int)-r));
}

static void io_mtu_check(struct dp_io *io)
{
	if (io->e->tunnel_mtu == io->mtu_seen)
		return;
	io->mtu_seen = io->e->tunnel_mtu;
	log_info("dataplane: tunnel MTU now %u", io->mtu_seen);
	if (io->cfg.mtu_changed)
		io->cfg.mtu_changed(io->cfg.ctx, io->mtu_seen);
}

/* Every verdict but "into the tunnel", which is batched by the caller. */
static void io_act(struct dp_io *io, const struct dp_out *o)
{
	switch (o->verdict) {
	case DP_TO_TUN:
	case DP_ICMP_TO_TUN:
		dp_io_tun_write(io, o->pkt, o->len);
		break;
	case DP_NEED_ADDRESS: {
		uint64_t now = now_ms_mono();
		if (io->cfg.need_address && now - io->last_need_ms >= 1000) {
			io->last_need_ms = now;
			io->cfg.need_address(io->cfg.ctx);
		}
		break;
	}
	case DP_DROP:
		if (o->why)
			log_rl(LOG_INFO, "dataplane: drop: %s", o->why);
		break;
	case DP_TO_TUNNEL:
	case DP_TO_TUNNEL4:          /* IPv4-outer roles: engine_io4.c */
		break;
	}
}

/* ICMPv6 errors about our tunnel packets, from the error queue: rebuild the
 * message the parser expects (ICMPv6 header + quoted tunnel packet) from
 * what the kernel kept (the quoted payload: our inner IPv4 packet). */
static void io_drain_errors(struct dp_io *io)
{
	int n;
	while ((n = rawsock6_read_errors(io->raw, io->errs, DP_IO_ERRS)) > 0) {
		for (int i = 0; i < n; i++) {
			const struct rawsock6_error *er = &io->errs[i];
			if (er->origin != SO_EE_ORIGIN_ICMP6) {
				if (er->err == EMSGSIZE && er->info > IP6_HDR_LEN + IP4_MIN_MTU &&
				    er->info - IP6_HDR_LEN < io->e->tunnel_mtu)
					io->e->tunnel_mtu = (uint16_t)(er->info - IP6_HDR_LEN);
				continue;
			}
			uint8_t msg[8 + IP6_HDR_LEN + RAWSOCK_ERR_PAYLOAD];
			memset(msg, 0, 8 + IP6_HDR_LEN);
			msg[0] = er->type;
			msg[1] = er->code;
			put_be32(msg + 4, er->info);
			uint8_t *h = msg + 8;
			h[0] = 0x60;
			put_be16(h + 4, (uint16_t)er->payload_len);
			h[6] = IPPROTO_IPIP;
			h[7] = 64;
			memcpy(h + 24, &er->dst.sin6_addr, 16);
			memcpy(h + IP6_HDR_LEN, er->payload, er->payload_len);
			struct dp_out o;
			dp_icmp6_in(io->e, msg, 8 + IP6_HDR_LEN + er->payload_len, &o);
			if (o.verdict == DP_DROP && o.why) {
				char a[ADDR6_STRLEN], b[ADDR6_STRLEN];
				log_rl(LOG_INFO, "dataplane: ICMPv6 type %u code %u from %s about a packet to %s: %s",
				       er->type, er->code, fmt_in6(&er->offender.sin6_addr, a),
				       fmt_in6(&er->dst.sin6_addr, b), o.why);
				continue;
			}
			io_act(io, &o);
		}
		if (n < DP_IO_ERRS)
			break;
	}
	io_mtu_check(io);
}

static void io_flush(struct dp_io *io)
{
	unsigned off = 0;
	while (off < io->ntx) {
		int r = rawsock6_send_batch(io->raw, &io->tx[off], io->ntx - off);
		if (r > 0) {
			off += (unsigned)r;
			continue;
		}
		if (r == -EMSGSIZE || r == -EHOSTUNREACH || r == -ENETUNREACH)
			io_drain_errors(io);
		log_rl(LOG_WARNING, "dataplane: tunnel send: %s", strerror(-r));
		off++;   /* drop the one that failed, send the rest */
	}
	io->ntx = 0;
	io->arena_used = 0;
}

/* Queue a DP_TO_TUNNEL verdict for the next sendmmsg. */
static void io_queue(struct dp_io *io, const struct dp_out *o)
{
	struct rawsock6_pkt *t = &io->tx[io->ntx++];
	memset(t, 0, sizeof(*t));
	t->buf = (uint8_t *)o->pkt;
	t->len = o->len;
	t->peer.sin6_family = AF_INET6;
	t->peer.sin6_addr = o->peer;
}

static void io_tun_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dp_io *io = arg;
	struct dp_out o;
	(void)fd;
	(void)what;
	for (int round = 0; round < DP_IO_ROUNDS; round++) {
		unsigned i;
		for (i = 0; i < DP_IO_BATCH; i++) {
			ssize_t n = tun_read(&io->tun, 0, io->buf[i], DP_IO_PKT);
			if (n < 0) {
				if (n != -EAGAIN && n != -EINTR)
					log_rl(LOG_WARNING, "dataplane: read %s: %s", io->tun.name,
					       strerror((int)-n));
				break;
			}
			dp_tun_in(io->e, io->buf[i], (size_t)n, &o);
			if (o.verdict != DP_TO_TUNNEL) {
				io_act(io, &o);
				continue;
			}
			io_queue(io, &o);
		}
		io_flush(io);
		if (i < DP_IO_BATCH)
			break;
	}
	io_mtu_check(io);
}

static void io_raw_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dp_io *io = arg;
	struct dp_out o;
	(void)fd;
	(void)what;
	for (int round = 0; round < DP_IO_ROUNDS; round++) {
		for (unsigned i = 0; i < DP_IO_BATCH; i++) {
			memset(&io->pk[i], 0, sizeof(io->pk[i]));
			io->pk[i].buf = io->buf[i];
			io->pk[i].size = DP_IO_PKT;
		}
		int n = rawsock6_recv_batch(io->raw, io->pk, DP_IO_BATCH);
		if (n == -EAGAIN || n == -EINTR)
			break;
		if (n < 0) {
			/* a pending ICMPv6 error: the details are on the queue */
			io_drain_errors(io);
			continue;
		}
		for (int i = 0; i < n; i++) {
			const struct rawsock6_pkt *p = &io->pk[i];
			if (p->truncated) {
				io->e->st.drop_malformed++;
				log_rl(LOG_WARNING, "dataplane: tunnel packet over %d octets", DP_IO_PKT);
				continue;
			}
			dp_tunnel_in(io->e, &p->peer.sin6_addr, p->buf, p->len, &o);
			io_act(io, &o);
		}
		if (n < DP_IO_BATCH)
			break;
	}
	io_mtu_check(io);
}

/* ---- offload mode ---------------------------------------------------------- */

/* One packet read from the vnet_hdr TUN: cut into segments in the arena,
 * each decided by the engine and queued; the batch is sent when the
 * arena or tx[] is full. */
static void io_tun_super(struct dp_io *io, const struct virtio_net_hdr *vh, const uint8_t *pkt,
			 size_t len)
{
	struct dp_gso g;
	const char *why = NULL;
	struct dp_out o;
	int r = dp_gso_init(&g, vh, pkt, len, &why);
	io->ost.tun_reads++;
	if (r < 0) {
		io->ost.gso_bad++;
		io->e->st.rx_tun++;
		io->e->st.drop_malformed++;
		log_rl(LOG_INFO, "dataplane: drop: offload packet from %s: %s", io->tun.name,
		       why ? why : strerror(-r));
		return;
	}
	if (g.nseg > 1 || g.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		io->ost.gso_super++;
		io->ost.gso_segs += g.nseg;
	}
	for (;;) {
		if (io->ntx >= io->txmax || io->arena_used + 2 * DP_HEADROOM >= DP_IO_ARENA)
			io_flush(io);
		uint8_t *seg = io->arena + io->arena_used + DP_HEADROOM;
		size_t cap = DP_IO_ARENA - io->arena_used - DP_HEADROOM;
		int n = dp_gso_next(&g, seg, cap);
		if (n == -ENOBUFS && io->ntx) {
			io_flush(io);
			continue;
		}
		if (n <= 0) {
			if (n < 0) {   /* a segment larger than the whole arena */
				io->e->st.drop_malformed++;
				log_rl(LOG_WARNING, "dataplane: segment of %u octets: no room",
				       g.hdr_len + g.mss);
			}
			return;
		}
		dp_tun_in(io->e, seg, (size_t)n, &o);
		if (o.verdict != DP_TO_TUNNEL) {
			io_act(io, &o);
			continue;
		}
		/* o.pkt is seg (the DSTM roles send the inner packet as is) */
		io->arena_used += DP_HEADROOM + (((size_t)n + 15) & ~(size_t)15);
		io_queue(io, &o);
	}
}

static void io_tun_readable_offload(evutil_socket_t fd, short what, void *arg)
{
	struct dp_io *io = arg;
	struct virtio_net_hdr vh;
	(void)fd;
	(void)what;
	for (int round = 0; round < DP_IO_OFF_ROUNDS; round++) {
		ssize_t n = tun_read_vnet(&io->tun, 0, &vh, io->buf[0], DP_IO_PKT);
		if (n < 0) {
			if (n != -EAGAIN && n != -EINTR)
				log_rl(LOG_WARNING, "dataplane: read %s: %s", io->tun.name,
				       strerror((int)-n));
			break;
		}
		io_tun_super(io, &vh, io->buf[0], (size_t)n);
	}
	if (io->ntx)
		io_flush(io);
	io_mtu_check(io);
}

/* Write what dp_gro made of the batch into the TUN. */
static void io_gro_flush(struct dp_io *io)
{
	struct dp_gro_out *go = &io->gout;
	while (dp_gro_pop(io->gro, go) == 1) {
		ssize_t r = tun_writev_vnet(&io->tun, 0, go->segs > 1 ? &go->vh : NULL, go->iov,
					    go->iovcnt);
		io->ost.gro_out++;
		if (go->segs > 1)
			io->ost.gro_super++;
		if (r < 0)
			log_rl(LOG_WARNING, "dataplane: write to %s (%u segments): %s",
			       io->tun.name, go->segs, strerror((int)-r));
	}
	io->ost.gro_bad_csum = io->gro->st.bad_csum;
}

/* The decapsulated packets of several recvmmsg batches, as long as the
 * socket has more and the buffers last (DP_GRO_MAX_PKTS), are coalesced
 * together: the more a wakeup finds, the larger the super-packets. */
static void io_raw_readable_offload(evutil_socket_t fd, short what, void *arg)
{
	struct dp_io *io = arg;
	struct dp_out o;
	unsigned used = 0;           /* buffers holding packets dp_gro still points to */
	(void)fd;
	(void)what;
	for (int round = 0; round < DP_IO_OFF_ROUNDS; round++) {
		if (used + DP_IO_BATCH > io->nbuf) {
			io_gro_flush(io);
			used = 0;
		}
		for (unsigned i = 0; i < DP_IO_BATCH; i++) {
			memset(&io->pk[i], 0, sizeof(io->pk[i]));
			io->pk[i].buf = io->buf[used + i];
			io->pk[i].size = DP_IO_PKT;
		}
		int n = rawsock6_recv_batch(io->raw, io->pk, DP_IO_BATCH);
		if (n == -EAGAIN || n == -EINTR)
			break;
		if (n < 0) {
			io_drain_errors(io);
			continue;
		}
		for (int i = 0; i < n; i++) {
			const struct rawsock6_pkt *p = &io->pk[i];
			if (p->truncated) {
				io->e->st.drop_malformed++;
				log_rl(LOG_WARNING, "dataplane: tunnel packet over %d octets", DP_IO_PKT);
				continue;
			}
			dp_tunnel_in(io->e, &p->peer.sin6_addr, p->buf, p->len, &o);
			if (o.verdict != DP_TO_TUN) {
				io_act(io, &o);   /* ICMP errors go out at once */
				continue;
			}
			/* o.pkt is p->buf, which stays put until it is written */
			io->ost.gro_in++;
			if (dp_gro_add(io->gro, o.pkt, o.len) == -ENOSPC) {
				io_gro_flush(io);
				dp_gro_add(io->gro, o.pkt, o.len);
			}
		}
		used += (unsigned)n;
		if (n < DP_IO_BATCH)
			break;
	}
	io_gro_flush(io);
	io_mtu_check(io);
}

void dp_io_get_stats(const struct dp_io *io, struct dp_io_stats *st)
{
	*st = io->ost;
}

int dp_io_open(struct dp_engine *e, struct event_base *base, const struct dp_io_config *cfg,
	       struct dp_io **out)
{
	struct dp_io *io = calloc(1, sizeof(*io));
	int r;
	if (!io)
		return -ENOMEM;
	io->e = e;
	io->cfg = *cfg;
	io->raw = -1;
	io->mtu_seen = e->tunnel_mtu;
	io->nbuf = cfg->offload ? DP_GRO_MAX_PKTS : DP_IO_BATCH;
	io->buf = malloc(sizeof(*io->buf) * io->nbuf);
	io->txmax = cfg->offload ? DP_IO_TXMAX : DP_IO_BATCH;
	io->tx = calloc(io->txmax, sizeof(*io->tx));
	if (cfg->offload) {
		io->arena = malloc(DP_IO_ARENA);
		io->gro = malloc(sizeof(*io->gro));
		if (io->gro)
			dp_gro_init(io->gro);
	}
	if (!io->buf || !io->tx || (cfg->offload && (!io->arena || !io->gro))) {
		r = -ENOMEM;
		goto fail;
	}
	struct tun_config tc = { .name = cfg->tun_name, .nonblock = true, .cloexec = true,
				 .vnet_hdr = cfg->offload,
				 .offload = cfg->offload ? TUN_OFFLOAD_GSO : 0 };
	r = tun_open(&io->tun, &tc);
	if (r < 0 && cfg->offload && r != -EBUSY && r != -EPERM && r != -EACCES) {
		/* a kernel without IFF_VNET_HDR or these offloads: the plain path */
		log_warn("dataplane: TUN %s with offloads: %s; offload off",
			 cfg->tun_name ? cfg->tun_name : "", strerror(-r));
		io->cfg.offload = false;
		tc.vnet_hdr = false;
		tc.offload = 0;
		r = tun_open(&io->tun, &tc);
	}
	if (r < 0) {
		log_err("dataplane: TUN %s: %s", cfg->tun_name ? cfg->tun_name : "", strerror(-r));
		goto fail;
	}
	if (!cfg->tun_ipv6) {
		r = tun_set_ipv6(&io->tun, false);
		if (r < 0)
			log_warn("dataplane: disable IPv6 on %s: %s", io->tun.name, strerror(-r));
	}
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = cfg->bind_addr };
	struct rawsock6_config rc = {
		.protocol = IPPROTO_IPIP,
		.bind_addr = cfg->has_bind ? &sa : NULL,
		.rcvbuf = cfg->rcvbuf ? cfg->rcvbuf : DP_IO_RCVBUF,
		.pmtu = RAWSOCK_PMTU_WANT,
	};
	io->raw = rawsock6_open(&rc);
	if (io->raw < 0) {
		r = io->raw;
		io->raw = -1;
		log_err("dataplane: raw IPv6 socket (protocol 4): %s", strerror(-r));
		goto fail;
	}
	io->ev_tun = event_new(base, io->tun.fd[0], EV_READ | EV_PERSIST,
			       io->cfg.offload ? io_tun_readable_offload : io_tun_readable, io);
	io->ev_raw = event_new(base, io->raw, EV_READ | EV_PERSIST,
			       io->cfg.offload ? io_raw_readable_offload : io_raw_readable, io);
	if (!io->ev_tun || !io->ev_raw || event_add(io->ev_tun, NULL) < 0 ||
	    event_add(io->ev_raw, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	if (io->cfg.offload)
		log_info("dataplane: %s with a virtio-net header, offloads 0x%x (segmentation "
			 "and coalescing in the daemon)", io->tun.name, io->tun.offload);
	*out = io;
	return 0;
fail:
	dp_io_close(io);
	return r;
}

void dp_io_close(struct dp_io *io)
{
	if (!io)
		return;
	if (io->cfg.offload) {
		const struct dp_io_stats *s = &io->ost;
		log_info("dataplane: offload: %llu TUN reads, %llu super-packets cut into %llu "
			 "segments, %llu refused; %llu decapsulated packets written in %llu "
			 "writes, %llu super-packets, %llu bad TCP checksums",
			 (unsigned long long)s->tun_reads, (unsigned long long)s->gso_super,
			 (unsigned long long)s->gso_segs, (unsigned long long)s->gso_bad,
			 (unsigned long long)s->gro_in, (unsigned long long)s->gro_out,
			 (unsigned long long)s->gro_super, (unsigned long long)s->gro_bad_csum);
	}
	if (io->ev_tun)
		event_free(io->ev_tun);
	if (io->ev_raw)
		event_free(io->ev_raw);
	if (io->raw >= 0)
		close(io->raw);
	tun_close(&io->tun);
	free(io->buf);
	free(io->tx);
	free(io->arena);
	free(io->gro);
	free(io);
}

const struct tun *dp_io_tun(const struct dp_io *io)
{
	return &io->tun;
}
