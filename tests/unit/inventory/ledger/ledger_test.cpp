// The in-memory ledger: keys and ids, resolve/router rules, facts with caps and
// source priority, edges with ops and relabelling, find, store loading, and the
// hot path's promise not to allocate for an asset or edge that already exists.
#include "inventory/ledger/ledger.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

// --- allocation counter (replaces the global operator new for this test binary) ---
namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocations{0};
}  // namespace

// The replacements pair malloc with free; GCC cannot see that through `new`.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
// The nothrow forms too (std::stable_partition's temporary buffer uses them), so
// every delete below frees memory that our malloc gave.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace mieruka::inventory {
namespace {

MacAddr mac(const char* s) { return *MacAddr::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

const FactRecord* fact(const Asset& a, std::string_view field, std::string_view source) {
  for (const auto& f : a.facts) {
    if (f.field == field && f.source == source) return &f;
  }
  return nullptr;
}

bool holds(const Asset& a, const IpAddr& x) {
  for (const auto& r : a.ips) {
    if (r.ip == x) return true;
  }
  return false;
}

const char* kPlc = "00:1b:1b:02:9a:c3";   // Siemens
const char* kLocal = "02:00:00:00:00:01";  // locally administered: no OUI vendor

// --- ids ---------------------------------------------------------------------------

TEST(LedgerIdTest, StableExactValues) {
  // FNV-1a 64 of the key text, computed independently (Python).
  EXPECT_EQ(Ledger::id_for_mac(mac(kPlc)), "a3bd22719e1165d8");                    // "mac:00:1b:1b:02:9a:c3"
  EXPECT_EQ(Ledger::id_for_mac(mac("00-1B-1B-02-9A-C3")), "a3bd22719e1165d8");     // spelling does not matter
  EXPECT_EQ(Ledger::id_for_ip(ip("10.10.1.20")), "94a7b969e7b47c9d");              // "ip:10.10.1.20"
  EXPECT_EQ(Ledger::id_for_ip(ip("fe80::1")), "d0133b55fd9591fe");                 // "ip:fe80::1"
  EXPECT_EQ(Ledger::id_for_child("a3bd22719e1165d8", "1/3"), "b3dbe86021708e08");  // "<parent>/1/3"
  EXPECT_EQ(Ledger::id_for_edge("a3bd22719e1165d8", "94a7b969e7b47c9d", "modbus", 502, 0),
            "982205a6e6029199");  // "<from>|<to>|modbus|502|0"
  EXPECT_NE(Ledger::id_for_edge("a3bd22719e1165d8", "94a7b969e7b47c9d", "modbus", 502, 1),
            Ledger::id_for_edge("a3bd22719e1165d8", "94a7b969e7b47c9d", "modbus", 502, 0));
}

// --- station -----------------------------------------------------------------------

TEST(LedgerStationTest, CreatesOnceWithOuiVendor) {
  Ledger l("s1");
  const AssetIndex a = l.station(mac(kPlc), 2000);
  ASSERT_NE(a, kNoAsset);
  EXPECT_EQ(l.station(mac("00:1B:1B:02:9A:C3"), 3000), a);
  EXPECT_EQ(l.station(mac(kPlc), 1000), a);
  ASSERT_EQ(l.assets().size(), 1U);
  const Asset& s = l.assets()[a];
  EXPECT_EQ(s.id, "a3bd22719e1165d8");
  EXPECT_EQ(s.mac, mac(kPlc));
  EXPECT_EQ(s.first_us, 1000);
  EXPECT_EQ(s.last_us, 3000);
  const FactRecord* v = fact(s, field::vendor, "oui");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->value, "Siemens AG");
  EXPECT_EQ(v->count, 1U);
  EXPECT_EQ(l.sensor_name(), "s1");
}

TEST(LedgerStationTest, LocalMacHasNoVendorAndGroupMacNoAsset) {
  Ledger l;
  const AssetIndex a = l.station(mac(kLocal), 1);
  ASSERT_NE(a, kNoAsset);
  EXPECT_TRUE(l.assets()[a].facts.empty());
  EXPECT_EQ(l.station(mac("01:00:5e:00:00:01"), 1), kNoAsset);
  EXPECT_EQ(l.station(mac("ff:ff:ff:ff:ff:ff"), 1), kNoAsset);
  EXPECT_EQ(l.station(mac("00:00:00:00:00:00"), 1), kNoAsset);
  EXPECT_EQ(l.assets().size(), 1U);
}

// --- resolve -----------------------------------------------------------------------

TEST(LedgerResolveTest, MulticastAndBroadcastAreNobody) {
  Ledger l;
  EXPECT_EQ(l.resolve(mac("ff:ff:ff:ff:ff:ff"), ip("10.0.0.1"), 1), kNoAsset);
  EXPECT_EQ(l.resolve(mac("01:00:5e:00:00:fb"), ip("224.0.0.251"), 1), kNoAsset);
  EXPECT_EQ(l.resolve(mac("33:33:00:00:00:01"), ip("ff02::1"), 1), kNoAsset);
  EXPECT_EQ(l.resolve(std::nullopt, ip("255.255.255.255"), 1), kNoAsset);
  EXPECT_EQ(l.resolve(std::nullopt, ip("239.1.2.3"), 1), kNoAsset);
  EXPECT_EQ(l.resolve(std::nullopt, ip("0.0.0.0"), 1), kNoAsset);
  EXPECT_EQ(l.resolve(std::nullopt, IpAddr{}, 1), kNoAsset);
  EXPECT_TRUE(l.assets().empty());
}

TEST(LedgerResolveTest, MacWithGroupIpIsTheMacWithoutBinding) {
  Ledger l;
  // DHCP discover: 0.0.0.0 from a real station; a sender toward a multicast group.
  const AssetIndex a = l.resolve(mac(kPlc), ip("0.0.0.0"), 1);
  ASSERT_NE(a, kNoAsset);
  EXPECT_EQ(l.resolve(mac(kPlc), ip("239.1.1.1"), 2), a);
  EXPECT_EQ(l.resolve(mac(kPlc), IpAddr{}, 3), a);  // non-IP frame
  EXPECT_TRUE(l.assets()[a].ips.empty());
}

TEST(LedgerResolveTest, BindsIpToTheMacAsset) {
  Ledger l;
  const AssetIndex a = l.resolve(mac(kPlc), ip("10.10.1.20"), 100);
  EXPECT_EQ(l.resolve(mac(kPlc), ip("10.10.1.20"), 200), a);
  ASSERT_EQ(l.assets()[a].ips.size(), 1U);
  const IpRecord& r = l.assets()[a].ips[0];
  EXPECT_EQ(r.ip, ip("10.10.1.20"));
  EXPECT_EQ(r.source, "ip");
  EXPECT_EQ(r.first_us, 100);
  EXPECT_EQ(r.last_us, 200);
  EXPECT_EQ(l.assets().size(), 1U);  // no IP-keyed asset for a station's own IP
}

TEST(LedgerResolveTest, WithoutMacTheIpKeyedAsset) {
  Ledger l;
  const AssetIndex a = l.resolve(std::nullopt, ip("10.10.1.20"), 5);
  ASSERT_NE(a, kNoAsset);
  EXPECT_EQ(l.resolve(std::nullopt, ip("10.10.1.20"), 6), a);
  EXPECT_EQ(l.resolve(mac("00:00:00:00:00:00"), ip("10.10.1.20"), 7), a);  // zeroed MAC = none
  const Asset& s = l.assets()[a];
  EXPECT_EQ(s.id, "94a7b969e7b47c9d");
  EXPECT_FALSE(s.mac.has_value());
  EXPECT_EQ(s.key_ip, ip("10.10.1.20"));
  EXPECT_TRUE(holds(s, ip("10.10.1.20")));
  EXPECT_EQ(s.last_us, 7);
}

TEST(LedgerResolveTest, BindIpMakesTheIpOwnAndUpgradesSource) {
  Ledger l;
  const AssetIndex a = l.resolve(mac(kPlc), ip("10.0.0.5"), 1);
  l.bind_ip(a, ip("10.0.0.5"), "arp", 2);
  l.bind_ip(a, ip("10.0.0.6"), "dhcp", 3);
  l.bind_ip(a, ip("224.0.0.1"), "arp", 3);  // ignored
  l.bind_ip(kNoAsset, ip("10.0.0.7"), "arp", 3);  // ignored
  const Asset& s = l.assets()[a];
  ASSERT_EQ(s.ips.size(), 2U);
  EXPECT_EQ(s.ips[0].source, "arp");
  EXPECT_EQ(s.ips[0].last_us, 2);
  EXPECT_EQ(s.ips[1].source, "dhcp");
  // A later "seen sending" does not demote a binding.
  l.resolve(mac(kPlc), ip("10.0.0.5"), 4);
  EXPECT_EQ(l.assets()[a].ips[0].source, "arp");
}

TEST(LedgerRouterTest, ThreeSubnetsMakeARouterAndSpinOutHosts) {
  Ledger l;
  const char* gw = "00:00:bc:00:00:01";
  const AssetIndex r = l.station(mac(gw), 1);
  l.bind_ip(r, ip("10.0.1.1"), "arp", 1);  // its own address
  EXPECT_EQ(l.resolve(mac(gw), ip("10.0.1.1"), 2), r);
  EXPECT_EQ(l.resolve(mac(gw), ip("10.0.2.5"), 3), r);  // two subnets: still a host
  EXPECT_FALSE(l.assets()[r].router);
  const AssetIndex h3 = l.resolve(mac(gw), ip("10.0.3.7"), 4);  // third /24: a router
  ASSERT_TRUE(l.assets()[r].router);
  EXPECT_NE(h3, r);
  EXPECT_EQ(l.assets()[h3].key_ip, ip("10.0.3.7"));

  const Asset& ra = l.assets()[r];
  ASSERT_EQ(ra.ips.size(), 1U);  // only the ARP-bound one stays
  EXPECT_EQ(ra.ips[0].ip, ip("10.0.1.1"));
  const FactRecord* hint = fact(ra, field::class_hint, "ip_routing");
  ASSERT_NE(hint, nullptr);
  EXPECT_EQ(hint->value, "router");

  // 10.0.2.5 moved out with its first sighting.
  const Asset* h2 = l.find("10.0.2.5");
  ASSERT_NE(h2, nullptr);
  EXPECT_FALSE(h2->mac.has_value());
  EXPECT_EQ(h2->id, Ledger::id_for_ip(ip("10.0.2.5")));
  EXPECT_EQ(h2->first_us, 3);
  const AssetIndex h2i = l.index_of(h2->id);
  EXPECT_EQ(l.resolve(mac(gw), ip("10.0.2.5"), 10), h2i);
  EXPECT_EQ(l.resolve(mac(gw), ip("10.0.1.1"), 10), r);  // own IP: the router itself
  const AssetIndex far = l.resolve(mac(gw), ip("10.9.9.9"), 11);
  EXPECT_EQ(far, l.index_of(Ledger::id_for_ip(ip("10.9.9.9"))));
  EXPECT_EQ(l.assets()[r].ips.size(), 1U);
}

TEST(LedgerRouterTest, PrivateAndPublicMakeARouter) {
  Ledger l;
  const AssetIndex r = l.resolve(mac(kLocal), ip("192.168.0.1"), 1);
  EXPECT_FALSE(l.assets()[r].router);
  const AssetIndex h = l.resolve(mac(kLocal), ip("8.8.8.8"), 2);
  EXPECT_TRUE(l.assets()[r].router);
  EXPECT_NE(h, r);
  // 192.168.0.1 was only seen sending, so it is spun out too.
  EXPECT_TRUE(l.assets()[r].ips.empty());
  EXPECT_NE(l.find("192.168.0.1"), nullptr);
  EXPECT_NE(l.find("192.168.0.1")->id, l.assets()[r].id);
}

TEST(LedgerRouterTest, OwnAddressPlusForeignSlash16MakesARouter) {
  Ledger l;
  const char* gw = "00:1b:54:aa:bb:cc";
  const AssetIndex r = l.station(mac(gw), 1);
  l.bind_ip(r, ip("10.10.1.1"), "arp", 1);
  EXPECT_EQ(l.resolve(mac(gw), ip("10.10.7.9"), 2), r) << "same /16: a second address, not routing";
  EXPECT_FALSE(l.assets()[r].router);
  const AssetIndex h = l.resolve(mac(gw), ip("192.168.10.25"), 3);  // one host behind it is enough
  EXPECT_TRUE(l.assets()[r].router);
  EXPECT_NE(h, r);
  EXPECT_EQ(l.assets()[h].key_ip, ip("192.168.10.25"));
}

TEST(LedgerRouterTest, UnboundOnlyOrLinkLocalStaysAHost) {
  Ledger l;
  const AssetIndex a = l.resolve(mac(kLocal), ip("10.10.1.5"), 1);  // no ARP: nothing is known to be its own
  l.resolve(mac(kLocal), ip("192.168.10.25"), 2);
  EXPECT_FALSE(l.assets()[a].router);
  const AssetIndex b = l.station(mac("00:00:bc:00:00:02"), 1);
  l.bind_ip(b, ip("10.10.1.6"), "arp", 1);
  EXPECT_EQ(l.resolve(mac("00:00:bc:00:00:02"), ip("169.254.3.4"), 2), b);  // its own autoconfiguration
  EXPECT_FALSE(l.assets()[b].router);
}

TEST(LedgerRouterTest, ManyMostlyUnboundIpsMakeARouter) {
  Ledger l;
  const AssetIndex r = l.station(mac(kLocal), 1);
  for (int i = 1; i <= 8; ++i) {
    l.resolve(mac(kLocal), IpAddr::v4(0x0a000000U + static_cast<std::uint32_t>(i)), i);
  }
  EXPECT_FALSE(l.assets()[r].router) << "8 IPs in one /24 is not yet a router";
  l.resolve(mac(kLocal), ip("10.0.0.9"), 9);
  EXPECT_TRUE(l.assets()[r].router);
}

TEST(LedgerRouterTest, ManyMostlyBoundIpsStayAHost) {
  Ledger l;
  const AssetIndex a = l.station(mac(kLocal), 1);
  for (int i = 1; i <= 5; ++i) l.bind_ip(a, IpAddr::v4(0x0a000000U + static_cast<std::uint32_t>(i)), "arp", i);
  for (int i = 6; i <= 9; ++i) l.resolve(mac(kLocal), IpAddr::v4(0x0a000000U + static_cast<std::uint32_t>(i)), i);
  EXPECT_EQ(l.assets()[a].ips.size(), 9U);
  EXPECT_FALSE(l.assets()[a].router);  // 5 of 9 bound: at least half
}

TEST(LedgerRouterTest, Ipv6LinkLocalAndGlobalIsAHost) {
  Ledger l;
  const AssetIndex a = l.resolve(mac(kPlc), ip("fe80::21b:1bff:fe02:9ac3"), 1);
  l.resolve(mac(kPlc), ip("2001:db8::5"), 2);
  l.resolve(mac(kPlc), ip("10.0.0.5"), 3);
  EXPECT_FALSE(l.assets()[a].router);
  EXPECT_EQ(l.assets()[a].ips.size(), 3U);
}

// --- child, sent, protocols ----------------------------------------------------------

TEST(LedgerChildTest, RoutedDeviceBehindParent) {
  Ledger l;
  const AssetIndex p = l.station(mac(kPlc), 1);
  const AssetIndex c = l.child(p, "1/3", 5);
  ASSERT_NE(c, kNoAsset);
  ASSERT_NE(c, p);
  EXPECT_EQ(l.child(p, "1/3", 9), c);
  EXPECT_NE(l.child(p, "unit:3", 9), c);
  EXPECT_EQ(l.child(p, "", 9), p);
  EXPECT_EQ(l.child(kNoAsset, "1/3", 9), kNoAsset);
  const Asset& a = l.assets()[c];
  EXPECT_EQ(a.id, "b3dbe86021708e08");
  EXPECT_EQ(a.parent_id, "a3bd22719e1165d8");
  EXPECT_EQ(a.route, "1/3");
  EXPECT_FALSE(a.mac.has_value());
  EXPECT_EQ(a.first_us, 5);
  EXPECT_EQ(a.last_us, 9);
}

TEST(LedgerSentTest, CountsAndVlans) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  l.sent(a, 60, 101, 10);
  l.sent(a, 100, 0, 11);
  l.sent(a, 64, 5, 12);
  l.sent(a, 64, 101, 13);
  l.sent(kNoAsset, 64, 101, 13);
  const Asset& s = l.assets()[a];
  EXPECT_EQ(s.packets_sent, 4U);
  EXPECT_EQ(s.bytes_sent, 288U);
  EXPECT_EQ(s.vlans, (std::vector<std::uint16_t>{5, 101}));
  EXPECT_EQ(s.last_us, 13);
}

