"""Dual-Stack Mobile IPv4 topology and registration builder for
tests/net/test_mip4.py (the drawing is at the top of that file).

Registration messages are built here from the RFC layouts, byte by byte
(scapy has no Mobile IP extension layers):

  RFC 5944 3.3   Registration Request: type 1, flags, lifetime, home address,
                 home agent, care-of address, identification (64 bits);
  RFC 5944 3.4   Registration Reply: type 3, code, lifetime, home address,
                 home agent, identification;
  RFC 5944 3.5.2 Mobile-Home Authentication extension (type 32): length,
                 SPI, HMAC-MD5 over the message up to and including the SPI
                 (3.5.1);
  RFC 2794 2     Mobile Node NAI extension (type 131);
  RFC 5454 2.1   IPv6 Prefix Request (type 152 length 18, subtype 1, plen,
                 prefix), 2.2 IPv6 Prefix Reply (type 152 length 20, subtype
                 2, code, plen, reserved, prefix), 2.3 IPv6 Tunneling Mode
                 (type 152 length 2, subtype 3, reserved).
"""
import ctypes
import hashlib
import hmac
import ipaddress
import json
import os
import pickle
import socket
import struct
import subprocess
import time
import traceback
from types import SimpleNamespace

# ---- addresses of the drawing ------------------------------------------------
HOME_NET = "192.0.2.0/24"
HA4, R_HOME4 = "192.0.2.1", "192.0.2.254"
HA6, R_HOME6 = "2001:db8:46::1", "2001:db8:46::fe"
HOME6_NET = "2001:db8:46::/64"
MN_PREFIX6 = "2001:db8:47::/64"          # the mobile node's routed home prefix
MN_HOA = "192.0.2.10"
MN_HOA6 = "2001:db8:46::10"              # its IPv6 home address (/128 on the home link)
MN2_HOA = "192.0.2.11"                   # a second node (the policy tests)
SQUAT6 = "2001:db8:46::99"               # answered by the squatter (DAD)
FOREIGN = {"f1": ("10.1.0.1", "10.1.0.10"), "f2": ("10.2.0.1", "10.2.0.10")}
# Foreign networks served by foreign agents (issue 5, build_fa_nets): the
# visitor link, the agent's address on it (its advertised care-of address),
# its upstream link to the router r (agent end, router end).
FA_NETS = {"fa1": ("10.3.0.0/24", "10.3.0.1", "10.31.0.2", "10.31.0.1"),
           "fa2": ("10.4.0.0/24", "10.4.0.1", "10.32.0.2", "10.32.0.1")}
# The IPv4 network behind a NAT (nftables masquerade in namespace nat).
NAT_NET, NAT_IN4, NAT_OUT4, R_NAT4 = "172.16.0.0/24", "172.16.0.1", "10.33.0.2", "10.33.0.1"
NAT_MN4 = "172.16.0.10"
SPOOF4 = "10.1.0.66"                     # the spoofer on foreign1
CN4, R_CN4 = "198.51.100.2", "198.51.100.1"
CN6, R_CN6 = "2001:db8:60::2", "2001:db8:60::1"
SPI, SPI2 = 300, 301
KEY = bytes(range(1, 17))                # 16 octets: 0102...10
KEY2 = bytes(range(0x21, 0x31))

MIP4_PORT = 434
REQUEST, REPLY = 1, 3
F_S, F_B, F_D, F_M, F_G, F_T = 0x80, 0x40, 0x20, 0x10, 0x08, 0x02
EXT_MH_AUTH, EXT_NAI, EXT_DSMIP = 32, 131, 152
SUB_PREFIX_REQ, SUB_PREFIX_REP, SUB_TUNNEL_MODE = 1, 2, 3
NTP_UNIX_OFFSET = 2208988800             # 1900-01-01 -> 1970-01-01


# ---- registration messages ------------------------------------------------------

def ntp_id(t=None, low=0):
    """RFC 5944 5.7.1: NTP seconds in the high 32 bits, fraction below;
    the low 16 bits replaced by low when given."""
    t = time.time() if t is None else t
    sec = int(t) + NTP_UNIX_OFFSET
    frac = int((t - int(t)) * (1 << 32)) & 0xffffffff
    if low:
        frac = (frac & 0xffff0000) | (low & 0xffff)
    return ((sec & 0xffffffff) << 32) | frac


def a4(s):
    return socket.inet_aton(s)


