// JVN's VULDEF documents (JVN iPedia / MyJVN getVulnDetailInfo, VULDEF 3.x):
//   <VULDEF-Document><Vulinfo>
//     <VulinfoID>JVNDB-YYYY-NNNNNN</VulinfoID>
//     <VulinfoData><Title/>
//       <Affected><AffectedItem><Name>vendor</Name><ProductName/>
//         <Cpe version="2.2">cpe:/h:vendor:product</Cpe><VersionNumber/>...</AffectedItem></Affected>
//       <Impact><Cvss version="3.0"><Base/><Vector/></Cvss></Impact>
//       <Solution><SolutionItem><Description/></SolutionItem></Solution>
//       <Related><RelatedItem type="advisory"><Name/><VulinfoID>CVE-...</VulinfoID><URL/></RelatedItem></Related>
//       <History><HistoryItem><HistoryNo/><DateTime/></HistoryItem></History>
//       <DateFirstPublished/><DateLastUpdated/>
//   </VulinfoData></Vulinfo>...</VULDEF-Document>
// Elements are found by local name (the documents use a default namespace and
// prefixes). Each AffectedItem's VersionNumber is one product; JVN writes
// versions in Japanese ("1.0 およびそれ以前" = 1.0 and earlier, "より前" =
// before), which are read into ranges; other wording is kept unreadable.
// pugixml parses without exceptions, expands no external entities and reads
// no DTD; the text stays UTF-8.
#include <algorithm>

#include <pugixml.hpp>

#include "inventory/advisories/advisory.hpp"
#include "inventory/advisories/text.hpp"

