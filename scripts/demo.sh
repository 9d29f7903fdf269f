#!/usr/bin/env bash
# The ds46 demo (README):   sudo ./scripts/demo.sh
#
# Builds ds46, then on six network namespaces (ds46-demo-<pid>-<name>)
#
#          link "lan" 2001:db8:46::/64: a bridge named s0 in srv
#   cli  c0 2001:db8:46::2 ----+
#   x    x0 2001:db8:46::10 ---+-- srv  s0 2001:db8:46::1   ds46-dstmd
#        ds46-hostd, dti0      |        s1 2001:db8:48::1 ------ rly  r0 2001:db8:48::2
#   y    y0 2001:db8:46::ffff -+                                  (relay agent for the
#        ds46-tepd, tep0 203.0.113.1                               link 2001:db8:47::/64)
#        y1 198.18.0.1 ----------- z  z0 198.18.0.2 (IPv4 only, default via y)
#
# runs ds46-dstmd with examples/dstmd.conf (only the store and the control
# socket moved to a temporary directory) and shows, with the scapy client of
# the network tests (tests/net/dhcp6c.py):
#   1. a DSTM host borrowing an IPv4 address and learning its TEP (dstm-04 6.2),
#   2. a client behind a relay agent getting an address of the second link,
#   3. ds46ctl leases and pools,
#   4. a Reconfigure round: the server asks a host that holds only an IPv6
#      address to come back for an IPv4 one,
#   5. ds46ctl stats,
# then the tunnel of dstm-04 4.1 with the real daemons, ds46-tepd (border
# router Y, examples/tepd.conf) and ds46-hostd (host X, examples/hostd.conf),
# both with only their files moved to the temporary directory:
#   6. X comes up without IPv4; its first IPv4 packet to Z gets it an address
#      on demand (dstm-04 5.1); ping and a TCP transfer X -> Z through the TEP,
#   7. ds46ctl bindings and stats on the border router.
# then Dual-Stack Mobile IPv4 (RFC 5944 + RFC 5454, co-located care-of
# address) on six more namespaces (ds46-demo-<pid>-m<name>):
#
#   msw: bridges home, f1, f2 (no IP)      ds46-had in mha with examples/had.conf,
#   mha  home link (had.conf's home-link)  ds46-mnd in mmn with examples/mnd.conf
#   mr   router: home .254 / ::fe, f1 198.51.100.1/24, f2 203.0.113.1/24,
#        cn4 198.18.1.1/24, cn6 2001:db8:60::1/64
#   mcn4 198.18.1.2 (IPv4 only)   mcn6 2001:db8:60::2 (IPv6 only)
#   mmn  the mobile node: its link (mnd.conf's home-interface) is moved
#        between the bridges (ip link set ... master ...)
#   8. the node at home, then on foreign1 (198.51.100.20, mnd.conf's care-of
#      address) and foreign2 (203.0.113.20): it registers its IPv4 home
#      address and its IPv6 home prefix/address; pings from CN4 to the IPv4
#      home address and from CN6 to an IPv6 home address reach it;
#      ds46ctl mobility on the home agent and on the node,
#   9. back home: deregistration, native delivery.
# Everything it creates is removed on exit.  No arguments; exit 0 when every
# step worked.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces): sudo $0" >&2
	exit 1
fi

B=${DS46_BUILD:-build}
PY=/usr/bin/python3           # Debian's python, with python3-scapy
NS=ds46-demo-$$
CLI=$NS-cli SRV=$NS-srv RLY=$NS-rly X=$NS-x Y=$NS-y Z=$NS-z
TMP=$(mktemp -d /tmp/ds46-demo.XXXXXX)
DPID= TPID= HPID= ZPID= HAPID= MNPID= FA1PID= FA2PID=
MSW=$NS-msw MR=$NS-mr MHA=$NS-mha MCN4=$NS-mcn4 MCN6=$NS-mcn6 MMN=$NS-mmn
MFA1=$NS-mfa1 MFA2=$NS-mfa2 MNAT=$NS-mnat
failed=0

