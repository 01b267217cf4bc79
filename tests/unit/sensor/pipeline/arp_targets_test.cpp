#include "sensor/pipeline/arp_targets.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mieruka::sensor {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

dissectors::ArpInfo request(const char* sha, const char* spa, const char* tpa) {
  dissectors::ArpInfo a;
  a.op = 1;
  a.sha = mac(sha);
  a.spa = ip(spa);
  a.tpa = ip(tpa);
  return a;
}

dissectors::ArpInfo reply(const char* sha, const char* spa, const char* tha, const char* tpa) {
  dissectors::ArpInfo a = request(sha, spa, tpa);
  a.op = 2;
  a.tha = mac(tha);
  return a;
}

const inventory::Asset* asset_with_ip(const inventory::Ledger& l, const char* addr) {
  for (const auto& a : l.assets())
    for (const auto& r : a.ips)
      if (r.ip == ip(addr)) return &a;
  return nullptr;
}

constexpr const char* kPlc = "00:1b:1b:02:9a:c3";

TEST(ArpTargets, RepeatedUnansweredRequestBecomesIpAssetWithArpEdge) {
  inventory::Ledger ledger("t");
  ArpTargets t;
  for (int i = 0; i < 3; ++i) t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.77"), mac(kPlc), i * 10 * kSecond);
  EXPECT_EQ(t.settle(ledger, 30 * kSecond, true), 1u);
  const auto* target = asset_with_ip(ledger, "10.10.1.77");
  ASSERT_NE(target, nullptr);
  EXPECT_FALSE(target->mac.has_value());
  EXPECT_EQ(target->packets_sent, 0u);
  ASSERT_NE(inventory::Ledger::best(*target, "seen_as"), nullptr);
  bool edge = false;
  for (const auto& e : ledger.edges()) {
    if (e.to_id != target->id) continue;
    edge = true;
    EXPECT_EQ(e.packets, 3u);  // three occasions
  }
  EXPECT_TRUE(edge);
  EXPECT_EQ(t.size(), 0u);
}

TEST(ArpTargets, AnsweredRequestMakesNothing) {
  inventory::Ledger ledger("t");
  ArpTargets t;
  t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.30"), mac(kPlc), 0);
  t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.30"), mac(kPlc), 5 * kSecond);
  t.on_arp(reply("00:00:bc:12:34:56", "10.10.1.30", kPlc, "10.10.1.20"), mac("00:00:bc:12:34:56"), 5 * kSecond + 1);
  EXPECT_EQ(t.settle(ledger, 10 * kSecond, true), 0u);
  EXPECT_EQ(asset_with_ip(ledger, "10.10.1.30"), nullptr);
}

TEST(ArpTargets, AddressAnotherAssetHoldsMakesNothing) {
  inventory::Ledger ledger("t");
  const auto holder = ledger.station(mac("00:00:bc:12:34:56"), 0);
  ledger.bind_ip(holder, ip("10.10.1.30"), "dhcp", 0);
  ArpTargets t;
  t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.30"), mac(kPlc), 0);
  t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.30"), mac(kPlc), 5 * kSecond);
  EXPECT_EQ(t.settle(ledger, 10 * kSecond, true), 0u);
  EXPECT_EQ(asset_with_ip(ledger, "10.10.1.30"), &ledger.assets()[holder]);
  EXPECT_EQ(ledger.assets().size(), 1u);
}

TEST(ArpTargets, SingleOccasionIsNotEnough) {
  inventory::Ledger ledger("t");
  ArpTargets t;
  // Three retries within the occasion gap (and a SPAN copy) are one occasion.
  for (int i = 0; i < 3; ++i) t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.77"), mac(kPlc), i * 100'000);
  EXPECT_EQ(t.settle(ledger, 10 * kSecond, true), 0u);
}

TEST(ArpTargets, SweepOfTheSubnetMakesNothing) {
  inventory::Ledger ledger("t");
  ArpTargets t;
  const char* scanner = "02:00:00:00:00:99";
  for (int round = 0; round < 2; ++round) {
    for (int host = 1; host < 60; ++host) {
      const std::string target = "10.10.1." + std::to_string(100 + host);
      t.on_arp(request(scanner, "10.10.1.5", target.c_str()), mac(scanner), round * 2 * kSecond + host * 1000);
    }
  }
  EXPECT_EQ(t.settle(ledger, 10 * kSecond, true), 0u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(ArpTargets, TwoRequestersOutweighASweep) {
  inventory::Ledger ledger("t");
  ArpTargets t;
  const char* scanner = "02:00:00:00:00:99";
  for (int host = 1; host < 40; ++host) {
    const std::string target = "10.10.1." + std::to_string(100 + host);
    t.on_arp(request(scanner, "10.10.1.5", target.c_str()), mac(scanner), host * 1000);
  }
  // The PLC asks for .120 too, later: someone configured that address.
  t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.120"), mac(kPlc), 3 * kSecond);
  EXPECT_EQ(t.settle(ledger, 10 * kSecond, true), 1u);
  EXPECT_NE(asset_with_ip(ledger, "10.10.1.120"), nullptr);
}

TEST(ArpTargets, ProbesAndGratuitousAreNotRequestsForOthers) {
  inventory::Ledger ledger("t");
  ArpTargets t;
  for (int i = 0; i < 3; ++i) {
    t.on_arp(request(kPlc, "0.0.0.0", "10.10.1.50"), mac(kPlc), i * kSecond);     // probe
    t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.20"), mac(kPlc), i * kSecond);  // gratuitous
  }
  EXPECT_EQ(t.size(), 0u);
}

TEST(ArpTargets, WhileCapturingOnlyOldEntriesSettle) {
  inventory::Ledger ledger("t");
  ArpTargets t;
  t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.77"), mac(kPlc), 0);
  t.on_arp(request(kPlc, "10.10.1.20", "10.10.1.77"), mac(kPlc), 2 * kSecond);
  EXPECT_EQ(t.settle(ledger, 3 * kSecond, false), 0u);  // a reply may still come
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.settle(ledger, 2 * kSecond + kArpSettleAgeUs, false), 1u);
}

TEST(ArpTargets, TableIsBounded) {
  ArpTargets t;
  std::size_t refused = 0;
  for (std::uint32_t i = 0; i < kMaxArpTargets + 10; ++i) {
    dissectors::ArpInfo a = request(kPlc, "10.10.1.20", "10.10.1.1");
    a.tpa = IpAddr::v4(0x0a000000U + 0x100U + i);
    if (!t.on_arp(a, mac(kPlc), 0)) ++refused;
  }
  EXPECT_EQ(t.size(), kMaxArpTargets);
  EXPECT_EQ(refused, 10u);
}

}  // namespace
}  // namespace mieruka::sensor
