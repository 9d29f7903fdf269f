/* IPv6 prefixes of any length -> a 32-bit value, with longest-prefix
 * match: the Mobile IPv4 home agent's registered IPv6 prefixes and
 * addresses -> the mobile node's IPv4 home address (RFC 5454 3.3.2), and a
 * mobile node's own registered prefixes.
 *
 * One open-addressing hash per prefix length in use (linear probing,
 * deletion by backward shift, so no tombstones), probed from the longest
 * length down: a lookup costs one probe sequence per distinct length, and
 * registrations use few lengths (/64, /56, /48, /128).  Single writer; no
 * locking.  Functions return 0 or a negative errno. */
#ifndef DS46_DATAPLANE_PREFIX6_H
#define DS46_DATAPLANE_PREFIX6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREFIX6_LENS 129             /* /0 .. /128 */

struct prefix6_entry {
	struct in6_addr prefix;      /* host bits clear */
	uint32_t value;
	uint32_t used;               /* 0: empty slot */
};

struct prefix6_hash {
	struct prefix6_entry *slots; /* NULL while the length is unused */
	uint32_t mask;               /* capacity - 1 */
	uint32_t count;
};

struct prefix6_table {
	struct prefix6_hash by_len[PREFIX6_LENS];
	uint8_t lens[PREFIX6_LENS];  /* lengths in use, longest first */
	uint8_t n_lens;
	uint32_t count;
};

/* An empty table (no allocation until the first add). */
void prefix6_init(struct prefix6_table *t);
void prefix6_free(struct prefix6_table *t);
/* Add p/plen -> value; the bits of p past plen are ignored.  0 also when
 * the same prefix is already there with the same value; -EEXIST when it
 * is there with another value (an address belongs to one node: RFC 5454
 * 3.3, remove it first); -EINVAL for plen > 128; -ENOMEM. */
int prefix6_add(struct prefix6_table *t, const struct in6_addr *p, uint8_t plen, uint32_t value);
/* 0 or -ENOENT (-EINVAL for plen > 128). */
int prefix6_del(struct prefix6_table *t, const struct in6_addr *p, uint8_t plen);
/* Remove every prefix whose value is value; returns how many. */
uint32_t prefix6_del_value(struct prefix6_table *t, uint32_t value);
/* Longest match for a: 0 with *value (and *plen when not NULL), or
 * -ENOENT. */
int prefix6_lookup(const struct prefix6_table *t, const struct in6_addr *a, uint32_t *value,
		   uint8_t *plen);
/* Exact p/plen: 0 with *value, or -ENOENT. */
int prefix6_get(const struct prefix6_table *t, const struct in6_addr *p, uint8_t plen,
		uint32_t *value);
/* Every prefix (in no particular order); the callback returns < 0 to stop,
 * which is returned as is.  The table must not change meanwhile. */
typedef int (*prefix6_cb)(const struct in6_addr *p, uint8_t plen, uint32_t value, void *arg);
int prefix6_foreach(const struct prefix6_table *t, prefix6_cb cb, void *arg);
/* p with the bits past plen cleared. */
void prefix6_mask(struct in6_addr *out, const struct in6_addr *p, uint8_t plen);

#endif