stop_pid() {      # SIGTERM, then SIGKILL after 5 s; by PID only
	local pid=$1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	for pid in "$MNPID" "$FA1PID" "$FA2PID" "$HAPID" "$ZPID" "$HPID" "$TPID" "$DPID"; do
		stop_pid "$pid"
	done
	for n in "$CLI" "$SRV" "$RLY" "$X" "$Y" "$Z" "$MSW" "$MR" "$MHA" "$MCN4" "$MCN6" "$MMN" \
		 "$MFA1" "$MFA2" "$MNAT"; do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "dependencies and build"
scripts/deps.sh test
# Only what the demo runs: the daemon and its control client.
make -j2 --no-print-directory V="$B" "$B/ds46-dstmd" "$B/ds46-tepd" "$B/ds46-hostd" \
	"$B/ds46-had" "$B/ds46-mnd" "$B/ds46-fad" "$B/ds46ctl" >"$TMP/make.log" 2>&1 ||
	{ cat "$TMP/make.log" >&2; exit 1; }
echo "built $B/ds46-dstmd, $B/ds46-tepd, $B/ds46-hostd, $B/ds46-had, $B/ds46-mnd, $B/ds46-fad and $B/ds46ctl"

step "topology: client, host X, border router Y -- server -- relay; Y -- Z (IPv4)"
for n in "$CLI" "$SRV" "$RLY" "$X" "$Y" "$Z"; do
	ip netns add "$n"
	for k in all default; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.$k.accept_dad=0
	done
	ip -n "$n" link set lo up
done
# the LAN: a bridge named s0, the server's interface in examples/dstmd.conf
ip -n "$SRV" link add s0 type bridge mcast_snooping 0
ip -n "$CLI" link add c0 type veth peer name s0c netns "$SRV"
ip -n "$X" link add x0 type veth peer name s0x netns "$SRV"
ip -n "$Y" link add y0 type veth peer name s0y netns "$SRV"
ip -n "$RLY" link add r0 type veth peer name s1 netns "$SRV"
ip -n "$Y" link add y1 type veth peer name z0 netns "$Z"
for p in s0c s0x s0y; do
	ip netns exec "$SRV" sysctl -qw net.ipv6.conf.$p.disable_ipv6=1
	ip -n "$SRV" link set "$p" master s0 up
done
for pair in "$CLI c0" "$SRV s0" "$SRV s1" "$RLY r0" "$X x0" "$Y y0" "$Y y1" "$Z z0"; do
	read -r n dev <<<"$pair"
	ip -n "$n" link set "$dev" up
done
ip -n "$SRV" addr add 2001:db8:46::1/64 dev s0 nodad
ip -n "$CLI" addr add 2001:db8:46::2/64 dev c0 nodad
ip -n "$SRV" addr add 2001:db8:48::1/64 dev s1 nodad
ip -n "$RLY" addr add 2001:db8:48::2/64 dev r0 nodad
ip -n "$X" addr add 2001:db8:46::10/64 dev x0 nodad
ip -n "$Y" addr add 2001:db8:46::ffff/64 dev y0 nodad
ip -n "$Y" addr add 198.18.0.1/24 dev y1
ip -n "$Z" addr add 198.18.0.2/24 dev z0
ip -n "$Z" route add default via 198.18.0.1
# link-local addresses usable (no DAD, but wait until they exist)
for pair in "$CLI c0" "$SRV s0" "$RLY r0" "$X x0" "$Y y0"; do
	read -r n dev <<<"$pair"
	for _ in $(seq 50); do
		ip -n "$n" -6 addr show dev "$dev" scope link | grep -q 'fe80' &&
			! ip -n "$n" -6 addr show dev "$dev" | grep -q tentative && break
		sleep 0.1
	done
done
echo "$CLI: c0 2001:db8:46::2   $SRV: s0 2001:db8:46::1, s1 2001:db8:48::1   $RLY: r0 2001:db8:48::2"
echo "$X: x0 2001:db8:46::10   $Y: y0 2001:db8:46::ffff, y1 198.18.0.1   $Z: z0 198.18.0.2"

step "ds46-dstmd with examples/dstmd.conf"
sed -e "s|^\(\s*store\s*=\s*\)\"[^\"]*\"|\1\"$TMP/dstmd.db\"|" \
    -e "s|^\(\s*control-socket\s*=\s*\)\"[^\"]*\"|\1\"$TMP/dstmd.sock\"|" \
    examples/dstmd.conf >"$TMP/dstmd.conf"
diff -u examples/dstmd.conf "$TMP/dstmd.conf" | sed -n '/^[-+] /p' || true
"$B/ds46-dstmd" -n -c "$TMP/dstmd.conf"
ip netns exec "$SRV" "$B/ds46-dstmd" -c "$TMP/dstmd.conf" 2>"$TMP/dstmd.log" &
DPID=$!
for _ in $(seq 100); do
	grep -q 'ready:' "$TMP/dstmd.log" && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q 'ready:' "$TMP/dstmd.log"; then
	echo "demo: ds46-dstmd did not start:" >&2
	cat "$TMP/dstmd.log" >&2
	exit 1
fi
grep 'ready:' "$TMP/dstmd.log"

ctl() { ip netns exec "$SRV" "$B/ds46ctl" -s "$TMP/dstmd.sock" "$@"; }
client() { local n=$1; shift; ip netns exec "$n" "$PY" tests/net/dhcp6c.py "$@"; }

# narrate: the JSON of dhcp6c.py as a story
cat >"$TMP/narrate.py" <<'EOF'
import json, sys
V4 = 65046


def inner(m):
    return m["inner"] if m and m.get("type") == 13 else m


def ias(m):
    out = []
    for ia in m["ias"]:
        st = ia.get("status")
        if st:
            out.append("IA_NA %d: %s" % (ia["iaid"], st["name"]))
            continue
        for a in ia["addrs"]:
            if ia.get("ipv4_option"):
                o = ia["ipv4_option"]
                out.append("IPv4 %s (%s), TEP %s" % (a["ipv4"], a["addr"], o["tep"] or "none"))
            else:
                out.append("IPv6 %s" % a["addr"])
    return "; ".join(out) or "nothing"


def v4_first(m):
    for ia in m["ias"]:
        if ia.get("ipv4_option") and ia["addrs"]:
            return ia["addrs"][0]["ipv4"], ia["ipv4_option"]["tep"], ia
    return None, None, None


def exchange(res, who):
    if not res.get("ok"):
        print("   FAILED: %s" % res.get("error"))
        return 1
    adv, rep = res["advertise"], res["reply"]
    relay = adv["type"] == 13
    if relay:
        print("   relay  -> server  Relay-forw(link-address %s, peer %s, Interface-Id %r)"
              % (adv["link"], adv["peer"], adv["interface_id"]))
        print("                       carrying Solicit with IPv4 Global Address option (len 0) + IA_NA")
    else:
        print("   %s -> ff02::1:2  Solicit with IPv4 Global Address option (len 0) + IA_NA" % who)
    a, r = inner(adv), inner(rep)
    print("   server -> %s  %sAdvertise (preference %s): %s" % (
        "relay " if relay else who, "Relay-repl/" if relay else "", a["preference"], ias(a)))
    print("   %s -> %s  %sRequest (server %s)" % (
        "relay " if relay else who, "server" if relay else "ff02::1:2", "Relay-forw/" if relay else "",
        a["server_duid"]))
    print("   server -> %s  %sReply: %s" % ("relay " if relay else who, "Relay-repl/" if relay else "", ias(r)))
    v4, tep, ia = v4_first(r)
    if ia:
        ad = ia["addrs"][0]
        print("   option %d sits right before its IA_NA: %s; T1 %ds, T2 %ds, preferred %ds, valid %ds"
              % (V4, ia["ipv4_option"]["immediately_before"], ia["t1"], ia["t2"],
                 ad["preferred"], ad["valid"]))
        v4a, tepa, _ = v4_first(a)
        print("=> Solicit with IPv4 Global Address option -> Advertise offers %s, TEP %s -> Request -> Reply %s"
              % (v4a, tepa, v4))
    return 0


def reconf(res):
    if not res.get("bind", {}).get("ok"):
        print("   FAILED: %s" % res.get("error"))
        return 1
    r = inner(res["bind"]["reply"])
    print("   host bound: %s; Reconfigure Accept, reconfigure key received (Auth type %s)"
          % (ias(r), (r.get("auth") or {}).get("info_type")))
    if "reconfigure" not in res:
        print("   FAILED: %s" % res.get("error"))
        return 1
    rc = res["reconfigure"]
    print("   server -> host  Reconfigure (msg-type %s = Renew, ORO %s), HMAC-MD5 %s"
          % (rc["reconf_msg"], rc["oro"], "verified" if res["hmac_ok"] else "WRONG"))
    if not res.get("ok"):
        print("   FAILED: %s" % res.get("error"))
        return 1
    print("   host -> server  Renew with IPv4 Global Address option + new IA_NA")
    print("   server -> host  Reply: %s" % ias(res["renew_reply"]))
    return 0


lines = [json.loads(l) for l in sys.stdin if l.startswith("{")]
res = lines[-1] if lines else {"ok": False, "error": "client printed nothing"}
sys.exit(reconf(res) if sys.argv[1] == "reconf" else exchange(res, sys.argv[2]))
EOF
narrate() { "$PY" "$TMP/narrate.py" "$@"; }

step "1. a DSTM host borrows an IPv4 address (dstm-04 6.1, 6.2)"
client "$CLI" --iface c0 --mac 02:46:00:00:00:01 dstm --na-iaid 2 >"$TMP/c1.json" || true
narrate exchange "host  " <"$TMP/c1.json" || failed=1

step "2. a client behind a relay agent gets an address of link \"relayed\" (RFC 8415 19)"
client "$RLY" --iface r0 --mac 02:46:00:00:00:02 relay --to 2001:db8:48::1 \
	--link-addr 2001:db8:47::1 --peer-addr fe80::c2 --ifid r1-port7 >"$TMP/c2.json" || true
narrate exchange "relay " <"$TMP/c2.json" || failed=1

step "3. ds46ctl leases / pools"
ctl leases || failed=1
echo
ctl pools || failed=1

step "4. Reconfigure: an IPv6-only host is asked to come back for IPv4 (dstm-04 6.2)"
client "$CLI" --iface c0 --mac 02:46:00:00:00:03 reconfigure-listen --no-v4 --na-iaid 1 \
	--new-v4-iaid 2 --listen 8 >"$TMP/c3.json" &
cpid=$!
for _ in $(seq 100); do grep -q '"bound"' "$TMP/c3.json" 2>/dev/null && break; sleep 0.1; done
addr=$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "bound":
        print(e["addrs"][0]); break' "$TMP/c3.json" 2>/dev/null || true)
if [ -n "$addr" ]; then
	echo "\$ ds46ctl reconfigure $addr"
	ctl reconfigure "$addr" || failed=1
fi
wait "$cpid" || true
narrate reconf <"$TMP/c3.json" || failed=1

step "5. ds46ctl stats"
ctl stats | awk '$2 != 0'
echo "(counters that are 0 not shown)"

# ---- the tunnel (dstm-04 4.1) ---------------------------------------------------

wait_ready() {    # wait_ready LOG PID NAME: until "ready:" in LOG
	for _ in $(seq 100); do
		grep -q 'ready:' "$1" && break
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q 'ready:' "$1"; then
		echo "demo: $3 did not start:" >&2
		cat "$1" >&2
		exit 1
	fi
	grep 'ready:' "$1"
}
in_x() { ip netns exec "$X" "$@"; }
tctl() { ip netns exec "$Y" "$B/ds46ctl" -s "$TMP/tepd.sock" "$@"; }

step "6. the tunnel: ds46-tepd on Y with examples/tepd.conf"
sed -e "s|^\(\s*store\s*=\s*\)\"[^\"]*\"|\1\"$TMP/dstmd.db\"|" \
    -e "s|^\(\s*control-socket\s*=\s*\)\"[^\"]*\"|\1\"$TMP/tepd.sock\"|" \
    examples/tepd.conf >"$TMP/tepd.conf"
diff -u examples/tepd.conf "$TMP/tepd.conf" | sed -n '/^[-+] /p' || true
ip netns exec "$Y" "$B/ds46-tepd" -c "$TMP/tepd.conf" 2>"$TMP/tepd.log" &
TPID=$!
wait_ready "$TMP/tepd.log" "$TPID" ds46-tepd

echo
echo "ds46-hostd on X with examples/hostd.conf:"
sed -e "s|^\(\s*lease-file\s*=\s*\)\"[^\"]*\";|\1\"$TMP/hostd.lease\";\n  control-socket = \"$TMP/hostd.sock\";|" \
    examples/hostd.conf >"$TMP/hostd.conf"
diff -u examples/hostd.conf "$TMP/hostd.conf" | sed -n '/^[-+] /p' || true
ip netns exec "$X" "$B/ds46-hostd" -c "$TMP/hostd.conf" 2>"$TMP/hostd.log" &
HPID=$!
wait_ready "$TMP/hostd.log" "$HPID" ds46-hostd
echo "\$ ip -4 addr show dev dti0      # dstm-04 5.1: no IPv4 address before traffic"
in_x ip -4 addr show dev dti0
echo "\$ ip -4 route"
in_x ip -4 route

# Z: a TCP sink that reports what it got
cat >"$TMP/sink.py" <<'PYEOF'
import hashlib, socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5001))
s.listen(1)
print("listening", flush=True)
c, peer = s.accept()
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
c.sendall(b"%d" % n)
c.close()
print("Z: received %d bytes from %s, sha256 %s..." % (n, peer[0], h.hexdigest()[:16]), flush=True)
PYEOF
ip netns exec "$Z" "$PY" "$TMP/sink.py" >"$TMP/sink.log" 2>&1 &
ZPID=$!
for _ in $(seq 50); do grep -q listening "$TMP/sink.log" && break; sleep 0.1; done

