/* libFuzzer target for src/wire/agentadv.  The input is parsed as an Agent
 * Advertisement (ICMP and IPv4 forms) and as an Agent Solicitation.
 * Invariants: results are 0, -EBADMSG or -ENOMSG with a named reason
 * (NONE exactly on success, NOT_AGENT_ADV exactly with -ENOMSG); a parsed
 * advertisement obeys RFC 5944 2.1.1 (F or H, B and R only with F, a
 * care-of address with F, code 0 or 16, entry size >= 2, prefix lengths
 * 0-32); building it
 * succeeds, is never longer than the input, fails with -ENOBUFS one octet
 * short, and parses back to the same fields (entry size 2, ignored bits
 * zero, at most one padding, no skipped extensions); building that again
 * gives the same bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/agentadv.h"
#include "wire/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_IN 65535

static uint8_t out[4096], out2[4096];
static struct agentadv a, b;

static void same_fields(const struct agentadv *x, const struct agentadv *y)
{
	CHECK(x->code == y->code && x->num_addrs == y->num_addrs);
	CHECK(x->lifetime == y->lifetime && y->entry_size == AGENTADV_ENTRY_SIZE);
	CHECK(memcmp(x->router, y->router, x->num_addrs * sizeof(x->router[0])) == 0);
	CHECK(x->seq == y->seq && x->reg_lifetime == y->reg_lifetime);
	CHECK(x->flags == y->flags && y->flags_ignored == 0);
	CHECK(x->n_coa == y->n_coa && memcmp(x->coa, y->coa, x->n_coa * 4u) == 0);
	CHECK(x->has_prefix_lengths == y->has_prefix_lengths);
	CHECK(!x->has_prefix_lengths || memcmp(x->prefix_len, y->prefix_len, x->num_addrs) == 0);
	CHECK((x->n_pad != 0) == (y->n_pad == 1) && y->n_skipped == 0);
}

static void fuzz_advert(const uint8_t *data, size_t size)
{
	enum agentadv_drop why = AGENTADV_DROP__MAX;
	int r = agentadv_parse(data, size, &a, &why);

	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	CHECK((r == 0) == (why == AGENTADV_DROP_NONE));
	CHECK((r == -ENOMSG) == (why == AGENTADV_DROP_NOT_AGENT_ADV));
	CHECK(strcmp(agentadv_drop_name(why), "unknown") != 0);
	if (r < 0)
		return;
	/* RFC 5944 2.1, 2.1.1 */
	CHECK(a.code == AGENTADV_CODE_ROUTER || a.code == AGENTADV_CODE_NO_COMMON);
	CHECK(a.entry_size >= AGENTADV_ENTRY_SIZE);
	CHECK(a.flags & (AGENTADV_F_F | AGENTADV_F_H));
	CHECK(!(a.flags & (AGENTADV_F_B | AGENTADV_F_R)) || (a.flags & AGENTADV_F_F));
	CHECK(!(a.flags & AGENTADV_F_F) || a.n_coa > 0);
	CHECK((a.flags & ~AGENTADV_F_DEFINED) == 0 && (a.flags_ignored & AGENTADV_F_DEFINED) == 0);
	CHECK(a.n_coa <= AGENTADV_MAX_COA);
	for (unsigned i = 0; a.has_prefix_lengths && i < a.num_addrs; i++)
		CHECK(a.prefix_len[i] <= 32);

	int n = agentadv_build(&a, out, sizeof(out));
	CHECK(n > 0 && (size_t)n <= size);
	CHECK(ip_csum(out, (size_t)n) == 0);
	CHECK(agentadv_build(&a, out2, (size_t)n - 1) == -ENOBUFS);
	r = agentadv_parse(out, (size_t)n, &b, &why);
	CHECK(r == 0 && why == AGENTADV_DROP_NONE);
	same_fields(&a, &b);
	CHECK(agentadv_build(&b, out2, sizeof(out2)) == n && memcmp(out, out2, (size_t)n) == 0);
}

static void fuzz_ip4(const uint8_t *data, size_t size)
{
	enum agentadv_drop why = AGENTADV_DROP__MAX;
	uint8_t ttl = 0;
	int r = agentadv_parse_ip4(data, size, &a, &ttl, &why);

	CHECK(r == 0 || r == -EBADMSG || r == -ENOMSG);
	CHECK((r == 0) == (why == AGENTADV_DROP_NONE));
	CHECK(strcmp(agentadv_drop_name(why), "unknown") != 0);
	if (r == 0)
		CHECK(ttl == data[8]);
}

static void fuzz_solicit(const uint8_t *data, size_t size)
{
	enum agentadv_drop why = AGENTADV_DROP__MAX;
	int r = agentadv_solicit_parse(data, size, &why);

	CHECK(r == 0 || r == -EBADMSG);
	CHECK((r == 0) == (why == AGENTADV_DROP_NONE));
	CHECK(strcmp(agentadv_drop_name(why), "unknown") != 0);
	if (r == 0)
		CHECK(size >= 8 && data[0] == 10 && data[1] == 0 && ip_csum(data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_IN)
		return 0;
	fuzz_advert(data, size);
	fuzz_ip4(data, size);
	fuzz_solicit(data, size);
	return 0;
}
