/* DSTM server configuration: libconfig syntax, validated setting by setting
 * so that every error carries the file and line libconfig recorded
 * (STYLE 10).  The reference is docs/dstmd.conf.5.md. */
#include "dstm/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/cfgparse.h"
#include "common/util.h"

#define CFG_DEFAULT_STORE "/var/lib/ds46/dstmd.db"
#define CFG_DEFAULT_CONTROL_SOCKET "/run/ds46/dstmd.sock"
#define CFG_DEFAULT_DECLINE_TIME 86400
#define CFG_DEFAULT_RECLAIM_INTERVAL 10
#define CFG_DEFAULT_PREFERRED 3600
#define CFG_DEFAULT_VALID 7200
/* A pool's bitmap is at most a /8 (2 MiB). */
#define CFG_POOL4_MAX_SPAN (1u << 24)
#define CFG_DUID_MIN 3               /* 2-octet type plus at least one octet */

typedef unsigned __int128 u128;

/* One range of any family with where it was written, for the global
 * overlap checks. */
struct span {
	u128 first, last;
	unsigned order;              /* position in the file */
	const config_setting_t *s;
	const char *link, *pool;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static int check_name(struct cfgparse *p, const config_setting_t *s, char *buf)
{
	const char *v = NULL;
	size_t len;
	int r = cfgparse_get_str(p, s, &v);
	if (r < 0)
		return r;
	len = strlen(v);
	if (len == 0 || len >= CFG_NAME_MAX)
		return cfgparse_err(p, s, "'name' must be 1 to %d characters", CFG_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return cfgparse_err(
				p, s, "invalid name \"%s\": use letters, digits, '-', '_', '.'", v);
	}
	memcpy(buf, v, len + 1);
	return 0;
}
/* ---- addresses ----------------------------------------------------------- */

static u128 in6_to_u128(const struct in6_addr *a)
{
	u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = v << 8 | a->s6_addr[i];
	return v;
}

static void u128_to_in6(u128 v, struct in6_addr *a)
{
	for (int i = 15; i >= 0; i--) {
		a->s6_addr[i] = (uint8_t)v;
		v >>= 8;
	}
}

static u128 mask128(unsigned plen)
{
	return plen == 0 ? 0 : ~(u128)0 << (128 - plen);
}
/* "a", "a-b" or "a/len" (dstm-04 7: private ranges are fine). */
static int parse_range4(struct cfgparse *p, const config_setting_t *s, struct cfg_range4 *r)
{
	const char *v = config_setting_get_string(s);
	const char *dash = strchr(v, '-'), *slash = strchr(v, '/');

	if (slash && !dash) {
		unsigned plen;
		uint32_t mask;
		if (!cfgparse_parse_in4(v, (size_t)(slash - v), &r->first))
			return cfgparse_err(p, s, "invalid IPv4 address in \"%s\"", v);
		if (!cfgparse_parse_plen(slash + 1, &plen))
			return cfgparse_err(p, s, "invalid prefix length in \"%s\"", v);
		if (plen < 8 || plen > 32)
			return cfgparse_err(p, s,
					    "prefix length of \"%s\" must be between 8 and 32", v);
		mask = plen == 32 ? UINT32_MAX : ~(UINT32_MAX >> plen);
		if (r->first & ~mask)
			return cfgparse_err(p, s, "\"%s\" has host bits set", v);
		r->last = r->first | ~mask;
		return 0;
	}
	if (slash)
		return cfgparse_err(p, s, "invalid IPv4 range \"%s\"", v);
	if (dash) {
		if (!cfgparse_parse_in4(v, (size_t)(dash - v), &r->first) ||
		    !cfgparse_parse_in4(dash + 1, strlen(dash + 1), &r->last))
			return cfgparse_err(p, s, "invalid IPv4 range \"%s\"", v);
		if (r->first > r->last)
			return cfgparse_err(p, s,
					    "range \"%s\": first address is greater than last", v);
		return 0;
	}
	if (!cfgparse_parse_in4(v, strlen(v), &r->first))
		return cfgparse_err(p, s, "invalid IPv4 address \"%s\"", v);
	r->last = r->first;
	return 0;
}

static bool range4_reserved(const struct cfg_range4 *r)
{
	/* 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3 (multicast, class E, broadcast) */
	static const struct cfg_range4 bad[] = {
		{ 0x00000000, 0x00ffffff },
		{ 0x7f000000, 0x7fffffff },
		{ 0xe0000000, 0xffffffff },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (r->first <= bad[i].last && r->last >= bad[i].first)
			return true;
	return false;
}

static bool in6_is_bad_unicast(const struct in6_addr *a)
{
	return IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
	       IN6_IS_ADDR_MULTICAST(a) || in6_is_mapped(a);
}

static int parse_tep(struct cfgparse *p, const config_setting_t *s, struct in6_addr *out)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v);
	if (r < 0)
		return r;
	if (!cfgparse_parse_in6(v, strlen(v), out))
		return cfgparse_err(p, s, "invalid IPv6 address \"%s\"", v);
	if (in6_is_bad_unicast(out))
		return cfgparse_err(p, s, "tep \"%s\" must be a unicast IPv6 address", v);
	return 0;
}

