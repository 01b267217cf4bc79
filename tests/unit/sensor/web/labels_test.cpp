// Every device class, fact name and checklist item has a label in Japanese and
// English, in both catalogs: inventory/report/messages.cpp (reports, the CLI)
// and web/i18n.js (the console), and the two catalogs name each the same way.
// The lists come from the code itself: the contract's classes (export.cpp),
// the checklist's items (checklist.cpp) and every fact name the pipeline
// records when it reads the sample captures (pcaps/ and ../shared/pcaps), so a
// new class, item or fact without a label fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "inventory/ledger/ledger.hpp"
#include "inventory/render/export.hpp"
#include "inventory/report/checklist.hpp"
#include "inventory/report/messages.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/pipeline/pipeline.hpp"

namespace mieruka::sensor {
namespace {

namespace fs = std::filesystem;
using inventory::Lang;

// The labels of one language of web/i18n.js: 'key': 'text' pairs of its block.
using JsCatalog = std::map<std::string, std::string>;

std::pair<JsCatalog, JsCatalog> read_i18n_js() {
  std::ifstream in(fs::path(MIERUKA_SOURCE_DIR) / "web" / "i18n.js");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto en_at = text.find("\n  en: {"), ja_at = text.find("\n  ja: {");
  EXPECT_NE(en_at, std::string::npos);
  EXPECT_NE(ja_at, std::string::npos);
  const auto parse = [](const std::string& block) {
    JsCatalog out;
    static const std::regex pair(R"('([^'\\]+)':\s*'((?:[^'\\]|\\.)*)')");
    for (auto it = std::sregex_iterator(block.begin(), block.end(), pair); it != std::sregex_iterator(); ++it)
      out[(*it)[1].str()] = (*it)[2].str();
    return out;
  };
  if (en_at == std::string::npos || ja_at == std::string::npos) return {};
  return {parse(text.substr(en_at, ja_at - en_at)), parse(text.substr(ja_at))};
}

// Every fact name the pipeline records over the sample captures.
std::set<std::string> recorded_fact_names() {
  std::set<std::string> out;
  std::vector<fs::path> files;
  for (const fs::path& dir : {fs::path(MIERUKA_SOURCE_DIR) / "pcaps", fs::path(MIERUKA_SHARED_PCAPS)}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string ext = e.path().extension().string();
      if (ext == ".pcap" || ext == ".pcapng") files.push_back(e.path());
    }
  }
  for (const auto& f : files) {
    std::string error;
    auto src = FileSource::open({f.string()}, error);
    if (!src) continue;  // a damaged sample is the capture tests' business
    inventory::Ledger ledger("labels");
    Pipeline pipeline(ledger);
    RawPacket pkt;
    while (src->next(pkt)) pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
    pipeline.finish();
    for (const auto& a : ledger.assets())
      for (const auto& fact : a.facts) out.insert(fact.field);
  }
  return out;
}

// `key` has a label in both languages in both catalogs, and they agree.
void expect_labelled(const std::string& key, const JsCatalog& en, const JsCatalog& ja) {
  EXPECT_TRUE(inventory::has_msg(key)) << key << " is missing from inventory/report/messages.cpp";
  const auto e = en.find(key), j = ja.find(key);
  ASSERT_NE(e, en.end()) << key << " is missing from the en block of web/i18n.js";
  ASSERT_NE(j, ja.end()) << key << " is missing from the ja block of web/i18n.js";
  EXPECT_FALSE(e->second.empty()) << key;
  EXPECT_FALSE(j->second.empty()) << key;
  if (!inventory::has_msg(key)) return;
  EXPECT_EQ(e->second, inventory::msg(Lang::en, key)) << key << ": the console and the reports name it differently";
  EXPECT_EQ(j->second, inventory::msg(Lang::ja, key)) << key << ": the console and the reports name it differently";
}

TEST(Labels, EveryContractClassInBothLanguages) {
  const auto [en, ja] = read_i18n_js();
  ASSERT_FALSE(inventory::contract_classes().empty());
  for (const auto c : inventory::contract_classes()) expect_labelled("class." + std::string(c), en, ja);
}

TEST(Labels, EveryChecklistItemTitleInBothLanguages) {
  const auto [en, ja] = read_i18n_js();
  const auto items = inventory::checklist_item_ids();
  ASSERT_FALSE(items.empty());
  for (const auto id : items) expect_labelled("item_title." + std::string(id), en, ja);
}

TEST(Labels, EveryRecordedFactNameInBothLanguages) {
  const auto [en, ja] = read_i18n_js();
  const auto names = recorded_fact_names();
  // The samples hold identities of every kind: far more than a handful of names.
  ASSERT_GT(names.size(), 40u);
  for (const auto& n : names) expect_labelled("fact." + n, en, ja);
}

// Every label of either catalog exists in both languages.
TEST(Labels, BothCatalogsCompleteInBothLanguages) {
  const auto [en, ja] = read_i18n_js();
  ASSERT_GT(en.size(), 100u);
  for (const auto& [k, v] : en) EXPECT_TRUE(ja.count(k)) << k << " has no Japanese label in web/i18n.js";
  for (const auto& [k, v] : ja) EXPECT_TRUE(en.count(k)) << k << " has no English label in web/i18n.js";
  for (const auto k : inventory::msg_keys()) {
    EXPECT_FALSE(inventory::msg(Lang::ja, k).empty()) << k;
    EXPECT_FALSE(inventory::msg(Lang::en, k).empty()) << k;
  }
}

// The labels read as labels: a Japanese one is not the English one, except for
// names that are the same in both (PLC, HMI, protocol acronyms).
TEST(Labels, JapaneseClassLabelsAreNotTheCodes) {
  for (const auto c : inventory::contract_classes()) {
    const std::string key = "class." + std::string(c);
    EXPECT_NE(inventory::msg(Lang::ja, key), c) << key;
    EXPECT_NE(inventory::msg(Lang::en, key), key) << key;
  }
}

}  // namespace
}  // namespace mieruka::sensor
