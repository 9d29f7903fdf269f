/* Unit tests for the shared libconfig helpers (common/cfgparse.c): loading
 * (syntax errors, files, @include relative to the including file), the
 * libconfig 1.5 line fix-up for array elements, every getter's values and
 * exact messages, integer literals libconfig 1.5 wraps to 32 bits, log
 * levels and the printout helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/cfgparse.h"
#include "common/util.h"

struct fx {
	struct cfgparse p;
	char err[256];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	*state = f;
	return f ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	cfgparse_free(&f->p);
	free(f);
	return 0;
}

static void load(struct fx *f, const char *text)
{
	cfgparse_free(&f->p);
	cfgparse_init(&f->p, "c.conf", f->err, sizeof(f->err));
	if (cfgparse_load_string(&f->p, text) < 0)
		fail_msg("load: %s", f->err);
}

/* The setting at path ("a.b", "a.[1]") of the loaded text. */
static const config_setting_t *at(struct fx *f, const char *path)
{
	const config_setting_t *s = config_lookup(&f->p.lc, path);

	if (!s)
		fail_msg("no setting %s", path);
	return s;
}

static void expect_err(struct fx *f, int r, const char *msg)
{
	assert_int_equal(r, -EINVAL);
	assert_string_equal(f->err, msg);
}

/* ---- loading and lines ----------------------------------------------------- */

static void test_load(void **state)
{
	struct fx *f = *state;
	char dir[] = "/tmp/ds46-cfgparse-XXXXXX", path[128], inc[128];
	FILE *fp;

	cfgparse_init(&f->p, NULL, f->err, sizeof(f->err));
	assert_string_equal(f->p.name, "(string)");
	assert_int_equal(cfgparse_load_string(&f->p, "a = 1;\nb = ;\n"), -EINVAL);
	assert_string_equal(f->err, "(string):2: syntax error");
	assert_null(cfgparse_root(&f->p));
	cfgparse_free(&f->p);

	cfgparse_init(&f->p, "/nonexistent/x.conf", f->err, sizeof(f->err));
	assert_int_equal(cfgparse_load_file(&f->p, "/nonexistent/x.conf"), -ENOENT);
	assert_string_equal(f->err, "/nonexistent/x.conf: No such file or directory");
	assert_int_equal(cfgparse_nomem(&f->p), -ENOMEM);
	assert_string_equal(f->err, "/nonexistent/x.conf: out of memory");
	cfgparse_free(&f->p);

	/* @include is relative to the including file; errors name the file
	 * the setting is in */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	snprintf(inc, sizeof(inc), "%s/inc.conf", dir);
	fp = fopen(inc, "w");
	assert_non_null(fp);
	fputs("# included\nb = \"x\";\n", fp);
	fclose(fp);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("a = 1;\n@include \"inc.conf\"\n", fp);
	fclose(fp);
	cfgparse_init(&f->p, path, f->err, sizeof(f->err));
	assert_int_equal(cfgparse_load_file(&f->p, path), 0);
	assert_non_null(cfgparse_root(&f->p));
	{
		char want[300];
		uint64_t v;
		snprintf(want, sizeof(want), "%s:2: 'b' must be an integer", inc);
		expect_err(f, cfgparse_get_uint(&f->p, at(f, "b"), 0, 9, &v), want);
		snprintf(want, sizeof(want), "%s:1: 'a' must be between 2 and 9", path);
		expect_err(f, cfgparse_get_uint(&f->p, at(f, "a"), 2, 9, &v), want);
	}
	cfgparse_free(&f->p);
	unlink(inc);
	unlink(path);
	rmdir(dir);
}

/* libconfig 1.5 stamps an array element with the line of the token after
 * it: the last element of a multi-line array lands on the bracket's line. */
