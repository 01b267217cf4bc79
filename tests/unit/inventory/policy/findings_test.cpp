// The finding engine over a hand-built ledger: one case per finding type, no
// approved device flagged, stable ids, acknowledgements that hold until the
// evidence changes.
#include "inventory/policy/findings.hpp"
#include "inventory/render/findings_format.hpp"

#include <set>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace mieruka::inventory {
namespace {

MacAddr mac(std::string_view s) { return *MacAddr::parse(s); }
IpAddr ip(std::string_view s) { return *IpAddr::parse(s); }
constexpr std::int64_t kT0 = 1'700'000'000'000'000LL;
constexpr std::int64_t kHour = 3'600'000'000LL;

struct Plant {
  Ledger led;
  AssetIndex plc, hmi, pi, office, router;
  std::optional<ApprovedList> approved;
  ZonePolicy zones;

  Plant() {
    plc = host("00:80:f4:0a:0b:0c", "10.10.1.30");
    hmi = host("00:0e:c6:11:22:33", "10.10.1.50");
    pi = host("b8:27:eb:01:02:03", "10.10.1.77");
    office = host("00:15:5d:00:00:01", "192.168.10.5");
    router = host("00:1b:54:aa:bb:cc", "10.10.1.1");
    led.add_protocol(plc, "modbus");
    led.add_protocol(hmi, "modbus");
    std::string error;
    approved = parse_approved("mac,ip,name\n00:80:f4:0a:0b:0c,,PLC\n00:0e:c6:11:22:33,,HMI\n00:1b:54:aa:bb:cc,,GW\n",
                              "ap.csv", error);
    zones.zones.push_back({"office", 4, {*Subnet::parse("192.168.10.0/24")}, {}});
    zones.zones.push_back({"cell-1", 1, {*Subnet::parse("10.10.1.0/24")}, {}});
  }
  AssetIndex host(std::string_view m, std::string_view a) {
    const auto i = led.station(mac(m), kT0);
    led.sent(i, 60, 0, kT0);
    led.bind_ip(i, ip(a), "arp", kT0);
    return i;
  }
  EdgeIndex edge(AssetIndex f, AssetIndex t, std::string_view proto, std::uint16_t port, std::int64_t ts = kT0) {
    const auto e = led.edge(f, t, proto, "tcp", port, 0, ts);
    led.count_edge(e, 100, ts);
    return e;
  }
  std::vector<Finding> run(std::int64_t learning = kHour) {
    FindingsPolicy p;
    p.approved = &*approved;
    p.zones = &zones;
    p.learning_period_us = learning;
    return compute_findings(led, p);
  }
  const Asset& a(AssetIndex i) const { return led.assets()[i]; }
};

std::vector<const Finding*> of(const std::vector<Finding>& fs, std::string_view type, const std::string& asset) {
  std::vector<const Finding*> out;
  for (const auto& f : fs)
    if (f.type == type && f.asset == asset) out.push_back(&f);
  return out;
}

TEST(Findings, NoApprovedDeviceIsFlaggedForApproval) {
  Plant p;
  p.edge(p.hmi, p.plc, "modbus", 502);
  const std::vector<std::string> ok = {p.a(p.plc).id, p.a(p.hmi).id, p.a(p.router).id};
  std::size_t flagged = 0;
  for (const auto& f : p.run()) {
    if (f.type != "unapproved" && f.type != "hidden") continue;
    ++flagged;
    EXPECT_EQ(std::find(ok.begin(), ok.end(), f.asset), ok.end()) << f.evidence;
  }
  EXPECT_EQ(flagged, 2U);  // the Raspberry Pi and the office PC
}

TEST(Findings, UnapprovedOtIsHiddenOthersUnapproved) {
  Plant p;
  p.led.add_protocol(p.pi, "modbus");
  const auto fs = p.run();
  const auto h = of(fs, "hidden", p.a(p.pi).id);
  ASSERT_EQ(h.size(), 1U);
  EXPECT_EQ(h[0]->item, "2-6");
  EXPECT_EQ(h[0]->severity, "high");
  EXPECT_EQ(h[0]->mac, "b8:27:eb:01:02:03");
  EXPECT_NE(h[0]->evidence.find("speaks modbus"), std::string::npos);
  EXPECT_EQ(of(fs, "unapproved", p.a(p.office).id).size(), 1U);
  EXPECT_TRUE(of(fs, "unapproved", p.a(p.pi).id).empty());  // one finding per asset, not two
}

TEST(Findings, SilentReceiverAndRoutedModuleAreHidden) {
  Plant p;
  const auto silent = p.led.station(mac("00:00:bc:99:99:99"), kT0);
  p.edge(p.hmi, silent, "enip", 44818);
  const auto child = p.led.child(p.plc, "unit:3", kT0);
  const auto fs = p.run();
  // Two reasons, one finding: it never answers, and it has a Rockwell OUI nobody
  // approved (which raises the severity).
  const auto hs = of(fs, "hidden", p.a(silent).id);
  ASSERT_EQ(hs.size(), 1U);
  EXPECT_NE(hs[0]->evidence.find("only as a receiver"), std::string::npos) << hs[0]->evidence;
  EXPECT_NE(hs[0]->evidence.find("OT equipment"), std::string::npos) << hs[0]->evidence;
  EXPECT_EQ(hs[0]->severity, "high");
  EXPECT_TRUE(of(fs, "unapproved", p.a(silent).id).empty());
  ASSERT_EQ(of(fs, "hidden", p.a(child).id).size(), 1U);
  EXPECT_NE(of(fs, "hidden", p.a(child).id)[0]->evidence.find("unit:3"), std::string::npos);
}

// The console shows an approval at once by ending the findings that exist only
// because the device was unlisted: exactly those that listing it ends.
TEST(Findings, UnlistedMarksWhatListingEnds) {
  Plant p;
  p.led.add_protocol(p.pi, "modbus");  // hidden (OT, unlisted)
  const auto silent = p.led.station(mac("00:00:bc:99:99:99"), kT0);
  p.edge(p.hmi, silent, "enip", 44818);  // hidden (silent receiver)
  p.edge(p.office, p.plc, "telnet", 23);  // insecure: not about the list
  const auto before = p.run();
  // List every device, and see which findings go.
  std::string error;
  p.approved = parse_approved("mac,ip,name\n00:80:f4:0a:0b:0c,,PLC\n00:0e:c6:11:22:33,,HMI\n00:1b:54:aa:bb:cc,,GW\n"
                              "b8:27:eb:01:02:03,,Pi\n00:15:5d:00:00:01,,PC\n00:00:bc:99:99:99,,IO\n",
                              "ap.csv", error);
  ASSERT_TRUE(p.approved) << error;
  const auto after = p.run();
  std::set<std::string> kept;
  for (const auto& f : after) kept.insert(f.id);
  std::size_t unlisted = 0;
  for (const auto& f : before) {
    EXPECT_EQ(f.unlisted, kept.count(f.id) == 0) << f.type << " " << f.evidence;
    unlisted += f.unlisted ? 1 : 0;
  }
  EXPECT_EQ(unlisted, 3U);  // the Pi (hidden), the silent receiver (hidden), the office PC (unapproved)
  EXPECT_FALSE(of(before, "insecure", p.a(p.plc).id).empty());
}

TEST(Findings, CrossZoneWithoutConduit) {
  Plant p;
  p.edge(p.office, p.plc, "modbus", 502);
  auto fs = p.run();
  auto cz = of(fs, "cross_zone", p.a(p.office).id);
  ASSERT_EQ(cz.size(), 1U);
  EXPECT_EQ(cz[0]->item, "3-5");
  EXPECT_NE(cz[0]->evidence.find("office"), std::string::npos);
  p.zones.conduits.push_back({"office", "cell-*", {"modbus"}});
  EXPECT_TRUE(of(p.run(), "cross_zone", p.a(p.office).id).empty());
}

TEST(Findings, RemoteAccessToPublicPeer) {
  Plant p;
  const auto peer = p.led.resolve(std::nullopt, ip("203.0.113.7"), kT0);
  p.edge(p.router, peer, "openvpn", 1194);
  const auto fs = p.run();
  auto r = of(fs, "remote_access", p.a(p.router).id);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]->item, "3-6");
  EXPECT_NE(r[0]->evidence.find("203.0.113.7"), std::string::npos);
  // The internet peer itself is not plant equipment: not unapproved.
  EXPECT_TRUE(of(fs, "unapproved", p.a(peer).id).empty());
}

