// CSAF 2.0 (docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html) read
// into the advisory model. The fields section 3.2 requires of every document
// are checked, and every product id the vulnerabilities name must be defined
// in the product tree; a document that fails is refused with one line naming
// the field. Nothing here throws: the JSON is parsed without exceptions and
// every access checks the type first.
#include <algorithm>
#include <functional>
#include <set>

#include "inventory/advisories/advisory.hpp"
#include "inventory/advisories/text.hpp"

namespace mieruka::inventory::advisories {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDocumentBytes = 64U << 20;
constexpr int kMaxNesting = 64;            // product trees are a handful of levels deep
constexpr std::size_t kMaxProducts = 100'000;

// Deepest nesting of arrays and objects, counted before parsing so that a
// hostile document cannot make the parser or the destructor recurse deeply.
int nesting(std::string_view s) noexcept {
  int depth = 0, worst = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') worst = std::max(worst, ++depth);
    else if (c == '}' || c == ']') --depth;
  }
  return worst;
}

const json* member(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(std::string(key));
  return it == j.end() ? nullptr : &*it;
}

std::string str(const json& j, std::string_view key) {
  const json* v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::vector<std::string> strings(const json& j, std::string_view key) {
  std::vector<std::string> out;
  const json* v = member(j, key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : *v)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

struct Reader {
  Advisory adv;
  std::string error;
  std::set<std::string> defined_ids, group_ids;
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;

  bool fail(std::string what) {
    for (char& c : what)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // one line, whatever the ids hold
    if (error.empty()) error = std::move(what);
    return false;
  }

  // A required string member, "document.tracking.id".
  bool need_string(const json& parent, std::string_view key, std::string_view path, std::string& out) {
    const json* v = member(parent, key);
    if (!v) return fail("CSAF document: missing " + std::string(path) + " (CSAF 2.0 requires it)");
    if (!v->is_string() || v->get_ref<const std::string&>().empty())
      return fail("CSAF document: " + std::string(path) + " is not a non-empty string");
    out = v->get<std::string>();
    return true;
  }
  const json* need_object(const json& parent, std::string_view key, std::string_view path) {
    const json* v = member(parent, key);
    if (!v) return fail("CSAF document: missing " + std::string(path) + " (CSAF 2.0 requires it)"), nullptr;
    if (!v->is_object()) return fail("CSAF document: " + std::string(path) + " is not an object"), nullptr;
    return v;
  }

  bool read_document(const json& root) {
    const json* doc = need_object(root, "document", "document");
    if (!doc) return false;
    std::string category, version, scratch;
    if (!need_string(*doc, "category", "document.category", category)) return false;
    if (!need_string(*doc, "csaf_version", "document.csaf_version", version)) return false;
    if (version != "2.0") return fail("CSAF document: document.csaf_version is \"" + version.substr(0, 16) + "\", not 2.0");
    const json* pub = need_object(*doc, "publisher", "document.publisher");
    if (!pub) return false;
    if (!need_string(*pub, "category", "document.publisher.category", scratch)) return false;
    if (!need_string(*pub, "name", "document.publisher.name", adv.publisher)) return false;
    if (!need_string(*pub, "namespace", "document.publisher.namespace", scratch)) return false;
    if (!need_string(*doc, "title", "document.title", adv.title)) return false;
    const json* tr = need_object(*doc, "tracking", "document.tracking");
    if (!tr) return false;
    if (!need_string(*tr, "current_release_date", "document.tracking.current_release_date", adv.current_release))
      return false;
    if (!need_string(*tr, "id", "document.tracking.id", adv.id)) return false;
    if (!need_string(*tr, "initial_release_date", "document.tracking.initial_release_date", adv.initial_release))
      return false;
    const json* hist = member(*tr, "revision_history");
    if (!hist) return fail("CSAF document: missing document.tracking.revision_history (CSAF 2.0 requires it)");
    if (!hist->is_array() || hist->empty())
      return fail("CSAF document: document.tracking.revision_history is not a non-empty array");
    for (const auto& h : *hist) {
      if (!h.is_object()) return fail("CSAF document: document.tracking.revision_history has an entry that is not an object");
      if (!need_string(h, "date", "document.tracking.revision_history[].date", scratch)) return false;
      if (!need_string(h, "number", "document.tracking.revision_history[].number", scratch)) return false;
      if (!need_string(h, "summary", "document.tracking.revision_history[].summary", scratch)) return false;
    }
    if (!need_string(*tr, "status", "document.tracking.status", scratch)) return false;
    if (!need_string(*tr, "version", "document.tracking.version", adv.revision)) return false;
    adv.lang = str(*doc, "lang");
    if (const json* refs = member(*doc, "references"); refs && refs->is_array())
      for (const auto& r : *refs)
        if (!str(r, "url").empty()) adv.references.emplace_back(str(r, "summary"), str(r, "url"));
    return true;
  }

  // product_tree.branches: vendor -> family / name -> version (range) -> product.
  bool read_branches(const json& branches, int depth, std::string vendor, std::vector<std::string> names) {
    if (!branches.is_array()) return fail("CSAF document: product_tree.branches is not an array");
    if (depth > 30) return fail("CSAF document: product_tree.branches nest deeper than 30 levels");
    for (const auto& b : branches) {
      if (!b.is_object()) return fail("CSAF document: product_tree has a branch that is not an object");
      const std::string category = str(b, "category");
      const std::string name = str(b, "name");
      if (category.empty() || name.empty()) return fail("CSAF document: product_tree has a branch without category or name");
      std::string v = vendor;
      std::vector<std::string> n = names;
      if (category == "vendor") v = name;
      else if (category == "product_family" || category == "product_name") n.push_back(name);
      if (const json* sub = member(b, "branches")) {
        if (!read_branches(*sub, depth + 1, v, n)) return false;
      }
      if (const json* p = member(b, "product")) {
        const bool is_range = category == "product_version_range";
        const bool is_version = is_range || category == "product_version";
        if (!add_product(*p, v, n, is_version ? parse_range(name, is_range) : parse_range("", true))) return false;
      }
    }
    return true;
  }

  bool add_product(const json& p, const std::string& vendor, const std::vector<std::string>& names,
                   VersionRange versions) {
    if (!p.is_object()) return fail("CSAF document: product_tree has a product that is not an object");
    Product out;
    if (!need_string(p, "product_id", "product_tree product.product_id", out.product_id)) return false;
    if (!need_string(p, "name", "product_tree product.name", out.full_name)) return false;
    if (adv.products.size() >= kMaxProducts) return fail("CSAF document: more than 100000 products");
    out.vendor = std::string(trim(vendor));
    out.vendor_key = vendor_key(out.vendor);
    // A document listing several makers ("ABB, Phoenix Contact, ... and WAGO")
    // names the maker in front of each product ("Siemens: 6ED1052-...",
    // "WAGO 750-889 Controller: KNX IP"): one of the listed makers.
    if (out.vendor_key.empty()) {
      const auto listed = vendor_keys_listed(out.vendor);
      const auto colon = out.full_name.find(':');
      if (listed.size() > 1 && colon != std::string::npos) {
        const std::string k = vendor_key(std::string_view(out.full_name).substr(0, colon));
        if (std::find(listed.begin(), listed.end(), k) != listed.end()) out.vendor_key = k;
      }
    }
    out.names = names;
    out.versions = std::move(versions);
    if (const json* h = member(p, "product_identification_helper"); h && h->is_object()) {
      if (std::string c = str(*h, "cpe"); !c.empty()) out.cpes.push_back(std::move(c));
      out.model_numbers = strings(*h, "model_numbers");
      out.skus = strings(*h, "skus");
    }
    defined_ids.insert(out.product_id);
    adv.products.push_back(std::move(out));
    return true;
  }

  bool read_product_tree(const json& root) {
    const json* tree = member(root, "product_tree");
    if (!tree) return true;  // documents without products (category csaf_base) are valid
    if (!tree->is_object()) return fail("CSAF document: product_tree is not an object");
    if (const json* b = member(*tree, "branches"); b && !read_branches(*b, 0, "", {})) return false;
    if (const json* f = member(*tree, "full_product_names")) {
      if (!f->is_array()) return fail("CSAF document: product_tree.full_product_names is not an array");
      for (const auto& p : *f)
        if (!add_product(p, "", {}, parse_range("", true))) return false;
    }
    if (const json* rel = member(*tree, "relationships")) {
      if (!rel->is_array()) return fail("CSAF document: product_tree.relationships is not an array");
      for (const auto& r : *rel) {
        // A product installed on another: defined for reference, not matched
        // (the pair is no single device identity).
        const json* f = member(r, "full_product_name");
        std::string id;
        if (!f || !need_string(*f, "product_id", "product_tree.relationships[].full_product_name.product_id", id))
          return false;
        defined_ids.insert(id);
      }
    }
    if (const json* g = member(*tree, "product_groups")) {
      if (!g->is_array()) return fail("CSAF document: product_tree.product_groups is not an array");
      for (const auto& grp : *g) {
        std::string id;
        if (!need_string(grp, "group_id", "product_tree.product_groups[].group_id", id)) return false;
        group_ids.insert(id);
        groups.emplace_back(id, strings(grp, "product_ids"));
      }
    }
    return true;
  }

  bool check_ids(const std::vector<std::string>& ids, const std::string& where) {
    for (const auto& id : ids)
      if (!defined_ids.contains(id))
        return fail("CSAF document: " + where + " names product id \"" + id.substr(0, 64) +
                    "\" that product_tree does not define");
    return true;
  }

  std::vector<std::string> expand_groups(const std::vector<std::string>& gids) {
    std::vector<std::string> out;
    for (const auto& gid : gids)
      for (const auto& [id, members] : groups)
        if (id == gid) out.insert(out.end(), members.begin(), members.end());
    return out;
  }

  bool read_vulnerabilities(const json& root) {
    const json* vulns = member(root, "vulnerabilities");
    if (!vulns) return true;
    if (!vulns->is_array()) return fail("CSAF document: vulnerabilities is not an array");
    std::size_t index = 0;
    for (const auto& v : *vulns) {
      const std::string at = "vulnerabilities[" + std::to_string(index++) + "]";
      if (!v.is_object()) return fail("CSAF document: " + at + " is not an object");
      Vulnerability out;
      out.cve = str(v, "cve");
      out.title = str(v, "title");
      if (const json* ids = member(v, "ids"); ids && ids->is_array())
        for (const auto& i : *ids)
          if (!str(i, "text").empty()) out.ids.push_back(str(i, "text"));
      if (const json* ps = member(v, "product_status")) {
        if (!ps->is_object()) return fail("CSAF document: " + at + ".product_status is not an object");
        for (std::string_view k : {"known_affected", "first_affected", "last_affected"}) {
          auto ids = strings(*ps, k);
          if (!check_ids(ids, at + ".product_status." + std::string(k))) return false;
          out.known_affected.insert(out.known_affected.end(), ids.begin(), ids.end());
        }
        for (std::string_view k : {"fixed", "first_fixed"}) {
          auto ids = strings(*ps, k);
          if (!check_ids(ids, at + ".product_status." + std::string(k))) return false;
          out.fixed.insert(out.fixed.end(), ids.begin(), ids.end());
        }
        auto na = strings(*ps, "known_not_affected");
        if (!check_ids(na, at + ".product_status.known_not_affected")) return false;
        out.not_affected = std::move(na);
      }
      if (const json* scores = member(v, "scores"); scores && scores->is_array()) {
        for (const auto& s : *scores) {
          if (!check_ids(strings(s, "products"), at + ".scores[].products")) return false;
          const json* c = member(s, "cvss_v3");
          if (!c) continue;
          const json* base = member(*c, "baseScore");
          if (!base || !base->is_number()) continue;
          const double b = base->get<double>();
          if (b < 0 || b > 10) continue;
          if (b > out.cvss_base) {
            out.cvss_base = b;
            out.cvss_vector = str(*c, "vectorString");
          }
        }
      }
      if (const json* rems = member(v, "remediations"); rems && rems->is_array()) {
        for (const auto& r : *rems) {
          Remediation rem;
          rem.category = str(r, "category");
          rem.details = str(r, "details");
          rem.url = str(r, "url");
          rem.product_ids = strings(r, "product_ids");
          if (!check_ids(rem.product_ids, at + ".remediations[].product_ids")) return false;
          for (const auto& g : strings(r, "group_ids"))
            if (!group_ids.contains(g))
              return fail("CSAF document: " + at + ".remediations[].group_ids names group \"" + g.substr(0, 64) +
                          "\" that product_tree does not define");
          auto more = expand_groups(strings(r, "group_ids"));
          rem.product_ids.insert(rem.product_ids.end(), more.begin(), more.end());
          out.remediations.push_back(std::move(rem));
        }
      }
      if (const json* refs = member(v, "references"); refs && refs->is_array())
        for (const auto& r : *refs) {
          std::pair<std::string, std::string> ref{str(r, "summary"), str(r, "url")};
          if (!ref.second.empty() && std::find(adv.references.begin(), adv.references.end(), ref) == adv.references.end())
            adv.references.push_back(std::move(ref));
        }
      adv.vulnerabilities.push_back(std::move(out));
    }
    return true;
  }
};

}  // namespace

ReadResult read_csaf(std::string_view json_text) {
  ReadResult result;
  if (json_text.size() > kMaxDocumentBytes) {
    result.error = "CSAF document: larger than 64 MiB; not an advisory (split or check the file)";
    return result;
  }
  if (nesting(json_text) > kMaxNesting) {
    result.error = "CSAF document: JSON nested deeper than 64 levels; not an advisory";
    return result;
  }
  try {
    const json root = json::parse(json_text.begin(), json_text.end(), nullptr, false);
    if (root.is_discarded()) {
      result.error = "CSAF document: not valid JSON";
      return result;
    }
    if (!root.is_object()) {
      result.error = "CSAF document: the top level is not a JSON object";
      return result;
    }
    Reader r;
    r.adv.source = "csaf";
    if (r.read_document(root) && r.read_product_tree(root) && r.read_vulnerabilities(root)) {
      result.advisories.push_back(std::move(r.adv));
    } else {
      result.error = r.error;
    }
  } catch (const std::exception& e) {  // allocation failure; the parser itself does not throw here
    result.advisories.clear();
    result.error = std::string("CSAF document: cannot be read (") + e.what() + ")";
  }
  return result;
}

}  // namespace mieruka::inventory::advisories
