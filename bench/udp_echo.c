/* udp_echo: the plain UDP request/echo server of bench/mip4.sh, the
 * ceiling a registration server is compared with: every datagram received
 * on ADDR:PORT is sent back unchanged to its source, in batches
 * (recvmmsg/sendmmsg), single-threaded, like one daemon's event loop.
 *
 *   udp_echo ADDR PORT      runs until SIGTERM/SIGINT; prints "ready:" on
 *                           stderr once bound and the datagram count at exit. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_BATCH 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	static uint8_t bufs[ECHO_BATCH][2048];
	struct sockaddr_in peers[ECHO_BATCH];
	struct mmsghdr mm[ECHO_BATCH];
	struct iovec iov[ECHO_BATCH];
	uint64_t echoed = 0;
	int fd, sz = 4 << 20;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &me.sin_addr) != 1) {
		fprintf(stderr, "usage: udp_echo ADDR PORT\n");
		return 2;
	}
	me.sin_port = htons((uint16_t)atoi(argv[2]));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("udp_echo: socket/bind");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	fprintf(stderr, "ready: udp_echo on %s:%s\n", argv[1], argv[2]);
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		for (unsigned k = 0; k < ECHO_BATCH; k++) {
			iov[k] = (struct iovec){ .iov_base = bufs[k], .iov_len = sizeof(bufs[k]) };
			mm[k] = (struct mmsghdr){ .msg_hdr = { .msg_name = &peers[k],
							       .msg_namelen = sizeof(peers[k]),
							       .msg_iov = &iov[k], .msg_iovlen = 1 } };
		}
		int n = recvmmsg(fd, mm, ECHO_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		for (int k = 0; k < n; k++)
			iov[k].iov_len = mm[k].msg_len;
		int s = sendmmsg(fd, mm, (unsigned)n, 0);
		if (s > 0)
			echoed += (uint64_t)s;
	}
	fprintf(stderr, "udp_echo: %" PRIu64 " datagrams echoed\n", echoed);
	close(fd);
	return 0;
}
