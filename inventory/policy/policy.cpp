// Approved list, wireless allow-list, zones and conduits (see policy.hpp).
#include "inventory/policy/policy.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/text/text_escape.hpp"

#include <algorithm>

namespace mieruka::inventory {
namespace {

// Header spellings (../shared/INTERFACES.md). Japanese as plants write them.
constexpr std::string_view kMacNames[] = {"mac", "mac address", "macアドレス", "MACアドレス"};
constexpr std::string_view kIpNames[] = {"ip", "ip address", "ipアドレス", "IPアドレス"};

int col(const CsvTable& t, std::initializer_list<std::string_view> names) { return t.column(names); }

std::string cell(const std::vector<std::string>& row, int c) {
  if (c < 0 || static_cast<std::size_t>(c) >= row.size()) return {};
  std::string_view s = row[static_cast<std::size_t>(c)];
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool is_japanese_header(const CsvTable& t) {
  for (const auto& h : t.header)
    for (unsigned char c : h)
      if (c >= 0x80) return true;
  return false;
}

std::string where(const std::string& name, std::size_t line) { return name + ":" + std::to_string(line); }

std::optional<ApprovedList> approved_from_table(CsvTable t, const std::string& name, std::string& error) {
  ApprovedList l;
  l.path = name;
  l.cols.mac = col(t, {kMacNames[0], kMacNames[1], kMacNames[2], kMacNames[3]});
  l.cols.ip = col(t, {kIpNames[0], kIpNames[1], kIpNames[2], kIpNames[3]});
  l.cols.name = col(t, {"name", "名称", "機器名"});
  l.cols.location = col(t, {"location", "設置場所"});
  l.cols.zone = col(t, {"zone", "ゾーン"});
  l.cols.owner = col(t, {"owner", "管理者", "担当", "担当者"});
  l.cols.notes = col(t, {"notes", "備考"});
  if (l.cols.mac < 0 && l.cols.ip < 0) {
    error = name + ":1: no `mac` or `ip` column (MACアドレス / IPアドレス); name one of the columns so";
    return std::nullopt;
  }
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    ApprovedEntry e;
    e.line = t.row_lines[r];
    const std::string mac = cell(row, l.cols.mac), ip = cell(row, l.cols.ip);
    if (!mac.empty()) {
      e.mac = MacAddr::parse(mac);
      if (!e.mac) {
        error = where(name, e.line) + ": `" + mac +
                "` is not a MAC address (write 00:1b:1b:02:9a:c3, 00-1b-1b-02-9a-c3 or 001b.1b02.9ac3)";
        return std::nullopt;
      }
    }
    if (!ip.empty()) {
      e.ip = IpAddr::parse(ip);
      if (!e.ip) {
        error = where(name, e.line) + ": `" + ip + "` is not an IP address (write e.g. 10.10.1.20)";
        return std::nullopt;
      }
    }
    e.name = cell(row, l.cols.name);
    e.location = cell(row, l.cols.location);
    e.zone = cell(row, l.cols.zone);
    e.owner = cell(row, l.cols.owner);
    e.notes = cell(row, l.cols.notes);
    l.entries.push_back(std::move(e));
  }
  l.table = std::move(t);
  l.index();
  return l;
}

bool asset_has_ip(const Asset& a, const IpAddr& ip) {
  if (a.key_ip && *a.key_ip == ip) return true;
  return std::any_of(a.ips.begin(), a.ips.end(), [&](const IpRecord& r) { return r.ip == ip; });
}

}  // namespace

void ApprovedList::index() {
  by_mac_.clear();
  by_ip_.clear();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ApprovedEntry& e = entries[i];
    if (e.mac) by_mac_.emplace(*e.mac, i);
    else if (e.ip) by_ip_.emplace(*e.ip, i);
  }
  indexed_ = entries.size();
}

