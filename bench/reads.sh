#!/usr/bin/env bash
# Benchmark (not a timed test) of every read command and console API route on
# a large ledger. mieruka_gen_ledger writes N assets (facts, ~2.1 edges each)
# straight through the Store, and a baseline ledger of N/10 in the same run.
# Each command and route is timed on both; the ratio big/baseline says how it
# scales (10 = linear, 100 = quadratic). Commands: wall and CPU time
# (user+sys), the ratio of CPU times (on a shared machine wall time says more
# about the neighbours). Routes: the console builds its view (ledger, findings,
# whole-ledger bodies) on a thread of its own, so the script first times how
# long after start the first request is answered (it waits for the first
# view), then per route the first request and the best of the next ones (the
# ratio is of the latter). Then it changes the database (a new console user:
# a commit on another connection, which makes the console build a new view),
# times the first request of every route right after it (answered from the
# previous view while the new one is built) and how long the new view took to
# be served (X-Mieruka-Data-As-Of changes). Last, the console's writes: with
# an approved list nobody is on (so every device has a finding, the most a
# write's new view copies), an acknowledgement and an approval each, best of
# $runs, and the request after each (it must show the write); and a plant
# name edit with the search for the new name right after (it must find it).
# Usage: bench/reads.sh BUILD_DIR [ASSETS] [RUNS]
#   BUILD_DIR holds mieruka and bench/mieruka_gen_ledger (MIERUKA_BENCH=ON).
set -eu
build="$(cd "$1" && pwd)"; n="${2:-100000}"; runs="${3:-3}"
bin="$build/mieruka"; gen="$build/bench/mieruka_gen_ledger"
[ -x "$bin" ] && [ -x "$gen" ] || { echo "build mieruka and mieruka_gen_ledger in $build first"; exit 1; }
tmp="$(mktemp -d)"; pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
base=$((n / 10))
"$gen" --assets "$base" "$tmp/base.db" >/dev/null
"$gen" --assets "$n" "$tmp/big.db" >/dev/null
one="$("$bin" assets --db "$tmp/big.db" --format json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
one_base="$("$bin" assets --db "$tmp/base.db" --format json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"

# cli DB ID ARGS...: the run with the least CPU time of $runs, "wall cpu" in seconds.
cli() {
  local db="$1" id="$2" best="" w u s c; shift 2
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -o "$tmp/t" -f "%e %U %S" "$bin" "${@//@ID@/$id}" --db "$db" >/dev/null 2>&1 || true
    read -r w u s <"$tmp/t"; c="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')"
    if [ -z "$best" ] || awk -v c="$c" -v b="${best##* }" 'BEGIN {exit !(c < b)}'; then best="$w $c"; fi
  done
  echo "$best"
}
row() {  # row LABEL "wall cpu" "wall cpu": the ratio is of CPU times
  read -r bw bc <<<"$2"; read -r w c <<<"$3"
  awk -v l="$1" -v bc="$bc" -v w="$w" -v c="$c" \
    'BEGIN {printf "%-34s %8.2f %8.2f %8.2f %7.1fx\n", l, bc, w, c, (bc > 0.005 ? c / bc : 0)}'
}
echo "ledger: $n assets; baseline: $base assets; best of $runs runs"
printf '%-34s %8s %8s %8s %8s\n' "command" "base cpu" "wall s" "cpu s" "ratio"
for c in "assets" "assets --format json" "findings" "show @ID@" "links" "export checklist" "export ledger" \
         "topology --format json"; do
  # shellcheck disable=SC2086
  row "$c" "$(cli "$tmp/base.db" "$one_base" $c)" "$(cli "$tmp/big.db" "$one" $c)"
done

