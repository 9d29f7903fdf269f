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

#include "common/log.h"
#include "common/util.h"
#include "dstm/host.h"
#include "dstm/host_config.h"

#define HOSTD_DEFAULT_CONF "/etc/ds46/hostd.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ds46-hostd [-c file] [-n [-v]] [-s] [-d]\n"
		"  -c file  configuration (default " HOSTD_DEFAULT_CONF ")\n"
		"  -n       check the configuration and exit (non-zero with file:line on error)\n"
		"  -v       with -n: print the normalised configuration\n"
		"  -s       log to syslog instead of stderr\n"
		"  -d       debug logging\n");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	const char *conf = HOSTD_DEFAULT_CONF;
	bool check = false, verbose = false, use_syslog = false, debug = false;
	struct host_cfg *cfg = NULL;
	struct event_base *base = NULL;
	struct event *ev_term = NULL, *ev_int = NULL;
	struct host h;
	bool opened = false;
	char err[512];
	int c, r, rc = 1;

	while ((c = getopt(argc, argv, "c:nvsdh")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'n': check = true; break;
		case 'v': verbose = true; break;
		case 's': use_syslog = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("ds46-hostd", use_syslog, debug ? LOG_DEBUG : LOG_INFO);
	r = host_cfg_load(conf, &cfg, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		if (verbose)
			host_cfg_print(stdout, cfg);
		else
			fprintf(stderr, "%s: configuration OK\n", conf);
		host_cfg_free(cfg);
		return 0;
	}
	if (!debug)
		log_set_level(cfg->log_level);
	signal(SIGPIPE, SIG_IGN);
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
