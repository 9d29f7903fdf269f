/* libconfig helpers shared by the daemons' configuration parsers (see
 * cfgparse.h).  The messages are part of the interface: the daemons' tests
 * and golden files check them byte for byte. */
#include "common/cfgparse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/util.h"

/* ---- loading -------------------------------------------------------------- */

void cfgparse_init(struct cfgparse *p, const char *name, char *err, size_t errlen)
{
	*p = (struct cfgparse){ .name = name ? name : "(string)", .err = err, .errlen = errlen };
	if (errlen)
		err[0] = '\0';
}

/* libconfig names an included file as the @include directive spelt it;
 * report it relative to the including file's directory. */
static int print_file(const struct cfgparse *p, char *buf, size_t len, const char *f)
{
	if (p->incdir && f[0] != '/' && (!p->text_file || strcmp(f, p->text_file) != 0))
		return snprintf(buf, len, "%s/%s", strcmp(p->incdir, "/") ? p->incdir : "", f);
	return snprintf(buf, len, "%s", f);
}

static int finish_load(struct cfgparse *p, int ok)
{
	if (ok != CONFIG_TRUE) {
		const char *f = config_error_file(&p->lc);
		int n = p->errlen ? print_file(p, p->err, p->errlen, f ? f : p->name) : -1;
		if (n >= 0 && (size_t)n < p->errlen)
			snprintf(p->err + n, p->errlen - (size_t)n, ":%d: %s",
				 config_error_line(&p->lc), config_error_text(&p->lc));
		config_destroy(&p->lc);
		return -EINVAL;
	}
	p->loaded = true;
	return 0;
}

/* The whole file, for the line fix-up; NULL if it cannot be read (libconfig
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

int cfgparse_load_file(struct cfgparse *p, const char *path)
{
	const char *slash;
	FILE *f = fopen(path, "r");

	if (!f) {
		int r = -errno;
		if (p->errlen)
			snprintf(p->err, p->errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	p->text = p->text_owned = read_text(f);
	fclose(f);
	p->text_file = path;
	config_init(&p->lc);
	/* @include "x" is relative to the including file's directory. */
	slash = strrchr(path, '/');
	if (slash && (size_t)(slash - path) < sizeof(p->incdir_buf)) {
		memcpy(p->incdir_buf, path, (size_t)(slash - path));
		p->incdir_buf[slash - path] = '\0';
		p->incdir = slash == path ? "/" : p->incdir_buf;
		config_set_include_dir(&p->lc, p->incdir);
	}
	return finish_load(p, config_read_file(&p->lc, path));
}

int cfgparse_load_string(struct cfgparse *p, const char *text)
{
	p->text = text;
	config_init(&p->lc);
	return finish_load(p, config_read_string(&p->lc, text));
}

const config_setting_t *cfgparse_root(struct cfgparse *p)
{
	return p->loaded ? config_root_setting(&p->lc) : NULL;
}

int cfgparse_nomem(struct cfgparse *p)
{
	if (p->errlen)
		snprintf(p->err, p->errlen, "%s: out of memory", p->name);
	return -ENOMEM;
}

void cfgparse_free(struct cfgparse *p)
{
	if (p->loaded)
		config_destroy(&p->lc);
	p->loaded = false;
	free(p->text_owned);
	free(p->lines);
	p->lines = NULL;
	p->nlines = 0;
	p->text = p->text_owned = NULL;
}

int cfgparse_run(const char *path, const char *text, const char *name, char *err,
		 size_t errlen, cfgparse_parse_fn parse, void *arg)
{
	struct cfgparse p;
	int r;

	cfgparse_init(&p, name, err, errlen);
	if (!arg)
		return cfgparse_nomem(&p);
	r = path ? cfgparse_load_file(&p, path) : cfgparse_load_string(&p, text);
	if (r == 0)
		r = parse(&p, cfgparse_root(&p), arg);
	cfgparse_free(&p);
	return r;
}

/* ---- file:line ------------------------------------------------------------ */

/* True when [b, e) holds the string literal "v". */
static bool has_literal(const char *b, const char *e, const char *v)
{
	size_t vlen = strlen(v);

	for (const char *q = b; q + vlen + 2 <= e; q++)
		if (q[0] == '"' && memcmp(q + 1, v, vlen) == 0 && q[vlen + 1] == '"')
			return true;
	return false;
}

