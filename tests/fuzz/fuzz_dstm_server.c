/* Fuzz the DSTM server's state machine: a sequence of datagrams goes through
 * server_handle() inside one store transaction, as the I/O layer does, and
 * afterwards the state must be legal (STYLE 13): pools account exactly the
 * leases in the table, the table and the store agree, every lease is
 * findable by its address and of a valid kind/state, and every reply
 * decodes.
 *
 * Input: flags (bit 0: multicast destination, bit 1: received on s0),
 * seconds to advance the clock, then datagrams as [len:be16][bytes]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dstm/config.h"
#include "dstm/server.h"

static struct server srv;
static struct cfg *cfg;

static const char conf_fmt[] =
	"server = { interfaces = [ \"s0\" ]; store = \"%s/fuzz.db\"; store-sync = \"normal\";\n"
	"  duid = \"00:01:00:01:00:00:00:01:02:00:00:00:00:01\"; decline-time = 30; };\n"
	"links = (\n"
	"  { name = \"lan\"; interface = \"s0\"; prefixes = [ \"2001:db8:46::/64\" ];\n"
	"    tep = \"2001:db8:46::ffff\"; t1 = 10; t2 = 16; preferred-lifetime = 20; valid-lifetime = 30;\n"
	"    ipv4-pools = ( { name = \"a\"; ranges = [ \"192.0.2.10-192.0.2.17\" ]; exclude = [ \"192.0.2.12\" ]; } );\n"
	"    ipv6-pools = ( { name = \"na\"; range = \"2001:db8:46::1000-2001:db8:46::100f\"; } ); },\n"
	"  { name = \"far\"; prefixes = [ \"2001:db8:47::/64\" ];\n"
	"    ipv4-pools = ( { name = \"b\"; ranges = [ \"198.51.100.0/30\" ]; tep = \"2001:db8:47::1\"; } ); }\n"
	");\n";

static int nop_send(void *ctx, const struct server_tx *tx)
{
	(void)ctx;
	(void)tx;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/ds46-fuzz-srv-XXXXXX";
	char text[2048], err[256];
	(void)argc;
	(void)argv;
	log_init("fuzz", false, LOG_CRIT);
	if (!mkdtemp(dir))
		abort();
	snprintf(text, sizeof(text), conf_fmt, dir);
	if (cfg_load_string(text, "fuzz.conf", &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	if (server_init(&srv, cfg) < 0)
		abort();
	srv.send = nop_send;
	srv.now = 1000000;
	return 0;
}

struct check {
	uint64_t in_pool4;
	uint64_t n;
};

static int check_lease(struct lease *l, void *arg)
{
	struct check *c = arg;
	c->n++;
	if (lease_find_addr(&srv.leases, &l->addr) != l)
		abort();
	if (l->kind != LEASE_KIND_V4 && l->kind != LEASE_KIND_NA)
		abort();
	if (l->state != LEASE_STATE_BOUND && l->state != LEASE_STATE_DECLINED)
		abort();
	if ((l->kind == LEASE_KIND_V4) != !!in6_is_mapped(&l->addr))
		abort();
	if (l->kind == LEASE_KIND_V4)
		c->in_pool4++;
	return 0;
}

static void check_state(void)
{
	struct check c = { 0 };
	uint64_t used4 = 0, stored = 0;
	lease_foreach(&srv.leases, check_lease, &c);
	if (c.n != srv.leases.count)
		abort();
	for (uint16_t i = 0; i < srv.n_links; i++)
		for (uint8_t j = 0; j < srv.links[i].n_pools4; j++) {
			const struct pool4 *p = &srv.links[i].pools4[j];
			if (p->used > p->size)
				abort();
			used4 += p->used;
		}
	if (used4 != c.in_pool4)
		abort();
	if (store_lease_count(srv.store, &stored) < 0 || stored != c.n)
		abort();
}

static void check_reply(const struct server_tx *tx)
{
	struct dhcp6_msg m;
	struct dhcp6_relay rl;
	if (tx->len < DHCP6_MSG_HDR_LEN || tx->len > DHCP6_MAX_MSG)
		abort();
	if (tx->buf[0] == DHCP6_RELAY_REPL) {
		if (dhcp6_relay_parse(tx->buf, tx->len, &rl) < 0)
			abort();
		return;
	}
	if (dhcp6_msg_parse(tx->buf, tx->len, cfg->server.ipv4_option_code, &m) < 0)
		abort();
	if (m.type != DHCP6_ADVERTISE && m.type != DHCP6_REPLY)
		abort();
	if (m.serverid.len != srv.duid.len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct server_tx tx;
	if (size < 2)
		return 0;
	uint8_t flags = data[0];
	srv.now += data[1];
	size_t off = 2;
	if (store_begin(srv.store) < 0)
		abort();
	while (off + 2 <= size) {
		size_t len = get_be16(data + off);
		off += 2;
		if (len > size - off)
			len = size - off;
		struct server_rx rx = { .buf = data + off, .len = len, .sport = 546,
					.ifindex = 2, .dst_multicast = flags & 1 };
		if (flags & 2)
			strcpy(rx.ifname, "s0");
		rx.src.s6_addr[0] = 0xfe;
		rx.src.s6_addr[1] = 0x80;
		rx.src.s6_addr[15] = (uint8_t)(flags >> 4);
		int r = server_handle(&srv, &rx, &tx);
		if (r > 0)
			check_reply(&tx);
		off += len;
	}
	if (srv.store_failed || store_commit(srv.store) < 0)
		abort();
	if (server_reclaim(&srv) < 0)
		abort();
	check_state();
	return 0;
}
