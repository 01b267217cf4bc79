#!/usr/bin/env bash
# bench/run.sh: the side-by-side benchmark (docs/performance.md).
#
#   bench/run.sh [BUILD_DIR] [PACKETS]      defaults: build-bench next to the repo, 2000000
#
# Builds the bench targets and mieruka (cmake --build only), generates the
# factory captures (base mix, MAC flood, TCP storm, hostile), then runs on the
# same files in the same run: the libpcap floor (bench_floor), tshark with the
# industrial fields, ndpiReader (if installed: bench/run.sh --install-ndpi
# installs Debian's libndpi-bin first; CI never does), `mieruka read --no-store`
# and `mieruka read` with the SQLite store. Prints packets/s and MB/s (per CPU
# second, user+sys, best of REPEAT interleaved rounds), peak RSS, and the ratios. Machines
# differ: quote the ratios, not the absolute numbers.
# Environment: REPEAT (default 3), TSHARK=0 / NDPI=0 skip those peers,
# MIERUKA_ARGS extra arguments for mieruka read.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
if [ "${1:-}" = "--install-ndpi" ]; then
  shift
  if ! command -v ndpiReader >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y -qq --no-install-recommends libndpi-bin >/dev/null
  fi
fi
build=${1:-$(dirname "$src")/build-bench}
packets=${2:-2000000}
repeat=${REPEAT:-3}
out="$build/bench/run"
mkdir -p "$out"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DMIERUKA_BENCH=ON >/dev/null
fi
cmake --build "$build" --target mieruka mieruka_gen_factory bench_floor -j"$(nproc)" >/dev/null
gen="$build/bench/mieruka_gen_factory"
floor="$build/bench/bench_floor"
mieruka="$build/mieruka"

declare -A files=(
  [factory]="--packets $packets"
  [macflood]="--packets $packets --mac-flood 1000000"
  [tcpstorm]="--packets $packets --tcp-storm 200000"
  [hostile]="--packets $packets --hostile 5"
)
order=(factory macflood tcpstorm hostile)
for name in "${order[@]}"; do
  f="$out/$name.pcap"
  # shellcheck disable=SC2086
  [ -s "$f" ] || "$gen" ${files[$name]} --seed 8 "$f" 2>/dev/null
done

# once LABEL CMD...: one run of CMD; keeps the least CPU time (user+sys) and the
# largest peak RSS seen for LABEL. The CPU time comes from bash's `times` in a
# subshell that runs only CMD, in 1 ms steps: /usr/bin/time prints it in 10 ms
# steps, a tenth of the floor's whole run on a 1M-packet capture. /usr/bin/time
# is there for the peak RSS only (its own ~1 ms counts for every tool alike).
declare -A best=() peak=()
once() {
  local label=$1 t m
  shift
  t=$( (/usr/bin/time -f "%M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || exit 1; times) |
      awk 'NR == 2 { s = 0; for (i = 1; i <= 2; ++i) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] }
                     printf "%.3f", s }') || true
  if [ -z "$t" ]; then echo "bench: $* failed:" >&2; tail -3 "$out/stderr.txt" >&2; return 1; fi
  read -r m < "$out/time.txt"
  if [ -z "${best[$label]:-}" ] || awk -v a="$t" -v b="${best[$label]}" 'BEGIN { exit !(a < b) }'; then
    best[$label]=$t
  fi
  [ "$m" -gt "${peak[$label]:-0}" ] && peak[$label]=$m
  return 0
}

fields=(-e frame.number -e modbus.func_code -e enip.command -e enip.lir.name -e enip.lir.devtype
        -e cip.id.product_name -e opcua.EndpointUrl -e opcua.servicenodeid.numeric
        -e lldp.tlv.system.name -e dhcp.option.hostname)

printf '%-9s %-17s %12s %9s %10s %9s\n' capture tool packets/s MB/s peakRSS_MiB ratio
for name in "${order[@]}"; do
  f="$out/$name.pcap"
  read -r npk nbytes < <("$floor" "$f")
  mb=$(awk -v b="$nbytes" 'BEGIN { print b / 1048576 }')
  declare -A pps=()
  report() {  # tool secs rss
    local rate mbs
    rate=$(awk -v n="$npk" -v t="$2" 'BEGIN { printf "%.0f", n / (t > 0 ? t : 0.001) }')
    mbs=$(awk -v m="$mb" -v t="$2" 'BEGIN { printf "%.1f", m / (t > 0 ? t : 0.001) }')
    pps[$1]=$rate
    printf '%-9s %-17s %12s %9s %10d\n' "$name" "$1" "$rate" "$mbs" $(($3 / 1024))
  }
  # Rounds interleave the tools, so a slow spell on a shared machine hits them
  # alike instead of one tool's whole best-of; tshark (slow) runs once.
  best=() peak=()
  tools=(floor mieruka-nostore mieruka-store)
  if [ "$name" = factory ] && [ "${TSHARK:-1}" = 1 ] && command -v tshark >/dev/null; then
    once tshark tshark -n -r "$f" -T fields "${fields[@]}"; tools+=(tshark)
  fi
  if [ "$name" = factory ] && [ "${NDPI:-1}" = 1 ] && command -v ndpiReader >/dev/null; then tools+=(ndpiReader); fi
  db="$out/$name.db"
  for _ in $(seq "$repeat"); do
    once floor "$floor" "$f"
    # shellcheck disable=SC2086
    once mieruka-nostore "$mieruka" read --no-store -q ${MIERUKA_ARGS:-} "$f"
    once mieruka-store bash -c 'rm -f "$1" "$1"-wal "$1"-shm; exec "$2" --db "$1" read -q --force "$3"' _ "$db" "$mieruka" "$f"
    if [[ " ${tools[*]} " == *" ndpiReader "* ]]; then once ndpiReader ndpiReader -q -i "$f"; fi
  done
  for tool in "${tools[@]}"; do report "$tool" "${best[$tool]}" "${peak[$tool]}"; done
  awk -v m="${pps[mieruka-nostore]}" -v f="${pps[floor]}" -v s="${pps[mieruka-store]}" \
      -v t="${pps[tshark]:-0}" -v n="${pps[ndpiReader]:-0}" -v name="$name" 'BEGIN {
    printf "%-9s ratios: mieruka/floor %.3f", name, m / f
    if (t > 0) printf "  mieruka/tshark %.1f", m / t
    if (n > 0) printf "  mieruka/ndpiReader %.2f", m / n
    printf "  store overhead %+.1f%%\n", (m / s - 1) * 100 }'
  unset pps
done