TEST(LedgerProtocolTest, SortedUnique) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  for (const char* p : {"modbus", "arp", "enip", "arp", "modbus"}) l.add_protocol(a, p);
  EXPECT_EQ(l.assets()[a].protocols, (std::vector<std::string>{"arp", "enip", "modbus"}));
}

// --- facts -----------------------------------------------------------------------------

TEST(LedgerFactTest, OneRecordPerFieldValueSource) {
  Ledger l;
  const AssetIndex a = l.station(mac(kLocal), 1);
  l.clear_dirty();
  l.add_fact(a, field::name, "PLC-1", "lldp", 10);
  EXPECT_TRUE(l.assets()[a].dirty);
  l.add_fact(a, field::name, "PLC-1", "lldp", 30);
  l.add_fact(a, field::name, "PLC-1", "lldp", 20);
  l.add_fact(a, field::name, "PLC-1", "snmp", 20);
  l.add_fact(a, field::name, "PLC-2", "lldp", 20);
  l.add_fact(kNoAsset, field::name, "PLC-2", "lldp", 20);
  const auto& f = l.assets()[a].facts;
  ASSERT_EQ(f.size(), 3U);
  EXPECT_EQ(f[0].count, 3U);
  EXPECT_EQ(f[0].first_us, 10);
  EXPECT_EQ(f[0].last_us, 30);
}

