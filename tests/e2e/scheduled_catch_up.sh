#!/usr/bin/env bash
# End to end: a scheduled snapshot whose diff was never queued (the daemon died
# between the two) has its diff delivered by the next start, exactly once.
# The window is hit on purpose: MIERUKA_FAILPOINT=after_snapshot_before_queue
# makes the daemon abort right after saving the snapshot (a test-only hook).
# Needs root (live capture on lo, privilege drop); skipped (77) otherwise.
# Usage: scheduled_catch_up.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$(cd "$2" && pwd)"
PY=/usr/bin/python3
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the daemon test needs root"; exit 77; fi
command -v sqlite3 >/dev/null || { echo "skipped: needs the sqlite3 shell"; exit 77; }
cap_a="$src/pcaps/factory_sample.pcapng"; cap_b="$src/pcaps/melsec_omron.pcapng"
[ -f "$cap_a" ] && [ -f "$cap_b" ] || { echo "skip: sample captures missing"; exit 77; }
tmp="$(mktemp -d)"; chmod 755 "$tmp"
rxpid=""; dpid=""
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; [ -n "$rxpid" ] && kill "$rxpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
ulimit -c 0  # the aborted run leaves no core file
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The daily slot is 12 hours away, so that no slot comes due while the test
# runs: the only snapshot taken is the catch-up for the slots missed since the
# backdated one below.
slot=$(date -u -d '+12 hours' +%H:%M)
mkdir data
cat >daemon.toml <<TOML
sensor_name = "e2e-catch-up"
user = "nobody"
data_dir = "$tmp/data"
timezone = "UTC"
[capture]
interfaces = ["lo"]
flush_interval_s = 1
[snapshots]
schedule = "daily $slot"
[[channel]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:$port/in"
secret = "k"
TOML
m() { "$bin" --config daemon.toml "$@"; }
# The previous scheduled snapshot holds capture A; it was taken three days ago.
m read -q "$cap_a" && m snapshot --name sched-old >/dev/null 2>&1
check "previous scheduled snapshot saved" test $? -eq 0
sqlite3 data/mieruka.db "UPDATE snapshots SET taken_us = taken_us - 3*86400*1000000,
  observed_until_us = observed_until_us - 3*86400*1000000 WHERE name = 'sched-old'"
# Capture B brings devices the diff must report.
m read -q "$cap_b"
chown -R nobody data

# Start 1: the catch-up snapshot is saved, then the process dies before its diff is queued.
MIERUKA_FAILPOINT=after_snapshot_before_queue timeout -s KILL 30 "$bin" run --config daemon.toml 2>run1.txt
rc=$?
check "start 1 aborts at the failpoint" test "$rc" -eq 134  # SIGABRT, not the timeout's SIGKILL
new=$(m snapshot list --format json | "$PY" -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin) if s["name"].startswith("sched-") and s["name"] != "sched-old"))')
check "start 1 saved the catch-up snapshot ($new)" test -n "$new" -a "$(echo "$new" | wc -w)" -eq 1
check "the catch-up snapshot is recorded as a review, for the checklist" \
  test "$(sqlite3 data/mieruka.db "SELECT COUNT(*) FROM reviews WHERE snapshot = '$new'")" -eq 1
check "start 1 queued nothing" test "$(m outbox list --all --format json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0
m diff --from sched-old --to "$new" --format json >expected.json
check "the slot has new devices to report" "$PY" -c 'import json,sys; sys.exit(0 if json.load(open("expected.json"))["new_assets"] else 1)'

"$PY" "$src/tests/e2e/receivers/http_receiver.py" --port "$port" --out hook --ready ready.http >/dev/null 2>&1 &
rxpid=$!
for _ in $(seq 100); do [ -f ready.http ] && break; sleep 0.1; done

# Start 2: no new slot is due, yet the diff of the newest slot is queued and delivered.
"$bin" run --config daemon.toml 2>run2.txt &
dpid=$!
for _ in $(seq 150); do [ -f hook/0001.body ] && break; sleep 0.1; done
sleep 1
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "start 2 exits 0 on SIGTERM" test "$rc" -eq 0
check "start 2 took no snapshot of its own" test "$(m snapshot list --format json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 2

# Start 3: the diff is in the outbox already (sent): nothing goes out again.
"$bin" run --config daemon.toml 2>run3.txt &
dpid=$!
sleep 3
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "start 3 exits 0 on SIGTERM" test "$rc" -eq 0
check "the lost diff was delivered exactly once, signed" "$PY" "$src/tests/e2e/receivers/check_delivery.py" hook hook k expected.json
check "outbox: one diff, sent" test "$(m outbox list --all --format json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(sum(1 for r in d if r["sent"]))')" -eq 1
[ "$fail" -eq 0 ] || { echo "--- run2"; cat run2.txt; echo "--- run3"; cat run3.txt; }
exit "$fail"
