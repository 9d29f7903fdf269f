"""ds46-fad, the foreign agent, between a scapy mobile node and a scapy
home agent (STYLE 14; namespaces ds46-<pid>-*, removed by pid).

    ns mn                 ns fa (ds46-fad)                 ns ha
    m0 (no IPv4) ====== v0 10.3.0.1/24    u0 10.31.0.2/24 ====== h0 10.31.0.1/24
    MAC from the kernel   visitor link     upstream             home agent HA
                          TUN mip-fa0, table 434

The mobile node (home address 192.0.2.10, home agent 10.31.0.1) writes
frames on m0 with scapy; the home agent answers on a UDP socket and sends
IP-in-IP with a raw socket.  What is checked: periodic Agent
Advertisements and the unicast answer to a solicitation (exact fields,
tshark finds nothing malformed), a request relayed to the home agent and
the reply relayed back to the node's MAC, the visitor list and the kernel
state (route, permanent neighbour, policy rule for T), both directions of
the data path, malformed input counted while the daemon keeps serving,
and a deregistration removing the kernel state.

Run: DS46_BUILD=build /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/net/test_fad.py
"""
import json
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import BUILD, Capture, libconfig
from mip4_topo import F_T, REPLY, in_ns, mh_auth, request, sh, tunnel_mode, wait_for

FAD = BUILD / "ds46-fad"
FA_V0, FA_U0, HA = "10.3.0.1", "10.31.0.2", "10.31.0.1"
HOME = "192.0.2.10"
CN = "198.51.100.2"
MN_PORT = 40000
TABLE = 434


def fad_config(workdir, **kw):
    c = {
        "interfaces": [{"name": "v0", "address": FA_V0 + "/24"}],
        "advertisement-interval": 1,
        "registration-lifetime": 600,
        "encapsulations": ["ipip", "gre"],
        "reverse-tunnel": "allowed",
        "ipv6": "ignore",
        "tunnel-interface": "mip-fa0",
        "table": TABLE,
        "rule-priority": 1434,
        "control-socket": str(workdir / "fad.sock"),
        "store": str(workdir / "fad.db"),
        "log-level": "debug",
    }
    c.update(kw)
    if "advertisement-interval-ms" in c:
        del c["advertisement-interval"]
    return "fa = %s;\n" % libconfig(c)


def mac_of(ns, ifname):
    return json.loads(sh("ip", "-n", ns, "-j", "link", "show", "dev", ifname).stdout)[0]["address"]


def build_fanet(topo, workdir, daemon, **conf):
    if not FAD.exists():
        pytest.fail("%s is missing: build it first" % FAD)
    mn, fa, ha = topo.ns("mn"), topo.ns("fa"), topo.ns("ha")
    topo.veth(mn, "m0", fa, "v0")
    topo.veth(fa, "u0", ha, "h0")
    topo.addr(fa, "v0", FA_V0 + "/24")
    topo.addr(fa, "u0", FA_U0 + "/24")
    topo.addr(ha, "h0", HA + "/24")
    sh("ip", "-n", ha, "route", "add", "10.3.0.0/24", "via", FA_U0)
    d = daemon(FAD, fa, fad_config(workdir, **conf), name="fad")
    net = type("FaNet", (), {})()
    net.topo, net.workdir, net.mn, net.fa, net.ha, net.d = topo, workdir, mn, fa, ha, d
    net.mn_mac, net.fa_mac = mac_of(mn, "m0"), mac_of(fa, "v0")
    net.n = 0

    def capture(ns, ifname, bpf=None):
        net.n += 1
        return Capture(topo, ns, ifname, workdir / ("%s-%d.pcap" % (ifname, net.n)), bpf).start()
    net.capture = capture
    return net


@pytest.fixture
def fanet(topo, workdir, daemon):
    return build_fanet(topo, workdir, daemon)


@pytest.fixture
def fanet6(topo, workdir, daemon):
    """The same with ipv6 = "attach" (seed 3.4), the address of v0 read
    from the interface and the interval in milliseconds (the form
    test_mip4_fa.py writes)."""
    return build_fanet(topo, workdir, daemon, ipv6="attach", interfaces=[{"name": "v0"}],
                       **{"advertisement-interval-ms": 500, "advertisement-lifetime": 3})


