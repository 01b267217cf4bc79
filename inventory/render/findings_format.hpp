// Findings written out: the JSON array, the CSV and the terminal table every
// reader prints (`mieruka findings`, exports, the console, alert bodies). Text
// that came off the wire is sanitized and escaped for its target (export.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/findings.hpp"

namespace mieruka::inventory {

// Each finding carries its evidence as text (English), as data (evidence_kind,
// evidence_values: evidence.hpp) and, with `lang` ("ja" or "en"), as
// `evidence_text` and `type_name` in that language, its times in the IANA zone
// `zone` (empty: ISO UTC). The other fields keep ISO UTC times.
[[nodiscard]] nlohmann::ordered_json findings_json(const std::vector<Finding>& f, std::string_view lang = {},
                                                   std::string_view zone = {});
// A finding's history (finding_history): each step with its time (null when
// not known), who and the comment of an acknowledgement, and the evidence of
// the step as data and as text in `lang` ("ja" or "en"; default English), its
// times in `zone` as findings_json.
[[nodiscard]] nlohmann::ordered_json finding_history_json(const std::vector<HistoryEvent>& h,
                                                          std::string_view lang = {}, std::string_view zone = {});
[[nodiscard]] std::string findings_csv(const std::vector<Finding>& f);
[[nodiscard]] std::string findings_table(const std::vector<Finding>& f);

}  // namespace mieruka::inventory
