/* Shared declarations of ds46ctl (src/ctl/ds46ctl.c) and its subcommands,
 * one per src/ctl/ctl_cmd_*.c file (STYLE 11). */
#ifndef DS46_CTL_CLIENT_H
#define DS46_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "ctl/ctl_proto.h"

#define CTL_DEFAULT_SOCKET "/run/ds46/dstmd.sock"

/* Exit statuses (docs/man/ds46ctl.8.md, EXIT STATUS). */
enum {
	CTL_EXIT_DONE = -1,          /* internal: the answer was printed as JSON */
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,           /* the daemon answered {"ok":false,...} */
	CTL_EXIT_USAGE = 2,          /* bad command line */
	CTL_EXIT_UNREACHABLE = 3,    /* no daemon, timeout or malformed answer */
};

struct ctl_client {
	const char *prog;            /* argv[0] for messages */
	const char *socket;
	bool json;                   /* print the daemon's JSON, pretty */
};

/* One subcommand: argv[0] is its name.  Returns an exit status. */
struct ctl_subcommand {
	const char *name;
	const char *args;            /* synopsis of the arguments, for usage */
	const char *help;
	int (*fn)(struct ctl_client *c, int argc, char **argv);
};

int ctl_cmd_leases(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_pools(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_bindings(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_mobility(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_visitors(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_stats(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_release(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_reconfigure(struct ctl_client *c, int argc, char **argv);
int ctl_cmd_ping(struct ctl_client *c, int argc, char **argv);

/* Send req, read the whole answer and parse it.  On success returns
 * CTL_EXIT_OK with *resp holding {"ok":true,...} (json_object_put it).
 * With --json the answer is printed (also when it reports an error).  An
 * error answer or a failure is reported on stderr and its exit status
 * returned. */
int ctl_client_call(struct ctl_client *c, const struct ctl_req *req,
		    struct json_object **resp);

/* ctl_client_call for commands that print a table: returns CTL_EXIT_OK with
 * *resp and *member (the answer's `key`, of type `type`) only when a table
 * is to be printed; otherwise (--json, an error, a malformed answer) the
 * exit status with nothing to free. */
int ctl_client_query(struct ctl_client *c, const struct ctl_req *req, const char *key,
		     enum json_type type, struct json_object **resp,
		     struct json_object **member);

/* The arguments of a listing command: none, or --limit N (-n N).  Returns
 * CTL_EXIT_OK with *limit set (0: all), or the usage exit status. */
int ctl_client_limit_args(struct ctl_client *c, int argc, char **argv, uint64_t *limit);

/* Print a usage line for a subcommand on stderr; returns CTL_EXIT_USAGE. */
int ctl_client_usage(struct ctl_client *c, const char *cmd);

/* Typed getters for members of an answer: missing or mistyped members read
 * as NULL / 0, so a newer daemon's additions do not break an older client. */
const char *ctl_json_str(struct json_object *o, const char *key);
long long ctl_json_int(struct json_object *o, const char *key);
unsigned long long ctl_json_u64(struct json_object *o, const char *key);
bool ctl_json_bool(struct json_object *o, const char *key);
/* "1234s" from a remaining lifetime in seconds, "never" for -1 (an
 * infinite Mobile IPv4 lifetime, RFC 5944 3.3). */
void ctl_fmt_remaining(char *buf, size_t len, long long rem);
/* "a,b,c" from an array of strings o[key], or "-" when absent or empty. */
void ctl_fmt_str_array(char *buf, size_t len, struct json_object *o, const char *key);

/* Column-aligned text tables, as in "wg show" or "ip -br". */
#define CTL_TABLE_MAX_COLS 12
struct ctl_table {
	size_t ncols;
	const char *head[CTL_TABLE_MAX_COLS];
	bool right[CTL_TABLE_MAX_COLS];      /* right-align (numbers) */
	size_t width[CTL_TABLE_MAX_COLS];
	size_t nrows, cap;
	char **cells;                        /* nrows * ncols, malloc'ed */
};
/* cols: header names; a name starting with '>' is right-aligned. */
void ctl_table_init(struct ctl_table *t, size_t ncols, const char *const *cols);
/* Append a row of ncols strings (copied). */
int ctl_table_add(struct ctl_table *t, const char *const *row);
void ctl_table_print(const struct ctl_table *t);
void ctl_table_free(struct ctl_table *t);

#endif
