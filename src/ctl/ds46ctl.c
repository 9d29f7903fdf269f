/* ds46ctl: talk to a ds46 daemon over its control socket.
 *
 *   ds46ctl [-s PATH] [--json] COMMAND [ARGS]
 *
 * One subcommand per file (src/ctl/ctl_cmd_*.c), dispatched from the table
 * below as in WireGuard's wg(8).  Each sends one request (ctl_proto.h),
 * reads the whole answer and prints it as a table, or as JSON with --json.
 * The manual is docs/man/ds46ctl.8.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_client.h"

/* How long the daemon may stay silent before we give up. */
#define CTL_CLIENT_TIMEOUT_S 10

static const struct ctl_subcommand subcommands[] = {
	{ "leases", "[--limit N]", "List leases", ctl_cmd_leases },
	{ "pools", "", "Show address pool usage", ctl_cmd_pools },
	{ "bindings", "[--limit N]", "List the border router's tunnel bindings (ds46-tepd)", ctl_cmd_bindings },
	{ "mobility", "[--limit N]",
	  "Mobile IPv4: the home agent's bindings or the mobile node's registration",
	  ctl_cmd_mobility },
	{ "visitors", "[--limit N]", "Mobile IPv4: the foreign agent's visitor list (ds46-fad)",
	  ctl_cmd_visitors },
	{ "stats", "", "Show the daemon's counters", ctl_cmd_stats },
	{ "release", "ADDR", "Release the lease of an address", ctl_cmd_release },
	{ "reconfigure", "ADDR | --duid HEX", "Send a Reconfigure to a client",
	  ctl_cmd_reconfigure },
	{ "ping", "", "Check that the daemon answers", ctl_cmd_ping },
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [-s PATH] [--json] COMMAND [ARGS]\n\n", prog);
	fprintf(f, "Options:\n"
		   "  -s, --socket PATH  control socket (default %s)\n"
		   "  -j, --json         print the daemon's JSON answer\n"
		   "  -h, --help         show this help\n\n",
		CTL_DEFAULT_SOCKET);
	fprintf(f, "Commands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		char syn[64];
		snprintf(syn, sizeof(syn), "%s %s", subcommands[i].name, subcommands[i].args);
		fprintf(f, "  %-32s %s\n", syn, subcommands[i].help);
	}
}

int ctl_client_usage(struct ctl_client *c, const char *cmd)
{
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(subcommands[i].name, cmd) == 0)
			fprintf(stderr, "Usage: %s [-s PATH] [--json] %s %s\n", c->prog, cmd,
				subcommands[i].args);
	return CTL_EXIT_USAGE;
}

/* ---- talking to the daemon ---------------------------------------------- */

static int ctl_connect(struct ctl_client *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_CLIENT_TIMEOUT_S };
	int fd;

	if (strlen(c->socket) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", c->prog, c->socket);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, c->socket, strlen(c->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", c->prog, strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;
		fprintf(stderr, "%s: cannot connect to %s: %s%s\n", c->prog, c->socket,
			strerror(e),
			e == ENOENT || e == ECONNREFUSED ? " (is the daemon running?)" : "");
		close(fd);
		return -e;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read until EOF, at most CTL_RESP_MAX bytes.  *out is malloc'ed and
 * NUL-terminated. */
static int recv_all(int fd, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1), *nb;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= CTL_RESP_MAX) {
				free(buf);
				return -EMSGSIZE;
			}
			cap = cap * 2 > CTL_RESP_MAX ? CTL_RESP_MAX : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		ssize_t n = recv(fd, buf + len, cap - len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int ctl_client_limit_args(struct ctl_client *c, int argc, char **argv, uint64_t *limit)
{
	*limit = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if ((strcmp(argv[i], "--limit") != 0 && strcmp(argv[i], "-n") != 0) || !s)
			return ctl_client_usage(c, argv[0]);
		errno = 0;
		unsigned long long v = *s && *s != '-' ? strtoull(s, &end, 10) : 0;
		if (!*s || *s == '-' || errno || *end) {
			fprintf(stderr, "%s: %s: bad limit \"%s\"\n", c->prog, argv[0], s);
			return CTL_EXIT_USAGE;
		}
		*limit = v;
		i++;
	}
	return CTL_EXIT_OK;
}

int ctl_client_query(struct ctl_client *c, const struct ctl_req *req, const char *key,
		     enum json_type type, struct json_object **resp,
		     struct json_object **member)
{
	int ret = ctl_client_call(c, req, resp);
	if (ret != CTL_EXIT_OK || c->json) {
		if (*resp)
			json_object_put(*resp);
		*resp = NULL;
		return ret == CTL_EXIT_OK ? CTL_EXIT_DONE : ret;
	}
	if (!json_object_object_get_ex(*resp, key, member) ||
	    !json_object_is_type(*member, type)) {
		fprintf(stderr, "%s: %s: malformed answer\n", c->prog, ctl_cmd_name(req->cmd));
		json_object_put(*resp);
		*resp = NULL;
		return CTL_EXIT_UNREACHABLE;
	}
	return CTL_EXIT_OK;
}

int ctl_client_call(struct ctl_client *c, const struct ctl_req *req,
		    struct json_object **resp)
{
	char line[512];
	char *buf = NULL;
	size_t len = 0;
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL, *ok;
	const char *cmd = ctl_cmd_name(req->cmd);
	int fd, r, n, ret = CTL_EXIT_UNREACHABLE;

