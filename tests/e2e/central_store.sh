#!/usr/bin/env bash
# End to end against a real PostgreSQL started here (tests/e2e/lib/postgres.sh):
# `mieruka central init` (twice; a newer schema refused), two sensors reading
# different captures with [central], each sensor's SQLite ledger equal to its
# rows in the central store table by table, a batch sent again changing
# nothing, the central store down and back with nothing lost, row-level
# security between sensors, `central status`, and no password in any output.
# Usage: central_store.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"; src="$2"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib/postgres.sh"
. "$here/lib/central.sh"
pg_require
tmp="$(mktemp -d)"
trap 'pg_stop immediate; rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}

pg_start "$tmp"
# The schema's owner is an ordinary role with CREATEROLE, as docs/central.md sets it up.
printf 'owner-Secret-%s\n' "$RANDOM$RANDOM" >owner.pw; chmod 600 owner.pw
pg_sql -c "CREATE ROLE mieruka_admin LOGIN CREATEROLE PASSWORD '$(cat owner.pw)'" \
  -c "CREATE DATABASE mieruka OWNER mieruka_admin" || { echo "FAIL createdb"; exit 1; }
admin="postgresql://mieruka_admin@127.0.0.1:$PG_PORT/mieruka"
super_pw="$tmp/owner.pw"

# 1. init creates the schema; again it is a no-op.
"$bin" central init --db "$admin" --password-file "$super_pw" >init1.txt 2>&1; rc=$?
check "init exits 0" test "$rc" -eq 0
check "init applied the migrations" grep -q "migration(s) applied" init1.txt
"$bin" central init --db "$admin" --password-file "$super_pw" >init2.txt 2>&1; rc=$?
check "init again exits 0" test "$rc" -eq 0
check "init again changes nothing" grep -q "already current" init2.txt
check "schema version stored" test "$(pg_sql -d mieruka -tAc 'SELECT version FROM mieruka_schema')" = "1"

# 2. One login role per sensor (named after its sensor_name), one for the console.
pw1="line1-Secret-$RANDOM$RANDOM"; pw2="line2-Secret-$RANDOM$RANDOM"; pwc="console-Secret-$RANDOM$RANDOM"
pg_sql -d mieruka -c "CREATE ROLE line1 LOGIN PASSWORD '$pw1' IN ROLE mieruka_sensor;
                      CREATE ROLE line2 LOGIN PASSWORD '$pw2' IN ROLE mieruka_sensor;
                      CREATE ROLE viewer LOGIN PASSWORD '$pwc' IN ROLE mieruka_console;" || fail=1
printf '%s\n' "$pw1" >line1.pw; printf '%s\n' "$pw2" >line2.pw; printf '%s\n' "$pwc" >viewer.pw
chmod 600 line1.pw line2.pw viewer.pw
for s in line1 line2; do
  cat >"$s.toml" <<TOML
sensor_name = "$s"
[central]
url = "postgresql://$s@127.0.0.1:$PG_PORT/mieruka"
password_file = "$s.pw"
TOML
done

# 3. The config refuses a password file others may read, and a password in the URL.
chmod 644 line1.pw
"$bin" config check --config line1.toml >cfg1.txt 2>&1; rc=$?
check "group-readable password file refused" test "$rc" -eq 1
check "refusal says chmod 600" grep -q "chmod 600" cfg1.txt
chmod 600 line1.pw
sed "s|postgresql://line1@|postgresql://line1:$pw1@|" line1.toml >inline.toml
"$bin" config check --config inline.toml >cfg2.txt 2>&1; rc=$?
check "password in the URL refused" test "$rc" -eq 1
check "refusal names password_file" grep -q "password_file" cfg2.txt
sed 's|^password_file|passwd_file|' line1.toml >typo.toml
"$bin" config check --config typo.toml >cfg4.txt 2>&1; rc=$?
check "an unknown [central] key refused" test "$rc" -eq 1
check "with the nearest known key" grep -q 'unknown key `passwd_file` in \[central\]; did you mean `password_file`?' cfg4.txt
"$bin" config check --config line1.toml >cfg3.txt 2>&1
check "valid [central] config accepted" grep -q "^ok" cfg3.txt

