#!/usr/bin/env bash
# ds46 Mobile IPv4 benchmark (docs/bench.md, "Mobile IPv4").
#   sudo ./bench/mip4.sh
#
#  +-- CN: mb-<pid>-cn --+      +------------------- HA: mb-<pid>-ha --------------------+      +-- MN: mb-<pid>-mn ----+
#  | iperf3 -c           |      | router + home agent (ip_forward), ds46-had             |      | ds46-mnd (mip0 TUN)   |
#  | c0 198.51.100.2/24  |=veth=| hc 198.51.100.1/24, 2001:db8:60::1/64                  |      | home 10.200.0.10,     |
#  |    2001:db8:60::2/64|      | h0 10.200.0.1/16, 2001:db8:46::1/64 (home link: veth   |      |  2001:db8:47::/64     |
#  +---------------------+      |    to mb-<pid>-hm, nobody there)                        |      | iperf3 -s             |
#                               | hf 10.1.0.1/24 ===================================veth=== m0 10.1.0.10/24 (CoA) |
#                               | hl 10.2.0.1/24 ====veth==== LG: mb-<pid>-lg l0 10.2.0.10 +      +-----------------------+
#                               +--------------------------------------------------------+
#                                    LG: bench/mip4_loadgen (registrations), the client of udp_echo
#
# a. Registrations per second (RFC 5944 3.8 with HMAC-MD5): bench/mip4_loadgen
#    in LG, NODES mobile nodes (home addresses 10.200.1.0 ..., one SPI each),
#    a window of WINDOW requests in flight, against ds46-had: requests
#    without IPv6 extensions, then with two IPv6 Prefix Requests and the
#    Tunneling Mode extension (RFC 5454 2.1, 2.3); the ceiling is the same
#    requests against bench/udp_echo in HA (a plain UDP request/echo server,
#    one thread, batched).  Target: >= 50% of the ceiling.
# b. Forwarding CN -> MN through the home agent (iperf3 TCP, and UDP 64-byte
#    datagrams/s received), against bench/tun_fwd (the minimal TUN forwarder
#    of bench/tunnel.sh) in the HA namespace: CN's traffic for the home
#    address is policy-routed into TUN fa, tun_fwd writes it into fb, the
#    kernel forwards it to the MN natively (no tunnel), and back.  ds46:
#    IPv4 to the home address (IP in IP to the CoA), IPv6 to 2001:db8:47::1
#    with the Tunneling Mode extension (6in4 to the CoA) and without it
#    (double encapsulation: 6in4 to the home address inside IP in IP).
#    Target: >= 90% of tun_fwd.
# c. Memory per binding: ds46-had's VmRSS with NODES bindings (the
#    registrations of a.) minus VmRSS with none, per binding; and the same
#    with MEM_NODES nodes registered once (MEM_PREFIXES=1: each with two
#    IPv6 prefixes; the home network grows to a /14 beyond 65,000 nodes).
#
# Each figure is the median of BENCH_RUNS (3) runs of BENCH_SECS (5) s.
# Environment: BENCH_SECS=5 BENCH_RUNS=3 BENCH_NODES=1000 BENCH_WINDOW=64
#   BENCH_PARTS="a b c" (which parts to run)
#   BENCH_MEM_NODES=100000 BENCH_MEM_PREFIXES=0 (HA_CFG_MAX_NODES is 1,048,576;
#   loading 100,000 nodes takes minutes: cfgparse_check_int scans the file per
#   integer, see docs/bench.md)
#   BENCH_BASE=<build dir>: a. also measures that build's ds46-had (before/after
#   in one run)
#   DS46_BUILD=build  BENCH_SKIP_BUILD=1  BENCH_KEEP=1 (keep the temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BN=${DS46_BUILD:-build}
case $BN in /*) B=$BN ;; *) B=$ROOT/$BN ;; esac
SECS=${BENCH_SECS:-5}
RUNS=${BENCH_RUNS:-3}
NODES=${BENCH_NODES:-1000}
WINDOW=${BENCH_WINDOW:-64}
MEM_NODES=${BENCH_MEM_NODES:-100000}
MEM_PREFIXES=${BENCH_MEM_PREFIXES:-0}
BASE=${BENCH_BASE:-}
case $BASE in ''|/*) ;; *) BASE=$ROOT/$BASE ;; esac
PARTS=${BENCH_PARTS:-a b c}
part() { [[ " $PARTS " == *" $1 "* ]]; }
KEY=000102030405060708090a0b0c0d0e0f

if [ "$(id -u)" -ne 0 ]; then
	echo "mip4 bench: needs root (network namespaces): sudo $0" >&2
	exit 1
fi
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
	command -v iperf3 >/dev/null || apt-get install -y -qq --no-install-recommends iperf3 >/dev/null
	targets=("$BN/ds46-had" "$BN/ds46ctl" "$BN/bench/mip4_loadgen" "$BN/bench/udp_echo")
	part b && targets+=("$BN/ds46-mnd" "$BN/bench/tun_fwd")
	make V="$BN" -j2 "${targets[@]}" >/dev/null
fi
for f in "$B/ds46-had" "$B/ds46ctl" "$B/bench/mip4_loadgen" "$B/bench/udp_echo"; do
	[ -x "$f" ] || { echo "mip4 bench: missing $f" >&2; exit 1; }
done
if part b; then
	for f in "$B/ds46-mnd" "$B/bench/tun_fwd"; do
		[ -x "$f" ] || { echo "mip4 bench: missing $f" >&2; exit 1; }
	done
fi
[ -z "$BASE" ] || [ -x "$BASE/ds46-had" ] || { echo "mip4 bench: missing $BASE/ds46-had" >&2; exit 1; }
for c in iperf3 jq; do
	command -v $c >/dev/null || { echo "mip4 bench: no $c" >&2; exit 1; }
done

CN=mb-$$-cn HA=mb-$$-ha HM=mb-$$-hm MN=mb-$$-mn LG=mb-$$-lg
TMP=$(mktemp -d /var/tmp/ds46-mip4.XXXXXX)
PIDS=()
SHM=

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for ns in "$CN" "$HA" "$HM" "$MN" "$LG"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	[ -z "$SHM" ] || rm -rf "$SHM"
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "mip4 bench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- topology ------------------------------------------------------------------
for ns in "$CN" "$HA" "$HM" "$MN" "$LG"; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip -n "$ns" link set lo up
done
ip link add c0 netns "$CN" type veth peer name hc netns "$HA"
ip link add h0 netns "$HA" type veth peer name hm0 netns "$HM"
ip link add hf netns "$HA" type veth peer name m0 netns "$MN"
ip link add hl netns "$HA" type veth peer name l0 netns "$LG"
ip -n "$CN" addr add 198.51.100.2/24 dev c0
ip -n "$CN" addr add 2001:db8:60::2/64 dev c0 nodad
ip -n "$HA" addr add 198.51.100.1/24 dev hc
ip -n "$HA" addr add 2001:db8:60::1/64 dev hc nodad
ip -n "$HA" addr add 10.200.0.1/16 dev h0
ip -n "$HA" addr add 2001:db8:46::1/64 dev h0 nodad
ip -n "$HA" addr add 10.1.0.1/24 dev hf
ip -n "$HA" addr add 10.2.0.1/24 dev hl
ip -n "$MN" addr add 10.1.0.10/24 dev m0
ip -n "$LG" addr add 10.2.0.10/24 dev l0
for l in "$CN c0" "$HA hc" "$HA h0" "$HM hm0" "$HA hf" "$HA hl" "$MN m0" "$LG l0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$CN" route add default via 198.51.100.1
ip -n "$CN" -6 route add default via 2001:db8:60::1 dev c0
ip -n "$MN" route add default via 10.1.0.1
ip -n "$LG" route add default via 10.2.0.1
ip netns exec "$HA" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
for _ in $(seq 50); do
	ip -n "$HA" -6 addr show dev h0 scope link | grep -q fe80 &&
		ip -n "$CN" -6 addr show dev c0 scope link | grep -q fe80 && break
	sleep 0.1
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
	echo "mip4 bench: timed out waiting for $what" >&2
	return 1
}
wait_log() { grep -q "$2" "$1"; }
# the home agent at log-level warning prints no ready line: ask its control socket
had_ready() { ip netns exec "$HA" "$B/ds46ctl" -s "$TMP/had.sock" ping; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# ---- configurations ----------------------------------------------------------------
ip4_add() {    # ip4_add A.B.C.D N -> the address N after it
	local IFS=. a b c d v
	read -r a b c d <<<"$1"
	v=$(( (a << 24) + (b << 16) + (c << 8) + d + $2 ))
	echo "$(( (v >> 24) & 255 )).$(( (v >> 16) & 255 )).$(( (v >> 8) & 255 )).$(( v & 255 ))"
}

# had_conf FILE STORE NODES: the MN (10.200.0.10, SPI 256) and NODES load
# nodes 10.200.1.0 + i (SPI 1000 + i, prefixes 2001:db8:1:i::/64, 2001:db8:2:i::/64)
had_conf() {
	local file=$1 store=$2 n=$3 i
	{
		cat <<EOF
# written by bench/mip4.sh
ha = {
  address = "10.200.0.1";
  home-link = "h0";
  home-network = "10.200.0.0/16";
  home-prefixes = [ "2001:db8:46::/64" ];
  max-lifetime = 3600;
  encapsulations = [ "ipip", "gre", "minimal" ];
  ipv6 = true;
  tunnel-mode = true;
  store = "$store";
  control-socket = "$TMP/had.sock";
  log-level = "warning";
  nodes = (
    { name = "mn"; home-address = "10.200.0.10"; spi = 256; key-hex = "$KEY";
      prefixes = [ "2001:db8:47::/64" ]; }
EOF
		for ((i = 0; i < n; i++)); do
			printf '    ,{ name = "lg%d"; home-address = "%s"; spi = %d; key-hex = "%s";\n' \
				"$i" "$(ip4_add 10.200.1.0 "$i")" $((1000 + i)) "$KEY"
			printf '       prefixes = [ "2001:db8:1:%x::/64", "2001:db8:2:%x::/64" ]; }\n' "$i" "$i"
		done
		echo "  );"
		echo "};"
	} >"$file"
}
# had_conf_big FILE STORE NODES PREFIXES: had_conf for many nodes (awk, not a
# shell loop), without the IPv6 prefixes unless PREFIXES is 1
had_conf_big() {
	local net=10.200.0.0/16
	(( $3 > 65000 )) && net=10.200.0.0/14
	awk -v n="$3" -v key="$KEY" -v pfx="$4" -v store="$2" -v sock="$TMP/had.sock" -v net="$net" '
	BEGIN {
		printf "# written by bench/mip4.sh\nha = {\n  address = \"10.200.0.1\";\n  home-link = \"h0\";\n"
		printf "  home-network = \"%s\";\n  home-prefixes = [ \"2001:db8:46::/64\" ];\n", net
		printf "  max-lifetime = 3600;\n  encapsulations = [ \"ipip\", \"gre\", \"minimal\" ];\n"
		printf "  ipv6 = true;\n  tunnel-mode = true;\n  store = \"%s\";\n  control-socket = \"%s\";\n", store, sock
		printf "  log-level = \"warning\";\n  nodes = (\n"
		printf "    { name = \"mn\"; home-address = \"10.200.0.10\"; spi = 256; key-hex = \"%s\";\n", key
		printf "      prefixes = [ \"2001:db8:47::/64\" ]; }\n"
		base = 10 * 16777216 + 200 * 65536 + 256
		for (i = 0; i < n; i++) {
			v = base + i
			printf "    ,{ name = \"lg%d\"; home-address = \"%d.%d.%d.%d\"; spi = %d; key-hex = \"%s\";",
				i, int(v / 16777216) % 256, int(v / 65536) % 256, int(v / 256) % 256, v % 256,
				1000 + i, key
			if (pfx == 1)
				printf "\n       prefixes = [ \"2001:db8:1:%x::/64\", \"2001:db8:2:%x::/64\" ]; }\n", i, i
			else
				printf " }\n"
		}
		printf "  );\n};\n"
	}' >"$1"
}
mnd_conf() {   # mnd_conf FILE TUNNEL-MODE
	cat >"$1" <<EOF
# written by bench/mip4.sh
mn = {
  home-address = "10.200.0.10";
  home-prefix-length = 16;
  home-agent = "10.200.0.1";
  spi = 256;
  key = "$KEY";
  lifetime = 3600;
  encapsulation = "ipip";
  reverse-tunnel = true;
  home-interface = "m0";
  tunnel-interface = "mip0";
  control-socket = "$TMP/mnd.sock";
  state-file = "$TMP/mnd.state";
  log-level = "warning";
  ipv6 = { prefixes = [ "2001:db8:47::/64" ]; tunnel-mode = $2; };
};
EOF
}

declare -A TCP PPS LOSS RAW REG

udp_received() {
	awk '/receiver/ {
		split($3, iv, "-"); secs = iv[2] - iv[1]
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, lt, "/"); lost = lt[1]; tot = lt[2] }
	}
	END { if (secs > 0 && tot > 0) printf "%.0f %.2f\n", (tot - lost) / secs, 100 * lost / tot; else print "0 100" }'
}

# measure NAME DST PORT: RUNS x (TCP, UDP 64 B) from CN to DST:PORT
measure() {
	local name=$1 dst=$2 port=$3 k out tcp=() pps=() loss=()
	for k in $(seq "$RUNS"); do
		out=$TMP/$name-tcp-$k.json
		ip netns exec "$CN" timeout $((SECS + 20)) iperf3 -c "$dst" -p "$port" -t "$SECS" -J >"$out" ||
			{ echo "mip4 bench: iperf3 TCP failed ($name):" >&2; tail -5 "$out" >&2; return 1; }
		tcp+=("$(jq '.end.sum_received.bits_per_second / 1e9' "$out")")
		out=$TMP/$name-udp-$k.json
		ip netns exec "$CN" timeout $((SECS + 20)) iperf3 -c "$dst" -p "$port" -u -l 64 -b 0 -t "$SECS" \
			-J --get-server-output >"$out" ||
			{ echo "mip4 bench: iperf3 UDP failed ($name):" >&2; tail -5 "$out" >&2; return 1; }
		read -r p l < <(jq -r '.server_output_text' "$out" | udp_received)
		pps+=("$p")
		loss+=("$l")
	done
	TCP[$name]=$(median "${tcp[@]}")
	PPS[$name]=$(median "${pps[@]}")
	LOSS[$name]=$(median "${loss[@]}")
	RAW[$name]="TCP Gbit/s: ${tcp[*]}; UDP received pps: ${pps[*]}; loss %: ${loss[*]}"
	printf '  %-30s TCP %6.2f Gbit/s   UDP 64 B %9.0f pps received (loss %5.1f%%)\n' \
		"$name" "${TCP[$name]}" "${PPS[$name]}" "${LOSS[$name]}"
	printf '  %-30s runs: %s\n' "" "${RAW[$name]}"
}

# loadgen NAME ARGS...: RUNS runs, median answers/s into REG[NAME]
loadgen() {
	local name=$1 k line v=(); shift
	for k in $(seq "$RUNS"); do
		line=$(ip netns exec "$LG" "$B/bench/mip4_loadgen" -c 10.2.0.10 -H 10.200.1.0 \
			-n "$NODES" -S 1000 --spi-step -k "$KEY" -w "$WINDOW" -d "$SECS" "$@")
		echo "    $line"
		v+=("$(sed -n 's/.*: \([0-9]*\) answers\/s.*/\1/p' <<<"$line")")
	done
	REG[$name]=$(median "${v[@]}")
	printf '  %-30s %9.0f per second (median)\n' "$name" "${REG[$name]}"
}