/* libconfig stamps an element of an array with the line of the token after
 * it, so the last element of `[ "a",\n "b"\n ]` is reported on the line of
 * the bracket.  Walk back to the line that holds the literal. */
static unsigned element_line(const struct cfgparse *p, const config_setting_t *s)
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

unsigned cfgparse_line(const struct cfgparse *p, const config_setting_t *s)
{
	unsigned line = s ? element_line(p, s) : 0;
	return line ? line : 1;
}

int cfgparse_err(struct cfgparse *p, const config_setting_t *s, const char *fmt, ...)
{
	const char *f = s ? config_setting_source_file(s) : NULL;
	va_list ap;
	int n;

	if (!p->errlen)
		return -EINVAL;
	n = print_file(p, p->err, p->errlen, f ? f : p->name);
	if (n >= 0 && (size_t)n < p->errlen)
		n += snprintf(p->err + n, p->errlen - (size_t)n, ":%u: ", cfgparse_line(p, s));
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *cfgparse_name(const config_setting_t *s)
{
	while (s && !config_setting_name(s))
		s = config_setting_parent(s);
	return s && config_setting_name(s) ? config_setting_name(s) : "element";
}

int cfgparse_key_index(const char *const *keys, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(keys[i], name) == 0)
			return (int)i;
	return -1;
}

int cfgparse_check_unknown(struct cfgparse *p, const config_setting_t *g,
			   const char *const *keys, size_t nkeys, const char *where)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		if (cfgparse_key_index(keys, nkeys, config_setting_name(s)) < 0)
			return cfgparse_err(p, s, "unknown setting '%s' in %s",
					    config_setting_name(s), where);
	}
	return 0;
}

int cfgparse_top_group(struct cfgparse *p, const char *name, const char *hint,
		       const config_setting_t **out)
{
	const config_setting_t *root = cfgparse_root(p);
	int n = config_setting_length(root);

	*out = NULL;
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		if (strcmp(config_setting_name(s), name) != 0)
			return cfgparse_err(p, s, "unknown setting '%s' at the top level",
					    config_setting_name(s));
		*out = s;
	}
	if (!*out)
		return cfgparse_err(p, NULL, "no '%s' group: %s", name, hint);
	return 0;
}

int cfgparse_group(struct cfgparse *p, const config_setting_t *g, const char *const *keys,
		   size_t nkeys, const config_setting_t **set)
{
	const char *name = cfgparse_name(g);
	int n, r;

	if (!config_setting_is_group(g))
		return cfgparse_err(p, g, "'%s' must be a group: %s = { ... }", name, name);
	r = cfgparse_check_unknown(p, g, keys, nkeys, name);
	if (r < 0)
		return r;
	for (size_t k = 0; k < nkeys; k++)
		set[k] = NULL;
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		set[cfgparse_key_index(keys, nkeys, config_setting_name(s))] = s;
	}
	return 0;
}

/* ---- integer literals ----------------------------------------------------- */

/* libconfig 1.5's scanner converts an integer literal without an L suffix
 * with atoi() (a hexadecimal one with strtoul() cast to int), so
 * `spi = 4294967552;` loads as 256 and 3000000000 as a negative number;
 * 1.7 fixed the scanner.  libconfig keeps no text, so find the setting's
 * literal again from its line (name, '=' or ':', the value; an element
 * from its parent's '[' or '(') and compare, skipping strings and
 * comments on the way.  A literal that cannot be found that way (after a
 * string or comment that spans lines, an element after a non-integer one
 * or of an unnamed list) is left unchecked: never refuse a good file. */

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '*';
}

/* Past white space and comments. */
static const char *skip_space(const char *q)
{
	for (;;) {
		if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n' || *q == '\f') {
			q++;
		} else if (*q == '#' || (q[0] == '/' && q[1] == '/')) {
			q += strcspn(q, "\n");
		} else if (q[0] == '/' && q[1] == '*') {
			const char *e = strstr(q + 2, "*/");
			q = e ? e + 2 : q + strlen(q);
		} else {
			return q;
		}
	}
}

