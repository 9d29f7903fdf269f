/* ds46-had: the Dual-Stack Mobile IPv4 home agent (RFC 5944, RFC 5454).
 * Registrations arrive on UDP port 434 and go through the registration
 * engine (ha_reg.c); ha.c persists the bindings, probes IPv6 home
 * addresses on the home link, and programs the tunnel engine and the
 * kernel (TUN routes, proxy ARP/ND).  Manual: docs/man/ds46-had.8.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/util.h"
#include "mip4/ha.h"
#include "mip4/ha_config.h"

#define HAD_DEFAULT_CONF "/etc/ds46/had.conf"

static int cfg_load_any(const char *path, void **out, char *err, size_t errlen)
{
	return ha_cfg_load(path, (struct ha_cfg **)out, err, errlen);
}
static void cfg_print_any(FILE *f, const void *c)
{
	ha_cfg_print(f, c);
}
static void cfg_free_any(void *c)
{
	ha_cfg_free(c);
}
static int cfg_level(const void *c)
{
	return ((const struct ha_cfg *)c)->log_level;
}
static const struct daemon_cfg_ops cfg_ops = { cfg_load_any, cfg_print_any, cfg_free_any,
					       cfg_level };

/* The TUN's name ("tunnel-interface", default "mip-ha0"). */
static const char *tun_name(const struct ha_cfg *cfg)
{
	return cfg->tun;
}

struct had {
	struct event_base *base;
	struct event *ev_term, *ev_int, *ev_hup;
};

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct had *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP ignored: configuration changes need a restart (bindings are kept "
			 "in the store)");
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(d->base);
}

static int add_signal(struct had *d, struct event **ev, int sig)
{
	*ev = evsignal_new(d->base, sig, on_signal, d);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
	struct daemon_args args;
	struct had d = { 0 };
	struct ha *h = NULL;
	struct ha_cfg *cfg = NULL;
	char a4[ADDR4_STRLEN];
	int r, rc;

	rc = daemon_start(argc, argv, "ds46-had", HAD_DEFAULT_CONF, &cfg_ops, &args,
			  (void **)&cfg);
	if (rc >= 0)
		return rc;
	rc = 1;
	if (cfg->n_nodes == 0)
		log_warn("no nodes configured: every registration will be refused");
	d.base = event_base_new();
	h = calloc(1, sizeof(*h));
	if (!d.base || !h)
		goto out;
	r = ha_open(h, cfg, d.base, tun_name(cfg));
	if (r < 0) {
		log_err("start failed: %s", strerror(-r));
		goto out;
	}
	if (add_signal(&d, &d.ev_term, SIGTERM) < 0 || add_signal(&d, &d.ev_int, SIGINT) < 0 ||
	    add_signal(&d, &d.ev_hup, SIGHUP) < 0)
		goto out;
	log_info("ready: home agent %s port %u, home link %s, %s (MTU %u), %u node(s), %zu "
		 "binding(s), store %s, control %s",
		 fmt_in4(ntohl(cfg->address), a4), cfg->port, cfg->home_link, h->tun_name,
		 h->tx.mtu ? h->tx.mtu : DP_MIP_LINK_MTU, cfg->n_nodes,
		 ha_reg_binding_count(h->reg), cfg->store, cfg->control_socket);
	event_base_dispatch(d.base);
	rc = 0;
out:
	if (h && h->cfg)
		ha_close(h);
	free(h);
	struct event *evs[] = { d.ev_term, d.ev_int, d.ev_hup };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (d.base)
		event_base_free(d.base);
	ha_cfg_free(cfg);
	return rc;
}
