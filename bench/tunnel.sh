#!/usr/bin/env bash
# ds46 tunnel data-plane benchmark (docs/bench.md, "Tunnel data plane").
#   sudo ./bench/tunnel.sh
#
#  +----- X: tb-<pid>-x -----+        +---------------- Y: tb-<pid>-y ----------------+        +-- Z: tb-<pid>-z --+
#  | iperf3 -c 198.18.0.2    |        | kernel IPv4 forwarding (ip_forward=1)         |        | iperf3 -s          |
#  | (ds46: ds46-hostd,      |        | (b: tun_fwd fa <-> fb, policy routes)         |        |                    |
#  |  dti0 = TUN, 4in6)      |        | (ds46: ds46-tepd tep0 + ds46-dstmd on y0)     |        |                    |
#  | x0 2001:db8:46::2/64  ======veth====== y0 2001:db8:46::1/64, ::ffff/64 (TEP)       |        |                    |
#  |    172.16.1.2/24 (a,b)  |        |    172.16.1.1/24                              |        |                    |
#  |                         |        | y1 198.18.0.1/24 ==============veth============== z0 198.18.0.2/24   |
#  +-------------------------+        +-----------------------------------------------+        +--------------------+
#
# Every setup uses the same three namespaces and veths in the same run:
#   a. kernel: X has 172.16.1.2 and a route to 198.18.0.0/24 via Y; Y forwards.
#   b. tun_fwd (bench/tun_fwd.c): in Y, traffic arriving on y0 for Z is
#      policy-routed into TUN fa, replies arriving on y1 for X into TUN fb;
#      tun_fwd reads every packet from one TUN and writes it unchanged into
#      the other (one read + one write syscall per packet, no lookup), and
#      the kernel forwards what comes out.  The ceiling of a one-packet-per-
#      syscall TUN data plane on this path.
#   c. ds46: X runs ds46-hostd (mode always, route 198.18.0.0/24 into dti0),
#      Y runs ds46-dstmd (the DHCPv6 server, pool 10.0.0.0/8) and ds46-tepd
#      (bindings from dstmd's store, tep0, route 10.0.0.0/8 into tep0).
#      X's IPv4 packets go X:dti0 -> hostd -> raw IPv6 socket (4in6) -> veth
#      -> tepd's raw socket -> tep0 -> kernel -> Z, and back the same way.
#   b2. tun_fwd -m vnet / -m gsogro: the same forwarder with IFF_VNET_HDR and
#      TSO/CSUM offloads on both TUNs: super-packets passed through whole
#      (vnet), or cut into segments and coalesced again in userspace as a
#      tunnel data plane with offloads must (gsogro): the ceilings with
#      offloads.
#   c2. ds46 with `offload = true` in hostd.conf and tepd.conf (GSO/GRO in
#      the daemons, src/dataplane/engine_io.c); c is `offload = false`.
#   d. ds46 with 10^6 bindings: the same, on a store holding 1,000,000 more
#      leases (bench/mkbindings -f) so tepd's table holds 1,000,001 bindings.
# Then bench/mkbindings times the engine's TUN->tunnel decision alone
# (dp_tun_in) with 1 and 10^6 bindings and random destinations.
#
# Each figure is the median of BENCH_RUNS (3) runs of BENCH_SECS (5) s:
#   TCP: iperf3 -c Z -t SECS, receiver's bits/s
#   UDP: iperf3 -c Z -u -l 64 -b 0 -t SECS, datagrams received by Z per second
#        (Z's own count: sent - lost) and the loss
# Environment: BENCH_SECS=5 BENCH_RUNS=3 BENCH_BINDINGS=1000000
#   BENCH_ENGINE_PKTS=20000000 (mkbindings packets per run)
#   BENCH_PROFILE=1 (perf record of both daemons during extra runs; 0: off)
#   BENCH_SKIP_BUILD=1  BENCH_KEEP=1 (keep the temporary directory)
#   BENCH_BUILD=DIR (programs from DIR instead of build/)
#   BENCH_SCALE=0 (skip d and e, the 10^6-binding parts)
#   BENCH_OFFLOAD=1 (the offload setups b2 and c2; 0: off)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${BENCH_BUILD:-$ROOT/build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
SCALE=${BENCH_SCALE:-1}
OFFLOAD=${BENCH_OFFLOAD:-1}
SECS=${BENCH_SECS:-5}
RUNS=${BENCH_RUNS:-3}
NBIND=${BENCH_BINDINGS:-1000000}
EPKTS=${BENCH_ENGINE_PKTS:-20000000}
PROFILE=${BENCH_PROFILE:-1}

