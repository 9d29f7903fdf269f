/* TCP segmentation and coalescing around the tunnel (issue 3, offloads).
 *
 * A TUN opened with IFF_VNET_HDR and offloads (os/tun.h) hands the data
 * plane GSO super-packets of up to 64 KiB, each behind a struct
 * virtio_net_hdr, and takes them back the same way.  The tunnel itself
 * carries ordinary packets, so:
 *
 *   TUN -> tunnel:  dp_gso_init() + dp_gso_next(): cut a super-packet into
 *      MSS-sized IPv4/IPv6 packets with complete checksums, one by one into
 *      the caller's buffers (which keep DP_HEADROOM free in front for the
 *      tunnel header), then encapsulate each and sendmmsg.
 *   tunnel -> TUN:  dp_gro_add() every decapsulated packet of a recvmmsg
 *      batch, then dp_gro_pop() until it returns 0: consecutive in-order
 *      segments of one TCP flow come out as one super-packet (a virtio_net_hdr
 *      plus an iovec for tun_writev_vnet()); everything else comes out
 *      unchanged, in order within its flow.
 *
 * The virtio_net_hdr fields are little-endian, as the TUN reads and writes
 * them (tun_open sets TUNSETVNETLE).  Pure: no syscalls, no allocation, no
 * globals.  Errors are negative errno: -EBADMSG (malformed, *why names
 * it), -EPROTONOSUPPORT (a GSO type or layout not handled here), -ENOBUFS
 * (output buffer too small), -EINVAL (broken caller contract).
 */
#ifndef DS46_DATAPLANE_OFFLOAD_H
#define DS46_DATAPLANE_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* USO (Linux 6.2): one UDP datagram per segment.  Older uapi headers lack it. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define DP_GSO_MAX_SEGS 1024         /* 65535 / the smallest MSS we accept (64) */
#define DP_GSO_MIN_MSS 64
#define DP_GRO_MAX_PKTS 256          /* packets one batch may hold */
#define DP_GRO_MAX_SEGS 64           /* segments merged into one super-packet */
#define DP_GRO_MAX_LEN 65535         /* IP length of a super-packet */
#define DP_GRO_HDR_MAX (40 + 60)     /* IPv6 + TCP with options */

/* The ones-complement sum of ip_csum_partial() (wire/ip.h), same result,
 * eight octets at a time. */
uint32_t dp_csum_partial(uint32_t sum, const uint8_t *buf, size_t len);

/* virtio 1.1 5.1.6.2: a packet with VIRTIO_NET_HDR_F_NEEDS_CSUM carries
 * a partial checksum (the pseudo-header sum) at csum_start + csum_offset;
 * store the full ones-complement checksum of [csum_start, len) there, in
 * place (0 becomes 0xffff, as the kernel's skb_checksum_help does).  A
 * packet without the flag is left alone.  -EINVAL for a GSO packet (use
 * dp_gso), -EBADMSG if the offsets fall outside the packet or the offset
 * is odd. */
int dp_csum_complete(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len,
		     const char **why);

/* ---- segmentation (TUN -> tunnel) ---------------------------------------- */

/* Cursor over the segments of one packet read from a vnet_hdr TUN.  The
 * packet must stay in place until the last dp_gso_next(). */
struct dp_gso {
	const uint8_t *pkt;
	size_t len;                  /* what is segmented: the IP length */
	uint8_t gso_type;            /* VIRTIO_NET_HDR_GSO_*, without ECN */
	uint8_t family;              /* 4 or 6; 0 for a GSO_NONE packet */
	uint8_t proto;               /* IPPROTO_TCP or IPPROTO_UDP (GSO only) */
	uint16_t l3_len;             /* IPv4 header with options, or 40 */
	uint16_t hdr_len;            /* l3_len + TCP header with options, or + 8 */
	uint16_t mss;                /* payload octets per segment (gso_size) */
	uint16_t nseg;               /* segments in all, >= 1 */
	uint16_t ip_id;              /* IPv4: the first segment's */
	uint32_t seq;                /* TCP: the first segment's */
	/* cursor */
	uint16_t i;
	uint32_t off;                /* payload offset of segment i */
	struct virtio_net_hdr vh;    /* GSO_NONE: the header, to complete csums */
};

/* Check vh and the packet and start the cursor.
 *   GSO_NONE: one segment, the packet itself (not empty: "truncated"),
 *     its checksum completed when NEEDS_CSUM is set; any content (not
 *     parsed).
 *   GSO_TCPV4 / GSO_TCPV6 (the ECN bit allowed): an IPv4 (valid header
 *     checksum, not a fragment, any options) or IPv6 (no extension
 *     headers) packet carrying TCP; cut into segments of gso_size payload
 *     octets (RFC 9293 3.1: sequence numbers advance by the payload; FIN
 *     and PSH only on the last, CWR only on the first, as Linux's
 *     tcp_gso_segment; IPv4 IDs count up from the super-packet's).
 *   GSO_UDP_L4: the same for UDP (one datagram per segment, RFC 768 length).
 * gso_size must be at least DP_GSO_MIN_MSS; hdr_len, csum_start and
 * csum_offset are not trusted (the kernel sets hdr_len to its linear head):
 * headers are parsed, checksums computed from scratch.  IP length octets
 * past the packet's total length are ignored. */
