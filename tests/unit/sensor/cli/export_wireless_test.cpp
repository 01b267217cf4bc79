// `mieruka export wireless-allow`: the allow-list as access points take it.
#include <gtest/gtest.h>

#include <string>

#include "sensor/cli/cmd_export.hpp"

namespace mieruka::sensor {
namespace {

inventory::WirelessAllowList parse(const std::string& csv) {
  std::string error;
  auto l = inventory::parse_wireless_allow(csv, "wl.csv", error);
  EXPECT_TRUE(l) << error;
  return l ? *l : inventory::WirelessAllowList{};
}

const std::string kList =
    "mac,ssid,role,name\n"
    "00-1B-1B-02-9A-C3,LINE1,station,\"AGV 1\nbay 3\"\n"   // a newline inside a quoted cell
    "001b.1b02.9ac4,LINE2,station,AGV 2\n"
    "00:0c:29:00:00:01,LINE1,ap,AP-1\n"
    "00:1b:1b:02:9a:c3,,,duplicate of AGV 1\n";

TEST(ExportWireless, OneMacALineSortedUniqueStationsByDefault) {
  const auto l = parse(kList);
  EXPECT_EQ(wireless_allow_text(l, "wl.csv", "macs", "station", ""), "00:1b:1b:02:9a:c3\n00:1b:1b:02:9a:c4\n");
  EXPECT_EQ(wireless_allow_text(l, "wl.csv", "macs", "ap", ""), "00:0c:29:00:00:01\n00:1b:1b:02:9a:c3\n");
  EXPECT_EQ(wireless_allow_text(l, "wl.csv", "macs", "all", "LINE1"), "00:0c:29:00:00:01\n00:1b:1b:02:9a:c3\n");
}

TEST(ExportWireless, HostapdFileHasCommentsOnOneLine) {
  const auto l = parse(kList);
  const std::string out = wireless_allow_text(l, "wl.csv", "hostapd", "station", "LINE1");
  EXPECT_EQ(out.rfind("# hostapd accept_mac_file", 0), 0u) << out;
  EXPECT_NE(out.find("# AGV 1 bay 3 (SSID LINE1)\n00:1b:1b:02:9a:c3\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("9a:c4"), std::string::npos) << out;  // LINE2 only
  // Every line is a comment or a bare MAC: nothing from the spreadsheet can add a directive.
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t nl = out.find('\n', start);
    const std::string line = out.substr(start, nl - start);
    EXPECT_TRUE(line.empty() || line[0] == '#' || line.size() == 17) << line;
    start = nl + 1;
  }
}

}  // namespace
}  // namespace mieruka::sensor
