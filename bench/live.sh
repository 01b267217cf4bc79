#!/usr/bin/env bash
# bench/live.sh: the live-capture benchmark (docs/performance.md "Live capture").
#
#   bench/live.sh [BUILD_DIR]         full run; default build dir: build-bench next to the repo
#   bench/live.sh --once PPS          one `mieruka capture` step at PPS; exit 0 when it
#                                     received every packet sent with zero drops (the smoke)
#
# Needs root (exits 77 with a one-line reason otherwise, or when network
# namespaces, veth or tcpreplay are missing). Creates a private network namespace
# with a veth pair whose both ends live inside it (mk0 <-> mk1, IPv6 off so the
# kernel sends nothing of its own): nothing touches the host's interfaces and
# nothing leaves the namespace; a trap deletes it on exit. Generates a factory
# capture with bench/mieruka_gen_factory (as bench/run.sh does), then for rising
# rates replays it with `tcpreplay --pps` into mk1 (pinned to CPU 0) while the
# reader listens on mk0 (pinned to CPU 1): first `mieruka capture` (its kernel
# ring of BUFFER_MB MiB), then bench_floor_live, a libpcap reader that only
# counts (TPACKET_V3 ring of the same size). Once a step drops, a binary search
# between the last clean and the first dropping rate narrows it down to 5 %.
# A step is clean when the reader's kernel and interface drop counters are 0
# and it received at least every packet tcpreplay sent. Prints a table per step
# and, last, the highest clean pps of each reader and their ratio. Machines
# differ: quote the ratio. Ring versions: libpcap 1.10 gives both readers a
# TPACKET_V3 ring (`mieruka capture` does not ask for immediate mode, for which
# libpcap falls back to TPACKET_V2's fixed-size frames; FLOOR_ARGS=--immediate
# puts the floor on V2 to compare).
# When tcpreplay cannot reach a rate (sent < 95 % of it)
# the climb stops there and the result is marked "sender-limited".
# Environment: STEP_S (seconds per step, default 4), BUFFER_MB (default 64),
# RATES (the climb, pps), PACKETS (capture size, default 1000000),
# MIERUKA / CAPTURE (use this binary / capture, skip the build and the generator),
# MIERUKA_ARGS (extra arguments for mieruka capture), FLOOR_ARGS (e.g. --immediate).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
once=""
if [ "${1:-}" = "--once" ]; then once=${2:?"--once needs a rate in pps"}; shift 2; fi
build=${1:-$(dirname "$src")/build-bench}
step_s=${STEP_S:-4}
buffer_mb=${BUFFER_MB:-64}
read -r -a rates <<<"${RATES:-5000 10000 20000 40000 80000 120000 160000 200000 300000}"
packets=${PACKETS:-1000000}

