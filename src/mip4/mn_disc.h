/* The mobile node's agent discovery and move detection (RFC 5944 2.4): which
 * mobility agent, if any, the node should register through, and when to send
 * an Agent Solicitation (2.2, 2.4; RFC 1256 5.1, 6).
 *
 * A pure state machine (STYLE 6), like mn_reg: no sockets, no clock, no
 * randomness of its own.  Every input carries the time and a fresh random
 * number (struct mn_disc_now) and fills a struct mn_disc_out: at most one
 * Agent Solicitation to send, and events.  The daemon arms one timer at
 * mn_disc_next_timeout() and calls mn_disc_tick() when it fires.
 *
 * Inputs: the mobility link going up (or changing: a new attachment) and down
 * (mn_disc_link), the node's co-located address on it (mn_disc_set_addr), a
 * parsed Agent Advertisement (agentadv_parse_ip4) with its IPv4 source and
 * arrival interface (mn_disc_recv), the timer.
 *
 * Choices (RFC room):
 * - One mobility link at a time (the interface given to mn_disc_link);
 *   advertisements from other interfaces are dropped and counted.
 * - Heard agents are kept in a table of MN_DISC_MAX_AGENTS keyed by source
 *   address, each until now + its ICMP Lifetime (2.4.2.1; valid while
 *   now < expiry).  An advertisement with Lifetime 0 withdraws the agent
 *   (RFC 1256 4.1 on ceasing to advertise).  A full table evicts the entry
 *   that expires first (never the current agent).
 * - Home (2.3, 2.4.3): an advertisement with H whose source (or one of its
 *   router addresses) is the configured home agent means the node is at
 *   home; it wins over any foreign agent.
 * - Foreign agents that can be used: F set, B clear (2.1.1), with a care-of
 *   address (the first one is used, 2.4).  With a co-located address known
 *   on the link (mn_disc_set_addr), a foreign agent is used only when it
 *   sets R (2.4.1: registration required) or cfg.prefer_fa is set; otherwise
 *   the node stays CO_LOCATED and registers with its own address.
 * - Choice (deterministic): the home agent; else the current agent while it
 *   is valid and usable (no ping-pong between two agents); else the usable
 *   agent heard first (then the lowest address).  2.4.2.1: when the current
 *   agent expires, another valid one is taken at once.
 * - Move detection by prefixes (2.4.2.2): an advertisement from another
 *   agent with the Prefix-Lengths extension, whose prefixes (router address
 *   / prefix length, the first MN_DISC_MAX_PREFIXES) share none with the
 *   current agent's (which must carry the extension too), means the node
 *   moved: the current agent and every agent whose prefixes share none with
 *   the new one are forgotten (MN_DISC_EV_MOVED, MN_DISC_EV_LOST with
 *   MN_DISC_LOST_MOVED), and the choice is made again.  Without a current
 *   agent, a co-located address whose prefix (set_addr with plen 1-32) is
 *   none of the advertised ones is stale: MN_DISC_EV_MOVED, and until the
 *   daemon gives a new address the node behaves as without one.
 * - An agent whose role changes (H appears or goes) while chosen is given
 *   up (MN_DISC_LOST_UNUSABLE) and the choice is made again.
 * - Time: a call with an earlier time than the previous one keeps the
 *   latest time (counted: time_backwards).  After every call nothing due is
 *   left: mn_disc_next_timeout() is after the latest time.  A solicitation
 *   due when an advertisement arrives goes only if the advertisement did
 *   not end the search.
 * - Reboot (2.4.4): a sequence number from the current foreign agent lower
 *   than the previous and below 256 (agentadv_seq_rebooted) raises
 *   MN_DISC_EV_REBOOTED: register again.  A new first care-of address or new
 *   flags from the current agent raise MN_DISC_EV_AGENT again.
 * - Solicitations (2.4, RFC 1256): only while SOLICITING (link up, no agent
 *   chosen, no usable co-located address).  The first after a random delay
 *   in [0, MN_DISC_MAX_SOLICITATION_DELAY_MS) (RFC 1256 5.1); then
 *   intervals of 1 s, 1 s (three at most one per second), 2 s, 4 s, ...
 *   doubling up to cfg.solicit_max_ms (2.4: at least a minute advised),
 *   without an end (2.4: more than MAX_SOLICITATIONS).  Each interval I is
 *   randomised to I + random % (I / 10 + 1) ms: never shorter than nominal,
 *   so the rate limits hold.  The fast start again only after a positive
 *   indication of a move (mn_disc_link up) or after an agent was chosen
 *   (2.4: "after successfully registering"); otherwise the backoff goes on
 *   where it stopped.  Sent to 224.0.0.11 (Mobile-Agents, 2.3) with TTL 1
 *   (2.2), from the co-located address or 0.0.0.0 (RFC 1256 5.1).
 *
 * With mn_reg (the daemon, src/mip4/mn.c):
 * - MN_DISC_EV_HOME: mn_reg_home() (2.4.3 deregistration).
 * - MN_DISC_EV_AGENT (state FOREIGN): register through the foreign agent in
 *   the foreign-agent care-of address mode (RFC 5944 3.3, 3.6.1.2): the
 *   Registration Request goes to out->agent.addr (the advertisement's
 *   source) port 434 from the home address, Care-of Address =
 *   out->agent.coa, D clear; T only when the agent offers T, G/M only when it
 *   offers G/M (else IP in IP), UDP tunnelling only with U (RFC 3519).
 *   mn_reg has only the co-located mode today (mn_reg_away sets D and sends
 *   to the home agent from the CoA): it needs a foreign-agent entry point,
 *   e.g. mn_reg_away_fa(m, now, fa, coa, flags_offered, out).
 * - MN_DISC_EV_REBOOTED: the same registration again, at once (2.4.4).
 * - MN_DISC_EV_LOST with state CO_LOCATED: mn_reg_away(co-located address).
 *   With state SOLICITING: nothing to register through; the binding at the
 *   home agent runs out on its own unless a new agent or address comes.
 * - MN_DISC_EV_MOVED without a new agent: the co-located address is stale;
 *   get a new one (DHCP) and call mn_disc_set_addr.
 * - 2.4.2: mn_reg already limits registrations to one a second on average
 *   (3.6.3 backoff); the daemon should not bypass it on MN_DISC_EV_*.
 */
