#!/usr/bin/env bash
# ds46 benchmark: the one command (docs/bench.md).   sudo ./bench/run.sh
#
#   +--------------- ds46b-<pid>-srv ---------------+       +---- ds46b-<pid>-cli ----+
#   | ds46-dstmd | kea-dhcp6 | dhcp6_null_responder |       | perfdhcp -6 -l c0       |
#   |   (one at a time, UDP 547, ff02::1:2 on s0)   |       | dstm_loadgen -i c0      |
#   |                 s0 2001:db8:46::1/64 ======== veth ======== c0 2001:db8:46::2/64 |
#   +-----------------------------------------------+       +-------------------------+
#
# Parts, all in one run, every server started on an empty store:
#   1. perfdhcp -6 (plain IA_NA, 4-way) against the null responder (the load
#      generator's ceiling), kea-dhcp6 2.2 (memfile, persist on), ds46-dstmd
#      with store-sync full and normal: leases/s, drops, ratio vs Kea.
#   2. dstm_loadgen (IPv4 Global Address option before the IA_NA, 4-way;
#      perfdhcp cannot order options that way) against the null responder
#      and ds46-dstmd (full, normal): exchanges/s, drops, latency.
#   3. start-up with 1,000,000 leases in the store: time to "ready:", RSS,
#      bytes per lease.
#
# Environment:
#   BENCH_PERIOD=20      seconds per load run (perfdhcp -p, loadgen -d)
#   BENCH_CLIENTS=100000 simulated clients (perfdhcp -R, loadgen -R)
#   BENCH_WINDOW=256     dstm_loadgen exchanges in flight
#   BENCH_LEASES=1000000 leases for the start-up test
#   BENCH_PERFDHCP_THREADS=single   perfdhcp -g (single is faster on 2 cores)
#   BENCH_SKIP_BUILD=1   do not run deps.sh / make
#   BENCH_KEEP=1         keep the temporary directory (configs, logs, stores)
#   BENCH_RMEM=4194304   net.core.rmem_default during the run (restored after):
#                        perfdhcp sets no receive buffer of its own, and at
#                        the 208 KiB default it drops replies in its own socket
#                        whenever a server answers faster than it reads; the
#                        same value applies to every server measured.  0 keeps
#                        the machine's setting.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PERIOD=${BENCH_PERIOD:-20}
CLIENTS=${BENCH_CLIENTS:-100000}
WINDOW=${BENCH_WINDOW:-256}
NLEASES=${BENCH_LEASES:-1000000}
PDTHREADS=${BENCH_PERFDHCP_THREADS:-single}
RMEM=${BENCH_RMEM:-4194304}
RMEM_SAVED=$(sysctl -n net.core.rmem_default)
B=$ROOT/build

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces): sudo $0" >&2
	exit 1
fi
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
	scripts/deps.sh bench
	make -j2 build/ds46-dstmd build/ds46ctl bench-tools >/dev/null
fi
for f in "$B/ds46-dstmd" "$B/ds46ctl" "$B/bench/dstm_loadgen" "$B/bench/dhcp6_null_responder" \
	"$B/bench/mkleases" /usr/sbin/perfdhcp /usr/sbin/kea-dhcp6; do
	[ -x "$f" ] || { echo "bench: missing $f" >&2; exit 1; }
done

SRV=ds46b-$$-srv
CLI=ds46b-$$-cli
TMP=$(mktemp -d /var/tmp/ds46-bench.XXXXXX)   # on disk: fsync means something
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$SRV" 2>/dev/null || true
	ip netns del "$CLI" 2>/dev/null || true
	sysctl -qw net.core.rmem_default="$RMEM_SAVED" || true
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$RMEM" != 0 ]; then
	sysctl -qw net.core.rmem_default="$RMEM"
fi

in_srv() { ip netns exec "$SRV" "$@"; }
in_cli() { ip netns exec "$CLI" "$@"; }

