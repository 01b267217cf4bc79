#!/usr/bin/env bash
# The README's second command (and .ci/run): set up, then build and run every test
# three ways: Release (with profile-guided optimisation, as the package and the
# benchmarks build it: scripts/build-pgo.sh); AddressSanitizer + UndefinedBehaviorSanitizer; and the
# libFuzzer targets (clang) for a bounded time each. Build trees live in build-*/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs="$(nproc)"
# Fuzzing in CI is reproducible: a fixed seed and a fixed number of runs, so the
# same commit fuzzes the same inputs on every machine (a time cap bounds slow
# machines to a prefix of that same sequence). Exploratory fuzzing with fresh
# seeds is scripts/fuzz.sh.
fuzz_seconds="${MIERUKA_FUZZ_SECONDS:-60}"
fuzz_runs="${MIERUKA_FUZZ_RUNS:-100000}"
fuzz_seed="${MIERUKA_FUZZ_SEED:-1}"

echo "== Release build (profile-guided) and tests"
bash scripts/build-pgo.sh build -DMIERUKA_TESTS=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== ASan + UBSan build and tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIERUKA_SANITIZE=ON -DMIERUKA_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== libFuzzer targets (seed ${fuzz_seed}, ${fuzz_runs} runs or ${fuzz_seconds}s each)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIERUKA_FUZZ=ON \
  -DMIERUKA_BENCH=OFF >/dev/null
targets=$(cd tests/fuzz && ls fuzz_*.cpp 2>/dev/null | sed 's/\.cpp$//')
cmake --build build-fuzz -j"$jobs" --target $targets
for t in $targets; do
  parser="${t#fuzz_}"
  work="$(mktemp -d)"
  [ -d "tests/fuzz/corpus/$parser" ] && cp -r "tests/fuzz/corpus/$parser/." "$work/" 2>/dev/null || true
  echo "-- $t"
  (cd "$work" && "$OLDPWD/build-fuzz/tests/$t" -seed="$fuzz_seed" -runs="$fuzz_runs" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
      -artifact_prefix="$work/" "$work" >"$work/log" 2>&1) || {
    echo "fuzz target $t failed; crashing input kept in $work:"; tail -30 "$work/log"; exit 1; }
  rm -rf "$work"
done
echo "fuzz: $(echo $targets | wc -w) targets ran without a crash (seed ${fuzz_seed})"
