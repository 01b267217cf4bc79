// The acceptance report (see acceptance.hpp).
#include "inventory/report/acceptance.hpp"
#include "inventory/policy/local_time.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "inventory/report/checklist.hpp"
#include "inventory/policy/classify.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/render/export.hpp"
#include "inventory/text/text_escape.hpp"

namespace mieruka::inventory {
namespace {

using nlohmann::ordered_json;

bool is_public(const IpAddr& ip) { return is_public_ip(ip); }
std::string label(const Asset& a) { return named_label(a); }  // the plant's name too, when listed

// Why `peer` is outside the plant, in English, or "" when it is not: a public
// address (set in `public_ip`), or (with zones configured) an address in no zone.
std::string external_reason(const Asset& peer, const ZonePolicy* zones, std::string* public_ip = nullptr) {
  std::vector<IpAddr> ips;
  if (peer.key_ip) ips.push_back(*peer.key_ip);
  for (const auto& r : peer.ips) ips.push_back(r.ip);
  for (const auto& ip : ips)
    if (is_public(ip)) {
      if (public_ip != nullptr) *public_ip = ip.to_string();
      return std::string(msg(Lang::en, "acceptance.public_address")) + " " + ip.to_string();
    }
  if (zones != nullptr && !zones->zones.empty() && peer.parent_id.empty() && !ips.empty() &&
      zones->zones_of(peer).empty())
    return std::string(msg(Lang::en, "acceptance.outside_zones"));
  return {};
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// A time in the text and HTML: in the report's zone, named.
std::string when(std::int64_t us, const std::string& zone) { return format_local_time(us, zone); }

}  // namespace

std::optional<std::int64_t> parse_time_arg(std::string_view t, std::int64_t (*offset_for_local)(std::int64_t)) {
  std::size_t i = 0;
  auto digits = [&](std::size_t n, int& out) {
    if (i + n > t.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = t[i + k];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    i += n;
    return true;
  };
  auto lit = [&](char c) {
    if (i < t.size() && t[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::int64_t frac_us = 0;
  if (!digits(4, y) || !lit('-') || !digits(2, mo) || !lit('-') || !digits(2, d)) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  if (i < t.size() && (t[i] == 'T' || t[i] == 't' || t[i] == ' ')) {
    ++i;
    if (!digits(2, h) || !lit(':') || !digits(2, mi)) return std::nullopt;
    if (lit(':')) {
      if (!digits(2, s)) return std::nullopt;
      if (lit('.') || lit(',')) {
        std::int64_t scale = 100000;
        std::size_t n = 0;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
          frac_us += (t[i] - '0') * scale;
          scale /= 10;
          ++i;
          ++n;
        }
        if (n == 0) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  }
  // Days in the month (reject 2026-02-30).
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[mo - 1]) return std::nullopt;
  if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return std::nullopt;
  const std::int64_t local_us =
      ((days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400) + h * 3600 + mi * 60 + s) *
          1'000'000LL +
      frac_us;
  if (i == t.size()) return offset_for_local ? local_us - offset_for_local(local_us) * 1'000'000LL : local_us;
  if (t[i] == 'Z' || t[i] == 'z') return i + 1 == t.size() ? std::optional<std::int64_t>(local_us) : std::nullopt;
  if (t[i] != '+' && t[i] != '-') return std::nullopt;
  const int sign = t[i] == '-' ? -1 : 1;
  ++i;
  int oh = 0, om = 0;
  if (!digits(2, oh)) return std::nullopt;
  lit(':');
  if (i < t.size() && !digits(2, om)) return std::nullopt;
  if (i != t.size() || oh > 23 || om > 59) return std::nullopt;
  return local_us - sign * (oh * 3600LL + om * 60LL) * 1'000'000LL;
}

AcceptanceReport build_acceptance(const AcceptanceInput& in) {
  AcceptanceReport out;
  const Ledger& ledger = *in.ledger;
  std::map<std::string, const Asset*> by_id;
  for (const auto& a : ledger.assets()) by_id[a.id] = &a;
  std::vector<const Asset*> fresh;
  for (const auto& a : ledger.assets()) {
    if (!external_reason(a, nullptr).empty() && !a.mac) continue;  // an internet peer is not delivered equipment
    const bool is_new = in.baseline_ids != nullptr
                            ? !std::binary_search(in.baseline_ids->begin(), in.baseline_ids->end(), a.id)
                            : a.first_us >= in.since_us;
    if (is_new) fresh.push_back(&a);
  }
  std::stable_sort(fresh.begin(), fresh.end(), [](const Asset* a, const Asset* b) {
    return a->first_us != b->first_us ? a->first_us < b->first_us : a->id < b->id;
  });
  const AssetLinks links(ledger);
  for (const Asset* a : fresh) {
    AcceptanceDevice d;
    d.asset = a->id;
    d.identity = asset_json(ledger, *a, &links);
    std::set<std::string> services;
    for (const EdgeIndex ei : links.edges_of(static_cast<AssetIndex>(a - ledger.assets().data()))) {
      const Edge& e = ledger.edges()[ei];
      const bool out_dir = e.from_id == a->id;
      const std::string& other = out_dir ? e.to_id : e.from_id;
      AcceptancePeer p;
      p.asset = other;
      auto it = by_id.find(other);
      p.label = it != by_id.end() ? label(*it->second) : other;
      p.protocol = e.protocol;
      p.transport = e.transport;
      p.direction = out_dir ? "out" : "in";
      p.port = e.port;
      p.packets = e.packets;
      p.bytes = e.bytes;
      p.first_us = e.first_us;
      p.last_us = e.last_us;
      if (it != by_id.end()) p.external_reason = external_reason(*it->second, in.zones, &p.external_ip);
      p.external = !p.external_reason.empty();
      if (!out_dir) services.insert(fmt::format("{}/{} {}", e.protocol, e.transport, e.port));
      if (p.external) out.external.emplace_back(a->id, p);
      d.peers.push_back(std::move(p));
    }
    d.services.assign(services.begin(), services.end());
    out.devices.push_back(std::move(d));
  }
  return out;
}

namespace {

ordered_json peer_json(const AcceptancePeer& p) {
  ordered_json j;
  j["asset"] = p.asset;
  j["peer"] = sanitize_utf8(p.label);
  j["direction"] = p.direction;
  j["protocol"] = p.protocol;
  j["transport"] = p.transport;
  j["port"] = p.port;
  j["packets"] = p.packets;
  j["bytes"] = p.bytes;
  j["first_seen"] = p.first_us ? ordered_json(format_time_us(p.first_us)) : ordered_json();
  j["last_seen"] = p.last_us ? ordered_json(format_time_us(p.last_us)) : ordered_json();
  j["external"] = p.external;
  j["external_reason"] = p.external ? ordered_json(p.external_reason) : ordered_json();
  return j;
}

std::string ident(const ordered_json& id, const char* k) {
  const auto& v = id[k];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string t;
    for (const auto& x : v) t += (t.empty() ? "" : " ") + (x.is_string() ? x.get<std::string>() : x.dump());
    return t;
  }
  return v.is_null() ? std::string() : v.dump();
}

// A value as the report shows it: the class by its name in `lang`, the rest as is.
std::string shown(const ordered_json& id, const char* k, Lang lang) {
  const std::string v = ident(id, k);
  if (std::string_view(k) == "class" && has_msg("class." + v)) return std::string(msg(lang, "class." + v));
  return v;
}

}  // namespace

ordered_json acceptance_json(const AcceptanceReport& r, const AcceptanceInput& in) {
  ordered_json j;
  j["schema"] = kAcceptanceSchema;
  j["generated_at"] = format_time_us(in.generated_us);
  j["sensor_name"] = sanitize_utf8(in.sensor_name);
  j["item"] = "4-5";
  j["since"] = in.since_us ? ordered_json(format_time_us(in.since_us)) : ordered_json();
  j["basis"] = sanitize_utf8(in.basis);
  auto devs = ordered_json::array();
  for (const auto& d : r.devices) {
    ordered_json dj;
    dj["asset"] = d.identity;
    dj["services"] = d.services;
    auto peers = ordered_json::array();
    for (const auto& p : d.peers) peers.push_back(peer_json(p));
    dj["peers"] = peers;
    devs.push_back(std::move(dj));
  }
  j["devices"] = devs;
  auto ext = ordered_json::array();
  for (const auto& [dev, p] : r.external) {
    ordered_json e = peer_json(p);
    e["device"] = dev;
    ext.push_back(std::move(e));
  }
  j["external_connections"] = ext;
  j["counts"] = {{"devices", r.devices.size()}, {"external_connections", r.external.size()}};
  return j;
}

std::string acceptance_text(const AcceptanceReport& r, const AcceptanceInput& in, Lang lang) {
  auto m = [&](std::string_view k) { return std::string(msg(lang, k)); };
  auto filled = [&](std::string_view k, std::string_view name, const std::string& value) {
    std::string t = m(k);
    const std::string ph = "{" + std::string(name) + "}";
    if (const auto at = t.find(ph); at != std::string::npos) t.replace(at, ph.size(), value);
    return t;
  };
  std::string o;
  o += m("acceptance.title") + "\n" + m("acceptance.item") + "\n";
  o += fmt::format("{}: {}  {}: {}\n{}: {}\n\n", m("acceptance.since"), when(in.since_us, in.time_zone), m("acceptance.basis"),
                   terminal_safe(basis_text(in.basis, lang)), m("acceptance.new_devices"), r.devices.size());
  if (r.devices.empty()) o += m("acceptance.no_devices") + "\n";
  for (const auto& d : r.devices) {
    const auto& id = d.identity;
    o += fmt::format("* {} {} {}\n", ident(id, "mac").empty() ? d.asset : ident(id, "mac"), ident(id, "ips"),
                     shown(id, "class", lang));
    for (const char* k : {"vendor", "product", "revision", "serial", "name", "protocols", "first_seen"}) {
      const std::string v = ident(id, k);
      if (!v.empty()) o += fmt::format("    {}: {}\n", m(std::string("col.") + k), terminal_safe(v));
    }
    if (!d.services.empty()) {
      o += "    " + m("acceptance.services") + ":";
      for (const auto& s : d.services) o += " " + s;
      o += "\n";
    }
    for (const auto& p : d.peers)
      o += fmt::format("    {} {} {} {}/{} {} ({}){}\n", p.direction == "out" ? "->" : "<-", terminal_safe(p.label),
                       m(p.direction == "out" ? "dir.out" : "dir.in"), p.protocol, p.transport, p.port,
                       filled("acceptance.packets", "n", std::to_string(p.packets)),
                       p.external ? " [" + m("acceptance.external") + ": " + external_reason_text(p, lang) + "]" : "");
  }
  o += "\n" + m("acceptance.external") + ": " + std::to_string(r.external.size()) + "\n";
  if (r.external.empty()) o += m("acceptance.external_none") + "\n";
  for (const auto& [dev, p] : r.external)
    o += fmt::format("  {} {} {} {} {} {} {}: {}\n", dev, p.direction == "out" ? "->" : "<-", terminal_safe(p.label),
                     external_reason_text(p, lang), p.protocol, m("acceptance.port"), p.port, when(p.first_us, in.time_zone));
  o += "\n" + m("acceptance.signoff") + ": " + m("acceptance.inspector") + " ________  " + m("acceptance.date") +
       " ________  " + m("acceptance.signature") + " ________\n";
  return o;
}

std::string acceptance_html(const AcceptanceReport& r, const AcceptanceInput& in, Lang lang) {
  auto m = [&](std::string_view k) { return html_escape(msg(lang, k)); };
  std::string h = "<!DOCTYPE html>\n<html lang=\"" + std::string(lang_code(lang)) + "\"><head><meta charset=\"utf-8\">";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
  h += "<title>" + m("acceptance.title") + "</title><style>"
       "body{font-family:\"Noto Sans CJK JP\",sans-serif;margin:2em;font-size:11pt}"
       "table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{border:1px solid #aab;padding:.2em .4em;"
       "text-align:left;vertical-align:top;word-break:break-all}th{background:#eef}.device{border:1px solid #99a;"
       "padding:.6em;margin:1em 0;page-break-inside:avoid}.ext{background:#fdd}</style></head><body>\n";
  h += "<h1>" + m("acceptance.title") + "</h1><p>" + m("acceptance.item") + "</p>\n";
  h += "<section id=\"summary\"><table><tr><th>" + m("acceptance.since") + "</th><td>" + html_escape(when(in.since_us, in.time_zone)) +
       "</td></tr><tr><th>" + m("acceptance.basis") + "</th><td>" + html_escape(basis_text(in.basis, lang)) + "</td></tr><tr><th>" +
       m("label.sensor") + "</th><td>" + html_escape(in.sensor_name) + "</td></tr><tr><th>" + m("label.generated_at") +
       "</th><td>" + html_escape(when(in.generated_us, in.time_zone)) + "</td></tr><tr><th>" + m("acceptance.new_devices") +
       "</th><td>" + std::to_string(r.devices.size()) + "</td></tr></table></section>\n";
  h += "<section id=\"devices\"><h2>" + m("acceptance.new_devices") + "</h2>\n";
  if (r.devices.empty()) h += "<p>" + m("acceptance.no_devices") + "</p>\n";
  for (const auto& d : r.devices) {
    h += "<div class=\"device\" id=\"dev-" + html_escape(d.asset) + "\"><h3>" + html_escape(ident(d.identity, "mac")) +
         " " + html_escape(ident(d.identity, "ips")) + "</h3><h4>" + m("acceptance.identity") + "</h4><table>\n";
    for (const char* k : {"vendor", "product", "revision", "serial", "name", "class", "protocols", "first_seen",
                          "last_seen"})
      h += "<tr><th>" + m(std::string("col.") + k) + "</th><td>" + html_escape(shown(d.identity, k, lang)) + "</td></tr>\n";
    h += "</table><h4>" + m("acceptance.services") + "</h4><p>";
    for (const auto& s : d.services) h += html_escape(s) + "<br>";
    if (d.services.empty()) h += m("label.none");
    h += "</p><h4>" + m("acceptance.peers") + "</h4><table><tr><th>" + m("col.direction") + "</th><th>" +
         m("col.peer") + "</th><th>" + m("col.protocol") + "</th><th>" + m("col.port") + "</th><th>" +
         m("col.packets") + "</th><th>" + m("col.first_seen") + "</th></tr>\n";
    for (const auto& p : d.peers)
      h += std::string(p.external ? "<tr class=\"ext\">" : "<tr>") + "<td>" +
           m(p.direction == "out" ? "dir.out" : "dir.in") + "</td><td>" + html_escape(p.label) +
           (p.external ? " (" + html_escape(external_reason_text(p, lang)) + ")" : "") + "</td><td>" + html_escape(p.protocol) +
           "/" + html_escape(p.transport) + "</td><td>" + std::to_string(p.port) + "</td><td>" +
           std::to_string(p.packets) + "</td><td>" + html_escape(when(p.first_us, in.time_zone)) + "</td></tr>\n";
    h += "</table></div>\n";
  }
  h += "</section>\n<section id=\"external\"><h2>" + m("acceptance.external") + "</h2>\n";
  if (r.external.empty()) h += "<p>" + m("acceptance.external_none") + "</p>\n";
  else {
    h += "<table><tr><th>ID</th><th>" + m("col.direction") + "</th><th>" + m("col.peer") + "</th><th>" +
         m("col.protocol") + "</th><th>" + m("col.port") + "</th><th>" + m("col.first_seen") + "</th></tr>\n";
    for (const auto& [dev, p] : r.external)
      h += "<tr><td>" + html_escape(dev) + "</td><td>" + m(p.direction == "out" ? "dir.out" : "dir.in") + "</td><td>" +
           html_escape(p.label) + " (" + html_escape(external_reason_text(p, lang)) + ")</td><td>" + html_escape(p.protocol) +
           "</td><td>" + std::to_string(p.port) + "</td><td>" + html_escape(when(p.first_us, in.time_zone)) + "</td></tr>\n";
    h += "</table>\n";
  }
  h += "</section>\n<section id=\"signoff\"><h2>" + m("acceptance.signoff") + "</h2><table><tr><th>" +
       m("acceptance.inspector") + "</th><td>&nbsp;</td><th>" + m("acceptance.date") + "</th><td>&nbsp;</td><th>" +
       m("acceptance.signature") + "</th><td>&nbsp;</td></tr></table></section>\n</body></html>\n";
  return h;
}

std::optional<Baseline> pick_baseline(const std::vector<SnapshotInfo>& snapshots, std::string_view spec,
                                      std::int64_t (*offset_for_local)(std::int64_t), std::string& error) {
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it)
    if (it->name == spec) return Baseline{*it, "snapshot " + it->name};
  auto t = parse_time_arg(spec, offset_for_local);
  if (!t) {
    error = "baseline " + sanitize_utf8(spec) +
            ": no snapshot has this name and it is not a time or date (e.g. 2026-11-20); list them with `mieruka "
            "snapshot list`";
    return std::nullopt;
  }
  // A date alone ("2026-11-20") means the whole day: up to its last microsecond.
  const bool date_only = spec.size() == 10 && spec[4] == '-' && spec[7] == '-';
  const std::int64_t until = date_only ? *t + 24LL * 3600 * 1000000 - 1 : *t;
  const SnapshotInfo* best = nullptr;
  for (const auto& s : snapshots)
    if (s.taken_us <= until && (best == nullptr || s.taken_us >= best->taken_us)) best = &s;
  if (best == nullptr) {
    error = "baseline " + sanitize_utf8(spec) + ": no snapshot was taken at or before " + format_time_us(until) +
            "; list them with `mieruka snapshot list`";
    return std::nullopt;
  }
  return Baseline{*best, "snapshot " + best->name + " (newest at or before " + sanitize_utf8(spec) + ")"};
}

std::string external_reason_text(const AcceptancePeer& p, Lang lang) {
  if (!p.external) return {};
  if (p.external_ip.empty()) return std::string(msg(lang, "acceptance.outside_zones"));
  return std::string(msg(lang, "acceptance.public_address")) + " " + p.external_ip;
}

}  // namespace mieruka::inventory
