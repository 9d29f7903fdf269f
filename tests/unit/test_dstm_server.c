/* Unit tests of the DSTM server's protocol logic (src/dstm/server.c): whole
 * DHCPv6 exchanges fed to server_handle(), replies decoded with the wire
 * codec, leases checked in the store.  Named after the sections they prove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "dstm/config.h"
#include "dstm/server.h"
#include "wire/dhcp6.h"

#define V4CODE 65046

#define CONF_TEXT \
	"server = {\n" \
	"  store = \"%s/leases.db\";\n" \
	"  interfaces = [ \"s0\" ];\n" \
	"  store-sync = \"normal\";\n" \
	"  control-socket = \"%s/ctl.sock\";\n" \
	"  decline-time = 600;\n" \
	"};\n" \
	"links = (\n" \
	"  { name = \"lan\"; interface = \"s0\"; prefixes = [ \"2001:db8:46::/64\" ];\n" \
	"    tep = \"2001:db8:46::ffff\";\n" \
	"    t1 = 100; t2 = 160; preferred-lifetime = 200; valid-lifetime = 300;\n" \
	"    ipv4-pools = ( { name = \"v4\"; ranges = [ \"192.0.2.10-192.0.2.12\" ]; } );\n" \
	"    ipv6-pools = ( { name = \"na\"; range = \"2001:db8:46::1000-2001:db8:46::1fff\";\n" \
	"                     t1 = 50; t2 = 80; valid-lifetime = 250; } );\n" \
	"  },\n" \
	"  { name = \"far\"; prefixes = [ \"2001:db8:47::/64\" ];\n" \
	"    ipv4-pools = ( { name = \"far4\"; ranges = [ \"198.51.100.0/30\" ];\n" \
	"                     tep = \"2001:db8:47::1\"; } );\n" \
	"  }\n" \
	");\n"

struct fx {
	char dir[64];
	struct cfg *cfg;
	struct server s;
	struct server_tx sent;      /* what the send hook got (Reconfigure) */
	int n_sent;
};

static int fx_send(void *ctx, const struct server_tx *tx)
{
	struct fx *f = ctx;
	f->sent = *tx;
	f->n_sent++;
	return 0;
}

