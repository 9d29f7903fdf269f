/* ds46-hostd: the DSTM host daemon (dstm-04 5, 6.1.3, 6.3): a DHCPv6 client
 * that borrows an IPv4 address and a TEP, and the DTI that carries IPv4 in
 * IPv6 to the TEP. */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/util.h"
#include "dstm/host.h"
#include "dstm/host_config.h"

#define HOSTD_DEFAULT_CONF "/etc/ds46/hostd.conf"

static int load(const char *path, void **out, char *err, size_t errlen)
{
	return host_cfg_load(path, (struct host_cfg **)out, err, errlen);
}
static void print(FILE *f, const void *c)
{
	host_cfg_print(f, c);
}
static void release(void *c)
{
	host_cfg_free(c);
}
static int level(const void *c)
{
	return ((const struct host_cfg *)c)->log_level;
}
static const struct daemon_cfg_ops cfg_ops = { load, print, release, level };

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	struct daemon_args args;
	struct host_cfg *cfg = NULL;
	struct event_base *base = NULL;
	struct event *ev_term = NULL, *ev_int = NULL;
	struct host h;
	bool opened = false;
	int r, rc = 1;

	rc = daemon_start(argc, argv, "ds46-hostd", HOSTD_DEFAULT_CONF, &cfg_ops, &args,
			  (void **)&cfg);
	if (rc >= 0)
		return rc;
	rc = 1;
	base = event_base_new();
	if (!base)
		goto out;
	ev_term = evsignal_new(base, SIGTERM, on_signal, base);
	ev_int = evsignal_new(base, SIGINT, on_signal, base);
	if (!ev_term || !ev_int || event_add(ev_term, NULL) < 0 || event_add(ev_int, NULL) < 0)
		goto out;
	r = host_open(&h, cfg, base);
	opened = true;
	if (r < 0) {
		log_err("cannot start: %s", strerror(-r));
		goto out;
	}
	log_info("ready: DTI %s, uplink %s", cfg->dti, cfg->uplink);
	event_base_dispatch(base);
	rc = 0;
out:
	if (opened)
		host_close(&h);
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	if (base)
		event_base_free(base);
	host_cfg_free(cfg);
	return rc;
}
