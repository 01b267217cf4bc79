// Which devices an advisory affects. A product of an advisory matches a device
// only when all of these hold:
//   1. maker: the product's maker key equals the device's (never the maker alone:
//      a product must match too; a document naming several makers at once
//      matches none of them unless a product names its maker);
//   2. product: a name, branch, model number, SKU or CPE of the product names one
//      of the device's models as a whole token ("R08CPU" in "MELSEC iQ-R Series
//      R08CPU", but "MB3170" not in "MB3170I" nor "FX5U-32MT" in
//      "FX5U-32MT/ES"), including the advisory's shorthand ("R00/01/02CPU",
//      "R16(EN)CPU", "CJ2M-CPU**", "CJ2H-CPU6 □", "UC-8580 Series" for
//      "UC-8580-LX"); or the product is a whole family of the device
//      ("SIMATIC S7-1500 CPU family", "Omron PLC NJ series"): every text of the
//      product is the family name plus generic words, with no model number
//      that would narrow it;
//   3. status: a vulnerability lists the product as affected and neither fixed
//      nor not affected.
// Then the firmware: in the range -> confirmed; outside -> no match; unknown,
// unreadable or not comparable with the range -> possible. "All versions"
// confirms: any firmware is in that range.
#include <algorithm>
#include <map>
#include <set>

#include "inventory/advisories/advisory.hpp"
#include "inventory/advisories/text.hpp"

namespace mieruka::inventory::advisories {
namespace {

bool joiner(char c) noexcept { return c == '-' || c == '/' || c == '.' || c == '_'; }

// "R08" is not named by "R08(EN)CPU": a parenthesis right after a model continues it.
bool boundary_before(const std::string& t, std::size_t at) noexcept {
  return at == 0 || !(is_alnum(t[at - 1]) || joiner(t[at - 1]) || t[at - 1] == ')');
}
bool boundary_after(const std::string& t, std::size_t end) noexcept {
  if (end >= t.size()) return true;
  if (is_alnum(t[end]) || t[end] == '(') return false;
  return !(joiner(t[end]) && end + 1 < t.size() && is_alnum(t[end + 1]));
}

bool names_token(const std::string& text, const std::string& token) {
  if (token.empty()) return false;
  for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + 1))
    if (boundary_before(text, at) && boundary_after(text, at + token.size())) return true;
  return false;
}

// A word-bounded occurrence (family names: "NJ" in "OMRON PLC NJ SERIES").
bool names_words(const std::string& text, const std::string& words, std::size_t* where = nullptr) {
  if (words.empty()) return false;
  for (auto at = text.find(words); at != std::string::npos; at = text.find(words, at + 1)) {
    const std::size_t end = at + words.size();
    if ((at == 0 || !is_alnum(text[at - 1])) && (end >= text.size() || !is_alnum(text[end]))) {
      if (where) *where = at;
      return true;
    }
  }
  return false;
}

const std::string kSquare = "\xE2\x96\xA1";  // □, Omron's one-character placeholder

// Upper case, single spaces, Japanese "シリーズ" as SERIES, placeholders joined
// to the model they stand in ("CJ2H-CPU6 □" -> "CJ2H-CPU6□").
std::string normalise_text(std::string_view s) {
  std::string t(s.substr(0, std::min<std::size_t>(s.size(), 1024)));
  t = replace_all(std::move(t), "\xE3\x82\xB7\xE3\x83\xAA\xE3\x83\xBC\xE3\x82\xBA", " SERIES");
  t = normalise_model(t);
  t = replace_all(std::move(t), "[]", kSquare);
  for (int i = 0; i < 8; ++i) {
    t = replace_all(std::move(t), " " + kSquare, kSquare);
    t = replace_all(std::move(t), kSquare + " ", kSquare);
  }
  return t;
}

