// The web console and REST API (see web_server.hpp).
#include "sensor/web/web_server.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <httplib.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <unordered_set>

#include "inventory/report/acceptance.hpp"
#include "inventory/report/checklist.hpp"
#include "inventory/policy/classify.hpp"
#include "inventory/render/export.hpp"
#include "inventory/render/findings_format.hpp"
#include "inventory/policy/csv_reader.hpp"
#include "inventory/policy/evidence.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/store/fleet_index.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/sqlite_statement.hpp"
#include "inventory/store/store.hpp"
#include "inventory/render/topology.hpp"
#include "sensor/web/checklist_input.hpp"
#include "sensor/web/edits.hpp"
#include "sensor/delivery/findings_inputs.hpp"
#include "sensor/daemon/flush_backlog.hpp"
#include "sensor/web/web_auth.hpp"
#include "sensor/web/web_embedded.hpp"
#include "sensor/web/web_map.hpp"
#include "sensor/web/web_query.hpp"

namespace mieruka::sensor::web {

using inventory::Ledger;
using inventory::Store;
using Json = nlohmann::ordered_json;

namespace {

// An Accept-Encoding value without the codings the console will not use:
// every comma-separated entry that names "br" (cpp-httplib picks Brotli when
// the value contains "br" anywhere, so any such entry goes).
std::string without_brotli(std::string_view value) {
  std::string out;
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view entry = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    if (entry.empty() || entry.find("br") != std::string_view::npos) continue;
    if (!out.empty()) out += ", ";
    out += entry;
  }
  return out;
}

constexpr const char* kCookie = "mieruka_session";
constexpr std::size_t kWorkers = 64;  // connections served at once (see install_routes)
constexpr std::size_t kMaxBodyBytes = 1 << 20;
// A Graphviz layout still running after this long is stopped: a worker, or the
// view build, is not held by one picture.
constexpr int kSvgTimeoutS = 60;
constexpr std::size_t kMaxCommentBytes = 2000;
constexpr std::size_t kMaxBulkAck = 500;  // finding ids in one bulk acknowledgement
constexpr std::size_t kMaxApproveAssets = 10'000;
constexpr std::size_t kSvgMaxDevices = 1000;  // devices in one zone's GET topology.svg
// What a fleet console (ServerOptions::central) answers for what it does not do.
constexpr const char* kFleetReadOnly = "the central store is read-only; acknowledge on the sensor's appliance";
constexpr const char* kFleetPerSensor =
    "snapshots, changes, finding histories and the acceptance report are one sensor's: open that sensor's console, or run "
    "`mieruka diff --db postgresql://... --sensor NAME`";
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Json time_or_null(std::int64_t us) { return us > 0 ? Json(format_time_us(us)) : Json(); }

// The checklist's input and report, made with a view (its input reads the
// store), with the lists and the ledger and findings its input points into.
struct ChecklistPart {
  std::shared_ptr<const Ledger> ledger;
  std::shared_ptr<const std::vector<inventory::Finding>> findings;
  std::optional<inventory::ApprovedList> approved;
  std::optional<inventory::WirelessAllowList> wireless;
  inventory::ChecklistInput in;
  std::optional<inventory::Checklist> checklist;
  std::string error;  // why there is no checklist
};

// What is rendered from a view's ledger on first request, under its own
// mutexes; shared with the views the console's writes make from it.
struct ViewCache {
  // /api/v1/assets: each sort's keys (web_query sort_keys), "name" (the
  // default) made with the view, the others on first request.
  std::mutex sort_mu;
  std::map<std::string, std::vector<std::string>> sort_keys;
  // /api/v1/topology.svg by picture ("zones/<lang>", "devices", "zone/<cluster
  // id>"): the SVG, or why Graphviz made none; rendered on first request.
  std::mutex svg_mu;
  std::map<std::string, std::pair<std::optional<std::string>, std::string>> svgs;
  // /api/v1/checklist by "format/lang": json/ja (the default) made with the
  // view, the others on first request.
  std::mutex body_mu;
  std::map<std::string, std::shared_ptr<const std::string>> checklist_bodies;
  // /api/v1/map by "<writes applied>|level|zone" (a write's view that shares
  // this cache has findings of its own, so its own bodies): the plant level
  // made with the view, each zone's on first request (a device's is not
  // kept). At 100,000 devices one level takes a second to make.
  std::mutex map_mu;
  std::map<std::string, std::shared_ptr<const std::string>> map_bodies;

  // A cache for a view made from this one by a write that changes rows
  // (names): everything rendered so far, the sort keys to be patched.
  std::shared_ptr<ViewCache> copy() {
    auto c = std::make_shared<ViewCache>();
    {
      std::lock_guard lock(sort_mu);
      c->sort_keys = sort_keys;
    }
    {
      std::lock_guard lock(svg_mu);
      c->svgs = svgs;
    }
    {
      std::lock_guard lock(body_mu);
      c->checklist_bodies = checklist_bodies;
    }
    std::lock_guard lock(map_mu);
    c->map_bodies = map_bodies;
    return c;
  }
};

// /api/v1/findings: one row per finding of a view (web_query FindingRow) and
// each sort's order, the engine's own made with the table, the others on first
// request. A write's view makes its own from the previous view's (with_writes).
struct FindingTable {
  std::vector<FindingRow> rows;
  // finding id -> index in the view's findings (and rows); shared with the
  // tables of writes that keep every finding in its place.
  std::shared_ptr<const std::map<std::string, std::size_t>> of;
  mutable std::mutex order_mu;
  std::map<std::string, std::vector<std::size_t>> orders;  // by "sort/asc" or "sort/desc"
};

// A console write that changes what a view shows (acknowledge, remediation
// state, approve, plant names), kept until a view read from the database after it is
// published (Impl::record_write). Each holds what the write stored, so that
// it can be applied to any view (Impl::with_writes).
struct Write {
  std::uint64_t seq = 0;             // Impl::requested when it was recorded
  std::vector<inventory::Ack> acks;  // acknowledgements (applied after the remediation states)
  std::string remediation_asset;     // remediation: the asset, and every state stored for it
  std::vector<inventory::RemediationState> remediation;
  std::shared_ptr<const inventory::ApprovedList> approved;  // approve, names: the list as written
  // names: the assets whose plant names (name, location, zone, owner) the
  // write changed; their rows are made again from `approved`, and only their
  // approval marks can change (a row added for a device approves it).
  std::vector<std::string> renamed;
};

// Everything the API shows, made once per ledger load and shared by requests.
// A view is built whole on the builder thread (WebServer::Impl::builder) and
// then only read: requests hold it by shared_ptr, so the builder can publish
// the next one while they finish with this one. A console write publishes a
// new view made from the current one (with_writes): new findings and row
// marks (and, for a plant name edit, the edited rows beside the shared ones),
// the ledger, rows and rendered bodies shared. The printable
// checklist's other formats and languages and the SVG are rendered on first
// request (ViewCache).
struct View {
  std::shared_ptr<const Ledger> ledger;
  std::shared_ptr<const std::vector<inventory::Finding>> findings;
  std::string findings_error;  // an approved list or allow-list that does not load
  std::shared_ptr<const std::vector<AssetRow>> rows;
  // Rows a console write made again since the view's data was read (plant
  // names), by index: shown instead of those of `rows`, which stay shared.
  std::shared_ptr<const std::map<std::size_t, AssetRow>> patched;
  std::shared_ptr<const std::map<std::string, std::size_t>> row_of;  // asset id -> rows index
  RowMarks marks;  // the rows' approval and open findings, as the console's writes left them
  // Assets whose plant names a console write changed since the view's data was
  // read, as the asset page shows them (the approved list's facts applied);
  // the ledger keeps them as read. Null: none.
  std::shared_ptr<const std::map<std::string, inventory::Asset>> renamed;
  std::shared_ptr<FindingTable> ftable;  // /api/v1/findings (its rows point into `findings`)
  bool has_approved_list = false;
  std::int64_t read_us = 0;      // when its data was read from the database
  std::uint64_t covers = 0;      // the refresh requests (Impl::requested) its data was read after
  std::uint64_t written = 0;     // the console writes (Write::seq) applied to it, up to this one
  Json since_snapshot;           // /api/v1/overview: changes since the last snapshot
  std::vector<std::string> fleet_sensors;  // a fleet console's: the sensors merged into `ledger`
  std::vector<std::string> fleet_sites;    // and their sites (sorted, unique)
  Json new_by_day;               // /api/v1/overview: devices first seen per local day (new_devices_by_day)
  std::int64_t last_traffic_us = 0;  // the newest observation in the ledger (an asset's or a link's last_us)
  std::shared_ptr<const std::string> links_body, topology_body;
  // The topology the map, its pictures and topology_body are made from: the
  // checklist's, else (a fleet, or a checklist that could not be made) one
  // built with the view: at 100,000 devices building it takes seconds, which
  // no request should spend.
  std::shared_ptr<const inventory::Topology> topology;
  // The checklist as of the view's data (a write does not remake it: its
  // changes show in the next view read from the database).
  std::shared_ptr<const ChecklistPart> cl;
  std::shared_ptr<ViewCache> cache;
  // A fleet larger than a view may hold (serve --max-view-assets): its
  // devices by their keys, `rows` and `findings` made from its devices read
  // whole part by part (what the assets table filters, sorts and searches,
  // and the findings list), and each page's devices read whole from the
  // central store when it is asked for. Null on every other view.
  std::shared_ptr<const struct LargeFleet> large;

  const AssetRow& row(std::size_t i) const {
    if (patched)
      if (const auto it = patched->find(i); it != patched->end()) return it->second;
    return (*rows)[i];
  }
};

// What a large fleet's view (View::large) holds beside its rows.
struct LargeFleet {
  inventory::FleetIndex index;
  // Where each page's devices are read from: the build's connection, one
  // request at a time, opened again when a read fails (the store restarted).
  mutable std::mutex source_mu;
  mutable std::unique_ptr<inventory::LedgerSource> source;
  std::optional<inventory::ApprovedList> approved;  // as the rows were made with it
  // Every sort of the assets table made with the view ("key/asc", "key/desc"):
  // at a million devices a sort takes longer than a page may. A fleet's
  // console writes nothing, so the findings counts, and their order, hold.
  std::map<std::string, std::vector<std::uint32_t>> orders;
  // The view's findings of each row (keys() order), by index into the
  // view's findings: those of row i are finding_at[finding_start[i] ..
  // finding_start[i + 1]).
  std::vector<std::uint32_t> finding_start, finding_at;
  std::uint64_t links = 0;  // the fleet's links, counted as its devices were read
  std::string why;  // why the other pages are not served
  // What the next build may keep of this one instead of reading it again: a
  // part whose devices are the same and none of the devices its ledger held
  // has a record in a sensor whose version moved, while the fleet's sensors,
  // their sites and what the findings are judged by stay the same.
  struct Part {
    std::vector<std::string> own;   // its devices (FleetIndex::parts), by id, in order
    std::vector<std::string> held;  // the other devices its ledger held (their peers, parents), by id
    std::uint64_t links = 0;        // the links starting at its devices
    std::int64_t last_us = 0;       // their newest observation
  };
  std::vector<Part> parts;
  std::map<std::string, std::string> versions;  // each sensor's (LedgerSource::sensor_versions) before the read
  std::vector<std::string> sensors;
  std::map<std::string, std::string> sites;
  std::string inputs;  // FleetFindings::inputs; empty: nothing to keep
  // By finding (the view's order): its state as compute_findings left it,
  // before the acknowledgements (acknowledged, comment).
  std::vector<std::pair<bool, std::string>> computed;
};

// The sorts a large fleet's assets table offers (but findings, made apart):
// every row sort.
constexpr const char* kLargeSorts[] = {"name",       "id",       "mac",   "ip",       "vendor", "product", "class",
                                       "first_seen", "last_seen", "location", "owner", "zone"};

// One asset's row as the console lists it: `zones` its zones, `listed` its
// approved-list row (null: none), `has_list` whether there is a list at all,
// `open_findings` its open findings (-1: not known, null in the JSON).
// `classified` false: the ledger holds the asset's keys only (FleetIndex), so
// its class is not known; the row keeps none and is not searched by it.
AssetRow make_row(const Ledger& L, const inventory::Asset& a, const inventory::AssetLinks* links,
                  std::vector<std::string> zones, const inventory::ApprovedEntry* listed, bool has_list,
                  int open_findings, bool classified = true) {
  AssetRow r;
  Json json = inventory::asset_json(L, a, links);
  r.zones = std::move(zones);
  if (has_list) r.approved = listed != nullptr ? 1 : 0;
  r.open_findings = open_findings;
  json["zone"] = r.zones.empty() ? Json() : Json(r.zones.front());
  json["approved"] = r.approved < 0 ? Json() : Json(r.approved == 1);
  json["findings"] = r.open_findings < 0 ? Json() : Json(r.open_findings);
  json["display_name"] = inventory::sanitize_utf8(inventory::display_name(a));
  json["approved_line"] = listed != nullptr ? Json(listed->line) : Json();  // the list's row, by file line
  r.klass = classified ? json.value("class", "unknown") : std::string();
  auto text = [&](const char* k) {
    const auto it = json.find(k);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  r.vendor_lower = ascii_lower(text("vendor"));
  for (const auto& s : a.sightings) {
    r.sensors.push_back(s.sensor);
    if (!s.site.empty()) r.sites.push_back(s.site);
  }
  for (auto* names : {&r.sensors, &r.sites}) {
    std::sort(names->begin(), names->end());
    names->erase(std::unique(names->begin(), names->end()), names->end());
  }
  std::string hay = a.id + "\n" + text("mac") + "\n" + text("name") + "\n" + text("display_name") + "\n" + text("vendor") + "\n" +
                    text("product") + "\n" + text("serial") + "\n" + text("revision") + (classified ? "\n" + r.klass : "");
  for (const auto& ip : json["ips"]) hay += "\n" + ip.get<std::string>();
  // The approved list's columns are searchable too (a wire name hides the list's from "name").
  if (const auto it = json.find("approved_entry"); it != json.end())
    for (const auto& [k, val] : it->items())
      if (val.is_string()) hay += "\n" + val.get<std::string>();
  r.haystack = ascii_lower(hay);
  set_row_json(r, json);
  return r;
}

// The bytes the process's allocator has handed out and not had back (glibc's
// mallinfo2; 0 elsewhere): the view build logs each stage's growth, which is
// what the stage keeps (other threads allocate meanwhile, little beside it).
std::size_t heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
#else
  return 0;
#endif
}

// Gives the pages the allocator holds free back to the system (glibc's
// malloc_trim, every arena; nothing elsewhere). A view build allocates and
// drops about as much as it keeps, and glibc keeps what was freed in the
// middle of its heaps: without this the console stays resident at the peak of
// its last build, not at the views it holds.
void return_free_memory() {
#if defined(__GLIBC__)
  (void)::malloc_trim(0);
#endif
}

// MIERUKA_FAILPOINT=slow_view_build (tests only): every view build takes 4 s
// longer, between reading the database and publishing the view, so that a
// test can send requests and writes while one runs.
bool slow_view_build_failpoint() {
  const char* fp = std::getenv("MIERUKA_FAILPOINT");
  return fp != nullptr && std::string_view(fp) == "slow_view_build";
}

}  // namespace

