/* ds46-tepd: the DSTM border router (TEP, dstm-04 4.1, 5.2, 7).  IPv4 in
 * IPv6 (next header 4) arriving on the TEP address is decapsulated and
 * forwarded into the IPv4 world through a TUN; replies, routed into the TUN
 * by the pool routes, are encapsulated to the host that holds the address.
 * The tunnel engine moves the packets; this daemon configures the kernel
 * side (TUN, address, routes, forwarding) and programs the engine's bindings
 * from the DSTM server's lease store (tep.c).  Manual: docs/man/ds46-tepd.8.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine.h"
#include "dataplane/engine_io.h"
#include "dstm/tep.h"
#include "dstm/tep_config.h"
#include "os/netlink.h"
#include "os/sysctl.h"

#define TEPD_DEFAULT_CONF "/etc/ds46/tepd.conf"

static int cfg_load_any(const char *path, void **out, char *err, size_t errlen)
{
	return tep_cfg_load(path, (struct tep_cfg **)out, err, errlen);
}
static void cfg_print_any(FILE *f, const void *c)
{
	tep_cfg_print(f, c);
}
static void cfg_free_any(void *c)
{
	tep_cfg_free(c);
}
static int cfg_level(const void *c)
{
	return ((const struct tep_cfg *)c)->log_level;
}
static const struct daemon_cfg_ops cfg_ops = { cfg_load_any, cfg_print_any, cfg_free_any,
					       cfg_level };

struct tepd {
	const struct tep_cfg *cfg;
	struct dp_engine e;
	struct event_base *base;
	struct dp_io *io;
	struct nl nl;
	bool nl_open;
	int ifindex;
	bool routes_added[TEP_CFG_MAX_ROUTES];
	struct tep tep;
	bool tep_open;
	struct tep_ctl *ctl;
	struct event *ev_follow, *ev_term, *ev_int, *ev_hup;
};

static void on_follow(evutil_socket_t fd, short what, void *arg)
{
	struct tepd *d = arg;
	(void)fd;
	(void)what;
	tep_sync(&d->tep, now_wall());
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct tepd *d = arg;
	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading every lease from the store (configuration changes "
			 "need a restart)");
		tep_reload(&d->tep);
		tep_sync(&d->tep, now_wall());
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(d->base);
}

static int add_signal(struct tepd *d, struct event **ev, int sig)
{
	*ev = evsignal_new(d->base, sig, on_signal, d);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -ENOMEM;
}

static void on_mtu_changed(void *ctx, uint16_t mtu)
{
	(void)ctx;
	/* One tunnel MTU for every host (engine.h): larger IPv4 packets with
	 * DF get ICMPv4 fragmentation needed from the engine. */
	log_info("tunnel MTU lowered to %u by an ICMPv6 Packet Too Big", mtu);
}

/* IPv4 forwarding for the decapsulated packets and the replies.  rp_filter
 * off on the TUN: the engine already checks every decapsulated source
 * against the lease's host (stricter than reverse-path filtering), and a
 * kernel drop would be silent (counted nowhere ds46 shows) for sources
 * outside the configured routes, e.g. with learn mode.  The TUN carries
 * IPv4 only: no IPv6 on it (no link-local, no router solicitations). */
