#!/usr/bin/env bash
# bench/central_replication.sh: the central store's costs (docs/performance.md,
# docs/central.md), against a PostgreSQL started here on loopback the way the
# tests start theirs (tests/e2e/lib/postgres.sh). Three parts, each with its
# baseline measured in the same run; quote the ratios, machines differ:
#
#   1. triggers  the flush of a 100,000-asset ledger (bench/gen_ledger.cpp): no
#                change-log triggers (a ledger that does not replicate), the
#                triggers present but recording nothing (what every ledger had
#                when the migration that made them created them), and
#                replication on (the triggers write the log)
#   2. replicate a PACKETS-packet factory mix (bench/gen_factory.cpp) read by one
#                sensor: `mieruka read` to SQLite only (the baseline), then the
#                same read with [central], which replicates before it exits; the
#                changes sent per second and the lag (how long after the ledger
#                holds its final state the central store holds it too); then
#                the first sync of a 100,000-asset ledger, with the central
#                store's row-count triggers and without them
#   3. fleet     SENSORS simulated sensors x DEVICES devices loaded straight into
#                PostgreSQL with INSERT ... SELECT generate_series (facts and edges
#                per device as below), then the console's look-ups timed with
#                EXPLAIN ANALYZE (best of 3), each plan's index use printed;
#                `central status` against counting its columns' rows (schema 3);
#                `serve --db postgresql://` timed to its first page (the whole
#                fleet merged into one view, or past the view's limit the
#                fleet's index of keys), its pages, and its rebuild after one
#                sensor's batch
#
#   bench/central_replication.sh [BUILD_DIR] [PACKETS]   defaults: ../build-bench, 1000000
# Environment: SENSORS (100), DEVICES (10000), FACTS per device (10), EDGES per
# device (5), PARTS ("triggers replicate fleet"), COUNTS_ORDER ("on off off on":
# the first syncs with the row-count triggers and without), KEEP=1 keeps the directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-$(dirname "$src")/build-bench}
packets=${2:-1000000}
sensors=${SENSORS:-100}
devices=${DEVICES:-10000}
facts=${FACTS:-10}
edges=${EDGES:-5}
parts=${PARTS:-triggers replicate fleet}

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DMIERUKA_BENCH=ON >/dev/null
fi
cmake --build "$build" --target mieruka mieruka_gen_factory mieruka_gen_ledger -j2 >/dev/null
bin="$build/mieruka"; gen_factory="$build/bench/mieruka_gen_factory"; gen_ledger="$build/bench/mieruka_gen_ledger"

. "$src/tests/e2e/lib/postgres.sh"
pg_require
tmp="$(mktemp -d)"
if [ "${KEEP:-0}" = 1 ]; then trap 'pg_stop fast; echo "kept $tmp"' EXIT; else trap 'pg_stop fast; rm -rf "$tmp"' EXIT; fi
cd "$tmp"
pg_start "$tmp"
pg_sql -c "CREATE DATABASE mieruka" >/dev/null
"$bin" central init --db "postgresql://postgres@127.0.0.1:$PG_PORT/mieruka" --password-file "$PG_DIR/super.pw" >/dev/null
role() {  # role NAME: a sensor's login role, its password file and config
  local p="$1-$RANDOM$RANDOM"
  pg_sql -d mieruka -c "CREATE ROLE \"$1\" LOGIN PASSWORD '$p' IN ROLE mieruka_sensor" >/dev/null
  printf '%s\n' "$p" >"$1.pw"; chmod 600 "$1.pw"
  printf 'sensor_name = "%s"\n[central]\nurl = "postgresql://%s@127.0.0.1:%s/mieruka"\npassword_file = "%s.pw"\n' \
    "$1" "$1" "$PG_PORT" "$1" >"$1.toml"
}
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

if [[ " $parts " == *" triggers "* ]]; then
  echo "== 1. the flush of a 100,000-asset ledger, with and without the change-log triggers"
  role bench
  "$gen_ledger" --assets 1000 --sensor other base.db >/dev/null
  # The triggers come with replication: a sync creates them (and marks the
  # sensor replicating); deleting that mark leaves them present but idle.
  cp base.db on.db
  "$bin" central sync --config bench.toml --db on.db >/dev/null 2>&1
  cp on.db idle.db
  sqlite3 idle.db "DELETE FROM central_replication; DELETE FROM change_log"
  echo "triggers: none $(sqlite3 base.db "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"), idle $(sqlite3 idle.db "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"), on $(sqlite3 on.db "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")"
  declare -A best=()
  for round in 1 2 3; do
    for v in base idle on; do
      cp "$v.db" run.db; rm -f run.db-wal run.db-shm
      s="$("$gen_ledger" --assets 100000 --sensor bench run.db | sed -n 's/.*flushed in \([0-9.]*\) s/\1/p')"
      if [ -z "${best[$v]:-}" ] || awk -v a="$s" -v b="${best[$v]}" 'BEGIN { exit !(a < b) }'; then best[$v]=$s; fi
    done
  done
  logged="$(sqlite3 run.db "SELECT count(*) FROM change_log")"
  printf '%-34s %8s s   %s\n' "no triggers (replication off)" "${best[base]}" "1.00"
  printf '%-34s %8s s   %s\n' "triggers idle (replication off)" "${best[idle]}" "$(ratio "${best[idle]}" "${best[base]}")"
  printf '%-34s %8s s   %s   (%s changes logged)\n' "triggers on (replication on)" "${best[on]}" "$(ratio "${best[on]}" "${best[base]}")" "$logged"
  rm -f run.db*
