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
# A MAC flood under a small budget: the summary's peak stays under it and the
# ledger shed (the flood is ~80 MiB unbudgeted).
flood="$out/flood.pcap"
"$gen" --packets 5000 --seed 4 --mac-flood 300000 "$flood"
"$mieruka" --memory-budget-mb 48 read --no-store "$flood" 2> "$out/flood.txt"
peak=$(sed -n 's/^peak memory \([0-9]*\) MiB (budget 48 MiB)$/\1/p' "$out/flood.txt")
[ -n "$peak" ] && [ "$peak" -le 48 ] || { echo "smoke: MAC flood peak '${peak}' MiB over the 48 MiB budget" >&2; cat "$out/flood.txt" >&2; exit 1; }
grep -q "ledger.assets_shed=" "$out/flood.txt" || { echo "smoke: nothing shed under the budget" >&2; exit 1; }
# 400,000 spoofed senders, one UDP datagram each to a PLC, under a 64 MiB
# budget: they go with their one-datagram edges and flows (unbudgeted they
# hold about 440 MiB), and the peak stays under the budget.
spoof="$out/spoof.pcap"
"$gen" --packets 5000 --seed 5 --spoof-flood 400000 "$spoof"
"$mieruka" --memory-budget-mb 64 read --no-store "$spoof" 2> "$out/spoof.txt"
speak=$(sed -n 's/^peak memory \([0-9]*\) MiB (budget 64 MiB)$/\1/p' "$out/spoof.txt")
[ -n "$speak" ] && [ "$speak" -le 64 ] || { echo "smoke: spoofed-sender flood peak '${speak}' MiB over the 64 MiB budget" >&2; cat "$out/spoof.txt" >&2; exit 1; }
grep -q "ledger.edges_shed=" "$out/spoof.txt" || { echo "smoke: no edge shed under the spoofed-sender flood" >&2; exit 1; }
if [ -n "$alloc" ]; then "$alloc" --gtest_brief=1; fi
echo "smoke: $packets packets ($bytes bytes), $assets assets, MAC flood peak $peak MiB of 48, spoofed-sender flood peak $speak MiB of 64: ok"
