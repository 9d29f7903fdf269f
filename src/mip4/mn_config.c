/* ds46-mnd configuration: libconfig syntax, validated setting by setting so
 * that every error carries the file and line libconfig recorded (STYLE 10),
 * with the helpers the other daemons use (common/cfgparse.h).  The
 * commented reference is examples/mnd.conf. */
#include "mip4/mn_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/cfgparse.h"
#include "common/util.h"

static const char *const mn_keys[] = {
	"home-address", "home-prefix-length", "nai", "home-agent", "spi", "key", "replay",
	"lifetime", "encapsulation", "reverse-tunnel", "retransmit-max", "retransmit-tries",
	"home-interface", "tunnel-interface", "control-socket", "state-file", "log-level",
	"ipv6", "agent-discovery", "prefer-foreign-agent", "solicitation-max-interval",
	"mn-fa-spi", "mn-fa-key", "udp-tunnel", "registration-port", "reverse-tunnel-delivery",
};
enum {
	MK_HOME_ADDRESS, MK_HOME_PLEN, MK_NAI, MK_HOME_AGENT, MK_SPI, MK_KEY, MK_REPLAY,
	MK_LIFETIME, MK_ENCAP, MK_REVTUN, MK_RETRANSMIT_MAX, MK_RETRANSMIT_TRIES,
	MK_HOME_INTERFACE, MK_TUNNEL_INTERFACE, MK_CONTROL_SOCKET, MK_STATE_FILE, MK_LOG_LEVEL,
	MK_IPV6, MK_AGENT_DISCOVERY, MK_PREFER_FA, MK_SOLICIT_MAX, MK_MF_SPI, MK_MF_KEY,
	MK_UDP_TUNNEL, MK_REG_PORT, MK_REVTUN_DELIVERY, MK__MAX,
};

static const char *const v6_keys[] = {
	"prefixes", "dynamic-prefixes", "interface-ids", "link-local", "tunnel-mode",
};
enum { VK_PREFIXES, VK_DYNAMIC, VK_IIDS, VK_LINK_LOCAL, VK_TUNNEL_MODE, VK__MAX };

static uint32_t mask32(unsigned plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

static const char *encap_name(enum encap4_kind e)
{
	return e == ENCAP4_GRE ? "gre" : e == ENCAP4_MINIMAL ? "minimal" : "ipip";
}

static void mn_defaults(struct mn_cfg *c)
{
	c->home_plen = MN_CFG_DEFAULT_HOME_PLEN;
	c->replay = MN_REPLAY_TIMESTAMPS;
	c->lifetime = MN_CFG_DEFAULT_LIFETIME;
	c->encap = ENCAP4_IPIP;
	c->reverse_tunnel = true;
	c->retransmit_max = MN_CFG_DEFAULT_RETRANSMIT_MAX;
	c->retransmit_tries = MN_CFG_DEFAULT_RETRANSMIT_TRIES;
	strcpy(c->tunnel_interface, MN_CFG_DEFAULT_TUNNEL);
	strcpy(c->control_socket, MN_CFG_DEFAULT_CONTROL_SOCKET);
	strcpy(c->state_file, MN_CFG_DEFAULT_STATE_FILE);
	c->log_level = LOG_INFO;
	c->v6_link_local = false;
	c->v6_tunnel_mode = true;
	c->agent_discovery = true;
	c->solicit_max = MN_CFG_DEFAULT_SOLICIT_MAX;
	c->udp_tunnel = MN_UDP_TUNNEL_AUTO;
}

static const char *const udp_tunnel_names[MN_UDP_TUNNEL_COUNT] = { "auto", "force", "off" };

const char *mn_udp_tunnel_name(enum mn_udp_tunnel u)
{
	return (unsigned)u < MN_UDP_TUNNEL_COUNT ? udp_tunnel_names[u] : "?";
}

/* ---- mn.ipv6 --------------------------------------------------------------- */

/* A home prefix or address to register: global unicast, not a zero or
 * ::iid/128 request (those have settings of their own). */
static int parse_v6_prefixes(struct cfgparse *p, const config_setting_t *s, struct mn_cfg *c)
{
	int n = cfgparse_str_list_len(p, s), r;

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct mip_prefix *q = &c->v6_prefixes[i];
		const char *v = NULL;

		r = cfgparse_str_elem(p, s, (unsigned)i, MN_REG_MAX_V6, &v);
		if (r < 0)
			return r;
		r = cfgparse_prefix6(p, e, v, &q->prefix, &q->plen);
		if (r < 0)
			return r;
		if (IN6_IS_ADDR_LINKLOCAL(&q->prefix) || IN6_IS_ADDR_LOOPBACK(&q->prefix))
			return cfgparse_err(p, e, "prefix \"%s\" is not a global unicast prefix", v);
		if (mn_v6_kind_of(q) != MN_V6_STATIC)
			return cfgparse_err(p, e,
					    "prefix \"%s\" is an interface identifier: list it in "
					    "'interface-ids'",
					    v);
		for (int j = 0; j < i; j++) {
			const struct mip_prefix *o = &c->v6_prefixes[j];
			const config_setting_t *oe = config_setting_get_elem(s, (unsigned)j);
			if (in6_prefix_match(&q->prefix, &o->prefix, MIN(q->plen, o->plen)))
				return cfgparse_err(p, e, "prefix \"%s\" overlaps \"%s\" (line %u)", v,
						    config_setting_get_string(oe),
						    cfgparse_line(p, oe));
		}
	}
	if (n < 0)
		return n;
	c->n_v6_prefixes = (uint8_t)n;
	return 0;
}

