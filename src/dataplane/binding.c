#include "dataplane/binding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Grow past 70% occupancy (live + deleted); linear probing stays short. */
#define BINDING_LOAD_NUM 7
#define BINDING_LOAD_DEN 10

/* Fibonacci hashing: consecutive pool addresses land far apart. */
static inline uint32_t slot_of(const struct binding_table *t, uint32_t v4)
{
	return (uint32_t)(((uint64_t)v4 * 0x9E3779B97F4A7C15ull) >> 32) & t->mask;
}

static bool key_valid(uint32_t v4)
{
	return (v4 >> 24) != 0;      /* 0.0.0.0/8 is never leased */
}

int binding_table_init(struct binding_table *t, uint32_t hint)
{
	uint64_t cap = 64;
	while (cap * BINDING_LOAD_NUM < (uint64_t)hint * BINDING_LOAD_DEN)
		cap <<= 1;
	if (cap > (1ull << 31))
		return -ENOMEM;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = (uint32_t)cap - 1;
	t->count = 0;
	t->tombs = 0;
	return 0;
}

void binding_table_free(struct binding_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* Rebuild into a table sized for the live bindings (drops tombstones). */
static int rehash(struct binding_table *t, uint32_t want)
{
	struct binding_table n;
	int r = binding_table_init(&n, want);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i <= t->mask; i++) {
		const struct binding *b = &t->slots[i];
		if (b->v4 <= BINDING_TOMB)
			continue;
		uint32_t j = slot_of(&n, b->v4);
		while (n.slots[j].v4)
			j = (j + 1) & n.mask;
		n.slots[j] = *b;
		n.count++;
	}
	free(t->slots);
	*t = n;
	return 0;
}

struct binding *binding_get(const struct binding_table *t, uint32_t v4)
{
	if (!key_valid(v4))
		return NULL;
	for (uint32_t i = slot_of(t, v4);; i = (i + 1) & t->mask) {
		struct binding *b = &t->slots[i];
		if (b->v4 == v4)
			return b;
		if (b->v4 == 0)
			return NULL;
	}
}

int binding_set(struct binding_table *t, uint32_t v4, const struct in6_addr *peer,
		uint32_t expires, struct binding **out)
{
	if (!key_valid(v4))
		return -EINVAL;
	struct binding *b = binding_get(t, v4);
	if (!b) {
		uint64_t used = (uint64_t)t->count + t->tombs + 1;
		if (used * BINDING_LOAD_DEN > ((uint64_t)t->mask + 1) * BINDING_LOAD_NUM) {
			/* sized for the live bindings at <= 70%: drops the
			 * tombstones, and doubles when they are not the cause */
			int r = rehash(t, t->count + 1);
			if (r < 0)
				return r;
		}
		uint32_t i = slot_of(t, v4);
		while (t->slots[i].v4 > BINDING_TOMB)
			i = (i + 1) & t->mask;
		b = &t->slots[i];
		if (b->v4 == BINDING_TOMB)
			t->tombs--;
		memset(b, 0, sizeof(*b));
		b->v4 = v4;
		t->count++;
	}
	b->peer = *peer;
	b->expires = expires;
	if (out)
		*out = b;
	return 0;
}

int binding_del(struct binding_table *t, uint32_t v4)
{
	struct binding *b = binding_get(t, v4);
	if (!b)
		return -ENOENT;
	/* A slot followed by an empty one can become empty itself, which
	 * keeps probe chains short without a rehash. */
	uint32_t next = (uint32_t)((b - t->slots) + 1) & t->mask;
	if (t->slots[next].v4 == 0) {
		memset(b, 0, sizeof(*b));
	} else {
		memset(b, 0, sizeof(*b));
		b->v4 = BINDING_TOMB;
		t->tombs++;
	}
	t->count--;
	return 0;
}

uint32_t binding_expire(struct binding_table *t, uint32_t now)
{
	uint32_t n = 0;
	for (uint64_t i = 0; i <= t->mask; i++) {
		struct binding *b = &t->slots[i];
		if (b->v4 > BINDING_TOMB && b->expires && b->expires <= now) {
			binding_del(t, b->v4);
			n++;
		}
	}
	return n;
}

uint32_t binding_expire_step(struct binding_table *t, uint32_t now, uint32_t *cursor,
			     uint32_t max_slots)
{
	uint32_t n = 0, i = *cursor & t->mask;
	uint64_t slots = MIN((uint64_t)max_slots, (uint64_t)t->mask + 1);
	for (uint64_t k = 0; k < slots; k++, i = (i + 1) & t->mask) {
		struct binding *b = &t->slots[i];
		if (b->v4 > BINDING_TOMB && b->expires && b->expires <= now) {
			binding_del(t, b->v4);
			n++;
		}
	}
	*cursor = i;
	return n;
}

int binding_foreach(const struct binding_table *t, binding_cb cb, void *arg)
{
	for (uint64_t i = 0; i <= t->mask; i++) {
		const struct binding *b = &t->slots[i];
		if (b->v4 <= BINDING_TOMB)
			continue;
		int r = cb(b, arg);
		if (r < 0)
			return r;
	}
	return 0;
}

size_t binding_table_bytes(const struct binding_table *t)
{
	return ((size_t)t->mask + 1) * sizeof(struct binding);
}
