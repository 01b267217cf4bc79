// The assets table query (see web_query.hpp).
#include "sensor/web/web_query.hpp"

#include <algorithm>
#include <charconv>

namespace mieruka::sensor::web {
namespace {

constexpr const char* kSortKeys[] = {"name",  "id",   "mac",        "ip",        "vendor",   "product",  "class",
                                     "zone",  "first_seen", "last_seen", "findings", "location", "owner"};

bool parse_int(const std::string& s, int lo, int hi, int& out) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

// The text a row sorts by for `key`; empty sorts last whatever the order.
std::string sort_text(const AssetRow& r, const std::string& key) {
  if (key == "zone") return r.zones.empty() ? std::string() : r.zones.front();
  // The name as shown (the plant's own first); location and owner from the approved list.
  if (const auto d = r.json.find("display_name"); key == "name" && d != r.json.end() && d->is_string())
    return ascii_lower(d->get<std::string>());
  if (key == "location" || key == "owner") {
    const auto e = r.json.find("approved_entry");
    if (e == r.json.end() || !e->is_object()) return {};
    const auto v = e->find(key);
    return v != e->end() && v->is_string() ? ascii_lower(v->get<std::string>()) : std::string();
  }
  if (key == "ip") {
    const auto& ips = r.json["ips"];
    if (!ips.is_array() || ips.empty()) return {};
    // Sort IPv4 numerically: zero-pad each octet.
    std::string ip = ips[0].get<std::string>(), out;
    std::size_t start = 0;
    bool v4 = ip.find(':') == std::string::npos;
    if (!v4) return "~" + ip;
    while (start <= ip.size()) {
      auto dot = ip.find('.', start);
      std::string part = ip.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      out += std::string(3 - std::min<std::size_t>(3, part.size()), '0') + part + ".";
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return out;
  }
  const auto it = r.json.find(key);
  if (it == r.json.end() || it->is_null()) return {};
  if (it->is_string()) return ascii_lower(it->get<std::string>());
  return it->dump();
}

}  // namespace

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool parse_asset_query(const std::multimap<std::string, std::string>& params, AssetQuery& q, std::string& error) {
  for (const auto& [k, v] : params) {
    if (k == "class") q.klass = v;
    else if (k == "zone") q.zone = v;
    else if (k == "vendor") q.vendor = ascii_lower(v);
    else if (k == "q") q.q = ascii_lower(v);
    else if (k == "approved") {
      if (v == "true") q.approved = 1;
      else if (v == "false") q.approved = 0;
      else if (!v.empty()) {
        error = "approved: expected true or false";
        return false;
      }
    } else if (k == "sort") {
      if (std::find(std::begin(kSortKeys), std::end(kSortKeys), v) == std::end(kSortKeys)) {
        error = "sort: expected name, id, mac, ip, vendor, product, class, zone, first_seen, last_seen, findings, "
                "location or owner";
        return false;
      }
      q.sort = v;
    } else if (k == "order") {
      if (v != "asc" && v != "desc") {
        error = "order: expected asc or desc";
        return false;
      }
      q.descending = v == "desc";
    } else if (k == "page") {
      if (!parse_int(v, 1, 1'000'000, q.page)) {
        error = "page: expected a whole number from 1";
        return false;
      }
    } else if (k == "per_page") {
      if (!parse_int(v, 1, kMaxPerPage, q.per_page)) {
        error = "per_page: expected a whole number from 1 to 500";
        return false;
      }
    }
  }
  return true;
}

std::vector<std::string> sort_keys(const std::vector<AssetRow>& rows, const std::string& sort) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(sort_text(r, sort));
  return out;
}

nlohmann::ordered_json query_assets(const std::vector<AssetRow>& rows, const AssetQuery& q,
                                    const std::vector<std::string>* keys) {
  std::vector<const AssetRow*> hits;
  hits.reserve(rows.size());
  for (const auto& r : rows) {
    if (!q.klass.empty() && r.klass != q.klass) continue;
    if (!q.zone.empty() && std::find(r.zones.begin(), r.zones.end(), q.zone) == r.zones.end()) continue;
    if (!q.vendor.empty() && r.vendor_lower.find(q.vendor) == std::string::npos) continue;
    if (q.approved >= 0 && r.approved != q.approved) continue;
    if (!q.q.empty() && r.haystack.find(q.q) == std::string::npos) continue;
    hits.push_back(&r);
  }
  if (q.sort == "findings") {
    std::stable_sort(hits.begin(), hits.end(), [&](const AssetRow* a, const AssetRow* b) {
      return q.descending ? a->open_findings > b->open_findings : a->open_findings < b->open_findings;
    });
  } else {
    std::vector<std::string> own;
    if (keys == nullptr || keys->size() != rows.size()) {
      own = sort_keys(rows, q.sort);
      keys = &own;
    }
    std::vector<std::pair<const std::string*, const AssetRow*>> keyed;
    keyed.reserve(hits.size());
    for (const auto* r : hits) keyed.emplace_back(&(*keys)[static_cast<std::size_t>(r - rows.data())], r);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
      if (a.first->empty() != b.first->empty()) return b.first->empty();  // unknown values last
      return q.descending ? *a.first > *b.first : *a.first < *b.first;
    });
    for (std::size_t i = 0; i < keyed.size(); ++i) hits[i] = keyed[i].second;
  }
  nlohmann::ordered_json out;
  out["total"] = hits.size();
  out["page"] = q.page;
  out["per_page"] = q.per_page;
  auto items = nlohmann::ordered_json::array();
  const std::size_t from = static_cast<std::size_t>(q.page - 1) * static_cast<std::size_t>(q.per_page);
  for (std::size_t i = from; i < hits.size() && i < from + static_cast<std::size_t>(q.per_page); ++i)
    items.push_back(hits[i]->json);
  out["items"] = std::move(items);
  return out;
}

}  // namespace mieruka::sensor::web
