/* ds46ctl stats: the daemon's counters, one per line, in its order. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl_client.h"

int ctl_cmd_stats(struct ctl_client *c, int argc, char **argv)
{
	struct ctl_req req = { .cmd = CTL_CMD_STATS };
	struct json_object *resp, *stats;
	int ret, w = 0;

	if (argc > 1)
		return ctl_client_usage(c, argv[0]);
	ret = ctl_client_query(c, &req, "stats", json_type_object, &resp, &stats);
	if (ret != CTL_EXIT_OK)
		return ret == CTL_EXIT_DONE ? CTL_EXIT_OK : ret;
	json_object_object_foreach(stats, k0, v0) {
		(void)v0;
		if ((int)strlen(k0) > w)
			w = (int)strlen(k0);
	}
	json_object_object_foreach(stats, key, val) {
		if (json_object_is_type(val, json_type_int))
			printf("%-*s  %llu\n", w, key,
			       (unsigned long long)json_object_get_uint64(val));
	}
	json_object_put(resp);
	return CTL_EXIT_OK;
}