// The edges the sensor records when no dissector confirmed a protocol: tcp and
// the port. The port is what these findings are about, and the evidence says
// port, not protocol.
TEST(Findings, RemoteAccessMailAndCleartextByPort) {
  Plant p;
  const auto peer = p.led.resolve(std::nullopt, ip("203.0.113.7"), kT0);
  p.edge(peer, p.hmi, "tcp", 3389);
  p.edge(p.pi, peer, "tcp", 25);
  p.edge(p.office, p.plc, "tcp", 23);
  p.edge(p.office, p.plc, "tcp", 502);  // a port names no protocol: not OT, no finding of its own
  const auto fs = p.run();
  auto r = of(fs, "remote_access", p.a(p.hmi).id);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_NE(r[0]->evidence.find("tcp port 3389 (registered for rdp) from 203.0.113.7 into"), std::string::npos)
      << r[0]->evidence;
  auto m = of(fs, "internet", p.a(p.pi).id);
  ASSERT_EQ(m.size(), 1U);
  EXPECT_NE(m[0]->evidence.find("connects to tcp port 25 (registered for smtp) of 203.0.113.7"), std::string::npos)
      << m[0]->evidence;
  auto t = of(fs, "insecure", p.a(p.plc).id);
  ASSERT_EQ(t.size(), 1U);
  EXPECT_NE(t[0]->evidence.find("receives traffic on tcp port 23 (registered for telnet), a cleartext login"),
            std::string::npos)
      << t[0]->evidence;
  // The finding ids are the ones a confirmed protocol would give: an acknowledged
  // path stays acknowledged.
  EXPECT_EQ(r[0]->id, finding_id("remote_access", p.a(p.hmi).id, "remote:" + p.a(peer).id + "|rdp"));
}

