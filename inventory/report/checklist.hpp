// `mieruka export checklist`: evidence for the METI factory-security checklist
// (../shared/CHECKLIST.md) from the ledger, the plant's policy and the findings.
// For items 2-6, 2-7, 3-5, 3-6, 3-7 (direct evidence) and 2-3, 2-8, 2-12, 3-2,
// 3-3, 4-3, 4-5 (supporting; 2-8, 3-2 and 4-3 with the devices matched to
// imported advisories and their remediation states): the item text (ja/en, inventory/report/messages), the evidence
// (counts and lines naming asset, finding or edge ids), a suggested achievement
// level 1-5 (or none) with the rule that produced it, and the open findings of
// the item. Plus the full asset ledger (contract asset JSON) and the topology.
//
// The level rules are ONE table (kLevelRules in checklist.cpp), evaluated per
// item in order; the first row whose condition holds gives the level. Their
// written-out texts are the "rule.<id>" messages.
//
// Outputs: JSON (docs/schema/checklist.v1.schema.json, "mieruka.checklist/1"),
// CSV (one row per item and evidence line; UTF-8 with BOM; formula-neutralised
// cells), HTML (printable, self-contained: inline CSS, no scripts, every string
// escaped; the topology SVG embedded). Pure functions: no I/O, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/findings.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/report/messages.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/store.hpp"
#include "inventory/render/topology.hpp"

