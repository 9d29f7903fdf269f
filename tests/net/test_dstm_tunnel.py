"""DSTM end to end with the real daemons: the seed's example 4.1
(draft-ietf-ngtrans-dstm-04 4.1, 5, 6.3) on network namespaces (STYLE 14).

Topology (build_tunnel_net), namespaces ds46-<pid>-{lan,x,x2,r,s,y,z}:

                  IPv6-only LAN 2001:db8:46::/64 = bridge br0 in ds46-<pid>-lan
                  (multicast snooping off: ff02::1:2 reaches every port)
      px               px2              pr               ps               py
      |                |                |                |                |
  +---+----------+ +---+----------+ +---+----------+ +---+----------+ +---+------------------+
  | x: X         | | x2: X'       | | r: R (rogue) | | s: S         | | y: Y (border router) |
  | x0 ::10      | | x0 ::11      | | r0 ::66      | | s0 ::1       | | y0 ::fe + TEP ::ffff |
  | ds46-hostd   | | ds46-hostd   | | no daemon,   | | ds46-dstmd   | | ds46-tepd            |
  |  dti0 (TUN)  | |  dti0 (TUN)  | | scapy only   | |  dstmd.db ---+-+-> store (read-only)  |
  |  0/0 -> dti0 | |  0/0 -> dti0 | +--------------+ +--------------+ |  tep0 (TUN)          |
  +--------------+ +--------------+                                   |   203.0.113.1/32     |
   X  ==4in6==> 2001:db8:46::ffff (the TEP named in the DHCPv6 Reply) |   192.0.2.0/24->tep0 |
                                                                      |  ip_forward = 1      |
                                                                      |  y1 198.18.0.1/24    |
                                                                      +----------+-----------+
                                                                                 | IPv4 only
                                                                      +----------+-----------+
                                                                      | z: Z  z0 198.18.0.2  |
                                                                      | default via Y        |
                                                                      | APP: TCP 5001, UDP   |
                                                                      |      5002            |
                                                                      +----------------------+

With router=True (RFC 2473 7.2 test) Y is not on the LAN but behind a router
M, over an IPv6 link of MTU 1400; the TEP is then 2001:db8:49::ffff:

   br0 --pm-- m0 2001:db8:46::fd  [m: M, forwarding]  m1 2001:db8:49::1 ==MTU 1400==
              y0 2001:db8:49::2 + TEP 2001:db8:49::ffff [y: Y]; hosts route
              2001:db8:49::/64 via 2001:db8:46::fd, Y routes ::/0 via 2001:db8:49::1

Server (conftest.dstmd_config): link "lan" only (interface s0, prefix
2001:db8:46::/64, TEP as above, IPv4 pool 192.0.2.100-192.0.2.199 without
192.0.2.150), preference 255 so that the host takes the first Advertise.
Border router (conftest.tepd_config): examples/tepd.conf with the store of
that server.  Hosts (conftest.hostd_config): on demand, uplink x0, routes
0.0.0.0/0 into dti0, lease file WORKDIR/hostd-<host>.lease.
"""
import ipaddress
import json
import os
import re
import signal
import subprocess
import time
from types import SimpleNamespace

import pytest

from conftest import (DSTMD, HOSTD, PYTHON, TEPD, Capture, ctl, dstmd_config, hostd_config,
                      lan_link, tepd_config)

TEP = "2001:db8:46::ffff"
TEP_ROUTED = "2001:db8:49::ffff"
Y6, M6 = "2001:db8:46::fe", "2001:db8:46::fd"
HOST6 = {"x": "2001:db8:46::10", "x2": "2001:db8:46::11"}
R6, S6 = "2001:db8:46::66", "2001:db8:46::1"
Y4, Z4, TEP4 = "198.18.0.1", "198.18.0.2", "203.0.113.1"
POOL = [str(ipaddress.IPv4Address("192.0.2.100") + i) for i in range(100) if i != 50]
TCP_PORT, UDP_PORT = 5001, 5002
ICMP_ECHO_LEN = 84           # ping's default: 20 IPv4 + 8 ICMP + 56 data

