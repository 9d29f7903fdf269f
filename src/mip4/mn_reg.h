/* The mobile node's registration client: Mobile IPv4 (RFC 5944 3.6) in the
 * co-located care-of address mode, registering the IPv4 home address and
 * IPv6 home prefixes/addresses with the Dual-Stack Mobile IPv4 extensions
 * (RFC 5454 3.1, 3.5, 3.7.1, 3.8; seed draft-ietf-mip4-dsmipv4-06 dynamic
 * requests), with a dynamic home address from an NAI (RFC 2794).
 *
 * A pure state machine (STYLE 6): no sockets, no clock, no randomness of its
 * own.  Every input carries the time and a fresh random number (struct
 * mn_reg_now) and fills a struct mn_reg_out the daemon acts on: at most one
 * Registration Request to send (UDP to out->dst port 434 from out->src),
 * and events (registered, lost, deregistered).  The daemon arms one timer at
 * mn_reg_next_timeout() and calls mn_reg_tick() when it fires.
 *
 * Choices (RFC room; also docs of the daemon):
 * - Requests (RFC 5944 3.6.1.2, 3.6.1.3, RFC 5454 3.1): flags D (co-located)
 *   and T when reverse tunnelling is configured, M for minimal and G for GRE
 *   encapsulation (IP in IP: neither), S and B never; extensions in the
 *   order NAI (when configured), IPv6 Prefix Requests (the configured list,
 *   then the link-local one), one IPv6 Tunneling Mode extension (when
 *   configured and at least one prefix is requested), the UDP Tunnel
 *   Request (RFC 3519, see "NAT traversal" below), Mobile-Home
 *   authentication last.  The deregistration from home is C.3 of RFC 5944:
 *   flags 0, lifetime 0, care-of address = home address, from the home
 *   address, TTL 1, NAI but no IPv6 extensions (RFC 5454 3.8: lifetime 0
 *   removes every binding).
 * - Identification (RFC 5944 5.7): timestamps: NTP time of now.unix_* plus
 *   the offset learnt from a 133 reply, the low 16 bits of the fraction
 *   random, and always greater than the previous one (until a resync, which
 *   may move the clock back); a new one for every transmission (3.6.3).
 *   Nonces: the high 32 bits the home agent sent last (0 before its first
 *   reply), the low 32 bits random; retransmissions are sent unchanged.
 * - Retransmission (RFC 5944 3.6.3): after 1 s, doubling, capped at
 *   retrans_max_ms and at the requested lifetime; retrans_tries
 *   transmissions, then the attempt is given up when the last one's timeout
 *   runs out.  A 133 reply (timestamps: the offset to the home agent's
 *   clock is learnt from the reply's high 32 bits; nonces: its nonce is
 *   taken) is answered at once with a new request, which counts as one of
 *   the tries.
 * - After a rejection or a give-up the machine waits retrans_max_ms in
 *   FAILED and tries again (an unreachable or misconfigured home agent is
 *   retried at the cap's pace, never abandoned).
 * - Lifetime (RFC 5944 3.6.2.2): the granted lifetime (never more than the
 *   requested one, 3.4) runs from the first transmission of the accepted
 *   request's identification.  Re-registration starts at
 *   max(min(3/4 L, L - B), L/2) where B is the whole retransmission budget
 *   (the sum of the tries' timeouts), so that a renewal has all its tries
 *   before the binding expires whenever L > 4 B, and never earlier than half
 *   the lifetime.  Infinity (0xffff) is never renewed.
 * - A renewal that is given up keeps the binding until it expires (the home
 *   agent still holds it); a move to another care-of address that is given
 *   up loses it at once (the binding points at the old address).
 * - Replies (RFC 5944 3.6.2.1): only from the home agent's address, of type
 *   3, for the pending request (low 32 bits of the identification), with
 *   exactly one Mobile-Home authentication extension with our SPI whose
 *   authenticator verifies, naming our home agent, our home address (or,
 *   for a dynamic one, a unicast address) and our NAI when it carries one;
 *   anything else is dropped, counted and logged (rate-limited).  Prefix
 *   Replies after the authentication extension are ignored (RFC 5454 3.1).
 * - RFC 5454 3.5: a reply without any Prefix Reply: every request is
 *   MN_V6_UNSUPPORTED (plain Mobile IPv4 goes on, and later requests still
 *   carry the extensions); otherwise each request is matched: (1) a reply
 *   with the same prefix length and prefix (insignificant bits ignored);
 *   (2) for a ::iid/128 request, a /128 reply ending in the same interface
 *   identifier; (3) a reply naming no requested prefix, to the first
 *   unmatched dynamic request (zero prefix or ::iid) in request order.
 *   An accepting reply must carry a usable prefix (unicast, not link-local
 *   unless plen 255), else it is ignored.  A request left unmatched is
 *   MN_V6_NO_REPLY (rejected).  Code 0: IPv6 through the home address;
 *   code 1: through the co-located care-of address; other codes reject.
 * - RFC 5454 3.7.1: the link-local request (fe80::<IPv4 home address>,
 *   RFC 4213 3.7, prefix length 255) is only sent once the IPv4 home
 *   address is registered: the first accepted registration is followed by
 *   a re-registration carrying it, 1 s after the first request.
 * - A dynamic home address (RFC 2794) is taken from each accepted reply and
 *   used in the requests while the binding lasts; it is forgotten when the
 *   binding ends (expiry, rejection, deregistration).
 * - Coming home deregisters (from any state but AT_HOME) when the home
 *   address is known, to remove a binding a lost reply may have left; a
 *   rejected or unanswered deregistration still ends in AT_HOME
 *   (MN_EV_DEREGISTERED with dereg_confirmed false).
 *
 * The foreign-agent care-of address mode (mn_reg_away_fa; RFC 5944 3.3,
 * 3.6, RFC 3024, RFC 5454 3.5), beside the co-located one:
 * - Requests go to the foreign agent (out->dst, the advertisement's source,
 *   3.6.1.1) from the home address (0.0.0.0 without one, 3.6.1.1) with TTL
 *   255 (RFC 3024 3.2, 4.1.1: MUST), Care-of Address = the agent's care-of
 *   address, Home Agent = the home agent; D clear; T, G, M only when
 *   configured and offered by the agent (RFC 3024 3.1, 5944 3.6.1.2;
 *   unoffered GRE or minimal falls back to IP in IP); no Tunneling Mode
 *   extension (the agent attaches it, seed 3.4); with an MN-FA security
 *   association (cfg.mf_key_len) a Mobile-Foreign authentication extension
 *   after the Mobile-Home one (3.6.1.3).
 * - A new agent, care-of address, mode, or set of usable offered flags
 *   registers again at once; the same ones change nothing.
 * - Replies are taken only from the agent the pending request went to.
 *   With an MN-FA association every reply must carry exactly one valid
 *   Mobile-Foreign authentication extension with our SPI (3.6.2.1 a), else
 *   it is dropped (drop_no_mf_auth, drop_bad_mf_auth).  A reply with a
 *   foreign agent code (64-99, 194: 3.4, RFC 3024 3.4) needs no Mobile-Home
 *   authentication (3.6.2.1 b); its identification, home agent and home
 *   address must still match.  69: the attempt goes on at once (one of the
 *   tries) with the reply's lifetime, which is also the cap for later
 *   requests through this agent (not when it is 0 or not shorter: then a
 *   rejection); 78: the attempt goes on at once (one of the tries); any
 *   other: MN_LOST_REJECTED with the code, as a home agent's rejection
 *   (3.6.2.3: 69 is repaired with a lifetime <= the reply's).
 *   Every other reply needs the Mobile-Home authentication as above.
 * - The binding records the mode (colocated, fa).  RFC 5454 3.5: a code 1
 *   Prefix Reply in this mode means IPv6 native on the link, reverse
 *   tunnelled through the agent when negotiated: mode is
 *   mn_reg_v6_mode(1, false) (MIP_V6_TO_HOA, store.h has no native
 *   value) and native_link is set.
 * - Coming home, stopping, or mn_reg_away (co-located) leaves the mode.
 *
 * NAT traversal (RFC 3519; RFC 5454 3.9), cfg.udp_tunnel:
 * - OFF (0, what a zeroed config gets: plain RFC 5944) never requests it.
 *   AUTO and FORCE add a UDP Tunnel Request extension (type 144) to every
 *   request sent from a co-located care-of address (registrations,
 *   renewals, mn_reg_stop's deregistration), after the NAI, Prefix
 *   Request and Tunneling Mode extensions and before the Mobile-Home
 *   authentication (RFC 3519 4.4: covered by it).  Flags: F with FORCE
 *   (3.1.1), R never (no co-located registration through an agent here).
 *   Encapsulation 4 (IP in UDP, 3.1.4) when no IPv6 prefix is requested;
 *   0 when one is (RFC 5454 3.9 MUST), and then M and G are cleared from
 *   the request so that the default the 0 stands for (3.1.4, 4.1) is IP
 *   in IP, i.e. IP in UDP (the data plane speaks next headers 4 and 41
 *   only); with encapsulation 4 the configured G/M stay for the case the
 *   home agent does not tunnel over UDP.  The request carries D (3.1.5
 *   MUST: always, co-located) and T (3.1.5 SHOULD) even when reverse
 *   tunnelling is not configured.
 * - Never through a foreign agent (mn_reg_away_fa): RFC 3519 4.4 "SHALL
 *   NOT be used ... when registering with a foreign agent care-of
 *   address", whatever U the agent advertises (U/R concern co-located
 *   registrations through an agent, which this client does not make).
 *   Nor in the deregistration from home (C.3).
 * - Reply (accepted, authenticated as above): a UDP Tunnel Reply (type 44)
 *   before the Mobile-Home authentication with code 0-63 (3.2.1 assent)
 *   to a request that carried 144: binding.udp_tunnel = true and
 *   binding.keepalive = its Keepalive Interval, or UDPTUN_KEEPALIVE_DEFAULT
 *   (110, 4.9) when 0 (3.2: "MUST use its default"), never below
 *   UDPTUN_KEEPALIVE_MIN (10, 4.10).  Code 64-255: declined, no UDP
 *   tunnelling (also with FORCE: the home agent accepted the binding).
 *   No 44: no UDP tunnelling (4.4 MUST NOT).  A 44 after the
 *   authentication or to a request without 144: ignored
 *   (udp_tunnel_reply_ignored).  Without UDP tunnelling udp_tunnel is
 *   false and keepalive 0.
 * - Rejections: with AUTO, 142 (RFC 3519 3.5: UDP encapsulation
 *   unavailable) and 137 (reverse tunnel unavailable) when T was set only
 *   because of the UDP Tunnel Request say the extension is the problem:
 *   the attempt goes on at once (one of the tries) without the extension
 *   (T, M, G as configured), and later requests from this care-of address
 *   leave it out until the node moves, comes home or stops
 *   (udp_tunnel_retries).  With FORCE, and every other code: a rejection
 *   as before (MN_LOST_REJECTED; 129 is what 3.1.1 and 4.6.1 make a home
 *   agent send when it refuses traversal).
 *
 * Reverse tunnelling delivery style (RFC 3024), cfg.encap_delivery:
 * - Through a foreign agent, when the request carries T, the Encapsulating
 *   Delivery Style extension (type 130, length 0) follows the Mobile-Home
 *   authentication and precedes the Mobile-Foreign authentication (3.3
 *   MUST); never without T, never co-located.
 * - A 79 (delivery style not supported) from the agent: the attempt goes on
 *   at once (one of the tries) without it (4.1.2 a), and requests through
 *   this agent leave it out until the node moves to another agent, comes
 *   home or stops (encap_delivery_retries).
 * - binding.encap_delivery: the accepted request carried it; the daemon
 *   then routes IPv4 into its TUN and the engine encapsulates it from the
 *   home address to the agent (5.2.2: the source of the reply, = fa).
 *
 * How the daemon (mn.c) uses it:
 * - mn_cfg_to_reg: r->udp_tunnel = MN_UDP_TUNNEL_AUTO -> MN_REG_UDP_TUNNEL_AUTO,
 *   FORCE -> MN_REG_UDP_TUNNEL_FORCE, OFF -> MN_REG_UDP_TUNNEL_OFF (the
 *   numeric values differ from mn_config.h's: map them, do not cast).
 * - mn_plan_of: binding_udp_tunnel(b) is b->udp_tunnel (only ever true for
 *   b->colocated), binding_keepalive(b) is b->keepalive (already
 *   defaulted: non-zero exactly when udp_tunnel).
 * - Send registrations and, while b->udp_tunnel, tunnel data and
 *   keepalives from the same UDP socket/port (RFC 3519 4.4, 4.9); keep
 *   that port across renewals.
 * - RFC 3519 4.10 (keepalives unanswered at the same point of
 *   attachment) and RFC 5944 2.4.4 (the agent rebooted): call
 *   mn_reg_reregister().
 * - RFC 5454 3.5 through a foreign agent: v6[i].native_link (code 1: IPv6
 *   native on the link; mode stays MIP_V6_TO_HOA in the store's terms)
 *   versus code 0 (native_link false, mode MIP_V6_TO_HOA: IPv6 in IPv4
 *   from the home address); binding.v6_native is true when any accepted
 *   result is native_link.  No Tunneling Mode extension and no UDP Tunnel
 *   Request are ever sent through an agent.
 */
