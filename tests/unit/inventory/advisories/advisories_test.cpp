// Advisory readers, version ranges, maker keys, the product family table and
// the matcher, against the real CISA CSAF documents in ../shared/advisories.
#include "inventory/advisories/advisory.hpp"

#include <gtest/gtest.h>

#include "inventory/ledger/oui.hpp"
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace mieruka::inventory::advisories {
namespace {

namespace fs = std::filesystem;

const fs::path kShared = fs::path(MIERUKA_SOURCE_DIR) / ".." / "shared" / "advisories";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Advisory read_shared(const std::string& name) {
  auto r = read_csaf(slurp(kShared / "csaf" / name));
  EXPECT_EQ(r.error, "") << name;
  EXPECT_EQ(r.advisories.size(), 1U) << name;
  return r.advisories.empty() ? Advisory{} : r.advisories.front();
}

int cmp(std::string_view a, std::string_view b, std::string_view vk = "") {
  auto c = compare_versions(a, b, vk);
  EXPECT_TRUE(c.has_value()) << a << " vs " << b;
  return c.value_or(99);
}

// --- versions -------------------------------------------------------------------

TEST(AdvisoryVersions, VendorStyles) {
  EXPECT_LT(cmp("1.215Z", "1.270G", "mitsubishi_electric"), 0);  // Mitsubishi letter releases
  EXPECT_GT(cmp("1.295H", "1.270G", "mitsubishi_electric"), 0);
  EXPECT_LT(cmp("1.270A", "1.270G", "mitsubishi_electric"), 0);
  EXPECT_FALSE(compare_versions("1.270", "1.270G", "mitsubishi_electric"));  // no letter cannot be ordered
  EXPECT_EQ(cmp("V4.5", "4.5", "siemens"), 0);                               // V prefix ignored
  EXPECT_LT(cmp("V4.5", "V4.5.2", "siemens"), 0);                            // missing segment is 0
  EXPECT_EQ(cmp("32.011", "32.11", "rockwell_automation"), 0);               // CIP 32.11 is Rockwell 32.011
  EXPECT_LT(cmp("v33.011", "v.33.015", "rockwell_automation"), 0);
  EXPECT_LT(cmp("R3.08.10", "R3.09.50", "yokogawa"), 0);
  EXPECT_GT(cmp("R10.04", "R9.01", "yokogawa"), 0);                           // numbers, not text
  EXPECT_FALSE(compare_versions("1.5", "1.49", "omron"));     // Omron: "1.5" may be 1.50 or 1.05
  EXPECT_FALSE(compare_versions("02.01", "2.1", "omron"));    // FINS "02.01" against an advisory's "2.1"
  EXPECT_LT(cmp("1.09", "1.10", "omron"), 0);
  EXPECT_LT(cmp("2.0", "2.1", "omron"), 0);
  EXPECT_LT(cmp("1.5", "1.49", ""), 0);                       // elsewhere numbers
  EXPECT_EQ(cmp("01.39.000", "1.39", ""), 0);
  EXPECT_FALSE(compare_versions("6.6.8", "6.6.8a", ""));
  EXPECT_LT(cmp("14.1s0", "14.1s1", ""), 0);
  EXPECT_EQ(cmp("firmware_65", "65", ""), 0);
  EXPECT_EQ(cmp("HiOS 07.0.02", "7.0.2", ""), 0);
  EXPECT_FALSE(compare_versions("0x0012", "35", ""));      // an SLMP equipment code, not a version
  EXPECT_FALSE(compare_versions("A8", "A9", ""));          // hardware letters
  EXPECT_FALSE(compare_versions("3.x", "3.1", ""));        // a wildcard
  EXPECT_FALSE(compare_versions("16XXXXXXXXX.", "1", ""));  // a serial number prefix
}

TEST(AdvisoryVersions, RangesAsCisaWritesThem) {
  auto r = parse_range(">= 1.215Z | <= 1.270G", true);
  ASSERT_TRUE(r.readable);
  ASSERT_EQ(r.any_of.size(), 1U);  // a lower and an upper bound: one interval
  EXPECT_EQ(in_range(r, "1.215Z", "mitsubishi_electric"), InRange::yes);
  EXPECT_EQ(in_range(r, "1.250A", "mitsubishi_electric"), InRange::yes);
  EXPECT_EQ(in_range(r, "1.270G", "mitsubishi_electric"), InRange::yes);
  EXPECT_EQ(in_range(r, "1.270H", "mitsubishi_electric"), InRange::no);
  EXPECT_EQ(in_range(r, "1.200Z", "mitsubishi_electric"), InRange::no);
  EXPECT_EQ(in_range(r, "1.270", "mitsubishi_electric"), InRange::unknown);

  r = parse_range("8.001|8.002|9.001", true);  // a list
  EXPECT_EQ(r.any_of.size(), 3U);
  EXPECT_EQ(in_range(r, "8.002", ""), InRange::yes);
  EXPECT_EQ(in_range(r, "8.003", ""), InRange::no);

  r = parse_range("vers:all/<V2404.0004", true);
  EXPECT_EQ(in_range(r, "V2404.0003", "siemens"), InRange::yes);
  EXPECT_EQ(in_range(r, "V2404.0004", "siemens"), InRange::no);
  EXPECT_TRUE(parse_range("vers:all/*", true).all);
  EXPECT_TRUE(parse_range("All versions", true).all);
  r = parse_range("vers:all/>=V11.5.1|<V11.6.2", true);
  EXPECT_EQ(in_range(r, "V11.5.9", "siemens"), InRange::yes);
  EXPECT_EQ(in_range(r, "V11.6.2", "siemens"), InRange::no);
  EXPECT_EQ(in_range(r, "V11.5.0", "siemens"), InRange::no);

  r = parse_range(">=R3.08.10|<=R3.09.50", true);
  EXPECT_EQ(in_range(r, "R3.09.00", "yokogawa"), InRange::yes);
  EXPECT_EQ(in_range(r, "R3.09.51", "yokogawa"), InRange::no);

  r = parse_range("< 01.401.102", true);
  EXPECT_EQ(in_range(r, "1.401.101", ""), InRange::yes);
  EXPECT_EQ(in_range(r, "1.401.102", ""), InRange::no);

  r = parse_range("<= V4.5", true);
  EXPECT_EQ(in_range(r, "V4.5", "siemens"), InRange::yes);
  EXPECT_EQ(in_range(r, "V4.5.2", "siemens"), InRange::no);
  EXPECT_EQ(in_range(r, "", "siemens"), InRange::unknown);

  // The first fixed release of each major line (Rockwell).
  r = parse_range("<V33.017_V34.014_V35.013_V36.011", true);
  ASSERT_TRUE(r.readable);
  EXPECT_EQ(in_range(r, "33.016", "rockwell_automation"), InRange::yes);
  EXPECT_EQ(in_range(r, "33.017", "rockwell_automation"), InRange::no);
  EXPECT_EQ(in_range(r, "34.011", "rockwell_automation"), InRange::yes);
  EXPECT_EQ(in_range(r, "34.014", "rockwell_automation"), InRange::no);
  EXPECT_EQ(in_range(r, "36.011", "rockwell_automation"), InRange::no);
  EXPECT_EQ(in_range(r, "37.011", "rockwell_automation"), InRange::no);
  r = parse_range("<v36.011_v35.013_v34.014", true);  // written newest first
  EXPECT_EQ(in_range(r, "35.012", "rockwell_automation"), InRange::yes);
  EXPECT_EQ(in_range(r, "32.011", "rockwell_automation"), InRange::yes);

  // product_version: one version, a list, or a dash range.
  EXPECT_EQ(in_range(parse_range("v.32.011", false), "32.11", "rockwell_automation"), InRange::yes);
  EXPECT_EQ(in_range(parse_range("1.265B -1.285X", false), "1.270A", "mitsubishi_electric"), InRange::yes);
  EXPECT_EQ(in_range(parse_range("1.275M\xE2\x80\x94" "1.280S", false), "1.281A", "mitsubishi_electric"),
            InRange::no);
  EXPECT_EQ(in_range(parse_range("3.36 | 3.40", false), "3.40", ""), InRange::yes);
  // An article number is not a version.
  EXPECT_FALSE(parse_range("2700988", false).readable);
}

TEST(AdvisoryVersions, UnreadableRangesNeverConfirm) {
  for (const char* text : {"16XXXXXXXXX.", "5  digits of serial number <= 24031",
                           "<= first five digits of serial number 24061",
                           "<=with_the_first_5_digits_of_serial_number_24051", "<= Serial Numbers 2310****",
                           "< 1.49 (1.29 for NX7)", "<= 2.0 (Build 683.003) ", ">= 3.x | <= 3.2.2", "<= R7x",
                           "<=A12__without_Special_Modification_Patch_BRD-C62W003-A0_installed", "<=LF",
                           "<Hotfix-145271", ">= 1.0 | >= 2.4", "<4.04E_10.95.210.01",
                           ">= R1.01 | <= R4.31 (Only affected by CVE-222-30997)", "<=2.6-GA-01-23116", "<V8.0_Update_5",
                           "<V3.2_SP2", ""}) {
    const auto r = parse_range(text, true);
    EXPECT_FALSE(r.readable) << text;
    EXPECT_FALSE(r.all) << text;
    EXPECT_EQ(in_range(r, "1.0", ""), InRange::unknown) << text;
  }
  // Bounds out of order, or not comparable, in the vendor's numbering: neither in nor out.
  auto backwards = parse_range(">= 1.31 | <= 1.4", true);
  EXPECT_EQ(in_range(backwards, "1.35", "omron"), InRange::unknown);
  EXPECT_EQ(in_range(backwards, "1.35", ""), InRange::unknown);  // as plain numbers 1.31 > 1.4
  EXPECT_EQ(in_range(parse_range("< 2.1", true), "02.01", "omron"), InRange::unknown);
  EXPECT_EQ(in_range(parse_range("< 2.1", true), "2.0", "omron"), InRange::yes);
  // A remark in parentheses that narrows nothing is dropped.
  const auto r = parse_range("< 1.031 (These products are sold in limited regions)", true);
  EXPECT_TRUE(r.readable);
  EXPECT_EQ(in_range(r, "1.030", ""), InRange::yes);
}

// Every range string in the shared advisories: none throws, and the ones read
// give what they say.
TEST(AdvisoryVersions, EveryRangeInTheSharedAdvisories) {
  std::size_t products = 0, readable = 0, all = 0;
  for (const auto& e : fs::directory_iterator(kShared / "csaf")) {
    auto r = read_csaf(slurp(e.path()));
    ASSERT_EQ(r.error, "") << e.path();
    for (const auto& p : r.advisories.at(0).products) {
      ++products;
      if (p.versions.all) ++all;
      else if (p.versions.readable) ++readable;
      EXPECT_FALSE(p.versions.readable && !p.versions.all && p.versions.any_of.empty()) << p.versions.text;
      for (const auto& alt : p.versions.any_of)
        for (const auto& c : alt) EXPECT_TRUE(compare_versions(c.version, c.version, p.vendor_key)) << c.version;
    }
  }
  EXPECT_EQ(products, 1015U);  // every product of every document
  EXPECT_EQ(all, 352U);        // "vers:all/*" (306 ranges, 46 product versions)
  EXPECT_GT(readable, 500U);
}

// --- makers and products ---------------------------------------------------------------

TEST(AdvisoryVendors, OneKeyPerMaker) {
  for (const char* n : {"Mitsubishi Electric", "Mitsubishi Electric Corporation", "Mitsubishi Electric India",
                        "Mitsubishi Electric ", "MITSUBISHI ELECTRIC CORPORATION", "Mitsubishi Electric Automation, Inc.",
                        "三菱電機", "三菱電機株式会社"})
    EXPECT_EQ(vendor_key(n), "mitsubishi_electric") << n;
  EXPECT_EQ(vendor_key("Schneider Electric Software, LLC"), "schneider_electric");
  EXPECT_EQ(vendor_key("Hirschmann Automation and Control GmbH, Belden Inc."), "belden");
  EXPECT_EQ(vendor_key("Belden Wire & Cable Company"), "belden");
  EXPECT_EQ(vendor_key("MOXA"), "moxa");
  EXPECT_EQ(vendor_key("MOXA TECHNOLOGIES CORP., LTD."), "moxa");
  EXPECT_EQ(vendor_key("Rockwell Automation/Allen-Bradley"), "rockwell_automation");
  EXPECT_EQ(vendor_key("Omron Corporation"), "omron");
  EXPECT_EQ(vendor_key("オムロン株式会社"), "omron");
  EXPECT_EQ(vendor_key("株式会社キーエンス"), "keyence");
  EXPECT_EQ(vendor_key("横河電機"), "yokogawa");
  EXPECT_EQ(vendor_key("富士電機"), "fuji_electric");
  EXPECT_EQ(vendor_key("パナソニック"), "panasonic");
  EXPECT_EQ(vendor_key("日立"), "hitachi");
  EXPECT_EQ(vendor_key("シーメンス"), "siemens");
  EXPECT_EQ(vendor_key("Hitachi Energy "), "hitachi_energy");
  EXPECT_EQ(vendor_key("Hitachi, Ltd."), "hitachi");
  EXPECT_EQ(vendor_key("HMS Industrial Networks"), "hms");
  EXPECT_EQ(vendor_key("UAB \"Teltonika Telematics\""), "teltonika");
  EXPECT_EQ(vendor_key("Contec"), "contec");
  EXPECT_EQ(vendor_key("Contec Health"), "contec_health");
  EXPECT_EQ(vendor_key("Siemens"), "siemens");
  EXPECT_EQ(vendor_key("SIEMENS AG, Digital Factory, Motion Control System"), "siemens");
  // Not the same maker, several makers, or none known.
  EXPECT_EQ(vendor_key("Mitsubishi Heavy Industries Ltd"), "");
  EXPECT_EQ(vendor_key("Phoenix Digital Corporation"), "");
  EXPECT_EQ(vendor_key("ABB, Phoenix Contact, Schneider Electric, Siemens, and WAGO"), "");
  EXPECT_EQ(vendor_key("ICONICS and Mitsubishi Electric"), "");
  EXPECT_EQ(vendor_key("Baxter"), "");
  EXPECT_EQ(vendor_key(""), "");
  EXPECT_EQ(vendor_key("vendor id 9999"), "");
}

// The registry's own spellings, from the compiled OUI table.
TEST(AdvisoryVendors, OuiRegistryNames) {
  auto key_of_mac = [](const char* m) {
    const auto v = oui::vendor(*MacAddr::parse(m));
    return v ? vendor_key(*v) : std::string("(no registry entry)");
  };
  EXPECT_EQ(key_of_mac("38:e0:8e:00:00:01"), "mitsubishi_electric");
  EXPECT_EQ(key_of_mac("3c:f7:d1:00:00:01"), "omron");
  EXPECT_EQ(key_of_mac("00:0e:8c:00:00:01"), "siemens");
  EXPECT_EQ(key_of_mac("00:00:bc:12:34:56"), "rockwell_automation");
  EXPECT_EQ(key_of_mac("00:90:e8:00:00:01"), "moxa");
}

TEST(AdvisoryProducts, FamilyTable) {
  using V = std::vector<std::string>;
  EXPECT_EQ(families_of("mitsubishi_electric", "R08CPU"), (V{"MELSEC iQ-R Series", "MELSEC iQ-R"}));
  EXPECT_EQ(families_of("mitsubishi_electric", "R120SFCPU"), (V{"MELSEC iQ-R Series", "MELSEC iQ-R"}));
  EXPECT_EQ(families_of("mitsubishi_electric", "Q03UDECPU").at(0), "MELSEC-Q Series");
  EXPECT_EQ(families_of("mitsubishi_electric", "FX5U-32MT/ES").at(0), "MELSEC iQ-F Series");
  EXPECT_EQ(families_of("siemens", "6ES7 516-3AN01-0AB0").at(0), "SIMATIC S7-1500");
  EXPECT_EQ(families_of("siemens", "6ES7 214-1AG40-0XB0").at(0), "SIMATIC S7-1200");
  EXPECT_EQ(families_of("siemens", "CPU 1516-3 PN/DP").at(0), "SIMATIC S7-1500");
  EXPECT_EQ(families_of("omron", "CJ2M-CPU31").at(0), "SYSMAC CJ2M");
  EXPECT_EQ(families_of("omron", "NJ501-1300").at(0), "NJ Series");
  EXPECT_EQ(families_of("omron", "NX102-9000").at(0), "NX Series");
  EXPECT_EQ(families_of("rockwell_automation", "1756-L85E").at(0), "ControlLogix 5580");
  EXPECT_EQ(families_of("rockwell_automation", "1756-L84ES").at(0), "GuardLogix 5580");
  EXPECT_EQ(families_of("rockwell_automation", "5069-L320ER").at(0), "CompactLogix 5380");
  EXPECT_EQ(families_of("moxa", "MGate MB3170"), (V{"MB3170 Series", "MGate MB3170 Series"}));
  EXPECT_EQ(families_of("moxa", "MB3170I-T").at(0), "MB3170 Series");
  // The maker decides: another maker's identical string is no family.
  EXPECT_TRUE(families_of("omron", "R08CPU").empty());
  EXPECT_TRUE(families_of("mitsubishi_electric", "6ES7 516-3AN01-0AB0").empty());
  EXPECT_TRUE(families_of("mitsubishi_electric", "GX Works3").empty());
}

Asset asset_with(std::vector<FactRecord> facts) {
  Asset a;
  a.id = "a1";
  a.facts = std::move(facts);
  return a;
}

TEST(AdvisoryProducts, IdentityFromTheLedger) {
  auto d = identity_of(asset_with({{"vendor", "Mitsubishi Electric", "slmp_type_name", 1, 2, 1},
                                   {"product", "R08CPU", "slmp_type_name", 1, 2, 1},
                                   {"revision", "0x0012", "slmp_node_search", 1, 2, 1}}));
  EXPECT_EQ(d.asset_id, "a1");
  EXPECT_EQ(d.vendor_key, "mitsubishi_electric");
  EXPECT_EQ(d.models, (std::vector<std::string>{"R08CPU"}));
  EXPECT_EQ(d.families.at(0), "MELSEC iQ-R Series");
  EXPECT_EQ(d.firmware, "");  // the node search equipment code is no firmware version

  d = identity_of(asset_with({{"vendor", "Rockwell Automation/Allen-Bradley", "enip_list_identity", 1, 2, 1},
                              {"product", "1756-L85E/B LOGIX5585E", "enip_list_identity", 1, 2, 1},
                              {"revision", "33.11", "enip_list_identity", 1, 2, 1},
                              {"vendor", "Rockwell Automation", "oui", 1, 2, 1}}));
  EXPECT_EQ(d.vendor_key, "rockwell_automation");
  EXPECT_EQ(d.models, (std::vector<std::string>{"1756-L85E/B LOGIX5585E", "1756-L85E/B", "1756-L85E"}));
  EXPECT_EQ(d.families, (std::vector<std::string>{"ControlLogix 5580"}));
  EXPECT_EQ(d.firmware, "33.11");
  EXPECT_EQ(d.firmware_source, "enip_list_identity");

  // The MAC's maker counts as the maker; a product only the plant's list names does not.
  d = identity_of(asset_with({{"vendor", "MOXA TECHNOLOGIES CORP., LTD.", "oui", 1, 2, 1},
                              {"product", "MGate MB3170", "approved_list", 1, 2, 1}}));
  EXPECT_EQ(d.vendor_key, "moxa");
  EXPECT_TRUE(d.models.empty());
  d = identity_of(asset_with({{"vendor", "MOXA TECHNOLOGIES CORP., LTD.", "oui", 1, 2, 1},
                              {"product", "MGate MB3170", "snmp", 1, 2, 1},
                              {"revision", "4.0", "snmp", 1, 2, 1}}));
  EXPECT_EQ(d.models, (std::vector<std::string>{"MGate MB3170", "MB3170"}));
  EXPECT_EQ(d.families.at(0), "MB3170 Series");
}

std::string minimal_csaf();  // a valid CSAF document with one Omron product (below)

TEST(AdvisoryProducts, IdentityOfAnS7Cpu) {
  const auto d = identity_of(asset_with({{"vendor", "Siemens", "s7_szl_0011", 1, 2, 1},
                                         {"product", "6ES7 516-3AN01-0AB0", "s7_szl_0011", 1, 2, 1},
                                         {"revision", "V2.9.2", "s7_szl_0011", 1, 2, 1},
                                         {"model", "CPU 1516-3 PN/DP", "s7_szl_001c", 1, 2, 1},
                                         {"vendor", "Siemens AG", "oui", 1, 2, 1}}));
  EXPECT_EQ(d.vendor_key, "siemens");
  EXPECT_EQ(d.models, (std::vector<std::string>{"6ES7 516-3AN01-0AB0", "CPU 1516-3 PN/DP"}));
  EXPECT_EQ(d.families, (std::vector<std::string>{"SIMATIC S7-1500", "S7-1500"}));
  EXPECT_EQ(d.firmware, "V2.9.2");
  EXPECT_EQ(d.firmware_source, "s7_szl_0011");
  // A model number in the advisory without the space S7 sends.
  Advisory a = read_csaf(minimal_csaf()).advisories.at(0);
  a.products[0].vendor = "Siemens";
  a.products[0].vendor_key = "siemens";
  a.products[0].names = {"SIMATIC S7-1500 CPU 1516-3 PN/DP"};
  a.products[0].model_numbers = {"6ES7516-3AN01-0AB0"};
  a.products[0].versions = parse_range("vers:all/<V3.0.1", true);
  auto m = match({d}, {a});
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_EQ(m[0].why.rfind("model number 6ES7516-3AN01-0AB0", 0), 0U) << m[0].why;
  a.products[0].versions = parse_range("vers:all/<V2.9.2", true);
  EXPECT_TRUE(match({d}, {a}).empty());
}

// --- readers ----------------------------------------------------------------------------

TEST(AdvisoryCsaf, RealDocuments) {
  auto a = read_shared("icsa-20-056-01.json");
  EXPECT_EQ(a.id, "ICSA-20-056-01");
  EXPECT_EQ(a.source, "csaf");
  EXPECT_EQ(a.revision, "1");
  ASSERT_EQ(a.products.size(), 6U);
  EXPECT_EQ(a.products[2].product_id, "CSAFPID-0003");
  EXPECT_EQ(a.products[2].vendor_key, "moxa");
  EXPECT_EQ(a.products[2].names, (std::vector<std::string>{"MB3170 series"}));
  EXPECT_EQ(a.products[2].versions.text, "<= 4.0");
  ASSERT_EQ(a.vulnerabilities.size(), 8U);
  EXPECT_EQ(a.vulnerabilities[0].cve, "CVE-2019-9099");
  EXPECT_DOUBLE_EQ(a.vulnerabilities[0].cvss_base, 7.5);
  EXPECT_EQ(a.vulnerabilities[0].known_affected.size(), 6U);
  const auto worst = std::max_element(a.vulnerabilities.begin(), a.vulnerabilities.end(),
                                      [](const auto& x, const auto& y) { return x.cvss_base < y.cvss_base; });
  EXPECT_EQ(worst->cve, "CVE-2019-9096");
  EXPECT_DOUBLE_EQ(worst->cvss_base, 9.8);
  EXPECT_TRUE(worst->cvss_vector.starts_with("CVSS:3.")) << worst->cvss_vector;

  a = read_shared("icsa-23-143-03.json");
  EXPECT_EQ(a.products.size(), 43U);
  ASSERT_EQ(a.vulnerabilities.size(), 1U);
  EXPECT_EQ(a.vulnerabilities[0].cve, "CVE-2023-1424");
  EXPECT_DOUBLE_EQ(a.vulnerabilities[0].cvss_base, 10.0);
  EXPECT_EQ(a.products[0].vendor_key, "mitsubishi_electric");
  EXPECT_FALSE(a.vulnerabilities[0].remediations.empty());

  a = read_shared("icsa-24-261-01.json");  // Siemens, model numbers in the identification helper
  EXPECT_EQ(a.products.size(), 18U);
  EXPECT_EQ(a.current_release, "2024-09-10T00:00:00.000000Z");
  ASSERT_EQ(a.vulnerabilities.size(), 1U);
  EXPECT_EQ(a.vulnerabilities[0].cve, "CVE-2024-43647");
  EXPECT_DOUBLE_EQ(a.vulnerabilities[0].cvss_base, 7.5);
  EXPECT_EQ(a.vulnerabilities[0].cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:P/RL:T/RC:C");
  ASSERT_EQ(a.vulnerabilities[0].remediations.size(), 2U);
  EXPECT_EQ(a.vulnerabilities[0].remediations[0].category, "mitigation");
  EXPECT_EQ(a.vulnerabilities[0].remediations[1].category, "no_fix_planned");
  EXPECT_GE(a.references.size(), 10U);
  for (const auto& p : a.products) {
    EXPECT_EQ(p.vendor_key, "siemens");
    EXPECT_EQ(p.model_numbers.size(), 1U) << p.full_name;
    EXPECT_TRUE(p.versions.all) << p.versions.text;
  }

  // Several makers in one vendor branch: each product's maker from its own name.
  a = read_shared("icsa-19-106-03.json");
  std::set<std::string> keys;
  for (const auto& p : a.products) keys.insert(p.vendor_key);
  EXPECT_EQ(keys, (std::set<std::string>{"abb", "phoenix_contact", "siemens", "wago", ""}));
  EXPECT_EQ(a.products.at(0).vendor_key, "wago");           // "WAGO 750-889 Controller: KNX IP"
  EXPECT_EQ(a.products.at(2).vendor_key, "siemens");        // "Siemens: 6ES7211-1AE40-0XB0 ..."
  EXPECT_EQ(a.products.at(10).vendor_key, "");              // "Schneider: Modicon M221": no maker is named so
}

std::string minimal_csaf() {
  return R"({"document":{"category":"csaf_security_advisory","csaf_version":"2.0",
    "publisher":{"category":"vendor","name":"Example","namespace":"https://example.com"},
    "title":"t","tracking":{"current_release_date":"2024-01-02T00:00:00Z","id":"EX-1",
    "initial_release_date":"2024-01-01T00:00:00Z",
    "revision_history":[{"date":"2024-01-01T00:00:00Z","number":"1","summary":"s"}],
    "status":"final","version":"1"}},
    "product_tree":{"branches":[{"category":"vendor","name":"Omron","branches":[
      {"category":"product_name","name":"CJ2M-CPU**","branches":[
        {"category":"product_version_range","name":"<= 2.0","product":{"name":"CJ2M","product_id":"P1"}}]}]}]},
    "vulnerabilities":[{"cve":"CVE-2024-0001","product_status":{"known_affected":["P1"]}}]})";
}