echo "ds46 Mobile IPv4 benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  kernel $(uname -r)"
echo "  $(iperf3 -v | awk 'NR == 1'); $RUNS runs of ${SECS}s per figure, medians; build $BN"

# ---- a. registrations per second ----------------------------------------------------
if part a; then
echo
echo "== a. Registration Requests with HMAC-MD5: $NODES nodes, window $WINDOW"
start_bg "$HA" "$TMP/udp_echo.log" "$B/bench/udp_echo" 10.2.0.1 4434
ECHO_PID=$BGPID
wait_for 10 "udp_echo" wait_log "$TMP/udp_echo.log" '^ready:'
loadgen echo -a 10.2.0.1 -p 4434 --echo
loadgen echo-2prefixes -a 10.2.0.1 -p 4434 --echo -P 2
stop_bg "$ECHO_PID"

had_conf "$TMP/had.conf" "$TMP/had.db" "$NODES"
"$B/ds46-had" -n -c "$TMP/had.conf" >/dev/null
start_bg "$HA" "$TMP/had.log" "$B/ds46-had" -c "$TMP/had.conf"
HAD_PID=$BGPID
wait_for 60 "ds46-had ready" had_ready
sleep 0.5
RSS0=$(rss_kib "$HAD_PID")
loadgen registration -a 10.200.0.1
NB1=$(ip netns exec "$HA" "$B/ds46ctl" -s "$TMP/had.sock" --json mobility | jq '.bindings | length')
RSS1=$(rss_kib "$HAD_PID")
loadgen registration-2prefixes -a 10.200.0.1 -P 2
ip netns exec "$HA" "$B/ds46ctl" -s "$TMP/had.sock" --json stats >"$TMP/had-a.stats.json"
stop_bg "$HAD_PID"
# the same with the store in memory (tmpfs): what the registration path costs
# without the disk's synchronous commits
SHM=$(mktemp -d /dev/shm/ds46-mip4.XXXXXX)
had_conf "$TMP/had-shm.conf" "$SHM/had.db" "$NODES"
start_bg "$HA" "$TMP/had-shm.log" "$B/ds46-had" -c "$TMP/had-shm.conf"
HAD_PID=$BGPID
wait_for 60 "ds46-had ready" had_ready
loadgen registration-tmpfs -a 10.200.0.1
loadgen registration-tmpfs-2prefixes -a 10.200.0.1 -P 2
stop_bg "$HAD_PID"
if [ -n "$BASE" ]; then
	# the same two stores with the other build (before/after in one run)
	echo "  -- $BASE/ds46-had"
	for st in ext4 tmpfs; do
		d=$TMP; [ $st = tmpfs ] && d=$SHM
		rm -f "$d"/had-base.db*
		had_conf "$TMP/had-base.conf" "$d/had-base.db" "$NODES"
		start_bg "$HA" "$TMP/had-base-$st.log" "$BASE/ds46-had" -c "$TMP/had-base.conf"
		HAD_PID=$BGPID
		wait_for 60 "base ds46-had ready" had_ready
		loadgen base-$st -a 10.200.0.1
		loadgen base-$st-2prefixes -a 10.200.0.1 -P 2
		stop_bg "$HAD_PID"
	done