#ifndef DS46_MIP4_MN_REG_H
#define DS46_MIP4_MN_REG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "wire/encap4.h"
#include "wire/mip4.h"

#define MN_REG_RETRANS_INITIAL_MS 1000   /* RFC 5944 3.6.3: never below 1 s */
#define MN_REG_MAX_V6 MIP4_MAX_PREFIXES  /* prefix requests, link-local included */
#define MN_REG_KEY_MAX 64
#define MN_REG_MSG_MAX 1024              /* largest request: 24 + 257 + 16 * 20 + 4 + 8
                                            + 22 + 22 */
#define MN_REG_LIFETIME_INFINITE 0xffff  /* RFC 5944 3.3 */
#define MN_REG_TTL 64
#define MN_REG_TTL_DEREG 1               /* RFC 5944 C.3 */
#define MN_REG_TTL_FA 255                /* RFC 3024 3.2, 4.1.1: to a foreign agent */

enum mn_replay {
	MN_REPLAY_TIMESTAMPS = 0,    /* RFC 5944 5.7.1 (mandatory) */
	MN_REPLAY_NONCES = 1,        /* RFC 5944 5.7.2 */
	MN_REPLAY_COUNT
};
const char *mn_replay_name(enum mn_replay r);  /* "timestamps", "nonces" */

