// The CLI commands (see commands.hpp): ingest (read, capture) and the ledger views
// (assets, links, show).
#include "sensor/daemon/commands.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <map>
#include <cstdio>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "inventory/render/export.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/fleet_index.hpp"
#include "inventory/store/store.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/central/central_config.hpp"
#include "sensor/central/pg_source.hpp"
#include "sensor/central/replicator.hpp"
#include "sensor/pipeline/pipeline.hpp"
#include "sensor/daemon/signals.hpp"

namespace mieruka::sensor {

using inventory::Ledger;
using inventory::Store;
using Clock = std::chrono::steady_clock;

void print_error(const std::string& line) { std::fprintf(stderr, "mieruka: %s\n", line.c_str()); }

namespace {

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  return fmt::format("{:.1f} {}", b, units[u]);
}

}  // namespace

std::vector<std::string> selected_sensors(const CommonOptions& common) {
  std::vector<std::string> out;
  std::string name;
  for (std::size_t i = 0; i <= common.sensor.size(); ++i) {
    const char c = i < common.sensor.size() ? common.sensor[i] : ',';
    if (c != ',' && c != '\n') {
      name += c;
      continue;
    }
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    name.clear();
  }
  return out;
}

bool reads_central(const CommonOptions& common) { return central::is_central_url(common.db); }

namespace {

// Several sensors read by a command that works on one sensor's records.
std::string several_sensors(const std::string& where, const std::vector<std::string>& names) {
  return where + ": sensors " + name_list(names) +
         " are selected; only assets, links, show, findings, topology, export checklist and report acceptance "
         "--since read several sensors as one fleet: "
         "pick one with --sensor NAME";
}

}  // namespace

std::string name_list(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "`" : ", `") + n + "`";
  return list;
}

bool choose_sensor(CommonOptions& common, bool warn_absent) {
  // The central store is chosen from when it is read (open_ledger_view).
  if (reads_central(common)) return true;
  const auto selected = selected_sensors(common);
  if (selected.size() > 1) {
    if (common.fleet_reader) return true;  // open_ledger_view checks each name
    print_error(several_sensors(resolve_db_path(common.db, common.config), selected));
    return false;
  }
  const bool named = !selected.empty() || !common.config_path.empty();
  if (!selected.empty()) common.config.sensor_name = selected.front();
  // The daemon opens nothing before its privilege drop; a named sensor needs no look.
  if (named && !warn_absent) return true;
  const std::string path = resolve_db_path(common.db, common.config);
  if (::access(path.c_str(), F_OK) != 0) return true;  // a new database: the config's name or the host's
  std::string error;
  auto store = Store::open_reader(path, common.config.sensor_name, error);
  if (!store) return true;  // the command itself says what is wrong with it
  const auto names = store->sensors();
  if (names.empty() || std::find(names.begin(), names.end(), common.config.sensor_name) != names.end()) return true;
  const std::string list = name_list(names);
  if (named) {
    spdlog::warn("{}: no records of sensor `{}`; it holds {} (--sensor NAME reads one)", path,
                 common.config.sensor_name, list);
    return true;
  }
  if (names.size() == 1) {
    common.config.sensor_name = names.front();
    return true;
  }
  print_error(path + ": holds the records of sensors " + list + "; pick one with --sensor NAME (or --config FILE with "
                     "its sensor_name)");
  return false;
}

bool overlay_approved(const CommonOptions& common, Ledger& ledger, const std::string& approved) {
  const std::string path = !approved.empty() ? approved : common.config.policy.approved_path;
  if (path.empty()) return true;
  std::string error;
  auto list = inventory::load_approved(path, error);
  if (!list) {
    print_error(error);
    return false;
  }
  inventory::apply_approved(ledger, *list);
  return true;
}

Ledger& ledger_until_exit(const std::string& sensor_name) {
  // Held from a static pointer that is itself never destroyed, so that leak
  // checkers (which run after static destructors) still see it reachable.
  static auto* const held = new std::vector<Ledger*>;
  held->push_back(new Ledger(sensor_name));
  return *held->back();
}

