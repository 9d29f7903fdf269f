/* ds46-fad configuration: libconfig syntax, validated setting by setting so
 * that every error carries the file and line libconfig recorded (STYLE 10),
 * with the helpers of the other daemons (common/cfgparse.h, which also
 * refuses integers libconfig wrapped to 32 bits).  The commented reference
 * is examples/fad.conf. */
#include "mip4/fa_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/cfgparse.h"
#include "common/util.h"
#include "wire/agentadv.h"

static const char *fmt_a4(uint32_t net_order, char buf[ADDR4_STRLEN])
{
	return fmt_in4(ntohl(net_order), buf);
}

const char *fa_revtun_name(uint8_t v)
{
	switch (v) {
	case FA_REVTUN_OFF:
		return "off";
	case FA_REVTUN_REQUIRED:
		return "required";
	}
	return "allowed";
}

const char *fa_ipv6_mode_name(uint8_t v)
{
	return v == FA_IPV6_ATTACH ? "attach" : "ignore";
}

uint16_t fad_cfg_adv_flags(const struct fad_cfg *c)
{
	uint16_t f = AGENTADV_F_F;

	if (c->reg.advertises_r)
		f |= AGENTADV_F_R;
	if (c->adv_busy)
		f |= AGENTADV_F_B;
	if (c->adv_home_agent)
		f |= AGENTADV_F_H;
	if (c->reg.encap_minimal)
		f |= AGENTADV_F_M;
	if (c->reg.encap_gre)
		f |= AGENTADV_F_G;
	if (c->reg.reverse_tunnel != FA_REVTUN_OFF)
		f |= AGENTADV_F_T;
	if (c->adv_udp)
		f |= AGENTADV_F_U;
	return f;
}

static const char *const fa_keys[] = {
	"interfaces", "advertisement-interval", "advertisement-interval-ms",
	"advertisement-lifetime",
	"registration-lifetime", "registration-required", "busy", "home-agent",
	"udp-tunnel", "prefix-lengths", "encapsulations", "reverse-tunnel",
	"encapsulating-delivery", "ipv6", "pending-timeout", "max-pending", "max-visitors",
	"home-agents", "mn-sas", "ha-sas", "tunnel-interface", "table", "rule-priority",
	"port", "control-socket", "log-level", "store",
};
enum {
	FK_IFACES, FK_ADV_INTERVAL, FK_ADV_INTERVAL_MS, FK_ADV_LIFETIME, FK_REG_LIFETIME, FK_REG_REQUIRED,
	FK_BUSY, FK_HOME_AGENT, FK_UDP, FK_PREFIX_LENGTHS, FK_ENCAPS, FK_REVTUN,
	FK_ENCAP_DELIVERY, FK_IPV6, FK_PENDING_TIMEOUT, FK_MAX_PENDING, FK_MAX_VISITORS,
	FK_HOME_AGENTS, FK_MN_SAS, FK_HA_SAS, FK_TUN, FK_TABLE, FK_RULE_PRIO, FK_PORT,
	FK_CONTROL_SOCKET, FK_LOG_LEVEL, FK_STORE, FK__MAX,
};

static const char *const if_keys[] = { "name", "address", "care-of-addresses" };
enum { IK_NAME, IK_ADDRESS, IK_COA, IK__MAX };

static const char *const sa_keys[] = { "address", "spi", "key", "key-hex" };
enum { SK_ADDRESS, SK_SPI, SK_KEY, SK_KEY_HEX, SK__MAX };

static void fad_defaults(struct fad_cfg *c)
{
	fa_cfg_defaults(&c->reg);
	c->adv_interval_ms = FAD_CFG_DEFAULT_ADV_INTERVAL * 1000;
	c->adv_lifetime = 0;         /* 3 * interval unless given */
	c->adv_prefix_lengths = true;
	strcpy(c->tun, FAD_CFG_DEFAULT_TUN);
	c->table = FAD_CFG_DEFAULT_TABLE;
	c->rule_priority = FAD_CFG_DEFAULT_RULE_PRIORITY;
	c->port = MIP4_PORT;
	strcpy(c->control_socket, FAD_CFG_DEFAULT_CONTROL_SOCKET);
	strcpy(c->store, FAD_CFG_DEFAULT_STORE);
	c->log_level = LOG_INFO;
}