/* RFC 3519 UDP tunnelling requests (see above).  OFF is 0: a zeroed
 * configuration keeps plain RFC 5944 requests. */
enum mn_reg_udp_tunnel {
	MN_REG_UDP_TUNNEL_OFF = 0,   /* never request it */
	MN_REG_UDP_TUNNEL_AUTO,      /* with every co-located registration, F clear */
	MN_REG_UDP_TUNNEL_FORCE,     /* the same with F (RFC 3519 3.1.1) */
	MN_REG_UDP_TUNNEL_COUNT
};
const char *mn_reg_udp_tunnel_name(enum mn_reg_udp_tunnel u);  /* "off", "auto", "force" */

/* STYLE 6: one enum, one name table, one transition function. */
enum mn_reg_state {
	MN_REG_IDLE,           /* location not known yet (or stopped) */
	MN_REG_AT_HOME,        /* on the home link: no binding wanted */
	MN_REG_REGISTERING,    /* away: request pending, nothing bound at this CoA */
	MN_REG_REGISTERED,     /* binding in force, waiting for the renewal time */
	MN_REG_REREGISTERING,  /* binding in force at this CoA, renewal pending */
	MN_REG_DEREGISTERING,  /* home again: lifetime-0 request pending */
	MN_REG_FAILED,         /* away: attempt rejected or given up; retry later */
	MN_REG_STATE_COUNT
};
const char *mn_reg_state_name(enum mn_reg_state s);

