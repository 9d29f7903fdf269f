/* DSTM host daemon configuration (ds46-hostd): libconfig, errors as
 * "file:line: message" (docs/hostd.conf.5.md). */
#ifndef DS46_DSTM_HOST_CONFIG_H
#define DS46_DSTM_HOST_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/dhcp6.h"

#define HOST_CFG_MAX_ROUTES 16

struct host_cfg_route {
	uint32_t dst;                /* host order, no host bits set */
	uint8_t plen;
};

struct host_cfg {
	char file[256];
	/* host = { ... } */
	char uplink[IF_NAMESIZE];    /* required: the IPv6 interface towards the
	                                DSTM domain (DHCPv6 and tunnel source) */
	char dti[IF_NAMESIZE];       /* TUN name, default "dti0" */
	bool on_demand;              /* mode = "on-demand" (default) | "always" */
	bool has_static_tep;         /* static-tep: dstm-04 5.3, early deployment
	                                only (logged as not scaling) */
	struct in6_addr static_tep;
	uint8_t n_routes;            /* routes into the DTI; default 0.0.0.0/0 */
	struct host_cfg_route routes[HOST_CFG_MAX_ROUTES];
	char lease_file[256];        /* default /var/lib/ds46/hostd.lease */
	bool release_on_stop;        /* default false: keep the lease over a restart */
	uint16_t ipv4_option_code;   /* default DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT */
	bool rapid_commit;           /* default false */
	bool reconfigure_accept;     /* default true */
	struct dhcp6_duid duid;      /* len 0: DUID-LL of the uplink's MAC */
	uint32_t iaid;               /* default 1 */
	uint16_t tunnel_mtu;         /* 0 (default): uplink MTU - 40 */
	uint16_t mss_clamp;          /* 0 (default): off */
	bool offload;                /* TUN offloads: GSO/GRO in the daemon
	                                (dataplane/engine_io.h) */
	char control_socket[108];    /* default /run/ds46/hostd.sock */
	uint16_t server_port;        /* 547 (tests may change both) */
	uint16_t client_port;        /* 546 */
	int log_level;               /* syslog level, default info */
};

int host_cfg_load(const char *path, struct host_cfg **out, char *err, size_t errlen);
int host_cfg_load_string(const char *text, const char *name, struct host_cfg **out, char *err,
			 size_t errlen);
void host_cfg_free(struct host_cfg *c);
void host_cfg_print(FILE *f, const struct host_cfg *c);

#endif