struct int_literal {
	bool neg, l, big;            /* '-', an L suffix, beyond 64 bits */
	unsigned long long mag;
};

/* [-+]digits or [-+]0xhex, optionally L or LL, at *q; advances *q. */
static bool scan_int(const char **q, struct int_literal *lit)
{
	const char *s = *q;
	unsigned base = 10;
	bool any = false;

	*lit = (struct int_literal){ .neg = *s == '-' };
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, any = true) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f'))
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			break;
		if (lit->mag > (ULLONG_MAX - d) / base)
			lit->big = true;
		lit->mag = lit->mag * base + d;
	}
	if (*s == 'L') {
		lit->l = true;
		s += s[1] == 'L' ? 2 : 1;
	}
	if (!any || is_name_char(*s) || *s == '.')
		return false;
	*q = s;
	return true;
}

/* Count the settings called name on line line of file f before s in the
 * tree under g (document order); true once s is reached. */
static bool count_before(const config_setting_t *g, const config_setting_t *s, const char *name,
			 unsigned line, const char *f, unsigned *n)
{
	int len = config_setting_length(g);

	for (int i = 0; i < len; i++) {
		const config_setting_t *c = config_setting_get_elem(g, (unsigned)i);
		const char *cf = config_setting_source_file(c);
		if (c == s)
			return true;
		if (config_setting_name(c) && strcmp(config_setting_name(c), name) == 0 &&
		    config_setting_source_line(c) == line &&
		    (cf == f || (cf && f && strcmp(cf, f) == 0)))
			(*n)++;
		if (config_setting_is_aggregate(c) && count_before(c, s, name, line, f, n))
			return true;
	}
	return false;
}

/* Where line `line` (from 1) of text starts, or NULL.  For the main text
 * an index of line starts is built once, so that checking every integer
 * of a large file (10^5 mobile nodes) stays linear. */
static const char *line_start(struct cfgparse *p, const char *text, unsigned line)
{
	if (text == p->text && !p->lines) {
		unsigned n = 1;
		for (const char *q = text; (q = strchr(q, '\n')); q++)
			n++;
		p->lines = malloc(n * sizeof(*p->lines));
		if (p->lines) {
			const char *q = text;
			p->nlines = 0;
			while (q) {
				p->lines[p->nlines++] = q;
				q = strchr(q, '\n');
				q = q ? q + 1 : NULL;
			}
		}
	}
	if (text == p->text && p->lines)
		return line >= 1 && line <= p->nlines ? p->lines[line - 1] : NULL;
	const char *q = text;
	for (unsigned l = 1; l < line && q; l++) {
		q = strchr(q, '\n');
		q = q ? q + 1 : NULL;
	}
	return q;
}

/* Walk the line at q for `name =` / `name :` outside strings and
 * comments: the value after the nth occurrence (nth < 0: count them all
 * into *count and return NULL). */
static const char *scan_line(const char *q, const char *name, int nth, unsigned *count)
{
	size_t nlen = strlen(name);

	for (const char *b = q; q && *q && *q != '\n'; q++) {
		if (*q == '#' || (q[0] == '/' && q[1] == '/'))
			return NULL;
		if (q[0] == '/' && q[1] == '*') {
			const char *e = strstr(q + 2, "*/");
			if (!e || memchr(q, '\n', (size_t)(e - q)))
				return NULL;
			q = e + 1;
		} else if (*q == '"') {
			for (q++; *q && *q != '"' && *q != '\n'; q++)
				if (*q == '\\' && q[1])
					q++;
			if (*q != '"')
				return NULL;
		} else if (strncmp(q, name, nlen) == 0 && (q == b || !is_name_char(q[-1])) &&
			   !is_name_char(q[nlen])) {
			const char *v = skip_space(q + nlen);
			if (*v == '=' || *v == ':') {
				if (nth == 0)
					return v + 1;
				nth--;
				if (count)
					(*count)++;
			}
		}
	}
	return NULL;
}