struct WebServer::Impl {
  Config config;
  ServerOptions opt;
  bool https = false;
  std::string host;
  int port = 0;
  std::int64_t started_us = 0;
  std::unique_ptr<httplib::Server> srv;
  std::thread thread;
  LoginLimiter limiter;
  std::string dummy_hash;  // verified against for unknown users: same time either way

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    quitting = true;
    {
      std::lock_guard lk(view_mu);
      stopping = true;
    }
    view_cv.notify_all();
    if (builder_thread.joinable()) builder_thread.join();
  }

  // The request connection: sessions, users, the audit log, acknowledgements
  // and the few routes that read the store directly. Held only for those
  // statements, never while a view is built.
  std::mutex db_mu;
  std::optional<Store> store;

  // The current view and the builder's state (view_mu guards all of it; a
  // request holds view_mu only to copy the pointer).
  std::mutex view_mu;
  std::condition_variable view_cv;
  std::shared_ptr<View> view;
  std::uint64_t requested = 0;       // refreshes asked for by the console's own writes
  std::uint64_t failed_covers = 0;   // the requests the last failed build would have covered
  std::string build_error;           // why the last build failed ("" once one succeeds)
  bool stopping = false;
  std::thread builder_thread;
  // Set when the server stops: a build in progress gives up at its next stage
  // (a whole build at 100,000 assets is many seconds; a daemon's stop should not wait).
  std::atomic<bool> quitting{false};
  // Since when the database is known to be newer than the view (0: it is not).
  std::atomic<std::int64_t> stale_since_us{0};

  std::string approved_path() const {
    return !opt.approved_path.empty() ? opt.approved_path : config.policy.approved_path;
  }
  std::string wireless_path() const {
    return !opt.wireless_path.empty() ? opt.wireless_path : config.policy.wireless_allow_path;
  }

  // --- the request connection (db_mu held) --------------------------------------------
  Store* db(std::string& error) {
    if (store) return &*store;
    store = Store::open(opt.db_path, config.sensor_name, error, true);
    return store ? &*store : nullptr;
  }

  // --- views -------------------------------------------------------------------------
  static std::int64_t data_version_of(Store& s) {
    inventory::Statement q = s.statement("PRAGMA data_version");
    return q.next() ? q.int64(0) : -1;
  }

  static std::int64_t mtime_of(const std::string& path) {
    struct stat sb {};
    if (path.empty() || ::stat(path.c_str(), &sb) != 0) return -1;
    return static_cast<std::int64_t>(sb.st_mtim.tv_sec) * 1'000'000'000 + sb.st_mtim.tv_nsec;
  }

  // A fleet console's sensors' ledgers, kept between its builds (the builder
  // thread's alone).
  inventory::FleetReader fleet_reader;
  // Whether the log has said that the fleet is served by its index (once
  // while it stays too large for a view; the builder thread's alone).
  bool said_large = false;

  // True when the sensors `fleet` selects hold no more assets than a view may
  // (opt.max_view_assets), asked of the central store's kept counts before
  // anything is loaded; false with `error` saying how many and what to serve
  // instead, and `counted` false when the counts did not read (`error` says why).
  // `held`: the sensor assets counted.
  bool fits_view(LedgerView& fleet, std::string& error, bool& counted, std::uint64_t& held) const {
    counted = true;
    held = 0;
    if (opt.max_view_assets == 0) return true;
    std::map<std::string, std::uint64_t> counts;
    if (auto st = fleet.source->asset_counts(counts); !st) {
      error = st.error;
      counted = false;
      return false;
    }
    for (const auto& name : fleet.sensors)
      if (const auto it = counts.find(name); it != counts.end()) held += it->second;
    if (held <= opt.max_view_assets) return true;
    std::set<std::string> named;
    for (const auto& name : fleet.sensors)
      if (const auto it = fleet.sites.find(name); it != fleet.sites.end()) named.insert(it->second);
    std::string sites;  // the first few, as examples
    for (const auto& site : named) {
      if (sites.size() > 80) {
        sites += ", ...";
        break;
      }
      sites += (sites.empty() ? "" : ", ") + inventory::terminal_safe(site);  // as a sensor wrote it
    }
    error = fmt::format(
        "the selected fleet holds {} sensor assets in {} sensor(s), more than this console reads into its view ({}, "
        "--max-view-assets): serve one site (--site{}) or fewer sensors (--sensor), or raise the limit on a host "
        "with the memory (64 KiB per sensor asset)",
        held, fleet.sensors.size(), opt.max_view_assets, sites.empty() ? "" : ": " + sites);
    return false;
  }

  // A new view read through `s` (the builder's own connection); nullptr with
  // `error` set when the ledger does not load.
  std::shared_ptr<View> build_view(Store& s, std::string& error);
  // The view of a fleet larger than a view holds (`why` says so): its index
  // and the rows of its devices' keys, into `v` (View::large).
  std::shared_ptr<View> build_large_view(LedgerView& fleet, std::shared_ptr<View> v, std::string why,
                                         std::string& error);
  // The devices `ids` of a large fleet's view read whole, as a view of their
  // own: their ledger (with the devices behind them and the far ends of their
  // links), rows made as build_view makes them, no findings (null in the
  // rows). Null with `error` set when the store does not read.
  std::shared_ptr<View> page_view(const View& v, const std::vector<std::string>& ids, std::string& error) const;
  // The rows of every asset of `L` (rows, row_of, marks of `v`), with the
  // approved list `approved` (null: none) and each asset's open findings from
  // `open` (null: not known, null in the rows).
  void set_rows(View& v, const Ledger& L, const inventory::ApprovedList* approved,
                const std::map<std::string, int>* open) const;
  // The newest observation of `L` (its assets' and links') and the devices
  // first seen per local day, for the overview.
  void set_traffic(View& v, const Ledger& L) const;
  // A fleet view's sensors and their sites (sorted, unique).
  static void set_fleet(View& v, const LedgerView& fleet);
  void builder();

  // The current view for a request. Before the first view exists (the first
  // moments of `serve`) this waits for it, a fleet console at most
  // kFirstViewWait: its first build reads every sensor's ledger (seconds with
  // a large fleet), and a page says so (`building`) rather than hang.
  // Afterwards it never waits, even while the next view is built.
  static constexpr std::chrono::milliseconds kFirstViewWait{400};
  std::shared_ptr<View> current_view(std::string& error, bool& building) {
    building = false;
    std::unique_lock lk(view_mu);
    const auto ready = [&] { return view || failed_covers > 0 || !build_error.empty() || stopping; };
    if (!view) {
      if (!opt.central) {
        view_cv.wait(lk, ready);
      } else if (!view_cv.wait_for(lk, kFirstViewWait, ready)) {
        building = true;
        error = "the console is still reading the fleet from the central store for its first view; try again in a "
                "few seconds";
        return nullptr;
      }
    }
    if (!view) error = build_error.empty() ? "the console is stopping" : build_error;
    return view;
  }

  // --- the console's own writes --------------------------------------------------------
  // A write (acknowledge, remediation state, approve, plant names) is stored first, then
  // recorded here: it asks the builder for a new view and publishes at once a
  // view made from the current one with the write applied, so the response
  // and the next page show it without waiting for a whole build (15-30 s at
  // 100,000 assets). Writes are kept until a view read after them is
  // published; the builder applies the ones its view was read before.
  // writes_mu orders writes and publications: held before view_mu, never
  // while a view is built.
  std::mutex writes_mu;
  std::vector<std::shared_ptr<const Write>> writes;  // by seq; guarded by writes_mu and view_mu

  // `base` with the writes it was neither read after nor made with applied
  // (each write's findings and marks; the rest is shared).
  std::shared_ptr<View> with_writes(const std::shared_ptr<View>& base,
                                    const std::vector<std::shared_ptr<const Write>>& ws) const;
  // The findings table of `v` (its findings, rows and row marks set); rows of
  // findings `prev` has are copied from it, their state made anew, and their
  // text too when their device is in `renamed`.
  static std::shared_ptr<FindingTable> make_finding_table(const View& v, const FindingTable* prev,
                                                          const std::unordered_set<std::string>* renamed = nullptr);

  void record_write(Write w) {
    std::lock_guard wl(writes_mu);
    std::shared_ptr<View> base;
    std::vector<std::shared_ptr<const Write>> pending;
    {
      std::lock_guard lk(view_mu);
      w.seq = ++requested;
      writes.push_back(std::make_shared<const Write>(std::move(w)));
      pending = writes;
      base = view;
      view_cv.notify_all();
    }
    if (!base) return;  // no view yet: the first one is read after the write
    auto next = with_writes(base, pending);
    std::lock_guard lk(view_mu);
    // The builder publishes only while holding writes_mu, so `view` is still `base`.
    if (next != view) {
      retired_by_writes.push_back(std::move(view));
      view = std::move(next);
    }
  }
  // Views a write replaced, freed by the builder (which frees its own too).
  std::vector<std::shared_ptr<View>> retired_by_writes;  // guarded by view_mu

  // The map level `q` of view `v` as sent (ViewCache::map_bodies), made from
  // the view's topology on first request; nullptr with `error` set for a zone
  // or device the map does not have.
  static std::shared_ptr<const std::string> map_body(const View& v, const MapQuery& q, std::string& error) {
    const std::string key = std::to_string(v.written) + "|" + q.level + "|" + q.zone + "|" + q.id;
    {
      std::lock_guard lock(v.cache->map_mu);
      if (const auto it = v.cache->map_bodies.find(key); it != v.cache->map_bodies.end()) return it->second;
    }
    // Made outside the lock: another level asked meanwhile does not wait for this one.
    const auto json = map_json(*v.topology, *v.ledger, *v.findings, q, error);
    if (!json) return nullptr;
    auto body = std::make_shared<const std::string>(json_text(*json));
    // A device's level is small and there are as many as devices: not kept.
    if (q.level == "device") return body;
    std::lock_guard lock(v.cache->map_mu);
    return v.cache->map_bodies.emplace(key, std::move(body)).first->second;
  }

  // How old the view a response came from is (docs/web.md): when its data was
  // read, and for how many seconds the database has been known to be newer.
  void view_headers(httplib::Response& res, const View& v) const {
    // Milliseconds too: two views can be read within one second.
    std::string as_of = format_time_us(v.read_us);
    if (!as_of.empty() && as_of.back() == 'Z') {
      char ms[8];
      std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>((v.read_us / 1000) % 1000));
      as_of.replace(as_of.size() - 1, 1, ms);
    }
    res.set_header("X-Mieruka-Data-As-Of", as_of);
    const std::int64_t since = stale_since_us.load();
    const std::int64_t stale = since > 0 ? std::max<std::int64_t>(0, wall_us() - since) : 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(stale) / 1e6);
    res.set_header("X-Mieruka-Data-Stale-Seconds", buf);
  }

  // --- HTTP helpers ------------------------------------------------------------------
  static std::string json_text(const Json& body) {
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  static void send_json(httplib::Response& res, int status, const Json& body) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_content(json_text(body), "application/json");
  }
  static void send_body(httplib::Response& res, const std::string& body) {
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    res.set_content(body, "application/json");
  }
  // The printable reports are self-contained pages with inline CSS and no
  // scripts: they get a policy that allows exactly that.
  static void report_csp(httplib::Response& res) {
    res.headers.erase("Content-Security-Policy");
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
                   "base-uri 'none'; form-action 'none'");
  }
  static void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, Json{{"error", inventory::sanitize_utf8(message)}});
  }

  static std::string cookie_token(const httplib::Request& req) {
    const std::string cookies = req.get_header_value("Cookie");
    const std::string want = std::string(kCookie) + "=";
    std::size_t pos = 0;
    while (pos < cookies.size()) {
      while (pos < cookies.size() && (cookies[pos] == ' ' || cookies[pos] == ';')) ++pos;
      const std::size_t end = std::min(cookies.find(';', pos), cookies.size());
      const std::string_view part(cookies.data() + pos, end - pos);
      if (part.substr(0, want.size()) == want) return std::string(part.substr(want.size()));
      pos = end + 1;
    }
    return {};
  }

  // Whether a state-changing request comes from our own pages: the Origin header,
  // when present, is our origin; Sec-Fetch-Site, when present, is same-origin.
  bool same_origin(const httplib::Request& req) const {
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) {
      const std::string expected = std::string(https ? "https://" : "http://") + req.get_header_value("Host");
      if (origin != expected) return false;
    }
    const std::string site = req.get_header_value("Sec-Fetch-Site");
    return site.empty() || site == "same-origin" || site == "none";
  }

  std::string cookie_header(const std::string& token, int max_age) const {
    std::string c = std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                    std::to_string(max_age);
    if (https) c += "; Secure";
    return c;
  }

  // The session of the request (db_mu held), after the checks every API route
  // but login makes: 401 without a live session; for POST, 403 without our
  // origin or without the session's CSRF token in X-CSRF-Token.
  std::optional<Session> authorize(const httplib::Request& req, httplib::Response& res, bool admin) {
    std::string error;
    if (db(error) == nullptr) {
      send_error(res, 503, error);
      return std::nullopt;
    }
    auto s = find_session(*store, cookie_token(req), wall_us());
    if (!s) {
      send_error(res, 401, "not logged in");
      return std::nullopt;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      if (!same_origin(req)) {
        send_error(res, 403, "cross-origin request refused");
        return std::nullopt;
      }
      if (!tokens_equal(req.get_header_value("X-CSRF-Token"), s->csrf)) {
        send_error(res, 403, "missing or wrong X-CSRF-Token");
        return std::nullopt;
      }
    }
    if (admin && s->role != "admin") {
      send_error(res, 403, "this needs an admin account");
      return std::nullopt;
    }
    return s;
  }

  using Handler = std::function<void(const httplib::Request&, httplib::Response&, const Session&)>;
  httplib::Server::Handler route(bool admin, Handler h) {
    return [this, admin, h](const httplib::Request& req, httplib::Response& res) {
      std::optional<Session> s;
      {
        std::lock_guard lock(db_mu);
        s = authorize(req, res, admin);
      }
      if (!s) return;
      h(req, res, *s);
    };
  }

  void install_routes();
  void login(const httplib::Request& req, httplib::Response& res);
  Json asset_detail(const View& v, const inventory::Asset& a, const std::string& lang);
  Json stats();
  Json overview(View& v);
  std::string render_checklist(const View& v, const std::string& format, inventory::Lang lang);
  static std::string render_checklist_of(const inventory::Checklist& cl, const inventory::ChecklistInput& in,
                                         const std::string& format, inventory::Lang lang);
};

// --- routes ---------------------------------------------------------------------------

void WebServer::Impl::login(const httplib::Request& req, httplib::Response& res) {
  if (!same_origin(req)) return send_error(res, 403, "cross-origin request refused");
  const auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string())
    return send_error(res, 400, "expected {\"user\": \"...\", \"password\": \"...\"}");
  const std::string user = body["user"].get<std::string>();
  const std::string password = body["password"].get<std::string>();
  const std::int64_t now = wall_us();
  if (limiter.login_blocked(user, req.remote_addr, now)) {
    res.set_header("Retry-After", std::to_string(LoginLimiter::kWindowUs / 1'000'000));
    return send_error(res, 429, "too many failed logins; wait 5 minutes");
  }
  std::optional<std::pair<User, std::string>> found;
  {
    std::lock_guard lock(db_mu);
    std::string error;
    if (db(error) == nullptr) return send_error(res, 503, error);
    found = find_user(*store, user);
  }
  // The slow hash runs outside the lock, and also for unknown users.
  const bool ok = verify_password(found ? found->second : dummy_hash, password) && found.has_value();
  std::lock_guard lock(db_mu);
  if (!ok) {
    limiter.login_failed(user, req.remote_addr, now);
    audit(*store, now, inventory::sanitize_utf8(user.substr(0, kMaxUserNameBytes)), "login_failed",
          "", req.remote_addr);
    return send_error(res, 401, "wrong user name or password");
  }
  limiter.login_succeeded(user, req.remote_addr);
  // A token the browser brought along is never carried over: always a new one.
  if (const std::string old = cookie_token(req); !old.empty()) delete_session(*store, old);
  delete_expired_sessions(*store, now);
  std::string csrf;
  auto token = create_session(*store, found->first.name, now,
                              static_cast<std::int64_t>(config.web.session_ttl_s) * 1'000'000, csrf);
  if (!token) return send_error(res, 500, "cannot create a session");
  audit(*store, now, found->first.name, "login", "", req.remote_addr);
  res.set_header("Set-Cookie", cookie_header(*token, config.web.session_ttl_s));
  send_json(res, 200, Json{{"user", found->first.name}, {"role", found->first.role}, {"csrf", csrf},
                           {"time_zone", config.snapshots.timezone}});
}

