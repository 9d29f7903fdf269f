/* ds46-hostd configuration: libconfig syntax, validated setting by setting
 * so that every error carries the file and line libconfig recorded
 * (STYLE 10), with the helpers the server and the border router use
 * (common/cfgparse.h).  The reference is docs/hostd.conf.5.md. */
#include "dstm/host_config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/cfgparse.h"
#include "common/util.h"

#define HOST_CFG_DEFAULT_DTI "dti0"
#define HOST_CFG_DEFAULT_LEASE_FILE "/var/lib/ds46/hostd.lease"
#define HOST_CFG_DEFAULT_CONTROL_SOCKET "/run/ds46/hostd.sock"
#define HOST_CFG_DEFAULT_IAID 1
#define HOST_CFG_DEFAULT_OFFLOAD true   /* docs/bench.md, "Tunnel data plane" */
#define HOST_CFG_DUID_MIN 3          /* 2-octet type plus at least one octet */
/* As for the border router (tep_config.h): the IPv6 minimum MTU less the
 * IPv6 header and RFC 2473's encapsulation limit option; the largest IPv6
 * payload less the IPv6 header. */
#define HOST_CFG_MIN_TUNNEL_MTU 1232
#define HOST_CFG_MAX_TUNNEL_MTU 65495
#define HOST_CFG_MIN_MSS 536         /* RFC 879's default MSS */

static const char *const host_keys[] = {
	"uplink", "dti", "mode", "static-tep", "routes", "lease-file", "release-on-stop",
	"ipv4-option-code", "rapid-commit", "reconfigure-accept", "duid", "iaid", "tunnel-mtu",
	"mss-clamp", "offload", "control-socket", "server-port", "client-port", "log-level",
};
enum {
	HK_UPLINK, HK_DTI, HK_MODE, HK_STATIC_TEP, HK_ROUTES, HK_LEASE_FILE, HK_RELEASE_ON_STOP,
	HK_OPTION_CODE, HK_RAPID_COMMIT, HK_RECONFIGURE_ACCEPT, HK_DUID, HK_IAID, HK_TUNNEL_MTU,
	HK_MSS_CLAMP, HK_OFFLOAD, HK_CONTROL_SOCKET, HK_SERVER_PORT, HK_CLIENT_PORT, HK_LOG_LEVEL, HK__MAX,
};

static void host_defaults(struct host_cfg *c)
{
	strcpy(c->dti, HOST_CFG_DEFAULT_DTI);
	c->on_demand = true;
	c->n_routes = 1;             /* 0.0.0.0/0 */
	c->routes[0] = (struct host_cfg_route){ 0, 0 };
	strcpy(c->lease_file, HOST_CFG_DEFAULT_LEASE_FILE);
	c->release_on_stop = false;
	c->ipv4_option_code = DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT;
	c->rapid_commit = false;
	c->reconfigure_accept = true;
	c->iaid = HOST_CFG_DEFAULT_IAID;
	c->tunnel_mtu = 0;
	c->mss_clamp = 0;
	c->offload = HOST_CFG_DEFAULT_OFFLOAD;
	strcpy(c->control_socket, HOST_CFG_DEFAULT_CONTROL_SOCKET);
	c->server_port = DHCP6_SERVER_PORT;
	c->client_port = DHCP6_CLIENT_PORT;
	c->log_level = LOG_INFO;
}

/* dstm-04 5.3: the TEP the DTI tunnels to when the server names none. */
static int parse_static_tep(struct cfgparse *p, const config_setting_t *s, struct in6_addr *a)
{
	int r = cfgparse_get_in6(p, s, a);

	if (r < 0)
		return r;
	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a) || in6_is_mapped(a))
		return cfgparse_err(p, s,
				    "static-tep \"%s\" must be a unicast IPv6 address (not "
				    "link-local, loopback or IPv4-mapped)",
				    config_setting_get_string(s));
	return 0;
}

/* IPv4 destinations routed into the DTI: "a.b.c.d/len" (0 <= len <= 32) or
 * "a.b.c.d" (a /32), each once. */
static int parse_routes(struct cfgparse *p, const config_setting_t *s, struct host_cfg *c)
{
	int n = cfgparse_str_list_len(p, s), r;

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct host_cfg_route *rt;
		const char *v = NULL;

		r = cfgparse_str_elem(p, s, (unsigned)i, HOST_CFG_MAX_ROUTES, &v);
		if (r < 0)
			return r;
		rt = &c->routes[i];
		r = cfgparse_prefix4(p, e, v, 0, "route", &rt->dst, &rt->plen);
		if (r < 0)
			return r;
		for (int j = 0; j < i; j++) {
			const config_setting_t *o = config_setting_get_elem(s, (unsigned)j);
			if (c->routes[j].dst == rt->dst && c->routes[j].plen == rt->plen)
				return cfgparse_err(p, e,
						    "route \"%s\" is the same as \"%s\" (line %u)", v,
						    config_setting_get_string(o), cfgparse_line(p, o));
		}
	}
	if (n < 0)
		return n;
	c->n_routes = (uint8_t)n;
	return 0;
}

