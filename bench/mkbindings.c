/* mkbindings: the border router's per-packet decision at scale
 * (bench/tunnel.sh, docs/bench.md "Tunnel data plane").
 *
 * Engine mode (default): builds a dp_engine (DP_ROLE_DSTM_TEP) with N
 * bindings (10.0.0.1 onwards -> 2001:db8:46:1::<i>) for every N given with
 * -n, and times dp_tun_in() on one core for -p packets: IPv4/UDP packets of
 * 64 octets from the IPv4 world, each to a destination drawn at random
 * (xorshift) among the N bound addresses, so that with 10^6 bindings the
 * lookups miss the caches as they would in a real border router.  The
 * packet is prepared in place (destination, header checksum) before each
 * call; the same preparation alone is timed too and reported as "prep", so
 * the engine's own cost is the difference (times are the thread's CPU
 * time: CLOCK_THREAD_CPUTIME_ID).  Two ways: one packet at a
 * time, and in batches of -b packets whose binding slots are prefetched
 * (binding_prefetch) before the first of the batch is decided, as an I/O
 * loop can do with a recvmmsg batch.  Each N is run -r times; the median
 * is reported.  Output: three lines per N, and with --json one JSON
 * object per N.
 *
 * Store mode (-f STORE -n N): writes N bound DSTM leases into a ds46-dstmd
 * lease store, like bench/mkleases, but with a global client_addr per lease
 * (2001:db8:46:1::<i>): ds46-tepd turns only those into bindings (a
 * link-local client_addr authorises no tunnel endpoint, and mkleases
 * writes link-local ones). */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "dataplane/binding.h"
#include "dataplane/engine.h"
#include "store/store.h"
#include "wire/ip.h"

#define MK_MAX_N 8
#define MK_MAX_RUNS 9
#define MK_FIRST_V4 0x0a000001u      /* 10.0.0.1 */
#define MK_PKT_LEN 64
#define MK_MAX_BATCH 256

static void usage(FILE *f)
{
	fprintf(f, "usage: mkbindings [-n N]... [-p PACKETS] [-r RUNS] [-s SEED] [-b BATCH]\n"
		   "                  [--no-huge] [--no-mmap] [--json]\n"
		   "       mkbindings -f STORE -n N [-a FIRST-IPV4] [-T TEP]\n"
		   "  -n N        bindings (repeatable; default 1 and 1000000)\n"
		   "  -p PACKETS  dp_tun_in calls per run (default 20000000)\n"
		   "  -r RUNS     runs per N, median reported (default 3, at most 9)\n"
		   "  -b BATCH    packets per batch-prefetched batch (default 32, at most 256)\n"
		   "  --no-huge   binding table without MADV_HUGEPAGE\n"
		   "  --no-mmap   binding table on the heap (the fallback)\n"
		   "  -f STORE    write N DSTM leases with global client addresses instead\n");
}

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The timed loops count this thread's CPU time, not wall time: on a
 * shared machine the wall clock also counts the time other processes had
 * the CPU (their cache and TLB pollution still shows). */
static double cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t xs_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void peer_of(struct in6_addr *a, uint32_t i)
{
	inet_pton(AF_INET6, "2001:db8:46:1::", a);
	put_be32(&a->s6_addr[12], i + 1);
}

