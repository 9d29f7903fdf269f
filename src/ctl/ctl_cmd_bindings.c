/* ds46ctl bindings [--limit N]: the border router's (ds46-tepd) bindings,
 * one line per IPv4 address with the host it is tunnelled to. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_client.h"

int ctl_cmd_bindings(struct ctl_client *c, int argc, char **argv)
{
	static const char *const cols[] = {
		"ADDRESS", "HOST", ">EXPIRES", ">PKTS-IN", ">BYTES-IN", ">PKTS-OUT", ">BYTES-OUT",
	};
	struct ctl_req req = { .cmd = CTL_CMD_BINDINGS };
	struct json_object *resp, *arr;
	struct ctl_table t;
	int ret;

	ret = ctl_client_limit_args(c, argc, argv, &req.limit);
	if (ret != CTL_EXIT_OK)
		return ret;

	ret = ctl_client_query(c, &req, "bindings", json_type_array, &resp, &arr);
	if (ret != CTL_EXIT_OK)
		return ret == CTL_EXIT_DONE ? CTL_EXIT_OK : ret;

	ctl_table_init(&t, sizeof(cols) / sizeof(cols[0]), cols);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *b = json_object_array_get_idx(arr, i);
		char expires[32], pin[24], bin[24], pout[24], bout[24];
		long long rem = ctl_json_int(b, "remaining");

		/* remaining -1: a binding without an end */
		if (rem < 0)
			snprintf(expires, sizeof(expires), "never");
		else
			snprintf(expires, sizeof(expires), "%llds", rem);
		snprintf(pin, sizeof(pin), "%llu", ctl_json_u64(b, "pkts_in"));
		snprintf(bin, sizeof(bin), "%llu", ctl_json_u64(b, "bytes_in"));
		snprintf(pout, sizeof(pout), "%llu", ctl_json_u64(b, "pkts_out"));
		snprintf(bout, sizeof(bout), "%llu", ctl_json_u64(b, "bytes_out"));
		const char *row[] = {
			ctl_json_str(b, "v4"), ctl_json_str(b, "peer"), expires, pin, bin, pout, bout,
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
