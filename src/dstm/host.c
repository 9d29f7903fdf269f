#include "dstm/host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

/* RFC 8415 7.1 */
static const struct in6_addr all_dhcp_relay_agents_and_servers = {
	.s6_addr = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2 }
};

/* ---- lease file (JSON, written atomically) ------------------------------ */

static void hex_put(struct json_object *o, const char *k, const uint8_t *p, size_t n)
{
	char buf[2 * DHCP6_DUID_MAX + 1];
	json_object_object_add(o, k, json_object_new_string(fmt_hex(p, n, buf, sizeof(buf))));
}

static void lease_save(struct host *h)
{
	struct client_lease l;
	char a[ADDR6_STRLEN], tmp[300];
	uint64_t now = now_ms_mono();
	if (client_lease_export(&h->cl, now, &l) < 0) {
		unlink(h->cfg->lease_file);
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "saved", json_object_new_int64(now_wall()));
	json_object_object_add(o, "v4", json_object_new_int64(l.v4));
	if (l.has_tep)
		json_object_object_add(o, "tep", json_object_new_string(fmt_in6(&l.tep, a)));
	json_object_object_add(o, "t1", json_object_new_int64(l.t1));
	json_object_object_add(o, "t2", json_object_new_int64(l.t2));
	json_object_object_add(o, "preferred", json_object_new_int64(l.preferred));
	json_object_object_add(o, "valid", json_object_new_int64(l.valid));
	hex_put(o, "server", l.server.data, l.server.len);
	if (l.has_reconf_key) {
		hex_put(o, "reconf_key", l.reconf_key, sizeof(l.reconf_key));
		json_object_object_add(o, "reconf_replay", json_object_new_int64((int64_t)l.reconf_replay));
	}
	if (l.has_unicast)
		json_object_object_add(o, "unicast", json_object_new_string(fmt_in6(&l.unicast, a)));
	snprintf(tmp, sizeof(tmp), "%s.tmp", h->cfg->lease_file);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
		  fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok || rename(tmp, h->cfg->lease_file) < 0)
		log_warn("lease file %s: %s", h->cfg->lease_file, strerror(errno));
	json_object_put(o);
}

static int hex_get(struct json_object *o, const char *k, uint8_t *out, size_t cap)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return -ENOENT;
	return parse_hex(json_object_get_string(v), out, cap);
}

static int64_t int_get(struct json_object *o, const char *k, bool *ok)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int)) {
		*ok = false;
		return 0;
	}
	return json_object_get_int64(v);
}

/* A lease saved by a previous run; -ENOENT if none or unusable. */
static int lease_load(struct host *h, struct client_lease *l, int64_t *age)
{
	struct json_object *o = json_object_from_file(h->cfg->lease_file), *v;
	bool ok = true;
	int r;
	if (!o)
		return -ENOENT;
	memset(l, 0, sizeof(*l));
	int64_t saved = int_get(o, "saved", &ok);
	l->v4 = (uint32_t)int_get(o, "v4", &ok);
	l->t1 = (uint32_t)int_get(o, "t1", &ok);
	l->t2 = (uint32_t)int_get(o, "t2", &ok);
	l->preferred = (uint32_t)int_get(o, "preferred", &ok);
	l->valid = (uint32_t)int_get(o, "valid", &ok);
	r = hex_get(o, "server", l->server.data, sizeof(l->server.data));
	if (r <= 0)
		ok = false;
	else
		l->server.len = (uint8_t)r;
	if (json_object_object_get_ex(o, "tep", &v) && json_object_is_type(v, json_type_string))
		l->has_tep = inet_pton(AF_INET6, json_object_get_string(v), &l->tep) == 1;
	if (json_object_object_get_ex(o, "unicast", &v) && json_object_is_type(v, json_type_string))
		l->has_unicast = inet_pton(AF_INET6, json_object_get_string(v), &l->unicast) == 1;
	if (hex_get(o, "reconf_key", l->reconf_key, sizeof(l->reconf_key)) == DHCP6_RECONF_KEY_LEN) {
		bool rok = true;
		l->has_reconf_key = true;
		l->reconf_replay = (uint64_t)int_get(o, "reconf_replay", &rok);
	}
	json_object_put(o);
	if (!ok) {
		log_warn("lease file %s is unusable: ignored", h->cfg->lease_file);
		return -ENOENT;
	}
	*age = now_wall() - saved;
	if (*age < 0)
		*age = 0;
	return 0;
}

/* ---- the DTI ---------------------------------------------------------------- */

