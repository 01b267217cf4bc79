// The SQLite LedgerSource (see ledger_source.hpp): a reader Store per sensor
// read, each delegating to what the Store already reads. Made over a Store the
// caller holds, it reads that Store's sensor through that connection (what the
// caller wrote, in its transaction too) and opens readers for the others.
#include "inventory/store/ledger_source.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <string_view>

namespace mieruka::inventory {
namespace {

class SqliteSource final : public LedgerSource {
 public:
  SqliteSource(std::string path, Store first) : path_(std::move(path)) {
    stores_.emplace(first.sensor_name(), std::move(first));
  }
  explicit SqliteSource(Store& borrowed) : path_(borrowed.path()), borrowed_(&borrowed) {}

  const std::string& where() const noexcept override { return path_; }
  bool central() const noexcept override { return false; }

  StoreStatus sensors(std::vector<std::string>& out) override {
    Store* s = any();
    out = s->sensors();
    return {};
  }

  StoreStatus sites(std::map<std::string, std::string>& out) override {
    out.clear();
    return {};
  }

  StoreStatus load(const std::string& sensor, Ledger& ledger) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    return s->load(ledger);
  }

  StoreStatus finding_states(const std::string& sensor, std::vector<Ack>& out) override {
    return rows(sensor, "SELECT finding_id, material_hash, comment, who, when_us FROM findings_state WHERE sensor = ?1 "
                        "ORDER BY finding_id",
                [&](const Statement& q) { out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.int64(4), {}, nullptr});
                },
                "cannot read the acknowledgements", out);
  }

  StoreStatus counters(const std::string& sensor, std::map<std::string, std::uint64_t>& out) override {
    out.clear();
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    out = s->counters();
    return {};
  }

  StoreStatus runs(const std::string& sensor, std::vector<RunRecord>& out) override {
    return rows(sensor, "SELECT started_us, ended_us, command, packets, drops FROM runs WHERE sensor = ?1 "
                        "ORDER BY started_us",
                [&](const Statement& q) {
                  out.push_back({q.int64(0), q.int64(1), q.text(2), q.uint64(3), q.uint64(4)});
                },
                "cannot read the runs", out);
  }

  StoreStatus snapshots(const std::string& sensor, std::vector<SnapshotInfo>& out) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    std::string error;
    out = list_snapshots(*s, error);
    return {error};
  }

  StoreStatus snapshot(const std::string& sensor, std::string_view name, Snapshot& out) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    std::string error;
    auto snap = load_snapshot(*s, name, error);
    if (!snap) return {error};
    out = std::move(*snap);
    return {};
  }

  StoreStatus advisories(const std::string& sensor, std::vector<StoredAdvisory>& out) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    return s->advisories(out);
  }

  StoreStatus remediation_states(const std::string& sensor, std::vector<RemediationState>& out) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    return s->remediation_states(out);
  }

  StoreStatus advisories_version(const std::string& sensor, std::string& out) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    return s->advisories_version(out);
  }

  StoreStatus review_facts(const std::string& sensor, std::int64_t from_us, std::int64_t to_us, std::int64_t grace_us,
                           ReviewFacts& out) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    std::string error;
    auto facts = s->review_facts(from_us, to_us, grace_us, error);
    if (!facts) return {error};
    out = *facts;
    return {};
  }

  StoreStatus capture_drops(const std::string& sensor, std::int64_t from_us, std::int64_t to_us,
                            std::uint64_t& out) override {
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    out = capture_drops_between(*s, from_us, to_us);
    return {};
  }

  StoreStatus appliance(const std::string&, std::optional<ApplianceConfig>& out) override {
    out.reset();
    return {};
  }

  StoreStatus version(std::string& out) override {
    out.clear();
    Store* s = any();
    Statement q = s->statement("PRAGMA data_version");
    if (!q.ok() || !q.next()) return {path_ + ": the database's version does not read (" + s->error_message() + ")"};
    out = std::to_string(q.int64(0));
    return {};
  }

  StoreStatus sensor_versions(std::map<std::string, std::string>& out) override {
    out.clear();
    std::string v;
    if (auto st = version(v); !st) return st;
    std::vector<std::string> names;
    if (auto st = sensors(names); !st) return st;
    for (auto& name : names) out.emplace(std::move(name), v);
    return {};
  }

  StoreStatus asset_counts(std::map<std::string, std::uint64_t>& out) override {
    out.clear();
    Store* s = any();
    Statement q = s->statement("SELECT sensor, COUNT(*) FROM assets GROUP BY sensor");
    int rc = q.ok() ? SQLITE_ROW : SQLITE_ERROR;
    while (q.ok() && (rc = q.step()) == SQLITE_ROW) out[q.text(0)] = q.uint64(1);
    if (rc != SQLITE_DONE) {
      out.clear();
      return {path_ + ": the assets do not count (" + s->error_message() + ")"};
    }
    return {};
  }

 private:
  Store* any() { return borrowed_ ? borrowed_ : &stores_.begin()->second; }

  // The reader Store tagged with `sensor` (Store reads one sensor's records).
  StoreStatus open(const std::string& sensor, Store*& out) {
    if (borrowed_ && borrowed_->sensor_name() == sensor) {
      out = borrowed_;
      return {};
    }
    auto it = stores_.find(sensor);
    if (it == stores_.end()) {
      std::string error;
      auto s = Store::open_reader(path_, sensor, error);
      if (!s) return {error};
      it = stores_.emplace(sensor, std::move(*s)).first;
    }
    out = &it->second;
    return {};
  }

  template <class Out, class Add>
  StoreStatus rows(const std::string& sensor, const char* sql, Add add, const char* what, Out& out) {
    out.clear();
    Store* s = nullptr;
    if (auto st = open(sensor, s); !st) return st;
    Statement q = s->statement(sql);
    if (!q.ok()) return {path_ + ": " + what + " (" + s->error_message() + ")"};
    q.bind(1, sensor);
    int rc = SQLITE_ROW;
    while ((rc = q.step()) == SQLITE_ROW) add(q);
    if (rc != SQLITE_DONE) {
      out.clear();
      return {path_ + ": " + what + " (" + s->error_message() + ")"};
    }
    return {};
  }

  std::string path_;
  Store* borrowed_ = nullptr;  // the caller's, when made over one
  std::map<std::string, Store> stores_;
};

}  // namespace