/* "a-b" or "prefix/len" with len >= 64. */
static int parse_range6(struct cfgparse *p, const config_setting_t *s, struct cfg_pool6 *pool)
{
	const char *v = config_setting_get_string(s);
	const char *dash = strchr(v, '-'), *slash = strchr(v, '/');
	u128 first, last;

	if (slash && !dash) {
		unsigned plen;
		if (!cfgparse_parse_in6(v, (size_t)(slash - v), &pool->first))
			return cfgparse_err(p, s, "invalid IPv6 address in \"%s\"", v);
		if (!cfgparse_parse_plen(slash + 1, &plen))
			return cfgparse_err(p, s, "invalid prefix length in \"%s\"", v);
		if (plen < 64)
			return cfgparse_err(
				p, s, "prefix length of \"%s\" must be between 64 and 128", v);
		first = in6_to_u128(&pool->first);
		if (first & ~mask128(plen))
			return cfgparse_err(p, s, "\"%s\" has host bits set", v);
		last = first | ~mask128(plen);
	} else if (dash && !slash) {
		struct in6_addr b;
		if (!cfgparse_parse_in6(v, (size_t)(dash - v), &pool->first) ||
		    !cfgparse_parse_in6(dash + 1, strlen(dash + 1), &b))
			return cfgparse_err(p, s, "invalid IPv6 range \"%s\"", v);
		first = in6_to_u128(&pool->first);
		last = in6_to_u128(&b);
		if (first > last)
			return cfgparse_err(p, s,
					    "range \"%s\": first address is greater than last", v);
	} else {
		return cfgparse_err(p, s, "invalid IPv6 range \"%s\": use first-last or prefix/len",
				    v);
	}
	/* Nothing in ::/127 (unspecified, loopback), ::ffff:0:0/96 (where the
	 * IPv4 leases live) or ff00::/8. */
	{
		const u128 mapped = (u128)0xffff << 32;
		const u128 mcast = (u128)0xff << 120;
		if (first <= 1 || (first <= (mapped | 0xffffffff) && last >= mapped) ||
		    last >= mcast)
			return cfgparse_err(
				p, s,
				"range \"%s\" contains unspecified, loopback, IPv4-mapped or "
				"multicast addresses",
				v);
	}
	u128_to_in6(first, &pool->first);
	u128_to_in6(last, &pool->last);
	return 0;
}

/* ---- overlap bookkeeping ------------------------------------------------- */