// `lang` ("ja", "en" or empty): the findings' evidence and the class reasons
// rendered in that language as well (evidence_text, class_reasons_text).
Json WebServer::Impl::asset_detail(const View& v, const inventory::Asset& a, const std::string& lang) {
  const Ledger& L = *v.ledger;
  Json out;
  const std::size_t i = v.row_of->at(a.id);
  const AssetRow& row = v.row(i);
  out["asset"] = row_json(row, v.marks, i);
  out["zones"] = row.zones;
  // As `show --format json` lists them.
  out["facts"] = inventory::facts_json(a);
  out["ip_bindings"] = inventory::ip_bindings_json(a);
  // A fleet's device: what each sensor saw of it (absent for one sensor's ledger).
  if (!a.sightings.empty()) out["sightings"] = inventory::sightings_json(a);
  auto peers = Json::array();
  for (const auto& e : L.edges()) {
    const bool out_edge = e.from_id == a.id, in_edge = e.to_id == a.id;
    if (!out_edge && !in_edge) continue;
    const std::string peer = out_edge ? e.to_id : e.from_id;
    Json p{{"asset", peer}, {"name", nullptr}, {"direction", out_edge ? "to" : "from"},
           {"protocol", e.protocol}, {"port", e.port}, {"packets", e.packets}, {"bytes", e.bytes},
           {"first_seen", time_or_null(e.first_us)}, {"last_seen", time_or_null(e.last_us)}};
    if (auto it = v.row_of->find(peer); it != v.row_of->end()) {
      p["name"] = v.row(it->second).display_name;
    }
    peers.push_back(std::move(p));
  }
  out["peers"] = std::move(peers);
  std::vector<inventory::Finding> mine;
  for (const auto& f : *v.findings)
    if (f.asset == a.id) mine.push_back(f);
  out["findings"] = inventory::findings_json(mine, lang, config.snapshots.timezone);
  if (!lang.empty()) {
    auto reasons = Json::array();
    for (const auto& r : inventory::classify(L, a).reason_values)
      reasons.push_back(inventory::sanitize_utf8(inventory::render_evidence(r["kind"].get<std::string>(), r, lang)));
    out["class_reasons_text"] = std::move(reasons);
  }
  return out;
}

Json WebServer::Impl::stats() {
  Json out;
  out["sensor"] = config.sensor_name;
  out["uptime_s"] = (wall_us() - started_us) / 1'000'000;
  std::uint64_t packets = 0, drops = 0;
  auto runs = Json::array();
  std::lock_guard lock(db_mu);
  inventory::Statement q = store->statement(
      "SELECT started_us, ended_us, command, packets, drops FROM runs WHERE sensor = ?1 ORDER BY started_us DESC");
  q.bind(1, config.sensor_name);
  while (q.next()) {
    packets += q.uint64(3);
    drops += q.uint64(4);
    if (runs.size() >= 20) continue;
    runs.push_back(Json{{"started", time_or_null(q.int64(0))},
                        {"ended", time_or_null(q.int64(1))},
                        {"command", inventory::sanitize_utf8(q.text_view(2))},
                        {"packets", q.int64(3)},
                        {"drops", q.int64(4)}});
  }
  out["packets"] = packets;
  out["drops"] = drops;
  // What the daemon in this process could not store yet (sensor/daemon/flush_backlog.hpp).
  const FlushBacklog backlog = flush_backlog();
  out["unflushed"] = Json{{"assets", backlog.assets},
                          {"links", backlog.links},
                          {"failed_flushes", backlog.failures},
                          {"failing_since", time_or_null(backlog.failing_since_us)}};
  // Counters "capture.<interface>.dropped" / ".if_dropped" (sensor/daemon/daemon.cpp).
  Json ifs = Json::object();
  for (const auto& [name, value] : store->counters()) {
    if (name.rfind("capture.", 0) != 0) continue;
    const auto dot = name.rfind('.');
    if (dot <= 8) continue;
    ifs[inventory::sanitize_utf8(name.substr(8, dot - 8))][name.substr(dot + 1)] = value;
  }
  auto interfaces = Json::array();
  for (auto& [name, c] : ifs.items())
    interfaces.push_back(Json{{"interface", name}, {"dropped", c.value("dropped", 0)}, {"if_dropped", c.value("if_dropped", 0)}});
  out["interfaces"] = std::move(interfaces);
  out["runs"] = std::move(runs);
  return out;
}

Json WebServer::Impl::overview(View& v) {
  Json out;
  out["assets"] = v.rows->size();
  // A large fleet's (View::large): counted as its devices were read.
  out["links"] = v.large ? v.large->links : v.ledger->edges().size();
  std::map<std::string, int> by_class, by_zone, by_item, by_type;
  int unapproved = 0;
  for (std::size_t i = 0; i < v.rows->size(); ++i) {
    const AssetRow& r = v.row(i);
    ++by_class[r.klass];
    // Each of a device's zones, as ?zone= lists it (a device in two zones is in both lists).
    if (r.zones.empty()) ++by_zone[std::string()];
    for (const auto& z : r.zones) ++by_zone[z];
    unapproved += (i < v.marks.approved.size() ? v.marks.approved[i] : r.approved) == 0 ? 1 : 0;
  }
  // Open as the findings list counts it (?state=open): the dashboard links
  // each of these counts to that list.
  int open = 0;
  for (const auto& f : *v.findings) {
    if (inventory::finding_state(f) != "open") continue;
    ++open;
    ++by_item[f.item];
    ++by_type[f.type];
  }
  out["by_class"] = by_class;
  out["by_zone"] = by_zone;  // "" = in no zone
  out["unapproved"] = v.has_approved_list ? Json(unapproved) : Json();
  out["findings_open"] = open;
  out["findings_by_item"] = by_item;
  out["findings_by_type"] = by_type;
  out["findings_error"] = v.findings_error.empty() ? Json() : Json(inventory::sanitize_utf8(v.findings_error));
  if (opt.central)
    out["fleet"] = Json{{"sensors", v.fleet_sensors}, {"sites", v.fleet_sites}, {"message", kFleetPerSensor}};
  out["since_snapshot"] = v.since_snapshot;  // what changed since the last snapshot (build_view)
  out["capture"] = stats();
  out["capture"]["last_traffic"] = time_or_null(v.last_traffic_us);
  out["time_zone"] = config.snapshots.timezone;
  out["new_devices_by_day"] = v.new_by_day;
  // The checklist items with the level each one's evidence suggests (null: no
  // evidence for a level) and their open findings (findings_by_item's count);
  // titles are the console's labels (item_title.<id>).
  auto items = Json::array();
  if (v.cl && v.cl->checklist)
    for (const auto& r : v.cl->checklist->items) {
      const auto it = by_item.find(r.id);
      items.push_back(Json{{"id", r.id},
                           {"direct", r.direct},
                           {"level", r.level ? Json(*r.level) : Json()},
                           {"rule", r.rule},
                           {"findings_open", it == by_item.end() ? 0 : it->second}});
    }
  out["checklist"] = std::move(items);
  // A large fleet: its checklist, links and map are not made, and why.
  if (v.large) out["large_fleet"] = inventory::sanitize_utf8(v.large->why);
  return out;
}

std::shared_ptr<View> WebServer::Impl::build_large_view(LedgerView& fleet, std::shared_ptr<View> v, std::string why,
                                                        std::string& error) {
  const auto started = std::chrono::steady_clock::now();
  fleet_reader = inventory::FleetReader();  // the ledgers kept for a view are not read again
  const std::size_t heap_before = heap_in_use();
  auto large = std::make_shared<LargeFleet>();
  if (auto st = large->index.build(*fleet.source, fleet.sensors, fleet.sites); !st) {
    error = st.error;
    return nullptr;
  }
  const auto read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (quitting) {
    error = "the console is stopping";
    return nullptr;
  }
  if (!approved_path().empty() && ::access(approved_path().c_str(), F_OK) == 0) {
    std::string ignored;
    large->approved = inventory::load_approved(approved_path(), ignored);
  }
  v->has_approved_list = !approved_path().empty();
  const inventory::ApprovedList* approved = large->approved ? &*large->approved : nullptr;
  // The fleet read whole part by part (fleet_findings): each part's devices
  // judged and their rows made over it (class, search text, sort keys: a
  // view's rows), the part dropped before the next is read. A list that does
  // not load leaves the view without findings, and says why, as a view's does.
  const Ledger& keys = large->index.keys();
  const std::size_t n = keys.assets().size();
  auto rows = std::make_shared<std::vector<AssetRow>>(n);
  std::vector<bool> made(n, false);
  // What the view served now may give: the parts of its build that nothing
  // read since could have changed (LargeFleet::Part), their rows and findings.
  std::shared_ptr<View> before;
  {
    std::lock_guard lock(view_mu);
    if (view && view->large) before = view;
  }
  const LargeFleet* was = before ? before->large.get() : nullptr;
  large->sensors = fleet.sensors;
  large->sites = fleet.sites;
  if (auto st = fleet.source->sensor_versions(large->versions); !st) {
    spdlog::warn("console: {}", st.error);
    large->versions.clear();
  }
  std::unordered_set<std::string> moved;  // devices with a record in a sensor whose version moved
  std::unordered_map<std::string_view, std::size_t> was_part;  // a part of `was` by its first device
  if (was != nullptr && !was->inputs.empty() && !large->versions.empty() && was->sensors == large->sensors &&
      was->sites == large->sites) {
    std::set<std::string> changed;
    for (const auto& [sensor, version] : large->versions)
      if (const auto it = was->versions.find(sensor); it == was->versions.end() || it->second != version)
        changed.insert(sensor);
    for (const auto& [sensor, version] : was->versions)
      if (!large->versions.contains(sensor)) changed.insert(sensor);
    for (const inventory::FleetIndex* index : {&was->index, static_cast<const inventory::FleetIndex*>(&large->index)})
      for (auto& id : index->devices_of(changed)) moved.insert(std::move(id));
    for (std::size_t k = 0; k < was->parts.size(); ++k)
      if (!was->parts[k].own.empty()) was_part.emplace(was->parts[k].own.front(), k);
  }
  std::vector<inventory::Finding> kept;  // the kept parts' findings, as computed (before acknowledgements)
  std::size_t kept_parts = 0;
  FleetFindings judged;
  const auto keep = [&](const std::vector<inventory::AssetIndex>& part) {
    if (was_part.empty() || judged.inputs.empty() || judged.inputs != was->inputs) return false;
    const auto at = was_part.find(keys.assets()[part.front()].id);
    if (at == was_part.end()) return false;
    const LargeFleet::Part& old = was->parts[at->second];
    if (old.own.size() != part.size()) return false;
    for (std::size_t j = 0; j < part.size(); ++j)
      if (old.own[j] != keys.assets()[part[j]].id || moved.contains(old.own[j])) return false;
    for (const auto& id : old.held)
      if (moved.contains(id)) return false;
    // Its rows and findings as that build made them.
    std::vector<inventory::AssetIndex> at_was(part.size());
    for (std::size_t j = 0; j < part.size(); ++j) {
      const inventory::AssetIndex w = at_was[j] = was->index.keys().index_of(old.own[j]);
      if (w == inventory::kNoAsset || w >= before->rows->size() || w + 1 >= was->finding_start.size()) return false;
    }
    for (std::size_t j = 0; j < part.size(); ++j) {
      const inventory::AssetIndex w = at_was[j];
      AssetRow r = before->row(w);
      r.open_findings = 0;  // counted again below
      (*rows)[part[j]] = std::move(r);
      made[part[j]] = true;
      for (std::uint32_t k = was->finding_start[w]; k < was->finding_start[w + 1]; ++k) {
        const std::uint32_t f = was->finding_at[k];
        inventory::Finding one = (*before->findings)[f];
        one.acknowledged = was->computed[f].first;
        one.comment = was->computed[f].second;
        kept.push_back(std::move(one));
      }
    }
    large->links += old.links;
    v->last_traffic_us = std::max(v->last_traffic_us, old.last_us);
    large->parts.push_back(old);
    ++kept_parts;
    return true;
  };
  const bool read = fleet_findings(
      config, *fleet.source, fleet.sensors, large->index, opt.part_devices, judged, error, approved_path(),
      opt.wireless_path,
      [&](Ledger& L, const std::vector<inventory::AssetIndex>& part) {
        if (quitting) return false;
        LargeFleet::Part record;
        std::unordered_set<std::string_view> own;
        for (const inventory::AssetIndex i : part) {
          own.insert(keys.assets()[i].id);
          record.own.push_back(keys.assets()[i].id);
        }
        for (const auto& a : L.assets())
          if (own.count(a.id) == 0) record.held.push_back(a.id);
        // Each link once: with the part of the device it starts at.
        for (const auto& e : L.edges())
          if (own.count(e.from_id) != 0) {
            ++record.links;
            record.last_us = std::max(record.last_us, e.last_us);
          }
        large->links += record.links;
        v->last_traffic_us = std::max(v->last_traffic_us, record.last_us);
        large->parts.push_back(std::move(record));
        // The plant's names, locations and owners, as every reader shows them
        // (after the findings, which a view judges before them too).
        if (approved != nullptr) inventory::apply_approved(L, *approved);
        const inventory::AssetLinks links(L);
        for (const inventory::AssetIndex i : part) {
          const inventory::Asset* a = L.find(keys.assets()[i].id);
          if (a == nullptr) continue;  // gone from the store since the index read it
          AssetRow r = make_row(L, *a, &links, config.policy.zones_of(*a),
                                approved != nullptr ? approved->match(*a) : nullptr, v->has_approved_list, 0);
          r.text.clear();  // each page's rows are made from the devices read whole
          r.text.shrink_to_fit();
          (*rows)[i] = std::move(r);
          made[i] = true;
        }
        return true;
      },
      keep);
  if (!read) {
    if (quitting) error = "the console is stopping";
    return nullptr;
  }
  before.reset();
  v->findings_error = judged.findings_error;
  large->inputs = judged.inputs;
  std::vector<inventory::Finding> findings = judged.findings ? std::move(*judged.findings) : std::vector<inventory::Finding>();
  if (judged.findings) {
    findings.insert(findings.end(), std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end()));
    inventory::sort_findings(findings);
    large->computed.reserve(findings.size());
    for (const auto& f : findings) large->computed.emplace_back(f.acknowledged, f.comment);
    inventory::apply_acks(findings, judged.acks);
  }
  const double parts_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() - read_s;
  Ledger& named = large->index.keys_mut();
  if (approved != nullptr) inventory::apply_approved(named, *approved);
  {
    // A device the store no longer held when its part was read: its keys' row.
    const inventory::AssetLinks links(named);
    for (std::size_t i = 0; i < n; ++i)
      if (!made[i]) {
        const inventory::Asset& a = named.assets()[i];
        (*rows)[i] = make_row(named, a, &links, config.policy.zones_of(a),
                              approved != nullptr ? approved->match(a) : nullptr, v->has_approved_list, 0, false);
        (*rows)[i].text.clear();
      }
  }
  // Each row's findings, and its open ones.
  large->finding_start.assign(n + 1, 0);
  std::vector<std::uint32_t> row_of_finding(findings.size(), 0);
  for (std::size_t k = 0; k < findings.size(); ++k) {
    const inventory::AssetIndex i = keys.index_of(findings[k].asset);
    if (i == inventory::kNoAsset || i >= n) continue;
    row_of_finding[k] = static_cast<std::uint32_t>(i) + 1;
    ++large->finding_start[i + 1];
    if (!findings[k].acknowledged) ++(*rows)[i].open_findings;
  }
  for (std::size_t i = 0; i < n; ++i) large->finding_start[i + 1] += large->finding_start[i];
  large->finding_at.resize(large->finding_start[n]);
  {
    std::vector<std::uint32_t> next(large->finding_start.begin(), large->finding_start.end() - 1);
    for (std::size_t k = 0; k < findings.size(); ++k)
      if (row_of_finding[k] != 0) large->finding_at[next[row_of_finding[k] - 1]++] = static_cast<std::uint32_t>(k);
  }
  for (const char* key : kLargeSorts) {
    const std::vector<std::string> texts = sort_keys(*rows, key);
    auto ascending = sort_order(texts, false);
    large->orders.emplace(std::string(key) + "/desc", descending_order(ascending, texts));
    large->orders.emplace(std::string(key) + "/asc", std::move(ascending));
  }
  large->orders.emplace("findings/asc", findings_order(*rows, false));
  large->orders.emplace("findings/desc", findings_order(*rows, true));
  v->marks = marks_of(*rows);
  v->rows = std::move(rows);
  v->row_of = std::make_shared<const std::map<std::string, std::size_t>>();
  v->ledger = std::make_shared<const Ledger>();
  v->findings = std::make_shared<const std::vector<inventory::Finding>>(std::move(findings));
  set_traffic(*v, keys);  // the newest of its links' (above) and its devices' observations
  set_fleet(*v, fleet);
  large->why = why + "; meanwhile this console serves the fleet's devices and findings (the assets list, each "
                     "device's page, the findings list and the overview), each page's devices read from the central "
                     "store when it is asked for";
  large->source = std::move(fleet.source);
  if (!said_large) spdlog::warn("console: {}", large->why);
  said_large = true;
  spdlog::debug("console: large fleet of {} sensor(s), {} devices, {} findings: keys read and merged in {:.2f} s, "
                "{} parts read whole and judged and {} kept in {:.2f} s, sorts {:.2f} s, {:+.1f} MiB",
                v->fleet_sensors.size(), v->rows->size(), v->findings->size(), read_s, large->parts.size() - kept_parts, kept_parts, parts_s,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() - read_s - parts_s,
                (static_cast<double>(heap_in_use()) - static_cast<double>(heap_before)) / (1024.0 * 1024.0));
  v->large = std::move(large);
  v->ftable = make_finding_table(*v, nullptr);
  return v;
}

