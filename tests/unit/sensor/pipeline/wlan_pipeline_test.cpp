// 802.11 monitor captures through the whole pipeline (pcaps/wireless_cell.pcapng,
// scripts/gen scenario wireless_cell): every management subtype reaches the
// wlan_mgmt dissector, association included (subtype 0).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "inventory/ledger/ledger.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/pipeline/pipeline.hpp"

namespace mieruka::sensor {
namespace {

const std::filesystem::path kSource = MIERUKA_SOURCE_DIR;

bool has_fact(const inventory::Asset& a, std::string_view field, std::string_view value) {
  for (const auto& f : a.facts)
    if (f.field == field && f.value == value && f.source == "wlan") return true;
  return false;
}

TEST(WlanPipeline, AccessPointsStationsAndTheirSsids) {
  std::string error;
  auto src = FileSource::open({(kSource / "pcaps/wireless_cell.pcapng").string()}, error);
  ASSERT_TRUE(src) << error;
  inventory::Ledger ledger("t");
  Pipeline pipeline(ledger);
  RawPacket pkt;
  while (src->next(pkt)) pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
  pipeline.finish();

  const auto* ap = ledger.find("00:0c:29:aa:00:01");
  const auto* agv = ledger.find("00:1b:1b:02:9a:c3");
  const auto* rogue = ledger.find("02:11:22:33:44:55");
  const auto* laptop = ledger.find("02:aa:bb:cc:dd:01");
  ASSERT_TRUE(ap && agv && rogue && laptop);
  EXPECT_TRUE(has_fact(*ap, "class_hint", "wireless_ap"));
  EXPECT_TRUE(has_fact(*ap, "ssid", "LINE1-AGV"));
  EXPECT_TRUE(has_fact(*rogue, "ssid", "Maint-Router"));
  EXPECT_TRUE(has_fact(*agv, "class_hint", "wireless_station"));  // association request
  EXPECT_TRUE(has_fact(*agv, "ssid", "LINE1-AGV"));
  EXPECT_TRUE(has_fact(*laptop, "wlan_probe_ssid", "MAINT-HOTSPOT"));
  bool joined = false;
  for (const auto& e : ledger.edges())
    joined = joined || (e.from_id == agv->id && e.to_id == ap->id && e.protocol == "wlan");
  EXPECT_TRUE(joined) << "no wlan edge from the AGV to its access point";
}

}  // namespace
}  // namespace mieruka::sensor
