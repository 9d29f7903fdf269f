/* ds46-tepd's control socket: a unix stream socket served from the daemon's
 * libevent loop, one JSON request line per connection and one answer, as
 * the DSTM server's (dstm/server_ctl.c).  Requests are decoded by
 * ctl_req_parse (ctl/ctl_proto.h, fuzzed); the border router serves ping,
 * stats and bindings, and answers the server's other commands with an
 * error.
 *
 * Limits: the request must arrive within CTL_MSG_MAX bytes and
 * TEPCTL_TIMEOUT_MS; while the answer is written the client must take some
 * of it every TEPCTL_TIMEOUT_MS; at most TEPCTL_MAX_CONNS at once. */
#include "dstm/tep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "wire/ip.h"

#define TEPCTL_TIMEOUT_MS 2000
#define TEPCTL_MAX_CONNS 16
#define TEPCTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* ---- answers ------------------------------------------------------------------- */

/* o serialised plus '\n', malloc'ed; consumes o. */
static char *answer_json(struct json_object *o)
{
	const char *s = o ? json_object_to_json_string_ext(o, TEPCTL_JSON_FLAGS) : NULL;
	char *out = NULL;

	if (s && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	json_object_put(o);
	return out;
}

static char *answer_error(const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return answer_json(o);
}

static char *answer_ok(void)
{
	return strdup("{\"ok\":true}\n");
}

/* One flat object: the engine's counters, its IP parsers' drops as
 * ip_drop_<reason>, then the control plane's counters. */
static char *answer_stats(struct tep *t)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	const struct dp_stats *ds = &t->e->st;

	if (!o || !st) {
		json_object_put(o);
		json_object_put(st);
		return NULL;
	}
	for (size_t i = 0; i < dp_stat_count(); i++)
		json_object_object_add(st, dp_stat_names[i],
				       json_object_new_uint64(dp_stat_get(ds, i)));
	for (int i = IP_DROP_NONE + 1; i < IP_DROP__MAX; i++) {
		char name[64];
		snprintf(name, sizeof(name), "ip_drop_%s", ip_drop_name((enum ip_drop)i));
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		json_object_object_add(st, name, json_object_new_uint64(ds->ip_drops[i]));
	}
	for (size_t i = 0; i < tep_stat_count(); i++)
		json_object_object_add(st, tep_stat_names[i],
				       json_object_new_uint64(tep_stat_get(&t->st, i)));
	json_object_object_add(st, "bindings", json_object_new_uint64(t->e->bindings.count));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stats", st);
	return answer_json(o);
}

struct blist {
	const struct binding **v;
	size_t n, cap;
};

static int collect_binding(const struct binding *b, void *arg)
{
	struct blist *l = arg;

	if (l->n == l->cap)
		return -ENOBUFS;
	l->v[l->n++] = b;
	return 0;
}

static int binding_cmp(const void *a, const void *b)
{
	uint32_t x = (*(const struct binding *const *)a)->v4;
	uint32_t y = (*(const struct binding *const *)b)->v4;
	return x < y ? -1 : x > y;
}

/* Bindings in address order, each serialised on its own so that memory
 * follows the answer's size, not a JSON tree of the whole table. */
