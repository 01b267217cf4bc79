// Golden end-to-end cases: tests/golden/<case>/case.json names a capture (in
// pcaps/, or "shared:<file>" in ../shared/pcaps) and the assets and links the
// ledger must hold after reading it. Each expected object is partial: it names
// the asset by "mac", "ip" (an address it holds) or "parent_mac" + "route", and
// every other key given must equal the exported JSON's value (arrays compared as
// sets). Volatile fields (ids, timestamps) are simply not written in the case.
// "absent" lists MACs/IPs that must NOT be assets (nothing invented), and
// "absent_links" partial links that must not exist; "asset_count" and
// "link_count", when given, are the exact numbers of each.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "inventory/render/export.hpp"
#include "inventory/ledger/ledger.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/pipeline/pipeline.hpp"

namespace mieruka::sensor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSource = MIERUKA_SOURCE_DIR;
const fs::path kShared = MIERUKA_SHARED_PCAPS;

fs::path capture_path(const std::string& c) {
  if (c.rfind("shared:", 0) == 0) return kShared / c.substr(7);
  return kSource / c;
}

bool holds_ip(const json& asset, const std::string& ip) {
  for (const auto& x : asset.value("ips", json::array()))
    if (x == ip) return true;
  return false;
}

// Arrays are compared as sets of their dumped elements; objects (such as
// "sources") by the keys the case names, so a new field elsewhere does not break it.
bool same_value(const json& want, const json& got) {
  if (want.is_object() && got.is_object()) {
    for (const auto& [k, v] : want.items())
      if (!got.contains(k) || !same_value(v, got[k])) return false;
    return true;
  }
  if (!want.is_array() || !got.is_array()) return want == got;
  std::vector<std::string> a, b;
  for (const auto& x : want) a.push_back(x.dump());
  for (const auto& x : got) b.push_back(x.dump());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

const json* find_asset(const json& assets, const json& want) {
  std::string parent_id;
  if (want.contains("parent_mac")) {
    for (const auto& a : assets)
      if (a.value("mac", json()) == want["parent_mac"]) parent_id = a.value("id", "");
  }
  const bool by_mac = want.contains("mac") && want["mac"].is_string();
  for (const auto& a : assets) {
    if (by_mac && a.value("mac", json()) == want["mac"]) return &a;
    if (!by_mac && want.contains("ip") && a["mac"].is_null() && holds_ip(a, want["ip"])) return &a;
    if (want.contains("route") && a.value("route", json()) == want["route"] && a.value("parent", json()) == parent_id)
      return &a;
  }
  if (want.contains("ip") && !by_mac)
    for (const auto& a : assets)
      if (holds_ip(a, want["ip"])) return &a;
  return nullptr;
}

void run_case(const fs::path& dir) {
  std::ifstream in(dir / "case.json");
  const json c = json::parse(in);
  std::string error;
  auto src = FileSource::open({capture_path(c.at("capture")).string()}, error);
  ASSERT_TRUE(src) << error;
  inventory::Ledger ledger("golden");
  Pipeline pipeline(ledger);
  RawPacket pkt;
  while (src->next(pkt)) pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
  pipeline.finish();
  const json assets = inventory::assets_json(ledger);
  const json links = inventory::links_json(ledger);

  for (const auto& want : c.value("assets", json::array())) {
    const json* got = find_asset(assets, want);
    ASSERT_NE(got, nullptr) << "no asset for " << want.dump() << "\nledger: " << assets.dump(1);
    for (const auto& [key, value] : want.items()) {
      if ((key == "mac" && value.is_string()) || key == "ip" || key == "parent_mac") continue;
      EXPECT_TRUE(got->contains(key) && same_value(value, (*got)[key]))
          << want.dump() << "\n  field " << key << ": want " << value.dump() << ", got "
          << (got->contains(key) ? (*got)[key].dump() : "(missing)");
    }
  }
  for (const auto& want : c.value("links", json::array())) {
    const json* hit = nullptr;
    for (const auto& l : links) {
      bool match = true;
      for (const auto& [key, value] : want.items())
        if (!l.contains(key) || !same_value(value, l[key])) match = false;
      if (match) hit = &l;
    }
    EXPECT_NE(hit, nullptr) << "no link matching " << want.dump() << "\nlinks: " << links.dump(1);
  }
  for (const auto& absent : c.value("absent", json::array())) {
    const std::string key = absent.get<std::string>();
    for (const auto& a : assets)
      EXPECT_FALSE(a.value("mac", json()) == key || holds_ip(a, key)) << key << " must not be an asset";
  }
  // No device the ledger knows by its MAC appears a second time by its IP.
  for (const auto& a : assets) {
    if (!a["mac"].is_null() || !a["parent"].is_null()) continue;
    for (const auto& x : a.value("ips", json::array()))
      for (const auto& b : assets)
        EXPECT_FALSE(b["mac"].is_string() && holds_ip(b, x.get<std::string>()))
            << x << " is an IP-only asset and an address of " << b["mac"];
  }
  for (const auto& absent : c.value("absent_links", json::array())) {
    for (const auto& l : links) {
      bool match = true;
      for (const auto& [key, value] : absent.items())
        if (!l.contains(key) || !same_value(value, l[key])) match = false;
      EXPECT_FALSE(match) << "link must not exist: " << l.dump();
    }
  }
  if (c.contains("asset_count")) {
    EXPECT_EQ(assets.size(), c["asset_count"].get<std::size_t>());
  }
  if (c.contains("link_count")) {
    EXPECT_EQ(links.size(), c["link_count"].get<std::size_t>());
  }
}

TEST(Golden, Cases) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/golden")) {
    if (!fs::exists(entry.path() / "case.json")) continue;
    SCOPED_TRACE(entry.path().filename().string());
    run_case(entry.path());
    ++n;
  }
  EXPECT_GE(n, 1U);
}

}  // namespace
}  // namespace mieruka::sensor
