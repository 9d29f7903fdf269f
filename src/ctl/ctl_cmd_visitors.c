/* ds46ctl visitors [--limit N]: a foreign agent's (ds46-fad) visitor list,
 * one line per mobile node: home address, MAC, link, home agent, care-of
 * address, lifetime left, reverse tunnelling (RFC 3024 delivery style:
 * direct, encap, or no), IPv6 mode, prefixes, and
 * whether a registration is pending.  ds46-fad answers the request
 * "visitors" with {"visitors":[...]}. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_client.h"

static int print_visitors(struct ctl_client *c, struct json_object *arr)
{
	static const char *const cols[] = {
		"HOME", "MAC", "LINK", "HOME-AGENT", "CARE-OF", ">LEFT", "T", "IPV6",
		"PREFIXES", "STATE",
	};
	struct ctl_table t;

	ctl_table_init(&t, sizeof(cols) / sizeof(cols[0]), cols);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		char left[32], prefixes[512];
		long long rem = ctl_json_int(v, "remaining");
		bool active = ctl_json_bool(v, "active"), pending = ctl_json_bool(v, "pending");
		const char *dl = ctl_json_str(v, "delivery");
		bool encap = dl && strcmp(dl, "encapsulating") == 0;

		ctl_fmt_remaining(left, sizeof(left), rem);
		ctl_fmt_str_array(prefixes, sizeof(prefixes), v, "prefixes");
		const char *row[] = {
			ctl_json_str(v, "home"), ctl_json_str(v, "mac"), ctl_json_str(v, "link"),
			ctl_json_str(v, "home_agent"), ctl_json_str(v, "coa"), active ? left : "-",
			!ctl_json_bool(v, "reverse_tunnel") ? "no" : encap ? "encap" : "direct",
			ctl_json_str(v, "ipv6"),
			prefixes,
			active && pending ? "active+pending" : active ? "active" : "pending",
		};
		if (ctl_table_add(&t, row) < 0) {
			fprintf(stderr, "%s: out of memory\n", c->prog);
			ctl_table_free(&t);
			return CTL_EXIT_FAIL;
		}
	}
	ctl_table_print(&t);
	ctl_table_free(&t);
	return CTL_EXIT_OK;
}

int ctl_cmd_visitors(struct ctl_client *c, int argc, char **argv)
{
	struct ctl_req req = { .cmd = CTL_CMD_VISITORS };
	struct json_object *resp, *arr;
	int ret = ctl_client_limit_args(c, argc, argv, &req.limit);

	if (ret != CTL_EXIT_OK)
		return ret;
	ret = ctl_client_query(c, &req, "visitors", json_type_array, &resp, &arr);
	if (ret == CTL_EXIT_DONE)
		return CTL_EXIT_OK;
	if (ret != CTL_EXIT_OK)
		return ret;
	ret = print_visitors(c, arr);
	json_object_put(resp);
	return ret;
}