/* Zero-prefix requests: the length each one hints at (0: none). */
static int parse_v6_dynamic(struct cfgparse *p, const config_setting_t *s, struct mn_cfg *c)
{
	int n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return cfgparse_err(p, s,
				    "'dynamic-prefixes' must be a list of prefix lengths: "
				    "dynamic-prefixes = [ 64 ]");
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		uint64_t v = 0;
		int r = cfgparse_get_uint(p, e, 0, 128, &v);

		if (r < 0)
			return r;
		if (i >= MN_REG_MAX_V6)
			return cfgparse_err(p, e, "too many entries in 'dynamic-prefixes' (at most %u)",
					    MN_REG_MAX_V6);
		c->v6_dynamic_hint[i] = (uint8_t)v;
	}
	c->n_v6_dynamic = (uint8_t)n;
	return 0;
}

/* ::interface-id/128 requests: the high 64 bits zero, the low ones not. */
static int parse_v6_iids(struct cfgparse *p, const config_setting_t *s, struct mn_cfg *c)
{
	static const uint8_t zero[8];
	int n = cfgparse_str_list_len(p, s), r;

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct in6_addr *a = &c->v6_iids[i];
		const char *v = NULL;

		r = cfgparse_str_elem(p, s, (unsigned)i, MN_REG_MAX_V6, &v);
		if (r < 0)
			return r;
		if (!cfgparse_parse_in6(v, strlen(v), a) || strchr(v, '/'))
			return cfgparse_err(p, e, "invalid IPv6 address \"%s\"", v);
		if (memcmp(a->s6_addr, zero, 8) != 0 || memcmp(a->s6_addr + 8, zero, 8) == 0)
			return cfgparse_err(p, e,
					    "interface-id \"%s\" must be ::<64-bit interface "
					    "identifier> (the high 64 bits zero, the low ones not)",
					    v);
		for (int j = 0; j < i; j++) {
			const config_setting_t *oe = config_setting_get_elem(s, (unsigned)j);
			if (memcmp(a, &c->v6_iids[j], sizeof(*a)) == 0)
				return cfgparse_err(p, e,
						    "interface-id \"%s\" is the same as \"%s\" (line %u)",
						    v, config_setting_get_string(oe),
						    cfgparse_line(p, oe));
		}
	}
	if (n < 0)
		return n;
	c->n_v6_iids = (uint8_t)n;
	return 0;
}

