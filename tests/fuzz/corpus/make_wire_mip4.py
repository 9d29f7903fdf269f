#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_wire_mip4.c (run once from the
tree root: /usr/bin/python3 tests/fuzz/corpus/make_wire_mip4.py).  The
request and reply are the annotated messages of tests/unit/test_wire_mip4.c;
authenticators are HMAC-MD5 (RFC 5944 3.5.1) with the key 00 01 .. 0f.
With --pcap FILE it also writes them as UDP/434 datagrams for tshark."""
import hashlib
import hmac
import ipaddress
import os
import struct
import sys

KEY = bytes(range(16))
HOME, HA = "192.0.2.10", "192.0.2.1"
ID = 0xE9A1B2C301234567


def ip4(s):
    return ipaddress.IPv4Address(s).packed


def ip6(s):
    return ipaddress.IPv6Address(s).packed


def ext(t, data=b""):
    """RFC 5944 1.9 type-length format (1.11 short format: subtype first)."""
    return bytes([t, len(data)]) + data


def request(flags, lifetime, coa):
    return (bytes([1, flags]) + struct.pack("!H", lifetime) + ip4(HOME)
            + ip4(HA) + ip4(coa) + struct.pack("!Q", ID))


def reply(code, lifetime):
    return (bytes([3, code]) + struct.pack("!H", lifetime) + ip4(HOME)
            + ip4(HA) + struct.pack("!Q", ID))


def auth(msg, t, spi, key=KEY):
    """RFC 5944 3.5.1: message, prior extensions, type, length and SPI."""
    head = bytes([t, 20]) + struct.pack("!I", spi)
    return head + hmac.new(key, msg + head, hashlib.md5).digest()


def signed(msg, t=32, spi=256):
    return msg + auth(msg, t, spi)


NAI = ext(131, b"mn1@example.net")


def prefix_req(plen, p):         # RFC 5454 2.1
    return ext(152, bytes([1, plen]) + ip6(p))


def prefix_rep(code, plen, p):   # RFC 5454 2.2
    return ext(152, bytes([2, code, plen, 0]) + ip6(p))


TUNNEL_MODE = ext(152, bytes([3, 0]))  # RFC 5454 2.3

dsmip_req = signed(request(0x22, 1800, "198.51.100.20") + NAI
                   + prefix_req(64, "2001:db8:1:1::")
                   + prefix_req(255, "fe80::1") + TUNNEL_MODE)
dsmip_rep = signed(reply(0, 1800) + NAI
                   + prefix_rep(0, 64, "2001:db8:1:1::")
                   + prefix_rep(1, 64, "2001:db8:1:2::")
                   + prefix_rep(10, 64, "2001:db8:99::")
                   + prefix_rep(11, 255, "fe80::1"))
# RFC 3519 3.1 (F, encapsulation 0 as RFC 5454 3.9 asks), RFC 3024 3.3
# after MH, then MF
nat_req = signed(request(0x22, 600, "10.0.0.2")
                 + ext(144, bytes([0, 0, 0x80, 0, 0, 0])))
nat_req = signed(nat_req + ext(130), 33, 512)
# RFC 3519 3.2: reply code 0, F, keepalive 110; MH then FH
nat_rep = signed(reply(0, 600) + ext(44, bytes([0, 0, 0x80, 0, 0, 110])))
nat_rep = signed(nat_rep, 34, 768)
# deregistration with an unknown skippable extension
dereg = signed(request(0x00, 0, HOME) + ext(200, b"\xde\xad"))
denied = signed(reply(133, 0) + NAI)

SEEDS = [("dsmip-request", dsmip_req), ("dsmip-reply", dsmip_rep),
         ("nat-request", nat_req), ("nat-reply", nat_rep),
         ("dereg-skippable", dereg), ("reply-id-mismatch", denied)]

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire_mip4")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS:
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)
    if len(sys.argv) == 3 and sys.argv[1] == "--pcap":
        from scapy.all import IP, UDP, Raw, wrpcap
        pkts = []
        for name, data in SEEDS:
            if data[0] == 1:
                pkts.append(IP(src="198.51.100.20", dst=HA)
                            / UDP(sport=40000, dport=434) / Raw(data))
            else:
                pkts.append(IP(src=HA, dst="198.51.100.20")
                            / UDP(sport=434, dport=40000) / Raw(data))
        wrpcap(sys.argv[2], pkts)
