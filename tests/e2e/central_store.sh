#!/usr/bin/env bash
# End to end against a real PostgreSQL started here (tests/e2e/lib/postgres.sh):
# `mieruka central init` (twice; a newer schema refused), two and then five
# sensors reading different captures with [central] (the last three the public
# captures in ../shared/pcaps: skipped with a message where it is absent, a
# failure under CI=true), each sensor's SQLite ledger equal to its rows in the
# central store table by table and the fleet's central rows equal to the union
# of the ledgers, a batch sent again changing nothing, the central store down
# while two sensors read with the backlog coalesced (one row per record, the
# newest) and then every change arriving once at the version it was queued
# with, row-level security between sensors (insert, update, delete, in parent
# and child tables), the reading commands (assets, findings, show, topology,
# diff) against the central store equal to the same commands against each sensor's
# ledger and the fleet read as one ledger, the console over the fleet
# (`serve --db postgresql://`: the fleet's devices once with their sightings,
# the sensor and site filters, the fleet's checklist, writes refused 409 and nothing written
# centrally; a fleet larger than its view served from an index, every asset query and
# device page as a whole view answers them), `central status`, and no password in any output.
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
central_owner
admin="postgresql://mieruka_admin@127.0.0.1:$PG_PORT/mieruka"
super_pw="$tmp/owner.pw"

# 1. init creates the schema; again it is a no-op.
"$bin" central init --db "$admin" --password-file "$super_pw" >init1.txt 2>&1; rc=$?
check "init exits 0" test "$rc" -eq 0
check "init applied the migrations" grep -q "migration(s) applied" init1.txt
"$bin" central init --db "$admin" --password-file "$super_pw" >init2.txt 2>&1; rc=$?
check "init again exits 0" test "$rc" -eq 0
check "init again changes nothing" grep -q "already current" init2.txt
check "schema version stored" test "$(pg_sql -d mieruka -tAc 'SELECT version FROM mieruka_schema')" = "4"

# 2. One login role per sensor (named after its sensor_name), one for the console.
pw1="line1-Secret-$RANDOM$RANDOM"; pw2="line2-Secret-$RANDOM$RANDOM"; pwc="console-Secret-$RANDOM$RANDOM"
pg_sql -d mieruka -c "CREATE ROLE line1 LOGIN PASSWORD '$pw1' IN ROLE mieruka_sensor;
                      CREATE ROLE line2 LOGIN PASSWORD '$pw2' IN ROLE mieruka_sensor;
                      CREATE ROLE viewer LOGIN PASSWORD '$pwc' IN ROLE mieruka_console;" || fail=1
printf '%s\n' "$pw1" >line1.pw; printf '%s\n' "$pw2" >line2.pw; printf '%s\n' "$pwc" >viewer.pw
chmod 600 line1.pw line2.pw viewer.pw
# Three more sensors read the public captures of ../shared/pcaps, when it is there.
shared="$src/../shared/pcaps"
extra=()
if [ -d "$shared" ]; then
  extra=(line3 line4 line5)
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL $shared is missing: CI must run the five-sensor fleet"; fail=1
else
  echo "SKIP the five-sensor fleet: $shared is missing (the two-sensor checks still run)"
fi
pws=("$pw1" "$pw2" "$pwc")
for s in "${extra[@]}"; do
  p="$s-Secret-$RANDOM$RANDOM"; pws+=("$p")
  pg_sql -d mieruka -c "CREATE ROLE $s LOGIN PASSWORD '$p' IN ROLE mieruka_sensor" || fail=1
  printf '%s\n' "$p" >"$s.pw"; chmod 600 "$s.pw"
done
for s in line1 line2 "${extra[@]}"; do
  cat >"$s.toml" <<TOML
sensor_name = "$s"
[central]
url = "postgresql://$s@127.0.0.1:$PG_PORT/mieruka"
password_file = "$s.pw"
TOML
done
# line1 and line2 are one plant's two mirror ports; the others name no site.
printf 'site = "plant-east"\n' >>line1.toml; printf 'site = "plant-east"\n' >>line2.toml

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
if [ "${#extra[@]}" -gt 0 ]; then
  "$bin" read --config line3.toml --db s3.db "$shared/ITI__EthernetIP-CIP.pcap" "$shared/zeek__snmpwalk-short.pcap" \
    "$shared/icsnpp-enip__enip_cip_example.pcap" >read3.txt 2>&1; rc=$?
  check "sensor line3 read exits 0" test "$rc" -eq 0
  "$bin" read --config line4.toml --db s4.db "$shared/ITI__s7comm_reading_plc_status.pcap" \
    "$shared/ITI__Sample_File_MMS_and_GOOSE.pcap" "$shared/zeek__dhcp.pcap" "$shared/ITI__TestDissectIec104.pcap" >read4.txt 2>&1; rc=$?
  check "sensor line4 read exits 0" test "$rc" -eq 0
  "$bin" read --config line5.toml --db s5.db "$shared/icsnpp-modbus__modbus_example.pcap" "$shared/zeek__mdns.pcap" \
    "$shared/tcpdump__3560_CDP.pcap" "$shared/zeek__lldp.pcap" "$shared/ITI__PROFINET-RT.pcap" "$shared/ndpi__ethernetIP.pcap" >read5.txt 2>&1; rc=$?
  check "sensor line5 read exits 0" test "$rc" -eq 0
fi
fid="$("$bin" findings --config line1.toml --db s1.db --format csv 2>/dev/null | grep -o 'f-[0-9a-f]*' | head -1)"
check "line1 has a finding to acknowledge" test -n "$fid"
"$bin" findings ack --config line1.toml --db s1.db "$fid" --comment "reviewed" >ack.txt 2>&1
check "finding acknowledged" test $? -eq 0
# An advisory (from ../shared, when it is there) and a remediation state on
# the device it matches: both travel with the ledger.
csaf="$src/../shared/advisories/csaf/icsa-23-201-01.json"
if [ -f "$csaf" ]; then
  "$bin" advisories import -q --config line1.toml --db s1.db "$csaf" >adv.txt 2>&1
  check "advisory imported" test $? -eq 0
  hit="$("$bin" advisories matches --config line1.toml --db s1.db --format json 2>/dev/null |
    grep -o '"asset": *"[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{16\}')"
  check "the advisory matches a device of line1 ($hit)" test -n "$hit"
  "$bin" advisories state -q --config line1.toml --db s1.db "$hit" ICSA-23-201-01 compensated \
    --comment "port closed at the cell firewall" >state.txt 2>&1
  check "remediation state recorded" test $? -eq 0
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL $csaf is missing: CI must replicate an advisory"; fail=1
fi
"$bin" snapshot --config line1.toml --db s1.db --name base >snap.txt 2>&1
check "snapshot taken" test $? -eq 0
"$bin" central sync --config line1.toml --db s1.db >sync1.txt 2>&1; rc=$?
check "central sync exits 0" test "$rc" -eq 0

count() { pg_sql -d mieruka -tAc "$1"; }
check "line1 has assets and edges centrally" test "$(count "SELECT count(*) FROM assets WHERE sensor_name='line1'")" -gt 3 -a "$(count "SELECT count(*) FROM edges WHERE sensor_name='line1'")" -gt 3
check "line1 finding states and snapshot replicated" test "$(count "SELECT count(*) FROM snapshots WHERE sensor_name='line1'")" -eq 1 -a "$(count "SELECT count(*) FROM findings_state WHERE sensor_name='line1'")" -gt 0
[ -f "$csaf" ] && check "line1's advisory and its remediation state replicated" \
  test "$(count "SELECT a.id || '|' || r.state || '|' || r.comment FROM advisories a JOIN remediation_state r ON r.sensor_name = a.sensor_name AND r.advisory_id = a.id WHERE a.sensor_name = 'line1'")" = "ICSA-23-201-01|compensated|port closed at the cell firewall"