static int parse_ipv6(struct cfgparse *p, const config_setting_t *g, struct mn_cfg *c)
{
	const config_setting_t *set[VK__MAX];
	unsigned total;
	int r = cfgparse_group(p, g, v6_keys, ARRAY_SIZE(v6_keys), set);

	if (r == 0 && set[VK_PREFIXES])
		r = parse_v6_prefixes(p, set[VK_PREFIXES], c);
	if (r == 0 && set[VK_DYNAMIC])
		r = parse_v6_dynamic(p, set[VK_DYNAMIC], c);
	if (r == 0 && set[VK_IIDS])
		r = parse_v6_iids(p, set[VK_IIDS], c);
	if (r == 0 && set[VK_LINK_LOCAL])
		r = cfgparse_get_bool(p, set[VK_LINK_LOCAL], &c->v6_link_local);
	if (r == 0 && set[VK_TUNNEL_MODE])
		r = cfgparse_get_bool(p, set[VK_TUNNEL_MODE], &c->v6_tunnel_mode);
	if (r < 0)
		return r;
	total = (unsigned)c->n_v6_prefixes + c->n_v6_dynamic + c->n_v6_iids + c->v6_link_local;
	if (total > MN_REG_MAX_V6)
		return cfgparse_err(p, g,
				    "too many IPv6 requests: %u (at most %u, the link-local one "
				    "included)",
				    total, MN_REG_MAX_V6);
	return 0;
}

/* ---- the mn group ---------------------------------------------------------- */

static int parse_unicast4(struct cfgparse *p, const config_setting_t *s, bool zero_ok,
			  uint32_t *out)
{
	uint32_t h = 0;
	int r = cfgparse_get_in4(p, s, &h);

	if (r < 0)
		return r;
	if (in4_reserved(h) && !(zero_ok && h == 0))
		return cfgparse_err(p, s, "%s \"%s\" must be a unicast IPv4 address%s",
				    cfgparse_name(s), config_setting_get_string(s),
				    zero_ok ? " (or \"0.0.0.0\": assigned by the home agent)" : "");
	*out = htonl(h);
	return 0;
}

