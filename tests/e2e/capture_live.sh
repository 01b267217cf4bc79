#!/usr/bin/env bash
# End to end: `mieruka capture` on the loopback interface (the only interface a
# test may send on), stopped by SIGTERM: it must flush the ledger, exit 0 and
# report the drop counters. Needs root or CAP_NET_RAW; skipped (77) otherwise.
# Usage: capture_live.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: live capture needs root"; exit 77; fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }

port=$((40000 + RANDOM % 20000))
"$bin" capture -i lo --filter "udp port $port" --flush-interval 1 --db live.db 2>err.txt &
pid=$!
sleep 1.5
for i in $(seq 1 20); do echo "hello $i" >/dev/udp/127.0.0.1/$port 2>/dev/null; sleep 0.05; done
sleep 1.5
kill -TERM "$pid"
wait "$pid"; rc=$?
check "capture exits 0 on SIGTERM" test "$rc" -eq 0
check "drop counters reported" grep -q "dropped by kernel" err.txt
check "packets were captured" grep -Eq "captured [1-9][0-9]* packets" err.txt
"$bin" assets --db live.db --format json >assets.json
check "loopback host in the ledger" grep -q '"127.0.0.1"' assets.json

"$bin" capture -i no-such-iface0 --db live.db --duration 1 >/dev/null 2>err2.txt; rc=$?
check "unknown interface exits 1" test "$rc" -eq 1
check "unknown interface: one line naming it" test "$(wc -l <err2.txt)" -eq 1 -a -n "$(grep no-such-iface0 err2.txt)"
"$bin" capture -i lo --filter "this is not bpf" --db live.db --duration 1 >/dev/null 2>err3.txt; rc=$?
check "bad BPF exits 1" test "$rc" -eq 1
exit $fail