namespace mieruka::inventory {

inline constexpr std::string_view kChecklistSchema = "mieruka.checklist/1";

// The evidence behind levels 4 and 5, over the period the report states
// (facts.from_us to facts.to_us):
//   periodic review (4): a snapshot schedule is configured, the period holds
//     at least two of its slots, at least 90% of them were taken (the daemon's
//     scheduled snapshots, Store::record_review), a delivery channel is
//     configured and every diff queued in the period was delivered;
//   continuous monitoring (5): periodic review, and live capture (`capture`,
//     `run`) covered at least 95% of the period with at most 0.1% of packets
//     dropped, and every alert queued in the period was delivered.
// Manual snapshots and `read` of capture files count for neither.
struct ReviewEvidence {
  ReviewFacts facts;
  std::string schedule;         // [snapshots] schedule as configured; "" none
  std::uint64_t slots = 0;      // the schedule's slots in the period
  std::size_t channels = 0;     // delivery channels configured
};
[[nodiscard]] bool periodic_review(const ReviewEvidence& e) noexcept;
[[nodiscard]] bool continuous_monitoring(const ReviewEvidence& e) noexcept;
[[nodiscard]] bool live_monitoring(const ReviewEvidence& e) noexcept;  // any live capture in the period
// The first condition of level 4 (then 5) that the evidence does not meet, in
// the report's language; "" when both hold.
[[nodiscard]] std::string review_shortfall(const ReviewEvidence& e, Lang lang);

struct ChecklistInput {
  const Ledger* ledger = nullptr;
  const ZonePolicy* zones = nullptr;               // null or empty: no zones defined
  const ApprovedList* approved = nullptr;          // null: no approved list given
  const WirelessAllowList* wireless = nullptr;     // null: no allow-list given
  const std::vector<Finding>* findings = nullptr;  // computed with the same policy, acks applied
  std::int64_t generated_us = 0;
  // The IANA zone the report's sentences show times in (the HTML's header, the
  // evidence lines, the rule texts; the config's `timezone`, local_time.hpp);
  // empty: ISO UTC. The JSON's and CSV's time fields keep ISO UTC.
  std::string time_zone;
  std::string sensor_name, db_path;
  std::int64_t new_since_us = 0;   // 2-12 / 4-5: devices first seen at or after this
  std::string new_since_basis;     // "snapshot NAME" or "last 30 days"
  std::size_t snapshots = 0;       // snapshots stored for this sensor
  std::int64_t last_snapshot_us = 0;
  ReviewEvidence review;           // levels 4 and 5
  std::size_t advisories = 0;      // published advisories imported (2-8, 3-2, 4-3)
  // What changed since the baseline snapshot (the one new_since rests on): the
  // diff of it and the ledger now. Nullopt: no snapshot to compare with.
  struct Changes {
    std::string basis;  // "snapshot NAME" (as new_since_basis)
    std::uint64_t new_assets = 0, vanished_assets = 0, changed_assets = 0, new_links = 0, vanished_links = 0;
    std::uint64_t capture_drops = 0;
    std::vector<std::pair<std::string, std::string>> new_devices;  // (asset id, label), the first kMaxListedChanges
  };
  std::optional<Changes> changes;
  // The HTML links each device to the console: this prefix and the asset id
  // ("/#/asset/" when the console serves the report). Empty: no links.
  std::string asset_link;
  // A fleet's report (several sensors' ledgers merged into `ledger`,
  // inventory/ledger/fleet.hpp): each sensor's review evidence, named. Empty:
  // one sensor's report. Review evidence is each mirror port's own (its
  // schedule, capture and deliveries), so the fleet meets a level that rests
  // on it only when every sensor does: set_fleet_review() makes `review` the
  // weakest sensor's, and the snapshots the sum of the sensors'. A fleet has no
  // common snapshot: `changes` stays empty.
  struct SensorReview {
    std::string sensor;
    ReviewEvidence review;
    std::size_t snapshots = 0;
    std::int64_t last_snapshot_us = 0;
    std::string time_zone;  // the zone its appliance reports in
  };
  std::vector<SensorReview> fleet;
  std::string weakest;  // the sensor whose evidence `review` is (a fleet's)
  // A fleet whose sensors report in different zones: `time_zone` is the
  // reading config's, and the report says so.
  bool time_zone_from_config = false;
};
inline constexpr std::size_t kMaxListedChanges = 10;

// Orders `in.fleet` by sensor name and sets what the fleet's report rests on:
// `review` (and `weakest`) the evidence of the sensor that meets the fewest of
// continuous monitoring, periodic review and live capture (the first in name
// order among equals), `snapshots` the sensors' sum and `last_snapshot_us` the
// newest. Nothing to do for one sensor's report.
void set_fleet_review(ChecklistInput& in);

struct EvidenceLine {
  std::string kind;  // message key suffix: "ev.<kind>"
  std::string ref;   // asset, finding or edge id ("" for counts)
  std::string text;  // detail in English (wire strings as they are; escaped at output)
  // The same as evidence: a kind of the catalog (inventory/policy/evidence.cpp)
  // with its values (an object with a string "kind"), rendered in each
  // report's language; empty: `text` only. Kept as MessagePack, not as an
  // object: a report has a line or two per device, and as objects they took
  // about a kilobyte each (a console keeps its view's report).
  std::string values;
  // A row of the approved list or the wireless allow-list `ref` names ("line N"),
  // shown in each report's language; 0: none.
  std::size_t list_line = 0;
};
// An evidence line's detail in `lang`, the findings' times in the IANA zone
// `zone` (the input's time_zone; empty: ISO UTC).
[[nodiscard]] std::string line_text(const EvidenceLine& e, Lang lang, std::string_view zone = {});

// The facts a level rule looks at (meaning per item: see kLevelRules).
struct ItemStats {
  bool applicable = true;  // the situation the item is about exists (wireless seen, remote access seen)
  bool has_data = false;   // there is something to judge (devices, versions, control hosts)
  bool has_policy = false; // the plant's reference exists (approved list, allow-list, zones)
  std::uint64_t count = 0; // what was judged (devices, segments, new devices, hosts)
  std::uint64_t open = 0;  // what falls short (open findings, end-of-support hosts, ...)
  std::size_t snapshots = 0;
  bool live = false;       // live capture in the period (ReviewEvidence)
  bool periodic = false;   // periodic_review(): reviewed periodically
  bool continuous = false; // continuous_monitoring(): reviewed continuously
  std::uint64_t unremediated = 0;  // 3-2: vulnerable findings open or in progress (not remediated, not
                                   // affected, not compensated)
};

struct ItemReport {
  std::string id;                       // "2-6"
  bool direct = true;                   // direct (true) or supporting evidence
  std::optional<int> level;             // 1-5, nullopt: no evidence for a level
  std::string rule;                     // kLevelRules id, e.g. "2-6.ledger"
  std::map<std::string, std::string> params;  // values for the rule text's {placeholders}
  ItemStats stats;
  std::vector<std::pair<std::string, std::uint64_t>> counts;
  std::vector<EvidenceLine> evidence;
  std::vector<Finding> findings;        // open findings of the item
};

struct Checklist {
  std::vector<ItemReport> items;  // in checklist order
  Topology topology;
};

// A level rule (one row of kLevelRules).
struct LevelRule {
  std::string_view item;
  std::optional<int> level;  // nullopt: no evidence for a level
  std::string_view id;       // message "rule.<id>"
  bool (*when)(const ItemStats&);
};
[[nodiscard]] const std::vector<LevelRule>& level_rules();
// The first rule of `item` whose condition holds for `s` (every item's last row holds always).
[[nodiscard]] const LevelRule& apply_level_rules(std::string_view item, const ItemStats& s);

[[nodiscard]] Checklist build_checklist(const ChecklistInput& in);
// The ids of the items the checklist reports on, in checklist order ("2-3", "2-6", ...).
[[nodiscard]] std::vector<std::string_view> checklist_item_ids();

// The rule's text in `lang` with its parameters filled in.
[[nodiscard]] std::string rule_text(Lang lang, const ItemReport& r);

[[nodiscard]] nlohmann::ordered_json checklist_json(const Checklist& c, const ChecklistInput& in, Lang lang);
[[nodiscard]] std::string checklist_csv(const Checklist& c, const ChecklistInput& in, Lang lang);
// HTML laid out as a printable report: opening pages (each item's suggested
// level with the facts it rests on, the open findings that matter most, what
// changed since the baseline, the diagram of the zones), then the evidence as
// an appendix grouped by item and kind, counted, each group cut after
// kHtmlGroupLines lines, each device linked to the console (asset_link).
// `zone_svg`: checklist_zone_dot rendered by Graphviz; `svg`: the whole plant's
// diagram, embedded in the appendix up to kHtmlMaxDiagramNodes devices. Either
// empty: a table of the zones, or a note, stands in.
inline constexpr std::size_t kHtmlGroupLines = 20;
inline constexpr std::size_t kHtmlLedgerRows = 200;
inline constexpr std::size_t kHtmlMaxDiagramNodes = 300;
inline constexpr std::size_t kHtmlTopFindings = 5;
[[nodiscard]] std::string checklist_html(const Checklist& c, const ChecklistInput& in, Lang lang,
                                         const std::string& svg, const std::string& zone_svg = {});
// The diagram of the zones alone (clusters as nodes, one row per Purdue level,
// the traffic between them as edges with protocols and conversation counts), as
// Graphviz DOT; "" when there are none or more than `max_zones` (the report
// shows them as a table then; GET /api/v1/topology.svg draws any number).
inline constexpr std::size_t kHtmlMaxDiagramZones = 16;
[[nodiscard]] std::string checklist_zone_dot(const Topology& t, Lang lang,
                                             std::size_t max_zones = kHtmlMaxDiagramZones);
// Whether the whole plant's diagram goes into the HTML (small enough to read).
[[nodiscard]] bool checklist_embeds_diagram(const Checklist& c) noexcept;

// The SVG document Graphviz produced, made safe to inline in HTML: the XML
// declaration and DOCTYPE dropped, comments removed, and anything that could
// run (script elements, on* attributes, javascript: URLs) refused: returns ""
// when such a thing is present.
[[nodiscard]] std::string inline_svg(std::string_view svg);

}  // namespace mieruka::inventory
