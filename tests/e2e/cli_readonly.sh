#!/usr/bin/env bash
# End to end: commands that only read never create or change a database. A
# zero-byte, non-SQLite or non-mieruka file given as --db is refused with one
# line and left byte for byte as it was; a `read` or `capture` that fails on its
# input creates no database. SIGTERM/SIGINT stop a reading command at once
# (exit 128 + signal, one line), even while it waits on a locked database.
# Usage: cli_readonly.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(realpath "$1")"; src="$(realpath "$2")"
sample="$src/pcaps/factory_sample.pcapng"
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 77; }
tmp="$(mktemp -d)"
lock_pid=""
cleanup() { [ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
one_line() { test "$(wc -l <"$1")" -eq 1; }
no_sidecars() { test ! -e "$1-wal" -a ! -e "$1-shm" -a ! -e "$1-journal"; }

# The reading commands, each run against a file that is not a ledger.
readers=(
  "assets" "assets --format json" "links" "show 10.10.1.30" "findings" "topology --format dot"
  "snapshot list" "diff --from a --to b" "export ledger" "export checklist" "report acceptance --from a"
  "outbox list" "advisories list" "advisories show ICSA-23-073-01" "advisories matches"
)
: >empty.db
echo "hello, not a database" >text.db
sqlite3 other.db "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me');"
cp other.db other.orig
for f in empty.db text.db other.db; do
  before="$(sha256sum "$f")"
  for cmd in "${readers[@]}"; do
    # shellcheck disable=SC2086
    "$bin" $cmd --db "$f" >/dev/null 2>err.txt; rc=$?
    check "$cmd on $f: exit 1" test "$rc" -eq 1
    check "$cmd on $f: one line naming it" bash -c "$(declare -f one_line); one_line err.txt && grep -q '$f' err.txt"
  done
  check "$f unchanged by every reader" test "$(sha256sum "$f")" = "$before"
  check "$f: no -wal/-shm left" no_sidecars "$f"
done
check "empty file: says it is empty" grep -q "empty file" <("$bin" assets --db empty.db 2>&1)
check "other SQLite: says it is not a mieruka ledger" grep -q "not a mieruka ledger" <("$bin" assets --db other.db 2>&1)
check "other SQLite: its table untouched" test "$(sqlite3 other.db 'SELECT group_concat(name) FROM sqlite_master')" = notes

# A failed read or capture creates nothing.
"$bin" read --db new1.db text.db >/dev/null 2>err.txt; rc=$?
check "read of a non-capture: exit 1" test "$rc" -eq 1
check "read of a non-capture: no database created" test ! -e new1.db
"$bin" read --db new2.db no-such-file.pcap >/dev/null 2>&1
check "read of a missing file: no database created" test ! -e new2.db
"$bin" capture -i no-such-iface0 --db new3.db --duration 1 >/dev/null 2>&1
check "capture on a missing interface: no database created" test ! -e new3.db
"$bin" outbox list --db new4.db >/dev/null 2>&1
check "outbox list without a database: none created" test ! -e new4.db
"$bin" read --db empty.db "$sample" >/dev/null 2>err.txt; rc=$?
check "read into a zero-byte --db: refused" test "$rc" -eq 1 -a ! -s empty.db

# A real ledger: readers work and change nothing.
"$bin" read --db real.db "$sample" >/dev/null 2>&1
check "read of the sample: database created" test -s real.db
sqlite3 real.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before="$(sha256sum real.db)"
"$bin" assets --db real.db --format json >assets.json 2>/dev/null
check "assets on a real ledger" grep -q '"10.10.1.30"' assets.json
"$bin" findings --db real.db >/dev/null 2>&1
"$bin" topology --format dot --db real.db >/dev/null 2>&1
"$bin" export ledger --db real.db --output out.ndjson 2>/dev/null; rc=$?
check "export --output: whole file, nothing left beside it" \
  bash -c "test $rc -eq 0 && grep -q '10.10.1.30' out.ndjson && test ! -e out.ndjson.part"
check "real ledger unchanged by the readers" test "$(sha256sum real.db)" = "$before"
check "real ledger: no -wal/-shm left" no_sidecars real.db

# SIGTERM and SIGINT while a reader waits on a database another process holds
# exclusively (it would wait 5 s for the lock).
sqlite3 real.db >/dev/null 2>&1 <<'SQL' &
PRAGMA locking_mode=EXCLUSIVE;
BEGIN EXCLUSIVE;
SELECT count(*) FROM assets;
.shell sleep 20
SQL
lock_pid=$!
sleep 0.5
for sig in TERM INT; do
  start=$(date +%s%N)
  "$bin" assets --db real.db >/dev/null 2>err.txt &
  pid=$!
  sleep 0.5
  kill -"$sig" "$pid"
  wait "$pid"; rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  code=$([ "$sig" = TERM ] && echo 143 || echo 130)
  check "assets stopped by SIG$sig: exit $code ($rc)" test "$rc" -eq "$code"
  check "assets stopped by SIG$sig: within 2 s (${ms} ms)" test "$ms" -lt 2000
  check "assets stopped by SIG$sig: one line naming it" bash -c "$(declare -f one_line); one_line err.txt && grep -q SIG$sig err.txt"
done
kill "$lock_pid" 2>/dev/null; wait "$lock_pid" 2>/dev/null; lock_pid=""
exit $fail
