/* libFuzzer target for the control protocol decoder, ctl_req_parse: the
 * only code in a daemon that reads what a control client sends (STYLE 13).
 *
 * Beyond "no crash": a refused request leaves a zeroed struct and a
 * message; an accepted one has a known command, only the arguments that
 * command takes, a DUID of 1..DHCP6_DUID_MAX octets, and survives
 * ctl_req_format -> ctl_req_parse unchanged. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void assert_same(const struct ctl_req *a, const struct ctl_req *b)
{
	assert(a->cmd == b->cmd);
	assert(a->has_addr == b->has_addr);
	assert(!a->has_addr || memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0);
	assert(a->has_duid == b->has_duid);
	assert(a->duid.len == b->duid.len);
	assert(memcmp(a->duid.data, b->duid.data, a->duid.len) == 0);
	assert(a->limit == b->limit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ctl_req zero;
	struct ctl_req r, r2;
	char err[160], err2[160];
	char line[512];
	int ret, n;

	if (size > CTL_MSG_MAX + 16)
		return 0;
	ret = ctl_req_parse((const char *)data, size, &r, err, sizeof(err));
	if (ret < 0) {
		assert(ret == -EINVAL || ret == -ENOMEM);
		assert(memcmp(&r, &zero, sizeof(r)) == 0);
		assert(ret != -EINVAL || (err[0] && memchr(err, '\0', sizeof(err))));
		return 0;
	}
	assert(ret == 0);
	assert(ctl_cmd_name(r.cmd) != NULL);
	assert(!r.has_duid || (r.duid.len >= 1 && r.duid.len <= DHCP6_DUID_MAX));
	assert(r.has_duid || r.duid.len == 0);
	switch (r.cmd) {
	case CTL_CMD_LEASES:
	case CTL_CMD_BINDINGS:
	case CTL_CMD_MOBILITY:
	case CTL_CMD_VISITORS:
		assert(!r.has_addr && !r.has_duid);
		break;
	case CTL_CMD_RELEASE:
		assert(r.has_addr && !r.has_duid && r.limit == 0);
		break;
	case CTL_CMD_RECONFIGURE:
		assert(r.has_addr != r.has_duid && r.limit == 0);
		break;
	case CTL_CMD_POOLS:
	case CTL_CMD_STATS:
	case CTL_CMD_PING:
		assert(!r.has_addr && !r.has_duid && r.limit == 0);
		break;
	default:
		abort();
	}

	/* round trip */
	n = ctl_req_format(&r, line, sizeof(line));
	assert(n > 0 && (size_t)n < sizeof(line) && line[n - 1] == '\n');
	assert(strlen(line) == (size_t)n);
	ret = ctl_req_parse(line, (size_t)n, &r2, err2, sizeof(err2));
	assert(ret == 0);
	assert_same(&r, &r2);
	return 0;
}