fi
rm -rf "$SHM"
SHM=
echo "  (had: $(jq -r '.stats | "rx_requests \(.rx_requests), reply_accepted \(.reply_accepted), reply_id_mismatch \(.reply_id_mismatch), prefix_accepted_coa \(.prefix_accepted_coa)"' "$TMP/had-a.stats.json"))"
echo "  ds46-had VmRSS: $RSS0 KiB with 0 bindings, $RSS1 KiB with $NB1 bindings:" \
	"$(( (RSS1 - RSS0) * 1024 / (NB1 > 0 ? NB1 : 1) )) bytes per binding"
fi

# ---- c. memory at MEM_NODES --------------------------------------------------------
if part c; then
echo
P2=(); [ "$MEM_PREFIXES" = 1 ] && P2=(-P 2)
echo "== c. memory: $MEM_NODES bindings registered ($([ "$MEM_PREFIXES" = 1 ] && echo "two IPv6 prefixes each" || echo "IPv4 only"))"
had_conf_big "$TMP/had-mem.conf" "$TMP/had-mem.db" "$MEM_NODES" "$MEM_PREFIXES"
T0=$(date +%s)
start_bg "$HA" "$TMP/had-mem.log" "$B/ds46-had" -c "$TMP/had-mem.conf"
HAD_PID=$BGPID
wait_for 1800 "ds46-had ready" had_ready
echo "  ds46-had up with $((MEM_NODES + 1)) nodes after $(( $(date +%s) - T0 )) s (configuration load)"
sleep 0.5
M0=$(rss_kib "$HAD_PID")
ip netns exec "$LG" "$B/bench/mip4_loadgen" -a 10.200.0.1 -c 10.2.0.10 -H 10.200.1.0 \
	-n "$MEM_NODES" -S 1000 --spi-step -k "$KEY" -w "$WINDOW" -d 600 "${P2[@]}" \
	--count "$MEM_NODES" | sed 's/^/    /'
