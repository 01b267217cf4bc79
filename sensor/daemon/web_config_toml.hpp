// Parsing of the [web] config section (see web_config.hpp), called by config.cpp.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "sensor/daemon/web_config.hpp"

namespace mieruka::sensor {

// Reads [web] from `root` into `out` (paths relative to `config_path`'s
// directory). False with `error` = "<file>:<line>: what is expected".
[[nodiscard]] bool read_web_config(const toml::table& root, const std::string& config_path, WebConfig& out,
                                   std::string& error);

}  // namespace mieruka::sensor