static void fx_start(struct fx *f)
{
	char err[256];
	assert_int_equal(server_init(&f->s, f->cfg), 0);
	f->s.send = fx_send;
	f->s.send_ctx = f;
	f->s.now = 1000000;
	f->s.links[0].ifindex = 7;   /* "s0", as the I/O layer would set it */
	(void)err;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char text[4096], err[256];
	strcpy(f->dir, "/tmp/ds46-srv-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(text, sizeof(text), CONF_TEXT, f->dir, f->dir);
	assert_int_equal(cfg_load_string(text, "test.conf", &f->cfg, err, sizeof(err)), 0);
	fx_start(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	server_free(&f->s);
	cfg_free(f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* ---- building client messages -------------------------------------------- */

static const uint8_t client_duid[] = { 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

struct msgb {
	uint8_t buf[1500];
	struct dhcp6_buf b;
};

static void mb_start(struct msgb *m, uint8_t type, const uint8_t *duid, size_t duid_len)
{
	dhcp6_buf_init(&m->b, m->buf, sizeof(m->buf));
	assert_int_equal(dhcp6_put_msg_hdr(&m->b, type, 0x123456), 0);
	assert_int_equal(dhcp6_put_opt(&m->b, DHCP6_OPT_CLIENTID, duid, (uint16_t)duid_len), 0);
}

static void mb_serverid(struct msgb *m, const struct dhcp6_duid *d)
{
	assert_int_equal(dhcp6_put_duid(&m->b, DHCP6_OPT_SERVERID, d), 0);
}

/* IA_NA, preceded by the IPv4 Global Address option when v4 (dstm-04 6.1.1:
 * the client's option has no TEP). */
static void mb_ia(struct msgb *m, bool v4, uint32_t iaid, const struct in6_addr *hint)
{
	size_t mark;
	if (v4)
		assert_int_equal(dhcp6_put_ipv4_global(&m->b, V4CODE, NULL), 0);
	assert_int_equal(dhcp6_put_ia_begin(&m->b, DHCP6_OPT_IA_NA, iaid, 0, 0, &mark), 0);
	if (hint)
		assert_int_equal(dhcp6_put_iaaddr(&m->b, hint, 0, 0, -1, NULL), 0);
	assert_int_equal(dhcp6_opt_end(&m->b, mark), 0);
}

static int deliver(struct fx *f, const uint8_t *buf, size_t len, bool multicast,
		   struct server_tx *tx)
{
	struct server_rx rx = { .buf = buf, .len = len, .sport = 546, .ifindex = 7,
				.dst_multicast = multicast };
	strcpy(rx.ifname, "s0");
	inet_pton(AF_INET6, "fe80::2", &rx.src);
	return server_handle(&f->s, &rx, tx);
}

static void parse_reply(const struct server_tx *tx, struct dhcp6_msg *m)
{
	assert_int_equal(dhcp6_msg_parse(tx->buf, tx->len, V4CODE, m), 0);
}

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}
/* address of a compound literal holding a6(s), for memory comparisons */
#define ADDR(e) (&(struct in6_addr[1]){ e }[0])

/* ---- dstm-04 6.1.2 / 6.2: the DSTM exchange --------------------------------- */

static void sec_6_1_2_advertise_has_option_and_mapped_address(void **state)
{
	struct fx *f = *state;
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_msg m;

	mb_start(&q, DHCP6_SOLICIT, client_duid, sizeof(client_duid));
	mb_ia(&q, true, 1, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &m);
	assert_int_equal(m.type, DHCP6_ADVERTISE);
	assert_int_equal(m.xid, 0x123456);
	assert_int_equal(m.n_ia, 1);
	assert_true(m.ia[0].ipv4);                   /* option right before the IA */
	assert_true(m.ia[0].has_tep);                /* 6.2: TEP for this prefix */
	assert_memory_equal(&m.ia[0].tep, ADDR(a6("2001:db8:46::ffff")), 16);
	assert_int_equal(m.ia[0].n_addrs, 1);
	assert_true(in6_is_mapped(&m.ia[0].addrs[0].addr));
	assert_int_equal(in6_mapped_v4(&m.ia[0].addrs[0].addr), 0xc000020a);  /* 192.0.2.10 */
	assert_int_equal(m.ia[0].t1, 100);
	assert_int_equal(m.ia[0].t2, 160);
	assert_int_equal(m.ia[0].addrs[0].preferred, 200);
	assert_int_equal(m.ia[0].addrs[0].valid, 300);
	assert_memory_equal(m.clientid.data, client_duid, sizeof(client_duid));
	assert_int_equal(f->s.leases.count, 0);      /* Advertise commits nothing */
	assert_memory_equal(&tx.dst, ADDR(a6("fe80::2")), 16);
	assert_int_equal(tx.dport, 546);
	assert_int_equal(tx.ifindex, 7);
}

/* Solicit -> Advertise -> Request -> Reply, the lease in the store. */
static int dstm_request(struct fx *f, const uint8_t *duid, size_t dlen, uint32_t iaid,
			struct dhcp6_msg *reply)
{
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_msg adv;
	mb_start(&q, DHCP6_SOLICIT, duid, dlen);
	mb_ia(&q, true, iaid, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &adv);
	mb_start(&q, DHCP6_REQUEST, duid, dlen);
	mb_serverid(&q, &adv.serverid);
	mb_ia(&q, true, iaid, adv.ia[0].n_addrs ? &adv.ia[0].addrs[0].addr : NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, reply);
	assert_int_equal(reply->type, DHCP6_REPLY);
	return 0;
}

static void sec_6_2_request_reply_assigns_ipv4_and_persists(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg m;
	struct lease l;
	dstm_request(f, client_duid, sizeof(client_duid), 1, &m);
	assert_int_equal(m.n_ia, 1);
	assert_true(m.ia[0].ipv4);
	assert_true(m.ia[0].has_tep);
	assert_int_equal(in6_mapped_v4(&m.ia[0].addrs[0].addr), 0xc000020a);
	assert_int_equal(f->s.leases.count, 1);
	assert_int_equal(store_lease_get(f->s.store, &m.ia[0].addrs[0].addr, &l), 0);
	assert_int_equal(l.kind, LEASE_KIND_V4);
	assert_int_equal(l.iaid, 1);
	assert_int_equal(l.expires, 1000000 + 300);
	assert_true(l.has_tep);
	assert_memory_equal(&l.client_addr, ADDR(a6("fe80::2")), 16);
	assert_int_equal(f->s.stats.leases_v4_assigned, 1);
}

static void rfc8415_18_3_1_rapid_commit(void **state)
{
	struct fx *f = *state;
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_msg m;
	mb_start(&q, DHCP6_SOLICIT, client_duid, sizeof(client_duid));
	assert_int_equal(dhcp6_put_opt(&q.b, DHCP6_OPT_RAPID_COMMIT, NULL, 0), 0);
	mb_ia(&q, true, 1, NULL);
	mb_ia(&q, false, 2, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &m);
	assert_int_equal(m.type, DHCP6_REPLY);
	assert_true(m.rapid_commit);
	assert_int_equal(m.n_ia, 2);
	assert_true(m.ia[0].ipv4);
	assert_false(m.ia[1].ipv4);                  /* 6.1: applies to the next IA only */
	/* per-pool lifetimes; RFC 8415 18.3.2: one T1/T2 for all IAs, the
	 * smallest (the IPv6 pool's 50/80, not the IPv4 pool's 100/160) */
	assert_int_equal(m.ia[0].addrs[0].valid, 300);
	assert_int_equal(m.ia[1].addrs[0].valid, 250);
	assert_int_equal(m.ia[0].t1, 50);
	assert_int_equal(m.ia[0].t2, 80);
	assert_int_equal(m.ia[1].t1, 50);
	assert_int_equal(m.ia[1].t2, 80);
	assert_false(in6_is_mapped(&m.ia[1].addrs[0].addr));
	assert_true(in6_prefix_match(&m.ia[1].addrs[0].addr, ADDR(a6("2001:db8:46::1000")), 116));
	assert_int_equal(f->s.leases.count, 2);
}

static void rfc8415_18_3_4_renew_extends(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg m, r;
	struct msgb q;
	struct server_tx tx;
	struct lease l;
	dstm_request(f, client_duid, sizeof(client_duid), 1, &m);
	f->s.now += 150;
	mb_start(&q, DHCP6_RENEW, client_duid, sizeof(client_duid));
	mb_serverid(&q, &m.serverid);
	mb_ia(&q, true, 1, &m.ia[0].addrs[0].addr);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &r);
	assert_int_equal(r.n_ia, 1);
	assert_memory_equal(&r.ia[0].addrs[0].addr, &m.ia[0].addrs[0].addr, 16);
	assert_int_equal(r.ia[0].addrs[0].valid, 300);
	assert_int_equal(store_lease_get(f->s.store, &m.ia[0].addrs[0].addr, &l), 0);
	assert_int_equal(l.expires, 1000000 + 150 + 300);
	assert_int_equal(f->s.stats.leases_renewed, 1);
}

static void rfc8415_18_3_7_release_frees(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg m, r;
	struct msgb q;
	struct server_tx tx;
	struct lease l;
	dstm_request(f, client_duid, sizeof(client_duid), 1, &m);
	mb_start(&q, DHCP6_RELEASE, client_duid, sizeof(client_duid));
	mb_serverid(&q, &m.serverid);
	mb_ia(&q, true, 1, &m.ia[0].addrs[0].addr);
	mb_ia(&q, true, 9, &m.ia[0].addrs[0].addr);     /* not bound: NoBinding */
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &r);
	assert_true(r.has_status);
	assert_int_equal(r.status, DHCP6_STATUS_SUCCESS);
	assert_int_equal(r.n_ia, 1);
	assert_int_equal(r.ia[0].iaid, 9);
	assert_int_equal(r.ia[0].status, DHCP6_STATUS_NOBINDING);
	assert_int_equal(f->s.leases.count, 0);
	assert_int_equal(store_lease_get(f->s.store, &m.ia[0].addrs[0].addr, &l), -ENOENT);
	/* the address is free again; the pool hands out freed addresses last
	 * (rotating cursor), so the third new client of this 3-address pool
	 * gets it */
	for (uint8_t i = 0; i < 3; i++) {
		uint8_t other[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, (uint8_t)(2 + i) };
		dstm_request(f, other, sizeof(other), 1, &r);
		assert_int_equal(r.ia[0].n_addrs, 1);
	}
	assert_memory_equal(&r.ia[0].addrs[0].addr, &m.ia[0].addrs[0].addr, 16);
}

static void rfc8415_18_3_8_decline_quarantines(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg m, r;
	struct msgb q;
	struct server_tx tx;
	struct lease l;
	dstm_request(f, client_duid, sizeof(client_duid), 1, &m);
	mb_start(&q, DHCP6_DECLINE, client_duid, sizeof(client_duid));
	mb_serverid(&q, &m.serverid);
	mb_ia(&q, true, 1, &m.ia[0].addrs[0].addr);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &r);
	assert_int_equal(r.status, DHCP6_STATUS_SUCCESS);
	assert_int_equal(store_lease_get(f->s.store, &m.ia[0].addrs[0].addr, &l), 0);
	assert_int_equal(l.state, LEASE_STATE_DECLINED);
	assert_int_equal(l.expires, 1000000 + 600);
	/* another client never gets the declined address */
	uint8_t other[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 2 };
	dstm_request(f, other, sizeof(other), 1, &r);
	assert_memory_not_equal(&r.ia[0].addrs[0].addr, &m.ia[0].addrs[0].addr, 16);
	/* until the quarantine ends */
	f->s.now += 601;
	assert_true(server_reclaim(&f->s) >= 1);
	assert_int_equal(store_lease_get(f->s.store, &m.ia[0].addrs[0].addr, &l), -ENOENT);
}

static void rfc8415_18_3_9_exhaustion_gives_noaddrsavail(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg r;
	for (uint8_t i = 0; i < 3; i++) {      /* the pool has 3 addresses */
		uint8_t d[] = { 0, 3, 0, 1, 2, 0, 0, 0, 1, i };
		dstm_request(f, d, sizeof(d), 1, &r);
		assert_int_equal(r.ia[0].n_addrs, 1);
	}
	uint8_t d4[] = { 0, 3, 0, 1, 2, 0, 0, 0, 1, 9 };
	dstm_request(f, d4, sizeof(d4), 1, &r);
	assert_int_equal(r.n_ia, 1);
	assert_int_equal(r.ia[0].n_addrs, 0);
	assert_true(r.ia[0].has_status);
	assert_int_equal(r.ia[0].status, DHCP6_STATUS_NOADDRSAVAIL);
	assert_true(f->s.stats.noaddrsavail >= 1);
}

/* RFC 8415 19.3 / 13.1: link chosen by the relay's link-address, reply
 * wrapped in Relay-Reply with the Interface-Id echoed. */
static void rfc8415_19_relay_selects_pool_and_wraps_reply(void **state)
{
	struct fx *f = *state;
	struct msgb inner;
	uint8_t outer[1600];
	struct dhcp6_buf b;
	struct server_tx tx;
	struct dhcp6_relay rl;
	struct dhcp6_msg m;
	struct in6_addr link = a6("2001:db8:47::1"), peer = a6("fe80::99");
	static const uint8_t ifid[] = { 'p', 'o', 'r', 't', '7' };

	mb_start(&inner, DHCP6_SOLICIT, client_duid, sizeof(client_duid));
	assert_int_equal(dhcp6_put_opt(&inner.b, DHCP6_OPT_RAPID_COMMIT, NULL, 0), 0);
	mb_ia(&inner, true, 5, NULL);
	dhcp6_buf_init(&b, outer, sizeof(outer));
	assert_int_equal(dhcp6_put_relay_hdr(&b, DHCP6_RELAY_FORW, 0, &link, &peer), 0);
	assert_int_equal(dhcp6_put_opt(&b, DHCP6_OPT_INTERFACE_ID, ifid, sizeof(ifid)), 0);
	assert_int_equal(dhcp6_put_opt(&b, DHCP6_OPT_RELAY_MSG, inner.buf, (uint16_t)inner.b.len), 0);

	struct server_rx rx = { .buf = outer, .len = b.len, .sport = 547, .dst_multicast = false };
	rx.src = a6("2001:db8:ff::7");
	assert_int_equal(server_handle(&f->s, &rx, &tx), 1);
	assert_memory_equal(&tx.dst, &rx.src, 16);
	assert_int_equal(tx.dport, 547);
	assert_int_equal(dhcp6_relay_parse(tx.buf, tx.len, &rl), 0);
	assert_int_equal(rl.type, DHCP6_RELAY_REPL);
	assert_memory_equal(&rl.peer, &peer, 16);
	assert_int_equal(rl.interface_id_len, sizeof(ifid));
	assert_memory_equal(rl.interface_id, ifid, sizeof(ifid));
	assert_int_equal(dhcp6_msg_parse(rl.relay_msg, rl.relay_msg_len, V4CODE, &m), 0);
	assert_int_equal(m.type, DHCP6_REPLY);
	assert_int_equal(in6_mapped_v4(&m.ia[0].addrs[0].addr) & 0xfffffffc, 0xc6336400);
	assert_memory_equal(&m.ia[0].tep, ADDR(a6("2001:db8:47::1")), 16);
	/* the lease remembers the relay, for Reconfigure (RFC 8415 18.3.11) */
	struct lease *l = lease_find_addr(&f->s.leases, &m.ia[0].addrs[0].addr);
	assert_non_null(l);
	assert_true(l->has_relay);
	assert_memory_equal(&l->client_addr, &peer, 16);
}

static void rfc8415_19_relay_nesting_past_hop_limit_dropped(void **state)
{
	struct fx *f = *state;
	struct msgb inner;
	uint8_t a[1500], bb[1500];
	size_t len;
	struct in6_addr z = { 0 };
	struct server_tx tx;
	mb_start(&inner, DHCP6_SOLICIT, client_duid, sizeof(client_duid));
	memcpy(a, inner.buf, inner.b.len);
	len = inner.b.len;
	for (int i = 0; i < DHCP6_HOP_COUNT_LIMIT + 2; i++) {
		struct dhcp6_buf b;
		dhcp6_buf_init(&b, bb, sizeof(bb));
		assert_int_equal(dhcp6_put_relay_hdr(&b, DHCP6_RELAY_FORW, (uint8_t)i, &z, &z), 0);
		assert_int_equal(dhcp6_put_opt(&b, DHCP6_OPT_RELAY_MSG, a, (uint16_t)len), 0);
		memcpy(a, bb, b.len);
		len = b.len;
	}
	assert_int_equal(deliver(f, a, len, false, &tx), 0);
	assert_int_equal(f->s.stats.drop_relay_hops, 1);
}

static void rfc8415_18_4_unicast_request_gets_usemulticast(void **state)
{
	struct fx *f = *state;
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_msg m;
	mb_start(&q, DHCP6_REQUEST, client_duid, sizeof(client_duid));
	mb_serverid(&q, &f->s.duid);
	mb_ia(&q, true, 1, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, false, &tx), 1);
	parse_reply(&tx, &m);
	assert_int_equal(m.status, DHCP6_STATUS_USEMULTICAST);
	assert_int_equal(m.n_ia, 0);
	assert_int_equal(f->s.leases.count, 0);
	/* RFC 8415 16: a unicast Solicit is discarded */
	mb_start(&q, DHCP6_SOLICIT, client_duid, sizeof(client_duid));
	assert_int_equal(deliver(f, q.buf, q.b.len, false, &tx), 0);
}

