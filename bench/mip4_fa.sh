#!/usr/bin/env bash
# ds46 foreign agent and NAT traversal benchmark (docs/bench.md, "Foreign
# agent and NAT traversal"; issue 5, "How fast").
#   sudo ./bench/mip4_fa.sh
#
#  CN fb-<pid>-cn         HA fb-<pid>-ha: router + ds46-had              FA1 fb-<pid>-fa1: ds46-fad
#  c0 198.51.100.2 ==veth== hc 198.51.100.1                              u0 10.3.1.2 ==veth== x1 10.3.1.1 (HA)
#                           h0 10.200.0.1/16 (home link, nobody there)   l0 10.4.1.1/24 on bridge br1
#                           x1 10.3.1.1, x2 10.3.2.1 (to FA1, FA2)       FA2 fb-<pid>-fa2: the same, 10.3.2.2,
#                           n1 10.1.0.1/24 on bridge brn1                   l0 10.4.2.1/24 on bridge br2
#                           n2 10.1.1.1/24 on bridge brn2
#                           hl 10.2.0.1 ==veth== LG fb-<pid>-lg l0 10.2.0.10 (loadgen, direct)
#  SW fb-<pid>-sw: bridges br1 br2 brn1 brn2; MN fb-<pid>-mn m0's peer pm is re-mastered between them
#  LGF fb-<pid>-lgf: l0 10.4.1.20 on br1 (loadgen through FA1; 10.200.0.0/16 local on lo)
#
# a. Handover time: ds46-mnd (agent discovery on, reverse tunnelling off)
#    moves between FA1's and FA2's links (m0 down, pm re-mastered, m0
#    flushed and up, as tests/net/mip4_topo.py attach does), MOVES times;
#    CN pings the home address 10.200.0.10 every 10 ms (ping -D); the
#    handover is the time from the link change (m0 down) to the first
#    echo reply after it, median of the moves, printed with the advertisement
#    interval (ADV_MS) of both agents.  Then the same between two
#    co-located networks (brn1 10.1.0.10, brn2 10.1.1.10: no agent, the care-of
#    address changes).
# b. Foreign agent relay rate: bench/mip4_loadgen --fa (NODES nodes, window
#    WINDOW, HMAC-MD5) from LGF through ds46-fad on FA1 to ds46-had,
#    against the same loadgen directly to ds46-had from LG, and against
#    bench/udp_echo in FA1 (the ceiling of a request/response server on
#    the visitor link), in the same run.
# c. UDP-encapsulated forwarding (RFC 3519): CN -> MN (co-located on brn1,
#    ds46-mnd udp-tunnel = "force", ds46-had nat-traversal on) with iperf3
#    TCP and UDP 64 B, against bench/tun_fwd in HA (MN reached natively,
#    as bench/mip4.sh b1).  Target: >= 90% of tun_fwd.
#
# Environment: BENCH_SECS=5 BENCH_RUNS=3 BENCH_MOVES=10 BENCH_ADV_MS=1000
#   BENCH_NODES=1000 BENCH_WINDOW=64 BENCH_PARTS="a b c"
#   DS46_BUILD=build  BENCH_SKIP_BUILD=1  BENCH_KEEP=1 (keep the temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BN=${DS46_BUILD:-build}
case $BN in /*) B=$BN ;; *) B=$ROOT/$BN ;; esac
SECS=${BENCH_SECS:-5}
RUNS=${BENCH_RUNS:-3}
MOVES=${BENCH_MOVES:-10}
ADV_MS=${BENCH_ADV_MS:-1000}
NODES=${BENCH_NODES:-1000}
WINDOW=${BENCH_WINDOW:-64}
PARTS=${BENCH_PARTS:-a b c}
part() { [[ " $PARTS " == *" $1 "* ]]; }
KEY=000102030405060708090a0b0c0d0e0f

if [ "$(id -u)" -ne 0 ]; then
	echo "mip4_fa bench: needs root (network namespaces): sudo $0" >&2
	exit 1
fi
TOOLS=(ds46-had ds46-fad ds46-mnd ds46ctl bench/mip4_loadgen bench/udp_echo bench/tun_fwd)
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
	command -v iperf3 >/dev/null || apt-get install -y -qq --no-install-recommends iperf3 >/dev/null
	make V="$BN" -j2 "${TOOLS[@]/#/$BN/}" >/dev/null
fi
for f in "${TOOLS[@]}"; do
	[ -x "$B/$f" ] || { echo "mip4_fa bench: missing $B/$f" >&2; exit 1; }
done
for c in iperf3 jq; do
	command -v $c >/dev/null || { echo "mip4_fa bench: no $c" >&2; exit 1; }
done

P=fb-$$
CN=$P-cn HA=$P-ha HM=$P-hm SW=$P-sw FA1=$P-fa1 FA2=$P-fa2 MN=$P-mn LG=$P-lg LGF=$P-lgf
ALL=("$CN" "$HA" "$HM" "$SW" "$FA1" "$FA2" "$MN" "$LG" "$LGF")
TMP=$(mktemp -d /var/tmp/ds46-mip4fa.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for ns in "${ALL[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "mip4_fa bench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- topology ------------------------------------------------------------------
for ns in "${ALL[@]}"; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip -n "$ns" link set lo up
done
for br in br1 br2 brn1 brn2; do
	ip -n "$SW" link add $br type bridge mcast_snooping 0 forward_delay 0
	ip -n "$SW" link set $br up
done
port() {       # port NS IFNAME SWPORT BRIDGE
	ip link add "$2" netns "$1" type veth peer name "$3" netns "$SW"
	ip -n "$SW" link set "$3" master "$4"
	ip -n "$SW" link set "$3" up
}
ip link add c0 netns "$CN" type veth peer name hc netns "$HA"
ip link add h0 netns "$HA" type veth peer name hm0 netns "$HM"
ip link add hl netns "$HA" type veth peer name l0 netns "$LG"
ip link add x1 netns "$HA" type veth peer name u0 netns "$FA1"
ip link add x2 netns "$HA" type veth peer name u0 netns "$FA2"
port "$HA" n1 pn1 brn1
port "$HA" n2 pn2 brn2
port "$FA1" l0 pf1 br1
port "$FA2" l0 pf2 br2
port "$LGF" l0 plg br1
port "$MN" m0 pm br1
ip -n "$CN" addr add 198.51.100.2/24 dev c0
ip -n "$HA" addr add 198.51.100.1/24 dev hc
ip -n "$HA" addr add 10.200.0.1/16 dev h0
ip -n "$HA" addr add 10.2.0.1/24 dev hl
ip -n "$HA" addr add 10.3.1.1/24 dev x1
ip -n "$HA" addr add 10.3.2.1/24 dev x2
ip -n "$HA" addr add 10.1.0.1/24 dev n1
ip -n "$HA" addr add 10.1.1.1/24 dev n2
ip -n "$LG" addr add 10.2.0.10/24 dev l0
ip -n "$FA1" addr add 10.3.1.2/24 dev u0
ip -n "$FA1" addr add 10.4.1.1/24 dev l0
ip -n "$FA2" addr add 10.3.2.2/24 dev u0
ip -n "$FA2" addr add 10.4.2.1/24 dev l0
ip -n "$LGF" addr add 10.4.1.20/24 dev l0
for l in "$CN c0" "$HA hc" "$HA h0" "$HM hm0" "$HA hl" "$LG l0" "$HA x1" "$HA x2" "$HA n1" \
	"$HA n2" "$FA1 u0" "$FA1 l0" "$FA2 u0" "$FA2 l0" "$LGF l0" "$MN m0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$CN" route add default via 198.51.100.1
ip -n "$LG" route add default via 10.2.0.1
ip -n "$FA1" route add default via 10.3.1.1
ip -n "$FA2" route add default via 10.3.2.1
ip -n "$HA" route add 10.4.1.0/24 via 10.3.1.2
ip -n "$HA" route add 10.4.2.0/24 via 10.3.2.2
ip -n "$LGF" route add default via 10.4.1.1
# the loadgen's nodes are answered at their home addresses (RFC 5944 3.7.2.3)
ip -n "$LGF" route add local 10.200.0.0/16 dev lo
for ns in "$HA" "$FA1" "$FA2"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
done

start_bg() {   # start_bg NS LOG CMD...: remember the PID (ip(8) execs into CMD)
	local ns=$1 log=$2; shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	BGPID=$!
	PIDS+=("$BGPID")
}
stop_bg() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
wait_for() {   # wait_for SECS DESCRIPTION CMD...
	local n=$(( $1 * 10 )) what=$2; shift 2
	while ((n-- > 0)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "mip4_fa bench: timed out waiting for $what" >&2
	return 1
}
wait_log() { grep -q "$2" "$1"; }
ctl() { local ns=$1 sock=$2; shift 2; ip netns exec "$ns" "$B/ds46ctl" -s "$sock" "$@"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }
ip4_add() {    # ip4_add A.B.C.D N -> the address N after it
	local IFS=. a b c d v
	read -r a b c d <<<"$1"
	v=$(( (a << 24) + (b << 16) + (c << 8) + d + $2 ))
	echo "$(( (v >> 24) & 255 )).$(( (v >> 16) & 255 )).$(( (v >> 8) & 255 )).$(( v & 255 ))"
}

# ---- configurations ----------------------------------------------------------------
# had_conf FILE NODES: the MN (10.200.0.10, SPI 256) and NODES load nodes
# 10.200.1.0 + i (SPI 1000 + i); any foreign agent; RFC 3519 on request
had_conf() {
	local i
	{
		cat <<EOF
# written by bench/mip4_fa.sh
ha = {
  address = "10.200.0.1";
  home-link = "h0";
  home-network = "10.200.0.0/16";
  max-lifetime = 3600;
  encapsulations = [ "ipip", "gre", "minimal" ];
  foreign-agent-policy = "any";
  nat-traversal = true;
  store = "$TMP/had-$RANDOM.db";
  control-socket = "$TMP/had.sock";
  log-level = "warning";
  nodes = (
    { name = "mn"; home-address = "10.200.0.10"; spi = 256; key-hex = "$KEY"; }
EOF
		for ((i = 0; i < $2; i++)); do
			printf '    ,{ name = "lg%d"; home-address = "%s"; spi = %d; key-hex = "%s"; }\n' \
				"$i" "$(ip4_add 10.200.1.0 "$i")" $((1000 + i)) "$KEY"
		done
		echo "  );"
		echo "};"
	} >"$1"
}
fad_conf() {   # fad_conf FILE N (FA1 or FA2)
	cat >"$1" <<EOF
# written by bench/mip4_fa.sh
fa = {
  interfaces = ( { name = "l0"; address = "10.4.$2.1/24"; } );
  advertisement-interval-ms = $ADV_MS;
  registration-lifetime = 3600;
  reverse-tunnel = "allowed";
  ipv6 = "ignore";
  max-pending = $(( WINDOW > 5 ? WINDOW * 2 : 10 ));
  max-visitors = $(( NODES + 16 ));
  ha-sas = ( );
  control-socket = "$TMP/fad$2.sock";
  store = "$TMP/fad$2.db";
  log-level = "warning";
};
EOF
}
mnd_conf() {   # mnd_conf FILE UDP-TUNNEL
	cat >"$1" <<EOF
# written by bench/mip4_fa.sh
mn = {
  home-address = "10.200.0.10";
  home-prefix-length = 16;
  home-agent = "10.200.0.1";
  spi = 256;
  key = "$KEY";
  lifetime = 3600;
  encapsulation = "ipip";
  reverse-tunnel = false;
  home-interface = "m0";
  tunnel-interface = "mip0";
  control-socket = "$TMP/mnd.sock";
  state-file = "$TMP/mnd.state";
  log-level = "warning";
  agent-discovery = true;
  udp-tunnel = "$2";
};
EOF
}
had_up() {     # had_up NODES
	had_conf "$TMP/had.conf" "$1"
	start_bg "$HA" "$TMP/had.log" "$B/ds46-had" -c "$TMP/had.conf"
	HAD_PID=$BGPID
	wait_for 60 "ds46-had ready" ctl "$HA" "$TMP/had.sock" ping
}
fad_up() {     # fad_up N -> FAD_PID
	local ns=$FA1; [ "$1" = 2 ] && ns=$FA2
	fad_conf "$TMP/fad$1.conf" "$1"
	start_bg "$ns" "$TMP/fad$1.log" "$B/ds46-fad" -c "$TMP/fad$1.conf"
	FAD_PID=$BGPID
	wait_for 30 "ds46-fad $1 ready" ctl "$ns" "$TMP/fad$1.sock" ping
}
mnd_up() {     # mnd_up UDP-TUNNEL
	mnd_conf "$TMP/mnd.conf" "$1"
	start_bg "$MN" "$TMP/mnd-$1.log" "$B/ds46-mnd" -c "$TMP/mnd.conf"
	MND_PID=$BGPID
	wait_for 30 "ds46-mnd ready" ctl "$MN" "$TMP/mnd.sock" ping
}
# move PLACE: the MN's link to br1 / br2 (a foreign agent's: no address of
# its own) or brn1 / brn2 (co-located 10.1.0.10 / 10.1.1.10); prints the time
# of the link change (unix seconds, once m0 is down)
move() {
	local t
	ip -n "$MN" link set m0 down
	t=$(date +%s.%N)     # nothing passes the old link after this
	ip -n "$SW" link set pm master "$1"
	ip -n "$MN" -4 addr flush dev m0
	ip -n "$MN" -4 route flush dev m0
	ip -n "$MN" neigh flush dev m0
	ip -n "$MN" link set m0 up
	case $1 in
	brn1) ip -n "$MN" addr add 10.1.0.10/24 dev m0
	     ip -n "$MN" route replace default via 10.1.0.1 ;;
	brn2) ip -n "$MN" addr add 10.1.1.10/24 dev m0
	     ip -n "$MN" route replace default via 10.1.1.1 ;;
	esac
	echo "$t"
}
cn_ping() { ip netns exec "$CN" ping -c1 -W1 10.200.0.10; }

echo "ds46 foreign agent / NAT traversal benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  kernel $(uname -r)"
echo "  $RUNS runs of ${SECS}s per rate figure, $MOVES moves per handover figure, medians; build $BN"
declare -A REG TCP PPS LOSS HO

# ---- b. relay rate ---------------------------------------------------------------
# loadgen NAME NS ARGS...: RUNS runs, median answers/s into REG[NAME]
loadgen() {
	local name=$1 ns=$2 k line v=(); shift 2
	for k in $(seq "$RUNS"); do
		line=$(ip netns exec "$ns" "$B/bench/mip4_loadgen" -H 10.200.1.0 -n "$NODES" -S 1000 \
			--spi-step -k "$KEY" -w "$WINDOW" -d "$SECS" "$@") || true
		echo "    $line"
		v+=("$(sed -n 's/.*: \([0-9]*\) answers\/s.*/\1/p' <<<"$line")")
	done
	REG[$name]=$(median "${v[@]:-0}")
	printf '  %-30s %9.0f per second (median)\n' "$name" "${REG[$name]:-0}"
}
if part b; then
echo
echo "== b. Registration Requests with HMAC-MD5: $NODES nodes, window $WINDOW"
start_bg "$FA1" "$TMP/udp_echo.log" "$B/bench/udp_echo" 10.4.1.1 4434
ECHO_PID=$BGPID
wait_for 10 "udp_echo" wait_log "$TMP/udp_echo.log" '^ready:'
loadgen echo-visitor-link "$LGF" -a 10.4.1.1 -c 10.4.1.20 -p 4434 --echo
stop_bg "$ECHO_PID"
had_up "$NODES"
loadgen direct-to-had "$LG" -a 10.200.0.1 -c 10.2.0.10
fad_up 1
loadgen through-fad "$LGF" -a 10.200.0.1 --fa 10.4.1.1
ctl "$FA1" "$TMP/fad1.sock" --json stats >"$TMP/fad-b.stats.json" || true
echo "  (fad: $(jq -r '.stats | "rx_requests \(.rx_requests), relayed \(.tx_requests_relayed), fa_tx_to_mn \(.fa_tx_to_mn), visitors \(.visitors), pending \(.pending)"' "$TMP/fad-b.stats.json" 2>/dev/null || echo "no stats"))"
stop_bg "$FAD_PID"
stop_bg "$HAD_PID"
fi