static void test_element_line(void **state)
{
	struct fx *f = *state;

	load(f, "a = [\n  \"x\",\n  \"y\"\n];\n"
		"b = [ \"p\", \"q\" ];\n"
		"c = ( \"s\",\n\n  \"t\"\n\n);\n"
		"d = [ 1,\n 2\n];\n"
		"e = [\n  \"z\",\n  \"z\"\n];\n");
	assert_int_equal(cfgparse_line(&f->p, at(f, "a")), 1);
	assert_int_equal(cfgparse_line(&f->p, at(f, "a.[0]")), 2);
	assert_int_equal(cfgparse_line(&f->p, at(f, "a.[1]")), 3);
	assert_int_equal(cfgparse_line(&f->p, at(f, "b.[0]")), 5);
	assert_int_equal(cfgparse_line(&f->p, at(f, "b.[1]")), 5);
	assert_int_equal(cfgparse_line(&f->p, at(f, "c.[0]")), 6);
	assert_int_equal(cfgparse_line(&f->p, at(f, "c.[1]")), 8);
	/* same literal twice: the second stays after the first */
	assert_int_equal(cfgparse_line(&f->p, at(f, "e.[0]")), 15);
	assert_int_equal(cfgparse_line(&f->p, at(f, "e.[1]")), 16);
	/* no setting: line 1 */
	assert_int_equal(cfgparse_line(&f->p, NULL), 1);
	expect_err(f, cfgparse_err(&f->p, at(f, "a.[1]"), "bad %s", "y"), "c.conf:3: bad y");
	expect_err(f, cfgparse_err(&f->p, NULL, "none"), "c.conf:1: none");
	assert_string_equal(cfgparse_name(at(f, "a.[1]")), "a");
	assert_string_equal(cfgparse_name(at(f, "a")), "a");

	/* a message that does not fit is cut, still NUL-terminated */
	f->p.errlen = 12;
	expect_err(f, cfgparse_err(&f->p, at(f, "a"), "long message"), "c.conf:1: l");
	f->p.errlen = 0;
	assert_int_equal(cfgparse_err(&f->p, at(f, "a"), "x"), -EINVAL);
}

static void test_unknown(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = { "one", "two" };

	load(f, "g = {\n  one = 1;\n  two = 2;\n  three = 3;\n};\n");
	assert_int_equal(cfgparse_key_index(keys, 2, "two"), 1);
	assert_int_equal(cfgparse_key_index(keys, 2, "three"), -1);
	assert_int_equal(cfgparse_key_index(keys, 2, NULL), -1);
	expect_err(f, cfgparse_check_unknown(&f->p, at(f, "g"), keys, 2, "the group"),
		   "c.conf:4: unknown setting 'three' in the group");
	assert_int_equal(cfgparse_check_unknown(&f->p, at(f, "g"), keys, 1, "g") < 0, 1);
	assert_string_equal(f->err, "c.conf:3: unknown setting 'two' in g");
}

/* ---- getters --------------------------------------------------------------- */

