r"""Dual-Stack Mobile IPv4 end to end (RFC 5944 + RFC 5454, seed
draft-ietf-mip4-dsmipv4-06), co-located care-of address, on network
namespaces (STYLE 14).  Helpers and the registration builder:
tests/net/mip4_topo.py.

Topology (mip4_topo.build_mip_net), namespaces ds46-<pid>-{sw,r,ha,cn4,cn6,mn,sq,sp}:

          cn4: CN4                                  cn6: CN6
          c4 198.51.100.2 (IPv4 only)               c6 2001:db8:60::2 (IPv6 only)
               |                                         |
               | r4 198.51.100.1                         | r6 2001:db8:60::1
          +----+-----------------------------------------+----+
          | r: router (IPv4 and IPv6 forwarding)              |
          |    route 2001:db8:47::/64 via 2001:db8:46::1 (HA) |
          +---+-------------------------+----------------+----+
              | rh 192.0.2.254          | rf1 10.1.0.1   | rf2 10.2.0.1
              |    2001:db8:46::fe      |                |
   ====+======+=====+=========     =====+=====+====   ===+===========
       brh: home link               brf1: foreign1     brf2: foreign2
       192.0.2.0/24                 10.1.0.0/24        10.2.0.0/24
       2001:db8:46::/64             IPv4 only          IPv4 only
       |                |                 |
   ha: h0 192.0.2.1   sq: q0            sp: s0 10.1.0.66
       2001:db8:46::1     2001:db8:46::99   (scapy: spoofed reverse-
       ds46-had,          (answers DAD)      tunnel packets)
       mip-ha0 (TUN)

   mn: m0 ===veth=== pm, a port of one bridge at a time:
       "ip link set pm master brh|brf1|brf2", m0 flushed and readdressed:
       home 192.0.2.10/24 + 2001:db8:46::10/64, f1 10.1.0.10/24, f2 10.2.0.10/24;
       ds46-mnd, mip0 (TUN)

   The three bridges live in sw (no IP of its own).

The home agent's tunnel to a care-of address (10.1.0.10 / 10.2.0.10) leaves
h0 for the router and crosses it to the foreign network.  The mobile node
(home address 192.0.2.10, IPv6 home address 2001:db8:46::10/128 and prefix
2001:db8:47::/64) registers with SPI 300, HMAC-MD5 key 01..10.  A second
configured node (192.0.2.11, SPI 301) owns 2001:db8:48::/64: the policy
tests ask for it.  Registrations are also built byte by byte
(mip4_topo.request) and sent from the mobile node's namespace on foreign1
without ds46-mnd.
"""
import json
import re
import shutil
import subprocess
import time

import pytest

import mip4_topo as T
from conftest import BUILD, libconfig
from mip4_topo import (CN4, CN6, HA4, MN_HOA, MN_HOA6, MN_PREFIX6, SPOOF4, SQUAT6,
                       build_mip_net, in_ns, sh, wait_for)

HAD = BUILD / "ds46-had"
MND = BUILD / "ds46-mnd"
COA1, COA2 = T.FOREIGN["f1"][1], T.FOREIGN["f2"][1]
STREAM_PORT = 7000


# ---- configurations ---------------------------------------------------------------

def had_config(workdir, nodes=None, **ha):
    """ds46-had (src/mip4/ha_config.h, examples/had.conf) on the home link h0."""
    h = {
        "address": HA4,
        "home-link": "h0",
        "home-network": T.HOME_NET,
        "home-prefixes": [T.HOME6_NET],
        "max-lifetime": 600,
        "replay-window": 7,
        "encapsulations": ["ipip", "gre", "minimal"],
        "reverse-tunnel": "allowed",
        "ipv6": True,
        "tunnel-mode": True,
        "dad-timeout-ms": 500,
        "store": str(workdir / "had.db"),
        "control-socket": str(workdir / "had.sock"),
        "log-level": "debug",
    }
    h.update({k.replace("_", "-"): v for k, v in ha.items()})
    if nodes is None:
        nodes = [
            {"name": "mn1", "home-address": MN_HOA, "spi": T.SPI, "key-hex": T.KEY.hex(),
             "prefixes": [MN_PREFIX6, MN_HOA6 + "/128", SQUAT6 + "/128"]},
            {"name": "mn2", "home-address": T.MN2_HOA, "spi": T.SPI2,
             "key-hex": T.KEY2.hex(), "prefixes": ["2001:db8:48::/64"]},
        ]
    return "ha = %s;\n" % libconfig(dict(h, nodes=nodes))


