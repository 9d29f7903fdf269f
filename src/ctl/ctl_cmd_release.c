/* ds46ctl release ADDR: end a lease now, as if the client had released it. */
#include <stdio.h>

#include "ctl/ctl_client.h"

int ctl_cmd_release(struct ctl_client *c, int argc, char **argv)
{
	struct ctl_req req = { .cmd = CTL_CMD_RELEASE, .has_addr = true };
	struct json_object *resp;
	char buf[46];
	int ret;

	if (argc != 2 || argv[1][0] == '-')
		return ctl_client_usage(c, argv[0]);
	if (ctl_parse_addr(argv[1], &req.addr) < 0) {
		fprintf(stderr, "%s: release: \"%s\" is not an IPv4 or IPv6 address\n", c->prog,
			argv[1]);
		return CTL_EXIT_USAGE;
	}
	ret = ctl_client_call(c, &req, &resp);
	if (ret == CTL_EXIT_OK && !c->json)
		printf("released %s\n", ctl_fmt_addr(&req.addr, buf));
	if (resp)
		json_object_put(resp);
	return ret;
}
