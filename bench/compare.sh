#!/usr/bin/env bash
# bench/compare.sh: mieruka builds side by side with the floor and ndpiReader,
# in interleaved rounds (docs/performance.md).
#
#   bench/compare.sh ROUNDS CAPTURE FLOOR NAME=MIERUKA_BINARY...
#   e.g. bench/compare.sh 9 build-bench/bench/run/factory.pcap build-bench/bench/bench_floor \
#          old=/tmp/mieruka-old new=build/mieruka
#
# Each round runs the floor, every named `mieruka read --no-store -q`, then
# ndpiReader (skipped when not installed) once each under `perf stat -e
# task-clock`, so a slow spell on a shared machine hits all of them; each tool
# keeps its best round. Prints the best times and, in packets per second,
# each tool against the floor and against ndpiReader. Hardware counters are
# not needed: task-clock is a software event.
set -euo pipefail

if [[ $# -lt 4 ]]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
rounds="$1" capture="$2" floor="$3"
shift 3
for tool in perf "$floor"; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (install linux-perf / build bench_floor)" >&2; exit 1; }
done
[[ -r "$capture" ]] || { echo "compare.sh: $capture: cannot read the capture" >&2; exit 1; }

names=(floor)
declare -A bin best
for arg in "$@"; do
  [[ "$arg" == *=* ]] || { echo "compare.sh: '$arg' is not NAME=BINARY" >&2; exit 2; }
  bin[${arg%%=*}]="${arg#*=}"
  names+=("${arg%%=*}")
done
if command -v ndpiReader >/dev/null; then names+=(ndpi); fi

# task-clock of one run, in milliseconds
clock_ms() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }

for ((r = 0; r < rounds; ++r)); do
  for name in "${names[@]}"; do
    case "$name" in
      floor) t="$(clock_ms "$floor" "$capture")" ;;
      ndpi) t="$(clock_ms ndpiReader -q -i "$capture")" ;;
      *) t="$(clock_ms "${bin[$name]}" read --no-store -q "$capture")" ;;
    esac
    [[ -n "$t" ]] || { echo "compare.sh: $name did not run (see perf stat)" >&2; exit 1; }
    if [[ -z "${best[$name]:-}" ]] || awk -v a="$t" -v b="${best[$name]}" 'BEGIN { exit !(a < b) }'; then
      best[$name]="$t"
    fi
  done
done

for name in "${names[@]}"; do
  awk -v n="$name" -v t="${best[$name]}" -v f="${best[floor]}" -v d="${best[ndpi]:-0}" 'BEGIN {
    line = sprintf("%-10s %9.1f ms   x/floor %.3f", n, t, f / t)
    if (d > 0) line = line sprintf("   x/ndpiReader %.2f", d / t)
    print line
  }'
done