static int spans_add(struct spans *sp, u128 first, u128 last, const config_setting_t *s,
		     const char *link, const char *pool)
{
	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 64;
		struct span *v = realloc(sp->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		sp->v = v;
		sp->cap = cap;
	}
	sp->v[sp->n] = (struct span){ first, last, (unsigned)sp->n, s, link, pool };
	sp->n++;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sort by first address and sweep; report an overlap at whichever of the two
 * ranges comes later in the file. */
static int spans_check(struct cfgparse *p, struct spans *sp, const char *what)
{
	const struct span *max = NULL;

	if (sp->n > 1)
		qsort(sp->v, sp->n, sizeof(*sp->v), span_cmp);
	for (size_t i = 0; i < sp->n; i++) {
		const struct span *cur = &sp->v[i];
		if (max && cur->first <= max->last) {
			const struct span *late = cur->order > max->order ? cur : max;
			const struct span *early = late == cur ? max : cur;
			return cfgparse_err(
				p, late->s,
				"%s \"%s\" overlaps \"%s\" of pool \"%s\" on link \"%s\" "
				"(line %u): an address may belong to one pool only",
				what, config_setting_get_string(late->s),
				config_setting_get_string(early->s), early->pool, early->link,
				cfgparse_line(p, early->s));
		}
		if (!max || cur->last > max->last)
			max = cur;
	}
	return 0;
}

static const char *const server_keys[] = {
	"interfaces", "store", "store-sync", "control-socket", "ipv4-option-code",
	"preference", "rapid-commit", "reconfigure", "duid", "decline-time",
	"reclaim-interval", "port", "log-level",
};
enum {
	SK_INTERFACES, SK_STORE, SK_STORE_SYNC, SK_CONTROL_SOCKET, SK_OPTION_CODE,
	SK_PREFERENCE, SK_RAPID_COMMIT, SK_RECONFIGURE, SK_DUID, SK_DECLINE_TIME,
	SK_RECLAIM_INTERVAL, SK_PORT, SK_LOG_LEVEL,
};

static void server_defaults(struct cfg_server *sv)
{
	memset(sv, 0, sizeof(*sv));
	strcpy(sv->store, CFG_DEFAULT_STORE);
	sv->store_sync_full = true;
	strcpy(sv->control_socket, CFG_DEFAULT_CONTROL_SOCKET);
	sv->ipv4_option_code = DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT;
	sv->preference = 0;
	sv->rapid_commit = true;
	sv->reconfigure = true;
	sv->decline_time = CFG_DEFAULT_DECLINE_TIME;
	sv->reclaim_interval = CFG_DEFAULT_RECLAIM_INTERVAL;
	sv->port = DHCP6_SERVER_PORT;
	sv->log_level = LOG_INFO;
}

static int parse_server(struct cfgparse *p, const config_setting_t *g, struct cfg_server *sv)
{	int n, r;
	uint64_t v = 0;
	const char *str = NULL;

	if (!config_setting_is_group(g))
		return cfgparse_err(p, g, "'server' must be a group: server = { ... }");
	r = cfgparse_check_unknown(p, g, server_keys, ARRAY_SIZE(server_keys), "server");
	if (r < 0)
		return r;
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		switch (cfgparse_key_index(server_keys, ARRAY_SIZE(server_keys),
					   config_setting_name(s))) {
		case SK_INTERFACES:
			r = cfgparse_get_str_list(p, s, CFG_MAX_IFACES);
			if (r < 0)
				return r;
			sv->n_interfaces = (uint8_t)r;
			for (int j = 0; j < r; j++) {
				const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
				int e_r = cfgparse_check_ifname(p, e, config_setting_get_string(e),
								sv->interfaces[j]);
				if (e_r < 0)
					return e_r;
				for (int k = 0; k < j; k++)
					if (strcmp(sv->interfaces[k], sv->interfaces[j]) == 0)
						return cfgparse_err(p, e,
								    "duplicate interface \"%s\"",
								    sv->interfaces[j]);
			}
			break;
		case SK_STORE:
			r = cfgparse_get_str_buf(p, s, sv->store, sizeof(sv->store));
			break;
		case SK_STORE_SYNC:
			r = cfgparse_get_str(p, s, &str);
			if (r < 0)
				return r;
			if (strcmp(str, "full") == 0)
				sv->store_sync_full = true;
			else if (strcmp(str, "normal") == 0)
				sv->store_sync_full = false;
			else
				return cfgparse_err(p, s,
						    "'store-sync' must be \"full\" or \"normal\"");
			break;
		case SK_CONTROL_SOCKET:
			r = cfgparse_get_str_buf(p, s, sv->control_socket,
						 sizeof(sv->control_socket));
			break;
		case SK_OPTION_CODE:
			r = cfgparse_get_option_code(p, s, DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT,
						     &sv->ipv4_option_code);
			break;
		case SK_PREFERENCE:
			r = cfgparse_get_uint(p, s, 0, 255, &v);
			sv->preference = (uint8_t)v;
			break;
		case SK_RAPID_COMMIT:
			r = cfgparse_get_bool(p, s, &sv->rapid_commit);
			break;
		case SK_RECONFIGURE:
			r = cfgparse_get_bool(p, s, &sv->reconfigure);
			break;
		case SK_DUID:
			r = cfgparse_get_hex(p, s, CFG_DUID_MIN, sv->duid.data,
					     sizeof(sv->duid.data), &sv->duid.len);
			break;
		case SK_DECLINE_TIME:
			r = cfgparse_get_u32(p, s, 0, &sv->decline_time);
			break;
		case SK_RECLAIM_INTERVAL:
			r = cfgparse_get_uint(p, s, 1, 86400, &v);
			sv->reclaim_interval = (uint32_t)v;
			break;
		case SK_PORT:
			r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);
			sv->port = (uint16_t)v;
			break;
		case SK_LOG_LEVEL:
			r = cfgparse_get_log_level(p, s, &sv->log_level);
			break;
		default:
			r = cfgparse_err(p, s, "unknown setting '%s' in server",
					 config_setting_name(s));
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static const config_setting_t *first_of(const config_setting_t *a, const config_setting_t *b,
				       const config_setting_t *c)
{
	return a ? a : b ? b : c;
}

/* Timers of a link or pool (RFC 8415 21.4: T1 <= T2; 21.6: preferred <=
 * valid; T2 <= preferred so the client renews before the address is
 * deprecated).  set[] holds the t1, t2, preferred-lifetime and
 * valid-lifetime settings, NULL where absent: absent lifetimes come from
 * `inherit`, absent T1/T2 are 0.5 and 0.8 of the preferred lifetime (or the
 * inherited ones when no lifetime is set here either). */
static int parse_times(struct cfgparse *p, const config_setting_t *g,
		       const config_setting_t *const set[4], const struct cfg_times *inherit,
		       struct cfg_times *t)
{
	uint32_t *v[4] = { &t->t1, &t->t2, &t->preferred, &t->valid };
	bool own_lifetime = set[2] || set[3];
	int r;
	*t = *inherit;
	for (int i = 0; i < 4; i++)
		if (set[i]) {
			r = cfgparse_get_u32(p, set[i], i == 3 ? 1 : 0, v[i]);
			if (r < 0)
				return r;
		}
	if (!set[0] && (own_lifetime || !inherit->preferred))
		t->t1 = (uint32_t)((uint64_t)t->preferred * 5 / 10);
	if (!set[1] && (own_lifetime || !inherit->preferred))
		t->t2 = (uint32_t)((uint64_t)t->preferred * 8 / 10);
	if (t->t1 > t->t2)
		return cfgparse_err(p, first_of(set[0], set[1], g),
				    "t1 (%u) is greater than t2 (%u) (RFC 8415 21.4)", t->t1,
				    t->t2);
	if (t->t2 > t->preferred)
		return cfgparse_err(p, first_of(set[1], set[2], g),
				    "t2 (%u) is greater than preferred-lifetime (%u) "
				    "(RFC 8415 21.4)",
				    t->t2, t->preferred);
	if (t->preferred > t->valid)
		return cfgparse_err(p, first_of(set[2], set[3], g),
				    "preferred-lifetime (%u) is greater than valid-lifetime (%u) "
				    "(RFC 8415 21.6)",
				    t->preferred, t->valid);
	return 0;
}

static const char *const pool4_keys[] = {
	"name", "ranges", "exclude", "tep", "t1", "t2", "preferred-lifetime", "valid-lifetime",
};
enum { P4_NAME, P4_RANGES, P4_EXCLUDE, P4_TEP, P4_T1, P4_T2, P4_PREFERRED, P4_VALID };

static int parse_pool4(struct cfgparse *p, const config_setting_t *g, struct cfg_pool4 *pool,
		       unsigned idx, struct spans *v4, const struct cfg_link *lk)
{
	const char *link = lk->name;
	const config_setting_t *ranges = NULL, *excl = NULL, *ts[4] = { 0 };
	int n = config_setting_length(g), r;
	uint64_t span = 0;

	pool->line = (int)cfgparse_line(p, g);
	r = cfgparse_check_unknown(p, g, pool4_keys, ARRAY_SIZE(pool4_keys), "ipv4 pool");
	if (r < 0)
		return r;
	snprintf(pool->name, sizeof(pool->name), "pool%u", idx);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		switch (cfgparse_key_index(pool4_keys, ARRAY_SIZE(pool4_keys),
					   config_setting_name(s))) {
		case P4_NAME:
			r = check_name(p, s, pool->name);
			break;
		case P4_RANGES:
			r = cfgparse_get_str_list(p, s, CFG_MAX_RANGES);
			if (r < 0)
				return r;
			ranges = s;
			pool->n_ranges = (uint8_t)r;
			for (int j = 0; j < r; j++) {
				const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
				struct cfg_range4 *rg = &pool->ranges[j];
				int e_r = parse_range4(p, e, rg);
				if (e_r < 0)
					return e_r;
				if (range4_reserved(rg))
					return cfgparse_err(
						p, e,
						"range \"%s\" contains addresses that cannot be "
						"leased (0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3)",
						config_setting_get_string(e));
				span += (uint64_t)rg->last - rg->first + 1;
				if (span > CFG_POOL4_MAX_SPAN)
					return cfgparse_err(
						p, e,
						"pool is too large: at most %u addresses (a /8)",
						CFG_POOL4_MAX_SPAN);
			}
			r = 0;
			break;
		case P4_EXCLUDE:
			r = cfgparse_get_str_list(p, s, CFG_MAX_EXCLUDES);
			if (r < 0)
				return r;
			excl = s;
			pool->n_excludes = (uint8_t)r;
			for (int j = 0; j < r; j++) {
				int e_r = parse_range4(p, config_setting_get_elem(s, (unsigned)j),
						       &pool->excludes[j]);
				if (e_r < 0)
					return e_r;
			}
			r = 0;
			break;
		case P4_TEP:
			r = parse_tep(p, s, &pool->tep);
			pool->has_tep = r == 0;
			break;
		case P4_T1:
		case P4_T2:
		case P4_PREFERRED:
		case P4_VALID:
			ts[cfgparse_key_index(pool4_keys, ARRAY_SIZE(pool4_keys),
					      config_setting_name(s)) -
			   P4_T1] = s;
			r = 0;
			break;
		default:
			r = -EINVAL;
			break;
		}
		if (r < 0)
			return r;
	}
	if (!ranges || pool->n_ranges == 0)
		return cfgparse_err(p, ranges ? ranges : g, "ipv4 pool \"%s\" has no ranges",
				    pool->name);
	{
		const struct cfg_times lt = { lk->t1, lk->t2, lk->preferred, lk->valid };
		r = parse_times(p, g, ts, &lt, &pool->times);
		if (r < 0)
			return r;
	}
	for (unsigned j = 0; j < pool->n_ranges; j++) {
		r = spans_add(v4, pool->ranges[j].first, pool->ranges[j].last,
			      config_setting_get_elem(ranges, j), link, pool->name);
		if (r < 0)
			return cfgparse_err(p, g, "out of memory");
	}
	/* Every excluded address must be in the pool (ranges do not overlap, so
	 * the intersections add up), and excludes must not overlap each other. */
	uint64_t excluded = 0;
	for (unsigned j = 0; j < pool->n_excludes; j++) {
		const struct cfg_range4 *x = &pool->excludes[j];
		const config_setting_t *e = config_setting_get_elem(excl, j);
		uint64_t covered = 0;
		for (unsigned k = 0; k < pool->n_ranges; k++) {
			const struct cfg_range4 *rg = &pool->ranges[k];
			uint32_t lo = MAX(x->first, rg->first), hi = MIN(x->last, rg->last);
			if (lo <= hi)
				covered += (uint64_t)hi - lo + 1;
		}
		if (covered != (uint64_t)x->last - x->first + 1)
			return cfgparse_err(p, e,
					    "exclude \"%s\" is outside the ranges of pool \"%s\"",
					    config_setting_get_string(e), pool->name);
		for (unsigned k = 0; k < j; k++)
			if (x->first <= pool->excludes[k].last &&
			    x->last >= pool->excludes[k].first)
				return cfgparse_err(p, e, "exclude \"%s\" overlaps exclude \"%s\"",
						    config_setting_get_string(e),
						    config_setting_get_string(
							    config_setting_get_elem(excl, k)));
		excluded += covered;
	}
	if (excluded >= span && pool->n_ranges)
		return cfgparse_err(p, excl ? excl : g, "every address of pool \"%s\" is excluded",
				    pool->name);
	return 0;
}

static const char *const pool6_keys[] = {
	"name", "range", "t1", "t2", "preferred-lifetime", "valid-lifetime",
};
enum { P6_NAME, P6_RANGE, P6_T1, P6_T2, P6_PREFERRED, P6_VALID };

static int parse_pool6(struct cfgparse *p, const config_setting_t *g, struct cfg_pool6 *pool,
		       unsigned idx, const struct cfg_link *l, struct spans *v6)
{
	const config_setting_t *range = NULL, *ts[4] = { 0 };
	int n = config_setting_length(g), r;
	const char *str = NULL;

	pool->line = (int)cfgparse_line(p, g);
	r = cfgparse_check_unknown(p, g, pool6_keys, ARRAY_SIZE(pool6_keys), "ipv6 pool");
	if (r < 0)
		return r;
	snprintf(pool->name, sizeof(pool->name), "pool%u", idx);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		switch (cfgparse_key_index(pool6_keys, ARRAY_SIZE(pool6_keys),
					   config_setting_name(s))) {
		case P6_NAME:
			r = check_name(p, s, pool->name);
			break;
		case P6_RANGE:
			r = cfgparse_get_str(p, s, &str);
			if (r < 0)
				return r;
			r = parse_range6(p, s, pool);
			range = s;
			break;
		case P6_T1:
		case P6_T2:
		case P6_PREFERRED:
		case P6_VALID:
			ts[cfgparse_key_index(pool6_keys, ARRAY_SIZE(pool6_keys),
					      config_setting_name(s)) -
			   P6_T1] = s;
			r = 0;
			break;
		default:
			r = -EINVAL;
			break;
		}
		if (r < 0)
			return r;
	}
	if (!range)
		return cfgparse_err(p, g, "ipv6 pool \"%s\" has no range", pool->name);
	{
		const struct cfg_times lt = { l->t1, l->t2, l->preferred, l->valid };
		r = parse_times(p, g, ts, &lt, &pool->times);
		if (r < 0)
			return r;
	}
	if (l->n_prefixes) {
		unsigned k;
		for (k = 0; k < l->n_prefixes; k++)
			if (in6_prefix_match(&pool->first, &l->prefix[k], l->plen[k]) &&
			    in6_prefix_match(&pool->last, &l->prefix[k], l->plen[k]))
				break;
		if (k == l->n_prefixes)
			return cfgparse_err(p, range,
					    "range \"%s\" is not inside a prefix of link \"%s\"",
					    config_setting_get_string(range), l->name);
	}
	if (spans_add(v6, in6_to_u128(&pool->first), in6_to_u128(&pool->last), range, l->name,
		      pool->name) < 0)
		return cfgparse_err(p, g, "out of memory");
	return 0;
}