# ---- topology ----------------------------------------------------------------
ip netns add "$SRV"
ip netns add "$CLI"
for ns in "$SRV" "$CLI"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	ip -n "$ns" link set lo up
done
ip link add s0 netns "$SRV" type veth peer name c0 netns "$CLI"
ip -n "$SRV" addr add 2001:db8:46::1/64 dev s0 nodad
ip -n "$CLI" addr add 2001:db8:46::2/64 dev c0 nodad
ip -n "$SRV" link set s0 up
ip -n "$CLI" link set c0 up
for _ in $(seq 50); do
	ip -n "$CLI" -6 addr show dev c0 scope link | grep -q 'fe80' &&
		ip -n "$SRV" -6 addr show dev s0 scope link | grep -q 'fe80' && break
	sleep 0.1
done

# ---- helpers -------------------------------------------------------------------
# start_bg LOG CMD...: start CMD in the server namespace, remember its PID
start_bg() {
	local log=$1; shift
	# not through a shell function: $! must be the PID that ip(8) execs into
	ip netns exec "$SRV" "$@" >"$log" 2>&1 &
	BGPID=$!
	PIDS+=("$BGPID")
}

# wait_ready PID LOG PATTERN SECS
wait_ready() {
	local pid=$1 log=$2 pat=$3 n=$(( $4 * 100 ))
	while ((n-- > 0)); do
		grep -q "$pat" "$log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { echo "bench: server exited:" >&2; cat "$log" >&2; return 1; }
		sleep 0.01
	done
	echo "bench: server not ready after $4 s:" >&2
	cat "$log" >&2
	return 1
}

stop_bg() {
	local pid=$1
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# dstmd_conf FILE STORE SYNC POOL4
dstmd_conf() {
	cat >"$1" <<EOF
# written by bench/run.sh
server = {
  interfaces = [ "s0" ];
  store = "$2";
  store-sync = "$3";
  control-socket = "$TMP/dstmd.sock";
  reclaim-interval = 3600;
  log-level = "info";       # "ready:" is an info message; nothing per packet at info
};
links = (
  {
    name = "lan";
    interface = "s0";
    prefixes = [ "2001:db8:46::/64" ];
    tep = "2001:db8:46::ffff";
    t1 = 43200;
    t2 = 69120;
    preferred-lifetime = 86400;
    valid-lifetime = 864000;
    ipv4-pools = ( { name = "dstm"; ranges = [ "$4" ]; } );
    ipv6-pools = ( { name = "na"; range = "2001:db8:46:0:8000::/65"; } );
  }
);
EOF
}

kea_conf() {
	cat >"$1" <<EOF
{
  "Dhcp6": {
    "interfaces-config": { "interfaces": [ "s0" ] },
    "lease-database": { "type": "memfile", "persist": true,
                        "name": "$TMP/kea-leases6.csv", "lfc-interval": 0 },
    "server-id": { "type": "LLT", "persist": false },
    "renew-timer": 43200, "rebind-timer": 69120,
    "preferred-lifetime": 86400, "valid-lifetime": 864000,
    "subnet6": [ { "id": 1, "subnet": "2001:db8:46::/64", "interface": "s0",
                   "pools": [ { "pool": "2001:db8:46:0:8000::/65" } ] } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "WARN",
                   "output_options": [ { "output": "stderr" } ] } ]
  }
}
EOF
}

declare -A RATE DROPS DETAIL

# rcvbuf_errors NS: UDPv6 datagrams dropped because a socket's receive
# buffer was full, in that namespace (where a "drop" really happened)
rcvbuf_errors() {
	ip netns exec "$1" awk '$1 == "Udp6RcvbufErrors" { print $2 }' /proc/net/snmp6
}

