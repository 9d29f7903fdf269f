#!/usr/bin/env bash
# Install what ds46 needs to build, test, demo and benchmark, on Debian 12,
# only when missing.  Usage: scripts/deps.sh [build|test|bench]
set -euo pipefail
what=${1:-test}
pkgs=(make gcc pkg-config libconfig-dev libjson-c-dev libevent-dev libssl-dev
      libsqlite3-dev libmnl-dev iproute2 sqlite3)
case $what in
test|bench) pkgs+=(clang libclang-rt-14-dev libcmocka-dev python3 python3-pytest
                   python3-scapy tshark valgrind procps kea-admin iputils-ping nftables) ;;
esac
case $what in
bench) pkgs+=(kea-dhcp6-server iperf3) ;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	# Packages that ship daemons (kea-dhcp6-server for the benchmark) must
	# not start them: a DHCPv6 server answering on the host's own links is
	# not what a benchmark run should leave behind.  policy-rc.d tells
	# invoke-rc.d not to start services during this install.
	prc=/usr/sbin/policy-rc.d
	created_prc=
	if [ ! -e "$prc" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$prc"
		chmod +x "$prc"
		created_prc=1
	fi
	rc=0
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	[ -n "$created_prc" ] && rm -f "$prc"
	[ "$rc" -eq 0 ] || exit "$rc"
	# and a server package installed here does not stay enabled for the
	# next boot (a service the operator had installed before is left alone)
	for p in "${missing[@]}"; do
		case $p in
		kea-dhcp6-server)
			if command -v systemctl >/dev/null; then
				systemctl disable --now "$p" >/dev/null 2>&1 || true
			fi ;;
		esac
	done
fi