namespace mieruka::inventory::advisories {
namespace {

constexpr std::size_t kMaxDocumentBytes = 64U << 20;
constexpr std::size_t kMaxItems = 100'000;

std::string_view local_name(const char* name) {
  std::string_view n(name);
  const auto colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node n, std::string_view name) {
  for (auto c : n.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

std::vector<pugi::xml_node> children(pugi::xml_node n, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (auto c : n.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) out.push_back(c);
  return out;
}

// Element text, trimmed, as valid UTF-8 (pugixml does not check the encoding).
std::string text_of(pugi::xml_node n) { return valid_utf8(trim(n.child_value())); }

bool ends_with_then_strip(std::string& s, std::string_view suffix) {
  std::string_view v = trim(s);
  if (!v.ends_with(suffix)) return false;
  s = std::string(trim(v.substr(0, v.size() - suffix.size())));
  return true;
}

// "1.0 およびそれ以前" (and earlier), "1.0 以前", "1.0 より前" / "1.0 未満"
// (before), "1.0 以降" (and later), "バージョン 1.0", "全てのバージョン".
VersionRange jvn_range(std::string v) {
  v = std::string(trim(v));
  const std::string written = v;
  for (std::string_view all : {"全てのバージョン", "すべてのバージョン", "全バージョン"})
    if (v == all) {
      VersionRange r = parse_range("all versions", true);
      r.text = written;
      return r;
    }
  // "ファームウェアバージョン 28", "バージョン 1.0", "ファームウェア 65".
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::string_view prefix : {"バージョン", "ファームウェア", "ソフトウェア"})
      if (v.starts_with(prefix)) {
        v = std::string(trim(std::string_view(v).substr(prefix.size())));
        stripped = true;
      }
  }
  std::string text = v;
  VersionRange r;
  if (ends_with_then_strip(text, "およびそれ以前") || ends_with_then_strip(text, "及びそれ以前") ||
      ends_with_then_strip(text, "以前")) {
    r = parse_range("<= " + text, true);
  } else if (ends_with_then_strip(text, "より前") || ends_with_then_strip(text, "未満")) {
    r = parse_range("< " + text, true);
  } else if (ends_with_then_strip(text, "およびそれ以降") || ends_with_then_strip(text, "以降")) {
    r = parse_range(">= " + text, true);
  } else {
    r = parse_range(text, false);
  }
  r.text = written;
  return r;
}

std::string read_vulinfo(pugi::xml_node vi, Advisory& adv) {
  adv.source = "jvn";
  adv.publisher = "JVN";
  adv.id = text_of(child(vi, "VulinfoID"));
  if (adv.id.empty()) return "JVN document: a Vulinfo without VulinfoID";
  const auto data = child(vi, "VulinfoData");
  if (!data) return "JVN document: " + adv.id.substr(0, 64) + " has no VulinfoData";
  adv.title = text_of(child(data, "Title"));
  if (adv.title.empty()) return "JVN document: " + adv.id.substr(0, 64) + " has no VulinfoData/Title";
  adv.initial_release = text_of(child(data, "DateFirstPublished"));
  adv.current_release = text_of(child(data, "DateLastUpdated"));
  if (adv.current_release.empty()) adv.current_release = adv.initial_release;
  long revision = 0;
  for (auto h : children(child(data, "History"), "HistoryItem"))
    revision = std::max(revision, std::strtol(text_of(child(h, "HistoryNo")).c_str(), nullptr, 10));
  if (revision > 0) adv.revision = std::to_string(revision);

  std::size_t n = 0;
  for (auto item : children(child(data, "Affected"), "AffectedItem")) {
    const std::string vendor = text_of(child(item, "Name"));
    const std::string product = text_of(child(item, "ProductName"));
    if (product.empty()) continue;
    std::vector<std::string> cpes;
    for (auto c : children(item, "Cpe"))
      if (!text_of(c).empty()) cpes.push_back(text_of(c));
    auto versions = children(item, "VersionNumber");
    auto add = [&](VersionRange r) {
      Product p;
      p.product_id = adv.id + ":" + std::to_string(++n);
      p.vendor = vendor;
      p.vendor_key = vendor_key(vendor);
      p.names = {product};
      p.full_name = product + (r.text.empty() ? "" : " " + r.text);
      p.versions = std::move(r);
      p.cpes = cpes;
      adv.products.push_back(std::move(p));
    };
    if (versions.empty()) add(parse_range("", true));  // no version named: never confirms
    for (auto v : versions) add(jvn_range(text_of(v)));
    if (adv.products.size() > kMaxItems) return "JVN document: " + adv.id.substr(0, 64) + " names more than 100000 products";
  }

  double base = -1;
  std::string vector;
  for (auto c : children(child(data, "Impact"), "Cvss")) {
    const std::string version = c.attribute("version").value();  // compared only
    if (!version.starts_with("3")) continue;
    char* end = nullptr;
    const std::string b = text_of(child(c, "Base"));
    const double score = std::strtod(b.c_str(), &end);
    if (b.empty() || end != b.c_str() + b.size() || !(score >= 0 && score <= 10)) continue;
    if (score > base) {
      base = score;
      vector = text_of(child(c, "Vector"));
    }
  }
  std::vector<Remediation> remediations;
  for (auto s : children(child(data, "Solution"), "SolutionItem")) {
    Remediation r;
    r.category = "solution";  // JVN does not say whether it is a fix or a workaround
    r.details = text_of(child(s, "Description"));
    if (r.details.empty()) continue;
    for (const auto& p : adv.products) r.product_ids.push_back(p.product_id);
    remediations.push_back(std::move(r));
  }
  std::vector<std::string> cves;
  for (auto r : children(child(data, "Related"), "RelatedItem")) {
    const std::string id = text_of(child(r, "VulinfoID"));
    const std::string url = text_of(child(r, "URL"));
    const std::string type = r.attribute("type").value();
    if (id.starts_with("CVE-") && std::find(cves.begin(), cves.end(), id) == cves.end()) cves.push_back(id);
    if (!url.empty() && type != "cwe") adv.references.emplace_back(text_of(child(r, "Name")), url);
  }
  auto vuln = [&](std::string cve) {
    Vulnerability v;
    v.cve = std::move(cve);
    v.ids = {adv.id};
    v.title = adv.title;
    v.cvss_base = base;
    v.cvss_vector = vector;
    for (const auto& p : adv.products) v.known_affected.push_back(p.product_id);
    v.remediations = remediations;
    adv.vulnerabilities.push_back(std::move(v));
  };
  if (cves.empty()) vuln("");
  for (auto& c : cves) vuln(std::move(c));
  return {};
}

}  // namespace

ReadResult read_jvn(std::string_view xml_text) {
  ReadResult result;
  if (xml_text.size() > kMaxDocumentBytes) {
    result.error = "JVN document: larger than 64 MiB; not an advisory (split or check the file)";
    return result;
  }
  try {
    pugi::xml_document doc;
    // parse_default keeps entity escapes; no DOCTYPE processing beyond skipping it.
    const auto parsed = doc.load_buffer(xml_text.data(), xml_text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
      result.error = std::string("JVN document: not well-formed XML (") + parsed.description() + " at byte " +
                     std::to_string(parsed.offset) + ")";
      return result;
    }
    const auto root = doc.document_element();
    if (local_name(root.name()) != "VULDEF-Document") {
      result.error = "JVN document: the root element is not VULDEF-Document";
      return result;
    }
    const std::string lang = valid_utf8(root.attribute("xml:lang").value());
    for (auto vi : children(root, "Vulinfo")) {
      Advisory adv;
      adv.lang = lang;
      if (std::string e = read_vulinfo(vi, adv); !e.empty()) {
        for (char& c : e)
          if (static_cast<unsigned char>(c) < 0x20) c = '?';
        result.advisories.clear();
        result.error = std::move(e);
        return result;
      }
      result.advisories.push_back(std::move(adv));
    }
    if (result.advisories.empty()) result.error = "JVN document: no Vulinfo in the VULDEF-Document";
  } catch (const std::exception& e) {
    result.advisories.clear();
    result.error = std::string("JVN document: cannot be read (") + e.what() + ")";
  }
  return result;
}

}  // namespace mieruka::inventory::advisories
