/* libconfig helpers shared by every daemon's configuration parser: loading
 * from a file or a string, "file:line: message" errors with the line
 * libconfig recorded for the offending setting (STYLE 10), typed getters
 * whose messages name the setting, and printout helpers for the normalised
 * configuration (-nv).
 *
 * Every getter returns 0, or -EINVAL with the message in the parser's error
 * buffer.  A setting is reported under its own name, or for an element of
 * an array or list under its parent's. */
#ifndef DS46_COMMON_CFGPARSE_H
#define DS46_COMMON_CFGPARSE_H

#include <libconfig.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfgparse {
	const char *name;            /* used when libconfig has no file name */
	char *err;
	size_t errlen;
	config_t lc;
	bool loaded;                 /* lc holds a parsed configuration */
	const char *text;            /* the source, for the line fix-up */
	char *text_owned;            /* text read from the file */
	const char *text_file;       /* the file it came from; NULL: a string */
	const char **lines;          /* lines[i]: where line i + 1 of text starts
	                                (built on first use by the integer check) */
	unsigned nlines;
	const char *incdir;          /* where libconfig looks for @include */
	char incdir_buf[PATH_MAX];
};

/* name: the file name in messages (NULL: "(string)").  Clears err. */
void cfgparse_init(struct cfgparse *p, const char *name, char *err, size_t errlen);
/* Read and parse path (@include relative to its directory).  A file that
 * cannot be opened: -errno and "file: strerror"; a syntax error: -EINVAL
 * and "file:line: libconfig's message". */
int cfgparse_load_file(struct cfgparse *p, const char *path);
/* Same from text (tests, fuzzing); p->name names it in messages. */
int cfgparse_load_string(struct cfgparse *p, const char *text);
/* The root group of a loaded configuration. */
const config_setting_t *cfgparse_root(struct cfgparse *p);
/* "name: out of memory" for the caller's own allocation; -ENOMEM. */
int cfgparse_nomem(struct cfgparse *p);
/* Releases the libconfig tree (settings are invalid afterwards). */
void cfgparse_free(struct cfgparse *p);

/* The whole of a daemon's load: cfgparse_init, load the file path (text
 * NULL; name is path) or text, parse(p, root, arg), free the libconfig
 * tree.  arg NULL means the caller's allocation failed: "name: out of
 * memory" and -ENOMEM.  Returns the load's error or parse's result. */
typedef int (*cfgparse_parse_fn)(struct cfgparse *p, const config_setting_t *root, void *arg);
int cfgparse_run(const char *path, const char *text, const char *name, char *err,
		 size_t errlen, cfgparse_parse_fn parse, void *arg);

/* "file:line: " + fmt into the error buffer; returns -EINVAL.  s may be
 * NULL (line 1 of the top file). */