step "   X pings Z: the first IPv4 packet asks for an address (dstm-04 5.1, 4.1)"
echo "\$ ping -c 4 -i 0.5 198.18.0.2"
in_x ping -n -c 4 -i 0.5 198.18.0.2 || true
grep -E 'first IPv4 packet|DTI dti0: IPv4|tunnel to TEP|answered' "$TMP/hostd.log" |
	sed 's/^/   /' || true
echo "\$ ip -4 addr show dev dti0"
in_x ip -4 addr show dev dti0
X4=$(in_x ip -4 -o addr show dev dti0 | awk '{print $4}' | cut -d/ -f1)
[ -n "$X4" ] || { echo "demo: X got no IPv4 address" >&2; failed=1; }
echo "\$ ping -c 3 -i 0.2 198.18.0.2"
in_x ping -n -c 3 -i 0.2 198.18.0.2 || failed=1

step "   a TCP transfer X -> Z through the tunnel (1 MiB)"
cat >"$TMP/send.py" <<'PYEOF'
import hashlib, socket
data = hashlib.sha256(b"ds46").digest() * 32768          # 1 MiB
s = socket.create_connection(("198.18.0.2", 5001), timeout=20)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = int(s.recv(64))
print("X: sent %d bytes from %s, sha256 %s..., Z acknowledged %d"
      % (len(data), s.getsockname()[0], hashlib.sha256(data).hexdigest()[:16], got))
