/* Mobile IPv4 foreign agent configuration (RFC 5944 3.7.1, RFC 3024 5.2,
 * seed draft-ietf-mip4-dsmipv4-06 3.4): the plain struct the registration
 * engine (mip4/fa_reg.h) reads, and the daemon's (struct fad_cfg, filled
 * by the libconfig loader fa_config.c from a file like examples/fad.conf;
 * errors are "file:line: message", STYLE 10).  IPv4 addresses are in
 * network order, like wire/mip4.h. */
#ifndef DS46_MIP4_FA_CONFIG_H
#define DS46_MIP4_FA_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/mip4.h"

#define FA_CFG_MAX_IFACES 8
#define FA_CFG_MAX_COA 4             /* care-of addresses advertised per link */
#define FA_CFG_MAX_MN_SA 64
#define FA_CFG_MAX_HA_SA 64
#define FA_CFG_MAX_ALLOWED_HA 16
#define FA_CFG_KEY_MAX 64
#define FA_CFG_DEFAULT_MAX_LIFETIME 1800
#define FA_CFG_DEFAULT_PENDING_TIMEOUT 7   /* RFC 5944 3.7.1: "more than 7 seconds" */
#define FA_CFG_DEFAULT_MAX_PENDING 5       /* RFC 5944 3.7.1: "typically 5" */
#define FA_CFG_DEFAULT_MAX_VISITORS 1024

/* RFC 3024 5.2: reverse tunnelling policy. */
enum fa_revtun {
	FA_REVTUN_OFF = 0,           /* T set: 74 */
	FA_REVTUN_ALLOWED = 1,       /* T honoured when set */
	FA_REVTUN_REQUIRED = 2,      /* T clear: 75 */
};

/* Seed 3.4: what a dual-stack foreign agent does with IPv6 Prefix Requests. */
enum fa_ipv6_mode {
	FA_IPV6_IGNORE = 0,          /* relay as is: a plain RFC 5944 agent */
	FA_IPV6_ATTACH = 1,          /* attach an IPv6 Tunneling Mode extension */
};

/* One link the agent serves (receives requests on, advertises on). */
struct fa_cfg_iface {
	unsigned ifindex;
	uint32_t address;            /* the agent's address on the link */
	uint8_t n_coa;               /* care-of addresses advertised (>= 1) */
	uint32_t coa[FA_CFG_MAX_COA];
};

/* A mobility security association (RFC 5944 3.5.1, HMAC-MD5). */
struct fa_cfg_sa {
	uint32_t addr;               /* MN: its home address; HA: its address */
	uint32_t spi;                /* >= 256 */
	uint8_t key[FA_CFG_KEY_MAX];
	uint8_t key_len;             /* >= 1 */
};

struct fa_cfg {
	uint8_t n_ifaces;
	struct fa_cfg_iface ifaces[FA_CFG_MAX_IFACES];
	uint16_t max_lifetime;       /* seconds, 1..65535: above it, 69 */
	uint16_t pending_timeout;    /* seconds before 78 (RFC 5944 3.7.1) */
	uint32_t max_pending;        /* pending registrations, above: 66 */
	uint32_t max_visitors;       /* visitor entries (active or pending) */
	bool encap_gre;              /* G offered (RFC 2784) */
	bool encap_minimal;          /* M offered (RFC 2004) */
	uint8_t reverse_tunnel;      /* enum fa_revtun */
	bool encap_delivery;         /* RFC 3024 3.3 Encapsulating Delivery Style
	                                supported; else 79 */
	uint8_t ipv6_mode;           /* enum fa_ipv6_mode */
	bool advertises_r;           /* R bit in our advertisements (RFC 5944
	                                2.1.1): with D set, never attach (seed 3.4) */
	uint8_t n_allowed_ha;        /* 0: any home agent; else others get 65 */
	uint32_t allowed_ha[FA_CFG_MAX_ALLOWED_HA];
	uint8_t n_mn_sa;             /* MN-FA (RFC 5944 3.7.1) */
	struct fa_cfg_sa mn_sa[FA_CFG_MAX_MN_SA];
	uint8_t n_ha_sa;             /* FA-HA */
	struct fa_cfg_sa ha_sa[FA_CFG_MAX_HA_SA];
};

/* Defaults: every limit above, IP in IP only, reverse tunnelling allowed,
 * IPv6 ignored, no interfaces, no SAs. */
