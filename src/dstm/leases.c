#include "dstm/leases.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static size_t addr_bucket(const struct lease_table *t, const struct in6_addr *a)
{
	return hash64_mix(hash64_bytes(HASH64_INIT, a->s6_addr, 16)) & (t->nbuckets - 1);
}
static size_t client_bucket(const struct lease_table *t, uint8_t kind,
			    const struct dhcp6_duid *d, uint32_t iaid)
{
	uint8_t k[5] = { kind, (uint8_t)(iaid >> 24), (uint8_t)(iaid >> 16),
			 (uint8_t)(iaid >> 8), (uint8_t)iaid };
	uint64_t h = hash64_bytes(HASH64_INIT, k, sizeof(k));
	return hash64_mix(hash64_bytes(h, d->data, d->len)) & (t->nbuckets - 1);
}

int lease_table_init(struct lease_table *t, size_t hint)
{
	size_t n = 1024;
	while (n < hint)
		n <<= 1;
	t->by_addr = calloc(n, sizeof(*t->by_addr));
	t->by_client = calloc(n, sizeof(*t->by_client));
	if (!t->by_addr || !t->by_client) {
		free(t->by_addr);
		free(t->by_client);
		return -ENOMEM;
	}
	t->nbuckets = n;
	t->count = 0;
	return 0;
}

void lease_table_free(struct lease_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct lease_entry *e = t->by_addr[i], *next;
		for (; e; e = next) {
			next = e->next_addr;
			free(e);
		}
	}
	free(t->by_addr);
	free(t->by_client);
	memset(t, 0, sizeof(*t));
}

static int same_client(const struct lease *l, uint8_t kind, const struct dhcp6_duid *d,
		       uint32_t iaid)
{
	return l->kind == kind && l->iaid == iaid && l->duid.len == d->len &&
	       memcmp(l->duid.data, d->data, d->len) == 0;
}

static void link_entry(struct lease_table *t, struct lease_entry *e)
{
	size_t a = addr_bucket(t, &e->l.addr);
	e->next_addr = t->by_addr[a];
	t->by_addr[a] = e;
	size_t c = client_bucket(t, e->l.kind, &e->l.duid, e->l.iaid);
	e->next_client = t->by_client[c];
	t->by_client[c] = e;
}

/* Double the buckets when the load factor passes 1. */
static int grow(struct lease_table *t)
{
	struct lease_table n;
	int r = lease_table_init(&n, t->nbuckets * 2);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct lease_entry *e = t->by_addr[i], *next;
		for (; e; e = next) {
			next = e->next_addr;
			link_entry(&n, e);
		}
	}
	free(t->by_addr);
	free(t->by_client);
	n.count = t->count;
	*t = n;
	return 0;
}

struct lease *lease_find_addr(const struct lease_table *t, const struct in6_addr *a)
{
	for (struct lease_entry *e = t->by_addr[addr_bucket(t, a)]; e; e = e->next_addr)
		if (memcmp(&e->l.addr, a, sizeof(*a)) == 0)
			return &e->l;
	return NULL;
}

struct lease *lease_find_client(const struct lease_table *t, uint8_t kind,
				const struct dhcp6_duid *duid, uint32_t iaid)
{
	size_t c = client_bucket(t, kind, duid, iaid);
	for (struct lease_entry *e = t->by_client[c]; e; e = e->next_client)
		if (e->l.state == LEASE_STATE_BOUND && same_client(&e->l, kind, duid, iaid))
			return &e->l;
	return NULL;
}

int lease_insert(struct lease_table *t, const struct lease *l, struct lease **out)
{
	if (lease_find_addr(t, &l->addr))
		return -EEXIST;
	if (t->count >= t->nbuckets) {
		int r = grow(t);
		if (r < 0)
			return r;
	}
	struct lease_entry *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->l = *l;
	link_entry(t, e);
	t->count++;
	if (out)
		*out = &e->l;
	return 0;
}

void lease_remove(struct lease_table *t, struct lease *l)
{
	struct lease_entry *e = (struct lease_entry *)((char *)l - offsetof(struct lease_entry, l));
	struct lease_entry **pp = &t->by_addr[addr_bucket(t, &l->addr)];
	while (*pp && *pp != e)
		pp = &(*pp)->next_addr;
	if (*pp)
		*pp = e->next_addr;
	pp = &t->by_client[client_bucket(t, l->kind, &l->duid, l->iaid)];
	while (*pp && *pp != e)
		pp = &(*pp)->next_client;
	if (*pp)
		*pp = e->next_client;
	t->count--;
	free(e);
}

int lease_foreach(const struct lease_table *t, lease_iter_cb cb, void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct lease_entry *e = t->by_addr[i]; e; e = e->next_addr) {
			int r = cb(&e->l, arg);
			if (r < 0)
				return r;
		}
	return 0;
}