const ApprovedEntry* ApprovedList::match(const Asset& a) const {
  if (indexed_ == entries.size()) {
    std::size_t best = entries.size();
    if (a.mac)
      if (const auto it = by_mac_.find(*a.mac); it != by_mac_.end()) best = it->second;
    if (!by_ip_.empty()) {
      auto by = [&](const IpAddr& ip) {
        if (const auto it = by_ip_.find(ip); it != by_ip_.end()) best = std::min(best, it->second);
      };
      if (a.key_ip) by(*a.key_ip);
      for (const auto& r : a.ips) by(r.ip);
    }
    return best < entries.size() ? &entries[best] : nullptr;
  }
  for (const auto& e : entries) {
    if (e.mac) {
      if (a.mac && *a.mac == *e.mac) return &e;
      continue;
    }
    if (e.ip && asset_has_ip(a, *e.ip)) return &e;
  }
  return nullptr;
}

void apply_approved(Asset& a, const ApprovedList& list) {
  std::erase_if(a.facts, [](const FactRecord& f) { return f.source == kApprovedSource; });
  a.fact_hint = 0;  // indices moved
  const ApprovedEntry* e = list.match(a);
  if (e == nullptr) return;
  const std::pair<std::string_view, const std::string*> columns[] = {
      {"name", &e->name}, {"location", &e->location}, {"zone", &e->zone}, {"owner", &e->owner}, {"notes", &e->notes}};
  for (const auto& [field, value] : columns) {
    if (value->empty()) continue;
    FactRecord f;
    f.field = std::string(field);
    f.value = value->substr(0, kMaxFactValueBytes);
    f.source = std::string(kApprovedSource);
    a.facts.push_back(std::move(f));
  }
}

void apply_approved(Ledger& ledger, const ApprovedList& list) {
  for (Asset& a : ledger.assets_mut()) apply_approved(a, list);
}

namespace {

// Adds a column to the end of the table unless `c` names one already.
void ensure_column(CsvTable& table, int& c, const char* en, const char* jp) {
  if (c >= 0) return;
  table.header.emplace_back(is_japanese_header(table) ? jp : en);
  for (auto& r : table.rows) r.emplace_back();
  c = static_cast<int>(table.header.size() - 1);
}

}  // namespace

bool ApprovedList::add(const Ledger& ledger, const Asset& a, std::string_view zone) {
  if (match(a) != nullptr) return false;
  if (!a.mac && a.ips.empty() && !a.key_ip) return false;  // a routed module: nothing to match it by
  auto ensure = [&](int& c, const char* en, const char* jp) { ensure_column(table, c, en, jp); };
  ensure(cols.mac, "mac", "MACアドレス");
  ensure(cols.ip, "ip", "IPアドレス");
  ensure(cols.name, "name", "名称");
  if (!zone.empty()) ensure(cols.zone, "zone", "ゾーン");
  std::vector<std::string> row(table.header.size());
  ApprovedEntry e;
  if (a.mac) {
    e.mac = a.mac;
    row[static_cast<std::size_t>(cols.mac)] = a.mac->to_string();
  } else {
    e.ip = a.key_ip ? *a.key_ip : a.ips.front().ip;
    row[static_cast<std::size_t>(cols.ip)] = e.ip->to_string();
  }
  if (a.mac && !a.ips.empty()) row[static_cast<std::size_t>(cols.ip)] = a.ips.front().ip.to_string();
  std::string nm;
  for (const char* f : {"name", "hostname"}) {
    if (const FactRecord* fr = Ledger::best(a, f)) {
      nm = fr->value;
      break;
    }
  }
  (void)ledger;
  e.name = nm;
  row[static_cast<std::size_t>(cols.name)] = csv_text(nm);
  if (!zone.empty()) {
    e.zone = std::string(zone);
    row[static_cast<std::size_t>(cols.zone)] = csv_text(zone);
  }
  e.line = table.rows.size() + 2;
  table.rows.push_back(std::move(row));
  table.row_lines.push_back(e.line);
  const bool was_indexed = indexed_ == entries.size();
  entries.push_back(std::move(e));
  if (was_indexed) {
    const ApprovedEntry& n = entries.back();
    if (n.mac) by_mac_.emplace(*n.mac, entries.size() - 1);
    else if (n.ip) by_ip_.emplace(*n.ip, entries.size() - 1);
    indexed_ = entries.size();
  }
  return true;
}

