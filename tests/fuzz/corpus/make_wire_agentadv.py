#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_wire_agentadv.c (run from the
tree root with Debian's python3, which has scapy:
/usr/bin/python3 tests/fuzz/corpus/make_wire_agentadv.py [-v] [pcap]).
The same messages are the references of tests/unit/test_wire_agentadv.c;
-v prints them in hex, a pcap argument also writes them (with IPv4 headers)
for `tshark -r pcap -V`.  Scapy knows ICMP type 9 only as a header with a
4-octet "unused" field: the RFC 1256 fields and the RFC 5944 2.1.1-2.1.3
extensions are packed by hand, the checksum is scapy's."""
import os
import struct
import sys

from scapy.all import ICMP, IP, Raw, inet_aton, wrpcap

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire_agentadv")


def ext(t, data):
    return struct.pack("!BB", t, len(data)) + data


def mobility(seq, reglife, flags, coas):
    return ext(16, struct.pack("!HHH", seq, reglife, flags) +
               b"".join(inet_aton(c) for c in coas))


def advert(code, lifetime, routers, exts, entry=2):
    """routers: [(addr, pref, [extra words])]"""
    body = b""
    for addr, pref, extra in routers:
        body += inet_aton(addr) + struct.pack("!i", pref)
        body += b"".join(struct.pack("!I", w) for w in extra)
    unused = len(routers) << 24 | entry << 16 | lifetime
    return ICMP(type=9, code=code, unused=unused) / Raw(body + exts)


MSGS = {
    # foreign agent: F G T U, one care-of address, prefix-lengths, padding
    "fa-adv": advert(0, 30, [("192.0.2.1", 0, [])],
                     mobility(5, 600, 0x1580, ["192.0.2.1"]) +
                     ext(19, bytes([24])) + b"\x00"),
    # home agent that routes no common traffic: H M, no address
    "ha-adv": advert(16, 1800, [], mobility(256, 0xffff, 0x2800, [])),
    # entry size 3, negative preference, R B F M + "r" + a reserved bit,
    # two care-of addresses, a skippable extension, two paddings
    "fa-adv-odd": advert(0, 9000, [("203.0.113.1", 10, [0xdeadbeef]),
                                   ("203.0.113.2", -1, [0])],
                         b"\x00" + mobility(0xffff, 1800, 0xda01,
                                            ["203.0.113.1", "203.0.113.2"]) +
                         ext(200, b"xyz") + ext(19, bytes([24, 25])) + b"\x00",
                         entry=3),
    # a plain router advertisement: not an agent advertisement
    "plain-ra": advert(0, 1800, [("192.0.2.1", 0, [])], b""),
    "solicit": ICMP(type=10),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    pkts = []
    for name, m in MSGS.items():
        raw = bytes(m)
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(raw)
        if "-v" in sys.argv:
            print(name, raw.hex())
        dst = "224.0.0.11" if name == "solicit" else "224.0.0.1"
        pkts.append(IP(src="192.0.2.1", dst=dst, ttl=1) / m)
    pcaps = [a for a in sys.argv[1:] if a != "-v"]
    if pcaps:
        wrpcap(pcaps[0], pkts)


if __name__ == "__main__":
    main()