def mnd_config(workdir, **mn):
    """ds46-mnd (src/mip4/mn_config.h, examples/mnd.conf): home link m0."""
    m = {
        "home-address": MN_HOA,
        "home-prefix-length": 24,
        "home-agent": HA4,
        "spi": T.SPI,
        "key": ":".join("%02x" % b for b in T.KEY),
        "lifetime": 300,
        "encapsulation": "ipip",
        "reverse-tunnel": True,
        "home-interface": "m0",
        "tunnel-interface": "mip0",
        "control-socket": str(workdir / "mnd.sock"),
        "state-file": str(workdir / "mnd.state"),
        "log-level": "debug",
        "ipv6": {"prefixes": [MN_HOA6 + "/128", MN_PREFIX6], "tunnel-mode": True},
    }
    m.update({k.replace("_", "-"): v for k, v in mn.items()})
    return "mn = %s;\n" % libconfig(m)


# ---- fixtures -----------------------------------------------------------------------

@pytest.fixture
def mnet(topo, workdir, daemon):
    """The topology with ds46-had started; net.start_mnd() starts ds46-mnd."""
    if not HAD.exists():
        pytest.fail("%s is missing: build it first" % HAD)
    net = build_mip_net(topo, workdir)
    net.daemon = daemon
    net.had = daemon(HAD, net.ha, had_config(workdir), name="had")
    net.mnd = None

    def start_mnd(**kw):
        net.mnd = daemon(MND, net.mn, mnd_config(workdir, **kw), name="mnd")
        return net.mnd
    net.start_mnd = start_mnd
    return net


def bindings(net):
    return net.had.ctl("mobility")["bindings"]


def ha_stats(net):
    return net.had.ctl("stats")["stats"]


def register(net, ns=None, src=COA1, msgs=None, want=None, **kw):
    """Send registration(s) from src in ns (default the mobile node's
    namespace): the parsed replies."""
    msgs = msgs if msgs is not None else [T.request(coa=src, **kw)]
    got = in_ns(ns or net.mn, T.exchange, msgs, src, want=want)
    return [T.parse_reply(d) for d, _peer in got]


def away_scapy(net, place="f1"):
    """The mobile node's namespace on a foreign network without ds46-mnd
    (registrations from the test)."""
    return net.attach(place)


# ---- RFC 5944 3.8 / RFC 5454 3.3: the home agent's answers ------------------------

def test_rfc5944_3_8_registration_accepted(mnet):
    """RFC 5944 3.8.3.1, RFC 5454 3.3: a request with two Prefix Requests
    and the Tunneling Mode extension (built from the RFC layouts) is
    accepted: code 0, the lifetime asked for, the home agent's address,
    the identification echoed, an authenticator that verifies, one Prefix
    Reply per request with code 1 (to the care-of address) before the
    authentication extension; the binding is in ds46ctl mobility."""
    net = mnet
    away_scapy(net)
    ident = T.ntp_id()
    (rep,) = register(net, ident=ident, lifetime=300, prefixes=[MN_PREFIX6, MN_HOA6 + "/128"],
                      tmode=True)
    assert (rep["type"], rep["code"], rep["lifetime"]) == (T.REPLY, 0, 300), rep
    assert (rep["home"], rep["ha"]) == (MN_HOA, HA4)
    assert rep["id"] & 0xffffffff == ident & 0xffffffff     # 5.7.1: low 32 bits echoed
    assert T.reply_auth_ok(rep), rep
    assert rep["auth"]["spi"] == T.SPI
    assert [(p["code"], p["prefix"], p["plen"], p["after_auth"]) for p in rep["prefixes"]] == \
        [(1, "2001:db8:47::", 64, False), (1, MN_HOA6, 128, False)]
    (b,) = bindings(net)
    assert (b["home"], b["coa"], b["encap"]) == (MN_HOA, COA1, "ipip"), b
    assert sorted(b["prefixes"]) == sorted([MN_PREFIX6, MN_HOA6 + "/128"]), b
    assert 290 <= b["remaining"] <= 300
    st = ha_stats(net)
    assert (st["rx_requests"], st["tx_replies"], st["reply_accepted"]) == (1, 1, 1)
    assert st["prefix_accepted_coa"] == 2
    # deregistration (lifetime 0) removes it (RFC 5944 3.8.2.2 / RFC 5454 3.8)
    (rep,) = register(net, lifetime=0)
    assert (rep["code"], rep["lifetime"]) == (0, 0), rep
    assert bindings(net) == []