bool open_ledger_view(const CommonOptions& common, LedgerView& view, Ledger& ledger) {
  return open_view(common, view) && load_view(view, ledger);
}

bool open_view(const CommonOptions& common, LedgerView& view) {
  std::string error;
  if (reads_central(common)) {
    central::PgTarget target{common.db, "", common.ca_file};
    if (!common.password_file.empty() && !read_password_file(common.password_file, target.password, error)) {
      print_error(error);
      return false;
    }
    view.source = central::central_source(target, error);
  } else {
    const std::string path = resolve_db_path(common.db, common.config);
    if (::access(path.c_str(), F_OK) != 0) {
      print_error(path + ": no ledger database here (run `mieruka read FILE` or `mieruka capture -i IFACE` first, or "
                         "give --db PATH)");
      return false;
    }
    view.source = inventory::sqlite_source(path, error);
  }
  if (!view.source) {
    print_error(error);
    return false;
  }
  auto selected = selected_sensors(common);
  if (!common.site.empty() && !view.source->central()) {
    print_error("--site " + common.site + ": sites are known to the central store only (give --db postgresql://...)");
    return false;
  }
  if (auto st = view.source->sites(view.sites); !st) {
    print_error(st.error);
    return false;
  }
  if (!view.source->central() && selected.size() <= 1) {
    view.sensors = {common.config.sensor_name};  // choose_sensor's
  } else {
    std::vector<std::string> held;
    if (auto st = view.source->sensors(held); !st) {
      print_error(st.error);
      return false;
    }
    for (const auto& name : selected) {
      if (std::find(held.begin(), held.end(), name) == held.end()) {
        print_error(view.source->where() + ": no records of sensor `" + name + "`; it holds " +
                    (held.empty() ? std::string("none") : name_list(held)));
        return false;
      }
    }
    if (selected.empty()) selected = held;
    if (!common.site.empty()) {
      std::vector<std::string> of_site;
      for (const auto& name : selected) {
        const auto it = view.sites.find(name);
        if (it != view.sites.end() && it->second == common.site) of_site.push_back(name);
      }
      if (of_site.empty()) {
        std::vector<std::string> known;
        for (const auto& [sensor, site] : view.sites)
          if (std::find(known.begin(), known.end(), site) == known.end()) known.push_back(site);
        std::sort(known.begin(), known.end());
        print_error(view.source->where() + ": no " + (selected.size() == held.size() ? "" : "selected ") +
                    "sensor of site `" + common.site + "`; sites held: " +
                    (known.empty() ? std::string("none (a sensor names its site in [central] site)") : name_list(known)));
        return false;
      }
      selected = std::move(of_site);
    }
    if (selected.empty()) {
      print_error(view.source->where() + ": holds no sensor's records yet (a sensor with [central] sends them)");
      return false;
    }
    view.sensors = std::move(selected);
  }
  return true;
}

bool load_view(LedgerView& view, Ledger& ledger, inventory::FleetReader* reader) {
  inventory::FleetReader once(false);
  if (auto st = (reader != nullptr ? *reader : once).read(*view.source, view.sensors, view.sites, ledger); !st) {
    print_error(st.error);
    return false;
  }
  return true;
}

bool load_ledger_view(const CommonOptions& common, Ledger& ledger) {
  LedgerView view;
  return open_ledger_view(common, view, ledger) && overlay_approved(common, ledger);
}