static void test_scalars(void **state)
{
	struct fx *f = *state;
	uint64_t v = 0;
	uint32_t u = 0;
	bool b = false;
	const char *s = NULL;
	char buf[4];

	load(f, "i = 5;\nbig = 5000000000L;\nneg = -1;\nt = true;\nstr = \"abc\";\n"
		"long = \"abcd\";\nempty = \"\";\nfl = 1.5;\n");
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "i"), 5, 5, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "big"), 0, UINT64_MAX, &v), 0);
	assert_true(v == 5000000000ull);
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "i"), 6, 9, &v),
		   "c.conf:1: 'i' must be between 6 and 9");
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "neg"), 0, 9, &v),
		   "c.conf:3: 'neg' must be between 0 and 9");
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "fl"), 0, 9, &v),
		   "c.conf:8: 'fl' must be an integer");
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "big"), 0, &u),
		   "c.conf:2: 'big' must be between 0 and 4294967295");
	assert_int_equal(cfgparse_get_u32(&f->p, at(f, "i"), 1, &u), 0);
	assert_int_equal(u, 5);

	assert_int_equal(cfgparse_get_bool(&f->p, at(f, "t"), &b), 0);
	assert_true(b);
	expect_err(f, cfgparse_get_bool(&f->p, at(f, "i"), &b),
		   "c.conf:1: 'i' must be true or false");

	assert_int_equal(cfgparse_get_str(&f->p, at(f, "str"), &s), 0);
	assert_string_equal(s, "abc");
	expect_err(f, cfgparse_get_str(&f->p, at(f, "t"), &s), "c.conf:4: 't' must be a string");
	assert_int_equal(cfgparse_get_str_buf(&f->p, at(f, "str"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abc");
	expect_err(f, cfgparse_get_str_buf(&f->p, at(f, "long"), buf, sizeof(buf)),
		   "c.conf:6: 'long' is too long (at most 3 characters)");
	expect_err(f, cfgparse_get_str_buf(&f->p, at(f, "empty"), buf, sizeof(buf)),
		   "c.conf:7: 'empty' must not be empty");
}

/* libconfig 1.5 converts an integer without an L suffix with atoi() (hex:
 * strtoul() cast to int): the getters find the literal again and refuse
 * one that libconfig wrapped. */
static void test_int_wrap(void **state)
{
	struct fx *f = *state;
	uint64_t v = 0;
	uint32_t u = 0;

	load(f, "a = 4294967552;\n"                              /* 1 */
		"b = 3000000000;\n"
		"c = -3000000000;\n"
		"d = 0xFFFFFFFF;\n"
		"e = 0x100000001;\n"                             /* 5 */
		"big = 4294967552L;\n"
		"hbig = 0xFFFFFFFFL;\n"
		"hbig2 = 0x100000000LL;\n"
		"small = 2147483647; min = -2147483648; hex = 0x7fffffff;\n"
		"huge = 99999999999999999999;\n"                 /* 10 */
		"hugel = 99999999999999999999L;\n"
		"g = { spi = 256; }; h = { spi = 4294967552; };\n"
		"arr = [ 1, 4294967552,\n"
		"  0x10 ];\n"
		"lst = ( 5,\n"                                   /* 15 */
		"  -3000000000 );\n"
		"sp = /* c */ 4294967296 ; # sp = 1\n"
		"x = \"spi = 5\"; spi = 4294967552;\n"
		"y =\n"
		"  4294967553;\n"                                /* 20 */
		"z : +3000000000\n"
		"mix = ( { }, 4294967552 );\n"
		"plus = +7; zero = 0; neg = -5;\n"
		"ok = 4294967295L; hok = 0xffffffff;\n");

	expect_err(f, cfgparse_get_uint(&f->p, at(f, "a"), 0, UINT32_MAX, &v),
		   "c.conf:1: integer out of range for 'a' (libconfig reads it as 256); write "
		   "it with an L suffix");
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "b"), 0, &u),
		   "c.conf:2: integer out of range for 'b' (libconfig reads it as -1294967296); "
		   "write it with an L suffix");
	expect_err(f, cfgparse_check_int(&f->p, at(f, "c")),
		   "c.conf:3: integer out of range for 'c' (libconfig reads it as 1294967296); "
		   "write it with an L suffix");
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "d"), 0, &u),
		   "c.conf:4: integer out of range for 'd' (libconfig reads it as -1); write "
		   "it with an L suffix");
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "e"), 0, UINT64_MAX, &v),
		   "c.conf:5: integer out of range for 'e' (libconfig reads it as 1); write it "
		   "with an L suffix");
	/* beyond 64 bits an L does not help */
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "huge"), 0, UINT64_MAX, &v),
		   "c.conf:10: integer out of range for 'huge' (libconfig reads it as -1)");
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "hugel"), 0, UINT64_MAX, &v),
		   "c.conf:11: integer out of range for 'hugel' (libconfig reads it as "
		   "9223372036854775807)");

	/* an L suffix is a 64-bit integer, taken as written */
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "big"), 0, UINT64_MAX, &v), 0);
	assert_true(v == 4294967552ull);
	assert_int_equal(cfgparse_get_u32(&f->p, at(f, "hbig"), 0, &u), 0);
	assert_true(u == 0xffffffffu);
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "hbig2"), 0, UINT64_MAX, &v), 0);
	assert_true(v == 0x100000000ull);
	assert_int_equal(cfgparse_get_u32(&f->p, at(f, "ok"), 0, &u), 0);
	assert_true(u == 4294967295u);
	/* hex without L: libconfig reads 0xffffffff as -1 */
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "hok"), 0, &u),
		   "c.conf:24: integer out of range for 'hok' (libconfig reads it as -1); write "
		   "it with an L suffix");

	/* values that fit are not affected, the limits included */
	assert_int_equal(cfgparse_get_u32(&f->p, at(f, "small"), 0, &u), 0);
	assert_int_equal(u, 2147483647);
	assert_int_equal(cfgparse_check_int(&f->p, at(f, "min")), 0);
	assert_true(config_setting_get_int64(at(f, "min")) == -2147483648ll);
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "min"), 0, 9, &v),
		   "c.conf:9: 'min' must be between 0 and 9");
	assert_int_equal(cfgparse_get_u32(&f->p, at(f, "hex"), 0, &u), 0);
	assert_int_equal(u, 0x7fffffff);
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "plus"), 0, 9, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "zero"), 0, 9, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cfgparse_check_int(&f->p, at(f, "neg")), 0);
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "neg"), 0, 9, &v),
		   "c.conf:23: 'neg' must be between 0 and 9");

	/* the same name twice on a line: each setting its own literal */
	assert_int_equal(cfgparse_get_u32(&f->p, at(f, "g.spi"), 256, &u), 0);
	assert_int_equal(u, 256);
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "h.spi"), 256, &u),
		   "c.conf:12: integer out of range for 'spi' (libconfig reads it as 256); "
		   "write it with an L suffix");
	/* elements of arrays and lists, under their parent's name */
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "arr.[0]"), 0, 9, &v), 0);
	assert_int_equal(v, 1);
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "arr.[1]"), 0, &u),
		   "c.conf:13: integer out of range for 'arr' (libconfig reads it as 256); "
		   "write it with an L suffix");
	assert_int_equal(cfgparse_get_uint(&f->p, at(f, "arr.[2]"), 0, 99, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(cfgparse_check_int(&f->p, at(f, "lst.[0]")), 0);
	expect_err(f, cfgparse_check_int(&f->p, at(f, "lst.[1]")),
		   "c.conf:16: integer out of range for 'lst' (libconfig reads it as "
		   "1294967296); write it with an L suffix");
	/* comments, a name inside a string, a value on the next line, ':' */
	expect_err(f, cfgparse_get_uint(&f->p, at(f, "sp"), 0, UINT64_MAX, &v),
		   "c.conf:17: integer out of range for 'sp' (libconfig reads it as 0); write "
		   "it with an L suffix");
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "spi"), 0, &u),
		   "c.conf:18: integer out of range for 'spi' (libconfig reads it as 256); "
		   "write it with an L suffix");
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "y"), 0, &u),
		   "c.conf:19: integer out of range for 'y' (libconfig reads it as 257); write "
		   "it with an L suffix");
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "z"), 0, &u),
		   "c.conf:21: integer out of range for 'z' (libconfig reads it as "
		   "-1294967296); write it with an L suffix");
	/* not found again (an element after a group): left to the range check */
	assert_int_equal(cfgparse_check_int(&f->p, at(f, "mix.[1]")), 0);
	/* a setting of another configuration is not looked up in this text */
	{
		config_t other;
		config_init(&other);
		assert_int_equal(config_read_string(&other, "a = 4294967552;"), CONFIG_TRUE);
		assert_int_equal(cfgparse_check_int(&f->p, config_lookup(&other, "a")), 0);
		config_destroy(&other);
	}
}

