# The central store's e2e helpers (after lib/postgres.sh, in the test's directory).
#   same_ledger SENSOR DB   every replicated table of SENSOR: the rows in its SQLite
#                           ledger DB and in the central database `mieruka` are the same set

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
snapshots:name,taken_us,observed_until_us,assets,links
snapshot_assets:snapshot,asset_id,last_us,body
snapshot_asset_ips:snapshot,asset_id,ip,last_us
snapshot_links:snapshot,link_id,last_us,packets,bytes,body
counters:name,value
runs:started_us,ended_us,command,packets,drops"
same_ledger() {
  local sensor="$1" db="$2" ok=0 line t cols
  while IFS= read -r line; do
    t="${line%%:*}"; cols="${line#*:}"
    sqlite3 -separator '|' "$db" "SELECT $cols FROM $t WHERE sensor = '$sensor'" | LC_ALL=C sort >"sq.$t"
    pg_sql -d mieruka -tA -F '|' -c "SELECT $cols FROM $t WHERE sensor_name = '$sensor'" | LC_ALL=C sort >"pg.$t"
    if ! cmp -s "sq.$t" "pg.$t"; then echo "  $sensor: $t differs:"; diff "sq.$t" "pg.$t" | head -5; ok=1; fi
  done <<<"$tables"
  return $ok
}
