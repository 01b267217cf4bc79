// Golden finding cases: tests/golden_findings/<case>/case.json names a capture
// (in pcaps/, or "shared:<file>" in ../shared/pcaps) and, in the case directory,
// an optional config.toml, approved list and wireless allow-list; expected.json
// holds the findings that must come out. Each expected finding is partial: it
// names the asset by "mac" or "ip", gives the "type", and every other key given
// must equal the finding JSON's value, except "evidence_contains" (a substring of
// the evidence). "count" is the number of findings that must come out, so the
// set is complete: an extra finding fails like a missing one. "absent" lists {"mac"|"ip", optional "types"} that must have no
// finding (of those types): e.g. no approved device is flagged.
//
// "advisories": "csaf" imports ../shared/advisories/csaf (the public CISA
// advisories) for the case: its `vulnerable` findings are then part of the
// complete set, and "absent_advisories" lists {"mac"|"ip", "advisory"} pairs
// that must not match (a firmware just outside the range). Every case is also
// computed with those advisories, and its other findings must not change.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "unit/english_text.hpp"
#include "inventory/policy/classify.hpp"
#include "inventory/policy/evidence.hpp"

#include "inventory/advisories/advisory.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/render/findings_format.hpp"
#include "inventory/ledger/ledger.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/daemon/config.hpp"
#include "sensor/pipeline/pipeline.hpp"

namespace mieruka::sensor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSource = MIERUKA_SOURCE_DIR;
const fs::path kShared = MIERUKA_SHARED_PCAPS;
const fs::path kSharedAdvisories = fs::path(MIERUKA_SOURCE_DIR) / ".." / "shared" / "advisories";

// The public advisories, read once.
const std::vector<inventory::advisories::Advisory>* shared_advisories() {
  static const auto loaded = [] {
    std::optional<std::vector<inventory::advisories::Advisory>> out;
    if (fs::exists(kSharedAdvisories / "csaf"))
      out = inventory::advisories::load_paths({(kSharedAdvisories / "csaf").string()}).advisories;
    return out;
  }();
  return loaded ? &*loaded : nullptr;
}

json without_vulnerable(const json& findings) {
  json out = json::array();
  for (const auto& f : findings)
    if (f["type"] != "vulnerable") out.push_back(f);
  return out;
}

