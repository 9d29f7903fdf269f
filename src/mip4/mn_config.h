/* Mobile node daemon configuration (ds46-mnd): libconfig, errors as
 * "file:line: message", a printout for -nv that parses back to the same
 * configuration (STYLE 10).  The example is examples/mnd.conf.
 *
 *   mn = {
 *     home-address = "192.0.2.10";   # "0.0.0.0": assigned by the HA (needs nai)
 *     home-prefix-length = 24;       # the home network's netmask (RFC 5944 3.6)
 *     nai = "mn1@example.net";       # RFC 2794 Mobile Node NAI extension
 *     home-agent = "192.0.2.1";
 *     spi = 256;                     # mobility security association (>= 256)
 *     key = "00:11:...";             # HMAC-MD5 key, 16 to 64 octets in hex
 *     replay = "timestamps";         # or "nonces" (RFC 5944 5.7)
 *     lifetime = 1800;               # requested, seconds; 65535: infinity
 *     encapsulation = "ipip";        # "gre", "minimal"
 *     reverse-tunnel = true;         # T flag (RFC 3024)
 *     reverse-tunnel-delivery = "direct"; # or "encapsulating" (RFC 3024 5.2,
 *                                    # through a foreign agent)
 *     retransmit-max = 32;           # seconds, cap of the backoff
 *     retransmit-tries = 6;          # requests before giving up an attempt
 *     home-interface = "eth0";       # the link the node has at home
 *     tunnel-interface = "mip0";     # TUN device of the tunnel
 *     control-socket = "/run/ds46/mnd.sock";
 *     state-file = "/var/lib/ds46/mnd.state";
 *     log-level = "info";
 *     agent-discovery = true;        # RFC 5944 2.4: listen, solicit, use foreign agents
 *     prefer-foreign-agent = false;  # a foreign agent even without R (co-located address there)
 *     solicitation-max-interval = 60; # seconds, cap of the solicitation backoff
 *     mn-fa-spi = 300;               # MN-FA security association (optional, both or none)
 *     mn-fa-key = "00:11:...";
 *     udp-tunnel = "auto";           # RFC 3519: "auto", "force", "off"
 *     registration-port = 0;         # UDP source port of registrations (0: kernel's)
 *     ipv6 = {
 *       prefixes = [ "2001:db8:46:1::/64", "2001:db8:46::10/128" ];
 *       dynamic-prefixes = [ 64 ];   # zero prefix, length hint (0: none)
 *       interface-ids = [ "::211:22ff:fe33:4455" ];   # ::iid/128
 *       link-local = false;          # RFC 5454 3.7.1
 *       tunnel-mode = true;          # RFC 5454 2.3 extension
 *     };
 *   };
 *
 * Addresses are kept in network order, as the Mobile IPv4 codec uses them. */
#ifndef DS46_MIP4_MN_CONFIG_H
#define DS46_MIP4_MN_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mip4/mn_disc.h"
#include "mip4/mn_reg.h"

#define MN_CFG_DEFAULT_HOME_PLEN 24
#define MN_CFG_DEFAULT_LIFETIME 1800     /* RFC 5944 3.6.1.2: ICMP router lifetime */
#define MN_CFG_DEFAULT_RETRANSMIT_MAX 32
#define MN_CFG_DEFAULT_RETRANSMIT_TRIES 6
#define MN_CFG_MAX_RETRANSMIT_MAX 3600
#define MN_CFG_MAX_RETRANSMIT_TRIES 100
#define MN_CFG_KEY_MIN 16                /* RFC 5944 3.5.1: 128-bit keys */
#define MN_CFG_DEFAULT_TUNNEL "mip0"
#define MN_CFG_DEFAULT_CONTROL_SOCKET "/run/ds46/mnd.sock"
#define MN_CFG_DEFAULT_STATE_FILE "/var/lib/ds46/mnd.state"
#define MN_CFG_DEFAULT_SOLICIT_MAX 60    /* RFC 5944 2.4: at least a minute */
#define MN_CFG_MAX_SOLICIT_MAX 3600

