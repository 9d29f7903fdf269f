/* ds46-had's control socket (ctl/ctl_proto.h requests, decoded by
 * ctl_req_parse): ping, stats (the glue's, the registration engine's and
 * the tunnel engine's counters in one flat object), mobility (the mobility
 * bindings) and release (end the bindings of a home address now).  The
 * socket itself is ctl/ctl_server.c. */
#include "mip4/ha.h"

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
#include "dataplane/engine_mld.h"

struct ha_ctl {
	struct ha *h;
	struct ctl_server *srv;
};

/* One flat object: the registration engine's counters (rx_requests,
 * reply_*, prefix_*, drop_*), the glue's (ha_*), the tunnel engine's
 * (dp_*, with its IP parser's reasons as dp_ip_drop_<reason>), its I/O
 * loop's (io_*), and the binding count. */
static char *answer_stats(struct ha *h)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	char key[96];

	if (!o || !st) {
		json_object_put(o);
		json_object_put(st);
		return NULL;
	}
	if (h->reg) {
		const struct ha_reg_stats *rs = ha_reg_stats(h->reg);
		for (size_t i = 0; i < ha_reg_stat_count(); i++)
			ctl_json_add_u64(st, ha_reg_stat_name(i), ha_reg_stat_get(rs, i));
	}
	for (size_t i = 0; i < ha_stat_count(); i++) {
		snprintf(key, sizeof(key), "ha_%s", ha_stat_name(i));
		ctl_json_add_u64(st, key, ha_stat_get(&h->st, i));
	}
	if (h->e_init)
		dp_stats_foreach(&h->e.st, ctl_json_add_dp, st);
	if (h->io)
		dp_io4_stats_foreach(h->io, ctl_json_add_u64, st);
	ctl_json_add_u64(st, "bindings", h->reg ? ha_reg_binding_count(h->reg) : 0);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stats", st);
	return ctl_server_json(o);
}

struct json_object *ha_binding_json(const struct mip_binding *b, const char *node, int64_t now)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	char a[ADDR4_STRLEN], f[8], p[ADDR6_STRLEN + 8];
	/* -1: never (lifetime 0xffff, RFC 5944 3.3) */
	long long rem = b->expires == INT64_MAX ? -1
			: b->expires > now	  ? (long long)(b->expires - now)
						  : 0;

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(o, "home", json_object_new_string(fmt_in4(ntohl(b->home_addr), a)));
	json_object_object_add(o, "coa", json_object_new_string(fmt_in4(ntohl(b->coa), a)));
	json_object_object_add(o, "home_agent",
			       json_object_new_string(fmt_in4(ntohl(b->home_agent), a)));
	json_object_object_add(o, "src", json_object_new_string(fmt_in4(ntohl(b->src_addr), a)));
	json_object_object_add(o, "src_port", json_object_new_int(b->src_port));
	json_object_object_add(o, "node", json_object_new_string(node ? node : ""));
	json_object_object_add(o, "nai", json_object_new_string(b->nai));
	json_object_object_add(o, "encap",
			       json_object_new_string(encap4_kind_name(b->encap ? b->encap
										: ENCAP4_IPIP)));
	json_object_object_add(o, "flags", json_object_new_string(ha_flags_str(b->flags, f)));
	json_object_object_add(o, "ipv6", json_object_new_string(ha_v6_mode_name(b->v6_mode)));
	for (unsigned i = 0; i < MIN(b->n_prefix, MIP4_MAX_PREFIXES); i++)
		json_object_array_add(arr, json_object_new_string(
						   ha_prefix_str(&b->prefix[i], p, sizeof(p))));
	json_object_object_add(o, "prefixes", arr);
	/* RFC 5944 3.8: D clear, the care-of address is a foreign agent's
	 * and src its address; RFC 3519 4.6: a UDP tunnel to src:src_port */
	json_object_object_add(o, "via",
			       json_object_new_string(b->flags & MIP4_F_D ? "co-located"
									 : "foreign-agent"));
	json_object_object_add(o, "foreign_agent",
			       json_object_new_string(b->flags & MIP4_F_D
							      ? ""
							      : fmt_in4(ntohl(b->src_addr), a)));
	json_object_object_add(o, "udp_tunnel", json_object_new_boolean(b->udp_tunnel));
	json_object_object_add(o, "udp_port", json_object_new_int(b->udp_tunnel ? b->src_port : 0));
	json_object_object_add(o, "keepalive", json_object_new_int(b->udp_keepalive));
	json_object_object_add(o, "tunnel_dst",
			       json_object_new_string(fmt_in4(ha_tunnel_dst(b), a)));
	json_object_object_add(o, "id", json_object_new_uint64(b->id));
	json_object_object_add(o, "registered", json_object_new_int64(b->registered));
	json_object_object_add(o, "expires",
			       json_object_new_int64(b->expires == INT64_MAX ? -1 : b->expires));
	json_object_object_add(o, "remaining", json_object_new_int64(rem));
	return o;
}

struct mob_ctx {
	struct ha *h;
	FILE *f;
	int64_t now;
	uint64_t limit, n;
	int err;
};