static const char *const link_keys[] = {
	"name", "interface", "prefixes", "tep", "t1", "t2", "preferred-lifetime",
	"valid-lifetime", "ipv4-pools", "ipv6-pools",
};
enum {
	LK_NAME, LK_INTERFACE, LK_PREFIXES, LK_TEP, LK_T1, LK_T2, LK_PREFERRED, LK_VALID,
	LK_POOLS4, LK_POOLS6,
};

static int parse_link(struct cfgparse *p, const config_setting_t *g, struct cfg_link *l,
		      struct spans *v4, struct spans *v6)
{
	const config_setting_t *set[ARRAY_SIZE(link_keys)] = { 0 };
	int n = config_setting_length(g), r;
	const char *str = NULL;

	l->line = (int)cfgparse_line(p, g);
	l->preferred = CFG_DEFAULT_PREFERRED;
	l->valid = CFG_DEFAULT_VALID;
	r = cfgparse_check_unknown(p, g, link_keys, ARRAY_SIZE(link_keys), "link");
	if (r < 0)
		return r;
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		int k = cfgparse_key_index(link_keys, ARRAY_SIZE(link_keys),
					   config_setting_name(s));
		if (k < 0)
			continue;
		set[k] = s;
		switch (k) {
		case LK_NAME:
			r = check_name(p, s, l->name);
			break;
		case LK_INTERFACE:
			r = cfgparse_get_str(p, s, &str);
			if (r < 0)
				return r;
			r = cfgparse_check_ifname(p, s, str, l->interface);
			break;
		case LK_PREFIXES:
			r = cfgparse_get_str_list(p, s, CFG_MAX_PREFIXES);
			if (r < 0)
				return r;
			l->n_prefixes = (uint8_t)r;
			for (int j = 0; j < r; j++) {
				const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
				int e_r = cfgparse_prefix6(p, e, config_setting_get_string(e),
							   &l->prefix[j], &l->plen[j]);
				if (e_r < 0)
					return e_r;
			}
			r = 0;
			break;
		case LK_TEP:
			r = parse_tep(p, s, &l->tep);
			l->has_tep = r == 0;
			break;
		case LK_T1:
		case LK_T2:
		case LK_PREFERRED:
		case LK_VALID:
			r = 0;   /* parse_times, below */
			break;
		case LK_POOLS4:
		case LK_POOLS6:
			r = cfgparse_get_group_list(p, s, CFG_MAX_POOLS,
						    k == LK_POOLS4 ? "ipv4 pools" : "ipv6 pools");
			break;
		default:
			r = -EINVAL;
			break;
		}
		if (r < 0)
			return r;
	}
	if (!set[LK_NAME])
		return cfgparse_err(p, g, "link has no 'name'");
	if (!set[LK_INTERFACE] && !set[LK_PREFIXES])
		return cfgparse_err(p, g, "link \"%s\" has neither 'interface' nor 'prefixes'",
				    l->name);
	if (set[LK_PREFIXES] && l->n_prefixes == 0 && !set[LK_INTERFACE])
		return cfgparse_err(p, set[LK_PREFIXES],
				    "link \"%s\" has no prefixes and no interface", l->name);

	{
		const struct cfg_times dflt = {
			.t1 = CFG_DEFAULT_PREFERRED / 2, .t2 = CFG_DEFAULT_PREFERRED / 10 * 8,
			.preferred = CFG_DEFAULT_PREFERRED, .valid = CFG_DEFAULT_VALID,
		};
		const config_setting_t *ts[4] = { set[LK_T1], set[LK_T2], set[LK_PREFERRED],
						  set[LK_VALID] };
		struct cfg_times t;
		r = parse_times(p, g, ts, &dflt, &t);
		if (r < 0)
			return r;
		l->t1 = t.t1;
		l->t2 = t.t2;
		l->preferred = t.preferred;
		l->valid = t.valid;
	}

	if (set[LK_POOLS4]) {
		const config_setting_t *s = set[LK_POOLS4];
		l->n_pools4 = (uint8_t)config_setting_length(s);
		for (unsigned j = 0; j < l->n_pools4; j++) {
			const config_setting_t *e = config_setting_get_elem(s, j);
			r = parse_pool4(p, e, &l->pools4[j], j, v4, l);
			if (r < 0)
				return r;
			for (unsigned k = 0; k < j; k++)
				if (strcmp(l->pools4[k].name, l->pools4[j].name) == 0)
					return cfgparse_err(p, e, "duplicate ipv4 pool name \"%s\"",
							    l->pools4[j].name);
		}
	}
	if (set[LK_POOLS6]) {
		const config_setting_t *s = set[LK_POOLS6];
		l->n_pools6 = (uint8_t)config_setting_length(s);
		for (unsigned j = 0; j < l->n_pools6; j++) {
			const config_setting_t *e = config_setting_get_elem(s, j);
			r = parse_pool6(p, e, &l->pools6[j], j, l, v6);
			if (r < 0)
				return r;
			for (unsigned k = 0; k < j; k++)
				if (strcmp(l->pools6[k].name, l->pools6[j].name) == 0)
					return cfgparse_err(p, e, "duplicate ipv6 pool name \"%s\"",
							    l->pools6[j].name);
		}
	}
	if (l->n_pools4 == 0 && l->n_pools6 == 0)
		return cfgparse_err(p, g, "link \"%s\" has no ipv4-pools and no ipv6-pools",
				    l->name);
	/* A TEP handed out as a client address would black-hole the tunnel. */
	for (unsigned j = 0; j < l->n_pools6; j++) {
		const struct cfg_pool6 *p6 = &l->pools6[j];
		for (unsigned k = 0; k <= l->n_pools4; k++) {
			bool has = k == 0 ? l->has_tep : l->pools4[k - 1].has_tep;
			const struct in6_addr *tep = k == 0 ? &l->tep : &l->pools4[k - 1].tep;
			u128 t = in6_to_u128(tep);
			if (has && t >= in6_to_u128(&p6->first) && t <= in6_to_u128(&p6->last)) {
				char a[ADDR6_STRLEN];
				return cfgparse_err(p, config_setting_get_elem(set[LK_POOLS6], j),
						    "ipv6 pool \"%s\" contains the TEP %s",
						    p6->name, fmt_in6(tep, a));
			}
		}
	}
	return 0;
}

