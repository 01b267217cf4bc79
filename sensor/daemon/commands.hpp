// The CLI's commands, one function each, called from the subcommand table in
// main.cpp. Each returns the process exit code of ../shared/INTERFACES.md:
// 0 success, 1 bad input (one clear line on stderr), 2 internal error.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "inventory/ledger/ledger.hpp"
#include "inventory/store/fleet_reader.hpp"
#include "inventory/store/ledger_source.hpp"
#include "sensor/daemon/config.hpp"

namespace mieruka::sensor {

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitInternal = 2;

struct CommonOptions {
  std::string db;           // --db
  std::string config_path;  // --config
  std::string sensor;       // --sensor (empty: see choose_sensor); several: comma- or line-separated
  std::string password_file, ca_file;  // --password-file, --ca-file: for --db postgresql://...
  std::string site;          // --site: the sensors of this site (the central store)
  bool fleet_reader = false;  // the command reads several sensors as one fleet (open_ledger_view)
  Config config;            // loaded (or defaults)
  bool quiet = false;
  int memory_budget_mb = 0;  // --memory-budget-mb (0: the config's [capture] memory_budget_mb)

  // The pipeline's memory cap in bytes: the option, else the config.
  [[nodiscard]] std::size_t memory_budget_bytes() const noexcept {
    return static_cast<std::size_t>(memory_budget_mb != 0 ? memory_budget_mb : config.memory_budget_mb) << 20;
  }
};

struct ReadOptions {
  std::vector<std::string> files;
  bool force = false;       // re-read files already ingested
  bool no_dedup = false;
  bool no_store = false;    // dissect only (benchmarks): nothing written
};

struct CaptureOptions {
  std::string interface;
  std::string filter;
  int snaplen = 65535;
  int buffer_mb = 64;
  int flush_interval_s = 10;
  double duration_s = 0;    // 0 = until SIGINT/SIGTERM
};

int cmd_read(const CommonOptions& common, const ReadOptions& opt);
int cmd_capture(const CommonOptions& common, const CaptureOptions& opt);
// `facts`: each asset in JSON carries its "facts" (assets --format json --facts).
int cmd_assets(const CommonOptions& common, const std::string& format, bool facts = false);
int cmd_links(const CommonOptions& common, const std::string& format);
int cmd_show(const CommonOptions& common, const std::string& asset, const std::string& format);

// The plant's approved list (`approved`, else the config's [policy] approved)
// overlaid on a ledger read for display (inventory::apply_approved): the one way
// every reader (assets, show, exports, topology, the console) shows the plant's
// names. Nothing to do without a list; false after printing an error.
bool overlay_approved(const CommonOptions& common, inventory::Ledger& ledger, const std::string& approved = "");
// Loads the ledger from the store for reading, with the approved list overlaid;
// false after printing an error.
bool load_ledger_view(const CommonOptions& common, inventory::Ledger& ledger);

// What a reading command reads (assets, links, show, findings, topology): the
// source (--db postgresql://... the central store, read with --password-file
// and --ca-file; else the SQLite ledger) and the sensors whose records it shows.
struct LedgerView {
  std::unique_ptr<inventory::LedgerSource> source;
  std::vector<std::string> sensors;  // one, or several: a fleet
  std::map<std::string, std::string> sites;  // sensor -> site, for those that name one
};
// Opens the source and picks the sensors: --sensor NAME[,NAME...] (each must
// have records there); else on SQLite the one choose_sensor chose, on the
// central store every sensor it holds; --site SITE keeps those of that site. One sensor's ledger is loaded as it is;
// several are merged into one fleet ledger (inventory::merge_fleet: each
// device once, with its sightings per sensor). The approved list is not
// overlaid. False after printing an error.
[[nodiscard]] bool open_ledger_view(const CommonOptions& common, LedgerView& view, inventory::Ledger& ledger);
// The same without loading: the source opened and the sensors picked.
[[nodiscard]] bool open_view(const CommonOptions& common, LedgerView& view);
// Loads the view's sensors' ledger (merged when several) into `ledger`; false
// after printing an error. With `reader`, each sensor's ledger is kept in it and
// only the sensors whose records changed since its last read are loaded again
// (inventory::FleetReader: the fleet console's rebuilds).
[[nodiscard]] bool load_view(LedgerView& view, inventory::Ledger& ledger, inventory::FleetReader* reader = nullptr);
// The names --sensor gives, in order, without empty ones or repeats.
[[nodiscard]] std::vector<std::string> selected_sensors(const CommonOptions& common);
// "`a`, `b`": sensor names as an error message names them.
[[nodiscard]] std::string name_list(const std::vector<std::string>& names);
// True when --db names the central store (postgresql:// or postgres://).
[[nodiscard]] bool reads_central(const CommonOptions& common);
// An empty ledger for a command that reads the store, prints and ends: it is
// never freed, the process's exit hands its memory back at once (freeing
// 100,000 assets record by record took a tenth of a second or more). Only for
// commands that end after it; the store they read is closed as usual.
[[nodiscard]] inventory::Ledger& ledger_until_exit(const std::string& sensor_name);

// Whose records the command reads and writes: --sensor NAME; else the config's
// sensor_name; without --config, the one sensor the database holds (a plant
// ledger written by the daemon under its sensor_name reads the same without the
// config). A database holding several sensors then needs --sensor: false after
// printing the names held. With `warn_absent`, a named sensor (--sensor or the
// config's) with no records in a database that holds others is a warning
// naming them.
[[nodiscard]] bool choose_sensor(CommonOptions& common, bool warn_absent);

// Prints "mieruka: <line>" to stderr.
void print_error(const std::string& line);

}  // namespace mieruka::sensor
