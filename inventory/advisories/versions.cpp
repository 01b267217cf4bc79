// Versions and version ranges as advisories write them.
//
// A version is read as dot- or dash-separated segments, each a run of digits
// optionally followed by letters and digits ("1.215Z", "6.6.8a", "14.1s0").
// A prefix naming the version is dropped: "V4.5.2" (Siemens), "R3.08.10"
// (Yokogawa), "SV3.51" (Schneider), "v.32.011", "firmware_05", "Version 1.0",
// "HiOS 07.0.02". Anything else (words, wildcards "3.x", hexadecimal codes,
// serial-number prefixes "16XXXXXXXXX", "first 5 digits of serial number")
// is not a firmware version: the range holding it is unreadable and never
// confirms a match.
//
// Ordering: segment by segment, missing segments count as 0 ("4.5" < "4.5.2");
// digits compare as numbers ("32.011" = "32.11", the way Rockwell and CIP
// write the same minor revision), letters alphabetically ("1.215Z" < "1.270G").
// A segment where one side has a letter run the other lacks ("1.270" against
// "1.270G") cannot be ordered. Omron writes minor versions both ways: NJ/NX
// firmware "1.10" is ten (after 1.09), CJ2 unit versions "1.5" and advisories'
// "< 1.5" may mean fifty, and FINS reports "02.01": for Omron, minor numbers of
// different lengths cannot be ordered.
#include <algorithm>
#include <cctype>

#include "inventory/advisories/advisory.hpp"
#include "inventory/advisories/text.hpp"

