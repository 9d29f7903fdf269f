/* ds46-tepd configuration: libconfig syntax, validated setting by setting so
 * that every error carries the file and line libconfig recorded (STYLE 10),
 * as dstm/config.c does for the server.  The reference is
 * docs/tepd.conf.5.md. */
#include "dstm/tep_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/util.h"

struct parser {
	const char *name;            /* used when libconfig has no file name */
	char *err;
	size_t errlen;
	struct tep_cfg *c;
	const char *text;            /* the source, for element_line() */
	const char *text_file;       /* the file it came from; NULL: a string */
	const char *incdir;          /* where libconfig looks for @include */
};

/* ---- file:line messages (the same rules as dstm/config.c) ----------------- */

static const char *setting_file(const struct parser *p, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;
	return f ? f : p->name;
}

/* libconfig names an included file as the @include directive spelt it;
 * report it relative to the including file's directory. */
static int print_file(const struct parser *p, char *buf, size_t len, const char *f)
{
	if (p->incdir && f[0] != '/' && (!p->text_file || strcmp(f, p->text_file) != 0))
		return snprintf(buf, len, "%s/%s", strcmp(p->incdir, "/") ? p->incdir : "", f);
	return snprintf(buf, len, "%s", f);
}

static bool has_literal(const char *b, const char *e, const char *v)
{
	size_t vlen = strlen(v);

	for (const char *q = b; q + vlen + 2 <= e; q++)
		if (q[0] == '"' && memcmp(q + 1, v, vlen) == 0 && q[vlen + 1] == '"')
			return true;
	return false;
}

/* libconfig stamps an array element with the line of the token after it;
 * walk back to the line that holds the literal (routes = [ ... ] over
 * several lines). */
static unsigned element_line(const struct parser *p, const config_setting_t *s)
{
	unsigned line = config_setting_source_line(s), lo;
	const config_setting_t *parent = config_setting_parent(s);
	const char *f = config_setting_source_file(s), *b, *e;
	int idx;

	if (!p->text || config_setting_name(s) || !parent ||
	    config_setting_type(s) != CONFIG_TYPE_STRING || line == 0)
		return line;
	if (f ? !p->text_file || strcmp(f, p->text_file) != 0 : p->text_file != NULL)
		return line;
	lo = config_setting_source_line(parent);
	idx = config_setting_index(s);
	if (idx > 0)
		lo = MAX(lo, config_setting_source_line(
				     config_setting_get_elem(parent, (unsigned)idx - 1)));
	b = p->text;
	for (unsigned l = 1; l < line; l++) {
		b = strchr(b, '\n');
		if (!b)
			return line;
		b++;
	}
	e = strchr(b, '\n');
	if (!e)
		e = b + strlen(b);
	for (unsigned l = line; l >= lo && l > 0; l--) {
		if (has_literal(b, e, config_setting_get_string(s)))
			return l;
		if (b == p->text)
			break;
		e = b - 1;
		for (b = e; b > p->text && b[-1] != '\n'; b--)
			;
	}
	return line;
}

static unsigned setting_line(const struct parser *p, const config_setting_t *s)
{
	unsigned line = s ? element_line(p, s) : 0;
	return line ? line : 1;
}

static int perr(struct parser *p, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->errlen)
		return -EINVAL;
	n = print_file(p, p->err, p->errlen, setting_file(p, s));
	if (n >= 0 && (size_t)n < p->errlen)
		n += snprintf(p->err + n, p->errlen - (size_t)n, ":%u: ", setting_line(p, s));
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- scalar getters ------------------------------------------------------ */

static int get_uint(struct parser *p, const config_setting_t *s, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return perr(p, s, "'%s' must be an integer", config_setting_name(s));
	v = config_setting_get_int64(s);
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max)
		return perr(p, s, "'%s' must be between %llu and %llu", config_setting_name(s),
			    (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)v;
	return 0;
}

