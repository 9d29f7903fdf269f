/* The home agent's registration engine: Mobile IPv4 (RFC 5944 3.8) with
 * the Dual-Stack extensions (RFC 5454 3.3, seed draft-ietf-mip4-dsmipv4-06
 * 3.3 and 3.7.1), the NAI extension (RFC 2794), reverse tunnelling (RFC
 * 3024 4.3), registrations relayed by foreign agents (RFC 5944 3.8.2.1
 * c/d and 3.8.3.3: Foreign-Home authentication with the FA-HA associations
 * of cfg->fas, code 132; RFC 5454 3.4: an agent's Tunneling Mode extension
 * after the MH authentication counts only under its valid FH
 * authentication) and NAT traversal (RFC 3519 4.6: a UDP Tunnel Request
 * is answered with a UDP Tunnel Reply; an accepted one makes the binding
 * udp_tunnel, its tunnel going to the request's source address and port;
 * refusals 129, 134, 142).
 *
 * Pure: no syscalls, no clock, no randomness of its own, no logging.  The
 * caller passes the time and a random 32-bit value (for nonces, RFC 5944
 * 5.7.2) with every input, and logs the named reasons the engine returns.
 *
 * Two phases, because Duplicate Address Detection takes time (seed 3.3: a
 * /128 on the home link not already bound is probed before replying):
 *
 *   r = ha_reg_check(reg, &rx, &reply, &pending);
 *   HA_REG_DROP     nothing to send (counted; reply.why names the reason)
 *   HA_REG_REPLY    send reply (a rejection)
 *   HA_REG_PENDING  probe the addresses ha_reg_pending_dad() lists (maybe
 *                   none), then ha_reg_finish(reg, pending, failed, ...)
 *                   which always produces a reply and the binding changes;
 *                   persist the changes (store_mip_binding_put/del) before
 *                   sending the reply, program the data plane.
 *
 * Bindings are struct mip_binding (store/store.h), one per (home address,
 * care-of address).  The engine owns the authoritative table in memory;
 * ha_reg_restore() loads it from the store at start.
 *
 * Counters are named for the control socket (ha_reg_stat_*). */
#ifndef DS46_MIP4_HA_REG_H
#define DS46_MIP4_HA_REG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip4/ha_config.h"
#include "store/store.h"
#include "wire/mip4.h"

/* Largest reply: fixed part 20, NAI 2 + 255, 16 prefix replies of 22, UDP
 * Tunnel Reply 8, MH and FH authentication 22 each. */
#define HA_REG_REPLY_MAX 1024

#define HA_REG_COUNTERS(X)                                                      \
	X(rx_requests)                                                          \
	X(tx_replies)                                                           \
	X(pending)                /* registrations that reached ha_reg_finish */ \
	X(dad_probes) X(dad_failed)                                             \
	X(bindings_added) X(bindings_removed) X(bindings_expired)              \
	X(bindings_restored) X(bindings_released)                               \
	X(home_addr_assigned) X(prefix_assigned)                                \
	/* Registration Reply codes sent (RFC 5944 3.4, RFC 3024 3.4) */        \
	X(reply_accepted) X(reply_accepted_no_simul)                            \
	X(reply_prohibited) X(reply_no_resources) X(reply_mn_auth_failed)       \
	X(reply_id_mismatch) X(reply_poorly_formed) X(reply_too_many_bindings)  \
	X(reply_unknown_ha) X(reply_revtun_unavailable)                         \
	X(reply_revtun_mandatory) X(reply_encap_unavailable)                    \
	X(reply_fa_auth_failed) X(reply_udp_encap_unavailable)                  \
	/* foreign agents (RFC 5944 3.8.2.1 c, RFC 5454 3.4) */                 \
	X(via_fa_accepted)        /* D clear: FA care-of address */            \
	X(fh_auth_verified)       /* valid Foreign-Home authentications */     \
	X(fh_auth_replies)        /* replies that carry one */                 \
	X(tunnel_mode_fa)         /* FA's Tunneling Mode honoured (code 1) */  \
	X(tunnel_mode_ignored)    /* after the MH auth, not covered by a valid \
	                             FH auth (or D set): ignored */            \
	/* NAT traversal (RFC 3519 4.6) */                                      \
	X(udp_tun_accepted) X(udp_tun_declined) X(udp_tun_refused)              \
	X(udp_tun_ignored)        /* a foreign agent's, not covered by its     \
	                             valid FH auth */                          \
	/* IPv6 Prefix Reply codes sent (RFC 5454 2.2, seed 2.2) */            \
	X(prefix_accepted_hoa) X(prefix_accepted_coa)                           \
	X(prefix_rejected_unspecified) X(prefix_rejected_prohibited)           \
	X(prefix_rejected_not_home_subnet) X(prefix_rejected_dad_failed)       \
	X(prefix_duplicate_ignored)                                             \
	/* silently discarded requests, by reason */                            \
	X(drop_truncated) X(drop_bad_type) X(drop_ext_overrun)                  \
	X(drop_unknown_ext) X(drop_bad_ext_len) X(drop_dup_ext)                 \
	X(drop_too_many_prefixes) X(drop_bad_subtype) X(drop_not_request)       \
	X(drop_no_security_association) X(drop_no_auth_ext)                     \
	X(drop_fh_auth_without_sa) X(drop_retransmission_pending)