def prefix_request(prefix, plen):
    """RFC 5454 2.1: 152, 18, subtype 1, prefix length, 16-octet prefix."""
    return struct.pack("!BBBB", EXT_DSMIP, 18, SUB_PREFIX_REQ, plen) + \
        socket.inet_pton(socket.AF_INET6, prefix)


def tunnel_mode():
    """RFC 5454 2.3: 152, 2, subtype 3, reserved."""
    return struct.pack("!BBBB", EXT_DSMIP, 2, SUB_TUNNEL_MODE, 0)


def nai_ext(nai):
    b = nai.encode()
    return struct.pack("!BB", EXT_NAI, len(b)) + b


def mh_auth(msg, spi=SPI, key=KEY, corrupt=False):
    """RFC 5944 3.5.2 / 3.5.1: type 32, length 4 + 16, SPI, HMAC-MD5(key,
    message so far + type + length + SPI)."""
    head = struct.pack("!BBI", EXT_MH_AUTH, 4 + 16, spi)
    digest = hmac.new(key, msg + head, hashlib.md5).digest()
    if corrupt:
        digest = bytes([digest[0] ^ 0x01]) + digest[1:]
    return head + digest


def request(home=MN_HOA, coa="10.1.0.10", ha=HA4, flags=F_D | F_T, lifetime=300, ident=None,
            prefixes=(), tmode=False, nai=None, spi=SPI, key=KEY, corrupt=False, auth=True):
    """A Registration Request (RFC 5944 3.3) with, in RFC 5454 3.1's
    order, the NAI, the IPv6 Prefix Requests and the Tunneling Mode
    extension before the Mobile-Home authentication extension."""
    ident = ntp_id() if ident is None else ident
    msg = struct.pack("!BBH4s4s4sQ", REQUEST, flags, lifetime, a4(home), a4(ha), a4(coa), ident)
    if nai:
        msg += nai_ext(nai)
    for p in prefixes:
        net = ipaddress.ip_network(p, strict=False) if isinstance(p, str) else None
        msg += prefix_request(str(net.network_address), net.prefixlen) if net else \
            prefix_request(p[0], p[1])
    if tmode:
        msg += tunnel_mode()
    if auth:
        msg += mh_auth(msg, spi, key, corrupt)
    return msg


def parse_reply(b):
    """A Registration Reply: dict with code, lifetime, home, ha, id, and
    the extensions (prefix replies, auth with its verification)."""
    assert len(b) >= 20, b.hex()
    t, code, lifetime, home, ha, ident = struct.unpack("!BBH4s4sQ", b[:20])
    out = {"type": t, "code": code, "lifetime": lifetime, "home": socket.inet_ntoa(home),
           "ha": socket.inet_ntoa(ha), "id": ident, "prefixes": [], "auth": None,
           "nai": None, "raw": b.hex(), "tunnel_mode": 0}
    off = 20
    while off < len(b):
        et, el = b[off], b[off + 1]
        body = b[off + 2:off + 2 + el]
        assert len(body) == el, "extension %d overruns: %s" % (et, b.hex())
        if et == EXT_DSMIP and body[0] == SUB_PREFIX_REP:
            assert el == 20, b.hex()
            out["prefixes"].append({"code": body[1], "plen": body[2], "reserved": body[3],
                                    "prefix": socket.inet_ntop(socket.AF_INET6, body[4:20]),
                                    "after_auth": out["auth"] is not None})
        elif et == EXT_MH_AUTH:
            spi = struct.unpack("!I", body[:4])[0]
            out["auth"] = {"spi": spi, "off": off, "authenticator": body[4:].hex()}
        elif et == EXT_NAI:
            out["nai"] = body.decode(errors="replace")
        off += 2 + el
    return out


def reply_auth_ok(rep, key=KEY):
    """RFC 5944 3.5.1 on a parsed reply: HMAC-MD5 over everything up to and
    including the SPI."""
    b = bytes.fromhex(rep["raw"])
    a = rep["auth"]
    if not a:
        return False
    want = hmac.new(key, b[:a["off"] + 6], hashlib.md5).hexdigest()
    return hmac.compare_digest(want, a["authenticator"])