/* A UDP packet from the IPv4 world (198.18.0.2) to a DSTM host. */
static void pkt_template(uint8_t *p)
{
	memset(p, 0, MK_PKT_LEN);
	p[0] = 0x45;
	put_be16(p + 2, MK_PKT_LEN);
	put_be16(p + 6, 0x4000);      /* DF */
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	put_be32(p + 12, 0xc6120002u);
	put_be16(p + 20, 5201);
	put_be16(p + 22, 40000);
	put_be16(p + 24, MK_PKT_LEN - 20);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One timed loop over batches of `batch` packets: all of a batch are
 * prepared (destination, header checksum) and, with prefetch, their
 * binding slots prefetched, before the first is decided, as an I/O loop
 * does with a recvmmsg batch.  batch 1 without prefetch: one at a time.
 * with_engine false: the preparation alone. */
static double run_once(struct dp_engine *e, uint32_t n, uint64_t pkts, uint64_t seed,
		       unsigned batch, bool prefetch, bool with_engine, uint64_t *sent)
{
	static uint8_t pkt[MK_MAX_BATCH][MK_PKT_LEN];
	struct dp_out o;
	uint64_t s = seed | 1, ok = 0;
	volatile uint32_t sink = 0;
	for (unsigned j = 0; j < batch; j++)
		pkt_template(pkt[j]);
	double t0 = cpu_s();
	for (uint64_t k = 0; k < pkts; k += batch) {
		unsigned m = (unsigned)MIN((uint64_t)batch, pkts - k);
		for (unsigned j = 0; j < m; j++) {
			uint32_t dst = MK_FIRST_V4 +
				       (uint32_t)(((xs_next(&s) >> 32) * (uint64_t)n) >> 32);
			put_be32(pkt[j] + 16, dst);
			put_be16(pkt[j] + 10, 0);
			put_be16(pkt[j] + 10, ip_csum(pkt[j], IP4_HDR_LEN));
			if (prefetch && with_engine)
				binding_prefetch(&e->bindings, dst);
		}
		for (unsigned j = 0; j < m; j++) {
			if (with_engine) {
				dp_tun_in(e, pkt[j], MK_PKT_LEN, &o);
				ok += o.verdict == DP_TO_TUNNEL;
			} else {
				sink += pkt[j][10];
			}
		}
	}
	double dt = cpu_s() - t0;
	(void)sink;
	*sent = with_engine ? ok : pkts;
	return dt;
}

/* Median Mpps and preparation ns/packet of `runs` runs. */
static int time_mode(struct dp_engine *e, uint32_t n, uint64_t pkts, int runs, uint64_t seed,
		     unsigned batch, bool prefetch, double *mpps_out, double *prep_out)
{
	double mpps[MK_MAX_RUNS], prep[MK_MAX_RUNS];
	uint64_t ok = 0, dummy;
	for (int k = 0; k < runs; k++) {
		double dt = run_once(e, n, pkts, seed + (uint64_t)k, batch, prefetch, true, &ok);
		if (ok != pkts) {
			fprintf(stderr, "mkbindings: %" PRIu64 " of %" PRIu64
					" packets not sent to the tunnel\n", pkts - ok, pkts);
			return -1;
		}
		mpps[k] = (double)pkts / dt / 1e6;
		dt = run_once(e, n, pkts, seed + (uint64_t)k, batch, prefetch, false, &dummy);
		prep[k] = dt / (double)pkts * 1e9;
	}
	qsort(mpps, (size_t)runs, sizeof(double), cmp_double);
	qsort(prep, (size_t)runs, sizeof(double), cmp_double);
	mpps_out[0] = mpps[runs / 2];
	mpps_out[1] = mpps[0];
	mpps_out[2] = mpps[runs - 1];
	*prep_out = prep[runs / 2];
	return 0;
}

static const char *mem_name(uint8_t mem)
{
	return mem == BINDING_MEM_HUGE ? "mmap+MADV_HUGEPAGE" :
	       mem == BINDING_MEM_MMAP ? "mmap, 4 KiB pages" : "heap";
}

static int engine_bench(const uint32_t *ns, int nn, uint64_t pkts, int runs, uint64_t seed,
			unsigned batch, unsigned tflags, bool json)
{
	for (int j = 0; j < nn; j++) {
		uint32_t n = ns[j];
		struct dp_engine *e = malloc(sizeof(*e));
		if (!e)
			return 1;
		double tb = mono_s();
		int r = dp_init(e, DP_ROLE_DSTM_TEP, n);
		if (r == 0 && tflags) {
			binding_table_free(&e->bindings);
			r = binding_table_init_flags(&e->bindings, n, tflags);
		}
		for (uint32_t i = 0; r == 0 && i < n; i++) {
			struct in6_addr peer;
			peer_of(&peer, i);
			r = binding_set(&e->bindings, MK_FIRST_V4 + i, &peer, 0, NULL);
		}
		if (r < 0) {
			fprintf(stderr, "mkbindings: %u bindings: %s\n", n, strerror(-r));
			dp_free(e);
			free(e);
			return 1;
		}
		double build_s = mono_s() - tb;
		size_t bytes = binding_table_bytes(&e->bindings);
		double m1[3], mb[3], p1, pb;
		if (time_mode(e, n, pkts, runs, seed, 1, false, m1, &p1) < 0 ||
		    time_mode(e, n, pkts, runs, seed, batch, true, mb, &pb) < 0) {
			dp_free(e);
			free(e);
			return 1;
		}
		/* what ds46-tepd's follow timer did on every tick before it
		 * swept in bounded slices (tep_sync -> binding_expire): a sweep
		 * of the whole table, nothing expired */
		double ts = mono_s();
		uint32_t gone = binding_expire(&e->bindings, 1);
		double sweep_ms = (mono_s() - ts) * 1e3;
		if (gone)
			fprintf(stderr, "mkbindings: sweep expired %u bindings\n", gone);
		double ns1 = 1e3 / m1[0], nsb = 1e3 / mb[0];
		if (json)
			printf("{\"bindings\":%u,\"table_bytes\":%zu,\"bytes_per_binding\":%.1f,"
			       "\"table_memory\":\"%s\",\"build_s\":%.3f,\"packets\":%" PRIu64
			       ",\"runs\":%d,"
			       "\"mpps_median\":%.3f,\"mpps_min\":%.3f,\"mpps_max\":%.3f,"
			       "\"ns_per_pkt\":%.1f,\"prep_ns_per_pkt\":%.1f,\"engine_ns_per_pkt\":%.1f,"
			       "\"batch\":%u,\"batch_mpps_median\":%.3f,\"batch_mpps_min\":%.3f,"
			       "\"batch_mpps_max\":%.3f,\"batch_ns_per_pkt\":%.1f,"
			       "\"batch_prep_ns_per_pkt\":%.1f,\"batch_engine_ns_per_pkt\":%.1f,"
			       "\"expire_sweep_ms\":%.2f}\n",
			       n, bytes, (double)bytes / n, mem_name(e->bindings.mem), build_s, pkts,
			       runs, m1[0], m1[1], m1[2], ns1, p1, ns1 - p1, batch, mb[0], mb[1],
			       mb[2], nsb, pb, nsb - pb, sweep_ms);
		else
			printf("  %8u bindings: table %zu bytes = %.1f bytes/binding (%s, built in "
			       "%.2f s); one binding_expire sweep %.2f ms\n"
			       "    one at a time:     %7.2f Mpps (min %.2f max %.2f, %d runs of %" PRIu64
			       " packets): %.1f ns/packet, of which %.1f ns packet preparation, "
			       "%.1f ns engine\n"
			       "    batch-prefetched:  %7.2f Mpps (min %.2f max %.2f, batches of %u): "
			       "%.1f ns/packet, of which %.1f ns packet preparation, %.1f ns engine\n",
			       n, bytes, (double)bytes / n, mem_name(e->bindings.mem), build_s,
			       sweep_ms, m1[0], m1[1], m1[2], runs, pkts, ns1, p1, ns1 - p1, mb[0],
			       mb[1], mb[2], batch, nsb, pb, nsb - pb);
		fflush(stdout);
		dp_free(e);
		free(e);
	}
	return 0;
}

static int store_write(const char *path, uint32_t n, uint32_t first, const struct in6_addr *tep)
{
	struct store *s;
	struct store_opts so = { .path = path, .sync_full = false };
	int r = store_open(&so, &s);
	if (r < 0) {
		fprintf(stderr, "mkbindings: store %s: %s\n", path, strerror(-r));
		return 1;
	}
	int64_t now = (int64_t)time(NULL);
	struct lease l;
	memset(&l, 0, sizeof(l));
	l.kind = LEASE_KIND_V4;
	l.state = LEASE_STATE_BOUND;
	l.duid.len = 10;
	put_be16(l.duid.data, 3);
	put_be16(l.duid.data + 2, 1);
	l.duid.data[4] = 0x02;
	l.duid.data[5] = 0xef;
	l.iaid = 1;
	l.has_tep = true;
	l.tep = *tep;
	l.preferred = 86400;
	l.valid = 864000;
	l.cltt = now;
	l.expires = now + l.valid;
	snprintf(l.pool, sizeof(l.pool), "dstm");
	double t0 = mono_s();
	uint32_t done = 0;
	while (done < n) {
		uint32_t end = MIN(done + 10000u, n);
		r = store_begin(s);
		if (r < 0)
			goto fail;
		for (; done < end; done++) {
			in6_set_mapped(&l.addr, first + done);
			put_be32(l.duid.data + 6, done);
			peer_of(&l.client_addr, done);
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
	store_close(s);
	printf("mkbindings: wrote %u leases with global client addresses in %.2f s\n", n,
	       mono_s() - t0);
	return 0;
fail:
	fprintf(stderr, "mkbindings: after %u leases: %s\n", done, strerror(-r));
	store_close(s);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'j' },
					    { "no-huge", no_argument, NULL, 'H' },
					    { "no-mmap", no_argument, NULL, 'M' },
					    { 0 } };
	unsigned batch = 32, tflags = 0;
	uint32_t ns[MK_MAX_N];
	int nn = 0, runs = 3, c;
	uint64_t pkts = 20000000, seed = 0x5eed46;
	bool json = false;
	const char *store = NULL, *first_s = "10.0.0.1", *tep_s = "2001:db8:46::ffff";

	while ((c = getopt_long(argc, argv, "n:p:r:s:f:a:T:b:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (nn == MK_MAX_N) {
				usage(stderr);
				return 2;
			}
			ns[nn++] = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p': pkts = strtoull(optarg, NULL, 10); break;
		case 'r': runs = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'f': store = optarg; break;
		case 'a': first_s = optarg; break;
		case 'T': tep_s = optarg; break;
		case 'j': json = true; break;
		case 'b': batch = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'H': tflags |= BINDING_F_NO_HUGE; break;
		case 'M': tflags |= BINDING_F_NO_MMAP; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || runs < 1 || runs > MK_MAX_RUNS || !pkts || batch < 1 ||
	    batch > MK_MAX_BATCH) {
		usage(stderr);
		return 2;
	}
	for (int j = 0; j < nn; j++)
		if (ns[j] == 0 || ns[j] > (1u << 24)) {
			usage(stderr);
			return 2;
		}
	if (store) {
		struct in_addr first;
		struct in6_addr tep;
		if (nn != 1 || inet_pton(AF_INET, first_s, &first) != 1 ||
		    inet_pton(AF_INET6, tep_s, &tep) != 1) {
			usage(stderr);
			return 2;
		}
		return store_write(store, ns[0], ntohl(first.s_addr), &tep);
	}
	if (nn == 0) {
		ns[nn++] = 1;
		ns[nn++] = 1000000;
	}
	return engine_bench(ns, nn, pkts, runs, seed, batch, tflags, json);
}
