#!/usr/bin/python3
"""A small DHCPv6 client for the ds46 network tests, with the DSTM "IPv4
Global Address" option (draft-ietf-ngtrans-dstm-04 6.1).

Run it INSIDE a network namespace:

    ip netns exec NS /usr/bin/python3 tests/net/dhcp6c.py [global options] CMD [options]

Messages are built with scapy's DHCP6 layers (DHCP6OptUnknown for the DSTM
option) and sent over an ordinary UDP socket; answers are decoded by the
option walker below, which keeps the order of the options (dstm-04 6.1: the
IPv4 option applies to the IA right after it).  Every command prints JSON
objects, one per line; the last line is the result.  Every wait is bounded;
requests are retransmitted a few times.
"""
import argparse
import hashlib
import hmac
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

from scapy.layers.dhcp6 import (
    DHCP6_Confirm, DHCP6_Decline, DHCP6_InfoRequest, DHCP6_Rebind,
    DHCP6_RelayForward, DHCP6_Release, DHCP6_Renew, DHCP6_Request,
    DHCP6_Solicit, DHCP6OptClientId, DHCP6OptElapsedTime, DHCP6OptIA_NA,
    DHCP6OptIAAddress, DHCP6OptIfaceId, DHCP6OptOptReq, DHCP6OptRapidCommit,
    DHCP6OptReconfAccept, DHCP6OptRelayMsg, DHCP6OptServerId,
    DHCP6OptUnknown, DUID_LL,
)

ALL_DHCP = "ff02::1:2"
CLIENT_PORT, SERVER_PORT = 546, 547

MSG_NAMES = {1: "Solicit", 2: "Advertise", 3: "Request", 4: "Confirm", 5: "Renew",
             6: "Rebind", 7: "Reply", 8: "Release", 9: "Decline", 10: "Reconfigure",
             11: "Information-request", 12: "Relay-forw", 13: "Relay-repl"}
STATUS_NAMES = {0: "Success", 1: "UnspecFail", 2: "NoAddrsAvail", 3: "NoBinding",
                4: "NotOnLink", 5: "UseMulticast", 6: "NoPrefixAvail"}
OPT_CLIENTID, OPT_SERVERID, OPT_IA_NA, OPT_IA_TA, OPT_IAADDR = 1, 2, 3, 4, 5
OPT_ORO, OPT_PREFERENCE, OPT_RELAY_MSG, OPT_AUTH, OPT_STATUS = 6, 7, 9, 11, 13
OPT_RAPID_COMMIT, OPT_INTERFACE_ID, OPT_RECONF_MSG, OPT_RECONF_ACCEPT = 14, 18, 19, 20


# ---- decoding ---------------------------------------------------------------

class Malformed(Exception):
    pass


def walk(buf):
    """(code, value) of every option in buf, in order; Malformed if an option
    runs past the end."""
    out, off = [], 0
    while off < len(buf):
        if len(buf) - off < 4:
            raise Malformed("option header truncated at %d" % off)
        code, ln = struct.unpack_from("!HH", buf, off)
        if off + 4 + ln > len(buf):
            raise Malformed("option %d length %d past the end" % (code, ln))
        out.append((code, buf[off + 4:off + 4 + ln]))
        off += 4 + ln
    return out


def fmt6(b):
    """IPv4-mapped addresses as ::ffff:a.b.c.d (RFC 4291 2.5.5.2)."""
    a = ipaddress.IPv6Address(b)
    return "::ffff:%s" % a.ipv4_mapped if a.ipv4_mapped else str(a)


def mapped_v4(addr):
    a = ipaddress.IPv6Address(addr)
    return str(a.ipv4_mapped) if a.ipv4_mapped else None


def decode_status(v):
    code = struct.unpack_from("!H", v)[0] if len(v) >= 2 else None
    return {"code": code, "name": STATUS_NAMES.get(code, str(code)),
            "message": v[2:].decode("utf-8", "replace")}


