/* The I/O loop of an engine in a Mobile IPv4 role (DP_ROLE_MIP_HA,
 * DP_ROLE_MIP_MN or DP_ROLE_MIP_FA, dataplane/engine_mip.h, engine_fa.h):
 * the IPv4-outer counterpart of engine_io.h.
 *
 *   TUN (IPv4 and IPv6)  --dp_mip_tun_in-->     IPPROTO_RAW socket, sendmmsg
 *                                                (whole IPv4 packets, cut into
 *                                                fragments when the verdict
 *                                                says so: wire/frag4.h)
 *   TUN  <--dp_mip_tunnel_in--  AF_INET raw sockets of protocols 4, 41, 47, 55
 *                               (recvmmsg; whole IPv4 packets, reassembled by
 *                               the kernel)
 *
 * Everything is driven by a libevent base: every read is non-blocking, in
 * batches, with a bounded number of batches per wakeup.  Verdicts:
 * DP_TO_TUNNEL4 packets of a batch go out in one sendmmsg (above
 * o->frag_mtu as fragments); a home agent's copies for simultaneous
 * bindings (o->copies, dp_mip_ha_copy) are copied aside and go in the same
 * batch; DP_TO_TUN and DP_ICMP_TO_TUN are written to the TUN at once;
 * DP_DROP is logged with its reason, rate-limited (the engine counted it).
 * A truncated tunnel packet (over 64 KiB) is counted drop_malformed.
 *
 * ICMPv4 errors (RFC 2003 4, RFC 4213 3.4): a raw ICMP socket (os/rawsock4.h,
 * error types only; SO_BINDTODEVICE like the others) hands every error
 * the host receives to dp_mip_icmp4_in(), which keeps the ones about our
 * tunnel packets: the tunnel MTU towards the quoted destination is lowered
 * on fragmentation needed, and an error relayed to the inner sender is
 * written into the TUN.  Config no_icmp: none of that.
 *
 * The TUN is left down and without addresses; routes, addresses and the
 * MTU are the daemon's (netlink).  The kernel decrements TTL / hop limit
 * when it forwards into and out of the TUN; the engine leaves them. */
#ifndef DS46_DATAPLANE_ENGINE_IO4_H
#define DS46_DATAPLANE_ENGINE_IO4_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine.h"
#include "os/tun.h"
#include "wire/ip.h"

struct dp_io4;

/* Which tunnel protocols get a receive socket (struct dp_io4_config). */
#define DP_IO4_PROTO_IPIP    0x1u    /* 4: IPv4 in IPv4 (RFC 2003) */
#define DP_IO4_PROTO_6IN4    0x2u    /* 41: IPv6 in IPv4 (RFC 4213) */
#define DP_IO4_PROTO_GRE     0x4u    /* 47: GRE (RFC 2784) */
#define DP_IO4_PROTO_MINIMAL 0x8u    /* 55: minimal encapsulation (RFC 2004) */
#define DP_IO4_PROTO_ALL     0xfu

struct dp_io4_config {
	const char *tun_name;        /* created if absent; NULL or "": the
	                                kernel picks "tun%d" */
	bool tun_ipv4_only;          /* disable IPv6 on the TUN (plain Mobile
	                                IPv4; DSMIPv4 carries IPv6: false) */
	unsigned protocols;          /* DP_IO4_PROTO_* receive sockets; 0: all */
	bool has_bind;               /* bind the receive sockets to bind_addr */
	uint32_t bind_addr;          /* host order (the home agent's address);
	                                a mobile node whose care-of address
	                                changes leaves them unbound: the engine
	                                checks the outer destination anyway */
	const char *ifname;          /* NULL or "": any; else SO_BINDTODEVICE on
	                                every raw socket: tunnel packets leave
	                                by it whatever the routing table says
	                                (a mobile node whose default route
	                                points into the TUN), and only packets
	                                that arrived on it are read.  See
	                                dp_io4_set_device() */
	int rcvbuf;                  /* per receive socket, octets; 0: 4 MiB */
	int sndbuf;                  /* send socket, octets; 0: 4 MiB */
	/* A tunnel packet could not be sent for a reason other than a full
	 * socket buffer (-ENETUNREACH, -EHOSTUNREACH, -EMSGSIZE, -ENODEV...):
	 * dst is its outer destination (host order).  Called at most once a
	 * second; NULL: only logged. */
	void (*tunnel_error)(void *ctx, uint32_t dst, int err);
	void *ctx;
	bool no_icmp;                /* do not open the ICMP socket (ICMPv4
	                                errors about tunnel packets, below) */
};