static int get_bool(struct parser *p, const config_setting_t *s, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return perr(p, s, "'%s' must be true or false", config_setting_name(s));
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

static int get_str(struct parser *p, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return perr(p, s, "'%s' must be a string", config_setting_name(s));
	*out = config_setting_get_string(s);
	return 0;
}

static int get_str_buf(struct parser *p, const config_setting_t *s, char *buf, size_t size)
{
	const char *v = NULL;
	int r = get_str(p, s, &v);
	if (r < 0)
		return r;
	if (!*v)
		return perr(p, s, "'%s' must not be empty", config_setting_name(s));
	if (strlen(v) >= size)
		return perr(p, s, "'%s' is too long (at most %zu characters)",
			    config_setting_name(s), size - 1);
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

/* Linux dev_valid_name(). */
static int get_ifname(struct parser *p, const config_setting_t *s, char *buf)
{
	const char *v = NULL;
	size_t len;
	int r = get_str(p, s, &v);

	if (r < 0)
		return r;
	len = strlen(v);
	if (len == 0)
		return perr(p, s, "empty interface name");
	if (len >= IF_NAMESIZE)
		return perr(p, s, "interface name \"%s\" is too long (at most %d characters)", v,
			    IF_NAMESIZE - 1);
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return perr(p, s, "invalid interface name \"%s\"", v);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '/' || ch == ':' || ch <= ' ' || ch >= 0x7f)
			return perr(p, s, "invalid interface name \"%s\"", v);
	}
	memcpy(buf, v, len + 1);
	return 0;
}

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

static bool parse_in4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static int parse_address(struct parser *p, const config_setting_t *s, struct in6_addr *out)
{
	const char *v = NULL;
	int r = get_str(p, s, &v);

	if (r < 0)
		return r;
	if (inet_pton(AF_INET6, v, out) != 1)
		return perr(p, s, "invalid IPv6 address \"%s\"", v);
	if (IN6_IS_ADDR_UNSPECIFIED(out) || IN6_IS_ADDR_LOOPBACK(out) ||
	    IN6_IS_ADDR_MULTICAST(out) || IN6_IS_ADDR_LINKLOCAL(out) || in6_is_mapped(out))
		return perr(p, s,
			    "address \"%s\" must be a unicast IPv6 address (not link-local, "
			    "loopback or IPv4-mapped)",
			    v);
	return 0;
}

static int parse_ipv4_address(struct parser *p, const config_setting_t *s, uint32_t *out)
{
	const char *v = NULL;
	int r = get_str(p, s, &v);

	if (r < 0)
		return r;
	if (!parse_in4(v, out))
		return perr(p, s, "invalid IPv4 address \"%s\"", v);
	if (in4_range_reserved(*out, *out))
		return perr(p, s, "ipv4-address \"%s\" must be a unicast IPv4 address", v);
	return 0;
}

/* "a.b.c.d/len" (1 <= len <= 32) or "a.b.c.d" (a /32). */
static int parse_route(struct parser *p, const config_setting_t *s, struct tep_cfg_route *rt)
{
	const char *v = config_setting_get_string(s);
	const char *slash = strchr(v, '/');
	char buf[INET_ADDRSTRLEN];
	unsigned long plen = 32;           /* a bare address is a host route */

	if (slash) {
		char *end;
		if ((size_t)(slash - v) >= sizeof(buf))
			return perr(p, s, "invalid IPv4 prefix \"%s\"", v);
		memcpy(buf, v, (size_t)(slash - v));
		buf[slash - v] = '\0';
		if (!parse_in4(buf, &rt->addr))
			return perr(p, s, "invalid IPv4 prefix \"%s\"", v);
		if (slash[1] < '0' || slash[1] > '9')
			return perr(p, s, "invalid prefix length in \"%s\"", v);
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || *end || plen < 1 || plen > 32)
			return perr(p, s, "invalid prefix length in \"%s\" (1 to 32)", v);
	} else if (strlen(v) >= sizeof(buf) || !parse_in4(v, &rt->addr)) {
		return perr(p, s, "invalid IPv4 prefix \"%s\"", v);
	}
	if (rt->addr & ~mask32((unsigned)plen))
		return perr(p, s, "route \"%s\" has host bits set", v);
	rt->plen = (uint8_t)plen;
	if (in4_range_reserved(rt->addr, rt->addr | ~mask32(rt->plen)))
		return perr(p, s, "route \"%s\" contains reserved addresses (0/8, 127/8, 224/3)",
			    v);
	return 0;
}