TEST(LedgerFactTest, CapPerAsset) {
  Ledger l;
  const AssetIndex a = l.station(mac(kLocal), 1);
  for (std::size_t i = 0; i < kMaxFactsPerAsset + 10; ++i) l.add_fact(a, "service", std::to_string(i), "mdns", 1);
  EXPECT_EQ(l.assets()[a].facts.size(), kMaxFactsPerAsset);
  EXPECT_EQ(l.facts_dropped(), 10U);
  l.add_fact(a, "service", "0", "mdns", 2);  // an existing fact still counts at the cap
  EXPECT_EQ(l.assets()[a].facts[0].count, 2U);
  EXPECT_EQ(l.facts_dropped(), 10U);
}

TEST(LedgerFactTest, ValuesTruncated) {
  Ledger l;
  const AssetIndex a = l.station(mac(kLocal), 1);
  const std::string long_a = std::string(kMaxFactValueBytes, 'x') + "AAAA";
  const std::string long_b = std::string(kMaxFactValueBytes, 'x') + "BBBB";
  l.add_fact(a, field::description, long_a, "snmp", 1);
  l.add_fact(a, field::description, long_b, "snmp", 2);  // same after truncation
  ASSERT_EQ(l.assets()[a].facts.size(), 1U);
  EXPECT_EQ(l.assets()[a].facts[0].value, std::string(kMaxFactValueBytes, 'x'));
  EXPECT_EQ(l.assets()[a].facts[0].count, 2U);
  // A two-byte UTF-8 character straddling the limit is dropped whole.
  const std::string utf8 = std::string(kMaxFactValueBytes - 1, 'y') + "\xc3\xa9";
  l.add_fact(a, field::name, utf8, "lldp", 3);
  EXPECT_EQ(l.assets()[a].facts[1].value, std::string(kMaxFactValueBytes - 1, 'y'));
  const std::string exact(kMaxFactValueBytes, 'z');
  l.add_fact(a, field::os, exact, "http", 3);
  EXPECT_EQ(l.assets()[a].facts[2].value, exact);
}