static void rfc8415_16_bad_input_dropped_and_counted(void **state)
{
	struct fx *f = *state;
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_duid other = { .len = 4, .data = { 0, 4, 1, 2 } };
	uint8_t shortmsg[] = { DHCP6_SOLICIT, 0, 0 };
	/* truncated */
	assert_int_equal(deliver(f, shortmsg, sizeof(shortmsg), true, &tx), 0);
	assert_int_equal(f->s.stats.drop_truncated, 1);
	/* option length past the end */
	uint8_t bad[] = { DHCP6_SOLICIT, 1, 2, 3, /* CLIENTID */ 0, 1, 0, 40, 0, 3 };
	assert_int_equal(deliver(f, bad, sizeof(bad), true, &tx), 0);
	assert_int_equal(f->s.stats.drop_malformed_option, 1);
	/* unknown message type */
	uint8_t unk[] = { 200, 1, 2, 3 };
	assert_int_equal(deliver(f, unk, sizeof(unk), true, &tx), 0);
	assert_int_equal(f->s.stats.drop_unknown_type, 1);
	/* a server's message */
	uint8_t adv[] = { DHCP6_ADVERTISE, 1, 2, 3 };
	assert_int_equal(deliver(f, adv, sizeof(adv), true, &tx), 0);
	assert_int_equal(f->s.stats.drop_server_message, 1);
	/* Request for another server */
	mb_start(&q, DHCP6_REQUEST, client_duid, sizeof(client_duid));
	mb_serverid(&q, &other);
	mb_ia(&q, true, 1, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 0);
	assert_int_equal(f->s.stats.drop_wrong_serverid, 1);
	/* Solicit with a Server Identifier (RFC 8415 16.2) */
	mb_start(&q, DHCP6_SOLICIT, client_duid, sizeof(client_duid));
	mb_serverid(&q, &f->s.duid);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 0);
	assert_int_equal(f->s.stats.drop_unexpected_serverid, 1);
	/* Solicit without Client Identifier */
	uint8_t nocid[] = { DHCP6_SOLICIT, 1, 2, 3 };
	assert_int_equal(deliver(f, nocid, sizeof(nocid), true, &tx), 0);
	assert_int_equal(f->s.stats.drop_no_clientid, 1);
	/* oversized */
	static uint8_t big[DHCP6_MAX_MSG + 1];
	big[0] = DHCP6_SOLICIT;
	assert_int_equal(deliver(f, big, sizeof(big), true, &tx), 0);
	assert_int_equal(f->s.stats.drop_oversized, 1);
	assert_int_equal(f->s.leases.count, 0);
}