# 4. Two sensors read different captures; each replicates before it exits.
"$bin" read --config line1.toml --db s1.db "$src/pcaps/factory_sample.pcapng" "$src/pcaps/hidden_equipment.pcapng" >read1.txt 2>&1; rc=$?
check "sensor line1 read exits 0" test "$rc" -eq 0
check "sensor line1 replicated" grep -q "change(s) replicated" read1.txt
"$bin" read --config line2.toml --db s2.db "$src/pcaps/multi_protocol.pcapng" >read2.txt 2>&1; rc=$?
check "sensor line2 read exits 0" test "$rc" -eq 0
fid="$("$bin" findings --config line1.toml --db s1.db --format csv 2>/dev/null | grep -o 'f-[0-9a-f]*' | head -1)"
check "line1 has a finding to acknowledge" test -n "$fid"
"$bin" findings ack --config line1.toml --db s1.db "$fid" --comment "reviewed" >ack.txt 2>&1
check "finding acknowledged" test $? -eq 0
"$bin" snapshot --config line1.toml --db s1.db --name base >snap.txt 2>&1
check "snapshot taken" test $? -eq 0
"$bin" central sync --config line1.toml --db s1.db >sync1.txt 2>&1; rc=$?
check "central sync exits 0" test "$rc" -eq 0

count() { pg_sql -d mieruka -tAc "$1"; }
check "line1 has assets and edges centrally" test "$(count "SELECT count(*) FROM assets WHERE sensor_name='line1'")" -gt 3 -a "$(count "SELECT count(*) FROM edges WHERE sensor_name='line1'")" -gt 3
check "line1 finding states and snapshot replicated" test "$(count "SELECT count(*) FROM snapshots WHERE sensor_name='line1'")" -eq 1 -a "$(count "SELECT count(*) FROM findings_state WHERE sensor_name='line1'")" -gt 0
check "central = line1's ledger, table by table" same_ledger line1 s1.db
check "central = line2's ledger, table by table" same_ledger line2 s2.db
check "no other sensor in the central store" test "$(count "SELECT string_agg(DISTINCT sensor_name, ',') FROM assets")" = "line1,line2"
check "change logs empty after replication" test "$(sqlite3 s1.db 'SELECT count(*) FROM change_log')" = 0 -a "$(sqlite3 s2.db 'SELECT count(*) FROM change_log')" = 0

# 5. A batch sent twice is a no-op: the same changes, queued again with their
#    versions, leave every central row as it was (row versions, xmin).
state() {
  local t
  for t in assets facts edges edge_ops; do
    count "SELECT count(*), md5(string_agg(r::text || ':' || r.xmin::text, ',' ORDER BY r::text)) FROM $t r WHERE r.sensor_name = 'line1'"
  done
}
state >before.state
# Rebuild the log as it was before the first send: every record at the version it was sent with.
versions="$(count "SELECT 'asset' || '|' || id || '|' || version FROM assets WHERE sensor_name='line1' UNION ALL SELECT 'edge' || '|' || id || '|' || version FROM edges WHERE sensor_name='line1'")"
{
  echo "BEGIN;"
  while IFS='|' read -r kind key version; do
    [ -n "$kind" ] || continue
    echo "INSERT INTO change_log (seq, sensor, kind, key, changed_us) VALUES ($version, 'line1', '$kind', '$(printf %s "$key" | sed "s/'/''/g")', 0);"
  done <<<"$versions"
  echo "COMMIT;"
} >replay.sql
sqlite3 s1.db <replay.sql
check "the replayed log holds every record" test "$(sqlite3 s1.db 'SELECT count(*) FROM change_log')" -gt 6
"$bin" central sync --config line1.toml --db s1.db >sync2.txt 2>&1; rc=$?
check "sending again exits 0" test "$rc" -eq 0
state >after.state
check "sending again changed no central row" cmp -s before.state after.state
check "central still = line1's ledger" same_ledger line1 s1.db

# 6. Central down: the sensor keeps reading, its changes wait in its log;
#    central back: everything arrives, nothing twice.
pg_stop immediate
"$bin" read --config line2.toml --db s2.db "$src/pcaps/melsec_omron.pcapng" >down.txt 2>&1; rc=$?
check "read with central down still exits 0" test "$rc" -eq 0
check "read with central down says the changes are kept" grep -q "kept in s2.db" down.txt
check "the changes wait in the sensor's log" test "$(sqlite3 s2.db 'SELECT count(*) FROM change_log')" -gt 0
pg_restart
"$bin" read --config line2.toml --db s2.db "$src/pcaps/jp_controllers.pcapng" >up.txt 2>&1; rc=$?
check "read with central back exits 0" test "$rc" -eq 0
check "the backlog is sent" test "$(sqlite3 s2.db 'SELECT count(*) FROM change_log')" = 0
check "after the outage central = line2's ledger" same_ledger line2 s2.db
check "line1 untouched by line2's catch-up" same_ledger line1 s1.db

