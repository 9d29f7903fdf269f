#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_dataplane_mip.c (run once from
the tree root with Debian's python3, which has scapy:
/usr/bin/python3 tests/fuzz/corpus/make_dataplane_mip.py).

Each seed is two selector bytes, then the packet (see the fuzz target):
  sel bit 0 mobile node, bit 1 from the tunnel, bits 2-3 encapsulation
  (0 ipip, 1 gre, 2 minimal), bits 4-5 IPv6 mode (1 home address, 2 care-of
  address), bit 6 simultaneous bindings (HA) / at home (MN), bit 7 a
  registered link-local address;  opt bit 0 link MTU 1280, bit 1 tunnel6
  MTU 1500, bit 2 clock 150 (one care-of address expired).
  From the tunnel with IPv6-mode bits 3: an ICMPv4 message for
  dp_mip_icmp4_in (opt bit 3: IPv6 mode care-of address, else home
  address)."""
import os
import socket

from scapy.all import GRE, ICMPv6MLReport2, IP, UDP, IPv6, Raw
from scapy.utils import checksum

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataplane_mip")
HA, HOME, COA, CN = "198.51.100.1", "192.0.2.10", "203.0.113.5", "10.0.0.1"
MN6, CN6, LL = "2001:db8:1:2::10", "2001:db8:cccc::1", "fe80::1"


def sel(mn=0, tunnel=0, encap=0, mode=1, b6=0, b7=0):
    return mn | tunnel << 1 | encap << 2 | mode << 4 | b6 << 6 | b7 << 7


def minimal(src, dst, inner):
    """RFC 2004 3: the forwarding header (S set) in front of inner's payload."""
    i = IP(bytes(inner))
    fwd = bytearray([i.proto, 0x80, 0, 0]) + socket.inet_aton(i.dst) + socket.inet_aton(i.src)
    fwd[2:4] = checksum(bytes(fwd)).to_bytes(2, "big")
    return bytes(IP(src=src, dst=dst, proto=55, id=7, ttl=i.ttl) /
                 Raw(bytes(fwd) + bytes(i.payload)))


udp4 = IP(src=CN, dst=HOME, id=0x1234, tos=0xb8, flags="DF") / UDP(sport=40000, dport=53) / b"abcdefgh"
udp6 = IPv6(src=CN6, dst=MN6, tc=0x28) / UDP(sport=547, dport=546) / b"abcdefgh"
rev4 = IP(src=HOME, dst=CN, id=0x4321) / UDP(sport=53, dport=40000) / b"reply"
rev6 = IPv6(src=MN6, dst=CN6) / UDP(sport=546, dport=547) / b"reply"
mld = IPv6(src=LL, dst="ff02::16", hlim=1) / ICMPv6MLReport2()

seeds = {
    "ha_tun_ipip": (sel(), 0, udp4),
    "ha_tun_gre_v6_coa": (sel(encap=1, mode=2), 0, udp6),
    "ha_tun_minimal_v6_hoa_sim": (sel(encap=2, mode=1, b6=1), 0x28, udp6),
    "ha_tun_ipip_sim_expired": (sel(b6=1), 4, udp4),
    "ha_tun_ll_registered": (sel(b7=1, mode=2), 0, IPv6(src=CN6, dst=LL) / UDP() / b"x"),
    "ha_tun_big_df": (sel(), 1, IP(src=CN, dst=HOME, flags="DF") / UDP() / (b"\0" * 1300)),
    "ha_tunnel_ipip": (sel(tunnel=1), 0, IP(src=COA, dst=HA) / rev4),
    "ha_tunnel_ecn_ce": (sel(tunnel=1), 0, IP(src=COA, dst=HA, tos=3) / rev4),
    "ha_tunnel_6in4": (sel(tunnel=1, mode=2), 0, IP(src=COA, dst=HA) / rev6),
    "ha_tunnel_double": (sel(tunnel=1), 0, IP(src=COA, dst=HA) / IP(src=HOME, dst=HA) / rev6),
    "ha_tunnel_gre6": (sel(tunnel=1, encap=1, mode=2), 0, IP(src=COA, dst=HA) / GRE(proto=0x86dd) / rev6),
    "ha_tunnel_mld": (sel(tunnel=1), 0, IP(src=COA, dst=HA) / IP(src=HOME, dst=HA) / mld),
    "ha_tunnel_minimal": (sel(tunnel=1, encap=2), 0, minimal(COA, HA, rev4)),
    "mn_tun_ipip": (sel(mn=1), 0, rev4),
    "mn_tun_v6_hoa": (sel(mn=1, encap=2), 0, rev6),
    "mn_tun_mld": (sel(mn=1, mode=2), 0, mld),
    "mn_tunnel_ipip": (sel(mn=1, tunnel=1), 0, IP(src=HA, dst=COA) / udp4),
    "mn_tunnel_double": (sel(mn=1, tunnel=1), 0, IP(src=HA, dst=COA) / IP(src=HA, dst=HOME) / udp6),
}



def icmp4(t, c, mtu, quoted, n=548):
    """An ICMPv4 error (from its header on) quoting n octets of a packet."""
    q = bytes(quoted)[:n]
    m = bytearray([t, c, 0, 0, 0, 0]) + mtu.to_bytes(2, "big") + q
    m[2:4] = checksum(bytes(m)).to_bytes(2, "big")
    return bytes(m)


big4 = IP(src=CN, dst=HOME, flags="DF") / UDP() / (b"\0" * 1300)
big6 = IPv6(src=CN6, dst=MN6) / UDP() / (b"\0" * 1300)
ICMP = 3 << 4 | 1 << 1
seeds.update({
    "icmp_ha_ipip_frag_needed": (ICMP, 0, icmp4(3, 4, 1300, IP(src=HA, dst=COA, flags="DF") / big4)),
    "icmp_ha_ipip_rfc792_8": (ICMP, 0, icmp4(3, 4, 0, IP(src=HA, dst=COA, flags="DF") / big4, 28)),
    "icmp_ha_gre_time_exceeded": (ICMP | 1 << 2, 0, icmp4(11, 0, 0, IP(src=HA, dst=COA) / GRE() / udp4)),
    "icmp_ha_minimal": (ICMP | 2 << 2, 0, icmp4(3, 4, 1200, minimal(HA, COA, big4))),
    "icmp_ha_6in4_coa": (ICMP, 0x0a, icmp4(3, 4, 1200, IP(src=HA, dst=COA) / big6)),
    "icmp_ha_double": (ICMP, 0, icmp4(3, 1, 0, IP(src=HA, dst=COA) / IP(src=HA, dst=HOME) / udp6)),
    "icmp_mn_ipip": (ICMP | 1, 0, icmp4(3, 4, 1300, IP(src=COA, dst=HA, flags="DF") /
                                    IP(src=HOME, dst=CN, flags="DF") / UDP() / (b"\0" * 1300))),
    "icmp_mn_double": (ICMP | 1, 0, icmp4(11, 0, 0, IP(src=COA, dst=HA) / IP(src=HOME, dst=HA) / rev6)),
})

os.makedirs(OUT, exist_ok=True)
for name, (s, o, pkt) in seeds.items():
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(bytes([s, o]) + (pkt if isinstance(pkt, bytes) else bytes(pkt)))
