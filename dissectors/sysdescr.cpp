// System descriptions (see sysdescr.hpp). The rows are data; parse() is the one
// reader of all of them.
#include "sysdescr.hpp"

#include <cctype>

namespace mieruka::dissectors::sysdescr {
namespace {

// How a row's text is laid out.
enum class Layout : std::uint8_t {
  // Comma-separated items (Siemens): the product is item `product_item`
  // counted from the anchor's item; an item that looks like an order number is
  // the model; "HW:" is the hardware revision, "FW:" the firmware, "S <x>" the
  // serial.
  items,
  // Free text: the product is the words at `product` (up to a comma, a bracket,
  // " - " or a version word), the revision the first version after one of the
  // `revision_after` markers.
  words,
};

// Where the product's words begin (words layout).
enum class ProductAt : std::uint8_t {
  none,          // the format names no product (an OS banner)
  after_anchor,  // "Moxa EDS-408A": the words after the maker's name
  from_anchor,   // "NPort 5110": the anchor is the product line, part of the name
  after_marker,  // "..., IX Series IX2215 ...": after `product_after`
};

struct Row {
  std::string_view anchor{};          // the text that identifies the format (ASCII case ignored)
  bool anywhere = false;              // the anchor may follow other words (else it opens the text)
  std::string_view also{};            // text that must follow the anchor as well ("" for none)
  std::string_view vendor{};          // the maker the anchor names ("" when it names none)
  Layout layout = Layout::words;
  std::size_t product_item = 0;       // items layout
  ProductAt product = ProductAt::after_anchor;
  std::string_view product_after{};   // for ProductAt::after_marker
  std::string_view revision_after{};  // '|'-separated markers, tried in order
  std::string_view device_class{};    // the class the format states ("" for none)
  std::string_view os{};
};

// One row per maker's format; the first row that matches reads the text, so a
// narrower row stands before the wider one of the same maker. A product-line
// name registered to one maker (SCALANCE, NPort, FL SWITCH, Stratix, MELSEC,
// Modicon, mbNET) names that maker. An anchor opens the description unless the
// row says otherwise: "Linux moxa 4.19.0" is a host named moxa, not a Moxa.
constexpr Row kRows[] = {
    // Siemens: "Siemens, SIMATIC S7, CPU 1516-3 PN/DP, 6ES7 516-3AN01-0AB0, HW: 3,
    // FW: V2.8.3"; S7-300 PN CPUs add ", S C-H4C233962016" (the serial), as quoted
    // in public SNMP detection scripts for S7 CPUs. A CPU is a PLC.
    {.anchor = "Siemens, SIMATIC S7, CPU", .vendor = "Siemens", .layout = Layout::items,
     .product_item = 2, .device_class = "plc"},
    // The same format for SCALANCE switches, CPs, ET 200 and HMI panels
    // ("Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA10-2AA3, HW: 7, FW: V4.1.0",
    // the sysDescr of the SCALANCE X configuration manuals).
    {.anchor = "Siemens, SIMATIC", .vendor = "Siemens", .layout = Layout::items,
     .product_item = 2},
    // SCALANCE agents that drop the "Siemens, SIMATIC NET" prefix.
    {.anchor = "SCALANCE ", .anywhere = true, .vendor = "Siemens", .layout = Layout::items, .product_item = 0},
    // Hirschmann HiOS: "Hirschmann Rail Switch Power Enhanced - SW: HiOS-3S-09.0.00"
    // (lldpd output of an RSPE35); classic firmware: "Hirschmann Railswitch".
    {.anchor = "Hirschmann ", .vendor = "Hirschmann", .revision_after = "HiOS-|SW:|Release "},
    // Moxa: "Moxa EDS-408A", "MOXA NPort 5110"; firmware as " V3.8" when given.
    {.anchor = "Moxa ", .vendor = "Moxa", .revision_after = " V|Firmware |Version "},
    {.anchor = "NPort ", .vendor = "Moxa", .product = ProductAt::from_anchor, .revision_after = " V|Firmware "},
    // Phoenix Contact: "FL SWITCH 2008 ...", "Phoenix Contact FL SWITCH SMCS 8TX".
    {.anchor = "FL SWITCH ", .vendor = "Phoenix Contact", .product = ProductAt::from_anchor,
     .revision_after = "Firmware |FW |V"},
    {.anchor = "Phoenix Contact ", .vendor = "Phoenix Contact", .revision_after = "Firmware |FW |V"},
    // Cisco IOS / IOS XE / NX-OS banners ("Cisco IOS Software, C3560 Software
    // (C3560-IPBASE-M), Version 12.2(25)SEE2, RELEASE SOFTWARE (fc1)" as in
    // tcpdump's 3560_CDP.pcap; "IOS (tm) 1600 Software (...), Version 11.2(12)P"
    // in zeek's cdp-v1.pcap). The banner names a software image, not a product,
    // nor its maker: Rockwell's Stratix switches run IOS too.
    {.anchor = "Cisco IOS", .product = ProductAt::none,
     .revision_after = "Version ", .os = "IOS"},
    {.anchor = "Cisco Internetwork Operating System", .product = ProductAt::none,
     .revision_after = "Version ", .os = "IOS"},
    {.anchor = "IOS (tm)", .product = ProductAt::none,
     .revision_after = "Version ", .os = "IOS"},
    {.anchor = "Cisco NX-OS", .product = ProductAt::none,
     .revision_after = "Version ", .os = "NX-OS"},
    // Rockwell Automation: Stratix switches and Allen-Bradley modules.
    {.anchor = "Stratix ", .anywhere = true, .vendor = "Rockwell Automation", .product = ProductAt::from_anchor,
     .revision_after = "Version |Firmware "},
    {.anchor = "Rockwell Automation ", .vendor = "Rockwell Automation", .revision_after = "Version |Firmware |Rev "},
    {.anchor = "Allen-Bradley ", .vendor = "Rockwell Automation", .revision_after = "Version |Firmware |Rev "},
    // Cellular and VPN gateways for remote maintenance. Teltonika RutOS names its
    // firmware "RUT9_R_00.07.04.1"; Ewon Flexy states "firmware 14.x".
    {.anchor = "Teltonika ", .vendor = "Teltonika", .revision_after = "_R_|RutOS |Firmware |firmware "},
    {.anchor = "eWON ", .vendor = "HMS Networks", .product = ProductAt::from_anchor,
     .revision_after = "firmware |Firmware |FW "},
    {.anchor = "Tosibox ", .vendor = "Tosibox", .revision_after = "Firmware |firmware |Version "},
    {.anchor = "Secomea ", .vendor = "Secomea", .revision_after = "Firmware |firmware |Version |V"},
    {.anchor = "INSYS ", .vendor = "INSYS icom", .revision_after = "Firmware |firmware |Version "},
    {.anchor = "mbNET", .anywhere = true, .vendor = "MB connect line", .product = ProductAt::from_anchor,
     .revision_after = "Firmware |firmware |Version |V"},
    // Japanese controller makers: the maker's name, then the model.
    {.anchor = "Mitsubishi Electric Corporation ", .vendor = "Mitsubishi Electric",
     .revision_after = "Version |Ver.|Firmware "},
    {.anchor = "Mitsubishi Electric ", .vendor = "Mitsubishi Electric", .revision_after = "Version |Ver.|Firmware "},
    {.anchor = "MELSEC", .vendor = "Mitsubishi Electric", .product = ProductAt::from_anchor,
     .revision_after = "Version |Ver.|Firmware "},
    {.anchor = "OMRON Corporation ", .vendor = "OMRON", .revision_after = "Version |Ver.|Rev."},
    {.anchor = "OMRON ", .vendor = "OMRON", .revision_after = "Version |Ver.|Rev."},
    {.anchor = "Yokogawa ", .vendor = "Yokogawa", .revision_after = "Version |Rev."},
    // Schneider Electric: "Schneider Electric BMX NOE 0100 ...", Modicon CPUs.
    {.anchor = "Schneider Electric ", .vendor = "Schneider Electric", .revision_after = "Version |V"},
    {.anchor = "Modicon ", .vendor = "Schneider Electric", .product = ProductAt::from_anchor,
     .revision_after = "Version |V"},
    // Network gear common in Japanese plants. Yamaha routers: "RTX1210
    // Rev.14.01.38 (Fri Jul 10 11:54:50 2020)"; NEC IX: "NEC Portable
    // Internetwork Core Operating System Software, IX Series IX2215 (magellan-sec)
    // Software, Version 10.2.16, RELEASE SOFTWARE".
    {.anchor = "RTX", .also = " Rev.", .vendor = "Yamaha", .product = ProductAt::from_anchor,
     .revision_after = "Rev."},
    {.anchor = "NVR", .also = " Rev.", .vendor = "Yamaha", .product = ProductAt::from_anchor,
     .revision_after = "Rev."},
    {.anchor = "NEC Portable Internetwork Core", .vendor = "NEC",
     .product = ProductAt::after_marker, .product_after = "IX Series ", .revision_after = "Version "},
    {.anchor = "Allied Telesis ", .vendor = "Allied Telesis", .revision_after = "version |Version |v"},
};

bool alnum(char c) noexcept { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool alpha(char c) noexcept { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0'; }
char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool starts_ci(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != lower(prefix[i])) return false;
  return true;
}

// First place at or after `from` where `needle` starts (case ignored).
std::size_t find_ci(std::string_view s, std::string_view needle, std::size_t from = 0) noexcept {
  if (needle.empty()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= s.size(); ++i)
    if (starts_ci(s.substr(i), needle)) return i;
  return std::string_view::npos;
}

// Where the anchor starts a word (no letter or digit before it).
std::size_t find_word_ci(std::string_view s, std::string_view needle) noexcept {
  for (std::size_t at = find_ci(s, needle); at != std::string_view::npos; at = find_ci(s, needle, at + 1))
    if (at == 0 || !alnum(s[at - 1])) return at;
  return std::string_view::npos;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_digit(std::string_view s) noexcept {
  for (char c : s)
    if (digit(c)) return true;
  return false;
}

// Up to the first character of `stops`.
std::string_view cut(std::string_view s, std::string_view stops) noexcept {
  const auto end = s.find_first_of(stops);
  return end == std::string_view::npos ? s : s.substr(0, end);
}

// The first dotted version in `s` ("12.2(25)SEE2", "09.0.00", "V2.8.3",
// "V.4.1.3", "14.x"): a run of digits followed by a dot and a letter or digit,
// with a V/v prefix kept when it opens the word, up to white space, comma or
// semicolon. A number without a dot is not taken: "IE2000", "HiOS-3S" are names.
std::string_view dotted_version(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (!digit(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && digit(s[j])) ++j;
    if (j + 1 >= s.size() || s[j] != '.' || !alnum(s[j + 1])) {
      i = j;
      continue;
    }
    std::size_t start = i;
    auto opens_word = [&](std::size_t v) { return v == 0 || !alpha(s[v - 1]); };
    if (start >= 1 && (s[start - 1] == 'V' || s[start - 1] == 'v') && opens_word(start - 1)) {
      start -= 1;
    } else if (start >= 2 && s[start - 1] == '.' && (s[start - 2] == 'V' || s[start - 2] == 'v') &&
               opens_word(start - 2)) {
      start -= 2;
    }
    std::size_t end = j;
    while (end < s.size() && !space(s[end]) && s[end] != ',' && s[end] != ';') ++end;
    std::string_view v = s.substr(start, end - start);
    while (!v.empty() && v.back() == '.') v.remove_suffix(1);  // "FW: V3.3.10." ends a sentence
    if (!v.empty() && v.back() == ')' && v.find('(') == std::string_view::npos) v.remove_suffix(1);
    if (v.size() > kMaxToken) return {};
    return v;
  }
  return {};
}

// `s` up to the end of the second word after its first `skip` characters: a
// version belongs to its marker only when it stands right after it ("SW:
// HiOS-3S-09.0.00", "HiOS-3S 08.1.04"), not somewhere later in the sentence.
std::string_view near(std::string_view s, std::size_t skip) noexcept {
  std::size_t i = skip < s.size() ? skip : s.size();
  for (int words = 0; words < 2; ++words) {
    while (i < s.size() && space(s[i])) ++i;
    while (i < s.size() && !space(s[i])) ++i;
  }
  return s.substr(0, i);
}

// The version after the first of the row's markers found past `from`, read up
// to the next comma or semicolon.
std::string_view revision_after(std::string_view descr, std::size_t from, std::string_view markers) noexcept {
  while (!markers.empty()) {
    const auto bar = markers.find('|');
    const std::string_view marker = markers.substr(0, bar);
    markers = bar == std::string_view::npos ? std::string_view{} : markers.substr(bar + 1);
    const auto at = find_ci(descr, marker, from);
    if (at == std::string_view::npos) continue;
    const std::string_view v = dotted_version(near(cut(descr.substr(at), ",;"), marker.size()));
    if (!v.empty()) return v;
  }
  return {};
}

// A word that ends a product name: a version, a label of one, an order number.
bool ends_product(std::string_view word) noexcept {
  static constexpr std::string_view kStops[] = {"version", "ver.", "rev", "rev.", "release", "firmware",
                                                "software", "sw:", "fw:", "hw:", "build", "-"};
  for (std::string_view s : kStops)
    if (word.size() == s.size() && starts_ci(word, s)) return true;
  // Operating system names that follow the product ("HiOS-3S 08.1.04").
  for (std::string_view os : {std::string_view("HiOS"), std::string_view("RutOS")})
    if (starts_ci(word, os)) return true;
  if (!dotted_version(word).empty()) return true;
  std::size_t digits = 0;
  for (char c : word) digits += digit(c) ? 1 : 0;
  return digits >= 6 && digits == word.size();  // Phoenix Contact and others print a 7-digit order number
}

// The product's words from `s`: up to a comma, semicolon or bracket, and before
// the first word that ends a product; at most kMaxProductWords words.
std::string_view product_words(std::string_view s) noexcept {
  s = cut(s, ",;()[]");
  std::size_t i = 0, end = 0, words = 0;
  while (i < s.size() && words < kMaxProductWords) {
    while (i < s.size() && space(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !space(s[j])) ++j;
    if (j == i) break;
    if (ends_product(s.substr(i, j - i))) break;
    end = j;
    ++words;
    i = j;
  }
  const std::string_view p = trim(s.substr(0, end));
  bool any = false;
  for (char c : p) any = any || alnum(c);
  if (!any || p.size() > kMaxProduct) return {};
  return p;
}

// A Siemens order number (MLFB): a digit, two capitals, a letter or digit
// ("6ES7", "6GK5", "6AV2"), then the rest: "6ES7 516-3AN01-0AB0" or
// "6ES7516-3AN01-0AB0". Words after it (an S7-1200's serial) are not part of it.
std::string_view order_number(std::string_view item) noexcept {
  if (item.size() < 8 || !digit(item[0]) || !std::isupper(static_cast<unsigned char>(item[1])) ||
      !std::isupper(static_cast<unsigned char>(item[2])) || !alnum(item[3]))
    return {};
  std::size_t end = 0;
  while (end < item.size() && !space(item[end])) ++end;
  if (end == 4 && end < item.size()) {  // "6ES7 516-...": the group after the space belongs to it
    std::size_t next = end + 1;
    while (next < item.size() && !space(item[next])) ++next;
    end = next;
  }
  const std::string_view n = item.substr(0, end);
  if (n.find('-') == std::string_view::npos || n.size() > kMaxToken) return {};
  return n;
}

std::string_view after_label(std::string_view item, std::string_view label) noexcept {
  std::string_view v = trim(item.substr(label.size()));
  if (starts_ci(v, "Version ")) v = trim(v.substr(8));
  return v;
}

void read_items(std::string_view text, const Row& row, Identity& id) noexcept {
  std::size_t index = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const std::size_t at = index++;
    if (at == row.product_item) {
      if (item.size() <= kMaxProduct && !item.empty()) id.product = item;
      continue;
    }
    if (starts_ci(item, "HW:")) {
      const std::string_view hw = after_label(item, "HW:");
      if (has_digit(hw) && hw.size() <= kMaxToken) id.hardware_revision = hw;
      continue;
    }
    if (starts_ci(item, "FW:")) {
      id.revision = dotted_version(after_label(item, "FW:"));
      continue;
    }
    if (item.size() > 2 && item[0] == 'S' && item[1] == ' ') {
      const std::string_view serial = trim(item.substr(2));
      if (!serial.empty() && serial.size() <= kMaxToken && serial.find(' ') == std::string_view::npos)
        id.serial = serial;
      continue;
    }
    if (id.model.empty()) id.model = order_number(item);
  }
}

void read_words(std::string_view descr, std::size_t at, const Row& row, Identity& id) noexcept {
  switch (row.product) {
    case ProductAt::none: break;
    case ProductAt::after_anchor: id.product = product_words(descr.substr(at + row.anchor.size())); break;
    case ProductAt::from_anchor: id.product = product_words(descr.substr(at)); break;
    case ProductAt::after_marker: {
      const auto m = find_ci(descr, row.product_after, at);
      if (m != std::string_view::npos) id.product = product_words(descr.substr(m + row.product_after.size()));
      break;
    }
  }
  id.revision = revision_after(descr, at, row.revision_after);
}

// Where the row's anchor is in `descr`, or npos when the row does not match.
std::size_t match(std::string_view descr, const Row& row) noexcept {
  const std::size_t at = !row.anywhere ? (starts_ci(descr, row.anchor) ? 0 : std::string_view::npos)
                                       : find_word_ci(descr, row.anchor);
  if (at == std::string_view::npos) return at;
  if (!row.also.empty() && find_ci(descr, row.also, at + row.anchor.size()) == std::string_view::npos)
    return std::string_view::npos;
  return at;
}

}  // namespace

Identity parse(std::string_view descr) noexcept {
  descr = trim(descr);
  Identity id;
  for (const Row& row : kRows) {
    const std::size_t at = match(descr, row);
    if (at == std::string_view::npos) continue;
    id.vendor = row.vendor;
    id.os = row.os;
    id.device_class = row.device_class;
    if (row.layout == Layout::items) {
      read_items(descr.substr(at), row, id);
    } else {
      read_words(descr, at, row, id);
    }
    return id;
  }
  return id;
}

void emit(const Identity& id, const AssetRef& who, std::string_view source, Sink& sink) noexcept {
  auto put = [&](std::string_view field, std::string_view value) {
    if (!value.empty()) sink.fact_view(who, field, value, source);
  };
  put(field::vendor, id.vendor);
  put(field::product, id.product);
  put(field::model, id.model);
  put(field::revision, id.revision);
  put("hardware_revision", id.hardware_revision);
  put(field::serial, id.serial);
  put(field::os, id.os);
  put(field::class_hint, id.device_class);
}

}  // namespace mieruka::dissectors::sysdescr
