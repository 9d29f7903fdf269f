r"""The home agent's multicast for its mobile nodes (RFC 5454 3.3.3, seed
draft-ietf-mip4-dsmipv4-06 3.3.2 "Processing intercepted IPv6 Packets" and
3.3.3; RFC 6275 10.4.2-10.4.3): MLD from the node through its home-address
tunnel, the home agent's membership on the home link, group traffic
tunnelled to the listening node.  Topology and fixtures: tests/net/test_mip4.py
(mip4_topo.build_mip_net); the mobile node registers from foreign1 with
scapy (no ds46-mnd) and its MLD messages are built with scapy:

    IP(src=care-of, dst=HA) / IP(src=home address, dst=HA, proto 41) /
        IPv6(src=fe80::10, dst=ff02::16, hop limit 1) / Hop-by-Hop(Router
        Alert) / MLDv2 Report or MLD Done

The sender is the home router r on the home link (rh), UDP to the group
with IPV6_MULTICAST_IF; the mobile node's namespace captures its link m0.
"""
import socket

from mip4_topo import HA4, MN_HOA, MN_HOA6, in_ns, sh, wait_for
import mip4_topo as T
from test_mip4 import COA1, away_scapy, bindings, ha_stats, mnet, register  # noqa: F401
from test_mip4 import HAD

GROUP = "ff0e::db8:1"          # global scope (RFC 4291 2.7)
OTHER = "ff0e::db8:2"          # nobody joins it
SITE = "ff05::db8:3"           # site-local: not tunnelled by default
MN_LL = "fe80::10"
PORT = 9999


def mld_in_tunnel(icmp):
    """The MLD message icmp inside IPv6 (link-local source, hop limit 1,
    Router Alert) inside 6in4 from the home address inside IP in IP from
    the care-of address (RFC 5454 3.3.3)."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, RouterAlert
    p = (IP(src=COA1, dst=HA4) / IP(src=MN_HOA, dst=HA4, proto=41) /
         IPv6(src=MN_LL, dst="ff02::16", hlim=1) /
         IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / icmp)
    return bytes(p)


def report(*groups):
    """MLDv2 Report, one CHANGE_TO_EXCLUDE {} record per group (RFC 3810 5.2)."""
    from scapy.layers.inet6 import ICMPv6MLDMultAddrRec, ICMPv6MLReport2
    return mld_in_tunnel(ICMPv6MLReport2(
        records=[ICMPv6MLDMultAddrRec(rtype=4, dst=g) for g in groups]))


def done(group):
    """MLDv1 Done (RFC 2710 3)."""
    from scapy.layers.inet6 import ICMPv6MLDone
    return mld_in_tunnel(ICMPv6MLDone(mladdr=group))


def send_group(pairs, ifname="rh"):
    """In the current namespace: UDP (payload) to each (group, payload) out
    of ifname, hop limit 5."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(ifname))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 5)
    for g, payload in pairs:
        s.sendto(payload, (g, PORT))
    s.close()
    return len(pairs)