struct ha_reg_stats {
#define X(n) uint64_t n;
	HA_REG_COUNTERS(X)
#undef X
};
size_t ha_reg_stat_count(void);
const char *ha_reg_stat_name(size_t i);
uint64_t ha_reg_stat_get(const struct ha_reg_stats *s, size_t i);

struct ha_reg;
struct ha_reg_pending;

/* Wall-clock time of an input (unix seconds and nanoseconds). */
struct ha_reg_time {
	int64_t sec;
	uint32_t nsec;
};

/* A received Registration Request (the UDP payload). */
struct ha_reg_rx {
	const uint8_t *buf;
	size_t len;
	uint32_t src_addr;           /* IP source, network order */
	uint16_t src_port;           /* UDP source port, host order */
	uint32_t dst_addr;           /* IP destination (IP_PKTINFO), network
	                                order; 0 if unknown.  A broadcast
	                                destination is refused with 136 (RFC
	                                5944 3.8.2.1) */
	struct ha_reg_time now;
	uint32_t random;             /* fresh random value (a nonce if needed) */
};

/* A Registration Reply to send (RFC 5944 3.8.3.1). */
struct ha_reg_reply {
	uint8_t buf[HA_REG_REPLY_MAX];
	size_t len;                  /* 0: nothing to send */
	uint32_t src_addr;           /* the request's destination, or the home
	                                agent's address when that was broadcast
	                                or unknown */
	uint32_t dst_addr;           /* the request's source */
	uint16_t dst_port;           /* the request's source port (host order);
	                                the source port is the request's
	                                destination port (cfg->port) */
	bool on_home_link;           /* 3.8.3.1: a node deregistering from home
	                                (lifetime 0, care-of address = home
	                                address = IP source): send on the home
	                                link, bypassing its bindings */
	uint8_t code;                /* Registration Reply code */
	const char *why;             /* static text: the drop or reject reason
	                                (for a rate-limited log), NULL when
	                                accepted */
	const char *node;            /* configured node name, NULL if unknown */
};

/* What ha_reg_finish changed, for the store and the data plane.  Apply the
 * deletions in order, then the put (store_mip_binding_del/put accept these
 * keys as they are: coa 0 deletes every binding of home_addr). */
struct ha_reg_key {
	uint32_t home_addr, coa;     /* network order */
};
struct ha_reg_changes {
	uint8_t n_del;
	struct ha_reg_key del[2];
	bool has_put;
	struct mip_binding put;      /* the new or renewed binding */
	/* Every binding removed or replaced (put included), as it was: routes,
	 * proxy ARP/ND and tunnels to withdraw. */
	uint8_t n_removed;
	struct mip_binding removed[HA_CFG_MAX_BINDINGS];
};

enum {
	HA_REG_DROP = 0,
	HA_REG_REPLY = 1,
	HA_REG_PENDING = 2,
};

/* The engine serves cfg's nodes; cfg must outlive it. */
int ha_reg_new(const struct ha_cfg *cfg, struct ha_reg **out);
/* Frees pending registrations too. */
void ha_reg_free(struct ha_reg *r);

/* Phase one: parse, authenticate (RFC 5944 3.8.2.1), check the
 * identification (5.7), decide everything that does not need DAD.
 * Returns HA_REG_DROP, HA_REG_REPLY (reply filled; a nonce issued in it is
 * remembered), HA_REG_PENDING (*pending set; the engine owns it until
 * ha_reg_finish or ha_reg_abort), or -ENOMEM. */
