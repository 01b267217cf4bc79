# The central store's e2e helpers (after lib/postgres.sh, in the test's directory).
#   same_ledger SENSOR DB   every replicated table of SENSOR: the rows in its SQLite
#                           ledger DB and in the central database `mieruka` are the same set
#   same_fleet SENSOR:DB... every replicated table: the union of the sensors' ledgers
#                           (each its own rows) and every central row, of any sensor,
#                           are the same set: nothing missing, nothing extra
#   one_version             every central child row carries its record's version
#   central_versions SENSOR "kind|key|version" of every central record of SENSOR
#   log_of DB SENSOR        "kind|key|seq" of the changes queued in DB whose record is in the ledger
#   records DB SENSOR       the records of SENSOR in its ledger DB
#   exact_counts            the counts the store keeps (row_counts) equal count(*)
#                           per sensor in every replicated table: one missing,
#                           extra or different count fails
#   central_owner           the schema's owner role (mieruka_admin, its password in
#                           ./owner.pw) and the database `mieruka` it owns

# The schema's owner is an ordinary role with CREATEROLE, as docs/central.md sets
# it up; its password is a fresh one in ./owner.pw (mode 600). Ends the test on failure.
central_owner() {
  printf 'owner-Secret-%s\n' "$RANDOM$RANDOM" >owner.pw; chmod 600 owner.pw
  pg_sql -c "CREATE ROLE mieruka_admin LOGIN CREATEROLE PASSWORD '$(cat owner.pw)'" \
    -c "CREATE DATABASE mieruka OWNER mieruka_admin" || { echo "FAIL createdb"; exit 1; }
}

# Every replicated table, column by column: the sensor's SQLite rows and its
# central rows are the same set (an extra row fails like a missing one).
tables="assets:id,mac,key_ip,parent_id,route,first_us,last_us,packets_sent,bytes_sent,router
asset_ips:asset_id,ip,source,first_us,last_us
asset_vlans:asset_id,vlan
asset_protocols:asset_id,protocol
facts:asset_id,field,value,source,first_us,last_us,count
edges:id,from_id,to_id,protocol,transport,port,vlan,packets,bytes,first_us,last_us
edge_ops:edge_id,protocol,name,code,count,errors,is_write,is_control,has_range,range_lo,range_hi,first_us,last_us
findings_state:finding_id,material_hash,comment,who,when_us
findings_history:id,finding_id,at_us,who,comment,material_hash,evidence_kind,evidence_values
advisories:id,source,revision,current_release,title,doc,imported_us,updated_us
remediation_state:advisory_id,asset_id,cve,state,comment,who,when_us
snapshots:name,taken_us,observed_until_us,assets,links
snapshot_assets:snapshot,asset_id,last_us,body
snapshot_asset_ips:snapshot,asset_id,ip,last_us
snapshot_links:snapshot,link_id,last_us,packets,bytes,body
counters:name,value
runs:started_us,ended_us,command,packets,drops
reviews:taken_us,snapshot,previous"
# dump PREFIX SQLITE_WHERE PG_WHERE SQLITE_COLS_PREFIX PG_COLS_PREFIX DB...: every
# table's rows into PREFIX.sq.TABLE (from each DB) and PREFIX.pg.TABLE, sorted;
# one psql and one sqlite3 per database (process starts are most of the time).
dump() {
  local pre="$1" sw="$2" pw="$3" sc="$4" pc="$5" line t cols db args=()
  shift 5
  while IFS= read -r line; do
    t="${line%%:*}"; cols="${line#*:}"
    args+=(-c "\\o $pre.pg.$t" -c "SELECT $pc$cols FROM $t $pw")
    : >"$pre.sq.$t"
  done <<<"$tables"
  pg_sql -d mieruka -tA -F '|' "${args[@]}"
  for db in "$@"; do
    while IFS= read -r line; do
      t="${line%%:*}"; cols="${line#*:}"
      printf '.output %s\nSELECT %s%s FROM %s %s;\n' "$pre.sq.$t.part" "$sc" "$cols" "$t" "${sw//@DB@/${db%%:*}}"
    done <<<"$tables" | sqlite3 -separator '|' "${db#*:}"
    while IFS= read -r line; do t="${line%%:*}"; cat "$pre.sq.$t.part" >>"$pre.sq.$t"; done <<<"$tables"
  done
  while IFS= read -r line; do
    t="${line%%:*}"
    LC_ALL=C sort -o "$pre.sq.$t" "$pre.sq.$t"; LC_ALL=C sort -o "$pre.pg.$t" "$pre.pg.$t"
  done <<<"$tables"
}
same_ledger() {
  local sensor="$1" db="$2" ok=0 line t
  dump "$sensor" "WHERE sensor = '@DB@'" "WHERE sensor_name = '$sensor'" "" "" "$sensor:$db"
  while IFS= read -r line; do
    t="${line%%:*}"
    if ! cmp -s "$sensor.sq.$t" "$sensor.pg.$t"; then echo "  $sensor: $t differs:"; diff "$sensor.sq.$t" "$sensor.pg.$t" | head -5; ok=1; fi
  done <<<"$tables"
  return $ok
}