if [ "$(id -u)" -ne 0 ]; then
	echo "tunnel bench: needs root (network namespaces): sudo $0" >&2
	exit 1
fi
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
	scripts/deps.sh bench
	command -v iperf3 >/dev/null || apt-get install -y -qq --no-install-recommends iperf3 >/dev/null
	make -j2 >/dev/null
fi
for f in "$B/ds46-hostd" "$B/ds46-tepd" "$B/ds46-dstmd" "$B/ds46ctl" "$B/bench/tun_fwd" \
	"$B/bench/mkbindings"; do
	[ -x "$f" ] || { echo "tunnel bench: missing $f" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "tunnel bench: no iperf3" >&2; exit 1; }
command -v jq >/dev/null || { echo "tunnel bench: no jq" >&2; exit 1; }
if [ "$PROFILE" != 0 ] && ! command -v perf >/dev/null; then
	echo "tunnel bench: no perf (linux-perf); profiles skipped" >&2
	PROFILE=0
fi

X=tb-$$-x
Y=tb-$$-y
Z=tb-$$-z
ZADDR=198.18.0.2
TMP=$(mktemp -d /var/tmp/ds46-tunnel.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for ns in "$X" "$Y" "$Z"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "tunnel bench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- topology ------------------------------------------------------------------
for ns in "$X" "$Y" "$Z"; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip -n "$ns" link set lo up
done
ip link add x0 netns "$X" type veth peer name y0 netns "$Y"
ip link add y1 netns "$Y" type veth peer name z0 netns "$Z"
ip -n "$X" addr add 2001:db8:46::2/64 dev x0 nodad
ip -n "$Y" addr add 2001:db8:46::1/64 dev y0 nodad
ip -n "$Y" addr add 2001:db8:46::ffff/64 dev y0 nodad
ip -n "$Y" addr add 172.16.1.1/24 dev y0
ip -n "$Y" addr add 198.18.0.1/24 dev y1
ip -n "$Z" addr add $ZADDR/24 dev z0
for l in "$X x0" "$Y y0" "$Y y1" "$Z z0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$Z" route add default via 198.18.0.1
ip netns exec "$Y" sysctl -qw net.ipv4.ip_forward=1
for _ in $(seq 50); do
	ip -n "$X" -6 addr show dev x0 scope link | grep -q fe80 &&
		ip -n "$Y" -6 addr show dev y0 scope link | grep -q fe80 && break
	sleep 0.1
done

# start_bg NS LOG CMD...: remember the PID (ip(8) execs into CMD)
start_bg() {
	local ns=$1 log=$2; shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	BGPID=$!
	PIDS+=("$BGPID")
}
stop_bg() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
# wait_for SECS DESCRIPTION CMD...: poll CMD every 0.1 s
wait_for() {
	local n=$(( $1 * 10 )) what=$2; shift 2
	while ((n-- > 0)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "tunnel bench: timed out waiting for $what" >&2
	return 1
}
wait_log() { grep -q "$2" "$1"; }

start_bg "$Z" "$TMP/iperf3-server.log" iperf3 -s -B $ZADDR
IPERF_PID=$BGPID
wait_for 10 "iperf3 -s" ip netns exec "$Z" sh -c "ss -ltn | grep -q ':5201'"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }

declare -A TCP PPS LOSS RAW

# udp_received: iperf3 server text -> "datagrams received per second, loss %"
udp_received() {
	awk '/receiver/ {
		split($3, iv, "-"); secs = iv[2] - iv[1]
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, lt, "/"); lost = lt[1]; tot = lt[2] }
	}
	END { if (secs > 0 && tot > 0) printf "%.0f %.2f\n", (tot - lost) / secs, 100 * lost / tot; else print "0 100" }'
}

