#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_wire_ip.c (run once from the
tree root with Debian's python3, which has scapy:
/usr/bin/python3 tests/fuzz/corpus/make_wire_ip.py).  The same packets are
the references of tests/unit/test_wire_ip.c."""
import os

from scapy.all import (ICMP, IP, TCP, UDP, HBHOptUnknown, ICMPv6PacketTooBig,
                       IPOption_Router_Alert, IPOption_RR, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN, Raw)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire_ip")
SRC6, DST6 = "2001:db8::10", "2001:db8:ffff::1"


def tel(limit, nh=4):
    """RFC 2473 5.1: Tunnel Encapsulation Limit then PadN."""
    return IPv6ExtHdrDestOpt(nh=nh, options=[
        HBHOptUnknown(otype=4, optdata=bytes([limit])), PadN(optdata=b"\x00")])


echo = IP(src="192.0.2.10", dst="198.51.100.1", id=0x1234, ttl=64,
          flags="DF") / ICMP(id=0x0101, seq=1) / b"abcdefgh"
syn = IP(src="192.0.2.10", dst="198.51.100.1", id=0x4321, ttl=64,
         flags="DF") / TCP(sport=40000, dport=80, flags="S", seq=1000,
                           window=64240,
                           options=[("MSS", 1460), ("SAckOK", b""),
                                    ("Timestamp", (1, 0)), ("NOP", None),
                                    ("WScale", 7)])
inner = IP(src="192.0.2.10", dst="198.51.100.1", id=0x0bad, ttl=63,
           flags="DF") / UDP(sport=5000, dport=53) / (b"\x00" * 1432)
tunnel = bytes(IPv6(src=SRC6, dst=DST6, hlim=64, nh=4) / inner)
tunnel_lim = bytes(IPv6(src=SRC6, dst=DST6, hlim=64) / tel(4) / inner)
big = IP(src="192.0.2.10", dst="198.51.100.1", id=0xbeef, ttl=64,
         flags=0) / UDP(sport=5001, dport=9) / Raw(bytes(i % 251 for i in range(1992)))

seeds = {
    "4in6-echo.bin": bytes(IPv6(src=SRC6, dst=DST6, hlim=64, nh=4) / echo),
    "4in6-limit-echo.bin": bytes(IPv6(src=SRC6, dst=DST6, hlim=64, fl=0x12345) / tel(4) / echo),
    "tcp-syn-mss.bin": bytes(syn),
    # the ICMPv6 message alone (as from a raw ICMPv6 socket) and inside
    # its IPv6 packet
    "icmp6-ptb-tunnel.bin": bytes(ICMPv6PacketTooBig(mtu=1400) / Raw(tunnel[:1232])),
    "ipv6-ptb-tunnel-limit.bin": bytes(
        IPv6(src="2001:db8:1::1", dst=SRC6) / ICMPv6PacketTooBig(mtu=1300)
        / Raw(tunnel_lim[:1232])),
    "udp-2020-no-df.bin": bytes(big),
    # options to copy or not on fragmentation (RFC 791 3.1): Record Route
    # (not copied) and Router Alert (copied)
    "udp-options-multicast.bin": bytes(
        IP(src="192.0.2.10", dst="224.0.0.9", id=7, ttl=1, flags=0,
           options=[IPOption_RR(routers=["0.0.0.0"]), IPOption_Router_Alert()])
        / UDP(sport=520, dport=520) / Raw(bytes(range(200)))),
    # hop-by-hop, routing, destination options with a limit, a first
    # fragment, then IPv4
    "4in6-ext-chain.bin": bytes(
        IPv6(src=SRC6, dst=DST6, hlim=5) / IPv6ExtHdrHopByHop()
        / IPv6ExtHdrRouting(type=4) / tel(3, nh=44)
        / IPv6ExtHdrFragment(nh=4, m=1, id=0x12345678) / echo),
    # nine destination options headers: one too many
    "ipv6-nine-dstopts.bin": bytes(
        IPv6(src=SRC6, dst=DST6) / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
        / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
        / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
        / IPv6ExtHdrDestOpt(nh=4) / echo),
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