int cfgparse_err(struct cfgparse *p, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The line of s, at least 1.  libconfig 1.5 stamps an array element with
 * the line of the token after it (the closing bracket for the last one);
 * string elements are moved back to the line that holds their literal. */
unsigned cfgparse_line(const struct cfgparse *p, const config_setting_t *s);
/* The name s is reported under: its own, else its parent's, else
 * "element". */
const char *cfgparse_name(const config_setting_t *s);
/* Position of name in keys[n], or -1. */
int cfgparse_key_index(const char *const *keys, size_t n, const char *name);
/* Every member of group g is one of keys: "unknown setting 'x' in <where>". */
int cfgparse_check_unknown(struct cfgparse *p, const config_setting_t *g,
			   const char *const *keys, size_t nkeys, const char *where);

/* The one top-level setting, the group called name: anything else is
 * "unknown setting 'x' at the top level"; without it "no '<name>' group:
 * <hint>". */
int cfgparse_top_group(struct cfgparse *p, const char *name, const char *hint,
		       const config_setting_t **out);
/* g is a group ("'<name>' must be a group: <name> = { ... }") of keys only
 * ("unknown setting 'x' in <name>"); set[k]: the setting keys[k], or NULL. */
int cfgparse_group(struct cfgparse *p, const config_setting_t *g, const char *const *keys,
		   size_t nkeys, const config_setting_t **set);

/* ---- typed getters -------------------------------------------------------- */

/* s (an integer, or an element of a named array or list of integers) is
 * the value its literal in the file says: libconfig 1.5 wraps a literal
 * without an L suffix to 32 bits.  Otherwise "integer out of range for
 * '<name>' (libconfig reads it as N); write it with an L suffix" (the
 * advice only where an L helps) and -EINVAL.  A literal it cannot find
 * again (see cfgparse.c) passes.  The getters below call it. */
int cfgparse_check_int(struct cfgparse *p, const config_setting_t *s);
/* An integer in [min, max]. */
int cfgparse_get_uint(struct cfgparse *p, const config_setting_t *s, uint64_t min,
		      uint64_t max, uint64_t *out);
int cfgparse_get_u32(struct cfgparse *p, const config_setting_t *s, uint32_t min,
		     uint32_t *out);
int cfgparse_get_bool(struct cfgparse *p, const config_setting_t *s, bool *out);
int cfgparse_get_str(struct cfgparse *p, const config_setting_t *s, const char **out);
/* A non-empty string that fits buf (size includes the NUL). */
int cfgparse_get_str_buf(struct cfgparse *p, const config_setting_t *s, char *buf,
			 size_t size);
/* An array "[ ... ]" or list "( ... )": its length (strings are checked one
 * by one with cfgparse_str_elem). */
int cfgparse_str_list_len(struct cfgparse *p, const config_setting_t *s);
/* Element i of the string list s: a string, and i < max. */
int cfgparse_str_elem(struct cfgparse *p, const config_setting_t *s, unsigned i, unsigned max,
		      const char **out);
/* Both at once, every element checked: the length. */
int cfgparse_get_str_list(struct cfgparse *p, const config_setting_t *s, unsigned max);
/* A list of groups "( { ... }, ... )" of at most max ("too many <what>"). */
int cfgparse_get_group_list(struct cfgparse *p, const config_setting_t *s, unsigned max,
			    const char *what);
/* Linux dev_valid_name(): 1..IF_NAMESIZE-1 bytes, not "." or "..", no '/',
 * ':' or white space.  check: v is s's string (or an element's). */
int cfgparse_check_ifname(struct cfgparse *p, const config_setting_t *s, const char *v,
			  char *buf);
int cfgparse_get_ifname(struct cfgparse *p, const config_setting_t *s, char *buf);
/* The whole string is an address (inet_pton): "invalid IPv6 address" /
 * "invalid IPv4 address" (v4 in host order). */
int cfgparse_get_in6(struct cfgparse *p, const config_setting_t *s, struct in6_addr *out);
int cfgparse_get_in4(struct cfgparse *p, const config_setting_t *s, uint32_t *out);
/* cfgparse_get_in4, and not in4_reserved (common/util.h): "<name> \"v\"
 * must be a unicast IPv4 address". */
int cfgparse_get_unicast4(struct cfgparse *p, const config_setting_t *s, uint32_t *out);
/* v (s's string) is "address/len" with 1 <= len <= 128, no host bits,
 * neither multicast nor IPv4-mapped; white space around the parts is
 * ignored. */
int cfgparse_prefix6(struct cfgparse *p, const config_setting_t *s, const char *v,
		     struct in6_addr *addr, uint8_t *plen);
/* v (s's string) is "a.b.c.d/len" with min_plen <= len <= 32, or "a.b.c.d"
 * (a /32), without host bits; what names it in "<what> \"v\" has host bits
 * set".  *addr in host order. */
int cfgparse_prefix4(struct cfgparse *p, const config_setting_t *s, const char *v,
		     unsigned min_plen, const char *what, uint32_t *addr, uint8_t *plen);
/* Hexadecimal octets, optionally separated by ':', min..cap of them. */
int cfgparse_get_hex(struct cfgparse *p, const config_setting_t *s, unsigned min, uint8_t *buf,
		     size_t cap, uint8_t *len);
/* s: a list of strings, each one of names[0..n) (at most 8) and none
 * twice; seen[i] is set for each one given, the others cleared.  what
 * names an element in errors: "<what> \"v\" must be \"a\", \"b\" or
 * \"c\"", "<what> \"v\" is listed twice". */
int cfgparse_get_name_set(struct cfgparse *p, const config_setting_t *s, const char *what,
			  const char *const *names, size_t n, bool *seen);
/* A secret given as exactly one of 'key' (ks: a string of 1..cap
 * characters) and 'key-hex' (kh: 1..cap octets) in group g; who names the
 * owner in the error ("foreign agent 192.0.2.9 needs exactly one of ..."). */
int cfgparse_get_key(struct cfgparse *p, const config_setting_t *g, const config_setting_t *ks,
		     const config_setting_t *kh, const char *who, uint8_t *key, size_t cap,
		     uint8_t *len);
/* A DHCPv6 option code for a private option: 1..65535 and not assigned by
 * IANA (RFC 8415 24: 1..CFGPARSE_IANA_OPTION_MAX); suggest is named in the
 * message. */
#define CFGPARSE_IANA_OPTION_MAX 143
int cfgparse_get_option_code(struct cfgparse *p, const config_setting_t *s, unsigned suggest,
			     uint16_t *out);
/* "error", "warning", "notice", "info", "debug" -> syslog level. */
int cfgparse_get_log_level(struct cfgparse *p, const config_setting_t *s, int *out);
const char *cfgparse_log_level_name(int level);

/* ---- pure parsers (white space around the text is ignored) ---------------- */

bool cfgparse_parse_in4(const char *s, size_t len, uint32_t *out);
bool cfgparse_parse_in6(const char *s, size_t len, struct in6_addr *out);
/* A decimal prefix length 0..128. */
bool cfgparse_parse_plen(const char *s, unsigned *out);

/* ---- printing the normalised configuration -------------------------------- */

/* A libconfig string literal, escaping what the scanner would not take back
 * verbatim. */
void cfgparse_print_str(FILE *f, const char *s);
/* <ind>key = "v";  */
void cfgparse_print_kv_str(FILE *f, const char *ind, const char *key, const char *v);
/* <ind>key = v; with an 'L' above INT_MAX (libconfig 1.5 would truncate). */
void cfgparse_print_kv_u32(FILE *f, const char *ind, const char *key, uint32_t v);
void cfgparse_print_kv_bool(FILE *f, const char *ind, const char *key, bool v);
/* <ind>key = "00:01:...";  */
void cfgparse_print_kv_hex(FILE *f, const char *ind, const char *key, const uint8_t *v,
			   size_t len);

#endif