/* Just past the '=' or ':' after the named setting s in text. */
static const char *find_value(struct cfgparse *p, const char *text, const config_setting_t *s)
{
	const config_setting_t *root = cfgparse_root(p);
	const char *name = config_setting_name(s);
	unsigned line = config_setting_source_line(s), nth = 0, on_line = 0;
	const char *q = line_start(p, text, line);

	if (!q || !root)
		return NULL;
	/* a setting of another configuration has no place in this text */
	const config_setting_t *top = s;
	while (config_setting_parent(top))
		top = config_setting_parent(top);
	if (top != root)
		return NULL;
	/* the same name twice on one line: which one is s (document order);
	 * only then is the whole tree walked */
	scan_line(q, name, -1, &on_line);
	if (on_line > 1 &&
	    !count_before(root, s, name, line, config_setting_source_file(s), &nth))
		return NULL;
	return scan_line(q, name, (int)nth, NULL);
}

/* The literal of the integer setting s (an element: of a named array or
 * list whose earlier elements are integers); false if not found. */
static bool find_literal(struct cfgparse *p, const char *text, const config_setting_t *s,
			 struct int_literal *lit)
{
	const config_setting_t *parent = config_setting_parent(s);
	const char *q;
	int idx = 0;

	if (!config_setting_name(s)) {
		if (!parent || !config_setting_name(parent))
			return false;
		idx = config_setting_index(s);
		q = find_value(p, text, parent);
		if (!q || idx < 0 || (*(q = skip_space(q)) != '[' && *q != '('))
			return false;
		q++;
	} else {
		q = find_value(p, text, s);
	}
	for (; q; idx--) {
		q = skip_space(q);
		if (!scan_int(&q, lit))
			return false;
		if (idx == 0)
			return true;
		q = skip_space(q);
		q = *q == ',' ? q + 1 : NULL;
	}
	return false;
}

int cfgparse_check_int(struct cfgparse *p, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s), *text = p->text;
	char *owned = NULL, path[PATH_MAX];
	struct int_literal lit;
	long long v = config_setting_get_int64(s);
	bool found;
	int r = 0;

	if (f ? !p->text_file || strcmp(f, p->text_file) != 0 : p->text_file != NULL) {
		/* an @include'd file */
		int n = f ? print_file(p, path, sizeof(path), f) : -1;
		FILE *fp = n >= 0 && (size_t)n < sizeof(path) ? fopen(path, "r") : NULL;
		if (fp) {
			text = owned = read_text(fp);
			fclose(fp);
		} else {
			text = NULL;
		}
	}
	found = text && find_literal(p, text, s, &lit);
	if (found && (lit.big || (lit.neg ? v > 0 || 0ull - (unsigned long long)v != lit.mag
					    : v < 0 || (unsigned long long)v != lit.mag))) {
		/* an L makes it a 64-bit integer, which helps if it fits one */
		bool fits = !lit.big && lit.mag <= (unsigned long long)LLONG_MAX + lit.neg;
		r = cfgparse_err(p, s,
				 "integer out of range for '%s' (libconfig reads it as %lld)%s",
				 cfgparse_name(s), v,
				 !lit.l && fits ? "; write it with an L suffix" : "");
	}
	free(owned);
	return r;
}

/* ---- typed getters -------------------------------------------------------- */

int cfgparse_get_uint(struct cfgparse *p, const config_setting_t *s, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return cfgparse_err(p, s, "'%s' must be an integer", cfgparse_name(s));
	if (cfgparse_check_int(p, s) < 0)
		return -EINVAL;
	v = config_setting_get_int64(s);
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max)
		return cfgparse_err(p, s, "'%s' must be between %llu and %llu", cfgparse_name(s),
				    (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)v;
	return 0;
}

int cfgparse_get_u32(struct cfgparse *p, const config_setting_t *s, uint32_t min,
		     uint32_t *out)
{
	uint64_t v = 0;
	int r = cfgparse_get_uint(p, s, min, UINT32_MAX, &v);

	if (r < 0)
		return r;
	*out = (uint32_t)v;
	return 0;
}

int cfgparse_get_bool(struct cfgparse *p, const config_setting_t *s, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return cfgparse_err(p, s, "'%s' must be true or false", cfgparse_name(s));
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

int cfgparse_get_str(struct cfgparse *p, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return cfgparse_err(p, s, "'%s' must be a string", cfgparse_name(s));
	*out = config_setting_get_string(s);
	return 0;
}

int cfgparse_get_str_buf(struct cfgparse *p, const config_setting_t *s, char *buf,
			 size_t size)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v);

	if (r < 0)
		return r;
	if (!*v)
		return cfgparse_err(p, s, "'%s' must not be empty", cfgparse_name(s));
	if (strlen(v) >= size)
		return cfgparse_err(p, s, "'%s' is too long (at most %zu characters)",
				    cfgparse_name(s), size - 1);
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

