/* What every ds46 daemon's main does first: the command line (-c file,
 * -n [-v], -s, -d, -h), logging, and loading the configuration, with the
 * check mode of STYLE 10 (-n: exit 0, or 1 with file:line; -n -v: print the
 * normalised configuration). */
#ifndef DS46_COMMON_DAEMON_H
#define DS46_COMMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct daemon_cfg_ops {
	/* the daemon's configuration type, behind void */
	int (*load)(const char *path, void **out, char *err, size_t errlen);
	void (*print)(FILE *f, const void *cfg);
	void (*free)(void *cfg);
	int (*log_level)(const void *cfg);
};

struct daemon_args {
	const char *conf;
	bool use_syslog, debug;
};

/* Returns -1 with *cfg loaded and logging set up when the daemon is to run;
 * otherwise the exit status (check mode, help, bad usage or configuration). */
int daemon_start(int argc, char **argv, const char *prog, const char *default_conf,
		 const struct daemon_cfg_ops *ops, struct daemon_args *a, void **cfg);

#endif
