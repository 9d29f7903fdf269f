/* ds46-fad: the Dual-Stack Mobile IPv4 foreign agent (RFC 5944 2.3 and
 * 3.7, RFC 3024, RFC 5454 3.4).  Agent advertisements and registrations
 * on the visitor links, relayed to and from the home agents (fa_reg.c);
 * fa.c programs the tunnel engine and the kernel for each visitor.
 * Manual: docs/man/ds46-fad.8.md. */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/util.h"
#include "mip4/fa.h"
#include "mip4/fa_config.h"

#define FAD_DEFAULT_CONF "/etc/ds46/fad.conf"

static int cfg_load_any(const char *path, void **out, char *err, size_t errlen)
{
	return fad_cfg_load(path, (struct fad_cfg **)out, err, errlen);
}
static void cfg_print_any(FILE *f, const void *c)
{
	fad_cfg_print(f, c);
}
static void cfg_free_any(void *c)
{
	fad_cfg_free(c);
}
static int cfg_level(const void *c)
{
	return ((const struct fad_cfg *)c)->log_level;
}
static const struct daemon_cfg_ops cfg_ops = { cfg_load_any, cfg_print_any, cfg_free_any,
					       cfg_level };

struct fad {
	struct event_base *base;
	struct event *ev_term, *ev_int, *ev_hup;
};

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct fad *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP ignored: configuration changes need a restart");
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(d->base);
}

static int add_signal(struct fad *d, struct event **ev, int sig)
{
	*ev = evsignal_new(d->base, sig, on_signal, d);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
	struct daemon_args args;
	struct fad d = { 0 };
	struct fa *f = NULL;
	struct fad_cfg *cfg = NULL;
	int r, rc;

	rc = daemon_start(argc, argv, "ds46-fad", FAD_DEFAULT_CONF, &cfg_ops, &args,
			  (void **)&cfg);
	if (rc >= 0)
		return rc;
	rc = 1;
	d.base = event_base_new();
	f = calloc(1, sizeof(*f));
	if (!d.base || !f)
		goto out;
	r = fa_open(f, cfg, d.base);
	if (r < 0) {
		log_err("start failed: %s", strerror(-r));
		goto out;
	}
	if (add_signal(&d, &d.ev_term, SIGTERM) < 0 || add_signal(&d, &d.ev_int, SIGINT) < 0 ||
	    add_signal(&d, &d.ev_hup, SIGHUP) < 0)
		goto out;
	log_info("ready: foreign agent on %u link(s), %s, table %u, IPv6 %s, control %s",
		 f->n_links, f->tun_name[0] ? f->tun_name : "no data plane", cfg->table,
		 fa_ipv6_mode_name(cfg->reg.ipv6_mode), cfg->control_socket);
	event_base_dispatch(d.base);
	rc = 0;
out:
	if (f && f->cfg)
		fa_close(f);
	free(f);
	struct event *evs[] = { d.ev_term, d.ev_int, d.ev_hup };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (d.base)
		event_base_free(d.base);
	fad_cfg_free(cfg);
	return rc;
}