static int parse_setting(struct cfgparse *p, const config_setting_t *s, int k, struct mn_cfg *c)
{
	const char *str = NULL;
	uint64_t v = 0;
	int r;

	switch (k) {
	case MK_HOME_ADDRESS:
		return parse_unicast4(p, s, true, &c->home_addr);
	case MK_HOME_PLEN:
		r = cfgparse_get_uint(p, s, 8, 30, &v);
		c->home_plen = (uint8_t)v;
		return r;
	case MK_NAI:
		return cfgparse_get_str_buf(p, s, c->nai, sizeof(c->nai));
	case MK_HOME_AGENT:
		return parse_unicast4(p, s, false, &c->home_agent);
	case MK_SPI:
		return cfgparse_get_u32(p, s, MIP4_SPI_HMAC_MD5_MIN, &c->spi);
	case MK_KEY:
		return cfgparse_get_hex(p, s, MN_CFG_KEY_MIN, c->key, sizeof(c->key), &c->key_len);
	case MK_REPLAY:
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		if (strcmp(str, "timestamps") == 0)
			c->replay = MN_REPLAY_TIMESTAMPS;
		else if (strcmp(str, "nonces") == 0)
			c->replay = MN_REPLAY_NONCES;
		else
			return cfgparse_err(p, s, "'replay' must be \"timestamps\" or \"nonces\"");
		return 0;
	case MK_LIFETIME:
		r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);
		c->lifetime = (uint16_t)v;
		return r;
	case MK_ENCAP:
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		if (strcmp(str, "ipip") == 0)
			c->encap = ENCAP4_IPIP;
		else if (strcmp(str, "gre") == 0)
			c->encap = ENCAP4_GRE;
		else if (strcmp(str, "minimal") == 0)
			c->encap = ENCAP4_MINIMAL;
		else
			return cfgparse_err(p, s,
					    "'encapsulation' must be \"ipip\", \"gre\" or "
					    "\"minimal\"");
		return 0;
	case MK_REVTUN:
		return cfgparse_get_bool(p, s, &c->reverse_tunnel);
	case MK_RETRANSMIT_MAX:
		r = cfgparse_get_uint(p, s, 1, MN_CFG_MAX_RETRANSMIT_MAX, &v);
		c->retransmit_max = (uint32_t)v;
		return r;
	case MK_RETRANSMIT_TRIES:
		r = cfgparse_get_uint(p, s, 1, MN_CFG_MAX_RETRANSMIT_TRIES, &v);
		c->retransmit_tries = (uint32_t)v;
		return r;
	case MK_HOME_INTERFACE:
		return cfgparse_get_ifname(p, s, c->home_interface);
	case MK_TUNNEL_INTERFACE:
		return cfgparse_get_ifname(p, s, c->tunnel_interface);
	case MK_CONTROL_SOCKET:
		return cfgparse_get_str_buf(p, s, c->control_socket, sizeof(c->control_socket));
	case MK_STATE_FILE:
		return cfgparse_get_str_buf(p, s, c->state_file, sizeof(c->state_file));
	case MK_LOG_LEVEL:
		return cfgparse_get_log_level(p, s, &c->log_level);
	case MK_IPV6:
		return parse_ipv6(p, s, c);
	case MK_AGENT_DISCOVERY:
		return cfgparse_get_bool(p, s, &c->agent_discovery);
	case MK_PREFER_FA:
		return cfgparse_get_bool(p, s, &c->prefer_fa);
	case MK_SOLICIT_MAX:
		r = cfgparse_get_uint(p, s, 1, MN_CFG_MAX_SOLICIT_MAX, &v);
		c->solicit_max = (uint32_t)v;
		return r;
	case MK_MF_SPI:
		return cfgparse_get_u32(p, s, MIP4_SPI_HMAC_MD5_MIN, &c->mf_spi);
	case MK_MF_KEY:
		return cfgparse_get_hex(p, s, MN_CFG_KEY_MIN, c->mf_key, sizeof(c->mf_key),
					&c->mf_key_len);
	case MK_UDP_TUNNEL:
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < MN_UDP_TUNNEL_COUNT; i++)
			if (strcmp(str, udp_tunnel_names[i]) == 0) {
				c->udp_tunnel = (enum mn_udp_tunnel)i;
				return 0;
			}
		return cfgparse_err(p, s, "'udp-tunnel' must be \"auto\", \"force\" or \"off\"");
	case MK_REVTUN_DELIVERY:
		/* RFC 3024 5: how IPv4 reaches a foreign agent that reverse-tunnels */
		r = cfgparse_get_str(p, s, &str);
		if (r < 0)
			return r;
		if (strcmp(str, "direct") == 0 || strcmp(str, "encapsulating") == 0) {
			c->encap_delivery = str[0] == 'e';
			return 0;
		}
		return cfgparse_err(p, s,
				    "'reverse-tunnel-delivery' must be \"direct\" or \"encapsulating\"");
	case MK_REG_PORT:
		r = cfgparse_get_uint(p, s, 0, UINT16_MAX, &v);
		c->registration_port = (uint16_t)v;
		return r;
	}
	return cfgparse_err(p, s, "unknown setting '%s' in mn", config_setting_name(s));
}

/* The later of two settings in the file (either may be NULL, not both). */
static const config_setting_t *later(const config_setting_t *a, const config_setting_t *b)
{
	if (!a || !b)
		return a ? a : b;
	return config_setting_index(a) > config_setting_index(b) ? a : b;
}