/* Each binding serialised on its own: memory follows the answer. */
static int mob_one(const struct mip_binding *b, void *arg)
{
	struct mob_ctx *m = arg;
	const struct ha_cfg_node *nd;
	const struct binding *db;
	struct json_object *o;
	const char *s;

	if (m->limit && m->n >= m->limit)
		return -ECANCELED;
	nd = ha_reg_node_of(m->h->reg, b->home_addr);
	o = ha_binding_json(b, nd ? nd->name : NULL, m->now);
	if (!o) {
		m->err = -ENOMEM;
		return -ENOMEM;
	}
	/* the tunnel engine counts per home address (simultaneous bindings
	 * share them) */
	db = m->h->e_init ? binding_get(&m->h->e.bindings, ntohl(b->home_addr)) : NULL;
	json_object_object_add(o, "pkts_in", json_object_new_uint64(db ? db->pkts_in : 0));
	json_object_object_add(o, "bytes_in", json_object_new_uint64(db ? db->bytes_in : 0));
	json_object_object_add(o, "pkts_out", json_object_new_uint64(db ? db->pkts_out : 0));
	json_object_object_add(o, "bytes_out", json_object_new_uint64(db ? db->bytes_out : 0));
	/* RFC 5454 3.3.3: the groups the node listens to (engine_mld.h) */
	struct json_object *mg = json_object_new_array();
	if (mg && db) {
		struct in6_addr g[DP_MIP_MLD_PER_NODE_MAX];
		uint32_t exp[DP_MIP_MLD_PER_NODE_MAX];
		unsigned n = dp_mip_mld_node_groups(&m->h->e, ntohl(b->home_addr), g, exp,
						    DP_MIP_MLD_PER_NODE_MAX);
		for (unsigned i = 0; i < n && i < DP_MIP_MLD_PER_NODE_MAX; i++) {
			char a[INET6_ADDRSTRLEN];
			struct json_object *go = json_object_new_object();
			if (!go || !inet_ntop(AF_INET6, &g[i], a, sizeof(a))) {
				json_object_put(go);
				continue;
			}
			json_object_object_add(go, "group", json_object_new_string(a));
			json_object_object_add(go, "expires_in",
					       json_object_new_int64(exp[i] > m->h->e.now ?
								     (int64_t)exp[i] - m->h->e.now : 0));
			json_object_array_add(mg, go);
		}
	}
	if (mg)
		json_object_object_add(o, "mld_groups", mg);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (fprintf(m->f, "%s%s", m->n ? "," : "", s) < 0)
		m->err = -ENOMEM;
	json_object_put(o);
	m->n++;
	if (m->err == 0 && (size_t)ftell(m->f) > CTL_RESP_MAX - 4)
		m->err = -EFBIG;
	return m->err;
}

static char *answer_mobility(struct ha *h, const struct ctl_req *req, int64_t now)
{
	struct mob_ctx m = { .h = h, .now = now, .limit = req->limit };
	char *buf = NULL;
	size_t len = 0;

	m.f = open_memstream(&buf, &len);
	if (!m.f)
		return NULL;
	fputs("{\"ok\":true,\"role\":\"home-agent\",\"bindings\":[", m.f);
	if (h->reg)
		ha_reg_foreach(h->reg, mob_one, &m);
	fputs("]}\n", m.f);
	if (fclose(m.f) != 0 || m.err < 0) {
		free(buf);
		return ctl_server_error(m.err == -EFBIG ? "answer too large, use \"limit\""
							: strerror(ENOMEM));
	}
	return buf;
}

/* release ADDR: every binding of the home address ADDR (IPv4). */
static char *answer_release(struct ha *h, const struct ctl_req *req)
{
	struct json_object *o;
	uint32_t home;
	size_t n;

	if (!req->has_addr || !in6_is_mapped(&req->addr))
		return ctl_server_error("release: give an IPv4 home address");
	home = htonl(in6_mapped_v4(&req->addr));
	n = ha_release(h, home, 0);
	if (n == 0)
		return ctl_server_error("no such binding");
	o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "released", json_object_new_uint64(n));
	return ctl_server_json(o);
}

char *ha_ctl_answer(struct ha *h, const char *buf, size_t len, int64_t now)
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
		return answer_stats(h);
	case CTL_CMD_MOBILITY:
	case CTL_CMD_BINDINGS:
		return answer_mobility(h, &req, now);
	case CTL_CMD_RELEASE:
		return answer_release(h, &req);
	case CTL_CMD_LEASES:         /* the DSTM daemons' */
	case CTL_CMD_POOLS:
	case CTL_CMD_RECONFIGURE:
	case CTL_CMD_VISITORS:       /* the foreign agent's */
	case CTL_CMD__MAX:
		break;
	}
	return ctl_server_error("command not served by ds46-had");
}

static char *ctl_answer(void *arg, const char *req, size_t len)
{
	struct ha_ctl *ctl = arg;

	return ha_ctl_answer(ctl->h, req, len, now_wall());
}

int ha_ctl_open(struct ha *h, const char *path)
{
	struct ha_ctl *ctl = calloc(1, sizeof(*ctl));
	int r;

	if (!ctl)
		return -ENOMEM;
	ctl->h = h;
	r = ctl_server_open(h->base, path, ctl_answer, ctl, &ctl->srv);
	if (r < 0) {
		free(ctl);
		return r;
	}
	h->ctl = ctl;
	return 0;
}

void ha_ctl_close(struct ha *h)
{
	if (!h->ctl)
		return;
	ctl_server_close(h->ctl->srv);
	free(h->ctl);
	h->ctl = NULL;
}
