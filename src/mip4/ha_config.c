/* ds46-had configuration: libconfig syntax, validated setting by setting so
 * that every error carries the file and line libconfig recorded (STYLE 10),
 * with the helpers the DSTM daemons use (common/cfgparse.h).  The commented
 * reference is examples/had.conf. */
#include "mip4/ha_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/cfgparse.h"
#include "common/util.h"
#include "dataplane/engine_mld.h"
#include "wire/udptun.h"

/* ---- addresses ----------------------------------------------------------- */

static uint32_t mask32(unsigned plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

static bool in6_linklocal(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* One prefix inside (or equal to) the other. */
static bool p6_overlap(const struct in6_addr *a, unsigned alen, const struct in6_addr *b,
		       unsigned blen)
{
	return in6_prefix_match(a, b, MIN(alen, blen)) != 0;
}

/* inner/ilen lies inside outer/olen. */
static bool p6_inside(const struct in6_addr *inner, unsigned ilen, const struct in6_addr *outer,
		      unsigned olen)
{
	return ilen >= olen && in6_prefix_match(inner, outer, olen);
}

static const char *fmt_p6(const struct ha_cfg_prefix6 *p, char *buf, size_t len)
{
	char a[ADDR6_STRLEN];

	snprintf(buf, len, "%s/%u", fmt_in6(&p->prefix, a), p->plen);
	return buf;
}

/* s (string v) is a global unicast IPv6 prefix: cfgparse_prefix6 plus "not
 * link-local" (a link-local address is registered with prefix length 255,
 * RFC 5454 3.7.1, never configured). */
static int parse_p6(struct cfgparse *p, const config_setting_t *s, const char *v,
		    struct ha_cfg_prefix6 *out)
{
	int r = cfgparse_prefix6(p, s, v, &out->prefix, &out->plen);

	if (r < 0)
		return r;
	if (in6_linklocal(&out->prefix) || IN6_IS_ADDR_LOOPBACK(&out->prefix))
		return cfgparse_err(p, s, "prefix \"%s\" is not a global unicast prefix", v);
	return 0;
}

/* A list of prefixes, none the same as or inside another of the list. */
static int parse_p6_list(struct cfgparse *p, const config_setting_t *s, unsigned max,
			 struct ha_cfg_prefix6 *out, uint8_t *n_out)
{
	int n = cfgparse_str_list_len(p, s), r;

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = NULL;

		r = cfgparse_str_elem(p, s, (unsigned)i, max, &v);
		if (r < 0)
			return r;
		r = parse_p6(p, e, v, &out[i]);
		if (r < 0)
			return r;
		for (int j = 0; j < i; j++) {
			const config_setting_t *o = config_setting_get_elem(s, (unsigned)j);
			if (p6_overlap(&out[i].prefix, out[i].plen, &out[j].prefix, out[j].plen))
				return cfgparse_err(p, e, "prefix \"%s\" overlaps \"%s\" (line %u)",
						    v, config_setting_get_string(o),
						    cfgparse_line(p, o));
		}
	}
	if (n < 0)
		return n;
	*n_out = (uint8_t)n;
	return 0;
}

/* "a.b.c.d - e.f.g.h" (white space around the dash allowed). */
static int parse_pool4(struct cfgparse *p, const config_setting_t *s, struct ha_cfg *c)
{
	const char *v = NULL, *dash;
	uint32_t a, b;
	int r = cfgparse_get_str(p, s, &v);

	if (r < 0)
		return r;
	dash = strchr(v, '-');
	if (!dash || !cfgparse_parse_in4(v, (size_t)(dash - v), &a) ||
	    !cfgparse_parse_in4(dash + 1, strlen(dash + 1), &b))
		return cfgparse_err(p, s, "pool4 \"%s\" must be a range \"first-last\"", v);
	if (a > b)
		return cfgparse_err(p, s, "pool4 \"%s\": the first address is after the last",
				    v);
	if ((uint64_t)b - a + 1 > HA_CFG_POOL4_MAX)
		return cfgparse_err(p, s, "pool4 \"%s\" is too large (at most %u addresses)", v,
				    HA_CFG_POOL4_MAX);
	c->has_pool4 = true;
	c->pool4_first = htonl(a);
	c->pool4_last = htonl(b);
	return 0;
}

/* pool6 = { prefix = "2001:db8:100::/48"; length = 64; } */
static int parse_pool6(struct cfgparse *p, const config_setting_t *g, struct ha_cfg *c)
{
	static const char *const keys[] = { "prefix", "length" };
	const config_setting_t *set[2];
	struct ha_cfg_prefix6 pp;
	const char *v = NULL;
	uint64_t len = 0;
	int r = cfgparse_group(p, g, keys, ARRAY_SIZE(keys), set);

	if (r < 0)
		return r;
	if (!set[0] || !set[1])
		return cfgparse_err(p, g, "pool6 needs 'prefix' and 'length': pool6 = { prefix "
					  "= \"2001:db8:100::/48\"; length = 64; }");
	r = cfgparse_get_str(p, set[0], &v);
	if (r < 0)
		return r;
	r = parse_p6(p, set[0], v, &pp);
	if (r < 0)
		return r;
	r = cfgparse_get_uint(p, set[1], 1, 128, &len);
	if (r < 0)
		return r;
	if (len < pp.plen)
		return cfgparse_err(p, set[1], "pool6 length %llu is shorter than its prefix /%u",
				    (unsigned long long)len, pp.plen);
	c->has_pool6 = true;
	c->pool6_prefix = pp.prefix;
	c->pool6_plen = pp.plen;
	c->pool6_length = (uint8_t)len;
	return 0;
}

/* ---- the ha group --------------------------------------------------------- */

static const char *const ha_keys[] = {
	"address", "home-link", "home-network", "home-prefixes", "max-lifetime",
	"replay-window", "encapsulations", "reverse-tunnel", "forward-broadcast", "ipv6",
	"tunnel-mode", "tunnel-mtu", "dad-timeout-ms", "pool4", "pool6", "port", "store",
	"control-socket", "log-level", "nodes", "tunnel-interface", "foreign-agents",
	"foreign-agent-policy", "nat-traversal", "nat-traversal-force", "udp-keepalive",
	"multicast-min-scope", "multicast-max-groups", "mld-query-interval",
};
enum {
	HK_ADDRESS, HK_HOME_LINK, HK_HOME_NETWORK, HK_HOME_PREFIXES, HK_MAX_LIFETIME,
	HK_REPLAY_WINDOW, HK_ENCAPS, HK_REVTUN, HK_BROADCAST, HK_IPV6, HK_TUNNEL_MODE,
	HK_TUNNEL_MTU, HK_DAD_TIMEOUT, HK_POOL4, HK_POOL6, HK_PORT, HK_STORE, HK_CONTROL_SOCKET,
	HK_LOG_LEVEL, HK_NODES, HK_TUN, HK_FAS, HK_FA_POLICY, HK_NAT, HK_NAT_FORCE,
	HK_UDP_KEEPALIVE, HK_MC_MIN_SCOPE, HK_MC_MAX_GROUPS, HK_MLD_QUERY_INTERVAL, HK__MAX,
};

static const char *const fa_keys[] = { "address", "spi", "key", "key-hex" };
enum { FK_ADDRESS, FK_SPI, FK_KEY, FK_KEY_HEX, FK__MAX };

static const char *const node_keys[] = {
	"name", "nai", "home-address", "spi", "key", "key-hex", "replay", "max-bindings",
	"dynamic-ipv6", "prefixes", "implicit-prefixes",
};
enum {
	NK_NAME, NK_NAI, NK_HOME_ADDRESS, NK_SPI, NK_KEY, NK_KEY_HEX, NK_REPLAY,
	NK_MAX_BINDINGS, NK_DYNAMIC_IPV6, NK_PREFIXES, NK_IMPLICIT, NK__MAX,
};

const char *ha_revtun_name(uint8_t v)
{
	switch (v) {
	case HA_REVTUN_OFF:
		return "off";
	case HA_REVTUN_REQUIRED:
		return "required";
	}
	return "allowed";
}

const char *ha_fa_policy_name(uint8_t v)
{
	switch (v) {
	case HA_FA_LISTED:
		return "listed";
	case HA_FA_AUTHENTICATED:
		return "authenticated";
	}
	return "any";
}

const struct ha_cfg_fa *ha_cfg_fa_find(const struct ha_cfg *c, uint32_t addr)
{
	for (unsigned i = 0; i < c->n_fas; i++)
		if (c->fas[i].address == addr)
			return &c->fas[i];
	return NULL;
}

const char *ha_replay_name(uint8_t v)
{
	return v == HA_REPLAY_NONCE ? "nonce" : "timestamp";
}

static void ha_defaults(struct ha_cfg *c)
{
	c->max_lifetime = HA_CFG_DEFAULT_MAX_LIFETIME;
	c->replay_window = HA_CFG_DEFAULT_REPLAY_WINDOW;
	c->encap_gre = true;
	c->encap_minimal = true;
	c->reverse_tunnel = HA_REVTUN_ALLOWED;
	c->forward_broadcast = true;
	c->ipv6 = true;
	c->tunnel_mode = true;
	c->tunnel_mtu = HA_CFG_DEFAULT_TUNNEL_MTU;
	c->dad_timeout_ms = HA_CFG_DEFAULT_DAD_TIMEOUT_MS;
	c->port = MIP4_PORT;
	c->fa_policy = HA_FA_ANY;
	c->nat_traversal = true;
	c->nat_force = true;
	c->udp_keepalive = HA_CFG_DEFAULT_UDP_KEEPALIVE;
	c->mc_min_scope = DP_MIP_MC_MIN_SCOPE;
	c->mc_max_groups = DP_MIP_MLD_PER_NODE;
	c->mld_query_interval = DP_MLD_QUERY_INTERVAL;
	strcpy(c->store, HA_CFG_DEFAULT_STORE);
	strcpy(c->control_socket, HA_CFG_DEFAULT_CONTROL_SOCKET);
	strcpy(c->tun, HA_CFG_DEFAULT_TUN);
	c->log_level = LOG_INFO;
}

static int parse_address(struct cfgparse *p, const config_setting_t *s, uint32_t *out)
{
	uint32_t h = 0;
	int r = cfgparse_get_in4(p, s, &h);

	if (r < 0)
		return r;
	if (in4_reserved(h))
		return cfgparse_err(p, s, "%s \"%s\" must be a unicast IPv4 address",
				    cfgparse_name(s), config_setting_get_string(s));
	*out = htonl(h);
	return 0;
}

static int parse_encaps(struct cfgparse *p, const config_setting_t *s, struct ha_cfg *c)
{
	static const char *const names[] = { "ipip", "gre", "minimal" };
	bool seen[ARRAY_SIZE(names)];
	int r = cfgparse_get_name_set(p, s, "encapsulation", names, ARRAY_SIZE(names), seen);

	if (r < 0)
		return r;
	if (!seen[0])
		return cfgparse_err(p, s, "encapsulations must include \"ipip\" (RFC 5944 4.1: home agents MUST support IP in IP)");
	c->encap_gre = seen[1];
	c->encap_minimal = seen[2];
	return 0;
}

/* A key given as 'key' (a string) or 'key-hex', exactly one of them. */
static int parse_key(struct cfgparse *p, const config_setting_t *g, const config_setting_t *ks,
		     const config_setting_t *kh, const char *who, uint8_t *key, uint8_t *len)
{
	const char *str = NULL;
	int r;

	if (!ks == !kh)
		return cfgparse_err(p, ks ? kh : g,
				    "%s needs exactly one of 'key' (a string) and 'key-hex'", who);
	if (ks) {
		r = cfgparse_get_str(p, ks, &str);
		if (r < 0)
			return r;
		if (!*str || strlen(str) > HA_CFG_KEY_MAX)
			return cfgparse_err(p, ks, "'key' must be 1 to %d characters",
					    HA_CFG_KEY_MAX);
		*len = (uint8_t)strlen(str);
		memcpy(key, str, *len);
		return 0;
	}
	return cfgparse_get_hex(p, kh, 1, key, HA_CFG_KEY_MAX, len);
}

/* foreign-agents = ( { address = "..."; spi = N; key = "..."; }, ... ):
 * the FA-HA security associations (RFC 5944 3.5.4), or bare addresses
 * (allowed without one). */
static int parse_fas(struct cfgparse *p, const config_setting_t *s, struct ha_cfg *c)
{
	int n = cfgparse_get_group_list(p, s, HA_CFG_MAX_FAS, "foreign-agents");

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *set[FK__MAX];
		struct ha_cfg_fa *fa = &c->fas[i];
		char who[64], a[ADDR4_STRLEN];
		int r = cfgparse_group(p, g, fa_keys, ARRAY_SIZE(fa_keys), set);

		if (r < 0)
			return r;
		if (!set[FK_ADDRESS])
			return cfgparse_err(p, g, "foreign agent has no 'address'");
		r = parse_address(p, set[FK_ADDRESS], &fa->address);
		if (r < 0)
			return r;
		for (int j = 0; j < i; j++)
			if (c->fas[j].address == fa->address)
				return cfgparse_err(p, set[FK_ADDRESS],
						    "foreign agent %s is listed twice",
						    fmt_in4(ntohl(fa->address), a));
		snprintf(who, sizeof(who), "foreign agent %s", fmt_in4(ntohl(fa->address), a));
		if (!set[FK_SPI] && !set[FK_KEY] && !set[FK_KEY_HEX])
			continue;
		if (!set[FK_SPI])
			return cfgparse_err(p, g, "%s has a key but no 'spi'", who);
		r = cfgparse_get_u32(p, set[FK_SPI], MIP4_SPI_HMAC_MD5_MIN, &fa->spi);
		if (r == 0)
			r = parse_key(p, g, set[FK_KEY], set[FK_KEY_HEX], who, fa->key,
				      &fa->key_len);
		if (r < 0)
			return r;
		fa->has_sa = true;
	}
	c->n_fas = (uint8_t)n;
	return 0;
}

