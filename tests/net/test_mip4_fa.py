r"""Dual-Stack Mobile IPv4 with foreign agents and behind a NAT (issue 5:
RFC 5944 2-3, RFC 3024, RFC 3519, seed draft-ietf-mip4-dsmipv4-06 3.4,
3.5, 3.9 / RFC 5454), end to end on network namespaces (STYLE 14).

The topology is test_mip4.py's (mip4_topo.build_mip_net) plus
mip4_topo.build_fa_nets:

          +--------------------- r: router ----------------------+
          | rfa1 10.31.0.1      | rfa2 10.32.0.1      | rnat 10.33.0.1
          |                     |                     |
     fa1: u0 10.31.0.2     fa2: u0 10.32.0.2     nat: u0 10.33.0.2
          ds46-fad              ds46-fad              nftables masquerade
          (ipv6 attach)         (ipv6 ignore)         out of u0
          l0 10.3.0.1           l0 10.4.0.1           l0 172.16.0.1
   ====+==+=========       ====+==+=========     ====+==+===========
       brfa1                   brfa2                 brnat
       (the node has no        (likewise)            the node: 172.16.0.10/24
        address of its own)

The mobile node (ds46-mnd, home address 192.0.2.10, IPv6 home address
2001:db8:46::10 and prefix 2001:db8:47::/64) moves its link m0 between the
bridges; the home agent (ds46-had) is on the home link as in test_mip4.py.
fa1 attaches the IPv6 Tunneling Mode extension (seed 3.4 choice 2) under
its foreign-home authentication (SPI 500); fa2 relays the request as is
(choice 1, a plain RFC 5944 agent).
"""
import json
import re
import shutil
import subprocess
import time

import pytest

import mip4_topo as T
from conftest import BUILD, libconfig
from conftest import ctl as T_ctl
from mip4_topo import (CN4, CN6, HA4, MN_HOA, MN_HOA6, MN_PREFIX6, build_fa_nets,
                       build_mip_net, sh, wait_for)
from test_mip4 import (STREAM, T_PY, bindings, ha_stats, had_config, mn_registration,
                       mnd_config, read_int, wait_home)

HAD = BUILD / "ds46-had"
MND = BUILD / "ds46-mnd"
FAD = BUILD / "ds46-fad"
FA1_COA, FA2_COA = T.FA_NETS["fa1"][1], T.FA_NETS["fa2"][1]
FH_SPI = 500
FH_KEY = bytes(range(0x41, 0x51))
NAT_TIMEOUT = 15                       # conntrack UDP timeout in the NAT, seconds
KEEPALIVE = 10                         # the home agent's keepalive interval (RFC 3519
                                       # 4.10: at least 10)


def fad_config(workdir, place, ipv6_mode):
    """ds46-fad (src/mip4/fa_config.h, examples/fad.conf) on l0."""
    f = {
        "interfaces": [{"name": "l0", "care-of-addresses": [T.FA_NETS[place][1]]}],
        "advertisement-interval-ms": 500,
        "advertisement-lifetime": 3,
        "registration-lifetime": 600,
        "reverse-tunnel": "allowed",
        "ipv6": ipv6_mode,
        "tunnel-interface": "fa0",
        "home-agents": [{"address": HA4, "spi": FH_SPI, "key-hex": FH_KEY.hex()}],
        "control-socket": str(workdir / ("%s.sock" % place)),
        "store": str(workdir / ("%s.db" % place)),
        "log-level": "debug",
    }
    return "fa = %s;\n" % libconfig(f)


@pytest.fixture
def fanet(topo, workdir, daemon):
    for exe in (HAD, MND, FAD):
        if not exe.exists():
            pytest.fail("%s is missing: build it first" % exe)
    net = build_mip_net(topo, workdir)
    build_fa_nets(net, nat_udp_timeout=NAT_TIMEOUT)
    net.daemon = daemon
    net.had = daemon(HAD, net.ha, had_config(
        workdir, **{"foreign-agents": [{"address": a, "spi": FH_SPI, "key-hex": FH_KEY.hex()}
                                       for a in (FA1_COA, FA2_COA)],
                    "udp-keepalive": KEEPALIVE}), name="had")
    net.fad1 = daemon(FAD, net.fa1, fad_config(workdir, "fa1", "attach"), name="fad1")
    net.fad2 = daemon(FAD, net.fa2, fad_config(workdir, "fa2", "ignore"), name="fad2")
    net.mnd = None

    def start_mnd(**kw):
        kw.setdefault("agent-discovery", True)
        net.mnd = daemon(MND, net.mn, mnd_config(workdir, **kw), name="mnd")
        return net.mnd
    net.start_mnd = start_mnd
    return net