int cfgparse_str_list_len(struct cfgparse *p, const config_setting_t *s)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return cfgparse_err(p, s, "'%s' must be a list of strings: %s = [ \"...\" ]",
				    cfgparse_name(s), cfgparse_name(s));
	return config_setting_length(s);
}

int cfgparse_str_elem(struct cfgparse *p, const config_setting_t *s, unsigned i, unsigned max,
		      const char **out)
{
	const config_setting_t *e = config_setting_get_elem(s, i);

	if (config_setting_type(e) != CONFIG_TYPE_STRING)
		return cfgparse_err(p, e, "'%s' must be a list of strings", cfgparse_name(s));
	if (i >= max)
		return cfgparse_err(p, e, "too many entries in '%s' (at most %u)",
				    cfgparse_name(s), max);
	*out = config_setting_get_string(e);
	return 0;
}

int cfgparse_get_str_list(struct cfgparse *p, const config_setting_t *s, unsigned max)
{
	const char *v = NULL;
	int n = cfgparse_str_list_len(p, s);

	for (int i = 0; i < n; i++) {
		int r = cfgparse_str_elem(p, s, (unsigned)i, max, &v);
		if (r < 0)
			return r;
	}
	return n;
}

int cfgparse_get_group_list(struct cfgparse *p, const config_setting_t *s, unsigned max,
			    const char *what)
{
	int n;

	if (!config_setting_is_list(s))
		return cfgparse_err(p, s, "'%s' must be a list of groups: %s = ( { ... } )",
				    cfgparse_name(s), cfgparse_name(s));
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (!config_setting_is_group(e))
			return cfgparse_err(p, e,
					    "'%s' must be a list of groups: %s = ( { ... } )",
					    cfgparse_name(s), cfgparse_name(s));
		if ((unsigned)i >= max)
			return cfgparse_err(p, e, "too many %s (at most %u)", what, max);
	}
	return n;
}

int cfgparse_check_ifname(struct cfgparse *p, const config_setting_t *s, const char *v,
			  char *buf)
{
	size_t len = strlen(v);

	if (len == 0)
		return cfgparse_err(p, s, "empty interface name");
	if (len >= IF_NAMESIZE)
		return cfgparse_err(p, s,
				    "interface name \"%s\" is too long (at most %d characters)",
				    v, IF_NAMESIZE - 1);
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return cfgparse_err(p, s, "invalid interface name \"%s\"", v);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '/' || ch == ':' || ch <= ' ' || ch >= 0x7f)
			return cfgparse_err(p, s, "invalid interface name \"%s\"", v);
	}
	memcpy(buf, v, len + 1);
	return 0;
}

int cfgparse_get_ifname(struct cfgparse *p, const config_setting_t *s, char *buf)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v);

	return r < 0 ? r : cfgparse_check_ifname(p, s, v, buf);
}

int cfgparse_get_in6(struct cfgparse *p, const config_setting_t *s, struct in6_addr *out)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v);

	if (r < 0)
		return r;
	if (inet_pton(AF_INET6, v, out) != 1)
		return cfgparse_err(p, s, "invalid IPv6 address \"%s\"", v);
	return 0;
}

static bool in4_strict(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

int cfgparse_get_in4(struct cfgparse *p, const config_setting_t *s, uint32_t *out)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v);

	if (r < 0)
		return r;
	if (!in4_strict(v, out))
		return cfgparse_err(p, s, "invalid IPv4 address \"%s\"", v);
	return 0;
}

int cfgparse_get_unicast4(struct cfgparse *p, const config_setting_t *s, uint32_t *out)
{
	int r = cfgparse_get_in4(p, s, out);

	if (r < 0)
		return r;
	if (in4_reserved(*out))
		return cfgparse_err(p, s, "%s \"%s\" must be a unicast IPv4 address",
				    cfgparse_name(s), config_setting_get_string(s));
	return 0;
}

