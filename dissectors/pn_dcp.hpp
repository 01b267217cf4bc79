// PROFINET DCP (IEC 61158-6-10, "DCP" services over the RT frame, EtherType
// 0x8892): FrameID 0xFEFC Hello, 0xFEFD Get/Set, 0xFEFE Identify request,
// 0xFEFF Identify response; the DCP header (ServiceID, ServiceType, Xid,
// ResponseDelay, DCPDataLength) and the blocks (Option, Suboption,
// DCPBlockLength, BlockInfo/BlockQualifier, value, padding to even). Where a
// block carries BlockInfo or BlockQualifier follows Wireshark's packet-pn-dcp.c.
// Other FrameIDs in 0x0100..0xFBFF are RT cyclic data: counted as Operations.
// Emits facts on the sender of Identify/Get responses and Hello requests,
// source "pn_dcp": name (NameOfStation), product (DeviceVendorValue), vendor_id,
// device_id, vendor (small verified table), role, class_hint, ip; Operations
// "pn_dcp" set_name_of_station / set_ip / ... (is_control) and "pn_rt" cyclic.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "byte_reader.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::pn_dcp {

inline constexpr std::uint16_t kEtherType = 0x8892;
inline constexpr std::size_t kHeaderSize = 10;  // after the FrameID
// A DCP PDU fits one frame; an Identify response carries about a dozen blocks.
inline constexpr std::size_t kMaxBlocks = 32;

namespace frame_id {
inline constexpr std::uint16_t hello = 0xfefc, get_set = 0xfefd, identify_request = 0xfefe,
                               identify_response = 0xfeff;
inline constexpr std::uint16_t rt_first = 0x0100, rt_last = 0xfbff;  // RT class 1-3 cyclic data
}  // namespace frame_id

namespace service {
inline constexpr std::uint8_t get = 3, set = 4, identify = 5, hello = 6;
}
// ServiceType: bit 0 = response; 1 success, 5 "unsupported".
inline constexpr std::uint8_t kServiceTypeResponse = 0x01;

// Options and suboptions.
namespace option {
inline constexpr std::uint8_t ip = 1, device = 2, dhcp = 3, control = 5, device_initiative = 6, all = 0xff;
}
namespace ip_sub {
inline constexpr std::uint8_t mac = 1, ip_parameter = 2, full_ip_suite = 3;
}
namespace device_sub {
inline constexpr std::uint8_t vendor_value = 1, name_of_station = 2, device_id = 3, role = 4, options = 5,
                              alias_name = 6, instance = 7, oem_device_id = 8;
}
namespace control_sub {
inline constexpr std::uint8_t start = 1, stop = 2, signal = 3, response = 4, factory_reset = 5, reset_to_factory = 6;
}
// DeviceRoleDetails bits.
namespace role {
inline constexpr std::uint8_t io_device = 0x01, io_controller = 0x02, io_multidevice = 0x04, supervisor = 0x08;
}

struct Header {
  std::uint16_t frame_id = 0;
  std::uint8_t service_id = 0, service_type = 0;
  std::uint32_t xid = 0;
  std::uint16_t response_delay = 0;  // reserved outside Identify requests
  std::uint16_t data_length = 0;
  [[nodiscard]] bool is_response() const noexcept { return (service_type & kServiceTypeResponse) != 0; }
};

struct Block {
  std::uint8_t option = 0, suboption = 0;
  bool has_prefix = false;
  std::uint16_t prefix = 0;  // BlockInfo (responses, Hello) or BlockQualifier (Set requests)
  Bytes value{};             // after the prefix
};

struct Pdu {
  Header header;
  std::array<Block, kMaxBlocks> blocks{};
  std::size_t block_count = 0;
};

// Reads the header (after the 2-byte FrameID, which the caller passes in) and
// the blocks. DCPDataLength beyond the frame: truncated; a block running past
// DCPDataLength: malformed; more than kMaxBlocks blocks: limit_exceeded.
// Get requests (a list of option/suboption pairs without lengths) yield no blocks.
[[nodiscard]] Result<Pdu> parse(std::uint16_t frame_id, Bytes dcp) noexcept;

// What a device says about itself.
struct Identity {
  std::string name_of_station, vendor_value, alias_name;
  std::optional<std::uint16_t> vendor_id, device_id;
  std::optional<std::uint8_t> role;
  std::optional<std::uint16_t> instance;
  IpAddr ip{}, mask{}, gateway{};
};
[[nodiscard]] Identity identity(const Pdu& pdu) noexcept;

// Vendor name for a PROFINET VendorID from the few we verified, or "".
[[nodiscard]] std::string_view vendor_name(std::uint16_t vendor_id) noexcept;

// Facts on the sender (when the PDU describes it) and Operations.
void emit(const Pdu& pdu, Sink& sink) noexcept;

// Registry entry (EtherType 0x8892): payload = pkt.l2_payload, from the FrameID.
void on_frame(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::pn_dcp