def fa_ctl(net, place, *args):
    """ds46ctl --json ARGS against the agent of place ("fa1", "fa2")."""
    return T_ctl(getattr(net, place), *args, sock=str(net.workdir / ("%s.sock" % place)))


def state(net):
    return str(mn_registration(net).get("state", "")).lower().replace("_", "-")


def wait_binding(net, coa, timeout=25.0):
    """Until ds46-mnd is registered and the home agent binds coa."""
    wait_for(lambda: state(net) in ("registered", "reregistering"), timeout,
             "mnd registered")
    return wait_for(lambda: [b for b in bindings(net) if b["coa"] == coa], timeout,
                    "binding at %s" % coa)[0]


def reach_both(net):
    rc, tx, rx, out = net.ping(net.cn4, MN_HOA, count=3, deadline=15)
    assert rx >= 2, out
    rc, tx, rx, out = net.ping(net.cn6, MN_HOA6, count=3, deadline=15)
    assert rx >= 2, out


def start_streams(net, families=("4", "6")):
    app = net.workdir / "stream.py"
    app.write_text(STREAM)
    runs = {}
    for fam, src, dst in (("4", net.cn4, MN_HOA), ("6", net.cn6, MN_HOA6)):
        if fam not in families:
            continue
        prog = net.workdir / ("progress-" + fam)
        stop = net.workdir / ("stop-" + fam)
        srv = net.topo.popen(net.mn, T_PY, app, "serve", fam, prog, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "listening", srv.stderr.read()
        cli = net.topo.popen(src, T_PY, app, "send", dst, stop, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        runs[fam] = (srv, cli, prog, stop)
    for fam, (_, _, prog, _) in runs.items():
        wait_for(lambda: read_int(prog) > 1000, 30, "stream %s flowing" % fam)
    return runs


def streams_advance(runs, what, timeout=60):
    marks = {fam: read_int(prog) for fam, (_, _, prog, _) in runs.items()}
    for fam, (_, _, prog, _) in runs.items():
        wait_for(lambda: read_int(prog) > marks[fam] + 1000, timeout,
                 "stream %s after %s" % (fam, what))


def stop_streams(runs):
    for fam, (srv, cli, prog, stop) in runs.items():
        stop.write_text("")
        out, err = cli.communicate(timeout=90)
        res = json.loads(out.splitlines()[-1])
        srv.communicate(timeout=30)
        assert res["error"] is None, (fam, res, err)
        assert res["reply"]["bad"] is None and res["reply"]["leftover"] == 0, res
        assert res["reply"]["got"] == res["sent"] > 0, res


# ---- seed 3.4 / 3.5: the two kinds of foreign agent ----------------------------------

def test_seed_3_4_fa_attaches_tunneling_mode_code_1_native_ipv6(fanet):
    """seed 3.4 choice 2, 3.5: through fa1 (which attaches the IPv6
    Tunneling Mode extension under its foreign-home authentication) the
    home agent answers the node's prefixes with code 1 and tunnels IPv6 to
    the agent's care-of address; fa1 delivers IPv6 natively on its link
    (the node sees ICMPv6 echo requests without any tunnel header) and
    reverse-tunnels the node's IPv6 to the home agent."""
    net = fanet
    net.attach("fa1")
    net.start_mnd()
    b = wait_binding(net, FA1_COA)
    assert b["ipv6"] in ("coa", "to-coa", "care-of"), b
    cap = net.capture(net.mn, "m0", bpf="icmp6 or ip proto 41")
    reach_both(net)
    pkts = cap.stop()
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    native = [p for p in pkts if IPv6 in p and IP not in p and ICMPv6EchoRequest in p]
    assert native and all(p[IPv6].dst == MN_HOA6 for p in native), \
        [p.summary() for p in pkts]
    assert not [p for p in pkts if IP in p and p[IP].proto == 41], [p.summary() for p in pkts]
    st = ha_stats(net)
    assert st["prefix_accepted_coa"] >= 1, st


def test_seed_3_4_fa_ignores_extensions_code_0(fanet):
    """seed 3.4 choice 1: fa2 relays the request as is; the home agent
    answers code 0 and IPv6 reaches the node inside IPv4 addressed to its
    home address (protocol 41 from the home agent), delivered by fa2 as
    ordinary IPv4."""
    net = fanet
    net.attach("fa2")
    net.start_mnd()
    b = wait_binding(net, FA2_COA)
    assert b["ipv6"] in ("hoa", "to-hoa", "home-address"), b
    cap = net.capture(net.mn, "m0", bpf="ip proto 41")
    reach_both(net)
    pkts = cap.stop()
    from scapy.layers.inet import IP
    t6 = [p for p in pkts if IP in p and p[IP].proto == 41]
    assert t6 and all((p[IP].src, p[IP].dst) == (HA4, MN_HOA) for p in t6 if
                      p[IP].dst == MN_HOA), [p.summary() for p in pkts]


# ---- RFC 3024 5.2: the encapsulating delivery style ------------------------------------

def test_rfc3024_5_2_encapsulating_delivery(fanet):
    """RFC 3024 3.3, 5.2: configured with reverse-tunnel-delivery
    "encapsulating", the node asks each agent for the encapsulating
    delivery style; its IPv4 leaves m0 as IP in IP from the home address to
    the agent (5.2.2), which decapsulates and reverse-tunnels it to the home
    agent; ping from both correspondents works through fa1 (IPv6 native,
    code 1) and through fa2 (code 0: the node's 6in4 to the home agent
    rides inside the same IP in IP).  Both agents list the visitor with
    delivery "encapsulating" and count what they re-tunnelled."""
    net = fanet
    from scapy.layers.inet import IP
    net.attach("fa1")
    net.start_mnd(**{"reverse-tunnel-delivery": "encapsulating"})
    wait_binding(net, FA1_COA)
    reg = mn_registration(net)
    assert reg.get("delivery") == "encapsulating", reg
    vis = fa_ctl(net, "fa1", "visitors")["visitors"]
    assert [v for v in vis if v["home"] == MN_HOA and v["delivery"] == "encapsulating"], vis
    cap = net.capture(net.mn, "m0", bpf="ip proto 4 or icmp")
    reach_both(net)
    pkts = cap.stop()
    enc = [p for p in pkts if IP in p and p[IP].proto == 4]
    assert enc and all((p[IP].src, p[IP].dst) == (MN_HOA, FA1_COA) and
                       p[IP].payload.src == MN_HOA for p in enc), [p.summary() for p in pkts]
    # nothing of the node's IPv4 leaves unencapsulated
    assert not [p for p in pkts if IP in p and p[IP].proto == 1 and p[IP].src == MN_HOA], \
        [p.summary() for p in pkts]
    st1 = fa_ctl(net, "fa1", "stats")["stats"]
    assert st1["dp_fa_encap_delivery"] >= 2, st1
    assert st1["dp_drop_fa_direct"] == 0, st1

    net.attach("fa2")
    wait_binding(net, FA2_COA)
    cap = net.capture(net.mn, "m0", bpf="ip proto 4")
    reach_both(net)
    pkts = cap.stop()
    inner6 = [p for p in pkts if IP in p and p[IP].proto == 4 and
              p[IP].payload.proto == 41]
    assert inner6 and all((p[IP].src, p[IP].dst) == (MN_HOA, FA2_COA) and
                          (p[IP].payload.src, p[IP].payload.dst) == (MN_HOA, HA4)
                          for p in inner6), [p.summary() for p in pkts]
    st2 = fa_ctl(net, "fa2", "stats")["stats"]
    assert st2["dp_fa_encap_delivery"] >= 4, st2


# ---- durability ---------------------------------------------------------------------

def test_kill9_fad_restart_keeps_visitors(fanet):
    """A kill -9 of a foreign agent and a restart lose no visitor (its
    store): the restarted ds46-fad lists the node with the same care-of
    address, home agent and IPv6 handling and a remaining lifetime that
    kept running, counts it restored, and delivers the home agent's
    tunnel to it again -- with ds46-mnd frozen (SIGSTOP), so that no new
    registration (RFC 5944 2.4.4 after the agent's sequence number 0) can
    be what repairs it: through fa1 the node's own IPv4 and code-1 IPv6 are
    native, so ping from both correspondents needs only the agent."""
    import signal
    net = fanet
    net.attach("fa1")
    net.start_mnd()
    wait_binding(net, FA1_COA)
    reach_both(net)
    (before,) = [v for v in fa_ctl(net, "fa1", "visitors")["visitors"] if v["home"] == MN_HOA]
    net.mnd.send_signal(signal.SIGSTOP)
    try:
        net.fad1.kill9()
        net.fad1.start()
        st = fa_ctl(net, "fa1", "stats")["stats"]
        assert st["fa_visitors_restored"] == 1, st
        assert st["fa_visitors_restore_dropped"] == 0, st
        (after,) = [v for v in fa_ctl(net, "fa1", "visitors")["visitors"]
                    if v["home"] == MN_HOA]
        for k in ("coa", "home_agent", "mac", "link", "flags", "ipv6", "prefixes", "delivery"):
            assert after[k] == before[k], (k, before, after)
        assert after["active"] and 0 < after["remaining"] <= before["remaining"], after
        reach_both(net)
        st = fa_ctl(net, "fa1", "stats")["stats"]
        assert st["dp_fa_decap"] >= 2, st
        assert st["fa_rx_requests"] == 0, st          # nothing re-registered meanwhile
    finally:
        net.mnd.send_signal(signal.SIGCONT)


# ---- RFC 3519 / RFC 5454 3.9: behind a NAT ---------------------------------------------

def test_rfc3519_nat_udp_tunnel_survives_nat_timeouts(fanet):
    """RFC 3519, RFC 5454 3.9: behind the NAT the node asks for UDP
    tunnelling; the home agent sees the request come from the NAT's
    address, accepts, and tunnels both families as MIP tunnel data
    (UDP 434, next header 4 and 41); after idling twice the NAT's UDP
    timeout the node is still reachable because its keepalives keep the
    NAT binding."""
    net = fanet
    net.attach("nat")
    net.start_mnd()
    b = wait_binding(net, T.NAT_MN4)
    # RFC 3519 4.6: the care-of address stays the private one; the tunnel
    # goes to the NAT's address and port the request came from
    assert b["udp_tunnel"] and b["udp_port"] and b["tunnel_dst"].startswith(T.NAT_OUT4), b
    assert b["keepalive"] == KEEPALIVE, b
    reach_both(net)
    time.sleep(2 * NAT_TIMEOUT + 1)
    reach_both(net)


# ---- the whole journey (issue 5) ------------------------------------------------------

def tcp_both(net):
    """A new TCP connection to each home address (CN4 -> IPv4, CN6 -> IPv6)
    streaming counters for a second: all arrive, in order."""
    app = net.workdir / "stream.py"
    app.write_text(STREAM)
    for fam, src, dst in (("4", net.cn4, MN_HOA), ("6", net.cn6, MN_HOA6)):
        prog, stop = net.workdir / ("tcp-progress-" + fam), net.workdir / ("tcp-stop-" + fam)
        if stop.exists():
            stop.unlink()
        srv = net.topo.popen(net.mn, T_PY, app, "serve", fam, prog, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "listening", srv.stderr.read()
        cli = net.topo.popen(src, T_PY, app, "send", dst, stop, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        stop.write_text("")
        out, err = cli.communicate(timeout=60)
        srv.communicate(timeout=30)
        r = json.loads(out.splitlines()[-1])
        assert r["error"] is None and r["sent"] > 0 and r["reply"]["got"] == r["sent"] and \
            r["reply"]["bad"] is None, (fam, r, err)


JOURNEY = (("fa1", FA1_COA, ("coa",)), ("fa2", FA2_COA, ("hoa",)), ("nat", T.NAT_MN4, None))


def frag_needed_mtu(net, size):
    """RFC 2003 4 / RFC 1191: a ping of size octets with DF from CN4 to the
    home address, then the path MTU CN4's kernel learnt from the home
    agent's fragmentation needed (None: none learnt)."""
    sh("ip", "netns", "exec", net.cn4, "ping", "-n", "-c", "1", "-W", "2", "-M", "do",
       "-s", str(size - 28), MN_HOA, check=False)
    r = sh("ip", "-n", net.cn4, "route", "get", MN_HOA)
    m = re.search(r"\bmtu (\d+)", r.stdout)
    return int(m.group(1)) if m else None


def packet_too_big_mtu(net, size):
    """RFC 4213 3.2 / RFC 8201: a ping of size octets from CN6 to the IPv6
    home address, then the path MTU CN6's kernel learnt from the home
    agent's Packet Too Big (None: none learnt).  The home agent sends it
    from its own address into its TUN: this also proves the kernel does
    not drop it as coming from a local address."""
    sh("ip", "netns", "exec", net.cn6, "ping", "-6", "-n", "-c", "1", "-W", "2", "-M", "do",
       "-s", str(size - 48), MN_HOA6, check=False)
    r = sh("ip", "-n", net.cn6, "-6", "route", "get", MN_HOA6)
    m = re.search(r"\bmtu (\d+)", r.stdout)
    return int(m.group(1)) if m else None


def journey_stop(net, place, coa, v6):
    net.attach(place)
    b = wait_binding(net, coa, timeout=40)
    if v6:
        assert b["foreign_agent"] == coa and b["ipv6"] in v6, b
    else:
        assert b["udp_tunnel"] and b["tunnel_dst"].startswith(T.NAT_OUT4), b
    reach_both(net)
    # the tunnel's headers: IP in IP 20 (CN4 learns 1480 at the first
    # stop), RFC 3519 IPv4 + UDP + tunnel data 32
    if place == "fa1":
        assert frag_needed_mtu(net, 1500) == 1480, place
        # IPv6 to the care-of address in IPv6 in IPv4: the static tunnel
        # MTU (ds46-had tunnel-mtu, 1480)
        assert packet_too_big_mtu(net, 1500) == 1480, place
    elif place == "nat":
        assert frag_needed_mtu(net, 1480) == 1468, place


def test_journey_home_fa1_fa2_nat_home(fanet):
    """RFC 5944 2.4 / 3.6, seed 3.4 / 3.5 / 3.9: the mobile node moves home
    -> fa1 (code 1, native IPv6) -> fa2 (code 0, IPv6 through the home
    address) -> behind the NAT (RFC 3519 UDP tunnelling) -> home; at each
    stop the binding is the expected one, ping and a new TCP connection
    reach both home addresses; back home the node deregisters."""
    net = fanet
    net.attach("home")
    net.start_mnd()
    wait_home(net)
    for place, coa, v6 in JOURNEY:
        journey_stop(net, place, coa, v6)
        tcp_both(net)
    net.attach("home")
    wait_home(net, timeout=30)
    assert bindings(net) == []
    reach_both(net)


@pytest.mark.parametrize("family", ["4", "6"])
def test_journey_sessions_survive(fanet, family):
    """Issue 5: a long-lived TCP session over each family, opened at fa1,
    survives the moves fa1 -> fa2 -> NAT, every counter in order.  After
    each move the sender's backlog goes out in full-size segments: they
    must shrink to the new tunnel's MTU (the home agent's fragmentation
    needed has to reach the sender) and fit the node's receive buffers
    once UDP-tunnelled."""
    net = fanet
    net.attach("fa1")
    net.start_mnd()
    wait_binding(net, FA1_COA)
    runs = start_streams(net, (family,))
    for place, coa, v6 in JOURNEY[1:]:
        journey_stop(net, place, coa, v6)
        streams_advance(runs, "the move to " + place, timeout=25)
    stop_streams(runs)
