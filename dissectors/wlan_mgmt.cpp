#include "wlan_mgmt.hpp"

namespace mieruka::dissectors::wlan_mgmt {

namespace {

constexpr std::string_view kSource = "wlan";
constexpr std::uint8_t kElementSsid = 0;
constexpr std::uint16_t kCapabilityIbss = 0x0002;  // §9.4.1.4: set by stations of an ad hoc network

// Bytes before the first element, per subtype (§9.3.3.2 ff.).
std::optional<std::size_t> fixed_bytes(std::uint8_t subtype) noexcept {
  switch (subtype) {
    case kBeacon:
    case kProbeResponse: return 12;  // timestamp, beacon interval, capability
    case kProbeRequest: return 0;
    case kAssocRequest: return 4;    // capability, listen interval
    case kReassocRequest: return 10; // capability, listen interval, current AP address
    default: return std::nullopt;
  }
}

}  // namespace

Result<Frame> parse(std::uint8_t subtype, Bytes body) noexcept {
  const auto fixed = fixed_bytes(subtype);
  if (!fixed) return ParseError::unsupported;
  ByteReader r(body);
  Frame f;
  f.subtype = subtype;
  if (*fixed > 0) {
    auto head = r.sub(*fixed);
    if (!head) return ParseError::truncated;
    // Capability Information sits at offset 10 in beacons/probe responses, 0 otherwise.
    const std::size_t cap_at = *fixed == 12 ? 10 : 0;
    if (!head->skip(cap_at)) return ParseError::truncated;
    f.capability = *head->u16_le();
  }
  for (std::size_t n = 0; r.remaining() > 0; ++n) {
    if (n >= kMaxElements) return ParseError::limit_exceeded;
    const auto id = r.u8();
    const auto len = r.u8();
    if (!id || !len) return ParseError::truncated;
    auto value = r.take(*len);
    if (!value) return ParseError::truncated;
    if (*id != kElementSsid || f.ssid) continue;  // the first SSID element counts
    if (value->size() > kMaxSsidBytes) return ParseError::malformed;
    bool all_zero = true;
    for (std::byte b : *value) all_zero = all_zero && b == std::byte{0};
    f.ssid_hidden = all_zero;
    f.ssid = all_zero ? std::string() : std::string(as_chars(*value));
  }
  return f;
}

void on_frame(const DecodedPacket& pkt, Bytes body, Sink& sink) noexcept {
  auto parsed = parse(pkt.wlan_subtype, body);
  if (!parsed) {
    switch (parsed.error()) {
      case ParseError::truncated: sink.anomaly(pkt.payload_truncated ? "wlan.snaplen" : "wlan.mgmt_truncated"); break;
      case ParseError::limit_exceeded: sink.anomaly("wlan.too_many_elements"); break;
      case ParseError::unsupported: break;
      default: sink.anomaly("wlan.mgmt_malformed"); break;
    }
    return;
  }
  const Frame& f = *parsed;
  const bool has_ssid = f.ssid && !f.ssid->empty();
  switch (f.subtype) {
    case kBeacon:
    case kProbeResponse:
      if ((f.capability & kCapabilityIbss) == 0) {
        sink.fact({AssetRef::sender_party(), field::class_hint, "wireless_ap", kSource});
      } else {
        sink.fact({AssetRef::sender_party(), field::class_hint, "wireless_station", kSource});
      }
      if (has_ssid) sink.fact({AssetRef::sender_party(), "ssid", *f.ssid, kSource});
      else if (f.ssid_hidden || (f.ssid && f.ssid->empty())) sink.fact({AssetRef::sender_party(), "ssid_hidden", "true", kSource});
      break;
    case kProbeRequest:
      sink.fact({AssetRef::sender_party(), field::class_hint, "wireless_station", kSource});
      if (has_ssid) sink.fact({AssetRef::sender_party(), "wlan_probe_ssid", *f.ssid, kSource});
      break;
    case kAssocRequest:
    case kReassocRequest:
      sink.fact({AssetRef::sender_party(), field::class_hint, "wireless_station", kSource});
      sink.fact({AssetRef::receiver_party(), field::class_hint, "wireless_ap", kSource});
      if (has_ssid) {
        sink.fact({AssetRef::sender_party(), "ssid", *f.ssid, kSource});
        sink.fact({AssetRef::receiver_party(), "ssid", *f.ssid, kSource});
      }
      break;
    default: break;
  }
}

}  // namespace mieruka::dissectors::wlan_mgmt