static int setup_forwarding(const char *tun)
{
	char path[128];
	int r, all;

	r = sysctl_write("/proc/sys/net/ipv4/ip_forward", "1");
	if (r < 0) {
		log_err("net.ipv4.ip_forward: %s", strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", tun);
	r = sysctl_write(path, "1");
	if (r < 0) {
		log_err("%s: %s", path, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", tun);
	r = sysctl_write(path, "0");
	if (r < 0)
		log_warn("%s: %s", path, strerror(-r));
	/* the kernel applies max(all, interface) */
	if ((all = sysctl_read_int("/proc/sys/net/ipv4/conf/all/rp_filter")) > 0)
		log_info("net.ipv4.conf.all.rp_filter is %d: decapsulated packets from sources "
			 "outside the routes into %s will be dropped by the kernel",
			 all, tun);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", tun);
	r = sysctl_write(path, "1");
	if (r < 0 && r != -ENOENT)
		log_debug("%s: %s", path, strerror(-r));
	return 0;
}

static void route_of(const struct tepd *d, unsigned i, struct nl_route *rt)
{
	const struct tep_cfg_route *cr = &d->cfg->routes[i];

	memset(rt, 0, sizeof(*rt));
	rt->family = AF_INET;
	nl_addr_set4(&rt->dst, (struct in_addr){ .s_addr = htonl(cr->addr) });
	rt->dst_len = cr->plen;
	nl_addr_set4(&rt->prefsrc, (struct in_addr){ .s_addr = htonl(d->cfg->ipv4_address) });
	rt->oif = d->ifindex;
}

/* The TUN up, its MTU, the ICMPv4 source as a /32, the pools routed into
 * it.  Everything tolerates what an earlier run (kill -9) left behind. */
static int setup_tun(struct tepd *d)
{
	const struct tep_cfg *cfg = d->cfg;
	struct nl_addr a4;
	char a[ADDR4_STRLEN];
	int r;

	r = nl_open(&d->nl);
	if (r < 0) {
		log_err("netlink: %s", strerror(-r));
		return r;
	}
	d->nl_open = true;
	d->ifindex = dp_io_tun(d->io)->ifindex;
	r = nl_link_set_mtu(&d->nl, d->ifindex, cfg->tunnel_mtu);
	if (r == 0)
		r = nl_link_set_up(&d->nl, d->ifindex, true);
	if (r < 0) {
		log_err("%s: %s", cfg->tun, strerror(-r));
		return r;
	}
	nl_addr_set4(&a4, (struct in_addr){ .s_addr = htonl(cfg->ipv4_address) });
	r = nl_addr_add(&d->nl, d->ifindex, &a4, 32, 0);
	if (r < 0 && r != -EEXIST) {
		log_err("%s: adding %s/32: %s", cfg->tun, fmt_in4(cfg->ipv4_address, a),
			strerror(-r));
		return r;
	}
	r = setup_forwarding(cfg->tun);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		struct nl_route rt;

		route_of(d, i, &rt);
		/* replace: a route left by an earlier run, or to another
		 * device, now points here */
		r = nl_route_replace(&d->nl, &rt);
		if (r < 0) {
			log_err("route %s/%u dev %s: %s", fmt_in4(cfg->routes[i].addr, a),
				cfg->routes[i].plen, cfg->tun, strerror(-r));
			return r;
		}
		d->routes_added[i] = true;
	}
	return 0;
}

static void teardown_routes(struct tepd *d)
{
	char a[ADDR4_STRLEN];

	for (unsigned i = 0; i < d->cfg->n_routes; i++) {
		struct nl_route rt;
		int r;

		if (!d->routes_added[i])
			continue;
		route_of(d, i, &rt);
		rt.prefsrc.family = AF_UNSPEC;
		r = nl_route_del(&d->nl, &rt);
		if (r < 0 && r != -ESRCH)
			log_warn("removing route %s/%u: %s", fmt_in4(d->cfg->routes[i].addr, a),
				 d->cfg->routes[i].plen, strerror(-r));
	}
}

static void engine_setup(struct dp_engine *e, const struct tep_cfg *cfg)
{
	e->icmp_src = cfg->ipv4_address;
	e->tunnel_mtu = cfg->tunnel_mtu;
	e->mss_clamp = cfg->mss_clamp;
	e->tclass_copy = cfg->tclass_copy;
	e->tclass = cfg->tclass;
	e->learn = cfg->learn;
	e->learn_lifetime = cfg->learn_lifetime;
	e->now = (uint32_t)now_wall();
}

int main(int argc, char **argv)
{
	struct daemon_args args;
	struct tepd d = { 0 };
	struct tep_cfg *cfg = NULL;
	struct timeval tv;
	char a6[ADDR6_STRLEN], a4[ADDR4_STRLEN];
	int r, rc = 1;

	rc = daemon_start(argc, argv, "ds46-tepd", TEPD_DEFAULT_CONF, &cfg_ops, &args, (void **)&cfg);
	if (rc >= 0)
		return rc;
	rc = 1;
	d.cfg = cfg;

	if (cfg->learn)
		log_warn("learn = true (dstm-04 5.2): any IPv6 host may claim any IPv4 source "
			 "without a binding and receive its replies; use only where every host "
			 "is trusted");
	if (cfg->n_routes == 0)
		log_warn("no routes: replies reach %s only through routes set up elsewhere",
			 cfg->tun);
	r = dp_init(&d.e, DP_ROLE_DSTM_TEP, 1024);
	if (r < 0) {
		log_err("engine: %s", strerror(-r));
		goto out;
	}
	engine_setup(&d.e, cfg);
	d.base = event_base_new();
	if (!d.base)
		goto out;
	struct dp_io_config ioc = {
		.tun_name = cfg->tun,
		.has_bind = true,
		.bind_addr = cfg->address,
		.mtu_changed = on_mtu_changed,
		.ctx = &d,
		.offload = cfg->offload,
	};
	r = dp_io_open(&d.e, d.base, &ioc, &d.io);
	if (r < 0) {
		if (r == -EADDRNOTAVAIL)
			log_err("the TEP address %s is not configured on any interface of this "
				"host (tepd.conf(5), address)",
				fmt_in6(&cfg->address, a6));
		goto out;
	}
	r = setup_tun(&d);
	if (r < 0)
		goto out;
	r = tep_open(&d.tep, &d.e, cfg->store);
	if (r < 0) {
		log_err("store %s: %s", cfg->store, strerror(-r));
		goto out;
	}
	d.tep_open = true;
	tep_sync(&d.tep, now_wall());
	r = tep_ctl_open(&d.tep, d.base, cfg->control_socket, &d.ctl);
	if (r < 0) {
		log_err("control socket %s: %s", cfg->control_socket, strerror(-r));
		goto out;
	}
	tv = (struct timeval){ .tv_sec = cfg->follow_interval_ms / 1000,
			       .tv_usec = (cfg->follow_interval_ms % 1000) * 1000 };
	d.ev_follow = event_new(d.base, -1, EV_PERSIST, on_follow, &d);
	if (!d.ev_follow || event_add(d.ev_follow, &tv) < 0 ||
	    add_signal(&d, &d.ev_term, SIGTERM) < 0 || add_signal(&d, &d.ev_int, SIGINT) < 0 ||
	    add_signal(&d, &d.ev_hup, SIGHUP) < 0)
		goto out;
	log_info("ready: TEP %s, %s (%s/32, MTU %u), %u route(s), %u binding(s), store %s, "
		 "control %s%s",
		 fmt_in6(&cfg->address, a6), cfg->tun, fmt_in4(cfg->ipv4_address, a4),
		 cfg->tunnel_mtu, cfg->n_routes, d.e.bindings.count, cfg->store,
		 cfg->control_socket, cfg->learn ? ", learning" : "");
	event_base_dispatch(d.base);
	rc = 0;
out:
	if (d.ctl)
		tep_ctl_close(d.ctl);
	struct event *evs[] = { d.ev_follow, d.ev_term, d.ev_int, d.ev_hup };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (d.tep_open)
		tep_close(&d.tep);
	if (d.nl_open) {
		teardown_routes(&d);
		nl_close(&d.nl);
	}
	if (d.io)
		dp_io_close(d.io);
	if (d.base)
		event_base_free(d.base);
	dp_free(&d.e);
	tep_cfg_free(cfg);
	return rc;
}
