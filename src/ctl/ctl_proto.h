/* Control protocol between ds46 daemons and ds46ctl, over a unix stream
 * socket.  One request and one response per connection, each a single JSON
 * object terminated by '\n' (at most CTL_MSG_MAX bytes):
 *
 *   -> {"cmd":"leases"}
 *   <- {"ok":true,"leases":[{"addr":"192.0.2.10","kind":"ipv4",...}, ...]}
 *   -> {"cmd":"release","addr":"192.0.2.10"}
 *   <- {"ok":false,"error":"no such lease"}
 *
 * Commands and their arguments are listed in docs/man/ds46ctl.8.md.  Requests are
 * decoded into struct ctl_req by ctl_req_parse, which validates every field,
 * so daemons never touch raw JSON (and the decoder has a fuzz target). */
#ifndef DS46_CTL_PROTO_H
#define DS46_CTL_PROTO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dhcp6.h"

#define CTL_MSG_MAX (64 * 1024)      /* request size limit */
#define CTL_RESP_MAX (512u << 20)    /* response size limit for the client */

enum ctl_cmd {
	CTL_CMD_LEASES = 1,          /* list leases (optional "limit") */
	CTL_CMD_POOLS,               /* pool usage */
	CTL_CMD_STATS,               /* counters */
	CTL_CMD_RELEASE,             /* "addr": IPv4 or IPv6 lease address */
	CTL_CMD_RECONFIGURE,         /* "addr" of one of the client's leases, or "duid" (hex) */
	CTL_CMD_PING,                /* liveness */
	CTL_CMD_BINDINGS,            /* tunnel bindings (border router; optional "limit") */
	CTL_CMD_MOBILITY,            /* Mobile IPv4: the home agent's mobility
	                                bindings or the mobile node's registration
	                                (optional "limit") */
	CTL_CMD_VISITORS,            /* Mobile IPv4: the foreign agent's visitor
	                                list (optional "limit") */
	CTL_CMD__MAX,                /* not a command */
};

struct ctl_req {
	enum ctl_cmd cmd;
	bool has_addr;
	struct in6_addr addr;        /* IPv4 given as ::ffff:a.b.c.d */
	bool has_duid;
	struct dhcp6_duid duid;
	uint64_t limit;              /* 0 = all */
};

/* Parse one request line (JSON).  0, or -EINVAL with a message in err
 * (-ENOMEM if out of memory).  On error *r is zeroed. */
int ctl_req_parse(const char *buf, size_t len, struct ctl_req *r, char *err, size_t errlen);
/* Encode a request into a JSON line ending in '\n' (NUL-terminated); returns
 * its length, -ENOBUFS if buf is too small, -EINVAL for an unknown cmd. */
int ctl_req_format(const struct ctl_req *r, char *buf, size_t len);
/* "leases", ...; NULL for a value that is not a command. */
const char *ctl_cmd_name(enum ctl_cmd c);
/* "192.0.2.1" -> ::ffff:192.0.2.1, or an IPv6 address as is. */
int ctl_parse_addr(const char *s, struct in6_addr *out);
/* A DUID in hex, optionally with ':' between octets; 1 to DHCP6_DUID_MAX
 * octets.  0 or -EINVAL with a message in err. */
int ctl_parse_duid(const char *s, struct dhcp6_duid *d, char *err, size_t errlen);
/* Inverse: IPv4-mapped addresses print as dotted quads. */
const char *ctl_fmt_addr(const struct in6_addr *a, char buf[46]);

#endif