# ---- c. RFC 3519 forwarding -----------------------------------------------------
udp_received() {
	awk '/receiver/ {
		split($3, iv, "-"); secs = iv[2] - iv[1]
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, lt, "/"); lost = lt[1]; tot = lt[2] }
	}
	END { if (secs > 0 && tot > 0) printf "%.0f %.2f\n", (tot - lost) / secs, 100 * lost / tot; else print "0 100" }'
}
measure() {    # measure NAME: RUNS x (TCP, UDP 64 B) from CN to the home address
	local name=$1 k out tcp=() pps=() loss=() p l
	for k in $(seq "$RUNS"); do
		out=$TMP/$name-tcp-$k.json
		ip netns exec "$CN" timeout $((SECS + 20)) iperf3 -c 10.200.0.10 -p 5201 -t "$SECS" -J >"$out" ||
			{ echo "mip4_fa bench: iperf3 TCP failed ($name)" >&2; tail -3 "$out" >&2; return 1; }
		tcp+=("$(jq '.end.sum_received.bits_per_second / 1e9' "$out")")
		out=$TMP/$name-udp-$k.json
		ip netns exec "$CN" timeout $((SECS + 20)) iperf3 -c 10.200.0.10 -p 5201 -u -l 64 -b 0 \
			-t "$SECS" -J --get-server-output >"$out" ||
			{ echo "mip4_fa bench: iperf3 UDP failed ($name)" >&2; tail -3 "$out" >&2; return 1; }
		read -r p l < <(jq -r '.server_output_text' "$out" | udp_received)
		pps+=("$p")
		loss+=("$l")
	done
	TCP[$name]=$(median "${tcp[@]}")
	PPS[$name]=$(median "${pps[@]}")
	LOSS[$name]=$(median "${loss[@]}")
	printf '  %-24s TCP %6.2f Gbit/s   UDP 64 B %9.0f pps received (loss %5.1f%%)   runs: TCP %s; pps %s\n' \
		"$name" "${TCP[$name]}" "${PPS[$name]}" "${LOSS[$name]}" "${tcp[*]}" "${pps[*]}"
}
C_OK=
if part c; then
echo
echo "== c. forwarding CN -> MN: bench/tun_fwd (native) vs ds46 with RFC 3519 UDP tunnelling (udp-tunnel force)"
ip netns exec "$MN" sysctl -qw net.ipv4.ip_nonlocal_bind=1
start_bg "$MN" "$TMP/iperf3-server.log" iperf3 -s -B 10.200.0.10 -p 5201
IPERF_PID=$BGPID
wait_for 10 "iperf3 -s" ip netns exec "$MN" sh -c "ss -ltn | grep -q ':5201'"
move brn1 >/dev/null
ip -n "$MN" addr add 10.200.0.10/32 dev lo
start_bg "$HA" "$TMP/tun_fwd.log" "$B/bench/tun_fwd" -a fa -b fb -d 3600
FWD_PID=$BGPID
wait_for 10 "tun_fwd" wait_log "$TMP/tun_fwd.log" '^ready:'
for d in fa fb; do
	ip -n "$HA" link set $d up
	ip netns exec "$HA" sysctl -qw net.ipv4.conf.$d.rp_filter=0
