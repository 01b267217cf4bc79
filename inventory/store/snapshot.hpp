// Snapshots and diffs: the evidence that the ledger is kept up to date.
//
// A snapshot is the ledger at a time: every asset as the contract's asset JSON
// (shown fields, IPs, class; inventory/render/export.hpp asset_json) with the last
// time each IP binding was seen, and every edge as the contract's link JSON
// (with counters). It is stored in SQLite under a name unique per sensor
// (default: the ISO time it was taken), the wall time it was taken, and the
// sensor that took it (tables of the snapshot migration in inventory/store/store.cpp).
//
// A diff compares two snapshots (or a snapshot and the ledger now) and lists,
// in the shape of ../shared/INTERFACES.md and docs/schema/diff.v1.schema.json:
// new and vanished assets, changed shown fields (vendor, product, revision,
// serial, name, class, IP bindings), new and vanished links, new findings (a
// hook until the findings engine exists) and the capture drops of the runs in
// between. An asset, IP binding or link that is merely quiet is not vanished
// until the absence period has passed: "quiet" is measured against the latest
// traffic time the `to` ledger holds (its observed_until), not the wall clock,
// so that reading old captures and a sensor whose capture stalled do not
// report everything as vanished.
//
// Everything here but the Store functions is pure (no clock, no I/O).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/ledger/ledger.hpp"
#include "inventory/store/store.hpp"

