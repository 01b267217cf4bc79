// Exports of the ledger (see export.hpp). The CSV and table rows are built from
// the same JSON objects, so every format shows the same values.
#include "inventory/render/export.hpp"

#include "inventory/policy/classify.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/text/text_escape.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <vector>

namespace mieruka::inventory {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 22> kClasses = {
    "plc",         "io_adapter",  "io_module",    "drive",      "meter",     "field_device",
    "hmi",         "engineering_workstation",      "scada_server", "historian", "opcua_server",
    "opcua_client", "switch",     "router",       "protocol_gateway",        "remote_access_gateway",
    "wireless_ap", "wireless_station",             "camera",     "printer",   "it_host",
    "unknown",
};

// Widest cell of a terminal table, in columns (descriptions can be long).
constexpr std::size_t kMaxCellWidth = 40;
// `show` prints every value whole.
constexpr std::size_t kNoLimit = static_cast<std::size_t>(-1);


// `s` (already terminal_safe) cut to at most `max` columns, with "…" when cut.
std::string fit_width(std::string_view s, std::size_t max) {
  if (plain_ascii(s) ? s.size() <= max : display_width(s) <= max) return std::string(s);
  std::string out;
  std::size_t used = 0;
  while (!s.empty()) {
    const Utf8Char d = decode_utf8(s);
    const std::size_t w = char_width(d.cp);
    if (used + w > max - 1) break;
    out.append(s.substr(0, d.len));
    used += w;
    s.remove_prefix(d.len);
  }
  return out + "\xE2\x80\xA6";  // …
}

// Strings for JSON: sanitised, with the field named in `invalid` when replaced.
class Strings {
 public:
  std::string operator()(std::string_view field, std::string_view value) {
    bool bad = false;
    std::string out = sanitize_utf8(value, &bad);
    if (bad && std::find(invalid_.begin(), invalid_.end(), field) == invalid_.end()) invalid_.emplace_back(field);
    return out;
  }
  [[nodiscard]] Json invalid() const { return Json(invalid_); }
  // Names `field` among the invalid ones (its text was sanitised elsewhere).
  void flag(std::string_view field) {
    if (std::find(invalid_.begin(), invalid_.end(), field) == invalid_.end()) invalid_.emplace_back(field);
  }

 private:
  std::vector<std::string> invalid_;
};

Json time_or_null(std::int64_t us) {
  if (us <= 0) return nullptr;
  return format_time_us(us);
}

// The IP shown for an asset: its key IP, else the one seen most recently.
std::string best_ip(const Asset& a) {
  if (a.key_ip) return a.key_ip->to_string();
  const IpRecord* best = nullptr;
  for (const IpRecord& r : a.ips) {
    if (best == nullptr || r.last_us > best->last_us) best = &r;
  }
  return best != nullptr ? best->ip.to_string() : std::string();
}

const Asset* asset_by_id(const Ledger& ledger, std::string_view id) {
  const AssetIndex i = ledger.index_of(id);
  if (i == kNoAsset || i >= ledger.assets().size()) return nullptr;
  return &ledger.assets()[i];
}

// The fact shown as the asset's name: its own (wire) name, else a host name
// from DHCP/DNS/NBNS/mDNS, else the approved list's name (which ranks below
// every wire source, so best() returns it only when the wire gave no name).
const FactRecord* shown_name(const Asset& a) {
  const FactRecord* name = Ledger::best(a, field::name);
  if (name == nullptr || name->source == kApprovedSource) {
    if (const FactRecord* host = Ledger::best(a, field::hostname)) return host;
  }
  return name;
}

// Whether `f` is the value the exports show for its field (`show` marks it '*').
bool is_shown(const Asset& a, const FactRecord& f) {
  if (f.field == field::name) return shown_name(a) == &f;
  return Ledger::best(a, f.field) == &f;
}

// The asset's facts in `show` order: by field, then by source priority.
std::vector<const FactRecord*> ordered_facts(const Asset& a) {
  std::vector<const FactRecord*> facts;
  for (const FactRecord& f : a.facts) facts.push_back(&f);
  std::stable_sort(facts.begin(), facts.end(), [](const FactRecord* x, const FactRecord* y) {
    if (x->field != y->field) return x->field < y->field;
    return Ledger::source_priority(x->source) > Ledger::source_priority(y->source);
  });
  return facts;
}

// A one-cell text of a JSON value: arrays joined with ';', null empty.
std::string cell_text(const Json& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) {
    std::string out;
    for (const Json& x : v) {
      if (!out.empty()) out += ';';
      out += cell_text(x);
    }
    return out;
  }
  return v.dump();
}

