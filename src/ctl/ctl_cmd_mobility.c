/* ds46ctl mobility [--limit N]: Mobile IPv4 state.  A home agent
 * (ds46-had) answers with its mobility bindings, one line per home address
 * and care-of address; a mobile node (ds46-mnd) with its registration. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_client.h"

static int print_bindings(struct ctl_client *c, struct json_object *arr)
{
	static const char *const cols[] = {
		"HOME", "CARE-OF", "VIA", "ENCAP", "UDP", "FLAGS", "IPV6", "PREFIXES",
		">EXPIRES", ">PKTS-IN", ">PKTS-OUT",
	};
	struct ctl_table t;

	ctl_table_init(&t, sizeof(cols) / sizeof(cols[0]), cols);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *b = json_object_array_get_idx(arr, i);
		char expires[32], pin[24], pout[24], prefixes[512], udp[32];
		const char *via = ctl_json_str(b, "foreign_agent");

		ctl_fmt_remaining(expires, sizeof(expires), ctl_json_int(b, "remaining"));
		ctl_fmt_str_array(prefixes, sizeof(prefixes), b, "prefixes");
		snprintf(pin, sizeof(pin), "%llu", ctl_json_u64(b, "pkts_in"));
		snprintf(pout, sizeof(pout), "%llu", ctl_json_u64(b, "pkts_out"));
		/* RFC 3519: the NAT's port and the keepalive interval */
		if (ctl_json_bool(b, "udp_tunnel"))
			snprintf(udp, sizeof(udp), "%llu/%llus", ctl_json_u64(b, "udp_port"),
				 ctl_json_u64(b, "keepalive"));
		else
			snprintf(udp, sizeof(udp), "-");
		const char *row[] = {
			ctl_json_str(b, "home"), ctl_json_str(b, "coa"), via && via[0] ? via : "-",
			ctl_json_str(b, "encap"), udp, ctl_json_str(b, "flags"),
			ctl_json_str(b, "ipv6"), prefixes, expires, pin, pout,
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

static int print_registration(struct json_object *r)
{
	static const char *const keys[] = {
		"state", "mode", "agent", "home", "home_agent", "coa", "encap", "ipv6",
		"udp_tunnel", "lifetime",
	};
	char rem[32], prefixes[512];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = ctl_json_str(r, keys[i]);
		printf("%-12s %s\n", keys[i], v ? v : "-");
	}
	ctl_fmt_remaining(rem, sizeof(rem), ctl_json_int(r, "remaining"));
	printf("%-12s %s\n", "remaining", rem);
	ctl_fmt_str_array(prefixes, sizeof(prefixes), r, "prefixes");
	printf("%-12s %s\n", "prefixes", prefixes);
	return CTL_EXIT_OK;
}

int ctl_cmd_mobility(struct ctl_client *c, int argc, char **argv)
{
	struct ctl_req req = { .cmd = CTL_CMD_MOBILITY };
	struct json_object *resp, *v;
	int ret;

	ret = ctl_client_limit_args(c, argc, argv, &req.limit);
	if (ret != CTL_EXIT_OK)
		return ret;
	ret = ctl_client_call(c, &req, &resp);
	if (ret != CTL_EXIT_OK || c->json) {
		if (resp)
			json_object_put(resp);
		return ret;
	}

	if (json_object_object_get_ex(resp, "bindings", &v) &&
	    json_object_is_type(v, json_type_array))
		ret = print_bindings(c, v);
	else if (json_object_object_get_ex(resp, "registration", &v) &&
		 json_object_is_type(v, json_type_object))
		ret = print_registration(v);
	else {
		fprintf(stderr, "%s: malformed answer (no bindings or registration)\n", c->prog);
		ret = CTL_EXIT_UNREACHABLE;
	}
	json_object_put(resp);
	return ret;
}