int ha_reg_check(struct ha_reg *r, const struct ha_reg_rx *rx, struct ha_reg_reply *reply,
		 struct ha_reg_pending **pending);

/* The IPv6 addresses to probe on the home link before finishing (seed
 * 3.3); *addrs stays valid until the pending registration ends. */
size_t ha_reg_pending_dad(const struct ha_reg_pending *p, const struct in6_addr **addrs);

/* Phase two: dad_failed[i] (NULL: none failed) says whether the probe of
 * the i-th address failed (a duplicate was seen).  Rechecks what may have
 * changed since ha_reg_check (a later request of the same node accepted:
 * 133; a prefix bound by another node meanwhile), updates the bindings,
 * and fills reply (always) and ch.  Frees p.  Returns HA_REG_REPLY. */
int ha_reg_finish(struct ha_reg *r, struct ha_reg_pending *p, const bool *dad_failed,
		  struct ha_reg_time now, uint32_t random, struct ha_reg_reply *reply,
		  struct ha_reg_changes *ch);

/* Forget a pending registration without replying (shutdown). */
void ha_reg_abort(struct ha_reg *r, struct ha_reg_pending *p);

/* ---- persistence, expiry, operator actions --------------------------- */

/* Load one binding from the store at start.  0: restored.  The caller
 * deletes the binding from the store on any error:
 *   -ESTALE  expired at now;
 *   -ENOENT  no configured node owns its home address any more;
 *   -EEXIST  it conflicts with bindings already restored (max-bindings, a
 *            prefix of another node, a home address of another node);
 *   -EINVAL  malformed (prefix count or length). */
int ha_reg_restore(struct ha_reg *r, const struct mip_binding *b, int64_t now);

typedef void (*ha_reg_binding_cb)(const struct mip_binding *b, void *arg);

/* Remove the bindings with expires <= now (RFC 5944 3.8.2.2: no reply is
 * sent, 3.8), calling cb (may be NULL) with each before it goes.  Returns
 * how many. */
size_t ha_reg_expire(struct ha_reg *r, int64_t now, ha_reg_binding_cb cb, void *arg);
/* The earliest expiry (INT64_MAX when none): when to call ha_reg_expire. */
int64_t ha_reg_next_expiry(const struct ha_reg *r);

/* Operator removal (control socket): the binding (home_addr, coa), or every
 * binding of home_addr when coa is 0.  cb as for expiry.  Returns how
 * many. */
size_t ha_reg_release(struct ha_reg *r, uint32_t home_addr, uint32_t coa, ha_reg_binding_cb cb,
		      void *arg);

/* ---- lookups (pointers are valid until the next call that changes the
 * bindings: finish, restore, expire, release) ---------------------------- */

size_t ha_reg_binding_count(const struct ha_reg *r);
/* In (home address, care-of address) order, numerically; cb returns <0 to
 * stop (returned as is). */
int ha_reg_foreach(const struct ha_reg *r, int (*cb)(const struct mip_binding *b, void *arg),
		   void *arg);
const struct mip_binding *ha_reg_lookup(const struct ha_reg *r, uint32_t home_addr,
					uint32_t coa);
/* The bindings of a home address, consecutive: returns how many, *first
 * the first of them (NULL when none). */
size_t ha_reg_lookup_home(const struct ha_reg *r, uint32_t home_addr,
			  const struct mip_binding **first);
/* A binding whose registered prefix covers a (longest match; link-local
 * registrations, prefix length 255, match only their own address).  With
 * simultaneous bindings any one of them: they carry the same node. */
const struct mip_binding *ha_reg_lookup_v6(const struct ha_reg *r, const struct in6_addr *a);
/* Another node's registered prefix shares an address with p (RFC 5454
 * 3.3: the overlap test of every prefix request; the bindings of home
 * itself do not count).  Indexed: a few hash probes, not a walk over the
 * bindings; the first query of a new prefix length walks them once. */
bool ha_reg_prefix_taken(struct ha_reg *r, uint32_t home, const struct mip_prefix *p);
/* The configured node a home address belongs to (static or assigned), or
 * NULL. */
const struct ha_cfg_node *ha_reg_node_of(const struct ha_reg *r, uint32_t home_addr);
const struct ha_reg_stats *ha_reg_stats(const struct ha_reg *r);

#endif