static int parse_setting(struct cfgparse *p, const config_setting_t *s, int k,
			 struct host_cfg *c)
{
	const char *str = NULL;
	uint64_t v = 0;
	int r;

	switch (k) {
	case HK_UPLINK:
		return cfgparse_get_ifname(p, s, c->uplink);
	case HK_DTI:
		return cfgparse_get_ifname(p, s, c->dti);
	case HK_MODE:
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		if (strcmp(str, "on-demand") != 0 && strcmp(str, "always") != 0)
			return cfgparse_err(p, s, "'mode' must be \"on-demand\" or \"always\"");
		c->on_demand = strcmp(str, "on-demand") == 0;
		return 0;
	case HK_STATIC_TEP:
		c->has_static_tep = true;
		return parse_static_tep(p, s, &c->static_tep);
	case HK_ROUTES:
		return parse_routes(p, s, c);
	case HK_LEASE_FILE:
		return cfgparse_get_str_buf(p, s, c->lease_file, sizeof(c->lease_file));
	case HK_RELEASE_ON_STOP:
		return cfgparse_get_bool(p, s, &c->release_on_stop);
	case HK_OPTION_CODE:
		return cfgparse_get_option_code(p, s, DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT,
						&c->ipv4_option_code);
	case HK_RAPID_COMMIT:
		return cfgparse_get_bool(p, s, &c->rapid_commit);
	case HK_RECONFIGURE_ACCEPT:
		return cfgparse_get_bool(p, s, &c->reconfigure_accept);
	case HK_DUID:
		return cfgparse_get_hex(p, s, HOST_CFG_DUID_MIN, c->duid.data, sizeof(c->duid.data),
					&c->duid.len);
	case HK_IAID:
		return cfgparse_get_u32(p, s, 0, &c->iaid);
	case HK_TUNNEL_MTU:
		r = cfgparse_get_uint(p, s, 0, HOST_CFG_MAX_TUNNEL_MTU, &v);
		if (r < 0)
			return r;
		if (v && v < HOST_CFG_MIN_TUNNEL_MTU)
			return cfgparse_err(p, s,
					    "'tunnel-mtu' must be 0 (the uplink's MTU - 40) or "
					    "between %d and %d",
					    HOST_CFG_MIN_TUNNEL_MTU, HOST_CFG_MAX_TUNNEL_MTU);
		c->tunnel_mtu = (uint16_t)v;
		return 0;
	case HK_MSS_CLAMP:
		r = cfgparse_get_uint(p, s, 0, HOST_CFG_MAX_TUNNEL_MTU - 40, &v);
		if (r < 0)
			return r;
		if (v && v < HOST_CFG_MIN_MSS)
			return cfgparse_err(p, s, "'mss-clamp' must be 0 (off) or at least %d",
					    HOST_CFG_MIN_MSS);
		c->mss_clamp = (uint16_t)v;
		return 0;
	case HK_OFFLOAD:
		return cfgparse_get_bool(p, s, &c->offload);
	case HK_CONTROL_SOCKET:
		return cfgparse_get_str_buf(p, s, c->control_socket, sizeof(c->control_socket));
	case HK_SERVER_PORT:
	case HK_CLIENT_PORT:
		r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);
		*(k == HK_SERVER_PORT ? &c->server_port : &c->client_port) = (uint16_t)v;
		return r;
	case HK_LOG_LEVEL:
		return cfgparse_get_log_level(p, s, &c->log_level);
	}
	return cfgparse_err(p, s, "unknown setting '%s' in host", config_setting_name(s));
}

/* The later of two settings in the file (either may be NULL, not both). */
static const config_setting_t *later(const config_setting_t *a, const config_setting_t *b)
{
	if (!a || !b)
		return a ? a : b;
	return config_setting_index(a) > config_setting_index(b) ? a : b;
}

