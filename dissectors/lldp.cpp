// LLDP: see lldp.hpp for what and which spec sections.
#include "lldp.hpp"

#include <array>
#include <cstdio>

#include "sysdescr.hpp"

namespace mieruka::dissectors::lldp {
namespace {

constexpr std::string_view kSource = "lldp";

// IANA address family numbers used by Chassis/Port ID subtype "network address"
// and the Management Address TLV (§8.5.2.3, §8.5.9.4).
constexpr std::uint8_t kAfIpv4 = 1, kAfIpv6 = 2;
// Chassis ID subtypes (Table 8-2) and Port ID subtypes (Table 8-3) we format.
constexpr std::uint8_t kChassisMac = 4, kChassisNetwork = 5;
constexpr std::uint8_t kPortMac = 3, kPortNetwork = 4;
// Management address string length: subtype + 1..31 address bytes (§8.5.9.3).
constexpr std::size_t kMinMgmtAddrLen = 2, kMaxMgmtAddrLen = 32;

constexpr std::array<std::string_view, 11> kCapNames = {
    "other", "repeater", "bridge", "wlan_ap", "router", "telephone", "docsis", "station", "c_vlan", "s_vlan", "tpmr"};

std::string_view text(Bytes b) noexcept { return as_chars(b); }

// Address-family tagged address ("network address" subtypes): IPv4/IPv6 in text,
// otherwise empty.
IpAddr network_address(Bytes b) noexcept {
  ByteReader r(b);
  const auto af = r.u8();
  if (!af) return {};
  if (*af == kAfIpv4 && r.remaining() == 4) return IpAddr::v4_bytes(r.rest());
  if (*af == kAfIpv6 && r.remaining() == 16) return IpAddr::v6_bytes(r.rest());
  return {};
}

void id_text(Bytes b, bool is_mac, bool is_network, IdText& out) noexcept {
  if (is_mac && b.size() == 6) {
    MacAddr::TextBuffer buf;
    (void)out.assign(MacAddr::from_bytes(b).format(buf));
    return;
  }
  if (is_network) {
    if (const auto ip = network_address(b); ip.valid()) {
      IpAddr::TextBuffer buf;
      (void)out.assign(ip.format(buf));
      return;
    }
  }
  (void)out.assign(text(b));  // at most 510 bytes: fits
}

// Management Address TLV (§8.5.9, Figure 8-11).
void management_address(ByteReader r, Pdu& pdu, Sink& sink) noexcept {
  const auto len = r.u8();
  if (!len || *len < kMinMgmtAddrLen || *len > kMaxMgmtAddrLen) {
    sink.anomaly("lldp.bad_management_address");
    return;
  }
  const auto addr = r.take(*len);
  const auto if_subtype = r.u8();
  const auto if_number = r.u32_be();
  const auto oid_len = r.u8();
  if (!addr || !if_subtype || !if_number || !oid_len || !r.skip(*oid_len)) {
    sink.anomaly("lldp.bad_management_address");
    return;
  }
  const IpAddr ip = network_address(*addr);
  if (!ip.valid()) return;  // 802 MAC and other families: not an IP binding
  if (!pdu.management_addresses.push_back(ip)) sink.anomaly("lldp.too_many_management_addresses");
}

// IEEE 802.1 org-specific TLVs (802.1Q-2018 Annex D.2).
void ieee_802_1(std::uint8_t subtype, ByteReader r, Pdu& pdu, Sink& sink) noexcept {
  if (subtype == 1) {  // Port VLAN ID
    if (const auto vid = r.u16_be()) pdu.port_vlan_id = *vid;
    return;
  }
  if (subtype != 3) return;  // VLAN Name: VID, name length, name
  const auto vid = r.u16_be();
  const auto len = r.u8();
  const auto name = len ? r.take(*len) : std::nullopt;
  if (!vid || !name) {
    sink.anomaly("lldp.bad_org_tlv");
    return;
  }
  if (!pdu.vlan_names.push_back({*vid, text(*name)})) sink.anomaly("lldp.too_many_vlan_names");
}

// IEEE 802.3 MAC/PHY Configuration/Status (802.3-2018 §79.3.1).
void ieee_802_3(std::uint8_t subtype, ByteReader r, Pdu& pdu) noexcept {
  if (subtype != 1) return;
  const auto autoneg = r.u8();
  const auto pmd = r.u16_be();
  const auto mau = r.u16_be();
  if (!autoneg || !pmd || !mau) return;
  pdu.has_mac_phy = true;
  pdu.autoneg = *autoneg;
  pdu.pmd_advertised = *pmd;
  pdu.mau_type = *mau;
}

// PROFINET org-specific TLVs (IEC 61158-6-10, LLDP extensions; subtypes as
// Wireshark's packet-lldp.c names them): 2 port status (RTClass2, RTClass3),
// 4 MRP port status (domain UUID, MRRT port status), 5 chassis MAC.
void profinet(std::uint8_t subtype, ByteReader r, Pdu& pdu) noexcept {
  if (subtype == 2) {
    const auto rtc2 = r.u16_be();
    const auto rtc3 = r.u16_be();
    if (rtc2 && rtc3) {
      pdu.pn_rtc2_port_status = *rtc2;
      pdu.pn_rtc3_port_status = *rtc3;
    }
    return;
  }
  if (subtype == 4) {
    if (r.skip(16))
      if (const auto mrrt = r.u16_be()) pdu.pn_mrrt_port_status = *mrrt;
    return;
  }
  if (subtype == 5) {
    if (const auto m = r.take(6)) pdu.pn_chassis_mac = MacAddr::from_bytes(*m);
  }
}

// TIA LLDP-MED (ANSI/TIA-1057 §10.2): 1 capabilities (+ device type), 5-11 the
// inventory strings.
void tia_med(std::uint8_t subtype, ByteReader r, Pdu& pdu) noexcept {
  const auto all = text(r.rest());
  switch (subtype) {
    case 1:
      if (r.skip(2))
        if (const auto t = r.u8()) pdu.med_device_type = *t;
      return;
    case 5: pdu.med_hardware_revision = all; return;
    case 6: pdu.med_firmware_revision = all; return;
    case 7: pdu.med_software_revision = all; return;
    case 8: pdu.med_serial = all; return;
    case 9: pdu.med_manufacturer = all; return;
    case 10: pdu.med_model = all; return;
    case 11: pdu.med_asset_id = all; return;
    default: return;
  }
}

void org_specific(ByteReader r, Pdu& pdu, Sink& sink) noexcept {
  const auto org = r.u24_be();
  const auto subtype = r.u8();
  if (!org || !subtype) {
    sink.anomaly("lldp.bad_org_tlv");
    return;
  }
  switch (*org) {
    case oui::ieee_802_1: ieee_802_1(*subtype, r, pdu, sink); return;
    case oui::ieee_802_3: ieee_802_3(*subtype, r, pdu); return;
    case oui::profinet: profinet(*subtype, r, pdu); return;
    case oui::tia_med: tia_med(*subtype, r, pdu); return;
    default: return;
  }
}

// One TLV's body.
void on_tlv(std::uint8_t type, Bytes value, Pdu& pdu, Sink& sink) noexcept {
  ByteReader r(value);
  switch (type) {
    case tlv::chassis_id: {
      const auto subtype = r.u8();
      if (!subtype || r.empty()) {
        sink.anomaly("lldp.bad_chassis_id");
        return;
      }
      pdu.chassis_subtype = *subtype;
      id_text(r.rest(), *subtype == kChassisMac, *subtype == kChassisNetwork, pdu.chassis_id);
      if (*subtype == kChassisMac && r.remaining() == 6) pdu.chassis_mac = MacAddr::from_bytes(r.rest());
      return;
    }
    case tlv::port_id: {
      const auto subtype = r.u8();
      if (!subtype || r.empty()) {
        sink.anomaly("lldp.bad_port_id");
        return;
      }
      pdu.port_subtype = *subtype;
      id_text(r.rest(), *subtype == kPortMac, *subtype == kPortNetwork, pdu.port_id);
      return;
    }
    case tlv::ttl:
      if (const auto t = r.u16_be()) pdu.ttl = *t;
      return;
    case tlv::port_description: pdu.port_description = text(value); return;
    case tlv::system_name: pdu.system_name = text(value); return;
    case tlv::system_description: pdu.system_description = text(value); return;
    case tlv::system_capabilities: {
      const auto caps = r.u16_be();
      const auto enabled = r.u16_be();
      if (!caps || !enabled) {
        sink.anomaly("lldp.bad_capabilities");
        return;
      }
      pdu.has_capabilities = true;
      pdu.capabilities = *caps;
      pdu.enabled = *enabled;
      return;
    }
    case tlv::management_address: management_address(r, pdu, sink); return;
    case tlv::org_specific: org_specific(r, pdu, sink); return;
    default: return;
  }
}

// The value is read during the call only: packet bytes, static or local text.
void fact(Sink& sink, std::string_view field, std::string_view value) noexcept {
  if (value.empty()) return;
  sink.fact_view(AssetRef::sender_party(), field, value, kSource);
}

// All eleven names and their commas: 80 characters.
using CapabilityText = FixedText<96>;

void capability_text(std::uint16_t bits, CapabilityText& out) noexcept {
  out.clear();
  for (std::size_t i = 0; i < kCapNames.size(); ++i) {
    if ((bits & (1U << i)) == 0) continue;
    if (!out.empty()) (void)out.append(",");
    (void)out.append(kCapNames[i]);
  }
}

}  // namespace

std::string capability_list(std::uint16_t bits) {
  CapabilityText out;
  capability_text(bits, out);
  return out.str();
}

Result<Pdu> parse(Bytes lldpdu, Sink& sink) noexcept {
  ByteReader r(lldpdu);
  Pdu pdu;
  while (!r.empty()) {
    const auto head = r.u16_be();
    if (!head) {
      sink.anomaly("lldp.truncated_tlv");
      break;
    }
    const auto type = static_cast<std::uint8_t>(*head >> 9);
    const std::size_t len = *head & 0x01ffU;
    if (pdu.tlv_count == 0 && type != tlv::chassis_id) {
      sink.anomaly("lldp.missing_chassis_id");
      return ParseError::malformed;
    }
    if (type == tlv::end) {
      pdu.saw_end = true;
      break;
    }
    if (pdu.tlv_count >= kMaxTlvs) {
      sink.anomaly("lldp.too_many_tlvs");
      break;
    }
    ++pdu.tlv_count;
    const auto value = r.take(len);
    if (!value) {
      sink.anomaly("lldp.length_overrun");
      break;
    }
    // The first three TLVs are Chassis ID, Port ID, TTL in that order (§8.2).
    if ((pdu.tlv_count == 2 && type != tlv::port_id) || (pdu.tlv_count == 3 && type != tlv::ttl))
      sink.anomaly("lldp.mandatory_tlv_order");
    on_tlv(type, *value, pdu, sink);
  }
  if (pdu.tlv_count == 0) return lldpdu.size() < 2 ? ParseError::truncated : ParseError::malformed;
  return pdu;
}

void emit(const Pdu& pdu, Sink& sink) noexcept {
  fact(sink, field::name, pdu.system_name);
  fact(sink, field::description, pdu.system_description);
  fact(sink, "lldp_chassis_id", pdu.chassis_id);
  fact(sink, "lldp_port", pdu.port_id);
  fact(sink, "lldp_port_description", pdu.port_description);
  for (const auto& ip : pdu.management_addresses) {
    IpAddr::TextBuffer buf;
    fact(sink, field::ip, ip.format(buf));
  }
  if (pdu.has_capabilities) {
    CapabilityText caps;
    capability_text(pdu.enabled, caps);
    fact(sink, "lldp_capabilities", caps);
    // One class per frame. A WLAN AP that also routes is shown as an AP (the
    // wireless findings need it); a bridge that routes is an L3 device.
    if ((pdu.enabled & cap::wlan_ap) != 0) {
      fact(sink, field::class_hint, "wireless_ap");
    } else if ((pdu.enabled & cap::router) != 0) {
      fact(sink, field::class_hint, "router");
    } else if ((pdu.enabled & cap::bridge) != 0) {
      fact(sink, field::class_hint, "switch");
    }
  }
  if (pdu.port_vlan_id && *pdu.port_vlan_id != 0) fact(sink, "lldp_port_vlan", std::to_string(*pdu.port_vlan_id));
  for (const auto& v : pdu.vlan_names) {
    char vid[8];
    const int n = std::snprintf(vid, sizeof vid, "%u:", static_cast<unsigned>(v.vid));
    FixedText<sizeof vid + 255> text;  // a VLAN name is at most 255 bytes (its length is one byte)
    if (n > 0 && text.append(std::string_view(vid, static_cast<std::size_t>(n))) && text.append(v.name)) {
      fact(sink, "lldp_vlan_name", text);
    }
  }
  if (pdu.has_mac_phy) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "autoneg=%s mau_type=%u", (pdu.autoneg & 0x02) != 0 ? "on" : "off",
                  static_cast<unsigned>(pdu.mau_type));
    fact(sink, "lldp_mac_phy", buf);
  }
  if (pdu.pn_chassis_mac) {
    MacAddr::TextBuffer buf;
    fact(sink, "pn_chassis_mac", pdu.pn_chassis_mac->format(buf));
  }
  if (pdu.pn_mrrt_port_status) fact(sink, "pn_mrp_port_status", std::to_string(*pdu.pn_mrrt_port_status));

  // Inventory: LLDP-MED states each field by itself; the system description
  // only fills what it leaves out.
  sysdescr::Identity id = sysdescr::parse(pdu.system_description);
  const std::string_view med_revision =
      !pdu.med_software_revision.empty() ? pdu.med_software_revision : pdu.med_firmware_revision;
  for (auto [med, slot] : {std::pair{pdu.med_manufacturer, &id.vendor}, std::pair{pdu.med_model, &id.product},
                           std::pair{med_revision, &id.revision}, std::pair{pdu.med_serial, &id.serial},
                           std::pair{pdu.med_hardware_revision, &id.hardware_revision}}) {
    if (!med.empty()) *slot = med;
  }
  sysdescr::emit(id, AssetRef::sender_party(), kSource, sink);
  fact(sink, "firmware_revision", pdu.med_firmware_revision);
  fact(sink, "software_revision", pdu.med_software_revision);
  fact(sink, "asset_id", pdu.med_asset_id);
  if (pdu.med_device_type && *pdu.med_device_type >= 1 && *pdu.med_device_type <= 4) {
    static constexpr std::string_view kMedClass[] = {"endpoint_class_1", "endpoint_class_2", "endpoint_class_3",
                                                     "network_connectivity"};
    fact(sink, "lldp_med_device_type", kMedClass[*pdu.med_device_type - 1]);
  }
}

void on_frame(const DecodedPacket& /*pkt*/, Bytes payload, Sink& sink) noexcept {
  auto pdu = parse(payload, sink);
  if (!pdu) return;
  if (!pdu->saw_end) sink.anomaly("lldp.missing_end");
  emit(*pdu, sink);
}

}  // namespace mieruka::dissectors::lldp
