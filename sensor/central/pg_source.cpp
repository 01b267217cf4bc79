// The central store read back as a LedgerSource (see pg_source.hpp).
#include "sensor/central/pg_source.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "inventory/text/utf8.hpp"
#include "sensor/central/schema.hpp"

namespace mieruka::sensor::central {
namespace {

using inventory::StoreStatus;
using Params = std::vector<std::optional<std::string>>;

// Finds each child row's record by id (the ids of one sensor are unique).
template <class Record>
std::unordered_map<std::string_view, Record*> by_id(std::vector<Record>& records) {
  std::unordered_map<std::string_view, Record*> out;
  out.reserve(records.size());
  for (Record& r : records) out.emplace(r.id, &r);
  return out;
}

template <class Record>
Record* find(const std::unordered_map<std::string_view, Record*>& ids, const std::string& id) {
  const auto it = ids.find(id);
  return it == ids.end() ? nullptr : it->second;
}

class PgSource final : public inventory::LedgerSource {
 public:
  explicit PgSource(PgConnection db) : db_(std::move(db)), where_(db_.shown_url()) {}

  const std::string& where() const noexcept override { return where_; }
  bool central() const noexcept override { return true; }

  StoreStatus sensors(std::vector<std::string>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT sensor_name FROM sensors", error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i) out.push_back(r->text(i, 0));
    std::sort(out.begin(), out.end());
    return {};
  }

  StoreStatus sites(std::map<std::string, std::string>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT sensor_name, site FROM sensors WHERE site <> ''", error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i) out[r->text(i, 0)] = r->text(i, 1);
    return {};
  }

  // One sensor's records in one read-only snapshot of the store, sorted here
  // into Store::load's order (byte order, whatever the database's collation).
  StoreStatus load(const std::string& sensor, inventory::Ledger& ledger) override {
    return load_part(sensor, Part{}, ledger);
  }

  // The same reads narrowed in SQL: the keys by the facts' field, the assets
  // by id (each table's primary key leads with (sensor_name, asset id); the
  // edges by edges_from and edges_to, their operations by their key).
  StoreStatus load_keys(const std::string& sensor, const std::vector<std::string>& fields,
                        inventory::Ledger& ledger) override {
    Part part;
    part.keys_only = true;
    part.fields = &fields;
    return load_part(sensor, part, ledger);
  }
  StoreStatus load_assets(const std::string& sensor, const std::vector<std::string>& ids,
                          inventory::Ledger& ledger) override {
    if (ids.empty()) return {};
    Part part;
    part.ids = &ids;
    return load_part(sensor, part, ledger);
  }