static int parse_unicast(struct cfgparse *p, const config_setting_t *s, const char *v,
			 uint32_t *out)
{
	uint32_t h = 0;

	if (!cfgparse_parse_in4(v, strlen(v), &h))
		return cfgparse_err(p, s, "invalid IPv4 address \"%s\"", v);
	if (in4_reserved(h))
		return cfgparse_err(p, s, "\"%s\" must be a unicast IPv4 address", v);
	*out = htonl(h);
	return 0;
}

/* A list of unicast IPv4 addresses, none twice. */
static int parse_a4_list(struct cfgparse *p, const config_setting_t *s, unsigned max,
			 uint32_t *out, uint8_t *n_out)
{
	int n = cfgparse_get_str_list(p, s, max), r;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		r = parse_unicast(p, e, v, &out[i]);
		if (r < 0)
			return r;
		for (int j = 0; j < i; j++)
			if (out[j] == out[i])
				return cfgparse_err(p, e, "\"%s\" is listed twice", v);
	}
	*n_out = (uint8_t)n;
	return 0;
}

/* { name = "eth1"; address = "198.51.100.1/24"; care-of-addresses = [...]; } */
static int parse_iface(struct cfgparse *p, const config_setting_t *g, struct fad_cfg *c,
		       unsigned i)
{
	const config_setting_t *set[IK__MAX];
	struct fa_cfg_iface *ifc = &c->reg.ifaces[i];
	const char *v = NULL;
	uint32_t a = 0;
	int r = cfgparse_group(p, g, if_keys, ARRAY_SIZE(if_keys), set);

	if (r < 0)
		return r;
	if (!set[IK_NAME])
		return cfgparse_err(p, g,
				    "an interface needs a 'name': { name = \"eth1\"; address = "
				    "\"198.51.100.1/24\"; }");
	r = cfgparse_get_ifname(p, set[IK_NAME], c->ifname[i]);
	if (r < 0)
		return r;
	c->has_address[i] = set[IK_ADDRESS] != NULL;
	if (set[IK_ADDRESS]) {
		r = cfgparse_get_str(p, set[IK_ADDRESS], &v);
		if (r < 0)
			return r;
		const char *slash = strchr(v, '/');
		unsigned plen = 32;
		size_t alen = slash ? (size_t)(slash - v) : strlen(v);
		if (!cfgparse_parse_in4(v, alen, &a) ||
		    (slash && (!cfgparse_parse_plen(slash + 1, &plen) || plen < 1 || plen > 32)))
			return cfgparse_err(p, set[IK_ADDRESS],
					    "address \"%s\" must be \"a.b.c.d/len\" (len 1 to 32)", v);
		if (in4_reserved(a))
			return cfgparse_err(p, set[IK_ADDRESS],
					    "address \"%s\" must be a unicast IPv4 address", v);
		ifc->address = htonl(a);
		c->plen[i] = (uint8_t)plen;
	}
	if (set[IK_COA]) {
		r = parse_a4_list(p, set[IK_COA], FA_CFG_MAX_COA, ifc->coa, &ifc->n_coa);
		if (r < 0)
			return r;
		if (ifc->n_coa == 0)
			return cfgparse_err(p, set[IK_COA],
					    "care-of-addresses must not be empty (RFC 5944 2.1.1: "
					    "F needs at least one)");
	} else if (c->has_address[i]) {
		ifc->n_coa = 1;      /* the interface's address (RFC 5944 3.7.2) */
		ifc->coa[0] = ifc->address;
	}
	for (unsigned j = 0; j < i; j++) {
		if (strcmp(c->ifname[j], c->ifname[i]) == 0)
			return cfgparse_err(p, set[IK_NAME], "interface \"%s\" is listed twice",
					    c->ifname[i]);
		if (c->has_address[i] && c->has_address[j] &&
		    c->reg.ifaces[j].address == ifc->address)
			return cfgparse_err(p, set[IK_ADDRESS],
					    "address \"%s\" is used by interface \"%s\" too", v,
					    c->ifname[j]);
	}
	return 0;
}

static int parse_ifaces(struct cfgparse *p, const config_setting_t *s, struct fad_cfg *c)
{
	int n = cfgparse_get_group_list(p, s, FA_CFG_MAX_IFACES, "interfaces"), r;

	if (n < 0)
		return n;
	if (n == 0)
		return cfgparse_err(p, s, "interfaces must list at least one visitor link");
	for (int i = 0; i < n; i++) {
		r = parse_iface(p, config_setting_get_elem(s, (unsigned)i), c, (unsigned)i);
		if (r < 0)
			return r;
	}
	c->reg.n_ifaces = (uint8_t)n;
	return 0;
}