/* What an IPv6 request asks for (derived from the prefix and its length). */
enum mn_v6_kind {
	MN_V6_STATIC,          /* a home prefix, or an address as a /128 */
	MN_V6_DYNAMIC,         /* zero prefix, length a hint (seed, dynamic allocation) */
	MN_V6_IID,             /* ::interface-id/128: an address or prefix for it */
	MN_V6_LINK_LOCAL,      /* prefix length 255 (RFC 5454 3.7.1) */
};
enum mn_v6_kind mn_v6_kind_of(const struct mip_prefix *p);

enum mn_v6_outcome {
	MN_V6_UNSUPPORTED,     /* no Prefix Reply at all: HA without IPv6 (5454 3.5 1) */
	MN_V6_NO_REPLY,        /* no matching Prefix Reply: rejected (3.5 2) */
	MN_V6_ACCEPTED,        /* code 0 or 1: see mode */
	MN_V6_REJECTED,        /* any other code (8, 9, 10, 11, ...) */
	MN_V6_OUTCOME_COUNT
};
const char *mn_v6_outcome_name(enum mn_v6_outcome o);

/* RFC 5454 3.5: code 0 -> MIP_V6_TO_HOA; code 1 -> MIP_V6_TO_COA in the
 * co-located mode, else as code 0 (through a foreign agent the result's
 * native_link says "native on the link", seed 3.5); anything else
 * MIP_V6_NONE. */
