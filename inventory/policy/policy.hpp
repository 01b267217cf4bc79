// The plant's policy inputs (../shared/INTERFACES.md "Inputs plants keep in
// spreadsheets" and "Config"): the approved-equipment list (CSV), the wireless
// allow-list (CSV), and zones and conduits (from the TOML config, parsed by
// sensor/daemon/config.cpp into ZonePolicy). Matching only; no I/O except loading the
// two CSV files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dissectors/net.hpp"
#include "inventory/policy/csv_reader.hpp"
#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {

// --- approved list ----------------------------------------------------------------
// Header names accepted per column (English or Japanese, any order).
struct ApprovedColumns {
  int mac = -1, ip = -1, name = -1, location = -1, zone = -1, owner = -1, notes = -1;
};

struct ApprovedEntry {
  std::optional<MacAddr> mac;
  std::optional<IpAddr> ip;
  std::string name, location, zone, owner, notes;
  std::size_t line = 0;  // in the file
};

// One of the plant's own columns of a device as an editor changes it.
struct ApprovedEdit {
  std::string field;  // "name", "location", "zone" or "owner"
  std::string value;  // the new value (UTF-8); written through csv_text
  // What the editor saw in the cell (empty: nothing, or no row). A cell that
  // holds something else now was changed by someone else: the edit is refused.
  std::string expected;
};

// What set() changed: field, old value, new value.
struct ApprovedChange {
  std::string field, before, after;
};

struct ApprovedList {
  std::string path;
  CsvTable table;  // as read: rewritten by `approve` with the user's columns kept
  ApprovedColumns cols;
  std::vector<ApprovedEntry> entries;

  // The row approving `a`: by MAC, or by IP where the row's MAC is empty; the
  // first such row of the list.
  [[nodiscard]] const ApprovedEntry* match(const Asset& a) const;
  // Appends a row for `a` (MAC, IP, name, zone; wire strings formula-neutralised)
  // unless one matches already. Adds mac/ip/name/zone columns that are missing,
  // named in the header's language. Returns true when a row was added.
  bool add(const Ledger& ledger, const Asset& a, std::string_view zone);
  // Sets the plant's columns of `a` in the row that matches it, added first
  // (as add() adds it) when none does. A column the header lacks is added,
  // named in the header's language. Values pass csv_text (a leading = + - @ is
  // neutralised, control characters shown as \xNN) and are trimmed as the
  // reader trims them. Returns false with `error` set, changing nothing, when a
  // field is not one of the four, or a cell no longer holds what the editor
  // saw (`conflict` set then). `changes` lists the cells that changed;
  // `row_added` tells a new row.
  bool set(const Ledger& ledger, const Asset& a, const std::vector<ApprovedEdit>& edits,
           std::vector<ApprovedChange>& changes, bool& row_added, bool& conflict, std::string& error);
  // Indexes `entries` by MAC and IP for match (every device of a ledger is
  // matched, and a list can hold as many rows as the ledger has devices).
  // The loaders and add() keep it; code that changes `entries` otherwise calls
  // it again (until then, match scans the rows).
  void index();

 private:
  std::unordered_map<MacAddr, std::size_t> by_mac_;  // the first row with that MAC
  std::unordered_map<IpAddr, std::size_t> by_ip_;    // the first row with that IP and no MAC
  std::size_t indexed_ = static_cast<std::size_t>(-1);  // entries.size() when indexed
};

// The source of the facts the approved list lends an asset (INTERFACES.md
// "Additions": fields name, location, zone, owner, notes).
inline constexpr std::string_view kApprovedSource = "approved_list";

// Overlays the approved list on a ledger loaded for reading (CLI views, exports,
// the console): every asset a row matches gets one fact per non-empty column
// name/location/zone/owner/notes with source approved_list, no times (the list
// says nothing of when) and count 0. Facts of that source already there are
// replaced first, so a row edited or taken off the list leaves nothing behind.
// Marks nothing dirty, and the store never writes the source: the plant's
// names are not wire facts and are not persisted as if they were. The wire's
// own name stays a fact of its own and wins (Ledger::source_priority).
void apply_approved(Ledger& ledger, const ApprovedList& list);
// The same for one asset (a copy the console shows the plant's names on
// before its next whole load).
void apply_approved(Asset& a, const ApprovedList& list);