TEST(LedgerPriorityTest, Table) {
  EXPECT_EQ(Ledger::source_priority("modbus_device_id"), Ledger::source_priority("enip_list_identity"));
  EXPECT_EQ(Ledger::source_priority("opcua_application"), Ledger::source_priority("s7_szl"));
  EXPECT_EQ(Ledger::source_priority("pn_dcp"), Ledger::source_priority("cip_identity"));
  EXPECT_EQ(Ledger::source_priority("slmp_type_name"), Ledger::source_priority("fins_controller_data"));
  EXPECT_GT(Ledger::source_priority("modbus_device_id"), Ledger::source_priority("lldp"));
  EXPECT_EQ(Ledger::source_priority("lldp"), Ledger::source_priority("snmp"));
  EXPECT_EQ(Ledger::source_priority("cdp"), Ledger::source_priority("snmp"));
  EXPECT_GT(Ledger::source_priority("snmp"), Ledger::source_priority("dhcp"));
  for (const char* s : {"mdns", "nbns", "dns", "llmnr", "http", "tls"})
    EXPECT_EQ(Ledger::source_priority(s), Ledger::source_priority("dhcp")) << s;
  EXPECT_GT(Ledger::source_priority("dhcp"), Ledger::source_priority("ip_routing"));
  EXPECT_EQ(Ledger::source_priority("ip"), Ledger::source_priority("arp"));
  EXPECT_GT(Ledger::source_priority("arp"), Ledger::source_priority("oui"));
  // Unknown sources rank just above the OUI, below addressing.
  EXPECT_GT(Ledger::source_priority("bacnet_whois"), Ledger::source_priority("oui"));
  EXPECT_LT(Ledger::source_priority("bacnet_whois"), Ledger::source_priority("arp"));
  // Patterns are anchored: "dhcpv6" is not "dhcp", "xopcua" is not "opcua_*".
  EXPECT_NE(Ledger::source_priority("dhcpv6"), Ledger::source_priority("dhcp"));
  EXPECT_NE(Ledger::source_priority("xopcua_app"), Ledger::source_priority("opcua_app"));
}

TEST(LedgerPriorityTest, BestPicksPriorityThenLatest) {
  Ledger l;
  const AssetIndex a = l.station(mac("00:00:bc:12:34:56"), 1);  // oui vendor: Rockwell Automation
  const Asset& s = l.assets()[a];
  EXPECT_EQ(Ledger::best(s, field::product), nullptr);
  ASSERT_NE(Ledger::best(s, field::vendor), nullptr);
  EXPECT_EQ(Ledger::best(s, field::vendor)->source, "oui");
  l.add_fact(a, field::vendor, "Rockwell Automation/Allen-Bradley", "enip_list_identity", 5);
  l.add_fact(a, field::vendor, "Allen-Bradley (LLDP)", "lldp", 50);  // newer, lower priority
  EXPECT_EQ(Ledger::best(l.assets()[a], field::vendor)->source, "enip_list_identity");
  l.add_fact(a, field::hostname, "old-name", "dhcp", 10);
  l.add_fact(a, field::hostname, "new-name", "mdns", 20);
  EXPECT_EQ(Ledger::best(l.assets()[a], field::hostname)->value, "new-name");
  l.add_fact(a, field::hostname, "old-name", "dhcp", 30);  // seen again, now the latest
  EXPECT_EQ(Ledger::best(l.assets()[a], field::hostname)->value, "old-name");
}

// --- edges ---------------------------------------------------------------------------

Operation modbus_op(std::uint8_t code, const char* name, std::uint32_t start, std::uint32_t count, bool write) {
  Operation o;
  o.protocol = "modbus";
  o.name = name;
  o.code = code;
  o.is_write = write;
  o.range_start = start;
  o.range_count = count;
  o.is_range = true;
  return o;
}

TEST(LedgerEdgeTest, KeyAndCounters) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  const AssetIndex b = l.resolve(std::nullopt, ip("10.10.1.20"), 1);
  const EdgeIndex e = l.edge(a, b, "modbus", "tcp", 502, 0, 10);
  ASSERT_NE(e, kNoEdge);
  EXPECT_EQ(l.edge(a, b, "modbus", "tcp", 502, 0, 20), e);
  EXPECT_NE(l.edge(a, b, "modbus", "tcp", 502, 7, 20), e);
  EXPECT_NE(l.edge(b, a, "modbus", "tcp", 502, 0, 20), e);
  EXPECT_EQ(l.edge(a, kNoAsset, "modbus", "tcp", 502, 0, 20), kNoEdge);
  l.count_edge(e, 66, 11);
  l.count_edge(e, 70, 25);
  l.count_edge(kNoEdge, 70, 25);
  const Edge& d = l.edges()[e];
  EXPECT_EQ(d.id, "982205a6e6029199");
  EXPECT_EQ(d.from_id, l.assets()[a].id);
  EXPECT_EQ(d.to_id, l.assets()[b].id);
  EXPECT_EQ(d.protocol, "modbus");
  EXPECT_EQ(d.transport, "tcp");
  EXPECT_EQ(d.port, 502);
  EXPECT_EQ(d.packets, 2U);
  EXPECT_EQ(d.bytes, 136U);
  EXPECT_EQ(d.first_us, 10);
  EXPECT_EQ(d.last_us, 25);
}