MB=$(ip netns exec "$HA" "$B/ds46ctl" -s "$TMP/had.sock" --json stats | jq '.stats.bindings')
M1=$(rss_kib "$HAD_PID")
MEM_PER=$(( (M1 - M0) * 1024 / (MB > 0 ? MB : 1) ))
echo "  ds46-had VmRSS: $M0 KiB empty, $M1 KiB with $MB bindings: $MEM_PER bytes per binding" \
	"(x 100,000 = $(( MEM_PER * 100000 / 1048576 )) MiB); store $(du -ck "$TMP"/had-mem.db* | tail -1 | cut -f1) KiB"
stop_bg "$HAD_PID"
fi

# ---- b. forwarding ----------------------------------------------------------------
if part b; then
# iperf3 servers bound to the home addresses (their replies must come from
# them): IPv4 on 5201, IPv6 on 5202; the addresses come and go (lo for
# tun_fwd, mip0 for ds46-mnd), so non-local binds are allowed
ip netns exec "$MN" sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1
start_bg "$MN" "$TMP/iperf3-server4.log" iperf3 -s -B 10.200.0.10 -p 5201
IPERF4_PID=$BGPID
start_bg "$MN" "$TMP/iperf3-server6.log" iperf3 -s -B 2001:db8:47::1 -p 5202
IPERF6_PID=$BGPID
wait_for 10 "iperf3 -s" ip netns exec "$MN" sh -c "ss -ltn | grep -q ':5202'"

