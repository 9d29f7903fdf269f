/* The DSTM server's control socket: a unix stream socket served from the
 * daemon's libevent loop.  One request line per connection (ctl_proto.h),
 * decoded by ctl_req_parse; the answer is built by server_ctl_answer, which
 * touches no socket so the unit tests call it directly.
 *
 * Limits: a request must arrive, '\n'-terminated and within CTL_MSG_MAX
 * bytes, in CTL_TIMEOUT_MS of the connection being accepted; while the
 * answer is written, the client must take some of it every CTL_TIMEOUT_MS
 * (a long lease list may take longer than that in total).  At most
 * CTL_MAX_CONNS connections are served at once; more are closed at once.
 * Nothing a client sends can stop the daemon: a malformed request gets
 * {"ok":false,"error":"..."} and the connection is closed. */
#include "dstm/server_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"

#define CTL_TIMEOUT_MS 2000
#define CTL_MAX_CONNS 64
#define CTL_BACKLOG 16
#define CTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct ctl_conn {
	struct server_ctl *ctl;
	struct ctl_conn *prev, *next;
	int fd;
	struct event *ev;
	bool writing;
	uint64_t deadline_ms;        /* reading: end of the request window */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
};

struct server_ctl {
	struct server *s;
	struct event_base *base;
	int fd;
	struct event *accept_ev;
	struct ctl_conn *conns;
	size_t n_conns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* ---- answers ----------------------------------------------------------- */

/* A growing output buffer; answers can be large (every lease). */
struct obuf {
	char *p;
	size_t len, cap;
	bool failed;
	bool too_large;              /* would exceed CTL_RESP_MAX */
};

static void obuf_put(struct obuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > CTL_RESP_MAX)
			cap = CTL_RESP_MAX;
		if (b->len + n + 1 > cap) {
			b->failed = b->too_large = true;
			return;
		}
		np = realloc(b->p, cap);
		if (!np) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void obuf_puts(struct obuf *b, const char *s)
{
	obuf_put(b, s, strlen(s));
}

/* o serialised plus '\n', malloc'ed; consumes o. */
static char *answer_json(struct json_object *o)
{
	struct obuf b = { 0 };
	const char *s = o ? json_object_to_json_string_ext(o, CTL_JSON_FLAGS) : NULL;

	if (s) {
		obuf_puts(&b, s);
		obuf_puts(&b, "\n");
	}
	json_object_put(o);
	if (!s || b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
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
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return answer_json(o);
}

static const char *lease_kind_name(uint8_t k)
{
	return k == LEASE_KIND_V4 ? "ipv4" : k == LEASE_KIND_NA ? "ipv6" : "unknown";
}

static const char *lease_state_name(uint8_t st)
{
	return st == LEASE_STATE_BOUND ? "bound" : st == LEASE_STATE_DECLINED ? "declined"
									 : "unknown";
}

static struct json_object *lease_json(const struct lease *l, int64_t now)
{
	char a[ADDR6_STRLEN], duid[2 * DHCP6_DUID_MAX + 1];
	struct json_object *o = json_object_new_object();
	int64_t rem = l->expires > now ? l->expires - now : 0;

	if (!o)
		return NULL;
	json_object_object_add(o, "addr", json_object_new_string(ctl_fmt_addr(&l->addr, a)));
	json_object_object_add(o, "kind", json_object_new_string(lease_kind_name(l->kind)));
	json_object_object_add(o, "state", json_object_new_string(lease_state_name(l->state)));
	json_object_object_add(o, "client",
			       json_object_new_string(ctl_fmt_addr(&l->client_addr, a)));
	json_object_object_add(o, "duid", json_object_new_string(fmt_hex(
						  l->duid.data, MIN(l->duid.len, DHCP6_DUID_MAX),
						  duid, sizeof(duid))));
	json_object_object_add(o, "iaid", json_object_new_int64(l->iaid));
	json_object_object_add(o, "tep", l->has_tep ? json_object_new_string(
							      ctl_fmt_addr(&l->tep, a))
						    : NULL);
	json_object_object_add(o, "expires", json_object_new_int64(l->expires));
	json_object_object_add(o, "remaining", json_object_new_int64(rem));
	json_object_object_add(o, "preferred", json_object_new_int64(l->preferred));
	json_object_object_add(o, "valid", json_object_new_int64(l->valid));
	json_object_object_add(o, "pool", json_object_new_string_len(
						  l->pool, (int)strnlen(l->pool, sizeof(l->pool))));
	json_object_object_add(o, "reconfigure_key", json_object_new_boolean(l->has_reconf_key));
	return o;
}

struct lease_list {
	const struct lease **v;
	size_t n, cap;
};

static int collect_lease(struct lease *l, void *arg)
{
	struct lease_list *ll = arg;

	if (ll->n == ll->cap)
		return -ENOBUFS;     /* the table grew under us: cannot happen */
	ll->v[ll->n++] = l;
	return 0;
}

static int lease_cmp(const void *a, const void *b)
{
	const struct lease *x = *(const struct lease *const *)a;
	const struct lease *y = *(const struct lease *const *)b;

	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

/* Leases in address order (IPv4 first, as ::ffff:0:0/96 sorts low).  Each
 * lease is serialised on its own, so memory stays proportional to the
 * answer, not to a tree of JSON objects for the whole table. */
static char *answer_leases(struct server *s, const struct ctl_req *req)
{
	struct lease_list ll = { .cap = s->leases.count };
	int64_t now = s->now ? s->now : (int64_t)time(NULL);
	struct obuf b = { 0 };
	size_t n;

	if (ll.cap) {
		ll.v = calloc(ll.cap, sizeof(*ll.v));
		if (!ll.v)
			return answer_error(strerror(ENOMEM));
	}
	if (lease_foreach(&s->leases, collect_lease, &ll) < 0) {
		free(ll.v);
		return answer_error("lease table changed while listing");
	}
	if (ll.n)
		qsort(ll.v, ll.n, sizeof(*ll.v), lease_cmp);
	n = req->limit && req->limit < ll.n ? (size_t)req->limit : ll.n;

	obuf_puts(&b, "{\"ok\":true,\"leases\":[");
	for (size_t i = 0; i < n && !b.failed; i++) {
		struct json_object *o = lease_json(ll.v[i], now);
		const char *js = o ? json_object_to_json_string_ext(o, CTL_JSON_FLAGS) : NULL;

		if (!js)
			b.failed = true;
		else {
			if (i)
				obuf_puts(&b, ",");
			obuf_puts(&b, js);
		}
		json_object_put(o);
	}
	obuf_puts(&b, "]}\n");
	free(ll.v);
	if (b.failed) {
		free(b.p);
		return answer_error(b.too_large ? "answer too large, use \"limit\""
						: strerror(ENOMEM));
	}
	return b.p;
}

static int add_pool(const struct server_pool_usage *u, void *arg)
{
	struct json_object *arr = arg, *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "link", json_object_new_string(u->link ? u->link : ""));
	json_object_object_add(o, "pool", json_object_new_string(u->pool ? u->pool : ""));
	json_object_object_add(o, "kind", json_object_new_string(lease_kind_name(u->kind)));
	json_object_object_add(o, "size", json_object_new_uint64(u->size));
	json_object_object_add(o, "used", json_object_new_uint64(u->used));
	json_object_object_add(o, "declined", json_object_new_uint64(u->declined));
	if (json_object_array_add(arr, o) < 0) {
		json_object_put(o);
		return -ENOMEM;
	}
	return 0;
}

static char *answer_pools(struct server *s)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	int r;

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	r = server_foreach_pool(s, add_pool, arr);
	if (r < 0) {
		json_object_put(o);
		json_object_put(arr);
		return answer_error(strerror(-r));
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "pools", arr);
	return answer_json(o);
}

static char *answer_stats(struct server *s)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();

