#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_wire_encap4.c (run once from
the tree root with Debian's python3, which has scapy:
/usr/bin/python3 tests/fuzz/corpus/make_wire_encap4.py).  The same packets
are the references of tests/unit/test_wire_encap4.c; with -v it prints them
in hex.  Scapy has no minimal encapsulation (RFC 2004): minimal() builds it
by hand."""
import os
import struct
import sys

from scapy.all import (GRE, ICMP, IP, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrFragment, UDP, checksum, inet_aton)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire_encap4")
HA, COA = "192.0.2.1", "198.51.100.7"

inner4 = IP(src="203.0.113.5", dst="192.0.2.77", tos=0xba, id=0x1234, ttl=63,
            flags="DF") / ICMP(id=0x0101, seq=1) / b"abcdefgh"
inner6 = IPv6(src="2001:db8:1::5", dst="2001:db8:2::77", tc=0xb9, fl=0x12345,
              hlim=63) / ICMPv6EchoRequest(id=0x0101, seq=1, data=b"abcdefgh")
# sent by the home agent itself: minimal encapsulation without S
inner4_ha = IP(src=HA, dst="192.0.2.77", tos=0x00, id=0x0777, ttl=64,
               flags=0) / UDP(sport=434, dport=434) / b"reg"


def outer(proto, tos, df):
    return IP(src=HA, dst=COA, tos=tos, id=0x4242, ttl=64,
              flags="DF" if df else 0, proto=proto)


def minimal(inner, src=HA, dst=COA):
    """RFC 2004 3: rewrite the original header, insert the forwarding
    header (S when the encapsulator is not the original source)."""
    raw = bytes(inner)
    h, payload = bytearray(raw[:20]), raw[20:]
    s = raw[12:16] != inet_aton(src)
    fwd = bytearray(struct.pack("!BBH4s", raw[9], 0x80 if s else 0, 0, raw[16:20]))
    if s:
        fwd += raw[12:16]
    struct.pack_into("!H", fwd, 2, checksum(bytes(fwd)))
    struct.pack_into("!H", h, 2, len(raw) + len(fwd))
    h[9] = 55
    h[12:16] = inet_aton(src)
    h[16:20] = inet_aton(dst)
    h[10:12] = b"\0\0"
    struct.pack_into("!H", h, 10, checksum(bytes(h)))
    return bytes(h) + bytes(fwd) + payload


seeds = {
    "ipip.bin": bytes(outer(4, 0xba, True) / inner4),
    "6in4.bin": bytes(outer(41, 0xb9, False) / inner6),
    "gre4.bin": bytes(outer(47, 0xba, True) / GRE(proto=0x0800) / inner4),
    "gre6-key.bin": bytes(outer(47, 0xb9, False)
                          / GRE(key_present=1, key=0x0a0b0c0d, proto=0x86dd) / inner6),
    "gre4-csum-key-seq.bin": bytes(
        outer(47, 0xba, True) / GRE(chksum_present=1, key_present=1,
                                    seqnum_present=1, key=0x0a0b0c0d,
                                    sequence_number=7, proto=0x0800) / inner4),
    "minimal-s.bin": minimal(inner4),
    "minimal-no-s.bin": minimal(inner4_ha),
    # RFC 5454 3.3.2: IPv6 to the home address, then to the care-of address
    "ipip-6in4.bin": bytes(outer(4, 0xb9, False)
                           / IP(src=HA, dst="192.0.2.77", tos=0xb9, id=0x4243,
                                ttl=64, proto=41) / inner6),
    # the bare inner packets, for the encapsulation half of the target
    "inner4.bin": bytes(inner4),
    "inner6.bin": bytes(inner6),
    "inner6-frag.bin": bytes(
        IPv6(src="2001:db8:1::5", dst="2001:db8:2::77")
        / IPv6ExtHdrFragment(m=1, id=0x1234)
        / ICMPv6EchoRequest(id=1, seq=2, data=b"x" * 24)),
}

if __name__ == "__main__":
    if "-v" in sys.argv:
        for name, data in seeds.items():
            print(name, len(data))
            for i in range(0, len(data), 16):
                print("  " + " ".join("0x%02x," % b for b in data[i:i + 16]))
        sys.exit(0)
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