std::shared_ptr<View> WebServer::Impl::page_view(const View& v, const std::vector<std::string>& ids,
                                                 std::string& error) const {
  const LargeFleet& large = *v.large;
  auto ledger = std::make_shared<Ledger>();
  {
    std::lock_guard lock(large.source_mu);
    auto st = large.index.read(*large.source, ids, *ledger);
    if (!st) {
      // The connection may have dropped (the central store restarted, which
      // moves no sensor's version, so no new view comes): once more on a new one.
      LedgerView again;
      if (open_view(*opt.central, again)) {
        large.source = std::move(again.source);
        st = large.index.read(*large.source, ids, *ledger);
      }
    }
    if (!st) {
      error = st.error;
      return nullptr;
    }
  }
  if (large.approved) inventory::apply_approved(*ledger, *large.approved);
  auto p = std::make_shared<View>();
  p->read_us = v.read_us;
  p->has_approved_list = v.has_approved_list;
  // The devices' findings, in the view's order, and their open counts.
  std::vector<std::uint32_t> mine;
  std::map<std::string, int> open;
  for (const auto& id : ids) {
    const inventory::AssetIndex i = large.index.keys().index_of(id);
    if (i == inventory::kNoAsset || i + 1 >= large.finding_start.size()) continue;
    open[id] = i < v.marks.open_findings.size() ? v.marks.open_findings[i] : v.row(i).open_findings;
    for (std::uint32_t k = large.finding_start[i]; k < large.finding_start[i + 1]; ++k)
      mine.push_back(large.finding_at[k]);
  }
  std::sort(mine.begin(), mine.end());
  auto findings = std::make_shared<std::vector<inventory::Finding>>();
  findings->reserve(mine.size());
  for (const std::uint32_t k : mine) findings->push_back((*v.findings)[k]);
  p->findings = std::move(findings);
  set_rows(*p, *ledger, large.approved ? &*large.approved : nullptr, &open);
  p->ledger = std::move(ledger);
  return p;
}

void WebServer::Impl::set_rows(View& v, const Ledger& L, const inventory::ApprovedList* approved,
                               const std::map<std::string, int>* open) const {
  auto rows = std::make_shared<std::vector<AssetRow>>();
  auto row_of = std::make_shared<std::map<std::string, std::size_t>>();
  rows->reserve(L.assets().size());
  const inventory::AssetLinks links(L);
  for (const auto& a : L.assets()) {
    (*row_of)[a.id] = rows->size();
    int findings = -1;
    if (open != nullptr) {
      const auto it = open->find(a.id);
      findings = it != open->end() ? it->second : 0;
    }
    rows->push_back(make_row(L, a, &links, config.policy.zones_of(a), approved != nullptr ? approved->match(a) : nullptr,
                             v.has_approved_list, findings));
  }
  v.marks = marks_of(*rows);
  v.rows = std::move(rows);
  v.row_of = std::move(row_of);
}

void WebServer::Impl::set_traffic(View& v, const Ledger& L) const {
  std::vector<std::int64_t> first_seen;
  first_seen.reserve(L.assets().size());
  for (const auto& a : L.assets()) {
    first_seen.push_back(a.first_us);
    v.last_traffic_us = std::max(v.last_traffic_us, a.last_us);
  }
  for (const auto& e : L.edges()) v.last_traffic_us = std::max(v.last_traffic_us, e.last_us);
  v.new_by_day = new_devices_by_day(first_seen, wall_us(), v.last_traffic_us, config.snapshots.timezone);
}

void WebServer::Impl::set_fleet(View& v, const LedgerView& fleet) {
  v.fleet_sensors = fleet.sensors;
  v.fleet_sites.clear();
  for (const auto& name : fleet.sensors)
    if (const auto it = fleet.sites.find(name); it != fleet.sites.end()) v.fleet_sites.push_back(it->second);
  std::sort(v.fleet_sites.begin(), v.fleet_sites.end());
  v.fleet_sites.erase(std::unique(v.fleet_sites.begin(), v.fleet_sites.end()), v.fleet_sites.end());
}

std::shared_ptr<View> WebServer::Impl::build_view(Store& s, std::string& error) {
  auto v = std::make_shared<View>();
  v->read_us = wall_us();
  v->cache = std::make_shared<ViewCache>();
  // How long each stage took, logged (debug) with the view.
  std::string stages;
  auto lap_start = std::chrono::steady_clock::now();
  std::size_t lap_heap = heap_in_use();
  const auto lap = [&](const char* stage) {
    const auto t = std::chrono::steady_clock::now();
    const std::size_t heap = heap_in_use();
    stages += fmt::format("{}{} {:.2f} s {:+.1f} MiB", stages.empty() ? "" : ", ", stage,
                          std::chrono::duration<double>(t - lap_start).count(),
                          (static_cast<double>(heap) - static_cast<double>(lap_heap)) / (1024.0 * 1024.0));
    lap_start = t;
    lap_heap = heap;
  };
  auto ledger = std::make_shared<Ledger>(config.sensor_name);
  // A fleet console reads the central store anew for each view (open_view
  // again: a sensor that began sending since the last view is in this one),
  // its sensors merged into one ledger (load_view: each device once, with its
  // sightings); the appliance's console reads its own SQLite ledger, through
  // the same interface over the builder's connection.
  LedgerView fleet;
  if (opt.central) {
    // Each sensor's ledger is kept between builds (fleet_reader): only those
    // whose records changed since the last build are read again, then merged.
    const auto read_start = std::chrono::steady_clock::now();
    if (!open_view(*opt.central, fleet)) {
      error = "the central store does not read (the log says why)";
      return nullptr;
    }
    bool counted = false;
    std::uint64_t held = 0;
    if (std::string why; !fits_view(fleet, why, counted, held)) {
      if (!counted) {
        error = why;
        return nullptr;
      }
      if (opt.max_index_assets != 0 && held > opt.max_index_assets) {
        // Not even the devices' keys fit: every page says so (the last view kept).
        error = why + fmt::format("; it is more than this console serves by its devices' keys too ({}, "
                                  "--max-index-assets)",
                                  opt.max_index_assets);
        return nullptr;
      }
      return build_large_view(fleet, std::move(v), std::move(why), error);
    }
    said_large = false;
    if (!load_view(fleet, *ledger, &fleet_reader)) {
      error = "the central store does not read (the log says why)";
      return nullptr;
    }
    spdlog::debug("console: fleet of {} sensor(s) read in {:.2f} s ({} loaded from the central store, the others kept)",
                 fleet.sensors.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count(),
                 fleet_reader.loaded().size());
    set_fleet(*v, fleet);
  } else {
    fleet.source = inventory::sqlite_source(s);
    fleet.sensors = {s.sensor_name()};
    if (auto st = fleet.source->load(s.sensor_name(), *ledger); !st) {
      error = st.error;
      return nullptr;
    }
  }
  const auto stop = [&] {
    if (quitting) error = "the console is stopping";
    return quitting.load();
  };
  lap("read");
  if (stop()) return nullptr;
  auto findings = current_findings(config, *fleet.source, fleet.sensors, *ledger, v->findings_error, approved_path(),
                                   opt.wireless_path);
  // After the ledger and the findings state are read, so that a console write
  // can land between this view's read and its publication.
  if (slow_view_build_failpoint()) std::this_thread::sleep_for(std::chrono::seconds(4));
  v->findings = std::make_shared<const std::vector<inventory::Finding>>(
      findings ? std::move(*findings) : std::vector<inventory::Finding>());
  lap("findings");
  std::optional<inventory::ApprovedList> approved;
  if (!approved_path().empty() && ::access(approved_path().c_str(), F_OK) == 0) {
    std::string ignored;
    approved = inventory::load_approved(approved_path(), ignored);
  }
  // The plant's names, locations and owners, as every reader shows them.
  if (approved) inventory::apply_approved(*ledger, *approved);
  v->ledger = ledger;
  v->has_approved_list = !approved_path().empty();
  std::map<std::string, int> open_by_asset;
  for (const auto& f : *v->findings)
    if (!f.acknowledged) ++open_by_asset[f.asset];
  const Ledger& L = *v->ledger;
  set_rows(*v, L, approved ? &*approved : nullptr, &open_by_asset);
  lap("rows");
  v->cache->sort_keys.emplace("name", sort_keys(*v->rows, "name"));
  lap("sort keys");
  set_traffic(*v, L);
  v->ftable = make_finding_table(*v, nullptr);
  lap("finding table");
  if (stop()) return nullptr;
  // What changed since the last snapshot (/api/v1/overview; the checklist's
  // changes are the same diff).
  std::optional<inventory::Diff> newest_diff;
  if (!opt.central) {  // a fleet has no snapshots of its own (kFleetPerSensor)
    const std::string& sensor = fleet.sensors.front();
    std::vector<inventory::SnapshotInfo> snaps;
    std::optional<inventory::Snapshot> from;
    if (auto st = fleet.source->snapshots(sensor, snaps); !st) spdlog::warn("console: {}", st.error);
    if (!snaps.empty()) {
      if (auto st = fleet.source->snapshot(sensor, snaps.back().name, from.emplace()); !st) {
        spdlog::warn("console: {}", st.error);
        from.reset();
      }
    }
    if (from) {
      const auto now = inventory::make_snapshot(L, std::string(inventory::kNowSnapshotName), wall_us());
      inventory::DiffOptions dopt;
      if (auto st = fleet.source->capture_drops(sensor, from->info.taken_us, now.info.taken_us, dopt.capture_drops); !st)
        spdlog::warn("console: {}", st.error);
      const auto& d = newest_diff.emplace(inventory::diff_snapshots(*from, now, dopt));
      v->since_snapshot = Json{{"snapshot", snaps.back().name},
                               {"taken", time_or_null(snaps.back().taken_us)},
                               {"new_assets", d.new_assets.size()},
                               {"vanished_assets", d.vanished_assets.size()},
                               {"changed_assets", d.changed_assets.size()},
                               {"new_links", d.new_links.size()},
                               {"vanished_links", d.vanished_links.size()},
                               {"capture_drops", d.capture_drops}};
    }
  }

  if (stop()) return nullptr;
  // The checklist: its input reads the store, so it is made here, with the
  // approved and wireless lists as they are now (their mtimes key the view).
  auto cl = std::make_shared<ChecklistPart>();
  cl->ledger = v->ledger;
  cl->findings = v->findings;
  if (v->findings_error.empty()) {
    std::string cerr;
    const std::string ap = approved_path();
    const std::string wl = wireless_path();
    if (!ap.empty()) cl->approved = inventory::load_approved(ap, cerr);
    if (!wl.empty()) cl->wireless = inventory::load_wireless_allow(wl, cerr);
    inventory::ChecklistInput& in = cl->in;
    in.ledger = cl->ledger.get();
    in.approved = cl->approved ? &*cl->approved : nullptr;
    in.wireless = cl->wireless ? &*cl->wireless : nullptr;
    in.findings = cl->findings.get();
    in.asset_link = "/#/asset/";  // the report links each device to its console page
    ChecklistPeriod period;
    period.now_us = wall_us();
    period.newest_diff = newest_diff ? &*newest_diff : nullptr;
    // A fleet console's checklist is its sensors' as one fleet report (the
    // merged ledger and findings it shows, each sensor's review evidence).
    if (fill_checklist_input(in, *fleet.source, fleet.sensors, config, L, period, cerr))
      cl->checklist = inventory::build_checklist(in);
    else
      cl->error = cerr;
  } else {
    cl->error = v->findings_error;
  }
  v->cl = cl;
  lap("checklist");

  if (stop()) return nullptr;
  // The whole-ledger bodies: at 100,000 assets each takes seconds, so no
  // request waits for one. The checklist's topology is the console's (the
  // same zones and findings).
  v->links_body = std::make_shared<const std::string>(json_text(inventory::links_json(L)));
  lap("links");
  if (stop()) return nullptr;
  if (cl->checklist)
    v->topology = std::shared_ptr<const inventory::Topology>(cl, &cl->checklist->topology);
  else
    v->topology = std::make_shared<const inventory::Topology>(
        inventory::build_topology(L, {&config.policy, v->findings.get()}));
  if (stop()) return nullptr;
  lap("topology");
  v->topology_body = std::make_shared<const std::string>(json_text(inventory::topology_json(*v->topology)));
  lap("topology body");
  if (stop()) return nullptr;
  {
    std::string ignored;
    (void)map_body(*v, MapQuery{}, ignored);  // the plant level, the map's first page
  }
  lap("map");
  if (stop()) return nullptr;
  if (cl->checklist)
    v->cache->checklist_bodies.emplace(
        "json/ja", std::make_shared<const std::string>(render_checklist(*v, "json", inventory::Lang::ja)));
  lap("checklist json");
  spdlog::debug("console: view of {} assets built: {}", L.assets().size(), stages);
  return v;
}

