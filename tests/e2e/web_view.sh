#!/usr/bin/env bash
# End to end: the console answers from the view it has while the next one is
# built. MIERUKA_FAILPOINT=slow_view_build makes every view build 4 s slower;
# after the database changes, a request is answered at once from the previous
# view (and says it is stale), a login is not held up, and once the new view
# is built it is what the console serves. The console's own writes
# (acknowledge, approve, a plant name edit) show at once, without waiting for a
# build, and stay shown by the view a build running at the time of the write
# publishes.
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

# An approved list nobody is on yet: every device has a finding an approval ends.
printf 'mac,ip,name\r\n' >"$tmp/approved.csv"
MIERUKA_FAILPOINT=slow_view_build "$bin" serve --db "$db" --approved "$tmp/approved.csv" --http \
  --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
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

# --- the console's own writes ---------------------------------------------------------
get /api/v1/me >/dev/null
csrf="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$tmp/body")"
# post PATH JSON: prints "STATUS SECONDS", the body to $tmp/body.
post() {
  curl -s -o "$tmp/body" -b "$tmp/jar" -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
    -H "Origin: $url" -H "X-CSRF-Token: $csrf" -d "$2" "$url$1"
}
# pick N: the asset and id of the Nth open finding an approval would end ("ASSET ID").
pick() {
  /usr/bin/python3 -c 'import json,sys
fs = [f for f in json.load(open(sys.argv[1])) if f["type"] in ("unapproved", "hidden") and f["state"] == "open"]
f = fs[int(sys.argv[2])]
print(f["asset"], f["id"])' "$tmp/body" "$1"
}
# state_of ID: the finding's state in $tmp/body ("gone" when it is not there).
state_of() {
  /usr/bin/python3 -c 'import json,sys
print(next((f["state"] for f in json.load(open(sys.argv[1])) if f["id"] == sys.argv[2]), "gone"))' "$tmp/body" "$1"
}
field() { /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["asset"][sys.argv[2]], ensure_ascii=False))' "$tmp/body" "$1"; }
# wait_view AS_OF: until a view read after AS_OF is served.
wait_view() {
  for _ in $(seq 1 150); do
    get /api/v1/overview >/dev/null
    [ "$(header X-Mieruka-Data-As-Of)" != "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
get /api/v1/findings >/dev/null
read -r a1 f1 <<<"$(pick 0)"; read -r a2 f2 <<<"$(pick 1)"; read -r a3 f3 <<<"$(pick 2)"
check "three devices with a finding an approval ends ($a1 $a2 $a3)" test -n "$a3" -a "$a1" != "$a2"
get "/api/v1/assets/$a1" >/dev/null; open1="$(field findings)"
as_of="$(header X-Mieruka-Data-As-Of)"

# Acknowledge: answered without a view build (which takes 4 s and more here).
read -r st t <<<"$(post "/api/v1/findings/$f1/ack" '{"comment":"spare PLC on the bench"}')"
check "acknowledge: 200 ($st)" test "$st" = 200
get /api/v1/findings >/dev/null
check "the finding shows acknowledged at once ($(state_of "$f1"))" test "$(state_of "$f1")" = acknowledged
check "... from a view read before the write ($(header X-Mieruka-Data-As-Of))" test "$(header X-Mieruka-Data-As-Of)" = "$as_of"
get "/api/v1/assets/$a1" >/dev/null
check "the device's open findings drop ($open1 -> $(field findings))" test "$(field findings)" -lt "$open1"

# Approve: the findings it ends go, the device shows approved.
read -r st t <<<"$(post /api/v1/approve "{\"assets\":[\"$a2\"]}")"
check "approve: 200 ($st)" test "$st" = 200
get /api/v1/findings >/dev/null
check "the approved device's finding is gone at once ($(state_of "$f2"))" test "$(state_of "$f2")" = gone
check "... the other findings stay ($(state_of "$f3"))" test "$(state_of "$f3")" = open
get "/api/v1/assets/$a2" >/dev/null
check "the device shows approved ($(field approved))" test "$(field approved)" = true
check "... from a view read before the write" test "$(header X-Mieruka-Data-As-Of)" = "$as_of"

# The views built after the writes read them from the database and the list.
wait_view "$as_of"; check "a new view after the writes" test $? -eq 0
as_of="$(header X-Mieruka-Data-As-Of)"
get /api/v1/findings >/dev/null
check "after the rebuild: acknowledged ($(state_of "$f1")), approved ($(state_of "$f2"))" \
  test "$(state_of "$f1")/$(state_of "$f2")" = acknowledged/gone

# A write while a build runs (after that build read the database): the view
# that build publishes is made with the write too, and so is the next one.
for _ in $(seq 1 50); do  # the previous builds are done: the view is current
  get /api/v1/overview >/dev/null
  [ "$(header X-Mieruka-Data-Stale-Seconds)" = 0.0 ] && break
  sleep 0.2
done
as_of="$(header X-Mieruka-Data-As-Of)"
printf 'otherpass1\n' | "$bin" user add other --role viewer --db "$db" --password-file - >/dev/null 2>&1
sleep 1  # the builder has seen the commit and read the database; it now waits 4 s
read -r st t <<<"$(post "/api/v1/findings/$f3/ack" '{"comment":"line 3 test rig"}')"
check "acknowledge during a build: 200 ($st)" test "$st" = 200
get /api/v1/findings >/dev/null
check "it shows at once ($(state_of "$f3"))" test "$(state_of "$f3")" = acknowledged
wait_view "$as_of"; check "the build running at the write publishes" test $? -eq 0
as_of="$(header X-Mieruka-Data-As-Of)"
get /api/v1/findings >/dev/null
check "... with the write in it ($(state_of "$f3"))" test "$(state_of "$f3")" = acknowledged
wait_view "$as_of"; check "the next build publishes" test $? -eq 0
get /api/v1/findings >/dev/null
check "... with the write read from the database ($(state_of "$f3"))" test "$(state_of "$f3")" = acknowledged

# A plant name edit: written to the list and shown at once like the other
# writes, by the search, the device page and its findings.
enc() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
# names_of ID: the device's findings' "asset_name/plant_name" in $tmp/body, one set.
names_of() {
  /usr/bin/python3 -c 'import json,sys
print(" ".join(sorted({f.get("asset_name", "-") + "/" + f.get("plant_name", "-") for f in json.load(open(sys.argv[1])) if f["asset"] == sys.argv[2]})))' "$tmp/body" "$1"
}
has_asset() { /usr/bin/python3 -c 'import json,sys; sys.exit(0 if any(a["id"] == sys.argv[2] for a in json.load(open(sys.argv[1]))["items"]) else 1)' "$tmp/body" "$1"; }
for _ in $(seq 1 50); do
  get /api/v1/overview >/dev/null
  [ "$(header X-Mieruka-Data-Stale-Seconds)" = 0.0 ] && break
  sleep 0.2
done
# A device with a finding that an approval does not end (the edit adds the
# device's row to the list, which approves it).
get /api/v1/findings >/dev/null
a4="$(/usr/bin/python3 -c 'import json,sys
print(next((f["asset"] for f in json.load(open(sys.argv[1])) if f["type"] not in ("unapproved", "hidden")), ""))' "$tmp/body")"
check "a device with a finding an approval keeps ($a4)" test -n "$a4"
get /api/v1/overview >/dev/null
as_of="$(header X-Mieruka-Data-As-Of)"
read -r st t <<<"$(post "/api/v1/assets/$a4/names" '{"name":{"value":"成形機PLC 9号","expected":""},"location":{"value":"第2工場 成形ライン","expected":""}}')"
check "name edit: 200 ($st) without waiting for a build (4 s and more): $t s" sh -c "[ '$st' = 200 ] && awk 'BEGIN {exit !($t < 3)}'"
get "/api/v1/assets?q=$(enc 成形機plc)" >/dev/null
check "the search finds the new name at once" has_asset "$a4"
check "... from a view read before the edit" test "$(header X-Mieruka-Data-As-Of)" = "$as_of"
get "/api/v1/assets?q=$(enc 成形ライン)&sort=location" >/dev/null
check "... and the new location" has_asset "$a4"
get "/api/v1/assets/$a4" >/dev/null
check "the device page shows the name ($(field display_name))" test "$(field display_name)" = '"成形機PLC 9号"'
check "... and the device is approved by the row the edit added ($(field approved))" test "$(field approved)" = true
get "/api/v1/findings?asset=$a4" >/dev/null
check "its findings name it ($(names_of "$a4"))" test "$(names_of "$a4")" = "成形機PLC 9号/成形機PLC 9号"

# An edit while a build runs that read the list before it: the view that build
# publishes shows the edit, and so does the next one.
printf 'thirdpass1\n' | "$bin" user add third --role viewer --db "$db" --password-file - >/dev/null 2>&1
sleep 1  # the builder has read the database and the list's findings; it now waits 4 s
as_of="$(header X-Mieruka-Data-As-Of)"
read -r st t <<<"$(post "/api/v1/assets/$a4/names" '{"name":{"value":"成形機PLC 10号","expected":"成形機PLC 9号"}}')"
check "name edit during a build: 200 ($st)" test "$st" = 200
get "/api/v1/findings?asset=$a4" >/dev/null
check "it shows at once ($(names_of "$a4"))" test "$(names_of "$a4")" = "成形機PLC 10号/成形機PLC 10号"
wait_view "$as_of"; check "the build running at the edit publishes" test $? -eq 0
as_of="$(header X-Mieruka-Data-As-Of)"
get "/api/v1/findings?asset=$a4" >/dev/null
check "... with the edit in it ($(names_of "$a4"))" test "$(names_of "$a4")" = "成形機PLC 10号/成形機PLC 10号"
get "/api/v1/assets?q=$(enc "成形機plc 10号")" >/dev/null
check "... found by its new name" has_asset "$a4"
wait_view "$as_of"; check "the next build publishes" test $? -eq 0
get "/api/v1/findings?asset=$a4" >/dev/null
check "... with the edit read from the list ($(names_of "$a4"))" test "$(names_of "$a4")" = "成形機PLC 10号/成形機PLC 10号"
exit "$fail"