def tunnelled(pkts):
    """(outer src, outer dst, inner IPv6 dst, UDP payload) of the tunnel
    packets carrying IPv6 UDP."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import UDP, IPv6
    out = []
    for p in pkts:
        if IP in p and p[IP].proto in (4, 41) and IPv6 in p and UDP in p[IPv6]:
            out.append((p[IP].src, p[IP].dst, p[IPv6].dst, bytes(p[UDP].payload)))
    return out


def ha_groups(net):
    return sh("ip", "-n", net.ha, "-6", "maddr", "show", "dev", "h0").stdout


def registered_away(net, tmode=True):
    away_scapy(net)
    (rep,) = register(net, prefixes=[MN_HOA6 + "/128"], tmode=tmode)
    assert rep["code"] == 0, rep


def test_rfc5454_3_3_3_mld_join_group_tunnelled_done_stops(mnet):
    """RFC 5454 3.3.3 / seed 3.3.2: an MLDv2 Report for ff0e::db8:1 through
    the home-address tunnel makes the home agent join the group on the home
    link (ip maddr, ha_mc_joined) and show it in the binding; UDP to the
    group from the home link arrives at the care-of address tunnelled
    (tunnelling mode: IPv6 in IPv4 to the care-of address); a group nobody
    joined is not tunnelled; after an MLD Done the home agent leaves the
    group and nothing more is tunnelled."""
    net = mnet
    registered_away(net, tmode=True)
    before = ha_stats(net)
    assert in_ns(net.mn, T.send_raw4, [report(GROUP)]) == 1
    wait_for(lambda: ha_stats(net)["ha_mc_joined"] - before["ha_mc_joined"] == 1, 5,
             "the home agent joined the group")
    st = ha_stats(net)
    assert st["dp_mld_joins"] - before["dp_mld_joins"] == 1
    assert st["dp_mld_malformed"] == before["dp_mld_malformed"]
    (b,) = bindings(net)
    assert [g["group"] for g in b["mld_groups"]] == [GROUP], b
    assert 250 <= b["mld_groups"][0]["expires_in"] <= 260, b
    assert GROUP in ha_groups(net)

    cap = net.capture(net.mn, "m0", bpf="ip proto 4 or ip proto 41")
    assert in_ns(net.r, send_group, [(GROUP, b"to-group-%d" % i) for i in range(3)] +
                 [(OTHER, b"to-other")]) == 4
    wait_for(lambda: ha_stats(net)["dp_mc_tunnelled"] - before["dp_mc_tunnelled"] >= 3, 5,
             "3 group packets tunnelled")
    got = tunnelled(cap.stop())
    assert got == [(HA4, COA1, GROUP, b"to-group-%d" % i) for i in range(3)], got
    st = ha_stats(net)
    assert st["dp_mc_tunnelled"] - before["dp_mc_tunnelled"] == 3

    assert in_ns(net.mn, T.send_raw4, [done(GROUP)]) == 1
    wait_for(lambda: ha_stats(net)["ha_mc_left"] - before["ha_mc_left"] == 1, 5,
             "the home agent left the group")
    (b,) = bindings(net)
    assert b["mld_groups"] == [], b
    assert GROUP not in ha_groups(net)
    cap = net.capture(net.mn, "m0", bpf="ip proto 4 or ip proto 41")
    in_ns(net.r, send_group, [(GROUP, b"after-done")])
    assert tunnelled(cap.stop(settle=1.0)) == []
    assert ha_stats(net)["dp_mc_tunnelled"] - before["dp_mc_tunnelled"] == 3


def test_seed_3_3_2_scope_and_double_encapsulation(mnet):
    """seed 3.3.2: without the tunnelling mode extension group traffic goes
    through the home address (IP in IP to the care-of address around IPv6
    in IPv4 to the home address); a site-local group the node joined is
    not tunnelled (SHOULD NOT, the default) and counted drop_multicast."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import UDP, IPv6
    net = mnet
    registered_away(net, tmode=False)
    before = ha_stats(net)
    in_ns(net.mn, T.send_raw4, [report(GROUP, SITE)])
    wait_for(lambda: ha_stats(net)["ha_mc_joined"] - before["ha_mc_joined"] == 2, 5,
             "two groups joined")
    cap = net.capture(net.mn, "m0", bpf="ip proto 4")
    in_ns(net.r, send_group, [(SITE, b"site"), (GROUP, b"global")])
    wait_for(lambda: ha_stats(net)["dp_mc_tunnelled"] - before["dp_mc_tunnelled"] >= 1, 5,
             "the global group's packet tunnelled")
    pkts = [p for p in cap.stop() if IP in p and p[IP].proto == 4]
    got = [(p[IP].src, p[IP].dst, p[IP].payload.src, p[IP].payload.dst, p[IP].payload.proto,
            p[IPv6].dst, bytes(p[UDP].payload)) for p in pkts if IPv6 in p and UDP in p]
    assert got == [(HA4, COA1, HA4, MN_HOA, 41, GROUP, b"global")], got
    st = ha_stats(net)
    assert st["dp_drop_multicast"] - before["dp_drop_multicast"] >= 1


def test_multicast_knobs_scope_groups_query_interval(mnet):
    """ds46-had's multicast settings reach the engine: with
    multicast-min-scope = 5 a site-local group (ff05::) is tunnelled (seed
    3.3.2 leaves that to the operator: SHOULD NOT by default); with
    multicast-max-groups = 1 a node's second group is refused
    (dp_mld_node_full) and never joined on the home link; with
    mld-query-interval = 10 the listener timeout is 2 * 10 + 10 s (RFC 3810
    9.4) and the periodic General Query, every 10 s, carries QQIC 10."""
    from scapy.layers.inet6 import ICMPv6MLQuery2
    from test_mip4 import had_config
    net = mnet
    net.had.stop()
    net.had = net.daemon(HAD, net.ha, had_config(
        net.workdir, **{"multicast-min-scope": 5, "multicast-max-groups": 1,
                        "mld-query-interval": 10}), name="had")
    cap_q = net.capture(net.mn, "m0", bpf="ip proto 4")
    registered_away(net, tmode=True)
    before = ha_stats(net)
    in_ns(net.mn, T.send_raw4, [report(SITE, GROUP)])
    wait_for(lambda: ha_stats(net)["ha_mc_joined"] - before["ha_mc_joined"] == 1, 5,
             "one group joined")
    st = ha_stats(net)
    assert st["dp_mld_node_full"] - before["dp_mld_node_full"] == 1, st
    (b,) = bindings(net)
    assert [g["group"] for g in b["mld_groups"]] == [SITE], b
    assert 20 <= b["mld_groups"][0]["expires_in"] <= 30, b
    assert GROUP not in ha_groups(net)
    cap = net.capture(net.mn, "m0", bpf="ip proto 4 or ip proto 41")
    in_ns(net.r, send_group, [(SITE, b"site")])
    wait_for(lambda: ha_stats(net)["dp_mc_tunnelled"] - before["dp_mc_tunnelled"] >= 1, 5,
             "the site-local group's packet tunnelled")
    assert [t[2:] for t in tunnelled(cap.stop())] == [(SITE, b"site")]
    # query rounds: 2 s after the start, then every 10 s
    wait_for(lambda: ha_stats(net)["dp_mld_queries_sent"] >= 1, 15, "a General Query")
    qs = [p[ICMPv6MLQuery2] for p in cap_q.stop() if ICMPv6MLQuery2 in p]
    assert qs and all(q.QQIC == 10 for q in qs), [q.summary() for q in qs]
