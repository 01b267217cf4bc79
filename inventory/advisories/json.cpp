// The stored form of an advisory: to_json writes every field; from_json reads
// back exactly that shape and refuses anything else (nullopt), so a store row
// damaged on disk is noticed instead of read as an empty advisory. Version
// ranges are stored as read (the text as written and the constraints), since
// JVN's Japanese wording is read before parse_range sees it.
#include <algorithm>
#include <stdexcept>

#include "inventory/advisories/advisory.hpp"

namespace mieruka::inventory::advisories {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;

// Throws (caught in from_json) when the member is missing or of another type.
std::string get_string(const json& j, const char* key) { return j.at(key).get<std::string>(); }
std::vector<std::string> get_strings(const json& j, const char* key) {
  const json& a = j.at(key);
  if (!a.is_array()) throw std::runtime_error("not an array");
  std::vector<std::string> out;
  for (const auto& e : a) out.push_back(e.get<std::string>());
  return out;
}

constexpr std::string_view kOps[] = {"<", "<=", ">", ">=", "="};  // in Op's order

json range_json(const VersionRange& r) {
  json alts = json::array();
  for (const auto& alt : r.any_of) {
    json cs = json::array();
    for (const auto& c : alt) cs.push_back({{"op", kOps[static_cast<int>(c.op)]}, {"version", c.version}});
    alts.push_back(std::move(cs));
  }
  return {{"text", r.text}, {"all", r.all}, {"readable", r.readable}, {"any_of", std::move(alts)}};
}

VersionRange range_from(const json& j) {
  VersionRange r;
  r.text = get_string(j, "text");
  r.all = j.at("all").get<bool>();
  r.readable = j.at("readable").get<bool>();
  for (const auto& alt : j.at("any_of")) {
    if (!alt.is_array()) throw std::runtime_error("not an array");
    std::vector<Constraint> cs;
    for (const auto& c : alt) {
      const std::string op = get_string(c, "op");
      const auto* at = std::find(std::begin(kOps), std::end(kOps), op);
      if (at == std::end(kOps)) throw std::runtime_error("unknown operator");
      cs.push_back({static_cast<Op>(at - std::begin(kOps)), get_string(c, "version")});
    }
    r.any_of.push_back(std::move(cs));
  }
  return r;
}

}  // namespace

json to_json(const Advisory& a) {
  json j;
  j["format"] = kFormat;
  j["id"] = a.id;
  j["source"] = a.source;
  j["title"] = a.title;
  j["publisher"] = a.publisher;
  j["lang"] = a.lang;
  j["initial_release"] = a.initial_release;
  j["current_release"] = a.current_release;
  j["revision"] = a.revision;
  j["products"] = json::array();
  for (const auto& p : a.products) {
    j["products"].push_back({{"product_id", p.product_id},
                             {"vendor", p.vendor},
                             {"vendor_key", p.vendor_key},
                             {"names", p.names},
                             {"full_name", p.full_name},
                             {"versions", range_json(p.versions)},
                             {"cpes", p.cpes},
                             {"model_numbers", p.model_numbers},
                             {"skus", p.skus}});
  }
  j["vulnerabilities"] = json::array();
  for (const auto& v : a.vulnerabilities) {
    json rems = json::array();
    for (const auto& r : v.remediations)
      rems.push_back({{"category", r.category}, {"details", r.details}, {"url", r.url}, {"product_ids", r.product_ids}});
    j["vulnerabilities"].push_back({{"cve", v.cve},
                                    {"ids", v.ids},
                                    {"title", v.title},
                                    {"cvss_base", v.cvss_base},
                                    {"cvss_vector", v.cvss_vector},
                                    {"known_affected", v.known_affected},
                                    {"fixed", v.fixed},
                                    {"not_affected", v.not_affected},
                                    {"remediations", rems}});
  }
  j["references"] = json::array();
  for (const auto& [summary, url] : a.references) j["references"].push_back({{"summary", summary}, {"url", url}});
  return j;
}

std::optional<Advisory> from_json(const json& j) {
  try {
    if (!j.is_object() || j.at("format").get<int>() != kFormat) return std::nullopt;
    Advisory a;
    a.id = get_string(j, "id");
    a.source = get_string(j, "source");
    a.title = get_string(j, "title");
    a.publisher = get_string(j, "publisher");
    a.lang = get_string(j, "lang");
    a.initial_release = get_string(j, "initial_release");
    a.current_release = get_string(j, "current_release");
    a.revision = get_string(j, "revision");
    if (a.id.empty()) return std::nullopt;
    for (const auto& p : j.at("products")) {
      Product out;
      out.product_id = get_string(p, "product_id");
      out.vendor = get_string(p, "vendor");
      out.vendor_key = get_string(p, "vendor_key");
      out.names = get_strings(p, "names");
      out.full_name = get_string(p, "full_name");
      out.versions = range_from(p.at("versions"));
      out.cpes = get_strings(p, "cpes");
      out.model_numbers = get_strings(p, "model_numbers");
      out.skus = get_strings(p, "skus");
      a.products.push_back(std::move(out));
    }
    for (const auto& v : j.at("vulnerabilities")) {
      Vulnerability out;
      out.cve = get_string(v, "cve");
      out.ids = get_strings(v, "ids");
      out.title = get_string(v, "title");
      out.cvss_base = v.at("cvss_base").get<double>();
      out.cvss_vector = get_string(v, "cvss_vector");
      out.known_affected = get_strings(v, "known_affected");
      out.fixed = get_strings(v, "fixed");
      out.not_affected = get_strings(v, "not_affected");
      for (const auto& r : v.at("remediations")) {
        Remediation rem;
        rem.category = get_string(r, "category");
        rem.details = get_string(r, "details");
        rem.url = get_string(r, "url");
        rem.product_ids = get_strings(r, "product_ids");
        out.remediations.push_back(std::move(rem));
      }
      a.vulnerabilities.push_back(std::move(out));
    }
    for (const auto& r : j.at("references")) a.references.emplace_back(get_string(r, "summary"), get_string(r, "url"));
    return a;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace mieruka::inventory::advisories
