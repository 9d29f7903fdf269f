"""The "valgrind-clean daemons" promise for the daemons other than
ds46-dstmd (whose valgrind run is in tests/net/test_dstm_server.py), on
network namespaces (STYLE 14).

ds46-tepd (the DSTM border router), ds46-hostd (the DSTM host), ds46-had
(the Mobile IPv4 home agent), ds46-mnd (the mobile node) and ds46-fad (the
foreign agent, test_fad_valgrind_clean) each run under
valgrind (memcheck, full leak check, a definite leak is an error) through a
real exchange, then stop with SIGTERM: each must exit 0 (valgrind's
--error-exitcode is 99) with "ERROR SUMMARY: 0 errors".  ds46-dstmd runs
natively here.  The Mobile IPv4 test uses test_mip4.py's topology and
configurations (see test_mip4_daemons_valgrind_clean).

Topology (namespaces ds46-<pid>-{lan,x,s,y,z}, the shape of
test_dstm_tunnel.py's, without the rogue host):

    X x0 2001:db8:46::10 --+                   Y y0 2001:db8:46::fe + TEP ::ffff
      ds46-hostd (valgrind)|                     ds46-tepd (valgrind), tep0
      dti0, 0/0 -> dti0    +-- br0 (ds46-lan) --+  y1 198.18.0.1/24 -- z0 198.18.0.2  Z
    S s0 2001:db8:46::1  --+                                          UDP echo, TCP
      ds46-dstmd (native), pool 192.0.2.100-199, TEP ::ffff           sink on 5002/5001

Exchange: X's first ping asks for an address (dstm-04 5.1); pings and UDP
requests X -> Z through Y, counted exactly by both daemons (ds46ctl --json
stats / bindings / leases); with offloads on, 512 KiB by TCP each way
(GSO and GRO in both daemons, their counters logged at exit).  hostd is
then stopped, started again under valgrind (its lease file: no new
exchange), used, stopped again.

Run (plain build only; ASan and valgrind do not mix):
    DS46_BUILD=build /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/net/test_valgrind.py
"""
import ipaddress
import json
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import (BUILD_NAME, DSTMD, HOSTD, PYTHON, TEPD, ctl, dstmd_config, hostd_config,
                      lan_link, tepd_config)

PLAIN = not any(s in Path(BUILD_NAME).name for s in ("asan", "san", "fuzz"))
pytestmark = [
    pytest.mark.skipif(not PLAIN, reason="valgrind runs the plain build only"),
    pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind not installed"),
]

VALGRIND = ["valgrind", "--leak-check=full", "--error-exitcode=99",
            "--errors-for-leak-kinds=definite", "--num-callers=40"]
READY_TIMEOUT = 180.0        # valgrind start-up on a loaded 2-core machine
STOP_TIMEOUT = 180.0         # SIGTERM to exit, leak check included

TEP = "2001:db8:46::ffff"
X6, S6, Y6 = "2001:db8:46::10", "2001:db8:46::1", "2001:db8:46::fe"
Y4, Z4 = "198.18.0.1", "198.18.0.2"
POOL = [str(ipaddress.IPv4Address("192.0.2.100") + i) for i in range(100) if i != 50]
TCP_PORT, UDP_PORT = 5001, 5002
ICMP_ECHO_LEN = 84           # ping's default: 20 IPv4 + 8 ICMP + 56 data

