#include "common/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

uint64_t now_ms_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

const char *fmt_in6(const struct in6_addr *a, char buf[ADDR6_STRLEN])
{
	return inet_ntop(AF_INET6, a, buf, ADDR6_STRLEN);
}

const char *fmt_in4(uint32_t v, char buf[ADDR4_STRLEN])
{
	snprintf(buf, ADDR4_STRLEN, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff,
		 (v >> 8) & 0xff, v & 0xff);
	return buf;
}

const char *fmt_hex(const uint8_t *p, size_t len, char *buf, size_t buflen)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len && o + 2 < buflen; i++) {
		buf[o++] = hx[p[i] >> 4];
		buf[o++] = hx[p[i] & 15];
	}
	if (buflen)
		buf[o < buflen ? o : buflen - 1] = '\0';
	return buf;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int parse_hex(const char *s, uint8_t *out, size_t outlen)
{
	size_t n = 0;
	while (*s) {
		if (*s == ':') {
			s++;
			continue;
		}
		int hi = hexval((unsigned char)s[0]);
		int lo = s[1] ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0 || n >= outlen)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return (int)n;
}

int in6_prefix_match(const struct in6_addr *a, const struct in6_addr *p, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;
	if (len > 128)
		return 0;
	if (memcmp(a->s6_addr, p->s6_addr, bytes) != 0)
		return 0;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));
		if ((a->s6_addr[bytes] & mask) != (p->s6_addr[bytes] & mask))
			return 0;
	}
	return 1;
}
