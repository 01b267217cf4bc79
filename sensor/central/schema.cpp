// Central schema migrations (see schema.hpp).
#include "sensor/central/schema.hpp"

#include <array>

namespace mieruka::sensor::central {
namespace {

// Entry i brings the schema from version i to i + 1; never edit a released one.
constexpr std::array<const char*, 4> kMigrations = {
    // v1: the sensors, their ledgers (assets with addresses, VLANs, protocols
    // and facts; edges with operations), finding states, snapshots, capture
    // counters and runs; the roles and row-level security.
    R"sql(
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mieruka_sensor') THEN CREATE ROLE mieruka_sensor NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mieruka_console') THEN CREATE ROLE mieruka_console NOLOGIN; END IF;
END $$;
CREATE TABLE sensors (
  sensor_name TEXT PRIMARY KEY,
  first_us BIGINT NOT NULL,           -- first change received (server clock)
  received_us BIGINT NOT NULL,        -- last batch committed (server clock)
  last_change_us BIGINT NOT NULL,     -- newest change in it (sensor clock)
  changes BIGINT NOT NULL,            -- changes received in all
  backlog BIGINT NOT NULL,            -- changes still queued at the sensor after it
  oldest_pending_us BIGINT NOT NULL   -- when the oldest of those was made (sensor clock; 0: none)
);
CREATE TABLE assets (
  sensor_name TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL,
  mac TEXT, key_ip TEXT, parent_id TEXT, route TEXT,
  first_us BIGINT NOT NULL, last_us BIGINT NOT NULL, packets_sent BIGINT NOT NULL, bytes_sent BIGINT NOT NULL,
  router INTEGER NOT NULL,
  PRIMARY KEY (sensor_name, id)
);
CREATE TABLE asset_ips (
  sensor_name TEXT NOT NULL, asset_id TEXT NOT NULL, version BIGINT NOT NULL,
  ip TEXT NOT NULL, source TEXT NOT NULL, first_us BIGINT NOT NULL, last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, asset_id, ip)
);
CREATE TABLE asset_vlans (
  sensor_name TEXT NOT NULL, asset_id TEXT NOT NULL, version BIGINT NOT NULL, vlan INTEGER NOT NULL,
  PRIMARY KEY (sensor_name, asset_id, vlan)
);
CREATE TABLE asset_protocols (
  sensor_name TEXT NOT NULL, asset_id TEXT NOT NULL, version BIGINT NOT NULL, protocol TEXT NOT NULL,
  PRIMARY KEY (sensor_name, asset_id, protocol)
);
CREATE TABLE facts (
  sensor_name TEXT NOT NULL, asset_id TEXT NOT NULL, version BIGINT NOT NULL,
  field TEXT NOT NULL, value TEXT NOT NULL, source TEXT NOT NULL,
  first_us BIGINT NOT NULL, last_us BIGINT NOT NULL, count BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, asset_id, field, value, source)
);
CREATE TABLE edges (
  sensor_name TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL,
  from_id TEXT NOT NULL, to_id TEXT NOT NULL, protocol TEXT NOT NULL, transport TEXT NOT NULL,
  port INTEGER NOT NULL, vlan INTEGER NOT NULL, packets BIGINT NOT NULL, bytes BIGINT NOT NULL,
  first_us BIGINT NOT NULL, last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, id)
);
CREATE TABLE edge_ops (
  sensor_name TEXT NOT NULL, edge_id TEXT NOT NULL, version BIGINT NOT NULL,
  protocol TEXT NOT NULL, name TEXT NOT NULL, code BIGINT NOT NULL, count BIGINT NOT NULL, errors BIGINT NOT NULL,
  is_write INTEGER NOT NULL, is_control INTEGER NOT NULL, has_range INTEGER NOT NULL,
  range_lo BIGINT NOT NULL, range_hi BIGINT NOT NULL, first_us BIGINT NOT NULL, last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, edge_id, protocol, name, code)
);
CREATE TABLE findings_state (
  sensor_name TEXT NOT NULL, finding_id TEXT NOT NULL, version BIGINT NOT NULL,
  material_hash TEXT NOT NULL, comment TEXT NOT NULL, who TEXT NOT NULL, when_us BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, finding_id)
);
CREATE TABLE snapshots (
  sensor_name TEXT NOT NULL, name TEXT NOT NULL, version BIGINT NOT NULL,
  taken_us BIGINT NOT NULL, observed_until_us BIGINT NOT NULL, assets BIGINT NOT NULL, links BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, name)
);
CREATE TABLE snapshot_assets (
  sensor_name TEXT NOT NULL, snapshot TEXT NOT NULL, version BIGINT NOT NULL,
  asset_id TEXT NOT NULL, last_us BIGINT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (sensor_name, snapshot, asset_id)
);
CREATE TABLE snapshot_asset_ips (
  sensor_name TEXT NOT NULL, snapshot TEXT NOT NULL, version BIGINT NOT NULL,
  asset_id TEXT NOT NULL, ip TEXT NOT NULL, last_us BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, snapshot, asset_id, ip)
);
CREATE TABLE snapshot_links (
  sensor_name TEXT NOT NULL, snapshot TEXT NOT NULL, version BIGINT NOT NULL,
  link_id TEXT NOT NULL, last_us BIGINT NOT NULL, packets BIGINT NOT NULL, bytes BIGINT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (sensor_name, snapshot, link_id)
);
CREATE TABLE counters (
  sensor_name TEXT NOT NULL, name TEXT NOT NULL, version BIGINT NOT NULL, value BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, name)
);
CREATE TABLE runs (
  sensor_name TEXT NOT NULL, started_us BIGINT NOT NULL, version BIGINT NOT NULL,
  ended_us BIGINT NOT NULL, command TEXT NOT NULL, packets BIGINT NOT NULL, drops BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, started_us)
);
-- The console's look-ups across the fleet: one device seen by several sensors
-- (same MAC, or same address), vendor and model searches, recent activity,
-- a device's links. Per sensor, the primary keys serve.
CREATE INDEX assets_mac ON assets (mac) WHERE mac IS NOT NULL;
CREATE INDEX assets_key_ip ON assets (key_ip) WHERE key_ip IS NOT NULL;
CREATE INDEX assets_last ON assets (sensor_name, last_us);
CREATE INDEX asset_ips_ip ON asset_ips (ip);
CREATE INDEX facts_field_value ON facts (field, value);
CREATE INDEX edges_from ON edges (sensor_name, from_id);
CREATE INDEX edges_to ON edges (sensor_name, to_id);
CREATE INDEX edges_protocol ON edges (protocol, port);
CREATE INDEX snapshots_taken ON snapshots (sensor_name, taken_us);
CREATE INDEX runs_ended ON runs (sensor_name, ended_us);
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['sensors', 'assets', 'asset_ips', 'asset_vlans', 'asset_protocols', 'facts', 'edges',
                           'edge_ops', 'findings_state', 'snapshots', 'snapshot_assets', 'snapshot_asset_ips',
                           'snapshot_links', 'counters', 'runs'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY sensor_own_rows ON %I TO mieruka_sensor '
                   'USING (sensor_name = current_user) WITH CHECK (sensor_name = current_user)', t);
    EXECUTE format('CREATE POLICY console_reads_all ON %I FOR SELECT TO mieruka_console USING (true)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mieruka_sensor', t);
    EXECUTE format('GRANT SELECT ON %I TO mieruka_console', t);
  END LOOP;