static void rfc8415_18_3_3_confirm(void **state)
{
	struct fx *f = *state;
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_msg m;
	struct in6_addr on = a6("::ffff:192.0.2.11"), off = a6("::ffff:203.0.113.1");
	mb_start(&q, DHCP6_CONFIRM, client_duid, sizeof(client_duid));
	mb_ia(&q, true, 1, &on);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &m);
	assert_int_equal(m.status, DHCP6_STATUS_SUCCESS);
	mb_start(&q, DHCP6_CONFIRM, client_duid, sizeof(client_duid));
	mb_ia(&q, true, 1, &off);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &m);
	assert_int_equal(m.status, DHCP6_STATUS_NOTONLINK);
	/* no addresses: no reply (18.3.3) */
	mb_start(&q, DHCP6_CONFIRM, client_duid, sizeof(client_duid));
	mb_ia(&q, true, 1, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 0);
}

static void rfc8415_18_3_2_request_off_link_address_notonlink(void **state)
{
	struct fx *f = *state;
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_msg m;
	struct in6_addr off = a6("::ffff:203.0.113.1");
	mb_start(&q, DHCP6_REQUEST, client_duid, sizeof(client_duid));
	mb_serverid(&q, &f->s.duid);
	mb_ia(&q, true, 1, &off);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &m);
	assert_int_equal(m.ia[0].status, DHCP6_STATUS_NOTONLINK);
	assert_int_equal(f->s.leases.count, 0);
}