static bool in6_has_host_bits(const struct in6_addr *a, unsigned plen)
{
	for (unsigned i = plen; i < 128; i++)
		if (a->s6_addr[i / 8] & (0x80 >> (i % 8)))
			return true;
	return false;
}

int cfgparse_prefix6(struct cfgparse *p, const config_setting_t *s, const char *v,
		     struct in6_addr *addr, uint8_t *plen)
{
	const char *slash = strchr(v, '/');
	unsigned len;

	if (!slash)
		return cfgparse_err(p, s, "prefix \"%s\" has no length (address/length)", v);
	if (!cfgparse_parse_in6(v, (size_t)(slash - v), addr))
		return cfgparse_err(p, s, "invalid IPv6 prefix \"%s\"", v);
	if (!cfgparse_parse_plen(slash + 1, &len) || len < 1)
		return cfgparse_err(p, s, "invalid prefix length in \"%s\"", v);
	if (in6_has_host_bits(addr, len))
		return cfgparse_err(p, s, "prefix \"%s\" has host bits set", v);
	if (IN6_IS_ADDR_MULTICAST(addr) || in6_is_mapped(addr))
		return cfgparse_err(p, s, "prefix \"%s\" is not a unicast prefix", v);
	*plen = (uint8_t)len;
	return 0;
}

static uint32_t mask32(unsigned plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

int cfgparse_prefix4(struct cfgparse *p, const config_setting_t *s, const char *v,
		     unsigned min_plen, const char *what, uint32_t *addr, uint8_t *plen)
{
	const char *slash = strchr(v, '/');
	char buf[INET_ADDRSTRLEN];
	unsigned long len = 32;      /* a bare address is a host route */

	if (slash) {
		char *end;
		if ((size_t)(slash - v) >= sizeof(buf))
			return cfgparse_err(p, s, "invalid IPv4 prefix \"%s\"", v);
		memcpy(buf, v, (size_t)(slash - v));
		buf[slash - v] = '\0';
		if (!in4_strict(buf, addr))
			return cfgparse_err(p, s, "invalid IPv4 prefix \"%s\"", v);
		if (slash[1] < '0' || slash[1] > '9')
			return cfgparse_err(p, s, "invalid prefix length in \"%s\"", v);
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len < min_plen || len > 32)
			return cfgparse_err(p, s, "invalid prefix length in \"%s\" (%u to 32)", v,
					    min_plen);
	} else if (strlen(v) >= sizeof(buf) || !in4_strict(v, addr)) {
		return cfgparse_err(p, s, "invalid IPv4 prefix \"%s\"", v);
	}
	if (*addr & ~mask32((unsigned)len))
		return cfgparse_err(p, s, "%s \"%s\" has host bits set", what, v);
	*plen = (uint8_t)len;
	return 0;
}

int cfgparse_get_hex(struct cfgparse *p, const config_setting_t *s, unsigned min, uint8_t *buf,
		     size_t cap, uint8_t *len)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v), n;

	if (r < 0)
		return r;
	n = parse_hex(v, buf, cap);
	if (n < (int)min)
		return cfgparse_err(p, s,
				    "'%s' must be %u to %zu hexadecimal octets, optionally "
				    "separated by ':'",
				    cfgparse_name(s), min, cap);
	*len = (uint8_t)n;
	return 0;
}

int cfgparse_get_name_set(struct cfgparse *p, const config_setting_t *s, const char *what,
			  const char *const *names, size_t n, bool *seen)
{
	int m = cfgparse_get_str_list(p, s, (unsigned)n);

	if (m < 0)
		return m;
	memset(seen, 0, n * sizeof(*seen));
	for (int i = 0; i < m; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		size_t k = 0;

		while (k < n && strcmp(v, names[k]) != 0)
			k++;
		if (k == n) {
			char list[256];
			size_t off = 0;
			for (size_t j = 0; j < n && off < sizeof(list); j++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"",
							j == 0 ? "" : j + 1 == n ? " or " : ", ",
							names[j]);
			return cfgparse_err(p, e, "%s \"%s\" must be %s", what, v, list);
		}
		if (seen[k])
			return cfgparse_err(p, e, "%s \"%s\" is listed twice", what, v);
		seen[k] = true;
	}
	return 0;
}

