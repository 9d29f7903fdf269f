/* ds46-fad, the Mobile IPv4 foreign agent (RFC 5944 2.3, 3.7; RFC 3024;
 * RFC 5454 3.4): the glue between the registration relay engine
 * (mip4/fa_reg.h, pure), agent advertisement (wire/agentadv.h), the tunnel
 * engine in the DP_ROLE_MIP_FA role (dataplane/engine_fa.h) and the kernel.
 * Manual: docs/man/ds46-fad.8.md.
 *
 * Sockets:
 *   per visitor link, an AF_PACKET socket (ETH_P_IP, classic BPF: UDP to
 *     the registration port, ICMP types 9 and 10, no fragments): requests
 *     with the sender's MAC, IP TTL and destination (RFC 5944 3.7.2.1,
 *     3.7.2.3), Agent Solicitations (answered at once, unicast to a
 *     solicitor that has a source address, to its MAC), other agents'
 *     advertisements (parsed, counted); and the frames we send on the link:
 *     Agent Advertisements (224.0.0.1, TTL 1) and replies to mobile nodes
 *     (from F:434 to the home address at its source port, to its MAC: the
 *     home address is not on the link, 3.7.2.3);
 *   a UDP socket on the registration port: relayed requests to home agents
 *     and their replies (requests arriving on it are dropped: they are
 *     taken from the packet sockets);
 *   a raw ICMP socket: Destination Unreachable about relayed requests
 *     (3.7.3: codes 80-82, 88).
 *
 * Per active visitor (home address H, link L, MAC M, table T):
 *   route H/32 dev L; PERMANENT neighbour H -> M on L (never ARPed for);
 *   T granted: rule `from H/32 iif L lookup T`;
 *   IPv6 native (seed 3.4, code 1): neighbour fe80::ffff:H -> M on L,
 *     per prefix P: route P via fe80::ffff:H dev L and rule `from P iif L
 *     lookup T` (all its IPv6 is reverse-tunnelled);
 * and once: table T `default dev <tun>` (both families), forwarding on,
 * rp_filter off on the TUN.  Removed when the visitor goes and at stop.
 * The visitor list is persisted (cfg->store, store/store.h struct
 * mip_visitor): an accepted registration is written before its reply is
 * sent to the node, a visitor that goes is deleted; a restarted agent
 * (kill -9 included) restores every unexpired visitor, programs the
 * kernel and the engine again and serves it at once.  It still
 * advertises sequence number 0 again (RFC 5944 2.3.2), so nodes that
 * follow 2.4.4 renew early; the others need not.  A store write that
 * fails is counted (store_errors) and logged; the reply is sent anyway
 * (the node keeps its service, only a restart would lose it). */
#ifndef DS46_MIP4_FA_H
#define DS46_MIP4_FA_H

#include <event2/event.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine.h"
#include "mip4/fa_config.h"
#include "mip4/fa_reg.h"
#include "os/netlink.h"
#include "os/packet.h"

#define FA_COUNTERS(X)                                                          \
	X(rx_frames) X(rx_requests) X(rx_solicitations) X(rx_adverts)           \
	X(rx_udp) X(rx_icmp_errors)                                             \
	X(drop_frame_bad_ip) X(drop_frame_truncated) X(drop_frame_other)        \
	X(drop_udp_bad) X(drop_request_on_udp) X(drop_udp_error)                \
	X(drop_solicit_malformed) X(drop_solicit_rate_limited)                  \
	X(drop_adv_malformed)                                                   \
	X(drop_icmp_malformed) X(drop_icmp_other)                               \
	X(tx_adverts) X(tx_adverts_solicited) X(tx_adv_errors)                  \
	X(tx_to_ha) X(tx_to_ha_errors) X(tx_to_mn) X(tx_to_mn_errors)           \
	X(unreach_denials)                                                      \
	X(visitors_programmed) X(visitors_removed)                              \
	X(kernel_errors) X(dataplane_errors)                                    \
	X(store_writes) X(store_errors) X(visitors_restored)                    \
	X(visitors_restore_dropped)

struct fa_stats {
#define X(n) uint64_t n;
	FA_COUNTERS(X)
#undef X
};
size_t fa_stat_count(void);
const char *fa_stat_name(size_t i);
uint64_t fa_stat_get(const struct fa_stats *s, size_t i);

/* ---- pure helpers (unit-tested) ------------------------------------------ */

/* The Agent Advertisement of link i with sequence seq (RFC 5944 2.1).
 * Returns its length or a negative errno from agentadv_build. */
int fa_adv_build(const struct fad_cfg *c, unsigned i, uint16_t seq, uint8_t *out, size_t cap);

/* An Ethernet + IPv4 + payload frame into out (ip/udp headers built here,
 * checksums set).  Addresses in network order, ports host order.
 * proto 17: payload is the UDP payload (sport/dport used); proto 1:
 * payload is the whole ICMP message.  Returns the frame length or
 * -ENOBUFS. */
