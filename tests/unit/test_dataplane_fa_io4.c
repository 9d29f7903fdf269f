/* End-to-end tests of the foreign agent role (engine_fa.c) in the I/O loop
 * of engine_io4.c: packets go through the kernel, the TUN, the engine and
 * the raw sockets.
 *
 * Runs as root in a private network namespace unshared by main() (and a
 * fresh one per test); skipped, saying why, when not root or when unshare
 * fails.
 *
 *   home agent 10.1.0.1 (the test, writing into / reading from up0)
 *     up0: TUN, the foreign agent's uplink, 10.3.0.1/24 (its care-of
 *          address), route 10.1.0.0/16
 *     fa0: io4's TUN (routes 10.50.0.0/16 into it: what a visitor sends
 *          there is reverse-tunnelled)
 *     vl0: TUN, the visitor link, 10.4.0.1/24, route 10.2.0.5/32 (the
 *          visitor's home address) as the daemon installs it
 *   IPv4 forwarding on: fa0 -> vl0 and vl0 -> fa0 are the kernel's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netns_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/engine.h"
#include "dataplane/engine_fa.h"
#include "dataplane/engine_io4.h"
#include "dataplane/engine_mip.h"
#include "os/netlink.h"
#include "os/tun.h"

#define HA       0x0a010001u     /* 10.1.0.1 */
#define FA       0x0a030001u     /* 10.3.0.1: the care-of address */
#define FA_VL    0x0a040001u     /* 10.4.0.1: the agent on the visitor link */
#define HOME     0x0a020005u     /* 10.2.0.5 */
#define HOME2    0x0a020006u     /* 10.2.0.6: not a visitor */
#define CN       0x0a320009u     /* 10.50.0.9 */

static struct in_addr h4(uint32_t host)
{
	struct in_addr a = { .s_addr = htonl(host) };
	return a;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get_be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void sysctl_set(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(v, f);
	fclose(f);
}

static void link_cfg(struct nl *nl, int ifindex, uint32_t addr, uint8_t plen)
{
	assert_int_equal(nl_link_set_up(nl, ifindex, true), 0);
	struct nl_addr a;
	nl_addr_set4(&a, h4(addr));
	assert_int_equal(nl_addr_add(nl, ifindex, &a, plen, 0), 0);
}

static void route_add(struct nl *nl, uint32_t dst, uint8_t plen, int oif)
{
	struct nl_route r = { .family = AF_INET, .dst_len = plen, .oif = oif };
	nl_addr_set4(&r.dst, h4(dst));
	assert_int_equal(nl_route_add(nl, &r), 0);
}

static void tun_up(struct tun *t, const char *name)
{
	struct tun_config tc = { .name = name, .nonblock = true, .cloexec = true };
	assert_int_equal(tun_open(t, &tc), 0);
	assert_int_equal(tun_set_ipv6(t, false), 0);
}

static void pump(struct event_base *base, int fd, const uint64_t *ctr, uint64_t want)
{
	for (int i = 0; i < 400; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (ctr && *ctr >= want)
			return;
		if (fd >= 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			if (poll(&pfd, 1, 0) == 1)
				return;
		}
		usleep(5000);
	}
}

/* The next IPv4 packet the kernel sends out of t, pumping the loop. */
static ssize_t tun_next(struct event_base *base, const struct tun *t, uint8_t *buf, size_t size)
{
	for (int tries = 0; tries < 400; tries++) {
		ssize_t n = tun_read(t, 0, buf, size);
		if (n >= 20 && buf[0] >> 4 == 4)
			return n;
		if (n >= 0)
			continue;
		if (n != -EAGAIN)
			return n;
		pump(base, t->fd[0], NULL, 0);
	}
	return -ETIMEDOUT;
}

static void tun_put(const struct tun *t, const uint8_t *p, size_t len)
{
	struct iovec iov = { (void *)p, len };
	assert_int_equal(tun_writev(t, 0, &iov, 1), (ssize_t)len);
}

static void ip4_hdr(uint8_t *p, size_t len, uint8_t proto, uint32_t src, uint32_t dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)len);
	put_be16(p + 4, 0x7777);
	p[8] = 64;
	p[9] = proto;
	put_be32(p + 12, src);
	put_be32(p + 16, dst);
	put_be16(p + 10, csum(p, 20));
}

