#!/usr/bin/env bash
# Benchmark (not a timed test) of the web console's API and assets page with
# 10,000 devices: a synthetic capture from bench/gen_factory with a MAC flood,
# read into a ledger, served by `mieruka serve` on loopback, then each request
# timed with curl (median of N runs; the first request also loads the ledger).
# Usage: bench/web_api.sh BUILD_DIR [DEVICES] [RUNS]
#   BUILD_DIR holds mieruka and mieruka_gen_factory (MIERUKA_BENCH=ON).
set -eu
build="$(cd "$1" && pwd)"; devices="${2:-10000}"; runs="${3:-9}"
bin="$build/mieruka"; gen="$build/bench/mieruka_gen_factory"
[ -x "$gen" ] || gen="$build/mieruka_gen_factory"
[ -x "$bin" ] && [ -x "$gen" ] || { echo "build mieruka and mieruka_gen_factory in $build first"; exit 1; }
tmp="$(mktemp -d)"; pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$gen" --packets 20000 --mac-flood "$devices" "$tmp/f.pcap" >/dev/null 2>&1
/usr/bin/time -f "read: %e s, %M KiB max RSS" "$bin" read -q "$tmp/f.pcap" --db "$tmp/m.db"
printf 'benchpass1\n' | "$bin" user add bench --role admin --db "$tmp/m.db" --password-file - 2>/dev/null
"$bin" snapshot -q --db "$tmp/m.db" --name base >/dev/null
"$bin" serve --db "$tmp/m.db" --http --listen 127.0.0.1:0 >"$tmp/serve.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q serving "$tmp/serve.out" && break; sleep 0.1; done
url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$tmp/serve.out")"
url="${url%/}"
curl -s -c "$tmp/jar" -H 'Content-Type: application/json' -d '{"user":"bench","password":"benchpass1"}' \
  "$url/api/v1/login" >/dev/null
assets="$(curl -s -b "$tmp/jar" "$url/api/v1/overview" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["assets"])')"
one="$(curl -s -b "$tmp/jar" "$url/api/v1/assets?per_page=1&sort=ip" |
       /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
echo "ledger: $assets assets; $runs runs per request; times in ms (median, max)"
time_it() {  # time_it LABEL PATH
  local t=()
  for _ in $(seq 1 "$runs"); do
    t+=("$(curl -s -o /dev/null -b "$tmp/jar" -w '%{time_total}' "$url$2")")
  done
  printf '%s\n' "${t[@]}" | sort -n | awk -v l="$1" '{a[NR]=$1} END {printf "%-34s %8.1f %8.1f\n", l, a[int((NR+1)/2)]*1000, a[NR]*1000}'
}
time_it "page: / (index.html)" "/"
time_it "page: /app.js" "/app.js"
time_it "assets, page 1 of 50 by name" "/api/v1/assets?per_page=50"
time_it "assets, page 100, sort ip desc" "/api/v1/assets?per_page=50&page=100&sort=ip&order=desc"
time_it "assets, search q=10.1" "/api/v1/assets?q=10.1&per_page=50"
time_it "assets, filter class+vendor" "/api/v1/assets?class=unknown&vendor=a&per_page=50"
time_it "one asset" "/api/v1/assets/$one"
time_it "findings" "/api/v1/findings"
time_it "overview" "/api/v1/overview"
time_it "links" "/api/v1/links"
time_it "topology json" "/api/v1/topology"
time_it "diff base..now" "/api/v1/diff?from=base"
runs=1 time_it "topology.svg (first: Graphviz)" "/api/v1/topology.svg"