def test_rfc5944_3_8_lifetime_capped(mnet):
    """RFC 5944 3.8.3.1: the home agent grants at most its max-lifetime."""
    net = mnet
    away_scapy(net)
    (rep,) = register(net, lifetime=5000)
    assert (rep["code"], rep["lifetime"]) == (0, 600), rep


def test_rfc5944_3_8_2_1_bad_authentication_131(mnet):
    """RFC 5944 3.8.2.1: a Mobile-Home authenticator that does not verify
    is answered with 131 (mobile node failed authentication); nothing is
    bound."""
    net = mnet
    away_scapy(net)
    (rep,) = register(net, corrupt=True)
    assert (rep["code"], rep["home"], rep["ha"]) == (131, MN_HOA, HA4), rep
    assert bindings(net) == []
    st = ha_stats(net)
    assert (st["reply_mn_auth_failed"], st["reply_accepted"]) == (1, 0)


def test_rfc5944_5_7_1_replayed_identification_133(mnet):
    """RFC 5944 5.7.1, 3.8.2.1: an earlier accepted request sent again after
    a newer one was accepted (a replay) is answered with 133
    (identification mismatch): the reply carries the request's low 32
    bits and the home agent's time in the high 32 bits (resynchronisation,
    5.7.1), authenticated; a timestamp beyond the replay window (60 s
    ahead) gets 133 too; the binding keeps the newer identification.  A
    retransmission of the request last accepted is answered again with
    code 0 (its reply may have been lost) and extends nothing."""
    net = mnet
    away_scapy(net)
    now = time.time()
    id1, id2 = T.ntp_id(now - 1, low=0x1111), T.ntp_id(now, low=0x2222)
    msg1 = T.request(coa=COA1, ident=id1)
    msg2 = T.request(coa=COA1, ident=id2)
    (rep,) = register(net, msgs=[msg1])
    assert rep["code"] == 0, rep
    (rep,) = register(net, msgs=[msg2])
    assert rep["code"] == 0, rep
    (b,) = bindings(net)
    assert b["id"] == id2, b
    (rep,) = register(net, msgs=[msg1])
    assert rep["code"] == 133, rep
    assert rep["id"] & 0xffffffff == id1 & 0xffffffff
    assert abs((rep["id"] >> 32) - (T.ntp_id() >> 32)) <= 2, rep
    assert T.reply_auth_ok(rep), rep
    (rep,) = register(net, ident=T.ntp_id(time.time() + 60))
    assert rep["code"] == 133, rep
    assert ha_stats(net)["reply_id_mismatch"] == 2
    (rep,) = register(net, msgs=[msg2])
    assert (rep["code"], rep["id"]) == (0, id2), rep
    (b2,) = bindings(net)
    assert (b2["coa"], b2["id"], b2["expires"]) == (COA1, id2, b["expires"]), b2


def test_rfc5454_3_3_prefix_not_home_subnet_10(mnet):
    """seed 3.3 / RFC 5454 3.3: a prefix outside the home subnets (and not
    configured for the node) is rejected with Prefix Reply code 10; the
    IPv4 registration itself is accepted."""
    net = mnet
    away_scapy(net)
    (rep,) = register(net, prefixes=["2001:db8:99::/64"], tmode=True)
    assert rep["code"] == 0, rep
    assert [(p["code"], p["prefix"], p["plen"]) for p in rep["prefixes"]] == \
        [(10, "2001:db8:99::", 64)]
    assert ha_stats(net)["prefix_rejected_not_home_subnet"] == 1
    (b,) = bindings(net)
    assert b["prefixes"] == [], b


def test_rfc5454_3_3_prefix_prohibited_9(mnet):
    """RFC 5454 3.3 (code 9, administratively prohibited): a prefix the
    configuration gives to another mobile node (2001:db8:48::/64 is mn2's)
    is refused to mn1; its other prefix is accepted."""
    net = mnet
    away_scapy(net)
    (rep,) = register(net, prefixes=["2001:db8:48::/64", MN_PREFIX6], tmode=True)
    assert rep["code"] == 0, rep
    assert [(p["code"], p["prefix"]) for p in rep["prefixes"]] == \
        [(9, "2001:db8:48::"), (1, "2001:db8:47::")]
    assert ha_stats(net)["prefix_rejected_prohibited"] == 1


