#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_dataplane_fa.c (run once from
the tree root: python3 tests/fuzz/corpus/make_dataplane_fa.py).

Each seed is two selector bytes, then the packet (see the fuzz target):
  sel bits 0-1 scenario (0 foreign agent, 1 mobile node via_fa, 2 home
  agent with a UDP binding, 3 mobile node with udp_sport), bits 2-3 entry
  (0 TUN, 1 tunnel, 2 UDP tunnel data, 3 ICMPv4), bits 4-5 encapsulation
  (0 ipip, 1 gre, 2 minimal), bit 6 revtun4 / IPv6 mode care-of address,
  bit 7 v6_native / a further plain binding;  opt bit 0 link MTU 1280,
  bit 1 clock 150, bit 2 unexpected UDP source, bit 3 UDP checksum 0,
  bit 4 unexpected UDP port."""
import os
import socket
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataplane_fa")
HA, FA, HOME, COA, CN, PRIV = ("198.51.100.1", "203.0.113.1", "192.0.2.10",
                               "203.0.113.5", "10.0.0.1", "10.1.0.5")
MN6, CN6 = "2001:db8:1:2::10", "2001:db8:cccc::1"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, tos=0, df=False, ident=0x1234):
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident,
                              0x4000 if df else 0, 64, proto, 0,
                              socket.inet_aton(src), socket.inet_aton(dst)))
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return bytes(h) + payload


def udp4(src, dst, n=8, df=False):
    return ip4(src, dst, 17, struct.pack("!HHHH", 40000, 53, 8 + n, 0) + bytes(i & 0xff for i in range(n)), df=df)


def udp6(src, dst, n=8):
    pl = struct.pack("!HHHH", 547, 546, 8 + n, 0) + bytes(i & 0xff for i in range(n))
    return (struct.pack("!IHBB", 0x60000000, len(pl), 17, 64) +
            socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + pl)


def echo(src, dst, typ):
    icmp = bytearray(struct.pack("!BBHHH", typ, 0, 0, 0xbeef, 7) + b"ka!\n")
    icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
    return ip4(src, dst, 1, bytes(icmp))


def sel(scen, entry, encap=0, b6=0, b7=0):
    return bytes([scen | entry << 2 | encap << 4 | b6 << 6 | b7 << 7])


def tdata(nh, inner):
    return bytes([4, nh, 0, 0]) + inner


def icmp_about(typ, code, mtu, quote):
    m = bytearray(struct.pack("!BBHHH", typ, code, 0, 0, mtu) + quote)
    m[2:4] = struct.pack("!H", csum(bytes(m)))
    return bytes(m)


def udptun(src, sport, dst, dport, nh, inner, df=False):
    return ip4(src, dst, 17, struct.pack("!HHHH", sport, dport, 12 + len(inner), 0) +
               bytes([4, nh, 0, 0]) + inner, df=df)


GRE4, GRE6 = b"\0\0\x08\x00", b"\0\0\x86\xdd"
seeds = {
    # foreign agent
    "fa_tunnel_ipip": sel(0, 1) + b"\0" + ip4(HA, FA, 4, udp4(CN, HOME)),
    "fa_tunnel_gre": sel(0, 1, 1) + b"\0" + ip4(HA, FA, 47, GRE4 + udp4(CN, HOME)),
    "fa_tunnel_6in4": sel(0, 1, 0, 0, 1) + b"\0" + ip4(HA, FA, 41, udp6(CN6, MN6)),
    "fa_tunnel_gre6": sel(0, 1, 1, 0, 1) + b"\0" + ip4(HA, FA, 47, GRE6 + udp6(CN6, MN6)),
    "fa_tunnel_expired": sel(0, 1) + b"\x02" + ip4(HA, FA, 4, udp4(CN, HOME)),
    "fa_encap_delivery": sel(0, 1, 1, 1) + b"\0" + ip4(HOME, FA, 4, udp4(HOME, CN)),
    "fa_revtun4": sel(0, 0, 0, 1) + b"\0" + udp4(HOME, CN),
    "fa_revtun4_minimal_df": sel(0, 0, 2, 1) + b"\x01" + udp4(HOME, CN, 1300, True),
    "fa_revtun6_gre": sel(0, 0, 1, 0, 1) + b"\0" + udp6(MN6, CN6),
    "fa_icmp_frag": sel(0, 3, 0, 1) + b"\0" + icmp_about(
        3, 4, 1200, ip4(FA, HA, 4, udp4(HOME, CN, 1300, True), df=True)[:48]),
    # mobile node via a foreign agent
    "mn_fa_tun6": sel(1, 0) + b"\0" + udp6(MN6, CN6),
    "mn_fa_tun4": sel(1, 0) + b"\0" + udp4(HOME, CN),
    "mn_fa_tunnel6": sel(1, 1) + b"\0" + ip4(HA, HOME, 41, udp6(CN6, MN6)),
    "mn_fa_icmp": sel(1, 3) + b"\0" + icmp_about(11, 0, 0, ip4(HOME, HA, 41, udp6(MN6, CN6))[:68]),
    # home agent, RFC 3519
    "ha_udp_tun4": sel(2, 0, 0, 0, 1) + b"\0" + udp4(CN, HOME),
    "ha_udp_tun6": sel(2, 0) + b"\x08" + udp6(CN6, MN6),
    "ha_udp_in4": sel(2, 2) + b"\0" + tdata(4, udp4(HOME, CN)),
    "ha_udp_in6": sel(2, 2) + b"\0" + tdata(41, udp6(MN6, CN6)),
    "ha_udp_keepalive": sel(2, 2) + b"\0" + tdata(4, echo(HOME, HA, 8)),
    "ha_udp_badport": sel(2, 2) + b"\x10" + tdata(4, udp4(HOME, CN)),
    "ha_udp_icmp_frag": sel(2, 3) + b"\0" + icmp_about(
        3, 4, 1200, udptun(HA, 434, COA, 40001, 4, udp4(CN, HOME, 1300, True), True)[:60]),
    # mobile node, RFC 3519
    "mn_udp_tun4": sel(3, 0) + b"\0" + udp4(HOME, CN),
    "mn_udp_tun6": sel(3, 0) + b"\0" + udp6(MN6, CN6),
    "mn_udp_in4": sel(3, 2) + b"\0" + tdata(4, udp4(CN, HOME)),
    "mn_udp_in6": sel(3, 2) + b"\0" + tdata(41, udp6(CN6, MN6)),
    "mn_udp_icmp": sel(3, 3) + b"\0" + icmp_about(
        11, 0, 0, udptun(PRIV, 5000, HA, 434, 41, udp6(MN6, CN6))[:80]),
    "mn_udp_keepalive_reply": sel(3, 2) + b"\0" + tdata(4, echo(HA, HOME, 0)),
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(data)