static char *answer_bindings(struct tep *t, const struct ctl_req *req, int64_t now)
{
	struct blist l = { .cap = t->e->bindings.count };
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f;
	int r = 0;

	if (l.cap) {
		l.v = calloc(l.cap, sizeof(*l.v));
		if (!l.v)
			return answer_error(strerror(ENOMEM));
	}
	if (binding_foreach(&t->e->bindings, collect_binding, &l) < 0) {
		free(l.v);
		return answer_error("binding table changed while listing");
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), binding_cmp);
	n = req->limit && req->limit < l.n ? (size_t)req->limit : l.n;
	f = open_memstream(&buf, &len);
	if (!f) {
		free(l.v);
		return NULL;
	}
	fputs("{\"ok\":true,\"bindings\":[", f);
	for (size_t i = 0; i < n; i++) {
		const struct binding *b = l.v[i];
		char a4[ADDR4_STRLEN], a6[ADDR6_STRLEN];
		/* -1: never (expires 0) */
		long long rem = !b->expires ? -1
				: (int64_t)b->expires > now ? (long long)((int64_t)b->expires - now)
							    : 0;

		/* addresses are printed by inet_ntop: nothing to escape */
		r = fprintf(f,
			    "%s{\"v4\":\"%s\",\"peer\":\"%s\",\"expires\":%u,\"remaining\":%lld,"
			    "\"pkts_in\":%llu,\"bytes_in\":%llu,\"pkts_out\":%llu,"
			    "\"bytes_out\":%llu}",
			    i ? "," : "", fmt_in4(b->v4, a4), fmt_in6(&b->peer, a6), b->expires,
			    rem,
			    (unsigned long long)b->pkts_in, (unsigned long long)b->bytes_in,
			    (unsigned long long)b->pkts_out, (unsigned long long)b->bytes_out);
		if (r < 0 || (size_t)ftell(f) > CTL_RESP_MAX - 4)
			break;
	}
	fputs("]}\n", f);
	free(l.v);
	if (fclose(f) != 0 || r < 0 || len > CTL_RESP_MAX) {
		free(buf);
		return answer_error(r < 0 ? strerror(ENOMEM) : "answer too large, use \"limit\"");
	}
	return buf;
}

char *tep_ctl_answer(struct tep *t, const char *buf, size_t len, int64_t now)
{
	struct ctl_req req;
	char err[160];
	int r = ctl_req_parse(buf, len, &req, err, sizeof(err));

	if (r == -ENOMEM)
		return NULL;
	if (r < 0) {
		log_rl(LOG_NOTICE, "control: bad request: %s", err);
		return answer_error(err[0] ? err : "bad request");
	}
	switch (req.cmd) {
	case CTL_CMD_PING:
		return answer_ok();
	case CTL_CMD_STATS:
		return answer_stats(t);
	case CTL_CMD_BINDINGS:
		return answer_bindings(t, &req, now);
	case CTL_CMD_LEASES:         /* the DSTM server's */
	case CTL_CMD_POOLS:
	case CTL_CMD_RELEASE:
	case CTL_CMD_RECONFIGURE:
	case CTL_CMD__MAX:
		break;
	}
	return answer_error("command not served by ds46-tepd");
}

/* ---- connections ----------------------------------------------------------------
 * The DSTM server's loop (server_ctl.c) is static to it; this is the same
 * protocol in its smallest form: read one line, answer, close. */

struct tep_conn {
	struct tep_ctl *ctl;
	struct tep_conn *next;
	int fd;
	struct event *ev;
	bool writing;
	uint64_t deadline_ms;
	char *buf;                   /* request, then answer */
	size_t len, cap, off;
};

struct tep_ctl {
	struct tep *t;
	struct event_base *base;
	int fd;
	struct event *accept_ev;
	struct tep_conn *conns;
	size_t n_conns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void conn_free(struct tep_conn *c)
{
	struct tep_conn **pp = &c->ctl->conns;

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	c->ctl->n_conns--;
	if (c->ev)
		event_free(c->ev);
	close(c->fd);
	free(c->buf);
	free(c);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg);

static int conn_arm(struct tep_conn *c, uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000),
			      .tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	event_del(c->ev);
	if (event_assign(c->ev, c->ctl->base, c->fd, c->writing ? EV_WRITE : EV_READ, conn_cb,
			 c) < 0)
		return -EINVAL;
	return event_add(c->ev, &tv) < 0 ? -EINVAL : 0;
}

/* 1: everything written (or the client went away); 0: more to write. */
static int conn_flush(struct tep_conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
		}
		c->off += (size_t)n;
	}
	return 1;
}

static void conn_answer(struct tep_conn *c, char *answer)
{
	free(c->buf);
	c->buf = answer;
	if (!answer) {
		conn_free(c);
		return;
	}
	c->len = strlen(answer);
	c->off = 0;
	c->writing = true;
	if (conn_flush(c) || conn_arm(c, TEPCTL_TIMEOUT_MS) < 0)
		conn_free(c);
}