static int parse_setting(struct cfgparse *p, const config_setting_t *s, int k, struct ha_cfg *c)
{
	const char *str = NULL;
	uint64_t v = 0;
	int r;

	switch (k) {
	case HK_ADDRESS:
		return parse_address(p, s, &c->address);
	case HK_HOME_LINK:
		return cfgparse_get_ifname(p, s, c->home_link);
	case HK_TUN:
		return cfgparse_get_ifname(p, s, c->tun);
	case HK_HOME_NETWORK: {
		uint32_t a = 0;
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		r = cfgparse_prefix4(p, s, str, 1, "home-network", &a, &c->home_plen);
		if (r < 0)
			return r;
		if (c->home_plen > 30 || !strchr(str, '/'))
			return cfgparse_err(p, s,
					    "home-network \"%s\" must be a prefix of length 1 to 30",
					    str);
		if (in4_reserved(a))
			return cfgparse_err(p, s, "home-network \"%s\" is not unicast", str);
		c->home_net = htonl(a);
		return 0;
	}
	case HK_HOME_PREFIXES:
		return parse_p6_list(p, s, HA_CFG_MAX_HOME_PREFIXES, c->home6, &c->n_home6);
	case HK_MAX_LIFETIME:
		r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);
		c->max_lifetime = (uint16_t)v;
		return r;
	case HK_REPLAY_WINDOW:
		r = cfgparse_get_uint(p, s, 1, 3600, &v);
		c->replay_window = (uint32_t)v;
		return r;
	case HK_ENCAPS:
		return parse_encaps(p, s, c);
	case HK_REVTUN:
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		if (strcmp(str, "off") == 0)
			c->reverse_tunnel = HA_REVTUN_OFF;
		else if (strcmp(str, "allowed") == 0)
			c->reverse_tunnel = HA_REVTUN_ALLOWED;
		else if (strcmp(str, "required") == 0)
			c->reverse_tunnel = HA_REVTUN_REQUIRED;
		else
			return cfgparse_err(p, s,
					    "'reverse-tunnel' must be \"off\", \"allowed\" or "
					    "\"required\"");
		return 0;
	case HK_BROADCAST:
		return cfgparse_get_bool(p, s, &c->forward_broadcast);
	case HK_IPV6:
		return cfgparse_get_bool(p, s, &c->ipv6);
	case HK_TUNNEL_MODE:
		return cfgparse_get_bool(p, s, &c->tunnel_mode);
	case HK_TUNNEL_MTU:
		r = cfgparse_get_uint(p, s, HA_CFG_MIN_TUNNEL_MTU, HA_CFG_MAX_TUNNEL_MTU, &v);
		c->tunnel_mtu = (uint16_t)v;
		return r;
	case HK_DAD_TIMEOUT:
		r = cfgparse_get_uint(p, s, 100, 60000, &v);
		c->dad_timeout_ms = (uint32_t)v;
		return r;
	case HK_POOL4:
		return parse_pool4(p, s, c);
	case HK_POOL6:
		return parse_pool6(p, s, c);
	case HK_PORT:
		r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);
		c->port = (uint16_t)v;
		return r;
	case HK_STORE:
		return cfgparse_get_str_buf(p, s, c->store, sizeof(c->store));
	case HK_CONTROL_SOCKET:
		return cfgparse_get_str_buf(p, s, c->control_socket, sizeof(c->control_socket));
	case HK_LOG_LEVEL:
		return cfgparse_get_log_level(p, s, &c->log_level);
	case HK_FAS:
		return parse_fas(p, s, c);
	case HK_FA_POLICY:
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		if (strcmp(str, "any") == 0)
			c->fa_policy = HA_FA_ANY;
		else if (strcmp(str, "listed") == 0)
			c->fa_policy = HA_FA_LISTED;
		else if (strcmp(str, "authenticated") == 0)
			c->fa_policy = HA_FA_AUTHENTICATED;
		else
			return cfgparse_err(p, s,
					    "'foreign-agent-policy' must be \"any\", \"listed\" or "
					    "\"authenticated\"");
		return 0;
	case HK_NAT:
		return cfgparse_get_bool(p, s, &c->nat_traversal);
	case HK_NAT_FORCE:
		return cfgparse_get_bool(p, s, &c->nat_force);
	case HK_MC_MIN_SCOPE:
		/* seed 3.3.2: not link scope (2) or below; 14 global, 5 site,
		 * 8 organisation (the seed says SHOULD NOT for the last two) */
		r = cfgparse_get_uint(p, s, 3, 15, &v);
		c->mc_min_scope = (uint8_t)v;
		return r;
	case HK_MC_MAX_GROUPS:
		r = cfgparse_get_uint(p, s, 1, DP_MIP_MLD_PER_NODE_MAX, &v);
		c->mc_max_groups = (uint16_t)v;
		return r;
	case HK_MLD_QUERY_INTERVAL:
		/* RFC 3810 9.2; up to 127 s, coded as is in QQIC (5.1.9) */
		r = cfgparse_get_uint(p, s, 10, 127, &v);
		c->mld_query_interval = (uint8_t)v;
		return r;
	case HK_UDP_KEEPALIVE:
		r = cfgparse_get_uint(p, s, 0, UINT16_MAX, &v);
		if (r < 0)
			return r;
		if (v != 0 && v < UDPTUN_KEEPALIVE_MIN)
			return cfgparse_err(p, s,
					    "'udp-keepalive' must be 0 (the node's default) or at "
					    "least %d seconds (RFC 3519 4.10)",
					    UDPTUN_KEEPALIVE_MIN);
		c->udp_keepalive = (uint16_t)v;
		return 0;
	case HK_NODES:
		return 0;            /* after everything it is checked against */
	}
	return cfgparse_err(p, s, "unknown setting '%s' in ha", config_setting_name(s));
}

