/* ds46ctl pools: usage of every address pool, per link. */
#include <stdio.h>

#include "ctl/ctl_client.h"

int ctl_cmd_pools(struct ctl_client *c, int argc, char **argv)
{
	static const char *const cols[] = {
		"LINK", "POOL", "KIND", ">SIZE", ">USED", ">DECLINED", ">FREE", ">USE%",
	};
	struct ctl_req req = { .cmd = CTL_CMD_POOLS };
	struct json_object *resp, *arr;
	struct ctl_table t;
	int ret;

	if (argc > 1)
		return ctl_client_usage(c, argv[0]);
	ret = ctl_client_query(c, &req, "pools", json_type_array, &resp, &arr);
	if (ret != CTL_EXIT_OK)
		return ret == CTL_EXIT_DONE ? CTL_EXIT_OK : ret;

	ctl_table_init(&t, sizeof(cols) / sizeof(cols[0]), cols);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		unsigned long long size = ctl_json_u64(p, "size");
		unsigned long long used = ctl_json_u64(p, "used");
		unsigned long long declined = ctl_json_u64(p, "declined");
		unsigned long long taken = used;
		char s_size[24], s_used[24], s_decl[24], s_free[24], s_pct[16];

		/* "used" counts every address taken, declined (quarantined)
		 * ones included: "declined" is a part of it. */
		if (taken > size)
			taken = size;
		snprintf(s_size, sizeof(s_size), "%llu", size);
		snprintf(s_used, sizeof(s_used), "%llu", used);
		snprintf(s_decl, sizeof(s_decl), "%llu", declined);
		snprintf(s_free, sizeof(s_free), "%llu", size - taken);
		if (size)
			snprintf(s_pct, sizeof(s_pct), "%.1f%%", 100.0 * (double)taken / (double)size);
		else
			snprintf(s_pct, sizeof(s_pct), "-");
		const char *row[] = {
			ctl_json_str(p, "link"), ctl_json_str(p, "pool"), ctl_json_str(p, "kind"),
			s_size, s_used, s_decl, s_free, s_pct,
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
