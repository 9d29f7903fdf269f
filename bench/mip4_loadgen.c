/* mip4_loadgen: a Mobile IPv4 registration load generator (RFC 5944 3.3,
 * 3.5.1; RFC 5454 2.1, 2.3).
 *
 * N mobile nodes with consecutive home addresses (-H first), one mobility
 * security association each (SPI -S first, plus the node's index with
 * --spi-step; one HMAC-MD5 key -k for all), send Registration Requests
 * from this host's address (-c: the co-located care-of address, also the
 * socket's source) to the home agent (-a, UDP -p 434).  With -P 2 every
 * request carries two IPv6 Prefix Requests, 2001:db8:1:<i>::/64 and
 * 2001:db8:2:<i>::/64 (i: the node's index, 16 bits), and the Tunneling
 * Mode extension, covered by the Mobile-Home authentication extension.
 *
 * A window of W nodes is in flight, at most one request per node; nodes are
 * taken round-robin.  A reply is matched by home address and the low 32
 * bits of the identification (RFC 5944 5.7.1); a request left unanswered
 * for -T ms is a loss and its node goes back to the queue.  Identifications
 * are NTP timestamps, strictly increasing per node.
 *
 * --fa FA: through a foreign agent (RFC 5944 3.7): the requests go to FA
 * (UDP -p 434) with FA as the care-of address, D and T clear, the home
 * agent -a in them; the agent answers each node at its home address
 * (3.7.2.3), so the socket is bound to any address (the bench makes the
 * home addresses local: `ip route add local ... dev lo`) and -c is not
 * needed.
 *
 * --echo: the peer is a plain UDP request/echo server (bench/udp_echo); the
 * same requests are sent and the echoed datagram is the answer: the
 * ceiling of a request/response server on the same path.
 *
 * Prints one line: mode, replies/s, accepted, rejected (by code), lost.
 * Exit 0 when at least one answer came back. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire/mip4.h"

#define LG_BATCH 64
#define LG_MSG_MAX 256

struct node {
	uint64_t last_id;            /* identification of the last request */
	uint64_t t_sent;             /* ns; 0: not in flight */
	int32_t next;                /* queue link (-1: end) */
};

struct lg {
	struct sockaddr_in peer;
	uint32_t src;                /* network order: care-of address */
	uint32_t home0;              /* host order: first home address */
	uint32_t ha;                 /* network order */
	uint32_t fa;                 /* network order; 0: co-located, to ha */
	uint32_t n_nodes, window;
	uint32_t spi0;
	bool spi_step;
	uint8_t key[64];
	size_t keylen;
	unsigned prefixes;           /* 0 or 2 */
	uint16_t lifetime;
	bool echo;
	uint64_t timeout_ns;
	struct node *nodes;
	int32_t q_head, q_tail;      /* nodes waiting to send */
	uint32_t in_flight;
	uint64_t sent, answered, accepted, lost, stray;
	uint64_t codes[256];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return mip4_ntp_time(ts.tv_sec, (uint32_t)ts.tv_nsec);
}

static void q_push(struct lg *g, uint32_t i)
{
	g->nodes[i].next = -1;
	if (g->q_tail >= 0)
		g->nodes[g->q_tail].next = (int32_t)i;
	else
		g->q_head = (int32_t)i;
	g->q_tail = (int32_t)i;
}

static int32_t q_pop(struct lg *g)
{
	int32_t i = g->q_head;

	if (i >= 0) {
		g->q_head = g->nodes[i].next;
		if (g->q_head < 0)
			g->q_tail = -1;
	}
	return i;
}