static int parse_host(struct cfgparse *p, const config_setting_t *g, struct host_cfg *c)
{
	const config_setting_t *set[HK__MAX];
	int n, r = cfgparse_group(p, g, host_keys, ARRAY_SIZE(host_keys), set);

	n = r < 0 ? 0 : config_setting_length(g);
	for (int i = 0; i < n && r == 0; i++) {           /* in file order */
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		r = parse_setting(p, s,
				  cfgparse_key_index(host_keys, ARRAY_SIZE(host_keys),
						     config_setting_name(s)),
				  c);
	}
	if (r < 0)
		return r;
	if (!set[HK_UPLINK])
		return cfgparse_err(p, g,
				    "host has no 'uplink' (the IPv6 interface towards the DSTM "
				    "server)");
	if (strcmp(c->dti, c->uplink) == 0)
		return cfgparse_err(p, later(set[HK_UPLINK], set[HK_DTI]),
				    "dti \"%s\" is the uplink: the DTI is a TUN device of its own",
				    c->dti);
	if (c->mss_clamp && c->tunnel_mtu && c->mss_clamp > c->tunnel_mtu - 40)
		return cfgparse_err(p, set[HK_MSS_CLAMP],
				    "mss-clamp (%u) is larger than tunnel-mtu - 40 (%u): segments "
				    "would not fit the tunnel",
				    c->mss_clamp, c->tunnel_mtu - 40u);
	if (c->server_port == c->client_port)
		return cfgparse_err(p, later(set[HK_SERVER_PORT], set[HK_CLIENT_PORT]),
				    "server-port and client-port are both %u: they must differ",
				    c->server_port);
	return 0;
}

static int parse_root(struct cfgparse *p, const config_setting_t *root, void *arg)
{
	struct host_cfg *c = arg;
	const config_setting_t *g;
	int r = cfgparse_top_group(p, "host", "host = { uplink = \"...\"; ... }", &g);

	(void)root;
	if (r < 0)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", p->name);
	host_defaults(c);
	return parse_host(p, g, c);
}

static int load(const char *path, const char *text, const char *name, struct host_cfg **out,
		char *err, size_t errlen)
{
	struct host_cfg *c = calloc(1, sizeof(*c));
	int r = cfgparse_run(path, text, name, err, errlen, parse_root, c);

	if (r < 0)
		host_cfg_free(c);
	*out = r < 0 ? NULL : c;
	return r;
}

int host_cfg_load(const char *path, struct host_cfg **out, char *err, size_t errlen)
{
	return load(path, NULL, path, out, err, errlen);
}

int host_cfg_load_string(const char *text, const char *name, struct host_cfg **out, char *err,
			 size_t errlen)
{
	return load(NULL, text, name, out, err, errlen);
}

void host_cfg_free(struct host_cfg *c)
{
	free(c);
}

/* ---- printing ------------------------------------------------------------- */

void host_cfg_print(FILE *f, const struct host_cfg *c)
{
	char a6[ADDR6_STRLEN], a4[ADDR4_STRLEN];

	fputs("host = {\n", f);
	cfgparse_print_kv_str(f, "  ", "uplink", c->uplink);
	cfgparse_print_kv_str(f, "  ", "dti", c->dti);
	cfgparse_print_kv_str(f, "  ", "mode", c->on_demand ? "on-demand" : "always");
	if (c->has_static_tep)
		cfgparse_print_kv_str(f, "  ", "static-tep", fmt_in6(&c->static_tep, a6));
	fputs("  routes = [ ", f);
	for (unsigned i = 0; i < c->n_routes; i++)
		fprintf(f, "%s\"%s/%u\"", i ? ", " : "", fmt_in4(c->routes[i].dst, a4),
			c->routes[i].plen);
	fputs(c->n_routes ? " ];\n" : "];\n", f);
	cfgparse_print_kv_str(f, "  ", "lease-file", c->lease_file);
	cfgparse_print_kv_bool(f, "  ", "release-on-stop", c->release_on_stop);
	cfgparse_print_kv_u32(f, "  ", "ipv4-option-code", c->ipv4_option_code);
	cfgparse_print_kv_bool(f, "  ", "rapid-commit", c->rapid_commit);
	cfgparse_print_kv_bool(f, "  ", "reconfigure-accept", c->reconfigure_accept);
	if (c->duid.len)
		cfgparse_print_kv_hex(f, "  ", "duid", c->duid.data, c->duid.len);
	cfgparse_print_kv_u32(f, "  ", "iaid", c->iaid);
	cfgparse_print_kv_u32(f, "  ", "tunnel-mtu", c->tunnel_mtu);
	cfgparse_print_kv_u32(f, "  ", "mss-clamp", c->mss_clamp);
	cfgparse_print_kv_bool(f, "  ", "offload", c->offload);
	cfgparse_print_kv_str(f, "  ", "control-socket", c->control_socket);
	cfgparse_print_kv_u32(f, "  ", "server-port", c->server_port);
	cfgparse_print_kv_u32(f, "  ", "client-port", c->client_port);
	cfgparse_print_kv_str(f, "  ", "log-level", cfgparse_log_level_name(c->log_level));
	fputs("};\n", f);
}