TEST(Findings, OtToInternetAndMail) {
  Plant p;
  const auto peer = p.led.resolve(std::nullopt, ip("198.51.100.9"), kT0);
  p.edge(p.plc, peer, "https", 443);
  p.edge(p.hmi, peer, "smtp", 25);
  const auto fs = p.run();
  EXPECT_EQ(of(fs, "internet", p.a(p.plc).id).size(), 1U);
  ASSERT_EQ(of(fs, "internet", p.a(p.hmi).id).size(), 1U);
  EXPECT_NE(of(fs, "internet", p.a(p.hmi).id)[0]->evidence.find("mail"), std::string::npos);
  EXPECT_EQ(of(fs, "internet", p.a(p.plc).id)[0]->item, "2-3");
}

TEST(Findings, InsecureFactsAndTelnet) {
  Plant p;
  p.led.add_fact(p.plc, "security", "opcua_security_mode_none", "opcua", kT0);
  p.edge(p.hmi, p.plc, "telnet", 23);
  const auto fs = p.run();
  EXPECT_EQ(of(fs, "insecure", p.a(p.plc).id).size(), 2U);
}

// One new_writer per (client, server, protocol, operation name), judged by the
// client's first write of it on any edge or code: KV host link WR and WRS are two
// codes of write_dm; writes on two ports of one server are one finding.
TEST(Findings, NewWriterOnePerClientServerOperation) {
  Plant p;
  const auto kv = p.edge(p.hmi, p.plc, "kv_hostlink", 8501);
  p.led.add_op(kv, Operation{"kv_hostlink", "write_dm", 3, true}, kT0 + 10);          // WRS, from the start
  p.led.add_op(kv, Operation{"kv_hostlink", "write_dm", 2, true}, kT0 + 2 * kHour);   // WR, later
  const auto a = p.edge(p.pi, p.plc, "slmp", 5000);
  const auto b = p.edge(p.pi, p.plc, "slmp", 5001);
  p.led.add_op(a, Operation{"slmp", "batch_read_d", 0x0401}, kT0);
  p.led.add_op(a, Operation{"slmp", "batch_write_d", 0x1401, true}, kT0 + 2 * kHour);
  p.led.add_op(b, Operation{"slmp", "batch_write_d", 0x1401, true}, kT0 + 3 * kHour);
  p.led.add_op(b, Operation{"slmp", "batch_write_d", 0x1401, true}, kT0 + 3 * kHour);
  const auto fs = p.run();
  EXPECT_TRUE(of(fs, "new_writer", p.a(p.hmi).id).empty());  // it wrote write_dm from the start
  const auto pi = of(fs, "new_writer", p.a(p.pi).id);
  ASSERT_EQ(pi.size(), 1U);
  EXPECT_NE(pi[0]->evidence.find("first slmp batch_write_d"), std::string::npos) << pi[0]->evidence;
  EXPECT_NE(pi[0]->evidence.find("7200 s after"), std::string::npos) << pi[0]->evidence;
  EXPECT_NE(pi[0]->evidence.find("; 3 writes"), std::string::npos) << pi[0]->evidence;
  EXPECT_EQ(pi[0]->first_us, kT0 + 2 * kHour);
  EXPECT_EQ(pi[0]->last_us, kT0 + 3 * kHour);
}