static void conn_read(struct tep_conn *c)
{
	for (;;) {
		char *nl;
		ssize_t n;

		if (c->len == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 1024;
			char *nb;
			if (c->cap >= CTL_MSG_MAX) {
				conn_answer(c, answer_error("request too long"));
				return;
			}
			nb = realloc(c->buf, MIN(cap, (size_t)CTL_MSG_MAX));
			if (!nb) {
				conn_free(c);
				return;
			}
			c->buf = nb;
			c->cap = MIN(cap, (size_t)CTL_MSG_MAX);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 || (n == 0 && c->len == 0)) {
			conn_free(c);
			return;
		}
		nl = n ? memchr(c->buf + c->len, '\n', (size_t)n) : NULL;
		c->len += (size_t)n;
		if (n == 0 || nl) {  /* EOF also ends a request without '\n' */
			size_t rlen = nl ? (size_t)(nl - c->buf) : c->len;
			conn_answer(c, tep_ctl_answer(c->ctl->t, c->buf, rlen, now_wall()));
			return;
		}
	}
	uint64_t now = now_ms_mono();
	if (now >= c->deadline_ms || conn_arm(c, c->deadline_ms - now) < 0)
		conn_free(c);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tep_conn *c = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		log_rl(LOG_NOTICE, "control: client timed out");
		if (!c->writing) {
			static const char msg[] = "{\"ok\":false,\"error\":\"timeout\"}\n";
			(void)send(c->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		conn_free(c);
	} else if (!c->writing) {
		conn_read(c);
	} else if (conn_flush(c) || conn_arm(c, TEPCTL_TIMEOUT_MS) < 0) {
		conn_free(c);
	}
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct tep_ctl *ctl = arg;

	(void)what;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tep_conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (ctl->n_conns >= TEPCTL_MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
			log_rl(LOG_WARNING, "control: refusing a connection (%zu open)",
			       ctl->n_conns);
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->fd = fd;
		c->deadline_ms = now_ms_mono() + TEPCTL_TIMEOUT_MS;
		c->next = ctl->conns;
		ctl->conns = c;
		ctl->n_conns++;
		c->ev = event_new(ctl->base, fd, EV_READ, conn_cb, c);
		if (!c->ev || conn_arm(c, TEPCTL_TIMEOUT_MS) < 0)
			conn_free(c);
	}
}

/* ---- the listening socket -------------------------------------------------------- */

/* A socket file left by a previous run is removed; one a live daemon
 * listens on, or anything that is not a socket, is not. */
static int remove_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	return unlink(sun->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

int tep_ctl_open(struct tep *t, struct event_base *base, const char *path,
		 struct tep_ctl **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct tep_ctl *ctl;
	char dir[sizeof(sun.sun_path)], *slash;
	mode_t old;
	int r;

	*out = NULL;
	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* the parent directory (/run/ds46), not a whole tree */
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	r = remove_stale(&sun);
	if (r < 0)
		return r;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->t = t;
	ctl->base = base;
	memcpy(ctl->path, path, strlen(path) + 1);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		r = -errno;
		free(ctl);
		return r;
	}
	old = umask(0117);           /* never wider than 0660, even for a moment */
	r = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
	umask(old);
	if (r == 0 && listen(ctl->fd, 16) < 0) {
		r = -errno;
		unlink(path);
	}
	if (r == 0) {
		ctl->accept_ev = event_new(base, ctl->fd, EV_READ | EV_PERSIST, accept_cb, ctl);
		if (!ctl->accept_ev || event_add(ctl->accept_ev, NULL) < 0) {
			r = -ENOMEM;
			unlink(path);
		}
	}
	if (r < 0) {
		if (ctl->accept_ev)
			event_free(ctl->accept_ev);
		close(ctl->fd);
		free(ctl);
		return r;
	}
	log_info("control: listening on %s", path);
	*out = ctl;
	return 0;
}

void tep_ctl_close(struct tep_ctl *ctl)
{
	if (!ctl)
		return;
	while (ctl->conns)
		conn_free(ctl->conns);
	if (ctl->accept_ev)
		event_free(ctl->accept_ev);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}