/* The request of node i (RFC 5944 3.3; RFC 5454 3.1 extension order). */
static int build(struct lg *g, uint32_t i, uint8_t *out, size_t cap, size_t *len)
{
	struct mip4_buf b;
	uint64_t id = ntp_now();
	int r;

	if (id <= g->nodes[i].last_id)
		id = g->nodes[i].last_id + 1;
	g->nodes[i].last_id = id;
	mip4_buf_init(&b, out, cap);
	r = mip4_put_request(&b, g->fa ? 0 : MIP4_F_D | MIP4_F_T, g->lifetime, htonl(g->home0 + i),
			     g->ha, g->fa ? g->fa : g->src, id);
	for (unsigned k = 0; r == 0 && k < g->prefixes; k++) {
		struct in6_addr p = { 0 };
		p.s6_addr[0] = 0x20;
		p.s6_addr[1] = 0x01;
		p.s6_addr[2] = 0x0d;
		p.s6_addr[3] = 0xb8;
		p.s6_addr[5] = (uint8_t)(k + 1);
		p.s6_addr[6] = (uint8_t)(i >> 8);
		p.s6_addr[7] = (uint8_t)i;
		r = mip4_put_prefix_request(&b, 64, &p);
	}
	if (r == 0 && g->prefixes)
		r = mip4_put_tunnel_mode(&b);
	if (r == 0)
		r = mip4_put_auth(&b, MIP4_EXT_MH_AUTH, g->spi0 + (g->spi_step ? i : 0), g->key,
				  g->keylen);
	*len = b.len;
	return r;
}

static int send_some(struct lg *g, int fd, uint64_t now)
{
	static uint8_t bufs[LG_BATCH][LG_MSG_MAX];
	struct mmsghdr mm[LG_BATCH];
	struct iovec iov[LG_BATCH];
	int32_t who[LG_BATCH];
	unsigned n = 0;

	while (n < LG_BATCH && g->in_flight + n < g->window) {
		int32_t i = q_pop(g);
		size_t len = 0;

		if (i < 0)
			break;
		if (build(g, (uint32_t)i, bufs[n], LG_MSG_MAX, &len) < 0) {
			fprintf(stderr, "mip4_loadgen: cannot build a request\n");
			return -EINVAL;
		}
		iov[n] = (struct iovec){ .iov_base = bufs[n], .iov_len = len };
		mm[n] = (struct mmsghdr){ .msg_hdr = { .msg_name = &g->peer,
						       .msg_namelen = sizeof(g->peer),
						       .msg_iov = &iov[n], .msg_iovlen = 1 } };
		who[n] = i;
		n++;
	}
	if (n == 0)
		return 0;
	int s = sendmmsg(fd, mm, n, 0);
	if (s < 0)
		s = 0;                       /* ENOBUFS/EAGAIN: requeue all */
	for (unsigned k = 0; k < n; k++) {
		if (k < (unsigned)s) {
			g->nodes[who[k]].t_sent = now;
			g->in_flight++;
			g->sent++;
		} else {
			q_push(g, (uint32_t)who[k]);
		}
	}
	return s;
}

static void answer(struct lg *g, const uint8_t *m, size_t len)
{
	uint32_t home, idx;
	uint64_t id;

	if (g->echo) {
		/* the request itself, echoed */
		if (len < MIP4_REQ_FIXED_LEN || m[0] != MIP4_REG_REQUEST)
			goto stray;
		memcpy(&home, m + 4, 4);
		memcpy(&id, m + 16, 8);
	} else {
		if (len < MIP4_REP_FIXED_LEN || m[0] != MIP4_REG_REPLY)
			goto stray;
		memcpy(&home, m + 4, 4);
		memcpy(&id, m + 12, 8);
	}
	id = be64toh(id);
	idx = ntohl(home) - g->home0;
	if (idx >= g->n_nodes || !g->nodes[idx].t_sent ||
	    (uint32_t)id != (uint32_t)g->nodes[idx].last_id)
		goto stray;
	g->nodes[idx].t_sent = 0;
	g->in_flight--;
	g->answered++;
	if (g->echo || mip4_code_accepted(m[1]))
		g->accepted++;
	if (!g->echo)
		g->codes[m[1]]++;
	q_push(g, idx);
	return;
stray:
	g->stray++;
}

static void expire(struct lg *g, uint64_t now)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		struct node *n = &g->nodes[i];
		if (n->t_sent && now - n->t_sent > g->timeout_ns) {
			n->t_sent = 0;
			g->in_flight--;
			g->lost++;
			q_push(g, i);
		}
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mip4_loadgen -a HA -c COA -H FIRST-HOME -n NODES -k KEYHEX [-S SPI]\n"
		"         [--spi-step] [-P 0|2] [-w WINDOW] [-d SECS] [-l LIFETIME] [-T MS]\n"
		"         [-p PORT] [--echo] [--count N] [--fa FA]\n");
	exit(2);
}