/* Open the TUN, the send socket and the receive sockets, and start
 * reading.  -EINVAL unless the engine is in a Mobile IPv4 role; what
 * tun_open() or rawsock4_open() said (logged).  Nothing stays open on
 * error. */
int dp_io4_open(struct dp_engine *e, struct event_base *base, const struct dp_io4_config *cfg,
		struct dp_io4 **out);
/* Stop, close everything, free.  NULL is fine. */
void dp_io4_close(struct dp_io4 *io);
const struct tun *dp_io4_tun(const struct dp_io4 *io);
/* Write one IPv4 or IPv6 packet into the TUN (errors logged, rate-limited
 * and counted in tun_write_errors). */
void dp_io4_tun_write(struct dp_io4 *io, const uint8_t *pkt, size_t len);
/* Act on a verdict the caller got from the engine outside this loop (a
 * daemon's UDP socket on port 434 and dp_mip_udptun_in, RFC 3519): write
 * DP_TO_TUN / DP_ICMP_TO_TUN into the TUN, send DP_TO_TUNNEL4 (and a home
 * agent's copies) on the raw socket at once, log DP_DROP. */
void dp_io4_act(struct dp_io4 *io, const struct dp_out *o);
/* Re-point every raw socket at another interface (SO_BINDTODEVICE; NULL
 * or "": none), e.g. after the mobile node moved.  0, or the first error
 * (-ENODEV, -EINVAL), with the sockets before it already re-pointed. */
int dp_io4_set_device(struct dp_io4 *io, const char *ifname);

/* Send one whole IPv4 packet on an IPPROTO_RAW socket (os/rawsock4.h),
 * cut into fragments of at most frag_mtu octets when frag_mtu != 0 and it
 * is larger (wire/frag4.h: RFC 791 fragmentation, DF must be clear);
 * ifindex: 0 or the outgoing interface.  The packet is not modified.
 * Returns how many packets went out (1 when it was not cut), -EMSGSIZE /
 * -EBADMSG / -EINVAL from frag4_init (*why, may be NULL), or the send
 * error of the first packet the kernel refused (the fragments after it are
 * not sent: the receiver times the rest out). */
int dp_io4_send_frag(int fd, const uint8_t *pkt, size_t len, uint16_t frag_mtu, int ifindex,
		     enum ip_drop *why);

struct dp_io4_stats {
	uint64_t tun_reads;          /* packets read from the TUN */
	uint64_t tunnel_reads[4];    /* read from the raw sockets: 4, 41, 47, 55 */
	uint64_t tunnel_truncated;   /* over 64 KiB (also drop_malformed) */
	uint64_t tx_packets;         /* IPv4 packets the kernel took (each
	                                fragment counts) */
	uint64_t tx_calls;           /* sendmmsg calls */
	uint64_t tx_errors;          /* packets the kernel refused (dropped) */
	uint64_t frag_packets;       /* packets cut into fragments */
	uint64_t frag_out;           /* fragments made of them */
	uint64_t frag_refused;       /* packets frag4 refused (DF set, bad
	                                header): dropped */
	uint64_t copies;             /* copies for simultaneous bindings the
	                                engine built (each also in tx_*) */
	uint64_t tun_writes;         /* packets written into the TUN */
	uint64_t tun_write_errors;
	uint64_t icmp_reads;         /* ICMPv4 errors read (the engine's
	                                icmp4_tunnel_in counts those about our
	                                tunnel packets) */
};
void dp_io4_get_stats(const struct dp_io4 *io, struct dp_io4_stats *st);
/* Every counter above, named io_<field> (tunnel_reads as
 * io_tunnel_reads_ipip, _6in4, _gre, _minimal), for the control sockets. */
void dp_io4_stats_foreach(const struct dp_io4 *io,
			  void (*cb)(void *arg, const char *name, uint64_t v), void *arg);

#endif