static void lease_expiry_reclaims(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg m;
	dstm_request(f, client_duid, sizeof(client_duid), 1, &m);
	f->s.now += 299;
	assert_int_equal(server_reclaim(&f->s), 0);
	f->s.now += 2;
	assert_int_equal(server_reclaim(&f->s), 1);
	assert_int_equal(f->s.leases.count, 0);
	assert_int_equal(f->s.stats.leases_expired, 1);
	uint64_t n = 99;
	assert_int_equal(store_lease_count(f->s.store, &n), 0);
	assert_int_equal(n, 0);
}

/* dstm-04 6.2 + RFC 8415 18.3.11/20.4: a Reconfigure asking the client to
 * Renew with the IPv4 Global Address option in the ORO, signed with the key
 * given in the Reply; the client's Renew then gets an IPv4 address. */
static void sec_6_2_reconfigure_with_ipv4_option(void **state)
{
	struct fx *f = *state;
	struct msgb q;
	struct server_tx tx;
	struct dhcp6_msg m, rc;
	/* the client takes an IPv6 address and accepts reconfiguration */
	mb_start(&q, DHCP6_SOLICIT, client_duid, sizeof(client_duid));
	assert_int_equal(dhcp6_put_opt(&q.b, DHCP6_OPT_RAPID_COMMIT, NULL, 0), 0);
	assert_int_equal(dhcp6_put_opt(&q.b, DHCP6_OPT_RECONF_ACCEPT, NULL, 0), 0);
	mb_ia(&q, false, 2, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &m);
	assert_true(m.reconf_accept);
	assert_true(m.has_auth);
	assert_int_equal(m.auth.protocol, DHCP6_AUTH_PROTO_RECONFIGURE);
	assert_int_equal(m.auth.info_len, 17);
	assert_int_equal(m.auth.info[0], DHCP6_RKAP_TYPE_KEY);
	uint8_t key[16];
	memcpy(key, m.auth.info + 1, 16);

	/* operator: reconfigure the client holding this address */
	assert_int_equal(server_reconfigure(&f->s, &m.ia[0].addrs[0].addr, NULL), 0);
	assert_int_equal(f->n_sent, 1);
	assert_int_equal(f->sent.dport, 546);
	assert_memory_equal(&f->sent.dst, ADDR(a6("fe80::2")), 16);
	assert_int_equal(f->sent.ifindex, 7);        /* link-local: through s0 */
	assert_int_equal(dhcp6_msg_parse(f->sent.buf, f->sent.len, V4CODE, &rc), 0);
	assert_int_equal(rc.type, DHCP6_RECONFIGURE);
	assert_int_equal(rc.xid, 0);
	assert_true(rc.has_reconf_msg);
	assert_int_equal(rc.reconf_msg, DHCP6_RENEW);
	assert_int_equal(rc.n_oro, 1);
	assert_int_equal(rc.oro[0], V4CODE);
	assert_int_equal(dhcp6_auth_verify(f->sent.buf, f->sent.len, &rc.auth, key), 0);
	key[0] ^= 1;
	assert_int_equal(dhcp6_auth_verify(f->sent.buf, f->sent.len, &rc.auth, key), -EPERM);

	/* retransmitted after REC_TIMEOUT until the client answers */
	server_tick(&f->s, now_ms_mono() + 2500);
	assert_int_equal(f->n_sent, 2);
	mb_start(&q, DHCP6_RENEW, client_duid, sizeof(client_duid));
	mb_serverid(&q, &f->s.duid);
	mb_ia(&q, false, 2, &m.ia[0].addrs[0].addr);
	mb_ia(&q, true, 3, NULL);
	assert_int_equal(deliver(f, q.buf, q.b.len, true, &tx), 1);
	parse_reply(&tx, &m);
	assert_int_equal(m.n_ia, 2);
	assert_true(m.ia[1].ipv4);
	assert_true(in6_is_mapped(&m.ia[1].addrs[0].addr));
	assert_int_equal(f->s.n_reconf, 0);
	server_tick(&f->s, now_ms_mono() + 60000);
	assert_int_equal(f->n_sent, 2);
}