check "line1's acknowledgement history replicated (who, comment)" test "$(count "SELECT who || '|' || comment FROM findings_history WHERE sensor_name='line1' AND finding_id='$fid'")" = "$(sqlite3 s1.db "SELECT who || '|' || comment FROM findings_history WHERE finding_id='$fid'")"
check "central = line1's ledger, table by table" same_ledger line1 s1.db
check "central = line2's ledger, table by table" same_ledger line2 s2.db
fleet=(line1:s1.db line2:s2.db)
for s in "${extra[@]}"; do fleet+=("$s:s${s#line}.db"); done
names="$(printf '%s\n' "${fleet[@]%%:*}" | paste -sd,)"
check "the central store holds exactly the fleet's sensors ($names)" test "$(count "SELECT string_agg(DISTINCT sensor_name, ',' ORDER BY sensor_name) FROM assets")" = "$names"
check "fleet: central = the union of the ${#fleet[@]} ledgers, device by device, fact by fact, edge by edge" same_fleet "${fleet[@]}"
for f in "${fleet[@]}"; do
  check "${f%%:*}: its change log is empty after replication" test "$(sqlite3 "${f#*:}" 'SELECT count(*) FROM change_log')" = 0
done
check "every central child row carries its record's version" one_version
check "the kept row counts = count(*) per sensor and table, after the fleet's batches" exact_counts
check "every sensor of the fleet has its counts kept" \
  test "$(count "SELECT count(DISTINCT sensor_name) FROM row_counts WHERE n > 0")" = "${#fleet[@]}"
# The comparisons see one changed, one extra and one missing central row.
not() { ! "$@" >/dev/null; }
pg_sql -d mieruka -c "UPDATE row_counts SET n = n + 1 WHERE sensor_name = 'line1' AND table_name = 'facts'"
check "a kept count that is not the rows' is seen" not exact_counts
pg_sql -d mieruka -c "UPDATE row_counts SET n = n - 1 WHERE sensor_name = 'line1' AND table_name = 'facts'"
pg_sql -d mieruka -c "UPDATE facts SET count = count + 1 WHERE (sensor_name, asset_id, field, value, source) = (SELECT sensor_name, asset_id, field, value, source FROM facts WHERE sensor_name = 'line2' ORDER BY 2, 3, 4, 5 LIMIT 1)"
check "a changed central fact is seen" not same_ledger line2 s2.db
check "by the fleet comparison too" not same_fleet "${fleet[@]}"
pg_sql -d mieruka -c "UPDATE facts SET count = count - 1 WHERE (sensor_name, asset_id, field, value, source) = (SELECT sensor_name, asset_id, field, value, source FROM facts WHERE sensor_name = 'line2' ORDER BY 2, 3, 4, 5 LIMIT 1)"
pg_sql -d mieruka -c "INSERT INTO counters (sensor_name, name, version, value) VALUES ('ghost', 'packets', 1, 1)"
check "an extra central row of another sensor is seen" not same_fleet "${fleet[@]}"
check "the row written by hand is counted, for a sensor that never sent a batch" exact_counts
pg_sql -d mieruka -c "DELETE FROM counters WHERE sensor_name = 'ghost'"
pg_sql -d mieruka -c "CREATE TABLE held AS SELECT * FROM edge_ops WHERE sensor_name = 'line1' LIMIT 1; DELETE FROM edge_ops e USING held h WHERE e.sensor_name = h.sensor_name AND e.edge_id = h.edge_id AND e.protocol = h.protocol AND e.name = h.name AND e.code = h.code"
check "a missing central row is seen" not same_ledger line1 s1.db
pg_sql -d mieruka -c "INSERT INTO edge_ops SELECT * FROM held; DROP TABLE held"
check "and the fleet is whole again" same_fleet "${fleet[@]}"
check "rows deleted and inserted by hand are counted" exact_counts

# 5. A batch sent twice is a no-op: the same changes, queued again with their
#    versions, leave every central row as it was (row versions, xmin).
state() {  # state SENSOR: its central rows with their row versions (xmin)
  local t
  for t in assets facts edges edge_ops findings_state counters runs; do
    count "SELECT count(*), md5(string_agg(r::text || ':' || r.xmin::text, ',' ORDER BY r::text)) FROM $t r WHERE r.sensor_name = '$1'"
  done
}
state line1 >before.state
kept() { count "SELECT string_agg(r::text || ':' || r.xmin::text, ',' ORDER BY r::text) FROM row_counts r"; }
kept >before.kept
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
state line1 >after.state
check "sending again changed no central row" cmp -s before.state after.state
kept >after.kept
check "sending again changed no kept count (row versions)" cmp -s before.kept after.kept
check "the kept counts are still exact" exact_counts
check "central still = line1's ledger" same_ledger line1 s1.db

# 6. Central down: two sensors keep reading, their changes wait in their logs,
#    one row per changed record, the newest; central back: every change
#    arrives once, at the version it was queued with, and a repeat is a no-op.
central_versions line2 >line2.before
changes_before="$(count "SELECT changes FROM sensors WHERE sensor_name = 'line2'")"
pg_stop immediate
"$bin" read --config line2.toml --db s2.db "$src/pcaps/melsec_omron.pcapng" >down.txt 2>&1; rc=$?
check "read with central down still exits 0" test "$rc" -eq 0
check "read with central down says the changes are kept" grep -q "kept in s2.db" down.txt
check "the changes wait in the sensor's log" test "$(sqlite3 s2.db 'SELECT count(*) FROM change_log')" -gt 0
log_of s2.db line2 >log.a
"$bin" read --config line2.toml --db s2.db "$src/pcaps/new_writers.pcapng" "$src/pcaps/melsec_omron.pcapng" >down2.txt 2>&1
check "a second read with central down exits 0" test $? -eq 0
"$bin" read --config line1.toml --db s1.db "$src/pcaps/l3_core.pcapng" >down1.txt 2>&1
check "the other sensor reads with central down too" test $? -eq 0
log_of s2.db line2 >log.b
sqlite3 s2.db "SELECT kind || '|' || key FROM change_log WHERE sensor = 'line2'" >log.keys
queued="$(sqlite3 s2.db "SELECT count(*) FROM change_log WHERE sensor = 'line2'")"
check "backlog coalesced: one log row per record" test "$queued" = "$(sqlite3 s2.db "SELECT count(DISTINCT kind || '|' || key) FROM change_log")"
check "backlog bounded: no more log rows ($queued) than the ledger has records ($(records s2.db line2))" test "$queued" -le "$(records s2.db line2)"
# A record changed by both reads is queued once, at the second read's version;
# one the second read left alone keeps its first version.
again="$(awk -F'|' 'NR==FNR {a[$1 "|" $2] = $3; next} ($1 "|" $2) in a {if ($3 > a[$1 "|" $2]) n++; if ($3 < a[$1 "|" $2]) bad++} END {print n + 0, bad + 0}' log.a log.b)"
check "records changed by both reads are queued once, at the newer version ($again: changed twice, older)" test "${again% *}" -gt 0 -a "${again#* }" = 0
pg_restart
"$bin" central sync --config line2.toml --db s2.db >catchup.txt 2>&1; rc=$?
check "central back: the backlog is sent" test "$rc" -eq 0 -a "$(sqlite3 s2.db 'SELECT count(*) FROM change_log')" = 0
check "central back: it says $queued change(s)" grep -q ": $queued change(s) replicated" catchup.txt
check "central back: the store received each change once" test "$(count "SELECT changes FROM sensors WHERE sensor_name = 'line2'")" -eq $((changes_before + queued))
# Every central record of line2 is now at the version it had before the outage,
# or at the version the backlog queued it with: nothing missing, nothing extra.
# (A record the backlog names but the ledger no longer has is gone centrally too.)
{ awk -F'|' 'NR==FNR {q[$1 "|" $2] = 1; next} !(($1 "|" $2) in q)' log.keys line2.before; cat log.b; } | LC_ALL=C sort >line2.expected
central_versions line2 >line2.after
check "central back: every record at its queued version" cmp -s line2.expected line2.after
"$bin" central sync --config line1.toml --db s1.db >catchup1.txt 2>&1
check "central back: the other sensor's backlog is sent" test $? -eq 0 -a "$(sqlite3 s1.db 'SELECT count(*) FROM change_log')" = 0
state line2 >line2.state
"$bin" central sync --config line2.toml --db s2.db >again.txt 2>&1
check "a sync with nothing queued sends nothing" grep -q ": 0 change(s) replicated" again.txt
state line2 >line2.state2
check "and changes no central row" cmp -s line2.state line2.state2
"$bin" read --config line2.toml --db s2.db "$src/pcaps/jp_controllers.pcapng" >up.txt 2>&1; rc=$?
check "read with central back exits 0" test "$rc" -eq 0
check "its changes are sent" test "$(sqlite3 s2.db 'SELECT count(*) FROM change_log')" = 0
check "after the outage: central = the union of the ${#fleet[@]} ledgers" same_fleet "${fleet[@]}"
check "after the outage: every central child row carries its record's version" one_version
check "after the outage: the kept row counts = count(*)" exact_counts
# An asset merged into another: the flush deletes its row (its facts,
# addresses and protocols with it) and its edges' old rows, as here; the next
# batch deletes them centrally, and their counts go.
merged="$(sqlite3 s2.db "SELECT asset_id FROM facts WHERE sensor = 'line2' GROUP BY asset_id ORDER BY count(*) DESC, asset_id LIMIT 1")"
sqlite3 s2.db "PRAGMA foreign_keys = ON; BEGIN; DELETE FROM edges WHERE sensor = 'line2' AND '$merged' IN (from_id, to_id);
  DELETE FROM assets WHERE sensor = 'line2' AND id = '$merged'; COMMIT"
facts_before="$(count "SELECT n FROM row_counts WHERE sensor_name = 'line2' AND table_name = 'facts'")"
"$bin" central sync --config line2.toml --db s2.db >merge.txt 2>&1
check "a merged asset ($merged) is deleted centrally with its rows" \
  test "$(count "SELECT count(*) FROM assets WHERE sensor_name = 'line2' AND id = '$merged'")$(count "SELECT count(*) FROM facts WHERE sensor_name = 'line2' AND asset_id = '$merged'")" = 00
check "  its facts' count went down" test "$(count "SELECT n FROM row_counts WHERE sensor_name = 'line2' AND table_name = 'facts'")" -lt "$facts_before"
check "  central = line2's ledger" same_ledger line2 s2.db
check "after the merge: the kept row counts = count(*)" exact_counts

# 7. Row-level security: a sensor's role writes and sees only its own rows.
as_role() {  # as_role ROLE PASSWORD SQL
  PGPASSWORD="$2" "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$1" -d mieruka -tAc "$3"
}
# Insert, update and delete of another sensor's rows, in a record's own table
# and in a child table, and in the per-sensor status row: refused (an insert
# fails; an update or delete finds no row of the other sensor to touch), and
# line2's central rows are as its ledger has them.
as_role line1 "$pw1" "INSERT INTO assets (sensor_name, id, version, first_us, last_us, packets_sent, bytes_sent, router) VALUES ('line2', 'forged', 1, 0, 0, 0, 0, 0)" >rls1.txt 2>&1; rc=$?
check "line1 cannot insert an asset of line2" test "$rc" -ne 0
check "refused by row-level security" grep -q 'new row violates row-level security policy for table "assets"' rls1.txt
as_role line1 "$pw1" "INSERT INTO facts (sensor_name, asset_id, version, field, value, source, first_us, last_us, count) VALUES ('line2', (SELECT id FROM assets LIMIT 1), 1, 'vendor', 'forged', 'x', 0, 0, 1)" >rls4.txt 2>&1; rc=$?
check "line1 cannot insert a fact of line2" test "$rc" -ne 0 -a "$(grep -c 'row-level security policy for table "facts"' rls4.txt)" = 1
as_role line1 "$pw1" "INSERT INTO assets AS t (sensor_name, id, version, first_us, last_us, packets_sent, bytes_sent, router) SELECT 'line2', id, version + 1, 0, 0, 0, 0, 0 FROM assets ON CONFLICT (sensor_name, id) DO UPDATE SET version = EXCLUDED.version" >rls5.txt 2>&1; rc=$?
check "line1 cannot upsert over line2's assets" test "$rc" -ne 0
as_role line1 "$pw1" "INSERT INTO sensors (sensor_name, first_us, received_us, last_change_us, changes, backlog, oldest_pending_us) VALUES ('line2', 0, 0, 0, 0, 0, 0) ON CONFLICT (sensor_name) DO UPDATE SET backlog = 99" >rls6.txt 2>&1; rc=$?
check "line1 cannot write line2's status row" test "$rc" -ne 0
touched() {  # touched SQL: the rows of line2 a statement of line1 changed
  as_role line1 "$pw1" "WITH w AS ($1 RETURNING 1) SELECT count(*) FROM w" 2>&1
}
for t in assets facts edges edge_ops findings_state snapshots counters runs sensors; do
  check "line1 updates none of line2's $t" test "$(touched "UPDATE $t SET sensor_name = sensor_name WHERE sensor_name = 'line2'")" = 0
  check "line1 deletes none of line2's $t" test "$(touched "DELETE FROM $t WHERE sensor_name = 'line2'")" = 0
done
check "line1 cannot update or delete line2's rows: they are as line2's ledger has them" same_ledger line2 s2.db
check "line1 sees none of line2's rows" test "$(as_role line1 "$pw1" "SELECT count(*) FROM assets WHERE sensor_name='line2'")" = 0
as_role line1 "$pw1" "UPDATE assets SET sensor_name = 'line2' WHERE sensor_name = 'line1'" >rls2.txt 2>&1; rc=$?
check "line1 cannot move its rows to line2" test "$rc" -ne 0
as_role line1 "$pw1" "UPDATE facts SET sensor_name = 'line2' WHERE sensor_name = 'line1'" >rls7.txt 2>&1; rc=$?
check "line1 cannot move its facts to line2" test "$rc" -ne 0
# The kept counts: a sensor reads its own, and writes none, not even its own
# (only the triggers do, as the schema's owner).
check "line1 reads its own counts only" \
  test "$(as_role line1 "$pw1" "SELECT string_agg(DISTINCT sensor_name, ',') FROM row_counts")" = line1
for sql in "UPDATE row_counts SET n = 0 WHERE sensor_name = 'line2'" "UPDATE row_counts SET n = 0 WHERE sensor_name = 'line1'" \
           "DELETE FROM row_counts" "INSERT INTO row_counts VALUES ('line2', 'assets', 1)" \
           "INSERT INTO row_counts VALUES ('line1', 'assets', 1)"; do
  as_role line1 "$pw1" "$sql" >rls8.txt 2>&1; rc=$?
  check "line1 cannot write a kept count: $sql" test "$rc" -ne 0 -a "$(grep -c 'permission denied for table row_counts' rls8.txt)" = 1
done
as_role line1 "$pw1" "SELECT row_counts_changed()" >rls9.txt 2>&1; rc=$?
check "line1 cannot call the counting functions" test "$rc" -ne 0 -a "$(grep -c 'permission denied for function' rls9.txt)" = 1
as_role viewer "$pwc" "UPDATE row_counts SET n = 0" >rls10.txt 2>&1; rc=$?
check "the console role reads every sensor's counts and writes none" \
  test "$rc" -ne 0 -a "$(as_role viewer "$pwc" "SELECT count(DISTINCT sensor_name) FROM row_counts WHERE n > 0")" = "${#fleet[@]}"
check "the refused writes changed no count" exact_counts
check "line1's own rows are where they were" same_ledger line1 s1.db
check "the console role reads every sensor" test "$(as_role viewer "$pwc" "SELECT count(DISTINCT sensor_name) FROM assets")" = "${#fleet[@]}"
as_role viewer "$pwc" "DELETE FROM assets" >rls3.txt 2>&1; rc=$?
check "the console role cannot write" test "$rc" -ne 0

# 7b. The reading commands read the central store as the console role: each
#     sensor's assets, findings, one device and its topology exactly as its own
#     ledger shows them; several sensors (or none named) are one fleet ledger;
#     a write, or a sensor the store does not hold, is refused in one line.
central="postgresql://viewer@127.0.0.1:$PG_PORT/mieruka"
cread() { "$bin" "$@" --db "$central" --password-file viewer.pw; }
js() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }  # js FILE EXPR (d: the JSON)
sensors_seen='",".join(sorted({s["sensor"] for a in d for s in a.get("sightings", [])}))'
for f in "${fleet[@]}"; do
  s="${f%%:*}"; db="${f#*:}"
  "$bin" assets --db "$db" --format json --facts >"local-$s.json" 2>/dev/null
  cread assets --sensor "$s" --format json --facts >"central-$s.json" 2>"central-$s.txt"; rc=$?
  check "$s: assets --db postgresql:// exits 0" test "$rc" -eq 0
  check "$s: its central assets hold devices" test "$(js "central-$s.json" 'len(d)')" -gt 0
  check "$s: assets --db postgresql:// = assets --db $db (JSON with facts, exact)" cmp -s "local-$s.json" "central-$s.json"
  "$bin" findings --db "$db" --format json >"local-f-$s.json" 2>/dev/null
  cread findings --sensor "$s" --format json >"central-f-$s.json" 2>"central-f-$s.txt"; rc=$?
  check "$s: findings --db postgresql:// = findings --db $db (exact)" test "$rc" -eq 0 -a -s "central-f-$s.json"
  check "$s: the same findings" cmp -s "local-f-$s.json" "central-f-$s.json"
  "$bin" links --db "$db" --format json >"local-l-$s.json" 2>/dev/null
  cread links --sensor "$s" --format json >"central-l-$s.json" 2>"central-l-$s.txt"; rc=$?
  check "$s: links --db postgresql:// = links --db $db (exact)" test "$rc" -eq 0 -a -s "central-l-$s.json"
  check "$s: the same links" cmp -s "local-l-$s.json" "central-l-$s.json"
  "$bin" topology --db "$db" --format json >"local-t-$s.json" 2>/dev/null
  cread topology --sensor "$s" --format json >"central-t-$s.json" 2>"central-t-$s.txt"; rc=$?
  check "$s: topology --db postgresql:// = topology --db $db (exact)" test "$rc" -eq 0 -a -s "central-t-$s.json"
  check "$s: the same topology" cmp -s "local-t-$s.json" "central-t-$s.json"
  id="$(js "local-$s.json" 'd[0]["id"]')"
  "$bin" show "$id" --db "$db" --format json >"local-s-$s.json" 2>/dev/null
  cread show "$id" --sensor "$s" --format json >"central-s-$s.json" 2>"central-s-$s.txt"; rc=$?
  check "$s: show $id --db postgresql:// = show --db $db (exact)" test "$rc" -eq 0 -a -s "central-s-$s.json"
  check "$s: the same device" cmp -s "local-s-$s.json" "central-s-$s.json"