static void dti_routes(struct host *h, bool add)
{
	for (uint8_t i = 0; i < h->cfg->n_routes; i++) {
		struct nl_route rt = { .family = AF_INET, .oif = h->dti,
				       .dst_len = h->cfg->routes[i].plen };
		struct in_addr d = { .s_addr = htonl(h->cfg->routes[i].dst) };
		if (rt.dst_len)
			nl_addr_set4(&rt.dst, d);
		int r = add ? nl_route_replace(&h->nl, &rt) : nl_route_del(&h->nl, &rt);
		if (r < 0 && add)
			log_err("route %s/%u via %s: %s", inet_ntoa(d), rt.dst_len, h->cfg->dti,
				strerror(-r));
	}
	h->routes_added = add;
}

/* dstm-04 6.3 step 1: the address on the interface of the IPv4 stack. */
static void dti_set_address(struct host *h, bool has, uint32_t v4)
{
	struct nl_addr a;
	char b[ADDR4_STRLEN];
	if (h->has_v4 && (!has || v4 != h->v4)) {
		nl_addr_set4(&a, (struct in_addr){ .s_addr = htonl(h->v4) });
		nl_addr_del(&h->nl, h->dti, &a, 32);
		log_info("DTI %s: IPv4 address %s removed", h->cfg->dti, fmt_in4(h->v4, b));
		h->has_v4 = false;
	}
	if (has && !h->has_v4) {
		nl_addr_set4(&a, (struct in_addr){ .s_addr = htonl(v4) });
		int r = nl_addr_add(&h->nl, h->dti, &a, 32, 0);
		if (r < 0 && r != -EEXIST)
			log_err("DTI %s: add %s: %s", h->cfg->dti, fmt_in4(v4, b), strerror(-r));
		h->has_v4 = true;
		h->v4 = v4;
		log_info("DTI %s: IPv4 address %s", h->cfg->dti, fmt_in4(v4, b));
		/* routes through a device whose address changed are re-added
		 * with the new preferred source */
		dti_routes(h, true);
	}
	h->e.has_addr4 = h->has_v4;
	h->e.addr4 = h->v4;
	h->e.icmp_src = h->v4;
}

/* ---- client callbacks ------------------------------------------------------ */

static void host_arm_timer(struct host *h);

static int cb_send(void *ctx, const uint8_t *msg, size_t len, const struct in6_addr *dst)
{
	struct host *h = ctx;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(h->cfg->server_port),
				   .sin6_addr = dst ? *dst : all_dhcp_relay_agents_and_servers,
				   .sin6_scope_id = dst ? 0 : (uint32_t)h->uplink };
	if (sendto(h->dhcp_fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		int e = errno;
		log_rl(LOG_WARNING, "DHCPv6 send: %s", strerror(e));
		return -e;
	}
	return 0;
}

static void emit_to_tun(void *ctx, const uint8_t *pkt, size_t len)
{
	struct host *h = ctx;
	dp_io_tun_write(h->io, pkt, len);
}

static void on_held_again(evutil_socket_t fd, short what, void *arg)
{
	struct host *h = arg;
	(void)fd;
	(void)what;
	dp_host_answer_held(&h->e, emit_to_tun, h);
	dp_host_forget_held(&h->e);
}

static void cb_lease(void *ctx, const struct client_lease *l)
{
	struct host *h = ctx;
	char a[ADDR6_STRLEN];
	dti_set_address(h, true, l->v4);
	/* Twice: an error that reaches a socket while its owner holds it is
	 * only a soft error on Linux, and the connect would wait for the SYN
	 * timeout; the repeat 100 ms later finds it free (a socket the first
	 * answer already failed ignores it). */
	int n = dp_host_answer_held(&h->e, emit_to_tun, h);
	if (n > 0) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
		log_info("answered %d packet(s) sent before the address: their sockets retry", n);
		evtimer_add(h->ev_held, &tv);
	}
	if (l->has_tep) {
		h->e.has_tep = true;
		h->e.tep = l->tep;
	} else if (h->cfg->has_static_tep) {
		h->e.has_tep = true;
		h->e.tep = h->cfg->static_tep;
	} else {
		h->e.has_tep = false;
		log_warn("the server gave no TEP and none is configured: IPv4 cannot leave");
	}
	if (h->e.has_tep)
		log_info("tunnel to TEP %s%s", fmt_in6(&h->e.tep, a),
			 l->has_tep ? " (from DHCPv6)" : " (static)");
	lease_save(h);
}

/* dstm-04 6.3 step 2: the address leaves the interface; the client sends
 * the Release itself. */
static void cb_expired(void *ctx, uint32_t v4, enum client_loss why)
{
	struct host *h = ctx;
	char b[ADDR4_STRLEN];
	log_info("IPv4 address %s lost: %s", fmt_in4(v4, b), client_loss_name(why));
	dti_set_address(h, false, 0);
	unlink(h->cfg->lease_file);
}

static uint32_t cb_rand(void *ctx)
{
	uint32_t v = 0;
	(void)ctx;
	if (RAND_bytes((uint8_t *)&v, sizeof(v)) != 1)
		v = (uint32_t)now_ms_mono() * 2654435761u;
	return v;
}