END $$;
GRANT SELECT ON mieruka_schema TO mieruka_sensor, mieruka_console;
)sql",
    // v2: the site each sensor belongs to (its [central] `site`; '' for
    // none), which the reading commands select sensors by and merge a fleet
    // by; the findings' history (each acknowledgement with who, when, the
    // comment and the evidence it was made on), the imported advisories and
    // their remediation states, under the same rules as the other tables.
    R"sql(
ALTER TABLE sensors ADD COLUMN site TEXT NOT NULL DEFAULT '';
CREATE INDEX sensors_site ON sensors (site);
CREATE TABLE findings_history (
  sensor_name TEXT NOT NULL, id BIGINT NOT NULL, version BIGINT NOT NULL,
  finding_id TEXT NOT NULL, at_us BIGINT NOT NULL, who TEXT NOT NULL, comment TEXT NOT NULL,
  material_hash TEXT NOT NULL, evidence_kind TEXT NOT NULL, evidence_values TEXT NOT NULL,
  PRIMARY KEY (sensor_name, id)
);
CREATE INDEX findings_history_finding ON findings_history (sensor_name, finding_id, at_us);
CREATE TABLE advisories (
  sensor_name TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL,
  source TEXT NOT NULL, revision TEXT NOT NULL, current_release TEXT NOT NULL, title TEXT NOT NULL,
  doc TEXT NOT NULL, imported_us BIGINT NOT NULL, updated_us BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, id)
);
CREATE TABLE remediation_state (
  sensor_name TEXT NOT NULL, advisory_id TEXT NOT NULL, version BIGINT NOT NULL,
  asset_id TEXT NOT NULL, cve TEXT NOT NULL, state TEXT NOT NULL, comment TEXT NOT NULL, who TEXT NOT NULL,
  when_us BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, advisory_id, asset_id, cve)
);
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['findings_history', 'advisories', 'remediation_state'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY sensor_own_rows ON %I TO mieruka_sensor '
                   'USING (sensor_name = current_user) WITH CHECK (sensor_name = current_user)', t);
    EXECUTE format('CREATE POLICY console_reads_all ON %I FOR SELECT TO mieruka_console USING (true)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mieruka_sensor', t);
    EXECUTE format('GRANT SELECT ON %I TO mieruka_console', t);
  END LOOP;
