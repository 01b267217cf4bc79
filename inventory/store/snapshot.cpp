// Snapshots and diffs (see snapshot.hpp for the contract).
#include "inventory/store/snapshot.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "inventory/policy/classify.hpp"
#include "inventory/render/export.hpp"
#include "inventory/store/sqlite_statement.hpp"
#include "inventory/text/text_escape.hpp"

namespace mieruka::inventory {
namespace {

using Json = nlohmann::ordered_json;

// Shown fields compared by a diff, in output order; "ip" is the IP bindings.
constexpr std::array<std::string_view, 7> kDiffFields = {"vendor", "product", "revision", "serial",
                                                         "name",   "class",   "ip"};

std::size_t field_rank(std::string_view f) {
  return static_cast<std::size_t>(std::find(kDiffFields.begin(), kDiffFields.end(), f) - kDiffFields.begin());
}

// --- SQLite errors ----------------------------------------------------------------

std::string db_error(Store& store, std::string_view what) {
  const int rc = store.error_code();
  std::string line = store.path() + ": " + std::string(what) + " (" + store.error_message() + ")";
  if ((rc & 0xff) == SQLITE_FULL) line += "; free space on the disk holding " + store.path();
  if ((rc & 0xff) == SQLITE_BUSY) line += "; another process holds the database, retry later";
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
    line += "; the database is damaged: move it aside and use another --db";
  return line;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::optional<std::string> opt_string(const Json& j, std::string_view key) {
  const auto it = j.find(std::string(key));
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A string field for text and CSV: a string as it is, a number printed, null,
// missing or anything else empty. Findings carry null MAC/IP for hidden
// equipment, and Json::value() throws on a null of the wrong type, which lost
// the whole diff.
std::string text_at(const Json& j, std::string_view key, std::string_view fallback = {}) {
  if (!j.is_object()) return std::string(fallback);
  const auto it = j.find(std::string(key));
  if (it == j.end()) return std::string(fallback);
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return std::string(fallback);
}

// A numeric field; null, missing or not a number gives 0.
std::int64_t int_at(const Json& j, std::string_view key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(std::string(key));
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_float() ? static_cast<std::int64_t>(it->get<double>()) : it->get<std::int64_t>();
}

// Quiet for longer than the absence period at `horizon_us`.
bool absent(std::int64_t last_us, std::int64_t horizon_us, std::int64_t absence_us) {
  return horizon_us - last_us > absence_us;
}

// "10.10.1.20" etc. for text and CSV; empty when the asset has none.
std::string first_ip(const Json& a) {
  const auto it = a.find("ips");
  if (it == a.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return {};
  return (*it)[0].get<std::string>();
}

}  // namespace

// --- building and naming ---------------------------------------------------------

Snapshot make_snapshot(const Ledger& ledger, std::string name, std::int64_t taken_us) {
  Snapshot s;
  s.info.name = std::move(name);
  s.info.sensor = ledger.sensor_name();
  s.info.taken_us = taken_us;
  const AssetLinks links(ledger);
  for (const Asset& a : ledger.assets()) {
    SnapshotAsset sa;
    sa.id = a.id;
    sa.json = asset_json(ledger, a, &links);
    sa.last_us = a.last_us;
    std::map<std::string, std::int64_t> ips;
    if (a.key_ip && a.key_ip->valid()) ips[a.key_ip->to_string()] = a.last_us;
    for (const IpRecord& r : a.ips) {
      if (!r.ip.valid()) continue;
      auto& last = ips[r.ip.to_string()];
      last = std::max(last, r.last_us);
    }
    sa.ip_last_us.assign(ips.begin(), ips.end());
    s.info.observed_until_us = std::max(s.info.observed_until_us, a.last_us);
    s.assets.push_back(std::move(sa));
  }
  for (const Edge& e : ledger.edges()) {
    if (e.merged_into != kNoEdge) continue;  // a tombstone, not shown anywhere
    s.links.push_back({e.id, link_json(ledger, e), e.last_us});
    s.info.observed_until_us = std::max(s.info.observed_until_us, e.last_us);
  }
  std::sort(s.assets.begin(), s.assets.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  std::sort(s.links.begin(), s.links.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  s.info.assets = s.assets.size();
  s.info.links = s.links.size();
  return s;
}

std::string default_snapshot_name(std::int64_t taken_us) { return format_time_us(taken_us); }

std::string check_snapshot_name(std::string_view name) {
  if (name.empty()) return "a snapshot name cannot be empty";
  if (name.size() > kMaxSnapshotNameBytes)
    return "snapshot name longer than " + std::to_string(kMaxSnapshotNameBytes) + " bytes";
  bool bad = false;
  (void)sanitize_utf8(name, &bad);
  if (bad) return "snapshot name is not valid UTF-8";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "snapshot name contains a control character";
  }
  if (name == kNowSnapshotName) return "\"now\" is reserved for the ledger as it is now; choose another name";
  return {};
}

// --- storage ---------------------------------------------------------------------

StoreStatus save_snapshot(Store& store, const Snapshot& snap) {
  if (auto why = check_snapshot_name(snap.info.name); !why.empty()) return {why};
  if (store.exec("BEGIN IMMEDIATE") != SQLITE_OK)
    return {db_error(store, "cannot start writing the snapshot")};
  auto fail = [&](std::string line) {
    if (store.in_transaction()) store.exec("ROLLBACK");
    return StoreStatus{std::move(line)};
  };
  {
    Statement q = store.statement("SELECT 1 FROM snapshots WHERE sensor = ?1 AND name = ?2");
    if (!q.ok()) return fail(db_error(store, "cannot read snapshots"));
    q.bind(1, store.sensor_name());
    q.bind(2, snap.info.name);
    if (q.step() == SQLITE_ROW)
      return fail(store.path() + ": a snapshot named \"" + snap.info.name +
                  "\" exists already; choose another --name (see `mieruka snapshot list`)");
  }
  int rc = SQLITE_OK;
  {
    Statement q = store.statement("INSERT INTO snapshots (sensor, name, taken_us, observed_until_us, assets, links) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    rc = q.prepare_rc();
    if (rc == SQLITE_OK) {
      q.bind(1, store.sensor_name());
      q.bind(2, snap.info.name);
      q.bind(3, snap.info.taken_us);
      q.bind(4, snap.info.observed_until_us);
      q.bind(5, static_cast<std::int64_t>(snap.assets.size()));
      q.bind(6, static_cast<std::int64_t>(snap.links.size()));
      rc = q.run();
    }
  }
  if (rc == SQLITE_OK) {
    Statement qa = store.statement("INSERT INTO snapshot_assets (sensor, snapshot, asset_id, last_us, body) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)");
    Statement qi = store.statement("INSERT INTO snapshot_asset_ips (sensor, snapshot, asset_id, ip, last_us) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)");
    rc = qa.ok() ? qi.prepare_rc() : qa.prepare_rc();
    for (const SnapshotAsset& a : snap.assets) {
      if (rc != SQLITE_OK) break;
      qa.bind(1, store.sensor_name());
      qa.bind(2, snap.info.name);
      qa.bind(3, a.id);
      qa.bind(4, a.last_us);
      qa.bind(5, a.json.dump());
      rc = qa.run();
      for (const auto& [ip, last] : a.ip_last_us) {
        if (rc != SQLITE_OK) break;
        qi.bind(1, store.sensor_name());
        qi.bind(2, snap.info.name);
        qi.bind(3, a.id);
        qi.bind(4, ip);
        qi.bind(5, last);
        rc = qi.run();
      }
    }
  }
  if (rc == SQLITE_OK) {
    Statement q = store.statement(
        "INSERT INTO snapshot_links (sensor, snapshot, link_id, last_us, packets, bytes, body) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    rc = q.prepare_rc();
    for (const SnapshotLink& l : snap.links) {
      if (rc != SQLITE_OK) break;
      q.bind(1, store.sensor_name());
      q.bind(2, snap.info.name);
      q.bind(3, l.id);
      q.bind(4, l.last_us);
      q.bind(5, int_at(l.json, "packets"));
      q.bind(6, int_at(l.json, "bytes"));
      q.bind(7, l.json.dump());
      rc = q.run();
    }
  }
  if (rc == SQLITE_OK) rc = store.exec("COMMIT");
  if (rc != SQLITE_OK) return fail(db_error(store, "cannot save snapshot \"" + snap.info.name + "\""));
  return {};
}

bool snapshot_exists(Store& store, std::string_view name) {
  Statement q = store.statement("SELECT 1 FROM snapshots WHERE sensor = ?1 AND name = ?2");
  if (!q.ok()) return false;
  q.bind(1, store.sensor_name());
  q.bind(2, name);
  return q.step() == SQLITE_ROW;
}

std::optional<Snapshot> load_snapshot(Store& store, std::string_view name, std::string& error) {
  // One read transaction: a consistent view while a daemon writes.
  if (store.exec("BEGIN") != SQLITE_OK) {
    error = db_error(store, "cannot read snapshots");
    return std::nullopt;
  }
  struct EndRead {
    Store& store;
    ~EndRead() { store.exec("COMMIT"); }
  } end_read{store};

  Snapshot s;
  {
    Statement q = store.statement("SELECT name, taken_us, observed_until_us, assets, links FROM snapshots "
                                  "WHERE sensor = ?1 AND name = ?2");
    if (!q.ok()) {
      error = db_error(store, "cannot read snapshots");
      return std::nullopt;
    }
    q.bind(1, store.sensor_name());
    q.bind(2, name);
    if (q.step() != SQLITE_ROW) {
      error = store.path() + ": no snapshot named \"" + terminal_safe(name) +
              "\" (see `mieruka snapshot list`, or use --to now)";
      return std::nullopt;
    }
    s.info.name = q.text(0);
    s.info.sensor = store.sensor_name();
    s.info.taken_us = q.int64(1);
    s.info.observed_until_us = q.int64(2);
    s.info.assets = static_cast<std::uint64_t>(q.int64(3));
    s.info.links = static_cast<std::uint64_t>(q.int64(4));
  }
  auto damaged = [&](std::string_view what) {
    error = store.path() + ": snapshot \"" + terminal_safe(name) + "\" is damaged (" + std::string(what) +
            "); take a new one with `mieruka snapshot`";
    return std::nullopt;
  };
  {
    Statement q = store.statement(
        "SELECT asset_id, last_us, body FROM snapshot_assets WHERE sensor = ?1 AND snapshot = ?2 "
        "ORDER BY asset_id");
    if (!q.ok()) return damaged(store.error_message());
    q.bind(1, store.sensor_name());
    q.bind(2, name);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      SnapshotAsset a;
      a.id = q.text(0);
      a.last_us = q.int64(1);
      a.json = Json::parse(q.text(2), nullptr, false);
      if (a.json.is_discarded() || !a.json.is_object()) return damaged("asset " + a.id + " is not JSON");
      s.assets.push_back(std::move(a));
    }
    if (rc != SQLITE_DONE) return damaged(store.error_message());
  }
  {
    Statement q = store.statement(
        "SELECT asset_id, ip, last_us FROM snapshot_asset_ips WHERE sensor = ?1 AND snapshot = ?2 "
        "ORDER BY asset_id, ip");
    if (!q.ok()) return damaged(store.error_message());
    q.bind(1, store.sensor_name());
    q.bind(2, name);
    std::size_t at = 0;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      const std::string id = q.text(0);
      while (at < s.assets.size() && s.assets[at].id < id) ++at;
      if (at == s.assets.size() || s.assets[at].id != id) continue;
      s.assets[at].ip_last_us.emplace_back(q.text(1), q.int64(2));
    }
    if (rc != SQLITE_DONE) return damaged(store.error_message());
  }
  {
    Statement q = store.statement(
        "SELECT link_id, last_us, body FROM snapshot_links WHERE sensor = ?1 AND snapshot = ?2 "
        "ORDER BY link_id");
    if (!q.ok()) return damaged(store.error_message());
    q.bind(1, store.sensor_name());
    q.bind(2, name);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      SnapshotLink l;
      l.id = q.text(0);
      l.last_us = q.int64(1);
      l.json = Json::parse(q.text(2), nullptr, false);
      if (l.json.is_discarded() || !l.json.is_object()) return damaged("link " + l.id + " is not JSON");
      s.links.push_back(std::move(l));
    }
    if (rc != SQLITE_DONE) return damaged(store.error_message());
  }
  return s;
}

std::vector<SnapshotInfo> list_snapshots(Store& store, std::string& error) {
  std::vector<SnapshotInfo> out;
  Statement q = store.statement(
      "SELECT name, taken_us, observed_until_us, assets, links FROM snapshots WHERE sensor = ?1 "
      "ORDER BY taken_us, name");
  if (!q.ok()) {
    error = db_error(store, "cannot read snapshots");
    return out;
  }
  q.bind(1, store.sensor_name());
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    SnapshotInfo i;
    i.name = q.text(0);
    i.sensor = store.sensor_name();
    i.taken_us = q.int64(1);
    i.observed_until_us = q.int64(2);
    i.assets = static_cast<std::uint64_t>(q.int64(3));
    i.links = static_cast<std::uint64_t>(q.int64(4));
    out.push_back(std::move(i));
  }
  if (rc != SQLITE_DONE) error = db_error(store, "cannot read snapshots");
  return out;
}

StoreStatus delete_snapshot(Store& store, std::string_view name) {
  // Child rows go with it (ON DELETE CASCADE; the Store turns foreign keys on).
  Statement q = store.statement("DELETE FROM snapshots WHERE sensor = ?1 AND name = ?2");
  if (!q.ok()) return {db_error(store, "cannot delete snapshot")};
  q.bind(1, store.sensor_name());
  q.bind(2, name);
  if (q.run() != SQLITE_OK) return {db_error(store, "cannot delete snapshot")};
  return {};
}

std::uint64_t capture_drops_between(Store& store, std::int64_t from_us, std::int64_t to_us) {
  Statement q = store.statement(
      "SELECT COALESCE(SUM(drops), 0) FROM runs WHERE sensor = ?1 AND ended_us > ?2 AND ended_us <= ?3");
  if (!q.ok()) return 0;
  q.bind(1, store.sensor_name());
  q.bind(2, from_us);
  q.bind(3, to_us);
  if (q.step() != SQLITE_ROW) return 0;
  return static_cast<std::uint64_t>(q.int64(0));
}

// --- retention --------------------------------------------------------------------

std::vector<std::string> snapshots_to_prune(const std::vector<SnapshotInfo>& snapshots,
                                            const RetentionPolicy& policy) {
  constexpr std::int64_t kDayUs = 86400LL * 1000000;
  // Newest first, so the first snapshot met in a day or week is the one kept.
  std::vector<const SnapshotInfo*> order;
  for (const auto& s : snapshots) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const SnapshotInfo* a, const SnapshotInfo* b) {
    return std::tie(a->taken_us, a->name) > std::tie(b->taken_us, b->name);
  });
  std::set<std::string> keep;
  std::set<std::int64_t> days, weeks;
  for (const SnapshotInfo* s : order) {
    const std::int64_t day = floor_div(s->taken_us + policy.utc_offset_s * 1000000, kDayUs);
    // 1970-01-01 was a Thursday: day + 3 counts from Monday 1969-12-29.
    const std::int64_t week = floor_div(day + 3, 7);
    if (!days.contains(day) && static_cast<std::int64_t>(days.size()) < policy.keep_daily) {
      days.insert(day);
      keep.insert(s->name);
    }
    if (!weeks.contains(week) && static_cast<std::int64_t>(weeks.size()) < policy.keep_weekly) {
      weeks.insert(week);
      keep.insert(s->name);
    }
  }
  std::vector<std::string> out;
  for (const auto& s : snapshots)
    if (!keep.contains(s.name)) out.push_back(s.name);
  std::sort(out.begin(), out.end());
  return out;
}

// --- diff -------------------------------------------------------------------------

Diff diff_snapshots(const Snapshot& from, const Snapshot& to, const DiffOptions& options) {
  Diff d;
  d.from = from.info;
  d.to = to.info;
  d.absence_us = options.absence_us;
  d.capture_drops = options.capture_drops;
  const std::int64_t absence = options.absence_us;
  const std::int64_t from_t = from.info.observed_until_us, to_t = to.info.observed_until_us;

  // Assets: both lists are sorted by id; walk them together.
  std::map<std::string_view, const SnapshotAsset*> old_assets;
  for (const auto& a : from.assets) old_assets.emplace(a.id, &a);
  std::set<std::string_view> seen_in_to;
  for (const SnapshotAsset& now : to.assets) {
    seen_in_to.insert(now.id);
    const auto it = old_assets.find(now.id);
    if (it == old_assets.end()) {
      d.new_assets.push_back(now.json);
      continue;
    }
    const SnapshotAsset& was = *it->second;
    const bool was_present = !absent(was.last_us, from_t, absence);
    if (was_present && absent(now.last_us, to_t, absence)) {
      d.vanished_assets.push_back(now.json);
      continue;
    }
    const auto mac = opt_string(now.json, "mac");
    for (std::string_view f : kDiffFields) {
      if (f == "ip") continue;
      auto o = opt_string(was.json, f), n = opt_string(now.json, f);
      if (o != n) d.changed_assets.push_back({now.id, mac, std::string(f), std::move(o), std::move(n)});
    }
    // IP bindings: added when new in `to`; removed when it was live at `from`
    // and is gone or quiet past the absence period at `to`.
    std::map<std::string_view, std::int64_t> old_ips(was.ip_last_us.begin(), was.ip_last_us.end());
    std::map<std::string_view, std::int64_t> new_ips(now.ip_last_us.begin(), now.ip_last_us.end());
    for (const auto& [ip, last] : new_ips) {
      if (!old_ips.contains(ip)) d.changed_assets.push_back({now.id, mac, "ip", std::nullopt, std::string(ip)});
    }
    for (const auto& [ip, last] : old_ips) {
      if (absent(last, from_t, absence)) continue;
      const auto n = new_ips.find(ip);
      if (n == new_ips.end() || absent(n->second, to_t, absence))
        d.changed_assets.push_back({now.id, mac, "ip", std::string(ip), std::nullopt});
    }
  }
  for (const SnapshotAsset& was : from.assets) {
    // Gone from the ledger altogether (e.g. shed under memory pressure).
    if (!seen_in_to.contains(was.id) && !absent(was.last_us, from_t, absence)) d.vanished_assets.push_back(was.json);
  }

  std::map<std::string_view, const SnapshotLink*> old_links;
  for (const auto& l : from.links) old_links.emplace(l.id, &l);
  std::set<std::string_view> links_in_to;
  for (const SnapshotLink& now : to.links) {
    links_in_to.insert(now.id);
    const auto it = old_links.find(now.id);
    if (it == old_links.end()) {
      d.new_links.push_back(now.json);
      continue;
    }
    if (!absent(it->second->last_us, from_t, absence) && absent(now.last_us, to_t, absence))
      d.vanished_links.push_back(now.json);
  }
  for (const SnapshotLink& was : from.links) {
    if (!links_in_to.contains(was.id) && !absent(was.last_us, from_t, absence)) d.vanished_links.push_back(was.json);
  }

  auto by_id = [](const Json& a, const Json& b) { return text_at(a, "id") < text_at(b, "id"); };
  for (auto* v : {&d.new_assets, &d.vanished_assets, &d.new_links, &d.vanished_links})
    std::stable_sort(v->begin(), v->end(), by_id);
  std::sort(d.changed_assets.begin(), d.changed_assets.end(), [](const AssetChange& a, const AssetChange& b) {
    return std::make_tuple(a.asset, field_rank(a.field), a.old_value, a.new_value) <
           std::make_tuple(b.asset, field_rank(b.field), b.old_value, b.new_value);
  });
  if (options.new_findings) d.new_findings = options.new_findings(from, to);
  return d;
}

// --- output -----------------------------------------------------------------------

namespace {

Json opt_json(const std::optional<std::string>& v) { return v ? Json(sanitize_utf8(*v)) : Json(nullptr); }

std::string time_text(std::int64_t us) { return us > 0 ? format_time_us(us) : std::string("-"); }

// "00:00:bc:12:34:56 10.10.1.20 PLC-LINE1 (Rockwell Automation 1756-L81E/B, plc)"
std::string asset_line(const Json& a) {
  std::string line = opt_string(a, "mac").value_or(text_at(a, "id"));
  if (const std::string ip = first_ip(a); !ip.empty()) line += " " + ip;
  if (auto n = opt_string(a, "name")) line += " " + *n;
  std::string what;
  for (const char* f : {"vendor", "product", "revision"}) {
    if (auto v = opt_string(a, f)) what += (what.empty() ? "" : " ") + *v;
  }
  const std::string cls = text_at(a, "class", "unknown");
  line += " (" + (what.empty() ? std::string() : what + ", ") + cls + ")";
  if (auto last = opt_string(a, "last_seen")) line += " last seen " + *last;
  return terminal_safe(line);
}

std::string link_endpoint(const Json& l, const char* side) {
  const std::string s(side);
  if (auto ip = opt_string(l, s + "_ip")) return *ip;
  if (auto mac = opt_string(l, s + "_mac")) return *mac;
  return text_at(l, s);
}

std::string link_line(const Json& l) {
  std::string line = link_endpoint(l, "from") + " -> " + link_endpoint(l, "to") + " " + text_at(l, "protocol");
  const std::int64_t port = int_at(l, "port");
  if (port != 0) line += "/" + std::to_string(port);
  if (const std::int64_t vlan = int_at(l, "vlan"); vlan != 0) line += " vlan " + std::to_string(vlan);
  line += " (" + std::to_string(int_at(l, "packets")) + " packets";
  if (auto last = opt_string(l, "last_seen")) line += ", last seen " + *last;
  return terminal_safe(line + ")");
}

std::string link_name(const Json& l) {
  std::string s = link_endpoint(l, "from") + " -> " + link_endpoint(l, "to");
  return s;
}

}  // namespace

Json diff_json(const Diff& d) {
  Json j;
  j["from"] = sanitize_utf8(d.from.name);
  j["to"] = sanitize_utf8(d.to.name);
  j["from_time"] = d.from.taken_us > 0 ? Json(format_time_us(d.from.taken_us)) : Json(nullptr);
  j["to_time"] = d.to.taken_us > 0 ? Json(format_time_us(d.to.taken_us)) : Json(nullptr);
  j["observed_until"] = d.to.observed_until_us > 0 ? Json(format_time_us(d.to.observed_until_us)) : Json(nullptr);
  j["absence_seconds"] = d.absence_us / 1000000;
  j["sensor"] = sanitize_utf8(d.to.sensor);
  j["new_assets"] = Json(d.new_assets);
  j["vanished_assets"] = Json(d.vanished_assets);
  Json changes = Json::array();
  for (const AssetChange& c : d.changed_assets) {
    Json o;
    o["asset"] = sanitize_utf8(c.asset);
    o["mac"] = opt_json(c.mac);
    o["field"] = c.field;
    o["old"] = opt_json(c.old_value);
    o["new"] = opt_json(c.new_value);
    changes.push_back(std::move(o));
  }
  j["changed_assets"] = std::move(changes);
  j["new_links"] = Json(d.new_links);
  j["vanished_links"] = Json(d.vanished_links);
  j["new_findings"] = d.new_findings.is_array() ? d.new_findings : Json::array();
  j["capture_drops"] = d.capture_drops;
  return j;
}

std::string diff_text(const Diff& d) {
  std::string out;
  out += "Mieruka diff, sensor " + terminal_safe(d.to.sensor) + "\n";
  out += "from: " + terminal_safe(d.from.name) + " (" + time_text(d.from.taken_us) + ")\n";
  out += "to:   " + terminal_safe(d.to.name) + " (" + time_text(d.to.taken_us) + ", traffic seen until " +
         time_text(d.to.observed_until_us) + ")\n";
  out += "absence period: " + std::to_string(d.absence_us / 1000000) + " s\n";
  const std::size_t total = d.new_assets.size() + d.vanished_assets.size() + d.changed_assets.size() +
                            d.new_links.size() + d.vanished_links.size() + d.new_findings.size();
  if (total == 0) out += "\nNo changes.\n";
  auto section = [&](const std::string& title, const auto& items, auto&& line) {
    if (items.empty()) return;
    out += "\n" + title + " (" + std::to_string(items.size()) + "):\n";
    for (const auto& x : items) out += "  " + line(x) + "\n";
  };
  section("New assets", d.new_assets, [](const Json& a) { return "+ " + asset_line(a); });
  section("Vanished assets", d.vanished_assets, [](const Json& a) { return "- " + asset_line(a); });
  section("Changed assets", d.changed_assets, [](const AssetChange& c) {
    std::string who = c.mac.value_or(c.asset);
    if (c.field == "ip") {
      if (!c.old_value) return terminal_safe("~ " + who + " ip added: " + *c.new_value);
      if (!c.new_value) return terminal_safe("~ " + who + " ip removed: " + *c.old_value);
    }
    return terminal_safe("~ " + who + " " + c.field + ": " + c.old_value.value_or("(none)") + " -> " +
                         c.new_value.value_or("(none)"));
  });
  section("New links", d.new_links, [](const Json& l) { return "+ " + link_line(l); });
  section("Vanished links", d.vanished_links, [](const Json& l) { return "- " + link_line(l); });
  // Devices a published advisory newly affects (an advisory imported, or a
  // device or firmware seen, in the period) are listed apart from the rest.
  std::vector<Json> affected, other;
  for (const auto& f : d.new_findings) (text_at(f, "type") == "vulnerable" ? affected : other).push_back(f);
  section("New findings", other, [](const Json& f) {
    return terminal_safe("! " + text_at(f, "type", "?") + " " + text_at(f, "asset") + " " + text_at(f, "evidence"));
  });
  section("Newly affected devices (published advisories)", affected, [](const Json& f) {
    const std::string who = text_at(f, "mac").empty() ? text_at(f, "asset") : text_at(f, "mac");
    return terminal_safe("! " + who + " " + text_at(f, "ip") + " " + text_at(f, "advisory") + " " +
                         text_at(f, "confidence") + " (" + text_at(f, "severity") + "): " + text_at(f, "title"));
  });
  out += "\ncapture drops: " + std::to_string(d.capture_drops) + "\n";
  return out;
}

std::string diff_csv(const Diff& d) {
  std::string out = "change,asset,mac,ip,name,field,old,new,link,protocol,port\r\n";
  auto row = [&](std::initializer_list<std::string> cells) {
    bool first = true;
    for (const std::string& c : cells) {
      if (!first) out += ',';
      first = false;
      out += csv_cell(c);
    }
    out += "\r\n";
  };
  auto asset_row = [&](const char* change, const Json& a) {
    row({change, text_at(a, "id"), opt_string(a, "mac").value_or(""), first_ip(a), opt_string(a, "name").value_or(""),
         "", "", "", "", "", ""});
  };
  auto link_row = [&](const char* change, const Json& l) {
    row({change, "", "", "", "", "", "", "", link_name(l), text_at(l, "protocol"), std::to_string(int_at(l, "port"))});
  };
  for (const auto& a : d.new_assets) asset_row("new_asset", a);
  for (const auto& a : d.vanished_assets) asset_row("vanished_asset", a);
  for (const AssetChange& c : d.changed_assets)
    row({"changed", c.asset, c.mac.value_or(""), "", "", c.field, c.old_value.value_or(""), c.new_value.value_or(""),
         "", "", ""});
  for (const auto& l : d.new_links) link_row("new_link", l);
  for (const auto& l : d.vanished_links) link_row("vanished_link", l);
  for (const auto& f : d.new_findings)
    row({"new_finding", text_at(f, "asset"), text_at(f, "mac"), text_at(f, "ip"), "", text_at(f, "type"), "",
         text_at(f, "evidence"), "", "", ""});
  row({"capture_drops", "", "", "", "", "", "", std::to_string(d.capture_drops), "", "", ""});
  return out;
}

std::optional<std::int64_t> parse_duration_us(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; text.remove_suffix(1); break;
    case 'm': unit = 60; text.remove_suffix(1); break;
    case 'h': unit = 3600; text.remove_suffix(1); break;
    case 'd': unit = 86400; text.remove_suffix(1); break;
    case 'w': unit = 7 * 86400; text.remove_suffix(1); break;
    default: break;
  }
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  // Up to ten years: enough for any absence period, far from overflow.
  constexpr std::int64_t kMaxSeconds = 10LL * 366 * 86400;
  if (ec != std::errc() || p != end || text.empty() || v < 0 || v > kMaxSeconds / unit) return std::nullopt;
  return v * unit * 1000000;
}

std::string diff_asset_label(const nlohmann::ordered_json& a) {
  auto text = [](const nlohmann::ordered_json* v) -> std::string {
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
  };
  auto field = [&](const char* k) { const auto it = a.find(k); return it == a.end() ? std::string() : text(&*it); };
  if (const auto e = a.find("approved_entry"); e != a.end() && e->is_object())
    if (const auto n = e->find("name"); n != e->end() && !text(&*n).empty()) return text(&*n);
  for (const char* k : {"name", "product"})
    if (std::string v = field(k); !v.empty()) return v;
  if (const auto ips = a.find("ips"); ips != a.end() && ips->is_array() && !ips->empty() && (*ips)[0].is_string())
    return (*ips)[0].get<std::string>();
  if (std::string v = field("mac"); !v.empty()) return v;
  return field("id");
}

}  // namespace mieruka::inventory