// The plant's own name of an asset: the approved list's name column (a fact
// of source approved_list, apply_approved), or empty.
[[nodiscard]] std::string plant_name(const Asset& a);
// The name to show for an asset wherever people read it (the console, alert
// texts, reports): the plant's own name first, then the name the device gives
// itself on the wire (or a host name), then vendor and model, then its IP,
// MAC, or parent/route. Never empty.
[[nodiscard]] std::string display_name(const Asset& a);

// An asset as report and evidence lines name it: its MAC (or IP, as
// asset_label) followed by the plant's own name when the approved list names
// it ("00:80:f4:50:00:01 成形機PLC 2号"); the MAC or IP alone otherwise.
[[nodiscard]] std::string named_label(const Asset& a);

// An empty approved list (for `approve` on a file that does not exist yet).
[[nodiscard]] ApprovedList empty_approved_list(std::string path);
// Reads and checks the list: a row with a MAC or IP that does not parse is an
// error "<file>:<line>: ..."; a header without a mac or ip column is an error.
[[nodiscard]] std::optional<ApprovedList> load_approved(const std::string& path, std::string& error);
[[nodiscard]] std::optional<ApprovedList> parse_approved(std::string_view bytes, const std::string& name,
                                                         std::string& error);

// --- wireless allow-list ------------------------------------------------------------
struct WirelessEntry {
  MacAddr mac;
  std::string ssid, role, name;  // role: "ap" or "station" (or empty)
  std::size_t line = 0;
};
struct WirelessAllowList {
  std::vector<WirelessEntry> entries;
  [[nodiscard]] const WirelessEntry* match(const MacAddr& mac) const;
};
[[nodiscard]] std::optional<WirelessAllowList> load_wireless_allow(const std::string& path, std::string& error);
[[nodiscard]] std::optional<WirelessAllowList> parse_wireless_allow(std::string_view bytes, const std::string& name,
                                                                    std::string& error);

// --- zones and conduits ---------------------------------------------------------------
struct Subnet {
  IpAddr net;
  int prefix = 0;
  [[nodiscard]] bool contains(const IpAddr& ip) const noexcept;
  [[nodiscard]] static std::optional<Subnet> parse(std::string_view cidr) noexcept;
};

struct Zone {
  std::string name;
  std::optional<int> level;
  std::vector<Subnet> subnets;
  std::vector<std::uint16_t> vlans;
};

struct Conduit {
  std::string from, to;                 // zone names or globs ("cell-*")
  std::vector<std::string> protocols;   // empty: any protocol
};

struct ZonePolicy {
  std::vector<Zone> zones;
  std::vector<Conduit> conduits;
  std::string approved_path, wireless_allow_path;  // [policy] approved, wireless_allow
  std::int64_t learning_period_s = 86400;          // [policy] learning_period_s (new_writer)

  // The zones an asset sits in: by the VLANs it sent on when any matches a zone's
  // vlans, else by its IPs against subnets. Sorted by zone order, unique.
  [[nodiscard]] std::vector<std::string> zones_of(const Asset& a) const;
  // The zone of one conversation endpoint on an edge (VLAN first, then IPs).
  [[nodiscard]] std::vector<std::string> zones_of(const Asset& a, std::uint16_t vlan) const;
  // Whether a conduit allows `protocol` from zone `from` to zone `to`. The same
  // zone is always allowed.
  [[nodiscard]] bool allows(std::string_view from, std::string_view to, std::string_view protocol) const;
};

// Shell-style glob with '*' and '?' (zone names in conduits).
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view s) noexcept;

}  // namespace mieruka::inventory
