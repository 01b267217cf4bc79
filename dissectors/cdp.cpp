// CDP: see cdp.hpp for what and where the layout comes from.
#include "cdp.hpp"

#include <array>
#include <cctype>

#include "sysdescr.hpp"

namespace mieruka::dissectors::cdp {
namespace {

constexpr std::string_view kSource = "cdp";

// Address entries (packet-cdp.c dissect_address): protocol type 1 = NLPID with
// protocol 0xCC (IPv4); type 2 = 802.2 with the SNAP header AA AA 03 00 00 00 86 DD
// (IPv6).
constexpr std::uint8_t kProtoNlpid = 1, kProto8022 = 2, kNlpidIpv4 = 0xcc;
constexpr std::array<std::uint8_t, 8> kSnapIpv6 = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd};
// An entry is at least type, protocol length, one protocol byte, address length.
constexpr std::size_t kMinAddressEntry = 5;

constexpr std::array<std::string_view, 11> kCapNames = {"router", "trans_bridge", "source_route_bridge",
                                                         "switch", "host", "igmp", "repeater", "phone",
                                                         "remote_managed", "cvta", "mac_relay"};

std::string text(Bytes b) { return std::string(as_chars(b)); }

bool equals(Bytes b, const std::array<std::uint8_t, 8>& want) noexcept {
  if (b.size() != want.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (static_cast<std::uint8_t>(b[i]) != want[i]) return false;
  return true;
}

// Addresses / Management Addresses TLV body: a 32-bit count, then entries.
void addresses(ByteReader r, Pdu& pdu, Sink& sink) noexcept {
  const auto count = r.u32_be();
  if (!count) {
    sink.anomaly("cdp.bad_addresses");
    return;
  }
  if (*count > kMaxAddresses || *count > r.remaining() / kMinAddressEntry) {
    sink.anomaly("cdp.too_many_addresses");
    return;
  }
  for (std::uint32_t i = 0; i < *count; ++i) {
    const auto ptype = r.u8();
    const auto plen = r.u8();
    const auto proto = plen ? r.take(*plen) : std::nullopt;
    const auto alen = r.u16_be();
    const auto addr = alen ? r.take(*alen) : std::nullopt;
    if (!ptype || !proto || !addr) {
      sink.anomaly("cdp.bad_addresses");
      return;
    }
    IpAddr ip;
    if (*ptype == kProtoNlpid && proto->size() == 1 && static_cast<std::uint8_t>((*proto)[0]) == kNlpidIpv4 &&
        addr->size() == 4)
      ip = IpAddr::v4_bytes(*addr);
    else if (*ptype == kProto8022 && equals(*proto, kSnapIpv6) && addr->size() == 16)
      ip = IpAddr::v6_bytes(*addr);
    if (!ip.valid()) continue;
    if (pdu.addresses.size() >= kMaxAddresses) {
      sink.anomaly("cdp.too_many_addresses");
      return;
    }
    pdu.addresses.push_back(ip);
  }
}

void on_tlv(std::uint16_t type, Bytes value, Pdu& pdu, Sink& sink) noexcept {
  ByteReader r(value);
  switch (type) {
    case tlv::device_id: pdu.device_id = text(value); return;
    case tlv::addresses:
    case tlv::management_addresses: addresses(r, pdu, sink); return;
    case tlv::port_id: pdu.port_id = text(value); return;
    case tlv::capabilities:
      if (const auto c = r.u32_be()) pdu.capabilities = *c;
      return;
    case tlv::software_version: pdu.software_version = text(value); return;
    case tlv::platform: pdu.platform = text(value); return;
    case tlv::vtp_domain: pdu.vtp_domain = text(value); return;
    case tlv::native_vlan:
      if (const auto v = r.u16_be()) pdu.native_vlan = *v;
      return;
    case tlv::duplex:
      if (const auto d = r.u8()) pdu.duplex = *d;
      return;
    default: return;
  }
}

// Strings padded with NULs by some IOS releases.
std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

void fact(Sink& sink, std::string_view field, std::string value) noexcept {
  if (value.empty()) return;
  sink.fact({AssetRef::sender_party(), field, std::move(value), kSource});
}

bool starts_with_cisco(std::string_view s) noexcept {
  constexpr std::string_view kCisco = "cisco";
  if (s.size() < kCisco.size()) return false;
  for (std::size_t i = 0; i < kCisco.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != kCisco[i]) return false;
  return true;
}

}  // namespace

std::string capability_list(std::uint32_t bits) {
  std::string out;
  for (std::size_t i = 0; i < kCapNames.size(); ++i) {
    if ((bits & (1U << i)) == 0) continue;
    if (!out.empty()) out += ',';
    out += kCapNames[i];
  }
  return out;
}

std::string software_version_number(std::string_view banner) {
  constexpr std::string_view kVersion = "Version ";
  const auto at = banner.find(kVersion);
  if (at == std::string_view::npos) return {};
  std::string_view v = banner.substr(at + kVersion.size());
  std::size_t n = 0;
  while (n < v.size() && v[n] != ',' && std::isspace(static_cast<unsigned char>(v[n])) == 0) ++n;
  return std::string(v.substr(0, n));
}

Result<Pdu> parse(Bytes bytes, Sink& sink) noexcept {
  ByteReader r(bytes);
  Pdu pdu;
  const auto version = r.u8();
  const auto ttl = r.u8();
  const auto checksum = r.u16_be();
  if (!version || !ttl || !checksum) return ParseError::truncated;
  if (*version != 1 && *version != 2) {
    sink.anomaly("cdp.unknown_version");
    return ParseError::unsupported;
  }
  pdu.version = *version;
  pdu.ttl = *ttl;
  pdu.checksum = *checksum;
  while (!r.empty()) {
    if (pdu.tlv_count >= kMaxTlvs) {
      sink.anomaly("cdp.too_many_tlvs");
      break;
    }
    const auto type = r.u16_be();
    const auto len = r.u16_be();
    if (!type || !len) {
      sink.anomaly("cdp.truncated_tlv");
      break;
    }
    if (*len < kTlvHeaderSize) {
      sink.anomaly("cdp.bad_tlv_length");
      break;
    }
    const auto value = r.take(*len - kTlvHeaderSize);
    if (!value) {
      sink.anomaly("cdp.length_overrun");
      break;
    }
    ++pdu.tlv_count;
    on_tlv(*type, *value, pdu, sink);
  }
  return pdu;
}

void emit(const Pdu& pdu, Sink& sink) noexcept {
  fact(sink, field::name, trimmed(pdu.device_id));
  fact(sink, "cdp_port", trimmed(pdu.port_id));
  for (const auto& ip : pdu.addresses) fact(sink, field::ip, ip.to_string());
  const std::string software = trimmed(pdu.software_version);
  fact(sink, "software", software);
  // The Software Version TLV holds a version by definition: when no known
  // format reads the banner, its "Version" token is still the revision.
  sysdescr::Identity id = sysdescr::parse(software);
  const std::string version = id.revision.empty() ? software_version_number(software) : std::string();
  if (id.revision.empty()) id.revision = version;
  // Platform: "cisco WS-C3560G-24PS". The vendor only when the string says so
  // (the word "cisco", or a maker's format sysdescr knows).
  const std::string platform = trimmed(pdu.platform);
  const sysdescr::Identity named = sysdescr::parse(platform);
  if (starts_with_cisco(platform)) {
    id.vendor = "Cisco";
    std::string_view model = std::string_view(platform).substr(5);
    while (!model.empty() && model.front() == ' ') model.remove_prefix(1);
    id.product = model.empty() ? std::string_view(platform) : model;
  } else {
    if (id.vendor.empty()) id.vendor = named.vendor;
    id.product = !named.product.empty() ? named.product : std::string_view(platform);
  }
  sysdescr::emit(id, AssetRef::sender_party(), kSource, sink);
  if (pdu.capabilities) {
    fact(sink, "cdp_capabilities", capability_list(*pdu.capabilities));
    // Cisco L3 switches advertise Router and Switch: a switch bit wins.
    if ((*pdu.capabilities & (cap::switch_ | cap::trans_bridge)) != 0) {
      fact(sink, field::class_hint, "switch");
    } else if ((*pdu.capabilities & cap::router) != 0) {
      fact(sink, field::class_hint, "router");
    }
  }
  if (pdu.native_vlan) fact(sink, "cdp_native_vlan", std::to_string(*pdu.native_vlan));
  fact(sink, "cdp_vtp_domain", trimmed(pdu.vtp_domain));
  if (pdu.duplex) fact(sink, "cdp_duplex", *pdu.duplex == 0 ? "half" : "full");
  fact(sink, "cdp_version", std::to_string(pdu.version));
}

void on_frame(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  if (pkt.snap_oui != kSnapOui) {
    sink.anomaly("cdp.wrong_oui");
    return;
  }
  auto pdu = parse(payload, sink);
  if (!pdu) {
    if (pdu.error() == ParseError::truncated) sink.anomaly("cdp.truncated");
    return;
  }
  emit(*pdu, sink);
}

}  // namespace mieruka::dissectors::cdp
