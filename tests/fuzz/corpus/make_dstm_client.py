#!/usr/bin/python3
"""Seed inputs for fuzz_dstm_client:
[cfg][seed:4][age] then steps [flags][advance:be16][len:be16][datagram].
cfg bits: 1 on-demand, 2 rapid commit, 4 reconfigure accept, 8 IPv6 IA_NA,
16 restore.  Step flags: 1 unicast, 2 advance in seconds, 4 stop (64:
release), 8 start, 16 patch xid, 32 sign the Reconfigure with the client's
key.  Run from the repo root: /usr/bin/python3 tests/fuzz/corpus/make_dstm_client.py"""
import os, struct

OUT = "tests/fuzz/corpus/dstm_client"
CLIENT_DUID = bytes.fromhex("00030001020000000001")
SERVER_DUID = bytes.fromhex("0002000000090a")
V4CODE = 65046
KEY = bytes(range(1, 17))

def opt(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data

def mapped(a, b, c, d):
    return bytes(10) + b"\xff\xff" + bytes([a, b, c, d])

def iaaddr(addr, pref, valid, status=None):
    sub = opt(13, struct.pack("!H", status) + b"x") if status is not None else b""
    return opt(5, addr + struct.pack("!II", pref, valid) + sub)

def ia_na(iaid, t1, t2, *subs):
    return opt(3, struct.pack("!III", iaid, t1, t2) + b"".join(subs))

def v4ia(tep=None, t1=100, t2=160, addr=mapped(192, 0, 2, 10), pref=200, valid=300, status=None):
    subs = []
    if addr is not None:
        subs.append(iaaddr(addr, pref, valid))
    if status is not None:
        subs.append(opt(13, struct.pack("!H", status)))
    return opt(V4CODE, tep or b"") + ia_na(1, t1, t2, *subs)

def msg(t, *opts, xid=0):
    return bytes([t]) + xid.to_bytes(3, "big") + b"".join(opts)

cid = opt(1, CLIENT_DUID)
sid = opt(2, SERVER_DUID)
TEP = bytes.fromhex("20010db80046000000000000000000ff")

def key_auth(replay):
    return opt(20) + opt(11, bytes([3, 1, 0]) + struct.pack("!Q", replay) + b"\x01" + KEY)

def reconf(msg_type, replay):
    return msg(10, sid, cid, opt(19, bytes([msg_type])), opt(6, struct.pack("!H", V4CODE)),
               opt(11, bytes([3, 1, 0]) + struct.pack("!Q", replay) + b"\x02" + bytes(16)))

def step(flags, adv, dgram=b""):
    return struct.pack("!BHH", flags, adv, len(dgram)) + dgram

def seed(name, cfg, *steps, age=0):
    data = bytes([cfg]) + struct.pack("!I", 0x12345678) + bytes([age]) + b"".join(steps)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

ADV = msg(2, sid, cid, opt(7, b"\xff"), v4ia())
REPLY = msg(7, sid, cid, v4ia(TEP))
REPLY_KEY = msg(7, sid, cid, v4ia(TEP), key_auth(100))
RAPID = msg(7, sid, cid, opt(14), v4ia())

os.makedirs(OUT, exist_ok=True)
seed("solicit_request_renew", 1, step(16, 0, ADV), step(16, 0, REPLY),
     step(18, 100, b""), step(16, 0, REPLY), step(2, 200, b""), step(2, 200, b""))
seed("always_rapid", 2, step(2, 1, b""), step(16, 0, RAPID), step(2, 400, b""))
seed("reconfigure", 5, step(16, 0, ADV), step(16, 0, REPLY_KEY),
     step(33, 10, reconf(5, 101)), step(16, 0, REPLY_KEY), step(33, 10, reconf(11, 102)),
     step(16, 0, msg(7, sid, cid)))
seed("noaddrsavail_notonlink", 1, step(16, 0, ADV),
     step(16, 0, msg(7, sid, cid, v4ia(addr=None, status=2))),
     step(2, 40, b""), step(16, 0, ADV), step(16, 0, msg(7, sid, cid, v4ia(addr=None, status=4))))
seed("nobinding_renew", 1, step(16, 0, ADV), step(16, 0, REPLY), step(2, 100, b""),
     step(16, 0, msg(7, sid, cid, v4ia(addr=None, status=3))), step(16, 0, REPLY))
seed("restore_then_stop", 21, step(2, 50, b""), step(16, 0, REPLY_KEY), step(68, 1, b""),
     step(16, 0, msg(7, sid, cid)), age=120)
seed("non_mapped_and_na", 9, step(16, 0, ADV),
     step(16, 0, msg(7, sid, cid, v4ia(addr=bytes.fromhex("20010db8004600000000000000001001")))),
     step(18, 60, ADV),
     step(16, 0, msg(7, sid, cid, v4ia(TEP), ia_na(2, 50, 80, iaaddr(bytes.fromhex("20010db8004600000000000000001001"), 100, 250)))))
