/* ds46-fad's control socket (ctl/ctl_proto.h): ping, stats (the glue's
 * fa_* counters, the relay engine's, the tunnel engine's dp_* and its I/O
 * loop's io_*, in one flat object) and visitors (the visitor list: what
 * `ds46ctl visitors` prints).  The socket itself is ctl/ctl_server.c. */
#include "mip4/fa.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "ctl/ctl_server.h"
#include "dataplane/engine_io4.h"

struct fa_ctl {
	struct fa *f;
	struct ctl_server *srv;
};

static char *answer_stats(struct fa *f)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	char key[96];

	if (!o || !st) {
		json_object_put(o);
		json_object_put(st);
		return NULL;
	}
	if (f->reg) {
		const struct fa_reg_stats *rs = fa_reg_stats(f->reg);
		for (size_t i = 0; i < fa_reg_stat_count(); i++)
			ctl_json_add_u64(st, fa_reg_stat_name(i), fa_reg_stat_get(rs, i));
	}
	for (size_t i = 0; i < fa_stat_count(); i++) {
		snprintf(key, sizeof(key), "fa_%s", fa_stat_name(i));
		ctl_json_add_u64(st, key, fa_stat_get(&f->st, i));
	}
	if (f->e_init)
		dp_stats_foreach(&f->e.st, ctl_json_add_dp, st);
	if (f->io)
		dp_io4_stats_foreach(f->io, ctl_json_add_u64, st);
	ctl_json_add_u64(st, "visitors", f->reg ? fa_reg_count(f->reg) : 0);
	ctl_json_add_u64(st, "pending", f->reg ? fa_reg_pending_count(f->reg) : 0);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stats", st);
	return ctl_server_json(o);
}

static const char *v6_name(uint8_t v)
{
	switch (v) {
	case FA_V6_VIA_HOME_ADDR:
		return "hoa";
	case FA_V6_NATIVE:
		return "native";
	}
	return "none";
}

static const char *flags_str(uint8_t fl, char buf[8])
{
	static const struct {
		uint8_t bit;
		char c;
	} t[] = { { MIP4_F_S, 'S' }, { MIP4_F_B, 'B' }, { MIP4_F_D, 'D' },
		  { MIP4_F_M, 'M' }, { MIP4_F_G, 'G' }, { MIP4_F_T, 'T' } };
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (fl & t[i].bit)
			buf[n++] = t[i].c;
	if (!n)
		buf[n++] = '-';
	buf[n] = '\0';
	return buf;
}

struct vis_ctx {
	struct fa *f;
	struct json_object *arr;
	int64_t now;
	uint64_t limit, n;
};

static const char *link_name(const struct fa *f, unsigned ifindex)
{
	for (unsigned i = 0; i < f->n_links; i++)
		if ((unsigned)f->links[i].ifindex == ifindex)
			return f->links[i].name;
	return "?";
}

static int vis_one(const struct fa_visitor *v, void *arg)
{
	struct vis_ctx *c = arg;
	struct json_object *o, *pa;
	const struct fa_reg_req *q = v->active ? &v->reg : &v->pend;
	char a[ADDR4_STRLEN], mac[3 * FA_REG_LLADDR_MAX + 1] = "", fl[8], p[ADDR6_STRLEN + 8];
	long long rem = !v->active			    ? 0
			: v->expires == INT64_MAX	    ? -1
			: v->expires > c->now ? (long long)(v->expires - c->now)
						      : 0;

	if (c->limit && c->n >= c->limit)
		return -ECANCELED;
	o = json_object_new_object();
	pa = json_object_new_array();
	if (!o || !pa) {
		json_object_put(o);
		json_object_put(pa);
		return -ENOMEM;
	}
	for (unsigned i = 0, off = 0; i < q->lladdr_len && i < FA_REG_LLADDR_MAX; i++)
		off += (unsigned)snprintf(mac + off, sizeof(mac) - off, "%s%02x", i ? ":" : "",
					  q->lladdr[i]);
	json_object_object_add(o, "home", json_object_new_string(fmt_in4(ntohl(v->home_addr), a)));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	json_object_object_add(o, "link", json_object_new_string(link_name(c->f, q->ifindex)));
	json_object_object_add(o, "home_agent",
			       json_object_new_string(fmt_in4(ntohl(q->home_agent), a)));
	json_object_object_add(o, "coa", json_object_new_string(fmt_in4(ntohl(q->coa), a)));
	json_object_object_add(o, "active", json_object_new_boolean(v->active));
	json_object_object_add(o, "pending", json_object_new_boolean(v->pending));
	json_object_object_add(o, "flags", json_object_new_string(flags_str(q->flags, fl)));
	json_object_object_add(o, "reverse_tunnel",
			       json_object_new_boolean((q->flags & MIP4_F_T) != 0));
	/* RFC 3024 5: how its reverse-tunnelled IPv4 reaches us */
	json_object_object_add(o, "delivery",
			       json_object_new_string(!(q->flags & MIP4_F_T) ? "none"
						      : q->encap_delivery ? "encapsulating"
									  : "direct"));
	json_object_object_add(o, "ipv6", json_object_new_string(v6_name(v->v6)));
	json_object_object_add(o, "lifetime", json_object_new_int(v->lifetime));
	json_object_object_add(o, "remaining", json_object_new_int64(rem));
	for (unsigned i = 0; v->active && i < v->n_prefix && i < MIP4_MAX_PREFIXES; i++) {
		const struct fa_prefix *fp = &v->prefix[i];
		char b6[ADDR6_STRLEN];
		if (fp->plen == 255)
			snprintf(p, sizeof(p), "%s", fmt_in6(&fp->prefix, b6));
		else
			snprintf(p, sizeof(p), "%s/%u", fmt_in6(&fp->prefix, b6), fp->plen);
		json_object_array_add(pa, json_object_new_string(p));
	}
	json_object_object_add(o, "prefixes", pa);
	json_object_array_add(c->arr, o);
	c->n++;
	return 0;
}

static char *answer_visitors(struct fa *f, const struct ctl_req *req, int64_t now)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct vis_ctx c = { .f = f, .now = now, .limit = req->limit, .arr = arr };

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	if (f->reg && fa_reg_foreach(f->reg, vis_one, &c) == -ENOMEM) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "role", json_object_new_string("foreign-agent"));
	json_object_object_add(o, "visitors", arr);
	return ctl_server_json(o);
}

char *fa_ctl_answer(struct fa *f, const char *buf, size_t len, int64_t now)
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
		return answer_stats(f);
	case CTL_CMD_VISITORS:
		return answer_visitors(f, &req, now);
	default:
		break;
	}
	return ctl_server_error("command not served by ds46-fad");
}

static char *ctl_answer(void *arg, const char *req, size_t len)
{
	struct fa_ctl *ctl = arg;

	return fa_ctl_answer(ctl->f, req, len, now_wall());
}

int fa_ctl_open(struct fa *f, const char *path)
{
	struct fa_ctl *ctl = calloc(1, sizeof(*ctl));
	int r;

	if (!ctl)
		return -ENOMEM;
	ctl->f = f;
	r = ctl_server_open(f->base, path, ctl_answer, ctl, &ctl->srv);
	if (r < 0) {
		free(ctl);
		return r;
	}
	f->ctl = ctl;
	return 0;
}

void fa_ctl_close(struct fa *f)
{
	if (!f->ctl)
		return;
	ctl_server_close(f->ctl->srv);
	free(f->ctl);
	f->ctl = NULL;
}
