// The assets table of the web console (GET /api/v1/assets): filter, search,
// sort and page on the server so that the page stays fast with 10,000 devices;
// and the overview's new devices per day. Pure functions over rows prepared
// once per ledger load (web_server.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/findings.hpp"

namespace mieruka::sensor::web {

inline constexpr int kDefaultPerPage = 50;
inline constexpr int kMaxPerPage = 500;

// The keys the assets table sorts by (AssetQuery::sort) that a row keeps a
// text for: all but "zone" (the row's zones) and "findings" (its marks).
inline constexpr const char* kRowSortKeys[] = {"name",    "id",    "mac",        "ip",        "vendor", "product",
                                               "class",   "first_seen", "last_seen", "location", "owner"};
inline constexpr std::size_t kRowSortKeyCount = std::size(kRowSortKeys);

// One asset as listed: the contract asset JSON plus `zone`, `approved` and
// `findings` (open findings), and what the filters look at. The JSON is kept
// as the text the API sends (set_row_json), not as an object: at 100,000
// devices a row took 3.7 KiB with the object, 1.5 KiB with the text.
struct AssetRow {
  std::string text;  // the JSON as sent: compact, invalid UTF-8 replaced
  // Where the values of the top-level "approved" and "findings" are in `text`
  // (kNone: absent), which the row's marks replace (row_text).
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t approved_at = kNone, approved_len = 0, findings_at = kNone, findings_len = 0;
  std::string display_name;  // the JSON's display_name (empty when it is not a string)
  // The text the row sorts by for each of kRowSortKeys, one after another,
  // the i-th ending at sort_end[i].
  std::string sort_texts;
  std::array<std::uint32_t, kRowSortKeyCount> sort_end{};
  std::string klass, vendor_lower, haystack;  // haystack: lower-case text searched by q
  std::vector<std::string> zones;
  // A fleet ledger's: the sensors that saw the device and their sites
  // (Asset::sightings), sorted, unique; empty on one sensor's ledger.
  std::vector<std::string> sensors, sites;
  int approved = -1;  // -1 no approved list, 0 no, 1 yes
  int open_findings = 0;
};

// Keeps `json` (an object) in `r`: its text, where its marks are, its display
// name and its sort texts.
void set_row_json(AssetRow& r, const nlohmann::ordered_json& json);
// `r`'s JSON as the API sends it with `approved` (-1: null) and `findings` (-1: null) in
// place of its own (added at the end when the JSON has none).
[[nodiscard]] std::string row_text(const AssetRow& r, int approved, int findings);
// The row's JSON, parsed from its text (what it was made from).
[[nodiscard]] nlohmann::ordered_json row_object(const AssetRow& r);

// What the console's own writes change in the rows of a view (an approval,
// an acknowledgement), by row index: a write makes the next view from the
// current one with new marks and the same rows, which at 100,000 assets are
// too many to copy while the writer waits. A row's own `approved` and
// `open_findings` are what the rows were built with.
struct RowMarks {
  std::vector<signed char> approved;  // -1 no approved list, 0 no, 1 yes
  std::vector<int> open_findings;
};
// The marks the rows were built with.
[[nodiscard]] RowMarks marks_of(const std::vector<AssetRow>& rows);
// Row `i`'s JSON with its marks (`approved`, `findings`), as text and parsed.
[[nodiscard]] std::string row_json_text(const AssetRow& row, const RowMarks& marks, std::size_t i);
[[nodiscard]] nlohmann::ordered_json row_json(const AssetRow& row, const RowMarks& marks, std::size_t i);

struct AssetQuery {
  std::string klass, zone, vendor, q;
  std::string sensor, site;   // the devices a sensor (of a fleet), or a site's sensors, saw
  int approved = -1;          // -1 any
  std::string sort = "name";  // a key of the asset JSON (name, ip, mac, vendor, ...) or findings
  bool descending = false;
  int page = 1, per_page = kDefaultPerPage;
};

// Reads the query from URL parameters; false with `error` set on a bad value.
[[nodiscard]] bool parse_asset_query(const std::multimap<std::string, std::string>& params, AssetQuery& q,
                                     std::string& error);
// {"total": n, "page": p, "per_page": k, "items": [...]}.
// The text each row sorts by for `sort` (not "findings"), one per row: a view
// keeps them so that a query does not read every row's JSON again.
[[nodiscard]] std::vector<std::string> sort_keys(const std::vector<AssetRow>& rows, const std::string& sort);
// `keys`: sort_keys(rows, q.sort) kept for these rows (with `patched`'s keys), or
// null to make them here; `marks`: the rows' current marks (one per row), or null
// for their own; `patched`: rows made again since (by index), shown instead.
// query_assets_text is the response's text (the rows' kept text spliced,
// nothing parsed); query_assets the same parsed.
// The rows `q` selects (its filters), in its order, by index: all of them,
// not one page. `order`: sort_order(keys of q.sort, q.descending) kept for
// these rows (no patched rows), or findings_order when there are no marks,
// walked instead of sorting the hits, which at a million rows takes longer
// than a page may.
[[nodiscard]] std::vector<std::size_t> select_assets(const std::vector<AssetRow>& rows, const AssetQuery& q,
                                                     const std::vector<std::string>* keys = nullptr,
                                                     const RowMarks* marks = nullptr,
                                                     const std::map<std::size_t, AssetRow>* patched = nullptr,
                                                     const std::vector<std::uint32_t>* order = nullptr);
// Every row index in the order the assets table sorts `keys` (sort_keys):
// unknown (empty) values last either way, ties in row order.
[[nodiscard]] std::vector<std::uint32_t> sort_order(const std::vector<std::string>& keys, bool descending);
// sort_order(keys, true) from sort_order(keys, false), without sorting again
// (at a million keys a sort takes a second).
[[nodiscard]] std::vector<std::uint32_t> descending_order(const std::vector<std::uint32_t>& ascending,
                                                          const std::vector<std::string>& keys);
// Every row index in the order the assets table sorts by open findings
// (AssetRow::open_findings), ties in row order.
[[nodiscard]] std::vector<std::uint32_t> findings_order(const std::vector<AssetRow>& rows, bool descending);
// {"total": total, "page", "per_page", "items": [items, as they are]}; with
// `large_fleet`, "large_fleet": true before the items (the rows of a fleet
// larger than the console's view, each page's read from the central store).
[[nodiscard]] std::string assets_page_text(const AssetQuery& q, std::size_t total, const std::vector<std::string>& items,
                                           bool large_fleet = false);
[[nodiscard]] std::string query_assets_text(const std::vector<AssetRow>& rows, const AssetQuery& q,
                                            const std::vector<std::string>* keys = nullptr,
                                            const RowMarks* marks = nullptr,
                                            const std::map<std::size_t, AssetRow>* patched = nullptr);
[[nodiscard]] nlohmann::ordered_json query_assets(const std::vector<AssetRow>& rows, const AssetQuery& q,
                                                  const std::vector<std::string>* keys = nullptr,
                                                  const RowMarks* marks = nullptr,
                                                  const std::map<std::size_t, AssetRow>* patched = nullptr);
// The findings table (GET /api/v1/findings): filters, sort and pages over rows
// prepared once per view; each sort's order is made once per view too
// (finding_order), so a request only walks it.
// What a finding's row shows and searches that a console write does not
// change: shared by the rows of the views a write makes (web_server.cpp).
struct FindingText {
  std::vector<std::string> zones;  // the zones of its device
  std::vector<std::string> sensors, sites;  // the sensors that saw its device and their sites (AssetRow)
  std::string device;              // how the table names its device (asset name, else label)
  std::string haystack;            // lower-case text searched by q
};
struct FindingRow {
  const inventory::Finding* finding = nullptr;  // into the view's findings, which outlive the rows
  std::shared_ptr<const FindingText> text;      // never null
  std::string state;                            // finding_state
  int severity_rank = 0;                        // high 2, medium 1, low 0
};

inline constexpr int kMaxFindingFilterValues = 50;

struct FindingQuery {
  // Each list: any of its values (given comma-separated or repeated); empty: any.
  std::vector<std::string> types, items, severities, zones, states;
  std::string asset, q;  // asset: its id exactly; q: lower-case text searched
  std::string sensor, site;  // the findings of devices a sensor, or a site's sensors, saw (AssetQuery)
  std::int64_t first_from_us = std::numeric_limits<std::int64_t>::min();  // first seen from (inclusive)
  std::int64_t first_to_us = std::numeric_limits<std::int64_t>::max();    // first seen before (exclusive)
  std::string sort;  // "" the engine's order (type, id); else a kFindingSortKeys key
  bool descending = false;
  bool paged = false;  // page or per_page given: {total, page, per_page, items}; else the plain array
  int page = 1, per_page = kDefaultPerPage;
  std::string lang;  // "ja" or "en": evidence_text and type_name in it
};

// Reads the query from URL parameters; false with `error` set (one line naming
// the parameter and what it takes) on a bad value.
[[nodiscard]] bool parse_finding_query(const std::multimap<std::string, std::string>& params, FindingQuery& q,
                                       std::string& error);
// Row indexes in `sort`'s order (ties: the engine's order, in both directions).
[[nodiscard]] std::vector<std::size_t> finding_order(const std::vector<FindingRow>& rows, const std::string& sort,
                                                     bool descending);
struct FindingHits {
  std::size_t total = 0;                 // every row that matched
  std::vector<const FindingRow*> items;  // the page asked for (all rows when not paged)
};
// `order`: finding_order(rows, q.sort, q.descending) kept for these rows, or
// null for the rows' own order (q.sort empty) or to make it here.
[[nodiscard]] FindingHits query_findings(const std::vector<FindingRow>& rows, const FindingQuery& q,
                                         const std::vector<std::size_t>* order = nullptr);

// ASCII lower case (UTF-8 bytes above 0x7f kept as they are).
[[nodiscard]] std::string ascii_lower(std::string s);

// The overview's new devices per day: how many of `first_seen_us` fall on each
// of the kNewDeviceDays local days (in the IANA zone `zone`; UTC when the tzdata
// has no such zone) that end on the day of `now_us`, or on the day of
// `last_traffic_us` when that is older than the window (a capture file read
// later). [{"day": "YYYY-MM-DD", "count": n}], oldest first, every day present.
inline constexpr int kNewDeviceDays = 30;
[[nodiscard]] nlohmann::ordered_json new_devices_by_day(const std::vector<std::int64_t>& first_seen_us,
                                                        std::int64_t now_us, std::int64_t last_traffic_us,
                                                        const std::string& zone);

}  // namespace mieruka::sensor::web
