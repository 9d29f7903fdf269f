/* The DSTM host daemon's control socket (protocol: src/ctl/ctl_proto.h):
 * ping, stats (the DHCPv6 client's and the tunnel engine's counters), and
 * leases (the IPv4 lease the host holds, if any). */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "ctl/ctl_server.h"
#include "dstm/host.h"

static char *answer_stats(struct host *h)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	if (!o || !st) {
		json_object_put(o);
		json_object_put(st);
		return NULL;
	}
	for (size_t i = 0; i < client_stat_count(); i++)
		ctl_json_add_u64(st, client_stat_names[i], client_stat_get(&h->cl.stats, i));
	dp_stats_foreach(&h->e.st, ctl_json_add_u64, st);
	json_object_object_add(st, "tunnel_mtu", json_object_new_uint64(h->e.tunnel_mtu));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "stats", st);
	return ctl_server_json(o);
}

/* The same shape as the server's lease list, with the host's one lease. */
static char *answer_leases(struct host *h)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct client_lease l;
	char a[ADDR6_STRLEN], b[ADDR4_STRLEN];
	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	if (client_lease_export(&h->cl, now_ms_mono(), &l) == 0) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "addr", json_object_new_string(fmt_in4(l.v4, b)));
		json_object_object_add(e, "kind", json_object_new_string("ipv4"));
		json_object_object_add(e, "state", json_object_new_string(client_state_name(h->cl.state)));
		json_object_object_add(e, "client", json_object_new_string(fmt_in6(&h->src6, a)));
		json_object_object_add(e, "tep", h->e.has_tep ? json_object_new_string(fmt_in6(&h->e.tep, a))
							   : NULL);
		json_object_object_add(e, "tep_from_dhcpv6", json_object_new_boolean(l.has_tep));
		json_object_object_add(e, "remaining", json_object_new_int64(l.valid));
		json_object_object_add(e, "expires", json_object_new_int64(now_wall() + l.valid));
		json_object_object_add(e, "preferred", json_object_new_int64(l.preferred));
		json_object_object_add(e, "valid", json_object_new_int64(l.valid));
		json_object_object_add(e, "t1", json_object_new_int64(l.t1));
		json_object_object_add(e, "t2", json_object_new_int64(l.t2));
		json_object_object_add(e, "reconfigure_key", json_object_new_boolean(l.has_reconf_key));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "leases", arr);
	return ctl_server_json(o);
}

static char *host_ctl_answer(void *ctx, const char *buf, size_t len)
{
	struct host *h = ctx;
	struct ctl_req req;
	char err[160];
	if (ctl_req_parse(buf, len, &req, err, sizeof(err)) < 0)
		return ctl_server_error(err[0] ? err : "bad request");
	switch (req.cmd) {
	case CTL_CMD_PING:
		return ctl_server_ok();
	case CTL_CMD_STATS:
		return answer_stats(h);
	case CTL_CMD_LEASES:
		return answer_leases(h);
	case CTL_CMD_POOLS:
	case CTL_CMD_RELEASE:
	case CTL_CMD_RECONFIGURE:
	case CTL_CMD_BINDINGS:
	case CTL_CMD_MOBILITY:      /* Mobile IPv4 daemons' */
	case CTL_CMD_VISITORS:
	case CTL_CMD__MAX:
		break;
	}
	return ctl_server_error("command not served by ds46-hostd");
}

int host_ctl_open(struct host *h)
{
	return ctl_server_open(h->base, h->cfg->control_socket, host_ctl_answer, h, &h->ctl);
}
