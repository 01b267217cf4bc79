#!/usr/bin/env bash
# CI smoke run of the benchmark suite (ctest label "bench"): checks that the
# generator, the floor reader and `mieruka read --no-store` run on a small
# factory capture with every variant mixed in, and that the steady-state
# allocation test passes. Timing is not checked here: bench/run.sh measures.
#   smoke.sh GEN FLOOR MIERUKA OUT_DIR [ALLOC_TEST]
set -euo pipefail
gen=$1 floor=$2 mieruka=$3 out=$4 alloc=${5:-}
mkdir -p "$out"
cap="$out/smoke.pcap"
"$gen" --packets 20000 --seed 3 --mac-flood 2000 --tcp-storm 200 --hostile 2 "$cap"
read -r packets bytes < <("$floor" "$cap")
[ "$packets" -gt 20000 ] || { echo "smoke: floor counted $packets packets" >&2; exit 1; }
"$mieruka" read --no-store -q "$cap"
rm -f "$out/smoke.db" "$out/smoke.db-wal" "$out/smoke.db-shm"
"$mieruka" --db "$out/smoke.db" read -q "$cap"
assets=$("$mieruka" --db "$out/smoke.db" assets --format json | grep -c '"id"' || true)
[ "$assets" -ge 400 ] || { echo "smoke: only $assets assets in the ledger" >&2; exit 1; }
if [ -n "$alloc" ]; then "$alloc" --gtest_brief=1; fi
echo "smoke: $packets packets ($bytes bytes), $assets assets: ok"
