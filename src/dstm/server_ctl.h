/* The DSTM server's control socket (protocol: src/ctl/ctl_proto.h). */
#ifndef DS46_DSTM_SERVER_CTL_H
#define DS46_DSTM_SERVER_CTL_H

#include <event2/event.h>

#include "dstm/server.h"

struct server_ctl;

/* Listen on a unix stream socket at path (removing a stale socket file,
 * creating the parent directory, mode 0660) and serve requests from the
 * event loop.  Each connection: read one request line (bounded by
 * CTL_MSG_MAX and a timeout), answer, close. */
int server_ctl_open(struct server *s, struct event_base *base, const char *path,
		    struct server_ctl **out);
void server_ctl_close(struct server_ctl *c);

/* Build the JSON response for one request (also used by tests and the
 * fuzzer without any socket).  Returns a malloc'ed NUL-terminated string
 * ending in '\n'. */
char *server_ctl_answer(struct server *s, const char *req, size_t len);

#endif