# Z's application: UDP echo ("pong " + request) and a TCP sink that
# answers "<sha256 of what it got>\n" followed by BACK pattern octets; one
# JSON line per exchange in a log file.  Clients: "udp HOST N", "tcp HOST
# N BACK", one JSON line each.
APP = r'''
import hashlib, json, socket, sys, threading


def pattern(n):
    block = hashlib.sha256(b"valgrind").digest() * 4096
    return (block * (n // len(block) + 1))[:n]


def log(path, rec):
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


def serve(path):
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", %(tcp)d))
    t.listen(4)
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
            data = f.read(n)
            c.sendall(hashlib.sha256(data).hexdigest().encode() + b"\n" + pattern(back))
            c.shutdown(socket.SHUT_WR)
            log(path, {"proto": "tcp", "peer": peer[0], "got": len(data)})

    threading.Thread(target=udp, daemon=True).start()
    print("listening", flush=True)
    while True:
        c, peer = t.accept()
        threading.Thread(target=conn, args=(c, peer), daemon=True).start()


def udp(host, count):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(10)
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


def tcp(host, n, back):
    s = socket.create_connection((host, %(tcp)d), timeout=60)
    data = pattern(n)[::-1]
    s.sendall(b"%%d %%d\n" %% (n, back) + data)
    f = s.makefile("rb")
    digest = f.readline().strip().decode()
    got = f.read()
    print(json.dumps({"local": s.getsockname()[0], "sent_sha256": hashlib.sha256(data).hexdigest(),
                      "their_sha256": digest, "received": len(got),
                      "received_ok": got == pattern(back)}))


cmd = sys.argv[1]
if cmd == "serve":
    serve(sys.argv[2])
elif cmd == "udp":
    udp(sys.argv[2], int(sys.argv[3]))
elif cmd == "tcp":
    tcp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
''' % {"tcp": TCP_PORT, "udp": UDP_PORT}

OFFLOAD_RE = re.compile(r"offload: (\d+) TUN reads, (\d+) super-packets cut into (\d+) "
                        r"segments, (\d+) refused; (\d+) decapsulated packets written in "
                        r"(\d+) writes, (\d+) super-packets, (\d+) bad TCP checksums")
OFFLOAD_KEYS = ("tun_reads", "gso_super", "gso_segs", "gso_bad", "gro_in", "gro_out",
                "gro_super", "gro_bad_csum")


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
        time.sleep(0.1)


def delta(before, after, keys):
    return {k: after[k] - before[k] for k in keys}


def valgrind_summary(text):
    """valgrind's ERROR SUMMARY and LEAK SUMMARY lines of one run (without
    the ==pid== prefix), for the report."""
    keep = ("ERROR SUMMARY", "definitely lost", "indirectly lost", "possibly lost",
            "still reachable", "All heap blocks were freed")
    return [re.sub(r"^==\d+==\s*", "", ln) for ln in text.splitlines()
            if ln.startswith("==") and any(k in ln for k in keep)]


def assert_valgrind_clean(d, rc):
    """One run of d (just stopped with SIGTERM, exit status rc): exit 0,
    no valgrind error, no definite leak."""
    text = d.all_stderr[-1]
    print("%s under valgrind: exit %s; %s" % (d.label, rc, "; ".join(valgrind_summary(text))))
    assert rc == 0, "%s exited %s under valgrind:\n%s" % (d.label, rc, text)
    assert "ERROR SUMMARY: 0 errors from 0 contexts" in text, text
    assert re.search(r"definitely lost: 0 bytes|All heap blocks were freed", text), text
    assert "Invalid read" not in text and "Invalid write" not in text, text
    assert "uninitialised" not in text, text


def ping(ns, dst, count):
    """count iputils pings from ns, one after the other, each waiting up to
    10 s for its reply (one ping -c N waits only twice the round-trip time
    for the later replies once one came back, and valgrind's first pass
    through a path is slow): (0 if every one was answered, transmitted,
    received, output)."""
    tx = rx = 0
    outs = []
    for _ in range(count):
        r = sh("ip", "netns", "exec", ns, "ping", "-n", "-c", 1, "-W", 10, dst, check=False,
               timeout=30)
        outs.append(r.stdout + r.stderr)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
        tx, rx = (tx + int(m.group(1)), rx + int(m.group(2))) if m else (tx, rx)
    return (0 if rx == count == tx else 1), tx, rx, "".join(outs)


