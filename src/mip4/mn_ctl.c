/* The mobile node daemon's control socket (protocol: src/ctl/ctl_proto.h):
 * ping; stats (the registration client's counters, the glue's as mn_*,
 * the tunnel engine's as dp_*, its I/O loop's as io_*); mobility (the
 * registration, in the shape ds46ctl's ctl_cmd_mobility.c prints). */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "ctl/ctl_server.h"
#include "mip4/mn.h"

static char *answer_stats(struct mn *m)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	char key[96];

	if (!o || !st) {
		json_object_put(o);
		json_object_put(st);
		return NULL;
	}
	for (size_t i = 0; i < mn_reg_stat_count(); i++)
		ctl_json_add_u64(st, mn_reg_stat_names[i], mn_reg_stat_get(&m->reg.stats, i));
	for (size_t i = 0; i < mn_stat_count(); i++) {
		snprintf(key, sizeof(key), "mn_%s", mn_stat_name(i));
		ctl_json_add_u64(st, key, mn_stat_get(&m->st, i));
	}
	if (m->e_init)
		dp_stats_foreach(&m->e.st, ctl_json_add_dp, st);
	if (m->io)
		dp_io4_stats_foreach(m->io, ctl_json_add_u64, st);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stats", st);
	return ctl_server_json(o);
}

static struct json_object *str4(uint32_t net)
{
	char a[ADDR4_STRLEN];

	return json_object_new_string(net ? fmt_in4(ntohl(net), a) : "-");
}

static const char *v6_mode_name(enum mip_v6_mode v)
{
	switch (v) {
	case MIP_V6_TO_HOA:
		return "hoa";
	case MIP_V6_TO_COA:
		return "coa";
	case MIP_V6_NONE:
		break;
	}
	return "none";
}

static struct json_object *prefix_json(const struct mip_prefix *p)
{
	char a[ADDR6_STRLEN], b[ADDR6_STRLEN + 8];

	fmt_in6(&p->prefix, a);
	if (p->plen == MIP4_V6_PLEN_LINK_LOCAL)
		snprintf(b, sizeof(b), "%s", a);
	else
		snprintf(b, sizeof(b), "%s/%u", a, p->plen);
	return json_object_new_string(b);
}

/* {"ok":true,"role":"mobile-node","registration":{...}}: every key that
 * ds46ctl prints is a string; remaining is seconds, -1 for never, 0 with
 * no binding. */
static char *answer_mobility(struct mn *m, uint64_t now_ms)
{
	struct json_object *o = json_object_new_object(), *r = json_object_new_object();
	struct json_object *pre = json_object_new_array(), *v6 = json_object_new_array();
	const struct mn_reg_binding *b = mn_reg_binding(&m->reg);
	char buf[32];
	long long rem = 0;
	const char *ipv6 = "none";

	if (!o || !r || !pre || !v6) {
		json_object_put(o);
		json_object_put(r);
		json_object_put(pre);
		json_object_put(v6);
		return NULL;
	}
	json_object_object_add(r, "state", json_object_new_string(mn_reg_state_name(m->reg.state)));
	json_object_object_add(r, "location", json_object_new_string(mn_where_name(m->loc.where)));
	json_object_object_add(r, "home", str4(m->reg.home_addr));
	json_object_object_add(r, "home_agent", str4(m->cfg->home_agent));
	json_object_object_add(r, "coa", str4(m->loc.where == MN_WHERE_AWAY ? m->loc.coa : 0));
	json_object_object_add(r, "registered_coa", str4(b ? b->coa : 0));
	json_object_object_add(r, "encap",
			       json_object_new_string(encap4_kind_name(b ? b->encap : m->cfg->encap)));
	json_object_object_add(r, "reverse_tunnel",
			       json_object_new_boolean(b ? b->reverse_tunnel : m->cfg->reverse_tunnel));
	if (b) {
		if (b->lifetime == MN_REG_LIFETIME_INFINITE) {
			snprintf(buf, sizeof(buf), "infinite");
			rem = -1;
		} else {
			snprintf(buf, sizeof(buf), "%u", b->lifetime);
			rem = b->expires_ms > now_ms ? (long long)((b->expires_ms - now_ms + 999) / 1000)
						     : 0;
		}
		if (!b->v6_supported && b->n_v6)
			ipv6 = "unsupported";
		for (uint8_t i = 0; i < b->n_v6 && i < MN_REG_MAX_V6; i++) {
			const struct mn_v6_result *x = &b->v6[i];
			struct json_object *e = json_object_new_object();

			if (x->outcome == MN_V6_ACCEPTED) {
				json_object_array_add(pre, prefix_json(&x->granted));
				if (!strcmp(ipv6, "none"))
					ipv6 = v6_mode_name(x->mode);
			}
			if (!e)
				continue;
			json_object_object_add(e, "request", prefix_json(&x->req));
			json_object_object_add(e, "granted", prefix_json(&x->granted));
			json_object_object_add(e, "outcome",
					       json_object_new_string(mn_v6_outcome_name(x->outcome)));
			json_object_object_add(e, "code", json_object_new_int(x->code));
			json_object_object_add(e, "mode", json_object_new_string(v6_mode_name(x->mode)));
			json_object_array_add(v6, e);
		}
	} else {
		snprintf(buf, sizeof(buf), "-");
	}
	json_object_object_add(r, "ipv6", json_object_new_string(ipv6));
	json_object_object_add(r, "lifetime", json_object_new_string(buf));
	json_object_object_add(r, "granted_lifetime", json_object_new_int(b ? b->lifetime : 0));
	json_object_object_add(r, "remaining", json_object_new_int64(rem));
	json_object_object_add(r, "prefixes", pre);
	json_object_object_add(r, "v6", v6);
	json_object_object_add(r, "tunnel", json_object_new_string(m->tun_name));
	json_object_object_add(r, "interface", json_object_new_string(m->cfg->home_interface));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "role", json_object_new_string("mobile-node"));
	json_object_object_add(o, "registration", r);
	return ctl_server_json(o);
}

char *mn_ctl_answer(struct mn *m, const char *buf, size_t len, uint64_t now_ms)
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
		return answer_stats(m);
	case CTL_CMD_MOBILITY:
		return answer_mobility(m, now_ms);
	case CTL_CMD_BINDINGS:       /* the home agent's and the DSTM daemons' */
	case CTL_CMD_RELEASE:
	case CTL_CMD_LEASES:
	case CTL_CMD_POOLS:
	case CTL_CMD_RECONFIGURE:
	case CTL_CMD__MAX:
		break;
	}
	return ctl_server_error("command not served by ds46-mnd");
}

static char *ctl_answer(void *arg, const char *req, size_t len)
{
	return mn_ctl_answer(arg, req, len, now_ms_mono());
}

int mn_ctl_open(struct mn *m)
{
	return ctl_server_open(m->base, m->cfg->control_socket, ctl_answer, m, &m->ctl);
}
