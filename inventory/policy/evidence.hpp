// A finding's evidence as data: a stable kind per shape of evidence and its
// values (a JSON object), rendered from ONE catalog of message templates in
// English and Japanese (kTemplates in evidence.cpp). The finding engine keeps
// the English rendering as the finding's `evidence` text; the console (through
// the API), the alerts (sensor/delivery) and the reports (inventory/report)
// render the same kind and values in the reader's language.
//
// Template syntax:
//   {name}      the value `name`: a string as it is, a number in decimal, an
//               object with a "kind" rendered by that kind's template (its other
//               members are its values), an array each element so, joined by ""
//   {name/sep}  the same, array elements joined by `sep` (", ", "、")
//               ({"kind": "type.<finding type>"} renders that type's name)
//   {name:class} a device class code: its name in Japanese (class_name), the
//               code itself in English (the finding's `evidence` text)
//   {name:time} an ISO UTC time: in the zone the rendering names, with the zone
//               named (local_time.hpp); unchanged when it names none
//   [...]       an optional part: left out when a value it names is missing,
//               null, an empty string or an empty array
// Nothing else is special; templates hold no '[' ']' '{' '}' of their own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mieruka::inventory {

struct EvidenceTemplate {
  std::string_view kind, en, ja;
};

// Every template of the catalog, in table order (the API serves them; tests walk them).
[[nodiscard]] const std::vector<EvidenceTemplate>& evidence_templates();
[[nodiscard]] const EvidenceTemplate* evidence_template(std::string_view kind) noexcept;
// `kind`'s template in `lang` ("ja"; anything else is English) filled with
// `values`, its times in the IANA zone `zone` (empty: ISO UTC, as stored). An
// unknown kind renders as "<kind> <values as JSON>", never empty.
[[nodiscard]] std::string render_evidence(std::string_view kind, const nlohmann::json& values, std::string_view lang,
                                          std::string_view zone = {});
// The placeholder names a template uses, in order of first use (tests: the
// English and Japanese templates of a kind name the same values).
[[nodiscard]] std::vector<std::string> template_names(std::string_view tpl);

// A finding type's name in `lang` ("ja"; anything else is English), or the type
// itself when it has none.
[[nodiscard]] std::string_view finding_type_name(std::string_view type, std::string_view lang) noexcept;
struct TypeName {
  std::string_view type, en, ja;
};
[[nodiscard]] const std::vector<TypeName>& finding_type_names();

// A device class's name in `lang` ("ja"; anything else is English), or the
// code itself when it is not a class.
struct ClassName {
  std::string_view code, en, ja;
};
[[nodiscard]] std::string_view class_name(std::string_view code, std::string_view lang) noexcept;
[[nodiscard]] const ClassName* find_class_name(std::string_view code) noexcept;
[[nodiscard]] const std::vector<ClassName>& class_names();

}  // namespace mieruka::inventory