done
check "line1's acknowledgement reads back from the central store" test "$(js central-f-line1.json 'sum(1 for f in d if f.get("comment") == "reviewed")')" -eq 1
cread assets --format json >central-fleet.json 2>central-fleet.txt; rc=$?
check "assets of the whole fleet (no --sensor) exits 0" test "$rc" -eq 0
check "the fleet's devices carry their sightings per sensor" test "$(js central-fleet.json 'sum(1 for a in d if len(a.get("sightings", [])) >= 1)')" = "$(js central-fleet.json 'len(d)')"
check "the fleet's sightings name only the fleet's sensors" test "$(js central-fleet.json "$sensors_seen")" = "$names"
# show of a fleet's device (no --sensor) finds it by the fleet's keys and reads
# it whole by id (FleetIndex): every device as the whole fleet's ledger has it
# (assets --facts loads every sensor's whole ledger), by its id, one by its
# MAC and one by an address; an unknown one refused in one line.
cread assets --format json --facts >central-fleet-facts.json 2>/dev/null
js central-fleet-facts.json '"\n".join(a["id"] for a in d)' >fleet-ids.txt
js central-fleet-facts.json '"\n".join(k for a in d if a["mac"] and a["ips"] for k in (a["mac"], a["ips"][0]))' | head -2 >>fleet-ids.txt
show_differs=0
while read -r key; do
  cread show "$key" --format json >fleet-show.json 2>fleet-show.txt || { show_differs=$((show_differs + 1)); echo "  show $key: $(head -1 fleet-show.txt)"; continue; }
  python3 - central-fleet-facts.json fleet-show.json "$key" <<'PY' || show_differs=$((show_differs + 1))