class Net(SimpleNamespace):
    def addr4(self, dev="dti0"):
        r = sh("ip", "-n", self.x, "-4", "-j", "addr", "show", "dev", dev)
        return [(a["local"], a["prefixlen"]) for i in json.loads(r.stdout or "[]")
                for a in i.get("addr_info", [])]

    def activate(self, tries=40):
        """dstm-04 5.1: the first IPv4 packet asks for the address; ping
        Z once per try until an echo reply comes back.  The address."""
        outs = []
        for _ in range(tries):
            t0 = time.monotonic()
            rc, _, rx, out = ping(self.x, Z4, 1)
            outs.append(out)
            if (rc, rx) == (0, 1):
                return wait_for(self.addr4, 10, "an IPv4 address on dti0")[0][0]
            time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        raise AssertionError("no echo reply from Z:\n" + "".join(outs))

    def app(self, *args, timeout=180):
        r = sh("ip", "netns", "exec", self.x, PYTHON, self.app_py, *args, check=False,
               timeout=timeout)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        assert lines, "app %s: exit %d\n%s%s" % (args, r.returncode, r.stdout, r.stderr)
        return json.loads(lines[-1])

    def z_log(self, proto):
        try:
            text = self.z_log_path.read_text()
        except FileNotFoundError:
            return []
        return [e for e in map(json.loads, text.splitlines()) if e["proto"] == proto]

    def bindings(self):
        return {b["v4"]: b for b in self.tepd.ctl("bindings")["bindings"]}

    def tep_stats(self):
        return self.tepd.ctl("stats")["stats"]

    def host_stats(self):
        return ctl(self.x, "stats", sock=self.hostd.sock)["stats"]

    def host_leases(self):
        return ctl(self.x, "leases", sock=self.hostd.sock)["leases"]