std::shared_ptr<FindingTable> WebServer::Impl::make_finding_table(const View& v, const FindingTable* prev,
                                                                  const std::unordered_set<std::string>* renamed) {
  auto t = std::make_shared<FindingTable>();
  const std::vector<inventory::Finding>& findings = *v.findings;
  // A write that changed findings in place (acknowledge, remediation state)
  // keeps every finding where it was: the index by id and the sort orders but
  // the state's are the previous table's.
  bool same_places = prev != nullptr && prev->rows.size() == findings.size() && prev->of;
  for (std::size_t i = 0; same_places && i < findings.size(); ++i)
    same_places = prev->rows[i].finding != nullptr && prev->rows[i].finding->id == findings[i].id;
  std::shared_ptr<std::map<std::string, std::size_t>> fresh;  // when the places changed
  if (!same_places) fresh = std::make_shared<std::map<std::string, std::size_t>>();
  t->rows.reserve(findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const inventory::Finding& f = findings[i];
    FindingRow r;
    std::size_t old = findings.size();
    if (same_places) {
      old = i;
    } else if (prev != nullptr && prev->of) {
      if (const auto it = prev->of->find(f.id); it != prev->of->end()) old = it->second;
    }
    const bool retext = renamed != nullptr && renamed->count(f.asset) != 0;
    if (!retext && old < findings.size() && prev != nullptr && old < prev->rows.size()) {
      r = prev->rows[old];  // the device, zones and search text change only with its names
    } else {
      r.severity_rank = f.severity == "high" ? 2 : f.severity == "medium" ? 1 : 0;
      auto text = std::make_shared<FindingText>();
      std::string asset_text;
      // A large fleet's rows are in its keys' order (no row_of: at a million devices, 100 MiB).
      std::size_t at = v.rows->size();
      if (v.large) {
        at = v.large->index.keys().index_of(f.asset);
      } else if (const auto it = v.row_of->find(f.asset); it != v.row_of->end()) {
        at = it->second;
      }
      if (at < v.rows->size()) {
        const AssetRow& a = v.row(at);
        text->zones = a.zones;
        text->sensors = a.sensors;
        text->sites = a.sites;
        // The name people know the device by (the plant's own first: inventory display_name).
        text->device = a.display_name;
        asset_text = a.haystack;
      }
      if (text->device.empty()) text->device = !f.ip.empty() ? f.ip : !f.mac.empty() ? f.mac : f.asset;
      text->haystack = ascii_lower(f.id + "\n" + f.asset + "\n" + f.mac + "\n" + f.ip + "\n" + text->device + "\n" +
                                   f.type + "\n" + f.item + "\n" + f.evidence + "\n" + inventory::evidence_text(f, "ja")) +
                       "\n" + asset_text;
      r.text = std::move(text);
    }
    r.finding = &f;
    r.state = std::string(inventory::finding_state(f));
    if (fresh) fresh->emplace(f.id, i);
    t->rows.push_back(std::move(r));
  }
  t->of = same_places ? prev->of : std::move(fresh);
  if (same_places) {
    std::lock_guard lock(prev->order_mu);
    for (const auto& [key, order] : prev->orders)
      if (key.rfind("state/", 0) != 0 && (renamed == nullptr || renamed->empty() || key.rfind("device/", 0) != 0))
        t->orders.emplace(key, order);
  }
  if (t->orders.count("/asc") == 0) t->orders.emplace("/asc", finding_order(t->rows, "", false));
  // The console's own first page (web/findings.js: most severe first).
  if (t->orders.count("severity/desc") == 0)
    t->orders.emplace("severity/desc", finding_order(t->rows, "severity", true));
  return t;
}

std::shared_ptr<View> WebServer::Impl::with_writes(const std::shared_ptr<View>& base,
                                                   const std::vector<std::shared_ptr<const Write>>& ws) const {
  const std::uint64_t after = std::max(base->covers, base->written);
  std::vector<const Write*> todo;
  for (const auto& w : ws)
    if (w->seq > after) todo.push_back(w.get());
  if (todo.empty()) return base;
  auto v = std::make_shared<View>(*base);
  auto findings = std::make_shared<std::vector<inventory::Finding>>(*base->findings);
  const std::vector<AssetRow>& rows = *v->rows;
  std::unordered_set<std::string> touched;  // assets whose open findings may have changed
  // Plant names: each renamed asset with the list of the last write that changed
  // names; its row is made again from that list below.
  std::map<std::string, std::shared_ptr<const inventory::ApprovedList>> names;
  for (const Write* w : todo) {
    if (!w->renamed.empty() && w->approved) {
      for (const auto& id : w->renamed) names[id] = w->approved;
      for (auto& f : *findings)
        if (std::find(w->renamed.begin(), w->renamed.end(), f.asset) != w->renamed.end()) {
          const inventory::Asset* a = v->ledger->find(f.asset);
          const inventory::ApprovedEntry* e = a != nullptr ? w->approved->match(*a) : nullptr;
          f.plant_name = e != nullptr ? e->name : std::string();
        }
    }
    if (!w->remediation_asset.empty()) {
      for (auto& f : *findings)
        if (f.type == "vulnerable" && f.asset == w->remediation_asset) inventory::apply_remediation(f, w->remediation);
      touched.insert(w->remediation_asset);
    }
    if (!w->acks.empty()) {
      inventory::apply_acks(*findings, w->acks);
      std::unordered_set<std::string_view> ids;
      for (const auto& a : w->acks) ids.insert(a.id);
      for (const auto& f : *findings)
        if (ids.count(f.id) != 0) touched.insert(f.asset);
    }
    if (w->approved && v->has_approved_list && v->marks.approved.size() == rows.size()) {
      // An approval ends the findings raised only because the device was not
      // listed: whichever list the findings were judged by, none is left for a
      // device on this one. A names write can only add its devices' rows.
      const auto& assets = v->ledger->assets();
      bool newly = w->renamed.empty();
      for (const auto& id : w->renamed) {
        const inventory::AssetIndex i = v->ledger->index_of(id);
        if (i == inventory::kNoAsset || i >= v->marks.approved.size()) continue;
        const signed char now = w->approved->match(assets[i]) != nullptr ? 1 : 0;
        newly = newly || (now == 1 && v->marks.approved[i] != 1);
        v->marks.approved[i] = now;
      }
      if (w->renamed.empty())
        for (std::size_t i = 0; i < rows.size() && i < assets.size(); ++i)
          v->marks.approved[i] = w->approved->match(assets[i]) != nullptr ? 1 : 0;
      // Rows are in the ledger's asset order: its id index finds a finding's row.
      if (newly) std::erase_if(*findings, [&](const inventory::Finding& f) {
        if (!f.unlisted) return false;
        const inventory::AssetIndex i = v->ledger->index_of(f.asset);
        if (i == inventory::kNoAsset || i >= v->marks.approved.size() || v->marks.approved[i] != 1) return false;
        touched.insert(f.asset);
        return true;
      });
    }
    v->written = w->seq;
  }
  if (!touched.empty() && v->marks.open_findings.size() == rows.size()) {
    std::map<std::string, int> open;
    for (const auto& id : touched) open[id] = 0;
    for (const auto& f : *findings)
      if (!f.acknowledged)
        if (auto it = open.find(f.asset); it != open.end()) ++it->second;
    for (const auto& [id, n] : open)
      if (auto it = v->row_of->find(id); it != v->row_of->end()) v->marks.open_findings[it->second] = n;
  }
  std::unordered_set<std::string> renamed;
  if (!names.empty()) {
    // The renamed rows made again with the list as written: their names, search
    // text, the sort keys kept for them and the asset page's facts. The other
    // rows stay shared (their marks stay the view's).
    auto patched = v->patched ? std::make_shared<std::map<std::size_t, AssetRow>>(*v->patched)
                              : std::make_shared<std::map<std::size_t, AssetRow>>();
    auto assets = v->renamed ? std::make_shared<std::map<std::string, inventory::Asset>>(*v->renamed)
                             : std::make_shared<std::map<std::string, inventory::Asset>>();
    v->cache = base->cache->copy();
    for (const auto& [id, list] : names) {
      const auto at = v->row_of->find(id);
      const inventory::Asset* a = v->ledger->find(id);
      if (at == v->row_of->end() || a == nullptr || at->second >= rows.size()) continue;
      inventory::Asset named = *a;
      inventory::apply_approved(named, *list);
      const AssetRow& was = v->row(at->second);
      AssetRow row = make_row(*v->ledger, named, nullptr, was.zones, list->match(named), v->has_approved_list,
                              was.open_findings);
      // make_row set the row's own approval from the list; the view's marks say
      // what it is now, so the row keeps the one it was built with.
      row.approved = was.approved;
      Json json = row_object(row);
      json["approved"] = was.approved < 0 ? Json() : Json(was.approved == 1);
      set_row_json(row, json);
      for (auto& [sort, keys] : v->cache->sort_keys)
        if (at->second < keys.size()) keys[at->second] = sort_keys({row}, sort).front();
      (*patched)[at->second] = std::move(row);
      (*assets)[id] = std::move(named);
      renamed.insert(id);
    }
    v->patched = std::move(patched);
    v->renamed = std::move(assets);
  }
  v->findings = std::move(findings);
  v->ftable = make_finding_table(*v, base->ftable.get(), &renamed);
  return v;
}

// How the Changes page names each device a diff mentions: as the console shows
// it now (the plant's names from the approved list, the zone), else as the
// newer snapshot, else the older one, held it.
Json diff_labels(const View& v, const inventory::Diff& d, const inventory::Snapshot& from,
                 const inventory::Snapshot& to) {
  std::set<std::string> ids;
  for (const auto* list : {&d.new_assets, &d.vanished_assets})
    for (const auto& a : *list) ids.insert(a.value("id", std::string()));
  for (const auto& c : d.changed_assets) ids.insert(c.asset);
  for (const auto* list : {&d.new_links, &d.vanished_links})
    for (const auto& l : *list) {
      ids.insert(l.value("from", std::string()));
      ids.insert(l.value("to", std::string()));
    }
  ids.erase(std::string());
  auto in_snapshot = [](const inventory::Snapshot& s, const std::string& id) -> const Json* {
    const auto it = std::lower_bound(s.assets.begin(), s.assets.end(), id,
                                     [](const inventory::SnapshotAsset& a, const std::string& k) { return a.id < k; });
    return it != s.assets.end() && it->id == id ? &it->json : nullptr;
  };
  Json out = Json::object();
  for (const auto& id : ids) {
    const Json* a = nullptr;
    bool current = false;
    Json row;  // the device's row as the console lists it (kept as text)
    if (const auto r = v.row_of->find(id); r != v.row_of->end()) {
      row = row_object(v.row(r->second));
      a = &row;
      current = true;
    }
    if (a == nullptr) a = in_snapshot(to, id);
    if (a == nullptr) a = in_snapshot(from, id);
    if (a == nullptr) {
      out[inventory::sanitize_utf8(id)] = Json{{"label", inventory::sanitize_utf8(id)}, {"current", false}};
      continue;
    }
    auto field = [&](const char* k) {
      const auto it = a->find(k);
      return it != a->end() && it->is_string() ? Json(inventory::sanitize_utf8(it->get<std::string>())) : Json();
    };
    Json location, zone = field("zone");
    if (const auto e = a->find("approved_entry"); e != a->end() && e->is_object()) {
      if (const auto l = e->find("location"); l != e->end() && l->is_string()) location = *l;
      if (zone.is_null())
        if (const auto z = e->find("zone"); z != e->end() && z->is_string()) zone = *z;
    }
    const auto ips = a->find("ips");
    out[inventory::sanitize_utf8(id)] = Json{{"label", inventory::sanitize_utf8(inventory::diff_asset_label(*a))},
                                             {"mac", field("mac")},
                                             {"ips", ips != a->end() && ips->is_array() ? *ips : Json::array()},
                                             {"class", field("class")},
                                             {"zone", zone},
                                             {"location", location},
                                             {"current", current}};
  }
  return out;
}

std::string WebServer::Impl::render_checklist(const View& v, const std::string& format, inventory::Lang lang) {
  return render_checklist_of(*v.cl->checklist, v.cl->in, format, lang);
}

std::string WebServer::Impl::render_checklist_of(const inventory::Checklist& cl, const inventory::ChecklistInput& in,
                                                 const std::string& format, inventory::Lang lang) {
  if (format == "json") return json_text(inventory::checklist_json(cl, in, lang));
  if (format == "csv") return inventory::checklist_csv(cl, in, lang);
  std::string svg, zone_svg, error;
  if (inventory::svg_available()) {
    if (const std::string dot = inventory::checklist_zone_dot(cl.topology, lang); !dot.empty())
      if (auto z = inventory::render_svg(dot, error, kSvgTimeoutS)) zone_svg = std::move(*z);
    if (inventory::checklist_embeds_diagram(cl))
      if (auto r = inventory::render_svg(inventory::topology_dot(cl.topology), error, kSvgTimeoutS)) svg = std::move(*r);
  }
  return inventory::checklist_html(cl, in, lang, svg, zone_svg);
}

// The builder thread: with its own read-only connection, it watches the
// database (PRAGMA data_version: another connection committed) and the
// approved and wireless lists (mtime), and builds and publishes a new view
// when either changed or a console write asked for one. Requests are answered
// from the published view meanwhile: a slow build delays freshness (the
// X-Mieruka-Data-Stale-Seconds header says by how much), never a response.
void WebServer::Impl::builder() {
  // Below the request threads: on a sensor's two cores a build must not slow
  // the answers it exists to keep fast (Linux: a thread's own nice value).
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::optional<Store> own;
  std::int64_t seen_dv = -1, seen_mt = -1, seen_wt = -1;
  // A fleet console asks the central store its version (LedgerSource::version:
  // the sensors' last batch) through a connection of its own, opened again
  // after a failure no sooner than kRetryUs.
  LedgerView watch;
  std::string seen_fv;
  std::int64_t watch_retry_us = 0;
  std::uint64_t done = 0;
  bool built = false;
  // After a failed build or open (a busy or damaged database), tried again at
  // the next change or after kRetryUs, whichever comes first.
  constexpr std::int64_t kRetryUs = 10'000'000;
  std::int64_t retry_at_us = 0;
  // Views replaced but maybe still held by a request: freed here once no
  // request holds them (freeing a view of 100,000 assets takes most of a
  // second, which neither a request nor view_mu's holder should spend).
  std::vector<std::shared_ptr<View>> retired;
  std::string last_said;  // the last build's failure, as logged
  std::unique_lock lk(view_mu);
  while (!stopping) {
    const std::uint64_t want = requested;
    lk.unlock();
    if (std::erase_if(retired, [](const std::shared_ptr<View>& r) { return r.use_count() == 1; }) != 0)
      return_free_memory();
    std::string error;
    const bool opening = !own && wall_us() >= retry_at_us;
    if (opening) own = Store::open_reader(opt.db_path, config.sensor_name, error);
    bool changed = false;
    std::int64_t dv = -1, mt = -1, wt = -1;
    if (own) {
      // Asked of the request connection: its data_version moves only with
      // other connections' commits, so its own (sessions, the audit log) do not
      // make a new view; the console's writes that change what a view shows ask
      // for one (record_write).
      {
        std::lock_guard db_lock(db_mu);
        dv = store ? data_version_of(*store) : -1;
      }
      mt = mtime_of(approved_path());
      wt = mtime_of(wireless_path());
      std::string fv;
      if (opt.central) {
        if (!watch.source && wall_us() >= watch_retry_us && !open_view(*opt.central, watch)) {
          watch.source.reset();
          watch_retry_us = wall_us() + kRetryUs;
        }
        if (watch.source)
          if (auto st = watch.source->version(fv); !st) {
            spdlog::error("console: {}", st.error);
            watch.source.reset();
            watch_retry_us = wall_us() + kRetryUs;
          }
        // The console's own file moves with sessions and the audit log only.
        dv = seen_dv;
      }
      changed = !built || want != done || dv != seen_dv || mt != seen_mt || wt != seen_wt ||
                (opt.central && !fv.empty() && fv != seen_fv) || (retry_at_us != 0 && wall_us() >= retry_at_us);
      if (changed && !fv.empty()) seen_fv = fv;
    }
    std::shared_ptr<View> v;
    if (changed) {
      std::int64_t zero = 0;
      stale_since_us.compare_exchange_strong(zero, wall_us());
      // A request's handler has the server to catch what it throws; this thread
      // has no one, and an exception leaving it would end the process.
      try {
        v = build_view(*own, error);
      } catch (const std::exception& ex) {
        v = nullptr;
        error = std::string("building the view failed: ") + ex.what();
      }
      // What the build made and dropped (the checklist's and the bodies' JSON
      // objects) is as large again as the view it kept.
      return_free_memory();
      // Said once while it stays the same (a fleet too large is refused again
      // at every batch the central store receives).
      if (!v && !quitting && error != last_said) spdlog::error("console: no new view ({}); the last one is kept", error);
      last_said = v ? std::string() : error;
    } else if (opening && !own) {
      spdlog::error("console: {}", error);
    }
    // The console's writes since `want` are applied to the new view before it
    // is published (with_writes); the ones it was read after are done with.
    std::unique_lock wl(writes_mu, std::defer_lock);
    if (v) {
      wl.lock();
      v->covers = want;
      v = with_writes(v, writes);
    }
    lk.lock();
    if (v) std::erase_if(writes, [&](const std::shared_ptr<const Write>& w) { return w->seq <= want; });
    for (auto& r : retired_by_writes) retired.push_back(std::move(r));
    retired_by_writes.clear();
    if (changed || (opening && !own)) {
      retry_at_us = v ? 0 : wall_us() + kRetryUs;
      if (v) {
        if (view) retired.push_back(view);
        view = std::move(v);
        build_error.clear();
        stale_since_us = 0;
      } else {
        build_error = error;
        failed_covers = want;
      }
      built = true;
      done = want;
      seen_dv = dv;
      seen_mt = mt;
      seen_wt = wt;
      view_cv.notify_all();
    }
    if (wl.owns_lock()) wl.unlock();
    view_cv.wait_for(lk, std::chrono::milliseconds(250), [&] { return stopping || requested != done; });
  }
}

