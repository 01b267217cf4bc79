// A heuristic for "no English sentence in Japanese text": a run of three or
// more English words that are not data. It can fail, which is the point: the
// Japanese renderings of evidence, class reasons and reports must not carry a
// sentence Mieruka wrote in English.
//
// A token is a run of ASCII letters, digits and '_'; a word is a token of
// three or more letters only, at least one lower-case ("packets",
// "Controller"): all-capital acronyms (TCP, OPC, CPU, SSID), identifiers
// (enip_list_identity, R08CPU) and shorter tokens are not words. Words form a run when only ASCII characters
// that are not words (spaces, digits, punctuation, short tokens, acronyms)
// stand between them; any other character (Japanese text) ends a run.
//
// Data is allowed: the values a template fills in come from the wire, the
// plant or the advisory (a model name, an IP, a host name, a protocol, an
// advisory's own title, the vendor's remediation text, a CIP device type such
// as "Programmable Logic Controller", a comment someone typed, a command line). `data_values` collects the string values
// of evidence under the keys of kDataKeys; english_run() masks each before it
// looks for a run. Values Mieruka composes itself ("why", "port", "remediation"
// as a plain string, a state, a confidence) are not in the list: English there
// is English Mieruka wrote.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/evidence.hpp"

namespace mieruka::test {

inline constexpr std::string_view kDataKeys[] = {
    "title",   "text",    "product",   "type",       "value",     "vendor",    "os",         "server",   "realm",
    "name",    "names",   "ssid",      "probe_ssid", "host",      "list",      "fact",       "source",   "device",
    "device_a", "device_b", "from",    "to",         "parent",    "peer",      "inside",     "outside",  "client",
    "protocol", "protocols", "operation", "service",  "family",    "model",     "series",     "range",    "firmware",
    "advisory", "cves",    "cvss_vector", "published", "zones",    "zone_a",    "zone_b",     "from_zone", "to_zone",
    "route",   "code",    "class",     "field",      "first",     "last",      "comment",    "command"};

// Every string under a data key of `values` (nested kinds and arrays walked).
inline void data_values(const nlohmann::json& values, std::vector<std::string>& out, bool data = false) {
  if (values.is_string()) {
    if (data && !values.get_ref<const std::string&>().empty()) out.push_back(values.get<std::string>());
  } else if (values.is_array()) {
    for (const auto& e : values) data_values(e, out, data);
  } else if (values.is_object()) {
    for (const auto& [k, v] : values.items())
      data_values(v, out, std::find(std::begin(kDataKeys), std::end(kDataKeys), k) != std::end(kDataKeys));
  }
}

// The first run of three or more English words in `text` once every string of
// `allowed` is masked, or "" when there is none.
inline std::string english_run(std::string text, std::vector<std::string> allowed = {}) {
  std::sort(allowed.begin(), allowed.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& a : allowed)
    for (std::size_t at = text.find(a); !a.empty() && at != std::string::npos; at = text.find(a, at))
      text.replace(at, a.size(), "\xE3\x83\xBB");  // "・": data ends a run
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto token = [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '_'; };
  std::size_t words = 0, run_start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      words = 0;
      ++i;
      continue;
    }
    if (!token(c)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    bool lower = false, letters = true;
    for (; j < text.size() && token(text[j]); ++j) {
      lower = lower || (text[j] >= 'a' && text[j] <= 'z');
      letters = letters && letter(text[j]);
    }
    if (j - i >= 3 && lower && letters) {
      if (words == 0) run_start = i;
      if (++words >= 3) {
        std::size_t end = j;
        while (end < text.size() && static_cast<unsigned char>(text[end]) < 0x80) ++end;
        return text.substr(run_start, std::min<std::size_t>(end - run_start, 120));
      }
    }
    i = j;
  }
  return {};
}

// Values a Japanese rendering shows through a table or a clock, never as
// stored: a device class code ("it_host": "IT機器") and an ISO UTC time
// ("2026-12-07T05:03:10Z": "2026-12-07 14:03 JST").
inline constexpr std::string_view kTypedKeys[] = {"class", "first", "last", "conversation_first"};

inline bool iso_utc(std::string_view s) {
  return s.size() == 20 && s[4] == '-' && s[10] == 'T' && s[13] == ':' && s.back() == 'Z';
}

inline void typed_values(const nlohmann::json& values, std::vector<std::string>& out, bool typed = false) {
  if (values.is_string()) {
    if (typed && !values.get_ref<const std::string&>().empty()) out.push_back(values.get<std::string>());
  } else if (values.is_array()) {
    for (const auto& e : values) typed_values(e, out, typed);
  } else if (values.is_object()) {
    for (const auto& [k, v] : values.items())
      typed_values(v, out, std::find(std::begin(kTypedKeys), std::end(kTypedKeys), k) != std::end(kTypedKeys));
  }
}

// The first typed value of `values` that `text` (a Japanese rendering whose
// times were asked for in a zone) shows as stored: an ISO UTC time anywhere,
// or a class code with a Japanese name as a token of its own once the other
// data values are masked; "" when there is none.
inline std::string raw_typed_value(std::string text, const nlohmann::json& values) {
  std::vector<std::string> typed, data;
  typed_values(values, typed);
  data_values(values, data);
  std::erase_if(data, [&](const std::string& d) { return std::find(typed.begin(), typed.end(), d) != typed.end(); });
  std::sort(data.begin(), data.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& a : data)
    for (std::size_t at = text.find(a); !a.empty() && at != std::string::npos; at = text.find(a, at))
      text.replace(at, a.size(), "\xE3\x83\xBB");
  auto token = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (const auto& t : typed) {
    if (iso_utc(t)) {
      if (text.find(t) != std::string::npos) return t;
      continue;
    }
    if (inventory::find_class_name(t) == nullptr || inventory::class_name(t, "ja") == t) continue;
    for (std::size_t at = text.find(t); at != std::string::npos; at = text.find(t, at + 1)) {
      const bool starts = at == 0 || !token(text[at - 1]);
      const bool ends = at + t.size() == text.size() || !token(text[at + t.size()]);
      if (starts && ends) return t;
    }
  }
  return {};
}

}  // namespace mieruka::test
