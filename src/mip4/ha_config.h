/* Mobile IPv4 home agent (ds46-had) configuration: libconfig syntax (see
 * examples/had.conf).  Every error is reported as "file:line: message" with
 * the line libconfig recorded for the offending setting (STYLE 10), as for
 * the DSTM daemons (dstm/host_config.h); unknown settings are errors.
 *
 * IPv4 addresses are in network order (uint32_t as in struct
 * in_addr.s_addr), like wire/mip4.h and the store's struct mip_binding, so
 * that the registration engine (mip4/ha_reg.h) compares them with the
 * fields of a request as they are. */
#ifndef DS46_MIP4_HA_CONFIG_H
#define DS46_MIP4_HA_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/mip4.h"

#define HA_CFG_MAX_NODES 1048576    /* "nodes"; looked up hashed */
#define HA_CFG_MAX_HOME_PREFIXES 8
#define HA_CFG_MAX_NODE_PREFIXES MIP4_MAX_PREFIXES     /* "prefixes" of a node */
#define HA_CFG_MAX_IMPLICIT 8        /* "implicit-prefixes" of a node */
#define HA_CFG_MAX_BINDINGS 16       /* max-bindings (RFC 5944 3.6.1.2 S bit) */
#define HA_CFG_NAME_MAX 63
#define HA_CFG_KEY_MAX 64            /* octets of an HMAC-MD5 key */
#define HA_CFG_POOL4_MAX 65536       /* addresses in the dynamic IPv4 pool */
#define HA_CFG_MAX_FAS 64            /* "foreign-agents" */

#define HA_CFG_DEFAULT_MAX_LIFETIME 1800   /* RFC 5944 3.6.1.2's default */
#define HA_CFG_DEFAULT_REPLAY_WINDOW 7     /* RFC 5944 5.7.1 */
#define HA_CFG_DEFAULT_TUNNEL_MTU 1480     /* RFC 4213 3.2: 1500 - 20 */
#define HA_CFG_MIN_TUNNEL_MTU 1280         /* RFC 4213 3.2: the IPv6 minimum */
#define HA_CFG_MAX_TUNNEL_MTU 65515        /* 65535 - 20 */
#define HA_CFG_DEFAULT_DAD_TIMEOUT_MS 1000 /* RFC 4861 RetransTimer, one probe */
#define HA_CFG_DEFAULT_STORE "/var/lib/ds46/had.db"
#define HA_CFG_DEFAULT_CONTROL_SOCKET "/run/ds46/had.sock"
#define HA_CFG_DEFAULT_TUN "mip-ha0"
#define HA_CFG_DEFAULT_UDP_KEEPALIVE 110   /* RFC 3519 4.9: K */

/* RFC 3024 4.3: reverse tunnelling policy. */
enum ha_revtun {
	HA_REVTUN_OFF = 0,           /* T set: 137 */
	HA_REVTUN_ALLOWED = 1,       /* T honoured when set (default) */
	HA_REVTUN_REQUIRED = 2,      /* T clear: 138 */
};

/* RFC 5944 5.7: replay protection style of a mobility security
 * association. */
enum ha_replay {
	HA_REPLAY_TIMESTAMP = 0,     /* 5.7.1 (mandatory to implement; default) */
	HA_REPLAY_NONCE = 1,         /* 5.7.2 */
};

/* Which foreign agents may relay registrations (a request with D clear,
 * RFC 5944 3.8). */
enum ha_fa_policy {
	HA_FA_ANY = 0,               /* any; FH authentication verified where a
	                                security association is configured
	                                (default) */
	HA_FA_LISTED = 1,            /* only those in foreign-agents: 129 */
	HA_FA_AUTHENTICATED = 2,     /* only those with a security association
	                                and a valid FH authentication: 132 */
};

/* A foreign agent, by the IP source address of the requests it relays
 * (RFC 5944 3.5.4: the FA-HA security association is indexed by SPI and
 * that address). */
struct ha_cfg_fa {
	uint32_t address;            /* network order */
	bool has_sa;                 /* spi and key given */
	uint32_t spi;                /* >= 256 */
	uint8_t key[HA_CFG_KEY_MAX];
	uint8_t key_len;
};

struct ha_cfg_prefix6 {
	struct in6_addr prefix;      /* no host bits */
	uint8_t plen;                /* 1..128 */
};

/* One mobile node: its mobility security association (RFC 5944 3.5.1:
 * SPI, HMAC-MD5 key, replay style) and what it may register. */
struct ha_cfg_node {
	char name[HA_CFG_NAME_MAX + 1];
	char nai[MIP4_NAI_MAX + 1];  /* RFC 2794; "" when none */
	uint32_t home_addr;          /* network order; 0: assigned from pool4
	                                (RFC 5944 3.8.1, RFC 2794: needs a NAI) */
	uint32_t spi;                /* >= 256 (RFC 5944 1.6: 0-255 reserved) */
	uint8_t key[HA_CFG_KEY_MAX];
	uint8_t key_len;
	uint8_t replay;              /* enum ha_replay */
	uint8_t max_bindings;        /* simultaneous bindings, 1..16 (default 1) */
	bool dynamic_ipv6;           /* may ask for IPv6 prefixes/addresses to be
	                                assigned (seed 3.7.1: a zero prefix, or
	                                ::interface-id/128); default false */
	uint8_t n_prefixes;          /* explicit mode (RFC 5454 1.4): prefixes
	                                it may register (and anything inside) */
	struct ha_cfg_prefix6 prefixes[HA_CFG_MAX_NODE_PREFIXES];
	uint8_t n_implicit;          /* implicit mode (RFC 5454 1.4): bound with
	                                every registration, tunnelled to the
	                                IPv4 home address */
	struct ha_cfg_prefix6 implicit[HA_CFG_MAX_IMPLICIT];
};

