/* mkleases: fill a ds46 lease store with N DSTM leases through the store API
 * (src/store/store.h), for measuring ds46-dstmd's start time and memory.
 *
 * Lease i gets the IPv4-mapped address first + i (so the pool given to the
 * daemon must contain first .. first + N - 1), DUID-LL 02:ee:<i>, IAID 1,
 * a TEP and a long valid lifetime, as if the server had assigned it.
 * Written in transactions of -b leases (default 10,000).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "store/store.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mkleases -f STORE [-n N] [-b BATCH] [-a FIRST-IPV4] [-p POOL]\n"
		   "                [-T TEP] [-v VALID] [--normal]\n"
		   "  -f STORE  SQLite lease store (created if missing)\n"
		   "  -n N      leases to write (default 1000000, at most 16777216)\n"
		   "  -b BATCH  leases per transaction (default 10000)\n"
		   "  -a ADDR   first IPv4 address (default 10.0.0.1)\n"
		   "  -p NAME   pool name recorded in each lease (default dstm)\n"
		   "  -T ADDR   TEP recorded in each lease (default 2001:db8:46::ffff)\n"
		   "  -v SEC    valid lifetime (default 2592000, 30 days)\n"
		   "  -s        synchronous=normal instead of full\n");
}

int main(int argc, char **argv)
{
	const char *path = NULL, *first_s = "10.0.0.1", *pool = "dstm";
	const char *tep_s = "2001:db8:46::ffff";
	unsigned long n = 1000000, batch = 10000, valid = 2592000;
	bool sync_full = true;
	struct in_addr first;
	struct in6_addr tep;
	int c, r;

	while ((c = getopt(argc, argv, "f:n:b:a:p:T:v:sh")) != -1) {
		switch (c) {
		case 'f': path = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		case 'a': first_s = optarg; break;
		case 'p': pool = optarg; break;
		case 'T': tep_s = optarg; break;
		case 'v': valid = strtoul(optarg, NULL, 10); break;
		case 's': sync_full = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc || !n || n > (1ul << 24) || !batch ||
	    inet_pton(AF_INET, first_s, &first) != 1 || inet_pton(AF_INET6, tep_s, &tep) != 1 ||
	    !valid || valid > UINT32_MAX || strlen(pool) >= sizeof(((struct lease *)0)->pool)) {
		usage(stderr);
		return 2;
	}
	uint32_t v4 = ntohl(first.s_addr);
	if ((uint64_t)v4 + n - 1 > UINT32_MAX) {
		fprintf(stderr, "mkleases: %lu addresses from %s run past 255.255.255.255\n", n,
			first_s);
		return 2;
	}

	struct store *s;
	struct store_opts so = { .path = path, .sync_full = sync_full };
	r = store_open(&so, &s);
	if (r < 0) {
		fprintf(stderr, "mkleases: store %s: %s\n", path, strerror(-r));
		return 1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int64_t now = (int64_t)time(NULL);
	struct lease l;
	memset(&l, 0, sizeof(l));
	l.kind = LEASE_KIND_V4;
	l.state = LEASE_STATE_BOUND;
	l.duid.len = 10;
	put_be16(l.duid.data, 3);             /* DUID-LL, Ethernet */
	put_be16(l.duid.data + 2, 1);
	l.duid.data[4] = 0x02;
	l.duid.data[5] = 0xee;
	l.iaid = 1;
	inet_pton(AF_INET6, "fe80::", &l.client_addr);
	l.has_tep = true;
	l.tep = tep;
	l.preferred = (uint32_t)(valid / 2);
	l.valid = (uint32_t)valid;
	l.cltt = now;
	l.expires = now + (int64_t)valid;
	snprintf(l.pool, sizeof(l.pool), "%s", pool);

	unsigned long done = 0;
	while (done < n) {
		unsigned long end = MIN(done + batch, n);
		r = store_begin(s);
		if (r < 0)
			goto fail;
		for (; done < end; done++) {
			in6_set_mapped(&l.addr, v4 + (uint32_t)done);
			put_be32(l.duid.data + 6, (uint32_t)done);
			/* the client's tunnel endpoint: a link-local per client */
			put_be64(&l.client_addr.s6_addr[8], 0x0200000000000000ull | done);
			r = store_lease_put(s, &l);
			if (r < 0) {
				store_rollback(s);
				goto fail;
			}
		}
		r = store_commit(s);
		if (r < 0) {
			store_rollback(s);
			goto fail;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t count = 0;
	store_lease_count(s, &count);
	store_close(s);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("mkleases: wrote %lu leases in %.2f s (%.0f/s); store now holds %" PRIu64 "\n",
	       n, secs, (double)n / secs, count);
	return 0;
fail:
	fprintf(stderr, "mkleases: after %lu leases: %s\n", done, strerror(-r));
	store_close(s);
	return 1;
}
