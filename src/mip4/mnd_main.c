/* ds46-mnd: the Dual-Stack Mobile IPv4 mobile node, co-located, behind a
 * NAT (RFC 3519) or through a foreign agent found by agent discovery (RFC
 * 5944 2.4, 3.6, 4.2.2; RFC 5454 3.5, 3.9).  Manual:
 * docs/man/ds46-mnd.8.md; configuration: docs/mnd.conf.5.md. */
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
#include "mip4/mn.h"
#include "mip4/mn_config.h"

#define MND_DEFAULT_CONF "/etc/ds46/mnd.conf"

static int cfg_load_any(const char *path, void **out, char *err, size_t errlen)
{
	return mn_cfg_load(path, (struct mn_cfg **)out, err, errlen);
}
static void cfg_print_any(FILE *f, const void *c)
{
	mn_cfg_print(f, c);
}
static void cfg_free_any(void *c)
{
	mn_cfg_free(c);
}
static int cfg_level(const void *c)
{
	return ((const struct mn_cfg *)c)->log_level;
}
static const struct daemon_cfg_ops cfg_ops = { cfg_load_any, cfg_print_any, cfg_free_any,
					       cfg_level };

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP ignored: configuration changes need a restart");
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	struct daemon_args args;
	struct mn_cfg *cfg = NULL;
	struct event_base *base = NULL;
	struct event *evs[3] = { NULL, NULL, NULL };
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	struct mn *m = NULL;
	char a[ADDR4_STRLEN], b[ADDR4_STRLEN], c[ADDR4_STRLEN];
	int r, rc;

	rc = daemon_start(argc, argv, "ds46-mnd", MND_DEFAULT_CONF, &cfg_ops, &args, (void **)&cfg);
	if (rc >= 0)
		return rc;
	rc = 1;
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	m = calloc(1, sizeof(*m));
	if (!base || !m)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		evs[i] = evsignal_new(base, sigs[i], on_signal, base);
		if (!evs[i] || event_add(evs[i], NULL) < 0)
			goto out;
	}
	r = mn_open(m, cfg, base);
	if (r < 0) {
		log_err("start failed: %s", strerror(-r));
		goto out;
	}
	log_info("ready: mobile node home %s home agent %s, home interface %s (%s, care-of %s), "
		 "tunnel %s, control %s",
		 cfg->home_addr ? fmt_in4(ntohl(cfg->home_addr), a) : "assigned",
		 fmt_in4(ntohl(cfg->home_agent), b), cfg->home_interface, mn_where_name(m->loc.where),
		 m->loc.where == MN_WHERE_AWAY ? fmt_in4(ntohl(m->loc.coa), c) : "-", m->tun_name,
		 cfg->control_socket);
	event_base_dispatch(base);
	rc = 0;
out:
	if (m)
		mn_close(m);
	free(m);
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (base)
		event_base_free(base);
	mn_cfg_free(cfg);
	return rc;
}
