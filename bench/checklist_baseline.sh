#!/usr/bin/env bash
# Benchmark (not a timed test) of the console's checklist report counted from a
# baseline snapshot (GET /api/v1/checklist?format=html&baseline=NAME), which is
# made on first request: at 10,000 devices it takes seconds, and the other
# requests must not wait for it. mieruka_gen_ledger writes N devices, the script
# takes three snapshots and serves the ledger; per snapshot it asks for its
# report (not asked for before) and, 0.2 s after it starts, for the default
# checklist (made with the view) and the overview, and prints each one's time.
# Usage: bench/checklist_baseline.sh BUILD_DIR [DEVICES]
#   BUILD_DIR holds mieruka and bench/mieruka_gen_ledger (MIERUKA_BENCH=ON).
set -eu
build="$(cd "$1" && pwd)"; n="${2:-10000}"
bin="$build/mieruka"; gen="$build/bench/mieruka_gen_ledger"
[ -x "$bin" ] && [ -x "$gen" ] || { echo "build mieruka and mieruka_gen_ledger in $build first"; exit 1; }
tmp="$(mktemp -d)"; pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$gen" --assets "$n" "$tmp/m.db" >/dev/null
for s in base1 base2 base3; do "$bin" snapshot --name "$s" --db "$tmp/m.db" >/dev/null 2>&1; done
printf 'benchpass1\n' | "$bin" user add bench --role admin --db "$tmp/m.db" --password-file - >/dev/null 2>&1
"$bin" serve --db "$tmp/m.db" --http --listen 127.0.0.1:0 >"$tmp/serve.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -qs serving "$tmp/serve.out" && break; sleep 0.1; done
url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$tmp/serve.out")"; url="${url%/}"
curl -s -c "$tmp/jar" -H 'Content-Type: application/json' -H "Origin: $url" \
  -d '{"user":"bench","password":"benchpass1"}' "$url/api/v1/login" >/dev/null
for _ in 1 2 3; do curl -s -o /dev/null -b "$tmp/jar" "$url/api/v1/checklist"; done  # the first view is in
t() { curl -s -o /dev/null -b "$tmp/jar" -w '%{http_code} %{time_total}' "$url$1"; }
printf '%-8s %-22s %-30s %s\n' baseline "report (status s)" "default checklist meanwhile" "overview meanwhile"
for b in base1 base2 base3; do
  t "/api/v1/checklist?format=html&lang=ja&baseline=$b" >"$tmp/report" &
  sleep 0.2
  c="$(t /api/v1/checklist)"; o="$(t /api/v1/overview)"
  wait $!
  printf '%-8s %-22s %-30s %s\n' "$b" "$(cat "$tmp/report")" "$c" "$o"
done
