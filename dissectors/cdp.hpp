// Cisco Discovery Protocol, versions 1 and 2 (802.3 LLC/SNAP, OUI 00-00-0C,
// protocol id 0x2000). Layout as documented by Cisco ("CDP packet format" in the
// Cisco IOS Configuration Fundamentals guides) and decoded by Wireshark's
// packet-cdp.c: version, TTL, checksum, then type/length/value TLVs whose length
// counts the 4-byte TLV header.
// Emits facts on the sender, source "cdp": name (Device ID), ips (Addresses,
// Management Addresses), product/vendor (Platform), software/revision and what
// the banner states in a format sysdescr.cpp knows (Software Version),
// cdp_capabilities, class_hint, cdp_port, cdp_native_vlan, cdp_vtp_domain,
// cdp_duplex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::cdp {

inline constexpr std::uint32_t kSnapOui = 0x00000c;
inline constexpr std::uint16_t kSnapPid = 0x2000;
inline constexpr std::size_t kHeaderSize = 4;     // version, ttl, checksum
inline constexpr std::size_t kTlvHeaderSize = 4;  // type, length
inline constexpr std::size_t kMaxTlvs = 64;
inline constexpr std::size_t kMaxAddresses = 16;  // per Addresses TLV and per frame

// TLV types (packet-cdp.c type_vals).
namespace tlv {
inline constexpr std::uint16_t device_id = 0x0001, addresses = 0x0002, port_id = 0x0003, capabilities = 0x0004,
                               software_version = 0x0005, platform = 0x0006, vtp_domain = 0x0009,
                               native_vlan = 0x000a, duplex = 0x000b, management_addresses = 0x0016;
}

// Capability bits (packet-cdp.c).
namespace cap {
inline constexpr std::uint32_t router = 0x01, trans_bridge = 0x02, source_route_bridge = 0x04, switch_ = 0x08,
                               host = 0x10, igmp = 0x20, repeater = 0x40, phone = 0x80, remote_managed = 0x100,
                               cvta = 0x200, mac_relay = 0x400;
}

// "switch,igmp": the names of the bits set, in bit order.
[[nodiscard]] std::string capability_list(std::uint32_t bits);

// The token after "Version " in a Cisco software banner ("Cisco IOS Software,
// C3560 Software (...), Version 12.2(25)SEB4, RELEASE SOFTWARE" -> "12.2(25)SEB4"),
// up to a comma or white space; empty when there is none.
[[nodiscard]] std::string software_version_number(std::string_view banner);

struct Pdu {
  std::uint8_t version = 0;
  std::uint8_t ttl = 0;
  std::uint16_t checksum = 0;  // not verified: captures with offloaded/rewritten frames fail it
  std::string device_id, port_id, software_version, platform, vtp_domain;
  std::vector<IpAddr> addresses;  // Addresses and Management Addresses, at most kMaxAddresses
  std::optional<std::uint32_t> capabilities;
  std::optional<std::uint16_t> native_vlan;
  std::optional<std::uint8_t> duplex;  // 0 half, 1 full
  std::size_t tlv_count = 0;
};

// Reads one CDP PDU. Header cut: truncated; version other than 1/2: unsupported.
// A TLV whose length is below 4 or runs past the frame, and TLVs above kMaxTlvs,
// are counted on `sink` and end the walk; what was read is kept.
[[nodiscard]] Result<Pdu> parse(Bytes pdu, Sink& sink) noexcept;

void emit(const Pdu& pdu, Sink& sink) noexcept;

// Registry entry (SNAP pid 0x2000): payload = pkt.l2_payload; frames whose SNAP
// OUI is not Cisco's are ignored.
void on_frame(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::cdp