fs::path capture_path(const std::string& c) {
  if (c.rfind("shared:", 0) == 0) return kShared / c.substr(7);
  return kSource / c;
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

bool names(const json& want, const json& f) {
  if (want.contains("mac")) return f["mac"] == want["mac"];
  return f["ip"] == want["ip"];
}

void run_case(const fs::path& dir) {
  SCOPED_TRACE(dir.filename().string());
  const json c = read_json(dir / "case.json");
  const fs::path cap = capture_path(c.at("capture"));
  if (!fs::exists(cap)) GTEST_SKIP() << cap << " not present";
  Config cfg;
  if (fs::exists(dir / "config.toml")) {
    std::string error;
    auto loaded = load_config((dir / "config.toml").string(), error);
    ASSERT_TRUE(loaded) << error;
    cfg = std::move(*loaded);
  }
  std::string error;
  std::optional<inventory::ApprovedList> approved;
  std::optional<inventory::WirelessAllowList> wireless;
  if (!cfg.policy.approved_path.empty()) {
    approved = inventory::load_approved(cfg.policy.approved_path, error);
    ASSERT_TRUE(approved) << error;
  }
  if (!cfg.policy.wireless_allow_path.empty()) {
    wireless = inventory::load_wireless_allow(cfg.policy.wireless_allow_path, error);
    ASSERT_TRUE(wireless) << error;
  }
  auto src = FileSource::open({cap.string()}, error);
  ASSERT_TRUE(src) << error;
  inventory::Ledger ledger("golden");
  Pipeline pipeline(ledger);
  RawPacket pkt;
  while (src->next(pkt)) pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
  pipeline.finish();

  inventory::FindingsPolicy pol;
  pol.approved = approved ? &*approved : nullptr;
  pol.wireless = wireless ? &*wireless : nullptr;
  pol.zones = &cfg.policy;
  pol.learning_period_us = cfg.policy.learning_period_s * 1'000'000LL;
  const json plain = inventory::findings_json(inventory::compute_findings(ledger, pol));
  json got = plain;
  const auto* shared = shared_advisories();
  if (c.contains("advisories")) {
    if (shared == nullptr) GTEST_SKIP() << kSharedAdvisories << " not present";
    EXPECT_EQ(c["advisories"], "csaf");
  }
  if (shared != nullptr) {
    // The advisories add vulnerable findings and change nothing else.
    pol.advisories = shared;
    const json with = inventory::findings_json(inventory::compute_findings(ledger, pol));
    EXPECT_EQ(without_vulnerable(with), without_vulnerable(plain));
    if (c.contains("advisories")) got = with;
  }
  // Every finding carries its evidence as data of a catalogued kind, and its
  // text is that kind's English template filled with the values.
  for (const auto& f : inventory::compute_findings(ledger, pol)) {
    SCOPED_TRACE(f.id);
    EXPECT_NE(std::find(std::begin(inventory::kEvidenceKinds), std::end(inventory::kEvidenceKinds), f.evidence_kind),
              std::end(inventory::kEvidenceKinds));
    EXPECT_EQ(f.evidence, inventory::render_evidence(f.evidence_kind, f.evidence_values(), "en"));
    const std::string ja = inventory::evidence_text(f, "ja", "Asia/Tokyo");
    EXPECT_NE(ja, f.evidence);
    EXPECT_EQ(ja.find('{'), std::string::npos) << ja;
    // No English sentence in the Japanese rendering, data aside (english_text.hpp),
    // and no class code or UTC time shown as stored.
    std::vector<std::string> data;
    test::data_values(f.evidence_values(), data);
    EXPECT_EQ(test::english_run(ja, data), "") << ja;
    EXPECT_EQ(test::raw_typed_value(ja, f.evidence_values()), "") << ja;
    // Shown in the plant's zone in English too; without a zone, as stored.
    EXPECT_EQ(inventory::evidence_text(f, "en"), f.evidence);
    std::vector<std::string> typed;
    test::typed_values(f.evidence_values(), typed);
    const std::string en_local = inventory::evidence_text(f, "en", "Asia/Tokyo");
    for (const auto& t : typed) {
      if (test::iso_utc(t)) {
        EXPECT_EQ(en_local.find(t), std::string::npos) << en_local;
      }
    }
  }
  // Each device's class reasons: their English rendering is `reasons`, their
  // Japanese one has no English sentence.
  const inventory::AssetLinks links(ledger);
  for (const auto& a : ledger.assets()) {
    SCOPED_TRACE(a.id);
    const inventory::Classification k = inventory::classify(ledger, a, links);
    ASSERT_EQ(k.reasons.size(), k.reason_values.size());
    for (std::size_t i = 0; i < k.reasons.size(); ++i) {
      const std::string kind = k.reason_values[i].value("kind", "");
      ASSERT_NE(inventory::evidence_template(kind), nullptr) << kind;
      EXPECT_EQ(inventory::render_evidence(kind, k.reason_values[i], "en"), k.reasons[i]);
      const std::string ja = inventory::render_evidence(kind, k.reason_values[i], "ja");
      std::vector<std::string> data;
      test::data_values(k.reason_values[i], data);
      EXPECT_EQ(test::english_run(ja, data), "") << ja;
      EXPECT_EQ(test::raw_typed_value(ja, k.reason_values[i]), "") << ja;
    }
  }
  const json want = read_json(dir / "expected.json");
  for (const auto& a : want.value("absent_advisories", json::array())) {
    for (const auto& f : got)
      if (f["type"] == "vulnerable" && names(a, f) && f["advisory"] == a.at("advisory"))
        ADD_FAILURE() << "unexpected " << f.dump();
  }
  for (const auto& w : want.at("findings")) {
    bool found = false;
    for (const auto& f : got) {
      if (f["type"] != w.at("type") || !names(w, f)) continue;
      bool all = true;
      for (const auto& [k, v] : w.items()) {
        if (k == "evidence_contains") all = all && f["evidence"].get<std::string>().find(v.get<std::string>()) !=
                                                       std::string::npos;
        else if (k != "mac" && k != "ip") all = all && f[k] == v;
      }
      found = found || all;
    }
    EXPECT_TRUE(found) << "expected " << w.dump() << "\ngot " << got.dump(1);
  }
  for (const auto& a : want.value("absent", json::array())) {
    for (const auto& f : got) {
      if (!names(a, f)) continue;
      const json types = a.value("types", json::array());
      if (!types.empty() && std::find(types.begin(), types.end(), f["type"]) == types.end()) continue;
      ADD_FAILURE() << "unexpected " << f.dump() << " for " << a.dump();
    }
  }
  // The complete set: an extra finding fails like a missing one.
  ASSERT_TRUE(want.contains("count")) << "expected.json must give the count of every finding";
  EXPECT_EQ(got.size(), want["count"].get<std::size_t>()) << got.dump(1);
}

TEST(FindingsGolden, AllCases) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(kSource / "tests/golden_findings")) {
    if (!e.is_directory()) continue;
    run_case(e.path());
    ++n;
  }
  EXPECT_GE(n, 3U);
}

}  // namespace
}  // namespace mieruka::sensor
