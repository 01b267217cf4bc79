// Approved list, wireless allow-list, subnets, zones and conduits.
#include "inventory/policy/policy.hpp"

#include <gtest/gtest.h>

namespace mieruka::inventory {
namespace {

MacAddr mac(std::string_view s) { return *MacAddr::parse(s); }
IpAddr ip(std::string_view s) { return *IpAddr::parse(s); }

TEST(Approved, MacSpellingsAndIpOnlyRows) {
  std::string error;
  auto l = parse_approved(
      "mac,ip,name,zone\n00:1B:1B:02:9A:C3,,PLC,cell-1\n00-1b-1b-02-9a-c4,,HMI,\n001b.1b02.9ac5,,X,\n,10.10.1.99,Meter,\n",
      "ap.csv", error);
  ASSERT_TRUE(l) << error;
  ASSERT_EQ(l->entries.size(), 4U);
  Ledger led;
  const auto a = led.station(mac("00:1b:1b:02:9a:c4"), 1);
  EXPECT_NE(l->match(led.assets()[a]), nullptr);
  const auto c = led.station(mac("00:1b:1b:02:9a:c5"), 1);
  EXPECT_EQ(l->match(led.assets()[c])->name, "X");
  // IP-only row matches by IP.
  const auto m = led.station(mac("00:00:00:00:00:99"), 1);
  led.bind_ip(m, ip("10.10.1.99"), "arp", 1);
  EXPECT_EQ(l->match(led.assets()[m])->name, "Meter");
  // A MAC row does not match another MAC with the same IP.
  const auto other = led.station(mac("00:00:00:00:00:98"), 1);
  EXPECT_EQ(l->match(led.assets()[other]), nullptr);
}

// match() through the index gives the row a scan of the list in order gives:
// the first MAC row for the device's MAC or the first IP-only row for any of
// its addresses, whichever comes first; rows added later are found too.
TEST(Approved, IndexedMatchIsTheFirstRowInOrder) {
  std::string error;
  auto l = parse_approved(
      "mac,ip,name\n,10.0.0.7,ip-first\n00:00:00:00:00:07,,mac-second\n00:00:00:00:00:07,,mac-dup\n"
      "00:00:00:00:00:08,10.0.0.9,mac-with-ip\n,10.0.0.9,ip-after-mac\n,10.0.0.9,ip-dup\n,,nothing\n",
      "ap.csv", error);
  ASSERT_TRUE(l) << error;
  ApprovedList scan;  // the same rows, never indexed: match scans them
  scan.entries = l->entries;
  Ledger led;
  std::vector<AssetIndex> as;
  as.push_back(led.station(mac("00:00:00:00:00:07"), 1));  // MAC row 2, and IP row 1 via 10.0.0.7
  led.bind_ip(as.back(), ip("10.0.0.7"), "arp", 1);
  as.push_back(led.station(mac("00:00:00:00:00:07"), 1));
  as.push_back(led.station(mac("00:00:00:00:00:08"), 1));  // MAC row 4 (its IP column is not a match rule)
  as.push_back(led.station(mac("00:00:00:00:00:09"), 1));  // IP-only row 5 via 10.0.0.9
  led.bind_ip(as.back(), ip("10.0.0.9"), "arp", 1);
  as.push_back(led.station(mac("00:00:00:00:00:0a"), 1));  // nothing
  led.bind_ip(as.back(), ip("10.0.0.10"), "arp", 1);
  for (const AssetIndex i : as) {
    const Asset& a = led.assets()[i];
    const ApprovedEntry* want = scan.match(a);
    const ApprovedEntry* got = l->match(a);
    EXPECT_EQ(got == nullptr ? std::string("-") : got->name, want == nullptr ? std::string("-") : want->name) << a.id;
  }
  EXPECT_EQ(l->match(led.assets()[as[0]])->name, "ip-first");
  EXPECT_EQ(l->match(led.assets()[as[3]])->name, "ip-after-mac");
  EXPECT_EQ(l->match(led.assets()[as[4]]), nullptr);
  // A row added for an unlisted device is matched at once.
  EXPECT_TRUE(l->add(led, led.assets()[as[4]], ""));
  EXPECT_NE(l->match(led.assets()[as[4]]), nullptr);
}

TEST(Approved, JapaneseHeaders) {
  std::string error;
  auto l = parse_approved("名称\tMACアドレス\tIPアドレス\t設置場所\tゾーン\t管理者\t備考\nPLC1\t00:00:bc:12:34:56\t10.0.0.1\t"
                          "第1工場\tcell-1\t山田\tなし\n",
                          "ap.tsv", error);
  ASSERT_TRUE(l) << error;
  ASSERT_EQ(l->entries.size(), 1U);
  EXPECT_EQ(l->entries[0].name, "PLC1");
  EXPECT_EQ(l->entries[0].location, "第1工場");
  EXPECT_EQ(l->entries[0].owner, "山田");
  EXPECT_EQ(l->entries[0].mac->to_string(), "00:00:bc:12:34:56");
  EXPECT_EQ(l->entries[0].line, 2U);
}

TEST(Approved, BadMacIsOneLineWithFileAndLine) {
  std::string error;
  EXPECT_FALSE(parse_approved("mac,name\n00:00:bc:12:34:56,a\nzz:00,b\n", "ap.csv", error));
  EXPECT_EQ(error.substr(0, 9), "ap.csv:3:");
  EXPECT_EQ(error.find('\n'), std::string::npos);
  EXPECT_FALSE(parse_approved("mac,ip\n,10.0.0.999\n", "ap.csv", error));
  EXPECT_EQ(error.substr(0, 9), "ap.csv:2:");
}

TEST(Approved, NoMacOrIpColumn) {
  std::string error;
  EXPECT_FALSE(parse_approved("name,owner\nx,y\n", "ap.csv", error));
  EXPECT_EQ(error.substr(0, 9), "ap.csv:1:");
}

TEST(Approved, AddKeepsUserColumnsAndNeutralisesWireNames) {
  std::string error;
  auto l = parse_approved("custom,mac\nkeep,00:00:bc:12:34:56\n", "ap.csv", error);
  ASSERT_TRUE(l) << error;
  Ledger led;
  const auto a = led.station(mac("00:80:f4:0a:0b:0c"), 1);
  led.add_fact(a, "name", "=cmd|' /C calc'!A0", "lldp", 1);
  EXPECT_TRUE(l->add(led, led.assets()[a], "cell-1"));
  EXPECT_FALSE(l->add(led, led.assets()[a], "cell-1"));  // already there
  EXPECT_EQ(l->table.header, (std::vector<std::string>{"custom", "mac", "ip", "name", "zone"}));
  EXPECT_EQ(l->table.rows[0][0], "keep");
  EXPECT_EQ(l->table.rows[1][1], "00:80:f4:0a:0b:0c");
  EXPECT_EQ(l->table.rows[1][3], "'=cmd|' /C calc'!A0");
  EXPECT_EQ(write_csv(l->table).substr(0, 24), "custom,mac,ip,name,zone\n");
  EXPECT_NE(l->match(led.assets()[a]), nullptr);
}

// A name off the wire lands in a file a spreadsheet or a terminal shows: its
// escape sequences and invalid UTF-8 are cleaned as in every other CSV.
TEST(Approved, AddCleansControlsAndInvalidUtf8InWireNames) {
  std::string error;
  auto l = parse_approved("mac,name\n", "ap.csv", error);
  ASSERT_TRUE(l) << error;
  Ledger led;
  const auto a = led.station(mac("00:80:f4:0a:0b:0d"), 1);
  led.add_fact(a, "name", "\x1b]0;owned\x07PLC\xC2\x9B\xFF", "lldp", 1);
  ASSERT_TRUE(l->add(led, led.assets()[a], ""));
  EXPECT_EQ(l->table.rows[0][1], "\\x1b]0;owned\\x07PLC\\x9b\xEF\xBF\xBD");
  const std::string file = write_csv(l->table);
  EXPECT_EQ(file.find('\x1b'), std::string::npos);
  EXPECT_EQ(file.find('\x07'), std::string::npos);
}

TEST(Approved, AddUsesJapaneseHeaderNames) {
  std::string error;
  auto l = parse_approved("MACアドレス,備考\n", "ap.csv", error);
  ASSERT_TRUE(l) << error;
  Ledger led;
  const auto a = led.station(mac("00:80:f4:0a:0b:0c"), 1);
  EXPECT_TRUE(l->add(led, led.assets()[a], ""));
  EXPECT_EQ(l->table.header, (std::vector<std::string>{"MACアドレス", "備考", "IPアドレス", "名称"}));
}

TEST(Wireless, AllowList) {
  std::string error;
  auto w = parse_wireless_allow("mac,ssid,role,name\n00:11:22:33:44:55,plant,ap,AP1\n", "w.csv", error);
  ASSERT_TRUE(w) << error;
  EXPECT_NE(w->match(mac("00-11-22-33-44-55")), nullptr);
  EXPECT_EQ(w->match(mac("00:11:22:33:44:56")), nullptr);
  EXPECT_FALSE(parse_wireless_allow("mac,role\n00:11:22:33:44:55,router\n", "w.csv", error));
  EXPECT_EQ(error.substr(0, 8), "w.csv:2:");
}

TEST(Zones, SubnetParseAndContains) {
  auto s = Subnet::parse("10.10.1.0/24");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(ip("10.10.1.200")));
  EXPECT_FALSE(s->contains(ip("10.10.2.1")));
  auto s2 = Subnet::parse("10.0.0.0/9");
  EXPECT_TRUE(s2->contains(ip("10.127.0.1")));
  EXPECT_FALSE(s2->contains(ip("10.128.0.1")));
  EXPECT_FALSE(Subnet::parse("10.0.0.0/33"));
  EXPECT_FALSE(Subnet::parse("10.0.0.0/"));
  EXPECT_FALSE(Subnet::parse("x/8"));
}

TEST(Zones, GlobAndConduits) {
  EXPECT_TRUE(glob_match("cell-*", "cell-1"));
  EXPECT_TRUE(glob_match("c?ll-*", "cell-12"));
  EXPECT_FALSE(glob_match("cell-*", "office"));
  ZonePolicy p;
  p.conduits.push_back({"scada", "cell-*", {"modbus"}});
  EXPECT_TRUE(p.allows("scada", "cell-2", "modbus"));
  EXPECT_FALSE(p.allows("scada", "cell-2", "enip"));
  EXPECT_FALSE(p.allows("cell-2", "scada", "modbus"));  // direction matters
  EXPECT_TRUE(p.allows("office", "office", "smb"));     // same zone always
}

TEST(Zones, VlanFirstThenSubnet) {
  ZonePolicy p;
  p.zones.push_back({"office", 4, {*Subnet::parse("192.168.10.0/24")}, {}});
  p.zones.push_back({"cell-1", 1, {*Subnet::parse("10.10.1.0/24")}, {101}});
  Ledger led;
  const auto a = led.station(mac("00:00:00:00:00:01"), 1);
  led.bind_ip(a, ip("192.168.10.5"), "arp", 1);
  EXPECT_EQ(p.zones_of(led.assets()[a]), std::vector<std::string>{"office"});
  EXPECT_EQ(p.zones_of(led.assets()[a], 101), std::vector<std::string>{"cell-1"});
  led.bind_ip(a, ip("10.10.1.5"), "arp", 1);
  EXPECT_EQ(p.zones_of(led.assets()[a]).size(), 2U);  // dual-homed
}

TEST(Approved, SetEditsOneCellAndAddsRows) {
  std::string error;
  // CP932: 名称 96 BC 8F CC, 設置場所 90 DD 92 75 8F EA 8F 8A, 担当 92 53 93 96,
  // 成形 90 AC 8C 60; the list keeps a column of its own (x) in the middle.
  const std::string sjis = "MAC\x83\x41\x83\x68\x83\x8C\x83\x58,\x96\xBC\x8F\xCC,x,\x92\x53\x93\x96\r\n"
                           "00-00-BC-12-34-56,PLC,keep,a\r\n00-00-BC-12-34-57,HMI,\"q,\"\"\",b\r\n";
  auto l = parse_approved(sjis, "ap.csv", error);
  ASSERT_TRUE(l) << error;
  ASSERT_EQ(l->table.encoding, CsvEncoding::shift_jis);
  EXPECT_EQ(l->entries[0].owner, "a");  // 担当 is the owner column
  Ledger led;
  const auto plc = led.station(mac("00:00:bc:12:34:57"), 1);
  std::vector<ApprovedChange> changes;
  bool added = false, conflict = false;
  ASSERT_TRUE(l->set(led, led.assets()[plc], {{"name", "成形", "HMI"}, {"owner", "b", "b"}}, changes, added, conflict,
                     error))
      << error;
  EXPECT_FALSE(added);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].before, "HMI");
  EXPECT_EQ(changes[0].after, "成形");
  EXPECT_EQ(write_csv(l->table), "MAC\x83\x41\x83\x68\x83\x8C\x83\x58,\x96\xBC\x8F\xCC,x,\x92\x53\x93\x96\r\n"
                                 "00-00-BC-12-34-56,PLC,keep,a\r\n00-00-BC-12-34-57,\x90\xAC\x8C\x60,\"q,\"\"\",b\r\n");
  // A stale editor (saw HMI) is refused and nothing changes.
  EXPECT_FALSE(l->set(led, led.assets()[plc], {{"name", "x", "HMI"}}, changes, added, conflict, error));
  EXPECT_TRUE(conflict);
  EXPECT_NE(error.find("reload"), std::string::npos);
  EXPECT_FALSE(l->set(led, led.assets()[plc], {{"vendor", "x", ""}}, changes, added, conflict, error));
  EXPECT_FALSE(conflict);

  // A device not on the list: a new row; a location column is added in Japanese.
  const auto hmi = led.station(mac("00:00:bc:12:34:58"), 1);
  ASSERT_TRUE(l->set(led, led.assets()[hmi], {{"location", "=HYPERLINK(\"x\"),\n2", ""}}, changes, added, conflict,
                     error))
      << error;
  EXPECT_TRUE(added);
  const auto back = parse_approved(write_csv(l->table), "ap.csv", error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->entries.size(), 3U);
  EXPECT_EQ(back->table.header.back(), "設置場所");
  EXPECT_EQ(back->entries[2].location, "'=HYPERLINK(\"x\"),\n2");  // formula neutralised, quoted, kept
  EXPECT_EQ(back->entries[0].location, "");
  EXPECT_EQ(back->entries[0].name, "PLC");
  EXPECT_EQ(back->table.rows[1][2], "q,\"");
  for (const char* lead : {"+", "-", "@"}) {
    ASSERT_TRUE(l->set(led, led.assets()[hmi], {{"owner", std::string(lead) + "1", ""}}, changes, added, conflict,
                       error));
    EXPECT_EQ(l->entries[2].owner, std::string("'") + lead + "1");
    ASSERT_TRUE(l->set(led, led.assets()[hmi], {{"owner", "", l->entries[2].owner}}, changes, added, conflict, error));
  }
}

}  // namespace
}  // namespace mieruka::inventory
