// Replication to the central store (see replicator.hpp).
#include "sensor/central/replicator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "inventory/store/replication.hpp"
#include "inventory/store/store.hpp"
#include "sensor/central/pg.hpp"
#include "sensor/central/schema.hpp"

namespace mieruka::sensor::central {

using inventory::ChangeBatch;
using inventory::ChangeRecord;
using inventory::kReplicatedTables;
using inventory::ReplicaRow;
using inventory::ReplicatedTable;
using inventory::Store;

namespace {

// Records per batch (one central transaction), and parameters per statement
// (PostgreSQL takes at most 65,535).
constexpr std::size_t kBatchRecords = 500;
constexpr std::size_t kMaxParams = 30000;
constexpr auto kIdle = std::chrono::seconds(1);
constexpr auto kMaxPause = std::chrono::seconds(60);

// MIERUKA_FAILPOINT=central_batch_pause (tests only): batches of 20 records;
// each batch, its rows written in the open central transaction, logs
// "central batch N open" and waits 1 s before its COMMIT, then logs "central
// batch N committed" and waits 1 s before the ledger forgets it, so that a
// test can kill -9 the sensor or stop PostgreSQL in either window, on cue.
bool batch_pause_failpoint() {
  const char* fp = std::getenv("MIERUKA_FAILPOINT");
  return fp != nullptr && std::string_view(fp) == "central_batch_pause";
}

std::vector<std::string> split_columns(std::string_view list) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= list.size()) {
    auto end = list.find(',', at);
    if (end == std::string_view::npos) end = list.size();
    std::string_view c = list.substr(at, end - at);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    out.emplace_back(c);
    at = end + 1;
  }
  return out;
}

// "($1, $2, ..., $n)" for one row whose values start at parameter `first`,
// the sensor name being $1.
std::string row_placeholders(std::size_t first, std::size_t count) {
  std::string out = "($1";
  for (std::size_t i = 0; i < count; ++i) out += ", $" + std::to_string(first + i);
  return out + ")";
}

class Sender {
 public:
  Sender(PgConnection& db, std::string sensor) : db_(db), sensor_(std::move(sensor)) {}

  // Sends one batch inside the caller's transaction.
  bool send(const ChangeBatch& batch, std::string& error) {
    std::map<std::string, std::map<std::string, std::int64_t>> versions;  // kind -> key -> version
    for (const ChangeRecord& c : batch.changes) versions[c.kind][c.key] = c.seq;
    for (const auto& [kind, keys] : versions) {
      const ReplicatedTable* parent = nullptr;
      std::size_t parent_index = 0;
      for (std::size_t t = 0; t < kReplicatedTables.size(); ++t)
        if (kReplicatedTables[t].kind == kind && kReplicatedTables[t].parent) {
          parent = &kReplicatedTables[t];
          parent_index = t;
        }
      if (parent == nullptr) continue;  // a kind this mieruka does not know: left for a newer one
      std::set<std::string> present;
      for (const ReplicaRow& r : batch.rows[parent_index])
        if (!r.empty() && r[0]) present.insert(*r[0]);
      std::set<std::string> applied;
      if (!upsert_parents(*parent, batch.rows[parent_index], keys, applied, error)) return false;
      std::vector<std::string> gone, gone_versions;
      for (const auto& [key, v] : keys)
        if (present.count(key) == 0) {
          gone.push_back(key);
          gone_versions.push_back(std::to_string(v));
        }
      std::set<std::string> deleted;
      if (!gone.empty() && !delete_parents(*parent, gone, gone_versions, deleted, error)) return false;
      for (std::size_t t = 0; t < kReplicatedTables.size(); ++t) {
        const ReplicatedTable& child = kReplicatedTables[t];
        if (child.kind != kind || child.parent) continue;
        std::set<std::string> replaced = applied;
        replaced.insert(deleted.begin(), deleted.end());
        if (!delete_children(child, replaced, error)) return false;
        if (!insert_children(child, batch.rows[t], applied, keys, error)) return false;
      }
    }
    return true;
  }

