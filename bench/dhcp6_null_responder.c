/* dhcp6_null_responder: the cheapest DHCPv6 server that still answers like
 * ds46-dstmd, to measure what a load generator can drive on this machine.
 *
 * No store, no allocation, no state: Solicit gets an Advertise and Request
 * (Renew, Rebind) a Reply, each with the same options as ds46-dstmd sends
 * (Server ID, Client ID, Preference in Advertise, and per IA: the IPv4
 * Global Address option with a TEP when the client put one before the IA
 * (dstm-04 6.1), then the IA_NA with one IAADDR).  The address is derived
 * from a hash of the client's DUID and IAID: ::ffff:10.x.y.z for DSTM IAs,
 * 2001:db8:46::<hash> for plain ones.  Same batched I/O as the daemon
 * (recvmmsg / sendmmsg, 64 at a time).
 *
 * Bounded: exits after -d seconds (default 600) or on SIGTERM/SIGINT, and
 * prints its counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "wire/dhcp6.h"

#define NR_BATCH 64

static volatile sig_atomic_t nr_stop;

static void nr_on_signal(int sig)
{
	(void)sig;
	nr_stop = 1;
}

struct nr {
	uint16_t ipv4_code;
	struct in6_addr tep;
	struct dhcp6_duid duid;
	int fd;
	uint64_t rx, tx_advertise, tx_reply, ignored, malformed;
	uint8_t rxbuf[NR_BATCH][DHCP6_MAX_MSG];
	struct sockaddr_in6 from[NR_BATCH];
	struct iovec rxiov[NR_BATCH];
	struct mmsghdr rxmsg[NR_BATCH];
	uint8_t txbuf[NR_BATCH][DHCP6_MAX_MSG];
	struct iovec txiov[NR_BATCH];
	struct mmsghdr txmsg[NR_BATCH];
};

static uint64_t nr_hash(const struct dhcp6_duid *d, uint32_t iaid)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < d->len; i++) {
		h ^= d->data[i];
		h *= 0x100000001b3ull;
	}
	for (int i = 0; i < 4; i++) {
		h ^= (uint8_t)(iaid >> (8 * i));
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

/* One reply; 0 and b filled, or <0 (nothing to send). */
static int nr_answer(struct nr *n, const struct dhcp6_msg *m, struct dhcp6_buf *b)
{
	uint8_t type;
	int r;

	switch (m->type) {
	case DHCP6_SOLICIT: type = DHCP6_ADVERTISE; break;
	case DHCP6_REQUEST:
	case DHCP6_RENEW:
	case DHCP6_REBIND: type = DHCP6_REPLY; break;
	default: return -EOPNOTSUPP;
	}
	if (!m->clientid.len)
		return -EBADMSG;
	if (m->serverid.len && (m->serverid.len != n->duid.len ||
				memcmp(m->serverid.data, n->duid.data, n->duid.len) != 0))
		return -EBADMSG;
	r = dhcp6_put_msg_hdr(b, type, m->xid);
	if (r == 0)
		r = dhcp6_put_duid(b, DHCP6_OPT_SERVERID, &n->duid);
	if (r == 0)
		r = dhcp6_put_duid(b, DHCP6_OPT_CLIENTID, &m->clientid);
	if (r == 0 && type == DHCP6_ADVERTISE)
		r = dhcp6_put_opt_u8(b, DHCP6_OPT_PREFERENCE, 255);
	for (uint8_t i = 0; r == 0 && i < m->n_ia; i++) {
		const struct dhcp6_ia *ia = &m->ia[i];
		uint64_t h = nr_hash(&m->clientid, ia->iaid);
		struct in6_addr a;
		size_t mark;
		if (ia->ipv4) {
			in6_set_mapped(&a, 0x0a000000u | (uint32_t)(h & 0xffffff));
			r = dhcp6_put_ipv4_global(b, n->ipv4_code, &n->tep);
		} else {
			inet_pton(AF_INET6, "2001:db8:46::", &a);
			put_be64(&a.s6_addr[8], h | 1);
		}
		if (r == 0)
			r = dhcp6_put_ia_begin(b, ia->type, ia->iaid, 1800, 2880, &mark);
		if (r == 0)
			r = dhcp6_put_iaaddr(b, &a, 3600, 7200, -1, NULL);
		if (r == 0)
			r = dhcp6_opt_end(b, mark);
	}
	if (r == 0) {
		if (type == DHCP6_ADVERTISE)
			n->tx_advertise++;
		else
			n->tx_reply++;
	}
	return r;
}