static bool route_contains(const struct tep_cfg_route *rt, uint32_t a, unsigned plen)
{
	return plen >= rt->plen && ((a ^ rt->addr) & mask32(rt->plen)) == 0;
}

static int parse_routes(struct parser *p, const config_setting_t *s)
{
	struct tep_cfg *c = p->c;
	int n, r;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return perr(p, s, "'routes' must be a list of strings: routes = [ \"...\" ]");
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct tep_cfg_route *rt;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return perr(p, e, "'routes' must be a list of strings");
		if (i >= TEP_CFG_MAX_ROUTES)
			return perr(p, e, "too many entries in 'routes' (at most %d)",
				    TEP_CFG_MAX_ROUTES);
		rt = &c->routes[i];
		r = parse_route(p, e, rt);
		if (r < 0)
			return r;
		for (int j = 0; j < i; j++) {
			const struct tep_cfg_route *o = &c->routes[j];
			if (route_contains(o, rt->addr, rt->plen) ||
			    route_contains(rt, o->addr, o->plen))
				return perr(p, e, "route \"%s\" overlaps \"%s\" (line %u)",
					    config_setting_get_string(e),
					    config_setting_get_string(
						    config_setting_get_elem(s, (unsigned)j)),
					    setting_line(p, config_setting_get_elem(s, (unsigned)j)));
		}
	}
	c->n_routes = (uint8_t)n;
	return 0;
}

/* ---- the tep group ------------------------------------------------------- */

static const struct {
	const char *name;
	int level;
} log_levels[] = {
	{ "error", LOG_ERR },   { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO },   { "debug", LOG_DEBUG },
};

static const char *const tep_keys[] = {
	"tun", "address", "ipv4-address", "routes", "store", "follow-interval-ms", "learn",
	"learn-lifetime", "mss-clamp", "tunnel-mtu", "tclass", "control-socket", "log-level",
};
enum {
	TK_TUN, TK_ADDRESS, TK_IPV4_ADDRESS, TK_ROUTES, TK_STORE, TK_FOLLOW, TK_LEARN,
	TK_LEARN_LIFETIME, TK_MSS_CLAMP, TK_TUNNEL_MTU, TK_TCLASS, TK_CONTROL_SOCKET,
	TK_LOG_LEVEL, TK__MAX,
};

static int key_index(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(tep_keys); i++)
		if (strcmp(tep_keys[i], name) == 0)
			return (int)i;
	return -1;
}

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
	c->log_level = LOG_INFO;
}

static int parse_setting(struct parser *p, const config_setting_t *s, int k)
{
	struct tep_cfg *c = p->c;
	const char *str = NULL;
	uint64_t v = 0;
	int r;

	switch (k) {
	case TK_TUN:
		return get_ifname(p, s, c->tun);
	case TK_ADDRESS:
		return parse_address(p, s, &c->address);
	case TK_IPV4_ADDRESS:
		return parse_ipv4_address(p, s, &c->ipv4_address);
	case TK_ROUTES:
		return parse_routes(p, s);
	case TK_STORE:
		return get_str_buf(p, s, c->store, sizeof(c->store));
	case TK_FOLLOW:
		r = get_uint(p, s, 10, 60000, &v);
		c->follow_interval_ms = (uint32_t)v;
		return r;
	case TK_LEARN:
		return get_bool(p, s, &c->learn);
	case TK_LEARN_LIFETIME:
		r = get_uint(p, s, 1, 604800, &v);
		c->learn_lifetime = (uint32_t)v;
		return r;
	case TK_MSS_CLAMP:
		r = get_uint(p, s, 0, TEP_CFG_MAX_TUNNEL_MTU - 40, &v);
		if (r < 0)
			return r;
		if (v && v < TEP_CFG_MIN_MSS)
			return perr(p, s, "'mss-clamp' must be 0 (off) or at least %d",
				    TEP_CFG_MIN_MSS);
		c->mss_clamp = (uint16_t)v;
		return 0;
	case TK_TUNNEL_MTU:
		r = get_uint(p, s, TEP_CFG_MIN_TUNNEL_MTU, TEP_CFG_MAX_TUNNEL_MTU, &v);
		c->tunnel_mtu = (uint16_t)v;
		return r;
	case TK_TCLASS:
		if (config_setting_type(s) == CONFIG_TYPE_STRING) {
			if (strcmp(config_setting_get_string(s), "copy") != 0)
				return perr(p, s, "'tclass' must be \"copy\" or an integer "
						  "between 0 and 255");
			c->tclass_copy = true;
			c->tclass = 0;
			return 0;
		}
		if ((config_setting_type(s) != CONFIG_TYPE_INT &&
		     config_setting_type(s) != CONFIG_TYPE_INT64) ||
		    config_setting_get_int64(s) < 0 || config_setting_get_int64(s) > 255)
			return perr(p, s,
				    "'tclass' must be \"copy\" or an integer between 0 and 255");
		c->tclass_copy = false;
		c->tclass = (uint8_t)config_setting_get_int64(s);
		return 0;
	case TK_CONTROL_SOCKET:
		return get_str_buf(p, s, c->control_socket, sizeof(c->control_socket));
	case TK_LOG_LEVEL:
		r = get_str(p, s, &str);
		if (r < 0)
			return r;
		for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++)
			if (strcmp(str, log_levels[i].name) == 0) {
				c->log_level = log_levels[i].level;
				return 0;
			}
		return perr(p, s, "'log-level' must be one of error, warning, notice, info, debug");
	}
	return perr(p, s, "unknown setting '%s' in tep", config_setting_name(s));
}