fi

if [[ " $parts " == *" replicate "* ]]; then
  echo "== 2. replication of a $packets-packet factory mix, one sensor"
  role line1
  "$gen_factory" --packets "$packets" --seed 8 factory.pcap 2>/dev/null
  printf 'sensor_name = "line1"\n' >local.toml
  t0=$(now); "$bin" read --config local.toml --db plain.db factory.pcap >plain.txt 2>&1; t1=$(now)
  "$bin" read --config line1.toml --db central.db factory.pcap >central.txt 2>&1; t2=$(now)
  base=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  with=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
  sent="$(sed -n 's/.*: \([0-9]*\) change(s) replicated.*/\1/p' central.txt)"
  lag=$(awk -v a="$with" -v b="$base" 'BEGIN { printf "%.3f", a - b }')
  rows="$(pg_sql -d mieruka -tAc "SELECT (SELECT count(*) FROM assets) + (SELECT count(*) FROM asset_ips) + (SELECT count(*) FROM facts)
         + (SELECT count(*) FROM edges) + (SELECT count(*) FROM edge_ops) + (SELECT count(*) FROM counters) + (SELECT count(*) FROM runs)")"
  echo "ledger: $(sqlite3 central.db "SELECT count(*) FROM assets") assets, $(sqlite3 central.db "SELECT count(*) FROM edges") edges; $sent changes ($rows central rows)"
  printf '%-44s %8s s   1.00\n' "read, SQLite only" "$base"
  printf '%-44s %8s s   %s\n' "read with [central] (replicated before exit)" "$with" "$(ratio "$with" "$base")"
  printf '%-44s %8s s   %s changes/s, %s rows/s\n' "replication (the difference: the lag)" "$lag" \
    "$(awk -v n="$sent" -v t="$lag" 'BEGIN { printf "%.0f", n / t }')" "$(awk -v n="$rows" -v t="$lag" 'BEGIN { printf "%.0f", n / t }')"
  # Again: the same capture once more changes counters and times only; a
  # repeat of the log (nothing new) sends nothing.
  t3=$(now); "$bin" central sync --config line1.toml --db central.db >again.txt 2>&1; t4=$(now)
  printf '%-44s %8s s   (%s)\n' "sync with nothing queued" "$(awk -v a="$t3" -v b="$t4" 'BEGIN { printf "%.3f", b - a }')" "$(sed -n 's/.*: \([0-9]* change(s)\) replicated.*/\1/p' again.txt)"
  # A sensor joining with a large history: the first replication of a
  # 100,000-asset ledger (bench/gen_ledger.cpp), every record at once.
  role line2
  "$gen_ledger" --assets 100000 --sensor line2 big.db >/dev/null
  cp big.db gen.db
  t5=$(now); "$bin" central sync --config line2.toml --db big.db >big.txt 2>&1; t6=$(now)
  big="$(sed -n 's/.*: \([0-9]*\) change(s) replicated.*/\1/p' big.txt)"
  took=$(awk -v a="$t5" -v b="$t6" 'BEGIN { printf "%.3f", b - a }')
  bigrows="$(pg_sql -d mieruka -tAc "SELECT (SELECT count(*) FROM assets WHERE sensor_name = 'line2') + (SELECT count(*) FROM asset_ips WHERE sensor_name = 'line2')
            + (SELECT count(*) FROM facts WHERE sensor_name = 'line2') + (SELECT count(*) FROM edges WHERE sensor_name = 'line2')
            + (SELECT count(*) FROM edge_ops WHERE sensor_name = 'line2') + (SELECT count(*) FROM asset_protocols WHERE sensor_name = 'line2')")"
  printf '%-44s %8s s   %s changes/s, %s rows/s (%s changes, %s rows)\n' "first sync of a 100,000-asset ledger" "$took" \
    "$(awk -v n="$big" -v t="$took" 'BEGIN { printf "%.0f", n / t }')" "$(awk -v n="$bigrows" -v t="$took" 'BEGIN { printf "%.0f", n / t }')" "$big" "$bigrows"
  # The same first sync with the triggers that keep the row counts (schema
  # version 4, for `central status`) and with them disabled, each into a new
  # database of its own (an empty store, as above), in the order of
  # COUNTS_ORDER ("on off off on": a drift of the machine's load falls on
  # both alike). The counting functions' own time is PostgreSQL's
  # (track_functions); the rest of their cost, the rows each statement keeps
  # for them, shows only in the difference.
  counted="assets asset_ips asset_vlans asset_protocols facts edges edge_ops findings_state findings_history advisories
           remediation_state snapshots snapshot_assets snapshot_asset_ips snapshot_links counters runs reviews outbox"
  pg_sql -c "ALTER SYSTEM SET track_functions = 'pl'" -c "SELECT pg_reload_conf()" >/dev/null
  declare -A sum=([on]=0 [off]=0) runs=([on]=0 [off]=0)
  i=0
  for o in ${COUNTS_ORDER:-on off off on}; do
    i=$((i + 1)); db="first$i"
    pg_sql -c "CREATE DATABASE $db" >/dev/null
    "$bin" central init --db "postgresql://postgres@127.0.0.1:$PG_PORT/$db" --password-file "$PG_DIR/super.pw" >/dev/null
    if [ "$o" = off ]; then
      sql=""
      for t in $counted; do sql+="ALTER TABLE $t DISABLE TRIGGER row_counts_insert; ALTER TABLE $t DISABLE TRIGGER row_counts_delete; "; done
      pg_sql -d "$db" -c "$sql" >/dev/null
    fi
    sed "s|/mieruka\"|/$db\"|" line2.toml >"$db.toml"
    cp gen.db "$db.db"
    pg_sql -c "CHECKPOINT" >/dev/null
    t7=$(now); "$bin" central sync --config "$db.toml" --db "$db.db" >"$db.txt" 2>&1; t8=$(now)
    sleep 1  # the function statistics arrive once the connection has closed
    fn="$(pg_sql -d "$db" -tA -F ' ' -c "SELECT coalesce(sum(calls), 0), coalesce(sum(total_time), 0)::bigint FROM pg_stat_user_functions WHERE funcname LIKE 'row_counts_%'")"
    took3=$(awk -v a="$t7" -v b="$t8" 'BEGIN { printf "%.3f", b - a }')
    sum[$o]=$(awk -v a="${sum[$o]}" -v b="$took3" 'BEGIN { print a + b }'); runs[$o]=$((runs[$o] + 1))
    printf '%-44s %8s s   %s changes/s (%s); counting functions: %s ms in %s calls\n' "  first sync, row-count triggers $o" "$took3" \
      "$(awk -v n="$(sed -n 's/.*: \([0-9]*\) change(s) replicated.*/\1/p' "$db.txt")" -v t="$took3" 'BEGIN { printf "%.0f", n / t }')" \
      "$(sed -n 's/.*: \([0-9]* change(s)\) replicated.*/\1/p' "$db.txt")" "${fn#* }" "${fn% *}"
    pg_sql -c "DROP DATABASE $db" >/dev/null
    rm -f "$db.db"*
  done
  if [ "${runs[on]}" -gt 0 ] && [ "${runs[off]}" -gt 0 ]; then
    echo "  with the row-count triggers: $(ratio "$(awk -v a="${sum[on]}" -v n="${runs[on]}" 'BEGIN { print a / n }')" \
      "$(awk -v a="${sum[off]}" -v n="${runs[off]}" 'BEGIN { print a / n }')") of the time without them (means)"
  fi
  rm -f gen.db*
  # Its flush alone, for scale: the same ledger written to SQLite only.
  "$gen_ledger" --assets 100000 --sensor line2 flush.db | sed -n 's/.*flushed in \([0-9.]*\) s/  (the same ledger flushed to SQLite only: \1 s)/p'
  rm -f flush.db*
