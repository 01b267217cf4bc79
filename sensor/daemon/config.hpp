// The TOML configuration (../shared/INTERFACES.md "Config"). This file reads the
// keys the core needs; later features add their sections here. A wrong line is
// reported as "<file>:<line>: <what is expected>" before anything starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/policy/policy.hpp"
#include "sensor/central/central_config.hpp"
#include "sensor/daemon/snapshot_config.hpp"
#include "sensor/daemon/delivery_config.hpp"
#include "sensor/daemon/web_config.hpp"

namespace mieruka::sensor {

struct Config {
  std::string path;            // the file it came from ("" = defaults)
  std::string data_dir;        // where mieruka.db lives when --db is not given
  std::string sensor_name;     // tags every record; default the host name
  std::string user = "mieruka";  // `mieruka run` drops to this user after opening the capture
  std::vector<std::string> interfaces;  // [capture] interfaces
  std::string filter;          // [capture] filter (BPF)
  int snaplen = 65535;         // [capture] snaplen
  int buffer_mb = 64;          // [capture] buffer_mb
  int flush_interval_s = 10;   // [capture] flush_interval_s
  int memory_budget_mb = 256;  // [capture] memory_budget_mb: the sensor's resident memory cap
  // [[zone]], [[conduit]] and [policy] (approved, wireless_allow: paths relative
  // to the config file; learning_period_s).
  inventory::ZonePolicy policy;
  SnapshotConfig snapshots;    // `timezone`, [snapshots] (sensor/daemon/snapshot_config.hpp)
  WebConfig web;               // [web] (sensor/daemon/web_config.hpp)
  DeliveryConfig delivery;     // [alerts], [[channel]] (sensor/daemon/delivery_config.hpp)
  CentralConfig central;       // [central] (sensor/central/central_config.hpp)
};

// Loads `path`; on failure returns nullopt with `error` set to one line.
[[nodiscard]] std::optional<Config> load_config(const std::string& path, std::string& error);

// What the config says of the reviews the checklist states: the time zone,
// the snapshot schedule and its zone, and the channels that send the
// scheduled diffs. The one reading of it, for the checklist on the appliance
// and for what the sensor sends the central store.
[[nodiscard]] inventory::ApplianceConfig appliance_config(const Config& config);

// The host name, for the default sensor name.
[[nodiscard]] std::string host_name();

// The database path: --db when given, else <data_dir>/mieruka.db, else ./mieruka.db.
[[nodiscard]] std::string resolve_db_path(const std::string& db_option, const Config& config);

// Levenshtein distance over bytes, for "did you mean" (unknown config keys,
// time zone names).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace mieruka::sensor