	if (!o || !st) {
		json_object_put(o);
		json_object_put(st);
		return NULL;
	}
	for (size_t i = 0; i < server_stat_count(); i++)
		json_object_object_add(st, server_stat_names[i],
				       json_object_new_uint64(server_stat_get(&s->stats, i)));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stats", st);
	return answer_json(o);
}

static char *answer_release(struct server *s, const struct ctl_req *req)
{
	char a[ADDR6_STRLEN];
	int r = server_release_addr(s, &req->addr);
	const char *e = r == -ENOENT ? "no such lease" : r < 0 ? strerror(-r) : NULL;

	log_info("control: release %s: %s", ctl_fmt_addr(&req->addr, a), e ? e : "done");
	return e ? answer_error(e) : answer_ok();
}

static char *answer_reconfigure(struct server *s, const struct ctl_req *req)
{
	char who[2 * DHCP6_DUID_MAX + 8];
	int r = server_reconfigure(s, req->has_addr ? &req->addr : NULL,
				   req->has_duid ? &req->duid : NULL);
	const char *e = r == -ENOENT  ? "no such client"
			: r == -EPERM ? "client did not accept reconfigure (no key)"
			: r < 0       ? strerror(-r)
				      : NULL;

	if (req->has_addr)
		ctl_fmt_addr(&req->addr, who);
	else
		fmt_hex(req->duid.data, req->duid.len, who, sizeof(who));
	log_info("control: reconfigure %s: %s", who, e ? e : "sent");
	return e ? answer_error(e) : answer_ok();
}

