#!/usr/bin/env bash
# End to end: the delivery thread inside `mieruka run`. A diff queued before the
# daemon starts is delivered by the daemon (after it dropped root) to a webhook
# on loopback, exactly once, and marked sent in the outbox.
# Needs root (live capture on lo, privilege drop); skipped (77) otherwise.
# Usage: delivery_daemon.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$2"
PY=/usr/bin/python3
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the daemon test needs root"; exit 77; fi
cap_a="$src/pcaps/factory_sample.pcapng"; cap_b="$src/pcaps/melsec_omron.pcapng"
[ -f "$cap_a" ] && [ -f "$cap_b" ] || { echo "skip: sample captures missing"; exit 77; }
tmp="$(mktemp -d)"; chmod 755 "$tmp"
rxpid=""; dpid=""
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; [ -n "$rxpid" ] && kill "$rxpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir data
cat >daemon.toml <<TOML
sensor_name = "e2e-daemon"
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
"$PY" "$src/tests/e2e/receivers/http_receiver.py" --port "$port" --out hook --ready ready.http >/dev/null 2>&1 &
rxpid=$!
for _ in $(seq 100); do [ -f ready.http ] && break; sleep 0.1; done
"$bin" run --config daemon.toml 2>run.txt &
dpid=$!
for _ in $(seq 100); do [ -f hook/0001.body ] && break; sleep 0.1; done
sleep 2
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "daemon exits 0 on SIGTERM" test "$rc" -eq 0
check "the daemon delivered the diff exactly once, signed" "$PY" "$src/tests/e2e/receivers/check_delivery.py" hook hook k ab.json
check "delivery logged" grep -q "delivered to hook" run.txt
check "outbox: nothing pending" test "$(m outbox list --format json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0
exit "$fail"