/* A wrapped literal in an @include'd file is found in that file. */
static void test_int_wrap_include(void **state)
{
	struct fx *f = *state;
	char dir[] = "/tmp/ds46-cfgparse-XXXXXX", path[128], inc[128], want[300];
	uint32_t u = 0;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	snprintf(inc, sizeof(inc), "%s/inc.conf", dir);
	fp = fopen(inc, "w");
	assert_non_null(fp);
	fputs("# included\nb = 1;\nc = 4294967552;\n", fp);
	fclose(fp);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("a = 4294967552L;\n@include \"inc.conf\"\nd = 0x100000000;\n", fp);
	fclose(fp);
	cfgparse_init(&f->p, path, f->err, sizeof(f->err));
	assert_int_equal(cfgparse_load_file(&f->p, path), 0);
	assert_int_equal(cfgparse_get_u32(&f->p, at(f, "b"), 0, &u), 0);
	assert_int_equal(u, 1);
	snprintf(want, sizeof(want),
		 "%s:3: integer out of range for 'c' (libconfig reads it as 256); write it "
		 "with an L suffix",
		 inc);
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "c"), 0, &u), want);
	snprintf(want, sizeof(want), "%s:1: 'a' must be between 0 and 4294967295", path);
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "a"), 0, &u), want);
	snprintf(want, sizeof(want),
		 "%s:3: integer out of range for 'd' (libconfig reads it as 0); write it "
		 "with an L suffix",
		 path);
	expect_err(f, cfgparse_get_u32(&f->p, at(f, "d"), 0, &u), want);
	cfgparse_free(&f->p);
	unlink(inc);
	unlink(path);
	rmdir(dir);
}