TEST(Findings, NewWriterAfterLearningPeriodAndControl) {
  Plant p;
  const auto e = p.edge(p.hmi, p.plc, "modbus", 502);
  Operation early{"modbus", "write_single_register", 6, true};
  p.led.add_op(e, early, kT0 + 10);  // within learning: the HMI always wrote
  const auto e2 = p.edge(p.pi, p.plc, "modbus", 502);
  Operation read{"modbus", "read_holding_registers", 3};
  p.led.add_op(e2, read, kT0);
  Operation late{"modbus", "write_multiple_registers", 16, true};
  p.led.add_op(e2, late, kT0 + 2 * kHour);
  Operation stop{"s7comm", "plc_stop", 0x29, false, true};
  p.led.add_op(e2, stop, kT0 + 3 * kHour);
  const auto fs = p.run();
  EXPECT_TRUE(of(fs, "new_writer", p.a(p.hmi).id).empty());
  ASSERT_EQ(of(fs, "new_writer", p.a(p.pi).id).size(), 1U);
  EXPECT_NE(of(fs, "new_writer", p.a(p.pi).id)[0]->evidence.find("write_multiple_registers"), std::string::npos);
  ASSERT_EQ(of(fs, "control", p.a(p.pi).id).size(), 1U);
  EXPECT_EQ(of(fs, "control", p.a(p.pi).id)[0]->item, "3-7");
}

TEST(Findings, WirelessNotOnAllowList) {
  Plant p;
  const auto sta = p.led.station(mac("00:11:22:33:44:55"), kT0);
  p.led.add_protocol(sta, "wlan");
  std::string error;
  auto w = parse_wireless_allow("mac\n00:11:22:33:44:66\n", "w.csv", error);
  FindingsPolicy pol;
  pol.wireless = &*w;
  auto fs = compute_findings(p.led, pol);
  EXPECT_EQ(of(fs, "wireless", p.a(sta).id).size(), 1U);
  w = parse_wireless_allow("mac\n00:11:22:33:44:55\n", "w.csv", error);
  fs = compute_findings(p.led, pol);
  EXPECT_TRUE(of(fs, "wireless", p.a(sta).id).empty());
}