import json, sys
whole, shown, key = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
want = [a for a in whole if key in (a["id"], a["mac"]) or key in a["ips"][:1]]
if not want or shown not in want:
    print(f"  show {key}: {json.dumps(shown)[:300]}")
    sys.exit(1)
PY
done <fleet-ids.txt
check "show of each of the fleet's $(wc -l <fleet-ids.txt) devices and keys (no --sensor) = the whole fleet's ledger (exact)" \
  test "$show_differs" = 0 -a "$(wc -l <fleet-ids.txt)" -gt 20
cread show 0000000000000000 >fleet-show-none.txt 2>&1; rc=$?
check "  an unknown device refused in one line" test "$rc" -eq 1 -a "$(wc -l <fleet-show-none.txt)" -eq 1 \
  -a "$(grep -c 'no such asset' fleet-show-none.txt)" -eq 1
cread assets --sensor line1 --sensor line2 --format json >central-two.json 2>central-two.txt; rc=$?
check "two sensors (--sensor twice) are one fleet ledger" test "$rc" -eq 0 -a "$(js central-two.json "$sensors_seen")" = "line1,line2"
cread assets --sensor line1,line2 --format json >central-two2.json 2>central-two2.txt
check "--sensor line1,line2 is the same fleet" cmp -s central-two.json central-two2.json
check "the sensors' sites are replicated" test "$(count "SELECT string_agg(sensor_name || '=' || site, ',' ORDER BY sensor_name) FROM sensors WHERE site <> ''")" = "line1=plant-east,line2=plant-east"
cread assets --site plant-east --format json >central-site.json 2>central-site.txt; rc=$?
check "--site plant-east: its two sensors as one fleet" test "$rc" -eq 0 -a "$(js central-site.json "$sensors_seen")" = "line1,line2"
cread export checklist --site plant-east --format json --lang en --output cl-site.json 2>cl-site.txt; rc=$?
check "export checklist --site plant-east: one fleet report of its two sensors, its devices" test "$rc" -eq 0 \
  -a "$(js cl-site.json 'd["sensor_name"] + "|" + ",".join(s["name"] for s in d["fleet"]["sensors"])')" = "line1, line2|line1,line2" \
  -a "$(js cl-site.json 'sorted(a["id"] for a in d["assets"])')" = "$(js central-site.json 'sorted(a["id"] for a in d)')"
cread assets --site nowhere >nosite.txt 2>&1; rc=$?
check "--site of no sensor: one line naming the sites held" test "$rc" -eq 1 -a "$(wc -l <nosite.txt)" -eq 1 -a "$(grep -c '`plant-east`' nosite.txt)" -eq 1
cread assets --sensor ghost >ghost.txt 2>&1; rc=$?
check "a sensor the central store does not hold is refused in one line" test "$rc" -eq 1 -a "$(wc -l <ghost.txt)" -eq 1 -a "$(grep -c 'no records of sensor `ghost`' ghost.txt)" -eq 1
# diff between two of line1's snapshots, replicated: the same as on its appliance.
"$bin" snapshot --config line1.toml --db s1.db --name later >/dev/null 2>&1
"$bin" central sync --config line1.toml --db s1.db >/dev/null 2>&1
"$bin" diff --db s1.db --from base --to later --format json >local-diff.json 2>/dev/null
cread diff --sensor line1 --from base --to later --format json >central-diff.json 2>central-diff.txt; rc=$?
check "diff --db postgresql:// of two snapshots exits 0" test "$rc" -eq 0 -a -s central-diff.json
check "diff --db postgresql:// = diff --db s1.db (exact)" cmp -s local-diff.json central-diff.json
cread diff --sensor line2 --from base --to later >nodiff.txt 2>&1; rc=$?
check "diff of a snapshot the sensor does not have: one line naming it" test "$rc" -eq 1 -a "$(wc -l <nodiff.txt)" -eq 1 -a "$(grep -c '"base"' nodiff.txt)" -eq 1
cread findings ack "$fid" --comment x --sensor line1 >cack.txt 2>&1; rc=$?
check "an acknowledgement against the central store is refused in one line" test "$rc" -eq 1 -a "$(wc -l <cack.txt)" -eq 1 -a "$(grep -c 'the central store is only read' cack.txt)" -eq 1
cread snapshot --name x --sensor line1 >csnap.txt 2>&1; rc=$?
check "a snapshot against the central store is refused" test "$rc" -eq 1 -a "$(grep -c 'the central store is only read' csnap.txt)" -eq 1
"$bin" assets --db s1.db --sensor line1,line2 >several.txt 2>&1; rc=$?
check "several sensors on a SQLite ledger that holds one: the absent one named" test "$rc" -eq 1 -a "$(grep -c 'no records of sensor `line2`' several.txt)" -eq 1

# 7c. One console for the fleet: serve --db postgresql:// as the console role,
#     its accounts in a SQLite file of its own; the fleet's devices once, each
#     with its sightings, a sensor or site filter, and every write refused
#     with nothing written centrally.
printf 'fleetpass1\n' | "$bin" user add admin --role admin --db console.db --password-file - 2>/dev/null
check "user add in the fleet console's own file" test $? -eq 0
check "the console's file is private (0600)" test "$(stat -c %a console.db)" = 600
"$bin" serve --db "$central" --password-file viewer.pw --console-db console.db --http --listen 127.0.0.1:0 \
  >serve.txt 2>serve.err &
serve_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' serve.txt)"
  [ -n "$url" ] && break
  sleep 0.1
done
check "serve --db postgresql:// starts" test -n "$url"
api() { curl -s -b cookies.txt -c cookies.txt "$@"; }  # api [CURL OPTIONS] URL
api -H 'Content-Type: application/json' -d '{"user":"admin","password":"fleetpass1"}' "${url}api/v1/login" >/dev/null
# Until its first view is read a page answers 503 (with Retry-After) at once.
code=503
for _ in $(seq 1 300); do
  code="$(api -o /dev/null -w '%{http_code}' "${url}api/v1/assets?per_page=1")"
  [ "$code" = 503 ] || break
  sleep 0.1
done
check "the fleet console's first view is read" test "$code" = 200
api "${url}api/v1/me" >me.json
check "the console says it is a fleet console" test "$(js me.json 'd.get("fleet")')" = True
api "${url}api/v1/assets?per_page=500" >w-assets.json
check "the console's assets = assets --db postgresql:// of the whole fleet" \
  test "$(js w-assets.json 'd["total"]')" = "$(js central-fleet.json 'len(d)')"
check "the same devices, each once" \
  test "$(js w-assets.json '",".join(sorted(a["id"] for a in d["items"]))')" = "$(js central-fleet.json '",".join(sorted(a["id"] for a in d))')"
check "a device is seen by two sensors" test "$(js central-fleet.json 'sum(1 for a in d if len(a["sightings"]) >= 2)')" -gt 0
two="$(js central-fleet.json '[a["id"] for a in d if len(a["sightings"]) >= 2][0]')"
api "${url}api/v1/assets/$two" >w-two.json
check "its console page carries its sightings per sensor" \
  test "$(js w-two.json '",".join(s["sensor"] for s in d["sightings"])')" = "$(js central-fleet.json "\",\".join(s[\"sensor\"] for a in d if a[\"id\"] == \"$two\" for s in a[\"sightings\"])")"
line1_ids='sorted(a["id"] for a in d if any(s["sensor"] == "line1" for s in a["sightings"]))'
api "${url}api/v1/assets?sensor=line1&per_page=500" >w-line1.json
check "?sensor=line1: exactly the devices line1 saw" \
  test "$(js w-line1.json 'sorted(a["id"] for a in d["items"])')" = "$(js central-fleet.json "$line1_ids")" -a "$(js w-line1.json 'd["total"]')" -gt 0
api "${url}api/v1/assets?site=plant-east&per_page=1" >w-site.json
check "?site=plant-east: the devices its two sensors saw" test "$(js w-site.json 'd["total"]')" = "$(js central-site.json 'len(d)')"
api "${url}api/v1/findings?sensor=line1" >w-f-line1.json
js central-fleet.json "$line1_ids" >line1-ids.txt
check "findings ?sensor=line1: some, each of a device line1 saw" \
  test "$(js w-f-line1.json 'len(d)')" -gt 0 -a "$(js w-f-line1.json 'sum(1 for f in d if f["asset"] not in eval(open("line1-ids.txt").read()))')" = 0
