/* Sockets and event loop of the DSTM server. */
#ifndef DS46_DSTM_SERVER_IO_H
#define DS46_DSTM_SERVER_IO_H

#include <event2/event.h>

#include "dstm/server.h"

struct server_io;

/* Bind UDP [::]:port, join ff02::1:2 (All_DHCP_Relay_Agents_and_Servers) on
 * every configured interface, and read from the event loop. */
int server_io_open(struct server *s, struct event_base *base, struct server_io **out);
void server_io_close(struct server_io *io);

#endif
