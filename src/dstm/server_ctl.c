/* The DSTM server's control socket: the answers to ds46ctl's requests
 * (ctl_proto.h), decoded by ctl_req_parse and built by server_ctl_answer,
 * which touches no socket so the unit tests call it directly.  The socket
 * itself, with its limits, is ctl/ctl_server.c.  Nothing a client sends can
 * stop the daemon: a malformed request gets {"ok":false,"error":"..."}. */
#include "dstm/server_ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "ctl/ctl_server.h"

#define CTL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

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
			return ctl_server_error(strerror(ENOMEM));
	}
	if (lease_foreach(&s->leases, collect_lease, &ll) < 0) {
		free(ll.v);
		return ctl_server_error("lease table changed while listing");
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
		return ctl_server_error(b.too_large ? "answer too large, use \"limit\""
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
		return ctl_server_error(strerror(-r));
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "pools", arr);
	return ctl_server_json(o);
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
	return ctl_server_json(o);
}

static char *answer_release(struct server *s, const struct ctl_req *req)
{
	char a[ADDR6_STRLEN];
	int r = server_release_addr(s, &req->addr);
	const char *e = r == -ENOENT ? "no such lease" : r < 0 ? strerror(-r) : NULL;

	log_info("control: release %s: %s", ctl_fmt_addr(&req->addr, a), e ? e : "done");
	return e ? ctl_server_error(e) : ctl_server_ok();
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
	return e ? ctl_server_error(e) : ctl_server_ok();
}

char *server_ctl_answer(struct server *s, const char *buf, size_t len)
{
	struct ctl_req req;
	char err[160];

	if (ctl_req_parse(buf, len, &req, err, sizeof(err)) < 0) {
		log_rl(LOG_NOTICE, "control: bad request: %s", err);
		return ctl_server_error(err[0] ? err : "bad request");
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
		return ctl_server_ok();
	case CTL_CMD_BINDINGS:          /* the border router's */
	case CTL_CMD_MOBILITY:      /* Mobile IPv4 daemons' */
	case CTL_CMD_VISITORS:
	case CTL_CMD__MAX:
		break;
	}
	return ctl_server_error("command not served by ds46-dstmd");
}

/* ---- the socket (ctl/ctl_server.c) ------------------------------------- */

struct server_ctl {
	struct server *s;
	struct ctl_server *srv;
};

/* The loop's clock may be as old as the last packet or reclaim tick; a
 * request from the operator is a fresh "now" for the remaining lifetimes. */
static char *ctl_answer(void *arg, const char *req, size_t len)
{
	struct server_ctl *ctl = arg;

	ctl->s->now = now_wall();
	return server_ctl_answer(ctl->s, req, len);
}

int server_ctl_open(struct server *s, struct event_base *base, const char *path,
		    struct server_ctl **out)
{
	struct server_ctl *ctl = calloc(1, sizeof(*ctl));
	int r;

	*out = NULL;
	if (!ctl)
		return -ENOMEM;
	ctl->s = s;
	r = ctl_server_open(base, path, ctl_answer, ctl, &ctl->srv);
	if (r < 0) {
		free(ctl);
		return r;
	}
	*out = ctl;
	return 0;
}

void server_ctl_close(struct server_ctl *ctl)
{
	if (!ctl)
		return;
	ctl_server_close(ctl->srv);
	free(ctl);
}
