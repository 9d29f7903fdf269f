/* tun_fwd: the minimal TUN read-and-write forwarder of the tunnel benchmark
 * (bench/tunnel.sh, docs/bench.md "Tunnel data plane").
 *
 * Two TUN devices, one thread, one poll() per wakeup.  Three modes (-m):
 *
 *   plain (default): IFF_TUN | IFF_NO_PI, no vnet header, no offloads.
 *      Every packet read from one device is written unchanged into the
 *      other, one read() and one write() per packet (the same calls ds46's
 *      engine makes on its TUN, src/os/tun.c).  No parsing, no lookup, no
 *      copy beyond the kernel's.  The ceiling of a userspace data plane
 *      that moves each packet through a TUN with one syscall: ds46 does that
 *      plus encapsulation, a lookup and batched raw IPv6 socket I/O.
 *   vnet: both devices with IFF_VNET_HDR and offloads (TUN_OFFLOAD_GSO:
 *      checksum, TSO4/6, USO when the kernel has it).  Every packet, GSO
 *      super-packets of up to 64 KiB included, is read with its
 *      virtio_net_hdr (tun_read_vnet) and written unchanged with it into the
 *      other device (tun_writev_vnet).  The ceiling with offloads.
 *   gsogro: the same devices, and what a tunnel data plane with offloads
 *      does around its encapsulation (src/dataplane/offload.h): every
 *      packet read is cut into MSS-sized segments with complete checksums
 *      (dp_gso_next, into buffers with DP_HEADROOM in front, where an IPv6
 *      tunnel header is written as ds46 would), then the batch's segments
 *      are coalesced again (dp_gro_add / dp_gro_pop) and the super-packets
 *      written with their vnet headers.  Only the tunnel socket's syscalls
 *      are missing.
 *
 * The script routes the traffic of the measured flow into -a (policy
 * routing on the ingress interface) and the kernel forwards what comes out
 * of -b, and the other way round for the replies.
 *
 * Bounded: it exits after -d seconds (default 300) or on SIGINT/SIGTERM,
 * and prints its counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "dataplane/engine.h"
#include "dataplane/offload.h"
#include "os/tun.h"
#include "wire/ip.h"

#define FWD_BATCH 64         /* packets per device per wakeup before polling again */
#define FWD_PKT 65536
#define FWD_SLOT 2048        /* a segment with DP_HEADROOM in front (gsogro) */
#define FWD_SLOTS DP_GRO_MAX_PKTS

enum fwd_mode { FWD_PLAIN, FWD_VNET, FWD_GSOGRO };

static volatile sig_atomic_t fwd_stop;

static void fwd_on_signal(int sig)
{
	(void)sig;
	fwd_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tun_fwd -a TUN -b TUN [-d SECONDS] [-m plain|vnet|gsogro]\n"
		   "  forwards every packet read from TUN a into TUN b and back, unchanged;\n"
		   "  vnet: with virtio-net headers and offloads (GSO packets pass through);\n"
		   "  gsogro: the same, segmenting and coalescing in user space (offload.h);\n"
		   "  prints \"ready: a <-> b\" once both are open; exits after SECONDS (300)\n");
}

struct fwd_dir {
	const struct tun *from, *to;
	uint64_t pkts, bytes, write_errs;
	uint64_t gso_in, segs, gso_bad, out;   /* vnet, gsogro */
};

/* Buffers of the offload modes. */
struct fwd_bufs {
	uint8_t (*rd)[FWD_PKT];      /* FWD_BATCH packets read (gsogro keeps them
	                                until the batch is written) */
	uint8_t (*slot)[FWD_SLOT];   /* FWD_SLOTS segments */
	unsigned nslot;
	struct dp_gro gro;
	struct dp_gro_out out;
	struct ip6_tunnel tnl;
};

static void fwd_count_write(struct fwd_dir *d, ssize_t r)
{
	if (r < 0)
		d->write_errs++;
	d->out++;
}

/* Move up to FWD_BATCH packets; returns how many were read. */
static int fwd_move(struct fwd_dir *d, uint8_t *buf)
{
	int n;
	for (n = 0; n < FWD_BATCH; n++) {
		ssize_t r = tun_read(d->from, 0, buf, FWD_PKT);
		if (r < 0)
			break;
		struct iovec iov = { .iov_base = buf, .iov_len = (size_t)r };
		if (tun_writev(d->to, 0, &iov, 1) < 0)
			d->write_errs++;
		d->pkts++;
		d->bytes += (uint64_t)r;
	}
	return n;
}