static size_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s && n < cap) {
		unsigned v;
		if (*s == ':') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			return 0;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "echo", no_argument, NULL, 'E' },
		{ "spi-step", no_argument, NULL, 'I' },
		{ "count", required_argument, NULL, 'N' },
		{ "fa", required_argument, NULL, 'F' },
		{ 0 },
	};
	struct lg g = { .peer = { .sin_family = AF_INET, .sin_port = htons(MIP4_PORT) },
			.n_nodes = 1, .window = 64, .spi0 = 256, .lifetime = 600,
			.timeout_ns = 1000000000ull, .q_head = -1, .q_tail = -1 };
	struct in_addr a;
	double secs = 5;
	uint64_t count = 0;
	int c, fd;

	while ((c = getopt_long(argc, argv, "a:c:H:n:k:S:P:w:d:l:T:p:", lopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			g.peer.sin_addr = a;
			g.ha = a.s_addr;
			break;
		case 'c':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			g.src = a.s_addr;
			break;
		case 'H':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			g.home0 = ntohl(a.s_addr);
			break;
		case 'n': g.n_nodes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'k': g.keylen = parse_hex(optarg, g.key, sizeof(g.key)); break;
		case 'S': g.spi0 = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'I': g.spi_step = true; break;
		case 'P': g.prefixes = (unsigned)atoi(optarg); break;
		case 'w': g.window = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'd': secs = atof(optarg); break;
		case 'l': g.lifetime = (uint16_t)atoi(optarg); break;
		case 'T': g.timeout_ns = strtoull(optarg, NULL, 0) * 1000000ull; break;
		case 'p': g.peer.sin_port = htons((uint16_t)atoi(optarg)); break;
		case 'E': g.echo = true; break;
		case 'N': count = strtoull(optarg, NULL, 0); break;
		case 'F':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			g.fa = a.s_addr;
			break;
		default: usage();
		}
	}
	if (g.fa)
		g.peer.sin_addr.s_addr = g.fa;
	if (!g.ha || !(g.src || g.fa) || !g.home0 || !g.keylen || g.n_nodes == 0 || g.prefixes > 2 ||
	    g.window == 0)
		usage();
	if (g.window > g.n_nodes)
		g.window = g.n_nodes;
	g.nodes = calloc(g.n_nodes, sizeof(*g.nodes));
	if (!g.nodes)
		return 1;
	for (uint32_t i = 0; i < g.n_nodes; i++)
		q_push(&g, i);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int sz = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = g.src };
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("bind");
		return 1;
	}

	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9), last_exp = t0;
	static uint8_t rbufs[LG_BATCH][2048];
	struct mmsghdr rm[LG_BATCH];
	struct iovec riov[LG_BATCH];
	for (;;) {
		uint64_t now = now_ns();
		if (now >= end || (count && g.answered >= count))
			break;
		if (send_some(&g, fd, now) < 0)
			return 1;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 10) < 0 && errno != EINTR)
			break;
		for (unsigned k = 0; k < LG_BATCH; k++) {
			riov[k] = (struct iovec){ .iov_base = rbufs[k], .iov_len = sizeof(rbufs[k]) };
			rm[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &riov[k], .msg_iovlen = 1 } };
		}
		int n = recvmmsg(fd, rm, LG_BATCH, MSG_DONTWAIT, NULL);
		for (int k = 0; k < n; k++)
			answer(&g, rbufs[k], rm[k].msg_len);
		now = now_ns();
		if (now - last_exp > 100000000ull) {
			expire(&g, now);
			last_exp = now;
		}
	}
	double el = (double)(now_ns() - t0) / 1e9;
	printf("mode %s nodes %u prefixes %u window %u secs %.2f: %.0f answers/s "
	       "(sent %" PRIu64 ", answered %" PRIu64 ", accepted %" PRIu64 ", lost %" PRIu64
	       ", stray %" PRIu64 ")",
	       g.echo ? "echo" : "registration", g.n_nodes, g.prefixes, g.window, el,
	       (double)g.answered / el, g.sent, g.answered, g.accepted, g.lost, g.stray);
	for (unsigned k = 0; k < 256; k++)
		if (g.codes[k] && !mip4_code_accepted((uint8_t)k))
			printf(" code%u=%" PRIu64, k, g.codes[k]);
	printf("\n");
	close(fd);
	free(g.nodes);
	return g.answered ? 0 : 1;
}