enum mip_v6_mode mn_reg_v6_mode(uint8_t code, bool colocated);

struct mn_v6_result {
	struct mip_prefix req;       /* as requested */
	struct mip_prefix granted;   /* ACCEPTED: as the home agent replied (for a
	                                dynamic request the assigned prefix or
	                                address); otherwise the request */
	enum mn_v6_outcome outcome;
	uint8_t code;                /* the Prefix Reply's code (ACCEPTED, REJECTED) */
	enum mip_v6_mode mode;       /* ACCEPTED: TO_HOA or TO_COA; else NONE */
	bool native_link;            /* ACCEPTED with code 1 through a foreign
	                                agent (RFC 5454 3.5): native IPv6 on
	                                the link */
};

/* The binding in force (RFC 5944 3.6.2.2). */
struct mn_reg_binding {
	uint32_t home_addr;          /* network order */
	uint32_t home_agent;
	uint32_t coa;
	uint16_t lifetime;           /* granted seconds, >= 1; 0xffff: no expiry */
	uint8_t code;                /* 0, or 1 (simultaneous bindings unsupported) */
	uint8_t flags;               /* the accepted request's flags */
	enum encap4_kind encap;      /* IPv4 between HA and CoA: IPIP, GRE, MINIMAL */
	enum encap4_kind v6_encap;   /* IPv6 to the CoA: GRE with GRE, else 6IN4
	                                (RFC 5454 3.3.2: not minimal) */
	bool reverse_tunnel;         /* T (RFC 3024) */
	bool v6_supported;           /* the reply carried a Prefix Reply */
	uint8_t n_v6;
	struct mn_v6_result v6[MN_REG_MAX_V6];
	uint64_t registered_ms;      /* when the reply came */
	uint64_t expires_ms;         /* UINT64_MAX: infinity */
	uint64_t renew_ms;           /* when the renewal starts; UINT64_MAX: never */
	bool colocated;              /* co-located mode (D); false: through fa */
	uint32_t fa;                 /* foreign agent registered through; 0 */
	bool v6_native;              /* some v6[i].native_link (RFC 5454 3.5) */
	bool udp_tunnel;             /* RFC 3519: the home agent assented to UDP
	                                tunnelling (co-located only) */
	uint16_t keepalive;          /* udp_tunnel: keepalive interval, seconds
	                                (the reply's, 110 for 0, >= 10); else 0 */
	bool encap_delivery;         /* through fa: the encapsulating delivery
	                                style was asked for and granted (RFC
	                                3024 5.2: IPv4 goes encapsulated to fa) */
};

/* Why the registration was lost (MN_EV_LOST). */
enum mn_lost {
	MN_LOST_EXPIRED,             /* lifetime ran out without a renewal */
	MN_LOST_REJECTED,            /* the home agent denied it (out->code) */
	MN_LOST_GAVE_UP,             /* no valid reply to retrans_tries requests */
	MN_LOST_ZERO_LIFETIME,       /* accepted with lifetime 0: nothing bound */
	MN_LOST_COUNT
};
const char *mn_lost_name(enum mn_lost l);