StoreStatus LedgerSource::load_keys(const std::string& sensor, const std::vector<std::string>& fields, Ledger& ledger) {
  Ledger whole(sensor);
  if (auto st = load(sensor, whole); !st) return st;
  const std::set<std::string_view> wanted(fields.begin(), fields.end());
  std::vector<Asset> assets;
  assets.reserve(whole.assets().size());
  for (Asset& a : whole.assets_mut()) {
    if (a.merged_into != kNoAsset) continue;
    Asset k = std::move(a);
    std::erase_if(k.facts, [&](const FactRecord& f) { return !wanted.contains(f.field); });
    k.protocols.clear();
    k.merged_into = kNoAsset;
    assets.push_back(std::move(k));
  }
  ledger.reserve_loaded(assets.size(), 0);
  for (Asset& a : assets) ledger.load_asset(std::move(a));
  return {};
}

StoreStatus LedgerSource::load_assets(const std::string& sensor, const std::vector<std::string>& ids, Ledger& ledger) {
  if (ids.empty()) return {};
  Ledger whole(sensor);
  if (auto st = load(sensor, whole); !st) return st;
  const auto held = [&](const std::string& id) { return std::binary_search(ids.begin(), ids.end(), id); };
  std::vector<Asset> assets;
  for (Asset& a : whole.assets_mut())
    if (a.merged_into == kNoAsset && held(a.id)) assets.push_back(std::move(a));
  std::vector<Edge> edges;
  for (Edge& e : whole.edges_mut())
    if (e.merged_into == kNoEdge && (held(e.from_id) || held(e.to_id))) edges.push_back(std::move(e));
  ledger.reserve_loaded(assets.size(), edges.size());
  for (Asset& a : assets) ledger.load_asset(std::move(a));
  ledger.load_edges(edges);
  return {};
}

std::unique_ptr<LedgerSource> sqlite_source(const std::string& path, std::string& error) {
  auto store = Store::open_reader(path, "", error);
  if (!store) return nullptr;
  return std::make_unique<SqliteSource>(path, std::move(*store));
}

std::unique_ptr<LedgerSource> sqlite_source(Store& store) { return std::make_unique<SqliteSource>(store); }

}  // namespace mieruka::inventory
