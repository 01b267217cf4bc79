#include "inventory/render/findings_format.hpp"

#include "inventory/text/text_escape.hpp"
#include "inventory/render/export.hpp"
#include "inventory/policy/evidence.hpp"

#include <fmt/format.h>

namespace mieruka::inventory {

namespace {

// Evidence values with every string made valid UTF-8 (they came off the wire).
nlohmann::ordered_json sanitized(const nlohmann::json& v) {
  if (v.is_string()) return sanitize_utf8(v.get_ref<const std::string&>());
  if (v.is_array()) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& e : v) out.push_back(sanitized(e));
    return out;
  }
  if (v.is_object()) {
    auto out = nlohmann::ordered_json::object();
    for (const auto& [k, e] : v.items()) out[sanitize_utf8(k)] = sanitized(e);
    return out;
  }
  return nlohmann::ordered_json(v);
}

}  // namespace

nlohmann::ordered_json findings_json(const std::vector<Finding>& fs, std::string_view lang, std::string_view zone) {
  auto arr = nlohmann::ordered_json::array();
  auto s = [](const std::string& v) -> nlohmann::ordered_json {
    if (v.empty()) return nullptr;
    return sanitize_utf8(v);
  };
  for (const auto& f : fs) {
    nlohmann::ordered_json j;
    j["id"] = f.id;
    j["type"] = f.type;
    j["asset"] = f.asset;
    j["mac"] = s(f.mac);
    j["ip"] = s(f.ip);
    if (!f.plant_name.empty()) j["plant_name"] = sanitize_utf8(f.plant_name);  // the approved list's name
    j["item"] = f.item;
    j["severity"] = f.severity;
    j["evidence"] = sanitize_utf8(f.evidence);
    j["evidence_kind"] = f.evidence_kind.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(f.evidence_kind);
    j["evidence_values"] = f.evidence_kind.empty() ? nlohmann::ordered_json() : sanitized(f.evidence_values());
    if (!lang.empty()) {
      j["type_name"] = std::string(finding_type_name(f.type, lang));
      j["evidence_text"] = sanitize_utf8(evidence_text(f, lang, zone));
    }
    j["first_seen"] = f.first_us ? nlohmann::ordered_json(format_time_us(f.first_us)) : nlohmann::ordered_json();
    j["last_seen"] = f.last_us ? nlohmann::ordered_json(format_time_us(f.last_us)) : nlohmann::ordered_json();
    j["state"] = finding_state(f);
    if (f.acknowledged || (f.type == "vulnerable" && !f.comment.empty())) j["comment"] = sanitize_utf8(f.comment);
    if (f.type == "vulnerable") {
      const AdvisoryEvidence& v = f.vuln;
      j["advisory"] = sanitize_utf8(v.advisory);
      j["title"] = sanitize_utf8(v.title);
      auto cves = nlohmann::ordered_json::array();
      for (const auto& k : v.cves) cves.push_back(sanitize_utf8(k));
      j["cves"] = std::move(cves);
      j["cvss"] = v.cvss >= 0 ? nlohmann::ordered_json(v.cvss) : nlohmann::ordered_json();
      j["cvss_vector"] = s(v.cvss_vector);
      j["confidence"] = v.confidence;
      j["remediation"] = s(v.remediation);
      j["published"] = s(v.published);
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

nlohmann::ordered_json finding_history_json(const std::vector<HistoryEvent>& h, std::string_view lang, std::string_view zone) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& e : h) {
    nlohmann::ordered_json j;
    j["event"] = e.event;
    j["at"] = e.at_us ? nlohmann::ordered_json(format_time_us(e.at_us)) : nlohmann::ordered_json();
    j["who"] = e.who.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(sanitize_utf8(e.who));
    j["comment"] = e.event == "acknowledged" ? nlohmann::ordered_json(sanitize_utf8(e.comment)) : nlohmann::ordered_json();
    if (e.evidence_kind.empty()) {
      j["evidence_kind"] = nullptr;
      j["evidence_values"] = nullptr;
      j["evidence_text"] = nullptr;
    } else {
      j["evidence_kind"] = e.evidence_kind;
      j["evidence_values"] = sanitized(e.evidence_values);
      j["evidence_text"] = sanitize_utf8(render_evidence(e.evidence_kind, e.evidence_values, lang, zone));
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

std::string findings_csv(const std::vector<Finding>& fs) {
  std::string out = "id,type,asset,mac,ip,item,severity,evidence,first_seen,last_seen,state\r\n";
  for (const auto& f : fs) {
    const std::string cells[] = {f.id,       f.type,     f.asset,    f.mac,
                                 f.ip,       f.item,     f.severity, sanitize_utf8(f.evidence),
                                 f.first_us ? format_time_us(f.first_us) : "",
                                 f.last_us ? format_time_us(f.last_us) : "", std::string(finding_state(f))};
    bool first = true;
    for (const auto& c : cells) {
      if (!first) out += ',';
      first = false;
      out += csv_cell(c);
    }
    out += "\r\n";
  }
  return out;
}

std::string findings_table(const std::vector<Finding>& fs) {
  std::string out = fmt::format("{:<20} {:<13} {:<5} {:<8} {:<17} {:<15} {}\n", "ID", "TYPE", "ITEM", "SEVERITY",
                                "MAC", "IP", "EVIDENCE");
  for (const auto& f : fs) {
    out += fmt::format("{:<20} {:<13} {:<5} {:<8} {:<17} {:<15} {}{}\n", f.id, f.type, f.item, f.severity,
                       f.mac.empty() ? "-" : f.mac, f.ip.empty() ? "-" : f.ip,
                       // The plant's own name of the device leads its evidence when it has one.
                       (f.plant_name.empty() ? "" : "[" + terminal_safe(f.plant_name) + "] ") + terminal_safe(f.evidence),
                       f.acknowledged ? " [" + std::string(finding_state(f)) + "]" : "");
  }
  out += fmt::format("{} finding{}\n", fs.size(), fs.size() == 1 ? "" : "s");
  return out;
}

}  // namespace mieruka::inventory