api "${url}api/v1/overview" >w-overview.json
check "the overview names the fleet's sensors" test "$(js w-overview.json '",".join(d["fleet"]["sensors"])')" = "$names"
csrf="$(js me.json 'd["csrf"]')"
acks_before="$(count "SELECT count(*) FROM findings_state") $(count "SELECT count(*) FROM findings_history")"
api -o ack.json -w '%{http_code}' -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d '{"comment":"from head office"}' "${url}api/v1/findings/$fid/ack" >ack.code
check "an acknowledgement on the fleet console is refused 409" test "$(cat ack.code)" = 409
check "the refusal says where to acknowledge" grep -q "the central store is read-only; acknowledge on the sensor's appliance" ack.json
api -o bulk.json -w '%{http_code}' -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d "{\"comment\":\"x\",\"ids\":[\"$fid\"]}" "${url}api/v1/findings/ack" >bulk.code
check "a bulk acknowledgement is refused 409" test "$(cat bulk.code)" = 409
check "nothing was written centrally" test "$(count "SELECT count(*) FROM findings_state") $(count "SELECT count(*) FROM findings_history")" = "$acks_before"
# The checklist: the fleet's, as `export checklist` of every sensor makes it
# (the console's devices once each, every sensor's review evidence named).
api -o w-cl.json -w '%{http_code}' "${url}api/v1/checklist?lang=en" >cl.code
check "the fleet console's checklist answers 200" test "$(cat cl.code)" = 200
check "  the fleet's report: the console's devices, every sensor's review, the weakest named" python3 - w-cl.json w-assets.json "$names" <<'PY'
import json, sys
d, a, names = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3].split(',')
assert sorted(x['id'] for x in d['assets']) == sorted(x['id'] for x in a['items']) and d['db']['assets'] == a['total'], d['db']
assert [s['name'] for s in d['fleet']['sensors']] == names and d['sensor_name'] == ', '.join(names), d['fleet']
assert d['fleet']['weakest'] in names and d['review']['sensor'] == d['fleet']['weakest'], d['review']
assert d['changes'] is None, d['changes']
PY
cl_code() { api -o "$1" -w '%{http_code}' "${url}api/v1/checklist?$2"; }
check "  its html ja and csv too" test "$(cl_code w-cl.html 'format=html&lang=ja')$(cl_code w-cl.csv 'format=csv')" = 200200 \
  -a "$(grep -c 'id="fleet-review"' w-cl.html)" -eq 1 -a "$(grep -c ',,,sensor_review,' w-cl.csv)" -eq "${#fleet[@]}"
check "  ?baseline=TIME: devices the fleet first saw since then" test "$(cl_code w-cl-since.json 'baseline=2000-01-01&lang=en')" = 200 \
  -a "$(js w-cl-since.json 'd["new_since"]["basis"]')" = "since 2000-01-01"
check "  ?baseline=SNAPSHOT refused: a snapshot is one sensor's" test "$(cl_code w-cl-snap.json 'baseline=nosuch')" = 400 \
  -a "$(grep -c 'a snapshot is one sensor' w-cl-snap.json)" -eq 1
# A batch received centrally (line1's new snapshot) makes a new view.
as_of() { api -D - -o /dev/null "${url}api/v1/assets?per_page=1" | tr -d '\r' | sed -n 's/^X-Mieruka-Data-As-Of: //Ip'; }
before="$(as_of)"
"$bin" snapshot --config line1.toml --db s1.db --name console-watch >/dev/null 2>&1
"$bin" central sync --config line1.toml --db s1.db >/dev/null 2>&1
after="$before"
for _ in $(seq 1 50); do after="$(as_of)"; [ "$after" != "$before" ] && break; sleep 0.1; done
check "a batch received centrally makes a new view ($before -> $after)" test -n "$before" -a "$after" != "$before"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null

