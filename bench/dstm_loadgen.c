/* dstm_loadgen: a DHCPv6 load generator for DSTM (dstm-04 6.1).
 *
 * perfdhcp cannot place the IPv4 Global Address option immediately before
 * the IA_NA (Kea packs options in code order, and 65046 > 3), so this tool
 * drives the 4-message exchange itself:
 *
 *   Solicit  (Client ID, Elapsed Time, IPv4 Global Address (len 0), IA_NA)
 *   Advertise <- must carry the option, then an IA_NA with ::ffff:a.b.c.d
 *   Request  (Client ID, Server ID, Elapsed Time, IPv4 Global Address, IA_NA
 *             with the advertised address)
 *   Reply    <- same shape; the exchange is complete
 *
 * N simulated clients (DUID-LL, distinct per client and per -S seed) are
 * used round-robin.  A window of W exchanges is kept in flight on one
 * non-blocking socket (sendmmsg/recvmmsg).  An exchange whose answer does
 * not arrive within the timeout is a drop (no retransmission: its slot
 * starts a new exchange).  Every loop is bounded by the duration (-d) and
 * optionally by a number of exchanges (-n).
 *
 * --plain leaves the IPv4 option out (ordinary IA_NA, IPv6 address), for a
 * comparison with perfdhcp on the same server.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "wire/dhcp6.h"

#define LG_BATCH 64
#define LG_MAX_WINDOW 4096            /* slot index fits 12 bits of the xid */
#define LG_SLOT_BITS 12
#define LG_HIST_US 10                 /* latency histogram bucket width */
#define LG_HIST_N 200000              /* 10 us .. 2 s */

enum slot_state { SLOT_FREE, SLOT_SOLICIT, SLOT_REQUEST };

struct slot {
	uint8_t state;
	uint16_t gen;                 /* upper 12 bits of the xid */
	uint32_t client;
	uint64_t t_start;             /* ns, Solicit sent */
	uint64_t t_sent;              /* ns, last message sent */
	struct dhcp6_duid serverid;
	struct in6_addr addr;         /* advertised */
	struct in6_addr tep;
	bool has_tep;
};

struct lg_opts {
	const char *ifname;
	const char *server;           /* address, default ff02::1:2 */
	uint16_t port;                /* server port */
	uint16_t lport;               /* 0: ephemeral */
	uint32_t clients;
	double duration;              /* seconds */
	uint64_t max_exchanges;       /* 0: unbounded (the duration bounds) */
	uint32_t window;
	uint32_t timeout_ms;
	uint16_t ipv4_code;
	bool plain;
	uint8_t seed;
	bool json;
};

struct lg_stats {
	uint64_t solicit_sent, advertise_rcvd, request_sent, reply_rcvd;
	uint64_t completed;           /* good Reply within the test period */
	uint64_t completed_late;      /* during the drain after the period */
	uint64_t drop_solicit;        /* Solicit not answered in time */
	uint64_t drop_request;        /* Request not answered in time */
	uint64_t bad_advertise;       /* no address / wrong shape / status */
	uint64_t bad_reply;
	uint64_t orphans;             /* unknown xid, wrong state, late */
	uint64_t malformed;
	uint64_t send_errors;
	uint64_t unfinished;          /* still in flight when the drain ended */
};

