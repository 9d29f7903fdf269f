/* Control protocol codec (see ctl_proto.h and docs/man/ds46ctl.8.md).
 *
 * ctl_req_parse is the only place a daemon looks at a request's JSON: it
 * accepts exactly one object with a known "cmd" and only the keys that
 * command takes, each of the right type, and fills a struct ctl_req that
 * needs no further checking.  It has a fuzz target (tests/fuzz/). */
#include "ctl/ctl_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/util.h"

/* Keys a command may carry. */
#define K_ADDR  (1u << 0)
#define K_DUID  (1u << 1)
#define K_LIMIT (1u << 2)

static const struct {
	enum ctl_cmd cmd;
	const char *name;
	unsigned keys;
} ctl_cmds[] = {
	{ CTL_CMD_LEASES, "leases", K_LIMIT },
	{ CTL_CMD_POOLS, "pools", 0 },
	{ CTL_CMD_STATS, "stats", 0 },
	{ CTL_CMD_RELEASE, "release", K_ADDR },
	{ CTL_CMD_RECONFIGURE, "reconfigure", K_ADDR | K_DUID },
	{ CTL_CMD_PING, "ping", 0 },
	{ CTL_CMD_BINDINGS, "bindings", K_LIMIT },
	{ CTL_CMD_MOBILITY, "mobility", K_LIMIT },
	{ CTL_CMD_VISITORS, "visitors", K_LIMIT },
};

const char *ctl_cmd_name(enum ctl_cmd c)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctl_cmds); i++)
		if (ctl_cmds[i].cmd == c)
			return ctl_cmds[i].name;
	return NULL;
}

int ctl_parse_addr(const char *s, struct in6_addr *out)
{
	struct in_addr v4;

	/* inet_pton(AF_INET) takes only the four-part decimal form, so
	 * "10.1" or "0x0a000001" are refused instead of being guessed at. */
	if (inet_pton(AF_INET, s, &v4) == 1) {
		in6_set_mapped(out, ntohl(v4.s_addr));
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	return -EINVAL;
}

const char *ctl_fmt_addr(const struct in6_addr *a, char buf[46])
{
	if (in6_is_mapped(a))
		return fmt_in4(in6_mapped_v4(a), buf);
	if (!inet_ntop(AF_INET6, a, buf, ADDR6_STRLEN))
		snprintf(buf, ADDR6_STRLEN, "?");
	return buf;
}

__attribute__((format(printf, 3, 4)))
static int req_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A name from the request may be echoed in an error message only if it is
 * short printable ASCII (the message goes back into JSON and into logs). */
static const char *echo_name(const char *s, size_t len)
{
	if (len == 0 || len > 32)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return NULL;
	return s;
}

static int hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int parse_duid(const char *s, size_t len, struct dhcp6_duid *d, char *err,
		      size_t errlen)
{
	size_t digits = 0;
	int r;

	for (size_t i = 0; i < len; i++) {
		if (hexdigit(s[i]))
			digits++;
		else if (s[i] != ':')
			return req_err(err, errlen, "\"duid\" is not hex");
	}
	if (digits == 0)
		return req_err(err, errlen, "\"duid\" is empty");
	if (digits % 2)
		return req_err(err, errlen, "\"duid\" has an odd number of hex digits");
	if (digits / 2 > DHCP6_DUID_MAX)
		return req_err(err, errlen, "\"duid\" is longer than %d octets", DHCP6_DUID_MAX);
	r = parse_hex(s, d->data, sizeof(d->data));
	if (r <= 0)
		return req_err(err, errlen, "\"duid\" is not hex");
	d->len = (uint8_t)r;
	return 0;
}

int ctl_parse_duid(const char *s, struct dhcp6_duid *d, char *err, size_t errlen)
{
	return parse_duid(s, strlen(s), d, err, errlen);
}

/* A string member without embedded NULs. */
static int get_str(struct json_object *v, const char *key, const char **s, size_t *len,
		   char *err, size_t errlen)
{
	int n;

	if (!json_object_is_type(v, json_type_string))
		return req_err(err, errlen, "\"%s\" must be a string", key);
	*s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (n < 0 || strlen(*s) != (size_t)n)
		return req_err(err, errlen, "\"%s\" contains a NUL character", key);
	*len = (size_t)n;
	return 0;
}

static int req_from_json(struct json_object *o, struct ctl_req *r, char *err, size_t errlen)
{
	struct json_object *v;
	const char *s, *shown;
	size_t len;
	unsigned keys = 0;
	int ci = -1, ret;

	if (!json_object_is_type(o, json_type_object))
		return req_err(err, errlen, "request must be a JSON object");
	if (!json_object_object_get_ex(o, "cmd", &v))
		return req_err(err, errlen, "missing \"cmd\"");
	ret = get_str(v, "cmd", &s, &len, err, errlen);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(ctl_cmds); i++)
		if (strcmp(s, ctl_cmds[i].name) == 0)
			ci = (int)i;
	if (ci < 0) {
		shown = echo_name(s, len);
		if (shown)
			return req_err(err, errlen, "unknown command \"%s\"", shown);
		return req_err(err, errlen, "unknown command");
	}
	r->cmd = ctl_cmds[ci].cmd;

	json_object_object_foreach(o, key, val) {
		unsigned k;

		if (strcmp(key, "cmd") == 0)
			continue;
		if (strcmp(key, "addr") == 0)
			k = K_ADDR;
		else if (strcmp(key, "duid") == 0)
			k = K_DUID;
		else if (strcmp(key, "limit") == 0)
			k = K_LIMIT;
		else {
			shown = echo_name(key, strlen(key));
			if (shown)
				return req_err(err, errlen, "unknown key \"%s\"", shown);
			return req_err(err, errlen, "unknown key");
		}
		if (!(ctl_cmds[ci].keys & k))
			return req_err(err, errlen, "\"%s\" is not an argument of \"%s\"", key,
				       ctl_cmds[ci].name);
		keys |= k;

		if (k == K_ADDR) {
			ret = get_str(val, key, &s, &len, err, errlen);
			if (ret < 0)
				return ret;
			if (ctl_parse_addr(s, &r->addr) < 0)
				return req_err(err, errlen, "\"addr\" is not an IPv4 or IPv6 address");
			r->has_addr = true;
		} else if (k == K_DUID) {
			ret = get_str(val, key, &s, &len, err, errlen);
			if (ret < 0)
				return ret;
			ret = parse_duid(s, len, &r->duid, err, errlen);
			if (ret < 0)
				return ret;
			r->has_duid = true;
		} else {
			/* json-c clamps integers beyond 2^64-1; a negative one
			 * reads as a negative int64. */
			if (!json_object_is_type(val, json_type_int))
				return req_err(err, errlen, "\"limit\" must be an integer");
			if (json_object_get_int64(val) < 0)
				return req_err(err, errlen, "\"limit\" must not be negative");
			r->limit = json_object_get_uint64(val);
		}
	}

	switch (r->cmd) {
	case CTL_CMD_RELEASE:
		if (!(keys & K_ADDR))
			return req_err(err, errlen, "\"release\" needs \"addr\"");
		break;
	case CTL_CMD_RECONFIGURE:
		if (!(keys & (K_ADDR | K_DUID)))
			return req_err(err, errlen, "\"reconfigure\" needs \"addr\" or \"duid\"");
		if ((keys & K_ADDR) && (keys & K_DUID))
			return req_err(err, errlen, "\"reconfigure\" takes \"addr\" or \"duid\", not both");
		break;
	default:
		break;
	}
	return 0;
}