def test_rfc5454_3_3_dad_failed_11(mnet):
    """seed 3.3: a /128 on the home link is probed (DAD) before it is bound;
    the squatter's Neighbor Advertisement makes it code 11; the home agent
    sent a Neighbor Solicitation from :: for it on h0."""
    net = mnet
    away_scapy(net)
    cap = net.capture(net.ha, "h0", bpf="icmp6")
    (rep,) = register(net, prefixes=[SQUAT6 + "/128", MN_HOA6 + "/128"], tmode=True)
    pkts = cap.stop()
    assert rep["code"] == 0, rep
    assert [(p["code"], p["prefix"], p["plen"]) for p in rep["prefixes"]] == \
        [(11, SQUAT6, 128), (1, MN_HOA6, 128)]
    st = ha_stats(net)
    assert (st["dad_failed"], st["prefix_rejected_dad_failed"]) == (1, 1)
    from scapy.layers.inet6 import ICMPv6ND_NS, ICMPv6ND_NA, IPv6
    ns = [p for p in pkts if ICMPv6ND_NS in p and p[IPv6].src == "::"]
    assert {p[ICMPv6ND_NS].tgt for p in ns} >= {SQUAT6, MN_HOA6}, [p.summary() for p in pkts]
    na = [p for p in pkts if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == SQUAT6]
    assert na, [p.summary() for p in pkts]


# ---- RFC 5944 4.2.3 / RFC 5454 3.3.2: the tunnels to the care-of address ---------

def tunnel_pkts(pkts, outer_dst):
    from scapy.layers.inet import IP
    return [p for p in pkts
            if IP in p and p[IP].dst == outer_dst and p[IP].proto in (4, 41, 47, 55)]


def test_rfc5454_3_3_2_ipv4_and_ipv6_to_coa(mnet):
    """RFC 5944 4.2.3 / RFC 5454 3.3.2 (2): with a scapy registration (IP in
    IP, tunnelling mode extension) a ping from CN4 to the home address
    arrives at the care-of address as IPv4-in-IPv4 (outer HA -> CoA) and a
    ping from CN6 to the IPv6 home address as IPv6-in-IPv4 (protocol 41);
    the home agent answered proxy ARP for the home address."""
    net = mnet
    away_scapy(net)
    (rep,) = register(net, prefixes=[MN_HOA6 + "/128"], tmode=True)
    assert rep["code"] == 0 and rep["prefixes"][0]["code"] == 1, rep
    cap = net.capture(net.mn, "m0", bpf="ip proto 4 or ip proto 41")
    net.ping(net.cn4, MN_HOA, count=2)
    net.ping(net.cn6, MN_HOA6, count=2)
    pkts = cap.stop()
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    t4 = [p for p in tunnel_pkts(pkts, COA1) if p[IP].proto == 4]
    t6 = [p for p in tunnel_pkts(pkts, COA1) if p[IP].proto == 41]
    assert len(t4) == 2 and len(t6) == 2, [p.summary() for p in pkts]
    for p in t4:
        assert (p[IP].src, p[IP].dst) == (HA4, COA1)
        inner = p[IP].payload
        assert (inner.src, inner.dst, inner[ICMP].type) == (CN4, MN_HOA, 8)
    for p in t6:
        assert (p[IP].src, p[IP].dst) == (HA4, COA1)
        assert (p[IPv6].src, p[IPv6].dst) == (CN6, MN_HOA6) and ICMPv6EchoRequest in p
    arp = sh("ip", "-n", net.r, "neigh", "show", MN_HOA).stdout
    ha_mac = json.loads(sh("ip", "-n", net.ha, "-j", "link", "show", "h0").stdout)[0]["address"]
    assert ha_mac in arp, arp


