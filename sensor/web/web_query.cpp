// The assets table query (see web_query.hpp).
#include "sensor/web/web_query.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <numeric>

#include "inventory/report/acceptance.hpp"

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
// Made once per row (set_row_json) for each of kRowSortKeys.
std::string sort_text_of(const nlohmann::ordered_json& j, const std::string& key) {
  // The name as shown (the plant's own first); location and owner from the approved list.
  if (const auto d = j.find("display_name"); key == "name" && d != j.end() && d->is_string())
    return ascii_lower(d->get<std::string>());
  if (key == "location" || key == "owner") {
    const auto e = j.find("approved_entry");
    if (e == j.end() || !e->is_object()) return {};
    const auto v = e->find(key);
    return v != e->end() && v->is_string() ? ascii_lower(v->get<std::string>()) : std::string();
  }
  if (key == "ip") {
    const auto ipsi = j.find("ips");
    if (ipsi == j.end() || !ipsi->is_array() || ipsi->empty()) return {};
    const auto& ips = *ipsi;
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
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return ascii_lower(it->get<std::string>());
  return it->dump();
}

// The text a row sorts by for `key` (kept by set_row_json but the zone's);
// empty sorts last whatever the order.
std::string sort_text(const AssetRow& r, const std::string& key) {
  if (key == "zone") return r.zones.empty() ? std::string() : r.zones.front();
  for (std::size_t i = 0; i < kRowSortKeyCount; ++i)
    if (key == kRowSortKeys[i]) {
      const std::uint32_t from = i == 0 ? 0 : r.sort_end[i - 1];
      return r.sort_texts.substr(from, r.sort_end[i] - from);
    }
  return {};
}

// A JSON value's text as the API sends it (web_server json_text).
std::string api_text(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

constexpr const char* kFindingSortKeys[] = {"severity", "first_seen", "last_seen", "type",
                                            "item",     "device",     "state",     "zone"};
constexpr const char* kFindingStates[] = {"open",        "acknowledged", "not_remediated", "in_progress",
                                          "remediated",  "not_affected", "compensated"};
constexpr const char* kSeverities[] = {"high", "medium", "low"};

// "a,b" and repeated parameters into one list; false when it grows past the bound.
bool add_values(const std::string& v, std::vector<std::string>& out) {
  std::size_t start = 0;
  while (start <= v.size()) {
    const std::size_t comma = v.find(',', start);
    std::string part = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(std::move(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out.size() <= static_cast<std::size_t>(kMaxFindingFilterValues);
}

template <std::size_t N>
bool all_in(const std::vector<std::string>& values, const char* const (&allowed)[N]) {
  return std::all_of(values.begin(), values.end(), [&](const std::string& v) {
    return std::find_if(std::begin(allowed), std::end(allowed), [&](const char* a) { return v == a; }) !=
           std::end(allowed);
  });
}

bool any_of(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

// A time of first_from / first_to: ISO 8601 as the CLI takes it (UTC when it
// names no zone). A bare date as first_to means the end of that day.
bool parse_when(const std::string& v, bool to, std::int64_t& out) {
  const auto t = inventory::parse_time_arg(v, [](std::int64_t) -> std::int64_t { return 0; });
  if (!t) return false;
  out = *t + (to && v.size() == 10 ? 86'400'000'000LL : 0);
  return true;
}

// The key a row sorts by, for the string-keyed sorts.
const std::string& text_key(const FindingRow& r, const std::string& sort) {
  static const std::string kNone;
  if (sort == "type") return r.finding->type;
  if (sort == "item") return r.finding->item;
  if (sort == "device") return r.text->device;
  if (sort == "state") return r.state;
  if (sort == "zone") return r.text->zones.empty() ? kNone : r.text->zones.front();
  return kNone;
}

}  // namespace

namespace {
// True when `want` is empty or one of `names` (sorted).
bool seen_by(const std::vector<std::string>& names, const std::string& want) {
  return want.empty() || std::binary_search(names.begin(), names.end(), want);
}
}  // namespace

bool parse_finding_query(const std::multimap<std::string, std::string>& params, FindingQuery& q,
                         std::string& error) {
  for (const auto& [k, v] : params) {
    bool ok = true;
    if (k == "type") {
      ok = add_values(v, q.types);
    } else if (k == "item") {
      ok = add_values(v, q.items);
    } else if (k == "zone") {
      ok = add_values(v, q.zones);
    } else if (k == "severity") {
      if (!add_values(v, q.severities) || !all_in(q.severities, kSeverities)) {
        error = "severity: expected high, medium or low (comma-separated for several)";
        return false;
      }
    } else if (k == "state") {
      if (!add_values(v, q.states) || !all_in(q.states, kFindingStates)) {
        error = "state: expected open, acknowledged, not_remediated, in_progress, remediated, not_affected or "
                "compensated (comma-separated for several)";
        return false;
      }
    } else if (k == "asset") {
      q.asset = v;
    } else if (k == "sensor") {
      q.sensor = v;
    } else if (k == "site") {
      q.site = v;
    } else if (k == "q") {
      q.q = ascii_lower(v);
    } else if (k == "first_from") {
      if (!v.empty() && !parse_when(v, false, q.first_from_us)) {
        error = "first_from: expected a date or time such as 2026-11-20 or 2026-11-20T09:00:00Z";
        return false;
      }
    } else if (k == "first_to") {
      if (!v.empty() && !parse_when(v, true, q.first_to_us)) {
        error = "first_to: expected a date or time such as 2026-11-20 or 2026-11-20T09:00:00Z";
        return false;
      }
    } else if (k == "sort") {
      if (!v.empty() && std::find(std::begin(kFindingSortKeys), std::end(kFindingSortKeys), v) == std::end(kFindingSortKeys)) {
        error = "sort: expected severity, first_seen, last_seen, type, item, device, state or zone";
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
      q.paged = true;
      if (!parse_int(v, 1, 1'000'000, q.page)) {
        error = "page: expected a whole number from 1";
        return false;
      }
    } else if (k == "per_page") {
      q.paged = true;
      if (!parse_int(v, 1, kMaxPerPage, q.per_page)) {
        error = "per_page: expected a whole number from 1 to 500";
        return false;
      }
    } else if (k == "lang") {
      if (v != "ja" && v != "en") {
        error = "lang: expected ja or en";
        return false;
      }
      q.lang = v;
    }
    if (!ok) {
      error = k + ": at most 50 values";
      return false;
    }
  }
  if (q.first_from_us > q.first_to_us) {
    error = "first_from is later than first_to";
    return false;
  }
  return true;
}

std::vector<std::size_t> finding_order(const std::vector<FindingRow>& rows, const std::string& sort,
                                       bool descending) {
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (sort.empty()) {
    if (descending) std::reverse(order.begin(), order.end());
    return order;
  }
  // The key of each row taken once (the sort compares about n log n times).
  const bool by_severity = sort == "severity", by_first = sort == "first_seen", by_last = sort == "last_seen";
  std::vector<std::int64_t> number;
  std::vector<const std::string*> text;
  if (by_severity || by_first || by_last) {
    number.reserve(rows.size());
    for (const auto& r : rows)
      number.push_back(by_severity ? r.severity_rank : by_first ? r.finding->first_us : r.finding->last_us);
  } else {
    text.reserve(rows.size());
    for (const auto& r : rows) text.push_back(&text_key(r, sort));
  }
  auto cmp = [&](std::size_t x, std::size_t y) -> int {  // <0: x first (ascending)
    if (!number.empty()) return number[x] < number[y] ? -1 : number[x] > number[y] ? 1 : 0;
    const std::string& ka = *text[x];
    const std::string& kb = *text[y];
    if (ka.empty() != kb.empty()) return ka.empty() ? (descending ? -1 : 1) : (descending ? 1 : -1);  // unknown last
    return ka.compare(kb);
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const int c = cmp(x, y);
    return descending ? c > 0 : c < 0;  // ties keep the engine's order
  });
  return order;
}

FindingHits query_findings(const std::vector<FindingRow>& rows, const FindingQuery& q,
                           const std::vector<std::size_t>* order) {
  std::vector<std::size_t> own;
  if (order == nullptr || order->size() != rows.size()) {
    own = finding_order(rows, q.sort, q.descending);
    order = &own;
  }
  FindingHits out;
  const std::size_t from =
      q.paged ? static_cast<std::size_t>(q.page - 1) * static_cast<std::size_t>(q.per_page) : 0;
  const std::size_t until = q.paged ? from + static_cast<std::size_t>(q.per_page) : rows.size();
  for (const std::size_t i : *order) {
    const FindingRow& r = rows[i];
    const inventory::Finding& f = *r.finding;
    if (!any_of(q.types, f.type) || !any_of(q.items, f.item) || !any_of(q.severities, f.severity) ||
        !any_of(q.states, r.state))
      continue;
    if (!q.zones.empty() && std::none_of(r.text->zones.begin(), r.text->zones.end(),
                                         [&](const std::string& z) { return any_of(q.zones, z); }))
      continue;
    if (!q.asset.empty() && f.asset != q.asset) continue;
    if (!seen_by(r.text->sensors, q.sensor) || !seen_by(r.text->sites, q.site)) continue;
    if (f.first_us < q.first_from_us || f.first_us >= q.first_to_us) continue;
    if (!q.q.empty() && r.text->haystack.find(q.q) == std::string::npos) continue;
    if (out.total >= from && out.total < until) out.items.push_back(&r);
    ++out.total;
  }
  return out;
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool parse_asset_query(const std::multimap<std::string, std::string>& params, AssetQuery& q, std::string& error) {
  for (const auto& [k, v] : params) {
    if (k == "class") q.klass = v;
    else if (k == "zone") q.zone = v;
    else if (k == "sensor") q.sensor = v;
    else if (k == "site") q.site = v;
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

RowMarks marks_of(const std::vector<AssetRow>& rows) {
  RowMarks m;
  m.approved.reserve(rows.size());
  m.open_findings.reserve(rows.size());
  for (const auto& r : rows) {
    m.approved.push_back(static_cast<signed char>(r.approved));
    m.open_findings.push_back(r.open_findings);
  }
  return m;
}

void set_row_json(AssetRow& r, const nlohmann::ordered_json& json) {
  r.approved_at = r.findings_at = AssetRow::kNone;
  r.approved_len = r.findings_len = 0;
  if (!json.is_object()) {
    r.text = api_text(json);
  } else {
    // As dump writes an object ({"key":value,...}), with the serializer it
    // uses (one for the row: a dump each would allocate its output anew),
    // noting where the marks' values are.
    r.text = "{";
    nlohmann::detail::serializer<nlohmann::ordered_json> out(nlohmann::detail::output_adapter<char>(r.text), ' ',
                                                              nlohmann::ordered_json::error_handler_t::replace);
    for (auto it = json.begin(); it != json.end(); ++it) {
      if (it != json.begin()) r.text += ',';
      out.dump(nlohmann::ordered_json(it.key()), false, false, 0);
      r.text += ':';
      const auto at = static_cast<std::uint32_t>(r.text.size());
      out.dump(it.value(), false, false, 0);
      const auto len = static_cast<std::uint32_t>(r.text.size() - at);
      if (it.key() == "approved") {
        r.approved_at = at;
        r.approved_len = len;
      } else if (it.key() == "findings") {
        r.findings_at = at;
        r.findings_len = len;
      }
    }
    r.text += '}';
  }
  r.text.shrink_to_fit();
  const auto d = json.is_object() ? json.find("display_name") : json.end();
  r.display_name = d != json.end() && d->is_string() ? d->get<std::string>() : std::string();
  r.sort_texts.clear();
  for (std::size_t i = 0; i < kRowSortKeyCount; ++i) {
    if (json.is_object()) r.sort_texts += sort_text_of(json, kRowSortKeys[i]);
    r.sort_end[i] = static_cast<std::uint32_t>(r.sort_texts.size());
  }
  r.sort_texts.shrink_to_fit();
}

std::string row_text(const AssetRow& r, int approved, int findings) {
  const std::string a = approved < 0 ? std::string("null") : approved == 1 ? std::string("true") : std::string("false");
  const std::string f = findings < 0 ? std::string("null") : std::to_string(findings);  // -1: not known
  // The marks present, in the order of the text; the absent ones are added at
  // the end, approved first (as setting them on the object would).
  struct Cut {
    std::uint32_t at, len;
    const std::string* value;
  };
  std::vector<Cut> cuts;
  if (r.approved_at != AssetRow::kNone) cuts.push_back({r.approved_at, r.approved_len, &a});
  if (r.findings_at != AssetRow::kNone) cuts.push_back({r.findings_at, r.findings_len, &f});
  std::sort(cuts.begin(), cuts.end(), [](const Cut& x, const Cut& y) { return x.at < y.at; });
  std::string out;
  out.reserve(r.text.size() + 32);
  std::size_t from = 0;
  for (const Cut& c : cuts) {
    out.append(r.text, from, c.at - from);
    out += *c.value;
    from = c.at + c.len;
  }
  std::string added;
  if (r.approved_at == AssetRow::kNone) added += "\"approved\":" + a;
  if (r.findings_at == AssetRow::kNone) added += std::string(added.empty() ? "" : ",") + "\"findings\":" + f;
  if (added.empty() || r.text.size() < 2 || r.text.back() != '}') {
    out.append(r.text, from, std::string::npos);
  } else {
    out.append(r.text, from, r.text.size() - 1 - from);
    if (r.text.size() > 2) out += ',';
    out += added;
    out += '}';
  }
  return out;
}

nlohmann::ordered_json row_object(const AssetRow& r) { return nlohmann::ordered_json::parse(r.text); }

std::string row_json_text(const AssetRow& row, const RowMarks& marks, std::size_t i) {
  const int approved = i < marks.approved.size() ? marks.approved[i] : row.approved;
  return row_text(row, approved, i < marks.open_findings.size() ? marks.open_findings[i] : row.open_findings);
}

nlohmann::ordered_json row_json(const AssetRow& row, const RowMarks& marks, std::size_t i) {
  return nlohmann::ordered_json::parse(row_json_text(row, marks, i));
}

std::vector<std::uint32_t> sort_order(const std::vector<std::string>& keys, bool descending) {
  std::vector<std::uint32_t> order(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const std::string &x = keys[a], &y = keys[b];
    if (x.empty() != y.empty()) return y.empty();  // unknown values last
    return x < y;
  });
  return descending ? descending_order(order, keys) : order;
}

std::vector<std::uint32_t> descending_order(const std::vector<std::uint32_t>& order,
                                            const std::vector<std::string>& keys) {
  // The runs of equal keys in reverse, each run in row order as a stable sort
  // keeps it; the unknown values still last.
  std::size_t known = order.size();
  while (known > 0 && keys[order[known - 1]].empty()) --known;
  std::vector<std::uint32_t> out;
  out.reserve(order.size());
  for (std::size_t end = known; end > 0;) {
    std::size_t start = end - 1;
    while (start > 0 && keys[order[start - 1]] == keys[order[end - 1]]) --start;
    out.insert(out.end(), order.begin() + static_cast<std::ptrdiff_t>(start), order.begin() + static_cast<std::ptrdiff_t>(end));
    end = start;
  }
  out.insert(out.end(), order.begin() + static_cast<std::ptrdiff_t>(known), order.end());
  return out;
}

std::vector<std::size_t> select_assets(const std::vector<AssetRow>& rows, const AssetQuery& q,
                                       const std::vector<std::string>* keys, const RowMarks* marks,
                                       const std::map<std::size_t, AssetRow>* patched,
                                       const std::vector<std::uint32_t>* order) {
  if (patched != nullptr && patched->empty()) patched = nullptr;
  const auto row_at = [&](std::size_t i) -> const AssetRow& {
    if (patched != nullptr)
      if (const auto it = patched->find(i); it != patched->end()) return it->second;
    return rows[i];
  };
  const bool marked = marks != nullptr && marks->approved.size() == rows.size() &&
                      marks->open_findings.size() == rows.size();
  const auto approved = [&](std::size_t i) { return marked ? marks->approved[i] : row_at(i).approved; };
  const auto open = [&](std::size_t i) { return marked ? marks->open_findings[i] : row_at(i).open_findings; };
  const auto wanted = [&](std::size_t i) {
    const AssetRow& r = row_at(i);
    if (!q.klass.empty() && r.klass != q.klass) return false;
    if (!q.zone.empty() && std::find(r.zones.begin(), r.zones.end(), q.zone) == r.zones.end()) return false;
    if (!seen_by(r.sensors, q.sensor) || !seen_by(r.sites, q.site)) return false;
    if (!q.vendor.empty() && r.vendor_lower.find(q.vendor) == std::string::npos) return false;
    if (q.approved >= 0 && approved(i) != q.approved) return false;
    if (!q.q.empty() && r.haystack.find(q.q) == std::string::npos) return false;
    return true;
  };
  std::vector<std::size_t> hits;
  // The order made once for these rows: the hits are walked in it (by
  // findings only without marks: a console write moves those counts).
  if (order != nullptr && order->size() == rows.size() && patched == nullptr && (q.sort != "findings" || !marked)) {
    for (const std::uint32_t i : *order)
      if (wanted(i)) hits.push_back(i);
    return hits;
  }
  hits.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (wanted(i)) hits.push_back(i);
  if (q.sort == "findings") {
    std::stable_sort(hits.begin(), hits.end(), [&](std::size_t a, std::size_t b) {
      return q.descending ? open(a) > open(b) : open(a) < open(b);
    });
  } else {
    std::vector<std::string> own;
    if (keys == nullptr || keys->size() != rows.size()) {
      own = sort_keys(rows, q.sort);
      if (patched != nullptr)
        for (const auto& [i, row] : *patched)
          if (i < own.size()) own[i] = sort_text(row, q.sort);
      keys = &own;
    }
    std::vector<std::pair<const std::string*, std::size_t>> keyed;
    keyed.reserve(hits.size());
    for (const std::size_t i : hits) keyed.emplace_back(&(*keys)[i], i);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
      if (a.first->empty() != b.first->empty()) return b.first->empty();  // unknown values last
      return q.descending ? *a.first > *b.first : *a.first < *b.first;
    });
    for (std::size_t i = 0; i < keyed.size(); ++i) hits[i] = keyed[i].second;
  }
  return hits;
}

std::vector<std::uint32_t> findings_order(const std::vector<AssetRow>& rows, bool descending) {
  std::vector<std::uint32_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  // As select_assets sorts the hits by findings.
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return descending ? rows[a].open_findings > rows[b].open_findings : rows[a].open_findings < rows[b].open_findings;
  });
  return order;
}

std::string assets_page_text(const AssetQuery& q, std::size_t total, const std::vector<std::string>& items,
                             bool large_fleet) {
  // {"total":n,"page":p,"per_page":k,"items":[...]}, as the serializer writes it.
  std::string out = "{\"total\":" + std::to_string(total) + ",\"page\":" + std::to_string(q.page) +
                    ",\"per_page\":" + std::to_string(q.per_page) + (large_fleet ? ",\"large_fleet\":true" : "") +
                    ",\"items\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    out += items[i];
  }
  out += "]}";
  return out;
}

std::string query_assets_text(const std::vector<AssetRow>& rows, const AssetQuery& q,
                              const std::vector<std::string>* keys, const RowMarks* marks,
                              const std::map<std::size_t, AssetRow>* patched) {
  if (patched != nullptr && patched->empty()) patched = nullptr;
  const std::vector<std::size_t> hits = select_assets(rows, q, keys, marks, patched);
  const bool marked = marks != nullptr && marks->approved.size() == rows.size() &&
                      marks->open_findings.size() == rows.size();
  std::vector<std::string> items;
  const std::size_t from = static_cast<std::size_t>(q.page - 1) * static_cast<std::size_t>(q.per_page);
  for (std::size_t i = from; i < hits.size() && i < from + static_cast<std::size_t>(q.per_page); ++i) {
    const std::size_t at = hits[i];
    const AssetRow* r = &rows[at];
    if (patched != nullptr)
      if (const auto it = patched->find(at); it != patched->end()) r = &it->second;
    items.push_back(marked ? row_json_text(*r, *marks, at) : r->text);
  }
  return assets_page_text(q, hits.size(), items);
}

nlohmann::ordered_json query_assets(const std::vector<AssetRow>& rows, const AssetQuery& q,
                                    const std::vector<std::string>* keys, const RowMarks* marks,
                                    const std::map<std::size_t, AssetRow>* patched) {
  return nlohmann::ordered_json::parse(query_assets_text(rows, q, keys, marks, patched));
}

nlohmann::ordered_json new_devices_by_day(const std::vector<std::int64_t>& first_seen_us, std::int64_t now_us,
                                          std::int64_t last_traffic_us, const std::string& zone_name) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(zone_name);
  } catch (const std::exception&) {
    zone = nullptr;  // the config check refuses unknown zones; UTC if the tzdata changed since
  }
  using namespace std::chrono;
  const auto local_day = [&](std::int64_t us) {
    const sys_seconds t{duration_cast<seconds>(microseconds(us))};
    const auto local = zone ? zone->to_local(t) : date::local_seconds{t.time_since_epoch()};
    return date::floor<date::days>(local);
  };
  std::int64_t end_us = now_us;
  if (last_traffic_us > 0 && last_traffic_us < now_us - static_cast<std::int64_t>(kNewDeviceDays) * 86'400'000'000)
    end_us = last_traffic_us;
  const auto last_day = local_day(end_us);
  const auto first_day = last_day - date::days(kNewDeviceDays - 1);
  std::vector<std::size_t> counts(kNewDeviceDays, 0);
  for (const std::int64_t us : first_seen_us) {
    if (us <= 0) continue;
    const auto d = local_day(us);
    if (d < first_day || d > last_day) continue;
    ++counts[static_cast<std::size_t>((d - first_day).count())];
  }
  auto out = nlohmann::ordered_json::array();
  for (int i = 0; i < kNewDeviceDays; ++i)
    out.push_back({{"day", date::format("%F", first_day + date::days(i))}, {"count", counts[static_cast<std::size_t>(i)]}});
  return out;
}

}  // namespace mieruka::sensor::web