namespace {

bool valid_format(const std::string& f, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (f == a) return true;
  return false;
}

// Edges a relabel merged into another stay as empty tombstones (ledger.hpp):
// not links.
std::size_t live_links(const Ledger& ledger) {
  return static_cast<std::size_t>(std::count_if(ledger.edges().begin(), ledger.edges().end(),
                                                [](const auto& e) { return e.merged_into == inventory::kNoEdge; }));
}

void print_summary(const Pipeline& pl, const Ledger& ledger, double secs, std::size_t files) {
  const auto& s = pl.stats();
  std::string line = fmt::format("read {} packets ({}) from {} file{} in {:.2f} s ({:.0f} packets/s): {} assets, {} links",
                                 s.packets, human_bytes(static_cast<double>(s.bytes)), files, files == 1 ? "" : "s",
                                 secs, secs > 0 ? static_cast<double>(s.packets) / secs : 0.0,
                                 ledger.assets().size(), live_links(ledger));
  std::fprintf(stderr, "%s\n", line.c_str());
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) == 0)
    std::fprintf(stderr, "peak memory %.0f MiB (budget %zu MiB)\n", static_cast<double>(ru.ru_maxrss) / 1024.0,
                 pl.options().memory_budget_bytes >> 20);
  const auto counters = pl.counters();
  if (!counters.empty()) {
    std::string a = "anomalies:";
    for (const auto& [k, v] : counters) a += fmt::format(" {}={}", k, v);
    std::fprintf(stderr, "%s\n", a.c_str());
  }
}

// Progress on a terminal: bytes done, packets per second, ETA. Quiet otherwise.
class Progress {
 public:
  Progress(bool enabled, std::uint64_t total) : enabled_(enabled && ::isatty(2) != 0), total_(total) {}
  void tick(std::uint64_t done, std::uint64_t packets) {
    if (!enabled_ || (packets & 0xfff) != 0) return;
    const double secs = seconds_since(t0_);
    if (secs - last_ < 0.5) return;
    last_ = secs;
    const double rate = static_cast<double>(done) / secs;
    const double eta = rate > 0 && total_ > done ? static_cast<double>(total_ - done) / rate : 0;
    std::fprintf(stderr, "\r%s / %s  %.0f packets/s  ETA %.0f s   ", human_bytes(static_cast<double>(done)).c_str(),
                 human_bytes(static_cast<double>(total_)).c_str(), static_cast<double>(packets) / secs, eta);
    shown_ = true;
  }
  void done() {
    if (shown_) std::fprintf(stderr, "\r%*s\r", 60, "");
  }

 private:
  bool enabled_;
  std::uint64_t total_;
  Clock::time_point t0_ = Clock::now();
  double last_ = 0;
  bool shown_ = false;
};

// Merged records are dropped first: the store then deletes their rows.
bool flush_store(Store& store, Pipeline& pipeline) {
  pipeline.compact_ledger();
  if (auto st = store.flush(pipeline.ledger()); !st) {
    spdlog::error("{}", st.error);
    return false;
  }
  return true;
}

}  // namespace

