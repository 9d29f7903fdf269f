/* The daemons' control socket server (see ctl_server.h): accept, read one
 * bounded request line with a deadline, hand it to the daemon's answer
 * function, write the answer back without blocking the loop, close. */
#include "ctl/ctl_server.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

#define CTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct ctl_conn {
	struct ctl_server *srv;
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

struct ctl_server {
	struct event_base *base;
	ctl_server_answer_fn answer;
	void *ctx;
	int fd;
	struct event *accept_ev;
	struct ctl_conn *conns;
	size_t n_conns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* ---- answers -------------------------------------------------------------- */

char *ctl_server_json(struct json_object *o)
{
	const char *s = o ? json_object_to_json_string_ext(o, CTL_JSON_FLAGS) : NULL;
	size_t len = s ? strlen(s) : 0;
	char *out = NULL;

	if (s && len + 2 <= CTL_RESP_MAX) {
		out = malloc(len + 2);
		if (out) {
			memcpy(out, s, len);
			memcpy(out + len, "\n", 2);
		}
	}
	json_object_put(o);
	return out;
}

char *ctl_server_ok(void)
{
	return strdup("{\"ok\":true}\n");
}

char *ctl_server_error(const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return ctl_server_json(o);
}

/* ---- connections ---------------------------------------------------------- */

static void conn_free(struct ctl_conn *c)
{
	struct ctl_server *srv = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
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
	if (event_assign(c->ev, c->srv->base, c->fd, c->writing ? EV_WRITE : EV_READ, conn_cb,
			 c) < 0)
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
	if (r != 0 || conn_arm(c, CTL_SERVER_TIMEOUT_MS) < 0)
		conn_free(c);
}

static void conn_answer(struct ctl_conn *c, size_t len)
{
	conn_respond(c, c->srv->answer(c->srv->ctx, c->in, len));
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
				conn_respond(c, ctl_server_error(msg));
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
			if (c->in_len == 0)
				conn_free(c);
			else
				conn_answer(c, c->in_len);
			return;
		}
		char *nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl) {
			conn_answer(c, (size_t)(nl - c->in));
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
		log_rl(LOG_NOTICE, "control: client timed out %s",
		       c->writing ? "reading the answer" : "sending its request");
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
	if (r != 0 || conn_arm(c, CTL_SERVER_TIMEOUT_MS) < 0)
		conn_free(c);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct ctl_server *srv = arg;

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
		if (srv->n_conns >= CTL_SERVER_MAX_CONNS) {
			log_rl(LOG_WARNING, "control: %d connections open, refusing one",
			       CTL_SERVER_MAX_CONNS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		c->deadline_ms = now_ms_mono() + CTL_SERVER_TIMEOUT_MS;
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		srv->n_conns++;
		c->ev = event_new(srv->base, fd, EV_READ, conn_cb, c);
		if (!c->ev || conn_arm(c, CTL_SERVER_TIMEOUT_MS) < 0)
			conn_free(c);
	}
}

/* ---- the listening socket ------------------------------------------------- */

/* mkdir -p of path's directory. */
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
		if (mkdir(dir, CTL_SERVER_DIR_MODE) == 0) {
			if (chmod(dir, CTL_SERVER_DIR_MODE) < 0)
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

int ctl_server_open(struct event_base *base, const char *path, ctl_server_answer_fn answer,
		    void *ctx, struct ctl_server **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
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

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->base = base;
	srv->answer = answer;
	srv->ctx = ctx;
	memcpy(srv->path, path, strlen(path) + 1);
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		r = -errno;
		free(srv);
		return r;
	}
	/* never visible with wider permissions than CTL_SERVER_MODE, even for
	 * a moment */
	old = umask(~(mode_t)CTL_SERVER_MODE & 0777);
	r = bind(srv->fd, (struct sockaddr *)&sun, sizeof(sun));
	if (r < 0)
		r = -errno;
	umask(old);
	if (r < 0) {
		log_err("control: bind %s: %s", path, strerror(-r));
		goto fail;
	}
	if (chmod(path, CTL_SERVER_MODE) < 0 || listen(srv->fd, CTL_SERVER_BACKLOG) < 0) {
		r = -errno;
		log_err("control: %s: %s", path, strerror(-r));
		unlink(path);
		goto fail;
	}
	srv->accept_ev = event_new(base, srv->fd, EV_READ | EV_PERSIST, accept_cb, srv);
	if (!srv->accept_ev || event_add(srv->accept_ev, NULL) < 0) {
		r = -ENOMEM;
		unlink(path);
		goto fail;
	}
	log_info("control: listening on %s", path);
	*out = srv;
	return 0;
fail:
	if (srv->accept_ev)
		event_free(srv->accept_ev);
	close(srv->fd);
	free(srv);
	return r;
}

void ctl_server_close(struct ctl_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		conn_free(srv->conns);
	if (srv->accept_ev)
		event_free(srv->accept_ev);
	close(srv->fd);
	unlink(srv->path);
	free(srv);
}

void ctl_json_add_u64(void *obj, const char *name, uint64_t v)
{
	json_object_object_add(obj, name, json_object_new_uint64(v));
}

void ctl_json_add_dp(void *obj, const char *name, uint64_t v)
{
	char key[96];

	snprintf(key, sizeof(key), "dp_%s", name);
	ctl_json_add_u64(obj, key, v);
}
