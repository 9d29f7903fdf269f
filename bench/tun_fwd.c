/* tun_fwd: the minimal TUN read-and-write forwarder of the tunnel benchmark
 * (bench/tunnel.sh, docs/bench.md "Tunnel data plane").
 *
 * Two TUN devices (IFF_TUN | IFF_NO_PI, no vnet header, no offloads), one
 * thread, one poll() per wakeup: every packet read from one device is
 * written unchanged into the other, one read() and one write() per packet
 * (the same calls ds46's engine makes on its TUN, src/os/tun.c).  No
 * parsing, no lookup, no copy beyond the kernel's.  It is the ceiling of a
 * userspace data plane that moves each packet through a TUN with one
 * syscall: ds46 does that plus encapsulation, a lookup and batched raw
 * IPv6 socket I/O.
 *
 * The script routes the traffic of the measured flow into -a (policy
 * routing on the ingress interface) and the kernel forwards what comes out
 * of -b, and the other way round for the replies.
 *
 * Bounded: it exits after -d seconds (default 300) or on SIGINT/SIGTERM,
 * and prints its counters. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/tun.h"

#define FWD_BATCH 64         /* packets per device per wakeup before polling again */
#define FWD_PKT 65536

static volatile sig_atomic_t fwd_stop;

static void fwd_on_signal(int sig)
{
	(void)sig;
	fwd_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tun_fwd -a TUN -b TUN [-d SECONDS]\n"
		   "  forwards every packet read from TUN a into TUN b and back, unchanged;\n"
		   "  prints \"ready: a <-> b\" once both are open; exits after SECONDS (300)\n");
}

struct fwd_dir {
	const struct tun *from, *to;
	uint64_t pkts, bytes, write_errs;
};

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

int main(int argc, char **argv)
{
	const char *an = NULL, *bn = NULL;
	long secs = 300;
	int c, r;

	while ((c = getopt(argc, argv, "a:b:d:h")) != -1) {
		switch (c) {
		case 'a': an = optarg; break;
		case 'b': bn = optarg; break;
		case 'd': secs = strtol(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!an || !bn || optind != argc || secs <= 0) {
		usage(stderr);
		return 2;
	}
	struct tun a, b;
	struct tun_config ca = { .name = an, .nonblock = true, .cloexec = true };
	struct tun_config cb = { .name = bn, .nonblock = true, .cloexec = true };
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

	uint8_t *buf = malloc(FWD_PKT);
	if (!buf) {
		tun_close(&a);
		tun_close(&b);
		return 1;
	}
	struct fwd_dir ab = { .from = &a, .to = &b }, ba = { .from = &b, .to = &a };
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("ready: %s <-> %s\n", a.name, b.name);
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
				n += fwd_move(&ab, buf);
			if (pf[1].revents & POLLIN)
				n += fwd_move(&ba, buf);
			if (n == 0)
				break;
		}
	}
	printf("tun_fwd: %s->%s %" PRIu64 " packets %" PRIu64 " bytes (%" PRIu64
	       " write errors); %s->%s %" PRIu64 " packets %" PRIu64 " bytes (%" PRIu64
	       " write errors)\n",
	       a.name, b.name, ab.pkts, ab.bytes, ab.write_errs, b.name, a.name, ba.pkts, ba.bytes,
	       ba.write_errs);
	free(buf);
	tun_close(&a);
	tun_close(&b);
	return 0;
}