/* out[i] from the settings of group g; out[0..i) are the earlier ones. */
static int parse_sa(struct cfgparse *p, const config_setting_t *g,
		    const config_setting_t *const *set, struct fa_cfg_sa *out, unsigned i)
{
	struct fa_cfg_sa *sa = &out[i];
	const char *v = NULL;
	int r;

	if (!set[SK_ADDRESS] || !set[SK_SPI])
		return cfgparse_err(p, g, "a security association needs 'address' and 'spi'");
	r = cfgparse_get_str(p, set[SK_ADDRESS], &v);
	if (r < 0)
		return r;
	r = parse_unicast(p, set[SK_ADDRESS], v, &sa->addr);
	if (r < 0)
		return r;
	for (unsigned j = 0; j < i; j++)
		if (out[j].addr == sa->addr)
			return cfgparse_err(p, set[SK_ADDRESS],
					    "address \"%s\" has two security associations", v);
	r = cfgparse_get_u32(p, set[SK_SPI], MIP4_SPI_HMAC_MD5_MIN, &sa->spi);
	if (r < 0)
		return r;
	return cfgparse_get_key(p, g, set[SK_KEY], set[SK_KEY_HEX], "a security association",
				sa->key, FA_CFG_KEY_MAX, &sa->key_len);
}

/* ( { address = "..."; spi = 300; key = "..." | key-hex = "..."; }, ... ) */
static int parse_sas(struct cfgparse *p, const config_setting_t *s, unsigned max,
		     struct fa_cfg_sa *out, uint8_t *n_out, const char *what)
{
	unsigned base = *n_out;      /* after home-agents' (appended) */
	int n = cfgparse_get_group_list(p, s, max - base, what), r;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *set[SK__MAX];

		r = cfgparse_group(p, g, sa_keys, ARRAY_SIZE(sa_keys), set);
		if (r < 0)
			return r;
		r = parse_sa(p, g, set, out, base + (unsigned)i);
		if (r < 0)
			return r;
	}
	*n_out = (uint8_t)(base + (unsigned)n);
	return 0;
}


/* home-agents = [ "a.b.c.d", ... ] or ( { address = "..."; [spi; key | key-hex;] }, ... ):
 * the home agents served (others: 65), the second form with their FA-HA
 * security associations (as ha-sas). */
static int parse_home_agents(struct cfgparse *p, const config_setting_t *s, struct fad_cfg *c)
{
	const config_setting_t *e0 = config_setting_get_elem(s, 0);
	int n;

	if (!e0 || !config_setting_is_group(e0))
		return parse_a4_list(p, s, FA_CFG_MAX_ALLOWED_HA, c->reg.allowed_ha,
				     &c->reg.n_allowed_ha);
	n = cfgparse_get_group_list(p, s, FA_CFG_MAX_ALLOWED_HA, "home-agents");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *set[SK__MAX];
		const char *v = NULL;
		uint32_t a = 0;
		int r = cfgparse_group(p, g, sa_keys, ARRAY_SIZE(sa_keys), set);

		if (r < 0)
			return r;
		if (!set[SK_ADDRESS])
			return cfgparse_err(p, g, "a home agent needs an 'address'");
		r = cfgparse_get_str(p, set[SK_ADDRESS], &v);
		if (r < 0)
			return r;
		r = parse_unicast(p, set[SK_ADDRESS], v, &a);
		if (r < 0)
			return r;
		for (unsigned j = 0; j < c->reg.n_allowed_ha; j++)
			if (c->reg.allowed_ha[j] == a)
				return cfgparse_err(p, set[SK_ADDRESS], "\"%s\" is listed twice", v);
		c->reg.allowed_ha[c->reg.n_allowed_ha++] = a;
		if (!set[SK_SPI] && !set[SK_KEY] && !set[SK_KEY_HEX])
			continue;
		if (c->reg.n_ha_sa >= FA_CFG_MAX_HA_SA)
			return cfgparse_err(p, g, "too many home agent security associations");
		r = parse_sa(p, g, set, c->reg.ha_sa, c->reg.n_ha_sa);
		if (r < 0)
			return r;
		c->reg.n_ha_sa++;
	}
	return 0;
}