/* RFC 3519 UDP tunnelling (NAT traversal) with a co-located care-of
 * address: auto requests it (UDP Tunnel Request, F clear) whenever the
 * care-of address is co-located and the home agent decides from what it
 * sees (RFC 3519 3.2); force sets F (the tunnel even without a NAT); off
 * never requests it.  Never through a foreign agent. */
enum mn_udp_tunnel {
	MN_UDP_TUNNEL_AUTO = 0,
	MN_UDP_TUNNEL_FORCE,
	MN_UDP_TUNNEL_OFF,
	MN_UDP_TUNNEL_COUNT
};
const char *mn_udp_tunnel_name(enum mn_udp_tunnel u);   /* "auto", "force", "off" */

struct mn_cfg {
	char file[256];
	/* mn = { ... } */
	uint32_t home_addr;          /* network order; 0: assigned (RFC 2794) */
	uint8_t home_plen;           /* 8-30 */
	char nai[MIP4_NAI_MAX + 1];  /* "": none */
	uint32_t home_agent;         /* network order */
	uint32_t spi;
	uint8_t key[MN_REG_KEY_MAX];
	uint8_t key_len;
	enum mn_replay replay;       /* default timestamps */
	uint16_t lifetime;           /* default 1800 */
	enum encap4_kind encap;      /* default ENCAP4_IPIP */
	bool reverse_tunnel;         /* default true */
	bool encap_delivery;         /* reverse-tunnel-delivery: false "direct"
	                                (default), true "encapsulating" */
	uint32_t retransmit_max;     /* seconds, default 32 */
	uint32_t retransmit_tries;   /* default 6 */
	char home_interface[IF_NAMESIZE];   /* required */
	char tunnel_interface[IF_NAMESIZE]; /* default "mip0" */
	char control_socket[108];    /* default /run/ds46/mnd.sock */
	char state_file[256];        /* default /var/lib/ds46/mnd.state */
	int log_level;               /* syslog level, default info */
	/* mn.ipv6 = { ... }: at most MN_REG_MAX_V6 requests in all */
	uint8_t n_v6_prefixes;       /* static prefixes and /128 addresses */
	struct mip_prefix v6_prefixes[MN_REG_MAX_V6];
	uint8_t n_v6_dynamic;        /* zero-prefix requests ... */
	uint8_t v6_dynamic_hint[MN_REG_MAX_V6];   /* ... with these lengths */
	uint8_t n_v6_iids;           /* ::iid/128 requests */
	struct in6_addr v6_iids[MN_REG_MAX_V6];
	bool v6_link_local;          /* default false */
	bool v6_tunnel_mode;         /* default true */
	/* agent discovery (RFC 5944 2.4) and the foreign-agent mode */
	bool agent_discovery;        /* default true */
	bool prefer_fa;              /* use a foreign agent without R when a
	                                co-located address is there; default false */
	uint32_t solicit_max;        /* seconds, 1-3600, default 60 */
	uint32_t mf_spi;             /* MN-FA security association (optional) */
	uint8_t mf_key[MN_REG_KEY_MAX];
	uint8_t mf_key_len;          /* 0: none */
	/* NAT traversal (RFC 3519) */
	enum mn_udp_tunnel udp_tunnel;   /* default auto */
	uint16_t registration_port;  /* UDP source port of registrations and
	                                UDP tunnel data; 0: the kernel picks one
	                                at start (kept while running) */
};

int mn_cfg_load(const char *path, struct mn_cfg **out, char *err, size_t errlen);
int mn_cfg_load_string(const char *text, const char *name, struct mn_cfg **out, char *err,
		       size_t errlen);
void mn_cfg_free(struct mn_cfg *c);
void mn_cfg_print(FILE *f, const struct mn_cfg *c);

/* The registration client's configuration: the IPv6 requests in the order
 * prefixes, dynamic-prefixes, interface-ids (the link-local one is added by
 * the client itself). */
void mn_cfg_to_reg(const struct mn_cfg *c, struct mn_reg_config *r);
/* The agent discovery machine's configuration. */
void mn_cfg_to_disc(const struct mn_cfg *c, struct mn_disc_config *d);

#endif