/* ---- nodes ---------------------------------------------------------------- */

static bool in_home_net(const struct ha_cfg *c, uint32_t a)
{
	return ((ntohl(a) ^ ntohl(c->home_net)) & mask32(c->home_plen)) == 0;
}

static bool in_pool4(const struct ha_cfg *c, uint32_t a)
{
	return c->has_pool4 && ntohl(a) >= ntohl(c->pool4_first) &&
	       ntohl(a) <= ntohl(c->pool4_last);
}

static int parse_node_name(struct cfgparse *p, const config_setting_t *s, char *buf)
{
	int r = cfgparse_get_str_buf(p, s, buf, HA_CFG_NAME_MAX + 1);

	if (r < 0)
		return r;
	for (const char *q = buf; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '-' || *q == '_' || *q == '.'))
			return cfgparse_err(p, s,
					    "node name \"%s\" may only hold letters, digits, "
					    "'-', '_' and '.'",
					    buf);
	return 0;
}

static int parse_home_address(struct cfgparse *p, const config_setting_t *s,
			      const struct ha_cfg *c, uint32_t *out)
{
	const char *v = config_setting_get_string(s);
	uint32_t h = 0, mask = mask32(c->home_plen);
	int r = cfgparse_get_in4(p, s, &h);

	if (r < 0)
		return r;
	*out = htonl(h);
	if (h == 0)
		return 0;            /* assigned from pool4 */
	if (!in_home_net(c, *out))
		return cfgparse_err(p, s, "home-address \"%s\" is not inside home-network", v);
	if ((h & ~mask) == 0 || (h | mask) == 0xffffffffu)
		return cfgparse_err(p, s,
				    "home-address \"%s\" is the home network's own or broadcast "
				    "address",
				    v);
	if (*out == c->address)
		return cfgparse_err(p, s, "home-address \"%s\" is the home agent's address", v);
	if (in_pool4(c, *out))
		return cfgparse_err(p, s, "home-address \"%s\" is inside pool4", v);
	return 0;
}