# perfdhcp_run NAME: perfdhcp -6 against whatever serves in $SRV now
perfdhcp_run() {
	local name=$1 out=$TMP/perfdhcp-$1.txt
	local cli0 srv0
	cli0=$(rcvbuf_errors "$CLI")
	srv0=$(rcvbuf_errors "$SRV")
	# exit status 3 means "some exchanges not completed": expected at full load
	in_cli timeout $((PERIOD + 30)) perfdhcp -6 -l c0 -R "$CLIENTS" -p "$PERIOD" \
		-g "$PDTHREADS" >"$out" 2>&1 || true
	awk -v name="$name" -v period="$PERIOD" '
		/^Rate:/ { rate = $2 }
		/Statistics for: SOLICIT-ADVERTISE/ { ex = "sa" }
		/Statistics for: REQUEST-REPLY/ { ex = "rr" }
		/^sent packets:/ { sent[ex] = $3 }
		/^received packets:/ { rcvd[ex] = $3 }
		/^drops:/ { drops[ex] = $2 }
		END {
			if (rate == "") { print "perfdhcp " name ": no report" > "/dev/stderr"; exit 1 }
			printf "%s %d %d Solicit %d Advertise %d Request %d Reply %d (drops %d+%d); Reply/period %.1f/s\n",
			       rate, drops["sa"] + drops["rr"], rcvd["rr"],
			       sent["sa"], rcvd["sa"], sent["rr"], rcvd["rr"], drops["sa"], drops["rr"],
			       rcvd["rr"] / period
		}' "$out" >"$out.sum" || { cat "$out" >&2; return 1; }
	local rate drops replies rest
	read -r rate drops replies rest <"$out.sum"
	RATE[$name]=$rate
	DROPS[$name]=$drops
	DETAIL[$name]=$rest
	printf '  %-28s %10.1f leases/s  drops %-8s  %s\n' "$name" "$rate" "$drops" "$rest"
	printf '  %-28s receive-buffer overflows: client socket %s, server socket %s\n' "" \
		"$(( $(rcvbuf_errors "$CLI") - cli0 ))" "$(( $(rcvbuf_errors "$SRV") - srv0 ))"
}

# loadgen_run NAME [extra args]
loadgen_run() {
	local name=$1; shift
	local out=$TMP/loadgen-$name.json
	in_cli "$B/bench/dstm_loadgen" -i c0 -R "$CLIENTS" -d "$PERIOD" -w "$WINDOW" --json "$@" >"$out"
	local rate drops p50 p99 completed bad
	rate=$(jq_num "$out" rate)
	drops=$(jq_num "$out" drops)
	p50=$(jq_num "$out" lat_p50_ms)
	p99=$(jq_num "$out" lat_p99_ms)
	completed=$(jq_num "$out" completed)
	bad=$(( $(jq_num "$out" bad_advertise) + $(jq_num "$out" bad_reply) ))
	RATE[$name]=$rate
	DROPS[$name]=$drops
	DETAIL[$name]="completed $completed, bad answers $bad, latency p50 ${p50} ms p99 ${p99} ms"
	printf '  %-28s %10.1f exchanges/s  drops %-8s  %s\n' "$name" "$rate" "$drops" "${DETAIL[$name]}"
}

# jq_num FILE KEY: a number from dstm_loadgen's one-line JSON
jq_num() {
	sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }

# ds46_start NAME SYNC STORE: start ds46-dstmd on a fresh store
ds46_start() {
	local name=$1 sync=$2 store=$3
	rm -f "$store" "$store-wal" "$store-shm"
	dstmd_conf "$TMP/dstmd-$name.conf" "$store" "$sync" "10.0.0.0/8"
	start_bg "$TMP/dstmd-$name.log" "$B/ds46-dstmd" -c "$TMP/dstmd-$name.conf"
	DSTMD_PID=$BGPID
	wait_ready "$DSTMD_PID" "$TMP/dstmd-$name.log" 'ready:' 60
}

ds46_stop() {
	local name=$1
	in_srv "$B/ds46ctl" -s "$TMP/dstmd.sock" --json stats >"$TMP/dstmd-$name.stats.json" 2>&1 || true
	stop_bg "$DSTMD_PID"
}

