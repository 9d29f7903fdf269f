/* Mobile IPv4 foreign agent configuration (RFC 5944 3.7.1, RFC 3024 5.2,
 * seed draft-ietf-mip4-dsmipv4-06 3.4): the plain struct the registration
 * engine (mip4/fa_reg.h) reads.  A libconfig loader (ds46-fad) fills it
 * later.  IPv4 addresses are in network order, like wire/mip4.h. */
#ifndef DS46_MIP4_FA_CONFIG_H
#define DS46_MIP4_FA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