static void test_lists(void **state)
{
	struct fx *f = *state;
	const char *v = NULL;

	load(f, "a = [ \"x\", \"y\",\n  \"z\" ];\nl = ( \"x\", 1 );\nn = 1;\n"
		"g = ( { }, {\n} );\nh = ( { }, 1 );\n");
	assert_int_equal(cfgparse_get_str_list(&f->p, at(f, "a"), 3), 3);
	expect_err(f, cfgparse_get_str_list(&f->p, at(f, "a"), 2),
		   "c.conf:2: too many entries in 'a' (at most 2)");
	expect_err(f, cfgparse_get_str_list(&f->p, at(f, "l"), 9),
		   "c.conf:3: 'l' must be a list of strings");
	expect_err(f, cfgparse_get_str_list(&f->p, at(f, "n"), 9),
		   "c.conf:4: 'n' must be a list of strings: n = [ \"...\" ]");
	assert_int_equal(cfgparse_str_list_len(&f->p, at(f, "l")), 2);
	assert_int_equal(cfgparse_str_elem(&f->p, at(f, "l"), 0, 9, &v), 0);
	assert_string_equal(v, "x");
	expect_err(f, cfgparse_str_elem(&f->p, at(f, "l"), 1, 9, &v),
		   "c.conf:3: 'l' must be a list of strings");

	assert_int_equal(cfgparse_get_group_list(&f->p, at(f, "g"), 2, "gs"), 2);
	expect_err(f, cfgparse_get_group_list(&f->p, at(f, "g"), 1, "gs"),
		   "c.conf:5: too many gs (at most 1)");
	expect_err(f, cfgparse_get_group_list(&f->p, at(f, "h"), 9, "gs"),
		   "c.conf:7: 'h' must be a list of groups: h = ( { ... } )");
	expect_err(f, cfgparse_get_group_list(&f->p, at(f, "a"), 9, "gs"),
		   "c.conf:1: 'a' must be a list of groups: a = ( { ... } )");
}

static void test_ifname(void **state)
{
	struct fx *f = *state;
	char buf[IF_NAMESIZE];

	load(f, "ok = \"eth0.100\";\nempty = \"\";\nlong = \"abcdefghijklmnop\";\n"
		"dot = \"..\";\nslash = \"a/b\";\ncolon = \"a:b\";\nsp = \"a b\";\n"
		"hi = \"a\\xffb\";\nnum = 1;\n");
	assert_int_equal(cfgparse_get_ifname(&f->p, at(f, "ok"), buf), 0);
	assert_string_equal(buf, "eth0.100");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "empty"), buf),
		   "c.conf:2: empty interface name");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "long"), buf),
		   "c.conf:3: interface name \"abcdefghijklmnop\" is too long (at most 15 "
		   "characters)");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "dot"), buf),
		   "c.conf:4: invalid interface name \"..\"");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "slash"), buf),
		   "c.conf:5: invalid interface name \"a/b\"");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "colon"), buf),
		   "c.conf:6: invalid interface name \"a:b\"");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "sp"), buf),
		   "c.conf:7: invalid interface name \"a b\"");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "hi"), buf),
		   "c.conf:8: invalid interface name \"a\xff" "b\"");
	expect_err(f, cfgparse_get_ifname(&f->p, at(f, "num"), buf),
		   "c.conf:9: 'num' must be a string");
}