std::string without_field(std::string doc, const std::string& field_text) {
  const auto at = doc.find(field_text);
  EXPECT_NE(at, std::string::npos) << field_text;
  doc.erase(at, field_text.size());
  return doc;
}

TEST(AdvisoryCsaf, RefusesWhatCsafRequires) {
  ASSERT_EQ(read_csaf(minimal_csaf()).error, "");
  const std::pair<std::string, std::string> cases[] = {
      {R"("category":"csaf_security_advisory",)", "document.category"},
      {R"("csaf_version":"2.0",)", "document.csaf_version"},
      {R"("name":"Example",)", "document.publisher.name"},
      {R"(,"namespace":"https://example.com")", "document.publisher.namespace"},
      {R"("title":"t",)", "document.title"},
      {R"("id":"EX-1",)", "document.tracking.id"},
      {R"("current_release_date":"2024-01-02T00:00:00Z",)", "document.tracking.current_release_date"},
      {R"("initial_release_date":"2024-01-01T00:00:00Z",)", "document.tracking.initial_release_date"},
      {R"("status":"final",)", "document.tracking.status"},
      {R"(,"version":"1")", "document.tracking.version"},
  };
  for (const auto& [cut, field_name] : cases) {
    const auto r = read_csaf(without_field(minimal_csaf(), cut));
    EXPECT_TRUE(r.advisories.empty()) << field_name;
    EXPECT_NE(r.error.find(field_name), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos);
  }
  std::string doc = minimal_csaf();
  doc.replace(doc.find(R"(["P1"])"), 6, R"(["P9"])");
  EXPECT_NE(read_csaf(doc).error.find("\"P9\" that product_tree does not define"), std::string::npos);
  doc = minimal_csaf();
  doc.replace(doc.find(R"("csaf_version":"2.0")"), 20, R"("csaf_version":"1.2")");
  EXPECT_NE(read_csaf(doc).error.find("not 2.0"), std::string::npos);
  doc = minimal_csaf();
  doc.replace(doc.find(R"("title":"t")"), 11, R"("title":17)");
  EXPECT_NE(read_csaf(doc).error.find("document.title is not a non-empty string"), std::string::npos);
  doc = minimal_csaf();
  doc.replace(doc.find(R"("revision_history":[)"), 20, R"("revision_history":{"x":)");
  doc.replace(doc.find(R"("summary":"s"}])"), 15, R"("summary":"s"}})");
  EXPECT_NE(read_csaf(doc).error.find("revision_history"), std::string::npos);

  EXPECT_EQ(read_csaf("").error, "CSAF document: not valid JSON");
  EXPECT_EQ(read_csaf("[1,2]").error, "CSAF document: the top level is not a JSON object");
  EXPECT_EQ(read_csaf("{\"document\":").error, "CSAF document: not valid JSON");
  EXPECT_NE(read_csaf(std::string(100000, '[')).error.find("nested deeper"), std::string::npos);
  std::string huge(65U << 20, ' ');
  EXPECT_NE(read_csaf(huge).error.find("larger than 64 MiB"), std::string::npos);
}

constexpr const char* kJvn = R"(<?xml version="1.0" encoding="UTF-8"?>
<VULDEF-Document version="3.2" xmlns="http://jvn.jp/vuldef/" xmlns:status="http://jvndb.jvn.jp/myjvn/Status" xml:lang="ja">
  <Vulinfo>
    <VulinfoID>JVNDB-2023-001234</VulinfoID>
    <VulinfoData>
      <Title>三菱電機製 MELSEC iQ-R シリーズにおけるサービス運用妨害 (DoS) の脆弱性</Title>
      <Affected>
        <AffectedItem>
          <Name>三菱電機</Name>
          <ProductName>MELSEC iQ-R シリーズ R08CPU</ProductName>
          <Cpe version="2.2">cpe:/h:mitsubishielectric:r08cpu</Cpe>
          <VersionNumber>ファームウェア 65 およびそれ以前</VersionNumber>
          <VersionNumber>不明な表記</VersionNumber>
          <VersionNumber>ファームウェアバージョン 28 およびそれ以前</VersionNumber>
        </AffectedItem>
        <AffectedItem>
          <Name>オムロン株式会社</Name>
          <ProductName>SYSMAC CJ2M</ProductName>
          <VersionNumber>2.1 より前</VersionNumber>
        </AffectedItem>
      </Affected>
      <Impact>
        <Cvss version="2.0"><Severity type="Base">High</Severity><Base>9.9</Base><Vector>AV:N/AC:L/Au:N/C:C/I:C/A:C</Vector></Cvss>
        <Cvss version="3.0"><Severity type="Base">High</Severity><Base>7.5</Base><Vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H</Vector></Cvss>
      </Impact>
      <Solution><SolutionItem><Description>ファームウェアをアップデートしてください。</Description></SolutionItem></Solution>
      <Related>
        <RelatedItem type="advisory"><Name>Common Vulnerabilities and Exposures (CVE)</Name><VulinfoID>CVE-2023-1424</VulinfoID><URL>https://www.cve.org/CVERecord?id=CVE-2023-1424</URL></RelatedItem>
        <RelatedItem type="cwe"><Name>JVNDB</Name><VulinfoID>CWE-120</VulinfoID><URL>https://cwe.mitre.org/</URL></RelatedItem>
      </Related>
      <History>
        <HistoryItem><HistoryNo>1</HistoryNo><DateTime>2023-05-01T10:00:00+09:00</DateTime><Description>掲載</Description></HistoryItem>
        <HistoryItem><HistoryNo>2</HistoryNo><DateTime>2023-06-01T10:00:00+09:00</DateTime><Description>更新</Description></HistoryItem>
      </History>
      <DateFirstPublished>2023-05-01T10:00:00+09:00</DateFirstPublished>
      <DateLastUpdated>2023-06-01T10:00:00+09:00</DateLastUpdated>
    </VulinfoData>
  </Vulinfo>
  <status:Status version="3.3" method="getVulnDetailInfo" retCd="0"/>
</VULDEF-Document>
)";