TEST(Findings, StableIdsAndAcknowledgementUntilEvidenceChanges) {
  Plant p;
  p.led.add_protocol(p.pi, "modbus");
  auto fs = p.run();
  auto h = of(fs, "hidden", p.a(p.pi).id);
  ASSERT_EQ(h.size(), 1U);
  const std::string id = h[0]->id;
  EXPECT_EQ(id, finding_id("hidden", p.a(p.pi).id, "ot"));
  std::vector<Ack> acks{{id, material_hash(h[0]->material), "machine builder's test box", "yamada", kT0, {}, {}}};
  // More packets: same id, still acknowledged.
  p.led.sent(p.pi, 100, 0, kT0 + kHour);
  fs = p.run();
  apply_acks(fs, acks);
  h = of(fs, "hidden", p.a(p.pi).id);
  ASSERT_EQ(h.size(), 1U);
  EXPECT_EQ(h[0]->id, id);
  EXPECT_TRUE(h[0]->acknowledged);
  EXPECT_EQ(findings_json(fs)[0]["state"], "acknowledged");
  // The evidence changes (it is now OT by another reason): open again.
  acks[0].material_hash = material_hash("ot:speaks enip");
  fs = p.run();
  apply_acks(fs, acks);
  EXPECT_FALSE(of(fs, "hidden", p.a(p.pi).id)[0]->acknowledged);
}

TEST(Findings, JsonShapeAndEscaping) {
  Plant p;
  p.led.add_fact(p.office, "security", std::string("bad\xff\"=x"), "snmp", kT0);
  const auto fs = p.run();
  const auto j = findings_json(fs);
  ASSERT_FALSE(j.empty());
  for (const auto& f : j) {
    for (const char* k : {"id", "type", "asset", "mac", "ip", "item", "severity", "evidence", "first_seen",
                          "last_seen", "state"})
      EXPECT_TRUE(f.contains(k)) << k;
  }
  EXPECT_NO_THROW((void)j.dump());  // valid UTF-8 throughout
  const std::string csv = findings_csv(fs);
  EXPECT_EQ(csv.find("\xff"), std::string::npos);
}

TEST(Findings, CarryThePlantsNameOfTheirDevice) {
  Plant p;
  p.edge(p.hmi, p.office, "modbus", 502);  // the listed HMI (named "HMI") reaches the office
  const auto fs = p.run();
  const auto cz = of(fs, "cross_zone", p.a(p.hmi).id);
  ASSERT_EQ(cz.size(), 1U);
  EXPECT_EQ(cz[0]->plant_name, "HMI");
  const auto pi = of(fs, "unapproved", p.a(p.pi).id);
  ASSERT_EQ(pi.size(), 1U);
  EXPECT_EQ(pi[0]->plant_name, "");
  const auto j = findings_json(fs);
  for (const auto& f : j)
    EXPECT_EQ(f.contains("plant_name"), f["asset"] == p.a(p.hmi).id) << f.dump();
  const std::string table = findings_table(fs);
  EXPECT_NE(table.find("[HMI] "), std::string::npos);
  EXPECT_EQ(table.find("[HMI] ") , table.rfind("[HMI] "));  // on its own finding only
}

TEST(Findings, SeverityTable) {
  EXPECT_EQ(severity_of("control"), "high");
  EXPECT_EQ(item_of("wireless"), "2-7");
  EXPECT_EQ(item_of("internet"), "2-3");
  EXPECT_EQ(item_of("remote_access"), "3-6");
}

// --- vulnerable: imported advisories matched to the ledger ----------------------