#ifndef DS46_MIP4_MN_DISC_H
#define DS46_MIP4_MN_DISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/agentadv.h"

#define MN_DISC_MAX_AGENTS 8
#define MN_DISC_MAX_PREFIXES 4
#define MN_DISC_MAX_SOLICITATION_DELAY_MS 1000   /* RFC 1256 6 */
#define MN_DISC_SOLICIT_FAST_MS 1000             /* RFC 5944 2.4: 1 per second */
#define MN_DISC_SOLICIT_FAST_COUNT 3             /* ... for three solicitations */
#define MN_DISC_SOLICIT_MAX_MS_DEFAULT 60000     /* 2.4: at least one minute */
#define MN_DISC_SOLICIT_TTL 1                    /* RFC 5944 2.2 */
#define MN_DISC_MOBILE_AGENTS 0xe000000bu        /* 224.0.0.11, host order */

/* STYLE 6: one enum, one name table, one transition function. */
enum mn_disc_state {
	MN_DISC_DOWN,          /* no mobility link */
	MN_DISC_SOLICITING,    /* link up, no agent, no usable co-located address */
	MN_DISC_CO_LOCATED,    /* link up, no agent chosen: use the co-located address */
	MN_DISC_FOREIGN,       /* registering through a foreign agent */
	MN_DISC_HOME,          /* our home agent advertises here: at home */
	MN_DISC_STATE_COUNT
};
const char *mn_disc_state_name(enum mn_disc_state s);