TEST(AdvisoryJvn, VuldefDocument) {
  const auto r = read_jvn(kJvn);
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.advisories.size(), 1U);
  const auto& a = r.advisories[0];
  EXPECT_EQ(a.id, "JVNDB-2023-001234");
  EXPECT_EQ(a.source, "jvn");
  EXPECT_EQ(a.lang, "ja");
  EXPECT_EQ(a.title, "三菱電機製 MELSEC iQ-R シリーズにおけるサービス運用妨害 (DoS) の脆弱性");
  EXPECT_EQ(a.revision, "2");
  EXPECT_EQ(a.initial_release, "2023-05-01T10:00:00+09:00");
  EXPECT_EQ(a.current_release, "2023-06-01T10:00:00+09:00");
  ASSERT_EQ(a.products.size(), 4U);
  EXPECT_EQ(a.products[0].vendor_key, "mitsubishi_electric");
  EXPECT_EQ(in_range(a.products[2].versions, "28", "mitsubishi_electric"), InRange::yes);
  EXPECT_EQ(in_range(a.products[2].versions, "29", "mitsubishi_electric"), InRange::no);
  EXPECT_EQ(a.products[2].versions.text, "ファームウェアバージョン 28 およびそれ以前");
  EXPECT_EQ(a.products[0].cpes, (std::vector<std::string>{"cpe:/h:mitsubishielectric:r08cpu"}));
  EXPECT_EQ(in_range(a.products[0].versions, "65", "mitsubishi_electric"), InRange::yes);
  EXPECT_EQ(in_range(a.products[0].versions, "66", "mitsubishi_electric"), InRange::no);
  EXPECT_FALSE(a.products[1].versions.readable);
  EXPECT_EQ(a.products[3].vendor_key, "omron");
  EXPECT_EQ(in_range(a.products[3].versions, "2.0", "omron"), InRange::yes);
  EXPECT_EQ(in_range(a.products[3].versions, "2.1", "omron"), InRange::no);
  ASSERT_EQ(a.vulnerabilities.size(), 1U);
  EXPECT_EQ(a.vulnerabilities[0].cve, "CVE-2023-1424");
  EXPECT_EQ(a.vulnerabilities[0].ids, (std::vector<std::string>{"JVNDB-2023-001234"}));
  EXPECT_DOUBLE_EQ(a.vulnerabilities[0].cvss_base, 7.5);  // the v3 score, not v2's 9.9
  EXPECT_EQ(a.vulnerabilities[0].cvss_vector, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
  EXPECT_EQ(a.vulnerabilities[0].known_affected.size(), 4U);
  ASSERT_EQ(a.vulnerabilities[0].remediations.size(), 1U);
  EXPECT_EQ(a.vulnerabilities[0].remediations[0].details, "ファームウェアをアップデートしてください。");
  ASSERT_EQ(a.references.size(), 1U);  // the CWE link is no reference to the advisory
}

