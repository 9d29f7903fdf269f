#include "common/daemon.h"

#include <signal.h>
#include <unistd.h>

#include "common/log.h"

static void usage(FILE *f, const char *prog, const char *default_conf)
{
	fprintf(f,
		"usage: %s [-c file] [-n [-v]] [-s] [-d]\n"
		"  -c file  configuration (default %s)\n"
		"  -n       check the configuration and exit (non-zero with file:line on error)\n"
		"  -v       with -n: print the normalised configuration\n"
		"  -s       log to syslog instead of stderr\n"
		"  -d       debug logging\n",
		prog, default_conf);
}

int daemon_start(int argc, char **argv, const char *prog, const char *default_conf,
		 const struct daemon_cfg_ops *ops, struct daemon_args *a, void **cfg)
{
	bool check = false, verbose = false;
	char err[512];
	int c;

	a->conf = default_conf;
	a->use_syslog = a->debug = false;
	*cfg = NULL;
	while ((c = getopt(argc, argv, "c:nvsdh")) != -1) {
		switch (c) {
		case 'c': a->conf = optarg; break;
		case 'n': check = true; break;
		case 'v': verbose = true; break;
		case 's': a->use_syslog = true; break;
		case 'd': a->debug = true; break;
		case 'h': usage(stdout, prog, default_conf); return 0;
		default: usage(stderr, prog, default_conf); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, prog, default_conf);
		return 2;
	}
	log_init(prog, a->use_syslog, a->debug ? LOG_DEBUG : LOG_INFO);
	if (ops->load(a->conf, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		if (verbose)
			ops->print(stdout, *cfg);
		else
			fprintf(stderr, "%s: configuration OK\n", a->conf);
		ops->free(*cfg);
		*cfg = NULL;
		return 0;
	}
	if (!a->debug)
		log_set_level(ops->log_level(*cfg));
	signal(SIGPIPE, SIG_IGN);
	return -1;
}
