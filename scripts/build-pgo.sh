#!/usr/bin/env bash
# Prepares BUILD_DIR (default build/) for a Release build with profile-guided
# optimisation (GCC): builds mieruka instrumented, trains it, and configures the
# same tree to use the profile; the caller then builds the targets it needs
# (`cmake --build BUILD_DIR`). Extra arguments go to cmake. Used by test.sh and
# for the benchmarks, so the binary that is tested and benchmarked is the one an
# appliance would run (scripts/demo.sh builds once, without a profile, to be quick).
#
# Training covers the hot path: decode, SPAN dedup, flows, reassembly, the
# ledger, Modbus/EtherNet/IP/OPC UA/DNS/LLDP/DHCP from the generator (its own
# seeds, not the benchmark's), the bundled captures for the other dissectors,
# and one run through the SQLite store. Code the training never reaches is
# compiled as without a profile. The hostile, TCP-storm and MAC-flood variants
# are left out on purpose: with 20k packets of each in the mix the factory mix
# ran 9% and 16% slower (interleaved perf stat, docs/performance.md) and had 7% more simulated
# I1 misses, while the variants gained nothing measurable.
# If training fails the tree is rebuilt without PGO, with a warning: a build
# always comes out.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
shift || true
jobs="$(nproc)"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMIERUKA_BENCH=ON -DMIERUKA_PGO=generate "$@" >/dev/null
find "$build" -name '*.gcda' -delete
cmake --build "$build" -j"$jobs" --target mieruka mieruka_gen_factory

# Every step checks itself: `set -e` does not apply inside a function that an
# `if` calls.
train() {
  local dir gen mieruka f
  dir="$(mktemp -d)"
  trap 'rm -rf "$dir"' RETURN
  gen="$build/bench/mieruka_gen_factory"
  mieruka="$build/mieruka"
  "$gen" --packets 600000 --seed 1 "$dir/factory.pcap" 2>/dev/null || return 1
  "$gen" --packets 20000 --seed 2 "$dir/store.pcap" 2>/dev/null || return 1
  "$mieruka" -q read --no-store "$dir/factory.pcap" || return 1
  "$mieruka" -q read --no-store "$dir/store.pcap" || return 1
  for f in pcaps/*.pcap pcaps/*.pcapng; do
    if [ -e "$f" ]; then "$mieruka" -q read --no-store "$f" || return 1; fi
  done
  "$mieruka" -q --db "$dir/train.db" read "$dir/store.pcap" || return 1
}

if train; then
  cmake -S . -B "$build" -DMIERUKA_PGO=use >/dev/null
else
  echo "build-pgo: training failed; building $build without profile-guided optimisation" >&2
  cmake -S . -B "$build" -DMIERUKA_PGO= >/dev/null
fi