/* Why the chosen agent was given up (MN_DISC_EV_LOST). */
enum mn_disc_lost {
	MN_DISC_LOST_EXPIRED,      /* 2.4.2.1: no advertisement within Lifetime */
	MN_DISC_LOST_WITHDRAWN,    /* an advertisement with Lifetime 0 */
	MN_DISC_LOST_MOVED,        /* 2.4.2.2: another agent's prefixes differ */
	MN_DISC_LOST_LINK,         /* the link went down or changed */
	MN_DISC_LOST_UNUSABLE,     /* now busy, no F, or a co-located address
	                              preferred (no R) */
	MN_DISC_LOST_COUNT
};
const char *mn_disc_lost_name(enum mn_disc_lost l);

/* events in mn_disc_out.events */
enum {
	MN_DISC_EV_AGENT = 1u << 0,    /* register through out->agent */
	MN_DISC_EV_HOME = 1u << 1,     /* at home: out->agent is the home agent */
	MN_DISC_EV_LOST = 1u << 2,     /* out->lost, out->lost_addr */
	MN_DISC_EV_MOVED = 1u << 3,    /* 2.4.2.2 prefix change */
	MN_DISC_EV_REBOOTED = 1u << 4, /* 2.4.4: register again via out->agent */
};

/* One heard agent (and what the events report). */
struct mn_disc_agent {
	uint32_t addr;               /* the advertisement's IPv4 source, network order */
	int ifindex;
	uint32_t coa;                /* first advertised care-of address (0: none) */
	uint16_t flags;              /* AGENTADV_F_* offered (R B H F M G T U X I) */
	uint16_t reg_lifetime;       /* 2.1.1 Registration Lifetime (0xffff: infinity) */
	uint16_t seq;                /* last sequence number */
	uint8_t n_prefix;            /* 0: no Prefix-Lengths extension */
	uint32_t prefix[MN_DISC_MAX_PREFIXES];  /* network order, host bits clear */
	uint8_t plen[MN_DISC_MAX_PREFIXES];
	bool home;                   /* our home agent, H set */
	uint64_t first_ms;           /* first heard (the choice's tie-break) */
	uint64_t expires_ms;         /* valid while now < expires_ms */
};

struct mn_disc_out {
	bool solicit;                /* send msg[0 .. len) */
	int ifindex;                 /* on this interface */
	uint32_t src;                /* network order: co-located address or 0 */
	uint32_t dst;                /* network order: 224.0.0.11 */
	uint8_t ttl;                 /* MN_DISC_SOLICIT_TTL */
	size_t len;
	uint8_t msg[AGENTADV_SOLICIT_LEN];
	unsigned events;             /* MN_DISC_EV_* */
	enum mn_disc_state state;    /* after this input */
	struct mn_disc_agent agent;  /* EV_AGENT, EV_HOME, EV_REBOOTED */
	enum mn_disc_lost lost;      /* EV_LOST */
	uint32_t lost_addr;          /* EV_LOST: the agent given up */
};

struct mn_disc_now {
	uint64_t ms;                 /* monotonic milliseconds */
	uint32_t random;             /* uniformly random */
};

struct mn_disc_config {
	uint32_t home_agent;         /* network order; 0: never at home (virtual) */
	uint32_t solicit_max_ms;     /* backoff cap, >= 1000; 0: the default */
	bool prefer_fa;              /* use a foreign agent even without R when a
	                                co-located address is known */
};

#define MN_DISC_COUNTERS(X)                                                    \
	X(rx_adverts) X(tx_solicitations)                                     \
	X(drop_link_down) X(drop_wrong_link) X(drop_bad_source)               \
	X(drop_bad_adv) X(adv_withdrawn) X(adv_unknown_withdrawn)             \
	X(agents_heard) X(agents_expired) X(agents_evicted)                   \
	X(agents_chosen) X(agents_lost) X(home_detected)                      \
	X(moves_prefix) X(colocated_stale) X(reboots) X(seq_rollovers)        \
	X(time_backwards)