namespace mieruka::inventory {

// Longest snapshot name accepted (bytes).
inline constexpr std::size_t kMaxSnapshotNameBytes = 128;
// The name `diff --to` uses for the ledger as it is now; never a stored name.
inline constexpr std::string_view kNowSnapshotName = "now";
// Default absence period before a quiet asset or link counts as vanished.
inline constexpr std::int64_t kDefaultAbsenceUs = 24LL * 3600 * 1000000;

struct SnapshotInfo {
  std::string name;
  std::string sensor;
  std::int64_t taken_us = 0;         // wall clock when taken
  std::int64_t observed_until_us = 0;  // latest last_seen of any asset or edge in it
  std::uint64_t assets = 0, links = 0;
};

struct SnapshotAsset {
  std::string id;
  nlohmann::ordered_json json;  // contract asset JSON
  std::int64_t last_us = 0;
  // Each IP bound to the asset and the last time it was seen (sorted by ip text).
  std::vector<std::pair<std::string, std::int64_t>> ip_last_us;
};

struct SnapshotLink {
  std::string id;
  nlohmann::ordered_json json;  // contract link JSON
  std::int64_t last_us = 0;
};

struct Snapshot {
  SnapshotInfo info;
  std::vector<SnapshotAsset> assets;  // sorted by id
  std::vector<SnapshotLink> links;    // sorted by id
};

// --- building and naming (pure) ---------------------------------------------------
// The ledger as a snapshot named `name`, taken at `taken_us`.
[[nodiscard]] Snapshot make_snapshot(const Ledger& ledger, std::string name, std::int64_t taken_us);
// The default name: the time taken, RFC 3339 UTC to the second ("2026-11-20T07:30:00Z").
[[nodiscard]] std::string default_snapshot_name(std::int64_t taken_us);
// Empty when `name` may name a snapshot, else one line saying why not: empty,
// longer than kMaxSnapshotNameBytes, not UTF-8, a control character, or "now".
[[nodiscard]] std::string check_snapshot_name(std::string_view name);

// --- storage (in the Store's database, tagged with its sensor) ----------------------
// Saves `snap` in one transaction. A name already taken for this sensor is an
// error (names are unique); nothing is written then.
StoreStatus save_snapshot(Store& store, const Snapshot& snap);
// The snapshot `name` of this sensor; nullopt and `error` set (one line naming
// it and how to list the names) when there is none or the read fails.
[[nodiscard]] std::optional<Snapshot> load_snapshot(Store& store, std::string_view name, std::string& error);
// Whether this sensor has a snapshot called `name`.
[[nodiscard]] bool snapshot_exists(Store& store, std::string_view name);
// This sensor's snapshots, oldest first (ties by name).
[[nodiscard]] std::vector<SnapshotInfo> list_snapshots(Store& store, std::string& error);
StoreStatus delete_snapshot(Store& store, std::string_view name);
// Drops counted by the runs of this sensor that ended in (from_us, to_us].
[[nodiscard]] std::uint64_t capture_drops_between(Store& store, std::int64_t from_us, std::int64_t to_us);

// --- retention (pure) ---------------------------------------------------------------
// Keep the newest snapshot of each of the `keep_daily` most recent days that
// have one, and of each of the `keep_weekly` most recent ISO weeks (Monday to
// Sunday) that have one; days and weeks are local to `utc_offset_s` (JST:
// 9 * 3600). Everything else may go.
struct RetentionPolicy {
  int keep_daily = 7;
  int keep_weekly = 4;
  std::int64_t utc_offset_s = 0;
};
// Names of the snapshots the policy does not keep, sorted by name.
[[nodiscard]] std::vector<std::string> snapshots_to_prune(const std::vector<SnapshotInfo>& snapshots,
                                                          const RetentionPolicy& policy);

// --- diff (pure) ----------------------------------------------------------------------
struct AssetChange {
  std::string asset;                // asset id
  std::optional<std::string> mac;   // null for assets without a MAC
  std::string field;                // vendor, product, revision, serial, name, class, ip
  std::optional<std::string> old_value, new_value;  // null: none (an IP added has no old)
};

// Hook for the findings engine (inventory/policy/findings, a room above the
// store, so it is passed in by the caller: sensor/delivery/findings_inputs):
// given the two snapshots, the findings open at `to` that were not open at
// `from`, as an array of contract finding JSON. Unset: new_findings is an
// empty array.
using NewFindingsHook = std::function<nlohmann::ordered_json(const Snapshot& from, const Snapshot& to)>;

struct DiffOptions {
  std::int64_t absence_us = kDefaultAbsenceUs;
  NewFindingsHook new_findings;
  std::uint64_t capture_drops = 0;  // from capture_drops_between (the caller reads the store)
};

struct Diff {
  SnapshotInfo from, to;
  std::int64_t absence_us = 0;
  std::vector<nlohmann::ordered_json> new_assets, vanished_assets;  // sorted by id
  std::vector<AssetChange> changed_assets;  // sorted by asset, field order above, old, new
  std::vector<nlohmann::ordered_json> new_links, vanished_links;    // sorted by id
  nlohmann::ordered_json new_findings = nlohmann::ordered_json::array();
  std::uint64_t capture_drops = 0;
};

[[nodiscard]] Diff diff_snapshots(const Snapshot& from, const Snapshot& to, const DiffOptions& options = {});

// --- output ---------------------------------------------------------------------------
// The contract JSON (docs/schema/diff.v1.schema.json).
[[nodiscard]] nlohmann::ordered_json diff_json(const Diff& d);
// Plain UTF-8 text for an e-mail body or a terminal: names and values as they
// are (Japanese included), control characters made visible.
[[nodiscard]] std::string diff_text(const Diff& d);
// One row per change (RFC 4180, CRLF, formula-neutralised cells): columns
// change, asset, mac, ip, name, field, old, new, link, protocol, port.
[[nodiscard]] std::string diff_csv(const Diff& d);

// How a diff names a device (asset JSON as a snapshot holds it): the approved
// list's name, else the name seen on the wire, else product, first IP, MAC, id.
[[nodiscard]] std::string diff_asset_label(const nlohmann::ordered_json& asset);

// Parses an absence period: "24h", "30m", "7d", "90s" or a number of seconds.
[[nodiscard]] std::optional<std::int64_t> parse_duration_us(std::string_view text);

}  // namespace mieruka::inventory