/* vnet: the header and the packet, unchanged */
static int fwd_move_vnet(struct fwd_dir *d, struct fwd_bufs *b)
{
	int n;
	for (n = 0; n < FWD_BATCH; n++) {
		struct virtio_net_hdr vh;
		ssize_t r = tun_read_vnet(d->from, 0, &vh, b->rd[0], FWD_PKT);
		if (r < 0)
			break;
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
			d->gso_in++;
		struct iovec iov = { .iov_base = b->rd[0], .iov_len = (size_t)r };
		fwd_count_write(d, tun_writev_vnet(d->to, 0, &vh, &iov, 1));
		d->pkts++;
		d->bytes += (uint64_t)r;
	}
	return n;
}

static void fwd_gro_flush(struct fwd_dir *d, struct fwd_bufs *b)
{
	while (dp_gro_pop(&b->gro, &b->out) == 1)
		fwd_count_write(d, tun_writev_vnet(d->to, 0, &b->out.vh, b->out.iov, b->out.iovcnt));
	b->nslot = 0;
}

static void fwd_gro_add(struct fwd_dir *d, struct fwd_bufs *b, const uint8_t *pkt, size_t len)
{
	if (dp_gro_add(&b->gro, pkt, len) == -ENOSPC) {
		fwd_gro_flush(d, b);
		dp_gro_add(&b->gro, pkt, len);
	}
}

/* gsogro: segment what is read as the tunnel's sending side would (into
 * buffers with headroom, a tunnel header written in front), coalesce the
 * batch as the receiving side would, write the super-packets. */
static int fwd_move_gsogro(struct fwd_dir *d, struct fwd_bufs *b)
{
	int n;
	for (n = 0; n < FWD_BATCH; n++) {
		struct virtio_net_hdr vh;
		uint8_t *rd = b->rd[n];
		ssize_t r = tun_read_vnet(d->from, 0, &vh, rd, FWD_PKT);
		if (r < 0)
			break;
		d->pkts++;
		d->bytes += (uint64_t)r;
		if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
			/* in place, in the read buffer */
			if (dp_csum_complete(&vh, rd, (size_t)r, NULL) < 0) {
				d->gso_bad++;
				continue;
			}
			fwd_gro_add(d, b, rd, (size_t)r);
			continue;
		}
		struct dp_gso g;
		if (dp_gso_init(&g, &vh, rd, (size_t)r, NULL) < 0 ||
		    (size_t)g.hdr_len + g.mss > FWD_SLOT - DP_HEADROOM) {
			d->gso_bad++;
			continue;
		}
		d->gso_in++;
		for (;;) {
			if (b->nslot == FWD_SLOTS)
				fwd_gro_flush(d, b);
			uint8_t *s = b->slot[b->nslot];
			int len = dp_gso_next(&g, s + DP_HEADROOM, FWD_SLOT - DP_HEADROOM);
			if (len <= 0)
				break;
			b->nslot++;
			d->segs++;
			/* the tunnel header ds46 would prepend (RFC 2473) */
			ip6_tunnel_encap(&b->tnl, IPPROTO_IPIP, s + DP_HEADROOM, (size_t)len,
					 s + DP_HEADROOM - IP6_HDR_LEN, IP6_HDR_LEN);
			fwd_gro_add(d, b, s + DP_HEADROOM, (size_t)len);
		}
	}
	fwd_gro_flush(d, b);
	return n;
}

static int fwd_dir_move(enum fwd_mode m, struct fwd_dir *d, uint8_t *buf, struct fwd_bufs *b)
{
	switch (m) {
	case FWD_VNET:
		return fwd_move_vnet(d, b);
	case FWD_GSOGRO:
		return fwd_move_gsogro(d, b);
	case FWD_PLAIN:
		break;
	}
	return fwd_move(d, buf);
}