END $$;
)sql",
    // v3: the checklist's review evidence: the scheduled snapshots each sensor
    // took (kept when retention prunes the snapshot) and the scheduled diffs
    // and alerts it queued with when each was accepted (no subject, no
    // payload); and, with the sensor's row, what its config says of the
    // reviews: the time zone, the snapshot schedule ('' for none) and its
    // zone, and how many channels send the scheduled diffs (NULL until a
    // sensor under this schema sends a batch).
    R"sql(
ALTER TABLE sensors ADD COLUMN time_zone TEXT, ADD COLUMN review_schedule TEXT, ADD COLUMN schedule_zone TEXT,
  ADD COLUMN diff_channels INTEGER;
CREATE TABLE reviews (
  sensor_name TEXT NOT NULL, taken_us BIGINT NOT NULL, version BIGINT NOT NULL,
  snapshot TEXT NOT NULL, previous TEXT NOT NULL,
  PRIMARY KEY (sensor_name, taken_us)
);
CREATE TABLE outbox (
  sensor_name TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL,
  channel TEXT NOT NULL, kind TEXT NOT NULL, created_us BIGINT NOT NULL, sent_us BIGINT,
  PRIMARY KEY (sensor_name, id)
);
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['reviews', 'outbox'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY sensor_own_rows ON %I TO mieruka_sensor '
                   'USING (sensor_name = current_user) WITH CHECK (sensor_name = current_user)', t);
    EXECUTE format('CREATE POLICY console_reads_all ON %I FOR SELECT TO mieruka_console USING (true)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mieruka_sensor', t);
    EXECUTE format('GRANT SELECT ON %I TO mieruka_console', t);
  END LOOP;
END $$;
)sql",
    // v4: each sensor's rows per table (row_counts), kept exact at every
    // commit by triggers on every replicated table, whoever writes: a
    // sensor's batch, the owner by hand. `central status` reads them instead
    // of counting every row of the store on each call. Statement triggers
    // with transition tables add what a statement inserted and take away
    // what it deleted, per sensor_name (an upsert's updated rows are in no
    // INSERT transition table: an update changes no count); a row moved to
    // another sensor_name (only the owner can) moves its count; a TRUNCATE
    // forgets the table's counts. The trigger functions run as the schema's
    // owner (SECURITY DEFINER, search_path fixed to the schema's own): a
    // sensor role may only read its own counts, never write a count, not even
    // its own; what the functions add is only what the statement itself
    // wrote, which row-level security already limited to the writer's rows.
    // The tables are locked before the triggers exist and counted after, in
    // this transaction: no write falls between the count and the triggers.
    R"sql(
LOCK TABLE assets, asset_ips, asset_vlans, asset_protocols, facts, edges, edge_ops, findings_state, findings_history,
  advisories, remediation_state, snapshots, snapshot_assets, snapshot_asset_ips, snapshot_links, counters, runs,
  reviews, outbox IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE row_counts (
  sensor_name TEXT NOT NULL, table_name TEXT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (sensor_name, table_name)
);
CREATE FUNCTION row_counts_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
BEGIN
  INSERT INTO row_counts AS c (sensor_name, table_name, n)
    SELECT sensor_name, TG_TABLE_NAME, CASE TG_OP WHEN 'DELETE' THEN -count(*) ELSE count(*) END
      FROM changed_rows GROUP BY sensor_name
    ON CONFLICT (sensor_name, table_name) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $f$;
CREATE FUNCTION row_counts_moved() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
BEGIN
  INSERT INTO row_counts AS c (sensor_name, table_name, n)
    VALUES (OLD.sensor_name, TG_TABLE_NAME, -1), (NEW.sensor_name, TG_TABLE_NAME, 1)
    ON CONFLICT (sensor_name, table_name) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $f$;
CREATE FUNCTION row_counts_truncated() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
BEGIN
  DELETE FROM row_counts WHERE table_name = TG_TABLE_NAME;
  RETURN NULL;