TEST(LedgerEdgeTest, OpsSummarised) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  const AssetIndex b = l.station(mac(kLocal), 1);
  const EdgeIndex e = l.edge(a, b, "modbus", "tcp", 502, 0, 1);
  l.add_op(e, modbus_op(3, "read_holding_registers", 100, 10, false), 5);
  l.add_op(e, modbus_op(3, "read_holding_registers", 50, 5, false), 6);
  auto err = modbus_op(3, "read_holding_registers", 0, 0, false);  // no range
  err.is_error = true;
  l.add_op(e, err, 7);
  l.add_op(e, modbus_op(16, "write_multiple_registers", 0xfffffff0U, 0x100, true), 8);  // saturates
  const auto& ops = l.edges()[e].ops;
  ASSERT_EQ(ops.size(), 2U);
  EXPECT_EQ(ops[0].count, 3U);
  EXPECT_EQ(ops[0].errors, 1U);
  EXPECT_FALSE(ops[0].is_write);
  EXPECT_TRUE(ops[0].has_range);
  EXPECT_EQ(ops[0].range_lo, 50U);
  EXPECT_EQ(ops[0].range_hi, 109U);
  EXPECT_EQ(ops[0].first_us, 5);
  EXPECT_EQ(ops[0].last_us, 7);
  EXPECT_TRUE(ops[1].is_write);
  EXPECT_EQ(ops[1].range_hi, 0xffffffffU);
}

// One op per (code, name, protocol), whatever order the requests come in: a poll
// cycle, a request out of the cycle's order, and the same code under another
// name or protocol each land on their own op.
TEST(LedgerEdgeTest, OpsCountedWhateverTheOrder) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  const AssetIndex b = l.station(mac(kLocal), 1);
  const EdgeIndex e = l.edge(a, b, "modbus", "tcp", 502, 0, 1);
  const auto fc3 = modbus_op(3, "read_holding_registers", 0, 10, false);
  const auto fc4 = modbus_op(4, "read_input_registers", 0, 10, false);
  const auto fc16 = modbus_op(16, "write_multiple_registers", 0, 2, true);
  auto other_name = modbus_op(3, "read_holding_registers_x", 0, 1, false);
  auto other_protocol = fc3;
  other_protocol.protocol = "cip";
  for (int cycle = 0; cycle < 5; ++cycle) {
    l.add_op(e, fc3, 10 + cycle);
    l.add_op(e, fc4, 10 + cycle);
    l.add_op(e, fc16, 10 + cycle);
  }
  l.add_op(e, fc4, 20);  // out of the cycle's order
  l.add_op(e, fc16, 21);
  l.add_op(e, fc16, 22);
  l.add_op(e, fc3, 23);
  // add_op says whether the operation was news: only a kind the edge lacked is.
  EXPECT_TRUE(l.add_op(e, other_name, 24));
  EXPECT_TRUE(l.add_op(e, other_protocol, 25));
  EXPECT_FALSE(l.add_op(e, fc3, 26));
  EXPECT_FALSE(l.add_op(e, other_protocol, 27));
  const auto& ops = l.edges()[e].ops;
  ASSERT_EQ(ops.size(), 5U);
  EXPECT_EQ(ops[0].name, "read_holding_registers");
  EXPECT_EQ(ops[0].count, 7U);
  EXPECT_EQ(ops[0].last_us, 26);
  EXPECT_EQ(ops[1].count, 6U);
  EXPECT_EQ(ops[2].count, 7U);
  EXPECT_EQ(ops[2].last_us, 22);
  EXPECT_EQ(ops[3].name, "read_holding_registers_x");
  EXPECT_EQ(ops[3].count, 1U);
  EXPECT_EQ(ops[4].protocol, "cip");
  EXPECT_EQ(ops[4].count, 2U);
}

TEST(LedgerEdgeTest, OpsCapped) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  const EdgeIndex e = l.edge(a, a, "cip", "tcp", 44818, 0, 1);
  Operation o;
  o.protocol = "cip";
  o.name = "service";
  for (std::uint32_t c = 0; c < kMaxOpsPerEdge + 3; ++c) {
    o.code = c;
    EXPECT_TRUE(l.add_op(e, o, 1)) << c;  // every kind is news, kept or dropped
  }
  EXPECT_EQ(l.edges()[e].ops.size(), kMaxOpsPerEdge);
  EXPECT_EQ(l.ops_dropped(), 3U);
  o.code = 0;
  EXPECT_FALSE(l.add_op(e, o, 2));  // a kept kind is counted, not news
  EXPECT_EQ(l.edges()[e].ops[0].count, 2U);
}

TEST(LedgerEdgeTest, RelabelMovesIntoANewEdge) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  const AssetIndex b = l.station(mac(kLocal), 1);
  const EdgeIndex t = l.edge(a, b, "tcp", "tcp", 502, 0, 10);
  l.count_edge(t, 60, 10);
  const EdgeIndex m = l.relabel_edge(t, "modbus");
  ASSERT_NE(m, t);
  EXPECT_EQ(l.edges()[m].protocol, "modbus");
  EXPECT_EQ(l.edges()[m].id, Ledger::id_for_edge(l.assets()[a].id, l.assets()[b].id, "modbus", 502, 0));
  EXPECT_EQ(l.edges()[m].transport, "tcp");
  EXPECT_EQ(l.edges()[m].packets, 1U);
  EXPECT_EQ(l.edges()[m].first_us, 10);
  EXPECT_EQ(l.edges()[t].merged_into, m);
  EXPECT_EQ(l.edges()[t].packets, 0U);
  EXPECT_EQ(l.relabel_edge(m, "modbus"), m);
  // The old index keeps forwarding.
  l.count_edge(t, 60, 11);
  l.add_op(t, modbus_op(3, "read_holding_registers", 0, 1, false), 11);
  EXPECT_EQ(l.relabel_edge(t, "modbus"), m);
  EXPECT_EQ(l.edges()[m].packets, 2U);
  EXPECT_EQ(l.edges()[m].ops.size(), 1U);
  // A new conversation with the old key revives the old edge, empty.
  EXPECT_EQ(l.edge(a, b, "tcp", "tcp", 502, 0, 50), t);
  EXPECT_EQ(l.edges()[t].merged_into, kNoEdge);
  EXPECT_EQ(l.edges()[t].first_us, 50);
  EXPECT_EQ(l.edges()[t].packets, 0U);
}