def decode_ia(code, v):
    ia = {"type": "IA_NA" if code == OPT_IA_NA else "IA_TA"}
    if code == OPT_IA_NA:
        if len(v) < 12:
            raise Malformed("IA_NA shorter than 12")
        ia["iaid"], ia["t1"], ia["t2"] = struct.unpack_from("!III", v)
        sub = v[12:]
    else:
        ia["iaid"] = struct.unpack_from("!I", v)[0]
        sub = v[4:]
    ia["addrs"], ia["status"] = [], None
    for c, sv in walk(sub):
        if c == OPT_IAADDR:
            if len(sv) < 24:
                raise Malformed("IAADDR shorter than 24")
            a = fmt6(sv[:16])
            pref, valid = struct.unpack_from("!II", sv, 16)
            st = None
            for c2, v2 in walk(sv[24:]):
                if c2 == OPT_STATUS:
                    st = decode_status(v2)
            ia["addrs"].append({"addr": a, "ipv4": mapped_v4(a), "preferred": pref,
                                "valid": valid, "status": st})
        elif c == OPT_STATUS:
            ia["status"] = decode_status(sv)
    return ia


def decode_auth(v):
    if len(v) < 11:
        raise Malformed("Auth shorter than 11")
    a = {"protocol": v[0], "algorithm": v[1], "rdm": v[2],
         "replay": v[3:11].hex(), "info": v[11:].hex()}
    if len(v) >= 12:
        a["info_type"] = v[11]
        a["info_value"] = v[12:].hex()
    return a


def decode(buf, v4code):
    """Decode a server message (or Relay-Reply, recursively)."""
    if len(buf) < 4:
        raise Malformed("message shorter than 4")
    t = buf[0]
    if t in (12, 13):
        if len(buf) < 34:
            raise Malformed("relay message shorter than 34")
        m = {"type": t, "type_name": MSG_NAMES[t], "hop_count": buf[1],
             "link": str(ipaddress.IPv6Address(buf[2:18])),
             "peer": str(ipaddress.IPv6Address(buf[18:34])),
             "interface_id": None, "inner": None, "options": []}
        for c, v in walk(buf[34:]):
            m["options"].append(c)
            if c == OPT_INTERFACE_ID:
                m["interface_id"] = v.decode("latin-1")
            elif c == OPT_RELAY_MSG:
                m["inner"] = decode(v, v4code)
                m["inner_hex"] = v.hex()
        return m
    m = {"type": t, "type_name": MSG_NAMES.get(t, str(t)),
         "xid": int.from_bytes(buf[1:4], "big"), "options": [],
         "server_duid": None, "client_duid": None, "status": None,
         "preference": None, "rapid_commit": False, "reconf_accept": False,
         "auth": None, "reconf_msg": None, "oro": None, "ias": [],
         "ipv4_options": 0, "ipv4_dangling": False}
    pending = None  # the IPv4 Global Address option waiting for its IA
    for c, v in walk(buf[4:]):
        m["options"].append(c)
        if c == v4code:
            m["ipv4_options"] += 1
            if pending is not None:
                m["ipv4_dangling"] = True
            pending = {"present": True, "len": len(v),
                       "tep": str(ipaddress.IPv6Address(v)) if len(v) == 16 else None,
                       "immediately_before": True}
            continue
        if c in (OPT_IA_NA, OPT_IA_TA):
            ia = decode_ia(c, v)
            ia["ipv4_option"] = pending
            m["ias"].append(ia)
            pending = None
            continue
        if pending is not None:
            # dstm-04 6.1: the option applies to the IA that FOLLOWS it.
            m["ipv4_dangling"] = True
            pending = None
        if c == OPT_SERVERID:
            m["server_duid"] = v.hex()
        elif c == OPT_CLIENTID:
            m["client_duid"] = v.hex()
        elif c == OPT_STATUS:
            m["status"] = decode_status(v)
        elif c == OPT_PREFERENCE:
            m["preference"] = v[0] if v else None
        elif c == OPT_RAPID_COMMIT:
            m["rapid_commit"] = True
        elif c == OPT_RECONF_ACCEPT:
            m["reconf_accept"] = True
        elif c == OPT_AUTH:
            m["auth"] = decode_auth(v)
        elif c == OPT_RECONF_MSG:
            m["reconf_msg"] = v[0] if v else None
        elif c == OPT_ORO:
            m["oro"] = [struct.unpack_from("!H", v, i)[0] for i in range(0, len(v) - 1, 2)]
    if pending is not None:
        m["ipv4_dangling"] = True
    return m