END $f$;
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['row_counts_changed', 'row_counts_moved', 'row_counts_truncated'] LOOP
    EXECUTE format('ALTER FUNCTION %I() SET search_path = %I, pg_temp', t, current_schema());
    EXECUTE format('REVOKE ALL ON FUNCTION %I() FROM PUBLIC', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['assets', 'asset_ips', 'asset_vlans', 'asset_protocols', 'facts', 'edges', 'edge_ops',
                           'findings_state', 'findings_history', 'advisories', 'remediation_state', 'snapshots',
                           'snapshot_assets', 'snapshot_asset_ips', 'snapshot_links', 'counters', 'runs', 'reviews',
                           'outbox'] LOOP
    EXECUTE format('CREATE TRIGGER row_counts_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION row_counts_changed()', t);
    EXECUTE format('CREATE TRIGGER row_counts_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION row_counts_changed()', t);
    EXECUTE format('CREATE TRIGGER row_counts_move AFTER UPDATE OF sensor_name ON %I FOR EACH ROW '
                   'WHEN (OLD.sensor_name <> NEW.sensor_name) EXECUTE FUNCTION row_counts_moved()', t);
    EXECUTE format('CREATE TRIGGER row_counts_truncate AFTER TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION row_counts_truncated()', t);
    EXECUTE format('INSERT INTO row_counts (sensor_name, table_name, n) '
                   'SELECT sensor_name, %L, count(*) FROM %I GROUP BY sensor_name', t, t);
  END LOOP;
END $$;
ALTER TABLE row_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY sensor_reads_own ON row_counts FOR SELECT TO mieruka_sensor USING (sensor_name = current_user);
CREATE POLICY console_reads_all ON row_counts FOR SELECT TO mieruka_console USING (true);
GRANT SELECT ON row_counts TO mieruka_sensor, mieruka_console;
)sql",
};

// Any number: it only has to be the same for every mieruka.
constexpr const char* kLockKey = "7252451386";

bool read_version(PgConnection& db, int& version, std::string& error) {
  auto r = db.exec("SELECT version FROM mieruka_schema", error);
  if (!r) return false;
  version = r->rows() == 0 ? 0 : static_cast<int>(r->number(0, 0));
  return true;
}

void rollback(PgConnection& db) {
  std::string ignored;
  (void)db.exec("ROLLBACK", ignored);
}

}  // namespace

int schema_version() noexcept { return static_cast<int>(kMigrations.size()); }

bool migrate(PgConnection& db, int& applied, std::string& error) {
  applied = 0;
  const int known = schema_version();
  // The version table first, on its own (IF NOT EXISTS): a database without it
  // is a new one. The lock makes a second init wait and then find it done.
  if (!db.exec(std::string("BEGIN; SELECT pg_advisory_xact_lock(") + kLockKey +
                   "); CREATE TABLE IF NOT EXISTS mieruka_schema (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), "
                   "version INTEGER NOT NULL); INSERT INTO mieruka_schema (version) VALUES (0) ON CONFLICT DO NOTHING; "
                   "COMMIT",
               error)) {
    rollback(db);
    error += "; the --db role needs CREATE on the database (run init as its owner)";
    return false;
  }
  for (;;) {
    if (!db.exec(std::string("BEGIN; SELECT pg_advisory_xact_lock(") + kLockKey + ")", error)) {
      rollback(db);
      return false;
    }
    int version = 0;
    if (!read_version(db, version, error)) {
      rollback(db);
      return false;
    }
    if (version > known) {
      rollback(db);
      error = "central " + db.shown_url() + ": schema version " + std::to_string(version) +
              " is newer than this mieruka (" + std::to_string(known) + "); upgrade mieruka";
      return false;
    }
    if (version == known) {
      rollback(db);
      return true;
    }
    const std::string bump = "UPDATE mieruka_schema SET version = " + std::to_string(version + 1);
    if (!db.exec(kMigrations[static_cast<std::size_t>(version)], error) || !db.exec(bump, error) ||
        !db.exec("COMMIT", error)) {
      rollback(db);
      error = "central " + db.shown_url() + ": cannot upgrade the schema to version " + std::to_string(version + 1) +
              " (" + error + ")";
      return false;
    }
    ++applied;
  }
}

bool check_schema(PgConnection& db, std::string& error) {
  int version = 0;
  if (!read_version(db, version, error)) {
    if (db.last_sqlstate() == "42P01")  // undefined_table
      error = "central " + db.shown_url() + ": no mieruka schema; run `mieruka central init --db URL` as the owner";
    return false;
  }
  const int known = schema_version();
  if (version > known) {
    error = "central " + db.shown_url() + ": schema version " + std::to_string(version) +
            " is newer than this mieruka (" + std::to_string(known) + "); upgrade mieruka";
    return false;
  }
  if (version < known) {
    error = "central " + db.shown_url() + ": schema version " + std::to_string(version) + " is older than this mieruka (" +
            std::to_string(known) + "); run `mieruka central init --db URL` with this mieruka as the owner";
    return false;
  }
  return true;
}

}  // namespace mieruka::sensor::central