TEST(AdvisoryJvn, Malformed) {
  EXPECT_NE(read_jvn("<VULDEF-Document><Vulinfo>").error.find("not well-formed XML"), std::string::npos);
  EXPECT_EQ(read_jvn("<rss/>").error, "JVN document: the root element is not VULDEF-Document");
  EXPECT_EQ(read_jvn("<VULDEF-Document/>").error, "JVN document: no Vulinfo in the VULDEF-Document");
  EXPECT_EQ(read_jvn("<VULDEF-Document><Vulinfo><VulinfoData/></Vulinfo></VULDEF-Document>").error,
            "JVN document: a Vulinfo without VulinfoID");
  EXPECT_EQ(read_jvn("<VULDEF-Document><Vulinfo><VulinfoID>JVNDB-1</VulinfoID><VulinfoData/></Vulinfo></VULDEF-Document>")
                .error,
            "JVN document: JVNDB-1 has no VulinfoData/Title");
  // External entities are not fetched or expanded.
  const auto r = read_jvn(R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
    <VULDEF-Document><Vulinfo><VulinfoID>JVNDB-2</VulinfoID><VulinfoData><Title>&e;</Title></VulinfoData></Vulinfo></VULDEF-Document>)");
  if (r.error.empty()) {
    EXPECT_EQ(r.advisories.at(0).title.find("root:"), std::string::npos);
  }
  // Bytes that are not UTF-8 are replaced, so the advisory can be stored as JSON.
  const auto bad = read_jvn("<VULDEF-Document><Vulinfo><VulinfoID>JVNDB-3</VulinfoID><VulinfoData><Title>a\xff\xc3(b"
                            "</Title></VulinfoData></Vulinfo></VULDEF-Document>");
  ASSERT_EQ(bad.error, "");
  EXPECT_EQ(bad.advisories.at(0).title, "a\xEF\xBF\xBD\xEF\xBF\xBD(b");
  EXPECT_NO_THROW((void)to_json(bad.advisories.at(0)).dump());
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_FALSE(read_jvn(deep).error.empty());
  std::string closed;
  for (int i = 0; i < 100000; ++i) closed += "</a>";
  EXPECT_EQ(read_jvn("<VULDEF-Document>" + deep + closed + "</VULDEF-Document>").error,
            "JVN document: no Vulinfo in the VULDEF-Document");
}