static void test_addresses(void **state)
{
	struct fx *f = *state;
	struct in6_addr a6, want6;
	uint32_t a4 = 0;
	uint8_t plen = 0;

	load(f, "v6 = \"2001:DB8::1\";\nv6sp = \" 2001:db8::1\";\nv4 = \"192.0.2.1\";\n"
		"v4bad = \"192.0.2\";\nnum = 4;\n");
	assert_int_equal(cfgparse_get_in6(&f->p, at(f, "v6"), &a6), 0);
	inet_pton(AF_INET6, "2001:db8::1", &want6);
	assert_memory_equal(&a6, &want6, 16);
	expect_err(f, cfgparse_get_in6(&f->p, at(f, "v6sp"), &a6),
		   "c.conf:2: invalid IPv6 address \" 2001:db8::1\"");
	expect_err(f, cfgparse_get_in6(&f->p, at(f, "v4"), &a6),
		   "c.conf:3: invalid IPv6 address \"192.0.2.1\"");
	expect_err(f, cfgparse_get_in6(&f->p, at(f, "num"), &a6),
		   "c.conf:5: 'num' must be a string");
	assert_int_equal(cfgparse_get_in4(&f->p, at(f, "v4"), &a4), 0);
	assert_int_equal(a4, 0xc0000201);
	expect_err(f, cfgparse_get_in4(&f->p, at(f, "v4bad"), &a4),
		   "c.conf:4: invalid IPv4 address \"192.0.2\"");

	/* IPv6 prefixes: white space around the parts is ignored */
	load(f, "p = \"x\";\n");
	{
		static const struct {
			const char *v, *msg;
			unsigned plen;
		} c6[] = {
			{ "2001:db8::/32", NULL, 32 },
			{ " 2001:db8:: / 48 ", NULL, 48 },
			{ "2001:db8::1/128", NULL, 128 },
			{ "2001:db8::", "c.conf:1: prefix \"2001:db8::\" has no length (address/length)",
			  0 },
			{ "2001:db8:::/32", "c.conf:1: invalid IPv6 prefix \"2001:db8:::/32\"", 0 },
			{ "2001:db8::/0", "c.conf:1: invalid prefix length in \"2001:db8::/0\"", 0 },
			{ "2001:db8::/129", "c.conf:1: invalid prefix length in \"2001:db8::/129\"", 0 },
			{ "2001:db8::/x", "c.conf:1: invalid prefix length in \"2001:db8::/x\"", 0 },
			{ "2001:db8::1/64", "c.conf:1: prefix \"2001:db8::1/64\" has host bits set", 0 },
			{ "ff02::/16", "c.conf:1: prefix \"ff02::/16\" is not a unicast prefix", 0 },
			{ "::ffff:0:0/96", "c.conf:1: prefix \"::ffff:0:0/96\" is not a unicast prefix",
			  0 },
		};
		for (size_t i = 0; i < ARRAY_SIZE(c6); i++) {
			int r = cfgparse_prefix6(&f->p, at(f, "p"), c6[i].v, &a6, &plen);
			if (c6[i].msg)
				expect_err(f, r, c6[i].msg);
			else if (r != 0 || plen != c6[i].plen)
				fail_msg("%s: %d %s", c6[i].v, r, f->err);
		}
	}
	/* IPv4 prefixes: strict, a bare address is a /32 */
	{
		static const struct {
			const char *v, *msg;
			unsigned min;
			uint32_t addr;
			unsigned plen;
		} c4[] = {
			{ "192.0.2.0/24", NULL, 1, 0xc0000200, 24 },
			{ "192.0.2.7", NULL, 1, 0xc0000207, 32 },
			{ "0.0.0.0/0", NULL, 0, 0, 0 },
			{ "0.0.0.0/0", "c.conf:1: invalid prefix length in \"0.0.0.0/0\" (1 to 32)", 1, 0,
			  0 },
			{ "10.0.0.0/33", "c.conf:1: invalid prefix length in \"10.0.0.0/33\" (0 to 32)", 0,
			  0, 0 },
			{ "10.0.0.0/", "c.conf:1: invalid prefix length in \"10.0.0.0/\"", 0, 0, 0 },
			{ "10.0.0.0/ 8", "c.conf:1: invalid prefix length in \"10.0.0.0/ 8\"", 0, 0, 0 },
			{ "10.0.0.0/8x", "c.conf:1: invalid prefix length in \"10.0.0.0/8x\" (0 to 32)", 0,
			  0, 0 },
			{ " 10.0.0.0/8", "c.conf:1: invalid IPv4 prefix \" 10.0.0.0/8\"", 0, 0, 0 },
			{ "10.0.0.0.0/8", "c.conf:1: invalid IPv4 prefix \"10.0.0.0.0/8\"", 0, 0, 0 },
			{ "1234567890123456/8", "c.conf:1: invalid IPv4 prefix \"1234567890123456/8\"", 0,
			  0, 0 },
			{ "10.0.0", "c.conf:1: invalid IPv4 prefix \"10.0.0\"", 0, 0, 0 },
			{ "10.0.0.1/8", "c.conf:1: pfx \"10.0.0.1/8\" has host bits set", 0, 0, 0 },
		};
		for (size_t i = 0; i < ARRAY_SIZE(c4); i++) {
			int r = cfgparse_prefix4(&f->p, at(f, "p"), c4[i].v, c4[i].min, "pfx", &a4,
						 &plen);
			if (c4[i].msg)
				expect_err(f, r, c4[i].msg);
			else if (r != 0 || a4 != c4[i].addr || plen != c4[i].plen)
				fail_msg("%s: %d %s", c4[i].v, r, f->err);
		}
	}
}

static void test_pure_parsers(void **state)
{
	(void)state;
	uint32_t a4 = 0;
	struct in6_addr a6;
	unsigned plen = 0;

	assert_true(cfgparse_parse_in4(" 192.0.2.1\t", 11, &a4));
	assert_int_equal(a4, 0xc0000201);
	assert_true(cfgparse_parse_in4("192.0.2.1-192.0.2.9", 9, &a4));
	assert_false(cfgparse_parse_in4("192.0.2.1 x", 11, &a4));
	assert_false(cfgparse_parse_in4("1234567890123456", 16, &a4));
	assert_true(cfgparse_parse_in6(" ::1 ", 5, &a6));
	assert_false(cfgparse_parse_in6("::1::", 5, &a6));
	assert_true(cfgparse_parse_plen(" 64 ", &plen));
	assert_int_equal(plen, 64);
	assert_true(cfgparse_parse_plen("0", &plen));
	assert_false(cfgparse_parse_plen("129", &plen));
	assert_false(cfgparse_parse_plen("-1", &plen));
	assert_false(cfgparse_parse_plen("", &plen));
	assert_false(cfgparse_parse_plen("6 4", &plen));
}

