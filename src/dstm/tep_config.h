/* DSTM border router (ds46-tepd) configuration: libconfig syntax (see
 * examples/tepd.conf and docs/tepd.conf.5.md).  Every error is reported as
 * "file:line: message" with the line libconfig recorded for the offending
 * setting, as for the server (dstm/config.h); unknown settings are errors. */
#ifndef DS46_DSTM_TEP_CONFIG_H
#define DS46_DSTM_TEP_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TEP_CFG_MAX_ROUTES 64

#define TEP_CFG_DEFAULT_TUN "tep0"
#define TEP_CFG_DEFAULT_STORE "/var/lib/ds46/dstmd.db"
#define TEP_CFG_DEFAULT_CONTROL_SOCKET "/run/ds46/tepd.sock"
#define TEP_CFG_DEFAULT_FOLLOW_MS 100
#define TEP_CFG_DEFAULT_LEARN_LIFETIME 3600
/* The tunnel runs over IPv6, every link of which carries 1280 octets; less
 * the IPv6 header and RFC 2473's 8-octet encapsulation limit option. */
#define TEP_CFG_MIN_TUNNEL_MTU 1232
#define TEP_CFG_MAX_TUNNEL_MTU 65495
#define TEP_CFG_MIN_MSS 536          /* RFC 879's default MSS */
#define TEP_CFG_DEFAULT_OFFLOAD true /* docs/bench.md, "Tunnel data plane" */

struct tep_cfg_route {
	uint32_t addr;               /* host order, no host bits */
	uint8_t plen;                /* 1..32 */
};

struct tep_cfg {
	char file[256];
	char tun[IF_NAMESIZE];       /* IPv4 side: the TUN device */
	struct in6_addr address;     /* the TEP address: the raw socket binds to it */
	uint32_t ipv4_address;       /* host order: ICMPv4 source, /32 on the TUN */
	uint8_t n_routes;
	struct tep_cfg_route routes[TEP_CFG_MAX_ROUTES]; /* the DSTM pools */
	char store[256];             /* the DSTM server's lease store (read-only) */
	uint32_t follow_interval_ms; /* store change feed poll */
	bool learn;                  /* dstm-04 5.2 learn-from-traffic */
	uint32_t learn_lifetime;     /* seconds */
	uint16_t mss_clamp;          /* 0: off */
	uint16_t tunnel_mtu;
	bool tclass_copy;            /* RFC 2473 6.4: outer traffic class from TOS */
	uint8_t tclass;              /* otherwise this value */
	bool offload;                /* TUN offloads: GSO/GRO in the daemon
	                                (dataplane/engine_io.h) */
	char control_socket[108];
	int log_level;               /* syslog level */
};

/* Load and validate.  On error returns -EINVAL and writes "file:line: msg"
 * into err (a file that cannot be opened: -errno and "file: strerror").
 * *out is heap-allocated; free with tep_cfg_free. */
int tep_cfg_load(const char *path, struct tep_cfg **out, char *err, size_t errlen);
/* Same, from a string (tests, fuzzing); name is used in messages. */
int tep_cfg_load_string(const char *text, const char *name, struct tep_cfg **out, char *err,
			size_t errlen);
void tep_cfg_free(struct tep_cfg *c);
/* Normalised configuration, every default explicit, in the same syntax (for
 * -nv); parsing the printout again gives the same printout. */
void tep_cfg_print(FILE *f, const struct tep_cfg *c);

#endif