# The application on both ends: "serve" on Z (TCP sink/source, UDP echo,
# one JSON line per exchange in a log file); "tcp" and "udp" clients on X
# that print one JSON line.  A TCP client retries a failed connect() after
# 0.2 s, up to TRIES times, as applications do.
APP = r'''
import errno, hashlib, json, socket, sys, threading, time


def pattern(n, seed):
    block = hashlib.sha256(seed.encode()).digest() * 2048
    out = bytearray()
    while len(out) < n:
        out += block
    return bytes(out[:n])


def log(path, rec):
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


def serve(path):
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", %(tcp)d))
    t.listen(16)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", %(udp)d))

    def udp():
        while True:
            data, peer = u.recvfrom(65535)
            u.sendto(b"pong " + data, peer)
            log(path, {"proto": "udp", "peer": peer[0], "data": data.decode()})

    def conn(c, peer):
        with c:
            f = c.makefile("rb")
            n, back = (int(x) for x in f.readline().split())
            h, got = hashlib.sha256(), 0
            while got < n:
                b = f.read(min(65536, n - got))
                if not b:
                    break
                h.update(b)
                got += len(b)
            rec = {"proto": "tcp", "peer": peer[0], "got": got, "sha256": h.hexdigest(),
                   "back": back}
            c.sendall((json.dumps(rec) + "\n").encode() + pattern(back, "back"))
            c.shutdown(socket.SHUT_WR)
            while c.recv(65536):
                pass
            log(path, rec)

    threading.Thread(target=udp, daemon=True).start()
    print("listening", flush=True)
    while True:
        c, peer = t.accept()
        threading.Thread(target=conn, args=(c, peer), daemon=True).start()


def tcp(host, n, back, tries):
    attempts = []
    for _ in range(tries):
        t0 = time.monotonic()
        s = socket.socket()
        s.settimeout(20)
        try:
            s.connect((host, %(tcp)d))
        except OSError as e:
            name = errno.errorcode.get(e.errno, "timeout") if e.errno else "timeout"
            attempts.append({"ok": False, "errno": name, "secs": time.monotonic() - t0})
            s.close()
            time.sleep(0.2)
            continue
        # the kernel's view: TCP state (1 = ESTABLISHED) and pending error
        state = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
        attempts.append({"ok": True, "secs": time.monotonic() - t0, "tcp_state": state,
                         "so_error": s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)})
        local = s.getsockname()[0]
        data = pattern(n, "there")
        try:
            s.sendall(b"%%d %%d\n" %% (n, back) + data)
            f = s.makefile("rb")
            reply = json.loads(f.readline())
            h, got = hashlib.sha256(), 0
            while True:
                b = f.read(65536)
                if not b:
                    break
                h.update(b)
                got += len(b)
        except (OSError, ValueError) as e:
            print(json.dumps({"ok": False, "attempts": attempts, "local": local,
                              "transfer_error": repr(e), "secs": time.monotonic() - t0}))
            return 1
        s.close()
        print(json.dumps({"ok": True, "attempts": attempts, "local": local, "sent": n,
                          "sha256": hashlib.sha256(data).hexdigest(), "reply": reply,
                          "received": got, "received_sha256": h.hexdigest(),
                          "expected_sha256": hashlib.sha256(pattern(back, "back")).hexdigest()}))
        return 0
    print(json.dumps({"ok": False, "attempts": attempts}))
    return 1


def udp(host, count):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    u.connect((host, %(udp)d))
    answers = []
    for i in range(count):
        u.send(b"request %%d" %% i)
        try:
            data, peer = u.recvfrom(65535)
            answers.append({"data": data.decode(), "from": peer[0]})
        except socket.timeout:
            answers.append(None)
    print(json.dumps({"local": u.getsockname()[0], "answers": answers}))
    return 0


cmd = sys.argv[1]
if cmd == "serve":
    serve(sys.argv[2])
elif cmd == "tcp":
    sys.exit(tcp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
elif cmd == "udp":
    sys.exit(udp(sys.argv[2], int(sys.argv[3])))
''' % {"tcp": TCP_PORT, "udp": UDP_PORT}


# ---- topology and daemons -------------------------------------------------------

def sh(*cmd, check=True, timeout=60):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(map(str, cmd)), r.returncode,
                                                    r.stdout, r.stderr))
    return r


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(0.05)


class TunnelNet(SimpleNamespace):
    """The namespaces of the drawing above and the daemons in them."""

    def ns_of(self, host):
        return getattr(self, host)

    def addr4(self, host, dev="dti0"):
        """The IPv4 addresses of host's dev: [(address, prefix length)]."""
        r = sh("ip", "-n", self.ns_of(host), "-4", "-j", "addr", "show", "dev", dev)
        return [(a["local"], a["prefixlen"]) for i in json.loads(r.stdout or "[]")
                for a in i.get("addr_info", [])]

    def mtu(self, host, dev="dti0"):
        r = sh("ip", "-n", self.ns_of(host), "-j", "link", "show", "dev", dev)
        return json.loads(r.stdout)[0]["mtu"]

    def wait_addr4(self, host, timeout=10.0):
        return wait_for(lambda: self.addr4(host), timeout, "an IPv4 address on %s's dti0"
                        % host)[0][0]

    def ping(self, host, dst, count=3, extra=(), deadline=None):
        """iputils ping from host's namespace: (exit, transmitted, received, output)."""
        cmd = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", "2", *extra]
        if deadline:
            cmd += ["-w", str(deadline)]
        r = sh("ip", "netns", "exec", self.ns_of(host), *cmd, dst, check=False,
               timeout=(deadline or 30) + 10)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
        tx, rx = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        return r.returncode, tx, rx, r.stdout + r.stderr

    def activate(self, host):
        """dstm-04 5.1: the first IPv4 packet asks for the address (its
        ping ends with "Destination Host Unreachable" once the address is
        there); ping again, once a second, until an echo reply comes back.
        Returns the address."""
        outs = []
        for _ in range(15):
            t0 = time.monotonic()
            rc, _, rx, out = self.ping(host, Z4, count=1)
            outs.append(out)
            if (rc, rx) == (0, 1):
                return self.wait_addr4(host)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        raise AssertionError("no echo reply from Z:\n" + "".join(outs))

    def app(self, host, *args, timeout=120):
        r = sh("ip", "netns", "exec", self.ns_of(host), PYTHON, self.app_py, *args,
               check=False, timeout=timeout)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        assert lines, "app %s: exit %d\n%s%s" % (args, r.returncode, r.stdout, r.stderr)
        return json.loads(lines[-1])

    def z_log(self):
        try:
            text = self.z_log_path.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(ln) for ln in text.splitlines()]

    def bindings(self):
        return {b["v4"]: b for b in self.tepd.ctl("bindings")["bindings"]}

    def tep_stats(self):
        return self.tepd.ctl("stats")["stats"]

    def wait_binding(self, v4, peer, timeout=5.0):
        return wait_for(lambda: self.bindings().get(v4, {}).get("peer") == peer and
                        self.bindings()[v4], timeout, "binding %s -> %s" % (v4, peer))

    def capture(self, ns, ifname, bpf=None, name=None):
        self.n_captures += 1
        path = self.workdir / ("%s-%d.pcap" % (name or ifname, self.n_captures))
        return Capture(self.topo, ns, ifname, path, bpf).start()

    def host_stats(self, host):
        return ctl(self.ns_of(host), "stats", sock=self.hostd[host].sock)["stats"]