static void test_hex_option_level(void **state)
{
	struct fx *f = *state;
	uint8_t buf[4], len = 0;
	uint16_t code = 0;
	int level = 0;

	load(f, "d = \"00:01:ab\";\nshort = \"0001\";\nodd = \"000\";\nlong = \"0001020304\";\n"
		"n = 7;\nc = 144;\nc0 = 0;\nc143 = 143;\nc64k = 65536;\n"
		"lv = \"debug\";\nbad = \"verbose\";\n");
	assert_int_equal(cfgparse_get_hex(&f->p, at(f, "d"), 3, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 3);
	assert_int_equal(buf[2], 0xab);
	expect_err(f, cfgparse_get_hex(&f->p, at(f, "short"), 3, buf, sizeof(buf), &len),
		   "c.conf:2: 'short' must be 3 to 4 hexadecimal octets, optionally separated by "
		   "':'");
	expect_err(f, cfgparse_get_hex(&f->p, at(f, "odd"), 1, buf, sizeof(buf), &len),
		   "c.conf:3: 'odd' must be 1 to 4 hexadecimal octets, optionally separated by "
		   "':'");
	expect_err(f, cfgparse_get_hex(&f->p, at(f, "long"), 1, buf, sizeof(buf), &len),
		   "c.conf:4: 'long' must be 1 to 4 hexadecimal octets, optionally separated by "
		   "':'");
	expect_err(f, cfgparse_get_hex(&f->p, at(f, "n"), 1, buf, sizeof(buf), &len),
		   "c.conf:5: 'n' must be a string");

	assert_int_equal(cfgparse_get_option_code(&f->p, at(f, "c"), 65046, &code), 0);
	assert_int_equal(code, 144);
	expect_err(f, cfgparse_get_option_code(&f->p, at(f, "c0"), 65046, &code),
		   "c.conf:7: 'c0' must be between 1 and 65535");
	expect_err(f, cfgparse_get_option_code(&f->p, at(f, "c143"), 999, &code),
		   "c.conf:8: c143 143 is IANA-assigned (DHCPv6 option codes 1-143); choose an "
		   "unassigned code such as 999");
	expect_err(f, cfgparse_get_option_code(&f->p, at(f, "c64k"), 65046, &code),
		   "c.conf:9: 'c64k' must be between 1 and 65535");

	assert_int_equal(cfgparse_get_log_level(&f->p, at(f, "lv"), &level), 0);
	assert_int_equal(level, LOG_DEBUG);
	expect_err(f, cfgparse_get_log_level(&f->p, at(f, "bad"), &level),
		   "c.conf:11: 'bad' must be one of error, warning, notice, info, debug");
	expect_err(f, cfgparse_get_log_level(&f->p, at(f, "n"), &level),
		   "c.conf:5: 'n' must be a string");
	assert_string_equal(cfgparse_log_level_name(LOG_ERR), "error");
	assert_string_equal(cfgparse_log_level_name(LOG_WARNING), "warning");
	assert_string_equal(cfgparse_log_level_name(LOG_NOTICE), "notice");
	assert_string_equal(cfgparse_log_level_name(LOG_INFO), "info");
	assert_string_equal(cfgparse_log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(cfgparse_log_level_name(LOG_EMERG), "info");
}

/* cfgparse_get_name_set, cfgparse_get_key, cfgparse_get_unicast4: the
 * pieces the Mobile IPv4 agents' loaders share. */
static void test_names_keys_unicast(void **state)
{
	static const char *const names[] = { "ipip", "gre", "minimal" };
	struct fx *f = *state;
	bool seen[3] = { true, true, true };
	uint8_t key[4], len = 0;
	uint32_t a = 0;

	load(f, "e = [ \"minimal\", \"ipip\" ];\ndup = [ \"gre\", \"gre\" ];\n"
		"bad = [ \"udp\" ];\nk = { key = \"abc\"; };\nh = { key-hex = \"0a:0b\"; };\n"
		"both = { key = \"x\"; key-hex = \"01\"; };\nnone = { spi = 300; };\n"
		"long = { key = \"abcde\"; };\nu = \"192.0.2.1\";\nm = \"224.0.0.1\";\n"
		"z = \"0.1.2.3\";\n");
	assert_int_equal(cfgparse_get_name_set(&f->p, at(f, "e"), "encapsulation", names, 3, seen), 0);
	assert_true(seen[0] && !seen[1] && seen[2]);
	expect_err(f, cfgparse_get_name_set(&f->p, at(f, "dup"), "encapsulation", names, 3, seen),
		   "c.conf:2: encapsulation \"gre\" is listed twice");
	expect_err(f, cfgparse_get_name_set(&f->p, at(f, "bad"), "encapsulation", names, 3, seen),
		   "c.conf:3: encapsulation \"udp\" must be \"ipip\", \"gre\" or \"minimal\"");

	const config_setting_t *g = at(f, "k");
	assert_int_equal(cfgparse_get_key(&f->p, g, config_setting_get_member(g, "key"), NULL,
					  "node", key, sizeof(key), &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(key, "abc", 3);
	g = at(f, "h");
	assert_int_equal(cfgparse_get_key(&f->p, g, NULL, config_setting_get_member(g, "key-hex"),
					  "node", key, sizeof(key), &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(key[1], 0x0b);
	g = at(f, "both");
	expect_err(f, cfgparse_get_key(&f->p, g, config_setting_get_member(g, "key"),
				       config_setting_get_member(g, "key-hex"), "node", key,
				       sizeof(key), &len),
		   "c.conf:6: node needs exactly one of 'key' (a string) and 'key-hex'");
	expect_err(f, cfgparse_get_key(&f->p, at(f, "none"), NULL, NULL, "node", key, sizeof(key),
				       &len),
		   "c.conf:7: node needs exactly one of 'key' (a string) and 'key-hex'");
	g = at(f, "long");
	expect_err(f, cfgparse_get_key(&f->p, g, config_setting_get_member(g, "key"), NULL, "node",
				       key, sizeof(key), &len),
		   "c.conf:8: 'key' must be 1 to 4 characters");

	assert_int_equal(cfgparse_get_unicast4(&f->p, at(f, "u"), &a), 0);
	assert_int_equal(a, 0xc0000201u);
	expect_err(f, cfgparse_get_unicast4(&f->p, at(f, "m"), &a),
		   "c.conf:10: m \"224.0.0.1\" must be a unicast IPv4 address");
	expect_err(f, cfgparse_get_unicast4(&f->p, at(f, "z"), &a),
		   "c.conf:11: z \"0.1.2.3\" must be a unicast IPv4 address");
}

/* ---- printing -------------------------------------------------------------- */

static void test_print(void **state)
{
	struct fx *f = *state;
	static const uint8_t hex[] = { 0, 1, 0xab };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	const char *s = NULL;

	assert_non_null(fp);
	cfgparse_print_kv_str(fp, "  ", "s", "a\"b\\c\td\x7f\xc3\xa9");
	cfgparse_print_kv_u32(fp, "", "small", 2147483647u);
	cfgparse_print_kv_u32(fp, "", "large", 2147483648u);
	cfgparse_print_kv_bool(fp, "\t", "b", true);
	cfgparse_print_kv_bool(fp, "\t", "nb", false);
	cfgparse_print_kv_hex(fp, "", "h", hex, sizeof(hex));
	cfgparse_print_str(fp, "");
	fputc('\n', fp);
	fclose(fp);
	assert_string_equal(buf, "  s = \"a\\\"b\\\\c\\x09d\\x7f\\xc3\\xa9\";\n"
				 "small = 2147483647;\n"
				 "large = 2147483648L;\n"
				 "\tb = true;\n"
				 "\tnb = false;\n"
				 "h = \"00:01:ab\";\n"
				 "\"\"\n");
	/* libconfig reads every line back to the value printed */
	buf[strlen(buf) - 3] = '\0';          /* drop the bare "" line */
	load(f, buf);
	assert_int_equal(cfgparse_get_str(&f->p, at(f, "s"), &s), 0);
	assert_string_equal(s, "a\"b\\c\td\x7f\xc3\xa9");
	assert_true(config_setting_get_int64(at(f, "large")) == 2147483648ll);
	free(buf);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_load),
		T(test_element_line),
		T(test_unknown),
		T(test_scalars),
		T(test_int_wrap),
		T(test_int_wrap_include),
		T(test_lists),
		T(test_ifname),
		T(test_addresses),
		T(test_pure_parsers),
		T(test_hex_option_level),
		T(test_names_keys_unicast),
		T(test_print),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