def test_rfc5454_3_3_2_double_encapsulation_to_hoa(mnet):
    """RFC 5454 3.3.2 (1): without the Tunneling Mode extension IPv6 is
    tunnelled to the IPv4 home address, and that packet to the care-of
    address: outer HA -> CoA protocol 4, then HA -> home address protocol
    41, then the IPv6 packet; the Prefix Reply code is 0."""
    net = mnet
    away_scapy(net)
    (rep,) = register(net, prefixes=[MN_HOA6 + "/128"], tmode=False)
    assert rep["code"] == 0 and rep["prefixes"][0]["code"] == 0, rep
    cap = net.capture(net.mn, "m0", bpf="ip proto 4")
    net.ping(net.cn6, MN_HOA6, count=2)
    pkts = cap.stop()
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    t = tunnel_pkts(pkts, COA1)
    assert len(t) == 2, [p.summary() for p in pkts]
    for p in t:
        mid = p[IP].payload
        assert (p[IP].src, p[IP].dst, p[IP].proto) == (HA4, COA1, 4)
        assert (mid.src, mid.dst, mid.proto) == (HA4, MN_HOA, 41)
        assert (p[IPv6].src, p[IPv6].dst) == (CN6, MN_HOA6)


def test_rfc5454_3_3_2_spoofed_reverse_tunnel_dropped(mnet):
    """RFC 5454 3.3.2, RFC 3024 5.2: reverse-tunnelled packets from the
    foreign network whose addresses do not match a binding are dropped
    and counted, and never reach the correspondents:
      IP(src=CoA)/IP(src=other)        -> drop_not_registered
      IP(src=other)/IP(src=home addr)  -> drop_revtun_bad_outer
      IP(src=other)/IPv6(src=home6)    -> drop_revtun_bad_outer
      IP(src=CoA)/IPv6(src=off-prefix) -> drop_revtun_bad_inner6
    while the genuine IP(src=CoA)/IP(src=home address) is forwarded."""
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    net = mnet
    away_scapy(net)
    (rep,) = register(net, prefixes=[MN_HOA6 + "/128"], tmode=True)
    assert rep["code"] == 0, rep
    before = ha_stats(net)
    bad = [
        IP(src=COA1, dst=HA4) / IP(src="192.0.2.77", dst=CN4) / ICMP(id=1),
        IP(src=SPOOF4, dst=HA4) / IP(src=MN_HOA, dst=CN4) / ICMP(id=2),
        IP(src=SPOOF4, dst=HA4, proto=41) / IPv6(src=MN_HOA6, dst=CN6) / ICMPv6EchoRequest(id=3),
        IP(src=COA1, dst=HA4, proto=41) / IPv6(src="2001:db8:99::1", dst=CN6) /
        ICMPv6EchoRequest(id=4),
    ]
    good = IP(src=COA1, dst=HA4) / IP(src=MN_HOA, dst=CN4) / ICMP(id=5)
    cap4 = net.capture(net.cn4, "c4", bpf="icmp")
    cap6 = net.capture(net.cn6, "c6", bpf="icmp6 and ip6[40] == 128")
    assert in_ns(net.sp, T.send_raw4, [bytes(p) for p in bad + [good]]) == 5
    wait_for(lambda: ha_stats(net)["dp_rx_tunnel"] - before["dp_rx_tunnel"] >= 5, 5,
             "5 tunnel packets")
    p4, p6 = cap4.stop(), cap6.stop()
    after = ha_stats(net)
    d = {k: after[k] - before[k] for k in ("dp_drop_not_registered", "dp_drop_revtun_bad_outer",
                                           "dp_drop_revtun_bad_inner6")}
    assert d == {"dp_drop_not_registered": 1, "dp_drop_revtun_bad_outer": 2,
                 "dp_drop_revtun_bad_inner6": 1}, d
    got4 = [(p[IP].src, p[ICMP].id) for p in p4 if ICMP in p and p[ICMP].type == 8]
    assert got4 == [(MN_HOA, 5)], got4
    assert [p for p in p6 if ICMPv6EchoRequest in p] == []


def test_rfc5454_3_3_2_link_local_destination_unreachable(mnet):
    """seed 3.3.2: a packet for a link-local destination is not tunnelled;
    the home agent answers ICMPv6 Destination Unreachable code 3 (address
    unreachable) and counts drop_link_local.  The packet enters the home
    agent's tunnel interface from the home agent itself (link-local
    destinations are never forwarded from the home link)."""
    net = mnet
    away_scapy(net)
    (rep,) = register(net, prefixes=[MN_HOA6 + "/128"], tmode=True)
    assert rep["code"] == 0, rep
    tun = ha_tun(net)
    # RFC 4213 3.7: fe80::<IPv4 address> on the tunnel
    ll = sh("ip", "-n", net.ha, "-6", "addr", "show", "dev", tun, "scope", "link").stdout
    assert "fe80::c000:201/64" in ll, ll        # RFC 5454 3.6: ds46-had gives the TUN one
    before = ha_stats(net)["dp_drop_link_local"]
    r = sh("ip", "netns", "exec", net.ha, "ping", "-n", "-c", "1", "-W", "2",
           "fe80::1%" + tun, check=False)
    assert "Destination unreachable: Address unreachable" in r.stdout, r.stdout + r.stderr
    assert ha_stats(net)["dp_drop_link_local"] - before == 1