int cfgparse_get_key(struct cfgparse *p, const config_setting_t *g, const config_setting_t *ks,
		     const config_setting_t *kh, const char *who, uint8_t *key, size_t cap,
		     uint8_t *len)
{
	const char *str = NULL;
	int r;

	if (!ks == !kh)
		return cfgparse_err(p, ks ? kh : g,
				    "%s needs exactly one of 'key' (a string) and 'key-hex'", who);
	if (kh)
		return cfgparse_get_hex(p, kh, 1, key, cap, len);
	r = cfgparse_get_str(p, ks, &str);
	if (r < 0)
		return r;
	if (!*str || strlen(str) > cap)
		return cfgparse_err(p, ks, "'key' must be 1 to %zu characters", cap);
	*len = (uint8_t)strlen(str);
	memcpy(key, str, *len);
	return 0;
}

int cfgparse_get_option_code(struct cfgparse *p, const config_setting_t *s, unsigned suggest,
			     uint16_t *out)
{
	uint64_t v = 0;
	int r = cfgparse_get_uint(p, s, 1, UINT16_MAX, &v);

	if (r < 0)
		return r;
	if (v <= CFGPARSE_IANA_OPTION_MAX)
		return cfgparse_err(p, s,
				    "%s %llu is IANA-assigned (DHCPv6 option codes 1-%d); choose "
				    "an unassigned code such as %u",
				    cfgparse_name(s), (unsigned long long)v,
				    CFGPARSE_IANA_OPTION_MAX, suggest);
	*out = (uint16_t)v;
	return 0;
}

static const struct {
	const char *name;
	int level;
} log_levels[] = {
	{ "error", LOG_ERR },   { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO },   { "debug", LOG_DEBUG },
};

int cfgparse_get_log_level(struct cfgparse *p, const config_setting_t *s, int *out)
{
	const char *v = NULL;
	int r = cfgparse_get_str(p, s, &v);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++)
		if (strcmp(v, log_levels[i].name) == 0) {
			*out = log_levels[i].level;
			return 0;
		}
	return cfgparse_err(p, s, "'%s' must be one of error, warning, notice, info, debug",
			    cfgparse_name(s));
}

const char *cfgparse_log_level_name(int level)
{
	for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "info";
}

/* ---- pure parsers --------------------------------------------------------- */

/* Copy s into buf with the white space around it removed; false if it does
 * not fit. */
static bool trim_copy(const char *s, size_t len, char *buf, size_t size)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= size)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

bool cfgparse_parse_in4(const char *s, size_t len, uint32_t *out)
{
	char buf[INET_ADDRSTRLEN];

	return trim_copy(s, len, buf, sizeof(buf)) && in4_strict(buf, out);
}

bool cfgparse_parse_in6(const char *s, size_t len, struct in6_addr *out)
{
	char buf[INET6_ADDRSTRLEN];

	return trim_copy(s, len, buf, sizeof(buf)) && inet_pton(AF_INET6, buf, out) == 1;
}

bool cfgparse_parse_plen(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || *end || v > 128)
		return false;
	*out = (unsigned)v;
	return true;
}

/* ---- printing ------------------------------------------------------------- */

void cfgparse_print_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void cfgparse_print_kv_str(FILE *f, const char *ind, const char *key, const char *v)
{
	fprintf(f, "%s%s = ", ind, key);
	cfgparse_print_str(f, v);
	fputs(";\n", f);
}

void cfgparse_print_kv_u32(FILE *f, const char *ind, const char *key, uint32_t v)
{
	fprintf(f, "%s%s = %u%s;\n", ind, key, v, v > INT_MAX ? "L" : "");
}

void cfgparse_print_kv_bool(FILE *f, const char *ind, const char *key, bool v)
{
	fprintf(f, "%s%s = %s;\n", ind, key, v ? "true" : "false");
}

void cfgparse_print_kv_hex(FILE *f, const char *ind, const char *key, const uint8_t *v,
			   size_t len)
{
	fprintf(f, "%s%s = \"", ind, key);
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%s%02x", i ? ":" : "", v[i]);
	fputs("\";\n", f);
}