# 7. Row-level security: a sensor's role writes and sees only its own rows.
as_role() {  # as_role ROLE PASSWORD SQL
  PGPASSWORD="$2" "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$1" -d mieruka -tAc "$3"
}
as_role line1 "$pw1" "INSERT INTO assets (sensor_name, id, version, first_us, last_us, packets_sent, bytes_sent, router) VALUES ('line2', 'forged', 1, 0, 0, 0, 0, 0)" >rls1.txt 2>&1; rc=$?
check "line1 cannot insert a row of line2" test "$rc" -ne 0
check "refused by row-level security" grep -q "row-level security" rls1.txt
as_role line1 "$pw1" "UPDATE assets SET version = version + 1 WHERE sensor_name = 'line2'" >/dev/null 2>&1
check "line1 cannot update line2's rows" same_ledger line2 s2.db
check "line1 sees none of line2's rows" test "$(as_role line1 "$pw1" "SELECT count(*) FROM assets WHERE sensor_name='line2'")" = 0
as_role line1 "$pw1" "UPDATE assets SET sensor_name = 'line2' WHERE sensor_name = 'line1'" >rls2.txt 2>&1; rc=$?
check "line1 cannot move its rows to line2" test "$rc" -ne 0
check "the console role reads every sensor" test "$(as_role viewer "$pwc" "SELECT count(DISTINCT sensor_name) FROM assets")" = 2
as_role viewer "$pwc" "DELETE FROM assets" >rls3.txt 2>&1; rc=$?
check "the console role cannot write" test "$rc" -ne 0

# 8. status: per sensor, the rows it holds, its backlog and lag.
"$bin" central status --db "postgresql://viewer@127.0.0.1:$PG_PORT/mieruka" --password-file viewer.pw >status.txt 2>&1; rc=$?
check "status exits 0" test "$rc" -eq 0
n1="$(sqlite3 s1.db "SELECT count(*) FROM assets WHERE sensor='line1'")"
n2="$(sqlite3 s2.db "SELECT count(*) FROM assets WHERE sensor='line2'")"
check "status lists line1 with its assets and no backlog" grep -Eq "^line1 +[0-9T:-]+Z +$n1 +[0-9]+ +[0-9]+ +0 +0s" status.txt
check "status lists line2 with its assets and no backlog" grep -Eq "^line2 +[0-9T:-]+Z +$n2 +[0-9]+ +[0-9]+ +0 +0s" status.txt

# 9. A newer schema is refused, by init and by the sensors, in one line.
pg_sql -d mieruka -c "UPDATE mieruka_schema SET version = 99"
"$bin" central init --db "$admin" --password-file "$super_pw" >newer1.txt 2>&1; rc=$?
check "init refuses a newer schema" test "$rc" -eq 1
check "the refusal is one line naming the versions" test "$(wc -l <newer1.txt)" -eq 1 -a "$(grep -c 'schema version 99 is newer than this mieruka (1); upgrade mieruka' newer1.txt)" -eq 1
"$bin" central sync --config line1.toml --db s1.db >newer2.txt 2>&1; rc=$?
check "a sensor refuses a newer schema" test "$rc" -ne 0 -a "$(grep -c 'is newer than this mieruka' newer2.txt)" -eq 1
pg_sql -d mieruka -c "UPDATE mieruka_schema SET version = 1"

# 10. A wrong password: a clear line, and the password in no output.
printf 'wrong-%s\n' "$pw1" >wrong.pw; chmod 600 wrong.pw
sed 's|line1.pw|wrong.pw|' line1.toml >wrong.toml
"$bin" central sync --config wrong.toml --db s1.db >wrong.txt 2>&1; rc=$?
check "a wrong password fails" test "$rc" -ne 0
check "the failure names the URL" grep -q "central postgresql://line1@127.0.0.1:$PG_PORT/mieruka" wrong.txt
for p in "$pw1" "$pw2" "$pwc" "$(cat "$super_pw")" "$(cat "$PG_DIR/super.pw")"; do
  check "no output holds a password" test -z "$(grep -l -F -- "$p" ./*.txt 2>/dev/null)"
done

exit $fail
