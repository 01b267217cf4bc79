// 802.11 management frames (802.11-2020 §9.3.3): beacons and probe responses
// make an access point, probe and association requests a station; SSIDs as
// facts. Vectors are built field by field from the standard; malformed twins
// cut at every byte, lie in element lengths, and overflow the element cap.
#include "dissectors/wlan_mgmt.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mieruka::dissectors::wlan_mgmt {
namespace {

using Buf = std::vector<std::uint8_t>;

Bytes bytes(const Buf& b) { return Bytes(reinterpret_cast<const std::byte*>(b.data()), b.size()); }

void element(Buf& b, std::uint8_t id, const std::string& v) {
  b.push_back(id);
  b.push_back(static_cast<std::uint8_t>(v.size()));
  b.insert(b.end(), v.begin(), v.end());
}

Buf beacon_body(const std::string& ssid, std::uint16_t capability = 0x0411) {
  Buf b = {
      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,  // Timestamp (8)
      0x64, 0x00,                                      // Beacon Interval: 100 TU
  };
  b.push_back(static_cast<std::uint8_t>(capability));       // Capability Information (LE)
  b.push_back(static_cast<std::uint8_t>(capability >> 8));  //   ESS, privacy, short slot
  element(b, 0, ssid);                                       // SSID element
  element(b, 1, "\x82\x84\x8b\x96");                         // Supported Rates
  element(b, 3, "\x06");                                     // DSSS Parameter Set: channel 6
  return b;
}

struct Recorded {
  AssetRef::Kind kind;
  std::string field, value;
};
class RecordingSink final : public Sink {
 public:
  void fact(const Fact& f) noexcept override { facts.push_back({f.who.kind, std::string(f.field), f.value}); }
  void operation(const Operation&) noexcept override {}
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] bool has(AssetRef::Kind k, std::string_view field, std::string_view value) const {
    for (const auto& f : facts)
      if (f.kind == k && f.field == field && f.value == value) return true;
    return false;
  }
  std::vector<Recorded> facts;
  std::vector<std::string> anomalies;
};

constexpr auto kSender = AssetRef::Kind::sender;
constexpr auto kReceiver = AssetRef::Kind::receiver;

DecodedPacket pkt(std::uint8_t subtype) {
  DecodedPacket p;
  p.wireless = true;
  p.wlan_type = 0;
  p.wlan_subtype = subtype;
  return p;
}

TEST(WlanMgmt, BeaconMakesAnAccessPointOfferingItsSsid) {
  const Buf b = beacon_body("LINE1-AGV");
  const auto f = parse(kBeacon, bytes(b));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->capability, 0x0411);
  EXPECT_EQ(f->ssid, "LINE1-AGV");
  RecordingSink sink;
  on_frame(pkt(kBeacon), bytes(b), sink);
  EXPECT_TRUE(sink.has(kSender, "class_hint", "wireless_ap"));
  EXPECT_TRUE(sink.has(kSender, "ssid", "LINE1-AGV"));
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(WlanMgmt, HiddenNetworkBeaconsAnEmptyOrZeroSsid) {
  for (const std::string& ssid : {std::string(), std::string(9, '\0')}) {
    const Buf b = beacon_body(ssid);
    RecordingSink sink;
    on_frame(pkt(kBeacon), bytes(b), sink);
    EXPECT_TRUE(sink.has(kSender, "class_hint", "wireless_ap"));
    EXPECT_TRUE(sink.has(kSender, "ssid_hidden", "true"));
    for (const auto& r : sink.facts) EXPECT_NE(r.field, "ssid");
  }
}

TEST(WlanMgmt, IbssBeaconIsAStation) {
  const Buf b = beacon_body("adhoc", 0x0002);  // Capability: IBSS
  RecordingSink sink;
  on_frame(pkt(kBeacon), bytes(b), sink);
  EXPECT_TRUE(sink.has(kSender, "class_hint", "wireless_station"));
}