null_start() {
	start_bg "$TMP/null.log" "$B/bench/dhcp6_null_responder" -i s0 -d $((PERIOD * 4 + 120))
	NULL_PID=$BGPID
	wait_ready "$NULL_PID" "$TMP/null.log" 'ready:' 10
}

echo "ds46 benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  kernel $(uname -r)"
echo "  net.core.rmem_default $(sysctl -n net.core.rmem_default) during the run (BENCH_RMEM; restored after)"
echo "  period ${PERIOD}s, ${CLIENTS} simulated clients, unlimited rate, 4-way exchanges;"
echo "  perfdhcp $(perfdhcp -v 2>&1 | head -1) -g $PDTHREADS; kea-dhcp6 $(kea-dhcp6 -v 2>&1 | head -1)"
echo "  stores in $TMP ($(df -T "$TMP" | awk 'NR == 2 { print $2 }'))"
if pgrep -x kea-dhcp6 >/dev/null; then
	echo "  note: a kea-dhcp6 runs outside this benchmark; it cannot see the namespaces' traffic"
fi

# ---- 1. perfdhcp (plain IA_NA) -----------------------------------------------
echo
echo "== 1. perfdhcp -6 -l c0 -R $CLIENTS -p $PERIOD -g $PDTHREADS (plain IA_NA, 4-way)"
null_start
perfdhcp_run null-responder
stop_bg "$NULL_PID"

kea_conf "$TMP/kea6.json"
rm -f "$TMP"/kea-leases6.csv*
# its own pid and lock directories: no clash with a system kea service
start_bg "$TMP/kea.log" env KEA_PIDFILE_DIR="$TMP" KEA_LOCKFILE_DIR="$TMP" kea-dhcp6 -c "$TMP/kea6.json"
KEA_PID=$BGPID
wait_ready "$KEA_PID" "$TMP/kea.log" 'DHCP6_MULTI_THREADING_INFO\|DHCP6_STARTED' 30
sleep 0.5
perfdhcp_run kea-2.2-memfile
stop_bg "$KEA_PID"
KEA_LEASE_LINES=$(cat "$TMP"/kea-leases6.csv* 2>/dev/null | grep -vc '^address' || true)
echo "  (kea lease file: $KEA_LEASE_LINES lease records written)"

ds46_start pd-full full "$TMP/pd-full.db"
perfdhcp_run ds46-sync-full
ds46_stop pd-full
ds46_start pd-normal normal "$TMP/pd-normal.db"
perfdhcp_run ds46-sync-normal
ds46_stop pd-normal

# ---- 2. dstm_loadgen (IPv4 Global Address option + IA_NA) ---------------------
echo
echo "== 2. dstm_loadgen -R $CLIENTS -d $PERIOD -w $WINDOW (IPv4 option before IA_NA, 4-way)"
null_start
loadgen_run null-responder-dstm -S 1
stop_bg "$NULL_PID"
ds46_start lg-full full "$TMP/lg-full.db"
loadgen_run ds46-dstm-sync-full -S 2
ds46_stop lg-full
ds46_start lg-normal normal "$TMP/lg-normal.db"
loadgen_run ds46-dstm-sync-normal -S 3
ds46_stop lg-normal
LG_V4_FULL=$(sed -n 's/.*"leases_v4_assigned": *\([0-9]*\).*/\1/p' "$TMP/dstmd-lg-full.stats.json")
echo "  (ds46 sync=full assigned ${LG_V4_FULL:-?} IPv4 leases; later exchanges of the same clients extend them)"