bool is_digit_char(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha_char(char c) noexcept { return is_alnum(c) && !is_digit_char(c); }

// The tokens of a normalised text: what spaces and list punctuation separate.
std::vector<std::string> tokens_of(const std::string& t) {
  std::vector<std::string> out;
  std::string token;
  for (std::size_t i = 0; i <= t.size(); ++i) {
    const char c = i < t.size() ? t[i] : ' ';
    if (c == ' ' || c == ',' || c == ';' || c == ':') {
      if (!token.empty()) out.push_back(std::move(token));
      token.clear();
    } else {
      token += c;
    }
  }
  return out;
}

// The models an advisory writes in shorthand, spelled out: "R00/01/02CPU" ->
// R00CPU R01CPU R02CPU; "R16(EN)CPU" -> R16CPU R16ENCPU. Hand-written scans:
// advisory text is input, and no pattern here may backtrack on it.
std::vector<std::string> expansions(const std::string& t) {
  std::vector<std::string> out;
  for (const auto& token : tokens_of(t)) {
    // An optional part of one to four characters inside a model.
    const auto open = token.find('(');
    if (open != std::string::npos && open > 0 && is_alnum(token[open - 1])) {
      const auto close = token.find(')', open);
      if (close != std::string::npos && close + 1 < token.size() && is_alnum(token[close + 1])) {
        const std::string inner = token.substr(open + 1, close - open - 1);
        if (!inner.empty() && inner.size() <= 4 && std::all_of(inner.begin(), inner.end(), is_alnum)) {
          out.push_back(token.substr(0, open) + token.substr(close + 1));
          out.push_back(token.substr(0, open) + inner + token.substr(close + 1));
        }
      }
    }
    // Letters, numbers separated by '/', then the rest of the model.
    std::size_t i = 0;
    while (i < token.size() && is_alpha_char(token[i])) ++i;
    if (i == 0) continue;
    const std::string lead = token.substr(0, i);
    std::vector<std::string> numbers;
    while (i < token.size() && is_digit_char(token[i])) {
      std::string n;
      while (i < token.size() && is_digit_char(token[i])) n += token[i++];
      numbers.push_back(std::move(n));
      if (i + 1 < token.size() && token[i] == '/' && is_digit_char(token[i + 1])) ++i;
      else break;
    }
    if (numbers.size() < 2 || i >= token.size() || !is_alpha_char(token[i])) continue;
    const std::string rest = token.substr(i);
    if (!std::all_of(rest.begin(), rest.end(), [](char c) { return is_alnum(c) || c == '-'; })) continue;
    for (const auto& n : numbers) out.push_back(lead + n + rest);
  }
  return out;
}

// "CJ2M-CPU**", "CJ2H-CPU6□", "CS1D-CPU□□S": '*' stands for any letters or
// digits, □ for one. Kept as a pattern of '*' and '?'; at least three
// characters before the first placeholder, so "*" alone names nothing.
std::optional<std::string> wildcard(std::string_view token) {
  const auto first = std::min(token.find('*'), token.find(kSquare));
  if (first == std::string_view::npos || first < 3 || token.size() > 128) return std::nullopt;
  std::string pattern;
  for (std::size_t i = 0; i < token.size();) {
    if (token.substr(i).starts_with(kSquare)) {
      pattern += '?';
      i += kSquare.size();
    } else if (token[i] == '*' || is_alnum(token[i]) || token[i] == '-' || token[i] == '/' || token[i] == '.' ||
               token[i] == '_') {
      pattern += token[i++];
    } else {
      return std::nullopt;
    }
  }
  return pattern;
}

// Whole-string match of a wildcard pattern, by dynamic programming over the
// pattern (no backtracking: time is pattern length times text length).
bool wildcard_match(std::string_view pattern, std::string_view s) {
  std::vector<char> row(s.size() + 1, 0), next(s.size() + 1, 0);
  row[0] = 1;
  for (char pc : pattern) {
    std::fill(next.begin(), next.end(), 0);
    for (std::size_t j = 0; j <= s.size(); ++j) {
      if (pc == '*') {
        next[j] = row[j] || (j > 0 && next[j - 1] && is_alnum(s[j - 1]));
      } else if (j > 0 && row[j - 1]) {
        next[j] = pc == '?' ? is_alnum(s[j - 1]) : s[j - 1] == pc;
      }
    }
    row.swap(next);
  }
  return row[s.size()] != 0;
}

std::string alnum_folded(std::string_view s) {
  std::string out;
  for (char c : s)
    if (is_alnum(c)) out += fold_char(c);
  return out;
}

// The product field of a CPE 2.3 ("cpe:2.3:h:mitsubishielectric:r08cpu:...")
// or 2.2 URI ("cpe:/h:mitsubishielectric:r08cpu").
std::string cpe_product(std::string_view cpe) {
  const auto parts = split(cpe, ':');
  if (parts.size() >= 5 && parts[1] == "2.3") return alnum_folded(parts[4]);
  if (parts.size() >= 4 && parts[1].starts_with("/")) return alnum_folded(parts[3]);
  return {};
}

constexpr std::string_view kGeneric[] = {
    "SERIES", "SERIE", "CPU", "CPUS", "MODULE", "MODULES", "UNIT", "UNITS", "FIRMWARE", "FW", "PLC", "PLCS",
    "CONTROLLER", "CONTROLLERS", "PRODUCT", "PRODUCTS", "ALL", "MODEL", "MODELS", "FAMILY", "AND", "THE",
    "OF", "VERSION", "VERSIONS", "DEVICE", "DEVICES", "PROGRAMMABLE", "LOGIC", "INCL", "INCLUDING", "RELATED",
    "VARIANTS", "CORPORATION", "INC", "LTD", "CO",
    // JVN's Japanese product names: unit, module, product(s), firmware, CPU unit.
    "\xE3\x83\xA6\xE3\x83\x8B\xE3\x83\x83\xE3\x83\x88", "\xE3\x83\xA2\xE3\x82\xB8\xE3\x83\xA5\xE3\x83\xBC\xE3\x83\xAB",
    "\xE8\xA3\xBD\xE5\x93\x81", "\xE3\x83\x95\xE3\x82\xA1\xE3\x83\xBC\xE3\x83\xA0\xE3\x82\xA6\xE3\x82\xA7\xE3\x82\xA2"};

// A product's texts prepared once per advisory.
struct Prepared {
  const Product* product = nullptr;
  std::vector<std::string> texts;         // normalised names and the full name
  std::vector<std::string> family_texts;  // the branch names (the full name adds version wording)
  std::vector<std::string> expanded;      // shorthand spelled out
  std::vector<std::string> patterns;      // wildcard model names
  std::vector<std::string> numbers;       // model numbers and SKUs, no spaces
  std::vector<std::string> number_patterns;
  std::vector<std::string> cpe_products;
  std::set<std::string> vendor_words;
  std::vector<std::string> cves;          // affected and not fixed
  std::string display;                    // the product's name as written, for `why`
};

std::string without_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

Prepared prepare(const Product& p, const Advisory& a) {
  Prepared out;
  out.product = &p;
  std::string full = p.full_name;
  if (!p.versions.text.empty() && full.ends_with(p.versions.text)) {
    full.resize(full.size() - p.versions.text.size());
    while (!full.empty() && (full.back() == ' ' || full.back() == ':')) full.pop_back();
  }
  std::vector<std::string> raw = p.names;
  if (!full.empty()) raw.push_back(full);
  out.display = !full.empty() ? full : (p.names.empty() ? p.product_id : p.names.back());
  for (const auto& r : raw) {
    std::string t = normalise_text(r);
    if (t.empty() || std::find(out.texts.begin(), out.texts.end(), t) != out.texts.end()) continue;
    for (auto& e : expansions(t)) out.expanded.push_back(std::move(e));
    std::string token;
    for (std::size_t i = 0; i <= t.size(); ++i) {
      const char c = i < t.size() ? t[i] : ' ';
      if (c == ' ' || c == ',' || c == ';' || c == ':' || c == '(' || c == ')') {
        if (auto re = wildcard(token)) out.patterns.push_back(std::move(*re));
        token.clear();
      } else {
        token += c;
      }
    }
    out.texts.push_back(std::move(t));
  }
  for (const auto& n : p.names)
    if (auto t = normalise_text(n); !t.empty()) out.family_texts.push_back(std::move(t));
  if (out.family_texts.empty() && !full.empty()) {
    const auto colon = full.rfind(": ");
    out.family_texts.push_back(normalise_text(colon == std::string::npos ? full : full.substr(0, colon)));
  }
  for (const auto* list : {&p.model_numbers, &p.skus})
    for (const auto& n : *list) {
      std::string v = without_spaces(normalise_text(n));
      if (v.empty()) continue;
      if (auto re = wildcard(v)) out.number_patterns.push_back(std::move(*re));
      out.numbers.push_back(std::move(v));
    }
  for (const auto& c : p.cpes)
    if (auto prod = cpe_product(c); !prod.empty()) out.cpe_products.push_back(std::move(prod));
  std::string w;
  for (char c : normalise_text(p.vendor) + " ") {
    if (is_alnum(c) || static_cast<unsigned char>(c) >= 0x80) {
      w += c;
    } else if (!w.empty()) {
      out.vendor_words.insert(w);
      w.clear();
    }
  }
  for (const auto& v : a.vulnerabilities) {
    auto has = [&](const std::vector<std::string>& ids) {
      return std::find(ids.begin(), ids.end(), p.product_id) != ids.end();
    };
    if (!has(v.known_affected) || has(v.fixed) || has(v.not_affected)) continue;
    std::string id = !v.cve.empty() ? v.cve : (v.ids.empty() ? a.id : v.ids.front());
    if (std::find(out.cves.begin(), out.cves.end(), id) == out.cves.end()) out.cves.push_back(std::move(id));
  }
  return out;
}

// A device as the matcher compares it, prepared once per match() call: its
// models normalised (Siemens order numbers also without the space S7 puts
// after the fourth character), compacted and folded, and its family names.
struct PreparedDevice {
  const DeviceIdentity* device = nullptr;
  std::vector<std::string> models, compact, folded;
  std::vector<std::pair<std::string, std::string>> families;  // normalised, as the table writes it
  std::string signature;  // devices with the same signature name the same products
};

PreparedDevice prepare_device(const DeviceIdentity& d) {
  PreparedDevice out;
  out.device = &d;
  for (const auto& m : d.models) {
    std::string n = normalise_text(m);
    if (n.empty()) continue;
    if (n.size() > 5 && n[0] == '6' && n[4] == ' ') out.models.push_back(without_spaces(n));
    out.models.push_back(std::move(n));
  }
  for (const auto& m : out.models) {
    out.compact.push_back(without_spaces(m));
    out.folded.push_back(alnum_folded(m));
    out.signature += m + '\n';
  }
  out.signature += '\n';
  for (const auto& f : d.families) {
    out.families.emplace_back(normalise_text(f), f);
    out.signature += f + '\n';
  }
  std::sort(out.families.begin(), out.families.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return out;
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Why a product names a device: the English text of `why` and the same as
// evidence values (a "match." kind of the catalog, inventory/policy/evidence.cpp,
// whose English template gives `text`). Empty text: it does not.
struct Hit {
  std::string text;
  nlohmann::json values;
};
Hit named_as(std::string text, std::string_view kind, const std::string& model) {
  return {std::move(text), {{"kind", kind}, {"model", model}}};
}

// Why the product names the device, or empty.
Hit model_hit(const Prepared& p, const PreparedDevice& d) {
  for (std::size_t i = 0; i < d.models.size(); ++i) {
    const std::string& m = d.models[i];
    for (const auto& n : p.numbers)
      if (n == d.compact[i]) return named_as("model number " + m, "match.model_number", m);
    for (const auto& re : p.number_patterns)
      if (wildcard_match(re, d.compact[i])) return named_as("model number " + m, "match.model_number", m);
    for (const auto& c : p.cpe_products)
      if (c == d.folded[i]) return named_as("CPE names " + m, "match.cpe", m);
    // In running text a model has letters and digits: "SIMATIC" and "NPort" are
    // brands, "2.4" or "8" a version.
    if (m.size() < 3 || !has_digit(m) || std::none_of(m.begin(), m.end(), is_alpha_char)) continue;
    for (const auto& t : p.texts)
      if (names_token(t, m)) return named_as("model " + m, "match.model", m);
    for (const auto& e : p.expanded)
      if (e == m) return named_as("model " + m, "match.model", m);
    for (const auto& re : p.patterns)
      if (wildcard_match(re, m)) return named_as("model " + m, "match.model", m);
    // "UC-8580 Series" names "UC-8580-LX": the series of the model's stem.
    for (std::size_t cut = 0; (cut = m.find_first_of("-/ ", cut + 1)) != std::string::npos;) {
      const std::string stem = m.substr(0, cut);
      if (stem.size() < 4 || !has_digit(stem)) continue;
      for (const auto& t : p.texts)
        if (names_words(t, stem + " SERIES"))
          return {"model " + m + " in the " + stem + " series",
                  {{"kind", "match.model_series"}, {"model", m}, {"series", stem}}};
    }
  }
  return {};
}

// A catalogue number in parentheses that covers the device: "(1756 - L8z)"
// for 1756-L85E ('z' and 'x' after a digit stand for the rest), "(5069 - L4)"
// for 5069-L430ER.
bool covers(const std::string& inner, const std::vector<std::string>& models) {
  std::string stem = without_spaces(inner);
  for (std::size_t i = 1; i < stem.size(); ++i)
    if ((stem[i] == 'Z' || stem[i] == 'X') && stem[i - 1] >= '0' && stem[i - 1] <= '9') {
      stem.resize(i);
      break;
    }
  if (stem.size() < 4) return false;
  return std::any_of(models.begin(), models.end(),
                     [&](const std::string& m) { return without_spaces(m).starts_with(stem); });
}

// The family names the product and nothing narrower.
Hit family_hit(const Prepared& p, const PreparedDevice& d) {
  const auto& fams = d.families;
  const auto& models = d.models;
  if (fams.empty() || !p.numbers.empty() || !p.cpe_products.empty()) return {};
  std::string named;
  for (const auto& t : p.family_texts) {
    std::string rest = t;
    // Parentheses hold remarks and variant lists; a model number in them
    // narrows the product unless it is a catalogue stem covering the device.
    for (auto open = rest.find('('); open != std::string::npos; open = rest.find('(')) {
      const auto close = rest.find(')', open);
      if (close == std::string::npos) return {};
      const std::string inner = rest.substr(open + 1, close - open - 1);
      if (has_digit(inner) && !covers(inner, models)) return {};
      rest = rest.substr(0, open) + " " + rest.substr(close + 1);
    }
    for (const auto& [f, written] : fams) {
      std::size_t at = 0;
      while (names_words(rest, f, &at)) {
        if (named.empty()) named = written;
        rest = rest.substr(0, at) + " " + rest.substr(at + f.size());
      }
    }
    // Words: runs of ASCII letters and digits, or of other UTF-8 text
    // ("CPUユニット" is CPU and ユニット).
    std::string w;
    bool w_ascii = true;
    auto acceptable = [&](const std::string& word) {
      return std::find(std::begin(kGeneric), std::end(kGeneric), word) != std::end(kGeneric) ||
             p.vendor_words.contains(word);
    };
    for (char c : rest + " ") {
      const bool ascii_word = is_alnum(c);
      const bool other_word = static_cast<unsigned char>(c) >= 0x80;
      if ((ascii_word || other_word) && (w.empty() || w_ascii == ascii_word)) {
        w_ascii = ascii_word;
        w += c;
        continue;
      }
      if (!w.empty()) {
        if (!acceptable(w)) return {};
        w.clear();
      }
      if (ascii_word || other_word) {
        w_ascii = ascii_word;
        w += c;
      }
    }
  }
  if (named.empty()) return {};
  return {"family " + named, {{"kind", "match.family"}, {"family", named}}};
}

std::string describe_range(const VersionRange& r) { return r.text.empty() ? "(no version named)" : r.text; }

}  // namespace

std::string_view to_string(Confidence c) noexcept {
  return c == Confidence::confirmed ? "confirmed" : "possible";
}

std::vector<Match> match(const std::vector<DeviceIdentity>& devices, const std::vector<Advisory>& advisories,
                         Confidence minimum) {
  std::vector<PreparedDevice> prepared;
  std::map<std::string, std::vector<std::size_t>> by_maker;  // vendor key -> indices into `prepared`
  for (const auto& d : devices) {
    if (d.vendor_key.empty() || (d.models.empty() && d.families.empty())) continue;
    by_maker[d.vendor_key].push_back(prepared.size());
    prepared.push_back(prepare_device(d));
  }
  std::vector<Match> out;
  for (const auto& a : advisories) {
    std::vector<Prepared> products;
    for (const auto& p : a.products) {
      if (p.vendor_key.empty() || !by_maker.contains(p.vendor_key)) continue;
      Prepared prep = prepare(p, a);
      if (!prep.cves.empty()) products.push_back(std::move(prep));
    }
    if (products.empty()) continue;
    // Which products name a device depends only on its models and families:
    // worked out once per distinct identity in the plant.
    std::map<std::string, std::vector<std::pair<std::size_t, Hit>>> named_by;
    std::map<std::size_t, Match> best;  // device index -> the strongest match
    for (std::size_t pi = 0; pi < products.size(); ++pi) {
      const Prepared& p = products[pi];
      for (const std::size_t di : by_maker.at(p.product->vendor_key)) {
        const PreparedDevice& pd = prepared[di];
        auto [it, fresh] = named_by.try_emplace(pd.signature + p.product->vendor_key);
        if (fresh) {
          for (std::size_t k = 0; k < products.size(); ++k) {
            if (products[k].product->vendor_key != p.product->vendor_key) continue;
            Hit why = model_hit(products[k], pd);
            if (why.text.empty()) why = family_hit(products[k], pd);
            if (!why.text.empty()) it->second.emplace_back(k, std::move(why));
          }
        }
        const auto hit = std::find_if(it->second.begin(), it->second.end(),
                                      [&](const auto& h) { return h.first == pi; });
        if (hit == it->second.end()) continue;
        const DeviceIdentity& d = *pd.device;
        const VersionRange& r = p.product->versions;
        Confidence c = Confidence::possible;
        std::string why = hit->second.text + " = \"" + p.display + "\"";
        // The same as evidence (kind "match", its firmware part a "firmware." kind).
        nlohmann::json why_values = {{"kind", "match"}, {"hit", hit->second.values}, {"product", p.display}};
        auto firmware = [&](std::string_view kind) {
          why_values["firmware"] = {{"kind", kind},
                                    {"firmware", d.firmware},
                                    {"range", r.text.empty() ? nlohmann::json{{"kind", "range.none"}}
                                                             : nlohmann::json(r.text)}};
        };
        if (!r.readable) {
          why += "; affected versions \"" + describe_range(r) + "\" cannot be read as firmware versions";
          firmware("firmware.unreadable");
        } else if (r.all && d.firmware.empty()) {
          // Every version is affected, but without the firmware the device
          // sent, confirmed would rest on the model alone.
          why += "; firmware unknown, all versions affected";
          firmware("firmware.unknown_all");
        } else if (r.all) {
          c = Confidence::confirmed;
          why += "; firmware " + d.firmware + ", all versions affected";
          firmware("firmware.all");
        } else if (d.firmware.empty()) {
          why += "; firmware unknown, affected " + describe_range(r);
          firmware("firmware.unknown");
        } else {
          switch (in_range(r, d.firmware, d.vendor_key)) {
            case InRange::no: continue;
            case InRange::yes:
              c = Confidence::confirmed;
              why += "; firmware " + d.firmware + " in " + describe_range(r);
              firmware("firmware.in");
              break;
            case InRange::unknown:
              why += "; firmware " + d.firmware + " cannot be compared with " + describe_range(r);
              firmware("firmware.incomparable");
              break;
          }
        }
        if (c < minimum) continue;
        auto b = best.find(di);
        if (b == best.end() || c > b->second.confidence) {
          best.insert_or_assign(di, Match{d.asset_id, a.id, p.product->product_id, c, p.cves, why, std::move(why_values)});
        } else if (c == b->second.confidence) {
          for (const auto& cve : p.cves)
            if (std::find(b->second.cves.begin(), b->second.cves.end(), cve) == b->second.cves.end())
              b->second.cves.push_back(cve);
        }
      }
    }
    for (auto& [di, m] : best) {
      std::sort(m.cves.begin(), m.cves.end());
      out.push_back(std::move(m));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Match& x, const Match& y) {
    if (x.asset_id != y.asset_id) return x.asset_id < y.asset_id;
    return x.advisory_id < y.advisory_id;
  });
  return out;
}

}  // namespace mieruka::inventory::advisories
