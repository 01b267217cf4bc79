// System description rows: one vector per row of kRows, with what the text
// states and what it does not; texts no row knows give nothing; hostile texts
// (cut at every byte, no separators, overlong runs) give nothing invented.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "dissectors/sysdescr.hpp"

namespace mieruka::dissectors::sysdescr {
namespace {

struct Want {
  std::string_view descr;
  std::string_view vendor, product, model, revision, hardware_revision, serial, device_class;
};

void expect(const Want& w) {
  const Identity id = parse(w.descr);
  EXPECT_EQ(id.vendor, w.vendor) << w.descr;
  EXPECT_EQ(id.product, w.product) << w.descr;
  EXPECT_EQ(id.model, w.model) << w.descr;
  EXPECT_EQ(id.revision, w.revision) << w.descr;
  EXPECT_EQ(id.hardware_revision, w.hardware_revision) << w.descr;
  EXPECT_EQ(id.serial, w.serial) << w.descr;
  EXPECT_EQ(id.device_class, w.device_class) << w.descr;
}

TEST(Sysdescr, SiemensCpu) {
  expect({"Siemens, SIMATIC S7, CPU 1516-3 PN/DP, 6ES7 516-3AN01-0AB0, HW: 3, FW: V2.8.3", "Siemens",
          "CPU 1516-3 PN/DP", "6ES7 516-3AN01-0AB0", "V2.8.3", "3", "", "plc"});
  // S7-300 with the serial item and a space before the comma.
  expect({"Siemens, SIMATIC S7, CPU315-2 PN/DP, 6ES7 315-2EH14-0AB0 , HW: 7, FW: V3.2.11, S C-H4C233962016",
          "Siemens", "CPU315-2 PN/DP", "6ES7 315-2EH14-0AB0", "V3.2.11", "7", "C-H4C233962016", "plc"});
  // S7-1200 firmware written "V.4.1.3"; a full stop after the last item.
  expect({"Siemens, SIMATIC S7, CPU-1200, 6ES7 214-1BG40-0XB0, HW: 1, FW: V.4.1.3, S C-E6S04921", "Siemens",
          "CPU-1200", "6ES7 214-1BG40-0XB0", "V.4.1.3", "1", "C-E6S04921", "plc"});
  expect({"Siemens, SIMATIC S7, CPU314C-2 PN/DP, 6ES7 314-6EH04-0AB0 , HW: 4, FW: V3.3.10.", "Siemens",
          "CPU314C-2 PN/DP", "6ES7 314-6EH04-0AB0", "V3.3.10", "4", "", "plc"});
  // Early S7-1200: positional items without labels; the serial after the order
  // number is not part of it, and unlabeled items prove nothing.
  expect({"Siemens, SIMATIC S7, CPU-1200, 6ES7 214-1BE30-0XB0 SZVA2YYY007305  , 1, V.1.0.2, SZVA2YYY007305",
          "Siemens", "CPU-1200", "6ES7 214-1BE30-0XB0", "", "", "", "plc"});
}

TEST(Sysdescr, SiemensNetAndScalance) {
  expect({"Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA10-2AA3, HW: 7, FW: V4.1.0", "Siemens", "SCALANCE X208",
          "6GK5 208-0BA10-2AA3", "V4.1.0", "7", "", ""});
  expect({"Siemens, SIMATIC NET, SCALANCE X204-2, 6GK5 204-2BB10-2AA3, HW: Version 1, FW: Version V05.02.00",
          "Siemens", "SCALANCE X204-2", "6GK5 204-2BB10-2AA3", "V05.02.00", "1", "", ""});
  expect({"SCALANCE X208, 6GK5 208-0BA00-2AA3, HW: 7, FW: V4.1.0", "Siemens", "SCALANCE X208",
          "6GK5 208-0BA00-2AA3", "V4.1.0", "7", "", ""});
  // An order number without the space.
  expect({"Siemens, SIMATIC HMI, TP700 Comfort, 6AV2124-0GC01-0AX0, FW: V15.1.0", "Siemens", "TP700 Comfort",
          "6AV2124-0GC01-0AX0", "V15.1.0", "", "", ""});
}

TEST(Sysdescr, Hirschmann) {
  expect({"Hirschmann Rail Switch Power Enhanced - SW: HiOS-3S-09.0.00", "Hirschmann", "Rail Switch Power Enhanced",
          "", "09.0.00", "", "", ""});
  expect({"Hirschmann GREYHOUND HiOS-3S 08.1.04", "Hirschmann", "GREYHOUND", "", "08.1.04", "", "", ""});
  expect({"Hirschmann Railswitch", "Hirschmann", "Railswitch", "", "", "", "", ""});
}

TEST(Sysdescr, Moxa) {
  expect({"Moxa EDS-408A", "Moxa", "EDS-408A", "", "", "", "", ""});
  expect({"MOXA NPort 5110", "Moxa", "NPort 5110", "", "", "", "", ""});
  expect({"NPort 5150 V3.9 build 19032718", "Moxa", "NPort 5150", "", "V3.9", "", "", ""});
  expect({"Moxa EDS-G509 Firmware 3.8", "Moxa", "EDS-G509", "", "3.8", "", "", ""});
}

TEST(Sysdescr, PhoenixContact) {
  expect({"FL SWITCH 2008 2702323 Firmware 3.10", "Phoenix Contact", "FL SWITCH 2008", "", "3.10", "", "", ""});
  expect({"Phoenix Contact FL SWITCH SMCS 8TX", "Phoenix Contact", "FL SWITCH SMCS 8TX", "", "", "", "", ""});
  expect({"Phoenix Contact FL MGUARD RS4000 Firmware 8.8.5", "Phoenix Contact", "FL MGUARD RS4000", "", "8.8.5", "", "",
          ""});
}

TEST(Sysdescr, CiscoBannersNameSoftwareOnly) {
  const Identity ios =
      parse("Cisco IOS Software, C3560 Software (C3560-IPBASE-M), Version 12.2(25)SEE2, RELEASE SOFTWARE (fc1)");
  EXPECT_EQ(ios.revision, "12.2(25)SEE2");
  EXPECT_EQ(ios.os, "IOS");
  EXPECT_EQ(ios.vendor, "");  // IOS runs on Rockwell Stratix too
  EXPECT_EQ(ios.product, "");
  expect({"IOS (tm) 1600 Software (C1600-NY-L), Version 11.2(12)P, RELEASE SOFTWARE", "", "", "", "11.2(12)P", "",
          "", ""});
  expect({"Cisco NX-OS(tm) n5000, Software (n5000-uk9), Version 5.2(1)N1(1), RELEASE SOFTWARE", "", "", "",
          "5.2(1)N1(1)", "", "", ""});
  expect({"Cisco IOS", "", "", "", "", "", "", ""});
  expect({"Cisco Internetwork Operating System Software \nIOS (tm) C2950 Software (C2950-I6Q4L2-M), Version "
          "12.1(22)EA4, RELEASE SOFTWARE(fc1)",
          "", "", "", "12.1(22)EA4", "", "", ""});
}

TEST(Sysdescr, Rockwell) {
  expect({"Allen-Bradley Stratix 5700 Version 15.2(7)E4", "Rockwell Automation", "Stratix 5700", "", "15.2(7)E4", "",
          "", ""});
  expect({"Rockwell Automation 1756-EN2T/D Firmware 11.002", "Rockwell Automation", "1756-EN2T/D", "", "11.002",
          "", "", ""});
  expect({"Allen-Bradley 1769-L33ER Rev 32.011", "Rockwell Automation", "1769-L33ER", "", "32.011", "", "", ""});
}

TEST(Sysdescr, RemoteAccessGateways) {
  expect({"Teltonika RUT955 RUT9_R_00.07.04.1", "Teltonika", "RUT955", "", "00.07.04.1", "", "", ""});
  expect({"eWON Flexy 205 firmware 14.5s0", "HMS Networks", "eWON Flexy 205", "", "14.5s0", "", "", ""});
  expect({"Tosibox Lock 500 Firmware 3.4.0", "Tosibox", "Lock 500", "", "3.4.0", "", "", ""});
  expect({"Secomea SiteManager 1149 V9.4.22131", "Secomea", "SiteManager 1149", "", "V9.4.22131", "", "", ""});
  expect({"INSYS MRX3 LTE Firmware 4.3.6", "INSYS icom", "MRX3 LTE", "", "4.3.6", "", "", ""});
  expect({"mbNET MDH 833 V6.3.2", "MB connect line", "mbNET MDH 833", "", "V6.3.2", "", "", ""});
}

TEST(Sysdescr, JapanesePlantMakers) {
  expect({"MELSEC iQ-R RJ71EN71 Ver.1.05", "Mitsubishi Electric", "MELSEC iQ-R RJ71EN71", "", "1.05", "", "", ""});
  expect({"Mitsubishi Electric Corporation GOT2000 Version 1.250", "Mitsubishi Electric", "GOT2000", "", "1.250",
          "", "", ""});
  expect({"Mitsubishi Electric FR-A800-E Version 1.02", "Mitsubishi Electric", "FR-A800-E", "", "1.02", "", "", ""});
  expect({"OMRON Corporation NX102-9000 Ver.1.50", "OMRON", "NX102-9000", "", "1.50", "", "", ""});
  expect({"OMRON NJ501-1500 Ver.1.49", "OMRON", "NJ501-1500", "", "1.49", "", "", ""});
  expect({"Yokogawa STARDOM FCN-500 Rev.R4.30", "Yokogawa", "STARDOM FCN-500", "", "4.30", "", "", ""});
  expect({"RTX1210 Rev.14.01.38 (Fri Jul 10 11:54:50 2020)", "Yamaha", "RTX1210", "", "14.01.38", "", "", ""});
  expect({"NVR510 Rev.15.01.24 (Mon Mar 14 17:04:45 2022)", "Yamaha", "NVR510", "", "15.01.24", "", "", ""});
  expect({"NEC Portable Internetwork Core Operating System Software, IX Series IX2215 (magellan-sec) Software, "
          "Version 10.2.16, RELEASE SOFTWARE",
          "NEC", "IX2215", "", "10.2.16", "", "", ""});
  expect({"Allied Telesis AT-x510-28GTX version 5.4.7-0.2", "Allied Telesis", "AT-x510-28GTX", "", "5.4.7-0.2", "",
          "", ""});
}

TEST(Sysdescr, Schneider) {
  expect({"Schneider Electric BMX NOE 0100 V3.10", "Schneider Electric", "BMX NOE 0100", "", "V3.10", "", "", ""});
  expect({"Modicon M580 V4.01", "Schneider Electric", "Modicon M580", "", "V4.01", "", "", ""});
}

TEST(Sysdescr, UnknownTextGivesNothing) {
  for (std::string_view d : {"", "   ", "Linux plc 4.19.0 #1 SMP armv7l", "SMCGS8P-Smart - SMCGS8P-Smart v3.20",
                             "Ethernet Switch", "RTX1210 without a revision", "Not Siemens, SIMATIC S7, CPU 1516",
                             "Vendor Moxa-like EDS", "Linux moxa 4.19.0 #1 SMP armv7l", "Linux Moxa 4.4.190-cip",
                             "gateway eWON Flexy 205", "Vendor Teltonika RUT955", "remote Secomea SiteManager"}) {
    EXPECT_TRUE(parse(d).empty()) << d;
  }
}

TEST(Sysdescr, AnchorOnlyProvesTheMaker) {
  // The maker's name and nothing after it: no product, no version.
  expect({"Moxa ", "", "", "", "", "", "", ""});
  expect({"Moxa ,,,", "Moxa", "", "", "", "", "", ""});
  expect({"Siemens, SIMATIC S7, CPU", "Siemens", "CPU", "", "", "", "", "plc"});
  expect({"Siemens, SIMATIC S7, CPU 1516, HW:, FW:, S ", "Siemens", "CPU 1516", "", "", "", "", "plc"});
}

TEST(Sysdescr, HostileTextsStayBounded) {
  const std::string full =
      "Siemens, SIMATIC S7, CPU 1516-3 PN/DP, 6ES7 516-3AN01-0AB0, HW: 3, FW: V2.8.3, S C-H4C233962016";
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const Identity id = parse(std::string_view(full).substr(0, n));
    // Every view lies inside the text or is static table text.
    for (std::string_view v : {id.product, id.model, id.revision, id.hardware_revision, id.serial}) {
      if (v.empty()) continue;
      EXPECT_NE(full.find(v), std::string::npos) << n;
    }
  }
  const std::string long_product = "Moxa " + std::string(200, 'A');
  EXPECT_EQ(parse(long_product).product, "");
  const std::string long_version = "Moxa EDS V1." + std::string(100, '1');
  EXPECT_EQ(parse(long_version).revision, "");
  const std::string dots = "Hirschmann " + std::string(300, '.') + " HiOS-" + std::string(300, '9');
  EXPECT_EQ(parse(dots).revision, "");
  std::string nul = "Moxa EDS-408A";
  nul.push_back('\0');
  EXPECT_EQ(parse(nul).product, "EDS-408A");
}

struct Recorded {
  std::string field, value, source;
};
class RecordingSink final : public Sink {
 public:
  void fact(const Fact& f) noexcept override {
    facts.push_back({std::string(f.field), f.value, std::string(f.source)});
  }
  void operation(const Operation&) noexcept override {}
  void anomaly(std::string_view) noexcept override {}
  std::vector<Recorded> facts;
};

TEST(Sysdescr, EmitsEachFieldWithTheCallersSource) {
  RecordingSink sink;
  emit(parse("Siemens, SIMATIC S7, CPU 1516-3 PN/DP, 6ES7 516-3AN01-0AB0, HW: 3, FW: V2.8.3, S C-X4U421302016"),
       AssetRef::sender_party(), "snmp", sink);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"vendor", "Siemens"}, {"product", "CPU 1516-3 PN/DP"}, {"model", "6ES7 516-3AN01-0AB0"},
      {"revision", "V2.8.3"}, {"hardware_revision", "3"},      {"serial", "C-X4U421302016"},
      {"class_hint", "plc"}};
  ASSERT_EQ(sink.facts.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(sink.facts[i].field, want[i].first);
    EXPECT_EQ(sink.facts[i].value, want[i].second);
    EXPECT_EQ(sink.facts[i].source, "snmp");
  }
  RecordingSink none;
  emit(parse("Linux host 5.10"), AssetRef::sender_party(), "lldp", none);
  EXPECT_TRUE(none.facts.empty());
}

}  // namespace
}  // namespace mieruka::dissectors::sysdescr