void WebServer::Impl::install_routes() {
  httplib::Server& s = *srv;
  s.set_payload_max_length(kMaxBodyBytes);
  // A worker is held by a connection until its request is read whole: the
  // server answers an over-long request line (414) only once the headers end
  // or the read times out. With a worker per CPU, a few clients sending 20 KB
  // request lines and nothing more stalled every page for the whole timeout.
  // Idle workers cost a stack each; enough of them, and a read timeout short
  // enough for a plant LAN, keep a normal page answered while they wait.
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  s.set_read_timeout(5, 0);
  s.set_write_timeout(30, 0);
  s.set_keep_alive_max_count(100);
  httplib::Headers headers = {
      {"Content-Security-Policy", kCsp},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  if (https) headers.emplace("Strict-Transport-Security", "max-age=31536000");
  s.set_default_headers(headers);
  // cpp-httplib compresses with Brotli whenever the client offers it (every
  // browser does), at Brotli's slowest quality: 7-10 s for a 1.8 MB map level
  // or a 4.9 MB topology on a 2-core appliance, against about 0.1 s with gzip.
  // The library has no setting for it, so the offer of "br" is taken out of
  // each request before the response is written; gzip is kept.
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    // The server's own Request object, not a const one: changing it is allowed.
    auto& request_headers = const_cast<httplib::Request&>(req).headers;
    auto [first, last] = request_headers.equal_range("Accept-Encoding");  // the map compares names case-blind
    for (auto it = first; it != last; ++it) it->second = without_brotli(it->second);
    return httplib::Server::HandlerResponse::Unhandled;
  });

  s.Post("/api/v1/login", [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
  s.Post("/api/v1/logout", route(false, [this](const httplib::Request& req, httplib::Response& res, const Session& se) {
           std::lock_guard lock(db_mu);
           delete_session(*store, cookie_token(req));
           audit(*store, wall_us(), se.user, "logout", "", req.remote_addr);
           res.set_header("Set-Cookie", cookie_header("", 0));
           send_json(res, 200, Json{{"ok", true}});
         }));
  s.Get("/api/v1/me", route(false, [this](const httplib::Request&, httplib::Response& res, const Session& se) {
          // time_zone: the plant's zone (the config's `timezone`), in which the
          // console shows every time; the API's own times stay UTC.
          // fleet: the console reads the central store (read-only; no snapshots or
          // reports of its own), so the page hides what it cannot do.
          send_json(res, 200, Json{{"user", se.user}, {"role", se.role}, {"csrf", se.csrf},
                                   {"time_zone", config.snapshots.timezone}, {"fleet", opt.central.has_value()}});
        }));
  s.Get("/api/v1/openapi.json", route(false, [](const httplib::Request&, httplib::Response& res, const Session&) {
          const auto f = embedded_file("/openapi.json");
          if (!f) return send_error(res, 404, "no OpenAPI document in this build");
          res.set_header("Cache-Control", "no-store");
          res.set_content(std::string(*f), "application/json");
        }));

  // The view a handler needs, or an error response.
  // The view a handler needs (current_view), or an error response. Every
  // response made from a view says how old it is (view_headers).
  // A large fleet's view (View::large) serves only the handlers given
  // `large` true; the others answer 503 saying why and what it serves.
  using ViewHandler = std::function<void(const httplib::Request&, httplib::Response&, const Session&, View&)>;
  auto with_view = [this](ViewHandler h, bool large = false) -> Handler {
    return [this, h, large](const httplib::Request& req, httplib::Response& res, const Session& se) {
      std::string error;
      bool building = false;
      const std::shared_ptr<View> v = current_view(error, building);
      if (!v) {
        if (building) res.set_header("Retry-After", "2");
        return send_error(res, 503, error);
      }
      if (v->large && !large) return send_error(res, 503, v->large->why);
      view_headers(res, *v);
      h(req, res, se, *v);
    };
  };

  s.Get("/api/v1/assets", route(false, with_view([this](const httplib::Request& req, httplib::Response& res,
                                                             const Session&, View& v) {
          AssetQuery q;
          std::string error;
          if (!parse_asset_query(req.params, q, error)) return send_error(res, 400, error);
          if (v.large) {
            // The page selected from the view's rows by the order made with
            // it, then its devices read whole and their rows made.
            const auto order = v.large->orders.find(q.sort + (q.descending ? "/desc" : "/asc"));
            if (order == v.large->orders.end()) return send_error(res, 400, "sort: not a sort of this list");
            const std::vector<std::size_t> hits = select_assets(*v.rows, q, nullptr, nullptr, nullptr, &order->second);
            const std::size_t from = static_cast<std::size_t>(q.page - 1) * static_cast<std::size_t>(q.per_page);
            std::vector<std::string> ids;
            for (std::size_t i = from; i < hits.size() && i < from + static_cast<std::size_t>(q.per_page); ++i)
              ids.push_back(v.large->index.keys().assets()[hits[i]].id);
            const auto page = page_view(v, ids, error);
            if (!page) return send_error(res, 503, error);
            std::vector<std::string> items;
            for (const auto& id : ids)
              if (const auto it = page->row_of->find(id); it != page->row_of->end())
                items.push_back(page->row(it->second).text);
            return send_body(res, assets_page_text(q, hits.size(), items, true));
          }
          const std::vector<std::string>* keys = nullptr;
          if (q.sort != "findings") {
            std::lock_guard lock(v.cache->sort_mu);
            auto it = v.cache->sort_keys.find(q.sort);
            if (it == v.cache->sort_keys.end()) {
              std::vector<std::string> made = sort_keys(*v.rows, q.sort);
              if (v.patched)
                for (const auto& [i, row] : *v.patched)
                  if (i < made.size()) made[i] = sort_keys({row}, q.sort).front();
              it = v.cache->sort_keys.emplace(q.sort, std::move(made)).first;
            }
            keys = &it->second;  // never erased while the view lives
          }
          send_body(res, query_assets_text(*v.rows, q, keys, &v.marks, v.patched.get()));
        }, true)));
  s.Get(R"(/api/v1/assets/([^/]+))", route(false, with_view([this](const httplib::Request& req,
                                                                     httplib::Response& res, const Session&, View& v) {
          if (v.large) {
            // The device read whole, with the devices behind it and its peers.
            const inventory::Asset* k = v.large->index.keys().find(req.matches[1].str());
            if (k == nullptr) return send_error(res, 404, "no such asset");
            const std::string id = k->id;
            const std::string lang = req.get_param_value("lang");
            if (!lang.empty() && lang != "ja" && lang != "en") return send_error(res, 400, "lang: expected ja or en");
            std::string error;
            const auto page = page_view(v, {id}, error);
            if (!page) return send_error(res, 503, error);
            const inventory::Asset* a = page->ledger->find(id);
            if (a == nullptr || page->row_of->count(a->id) == 0) return send_error(res, 404, "no such asset");
            return send_json(res, 200, asset_detail(*page, *a, lang));
          }
          const inventory::Asset* a = v.ledger->find(req.matches[1].str());
          if (a == nullptr || v.row_of->count(a->id) == 0) return send_error(res, 404, "no such asset");
          const std::string lang = req.get_param_value("lang");
          if (!lang.empty() && lang != "ja" && lang != "en") return send_error(res, 400, "lang: expected ja or en");
          // With the plant's names a console write gave it since the view was read.
          if (v.renamed)
            if (const auto it = v.renamed->find(a->id); it != v.renamed->end()) a = &it->second;
          send_json(res, 200, asset_detail(v, *a, lang));
        }, true)));
  s.Get("/api/v1/links", route(false, with_view([](const httplib::Request&, httplib::Response& res,
                                                        const Session&, View& v) {
          send_body(res, *v.links_body);
        })));
  // Findings: filters, sort and pages (web_query FindingQuery). Without page or
  // per_page the answer is the plain array it always was.
  s.Get("/api/v1/findings", route(false, with_view([this](const httplib::Request& req, httplib::Response& res,
                                                           const Session&, View& v) {
          if (!v.findings_error.empty()) return send_error(res, 500, v.findings_error);
          FindingQuery q;
          std::string error;
          if (!parse_finding_query(req.params, q, error)) return send_error(res, 400, error);
          const std::vector<std::size_t>* order = nullptr;
          {
            std::lock_guard lock(v.ftable->order_mu);
            const std::string key = q.sort + (q.descending ? "/desc" : "/asc");
            auto it = v.ftable->orders.find(key);
            if (it == v.ftable->orders.end())
              it = v.ftable->orders.emplace(key, finding_order(v.ftable->rows, q.sort, q.descending)).first;
            order = &it->second;  // never erased while the view lives
          }
          const FindingHits hits = query_findings(v.ftable->rows, q, order);
          std::vector<inventory::Finding> page;
          page.reserve(hits.items.size());
          for (const FindingRow* r : hits.items) page.push_back(*r->finding);
          Json items = inventory::findings_json(page, q.lang, config.snapshots.timezone);
          for (std::size_t i = 0; i < hits.items.size(); ++i) {
            const FindingRow& r = *hits.items[i];
            const FindingText& text = *r.text;
            items[i]["zone"] = text.zones.empty() ? Json() : Json(inventory::sanitize_utf8(text.zones.front()));
            items[i]["device"] = inventory::sanitize_utf8(text.device);
            items[i]["asset_name"] = inventory::sanitize_utf8(text.device);  // the plant's own name first
          }
          if (!q.paged) return send_json(res, 200, items);
          send_json(res, 200, Json{{"total", hits.total},
                                   {"page", q.page},
                                   {"per_page", q.per_page},
                                   {"sort", q.sort.empty() ? Json() : Json(q.sort)},
                                   {"order", q.descending ? "desc" : "asc"},
                                   {"items", std::move(items)}});
        }, true)));
  // The evidence templates and finding type names in both languages (the one
  // catalog: inventory/policy/evidence.cpp).
  s.Get("/api/v1/findings/catalog", route(false, [](const httplib::Request&, httplib::Response& res,
                                                     const Session&) {
          Json kinds = Json::object(), types = Json::object();
          for (const auto& t : inventory::evidence_templates())
            kinds[std::string(t.kind)] = Json{{"en", std::string(t.en)}, {"ja", std::string(t.ja)}};
          for (const auto& t : inventory::finding_type_names())
            types[std::string(t.type)] = Json{{"en", std::string(t.en)}, {"ja", std::string(t.ja)}};
          send_json(res, 200, Json{{"types", std::move(types)}, {"evidence", std::move(kinds)}});
        }));
  // One finding and its history: opened, each acknowledgement, reopened.
  s.Get(R"(/api/v1/findings/([^/]+)/history)", route(false, with_view([this](const httplib::Request& req,
                                                                             httplib::Response& res, const Session&,
                                                                             View& v) {
           if (opt.central) return send_error(res, 409, kFleetPerSensor);
          const std::string lang = req.get_param_value("lang");
          if (!lang.empty() && lang != "ja" && lang != "en") return send_error(res, 400, "lang: expected ja or en");
          const auto it = v.ftable->of->find(req.matches[1].str());
          if (it == v.ftable->of->end()) return send_error(res, 404, "no such finding now");
          const inventory::Finding& f = (*v.findings)[it->second];
          std::vector<inventory::Ack> acks;
          {
            std::lock_guard lock(db_mu);
            acks = read_ack_history(*store, f.id);
          }
          Json one = inventory::findings_json({f}, lang.empty() ? "en" : lang, config.snapshots.timezone)[0];
          send_json(res, 200, Json{{"finding", std::move(one)},
                                   {"history", inventory::finding_history_json(inventory::finding_history(f, acks),
                                                                               lang.empty() ? "en" : lang,
                                                                               config.snapshots.timezone)}});
        }, true)));
  // Several findings acknowledged with one comment: each id answers for
  // itself (acknowledged, or why not); one audit entry per finding.
  s.Post("/api/v1/findings/ack", route(true, with_view([this](const httplib::Request& req, httplib::Response& res,
                                                              const Session& se, View& v) {
           if (opt.central) return send_error(res, 409, kFleetReadOnly);
           const auto body = nlohmann::json::parse(req.body, nullptr, false);
           if (body.is_discarded() || !body.is_object() || !body.contains("comment") || !body["comment"].is_string() ||
               !body.contains("ids") || !body["ids"].is_array())
             return send_error(res, 400, "expected {\"ids\": [\"f-...\", ...], \"comment\": \"why they are accepted\"}");
           const std::string comment = body["comment"].get<std::string>();
           if (comment.empty() || comment.size() > kMaxCommentBytes)
             return send_error(res, 400, "the comment must have 1 to 2000 bytes");
           const auto& ids = body["ids"];
           if (ids.empty() || ids.size() > kMaxBulkAck)
             return send_error(res, 400, "ids: give 1 to 500 finding ids");
           Json results = Json::array();
           std::size_t done = 0;
           Write w;
           {
             std::lock_guard lock(db_mu);
             for (const auto& x : ids) {
               if (!x.is_string()) {
                 results.push_back(Json{{"id", nullptr}, {"ok", false}, {"error", "not a finding id"}});
                 continue;
               }
               const std::string id = x.get<std::string>();
               const auto it = v.ftable->of->find(id);
               if (it == v.ftable->of->end()) {
                 results.push_back(
                     Json{{"id", inventory::sanitize_utf8(id)}, {"ok", false}, {"error", "no such finding now"}});
                 continue;
               }
               std::string error;
               const inventory::Finding& f = (*v.findings)[it->second];
               if (!record_ack(*store, f, comment, se.user, error)) {
                 results.push_back(Json{{"id", id}, {"ok", false}, {"error", error}});
                 continue;
               }
               w.acks.push_back({f.id, inventory::material_hash(f.material), comment, se.user, wall_us(), {}, {}});
               audit(*store, wall_us(), se.user, "acknowledge", id, comment);
               results.push_back(Json{{"id", id}, {"ok", true}, {"state", "acknowledged"}});
               ++done;
             }
           }
           if (done > 0) record_write(std::move(w));
           send_json(res, 200, Json{{"acknowledged", done}, {"who", se.user}, {"results", std::move(results)}});
         }, true)));
  s.Post(R"(/api/v1/findings/([^/]+)/ack)", route(true, with_view([this](const httplib::Request& req,
                                                                          httplib::Response& res, const Session& se, View& v) {
           if (opt.central) return send_error(res, 409, kFleetReadOnly);
           const auto body = nlohmann::json::parse(req.body, nullptr, false);
           if (body.is_discarded() || !body.is_object() || !body.contains("comment") || !body["comment"].is_string())
             return send_error(res, 400, "expected {\"comment\": \"why it is accepted\"}");
           const std::string comment = body["comment"].get<std::string>();
           if (comment.empty() || comment.size() > kMaxCommentBytes)
             return send_error(res, 400, "the comment must have 1 to 2000 bytes");
           const std::string id = req.matches[1].str();
           const auto found = v.ftable->of->find(id);
           if (found == v.ftable->of->end()) return send_error(res, 404, "no such finding now");
           const inventory::Finding* f = &(*v.findings)[found->second];
           {
             std::lock_guard lock(db_mu);
             std::string error;
             if (!record_ack(*store, *f, comment, se.user, error)) return send_error(res, 500, error);
             audit(*store, wall_us(), se.user, "acknowledge", id, comment);
           }
           Write w;
           w.acks.push_back({f->id, inventory::material_hash(f->material), comment, se.user, wall_us(), {}, {}});
           record_write(std::move(w));
           send_json(res, 200, Json{{"id", id}, {"state", "acknowledged"}, {"who", se.user}});
         }, true)));
  // Imported advisories and the devices each affects (the vulnerable findings).
  s.Get("/api/v1/advisories", route(false, with_view([this](const httplib::Request&, httplib::Response& res,
                                                             const Session&, View& v) {
          std::vector<inventory::StoredAdvisory> rows;
          {
            std::lock_guard lock(db_mu);
            if (auto st = store->advisories(rows, false); !st) return send_error(res, 500, st.error);
          }
          std::map<std::string, Json> matches;
          for (const auto& f : *v.findings) {
            if (f.type != "vulnerable") continue;
            Json m{{"finding", f.id},
                   {"asset", f.asset},
                   {"mac", f.mac.empty() ? Json() : Json(f.mac)},
                   {"ip", f.ip.empty() ? Json() : Json(f.ip)},
                   {"confidence", f.vuln.confidence},
                   {"cvss", f.vuln.cvss >= 0 ? Json(f.vuln.cvss) : Json()},
                   {"cves", f.vuln.cves},
                   {"state", std::string(inventory::finding_state(f))},
                   {"comment", f.comment}};
            auto& list = matches[f.vuln.advisory];
            if (!list.is_array()) list = Json::array();
            list.push_back(std::move(m));
          }
          Json out = Json::array();
          for (const auto& r : rows) {
            auto it = matches.find(r.id);
            out.push_back(Json{{"id", r.id},
                               {"source", r.source},
                               {"revision", r.revision},
                               {"current_release", r.current_release},
                               {"title", r.title},
                               {"matches", it != matches.end() ? it->second : Json::array()}});
          }
          send_json(res, 200, out);
        }, true)));
  // A remediation state for an advisory (all its CVEs on the device) or one CVE.
  s.Post("/api/v1/advisories/state", route(true, with_view([this](const httplib::Request& req,
                                                                   httplib::Response& res, const Session& se, View& v) {
           if (opt.central) return send_error(res, 409, kFleetReadOnly);
           const auto body = nlohmann::json::parse(req.body, nullptr, false);
           auto str = [&](const char* k) {
             return body.is_object() && body.contains(k) && body[k].is_string() ? body[k].get<std::string>()
                                                                               : std::string();
           };
           const std::string asset = str("asset"), target = str("target"), state = str("state"),
                             comment = str("comment");
           if (asset.empty() || target.empty() || state.empty())
             return send_error(res, 400, "expected {\"asset\": ID, \"target\": ADVISORY or CVE, \"state\": STATE, "
                                         "\"comment\": TEXT}");
           if (comment.size() > kMaxCommentBytes) return send_error(res, 400, "the comment must have at most 2000 bytes");
           const inventory::Asset* a = v.ledger->find(asset);
           if (a == nullptr) return send_error(res, 404, "no such asset");
           std::string error;
           const auto rows = remediation_rows(*v.findings, a->id, target, state, comment, se.user, wall_us(), error);
           if (rows.empty()) return send_error(res, 400, error);
           Write w;
           w.remediation_asset = a->id;
           {
             std::lock_guard lock(db_mu);
             if (auto st = store->set_remediation(rows); !st) return send_error(res, 500, st.error);
             audit(*store, wall_us(), se.user, "remediation_state", a->id + " " + target,
                   state + (comment.empty() ? "" : ": " + comment));
             // What the asset's vulnerable findings are judged by now: every
             // state stored for it, and the acknowledgements of those findings.
             std::vector<inventory::RemediationState> all;
             if (store->remediation_states(all))
               for (auto& r : all)
                 if (r.asset_id == a->id) w.remediation.push_back(std::move(r));
             std::set<std::string> mine;
             for (const auto& f : *v.findings)
               if (f.type == "vulnerable" && f.asset == a->id) mine.insert(f.id);
             for (auto& ack : read_acks(*store, store->sensor_name()))
               if (mine.count(ack.id) != 0) w.acks.push_back(std::move(ack));
           }
           record_write(std::move(w));
           send_json(res, 200, Json{{"asset", a->id}, {"target", target}, {"state", state}, {"rows", rows.size()},
                                    {"who", se.user}});
         }, true)));
  s.Post("/api/v1/approve", route(true, with_view([this](const httplib::Request& req, httplib::Response& res,
                                                          const Session& se, View& v) {
           if (opt.central) return send_error(res, 409, kFleetReadOnly);
           const auto body = nlohmann::json::parse(req.body, nullptr, false);
           if (body.is_discarded() || !body.is_object() || !body.contains("assets") || !body["assets"].is_array() ||
               body["assets"].empty() || body["assets"].size() > kMaxApproveAssets)
             return send_error(res, 400, "expected {\"assets\": [\"<id, MAC or IP>\", ...]}");
           std::vector<std::string> assets;
           for (const auto& a : body["assets"]) {
             if (!a.is_string()) return send_error(res, 400, "every entry of assets must be a string");
             assets.push_back(a.get<std::string>());
           }
           const std::string path = approved_path();
           if (path.empty())
             return send_error(res, 409, "no approved list: set [policy] approved in the config (or serve --approved)");
           const ApproveOutcome r = approve_assets(config, *v.ledger, path, assets, "", false);
           if (!r.error.empty()) return send_error(res, r.internal ? 500 : 400, r.error);
           std::string list;
           for (const auto& a : assets) list += (list.empty() ? "" : " ") + a;
           {
             std::lock_guard lock(db_mu);
             audit(*store, wall_us(), se.user, "approve", list, path);
           }
           // The list as written now; one that does not read back leaves the
           // change to the next view built from the file.
           Write w;
           std::string lerr;
           if (auto l = inventory::load_approved(path, lerr)) w.approved = std::make_shared<const inventory::ApprovedList>(std::move(*l));
           record_write(std::move(w));
           send_json(res, 200, Json{{"added", r.added}, {"approved", path}});
         }, true)));
  // The plant's own name, location, zone and owner of a device, written back to
  // the approved list (the one writer, edits.cpp set_plant_names) and audited.
  s.Post(R"(/api/v1/assets/([^/]+)/names)", route(true, with_view([this](const httplib::Request& req,
                                                                         httplib::Response& res, const Session& se,
                                                                         View& v) {
           if (opt.central) return send_error(res, 409, kFleetReadOnly);
           const auto body = nlohmann::json::parse(req.body, nullptr, false);
           const char* usage =
               "expected {\"<name|location|zone|owner>\": {\"value\": TEXT, \"expected\": TEXT}, ...} "
               "(expected: what the page showed)";
           if (body.is_discarded() || !body.is_object() || body.empty()) return send_error(res, 400, usage);
           std::vector<inventory::ApprovedEdit> edits;
           for (const auto& [field, e] : body.items()) {
             if (field != "name" && field != "location" && field != "zone" && field != "owner")
               return send_error(res, 400, usage);
             if (!e.is_object() || !e.contains("value") || !e["value"].is_string() ||
                 (e.contains("expected") && !e["expected"].is_string() && !e["expected"].is_null()))
               return send_error(res, 400, usage);
             const std::string value = e["value"].get<std::string>();
             const std::string expected =
                 e.contains("expected") && e["expected"].is_string() ? e["expected"].get<std::string>() : "";
             if (value.size() > inventory::kMaxFactValueBytes || expected.size() > inventory::kMaxCsvCellBytes)
               return send_error(res, 400, field + ": at most " + std::to_string(inventory::kMaxFactValueBytes) +
                                               " bytes");
             bool invalid = false;
             (void)inventory::sanitize_utf8(value, &invalid);
             if (invalid) return send_error(res, 400, field + ": not UTF-8 text");
             edits.push_back({field, value, expected});
           }
           const inventory::Asset* a = v.ledger->find(req.matches[1].str());
           if (a == nullptr || v.row_of->count(a->id) == 0) return send_error(res, 404, "no such asset");
           const std::string path = approved_path();
           if (path.empty())
             return send_error(res, 409, "no approved list: set [policy] approved in the config (or serve --approved)");
           const NamesOutcome r = set_plant_names(*v.ledger, path, *a, edits);
           if (!r.error.empty())
             return send_error(res, r.conflict ? 409 : r.internal ? 500 : 400, inventory::sanitize_utf8(r.error));
           Json changes = Json::array();
           std::string detail = r.row_added ? "row added; " : "";
           for (const auto& c : r.changes) {
             changes.push_back(Json{{"field", c.field}, {"before", c.before}, {"after", c.after}});
             detail += c.field + ": " + c.before + " -> " + c.after + "; ";
           }
           if (!r.changes.empty() || r.row_added) {
             {
               std::lock_guard lock(db_mu);
               audit(*store, wall_us(), se.user, "plant_names", a->id, detail + path);
             }
             // The list as written now: the device's row is made again from it in
             // the view the response and the next page read. One that does not
             // read back leaves the change to the next view built from the file.
             Write w;
             std::string lerr;
             if (auto l = inventory::load_approved(path, lerr)) {
               w.approved = std::make_shared<const inventory::ApprovedList>(std::move(*l));
               w.renamed.push_back(a->id);
             }
             record_write(std::move(w));
           }
           send_json(res, 200, Json{{"asset", a->id}, {"changes", changes}, {"row_added", r.row_added},
                                    {"approved", path}});
         }, true)));
  s.Get("/api/v1/snapshots", route(false, [this](const httplib::Request&, httplib::Response& res, const Session&) {
           if (opt.central) return send_error(res, 409, kFleetPerSensor);
          std::string error;
          std::vector<inventory::SnapshotInfo> snaps;
          {
            std::lock_guard lock(db_mu);
            snaps = inventory::list_snapshots(*store, error);
          }
          if (!error.empty()) return send_error(res, 500, error);
          auto arr = Json::array();
          for (const auto& s : snaps)
            arr.push_back(Json{{"name", inventory::sanitize_utf8(s.name)},
                               {"taken", time_or_null(s.taken_us)},
                               {"observed_until", time_or_null(s.observed_until_us)},
                               {"assets", s.assets},
                               {"links", s.links}});
          send_json(res, 200, arr);
        }));
  // Changes between two baselines (inventory::pick_baseline: a snapshot name or
  // a time; `to` also "now"). Without `from`: the last two snapshots, or the
  // last one and now when there is only one ("default" says which). "labels"
  // names every device the diff mentions, as the console shows it.
  s.Get("/api/v1/diff", route(false, with_view([this](const httplib::Request& req, httplib::Response& res,
                                                       const Session&, View& v) {
           if (opt.central) return send_error(res, 409, kFleetPerSensor);
          std::string from_spec = req.get_param_value("from");
          std::string to_spec = req.get_param_value("to");
          std::string error;
          std::lock_guard lock(db_mu);
          const auto snaps = inventory::list_snapshots(*store, error);
          if (!error.empty()) return send_error(res, 500, error);
          Json defaulted = nullptr;
          if (from_spec.empty()) {
            if (!to_spec.empty()) return send_error(res, 400, "from: give a snapshot name or a time with to=");
            if (snaps.empty()) return send_error(res, 404, "no snapshot yet: take one with `mieruka snapshot`");
            if (snaps.size() >= 2) {
              from_spec = snaps[snaps.size() - 2].name;
              to_spec = snaps.back().name;
              defaulted = "last_two";
            } else {
              from_spec = snaps.back().name;
              to_spec = std::string(inventory::kNowSnapshotName);
              defaulted = "last_to_now";
            }
          }
          if (to_spec.empty()) to_spec = std::string(inventory::kNowSnapshotName);
          auto utc = [](std::int64_t) -> std::int64_t { return 0; };
          auto from_b = inventory::pick_baseline(snaps, from_spec, utc, error);
          if (!from_b) return send_error(res, 404, "from: " + error);
          auto from = inventory::load_snapshot(*store, from_b->snapshot.name, error);
          if (!from) return send_error(res, 404, error);
          std::optional<inventory::Snapshot> to;
          std::string to_basis = std::string(inventory::kNowSnapshotName);
          if (to_spec == inventory::kNowSnapshotName) {
            to = inventory::make_snapshot(*v.ledger, to_spec, wall_us());
          } else {
            auto to_b = inventory::pick_baseline(snaps, to_spec, utc, error);
            if (!to_b) return send_error(res, 404, "to: " + error);
            to = inventory::load_snapshot(*store, to_b->snapshot.name, error);
            if (!to) return send_error(res, 404, error);
            to_basis = to_b->basis;
          }
          inventory::DiffOptions dopt;
          dopt.capture_drops = inventory::capture_drops_between(*store, from->info.taken_us, to->info.taken_us);
          const auto d = inventory::diff_snapshots(*from, *to, dopt);
          Json out = inventory::diff_json(d);
          out["default"] = defaulted;
          out["from_basis"] = inventory::sanitize_utf8(from_b->basis);
          out["to_basis"] = inventory::sanitize_utf8(to_basis);
          out["labels"] = diff_labels(v, d, *from, *to);
          send_json(res, 200, out);
        })));
  s.Get("/api/v1/topology", route(false, with_view([](const httplib::Request&, httplib::Response& res,
                                                           const Session&, View& v) {
          send_body(res, *v.topology_body);
        })));
  s.Get("/api/v1/map", route(false, with_view([](const httplib::Request& req, httplib::Response& res,
                                                      const Session&, View& v) {
          MapQuery q;
          std::string error;
          if (!parse_map_query(req.params, q, error)) return send_error(res, 400, error);
          const auto body = map_body(v, q, error);
          if (!body) return send_error(res, 404, error);
          send_body(res, *body);
        })));
  // The map's levels as one Graphviz picture each: ?zone= one zone's devices
  // (a cluster's id or name, kNoCluster for the devices in none); without it
  // the zones as nodes with the traffic between them when the config has zones
  // or the plant is larger than the report's whole-plant diagram
  // (kHtmlMaxDiagramNodes), else every device. A zone above kSvgMaxDevices is
  // refused: Graphviz would hold a worker for minutes for a picture no one reads.
  s.Get("/api/v1/topology.svg", route(false, with_view([](const httplib::Request& req, httplib::Response& res,
                                                               const Session&, View& v) {
          const auto lang = inventory::parse_lang(req.has_param("lang") ? req.get_param_value("lang") : "ja");
          if (!lang) return send_error(res, 400, "lang: expected ja or en");
          const inventory::Topology& t = *v.topology;
          std::string key;
          std::optional<inventory::Topology> zone;
          if (req.has_param("zone")) {
            const std::string z = req.get_param_value("zone");
            if (z.empty()) return send_error(res, 400, "zone: expected a zone id or name from GET /api/v1/map?level=plant");
            const auto id = inventory::find_cluster(t, z);
            if (id) zone = inventory::topology_of_cluster(t, *id);
            if (!zone)
              return send_error(res, 404, "zone " + z + ": no such zone (GET /api/v1/map?level=plant lists them)");
            if (zone->nodes.size() > kSvgMaxDevices)
              return send_error(res, 422, "zone " + z + ": " + std::to_string(zone->nodes.size()) +
                                              " devices, more than one picture can show (" +
                                              std::to_string(kSvgMaxDevices) + "): open it on the console's map");
            key = "zone/" + *id;
          } else if (t.grouping == "zones" || t.nodes.size() > inventory::kHtmlMaxDiagramNodes) {
            key = std::string("zones/") + (*lang == inventory::Lang::ja ? "ja" : "en");
          } else {
            key = "devices";
          }
          ViewCache& c = *v.cache;
          std::lock_guard svg_lock(c.svg_mu);
          auto it = c.svgs.find(key);
          if (it == c.svgs.end()) {
            std::string error;
            std::string dot = zone                     ? inventory::topology_dot(*zone)
                              : key == "devices"       ? inventory::topology_dot(t)
                                                       : inventory::checklist_zone_dot(t, *lang, t.clusters.size());
            // A plant without any cluster has no zone picture: its devices, when few enough.
            if (dot.empty() && t.nodes.size() <= inventory::kHtmlMaxDiagramNodes) dot = inventory::topology_dot(t);
            if (dot.empty())
              return send_error(res, 422, std::to_string(t.nodes.size()) +
                                              " devices in no zone or subnet: too many for one picture, open the console's map");
            auto svg = inventory::render_svg(dot, error, kSvgTimeoutS);
            it = c.svgs.emplace(key, std::make_pair(std::move(svg), std::move(error))).first;
          }
          if (!it->second.first) return send_error(res, 501, it->second.second);
          res.set_header("Cache-Control", "no-store");
          res.set_content(*it->second.first, "image/svg+xml");
        })));
  s.Get("/api/v1/stats", route(false, [this](const httplib::Request&, httplib::Response& res, const Session&) {
          send_json(res, 200, stats());
        }));
  s.Get("/api/v1/overview", route(false, with_view([this](const httplib::Request&, httplib::Response& res,
                                                           const Session&, View& v) { send_json(res, 200, overview(v)); },
                                                 true)));
  s.Get("/api/v1/audit", route(true, [this](const httplib::Request&, httplib::Response& res, const Session&) {
          auto arr = Json::array();
          std::lock_guard lock(db_mu);
          inventory::Statement q = store->statement(
              "SELECT at_us, user, action, target, detail FROM audit_log ORDER BY id DESC LIMIT 500");
          auto text = [&](int i) { return inventory::sanitize_utf8(q.text_view(i)); };
          while (q.next())
            arr.push_back(Json{{"at", time_or_null(q.int64(0))},
                               {"user", text(1)},
                               {"action", text(2)},
                               {"target", text(3)},
                               {"detail", text(4)}});
          send_json(res, 200, arr);
        }));
  // Reports: the checklist evidence (inventory/report/checklist) and the acceptance
  // report (inventory/report/acceptance), as `mieruka export checklist` and `mieruka
  // report acceptance` make them; ?lang=ja|en, ?format=json|csv|html (checklist)
  // or json|html|text (acceptance).
  const auto send_checklist = [](httplib::Response& res, const std::string& format, const std::string& body) {
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    if (format == "json") return res.set_content(body, "application/json");
    if (format == "csv") {
      res.set_header("Content-Disposition", "attachment; filename=\"checklist.csv\"");
      return res.set_content(body, "text/csv; charset=utf-8");
    }
    report_csp(res);
    res.set_content(body, "text/html; charset=utf-8");
  };
  s.Get("/api/v1/checklist", route(false, with_view([this, send_checklist](const httplib::Request& req,
                                                                            httplib::Response& res, const Session&,
                                                                            View& v) {
          const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
          if (format != "json" && format != "csv" && format != "html")
            return send_error(res, 400, "format: expected json, csv or html");
          const auto lang = inventory::parse_lang(req.has_param("lang") ? req.get_param_value("lang") : "ja");
          if (!lang) return send_error(res, 400, "lang: expected ja or en");
          if (!v.findings_error.empty()) return send_error(res, 500, v.findings_error);
          // The report and its input are made with the view (build_view): each
          // format and language is rendered from them once per view.
          if (!v.cl->checklist) return send_error(res, opt.central ? 409 : 500, v.cl->error);
          // A fleet's report (several sensors) has no common snapshot: its
          // ?baseline= is a time, devices the fleet first saw since then being
          // new (set_fleet_baseline); a snapshot's name is refused.
          const bool fleet_report = !v.cl->in.fleet.empty();
          // ?baseline=: another snapshot (a name, or a time: the newest snapshot
          // taken at or before it) than the newest counts what is new and what
          // changed. Bodies are kept per snapshot, so a view holds at most one
          // per snapshot, format and language.
          std::optional<inventory::Baseline> base;
          std::optional<inventory::ChecklistInput> since;  // a fleet's ?baseline=TIME
          const std::string spec = req.get_param_value("baseline");
          if (!spec.empty() && fleet_report) {
            std::string error;
            if (!set_fleet_baseline(since.emplace(v.cl->in), *v.ledger, spec, kDefaultNewDays, nullptr, error))
              return send_error(res, 400, error);
          } else if (!spec.empty() && opt.central) {
            return send_error(res, 409,
                              "baseline: the fleet console reads no snapshot; run `mieruka export checklist --db "
                              "postgresql://... --sensor NAME --baseline SNAPSHOT` for one sensor's");
          } else if (!spec.empty()) {
            std::string error;
            std::lock_guard lock(db_mu);
            const auto snaps = inventory::list_snapshots(*store, error);
            if (error.empty()) base = inventory::pick_baseline(snaps, spec, [](std::int64_t) -> std::int64_t { return 0; }, error);
            if (!base) return send_error(res, 404, "baseline: " + error);
          }
          if (base) base->basis = "snapshot " + base->snapshot.name;
          const std::string key = format + "/" + std::string(inventory::lang_code(*lang)) +
                                  (base    ? "/" + base->snapshot.name
                                   : since ? "/" + since->new_since_basis
                                           : std::string());
          // A body not made yet is made outside body_mu (a baseline's checklist
          // takes about a second at 10,000 devices; the lock is held only to
          // look it up and keep it), so other requests of the view do not wait
          // for it. Two requests for the same new body may both make it: the
          // first kept is the one served.
          std::shared_ptr<const std::string> body;
          {
            std::lock_guard lock(v.cache->body_mu);
            if (const auto it = v.cache->checklist_bodies.find(key); it != v.cache->checklist_bodies.end())
              body = it->second;
          }
          if (!body) {
            std::string made;
            if (base) {
              // The baseline's snapshot is read through a connection of its own
              // (as the builder reads), not the request connection every route
              // authorizes through: reading 10,000 devices' snapshot takes about
              // a second, for which no other request should wait.
              inventory::ChecklistInput in = v.cl->in;
              std::string error;
              auto reader = inventory::sqlite_source(opt.db_path, error);
              if (!reader) return send_error(res, 503, error);
              if (!set_checklist_baseline(in, *reader, config.sensor_name, *v.ledger, base->snapshot, base->basis,
                                          in.generated_us, error))
                return send_error(res, 500, error);
              const auto cl = inventory::build_checklist(in);
              made = render_checklist_of(cl, in, format, *lang);
            } else if (since) {
              made = render_checklist_of(inventory::build_checklist(*since), *since, format, *lang);
            } else {
              made = render_checklist(v, format, *lang);
            }
            std::lock_guard lock(v.cache->body_mu);
            body = v.cache->checklist_bodies.emplace(key, std::make_shared<const std::string>(std::move(made)))
                       .first->second;
          }
          send_checklist(res, format, *body);
        })));
  s.Get("/api/v1/acceptance", route(false, with_view([this](const httplib::Request& req, httplib::Response& res,
                                                             const Session&, View& v) {
           if (opt.central) return send_error(res, 409, kFleetPerSensor);
          const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
          if (format != "json" && format != "html" && format != "text")
            return send_error(res, 400, "format: expected json, html or text");
          const auto lang = inventory::parse_lang(req.has_param("lang") ? req.get_param_value("lang") : "ja");
          if (!lang) return send_error(res, 400, "lang: expected ja or en");
          std::string from = req.get_param_value("from");
          const std::string since = req.get_param_value("since"), baseline_spec = req.get_param_value("baseline");
          if ((from.empty() ? 0 : 1) + (since.empty() ? 0 : 1) + (baseline_spec.empty() ? 0 : 1) != 1)
            return send_error(res, 400, "give since=TIME, from=SNAPSHOT or baseline=SNAPSHOT|TIME");
          std::string basis = "snapshot " + from;
          if (!baseline_spec.empty()) {
            // A snapshot name, or a time: the newest snapshot taken at or before it.
            std::string error;
            std::optional<inventory::Baseline> b;
            {
              std::lock_guard lock(db_mu);
              const auto snaps = inventory::list_snapshots(*store, error);
              if (error.empty())
                b = inventory::pick_baseline(snaps, baseline_spec, [](std::int64_t) -> std::int64_t { return 0; }, error);
            }
            if (!b) return send_error(res, 404, "baseline: " + error);
            from = b->snapshot.name;
            basis = b->basis;
          }
          inventory::AcceptanceInput in;
          std::vector<std::string> baseline;
          if (!since.empty()) {
            // Without a zone the time is taken as UTC (the browser sends one).
            auto t = inventory::parse_time_arg(since, [](std::int64_t) -> std::int64_t { return 0; });
            if (!t) return send_error(res, 400, "since: expected an ISO 8601 time such as 2026-11-20T09:00:00+09:00");
            in.since_us = *t;
            in.basis = "since " + since;
          } else {
            std::string error;
            std::optional<inventory::Snapshot> snap;
            {
              std::lock_guard lock(db_mu);
              snap = inventory::load_snapshot(*store, from, error);
            }
            if (!snap) return send_error(res, 404, error);
            for (const auto& a : snap->assets) baseline.push_back(a.id);
            std::sort(baseline.begin(), baseline.end());
            in.baseline_ids = &baseline;
            in.since_us = snap->info.observed_until_us;
            in.basis = basis;
          }
          in.ledger = v.ledger.get();
          in.zones = &config.policy;
          in.sensor_name = config.sensor_name;
          in.generated_us = wall_us();
          in.time_zone = config.snapshots.timezone;
          const auto rep = inventory::build_acceptance(in);
          if (format == "json") return send_json(res, 200, inventory::acceptance_json(rep, in));
          res.set_header("Cache-Control", "no-store");
          if (format == "html") {
            report_csp(res);
            res.set_content(inventory::acceptance_html(rep, in, *lang), "text/html; charset=utf-8");
            return;
          }
          res.set_content(inventory::acceptance_text(rep, in, *lang), "text/plain; charset=utf-8");
        })));
  // Anything else under /api: 401 before 404, so that nothing is told to strangers.
  auto unknown = route(false, [](const httplib::Request&, httplib::Response& res, const Session&) {
    send_error(res, 404, "no such API route (see /api/v1/openapi.json)");
  });
  s.Get(R"(/api/.*)", unknown);
  s.Post(R"(/api/.*)", unknown);
  s.Put(R"(/api/.*)", unknown);
  s.Delete(R"(/api/.*)", unknown);

  // The pages: embedded files; "/" is the single page.
  s.Get(R"(/.*)", [](const httplib::Request& req, httplib::Response& res) {
    const std::string path = req.path == "/" ? "/index.html" : req.path;
    const auto f = path == "/openapi.json" ? std::nullopt : embedded_file(path);
    if (!f) {
      res.status = 404;
      res.set_content("not found\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(*f), content_type_of(path));
  });
}

// --- start, stop ------------------------------------------------------------------------

WebServer::WebServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebServer::~WebServer() {
  if (!impl_) return;
  if (impl_->srv) impl_->srv->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string WebServer::url() const {
  const bool v6 = impl_->host.find(':') != std::string::npos;
  return std::string(impl_->https ? "https://" : "http://") + (v6 ? "[" + impl_->host + "]" : impl_->host) + ":" +
         std::to_string(impl_->port) + "/";
}

std::unique_ptr<WebServer> WebServer::start(const Config& config, const ServerOptions& opt, std::string& error) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->opt = opt;
  impl->started_us = wall_us();
  if (!parse_listen(config.web.listen, impl->host, impl->port, error)) return nullptr;
  impl->https = config.web.tls;
  if (!impl->https && !is_loopback(impl->host)) {
    error = "--listen " + config.web.listen +
            ": plain HTTP is served on a loopback address only (127.0.0.1, ::1); use HTTPS elsewhere";
    return nullptr;
  }
  auto dummy = hash_password("mieruka-no-such-user");
  if (!dummy) {
    error = "libsodium does not initialise (cannot hash passwords)";
    return nullptr;
  }
  impl->dummy_hash = *dummy;
  {
    std::lock_guard lock(impl->db_mu);
    if (impl->db(error) == nullptr) return nullptr;
  }
  // The first view is built while the server starts listening; a request that
  // comes before it is ready waits for it (current_view; a fleet console's
  // for at most kFirstViewWait, then 503 saying the view is being built).
  {
    Impl* raw = impl.get();
    impl->builder_thread = std::thread([raw] { raw->builder(); });
  }
  if (impl->https) {
    std::string cert = config.web.cert, key = config.web.key;
    if (cert.empty()) {
      const std::string dir = !opt.data_dir.empty() ? opt.data_dir : ".";
      if (!ensure_self_signed(dir, cert, key, error)) return nullptr;
    }
    if (::access(cert.c_str(), R_OK) != 0 || ::access(key.c_str(), R_OK) != 0) {
      error = cert + " / " + key + ": cannot read the certificate or key ([web] cert, key)";
      return nullptr;
    }
    auto ssl = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    if (!ssl->is_valid()) {
      error = cert + ": the certificate and key do not load (PEM expected, key matching the certificate)";
      return nullptr;
    }
    impl->srv = std::move(ssl);
  } else {
    impl->srv = std::make_unique<httplib::Server>();
  }
  impl->install_routes();
  const std::string bind_host = impl->host;
  if (impl->port == 0) {
    impl->port = impl->srv->bind_to_any_port(bind_host);
    if (impl->port <= 0) {
      error = "--listen " + config.web.listen + ": cannot bind (address not on this host?)";
      return nullptr;
    }
  } else if (!impl->srv->bind_to_port(bind_host, impl->port)) {
    // `mieruka run` binds after its privilege drop, with CAP_NET_RAW alone.
    error = "--listen " + config.web.listen +
            (impl->port < 1024 && ::geteuid() != 0
                 ? ": cannot bind a port below 1024 without root; listen on 8443 (or another port above 1023)"
                 : ": cannot bind (port in use, or address not on this host?)");
    return nullptr;
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->srv->listen_after_bind(); });
  return std::unique_ptr<WebServer>(new WebServer(std::move(impl)));
}

bool parse_listen(const std::string& listen, std::string& host, int& port, std::string& error) {
  std::string port_text;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find("]:");
    if (close == std::string::npos) {
      error = "--listen " + listen + ": expected ADDR:PORT, e.g. 0.0.0.0:8443 or [::1]:8443";
      return false;
    }
    host = listen.substr(1, close - 1);
    port_text = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0 || listen.find(':') != colon) {
      error = "--listen " + listen + ": expected ADDR:PORT, e.g. 0.0.0.0:8443 or [::1]:8443";
      return false;
    }
    host = listen.substr(0, colon);
    port_text = listen.substr(colon + 1);
  }
  int p = -1;
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (p = std::stoi(port_text)) > 65535) {
    error = "--listen " + listen + ": the port must be a number from 0 to 65535";
    return false;
  }
  port = p;
  return true;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool ensure_self_signed(const std::string& dir, std::string& cert_path, std::string& key_path, std::string& error) {
  cert_path = dir + "/web-cert.pem";
  key_path = dir + "/web-key.pem";
  if (::access(cert_path.c_str(), F_OK) == 0 && ::access(key_path.c_str(), F_OK) == 0) return true;
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  bool ok = pkey != nullptr && x != nullptr;
  if (ok) {
    unsigned char serial[16];
    ok = RAND_bytes(serial, sizeof serial) == 1;
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    ok = ok && bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr;
    BN_free(bn);
    ok = ok && X509_set_version(x, 2) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr;
    ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400) != nullptr;
    ok = ok && X509_set_pubkey(x, pkey) == 1;
    X509_NAME* name = X509_get_subject_name(x);
    const std::string cn = "mieruka " + host_name();
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1;
    ok = ok && X509_set_issuer_name(x, name) == 1;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    const std::string san = "DNS:localhost,DNS:" + host_name() + ",IP:127.0.0.1,IP:::1";
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    ok = ok && ext != nullptr && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    ok = ok && X509_sign(x, pkey, EVP_sha256()) > 0;
  }
  if (ok) {
    const int kfd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE* kf = kfd >= 0 ? ::fdopen(kfd, "w") : nullptr;
    ok = kf != nullptr && PEM_write_PrivateKey(kf, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (kf != nullptr) ok = std::fclose(kf) == 0 && ok;
    else if (kfd >= 0) ::close(kfd);
    if (ok) {
      FILE* cf = std::fopen(cert_path.c_str(), "w");
      ok = cf != nullptr && PEM_write_X509(cf, x) == 1;
      if (cf != nullptr) ok = std::fclose(cf) == 0 && ok;
    }
    if (!ok) error = dir + ": cannot write web-cert.pem / web-key.pem (is the data directory writable?)";
  } else {
    error = "cannot make a self-signed certificate (OpenSSL failed)";
  }
  X509_free(x);
  EVP_PKEY_free(pkey);
  return ok;
}

}  // namespace mieruka::sensor::web