TEST(LedgerEdgeTest, RelabelMergesIntoExistingEdge) {
  Ledger l;
  const AssetIndex a = l.station(mac(kPlc), 1);
  const AssetIndex b = l.station(mac(kLocal), 1);
  const EdgeIndex m = l.edge(a, b, "modbus", "tcp", 502, 0, 100);
  l.count_edge(m, 100, 100);
  l.add_op(m, modbus_op(3, "read_holding_registers", 10, 10, false), 100);
  const EdgeIndex t = l.edge(a, b, "tcp", "tcp", 502, 0, 50);
  l.count_edge(t, 60, 50);
  l.count_edge(t, 60, 200);
  l.add_op(t, modbus_op(3, "read_holding_registers", 30, 10, false), 60);
  l.add_op(t, modbus_op(6, "write_single_register", 7, 1, true), 61);
  const std::size_t before = l.edges().size();
  EXPECT_EQ(l.relabel_edge(t, "modbus"), m);
  EXPECT_EQ(l.edges().size(), before);
  const Edge& d = l.edges()[m];
  EXPECT_EQ(d.packets, 3U);
  EXPECT_EQ(d.bytes, 220U);
  EXPECT_EQ(d.first_us, 50);
  EXPECT_EQ(d.last_us, 200);
  ASSERT_EQ(d.ops.size(), 2U);
  EXPECT_EQ(d.ops[0].count, 2U);
  EXPECT_EQ(d.ops[0].range_lo, 10U);
  EXPECT_EQ(d.ops[0].range_hi, 39U);
  EXPECT_EQ(d.ops[0].first_us, 60);
  EXPECT_TRUE(d.ops[1].is_write);
  EXPECT_EQ(l.edges()[t].merged_into, m);
  EXPECT_TRUE(l.edges()[t].ops.empty());
  EXPECT_TRUE(l.edges()[t].dirty);  // the store must drop its row
}

// --- find, store ------------------------------------------------------------------------

TEST(LedgerFindTest, ByIdMacOrIp) {
  Ledger l;
  const AssetIndex a = l.resolve(mac(kPlc), ip("10.0.0.5"), 1);
  const AssetIndex b = l.resolve(std::nullopt, ip("10.0.0.9"), 1);
  const Asset* pa = &l.assets()[a];
  EXPECT_EQ(l.find("a3bd22719e1165d8"), pa);
  EXPECT_EQ(l.find("A3BD22719E1165D8"), pa);
  EXPECT_EQ(l.find("00:1b:1b:02:9a:c3"), pa);
  EXPECT_EQ(l.find("00-1B-1B-02-9A-C3"), pa);
  EXPECT_EQ(l.find("001b.1b02.9ac3"), pa);
  EXPECT_EQ(l.find("001b1b029ac3"), pa);
  EXPECT_EQ(l.find("10.0.0.5"), pa);
  EXPECT_EQ(l.find("10.0.0.9"), &l.assets()[b]);
  EXPECT_EQ(l.find("10.0.0.10"), nullptr);
  EXPECT_EQ(l.find("00:1b:1b:02:9a:c4"), nullptr);
  EXPECT_EQ(l.find("0000000000000000"), nullptr);
  EXPECT_EQ(l.find(""), nullptr);
  EXPECT_EQ(l.index_of("a3bd22719e1165d8"), a);
  EXPECT_EQ(l.index_of("nope"), kNoAsset);
}

TEST(LedgerStoreTest, LoadThenContinue) {
  Ledger src;
  const AssetIndex a = src.resolve(mac(kPlc), ip("10.0.0.5"), 1);
  const AssetIndex c = src.child(a, "unit:3", 1);
  const EdgeIndex e = src.edge(a, c, "modbus", "tcp", 502, 0, 1);
  src.count_edge(e, 60, 1);

  Ledger l;
  for (const auto& x : src.assets()) l.load_asset(x);
  for (const auto& x : src.edges()) l.load_edge(x);
  ASSERT_EQ(l.assets().size(), 2U);
  EXPECT_FALSE(l.assets()[0].dirty);
  EXPECT_FALSE(l.edges()[0].dirty);
  // The loaded records are found by their keys, not duplicated.
  EXPECT_EQ(l.station(mac(kPlc), 5), 0U);
  EXPECT_EQ(l.child(0, "unit:3", 5), 1U);
  EXPECT_EQ(l.edge(0, 1, "modbus", "tcp", 502, 0, 5), 0U);
  l.count_edge(0, 60, 5);
  EXPECT_EQ(l.edges()[0].packets, 2U);
  EXPECT_EQ(l.assets().size(), 2U);
  EXPECT_EQ(l.edges().size(), 1U);
  EXPECT_TRUE(l.assets()[0].dirty);
  EXPECT_TRUE(l.edges()[0].dirty);
  l.clear_dirty();
  EXPECT_FALSE(l.assets()[0].dirty);
  EXPECT_FALSE(l.assets()[1].dirty);
  EXPECT_FALSE(l.edges()[0].dirty);
  // Loading the same id again replaces, not appends.
  Asset again = src.assets()[0];
  again.packets_sent = 42;
  l.load_asset(again);
  EXPECT_EQ(l.assets().size(), 2U);
  EXPECT_EQ(l.assets()[0].packets_sent, 42U);
}

TEST(LedgerStoreTest, IpKeyedAssetLoadsUnderItsIp) {
  Ledger src;
  src.resolve(std::nullopt, ip("10.0.0.9"), 1);
  Ledger l;
  l.load_asset(src.assets()[0]);
  EXPECT_EQ(l.resolve(std::nullopt, ip("10.0.0.9"), 2), 0U);
  EXPECT_EQ(l.assets().size(), 1U);
}

// --- hot path ------------------------------------------------------------------------------

// --- who holds an address --------------------------------------------------------