 private:
  bool upsert_parents(const ReplicatedTable& t, const std::vector<ReplicaRow>& rows,
                      const std::map<std::string, std::int64_t>& versions, std::set<std::string>& applied,
                      std::string& error) {
    const auto cols = split_columns(t.columns);
    const std::string key(inventory::key_column(t)), table(t.table);
    std::string set = "version = EXCLUDED.version";
    for (std::size_t i = 1; i < cols.size(); ++i) set += ", " + cols[i] + " = EXCLUDED." + cols[i];
    const std::size_t per_row = cols.size() + 1, chunk = std::max<std::size_t>(1, kMaxParams / per_row);
    for (std::size_t at = 0; at < rows.size(); at += chunk) {
      std::vector<std::optional<std::string>> params{sensor_};
      std::string values;
      for (std::size_t i = at; i < std::min(rows.size(), at + chunk); ++i) {
        const ReplicaRow& r = rows[i];
        const auto v = versions.find(r[0].value_or(""));
        if (v == versions.end()) continue;
        values += (values.empty() ? "" : ", ") + row_placeholders(params.size() + 1, per_row);
        params.emplace_back(std::to_string(v->second));
        params.insert(params.end(), r.begin(), r.end());
      }
      if (values.empty()) continue;
      const std::string sql = "INSERT INTO " + table + " AS t (sensor_name, version, " + std::string(t.columns) +
                              ") VALUES " + values + " ON CONFLICT (sensor_name, " + key + ") DO UPDATE SET " + set +
                              " WHERE EXCLUDED.version > t.version RETURNING " + key + "::text";
      auto r = db_.exec(sql, params, error);
      if (!r) return false;
      for (int i = 0; i < r->rows(); ++i) applied.insert(r->text(i, 0));
    }
    return true;
  }

  bool delete_parents(const ReplicatedTable& t, const std::vector<std::string>& keys,
                      const std::vector<std::string>& versions, std::set<std::string>& deleted, std::string& error) {
    const std::string key(inventory::key_column(t)), type(t.key_type);
    const std::string sql = "DELETE FROM " + std::string(t.table) + " AS t USING unnest($2::" + type +
                            "[], $3::bigint[]) AS d(k, v) WHERE t.sensor_name = $1 AND t." + key +
                            " = d.k AND t.version < d.v RETURNING t." + key + "::text";
    auto r = db_.exec(sql, {sensor_, array_literal(keys), array_literal(versions)}, error);
    if (!r) return false;
    for (int i = 0; i < r->rows(); ++i) deleted.insert(r->text(i, 0));
    return true;
  }

  bool delete_children(const ReplicatedTable& t, const std::set<std::string>& keys, std::string& error) {
    if (keys.empty()) return true;
    const std::string sql = "DELETE FROM " + std::string(t.table) + " WHERE sensor_name = $1 AND " +
                            std::string(inventory::key_column(t)) + " = ANY($2::" + std::string(t.key_type) + "[])";
    return db_.exec(sql, {sensor_, array_literal({keys.begin(), keys.end()})}, error).has_value();
  }