# ---- running Python in a namespace (fork + setns) -------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def in_ns(ns, fn, *args, timeout=30, **kw):
    """fn(*args, **kw) in a child process joined to network namespace ns;
    its (picklable) return value, or its exception re-raised as
    AssertionError with the child's traceback."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                               # child
        os.close(r)
        try:
            fd = os.open("/run/netns/" + ns, os.O_RDONLY)
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + ns)
            res = ("ok", fn(*args, **kw))
        except BaseException:                  # noqa: B902 (reported to the parent)
            res = ("err", traceback.format_exc())
        data = pickle.dumps(res)
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(0)
    os.close(w)
    deadline = time.monotonic() + timeout
    chunks = []
    with os.fdopen(r, "rb") as f:
        chunks.append(f.read())
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise AssertionError("in_ns %s: %s timed out" % (ns, fn.__name__))
        time.sleep(0.01)
    data = b"".join(chunks)
    if not data:
        raise AssertionError("in_ns %s: %s died" % (ns, fn.__name__))
    kind, val = pickle.loads(data)
    if kind == "err":
        raise AssertionError("in_ns %s: %s raised:\n%s" % (ns, fn.__name__, val))
    return val


def exchange(msgs, src, dst=HA4, sport=0, timeout=3.0, want=None):
    """In the current namespace: send each message from (src, sport) to
    dst:434 and collect the replies (bytes) until want of them or timeout."""
    want = len(msgs) if want is None else want
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    out = []
    for m in msgs:
        s.sendto(m, (dst, MIP4_PORT))
    s.settimeout(0.2)
    deadline = time.monotonic() + timeout
    while len(out) < want and time.monotonic() < deadline:
        try:
            data, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        out.append((data, peer))
    s.close()
    return out


def send_raw4(packets):
    """In the current namespace: write whole IPv4 packets (bytes) to an
    IPPROTO_RAW socket (IP_HDRINCL)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for p in packets:
        dst = socket.inet_ntoa(p[16:20])
        s.sendto(p, (dst, 0))
    s.close()
    return len(packets)


# ---- topology --------------------------------------------------------------------

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


class MipNet(SimpleNamespace):
    """The namespaces of the drawing and helpers to move the mobile node."""

    BRIDGES = {"home": "brh", "f1": "brf1", "f2": "brf2", "fa1": "brfa1", "fa2": "brfa2",
               "nat": "brnat"}

    def where(self):
        r = sh("ip", "-n", self.sw, "-j", "link", "show", "dev", "pm")
        by_bridge = {v: k for k, v in self.BRIDGES.items()}
        return by_bridge.get(json.loads(r.stdout)[0].get("master"), None)

    def attach(self, place, with_home_addr=True):
        """Move the mobile node's link m0 to the home link ("home"), a
        foreign network ("f1", "f2"), a foreign agent's network ("fa1",
        "fa2": no address of its own, build_fa_nets) or the network behind
        the NAT ("nat"): re-master its peer end, flush m0, give it the
        address of the place (at home: the home address, when
        with_home_addr) and a default route.  Returns the co-located
        address (None at home or on a foreign agent's network)."""
        sh("ip", "-n", self.mn, "link", "set", "m0", "down")
        sh("ip", "-n", self.sw, "link", "set", "pm", "master", self.BRIDGES[place])
        sh("ip", "-n", self.mn, "-4", "addr", "flush", "dev", "m0")
        sh("ip", "-n", self.mn, "-4", "route", "flush", "dev", "m0")
        sh("ip", "-n", self.mn, "-6", "addr", "flush", "dev", "m0", "scope", "global")
        sh("ip", "-n", self.mn, "neigh", "flush", "dev", "m0")
        sh("ip", "-n", self.mn, "link", "set", "m0", "up")
        if place == "home":
            if with_home_addr:
                sh("ip", "-n", self.mn, "addr", "add", MN_HOA + "/24", "dev", "m0")
                sh("ip", "-n", self.mn, "route", "replace", "default", "via", R_HOME4)
                sh("ip", "-n", self.mn, "addr", "add", MN_HOA6 + "/64", "dev", "m0", "nodad")
                sh("ip", "-n", self.mn, "-6", "route", "replace", "default", "via", R_HOME6,
                   "dev", "m0")
            return None
        if place in FA_NETS:
            return None
        if place == "nat":
            sh("ip", "-n", self.mn, "addr", "add", NAT_MN4 + "/24", "dev", "m0")
            sh("ip", "-n", self.mn, "route", "replace", "default", "via", NAT_IN4)
            return NAT_MN4
        gw, coa = FOREIGN[place]
        sh("ip", "-n", self.mn, "addr", "add", coa + "/24", "dev", "m0")
        sh("ip", "-n", self.mn, "route", "replace", "default", "via", gw)
        return coa

    def capture(self, ns, ifname, bpf=None, name=None):
        from conftest import Capture
        self.n_captures += 1
        path = self.workdir / ("%s-%d.pcap" % (name or ifname, self.n_captures))
        return Capture(self.topo, ns, ifname, path, bpf).start()

    def ping(self, ns, dst, count=3, extra=(), deadline=None):
        cmd = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", "2", *extra]
        if deadline:
            cmd += ["-w", str(deadline)]
        r = sh("ip", "netns", "exec", ns, *cmd, dst, check=False, timeout=(deadline or 30) + 10)
        import re
        m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
        tx, rx = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        return r.returncode, tx, rx, r.stdout + r.stderr


