// Reads [alerts] and [[channel]] (sensor/daemon/delivery_config.hpp) from the parsed
// TOML; only config.cpp includes this (it pulls in toml++).
#pragma once

#include <string>

#include <toml++/toml.h>

#include "sensor/daemon/delivery_config.hpp"

namespace mieruka::sensor {

// On a bad value returns false with `error` = "<config_path>:<line>: <what is
// expected>". Relative password_file / secret_file / ca_file paths are taken
// relative to the config file's directory.
[[nodiscard]] bool read_delivery_config(const toml::table& root, const std::string& config_path, DeliveryConfig& out,
                                        std::string& error);

}  // namespace mieruka::sensor