# measure NAME: RUNS x (TCP, UDP) from X to Z; sets TCP[NAME] (Gbit/s),
# PPS[NAME] (datagrams/s received at Z), LOSS[NAME] (%)
measure() {
	local name=$1 k out tcp=() pps=() loss=()
	for k in $(seq "$RUNS"); do
		out=$TMP/$name-tcp-$k.json
		ip netns exec "$X" timeout $((SECS + 20)) iperf3 -c $ZADDR -t "$SECS" -J >"$out" ||
			{ echo "tunnel bench: iperf3 TCP failed ($name):" >&2; tail -5 "$out" >&2; return 1; }
		tcp+=("$(jq '.end.sum_received.bits_per_second / 1e9' "$out")")
		out=$TMP/$name-udp-$k.json
		ip netns exec "$X" timeout $((SECS + 20)) iperf3 -c $ZADDR -u -l 64 -b 0 -t "$SECS" \
			-J --get-server-output >"$out" ||
			{ echo "tunnel bench: iperf3 UDP failed ($name):" >&2; tail -5 "$out" >&2; return 1; }
		# Z's own report ("receiver" line): lost/total datagrams over its interval
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

# profile NAME PID...: perf record of the given daemons during one extra TCP
# and one extra UDP run (not part of the figures); top symbols per daemon
profile() {
	local name=$1; shift
	[ "$PROFILE" != 0 ] || return 0
	local p perfs=() kind
	for kind in tcp udp; do
		perfs=()
		for p in "$@"; do
			perf record -q -F 999 -g -p "$p" -o "$TMP/perf-$name-$kind-$p.data" \
				-- sleep "$SECS" >/dev/null 2>&1 &
			perfs+=($!)
		done
		sleep 0.2
		if [ $kind = tcp ]; then
			ip netns exec "$X" timeout $((SECS + 20)) iperf3 -c $ZADDR -t "$SECS" >/dev/null 2>&1 || true
		else
			ip netns exec "$X" timeout $((SECS + 20)) iperf3 -c $ZADDR -u -l 64 -b 0 -t "$SECS" \
				>/dev/null 2>&1 || true
		fi
		for p in "${perfs[@]}"; do
			wait "$p" || true
		done
		for p in "$@"; do
			echo "  -- profile $name $kind: $(cat "/proc/$p/comm" 2>/dev/null) (pid $p)," \
				"self time by dso/symbol, top 14"
			# awk, not head: perf must not die of SIGPIPE under pipefail
			perf report -i "$TMP/perf-$name-$kind-$p.data" --no-children --sort dso \
				--stdio 2>/dev/null | awk '/^ +[0-9]+\.[0-9]+%/ && n++ < 5 { print "    by dso:" $0 }' || true
			perf report -i "$TMP/perf-$name-$kind-$p.data" --no-children --sort dso,sym \
				--stdio 2>/dev/null | awk '/^ +[0-9]+\.[0-9]+%/ && n++ < 14 { print "    " $0 }' || true
		done
	done
}

echo "ds46 tunnel benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  kernel $(uname -r)"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  $(iperf3 -v | awk 'NR == 1'); $RUNS runs of ${SECS}s per figure, medians"

# ---- a. kernel IPv4 forwarding ---------------------------------------------------
echo
echo "== a. kernel IPv4 forwarding X -> Y -> Z"
ip -n "$X" addr add 172.16.1.2/24 dev x0
ip -n "$X" route add 198.18.0.0/24 via 172.16.1.1
wait_for 10 "ping X->Z" ip netns exec "$X" ping -c1 -W1 $ZADDR
measure kernel

# ---- b. minimal TUN forwarder ----------------------------------------------------
# tun_fwd_run NAME MODE: tun_fwd -m MODE in Y, policy routes into it
tun_fwd_run() {
	local name=$1 mode=$2
	start_bg "$Y" "$TMP/$name.log" "$B/bench/tun_fwd" -a fa -b fb -d 600 -m "$mode"
	FWD_PID=$BGPID
	wait_for 10 "tun_fwd" wait_log "$TMP/$name.log" '^ready:'
	ip -n "$Y" link set fa up
	ip -n "$Y" link set fb up
	for d in fa fb; do
		ip netns exec "$Y" sysctl -qw net.ipv4.conf.$d.rp_filter=0
	done
	ip -n "$Y" route add 198.18.0.0/24 dev fa table 100
	ip -n "$Y" route add 172.16.1.0/24 dev fb table 101
	wait_for 10 "ping X->Z through tun_fwd" ip netns exec "$X" ping -c1 -W1 $ZADDR
	measure "$name"
	profile "$name" "$FWD_PID"
	stop_bg "$FWD_PID"
	sed -n 's/^tun_fwd: /  (tun_fwd counters: /p' "$TMP/$name.log" | sed 's/$/)/'
}
echo
echo "== b. minimal TUN read-and-write forwarder in Y (bench/tun_fwd: fa <-> fb)"
ip -n "$X" addr add 172.16.1.2/24 dev x0 2>/dev/null || true
ip -n "$Y" rule add iif y0 to 198.18.0.0/24 lookup 100 pref 100
ip -n "$Y" rule add iif y1 to 172.16.1.0/24 lookup 101 pref 101
tun_fwd_run tun_fwd plain
if [ "$OFFLOAD" != 0 ]; then
	echo
	echo "== b2. the same with IFF_VNET_HDR and TSO offloads, super-packets passed whole (-m vnet)"
	tun_fwd_run tun_fwd-vnet vnet
	echo
	echo "== b3. the same, every super-packet cut and coalesced again in userspace (-m gsogro)"
	tun_fwd_run tun_fwd-gsogro gsogro
fi
ip -n "$Y" rule del pref 100
ip -n "$Y" rule del pref 101
ip -n "$X" route del 198.18.0.0/24
ip -n "$X" addr del 172.16.1.2/24 dev x0

# ---- c. ds46 ------------------------------------------------------------------------
dstmd_conf() {   # FILE STORE
	cat >"$1" <<EOF
# written by bench/tunnel.sh
server = {
  interfaces = [ "y0" ];
  store = "$2";
  store-sync = "normal";
  control-socket = "$TMP/dstmd.sock";
  preference = 255;
  rapid-commit = true;
  reclaim-interval = 3600;
  log-level = "info";
};
links = (
  {
    name = "lan";
    interface = "y0";
    prefixes = [ "2001:db8:46::/64" ];
    tep = "2001:db8:46::ffff";
    t1 = 43200;
    t2 = 69120;
    preferred-lifetime = 86400;
    valid-lifetime = 864000;
    ipv4-pools = ( { name = "dstm"; ranges = [ "10.0.0.0/8" ]; } );
    ipv6-pools = ( { name = "na"; range = "2001:db8:46:0:8000::/65"; } );
  }
);
EOF
}
tepd_conf() {    # FILE STORE OFFLOAD
	cat >"$1" <<EOF
# written by bench/tunnel.sh
tep = {
  tun = "tep0";
  address = "2001:db8:46::ffff";
  ipv4-address = "203.0.113.1";
  routes = [ "10.0.0.0/8" ];
  store = "$2";
  follow-interval-ms = 100;
  control-socket = "$TMP/tepd.sock";
  offload = $3;
  log-level = "info";
};
EOF
}
hostd_conf() {   # FILE LEASEFILE OFFLOAD
	cat >"$1" <<EOF
# written by bench/tunnel.sh
host = {
  uplink = "x0";
  dti = "dti0";
  mode = "always";
  routes = [ "198.18.0.0/24" ];
  lease-file = "$2";
  rapid-commit = true;
  control-socket = "$TMP/hostd.sock";
  offload = $3;
  log-level = "info";
};
EOF
}

# ds46_up NAME STORE [OFFLOAD]: dstmd + tepd on STORE, then hostd with a
# fresh lease; both daemons with offload = OFFLOAD (default false)
ds46_up() {
	local name=$1 store=$2 off=${3:-false}
	dstmd_conf "$TMP/dstmd-$name.conf" "$store"
	tepd_conf "$TMP/tepd-$name.conf" "$store" "$off"
	hostd_conf "$TMP/hostd-$name.conf" "$TMP/hostd-$name.lease" "$off"
	local t0=$SECONDS
	start_bg "$Y" "$TMP/dstmd-$name.log" "$B/ds46-dstmd" -c "$TMP/dstmd-$name.conf"
	DSTMD_PID=$BGPID
	wait_for 120 "ds46-dstmd ready" wait_log "$TMP/dstmd-$name.log" 'ready:'
	start_bg "$Y" "$TMP/tepd-$name.log" "$B/ds46-tepd" -c "$TMP/tepd-$name.conf"
	TEPD_PID=$BGPID
	wait_for 120 "ds46-tepd ready" wait_log "$TMP/tepd-$name.log" 'ready:'
	wait_for 120 "ds46-tepd store load" wait_log "$TMP/tepd-$name.log" 'binding(s) loaded'
	start_bg "$X" "$TMP/hostd-$name.log" "$B/ds46-hostd" -c "$TMP/hostd-$name.conf"
	HOSTD_PID=$BGPID
	wait_for 60 "an IPv4 address on dti0" \
		sh -c "ip -n $X -4 -o addr show dev dti0 | grep -q inet"
	HOST_V4=$(ip -n "$X" -4 -o addr show dev dti0 | awk 'NR == 1 { sub(/\/.*/, "", $4); print $4 }')
	wait_for 30 "ping X->Z through ds46" ip netns exec "$X" ping -c1 -W1 $ZADDR
	echo "  up in $((SECONDS - t0)) s: X has $HOST_V4 on dti0;" \
		"$(grep -o '[0-9]* binding(s) loaded' "$TMP/tepd-$name.log" | awk 'NR == 1') at tepd start"
}
ds46_down() {
	local name=$1
	ip netns exec "$Y" "$B/ds46ctl" -s "$TMP/tepd.sock" --json stats >"$TMP/tepd-$name.stats.json" 2>&1 || true
	stop_bg "$HOSTD_PID"
	stop_bg "$TEPD_PID"
	stop_bg "$DSTMD_PID"
	grep -h 'dataplane: offload:' "$TMP/hostd-$name.log" "$TMP/tepd-$name.log" 2>/dev/null |
		sed 's/^.*dataplane: /  (/; s/$/)/' || true
}
tepd_stat() {    # NAME KEY
	sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p" "$TMP/tepd-$1.stats.json" | awk 'NR == 1'
}

echo
echo "== c. ds46: ds46-hostd in X, ds46-tepd + ds46-dstmd in Y (empty store: 1 binding), offload = false"
ds46_up ds46 "$TMP/small.db" false
measure ds46
profile ds46 "$TEPD_PID" "$HOSTD_PID"
ds46_down ds46
echo "  (tepd counters: rx_tun $(tepd_stat ds46 rx_tun), tx_tunnel $(tepd_stat ds46 tx_tunnel)," \
	"rx_tunnel $(tepd_stat ds46 rx_tunnel), tx_tun $(tepd_stat ds46 tx_tun)," \
	"drop_no_binding $(tepd_stat ds46 drop_no_binding))"
if [ "$OFFLOAD" != 0 ]; then
	echo
	echo "== c2. ds46 with offload = true in hostd.conf and tepd.conf (GSO/GRO in the daemons)"
	ds46_up ds46-offload "$TMP/small2.db" true
	measure ds46-offload
	profile ds46-offload "$TEPD_PID" "$HOSTD_PID"
	ds46_down ds46-offload
	echo "  (tepd counters: rx_tun $(tepd_stat ds46-offload rx_tun), tx_tunnel $(tepd_stat ds46-offload tx_tunnel)," \
		"rx_tunnel $(tepd_stat ds46-offload rx_tunnel), tx_tun $(tepd_stat ds46-offload tx_tun))"
fi

if [ "$SCALE" != 0 ]; then
echo
echo "== d. ds46 with $NBIND more leases in the store (bench/mkbindings -f)"
"$B/bench/mkbindings" -f "$TMP/big.db" -n "$NBIND" -a 10.0.0.1 | sed 's/^/  /'
ds46_up ds46-1M "$TMP/big.db"
TEPD_RSS=$(awk '/^VmRSS:/ { print $2 }' "/proc/$TEPD_PID/status")
echo "  ds46-tepd VmRSS with $NBIND+1 bindings: $((TEPD_RSS / 1024)) MiB"
measure ds46-1M
profile ds46-1M "$TEPD_PID"
ds46_down ds46-1M
echo "  (tepd counters: rx_tun $(tepd_stat ds46-1M rx_tun), tx_tunnel $(tepd_stat ds46-1M tx_tunnel)," \
	"drop_no_binding $(tepd_stat ds46-1M drop_no_binding))"

# ---- e. the engine's decision alone -------------------------------------------------
echo
echo "== e. engine TUN->tunnel decision (dp_tun_in), one core, random bound destinations"
"$B/bench/mkbindings" -n 1 -n "$NBIND" -p "$EPKTS" -r "$RUNS" --json >"$TMP/engine.json"
E1=$(jq -s '.[0].mpps_median' "$TMP/engine.json")
EN=$(jq -s '.[1].mpps_median' "$TMP/engine.json")
BPB=$(jq -s '.[1].bytes_per_binding' "$TMP/engine.json")
jq -r -s '.[] | "  \(.bindings) bindings: \(.mpps_median) Mpps (\(.ns_per_pkt) ns/packet; packet preparation \(.prep_ns_per_pkt) ns, engine \(.engine_ns_per_pkt) ns); table \(.table_bytes) bytes = \(.bytes_per_binding) bytes/binding; one binding_expire sweep (what tepd runs every follow-interval-ms) \(.expire_sweep_ms) ms"' \
	"$TMP/engine.json"

fi

stop_bg "$IPERF_PID"

# ---- summary --------------------------------------------------------------------------
echo
echo "== summary ($(date -u +%Y-%m-%d), load average now $(cut -d' ' -f1-3 /proc/loadavg), medians of $RUNS x ${SECS}s, TCP = iperf3 X->Z, UDP = 64-byte datagrams received at Z)"
printf '  %-34s %12s %14s %8s\n' setup "TCP Gbit/s" "UDP pps" "loss"
SETUPS=(kernel tun_fwd)
[ "$OFFLOAD" = 0 ] || SETUPS+=(tun_fwd-vnet tun_fwd-gsogro)
SETUPS+=(ds46)
[ "$OFFLOAD" = 0 ] || SETUPS+=(ds46-offload)
[ "$SCALE" = 0 ] || SETUPS+=(ds46-1M)
for n in "${SETUPS[@]}"; do
	printf '  %-34s %12.2f %14.0f %7.1f%%\n' "$n" "${TCP[$n]}" "${PPS[$n]}" "${LOSS[$n]}"
done
echo
echo "  ds46 / minimal TUN forwarder: TCP $(pct "${TCP[ds46]}" "${TCP[tun_fwd]}")," \
	"pps $(pct "${PPS[ds46]}" "${PPS[tun_fwd]}")   (target >= 90% each)"
if [ "$OFFLOAD" != 0 ]; then
	echo "  ds46 offload / minimal TUN forwarder: TCP $(pct "${TCP[ds46-offload]}" "${TCP[tun_fwd]}")," \
		"pps $(pct "${PPS[ds46-offload]}" "${PPS[tun_fwd]}")   (target >= 90% each)"
	echo "  ds46 offload / ds46 plain:            TCP $(pct "${TCP[ds46-offload]}" "${TCP[ds46]}")," \
		"pps $(pct "${PPS[ds46-offload]}" "${PPS[ds46]}")"
	echo "  ds46 offload / tun_fwd -m vnet:       TCP $(pct "${TCP[ds46-offload]}" "${TCP[tun_fwd-vnet]}")," \
		"pps $(pct "${PPS[ds46-offload]}" "${PPS[tun_fwd-vnet]}")"
	echo "  ds46 offload / tun_fwd -m gsogro:     TCP $(pct "${TCP[ds46-offload]}" "${TCP[tun_fwd-gsogro]}")," \
		"pps $(pct "${PPS[ds46-offload]}" "${PPS[tun_fwd-gsogro]}")"
	echo "  ds46 offload TCP vs tayga's 0.67 Gbit/s from the issue: $(ratio "${TCP[ds46-offload]}" 0.67)x (target >= 2x; aim 4 Gbit/s)"
fi
echo "  ds46 / kernel forwarding:     TCP $(pct "${TCP[ds46]}" "${TCP[kernel]}")," \
	"pps $(pct "${PPS[ds46]}" "${PPS[kernel]}")"
echo "  tun_fwd / kernel forwarding:  TCP $(pct "${TCP[tun_fwd]}" "${TCP[kernel]}")," \
	"pps $(pct "${PPS[tun_fwd]}" "${PPS[kernel]}")"
[ "$SCALE" = 0 ] || echo "  ds46 at $NBIND+1 bindings / 1 binding, through the daemons (one flow, so one hot binding):" \
	"TCP $(pct "${TCP[ds46-1M]}" "${TCP[ds46]}"), pps $(pct "${PPS[ds46-1M]}" "${PPS[ds46]}") (target >= 90%)"
if [ "$SCALE" != 0 ]; then
	echo "  engine alone, random destinations: $NBIND bindings / 1 binding:" \
		"$EN / $E1 Mpps = $(pct "$EN" "$E1") (target >= 90%)"
	echo "  bytes per binding at $NBIND: $BPB (binding_table_bytes / count; target <= 128)"
fi
echo
echo "  Reference figures FROM THE ISSUE (another machine of this kind, NOT measured here):"
echo "    kernel forwarding 13 Gbit/s; minimal TUN-to-TUN forwarder 1.56 Gbit/s, ~59 kpps;"
echo "    the same with IFF_VNET_HDR offloads 6.7 Gbit/s; naive userspace 4in6 pair 0.99 Gbit/s;"
echo "    tayga (userspace NAT64 over TUN) 0.67 Gbit/s (tayga is not packaged in Debian 12: not run)."
echo "  ds46 TCP here vs those figures: $(ratio "${TCP[ds46]}" 0.67)x tayga's 0.67 (target >= 2x)," \
	"$(ratio "${TCP[ds46]}" 0.99)x the naive pair's 0.99, $(ratio "${TCP[ds46]}" 1.56)x the issue's forwarder 1.56"