# ---- 3. start-up with a large store ---------------------------------------------
echo
echo "== 3. start-up with $NLEASES leases in the store"
# time_to_ready NAME STORE: sets T_READY (seconds) and RSS_KIB.  The store
# was just written, so its pages are in the page cache (warm start).
time_to_ready() {
	local name=$1 store=$2 t0 t1
	dstmd_conf "$TMP/dstmd-$name.conf" "$store" full "10.0.0.0/8"
	t0=$(date +%s%N)
	start_bg "$TMP/dstmd-$name.log" "$B/ds46-dstmd" -c "$TMP/dstmd-$name.conf"
	DSTMD_PID=$BGPID
	wait_ready "$DSTMD_PID" "$TMP/dstmd-$name.log" 'ready:' 600
	t1=$(date +%s%N)
	sleep 0.2
	RSS_KIB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DSTMD_PID/status")
	ds46_stop "$name"
	T_READY=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
}
rm -f "$TMP/empty.db"
time_to_ready empty "$TMP/empty.db"
T_EMPTY=$T_READY RSS_EMPTY=$RSS_KIB
"$B/bench/mkleases" -f "$TMP/big.db" -n "$NLEASES" -a 10.0.0.1 | sed 's/^/  /'
time_to_ready big "$TMP/big.db"
T_BIG=$T_READY RSS_BIG=$RSS_KIB
BIG_LOADED=$(grep -o 'ready: [0-9]* leases' "$TMP/dstmd-big.log" | grep -o '[0-9]*' || echo "?")
BYTES_PER_LEASE=$(awk -v a="$RSS_BIG" -v b="$RSS_EMPTY" -v n="$NLEASES" \
	'BEGIN { printf "%.0f", (a - b) * 1024 / n }')
STORE_MB=$(du -m "$TMP/big.db" | cut -f1)
printf '  empty store:   ready after %6.3f s, RSS %8.1f MiB\n' "$T_EMPTY" "$(awk -v k="$RSS_EMPTY" 'BEGIN { print k / 1024 }')"
printf '  %s leases: ready after %6.3f s, RSS %8.1f MiB (%s leases loaded, store file %s MiB)\n' \
	"$NLEASES" "$T_BIG" "$(awk -v k="$RSS_BIG" 'BEGIN { print k / 1024 }')" "$BIG_LOADED" "$STORE_MB"
echo "  memory per lease: $BYTES_PER_LEASE bytes (RSS difference / $NLEASES)"

# ---- summary -----------------------------------------------------------------------
K=${RATE[kea-2.2-memfile]}
echo
echo "== summary (period ${PERIOD}s, ${CLIENTS} clients, $(date -u +%Y-%m-%d))"
printf '  %-34s %12s %10s %12s %14s\n' server "leases/s" drops "vs Kea" "% of ceiling"
for n in kea-2.2-memfile ds46-sync-full ds46-sync-normal null-responder; do
	printf '  %-34s %12.1f %10s %12s %14s\n' "perfdhcp: $n" "${RATE[$n]}" "${DROPS[$n]}" \
		"$(ratio "${RATE[$n]}" "$K")x" "$(pct "${RATE[$n]}" "${RATE[null-responder]}")"
done
for n in ds46-dstm-sync-full ds46-dstm-sync-normal null-responder-dstm; do
	printf '  %-34s %12.1f %10s %12s %14s\n' "dstm_loadgen: $n" "${RATE[$n]}" "${DROPS[$n]}" \
		"$(ratio "${RATE[$n]}" "$K")x" "$(pct "${RATE[$n]}" "${RATE[null-responder-dstm]}")"
done
echo "  targets: ds46 >= 3x Kea (perfdhcp: $(ratio "${RATE[ds46-sync-full]}" "$K")x with sync=full)," \
	"ds46 >= 90% of the generator's ceiling" \
	"(perfdhcp $(pct "${RATE[ds46-sync-full]}" "${RATE[null-responder]}")," \
	"dstm_loadgen $(pct "${RATE[ds46-dstm-sync-full]}" "${RATE[null-responder-dstm]}") with sync=full)"
echo "  start-up with $NLEASES leases: ${T_BIG} s to ready, RSS $((RSS_BIG / 1024)) MiB," \
	"$BYTES_PER_LEASE bytes/lease (empty store: ${T_EMPTY} s, $((RSS_EMPTY / 1024)) MiB)"
