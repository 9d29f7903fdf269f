/* ds46ctl leases [--limit N]: one line per lease. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_client.h"

int ctl_cmd_leases(struct ctl_client *c, int argc, char **argv)
{
	static const char *const cols[] = {
		"ADDRESS", "KIND", "STATE", "CLIENT", "DUID", ">IAID", "TEP", ">EXPIRES", "POOL",
	};
	struct ctl_req req = { .cmd = CTL_CMD_LEASES };
	struct json_object *resp, *arr;
	struct ctl_table t;
	int ret;

	ret = ctl_client_limit_args(c, argc, argv, &req.limit);
	if (ret != CTL_EXIT_OK)
		return ret;

	ret = ctl_client_query(c, &req, "leases", json_type_array, &resp, &arr);
	if (ret != CTL_EXIT_OK)
		return ret == CTL_EXIT_DONE ? CTL_EXIT_OK : ret;

	ctl_table_init(&t, sizeof(cols) / sizeof(cols[0]), cols);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *l = json_object_array_get_idx(arr, i);
		char iaid[16], expires[32];
		long long rem = ctl_json_int(l, "remaining");

		snprintf(iaid, sizeof(iaid), "%llu", ctl_json_u64(l, "iaid"));
		snprintf(expires, sizeof(expires), "%llds", rem > 0 ? rem : 0);
		const char *row[] = {
			ctl_json_str(l, "addr"),  ctl_json_str(l, "kind"),
			ctl_json_str(l, "state"), ctl_json_str(l, "client"),
			ctl_json_str(l, "duid"),  iaid,
			ctl_json_str(l, "tep"),   expires,
			ctl_json_str(l, "pool"),
		};
		if (ctl_table_add(&t, row) < 0) {
			fprintf(stderr, "%s: out of memory\n", c->prog);
			ctl_table_free(&t);
			json_object_put(resp);
			return CTL_EXIT_FAIL;
		}
	}
	ctl_table_print(&t);
	ctl_table_free(&t);
	json_object_put(resp);
	return CTL_EXIT_OK;
}
