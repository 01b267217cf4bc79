// Findings written out: the JSON array, the CSV and the terminal table every
// reader prints (`mieruka findings`, exports, the console, alert bodies). Text
// that came off the wire is sanitized and escaped for its target (export.hpp).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/findings.hpp"

namespace mieruka::inventory {

[[nodiscard]] nlohmann::ordered_json findings_json(const std::vector<Finding>& f);
[[nodiscard]] std::string findings_csv(const std::vector<Finding>& f);
[[nodiscard]] std::string findings_table(const std::vector<Finding>& f);

}  // namespace mieruka::inventory