raise SystemExit(0 if got == len(data) else 1)
PYEOF
in_x "$PY" "$TMP/send.py" || failed=1
wait "$ZPID" 2>/dev/null || true
ZPID=
grep -v listening "$TMP/sink.log" || true

step "7. ds46ctl bindings / stats on the border router"
echo "\$ ds46ctl -s tepd.sock bindings"
tctl bindings || failed=1
echo
echo "\$ ds46ctl -s tepd.sock stats"
tctl stats | awk '$2 != 0' || failed=1
echo "(counters that are 0 not shown)"
echo
echo "\$ ds46ctl -s dstmd.sock leases   # on the server: X's lease, bound to its global address"
ctl leases | awk 'NR == 1 || /2001:db8:46::10/' || failed=1

step "server log"
cat "$TMP/dstmd.log"
step "border router log"
cat "$TMP/tepd.log"
step "host X log"
cat "$TMP/hostd.log"

# ---- Dual-Stack Mobile IPv4 (RFC 5944, RFC 5454) --------------------------------------

conf_str() {      # conf_str FILE KEY: the first string value of KEY in a libconfig file
	sed -n "s/^\s*$2\s*=\s*\"\([^\"]*\)\".*/\1/p" "$1" | head -n 1
}
HL=$(conf_str examples/had.conf home-link)          # the home agent's home link
HA4=$(conf_str examples/had.conf address)
MIF=$(conf_str examples/mnd.conf home-interface)    # the node's link
HOA=$(conf_str examples/mnd.conf home-address)
HPL=$(sed -n 's/^\s*home-prefix-length\s*=\s*\([0-9]*\).*/\1/p' examples/mnd.conf | head -n 1)
COA1=198.51.100.20 COA2=203.0.113.20
RTR4=${HOA%.*}.254