int ctl_req_parse(const char *buf, size_t len, struct ctl_req *r, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	int ret;

	memset(r, 0, sizeof(*r));
	if (err && errlen)
		err[0] = '\0';
	if (len == 0)
		return req_err(err, errlen, "empty request");
	if (len > CTL_MSG_MAX)
		return req_err(err, errlen, "request longer than %d bytes", CTL_MSG_MAX);
	/* json-c stops at a NUL; a request never contains one. */
	if (memchr(buf, '\0', len))
		return req_err(err, errlen, "request contains a NUL byte");

	tok = json_tokener_new_ex(8);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!o) {
		if (jerr == json_tokener_success)   /* the JSON value null */
			ret = req_err(err, errlen, "request must be a JSON object");
		else if (jerr == json_tokener_continue)
			ret = req_err(err, errlen, "incomplete JSON");
		else
			ret = req_err(err, errlen, "invalid JSON at offset %zu: %s",
				      json_tokener_get_parse_end(tok),
				      json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		return ret;
	}
	/* Strict mode already refuses trailing characters other than
	 * whitespace; check anyway so a second object cannot slip through. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n') {
			json_object_put(o);
			json_tokener_free(tok);
			return req_err(err, errlen, "trailing data after the request");
		}
	}
	json_tokener_free(tok);

	ret = req_from_json(o, r, err, errlen);
	json_object_put(o);
	if (ret < 0) {
		memset(r, 0, sizeof(*r));
		return ret;
	}
	return 0;
}

int ctl_req_format(const struct ctl_req *r, char *buf, size_t len)
{
	char addr[ADDR6_STRLEN];
	char duid[2 * DHCP6_DUID_MAX + 1];
	const char *name = ctl_cmd_name(r->cmd);
	size_t o = 0;
	int n;

	if (!name || (r->has_duid && (r->duid.len == 0 || r->duid.len > DHCP6_DUID_MAX)))
		return -EINVAL;

#define APPEND(...)                                                            \
	do {                                                                   \
		n = snprintf(buf + o, len > o ? len - o : 0, __VA_ARGS__);     \
		if (n < 0 || (size_t)n >= (len > o ? len - o : 0))             \
			return -ENOBUFS;                                       \
		o += (size_t)n;                                                \
	} while (0)

	APPEND("{\"cmd\":\"%s\"", name);
	if (r->has_addr)
		APPEND(",\"addr\":\"%s\"", ctl_fmt_addr(&r->addr, addr));
	if (r->has_duid)
		APPEND(",\"duid\":\"%s\"", fmt_hex(r->duid.data, r->duid.len, duid, sizeof(duid)));
	if (r->limit)
		APPEND(",\"limit\":%" PRIu64, r->limit);
	APPEND("}\n");
#undef APPEND
	return (int)o;
}