static int parse_encaps(struct cfgparse *p, const config_setting_t *s, struct fa_cfg *c)
{
	static const char *const names[] = { "ipip", "gre", "minimal" };
	bool seen[ARRAY_SIZE(names)];
	int r = cfgparse_get_name_set(p, s, "encapsulation", names, ARRAY_SIZE(names), seen);

	if (r < 0)
		return r;
	if (!seen[0])
		return cfgparse_err(p, s, "encapsulations must include \"ipip\" (RFC 5944 3.7: foreign agents MUST support IP in IP)");
	c->encap_gre = seen[1];
	c->encap_minimal = seen[2];
	return 0;
}

static int parse_choice(struct cfgparse *p, const config_setting_t *s, const char *const *names,
			unsigned n, const char *what, uint8_t *out)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v);

	if (r < 0)
		return r;
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	return cfgparse_err(p, s, "'%s' must be %s", cfgparse_name(s), what);
}

static int parse_setting(struct cfgparse *p, const config_setting_t *s, int k, struct fad_cfg *c)
{
	static const char *const revtun[] = { "off", "allowed", "required" };
	static const char *const v6[] = { "ignore", "attach" };
	uint64_t v = 0;
	int r;

	switch (k) {
	case FK_IFACES:
		return parse_ifaces(p, s, c);
	case FK_ADV_INTERVAL:
		r = cfgparse_get_uint(p, s, 0, FAD_CFG_MAX_ADV_INTERVAL, &v);
		c->adv_interval_ms = (uint32_t)v * 1000;
		return r;
	case FK_ADV_INTERVAL_MS:
		r = cfgparse_get_uint(p, s, 0, FAD_CFG_MAX_ADV_INTERVAL * 1000, &v);
		if (r == 0 && v && v < FAD_CFG_MIN_ADV_INTERVAL_MS)
			return cfgparse_err(p, s, "advertisement-interval-ms must be 0 or at least %u",
					    FAD_CFG_MIN_ADV_INTERVAL_MS);
		c->adv_interval_ms = (uint32_t)v;
		return r;
	case FK_ADV_LIFETIME:
		r = cfgparse_get_uint(p, s, 1, FAD_CFG_MAX_ADV_LIFETIME, &v);
		c->adv_lifetime = (uint32_t)v;
		return r;
	case FK_REG_LIFETIME:
		r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);
		c->reg.max_lifetime = (uint16_t)v;
		return r;
	case FK_REG_REQUIRED:
		return cfgparse_get_bool(p, s, &c->reg.advertises_r);
	case FK_BUSY:
		return cfgparse_get_bool(p, s, &c->adv_busy);
	case FK_HOME_AGENT:
		return cfgparse_get_bool(p, s, &c->adv_home_agent);
	case FK_UDP:
		return cfgparse_get_bool(p, s, &c->adv_udp);
	case FK_PREFIX_LENGTHS:
		return cfgparse_get_bool(p, s, &c->adv_prefix_lengths);
	case FK_ENCAPS:
		return parse_encaps(p, s, &c->reg);
	case FK_REVTUN:
		return parse_choice(p, s, revtun, 3, "\"off\", \"allowed\" or \"required\"",
				    &c->reg.reverse_tunnel);
	case FK_ENCAP_DELIVERY:
		return cfgparse_get_bool(p, s, &c->reg.encap_delivery);
	case FK_IPV6:
		return parse_choice(p, s, v6, 2, "\"ignore\" or \"attach\"", &c->reg.ipv6_mode);
	case FK_PENDING_TIMEOUT:
		r = cfgparse_get_uint(p, s, 1, 3600, &v);
		c->reg.pending_timeout = (uint16_t)v;
		return r;
	case FK_MAX_PENDING:
		r = cfgparse_get_uint(p, s, 1, 1000000, &v);
		c->reg.max_pending = (uint32_t)v;
		return r;
	case FK_MAX_VISITORS:
		r = cfgparse_get_uint(p, s, 1, 1000000, &v);
		c->reg.max_visitors = (uint32_t)v;
		return r;
	case FK_HOME_AGENTS:
		return parse_home_agents(p, s, c);
	case FK_MN_SAS:
		return parse_sas(p, s, FA_CFG_MAX_MN_SA, c->reg.mn_sa, &c->reg.n_mn_sa, "mn-sas");
	case FK_HA_SAS:
		return parse_sas(p, s, FA_CFG_MAX_HA_SA, c->reg.ha_sa, &c->reg.n_ha_sa, "ha-sas");
	case FK_TUN:
		return cfgparse_get_ifname(p, s, c->tun);
	case FK_TABLE:
		r = cfgparse_get_uint(p, s, 1, INT32_MAX, &v);
		if (r == 0 && (v == 253 || v == 254 || v == 255))
			return cfgparse_err(p, s,
					    "table %llu is the kernel's default, main or local "
					    "table",
					    (unsigned long long)v);
		c->table = (uint32_t)v;
		return r;
	case FK_RULE_PRIO:
		r = cfgparse_get_uint(p, s, 1, 32765, &v);
		c->rule_priority = (uint32_t)v;
		return r;
	case FK_PORT:
		r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);
		c->port = (uint16_t)v;
		return r;
	case FK_CONTROL_SOCKET:
		return cfgparse_get_str_buf(p, s, c->control_socket, sizeof(c->control_socket));
	case FK_STORE:
		return cfgparse_get_str_buf(p, s, c->store, sizeof(c->store));
	case FK_LOG_LEVEL:
		return cfgparse_get_log_level(p, s, &c->log_level);
	}
	return cfgparse_err(p, s, "unknown setting '%s' in fa", config_setting_name(s));
}