// A routed conversation as the mirror keeps it: the client's frames to the
// core's MAC, the server's frames from its own MAC. The core never holds the
// server's address; the endpoints are the stations.
TEST(LedgerHolderTest, RoutedConversationJoinsTheRealEndpoints) {
  Ledger l;
  const auto core = mac("00:1e:f7:c0:00:01"), scada = mac("00:15:5d:20:00:10"), plc = mac("38:e0:8e:01:0b:10");
  const auto scada_ip = ip("10.20.0.10"), plc_ip = ip("10.1.11.10");
  const AssetIndex s = l.resolve(scada, scada_ip, 1, IpEvidence::sent);
  // SYN: to the core's MAC for the PLC's address (nobody holds it yet).
  const AssetIndex first = l.resolve(core, plc_ip, 1, IpEvidence::addressed);
  // SYN-ACK: the PLC sends from its address; the SCADA's address is addressed to the core.
  const std::uint32_t before = l.epoch();
  const AssetIndex p = l.resolve(plc, plc_ip, 2, IpEvidence::sent);
  EXPECT_NE(l.epoch(), before);  // the address changed hands
  ASSERT_NE(p, first);
  EXPECT_EQ(l.assets()[p].mac, plc);
  EXPECT_EQ(l.resolve(core, scada_ip, 2, IpEvidence::addressed), s);  // the core carries the SCADA's traffic
  const AssetIndex c = l.index_of(Ledger::id_for_mac(core));
  ASSERT_NE(c, kNoAsset);
  EXPECT_TRUE(l.assets()[c].router);  // it carried traffic for two addresses others hold
  EXPECT_FALSE(holds(l.assets()[c], plc_ip));
  EXPECT_FALSE(holds(l.assets()[c], scada_ip));
  // From now on the core's frames for either address are the stations'.
  EXPECT_EQ(l.resolve(core, plc_ip, 3, IpEvidence::addressed), p);
  EXPECT_EQ(l.resolve(core, plc_ip, 3, IpEvidence::sent), p);
  EXPECT_EQ(l.resolve(std::nullopt, plc_ip, 3), p);
  EXPECT_EQ(l.find("10.1.11.10"), &l.assets()[p]);
}

// What routed conversations lent the router before it was known as one (a
// role, an application protocol) goes; its own link-layer facts stay.
TEST(LedgerHolderTest, RouterLosesWhatRoutedConversationsLentIt) {
  Ledger l;
  const auto core = mac("00:1e:f7:c0:00:01");
  const AssetIndex c = l.station(core, 1);
  l.add_protocol(c, "lldp");
  l.add_protocol(c, "modbus");
  l.add_fact(c, field::role, "modbus_server", "modbus", 1);
  l.add_fact(c, field::name, "CORE-SW1", "lldp", 1);
  l.resolve(mac("00:15:5d:00:00:01"), ip("10.0.1.5"), 1, IpEvidence::sent);
  l.resolve(mac("00:15:5d:00:00:02"), ip("10.0.2.5"), 1, IpEvidence::sent);
  l.resolve(core, ip("10.0.1.5"), 2, IpEvidence::addressed);
  EXPECT_FALSE(l.assets()[c].router);  // one address another holds: not yet
  l.resolve(core, ip("10.0.2.5"), 2, IpEvidence::addressed);
  ASSERT_TRUE(l.assets()[c].router);
  EXPECT_EQ(l.assets()[c].protocols, (std::vector<std::string>{"lldp"}));
  EXPECT_EQ(fact(l.assets()[c], field::role, "modbus"), nullptr);
  EXPECT_NE(fact(l.assets()[c], field::name, "lldp"), nullptr);
}

// A weaker claim gives way: an address first seen addressed to a MAC belongs
// to the MAC that sends from it, and to the one ARP binds it to over both.
TEST(LedgerHolderTest, StrongerEvidenceTakesTheAddress) {
  Ledger l;
  const auto a = mac("00:15:5d:00:00:0a"), b = mac("00:15:5d:00:00:0b");
  const auto x = ip("10.0.0.9");
  const AssetIndex ia = l.resolve(a, x, 1, IpEvidence::addressed);
  EXPECT_TRUE(holds(l.assets()[ia], x));
  const AssetIndex ib = l.resolve(b, x, 2, IpEvidence::sent);
  EXPECT_NE(ia, ib);
  EXPECT_FALSE(holds(l.assets()[ia], x));
  EXPECT_TRUE(holds(l.assets()[ib], x));
  // a keeps receiving frames for it: it is the relay, the endpoint is b.
  EXPECT_EQ(l.resolve(a, x, 3, IpEvidence::addressed), ib);
  // ARP binds it to a after all (a new lease): a binding beats frames.
  l.bind_ip(ia, x, "arp", 4);
  EXPECT_TRUE(holds(l.assets()[ia], x));
  EXPECT_FALSE(holds(l.assets()[ib], x));
  EXPECT_EQ(l.resolve(std::nullopt, x, 5), ia);
}