static inline void fa_cfg_defaults(struct fa_cfg *c)
{
	*c = (struct fa_cfg){
		.max_lifetime = FA_CFG_DEFAULT_MAX_LIFETIME,
		.pending_timeout = FA_CFG_DEFAULT_PENDING_TIMEOUT,
		.max_pending = FA_CFG_DEFAULT_MAX_PENDING,
		.max_visitors = FA_CFG_DEFAULT_MAX_VISITORS,
		.reverse_tunnel = FA_REVTUN_ALLOWED,
		.encap_delivery = true,
	};
}

/* ---- ds46-fad ---------------------------------------------------------- */

#define FAD_CFG_DEFAULT_TUN "mip-fa0"
#define FAD_CFG_DEFAULT_CONTROL_SOCKET "/run/ds46/fad.sock"
#define FAD_CFG_DEFAULT_STORE "/var/lib/ds46/fad.db"
#define FAD_CFG_DEFAULT_TABLE 434          /* routing table of the reverse tunnel */
#define FAD_CFG_DEFAULT_RULE_PRIORITY 1434 /* its policy rules */
/* RFC 1256 3: MaxAdvertisementInterval 600 s, AdvertisementLifetime
 * 3 * MaxAdvertisementInterval; RFC 5944 2.3 only asks the rate to be
 * limited, so intervals down to 1 s are accepted (0: advertise only in
 * answer to solicitations, RFC 5944 2.3). */
#define FAD_CFG_DEFAULT_ADV_INTERVAL 600
#define FAD_CFG_MAX_ADV_INTERVAL 1800
#define FAD_CFG_MIN_ADV_INTERVAL_MS 100
#define FAD_CFG_MAX_ADV_LIFETIME 9000      /* RFC 1256 3 */

struct fad_cfg {
	char file[256];
	struct fa_cfg reg;           /* ifaces[i].ifindex is 0 here: resolved
	                                from ifname[i] at start */
	char ifname[FA_CFG_MAX_IFACES][IF_NAMESIZE];
	bool has_address[FA_CFG_MAX_IFACES]; /* false: reg.ifaces[i].address
	                                and plen[i] are read from the interface
	                                at start (its first global IPv4 address),
	                                and so is the care-of address when none
	                                is given */
	uint8_t plen[FA_CFG_MAX_IFACES]; /* the address's prefix length on the
	                                link (Prefix-Lengths extension) */
	uint32_t adv_interval_ms;    /* MaxAdvertisementInterval; 0: solicited
	                                advertisements only */
	uint32_t adv_lifetime;       /* ICMP Lifetime of advertisements, s */
	bool adv_busy;               /* B */
	bool adv_home_agent;         /* H (also a home agent on these links) */
	bool adv_udp;                /* U (RFC 3519 3.4) */
	bool adv_prefix_lengths;     /* Prefix-Lengths extension (2.1.2) */
	char tun[IF_NAMESIZE];
	uint32_t table;              /* reverse tunnel routing table (1..2^31-1,
	                                not 253-255) */
	uint32_t rule_priority;      /* of the policy rules */
	uint16_t port;               /* UDP port for home agents' replies */
	char control_socket[108];
	int log_level;
	char store[256];             /* SQLite file of the visitor list */
};

/* Load and validate: -EINVAL with "file:line: msg" in err, or -errno with
 * "file: strerror" for a file that cannot be read.  *out is heap
 * allocated (fad_cfg_free). */
int fad_cfg_load(const char *path, struct fad_cfg **out, char *err, size_t errlen);
int fad_cfg_load_string(const char *text, const char *name, struct fad_cfg **out, char *err,
			size_t errlen);
void fad_cfg_free(struct fad_cfg *c);
/* Every setting, defaults explicit, in the same syntax (-nv); parsing the
 * printout again gives the same printout.  Keys are printed (key-hex). */
void fad_cfg_print(FILE *f, const struct fad_cfg *c);
/* The RFC 5944 2.1.1 flags this configuration advertises (F always). */
uint16_t fad_cfg_adv_flags(const struct fad_cfg *c);
const char *fa_revtun_name(uint8_t v);   /* "off", "allowed", "required" */
const char *fa_ipv6_mode_name(uint8_t v); /* "ignore", "attach" */

#endif