static int parse_tep(struct parser *p, const config_setting_t *g)
{
	const config_setting_t *set[TK__MAX] = { 0 };
	struct tep_cfg *c = p->c;
	int n, r;

	if (!config_setting_is_group(g))
		return perr(p, g, "'tep' must be a group: tep = { ... }");
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		int k = key_index(config_setting_name(s));
		if (k < 0)
			return perr(p, s, "unknown setting '%s' in tep", config_setting_name(s));
		set[k] = s;
	}
	for (int i = 0; i < n; i++) {           /* in file order */
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		r = parse_setting(p, s, key_index(config_setting_name(s)));
		if (r < 0)
			return r;
	}
	if (!set[TK_ADDRESS])
		return perr(p, g, "tep has no 'address' (the TEP's IPv6 address)");
	if (!set[TK_IPV4_ADDRESS])
		return perr(p, g, "tep has no 'ipv4-address' (source of ICMPv4 errors)");
	for (unsigned i = 0; i < c->n_routes; i++)
		if (route_contains(&c->routes[i], c->ipv4_address, 32)) {
			char a[ADDR4_STRLEN];
			return perr(p, set[TK_IPV4_ADDRESS],
				    "ipv4-address %s is inside route \"%s\": it would be leased "
				    "to a host",
				    fmt_in4(c->ipv4_address, a),
				    config_setting_get_string(
					    config_setting_get_elem(set[TK_ROUTES], i)));
		}
	if (c->mss_clamp && c->mss_clamp > c->tunnel_mtu - 40)
		return perr(p, set[TK_MSS_CLAMP],
			    "mss-clamp (%u) is larger than tunnel-mtu - 40 (%u): segments "
			    "would not fit the tunnel",
			    c->mss_clamp, c->tunnel_mtu - 40u);
	return 0;
}

static int parse_root(struct parser *p, config_t *lc)
{
	const config_setting_t *root = config_root_setting(lc);
	const config_setting_t *g = NULL;
	int n = config_setting_length(root);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		if (strcmp(config_setting_name(s), "tep") != 0)
			return perr(p, s, "unknown setting '%s' at the top level",
				    config_setting_name(s));
		g = s;
	}
	tep_defaults(p->c);
	if (!g)
		return perr(p, NULL, "no 'tep' group: tep = { address = \"...\"; ... }");
	return parse_tep(p, g);
}

/* ---- loading ------------------------------------------------------------- */

static int finish(struct parser *p, config_t *lc, int ok, struct tep_cfg **out)
{
	int r;

	if (ok != CONFIG_TRUE) {
		const char *f = config_error_file(lc);
		int n = p->errlen ? print_file(p, p->err, p->errlen, f ? f : p->name) : -1;
		if (n >= 0 && (size_t)n < p->errlen)
			snprintf(p->err + n, p->errlen - (size_t)n, ":%d: %s",
				 config_error_line(lc), config_error_text(lc));
		config_destroy(lc);
		tep_cfg_free(p->c);
		return -EINVAL;
	}
	r = parse_root(p, lc);
	config_destroy(lc);
	if (r < 0) {
		tep_cfg_free(p->c);
		return r;
	}
	*out = p->c;
	return 0;
}

