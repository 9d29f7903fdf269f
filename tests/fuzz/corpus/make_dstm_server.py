#!/usr/bin/python3
"""Seed inputs for fuzz_dstm_server: flags, clock advance, then [len][datagram]...
Run from the repo root: /usr/bin/python3 tests/fuzz/corpus/make_dstm_server.py"""
import os, struct

OUT = "tests/fuzz/corpus/dstm_server"
SERVER_DUID = bytes.fromhex("000100010000000102000000 0001".replace(" ", ""))
CLIENT_DUID = bytes.fromhex("00030001020000000001")

def opt(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data

def ia_na(iaid, addr=None):
    sub = b""
    if addr:
        sub = opt(5, addr + struct.pack("!II", 0, 0))
    return opt(3, struct.pack("!III", iaid, 0, 0) + sub)

def msg(t, *opts):
    return bytes([t, 0x12, 0x34, 0x56]) + b"".join(opts)

V4 = opt(65046)
MAPPED = bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 10])

def relay(inner, link):
    return bytes([12, 0]) + link + bytes(16) + opt(18, b"port1") + opt(9, inner)

def seed(name, flags, adv, *dgrams):
    data = bytes([flags, adv]) + b"".join(struct.pack("!H", len(d)) + d for d in dgrams)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

os.makedirs(OUT, exist_ok=True)
cid = opt(1, CLIENT_DUID)
sid = opt(2, SERVER_DUID)
seed("solicit_request", 3, 0, msg(1, cid, V4, ia_na(1)), msg(3, cid, sid, V4, ia_na(1, MAPPED)))
seed("rapid_renew_release", 3, 5, msg(1, cid, opt(14), opt(20), V4, ia_na(1), ia_na(2)),
     msg(5, cid, sid, V4, ia_na(1, MAPPED)), msg(8, cid, sid, V4, ia_na(1, MAPPED)))
seed("decline", 3, 1, msg(1, cid, opt(14), V4, ia_na(1)), msg(9, cid, sid, V4, ia_na(1, MAPPED)))
seed("confirm_rebind_inforeq", 3, 40, msg(4, cid, V4, ia_na(1, MAPPED)),
     msg(6, cid, V4, ia_na(1, MAPPED)), msg(11, cid, opt(6, b"\xfe\x16")))
link47 = bytes.fromhex("20010db8004700000000000000000001")
seed("relay", 0, 0, relay(msg(1, cid, opt(14), V4, ia_na(7)), link47))
seed("unicast_request", 2, 0, msg(3, cid, sid, ia_na(3)))