TEST(AdvisoryJson, RoundTrip) {
  std::vector<Advisory> all{read_shared("icsa-23-143-03.json"), read_shared("icsa-20-056-01.json"),
                            read_jvn(kJvn).advisories.at(0)};
  for (const auto& a : all) {
    const auto j = to_json(a);
    const auto back = from_json(nlohmann::json::parse(j.dump()));
    ASSERT_TRUE(back) << a.id;
    EXPECT_EQ(to_json(*back), j);
    ASSERT_EQ(back->products.size(), a.products.size());
    for (std::size_t i = 0; i < a.products.size(); ++i) {
      EXPECT_EQ(back->products[i].versions.readable, a.products[i].versions.readable);
      EXPECT_EQ(back->products[i].versions.any_of.size(), a.products[i].versions.any_of.size());
    }
  }
  EXPECT_FALSE(from_json(nlohmann::json::parse("{}")));
  EXPECT_FALSE(from_json(nlohmann::json::parse("[]")));
  auto j = to_json(all[0]);
  j["products"][0]["versions"]["any_of"][0][0]["op"] = "~";
  EXPECT_FALSE(from_json(j));
  j = to_json(all[0]);
  j["vulnerabilities"] = "x";
  EXPECT_FALSE(from_json(j));
}

// --- loading ----------------------------------------------------------------------------

class AdvisoryLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("advisories_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& p, const std::string& s) { std::ofstream(dir_ / p, std::ios::binary) << s; }
  fs::path dir_;
};

TEST_F(AdvisoryLoad, SharedDirectoryAndFeed) {
  auto r = load_paths({(kShared / "csaf").string()});
  EXPECT_EQ(r.errors, std::vector<std::string>{});
  EXPECT_EQ(r.files, 210U);
  EXPECT_EQ(r.advisories.size(), 210U);

  // The shared feed sits above csaf/: its entries are found in the folder below.
  r = load_paths({(kShared / "cisa-ot-feed-subset.json").string()});
  EXPECT_EQ(r.errors, std::vector<std::string>{});
  EXPECT_EQ(r.advisories.size(), 210U);
}

TEST_F(AdvisoryLoad, FeedNewestRevisionAndBrokenFiles) {
  std::string v1 = minimal_csaf();
  std::string v2 = v1;
  v2.replace(v2.find(R"(,"version":"1")"), 14, R"(,"version":"2")");
  v2.replace(v2.find(R"("title":"t")"), 11, R"("title":"t2")");
  write("a.json", v1);
  write("sub/b.json", v2);
  write("sub/broken.json", "{");
  write("notes.txt", "ignored");
  write("feed.json", R"({"feed":{"entry":[{"id":"EX-1","content":{"src":"https://example.com/x/a.json"}},
                                           {"id":"EX-9","content":{"src":"https://example.com/x/gone.json"}}]}})");
  auto r = load_paths({(dir_ / "feed.json").string()});
  ASSERT_EQ(r.advisories.size(), 1U);
  EXPECT_EQ(r.advisories[0].revision, "1");
  ASSERT_EQ(r.errors.size(), 1U);
  EXPECT_NE(r.errors[0].find("gone.json is missing"), std::string::npos);

  r = load_paths({dir_.string(), (dir_ / "nothing-here").string()});
  ASSERT_EQ(r.advisories.size(), 1U);
  EXPECT_EQ(r.advisories[0].revision, "2");  // the newer revision of the same document
  EXPECT_EQ(r.advisories[0].title, "t2");
  // broken.json, gone.json (through feed.json), the missing path.
  ASSERT_EQ(r.errors.size(), 3U) << r.errors.at(0);
  std::size_t broken = 0;
  for (const auto& e : r.errors) broken += e.find("broken.json: CSAF document: not valid JSON") != std::string::npos;
  EXPECT_EQ(broken, 1U);
}

TEST_F(AdvisoryLoad, JvnFilesWithSeveralAdvisories) {
  std::string two = kJvn;
  const auto end = two.find("</Vulinfo>") + std::string("</Vulinfo>").size();
  std::string second = two.substr(two.find("<Vulinfo>"), end - two.find("<Vulinfo>"));
  second.replace(second.find("JVNDB-2023-001234"), 17, "JVNDB-2023-005678");
  two.insert(end, second);
  write("sub/jvn.xml", two);
  write("sub/empty.xml", "<VULDEF-Document/>");
  const auto r = load_paths({dir_.string()});
  ASSERT_EQ(r.advisories.size(), 2U);
  EXPECT_EQ(r.advisories[0].id, "JVNDB-2023-001234");
  EXPECT_EQ(r.advisories[1].id, "JVNDB-2023-005678");
  ASSERT_EQ(r.errors.size(), 1U);
  EXPECT_NE(r.errors[0].find("empty.xml: JVN document: no Vulinfo"), std::string::npos) << r.errors[0];
  EXPECT_EQ(r.files, 2U);
}

// --- matching ---------------------------------------------------------------------------

DeviceIdentity device(std::string vk, std::vector<std::string> models, std::string firmware) {
  DeviceIdentity d;
  d.asset_id = "dev";
  d.vendor_key = std::move(vk);
  d.models = std::move(models);
  for (const auto& m : d.models)
    for (auto& f : families_of(d.vendor_key, m)) d.families.push_back(f);
  d.firmware = std::move(firmware);
  return d;
}

std::vector<Match> match_one(const DeviceIdentity& d, const Advisory& a,
                             Confidence minimum = Confidence::possible) {
  return match({d}, {a}, minimum);
}

TEST(AdvisoryMatch, MitsubishiIqR) {
  const auto a = read_shared("icsa-22-356-03.json");  // R08(EN)CPU <=firmware_65
  auto m = match_one(device("mitsubishi_electric", {"R08CPU"}, "65"), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0005");
  EXPECT_EQ(m[0].advisory_id, "ICSA-22-356-03");
  EXPECT_EQ(m[0].cves, (std::vector<std::string>{"CVE-2022-33324"}));
  EXPECT_NE(m[0].why.find("R08CPU"), std::string::npos) << m[0].why;
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"R08CPU"}, "66"), a).empty());  // just outside
  m = match_one(device("mitsubishi_electric", {"R08ENCPU"}, ""), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::possible);  // firmware unknown
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"R08CPU"}, ""), a, Confidence::confirmed).empty());
  // R08SFCPU is another product: the R08SFCPU range applies to it, not R08CPU's.
  m = match_one(device("mitsubishi_electric", {"R08SFCPU"}, "30"), a);
  EXPECT_TRUE(m.empty());
  m = match_one(device("mitsubishi_electric", {"R08SFCPU"}, "29"), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0009");
  // Maker alone, another maker with the same model string, a model it does not name.
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {}, "1"), a).empty());
  EXPECT_TRUE(match_one(device("omron", {"R08CPU"}, "1"), a).empty());
  EXPECT_TRUE(match_one(device("", {"R08CPU"}, "1"), a).empty());
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"Q03UDECPU"}, "1"), a).empty());
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"R08"}, "1"), a).empty());
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"65"}, "1"), a).empty());  // a number is no model

  // "R00/01/02CPU" and a lower and upper bound.
  const auto b = read_shared("icsa-23-143-03.json");
  m = match_one(device("mitsubishi_electric", {"R16CPU"}, "12"), b);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"R16CPU"}, "11"), b).empty());
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"R16CPU"}, "69"), b).empty());
  m = match_one(device("mitsubishi_electric", {"FX5U-32MT/ES"}, "1.250"), b);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0001");
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"FX5U-32MT"}, "1.250"), b).empty());  // less specific
}

TEST(AdvisoryMatch, SerialNumberRangesAreNeverConfirmed) {
  const auto a = read_shared("icsa-22-172-01.json");  // Q04UDECPU <=with_the_first_5_digits_of_serial_number_24061
  const auto m = match_one(device("mitsubishi_electric", {"Q04UDECPU"}, "24000"), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::possible);
  EXPECT_NE(m[0].why.find("cannot be read"), std::string::npos) << m[0].why;
}