def ha_tun(net):
    """The home agent's TUN device (the one that is not lo or h0)."""
    links = json.loads(sh("ip", "-n", net.ha, "-j", "link", "show").stdout)
    names = [x["ifname"] for x in links if x["ifname"] not in ("lo", "h0")]
    assert len(names) == 1, names
    return names[0]


# ---- the mobile node (ds46-mnd) ------------------------------------------------------

STREAM = r'''
import json, os, socket, struct, sys, time
cmd = sys.argv[1]
if cmd == "serve":
    fam = socket.AF_INET6 if sys.argv[2] == "6" else socket.AF_INET
    progress = sys.argv[3]
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", %(port)d))
    s.listen(1)
    print("listening", flush=True)
    c, peer = s.accept()
    buf, n, bad, last = b"", 0, None, 0.0
    while True:
        try:
            b = c.recv(65536)
        except OSError as e:
            bad = bad or repr(e)
            break
        if not b:
            break
        buf += b
        k = len(buf) // 8
        for i in range(k):
            v = struct.unpack_from("!Q", buf, 8 * i)[0]
            if v != n and bad is None:
                bad = "counter %%d at position %%d" %% (v, n)
            n += 1
        buf = buf[8 * k:]
        if time.monotonic() - last > 0.05:
            with open(progress + ".tmp", "w") as f:
                f.write(str(n))
            os.replace(progress + ".tmp", progress)
            last = time.monotonic()
    rec = {"got": n, "leftover": len(buf), "bad": bad, "peer": peer[0]}
    try:
        c.sendall(json.dumps(rec).encode())
        c.close()
    except OSError as e:
        rec["reply_error"] = repr(e)
    print(json.dumps(rec), flush=True)
elif cmd == "send":
    host, stop = sys.argv[2], sys.argv[3]
    s = socket.create_connection((host, %(port)d), timeout=60)
    n, err = 0, None
    try:
        while not os.path.exists(stop):
            s.sendall(b"".join(struct.pack("!Q", n + i) for i in range(64)))
            n += 64
            time.sleep(0.005)
        s.shutdown(socket.SHUT_WR)
        reply = json.loads(s.makefile("rb").read() or b"{}")
    except (OSError, ValueError) as e:
        err, reply = repr(e), None
    print(json.dumps({"sent": n, "error": err, "reply": reply, "local": s.getsockname()[0]}),
          flush=True)
''' % {"port": STREAM_PORT}


def mn_registration(net):
    return net.mnd.ctl("mobility")["registration"]


def mn_state(reg):
    """"registered", "at-home", ... whatever the case and separator."""
    return str(reg.get("state", "")).lower().replace("_", "-")


def wait_registered(net, coa, timeout=20.0):
    """Until ds46-mnd is registered at coa and the home agent has that binding."""
    wait_for(lambda: (lambda r: mn_state(r) in ("registered", "reregistering") and
                      r.get("coa") == coa)(mn_registration(net)),
             timeout, "mnd registered at %s" % coa)
    return wait_for(lambda: [b for b in bindings(net) if b["coa"] == coa], 5,
                    "binding %s at the HA" % coa)


def wait_home(net, timeout=15.0):
    wait_for(lambda: mn_state(mn_registration(net)) == "at-home", timeout, "mnd at home")
    return wait_for(lambda: bindings(net) == [] or None, 5, "no binding at the HA") or []