struct lg {
	struct lg_opts o;
	struct lg_stats st;
	int fd;
	struct sockaddr_in6 dst;
	struct slot *slots;
	uint32_t *free_stack;
	uint32_t n_free;
	uint32_t next_client;
	uint64_t initiated;
	uint32_t *hist;
	uint64_t lat_max_us;
	/* send queue */
	uint8_t txbuf[LG_BATCH][512];
	struct iovec txiov[LG_BATCH];
	struct mmsghdr txmsg[LG_BATCH];
	unsigned ntx;
	/* receive batch */
	uint8_t rxbuf[LG_BATCH][DHCP6_MAX_MSG];
	struct iovec rxiov[LG_BATCH];
	struct mmsghdr rxmsg[LG_BATCH];
	struct sockaddr_in6 rxfrom[LG_BATCH];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void lg_duid(const struct lg *g, uint32_t client, struct dhcp6_duid *d)
{
	/* RFC 8415 11.4 DUID-LL, hardware type 1, a locally administered MAC
	 * 02:<seed>:<client, 32 bits> */
	d->len = 10;
	put_be16(d->data, 3);
	put_be16(d->data + 2, 1);
	d->data[4] = 0x02;
	d->data[5] = g->o.seed;
	put_be32(d->data + 6, client);
}

static uint32_t lg_xid(const struct lg *g, uint32_t slot)
{
	return ((uint32_t)g->slots[slot].gen << LG_SLOT_BITS | slot) & 0xffffff;
}

static int lg_flush(struct lg *g)
{
	unsigned off = 0;
	while (off < g->ntx) {
		int r = sendmmsg(g->fd, &g->txmsg[off], g->ntx - off, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS) {
				struct pollfd p = { .fd = g->fd, .events = POLLOUT };
				poll(&p, 1, 1);
				continue;
			}
			g->st.send_errors++;
			off++;
			continue;
		}
		off += (unsigned)r;
	}
	g->ntx = 0;
	return 0;
}

static struct dhcp6_buf *lg_txslot(struct lg *g, struct dhcp6_buf *b)
{
	if (g->ntx == LG_BATCH)
		lg_flush(g);
	dhcp6_buf_init(b, g->txbuf[g->ntx], sizeof(g->txbuf[g->ntx]));
	return b;
}

static void lg_txqueue(struct lg *g, const struct dhcp6_buf *b)
{
	unsigned k = g->ntx++;
	g->txiov[k].iov_base = b->data;
	g->txiov[k].iov_len = b->len;
	memset(&g->txmsg[k], 0, sizeof(g->txmsg[k]));
	g->txmsg[k].msg_hdr.msg_name = &g->dst;
	g->txmsg[k].msg_hdr.msg_namelen = sizeof(g->dst);
	g->txmsg[k].msg_hdr.msg_iov = &g->txiov[k];
	g->txmsg[k].msg_hdr.msg_iovlen = 1;
}

/* Solicit or Request for slot i. */
static int lg_build(struct lg *g, uint32_t i, uint8_t type, uint64_t now)
{
	struct slot *sl = &g->slots[i];
	struct dhcp6_duid duid;
	struct dhcp6_buf b;
	size_t mark;
	uint16_t elapsed = (uint16_t)MIN((now - sl->t_start) / 10000000ull, 0xffffu);
	int r;

	lg_duid(g, sl->client, &duid);
	lg_txslot(g, &b);
	r = dhcp6_put_msg_hdr(&b, type, lg_xid(g, i));
	if (r == 0)
		r = dhcp6_put_duid(&b, DHCP6_OPT_CLIENTID, &duid);
	if (r == 0 && type == DHCP6_REQUEST)
		r = dhcp6_put_duid(&b, DHCP6_OPT_SERVERID, &sl->serverid);
	if (r == 0)
		r = dhcp6_put_opt_u16(&b, DHCP6_OPT_ELAPSED_TIME, elapsed);
	/* dstm-04 6.1: the option immediately before the IA it applies to */
	if (r == 0 && !g->o.plain)
		r = dhcp6_put_ipv4_global(&b, g->o.ipv4_code, NULL);
	if (r == 0)
		r = dhcp6_put_ia_begin(&b, DHCP6_OPT_IA_NA, 1, 0, 0, &mark);
	if (r == 0 && type == DHCP6_REQUEST)
		r = dhcp6_put_iaaddr(&b, &sl->addr, 0, 0, -1, NULL);
	if (r == 0)
		r = dhcp6_opt_end(&b, mark);
	if (r < 0)
		return r;
	lg_txqueue(g, &b);
	sl->t_sent = now;
	return 0;
}