static int parse_fa(struct cfgparse *p, const config_setting_t *g, struct fad_cfg *c)
{
	const config_setting_t *set[FK__MAX];
	int n, r = cfgparse_group(p, g, fa_keys, ARRAY_SIZE(fa_keys), set);

	n = r < 0 ? 0 : config_setting_length(g);
	for (int i = 0; i < n && r == 0; i++) {           /* in file order */
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		r = parse_setting(p, s,
				  cfgparse_key_index(fa_keys, ARRAY_SIZE(fa_keys),
						     config_setting_name(s)),
				  c);
	}
	if (r < 0)
		return r;
	if (!set[FK_IFACES])
		return cfgparse_err(p, g,
				    "fa has no 'interfaces' (the visitor links: ( { name = "
				    "\"eth1\"; address = \"198.51.100.1/24\"; } ))");
	if (set[FK_ADV_INTERVAL] && set[FK_ADV_INTERVAL_MS])
		return cfgparse_err(p, set[FK_ADV_INTERVAL_MS],
				    "give one of advertisement-interval (seconds) and "
				    "advertisement-interval-ms");
	if (!set[FK_ADV_LIFETIME])   /* RFC 1256 3: 3 * Max, whole seconds */
		c->adv_lifetime = c->adv_interval_ms
					  ? MAX(1u, MIN((3 * c->adv_interval_ms + 999) / 1000,
							(uint32_t)FAD_CFG_MAX_ADV_LIFETIME))
					  : 3 * FAD_CFG_DEFAULT_ADV_INTERVAL;
	else if ((uint64_t)c->adv_lifetime * 1000 < c->adv_interval_ms)
		return cfgparse_err(p, set[FK_ADV_LIFETIME],
				    "advertisement-lifetime %u is shorter than the advertisement "
				    "interval (%u ms, RFC 1256 3)",
				    c->adv_lifetime, c->adv_interval_ms);
	if (c->adv_lifetime > UINT16_MAX)
		c->adv_lifetime = UINT16_MAX;
	return 0;
}

static int parse_root(struct cfgparse *p, const config_setting_t *root, void *arg)
{
	struct fad_cfg *c = arg;
	const config_setting_t *g;
	int r = cfgparse_top_group(p, "fa", "fa = { interfaces = ( ... ); ... }", &g);

	(void)root;
	if (r < 0)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", p->name);
	fad_defaults(c);
	return parse_fa(p, g, c);
}

static int load(const char *path, const char *text, const char *name, struct fad_cfg **out,
		char *err, size_t errlen)
{
	struct fad_cfg *c = calloc(1, sizeof(*c));
	int r;

	if (!c) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		*out = NULL;
		return -ENOMEM;
	}
	r = cfgparse_run(path, text, name, err, errlen, parse_root, c);
	if (r < 0)
		fad_cfg_free(c);
	*out = r < 0 ? NULL : c;
	return r;
}

int fad_cfg_load(const char *path, struct fad_cfg **out, char *err, size_t errlen)
{
	return load(path, NULL, path, out, err, errlen);
}

int fad_cfg_load_string(const char *text, const char *name, struct fad_cfg **out, char *err,
			size_t errlen)
{
	return load(NULL, text, name, out, err, errlen);
}

void fad_cfg_free(struct fad_cfg *c)
{
	free(c);
}

/* ---- printing ------------------------------------------------------------- */

