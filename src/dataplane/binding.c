#include "dataplane/binding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/util.h"

/* Grow past 70% occupancy (live + deleted); linear probing stays short.
 * A new or rebuilt table is sized for its bindings at 55%, so growing
 * multiplies the capacity by about 1.3, and 10^6 bindings, however they
 * were inserted, take at most 10^6 / 0.55 slots rounded up to a huge page:
 * 118.4 octets per binding or less (issue 3: <= 128). */
#define BINDING_LOAD_NUM 7
#define BINDING_LOAD_DEN 10
#define BINDING_FILL_NUM 55
#define BINDING_FILL_DEN 100
#define BINDING_MIN_CAP 64
#define BINDING_HUGE (2u << 20)       /* x86-64 transparent huge page */

_Static_assert(BINDING_HUGE % sizeof(struct binding) == 0, "whole slots per huge page");

static bool key_valid(uint32_t v4)
{
	return (v4 >> 24) != 0;      /* 0.0.0.0/8 is never leased */
}

static inline uint32_t next_slot(const struct binding_table *t, uint32_t i)
{
	return i == t->mask ? 0 : i + 1;
}

/* 2 MiB-aligned anonymous memory (zeroed), with MADV_HUGEPAGE unless
 * flags say not; NULL if mmap fails.  The excess of an oversized mapping
 * is unmapped on both sides. */
static void *map_huge(size_t len, unsigned flags, uint8_t *mem)
{
	size_t over = len + BINDING_HUGE;
	uint8_t *p = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)p + BINDING_HUGE - 1) & ~(uintptr_t)(BINDING_HUGE - 1);
	size_t head = a - (uintptr_t)p, tail = over - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((uint8_t *)a + len, tail);
	*mem = BINDING_MEM_MMAP;
	if (!(flags & BINDING_F_NO_HUGE) && madvise((void *)a, len, MADV_HUGEPAGE) == 0)
		*mem = BINDING_MEM_HUGE;
	return (void *)a;
}

int binding_table_init_flags(struct binding_table *t, uint32_t hint, unsigned flags)
{
	uint64_t cap = (uint64_t)hint * BINDING_FILL_DEN / BINDING_FILL_NUM + 1;
	size_t len;
	void *p = NULL;
	uint8_t mem = BINDING_MEM_HEAP;
	if (cap < BINDING_MIN_CAP)
		cap = BINDING_MIN_CAP;
	if (cap > (1ull << 31))
		return -ENOMEM;
	len = (size_t)cap * sizeof(struct binding);
	if (len >= BINDING_HUGE) {
		len = (len + BINDING_HUGE - 1) & ~(size_t)(BINDING_HUGE - 1);
		cap = len / sizeof(struct binding);
		if (!(flags & BINDING_F_NO_MMAP))
			p = map_huge(len, flags, &mem);
	}
	if (!p) {                    /* small, or mmap failed: the heap */
		mem = BINDING_MEM_HEAP;
		p = aligned_alloc(BINDING_SLOT, len);
		if (!p)
			return -ENOMEM;
		memset(p, 0, len);
	}
	t->slots = p;
	t->mask = (uint32_t)cap - 1;
	t->count = 0;
	t->tombs = 0;
	t->mem = mem;
	t->flags = (uint8_t)flags;
	t->map_len = mem == BINDING_MEM_HEAP ? 0 : len;
	return 0;
}

int binding_table_init(struct binding_table *t, uint32_t hint)
{
	return binding_table_init_flags(t, hint, 0);
}

static void slots_free(struct binding_table *t)
{
	if (t->mem == BINDING_MEM_HEAP)
		free(t->slots);
	else if (t->slots)
		munmap(t->slots, t->map_len);
}

void binding_table_free(struct binding_table *t)
{
	slots_free(t);
	memset(t, 0, sizeof(*t));
}

/* Rebuild into a table sized for the live bindings (drops tombstones). */
static int rehash(struct binding_table *t, uint32_t want)
{
	struct binding_table n;
	int r = binding_table_init_flags(&n, want, t->flags);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i <= t->mask; i++) {
		const struct binding *b = &t->slots[i];
		if (b->v4 <= BINDING_TOMB)
			continue;
		uint32_t j = binding_slot_of(&n, b->v4);
		while (n.slots[j].v4)
			j = next_slot(&n, j);
		n.slots[j] = *b;
		n.count++;
	}
	slots_free(t);
	*t = n;
	return 0;
}

struct binding *binding_get(const struct binding_table *t, uint32_t v4)
{
	if (!key_valid(v4))
		return NULL;
	for (uint32_t i = binding_slot_of(t, v4);; i = next_slot(t, i)) {
		struct binding *b = &t->slots[i];
		if (b->v4 == v4)
			return b;
		if (b->v4 == 0)
			return NULL;
	}
}

void binding_get_batch(const struct binding_table *t, const uint32_t *v4, unsigned n,
		       struct binding **out)
{
	for (unsigned i = 0; i < n; i++)
		binding_prefetch(t, v4[i]);
	for (unsigned i = 0; i < n; i++)
		out[i] = binding_get(t, v4[i]);
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
			/* sized for the live bindings at 55%: drops the
			 * tombstones, and grows when they are not the cause */
			int r = rehash(t, t->count + 1);
			if (r < 0)
				return r;
		}
		uint32_t i = binding_slot_of(t, v4);
		while (t->slots[i].v4 > BINDING_TOMB)
			i = next_slot(t, i);
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
	uint32_t next = next_slot(t, (uint32_t)(b - t->slots));
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
	uint32_t n = 0, i = (uint32_t)(*cursor % ((uint64_t)t->mask + 1));
	uint64_t slots = MIN((uint64_t)max_slots, (uint64_t)t->mask + 1);
	for (uint64_t k = 0; k < slots; k++, i = next_slot(t, i)) {
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
