/* Private to src/store: the ops table behind store.h.
 *
 * A backend allocates its own handle with struct store as its first member
 * and sets ->ops; store.c dispatches every public call through it.  The
 * public entry points check arguments that every backend would check
 * (NULL pointers, readonly), so backends only see valid calls.
 */
#ifndef DS46_STORE_STORE_BACKEND_H
#define DS46_STORE_STORE_BACKEND_H

#include "store/store.h"

struct store_ops {
	const char *name;
	int (*open)(const struct store_opts *o, struct store **out);
	void (*close)(struct store *s);

	int (*begin)(struct store *s);
	int (*commit)(struct store *s);
	int (*rollback)(struct store *s);

	int (*lease_put)(struct store *s, struct lease *l);
	int (*lease_del)(struct store *s, const struct in6_addr *addr);
	int (*lease_get)(struct store *s, const struct in6_addr *addr, struct lease *l);
	int (*lease_foreach)(struct store *s, store_lease_cb cb, void *arg);
	int (*lease_count)(struct store *s, uint64_t *n);
	int (*lease_changes)(struct store *s, uint64_t since, uint64_t *last,
			     store_change_cb cb, void *arg);
	int (*tombstones_prune)(struct store *s, uint64_t below_seq);
	int (*sync)(struct store *s);   /* may run in another thread */

	int (*meta_get)(struct store *s, const char *key, void *val, size_t cap,
			size_t *len);
	int (*meta_set)(struct store *s, const char *key, const void *val, size_t len);

	int (*mip_binding_put)(struct store *s, struct mip_binding *b);
	int (*mip_binding_del)(struct store *s, uint32_t home_addr, uint32_t coa);
	int (*mip_binding_foreach)(struct store *s, store_mip_binding_cb cb, void *arg);
	int (*mip_binding_count)(struct store *s, uint64_t *n);

	int (*mip_visitor_put)(struct store *s, struct mip_visitor *v);
	int (*mip_visitor_del)(struct store *s, uint32_t home_addr);
	int (*mip_visitor_foreach)(struct store *s, store_mip_visitor_cb cb, void *arg);
	int (*mip_visitor_count)(struct store *s, uint64_t *n);
};

struct store {
	const struct store_ops *ops;
	bool readonly;
};

extern const struct store_ops store_sqlite_ops;

#endif