static int check_mn(struct cfgparse *p, const config_setting_t *g,
		    const config_setting_t *const *set, const struct mn_cfg *c)
{
	uint32_t m = mask32(c->home_plen), h = ntohl(c->home_addr), ha = ntohl(c->home_agent);

	if (!set[MK_HOME_ADDRESS])
		return cfgparse_err(p, g,
				    "mn has no 'home-address' (\"0.0.0.0\": assigned by the home "
				    "agent)");
	if (!set[MK_HOME_AGENT])
		return cfgparse_err(p, g, "mn has no 'home-agent' (its IPv4 address)");
	if (!set[MK_SPI])
		return cfgparse_err(p, g,
				    "mn has no 'spi' (the mobility security association, RFC 5944 "
				    "3.5.1)");
	if (!set[MK_KEY])
		return cfgparse_err(p, g, "mn has no 'key' (the HMAC-MD5 key, in hexadecimal)");
	if (!set[MK_HOME_INTERFACE])
		return cfgparse_err(p, g, "mn has no 'home-interface' (the link it has at home)");
	if (c->home_addr == 0 && !c->nai[0])
		return cfgparse_err(p, set[MK_HOME_ADDRESS],
				    "home-address \"0.0.0.0\" (assigned) needs an 'nai' to identify "
				    "the node (RFC 2794)");
	if (c->home_addr && c->home_addr == c->home_agent)
		return cfgparse_err(p, later(set[MK_HOME_ADDRESS], set[MK_HOME_AGENT]),
				    "home-address and home-agent are the same address");
	if (c->home_addr && ((h & ~m) == 0 || (h | m) == 0xffffffffu))
		return cfgparse_err(p, later(set[MK_HOME_ADDRESS], set[MK_HOME_PLEN]),
				    "home-address \"%s\" is the home network's own or broadcast "
				    "address (home-prefix-length %u)",
				    config_setting_get_string(set[MK_HOME_ADDRESS]), c->home_plen);
	if (c->home_addr && ((h ^ ha) & m) != 0)
		return cfgparse_err(p, later(later(set[MK_HOME_ADDRESS], set[MK_HOME_AGENT]),
					     set[MK_HOME_PLEN]),
				    "home-agent \"%s\" is not on the home network of \"%s\"/%u",
				    config_setting_get_string(set[MK_HOME_AGENT]),
				    config_setting_get_string(set[MK_HOME_ADDRESS]), c->home_plen);
	if (!set[MK_MF_SPI] != !set[MK_MF_KEY])
		return cfgparse_err(p, set[MK_MF_SPI] ? set[MK_MF_SPI] : set[MK_MF_KEY],
				    "mn-fa-spi and mn-fa-key go together (the MN-FA security "
				    "association, RFC 5944 3.5.3)");
	if (strcmp(c->home_interface, c->tunnel_interface) == 0)
		return cfgparse_err(p, later(set[MK_HOME_INTERFACE], set[MK_TUNNEL_INTERFACE]),
				    "tunnel-interface \"%s\" is the home interface: the tunnel is a "
				    "TUN device of its own",
				    c->tunnel_interface);
	return 0;
}

static int parse_mn(struct cfgparse *p, const config_setting_t *g, struct mn_cfg *c)
{
	const config_setting_t *set[MK__MAX];
	int n, r = cfgparse_group(p, g, mn_keys, ARRAY_SIZE(mn_keys), set);

	n = r < 0 ? 0 : config_setting_length(g);
	for (int i = 0; i < n && r == 0; i++) {           /* in file order */
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		r = parse_setting(p, s,
				  cfgparse_key_index(mn_keys, ARRAY_SIZE(mn_keys),
						     config_setting_name(s)),
				  c);
	}
	if (r < 0)
		return r;
	return check_mn(p, g, set, c);
}

static int parse_root(struct cfgparse *p, const config_setting_t *root, void *arg)
{
	struct mn_cfg *c = arg;
	const config_setting_t *g;
	int r = cfgparse_top_group(p, "mn", "mn = { home-address = \"...\"; ... }", &g);

	(void)root;
	if (r < 0)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", p->name);
	mn_defaults(c);
	return parse_mn(p, g, c);
}

