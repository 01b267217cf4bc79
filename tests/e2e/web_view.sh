#!/usr/bin/env bash
# End to end: the console answers from the view it has while the next one is
# built. MIERUKA_FAILPOINT=slow_view_build makes every view build 4 s slower;
# after the database changes, a request is answered at once from the previous
# view (and says it is stale), a login is not held up, and once the new view
# is built it is what the console serves.
# Usage: web_view.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$2"
cap="$src/pcaps/factory_sample.pcapng"; more="$src/pcaps/melsec_omron.pcapng"
[ -f "$cap" ] && [ -f "$more" ] || { echo "skip: sample captures missing"; exit 77; }
command -v curl >/dev/null || { echo "skip: curl missing"; exit 77; }
tmp="$(mktemp -d)"; pid=""
cleanup() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# less A B: A < B (seconds, decimals allowed)
less() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }
db="$tmp/m.db"
"$bin" read -q "$cap" --db "$db" >/dev/null 2>&1; check "read exits 0" test $? -eq 0
printf 'adminpass1\n' | "$bin" user add admin --role admin --db "$db" --password-file - 2>/dev/null
check "user add exits 0" test $? -eq 0

MIERUKA_FAILPOINT=slow_view_build "$bin" serve --db "$db" --http --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$tmp/out" 2>/dev/null)"; url="${url%/}"
  [ -n "$url" ] && break
  sleep 0.1
done
check "serve starts" test -n "$url"
[ -n "$url" ] || { cat "$tmp/err"; exit 1; }

# login URL JAR: prints "STATUS SECONDS".
login() {
  curl -s -o /dev/null -c "$2" -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
    -H "Origin: $1" -d '{"user":"admin","password":"adminpass1"}' "$1/api/v1/login"
}
# get PATH: the body to $tmp/body, the headers to $tmp/hdr; prints "STATUS SECONDS".
get() { curl -s -o "$tmp/body" -D "$tmp/hdr" -b "$tmp/jar" -w '%{http_code} %{time_total}' "$url$1"; }
header() { tr -d '\r' <"$tmp/hdr" | sed -n "s/^$1: //Ip"; }
assets() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["assets"])' "$tmp/body"; }

# The first view is being built (4 s and more): a login does not wait for it.
read -r st t <<<"$(login "$url" "$tmp/jar")"
check "login while the first view is built: 200 ($st) in under 2 s ($t)" sh -c "[ '$st' = 200 ] && awk 'BEGIN {exit !($t < 2)}'"
# A request before the first view exists waits for it.
read -r st t <<<"$(get /api/v1/overview)"
check "the first request waits for the first view: 200 ($st)" test "$st" = 200
before="$(assets)"; as_of="$(header X-Mieruka-Data-As-Of)"
check "the response says when its data was read ($as_of)" test -n "$as_of"
check "and that it is current ($(header X-Mieruka-Data-Stale-Seconds))" test "$(header X-Mieruka-Data-Stale-Seconds)" = 0.0

# The console's own session writes do not make a new view.
login "$url" "$tmp/jar3" >/dev/null
sleep 1
get /api/v1/overview >/dev/null
check "a login does not start a new view (stale $(header X-Mieruka-Data-Stale-Seconds))" \
  test "$(header X-Mieruka-Data-Stale-Seconds)" = 0.0 -a "$(header X-Mieruka-Data-As-Of)" = "$as_of"

# Another connection changes the ledger; within 250 ms the console starts a new view.
"$bin" read -q "$more" --db "$db" >/dev/null 2>&1; check "a second read exits 0" test $? -eq 0
after="$("$bin" assets --db "$db" --format json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
check "the second capture adds assets ($before -> $after)" test "$after" -gt "$before"
sleep 1
read -r st t <<<"$(get /api/v1/overview)"
check "during the rebuild a request is answered at once ($t s)" sh -c "[ '$st' = 200 ] && awk 'BEGIN {exit !($t < 2)}'"
check "... from the previous view ($(assets) assets)" test "$(assets)" = "$before"
check "... read at the same time ($(header X-Mieruka-Data-As-Of))" test "$(header X-Mieruka-Data-As-Of)" = "$as_of"
stale="$(header X-Mieruka-Data-Stale-Seconds)"
check "... and it says how long it has been stale ($stale s)" less 0 "$stale"
read -r st t <<<"$(get "/api/v1/assets?per_page=5")"
check "assets during the rebuild: 200 in under 2 s ($t)" sh -c "[ '$st' = 200 ] && awk 'BEGIN {exit !($t < 2)}'"
read -r st t <<<"$(login "$url" "$tmp/jar2")"
check "login during the rebuild: 200 ($st) in under 2 s ($t)" sh -c "[ '$st' = 200 ] && awk 'BEGIN {exit !($t < 2)}'"

# Once built, the new view is served.
for _ in $(seq 1 100); do
  get /api/v1/overview >/dev/null
  [ "$(header X-Mieruka-Data-As-Of)" != "$as_of" ] && break
  sleep 0.2
done
check "the new view is served after the rebuild ($(header X-Mieruka-Data-As-Of))" \
  test "$(header X-Mieruka-Data-As-Of)" != "$as_of"
check "... with the new assets ($(assets))" test "$(assets)" = "$after"
check "... and it is current" test "$(header X-Mieruka-Data-Stale-Seconds)" = 0.0
exit "$fail"