int dp_gso_init(struct dp_gso *g, const struct virtio_net_hdr *vh, const uint8_t *pkt,
		size_t len, const char **why);
/* Write segment i into out (cap octets): its length, 0 after the last, or
 * -ENOBUFS (the cursor does not move).  Segments are at most hdr_len + mss
 * octets; out may be any caller buffer, e.g. buf + DP_HEADROOM. */
int dp_gso_next(struct dp_gso *g, uint8_t *out, size_t cap);

/* ---- coalescing (tunnel -> TUN) ------------------------------------------ */

/* One output of the coalescing table: write vh, then iov[0..iovcnt). */
struct dp_gro_out {
	struct virtio_net_hdr vh;    /* all zero for a packet passed unchanged */
	struct iovec iov[1 + DP_GRO_MAX_SEGS];
	int iovcnt;
	size_t len;                  /* the IP packet's length (sum of iov) */
	uint16_t segs;               /* packets merged; 1: passed unchanged */
	uint16_t first;              /* index (order of dp_gro_add) of its first packet */
	uint8_t hdr[DP_GRO_HDR_MAX]; /* a super-packet's headers (iov[0]) */
};

struct dp_gro_stats {
	uint64_t pkts_in;            /* dp_gro_add calls that took a packet */
	uint64_t pkts_out;           /* outputs popped */
	uint64_t merged;             /* packets appended to an earlier one */
	uint64_t super;              /* outputs of more than one packet */
	uint64_t bad_csum;           /* TCP segments passed unmerged: checksum */
};

/* Internal state of one added packet (in the header for sizing only). */
struct dp_gro_pkt {
	const uint8_t *pkt;
	size_t len;
	uint16_t hdr_len;            /* 0: not a candidate, passed unchanged */
	uint16_t l3_len;
	int16_t next;                /* next packet of the same run, -1 */
	/* run head only */
	int16_t tail;
	uint16_t count;
	uint16_t mss;                /* payload of the first segment */
	uint16_t total;              /* IP length of the run merged so far */
	uint32_t next_seq;
	uint32_t flow;               /* hash of addresses and ports */
	bool head;
};

#define DP_GRO_OPEN_MAX 32           /* runs still accepting segments */

struct dp_gro {
	struct dp_gro_pkt p[DP_GRO_MAX_PKTS];
	uint16_t n;                  /* packets added */
	uint16_t pos;                /* next index dp_gro_pop looks at */
	bool popping;
	uint8_t nopen;
	int16_t open[DP_GRO_OPEN_MAX]; /* heads of runs still accepting, oldest first */
	struct dp_gro_stats st;
};

void dp_gro_init(struct dp_gro *g);
/* Add one IP packet of the batch (as decapsulated: the IPv4 or IPv6 header
 * first).  The packet is not modified and must stay valid until it has
 * been popped.  It is appended to the open run of its flow when, as Linux's
 * tcp_gro_receive requires: it is TCP over IPv4 without options or IPv6
 * without extension headers, exactly as long as its IP length says, with
 * valid IPv4 header and TCP checksums; it carries payload, and no SYN,
 * RST, URG or CWR; its sequence number follows the run's last; ACK number,
 * window, flags other than PSH and FIN, TCP header length and options
 * (timestamps included: all octets) equal the run's; TOS/traffic class,
 * TTL/hop limit, DF and the flow label equal; the IPv4 ID is the run's
 * first plus the packets merged (so a re-segmentation gives the same
 * bytes); its payload is not larger than the run's first (the MSS); and
 * the run stays within DP_GRO_MAX_LEN octets and DP_GRO_MAX_SEGS packets.
 * A run closes after a segment shorter than the MSS or with PSH or FIN.
 * Any other TCP packet of the flow closes the flow's run (no packet
 * overtakes another of its flow) and starts a new one if it qualifies.
 * Returns 1 if appended, 0 if held as a new output, -ENOSPC when the table
 * is full (pop it first), -EBUSY while a pop is under way. */
int dp_gro_add(struct dp_gro *g, const uint8_t *pkt, size_t len);
/* Next output, in the order of their first packets: 1 with *o filled, or 0
 * when the batch is done (the table is then empty for the next batch).  A
 * super-packet: IPv4 total length / IPv6 payload length and IPv4 header
 * checksum of the whole, the last segment's TCP flags, and in the TCP
 * checksum field the pseudo-header sum (RFC 9293 3.1) over the whole TCP
 * length; vh = NEEDS_CSUM, GSO_TCPV4/GSO_TCPV6, gso_size = the first
 * segment's payload, hdr_len = IP + TCP headers, csum_start = IP header,
 * csum_offset = 16.  iov[0] is the headers (o->hdr), then each segment's
 * payload in the caller's buffers.  A passed packet: iov[0] = the packet. */
int dp_gro_pop(struct dp_gro *g, struct dp_gro_out *o);

#endif