fi

if [[ " $parts " == *" fleet "* ]]; then
  echo "== 3. $sensors sensors x $devices devices ($facts facts, $edges edges each) in one PostgreSQL"
  n=$((sensors * devices))
  # The devices first (bench_devices, dropped after the load), then each
  # sensor's rows from them, as a sensor's ledger would hold them: ids derive
  # from the key (a station's from its MAC, a device seen only behind a router
  # from its address), so one device seen by two sensors has one id in both
  # and two devices never share one. Sensors 2k and 2k+1 form a pair of the
  # same site (ten sensors a site): the first 5% of each one's devices are the
  # same stations, seen by both (same MAC); the next 5% are stations of the
  # even sensor that the odd one sees only behind a router (same address, same
  # site), which merge_fleet folds into the station; the other 90% are the
  # sensor's own. Deterministic: the same SENSORS and DEVICES give the same rows.
  shared=$((devices / 20)); routed=$((devices / 10))
  load() {
    local t0 t1; t0=$(now)
    pg_sql -d mieruka -c "$2" >/dev/null
    t1=$(now)
    printf '  %-18s %10s rows %8.1f s\n' "$1" "$(pg_sql -d mieruka -tAc "SELECT count(*) FROM $1")" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
  }
  # mac: 12 hex digits with colons, as MacAddr prints it; a device's address
  # is its sensor's own /16 (the even sensor's for a routed one).
  load bench_devices "CREATE TABLE bench_devices AS
    SELECT s, d, CASE WHEN routed THEN NULL ELSE regexp_replace(lpad(to_hex(m), 12, '0'), '(..)(?=.)', '\\1:', 'g') END AS mac,
           ip, routed FROM (
      SELECT s, d, (s % 2 = 1 AND d >= $shared AND d < $routed) AS routed,
             CASE WHEN d < $shared THEN x'020000000000'::bigint + (s / 2) * 1048576 + d
                  ELSE x'040000000000'::bigint + s * 1048576 + d END AS m,
             '10.' || (CASE WHEN d < $routed THEN s - s % 2 ELSE s END) % 250 || '.' || d / 250 % 256 || '.' || (d % 250 + 1) AS ip
      FROM generate_series(0, $((sensors - 1))) s, generate_series(0, $((devices - 1))) d) x;
    ALTER TABLE bench_devices ADD COLUMN id TEXT;
    UPDATE bench_devices SET id = substr(md5(CASE WHEN routed THEN 'ip:' || ip ELSE 'mac:' || mac END), 1, 16);
    ALTER TABLE bench_devices ADD PRIMARY KEY (s, d)"
  # Each sensor's review config as a batch of this mieruka sends it (its zone,
  # no schedule, no diff channel), so that the console makes the fleet's checklist.
  load sensors "INSERT INTO sensors SELECT 'sensor' || s, 0, 0, 0, 0, 0, 0, 'site' || (s / 10), 'Asia/Tokyo', '', '', 0
    FROM generate_series(0, $((sensors - 1))) s"
  load assets "INSERT INTO assets SELECT 'sensor' || s, id, 1, mac, CASE WHEN routed THEN ip END,
    NULL, NULL, 1767225600000000 + d * 1000, 1767225600000000 + (d * 7919 % $devices)::bigint * 1000000, d % 1000, d % 100000, 0
    FROM bench_devices"
  load asset_ips "INSERT INTO asset_ips SELECT 'sensor' || s, id, 1, ip, CASE WHEN routed THEN 'ip_dst' ELSE 'arp' END,
    1767225600000000, 1767225600000000 FROM bench_devices"
  load facts "INSERT INTO facts SELECT 'sensor' || s, id, 1, (ARRAY['vendor','product','hostname','os','role','revision','serial','class_hint','model','firmware'])[f % 10 + 1],
    CASE f % 10 WHEN 0 THEN (ARRAY['Mitsubishi Electric','Omron','Keyence','Siemens'])[d % 4 + 1] ELSE 'v' || f || '-' || (d % 500) END,
    'bench', 1767225600000000, 1767225600000000, 1 FROM bench_devices, generate_series(0, $((facts - 1))) f"
  # Each device talks to EDGES others of its sensor; the edge id derives from
  # its ends, protocol and port, as Ledger::id_for_edge's does.
  load edges "INSERT INTO edges SELECT 'sensor' || a.s, substr(md5(a.id || '|' || b.id || '|' || p.protocol || '|' || p.port), 1, 16), 1, a.id, b.id,
    p.protocol, 'tcp', p.port, 0, 100, 10000, 1767225600000000, 1767225600000000 + a.d * 1000
    FROM bench_devices a CROSS JOIN generate_series(0, $((edges - 1))) g(k)
    JOIN bench_devices b ON b.s = a.s AND b.d = (a.d * 31 + g.k * 977 + 1) % $devices
    JOIN (VALUES (0, 'modbus', 502), (1, 's7comm', 102), (2, 'enip', 44818), (3, 'slmp', 5007), (4, 'dns', 53)) p(m, protocol, port) ON p.m = g.k % 5
    WHERE a.d <> b.d ON CONFLICT DO NOTHING"
  load findings_state "INSERT INTO findings_state SELECT 'sensor' || s, 'f-' || d, 1, 'h', 'reviewed', 'admin', 1767225600000000 + d * 1000
    FROM generate_series(0, $((sensors - 1))) s, generate_series(0, 199) d"
  pg_sql -d mieruka -c "DROP TABLE bench_devices" >/dev/null
  t0=$(now); pg_sql -d mieruka -c "VACUUM ANALYZE" >/dev/null; t1=$(now)
  printf '  %-18s %8.1f s\n' "vacuum analyze" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
  echo "  database size: $(pg_sql -d mieruka -tAc "SELECT pg_size_pretty(pg_database_size('mieruka'))")"
  s=$((sensors / 2))
  # query NAME SQL: best of 3 EXPLAIN ANALYZE executions (planning + execution),
  # and the plan's scans.
  query() {
    local best="" ms plan i
    for i in 1 2 3; do
      plan="$(pg_sql -d mieruka -tAc "EXPLAIN (ANALYZE, BUFFERS) $2")"
      ms="$(awk '/Planning Time|Execution Time/ { t += $3 } END { printf "%.2f", t }' <<<"$plan")"
      if [ -z "$best" ] || awk -v a="$ms" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$ms; fi
    done
    printf '  %-52s %9s ms   %s\n' "$1" "$best" \
      "$(grep -oE '(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)( Backward)? (using [a-z_]+ )?on [a-z_]+' <<<"$plan" | sort -u | paste -sd';')"
  }
  # A device seen by two sensors (its MAC, its address), and one of the
  # sensor's own.
  mac42="$(pg_sql -d mieruka -tAc "SELECT mac FROM assets WHERE sensor_name = 'sensor0' AND mac IS NOT NULL ORDER BY first_us OFFSET 42 LIMIT 1")"
  ip43="$(pg_sql -d mieruka -tAc "SELECT ip FROM asset_ips WHERE sensor_name = 'sensor1' AND source = 'ip_dst' ORDER BY ip LIMIT 1")"
  id777="$(pg_sql -d mieruka -tAc "SELECT id FROM assets WHERE sensor_name = 'sensor$s' ORDER BY id OFFSET 777 LIMIT 1")"
  echo "  the console's look-ups (best of 3, planning + execution; the scans the plan uses)"
  query "assets of one sensor, page 1 (newest first)" \
    "SELECT id, mac, key_ip, last_us FROM assets WHERE sensor_name = 'sensor$s' ORDER BY last_us DESC, id LIMIT 50"
  query "assets of one sensor, page 100" \
    "SELECT id, mac, key_ip, last_us FROM assets WHERE sensor_name = 'sensor$s' ORDER BY last_us DESC, id LIMIT 50 OFFSET 4950"
  query "assets of one sensor, by id after a key (keyset)" \
    "SELECT id, mac, key_ip, last_us FROM assets WHERE sensor_name = 'sensor$s' AND id > '8' ORDER BY id LIMIT 50"
  query "assets of one site (10 sensors), page 1" \
    "SELECT sensor_name, id, mac, last_us FROM assets WHERE sensor_name IN ($(for i in $(seq 0 9); do printf "'sensor%d'," $((i * sensors / 10)); done | sed 's/,$//')) ORDER BY last_us DESC LIMIT 50"
  query "assets per sensor, whole fleet (counts)" \
    "SELECT sensor_name, count(*) FROM assets GROUP BY sensor_name"
  query "one device's sightings across sensors (MAC)" \
    "SELECT sensor_name, id, last_us FROM assets WHERE mac = '$mac42' ORDER BY sensor_name"
  query "one device's sightings across sensors (address)" \
    "SELECT sensor_name, asset_id FROM asset_ips WHERE ip = '$ip43' ORDER BY sensor_name"
  query "one device: its facts" \
    "SELECT field, value, source, last_us FROM facts WHERE sensor_name = 'sensor$s' AND asset_id = '$id777'"
  query "one device: its links (both ends)" \
    "SELECT id, from_id, to_id, protocol, port FROM edges WHERE sensor_name = 'sensor$s' AND (from_id = '$id777' OR to_id = '$id777')"
  query "vendor search across the fleet, page 1" \
    "SELECT sensor_name, asset_id FROM facts WHERE field = 'vendor' AND value = 'Omron' ORDER BY sensor_name, asset_id LIMIT 50"
  query "finding states of one sensor, page 1" \
    "SELECT finding_id, comment, who, when_us FROM findings_state WHERE sensor_name = 'sensor$s' ORDER BY finding_id LIMIT 50"
  query "finding states, whole fleet, newest first, page 1" \
    "SELECT sensor_name, finding_id, who, when_us FROM findings_state ORDER BY when_us DESC LIMIT 50"
  query "Modbus links across the fleet, page 1" \
    "SELECT sensor_name, id, from_id, to_id FROM edges WHERE protocol = 'modbus' AND port = 502 ORDER BY sensor_name, id LIMIT 50"
  # `central status` reads the counts the store keeps (row_counts); before
  # schema version 4 it counted every sensor's rows in every table, as this
  # query does (the baseline, timed the same way: the whole psql command).
  # Both best of 3; their counts must agree.
  counting=""
  for t in assets asset_ips asset_vlans asset_protocols facts edges edge_ops findings_state findings_history advisories \
           remediation_state snapshots snapshot_assets snapshot_asset_ips snapshot_links counters runs reviews outbox; do
    counting+="${counting:+ UNION ALL }SELECT sensor_name, '$t' AS tbl, count(*) AS n FROM $t GROUP BY sensor_name"
  done
  counting="WITH r AS ($counting) SELECT s.sensor_name, coalesce(sum(n) FILTER (WHERE tbl = 'assets'), 0),
    coalesce(sum(n) FILTER (WHERE tbl = 'edges'), 0), coalesce(sum(n), 0) FROM sensors s LEFT JOIN r USING (sensor_name)
    GROUP BY s.sensor_name ORDER BY s.sensor_name"
  best_ms() {  # best_ms COMMAND...: the best of 3 wall times, in ms
    local best="" i t0 t1 m
    for i in 1 2 3; do
      t0=$(now); "$@"; t1=$(now)
      m="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')"
      if [ -z "$best" ] || [ "$m" -lt "$best" ]; then best=$m; fi
    done
    echo "$best"
  }
  count_all() { pg_sql -d mieruka -tA -F ' ' -c "$counting" >counted.txt; }
  central_url="postgresql://postgres@127.0.0.1:$PG_PORT/mieruka"
  status() { "$bin" central status --db "$central_url" --password-file "$PG_DIR/super.pw" >status.txt; }
  old_ms="$(best_ms count_all)"
  new_ms="$(best_ms status)"
  printf '  %-52s %9s ms   (every row counted, schema 3)\n' "status's counts counted (psql, whole command)" "$old_ms"
  printf '  %-52s %9s ms   (%s sensors listed; %s of the count)\n' "mieruka central status (whole command)" "$new_ms" \
    "$(($(wc -l <status.txt) - 1))" "$(ratio "$new_ms" "$old_ms")"
  if cmp -s counted.txt <(awk 'NR > 1 { print $1, $3, $4, $5 }' status.txt); then
    echo "  its ASSETS, EDGES and ROWS = the rows counted, every sensor"
  else
    echo "  its ASSETS, EDGES and ROWS differ from the rows counted:"; diff counted.txt <(awk 'NR > 1 { print $1, $3, $4, $5 }' status.txt) | head -5
  fi
  # The upgrade of a version 3 store of this size to version 4: the
  # migration counts every row once, the replicated tables locked meanwhile.
  pg_sql -d mieruka -c "SET client_min_messages = warning; DROP FUNCTION row_counts_changed,
    row_counts_moved, row_counts_truncated CASCADE; DROP TABLE row_counts; UPDATE mieruka_schema SET version = 3" >/dev/null
  t0=$(now); "$bin" central init --db "$central_url" --password-file "$PG_DIR/super.pw" >upgrade.txt; t1=$(now)
  status
  printf '  %-52s %9.0f ms   (%s)\n' "central init from version 3 (counts every row)" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1000 }')" "$(cat upgrade.txt)"
  if cmp -s counted.txt <(awk 'NR > 1 { print $1, $3, $4, $5 }' status.txt); then
    echo "  after it, status = the rows counted, every sensor"
  else
    echo "  after it, status differs from the rows counted"
  fi
  # The reading commands against the central store: one sensor's whole ledger
  # read back (sensor/central/pg_source.cpp), each query on the primary key's
  # sensor_name prefix.
  central="postgresql://postgres@127.0.0.1:$PG_PORT/mieruka"
  for cmd in "assets --format json" "findings --format json" "topology --format json"; do
    t0=$(now); "$bin" $cmd --db "$central" --password-file "$PG_DIR/super.pw" --sensor "sensor$s" >out.json; t1=$(now)
    printf '  %-52s %9.0f ms   (%s bytes)\n' "mieruka $cmd --sensor sensor$s (whole command)" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1000 }')" "$(wc -c <out.json)"
  done
  # One device of the whole fleet (show without --sensor: the fleet's keys,
  # then the device read whole), against the same device in its sensor's own
  # ledger (show --sensor: that sensor's whole ledger read); the whole
  # fleet's findings (no --sensor: its keys, then read whole part by part);
  # and, with BEFORE=BINARY (a build from before), that build's show and
  # findings of the fleet, compared byte for byte.
  shared_id="$(pg_sql -d mieruka -tAc "SELECT id FROM assets WHERE sensor_name = 'sensor1' ORDER BY first_us OFFSET 7 LIMIT 1")"
  timed() {  # timed LABEL BINARY ARGS...: the command against the central store, into out.json
    local label="$1" run_bin="$2" t0 t1; shift 2
    t0=$(now)
    /usr/bin/time -f '%M' -o cmd.rss "$run_bin" "$@" --db "$central" --password-file "$PG_DIR/super.pw" >out.json
    t1=$(now)
    printf '  %-52s %9.0f ms   (%s bytes, %s MiB resident at most)\n' "$label" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1000 }')" "$(wc -c <out.json)" "$(( $(tail -1 cmd.rss) / 1024 ))"
  }
  timed "mieruka show ID --sensor sensor1" "$bin" show "$shared_id" --format json --sensor sensor1
  timed "mieruka show ID (the whole fleet)" "$bin" show "$shared_id" --format json
  cp out.json show-fleet.json
  timed "mieruka findings (the whole fleet)" "$bin" findings --format json
  cp out.json findings-fleet.json
  if [ -n "${BEFORE:-}" ]; then
    timed "the build before: show ID (the whole fleet)" "$BEFORE" show "$shared_id" --format json
    cmp -s out.json show-fleet.json && echo "  the same device, byte for byte" || echo "  a different answer from the build before"
    timed "the build before: findings (the whole fleet)" "$BEFORE" findings --format json
    cmp -s out.json findings-fleet.json && echo "  the same findings, byte for byte" || echo "  different findings from the build before"
  fi
  for table in assets asset_ips facts edges findings_state; do  # the tables loaded above
    plan="$(pg_sql -d mieruka -tAc "EXPLAIN SELECT * FROM $table WHERE sensor_name = 'sensor$s'")"
    printf '  %-52s %s\n' "its $table read by" "$(grep -oE '(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan) (using [a-z_]+ )?on [a-z_]+' <<<"$plan" | sort -u | paste -sd';')"
  done
  # The fleet console (serve --db postgresql://): its first view reads every
  # sensor's whole ledger and merges them before a page answers; timed from
  # the start of the process to the first asset page (a page asked before
  # answers 503 at once: its time is printed too), then each page of the
  # console again from the view (best of 5), then the rebuild after one
  # sensor's batch (one asset of sensor0 changed and its sensors row moved, as
  # a batch does in one transaction), to the first page from the new view,
  # against the first build (every sensor read). A fleet above the console's
  # view limit (serve --max-view-assets: about 196,000 sensor assets on 24
  # GiB; VIEW_LIMIT sets it, INDEX_LIMIT the index's) is served by its index of keys, each page read
  # whole from the store: the same pages are timed (those that need the view
  # answer 503 at once). CONSOLE_MAX_ASSETS (no limit) skips the console above it.
  if [ "$n" -le "${CONSOLE_MAX_ASSETS:-100000000}" ]; then
    printf 'benchpass1\n' | "$bin" user add bench --db console.db --password-file - >/dev/null 2>&1
    # time_console LABEL [SERVE OPTIONS...]: one console started, timed, stopped.
    time_console() {
      local label="$1"; shift
      ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
      t0=$(now)
      "$bin" serve --db "$central" --password-file "$PG_DIR/super.pw" --console-db console.db --http \
        --listen 127.0.0.1:0 --log-level debug "$@" >serve.txt 2>serve.err &
      serve_pid=$!
      url=""
      for _ in $(seq 1 300); do
        url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' serve.txt)"; [ -n "$url" ] && break; sleep 0.1
      done
      curl -s -c cookies.txt -H 'Content-Type: application/json' -d '{"user":"bench","password":"benchpass1"}' \
        "${url}api/v1/login" >/dev/null
      early="" code=""
      while :; do
        ta=$(now)
        code="$(curl -s -o page.json -w '%{http_code}' -b cookies.txt "${url}api/v1/assets?per_page=50")"
        tb=$(now)
        [ "$code" = 503 ] && [ -z "$early" ] && early="$(ms "$ta" "$tb")"
        [ "$code" = 503 ] && grep -q 'still reading' page.json || break
        sleep 0.1
      done
      t1=$(now)
      total="$(python3 -c 'import json, sys; print(json.load(open("page.json"))["total"])')"
      first_ms="$(ms "$t0" "$t1")"
      printf '  %-52s %9s ms   (%s fleet devices from %s assets; HTTP %s)\n' "$label: start to first asset page" \
        "$first_ms" "$total" "$n" "$code"
      printf '  %-52s %9s ms   (503, the view being built)\n' "$label: a page before the first view" "${early:--}"
      page() {  # page NAME PATH: best of 5
        local best="" i ta tb m
        for i in 1 2 3 4 5; do
          ta=$(now); curl -s -o /dev/null -b cookies.txt "${url}api/v1/$2"; tb=$(now)
          m="$(ms "$ta" "$tb")"
          if [ -z "$best" ] || [ "$m" -lt "$best" ]; then best=$m; fi
        done
        printf '  %-52s %9s ms   (%s bytes)\n' "$label: $1" "$best" "$(curl -s -b cookies.txt "${url}api/v1/$2" | wc -c)"
      }
      large="$(grep -c 'large fleet of' serve.err || true)"
      [ "$large" != 0 ] && echo "  $label: above its view limit, served by the fleet's index (pages read whole by id)"
      page "assets, page 1" "assets?per_page=50"
      page "assets of one sensor (?sensor=)" "assets?sensor=sensor1&per_page=50"
      page "assets, sorted by name, page 20" "assets?sort=name&page=20&per_page=50"
      page "assets of one site (?site=)" "assets?site=site0&per_page=50"
      page "assets, newest first, page 1" "assets?sort=last_seen&order=desc&per_page=50"
      page "assets, sorted by address, page 100" "assets?sort=ip&page=100&per_page=50"
      page "assets, searched (?q=), page 1" "assets?q=omron&per_page=50"
      page "assets, 500 a page" "assets?per_page=500"
      page "assets of one class (?class=plc)" "assets?class=plc&per_page=50"
      page "assets, sorted by class, page 100" "assets?sort=class&page=100&per_page=50"
      page "assets, most findings first" "assets?sort=findings&order=desc&per_page=50"
      page "one device, in Japanese" "assets/$shared_id?lang=ja"
      page "findings, page 1" "findings?per_page=50"
      page "findings, most severe first, page 20" "findings?sort=severity&order=desc&page=20&per_page=50"
      page "findings of one sensor (?sensor=)" "findings?sensor=sensor1&per_page=50"
      page "one device (seen by two sensors)" "assets/$shared_id"
      page "map (topology), top level" "map"
      page "overview" "overview"
      page "topology (JSON, whole fleet)" "topology"
      page "checklist (JSON, ja: made with the view)" "checklist"
      ta=$(now); curl -s -o checklist.html -b cookies.txt "${url}api/v1/checklist?format=html&lang=en"; tb=$(now)
      printf '  %-52s %9s ms   (%s bytes)\n' "$label: checklist (HTML, en), first request" "$(ms "$ta" "$tb")" \
        "$(wc -c <checklist.html)"
      rss="$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$serve_pid/status")"
      as_of() { curl -s -D - -o /dev/null -b cookies.txt "${url}api/v1/assets?per_page=1" | tr -d '\r' | sed -n 's/^X-Mieruka-Data-As-Of: //Ip'; }
      before="$(as_of)"
      t2=$(now)
      pg_sql -d mieruka -c "BEGIN; UPDATE assets SET packets_sent = packets_sent + 1, version = version + 1
        WHERE sensor_name = 'sensor0' AND id = (SELECT min(id) FROM assets WHERE sensor_name = 'sensor0');
        UPDATE sensors SET received_us = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, changes = changes + 1
        WHERE sensor_name = 'sensor0'; COMMIT" >/dev/null
      after="$before"
      while [ "$after" = "$before" ]; do sleep 0.05; after="$(as_of)"; done
      t3=$(now)
      rebuild_ms="$(ms "$t2" "$t3")"
      printf '  %-52s %9s ms   %s of the first build (%s)\n' "$label: one sensor's batch to its new view" "$rebuild_ms" \
        "$(ratio "$rebuild_ms" "$first_ms")" "$(grep -o 'fleet of [0-9]* sensor(s) read in [0-9.]* s ([0-9]* loaded' serve.err | tail -1)"
      peak="$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$serve_pid/status")"
      kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
      printf '  %-52s %9s MiB\n' "$label: resident memory" "$rss"
      printf '  %-52s %9s MiB   (the most resident: the rebuild, beside the view it replaces)\n' \
        "$label: peak resident memory" "$peak"
      # Each build's stages (the console's debug log): the first, then the rebuild.
      grep -o 'fleet of [0-9]* sensor(s) read in [0-9.]* s ([0-9]* loaded\|view of [0-9]* assets built: .*\|large fleet of .*' serve.err |
        sed 's/^/    /'
    }
    time_console "fleet console" ${VIEW_LIMIT:+--max-view-assets "$VIEW_LIMIT"} ${INDEX_LIMIT:+--max-index-assets "$INDEX_LIMIT"}
    # The baseline, in the same run: one site's console (its sensors' whole
    # view, as a console served a site before it could serve more). BASELINE_SITE="" skips it.
    if [ -n "${BASELINE_SITE-site0}" ]; then
      time_console "${BASELINE_SITE-site0}'s console (a view)" --site "${BASELINE_SITE-site0}"
    fi
  else
    echo "  fleet console: not timed above CONSOLE_MAX_ASSETS=${CONSOLE_MAX_ASSETS} assets ($n here)"
  fi
fi