step "8. Mobile IPv4: topology (home link, router, CN4, CN6, two foreign agents' networks, a NAT)"
for n in "$MSW" "$MR" "$MHA" "$MCN4" "$MCN6" "$MMN" "$MFA1" "$MFA2" "$MNAT"; do
	ip netns add "$n"
	for k in all default; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.$k.accept_dad=0 net.ipv4.conf.$k.rp_filter=0
	done
	ip -n "$n" link set lo up
done
ip netns exec "$MSW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for br in home f1 f2 nat; do
	ip -n "$MSW" link add "$br" type bridge mcast_snooping 0 forward_delay 0
	ip -n "$MSW" link set "$br" up
done
ip -n "$MHA" link add "$HL" type veth peer name pha netns "$MSW"
ip -n "$MR" link add rh type veth peer name prh netns "$MSW"
# the foreign agents' visitor links (examples/fad.conf's interface) on f1
# and f2, their upstream links to the router; the NAT's inside on n
ip -n "$MFA1" link add eth1 type veth peer name pfa1 netns "$MSW"
ip -n "$MFA2" link add eth1 type veth peer name pfa2 netns "$MSW"
ip -n "$MNAT" link add l0 type veth peer name pnat netns "$MSW"
ip -n "$MR" link add rfa1 type veth peer name u0 netns "$MFA1"
ip -n "$MR" link add rfa2 type veth peer name u0 netns "$MFA2"
ip -n "$MR" link add rnat type veth peer name u0 netns "$MNAT"
ip -n "$MMN" link add "$MIF" type veth peer name pmn netns "$MSW"
ip -n "$MR" link add r4 type veth peer name c4 netns "$MCN4"
ip -n "$MR" link add r6 type veth peer name c6 netns "$MCN6"
for pb in "pha home" "prh home" "pfa1 f1" "pfa2 f2" "pnat nat" "pmn home"; do
	read -r p b <<<"$pb"
	ip -n "$MSW" link set "$p" master "$b" up