// An address seen only through a router gets an IP-keyed asset; when its
// station shows itself, the two merge: counters, facts, protocols, edges, and
// the store's row of the IP-keyed asset goes.
TEST(LedgerHolderTest, IpKeyedAssetMergesIntoTheStationThatShowsItself) {
  Ledger l;
  const auto gw = mac("00:1e:f7:c0:00:01"), plc = mac("00:01:fc:01:03:10"), scada = mac("00:15:5d:20:00:10");
  const AssetIndex r = l.station(gw, 1);
  l.bind_ip(r, ip("10.20.0.1"), "arp", 1);
  const AssetIndex s = l.resolve(scada, ip("10.20.0.10"), 1, IpEvidence::sent);
  // Traffic for a /16 the router never claimed: it routes.
  const AssetIndex far = l.resolve(gw, ip("10.1.3.10"), 2, IpEvidence::addressed);
  ASSERT_TRUE(l.assets()[r].router);
  ASSERT_FALSE(l.assets()[far].mac.has_value());
  const std::string far_id = l.assets()[far].id;
  l.sent(far, 100, 0, 2);
  l.add_fact(far, field::product, "KV-8000", "kv_identity", 2);
  l.add_protocol(far, "kv_hostlink");
  const EdgeIndex e = l.edge(s, far, "kv_hostlink", "tcp", 8501, 20, 2);
  l.count_edge(e, 80, 2);
  l.add_op(e, Operation{"kv_hostlink", "read", 1}, 2);
  l.clear_dirty();

  const std::uint32_t before = l.epoch();
  const AssetIndex p = l.resolve(plc, ip("10.1.3.10"), 3, IpEvidence::sent);
  EXPECT_NE(l.epoch(), before);
  ASSERT_NE(p, far);
  EXPECT_EQ(l.assets()[far].merged_into, p);
  EXPECT_EQ(l.merged_pending(), 1U);
  EXPECT_EQ(l.removed_ids(), std::vector<std::string>{far_id});
  const Asset& pa = l.assets()[p];
  EXPECT_EQ(pa.packets_sent, 1U);
  EXPECT_NE(fact(pa, field::product, "kv_identity"), nullptr);
  EXPECT_EQ(pa.protocols, (std::vector<std::string>{"kv_hostlink"}));
  // The edge now joins the SCADA and the PLC's own asset; the old one is a tombstone.
  EXPECT_EQ(l.edges()[e].merged_into != kNoEdge, true);
  const EdgeIndex moved = l.edge(s, p, "kv_hostlink", "tcp", 8501, 20, 4);
  EXPECT_EQ(l.edges()[moved].packets, 1U);
  EXPECT_EQ(l.edges()[moved].ops.size(), 1U);
  EXPECT_EQ(l.resolve(std::nullopt, ip("10.1.3.10"), 4), p);
  EXPECT_EQ(l.index_of(far_id), kNoAsset);

  // Compaction drops the emptied record; indices move and the remap says how.
  std::vector<AssetIndex> remap;
  EXPECT_EQ(l.compact(&remap), 1U);
  ASSERT_EQ(remap.size(), 4U);
  EXPECT_EQ(remap[far], kNoAsset);
  const AssetIndex p2 = remap[p];
  EXPECT_EQ(l.assets()[p2].mac, plc);
  EXPECT_EQ(l.assets().size(), 3U);
  EXPECT_EQ(l.resolve(std::nullopt, ip("10.1.3.10"), 5), p2);
  EXPECT_EQ(l.edge(remap[s], p2, "kv_hostlink", "tcp", 8501, 20, 5), moved);
  for (const auto& a : l.assets()) EXPECT_EQ(a.merged_into, kNoAsset);
}

// A conversation's edge moves with it when its endpoint turns out to be
// another station, unless another flow moved it first.
TEST(LedgerHolderTest, MoveEdgeOnlyFromTheEndpointsItStillJoins) {
  Ledger l;
  const AssetIndex a = l.station(mac("00:15:5d:00:00:01"), 1);
  const AssetIndex r = l.station(mac("00:1e:f7:c0:00:01"), 1);
  const AssetIndex b = l.station(mac("00:15:5d:00:00:02"), 1);
  const AssetIndex c = l.station(mac("00:15:5d:00:00:03"), 1);
  const EdgeIndex e = l.edge(a, r, "tcp", "tcp", 502, 0, 1);
  l.count_edge(e, 60, 1);
  const EdgeIndex eb = l.move_edge(e, a, r, a, b);
  ASSERT_NE(eb, kNoEdge);
  EXPECT_EQ(l.edges()[eb].packets, 1U);
  EXPECT_EQ(l.edges()[eb].to_id, l.assets()[b].id);
  // A second flow that had shared the edge to the router finds it moved: it
  // gets no edge (its own is made afresh), and b's edge stays b's.
  EXPECT_EQ(l.move_edge(e, a, r, a, c), kNoEdge);
  EXPECT_EQ(l.edges()[eb].to_id, l.assets()[b].id);
  EXPECT_EQ(l.edges()[eb].merged_into, kNoEdge);
}

TEST(LedgerHotPathTest, NoAllocationForExistingAssetAndEdge) {
  Ledger l;
  const auto m1 = mac(kPlc);
  const auto m2 = mac("00:00:bc:12:34:56");
  const auto gw = mac("02:00:00:00:00:fe");
  const auto i1 = ip("10.0.0.5"), i2 = ip("10.0.0.6"), far = ip("10.9.9.9");
  const Operation op = modbus_op(3, "read_holding_registers", 0, 10, false);
  // Warm-up: everything is created once.
  const AssetIndex a = l.resolve(m1, i1, 1);
  const AssetIndex b = l.resolve(m2, i2, 1);
  l.resolve(gw, ip("10.1.0.1"), 1);
  l.resolve(gw, ip("10.2.0.1"), 1);
  l.resolve(gw, ip("10.3.0.1"), 1);  // router now
  ASSERT_NE(l.resolve(gw, far, 1), kNoAsset);
  const AssetIndex c = l.child(b, "1/3", 1);
  l.sent(a, 60, 101, 1);
  l.add_protocol(a, "modbus");
  l.add_fact(a, field::name, "PLC-1", "lldp", 1);
  const EdgeIndex e = l.edge(a, b, "modbus", "tcp", 502, 101, 1);
  l.add_op(e, op, 1);
  const EdgeIndex t = l.edge(a, c, "tcp", "tcp", 502, 0, 1);
  const EdgeIndex tm = l.relabel_edge(t, "modbus");
  l.add_op(t, op, 1);  // the op record now exists on tm

  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 100; ++i) {
    const std::int64_t ts = 2 + i;
    const AssetIndex x = l.resolve(m1, i1, ts);
    const AssetIndex y = l.resolve(m2, i2, ts);
    l.resolve(gw, far, ts);
    l.resolve(std::nullopt, far, ts);
    l.station(m1, ts);
    l.child(y, "1/3", ts);
    l.sent(x, 60, 101, ts);
    l.add_protocol(x, "modbus");
    l.add_fact(x, field::name, "PLC-1", "lldp", ts);
    const EdgeIndex f = l.edge(x, y, "modbus", "tcp", 502, 101, ts);
    l.count_edge(f, 60, ts);
    l.add_op(f, op, ts);
    l.count_edge(t, 60, ts);  // forwarded to tm
    l.add_op(t, op, ts);
    (void)Ledger::best(l.assets()[x], field::name);
    (void)l.index_of(l.assets()[x].id);
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0U);
  EXPECT_EQ(l.edges()[tm].packets, 100U);
  EXPECT_EQ(l.edges()[e].packets, 100U);
}

}  // namespace
}  // namespace mieruka::inventory