/* A node prefix against the home link and the dynamic pool: on the home
 * link only single addresses are registered (their neighbours see the
 * whole home prefix on-link, seed 3.3: DAD for a /128), and no node prefix
 * may cover the home link; pool6 is the home agent's to hand out. */
static int check_node_prefix(struct cfgparse *p, const config_setting_t *e, const struct ha_cfg *c,
			     const struct ha_cfg_prefix6 *np, bool implicit)
{
	const char *v = config_setting_get_string(e);
	char b[64];

	for (unsigned h = 0; h < c->n_home6; h++) {
		const struct ha_cfg_prefix6 *hp = &c->home6[h];
		if (p6_inside(&hp->prefix, hp->plen, &np->prefix, np->plen))
			return cfgparse_err(p, e, "prefix \"%s\" covers home prefix %s", v,
					    fmt_p6(hp, b, sizeof(b)));
		if (p6_inside(&np->prefix, np->plen, &hp->prefix, hp->plen) && implicit)
			return cfgparse_err(p, e,
					    "implicit prefix \"%s\" is on the home link (%s): "
					    "register it explicitly (DAD)",
					    v, fmt_p6(hp, b, sizeof(b)));
		if (p6_inside(&np->prefix, np->plen, &hp->prefix, hp->plen) && np->plen != 128)
			return cfgparse_err(p, e,
					    "prefix \"%s\" is inside home prefix %s: only single "
					    "addresses (/128) of the home link are registered",
					    v, fmt_p6(hp, b, sizeof(b)));
	}
	if (c->has_pool6 && p6_overlap(&np->prefix, np->plen, &c->pool6_prefix, c->pool6_plen))
		return cfgparse_err(p, e, "prefix \"%s\" overlaps pool6", v);
	return 0;
}

static int parse_node_prefixes(struct cfgparse *p, const config_setting_t *s,
			       const struct ha_cfg *c, bool implicit, struct ha_cfg_prefix6 *out,
			       uint8_t *n)
{
	int r = parse_p6_list(p, s, implicit ? HA_CFG_MAX_IMPLICIT : HA_CFG_MAX_NODE_PREFIXES, out,
			      n);

	for (unsigned i = 0; r == 0 && i < *n; i++)
		r = check_node_prefix(p, config_setting_get_elem(s, i), c, &out[i], implicit);
	return r;
}