// An advisory naming Omron CJ2M-CPU3x up to firmware 2.0 (two CVEs) and
// CJ1M-CPU1x, every version.
advisories::Advisory omron_advisory() {
  advisories::Advisory a;
  a.id = "ICSA-99-001-01";
  a.source = "csaf";
  a.title = "Omron CJ Series";
  a.initial_release = "2023-03-31T00:00:00Z";
  advisories::Product cj2;
  cj2.product_id = "P1";
  cj2.vendor = "Omron";
  cj2.vendor_key = advisories::vendor_key("Omron");
  cj2.names = {"SYSMAC CJ2M-CPU31"};
  cj2.full_name = "SYSMAC CJ2M-CPU31 <= 2.0";
  cj2.versions = advisories::parse_range("<= 2.0", true);
  advisories::Product cj1 = cj2;
  cj1.product_id = "P2";
  cj1.names = {"SYSMAC CJ1M-CPU12"};
  cj1.full_name = "SYSMAC CJ1M-CPU12";
  cj1.versions = advisories::parse_range("vers:all/*", true);
  a.products = {cj2, cj1};
  advisories::Vulnerability v1;
  v1.cve = "CVE-2099-0001";
  v1.cvss_base = 9.1;
  v1.cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N";
  v1.known_affected = {"P1", "P2"};
  v1.remediations.push_back({"mitigation", "Close port 9600.", "", {"P1", "P2"}});
  v1.remediations.push_back({"vendor_fix", "ファームウェアを 2.1 以降に更新する", "https://example.invalid/fix", {"P1"}});
  advisories::Vulnerability v2;
  v2.cve = "CVE-2099-0002";
  v2.cvss_base = 5.3;
  v2.known_affected = {"P1"};
  a.vulnerabilities = {v1, v2};
  return a;
}

struct VulnerablePlant : Plant {
  AssetIndex cj2_old, cj2_new, cj2_unknown, cj1, maker_only;
  std::vector<advisories::Advisory> docs{omron_advisory()};
  std::map<std::string, std::int64_t> imported{{"ICSA-99-001-01", kT0 + 5 * kHour}};
  std::vector<RemediationState> states;
  VulnerablePlant() {
    cj2_old = omron("00:00:0a:00:00:01", "10.10.1.101", "CJ2M-CPU31", "1.4");
    cj2_new = omron("00:00:0a:00:00:02", "10.10.1.102", "CJ2M-CPU31", "2.1");  // just outside the range
    cj2_unknown = omron("00:00:0a:00:00:03", "10.10.1.103", "CJ2M-CPU31", "");
    cj1 = omron("00:00:0a:00:00:04", "10.10.1.104", "CJ1M-CPU12", "");
    maker_only = omron("00:00:0a:00:00:05", "10.10.1.105", "", "1.0");  // maker alone: never a match
  }
  AssetIndex omron(std::string_view m, std::string_view a, std::string_view model, std::string_view fw) {
    const auto i = host(m, a);
    led.add_fact(i, "vendor", "OMRON Corporation", "fins", kT0);
    if (!model.empty()) led.add_fact(i, "product", std::string(model), "fins", kT0);
    if (!fw.empty()) led.add_fact(i, "revision", std::string(fw), "fins", kT0);
    return i;
  }
  std::vector<Finding> vulnerable() {
    FindingsPolicy p;
    p.approved = &*approved;
    p.zones = &zones;
    p.advisories = &docs;
    p.advisory_imported_us = &imported;
    p.remediation = &states;
    std::vector<Finding> out;
    for (auto& f : compute_findings(led, p))
      if (f.type == "vulnerable") out.push_back(std::move(f));
    return out;
  }
};