done
ip -n "$HA" route add 10.200.0.10/32 via 10.1.0.10 dev n1 table 102
ip -n "$HA" route add 10.200.0.10/32 dev fa table 100
ip -n "$HA" route add 198.51.100.0/24 dev fb table 101
ip -n "$HA" route add 198.51.100.0/24 dev hc table 103
ip -n "$HA" rule add iif hc lookup 100 pref 100
ip -n "$HA" rule add iif fb lookup 102 pref 102
ip -n "$HA" rule add iif n1 lookup 101 pref 101
ip -n "$HA" rule add iif fa lookup 103 pref 103
wait_for 10 "ping CN->MN through tun_fwd" cn_ping
measure tun_fwd
stop_bg "$FWD_PID"
for p in 100 101 102 103; do ip -n "$HA" rule del pref $p; done
ip -n "$MN" addr del 10.200.0.10/32 dev lo
had_up 0
mnd_up force
if wait_for 30 "a binding at the HA" sh -c "ip netns exec $HA $B/ds46ctl -s $TMP/had.sock --json mobility | jq -e '.bindings | length == 1'" &&
	wait_for 10 "ping CN->MN through the HA (UDP tunnel)" cn_ping; then
	ctl "$HA" "$TMP/had.sock" mobility | sed 's/^/  /'
	if measure ds46-udptun; then C_OK=1; fi
	ctl "$HA" "$TMP/had.sock" --json stats >"$TMP/had-c.stats.json" || true
	echo "  (had: $(jq -c '.stats | with_entries(select(.key | test("udptun"))) ' "$TMP/had-c.stats.json" 2>/dev/null))"