done
for pair in "$MHA $HL" "$MR rh" "$MR rfa1" "$MR rfa2" "$MR rnat" "$MR r4" "$MR r6" "$MCN4 c4" \
	    "$MCN6 c6" "$MMN $MIF" "$MFA1 eth1" "$MFA1 u0" "$MFA2 eth1" "$MFA2 u0" "$MNAT l0" "$MNAT u0"; do
	read -r n dev <<<"$pair"
	ip -n "$n" link set "$dev" up
done
ip netns exec "$MCN4" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$MHA" addr add "$HA4/$HPL" dev "$HL"
ip -n "$MHA" addr add 2001:db8:46::1/64 dev "$HL" nodad
ip -n "$MHA" route add default via "$RTR4"
ip -n "$MHA" -6 route add default via 2001:db8:46::fe dev "$HL"
ip -n "$MR" addr add "$RTR4/$HPL" dev rh
ip -n "$MR" addr add 2001:db8:46::fe/64 dev rh nodad
ip -n "$MR" addr add 10.255.1.1/30 dev rfa1
ip -n "$MR" addr add 10.255.2.1/30 dev rfa2
ip -n "$MR" addr add 10.255.3.1/30 dev rnat
ip -n "$MR" route add 198.51.100.0/24 via 10.255.1.2
ip -n "$MR" route add 203.0.113.0/24 via 10.255.2.2
n=1
for fa in "$MFA1 198.51.100.1" "$MFA2 203.0.113.1"; do
	read -r ns a <<<"$fa"
	ip -n "$ns" addr add "$a/24" dev eth1
	ip -n "$ns" addr add "10.255.$n.2/30" dev u0
	ip -n "$ns" route add default via "10.255.$n.1"
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	n=$((n + 1))
done
ip -n "$MNAT" addr add 192.168.46.1/24 dev l0
ip -n "$MNAT" addr add 10.255.3.2/30 dev u0
ip -n "$MNAT" route add default via 10.255.3.1
ip netns exec "$MNAT" sysctl -qw net.ipv4.ip_forward=1
printf 'table ip nat {\n chain post { type nat hook postrouting priority srcnat; policy accept;\n  oifname "u0" masquerade\n }\n}\n' |
	ip netns exec "$MNAT" nft -f -
ip -n "$MR" addr add 198.18.1.1/24 dev r4
ip -n "$MR" addr add 2001:db8:60::1/64 dev r6 nodad
ip netns exec "$MR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$MCN4" addr add 198.18.1.2/24 dev c4
ip -n "$MCN4" route add default via 198.18.1.1
ip -n "$MCN6" addr add 2001:db8:60::2/64 dev c6 nodad
ip -n "$MCN6" -6 route add default via 2001:db8:60::1 dev c6
# the node's registered IPv6 prefixes are routed to the home agent
for p in $(sed -n '/ipv6\s*=/,/};/s/.*prefixes\s*=\s*\[\(.*\)\];.*/\1/p' examples/mnd.conf | tr -d '",'); do
	ip -n "$MR" -6 route add "$p" via 2001:db8:46::1 dev rh
done
for pair in "$MHA $HL" "$MR rh" "$MR r6" "$MCN6 c6"; do
	read -r n dev <<<"$pair"
	for _ in $(seq 50); do
		ip -n "$n" -6 addr show dev "$dev" scope link | grep -q fe80 && break
		sleep 0.1
	done