echo
echo "== b1. minimal TUN forwarder in HA (bench/tun_fwd: fa <-> fb), MN reached natively"
ip -n "$MN" addr add 10.200.0.10/32 dev lo
ip -n "$MN" addr add 2001:db8:47::1/128 dev lo
ip -n "$MN" -6 addr add 2001:db8:61::10/64 dev m0 nodad
ip -n "$HA" -6 addr add 2001:db8:61::1/64 dev hf nodad
ip -n "$MN" -6 route add default via 2001:db8:61::1 dev m0
start_bg "$HA" "$TMP/tun_fwd.log" "$B/bench/tun_fwd" -a fa -b fb -d 600
FWD_PID=$BGPID
wait_for 10 "tun_fwd" wait_log "$TMP/tun_fwd.log" '^ready:'
for d in fa fb; do
	ip -n "$HA" link set $d up
	# tun_fwd's devices come without IPv6; this path carries it
	ip netns exec "$HA" sysctl -qw net.ipv4.conf.$d.rp_filter=0 net.ipv6.conf.$d.disable_ipv6=0
done
ip -n "$HA" route add 10.200.0.10/32 via 10.1.0.10 dev hf table 102
ip -n "$HA" -6 route add 2001:db8:47::/64 via 2001:db8:61::10 dev hf table 102
ip -n "$HA" route add 10.200.0.10/32 dev fa table 100
ip -n "$HA" -6 route add 2001:db8:47::/64 dev fa table 100
ip -n "$HA" route add 198.51.100.0/24 dev fb table 101
ip -n "$HA" -6 route add 2001:db8:60::/64 dev fb table 101
ip -n "$HA" route add 198.51.100.0/24 dev hc table 103
ip -n "$HA" -6 route add 2001:db8:60::/64 dev hc table 103
for f in -4 -6; do
	ip -n "$HA" $f rule add iif hc lookup 100 pref 100
	ip -n "$HA" $f rule add iif fb lookup 102 pref 102   # out of tun_fwd, to the MN
	ip -n "$HA" $f rule add iif hf lookup 101 pref 101
	ip -n "$HA" $f rule add iif fa lookup 103 pref 103   # out of tun_fwd, to CN