static bool lg_may_start(const struct lg *g, uint64_t now, uint64_t end)
{
	return now < end && (!g->o.max_exchanges || g->initiated < g->o.max_exchanges);
}

static void lg_start(struct lg *g, uint64_t now)
{
	uint32_t i = g->free_stack[--g->n_free];
	struct slot *sl = &g->slots[i];
	sl->state = SLOT_SOLICIT;
	sl->gen = (uint16_t)((sl->gen + 1) & 0xfff);
	sl->client = g->next_client;
	g->next_client = g->next_client + 1 < g->o.clients ? g->next_client + 1 : 0;
	sl->t_start = now;
	sl->has_tep = false;
	g->initiated++;
	if (lg_build(g, i, DHCP6_SOLICIT, now) == 0)
		g->st.solicit_sent++;
}

static void lg_release(struct lg *g, uint32_t i)
{
	g->slots[i].state = SLOT_FREE;
	g->free_stack[g->n_free++] = i;
}

static void lg_latency(struct lg *g, uint64_t ns)
{
	uint64_t us = ns / 1000;
	uint64_t b = us / LG_HIST_US;
	g->hist[b < LG_HIST_N ? b : LG_HIST_N - 1]++;
	if (us > g->lat_max_us)
		g->lat_max_us = us;
}

/* The IA of an Advertise or Reply, checked for the expected shape. */
static const struct dhcp6_ia *lg_check_ia(const struct lg *g, const struct dhcp6_msg *m)
{
	if (m->n_ia < 1 || m->has_status)
		return NULL;
	const struct dhcp6_ia *ia = &m->ia[0];
	if (ia->type != DHCP6_OPT_IA_NA || ia->iaid != 1 || ia->n_addrs < 1 || ia->has_status ||
	    ia->addrs[0].has_status || ia->addrs[0].valid == 0)
		return NULL;
	if (g->o.plain)
		return ia->ipv4 || in6_is_mapped(&ia->addrs[0].addr) ? NULL : ia;
	return ia->ipv4 && in6_is_mapped(&ia->addrs[0].addr) ? ia : NULL;
}

static void lg_receive(struct lg *g, const uint8_t *buf, size_t len, uint64_t now, bool in_period)
{
	struct dhcp6_msg m;
	if (dhcp6_msg_parse(buf, len, g->o.plain ? 0 : g->o.ipv4_code, &m) < 0) {
		g->st.malformed++;
		return;
	}
	uint32_t i = m.xid & ((1u << LG_SLOT_BITS) - 1);
	uint16_t gen = (uint16_t)(m.xid >> LG_SLOT_BITS);
	if (i >= g->o.window || g->slots[i].gen != gen) {
		g->st.orphans++;
		return;
	}
	struct slot *sl = &g->slots[i];
	if (m.type == DHCP6_ADVERTISE && sl->state == SLOT_SOLICIT) {
		g->st.advertise_rcvd++;
		const struct dhcp6_ia *ia = lg_check_ia(g, &m);
		if (!ia || !m.serverid.len) {
			g->st.bad_advertise++;
			lg_release(g, i);
			return;
		}
		sl->serverid = m.serverid;
		sl->addr = ia->addrs[0].addr;
		sl->has_tep = ia->has_tep;
		sl->tep = ia->tep;
		sl->state = SLOT_REQUEST;
		if (lg_build(g, i, DHCP6_REQUEST, now) == 0)
			g->st.request_sent++;
		return;
	}
	if (m.type == DHCP6_REPLY && sl->state == SLOT_REQUEST) {
		g->st.reply_rcvd++;
		const struct dhcp6_ia *ia = lg_check_ia(g, &m);
		if (!ia || memcmp(&ia->addrs[0].addr, &sl->addr, sizeof(sl->addr)) != 0)
			g->st.bad_reply++;
		else if (in_period) {
			g->st.completed++;
			lg_latency(g, now - sl->t_start);
		} else
			g->st.completed_late++;
		lg_release(g, i);
		return;
	}
	g->st.orphans++;
}