same_fleet() {
  local ok=0 line t
  dump fleet "WHERE sensor = '@DB@'" "" "sensor, " "sensor_name, " "$@"
  while IFS= read -r line; do
    t="${line%%:*}"
    if ! cmp -s "fleet.sq.$t" "fleet.pg.$t"; then
      echo "  fleet: $t differs (< missing centrally, > extra centrally):"; diff "fleet.sq.$t" "fleet.pg.$t" | head -5; ok=1
    fi
  done <<<"$tables"
  return $ok
}

# Parent table and key column of each record kind, and the child tables by key column.
parents="asset:assets:id edge:edges:id finding_state:findings_state:finding_id finding_history:findings_history:id advisory:advisories:id snapshot:snapshots:name counter:counters:name run:runs:started_us review:reviews:taken_us"
children="remediation_state:advisory_id:advisories asset_ips:asset_id:assets asset_vlans:asset_id:assets asset_protocols:asset_id:assets facts:asset_id:assets edge_ops:edge_id:edges snapshot_assets:snapshot:snapshots snapshot_asset_ips:snapshot:snapshots snapshot_links:snapshot:snapshots"
one_version() {  # every sensor's: one query
  local c t key parent sql="" bad
  for c in $children; do
    IFS=: read -r t key parent <<<"$c"
    sql+="${sql:+ UNION ALL }SELECT '$t', c.sensor_name, count(*) FROM $t c LEFT JOIN $parent p ON p.sensor_name = c.sensor_name AND p.${parent_key[$parent]} = c.$key WHERE p.version IS NULL OR p.version <> c.version GROUP BY 2"
  done
  bad="$(pg_sql -d mieruka -tA -F ' ' -c "$sql")"
  if [ -n "$bad" ]; then echo "  child rows without their record's version (table, sensor, rows): $bad"; return 1; fi
}
declare -A parent_key=([assets]=id [edges]=id [snapshots]=name [advisories]=id)
central_versions() {
  local p kind t key
  for p in $parents; do
    IFS=: read -r kind t key <<<"$p"
    pg_sql -d mieruka -tAc "SELECT '$kind|' || $key::text || '|' || version FROM $t WHERE sensor_name = '$1'"
  done | LC_ALL=C sort
}
log_of() {
  local p kind t key
  for p in $parents; do
    IFS=: read -r kind t key <<<"$p"
    sqlite3 "$1" "SELECT kind || '|' || c.key || '|' || seq FROM change_log c WHERE c.sensor = '$2' AND kind = '$kind'
                  AND EXISTS (SELECT 1 FROM $t r WHERE r.sensor = c.sensor AND CAST(r.$key AS TEXT) = c.key)"
  done | LC_ALL=C sort
}
records() {  # the records of SENSOR in its ledger DB
  sqlite3 "$1" "SELECT (SELECT count(*) FROM assets WHERE sensor = '$2') + (SELECT count(*) FROM edges WHERE sensor = '$2')
    + (SELECT count(*) FROM findings_state WHERE sensor = '$2') + (SELECT count(*) FROM snapshots WHERE sensor = '$2')
    + (SELECT count(*) FROM counters WHERE sensor = '$2') + (SELECT count(*) FROM runs WHERE sensor = '$2')"
}

# The counts the central store keeps per sensor and table (row_counts, kept by
# triggers) against the rows counted now; a kept 0 is the same as no count.
counted_tables="assets asset_ips asset_vlans asset_protocols facts edges edge_ops findings_state findings_history
advisories remediation_state snapshots snapshot_assets snapshot_asset_ips snapshot_links counters runs reviews outbox"
exact_counts() {
  local t sql="" bad
  for t in $counted_tables; do
    sql+="${sql:+ UNION ALL }SELECT sensor_name, '$t' AS table_name, count(*) AS n FROM $t GROUP BY sensor_name"
  done
  bad="$(pg_sql -d mieruka -tA -F ' ' -c "SELECT coalesce(r.sensor_name, k.sensor_name), coalesce(r.table_name, k.table_name),
    coalesce(r.n, 0), coalesce(k.n, 0) FROM ($sql) r FULL JOIN (SELECT * FROM row_counts WHERE n <> 0) k
    ON k.sensor_name = r.sensor_name AND k.table_name = r.table_name WHERE r.n IS DISTINCT FROM k.n")"
  if [ -n "$bad" ]; then echo "  kept counts that are not the rows' (sensor, table, rows, kept):"; echo "$bad" | head -5; return 1; fi
}
