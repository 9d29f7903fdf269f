/* ds46-tepd configuration: libconfig syntax, validated setting by setting so
 * that every error carries the file and line libconfig recorded (STYLE 10),
 * as dstm/config.c does for the server.  The reference is
 * docs/tepd.conf.5.md. */
#include "dstm/tep_config.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/cfgparse.h"
#include "common/util.h"

/* ---- addresses ----------------------------------------------------------- */

static uint32_t mask32(unsigned plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

/* 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3 (multicast, class E, broadcast). */
static bool in4_range_reserved(uint32_t first, uint32_t last)
{
	static const uint32_t bad[][2] = {
		{ 0x00000000, 0x00ffffff },
		{ 0x7f000000, 0x7fffffff },
		{ 0xe0000000, 0xffffffff },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (first <= bad[i][1] && last >= bad[i][0])
			return true;
	return false;
}

static int parse_address(struct cfgparse *p, const config_setting_t *s, struct in6_addr *out)
{
	int r = cfgparse_get_in6(p, s, out);

	if (r < 0)
		return r;
	if (IN6_IS_ADDR_UNSPECIFIED(out) || IN6_IS_ADDR_LOOPBACK(out) ||
	    IN6_IS_ADDR_MULTICAST(out) || IN6_IS_ADDR_LINKLOCAL(out) || in6_is_mapped(out))
		return cfgparse_err(
			p, s,
			"address \"%s\" must be a unicast IPv6 address (not link-local, "
			"loopback or IPv4-mapped)",
			config_setting_get_string(s));
	return 0;
}

static int parse_ipv4_address(struct cfgparse *p, const config_setting_t *s, uint32_t *out)
{
	int r = cfgparse_get_in4(p, s, out);

	if (r < 0)
		return r;
	if (in4_range_reserved(*out, *out))
		return cfgparse_err(p, s, "ipv4-address \"%s\" must be a unicast IPv4 address",
				    config_setting_get_string(s));
	return 0;
}

/* "a.b.c.d/len" (1 <= len <= 32) or "a.b.c.d" (a /32), outside the
 * reserved ranges. */
static int parse_route(struct cfgparse *p, const config_setting_t *s, const char *v,
		       struct tep_cfg_route *rt)
{
	int r = cfgparse_prefix4(p, s, v, 1, "route", &rt->addr, &rt->plen);

	if (r < 0)
		return r;
	if (in4_range_reserved(rt->addr, rt->addr | ~mask32(rt->plen)))
		return cfgparse_err(
			p, s, "route \"%s\" contains reserved addresses (0/8, 127/8, 224/3)", v);
	return 0;
}

static bool route_contains(const struct tep_cfg_route *rt, uint32_t a, unsigned plen)
{
	return plen >= rt->plen && ((a ^ rt->addr) & mask32(rt->plen)) == 0;
}

static int parse_routes(struct cfgparse *p, const config_setting_t *s, struct tep_cfg *c)
{
	int n = cfgparse_str_list_len(p, s), r;

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct tep_cfg_route *rt;
		const char *v = NULL;

		r = cfgparse_str_elem(p, s, (unsigned)i, TEP_CFG_MAX_ROUTES, &v);
		if (r < 0)
			return r;
		rt = &c->routes[i];
		r = parse_route(p, e, v, rt);
		if (r < 0)
			return r;
		for (int j = 0; j < i; j++) {
			const struct tep_cfg_route *o = &c->routes[j];
			if (route_contains(o, rt->addr, rt->plen) ||
			    route_contains(rt, o->addr, o->plen))
				return cfgparse_err(
					p, e, "route \"%s\" overlaps \"%s\" (line %u)",
					config_setting_get_string(e),
					config_setting_get_string(
						config_setting_get_elem(s, (unsigned)j)),
					cfgparse_line(p, config_setting_get_elem(s, (unsigned)j)));
		}
	}
	if (n < 0)
		return n;
	c->n_routes = (uint8_t)n;
	return 0;
}

/* ---- the tep group ------------------------------------------------------- */

static const char *const tep_keys[] = {
	"tun", "address", "ipv4-address", "routes", "store", "follow-interval-ms", "learn",
	"learn-lifetime", "mss-clamp", "tunnel-mtu", "tclass", "offload", "control-socket",
	"log-level",
};
enum {
	TK_TUN, TK_ADDRESS, TK_IPV4_ADDRESS, TK_ROUTES, TK_STORE, TK_FOLLOW, TK_LEARN,
	TK_LEARN_LIFETIME, TK_MSS_CLAMP, TK_TUNNEL_MTU, TK_TCLASS, TK_OFFLOAD, TK_CONTROL_SOCKET,
	TK_LOG_LEVEL, TK__MAX,
};

static void tep_defaults(struct tep_cfg *c)
{
	strcpy(c->tun, TEP_CFG_DEFAULT_TUN);
	strcpy(c->store, TEP_CFG_DEFAULT_STORE);
	strcpy(c->control_socket, TEP_CFG_DEFAULT_CONTROL_SOCKET);
	c->follow_interval_ms = TEP_CFG_DEFAULT_FOLLOW_MS;
	c->learn = false;
	c->learn_lifetime = TEP_CFG_DEFAULT_LEARN_LIFETIME;
	c->mss_clamp = 0;
	c->tunnel_mtu = 1460;        /* DP_DEFAULT_TUNNEL_MTU: 1500 - 40 */
	c->tclass_copy = true;
	c->tclass = 0;
	c->offload = TEP_CFG_DEFAULT_OFFLOAD;
	c->log_level = LOG_INFO;
}

static int parse_setting(struct cfgparse *p, const config_setting_t *s, int k, struct tep_cfg *c)
{
	uint64_t v = 0;
	int r;

	switch (k) {
	case TK_TUN:
		return cfgparse_get_ifname(p, s, c->tun);
	case TK_ADDRESS:
		return parse_address(p, s, &c->address);
	case TK_IPV4_ADDRESS:
		return parse_ipv4_address(p, s, &c->ipv4_address);
	case TK_ROUTES:
		return parse_routes(p, s, c);
	case TK_STORE:
		return cfgparse_get_str_buf(p, s, c->store, sizeof(c->store));
	case TK_FOLLOW:
		r = cfgparse_get_uint(p, s, 10, 60000, &v);
		c->follow_interval_ms = (uint32_t)v;
		return r;
	case TK_LEARN:
		return cfgparse_get_bool(p, s, &c->learn);
	case TK_LEARN_LIFETIME:
		r = cfgparse_get_uint(p, s, 1, 604800, &v);
		c->learn_lifetime = (uint32_t)v;
		return r;
	case TK_MSS_CLAMP:
		r = cfgparse_get_uint(p, s, 0, TEP_CFG_MAX_TUNNEL_MTU - 40, &v);
		if (r < 0)
			return r;
		if (v && v < TEP_CFG_MIN_MSS)
			return cfgparse_err(p, s, "'mss-clamp' must be 0 (off) or at least %d",
					    TEP_CFG_MIN_MSS);
		c->mss_clamp = (uint16_t)v;
		return 0;
	case TK_TUNNEL_MTU:
		r = cfgparse_get_uint(p, s, TEP_CFG_MIN_TUNNEL_MTU, TEP_CFG_MAX_TUNNEL_MTU, &v);
		c->tunnel_mtu = (uint16_t)v;
		return r;
	case TK_TCLASS:
		if (config_setting_type(s) == CONFIG_TYPE_STRING) {
			if (strcmp(config_setting_get_string(s), "copy") != 0)
				return cfgparse_err(p, s,
						    "'tclass' must be \"copy\" or an integer "
						    "between 0 and 255");
			c->tclass_copy = true;
			c->tclass = 0;
			return 0;
		}
		if ((config_setting_type(s) != CONFIG_TYPE_INT &&
		     config_setting_type(s) != CONFIG_TYPE_INT64) ||
		    config_setting_get_int64(s) < 0 || config_setting_get_int64(s) > 255)
			return cfgparse_err(
				p, s, "'tclass' must be \"copy\" or an integer between 0 and 255");
		if (cfgparse_check_int(p, s) < 0)     /* a wrapped literal */
			return -EINVAL;
		c->tclass_copy = false;
		c->tclass = (uint8_t)config_setting_get_int64(s);
		return 0;
	case TK_OFFLOAD:
		return cfgparse_get_bool(p, s, &c->offload);
	case TK_CONTROL_SOCKET:
		return cfgparse_get_str_buf(p, s, c->control_socket, sizeof(c->control_socket));
	case TK_LOG_LEVEL:
		return cfgparse_get_log_level(p, s, &c->log_level);
	}
	return cfgparse_err(p, s, "unknown setting '%s' in tep", config_setting_name(s));
}

static int parse_tep(struct cfgparse *p, const config_setting_t *g, struct tep_cfg *c)
{
	const config_setting_t *set[TK__MAX];
	int n, r = cfgparse_group(p, g, tep_keys, ARRAY_SIZE(tep_keys), set);

	n = r < 0 ? 0 : config_setting_length(g);
	for (int i = 0; i < n && r == 0; i++) {           /* in file order */
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		r = parse_setting(p, s,
				  cfgparse_key_index(tep_keys, ARRAY_SIZE(tep_keys),
						     config_setting_name(s)),
				  c);
	}
	if (r < 0)
		return r;
	if (!set[TK_ADDRESS])
		return cfgparse_err(p, g, "tep has no 'address' (the TEP's IPv6 address)");
	if (!set[TK_IPV4_ADDRESS])
		return cfgparse_err(p, g, "tep has no 'ipv4-address' (source of ICMPv4 errors)");
	for (unsigned i = 0; i < c->n_routes; i++)
		if (route_contains(&c->routes[i], c->ipv4_address, 32)) {
			char a[ADDR4_STRLEN];
			return cfgparse_err(
				p, set[TK_IPV4_ADDRESS],
				"ipv4-address %s is inside route \"%s\": it would be leased "
				"to a host",
				fmt_in4(c->ipv4_address, a),
				config_setting_get_string(
					config_setting_get_elem(set[TK_ROUTES], i)));
		}
	if (c->mss_clamp && c->mss_clamp > c->tunnel_mtu - 40)
		return cfgparse_err(p, set[TK_MSS_CLAMP],
				    "mss-clamp (%u) is larger than tunnel-mtu - 40 (%u): segments "
				    "would not fit the tunnel",
				    c->mss_clamp, c->tunnel_mtu - 40u);
	return 0;
}

static int parse_root(struct cfgparse *p, const config_setting_t *root, void *arg)
{
	struct tep_cfg *c = arg;
	const config_setting_t *g;
	int r = cfgparse_top_group(p, "tep", "tep = { address = \"...\"; ... }", &g);

	(void)root;
	if (r < 0)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", p->name);
	tep_defaults(c);
	return parse_tep(p, g, c);
}

static int load(const char *path, const char *text, const char *name, struct tep_cfg **out,
		char *err, size_t errlen)
{
	struct tep_cfg *c = calloc(1, sizeof(*c));
	int r = cfgparse_run(path, text, name, err, errlen, parse_root, c);

	if (r < 0)
		tep_cfg_free(c);
	*out = r < 0 ? NULL : c;
	return r;
}

int tep_cfg_load(const char *path, struct tep_cfg **out, char *err, size_t errlen)
{
	return load(path, NULL, path, out, err, errlen);
}

int tep_cfg_load_string(const char *text, const char *name, struct tep_cfg **out, char *err,
			size_t errlen)
{
	return load(NULL, text, name, out, err, errlen);
}

void tep_cfg_free(struct tep_cfg *c)
{
	free(c);
}

/* ---- printing ------------------------------------------------------------ */

void tep_cfg_print(FILE *f, const struct tep_cfg *c)
{
	char a6[ADDR6_STRLEN], a4[ADDR4_STRLEN];

	fputs("tep = {\n", f);
	cfgparse_print_kv_str(f, "  ", "tun", c->tun);
	cfgparse_print_kv_str(f, "  ", "address", fmt_in6(&c->address, a6));
	cfgparse_print_kv_str(f, "  ", "ipv4-address", fmt_in4(c->ipv4_address, a4));
	fputs("  routes = [ ", f);
	for (unsigned i = 0; i < c->n_routes; i++)
		fprintf(f, "%s\"%s/%u\"", i ? ", " : "", fmt_in4(c->routes[i].addr, a4),
			c->routes[i].plen);
	fputs(c->n_routes ? " ];\n" : "];\n", f);
	cfgparse_print_kv_str(f, "  ", "store", c->store);
	fprintf(f, "  follow-interval-ms = %u;\n", c->follow_interval_ms);
	fprintf(f, "  learn = %s;\n", c->learn ? "true" : "false");
	fprintf(f, "  learn-lifetime = %u;\n", c->learn_lifetime);
	fprintf(f, "  mss-clamp = %u;\n", c->mss_clamp);
	fprintf(f, "  tunnel-mtu = %u;\n", c->tunnel_mtu);
	if (c->tclass_copy)
		fputs("  tclass = \"copy\";\n", f);
	else
		fprintf(f, "  tclass = %u;\n", c->tclass);
	fprintf(f, "  offload = %s;\n", c->offload ? "true" : "false");
	cfgparse_print_kv_str(f, "  ", "control-socket", c->control_socket);
	cfgparse_print_kv_str(f, "  ", "log-level", cfgparse_log_level_name(c->log_level));
	fputs("};\n", f);
}
