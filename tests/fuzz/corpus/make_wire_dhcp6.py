#!/usr/bin/python3
"""Writes the seed corpus for tests/fuzz/fuzz_wire_dhcp6.c (run once from the
tree root: python3 tests/fuzz/corpus/make_wire_dhcp6.py)."""
import os
import struct

V4OPT = 65046  # DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT


def opt(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data


def hdr(mtype, xid):
    return bytes([mtype]) + xid.to_bytes(3, "big")


def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


CLIENT = bytes.fromhex("00010001" "2a3b4c5d" "001122334455")  # DUID-LLT
SERVER = bytes.fromhex("00030001" "00aabbccddee")              # DUID-LL
IA_NA_EMPTY = opt(3, struct.pack("!III", 1, 0, 0))
ORO = opt(6, struct.pack("!HH", 23, V4OPT))
ELAPSED = opt(8, struct.pack("!H", 0))

solicit = (hdr(1, 0x123456) + opt(1, CLIENT) + opt(V4OPT) + IA_NA_EMPTY
           + ORO + ELAPSED)
request = (hdr(3, 0x654321) + opt(1, CLIENT) + opt(2, SERVER) + opt(V4OPT)
           + opt(3, struct.pack("!III", 1, 0, 0)
                 + opt(5, ip6("::ffff:192.0.2.10") + struct.pack("!II", 0, 0)))
           + ORO + ELAPSED + opt(14) + opt(20))
relay = (bytes([12, 0]) + ip6("2001:db8:1::1") + ip6("fe80::2")
         + opt(18, b"eth0") + opt(9, solicit))
reply = (hdr(7, 0x123456) + opt(2, SERVER) + opt(1, CLIENT)
         + opt(V4OPT, ip6("2001:db8::1"))
         + opt(3, struct.pack("!III", 1, 1800, 2880)
               + opt(5, ip6("::ffff:192.0.2.10") + struct.pack("!II", 3600, 7200)))
         + opt(13, struct.pack("!H", 0) + b"ok")
         + opt(11, bytes([3, 1, 0]) + struct.pack("!Q", 1) + bytes([1]) + bytes(range(16))))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire_dhcp6")
os.makedirs(out, exist_ok=True)
for name, data in [("dstm-solicit", solicit), ("dstm-request", request),
                   ("relay-forw-solicit", relay), ("dstm-reply-tep", reply)]:
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