  bool insert_children(const ReplicatedTable& t, const std::vector<ReplicaRow>& rows,
                       const std::set<std::string>& applied, const std::map<std::string, std::int64_t>& versions,
                       std::string& error) {
    const auto cols = split_columns(t.columns);
    const std::size_t per_row = cols.size() + 1, chunk = std::max<std::size_t>(1, kMaxParams / per_row);
    std::vector<const ReplicaRow*> todo;
    for (const ReplicaRow& r : rows)
      if (r[0] && applied.count(*r[0]) != 0) todo.push_back(&r);
    for (std::size_t at = 0; at < todo.size(); at += chunk) {
      std::vector<std::optional<std::string>> params{sensor_};
      std::string values;
      for (std::size_t i = at; i < std::min(todo.size(), at + chunk); ++i) {
        const ReplicaRow& r = *todo[i];
        values += (values.empty() ? "" : ", ") + row_placeholders(params.size() + 1, per_row);
        params.emplace_back(std::to_string(versions.at(*r[0])));
        params.insert(params.end(), r.begin(), r.end());
      }
      const std::string sql = "INSERT INTO " + std::string(t.table) + " (sensor_name, version, " +
                              std::string(t.columns) + ") VALUES " + values;
      if (!db_.exec(sql, params, error)) return false;
    }
    return true;
  }

  PgConnection& db_;
  std::string sensor_;
};

}  // namespace

struct Replicator::Impl {
  std::optional<Store> store;
  std::optional<PgConnection> db;
  std::string db_path, sensor;
  CentralConfig config;
  bool pause_batches = batch_pause_failpoint();
  bool appliance_sent = false;  // the sensor's row holds config.appliance (send_appliance)
  std::uint64_t batches = 0;

  // Opens what is not open yet. False with `error`.
  bool ready(std::string& error) {
    if (!store) {
      // The ledger exists (the caller opened or checked it). Opened as for
      // writing, which reads no file itself: an existing database is checked
      // through a file descriptor of its own, and closing one drops every
      // POSIX lock this process holds on the file, the daemon's connection's
      // included; another process could then take the WAL for unused and
      // delete it under the daemon.
      store = Store::open(db_path, sensor, error, true);
      if (!store) return false;
      if (auto st = store->start_change_log(now_us()); !st) {
        error = st.error;
        store.reset();
        return false;
      }
    }
    if (db && db->broken()) db.reset();
    if (!db) {
      db = PgConnection::connect(config.target(), error);
      if (!db) return false;
      if (!check_schema(*db, error)) {
        db.reset();
        return false;
      }
    }
    return true;
  }

  static std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // The failpoint's pauses (see batch_pause_failpoint); always true.
  bool pause_before_commit() {
    if (!pause_batches) return true;
    spdlog::warn("central batch {} open (MIERUKA_FAILPOINT=central_batch_pause)", ++batches);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return true;
  }
  void pause_after_commit() const {
    if (!pause_batches) return;
    spdlog::warn("central batch {} committed (MIERUKA_FAILPOINT=central_batch_pause)", batches);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }

  // What the config says of the reviews travels with every batch; with
  // nothing queued, once per run (the daemon's start, a read, a sync), and
  // only when the sensor's row says otherwise: a config changed while the
  // ledger did not still reaches the central store, and an unchanged one
  // writes no row.
  bool send_appliance(std::string& error) {
    if (appliance_sent) return true;
    const auto& a = config.appliance;
    if (!db->exec("UPDATE sensors SET time_zone = $2, review_schedule = $3, schedule_zone = $4, diff_channels = $5 "
                  "WHERE sensor_name = $1 AND (time_zone, review_schedule, schedule_zone, diff_channels) IS DISTINCT "
                  "FROM ($2, $3, $4, $5::integer)",
                  {sensor, a.time_zone, a.review_schedule, a.schedule_zone, std::to_string(a.diff_channels)}, error)) {
      db.reset();  // a fresh connection for the next attempt
      return false;
    }
    appliance_sent = true;
    return true;
  }