/* ---- events --------------------------------------------------------------- */

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct host *h = arg;
	(void)fd;
	(void)what;
	client_timeout(&h->cl, now_ms_mono());
	host_arm_timer(h);
}

static void host_arm_timer(struct host *h)
{
	uint64_t next = client_next_timeout(&h->cl), now = now_ms_mono();
	event_del(h->ev_timer);
	if (next == UINT64_MAX)
		return;
	uint64_t d = next > now ? next - now : 0;
	struct timeval tv = { .tv_sec = (time_t)(d / 1000), .tv_usec = (suseconds_t)(d % 1000) * 1000 };
	event_add(h->ev_timer, &tv);
}

static void on_dhcp(evutil_socket_t fd, short what, void *arg)
{
	struct host *h = arg;
	uint8_t buf[DHCP6_MAX_MSG + 1];
	(void)what;
	for (int i = 0; i < 16; i++) {
		struct sockaddr_in6 from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		/* the socket is bound to our global address: everything that
		 * arrives was sent to it (RFC 8415 16.11 for Reconfigure) */
		client_recv(&h->cl, now_ms_mono(), buf, (size_t)n, true);
	}
	host_arm_timer(h);
}

/* dstm-04 5.1: the first IPv4 packet asks for an address. */
static void on_need_address(void *ctx)
{
	struct host *h = ctx;
	if (h->cl.state == CLIENT_IDLE) {
		log_info("first IPv4 packet on %s: requesting an IPv4 address", h->cfg->dti);
		client_start(&h->cl, now_ms_mono());
		host_arm_timer(h);
	}
}

/* RFC 2473 6.7: the DTI's MTU follows the tunnel MTU. */
static void on_mtu(void *ctx, uint16_t mtu)
{
	struct host *h = ctx;
	int r = nl_link_set_mtu(&h->nl, h->dti, mtu);
	if (r < 0)
		log_warn("DTI %s: MTU %u: %s", h->cfg->dti, mtu, strerror(-r));
}

/* ---- setup ----------------------------------------------------------------- */

struct pick6 {
	struct in6_addr a;
	bool found;
};

static int pick_global(const struct nl_addr_info *ai, void *data)
{
	struct pick6 *p = data;
	if (ai->addr.family != AF_INET6 || ai->scope != RT_SCOPE_UNIVERSE ||
	    (ai->flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED)))
		return 0;
	if (!p->found) {
		p->a = ai->addr.v6;
		p->found = true;
	}
	return 0;
}

static int open_dhcp_socket(struct host *h)
{
	int on = 1, hops = 1, ifi = h->uplink;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = h->src6,
				   .sin6_port = htons(h->cfg->client_port) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* DUID-LLT needs a time, DUID-LL a MAC; the configured DUID or a DUID-UUID
 * (RFC 8415 11.5) kept next to the lease file serves as well. */
static int host_duid(struct host *h, struct dhcp6_duid *d)
{
	char path[300];
	if (h->cfg->duid.len) {
		*d = h->cfg->duid;
		return 0;
	}
	snprintf(path, sizeof(path), "%s.duid", h->cfg->lease_file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, d->data, sizeof(d->data));
		close(fd);
		if (n >= 3 && n <= DHCP6_DUID_MAX) {
			d->len = (uint8_t)n;
			return 0;
		}
	}
	d->len = 18;
	put_be16(d->data, 4);
	if (RAND_bytes(d->data + 2, 16) != 1)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, d->data, d->len) != d->len || fsync(fd) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		log_err("DUID file %s: %s", path, strerror(e));
		return -e;
	}
	close(fd);
	return 0;
}

