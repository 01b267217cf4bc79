#!/usr/bin/env bash
# Exploratory fuzzing with fresh seeds (CI uses a fixed seed: scripts/test.sh).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# New interesting inputs are added to tests/fuzz/corpus/<parser>/; a crash stops
# the run and is kept in tests/fuzz/regressions/<parser>/ once fixed, so ctest
# replays it for ever after.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"; shift || true
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIERUKA_FUZZ=ON \
  -DMIERUKA_BENCH=OFF >/dev/null
targets="${*:-$(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')}"
cmake --build build-fuzz -j"$(nproc)" --target $targets
for t in $targets; do
  parser="${t#fuzz_}"
  mkdir -p "tests/fuzz/corpus/$parser"
  echo "-- $t (${seconds}s)"
  build-fuzz/tests/"$t" -max_total_time="$seconds" -rss_limit_mb=2048 -artifact_prefix="/tmp/$t-" \
    "tests/fuzz/corpus/$parser" || { echo "$t crashed; the input is in /tmp/$t-crash-*"; exit 1; }
done