bool ApprovedList::set(const Ledger& ledger, const Asset& a, const std::vector<ApprovedEdit>& edits,
                       std::vector<ApprovedChange>& changes, bool& row_added, bool& conflict, std::string& error) {
  changes.clear();
  row_added = conflict = false;
  struct Column {
    std::string_view field;
    int ApprovedColumns::*col;
    std::string ApprovedEntry::*value;
    const char *en, *jp;
  };
  static constexpr Column kColumns[] = {
      {"name", &ApprovedColumns::name, &ApprovedEntry::name, "name", "名称"},
      {"location", &ApprovedColumns::location, &ApprovedEntry::location, "location", "設置場所"},
      {"zone", &ApprovedColumns::zone, &ApprovedEntry::zone, "zone", "ゾーン"},
      {"owner", &ApprovedColumns::owner, &ApprovedEntry::owner, "owner", "管理者"}};
  auto column_of = [](std::string_view field) -> const Column* {
    for (const auto& c : kColumns)
      if (c.field == field) return &c;
    return nullptr;
  };
  const ApprovedEntry* e = match(a);
  for (const auto& ed : edits) {
    const Column* c = column_of(ed.field);
    if (c == nullptr) {
      error = ed.field + ": not a column the console edits (name, location, zone, owner)";
      return false;
    }
    const std::string now = e != nullptr ? e->*(c->value) : std::string();
    if (now != ed.expected) {
      conflict = true;
      error = std::string(c->field) + ": the approved list holds `" + now + "` now, not `" + ed.expected +
              "` (someone changed it since the page was loaded); reload and edit again";
      return false;
    }
  }
  if (e == nullptr) {
    if (!add(ledger, a, {})) {
      error = a.id + ": the device has no MAC or IP the approved list could match it by";
      return false;
    }
    row_added = true;
    e = &entries.back();
  }
  const std::size_t r = static_cast<std::size_t>(e - entries.data());
  ApprovedEntry& entry = entries[r];
  for (const auto& ed : edits) {
    const Column* c = column_of(ed.field);
    std::string v = cell({csv_text(ed.value)}, 0);
    std::string& current = entry.*(c->value);
    if (v == current) continue;
    ensure_column(table, cols.*(c->col), c->en, c->jp);
    table.rows[r][static_cast<std::size_t>(cols.*(c->col))] = v;
    changes.push_back({std::string(c->field), current, v});
    current = std::move(v);
  }
  return true;
}

std::string plant_name(const Asset& a) {
  for (const FactRecord& f : a.facts)
    if (f.source == kApprovedSource && f.field == "name") return f.value;
  return {};
}

std::string display_name(const Asset& a) {
  if (std::string p = plant_name(a); !p.empty()) return p;
  for (const char* field : {"name", "hostname"})
    if (const FactRecord* f = Ledger::best(a, field); f != nullptr && f->source != kApprovedSource && !f->value.empty())
      return f->value;
  std::string vm;
  for (const char* field : {"vendor", "product"})
    if (const FactRecord* f = Ledger::best(a, field); f != nullptr && !f->value.empty())
      vm += (vm.empty() ? "" : " ") + f->value;
  if (!vm.empty()) return vm;
  if (a.key_ip) return a.key_ip->to_string();
  if (!a.ips.empty()) return a.ips.front().ip.to_string();
  if (a.mac) return a.mac->to_string();
  return a.parent_id + "/" + a.route;
}

std::string named_label(const Asset& a) {
  const std::string plant = plant_name(a);
  return plant.empty() ? asset_label(a) : asset_label(a) + " " + plant;
}

ApprovedList empty_approved_list(std::string path) {
  ApprovedList l;
  l.path = std::move(path);
  l.table.header = {"mac", "ip", "name", "location", "zone", "owner", "notes"};
  l.cols = {0, 1, 2, 3, 4, 5, 6};
  l.index();
  return l;
}

std::optional<ApprovedList> parse_approved(std::string_view bytes, const std::string& name, std::string& error) {
  auto t = parse_csv(bytes, name, error);
  if (!t) return std::nullopt;
  return approved_from_table(std::move(*t), name, error);
}

std::optional<ApprovedList> load_approved(const std::string& path, std::string& error) {
  auto t = read_csv_file(path, error);
  if (!t) return std::nullopt;
  return approved_from_table(std::move(*t), path, error);
}

const WirelessEntry* WirelessAllowList::match(const MacAddr& mac) const {
  for (const auto& e : entries)
    if (e.mac == mac) return &e;
  return nullptr;
}