static void print_a4_list(FILE *f, const char *ind, const char *key, const uint32_t *v,
			  unsigned n)
{
	char a[ADDR4_STRLEN];

	fprintf(f, "%s%s = [ ", ind, key);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", fmt_a4(v[i], a));
	fputs(n ? " ];\n" : "];\n", f);
}

static void print_sas(FILE *f, const char *key, const struct fa_cfg_sa *sa, unsigned n)
{
	char a[ADDR4_STRLEN];

	fprintf(f, "  %s = (", key);
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "%s    { address = \"%s\"; spi = %u; key-hex = \"", i ? ",\n" : "\n",
			fmt_a4(sa[i].addr, a), sa[i].spi);
		for (unsigned j = 0; j < sa[i].key_len; j++)
			fprintf(f, "%02x", sa[i].key[j]);
		fputs("\"; }", f);
	}
	fputs(n ? "\n  );\n" : " );\n", f);
}

void fad_cfg_print(FILE *f, const struct fad_cfg *c)
{
	const struct fa_cfg *r = &c->reg;
	const char *ind = "  ";
	char a[ADDR4_STRLEN];

	fputs("fa = {\n  interfaces = (", f);
	for (unsigned i = 0; i < r->n_ifaces; i++) {
		fprintf(f, "%s    {\n", i ? ",\n" : "\n");
		cfgparse_print_kv_str(f, "      ", "name", c->ifname[i]);
		if (c->has_address[i])
			fprintf(f, "      address = \"%s/%u\";\n", fmt_a4(r->ifaces[i].address, a),
				c->plen[i]);
		if (r->ifaces[i].n_coa)
			print_a4_list(f, "      ", "care-of-addresses", r->ifaces[i].coa,
				      r->ifaces[i].n_coa);
		fputs("    }", f);
	}
	fputs(r->n_ifaces ? "\n  );\n" : " );\n", f);
	cfgparse_print_kv_u32(f, ind, "advertisement-interval-ms", c->adv_interval_ms);
	cfgparse_print_kv_u32(f, ind, "advertisement-lifetime", c->adv_lifetime);
	cfgparse_print_kv_u32(f, ind, "registration-lifetime", r->max_lifetime);
	cfgparse_print_kv_bool(f, ind, "registration-required", r->advertises_r);
	cfgparse_print_kv_bool(f, ind, "busy", c->adv_busy);
	cfgparse_print_kv_bool(f, ind, "home-agent", c->adv_home_agent);
	cfgparse_print_kv_bool(f, ind, "udp-tunnel", c->adv_udp);
	cfgparse_print_kv_bool(f, ind, "prefix-lengths", c->adv_prefix_lengths);
	fputs("  encapsulations = [ \"ipip\"", f);
	if (r->encap_gre)
		fputs(", \"gre\"", f);
	if (r->encap_minimal)
		fputs(", \"minimal\"", f);
	fputs(" ];\n", f);
	cfgparse_print_kv_str(f, ind, "reverse-tunnel", fa_revtun_name(r->reverse_tunnel));
	cfgparse_print_kv_bool(f, ind, "encapsulating-delivery", r->encap_delivery);
	cfgparse_print_kv_str(f, ind, "ipv6", fa_ipv6_mode_name(r->ipv6_mode));
	cfgparse_print_kv_u32(f, ind, "pending-timeout", r->pending_timeout);
	cfgparse_print_kv_u32(f, ind, "max-pending", r->max_pending);
	cfgparse_print_kv_u32(f, ind, "max-visitors", r->max_visitors);
	print_a4_list(f, ind, "home-agents", r->allowed_ha, r->n_allowed_ha);
	print_sas(f, "mn-sas", r->mn_sa, r->n_mn_sa);
	print_sas(f, "ha-sas", r->ha_sa, r->n_ha_sa);
	cfgparse_print_kv_str(f, ind, "tunnel-interface", c->tun);
	cfgparse_print_kv_u32(f, ind, "table", c->table);
	cfgparse_print_kv_u32(f, ind, "rule-priority", c->rule_priority);
	cfgparse_print_kv_u32(f, ind, "port", c->port);
	cfgparse_print_kv_str(f, ind, "control-socket", c->control_socket);
	cfgparse_print_kv_str(f, ind, "log-level", cfgparse_log_level_name(c->log_level));
	cfgparse_print_kv_str(f, ind, "store", c->store);
	fputs("};\n", f);
}