TEST(AdvisoryMatch, MoxaSeries) {
  const auto a = read_shared("icsa-20-056-01.json");  // "MB3170 series" <= 4.0
  auto m = match_one(device("moxa", {"MGate MB3170", "MB3170"}, "4.0"), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0003");
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_EQ(m[0].cves.size(), 8U);
  EXPECT_TRUE(match_one(device("moxa", {"MB3170"}, "4.1"), a).empty());
  // The isolated variant is in the MB3170 series (the family table says so).
  m = match_one(device("moxa", {"MB3170I"}, "3.0"), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0003");
  // A plain model name never stretches to a variant.
  Advisory plain = a;
  plain.products[2].names = {"MB3170"};
  plain.products[2].full_name = "MB3170";
  DeviceIdentity isolated = device("moxa", {"MB3170I"}, "3.0");
  EXPECT_TRUE(match({isolated}, {plain}).empty());
  EXPECT_EQ(match({device("moxa", {"MB3170"}, "3.0")}, {plain}).size(), 1U);
  // Another maker's MB3170.
  EXPECT_TRUE(match_one(device("mitsubishi_electric", {"MB3170"}, "3.0"), a).empty());
}

TEST(AdvisoryMatch, OmronFamiliesAndPlaceholders) {
  const auto a = read_shared("icsa-22-179-02.json");  // SYSMAC CJ2M < 2.1
  auto m = match_one(device("omron", {"CJ2M-CPU31"}, "2.0"), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0003");
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_TRUE(match_one(device("omron", {"CJ2M-CPU31"}, "2.1"), a).empty());
  // "SYSMAC NJ/NX Series < 1.49 (1.29 for NX7)": the range cannot be read.
  m = match_one(device("omron", {"NJ501-1300"}, "1.10"), a);
  EXPECT_TRUE(m.empty() || m[0].confidence == Confidence::possible);

  const auto b = read_shared("icsa-23-262-05.json");  // CJ2M-CPU** <= 2.0
  m = match_one(device("omron", {"CJ2M-CPU33"}, "2.0"), b);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0004");
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);

  const auto c = read_shared("icsa-23-073-01.json");  // "CJ2H-CPU6 □", all versions
  m = match_one(device("omron", {"CJ2H-CPU64"}, ""), c);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::possible);  // every version, but no firmware seen
  m = match_one(device("omron", {"CJ2H-CPU64"}, "1.5"), c);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_TRUE(match_one(device("omron", {"CJ2H-CPU645"}, ""), c).empty());  // □ is one character
}

TEST(AdvisoryMatch, RockwellFixLists) {
  const auto a = read_shared("icsa-24-226-09.json");  // ControlLogix 5580 (1756 - L8z) <v36.011_v35.013_v34.014
  const auto d = identity_of(asset_with({{"vendor", "Rockwell Automation/Allen-Bradley", "enip_list_identity", 1, 2, 1},
                                         {"product", "1756-L85E/B LOGIX5585E", "enip_list_identity", 1, 2, 1},
                                         {"revision", "35.11", "enip_list_identity", 1, 2, 1}}));
  auto m = match({d}, {a});
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].product_id, "CSAFPID-0003");
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  auto fixed = d;
  fixed.firmware = "35.13";
  EXPECT_TRUE(match({fixed}, {a}).empty());
}

TEST(AdvisoryMatch, SiemensModelNumbers) {
  const auto a = read_shared("icsa-24-261-01.json");  // SIMATIC S7-200 SMART, model_numbers, all versions
  auto m = match_one(device("siemens", {"6ES7 288-1SR40-0AA0"}, "V2.8"), a);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  // A CPU of the family the advisory does not list by number.
  EXPECT_TRUE(match_one(device("siemens", {"6ES7 288-1XX99-0AA0"}, "V2.8"), a).empty());
  // The vendor alone.
  EXPECT_TRUE(match_one(device("siemens", {}, "V2.8"), a).empty());
}

TEST(AdvisoryMatch, OrderedByAssetThenAdvisory) {
  const auto a = read_shared("icsa-22-356-03.json");
  const auto b = read_shared("icsa-23-143-03.json");
  auto d1 = device("mitsubishi_electric", {"R08CPU"}, "20");
  auto d2 = d1;
  d1.asset_id = "b";
  d2.asset_id = "a";
  const auto m = match({d1, d2}, {b, a});
  ASSERT_EQ(m.size(), 4U);
  EXPECT_EQ(m[0].asset_id + " " + m[0].advisory_id, "a ICSA-22-356-03");
  EXPECT_EQ(m[1].asset_id + " " + m[1].advisory_id, "a ICSA-23-143-03");
  EXPECT_EQ(m[2].asset_id + " " + m[2].advisory_id, "b ICSA-22-356-03");
  EXPECT_EQ(m[3].asset_id + " " + m[3].advisory_id, "b ICSA-23-143-03");
}

TEST(AdvisoryMatch, CpeNamesTheModel) {
  Advisory a = read_csaf(minimal_csaf()).advisories.at(0);
  a.products[0].vendor = "Mitsubishi Electric";
  a.products[0].vendor_key = "mitsubishi_electric";
  a.products[0].names = {"Programmable controller"};
  a.products[0].full_name = "Programmable controller";
  a.products[0].cpes = {"cpe:2.3:h:mitsubishielectric:r08cpu:-:*:*:*:*:*:*:*"};
  auto m = match({device("mitsubishi_electric", {"R08CPU"}, "1.0")}, {a});
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].why.rfind("CPE names R08CPU", 0), 0U) << m[0].why;
  EXPECT_TRUE(match({device("mitsubishi_electric", {"R16CPU"}, "1.0")}, {a}).empty());
}

// Hostile product names: placeholders and shorthand cost time linear in their size.
TEST(AdvisoryMatch, PathologicalNames) {
  auto a = read_csaf(minimal_csaf()).advisories.at(0);
  a.products[0].names = {"CJ2" + std::string(120, '*') + "Z", "R" + std::string(500, '0') + "/1/2" + "CPU",
                         std::string(400, '(') + "X" + std::string(400, ')')};
  a.products[0].full_name = std::string(5000, '*');
  const auto d = device("omron", {"CJ2" + std::string(60, 'A') + "Y"}, "1.0");
  EXPECT_TRUE(match({d}, {a}).empty());
  const auto e = device("omron", {"CJ2" + std::string(60, 'A') + "Z"}, "1.0");
  EXPECT_EQ(match({e}, {a}).size(), 1U);
}

TEST(AdvisoryMatch, StatusFixedOrNotAffected) {
  auto a = read_csaf(minimal_csaf()).advisories.at(0);
  const auto d = device("omron", {"CJ2M-CPU31"}, "1.0");
  ASSERT_EQ(match({d}, {a}).size(), 1U);
  a.vulnerabilities[0].fixed = {"P1"};
  EXPECT_TRUE(match({d}, {a}).empty());
  a.vulnerabilities[0].fixed.clear();
  a.vulnerabilities[0].not_affected = {"P1"};
  EXPECT_TRUE(match({d}, {a}).empty());
}

TEST(AdvisoryMatch, JvnAdvisory) {
  const auto a = read_jvn(kJvn).advisories.at(0);
  auto m = match({device("mitsubishi_electric", {"R08CPU"}, "60")}, {a});
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_EQ(m[0].cves, (std::vector<std::string>{"CVE-2023-1424"}));
  m = match({device("mitsubishi_electric", {"R08CPU"}, "70")}, {a});
  ASSERT_EQ(m.size(), 1U);  // the item with an unreadable version still says "possible"
  EXPECT_EQ(m[0].confidence, Confidence::possible);
  m = match({device("omron", {"CJ2M-CPU31"}, "2.0")}, {a});
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
}