std::optional<WirelessAllowList> parse_wireless_allow(std::string_view bytes, const std::string& name,
                                                      std::string& error) {
  auto t = parse_csv(bytes, name, error);
  if (!t) return std::nullopt;
  const int cm = col(*t, {kMacNames[0], kMacNames[1], kMacNames[2], kMacNames[3]});
  if (cm < 0) {
    error = name + ":1: no `mac` column; the wireless allow-list needs one";
    return std::nullopt;
  }
  const int cs = col(*t, {"ssid"}), cr = col(*t, {"role", "役割"}), cn = col(*t, {"name", "名称", "機器名"});
  WirelessAllowList l;
  for (std::size_t r = 0; r < t->rows.size(); ++r) {
    const auto& row = t->rows[r];
    const std::string mac = cell(row, cm);
    if (mac.empty()) continue;
    auto m = MacAddr::parse(mac);
    if (!m) {
      error = where(name, t->row_lines[r]) + ": `" + mac + "` is not a MAC address (write 00:1b:1b:02:9a:c3)";
      return std::nullopt;
    }
    WirelessEntry e{*m, cell(row, cs), cell(row, cr), cell(row, cn), t->row_lines[r]};
    if (!e.role.empty() && e.role != "ap" && e.role != "station") {
      error = where(name, e.line) + ": role `" + e.role + "` must be ap or station";
      return std::nullopt;
    }
    l.entries.push_back(std::move(e));
  }
  return l;
}

std::optional<WirelessAllowList> load_wireless_allow(const std::string& path, std::string& error) {
  auto t = read_csv_file(path, error);
  if (!t) return std::nullopt;
  // Re-parse through the byte path so both entry points share the checks.
  return parse_wireless_allow(write_csv(*t), path, error);
}

bool Subnet::contains(const IpAddr& ip) const noexcept {
  if (ip.family != net.family) return false;
  int bits = prefix;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xFFU : (0xFFU << (8 - bits)) & 0xFFU;
    if ((ip.b[i] & mask) != (net.b[i] & mask)) return false;
  }
  return true;
}

std::optional<Subnet> Subnet::parse(std::string_view cidr) noexcept {
  const auto slash = cidr.find('/');
  auto ip = IpAddr::parse(cidr.substr(0, slash));
  if (!ip) return std::nullopt;
  const int max = ip->is_v4() ? 32 : 128;
  int prefix = max;
  if (slash != std::string_view::npos) {
    const auto p = cidr.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > max) return std::nullopt;
  }
  return Subnet{*ip, prefix};
}

std::vector<std::string> ZonePolicy::zones_of(const Asset& a, std::uint16_t vlan) const {
  std::vector<std::string> out;
  if (vlan != 0)
    for (const auto& z : zones)
      if (std::find(z.vlans.begin(), z.vlans.end(), vlan) != z.vlans.end()) out.push_back(z.name);
  if (!out.empty()) return out;
  for (const auto& z : zones) {
    bool in = false;
    for (const auto& s : z.subnets) {
      if (a.key_ip && s.contains(*a.key_ip)) in = true;
      for (const auto& r : a.ips) in = in || s.contains(r.ip);
    }
    if (in) out.push_back(z.name);
  }
  return out;
}

std::vector<std::string> ZonePolicy::zones_of(const Asset& a) const {
  std::vector<std::string> out;
  for (const auto& z : zones) {
    bool in = std::any_of(a.vlans.begin(), a.vlans.end(), [&](std::uint16_t v) {
      return v != 0 && std::find(z.vlans.begin(), z.vlans.end(), v) != z.vlans.end();
    });
    if (in) out.push_back(z.name);
  }
  if (!out.empty()) return out;
  return zones_of(a, 0);
}

bool ZonePolicy::allows(std::string_view from, std::string_view to, std::string_view protocol) const {
  if (from == to) return true;
  for (const auto& c : conduits) {
    if (!glob_match(c.from, from) || !glob_match(c.to, to)) continue;
    if (c.protocols.empty()) return true;
    if (std::find(c.protocols.begin(), c.protocols.end(), protocol) != c.protocols.end()) return true;
  }
  return false;
}

bool glob_match(std::string_view p, std::string_view s) noexcept {
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace mieruka::inventory
