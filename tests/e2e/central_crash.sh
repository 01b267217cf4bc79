#!/usr/bin/env bash
# End to end against a real PostgreSQL started here (tests/e2e/lib/postgres.sh):
# either side dies in the middle of replication, and after the restart nothing
# the central store acknowledged is lost and nothing arrives twice.
# MIERUKA_FAILPOINT=central_batch_pause (test-only, sensor/central/replicator.cpp)
# makes batches of 20 records that pause 1 s with their central transaction
# open and 1 s after its COMMIT, each announced on stderr, so the kills land
# where they are meant to, every run:
#   1. kill -9 of the sensor after a batch's central COMMIT, before the ledger
#      forgot the batch: the batch is sent again and changes no central row;
#   2. kill -9 of the sensor with a batch's transaction open: it is rolled back
#      and sent again whole;
#   3. `pg_ctl stop -m immediate` with a batch's transaction open: the sync
#      fails with the changes kept; PostgreSQL back, they all arrive;
#   4. the server process of a batch frozen (SIGSTOP) before its COMMIT is
#      answered, as a hung host or a partition that drops packets leaves it:
#      the sync gives up after [central] timeout_s with the changes kept,
#      instead of waiting forever on a connection the kernel keeps open.
# Each time the committed batches stay committed, the sensor's log holds
# exactly what was not committed, and at the end every central record is at
# the version it was queued with, its rows equal to the sensor's ledger.
# Usage: central_crash.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"; src="$2"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib/postgres.sh"
. "$here/lib/central.sh"
pg_require
tmp="$(mktemp -d)"
pid=""
frozen=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  [ -n "$frozen" ] && kill -CONT $frozen 2>/dev/null
  pg_stop immediate; rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
# Waits up to $1 seconds for the command to succeed.
wait_until() { local n="$1"; shift; for _ in $(seq 1 $((n * 20))); do "$@" && return 0; sleep 0.05; done; return 1; }
count() { pg_sql -d mieruka -tAc "$1"; }
pending() { sqlite3 "$1" 'SELECT count(*) FROM change_log'; }
# rows SENSOR: "table|key|xmin" of its central records (xmin changes with any write of the row)
rows() {
  local p kind t key
  for p in $parents; do
    IFS=: read -r kind t key <<<"$p"
    count "SELECT '$t|' || $key::text || '|' || xmin::text FROM $t WHERE sensor_name = '$1'"
  done | LC_ALL=C sort
}

pg_start "$tmp"
pg_sql -c "CREATE DATABASE mieruka" >/dev/null || { echo "FAIL createdb"; exit 1; }
"$bin" central init --db "postgresql://postgres@127.0.0.1:$PG_PORT/mieruka" --password-file "$PG_DIR/super.pw" \
  >init.txt 2>&1 || { echo "FAIL central init"; cat init.txt; exit 1; }
for s in crash1 crash2 crash3; do
  p="$s-Secret-$RANDOM$RANDOM"
  pg_sql -d mieruka -c "CREATE ROLE $s LOGIN PASSWORD '$p' IN ROLE mieruka_sensor" >/dev/null
  printf '%s\n' "$p" >"$s.pw"; chmod 600 "$s.pw"
  printf 'sensor_name = "%s"\n' "$s" >"$s.local.toml"
  cat >"$s.toml" <<TOML
