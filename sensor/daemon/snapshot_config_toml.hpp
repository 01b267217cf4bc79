// Reads `timezone` and [snapshots] (sensor/daemon/snapshot_config.hpp) from the parsed
// TOML; only config.cpp and the tests include this (it pulls in toml++).
#pragma once

#include <string>

#include <toml++/toml.h>

#include "sensor/daemon/snapshot_config.hpp"

namespace mieruka::sensor {

// On a bad value returns false with `error` = "<config_path>:<line>: <what is
// expected>" (a bad schedule names the expression and the accepted forms).
[[nodiscard]] bool read_snapshot_config(const toml::table& root, const std::string& config_path, SnapshotConfig& out,
                                        std::string& error);

}  // namespace mieruka::sensor