// "read_holding_registers(3) x120 [40001-40010]; write_single_register(6) x4 W"
std::string ops_summary(const Json& ops) {
  std::string out;
  for (const Json& op : ops) {
    if (!out.empty()) out += "; ";
    out += op["name"].get<std::string>() + "(" + std::to_string(op["code"].get<std::uint64_t>()) + ") x" +
           std::to_string(op["count"].get<std::uint64_t>());
    if (op["errors"].get<std::uint64_t>() > 0) out += " err " + std::to_string(op["errors"].get<std::uint64_t>());
    if (op["write"].get<bool>()) out += " W";
    if (op["control"].get<bool>()) out += " CONTROL";
    if (!op["range"].is_null()) {
      out += " [" + std::to_string(op["range"][0].get<std::uint64_t>()) + "-" +
             std::to_string(op["range"][1].get<std::uint64_t>()) + "]";
    }
  }
  return out;
}

std::string csv_from(const std::vector<std::string_view>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  auto line = [&](const auto& cells) {
    bool first = true;
    for (const auto& c : cells) {
      if (!first) out += ',';
      first = false;
      out += csv_cell(c);
    }
    out += "\r\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

std::string table_from(const std::vector<std::string_view>& header, const std::vector<std::vector<std::string>>& rows,
                       std::size_t max_cell = kMaxCellWidth) {
  // Each cell made terminal-safe, cut and measured once; then padded to its column.
  struct Cell {
    std::string text;
    std::size_t width;
  };
  std::vector<std::vector<Cell>> cells;
  cells.reserve(rows.size() + 1);
  auto measured = [](std::string t) {
    const std::size_t w = plain_ascii(t) ? t.size() : display_width(t);
    return Cell{std::move(t), w};
  };
  {
    std::vector<Cell> row;
    for (const auto h : header) row.push_back(measured(std::string(h)));
    cells.push_back(std::move(row));
  }
  for (const auto& r : rows) {
    std::vector<Cell> row;
    row.reserve(r.size());
    for (const auto& c : r) row.push_back(measured(fit_width(terminal_safe(c), max_cell)));
    cells.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& r : cells) {
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].width);
  }
  std::string out;
  std::string line;
  for (const auto& r : cells) {
    line.clear();
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) {
      line += r[i].text;
      if (i + 1 < r.size()) line.append(width[i] - r[i].width + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string opt_text(const Json& v) { return v.is_null() ? "-" : cell_text(v); }

// A table indented by two spaces, for the sections of `show`.
std::string indented(const std::string& table) {
  std::string out;
  std::size_t p = 0;
  while (p < table.size()) {
    const std::size_t nl = table.find('\n', p);
    out += "  " + table.substr(p, nl - p) + "\n";
    if (nl == std::string::npos) break;
    p = nl + 1;
  }
  return out;
}

}  // namespace

// --- helpers ----------------------------------------------------------------------

bool is_contract_class(std::string_view c) noexcept {
  return std::find(kClasses.begin(), kClasses.end(), c) != kClasses.end();
}

std::span<const std::string_view> contract_classes() noexcept { return kClasses; }


// --- JSON -----------------------------------------------------------------------

Json asset_json(const Ledger& ledger, const Asset& a, const AssetLinks* links) {
  Strings str;
  Json sources = Json::object();
  Json j;
  j["id"] = str("id", a.id);
  j["mac"] = a.mac ? Json(a.mac->to_string()) : Json(nullptr);

  std::vector<IpAddr> ips;
  if (a.key_ip) ips.push_back(*a.key_ip);
  for (const IpRecord& r : a.ips) ips.push_back(r.ip);
  std::sort(ips.begin(), ips.end());
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  Json ip_list = Json::array();
  for (const IpAddr& ip : ips) {
    if (ip.valid()) ip_list.push_back(ip.to_string());
  }
  j["ips"] = std::move(ip_list);
  j["vlans"] = a.vlans;

  for (std::string_view f : {field::vendor, field::product, field::revision, field::serial}) {
    const FactRecord* r = Ledger::best(a, f);
    j[std::string(f)] = r != nullptr ? Json(str(f, r->value)) : Json(nullptr);
    if (r != nullptr) sources[std::string(f)] = str("sources", r->source);
  }
  const FactRecord* name = shown_name(a);
  j["name"] = name != nullptr ? Json(str("name", name->value)) : Json(nullptr);
  if (name != nullptr) sources["name"] = str("sources", name->source);

  // Class, reasons and level from the rule table (inventory/policy/classify.cpp); a
  // purdue_level fact (a zone's level) overrides the class's default level.
  const Classification cls = links != nullptr ? classify(ledger, a, *links) : classify(ledger, a);
  j["class"] = is_contract_class(cls.device_class) ? cls.device_class : "unknown";
  if (!cls.source.empty() && j["class"] != "unknown") sources["class"] = str("sources", cls.source);
  Json reasons = Json::array();
  for (const std::string& r : cls.reasons) reasons.push_back(str("class_reasons", r));
  j["class_reasons"] = std::move(reasons);
  const FactRecord* level = Ledger::best(a, "purdue_level");
  // The class's default level has the class's source; only a fact's level names its own.
  j["purdue_level"] = cls.purdue_level ? Json(*cls.purdue_level) : Json(nullptr);
  if (level != nullptr) {
    int v = -1;
    const char* end = level->value.data() + level->value.size();
    auto [p, ec] = std::from_chars(level->value.data(), end, v);
    if (ec == std::errc() && p == end && v >= 0 && v <= 5) {
      j["purdue_level"] = v;
      sources["purdue_level"] = str("sources", level->source);
    }
  }
  Json protocols = Json::array();
  for (const std::string& p : a.protocols) protocols.push_back(str("protocols", p));
  j["protocols"] = std::move(protocols);
  j["parent"] = a.parent_id.empty() ? Json(nullptr) : Json(str("parent", a.parent_id));
  j["route"] = a.route.empty() ? Json(nullptr) : Json(str("route", a.route));
  j["first_seen"] = time_or_null(a.first_us);
  j["last_seen"] = time_or_null(a.last_us);
  j["sources"] = std::move(sources);
  j["packets_sent"] = a.packets_sent;
  j["bytes_sent"] = a.bytes_sent;
  j["router"] = a.router;
  // The approved list's columns for this asset, when a list is overlaid and a
  // row matches (inventory/policy apply_approved); absent otherwise.
  Json approved;
  for (const FactRecord& f : a.facts) {
    if (f.source != kApprovedSource) continue;
    if (approved.is_null()) approved = Json{{"name", nullptr}, {"location", nullptr}, {"zone", nullptr},
                                            {"owner", nullptr}, {"notes", nullptr}};
    if (approved.contains(f.field)) approved[f.field] = str("approved_entry", f.value);
  }
  if (!approved.is_null()) j["approved_entry"] = std::move(approved);
  // What each sensor saw of it, on a fleet ledger (merge_fleet); absent otherwise.
  if (!a.sightings.empty()) {
    bool bad = false;
    j["sightings"] = sightings_json(a, &bad);
    if (bad) str.flag("sightings");
  }
  j["invalid_utf8"] = str.invalid();
  return j;
}

Json facts_json(const Asset& a) {
  Strings str;
  Json out = Json::array();
  for (const FactRecord* f : ordered_facts(a)) {
    Json o;
    o["field"] = str("field", f->field);
    o["value"] = str("value", f->value);
    o["source"] = str("source", f->source);
    o["first_seen"] = time_or_null(f->first_us);
    o["last_seen"] = time_or_null(f->last_us);
    o["count"] = f->count;
    o["shown"] = is_shown(a, *f);
    // Per fact, so that a consumer knows which value had bytes replaced.
    bool bad = false;
    (void)sanitize_utf8(f->value, &bad);
    if (bad) o["invalid_utf8"] = true;
    out.push_back(std::move(o));
  }
  return out;
}

Json ip_bindings_json(const Asset& a) {
  Json out = Json::array();
  for (const IpRecord& r : a.ips) {
    Json o;
    o["ip"] = r.ip.to_string();
    o["source"] = sanitize_utf8(r.source);
    o["first_seen"] = time_or_null(r.first_us);
    o["last_seen"] = time_or_null(r.last_us);
    out.push_back(std::move(o));
  }
  return out;
}

Json sightings_json(const Asset& a, bool* invalid_utf8) {
  Json out = Json::array();
  bool bad = false;
  const auto text = [&bad](std::string_view v) {
    bool b = false;
    std::string out = sanitize_utf8(v, &b);
    bad = bad || b;
    return out;
  };
  for (const Sighting& g : a.sightings) {
    Json o;
    o["sensor"] = text(g.sensor);
    o["site"] = g.site.empty() ? Json(nullptr) : Json(text(g.site));
    o["first_seen"] = time_or_null(g.first_us);
    o["last_seen"] = time_or_null(g.last_us);
    o["packets_sent"] = g.packets_sent;
    Json ips = Json::array();
    for (const IpAddr& x : g.ips) ips.push_back(x.to_string());
    o["ips"] = std::move(ips);
    o["vlans"] = g.vlans;
    out.push_back(std::move(o));
  }
  if (invalid_utf8 != nullptr) *invalid_utf8 = bad;
  return out;
}

Json asset_json_with_facts(const Ledger& ledger, const Asset& a, const AssetLinks* links) {
  Json j = asset_json(ledger, a, links);
  j["facts"] = facts_json(a);
  j["ip_bindings"] = ip_bindings_json(a);
  return j;
}

Json assets_json(const Ledger& ledger, bool with_facts) {
  Json out = Json::array();
  const AssetLinks links(ledger);
  for (const Asset& a : ledger.assets())
    out.push_back(with_facts ? asset_json_with_facts(ledger, a, &links) : asset_json(ledger, a, &links));
  return out;
}

Json link_json(const Ledger& ledger, const Edge& e) {
  Strings str;
  const Asset* from = asset_by_id(ledger, e.from_id);
  const Asset* to = asset_by_id(ledger, e.to_id);
  auto mac_of = [](const Asset* a) { return a != nullptr && a->mac ? Json(a->mac->to_string()) : Json(nullptr); };
  auto ip_of = [](const Asset* a) {
    const std::string ip = a != nullptr ? best_ip(*a) : std::string();
    return ip.empty() ? Json(nullptr) : Json(ip);
  };
  Json j;
  j["id"] = str("id", e.id);
  j["from"] = str("from", e.from_id);
  j["to"] = str("to", e.to_id);
  j["from_mac"] = mac_of(from);
  j["to_mac"] = mac_of(to);
  j["from_ip"] = ip_of(from);
  j["to_ip"] = ip_of(to);
  j["protocol"] = str("protocol", e.protocol);
  j["transport"] = str("transport", e.transport);
  j["port"] = e.port;
  j["vlan"] = e.vlan;
  j["packets"] = e.packets;
  j["bytes"] = e.bytes;
  j["first_seen"] = time_or_null(e.first_us);
  j["last_seen"] = time_or_null(e.last_us);
  Json ops = Json::array();
  for (const EdgeOp& op : e.ops) {
    Json o;
    o["protocol"] = str("ops", op.protocol);
    o["name"] = str("ops", op.name);
    o["code"] = op.code;
    o["count"] = op.count;
    o["errors"] = op.errors;
    o["write"] = op.is_write;
    o["control"] = op.is_control;
    o["range"] = op.has_range ? Json::array({op.range_lo, op.range_hi}) : Json(nullptr);
    o["first_seen"] = time_or_null(op.first_us);
    o["last_seen"] = time_or_null(op.last_us);
    ops.push_back(std::move(o));
  }
  j["ops"] = std::move(ops);
  j["invalid_utf8"] = str.invalid();
  return j;
}

Json links_json(const Ledger& ledger) {
  Json out = Json::array();
  for (const Edge& e : ledger.edges()) {
    if (e.merged_into == kNoEdge) out.push_back(link_json(ledger, e));  // skip tombstones
  }
  return out;
}

std::string ledger_ndjson(const Ledger& ledger, std::string_view sensor, std::int64_t generated_us) {
  std::size_t links = 0;
  for (const Edge& e : ledger.edges()) links += e.merged_into == kNoEdge ? 1 : 0;
  Json head;
  head["kind"] = "ledger";
  head["schema"] = std::string(kLedgerExportSchema);
  head["sensor"] = sanitize_utf8(sensor);
  head["generated_at"] = time_or_null(generated_us);
  head["assets"] = ledger.assets().size();
  head["links"] = links;
  std::string out = head.dump() + "\n";
  const AssetLinks by_asset(ledger);
  for (const Asset& a : ledger.assets()) {
    Json line;
    line["kind"] = "asset";
    line.update(asset_json_with_facts(ledger, a, &by_asset));
    out += line.dump() + "\n";
  }
  for (const Edge& e : ledger.edges()) {
    if (e.merged_into != kNoEdge) continue;  // a tombstone of relabel_edge
    Json line;
    line["kind"] = "link";
    line.update(link_json(ledger, e));
    out += line.dump() + "\n";
  }
  return out;
}

// --- CSV ------------------------------------------------------------------------

namespace {

const std::vector<std::string_view> kAssetColumns = {
    "id",       "mac",      "ips",    "vlans",  "vendor",     "product",   "revision",     "serial",     "name",
    "class",    "purdue_level", "protocols", "parent", "route", "first_seen", "last_seen", "packets_sent", "bytes_sent",
    // The approved list's columns (empty without a list or a matching row).
    "location", "zone",     "owner"};
// Asset CSV columns that come from the "approved_entry" object.
constexpr std::array<std::string_view, 3> kApprovedColumns = {"location", "zone", "owner"};
const std::vector<std::string_view> kLinkColumns = {
    "id",        "from",   "to",   "from_mac", "to_mac",  "from_ip",    "to_ip",     "protocol",
    "transport", "port",   "vlan", "packets",  "bytes",   "first_seen", "last_seen", "ops"};

std::vector<std::vector<std::string>> rows_of(const Json& items, const std::vector<std::string_view>& columns) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& item : items) {
    std::vector<std::string> row;
    for (std::string_view c : columns) {
      if (std::find(kApprovedColumns.begin(), kApprovedColumns.end(), c) != kApprovedColumns.end()) {
        const auto it = item.find("approved_entry");
        row.push_back(it != item.end() ? cell_text((*it)[std::string(c)]) : std::string());
        continue;
      }
      const Json& v = item[std::string(c)];
      row.push_back(c == "ops" ? ops_summary(v) : cell_text(v));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::string assets_csv(const Ledger& ledger) {
  return csv_from(kAssetColumns, rows_of(assets_json(ledger), kAssetColumns));
}

std::string links_csv(const Ledger& ledger) {
  return csv_from(kLinkColumns, rows_of(links_json(ledger), kLinkColumns));
}

// --- terminal text -----------------------------------------------------------------

std::string assets_table(const Ledger& ledger) {
  static const std::vector<std::string_view> kColumns = {"ID",      "MAC",  "IP",        "VLAN",     "CLASS",
                                                         "VENDOR",  "PRODUCT", "NAME",  "PROTOCOLS", "LAST SEEN"};
  // The cells asset_json's fields give (cell_text, opt_text), made from the
  // record directly: a JSON object per asset cost a third of `mieruka assets`
  // at 100,000 assets.
  std::vector<std::vector<std::string>> rows;
  rows.reserve(ledger.assets().size());
  const AssetLinks links(ledger);
  std::vector<IpAddr> ips;
  for (const Asset& a : ledger.assets()) {
    ips.clear();
    if (a.key_ip) ips.push_back(*a.key_ip);
    for (const IpRecord& r : a.ips) ips.push_back(r.ip);
    std::sort(ips.begin(), ips.end());
    ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
    std::string ip_cell;
    for (const IpAddr& ip : ips) {
      if (!ip.valid()) continue;
      if (!ip_cell.empty()) ip_cell += ';';
      ip_cell += ip.to_string();
    }
    std::string vlan_cell;
    for (const std::uint16_t v : a.vlans) {
      if (!vlan_cell.empty()) vlan_cell += ';';
      vlan_cell += std::to_string(v);
    }
    std::string proto_cell;
    for (const std::string& p : a.protocols) {
      if (&p != &a.protocols.front()) proto_cell += ';';
      proto_cell += sanitize_utf8(p);
    }
    auto fact = [&](std::string_view f) {
      const FactRecord* r = Ledger::best(a, f);
      return r != nullptr ? sanitize_utf8(r->value) : std::string("-");
    };
    const FactRecord* name = shown_name(a);
    const Classification cls = classify(ledger, a, links);
    rows.push_back({sanitize_utf8(a.id), a.mac ? a.mac->to_string() : "-", ip_cell.empty() ? "-" : ip_cell,
                    vlan_cell.empty() ? "-" : vlan_cell,
                    is_contract_class(cls.device_class) ? cls.device_class : "unknown", fact(field::vendor),
                    fact(field::product),
                    // The plant's own name first, as every reader shows a device (policy display_name).
                    !plant_name(a).empty() ? sanitize_utf8(plant_name(a))
                    : name != nullptr      ? sanitize_utf8(name->value)
                                           : "-",
                    a.protocols.empty() ? "-" : proto_cell, a.last_us > 0 ? format_time_us(a.last_us) : "-"});
  }
  return table_from(kColumns, rows);
}

std::string links_table(const Ledger& ledger) {
  static const std::vector<std::string_view> kColumns = {"FROM",    "TO",    "PROTOCOL", "PORT",     "VLAN",
                                                         "PACKETS", "BYTES", "OPS",      "LAST SEEN"};
  std::vector<std::vector<std::string>> rows;
  for (const Edge& e : ledger.edges()) {
    if (e.merged_into != kNoEdge) continue;  // a tombstone of relabel_edge
    const Json j = link_json(ledger, e);
    auto end = [&](const char* ip, const char* mac, const char* id) {
      if (!j[ip].is_null()) return cell_text(j[ip]);
      if (!j[mac].is_null()) return cell_text(j[mac]);
      return cell_text(j[id]);
    };
    rows.push_back({end("from_ip", "from_mac", "from"), end("to_ip", "to_mac", "to"), cell_text(j["protocol"]),
                    e.port != 0 ? std::to_string(e.port) : "-", e.vlan != 0 ? std::to_string(e.vlan) : "-",
                    std::to_string(e.packets), std::to_string(e.bytes), ops_summary(j["ops"]),
                    opt_text(j["last_seen"])});
  }
  return table_from(kColumns, rows);
}

std::string show_text(const Ledger& ledger, const Asset& a) {
  const Json j = asset_json(ledger, a);
  auto t = [](std::int64_t us) { return us > 0 ? format_time_us(us) : std::string("-"); };
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += "  " + std::string(label);
    out.append(label.size() < 14 ? 14 - label.size() : 1, ' ');
    out += terminal_safe(value) + "\n";
  };
  out += "Asset " + terminal_safe(a.id) + "\n";
  line("mac", opt_text(j["mac"]));
  if (a.key_ip) line("key ip", a.key_ip->to_string());
  if (!a.parent_id.empty()) line("parent", a.parent_id);
  if (!a.route.empty()) line("route", a.route);
  line("class", cell_text(j["class"]));
  line("first seen", t(a.first_us));
  line("last seen", t(a.last_us));
  line("packets sent", std::to_string(a.packets_sent));
  line("bytes sent", std::to_string(a.bytes_sent));
  if (a.router) line("router", "yes (carries traffic for addresses other stations hold, or holds addresses in several subnets)");
  line("vlans", j["vlans"].empty() ? "-" : cell_text(j["vlans"]));
  line("protocols", j["protocols"].empty() ? "-" : cell_text(j["protocols"]));

  std::vector<std::vector<std::string>> rows;
  out += "\nIPs:\n";
  for (const IpRecord& r : a.ips) rows.push_back({r.ip.to_string(), r.source, t(r.first_us), t(r.last_us)});
  if (rows.empty()) {
    out += "  (none)\n";
  } else {
    out += indented(table_from({"IP", "SOURCE", "FIRST SEEN", "LAST SEEN"}, rows, kNoLimit));
  }

  // A fleet's asset: which sensors saw it, with what each saw.
  if (!a.sightings.empty()) {
    rows.clear();
    for (const Sighting& g : a.sightings) {
      std::string ips;
      for (const IpAddr& x : g.ips) ips += (ips.empty() ? "" : " ") + x.to_string();
      std::string vlans;
      for (const auto v : g.vlans) vlans += (vlans.empty() ? "" : " ") + std::to_string(v);
      rows.push_back({g.sensor, g.site.empty() ? "-" : g.site, t(g.first_us), t(g.last_us),
                      std::to_string(g.packets_sent), ips.empty() ? "-" : ips, vlans.empty() ? "-" : vlans});
    }
    out += "\nSightings (per sensor):\n";
    out += indented(
        table_from({"SENSOR", "SITE", "FIRST SEEN", "LAST SEEN", "PACKETS SENT", "IPS", "VLANS"}, rows, kNoLimit));
  }

  // Facts grouped by field; the value shown in exports is marked with '*'.
  // facts_json lists the same facts in the same order.
  out += "\nFacts (* = value shown):\n";
  rows.clear();
  for (const FactRecord* f : ordered_facts(a)) {
    const bool shown = is_shown(a, *f);
    rows.push_back({(shown ? "* " : "  ") + f->field, f->value, f->source, t(f->first_us), t(f->last_us),
                    std::to_string(f->count)});
  }
  if (rows.empty()) {
    out += "  (none)\n";
  } else {
    out += indented(table_from({"  FIELD", "VALUE", "SOURCE", "FIRST SEEN", "LAST SEEN", "COUNT"}, rows, kNoLimit));
  }

  auto edges = [&](bool outgoing) {
    rows.clear();
    for (const Edge& e : ledger.edges()) {
      if ((outgoing ? e.from_id : e.to_id) != a.id || e.merged_into != kNoEdge) continue;
      const Json l = link_json(ledger, e);
      const char* ip = outgoing ? "to_ip" : "from_ip";
      const char* mac = outgoing ? "to_mac" : "from_mac";
      const std::string peer = !l[ip].is_null()    ? cell_text(l[ip])
                               : !l[mac].is_null() ? cell_text(l[mac])
                                                   : (outgoing ? e.to_id : e.from_id);
      rows.push_back({peer, e.protocol + "/" + e.transport, e.port != 0 ? std::to_string(e.port) : "-",
                      std::to_string(e.packets), std::to_string(e.bytes), ops_summary(l["ops"]), t(e.last_us)});
    }
    out += outgoing ? "\nEdges out (this asset opened):\n" : "\nEdges in (this asset served):\n";
    if (rows.empty()) {
      out += "  (none)\n";
      return;
    }
    out += indented(table_from({outgoing ? "TO" : "FROM", "PROTOCOL", "PORT", "PACKETS", "BYTES", "OPS", "LAST SEEN"},
                               rows, kNoLimit));
  };
  edges(true);
  edges(false);
  return out;
}

}  // namespace mieruka::inventory
