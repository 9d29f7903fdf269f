"""ds46-dstmd end to end, on network namespaces (STYLE 14).

Topology (conftest.build_dstm_net), namespaces ds46-<pid>-{cli,srv,rly}:

      link "lan": 2001:db8:46::/64                      2001:db8:48::/64
  +--------------------+        +-----------------------------+        +---------------------+
  | ds46-<pid>-cli     |  veth  | ds46-<pid>-srv              |  veth  | ds46-<pid>-rly      |
  |  c0 2001:db8:46::2 +--------+ s0 2001:db8:46::1           |        |                     |
  |     + link-local   |        |    (joins ff02::1:2)        |        |                     |
  |  dhcp6c.py         |        |  ds46-dstmd  (UDP 547)      |        |  dhcp6c.py relay    |
  |  (UDP 546)         |        |  s1 2001:db8:48::1          +--------+ r0 2001:db8:48::2   |
  +--------------------+        +-----------------------------+        |  link-address       |
                                                                       |  2001:db8:47::1 ->  |
                                                                       |  link "relayed"     |
                                                                       +---------------------+

Server configuration: conftest.dstmd_config, the links of examples/dstmd.conf:
  lan      interface s0, prefix 2001:db8:46::/64, TEP 2001:db8:46::ffff,
           t1 1800, t2 2880, preferred 3600, valid 7200,
           ipv4 pool "dstm" 192.0.2.100-192.0.2.199 without 192.0.2.150 (99),
           ipv6 pool "na" 2001:db8:46::1000-2001:db8:46::1fff (4096)
  relayed  prefix 2001:db8:47::/64, TEP 2001:db8:47::ffff, default lifetimes
           (1800/2880/3600/7200), ipv4 pool "dstm" 198.51.100.0/26 (64)

The IPv4 Global Address option (dstm-04 6.1) has code 65046.
"""
import json
import os
import re
import select
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import BUILD_NAME, dhcp6c, dhcp6c_popen, lan_link, relayed_link

V4 = 65046
TEP_LAN = "2001:db8:46::ffff"
TEP_RELAYED = "2001:db8:47::ffff"
MAC1, MAC2, MAC3, MAC4, MAC5 = ("02:46:00:00:00:01", "02:46:00:00:00:02",
                                "02:46:00:00:00:03", "02:46:00:00:00:04",
                                "02:46:00:00:00:05")
ST_SUCCESS, ST_NOADDRSAVAIL, ST_NOBINDING, ST_NOTONLINK, ST_USEMULTICAST = 0, 2, 3, 4, 5
LEASE_KEYS = {"addr", "kind", "state", "client", "duid", "iaid", "tep", "expires",
              "remaining", "preferred", "valid", "pool", "reconfigure_key"}
COUNTERS = ["rx_packets", "rx_solicit", "rx_request", "rx_confirm", "rx_renew", "rx_rebind",
            "rx_release", "rx_decline", "rx_information_request", "rx_relay_forw",
            "tx_advertise", "tx_reply", "tx_reconfigure", "tx_relay_repl",
            "leases_v4_assigned", "leases_na_assigned", "leases_renewed", "leases_released",
            "leases_declined", "leases_expired", "noaddrsavail", "nobinding", "notonlink",
            "usemulticast", "drop_truncated", "drop_malformed_option", "drop_oversized",
            "drop_unknown_type", "drop_relay_hops", "drop_no_clientid",
            "drop_wrong_serverid", "drop_unexpected_serverid", "drop_no_link",
            "drop_server_message", "drop_store_error"]


# ---- helpers ------------------------------------------------------------------

def client(ns, cmd, *args, mac=MAC1, check=True, iface="c0"):
    return dhcp6c(ns, cmd, "--iface", iface, "--mac", mac, *args, check=check)


def duid_ll(mac):
    return "00030001" + mac.replace(":", "")


def ia_v4(addr, tep=TEP_LAN, iaid=1, t1=1800, t2=2880, pref=3600, valid=7200):
    """The IA_NA (as dhcp6c.py decodes it) of an IPv4 lease, with the IPv4
    Global Address option directly before it."""
    return {"type": "IA_NA", "iaid": iaid, "t1": t1, "t2": t2, "status": None,
            "ipv4_option": {"present": True, "len": 16 if tep else 0, "tep": tep,
                            "immediately_before": True},
            "addrs": [{"addr": "::ffff:" + addr, "ipv4": addr, "preferred": pref,
                       "valid": valid, "status": None}]}


def ia_status(code, iaid=1):
    return {"code": code, "iaid": iaid}


def ia_brief_status(ia):
    return {"code": ia["status"]["code"] if ia["status"] else None, "iaid": ia["iaid"]}


def one_address_lan(**kw):
    return lan_link(**{"ipv4-pools": [{"name": "dstm", "ranges": ["192.0.2.100-192.0.2.100"]}]},
                    **kw)