TEST(Findings, VulnerableOnePerAssetAndAdvisoryWithConfidence) {
  VulnerablePlant p;
  const auto fs = p.vulnerable();
  std::map<std::string, std::string> got;  // asset -> confidence
  for (const auto& f : fs) got[f.asset] = f.vuln.confidence;
  const std::map<std::string, std::string> want = {{p.a(p.cj2_old).id, "confirmed"},
                                                   {p.a(p.cj2_unknown).id, "possible"},
                                                   {p.a(p.cj1).id, "possible"}};
  // Not the fixed firmware, not the maker alone; all versions affected but no
  // firmware seen is possible, not confirmed.
  EXPECT_EQ(got, want);
  ASSERT_EQ(fs.size(), 3U);
  const Finding* f = of(fs, "vulnerable", p.a(p.cj2_old).id).front();
  EXPECT_EQ(f->id, finding_id("vulnerable", p.a(p.cj2_old).id, "ICSA-99-001-01"));
  EXPECT_EQ(f->item, "3-2");
  EXPECT_EQ(f->severity, "high");  // CVSS 9.1
  EXPECT_EQ(f->vuln.cves, (std::vector<std::string>{"CVE-2099-0001", "CVE-2099-0002"}));
  EXPECT_DOUBLE_EQ(f->vuln.cvss, 9.1);
  EXPECT_EQ(f->vuln.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N");
  // The vendor's fix before a mitigation, in Japanese when the advisory gives it.
  EXPECT_EQ(f->vuln.remediation, "vendor_fix: ファームウェアを 2.1 以降に更新する https://example.invalid/fix");
  EXPECT_EQ(f->vuln.published, "2023-03-31T00:00:00Z");
  EXPECT_EQ(f->vuln.state, "open");
  EXPECT_FALSE(f->acknowledged);
  // First seen when the advisory was imported (the device was seen before).
  EXPECT_EQ(f->first_us, kT0 + 5 * kHour);
  // CJ1M: only the first CVE lists it; the mitigation is its remediation.
  const Finding* g = of(fs, "vulnerable", p.a(p.cj1).id).front();
  EXPECT_EQ(g->vuln.cves, std::vector<std::string>{"CVE-2099-0001"});
  EXPECT_EQ(g->vuln.remediation, "mitigation: Close port 9600.");

  const auto j = findings_json(fs);
  EXPECT_EQ(j[0]["type"], "vulnerable");
  EXPECT_EQ(j[0]["advisory"], "ICSA-99-001-01");
  EXPECT_EQ(j[0]["state"], "open");
  EXPECT_TRUE(j[0].contains("cvss_vector"));
  EXPECT_TRUE(j[0].contains("confidence"));
}

TEST(Findings, VulnerableSeverityFollowsTheHighestCvss) {
  VulnerablePlant p;
  p.docs[0].vulnerabilities[0].cvss_base = 8.9;
  for (const auto& f : p.vulnerable()) EXPECT_EQ(f.severity, "medium") << f.asset;
}

TEST(Findings, RemediationStatesQuietOrCount) {
  VulnerablePlant p;
  const std::string old_id = p.a(p.cj2_old).id, cj1_id = p.a(p.cj1).id, unk_id = p.a(p.cj2_unknown).id;
  // One CVE remediated, the other still open: the finding stays open.
  p.states = {{old_id, "ICSA-99-001-01", "CVE-2099-0001", "remediated", "updated", "sato", 1}};
  EXPECT_EQ(of(p.vulnerable(), "vulnerable", old_id).front()->vuln.state, "open");
  // Both: quiet, kept with its state and comment.
  p.states.push_back({old_id, "ICSA-99-001-01", "CVE-2099-0002", "not_affected", "feature unused", "sato", 2});
  p.states.push_back({cj1_id, "ICSA-99-001-01", "CVE-2099-0001", "compensated", "port closed", "kato", 3});
  p.states.push_back({unk_id, "ICSA-99-001-01", "CVE-2099-0001", "not_affected", "", "kato", 3});
  p.states.push_back({unk_id, "ICSA-99-001-01", "CVE-2099-0002", "not_affected", "not this model", "kato", 4});
  const auto fs = p.vulnerable();
  const Finding* f = of(fs, "vulnerable", old_id).front();
  EXPECT_TRUE(f->acknowledged);
  EXPECT_EQ(f->vuln.state, "remediated");
  EXPECT_EQ(f->comment, "feature unused");
  EXPECT_EQ(finding_state(*f), "remediated");
  const Finding* u = of(fs, "vulnerable", unk_id).front();
  EXPECT_TRUE(u->acknowledged);
  EXPECT_EQ(u->vuln.state, "not_affected");
  // Compensated: counted (checklist 3-2), not quiet.
  const Finding* c = of(fs, "vulnerable", cj1_id).front();
  EXPECT_FALSE(c->acknowledged);
  EXPECT_EQ(finding_state(*c), "compensated");
  EXPECT_EQ(c->comment, "port closed");
  EXPECT_EQ(findings_json({*c})[0]["state"], "compensated");
}

// The console applies a remediation state to the findings it has
// (apply_remediation + apply_acks) and must reach what compute_findings gives
// with the same states stored.
TEST(Findings, ApplyRemediationAgreesWithCompute) {
  VulnerablePlant p;
  const std::string old_id = p.a(p.cj2_old).id, cj1_id = p.a(p.cj1).id;
  const auto none = p.vulnerable();
  std::vector<std::vector<RemediationState>> cases = {
      {{old_id, "ICSA-99-001-01", "CVE-2099-0001", "remediated", "updated", "sato", 1}},
      {{old_id, "ICSA-99-001-01", "CVE-2099-0001", "remediated", "updated", "sato", 1},
       {old_id, "ICSA-99-001-01", "CVE-2099-0002", "not_affected", "feature unused", "sato", 2}},
      {{cj1_id, "ICSA-99-001-01", "CVE-2099-0001", "compensated", "port closed", "kato", 3},
       {cj1_id, "ICSA-99-001-01", "CVE-2099-0001", "in_progress", "ordered", "kato", 4}},
  };
  for (const auto& states : cases) {
    p.states = states;
    const auto want = p.vulnerable();
    auto got = none;
    for (auto& f : got) apply_remediation(f, states);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].id, want[i].id);
      EXPECT_EQ(got[i].vuln.state, want[i].vuln.state) << want[i].asset;
      EXPECT_EQ(got[i].acknowledged, want[i].acknowledged) << want[i].asset;
      EXPECT_EQ(got[i].comment, want[i].comment) << want[i].asset;
      EXPECT_EQ(got[i].evidence, want[i].evidence);
    }
  }
  // Back to no state: open again, the evidence without a state.
  auto back = p.vulnerable();
  for (auto& f : back) apply_remediation(f, {});
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].vuln.state, "open");
    EXPECT_FALSE(back[i].acknowledged);
    EXPECT_EQ(back[i].evidence, none[i].evidence);
  }
}

