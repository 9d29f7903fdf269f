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
	for (size_t i = 0; i < mn_disc_stat_count(); i++) {
		snprintf(key, sizeof(key), "disc_%s", mn_disc_stat_names[i]);
		ctl_json_add_u64(st, key, mn_disc_stat_get(&m->disc.stats, i));
	}
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

static struct json_object *str_mac(const uint8_t *mac)
{
	char b[18];

	if (!mac)
		return json_object_new_string("-");
	snprintf(b, sizeof(b), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return json_object_new_string(b);
}

static long long remaining_s(uint64_t expires_ms, uint64_t now_ms)
{
	return expires_ms > now_ms ? (long long)((expires_ms - now_ms + 999) / 1000) : 0;
}

static const uint8_t *mac_of(const struct mn *m, uint32_t addr)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->macs); i++)
		if (addr && m->macs[i].addr == addr)
			return m->macs[i].mac;
	return NULL;
}

/* Agent discovery, the agent in use and the UDP tunnel (RFC 5944 2.4,
 * 4.2.2; RFC 3519), into the registration object. */
static void mobility_agent(struct mn *m, struct json_object *r, uint64_t now_ms)
{
	const struct mn_disc_agent *ag = m->disc_on ? mn_disc_current(&m->disc) : NULL;
	const struct mn_reg_binding *b = mn_reg_binding(&m->reg);
	struct json_object *agents = json_object_new_array();
	char fl[16];
	const char *mode = "-";

	if (m->loc.where == MN_WHERE_AWAY)
		mode = m->loc.fa ? "foreign-agent" : "co-located";
	json_object_object_add(r, "mode", json_object_new_string(mode));
	json_object_object_add(r, "discovery",
			       json_object_new_string(m->disc_on ? mn_disc_state_name(m->disc.state)
								 : "off"));
	json_object_object_add(r, "agent", str4(ag ? ag->addr : 0));
	json_object_object_add(r, "agent_mac", str_mac(ag ? mac_of(m, ag->addr) : NULL));
	json_object_object_add(r, "agent_coa", str4(ag ? ag->coa : 0));
	json_object_object_add(r, "agent_flags",
			       json_object_new_string(ag ? mn_agent_flags_str(ag->flags, fl, sizeof(fl))
							 : "-"));
	json_object_object_add(r, "agent_remaining",
			       json_object_new_int64(ag ? remaining_s(ag->expires_ms, now_ms) : 0));
	json_object_object_add(r, "registered_via", str4(b && !b->colocated ? b->fa : 0));
	json_object_object_add(r, "udp_tunnel",
			       json_object_new_string(m->applied.dp.udp_sport ? "on" : "off"));
	json_object_object_add(r, "udp_tunnel_config",
			       json_object_new_string(mn_udp_tunnel_name(m->cfg->udp_tunnel)));
	json_object_object_add(r, "udp_port", json_object_new_int(m->udp_port));
	json_object_object_add(r, "keepalive", json_object_new_int(m->applied.keepalive));
	if (!agents)
		return;
	for (int i = 0; m->disc_on && i < MN_DISC_MAX_AGENTS; i++) {
		const struct mn_disc_agent *x = &m->disc.agents[i];
		struct json_object *e;

		if (!m->disc.used[i] || (e = json_object_new_object()) == NULL)
			continue;
		json_object_object_add(e, "address", str4(x->addr));
		json_object_object_add(e, "mac", str_mac(mac_of(m, x->addr)));
		json_object_object_add(e, "coa", str4(x->coa));
		json_object_object_add(e, "flags",
				       json_object_new_string(mn_agent_flags_str(x->flags, fl, sizeof(fl))));
		json_object_object_add(e, "home", json_object_new_boolean(x->home));
		json_object_object_add(e, "current", json_object_new_boolean(i == m->disc.current));
		json_object_object_add(e, "remaining",
				       json_object_new_int64(remaining_s(x->expires_ms, now_ms)));
		json_object_array_add(agents, e);
	}
	json_object_object_add(r, "agents", agents);
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
	if (b && b->fa)
		json_object_object_add(r, "delivery",
				       json_object_new_string(!b->reverse_tunnel  ? "none"
							      : b->encap_delivery ? "encapsulating"
										  : "direct"));
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

			/* RFC 5454 3.5 code 1 through a foreign agent: native */
			const char *mode = x->native_link ? "native" : v6_mode_name(x->mode);

			if (x->outcome == MN_V6_ACCEPTED) {
				json_object_array_add(pre, prefix_json(&x->granted));
				if (!strcmp(ipv6, "none"))
					ipv6 = mode;
			}
			if (!e)
				continue;
			json_object_object_add(e, "request", prefix_json(&x->req));
			json_object_object_add(e, "granted", prefix_json(&x->granted));
			json_object_object_add(e, "outcome",
					       json_object_new_string(mn_v6_outcome_name(x->outcome)));
			json_object_object_add(e, "code", json_object_new_int(x->code));
			json_object_object_add(e, "mode", json_object_new_string(mode));
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
	mobility_agent(m, r, now_ms);
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
	case CTL_CMD_VISITORS:       /* the foreign agent's */
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
