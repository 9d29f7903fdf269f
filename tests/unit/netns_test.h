/* Shared by the unit tests that need root: they run in a private network
 * namespace that main() unshares (nothing to clean up, the host's network
 * untouched), and a test that needs it is skipped, saying why, when that is
 * not possible.  Include after <cmocka.h>. */
#ifndef DS46_TESTS_NETNS_TEST_H
#define DS46_TESTS_NETNS_TEST_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool netns_ok;
static char skip_reason[128] = "not run";

#define NEED_NETNS()                                                           \
	do {                                                                   \
		if (!netns_ok) {                                               \
			print_message("skipped: %s\n", skip_reason);           \
			skip();                                                \
		}                                                              \
	} while (0)

/* Call first in main(): unshare the network namespace (needs root and
 * /dev/net/tun); netns_ok tells whether it worked. */
static inline void netns_enter(const char *prog)
{
	if (geteuid() != 0)
		snprintf(skip_reason, sizeof(skip_reason), "needs root for a private netns");
	else if (unshare(CLONE_NEWNET) < 0)
		snprintf(skip_reason, sizeof(skip_reason), "unshare(CLONE_NEWNET): %s", strerror(errno));
	else if (access("/dev/net/tun", R_OK | W_OK) < 0)
		snprintf(skip_reason, sizeof(skip_reason), "/dev/net/tun: %s", strerror(errno));
	else
		netns_ok = true;
	if (!netns_ok)
		fprintf(stderr, "%s: netns tests skipped: %s\n", prog, skip_reason);
}

#endif