skip() { echo "live.sh: skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, veth, packet sockets)"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v tcpreplay >/dev/null || skip "no tcpreplay (apt-get install tcpreplay)"
command -v taskset >/dev/null || skip "no taskset (util-linux)"

ns="mieruka-live-$$"
work=$(mktemp -d)
readers=()
cleanup() {
  for p in "${readers[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link add mk0 type veth peer name mk1 2>/dev/null || skip "no veth support in this kernel"
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
  net.ipv6.conf.mk0.disable_ipv6=1 net.ipv6.conf.mk1.disable_ipv6=1 >/dev/null 2>&1 || true
in_ns ip link set lo up
in_ns ip link set mk0 up
in_ns ip link set mk1 up
cpus=$(nproc)
reader_cpu=$((cpus > 1 ? 1 : 0))

if [ -n "${MIERUKA:-}" ]; then
  mieruka=$MIERUKA
else
  if [ ! -f "$build/CMakeCache.txt" ]; then cmake -S "$src" -B "$build" -DMIERUKA_BENCH=ON >/dev/null; fi
  targets=(mieruka)
  [ -z "$once" ] && targets+=(bench_floor_live)
  [ -z "${CAPTURE:-}" ] && targets+=(mieruka_gen_factory)
  cmake --build "$build" --target "${targets[@]}" -j"$cpus" >/dev/null
  mieruka="$build/mieruka"
fi
floor="$build/bench/bench_floor_live"
if [ -n "${CAPTURE:-}" ]; then
  capture=$CAPTURE
else
  mkdir -p "$build/bench/live"
  capture="$build/bench/live/factory_$packets.pcap"
  [ -s "$capture" ] || "$build/bench/mieruka_gen_factory" --packets "$packets" --seed 8 "$capture" >/dev/null 2>&1
fi

# wait_for FILE PATTERN PID: until the reader says its capture is active.
wait_for() {
  for _ in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# step TOOL PPS: one replay at PPS into mk1 with TOOL listening on mk0. Sets
# sent, sent_pps, received, kdrop, ifdrop, clean (1/0), limited (1/0).
step() {
  # The readers are started without a shell function in between, so $! is the
  # reader itself and SIGTERM reaches it (a background job ignores SIGINT).
  local tool=$1 pps=$2 n=$(($2 * step_s)) pid out=$work/out err=$work/err
  rm -f "$work"/live.db* "$out" "$err"
  if [ "$tool" = mieruka ]; then
    # shellcheck disable=SC2086
    ip netns exec "$ns" taskset -c "$reader_cpu" "$mieruka" --db "$work/live.db" capture -i mk0 --buffer-mb "$buffer_mb" \
      --flush-interval 3600 ${MIERUKA_ARGS:-} >"$out" 2>"$err" &
    pid=$!
    readers=("$pid")
    wait_for "$err" "capturing on" "$pid" || { echo "live.sh: mieruka capture did not start:" >&2; tail -3 "$err" >&2; return 1; }
  else
    # shellcheck disable=SC2086
    ip netns exec "$ns" taskset -c "$reader_cpu" "$floor" mk0 --buffer-mb "$buffer_mb" ${FLOOR_ARGS:-} >"$out" 2>"$err" &
    pid=$!
    readers=("$pid")
    wait_for "$err" "^ready" "$pid" || { echo "live.sh: bench_floor_live did not start:" >&2; tail -3 "$err" >&2; return 1; }
  fi
  local rep
  rep=$(in_ns taskset -c 0 tcpreplay -i mk1 --pps "$pps" --limit "$n" --loop 0 --preload-pcap "$capture" 2>&1) || {
    echo "live.sh: tcpreplay failed:" >&2; echo "$rep" | tail -3 >&2; return 1; }
  sleep 1.5  # let the reader empty its ring
  kill -TERM "$pid"
  wait "$pid" || { echo "live.sh: $tool exited non-zero:" >&2; tail -3 "$err" >&2; return 1; }
  readers=()
  sent=$(echo "$rep" | awk '/Actual:/ { print $2; exit }')
  sent_pps=$(echo "$rep" | awk '/Rated:/ { for (i = 1; i < NF; ++i) if ($(i + 1) ~ /^pps/) { printf "%.0f", $i; exit } }')
  if [ "$tool" = mieruka ]; then
    local line
    line=$(grep "^captured .* dropped by kernel" "$err" | tail -1)
    received=$(echo "$line" | sed -E 's/^captured ([0-9]+) packets.*/\1/')
    kdrop=$(echo "$line" | sed -E 's/.*dropped by kernel ([0-9]+).*/\1/')
    ifdrop=$(echo "$line" | sed -E 's/.*dropped by interface ([0-9]+).*/\1/')
  else
    read -r received _ _ kdrop ifdrop <"$out"
  fi
  clean=0
  [ "$kdrop" -eq 0 ] && [ "$ifdrop" -eq 0 ] && [ "$received" -ge "$sent" ] && clean=1
  limited=0
  [ "$sent_pps" -lt $((pps * 95 / 100)) ] && limited=1
  local verdict=DROPS
  [ "$clean" = 1 ] && verdict=clean
  [ "$limited" = 1 ] && verdict+=" sender-limited"
  printf '%-8s %10s %10s %10s %10s %9s %8s  %s\n' "$tool" "$pps" "$sent" "$sent_pps" "$received" "$kdrop" "$ifdrop" "$verdict"
}

header() { printf '%-8s %10s %10s %10s %10s %9s %8s  %s\n' reader rate_pps sent sent_pps received kern_drop if_drop verdict; }

if [ -n "$once" ]; then
  header
  step mieruka "$once"
  if [ "$clean" != 1 ] || [ "$received" -ne "$sent" ]; then echo "live.sh: not clean at $once pps" >&2; exit 1; fi
  exit 0
fi

# search TOOL: climb RATES, then bisect; prints the table rows and sets best
# (highest clean sent pps) and best_note.
search() {
  local tool=$1 lo=0 hi=0 r mid
  best=0 best_note=""
  for r in "${rates[@]}"; do
    step "$tool" "$r"
    if [ "$clean" = 0 ]; then hi=$r; break; fi
    lo=$r; best=$sent_pps
    if [ "$limited" = 1 ]; then best_note=" (sender-limited)"; return; fi
  done
  [ "$hi" -eq 0 ] && { best_note=" (no drop up to the last rate)"; return; }
  while [ "$lo" -gt 0 ] && [ $((hi * 100)) -gt $((lo * 105)) ]; do
    mid=$(((lo + hi) / 2))
    step "$tool" "$mid"
    if [ "$clean" = 1 ]; then
      lo=$mid; best=$sent_pps
      if [ "$limited" = 1 ]; then best_note=" (sender-limited)"; return; fi
    else hi=$mid; fi
  done
  [ "$lo" -eq 0 ] && best_note=" (drops at the lowest rate)"
  return 0
}

echo "live capture: $(basename "$capture"), ${step_s} s per step, buffer ${buffer_mb} MiB, reader on CPU $reader_cpu, tcpreplay on CPU 0"
header
search mieruka
m_best=$best m_note=$best_note
search floor
f_best=$best f_note=$best_note
awk -v m="$m_best" -v f="$f_best" -v mn="$m_note" -v fn="$f_note" 'BEGIN {
  ratio = "n/a"
  if (f > 0) ratio = sprintf("%.3f", m / f)
  # A sender-limited floor is a lower bound, so the ratio is an upper bound.
  if (f > 0 && fn ~ /sender-limited/) ratio = "<= " ratio
  printf "zero-drop: mieruka %d pps%s, floor %d pps%s, mieruka/floor %s\n", m, mn, f, fn, ratio }'
