#!/usr/bin/env bash
# End to end: a scheduled snapshot whose diff could not be queued while the
# daemon kept running (a busy or full database) has its diff queued at a later
# flush and delivered exactly once; nothing waits for a restart.
# The failure is forced: MIERUKA_FAILPOINT=queue_diff_once makes the first
# attempt to queue a diff fail (a test-only hook).
# Needs root (live capture on lo, privilege drop); skipped (77) otherwise.
# Usage: scheduled_queue_retry.sh MIERUKA_BINARY SOURCE_DIR
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
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The daily slot is 12 hours away: the only snapshot taken is the catch-up for
# the slots missed since the backdated one below.
slot=$(date -u -d '+12 hours' +%H:%M)
mkdir data
cat >daemon.toml <<TOML
sensor_name = "e2e-queue-retry"
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
m read -q "$cap_a" && m snapshot --name sched-old >/dev/null 2>&1
check "previous scheduled snapshot saved" test $? -eq 0
sqlite3 data/mieruka.db "UPDATE snapshots SET taken_us = taken_us - 3*86400*1000000,
  observed_until_us = observed_until_us - 3*86400*1000000 WHERE name = 'sched-old'"
m read -q "$cap_b"
chown -R nobody data

"$PY" "$src/tests/e2e/receivers/http_receiver.py" --port "$port" --out hook --ready ready.http >/dev/null 2>&1 &
rxpid=$!
for _ in $(seq 100); do [ -f ready.http ] && break; sleep 0.1; done

# The catch-up snapshot is taken at start; queuing its diff fails once; a later
# flush queues it and the webhook receives it while the daemon runs on.
MIERUKA_FAILPOINT=queue_diff_once "$bin" run --config daemon.toml 2>run.txt &
dpid=$!
for _ in $(seq 200); do [ -f hook/0001.body ] && break; sleep 0.1; done
sleep 2
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "the daemon exits 0 on SIGTERM" test "$rc" -eq 0
new=$(m snapshot list --format json | "$PY" -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin) if s["name"].startswith("sched-") and s["name"] != "sched-old"))')
check "the catch-up snapshot was taken ($new)" test -n "$new" -a "$(echo "$new" | wc -w)" -eq 1
check "the first attempt failed and said it would ask again" grep -q "is asked for again at every flush" run.txt
check "a later flush queued it" grep -q "is queued now" run.txt
m diff --from sched-old --to "$new" --format json >expected.json
check "the diff was delivered exactly once, signed" "$PY" "$src/tests/e2e/receivers/check_delivery.py" hook hook k expected.json
[ "$fail" -eq 0 ] || { echo "--- run"; cat run.txt; }
exit "$fail"