sensor_name = "$s"
[central]
url = "postgresql://$s@127.0.0.1:$PG_PORT/mieruka"
password_file = "$s.pw"
timeout_s = 5
TOML
done
# Both ledgers are read first without [central] (a sensor that joins later
# sends its whole ledger: 137 assets and 114 edges here, 14 batches of 20).
"$bin" read --config crash1.local.toml --db c1.db "$src"/pcaps/*.pcapng >read1.txt 2>&1
check "crash1 read exits 0" test $? -eq 0
"$bin" read --config crash2.local.toml --db c2.db "$src"/pcaps/*.pcapng >read2.txt 2>&1
check "crash2 read exits 0" test $? -eq 0
"$bin" read --config crash3.local.toml --db c3.db "$src"/pcaps/*.pcapng >read3.txt 2>&1
check "crash3 read exits 0" test $? -eq 0

# sync_until SENSOR DB EVENT: a sync with the failpoint, stopped at EVENT
# ("central batch 2 committed"); its log is kept in SENSOR.queued the first
# time a batch is open (seeded, nothing forgotten yet).
sync_until() {
  MIERUKA_FAILPOINT=central_batch_pause "$bin" central sync --config "$1.toml" --db "$2" >"$1.sync.txt" 2>&1 &
  pid=$!
  if [ ! -s "$1.queued" ]; then
    wait_until 20 grep -q "central batch 1 open" "$1.sync.txt" && log_of "$2" "$1" >"$1.queued"
  fi
  wait_until 30 grep -q "$3" "$1.sync.txt"
}

# 1. kill -9 after the second batch's COMMIT, before the ledger forgets it.
check "crash1: the sync reaches the second batch's COMMIT" sync_until crash1 c1.db "central batch 2 committed"
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
total="$(wc -l <crash1.queued)"
check "crash1: the whole ledger was queued ($total records)" test "$total" -eq "$(records c1.db crash1)" -a "$total" -gt 60
check "crash1: two batches are central" test "$(count "SELECT changes FROM sensors WHERE sensor_name = 'crash1'")" = 40
check "crash1: the ledger still queues the second (forgotten only after COMMIT)" test "$(pending c1.db)" -eq $((total - 20))
rows crash1 >crash1.rows.1

# 2. kill -9 with the (resent) batch's successor open.
check "crash1: a second sync reaches an open batch" sync_until crash1 c1.db "central batch 2 open"
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
check "crash1: the killed sync's open batch is rolled back (no transaction left open)" \
  wait_until 10 test "$(count "SELECT count(*) FROM pg_stat_activity WHERE usename = 'crash1'")" = 0
check "crash1: the resent batch is forgotten, the rolled-back one still queued" test "$(pending c1.db)" -eq $((total - 40))
check "crash1: the resent batch changed no central row" cmp -s crash1.rows.1 <(rows crash1)
check "crash1: nothing of the rolled-back batch is central" test "$(central_versions crash1 | wc -l)" -eq 40

"$bin" central sync --config crash1.toml --db c1.db >crash1.final.txt 2>&1
check "crash1: a sync after the kills exits 0" test $? -eq 0
check "crash1: it sends the $((total - 40)) changes not committed" grep -q ": $((total - 40)) change(s) replicated" crash1.final.txt
check "crash1: the log is empty" test "$(pending c1.db)" = 0
check "crash1: every record central once, at the version it was queued with" cmp -s crash1.queued <(central_versions crash1)
check "crash1: the rows committed before the kills were not written again" \
  test -z "$(LC_ALL=C comm -23 crash1.rows.1 <(rows crash1))"
check "crash1: central = its ledger, table by table" same_ledger crash1 c1.db

# 3. PostgreSQL stopped (immediate: a crash) with the second batch open.
check "crash2: the sync reaches an open batch" sync_until crash2 c2.db "central batch 2 open"
pg_stop immediate
wait "$pid"; rc=$?; pid=""
total="$(wc -l <crash2.queued)"
check "crash2: the sync fails (exit 2)" test "$rc" -eq 2
check "crash2: and says the changes are kept" grep -q "change(s) kept in c2.db" crash2.sync.txt
check "crash2: the ledger forgot only the committed batch" test "$(pending c2.db)" -eq $((total - 20))
pg_restart
check "crash2: the committed batch survived the crash" test "$(central_versions crash2 | wc -l)" -eq 20
check "crash2: and is exactly the oldest 20 queued changes" cmp -s <(central_versions crash2) \
  <(sort -t'|' -k3,3n crash2.queued | head -20 | LC_ALL=C sort)
"$bin" central sync --config crash2.toml --db c2.db >crash2.final.txt 2>&1
check "crash2: a sync after the restart exits 0" test $? -eq 0
check "crash2: it sends the $((total - 20)) changes not committed" grep -q ": $((total - 20)) change(s) replicated" crash2.final.txt
check "crash2: every change received once" test "$(count "SELECT changes FROM sensors WHERE sensor_name = 'crash2'")" -eq "$total"
check "crash2: every record central once, at the version it was queued with" cmp -s crash2.queued <(central_versions crash2)
check "crash2: central = its ledger, table by table" same_ledger crash2 c2.db

# 4. The server process of the second batch frozen before it answers the COMMIT.
check "crash3: the sync reaches an open batch" sync_until crash3 c3.db "central batch 2 open"
frozen="$(count "SELECT pid FROM pg_stat_activity WHERE usename = 'crash3'")"
check "crash3: its server process is found ($frozen)" test -n "$frozen"
kill -STOP $frozen
t0=$SECONDS
check "crash3: the sync ends on its own within 20 s" wait_until 20 sh -c "! kill -0 $pid 2>/dev/null"
kill -9 "$pid" 2>/dev/null; wait "$pid"; rc=$?; pid=""
total="$(wc -l <crash3.queued)"
check "crash3: the sync fails (exit 2), two attempts of timeout_s ($((SECONDS - t0)) s)" test "$rc" -eq 2
check "crash3: and says no reply came and the changes are kept" \
  sh -c "grep -q 'no reply within 5 s' crash3.sync.txt && grep -q 'change(s) kept in c3.db' crash3.sync.txt"
check "crash3: the ledger forgot only the committed batch" test "$(pending c3.db)" -eq $((total - 20))
kill -CONT $frozen; frozen=""
check "crash3: the frozen process ends once it runs again" \
  wait_until 10 test "$(count "SELECT count(*) FROM pg_stat_activity WHERE usename = 'crash3'")" = 0
# The COMMIT was in the frozen process's socket before the sensor gave up: it
# takes effect when the process runs again. The sensor cannot know (no reply
# came), so it keeps the batch and sends it again: a no-op.
check "crash3: the batch whose COMMIT was in flight is central" test "$(central_versions crash3 | wc -l)" -eq 40
rows crash3 >crash3.rows.1
"$bin" central sync --config crash3.toml --db c3.db >crash3.final.txt 2>&1
check "crash3: a sync afterwards exits 0" test $? -eq 0
check "crash3: it sends the $((total - 20)) changes not committed" grep -q ": $((total - 20)) change(s) replicated" crash3.final.txt
check "crash3: every record central once, at the version it was queued with" cmp -s crash3.queued <(central_versions crash3)
check "crash3: the batch sent again changed no central row" \
  test -z "$(LC_ALL=C comm -23 crash3.rows.1 <(rows crash3))"
check "crash3: central = its ledger, table by table" same_ledger crash3 c3.db
check "crash1 untouched by crash2" same_ledger crash1 c1.db
check "every central child row carries its record's version" one_version
check "the kept row counts = count(*) after the kills and the resent batches" exact_counts
exit $fail