  StoreStatus finding_states(const std::string& sensor, std::vector<inventory::Ack>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT finding_id, material_hash, comment, who, when_us FROM findings_state "
                      "WHERE sensor_name = $1",
                      Params{sensor}, error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i)
      out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->number(i, 4), {}, nullptr});
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return {};
  }

  StoreStatus counters(const std::string& sensor, std::map<std::string, std::uint64_t>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT name, value FROM counters WHERE sensor_name = $1", Params{sensor}, error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i) out[r->text(i, 0)] = static_cast<std::uint64_t>(r->number(i, 1));
    return {};
  }

  StoreStatus runs(const std::string& sensor, std::vector<inventory::RunRecord>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT started_us, ended_us, command, packets, drops FROM runs WHERE sensor_name = $1 "
                      "ORDER BY started_us",
                      Params{sensor}, error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i)
      out.push_back({r->number(i, 0), r->number(i, 1), r->text(i, 2), static_cast<std::uint64_t>(r->number(i, 3)),
                     static_cast<std::uint64_t>(r->number(i, 4))});
    return {};
  }

  StoreStatus snapshots(const std::string& sensor, std::vector<inventory::SnapshotInfo>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT name, taken_us, observed_until_us, assets, links FROM snapshots WHERE sensor_name = $1",
                      Params{sensor}, error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i) {
      inventory::SnapshotInfo s;
      s.name = r->text(i, 0);
      s.sensor = sensor;
      s.taken_us = r->number(i, 1);
      s.observed_until_us = r->number(i, 2);
      s.assets = static_cast<std::uint64_t>(r->number(i, 3));
      s.links = static_cast<std::uint64_t>(r->number(i, 4));
      out.push_back(std::move(s));
    }
    // ORDER BY taken_us, name (byte order)
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return std::tie(a.taken_us, a.name) < std::tie(b.taken_us, b.name); });
    return {};
  }

  StoreStatus snapshot(const std::string& sensor, std::string_view name, inventory::Snapshot& out) override {
    std::string error;
    if (!db_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return {error};
    auto st = snapshot_in_transaction(sensor, std::string(name), out);
    (void)db_.exec(st ? "COMMIT" : "ROLLBACK", error);
    return st;
  }

  StoreStatus advisories(const std::string& sensor, std::vector<inventory::StoredAdvisory>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT id, source, revision, current_release, title, imported_us, updated_us, doc "
                      "FROM advisories WHERE sensor_name = $1",
                      Params{sensor}, error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i) {
      inventory::StoredAdvisory a;
      a.id = r->text(i, 0);
      a.source = r->text(i, 1);
      a.revision = r->text(i, 2);
      a.current_release = r->text(i, 3);
      a.title = r->text(i, 4);
      a.imported_us = r->number(i, 5);
      a.updated_us = r->number(i, 6);
      a.doc = r->text(i, 7);
      out.push_back(std::move(a));
    }
    // ORDER BY id (byte order)
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return {};
  }
  StoreStatus remediation_states(const std::string& sensor, std::vector<inventory::RemediationState>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT asset_id, advisory_id, cve, state, comment, who, when_us FROM remediation_state "
                      "WHERE sensor_name = $1",
                      Params{sensor}, error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i)
      out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->text(i, 4), r->text(i, 5),
                     r->number(i, 6)});
    // ORDER BY asset_id, advisory_id, cve (byte order)
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(a.asset_id, a.advisory_id, a.cve) < std::tie(b.asset_id, b.advisory_id, b.cve);
    });
    return {};
  }
  StoreStatus advisories_version(const std::string& sensor, std::string& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT COUNT(*), COALESCE(MAX(updated_us), 0) FROM advisories WHERE sensor_name = $1",
                      Params{sensor}, error);
    if (!r) return {error};
    out = std::to_string(r->number(0, 0)) + "|" + std::to_string(r->number(0, 1));
    return {};
  }

  // Store::review_facts's reads over the replicated reviews, runs and outbox,
  // in one read-only snapshot of the store.
  StoreStatus review_facts(const std::string& sensor, std::int64_t from_us, std::int64_t to_us, std::int64_t grace_us,
                           inventory::ReviewFacts& out) override {
    std::string error;
    if (!db_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return {error};
    auto st = review_facts_in_transaction(sensor, from_us, to_us, grace_us, out);
    (void)db_.exec(st ? "COMMIT" : "ROLLBACK", error);
    return st;
  }

  StoreStatus capture_drops(const std::string& sensor, std::int64_t from_us, std::int64_t to_us,
                            std::uint64_t& out) override {
    out = 0;
    std::string error;
    auto r = db_.exec("SELECT COALESCE(SUM(drops), 0) FROM runs WHERE sensor_name = $1 AND ended_us > $2 "
                      "AND ended_us <= $3",
                      Params{sensor, std::to_string(from_us), std::to_string(to_us)}, error);
    if (!r) return {error};
    out = static_cast<std::uint64_t>(r->number(0, 0));
    return {};
  }

  StoreStatus appliance(const std::string& sensor, std::optional<inventory::ApplianceConfig>& out) override {
    out.reset();
    std::string error;
    auto r = db_.exec("SELECT time_zone, review_schedule, schedule_zone, diff_channels FROM sensors "
                      "WHERE sensor_name = $1 AND time_zone IS NOT NULL AND review_schedule IS NOT NULL "
                      "AND schedule_zone IS NOT NULL AND diff_channels IS NOT NULL",
                      Params{sensor}, error);
    if (!r) return {error};
    if (r->rows() == 0) return {};
    out.emplace();
    out->time_zone = r->text(0, 0);
    out->review_schedule = r->text(0, 1);
    out->schedule_zone = r->text(0, 2);
    out->diff_channels = static_cast<std::uint64_t>(std::max(0LL, r->number(0, 3)));
    return {};
  }

  // Every batch a sensor sends moves its received_us and changes (schema.cpp).
  StoreStatus version(std::string& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT COUNT(*), COALESCE(MAX(received_us), 0), COALESCE(SUM(changes), 0) FROM sensors", error);
    if (!r) return {error};
    out = std::to_string(r->number(0, 0)) + "|" + std::to_string(r->number(0, 1)) + "|" + std::to_string(r->number(0, 2));
    return {};
  }

  // A sensor's batch moves its own row's received_us and changes, in the
  // batch's transaction (replicator.cpp).
  StoreStatus sensor_versions(std::map<std::string, std::string>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT sensor_name, received_us, changes FROM sensors", error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i)
      out[r->text(i, 0)] = std::to_string(r->number(i, 1)) + "|" + std::to_string(r->number(i, 2));
    return {};
  }

  // The counts schema version 4 keeps (row_counts), read as they are.
  StoreStatus asset_counts(std::map<std::string, std::uint64_t>& out) override {
    out.clear();
    std::string error;
    auto r = db_.exec("SELECT sensor_name, n FROM row_counts WHERE table_name = 'assets'", error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i) out[r->text(i, 0)] = static_cast<std::uint64_t>(std::max<std::int64_t>(0, r->number(i, 1)));
    return {};
  }

 private:
  StoreStatus review_facts_in_transaction(const std::string& sensor, std::int64_t from_us, std::int64_t to_us,
                                          std::int64_t grace_us, inventory::ReviewFacts& f) {
    f = {};
    f.from_us = from_us;
    f.to_us = to_us;
    std::string error;
    const std::string from = std::to_string(from_us), to = std::to_string(to_us);
    auto r = db_.exec("SELECT (SELECT COUNT(*) FROM reviews WHERE sensor_name = $1 AND taken_us >= $2 AND taken_us <= $3), "
                      "(SELECT COALESCE(MIN(taken_us), 0) FROM reviews WHERE sensor_name = $1)",
                      Params{sensor, from, to}, error);
    if (!r) return {error};
    f.scheduled = static_cast<std::uint64_t>(r->number(0, 0));
    f.first_scheduled_us = r->number(0, 1);
    // Live runs (not a `read` of files), in start order: the union of their
    // spans inside the period (SQLite's LIKE ignores ASCII case: ILIKE).
    r = db_.exec("SELECT started_us, ended_us, packets, drops FROM runs WHERE sensor_name = $1 "
                 "AND command NOT ILIKE 'read%' AND ended_us > $2 AND started_us < $3 ORDER BY started_us",
                 Params{sensor, from, to}, error);
    if (!r) return {error};
    std::int64_t covered_to = from_us;
    for (int i = 0; i < r->rows(); ++i) {
      const std::int64_t a = std::max<std::int64_t>(r->number(i, 0), covered_to);
      const std::int64_t b = std::min<std::int64_t>(r->number(i, 1), to_us);
      if (b > a) {
        f.monitored_us += b - a;
        covered_to = b;
      }
      f.packets += static_cast<std::uint64_t>(r->number(i, 2));
      f.drops += static_cast<std::uint64_t>(r->number(i, 3));
    }
    r = db_.exec("SELECT kind, COUNT(*), COUNT(sent_us) FROM outbox WHERE sensor_name = $1 AND created_us >= $2 "
                 "AND created_us <= $3 AND kind IN ('diff', 'alert') GROUP BY kind",
                 Params{sensor, from, std::to_string(to_us - grace_us)}, error);
    if (!r) return {error};
    for (int i = 0; i < r->rows(); ++i) {
      const bool diff = r->text(i, 0) == "diff";
      (diff ? f.diffs_queued : f.alerts_queued) = static_cast<std::uint64_t>(r->number(i, 1));
      (diff ? f.diffs_delivered : f.alerts_delivered) = static_cast<std::uint64_t>(r->number(i, 2));
    }
    return {};
  }

  StoreStatus snapshot_in_transaction(const std::string& sensor, const std::string& name, inventory::Snapshot& s) {
    using Json = nlohmann::ordered_json;
    std::string error;
    const Params p{sensor, name};
    s = {};
    {
      auto r = db_.exec("SELECT name, taken_us, observed_until_us, assets, links FROM snapshots "
                        "WHERE sensor_name = $1 AND name = $2",
                        p, error);
      if (!r) return {error};
      if (r->rows() == 0)
        return {where_ + ": sensor `" + sensor + "` has no snapshot named \"" + inventory::terminal_safe(name) +
                "\" (see `mieruka snapshot list` on its appliance, or use --to now)"};
      s.info.name = r->text(0, 0);
      s.info.sensor = sensor;
      s.info.taken_us = r->number(0, 1);
      s.info.observed_until_us = r->number(0, 2);
      s.info.assets = static_cast<std::uint64_t>(r->number(0, 3));
      s.info.links = static_cast<std::uint64_t>(r->number(0, 4));
    }
    auto damaged = [&](const std::string& what) {
      return StoreStatus{where_ + ": snapshot \"" + inventory::terminal_safe(name) + "\" of sensor `" + sensor +
                         "` is damaged (" + what + "); take a new one on its appliance"};
    };
    {
      auto r = db_.exec("SELECT asset_id, last_us, body FROM snapshot_assets WHERE sensor_name = $1 AND snapshot = $2",
                        p, error);
      if (!r) return {error};
      for (int i = 0; i < r->rows(); ++i) {
        inventory::SnapshotAsset a;
        a.id = r->text(i, 0);
        a.last_us = r->number(i, 1);
        a.json = Json::parse(r->text(i, 2), nullptr, false);
        if (a.json.is_discarded() || !a.json.is_object()) return damaged("asset " + a.id + " is not JSON");
        s.assets.push_back(std::move(a));
      }
      std::sort(s.assets.begin(), s.assets.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
    }
    {
      auto r = db_.exec("SELECT asset_id, ip, last_us FROM snapshot_asset_ips WHERE sensor_name = $1 AND snapshot = $2",
                        p, error);
      if (!r) return {error};
      std::vector<std::tuple<std::string, std::string, std::int64_t>> rows;
      for (int i = 0; i < r->rows(); ++i) rows.emplace_back(r->text(i, 0), r->text(i, 1), r->number(i, 2));
      std::sort(rows.begin(), rows.end());  // ORDER BY asset_id, ip
      const auto ids = by_id(s.assets);
      for (auto& [id, ip, last] : rows)
        if (auto* a = find(ids, id)) a->ip_last_us.emplace_back(std::move(ip), last);
    }
    {
      auto r = db_.exec("SELECT link_id, last_us, body FROM snapshot_links WHERE sensor_name = $1 AND snapshot = $2",
                        p, error);
      if (!r) return {error};
      for (int i = 0; i < r->rows(); ++i) {
        inventory::SnapshotLink l;
        l.id = r->text(i, 0);
        l.last_us = r->number(i, 1);
        l.json = Json::parse(r->text(i, 2), nullptr, false);
        if (l.json.is_discarded() || !l.json.is_object()) return damaged("link " + l.id + " is not JSON");
        s.links.push_back(std::move(l));
      }
      std::sort(s.links.begin(), s.links.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
    }
    return {};
  }

  // What load_part reads: everything, the keys (assets, addresses, VLANs, the
  // facts of `fields`), or the assets `ids` with the edges at them.
  struct Part {
    bool keys_only = false;
    const std::vector<std::string>* fields = nullptr;
    const std::vector<std::string>* ids = nullptr;
  };

  StoreStatus load_part(const std::string& sensor, const Part& part, inventory::Ledger& ledger) {
    std::string error;
    if (!db_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return {error};
    auto st = load_in_transaction(sensor, part, ledger);
    (void)db_.exec(st ? "COMMIT" : "ROLLBACK", error);
    return st;
  }

  StoreStatus load_in_transaction(const std::string& sensor, const Part& part, inventory::Ledger& ledger) {
    using inventory::Asset;
    using inventory::Edge;
    std::string error;
    // $1 the sensor; $2 the ids (the assets' narrowing) when asked for.
    const Params p = part.ids != nullptr ? Params{sensor, array_literal(*part.ids)} : Params{sensor};
    const std::string of_ids = part.ids != nullptr ? " AND id = ANY($2::text[])" : "";
    const std::string by_asset = part.ids != nullptr ? " AND asset_id = ANY($2::text[])" : "";
    std::vector<Asset> assets;
    {
      auto r = db_.exec("SELECT id, mac, key_ip, parent_id, route, first_us, last_us, packets_sent, bytes_sent, router "
                        "FROM assets WHERE sensor_name = $1" + of_ids,
                        p, error);
      if (!r) return {error};
      assets.reserve(static_cast<std::size_t>(r->rows()));
      for (int i = 0; i < r->rows(); ++i) {
        Asset a;
        a.id = r->text(i, 0);
        if (auto mac = MacAddr::parse(r->text(i, 1))) a.mac = *mac;
        if (auto ip = IpAddr::parse(r->text(i, 2))) a.key_ip = *ip;
        a.parent_id = r->text(i, 3);
        a.route = r->text(i, 4);
        a.first_us = r->number(i, 5);
        a.last_us = r->number(i, 6);
        a.packets_sent = static_cast<std::uint64_t>(r->number(i, 7));
        a.bytes_sent = static_cast<std::uint64_t>(r->number(i, 8));
        a.router = r->number(i, 9) != 0;
        a.dirty = false;
        assets.push_back(std::move(a));
      }
      std::sort(assets.begin(), assets.end(), [](const Asset& x, const Asset& y) { return x.id < y.id; });
    }
    const auto asset_ids = by_id(assets);
    {
      auto r = db_.exec("SELECT asset_id, ip, source, first_us, last_us FROM asset_ips WHERE sensor_name = $1" +
                        by_asset, p, error);
      if (!r) return {error};
      struct Row {
        std::string asset_id, ip;
        inventory::IpRecord rec;
      };
      std::vector<Row> rows;
      rows.reserve(static_cast<std::size_t>(r->rows()));
      for (int i = 0; i < r->rows(); ++i)
        rows.push_back(Row{r->text(i, 0), r->text(i, 1), inventory::IpRecord{{}, r->number(i, 3), r->number(i, 4),
                                                                             r->text(i, 2)}});
      // ORDER BY asset_id, first_us, ip
      std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
        return std::tie(x.asset_id, x.rec.first_us, x.ip) < std::tie(y.asset_id, y.rec.first_us, y.ip);
      });
      for (Row& row : rows) {
        Asset* a = find(asset_ids, row.asset_id);
        auto ip = IpAddr::parse(row.ip);
        if (a == nullptr || !ip) continue;
        row.rec.ip = *ip;
        a->ips.push_back(std::move(row.rec));
      }
    }
    {
      auto r = db_.exec("SELECT asset_id, vlan FROM asset_vlans WHERE sensor_name = $1" + by_asset, p, error);
      if (!r) return {error};
      std::vector<std::pair<std::string, long long>> rows;
      for (int i = 0; i < r->rows(); ++i) rows.emplace_back(r->text(i, 0), r->number(i, 1));
      std::sort(rows.begin(), rows.end());
      for (const auto& [id, vlan] : rows)
        if (Asset* a = find(asset_ids, id)) a->vlans.push_back(static_cast<std::uint16_t>(vlan));
    }
    if (!part.keys_only) {
      auto r = db_.exec("SELECT asset_id, protocol FROM asset_protocols WHERE sensor_name = $1" + by_asset, p, error);
      if (!r) return {error};
      std::vector<std::pair<std::string, std::string>> rows;
      for (int i = 0; i < r->rows(); ++i) rows.emplace_back(r->text(i, 0), r->text(i, 1));
      std::sort(rows.begin(), rows.end());
      for (auto& [id, protocol] : rows)
        if (Asset* a = find(asset_ids, id)) a->protocols.push_back(std::move(protocol));
    }
    {
      const bool by_field = part.keys_only && part.fields != nullptr;
      auto r = by_field ? db_.exec("SELECT asset_id, field, value, source, first_us, last_us, count FROM facts "
                                   "WHERE sensor_name = $1 AND field = ANY($2::text[])",
                                   Params{sensor, array_literal(*part.fields)}, error)
                        : db_.exec("SELECT asset_id, field, value, source, first_us, last_us, count FROM facts "
                                   "WHERE sensor_name = $1" + by_asset,
                                   p, error);
      if (!r) return {error};
      struct Row {
        std::string asset_id;
        inventory::FactRecord f;
      };
      std::vector<Row> rows;
      rows.reserve(static_cast<std::size_t>(r->rows()));
      for (int i = 0; i < r->rows(); ++i)
        rows.push_back(Row{r->text(i, 0), inventory::FactRecord{r->text(i, 1), r->text(i, 2), r->text(i, 3),
                                                                r->number(i, 4), r->number(i, 5),
                                                                static_cast<std::uint64_t>(r->number(i, 6))}});
      // ORDER BY asset_id, field, first_us, value, source
      std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
        return std::tie(x.asset_id, x.f.field, x.f.first_us, x.f.value, x.f.source) <
               std::tie(y.asset_id, y.f.field, y.f.first_us, y.f.value, y.f.source);
      });
      for (Row& row : rows)
        if (Asset* a = find(asset_ids, row.asset_id)) a->facts.push_back(std::move(row.f));
    }
    std::vector<Edge> edges;
    if (!part.keys_only) {
      auto r = db_.exec("SELECT id, from_id, to_id, protocol, transport, port, vlan, packets, bytes, first_us, last_us "
                        "FROM edges WHERE sensor_name = $1" +
                            std::string(part.ids != nullptr ? " AND (from_id = ANY($2::text[]) OR to_id = ANY($2::text[]))"
                                                            : ""),
                        p, error);
      if (!r) return {error};
      edges.reserve(static_cast<std::size_t>(r->rows()));
      for (int i = 0; i < r->rows(); ++i) {
        Edge e;
        e.id = r->text(i, 0);
        e.from_id = r->text(i, 1);
        e.to_id = r->text(i, 2);
        e.protocol = r->text(i, 3);
        e.transport = r->text(i, 4);
        e.port = static_cast<std::uint16_t>(r->number(i, 5));
        e.vlan = static_cast<std::uint16_t>(r->number(i, 6));
        e.packets = static_cast<std::uint64_t>(r->number(i, 7));
        e.bytes = static_cast<std::uint64_t>(r->number(i, 8));
        e.first_us = r->number(i, 9);
        e.last_us = r->number(i, 10);
        e.dirty = false;
        edges.push_back(std::move(e));
      }
      std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) { return x.id < y.id; });
    }
    if (!part.keys_only && (part.ids == nullptr || !edges.empty())) {
      const auto edge_ids = by_id(edges);
      std::vector<std::string> wanted;
      if (part.ids != nullptr)
        for (const Edge& e : edges) wanted.push_back(e.id);
      auto r = db_.exec("SELECT edge_id, protocol, name, code, count, errors, is_write, is_control, has_range, "
                        "range_lo, range_hi, first_us, last_us FROM edge_ops WHERE sensor_name = $1" +
                            std::string(part.ids != nullptr ? " AND edge_id = ANY($2::text[])" : ""),
                        part.ids != nullptr ? Params{sensor, array_literal(wanted)} : Params{sensor}, error);
      if (!r) return {error};
      struct Row {
        std::string edge_id;
        inventory::EdgeOp op;
      };
      std::vector<Row> rows;
      rows.reserve(static_cast<std::size_t>(r->rows()));
      for (int i = 0; i < r->rows(); ++i) {
        Row row;
        row.edge_id = r->text(i, 0);
        inventory::EdgeOp& op = row.op;
        op.protocol = r->text(i, 1);
        op.name = r->text(i, 2);
        op.code = static_cast<std::uint32_t>(r->number(i, 3));
        op.count = static_cast<std::uint64_t>(r->number(i, 4));
        op.errors = static_cast<std::uint64_t>(r->number(i, 5));
        op.is_write = r->number(i, 6) != 0;
        op.is_control = r->number(i, 7) != 0;
        op.has_range = r->number(i, 8) != 0;
        op.range_lo = static_cast<std::uint32_t>(r->number(i, 9));
        op.range_hi = static_cast<std::uint32_t>(r->number(i, 10));
        op.first_us = r->number(i, 11);
        op.last_us = r->number(i, 12);
        rows.push_back(std::move(row));
      }
      // ORDER BY edge_id, protocol, code, name
      std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
        return std::tie(x.edge_id, x.op.protocol, x.op.code, x.op.name) <
               std::tie(y.edge_id, y.op.protocol, y.op.code, y.op.name);
      });
      for (Row& row : rows)
        if (Edge* e = find(edge_ids, row.edge_id)) e->ops.push_back(std::move(row.op));
    }
    ledger.reserve_loaded(assets.size(), edges.size());
    for (Asset& a : assets) ledger.load_asset(std::move(a));
    ledger.load_edges(edges);
    return {};
  }

  PgConnection db_;
  std::string where_;
};

}  // namespace

bool is_central_url(std::string_view db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::unique_ptr<inventory::LedgerSource> central_source(const PgTarget& target, std::string& error) {
  auto db = PgConnection::connect(target, error);
  if (!db) return nullptr;
  if (!check_schema(*db, error)) return nullptr;
  // Nothing read from here writes: a statement that would is refused by the server.
  if (!db->exec("SET default_transaction_read_only = on", error)) return nullptr;
  return std::make_unique<PgSource>(std::move(*db));
}

}  // namespace mieruka::sensor::central