TEST(WlanMgmt, ProbeRequestLooksForANetwork) {
  Buf b;
  element(b, 0, "MAINT-HOTSPOT");  // SSID
  element(b, 1, "\x02\x04");       // Supported Rates
  RecordingSink sink;
  on_frame(pkt(kProbeRequest), bytes(b), sink);
  EXPECT_TRUE(sink.has(kSender, "class_hint", "wireless_station"));
  EXPECT_TRUE(sink.has(kSender, "wlan_probe_ssid", "MAINT-HOTSPOT"));
  Buf wildcard;
  element(wildcard, 0, "");
  RecordingSink w;
  on_frame(pkt(kProbeRequest), bytes(wildcard), w);
  EXPECT_EQ(w.facts.size(), 1u);  // the class hint only
}

TEST(WlanMgmt, AssociationRequestJoinsTheReceiversNetwork) {
  Buf b = {0x31, 0x04, 0x0a, 0x00};  // Capability, Listen Interval 10
  element(b, 0, "LINE1-AGV");
  RecordingSink sink;
  on_frame(pkt(kAssocRequest), bytes(b), sink);
  EXPECT_TRUE(sink.has(kSender, "class_hint", "wireless_station"));
  EXPECT_TRUE(sink.has(kSender, "ssid", "LINE1-AGV"));
  EXPECT_TRUE(sink.has(kReceiver, "class_hint", "wireless_ap"));
  // Reassociation adds the current AP address (6) before the elements.
  Buf r = {0x31, 0x04, 0x0a, 0x00, 0x00, 0x0c, 0x29, 0x00, 0x00, 0x01};
  element(r, 0, "LINE1-AGV");
  const auto f = parse(kReassocRequest, bytes(r));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->ssid, "LINE1-AGV");
}

TEST(WlanMgmt, EveryCutIsTruncatedNeverARead) {
  const Buf b = beacon_body("LINE1-AGV");
  for (std::size_t n = 0; n < b.size(); ++n) {
    const Buf cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    const auto f = parse(kBeacon, bytes(cut));
    // Cuts at element boundaries are whole frames with fewer elements.
    if (n == 12 || n == 12 + 2 + 9 || n == 12 + 2 + 9 + 6) {
      EXPECT_TRUE(f) << n;
    } else {
      ASSERT_FALSE(f) << n;
      EXPECT_EQ(f.error(), ParseError::truncated) << n;
    }
  }
}

TEST(WlanMgmt, LyingLengthsAndCapsAreRefused) {
  Buf lie = beacon_body("x");
  lie[13] = 200;  // the SSID element claims 200 bytes
  EXPECT_EQ(parse(kBeacon, bytes(lie)).error(), ParseError::truncated);
  Buf long_ssid(12, 0);
  element(long_ssid, 0, std::string(33, 'A'));  // over the 32-byte maximum
  EXPECT_EQ(parse(kBeacon, bytes(long_ssid)).error(), ParseError::malformed);
  Buf many(12, 0);
  for (std::size_t i = 0; i <= kMaxElements; ++i) element(many, 221, "");
  EXPECT_EQ(parse(kBeacon, bytes(many)).error(), ParseError::limit_exceeded);
  Buf at_cap(12, 0);
  for (std::size_t i = 0; i < kMaxElements; ++i) element(at_cap, 221, "");
  EXPECT_TRUE(parse(kBeacon, bytes(at_cap)));
  RecordingSink sink;
  on_frame(pkt(kBeacon), bytes(many), sink);
  EXPECT_EQ(sink.anomalies, std::vector<std::string>{"wlan.too_many_elements"});
  EXPECT_TRUE(sink.facts.empty());
}

TEST(WlanMgmt, OtherSubtypesAreNotOurs) {
  EXPECT_EQ(parse(10, Bytes{}).error(), ParseError::unsupported);  // disassociation
  RecordingSink sink;
  on_frame(pkt(12), Bytes{}, sink);  // deauthentication
  EXPECT_TRUE(sink.facts.empty());
  EXPECT_TRUE(sink.anomalies.empty());
}

}  // namespace
}  // namespace mieruka::dissectors::wlan_mgmt
