// Store: SQLite persistence of the ledger. See store.hpp for the contract.
//
// Schema v1 (portable SQL: TEXT, INTEGER, BIGINT only; unsigned counters are
// stored as BIGINT, which holds them until 2^63). Child rows of an asset or an
// edge are rewritten from memory on each flush of that record, so the database
// mirrors the ledger exactly; primary keys make every write an upsert, so
// reading the same capture twice never duplicates a row.
#include "inventory/store/store.hpp"

#include "inventory/policy/policy.hpp"
#include "inventory/store/replication.hpp"
#include "inventory/store/sqlite_statement.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mieruka::inventory {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// Ordered migrations: entry i brings the schema from version i to i + 1. A new
// version is one more entry; never edit a released one.
constexpr std::array<const char*, 11> kMigrations = {
    // v1
    R"sql(
CREATE TABLE assets (
  sensor TEXT NOT NULL,
  id TEXT NOT NULL,
  mac TEXT,
  key_ip TEXT,
  parent_id TEXT,
  route TEXT,
  first_us BIGINT NOT NULL,
  last_us BIGINT NOT NULL,
  packets_sent BIGINT NOT NULL,
  bytes_sent BIGINT NOT NULL,
  router INTEGER NOT NULL,
  PRIMARY KEY (sensor, id)
);
CREATE TABLE asset_ips (
  sensor TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  ip TEXT NOT NULL,
  source TEXT NOT NULL,
  first_us BIGINT NOT NULL,
  last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor, asset_id, ip),
  FOREIGN KEY (sensor, asset_id) REFERENCES assets (sensor, id) ON DELETE CASCADE
);
CREATE TABLE asset_vlans (
  sensor TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  vlan INTEGER NOT NULL,
  PRIMARY KEY (sensor, asset_id, vlan),
  FOREIGN KEY (sensor, asset_id) REFERENCES assets (sensor, id) ON DELETE CASCADE
);
CREATE TABLE asset_protocols (
  sensor TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  protocol TEXT NOT NULL,
  PRIMARY KEY (sensor, asset_id, protocol),
  FOREIGN KEY (sensor, asset_id) REFERENCES assets (sensor, id) ON DELETE CASCADE
);
CREATE TABLE facts (
  sensor TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  source TEXT NOT NULL,
  first_us BIGINT NOT NULL,
  last_us BIGINT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (sensor, asset_id, field, value, source),
  FOREIGN KEY (sensor, asset_id) REFERENCES assets (sensor, id) ON DELETE CASCADE
);
CREATE TABLE edges (
  sensor TEXT NOT NULL,
  id TEXT NOT NULL,
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  protocol TEXT NOT NULL,
  transport TEXT NOT NULL,
  port INTEGER NOT NULL,
  vlan INTEGER NOT NULL,
  packets BIGINT NOT NULL,
  bytes BIGINT NOT NULL,
  first_us BIGINT NOT NULL,
  last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor, id)
);
CREATE INDEX edges_from ON edges (sensor, from_id);
CREATE INDEX edges_to ON edges (sensor, to_id);
CREATE TABLE edge_ops (
  sensor TEXT NOT NULL,
  edge_id TEXT NOT NULL,
  protocol TEXT NOT NULL,
  name TEXT NOT NULL,
  code BIGINT NOT NULL,
  count BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  is_write INTEGER NOT NULL,
  is_control INTEGER NOT NULL,
  has_range INTEGER NOT NULL,
  range_lo BIGINT NOT NULL,
  range_hi BIGINT NOT NULL,
  first_us BIGINT NOT NULL,
  last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor, edge_id, protocol, name, code),
  FOREIGN KEY (sensor, edge_id) REFERENCES edges (sensor, id) ON DELETE CASCADE
);
CREATE TABLE ingested_files (
  sensor TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  path TEXT NOT NULL,
  size BIGINT NOT NULL,
  packets BIGINT NOT NULL,
  ingested_at BIGINT NOT NULL,
  PRIMARY KEY (sensor, fingerprint)
);
CREATE TABLE counters (
  sensor TEXT NOT NULL,
  name TEXT NOT NULL,
  value BIGINT NOT NULL,
  PRIMARY KEY (sensor, name)
);
CREATE TABLE runs (
  sensor TEXT NOT NULL,
  started_us BIGINT NOT NULL,
  ended_us BIGINT NOT NULL,
  command TEXT NOT NULL,
  packets BIGINT NOT NULL,
  drops BIGINT NOT NULL,
  PRIMARY KEY (sensor, started_us)
);
)sql",
    // v2: snapshots of the ledger (inventory/store/snapshot.hpp). Assets and links
    // are kept as their contract JSON (body) so that a diff shows them as they
    // were shown then, whatever later versions change in the live tables.
    R"sql(
CREATE TABLE snapshots (
  sensor TEXT NOT NULL,
  name TEXT NOT NULL,
  taken_us BIGINT NOT NULL,
  observed_until_us BIGINT NOT NULL,
  assets BIGINT NOT NULL,
  links BIGINT NOT NULL,
  PRIMARY KEY (sensor, name)
);
CREATE TABLE snapshot_assets (
  sensor TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  last_us BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (sensor, snapshot, asset_id),
  FOREIGN KEY (sensor, snapshot) REFERENCES snapshots (sensor, name) ON DELETE CASCADE
);
CREATE TABLE snapshot_asset_ips (
  sensor TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  ip TEXT NOT NULL,
  last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor, snapshot, asset_id, ip),
  FOREIGN KEY (sensor, snapshot) REFERENCES snapshots (sensor, name) ON DELETE CASCADE
);
CREATE TABLE snapshot_links (
  sensor TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  link_id TEXT NOT NULL,
  last_us BIGINT NOT NULL,
  packets BIGINT NOT NULL,
  bytes BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (sensor, snapshot, link_id),
  FOREIGN KEY (sensor, snapshot) REFERENCES snapshots (sensor, name) ON DELETE CASCADE
);
)sql",
    // v3: acknowledged findings (inventory/policy/findings.hpp, sensor/delivery/findings_inputs).
    // material_hash is the hash of the evidence acknowledged: when the finding's
    // evidence changes, the acknowledgement no longer applies.
    R"sql(
CREATE TABLE findings_state (
  sensor TEXT NOT NULL,
  finding_id TEXT NOT NULL,
  material_hash TEXT NOT NULL,
  comment TEXT NOT NULL,
  who TEXT NOT NULL,
  when_us BIGINT NOT NULL,
  PRIMARY KEY (sensor, finding_id)
);
)sql",
    // v4: the durable outbox of alerts (sensor/delivery): a message is marked sent
    // only after its receiver accepted it; `id` travels with it so receivers can
    // drop duplicates.
    R"sql(
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  payload BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_us BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  sent_us BIGINT
);
CREATE INDEX outbox_due ON outbox (sent_us, next_attempt_us);
)sql",
    // v5: web console accounts, sessions and the audit log (sensor/web).
    R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'admin')),
  password_hash TEXT NOT NULL,
  created_us BIGINT NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  expires_us BIGINT NOT NULL
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at_us BIGINT NOT NULL,
  user TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
)sql",
    // v6: how far a capture was read (the end of its last whole record) and a
    // hash of its head, so that a file still being written is continued, not
    // read again from the start.
    R"sql(
ALTER TABLE ingested_files ADD COLUMN read_to BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ingested_files ADD COLUMN head TEXT NOT NULL DEFAULT '';
CREATE INDEX ingested_files_path ON ingested_files (sensor, path);
)sql",
    // v7: published advisories imported by `mieruka advisories import` (doc is
    // inventory/advisories to_json, the rest is for listing without parsing it),
    // and the plant's remediation state per asset, advisory and CVE.
    R"sql(
CREATE TABLE advisories (
  sensor TEXT NOT NULL,
  id TEXT NOT NULL,
  source TEXT NOT NULL,
  revision TEXT NOT NULL,
  current_release TEXT NOT NULL,
  title TEXT NOT NULL,
  doc TEXT NOT NULL,
  imported_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  PRIMARY KEY (sensor, id)
);
CREATE TABLE remediation_state (
  sensor TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  advisory_id TEXT NOT NULL,
  cve TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('not_remediated', 'in_progress', 'remediated', 'not_affected', 'compensated')),
  comment TEXT NOT NULL,
  who TEXT NOT NULL,
  when_us BIGINT NOT NULL,
  PRIMARY KEY (sensor, asset_id, advisory_id, cve)
);
)sql",
    // v8: one row per scheduled snapshot the daemon took, never pruned (the
    // snapshots themselves are, by retention): the checklist's evidence that
    // the schedule ran at its interval over the stated period.
    R"sql(
CREATE TABLE reviews (
  sensor TEXT NOT NULL,
  taken_us BIGINT NOT NULL,
  snapshot TEXT NOT NULL,
  previous TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (sensor, taken_us)
);
)sql",
    // v9: the change log of central replication (sensor/central): one row per
    // record of a replicating sensor changed since the central store last
    // committed it, written by these triggers in the transaction that changed
    // the record. A record changed again is deleted and noted anew, with the
    // next seq (AUTOINCREMENT: never reused), which is the version the central
    // store keeps.
    R"sql(
