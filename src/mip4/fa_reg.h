/* The foreign agent's registration relay engine: Mobile IPv4 (RFC 5944
 * 3.7), reverse tunnelling (RFC 3024 5.2), the NAI rules of RFC 2794 that
 * concern a foreign agent, and the dual-stack duties of seed
 * draft-ietf-mip4-dsmipv4-06 3.4 (RFC 5454 3.4).
 *
 * Pure: no syscalls, no clock, no randomness, no logging.  The caller
 * passes the time with every input and logs the named reasons (out->why).
 *
 *   fa_reg_request(fa, &rx, &out)  a request from a visiting mobile node:
 *     FA_REG_DROP    nothing to send (counted, out->why names the reason)
 *     FA_REG_TO_MN   a denial (codes 65-99, 194) to send to the node
 *     FA_REG_TO_HA   the relayed request to send to the home agent; a
 *                    pending registration is recorded
 *   fa_reg_reply(fa, &rx, &out)    a reply from a home agent: DROP, or
 *     TO_MN (the relayed reply, or 68/71 when it fails the checks);
 *     the visitor list is updated.
 *   fa_reg_tick(fa, now, ...)      78 for pending registrations that timed
 *     out (3.7.1), removal of expired visitors (no message: 3.7).
 *   fa_reg_ha_unreachable(...)     80/81/82/88 from an ICMP error (3.7.3).
 *
 * Visitor entries are keyed by the mobile node's home address; requests
 * with home address 0 are refused with 96 (RFC 5944 3.7.1, RFC 2794).
 * Denials of requests go at most once per second to the same node (3.7.2,
 * RFC 3024 5.2); the others are dropped (drop_denial_rate_limited).
 * Counters are named for the control socket (fa_reg_stat_*). */
#ifndef DS46_MIP4_FA_REG_H
#define DS46_MIP4_FA_REG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip4/fa_config.h"
#include "wire/mip4.h"

/* Largest message out: a request or reply relayed up to its mobile-home
 * authentication (the codec's 65535 limit is cut here: longer ones are
 * dropped as drop_too_long) plus our extensions. */
#define FA_REG_MSG_MAX 2048
#define FA_REG_LLADDR_MAX 16
#define FA_ALL_AGENTS 0x0b0000e0u    /* 224.0.0.11 in network order */

#define FA_REG_COUNTERS(X)                                                      \
	X(rx_requests) X(rx_replies)                                            \
	X(tx_requests_relayed) X(tx_replies_relayed) X(tx_denials)              \
	X(tunnel_mode_attached) X(fh_auth_attached) X(mf_auth_attached)         \
	X(pending_added) X(pending_replaced)                                    \
	X(visitors_added) X(visitors_renewed) X(visitors_deregistered)          \
	X(visitors_expired) X(ha_denials_relayed)                               \
	X(v6_native) X(v6_via_home_addr)                                        \
	/* denials sent by the foreign agent (RFC 5944 3.4, RFC 3024, 2794) */  \
	X(deny_prohibited) X(deny_no_resources) X(deny_mn_auth)                 \
	X(deny_ha_auth) X(deny_lifetime_too_long) X(deny_poorly_formed_req)     \
	X(deny_poorly_formed_rep) X(deny_encap_unavailable)                     \
	X(deny_revtun_unavailable) X(deny_revtun_mandatory)                     \
	X(deny_too_distant) X(deny_invalid_coa) X(deny_timeout)                 \
	X(deny_delivery_style) X(deny_home_net_unreach)                         \
	X(deny_ha_host_unreach) X(deny_ha_port_unreach) X(deny_ha_unreach)      \
	X(deny_nonzero_homeaddr) X(deny_missing_nai) X(deny_missing_ha)         \
	X(deny_invalid_ha)                                                      \
	/* silently discarded, by reason */                                    \
	X(drop_truncated) X(drop_bad_type) X(drop_ext_overrun)                  \
	X(drop_unknown_ext) X(drop_bad_ext_len) X(drop_dup_ext)                 \
	X(drop_too_many_prefixes) X(drop_bad_subtype) X(drop_too_long)          \
	X(drop_not_request) X(drop_not_reply) X(drop_unknown_iface)             \
	X(drop_no_pending) X(drop_id_mismatch) X(drop_fh_auth)                 \
	X(drop_denial_rate_limited)