def build_mip_net(topo, workdir):
    """Namespaces ds46-<pid>-{sw,r,ha,cn4,cn6,mn,sq,sp} as drawn in
    test_mip4.py; nothing running."""
    net = MipNet(topo=topo, workdir=workdir, n_captures=0)
    net.sw = topo.ns("sw")
    for key in ("all", "default"):           # a switch: no IP of its own
        topo.sysctl(net.sw, "net.ipv6.conf.%s.disable_ipv6" % key, 1)
    for br in ("brh", "brf1", "brf2"):
        sh("ip", "-n", net.sw, "link", "add", br, "type", "bridge", "mcast_snooping", "0",
           "forward_delay", "0")
        sh("ip", "-n", net.sw, "link", "set", br, "up")

    def port(ns, ifname, portname, br):
        topo.veth(ns, ifname, net.sw, portname)
        sh("ip", "-n", net.sw, "link", "set", portname, "master", br)

    for name in ("r", "ha", "cn4", "cn6", "mn", "sq", "sp"):
        setattr(net, name, topo.ns(name))
        for key in ("all", "default"):
            topo.sysctl(getattr(net, name), "net.ipv4.conf.%s.rp_filter" % key, 0)
    # router
    port(net.r, "rh", "prh", "brh")
    port(net.r, "rf1", "prf1", "brf1")
    port(net.r, "rf2", "prf2", "brf2")
    topo.veth(net.r, "r4", net.cn4, "c4")
    topo.veth(net.r, "r6", net.cn6, "c6")
    sh("ip", "-n", net.r, "addr", "add", R_HOME4 + "/24", "dev", "rh")
    topo.addr(net.r, "rh", R_HOME6 + "/64")
    sh("ip", "-n", net.r, "addr", "add", FOREIGN["f1"][0] + "/24", "dev", "rf1")
    sh("ip", "-n", net.r, "addr", "add", FOREIGN["f2"][0] + "/24", "dev", "rf2")
    sh("ip", "-n", net.r, "addr", "add", R_CN4 + "/24", "dev", "r4")
    topo.addr(net.r, "r6", R_CN6 + "/64")
    for ifn in ("rf1", "rf2", "r4"):            # IPv4-only links
        topo.sysctl(net.r, "net.ipv6.conf.%s.disable_ipv6" % ifn, 1)
    topo.sysctl(net.r, "net.ipv4.ip_forward", 1)
    topo.sysctl(net.r, "net.ipv6.conf.all.forwarding", 1)
    topo.route(net.r, MN_PREFIX6, "via", HA6, "dev", "rh")
    # correspondents
    for key in ("all", "default"):
        topo.sysctl(net.cn4, "net.ipv6.conf.%s.disable_ipv6" % key, 1)
    sh("ip", "-n", net.cn4, "addr", "add", CN4 + "/24", "dev", "c4")
    sh("ip", "-n", net.cn4, "route", "add", "default", "via", R_CN4)
    topo.addr(net.cn6, "c6", CN6 + "/64")
    topo.route(net.cn6, "default", "via", R_CN6, "dev", "c6")
    # home agent
    port(net.ha, "h0", "pha", "brh")
    sh("ip", "-n", net.ha, "addr", "add", HA4 + "/24", "dev", "h0")
    topo.addr(net.ha, "h0", HA6 + "/64")
    sh("ip", "-n", net.ha, "route", "add", "default", "via", R_HOME4)
    topo.route(net.ha, "default", "via", R_HOME6, "dev", "h0")
    topo.sysctl(net.ha, "net.ipv4.ip_forward", 1)
    topo.sysctl(net.ha, "net.ipv6.conf.all.forwarding", 1)
    # squatter on the home link (answers DAD probes for SQUAT6)
    port(net.sq, "q0", "psq", "brh")
    topo.addr(net.sq, "q0", SQUAT6 + "/64")
    # spoofer on foreign1 (scapy only)
    port(net.sp, "s0", "psp", "brf1")
    sh("ip", "-n", net.sp, "addr", "add", SPOOF4 + "/24", "dev", "s0")
    sh("ip", "-n", net.sp, "route", "add", "default", "via", FOREIGN["f1"][0])
    # mobile node: m0, its peer pm in the switch (placed by attach)
    topo.veth(net.mn, "m0", net.sw, "pm")
    sh("ip", "-n", net.sw, "link", "set", "pm", "master", "brh")
    for ns, ifn in ((net.r, "rh"), (net.r, "r6"), (net.cn6, "c6"), (net.ha, "h0"),
                    (net.sq, "q0")):
        topo.wait_ready(ns, ifn)
    return net