/* events in mn_reg_out.events */
enum {
	MN_EV_REGISTERED = 1u << 0,  /* out->binding: new or renewed */
	MN_EV_LOST = 1u << 1,        /* out->lost, out->code, out->was_bound */
	MN_EV_DEREGISTERED = 1u << 2, /* back home, no binding (dereg_confirmed) */
};

struct mn_reg_out {
	bool send;                   /* send msg[0 .. len) */
	uint32_t src;                /* network order: the CoA, or the home address
	                                (home, or through a foreign agent) */
	uint32_t dst;                /* the home agent or the foreign agent, UDP
	                                port MIP4_PORT */
	uint8_t ttl;                 /* MN_REG_TTL, MN_REG_TTL_DEREG from home,
	                                MN_REG_TTL_FA to a foreign agent */
	size_t len;
	uint8_t msg[MN_REG_MSG_MAX];
	unsigned events;             /* MN_EV_* */
	enum mn_lost lost;
	uint8_t code;                /* reply code with MN_LOST_REJECTED */
	bool was_bound;              /* MN_EV_LOST: a binding was in force */
	bool dereg_confirmed;        /* MN_EV_DEREGISTERED: the HA accepted it */
	struct mn_reg_binding binding;
};

/* The time and a fresh random number, with every input. */
struct mn_reg_now {
	uint64_t ms;                 /* monotonic milliseconds: timers */
	int64_t unix_sec;            /* wall clock: timestamp identification */
	uint32_t unix_nsec;
	uint32_t random;             /* uniformly random (getrandom in the daemon) */
};

struct mn_reg_config {
	uint32_t home_addr;          /* network order; 0: assigned (needs nai) */
	uint32_t home_agent;         /* network order, unicast */
	char nai[MIP4_NAI_MAX + 1];  /* "": no NAI extension */
	uint32_t spi;                /* >= MIP4_SPI_HMAC_MD5_MIN */
	uint8_t key[MN_REG_KEY_MAX]; /* HMAC-MD5 key (RFC 5944 3.5.1) */
	uint8_t key_len;             /* >= 1 */
	enum mn_replay replay;
	uint16_t lifetime;           /* requested, >= 1; 0xffff infinity */
	enum encap4_kind encap;      /* ENCAP4_IPIP, ENCAP4_GRE or ENCAP4_MINIMAL */
	bool reverse_tunnel;         /* T flag */
	bool tunnel_mode;            /* RFC 5454 2.3 extension (3.5 SHOULD) */
	bool v6_link_local;          /* RFC 5454 3.7.1 request */
	uint8_t n_v6;                /* + v6_link_local <= MN_REG_MAX_V6 */
	struct mip_prefix v6[MN_REG_MAX_V6];  /* plen 0-128 */
	uint32_t retrans_max_ms;     /* backoff cap, >= 1000 */
	uint32_t retrans_tries;      /* transmissions per attempt, >= 1 */
	/* MN-FA security association (RFC 5944 3.5.3, 3.6.2.1 a); used
	 * with every foreign agent; mf_key_len 0: none */
	uint32_t mf_spi;             /* >= MIP4_SPI_HMAC_MD5_MIN when a key is set */
	uint8_t mf_key[MN_REG_KEY_MAX];
	uint8_t mf_key_len;
	enum mn_reg_udp_tunnel udp_tunnel;   /* RFC 3519 (co-located only) */
	bool encap_delivery;         /* RFC 3024 3.3: with T through a foreign
	                                agent, ask for the encapsulating
	                                delivery style */
};

/* Counters, named for the control socket.  drop_* are replies discarded
 * (RFC 5944 3.6.2.1: silently, but counted and logged rate-limited). */