struct fa_reg_stats {
#define X(n) uint64_t n;
	FA_REG_COUNTERS(X)
#undef X
};
size_t fa_reg_stat_count(void);
const char *fa_reg_stat_name(size_t i);
uint64_t fa_reg_stat_get(const struct fa_reg_stats *s, size_t i);

/* How IPv6 reaches a visitor (seed 3.4). */
enum fa_v6 {
	FA_V6_NONE = 0,              /* no IPv6 prefix accepted */
	FA_V6_VIA_HOME_ADDR = 1,     /* code 0: tunnelled to the IPv4 home
	                                address, the agent sees only IPv4 */
	FA_V6_NATIVE = 2,            /* code 1 after we attached the Tunneling
	                                Mode extension: decapsulate IPv6 from
	                                the home agent and deliver it natively;
	                                reverse-tunnel all IPv6 of the node */
};

struct fa_prefix {
	struct in6_addr prefix;
	uint8_t plen;                /* 0-128, 255 link-local (RFC 5454 3.7.1) */
};

/* What a registration says about the node (RFC 5944 3.7.1's list). */
struct fa_reg_req {
	uint32_t home_addr, home_agent, coa; /* network order */
	uint64_t id;
	uint16_t lifetime;           /* requested */
	uint8_t flags;               /* request flags (S B D M G T) */
	uint32_t src_addr;           /* IP source of the request */
	uint32_t dst_addr;           /* its IP destination (3.7.2.3) */
	uint16_t src_port;           /* UDP source port, host order */
	unsigned ifindex;            /* arriving interface */
	uint8_t lladdr[FA_REG_LLADDR_MAX];
	uint8_t lladdr_len;          /* 0: unknown */
	uint8_t nai[MIP4_NAI_MAX];
	uint8_t nai_len;
	bool tunnel_mode;            /* we attached an IPv6 Tunneling Mode ext */
	bool encap_delivery;         /* RFC 3024 3.3 extension present with T
	                                (consumed here: never relayed) */
	uint32_t agent_addr;         /* our address it was sent to (network
	                                order; the interface's for All Agents):
	                                the source of our replies (3.7.2.3) */
};

/* A visitor list entry (3.7.1): an active registration, a pending one, or
 * both (3.7.2: the pending part of a known node). */
struct fa_visitor {
	uint32_t home_addr;
	bool active;
	struct fa_reg_req reg;       /* the accepted registration (active) */
	uint16_t lifetime;           /* granted by us: min(HA, requested, max) */
	int64_t registered;          /* when the reply was relayed */
	int64_t expires;
	uint8_t v6;                  /* enum fa_v6 */
	uint8_t n_prefix;            /* accepted prefixes (active) */
	struct fa_prefix prefix[MIP4_MAX_PREFIXES];
	bool pending;
	struct fa_reg_req pend;      /* the request relayed (pending) */
	int64_t pend_deadline;       /* 78 then (3.7.1) */
};

/* A received registration message (the UDP payload). */
struct fa_reg_rx {
	const uint8_t *buf;
	size_t len;
	uint32_t src_addr;           /* IP source, network order */
	uint32_t dst_addr;           /* IP destination (IP_PKTINFO); 0 unknown */
	uint16_t src_port;           /* UDP source port, host order */
	unsigned ifindex;            /* arriving interface */
	uint8_t ttl;                 /* IP TTL; 0: unknown (no 76 check) */
	const uint8_t *lladdr;       /* link-layer source (requests), or NULL */
	uint8_t lladdr_len;          /* <= FA_REG_LLADDR_MAX, more ignored */
	int64_t now;                 /* unix seconds */
};

enum {
	FA_REG_DROP = 0,
	FA_REG_TO_MN = 1,
	FA_REG_TO_HA = 2,
};

/* A message to send.  To the mobile node: UDP from port 434 to dst_port,
 * on ifindex, to lladdr when known (the home address is not on the link,
 * 3.7.2.3); to the home agent: UDP to port 434 from any port, routed. */
