#!/usr/bin/env bash
# End to end: `mieruka run` killed with SIGKILL after the webhook receiver
# accepted a diff but before the daemon learned it (the receiver answers 3 s
# after storing the message). The next start sends it again with the same
# X-Mieruka-Id and the same bytes (docs/delivery.md: a resend after an unseen
# acceptance carries the same id), marks it sent, and a third start sends
# nothing. The database passes PRAGMA integrity_check after the kill.
# Needs root (live capture on lo, privilege drop); skipped (77) otherwise.
# Usage: delivery_kill.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$(cd "$2" && pwd)"
PY=/usr/bin/python3
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the daemon test needs root"; exit 77; fi
command -v sqlite3 >/dev/null || { echo "skipped: needs the sqlite3 shell"; exit 77; }
cap_a="$src/pcaps/factory_sample.pcapng"; cap_b="$src/pcaps/melsec_omron.pcapng"
[ -f "$cap_a" ] && [ -f "$cap_b" ] || { echo "skip: sample captures missing"; exit 77; }
tmp="$(mktemp -d)"; chmod 755 "$tmp"
rxpid=""; dpid=""
trap '[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null; [ -n "$rxpid" ] && kill "$rxpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir data
cat >daemon.toml <<TOML
sensor_name = "e2e-kill"
user = "nobody"
data_dir = "$tmp/data"
[capture]
interfaces = ["lo"]
flush_interval_s = 1
[[channel]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:$port/in"
secret = "k"
TOML
m() { "$bin" --config daemon.toml "$@"; }
m read -q "$cap_a" && m snapshot --name a >/dev/null 2>&1 && m read -q "$cap_b" && m snapshot --name b >/dev/null 2>&1
m outbox enqueue-diff --from a --to b 2>/dev/null; check "diff queued" test $? -eq 0
m diff --from a --to b --format json >ab.json
chown -R nobody data
"$PY" "$src/tests/e2e/receivers/http_receiver.py" --port "$port" --out hook --ready ready.http --delay 3 >/dev/null 2>&1 &
rxpid=$!
for _ in $(seq 100); do [ -f ready.http ] && break; sleep 0.1; done
unsent() { sqlite3 data/mieruka.db "SELECT count(*) FROM outbox WHERE sent_us IS NULL"; }

# Start 1: killed while the receiver holds its answer.
"$bin" run --config daemon.toml 2>run1.txt &
dpid=$!
for _ in $(seq 100); do [ -f hook/0001.body ] && break; sleep 0.1; done
check "start 1: the receiver stored the diff" test -f hook/0001.body
kill -9 "$dpid"; wait "$dpid" 2>/dev/null; dpid=""
check "after the kill: integrity_check ok" test "$(sqlite3 data/mieruka.db 'PRAGMA integrity_check')" = ok
check "after the kill: the row is still unsent" test "$(unsent)" -eq 1

# Start 2: sends it again and learns the answer.
"$bin" run --config daemon.toml 2>run2.txt &
dpid=$!
for _ in $(seq 100); do [ "$(unsent)" -eq 0 ] && break; sleep 0.1; done
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "start 2 exits 0 on SIGTERM" test "$rc" -eq 0
check "start 2: marked sent" test "$(unsent)" -eq 0

# Start 3: nothing is due.
"$bin" run --config daemon.toml 2>run3.txt &
dpid=$!
sleep 2
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "start 3 exits 0 on SIGTERM" test "$rc" -eq 0
check "received twice in all" test "$(ls hook/*.body | wc -l)" -eq 2
id1=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["headers"]["X-Mieruka-Id"])' hook/0001.json)
id2=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["headers"]["X-Mieruka-Id"])' hook/0002.json)
check "the resend carries the same id ($id1)" test -n "$id1" -a "$id1" = "$id2"
check "the resend carries the same bytes" cmp -s hook/0001.body hook/0002.body
rm hook/0002.body hook/0002.json
check "the diff is the one queued, signed" "$PY" "$src/tests/e2e/receivers/check_delivery.py" hook hook k ab.json
[ "$fail" -eq 0 ] || { for f in run*.txt; do echo "--- $f"; cat "$f"; done; }
exit "$fail"
