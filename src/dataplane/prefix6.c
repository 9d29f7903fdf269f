#include "dataplane/prefix6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define PREFIX6_MIN_CAP 8
/* Grow past 50% occupancy: linear probing with backward-shift deletion
 * stays short there. */

void prefix6_mask(struct in6_addr *out, const struct in6_addr *p, uint8_t plen)
{
	*out = *p;
	if (plen >= 128)
		return;
	unsigned byte = plen / 8, bits = plen % 8;
	if (bits)
		out->s6_addr[byte++] &= (uint8_t)(0xff00 >> bits);
	memset(out->s6_addr + byte, 0, 16 - byte);
}

static uint32_t slot_of(const struct prefix6_hash *h, const struct in6_addr *p)
{
	uint64_t hi = get_be64(p->s6_addr), lo = get_be64(p->s6_addr + 8);
	return (uint32_t)hash64_mix(hi ^ hash64_mix(lo)) & h->mask;
}

static struct prefix6_entry *find(const struct prefix6_hash *h, const struct in6_addr *p)
{
	if (!h->slots)
		return NULL;
	for (uint32_t i = slot_of(h, p);; i = (i + 1) & h->mask) {
		struct prefix6_entry *s = &h->slots[i];
		if (!s->used)
			return NULL;
		if (memcmp(&s->prefix, p, sizeof(*p)) == 0)
			return s;
	}
}

static void insert_slot(struct prefix6_hash *h, const struct in6_addr *p, uint32_t value)
{
	uint32_t i = slot_of(h, p);
	while (h->slots[i].used)
		i = (i + 1) & h->mask;
	h->slots[i].prefix = *p;
	h->slots[i].value = value;
	h->slots[i].used = 1;
	h->count++;
}

static int resize(struct prefix6_hash *h, uint32_t cap)
{
	struct prefix6_hash n = { .mask = cap - 1 };
	n.slots = calloc(cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (uint64_t i = 0; h->slots && i <= h->mask; i++)
		if (h->slots[i].used)
			insert_slot(&n, &h->slots[i].prefix, h->slots[i].value);
	free(h->slots);
	*h = n;
	return 0;
}

/* Keep t->lens sorted, longest first. */
static void lens_add(struct prefix6_table *t, uint8_t plen)
{
	uint8_t i = t->n_lens;
	while (i > 0 && t->lens[i - 1] < plen) {
		t->lens[i] = t->lens[i - 1];
		i--;
	}
	t->lens[i] = plen;
	t->n_lens++;
}

static void lens_del(struct prefix6_table *t, uint8_t plen)
{
	for (uint8_t i = 0; i < t->n_lens; i++) {
		if (t->lens[i] != plen)
			continue;
		memmove(t->lens + i, t->lens + i + 1, (size_t)(t->n_lens - i - 1));
		t->n_lens--;
		return;
	}
}

void prefix6_init(struct prefix6_table *t)
{
	memset(t, 0, sizeof(*t));
}

void prefix6_free(struct prefix6_table *t)
{
	for (unsigned l = 0; l < PREFIX6_LENS; l++)
		free(t->by_len[l].slots);
	memset(t, 0, sizeof(*t));
}

int prefix6_add(struct prefix6_table *t, const struct in6_addr *p, uint8_t plen, uint32_t value)
{
	if (plen > 128)
		return -EINVAL;
	struct in6_addr k;
	prefix6_mask(&k, p, plen);
	struct prefix6_hash *h = &t->by_len[plen];
	struct prefix6_entry *s = find(h, &k);
	if (s)
		return s->value == value ? 0 : -EEXIST;
	if (!h->slots || ((uint64_t)h->count + 1) * 2 > (uint64_t)h->mask + 1) {
		uint64_t cap = h->slots ? ((uint64_t)h->mask + 1) * 2 : PREFIX6_MIN_CAP;
		if (cap > (1ull << 31))
			return -ENOMEM;
		int r = resize(h, (uint32_t)cap);
		if (r < 0)
			return r;
	}
	if (h->count == 0)
		lens_add(t, plen);
	insert_slot(h, &k, value);
	t->count++;
	return 0;
}

/* Backward-shift deletion (Knuth 6.4 algorithm R): later members of the
 * probe run move up so that no lookup stops early at the hole. */
static void remove_slot(struct prefix6_table *t, uint8_t plen, uint32_t i)
{
	struct prefix6_hash *h = &t->by_len[plen];
	for (uint32_t j = (i + 1) & h->mask; h->slots[j].used; j = (j + 1) & h->mask) {
		uint32_t home = slot_of(h, &h->slots[j].prefix);
		/* j may fill the hole at i unless its home lies in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		h->slots[i] = h->slots[j];
		i = j;
	}
	memset(&h->slots[i], 0, sizeof(h->slots[i]));
	h->count--;
	t->count--;
	if (h->count == 0) {
		free(h->slots);
		memset(h, 0, sizeof(*h));
		lens_del(t, plen);
	}
}

int prefix6_del(struct prefix6_table *t, const struct in6_addr *p, uint8_t plen)
{
	if (plen > 128)
		return -EINVAL;
	struct in6_addr k;
	prefix6_mask(&k, p, plen);
	struct prefix6_hash *h = &t->by_len[plen];
	struct prefix6_entry *s = find(h, &k);
	if (!s)
		return -ENOENT;
	remove_slot(t, plen, (uint32_t)(s - h->slots));
	return 0;
}

uint32_t prefix6_del_value(struct prefix6_table *t, uint32_t value)
{
	uint32_t n = 0;
	for (unsigned l = 0; l < PREFIX6_LENS; l++) {
		struct prefix6_hash *h = &t->by_len[l];
		/* an entry shifted into i is looked at again; one shifted
		 * across the wrap was looked at already */
		for (uint64_t i = 0; h->slots && i <= h->mask;) {
			if (h->slots[i].used && h->slots[i].value == value) {
				remove_slot(t, (uint8_t)l, (uint32_t)i);
				n++;
				continue;
			}
			i++;
		}
	}
	return n;
}

int prefix6_lookup(const struct prefix6_table *t, const struct in6_addr *a, uint32_t *value,
		   uint8_t *plen)
{
	for (uint8_t i = 0; i < t->n_lens; i++) {
		uint8_t l = t->lens[i];
		struct in6_addr k;
		prefix6_mask(&k, a, l);
		const struct prefix6_entry *s = find(&t->by_len[l], &k);
		if (!s)
			continue;
		*value = s->value;
		if (plen)
			*plen = l;
		return 0;
	}
	return -ENOENT;
}

int prefix6_get(const struct prefix6_table *t, const struct in6_addr *p, uint8_t plen,
		uint32_t *value)
{
	if (plen > 128)
		return -ENOENT;
	struct in6_addr k;
	prefix6_mask(&k, p, plen);
	const struct prefix6_entry *s = find(&t->by_len[plen], &k);
	if (!s)
		return -ENOENT;
	*value = s->value;
	return 0;
}

int prefix6_foreach(const struct prefix6_table *t, prefix6_cb cb, void *arg)
{
	for (uint8_t i = 0; i < t->n_lens; i++) {
		const struct prefix6_hash *h = &t->by_len[t->lens[i]];
		for (uint64_t j = 0; j <= h->mask; j++) {
			if (!h->slots[j].used)
				continue;
			int r = cb(&h->slots[j].prefix, t->lens[i], h->slots[j].value, arg);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
