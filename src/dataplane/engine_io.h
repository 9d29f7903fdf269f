/* The tunnel engine's I/O loop: a TUN device on the IPv4 side and a raw
 * IPv6 socket of protocol 4 on the tunnel side, read in batches from a
 * libevent base, every packet decided by engine.c.  ICMPv6 errors about
 * tunnel packets are drained from the raw socket's error queue and fed to
 * dp_icmp6_in().  See docs/dataplane.md. */
#ifndef DS46_DATAPLANE_ENGINE_IO_H
#define DS46_DATAPLANE_ENGINE_IO_H

#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine.h"
#include "os/tun.h"

struct dp_io;

struct dp_io_config {
	const char *tun_name;        /* created if absent; "" lets the kernel pick */
	bool has_bind;               /* bind the raw socket to this address */
	struct in6_addr bind_addr;   /* (the TEP's tunnel address) */
	int rcvbuf;                  /* raw socket receive buffer, octets; 0: 4 MiB */
	bool tun_ipv6;               /* keep IPv6 on the TUN (the DSTM roles'
	                                TUNs carry IPv4 only: false) */
	bool offload;                /* TUN with IFF_VNET_HDR and TUN_OFFLOAD_GSO:
	                                super-packets read from it are cut into
	                                segments (dataplane/offload.h) before the
	                                engine sees them, and the decapsulated
	                                segments of a batch are coalesced into
	                                super-packets before they are written;
	                                plain (logged) if the kernel refuses */
	/* dstm-04 5.1, host: a packet arrived while the engine has no IPv4
	 * address (DP_NEED_ADDRESS).  Called at most once per second. */
	void (*need_address)(void *ctx);
	void *ctx;
	/* the tunnel MTU changed (an ICMPv6 Packet Too Big): the host sets
	 * its DTI's MTU to it */
	void (*mtu_changed)(void *ctx, uint16_t tunnel_mtu);
};

/* Open the TUN and the raw socket and start reading.  The TUN is left
 * down and without addresses: the control plane configures it (netlink). */
int dp_io_open(struct dp_engine *e, struct event_base *base, const struct dp_io_config *cfg,
	       struct dp_io **out);
void dp_io_close(struct dp_io *io);
const struct tun *dp_io_tun(const struct dp_io *io);
/* Write one IPv4 packet into the TUN (errors logged, rate-limited). */
void dp_io_tun_write(struct dp_io *io, const uint8_t *pkt, size_t len);

/* What the offload path did (all 0 without offload). */
struct dp_io_stats {
	uint64_t tun_reads;          /* packets read from the TUN (super or not) */
	uint64_t gso_super;          /* of which GSO super-packets */
	uint64_t gso_segs;           /* segments cut from them */
	uint64_t gso_bad;            /* refused by dp_gso_init (also drop_malformed) */
	uint64_t gro_in;             /* decapsulated packets given to dp_gro */
	uint64_t gro_out;            /* writes into the TUN for them */
	uint64_t gro_super;          /* of which super-packets */
	uint64_t gro_bad_csum;       /* TCP segments with a bad checksum (passed) */
};
void dp_io_get_stats(const struct dp_io *io, struct dp_io_stats *st);

#endif