	*resp = NULL;
	n = ctl_req_format(req, line, sizeof(line));
	if (n < 0) {
		fprintf(stderr, "%s: cannot encode the request: %s\n", c->prog, strerror(-n));
		return CTL_EXIT_USAGE;
	}
	fd = ctl_connect(c);
	if (fd < 0)
		return CTL_EXIT_UNREACHABLE;
	r = send_all(fd, line, (size_t)n);
	if (r < 0) {
		fprintf(stderr, "%s: sending to %s: %s\n", c->prog, c->socket, strerror(-r));
		goto out;
	}
	shutdown(fd, SHUT_WR);
	r = recv_all(fd, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "%s: reading from %s: %s\n", c->prog, c->socket,
			r == -EMSGSIZE ? "answer too large" : strerror(-r));
		goto out;
	}
	if (len == 0) {
		fprintf(stderr, "%s: %s closed the connection without an answer\n", c->prog,
			c->socket);
		goto out;
	}
	tok = json_tokener_new();
	if (!tok)
		goto out;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		fprintf(stderr, "%s: malformed answer from %s\n", c->prog, c->socket);
		goto out;
	}
	if (c->json)
		printf("%s\n", json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!json_object_get_boolean(ok)) {
		const char *e = ctl_json_str(o, "error");
		fprintf(stderr, "%s: %s: %s\n", c->prog, cmd, e ? e : "failed");
		ret = CTL_EXIT_FAIL;
		goto out;
	}
	*resp = o;
	o = NULL;
	ret = CTL_EXIT_OK;
out:
	if (o)
		json_object_put(o);
	if (tok)
		json_tokener_free(tok);
	free(buf);
	close(fd);
	return ret;
}

/* ---- answer helpers ------------------------------------------------------ */

const char *ctl_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

long long ctl_json_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return (long long)json_object_get_int64(v);
}

unsigned long long ctl_json_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return (unsigned long long)json_object_get_uint64(v);
}

bool ctl_json_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return false;
	return json_object_get_boolean(v);
}

void ctl_fmt_remaining(char *buf, size_t len, long long rem)
{
	if (rem < 0)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%llds", rem);
}

void ctl_fmt_str_array(char *buf, size_t len, struct json_object *o, const char *key)
{
	struct json_object *arr;
	size_t off = 0;

	buf[0] = '\0';
	if (o && json_object_object_get_ex(o, key, &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(arr) && off < len; i++) {
			const char *p = json_object_get_string(json_object_array_get_idx(arr, i));
			int n = snprintf(buf + off, len - off, "%s%s", i ? "," : "", p ? p : "?");
			if (n < 0)
				break;
			off += (size_t)n;
		}
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* ---- tables -------------------------------------------------------------- */

void ctl_table_init(struct ctl_table *t, size_t ncols, const char *const *cols)
{
	memset(t, 0, sizeof(*t));
	if (ncols > CTL_TABLE_MAX_COLS)
		ncols = CTL_TABLE_MAX_COLS;
	t->ncols = ncols;
	for (size_t i = 0; i < ncols; i++) {
		t->right[i] = cols[i][0] == '>';
		t->head[i] = cols[i] + t->right[i];
		t->width[i] = strlen(t->head[i]);
	}
}

int ctl_table_add(struct ctl_table *t, const char *const *row)
{
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		char **nc = realloc(t->cells, ncap * t->ncols * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		t->cells = nc;
		t->cap = ncap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		char *s = strdup(row[i] ? row[i] : "-");
		if (!s) {
			for (size_t j = 0; j < i; j++)
				free(t->cells[t->nrows * t->ncols + j]);
			return -ENOMEM;
		}
		/* a cell never breaks the layout */
		for (char *p = s; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		t->cells[t->nrows * t->ncols + i] = s;
		if (strlen(s) > t->width[i])
			t->width[i] = strlen(s);
	}
	t->nrows++;
	return 0;
}

static void print_row(const struct ctl_table *t, const char *const *row)
{
	for (size_t i = 0; i < t->ncols; i++) {
		int w = (int)t->width[i];
		bool last = i + 1 == t->ncols;

		if (t->right[i])
			printf("%*s", w, row[i]);
		else if (last)
			printf("%s", row[i]);
		else
			printf("%-*s", w, row[i]);
		printf(last ? "\n" : "  ");
	}
}

void ctl_table_print(const struct ctl_table *t)
{
	print_row(t, t->head);
	for (size_t r = 0; r < t->nrows; r++)
		print_row(t, (const char *const *)&t->cells[r * t->ncols]);
}

void ctl_table_free(struct ctl_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_client c = {
		.prog = "ds46ctl",
		.socket = CTL_DEFAULT_SOCKET,
	};
	int opt;

	/* '+': options after the command belong to the command. */
	while ((opt = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			c.socket = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			usage(stdout, c.prog);
			return CTL_EXIT_OK;
		default:
			usage(stderr, c.prog);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr, c.prog);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout, c.prog);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[optind], subcommands[i].name) == 0) {
			int ret = subcommands[i].fn(&c, argc - optind, argv + optind);
			if (fflush(stdout) != 0 && ret == CTL_EXIT_OK) {
				fprintf(stderr, "%s: writing output: %s\n", c.prog, strerror(errno));
				ret = CTL_EXIT_FAIL;
			}
			return ret;
		}
	}
	fprintf(stderr, "%s: unknown command \"%s\"\n\n", c.prog, argv[optind]);
	usage(stderr, c.prog);
	return CTL_EXIT_USAGE;
}