# serve DB: starts the console on loopback and logs in; sets url, pid, jar.
serve() {
  printf 'benchpass1\n' | "$bin" user add bench --role admin --db "$1" --password-file - >/dev/null 2>&1 || true
  "$bin" serve --db "$1" --http --listen 127.0.0.1:0 "${@:2}" >"$tmp/serve.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -qs serving "$tmp/serve.out" && break; sleep 0.1; done
  url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$tmp/serve.out")"; url="${url%/}"
  curl -s -c "$tmp/jar" -H 'Content-Type: application/json' -d '{"user":"bench","password":"benchpass1"}' \
    "$url/api/v1/login" >/dev/null
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
# route PATH: the first request then the best of $runs.
route() {
  local t=()
  for _ in $(seq 0 "$runs"); do t+=("$(curl -s -o /dev/null -b "$tmp/jar" -w '%{time_total}' "$url$1")"); done
  echo "${t[0]} $(printf '%s\n' "${t[@]:1}" | sort -n | head -1)"
}
as_of() { curl -s -o /dev/null -D - -b "$tmp/jar" "$url/api/v1/overview" | tr -d '\r' | sed -n 's/^X-Mieruka-Data-As-Of: //Ip'; }
now() { date +%s.%N; }
routes=("/api/v1/overview" "/api/v1/assets?per_page=50" "/api/v1/assets?per_page=50&page=100&sort=ip&order=desc"
        "/api/v1/assets?q=10.1&per_page=50" "/api/v1/assets/@ID@" "/api/v1/links" "/api/v1/findings"
        "/api/v1/findings?per_page=50&sort=severity&order=desc&lang=ja"
        "/api/v1/findings?per_page=50&page=20&sort=first_seen&state=open&q=10.1&lang=ja"
        "/api/v1/topology" "/api/v1/checklist" "/api/v1/acceptance" "/api/v1/stats" "/api/v1/snapshots")
declare -A first_base best_base
serve "$tmp/base.db"
for r in "${routes[@]}"; do read -r f b <<<"$(route "${r//@ID@/$one_base}")"; first_base[$r]=$f; best_base[$r]=$b; done
stop
echo
t0="$(now)"
serve "$tmp/big.db"
first_view="$(curl -s -o /dev/null -b "$tmp/jar" -w '%{time_total}' "$url/api/v1/overview")"
awk -v s="$(now)" -v t="$t0" -v f="$first_view" \
  'BEGIN {printf "start to the first view served: %.2f s (the first request waited %.2f s)\n", s - t, f}'
printf '%-50s %8s %8s %8s %8s\n' "route" "base s" "first s" "then s" "ratio"
for r in "${routes[@]}"; do
  read -r f b <<<"$(route "${r//@ID@/$one}")"
  awk -v l="$r" -v bb="${best_base[$r]}" -v f="$f" -v b="$b" \
    'BEGIN {printf "%-50s %8.3f %8.3f %8.3f %7.1fx\n", l, bb, f, b, (bb > 0.0005 ? b / bb : 0)}'
done
echo
old_as_of="$(as_of)"
t0="$(now)"
printf 'benchpass2\n' | "$bin" user add bench2 --role viewer --db "$tmp/big.db" --password-file - >/dev/null 2>&1
sleep 0.5  # the console notices a change within 250 ms
printf '%-50s %8s\n' "route, first request after a database change" "s"
for r in "${routes[@]}"; do
  printf '%-50s %8.3f\n' "$r" "$(curl -s -o /dev/null -b "$tmp/jar" -w '%{time_total}' "$url${r//@ID@/$one}")"
done
login="$(curl -s -o /dev/null -c "$tmp/jar2" -w '%{time_total}' -H 'Content-Type: application/json' \
  -d '{"user":"bench","password":"benchpass1"}' "$url/api/v1/login")"
printf '%-50s %8.3f\n' "login (POST /api/v1/login)" "$login"
while [ "$(as_of)" = "$old_as_of" ]; do sleep 0.2; done
awk -v s="$(now)" -v t="$t0" 'BEGIN {printf "change to the new view served: %.2f s\n", s - t}'
stop

# writes DB: serves DB with an empty approved list; prints "ack s, findings after s, approve s, asset after s"
# (each the best of $runs) and checks that each write shows in the next request.
# It runs in a subshell (its output is read): its own trap stops its server.
writes() (
  trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
  printf 'mac,ip,name\r\n' >"$tmp/approved.csv"
  serve "$1" --approved "$tmp/approved.csv"
  local csrf ids=() best_ack="" best_after="" best_ap="" best_seen="" best_name="" best_found="" t u
  csrf="$(curl -s -b "$tmp/jar" "$url/api/v1/me" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')"
  mapfile -t ids < <(curl -s -b "$tmp/jar" "$url/api/v1/findings?type=hidden" | /usr/bin/python3 -c '
import json, sys
for f in json.load(sys.stdin)[:3 * int(sys.argv[1])]: print(f["asset"], f["id"])' "$runs")
  post() {
    curl -s -o "$tmp/w.out" -b "$tmp/jar" -w '%{time_total}' -H 'Content-Type: application/json' \
      -H "Origin: $url" -H "X-CSRF-Token: $csrf" -d "$2" "$url$1"
  }
  min() { if [ -z "$1" ] || awk -v a="$2" -v b="$1" 'BEGIN {exit !(a < b)}'; then echo "$2"; else echo "$1"; fi; }
  for i in $(seq 0 $((runs - 1))); do
    read -r asset id <<<"${ids[$i]}"
    t="$(post "/api/v1/findings/$id/ack" '{"comment":"bench"}')"; best_ack="$(min "$best_ack" "$t")"
    u="$(curl -s -o "$tmp/w.out" -b "$tmp/jar" -w '%{time_total}' "$url/api/v1/findings?asset=$asset")"
    best_after="$(min "$best_after" "$u")"
    grep -q '"state":"acknowledged"' "$tmp/w.out" || echo "the acknowledgement of $id does not show" >&2
    read -r asset id <<<"${ids[$((runs + i))]}"
    t="$(post /api/v1/approve "{\"assets\":[\"$asset\"]}")"; best_ap="$(min "$best_ap" "$t")"
    u="$(curl -s -o "$tmp/w.out" -b "$tmp/jar" -w '%{time_total}' "$url/api/v1/assets/$asset")"
    best_seen="$(min "$best_seen" "$u")"
    grep -q '"approved":true' "$tmp/w.out" || echo "the approval of $asset does not show" >&2
    read -r asset id <<<"${ids[$((2 * runs + i))]}"
    t="$(post "/api/v1/assets/$asset/names" "{\"name\":{\"value\":\"成形機PLC bench$i\",\"expected\":\"\"}}")"
    best_name="$(min "$best_name" "$t")"
    u="$(curl -s -o "$tmp/w.out" -b "$tmp/jar" -w '%{time_total}' "$url/api/v1/assets?q=bench$i")"
    best_found="$(min "$best_found" "$u")"
    grep -q "\"id\":\"$asset\"" "$tmp/w.out" || echo "the name edit of $asset does not show" >&2
  done
  stop
  echo "$best_ack $best_after $best_ap $best_seen $best_name $best_found"
)
echo
read -r bw1 bw2 bw3 bw4 bw5 bw6 <<<"$(writes "$tmp/base.db")"
read -r w1 w2 w3 w4 w5 w6 <<<"$(writes "$tmp/big.db")"
printf '%-50s %8s %8s %8s\n' "console write (every device with a finding)" "base s" "s" "ratio"
wrow() { awk -v l="$1" -v b="$2" -v v="$3" 'BEGIN {printf "%-50s %8.3f %8.3f %7.1fx\n", l, b, v, (b > 0.0005 ? v / b : 0)}'; }
wrow "POST /api/v1/findings/ID/ack" "$bw1" "$w1"
wrow "GET /api/v1/findings?asset=ID right after" "$bw2" "$w2"
wrow "POST /api/v1/approve" "$bw3" "$w3"
wrow "GET /api/v1/assets/ID right after" "$bw4" "$w4"
wrow "POST /api/v1/assets/ID/names" "$bw5" "$w5"
wrow "GET /api/v1/assets?q=NAME right after" "$bw6" "$w6"