static void nr_rx_prep(struct nr *n)
{
	for (unsigned k = 0; k < NR_BATCH; k++) {
		n->rxiov[k].iov_base = n->rxbuf[k];
		n->rxiov[k].iov_len = sizeof(n->rxbuf[k]);
		memset(&n->rxmsg[k].msg_hdr, 0, sizeof(n->rxmsg[k].msg_hdr));
		n->rxmsg[k].msg_hdr.msg_name = &n->from[k];
		n->rxmsg[k].msg_hdr.msg_namelen = sizeof(n->from[k]);
		n->rxmsg[k].msg_hdr.msg_iov = &n->rxiov[k];
		n->rxmsg[k].msg_hdr.msg_iovlen = 1;
	}
}

static void nr_batch(struct nr *n)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		nr_rx_prep(n);
		int got = recvmmsg(n->fd, n->rxmsg, NR_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			return;
		unsigned ntx = 0;
		for (int k = 0; k < got; k++) {
			struct dhcp6_msg m;
			struct dhcp6_buf b;
			n->rx++;
			if (dhcp6_msg_parse(n->rxbuf[k], n->rxmsg[k].msg_len, n->ipv4_code, &m) < 0) {
				n->malformed++;
				continue;
			}
			dhcp6_buf_init(&b, n->txbuf[ntx], sizeof(n->txbuf[ntx]));
			if (nr_answer(n, &m, &b) < 0) {
				n->ignored++;
				continue;
			}
			n->txiov[ntx].iov_base = b.data;
			n->txiov[ntx].iov_len = b.len;
			memset(&n->txmsg[ntx].msg_hdr, 0, sizeof(n->txmsg[ntx].msg_hdr));
			/* reply to the source address and port, as the server does */
			n->txmsg[ntx].msg_hdr.msg_name = &n->from[k];
			n->txmsg[ntx].msg_hdr.msg_namelen = sizeof(n->from[k]);
			n->txmsg[ntx].msg_hdr.msg_iov = &n->txiov[ntx];
			n->txmsg[ntx].msg_hdr.msg_iovlen = 1;
			ntx++;
		}
		for (unsigned off = 0; off < ntx;) {
			int s = sendmmsg(n->fd, &n->txmsg[off], ntx - off, 0);
			if (s < 0) {
				if (errno == EINTR)
					continue;
				off++;
				continue;
			}
			off += (unsigned)s;
		}
		if (got < NR_BATCH)
			return;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: dhcp6_null_responder -i IFACE [-p PORT] [-c CODE] [-T TEP] [-d SEC]\n"
		   "  -i IFACE  join ff02::1:2 on IFACE (required)\n"
		   "  -p PORT   UDP port (default 547)\n"
		   "  -c CODE   IPv4 Global Address option code (default %d)\n"
		   "  -T ADDR   TEP address in the IPv4 option (default 2001:db8:46::ffff)\n"
		   "  -d SEC    exit after SEC seconds (default 600)\n",
		DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT);
}

int main(int argc, char **argv)
{
	static struct nr n;
	const char *ifname = NULL, *tep = "2001:db8:46::ffff";
	unsigned port = DHCP6_SERVER_PORT;
	double duration = 600;
	int c, on = 1, rcv = 8 << 20;

	n.ipv4_code = DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT;
	while ((c = getopt(argc, argv, "i:p:c:T:d:h")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': n.ipv4_code = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'T': tep = optarg; break;
		case 'd': duration = strtod(optarg, NULL); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!ifname || optind != argc || inet_pton(AF_INET6, tep, &n.tep) != 1 || !port ||
	    port > 65535 || !(duration > 0 && duration <= 86400)) {
		usage(stderr);
		return 2;
	}
	/* RFC 8415 11.5 DUID-UUID, 18 octets like ds46-dstmd's */
	n.duid.len = 18;
	put_be16(n.duid.data, 4);
	for (int i = 0; i < 16; i++)
		n.duid.data[2 + i] = (uint8_t)(0x40 + i);

	n.fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (n.fd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(n.fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	setsockopt(n.fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (setsockopt(n.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(n.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	if (bind(n.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("bind");
		return 1;
	}
	struct ipv6_mreq mr = { .ipv6mr_interface = if_nametoindex(ifname) };
	inet_pton(AF_INET6, "ff02::1:2", &mr.ipv6mr_multiaddr);
	if (!mr.ipv6mr_interface ||
	    setsockopt(n.fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0) {
		fprintf(stderr, "join ff02::1:2 on %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	signal(SIGTERM, nr_on_signal);
	signal(SIGINT, nr_on_signal);
	fprintf(stderr, "dhcp6_null_responder: ready: port %u on %s\n", port, ifname);

	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!nr_stop) {
		struct pollfd p = { .fd = n.fd, .events = POLLIN };
		if (poll(&p, 1, 200) > 0)
			nr_batch(&n);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > duration)
			break;
	}
	fprintf(stderr,
		"dhcp6_null_responder: rx %" PRIu64 " advertise %" PRIu64 " reply %" PRIu64
		" ignored %" PRIu64 " malformed %" PRIu64 "\n",
		n.rx, n.tx_advertise, n.tx_reply, n.ignored, n.malformed);
	close(n.fd);
	return 0;
}