/* A home prefix that can hold ::interface-id/128 requests (seed 3.7.1). */
static bool iid_prefix(const struct ha_cfg *c)
{
	for (unsigned h = 0; h < c->n_home6; h++)
		if (c->home6[h].plen <= 64)
			return true;
	return false;
}

static int parse_node(struct cfgparse *p, const config_setting_t *g, const struct ha_cfg *c,
		      struct ha_cfg_node *nd, const config_setting_t **set)
{
	const char *str = NULL;
	uint64_t v = 0;
	int r = cfgparse_group(p, g, node_keys, ARRAY_SIZE(node_keys), set);

	if (r < 0)
		return r;
	nd->max_bindings = 1;
	nd->replay = HA_REPLAY_TIMESTAMP;
	if (!set[NK_NAME])
		return cfgparse_err(p, g, "node has no 'name'");
	r = parse_node_name(p, set[NK_NAME], nd->name);
	if (r < 0)
		return r;
	if (set[NK_NAI]) {
		r = cfgparse_get_str_buf(p, set[NK_NAI], nd->nai, sizeof(nd->nai));
		if (r < 0)
			return r;
	}
	if (!set[NK_HOME_ADDRESS])
		return cfgparse_err(p, g,
				    "node '%s' has no 'home-address' (\"0.0.0.0\": assigned from "
				    "pool4)",
				    nd->name);
	r = parse_home_address(p, set[NK_HOME_ADDRESS], c, &nd->home_addr);
	if (r < 0)
		return r;
	if (nd->home_addr == 0 && !nd->nai[0])
		return cfgparse_err(p, set[NK_HOME_ADDRESS],
				    "node '%s' has an assigned home address but no 'nai': it "
				    "could not be identified (RFC 2794)",
				    nd->name);
	if (nd->home_addr == 0 && !c->has_pool4)
		return cfgparse_err(p, set[NK_HOME_ADDRESS],
				    "node '%s' has an assigned home address but the home agent "
				    "has no 'pool4'",
				    nd->name);
	if (!set[NK_SPI])
		return cfgparse_err(p, g, "node '%s' has no 'spi'", nd->name);
	r = cfgparse_get_u32(p, set[NK_SPI], MIP4_SPI_HMAC_MD5_MIN, &nd->spi);
	if (r < 0)
		return r;
	if (!set[NK_KEY] == !set[NK_KEY_HEX])
		return cfgparse_err(p, set[NK_KEY] ? set[NK_KEY_HEX] : g,
				    "node '%s' needs exactly one of 'key' (a string) and "
				    "'key-hex'",
				    nd->name);
	r = parse_key(p, g, set[NK_KEY], set[NK_KEY_HEX], nd->name, nd->key, &nd->key_len);
	if (r < 0)
		return r;
	if (set[NK_REPLAY]) {
		r = cfgparse_get_str(p, set[NK_REPLAY], &str);
		if (r < 0)
			return r;
		if (strcmp(str, "timestamp") == 0)
			nd->replay = HA_REPLAY_TIMESTAMP;
		else if (strcmp(str, "nonce") == 0)
			nd->replay = HA_REPLAY_NONCE;
		else
			return cfgparse_err(p, set[NK_REPLAY],
					    "'replay' must be \"timestamp\" or \"nonce\"");
	}
	if (set[NK_MAX_BINDINGS]) {
		r = cfgparse_get_uint(p, set[NK_MAX_BINDINGS], 1, HA_CFG_MAX_BINDINGS, &v);
		if (r < 0)
			return r;
		nd->max_bindings = (uint8_t)v;
	}
	if (set[NK_DYNAMIC_IPV6]) {
		r = cfgparse_get_bool(p, set[NK_DYNAMIC_IPV6], &nd->dynamic_ipv6);
		if (r < 0)
			return r;
		if (nd->dynamic_ipv6 && !c->has_pool6 && !iid_prefix(c))
			return cfgparse_err(p, set[NK_DYNAMIC_IPV6],
					    "node '%s' has dynamic-ipv6 but the home agent has "
					    "neither 'pool6' nor a home prefix of /64 or shorter",
					    nd->name);
	}
	if (set[NK_PREFIXES]) {
		r = parse_node_prefixes(p, set[NK_PREFIXES], c, false, nd->prefixes,
					&nd->n_prefixes);
		if (r < 0)
			return r;
	}
	if (set[NK_IMPLICIT]) {
		r = parse_node_prefixes(p, set[NK_IMPLICIT], c, true, nd->implicit,
					&nd->n_implicit);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Element idx of list s (a node's prefixes or implicit-prefixes). */
static const config_setting_t *elem(const config_setting_t *s, unsigned idx)
{
	return config_setting_get_elem(s, idx);
}

/* What two nodes must not share: names, NAIs, home addresses; an implicit
 * prefix belongs to its node alone (RFC 5454 3.3: every address under a
 * prefix belongs to a single mobile node). */
static int check_node_pair(struct cfgparse *p, const struct ha_cfg_node *a,
			   const config_setting_t *const *aset, const struct ha_cfg_node *b,
			   const config_setting_t *const *bset)
{
	if (strcmp(a->name, b->name) == 0)
		return cfgparse_err(p, bset[NK_NAME], "node name '%s' is used twice (line %u)",
				    b->name, cfgparse_line(p, aset[NK_NAME]));
	if (a->nai[0] && strcmp(a->nai, b->nai) == 0)
		return cfgparse_err(p, bset[NK_NAI], "nai \"%s\" is used by node '%s' too",
				    b->nai, a->name);
	if (a->home_addr && a->home_addr == b->home_addr)
		return cfgparse_err(p, bset[NK_HOME_ADDRESS],
				    "home-address \"%s\" is used by node '%s' too",
				    config_setting_get_string(bset[NK_HOME_ADDRESS]), a->name);
	for (unsigned i = 0; i < b->n_implicit; i++) {
		const struct ha_cfg_prefix6 *bp = &b->implicit[i];
		for (unsigned j = 0; j < a->n_implicit; j++)
			if (p6_overlap(&bp->prefix, bp->plen, &a->implicit[j].prefix,
				       a->implicit[j].plen))
				return cfgparse_err(
					p, elem(bset[NK_IMPLICIT], i),
					"implicit prefix \"%s\" overlaps node '%s''s \"%s\"",
					config_setting_get_string(elem(bset[NK_IMPLICIT], i)),
					a->name,
					config_setting_get_string(elem(aset[NK_IMPLICIT], j)));
		for (unsigned j = 0; j < a->n_prefixes; j++)
			if (p6_overlap(&bp->prefix, bp->plen, &a->prefixes[j].prefix,
				       a->prefixes[j].plen))
				return cfgparse_err(
					p, elem(bset[NK_IMPLICIT], i),
					"implicit prefix \"%s\" overlaps node '%s''s \"%s\"",
					config_setting_get_string(elem(bset[NK_IMPLICIT], i)),
					a->name,
					config_setting_get_string(elem(aset[NK_PREFIXES], j)));
	}
	for (unsigned i = 0; i < b->n_prefixes; i++) {
		const struct ha_cfg_prefix6 *bp = &b->prefixes[i];
		for (unsigned j = 0; j < a->n_implicit; j++)
			if (p6_overlap(&bp->prefix, bp->plen, &a->implicit[j].prefix,
				       a->implicit[j].plen))
				return cfgparse_err(
					p, elem(bset[NK_PREFIXES], i),
					"prefix \"%s\" overlaps node '%s''s implicit \"%s\"",
					config_setting_get_string(elem(bset[NK_PREFIXES], i)),
					a->name,
					config_setting_get_string(elem(aset[NK_IMPLICIT], j)));
	}
	return 0;
}

/* Node indexes for the pair checks: open addressing, slot = index + 1. */
struct node_index {
	uint32_t *name, *nai, *home;
	size_t mask;
};

static size_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;        /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static size_t hash_addr(uint32_t v)
{
	return (size_t)(v * 2654435761u) ^ (v >> 16);
}

/* The earlier node with the same name / NAI / home address as nd (-1:
 * none); with add, nd (index i) is entered when it has none. */
static int idx_name(const struct node_index *x, const struct ha_cfg_node *nodes,
		    const struct ha_cfg_node *nd)
{
	for (size_t k = hash_str(nd->name) & x->mask; x->name[k]; k = (k + 1) & x->mask)
		if (strcmp(nodes[x->name[k] - 1].name, nd->name) == 0)
			return (int)(x->name[k] - 1);
	return -1;
}

static int idx_nai(const struct node_index *x, const struct ha_cfg_node *nodes,
		   const struct ha_cfg_node *nd)
{
	if (!nd->nai[0])
		return -1;
	for (size_t k = hash_str(nd->nai) & x->mask; x->nai[k]; k = (k + 1) & x->mask)
		if (strcmp(nodes[x->nai[k] - 1].nai, nd->nai) == 0)
			return (int)(x->nai[k] - 1);
	return -1;
}

static int idx_home(const struct node_index *x, const struct ha_cfg_node *nodes,
		    const struct ha_cfg_node *nd)
{
	if (!nd->home_addr)
		return -1;
	for (size_t k = hash_addr(nd->home_addr) & x->mask; x->home[k]; k = (k + 1) & x->mask)
		if (nodes[x->home[k] - 1].home_addr == nd->home_addr)
			return (int)(x->home[k] - 1);
	return -1;
}

static void idx_add(struct node_index *x, const struct ha_cfg_node *nd, uint32_t i)
{
	size_t k;

	for (k = hash_str(nd->name) & x->mask; x->name[k]; k = (k + 1) & x->mask)
		;
	x->name[k] = i + 1;
	if (nd->nai[0]) {
		for (k = hash_str(nd->nai) & x->mask; x->nai[k]; k = (k + 1) & x->mask)
			;
		x->nai[k] = i + 1;
	}
	if (nd->home_addr) {
		for (k = hash_addr(nd->home_addr) & x->mask; x->home[k]; k = (k + 1) & x->mask)
			;
		x->home[k] = i + 1;
	}
}

/* Node i against the earlier ones, as check_node_pair(j, i) for j = 0..i-1
 * (the first conflict reported), but only for the j that can conflict:
 * those sharing a name, NAI or home address (hashed), and those with
 * implicit prefixes (every j when node i has some). */
static int check_node_earlier(struct cfgparse *p, struct ha_cfg_node *nodes,
			      const config_setting_t *(*sets)[NK__MAX], int i,
			      const struct node_index *x, const int *impl, int n_impl)
{
	const struct ha_cfg_node *b = &nodes[i];
	int dup[3] = { idx_name(x, nodes, b), idx_nai(x, nodes, b), idx_home(x, nodes, b) };
	int cand[3], nc = 0, r = 0, d = 0, k = 0;

	if (b->n_implicit) {
		for (int j = 0; j < i && r == 0; j++)
			r = check_node_pair(p, &nodes[j], sets[j], b, sets[i]);
		return r;
	}
	for (int a = 0; a < 3; a++) {        /* sorted, unique: at most three */
		int m = nc;
		if (dup[a] < 0)
			continue;
		for (int e = 0; e < nc; e++)
			if (cand[e] == dup[a])
				m = -1;
		if (m < 0)
			continue;
		while (m > 0 && cand[m - 1] > dup[a]) {
			cand[m] = cand[m - 1];
			m--;
		}
		cand[m] = dup[a];
		nc++;
	}
	while (r == 0 && (d < nc || k < n_impl)) {   /* merged, ascending */
		int j;
		if (k >= n_impl || (d < nc && cand[d] <= impl[k])) {
			j = cand[d++];
			if (k < n_impl && impl[k] == j)
				k++;
		} else {
			j = impl[k++];
		}
		r = check_node_pair(p, &nodes[j], sets[j], b, sets[i]);
	}
	return r;
}

static int parse_nodes(struct cfgparse *p, const config_setting_t *s, struct ha_cfg *c)
{
	const config_setting_t *(*sets)[NK__MAX];
	int n = cfgparse_get_group_list(p, s, HA_CFG_MAX_NODES, "nodes"), r = 0, n_impl = 0;
	struct node_index x = { 0 };
	size_t size = 16;
	int *impl;

	if (n <= 0)
		return n;
	while (size < (size_t)n * 2)
		size *= 2;
	x.mask = size - 1;
	x.name = calloc(size, sizeof(*x.name));
	x.nai = calloc(size, sizeof(*x.nai));
	x.home = calloc(size, sizeof(*x.home));
	impl = calloc((size_t)n, sizeof(*impl));
	c->nodes = calloc((size_t)n, sizeof(*c->nodes));
	sets = calloc((size_t)n, sizeof(*sets));
	if (!c->nodes || !sets || !x.name || !x.nai || !x.home || !impl) {
		r = cfgparse_nomem(p);
		goto out;
	}
	for (int i = 0; i < n && r == 0; i++) {
		r = parse_node(p, config_setting_get_elem(s, (unsigned)i), c, &c->nodes[i], sets[i]);
		if (r == 0)
			r = check_node_earlier(p, c->nodes, sets, i, &x, impl, n_impl);
		if (r == 0) {
			idx_add(&x, &c->nodes[i], (uint32_t)i);
			if (c->nodes[i].n_implicit)
				impl[n_impl++] = i;
		}
	}
	if (r == 0)
		c->n_nodes = (uint32_t)n;
out:
	free(sets);
	free(impl);
	free(x.name);
	free(x.nai);
	free(x.home);
	return r;
}

/* The later of two settings in the file (either may be NULL, not both). */
static const config_setting_t *later(const config_setting_t *a, const config_setting_t *b)
{
	if (!a || !b)
		return a ? a : b;
	return config_setting_index(a) > config_setting_index(b) ? a : b;
}

static int check_ha(struct cfgparse *p, const config_setting_t *g,
		    const config_setting_t *const *set, struct ha_cfg *c)
{
	char b[64];

	if (!set[HK_ADDRESS])
		return cfgparse_err(p, g, "ha has no 'address' (the home agent's IPv4 address)");
	if (!set[HK_HOME_LINK])
		return cfgparse_err(p, g, "ha has no 'home-link' (the home network's interface)");
	if (!set[HK_HOME_NETWORK])
		return cfgparse_err(p, g,
				    "ha has no 'home-network' (RFC 5944 3.8.1: the home "
				    "network's prefix)");
	if (c->has_pool4) {
		uint32_t f = ntohl(c->pool4_first), l = ntohl(c->pool4_last);
		uint32_t m = mask32(c->home_plen), net = ntohl(c->home_net);
		const config_setting_t *at = later(set[HK_POOL4], set[HK_HOME_NETWORK]);
		if (!in_home_net(c, c->pool4_first) || !in_home_net(c, c->pool4_last))
			return cfgparse_err(p, at, "pool4 is not inside home-network");
		if (f == net || l == (net | ~m))
			return cfgparse_err(p, at,
					    "pool4 holds the home network's own or broadcast "
					    "address");
		if (in_pool4(c, c->address))
			return cfgparse_err(p, later(set[HK_POOL4], set[HK_ADDRESS]),
					    "pool4 holds the home agent's address");
	}
	if (c->has_pool6)
		for (unsigned h = 0; h < c->n_home6; h++)
			if (p6_overlap(&c->pool6_prefix, c->pool6_plen, &c->home6[h].prefix,
				       c->home6[h].plen))
				return cfgparse_err(p, later(set[HK_POOL6], set[HK_HOME_PREFIXES]),
						    "pool6 overlaps home prefix %s",
						    fmt_p6(&c->home6[h], b, sizeof(b)));
	return 0;
}

static int parse_ha(struct cfgparse *p, const config_setting_t *g, struct ha_cfg *c)
{
	const config_setting_t *set[HK__MAX];
	int n, r = cfgparse_group(p, g, ha_keys, ARRAY_SIZE(ha_keys), set);

	n = r < 0 ? 0 : config_setting_length(g);
	for (int i = 0; i < n && r == 0; i++) {           /* in file order */
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		r = parse_setting(p, s,
				  cfgparse_key_index(ha_keys, ARRAY_SIZE(ha_keys),
						     config_setting_name(s)),
				  c);
	}
	if (r < 0)
		return r;
	r = check_ha(p, g, set, c);
	if (r < 0 || !set[HK_NODES])
		return r;
	return parse_nodes(p, set[HK_NODES], c);
}

static int parse_root(struct cfgparse *p, const config_setting_t *root, void *arg)
{
	struct ha_cfg *c = arg;
	const config_setting_t *g;
	int r = cfgparse_top_group(p, "ha", "ha = { address = \"...\"; ... }", &g);

	(void)root;
	if (r < 0)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", p->name);
	ha_defaults(c);
	return parse_ha(p, g, c);
}

static int load(const char *path, const char *text, const char *name, struct ha_cfg **out,
		char *err, size_t errlen)
{
	struct ha_cfg *c = calloc(1, sizeof(*c));
	int r = cfgparse_run(path, text, name, err, errlen, parse_root, c);

	if (r < 0)
		ha_cfg_free(c);
	*out = r < 0 ? NULL : c;
	return r;
}

int ha_cfg_load(const char *path, struct ha_cfg **out, char *err, size_t errlen)
{
	return load(path, NULL, path, out, err, errlen);
}

int ha_cfg_load_string(const char *text, const char *name, struct ha_cfg **out, char *err,
		       size_t errlen)
{
	return load(NULL, text, name, out, err, errlen);
}

void ha_cfg_free(struct ha_cfg *c)
{
	if (!c)
		return;
	free(c->nodes);
	free(c);
}

/* ---- printing ------------------------------------------------------------- */

static void print_p6_list(FILE *f, const char *ind, const char *key,
			  const struct ha_cfg_prefix6 *v, unsigned n)
{
	char b[64];

	fprintf(f, "%s%s = [ ", ind, key);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", fmt_p6(&v[i], b, sizeof(b)));
	fputs(n ? " ];\n" : "];\n", f);
}

static const char *fmt_a4(uint32_t net_order, char buf[ADDR4_STRLEN])
{
	return fmt_in4(ntohl(net_order), buf);
}

static void print_node(FILE *f, const struct ha_cfg_node *nd)
{
	char a4[ADDR4_STRLEN];
	const char *ind = "      ";

	fputs("    {\n", f);
	cfgparse_print_kv_str(f, ind, "name", nd->name);
	if (nd->nai[0])
		cfgparse_print_kv_str(f, ind, "nai", nd->nai);
	cfgparse_print_kv_str(f, ind, "home-address", fmt_a4(nd->home_addr, a4));
	cfgparse_print_kv_u32(f, ind, "spi", nd->spi);
	cfgparse_print_kv_hex(f, ind, "key-hex", nd->key, nd->key_len);
	cfgparse_print_kv_str(f, ind, "replay", ha_replay_name(nd->replay));
	cfgparse_print_kv_u32(f, ind, "max-bindings", nd->max_bindings);
	cfgparse_print_kv_bool(f, ind, "dynamic-ipv6", nd->dynamic_ipv6);
	print_p6_list(f, ind, "prefixes", nd->prefixes, nd->n_prefixes);
	print_p6_list(f, ind, "implicit-prefixes", nd->implicit, nd->n_implicit);
	fputs("    }", f);
}

void ha_cfg_print(FILE *f, const struct ha_cfg *c)
{
	char a4[ADDR4_STRLEN], a6[ADDR6_STRLEN];
	const char *ind = "  ";
	bool first = true;

	fputs("ha = {\n", f);
	cfgparse_print_kv_str(f, ind, "address", fmt_a4(c->address, a4));
	cfgparse_print_kv_str(f, ind, "home-link", c->home_link);
	cfgparse_print_kv_str(f, ind, "tunnel-interface", c->tun);
	fprintf(f, "  home-network = \"%s/%u\";\n", fmt_a4(c->home_net, a4), c->home_plen);
	print_p6_list(f, ind, "home-prefixes", c->home6, c->n_home6);
	cfgparse_print_kv_u32(f, ind, "max-lifetime", c->max_lifetime);
	cfgparse_print_kv_u32(f, ind, "replay-window", c->replay_window);
	fputs("  encapsulations = [ \"ipip\"", f);
	if (c->encap_gre)
		fputs(", \"gre\"", f);
	if (c->encap_minimal)
		fputs(", \"minimal\"", f);
	fputs(" ];\n", f);
	cfgparse_print_kv_str(f, ind, "reverse-tunnel", ha_revtun_name(c->reverse_tunnel));
	cfgparse_print_kv_bool(f, ind, "forward-broadcast", c->forward_broadcast);
	cfgparse_print_kv_bool(f, ind, "ipv6", c->ipv6);
	cfgparse_print_kv_bool(f, ind, "tunnel-mode", c->tunnel_mode);
	cfgparse_print_kv_u32(f, ind, "tunnel-mtu", c->tunnel_mtu);
	cfgparse_print_kv_u32(f, ind, "dad-timeout-ms", c->dad_timeout_ms);
	if (c->has_pool4) {
		fprintf(f, "  pool4 = \"%s-", fmt_a4(c->pool4_first, a4));
		fprintf(f, "%s\";\n", fmt_a4(c->pool4_last, a4));
	}
	if (c->has_pool6)
		fprintf(f, "  pool6 = { prefix = \"%s/%u\"; length = %u; };\n",
			fmt_in6(&c->pool6_prefix, a6), c->pool6_plen, c->pool6_length);
	cfgparse_print_kv_u32(f, ind, "port", c->port);
	cfgparse_print_kv_str(f, ind, "foreign-agent-policy", ha_fa_policy_name(c->fa_policy));
	fputs("  foreign-agents = (", f);
	for (unsigned i = 0; i < c->n_fas; i++) {
		const struct ha_cfg_fa *fa = &c->fas[i];
		fputs(i ? ",\n    {\n" : "\n    {\n", f);
		cfgparse_print_kv_str(f, "      ", "address", fmt_a4(fa->address, a4));
		if (fa->has_sa) {
			cfgparse_print_kv_u32(f, "      ", "spi", fa->spi);
			cfgparse_print_kv_hex(f, "      ", "key-hex", fa->key, fa->key_len);
		}
		fputs("    }", f);
	}
	fputs(c->n_fas ? "\n  );\n" : " );\n", f);
	cfgparse_print_kv_bool(f, ind, "nat-traversal", c->nat_traversal);
	cfgparse_print_kv_bool(f, ind, "nat-traversal-force", c->nat_force);
	cfgparse_print_kv_u32(f, ind, "udp-keepalive", c->udp_keepalive);
	cfgparse_print_kv_u32(f, ind, "multicast-min-scope", c->mc_min_scope);
	cfgparse_print_kv_u32(f, ind, "multicast-max-groups", c->mc_max_groups);
	cfgparse_print_kv_u32(f, ind, "mld-query-interval", c->mld_query_interval);
	cfgparse_print_kv_str(f, ind, "store", c->store);
	cfgparse_print_kv_str(f, ind, "control-socket", c->control_socket);
	cfgparse_print_kv_str(f, ind, "log-level", cfgparse_log_level_name(c->log_level));
	fputs("  nodes = (", f);
	for (uint32_t i = 0; i < c->n_nodes; i++) {
		fputs(first ? "\n" : ",\n", f);
		print_node(f, &c->nodes[i]);
		first = false;
	}
	fputs(c->n_nodes ? "\n  );\n" : " );\n", f);
	fputs("};\n", f);
}