/* IPv4/UDP (checksum 0) with n payload octets 'a', 'b', ... */
static size_t udp4(uint8_t *p, uint32_t src, uint32_t dst, size_t n)
{
	ip4_hdr(p, 28 + n, IPPROTO_UDP, src, dst);
	put_be16(p + 20, 5000);
	put_be16(p + 22, 6000);
	put_be16(p + 24, (uint16_t)(8 + n));
	put_be16(p + 26, 0);
	for (size_t i = 0; i < n; i++)
		p[28 + i] = (uint8_t)('a' + i % 26);
	return 28 + n;
}

/* The inner packet as forwarded once by the kernel (TTL 63). */
static void check_fwd(const uint8_t *p, size_t len, uint32_t src, uint32_t dst, size_t n)
{
	assert_int_equal(len, 28 + n);
	assert_int_equal(p[0], 0x45);
	assert_int_equal(p[8], 63);
	assert_int_equal(p[9], IPPROTO_UDP);
	assert_int_equal(get_be32(p + 12), src);
	assert_int_equal(get_be32(p + 16), dst);
	assert_int_equal(csum(p, 20), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[28 + i], (uint8_t)('a' + i % 26));
}

struct fa_env {
	struct dp_engine e;
	struct event_base *base;
	struct dp_io4 *io;
	struct tun up, vl;
	struct nl nl;
};

static void fa_env_up(struct fa_env *f, enum encap4_kind k)
{
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	sysctl_set("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv4/ip_forward", "1");
	assert_int_equal(nl_open(&f->nl), 0);
	assert_int_equal(nl_link_set_up(&f->nl, 1, true), 0);
	tun_up(&f->up, "up0");
	link_cfg(&f->nl, f->up.ifindex, FA, 24);
	route_add(&f->nl, 0x0a010000, 16, f->up.ifindex);
	tun_up(&f->vl, "vl0");
	link_cfg(&f->nl, f->vl.ifindex, FA_VL, 24);
	route_add(&f->nl, HOME, 32, f->vl.ifindex);
	route_add(&f->nl, HOME2, 32, f->vl.ifindex);

	assert_int_equal(dp_init(&f->e, DP_ROLE_MIP_FA, 16), 0);
	struct dp_fa_visitor v = { .home = HOME, .ha = HA, .coa = FA, .encap = k,
				   .revtun4 = true };
	assert_int_equal(dp_fa_visitor_set(&f->e, &v), 0);
	f->base = event_base_new();
	assert_non_null(f->base);
	struct dp_io4_config c = { .tun_name = "fa0", .tun_ipv4_only = true };
	assert_int_equal(dp_io4_open(&f->e, f->base, &c, &f->io), 0);
	int fa0 = dp_io4_tun(f->io)->ifindex;
	assert_int_equal(nl_link_set_up(&f->nl, fa0, true), 0);
	route_add(&f->nl, 0x0a320000, 16, fa0);
}

static void fa_env_down(struct fa_env *f)
{
	dp_io4_close(f->io);
	event_base_free(f->base);
	dp_free(&f->e);
	tun_close(&f->up);
	tun_close(&f->vl);
	nl_close(&f->nl);
}

/* RFC 5944 4.2.2: the home agent's tunnel to the care-of address is
 * unwrapped and the packet delivered on the visitor link. */
