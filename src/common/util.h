/* Small helpers shared by every module: big-endian loads/stores that never
 * cast unaligned packet pointers (STYLE 5), time, address formatting. */
#ifndef DS46_COMMON_UTIL_H
#define DS46_COMMON_UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED __attribute__((unused))

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}
static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* Monotonic milliseconds and wall-clock seconds. */
uint64_t now_ms_mono(void);
int64_t now_wall(void);

/* IPv4-mapped IPv6 (RFC 4291 2.5.5.2): ::ffff:a.b.c.d <-> host-order IPv4. */
static inline void in6_set_mapped(struct in6_addr *a, uint32_t v4)
{
	memset(a, 0, 10);
	a->s6_addr[10] = 0xff;
	a->s6_addr[11] = 0xff;
	put_be32(&a->s6_addr[12], v4);
}
static inline int in6_is_mapped(const struct in6_addr *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a->s6_addr, pfx, 12) == 0;
}
static inline uint32_t in6_mapped_v4(const struct in6_addr *a)
{
	return get_be32(&a->s6_addr[12]);
}

/* Formatting into caller buffers; return the buffer. */
#define ADDR6_STRLEN 46
#define ADDR4_STRLEN 16
const char *fmt_in6(const struct in6_addr *a, char buf[ADDR6_STRLEN]);
const char *fmt_in4(uint32_t host_order, char buf[ADDR4_STRLEN]);
/* Not a unicast address a daemon may be configured with (host order):
 * 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3 (multicast, class E, broadcast). */
static inline bool in4_reserved(uint32_t host_order)
{
	return (host_order >> 24) == 0 || (host_order >> 24) == 127 || host_order >= 0xe0000000u;
}
/* Hex: 2*len+1 bytes. */
const char *fmt_hex(const uint8_t *p, size_t len, char *buf, size_t buflen);
/* Parse hex (with optional ':' separators); returns length or -EINVAL. */
int parse_hex(const char *s, uint8_t *out, size_t outlen);

/* Non-cryptographic hashing for in-memory tables: FNV-1a 64 over bytes,
 * chained through h (start with HASH64_INIT), and the splitmix64 finaliser
 * for avalanche before reducing to a bucket. */
#define HASH64_INIT 0xcbf29ce484222325ull
static inline uint64_t hash64_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
static inline uint64_t hash64_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* True when a matches prefix p/len. */
int in6_prefix_match(const struct in6_addr *a, const struct in6_addr *p, unsigned len);

#endif