static int parser_init(struct parser *p, const char *name, char *err, size_t errlen)
{
	*p = (struct parser){ .name = name, .err = err, .errlen = errlen };
	if (errlen)
		err[0] = '\0';
	p->c = calloc(1, sizeof(*p->c));
	if (!p->c) {
		if (errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	snprintf(p->c->file, sizeof(p->c->file), "%s", name);
	return 0;
}

/* The whole file, for element_line(); NULL if it cannot be read (libconfig
 * then reports the error itself). */
static char *read_text(FILE *f)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 + 1 : 8193);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int tep_cfg_load(const char *path, struct tep_cfg **out, char *err, size_t errlen)
{
	struct parser p;
	config_t lc;
	char dir[PATH_MAX], *text;
	const char *slash;
	FILE *f;
	int r;

	*out = NULL;
	f = fopen(path, "r");
	if (!f) {
		r = -errno;
		if (errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	text = read_text(f);
	fclose(f);
	r = parser_init(&p, path, err, errlen);
	if (r < 0) {
		free(text);
		return r;
	}
	p.text = text;
	p.text_file = path;
	config_init(&lc);
	/* @include "x" is relative to the including file's directory. */
	slash = strrchr(path, '/');
	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		config_set_include_dir(&lc, slash == path ? "/" : dir);
		p.incdir = slash == path ? "/" : dir;
	}
	r = finish(&p, &lc, config_read_file(&lc, path), out);
	free(text);
	return r;
}

int tep_cfg_load_string(const char *text, const char *name, struct tep_cfg **out, char *err,
			size_t errlen)
{
	struct parser p;
	config_t lc;
	int r;

	*out = NULL;
	r = parser_init(&p, name ? name : "(string)", err, errlen);
	if (r < 0)
		return r;
	p.text = text;
	config_init(&lc);
	return finish(&p, &lc, config_read_string(&lc, text), out);
}

void tep_cfg_free(struct tep_cfg *c)
{
	free(c);
}

/* ---- printing ------------------------------------------------------------ */

static void print_str(FILE *f, const char *key, const char *s)
{
	fprintf(f, "  %s = \"", key);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputs("\";\n", f);
}

static const char *level_name(int level)
{
	for (size_t k = 0; k < ARRAY_SIZE(log_levels); k++)
		if (log_levels[k].level == level)
			return log_levels[k].name;
	return "info";
}

void tep_cfg_print(FILE *f, const struct tep_cfg *c)
{
	char a6[ADDR6_STRLEN], a4[ADDR4_STRLEN];

	fputs("tep = {\n", f);
	print_str(f, "tun", c->tun);
	print_str(f, "address", fmt_in6(&c->address, a6));
	print_str(f, "ipv4-address", fmt_in4(c->ipv4_address, a4));
	fputs("  routes = [ ", f);
	for (unsigned i = 0; i < c->n_routes; i++)
		fprintf(f, "%s\"%s/%u\"", i ? ", " : "", fmt_in4(c->routes[i].addr, a4),
			c->routes[i].plen);
	fputs(c->n_routes ? " ];\n" : "];\n", f);
	print_str(f, "store", c->store);
	fprintf(f, "  follow-interval-ms = %u;\n", c->follow_interval_ms);
	fprintf(f, "  learn = %s;\n", c->learn ? "true" : "false");
	fprintf(f, "  learn-lifetime = %u;\n", c->learn_lifetime);
	fprintf(f, "  mss-clamp = %u;\n", c->mss_clamp);
	fprintf(f, "  tunnel-mtu = %u;\n", c->tunnel_mtu);
	if (c->tclass_copy)
		fputs("  tclass = \"copy\";\n", f);
	else
		fprintf(f, "  tclass = %u;\n", c->tclass);
	print_str(f, "control-socket", c->control_socket);
	print_str(f, "log-level", level_name(c->log_level));
	fputs("};\n", f);
}