/* Checks across links: names, interfaces, prefixes. */
static int check_links(struct cfgparse *p, const struct cfg *c,
		       const config_setting_t *links)
{
	for (unsigned i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		const config_setting_t *g = config_setting_get_elem(links, i);

		if (l->interface[0]) {
			unsigned k;
			for (k = 0; k < c->server.n_interfaces; k++)
				if (strcmp(c->server.interfaces[k], l->interface) == 0)
					break;
			if (k == c->server.n_interfaces)
				return cfgparse_err(p, config_setting_get_member(g, "interface"),
						    "interface \"%s\" of link \"%s\" is not in "
						    "server.interfaces",
						    l->interface, l->name);
		}
		for (unsigned j = 0; j < i; j++) {
			const struct cfg_link *o = &c->links[j];
			if (strcmp(o->name, l->name) == 0)
				return cfgparse_err(p, config_setting_get_member(g, "name"),
						    "duplicate link name \"%s\" (first on line %d)",
						    l->name, o->line);
			if (l->interface[0] && strcmp(o->interface, l->interface) == 0)
				return cfgparse_err(
					p, config_setting_get_member(g, "interface"),
					"interface \"%s\" is already used by link \"%s\"",
					l->interface, o->name);
		}
		const config_setting_t *ps = config_setting_get_member(g, "prefixes");
		for (unsigned a = 0; a < l->n_prefixes; a++) {
			for (unsigned j = 0; j <= i; j++) {
				const struct cfg_link *o = &c->links[j];
				unsigned nb = j == i ? a : o->n_prefixes;
				for (unsigned b = 0; b < nb; b++) {
					unsigned plen = MIN(l->plen[a], o->plen[b]);
					if (in6_prefix_match(&l->prefix[a], &o->prefix[b], plen))
						return cfgparse_err(
							p, config_setting_get_elem(ps, a),
							"prefix \"%s\" overlaps a prefix of link "
							"\"%s\"",
							config_setting_get_string(
								config_setting_get_elem(ps, a)),
							o->name);
				}
			}
		}
	}
	return 0;
}