def build_net(topo, workdir, daemon, offload):
    net = Net(topo=topo, workdir=workdir)
    lan = net.lan = topo.ns("lan")
    for key in ("all", "default"):           # a switch: no IPv6 of its own
        topo.sysctl(lan, "net.ipv6.conf.%s.disable_ipv6" % key, 1)
    sh("ip", "-n", lan, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
    sh("ip", "-n", lan, "link", "set", "br0", "up")
    for name, ifn, addrs in (("x", "x0", [X6]), ("s", "s0", [S6]), ("y", "y0", [Y6, TEP])):
        ns = topo.ns(name)
        setattr(net, name, ns)
        topo.veth(ns, ifn, lan, "p" + name)
        sh("ip", "-n", lan, "link", "set", "p" + name, "master", "br0")
        for a in addrs:
            topo.addr(ns, ifn, a + "/64")
    net.z = topo.ns("z")
    for key in ("all", "default"):           # IPv4 only
        topo.sysctl(net.z, "net.ipv6.conf.%s.disable_ipv6" % key, 1)
    topo.veth(net.y, "y1", net.z, "z0")
    sh("ip", "-n", net.y, "addr", "add", Y4 + "/24", "dev", "y1")
    sh("ip", "-n", net.z, "addr", "add", Z4 + "/24", "dev", "z0")
    sh("ip", "-n", net.z, "route", "add", "default", "via", Y4)
    for ns, ifn in ((net.x, "x0"), (net.s, "s0"), (net.y, "y0")):
        topo.wait_ready(ns, ifn)

    net.app_py = workdir / "app.py"
    net.app_py.write_text(APP)
    net.z_log_path = workdir / "z.log"
    p = topo.popen(net.z, PYTHON, net.app_py, "serve", net.z_log_path,
                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True)
    assert p.stdout.readline().strip() == "listening", p.stderr.read()

    net.dstmd = daemon(DSTMD, net.s, dstmd_config(workdir, [lan_link(tep=TEP)]))
    net.tepd = daemon(TEPD, net.y, tepd_config(workdir, address=TEP, offload=offload),
                      wrapper=VALGRIND, timeout=READY_TIMEOUT)
    net.hostd = daemon(HOSTD, net.x, hostd_config(workdir, name="hostd", offload=offload),
                       name="hostd", wrapper=VALGRIND, timeout=READY_TIMEOUT)
    return net


def offload_stats(d):
    m = OFFLOAD_RE.findall(d.all_stderr[-1])
    return dict(zip(OFFLOAD_KEYS, map(int, m[-1]))) if m else None


@pytest.mark.parametrize("offload", [False, True], ids=["no-offload", "offload"])
def test_tunnel_daemons_valgrind_clean(topo, workdir, daemon, offload):
    """tepd and hostd under valgrind: X obtains a lease from dstmd through
    hostd's DHCPv6 client, pings Z (3) and exchanges UDP with it (5)
    through hostd's and tepd's engines, counted exactly by both; with
    offloads, 512 KiB by TCP each way.  SIGTERM: exit 0 and no valgrind
    error from either; hostd restarted under valgrind reuses its lease
    file, carries 2 more pings, and is clean again."""
    net = build_net(topo, workdir, daemon, offload)

    # ---- the lease (dstm-04 5.1, 6.3) ----
    x4 = net.activate()
    assert x4 in POOL
    assert net.addr4() == [(x4, 32)]
    wait_for(lambda: net.bindings().get(x4, {}).get("peer") == X6, 30, "Y's binding of " + x4)
    assert [(l["addr"], l["client"], l["tep"], l["tep_from_dhcpv6"]) for l in
            net.host_leases()] == [(x4, X6, TEP, True)]
    assert [(l["addr"], l["client"], l["state"]) for l in net.dstmd.leases()
            if l["kind"] == "ipv4"] == [(x4, X6, "bound")]
    hs = net.host_stats()
    assert (hs["tx_solicit"], hs["tx_request"], hs["rx_advertise"], hs["rx_reply"],
            hs["leases_acquired"]) == (1, 1, 1, 1, 1)
    assert hs["need_address"] >= 1

    # ---- ping and UDP X -> Z, counted by both engines ----
    keys_b = ("pkts_in", "pkts_out", "bytes_in", "bytes_out")
    keys_h = ("rx_tun", "tx_tunnel", "rx_tunnel", "tx_tun")
    keys_t = ("rx_tunnel", "tx_tunnel", "rx_tun", "tx_tun")
    time.sleep(0.5)                          # activation's last reply counted
    b0, h0, t0 = net.bindings()[x4], net.host_stats(), net.tep_stats()
    rc, tx, rx, out = ping(net.x, Z4, 3)
    assert (rc, tx, rx) == (0, 3, 3), out
    u = net.app("udp", Z4, 5)
    assert u == {"local": x4, "answers": [{"data": "pong request %d" % i, "from": Z4}
                                          for i in range(5)]}
    assert net.z_log("udp") == [{"proto": "udp", "peer": x4, "data": "request %d" % i}
                                for i in range(5)]
    time.sleep(0.5)
    b1, h1, t1 = net.bindings()[x4], net.host_stats(), net.tep_stats()
    udp_out = [20 + 8 + len("request %d" % i) for i in range(5)]
    udp_in = [n + len("pong ") for n in udp_out]
    assert delta(b0, b1, keys_b) == {"pkts_in": 8, "pkts_out": 8,
                                     "bytes_in": 3 * ICMP_ECHO_LEN + sum(udp_out),
                                     "bytes_out": 3 * ICMP_ECHO_LEN + sum(udp_in)}
    assert delta(h0, h1, keys_h) == dict.fromkeys(keys_h, 8)
    assert delta(t0, t1, keys_t) == dict.fromkeys(keys_t, 8)
    for s in (h1, t1):
        assert (s["drop_malformed"], s["drop_no_binding"], s["drop_spoofed_source"],
                s["drop_not_from_tep"], s["drop_not_our_address"]) == (0, 0, 0, 0, 0), s
    assert t1["bindings"] == 1

    # ---- the control sockets: answers and refusals ----
    for d in (net.tepd, net.hostd):
        assert d.ctl("ping")["ok"] is True
        bad = d.ctl("reconfigure", "--duid", "00030001020000000001", check=False)
        assert bad["_exit"] != 0 and bad.get("ok") is not True, bad
    assert [b["v4"] for b in net.tepd.ctl("bindings", "--limit", "1")["bindings"]] == [x4]

    # ---- with offloads: TCP each way (GSO and GRO in both daemons) ----
    n = back = 512 * 1024
    if offload:
        r = net.app("tcp", Z4, n, back)
        assert r["local"] == x4 and r["their_sha256"] == r["sent_sha256"], r
        assert (r["received"], r["received_ok"]) == (back, True), r
        assert net.z_log("tcp") == [{"proto": "tcp", "peer": x4, "got": n}]
        b2 = net.bindings()[x4]
        assert b2["bytes_in"] - b1["bytes_in"] > n
        assert b2["bytes_out"] - b1["bytes_out"] > back

    # ---- SIGTERM: clean exits ----
    hostd, tepd = net.hostd, net.tepd
    assert_valgrind_clean(hostd, hostd.stop(signal.SIGTERM, timeout=STOP_TIMEOUT))
    if offload:
        h = offload_stats(hostd)
        print("hostd offload counters:", h)
        assert h and h["gso_bad"] == 0 and h["gro_bad_csum"] == 0, h
        # X's TCP handed hostd super-packets, cut into segments ...
        assert h["gso_super"] >= 1 and h["gso_segs"] > h["gso_super"], h
        # ... and every decapsulated segment of the way back went into dti0
        assert h["gro_in"] >= back // 1460 and h["gro_out"] <= h["gro_in"], h

    # ---- hostd again, from its lease file: no new exchange ----
    rx_solicit = net.dstmd.stats()["rx_solicit"]
    hostd.start(timeout=READY_TIMEOUT)
    assert wait_for(net.addr4, 30, "the address back on dti0") == [(x4, 32)]
    rc, tx, rx, out = ping(net.x, Z4, 2)
    assert (rc, tx, rx) == (0, 2, 2), out
    hs = net.host_stats()
    assert (hs["tx_solicit"], hs["rx_tunnel"], hs["tx_tunnel"]) == (0, 2, 2), hs
    assert net.dstmd.stats()["rx_solicit"] == rx_solicit
    assert_valgrind_clean(hostd, hostd.stop(signal.SIGTERM, timeout=STOP_TIMEOUT))

    t2 = net.tep_stats()
    assert t2["tx_tun"] - t1["tx_tun"] >= 2 and t2["drop_malformed"] == 0
    assert_valgrind_clean(tepd, tepd.stop(signal.SIGTERM, timeout=STOP_TIMEOUT))
    t = offload_stats(tepd)
    print("tepd offload counters:", t)
    if offload:
        assert t and t["gso_bad"] == 0 and t["gro_bad_csum"] == 0, t
        # every decapsulated segment of X's way went into tep0, coalesced
        assert t["gro_in"] >= n // 1460 and t["gro_super"] >= 1, t
        assert t["gro_out"] < t["gro_in"], t
    else:
        assert t is None, t


# ---- Dual-Stack Mobile IPv4: ds46-had and ds46-mnd --------------------------------

ICMP6_ECHO_LEN = 104         # ping's default: 40 IPv6 + 8 ICMPv6 + 56 data


def test_mip4_daemons_valgrind_clean(topo, workdir, daemon):
    """ds46-had and ds46-mnd under valgrind, on test_mip4.py's topology and
    configurations (imported here, at run time, so that the tunnel tests
    above do not depend on them): the mobile node starts at home
    (deregisters), moves to foreign1 and registers its co-located care-of
    address with its IPv6 home address and prefix (RFC 5944 3.6, RFC 5454
    3.3); CN4 and CN6 ping its home addresses through the home agent's
    tunnels (3 + 3, counted exactly by the binding and both engines); it
    returns home and deregisters.  SIGTERM: exit 0 and no valgrind error
    from either."""
    import mip4_topo as T
    import test_mip4 as M
    for b in (M.HAD, M.MND):
        if not b.exists():
            pytest.fail("%s is missing: build it first" % b)
    net = T.build_mip_net(topo, workdir)
    net.daemon = daemon
    net.had = daemon(M.HAD, net.ha, M.had_config(workdir), name="had", wrapper=VALGRIND,
                     timeout=READY_TIMEOUT)
    net.attach("home")
    net.mnd = daemon(M.MND, net.mn, M.mnd_config(workdir), name="mnd", wrapper=VALGRIND,
                     timeout=READY_TIMEOUT)
    M.wait_home(net, timeout=60)
    assert M.bindings(net) == []

    # ---- away: registration through the co-located care-of address ----
    net.attach("f1")
    (b,) = M.wait_registered(net, M.COA1, timeout=60)
    prefixes = sorted([T.MN_HOA6 + "/128", T.MN_PREFIX6])
    assert (b["home"], b["coa"], b["src"], b["node"], b["encap"]) == (
        T.MN_HOA, M.COA1, M.COA1, "mn1", "ipip"), b
    assert sorted(b["prefixes"]) == prefixes, b
    reg = M.mn_registration(net)
    assert (reg["home"], reg["home_agent"], reg["registered_coa"], reg["encap"]) == (
        T.MN_HOA, T.HA4, M.COA1, "ipip"), reg
    assert sorted((v["granted"], v["outcome"]) for v in reg["v6"]) == [
        (p, "accepted") for p in prefixes], reg
    st = M.ha_stats(net)
    # (a request resent while valgrind is slow is accepted again: its
    # prefixes are counted again, nothing new is programmed)
    assert (st["bindings"], st["ha_proxy_arp_added"], st["ha_proxy_nd_added"]) == (1, 1, 1), st
    assert st["prefix_accepted_coa"] >= 2 and st["prefix_accepted_coa"] % 2 == 0, st

    # ---- CN4 and CN6 -> the home addresses, through the tunnels ----
    keys_dp = ("dp_rx_tunnel", "dp_tx_tunnel", "dp_tx_tun")
    # The home agent's periodic MLD General Query (RFC 6275 10.4.3, every
    # 125 s) and the node's reports would add packets to the counts: a
    # window in which a query went out is measured again.
    for _attempt in range(3):
        time.sleep(0.5)
        h0, m0, b0 = M.ha_stats(net), net.mnd.ctl("stats")["stats"], M.bindings(net)[0]
        rc, tx, rx, out = ping(net.cn4, T.MN_HOA, 3)
        assert (rc, tx, rx) == (0, 3, 3), out
        rc, tx, rx, out = ping(net.cn6, T.MN_HOA6, 3)
        assert (rc, tx, rx) == (0, 3, 3), out
        time.sleep(0.5)
        h1, m1, b1 = M.ha_stats(net), net.mnd.ctl("stats")["stats"], M.bindings(net)[0]
        if all(h1.get(k, 0) == h0.get(k, 0) for k in ("dp_mld_queries_sent", "dp_mld_in")):
            break
    both = 3 * ICMP_ECHO_LEN + 3 * ICMP6_ECHO_LEN
    assert delta(b0, b1, ("pkts_in", "pkts_out", "bytes_in", "bytes_out")) == {
        "pkts_in": 6, "pkts_out": 6, "bytes_in": both, "bytes_out": both}
    assert delta(h0, h1, keys_dp + ("io_tunnel_reads_ipip", "io_tunnel_reads_6in4")) == {
        "dp_rx_tunnel": 6, "dp_tx_tunnel": 6, "dp_tx_tun": 6, "io_tunnel_reads_ipip": 3,
        "io_tunnel_reads_6in4": 3}
    assert delta(m0, m1, keys_dp) == dict.fromkeys(keys_dp, 6)
    # no drop, no error while the traffic went through (before it, the
    # node's kernel may send into mip0 while the node is not registered
    # yet: counted drop_no_binding, which is right)
    for who, s0, s1 in (("ha", h0, h1), ("mn", m0, m1)):
        bad = {k: v - s0.get(k, 0) for k, v in s1.items() if v != s0.get(k, 0) and (
            k.startswith(("dp_ip_drop_", "drop_")) or k in (
                "dp_drop_malformed", "dp_drop_revtun_bad_outer", "dp_drop_revtun_bad_inner6",
                "dp_drop_bad_source", "dp_drop_not_from_ha", "dp_drop_no_binding",
                "io_tx_errors", "io_tun_write_errors", "ha_kernel_errors",
                "mn_kernel_errors", "ha_tunnel_errors", "mn_tunnel_errors"))}
        # the node may drop one late reply to a request it already resent
        # (valgrind is slow; RFC 5944 5.7: identification mismatch)
        bad.pop("drop_id_mismatch", None)
        if who == "mn":
            # the node's kernel sends IPv6 of its own into mip0 now and
            # then (from addresses that are not registered): counted, dropped
            bad.pop("dp_drop_bad_source", None)
        assert bad == {}, bad

    # ---- the control sockets: answers and refusals ----
    for d in (net.had, net.mnd):
        assert d.ctl("ping")["ok"] is True
        r = d.ctl("reconfigure", "--duid", "00030001020000000001", check=False)
        assert r["_exit"] != 0 and r.get("ok") is not True, r
    assert len(net.had.ctl("mobility", "--limit", "1")["bindings"]) == 1

    # ---- home again: deregistration withdraws everything ----
    net.attach("home")
    M.wait_home(net, timeout=60)
    assert M.bindings(net) == []
    st = M.ha_stats(net)
    assert (st["bindings"], st["bindings_removed"], st["ha_proxy_arp_removed"],
            st["ha_proxy_nd_removed"]) == (0, 1, 1, 1), st
    assert st["ha_routes_removed"] == st["ha_routes_added"] >= 1, st

    # ---- SIGTERM: clean exits ----
    for d in (net.mnd, net.had):
        assert_valgrind_clean(d, d.stop(signal.SIGTERM, timeout=STOP_TIMEOUT))


# ---- Dual-Stack Mobile IPv4: ds46-fad ------------------------------------------------

def test_fad_valgrind_clean(topo, workdir, daemon):
    """ds46-fad under valgrind, on test_mip4_fa.py's topology and
    configuration (fa1: IPv6 attach, reverse tunnelling allowed, a store):
    the mobile node (ds46-mnd, agent discovery, the encapsulating delivery
    style) registers through it (RFC 5944 3.7, seed 3.4: code 1); CN4 and
    CN6 ping both home addresses through it (IPv4 re-tunnelled from the
    node's IP in IP, RFC 3024 5.2; IPv6 native); the agent is stopped and
    started again under valgrind and restores the visitor from its store;
    ping again; the control socket answers; SIGTERM: exit 0 and no valgrind
    error in either run."""
    import mip4_topo as T
    import test_mip4 as M
    import test_mip4_fa as F
    for b in (M.HAD, M.MND, F.FAD):
        if not b.exists():
            pytest.fail("%s is missing: build it first" % b)
    net = T.build_mip_net(topo, workdir)
    T.build_fa_nets(net, nat_udp_timeout=F.NAT_TIMEOUT)
    net.daemon = daemon
    net.had = daemon(M.HAD, net.ha, M.had_config(
        workdir, **{"foreign-agents": [{"address": F.FA1_COA, "spi": F.FH_SPI,
                                        "key-hex": F.FH_KEY.hex()}]}), name="had")
    net.fad1 = daemon(F.FAD, net.fa1, F.fad_config(workdir, "fa1", "attach"), name="fad1",
                      wrapper=VALGRIND, timeout=READY_TIMEOUT)
    net.attach("fa1")
    net.mnd = daemon(M.MND, net.mn, M.mnd_config(
        workdir, **{"agent-discovery": True, "reverse-tunnel-delivery": "encapsulating"}),
        name="mnd")
    F.wait_binding(net, F.FA1_COA, timeout=90)
    (v,) = F.fa_ctl(net, "fa1", "visitors")["visitors"]
    assert (v["home"], v["delivery"], v["ipv6"]) == (T.MN_HOA, "encapsulating", "native"), v

    def through():
        s0 = F.fa_ctl(net, "fa1", "stats")["stats"]
        rc, tx, rx, out = ping(net.cn4, T.MN_HOA, 3)
        assert (rc, tx, rx) == (0, 3, 3), out
        rc, tx, rx, out = ping(net.cn6, T.MN_HOA6, 3)
        assert (rc, tx, rx) == (0, 3, 3), out
        s1 = F.fa_ctl(net, "fa1", "stats")["stats"]
        d = delta(s0, s1, ("dp_fa_decap", "dp_fa_encap_delivery", "dp_fa_revtun"))
        # 3 + 3 from the home agent; 3 IPv4 replies re-tunnelled from the
        # node's IP in IP, 3 IPv6 replies reverse-tunnelled natively
        assert d["dp_fa_decap"] >= 6 and d["dp_fa_encap_delivery"] >= 3, d
        assert d["dp_fa_revtun"] >= 6, d

    through()
    assert F.fa_ctl(net, "fa1", "ping")["ok"] is True
    assert_valgrind_clean(net.fad1, net.fad1.stop(signal.SIGTERM, timeout=STOP_TIMEOUT))
    net.fad1.start(timeout=READY_TIMEOUT)
    st = F.fa_ctl(net, "fa1", "stats")["stats"]
    assert st["fa_visitors_restored"] == 1, st
    wait_for(lambda: F.fa_ctl(net, "fa1", "visitors")["visitors"], 30, "visitor listed")
    through()
    assert_valgrind_clean(net.fad1, net.fad1.stop(signal.SIGTERM, timeout=STOP_TIMEOUT))
