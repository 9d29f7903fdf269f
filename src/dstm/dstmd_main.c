/* ds46-dstmd: the DSTM address server (DHCPv6 + IPv4 Global Address option). */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/util.h"
#include "dstm/config.h"
#include "dstm/server.h"
#include "dstm/server_ctl.h"
#include "dstm/server_io.h"

#define DSTMD_DEFAULT_CONF "/etc/ds46/dstmd.conf"

static int cfg_load_any(const char *path, void **out, char *err, size_t errlen)
{
	return cfg_load(path, (struct cfg **)out, err, errlen);
}
static void cfg_print_any(FILE *f, const void *c)
{
	cfg_print(f, c);
}
static void cfg_free_any(void *c)
{
	cfg_free(c);
}
static int cfg_level(const void *c)
{
	return ((const struct cfg *)c)->server.log_level;
}
static const struct daemon_cfg_ops cfg_ops = { cfg_load_any, cfg_print_any, cfg_free_any,
					       cfg_level };

struct dstmd {
	struct server srv;
	struct event_base *base;
	struct event *ev_reclaim, *ev_tick, *ev_term, *ev_int, *ev_hup;
	struct server_io *io;
	struct server_ctl *ctl;
};

static void on_reclaim(evutil_socket_t fd, short what, void *arg)
{
	struct dstmd *d = arg;
	(void)fd;
	(void)what;
	d->srv.now = now_wall();
	int n = server_reclaim(&d->srv);
	if (n < 0)
		log_err("reclaim: %s", strerror(-n));
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct dstmd *d = arg;
	(void)fd;
	(void)what;
	server_tick(&d->srv, now_ms_mono());
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct dstmd *d = arg;
	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: configuration reload needs a restart; leases are kept across it");
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(d->base);
}

static int add_timer(struct dstmd *d, struct event **ev, unsigned ms, event_callback_fn fn)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	*ev = event_new(d->base, -1, EV_PERSIST, fn, d);
	return *ev && event_add(*ev, &tv) == 0 ? 0 : -ENOMEM;
}

static int add_signal(struct dstmd *d, struct event **ev, int sig)
{
	*ev = evsignal_new(d->base, sig, on_signal, d);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
	struct daemon_args args;
	struct dstmd d = { 0 };
	struct cfg *cfg = NULL;
	int r, rc = 1;

	rc = daemon_start(argc, argv, "ds46-dstmd", DSTMD_DEFAULT_CONF, &cfg_ops, &args, (void **)&cfg);
	if (rc >= 0)
		return rc;
	rc = 1;

	d.base = event_base_new();
	if (!d.base)
		goto out;
	r = server_init(&d.srv, cfg);
	if (r < 0) {
		log_err("cannot start: %s", strerror(-r));
		goto out;
	}
	r = server_io_open(&d.srv, d.base, &d.io);
	if (r < 0)
		goto out;
	r = server_ctl_open(&d.srv, d.base, cfg->server.control_socket, &d.ctl);
	if (r < 0) {
		log_err("control socket %s: %s", cfg->server.control_socket, strerror(-r));
		goto out;
	}
	if (add_timer(&d, &d.ev_reclaim, cfg->server.reclaim_interval * 1000u, on_reclaim) < 0 ||
	    add_timer(&d, &d.ev_tick, 250, on_tick) < 0 || add_signal(&d, &d.ev_term, SIGTERM) < 0 ||
	    add_signal(&d, &d.ev_int, SIGINT) < 0 || add_signal(&d, &d.ev_hup, SIGHUP) < 0)
		goto out;
	/* Leases whose time passed while the server was down go first. */
	on_reclaim(-1, 0, &d);
	log_info("ready: %zu leases, port %u, %u interface(s), control %s", d.srv.leases.count,
		 cfg->server.port, cfg->server.n_interfaces, cfg->server.control_socket);
	event_base_dispatch(d.base);
	rc = 0;
out:
	if (d.ctl)
		server_ctl_close(d.ctl);
	if (d.io)
		server_io_close(d.io);
	struct event *evs[] = { d.ev_reclaim, d.ev_tick, d.ev_term, d.ev_int, d.ev_hup };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (d.srv.cfg)
		server_free(&d.srv);
	if (d.base)
		event_base_free(d.base);
	cfg_free(cfg);
	return rc;
}