static void lg_expire(struct lg *g, uint64_t now)
{
	uint64_t tmo = (uint64_t)g->o.timeout_ms * 1000000ull;
	for (uint32_t i = 0; i < g->o.window; i++) {
		struct slot *sl = &g->slots[i];
		if (sl->state == SLOT_FREE || now - sl->t_sent < tmo)
			continue;
		if (sl->state == SLOT_SOLICIT)
			g->st.drop_solicit++;
		else
			g->st.drop_request++;
		/* a late answer to this generation is an orphan */
		sl->gen = (uint16_t)((sl->gen + 1) & 0xfff);
		lg_release(g, i);
	}
}

static int lg_recv_all(struct lg *g, uint64_t *now, bool in_period)
{
	int total = 0;
	for (int rounds = 0; rounds < 64; rounds++) {
		for (unsigned k = 0; k < LG_BATCH; k++) {
			g->rxiov[k].iov_base = g->rxbuf[k];
			g->rxiov[k].iov_len = sizeof(g->rxbuf[k]);
			memset(&g->rxmsg[k].msg_hdr, 0, sizeof(g->rxmsg[k].msg_hdr));
			g->rxmsg[k].msg_hdr.msg_iov = &g->rxiov[k];
			g->rxmsg[k].msg_hdr.msg_iovlen = 1;
			g->rxmsg[k].msg_hdr.msg_name = &g->rxfrom[k];
			g->rxmsg[k].msg_hdr.msg_namelen = sizeof(g->rxfrom[k]);
		}
		int n = recvmmsg(g->fd, g->rxmsg, LG_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		*now = now_ns();
		for (int k = 0; k < n; k++)
			lg_receive(g, g->rxbuf[k], g->rxmsg[k].msg_len, *now, in_period);
		total += n;
		if (g->ntx)
			lg_flush(g);
		if (n < LG_BATCH)
			break;
	}
	return total;
}

static double lg_percentile(const struct lg *g, double q)
{
	uint64_t n = 0, acc = 0;
	for (uint32_t b = 0; b < LG_HIST_N; b++)
		n += g->hist[b];
	if (!n)
		return 0;
	uint64_t want = (uint64_t)(q * (double)n);
	if (want >= n)
		want = n - 1;
	for (uint32_t b = 0; b < LG_HIST_N; b++) {
		acc += g->hist[b];
		if (acc > want)
			return (double)(b + 1) * LG_HIST_US / 1000.0;   /* ms, upper edge */
	}
	return (double)g->lat_max_us / 1000.0;
}

static int lg_socket(struct lg *g)
{
	unsigned ifindex = if_nametoindex(g->o.ifname);
	int on = 1, off = 0, buf = 8 << 20, hops = 1;
	if (!ifindex) {
		fprintf(stderr, "dstm_loadgen: interface %s: %s\n", g->o.ifname, strerror(errno));
		return -ENODEV;
	}
	g->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0)
		return -errno;
	setsockopt(g->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	setsockopt(g->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (setsockopt(g->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(g->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(g->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(g->fd, SOL_SOCKET, SO_BINDTODEVICE, g->o.ifname, (socklen_t)strlen(g->o.ifname));
	setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off));
	setsockopt(g->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(g->o.lport) };
	if (bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		fprintf(stderr, "dstm_loadgen: bind port %u: %s\n", g->o.lport, strerror(e));
		return -e;
	}
	memset(&g->dst, 0, sizeof(g->dst));
	g->dst.sin6_family = AF_INET6;
	g->dst.sin6_port = htons(g->o.port);
	if (inet_pton(AF_INET6, g->o.server, &g->dst.sin6_addr) != 1) {
		fprintf(stderr, "dstm_loadgen: bad server address %s\n", g->o.server);
		return -EINVAL;
	}
	if (IN6_IS_ADDR_LINKLOCAL(&g->dst.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&g->dst.sin6_addr))
		g->dst.sin6_scope_id = ifindex;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dstm_loadgen -i IFACE [options]\n"
		"  -i IFACE    interface towards the server (required)\n"
		"  -s ADDR     server address (default ff02::1:2)\n"
		"  -p PORT     server port (default 547)\n"
		"  -L PORT     local port (default 0: ephemeral; the server answers it)\n"
		"  -R N        simulated clients, used round-robin (default 100000)\n"
		"  -d SEC      test period in seconds (default 10, at most 3600)\n"
		"  -n N        stop initiating after N exchanges (default: period only)\n"
		"  -w N        exchanges in flight (default 256, at most %d)\n"
		"  -t MS       drop an exchange after MS without answer (default 1000)\n"
		"  -c CODE     IPv4 Global Address option code (default %d)\n"
		"  -S SEED     DUID seed byte, to keep runs apart (default 1)\n"
		"  --plain     no IPv4 option: plain IA_NA exchanges\n"
		"  --json      one JSON line instead of the text report\n",
		LG_MAX_WINDOW, DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT);
}

static int lg_parse_args(struct lg_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plain", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	*o = (struct lg_opts){ .server = "ff02::1:2", .port = DHCP6_SERVER_PORT,
			       .clients = 100000, .duration = 10, .window = 256,
			       .timeout_ms = 1000,
			       .ipv4_code = DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT, .seed = 1 };
	while ((c = getopt_long(argc, argv, "i:s:p:L:R:d:n:w:t:c:S:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 's': o->server = optarg; break;
		case 'p': o->port = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'L': o->lport = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'R': o->clients = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': o->duration = strtod(optarg, NULL); break;
		case 'n': o->max_exchanges = strtoull(optarg, NULL, 10); break;
		case 'w': o->window = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 't': o->timeout_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c': o->ipv4_code = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'S': o->seed = (uint8_t)strtoul(optarg, NULL, 0); break;
		case 'P': o->plain = true; break;
		case 'J': o->json = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (!o->ifname || optind != argc || !o->clients || !o->window ||
	    o->window > LG_MAX_WINDOW || !(o->duration > 0 && o->duration <= 3600) ||
	    !o->timeout_ms || o->timeout_ms > 60000 || !o->ipv4_code) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void lg_report(const struct lg *g, double period)
{
	const struct lg_stats *s = &g->st;
	uint64_t drops = s->drop_solicit + s->drop_request;
	double rate = (double)s->completed / period;
	double p50 = lg_percentile(g, 0.50), p90 = lg_percentile(g, 0.90);
	double p99 = lg_percentile(g, 0.99), p999 = lg_percentile(g, 0.999);
	if (g->o.json) {
		printf("{\"mode\":\"%s\",\"period_s\":%.3f,\"clients\":%u,\"window\":%u,"
		       "\"solicit_sent\":%" PRIu64 ",\"advertise_rcvd\":%" PRIu64
		       ",\"request_sent\":%" PRIu64 ",\"reply_rcvd\":%" PRIu64
		       ",\"completed\":%" PRIu64 ",\"completed_late\":%" PRIu64
		       ",\"rate\":%.1f,\"drops\":%" PRIu64 ",\"drop_solicit\":%" PRIu64
		       ",\"drop_request\":%" PRIu64 ",\"bad_advertise\":%" PRIu64
		       ",\"bad_reply\":%" PRIu64 ",\"orphans\":%" PRIu64 ",\"malformed\":%" PRIu64
		       ",\"send_errors\":%" PRIu64 ",\"unfinished\":%" PRIu64
		       ",\"lat_p50_ms\":%.3f,\"lat_p90_ms\":%.3f,\"lat_p99_ms\":%.3f"
		       ",\"lat_p999_ms\":%.3f,\"lat_max_ms\":%.3f}\n",
		       g->o.plain ? "plain" : "dstm", period, g->o.clients, g->o.window,
		       s->solicit_sent, s->advertise_rcvd, s->request_sent, s->reply_rcvd,
		       s->completed, s->completed_late, rate, drops, s->drop_solicit,
		       s->drop_request, s->bad_advertise, s->bad_reply, s->orphans, s->malformed,
		       s->send_errors, s->unfinished, p50, p90, p99, p999,
		       (double)g->lat_max_us / 1000.0);
		return;
	}
	printf("dstm_loadgen (%s): %.3f s, %u clients, window %u\n",
	       g->o.plain ? "plain IA_NA" : "DSTM IPv4 option + IA_NA", period, g->o.clients,
	       g->o.window);
	printf("  sent:     Solicit %" PRIu64 "  Request %" PRIu64 "\n", s->solicit_sent,
	       s->request_sent);
	printf("  received: Advertise %" PRIu64 "  Reply %" PRIu64 "\n", s->advertise_rcvd,
	       s->reply_rcvd);
	printf("  completed exchanges: %" PRIu64 " in period (+%" PRIu64 " during drain)\n",
	       s->completed, s->completed_late);
	printf("  rate: %.1f exchanges/s\n", rate);
	printf("  drops: %" PRIu64 " (Solicit %" PRIu64 ", Request %" PRIu64 ")"
	       "  bad: Advertise %" PRIu64 " Reply %" PRIu64 "  orphans %" PRIu64
	       "  malformed %" PRIu64 "  send errors %" PRIu64 "  unfinished %" PRIu64 "\n",
	       drops, s->drop_solicit, s->drop_request, s->bad_advertise, s->bad_reply,
	       s->orphans, s->malformed, s->send_errors, s->unfinished);
	printf("  latency Solicit->Reply ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
	       p50, p90, p99, p999, (double)g->lat_max_us / 1000.0);
}

int main(int argc, char **argv)
{
	static struct lg g;
	if (lg_parse_args(&g.o, argc, argv) < 0)
		return 2;
	g.slots = calloc(g.o.window, sizeof(*g.slots));
	g.free_stack = calloc(g.o.window, sizeof(*g.free_stack));
	g.hist = calloc(LG_HIST_N, sizeof(*g.hist));
	if (!g.slots || !g.free_stack || !g.hist)
		return 1;
	for (uint32_t i = 0; i < g.o.window; i++)
		g.free_stack[g.n_free++] = g.o.window - 1 - i;
	if (lg_socket(&g) < 0)
		return 1;

	uint64_t t0 = now_ns(), now = t0;
	uint64_t end = t0 + (uint64_t)(g.o.duration * 1e9);
	uint64_t next_expire = t0 + 10000000ull;
	uint64_t t_end = end;

	/* test period: keep the window full */
	while (now < end) {
		while (g.n_free && lg_may_start(&g, now, end))
			lg_start(&g, now);
		if (g.ntx)
			lg_flush(&g);
		if (!g.n_free || !lg_may_start(&g, now, end)) {
			struct pollfd p = { .fd = g.fd, .events = POLLIN };
			poll(&p, 1, 1);
		}
		now = now_ns();
		lg_recv_all(&g, &now, true);
		if (now >= next_expire) {
			lg_expire(&g, now);
			next_expire = now + 10000000ull;
		}
		if (g.o.max_exchanges && g.initiated >= g.o.max_exchanges &&
		    g.n_free == g.o.window) {
			t_end = now;
			break;
		}
	}
	if (now >= end)
		t_end = end;
	/* drain: no new exchanges; wait at most one timeout for the rest */
	uint64_t drain_end = now + (uint64_t)g.o.timeout_ms * 1000000ull;
	while (g.n_free < g.o.window && now < drain_end) {
		struct pollfd p = { .fd = g.fd, .events = POLLIN };
		poll(&p, 1, 5);
		now = now_ns();
		lg_recv_all(&g, &now, false);
	}
	g.st.unfinished = g.o.window - g.n_free;
	lg_report(&g, (double)(t_end - t0) / 1e9);
	close(g.fd);
	free(g.slots);
	free(g.free_stack);
	free(g.hist);
	return 0;
}
