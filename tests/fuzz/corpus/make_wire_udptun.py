#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_wire_udptun.c (run from the
tree root with Debian's python3, which has scapy:
/usr/bin/python3 tests/fuzz/corpus/make_wire_udptun.py [-v] [pcap]).
The same packets are the references of tests/unit/test_wire_udptun.c;
-v prints them in hex, a pcap argument also writes them for
`tshark -r pcap -V`.  Scapy has the RFC 3519 MIP Tunnel Data message
(scapy.layers.mobileip).  Mobile node care-of address 198.51.100.7 (or
the NAT's), home agent 192.0.2.1, home address 192.0.2.77."""
import os
import sys

from scapy.all import (GRE, ICMP, IP, UDP, ICMPv6EchoRequest, IPv6, Raw,
                       wrpcap)
from scapy.layers.mobileip import MobileIP, MobileIPTunnelData

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire_udptun")
COA, HA, HOME = "198.51.100.7", "192.0.2.1", "192.0.2.77"


def tun(src, dst, nh, inner, csum=True, sport=434, dport=434, **kw):
    u = UDP(sport=sport, dport=dport) if csum else UDP(sport=sport, dport=dport, chksum=0)
    return IP(src=src, dst=dst, id=0x4242, ttl=64, **kw) / u / \
        MobileIP(type=4) / MobileIPTunnelData(nexthdr=nh) / inner


inner4 = IP(src="203.0.113.5", dst=HOME, tos=0xba, id=0x1234, ttl=63,
            flags="DF") / ICMP(id=0x0101, seq=1) / b"abcdefgh"
inner6 = IPv6(src="2001:db8:1::5", dst="2001:db8:2::77", tc=0xb9, fl=0x12345,
              hlim=63) / ICMPv6EchoRequest(id=0x0101, seq=1, data=b"abcdefgh")
ka_req = IP(src=HOME, dst=HA, id=1, ttl=64) / ICMP(type=8, id=0x77, seq=1) / b"ds46"
ka_rep = IP(src=HA, dst=HOME, id=2, ttl=64) / ICMP(type=0, id=0x77, seq=1) / b"ds46"

PKTS = {
    # RFC 3519 4.9: keepalive from the mobile node behind a NAT (source
    # port rewritten to 40000), UDP checksum
    "keepalive": tun(COA, HA, 4, ka_req, sport=40000),
    # the home agent's answer, without UDP checksum
    "keepalive-reply": tun(HA, COA, 4, ka_rep, csum=False, dport=40000),
    # IP in UDP, TOS and DF copied (RFC 2003 3.1)
    "data4": tun(HA, COA, 4, inner4, tos=0xba, flags="DF"),
    # RFC 5454 3.9: IPv6 with next header 41, no UDP checksum
    "data6": tun(HA, COA, 41, inner6, csum=False, tos=0xb9),
    # GRE in UDP
    "gre": tun(HA, COA, 47, GRE(proto=0x0800) / inner4),
    # a registration request on the same port: not tunnel data
    "regreq": IP(src=COA, dst=HA, id=0x4242) / UDP(sport=434, dport=434) /
    Raw(bytes([1, 0, 0, 0x3c]) + bytes(20)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, p in PKTS.items():
        raw = bytes(p)
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(raw)
        # the UDP payload alone, for the header-only parser
        with open(os.path.join(OUT, name + "-payload.bin"), "wb") as f:
            f.write(raw[28:])
        if "-v" in sys.argv:
            print(name, raw.hex())
    pcaps = [a for a in sys.argv[1:] if a != "-v"]
    if pcaps:
        wrpcap(pcaps[0], [IP(bytes(p)) for p in PKTS.values()])


if __name__ == "__main__":
    main()