namespace mieruka::inventory::advisories {
namespace {

constexpr std::size_t kMaxVersionChars = 64;
constexpr std::size_t kMaxSegments = 16;
constexpr std::size_t kMaxRangeChars = 4096;
constexpr std::size_t kMaxConstraints = 64;

struct Run {
  bool digits = false;
  std::string text;
};
using Segment = std::vector<Run>;
using Parsed = std::vector<Segment>;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Drops the words and letters that only say "this is a version".
std::string_view strip_version_prefix(std::string_view s) {
  s = trim(s);
  for (std::string_view word : {"firmware version", "firmware", "version", "ver.", "ver", "hios"}) {
    if (s.size() > word.size() && iequals(s.substr(0, word.size()), word)) {
      const char next = s[word.size()];
      if (next == ' ' || next == '_' || next == '.' || is_digit(next) || next == 'v' || next == 'V') {
        s.remove_prefix(word.size());
        while (!s.empty() && (s.front() == ' ' || s.front() == '_')) s.remove_prefix(1);
        break;
      }
    }
  }
  for (std::string_view p : {"v.", "sv", "v", "r"}) {
    if (s.size() > p.size() && iequals(s.substr(0, p.size()), p) && is_digit(s[p.size()])) {
      s.remove_prefix(p.size());
      break;
    }
  }
  return s;
}

std::optional<Parsed> parse_version(std::string_view raw) {
  std::string_view s = strip_version_prefix(raw);
  if (s.empty() || s.size() > kMaxVersionChars) return std::nullopt;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return std::nullopt;  // a hex code
  Parsed out;
  std::size_t i = 0;
  while (true) {
    if (out.size() == kMaxSegments) return std::nullopt;
    Segment seg;
    if (i >= s.size() || !is_digit(s[i])) return std::nullopt;  // a segment starts with a digit
    while (i < s.size() && (is_digit(s[i]) || is_alpha(s[i]))) {
      Run r;
      r.digits = is_digit(s[i]);
      while (i < s.size() && (r.digits ? is_digit(s[i]) : is_alpha(s[i]))) r.text += s[i++];
      if (!r.digits && r.text == "x") return std::nullopt;  // "R7x": a wildcard, not a release
      seg.push_back(std::move(r));
      if (seg.size() > 4) return std::nullopt;
    }
    out.push_back(std::move(seg));
    if (i == s.size()) return out;
    if (s[i] != '.' && s[i] != '-') return std::nullopt;
    ++i;
  }
}

int compare_numbers(std::string_view a, std::string_view b) noexcept {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::optional<int> compare_parsed(const Parsed& a, const Parsed& b, std::string_view vendor_key) {
  const bool ambiguous_minor = vendor_key == "omron";
  static const Segment kZero{Run{true, "0"}};
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Segment& x = i < a.size() ? a[i] : kZero;
    const Segment& y = i < b.size() ? b[i] : kZero;
    const std::size_t m = std::min(x.size(), y.size());
    for (std::size_t k = 0; k < m; ++k) {
      if (x[k].digits != y[k].digits) return std::nullopt;
      int c = 0;
      if (x[k].digits) {
        if (ambiguous_minor && i == 1 && k == 0 && x[k].text.size() != y[k].text.size()) return std::nullopt;
        c = compare_numbers(x[k].text, y[k].text);
      } else {
        c = compare_folded(x[k].text, y[k].text);
      }
      if (c != 0) return c;
    }
    if (x.size() != y.size()) return std::nullopt;
  }
  return 0;
}

bool holds(Op op, int c) noexcept {
  switch (op) {
    case Op::lt: return c < 0;
    case Op::le: return c <= 0;
    case Op::gt: return c > 0;
    case Op::ge: return c >= 0;
    case Op::eq: return c == 0;
  }
  return false;
}

bool is_lower(Op op) noexcept { return op == Op::gt || op == Op::ge; }
bool is_upper(Op op) noexcept { return op == Op::lt || op == Op::le; }

// "<=", ">=", "<", ">", "=" at the front of `s` (removed); nullopt: none.
std::optional<Op> take_op(std::string_view& s) {
  s = trim(s);
  auto take = [&](std::string_view p, Op op) -> std::optional<Op> {
    if (s.starts_with(p)) {
      s.remove_prefix(p.size());
      s = trim(s);
      return op;
    }
    return std::nullopt;
  };
  for (auto [p, op] : {std::pair{std::string_view("<="), Op::le}, {">=", Op::ge}, {"<", Op::lt}, {">", Op::gt},
                       {"==", Op::eq}, {"=", Op::eq}}) {
    if (auto o = take(p, op)) return o;
  }
  return std::nullopt;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = trim(s.substr(1, s.size() - 2));
  return s;
}

// A version text fit for a constraint: it reads as a version, and is not an
// article or serial number (five or more digits with no separator).
bool usable_version(std::string_view v) {
  if (!parse_version(v)) return false;
  const std::string_view body = strip_version_prefix(v);
  return !(body.size() >= 5 && std::all_of(body.begin(), body.end(), is_digit));
}

// Text in parentheses: a condition ("only if CAMS is used", "1.29 for NX7",
// "(Build 683.003)") makes the range unreadable; a remark ("These products are
// sold in limited regions") is dropped. False: unreadable.
bool drop_remarks(std::string& s) {
  while (true) {
    const auto open = s.find('(');
    if (open == std::string::npos) return s.find(')') == std::string::npos;
    const auto close = s.find(')', open);
    if (close == std::string::npos) return false;
    const std::string inner = fold(std::string_view(s).substr(open + 1, close - open - 1));
    if (std::any_of(inner.begin(), inner.end(), is_digit)) return false;
    for (std::string_view w : {"only", " if", "if ", " for", "for ", "except", "affected", "install", "when", "with"})
      if (inner.find(w) != std::string::npos) return false;
    s.erase(open, close - open + 1);
  }
}

// Constraints in ascending order (VERS, and how CISA writes ">= a | <= b"):
// a lower bound followed by an upper bound is one interval; an upper bound
// first or a lower bound last is open on that side; "=" is one version.
bool pair_up(const std::vector<Constraint>& cs, VersionRange& r) {
  std::size_t i = 0;
  while (i < cs.size()) {
    const Constraint& c = cs[i];
    if (c.op == Op::eq) {
      r.any_of.push_back({c});
      ++i;
    } else if (is_lower(c.op)) {
      if (i + 1 < cs.size() && is_upper(cs[i + 1].op)) {
        // Whether the bounds are in order depends on the vendor's numbering
        // (">= 1.31 | <= 1.4" may be meant as decimals): in_range decides.
        r.any_of.push_back({c, cs[i + 1]});
        i += 2;
      } else if (i + 1 == cs.size()) {
        r.any_of.push_back({c});
        ++i;
      } else {
        return false;
      }
    } else {
      if (i != 0) return false;
      r.any_of.push_back({c});
      ++i;
    }
  }
  return !r.any_of.empty();
}

// "<V33.017_V34.014_V35.013_V36.011": the first fixed release of each major
// line. Affected: below the first line's fix, and within each later line
// below its fix.
bool read_fix_list(Op op, std::string_view body, VersionRange& r) {
  if (body.find('_') == std::string_view::npos) return false;
  std::vector<std::pair<Parsed, std::string>> fixes;
  for (std::string_view part : split(body, '_')) {
    part = trim(part);
    if (part.size() < 2 || (part[0] != 'v' && part[0] != 'V') || !is_digit(part[1])) return false;
    auto p = parse_version(part);
    if (!p || p->size() < 2) return false;
    if (!fixes.empty() && p->size() != fixes.front().first.size()) return false;
    fixes.emplace_back(std::move(*p), std::string(part.substr(1)));
  }
  if (fixes.size() < 2) return false;
  std::sort(fixes.begin(), fixes.end(), [](const auto& a, const auto& b) {
    return compare_numbers(a.first[0][0].text, b.first[0][0].text) < 0;
  });
  for (std::size_t i = 1; i < fixes.size(); ++i)
    if (compare_numbers(fixes[i - 1].first[0][0].text, fixes[i].first[0][0].text) == 0) return false;
  r.any_of.push_back({Constraint{op, fixes[0].second}});
  for (std::size_t i = 1; i < fixes.size(); ++i)
    r.any_of.push_back({Constraint{Op::ge, fixes[i].first[0][0].text}, Constraint{op, fixes[i].second}});
  return true;
}

VersionRange unreadable(VersionRange r) {
  r.readable = false;
  r.all = false;
  r.any_of.clear();
  return r;
}

}  // namespace

std::optional<int> compare_versions(std::string_view a, std::string_view b, std::string_view vendor_key) {
  auto x = parse_version(a);
  auto y = parse_version(b);
  if (!x || !y) return std::nullopt;
  return compare_parsed(*x, *y, vendor_key);
}

VersionRange parse_range(std::string_view text, bool is_range) {
  VersionRange r;
  r.text = std::string(text.substr(0, std::min(text.size(), kMaxRangeChars)));
  if (text.size() > kMaxRangeChars) return unreadable(std::move(r));
  std::string s(trim(text));
  const std::string folded = fold(s);
  if (s.empty()) return unreadable(std::move(r));
  for (std::string_view w : {"serial", "through", " to ", "installed", "without", "hotfix", "build"})
    if (folded.find(w) != std::string::npos) return unreadable(std::move(r));

  // VERS (package-url VERSION-RANGE-SPEC): vers:<scheme>/<constraints>.
  if (folded.starts_with("vers:")) {
    const auto slash = s.find('/');
    if (slash == std::string::npos) return unreadable(std::move(r));
    const std::string_view body = trim(std::string_view(s).substr(slash + 1));
    if (body == "*") {
      r.all = true;
      return r;
    }
    std::vector<Constraint> cs;
    for (std::string_view item : split(body, '|')) {
      if (cs.size() == kMaxConstraints) return unreadable(std::move(r));
      item = trim(item);
      if (item.starts_with("!=")) return unreadable(std::move(r));
      auto op = take_op(item);
      if (!usable_version(item)) return unreadable(std::move(r));
      cs.push_back({op.value_or(Op::eq), std::string(item)});
    }
    if (!pair_up(cs, r)) return unreadable(std::move(r));
    return r;
  }

  for (std::string_view all : {"all versions", "all version", "all", "*", "all variants", "all models"})
    if (folded == all) {
      r.all = true;
      return r;
    }
  if (!drop_remarks(s)) return unreadable(std::move(r));

  if (!is_range) {
    // One version, a list "3.36 | 3.40", or "1.265B -1.285X" / "1.275M—1.280S".
    for (std::string_view dash : {" -", "\xE2\x80\x94", "\xE2\x80\x93"}) {
      const auto at = s.find(dash);
      if (at == std::string::npos) continue;
      const std::string_view lo = trim(std::string_view(s).substr(0, at));
      const std::string_view hi = trim(std::string_view(s).substr(at + dash.size()));
      if (!usable_version(lo) || !usable_version(hi)) return unreadable(std::move(r));
      std::vector<Constraint> cs{{Op::ge, std::string(lo)}, {Op::le, std::string(hi)}};
      if (!pair_up(cs, r)) return unreadable(std::move(r));
      return r;
    }
  }

  std::vector<Constraint> cs;
  std::size_t with_op = 0;
  for (std::string_view item : split(s, '|')) {
    if (cs.size() == kMaxConstraints) return unreadable(std::move(r));
    item = trim(item);
    auto op = take_op(item);
    item = unquote(item);
    if (op && is_upper(*op) && cs.empty() && read_fix_list(*op, item, r)) {
      if (split(s, '|').size() != 1) return unreadable(std::move(r));
      return r;
    }
    if (!usable_version(item)) return unreadable(std::move(r));
    if (op) ++with_op;
    cs.push_back({op.value_or(Op::eq), std::string(item)});
  }
  if (cs.empty() || (with_op != 0 && with_op != cs.size())) return unreadable(std::move(r));
  if (with_op == 0) {  // a list of versions: any of them
    for (auto& c : cs) r.any_of.push_back({c});
    return r;
  }
  if (!pair_up(cs, r)) return unreadable(std::move(r));
  return r;
}

InRange in_range(const VersionRange& r, std::string_view version, std::string_view vendor_key) {
  if (!r.readable) return InRange::unknown;
  if (r.all) return InRange::yes;
  auto v = parse_version(version);
  if (!v) return InRange::unknown;
  bool unknown = false;
  for (const auto& alternative : r.any_of) {
    bool all_hold = !alternative.empty();
    bool alt_unknown = false;
    // An interval whose bounds are out of order in this vendor's numbering
    // (">=4.6|<4.38" read as plain numbers) says nothing certain.
    if (alternative.size() == 2 && is_lower(alternative[0].op) && is_upper(alternative[1].op)) {
      auto order = compare_versions(alternative[0].version, alternative[1].version, vendor_key);
      if (!order || *order > 0) {
        unknown = true;
        continue;
      }
    }
    for (const auto& c : alternative) {
      auto bound = parse_version(c.version);
      if (!bound) {
        alt_unknown = true;
        continue;
      }
      auto cmp = compare_parsed(*v, *bound, vendor_key);
      if (!cmp) {
        alt_unknown = true;
        continue;
      }
      if (!holds(c.op, *cmp)) all_hold = false;
    }
    if (!all_hold) continue;  // one constraint fails: this alternative does not hold
    if (alt_unknown) {
      unknown = true;
      continue;
    }
    return InRange::yes;
  }
  return unknown ? InRange::unknown : InRange::no;
}

}  // namespace mieruka::inventory::advisories