done
wait_for 10 "ping CN->MN through tun_fwd" ip netns exec "$CN" ping -c1 -W1 10.200.0.10
wait_for 10 "ping CN6->MN through tun_fwd" ip netns exec "$CN" ping -6 -c1 -W1 2001:db8:47::1
measure tun_fwd-ipv4 10.200.0.10 5201
measure tun_fwd-ipv6 2001:db8:47::1 5202
stop_bg "$FWD_PID"
for f in -4 -6; do
	for p in 100 101 102 103; do ip -n "$HA" $f rule del pref $p; done
done
ip -n "$MN" addr del 10.200.0.10/32 dev lo
ip -n "$MN" addr del 2001:db8:47::1/128 dev lo

# ds46 NAME TUNNEL-MODE: had (the MN only) + mnd registered from 10.1.0.10
ds46_up() {
	had_conf "$TMP/had-fwd.conf" "$TMP/had-fwd-$1.db" 0
	mnd_conf "$TMP/mnd-$1.conf" "$2"
	start_bg "$HA" "$TMP/had-$1.log" "$B/ds46-had" -c "$TMP/had-fwd.conf"
	HAD_PID=$BGPID
	wait_for 60 "ds46-had ready" had_ready
	start_bg "$MN" "$TMP/mnd-$1.log" "$B/ds46-mnd" -c "$TMP/mnd-$1.conf"
	MND_PID=$BGPID
	wait_for 60 "ds46-mnd ready" ip netns exec "$MN" "$B/ds46ctl" -s "$TMP/mnd.sock" ping
	wait_for 30 "a binding at the HA" sh -c "ip netns exec $HA $B/ds46ctl -s $TMP/had.sock --json mobility | jq -e '.bindings | length == 1'"
	ip netns exec "$HA" "$B/ds46ctl" -s "$TMP/had.sock" mobility | sed 's/^/  /'
	# ds46-mnd puts the home address and prefix::1 of the granted /64 on mip0
	wait_for 10 "ping CN->MN through the HA" ip netns exec "$CN" ping -c1 -W1 10.200.0.10
	wait_for 10 "ping CN6->MN through the HA" ip netns exec "$CN" ping -6 -c1 -W1 2001:db8:47::1
}
ds46_down() {
	ip netns exec "$HA" "$B/ds46ctl" -s "$TMP/had.sock" --json stats >"$TMP/had-$1.stats.json" || true
	stop_bg "$MND_PID"
	stop_bg "$HAD_PID"
}