struct mn_disc_stats {
#define X(n) uint64_t n;
	MN_DISC_COUNTERS(X)
#undef X
};
extern const char *const mn_disc_stat_names[];
size_t mn_disc_stat_count(void);
uint64_t mn_disc_stat_get(const struct mn_disc_stats *s, size_t i);

/* ---- internals (read-only for callers; tests and the fuzzer look) -------- */

struct mn_disc {
	struct mn_disc_config cfg;
	enum mn_disc_state state;
	uint64_t now_ms;             /* time of the latest call (never goes back) */
	bool link_up;
	int ifindex;
	uint32_t colo_addr;          /* network order; 0: none */
	uint8_t colo_plen;           /* 0: prefix unknown */
	bool colo_stale;             /* 2.4.2.2 says it is not on this link */
	bool used[MN_DISC_MAX_AGENTS];
	struct mn_disc_agent agents[MN_DISC_MAX_AGENTS];
	int current;                 /* index of the chosen agent, -1: none */
	/* solicitations */
	uint32_t sol_count;          /* sent since the last fast start */
	uint64_t sol_next_ms;        /* SOLICITING: next one; else UINT64_MAX */
	uint64_t sol_last_ms;        /* last sent (0 with sol_count 0) */
	bool sol_fast;               /* the next search may start fast */
	struct mn_disc_stats stats;
};

/* ---- API ------------------------------------------------------------------ */

/* 0, or -EINVAL (solicit_max_ms in 1-999).  Starts DOWN. */
int mn_disc_init(struct mn_disc *m, const struct mn_disc_config *cfg);

/* The mobility link ifindex (> 0) is up: a new attachment (also when called
 * again while up, e.g. a new access point): every agent is forgotten
 * (MN_DISC_EV_LOST with LOST_LINK for the current one) and the search starts
 * fast.  up false: link down, DOWN.  -EINVAL for ifindex <= 0 when up. */
int mn_disc_link(struct mn_disc *m, const struct mn_disc_now *now, int ifindex, bool up,
		 struct mn_disc_out *out);

/* The node's co-located address on the link (network order) and its prefix
 * length (0: unknown, 1-32); addr 0: none.  -EINVAL for plen > 32 or a
 * non-unicast address. */
int mn_disc_set_addr(struct mn_disc *m, const struct mn_disc_now *now, uint32_t addr,
		     uint8_t plen, struct mn_disc_out *out);

/* A parsed Agent Advertisement from src (network order) on ifindex, with
 * the node's co-located address on that link as in mn_disc_set_addr (0:
 * none; it replaces the one set before).  Never fails: what cannot be used
 * is dropped and counted. */
void mn_disc_recv(struct mn_disc *m, const struct mn_disc_now *now, const struct agentadv *a,
		  uint32_t src, int ifindex, uint32_t colo_addr, uint8_t colo_plen,
		  struct mn_disc_out *out);

/* The timer armed at mn_disc_next_timeout() fired (early calls only
 * expire what has expired). */
void mn_disc_tick(struct mn_disc *m, const struct mn_disc_now *now, struct mn_disc_out *out);

/* Absolute monotonic ms of the next thing to do; UINT64_MAX for nothing. */
uint64_t mn_disc_next_timeout(const struct mn_disc *m);

/* The chosen agent (FOREIGN or HOME), or NULL. */
const struct mn_disc_agent *mn_disc_current(const struct mn_disc *m);

/* The nominal interval after solicitation k (1, 2, ...), before
 * randomisation: 1000, 1000, 2000, 4000, ... capped. */
uint64_t mn_disc_solicit_interval(const struct mn_disc *m, uint32_t k);

#endif