# DS46_TUNNEL_OFFLOAD=0/1 runs every scenario with the daemons' TUN
# offloads (GSO/GRO in the data path, `offload` in hostd.conf(5) and
# tepd.conf(5)) off or on; unset: the daemons' default.
OFFLOAD_ENV = os.environ.get("DS46_TUNNEL_OFFLOAD")
OFFLOAD = None if OFFLOAD_ENV in (None, "") else OFFLOAD_ENV not in ("0", "false", "no")


def offload_cfg(offload):
    offload = OFFLOAD if offload is None else offload
    return {} if offload is None else {"offload": offload}


def build_tunnel_net(topo, workdir, daemon, hosts=("x",), router=False, link=None,
                     start_hosts=True, offload=None):
    tep = TEP_ROUTED if router else TEP
    net = TunnelNet(topo=topo, workdir=workdir, tep=tep, n_captures=0, hostd={})
    lan = net.lan = topo.ns("lan")
    for key in ("all", "default"):           # a switch: no IPv6 of its own
        topo.sysctl(lan, "net.ipv6.conf.%s.disable_ipv6" % key, 1)
    sh("ip", "-n", lan, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
    sh("ip", "-n", lan, "link", "set", "br0", "up")

    def port(ns, ifname, portname):
        topo.veth(ns, ifname, lan, portname)
        sh("ip", "-n", lan, "link", "set", portname, "master", "br0")

    for h in hosts:
        ns = topo.ns(h)
        setattr(net, h, ns)
        port(ns, "x0", "p" + h)
        topo.addr(ns, "x0", HOST6[h] + "/64")
        if router:
            topo.route(ns, "2001:db8:49::/64", "via", M6, "dev", "x0")
    net.r = topo.ns("r")
    port(net.r, "r0", "pr")
    topo.addr(net.r, "r0", R6 + "/64")
    net.s = topo.ns("s")
    port(net.s, "s0", "ps")
    topo.addr(net.s, "s0", S6 + "/64")
    net.y = topo.ns("y")
    if router:
        net.m = topo.ns("m")
        port(net.m, "m0", "pm")
        topo.addr(net.m, "m0", M6 + "/64")
        topo.sysctl(net.m, "net.ipv6.conf.all.forwarding", 1)
        topo.veth(net.m, "m1", net.y, "y0")
        for ns, ifn in ((net.m, "m1"), (net.y, "y0")):
            sh("ip", "-n", ns, "link", "set", ifn, "mtu", "1400")
        topo.addr(net.m, "m1", "2001:db8:49::1/64")
        topo.addr(net.y, "y0", "2001:db8:49::2/64")
        topo.addr(net.y, "y0", TEP_ROUTED + "/64")
        topo.route(net.y, "default", "via", "2001:db8:49::1", "dev", "y0")
    else:
        port(net.y, "y0", "py")
        topo.addr(net.y, "y0", Y6 + "/64")
        topo.addr(net.y, "y0", TEP + "/64")
    net.z = topo.ns("z")
    for key in ("all", "default"):           # IPv4 only
        topo.sysctl(net.z, "net.ipv6.conf.%s.disable_ipv6" % key, 1)
    topo.veth(net.y, "y1", net.z, "z0")
    sh("ip", "-n", net.y, "addr", "add", Y4 + "/24", "dev", "y1")
    sh("ip", "-n", net.z, "addr", "add", Z4 + "/24", "dev", "z0")
    sh("ip", "-n", net.z, "route", "add", "default", "via", Y4)
    for h in hosts:
        topo.wait_ready(net.ns_of(h), "x0")
    topo.wait_ready(net.s, "s0")
    topo.wait_ready(net.y, "y0")
    topo.wait_ready(net.r, "r0")

    # Z's application
    net.app_py = workdir / "app.py"
    net.app_py.write_text(APP)
    net.z_log_path = workdir / "z.log"
    p = topo.popen(net.z, PYTHON, net.app_py, "serve", net.z_log_path,
                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True)
    assert p.stdout.readline().strip() == "listening", p.stderr.read()

    lk = {"tep": tep}
    lk.update(link or {})
    net.dstmd = daemon(DSTMD, net.s, dstmd_config(workdir, [lan_link(**lk)]))
    net.offload = offload
    net.tepd = daemon(TEPD, net.y, tepd_config(workdir, address=tep, **offload_cfg(offload)))
    if start_hosts:
        for h in hosts:
            start_hostd(net, daemon, h)
    return net


def start_hostd(net, daemon, host, **cfg):
    for k, v in offload_cfg(net.offload).items():
        cfg.setdefault(k, v)
    name = "hostd-" + host
    d = daemon(HOSTD, net.ns_of(host), hostd_config(net.workdir, name=name, **cfg), name=name)
    net.hostd[host] = d
    return d


@pytest.fixture
def tnet(topo, workdir, daemon):
    """Factory: tnet(hosts=..., router=..., link=...) -> TunnelNet, every
    daemon started."""
    def make(**kw):
        return build_tunnel_net(topo, workdir, daemon, **kw)
    return make


def inner_ip(pkt):
    """(outer IPv6, inner IPv4) of a tunnel packet, else None."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    if IPv6 in pkt and IP in pkt[IPv6]:
        return pkt[IPv6], pkt[IPv6][IP]
    return None


def tunnel_packets(pkts):
    return [t for t in (inner_ip(p) for p in pkts) if t]


def delta(before, after, keys):
    return {k: after[k] - before[k] for k in keys}


def echo_kinds(tun):
    """[(outer src, outer dst, inner src, inner dst, icmp type)] of tunnel packets."""
    from scapy.layers.inet import ICMP
    return [(o.src, o.dst, i.src, i.dst, i[ICMP].type if ICMP in i else None) for o, i in tun]


# ---- dstm-04 5.1, 4.1, 6.1.3 -----------------------------------------------------

def test_dstm_5_1_on_demand_cold_start(tnet):
    """dstm-04 5.1: the DTI comes up without an IPv4 address and nothing is
    asked before traffic; the first connect() to Z starts the DHCPv6
    exchange and fails fast (EHOSTUNREACH, once the address is there),
    the application's retry connects from the leased pool address."""
    net = tnet()
    time.sleep(1.0)                   # on demand: nothing happens by itself
    assert net.addr4("x") == []
    assert net.dstmd.stats()["rx_solicit"] == 0
    assert net.bindings() == {}

    r = net.app("x", "tcp", Z4, 100000, 1000, 5)
    assert r["ok"], r
    first, second = r["attempts"][0], r["attempts"][1]
    assert (first["ok"], first["errno"]) == (False, "EHOSTUNREACH"), r
    assert len(r["attempts"]) == 2 and second["ok"], r

    x4 = r["local"]
    assert net.addr4("x") == [(x4, 32)]
    assert x4 in POOL
    leases = [l for l in net.dstmd.leases() if l["kind"] == "ipv4"]
    assert [(l["addr"], l["client"], l["tep"], l["state"]) for l in leases] == [
        (x4, HOST6["x"], TEP, "bound")]
    s = net.dstmd.stats()
    assert (s["rx_solicit"], s["rx_request"], s["leases_v4_assigned"]) == (1, 1, 1)
    b = net.bindings()
    assert list(b) == [x4] and b[x4]["peer"] == HOST6["x"]
    hs = net.host_stats("x")
    assert (hs["tx_solicit"], hs["tx_request"], hs["rx_advertise"], hs["rx_reply"],
            hs["leases_acquired"]) == (1, 1, 1, 1, 1)
    assert hs["need_address"] >= 1
    # the connection reached Z from the leased address, not translated
    assert r["reply"] == {"proto": "tcp", "peer": x4, "got": 100000, "sha256": r["sha256"],
                          "back": 1000}
    assert (r["received"], r["received_sha256"]) == (1000, r["expected_sha256"])


def test_dstm_4_1_ping_tcp_udp_x_to_z(tnet):
    """dstm-04 4.1: X (IPv6 only, dual stack) talks to the IPv4-only Z
    through Y: ping, a TCP transfer of 3 MB there and 1 MB back, UDP
    request/response; Z sees X's leased address; Y counts exactly the
    echo packets in each direction of X's binding."""
    net = tnet()
    x4 = net.activate("x")
    net.wait_binding(x4, HOST6["x"])
    time.sleep(0.3)
    b0 = net.bindings()[x4]
    rc, tx, rx, out = net.ping("x", Z4, count=3)
    assert (rc, tx, rx) == (0, 3, 3), out
    b1 = net.bindings()[x4]
    assert delta(b0, b1, ("pkts_in", "pkts_out", "bytes_in", "bytes_out")) == {
        "pkts_in": 3, "pkts_out": 3, "bytes_in": 3 * ICMP_ECHO_LEN,
        "bytes_out": 3 * ICMP_ECHO_LEN}

    n, back = 3 * 1024 * 1024, 1024 * 1024
    r = net.app("x", "tcp", Z4, n, back, 1)
    assert r["ok"] and r["local"] == x4, r
    assert r["reply"] == {"proto": "tcp", "peer": x4, "got": n, "sha256": r["sha256"],
                          "back": back}
    assert (r["received"], r["received_sha256"]) == (back, r["expected_sha256"])
    b2 = net.bindings()[x4]
    assert b2["bytes_in"] - b1["bytes_in"] > n
    assert b2["bytes_out"] - b1["bytes_out"] > back

    u = net.app("x", "udp", Z4, 5)
    assert u == {"local": x4, "answers": [{"data": "pong request %d" % i, "from": Z4}
                                          for i in range(5)]}
    udp_log = [e for e in net.z_log() if e["proto"] == "udp"]
    assert udp_log == [{"proto": "udp", "peer": x4, "data": "request %d" % i}
                       for i in range(5)]
    s = net.tep_stats()
    assert (s["drop_no_binding"], s["drop_spoofed_source"], s["drop_malformed"]) == (0, 0, 0)


OFFLOAD_RE = re.compile(r"offload: (\d+) TUN reads, (\d+) super-packets cut into (\d+) "
                        r"segments, (\d+) refused; (\d+) decapsulated packets written in "
                        r"(\d+) writes, (\d+) super-packets, (\d+) bad TCP checksums")
OFFLOAD_KEYS = ("tun_reads", "gso_super", "gso_segs", "gso_bad", "gro_in", "gro_out",
                "gro_super", "gro_bad_csum")


def offload_stats(d):
    """The data plane's offload counters that d logged when it stopped."""
    m = OFFLOAD_RE.findall("".join(d.all_stderr))
    return dict(zip(OFFLOAD_KEYS, map(int, m[-1]))) if m else None


@pytest.mark.parametrize("offload", [True, False], ids=["offload", "plain"])
def test_offload_tcp_transfer(tnet, offload):
    """Issue 3 ("How fast"): with `offload = true` both daemons open their
    TUN with a virtio-net header and TSO: X's kernel hands hostd TCP
    super-packets, which it cuts into segments with complete checksums
    (dataplane/offload.c) and tunnels; tepd coalesces the decapsulated
    segments again before writing them into tep0.  A TCP transfer of 8 MiB
    X -> Z and 4 MiB back arrives intact; with `offload = false` the same
    transfer takes the plain path and no offload is logged."""
    net = tnet(offload=offload)
    x4 = net.activate("x")
    net.wait_binding(x4, HOST6["x"])
    n, back = 8 * 1024 * 1024, 4 * 1024 * 1024
    r = net.app("x", "tcp", Z4, n, back, 1)
    assert r["ok"] and r["local"] == x4, r
    assert r["reply"] == {"proto": "tcp", "peer": x4, "got": n, "sha256": r["sha256"],
                          "back": back}
    assert (r["received"], r["received_sha256"]) == (back, r["expected_sha256"])
    s = net.tep_stats()
    assert (s["drop_no_binding"], s["drop_spoofed_source"], s["drop_malformed"]) == (0, 0, 0)
    hs = net.host_stats("x")
    assert hs["drop_malformed"] == 0
    hostd, tepd = net.hostd["x"], net.tepd
    assert hostd.stop() == 0 and tepd.stop() == 0
    h, t = offload_stats(hostd), offload_stats(tepd)
    if not offload:
        assert (h, t) == (None, None)
        assert "virtio-net header" not in "".join(hostd.all_stderr + tepd.all_stderr)
        return
    print("offload counters: hostd %s, tepd %s" % (h, t))
    assert h and t, (h, t)
    # X -> Z: X's TCP sent super-packets through dti0, hostd cut them
    assert h["gso_super"] >= 1 and h["gso_segs"] > h["gso_super"], h
    assert (h["gso_bad"], t["gso_bad"], h["gro_bad_csum"], t["gro_bad_csum"]) == (0, 0, 0, 0)
    # every segment of a super-packet went into the tunnel: at least the
    # octets sent, in packets the tunnel MTU allows
    assert h["gso_segs"] >= n // 1460
    # tepd coalesced them again: fewer writes into tep0 than packets
    assert t["gro_super"] >= 1 and t["gro_out"] < t["gro_in"], t
    assert h["gro_in"] >= back // 1460 and h["gro_out"] <= h["gro_in"], h


def test_dstm_6_1_3_tep_from_dhcpv6(tnet):
    """dstm-04 6.1.3 and 6.3 step 3 (5.3): the host has no TEP configured;
    the Reply's IPv4 Global Address option names it, and every tunnel
    packet of X goes from X's global address to exactly that TEP (outer
    addresses seen on the LAN); Y binds X's address to X's global address."""
    from scapy.layers.dhcp6 import DHCP6_Reply
    net = tnet()
    cap = net.capture(net.lan, "px")
    x4 = net.activate("x")
    rc, tx, rx, out = net.ping("x", Z4, count=3)
    assert (rc, rx) == (0, 3), out
    pkts = cap.stop()

    replies = [p[DHCP6_Reply] for p in pkts if DHCP6_Reply in p]
    assert len(replies) == 1
    raw = bytes(replies[0])
    # option 65046, length 16: the TEP; directly before the IA_NA (3)
    opt = (65046).to_bytes(2, "big") + (16).to_bytes(2, "big")
    i = raw.index(opt)
    assert ipaddress.IPv6Address(raw[i + 4:i + 20]) == ipaddress.IPv6Address(TEP)
    assert raw[i + 20:i + 22] == (3).to_bytes(2, "big")
    assert ipaddress.IPv4Address(x4).packed in raw   # ::ffff:X4 in that IA_NA

    tun = tunnel_packets(pkts)
    out_ = [(o.src, o.dst) for o, i in tun if i.src == x4]
    in_ = [(o.src, o.dst) for o, i in tun if i.dst == x4]
    assert len(out_) >= 3 and set(out_) == {(HOST6["x"], TEP)}
    assert len(in_) >= 3 and set(in_) == {(TEP, HOST6["x"])}
    assert len(tun) == len(out_) + len(in_)
    b = net.bindings()
    assert {k: (v["peer"]) for k, v in b.items()} == {x4: HOST6["x"]}
    hl = ctl(net.x, "leases", sock=net.hostd["x"].sock)["leases"]
    assert [(l["addr"], l["client"], l["tep"], l["tep_from_dhcpv6"]) for l in hl] == [
        (x4, HOST6["x"], TEP, True)]


# ---- dstm-04 5.2: replies to their owner only, anti-spoofing ---------------------

def test_dstm_5_2_replies_reach_only_owner(tnet):
    """dstm-04 5.2: X and X' hold different addresses; Z pings both; each
    host's uplink carries only the tunnel packets of its own address
    (3 requests in, 3 replies out) and Y's binding counters agree."""
    net = tnet(hosts=("x", "x2"))
    x4 = net.activate("x")
    x24 = net.activate("x2")
    assert x4 != x24 and {x4, x24} <= set(POOL)
    net.wait_binding(x4, HOST6["x"])
    net.wait_binding(x24, HOST6["x2"])
    time.sleep(0.3)
    b0 = net.bindings()
    h0 = {h: net.host_stats(h) for h in ("x", "x2")}
    caps = {h: net.capture(net.ns_of(h), "x0", "ip6", name=h) for h in ("x", "x2")}
    for dst in (x4, x24):
        rc, tx, rx, out = net.ping("z", dst, count=3)
        assert (rc, tx, rx) == (0, 3, 3), out
    pkts = {h: c.stop() for h, c in caps.items()}
    b1 = net.bindings()
    h1 = {h: net.host_stats(h) for h in ("x", "x2")}

    for h, mine in (("x", x4), ("x2", x24)):
        assert sorted(echo_kinds(tunnel_packets(pkts[h]))) == sorted(
            [(net.tep, HOST6[h], Z4, mine, 8)] * 3 + [(HOST6[h], net.tep, mine, Z4, 0)] * 3)
        assert delta(b0[mine], b1[mine], ("pkts_in", "pkts_out", "bytes_in", "bytes_out")) == {
            "pkts_in": 3, "pkts_out": 3, "bytes_in": 3 * ICMP_ECHO_LEN,
            "bytes_out": 3 * ICMP_ECHO_LEN}
        assert b1[mine]["peer"] == HOST6[h]
        # the host's engine: 3 in from its TEP to its address, 3 out
        assert delta(h0[h], h1[h], ("rx_tunnel", "tx_tun", "rx_tun", "tx_tunnel",
                                    "drop_not_our_address", "drop_not_from_tep")) == {
            "rx_tunnel": 3, "tx_tun": 3, "rx_tun": 3, "tx_tunnel": 3,
            "drop_not_our_address": 0, "drop_not_from_tep": 0}


def test_anti_spoofing_rogue_dropped(tnet):
    """docs/dataplane.md (issue 3): R, on the same LAN, tunnels packets
    with X's IPv4 address as inner source to the TEP (scapy, raw socket):
    Z receives none, Y's drop_spoofed_source grows by exactly the number
    sent; replies for X's address go to X, never to R."""
    net = tnet()
    x4 = net.activate("x")
    net.wait_binding(x4, HOST6["x"])
    time.sleep(0.3)
    s0 = net.tep_stats()
    zcap = net.capture(net.z, "z0", "ip", name="z")
    rcap = net.capture(net.r, "r0", "ip6", name="r")
    sent = 7
    spoof = (
        "import socket\n"
        "from scapy.layers.inet import IP, ICMP, UDP\n"
        "s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)\n"
        "for i in range(%d):\n"
        "    p = IP(src=%r, dst=%r)/(ICMP(id=0x4646, seq=i) if i %% 2 else UDP(sport=4646, dport=%d)/b'spoof')\n"
        "    s.sendto(bytes(p), (%r, 0))\n" % (sent, x4, Z4, UDP_PORT, net.tep))
    sh("ip", "netns", "exec", net.r, PYTHON, "-c", spoof)
    time.sleep(0.5)
    # a reply for X's address meanwhile: it goes to X only
    rc, tx, rx, out = net.ping("z", x4, count=2)
    assert (rc, rx) == (0, 2), out
    zpk = zcap.stop()
    rpk = rcap.stop()
    s1 = net.tep_stats()

    from scapy.layers.inet import ICMP, IP, UDP
    from scapy.layers.inet6 import IPv6
    spoofed_at_z = [p for p in zpk if IP in p and p[IP].src == x4 and
                    ((UDP in p and p[UDP].sport == 4646) or (ICMP in p and p[ICMP].id == 0x4646))]
    assert spoofed_at_z == []
    assert [e for e in net.z_log() if e["proto"] == "udp"] == []
    assert s1["drop_spoofed_source"] - s0["drop_spoofed_source"] == sent
    assert s1["drop_no_binding"] - s0["drop_no_binding"] == 0
    assert s1["tx_tun"] - s0["tx_tun"] == 2          # only X's two echo replies
    # On R's link: its own tunnel packets, nothing tunnelled or unicast to
    # it, no ICMPv6 error about them.
    assert [(o.src, o.dst) for o, i in tunnel_packets(rpk)] == [(R6, net.tep)] * sent
    to_r = [p for p in rpk if IPv6 in p and p[IPv6].dst == R6 and
            (p[IPv6].nh != 58 or p[IPv6].payload.type < 128)]
    assert to_r == []


# ---- dstm-04 6.3: expiry ----------------------------------------------------------

def test_dstm_6_3_expiry_removes_address_and_releases(tnet):
    """dstm-04 6.3 step 2: lifetimes t1 2, t2 4, preferred 6, valid 8 s; the
    server is frozen (SIGSTOP) once X is bound, so Renew and Rebind get no
    answer.  At the valid lifetime's end the address leaves dti0 and X
    sends a Release for ::ffff:X4; after SIGCONT the server has freed the
    lease and Y's binding is gone."""
    from scapy.layers.dhcp6 import DHCP6_Rebind, DHCP6_Release, DHCP6_Renew
    net = tnet(link={"t1": 2, "t2": 4, "preferred-lifetime": 6, "valid-lifetime": 8})
    cap = net.capture(net.lan, "px", "udp port 547", name="dhcp")
    x4 = net.activate("x")
    t_bound = time.monotonic()       # the Reply came before this
    net.wait_binding(x4, HOST6["x"])
    net.dstmd.send_signal(signal.SIGSTOP)
    try:
        # Not before the valid lifetime: half way through it (and past T1
        # and T2, whose Renew and Rebind go unanswered) the address is
        # still there.  No timing is asserted beyond that order.
        time.sleep(max(0.0, t_bound + 4.0 - time.monotonic()))
        assert net.addr4("x") == [(x4, 32)], "the address left dti0 before its valid lifetime"
        wait_for(lambda: net.addr4("x") == [], 15, "the address to leave dti0")
        time.sleep(0.5)
        pkts = cap.stop()
    finally:
        net.dstmd.send_signal(signal.SIGCONT)
    mapped = ipaddress.IPv6Address("::ffff:" + x4).packed
    renews = [p for p in pkts if DHCP6_Renew in p]
    rebinds = [p for p in pkts if DHCP6_Rebind in p]
    releases = [p for p in pkts if DHCP6_Release in p]
    assert renews and rebinds and releases, [p.summary() for p in pkts]
    assert all(mapped in bytes(p[DHCP6_Release]) for p in releases)
    assert releases[0].time >= max(p.time for p in rebinds)

    def freed():
        return not [l for l in net.dstmd.leases() if l["addr"] == x4 and l["state"] == "bound"]
    wait_for(freed, 10, "the server to free %s" % x4)
    assert net.dstmd.stats()["rx_release"] >= 1
    wait_for(lambda: x4 not in net.bindings(), 5, "Y's binding of %s to go" % x4)
    assert net.bindings() == {}


# ---- RFC 2473 7.2: path MTU --------------------------------------------------------

def test_rfc2473_7_2_pmtu_icmp_and_tcp(tnet):
    """RFC 2473 7.2 a and 8.3 (dstm-04 5.3): between the LAN and Y a router
    M with an IPv6 link of MTU 1400.  A DF ping of 1440 octets (-s 1412)
    from X makes a 1480-octet tunnel packet: M answers X with ICMPv6
    Packet Too Big (MTU 1400), X's tunnel MTU and dti0's MTU drop to
    1360, ping reports fragmentation needed / message too long and gets
    no reply; a 2 MB TCP transfer X -> Z (and 1 MB back) then completes."""
    net = tnet(router=True)
    x4 = net.activate("x")
    net.wait_binding(x4, HOST6["x"])
    assert net.mtu("x") == 1460
    cap = net.capture(net.lan, "px", "icmp6", name="ptb")
    rc, tx, rx, out = net.ping("x", Z4, count=3, extra=("-M", "do", "-s", "1412"))
    pkts = cap.stop()
    assert rx == 0 and rc != 0, out
    assert re.search(r"Frag needed|[Mm]essage too long", out), out
    assert re.search(r"mtu ?= ?1360", out), out
    assert net.mtu("x") == 1360
    hs = net.host_stats("x")
    assert hs["tunnel_mtu"] == 1360 and hs["icmp6_errors"] >= 1

    from scapy.layers.inet6 import ICMPv6PacketTooBig, IPv6
    ptb = [p for p in pkts if ICMPv6PacketTooBig in p]
    assert ptb and all((p[IPv6].src, p[IPv6].dst, p[ICMPv6PacketTooBig].mtu) ==
                       (M6, HOST6["x"], 1400) for p in ptb)

    n, back = 2 * 1024 * 1024, 1024 * 1024
    r = net.app("x", "tcp", Z4, n, back, 1)
    assert r["ok"], r
    assert r["reply"] == {"proto": "tcp", "peer": x4, "got": n, "sha256": r["sha256"],
                          "back": back}
    assert (r["received"], r["received_sha256"]) == (back, r["expected_sha256"])


# ---- restarts ----------------------------------------------------------------------

def test_kill9_tepd_restart_resumes(tnet):
    """Y's tepd killed with SIGKILL and started again: it reloads the one
    binding from the server's store and traffic flows again."""
    net = tnet()
    x4 = net.activate("x")
    net.wait_binding(x4, HOST6["x"])
    rc, tx, rx, out = net.ping("x", Z4, count=2)
    assert (rc, rx) == (0, 2), out
    net.tepd.kill9()
    rc, tx, rx, out = net.ping("x", Z4, count=1)
    assert rx == 0, out
    net.tepd.start()
    b = net.wait_binding(x4, HOST6["x"])
    assert (b["pkts_in"], b["pkts_out"]) == (0, 0)
    s = net.tep_stats()
    assert (s["leases_loaded"], s["bindings_added"], s["bindings"]) == (1, 1, 1)
    rc, tx, rx, out = net.ping("x", Z4, count=3)
    assert (rc, tx, rx) == (0, 3, 3), out
    r = net.app("x", "tcp", Z4, 200000, 0, 1)
    assert r["ok"] and r["reply"]["got"] == 200000 and r["reply"]["peer"] == x4, r


def test_hostd_restart_keeps_lease(tnet):
    """RFC 8415 18.2 / dstm-04 6.3: X's hostd stopped with SIGTERM (exit 0)
    and started again puts the same address back on dti0 from its lease
    file, without a new Solicit; traffic works at once."""
    net = tnet()
    x4 = net.activate("x")
    net.wait_binding(x4, HOST6["x"])
    s0 = net.dstmd.stats()
    assert s0["rx_solicit"] == 1
    assert net.hostd["x"].stop() == 0
    net.hostd["x"].start()
    assert net.wait_addr4("x", timeout=5) == x4
    assert net.addr4("x") == [(x4, 32)]
    rc, tx, rx, out = net.ping("x", Z4, count=3)
    assert (rc, tx, rx) == (0, 3, 3), out
    s1 = net.dstmd.stats()
    assert s1["rx_solicit"] == s0["rx_solicit"]
    assert net.host_stats("x")["tx_solicit"] == 0
    assert [(l["addr"], l["client"]) for l in net.dstmd.leases() if l["kind"] == "ipv4"] == [
        (x4, HOST6["x"])]
    assert net.bindings()[x4]["peer"] == HOST6["x"]


# ---- decoding by a third party -------------------------------------------------------

def test_tshark_decodes_tunnel(tnet):
    """RFC 2473 / dstm-04 5.2 on the wire as Wireshark sees it: the DHCPv6
    exchange and the tunnel packets (ping and a TCP connection) decode as
    IPv6 / IPv4 / ICMP and IPv6 / IPv4 / TCP, without malformed packets or
    expert errors."""
    net = tnet()
    cap = net.capture(net.lan, "px", name="tshark")
    x4 = net.activate("x")
    rc, tx, rx, out = net.ping("x", Z4, count=2)
    assert rx == 2, out
    r = net.app("x", "tcp", Z4, 20000, 20000, 1)
    assert r["ok"], r
    cap.stop()
    path = cap.path
    fields = sh("tshark", "-r", path, "-T", "fields", "-e", "frame.protocols").stdout.split()
    stacks = set(fields)
    tunnel = [st for st in stacks if re.search(r":ipv6(:ipv6\.dstopts)?:ip:", st)]
    assert any(":ip:icmp" in st for st in tunnel), stacks
    assert any(":ip:tcp" in st for st in tunnel), stacks
    assert any(st.endswith(":udp:dhcpv6") for st in stacks), stacks
    verbose = sh("tshark", "-r", path, "-V").stdout
    assert "Internet Protocol Version 6" in verbose
    assert "Internet Protocol Version 4, Src: %s, Dst: %s" % (x4, Z4) in verbose
    assert "Internet Control Message Protocol" in verbose
    assert "Transmission Control Protocol" in verbose
    assert "Malformed" not in verbose
    assert "Expert Info (Error" not in verbose
    expert = sh("tshark", "-r", path, "-q", "-z", "expert,error").stdout
    assert not re.search(r"^\s*Errors \(\d+\)", expert, re.M), expert
