/* The daemons' control socket server (protocol: ctl/ctl_proto.h): a unix
 * stream socket served from the daemon's libevent loop, one request line
 * per connection, one answer, close.  The daemon only builds answers.
 *
 * Limits: a request must arrive, '\n'-terminated (or ended by EOF) and
 * within CTL_MSG_MAX bytes, in CTL_SERVER_TIMEOUT_MS of the connection
 * being accepted; while the answer is written, the client must take some
 * of it every CTL_SERVER_TIMEOUT_MS (a long list may take longer than that
 * in total).  At most CTL_SERVER_MAX_CONNS connections are served at once;
 * more are closed at once.  A request that is too long or too slow gets
 * {"ok":false,"error":"..."}; nothing a client sends can stop the daemon. */
#ifndef DS46_CTL_SERVER_H
#define DS46_CTL_SERVER_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_SERVER_TIMEOUT_MS 2000
#define CTL_SERVER_MAX_CONNS 64
#define CTL_SERVER_BACKLOG 16
#define CTL_SERVER_MODE 0660         /* the socket file */
#define CTL_SERVER_DIR_MODE 0755     /* directories created for it */

struct ctl_server;

/* The answer to one request (req[0..len), without its '\n'): a malloc'ed
 * NUL-terminated JSON line ending in '\n', or NULL when out of memory (the
 * connection is closed). */
typedef char *(*ctl_server_answer_fn)(void *ctx, const char *req, size_t len);

/* Listen at path: its parent directories are created (CTL_SERVER_DIR_MODE),
 * a stale socket file left by a previous run is removed, but one a live
 * daemon listens on is not (-EADDRINUSE) nor anything that is not a socket
 * (-EEXIST); the socket is never visible with a wider mode than
 * CTL_SERVER_MODE.  -ENAMETOOLONG for an empty path or one that does not
 * fit sun_path. */
int ctl_server_open(struct event_base *base, const char *path, ctl_server_answer_fn answer,
		    void *ctx, struct ctl_server **out);
/* Closes every connection and removes the socket file. */
void ctl_server_close(struct ctl_server *srv);

/* Answer builders: o serialised plus '\n' (consumes o); {"ok":true}\n;
 * {"ok":false,"error":msg}\n.  malloc'ed; NULL when out of memory. */
struct json_object;
char *ctl_server_json(struct json_object *o);
/* Counter callbacks for the *_stats_foreach functions: add name = v to the
 * JSON object obj; the _dp variant names it dp_<name> (the tunnel engine's
 * counters next to a daemon's own). */
void ctl_json_add_u64(void *obj, const char *name, uint64_t v);
void ctl_json_add_dp(void *obj, const char *name, uint64_t v);
char *ctl_server_ok(void);
char *ctl_server_error(const char *msg);

#endif