# 7d. A fleet larger than the console's view may hold (--max-view-assets) is
#     served from an index of its devices' keys, its devices read whole part
#     by part for their classes and findings: the assets list (every filter,
#     sort and page), each device's page and the findings list answer exactly
#     as a console holding the whole fleet in its view answers them; the
#     overview's counts are the view's; the pages made over the whole ledger
#     (checklist, links, topology, map) answer 503 saying how many sensor
#     assets, the limit, what to serve instead and what is served meanwhile. Batches received centrally (line1's snapshot,
#     line2 reading line1's capture: devices of two sensors) make a new
#     index, still exact. A selection within the limit is served as a view;
#     an appliance's console refuses the limit.
serve_limited() {  # serve_limited OUT [OPTIONS...]: the URL, or "" when it did not start
  local out="$1"; shift
  "$bin" serve --db "$central" --password-file viewer.pw --console-db console.db --http --listen 127.0.0.1:0 "$@" \
    >"$out.txt" 2>"$out.err" &
  serve_pid=$!
  url=""
  for _ in $(seq 1 100); do
    url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$out.txt")"
    [ -n "$url" ] && break
    sleep 0.1
  done
  rm -f cookies.txt
  api -H 'Content-Type: application/json' -d '{"user":"admin","password":"fleetpass1"}' "${url}api/v1/login" >/dev/null
}
first_page() {  # first_page OUT: the HTTP code of the first asset page that is not "still reading"
  local code=503
  for _ in $(seq 1 300); do
    code="$(api -o "$1" -w '%{http_code}' "${url}api/v1/assets?per_page=1")"
    [ "$code" = 503 ] && ! grep -q 'still reading' "$1" || break
    sleep 0.1
  done
  echo "$code"
}
# The fixture's console has neither zones nor an approved list: both consoles
# here get the same (zones by VLAN and by subnets, one device in two zones;
# entries by MAC and by IP, one matching no device, names, locations and
# owners, Japanese among them) so that the approved and zone filters and the
# location, owner and zone sorts compare values, not nulls.
cat >console.toml <<'TOML'
[[zone]]
name = "cells"
level = 1
vlans = [101, 102, 103, 104, 105]
[[zone]]
name = "plant"
level = 2
subnets = ["10.0.0.0/8"]
[[zone]]
name = "dmz"
level = 3
subnets = ["10.30.1.0/24"]
[[zone]]
name = "office"
level = 4
subnets = ["192.168.0.0/16"]
TOML
cat >approved.csv <<'CSV'
mac,ip,name,location,zone,owner,notes
00:1b:1b:01:04:10,,Press-PLC-4,Line 1 / cell 4,cells,Yamada,
00:26:92:30:00:01,,Robot-PLC-1,第2ライン,office,佐藤,spare parts in stock
,10.50.1.99,SCADA-B,Control room,plant,Ito,
00:00:bc:12:34:56,,ControlLogix-L81,Line 1,plant,,
28:63:36:aa:bb:01,,Press-main,Line 2,office,Suzuki,
00:11:22:33:44:55,,Spare,Store,,,
CSV
policy=(--config console.toml --approved approved.csv)
# ask DIR LIST: each request of LIST (a path under api/v1/, one a line) asked
# of the console at $url, into DIR/N (the body) and DIR/N.code, N its line.
ask() {
  local i=0 req
  rm -rf "$1"; mkdir -p "$1"
  while IFS= read -r req; do
    i=$((i + 1))
    api -o "$1/$i" -w '%{http_code}' "${url}api/v1/$req" >"$1/$i.code"
  done <"$2"
}
# same_pages NORMAL LARGE LIST: every answer of the large fleet's console (in
# LARGE) = the whole view's (in NORMAL): the same HTTP code, the same body,
# but that a page of assets of the large fleet says it is one. JSON compared
# in its order, key by key. Says the first few requests that differ and how.
same_pages() {
  python3 - "$@" <<'PY'
import json, sys
normal, large, reqs = sys.argv[1], sys.argv[2], [r.rstrip('\n') for r in open(sys.argv[3])]
def short(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 160 else s[:160] + '...'
def how(n, l):  # the first difference of two JSON values, as a path and both values
    if isinstance(n, dict) and isinstance(l, dict):
        if list(n) != list(l): return f'keys {list(n)} != {list(l)}'
        for k in n:
            if n[k] != l[k]: return f'.{k}' + how(n[k], l[k])
    if isinstance(n, list) and isinstance(l, list):
        if len(n) != len(l): return f' length {len(n)} != {len(l)}: {short(n)} != {short(l)}'
        for i, (a, b) in enumerate(zip(n, l)):
            if a != b:
                ids = ''
                if isinstance(a, dict) and isinstance(b, dict) and a.get('id') != b.get('id'):
                    ids = f' (id {a.get("id")} != {b.get("id")})'
                return f'[{i}]{ids}' + how(a, b)
    return f': {short(n)} != {short(l)}'
bad = []
for i, req in enumerate(reqs, 1):
    cn, cl = (open(f'{d}/{i}.code').read().strip() for d in (normal, large))
    bn, bl = (open(f'{d}/{i}', 'rb').read() for d in (normal, large))
    if cn != cl:
        bad.append(f'{req}: HTTP {cn} (view) != {cl} (large): {bl[:200]!r}')
        continue
    if cn != '200':
        if bn != bl: bad.append(f'{req}: HTTP {cn}, {bn[:200]!r} != {bl[:200]!r}')
        continue
    n, l = json.loads(bn), json.loads(bl)
    if req.startswith('assets?') or req == 'assets':
        # The large fleet's list says it is one (the page shows why), the view's does not.
        if l.pop('large_fleet', None) is not True: bad.append(f'{req}: no "large_fleet": true')
        if 'large_fleet' in n: bad.append(f'{req}: the view\'s list says "large_fleet"')
    if json.dumps(n, ensure_ascii=False) != json.dumps(l, ensure_ascii=False):
        bad.append(f'{req}: ' + how(n, l))
for b in bad[:5]: print('  ' + b)
if len(bad) > 5: print(f'  ... and {len(bad) - 5} more of {len(reqs)}')
sys.exit(1 if bad else 0)
PY
}
# The asset queries: every sort, both ways; pages (one past the end); each
# filter, some together; refusals of a bad parameter. The search words: part
# of a vendor, an address, a MAC, a name, a product, a class, the approved
# list's columns.
{
  for s in name id mac ip vendor product class findings first_seen last_seen location owner zone; do
    echo "assets?sort=$s&per_page=500"; echo "assets?sort=$s&order=desc&per_page=500"
  done
  printf '%s\n' "assets" "assets?page=2&per_page=3" "assets?page=3&per_page=7&sort=ip&order=desc" "assets?page=99&per_page=3" \
    "assets?sensor=line1&per_page=500" "assets?sensor=line2&per_page=500" "assets?site=plant-east&per_page=500" \
    "assets?site=nowhere" "assets?sensor=ghost" \
    "assets?q=keyence&per_page=500" "assets?q=ELECTRIC&sort=vendor&per_page=500" "assets?q=10.1.1&per_page=500" \
    "assets?q=192.168.1&sort=ip&per_page=500" "assets?q=00:15:5d:01&per_page=500" "assets?q=press&per_page=500" \
    "assets?q=r04en&per_page=500" "assets?q=unit:3&per_page=500" "assets?q=control%20room&per_page=500" \
    "assets?q=%E4%BD%90%E8%97%A4&per_page=500" "assets?vendor=siemens&per_page=500" "assets?vendor=micro&sort=ip&per_page=500" \
    "assets?approved=true&per_page=500" "assets?approved=false&sort=name&order=desc&per_page=500" \
    "assets?zone=cells&per_page=500" "assets?zone=plant&sort=ip&per_page=500" "assets?zone=dmz&per_page=500" \
    "assets?zone=office&sort=location&per_page=500" "assets?zone=nowhere" \
    "assets?sensor=line1&zone=plant&sort=vendor&order=desc&page=2&per_page=5" \
    "assets?site=plant-east&q=microsoft&approved=false&sort=ip&page=3&per_page=4" \
    "assets?vendor=rockwell&sort=owner&order=desc&per_page=500" "assets?q=10.50.1&sort=location&per_page=500" \
    "assets?class=plc&per_page=500" "assets?class=hmi&sort=findings&order=desc&per_page=500" \
    "assets?class=unknown&sort=ip&page=2&per_page=3" "assets?class=nowhere" "assets?q=plc&per_page=500" \
    "assets?sensor=line2&class=plc&sort=class&order=desc&per_page=500" \
    "assets?sort=bogus" "assets?approved=maybe" "assets?per_page=501" "assets?page=0"
} >queries.txt
# The findings: the whole list, and its pages by every sort and filter.
{
  printf '%s\n' "findings" "findings?lang=ja" "findings?page=1&per_page=500" "findings?page=2&per_page=7&sort=severity&order=desc" \
    "findings?state=open&sort=device&per_page=500" "findings?type=unapproved&sort=first_seen&order=desc&per_page=500" \
    "findings?item=3-5&per_page=500" "findings?severity=high&per_page=500" "findings?zone=plant&sort=zone&per_page=500" \
    "findings?sensor=line1&per_page=500" "findings?site=plant-east&q=modbus&per_page=500" "findings?q=press&per_page=500" \
    "findings?sort=type&order=desc&per_page=500&lang=ja" "findings?sort=bogus"
} >findings.txt
# The devices' pages: each device of LIST (an assets answer) and in Japanese,
# a few in English, one by its MAC and one by its IP, and no such device.
devices() {
  python3 - "$1" <<'PY'
import json, sys
ids = [a['id'] for a in json.load(open(sys.argv[1]))['items']]
for i in ids: print(f'assets/{i}'); print(f'assets/{i}?lang=ja')
for i in ids[:5]: print(f'assets/{i}?lang=en')
print('assets/00:00:bc:12:34:56'); print('assets/10.50.1.99'); print('assets/0000000000000000'); print(f'assets/{ids[0]}?lang=xx')
PY
}
# Each filter hits some devices and not all of them (none for nowhere and
# ghost; the site all of them when every sensor is of it).
hits() {
  python3 - "$1" queries.txt <<'PY'
import json, sys
reqs = [r.rstrip('\n') for r in open(sys.argv[2])]
total = json.load(open(f'{sys.argv[1]}/{reqs.index("assets") + 1}'))['total']
bad = []
for i, req in enumerate(reqs, 1):
    if not any(f in req for f in ('q=', 'vendor=', 'zone=', 'sensor=', 'site=', 'class=', 'approved=true', 'approved=false')): continue
    n = json.load(open(f'{sys.argv[1]}/{i}'))['total']
    if ('nowhere' in req or 'ghost' in req) != (n == 0) or (n >= total and 'site=' not in req): bad.append(f'{req}: {n} of {total}')
print('  ' + '\n  '.join(bad)) if bad else None
sys.exit(1 if bad else 0)
PY
}
sensor_assets() { count "SELECT count(*) FROM assets"; }
qfile() { echo "$1/$(grep -n -x -F "$2" queries.txt | cut -d: -f1)"; }  # qfile DIR QUERY: its answer in DIR
serve_limited normal "${policy[@]}"
check "the whole view's console starts" test -n "$url" -a "$(first_page n1.json)" = 200
ask n1 queries.txt
ask n1f findings.txt
api "${url}api/v1/overview" >n1-overview.json
devices "$(qfile n1 "assets?sort=name&per_page=500")" >devices1.txt
ask n1d devices1.txt
check "  its answers: $(wc -l <queries.txt) asset queries, each filter hitting some devices" hits n1
check "  $(wc -l <devices1.txt) device pages ($(grep -c '^assets/[0-9a-f]*$' devices1.txt) devices), all but two answered" \
  test "$(grep -lx 200 n1d/*.code | wc -l)" = "$(( $(wc -l <devices1.txt) - 2 ))"
check "  $(js n1f/1 'len(d)') findings of $(js n1f/1 'len({f["type"] for f in d})') types, the devices' counts of them" \
  test "$(js n1f/1 'len({f["type"] for f in d}) >= 3')" = True \
  -a "$(js "$(qfile n1 "assets?sort=findings&order=desc&per_page=500")" 'd["items"][0]["findings"] > 0')" = True
# `findings` of the fleet (no --sensor) reads it part by part by its keys too:
# the whole view's findings, each the same.
cread findings "${policy[@]}" --format json >fleet-findings.json 2>fleet-findings.txt; rc=$?
check "findings of the whole fleet (no --sensor) = the whole view's findings" test "$rc" -eq 0 -a \
  "$(js fleet-findings.json '[(f["id"], f["asset"], f["type"], f["severity"], f["evidence"], f["evidence_values"], f.get("plant_name"), f["first_seen"], f["last_seen"], f["state"]) for f in d]')" = \
  "$(js n1f/1 '[(f["id"], f["asset"], f["type"], f["severity"], f["evidence"], f["evidence_values"], f.get("plant_name"), f["first_seen"], f["last_seen"], f["state"]) for f in d]')"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
# Each device read whole in a part of its own (--part-devices 1: the
# devices behind it and the stations of its host with it), its findings and
# row made over that part: what they rest on is in it.
serve_limited limit1 --max-view-assets 1 --part-devices 1 --log-level debug "${policy[@]}"
check "serve with a view limit starts" test -n "$url"
check "a fleet above the limit: its assets are served" test "$(first_page limit1.json)" = 200
ask l1 queries.txt
check "  every asset query: the whole view's answer" same_pages n1 l1 queries.txt
ask l1d devices1.txt
check "  every device's page: the whole view's, its findings too" same_pages n1d l1d devices1.txt
ask l1f findings.txt
check "  every findings query: the whole view's answer" same_pages n1f l1f findings.txt
held="$(sensor_assets)"
refused() {  # refused FILE: the large fleet's refusal: its sensor assets, the limit, a site to serve, what is served
  python3 - "$1" "$held" "${#fleet[@]}" <<'PY2'
import json, re, sys
e = json.load(open(sys.argv[1]))['error']
want = (rf"the selected fleet holds {sys.argv[2]} sensor assets in {sys.argv[3]} sensor\(s\), more than this console reads "
        r"into its view \(1, --max-view-assets\): serve one site \(--site: [^)]*plant-east[^)]*\) or fewer sensors "
        r"\(--sensor\)[^;\n]*; meanwhile this console serves the fleet's devices and findings \(the assets list, each "
        r"device's page, the findings list and the overview\), each page's devices read from the central store when it "
        r"is asked for")
if not re.fullmatch(want, e): print('  ' + e); sys.exit(1)
PY2
}
# The overview: the whole view's counts; no checklist, and why.
api -o l1-overview.json -w '%{http_code}' "${url}api/v1/overview" >l1-overview.code
check "  the overview is served (200)" test "$(cat l1-overview.code)" = 200
check "  the overview (200): the devices, links, classes, zones, unapproved, findings and new per day as the whole view's" \
  python3 - n1-overview.json l1-overview.json <<'PY'
import json, sys
n, l = (json.load(open(f)) for f in sys.argv[1:3])
bad = [f'{k}: {n[k]} != {l[k]}' for k in ('assets', 'links', 'by_class', 'by_zone', 'unapproved', 'findings_open',
        'findings_by_item', 'findings_by_type', 'findings_error', 'new_devices_by_day', 'fleet', 'time_zone',
        'since_snapshot') if n[k] != l[k]]
if l['checklist']: bad.append('a checklist')
if n['assets'] < 10 or not n['by_zone'] or n['unapproved'] in (None, 0) or not any(d['count'] for d in n['new_devices_by_day']) \
        or len(n['by_class']) < 3 or not n['findings_open'] or not n['links']:
    bad.append('the whole view tells too little to compare')
if 'meanwhile this console serves' not in l.get('large_fleet', ''): bad.append('large_fleet')
if 'large_fleet' in n: bad.append("the view's says large_fleet")
print(bad) if bad else None
sys.exit(1 if bad else 0)
PY
for p in checklist links topology map; do
  api -o "l1-$p.json" -w '%{http_code}' "${url}api/v1/$p" >l1-503.code
  check "  /api/v1/$p refused (503): $held sensor assets, the limit, a site to serve, and what is served meanwhile" \
    test "$(cat l1-503.code)" = 503 -a "$(refused "l1-$p.json")" = ""
done
stale() { api -D - -o /dev/null "${url}api/v1/assets?per_page=1" | tr -d '\r' | sed -n 's/^X-Mieruka-Data-Stale-Seconds: //Ip'; }
new_view() {  # new_view BEFORE: the view's time once it is another, read after every batch received
  local after="$1"
  for _ in $(seq 1 100); do
    after="$(as_of)"
    [ "$after" != "$1" ] && [ "$(stale)" = 0.0 ] && break
    sleep 0.1
  done
  echo "$after"
}
before="$(as_of)"
"$bin" snapshot --config line1.toml --db s1.db --name console-limit >/dev/null 2>&1
"$bin" central sync --config line1.toml --db s1.db >/dev/null 2>&1
after="$(new_view "$before")"
check "a batch received centrally makes a new large fleet view ($before -> $after)" test -n "$before" -a "$after" != "$before"
before="$after"
"$bin" read --config line2.toml --db s2.db "$src/pcaps/factory_sample.pcapng" >read-both.txt 2>&1
check "line2 reads line1's capture" test $? -eq 0 -a "$(sensor_assets)" -gt "$held"
after="$(new_view "$before")"
check "  a new large fleet view again ($before -> $after)" test "$after" != "$before"
ask l2 queries.txt
ask l2f findings.txt
devices "$(qfile l2 "assets?sort=name&per_page=500")" >devices2.txt
ask l2d devices2.txt
check "  and the log says no refusal: the large fleet is served" test "$(grep -c 'no new view' limit1.err)" = 0
# Each rebuild read again only the parts that held a device of a sensor whose
# records moved (line1's, then line2's); the others were kept, and the
# answers above and below are still the whole view's.
kept_log="$(grep -o '[0-9]* parts read whole and judged and [0-9]* kept' limit1.err | tail -2 | paste -sd';')"
check "  the rebuilds kept the parts no batch touched, read the others ($kept_log)" python3 - "$kept_log" <<'PY'
import re, sys
builds = [tuple(map(int, re.findall(r'\d+', b))) for b in sys.argv[1].split(';')]
sys.exit(0 if len(builds) == 2 and all(read > 0 and kept > 0 for read, kept in builds) else 1)
PY
# The central store restarted under it: a page asked meanwhile is refused in
# one line naming the store, and the next one after it is served again (the
# console reads on a new connection; a restart moves no sensor's version, so
# no new index would come to replace the dropped one).
pg_stop fast
code="$(api -o l2-down.json -w '%{http_code}' "${url}api/v1/assets?per_page=5")"
check "  the central store down: a page refused (503) in one line" test "$code" = 503 \
  -a "$(js l2-down.json 'd["error"].count("\n")')" = 0
pg_restart
code="$(api -o l2-up.json -w '%{http_code}' "${url}api/v1/assets?per_page=5")"
check "  back: the page is served again, the same devices" test "$code" = 200 \
  -a "$(js l2-up.json '[a["id"] for a in d["items"]]')" = "$(js "$(qfile l2 assets)" '[a["id"] for a in d["items"]][:5]')"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
serve_limited normal2 "${policy[@]}"
check "the whole view's console again" test -n "$url" -a "$(first_page n2.json)" = 200
ask n2 queries.txt
ask n2f findings.txt
ask n2d devices2.txt
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
check "  devices seen by line1 and line2 now" test "$(js "$(qfile n2 "assets?sort=id&per_page=500")" \
  'sum(1 for a in d["items"] if {"line1", "line2"} <= {s["sensor"] for s in a["sightings"]})')" -gt 0
check "after the batches every asset query still = the whole view's" same_pages n2 l2 queries.txt
check "  every device's page too" same_pages n2d l2d devices2.txt
check "  every findings query too" same_pages n2f l2f findings.txt
# Parts of several devices, mostly one sensor's, some of two sensors.
serve_limited limit6 --max-view-assets 1 --part-devices 7 "${policy[@]}"
check "parts of 7 devices: the large fleet is served" test "$(first_page limit6.json)" = 200
ask l6 queries.txt
ask l6d devices2.txt
ask l6f findings.txt
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
check "  every asset query = the whole view's" same_pages n2 l6 queries.txt
check "  every device's page too" same_pages n2d l6d devices2.txt
check "  every findings query too" same_pages n2f l6f findings.txt
held1="$(sqlite3 s1.db "SELECT count(*) FROM assets WHERE sensor='line1'")"
serve_limited limit2 --sensor line1 --max-view-assets "$held1"
check "one sensor within the limit (its $held1 assets) is served" test "$(first_page limit2.json)" = 200
check "  all of its devices" test "$(js limit2.json 'd["total"]')" -gt 0
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
# A fleet larger than even its index may hold (--max-index-assets): every
# page refused in one line, the log says it once.
serve_limited limit4 --max-view-assets 1 --max-index-assets 2
check "a fleet above the index's limit too: the page answers 503" test "$(first_page limit4.json)" = 503
check "  saying the counts, both limits and to serve a site" \
  grep -q "sensor assets in ${#fleet[@]} sensor(s), more than this console reads into its view (1, --max-view-assets): serve one site (--site: .*plant-east.*; it is more than this console serves by its devices' keys too (2, --max-index-assets)" limit4.json
check "  and the log says it once" test "$(grep -c 'no new view' limit4.err)" = 1
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
"$bin" serve --db s1.db --max-view-assets 10 --http --listen 127.0.0.1:0 >limit3.txt 2>&1; rc=$?
check "an appliance's console refuses --max-view-assets in one line" test "$rc" -eq 1 -a "$(wc -l <limit3.txt)" -eq 1
"$bin" serve --db s1.db --max-index-assets 10 --http --listen 127.0.0.1:0 >limit5.txt 2>&1; rc=$?
check "  and --max-index-assets" test "$rc" -eq 1 -a "$(grep -c -- '--max-index-assets: for a console of the central store' limit5.txt)" -eq 1
"$bin" serve --db s1.db --part-devices 10 --http --listen 127.0.0.1:0 >limit7.txt 2>&1; rc=$?
check "  and --part-devices" test "$rc" -eq 1 -a "$(grep -c -- '--part-devices: for a console of the central store' limit7.txt)" -eq 1

# 8. Retention prunes three of line1's snapshots: deleted centrally with their
#    rows, and the counts follow. Then status: per sensor, the rows it holds,
#    its backlog and lag.
"$bin" snapshot prune --keep-daily 1 --config line1.toml --db s1.db >prune.txt 2>&1
check "three snapshots of line1 pruned" test "$(grep -c '^deleted' prune.txt)" = 3
"$bin" central sync --config line1.toml --db s1.db >/dev/null 2>&1
check "pruned centrally too" test "$(count "SELECT count(*) FROM snapshots WHERE sensor_name = 'line1'")" = 1
check "after the pruning: central = line1's ledger" same_ledger line1 s1.db
check "after the pruning: the kept row counts = count(*)" exact_counts
"$bin" central status --db "postgresql://viewer@127.0.0.1:$PG_PORT/mieruka" --password-file viewer.pw >status.txt 2>&1; rc=$?
check "status exits 0" test "$rc" -eq 0
n1="$(sqlite3 s1.db "SELECT count(*) FROM assets WHERE sensor='line1'")"
n2="$(sqlite3 s2.db "SELECT count(*) FROM assets WHERE sensor='line2'")"
check "status lists line1 with its assets and no backlog" grep -Eq "^line1 +[0-9T:-]+Z +$n1 +[0-9]+ +[0-9]+ +0 +0s" status.txt
check "status lists line2 with its assets and no backlog" grep -Eq "^line2 +[0-9T:-]+Z +$n2 +[0-9]+ +[0-9]+ +0 +0s" status.txt
# Its ASSETS, EDGES and ROWS: the rows each sensor holds, counted now.
counted() {
  local t sql=""
  for t in $counted_tables; do sql+="${sql:+ UNION ALL }SELECT sensor_name, '$t' AS t, count(*) AS n FROM $t GROUP BY 1"; done
  count "SELECT s.sensor_name || ' ' || coalesce(sum(n) FILTER (WHERE t = 'assets'), 0) || ' ' || coalesce(sum(n) FILTER (WHERE t = 'edges'), 0)
         || ' ' || coalesce(sum(n), 0) FROM sensors s LEFT JOIN ($sql) r ON r.sensor_name = s.sensor_name GROUP BY s.sensor_name ORDER BY s.sensor_name"
}
counted >status.counted
awk 'NR > 1 { print $1, $3, $4, $5 }' status.txt >status.shown
check "status: every sensor's assets, edges and rows are those counted now" cmp -s status.counted status.shown
check "status lists the whole fleet" test "$(wc -l <status.shown)" = "${#fleet[@]}"

# 9. A newer schema is refused, by init and by the sensors, in one line.
pg_sql -d mieruka -c "UPDATE mieruka_schema SET version = 99"
"$bin" central init --db "$admin" --password-file "$super_pw" >newer1.txt 2>&1; rc=$?
check "init refuses a newer schema" test "$rc" -eq 1
check "the refusal is one line naming the versions" test "$(wc -l <newer1.txt)" -eq 1 -a "$(grep -c 'schema version 99 is newer than this mieruka (4); upgrade mieruka' newer1.txt)" -eq 1
"$bin" central sync --config line1.toml --db s1.db >newer2.txt 2>&1; rc=$?
check "a sensor refuses a newer schema" test "$rc" -ne 0 -a "$(grep -c 'is newer than this mieruka' newer2.txt)" -eq 1
pg_sql -d mieruka -c "UPDATE mieruka_schema SET version = 4"
# A store at version 3 (before the kept counts), holding the fleet's rows and
# one the owner wrote by hand: sensors refuse it; init counts the rows there.
v4_drop="SET client_min_messages = warning; DROP FUNCTION row_counts_changed, row_counts_moved, row_counts_truncated CASCADE; DROP TABLE row_counts"
pg_sql -d mieruka -c "$v4_drop; UPDATE mieruka_schema SET version = 3"
pg_sql -d mieruka -c "INSERT INTO counters (sensor_name, name, version, value) VALUES ('ghost', 'packets', 1, 1)"
"$bin" central sync --config line1.toml --db s1.db >older4.txt 2>&1; rc=$?
check "a sensor refuses a version 3 schema" test "$rc" -ne 0 -a "$(grep -c 'schema version 3 is older than this mieruka (4)' older4.txt)" -eq 1
"$bin" central init --db "$admin" --password-file "$super_pw" >upgrade4.txt 2>&1; rc=$?
check "init upgrades version 3 to 4" test "$rc" -eq 0 -a "$(grep -c 'schema version 4 (1 migration(s) applied)' upgrade4.txt)" -eq 1
check "  the upgrade counts the rows already there" exact_counts
check "  of every sensor, and of the row written by hand" \
  test "$(count "SELECT count(DISTINCT sensor_name) FROM row_counts WHERE n > 0")" = "$(( ${#fleet[@]} + 1 ))"
pg_sql -d mieruka -c "DELETE FROM counters WHERE sensor_name = 'ghost'"
"$bin" central status --db "postgresql://viewer@127.0.0.1:$PG_PORT/mieruka" --password-file viewer.pw >status4.txt 2>&1
awk 'NR > 1 { print $1, $3, $4, $5 }' status4.txt >status4.shown
check "  status after the upgrade: the rows counted now" cmp -s status4.shown <(counted)
# A store at version 2 (before the review evidence): init upgrades it; the
# sensors' config of their reviews is not known (NULL) until each sends a batch.
pg_sql -d mieruka -c "$v4_drop; ALTER TABLE sensors DROP COLUMN time_zone, DROP COLUMN review_schedule, DROP COLUMN schedule_zone, DROP COLUMN diff_channels; DROP TABLE reviews, outbox; UPDATE mieruka_schema SET version = 2"
"$bin" central init --db "$admin" --password-file "$super_pw" >upgrade3.txt 2>&1; rc=$?
check "init upgrades version 2 to 4" test "$rc" -eq 0 -a "$(grep -c 'schema version 4 (2 migration(s) applied)' upgrade3.txt)" -eq 1
check "  no sensor's review config is known yet" test "$(count "SELECT count(*) FROM sensors WHERE time_zone IS NULL")" = "${#fleet[@]}"
# A store at version 1 (before sites, the findings' history and advisories):
# sensors and readers refuse it until init upgrades it, which keeps every row
# and gives each sensor an empty site.
rows_before="$(count "SELECT count(*) FROM assets")"
pg_sql -d mieruka -c "$v4_drop; DROP INDEX sensors_site; ALTER TABLE sensors DROP COLUMN site, DROP COLUMN time_zone, DROP COLUMN review_schedule, DROP COLUMN schedule_zone, DROP COLUMN diff_channels; DROP TABLE findings_history, advisories, remediation_state, reviews, outbox; UPDATE mieruka_schema SET version = 1"
"$bin" central sync --config line1.toml --db s1.db >older1.txt 2>&1; rc=$?
check "a sensor refuses an older schema" test "$rc" -ne 0 -a "$(grep -c 'schema version 1 is older than this mieruka (4)' older1.txt)" -eq 1
cread assets --sensor line1 >older2.txt 2>&1; rc=$?
check "a reader refuses an older schema" test "$rc" -eq 1 -a "$(grep -c 'schema version 1 is older than this mieruka (4)' older2.txt)" -eq 1
"$bin" central init --db "$admin" --password-file "$super_pw" >upgrade.txt 2>&1; rc=$?
check "init upgrades version 1 to 4" test "$rc" -eq 0 -a "$(grep -c 'schema version 4 (3 migration(s) applied)' upgrade.txt)" -eq 1
check "the upgrade keeps every row" test "$(count "SELECT count(*) FROM assets")" = "$rows_before" -a "$(count "SELECT count(*) FROM sensors WHERE site = ''")" = "${#fleet[@]}"
"$bin" central sync --config line1.toml --db s1.db >older3.txt 2>&1; rc=$?
check "after the upgrade the sensor syncs again" test "$rc" -eq 0
check "  and its review config is known again" test "$(count "SELECT count(*) FROM sensors WHERE sensor_name = 'line1' AND time_zone IS NOT NULL")" = 1
check "  and the kept row counts = count(*)" exact_counts

# 9b. The owner's writes by hand are counted too (docs/central.md): rows moved
#     to another sensor_name and back, a table emptied (TRUNCATE), and a
#     retired sensor's rows deleted, every table and its status row.
as_owner() { PGPASSWORD="$(cat "$super_pw")" "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U mieruka_admin -d mieruka "$@"; }
as_owner -c "UPDATE facts SET sensor_name = 'line1-old' WHERE sensor_name = 'line1'"
check "rows moved to another sensor by the owner: their counts move" \
  test "$(count "SELECT n FROM row_counts WHERE sensor_name = 'line1-old' AND table_name = 'facts'")" = \
       "$(count "SELECT count(*) FROM facts WHERE sensor_name = 'line1-old'")" -a \
       "$(count "SELECT count(*) FROM facts WHERE sensor_name = 'line1-old'")" -gt 0
check "  exactly" exact_counts
as_owner -c "UPDATE facts SET sensor_name = 'line1' WHERE sensor_name = 'line1-old'"
check "  and back" exact_counts
runs_kept="$(count "SELECT count(*) FROM row_counts WHERE table_name = 'runs' AND n > 0")"
as_owner -c "TRUNCATE runs"
check "a table emptied by the owner (TRUNCATE): its counts ($runs_kept sensors) go" \
  test "$runs_kept" -gt 0 -a "$(count "SELECT count(*) FROM row_counts WHERE table_name = 'runs'")" = 0
check "  and the others stay exact" exact_counts
retire="BEGIN;"
for t in $counted_tables sensors; do retire+=" DELETE FROM $t WHERE sensor_name = 'line2';"; done
as_owner -c "$retire COMMIT;"
check "a retired sensor's rows deleted by the owner: its counts are 0" \
  test "$(count "SELECT coalesce(sum(abs(n)), 0) FROM row_counts WHERE sensor_name = 'line2'")" = 0
check "  and the others' stay exact" exact_counts
"$bin" central status --db "postgresql://viewer@127.0.0.1:$PG_PORT/mieruka" --password-file viewer.pw >status5.txt 2>&1
awk 'NR > 1 { print $1, $3, $4, $5 }' status5.txt >status5.shown
check "  status lists the others with the rows counted now, line2 no more" \
  test "$(cat status5.shown)" = "$(counted)" -a "$(grep -c '^line2 ' status5.shown)" = 0 -a "$(wc -l <status5.shown)" = $(( ${#fleet[@]} - 1 ))

# 10. A wrong password: a clear line, and the password in no output.
printf 'wrong-%s\n' "$pw1" >wrong.pw; chmod 600 wrong.pw
sed 's|line1.pw|wrong.pw|' line1.toml >wrong.toml
"$bin" central sync --config wrong.toml --db s1.db >wrong.txt 2>&1; rc=$?
check "a wrong password fails" test "$rc" -ne 0
check "the failure names the URL" grep -q "central postgresql://line1@127.0.0.1:$PG_PORT/mieruka" wrong.txt
for p in "${pws[@]}" "$(cat "$super_pw")" "$(cat "$PG_DIR/super.pw")"; do
  check "no output holds a password" test -z "$(grep -l -F -- "$p" ./*.txt 2>/dev/null)"
done

exit $fail
