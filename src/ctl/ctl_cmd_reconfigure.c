/* ds46ctl reconfigure ADDR | --duid HEX: make a client renew now (RFC 8415
 * 18.3.11), e.g. after its pool or TEP changed.  The client must have sent
 * Reconfigure Accept, so that it holds a reconfigure key. */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl_client.h"

int ctl_cmd_reconfigure(struct ctl_client *c, int argc, char **argv)
{
	struct ctl_req req = { .cmd = CTL_CMD_RECONFIGURE };
	struct json_object *resp;
	char buf[46];
	int ret;

	if (argc == 3 && strcmp(argv[1], "--duid") == 0) {
		char err[128];

		if (ctl_parse_duid(argv[2], &req.duid, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: reconfigure: %s\n", c->prog, err);
			return CTL_EXIT_USAGE;
		}
		req.has_duid = true;
	} else if (argc == 2 && argv[1][0] != '-') {
		if (ctl_parse_addr(argv[1], &req.addr) < 0) {
			fprintf(stderr, "%s: reconfigure: \"%s\" is not an IPv4 or IPv6 address\n",
				c->prog, argv[1]);
			return CTL_EXIT_USAGE;
		}
		req.has_addr = true;
	} else {
		return ctl_client_usage(c, argv[0]);
	}

	ret = ctl_client_call(c, &req, &resp);
	if (ret == CTL_EXIT_OK && !c->json) {
		if (req.has_addr)
			printf("reconfigure sent to the client of %s\n", ctl_fmt_addr(&req.addr, buf));
		else
			printf("reconfigure sent to DUID %s\n", argv[2]);
	}
	if (resp)
		json_object_put(resp);
	return ret;
}
