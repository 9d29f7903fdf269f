/* Unit tests for src/dstm/server_ctl.c: the DSTM server's control socket.
 *
 * A struct server is built by hand (a lease table, one link with an IPv4
 * pool, a SQLite store in a temporary directory) and server_ctl_answer is
 * asked every command; the JSON answers are checked member by member.  The
 * socket half runs server_ctl_open on a libevent base in this process and
 * talks to it through a real unix socket: a request, a request without its
 * newline, garbage, an oversized request, a silent client (timeout), the
 * socket's mode and the removal of a stale socket file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "dstm/server.h"
#include "dstm/server_ctl.h"

#define NOW 1790000000

struct fixture {
	char dir[64];
	char db[96];
	struct cfg cfg;
	struct cfg_link link_cfg;
	struct server_link link;
	struct server s;
	int sent;                    /* Reconfigures handed to s.send */
	struct server_tx last_tx;
};

static int capture_send(void *ctx, const struct server_tx *tx)
{
	struct fixture *f = ctx;
	f->sent++;
	f->last_tx = *tx;
	return 0;
}

static void addr_of(struct in6_addr *a, const char *s)
{
	assert_int_equal(ctl_parse_addr(s, a), 0);
}

static void add_lease(struct fixture *f, const char *addr, uint8_t kind, uint8_t state,
		      uint8_t duid_last, uint32_t iaid, const char *tep, int64_t expires,
		      bool key, const char *pool)
{
	struct lease l;

	memset(&l, 0, sizeof(l));
	addr_of(&l.addr, addr);
	l.kind = kind;
	l.state = state;
	l.duid.len = 10;
	memcpy(l.duid.data, (uint8_t[]){ 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 },
	       9);
	l.duid.data[9] = duid_last;
	l.iaid = iaid;
	addr_of(&l.client_addr, "2001:db8::5");
	if (tep) {
		l.has_tep = true;
		addr_of(&l.tep, tep);
	}
	l.preferred = 3600;
	l.valid = 7200;
	l.cltt = NOW - 7;
	l.expires = expires;
	l.has_reconf_key = key;
	if (key)
		memset(l.reconf_key, 0x5a, sizeof(l.reconf_key));
	snprintf(l.pool, sizeof(l.pool), "%s", pool);
	assert_int_equal(store_lease_put(f->s.store, &l), 0);
	assert_int_equal(lease_insert(&f->s.leases, &l, NULL), 0);
	if (kind == LEASE_KIND_V4 && pool4_contains(&f->link.pools4[0], in6_mapped_v4(&l.addr)))
		assert_int_equal(pool4_take(&f->link.pools4[0], in6_mapped_v4(&l.addr)), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_opts so = { 0 };
	struct cfg_pool4 *p4;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ds46-test-ctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/leases.db", f->dir);

	f->cfg.server.ipv4_option_code = DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT;
	f->cfg.server.reconfigure = true;
	snprintf(f->link_cfg.name, sizeof(f->link_cfg.name), "lan0");
	f->link_cfg.n_pools4 = 1;
	p4 = &f->link_cfg.pools4[0];
	snprintf(p4->name, sizeof(p4->name), "pub");
	p4->n_ranges = 1;
	p4->ranges[0].first = 0xc0000201;        /* 192.0.2.1 - 192.0.2.254 */
	p4->ranges[0].last = 0xc00002fe;
	f->link.cfg = &f->link_cfg;
	f->link.n_pools4 = 1;
	assert_int_equal(pool4_init(&f->link.pools4[0], p4), 0);

	f->s.cfg = &f->cfg;
	f->s.links = &f->link;
	f->s.n_links = 1;
	f->s.now = NOW;
	f->s.duid.len = 4;
	memcpy(f->s.duid.data, (uint8_t[]){ 0x00, 0x04, 0xaa, 0xbb }, 4);
	f->s.send = capture_send;
	f->s.send_ctx = f;
	so.path = f->db;
	assert_int_equal(store_open(&so, &f->s.store), 0);
	assert_int_equal(lease_table_init(&f->s.leases, 16), 0);

	assert_int_equal(store_begin(f->s.store), 0);
	/* inserted out of order: the answer lists them by address */
	add_lease(f, "2001:db8:1::1234", LEASE_KIND_NA, LEASE_STATE_BOUND, 2, 7, NULL,
		  NOW + 100, false, "v6");
	add_lease(f, "192.0.2.10", LEASE_KIND_V4, LEASE_STATE_BOUND, 1, 1, "2001:db8::ffff",
		  NOW + 7193, true, "pub");
	add_lease(f, "192.0.2.20", LEASE_KIND_V4, LEASE_STATE_DECLINED, 3, 9, NULL, NOW - 5,
		  false, "pub");
	assert_int_equal(store_commit(f->s.store), 0);

	f->s.stats.rx_packets = 1234;
	f->s.stats.drop_store_error = 3;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	lease_table_free(&f->s.leases);
	store_close(f->s.store);
	pool4_free(&f->link.pools4[0]);
	free(f->s.reconf);
	static const char *const files[] = { "leases.db", "leases.db-wal", "leases.db-shm",
					     "sub/dstmd.sock", "stale.sock" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/sub", f->dir);
	rmdir(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Ask server_ctl_answer; return the parsed answer, checking the framing. */
static struct json_object *ask(struct fixture *f, const char *req)
{
	char *ans = server_ctl_answer(&f->s, req, strlen(req));
	struct json_object *o, *ok;
	size_t n;

	assert_non_null(ans);
	n = strlen(ans);
	assert_true(n > 1);
	assert_int_equal(ans[n - 1], '\n');
	assert_null(memchr(ans, '\n', n - 1));      /* exactly one line */
	o = json_tokener_parse(ans);
	free(ans);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	assert_true(json_object_object_get_ex(o, "ok", &ok));
	assert_true(json_object_is_type(ok, json_type_boolean));
	return o;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);
	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static bool is_ok(struct json_object *o)
{
	return json_object_get_boolean(member(o, "ok"));
}

static void assert_error(struct json_object *o, const char *msg)
{
	assert_false(is_ok(o));
	if (!strstr(str(o, "error"), msg))
		fail_msg("error \"%s\", wanted \"%s\"", str(o, "error"), msg);
}

/* ---- answers --------------------------------------------------------------- */

static void test_leases(void **state)
{
	struct fixture *f = *state;
	struct json_object *o = ask(f, "{\"cmd\":\"leases\"}\n"), *arr, *l;

	assert_true(is_ok(o));
	arr = member(o, "leases");
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), 3);

	l = json_object_array_get_idx(arr, 0);
	assert_string_equal(str(l, "addr"), "192.0.2.10");
	assert_string_equal(str(l, "kind"), "ipv4");
	assert_string_equal(str(l, "state"), "bound");
	assert_string_equal(str(l, "client"), "2001:db8::5");
	assert_string_equal(str(l, "duid"), "00030001020000000001");
	assert_int_equal(num(l, "iaid"), 1);
	assert_string_equal(str(l, "tep"), "2001:db8::ffff");
	assert_int_equal(num(l, "expires"), NOW + 7193);
	assert_int_equal(num(l, "remaining"), 7193);
	assert_int_equal(num(l, "preferred"), 3600);
	assert_int_equal(num(l, "valid"), 7200);
	assert_string_equal(str(l, "pool"), "pub");
	assert_true(json_object_get_boolean(member(l, "reconfigure_key")));

	l = json_object_array_get_idx(arr, 1);
	assert_string_equal(str(l, "addr"), "192.0.2.20");
	assert_string_equal(str(l, "state"), "declined");
	assert_null(member(l, "tep"));               /* JSON null */
	assert_int_equal(num(l, "remaining"), 0);    /* past: never negative */
	assert_false(json_object_get_boolean(member(l, "reconfigure_key")));

	l = json_object_array_get_idx(arr, 2);
	assert_string_equal(str(l, "addr"), "2001:db8:1::1234");
	assert_string_equal(str(l, "kind"), "ipv6");
	assert_int_equal(num(l, "iaid"), 7);
	assert_int_equal(num(l, "remaining"), 100);
	json_object_put(o);

	o = ask(f, "{\"cmd\":\"leases\",\"limit\":2}");
	assert_int_equal(json_object_array_length(member(o, "leases")), 2);
	json_object_put(o);
	o = ask(f, "{\"cmd\":\"leases\",\"limit\":99}");
	assert_int_equal(json_object_array_length(member(o, "leases")), 3);
	json_object_put(o);
}

static void test_leases_empty(void **state)
{
	struct fixture *f = *state;
	struct lease_table saved = f->s.leases;
	struct json_object *o;

	assert_int_equal(lease_table_init(&f->s.leases, 1), 0);
	o = ask(f, "{\"cmd\":\"leases\"}");
	assert_true(is_ok(o));
	assert_int_equal(json_object_array_length(member(o, "leases")), 0);
	json_object_put(o);
	lease_table_free(&f->s.leases);
	f->s.leases = saved;
}

static void test_pools(void **state)
{
	struct fixture *f = *state;
	struct json_object *o = ask(f, "{\"cmd\":\"pools\"}"), *arr, *p;

	assert_true(is_ok(o));
	arr = member(o, "pools");
	assert_int_equal(json_object_array_length(arr), 1);
	p = json_object_array_get_idx(arr, 0);
	assert_string_equal(str(p, "link"), "lan0");
	assert_string_equal(str(p, "pool"), "pub");
	assert_string_equal(str(p, "kind"), "ipv4");
	assert_int_equal(num(p, "size"), 254);
	assert_int_equal(num(p, "used"), 2);         /* the declined one included */
	assert_int_equal(num(p, "declined"), 1);
	json_object_put(o);
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	struct json_object *o = ask(f, "{\"cmd\":\"stats\"}"), *st;
	size_t i = 0;

	assert_true(is_ok(o));
	st = member(o, "stats");
	assert_int_equal(json_object_object_length(st), server_stat_count());
	assert_int_equal(num(st, "rx_packets"), 1234);
	assert_int_equal(num(st, "drop_store_error"), 3);
	assert_int_equal(num(st, "tx_reply"), 0);
	/* in the daemon's order */
	json_object_object_foreach(st, key, val) {
		(void)val;
		assert_string_equal(key, server_stat_names[i]);
		i++;
	}
	json_object_put(o);
}

static void test_ping(void **state)
{
	struct fixture *f = *state;
	struct json_object *o = ask(f, "{\"cmd\":\"ping\"}");
	assert_true(is_ok(o));
	assert_int_equal(json_object_object_length(o), 1);
	json_object_put(o);
}

static void test_release(void **state)
{
	struct fixture *f = *state;
	struct json_object *o;
	struct in6_addr a;
	struct lease l;

	o = ask(f, "{\"cmd\":\"release\",\"addr\":\"192.0.2.99\"}");
	assert_error(o, "no such lease");
	json_object_put(o);

	o = ask(f, "{\"cmd\":\"release\",\"addr\":\"192.0.2.10\"}");
	assert_true(is_ok(o));
	json_object_put(o);
	addr_of(&a, "192.0.2.10");
	assert_null(lease_find_addr(&f->s.leases, &a));
	assert_int_equal(store_lease_get(f->s.store, &a, &l), -ENOENT);
	assert_false(pool4_is_used(&f->link.pools4[0], 0xc000020a));
	assert_int_equal(f->s.stats.leases_released, 1);

	/* twice: gone */
	o = ask(f, "{\"cmd\":\"release\",\"addr\":\"::ffff:192.0.2.10\"}");
	assert_error(o, "no such lease");
	json_object_put(o);
}

static void test_reconfigure(void **state)
{
	struct fixture *f = *state;
	struct json_object *o;

	o = ask(f, "{\"cmd\":\"reconfigure\",\"addr\":\"192.0.2.99\"}");
	assert_error(o, "no such client");
	json_object_put(o);
	o = ask(f, "{\"cmd\":\"reconfigure\",\"duid\":\"0003000102000000ffff\"}");
	assert_error(o, "no such client");
	json_object_put(o);
	/* the IPv6 lease's client never sent Reconfigure Accept */
	o = ask(f, "{\"cmd\":\"reconfigure\",\"addr\":\"2001:db8:1::1234\"}");
	assert_error(o, "client did not accept reconfigure (no key)");
	json_object_put(o);
	assert_int_equal(f->sent, 0);

	o = ask(f, "{\"cmd\":\"reconfigure\",\"addr\":\"192.0.2.10\"}");
	assert_true(is_ok(o));
	json_object_put(o);
	assert_int_equal(f->sent, 1);
	assert_int_equal(f->last_tx.buf[0], DHCP6_RECONFIGURE);

	o = ask(f, "{\"cmd\":\"reconfigure\",\"duid\":\"00:03:00:01:02:00:00:00:00:01\"}");
	assert_true(is_ok(o));
	json_object_put(o);
	assert_int_equal(f->sent, 2);
}

static void test_bad_requests(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *req, *msg;
	} bad[] = {
		{ "garbage\n", "invalid JSON" },
		{ "", "empty" },
		{ "[1,2]", "must be a JSON object" },
		{ "{\"cmd\":\"shutdown\"}", "unknown command \"shutdown\"" },
		{ "{\"cmd\":\"leases\",\"limit\":-3}", "must not be negative" },
		{ "{\"cmd\":\"release\"}", "needs \"addr\"" },
		{ "{\"cmd\":\"release\",\"addr\":\"300.1.1.1\"}", "not an IPv4 or IPv6 address" },
		{ "{\"cmd\":\"ping\",\"x\":1}", "unknown key" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct json_object *o = ask(f, bad[i].req);
		assert_error(o, bad[i].msg);
		json_object_put(o);
	}
	/* and it still serves */
	struct json_object *o = ask(f, "{\"cmd\":\"ping\"}");
	assert_true(is_ok(o));
	json_object_put(o);
}

/* ---- the socket -------------------------------------------------------------- */

static int client_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Run the loop while sending out[] and reading until EOF or max_ms. */
static char *exchange(struct event_base *base, int fd, const char *out, size_t outlen,
		      int max_ms)
{
	size_t off = 0, len = 0, cap = 1 << 16;
	char *in = malloc(cap);
	uint64_t end = now_ms_mono() + (uint64_t)max_ms;

	assert_non_null(in);
	while (now_ms_mono() < end) {
		if (off < outlen) {
			ssize_t n = send(fd, out + off, outlen - off, MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				off = outlen;        /* peer closed: stop sending */
		}
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		ssize_t n = recv(fd, in + len, cap - len - 1, 0);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
		else if (errno == EAGAIN)
			usleep(1000);
		else
			break;
	}
	in[len] = '\0';
	return in;
}

static void test_socket(void **state)
{
	struct fixture *f = *state;
	struct event_base *base = event_base_new();
	struct server_ctl *ctl;
	char path[128], *ans;
	struct stat st;
	int fd;

	assert_non_null(base);
	/* the parent directory does not exist yet */
	snprintf(path, sizeof(path), "%s/sub/dstmd.sock", f->dir);
	assert_int_equal(server_ctl_open(&f->s, base, path, &ctl), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	snprintf(path, sizeof(path), "%s/sub", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/sub/dstmd.sock", f->dir);

	/* a live daemon's socket is not taken over */
	struct server_ctl *ctl2;
	assert_int_equal(server_ctl_open(&f->s, base, path, &ctl2), -EADDRINUSE);

	/* one request */
	fd = client_connect(path);
	ans = exchange(base, fd, "{\"cmd\":\"ping\"}\n", 15, 2000);
	assert_string_equal(ans, "{\"ok\":true}\n");
	free(ans);
	close(fd);

	/* without the newline, ended by shutdown */
	fd = client_connect(path);
	assert_int_equal(send(fd, "{\"cmd\":\"stats\"}", 15, 0), 15);
	shutdown(fd, SHUT_WR);
	ans = exchange(base, fd, "", 0, 2000);
	assert_non_null(strstr(ans, "\"rx_packets\":1234"));
	free(ans);
	close(fd);

	/* garbage: an error, and the daemon keeps serving */
	fd = client_connect(path);
	ans = exchange(base, fd, "\x01\x02\xff{{{\n", 7, 2000);
	assert_non_null(strstr(ans, "{\"ok\":false,\"error\":\"invalid JSON"));
	free(ans);
	close(fd);

	/* a request longer than CTL_MSG_MAX */
	size_t big = CTL_MSG_MAX + 100;
	char *junk = malloc(big);
	assert_non_null(junk);
	memset(junk, ' ', big);
	fd = client_connect(path);
	ans = exchange(base, fd, junk, big, 3000);
	assert_non_null(strstr(ans, "request longer than"));
	free(ans);
	free(junk);
	close(fd);

	/* a client that says nothing is dropped after 2 s */
	fd = client_connect(path);
	uint64_t t0 = now_ms_mono();
	ans = exchange(base, fd, "", 0, 4000);
	uint64_t dt = now_ms_mono() - t0;
	assert_true(dt >= 1900 && dt < 3500);
	assert_string_equal(ans, "{\"ok\":false,\"error\":\"timeout\"}\n");
	free(ans);
	close(fd);

	/* still serving */
	fd = client_connect(path);
	ans = exchange(base, fd, "{\"cmd\":\"leases\",\"limit\":1}\n", 27, 2000);
	assert_non_null(strstr(ans, "\"addr\":\"192.0.2.10\""));
	free(ans);
	close(fd);

	server_ctl_close(ctl);
	assert_int_equal(stat(path, &st), -1);        /* socket file removed */
	event_base_free(base);
}

static void test_socket_stale(void **state)
{
	struct fixture *f = *state;
	struct event_base *base = event_base_new();
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct server_ctl *ctl;
	int fd;

	/* a socket file nobody listens on, left by a killed daemon */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/stale.sock", f->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(server_ctl_open(&f->s, base, sun.sun_path, &ctl), 0);
	server_ctl_close(ctl);

	/* a regular file is never removed */
	fd = open(sun.sun_path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(server_ctl_open(&f->s, base, sun.sun_path, &ctl), -EEXIST);
	assert_int_equal(access(sun.sun_path, F_OK), 0);

	/* a path that does not fit in sun_path */
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(server_ctl_open(&f->s, base, longp, &ctl), -ENAMETOOLONG);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_leases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leases_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_stale, setup, teardown),
	};
	log_init("test_dstm_ctl", false, LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