echo
echo "== b2. ds46: ds46-had in HA, ds46-mnd in MN, IPv6 tunnelled to the CoA (tunnel-mode true)"
ds46_up coa true
measure ds46-ipip 10.200.0.10 5201
measure ds46-6in4-coa 2001:db8:47::1 5202
ds46_down coa

echo
echo "== b3. ds46: IPv6 tunnelled to the home address inside IP in IP (tunnel-mode false)"
ds46_up hoa false
measure ds46-6in4-double 2001:db8:47::1 5202
ds46_down hoa
stop_bg "$IPERF4_PID"
stop_bg "$IPERF6_PID"
fi

# ---- summary --------------------------------------------------------------------------
echo
echo "== summary ($(date -u +%Y-%m-%d), medians of $RUNS x ${SECS}s)"
if part a; then
echo "  registrations/s, $NODES nodes, window $WINDOW:"
echo "    no IPv6 extensions:    ${REG[registration]} vs echo ${REG[echo]}:" \
	"$(pct "${REG[registration]}" "${REG[echo]}") (target >= 50%)"
echo "    two Prefix Requests:   ${REG[registration-2prefixes]} vs echo ${REG[echo-2prefixes]}:" \
	"$(pct "${REG[registration-2prefixes]}" "${REG[echo-2prefixes]}") (target >= 50%)"