int host_open(struct host *h, const struct host_cfg *cfg, struct event_base *base)
{
	char a[ADDR6_STRLEN];
	struct pick6 p = { 0 };
	uint32_t mtu = 0;
	int r;

	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	h->base = base;
	h->dhcp_fd = -1;
	r = nl_open(&h->nl);
	if (r < 0)
		return r;
	h->uplink = nl_link_index(&h->nl, cfg->uplink);
	if (h->uplink < 0) {
		log_err("uplink %s: %s", cfg->uplink, strerror(-h->uplink));
		return h->uplink;
	}
	nl_addr_list(&h->nl, h->uplink, AF_INET6, pick_global, &p);
	if (!p.found) {
		log_err("uplink %s has no global IPv6 address (dstm-04 5.2: the tunnel source)",
			cfg->uplink);
		return -EADDRNOTAVAIL;
	}
	h->src6 = p.a;

	r = dp_init(&h->e, DP_ROLE_DSTM_HOST, 0);
	if (r < 0)
		return r;
	nl_link_get_mtu(&h->nl, h->uplink, &mtu);
	h->e.tunnel_mtu = cfg->tunnel_mtu ? cfg->tunnel_mtu
			  : mtu > IP6_HDR_LEN + IP4_MIN_MTU ? (uint16_t)(mtu - IP6_HDR_LEN)
							     : DP_DEFAULT_TUNNEL_MTU;
	h->e.mss_clamp = cfg->mss_clamp;
	if (cfg->has_static_tep) {
		h->e.has_tep = true;
		h->e.tep = cfg->static_tep;
		log_warn("static TEP %s configured: dstm-04 5.3 allows it for early deployment; "
			 "it does not scale, prefer the TEP from DHCPv6", fmt_in6(&cfg->static_tep, a));
	}
	/* dstm-04 5.2: the tunnel source is the uplink's address; binding the
	 * raw socket to it also spares the kernel a source selection per packet */
	struct dp_io_config ioc = { .tun_name = cfg->dti, .has_bind = true, .bind_addr = h->src6,
				    .need_address = on_need_address, .mtu_changed = on_mtu,
				    .ctx = h, .offload = cfg->offload };
	r = dp_io_open(&h->e, base, &ioc, &h->io);
	if (r < 0)
		return r;
	h->dti = dp_io_tun(h->io)->ifindex;
	/* dstm-04 5.1: the DTI comes up without an IPv4 address */
	r = nl_link_set_mtu(&h->nl, h->dti, h->e.tunnel_mtu);
	if (r == 0)
		r = nl_link_set_up(&h->nl, h->dti, true);
	if (r < 0) {
		log_err("DTI %s: %s", cfg->dti, strerror(-r));
		return r;
	}
	dti_routes(h, true);

	h->dhcp_fd = open_dhcp_socket(h);
	if (h->dhcp_fd < 0) {
		log_err("DHCPv6 socket [%s]:%u: %s", fmt_in6(&h->src6, a), cfg->client_port,
			strerror(-h->dhcp_fd));
		return h->dhcp_fd;
	}
	h->ev_dhcp = event_new(base, h->dhcp_fd, EV_READ | EV_PERSIST, on_dhcp, h);
	h->ev_timer = evtimer_new(base, on_timer, h);
	h->ev_held = evtimer_new(base, on_held_again, h);
	if (!h->ev_dhcp || !h->ev_timer || !h->ev_held || event_add(h->ev_dhcp, NULL) < 0)
		return -ENOMEM;

	struct client_config cc = {
		.iaid4 = cfg->iaid,
		.ipv4_option_code = cfg->ipv4_option_code,
		.rapid_commit = cfg->rapid_commit,
		.reconfigure_accept = cfg->reconfigure_accept,
		.on_demand = cfg->on_demand,
	};
	r = host_duid(h, &cc.duid);
	if (r < 0)
		return r;
	struct client_ops ops = { .send = cb_send, .lease = cb_lease, .expired = cb_expired,
				  .rand = cb_rand, .ctx = h };
	r = client_init(&h->cl, &cc, &ops);
	if (r < 0)
		return r;

	struct client_lease saved;
	int64_t age;
	if (lease_load(h, &saved, &age) == 0) {
		char b[ADDR4_STRLEN];
		r = client_restore(&h->cl, &saved, now_ms_mono(), age);
		log_info("saved lease %s (%llds old): %s", fmt_in4(saved.v4, b), (long long)age,
			 r == 0 ? "resumed" : "expired");
	}
	if (!cfg->on_demand)
		client_start(&h->cl, now_ms_mono());
	host_arm_timer(h);
	r = host_ctl_open(h);
	if (r < 0) {
		log_err("control socket %s: %s", cfg->control_socket, strerror(-r));
		return r;
	}
	log_info("DTI %s up (MTU %u, %s), DHCPv6 from [%s]:%u on %s", cfg->dti, h->e.tunnel_mtu,
		 cfg->on_demand ? "on demand" : "always", fmt_in6(&h->src6, a), cfg->client_port,
		 cfg->uplink);
	return 0;
}

void host_close(struct host *h)
{
	if (h->cfg && h->ev_timer) {
		if (h->cfg->release_on_stop && h->has_v4) {
			/* one Release goes out now; its retransmissions would
			 * need the loop, which is ending */
			client_stop(&h->cl, now_ms_mono(), true);
		} else {
			lease_save(h);
		}
	}
	if (h->ctl)
		ctl_server_close(h->ctl);
	if (h->ev_dhcp)
		event_free(h->ev_dhcp);
	if (h->ev_timer)
		event_free(h->ev_timer);
	if (h->ev_held)
		event_free(h->ev_held);
	if (h->dhcp_fd >= 0)
		close(h->dhcp_fd);
	if (h->routes_added)
		dti_routes(h, false);
	dp_io_close(h->io);
	h->io = NULL;
	dp_free(&h->e);
	nl_close(&h->nl);
}
