#!/usr/bin/env bash
# End to end: `mieruka run --config FILE` (the daemon) on the loopback interface.
# Started as root, it drops to `user = "nobody"`; it must flush the ledger at its
# interval, stay up on SIGHUP (reload), exit 0 on SIGTERM, and survive a kill -9
# with a database that the next run opens (PRAGMA integrity_check ok). Also: a
# wrong config line exits 1 with file:line, and `config check` prints ok on the
# example config. Needs root (live capture, privilege drop); skipped (77) otherwise.
# Usage: daemon_run.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"
src="$2"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the daemon test needs root"; exit 77; fi
tmp="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp"
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
alive() { kill -0 "$pid" 2>/dev/null; }
send() { for i in $(seq 1 "$1"); do echo "hello $i" >/dev/udp/127.0.0.1/$port 2>/dev/null; sleep 0.05; done; }
# Waits up to $2 seconds for file $1 to contain pattern $3.
wait_for() { for _ in $(seq 1 $(($2 * 10))); do grep -q "$3" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# config check on the shipped example, its mirror port named as one this machine has.
sed 's/^interfaces = \["eth1"\]/interfaces = ["lo"]/' "$src/docs/mieruka.example.toml" >example.toml
out="$("$bin" config check --config example.toml 2>&1)"; rc=$?
check "config check: example config is ok" test "$rc" -eq 0 -a "$out" = "ok"
# ... and as shipped, where no eth1 exists: the interface is named.
if ! ip link show eth1 >/dev/null 2>&1; then
  out="$("$bin" config check --config "$src/docs/mieruka.example.toml" 2>&1)"; rc=$?
  check "config check: a missing capture interface exits 1" test "$rc" -eq 1
  check "config check: names the missing interface" grep -q 'capture interface `eth1` does not exist' <<<"$out"
fi

# Typos are refused with file:line and the nearest known name.
printf '[capture]\ninterfaces = ["lo"]\nflush_intervall_s = 10\n' >typo.toml
out="$("$bin" config check --config typo.toml 2>&1)"; rc=$?
check "config check: unknown key exits 1" test "$rc" -eq 1
check "config check: unknown key named with the nearest" \
  grep -q 'typo.toml:3: unknown key `flush_intervall_s` in \[capture\]; did you mean `flush_interval_s`?' <<<"$out"
printf '[snapshot]\nschedule = "daily 07:30"\n' >typo2.toml
out="$("$bin" run --config typo2.toml 2>&1)"; rc=$?
check "run: unknown section exits 1" test "$rc" -eq 1
check "run: unknown section named with the nearest" grep -q 'typo2.toml:1: unknown section \[snapshot\]; did you mean \[snapshots\]?' <<<"$out"

# A wrong line: file:line and exit 1 before anything starts.
cat >bad.toml <<'TOML'
data_dir = "/nonexistent"
[capture]
interfaces = ["lo"]
flush_interval_s = "ten"
TOML
"$bin" run --config bad.toml >/dev/null 2>bad_err.txt; rc=$?
check "bad config line: run exits 1" test "$rc" -eq 1
check "bad config line: names bad.toml:4" grep -q "bad.toml:4:" bad_err.txt
"$bin" config check --config bad.toml >/dev/null 2>/dev/null; rc=$?
check "bad config line: config check exits 1" test "$rc" -eq 1

port=$((40000 + RANDOM % 20000))
mkdir data && chown nobody data
cat >daemon.toml <<TOML
data_dir = "$tmp/data"
sensor_name = "e2e-daemon"
user = "nobody"
[capture]
interfaces = ["lo"]
filter = "udp port $port"
flush_interval_s = 1
TOML
chmod 644 daemon.toml

# A user that does not exist: refused, one line, exit 1.
sed 's/^user = .*/user = "no-such-user-mieruka"/' daemon.toml >nouser.toml
"$bin" run --config nouser.toml >/dev/null 2>nouser_err.txt; rc=$?
check "unknown user: exits 1" test "$rc" -eq 1
check "unknown user: one line naming it" test "$(wc -l <nouser_err.txt)" -eq 1 -a -n "$(grep no-such-user-mieruka nouser_err.txt)"

"$bin" run --config daemon.toml 2>run1.txt &
pid=$!
wait_for run1.txt 10 "running:" || true
check "daemon started" alive
send 20
sleep 2.5
"$bin" assets --config daemon.toml --db data/mieruka.db --format json >assets.json 2>/dev/null
check "loopback asset flushed while running" grep -q '"127.0.0.1"' assets.json
check "database owned by the dropped user" test "$(stat -c %U data/mieruka.db)" = nobody

kill -HUP "$pid"
wait_for run1.txt 5 "reloaded" || true
check "SIGHUP: logged reloaded" grep -q "reloaded" run1.txt
check "SIGHUP: still running" alive

kill -TERM "$pid"
wait "$pid"; rc=$?; pid=""
check "SIGTERM: exits 0" test "$rc" -eq 0

# kill -9 in the middle of a run (flushing every second while traffic flows).
"$bin" run --config daemon.toml 2>run2.txt &
pid=$!
wait_for run2.txt 10 "running:" || true
send 30
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
check "after kill -9: integrity_check ok" test "$(sqlite3 data/mieruka.db 'PRAGMA integrity_check' 2>&1)" = ok
"$bin" run --config daemon.toml 2>run3.txt &
pid=$!
wait_for run3.txt 10 "running:" || true
check "after kill -9: second run starts" alive
send 5
sleep 1.5
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=""
check "after kill -9: second run exits 0 on SIGTERM" test "$rc" -eq 0
"$bin" assets --config daemon.toml --db data/mieruka.db --format json >assets2.json 2>/dev/null; rc=$?
check "after kill -9: mieruka assets reads the db" test "$rc" -eq 0
check "after kill -9: loopback asset still there" grep -q '"127.0.0.1"' assets2.json
check "final integrity_check ok" test "$(sqlite3 data/mieruka.db 'PRAGMA integrity_check' 2>&1)" = ok

if [ "$fail" -ne 0 ]; then for f in run1.txt run2.txt run3.txt; do echo "== $f"; cat "$f"; done; fi
exit $fail