int fa_frame_build(uint8_t *out, size_t cap, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		   uint32_t src, uint32_t dst, uint8_t ttl, uint8_t proto, uint16_t sport,
		   uint16_t dport, const uint8_t *payload, size_t len);

/* The store's row (struct mip_visitor) for the active visitor v on the
 * link named ifname, and back with ifindex (that link's index now; the
 * requested lifetime, reg.lifetime, comes back as the granted one).
 * -EINVAL: v not active or ifname too long; a row with lladdr_len,
 * nai_len, n_prefix or v6 out of range. */
struct mip_visitor;
int fa_visitor_to_store(const struct fa_visitor *v, const char *ifname, struct mip_visitor *out);
int fa_visitor_from_store(const struct mip_visitor *m, unsigned ifindex, struct fa_visitor *out);

/* What a received frame on a visitor link is. */
enum fa_frame_kind {
	FA_FRAME_BAD = -1,           /* not a sane IPv4 packet: counted */
	FA_FRAME_OTHER = 0,          /* nothing for us */
	FA_FRAME_REG,                /* UDP to the registration port */
	FA_FRAME_SOLICIT,            /* ICMP type 10 */
	FA_FRAME_ADVERT,             /* ICMP type 9 */
};
struct fa_frame {
	const uint8_t *src_mac;
	uint32_t src, dst;           /* network order */
	uint8_t ttl;
	uint16_t sport;              /* host order */
	const uint8_t *payload;      /* UDP payload or ICMP message */
	size_t len;
};
enum fa_frame_kind fa_frame_parse(const uint8_t *frame, size_t len, uint16_t port,
				  struct fa_frame *f);
/* The same for a frame whose UDP checksum the kernel vouches for
 * (csum_ok: PACKET_AUXDATA says TP_STATUS_CSUM_VALID, or
 * TP_STATUS_CSUMNOTREADY: sent by this host or over a veth with the
 * checksum left to offload, only the pseudo-header sum in the field). */
enum fa_frame_kind fa_frame_parse_rx(const uint8_t *frame, size_t len, uint16_t port,
				     bool csum_ok, struct fa_frame *f);

/* "fe80::ffff:a.b.c.d" for home (network order): the IPv6 gateway of a
 * native visitor (api-issue5). */
void fa_v6_gateway(uint32_t home, struct in6_addr *out);

/* ---- the daemon -------------------------------------------------------- */

struct fa_link {
	int ifindex;
	char name[IF_NAMESIZE];
	struct packet_sock ps;
	struct event *ev;
	uint16_t seq;                /* next advertisement's sequence number */
	uint64_t last_mcast_ms;      /* solicited multicast answer (monotonic) */
	uint64_t ucast_window_ms;    /* unicast answers in the current second */
	unsigned ucast_n;
};

#define FA_SOLICIT_MCAST_MS 1000
#define FA_SOLICIT_UCAST_BURST 20

/* What is programmed in the kernel for one visitor. */
struct fa_kvis {
	uint32_t home;               /* network order */
	int ifindex;
	uint8_t mac[FA_REG_LLADDR_MAX];
	uint8_t mac_len;
	bool rule4;
	bool v6;
	uint8_t n_prefix;
	struct fa_prefix prefix[MIP4_MAX_PREFIXES];
};

struct fa_ctl;
struct dp_io4;

struct fa {
	struct fad_cfg *cfg;
	struct event_base *base;
	struct fa_reg *reg;
	struct dp_engine e;
	bool e_init;
	struct dp_io4 *io;
	struct nl nl;
	bool nl_open;
	int tun_ifindex;
	char tun_name[IF_NAMESIZE];
	bool table_routes;           /* table T default routes installed */
	unsigned n_links;
	struct fa_link links[FA_CFG_MAX_IFACES];
	int udp_fd, icmp_fd;
	struct event *ev_udp, *ev_icmp, *ev_adv, *ev_tick;
	struct fa_kvis *kv;
	size_t n_kv, cap_kv;
	struct fa_ctl *ctl;
	struct store *store;         /* the visitor list on disk; NULL: none */
	struct fa_stats st;
};

/* Everything up: interfaces resolved (cfg->reg.ifaces[].ifindex filled),
 * sysctls, engine and TUN, table T, sockets, first advertisements,
 * control socket.  Nothing stays up on error. */
int fa_open(struct fa *f, struct fad_cfg *cfg, struct event_base *base);
/* Everything down, every visitor's kernel state removed. */
void fa_close(struct fa *f);

/* fa_ctl.c */
int fa_ctl_open(struct fa *f, const char *path);
void fa_ctl_close(struct fa *f);
char *fa_ctl_answer(struct fa *f, const char *req, size_t len, int64_t now);

#endif
