// Remote-access and cloud services by name: label-boundary matching, and the
// remote_access finding a device gets for looking one up.
#include "inventory/policy/remote_services.hpp"

#include <gtest/gtest.h>

#include "inventory/policy/findings.hpp"

namespace mieruka::inventory {
namespace {

TEST(RemoteServices, MatchesWholeLabelsOnly) {
  ASSERT_TRUE(remote_service("talk2m.com"));
  EXPECT_EQ(remote_service("eu2.Talk2M.com.")->service, "HMS eWON Talk2M");
  EXPECT_EQ(remote_service("router.teamviewer.com")->kind, "remote_support");
  EXPECT_FALSE(remote_service("nottalk2m.com"));
  EXPECT_FALSE(remote_service("talk2m.com.example.jp"));
  EXPECT_FALSE(remote_service("com"));
  EXPECT_FALSE(remote_service(""));
  EXPECT_FALSE(remote_service("."));
  EXPECT_FALSE(remote_service("www.mitsubishielectric.co.jp"));
  EXPECT_EQ(remote_service("x.iot.ap-northeast-1.amazonaws.com")->kind, "vendor_cloud");
  EXPECT_FALSE(remote_service("s3.ap-northeast-1.amazonaws.com"));  // storage, not a device cloud
}

TEST(RemoteServices, LookupGivesOneRemoteAccessFindingPerService) {
  Ledger led("t");
  const auto gw = led.station(*MacAddr::parse("02:00:00:01:02:03"), 1000);
  led.sent(gw, 60, 0, 1000);
  led.bind_ip(gw, *IpAddr::parse("10.10.1.9"), "arp", 1000);
  led.add_fact(gw, "dns_query", "eu1.talk2m.com", "dns", 2000);
  led.add_fact(gw, "dns_query", "eu1.talk2m.com", "dns", 9000);
  led.add_fact(gw, "tls_client_sni", "as2.talk2m.com", "tls", 3000);
  led.add_fact(gw, "dns_query", "ntp.nict.jp", "dns", 4000);
  FindingsPolicy p;
  const auto fs = compute_findings(led, p);
  std::vector<const Finding*> remote;
  for (const auto& f : fs)
    if (f.type == "remote_access") remote.push_back(&f);
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_EQ(remote[0]->item, "3-6");
  EXPECT_NE(remote[0]->evidence.find("HMS eWON Talk2M"), std::string::npos) << remote[0]->evidence;
  EXPECT_NE(remote[0]->evidence.find("DNS eu1.talk2m.com (2x)"), std::string::npos) << remote[0]->evidence;
  EXPECT_NE(remote[0]->evidence.find("TLS as2.talk2m.com"), std::string::npos) << remote[0]->evidence;
  EXPECT_EQ(remote[0]->evidence.find("nict"), std::string::npos);
}

}  // namespace
}  // namespace mieruka::inventory

namespace mieruka::inventory {
namespace {

TEST(PublicLookups, OtEquipmentAskingForPublicNamesReachesForTheInternet) {
  Ledger led("t");
  const auto plc = led.station(*MacAddr::parse("02:00:00:00:00:20"), 1000);
  led.sent(plc, 60, 0, 1000);
  led.bind_ip(plc, *IpAddr::parse("10.10.1.20"), "arp", 1000);
  led.add_protocol(plc, "modbus");
  led.add_fact(plc, "dns_query", "pool.ntp.org", "dns", 2000);
  led.add_fact(plc, "dns_query", "plc-backup.local", "dns", 2000);   // mDNS-style: local
  led.add_fact(plc, "dns_query", "historian", "dns", 2000);          // single label: local
  led.add_fact(plc, "dns_query", "20.1.10.10.in-addr.arpa", "dns", 2000);
  const auto pc = led.station(*MacAddr::parse("02:00:00:00:00:30"), 1000);  // not OT
  led.sent(pc, 60, 0, 1000);
  led.add_fact(pc, "dns_query", "www.example.com", "dns", 2000);
  const auto fs = compute_findings(led, FindingsPolicy{});
  std::vector<const Finding*> net;
  for (const auto& f : fs)
    if (f.type == "internet") net.push_back(&f);
  ASSERT_EQ(net.size(), 1u);
  EXPECT_EQ(net[0]->item, "2-3");
  EXPECT_EQ(net[0]->mac, "02:00:00:00:00:20");
  EXPECT_NE(net[0]->evidence.find("pool.ntp.org (1x)"), std::string::npos) << net[0]->evidence;
  EXPECT_EQ(net[0]->evidence.find("local"), std::string::npos) << net[0]->evidence;
  EXPECT_EQ(net[0]->evidence.find("arpa"), std::string::npos) << net[0]->evidence;
}

}  // namespace
}  // namespace mieruka::inventory