else
	echo "  ds46 with udp-tunnel = force: no working path (see $TMP/mnd-force.log, $TMP/had.log); part c not measured"
	tail -5 "$TMP/mnd-force.log" "$TMP/had.log" 2>/dev/null | sed 's/^/    /'
fi
stop_bg "$MND_PID"
stop_bg "$HAD_PID"
stop_bg "$IPERF_PID"
fi

# ---- a. handover -----------------------------------------------------------------
# handover NAME PLACE1 PLACE2: MOVES moves alternating between the places
# (the MN starts on PLACE1, registered), ping -D from CN every 10 ms
handover() {
	local name=$1 a=$2 b=$3 k to t0 ms v=() log=$TMP/ping-$2-$3.log
	move "$a" >/dev/null
	wait_for 60 "the MN registered ($name)" cn_ping || return 1
	ip netns exec "$CN" ping -D -n -i 0.01 -W 1 10.200.0.10 >"$log" 2>&1 &
	local ping_pid=$!
	PIDS+=("$ping_pid")
	sleep 1
	for k in $(seq "$MOVES"); do
		to=$b; ((k % 2 == 0)) && to=$a
		t0=$(move "$to")
		# a reply after the move, then let it settle
		if ! wait_for 60 "a reply after move $k ($name)" sh -c \
			"awk -v t=$t0 -F'[][]' '/bytes from/ && \$2 > t { f = 1 } END { exit !f }' '$log'"; then
			break
		fi
		ms=$(awk -v t="$t0" -F'[][]' '/bytes from/ && $2 > t { printf "%.0f\n", ($2 - t) * 1000; exit }' "$log")
		v+=("$ms")
		sleep 1
	done
	stop_bg "$ping_pid"
	HO[$name]=$(median "${v[@]:-0}")
	printf '  %-30s median %6s ms over %d moves (each: %s)\n' "$name" "${HO[$name]}" "${#v[@]}" "${v[*]}"
}
if part a; then
echo
echo "== a. handover: link change -> first echo reply from the home address (CN pings every 10 ms)"
had_up 0
fad_up 1
FAD1_PID=$FAD_PID
fad_up 2
FAD2_PID=$FAD_PID
mnd_up auto
handover "fa1<->fa2 adv ${ADV_MS}ms" br1 br2 || echo "  foreign agent handover failed (see $TMP/mnd-auto.log)"
ctl "$FA2" "$TMP/fad2.sock" visitors | sed 's/^/  fa2: /' || true
handover "co-located brn1<->brn2" brn1 brn2 || echo "  co-located handover failed (see $TMP/mnd-auto.log)"
stop_bg "$MND_PID"
stop_bg "$FAD1_PID"
stop_bg "$FAD2_PID"
stop_bg "$HAD_PID"
fi

