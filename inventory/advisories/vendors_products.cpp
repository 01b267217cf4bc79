// The data tables of advisory matching, in one place: who makes what (maker
// keys for every way a maker's name is written) and which product family an
// identity string a device sends belongs to. And identity_of(), which reads a
// ledger asset into those terms.
#include <algorithm>
#include <regex>

#include "dissectors/registry.hpp"
#include "inventory/advisories/advisory.hpp"
#include "inventory/advisories/text.hpp"
#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory::advisories {
namespace {

// --- makers -------------------------------------------------------------------
// A name part (see vendor_key) belongs to a maker when its words begin with
// one of the maker's aliases. Aliases are lower-case words; the longest alias
// that fits wins ("hitachi energy" before "hitachi"). Spellings come from the
// CISA CSAF vendor branches, the IEEE OUI registry and the ODVA CIP vendor
// list (dissectors/cip_tables.cpp). Group companies whose products advisories
// publish under another name keep their own key (Hitachi Energy, Contec Health,
// ICONICS), and names that only share a word are absent ("Mitsubishi Heavy
// Industries", "Phoenix Digital", "Fuji Machine").
struct Maker {
  std::string_view key;
  std::string_view alias;
};
constexpr Maker kMakers[] = {
    {"mitsubishi_electric", "mitsubishi electric"},
    {"omron", "omron"},
    {"keyence", "keyence"},
    {"yokogawa", "yokogawa"},
    {"fuji_electric", "fuji electric"},
    {"panasonic", "panasonic"},
    {"hitachi_energy", "hitachi energy"},
    {"hitachi_energy", "hitachi abb power grids"},
    {"hitachi", "hitachi"},
    {"siemens", "siemens"},
    {"rockwell_automation", "rockwell automation"},
    {"rockwell_automation", "rockwell software"},
    {"rockwell_automation", "allen bradley"},
    {"schneider_electric", "schneider electric"},
    {"schneider_electric", "schneider automation"},
    {"moxa", "moxa"},
    {"phoenix_contact", "phoenix contact"},
    {"belden", "belden"},
    {"belden", "hirschmann"},
    {"hms", "hms networks"},
    {"hms", "hms industrial networks"},
    {"hms", "ewon"},
    {"teltonika", "teltonika"},
    {"teltonika", "uab teltonika"},
    {"contec", "contec"},
    {"contec_health", "contec health"},
    {"contec_health", "contec medical"},
    {"digital_electronics", "digital electronics"},
    {"digital_electronics", "pro face"},
    {"digital_electronics", "proface"},
    {"yaskawa", "yaskawa"},
    {"toshiba", "toshiba"},
    {"fanuc", "fanuc"},
    {"abb", "abb"},
    {"wago", "wago"},
    {"beckhoff", "beckhoff"},
    {"idec", "idec"},
    {"azbil", "azbil"},
    {"azbil", "yamatake"},
    {"jtekt", "jtekt"},
    {"iconics", "iconics"},
    {"advantech", "advantech"},
    {"delta_electronics", "delta electronics"},
    {"honeywell", "honeywell"},
    {"emerson", "emerson"},
    {"ge", "general electric"},
    {"ge", "ge fanuc"},
    {"ge", "ge industrial"},
    {"ge", "ge vernova"},
    {"hilscher", "hilscher"},
};

// Japanese names: the name, without 株式会社 / (株), begins with the alias.
constexpr Maker kMakersJa[] = {
    {"mitsubishi_electric", "三菱電機"},
    {"omron", "オムロン"},
    {"keyence", "キーエンス"},
    {"yokogawa", "横河電機"},
    {"yokogawa", "横河"},
    {"fuji_electric", "富士電機"},
    {"panasonic", "パナソニック"},
    {"hitachi_energy", "日立エナジー"},
    {"hitachi", "日立"},
    {"siemens", "シーメンス"},
    {"rockwell_automation", "ロックウェル"},
    {"schneider_electric", "シュナイダー"},
    {"yaskawa", "安川電機"},
    {"toshiba", "東芝"},
    {"fanuc", "ファナック"},
    {"azbil", "アズビル"},
    {"jtekt", "ジェイテクト"},
    {"contec", "コンテック"},
    {"moxa", "モクサ"},
    {"phoenix_contact", "フエニックス・コンタクト"},
    {"phoenix_contact", "フェニックス・コンタクト"},
    {"phoenix_contact", "フエニックスコンタクト"},
    {"phoenix_contact", "フェニックスコンタクト"},
    {"idec", "ＩＤＥＣ"},
};

// Lower-case words of an ASCII name part; punctuation separates words.
std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (is_alnum(c)) {
      w += fold_char(c);
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

std::string_view key_of_part(std::string_view part) {
  const auto words = words_of(part);
  if (words.empty()) return {};
  std::string_view best;
  std::size_t best_len = 0;
  for (const auto& m : kMakers) {
    const auto alias = words_of(m.alias);
    if (alias.size() > words.size() || alias.size() <= best_len) continue;
    if (std::equal(alias.begin(), alias.end(), words.begin())) {
      best = m.key;
      best_len = alias.size();
    }
  }
  return best;
}

std::string without(std::string_view s, std::string_view what) { return replace_all(s, what, ""); }

}  // namespace

std::vector<std::string> vendor_keys_listed(std::string_view name) {
  std::vector<std::string> out;
  name = trim(name);
  if (name.size() > 512) return out;
  std::string s(name);
  for (char& c : s)
    if (c == ',' || c == ';' || c == '&' || c == '/' || c == '+') c = '|';
  for (std::string_view sep : {" and ", " AND ", " And "}) s = replace_all(s, sep, "|");
  for (std::string_view part : split(s, '|')) {
    const std::string k(key_of_part(part));
    if (!k.empty() && std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

std::string vendor_key(std::string_view name) {
  name = trim(name);
  if (name.empty() || name.size() > 512) return {};
  // Japanese (any byte above 0x7F): the company name after its legal form.
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    std::string s(name);
    for (std::string_view w : {"株式会社", "（株）", "(株)", "㈱", " ", "\xE3\x80\x80"}) s = without(s, w);
    for (const auto& m : kMakersJa)
      if (s.starts_with(m.alias)) return std::string(m.key);
    if (s == "デジタル") return "digital_electronics";  // 株式会社デジタル (Pro-face)
  }
  // One maker per part of a list ("ABB, Phoenix Contact, ... and WAGO"): a name
  // that lists several makers is no one maker.
  auto keys = vendor_keys_listed(name);
  return keys.size() == 1 ? keys.front() : std::string();
}

// --- product families -------------------------------------------------------------
// An identity string a device sends (upper case, single spaces) -> the product
// family names advisories use for it. The first name is the family; the others
// are the same family as advisories also write it. "$1" stands for the
// pattern's first group.
//
// Moxa MGate: Moxa's datasheets put the isolated and wide-temperature variants
// ("MB3170I", "MB3170-T") in the series of their four-digit base, so "MB3170
// Series" names them; a plain "MB3170" in an advisory names only the MB3170.
struct FamilyRule {
  std::string_view vendor_key;
  std::string_view pattern;  // ECMAScript, matched against the whole normalised model
  std::vector<std::string_view> families;
};

const std::vector<FamilyRule>& family_rules() {
  static const std::vector<FamilyRule> rules{
      // Mitsubishi Electric MELSEC CPUs (SLMP Read Type Name model names).
      {"mitsubishi_electric", R"(R\d+[A-Z]*CPU(-[A-Z0-9]+)?)", {"MELSEC iQ-R Series", "MELSEC iQ-R"}},
      {"mitsubishi_electric", R"(Q\d+[A-Z]*CPU(-[A-Z0-9]+)?)", {"MELSEC-Q Series", "MELSEC Q Series", "MELSEC-Q"}},
      {"mitsubishi_electric", R"(L\d+[A-Z]*CPU(-[A-Z0-9]+)?)", {"MELSEC-L Series", "MELSEC L Series", "MELSEC-L"}},
      {"mitsubishi_electric", R"(FX5[A-Z]*(-.*)?)", {"MELSEC iQ-F Series", "MELSEC iQ-F"}},
      {"mitsubishi_electric", R"(FX3[A-Z]*(-.*)?)", {"MELSEC-F Series", "MELSEC-F", "MELSEC F Series"}},
      // Siemens SIMATIC CPUs by order number (MLFB, SZL 0x0011) or module type name.
      {"siemens", R"(6ES7 ?51[0-9]-.*)", {"SIMATIC S7-1500", "S7-1500"}},
      {"siemens", R"(CPU 15\d\d[A-Z]*(-.*)?)", {"SIMATIC S7-1500", "S7-1500"}},
      {"siemens", R"(6ES7 ?21[1-7]-.*)", {"SIMATIC S7-1200", "S7-1200"}},
      {"siemens", R"(CPU 12\d\d[A-Z]*( .*)?)", {"SIMATIC S7-1200", "S7-1200"}},
      {"siemens", R"(6ES7 ?288-.*)", {"SIMATIC S7-200 SMART", "S7-200 SMART"}},
      {"siemens", R"(6ES7 ?31[2-9]-.*)", {"SIMATIC S7-300", "S7-300"}},
      {"siemens", R"(6ES7 ?41[2-7]-.*)", {"SIMATIC S7-400", "S7-400"}},
      // Omron (FINS Controller Data Read model names).
      // CJ2M, CJ2H and CJ1 are all Omron's CJ series (advisories about FINS name
      // "CJ series" whole); CS1 is the CS series.
      {"omron", R"(CJ2M-.*)", {"SYSMAC CJ2M", "CJ2M", "SYSMAC CJ", "CJ"}},
      {"omron", R"(CJ2H-.*)", {"SYSMAC CJ2H", "CJ2H", "SYSMAC CJ", "CJ"}},
      {"omron", R"(CJ1[A-Z]?-.*)", {"SYSMAC CJ1", "CJ1", "SYSMAC CJ", "CJ"}},
      {"omron", R"(CS1[A-Z]?-.*)", {"SYSMAC CS1", "CS1", "SYSMAC CS", "CS"}},
      {"omron", R"(CP1E-.*)", {"SYSMAC CP1E", "CP1E"}},
      {"omron", R"(CP1L-.*)", {"SYSMAC CP1L", "CP1L"}},
      {"omron", R"(CP1H-.*)", {"SYSMAC CP1H", "CP1H"}},
      {"omron", R"(NJ[0-9]+-.*)", {"NJ Series", "Sysmac NJ", "NJ"}},
      {"omron", R"(NX[0-9]+[A-Z0-9]*-.*)", {"NX Series", "Sysmac NX", "NX"}},
      // Rockwell Automation Logix controllers (CIP Identity product names).
      {"rockwell_automation", R"(1756-L8\dE?S.*)", {"GuardLogix 5580"}},
      {"rockwell_automation", R"(1756-L8.*)", {"ControlLogix 5580"}},
      {"rockwell_automation", R"(1756-L7\dS.*)", {"GuardLogix 5570"}},
      {"rockwell_automation", R"(1756-L7.*)", {"ControlLogix 5570"}},
      {"rockwell_automation", R"(5069-L3\d+[A-Z]*S2.*)", {"Compact GuardLogix 5380"}},
      {"rockwell_automation", R"(5069-L3.*)", {"CompactLogix 5380"}},
      {"rockwell_automation", R"(5069-L4\d+[A-Z]*S2.*)", {"Compact GuardLogix 5480"}},
      {"rockwell_automation", R"(5069-L4.*)", {"CompactLogix 5480"}},
      {"rockwell_automation", R"(1769-L3.*)", {"CompactLogix 5370"}},
      // Moxa MGate protocol gateways.
      {"moxa", R"((?:MGATE )?(MB\d{4})[A-Z]*(-.*)?)", {"$1 Series", "MGate $1 Series"}},
  };
  return rules;
}

std::string normalise_model(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : trim(s)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += upper_char(c);
  }
  // "5069 - L4" as "5069-L4".
  return replace_all(out, " - ", "-");
}

std::vector<std::string> families_of(std::string_view vendor_key_value, std::string_view model) {
  std::vector<std::string> out;
  const std::string m = normalise_model(model);
  if (m.empty() || m.size() > 256) return out;
  static const std::vector<std::regex> compiled = [] {
    std::vector<std::regex> out;
    for (const auto& rule : family_rules()) out.emplace_back(std::string(rule.pattern), std::regex::ECMAScript);
    return out;
  }();
  for (std::size_t i = 0; i < family_rules().size(); ++i) {
    const auto& rule = family_rules()[i];
    if (rule.vendor_key != vendor_key_value) continue;
    std::smatch sm;
    if (!std::regex_match(m, sm, compiled[i])) continue;
    for (std::string_view f : rule.families) {
      std::string name(f);
      if (const auto at = name.find("$1"); at != std::string::npos)
        name.replace(at, 2, sm.size() > 1 ? sm[1].str() : std::string());
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    break;  // the first rule that fits: rules go from specific to general
  }
  return out;
}

// --- the ledger's view of a device ------------------------------------------------
namespace {

// Sources that do not describe the device itself: the network chip's maker,
// a stack fingerprint, the plant's own list, names from name services.
bool from_the_device(std::string_view source) {
  if (const auto* p = dissectors::protocol_info(source); p != nullptr && p->name_service) return false;
  for (std::string_view s : {"oui", "tcp_fingerprint", "approved_list"})
    if (source == s) return false;
  return true;
}

// Revision facts that are not the firmware version advisories name: SLMP node
// search's equipment version is a hardware/equipment code in hex.
bool is_firmware(const FactRecord& f) {
  if (!from_the_device(f.source) || f.source == "slmp_node_search") return false;
  const std::string_view v = trim(f.value);
  return !v.empty() && !(v.size() > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'));
}

std::vector<const FactRecord*> by_priority(const Asset& a, std::string_view field) {
  std::vector<const FactRecord*> out;
  for (const auto& f : a.facts)
    if (f.field == field) out.push_back(&f);
  std::stable_sort(out.begin(), out.end(), [](const FactRecord* x, const FactRecord* y) {
    const int px = Ledger::source_priority(x->source), py = Ledger::source_priority(y->source);
    if (px != py) return px > py;
    return x->last_us > y->last_us;
  });
  return out;
}

void add_model(std::vector<std::string>& models, std::string_view value) {
  std::string v(trim(value));
  if (v.empty() || v.size() > 256) return;
  auto add = [&](std::string s) {
    if (!s.empty() && std::find(models.begin(), models.end(), s) == models.end()) models.push_back(std::move(s));
  };
  add(v);
  // "1756-L85E/B LOGIX5585E" (CIP product name): the catalogue number, and it
  // without the series letter.
  const auto space = v.find(' ');
  std::string first = v.substr(0, space);
  const bool has_digit = std::any_of(first.begin(), first.end(), [](char c) { return c >= '0' && c <= '9'; });
  const bool has_alpha = std::any_of(first.begin(), first.end(), [](char c) { return is_alnum(c) && !(c >= '0' && c <= '9'); });
  // Only a catalogue number ("1756-L85E/B"): a first word without a dash may
  // be the start of one ("6ES7 516-3AN01-0AB0") and would name too much.
  const bool catalogue = first.size() >= 5 && first.find('-') != std::string::npos && has_digit && has_alpha;
  if (space != std::string::npos && catalogue) add(first);
  if (catalogue && first[first.size() - 2] == '/' && is_alnum(first.back()))
    add(first.substr(0, first.size() - 2));
  // "MGate MB3170": the model without the brand word.
  if (space != std::string::npos && iequals(v.substr(0, space), "mgate")) add(v.substr(space + 1));
}

}  // namespace

DeviceIdentity identity_of(const Asset& a) {
  DeviceIdentity d;
  d.asset_id = a.id;
  for (const FactRecord* f : by_priority(a, field::vendor)) {
    d.vendor_key = vendor_key(f->value);
    if (!d.vendor_key.empty()) break;
  }
  for (std::string_view fld : {field::product, field::model}) {
    for (const FactRecord* f : by_priority(a, fld))
      if (from_the_device(f->source)) add_model(d.models, f->value);
  }
  // A product code is a model only when it reads as one (Modbus 43/14
  // "TM221CE16R"); CIP's numeric codes and SLMP's hex codes are not.
  for (const FactRecord* f : by_priority(a, field::product_code)) {
    const std::string_view v = trim(f->value);
    const bool digit = std::any_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    const bool letter = std::any_of(v.begin(), v.end(), [](char c) { return is_alnum(c) && !(c >= '0' && c <= '9'); });
    if (from_the_device(f->source) && digit && letter && !(v.size() > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')))
      add_model(d.models, v);
  }
  if (!d.vendor_key.empty()) {
    for (const auto& m : d.models)
      for (auto& fam : families_of(d.vendor_key, m))
        if (std::find(d.families.begin(), d.families.end(), fam) == d.families.end()) d.families.push_back(fam);
  }
  for (const FactRecord* f : by_priority(a, field::revision)) {
    if (!is_firmware(*f)) continue;
    d.firmware = std::string(trim(f->value));
    d.firmware_source = f->source;
    break;
  }
  return d;
}

}  // namespace mieruka::inventory::advisories
