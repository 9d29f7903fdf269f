/* ds46ctl ping: exit 0 if the daemon answers (for scripts and monitoring). */
#include <stdio.h>

#include "ctl/ctl_client.h"

int ctl_cmd_ping(struct ctl_client *c, int argc, char **argv)
{
	struct ctl_req req = { .cmd = CTL_CMD_PING };
	struct json_object *resp;
	int ret;

	if (argc > 1)
		return ctl_client_usage(c, argv[0]);
	ret = ctl_client_call(c, &req, &resp);
	if (ret == CTL_EXIT_OK && !c->json)
		printf("ok\n");
	if (resp)
		json_object_put(resp);
	return ret;
}