TEST(AdvisoryMatch, JvnFamilyInJapanese) {
  std::string doc = kJvn;
  const std::string item = "<ProductName>MELSEC iQ-R シリーズ R08CPU</ProductName>";
  doc.replace(doc.find(item), item.size(), "<ProductName>MELSEC iQ-R シリーズ CPUユニット</ProductName>");
  // With its CPE the item names R08CPU only; without, the whole series.
  EXPECT_TRUE(match({device("mitsubishi_electric", {"R16CPU"}, "65")}, {read_jvn(doc).advisories.at(0)}).empty());
  const std::string cpe = R"(<Cpe version="2.2">cpe:/h:mitsubishielectric:r08cpu</Cpe>)";
  doc.erase(doc.find(cpe), cpe.size());
  const auto a = read_jvn(doc).advisories.at(0);
  auto m = match({device("mitsubishi_electric", {"R16CPU"}, "65")}, {a});
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].confidence, Confidence::confirmed);
  EXPECT_NE(m[0].why.find("family MELSEC iQ-R Series"), std::string::npos) << m[0].why;
  // Other Japanese words narrow the product: no family match.
  doc.replace(doc.find("CPUユニット"), std::string("CPUユニット").size(), "安全CPUユニット");
  EXPECT_TRUE(match({device("mitsubishi_electric", {"R16CPU"}, "65")}, {read_jvn(doc).advisories.at(0)}).empty());
}

TEST(AdvisoryProducts, ProductCodesThatReadAsModels) {
  auto d = identity_of(asset_with({{"vendor", "Schneider Electric", "modbus_device_id", 1, 2, 1},
                                   {"product_code", "TM221CE16R", "modbus_device_id", 1, 2, 1}}));
  EXPECT_EQ(d.models, (std::vector<std::string>{"TM221CE16R"}));
  d = identity_of(asset_with({{"vendor", "Rockwell Automation/Allen-Bradley", "enip_list_identity", 1, 2, 1},
                              {"product_code", "54", "enip_list_identity", 1, 2, 1},
                              {"product_code", "0x00000123", "slmp_node_search", 1, 2, 1}}));
  EXPECT_TRUE(d.models.empty());
}

// The complete set of matches of a small plant against all 210 shared
// advisories: an extra match fails like a missing one.
TEST(AdvisoryMatch, GoldenPlantAgainstTheSharedSet) {
  const auto loaded = load_paths({(kShared / "csaf").string()});
  ASSERT_EQ(loaded.advisories.size(), 210U);
  auto named = [](std::string id, std::string vk, std::vector<std::string> models, std::string fw) {
    auto d = device(std::move(vk), std::move(models), std::move(fw));
    d.asset_id = std::move(id);
    return d;
  };
  const std::vector<DeviceIdentity> plant{
      named("r08", "mitsubishi_electric", {"R08CPU"}, "20"),
      named("q03", "mitsubishi_electric", {"Q03UDECPU"}, ""),
      named("fx5u", "mitsubishi_electric", {"FX5U-32MT/ES"}, "1.240"),
      named("s71500", "siemens", {"6ES7 516-3AN01-0AB0", "CPU 1516-3 PN/DP"}, "V2.8.1"),
      named("s71200", "siemens", {"6ES7 214-1AG40-0XB0"}, "V4.4.0"),
      named("cj2m", "omron", {"CJ2M-CPU31"}, "2.0"),
      named("nj", "omron", {"NJ501-1300"}, "1.40"),
      named("l85", "rockwell_automation", {"1756-L85E/B LOGIX5585E", "1756-L85E/B", "1756-L85E"}, "33.11"),
      named("mb3170", "moxa", {"MGate MB3170", "MB3170"}, "4.0"),
      named("nport", "moxa", {"NPort 5110"}, "2.0"),
      named("vendor-only", "mitsubishi_electric", {}, "1.0"),
  };
  std::vector<std::string> got;
  for (const auto& m : match(plant, loaded.advisories))
    got.push_back(m.asset_id + " " + m.advisory_id + " " + m.product_id + " " + std::string(to_string(m.confidence)));
  const std::vector<std::string> want{
      "cj2m ICSA-19-346-02 CSAFPID-0003 confirmed",   // Omron PLC CJ series, all versions
      "cj2m ICSA-19-346-03 CSAFPID-0003 confirmed",   // Omron PLC CJ series, all versions
      "cj2m ICSA-20-063-03 CSAFPID-0001 confirmed",   // Omron PLC CJ series, all versions
      "cj2m ICSA-22-179-02 CSAFPID-0003 confirmed",   // SYSMAC CJ2M < 2.1
      "cj2m ICSA-23-073-01 CSAFPID-0003 confirmed",   // CJ2M-CPU □ □, all versions
      "cj2m ICSA-23-108-01 CSAFPID-0003 confirmed",   // SYSMAC CJ2M-CPU[][], all versions
      "cj2m ICSA-23-262-05 CSAFPID-0004 confirmed",   // CJ2M-CPU** <= 2.0
      "fx5u ICSA-23-143-03 CSAFPID-0001 confirmed",   // FX5U-32MT/ES >=1.220|<=1.281
      "fx5u ICSA-24-058-01 CSAFPID-0001 confirmed",   // FX5U-32MT/ES, all versions
      "l85 ICSA-24-226-09 CSAFPID-0003 confirmed",    // ControlLogix 5580 (1756 - L8z)
      "l85 ICSA-24-226-10 CSAFPID-0003 confirmed",
      "l85 ICSA-24-284-20 CSAFPID-0001 confirmed",    // <V33.017_...
      "mb3170 ICSA-20-056-01 CSAFPID-0003 confirmed", // MB3170 series <= 4.0
      "nj ICSA-19-346-03 CSAFPID-0001 confirmed",     // Omron PLC NJ series, all versions
      "q03 ICSA-22-172-01 CSAFPID-0002 possible",     // serial-number range
      "r08 ICSA-22-356-03 CSAFPID-0005 confirmed",    // R08(EN)CPU <=firmware_65
      "r08 ICSA-23-143-03 CSAFPID-0032 confirmed",    // R08(EN)CPU >=12|<=68
  };
  EXPECT_EQ(got, want);
}

// No device of one maker matches a product of another anywhere in the shared set.
TEST(AdvisoryMatch, NeverAcrossMakersInTheSharedSet) {
  const auto loaded = load_paths({(kShared / "csaf").string()});
  ASSERT_EQ(loaded.advisories.size(), 210U);
  std::vector<DeviceIdentity> devices{
      device("mitsubishi_electric", {"R08CPU"}, "99"),  device("siemens", {"6ES7 516-3AN01-0AB0"}, "V2.9.7"),
      device("omron", {"CJ2M-CPU31"}, "2.1"),            device("moxa", {"MGate MB3170"}, "4.1"),
      device("rockwell_automation", {"1756-L85E"}, "36.11"), device("keyence", {"KV-8000"}, "1.0"),
  };
  for (std::size_t i = 0; i < devices.size(); ++i) devices[i].asset_id = "d" + std::to_string(i);
  for (const auto& m : match(devices, loaded.advisories)) {
    const auto& adv = *std::find_if(loaded.advisories.begin(), loaded.advisories.end(),
                                    [&](const Advisory& a) { return a.id == m.advisory_id; });
    const auto& p = *std::find_if(adv.products.begin(), adv.products.end(),
                                  [&](const Product& x) { return x.product_id == m.product_id; });
    const auto& d = devices.at(static_cast<std::size_t>(m.asset_id[1] - '0'));
    EXPECT_EQ(p.vendor_key, d.vendor_key) << m.advisory_id << " " << m.why;
  }
}

}  // namespace
}  // namespace mieruka::inventory::advisories