TEST(Findings, NoAdvisoriesNoVulnerableFindings) {
  VulnerablePlant p;
  p.docs.clear();
  EXPECT_TRUE(p.vulnerable().empty());
  EXPECT_EQ(item_of("vulnerable"), "3-2");
  EXPECT_TRUE(is_remediation_state("compensated"));
  EXPECT_FALSE(is_remediation_state("open"));
}

TEST(FindingHistory, OpenedAcknowledgedAndReopenedWhenTheEvidenceChanged) {
  Finding f;
  f.id = "f-1";
  f.material = "ot:speaks modbus";
  f.first_us = 10;
  f.evidence_kind = "hidden_ot";
  f.set_evidence_values({{"device", "now"}});
  const Ack same{"f-1", material_hash(f.material), "spare", "ops", 20, "hidden_ot", {{"device", "then"}}};
  const Ack old{"f-1", material_hash("ot:classed plc"), "old", "admin", 15, "hidden_ot", {{"device", "older"}}};
  // Acknowledged and unchanged: no reopening.
  auto h = finding_history(f, {same});
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].event, "opened");
  EXPECT_EQ(h[0].at_us, 10);
  EXPECT_EQ(h[1].event, "acknowledged");
  EXPECT_EQ(h[1].who, "ops");
  EXPECT_EQ(h[1].comment, "spare");
  EXPECT_EQ(h[1].evidence_values["device"], "then");
  // An acknowledgement of other evidence, then one of this: reopened between them.
  h = finding_history(f, {old, same});
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[2].event, "reopened");
  EXPECT_EQ(h[2].at_us, 0);  // when it changed is not known
  EXPECT_EQ(h[2].evidence_values["device"], "then");
  EXPECT_EQ(h[3].event, "acknowledged");
  // Only the old one: reopened now, with the evidence as it is now; the same
  // rule marks it open.
  h = finding_history(f, {old});
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[2].event, "reopened");
  EXPECT_EQ(h[2].evidence_values["device"], "now");
  std::vector<Finding> fs = {f};
  apply_acks(fs, {old});
  EXPECT_FALSE(fs[0].acknowledged);
  apply_acks(fs, {same});
  EXPECT_TRUE(fs[0].acknowledged);
}

}  // namespace
}  // namespace mieruka::inventory