def tcp_echo_check(net, src_ns, dst, fam):
    """One TCP exchange src_ns -> dst:STREAM_PORT through the stream app."""
    app = net.workdir / "stream.py"
    app.write_text(STREAM)
    prog = net.workdir / ("progress-%s" % fam)
    srv = net.topo.popen(net.mn, T_PY, app, "serve", fam, prog, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "listening", srv.stderr.read()
    stop = net.workdir / ("stop-%s" % fam)
    stop.write_text("")
    r = sh("ip", "netns", "exec", src_ns, T_PY, app, "send", dst, stop, timeout=60)
    out = json.loads(r.stdout.splitlines()[-1])
    srv.wait(timeout=10)
    return out


T_PY = "/usr/bin/python3"


def test_rfc5944_3_6_mn_away_reachable_ipv4_ipv6(mnet):
    """RFC 5944 3.6 / RFC 5454 3.5: ds46-mnd on foreign1 registers by
    itself (a new care-of address from the kernel's address events);
    ping and TCP reach its IPv4 home address from CN4 and its IPv6 home
    address from CN6; both bindings agree (ds46ctl mobility on both)."""
    net = mnet
    net.attach("home")
    net.start_mnd()
    wait_home(net)
    net.attach("f1")
    (b,) = wait_registered(net, COA1)
    assert b["home"] == MN_HOA and sorted(b["prefixes"]) == sorted([MN_HOA6 + "/128",
                                                                    MN_PREFIX6]), b
    reg = mn_registration(net)
    assert (reg["home"], reg["home_agent"], reg["coa"]) == (MN_HOA, HA4, COA1), reg
    rc, tx, rx, out = net.ping(net.cn4, MN_HOA, count=3)
    assert rx == 3, out
    rc, tx, rx, out = net.ping(net.cn6, MN_HOA6, count=3)
    assert rx == 3, out
    r4 = tcp_echo_check(net, net.cn4, MN_HOA, "4")
    assert r4["error"] is None and r4["reply"]["got"] == r4["sent"] and \
        r4["reply"]["bad"] is None and r4["reply"]["peer"] == CN4, r4
    r6 = tcp_echo_check(net, net.cn6, MN_HOA6, "6")
    assert r6["error"] is None and r6["reply"]["got"] == r6["sent"] and \
        r6["reply"]["bad"] is None, r6


def read_int(path):
    try:
        return int(path.read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def test_rfc5944_3_6_move_f1_f2_tcp_sessions_survive(mnet):
    """RFC 5944 3.6 (a new care-of address: register again at once): one
    TCP session over IPv4 (CN4 -> home address) and one over IPv6 (CN6 ->
    IPv6 home address) stream 64-bit counters while the mobile node moves
    foreign1 -> foreign2; neither is reset and every counter arrives once,
    in order."""
    net = mnet
    net.attach("f1")
    net.start_mnd()
    wait_registered(net, COA1)
    app = net.workdir / "stream.py"
    app.write_text(STREAM)
    runs = {}
    for fam, src, dst in (("4", net.cn4, MN_HOA), ("6", net.cn6, MN_HOA6)):
        prog = net.workdir / ("progress-" + fam)
        stop = net.workdir / ("stop-" + fam)
        srv = net.topo.popen(net.mn, T_PY, app, "serve", fam, prog, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "listening", srv.stderr.read()
        cli = net.topo.popen(src, T_PY, app, "send", dst, stop, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        runs[fam] = (srv, cli, prog, stop)
    for fam, (_, _, prog, _) in runs.items():
        wait_for(lambda: read_int(prog) > 2000, 20, "stream %s flowing" % fam)
    net.attach("f2")
    wait_registered(net, COA2)
    marks = {fam: read_int(prog) for fam, (_, _, prog, _) in runs.items()}
    for fam, (_, _, prog, _) in runs.items():
        wait_for(lambda: read_int(prog) > marks[fam] + 2000, 60, "stream %s after the move" % fam)
    for fam, (srv, cli, prog, stop) in runs.items():
        stop.write_text("")
        out, err = cli.communicate(timeout=90)
        res = json.loads(out.splitlines()[-1])
        srv_out, _ = srv.communicate(timeout=30)
        assert res["error"] is None, (fam, res, err)
        assert res["reply"]["bad"] is None and res["reply"]["leftover"] == 0, res
        assert res["reply"]["got"] == res["sent"] > marks[fam], res
    (b,) = bindings(net)
    assert b["coa"] == COA2


def test_rfc5944_3_6_deregistration_home_restores_native(mnet):
    """RFC 5944 3.6.1.1 / C.3, RFC 5454 3.8: back on the home link the node
    deregisters (lifetime 0); the home agent's binding is gone and CN4's
    ping reaches the home address natively (the echo replies come from
    the mobile node's own MAC on the home link, no tunnel)."""
    net = mnet
    net.attach("f1")
    net.start_mnd()
    wait_registered(net, COA1)
    net.attach("home")
    wait_home(net)
    assert bindings(net) == []
    rc, tx, rx, out = net.ping(net.cn4, MN_HOA, count=3)
    assert rx == 3, out
    mn_mac = json.loads(sh("ip", "-n", net.mn, "-j", "link", "show", "m0").stdout)[0]["address"]
    neigh = sh("ip", "-n", net.r, "neigh", "show", MN_HOA).stdout
    assert mn_mac in neigh, neigh


def test_kill9_had_restart_keeps_bindings(mnet):
    """A kill -9 of the home agent and a restart lose no binding (the
    store): ds46ctl mobility shows the same binding (home, care-of,
    prefixes) with a remaining lifetime that kept running, and traffic
    from CN4 and CN6 flows again."""
    net = mnet
    net.attach("f1")
    net.start_mnd()
    wait_registered(net, COA1)
    (before,) = bindings(net)
    net.had.kill9()
    net.had.start()
    (after,) = bindings(net)
    for k in ("home", "coa", "encap", "flags", "ipv6"):
        assert after[k] == before[k], (k, before, after)
    assert sorted(after["prefixes"]) == sorted(before["prefixes"])
    assert after["remaining"] <= before["remaining"]
    rc, tx, rx, out = net.ping(net.cn4, MN_HOA, count=3)
    assert rx == 3, out
    rc, tx, rx, out = net.ping(net.cn6, MN_HOA6, count=3)
    assert rx == 3, out


# ---- decoding by a third party -------------------------------------------------------

@pytest.mark.skipif(not shutil.which("tshark"), reason="tshark not installed")
def test_tshark_decodes_registrations_and_tunnels(mnet):
    """Wireshark's Mobile IP dissector reads every registration message (a
    request with NAI-free Prefix Requests and Tunneling Mode, the replies
    with Prefix Replies, a rejection) and each tunnel format (IP in IP,
    6in4 to the care-of address, the double encapsulation, GRE, minimal
    encapsulation) without a malformed packet or an expert error."""
    net = mnet
    away_scapy(net)
    cap = net.capture(net.mn, "m0", name="tshark")
    formats = [
        (T.F_D | T.F_T, True),             # IP in IP, IPv6 to the CoA (6in4)
        (T.F_D | T.F_T, False),            # IPv6 double encapsulated
        (T.F_D | T.F_T | T.F_G, True),     # GRE
        (T.F_D | T.F_T | T.F_M, True),     # minimal encapsulation
    ]
    for flags, tm in formats:
        (rep,) = register(net, flags=flags, prefixes=[MN_HOA6 + "/128"], tmode=tm)
        assert rep["code"] == 0, rep
        net.ping(net.cn4, MN_HOA, count=1)
        net.ping(net.cn6, MN_HOA6, count=1)
    (rep,) = register(net, corrupt=True)
    assert rep["code"] == 131
    cap.stop()
    path = cap.path
    fields = sh("tshark", "-r", path, "-T", "fields", "-e", "frame.protocols").stdout.split()
    stacks = set(fields)
    assert any(s.endswith(":udp:mip") for s in stacks), stacks
    assert any(":ip:ip:icmp" in s for s in stacks), stacks
    assert any(":ip:ipv6:icmpv6" in s for s in stacks), stacks
    assert any(":ip:ip:ipv6:icmpv6" in s for s in stacks), stacks
    assert any(":gre:" in s for s in stacks), stacks
    # minimal encapsulation (RFC 2004, IP protocol 55) towards the care-of address
    minimal = sh("tshark", "-r", path, "-Y", "ip.proto == 55 && ip.dst == %s" % COA1,
                 "-T", "fields", "-e", "frame.protocols").stdout.split()
    assert minimal, stacks
    verbose = sh("tshark", "-r", path, "-V").stdout
    assert "Registration Request" in verbose and "Registration Reply" in verbose
    assert "Malformed" not in verbose
    assert "Expert Info (Error" not in verbose
    expert = sh("tshark", "-r", path, "-q", "-z", "expert,error").stdout
    assert not re.search(r"^\s*Errors \(\d+\)", expert, re.M), expert