int main(int argc, char **argv)
{
	const char *an = NULL, *bn = NULL;
	long secs = 300;
	enum fwd_mode mode = FWD_PLAIN;
	int c, r;

	while ((c = getopt(argc, argv, "a:b:d:m:h")) != -1) {
		switch (c) {
		case 'a': an = optarg; break;
		case 'b': bn = optarg; break;
		case 'd': secs = strtol(optarg, NULL, 10); break;
		case 'm':
			if (strcmp(optarg, "plain") == 0)
				mode = FWD_PLAIN;
			else if (strcmp(optarg, "vnet") == 0)
				mode = FWD_VNET;
			else if (strcmp(optarg, "gsogro") == 0)
				mode = FWD_GSOGRO;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!an || !bn || optind != argc || secs <= 0) {
		usage(stderr);
		return 2;
	}
	struct tun a, b;
	bool vnet = mode != FWD_PLAIN;
	unsigned offload = vnet ? TUN_OFFLOAD_GSO : 0;
	struct tun_config ca = { .name = an, .nonblock = true, .cloexec = true,
				 .vnet_hdr = vnet, .offload = offload };
	struct tun_config cb = ca;
	cb.name = bn;
	r = tun_open(&a, &ca);
	if (r < 0) {
		fprintf(stderr, "tun_fwd: %s: %s\n", an, strerror(-r));
		return 1;
	}
	r = tun_open(&b, &cb);
	if (r < 0) {
		fprintf(stderr, "tun_fwd: %s: %s\n", bn, strerror(-r));
		tun_close(&a);
		return 1;
	}
	/* IPv4 only, like ds46's TUNs: no router solicitations or MLD */
	tun_set_ipv6(&a, false);
	tun_set_ipv6(&b, false);

	struct sigaction sa = { .sa_handler = fwd_on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	static const char *const mode_names[] = { "plain", "vnet", "gsogro" };
	uint8_t *buf = malloc(FWD_PKT);
	struct fwd_bufs *fb = calloc(1, sizeof(*fb));
	if (fb) {
		fb->rd = malloc(sizeof(*fb->rd) * FWD_BATCH);
		fb->slot = malloc(sizeof(*fb->slot) * FWD_SLOTS);
		dp_gro_init(&fb->gro);
		fb->tnl.hop_limit = 64;
		inet_pton(AF_INET6, "2001:db8:46::2", &fb->tnl.src);
		inet_pton(AF_INET6, "2001:db8:46::ffff", &fb->tnl.dst);
	}
	if (!buf || !fb || !fb->rd || !fb->slot) {
		tun_close(&a);
		tun_close(&b);
		return 1;
	}
	struct fwd_dir ab = { .from = &a, .to = &b }, ba = { .from = &b, .to = &a };
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("ready: %s <-> %s (mode %s, offloads 0x%x)\n", a.name, b.name, mode_names[mode],
	       a.offload);
	fflush(stdout);

	while (!fwd_stop) {
		struct pollfd pf[2] = { { .fd = a.fd[0], .events = POLLIN },
					{ .fd = b.fd[0], .events = POLLIN } };
		r = poll(pf, 2, 1000);
		if (r < 0 && errno != EINTR)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= secs)
			break;
		if (r <= 0)
			continue;
		/* drain both directions before polling again, like the engine's
		 * rounds of batches */
		for (int round = 0; round < 8; round++) {
			int n = 0;
			if (pf[0].revents & POLLIN)
				n += fwd_dir_move(mode, &ab, buf, fb);
			if (pf[1].revents & POLLIN)
				n += fwd_dir_move(mode, &ba, buf, fb);
			if (n == 0)
				break;
		}
	}
	printf("tun_fwd: %s->%s %" PRIu64 " packets %" PRIu64 " bytes (%" PRIu64
	       " write errors); %s->%s %" PRIu64 " packets %" PRIu64 " bytes (%" PRIu64
	       " write errors)\n",
	       a.name, b.name, ab.pkts, ab.bytes, ab.write_errs, b.name, a.name, ba.pkts, ba.bytes,
	       ba.write_errs);
	if (mode != FWD_PLAIN)
		printf("tun_fwd: %s: GSO packets read %" PRIu64 " + %" PRIu64 ", segments made %" PRIu64
		       " + %" PRIu64 ", packets written %" PRIu64 " + %" PRIu64
		       ", unusable %" PRIu64 " + %" PRIu64 "; coalesced: %" PRIu64
		       " super-packets from %" PRIu64 " merged segments\n",
		       mode_names[mode], ab.gso_in, ba.gso_in, ab.segs, ba.segs, ab.out, ba.out,
		       ab.gso_bad, ba.gso_bad, fb->gro.st.super, fb->gro.st.merged);
	free(fb->rd);
	free(fb->slot);
	free(fb);
	free(buf);
	tun_close(&a);
	tun_close(&b);
	return 0;
}
