/* ds46-tepd's control socket: the answers (ctl_proto.h requests, decoded by
 * ctl_req_parse, fuzzed).  The border router serves ping, stats and
 * bindings, and answers the server's other commands with an error.  The
 * socket, its limits and timeouts are ctl/ctl_server.c, shared with the
 * DSTM server. */
#include "dstm/tep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "ctl/ctl_server.h"
#include "wire/ip.h"

/* ---- answers ------------------------------------------------------------------- */

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
	dp_stats_foreach(ds, ctl_json_add_u64, st);
	for (size_t i = 0; i < tep_stat_count(); i++)
		json_object_object_add(st, tep_stat_names[i],
				       json_object_new_uint64(tep_stat_get(&t->st, i)));
	json_object_object_add(st, "bindings", json_object_new_uint64(t->e->bindings.count));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stats", st);
	return ctl_server_json(o);
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
			return ctl_server_error(strerror(ENOMEM));
	}
	if (binding_foreach(&t->e->bindings, collect_binding, &l) < 0) {
		free(l.v);
		return ctl_server_error("binding table changed while listing");
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
		return ctl_server_error(r < 0 ? strerror(ENOMEM)
					      : "answer too large, use \"limit\"");
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
		return ctl_server_error(err[0] ? err : "bad request");
	}
	switch (req.cmd) {
	case CTL_CMD_PING:
		return ctl_server_ok();
	case CTL_CMD_STATS:
		return answer_stats(t);
	case CTL_CMD_BINDINGS:
		return answer_bindings(t, &req, now);
	case CTL_CMD_LEASES:         /* the DSTM server's */
	case CTL_CMD_POOLS:
	case CTL_CMD_RELEASE:
	case CTL_CMD_RECONFIGURE:
	case CTL_CMD_MOBILITY:      /* Mobile IPv4 daemons' */
	case CTL_CMD_VISITORS:
	case CTL_CMD__MAX:
		break;
	}
	return ctl_server_error("command not served by ds46-tepd");
}

/* ---- the socket (ctl/ctl_server.c) ------------------------------------------- */

struct tep_ctl {
	struct tep *t;
	struct ctl_server *srv;
};

static char *ctl_answer(void *arg, const char *req, size_t len)
{
	struct tep_ctl *ctl = arg;

	return tep_ctl_answer(ctl->t, req, len, now_wall());
}

int tep_ctl_open(struct tep *t, struct event_base *base, const char *path,
		 struct tep_ctl **out)
{
	struct tep_ctl *ctl = calloc(1, sizeof(*ctl));
	int r;

	*out = NULL;
	if (!ctl)
		return -ENOMEM;
	ctl->t = t;
	r = ctl_server_open(base, path, ctl_answer, ctl, &ctl->srv);
	if (r < 0) {
		free(ctl);
		return r;
	}
	*out = ctl;
	return 0;
}

void tep_ctl_close(struct tep_ctl *ctl)
{
	if (!ctl)
		return;
	ctl_server_close(ctl->srv);
	free(ctl);
}