int cmd_read(const CommonOptions& common, const ReadOptions& opt) {
  const auto t0 = Clock::now();
  const std::string db_path = resolve_db_path(common.db, common.config);
  std::optional<Store> store;
  std::string error;
  // An existing ledger is opened now (it says which files it already holds); a
  // new one is created only once the captures opened, so a read that fails on
  // its input leaves no empty database behind.
  const bool db_existed = ::access(db_path.c_str(), F_OK) == 0;
  if (!opt.no_store && db_existed) {
    store = Store::open(db_path, common.config.sensor_name, error, false);
    if (!store) {
      print_error(error);
      return kExitBadInput;
    }
  }
  // Files already in the ledger are skipped: reading a capture twice must not
  // count its packets twice.
  std::vector<std::string> paths;
  std::vector<std::string> prints;
  std::vector<std::uint64_t> starts;
  for (const auto& f : opt.files) {
    if (::access(f.c_str(), R_OK) != 0) {
      print_error(f + ": " + std::strerror(errno) + " (check the path)");
      return kExitBadInput;
    }
    std::string fp = opt.no_store ? std::string() : file_fingerprint(f);  // only the store remembers files
    if (store && !opt.force && store->has_file(fp)) {
      spdlog::warn("{}: already in the ledger {}; skipped (use --force to read it again)", f, db_path);
      continue;
    }
    // A file read before while it was being written (same head, grown since)
    // continues after the last whole record read then.
    std::uint64_t start = 0;
    if (store && !opt.force) {
      struct stat st {};
      const auto prev = store->last_read_of(f);
      if (prev && prev->read_to > 0 && !prev->head.empty() && ::stat(f.c_str(), &st) == 0 &&
          static_cast<std::uint64_t>(st.st_size) >= prev->read_to &&
          head_fingerprint(f, head_length(prev->read_to)) == prev->head) {
        if (static_cast<std::uint64_t>(st.st_size) == prev->read_to) {
          spdlog::warn("{}: already in the ledger {}; skipped (use --force to read it again)", f, db_path);
          continue;
        }
        start = prev->read_to;
        spdlog::info("{}: read up to offset {} before; continuing from there", f, start);
      }
    }
    paths.push_back(f);
    prints.push_back(std::move(fp));
    starts.push_back(start);
  }
  auto source = FileSource::open(paths, starts, error);
  if (!source) {
    print_error(error);
    return kExitBadInput;
  }
  if (!opt.no_store && !store) {
    store = Store::open(db_path, common.config.sensor_name, error);
    if (!store) {
      print_error(error);
      return kExitBadInput;
    }
  }
  // A database this run created and could not fill is removed again.
  const auto remove_created = [&] {
    if (db_existed || !store) return;
    store.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((db_path + suffix).c_str());
  };
  Ledger ledger(common.config.sensor_name);
  if (store) {
    if (auto st = store->load(ledger); !st) {
      print_error(st.error);
      return kExitBadInput;
    }
  }
  PipelineOptions popt;
  popt.dedup = !opt.no_dedup;
  popt.memory_budget_bytes = common.memory_budget_bytes();
  Pipeline pipeline(ledger, popt);
  Progress progress(!common.quiet, source->total_bytes());
  RawPacket pkt;
  auto last_flush = Clock::now();
  while (source->next(pkt)) {
    pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
    if ((pipeline.stats().packets & 0xfff) == 0) progress.tick(source->bytes_done(), pipeline.stats().packets);
    if ((pipeline.stats().packets & 0xffff) == 0) {
      if (stop_requested()) {
        spdlog::warn("interrupted: saving what was read so far");
        break;
      }
      // Long reads persist as they go, so an interruption loses little.
      if (store && seconds_since(last_flush) > 30) {
        flush_store(*store, pipeline);
        last_flush = Clock::now();
      }
    }
  }
  pipeline.finish();
  progress.done();
  std::uint64_t corrupt = 0, skipped = 0;
  for (const auto& f : source->files()) {
    if (!f.warning.empty()) spdlog::warn("{}", f.warning);
    for (const auto& line : f.corruptions) spdlog::error("{}", line);
    if (f.corrupt_records > f.corruptions.size())
      spdlog::error("{}: {} more corrupt records", f.path, f.corrupt_records - f.corruptions.size());
    corrupt += f.corrupt_records;
    skipped += f.skipped_bytes;
  }

  if (store) {
    if (!flush_store(*store, pipeline)) {
      print_error(db_path + ": the ledger could not be saved (see above); nothing was marked as read");
      remove_created();
      return kExitInternal;
    }
    (void)store->add_counters(pipeline.counters());
    if (!stop_requested()) {
      for (std::size_t i = 0; i < source->files().size(); ++i) {
        const auto& f = source->files()[i];
        inventory::IngestedFile rec{prints[i], f.path, f.size, f.packets, wall_us(), f.read_to,
                                    f.read_to > 0 ? head_fingerprint(f.path, head_length(f.read_to)) : ""};
        if (auto st = store->record_file(rec); !st) spdlog::warn("{}", st.error);
      }
    }
    std::string command = "read";
    for (const auto& f : opt.files) command += " " + f;
    (void)store->record_run({wall_us() - static_cast<std::int64_t>(seconds_since(t0) * 1e6), wall_us(), command,
                             pipeline.stats().packets, 0});
  }
  // [central]: what this read changed goes to the central store before the
  // command ends; what cannot go now stays in the change log for the next run.
  if (store && common.config.central.enabled && !stop_requested()) {
    central::Replicator replicator(db_path, common.config.sensor_name, common.config.central);
    std::uint64_t sent = 0, left = 0;
    if (replicator.drain(error, sent, left))
      spdlog::info("central {}: {} change(s) replicated", central::redact_url(common.config.central.url), sent);
    else
      spdlog::warn("{}; {} change(s) kept in {} and sent by the next run with [central]", error, left, db_path);
  }
  if (!common.quiet) print_summary(pipeline, ledger, seconds_since(t0), source->files().size());
  if (const int sig = stop_signal(); sig != 0) {
    print_error(std::string("stopped by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                ": what was read so far is saved; the files are not marked as read");
    return 128 + sig;
  }
  if (corrupt != 0) {
    // Bad input, though every readable record is in the ledger: a script must
    // not take a capture with holes for a whole one.
    print_error(std::to_string(corrupt) + " corrupt record(s), " + std::to_string(skipped) +
                " bytes skipped (see above); every other record was read" +
                (store ? " and saved in " + db_path : std::string()) + " (check the capture's source)");
    return kExitBadInput;
  }
  return kExitOk;
}

int cmd_capture(const CommonOptions& common, const CaptureOptions& opt) {
  const auto t0 = Clock::now();
  const std::string db_path = resolve_db_path(common.db, common.config);
  std::string error;
  LiveOptions lopt;
  lopt.interface = opt.interface;
  lopt.filter = opt.filter;
  lopt.snaplen = opt.snaplen;
  lopt.buffer_mb = opt.buffer_mb;
  auto source = LiveSource::open(lopt, error);
  if (!source) {
    print_error(error);
    return kExitBadInput;
  }
  // Created only now: a wrong interface or filter leaves no empty database.
  auto store = Store::open(db_path, common.config.sensor_name, error);
  if (!store) {
    print_error(error);
    return kExitBadInput;
  }
  Ledger ledger(common.config.sensor_name);
  if (auto st = store->load(ledger); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  install_signal_handlers();
  PipelineOptions popt;
  popt.memory_budget_bytes = common.memory_budget_bytes();
  Pipeline pipeline(ledger, popt);
  spdlog::info("capturing on {} (passive, promiscuous); flushing every {} s to {}", opt.interface,
               opt.flush_interval_s, db_path);
  auto last_flush = Clock::now();
  std::map<std::string, std::uint64_t> saved_counters;
  auto save = [&] {
    flush_store(*store, pipeline);
    auto now = pipeline.counters();
    std::map<std::string, std::uint64_t> delta;
    for (const auto& [k, v] : now) delta[k] = v - saved_counters[k];
    (void)store->add_counters(delta);
    saved_counters = std::move(now);
    const auto st = source->stats();
    spdlog::info("{} packets, {} assets, {} links; drops: kernel {}, interface {}", pipeline.stats().packets,
                 ledger.assets().size(), live_links(ledger), st.dropped, st.if_dropped);
  };
  int rc = kExitOk;
  while (!stop_requested()) {
    const int n = source->dispatch(
        [&](const RawPacket& p) { pipeline.on_packet(p.link, p.ts_us, p.data, p.wire_len); });
    if (n < 0) {
      spdlog::error("{}: capture failed: {} (is the interface still up?)", opt.interface, source->last_error());
      rc = kExitInternal;
      break;
    }
    if (seconds_since(last_flush) >= opt.flush_interval_s) {
      save();
      last_flush = Clock::now();
    }
    if (opt.duration_s > 0 && seconds_since(t0) >= opt.duration_s) break;
  }
  pipeline.finish();
  save();
  const auto st = source->stats();
  (void)store->record_run({wall_us() - static_cast<std::int64_t>(seconds_since(t0) * 1e6), wall_us(),
                           "capture -i " + opt.interface, pipeline.stats().packets, st.dropped + st.if_dropped});
  std::fprintf(stderr, "captured %llu packets on %s: %zu assets, %zu links; received by filter %llu, dropped by kernel %llu, dropped by interface %llu\n",
               static_cast<unsigned long long>(pipeline.stats().packets), opt.interface.c_str(),
               ledger.assets().size(), ledger.edges().size(), static_cast<unsigned long long>(st.received),
               static_cast<unsigned long long>(st.dropped), static_cast<unsigned long long>(st.if_dropped));
  return rc;
}

int cmd_assets(const CommonOptions& common, const std::string& format, bool facts) {
  if (!valid_format(format, {"table", "csv", "json"})) {
    print_error("--format " + format + ": expected table, csv or json");
    return kExitBadInput;
  }
  if (facts && format != "json") {
    print_error("--facts: only with --format json (`mieruka show ASSET` lists one asset's facts as text)");
    return kExitBadInput;
  }
  Ledger& ledger = ledger_until_exit(common.config.sensor_name);
  if (!load_ledger_view(common, ledger)) return kExitBadInput;
  std::string out;
  if (format == "json") out = inventory::assets_json(ledger, facts).dump(2) + "\n";
  else if (format == "csv") out = inventory::assets_csv(ledger);
  else out = inventory::assets_table(ledger);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int cmd_links(const CommonOptions& common, const std::string& format) {
  if (!valid_format(format, {"table", "csv", "json"})) {
    print_error("--format " + format + ": expected table, csv or json");
    return kExitBadInput;
  }
  Ledger& ledger = ledger_until_exit(common.config.sensor_name);
  if (!load_ledger_view(common, ledger)) return kExitBadInput;
  std::string out;
  if (format == "json") out = inventory::links_json(ledger).dump(2) + "\n";
  else if (format == "csv") out = inventory::links_csv(ledger);
  else out = inventory::links_table(ledger);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int cmd_show(const CommonOptions& common, const std::string& asset, const std::string& format) {
  if (!valid_format(format, {"text", "json"})) {
    print_error("--format " + format + ": expected text or json");
    return kExitBadInput;
  }
  Ledger& ledger = ledger_until_exit(common.config.sensor_name);
  const std::string unknown = asset + ": no such asset (give an id, a MAC or an IP from `mieruka assets`)";
  LedgerView view;
  if (!open_view(common, view)) return kExitBadInput;
  std::string wanted = asset;  // a fleet's: the id its keys found
  if (view.sensors.size() > 1) {
    // A fleet: the device found by the fleet's keys, then read whole with the
    // devices behind it and its links (inventory::FleetIndex), as the whole
    // fleet's merge makes it, without loading every sensor's whole ledger
    // (at 100 sensors x 10,000 devices, 25 s and 2.5 GiB against minutes).
    inventory::FleetIndex index;
    if (auto st = index.build(*view.source, view.sensors, view.sites); !st) {
      print_error(st.error);
      return kExitBadInput;
    }
    const inventory::Asset* k = index.keys().find(asset);
    if (k == nullptr) {
      print_error(unknown);
      return kExitBadInput;
    }
    wanted = k->id;
    if (auto st = index.read(*view.source, {wanted}, ledger); !st) {
      print_error(st.error);
      return kExitBadInput;
    }
  } else if (!load_view(view, ledger)) {
    return kExitBadInput;
  }
  if (!overlay_approved(common, ledger)) return kExitBadInput;
  const inventory::Asset* a = ledger.find(wanted);
  if (a == nullptr) {
    print_error(unknown);
    return kExitBadInput;
  }
  std::string out = format == "json" ? inventory::asset_json_with_facts(ledger, *a).dump(2) + "\n"
                                     : inventory::show_text(ledger, *a);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace mieruka::sensor