struct ha_cfg {
	char file[256];
	uint32_t address;            /* the home agent's IPv4 address (network
	                                order); the Home Agent field it answers */
	char home_link[IF_NAMESIZE]; /* home network interface (proxy ARP/ND,
	                                DAD) */
	char tun[IF_NAMESIZE];       /* the data plane's TUN ("tunnel-interface",
	                                default HA_CFG_DEFAULT_TUN) */
	uint32_t home_net;           /* home network, network order, no host bits */
	uint8_t home_plen;           /* 8..30 */
	uint8_t n_home6;             /* the home link's IPv6 prefixes (seed 3.3
	                                "not home subnet"; the first /64 or
	                                shorter one hosts ::iid/128 requests) */
	struct ha_cfg_prefix6 home6[HA_CFG_MAX_HOME_PREFIXES];
	uint16_t max_lifetime;       /* seconds, 1..65535 (65535: infinity
	                                allowed, RFC 5944 3.3) */
	uint32_t replay_window;      /* seconds (RFC 5944 5.7.1), default 7 */
	bool encap_gre;              /* G bit may be honoured (RFC 2784) */
	bool encap_minimal;          /* M bit may be honoured (RFC 2004); IP in
	                                IP is always on (RFC 5944 4.1: MUST) */
	uint8_t reverse_tunnel;      /* enum ha_revtun */
	bool forward_broadcast;      /* honour B (RFC 5944 4.3); otherwise B is
	                                ignored (3.8.2), default true */
	bool ipv6;                   /* RFC 5454 extensions; false: ignored like
	                                a plain RFC 5944 home agent */
	bool tunnel_mode;            /* honour the IPv6 Tunneling Mode extension
	                                (RFC 5454 3.3.2 (2) MAY ignore it) */
	uint16_t tunnel_mtu;         /* static tunnel MTU (RFC 4213 3.2) */
	uint32_t dad_timeout_ms;     /* DAD wait per address (seed 3.3) */
	bool has_pool4;              /* dynamic home addresses (RFC 2794) */
	uint32_t pool4_first, pool4_last; /* network order, inside home_net */
	bool has_pool6;              /* dynamic IPv6 prefixes (seed 3.7.1) */
	struct in6_addr pool6_prefix;
	uint8_t pool6_plen;
	uint8_t pool6_length;        /* length of each prefix handed out */
	uint16_t port;               /* UDP port, 434 (tests may change it) */
	uint8_t fa_policy;           /* enum ha_fa_policy */
	uint8_t n_fas;
	struct ha_cfg_fa fas[HA_CFG_MAX_FAS];
	bool nat_traversal;          /* honour UDP Tunnel Requests (RFC 3519
	                                4.6), default true; false: 129 when a
	                                NAT is seen or F set (4.6.1) */
	bool nat_force;              /* honour F without a NAT (3.1.1),
	                                default true; false: 129 */
	uint16_t udp_keepalive;      /* seconds, the UDP Tunnel Reply's
	                                keepalive interval (0: the node's
	                                default, else >= 10), default 110 */
	/* RFC 5454 3.3.3 multicast (dataplane/engine_mld.h) */
	uint8_t mc_min_scope;        /* tunnel groups of this scope and up,
	                                3-15, default 14 (global) */
	uint16_t mc_max_groups;      /* groups a node may join, 1-64, default 16 */
	uint8_t mld_query_interval;  /* s, 10-127, default 125 (RFC 3810 9.2);
	                                listener timeout 2 * it + 10 (9.4) */
	char store[256];
	char control_socket[108];
	int log_level;               /* syslog level */
	uint32_t n_nodes;
	struct ha_cfg_node *nodes;
};

/* Load and validate.  On error returns -EINVAL and writes "file:line: msg"
 * into err (a file that cannot be opened: -errno and "file: strerror").
 * *out is heap-allocated; free with ha_cfg_free. */
int ha_cfg_load(const char *path, struct ha_cfg **out, char *err, size_t errlen);
/* Same from a string (tests, fuzzing); name is used in messages. */
int ha_cfg_load_string(const char *text, const char *name, struct ha_cfg **out, char *err,
		       size_t errlen);
void ha_cfg_free(struct ha_cfg *c);
/* Normalised configuration, every default explicit, in the same syntax (for
 * -nv); parsing the printout again gives the same printout.  Keys are
 * printed (as key-hex): the printout is as secret as the file. */
void ha_cfg_print(FILE *f, const struct ha_cfg *c);

const char *ha_revtun_name(uint8_t v);   /* "off", "allowed", "required" */
const char *ha_fa_policy_name(uint8_t v);   /* "any", "listed", "authenticated" */
/* The configured foreign agent with IP address addr (network order), or
 * NULL. */
const struct ha_cfg_fa *ha_cfg_fa_find(const struct ha_cfg *c, uint32_t addr);
const char *ha_replay_name(uint8_t v);   /* "timestamp", "nonce" */

#endif