static void reconfigure_refused_without_key(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg m;
	dstm_request(f, client_duid, sizeof(client_duid), 1, &m);
	assert_int_equal(server_reconfigure(&f->s, &m.ia[0].addrs[0].addr, NULL), -EPERM);
	struct in6_addr none = a6("::ffff:192.0.2.200");
	assert_int_equal(server_reconfigure(&f->s, &none, NULL), -ENOENT);
	assert_int_equal(f->n_sent, 0);
}

/* Leases and the server DUID survive a restart (the store is the truth). */
static void restart_keeps_leases_and_duid(void **state)
{
	struct fx *f = *state;
	struct dhcp6_msg m;
	struct dhcp6_duid duid = f->s.duid;
	dstm_request(f, client_duid, sizeof(client_duid), 1, &m);
	server_free(&f->s);
	fx_start(f);
	assert_int_equal(f->s.leases.count, 1);
	assert_memory_equal(f->s.duid.data, duid.data, duid.len);
	struct lease *l = lease_find_addr(&f->s.leases, &m.ia[0].addrs[0].addr);
	assert_non_null(l);
	/* the pool knows the address is taken */
	uint8_t other[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 2 };
	struct dhcp6_msg r;
	dstm_request(f, other, sizeof(other), 1, &r);
	assert_memory_not_equal(&r.ia[0].addrs[0].addr, &m.ia[0].addrs[0].addr, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(n) cmocka_unit_test_setup_teardown(n, setup, teardown)
		T(sec_6_1_2_advertise_has_option_and_mapped_address),
		T(sec_6_2_request_reply_assigns_ipv4_and_persists),
		T(rfc8415_18_3_1_rapid_commit),
		T(rfc8415_18_3_4_renew_extends),
		T(rfc8415_18_3_7_release_frees),
		T(rfc8415_18_3_8_decline_quarantines),
		T(rfc8415_18_3_9_exhaustion_gives_noaddrsavail),
		T(rfc8415_19_relay_selects_pool_and_wraps_reply),
		T(rfc8415_19_relay_nesting_past_hop_limit_dropped),
		T(rfc8415_18_4_unicast_request_gets_usemulticast),
		T(rfc8415_16_bad_input_dropped_and_counted),
		T(rfc8415_18_3_3_confirm),
		T(rfc8415_18_3_2_request_off_link_address_notonlink),
		T(lease_expiry_reclaims),
		T(sec_6_2_reconfigure_with_ipv4_option),
		T(reconfigure_refused_without_key),
		T(restart_keeps_leases_and_duid),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
