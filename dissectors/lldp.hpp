// LLDP (IEEE 802.1AB-2016 §8): the TLV walk of one LLDPDU (EtherType 0x88cc),
// the basic TLVs (§8.5: Chassis ID, Port ID, TTL, Port Description, System
// Name, System Description, System Capabilities, Management Address) and the
// organizationally specific TLVs we use: IEEE 802.1 (802.1Q-2018 Annex D: Port
// VLAN ID, VLAN Name), IEEE 802.3 (802.3-2018 Clause 79: MAC/PHY), PROFINET
// (IEC 61158-6-10: port status, MRP port status, chassis MAC) and TIA LLDP-MED
// (ANSI/TIA-1057 §10.2.6: inventory).
// Emits facts on the sender, source "lldp": name, description, vendor/product/
// model/revision/hardware revision/serial (LLDP-MED inventory first, then what
// the system description states in a format sysdescr.cpp knows), lldp_capabilities,
// class_hint, lldp_port, management IPs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "fixed_text.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::lldp {

inline constexpr std::uint16_t kEtherType = 0x88cc;
// An LLDPDU fits one frame (1500 bytes): at 2 bytes per TLV header a crafted
// frame could hold 750 empty TLVs. Real agents send a few dozen.
inline constexpr std::size_t kMaxTlvs = 128;
inline constexpr std::size_t kMaxMgmtAddresses = 8;
inline constexpr std::size_t kMaxVlanNames = 8;

// TLV types (§8.4.1, Table 8-1).
namespace tlv {
inline constexpr std::uint8_t end = 0, chassis_id = 1, port_id = 2, ttl = 3, port_description = 4,
                              system_name = 5, system_description = 6, system_capabilities = 7,
                              management_address = 8, org_specific = 127;
}

// System capabilities bits (§8.5.8.1, Table 8-4).
namespace cap {
inline constexpr std::uint16_t other = 0x0001, repeater = 0x0002, bridge = 0x0004, wlan_ap = 0x0008,
                               router = 0x0010, telephone = 0x0020, docsis = 0x0040, station = 0x0080,
                               c_vlan = 0x0100, s_vlan = 0x0200, tpmr = 0x0400;
}

// Organizationally unique identifiers of the org-specific TLVs we decode.
namespace oui {
inline constexpr std::uint32_t ieee_802_1 = 0x0080c2, ieee_802_3 = 0x00120f, profinet = 0x000ecf,
                               tia_med = 0x0012bb;
}

// "bridge,router": the names of the bits set in `bits`, in table order.
[[nodiscard]] std::string capability_list(std::uint16_t bits);

struct VlanName {
  std::uint16_t vid = 0;
  std::string_view name;
};

// An ID TLV's text: the MAC or IP formatted, else the bytes (a TLV holds at most
// 511 bytes, the subtype one of them).
using IdText = FixedText<511>;

// One LLDPDU, as far as it could be read. The text views point into the
// LLDPDU: the Pdu is valid while those bytes are. Nothing here allocates.
struct Pdu {
  std::uint8_t chassis_subtype = 0;
  IdText chassis_id;  // MAC / IP in text form for subtypes 4 / 5, else the bytes
  std::optional<MacAddr> chassis_mac;
  std::uint8_t port_subtype = 0;
  IdText port_id;  // MAC / IP in text form for subtypes 3 / 4, else the bytes
  std::optional<std::uint16_t> ttl;
  std::string_view port_description, system_name, system_description;
  bool has_capabilities = false;
  std::uint16_t capabilities = 0, enabled = 0;
  FixedList<IpAddr, kMaxMgmtAddresses> management_addresses;
  // IEEE 802.1
  std::optional<std::uint16_t> port_vlan_id;
  FixedList<VlanName, kMaxVlanNames> vlan_names;
  // IEEE 802.3 MAC/PHY configuration/status
  bool has_mac_phy = false;
  std::uint8_t autoneg = 0;  // bit 0 supported, bit 1 enabled
  std::uint16_t pmd_advertised = 0, mau_type = 0;
  // PROFINET
  std::optional<MacAddr> pn_chassis_mac;
  std::optional<std::uint16_t> pn_rtc2_port_status, pn_rtc3_port_status, pn_mrrt_port_status;
  // LLDP-MED
  std::optional<std::uint8_t> med_device_type;  // 1-3 endpoint class I-III, 4 network connectivity
  std::string_view med_hardware_revision, med_firmware_revision, med_software_revision, med_serial,
      med_manufacturer, med_model, med_asset_id;

  std::size_t tlv_count = 0;
  bool saw_end = false;
};

// Walks the TLVs of `lldpdu`. A first TLV that is not a Chassis ID is malformed
// (§9.2.7.7.1: the LLDPDU is discarded); an empty input is truncated. A later
// TLV that runs past the frame, a TLV above kMaxTlvs or a malformed TLV body is
// counted on `sink` and ends the walk or skips the TLV; what was read is kept.
[[nodiscard]] Result<Pdu> parse(Bytes lldpdu, Sink& sink) noexcept;

// Facts about the sender from one parsed LLDPDU.
void emit(const Pdu& pdu, Sink& sink) noexcept;

// Registry entry (EtherType 0x88cc): payload = pkt.l2_payload.
void on_frame(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::lldp
