/* The DSTM host daemon's control plane (dstm-04 5, 6.1.3, 6.3): the DHCPv6
 * client (client.c) borrows an IPv4 address and learns the TEP; this file
 * puts the address on the DTI (a TUN of the tunnel engine), points the
 * engine at the TEP, and keeps the lease in a file across restarts.  The
 * engine asks for an address when the first IPv4 packet arrives (5.1). */
#ifndef DS46_DSTM_HOST_H
#define DS46_DSTM_HOST_H

#include <event2/event.h>
#include <stdbool.h>

#include "dataplane/engine.h"
#include "dataplane/engine_io.h"
#include "dstm/client.h"
#include "dstm/host_config.h"
#include "ctl/ctl_server.h"
#include "os/netlink.h"

struct host {
	const struct host_cfg *cfg;
	struct event_base *base;
	struct nl nl;
	int uplink;                  /* ifindex */
	struct in6_addr src6;        /* the uplink's global address: DHCPv6 and
	                                tunnel source (docs/dataplane.md) */
	int dhcp_fd;
	struct event *ev_dhcp, *ev_timer, *ev_held;
	struct client cl;
	struct dp_engine e;
	struct dp_io *io;
	int dti;                     /* ifindex of the TUN */
	bool has_v4;
	uint32_t v4;
	bool routes_added;
	struct ctl_server *ctl;
};

/* Set everything up; in always mode start acquiring, else wait for the
 * first IPv4 packet.  A saved lease is resumed. */
int host_open(struct host *h, const struct host_cfg *cfg, struct event_base *base);
/* Stop: release the lease (cfg->release_on_stop) or save it. */
void host_close(struct host *h);
/* The control socket (host_ctl.c): ping, stats, leases. */
int host_ctl_open(struct host *h);

#endif