static int load(const char *path, const char *text, const char *name, struct mn_cfg **out,
		char *err, size_t errlen)
{
	struct mn_cfg *c = calloc(1, sizeof(*c));
	int r = cfgparse_run(path, text, name, err, errlen, parse_root, c);

	if (r < 0)
		mn_cfg_free(c);
	*out = r < 0 ? NULL : c;
	return r;
}

int mn_cfg_load(const char *path, struct mn_cfg **out, char *err, size_t errlen)
{
	return load(path, NULL, path, out, err, errlen);
}

int mn_cfg_load_string(const char *text, const char *name, struct mn_cfg **out, char *err,
		       size_t errlen)
{
	return load(NULL, text, name, out, err, errlen);
}

void mn_cfg_free(struct mn_cfg *c)
{
	free(c);
}

void mn_cfg_to_reg(const struct mn_cfg *c, struct mn_reg_config *r)
{
	memset(r, 0, sizeof(*r));
	r->home_addr = c->home_addr;
	r->home_agent = c->home_agent;
	memcpy(r->nai, c->nai, sizeof(r->nai));
	r->spi = c->spi;
	memcpy(r->key, c->key, c->key_len);
	r->key_len = c->key_len;
	r->replay = c->replay;
	r->lifetime = c->lifetime;
	r->encap = c->encap;
	r->reverse_tunnel = c->reverse_tunnel;
	r->encap_delivery = c->encap_delivery;
	r->tunnel_mode = c->v6_tunnel_mode;
	r->v6_link_local = c->v6_link_local;
	for (unsigned i = 0; i < c->n_v6_prefixes && r->n_v6 < MN_REG_MAX_V6; i++)
		r->v6[r->n_v6++] = c->v6_prefixes[i];
	for (unsigned i = 0; i < c->n_v6_dynamic && r->n_v6 < MN_REG_MAX_V6; i++) {
		memset(&r->v6[r->n_v6].prefix, 0, sizeof(r->v6[r->n_v6].prefix));
		r->v6[r->n_v6++].plen = c->v6_dynamic_hint[i];
	}
	for (unsigned i = 0; i < c->n_v6_iids && r->n_v6 < MN_REG_MAX_V6; i++) {
		r->v6[r->n_v6].prefix = c->v6_iids[i];
		r->v6[r->n_v6++].plen = 128;
	}
	r->retrans_max_ms = c->retransmit_max * 1000;
	r->retrans_tries = c->retransmit_tries;
	r->mf_spi = c->mf_spi;
	memcpy(r->mf_key, c->mf_key, c->mf_key_len);
	r->mf_key_len = c->mf_key_len;
	/* the numeric values differ: map, never cast */
	switch (c->udp_tunnel) {
	case MN_UDP_TUNNEL_AUTO:
		r->udp_tunnel = MN_REG_UDP_TUNNEL_AUTO;
		break;
	case MN_UDP_TUNNEL_FORCE:
		r->udp_tunnel = MN_REG_UDP_TUNNEL_FORCE;
		break;
	case MN_UDP_TUNNEL_OFF:
	case MN_UDP_TUNNEL_COUNT:
		r->udp_tunnel = MN_REG_UDP_TUNNEL_OFF;
		break;
	}
}

void mn_cfg_to_disc(const struct mn_cfg *c, struct mn_disc_config *d)
{
	memset(d, 0, sizeof(*d));
	d->home_agent = c->home_agent;
	d->solicit_max_ms = c->solicit_max * 1000;
	d->prefer_fa = c->prefer_fa;
}

/* ---- printing ------------------------------------------------------------- */

static const char *fmt_a4(uint32_t net_order, char buf[ADDR4_STRLEN])
{
	return fmt_in4(ntohl(net_order), buf);
}