CREATE TABLE central_replication (
  sensor TEXT PRIMARY KEY,
  started_us BIGINT NOT NULL
);
CREATE TABLE change_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sensor TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  changed_us BIGINT NOT NULL,
  UNIQUE (sensor, kind, key)
);
CREATE TRIGGER assets_insert_log AFTER INSERT ON assets
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'asset' AND key = CAST(NEW.id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'asset', CAST(NEW.id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER assets_update_log AFTER UPDATE ON assets
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'asset' AND key = CAST(NEW.id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'asset', CAST(NEW.id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER assets_delete_log AFTER DELETE ON assets
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = OLD.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = OLD.sensor AND kind = 'asset' AND key = CAST(OLD.id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (OLD.sensor, 'asset', CAST(OLD.id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER edges_insert_log AFTER INSERT ON edges
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'edge' AND key = CAST(NEW.id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'edge', CAST(NEW.id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER edges_update_log AFTER UPDATE ON edges
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'edge' AND key = CAST(NEW.id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'edge', CAST(NEW.id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER edges_delete_log AFTER DELETE ON edges
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = OLD.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = OLD.sensor AND kind = 'edge' AND key = CAST(OLD.id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (OLD.sensor, 'edge', CAST(OLD.id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER findings_state_insert_log AFTER INSERT ON findings_state
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'finding_state' AND key = CAST(NEW.finding_id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'finding_state', CAST(NEW.finding_id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER findings_state_update_log AFTER UPDATE ON findings_state
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'finding_state' AND key = CAST(NEW.finding_id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'finding_state', CAST(NEW.finding_id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER findings_state_delete_log AFTER DELETE ON findings_state
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = OLD.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = OLD.sensor AND kind = 'finding_state' AND key = CAST(OLD.finding_id AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (OLD.sensor, 'finding_state', CAST(OLD.finding_id AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER snapshots_insert_log AFTER INSERT ON snapshots
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'snapshot' AND key = CAST(NEW.name AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'snapshot', CAST(NEW.name AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER snapshots_update_log AFTER UPDATE ON snapshots
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'snapshot' AND key = CAST(NEW.name AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'snapshot', CAST(NEW.name AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER snapshots_delete_log AFTER DELETE ON snapshots
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = OLD.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = OLD.sensor AND kind = 'snapshot' AND key = CAST(OLD.name AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (OLD.sensor, 'snapshot', CAST(OLD.name AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER counters_insert_log AFTER INSERT ON counters
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'counter' AND key = CAST(NEW.name AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'counter', CAST(NEW.name AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER counters_update_log AFTER UPDATE ON counters
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'counter' AND key = CAST(NEW.name AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'counter', CAST(NEW.name AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER counters_delete_log AFTER DELETE ON counters
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = OLD.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = OLD.sensor AND kind = 'counter' AND key = CAST(OLD.name AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (OLD.sensor, 'counter', CAST(OLD.name AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER runs_insert_log AFTER INSERT ON runs
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'run' AND key = CAST(NEW.started_us AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'run', CAST(NEW.started_us AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER runs_update_log AFTER UPDATE ON runs
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = NEW.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = NEW.sensor AND kind = 'run' AND key = CAST(NEW.started_us AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (NEW.sensor, 'run', CAST(NEW.started_us AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
CREATE TRIGGER runs_delete_log AFTER DELETE ON runs
WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = OLD.sensor) BEGIN
  DELETE FROM change_log WHERE sensor = OLD.sensor AND kind = 'run' AND key = CAST(OLD.started_us AS TEXT);
  INSERT INTO change_log (sensor, kind, key, changed_us) VALUES (OLD.sensor, 'run', CAST(OLD.started_us AS TEXT),
    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;
)sql",
    // v10: the change-log triggers exist only in a ledger that replicates.
    // Even when they record nothing, each runs for every row a flush writes
    // (a third more time for a 100,000-asset flush, docs/performance.md);
    // Store::start_change_log creates them when replication starts, and
    // logs every record again on a ledger that replicated before this
    // version, so that nothing changed in between is missed.
    R"sql(
DROP TRIGGER IF EXISTS assets_insert_log;
DROP TRIGGER IF EXISTS assets_update_log;
DROP TRIGGER IF EXISTS assets_delete_log;
DROP TRIGGER IF EXISTS edges_insert_log;
DROP TRIGGER IF EXISTS edges_update_log;
DROP TRIGGER IF EXISTS edges_delete_log;
DROP TRIGGER IF EXISTS findings_state_insert_log;
DROP TRIGGER IF EXISTS findings_state_update_log;
DROP TRIGGER IF EXISTS findings_state_delete_log;
DROP TRIGGER IF EXISTS snapshots_insert_log;
DROP TRIGGER IF EXISTS snapshots_update_log;
DROP TRIGGER IF EXISTS snapshots_delete_log;
DROP TRIGGER IF EXISTS counters_insert_log;
DROP TRIGGER IF EXISTS counters_update_log;
DROP TRIGGER IF EXISTS counters_delete_log;
DROP TRIGGER IF EXISTS runs_insert_log;
DROP TRIGGER IF EXISTS runs_update_log;
DROP TRIGGER IF EXISTS runs_delete_log;
)sql",
    // v11: every acknowledgement of a finding, kept (findings_state holds only
    // the one in force): who, when, the comment, and the evidence acknowledged,
    // as its material hash (the rule that reopens a finding: findings.hpp
    // apply_acks) and as data (kind and values JSON, inventory/policy/evidence.hpp),
    // so that a reopened finding shows what was accepted. The acknowledgements
    // already stored are its first rows (their evidence as data is not known).
    R"sql(
CREATE TABLE findings_history (
  id INTEGER PRIMARY KEY,
  sensor TEXT NOT NULL,
  finding_id TEXT NOT NULL,
  at_us BIGINT NOT NULL,
  who TEXT NOT NULL,
  comment TEXT NOT NULL,
  material_hash TEXT NOT NULL,
  evidence_kind TEXT NOT NULL DEFAULT '',
  evidence_values TEXT NOT NULL DEFAULT ''
);
CREATE INDEX findings_history_finding ON findings_history (sensor, finding_id, at_us);
INSERT INTO findings_history (sensor, finding_id, at_us, who, comment, material_hash)
  SELECT sensor, finding_id, when_us, who, comment, material_hash FROM findings_state;
)sql",
};

// Statements reused across flushes (prepared once per connection).
enum Stmt : std::size_t {
  kUpsertAsset,
  kDeleteAssetIps,
  kInsertAssetIp,
  kDeleteAssetVlans,
  kInsertAssetVlan,
  kDeleteAssetProtocols,
  kInsertAssetProtocol,
  kDeleteFacts,
  kInsertFact,
  kUpsertEdge,
  kDeleteEdgeOps,
  kInsertEdgeOp,
  kDeleteEdge,
  kDeleteAsset,
  kStmtCount,
};

constexpr std::array<const char*, kStmtCount> kStmtSql = {
    "INSERT INTO assets (sensor, id, mac, key_ip, parent_id, route, first_us, last_us, packets_sent, bytes_sent, "
    "router) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (sensor, id) DO UPDATE SET "
    "mac = excluded.mac, key_ip = excluded.key_ip, parent_id = excluded.parent_id, route = excluded.route, "
    "first_us = excluded.first_us, last_us = excluded.last_us, packets_sent = excluded.packets_sent, "
    "bytes_sent = excluded.bytes_sent, router = excluded.router",
    "DELETE FROM asset_ips WHERE sensor = ?1 AND asset_id = ?2",
    "INSERT INTO asset_ips (sensor, asset_id, ip, source, first_us, last_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (sensor, asset_id, ip) DO UPDATE SET source = excluded.source, first_us = excluded.first_us, "
    "last_us = excluded.last_us",
    "DELETE FROM asset_vlans WHERE sensor = ?1 AND asset_id = ?2",
    "INSERT INTO asset_vlans (sensor, asset_id, vlan) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (sensor, asset_id, vlan) DO NOTHING",
    "DELETE FROM asset_protocols WHERE sensor = ?1 AND asset_id = ?2",
    "INSERT INTO asset_protocols (sensor, asset_id, protocol) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (sensor, asset_id, protocol) DO NOTHING",
    "DELETE FROM facts WHERE sensor = ?1 AND asset_id = ?2",
    "INSERT INTO facts (sensor, asset_id, field, value, source, first_us, last_us, count) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (sensor, asset_id, field, value, source) DO UPDATE SET "
    "first_us = excluded.first_us, last_us = excluded.last_us, count = excluded.count",
    "INSERT INTO edges (sensor, id, from_id, to_id, protocol, transport, port, vlan, packets, bytes, first_us, "
    "last_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (sensor, id) DO UPDATE SET "
    "from_id = excluded.from_id, to_id = excluded.to_id, protocol = excluded.protocol, "
    "transport = excluded.transport, port = excluded.port, vlan = excluded.vlan, packets = excluded.packets, "
    "bytes = excluded.bytes, first_us = excluded.first_us, last_us = excluded.last_us",
    "DELETE FROM edge_ops WHERE sensor = ?1 AND edge_id = ?2",
    "INSERT INTO edge_ops (sensor, edge_id, protocol, name, code, count, errors, is_write, is_control, has_range, "
    "range_lo, range_hi, first_us, last_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
    "ON CONFLICT (sensor, edge_id, protocol, name, code) DO UPDATE SET count = excluded.count, "
    "errors = excluded.errors, is_write = excluded.is_write, is_control = excluded.is_control, "
    "has_range = excluded.has_range, range_lo = excluded.range_lo, range_hi = excluded.range_hi, "
    "first_us = excluded.first_us, last_us = excluded.last_us",
    "DELETE FROM edges WHERE sensor = ?1 AND id = ?2",
    "DELETE FROM assets WHERE sensor = ?1 AND id = ?2",
};

// One line for an SQLite failure during a write: what happened and what to do.
std::string write_error(const std::string& path, int rc, sqlite3* db) {
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return path + ": disk full: free space on the disk holding " + path + "; nothing was lost, will retry";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return path + ": database locked by another writer for more than " + std::to_string(kBusyTimeoutMs / 1000) +
             " s; stop the other process writing it or use another --db; nothing was lost, will retry";
    case SQLITE_IOERR:
      return path + ": I/O error (" + detail + "); check the disk; nothing was lost, will retry";
    case SQLITE_READONLY:
      return path + ": database is read-only (" + detail + "); check its permissions; nothing was lost, will retry";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return path + ": database is damaged (" + detail + "); move it aside and use another --db";
    default:
      return path + ": write failed (" + detail + "); nothing was lost, will retry";
  }
}

std::string open_error(const std::string& path, int rc, sqlite3* db) {
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return path + ": not a mieruka database (not SQLite); pass another --db";
    case SQLITE_CORRUPT:
      return path + ": database is damaged (" + detail + "); move it aside and use another --db";
    case SQLITE_CANTOPEN:
      return path + ": cannot open (" + detail + "); check that the directory exists and is writable";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return path + ": database locked by another writer; stop it or use another --db";
    case SQLITE_FULL:
      return path + ": disk full; free space on the disk holding " + path;
    default:
      return path + ": cannot open (" + detail + ")";
  }
}

int read_user_version(sqlite3* db, int& version) {
  Statement q(db, "PRAGMA user_version");
  if (q.prepare_rc() != SQLITE_OK) return q.prepare_rc();
  const int rc = q.step();
  if (rc != SQLITE_ROW) return rc;
  version = q.integer(0);
  return SQLITE_OK;
}

// Checks that `path` is an SQLite file before SQLite opens it: SQLite takes an
// empty file for a new database and would write a schema into it. Empty: no
// error. Nothing is written either way.
std::string check_existing_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return path + ": no such database; run `mieruka read` or `mieruka capture` first, or pass another --db";
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read (" + std::strerror(errno) + "); check its permissions or pass another --db";
  static constexpr char kMagic[16] = "SQLite format 3";  // and its NUL: the file header's first 16 bytes
  char head[sizeof kMagic] = {};
  in.read(head, sizeof head);
  if (in.gcount() == 0)
    return path + ": empty file, not a mieruka database; pass the --db that `mieruka read` or `mieruka run` wrote";
  if (in.gcount() != sizeof head || std::memcmp(head, kMagic, sizeof head) != 0)
    return path + ": not a mieruka database (not SQLite); pass another --db";
  return {};
}

// The change log's triggers (created by Store::start_change_log): for every
// record kind, after an insert, update or delete of its own row, the record is
// noted anew (deleted and inserted: the next seq is its version), when its
// sensor replicates. CREATE ... IF NOT EXISTS: run again, it changes nothing.
std::string change_log_trigger_name(const ReplicatedTable& t, std::string_view op) {
  return std::string(t.table) + "_" + std::string(op) + "_log";
}

std::string change_log_triggers() {
  std::string sql;
  for (const ReplicatedTable& t : kReplicatedTables) {
    if (!t.parent) continue;
    for (std::string_view op : {"insert", "update", "delete"}) {
      const std::string row = op == "delete" ? "OLD" : "NEW", kind(t.kind), key(key_column(t));
      std::string upper(op);
      for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
      if (!t.shared_rows.empty()) {
        // A row of the database's own (no sensor): noted for every sensor
        // that replicates, when it is one of the rows that travel.
        std::string cond(t.shared_rows);
        for (std::size_t i = 0; (i = cond.find("kind", i)) != std::string::npos; i += row.size() + 5)
          cond.replace(i, 4, row + ".kind");
        sql += "CREATE TRIGGER IF NOT EXISTS " + change_log_trigger_name(t, op) + " AFTER " + upper + " ON " +
               std::string(t.table) + " WHEN " + cond + " BEGIN DELETE FROM change_log WHERE kind = '" + kind +
               "' AND key = CAST(" + row + "." + key + " AS TEXT); INSERT INTO change_log (sensor, kind, key, "
               "changed_us) SELECT sensor, '" + kind + "', CAST(" + row + "." + key +
               " AS TEXT), CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER) FROM "
               "central_replication; END;\n";
        continue;
      }
      sql += "CREATE TRIGGER IF NOT EXISTS " + change_log_trigger_name(t, op) + " AFTER " + upper + " ON " +
             std::string(t.table) + " WHEN EXISTS (SELECT 1 FROM central_replication WHERE sensor = " + row +
             ".sensor) BEGIN DELETE FROM change_log WHERE sensor = " + row + ".sensor AND kind = '" + kind +
             "' AND key = CAST(" + row + "." + key + " AS TEXT); INSERT INTO change_log (sensor, kind, key, "
             "changed_us) VALUES (" + row + ".sensor, '" + kind + "', CAST(" + row + "." + key +
             " AS TEXT), CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)); END;\n";
    }
  }
  return sql;
}

// The change log's triggers the database has (all, none, or those of the
// record kinds an older mieruka knew).
std::string change_log_trigger_names_sql() {
  std::string names;
  for (const ReplicatedTable& t : kReplicatedTables) {
    if (!t.parent) continue;
    for (std::string_view op : {"insert", "update", "delete"})
      names += (names.empty() ? "'" : ", '") + change_log_trigger_name(t, op) + "'";
  }
  return "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN (" + names + ")";
}

}  // namespace

struct Store::Impl {
  std::string path;
  std::string sensor;
  sqlite3* db = nullptr;
  std::array<Statement, kStmtCount> stmts{};

  ~Impl() {
    for (auto& s : stmts) s = Statement();  // finalized before the connection closes
    sqlite3_close_v2(db);
  }

  // The reusable statement `k`, reset and cleared; nullptr with rc set on failure.
  Statement* stmt(Stmt k, int& rc) {
    if (!stmts[k].ok()) {
      stmts[k] = Statement(db, kStmtSql[k], /*persistent=*/true);
      if (!stmts[k].ok()) {
        rc = stmts[k].prepare_rc();
        return nullptr;
      }
    }
    stmts[k].clear();
    stmts[k].bind(1, sensor);
    rc = SQLITE_OK;
    return &stmts[k];
  }

  int exec(const char* sql) { return inventory::exec(db, sql); }

  int write_asset(const Asset& a);
  int write_edge(const Edge& e);
  int delete_asset(const std::string& id);
};

int Store::Impl::write_asset(const Asset& a) {
  int rc = SQLITE_OK;
  Statement* s = stmt(kUpsertAsset, rc);
  if (s == nullptr) return rc;
  s->bind(2, a.id);
  s->bind_or_null(3, a.mac ? a.mac->to_string() : std::string());
  s->bind_or_null(4, a.key_ip ? a.key_ip->to_string() : std::string());
  s->bind_or_null(5, a.parent_id);
  s->bind_or_null(6, a.route);
  s->bind(7, a.first_us);
  s->bind(8, a.last_us);
  s->bind(9, a.packets_sent);
  s->bind(10, a.bytes_sent);
  s->bind(11, a.router ? 1 : 0);
  if ((rc = s->run()) != SQLITE_OK) return rc;

  for (Stmt del : {kDeleteAssetIps, kDeleteAssetVlans, kDeleteAssetProtocols, kDeleteFacts}) {
    if ((s = stmt(del, rc)) == nullptr) return rc;
    s->bind(2, a.id);
    if ((rc = s->run()) != SQLITE_OK) return rc;
  }
  for (const IpRecord& ip : a.ips) {
    if ((s = stmt(kInsertAssetIp, rc)) == nullptr) return rc;
    s->bind(2, a.id);
    s->bind(3, ip.ip.to_string());
    s->bind(4, ip.source);
    s->bind(5, ip.first_us);
    s->bind(6, ip.last_us);
    if ((rc = s->run()) != SQLITE_OK) return rc;
  }
  for (std::uint16_t vlan : a.vlans) {
    if ((s = stmt(kInsertAssetVlan, rc)) == nullptr) return rc;
    s->bind(2, a.id);
    s->bind(3, vlan);
    if ((rc = s->run()) != SQLITE_OK) return rc;
  }
  for (const std::string& p : a.protocols) {
    if ((s = stmt(kInsertAssetProtocol, rc)) == nullptr) return rc;
    s->bind(2, a.id);
    s->bind(3, p);
    if ((rc = s->run()) != SQLITE_OK) return rc;
  }
  for (const FactRecord& f : a.facts) {
    // The approved list is overlaid at read time (inventory/policy): stored, its
    // columns would outlive a row taken off the list and pass for wire facts.
    if (f.source == kApprovedSource) continue;
    if ((s = stmt(kInsertFact, rc)) == nullptr) return rc;
    s->bind(2, a.id);
    s->bind(3, f.field);
    s->bind(4, f.value);
    s->bind(5, f.source);
    s->bind(6, f.first_us);
    s->bind(7, f.last_us);
    s->bind(8, f.count);
    if ((rc = s->run()) != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

// An asset merged into another (an address first seen through a router, then
// from its own station): its facts, addresses and protocols go with its row
// (ON DELETE CASCADE); its edges were moved and their old rows deleted as
// tombstones.
int Store::Impl::delete_asset(const std::string& id) {
  int rc = SQLITE_OK;
  Statement* s = stmt(kDeleteAsset, rc);
  if (s == nullptr) return rc;
  s->bind(2, id);
  return s->run();
}

int Store::Impl::write_edge(const Edge& e) {
  int rc = SQLITE_OK;
  Statement* s = nullptr;
  if (e.merged_into != kNoEdge) {
    // A tombstone: relabel_edge moved its counts into another edge. Its ops go
    // with it (ON DELETE CASCADE).
    if ((s = stmt(kDeleteEdge, rc)) == nullptr) return rc;
    s->bind(2, e.id);
    return s->run();
  }
  if ((s = stmt(kUpsertEdge, rc)) == nullptr) return rc;
  s->bind(2, e.id);
  s->bind(3, e.from_id);
  s->bind(4, e.to_id);
  s->bind(5, e.protocol);
  s->bind(6, e.transport);
  s->bind(7, e.port);
  s->bind(8, e.vlan);
  s->bind(9, e.packets);
  s->bind(10, e.bytes);
  s->bind(11, e.first_us);
  s->bind(12, e.last_us);
  if ((rc = s->run()) != SQLITE_OK) return rc;

  if ((s = stmt(kDeleteEdgeOps, rc)) == nullptr) return rc;
  s->bind(2, e.id);
  if ((rc = s->run()) != SQLITE_OK) return rc;
  for (const EdgeOp& op : e.ops) {
    if ((s = stmt(kInsertEdgeOp, rc)) == nullptr) return rc;
    s->bind(2, e.id);
    s->bind(3, op.protocol);
    s->bind(4, op.name);
    s->bind(5, op.code);
    s->bind(6, op.count);
    s->bind(7, op.errors);
    s->bind(8, op.is_write ? 1 : 0);
    s->bind(9, op.is_control ? 1 : 0);
    s->bind(10, op.has_range ? 1 : 0);
    s->bind(11, op.range_lo);
    s->bind(12, op.range_hi);
    s->bind(13, op.first_us);
    s->bind(14, op.last_us);
    if ((rc = s->run()) != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

int Store::schema_version() noexcept { return static_cast<int>(kMigrations.size()); }

Store::Store(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::string& Store::path() const noexcept { return impl_->path; }
const std::string& Store::sensor_name() const noexcept { return impl_->sensor; }
sqlite3* Store::native_handle() const noexcept { return impl_->db; }
int Store::exec(const char* sql) { return inventory::exec(impl_->db, sql); }

bool Store::in_transaction() const noexcept { return sqlite3_get_autocommit(impl_->db) == 0; }

std::string Store::error_message() const { return sqlite3_errmsg(impl_->db); }

int Store::error_code() const noexcept { return sqlite3_extended_errcode(impl_->db); }

Statement Store::statement(std::string_view sql) const { return Statement(impl_->db, sql); }

std::optional<Store> Store::open(const std::string& path, std::string sensor_name, std::string& error, bool create) {
  return open(path, std::move(sensor_name), error, create ? OpenMode::create : OpenMode::existing);
}

std::optional<Store> Store::open_reader(const std::string& path, std::string sensor_name, std::string& error) {
  return open(path, std::move(sensor_name), error, OpenMode::read);
}

std::optional<Store> Store::open(const std::string& path, std::string sensor_name, std::string& error,
                                 OpenMode mode) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->sensor = std::move(sensor_name);

  // The file's own header is read (check_existing_file) only when SQLite does
  // not open it as a mieruka ledger, to say why: closing any descriptor of the
  // file drops every POSIX lock this process holds on it, SQLite's included,
  // and another process would then take this process's connections (the
  // daemon's, the console's) for gone and delete the WAL under them.
  const auto why_not = [&](std::string fallback) {
    if (mode != OpenMode::create)
      if (std::string e = check_existing_file(path); !e.empty()) return e;
    return fallback;
  };
  if (std::error_code ec; mode != OpenMode::create && !std::filesystem::exists(path, ec)) {
    error = why_not("");
    return std::nullopt;
  }
  // The database holds the console's password hashes: a new one is made
  // readable by its owner only (SQLite gives its -wal and -shm files the same
  // mode). An empty file is an empty SQLite database.
  if (std::error_code ec; mode == OpenMode::create && !std::filesystem::exists(path, ec)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  // A database another user owns (the file is its owner's only): said before
  // SQLite gives a vaguer "unable to open".
  if (std::error_code ec; std::filesystem::exists(path, ec)) {
    const bool readable = ::access(path.c_str(), R_OK) == 0, writable = ::access(path.c_str(), W_OK) == 0;
    if (!readable || (mode != OpenMode::read && !writable)) {
      error = path + ": not " + (readable ? "writable" : "readable") + " by this user (uid " +
              std::to_string(::geteuid()) +
              "); give it and its -wal/-shm files to the user mieruka runs as (chown), or pass another --db";
      return std::nullopt;
    }
  }
  // A reader opens read-write when it may (never creating): the last connection
  // to close then removes the -wal and -shm files. A read-only connection would
  // leave them behind, owned by whoever ran the command (root, often), and the
  // daemon's service user could not open the database afterwards.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == OpenMode::read && ::access(path.c_str(), W_OK) != 0) flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  if (mode == OpenMode::create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr);
  if (rc != SQLITE_OK) {
    error = why_not(open_error(path, rc, impl->db));
    return std::nullopt;
  }
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, kBusyTimeoutMs);

  // The first read of the header tells a non-SQLite file apart.
  int version = 0;
  if ((rc = read_user_version(impl->db, version)) != SQLITE_OK) {
    error = why_not(open_error(path, rc, impl->db));
    return std::nullopt;
  }
  const int known = schema_version();
  if (version > known) {
    error = path + ": schema version " + std::to_string(version) + " is newer than this mieruka (" +
            std::to_string(known) + "); upgrade mieruka or use another --db";
    return std::nullopt;
  }
  if (version == 0 && mode != OpenMode::create) {
    error = why_not(path + ": an SQLite database but not a mieruka ledger; pass the --db that `mieruka read` or "
                           "`mieruka run` wrote");
    return std::nullopt;
  }
  if (mode == OpenMode::read) {
    if (version < known) {
      error = path + ": schema version " + std::to_string(version) + " is older than this mieruka (" +
              std::to_string(known) + "); the daemon upgrades it at its next start (or run `mieruka read` with it "
              "once), or use the mieruka that wrote it";
      return std::nullopt;
    }
    // Whatever a reading command runs, SQLite refuses to write.
    if ((rc = impl->exec("PRAGMA query_only=ON")) != SQLITE_OK) {
      error = open_error(path, rc, impl->db);
      return std::nullopt;
    }
    return Store(std::move(impl));
  }
  // SQLite opens a file this user may not write read-only, without a word; every
  // flush would then fail. Said now, before anything is captured.
  if (sqlite3_db_readonly(impl->db, "main") == 1) {
    error = path + ": not writable by this user (uid " + std::to_string(::geteuid()) +
            "); give it and its -wal/-shm files to the user mieruka runs as (chown), or pass another --db";
    return std::nullopt;
  }
  {
    // WAL lets readers read while the sensor writes; it persists in the file.
    Statement q(impl->db, "PRAGMA journal_mode=WAL");
    rc = q.prepare_rc() == SQLITE_OK ? q.step() : q.prepare_rc();
    if (rc != SQLITE_ROW) {
      error = open_error(path, rc, impl->db);
      return std::nullopt;
    }
  }
  if ((rc = impl->exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL")) != SQLITE_OK) {
    error = open_error(path, rc, impl->db);
    return std::nullopt;
  }
  for (int v = version; v < known; ++v) {
    // Each migration and its version bump commit together or not at all.
    rc = impl->exec("BEGIN IMMEDIATE");
    if (rc == SQLITE_OK) rc = impl->exec(kMigrations[static_cast<std::size_t>(v)]);
    if (rc == SQLITE_OK) rc = impl->exec(("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
    if (rc == SQLITE_OK) rc = impl->exec("COMMIT");
    if (rc != SQLITE_OK) {
      error = path + ": cannot upgrade the schema to version " + std::to_string(v + 1) + " (" +
              sqlite3_errmsg(impl->db) + ")";
      if (sqlite3_get_autocommit(impl->db) == 0) impl->exec("ROLLBACK");
      // Another process may have migrated it meanwhile: check once more.
      int now = 0;
      if (read_user_version(impl->db, now) == SQLITE_OK && now > v) {
        v = now - 1;
        error.clear();
        continue;
      }
      return std::nullopt;
    }
  }
  return Store(std::move(impl));
}

namespace {

// Records per transaction when a flush falls back to parts (disk full): small
// enough that a part fits in the little space a full disk gets back.
constexpr std::size_t kFlushPartRecords = 32;
constexpr std::size_t kWhole = static_cast<std::size_t>(-1);

struct PartsResult {
  std::size_t stored = 0;  // records committed
  bool complete = false;   // nothing dirty is left
  int rc = SQLITE_OK;      // the failure that ended it
  std::string error;       // its one line
};

// Writes the dirty records in transactions of at most `limit` records:
// assets before edges (an edge's ends must be stored first, foreign keys), the
// deletions with the first part. Each committed part clears its records' marks;
// the first part that fails ends it, with nothing of that part kept.
// (A template only so that it can take Store's private Impl.)
template <typename StoreImpl>
PartsResult flush_in_parts(StoreImpl& d, Ledger& ledger, std::size_t limit) {
  PartsResult out;
  std::size_t next_asset = 0, next_edge = 0;
  bool deletes_done = ledger.removed_ids().empty();
  auto& assets = ledger.assets_mut();
  auto& edges = ledger.edges_mut();
  for (;;) {
    std::vector<std::size_t> part_assets, part_edges;
    int rc = d.exec("BEGIN IMMEDIATE");
    if (rc == SQLITE_OK && !deletes_done) {
      for (const std::string& id : ledger.removed_ids())
        if ((rc = d.delete_asset(id)) != SQLITE_OK) break;
    }
    for (; rc == SQLITE_OK && next_asset < assets.size() && part_assets.size() < limit; ++next_asset) {
      const Asset& a = assets[next_asset];
      if (!a.dirty || a.merged_into != kNoAsset) continue;
      if ((rc = d.write_asset(a)) == SQLITE_OK) part_assets.push_back(next_asset);
    }
    const bool assets_done = next_asset >= assets.size();
    for (; rc == SQLITE_OK && assets_done && next_edge < edges.size() && part_assets.size() + part_edges.size() < limit;
         ++next_edge) {
      if (!edges[next_edge].dirty) continue;
      if ((rc = d.write_edge(edges[next_edge])) == SQLITE_OK) part_edges.push_back(next_edge);
    }
    if (rc == SQLITE_OK) rc = d.exec("COMMIT");
    if (rc != SQLITE_OK) {
      out.rc = rc;
      out.error = write_error(d.path, rc, d.db);
      // SQLite may already have rolled back (e.g. after SQLITE_FULL); the marks
      // of this part stay so a later flush writes the same records again.
      if (sqlite3_get_autocommit(d.db) == 0) d.exec("ROLLBACK");
      return out;
    }
    for (std::size_t i : part_assets) assets[i].dirty = false;
    for (std::size_t i : part_edges) edges[i].dirty = false;
    if (!deletes_done) ledger.clear_removed();
    deletes_done = true;
    out.stored += part_assets.size() + part_edges.size();
    if (assets_done && next_edge >= edges.size()) {
      out.complete = true;
      return out;
    }
  }
}

}  // namespace

StoreStatus Store::flush(Ledger& ledger) {
  Impl& d = *impl_;
  PartsResult r = flush_in_parts(d, ledger, kWhole);
  // A backlog bigger than the free space would fail as one transaction for
  // ever, even after some space is freed: store what fits, in parts.
  if (!r.complete && (r.rc & 0xff) == SQLITE_FULL) {
    std::string error = std::move(r.error);
    r = flush_in_parts(d, ledger, kFlushPartRecords);
    if (!r.complete) {
      if (r.stored > 0)
        error += " (" + std::to_string(r.stored) + " changed record(s) stored in parts; the rest stays for the next flush)";
      return {std::move(error)};
    }
  }
  if (!r.complete) return {std::move(r.error)};
  ledger.clear_dirty();  // also the marks of merged records
  return {};
}

namespace {

// The records a child table's rows belong to, found by merging: the parents
// were read ORDER BY id and the child rows come ORDER BY their parent's id
// (both in SQLite's BINARY order, which is std::string's), so one forward
// cursor finds each row's parent without a map of 100,000 strings.
// The first 8 bytes of `s`, big-endian, zero-padded: a < b on these means
// a < b as strings (BINARY order); equal means compare the whole.
std::uint64_t prefix8(std::string_view s) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0U);
  return v;
}

// Sorts rows read in table order into the order `less` gives (an ORDER BY
// whose first column is key(row)). Most comparisons end on the key's first 8
// bytes, held next to each row's number: a sort that compared the strings
// themselves missed the cache on every one.
template <class Row, class Key, class Less>
void sort_rows(std::vector<Row>& rows, Key key, Less less) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) order[i] = {prefix8(key(rows[i])), static_cast<std::uint32_t>(i)};
  std::sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
    if (x.first != y.first) return x.first < y.first;
    return less(rows[x.second], rows[y.second]);
  });
  std::vector<Row> sorted;
  sorted.reserve(rows.size());
  for (const auto& o : order) sorted.push_back(std::move(rows[o.second]));
  rows.swap(sorted);
}

template <class Record>
class MergeCursor {
 public:
  explicit MergeCursor(std::vector<Record>& records) : records_(records) {}
  // The record with this id, or null (a row whose parent is gone).
  Record* find(const unsigned char* id_text, int id_bytes) {
    const std::string_view id(reinterpret_cast<const char*>(id_text), id_text != nullptr ? id_bytes : 0);
    while (at_ < records_.size() && std::string_view(records_[at_].id) < id) ++at_;
    return at_ < records_.size() && records_[at_].id == id ? &records_[at_] : nullptr;
  }
  Record* find(const Statement& s, int column) { return find(s.text_view(column)); }
  Record* find(std::string_view id) { return find(reinterpret_cast<const unsigned char*>(id.data()), static_cast<int>(id.size())); }

 private:
  std::vector<Record>& records_;
  std::size_t at_ = 0;
};

}  // namespace

StoreStatus Store::load(Ledger& ledger) {
  Impl& d = *impl_;
  auto fail = [&](int rc) {
    // A malformed page is found only when a read reaches it: the same advice
    // as for a file too short to open.
    if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
      return StoreStatus{path() + ": database is damaged (" + sqlite3_errmsg(d.db) + "); move it aside and use another --db"};
    return StoreStatus{path() + ": cannot read (" + sqlite3_errmsg(d.db) + ")" +
                       ((rc & 0xff) == SQLITE_BUSY ? "; another process holds it, retry later" : "")};
  };
  // The child tables are read in key order, each row then found in its table
  // by rowid: pages are visited out of order, and with SQLite's default 2 MiB
  // cache each visit was a pread (half of `mieruka assets` at 100,000 assets).
  // A larger cache for the load alone; the previous size (and memory) after.
  // The largest tables (edges, facts, addresses) are read in table order
  // instead (NOT INDEXED: no index walk and no lookup by rowid per row) and
  // sorted here into the order the ORDER BY gave (std::string's order is
  // SQLite's BINARY collation).
  int cache_pages = -2000;
  {
    Statement q(d.db, "PRAGMA cache_size");
    if (q.prepare_rc() == SQLITE_OK && q.step() == SQLITE_ROW) cache_pages = q.integer(0);
  }
  (void)d.exec("PRAGMA cache_size=-65536");
  // One read transaction, so that the snapshot is consistent while a writer works.
  int rc = d.exec("BEGIN");
  if (rc != SQLITE_OK) return fail(rc);
  struct EndRead {
    Impl& d;
    int cache_pages;
    ~EndRead() {
      d.exec("COMMIT");
      d.exec(("PRAGMA cache_size=" + std::to_string(cache_pages)).c_str());
    }
  } end_read{d, cache_pages};

  std::vector<Asset> assets;
  {
    Statement q(d.db,
            "SELECT id, mac, key_ip, parent_id, route, first_us, last_us, packets_sent, bytes_sent, router "
            "FROM assets WHERE sensor = ?1 ORDER BY id");
    if (q.prepare_rc() != SQLITE_OK) return fail(q.prepare_rc());
    q.bind(1, d.sensor);
    while ((rc = q.step()) == SQLITE_ROW) {
      Asset a;
      a.id = q.text(0);
      if (auto mac = MacAddr::parse(q.text(1))) a.mac = *mac;
      if (auto ip = IpAddr::parse(q.text(2))) a.key_ip = *ip;
      a.parent_id = q.text(3);
      a.route = q.text(4);
      a.first_us = q.int64(5);
      a.last_us = q.int64(6);
      a.packets_sent = q.uint64(7);
      a.bytes_sent = q.uint64(8);
      a.router = q.integer(9) != 0;
      a.dirty = false;
      assets.push_back(std::move(a));
    }
    if (rc != SQLITE_DONE) return fail(rc);
  }
  {
    Statement q(d.db, "SELECT asset_id, ip, source, first_us, last_us FROM asset_ips NOT INDEXED WHERE sensor = ?1");
    if (q.prepare_rc() != SQLITE_OK) return fail(q.prepare_rc());
    q.bind(1, d.sensor);
    struct Row {
      std::string asset_id, ip;
      IpRecord r;
    };
    std::vector<Row> rows;
    while ((rc = q.step()) == SQLITE_ROW)
      rows.push_back(Row{q.text(0), q.text(1),
                         IpRecord{{}, q.int64(3), q.int64(4), q.text(2)}});
    if (rc != SQLITE_DONE) return fail(rc);
    // ORDER BY asset_id, first_us, ip
    sort_rows(rows, [](const Row& r) -> std::string_view { return r.asset_id; }, [](const Row& x, const Row& y) {
      return std::tie(x.asset_id, x.r.first_us, x.ip) < std::tie(y.asset_id, y.r.first_us, y.ip);
    });
    MergeCursor<Asset> parent(assets);
    for (Row& row : rows) {
      Asset* a = parent.find(row.asset_id);
      auto ip = IpAddr::parse(row.ip);
      if (a == nullptr || !ip) continue;
      row.r.ip = *ip;
      a->ips.push_back(std::move(row.r));
    }
  }
  {
    Statement q(d.db, "SELECT asset_id, vlan FROM asset_vlans WHERE sensor = ?1 ORDER BY asset_id, vlan");
    if (q.prepare_rc() != SQLITE_OK) return fail(q.prepare_rc());
    q.bind(1, d.sensor);
    MergeCursor<Asset> parent(assets);
    while ((rc = q.step()) == SQLITE_ROW) {
      Asset* a = parent.find(q, 0);
      if (a == nullptr) continue;
      a->vlans.push_back(static_cast<std::uint16_t>(q.integer(1)));
    }
    if (rc != SQLITE_DONE) return fail(rc);
  }
  {
    Statement q(d.db, "SELECT asset_id, protocol FROM asset_protocols WHERE sensor = ?1 ORDER BY asset_id, protocol");
    if (q.prepare_rc() != SQLITE_OK) return fail(q.prepare_rc());
    q.bind(1, d.sensor);
    MergeCursor<Asset> parent(assets);
    while ((rc = q.step()) == SQLITE_ROW) {
      Asset* a = parent.find(q, 0);
      if (a == nullptr) continue;
      a->protocols.push_back(q.text(1));
    }
    if (rc != SQLITE_DONE) return fail(rc);
  }
  {
    Statement q(d.db, "SELECT asset_id, field, value, source, first_us, last_us, count FROM facts NOT INDEXED "
                  "WHERE sensor = ?1");
    if (q.prepare_rc() != SQLITE_OK) return fail(q.prepare_rc());
    q.bind(1, d.sensor);
    struct Row {
      std::string asset_id;
      FactRecord f;
    };
    std::vector<Row> rows;
    while ((rc = q.step()) == SQLITE_ROW)
      rows.push_back(Row{q.text(0),
                         FactRecord{q.text(1), q.text(2), q.text(3),
                                    q.int64(4), q.int64(5), q.uint64(6)}});
    if (rc != SQLITE_DONE) return fail(rc);
    // ORDER BY asset_id, field, first_us, value, source
    sort_rows(rows, [](const Row& r) -> std::string_view { return r.asset_id; }, [](const Row& x, const Row& y) {
      return std::tie(x.asset_id, x.f.field, x.f.first_us, x.f.value, x.f.source) <
             std::tie(y.asset_id, y.f.field, y.f.first_us, y.f.value, y.f.source);
    });
    MergeCursor<Asset> parent(assets);
    for (Row& row : rows)
      if (Asset* a = parent.find(row.asset_id)) a->facts.push_back(std::move(row.f));
  }

  std::vector<Edge> edges;
  {
    Statement q(d.db,
            "SELECT id, from_id, to_id, protocol, transport, port, vlan, packets, bytes, first_us, last_us "
            "FROM edges NOT INDEXED WHERE sensor = ?1");
    if (q.prepare_rc() != SQLITE_OK) return fail(q.prepare_rc());
    q.bind(1, d.sensor);
    while ((rc = q.step()) == SQLITE_ROW) {
      Edge e;
      e.id = q.text(0);
      e.from_id = q.text(1);
      e.to_id = q.text(2);
      e.protocol = q.text(3);
      e.transport = q.text(4);
      e.port = static_cast<std::uint16_t>(q.integer(5));
      e.vlan = static_cast<std::uint16_t>(q.integer(6));
      e.packets = q.uint64(7);
      e.bytes = q.uint64(8);
      e.first_us = q.int64(9);
      e.last_us = q.int64(10);
      e.dirty = false;
      edges.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return fail(rc);
    // ORDER BY id
    sort_rows(edges, [](const Edge& e) -> std::string_view { return e.id; },
              [](const Edge& x, const Edge& y) { return x.id < y.id; });
  }
  {
    Statement q(d.db,
            "SELECT edge_id, protocol, name, code, count, errors, is_write, is_control, has_range, range_lo, "
            "range_hi, first_us, last_us FROM edge_ops WHERE sensor = ?1 ORDER BY edge_id, protocol, code, name");
    if (q.prepare_rc() != SQLITE_OK) return fail(q.prepare_rc());
    q.bind(1, d.sensor);
    MergeCursor<Edge> parent(edges);
    while ((rc = q.step()) == SQLITE_ROW) {
      Edge* e = parent.find(q, 0);
      if (e == nullptr) continue;
      EdgeOp op;
      op.protocol = q.text(1);
      op.name = q.text(2);
      op.code = static_cast<std::uint32_t>(q.uint64(3));
      op.count = q.uint64(4);
      op.errors = q.uint64(5);
      op.is_write = q.integer(6) != 0;
      op.is_control = q.integer(7) != 0;
      op.has_range = q.integer(8) != 0;
      op.range_lo = static_cast<std::uint32_t>(q.uint64(9));
      op.range_hi = static_cast<std::uint32_t>(q.uint64(10));
      op.first_us = q.int64(11);
      op.last_us = q.int64(12);
      e->ops.push_back(std::move(op));
    }
    if (rc != SQLITE_DONE) return fail(rc);
  }

  ledger.reserve_loaded(assets.size(), edges.size());
  for (Asset& a : assets) ledger.load_asset(std::move(a));
  ledger.load_edges(edges);
  return {};
}

bool Store::has_file(std::string_view fingerprint) {
  Statement q(impl_->db, "SELECT 1 FROM ingested_files WHERE sensor = ?1 AND fingerprint = ?2");
  if (q.prepare_rc() != SQLITE_OK) return false;
  q.bind(1, impl_->sensor);
  q.bind(2, fingerprint);
  return q.step() == SQLITE_ROW;
}

std::optional<IngestedFile> Store::last_read_of(std::string_view path) {
  Statement q(impl_->db,
          "SELECT fingerprint, path, size, packets, ingested_at, read_to, head FROM ingested_files "
          "WHERE sensor = ?1 AND path = ?2 ORDER BY ingested_at DESC, read_to DESC LIMIT 1");
  if (q.prepare_rc() != SQLITE_OK) return std::nullopt;
  q.bind(1, impl_->sensor);
  q.bind(2, path);
  if (q.step() != SQLITE_ROW) return std::nullopt;
  return IngestedFile{q.text(0), q.text(1), q.uint64(2),
                      q.uint64(3),  q.int64(4),  q.uint64(5),
                      q.text(6)};
}

StoreStatus Store::record_file(const IngestedFile& file) {
  Statement q(impl_->db,
          "INSERT INTO ingested_files (sensor, fingerprint, path, size, packets, ingested_at, read_to, head) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (sensor, fingerprint) DO UPDATE SET path = "
          "excluded.path, size = excluded.size, packets = excluded.packets, ingested_at = excluded.ingested_at, "
          "read_to = excluded.read_to, head = excluded.head");
  int rc = q.prepare_rc();
  if (rc == SQLITE_OK) {
    q.bind(1, impl_->sensor);
    q.bind(2, file.fingerprint);
    q.bind(3, file.path);
    q.bind(4, file.size);
    q.bind(5, file.packets);
    q.bind(6, file.ingested_at_us);
    q.bind(7, file.read_to);
    q.bind(8, file.head);
    rc = q.run();
  }
  if (rc != SQLITE_OK) return {write_error(impl_->path, rc, impl_->db)};
  return {};
}

StoreStatus Store::add_counters(const std::map<std::string, std::uint64_t>& deltas) {
  Impl& d = *impl_;
  int rc = d.exec("BEGIN IMMEDIATE");
  if (rc == SQLITE_OK) {
    Statement q(d.db,
            "INSERT INTO counters (sensor, name, value) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (sensor, name) DO UPDATE SET value = counters.value + excluded.value");
    rc = q.prepare_rc();
    for (auto it = deltas.begin(); rc == SQLITE_OK && it != deltas.end(); ++it) {
      q.reset();
      q.bind(1, d.sensor);
      q.bind(2, it->first);
      q.bind(3, it->second);
      rc = q.run();
    }
  }
  if (rc == SQLITE_OK) rc = d.exec("COMMIT");
  if (rc != SQLITE_OK) {
    std::string error = write_error(d.path, rc, d.db);
    if (sqlite3_get_autocommit(d.db) == 0) d.exec("ROLLBACK");
    return {std::move(error)};
  }
  return {};
}

std::map<std::string, std::uint64_t> Store::counters() {
  std::map<std::string, std::uint64_t> out;
  Statement q(impl_->db, "SELECT name, value FROM counters WHERE sensor = ?1");
  if (q.prepare_rc() != SQLITE_OK) return out;
  q.bind(1, impl_->sensor);
  while (q.step() == SQLITE_ROW) out[q.text(0)] = q.uint64(1);
  return out;
}

StoreStatus Store::record_run(const RunRecord& r) {
  Statement q(impl_->db,
          "INSERT INTO runs (sensor, started_us, ended_us, command, packets, drops) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
          "ON CONFLICT (sensor, started_us) DO UPDATE SET ended_us = excluded.ended_us, command = excluded.command, "
          "packets = excluded.packets, drops = excluded.drops");
  int rc = q.prepare_rc();
  if (rc == SQLITE_OK) {
    q.bind(1, impl_->sensor);
    q.bind(2, r.started_us);
    q.bind(3, r.ended_us);
    q.bind(4, r.command);
    q.bind(5, r.packets);
    q.bind(6, r.drops);
    rc = q.run();
  }
  if (rc != SQLITE_OK) return {write_error(impl_->path, rc, impl_->db)};
  return {};
}

StoreStatus Store::record_review(const ReviewRecord& r) {
  Statement q(impl_->db,
          "INSERT INTO reviews (sensor, taken_us, snapshot, previous) VALUES (?1, ?2, ?3, ?4) "
          "ON CONFLICT (sensor, taken_us) DO UPDATE SET snapshot = excluded.snapshot, previous = excluded.previous");
  int rc = q.prepare_rc();
  if (rc == SQLITE_OK) {
    q.bind(1, impl_->sensor);
    q.bind(2, r.taken_us);
    q.bind(3, r.snapshot);
    q.bind(4, r.previous);
    rc = q.run();
  }
  if (rc != SQLITE_OK) return {write_error(impl_->path, rc, impl_->db)};
  return {};
}

std::optional<ReviewFacts> Store::review_facts(std::int64_t from_us, std::int64_t to_us, std::int64_t grace_us,
                                               std::string& error) {
  ReviewFacts f;
  f.from_us = from_us;
  f.to_us = to_us;
  auto failed = [&](int rc) {
    error = impl_->path + ": cannot read the review evidence: " + sqlite3_errstr(rc);
    return std::nullopt;
  };
  {
    Statement q(impl_->db,
            "SELECT (SELECT COUNT(*) FROM reviews WHERE sensor = ?1 AND taken_us >= ?2 AND taken_us <= ?3), "
            "(SELECT MIN(taken_us) FROM reviews WHERE sensor = ?1)");
    if (q.prepare_rc() != SQLITE_OK) return failed(q.prepare_rc());
    q.bind(1, impl_->sensor);
    q.bind(2, from_us);
    q.bind(3, to_us);
    if (const int rc = q.step(); rc != SQLITE_ROW) return failed(rc);
    f.scheduled = q.uint64(0);
    f.first_scheduled_us = q.int64(1);
  }
  {
    // Live runs (`capture`, `run`; a `read` of files is not monitoring), in
    // start order: the union of their spans inside the period.
    Statement q(impl_->db,
            "SELECT started_us, ended_us, packets, drops FROM runs WHERE sensor = ?1 AND command NOT LIKE 'read%' "
            "AND ended_us > ?2 AND started_us < ?3 ORDER BY started_us");
    if (q.prepare_rc() != SQLITE_OK) return failed(q.prepare_rc());
    q.bind(1, impl_->sensor);
    q.bind(2, from_us);
    q.bind(3, to_us);
    std::int64_t covered_to = from_us;
    int rc = SQLITE_ROW;
    while ((rc = q.step()) == SQLITE_ROW) {
      const std::int64_t a = std::max(q.int64(0), covered_to);
      const std::int64_t b = std::min(q.int64(1), to_us);
      if (b > a) {
        f.monitored_us += b - a;
        covered_to = b;
      }
      f.packets += q.uint64(2);
      f.drops += q.uint64(3);
    }
    if (rc != SQLITE_DONE) return failed(rc);
  }
  {
    // Messages queued in the period and due long enough ago to have been sent.
    Statement q(impl_->db,
            "SELECT kind, COUNT(*), COUNT(sent_us) FROM outbox WHERE created_us >= ?1 AND created_us <= ?2 "
            "AND kind IN ('diff', 'alert') GROUP BY kind");
    if (q.prepare_rc() != SQLITE_OK) return failed(q.prepare_rc());
    q.bind(1, from_us);
    q.bind(2, to_us - grace_us);
    int rc = SQLITE_ROW;
    while ((rc = q.step()) == SQLITE_ROW) {
      const bool diff = q.text(0) == "diff";
      (diff ? f.diffs_queued : f.alerts_queued) = q.uint64(1);
      (diff ? f.diffs_delivered : f.alerts_delivered) = q.uint64(2);
    }
    if (rc != SQLITE_DONE) return failed(rc);
  }
  return f;
}

std::vector<std::string> Store::sensors() {
  std::vector<std::string> names;
  Statement q(impl_->db,
          "SELECT sensor FROM assets UNION SELECT sensor FROM snapshots UNION SELECT sensor FROM runs "
          "UNION SELECT sensor FROM ingested_files ORDER BY 1");
  if (q.prepare_rc() != SQLITE_OK) return names;
  while (q.step() == SQLITE_ROW) names.push_back(q.text(0));
  return names;
}

namespace {

// "1.0.10" after "1.0.9": runs of digits compared as numbers, the rest as text.
int compare_dotted(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && a[i2] == '0') ++i2;
      while (j2 < b.size() && b[j2] == '0') ++j2;
      std::size_t ie = i2, je = j2;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      if (ie - i2 != je - j2) return ie - i2 < je - j2 ? -1 : 1;
      if (const int c = a.substr(i2, ie - i2).compare(b.substr(j2, je - j2)); c != 0) return c < 0 ? -1 : 1;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

std::string read_error(const std::string& path, int rc, sqlite3* db) {
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
    return path + ": database is damaged (" + sqlite3_errmsg(db) + "); move it aside and use another --db";
  return path + ": cannot read (" + sqlite3_errmsg(db) + ")" +
         ((rc & 0xff) == SQLITE_BUSY ? "; another process holds it, retry later" : "");
}

}  // namespace

int compare_revisions(std::string_view a_release, std::string_view a_revision, std::string_view b_release,
                      std::string_view b_revision) {
  // Releases written in one ISO 8601 form order as text; a missing one orders first.
  if (const int c = a_release.compare(b_release); c != 0) return c < 0 ? -1 : 1;
  return compare_dotted(a_revision, b_revision);
}

StoreStatus Store::import_advisories(const std::vector<StoredAdvisory>& list, std::vector<AdvisoryImport>& outcomes,
                                     std::int64_t now_us) {
  Impl& d = *impl_;
  outcomes.clear();
  int rc = d.exec("BEGIN IMMEDIATE");
  {
    Statement find(d.db, "SELECT revision, current_release FROM advisories WHERE sensor = ?1 AND id = ?2");
    Statement put(d.db,
              "INSERT INTO advisories (sensor, id, source, revision, current_release, title, doc, imported_us, "
              "updated_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT (sensor, id) DO UPDATE SET "
              "source = excluded.source, revision = excluded.revision, current_release = excluded.current_release, "
              "title = excluded.title, doc = excluded.doc, updated_us = excluded.updated_us");
    if (rc == SQLITE_OK) rc = find.prepare_rc();
    if (rc == SQLITE_OK) rc = put.prepare_rc();
    for (std::size_t i = 0; rc == SQLITE_OK && i < list.size(); ++i) {
      const StoredAdvisory& a = list[i];
      find.reset();
      find.bind(1, d.sensor);
      find.bind(2, a.id);
      AdvisoryImport outcome = AdvisoryImport::added;
      const int step = find.step();
      if (step == SQLITE_ROW) {
        const bool older = compare_revisions(a.current_release, a.revision, find.text(1),
                                             find.text(0)) < 0;
        outcome = older ? AdvisoryImport::kept_newer : AdvisoryImport::updated;
      } else if (step != SQLITE_DONE) {
        rc = step;
        break;
      }
      find.reset();
      if (outcome != AdvisoryImport::kept_newer) {
        put.bind(1, d.sensor);
        put.bind(2, a.id);
        put.bind(3, a.source);
        put.bind(4, a.revision);
        put.bind(5, a.current_release);
        put.bind(6, a.title);
        put.bind(7, a.doc);
        put.bind(8, now_us);
        rc = put.run();
      }
      outcomes.push_back(outcome);
    }
  }
  if (rc == SQLITE_OK) rc = d.exec("COMMIT");
  if (rc != SQLITE_OK) {
    std::string error = write_error(d.path, rc, d.db);
    if (sqlite3_get_autocommit(d.db) == 0) d.exec("ROLLBACK");
    outcomes.clear();
    return {std::move(error)};
  }
  return {};
}

StoreStatus Store::advisories(std::vector<StoredAdvisory>& out, bool with_doc) {
  out.clear();
  Statement q(impl_->db, with_doc ? "SELECT id, source, revision, current_release, title, imported_us, updated_us, doc "
                                "FROM advisories WHERE sensor = ?1 ORDER BY id"
                              : "SELECT id, source, revision, current_release, title, imported_us, updated_us "
                                "FROM advisories WHERE sensor = ?1 ORDER BY id");
  int rc = q.prepare_rc();
  if (rc != SQLITE_OK) return {read_error(impl_->path, rc, impl_->db)};
  q.bind(1, impl_->sensor);
  while ((rc = q.step()) == SQLITE_ROW) {
    StoredAdvisory a;
    a.id = q.text(0);
    a.source = q.text(1);
    a.revision = q.text(2);
    a.current_release = q.text(3);
    a.title = q.text(4);
    a.imported_us = q.int64(5);
    a.updated_us = q.int64(6);
    if (with_doc) a.doc = q.text(7);
    out.push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) {
    out.clear();
    return {read_error(impl_->path, rc, impl_->db)};
  }
  return {};
}

StoreStatus Store::advisories_version(std::string& out) {
  out.clear();
  Statement q(impl_->db, "SELECT COUNT(*), COALESCE(MAX(updated_us), 0) FROM advisories WHERE sensor = ?1");
  int rc = q.prepare_rc();
  if (rc != SQLITE_OK) return {read_error(impl_->path, rc, impl_->db)};
  q.bind(1, impl_->sensor);
  if ((rc = q.step()) != SQLITE_ROW) return {read_error(impl_->path, rc, impl_->db)};
  out = std::to_string(q.int64(0)) + "|" + std::to_string(q.int64(1));
  return {};
}

StoreStatus Store::set_remediation(const std::vector<RemediationState>& states) {
  Impl& d = *impl_;
  int rc = d.exec("BEGIN IMMEDIATE");
  {
    Statement q(d.db,
            "INSERT INTO remediation_state (sensor, asset_id, advisory_id, cve, state, comment, who, when_us) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (sensor, asset_id, advisory_id, cve) DO UPDATE SET "
            "state = excluded.state, comment = excluded.comment, who = excluded.who, when_us = excluded.when_us");
    if (rc == SQLITE_OK) rc = q.prepare_rc();
    for (auto it = states.begin(); rc == SQLITE_OK && it != states.end(); ++it) {
      q.bind(1, d.sensor);
      q.bind(2, it->asset_id);
      q.bind(3, it->advisory_id);
      q.bind(4, it->cve);
      q.bind(5, it->state);
      q.bind(6, it->comment);
      q.bind(7, it->who);
      q.bind(8, it->when_us);
      rc = q.run();
    }
  }
  {
    // A remediation state belongs to its advisory's record (replication.hpp):
    // touching the advisory's row notes the record for the central store.
    Statement q(d.db, "UPDATE advisories SET updated_us = updated_us WHERE sensor = ?1 AND id = ?2");
    if (rc == SQLITE_OK) rc = q.prepare_rc();
    for (auto it = states.begin(); rc == SQLITE_OK && it != states.end(); ++it) {
      q.bind(1, d.sensor);
      q.bind(2, it->advisory_id);
      rc = q.run();
    }
  }
  if (rc == SQLITE_OK) rc = d.exec("COMMIT");
  if (rc != SQLITE_OK) {
    std::string error = write_error(d.path, rc, d.db);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) error = d.path + ": not a remediation state (" + sqlite3_errmsg(d.db) + ")";
    if (sqlite3_get_autocommit(d.db) == 0) d.exec("ROLLBACK");
    return {std::move(error)};
  }
  return {};
}

StoreStatus Store::remediation_states(std::vector<RemediationState>& out) {
  out.clear();
  Statement q(impl_->db,
          "SELECT asset_id, advisory_id, cve, state, comment, who, when_us FROM remediation_state WHERE sensor = ?1 "
          "ORDER BY asset_id, advisory_id, cve");
  int rc = q.prepare_rc();
  if (rc != SQLITE_OK) return {read_error(impl_->path, rc, impl_->db)};
  q.bind(1, impl_->sensor);
  while ((rc = q.step()) == SQLITE_ROW)
    out.push_back({q.text(0), q.text(1), q.text(2), q.text(3),
                   q.text(4), q.text(5), q.int64(6)});
  if (rc != SQLITE_DONE) {
    out.clear();
    return {read_error(impl_->path, rc, impl_->db)};
  }
  return {};
}

StoreStatus Store::start_change_log(std::int64_t now_us) {
  Impl& d = *impl_;
  int rc = d.exec("BEGIN IMMEDIATE");
  bool started = false, triggers = false;
  if (rc == SQLITE_OK) {
    Statement q(d.db, "SELECT 1 FROM central_replication WHERE sensor = ?1");
    rc = q.prepare_rc();
    if (rc == SQLITE_OK) {
      q.bind(1, d.sensor);
      const int step = q.step();
      started = step == SQLITE_ROW;
      if (step != SQLITE_ROW && step != SQLITE_DONE) rc = step;
    }
  }
  // The kinds whose three triggers exist: a ledger that replicated under an
  // older mieruka lacks those of the kinds it did not know (or all of them).
  std::set<std::string_view> logged_kinds;
  if (rc == SQLITE_OK) {
    std::set<std::string> names;
    Statement q(d.db, change_log_trigger_names_sql().c_str());
    rc = q.prepare_rc();
    if (rc == SQLITE_OK) {
      while ((rc = q.step()) == SQLITE_ROW) names.insert(q.text(0));
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    triggers = true;
    for (const ReplicatedTable& t : kReplicatedTables) {
      if (!t.parent) continue;
      bool all = true;
      for (std::string_view op : {"insert", "update", "delete"}) all = all && names.count(change_log_trigger_name(t, op));
      if (all) logged_kinds.insert(t.kind);
      triggers = triggers && all;
    }
  }
  if (rc == SQLITE_OK && !triggers) rc = d.exec(change_log_triggers().c_str());
  if (rc == SQLITE_OK && !started) {
    // Versions start from the clock (in microseconds) the first time, so that a
    // sensor whose database was replaced still writes versions above those its
    // old database sent: the central store keeps only newer versions.
    const std::string seed = std::to_string(now_us);
    rc = d.exec(("UPDATE sqlite_sequence SET seq = max(seq, " + seed + ") WHERE name = 'change_log'; "
                 "INSERT INTO sqlite_sequence (name, seq) SELECT 'change_log', " + seed +
                 " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'change_log')")
                    .c_str());
    {
      Statement q(d.db, "INSERT INTO central_replication (sensor, started_us) VALUES (?1, ?2)");
      if (rc == SQLITE_OK) rc = q.prepare_rc();
      if (rc == SQLITE_OK) {
        q.bind(1, d.sensor);
        q.bind(2, now_us);
        rc = q.run();
      }
    }
  }
  // Every record is logged the first time; later, those of every kind whose
  // triggers were missing (all kinds in a ledger that replicated before they
  // moved here; the kinds an older mieruka did not replicate): whatever
  // changed without them is sent, and nothing else again.
  if (!started || !triggers) {
    for (const ReplicatedTable& t : kReplicatedTables) {
      if (rc != SQLITE_OK) break;
      if (!t.parent || (started && logged_kinds.count(t.kind) != 0)) continue;
      const std::string sql = "INSERT OR IGNORE INTO change_log (sensor, kind, key, changed_us) SELECT " +
                              std::string(t.shared_rows.empty() ? "sensor" : "?1") + ", '" + std::string(t.kind) +
                              "', CAST(" + std::string(key_column(t)) + " AS TEXT), ?2 FROM " + std::string(t.table) +
                              " WHERE " + (t.shared_rows.empty() ? std::string("sensor = ?1") : std::string(t.shared_rows));
      Statement q(d.db, sql.c_str());
      rc = q.prepare_rc();
      if (rc != SQLITE_OK) break;
      q.bind(1, d.sensor);
      q.bind(2, now_us);
      rc = q.run();
    }
  }
  if (rc == SQLITE_OK) rc = d.exec("COMMIT");
  if (rc != SQLITE_OK) {
    std::string error = write_error(d.path, rc, d.db);
    if (sqlite3_get_autocommit(d.db) == 0) d.exec("ROLLBACK");
    return {std::move(error)};
  }
  return {};
}

StoreStatus Store::pending_changes(std::size_t limit, ChangeBatch& out) {
  Impl& d = *impl_;
  out = ChangeBatch{};
  out.rows.resize(kReplicatedTables.size());
  int rc = d.exec("BEGIN");
  if (rc != SQLITE_OK) return {read_error(d.path, rc, d.db)};
  struct EndRead {
    Impl& d;
    ~EndRead() { d.exec("COMMIT"); }
  } end_read{d};
  {
    Statement q(d.db, "SELECT seq, kind, key, changed_us FROM change_log WHERE sensor = ?1 ORDER BY seq LIMIT ?2");
    if ((rc = q.prepare_rc()) != SQLITE_OK) return {read_error(d.path, rc, d.db)};
    q.bind(1, d.sensor);
    q.bind(2, limit);
    while ((rc = q.step()) == SQLITE_ROW)
      out.changes.push_back({q.int64(0), q.text(1), q.text(2),
                             q.int64(3)});
    if (rc != SQLITE_DONE) return {read_error(d.path, rc, d.db)};
  }
  {
    Statement q(d.db, "SELECT COUNT(*), COALESCE(MIN(changed_us), 0) FROM change_log WHERE sensor = ?1 AND seq > ?2");
    if ((rc = q.prepare_rc()) != SQLITE_OK) return {read_error(d.path, rc, d.db)};
    q.bind(1, d.sensor);
    q.bind(2, out.changes.empty() ? 0 : out.changes.back().seq);
    if ((rc = q.step()) != SQLITE_ROW) return {read_error(d.path, rc, d.db)};
    out.remaining = q.uint64(0);
    out.oldest_remaining_us = q.int64(1);
  }
  for (std::size_t t = 0; t < kReplicatedTables.size(); ++t) {
    const ReplicatedTable& table = kReplicatedTables[t];
    const std::string sql = "SELECT " + std::string(table.columns) + " FROM " + std::string(table.table) +
                            " WHERE " +
                            (table.shared_rows.empty() ? std::string("sensor = ?1")
                                                       : "?1 = ?1 AND " + std::string(table.shared_rows)) +
                            " AND " + std::string(key_column(table)) + " = ?2";
    Statement q(d.db, sql.c_str());
    if ((rc = q.prepare_rc()) != SQLITE_OK) return {read_error(d.path, rc, d.db)};
    const int columns = q.column_count();
    for (const ChangeRecord& c : out.changes) {
      if (c.kind != table.kind) continue;
      q.reset();
      q.bind(1, d.sensor);
      if (table.key_type == "bigint") {
        q.bind(2, std::strtoll(c.key.c_str(), nullptr, 10));
      } else {
        q.bind(2, c.key);
      }
      while ((rc = q.step()) == SQLITE_ROW) {
        ReplicaRow row(static_cast<std::size_t>(columns));
        for (int i = 0; i < columns; ++i)
          if (!q.is_null(i)) row[static_cast<std::size_t>(i)] = q.text(i);
        out.rows[t].push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) return {read_error(d.path, rc, d.db)};
    }
  }
  return {};
}

StoreStatus Store::drop_changes(const std::vector<ChangeRecord>& sent) {
  Impl& d = *impl_;
  int rc = d.exec("BEGIN IMMEDIATE");
  {
    Statement q(d.db, "DELETE FROM change_log WHERE seq = ?1");
    if (rc == SQLITE_OK) rc = q.prepare_rc();
    for (auto it = sent.begin(); rc == SQLITE_OK && it != sent.end(); ++it) {
      q.bind(1, it->seq);
      rc = q.run();
    }
  }
  if (rc == SQLITE_OK) rc = d.exec("COMMIT");
  if (rc != SQLITE_OK) {
    std::string error = write_error(d.path, rc, d.db);
    if (sqlite3_get_autocommit(d.db) == 0) d.exec("ROLLBACK");
    return {std::move(error)};
  }
  return {};
}

}  // namespace mieruka::inventory