def by_addr(leases):
    return {l["addr"]: l for l in leases}


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def wait_stats(d, pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        s = d.stats()
        if pred(s) or time.monotonic() > deadline:
            return s
        time.sleep(0.05)


def opt(code, data=b""):
    return code.to_bytes(2, "big") + len(data).to_bytes(2, "big") + data


def ia_na_bytes(iaid, addr=None):
    return opt(3, iaid.to_bytes(4, "big") + bytes(8))


def wait_bound(p, timeout=20.0):
    """Read a reconfigure-listen client's lines until it is bound."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], deadline - time.monotonic())
        if not r:
            break
        line = p.stdout.readline()
        if not line:
            break
        ev = json.loads(line)
        if ev.get("event") == "bound":
            return ev
        if "ok" in ev:         # finished early: its final result
            pytest.fail("client gave up: %s" % json.dumps(ev, indent=1))
    pytest.fail("client not bound within %ss" % timeout)


def finish(p, timeout=40):
    out, err = p.communicate(timeout=timeout)
    lines = out.strip().splitlines()
    assert lines, err
    res = json.loads(lines[-1])
    assert res["ok"], json.dumps(res, indent=1)
    return res


def stable(lease):
    return {k: v for k, v in lease.items() if k != "remaining"}


# ---- RFC 8415 18 / dstm-04 6 ------------------------------------------------------

def test_dstm_6_2_full_exchange(net, dstmd):
    """dstm-04 6.1.1, 6.1.2, 6.2: Solicit with the IPv4 Global Address option
    (length 0) before an IA_NA -> Advertise (nothing stored) -> Request ->
    Reply; both answers carry the option with the TEP of the client's prefix
    directly before an IA_NA holding ::ffff:192.0.2.100, the first address of
    the configured pool."""
    d = dstmd()
    r = client(net.cli, "dstm")
    adv, rep = r["advertise"], r["reply"]
    sid = adv["server_duid"]
    assert sid.startswith("0004") and len(sid) == 36   # DUID-UUID (RFC 8415 11.5)
    assert adv["type_name"] == "Advertise" and rep["type_name"] == "Reply"
    # Server ID, Client ID, Preference, IPv4 Global Address, IA_NA
    assert adv["options"] == [2, 1, 7, V4, 3]
    assert rep["options"] == [2, 1, V4, 3]
    assert r["advertise_from"] == net.srv_ll
    for m in (adv, rep):
        assert m["client_duid"] == duid_ll(MAC1)
        assert m["server_duid"] == sid
        assert m["status"] is None
        assert m["ipv4_options"] == 1 and m["ipv4_dangling"] is False
        assert m["ias"] == [ia_v4("192.0.2.100")]
    assert adv["preference"] == 255

    leases = d.leases()
    assert len(leases) == 1
    l = leases[0]
    assert set(l) == LEASE_KEYS
    assert {k: l[k] for k in ("addr", "kind", "state", "client", "duid", "iaid", "tep",
                              "preferred", "valid", "pool", "reconfigure_key")} == {
        "addr": "192.0.2.100", "kind": "ipv4", "state": "bound", "client": net.cli_ll,
        "duid": duid_ll(MAC1), "iaid": 1, "tep": TEP_LAN, "preferred": 3600,
        "valid": 7200, "pool": "dstm", "reconfigure_key": False}
    assert 7198 <= l["remaining"] <= 7200

    # RFC 8415 18.3.1: an Advertise stores nothing.
    sol = client(net.cli, "solicit", mac=MAC2)["answer"]
    assert sol["type_name"] == "Advertise" and sol["server_duid"] == sid
    assert sol["ias"] == [ia_v4("192.0.2.101")]
    assert [l["addr"] for l in d.leases()] == ["192.0.2.100"]
    s = d.stats()
    assert (s["rx_solicit"], s["rx_request"], s["tx_advertise"], s["tx_reply"],
            s["leases_v4_assigned"], s["leases_na_assigned"]) == (2, 1, 2, 1, 1, 0)


def test_dstm_6_1_ipv4_and_ipv6_ia_together(net, dstmd):
    """dstm-04 6.1: the option applies only to the IA after it; a second
    IA_NA without it gets an ordinary address from the IPv6 pool."""
    d = dstmd()
    r = client(net.cli, "dstm", "--na-iaid", "2")
    rep = r["reply"]
    assert rep["options"] == [2, 1, V4, 3, 3]
    assert rep["ias"][0] == ia_v4("192.0.2.100")
    na = rep["ias"][1]
    assert na["iaid"] == 2 and na["ipv4_option"] is None and na["status"] is None
    assert len(na["addrs"]) == 1 and na["addrs"][0]["ipv4"] is None
    a6 = na["addrs"][0]["addr"]
    assert a6.startswith("2001:db8:46::1")
    assert 0x1000 <= int(a6.rsplit(":", 1)[1], 16) <= 0x1fff
    kinds = {l["addr"]: (l["kind"], l["pool"], l["tep"]) for l in d.leases()}
    assert kinds == {"192.0.2.100": ("ipv4", "dstm", TEP_LAN), a6: ("ipv6", "na", None)}


def test_rfc8415_18_3_1_rapid_commit(net, dstmd):
    """RFC 8415 18.3.1: Solicit with Rapid Commit -> Reply with Rapid Commit,
    lease stored."""
    d = dstmd()
    r = client(net.cli, "rapid")
    rep = r["reply"]
    assert rep["type_name"] == "Reply" and rep["rapid_commit"] is True
    assert rep["options"] == [2, 1, 14, V4, 3]
    assert rep["ias"] == [ia_v4("192.0.2.100")]
    assert [(l["addr"], l["state"]) for l in d.leases()] == [("192.0.2.100", "bound")]
    s = d.stats()
    assert (s["tx_advertise"], s["tx_reply"], s["leases_v4_assigned"]) == (0, 1, 1)


def test_rfc8415_18_3_4_renew_extends(net, dstmd):
    """RFC 8415 18.3.4: Renew -> Reply with the same address, new lifetimes;
    the lease's expiry moves forward by the time that passed."""
    d = dstmd()
    r = client(net.cli, "dstm")
    sid = r["reply"]["server_duid"]
    exp0 = by_addr(d.leases())["192.0.2.100"]["expires"]
    time.sleep(2.2)
    rr = client(net.cli, "renew", "--server-duid", sid, "--addr", "::ffff:192.0.2.100",
                "--iaid", "1")
    rep = rr["reply"]
    assert rep["type_name"] == "Reply" and rep["status"] is None
    assert rep["options"] == [2, 1, V4, 3]
    assert rep["ias"] == [ia_v4("192.0.2.100")]
    l = by_addr(d.leases())["192.0.2.100"]
    assert 2 <= l["expires"] - exp0 <= 4
    assert 7198 <= l["remaining"] <= 7200
    s = d.stats()
    assert (s["rx_renew"], s["leases_renewed"], s["leases_v4_assigned"]) == (1, 1, 1)


def test_rfc8415_18_3_5_rebind_extends(net, dstmd):
    """RFC 8415 18.3.5: Rebind (no Server Identifier) extends the binding."""
    d = dstmd()
    client(net.cli, "dstm")
    exp0 = by_addr(d.leases())["192.0.2.100"]["expires"]
    time.sleep(1.2)
    rr = client(net.cli, "rebind", "--addr", "::ffff:192.0.2.100", "--iaid", "1")
    assert rr["reply"]["ias"] == [ia_v4("192.0.2.100")]
    l = by_addr(d.leases())["192.0.2.100"]
    assert 1 <= l["expires"] - exp0 <= 3
    s = d.stats()
    assert (s["rx_rebind"], s["leases_renewed"]) == (1, 1)


def test_rfc8415_18_3_7_release_frees(net, dstmd):
    """RFC 8415 18.3.7: Release -> Reply with Success; the binding is gone and
    the address goes to the next client (a one-address pool)."""
    d = dstmd(links=[one_address_lan(), relayed_link()])
    r = client(net.cli, "dstm")
    sid = r["reply"]["server_duid"]
    rel = client(net.cli, "release", "--server-duid", sid, "--addr", "::ffff:192.0.2.100",
                 "--iaid", "1")
    rep = rel["reply"]
    assert rep["type_name"] == "Reply"
    assert rep["status"]["code"] == ST_SUCCESS
    assert rep["ias"] == []                       # no NoBinding: it was ours
    assert d.leases() == []
    lan = [p for p in d.pools() if (p["link"], p["pool"]) == ("lan", "dstm")][0]
    assert (lan["size"], lan["used"], lan["declined"]) == (1, 0, 0)
    r2 = client(net.cli, "dstm", mac=MAC2)
    assert r2["reply"]["ias"] == [ia_v4("192.0.2.100")]
    s = d.stats()
    assert (s["rx_release"], s["leases_released"], s["nobinding"]) == (1, 1, 0)

    # Releasing what one does not hold: NoBinding inside the IA.
    again = client(net.cli, "release", "--server-duid", sid, "--addr", "::ffff:192.0.2.100",
                   "--iaid", "1")
    assert [ia_brief_status(ia) for ia in again["reply"]["ias"]] == [ia_status(ST_NOBINDING)]
    assert [l["duid"] for l in d.leases()] == [duid_ll(MAC2)]


def test_rfc8415_18_3_8_decline_quarantines(net, dstmd):
    """RFC 8415 18.3.8: Decline -> Reply with Success; the address is kept out
    of the pool (state declined, for decline-time) and the next client gets
    another one; with a two-address pool the third client gets NoAddrsAvail."""
    d = dstmd(links=[lan_link(**{"ipv4-pools": [{"name": "dstm",
                                                 "ranges": ["192.0.2.100-192.0.2.101"]}]}),
                     relayed_link()])
    r = client(net.cli, "dstm")
    sid = r["reply"]["server_duid"]
    dec = client(net.cli, "decline", "--server-duid", sid, "--addr", "::ffff:192.0.2.100",
                 "--iaid", "1")
    assert dec["reply"]["status"]["code"] == ST_SUCCESS
    assert dec["reply"]["ias"] == []
    l = by_addr(d.leases())["192.0.2.100"]
    assert l["state"] == "declined"
    assert 86398 <= l["remaining"] <= 86400
    r2 = client(net.cli, "dstm", mac=MAC2)
    assert r2["reply"]["ias"] == [ia_v4("192.0.2.101")]
    states = {a: l["state"] for a, l in by_addr(d.leases()).items()}
    assert states == {"192.0.2.100": "declined", "192.0.2.101": "bound"}
    lan = [p for p in d.pools() if (p["link"], p["pool"]) == ("lan", "dstm")][0]
    assert (lan["size"], lan["used"], lan["declined"]) == (2, 2, 1)
    r3 = client(net.cli, "dstm", mac=MAC3)
    assert [ia_brief_status(ia) for ia in r3["reply"]["ias"]] == [ia_status(ST_NOADDRSAVAIL)]
    s = d.stats()
    assert (s["rx_decline"], s["leases_declined"], s["noaddrsavail"]) == (1, 1, 2)


def test_rfc8415_18_3_9_exhaustion_noaddrsavail(net, dstmd):
    """RFC 8415 18.3.9 / 18.3.2: with the IPv4 pool used up, the IA carries
    NoAddrsAvail (in the Advertise and in the Reply) and nothing is stored."""
    small = lan_link(**{"ipv4-pools": [{"name": "dstm",
                                        "ranges": ["192.0.2.100-192.0.2.101"]}]})
    d = dstmd(links=[small, relayed_link()])
    assert client(net.cli, "dstm", mac=MAC1)["reply"]["ias"] == [ia_v4("192.0.2.100")]
    assert client(net.cli, "dstm", mac=MAC2)["reply"]["ias"] == [ia_v4("192.0.2.101")]
    r = client(net.cli, "dstm", mac=MAC3)
    for m in (r["advertise"], r["reply"]):
        assert [ia_brief_status(ia) for ia in m["ias"]] == [ia_status(ST_NOADDRSAVAIL)]
        assert m["ias"][0]["addrs"] == []
    assert sorted(l["addr"] for l in d.leases()) == ["192.0.2.100", "192.0.2.101"]
    s = d.stats()
    assert (s["noaddrsavail"], s["leases_v4_assigned"]) == (2, 2)
    lan = [p for p in d.pools() if (p["link"], p["pool"]) == ("lan", "dstm")][0]
    assert (lan["size"], lan["used"]) == (2, 2)


def test_rfc8415_18_3_3_confirm(net, dstmd):
    """RFC 8415 18.3.3: Confirm of an on-link address -> Success; of an
    address from another link's pool -> NotOnLink."""
    d = dstmd()
    client(net.cli, "dstm")
    ok = client(net.cli, "confirm", "--addr", "::ffff:192.0.2.100", "--iaid", "1")
    assert ok["reply"]["status"]["code"] == ST_SUCCESS
    bad = client(net.cli, "confirm", "--addr", "::ffff:198.51.100.7", "--iaid", "1")
    assert bad["reply"]["status"]["code"] == ST_NOTONLINK
    s = d.stats()
    assert (s["rx_confirm"], s["notonlink"]) == (2, 1)


def test_rfc8415_18_3_6_information_request(net, dstmd):
    """RFC 8415 18.3.6: Information-request -> Reply with the server's DUID,
    no IA, no binding."""
    d = dstmd()
    r = client(net.cli, "inforeq")
    rep = r["reply"]
    assert rep["type_name"] == "Reply" and rep["ias"] == [] and rep["server_duid"]
    assert rep["client_duid"] == duid_ll(MAC1)
    assert d.leases() == []
    assert d.stats()["rx_information_request"] == 1


def test_rfc8415_19_relay_path(net, dstmd):
    """RFC 8415 19: a Relay-Forward whose link-address is in 2001:db8:47::/64
    selects link "relayed" and its pool; the answers are Relay-Reply messages
    to the relay's address and port, with the same link-address,
    peer-address and Interface-Id."""
    d = dstmd()
    r = client(net.rly, "relay", "--to", net.srv_relay_addr, "--link-addr", "2001:db8:47::1",
               "--peer-addr", "fe80::c1", "--ifid", "r1-port7", iface="r0")
    for key, inner_type, opts in (("advertise", "Advertise", [2, 1, 7, V4, 3]),
                                  ("reply", "Reply", [2, 1, V4, 3])):
        m = r[key]
        assert r[key + "_from"] == net.srv_relay_addr
        assert (m["type_name"], m["hop_count"], m["link"], m["peer"], m["interface_id"]) == (
            "Relay-repl", 0, "2001:db8:47::1", "fe80::c1", "r1-port7")
        assert m["options"] == [18, 9]
        assert m["inner"]["type_name"] == inner_type
        assert m["inner"]["options"] == opts
        assert m["inner"]["ias"] == [ia_v4("198.51.100.0", tep=TEP_RELAYED)]
    l = by_addr(d.leases())["198.51.100.0"]
    assert (l["client"], l["tep"], l["pool"], l["state"]) == (
        "fe80::c1", TEP_RELAYED, "dstm", "bound")
    used = {(p["link"], p["pool"]): p["used"] for p in d.pools()}
    assert used == {("lan", "dstm"): 0, ("lan", "na"): 0, ("relayed", "dstm"): 1}
    s = d.stats()
    assert (s["rx_relay_forw"], s["tx_relay_repl"], s["drop_no_link"]) == (2, 2, 0)


def test_dstm_6_2_reconfigure_end_to_end(topo, net, dstmd):
    """dstm-04 6.2, RFC 8415 18.3.11 and 20.4: a client bound with an ordinary
    IA_NA and Reconfigure Accept gets a reconfigure key (Auth: protocol 3,
    HMAC-MD5, RDM 0, type 1); `ds46ctl reconfigure` sends it a Reconfigure
    (msg-type Renew, ORO with the IPv4 Global Address option, Auth type 2
    whose HMAC-MD5 verifies with that key); the client's Renew with the
    option before a new IA_NA gets an IPv4 address."""
    d = dstmd()
    p = dhcp6c_popen(topo, net.cli, "reconfigure-listen", "--iface", "c0", "--mac", MAC1,
                     "--no-v4", "--na-iaid", "1", "--new-v4-iaid", "2", "--listen", "20")
    bound = wait_bound(p)
    a6 = bound["addrs"][0]
    assert by_addr(d.leases())[a6]["reconfigure_key"] is True
    assert d.ctl("reconfigure", a6)["ok"] is True
    res = finish(p)

    rep = res["bind"]["reply"]
    assert rep["reconf_accept"] is True
    assert {k: rep["auth"][k] for k in ("protocol", "algorithm", "rdm", "info_type")} == {
        "protocol": 3, "algorithm": 1, "rdm": 0, "info_type": 1}
    assert len(rep["auth"]["info_value"]) == 32 and bound["key"] == rep["auth"]["info_value"]

    rc = res["reconfigure"]
    assert rc["type_name"] == "Reconfigure"
    assert rc["server_duid"] == rep["server_duid"] and rc["client_duid"] == duid_ll(MAC1)
    assert rc["reconf_msg"] == 5                  # Renew
    assert rc["oro"] == [V4]
    assert {k: rc["auth"][k] for k in ("protocol", "algorithm", "rdm", "info_type")} == {
        "protocol": 3, "algorithm": 1, "rdm": 0, "info_type": 2}
    assert int(rc["auth"]["replay"], 16) > int(rep["auth"]["replay"], 16)
    assert res["hmac_ok"] is True
    assert res["reconfigure_from"] == net.srv_ll

    rr = res["renew_reply"]
    assert rr["ias"][0]["iaid"] == 1 and rr["ias"][0]["addrs"][0]["addr"] == a6
    assert rr["ias"][1] == ia_v4("192.0.2.100", iaid=2)
    l = by_addr(d.leases())["192.0.2.100"]
    assert (l["kind"], l["iaid"], l["duid"], l["state"]) == ("ipv4", 2, duid_ll(MAC1), "bound")
    s = d.stats()
    assert (s["tx_reconfigure"], s["rx_renew"], s["leases_v4_assigned"]) == (1, 1, 1)


def test_rfc8415_19_3_reconfigure_through_relay(topo, net, dstmd):
    """RFC 8415 18.3.11, 19.3: a relayed client's Reconfigure goes to the
    relay agent (its address, port 547) in a Relay-Reply whose link-address
    is the client's link and whose peer-address is the client; the relayed
    Renew then gets an IPv4 address from link "relayed"."""
    relayed = relayed_link(**{"ipv6-pools": [{"name": "na",
                                              "range": "2001:db8:47::1000-2001:db8:47::1fff"}]})
    d = dstmd(links=[lan_link(), relayed])
    p = dhcp6c_popen(topo, net.rly, "relay-reconfigure-listen", "--iface", "r0", "--mac", MAC2,
                     "--to", net.srv_relay_addr, "--link-addr", "2001:db8:47::1",
                     "--peer-addr", "fe80::c2", "--ifid", "r1-port9",
                     "--no-v4", "--na-iaid", "1", "--new-v4-iaid", "2", "--listen", "20")
    bound = wait_bound(p)
    a6 = bound["addrs"][0]
    assert a6.startswith("2001:db8:47::1")
    assert d.ctl("reconfigure", "--duid", duid_ll(MAC2))["ok"] is True
    res = finish(p)
    rl = res["reconfigure_relay"]
    assert (rl["type_name"], rl["hop_count"], rl["link"], rl["peer"]) == (
        "Relay-repl", 0, "2001:db8:47::1", "fe80::c2")
    assert res["reconfigure_from"] == net.srv_relay_addr
    rc = res["reconfigure"]
    assert (rc["type_name"], rc["reconf_msg"], rc["oro"]) == ("Reconfigure", 5, [V4])
    assert res["hmac_ok"] is True
    rr = res["renew_reply"]
    assert rr["ias"][0]["addrs"][0]["addr"] == a6
    assert rr["ias"][1] == ia_v4("198.51.100.0", tep=TEP_RELAYED, iaid=2)
    l = by_addr(d.leases())["198.51.100.0"]
    assert (l["client"], l["iaid"], l["duid"]) == ("fe80::c2", 2, duid_ll(MAC2))


def test_kill9_restart_keeps_leases_and_duid(net, dstmd):
    """SIGKILL right after the Replies: a restarted server has every lease
    (address, client, IAID, expiry) and the same DUID."""
    d = dstmd()
    sids = set()
    for mac in (MAC1, MAC2, MAC3):
        sids.add(client(net.cli, "dstm", "--na-iaid", "2", mac=mac)["reply"]["server_duid"])
    rr = client(net.rly, "relay", "--to", net.srv_relay_addr, "--link-addr", "2001:db8:47::1",
                iface="r0", mac=MAC4)
    sids.add(rr["reply"]["inner"]["server_duid"])
    assert len(sids) == 1
    before = sorted((stable(l) for l in d.leases()), key=lambda l: l["addr"])
    assert len(before) == 7
    assert d.kill9() == -signal.SIGKILL
    d.start()
    after = sorted((stable(l) for l in d.leases()), key=lambda l: l["addr"])
    assert after == before
    adv = client(net.cli, "solicit", mac=MAC5)["answer"]
    assert adv["server_duid"] == sids.pop()
    assert adv["ias"] == [ia_v4("192.0.2.103")]   # .100-.102 are still taken
    again = client(net.cli, "solicit", mac=MAC2)["answer"]
    assert again["ias"] == [ia_v4("192.0.2.101")]  # its own binding


def test_bad_input_dropped_and_counted(net, dstmd):
    """STYLE 5: malformed or unexpected datagrams are dropped without an
    answer, each counted under its own name exactly once; the server keeps
    serving."""
    d = dstmd()
    sid = client(net.cli, "inforeq", mac=MAC2)["reply"]["server_duid"]
    xid = b"\x12\x34\x56"
    cid = opt(1, bytes.fromhex(duid_ll(MAC1)))
    solicit = b"\x01" + xid + cid + opt(8, b"\0\0") + opt(V4) + ia_na_bytes(1)

    def nest(msg, depth):
        for _ in range(depth):
            msg = (b"\x0c\x00" + bytes(16) + bytes.fromhex("fe800000000000000000000000000001")
                   + opt(9, msg))
        return msg

    big = b"\x01" + xid + cid + opt(8, b"\0\0")
    big += opt(65000, bytes(2000 - len(big) - 4))
    assert len(big) == 2000
    other = opt(2, bytes.fromhex("000300010246ffffffff"))
    cases = [
        ("truncated header", b"\x01\x00\x00", {"drop_truncated": 1}),
        ("option length past the end", b"\x01" + xid + cid + b"\x00\x08\x00\x64\x00\x00",
         {"drop_malformed_option": 1}),
        ("relay nesting 10 deep", nest(solicit, 10),
         {"drop_relay_hops": 1, "rx_relay_forw": 1}),
        ("unknown message type", b"\x2a" + xid + cid, {"drop_unknown_type": 1}),
        ("Request for another server", b"\x03" + xid + cid + other + opt(V4) + ia_na_bytes(1),
         {"drop_wrong_serverid": 1, "rx_request": 1}),
        ("oversized 2000-byte datagram", big, {"drop_oversized": 1}),
        ("Solicit with a Server Identifier", solicit + opt(2, bytes.fromhex(sid)),
         {"drop_unexpected_serverid": 1, "rx_solicit": 1}),
        ("Request without Client Identifier", b"\x03" + xid + opt(2, bytes.fromhex(sid)),
         {"drop_no_clientid": 1, "rx_request": 1}),
        ("Advertise sent to the server", b"\x02" + xid + cid + opt(2, bytes.fromhex(sid)),
         {"drop_server_message": 1}),
    ]
    for name, data, want in cases:
        before = d.stats()
        r = client(net.cli, "raw", "--hex", data.hex(), "--wait", "0.3")
        after = wait_stats(d, lambda s: s["rx_packets"] > before["rx_packets"])
        assert r["answers"] == [], name
        got = delta(before, after)
        assert got == dict(want, rx_packets=1), "%s: %s" % (name, got)
    assert d.leases() == []
    r = client(net.cli, "dstm")
    assert r["reply"]["ias"] == [ia_v4("192.0.2.100")]


def test_rfc8415_18_4_unicast_usemulticast(net, dstmd):
    """RFC 8415 18.4 / 16: a Request sent to the server's unicast address
    (no Server Unicast option was given) -> Reply with UseMulticast and no
    binding; a unicast Solicit is discarded."""
    d = dstmd()
    sid = client(net.cli, "inforeq")["reply"]["server_duid"]
    r = client(net.cli, "unicast-request", "--to", net.srv_addr, "--server-duid", sid)
    rep = r["reply"]
    assert rep["type_name"] == "Reply"
    assert rep["options"] == [2, 1, 13]
    assert rep["status"]["code"] == ST_USEMULTICAST
    assert rep["ias"] == []
    assert d.leases() == []
    s = d.stats()
    assert (s["usemulticast"], s["leases_v4_assigned"]) == (1, 0)
    u = client(net.cli, "unicast-solicit", "--to", net.srv_addr, "--retries", "1",
               "--timeout", "1")
    assert u["answered"] is False
    assert d.stats()["usemulticast"] == 2
    assert client(net.cli, "dstm")["reply"]["ias"] == [ia_v4("192.0.2.100")]


def test_expired_leases_reclaimed(net, dstmd):
    """Valid lifetime 4 s, reclaim-interval 1 s: the lease disappears by
    itself and its address is free again."""
    short = one_address_lan(**{"t1": 1, "t2": 2, "preferred-lifetime": 3,
                               "valid-lifetime": 4})
    d = dstmd(links=[short, relayed_link()], reclaim_interval=1)
    r = client(net.cli, "dstm")
    assert r["reply"]["ias"] == [ia_v4("192.0.2.100", t1=1, t2=2, pref=3, valid=4)]
    t0 = time.monotonic()
    assert [l["addr"] for l in d.leases()] == ["192.0.2.100"]
    while d.leases() and time.monotonic() - t0 < 10:
        time.sleep(0.2)
    gone = time.monotonic() - t0
    assert d.leases() == [], "lease still there after 10 s"
    assert 2.5 <= gone <= 7.0
    s = d.stats()
    assert s["leases_expired"] == 1
    lan = [p for p in d.pools() if (p["link"], p["pool"]) == ("lan", "dstm")][0]
    assert lan["used"] == 0
    r2 = client(net.cli, "dstm", mac=MAC2)
    assert r2["reply"]["ias"] == [ia_v4("192.0.2.100", t1=1, t2=2, pref=3, valid=4)]


def test_ctl_leases_pools_stats(net, dstmd):
    """ds46ctl leases / pools / stats / ping / release: tables and JSON."""
    d = dstmd()
    r = client(net.cli, "dstm", "--na-iaid", "2")
    a6 = r["reply"]["ias"][1]["addrs"][0]["addr"]

    table = d.ctl_text("leases").splitlines()
    assert table[0].split() == ["ADDRESS", "KIND", "STATE", "CLIENT", "DUID", "IAID", "TEP",
                                "EXPIRES", "POOL"]
    rows = {ln.split()[0]: ln.split() for ln in table[1:]}
    assert set(rows) == {"192.0.2.100", a6}
    row = rows["192.0.2.100"]
    assert row[:7] == ["192.0.2.100", "ipv4", "bound", net.cli_ll, duid_ll(MAC1), "1", TEP_LAN]
    assert re.fullmatch(r"(7198|7199|7200)s", row[7]) and row[8] == "dstm"
    assert rows[a6][:3] == [a6, "ipv6", "bound"] and rows[a6][6] == "-"

    js = d.ctl("leases")
    assert js["ok"] is True and len(js["leases"]) == 2
    assert all(set(l) == LEASE_KEYS for l in js["leases"])
    assert d.ctl("leases", "--limit", "1")["leases"].__len__() == 1

    pools = [{k: p[k] for k in ("link", "pool", "kind", "size", "used", "declined")}
             for p in d.pools()]
    assert pools == [
        {"link": "lan", "pool": "dstm", "kind": "ipv4", "size": 99, "used": 1, "declined": 0},
        {"link": "lan", "pool": "na", "kind": "ipv6", "size": 4096, "used": 1, "declined": 0},
        {"link": "relayed", "pool": "dstm", "kind": "ipv4", "size": 64, "used": 0,
         "declined": 0},
    ]
    ptable = [ln.split() for ln in d.ctl_text("pools").splitlines()]
    assert ptable[0] == ["LINK", "POOL", "KIND", "SIZE", "USED", "DECLINED", "FREE", "USE%"]
    assert ptable[1] == ["lan", "dstm", "ipv4", "99", "1", "0", "98", "1.0%"]
    assert ptable[3] == ["relayed", "dstm", "ipv4", "64", "0", "0", "64", "0.0%"]

    s = d.ctl("stats")["stats"]
    assert list(s) == COUNTERS
    assert (s["rx_packets"], s["rx_solicit"], s["rx_request"], s["leases_v4_assigned"],
            s["leases_na_assigned"]) == (2, 1, 1, 1, 1)
    stext = dict(ln.split() for ln in d.ctl_text("stats").splitlines())
    assert stext["rx_packets"] == "2" and stext["leases_v4_assigned"] == "1"
    assert list(stext) == COUNTERS

    assert d.ctl("ping")["ok"] is True
    assert d.ctl("release", "192.0.2.100")["ok"] is True
    assert [l["addr"] for l in d.leases()] == [a6]
    assert d.stats()["leases_released"] == 1
    bad = d.ctl("release", "192.0.2.100", check=False)
    assert bad["_exit"] != 0 and bad.get("ok") is False
    bad = d.ctl("reconfigure", a6, check=False)   # never sent Reconfigure Accept
    assert bad["_exit"] != 0 and bad.get("ok") is False


@pytest.mark.skipif(not shutil.which("tshark"), reason="tshark not installed")
def test_tshark_decodes_without_malformed(topo, net, dstmd, workdir):
    """Wireshark's DHCPv6 dissector reads every packet the server sends and
    receives (direct exchange, relayed exchange, Reconfigure round) without
    a Malformed packet or an expert error."""
    d = dstmd()
    pcap = workdir / "dstmd.pcapng"
    os.chmod(workdir, 0o777)
    tp = topo.popen(net.srv, "tshark", "-n", "-q", "-i", "s0", "-i", "s1", "-f", "udp",
                    "-w", pcap, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = []
    ready = threading.Event()

    def rd():
        for line in tp.stderr:
            seen.append(line)
            if "Capturing on" in line:
                ready.set()
        ready.set()
    threading.Thread(target=rd, daemon=True).start()
    assert ready.wait(15) and tp.poll() is None, "".join(seen)
    time.sleep(0.5)

    client(net.cli, "dstm", "--na-iaid", "2")
    client(net.rly, "relay", "--to", net.srv_relay_addr, "--link-addr", "2001:db8:47::1",
           iface="r0")
    # The Reconfigure round goes through the relay (a relayed Reconfigure
    # nests the most: Relay-reply, Relay Message, Reconfigure, Auth).
    p = dhcp6c_popen(topo, net.rly, "relay-reconfigure-listen", "--iface", "r0", "--mac", MAC2,
                     "--to", net.srv_relay_addr, "--link-addr", "2001:db8:47::1",
                     "--ifid", "r1-port9", "--iaid", "1", "--listen", "15")
    wait_bound(p)
    d.ctl("reconfigure", "--duid", duid_ll(MAC2))
    finish(p)
    time.sleep(1.0)
    os.kill(tp.pid, signal.SIGINT)
    tp.wait(timeout=15)

    dec = ["-d", "udp.port==546,dhcpv6", "-d", "udp.port==547,dhcpv6"]
    v = subprocess.run(["tshark", "-n", "-r", str(pcap), "-V"] + dec, capture_output=True,
                       text=True, timeout=60)
    assert v.returncode == 0, v.stderr
    assert "Malformed" not in v.stdout
    types = subprocess.run(["tshark", "-n", "-r", str(pcap), "-Y", "dhcpv6", "-T", "fields",
                            "-e", "dhcpv6.msgtype"] + dec, capture_output=True, text=True,
                           timeout=60).stdout.split()
    # Every field value, outer and inner, comma-separated per packet.
    seen_types = {int(t) for line in types for t in line.split(",")}
    assert {1, 2, 3, 5, 7, 10, 12, 13} <= seen_types, seen_types
    ex = subprocess.run(["tshark", "-n", "-r", str(pcap), "-q", "-z", "expert,error"] + dec,
                        capture_output=True, text=True, timeout=60)
    assert ex.returncode == 0, ex.stderr
    assert not re.search(r"^\s*Errors \(\d+\)", ex.stdout, re.M), ex.stdout
    assert "Malformed" not in ex.stdout


@pytest.mark.skipif(not shutil.which("perfdhcp"), reason="perfdhcp (kea-admin) not installed")
def test_perfdhcp_obtains_ipv6_leases(topo, net, dstmd):
    """Kea's perfdhcp, an independent DHCPv6 client: 50 Solicit/Advertise/
    Request/Reply exchanges for IA_NA; every message answered, and every
    address perfdhcp received is a lease of the server."""
    d = dstmd(store_sync="normal")
    r = topo.run(net.cli, "perfdhcp", "-6", "-l", "c0", "-R", "50", "-n", "50", "-r", "50",
                 "-p", "20", "-d", "5", "-W", "1000000", "-x", "l", check=False, timeout=60)
    out = r.stdout + r.stderr
    sent = {int(x) for x in re.findall(r"sent packets: (\d+)", out)}
    stats = re.findall(r"sent packets: (\d+)\s+received packets: (\d+)\s+drops: (\d+)", out)
    assert len(stats) == 2, out                          # SA and RR
    for s_, rcv, drops in stats:
        assert (int(s_), int(rcv), int(drops)) == (50, 50, 0), out
    assert sent == {50}
    assert re.search(r"Malformed packets: 0\b", out), out
    assert re.findall(r"rejected leases: (\d+)", out) == ["0", "0"], out
    assert re.findall(r"non unique addresses: (\d+)", out) == ["0", "0"], out
    # -x l: "client DUID,address," for every lease perfdhcp was given;
    # Advertise and Reply must agree, and match the server's leases.
    got = {(duid.replace(":", ""), addr)
           for duid, addr in re.findall(r"^([0-9a-f:]+),(2001:db8:46::[0-9a-f]+),", out, re.M)}
    leases = [l for l in d.leases() if l["kind"] == "ipv6"]
    assert {(l["duid"], l["addr"]) for l in leases} == got, out
    assert len(got) == len({a for _, a in got}) == len(leases) == 50
    assert all(l["state"] == "bound" and l["pool"] == "na" for l in leases)
    s = d.stats()
    assert (s["rx_solicit"], s["rx_request"], s["tx_advertise"], s["tx_reply"]) == (50, 50, 50,
                                                                                   50)
    assert (s["leases_na_assigned"], s["leases_v4_assigned"]) == (50, 0)


@pytest.mark.skipif(BUILD_NAME != "build", reason="valgrind runs the plain build only")
@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind not installed")
def test_valgrind_clean_daemon(net, dstmd):
    """The daemon under valgrind: no invalid access, no definite leak, through
    a full exchange, a relayed one and the control socket."""
    d = dstmd(wrapper=["valgrind", "--leak-check=full", "--error-exitcode=99",
                       "--errors-for-leak-kinds=definite"], start=False)
    d.start(timeout=60)
    client(net.cli, "dstm", "--na-iaid", "2")
    client(net.rly, "relay", "--to", net.srv_relay_addr, "--link-addr", "2001:db8:47::1",
           iface="r0")
    assert d.stats()["leases_v4_assigned"] == 2
    d.ctl("leases")
    d.ctl("pools")
    rc = d.stop(signal.SIGTERM, timeout=60)
    assert rc == 0, d.stderr()
    assert "ERROR SUMMARY: 0 errors" in d.stderr(), d.stderr()