static const char *const root_keys[] = { "server", "links" };

static int parse_root(struct cfgparse *p, const config_setting_t *root, void *arg)
{
	struct cfg *c = arg;
	const config_setting_t *server, *links;
	struct spans v4 = { 0 }, v6 = { 0 };
	int r, n;

	r = cfgparse_check_unknown(p, root, root_keys, ARRAY_SIZE(root_keys), "the top level");
	if (r < 0)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", p->name);
	server_defaults(&c->server);
	server = config_setting_get_member(root, "server");
	if (server) {
		r = parse_server(p, server, &c->server);
		if (r < 0)
			return r;
	}
	links = config_setting_get_member(root, "links");
	if (!links)
		return cfgparse_err(p, server, "no 'links' configured");
	n = cfgparse_get_group_list(p, links, CFG_MAX_LINKS, "links");
	if (n < 0)
		return n;
	if (n == 0)
		return cfgparse_err(p, links, "no 'links' configured");
	c->links = calloc((size_t)n, sizeof(*c->links));
	if (!c->links)
		return cfgparse_err(p, links, "out of memory");
	c->n_links = (uint16_t)n;
	for (int i = 0; i < n; i++) {
		r = parse_link(p, config_setting_get_elem(links, (unsigned)i), &c->links[i], &v4,
			       &v6);
		if (r < 0)
			goto out;
	}
	r = check_links(p, c, links);
	if (r < 0)
		goto out;
	r = spans_check(p, &v4, "ipv4 range");
	if (r < 0)
		goto out;
	r = spans_check(p, &v6, "ipv6 range");
out:
	free(v4.v);
	free(v6.v);
	return r;
}

