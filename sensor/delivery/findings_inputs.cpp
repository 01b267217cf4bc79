#include "sensor/delivery/findings_inputs.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <iterator>
#include <mutex>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "inventory/render/findings_format.hpp"

namespace mieruka::sensor {

using inventory::Ledger;
using inventory::Store;

namespace {

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::vector<inventory::Ack> read_acks(Store& store, const std::string& sensor) {
  std::vector<inventory::Ack> out;
  if (auto st = inventory::sqlite_source(store)->finding_states(sensor, out); !st)
    spdlog::warn("findings shown without their acknowledgements: {}", st.error);
  return out;
}

inventory::StoreStatus read_acks(inventory::LedgerSource& source, const std::vector<std::string>& sensors,
                                 std::vector<inventory::Ack>& out) {
  out.clear();
  for (const auto& sensor : sensors) {
    std::vector<inventory::Ack> one;
    if (auto st = source.finding_states(sensor, one); !st) {
      out.clear();
      return st;
    }
    out.insert(out.end(), std::make_move_iterator(one.begin()), std::make_move_iterator(one.end()));
  }
  return {};
}

bool record_ack(Store& store, const inventory::Finding& f, const std::string& comment, const std::string& who,
                std::string& error) {
  const bool own = !store.in_transaction();
  if (own && store.exec("SAVEPOINT record_ack") != SQLITE_OK) {
    error = store.path() + ": cannot record the acknowledgement (" + store.error_message() + ")";
    return false;
  }
  const std::int64_t now = wall_us();
  const std::string hash = inventory::material_hash(f.material);
  bool ok = true;
  {
    inventory::Statement q = store.statement(
        "INSERT OR REPLACE INTO findings_state (sensor, finding_id, material_hash, comment, who, when_us) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, store.sensor_name());
    q.bind(2, f.id);
    q.bind(3, hash);
    q.bind(4, comment);
    q.bind(5, who);
    q.bind(6, now);
    if (q.step() != SQLITE_DONE) {
      error = store.path() + ": cannot record the acknowledgement (" + q.message() + ")";
      ok = false;
    }
  }
  if (ok) {
    inventory::Statement q = store.statement(
        "INSERT INTO findings_history (sensor, finding_id, at_us, who, comment, material_hash, evidence_kind, "
        "evidence_values) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, store.sensor_name());
    q.bind(2, f.id);
    q.bind(3, now);
    q.bind(4, who);
    q.bind(5, comment);
    q.bind(6, hash);
    q.bind(7, f.evidence_kind);
    q.bind(8, f.evidence_kind.empty()
                  ? std::string()
                  : f.evidence_values().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (q.step() != SQLITE_DONE) {
      error = store.path() + ": cannot record the acknowledgement's history (" + q.message() + ")";
      ok = false;
    }
  }
  if (own) {
    if (!ok) store.exec("ROLLBACK TO record_ack");
    if (store.exec("RELEASE record_ack") != SQLITE_OK && ok) {
      error = store.path() + ": cannot record the acknowledgement (" + store.error_message() + ")";
      ok = false;
    }
  }
  return ok;
}

std::vector<inventory::Ack> read_ack_history(Store& store, const std::string& id) {
  std::vector<inventory::Ack> out;
  inventory::Statement q = store.statement(
      "SELECT material_hash, comment, who, at_us, evidence_kind, evidence_values FROM findings_history "
      "WHERE sensor = ? AND finding_id = ? ORDER BY at_us, id");
  q.bind(1, store.sensor_name());
  q.bind(2, id);
  while (q.next()) {
    inventory::Ack a{id, q.text(0), q.text(1), q.text(2), q.int64(3), q.text(4), nullptr};
    // A row that does not read as JSON keeps its text evidence only.
    auto v = nlohmann::json::parse(q.text(5), nullptr, false);
    if (v.is_discarded() || !v.is_object()) a.evidence_kind.clear();
    else a.evidence_values = std::move(v);
    out.push_back(std::move(a));
  }
  return out;
}

inventory::FindingsPolicy FindingsInputs::policy(const Config& config) const {
  inventory::FindingsPolicy p;
  p.approved = approved ? &*approved : nullptr;
  p.wireless = wireless ? &*wireless : nullptr;
  p.zones = &config.policy;
  p.learning_period_us = config.policy.learning_period_s * 1'000'000LL;
  p.advisories = advisories ? &advisories->list : nullptr;
  p.advisory_imported_us = advisories ? &advisories->imported_us : nullptr;
  p.remediation = &remediation;
  return p;
}

namespace {

// One parsed set per database, sensor and version: the console and the
// daemon's alert checks compute findings again and again. `read` fetches the
// stored rows when the version is not the one parsed.
template <class Read>
std::shared_ptr<const StoredAdvisories> cached_advisories(const std::string& where, const std::string& sensor,
                                                          const std::string& version, Read read, std::string& error) {
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::pair<std::string, std::shared_ptr<const StoredAdvisories>>>
      cache;
  const auto key = std::make_pair(where, sensor);
  {
    std::lock_guard lock(mu);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.first == version) return it->second.second;
  }
  std::vector<inventory::StoredAdvisory> rows;
  if (auto st = read(rows); !st) {
    error = st.error;
    return nullptr;
  }
  auto out = std::make_shared<StoredAdvisories>();
  out->list.reserve(rows.size());
  for (auto& r : rows) {
    auto j = nlohmann::json::parse(r.doc, nullptr, false);
    auto a = j.is_discarded() ? std::nullopt : inventory::advisories::from_json(j);
    if (!a) {
      spdlog::warn("{}: advisory {} as stored does not read; left out (import it again)", where, r.id);
      continue;
    }
    out->imported_us[a->id] = r.imported_us;
    out->list.push_back(std::move(*a));
  }
  std::lock_guard lock(mu);
  cache[key] = {version, out};
  return out;
}

bool load_lists(const Config& config, FindingsInputs& in, std::string& error, const std::string& approved_path,
                const std::string& wireless_path) {
  const std::string ap = !approved_path.empty() ? approved_path : config.policy.approved_path;
  const std::string wl = !wireless_path.empty() ? wireless_path : config.policy.wireless_allow_path;
  if (!ap.empty()) {
    in.approved = inventory::load_approved(ap, error);
    if (!in.approved) return false;
  }
  if (!wl.empty()) {
    in.wireless = inventory::load_wireless_allow(wl, error);
    if (!in.wireless) return false;
  }
  return true;
}

// The advisories `sensor` imported, parsed once per database, sensor and version.
std::shared_ptr<const StoredAdvisories> advisories_of(inventory::LedgerSource& source, const std::string& sensor,
                                                      std::string& error) {
  std::string version;
  if (auto st = source.advisories_version(sensor, version); !st) {
    error = st.error;
    return nullptr;
  }
  return cached_advisories(
      source.where(), sensor, version,
      [&](std::vector<inventory::StoredAdvisory>& rows) { return source.advisories(sensor, rows); }, error);
}

}  // namespace

// The SQLite ledger a Store is open on is read as every source is, through
// sqlite_source(store): one way of reading a ledger's findings inputs, whether
// the database is the appliance's own or the central store.
std::shared_ptr<const StoredAdvisories> load_stored_advisories(Store& store, std::string& error) {
  return advisories_of(*inventory::sqlite_source(store), store.sensor_name(), error);
}

bool load_findings_inputs(const Config& config, Store& store, FindingsInputs& in, std::string& error,
                          const std::string& approved_path, const std::string& wireless_path) {
  return load_findings_inputs(config, *inventory::sqlite_source(store), {store.sensor_name()}, in, error,
                              approved_path, wireless_path);
}

std::optional<std::vector<inventory::Finding>> current_findings(const Config& config, Store& store,
                                                                const Ledger& ledger, std::string& error,
                                                                const std::string& approved_path,
                                                                const std::string& wireless_path) {
  return current_findings(config, *inventory::sqlite_source(store), {store.sensor_name()}, ledger, error,
                          approved_path, wireless_path);
}

bool load_findings_inputs(const Config& config, inventory::LedgerSource& source,
                          const std::vector<std::string>& sensors, FindingsInputs& in, std::string& error,
                          const std::string& approved_path, const std::string& wireless_path) {
  if (!load_lists(config, in, error, approved_path, wireless_path)) return false;
  std::shared_ptr<StoredAdvisories> joined;
  for (const auto& sensor : sensors) {
    auto one = advisories_of(source, sensor, error);
    if (!one) return false;
    std::vector<inventory::RemediationState> states;
    if (auto st = source.remediation_states(sensor, states); !st) {
      error = st.error;
      return false;
    }
    in.remediation.insert(in.remediation.end(), states.begin(), states.end());
    if (sensors.size() == 1) {
      in.advisories = std::move(one);
      return true;
    }
    if (!joined) joined = std::make_shared<StoredAdvisories>();
    for (const auto& a : one->list) {
      const auto at = one->imported_us.find(a.id);
      const std::int64_t imported = at == one->imported_us.end() ? 0 : at->second;
      auto [it, added] = joined->imported_us.emplace(a.id, imported);
      if (added) joined->list.push_back(a);
      else it->second = std::min(it->second, imported);
    }
  }
  in.advisories = joined ? std::shared_ptr<const StoredAdvisories>(joined) : std::make_shared<StoredAdvisories>();
  return true;
}

std::optional<std::vector<inventory::Finding>> current_findings(const Config& config, inventory::LedgerSource& source,
                                                                const std::vector<std::string>& sensors,
                                                                const Ledger& ledger, std::string& error,
                                                                const std::string& approved_path,
                                                                const std::string& wireless_path) {
  FindingsInputs in;
  if (!load_findings_inputs(config, source, sensors, in, error, approved_path, wireless_path)) return std::nullopt;
  std::vector<inventory::Ack> acks;
  if (auto st = read_acks(source, sensors, acks); !st) {
    error = st.error;
    return std::nullopt;
  }
  auto findings = inventory::compute_findings(ledger, in.policy(config));
  inventory::apply_acks(findings, acks);
  return findings;
}

namespace {

// A file as it is now: its path, size and modification time ("" when absent).
std::string file_key(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return path + "|-";
  return fmt::format("{}|{}|{}.{}", path, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// What findings are judged by besides the ledger, as one text: the lists'
// files as they are (`ap`, `wl`: as load_lists resolves them), each
// advisory (id, when imported) and remediation state.
std::string inputs_key(const FindingsInputs& in, const std::string& ap, const std::string& wl) {
  std::string key = file_key(ap) + "\n" + file_key(wl);
  if (in.advisories)
    for (const auto& a : in.advisories->list) {
      const auto at = in.advisories->imported_us.find(a.id);
      key += fmt::format("\na {} {}", a.id, at == in.advisories->imported_us.end() ? 0 : at->second);
    }
  for (const auto& r : in.remediation)
    key += fmt::format("\nr {} {} {} {} {}", r.asset_id, r.advisory_id, r.cve, r.state, r.comment);
  return key;
}

}  // namespace

bool fleet_findings(const Config& config, inventory::LedgerSource& source, const std::vector<std::string>& sensors,
                    const inventory::FleetIndex& index, std::size_t part_devices, FleetFindings& out,
                    std::string& error, const std::string& approved_path, const std::string& wireless_path,
                    const std::function<bool(Ledger&, const std::vector<inventory::AssetIndex>&)>& each,
                    const std::function<bool(const std::vector<inventory::AssetIndex>&)>& skip) {
  FindingsInputs in;
  out = FleetFindings{};
  bool judged = load_findings_inputs(config, source, sensors, in, out.findings_error, approved_path, wireless_path);
  if (judged)
    if (auto st = read_acks(source, sensors, out.acks); !st) {
      out.findings_error = st.error;
      judged = false;
    }
  out.inputs = judged ? inputs_key(in, !approved_path.empty() ? approved_path : config.policy.approved_path,
                                   !wireless_path.empty() ? wireless_path : config.policy.wireless_allow_path)
                      : std::string();
  inventory::FindingsPolicy policy = judged ? in.policy(config) : inventory::FindingsPolicy{};
  policy.host_groups = &index.host_groups();
  std::vector<inventory::Finding> findings;
  const auto& keys = index.keys().assets();
  for (const auto& part : index.parts(part_devices)) {
    if (skip && skip(part)) continue;
    std::vector<std::string> ids;
    std::unordered_set<std::string> own;
    ids.reserve(part.size());
    for (const inventory::AssetIndex i : part) {
      ids.push_back(keys[i].id);
      own.insert(ids.back());
    }
    Ledger L;
    if (auto st = index.read(source, ids, L); !st) {
      error = st.error;
      return false;
    }
    if (judged) {
      auto fs = inventory::compute_findings(L, policy, own);
      findings.insert(findings.end(), std::make_move_iterator(fs.begin()), std::make_move_iterator(fs.end()));
    }
    if (each && !each(L, part)) {
      error = "stopped";
      return false;
    }
  }
  if (judged) {
    inventory::sort_findings(findings);
    out.findings = std::move(findings);
  }
  return true;
}

namespace {

// A diff's new findings: those first seen after snapshot `a` up to `b` and not
// acknowledged, as JSON; none, with a warning, when they could not be made.
nlohmann::ordered_json fresh_findings_json(std::optional<std::vector<inventory::Finding>> fs, const std::string& error,
                                           const inventory::Snapshot& a, const inventory::Snapshot& b) {
  if (!fs) {
    spdlog::warn("diff without new findings: {}", error);
    return nlohmann::ordered_json::array();
  }
  std::vector<inventory::Finding> fresh;
  for (auto& f : *fs)
    if (!f.acknowledged && f.first_us > a.info.taken_us && f.first_us <= b.info.taken_us) fresh.push_back(std::move(f));
  return inventory::findings_json(fresh);
}

// diff_options over `source`, which the options' new_findings keep (they are
// called after this returns).
inventory::DiffOptions diff_options_over(const Config& config, std::shared_ptr<inventory::LedgerSource> source,
                                         const std::string& sensor, const inventory::Snapshot& from,
                                         const inventory::Snapshot& to) {
  inventory::DiffOptions opt;
  opt.absence_us = config.snapshots.absence_us;
  // Drops counted by the runs that ended in (from, to].
  if (auto st = source->capture_drops(sensor, from.info.taken_us, to.info.taken_us, opt.capture_drops); !st)
    spdlog::warn("diff without capture drops: {}", st.error);
  opt.new_findings = [&config, source, sensor](const inventory::Snapshot& a, const inventory::Snapshot& b) {
    Ledger ledger(sensor);
    std::string error;
    std::optional<std::vector<inventory::Finding>> fs;
    if (auto st = source->load(sensor, ledger); !st) {
      error = st.error;
    } else {
      fs = current_findings(config, *source, std::vector<std::string>{sensor}, ledger, error);
    }
    return fresh_findings_json(std::move(fs), error, a, b);
  };
  return opt;
}

}  // namespace

inventory::DiffOptions diff_options(const Config& config, Store& store, const inventory::Snapshot& from,
                                    const inventory::Snapshot& to) {
  return diff_options_over(config, inventory::sqlite_source(store), store.sensor_name(), from, to);
}

inventory::DiffOptions diff_options(const Config& config, inventory::LedgerSource& source, const std::string& sensor,
                                    const inventory::Snapshot& from, const inventory::Snapshot& to) {
  // The caller's source, not owned: it outlives the options.
  return diff_options_over(config, std::shared_ptr<inventory::LedgerSource>(&source, [](inventory::LedgerSource*) {}),
                           sensor, from, to);
}

}  // namespace mieruka::sensor