void mn_cfg_print(FILE *f, const struct mn_cfg *c)
{
	char a4[ADDR4_STRLEN], a6[ADDR6_STRLEN];
	const char *ind = "  ", *ind2 = "    ";

	fputs("mn = {\n", f);
	cfgparse_print_kv_str(f, ind, "home-address", fmt_a4(c->home_addr, a4));
	cfgparse_print_kv_u32(f, ind, "home-prefix-length", c->home_plen);
	if (c->nai[0])
		cfgparse_print_kv_str(f, ind, "nai", c->nai);
	cfgparse_print_kv_str(f, ind, "home-agent", fmt_a4(c->home_agent, a4));
	cfgparse_print_kv_u32(f, ind, "spi", c->spi);
	cfgparse_print_kv_hex(f, ind, "key", c->key, c->key_len);
	cfgparse_print_kv_str(f, ind, "replay", mn_replay_name(c->replay));
	cfgparse_print_kv_u32(f, ind, "lifetime", c->lifetime);
	cfgparse_print_kv_str(f, ind, "encapsulation", encap_name(c->encap));
	cfgparse_print_kv_bool(f, ind, "reverse-tunnel", c->reverse_tunnel);
	cfgparse_print_kv_str(f, ind, "reverse-tunnel-delivery",
			      c->encap_delivery ? "encapsulating" : "direct");
	cfgparse_print_kv_u32(f, ind, "retransmit-max", c->retransmit_max);
	cfgparse_print_kv_u32(f, ind, "retransmit-tries", c->retransmit_tries);
	cfgparse_print_kv_str(f, ind, "home-interface", c->home_interface);
	cfgparse_print_kv_str(f, ind, "tunnel-interface", c->tunnel_interface);
	cfgparse_print_kv_str(f, ind, "control-socket", c->control_socket);
	cfgparse_print_kv_str(f, ind, "state-file", c->state_file);
	cfgparse_print_kv_str(f, ind, "log-level", cfgparse_log_level_name(c->log_level));
	cfgparse_print_kv_bool(f, ind, "agent-discovery", c->agent_discovery);
	cfgparse_print_kv_bool(f, ind, "prefer-foreign-agent", c->prefer_fa);
	cfgparse_print_kv_u32(f, ind, "solicitation-max-interval", c->solicit_max);
	if (c->mf_key_len) {
		cfgparse_print_kv_u32(f, ind, "mn-fa-spi", c->mf_spi);
		cfgparse_print_kv_hex(f, ind, "mn-fa-key", c->mf_key, c->mf_key_len);
	}
	cfgparse_print_kv_str(f, ind, "udp-tunnel", mn_udp_tunnel_name(c->udp_tunnel));
	cfgparse_print_kv_u32(f, ind, "registration-port", c->registration_port);
	fputs("  ipv6 = {\n", f);
	fputs("    prefixes = [ ", f);
	for (unsigned i = 0; i < c->n_v6_prefixes; i++)
		fprintf(f, "%s\"%s/%u\"", i ? ", " : "", fmt_in6(&c->v6_prefixes[i].prefix, a6),
			c->v6_prefixes[i].plen);
	fputs(c->n_v6_prefixes ? " ];\n" : "];\n", f);
	fputs("    dynamic-prefixes = [ ", f);
	for (unsigned i = 0; i < c->n_v6_dynamic; i++)
		fprintf(f, "%s%u", i ? ", " : "", c->v6_dynamic_hint[i]);
	fputs(c->n_v6_dynamic ? " ];\n" : "];\n", f);
	fputs("    interface-ids = [ ", f);
	for (unsigned i = 0; i < c->n_v6_iids; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", fmt_in6(&c->v6_iids[i], a6));
	fputs(c->n_v6_iids ? " ];\n" : "];\n", f);
	cfgparse_print_kv_bool(f, ind2, "link-local", c->v6_link_local);
	cfgparse_print_kv_bool(f, ind2, "tunnel-mode", c->v6_tunnel_mode);
	fputs("  };\n", f);
	fputs("};\n", f);
}
