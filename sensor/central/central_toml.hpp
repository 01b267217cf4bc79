// Reads [central] (sensor/central/central_config.hpp) from the parsed TOML;
// only config.cpp includes this (it pulls in toml++).
#pragma once

#include <string>

#include <toml++/toml.h>

#include "sensor/central/central_config.hpp"

namespace mieruka::sensor {

// On a bad value returns false with `error` = "<config_path>:<line>: <what is
// expected>". Relative ca_file / password_file paths are relative to the
// config file's directory.
[[nodiscard]] bool read_central_config(const toml::table& root, const std::string& config_path, CentralConfig& out,
                                       std::string& error);

}  // namespace mieruka::sensor