char *server_ctl_answer(struct server *s, const char *buf, size_t len)
{
	struct ctl_req req;
	char err[160];

	if (ctl_req_parse(buf, len, &req, err, sizeof(err)) < 0) {
		log_rl(LOG_NOTICE, "control: bad request: %s", err);
		return answer_error(err[0] ? err : "bad request");
	}
	switch (req.cmd) {
	case CTL_CMD_LEASES:
		return answer_leases(s, &req);
	case CTL_CMD_POOLS:
		return answer_pools(s);
	case CTL_CMD_STATS:
		return answer_stats(s);
	case CTL_CMD_RELEASE:
		return answer_release(s, &req);
	case CTL_CMD_RECONFIGURE:
		return answer_reconfigure(s, &req);
	case CTL_CMD_PING:
		return answer_ok();
	case CTL_CMD_BINDINGS:          /* the border router's */
	case CTL_CMD__MAX:
		break;
	}
	return answer_error("command not served by ds46-dstmd");
}

/* ---- connections -------------------------------------------------------- */

static void conn_free(struct ctl_conn *c)
{
	struct server_ctl *ctl = c->ctl;

	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl->n_conns--;
	if (c->ev)
		event_free(c->ev);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg);

static int conn_arm(struct ctl_conn *c, uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000),
			      .tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	event_del(c->ev);
	if (event_assign(c->ev, c->ctl->base, c->fd, c->writing ? EV_WRITE : EV_READ,
			 conn_cb, c) < 0)
		return -EINVAL;
	return event_add(c->ev, &tv) < 0 ? -EINVAL : 0;
}

/* Write what the socket takes; 1 when everything is out. */
static int conn_flush(struct ctl_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	return 1;
}

/* The loop's clock may be as old as the last packet or reclaim tick; a
 * request from the operator is a fresh "now" for the remaining lifetimes. */
static char *conn_answer(struct ctl_conn *c, size_t len)
{
	c->ctl->s->now = now_wall();
	return server_ctl_answer(c->ctl->s, c->in, len);
}

static void conn_respond(struct ctl_conn *c, char *answer)
{
	int r;

	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	if (!answer) {
		log_rl(LOG_WARNING, "control: out of memory building an answer");
		conn_free(c);
		return;
	}
	c->out = answer;
	c->out_len = strlen(answer);
	c->writing = true;
	r = conn_flush(c);
	if (r != 0 || conn_arm(c, CTL_TIMEOUT_MS) < 0)
		conn_free(c);
}