def verify_reconfigure_hmac(buf, key):
    """RFC 8415 20.4: HMAC-MD5 over the whole message with the 16 digest
    bytes zeroed.  Returns (ok, detail)."""
    off = 4
    while off + 4 <= len(buf):
        code, ln = struct.unpack_from("!HH", buf, off)
        if code == OPT_AUTH:
            v = buf[off + 4:off + 4 + ln]
            if ln != 28 or v[0] != 3 or v[1] != 1 or v[2] != 0 or v[11] != 2:
                return False, "auth option not RKAP/HMAC-MD5/type 2: %s" % v.hex()
            d0 = off + 4 + 12
            digest = buf[d0:d0 + 16]
            zeroed = buf[:d0] + b"\0" * 16 + buf[d0 + 16:]
            want = hmac.new(key, zeroed, hashlib.md5).digest()
            return hmac.compare_digest(want, digest), digest.hex()
        off += 4 + ln
    return False, "no auth option"


# ---- the client -------------------------------------------------------------

def v4opt(code, tep=None):
    if tep:
        return DHCP6OptUnknown(optcode=code, optlen=16,
                               data=ipaddress.IPv6Address(tep).packed)
    return DHCP6OptUnknown(optcode=code, optlen=0, data=b"")


class Client:
    def __init__(self, a):
        self.a = a
        self.code = a.code
        self.ifindex = socket.if_nametoindex(a.iface) if a.iface else 0
        self.duid = bytes(DUID_LL(lladdr=a.mac))
        if a.duid:
            self.duid = bytes.fromhex(a.duid.replace(":", ""))
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("::", a.port))
        if self.ifindex:
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                                 self.ifindex)
        self.xid = int.from_bytes(os.urandom(3), "big")
        self.relay = a.cmd.startswith("relay")
        self.t0 = time.monotonic()

    def next_xid(self):
        self.xid = (self.xid + 1) & 0xffffff
        return self.xid

    def dest(self, server=None):
        s = server or self.a.server
        scope = self.ifindex if ipaddress.IPv6Address(s).is_link_local or \
            ipaddress.IPv6Address(s).is_multicast else 0
        return (s, self.a.server_port, 0, scope)

    def cid(self):
        return DHCP6OptClientId(duid=self.duid)

    def elapsed(self):
        cs = min(int((time.monotonic() - self.t0) * 100), 0xffff)
        return DHCP6OptElapsedTime(elapsedtime=cs)

    def recv(self, deadline, match):
        """Wait until deadline for a datagram match() accepts; returns
        (raw, decoded, src) or None."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            raw, src = self.sock.recvfrom(65535)
            try:
                m = decode(raw, self.code)
            except Malformed as e:
                emit({"event": "malformed", "error": str(e), "hex": raw.hex()})
                continue
            if match(m):
                return raw, m, src[0]

    def relay_wrap(self, inner):
        """RFC 8415 19.1.1: Relay-Forward with link-address, peer-address
        and an Interface-Id, carrying inner."""
        a = self.a
        return (DHCP6_RelayForward(hopcount=0, linkaddr=a.link_addr, peeraddr=a.peer_addr)
                / DHCP6OptIfaceId(ifaceid=a.ifid.encode()) / DHCP6OptRelayMsg(message=inner))

    def exchange(self, pkt_fn, want_types, dst=None, xid=None):
        """Send (retransmitting) until an answer of one of want_types with
        our transaction id arrives.  In relay mode the request goes out in a
        Relay-Forward to --to and the answer is a Relay-Reply (returned
        whole; inner() gives the client message)."""
        xid = self.next_xid() if xid is None else xid
        tries = max(1, self.a.retries)
        per = self.a.timeout / tries
        if self.relay:
            dst = dst or self.dest(self.a.to)

            def match(m):
                i = m.get("inner") if m["type"] == 13 else None
                return i is not None and i.get("xid") == xid and i["type"] in want_types
        else:
            def match(m):
                return m.get("xid") == xid and m["type"] in want_types
        for _ in range(tries):
            pkt = pkt_fn(xid)
            if self.relay:
                pkt = self.relay_wrap(pkt)
            self.sock.sendto(bytes(pkt), dst or self.dest())
            got = self.recv(time.monotonic() + per, match)
            if got:
                return got
        return None

    # message builders -----------------------------------------------------
    def ia(self, iaid, addr=None, t1=0, t2=0, pref=0, valid=0):
        opts = [DHCP6OptIAAddress(addr=addr, preflft=pref, validlft=valid)] if addr else []
        return DHCP6OptIA_NA(iaid=iaid, T1=t1, T2=t2, ianaopts=opts)

    def ias(self, v4, na, addr4=None, addr6=None):
        """Option chain: the IPv4 Global Address option (length 0, dstm-04
        6.1.1) right before its IA_NA, then the plain IA_NA."""
        chain = []
        if v4 is not None:
            chain += [v4opt(self.code), self.ia(v4, addr4)]
        if na is not None:
            chain += [self.ia(na, addr6)]
        return chain

    def build(self, cls, xid, chain, sid=None, extra=()):
        p = cls(trid=xid) / self.cid()
        if sid:
            p = p / DHCP6OptServerId(duid=bytes.fromhex(sid))
        p = p / self.elapsed()
        for o in list(extra) + list(chain):
            p = p / o
        return p


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def first_addr(m, ipv4):
    for ia in (m or {}).get("ias", []):
        if bool(ia.get("ipv4_option")) == ipv4:
            for a in ia["addrs"]:
                return a["addr"]
    return None


def extras(a):
    ex = []
    if a.reconf_accept:
        ex.append(DHCP6OptReconfAccept())
    if a.oro:
        ex.append(DHCP6OptOptReq(reqopts=[int(x) for x in a.oro.split(",")]))
    return ex


def do_solicit(c, a, rapid=False):
    ex = extras(a) + ([DHCP6OptRapidCommit()] if rapid else [])
    chain = c.ias(a.iaid if a.v4 else None, a.na_iaid)
    got = c.exchange(lambda x: c.build(DHCP6_Solicit, x, chain, extra=ex),
                     (7,) if rapid and a.expect_reply else (2, 7))
    return got


def cmd_solicit(c, a):
    got = do_solicit(c, a, rapid=a.rapid)
    return {"ok": bool(got), "answer": got[1] if got else None,
            "from": got[2] if got else None}


def inner(m):
    """The client message of an answer (inside a Relay-Reply in relay mode)."""
    return m["inner"] if m and m["type"] == 13 else m


def cmd_dstm(c, a):
    """Solicit -> Advertise -> Request -> Reply (RFC 8415 18, dstm-04 6.2)."""
    res = {"ok": False, "advertise": None, "reply": None}
    got = do_solicit(c, a)
    if not got:
        res["error"] = "no Advertise"
        return res
    res["advertise"], res["advertise_from"] = got[1], got[2]
    adv = inner(got[1])
    if adv["type"] != 2:
        res["error"] = "answer to Solicit is %s" % adv["type_name"]
        return res
    chain = c.ias(a.iaid if a.v4 else None, a.na_iaid,
                  first_addr(adv, True), first_addr(adv, False))
    got = c.exchange(lambda x: c.build(DHCP6_Request, x, chain, sid=adv["server_duid"],
                                       extra=extras(a)), (7,))
    if not got:
        res["error"] = "no Reply"
        return res
    res["reply"], res["reply_from"] = got[1], got[2]
    res["ok"] = True
    return res


def cmd_rapid(c, a):
    a.expect_reply = True
    got = do_solicit(c, a, rapid=True)
    return {"ok": bool(got), "reply": got[1] if got else None}


def lease_chain(c, a):
    chain = []
    if a.v4:
        chain += [v4opt(c.code), c.ia(a.iaid, a.addr)]
    else:
        chain += [c.ia(a.iaid, a.addr)]
    if a.new_v4_iaid is not None:
        chain += [v4opt(c.code), c.ia(a.new_v4_iaid)]
    return chain


def cmd_simple(cls, with_sid):
    def run(c, a):
        chain = lease_chain(c, a)
        sid = a.server_duid if with_sid else None
        got = c.exchange(lambda x: c.build(cls, x, chain, sid=sid, extra=extras(a)), (7,))
        return {"ok": bool(got), "reply": got[1] if got else None}
    return run


def cmd_inforeq(c, a):
    got = c.exchange(lambda x: c.build(DHCP6_InfoRequest, x, [],
                                       extra=[DHCP6OptOptReq(reqopts=[c.code])]), (7,))
    return {"ok": bool(got), "reply": got[1] if got else None}


def cmd_unicast_request(c, a):
    """RFC 8415 18.4: a Request to the server's unicast address without a
    Server Unicast option -> Reply with UseMulticast."""
    chain = c.ias(a.iaid, None)
    got = c.exchange(lambda x: c.build(DHCP6_Request, x, chain, sid=a.server_duid),
                     (7,), dst=c.dest(a.to))
    return {"ok": bool(got), "reply": got[1] if got else None}


def cmd_unicast_solicit(c, a):
    chain = c.ias(a.iaid, None)
    got = c.exchange(lambda x: c.build(DHCP6_Solicit, x, chain), (2, 7), dst=c.dest(a.to))
    return {"ok": True, "answered": bool(got), "answer": got[1] if got else None}


def cmd_relay(c, a):
    """Act as a relay agent (RFC 8415 19.1): Solicit and Request go to the
    server's unicast address (--to) in Relay-Forward messages with
    --link-addr, --peer-addr and Interface-Id --ifid; the answers are
    Relay-Reply messages."""
    return cmd_dstm(c, a)


def cmd_raw(c, a):
    """Send raw bytes (hex) to the server; report whatever comes back within
    --wait seconds (the tests expect nothing)."""
    data = bytes.fromhex(a.hex) if a.hex else b""
    if a.pad:
        data = data + b"\0" * (a.pad - len(data))
    c.sock.sendto(data, c.dest(a.to))
    answers = []
    deadline = time.monotonic() + a.wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([c.sock], [], [], left)
        if not r:
            break
        raw, src = c.sock.recvfrom(65535)
        answers.append({"from": src[0], "hex": raw.hex()})
    return {"ok": True, "sent": len(data), "answers": answers}


def cmd_reconfigure_listen(c, a):
    """dstm-04 6.2 / RFC 8415 18.2.11, 18.3.11: bind with Reconfigure Accept
    (a plain IA_NA by default), keep the reconfigure key, wait for the
    server's Reconfigure, check its HMAC-MD5, then Renew asking for an IPv4
    address (the option before a new IA_NA) and report the Reply."""
    a.reconf_accept = True
    res = cmd_dstm(c, a)
    out = {"ok": False, "bind": res}
    if not res["ok"]:
        out["error"] = "initial exchange failed: %s" % res.get("error")
        return out
    rep = inner(res["reply"])
    auth = rep.get("auth")
    if not auth or auth.get("info_type") != 1 or len(auth.get("info_value", "")) != 32:
        out["error"] = "Reply carries no reconfigure key"
        return out
    key = bytes.fromhex(auth["info_value"])
    sid = rep["server_duid"]
    bound = [ad for ia in rep["ias"] for ad in ia["addrs"] if ad["valid"]]
    emit({"event": "bound", "addrs": [ad["addr"] for ad in bound], "key": key.hex()})
    deadline = time.monotonic() + a.listen
    got = c.recv(deadline, lambda m: m["type"] == 10 or
                 (m["type"] == 13 and (m.get("inner") or {}).get("type") == 10))
    if not got:
        out["error"] = "no Reconfigure within %ss" % a.listen
        return out
    raw, rc, src = got
    if rc["type"] == 13:
        out["reconfigure_relay"] = rc
        raw, rc = bytes.fromhex(rc["inner_hex"]), rc["inner"]
    ok, digest = verify_reconfigure_hmac(raw, key)
    out.update({"reconfigure": rc, "reconfigure_from": src, "hmac_ok": ok,
                "hmac_digest": digest})
    if not ok:
        out["error"] = "Reconfigure HMAC does not verify"
        return out
    # RFC 8415 18.2.11: answer a Reconfigure (msg-type Renew) with a Renew;
    # the ORO asked for the IPv4 Global Address option: add it before a new
    # IA_NA, and keep the IAs we hold.
    chain = []
    for ia in rep["ias"]:
        addr = ia["addrs"][0]["addr"] if ia["addrs"] else None
        if ia.get("ipv4_option"):
            chain.append(v4opt(c.code))
        chain.append(c.ia(ia["iaid"], addr))
    chain += [v4opt(c.code), c.ia(a.new_v4_iaid if a.new_v4_iaid is not None else 100)]
    got = c.exchange(lambda x: c.build(DHCP6_Renew, x, chain, sid=sid,
                                       extra=[DHCP6OptReconfAccept(),
                                              DHCP6OptOptReq(reqopts=[c.code])]), (7,))
    if not got:
        out["error"] = "no Reply to the Renew"
        return out
    out["renew_reply"] = inner(got[1])
    out["ok"] = True
    return out


COMMANDS = {
    "solicit": cmd_solicit,
    "dstm": cmd_dstm,
    "rapid": cmd_rapid,
    "renew": cmd_simple(DHCP6_Renew, True),
    "rebind": cmd_simple(DHCP6_Rebind, False),
    "release": cmd_simple(DHCP6_Release, True),
    "decline": cmd_simple(DHCP6_Decline, True),
    "confirm": cmd_simple(DHCP6_Confirm, False),
    "inforeq": cmd_inforeq,
    "relay": cmd_relay,
    "unicast-request": cmd_unicast_request,
    "unicast-solicit": cmd_unicast_solicit,
    "raw": cmd_raw,
    "reconfigure-listen": cmd_reconfigure_listen,
    "relay-reconfigure-listen": cmd_reconfigure_listen,
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iface", default="c0", help="interface for multicast (scope id)")
    p.add_argument("--server", default=ALL_DHCP, help="where requests go")
    p.add_argument("--server-port", type=int, default=SERVER_PORT)
    p.add_argument("--port", type=int, default=CLIENT_PORT, help="local UDP port")
    p.add_argument("--mac", default="02:46:00:00:00:01", help="DUID-LL from this MAC")
    p.add_argument("--duid", help="client DUID (hex), instead of --mac")
    p.add_argument("--code", type=int, default=65046, help="IPv4 Global Address option code")
    p.add_argument("--timeout", type=float, default=6.0, help="seconds per exchange")
    p.add_argument("--retries", type=int, default=3)
    p.add_argument("cmd", choices=list(COMMANDS))
    p.add_argument("--iaid", type=int, default=1, help="IAID of the IPv4 IA_NA")
    p.add_argument("--no-v4", dest="v4", action="store_false",
                   help="do not ask for an IPv4 address")
    p.add_argument("--na-iaid", type=int, help="also ask for a plain IA_NA with this IAID")
    p.add_argument("--new-v4-iaid", type=int,
                   help="renew/rebind: add the IPv4 option and a new IA_NA with this IAID")
    p.add_argument("--addr", help="address held in the IA (renew, release, ...)")
    p.add_argument("--server-duid", help="hex DUID for the Server Identifier")
    p.add_argument("--reconf-accept", action="store_true")
    p.add_argument("--rapid", action="store_true", help="solicit: with Rapid Commit")
    p.add_argument("--oro", help="comma-separated option codes for an ORO")
    p.add_argument("--to", default=ALL_DHCP, help="unicast/relay/raw destination")
    p.add_argument("--link-addr", default="::", help="relay: link-address")
    p.add_argument("--peer-addr", default="fe80::c1", help="relay: peer-address")
    p.add_argument("--ifid", default="relay-if", help="relay: Interface-Id")
    p.add_argument("--hex", help="raw: datagram as hex")
    p.add_argument("--pad", type=int, default=0, help="raw: zero-pad to this many bytes")
    p.add_argument("--wait", type=float, default=0.5, help="raw: seconds to wait for answers")
    p.add_argument("--listen", type=float, default=20.0,
                   help="reconfigure-listen: seconds to wait for the Reconfigure")
    a = p.parse_args(argv)
    a.expect_reply = False
    if a.cmd.startswith("relay") and a.port == CLIENT_PORT:
        a.port = SERVER_PORT          # relay agents talk to servers from 547
    c = Client(a)
    res = COMMANDS[a.cmd](c, a)
    res["client_duid"] = c.duid.hex()
    emit(res)
    return 0 if res.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