struct fa_reg_out {
	int kind;                    /* FA_REG_* */
	size_t len;
	uint32_t src_addr, dst_addr; /* network order */
	uint16_t dst_port;           /* host order */
	unsigned ifindex;            /* to the node: its link; 0 to the HA */
	uint8_t lladdr[FA_REG_LLADDR_MAX];
	uint8_t lladdr_len;
	uint8_t code;                /* the reply's code (to the node) */
	uint32_t home_addr;          /* the node concerned (0 unknown) */
	const char *why;             /* static text for a denial or a drop */
	uint8_t buf[FA_REG_MSG_MAX]; /* last: everything before it is reset */
};

struct fa_reg;

/* cfg must outlive the engine. */
int fa_reg_new(const struct fa_cfg *cfg, struct fa_reg **out);
void fa_reg_free(struct fa_reg *fa);

/* A Registration Request from a mobile node (RFC 5944 3.7.2).  Returns
 * FA_REG_DROP, FA_REG_TO_MN, FA_REG_TO_HA or -ENOMEM (nothing changed). */
int fa_reg_request(struct fa_reg *fa, const struct fa_reg_rx *rx, struct fa_reg_out *out);

/* A Registration Reply from a home agent (3.7.3).  visitor_gone (may be
 * NULL) sees an entry as it was before a deregistration removed it (for
 * the data plane).  Returns FA_REG_DROP or FA_REG_TO_MN. */
typedef void (*fa_reg_visitor_cb)(const struct fa_visitor *v, void *arg);
int fa_reg_reply(struct fa_reg *fa, const struct fa_reg_rx *rx, struct fa_reg_out *out,
		 fa_reg_visitor_cb visitor_gone, void *arg);

/* A visitor from the store (a restarted agent, fa.c): v->active with its
 * registration, lifetime, times, IPv6 outcome and prefixes as they were;
 * no pending part.  -EINVAL (home 0, not active, n_prefix or v6 out of
 * range, reg.ifindex not a configured link), -ESTALE (expires <= now),
 * -EEXIST (home known), -ENOSPC (max_visitors), -ENOMEM. */
int fa_reg_restore(struct fa_reg *fa, const struct fa_visitor *v, int64_t now);

/* Timeouts at now: every pending registration past its deadline gets 78
 * (send is called with each reply) and is forgotten; every active
 * registration with expires <= now is removed (gone is called first).
 * Either callback may be NULL.  Returns how many things happened. */
typedef void (*fa_reg_send_cb)(const struct fa_reg_out *o, void *arg);
size_t fa_reg_tick(struct fa_reg *fa, int64_t now, fa_reg_send_cb send,
		   fa_reg_visitor_cb gone, void *arg);
/* When fa_reg_tick has something to do next (INT64_MAX: nothing). */
int64_t fa_reg_next_timeout(const struct fa_reg *fa);

/* An ICMP Destination Unreachable (type 3) about a relayed request to
 * home_agent (3.7.3): every pending registration with that home agent is
 * denied, code 0 -> 80, 1 -> 81, 3 -> 82, others -> 88.  Returns how many. */
size_t fa_reg_ha_unreachable(struct fa_reg *fa, uint32_t home_agent, uint8_t icmp_code,
			     int64_t now, fa_reg_send_cb send, void *arg);

/* ---- lookups (valid until the next call that changes the list) ---------- */

/* The active visitor of a home address (data plane), or NULL. */
const struct fa_visitor *fa_reg_visitor(const struct fa_reg *fa, uint32_t home_addr);
/* Any entry, active or pending only, or NULL. */
const struct fa_visitor *fa_reg_entry(const struct fa_reg *fa, uint32_t home_addr);
size_t fa_reg_count(const struct fa_reg *fa);          /* entries */
size_t fa_reg_pending_count(const struct fa_reg *fa);
/* cb returns < 0 to stop (returned as is). */
int fa_reg_foreach(const struct fa_reg *fa, int (*cb)(const struct fa_visitor *v, void *arg),
		   void *arg);
const struct fa_reg_stats *fa_reg_stats(const struct fa_reg *fa);

#endif