def build_fa_nets(net, nat_udp_timeout=None):
    """Issue 5's networks, added to build_mip_net's: two foreign agents'
    networks (namespaces fa1, fa2: visitor link l0 on bridge brfa1/brfa2,
    upstream u0 to the router) and an IPv4 network behind a NAT
    (namespace nat: l0 on brnat, u0 to the router, nftables masquerade
    out of u0; nat_udp_timeout sets its conntrack UDP timeouts in
    seconds).  Nothing runs in fa1/fa2: the test starts ds46-fad there."""
    topo = net.topo
    for place, (subnet, fa4, up4, r4) in FA_NETS.items():
        br = "br" + place
        sh("ip", "-n", net.sw, "link", "add", br, "type", "bridge", "mcast_snooping", "0",
           "forward_delay", "0")
        sh("ip", "-n", net.sw, "link", "set", br, "up")
        ns = topo.ns(place)
        setattr(net, place, ns)
        for key in ("all", "default"):
            topo.sysctl(ns, "net.ipv4.conf.%s.rp_filter" % key, 0)
        topo.veth(ns, "l0", net.sw, "p" + place)
        sh("ip", "-n", net.sw, "link", "set", "p" + place, "master", br)
        topo.veth(ns, "u0", net.r, "r" + place)
        sh("ip", "-n", ns, "addr", "add", fa4 + "/24", "dev", "l0")
        sh("ip", "-n", ns, "addr", "add", up4 + "/30", "dev", "u0")
        sh("ip", "-n", ns, "route", "add", "default", "via", r4)
        topo.sysctl(ns, "net.ipv4.ip_forward", 1)
        topo.sysctl(ns, "net.ipv6.conf.all.forwarding", 1)
        topo.sysctl(ns, "net.ipv6.conf.u0.disable_ipv6", 1)
        sh("ip", "-n", net.r, "addr", "add", r4 + "/30", "dev", "r" + place)
        topo.sysctl(net.r, "net.ipv6.conf.r%s.disable_ipv6" % place, 1)
        sh("ip", "-n", net.r, "route", "add", subnet, "via", up4)
        topo.wait_ready(ns, "l0")
    sh("ip", "-n", net.sw, "link", "add", "brnat", "type", "bridge", "mcast_snooping", "0",
       "forward_delay", "0")
    sh("ip", "-n", net.sw, "link", "set", "brnat", "up")
    net.nat = topo.ns("nat")
    for key in ("all", "default"):
        topo.sysctl(net.nat, "net.ipv4.conf.%s.rp_filter" % key, 0)
        topo.sysctl(net.nat, "net.ipv6.conf.%s.disable_ipv6" % key, 1)
    topo.veth(net.nat, "l0", net.sw, "pnat")
    sh("ip", "-n", net.sw, "link", "set", "pnat", "master", "brnat")
    topo.veth(net.nat, "u0", net.r, "rnat")
    sh("ip", "-n", net.nat, "addr", "add", NAT_IN4 + "/24", "dev", "l0")
    sh("ip", "-n", net.nat, "addr", "add", NAT_OUT4 + "/30", "dev", "u0")
    sh("ip", "-n", net.nat, "route", "add", "default", "via", R_NAT4)
    topo.sysctl(net.nat, "net.ipv4.ip_forward", 1)
    sh("ip", "-n", net.r, "addr", "add", R_NAT4 + "/30", "dev", "rnat")
    topo.sysctl(net.r, "net.ipv6.conf.rnat.disable_ipv6", 1)
    rules = ("table ip ds46nat {\n"
             " chain post { type nat hook postrouting priority srcnat; policy accept;\n"
             "  oifname \"u0\" masquerade\n }\n}\n")
    r = subprocess.run(["ip", "netns", "exec", net.nat, "nft", "-f", "-"], input=rules,
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("nft in %s: %s" % (net.nat, r.stderr))
    if nat_udp_timeout:
        for k in ("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"):
            topo.sysctl(net.nat, "net.netfilter." + k, nat_udp_timeout)
    return net