# ---- in the namespaces -------------------------------------------------------------

def send_frames(frames, iface="m0"):
    from scapy.all import sendp
    sendp(frames, iface=iface, verbose=False)
    return len(frames)


def mn_request_frame(mn_mac, fa_mac, payload, src=HOME, ttl=255):
    from scapy.all import IP, UDP, Ether, Raw
    return Ether(src=mn_mac, dst=fa_mac) / IP(src=src, dst=FA_V0, ttl=ttl) / \
        UDP(sport=MN_PORT, dport=434) / Raw(payload)


def ha_serve_once(code=0, lifetime=None, timeout=8.0, prefix_replies=()):
    """The home agent: one request on HA:434, answered with code (the
    lifetime granted: the requested one unless given) and the IPv6 Prefix
    Replies (RFC 5454 2.2) given as (code, prefix, plen) before the
    Mobile-Home authentication.  Returns the request bytes, its source and
    the reply."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HA, 434))
    s.settimeout(timeout)
    data, peer = s.recvfrom(4096)
    t, flags, lt, home, ha, coa, ident = struct.unpack("!BBH4s4s4sQ", data[:24])
    rep = struct.pack("!BBH4s4sQ", REPLY, code, lt if lifetime is None else lifetime, home,
                      ha, ident)
    for pcode, prefix, plen in prefix_replies:
        rep += struct.pack("!BBBBBB", 152, 20, 2, pcode, plen, 0) + \
            socket.inet_pton(socket.AF_INET6, prefix)
    rep += mh_auth(rep)
    s.sendto(rep, peer)
    s.close()
    return data, peer, rep


def ha_send_ipip(inner):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    outer = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(inner), 1, 0, 64, 4, 0,
                        socket.inet_aton(HA), socket.inet_aton(FA_V0))
    s.sendto(outer + inner, (FA_V0, 0))
    s.close()
    return True


def echo4(src, dst, ident=0x4646, seq=1):
    from scapy.all import ICMP, IP, Raw
    return bytes(IP(src=src, dst=dst, ttl=64) / ICMP(type=8, id=ident, seq=seq) /
                 Raw(b"ds46-fad-test"))


# ---- helpers -------------------------------------------------------------------------

def adverts(pkts):
    from scapy.all import ICMP, IP
    return [p for p in pkts if IP in p and ICMP in p and p[ICMP].type == 9]


def parse_advert(icmp):
    """RFC 1256 3.1 + RFC 5944 2.1.1 / 2.1.2, from the ICMP header on."""
    t, code, _, n, size, lifetime = struct.unpack("!BBHBBH", icmp[:8])
    routers = [(socket.inet_ntoa(icmp[8 + 8 * i:12 + 8 * i]),
                struct.unpack("!i", icmp[12 + 8 * i:16 + 8 * i])[0]) for i in range(n)]
    off = 8 + 4 * size * n
    out = {"type": t, "code": code, "num": n, "size": size, "lifetime": lifetime,
           "routers": routers}
    while off < len(icmp):
        et, el = icmp[off], icmp[off + 1]
        body = icmp[off + 2:off + 2 + el]
        if et == 16:
            seq, rl, fl = struct.unpack("!HHH", body[:6])
            out.update(seq=seq, reg_lifetime=rl, flags=fl,
                       coa=[socket.inet_ntoa(body[6 + 4 * i:10 + 4 * i])
                            for i in range((el - 6) // 4)], mobility_len=el)
        elif et == 19:
            out["prefix_lengths"] = list(body)
        off += 2 + el
    return out


def tshark_check(path):
    if not shutil.which("tshark"):
        return "tshark not installed"
    v = subprocess.run(["tshark", "-n", "-r", str(path), "-V"], capture_output=True, text=True,
                       timeout=60)
    assert v.returncode == 0, v.stderr
    assert "Malformed" not in v.stdout, v.stdout[-3000:]
    ex = subprocess.run(["tshark", "-n", "-r", str(path), "-q", "-z", "expert,error"],
                        capture_output=True, text=True, timeout=60)
    assert "Malformed" not in ex.stdout, ex.stdout
    return v.stdout


def kernel_state(net):
    route = sh("ip", "-n", net.fa, "-4", "route", "show", HOME + "/32").stdout.strip()
    neigh = sh("ip", "-n", net.fa, "-4", "neigh", "show", HOME, "dev", "v0").stdout.strip()
    rule = [ln.strip() for ln in sh("ip", "-n", net.fa, "-4", "rule", "show").stdout.splitlines()
            if HOME in ln]
    return route, neigh, rule


def register(net, lifetime=300, flags=F_T, prefixes=(), prefix_replies=()):
    """The node registers through the agent; the home agent accepts.
    Returns (the request sent, (relayed request, its source, the reply),
    the reply frames seen on m0)."""
    payload = request(home=HOME, coa=FA_V0, ha=HA, flags=flags, lifetime=lifetime,
                      prefixes=prefixes)
    cap = net.capture(net.mn, "m0", bpf="udp port 434")
    res = {}

    def ha():
        res["ha"] = in_ns(net.ha, ha_serve_once, prefix_replies=prefix_replies)
    th = threading.Thread(target=ha)
    th.start()
    time.sleep(0.3)                   # the home agent's socket is bound
    in_ns(net.mn, send_frames, [mn_request_frame(net.mn_mac, net.fa_mac, payload)])
    th.join(timeout=15)
    assert "ha" in res, "the home agent got no relayed request"
    from scapy.all import UDP
    pkts = [p for p in cap.stop() if UDP in p and p[UDP].sport == 434]
    net.last_pcap = cap.path
    return payload, res["ha"], pkts


# ---- tests ----------------------------------------------------------------------------

def test_advertisements(fanet):
    from scapy.all import ICMP, IP, Ether
    net = fanet
    cap = net.capture(net.mn, "m0", bpf="icmp")
    # two periodic ones (interval 1 s: 0.75-1 s apart)
    time.sleep(2.2)
    sol = Ether(src=net.mn_mac, dst="ff:ff:ff:ff:ff:ff") / \
        IP(src=HOME, dst="224.0.0.11", ttl=1) / ICMP(type=10, code=0)
    in_ns(net.mn, send_frames, [sol])
    time.sleep(0.5)
    pkts = cap.stop()
    adv = adverts(pkts)
    periodic = [p for p in adv if p[IP].dst == "224.0.0.1"]
    solicited = [p for p in adv if p[IP].dst == HOME]
    assert len(periodic) >= 2, [p.summary() for p in pkts]
    assert len(solicited) == 1, [p.summary() for p in pkts]
    for p in periodic:
        assert p[Ether].dst == "01:00:5e:00:00:01"
        assert p[Ether].src == net.fa_mac
        assert p[IP].src == FA_V0 and p[IP].ttl == 1
    s = solicited[0]
    assert s[Ether].dst == net.mn_mac and s[IP].ttl == 1
    seqs = [parse_advert(bytes(p[ICMP]))["seq"] for p in adv]
    # RFC 5944 2.3.2: 0 first (sent at start, before the capture), then
    # one more each time, whichever kind
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) and 1 <= seqs[0] <= 3, seqs
    a = parse_advert(bytes(s[ICMP]))
    assert a["type"] == 9 and a["code"] == 0 and a["num"] == 1 and a["size"] == 2
    assert a["lifetime"] == 3                     # 3 * advertisement-interval
    assert a["routers"] == [(FA_V0, 0)]
    assert a["reg_lifetime"] == 600
    # F, G (gre offered), T (reverse tunnelling allowed)
    assert a["flags"] == 0x1000 | 0x0400 | 0x0100, hex(a["flags"])
    assert a["coa"] == [FA_V0] and a["mobility_len"] == 10
    assert a["prefix_lengths"] == [24]
    out = tshark_check(cap.path)
    if out == "tshark not installed":
        pytest.skip("tshark not installed: decoding not checked")
    for want in ("Type: 9 (Mobile IP Advertisement)", "Mobility Agent Advertisement Extension",
                 "Foreign Agent: True", "Reverse tunneling: True", "Care-Of-Address: " + FA_V0,
                 "Prefix Lengths Extension", "Prefix Length: 24"):
        assert want in out, (want, out[-3000:])
    st = net.d.stats()
    assert st["fa_rx_solicitations"] == 1
    assert st["fa_tx_adverts_solicited"] == 1
    assert st["fa_tx_adverts"] >= 2


def test_relay_and_deregistration(fanet):
    from scapy.all import IP, UDP, Ether, Raw
    net = fanet
    payload, (relayed, peer, rep), pkts = register(net)
    # RFC 5944 3.7.2.2: relayed from the care-of address, port 434, as sent
    assert peer == (FA_V0, 434)
    assert relayed == payload
    # 3.7.2.3: the reply to the node's MAC, to its home address and port
    replies = [p for p in pkts if p[Ether].dst == net.mn_mac]
    assert len(replies) == 1, [p.summary() for p in pkts]
    r = replies[0]
    assert r[Ether].src == net.fa_mac
    assert (r[IP].src, r[IP].dst, r[UDP].sport, r[UDP].dport) == (FA_V0, HOME, 434, MN_PORT)
    assert bytes(r[UDP].payload) == rep

    vis = net.d.ctl("visitors")["visitors"]
    assert len(vis) == 1
    v = vis[0]
    assert (v["home"], v["mac"], v["link"], v["home_agent"], v["coa"]) == \
        (HOME, net.mn_mac, "v0", HA, FA_V0)
    assert v["active"] and not v["pending"] and v["reverse_tunnel"]
    assert 295 <= v["remaining"] <= 300
    out = tshark_check(net.last_pcap)           # the request and our reply
    if out != "tshark not installed":
        assert "Registration Reply" in out and "Registration Request" in out, out[-3000:]
    text = net.d.ctl_text("visitors")
    assert HOME in text and net.mn_mac in text and "active" in text

    route, neigh, rule = kernel_state(net)
    assert route.startswith(HOME + " dev v0"), route
    assert neigh == "%s lladdr %s PERMANENT" % (HOME, net.mn_mac), neigh
    assert rule == ["1434:\tfrom %s iif v0 lookup %d" % (HOME, TABLE)], rule

    # deregistration (lifetime 0) removes everything
    payload, (relayed, peer, rep), pkts = register(net, lifetime=0)
    assert relayed == payload
    assert len([p for p in pkts if p[Ether].dst == net.mn_mac]) == 1
    wait_for(lambda: net.d.ctl("visitors")["visitors"] == [], 5, "no visitor")
    route, neigh, rule = kernel_state(net)
    assert (route, neigh, rule) == ("", "", []), (route, neigh, rule)
    st = net.d.stats()
    assert st["fa_visitors_programmed"] == 1 and st["fa_visitors_removed"] == 1
    assert st["tx_requests_relayed"] == 2 and st["tx_replies_relayed"] == 2


def test_malformed_input_counted(fanet):
    from scapy.all import ICMP, IP, UDP, Ether, Raw
    net = fanet
    e = Ether(src=net.mn_mac, dst=net.fa_mac)
    frames = [
        # an Agent Advertisement whose mobility extension length is not 6 + 4N
        Ether(src=net.mn_mac, dst="01:00:5e:00:00:01") / IP(src=HOME, dst="224.0.0.1", ttl=1) /
        ICMP(type=9, code=0) / Raw(bytes([1, 2, 0, 30]) + socket.inet_aton("10.3.0.99") +
                                   bytes(4) + bytes([16, 7]) + bytes(7)),
        # a solicitation of 4 octets
        Ether(src=net.mn_mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=HOME, dst="224.0.0.11", ttl=1) /
        Raw(b"\x0a\x00\xf5\xff"),
        # a registration request cut to 5 octets
        e / IP(src=HOME, dst=FA_V0, ttl=255) / UDP(sport=MN_PORT, dport=434) / Raw(b"\x01\x02\x00\x00\x00"),
        # a registration with a wrong UDP checksum
        e / IP(src=HOME, dst=FA_V0, ttl=255) / UDP(sport=MN_PORT, dport=434, chksum=0x1234) /
        Raw(request(home=HOME, coa=FA_V0, ha=HA)),
    ]
    frames[1][IP].proto = 1
    # two solicitations without a source address at once: one multicast
    # answer, the second rate-limited (RFC 5944 2.3)
    frames += [Ether(src=net.mn_mac, dst="ff:ff:ff:ff:ff:ff") /
               IP(src="0.0.0.0", dst="224.0.0.11", ttl=1) / ICMP(type=10, code=0)] * 2
    in_ns(net.mn, send_frames, frames)
    wait_for(lambda: net.d.stats()["drop_truncated"] >= 1, 5, "drop_truncated")
    st = net.d.stats()
    assert st["fa_drop_adv_malformed"] == 1
    assert st["fa_drop_solicit_malformed"] == 1
    assert st["fa_drop_frame_bad_ip"] == 1
    assert st["fa_rx_solicitations"] == 2 and st["fa_drop_solicit_rate_limited"] == 1
    assert st["tx_requests_relayed"] == 0
    # still serving: a good registration goes through
    payload, (relayed, peer, rep), pkts = register(net)
    assert relayed == payload
    assert len([p for p in pkts if p[Ether].dst == net.mn_mac]) == 1
    assert net.d.ctl("ping")["ok"]


def test_data_path(fanet):
    from scapy.all import IP, Ether
    net = fanet
    register(net)
    # home agent -> care-of address, IP in IP: decapsulated to the node's MAC
    cap = net.capture(net.mn, "m0", bpf="icmp and host " + CN)
    inner = echo4(CN, HOME)
    in_ns(net.ha, ha_send_ipip, inner)
    wait_for(lambda: net.d.stats().get("dp_fa_decap", 0) >= 1, 5, "dp_fa_decap")
    got = [p for p in cap.stop() if IP in p and p[IP].src == CN]
    assert len(got) == 1, [p.summary() for p in got]
    assert got[0][Ether].dst == net.mn_mac and got[0][IP].dst == HOME
    assert bytes(got[0][IP].payload) == bytes(IP(inner).payload)

    # the node -> CN, reverse tunnel (T): IP in IP from F to the home agent
    cap = net.capture(net.ha, "h0", bpf="ip proto 4")
    out = echo4(HOME, CN, seq=2)
    in_ns(net.mn, send_frames, [Ether(src=net.mn_mac, dst=net.fa_mac) / IP(out)])
    wait_for(lambda: net.d.stats().get("dp_fa_revtun", 0) >= 1, 5, "dp_fa_revtun")
    got = cap.stop()
    tun = [p for p in got if IP in p and p[IP].proto == 4]
    assert len(tun) == 1, [p.summary() for p in got]
    o = tun[0][IP]
    assert (o.src, o.dst) == (FA_V0, HA)
    i = IP(bytes(o.payload))
    assert (i.src, i.dst) == (HOME, CN)



def test_home_agent_unreachable(fanet):
    """RFC 5944 3.7.3: no home agent listens at HA:434; the ICMP port
    unreachable about the relayed request becomes code 82 to the node."""
    from scapy.all import UDP, Ether
    net = fanet
    payload = request(home=HOME, coa=FA_V0, ha=HA, flags=F_T, lifetime=300)
    cap = net.capture(net.mn, "m0", bpf="udp port 434")
    in_ns(net.mn, send_frames, [mn_request_frame(net.mn_mac, net.fa_mac, payload)])
    wait_for(lambda: net.d.stats()["fa_unreach_denials"] >= 1, 5, "fa_unreach_denials")
    pkts = [p for p in cap.stop() if UDP in p and p[UDP].sport == 434 and
            p[Ether].dst == net.mn_mac]
    assert len(pkts) == 1, [p.summary() for p in pkts]
    rep = bytes(pkts[0][UDP].payload)
    assert rep[0] == REPLY and rep[1] == 82, rep.hex()
    assert rep[4:8] == socket.inet_aton(HOME) and rep[8:12] == socket.inet_aton(HA)
    assert rep[12:20] == payload[16:24]          # the identification
    st = net.d.stats()
    assert st["fa_rx_icmp_errors"] == 1 and st["deny_ha_port_unreach"] == 1
    assert net.d.ctl("visitors")["visitors"] == []


PREFIX6, MN6, CN6 = "2001:db8:47::/64", "2001:db8:47::10", "2001:db8:60::2"
GW6 = "fe80::ffff:c000:20a"                      # fe80::ffff:192.0.2.10


def ha_send_6in4(inner):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    outer = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(inner), 1, 0, 64, 41, 0,
                        socket.inet_aton(HA), socket.inet_aton(FA_V0))
    s.sendto(outer + inner, (FA_V0, 0))
    s.close()
    return True


def echo6(src, dst, seq=1):
    from scapy.all import IPv6, ICMPv6EchoRequest
    return bytes(IPv6(src=src, dst=dst, hlim=64) / ICMPv6EchoRequest(id=0x4646, seq=seq,
                                                                      data=b"ds46-fad-v6"))


def kernel_state6(net):
    neigh = sh("ip", "-n", net.fa, "-6", "neigh", "show", GW6, "dev", "v0").stdout.strip()
    route = sh("ip", "-n", net.fa, "-6", "route", "show", PREFIX6).stdout.strip()
    rule = [ln.strip() for ln in sh("ip", "-n", net.fa, "-6", "rule", "show").stdout.splitlines()
            if "2001:db8:47::" in ln]
    return neigh, route, rule


def test_ipv6_native_visitor(fanet6):
    """Seed 3.4 choice 2: the agent attaches the Tunneling Mode extension;
    the home agent accepts the prefix with code 1; IPv6 goes natively on
    the link and every IPv6 packet of the node is reverse-tunnelled."""
    from scapy.all import IP, IPv6, Ether
    net = fanet6
    payload, (relayed, peer, rep), pkts = register(
        net, prefixes=[PREFIX6], prefix_replies=[(1, "2001:db8:47::", 64)])
    # RFC 5454 3.4: after the mobile-home authentication, nothing else (no FA-HA SA)
    assert relayed == payload + tunnel_mode(), relayed.hex()
    assert len([p for p in pkts if p[Ether].dst == net.mn_mac]) == 1
    v = net.d.ctl("visitors")["visitors"][0]
    assert v["ipv6"] == "native" and v["prefixes"] == [PREFIX6]
    neigh, route, rule = kernel_state6(net)
    assert neigh == "%s lladdr %s PERMANENT" % (GW6, net.mn_mac), neigh
    assert route.startswith("%s via %s dev v0" % (PREFIX6, GW6)), route
    assert rule == ["1434:\tfrom %s iif v0 lookup %d" % (PREFIX6, TABLE)], rule
    st = net.d.stats()
    assert st["tunnel_mode_attached"] == 1 and st["v6_native"] == 1

    # home agent -> F, IPv6 in IPv4: delivered natively to the node's MAC
    cap = net.capture(net.mn, "m0", bpf="ip6 and host " + CN6)
    inner = echo6(CN6, MN6)
    in_ns(net.ha, ha_send_6in4, inner)
    wait_for(lambda: net.d.stats().get("dp_fa_decap", 0) >= 1, 5, "dp_fa_decap")
    got = [p for p in cap.stop() if IPv6 in p and p[IPv6].src == CN6]
    assert len(got) == 1, [p.summary() for p in got]
    assert got[0][Ether].dst == net.mn_mac and got[0][IPv6].dst == MN6
    assert got[0][IPv6].hlim == 63                # one hop: the agent
    # the node -> CN natively: reverse-tunnelled as 6in4 from F to the home agent
    cap = net.capture(net.ha, "h0", bpf="ip proto 41")
    in_ns(net.mn, send_frames, [Ether(src=net.mn_mac, dst=net.fa_mac) / IPv6(echo6(MN6, CN6))])
    wait_for(lambda: net.d.stats().get("dp_fa_revtun", 0) >= 1, 5, "dp_fa_revtun")
    tun = [p for p in cap.stop() if IP in p and p[IP].proto == 41]
    assert len(tun) == 1, [p.summary() for p in tun]
    assert (tun[0][IP].src, tun[0][IP].dst) == (FA_V0, HA)
    i = IPv6(bytes(tun[0][IP].payload))
    assert (i.src, i.dst) == (MN6, CN6)

    # deregistration removes the IPv6 state too
    register(net, lifetime=0)
    wait_for(lambda: net.d.ctl("visitors")["visitors"] == [], 5, "no visitor")
    assert kernel_state6(net) == ("", "", [])