#define MN_REG_COUNTERS(X)                                                     \
	X(tx_registrations) X(tx_retransmissions) X(tx_deregistrations)       \
	X(tx_errors) X(rx_replies)                                            \
	X(registrations_accepted) X(registrations_renewed)                    \
	X(registrations_rejected) X(registrations_expired)                    \
	X(registrations_gave_up) X(registrations_zero_lifetime)               \
	X(deregistrations_confirmed) X(deregistrations_rejected)              \
	X(deregistrations_gave_up) X(resyncs) X(home_addr_assigned)           \
	X(v6_unsupported) X(v6_accepted_hoa) X(v6_accepted_coa)               \
	X(v6_rejected) X(v6_no_reply) X(v6_reply_unmatched)                   \
	X(v6_reply_unauthenticated) X(v6_bad_assignment)                      \
	X(drop_malformed) X(drop_not_reply) X(drop_unexpected)                \
	X(drop_wrong_source) X(drop_id_mismatch) X(drop_no_auth)              \
	X(drop_bad_auth) X(drop_wrong_home_agent) X(drop_wrong_home_addr)     \
	X(drop_bad_home_addr)                                                 \
	X(registrations_fa_denied) X(fa_lifetime_retries) X(fa_timeout_retries) \
	X(v6_accepted_native) X(drop_no_mf_auth) X(drop_bad_mf_auth)          \
	X(drop_nai_mismatch)                                                  \
	X(udp_tunnel_accepted) X(udp_tunnel_declined) X(udp_tunnel_no_reply)  \
	X(udp_tunnel_retries) X(udp_tunnel_reply_ignored) X(reregistrations)  \
	X(encap_delivery_retries)

struct mn_reg_stats {
#define X(n) uint64_t n;
	MN_REG_COUNTERS(X)
#undef X
};
extern const char *const mn_reg_stat_names[];
size_t mn_reg_stat_count(void);
uint64_t mn_reg_stat_get(const struct mn_reg_stats *s, size_t i);

/* ---- internals (read-only for callers; tests and the fuzzer look) -------- */

/* The request being (re)transmitted. */
struct mn_reg_pending {
	bool dereg;                  /* lifetime 0 from home */
	uint32_t src;                /* network order */
	uint32_t home_addr;          /* Home Address field (0: ask for one) */
	uint32_t coa;                /* Care-of Address field */
	uint32_t dst;                /* the home agent, or the foreign agent */
	bool via_fa;                 /* through the foreign agent dst */
	uint16_t lifetime;           /* requested */
	uint8_t flags;
	uint64_t id;
	uint64_t id_sent_ms;         /* first transmission of this id */
	uint32_t tx_count;           /* transmissions in this attempt */
	uint64_t tx_at;              /* next retransmission or give-up */
	uint8_t n_v6;
	struct mip_prefix v6[MN_REG_MAX_V6];   /* the Prefix Requests sent */
	bool tunnel_mode;            /* the Tunneling Mode extension was sent */
	bool udp_tun;                /* the UDP Tunnel Request was sent (RFC 3519) */
	uint8_t udp_tun_flags;       /* its F */
	uint8_t udp_tun_encap;       /* its Encapsulation: 4, or 0 with IPv6 */
	bool udp_t_added;            /* T set only because of it */
	bool encap_delivery;         /* the Encapsulating Delivery Style
	                                extension was sent (RFC 3024 3.3) */
	size_t len;
	uint8_t msg[MN_REG_MSG_MAX];
};

struct mn_reg {
	struct mn_reg_config cfg;
	enum mn_reg_state state;
	uint64_t now_ms;             /* time of the current call */
	uint32_t coa;                /* network order; 0: at home or unknown */
	uint32_t home_addr;          /* the configured or the assigned one; 0: none */
	bool pending;                /* p is in use (REGISTERING, REREGISTERING,
	                                DEREGISTERING) */
	struct mn_reg_pending p;
	bool bound;                  /* b is in force at the home agent */
	struct mn_reg_binding b;
	uint64_t hold_until;         /* FAILED: next attempt */
	int32_t ts_offset;           /* seconds to add to our clock (5.7.1) */
	uint64_t last_id;            /* timestamps: ids only grow */
	uint32_t nonce;              /* nonces: the home agent's last (5.7.2) */
	struct mn_reg_stats stats;
	uint32_t fa;                 /* foreign agent mode: the agent; 0 co-located */
	uint16_t fa_offered;         /* its advertised AGENTADV_F_* flags */
	uint16_t fa_max_lifetime;    /* learnt from a 69 from it; 0: none */
	bool udp_off;                /* AUTO: the home agent refused the UDP Tunnel
	                                Request at this care-of address */
	bool encap_off;              /* this agent refused the encapsulating
	                                delivery style (79): direct delivery
	                                until the node moves to another agent */
};