static void conn_read(struct ctl_conn *c)
{
	for (;;) {
		if (c->in_len == c->in_cap) {
			size_t cap;
			char *np;

			if (c->in_cap >= CTL_MSG_MAX) {
				char msg[64];
				snprintf(msg, sizeof(msg), "request longer than %d bytes",
					 CTL_MSG_MAX);
				log_rl(LOG_NOTICE, "control: %s", msg);
				conn_respond(c, answer_error(msg));
				return;
			}
			cap = c->in_cap ? MIN(c->in_cap * 2, (size_t)CTL_MSG_MAX) : 1024;
			np = realloc(c->in, cap);
			if (!np) {
				conn_free(c);
				return;
			}
			c->in = np;
			c->in_cap = cap;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_free(c);
			return;
		}
		if (n == 0) {
			/* EOF: a request without its '\n' is still a request */
			if (c->in_len == 0) {
				conn_free(c);
				return;
			}
			conn_respond(c, conn_answer(c, c->in_len));
			return;
		}
		char *nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl) {
			conn_respond(c, conn_answer(c, (size_t)(nl - c->in)));
			return;
		}
	}
	uint64_t now = now_ms_mono();
	if (now >= c->deadline_ms || conn_arm(c, c->deadline_ms - now) < 0)
		conn_free(c);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn *c = arg;
	int r;

	(void)fd;
	if (what & EV_TIMEOUT) {
		log_rl(LOG_NOTICE, "control: client timed out %s", c->writing ? "reading the answer"
									  : "sending its request");
		if (!c->writing) {
			static const char msg[] = "{\"ok\":false,\"error\":\"timeout\"}\n";
			(void)send(c->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		conn_free(c);
		return;
	}
	if (!c->writing) {
		conn_read(c);
		return;
	}
	r = conn_flush(c);
	if (r != 0 || conn_arm(c, CTL_TIMEOUT_MS) < 0)
		conn_free(c);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct server_ctl *ctl = arg;

	(void)what;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_rl(LOG_WARNING, "control: accept: %s", strerror(errno));
			return;
		}
		if (ctl->n_conns >= CTL_MAX_CONNS) {
			log_rl(LOG_WARNING, "control: %d connections open, refusing one",
			       CTL_MAX_CONNS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->fd = fd;
		c->deadline_ms = now_ms_mono() + CTL_TIMEOUT_MS;
		c->next = ctl->conns;
		if (ctl->conns)
			ctl->conns->prev = c;
		ctl->conns = c;
		ctl->n_conns++;
		c->ev = event_new(ctl->base, fd, EV_READ, conn_cb, c);
		if (!c->ev || event_add(c->ev, &(struct timeval){ .tv_sec = CTL_TIMEOUT_MS / 1000,
							 .tv_usec = (CTL_TIMEOUT_MS % 1000) * 1000 }) < 0)
			conn_free(c);
	}
}

/* ---- the listening socket ---------------------------------------------- */

/* mkdir -p of path's directory, new directories mode 0755. */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			if (chmod(dir, 0755) < 0)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		if (end)
			break;
		*p = '/';
	}
	return 0;
}

/* Remove a socket file left by a previous run, but never one a live daemon
 * listens on, nor anything that is not a socket. */
static int remove_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control: %s exists and is not a socket", sun->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0) {
		log_err("control: another daemon is listening on %s", sun->sun_path);
		return -EADDRINUSE;
	}
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int server_ctl_open(struct server *s, struct event_base *base, const char *path,
		    struct server_ctl **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct server_ctl *ctl;
	mode_t old;
	int r;

	*out = NULL;
	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);

	r = make_parent(path);
	if (r < 0) {
		log_err("control: creating the directory of %s: %s", path, strerror(-r));
		return r;
	}
	r = remove_stale(&sun);
	if (r < 0)
		return r;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->s = s;
	ctl->base = base;
	memcpy(ctl->path, path, strlen(path) + 1);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		r = -errno;
		free(ctl);
		return r;
	}
	/* never visible with wider permissions than 0660, even for a moment */
	old = umask(0117);
	r = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	if (r < 0)
		r = -errno;
	umask(old);
	if (r < 0) {
		log_err("control: bind %s: %s", path, strerror(-r));
		goto fail;
	}
	if (chmod(path, 0660) < 0 || listen(ctl->fd, CTL_BACKLOG) < 0) {
		r = -errno;
		log_err("control: %s: %s", path, strerror(-r));
		unlink(path);
		goto fail;
	}
	ctl->accept_ev = event_new(base, ctl->fd, EV_READ | EV_PERSIST, accept_cb, ctl);
	if (!ctl->accept_ev || event_add(ctl->accept_ev, NULL) < 0) {
		r = -ENOMEM;
		unlink(path);
		goto fail;
	}
	log_info("control: listening on %s", path);
	*out = ctl;
	return 0;
fail:
	if (ctl->accept_ev)
		event_free(ctl->accept_ev);
	close(ctl->fd);
	free(ctl);
	return r;
}

void server_ctl_close(struct server_ctl *ctl)
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