static void test_fa_home_agent_to_visitor(void **state)
{
	(void)state;
	NEED_NETNS();
	struct fa_env f;
	static uint8_t p[2048], buf[4096];
	fa_env_up(&f, ENCAP4_IPIP);

	size_t il = udp4(p + 20, CN, HOME, 100);
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, HA, FA);
	tun_put(&f.up, p, 20 + il);
	ssize_t n = tun_next(f.base, &f.vl, buf, sizeof(buf));
	assert_true(n > 0);
	check_fwd(buf, (size_t)n, CN, HOME, 100);
	assert_int_equal(f.e.st.fa_decap, 1);

	/* for someone who is not a visitor: dropped, nothing on the link */
	il = udp4(p + 20, CN, HOME2, 100);
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, HA, FA);
	tun_put(&f.up, p, 20 + il);
	pump(f.base, -1, &f.e.st.drop_fa_no_visitor, 1);
	assert_int_equal(f.e.st.drop_fa_no_visitor, 1);
	/* not from its home agent */
	il = udp4(p + 20, CN, HOME, 100);
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, 0x0a010063, FA);
	tun_put(&f.up, p, 20 + il);
	pump(f.base, -1, &f.e.st.drop_fa_not_from_ha, 1);
	assert_int_equal(f.e.st.drop_fa_not_from_ha, 1);
	assert_int_equal(tun_read(&f.vl, 0, buf, sizeof(buf)), -EAGAIN);
	fa_env_down(&f);
}

/* RFC 3024 5.2 direct delivery, and 5.3 encapsulating delivery: both
 * leave as GRE from the care-of address to the home agent. */
static void test_fa_reverse_tunnel(void **state)
{
	(void)state;
	NEED_NETNS();
	struct fa_env f;
	static uint8_t p[2048], buf[4096];
	fa_env_up(&f, ENCAP4_GRE);

	size_t il = udp4(p, HOME, CN, 100);
	tun_put(&f.vl, p, il);
	ssize_t n = tun_next(f.base, &f.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 4 + 128);
	assert_int_equal(buf[9], IPPROTO_GRE);
	assert_int_equal(get_be32(buf + 12), FA);
	assert_int_equal(get_be32(buf + 16), HA);
	assert_int_equal(csum(buf, 20), 0);
	assert_int_equal(get_be32(buf + 20), 0x00000800);
	check_fwd(buf + 24, 128, HOME, CN, 100);
	assert_int_equal(f.e.st.fa_revtun, 1);

	/* encapsulating delivery: IP in IP to the agent's own address */
	il = udp4(p + 20, HOME, CN, 60);
	p[28] = 64;                  /* untouched by the kernel: inner TTL 64 */
	ip4_hdr(p, 20 + il, IPPROTO_IPIP, HOME, FA);
	tun_put(&f.vl, p, 20 + il);
	n = tun_next(f.base, &f.up, buf, sizeof(buf));
	assert_int_equal(n, 20 + 4 + 88);
	assert_int_equal(buf[9], IPPROTO_GRE);
	assert_int_equal(get_be32(buf + 12), FA);
	assert_int_equal(get_be32(buf + 16), HA);
	assert_int_equal(get_be16(buf + 24 + 2), 88);
	assert_int_equal(buf[24 + 8], 64);
	assert_int_equal(get_be32(buf + 24 + 12), HOME);
	assert_int_equal(get_be32(buf + 24 + 16), CN);
	assert_int_equal(f.e.st.fa_encap_delivery, 1);
	assert_int_equal(f.e.st.fa_revtun, 2);

	/* not a visitor: the engine refuses it */
	il = udp4(p, HOME2, CN, 100);
	tun_put(&f.vl, p, il);
	pump(f.base, -1, &f.e.st.drop_fa_no_visitor, 1);
	assert_int_equal(f.e.st.drop_fa_no_visitor, 1);
	assert_int_equal(tun_read(&f.up, 0, buf, sizeof(buf)), -EAGAIN);
	fa_env_down(&f);
}

int main(void)
{
	log_init("test_dataplane_fa_io4", false, LOG_WARNING);
	netns_enter("test_dataplane_fa_io4");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fa_home_agent_to_visitor),
		cmocka_unit_test(test_fa_reverse_tunnel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
