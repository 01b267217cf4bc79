#!/usr/bin/env bash
# End to end: the daemon's scheduled snapshots and SIGHUP reload.
# - Missed runs: the store holds scheduled snapshots from days ago; at start the
#   daemon takes exactly ONE catch-up snapshot, then prunes the scheduled ones by
#   keep_daily (a manual snapshot stays); a restart right after takes none.
# - SIGHUP: a new schedule and zone take effect without losing the ledger; a bad
#   schedule line, an approved list that does not load: refused with one log line,
#   the daemon keeps running on the old config.
# - `config check` reports a bad schedule with file:line.
# Needs root (live capture on lo, privilege drop); skipped (77) otherwise.
# Usage: daemon_reload.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"
src="$2"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the daemon test needs root"; exit 77; fi
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 77; }
tmp="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp"
cd "$tmp" || exit 1
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
alive() { kill -0 "$pid" 2>/dev/null; }
send() { for i in $(seq 1 "$1"); do echo "hello $i" >/dev/udp/127.0.0.1/$port 2>/dev/null; sleep 0.05; done; }
wait_for() { for _ in $(seq 1 $(($2 * 10))); do grep -q "$3" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
count() { grep -c "$2" "$1" 2>/dev/null || true; }
db=data/mieruka.db
sql() { sqlite3 "$db" "$1"; }
sched_count() { sql "SELECT count(*) FROM snapshots WHERE name LIKE 'sched-%'"; }

port=$((40000 + RANDOM % 20000))
mkdir data
write_config() {  # $1 = schedule, $2 = extra lines
  cat >daemon.toml <<TOML
data_dir = "$tmp/data"
sensor_name = "e2e-reload"
user = "nobody"
timezone = "Asia/Tokyo"
[capture]
interfaces = ["lo"]
filter = "udp port $port"
flush_interval_s = 1
[snapshots]
schedule = "$1"
keep_daily = 2
keep_weekly = 0
$2
TOML
  chmod 644 daemon.toml
}
write_config "hourly" ""

# config check: a bad schedule is named with file:line.
printf 'timezone = "Asia/Tokyo"\n[snapshots]\nschedule = "daily 25:00"\n' >bad.toml
"$bin" config check --config bad.toml >/dev/null 2>bad_err.txt; rc=$?
check "config check: bad schedule exits 1" test "$rc" -eq 1
check "config check: names bad.toml:3 and the expression" grep -q 'bad.toml:3: schedule "daily 25:00"' bad_err.txt
"$bin" config check --config daemon.toml >/dev/null 2>&1; rc=$?
check "config check: good schedule ok" test "$rc" -eq 0

# A store whose scheduled snapshots stopped 5, 4 and 3 days ago, and a manual one.
"$bin" read "$src/pcaps/l2_identity.pcapng" --db "$db" --config daemon.toml >/dev/null 2>&1
for n in sched-old5 sched-old4 sched-old3 manual-keep; do
  "$bin" snapshot --db "$db" --config daemon.toml --name "$n" >/dev/null 2>&1
done
now_us=$(($(date +%s) * 1000000))
for d in 5 4 3; do sql "UPDATE snapshots SET taken_us = $now_us - $d * 86400000000 WHERE name = 'sched-old$d'"; done
sql "UPDATE snapshots SET taken_us = $now_us - 10 * 86400000000 WHERE name = 'manual-keep'"
check "seeded: 3 scheduled snapshots" test "$(sched_count)" -eq 3
assets_before="$(sql "SELECT count(*) FROM assets")"
chown -R nobody data

"$bin" run --config daemon.toml 2>run1.txt &
pid=$!
wait_for run1.txt 10 "scheduled snapshot sched-" || true
check "daemon started" alive
check "catch-up logged once" test "$(count run1.txt 'catch-up snapshot now')" -eq 1
check "exactly one new scheduled snapshot (4 taken - 2 pruned = 2 left)" test "$(sched_count)" -eq 2
check "retention: the 3-day-old one kept, older pruned" test "$(sql "SELECT group_concat(name) FROM snapshots WHERE name LIKE 'sched-old%'")" = "sched-old3"
check "retention: manual snapshot kept" test "$(sql "SELECT count(*) FROM snapshots WHERE name = 'manual-keep'")" -eq 1
check "new snapshot named after JST" test -n "$(sql "SELECT name FROM snapshots WHERE name LIKE 'sched-%+09:00'")"
check "next run logged" grep -q "next at .*:00+09:00" run1.txt
send 20
sleep 2.5
check "ledger kept and grown" test "$(sql "SELECT count(*) FROM assets")" -gt "$assets_before"
assets_mid="$(sql "SELECT count(*) FROM assets")"

# SIGHUP with a new schedule and a zone: takes effect, the ledger stays.
write_config "daily 07:30" $'[[zone]]\nname = "loop"\nsubnets = ["127.0.0.0/8"]'
kill -HUP "$pid"
wait_for run1.txt 5 'schedule "daily 07:30"' || true
check "SIGHUP: new schedule in effect" grep -q 'reloaded .*1 zones.*schedule "daily 07:30"' run1.txt
check "SIGHUP: next run at 07:30 JST" grep -q "next scheduled snapshot at .*T07:30+09:00" run1.txt
check "SIGHUP: still running" alive
check "SIGHUP: no extra snapshot" test "$(sched_count)" -eq 2
send 5
sleep 1.5
check "SIGHUP: ledger not lost" test "$(sql "SELECT count(*) FROM assets")" -ge "$assets_mid"

# A bad schedule line: refused, one line naming file:line, old config stays.
cp daemon.toml good.toml
write_config "daily 7h30" ""
kill -HUP "$pid"
wait_for run1.txt 5 "reload refused" || true
check "bad schedule: refused with file:line" grep -q 'reload refused.*daemon.toml:10: schedule "daily 7h30"' run1.txt
check "bad schedule: one log line" test "$(count run1.txt 'reload refused')" -eq 1
check "bad schedule: still running" alive

# An approved list that exists but does not load (no mac/ip column): refused too.
cp good.toml daemon.toml
printf 'name,location\nPLC-1,line 1\n' >broken.csv
printf '[policy]\napproved = "broken.csv"\n' >>daemon.toml
kill -HUP "$pid"
for _ in $(seq 1 50); do [ "$(count run1.txt 'reload refused')" -ge 2 ] && break; sleep 0.1; done
check "broken approved list: refused" test "$(count run1.txt 'reload refused')" -eq 2
check "broken approved list: names it" grep -q "reload refused.*broken.csv:1:" run1.txt
check "broken approved list: still running" alive
cp good.toml daemon.toml

kill -TERM "$pid"
wait "$pid"; rc=$?; pid=""
check "SIGTERM: exits 0" test "$rc" -eq 0

# Restart at once: the last run is the snapshot just taken, so no catch-up.
"$bin" run --config daemon.toml 2>run2.txt &
pid=$!
wait_for run2.txt 10 "next scheduled snapshot at" || true
check "restart: no catch-up" test "$(count run2.txt 'catch-up')" -eq 0
check "restart: no new snapshot" test "$(sched_count)" -eq 2
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=""
check "restart: exits 0" test "$rc" -eq 0
check "integrity_check ok" test "$(sql 'PRAGMA integrity_check')" = ok

if [ "$fail" -ne 0 ]; then for f in run1.txt run2.txt; do echo "== $f"; cat "$f"; done; fi
exit $fail