/* What survives a restart (the daemon's state file): the replay state and
 * an assigned home address to ask for again. */
struct mn_reg_persist {
	int32_t ts_offset;
	uint64_t last_id;
	uint32_t nonce;
	uint32_t home_addr;          /* assigned (dynamic) home address; 0: none */
};

/* ---- API ------------------------------------------------------------------ */

/* 0, or -EINVAL when cfg is unusable (see struct mn_reg_config).  Starts in
 * IDLE: tell the machine where it is with mn_reg_away or mn_reg_home. */
int mn_reg_init(struct mn_reg *m, const struct mn_reg_config *cfg);

/* The node has co-located care-of address coa (network order, unicast, not
 * the home address: -EINVAL).  A new address (or leaving home) registers at
 * once; the address already registered or being registered changes
 * nothing. */
int mn_reg_away(struct mn_reg *m, const struct mn_reg_now *now, uint32_t coa,
		struct mn_reg_out *out);

/* The node registers through foreign agent fa (network order: the
 * advertisement's source) with its care-of address coa; offered: the
 * agent's advertised flags (AGENTADV_F_*, wire/agentadv.h).  -EINVAL when
 * fa or coa is not unicast or is the home address or the home agent.  A
 * new agent, address or usable flag set (or leaving home, or the
 * co-located mode) registers at once; otherwise nothing changes. */
int mn_reg_away_fa(struct mn_reg *m, const struct mn_reg_now *now, uint32_t fa, uint32_t coa,
		   uint16_t offered, struct mn_reg_out *out);

/* Register again now where the node is (RFC 5944 2.4.4: the foreign agent
 * rebooted; RFC 3519 4.10: keepalives unanswered, the NAT lost its
 * mapping): a new attempt, a renewal when the binding in force is here.
 * -EINVAL unless away (REGISTERING, REGISTERED, REREGISTERING, FAILED). */
int mn_reg_reregister(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out);

/* The node is on its home link: deregister (RFC 5944 3.6.1.2) unless
 * already AT_HOME; without a known home address it just goes AT_HOME. */
void mn_reg_home(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out);

/* A UDP datagram received on our port from src (network order).  Never
 * fails: what is not a valid reply to the pending request is dropped and
 * counted. */
void mn_reg_recv(struct mn_reg *m, const struct mn_reg_now *now, const uint8_t *msg,
		 size_t len, uint32_t src, struct mn_reg_out *out);

/* The timer armed at mn_reg_next_timeout() fired (early calls do nothing). */
void mn_reg_tick(struct mn_reg *m, const struct mn_reg_now *now, struct mn_reg_out *out);

/* Replace the IPv6 requests (RFC 5454 3.8: a prefix left out of the next
 * registration is deregistered).  Away, this re-registers at once.
 * -EINVAL for more than MN_REG_MAX_V6 (link-local included) or a prefix
 * length above 128. */
int mn_reg_set_v6(struct mn_reg *m, const struct mn_reg_now *now, const struct mip_prefix *v6,
		  unsigned n, bool link_local, struct mn_reg_out *out);

/* Shut down: go IDLE.  deregister and a binding (or a request) in force
 * away from home: one request with lifetime 0 for the current care-of
 * address (RFC 5944 3.6.1.2), not retransmitted, from that address; while
 * a move is pending (the binding in force names another care-of address)
 * its Care-of Address is the home address, which removes every binding
 * (3.6.1.2) whichever of the two the home agent holds. */
void mn_reg_stop(struct mn_reg *m, const struct mn_reg_now *now, bool deregister,
		 struct mn_reg_out *out);

/* Absolute monotonic ms of the next thing to do; UINT64_MAX for nothing. */
uint64_t mn_reg_next_timeout(const struct mn_reg *m);

/* The binding in force, or NULL. */
const struct mn_reg_binding *mn_reg_binding(const struct mn_reg *m);

/* Replay state and assigned home address, for the state file.  restore: only
 * in IDLE (-EBUSY otherwise); a home address is taken only when the
 * configuration has none. */
void mn_reg_export(const struct mn_reg *m, struct mn_reg_persist *p);
int mn_reg_restore(struct mn_reg *m, const struct mn_reg_persist *p);

#endif