static int load(const char *path, const char *text, const char *name, struct cfg **out,
		char *err, size_t errlen)
{
	struct cfg *c = calloc(1, sizeof(*c));
	int r = cfgparse_run(path, text, name, err, errlen, parse_root, c);

	if (r < 0)
		cfg_free(c);
	*out = r < 0 ? NULL : c;
	return r;
}

int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen)
{
	return load(path, NULL, path, out, err, errlen);
}

int cfg_load_string(const char *text, const char *name, struct cfg **out, char *err,
		    size_t errlen)
{
	return load(NULL, text, name, out, err, errlen);
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	free(c->links);
	free(c);
}

/* ---- printing ------------------------------------------------------------ */

static const char *fmt_range4(const struct cfg_range4 *r, bool single, char *buf, size_t len)
{
	char a[ADDR4_STRLEN], b[ADDR4_STRLEN];
	if (single && r->first == r->last)
		snprintf(buf, len, "%s", fmt_in4(r->first, a));
	else
		snprintf(buf, len, "%s-%s", fmt_in4(r->first, a), fmt_in4(r->last, b));
	return buf;
}

/* Pool timers are printed explicitly, so the printout shows what each pool
 * gives its clients. */
static void print_times(FILE *f, const struct cfg_times *t)
{
	cfgparse_print_kv_u32(f, "        ", "t1", t->t1);
	cfgparse_print_kv_u32(f, "        ", "t2", t->t2);
	cfgparse_print_kv_u32(f, "        ", "preferred-lifetime", t->preferred);
	cfgparse_print_kv_u32(f, "        ", "valid-lifetime", t->valid);
}

static void print_pools4(FILE *f, const struct cfg_link *l)
{
	char buf[2 * ADDR4_STRLEN], a6[ADDR6_STRLEN];

	fputs("    ipv4-pools = (\n", f);
	for (unsigned j = 0; j < l->n_pools4; j++) {
		const struct cfg_pool4 *pl = &l->pools4[j];
		fputs("      {\n", f);
		cfgparse_print_kv_str(f, "        ", "name", pl->name);
		fputs("        ranges = [ ", f);
		for (unsigned k = 0; k < pl->n_ranges; k++)
			fprintf(f, "%s\"%s\"", k ? ", " : "",
				fmt_range4(&pl->ranges[k], false, buf, sizeof(buf)));
		fputs(" ];\n", f);
		if (pl->n_excludes) {
			fputs("        exclude = [ ", f);
			for (unsigned k = 0; k < pl->n_excludes; k++)
				fprintf(f, "%s\"%s\"", k ? ", " : "",
					fmt_range4(&pl->excludes[k], true, buf, sizeof(buf)));
			fputs(" ];\n", f);
		}
		if (pl->has_tep)
			cfgparse_print_kv_str(f, "        ", "tep", fmt_in6(&pl->tep, a6));
		print_times(f, &pl->times);
		fprintf(f, "      }%s\n", j + 1 < l->n_pools4 ? "," : "");
	}
	fputs("    );\n", f);
}