# ---- summary --------------------------------------------------------------------------
echo
echo "== summary ($(date -u +%Y-%m-%d), medians)"
if part a; then
	for n in "${!HO[@]}"; do
		printf '  handover %-30s %6s ms\n' "$n" "${HO[$n]}"
	done
fi
if part b; then
	echo "  relay rate: through ds46-fad ${REG[through-fad]:-0}/s; directly to ds46-had ${REG[direct-to-had]:-0}/s" \
		"($(pct "${REG[through-fad]:-0}" "${REG[direct-to-had]:-0}") of it); udp_echo on the visitor link" \
		"${REG[echo-visitor-link]:-0}/s ($(pct "${REG[through-fad]:-0}" "${REG[echo-visitor-link]:-0}") of it)"
fi
if part c; then
	if [ -n "$C_OK" ]; then
		echo "  RFC 3519 UDP tunnel / tun_fwd: TCP $(pct "${TCP[ds46-udptun]}" "${TCP[tun_fwd]}")," \
			"UDP 64 B pps $(pct "${PPS[ds46-udptun]}" "${PPS[tun_fwd]}") (target >= 90%)"
	else
		echo "  RFC 3519 UDP tunnel: not measured (no working path); tun_fwd TCP ${TCP[tun_fwd]:-?} Gbit/s"
	fi
fi
