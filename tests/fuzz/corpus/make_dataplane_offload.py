#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_dataplane_offload.c (run once
from the tree root with Debian's python3, which has scapy:
/usr/bin/python3 tests/fuzz/corpus/make_dataplane_offload.py).  Input: a
mode octet (even: virtio_net_hdr + packet for dp_gso; odd: length-prefixed
packets for dp_gro)."""
import os
import struct

from scapy.all import IP, TCP, UDP, IPv6, raw

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataplane_offload")
NEEDS_CSUM = 1
GSO_NONE, GSO_TCPV4, GSO_UDP, GSO_TCPV6, GSO_UDP_L4 = 0, 1, 3, 4, 5


def vnet(gso_type, gso_size, hdr_len, csum_start, csum_offset, flags=NEEDS_CSUM):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def tcp4(n, seq=1000, flags="A", ident=0x1234, sport=40000, opts=True):
    o = [("NOP", None), ("NOP", None), ("Timestamp", (1, 2))] if opts else []
    return raw(IP(src="10.0.0.1", dst="198.18.0.2", id=ident, flags="DF") /
               TCP(sport=sport, dport=5201, seq=seq, ack=77, flags=flags, window=500,
                   options=o) / bytes((seq + i) & 0xff for i in range(n)))


def tcp6(n, seq=1000, flags="A"):
    return raw(IPv6(src="2001:db8:46::2", dst="2001:db8:46::ffff", fl=0x12345) /
               TCP(sport=40000, dport=5201, seq=seq, ack=77, flags=flags, window=500) /
               bytes((seq + i) & 0xff for i in range(n)))


def batch(pkts):
    return b"\x01" + b"".join(struct.pack(">H", len(p)) + p for p in pkts)


seeds = {
    "gso-tcp4-3500-mss1000.bin": b"\x00" + vnet(GSO_TCPV4, 1000, 52, 20, 16) + tcp4(3500, flags="PA"),
    "gso-tcp4-ecn-cwr-fin.bin": b"\x00" + vnet(GSO_TCPV4 | 0x80, 600, 52, 20, 16) + tcp4(2000, flags="FPAC"),
    "gso-tcp6-4000-mss1428.bin": b"\x00" + vnet(GSO_TCPV6, 1428, 60, 40, 16) + tcp6(4000),
    "gso-udp4-uso.bin": b"\x00" + vnet(GSO_UDP_L4, 1200, 28, 20, 6) +
        raw(IP(src="10.0.0.1", dst="198.18.0.2") / UDP(sport=4000, dport=4001) / (b"u" * 2500)),
    "gso-none-csum.bin": b"\x00" + vnet(GSO_NONE, 0, 0, 20, 16) + tcp4(100),
    "gso-none-plain.bin": b"\x00" + vnet(GSO_NONE, 0, 0, 0, 0, flags=0) + tcp4(10),
    "gso-bad-family.bin": b"\x00" + vnet(GSO_TCPV6, 1000, 52, 20, 16) + tcp4(3000),
    "gso-ufo.bin": b"\x00" + vnet(GSO_UDP, 1000, 28, 20, 6) + tcp4(3000),
    "gro-one-flow.bin": batch([tcp4(1000, 1000 + 1000 * i, ident=i) for i in range(5)] +
                              [tcp4(300, 6000, "PA", ident=5)]),
    "gro-two-flows.bin": batch([tcp4(1000, 1000 * (i // 2), ident=i // 2,
                                     sport=40000 + (i & 1)) for i in range(6)]),
    "gro-v6-out-of-order.bin": batch([tcp6(1000, 0), tcp6(1000, 2000), tcp6(1000, 1000)]),
    "gro-mixed.bin": batch([tcp4(1000, 0, ident=1), tcp4(1000, 1000, "SA", ident=2),
                            raw(IP(src="10.0.0.1", dst="198.18.0.2") / UDP() / b"x"),
                            tcp4(1000, 2000, ident=3, opts=False)]),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), OUT))
