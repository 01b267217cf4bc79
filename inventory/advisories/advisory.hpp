// Published ICS advisories, read offline, and which assets of the ledger they
// affect. The model follows CSAF 2.0 (docs.oasis-open.org/csaf/csaf/v2.0):
// a document names products in its product_tree (vendor -> product name ->
// version or version range, each with a product id) and lists vulnerabilities
// with the ids they affect, their scores and the vendor's remediations. JVN's
// VULDEF documents are read into the same model.
//
// Pure data and functions: no database, no logging. The store keeps imported
// advisories as to_json(Advisory) and remediation states per asset and CVE;
// the finding engine turns matches into `vulnerable` findings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory::advisories {

// --- versions --------------------------------------------------------------
// A version compared the way its vendor numbers releases ("1.270G" after
// "1.215Z" for Mitsubishi, "V4.5.2" for Siemens, "32.011" for Rockwell,
// "R3.08.10" for Yokogawa). The style comes from the normalised vendor key.
// Returns <0, 0, >0; nullopt when the two cannot be ordered (different shapes).
[[nodiscard]] std::optional<int> compare_versions(std::string_view a, std::string_view b,
                                                  std::string_view vendor_key);

enum class Op : std::uint8_t { lt, le, gt, ge, eq };
struct Constraint {
  Op op = Op::eq;
  std::string version;
};
// A version range as CISA and vendors write it: a `vers:` string, "<= V4.5",
// ">= 1.215Z | <= 1.270G" (a lower and an upper bound), "8.001|8.002|9.001"
// (a list), "all versions", or one exact version (product_version).
struct VersionRange {
  std::string text;           // as written
  bool all = false;           // every version is affected
  bool readable = true;       // false: the text could not be read; never confirms
  // Affected when any alternative holds; an alternative holds when all its
  // constraints hold.
  std::vector<std::vector<Constraint>> any_of;
};
[[nodiscard]] VersionRange parse_range(std::string_view text, bool is_range);
enum class InRange : std::uint8_t { yes, no, unknown };
[[nodiscard]] InRange in_range(const VersionRange& r, std::string_view version, std::string_view vendor_key);

// --- vendors and products --------------------------------------------------
// One key per maker whatever the spelling: "Mitsubishi Electric Corporation",
// "MITSUBISHI ELECTRIC CORPORATION" (IEEE OUI), "三菱電機", the CIP vendor name
// -> "mitsubishi_electric". Empty for a name the table does not know.
[[nodiscard]] std::string vendor_key(std::string_view name);

// The product families the table in vendors_products.cpp maps an identity
// string of this maker to ("R08CPU" -> "MELSEC iQ-R Series", "MELSEC iQ-R");
// the first is the family, the others how advisories also write it. Empty
// when the table has no family for it.
[[nodiscard]] std::vector<std::string> families_of(std::string_view vendor_key, std::string_view model);

// What the ledger says a device is, in the terms advisories use.
struct DeviceIdentity {
  std::string asset_id;
  std::string vendor_key;             // empty: unknown maker -> never matched
  std::vector<std::string> models;    // identity strings the device sent, best first
                                      // ("R08CPU", "6ES7 516-3AN01-0AB0", "CJ2M-CPU31")
  std::vector<std::string> families;  // product families the table maps them to
                                      // ("MELSEC iQ-R Series", "SIMATIC S7-1500")
  std::string firmware;               // empty: unknown
  std::string firmware_source;        // the fact's source (protocol)
};
[[nodiscard]] DeviceIdentity identity_of(const Asset& a);

// --- documents -------------------------------------------------------------
struct Product {
  std::string product_id;             // the document's id ("CSAFPID-0001")
  std::string vendor;                 // as written
  std::string vendor_key;             // vendor_key(vendor)
  std::vector<std::string> names;     // product_family / product_name branches, outer first
  std::string full_name;              // product.name
  VersionRange versions;
  std::vector<std::string> cpes, model_numbers, skus;  // product_identification_helper
};

struct Remediation {
  std::string category;               // vendor_fix, mitigation, workaround, no_fix_planned, ...
  std::string details, url;
  std::vector<std::string> product_ids;
};

struct Vulnerability {
  std::string cve;                    // may be empty (JVN-only ids are kept in ids)
  std::vector<std::string> ids;       // other ids: JVNDB-..., ZDI-...
  std::string title;
  double cvss_base = -1;              // highest CVSS v3 base score, -1: none
  std::string cvss_vector;
  std::vector<std::string> known_affected;  // product ids
  std::vector<std::string> fixed, not_affected;
  std::vector<Remediation> remediations;
};

struct Advisory {
  std::string id;                     // document.tracking.id ("ICSA-20-056-01", "JVNDB-2023-001234")
  std::string source;                 // "csaf" or "jvn"
  std::string title, publisher, lang;
  std::string initial_release, current_release;  // ISO 8601 as written
  std::string revision;               // tracking.version
  std::vector<Product> products;
  std::vector<Vulnerability> vulnerabilities;
  std::vector<std::pair<std::string, std::string>> references;  // summary, url
};

[[nodiscard]] nlohmann::json to_json(const Advisory& a);
// Throws nothing; nullopt when the JSON is not what to_json wrote.
[[nodiscard]] std::optional<Advisory> from_json(const nlohmann::json& j);

// Readers. A document missing a field CSAF 2.0 requires is refused with one
// line naming the field. Never throws, never aborts, on any input.
struct ReadResult {
  std::vector<Advisory> advisories;   // one for CSAF; JVN files may hold several
  std::string error;                  // empty when read
};
[[nodiscard]] ReadResult read_csaf(std::string_view json_text);
[[nodiscard]] ReadResult read_jvn(std::string_view xml_text);

// Files, directories (recursively, *.json and *.xml) and ROLIE feeds (a feed's
// entries name files next to it). One error line per file that is skipped.
struct LoadResult {
  std::vector<Advisory> advisories;
  std::vector<std::string> errors;    // "PATH: what is wrong"
  std::size_t files = 0;
};
[[nodiscard]] LoadResult load_paths(const std::vector<std::string>& paths);

// --- matching --------------------------------------------------------------
// confirmed: maker, product and firmware in range; possible: maker and product
// match, the firmware is unknown or cannot be ordered. Never on maker alone.
enum class Confidence : std::uint8_t { possible, confirmed };
[[nodiscard]] std::string_view to_string(Confidence c) noexcept;

struct Match {
  std::string asset_id, advisory_id, product_id;
  Confidence confidence = Confidence::possible;
  std::vector<std::string> cves;      // the advisory's CVEs that list this product
  std::string why;                    // "model R08CPU = MELSEC iQ-R Series R08CPU; firmware 45 <= 60"
  // `why` as evidence values: kind "match" of the catalog (inventory/policy/evidence.cpp),
  // whose English template renders `why`.
  nlohmann::json why_values;
};

// Every match of the devices against the advisories at or above `minimum`,
// ordered by asset id, then advisory id.
[[nodiscard]] std::vector<Match> match(const std::vector<DeviceIdentity>& devices,
                                       const std::vector<Advisory>& advisories,
                                       Confidence minimum = Confidence::possible);

}  // namespace mieruka::inventory::advisories
