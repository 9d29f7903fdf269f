/* In-memory lease table of the DSTM server: every lease in the store is
 * also here, indexed by address and by client (kind, DUID, IAID).  The store
 * is the durable copy; this table answers every lookup on the fast path. */
#ifndef DS46_DSTM_LEASES_H
#define DS46_DSTM_LEASES_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct lease_entry {
	struct lease l;
	struct lease_entry *next_addr;    /* hash chain by address */
	struct lease_entry *next_client;  /* hash chain by (kind, duid, iaid) */
};

struct lease_table {
	struct lease_entry **by_addr;
	struct lease_entry **by_client;
	size_t nbuckets;                  /* power of two */
	size_t count;
};

int lease_table_init(struct lease_table *t, size_t hint);
void lease_table_free(struct lease_table *t);
struct lease *lease_find_addr(const struct lease_table *t, const struct in6_addr *a);
/* The bound lease of a client's IA of this kind, if any. */
struct lease *lease_find_client(const struct lease_table *t, uint8_t kind,
				const struct dhcp6_duid *duid, uint32_t iaid);
/* Copy *l into the table; -EEXIST if the address is present. */
int lease_insert(struct lease_table *t, const struct lease *l, struct lease **out);
/* Remove (and free) the entry holding l (a pointer returned by a find). */
void lease_remove(struct lease_table *t, struct lease *l);
/* Iterate; the callback may not insert or remove.  <0 from cb stops. */
typedef int (*lease_iter_cb)(struct lease *l, void *arg);
int lease_foreach(const struct lease_table *t, lease_iter_cb cb, void *arg);

#endif