done
echo "$MHA: $HL $HA4/$HPL, 2001:db8:46::1   $MR: rh $RTR4, 2001:db8:46::fe"
echo "$MFA1: eth1 198.51.100.1 (foreign1, ds46-fad attaching IPv6)   $MFA2: eth1 203.0.113.1 (foreign2, plain agent)"
echo "$MNAT: l0 192.168.46.1 -> nftables masquerade out of u0 10.255.3.2"
echo "$MCN4: 198.18.1.2 (IPv4 only)   $MCN6: 2001:db8:60::2 (IPv6 only)   $MMN: $MIF, home address $HOA"

# mmn's link: home / f1 / f2 (foreign agents: no address of its own) / n
# (behind the NAT)
attach() {
	local place=$1 addr gw
	ip -n "$MMN" link set "$MIF" down
	ip -n "$MSW" link set pmn master "$place"
	ip -n "$MMN" -4 addr flush dev "$MIF"
	ip -n "$MMN" link set "$MIF" up
	case $place in
	home) addr=$HOA/$HPL gw=$RTR4 ;;
	f1|f2) echo "\$ ip link set $MIF master $place   # no address: the node listens for agents"
		return 0 ;;
	nat) addr=192.168.46.20/24 gw=192.168.46.1 ;;
	esac
	ip -n "$MMN" addr add "$addr" dev "$MIF"
	ip -n "$MMN" route replace default via "$gw"
	echo "\$ ip addr add $addr dev $MIF; ip route replace default via $gw   # on $place"
}
attach home

step "   ds46-had on mha with examples/had.conf, ds46-mnd on mmn with examples/mnd.conf"
sed -e "s|^\(\s*store\s*=\s*\)\"[^\"]*\"|\1\"$TMP/had.db\"|" \
    -e "s|^\(\s*control-socket\s*=\s*\)\"[^\"]*\"|\1\"$TMP/had.sock\"|" \
    examples/had.conf >"$TMP/had.conf"
diff -u examples/had.conf "$TMP/had.conf" | sed -n '/^[-+] /p' || true
"$B/ds46-had" -n -c "$TMP/had.conf"
ip netns exec "$MHA" "$B/ds46-had" -c "$TMP/had.conf" 2>"$TMP/had.log" &
HAPID=$!
wait_ready "$TMP/had.log" "$HAPID" ds46-had
sed -e "s|^\(\s*control-socket\s*=\s*\)\"[^\"]*\"|\1\"$TMP/mnd.sock\"|" \
    -e "s|^\(\s*state-file\s*=\s*\)\"[^\"]*\"|\1\"$TMP/mnd.state\"|" \
    examples/mnd.conf >"$TMP/mnd.conf"
diff -u examples/mnd.conf "$TMP/mnd.conf" | sed -n '/^[-+] /p' || true
"$B/ds46-mnd" -n -c "$TMP/mnd.conf"
ip netns exec "$MMN" "$B/ds46-mnd" -c "$TMP/mnd.conf" 2>"$TMP/mnd.log" &
MNPID=$!
wait_ready "$TMP/mnd.log" "$MNPID" ds46-mnd

fad_start() {     # fad_start NS ADDRESS IPV6-MODE NAME [SED]: ds46-fad with examples/fad.conf
	local ns=$1 a=$2 mode=$3 name=$4
	sed -e "s|^\(\s*control-socket\s*=\s*\)\"[^\"]*\"|\1\"$TMP/$name.sock\"|" \
	    -e "s|^\(\s*store\s*=\s*\)\"[^\"]*\"|\1\"$TMP/$name.db\"|" \
	    -e "s|198.51.100.1/24|$a/24|" -e "s|^\(\s*ipv6\s*=\s*\)\"[a-z]*\"|\1\"$mode\"|" \
	    -e "s|^\(\s*advertisement-interval\s*=\s*\)[0-9]*|\11|" \
	    -e "${5:-}" examples/fad.conf >"$TMP/$name.conf"
	diff -u examples/fad.conf "$TMP/$name.conf" | sed -n '/^[-+] /p' || true
	"$B/ds46-fad" -n -c "$TMP/$name.conf"
	ip netns exec "$ns" "$B/ds46-fad" -c "$TMP/$name.conf" 2>"$TMP/$name.log" &
}
step "   ds46-fad on mfa1 (ipv6 = attach) and mfa2 (ipv6 = ignore), examples/fad.conf"
fad_start "$MFA1" 198.51.100.1 attach fad1
FA1PID=$!
wait_ready "$TMP/fad1.log" "$FA1PID" ds46-fad
fad_start "$MFA2" 203.0.113.1 ignore fad2 '/spi = 4096/d'   # no FA-HA association
FA2PID=$!
wait_ready "$TMP/fad2.log" "$FA2PID" ds46-fad
hactl() { ip netns exec "$MHA" "$B/ds46ctl" -s "$TMP/had.sock" "$@"; }
mnctl() { ip netns exec "$MMN" "$B/ds46ctl" -s "$TMP/mnd.sock" "$@"; }
# mn_state STATE [COA]: until the node's registration is in STATE (at COA)
mn_state() {
	for _ in $(seq 150); do
		mnctl --json mobility 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin).get("registration", {})