echo "    store on tmpfs:        ${REG[registration-tmpfs]} ($(pct "${REG[registration-tmpfs]}" "${REG[echo]}"))," \
	"two prefixes ${REG[registration-tmpfs-2prefixes]} ($(pct "${REG[registration-tmpfs-2prefixes]}" "${REG[echo-2prefixes]}"))"
if [ -n "$BASE" ]; then
echo "    $BASE: ext4 ${REG[base-ext4]} ($(pct "${REG[base-ext4]}" "${REG[echo]}")), two prefixes" \
	"${REG[base-ext4-2prefixes]} ($(pct "${REG[base-ext4-2prefixes]}" "${REG[echo-2prefixes]}"));" \
	"tmpfs ${REG[base-tmpfs]} ($(pct "${REG[base-tmpfs]}" "${REG[echo]}")), two prefixes" \
	"${REG[base-tmpfs-2prefixes]} ($(pct "${REG[base-tmpfs-2prefixes]}" "${REG[echo-2prefixes]}"))"
fi
fi
if part b; then
printf '  %-34s %12s %14s %8s\n' "forwarding CN -> MN" "TCP Gbit/s" "UDP pps" "loss"
for n in tun_fwd-ipv4 tun_fwd-ipv6 ds46-ipip ds46-6in4-coa ds46-6in4-double; do
	printf '  %-34s %12.2f %14.0f %7.1f%%\n' "$n" "${TCP[$n]}" "${PPS[$n]}" "${LOSS[$n]}"
done
echo "  ds46 / tun_fwd: IPv4 IP-in-IP TCP $(pct "${TCP[ds46-ipip]}" "${TCP[tun_fwd-ipv4]}")," \
	"pps $(pct "${PPS[ds46-ipip]}" "${PPS[tun_fwd-ipv4]}");" \
	"6in4 to CoA TCP $(pct "${TCP[ds46-6in4-coa]}" "${TCP[tun_fwd-ipv6]}")," \
	"pps $(pct "${PPS[ds46-6in4-coa]}" "${PPS[tun_fwd-ipv6]}");" \
	"double TCP $(pct "${TCP[ds46-6in4-double]}" "${TCP[tun_fwd-ipv6]}")," \
	"pps $(pct "${PPS[ds46-6in4-double]}" "${PPS[tun_fwd-ipv6]}") (target >= 90%)"
fi
if part c; then
echo "  memory: $MEM_PER bytes per binding at $MB bindings (VmRSS difference)"
fi
