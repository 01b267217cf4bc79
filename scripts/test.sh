#!/usr/bin/env bash
# The README's second command (and .ci/run): set up, then build two trees once each
# and run every test in both:
#   build/       GCC, Release: every unit, golden, end-to-end and replay test, and
#                the benchmarks' smoke tests.
#   build-fuzz/  clang, AddressSanitizer + UndefinedBehaviorSanitizer with libFuzzer's
#                coverage: the same tests again under the sanitizers, then every
#                libFuzzer target for a bounded number of inputs.
# The profile-guided build (scripts/build-pgo.sh) is how the package and the
# benchmarks build mieruka; it compiles the code twice and changes only how GCC
# optimises, so the test run leaves it out (docs/performance.md, "The test run").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs="$(nproc)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Fuzzing in CI is reproducible: a fixed seed and a fixed number of runs, so the
# same commit fuzzes the same inputs on every machine (a time cap bounds slow
# machines to a prefix of that same sequence). Exploratory fuzzing with fresh
# seeds is scripts/fuzz.sh.
fuzz_seconds="${MIERUKA_FUZZ_SECONDS:-60}"
fuzz_runs="${MIERUKA_FUZZ_RUNS:-100000}"
fuzz_seed="${MIERUKA_FUZZ_SEED:-1}"
stamp() { echo "== $(date -u +%H:%M:%S) $*"; }

# A tree configured earlier with another generator is configured afresh.
configure() {
  local dir="$1"; shift
  if [ -f "$dir/CMakeCache.txt" ] && ! grep -q "^CMAKE_GENERATOR:INTERNAL=${generator[1]:-Unix Makefiles}$" "$dir/CMakeCache.txt"; then
    rm -rf "$dir"
  fi
  cmake "${generator[@]}" -S . -B "$dir" "$@" >/dev/null
}

stamp "Release build"
configure build -DCMAKE_BUILD_TYPE=Release -DMIERUKA_TESTS=ON -DMIERUKA_BENCH=ON -DMIERUKA_PGO=
cmake --build build -j"$jobs"
stamp "Release tests"
ctest --test-dir build --output-on-failure -j"$jobs"

stamp "clang ASan + UBSan + libFuzzer build"
# -O1 and line tables only, as AddressSanitizer's documentation advises: reports
# keep their file and line, the tree builds in less time.
CC=clang CXX=clang++ configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIERUKA_FUZZ=ON -DMIERUKA_BENCH=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG"
cmake --build build-fuzz -j"$jobs"
stamp "ASan + UBSan tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
  ctest --test-dir build-fuzz --output-on-failure -j"$jobs"

stamp "libFuzzer targets (seed ${fuzz_seed}, ${fuzz_runs} runs or ${fuzz_seconds}s each, ${jobs} at a time)"
targets=$(cd tests/fuzz && ls fuzz_*.cpp 2>/dev/null | sed 's/\.cpp$//')
# One target: its corpus copied to a scratch directory (the fuzzer adds to it),
# the crashing input and the log kept there on failure.
fuzz_one() {
  local t="$1" parser="${1#fuzz_}" work
  work="$(mktemp -d)"
  [ -d "tests/fuzz/corpus/$parser" ] && cp -r "tests/fuzz/corpus/$parser/." "$work/" 2>/dev/null || true
  if (cd "$work" && "$OLDPWD/build-fuzz/tests/$t" -seed="$fuzz_seed" -runs="$fuzz_runs" -max_total_time="$fuzz_seconds" \
        -rss_limit_mb=2048 -artifact_prefix="$work/" "$work" >"$work/log" 2>&1); then
    echo "-- $t"
    rm -rf "$work"
  else
    echo "fuzz target $t failed; crashing input kept in $work:"; tail -30 "$work/log"
    return 1
  fi
}
export -f fuzz_one
export fuzz_seed fuzz_runs fuzz_seconds
echo $targets | tr ' ' '\n' | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$1"' _ {} || {
  echo "fuzz: a target failed (above)"; exit 1; }
stamp "fuzz: $(echo $targets | wc -w) targets ran without a crash (seed ${fuzz_seed})"
