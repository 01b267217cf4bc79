#!/usr/bin/env bash
# End to end: the daemon (`mieruka run`, live capture on loopback, dropped to
# nobody) replicating to a real PostgreSQL started here: its changes arrive
# while it captures, the central store stopped (pg_ctl stop -m immediate) does
# not stop capture and its changes wait in the ledger, the store back gets them
# without a restart of the daemon, and in the end the central rows equal the
# ledger, with the password in no log. Needs root (live capture); skipped (77)
# otherwise, and skipped outside CI only when the PostgreSQL binaries are missing.
# Usage: central_daemon.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"; src="$2"
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the daemon test needs root"; exit 77; fi
. "$here/lib/postgres.sh"
. "$here/lib/central.sh"
pg_require
tmp="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; pg_stop immediate; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
send() { for i in $(seq 1 "$1"); do echo "hello $i" >/dev/udp/127.0.0.1/$port 2>/dev/null; sleep 0.05; done; }
# Waits up to $1 seconds for the command to succeed.
wait_until() { local n="$1"; shift; for _ in $(seq 1 $((n * 10))); do "$@" && return 0; sleep 0.1; done; return 1; }
count() { pg_sql -d mieruka -tAc "$1" 2>/dev/null; }
central_has() { test "$(count "SELECT count(*) FROM $1 WHERE sensor_name = 'e2e-central'")" -gt 0 2>/dev/null; }
# The ledger is read as the daemon's user: its -shm file is that user's only.
pending() { runuser -u nobody -- sqlite3 data/mieruka.db 'SELECT count(*) FROM change_log' 2>/dev/null; }
log_empty() { test "$(pending)" = 0; }
log_waits() { test "$(pending)" -gt 0 2>/dev/null; }
packets_central() { count "SELECT COALESCE(sum(packets), 0) FROM edges WHERE sensor_name = 'e2e-central'"; }

pg_start "$tmp"
pg_sql -c "CREATE DATABASE mieruka" >/dev/null || { echo "FAIL createdb"; exit 1; }
"$bin" central init --db "postgresql://postgres@127.0.0.1:$PG_PORT/mieruka" --password-file "$PG_DIR/super.pw" \
  >init.txt 2>&1 || { echo "FAIL central init"; cat init.txt; exit 1; }
pw="daemon-Secret-$RANDOM$RANDOM"
pg_sql -d mieruka -c "CREATE ROLE \"e2e-central\" LOGIN PASSWORD '$pw' IN ROLE mieruka_sensor" >/dev/null
printf '%s\n' "$pw" >central.pw; chmod 600 central.pw
chmod 755 "$tmp"

port=$((40000 + RANDOM % 20000))
mkdir data && chown nobody data
cat >daemon.toml <<TOML
data_dir = "$tmp/data"
sensor_name = "e2e-central"
user = "nobody"
[capture]
interfaces = ["lo"]
filter = "udp port $port"
flush_interval_s = 1
[central]
url = "postgresql://e2e-central@127.0.0.1:$PG_PORT/mieruka"
password_file = "central.pw"
TOML

"$bin" run --config daemon.toml 2>run.txt &
pid=$!
sleep 1
send 20
check "the daemon's changes reach the central store while it captures" wait_until 20 central_has edges
check "its change log empties" wait_until 20 log_empty
before="$(packets_central)"

# The central store crashes; capture goes on and the changes wait.
pg_stop immediate
send 30
check "central down: the changes wait in the ledger" wait_until 20 log_waits

check "central down: the daemon keeps running" kill -0 "$pid"
check "central down: one warning says the changes are kept" wait_until 10 grep -q "changes are kept in" run.txt
check "central down: said once" test "$(grep -c 'changes are kept in' run.txt)" -eq 1

# Back: the daemon catches up by itself.
pg_restart
check "central back: the change log empties" wait_until 60 log_empty
check "central back: logged once" wait_until 10 grep -q "reachable again" run.txt
check "central back: the packets counted while it was down arrived" test "$(packets_central)" -gt "$before"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
check "the daemon exits 0 on SIGTERM" test "$rc" -eq 0
# The last flush at exit: what the thread had no time to send is sent now.
"$bin" central sync --config daemon.toml >sync.txt 2>&1
check "central sync after the daemon stopped exits 0" test $? -eq 0
check "central = the daemon's ledger, table by table" same_ledger e2e-central data/mieruka.db
check "the password is in no log" test -z "$(grep -l -F -- "$pw" run.txt sync.txt init.txt 2>/dev/null)"
exit $fail
