/* libFuzzer target for src/os/netlink: nl_event_parse() over one netlink
 * datagram (the event socket's input), no sockets.  Walks every message the
 * way a daemon would (going on after -EBADMSG from where the cursor was left)
 * and checks the cursor and what each event carries. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "os/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_DGRAM 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A recv buffer is aligned; so is this one (the parser insists). */
	static uint32_t buf[MAX_DGRAM / 4];
	if (size > MAX_DGRAM)
		return 0;
	memcpy(buf, data, size);
	const uint8_t *b = (const uint8_t *)buf;

	size_t off = 0;
	unsigned steps = 0;
	for (;;) {
		size_t before = off;
		struct nl_event ev;
		int r = nl_event_parse(b, size, &off, &ev);
		CHECK(r == 1 || r == 0 || r == -EBADMSG);
		CHECK(off <= size);
		if (r == 0) {
			CHECK(off == size && before == size);
			break;
		}
		/* Every call but the last consumes at least a header. */
		CHECK(off >= before + 16 || off == size);
		CHECK(off == size || (off & 3) == 0);
		CHECK(++steps <= size / 16 + 1);
		if (r < 0)
			continue;
		switch (ev.type) {
		case NL_EV_ADDR_ADD:
		case NL_EV_ADDR_DEL:
			CHECK(ev.nlmsg_type == RTM_NEWADDR || ev.nlmsg_type == RTM_DELADDR);
			CHECK(ev.addr.family == AF_INET || ev.addr.family == AF_INET6);
			CHECK(ev.prefixlen <= (ev.addr.family == AF_INET ? 32 : 128));
			break;
		case NL_EV_LINK_UP:
		case NL_EV_LINK_DOWN:
		case NL_EV_LINK_DEL:
			CHECK(ev.nlmsg_type == RTM_NEWLINK || ev.nlmsg_type == RTM_DELLINK);
			CHECK(memchr(ev.ifname, '\0', sizeof(ev.ifname)) != NULL);
			CHECK(ev.addr.family == AF_UNSPEC);
			break;
		case NL_EV_OTHER:
			CHECK(ev.addr.family == AF_UNSPEC && ev.ifindex == 0);
			break;
		default:
			abort();
		}
		CHECK(strcmp(nl_event_type_name(ev.type), "?") != 0);
	}
	/* Misaligned input is refused, never read. */
	if (size > 1) {
		size_t o = 0;
		struct nl_event ev;
		CHECK(nl_event_parse(b + 1, size - 1, &o, &ev) == -EINVAL);
	}
	return 0;
}
