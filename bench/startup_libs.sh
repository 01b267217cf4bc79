#!/usr/bin/env bash
# bench/startup_libs.sh: what the shared libraries cost a process start
# (docs/performance.md "Start-up").
#
#   bench/startup_libs.sh [MIERUKA_BINARY] [RUNS]
#
# Links an empty `int main() {}` against the C++ runtime only, against each library the
# binary names in its dynamic section (DT_NEEDED, each with the libraries it
# pulls in), and against all of them together, then times each with
# `perf stat -r RUNS -e task-clock` (a software event: no hardware counters
# needed). Last, the binary's own `--version` for comparison. The rows are
# start-up alone: loading, relocation and the libraries' initialisers, the
# part of every `mieruka read` that does not depend on the capture.
set -euo pipefail

bin="${1:-build/mieruka}"
runs="${2:-30}"
for tool in perf readelf c++; do
  command -v "$tool" >/dev/null || { echo "startup_libs.sh: $tool not found" >&2; exit 1; }
done
[[ -x "$bin" ]] || { echo "startup_libs.sh: $bin: not an executable (build it first)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo 'int main() { return 0; }' >"$work/empty.cpp"
mapfile -t needed < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')

# task-clock of one program, milliseconds, mean of `runs` runs
clock_ms() { perf stat -r "$runs" -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }
libs_of() { ldd "$1" | grep -c '=>\|ld-linux' || true; }

printf '%-28s %5s %9s\n' variant libs ms
build_and_time() {
  local name="$1"
  shift
  c++ -O2 "$work/empty.cpp" -o "$work/$name" -Wl,--no-as-needed "$@"
  printf '%-28s %5s %9.2f\n' "$name" "$(libs_of "$work/$name")" "$(clock_ms "$work/$name")"
}
build_and_time c++-runtime-only
for lib in "${needed[@]}"; do
  build_and_time "$lib" "-l:$lib"
done
all=()
for lib in "${needed[@]}"; do all+=("-l:$lib"); done
build_and_time all "${all[@]}"
printf '%-28s %5s %9.2f\n' "$(basename "$bin") --version" "$(libs_of "$bin")" "$(clock_ms "$bin" --version)"
