/* Fuzz the DSTM host's DHCPv6 client state machine (src/dstm/client.c): a
 * sequence of (time advance, datagram) steps drives client_recv and
 * client_timeout from a started (or restored) client.  After every step the
 * state must be legal (STYLE 13):
 *   - the state is a valid enum value;
 *   - client_next_timeout() is in the future or UINT64_MAX;
 *   - every message sent parses with dhcp6_msg_parse, is a client message
 *     with our Client Identifier and, unless an Information-request, an IPv4
 *     IA preceded by a TEP-less IPv4 Global Address option (dstm-04 6.1.1);
 *   - the client holds an IPv4 address exactly when ops->lease reported it
 *     and ops->expired has not taken it back; BOUND implies one.
 *
 * Input: [cfg:1][seed:4][age:1] then steps [flags:1][advance:be16][len:be16]
 * [datagram] (length 0: time only).  cfg bits: 0 on-demand, 1 rapid commit, 2 reconfigure
 * accept, 3 IPv6 IA_NA, 4 restore a lease age seconds old instead of
 * starting.  Step flags: 0 unicast, 1 advance in seconds (else ms),
 * 2 client_stop(release = bit 6) first, 3 client_start first, 4 patch the
 * datagram's xid to the exchange's, 5 sign a Reconfigure's RKAP digest with
 * the client's key (so the fuzzer reaches the accepting paths). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "dstm/client.h"
#include "wire/dhcp6.h"

static const uint8_t client_duid[] = { 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t server_duid[] = { 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x0a };

struct harness {
	struct client c;
	uint32_t rnd;
	bool held;
	uint32_t held_v4;
};
static struct harness h;

static int h_send(void *ctx, const uint8_t *msg, size_t len, const struct in6_addr *dst)
{
	static struct dhcp6_msg m;
	(void)ctx;
	(void)dst;
	if (dhcp6_msg_parse(msg, len, h.c.cfg.ipv4_option_code, &m) < 0)
		abort();
	switch (m.type) {
	case DHCP6_SOLICIT: case DHCP6_REQUEST: case DHCP6_RENEW: case DHCP6_REBIND:
	case DHCP6_RELEASE: case DHCP6_INFORMATION_REQUEST:
		break;
	default:
		abort();
	}
	if (m.clientid.len != sizeof(client_duid) || m.ipv4_dangling)
		abort();
	if (m.type != DHCP6_INFORMATION_REQUEST) {
		if (m.n_ia < 1 || !m.ia[0].ipv4 || m.ia[0].has_tep)
			abort();
		for (uint8_t k = 0; k < m.ia[0].n_addrs; k++)
			if (!in6_is_mapped(&m.ia[0].addrs[k].addr))
				abort();
	}
	if ((m.type == DHCP6_REQUEST || m.type == DHCP6_RENEW || m.type == DHCP6_RELEASE) &&
	    !m.serverid.len)
		abort();
	if ((m.type == DHCP6_SOLICIT || m.type == DHCP6_REBIND) && m.serverid.len)
		abort();
	if (!m.has_elapsed)
		abort();
	return 0;
}

static void h_lease(void *ctx, const struct client_lease *l)
{
	(void)ctx;
	if (l->v4 == 0 || l->valid == 0 || l->t1 > l->t2 || l->t2 > l->valid)
		abort();
	h.held = true;
	h.held_v4 = l->v4;
}

static void h_expired(void *ctx, uint32_t v4, enum client_loss why)
{
	(void)ctx;
	if (!h.held || v4 != h.held_v4 || (unsigned)why >= CLIENT_LOSS_COUNT)
		abort();
	h.held = false;
}

static uint32_t h_rand(void *ctx)
{
	(void)ctx;
	h.rnd = h.rnd * 1103515245u + 12345u;
	return h.rnd >> 1 ^ h.rnd << 17;
}

static void check(uint64_t now)
{
	const struct client *c = &h.c;
	if ((unsigned)c->state >= CLIENT_STATE_COUNT)
		abort();
	uint64_t t = client_next_timeout(c);
	if (t != UINT64_MAX && t <= now)
		abort();
	if (c->has_v4 != h.held || (c->has_v4 && c->v4 != h.held_v4))
		abort();
	if (c->state == CLIENT_BOUND && (!c->has_v4 || !c->lease_reported))
		abort();
	if ((c->state == CLIENT_IDLE || c->state == CLIENT_SOLICITING ||
	     c->state == CLIENT_BACKOFF || c->state == CLIENT_RELEASING) && c->has_v4)
		abort();
	if (c->has_v4 && !(c->t1_at <= c->t2_at && c->t2_at <= c->valid_at))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", false, LOG_CRIT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client_config cfg = { 0 };
	struct client_ops ops = { h_send, h_lease, h_expired, h_rand, NULL };
	uint64_t now = 1000000;
	static uint8_t dg[DHCP6_MAX_MSG];
	size_t off = 6;

	if (size < 6)
		return 0;
	memset(&h, 0, sizeof(h));
	h.rnd = get_be32(data + 1);
	cfg.duid.len = sizeof(client_duid);
	memcpy(cfg.duid.data, client_duid, sizeof(client_duid));
	cfg.iaid4 = 1;
	cfg.on_demand = data[0] & 1;
	cfg.rapid_commit = data[0] & 2;
	cfg.reconfigure_accept = data[0] & 4;
	cfg.want_na = data[0] & 8;
	cfg.iaid_na = 2;
	if (client_init(&h.c, &cfg, &ops) < 0)
		abort();
	if (data[0] & 16) {
		struct client_lease l = {
			.v4 = 0xc000020a, .has_tep = true, .t1 = 100, .t2 = 160,
			.preferred = 200, .valid = 300, .has_reconf_key = true,
			.reconf_key = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
			.reconf_replay = 10,
		};
		l.tep.s6_addr[0] = 0x20;
		l.tep.s6_addr[1] = 0x01;
		l.tep.s6_addr[15] = 1;
		l.server.len = sizeof(server_duid);
		memcpy(l.server.data, server_duid, sizeof(server_duid));
		client_restore(&h.c, &l, now, data[5]);
	} else {
		client_start(&h.c, now);
	}
	check(now);

	while (off + 5 <= size) {
		uint8_t fl = data[off];
		uint64_t adv = get_be16(data + off + 1);
		size_t len = get_be16(data + off + 3);
		off += 5;
		if (len > size - off)
			len = size - off;
		if (len > sizeof(dg))
			len = sizeof(dg);
		memcpy(dg, data + off, len);
		off += len;

		now += fl & 2 ? adv * 1000 : adv;
		client_timeout(&h.c, now);
		check(now);
		if (fl & 4) {
			client_stop(&h.c, now, fl & 64);
			if (!(fl & 64))
				h.held = false;   /* documented: stop without release is silent */
			check(now);
		}
		if (fl & 8) {
			client_start(&h.c, now);
			check(now);
		}
		if ((fl & 16) && len >= DHCP6_MSG_HDR_LEN) {
			dg[1] = (uint8_t)(h.c.x.xid >> 16);
			dg[2] = (uint8_t)(h.c.x.xid >> 8);
			dg[3] = (uint8_t)h.c.x.xid;
		}
		if ((fl & 32) && len >= DHCP6_MSG_HDR_LEN) {
			static struct dhcp6_msg m;
			if (dhcp6_msg_parse(dg, len, h.c.cfg.ipv4_option_code, &m) == 0 && m.has_auth &&
			    m.auth.info_len == 1 + DHCP6_RECONF_KEY_LEN)
				dhcp6_auth_sign(dg, len, m.auth.info_off + 1, h.c.reconf_key);
		}
		if (len == 0)
			continue;         /* a pure time step */
		client_recv(&h.c, now, dg, len, fl & 1);
		check(now);
	}
	return 0;
}