  // One batch: -1 failed (`error`), else the changes committed (0: none left).
  long long send_batch(std::string& error, std::uint64_t& left) {
    if (!ready(error)) return -1;
    ChangeBatch batch;
    if (auto st = store->pending_changes(pause_batches ? 20 : kBatchRecords, batch); !st) {
      error = st.error;
      return -1;
    }
    left = batch.remaining + batch.changes.size();
    if (batch.changes.empty()) return send_appliance(error) ? 0 : -1;
    std::int64_t newest = 0;
    for (const auto& c : batch.changes) newest = std::max(newest, c.changed_us);
    Sender sender(*db, sensor);
    std::string ignored;
    const bool ok =
        db->exec("BEGIN", error) && sender.send(batch, error) &&
        db->exec("INSERT INTO sensors (sensor_name, first_us, received_us, last_change_us, changes, backlog, "
                 "oldest_pending_us, site, time_zone, review_schedule, schedule_zone, diff_channels) "
                 "VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, "
                 "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                 "ON CONFLICT (sensor_name) DO UPDATE SET received_us = EXCLUDED.received_us, site = EXCLUDED.site, "
                 "time_zone = EXCLUDED.time_zone, review_schedule = EXCLUDED.review_schedule, "
                 "schedule_zone = EXCLUDED.schedule_zone, diff_channels = EXCLUDED.diff_channels, "
                 "last_change_us = GREATEST(sensors.last_change_us, EXCLUDED.last_change_us), "
                 "changes = sensors.changes + EXCLUDED.changes, backlog = EXCLUDED.backlog, "
                 "oldest_pending_us = EXCLUDED.oldest_pending_us",
                 {sensor, std::to_string(newest), std::to_string(batch.changes.size()),
                  std::to_string(batch.remaining), std::to_string(batch.oldest_remaining_us), config.site,
                  config.appliance.time_zone, config.appliance.review_schedule, config.appliance.schedule_zone,
                  std::to_string(config.appliance.diff_channels)},
                 error) &&
        pause_before_commit() && db->exec("COMMIT", error);
    if (!ok) {
      (void)db->exec("ROLLBACK", ignored);
      db.reset();  // a fresh connection for the next attempt
      return -1;
    }
    // Committed centrally: a failure here only sends the batch again (a no-op).
    appliance_sent = true;
    pause_after_commit();
    if (auto st = store->drop_changes(batch.changes); !st) {
      error = st.error;
      return -1;
    }
    left = batch.remaining;
    return static_cast<long long>(batch.changes.size());
  }
};

Replicator::Replicator(std::string db_path, std::string sensor_name, CentralConfig config)
    : db_path_(std::move(db_path)), sensor_(std::move(sensor_name)), config_(std::move(config)) {}

Replicator::~Replicator() { stop(); }

void Replicator::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Replicator::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Replicator::loop() {
  Impl impl{std::nullopt, std::nullopt, db_path_, sensor_, config_};
  auto pause = std::chrono::seconds(1);
  bool failing = false;
  while (!stopping_) {
    std::string error;
    std::uint64_t left = 0;
    const long long n = impl.send_batch(error, left);
    if (n < 0) {
      if (!failing) spdlog::warn("{}; changes are kept in {} and sent when it answers", error, db_path_);
      failing = true;
    } else {
      if (failing) spdlog::info("central {}: reachable again; sending the changes kept meanwhile",
                                redact_url(config_.url));
      failing = false;
      pause = std::chrono::seconds(1);
      if (n > 0) continue;  // more may be waiting: no pause
    }
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, failing ? pause : std::chrono::duration_cast<std::chrono::seconds>(kIdle),
                   [this] { return stopping_.load(); });
    if (failing) pause = std::min(pause * 2, std::chrono::duration_cast<std::chrono::seconds>(kMaxPause));
  }
}

bool Replicator::drain(std::string& error, std::uint64_t& sent, std::uint64_t& left) {
  Impl impl{std::nullopt, std::nullopt, db_path_, sensor_, config_};
  sent = 0;
  left = 0;
  int failures = 0;
  for (;;) {
    const long long n = impl.send_batch(error, left);
    if (n < 0) {
      if (++failures >= 2) return false;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    failures = 0;
    sent += static_cast<std::uint64_t>(n);
    if (n == 0) return true;
  }
}

}  // namespace mieruka::sensor::central
