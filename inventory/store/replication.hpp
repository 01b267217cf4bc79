// The tables a sensor replicates to the central store (sensor/central), by
// record kind. A record is one row of its kind's parent table plus the rows of
// its child tables that carry its key; it travels whole, so the central copy of
// a record is always one state the sensor had. The central tables have the
// same columns, with `sensor` named `sensor_name` and a `version` added
// (sensor/central/schema.cpp).
#pragma once

#include <array>
#include <string_view>

namespace mieruka::inventory {

struct ReplicatedTable {
  std::string_view kind;     // "asset", "edge", ...
  std::string_view table;    // the same name in SQLite and PostgreSQL
  bool parent;               // the record's own row (one per record)
  std::string_view key_type; // PostgreSQL type of the key (the first column)
  std::string_view columns;  // every column but the sensor, the record's key first
  std::string_view primary;  // the primary key without the sensor
  // Empty for a table of the sensor's own rows (a `sensor` column). Else the
  // table is the database's, shared by its sensors (it has no `sensor`
  // column): its rows matching this condition travel with every sensor of
  // the database that replicates, as they count in each one's reports.
  std::string_view shared_rows = {};
};

inline constexpr std::array<ReplicatedTable, 19> kReplicatedTables = {{
    {"asset", "assets", true, "text",
     "id, mac, key_ip, parent_id, route, first_us, last_us, packets_sent, bytes_sent, router", "id"},
    {"asset", "asset_ips", false, "text", "asset_id, ip, source, first_us, last_us", "asset_id, ip"},
    {"asset", "asset_vlans", false, "text", "asset_id, vlan", "asset_id, vlan"},
    {"asset", "asset_protocols", false, "text", "asset_id, protocol", "asset_id, protocol"},
    {"asset", "facts", false, "text", "asset_id, field, value, source, first_us, last_us, count",
     "asset_id, field, value, source"},
    {"edge", "edges", true, "text",
     "id, from_id, to_id, protocol, transport, port, vlan, packets, bytes, first_us, last_us", "id"},
    {"edge", "edge_ops", false, "text",
     "edge_id, protocol, name, code, count, errors, is_write, is_control, has_range, range_lo, range_hi, first_us, "
     "last_us",
     "edge_id, protocol, name, code"},
    {"finding_state", "findings_state", true, "text", "finding_id, material_hash, comment, who, when_us",
     "finding_id"},
    // Every acknowledgement as it was made (who, when, the comment, the
    // evidence then): rows are only ever added.
    {"finding_history", "findings_history", true, "bigint",
     "id, finding_id, at_us, who, comment, material_hash, evidence_kind, evidence_values", "id"},
    // An imported advisory (its CSAF document as stored) with this sensor's
    // remediation states for it: the fleet's findings are judged by them.
    {"advisory", "advisories", true, "text", "id, source, revision, current_release, title, doc, imported_us, updated_us",
     "id"},
    {"advisory", "remediation_state", false, "text", "advisory_id, asset_id, cve, state, comment, who, when_us",
     "advisory_id, asset_id, cve"},
    {"snapshot", "snapshots", true, "text", "name, taken_us, observed_until_us, assets, links", "name"},
    {"snapshot", "snapshot_assets", false, "text", "snapshot, asset_id, last_us, body", "snapshot, asset_id"},
    {"snapshot", "snapshot_asset_ips", false, "text", "snapshot, asset_id, ip, last_us", "snapshot, asset_id, ip"},
    {"snapshot", "snapshot_links", false, "text", "snapshot, link_id, last_us, packets, bytes, body",
     "snapshot, link_id"},
    {"counter", "counters", true, "text", "name, value", "name"},
    {"run", "runs", true, "bigint", "started_us, ended_us, command, packets, drops", "started_us"},
    // The scheduled snapshots the daemon took (kept when retention prunes the
    // snapshot) and the scheduled diffs and alerts it queued, with when each
    // was accepted: the checklist's review evidence (Store::review_facts).
    // Of an outbox message only these columns travel, never its subject or
    // payload.
    {"review", "reviews", true, "bigint", "taken_us, snapshot, previous", "taken_us"},
    {"delivery", "outbox", true, "text", "id, channel, kind, created_us, sent_us", "id",
     "kind IN ('diff', 'alert')"},
}};

// The first column of a table's list: the record's key.
[[nodiscard]] constexpr std::string_view key_column(const ReplicatedTable& t) {
  return t.columns.substr(0, t.columns.find(','));
}

}  // namespace mieruka::inventory