st = str(r.get("state", "")).lower().replace("_", "-")
sys.exit(0 if st in sys.argv[1].split(",") and (len(sys.argv) < 3 or r.get("coa") == sys.argv[2]) else 1)' "$@" &&
			return 0
		sleep 0.1
	done
	echo "demo: ds46-mnd did not reach $*" >&2
	return 1
}
# the IPv6 home addresses (/128) the home agent holds for the node
home6() {
	hactl --json mobility | "$PY" -c '
import json, sys
for b in json.load(sys.stdin)["bindings"]:
    for p in b["prefixes"]:
        if p.endswith("/128"):
            print(p[:-4])' | sort -u
}
show_mobility() {
	echo "\$ ds46ctl -s had.sock mobility      # the home agent"
	hactl mobility || failed=1
	echo "\$ ds46ctl -s mnd.sock mobility      # the mobile node"
	mnctl mobility || failed=1
}
pings() {        # pings WHERE: CN4 -> IPv4 home address, CN6 -> IPv6 home addresses
	echo "\$ ping -c 3 $HOA      # from CN4 (IPv4 only)"
	ip netns exec "$MCN4" ping -n -c 3 -i 0.2 -W 2 "$HOA" || failed=1
	local a6 n=0
	for a6 in $(home6); do
		n=$((n + 1))
		echo "\$ ping -c 3 $a6      # from CN6 (IPv6 only)"
		ip netns exec "$MCN6" ping -n -c 3 -i 0.2 -W 2 "$a6" || failed=1
	done
	[ "$n" -gt 0 ] || { echo "demo: no IPv6 home address registered ($1)" >&2; failed=1; }
}

mn_state at-home || failed=1
show_mobility

step "   foreign1: ds46-fad advertises 198.51.100.1; the node registers through it (RFC 5944 2.4, 3.6),"
echo "   the agent attaches the IPv6 Tunneling Mode extension: code 1, native IPv6 on the link (seed 3.4)"
attach f1
mn_state registered,reregistering 198.51.100.1 || failed=1
grep -E 'agent|registered|accepted|prefix' "$TMP/mnd.log" | tail -n 4 | sed 's/^/   /' || true
show_mobility
echo "\$ ds46ctl -s fad1.sock visitors      # the foreign agent"
ip netns exec "$MFA1" "$B/ds46ctl" -s "$TMP/fad1.sock" visitors || failed=1
pings f1

step "   foreign2: a plain agent relays as is: code 0, IPv6 through the IPv4 home address"
attach f2
mn_state registered,reregistering 203.0.113.1 || failed=1
show_mobility
pings f2

step "   behind a NAT (nftables masquerade): co-located 192.168.46.20, RFC 3519 UDP tunnelling"
attach nat
mn_state registered,reregistering 192.168.46.20 || failed=1
show_mobility
pings nat

step "9. back home: deregistration (lifetime 0, RFC 5944 3.6.1.1), native delivery"
attach home
mn_state at-home || failed=1
show_mobility
echo "\$ ping -c 3 $HOA      # from CN4, now straight to the node on the home link"
ip netns exec "$MCN4" ping -n -c 3 -i 0.2 -W 2 "$HOA" || failed=1
echo "\$ ds46ctl -s had.sock stats   (counters that are 0 not shown)"
hactl stats | awk '$2 != 0' || failed=1

step "home agent log"
cat "$TMP/had.log"
step "mobile node log"
cat "$TMP/mnd.log"
step "foreign agent logs"
cat "$TMP/fad1.log" "$TMP/fad2.log"

if [ "$failed" -ne 0 ]; then
	echo; echo "demo: a step failed (see above)" >&2
	exit 1
fi
echo; echo "demo: done"