static void print_pools6(FILE *f, const struct cfg_link *l)
{
	char a[ADDR6_STRLEN], b[ADDR6_STRLEN];

	fputs("    ipv6-pools = (\n", f);
	for (unsigned j = 0; j < l->n_pools6; j++) {
		const struct cfg_pool6 *pl = &l->pools6[j];
		fputs("      {\n", f);
		cfgparse_print_kv_str(f, "        ", "name", pl->name);
		fprintf(f, "        range = \"%s-%s\";\n", fmt_in6(&pl->first, a),
			fmt_in6(&pl->last, b));
		print_times(f, &pl->times);
		fprintf(f, "      }%s\n", j + 1 < l->n_pools6 ? "," : "");
	}
	fputs("    );\n", f);
}

void cfg_print(FILE *f, const struct cfg *c)
{
	const struct cfg_server *sv = &c->server;
	char a6[ADDR6_STRLEN];

	fputs("server = {\n  interfaces = [ ", f);
	for (unsigned i = 0; i < sv->n_interfaces; i++) {
		fputs(i ? ", " : "", f);
		cfgparse_print_str(f, sv->interfaces[i]);
	}
	fputs(sv->n_interfaces ? " ];\n" : "];\n", f);
	cfgparse_print_kv_str(f, "  ", "store", sv->store);
	cfgparse_print_kv_str(f, "  ", "store-sync", sv->store_sync_full ? "full" : "normal");
	cfgparse_print_kv_str(f, "  ", "control-socket", sv->control_socket);
	fprintf(f, "  ipv4-option-code = %u;\n", sv->ipv4_option_code);
	fprintf(f, "  preference = %u;\n", sv->preference);
	fprintf(f, "  rapid-commit = %s;\n", sv->rapid_commit ? "true" : "false");
	fprintf(f, "  reconfigure = %s;\n", sv->reconfigure ? "true" : "false");
	if (sv->duid.len) {
		fputs("  duid = \"", f);
		for (unsigned i = 0; i < sv->duid.len; i++)
			fprintf(f, "%s%02x", i ? ":" : "", sv->duid.data[i]);
		fputs("\";\n", f);
	}
	cfgparse_print_kv_u32(f, "  ", "decline-time", sv->decline_time);
	cfgparse_print_kv_u32(f, "  ", "reclaim-interval", sv->reclaim_interval);
	fprintf(f, "  port = %u;\n", sv->port);
	cfgparse_print_kv_str(f, "  ", "log-level", cfgparse_log_level_name(sv->log_level));
	fputs("};\nlinks = (\n", f);
	for (unsigned i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		fputs("  {\n", f);
		cfgparse_print_kv_str(f, "    ", "name", l->name);
		if (l->interface[0])
			cfgparse_print_kv_str(f, "    ", "interface", l->interface);
		if (l->n_prefixes) {
			fputs("    prefixes = [ ", f);
			for (unsigned k = 0; k < l->n_prefixes; k++)
				fprintf(f, "%s\"%s/%u\"", k ? ", " : "", fmt_in6(&l->prefix[k], a6),
					l->plen[k]);
			fputs(" ];\n", f);
		}
		if (l->has_tep)
			cfgparse_print_kv_str(f, "    ", "tep", fmt_in6(&l->tep, a6));
		cfgparse_print_kv_u32(f, "    ", "t1", l->t1);
		cfgparse_print_kv_u32(f, "    ", "t2", l->t2);
		cfgparse_print_kv_u32(f, "    ", "preferred-lifetime", l->preferred);
		cfgparse_print_kv_u32(f, "    ", "valid-lifetime", l->valid);
		if (l->n_pools4)
			print_pools4(f, l);
		if (l->n_pools6)
			print_pools6(f, l);
		fprintf(f, "  }%s\n", i + 1 < c->n_links ? "," : "");
	}
	fputs(");\n", f);
}

/* ---- lookups ------------------------------------------------------------- */

const struct cfg_link *cfg_link_by_addr(const struct cfg *c, const struct in6_addr *a)
{
	if (!c || !a || IN6_IS_ADDR_UNSPECIFIED(a))
		return NULL;
	for (unsigned i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		for (unsigned k = 0; k < l->n_prefixes; k++)
			if (in6_prefix_match(a, &l->prefix[k], l->plen[k]))
				return l;
	}
	return NULL;
}

const struct cfg_link *cfg_link_by_ifname(const struct cfg *c, const char *ifname)
{
	if (!c || !ifname || !ifname[0])
		return NULL;
	for (unsigned i = 0; i < c->n_links; i++)
		if (strcmp(c->links[i].interface, ifname) == 0)
			return &c->links[i];
	return NULL;
}
