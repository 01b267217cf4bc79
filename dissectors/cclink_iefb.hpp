// CC-Link IE Field Basic cyclic transmission over UDP 61450 (CLPA
// BAP-C2010ENG-001; frame layout as in rt-labs c-link src/common/cl_types.h, which
// implements that specification): the master's cyclic data request (an SLMP-style
// request header 0x5000 ... command 0x0E70 / sub 0x0000, cyclic header, master
// station notification, cyclic data header, slave IDs, RWw, RY) and each slave's
// response (header 0xD000, cyclic header with end code, slave station
// notification: vendor code, model code, equipment version; cyclic data header:
// slave ID, group, frame sequence; RWr, RX). UDP 61451 is SLMP (node search, IP
// address set), not this protocol.
//
// on_datagram() emits:
//   Operation  — protocol "cclink_iefb", name "cyclic" for every frame (code 0x0E70
//                on requests, 0 on responses; a response end code other than 0
//                is_error).
//   Fact       — role cclink_master (request sender) / cclink_slave (response
//                sender); master: "cclink_group", "cclink_occupied_stations";
//                slave: "cclink_vendor_code", "cclink_model_code",
//                "cclink_device_version" as hex (source "cclink_iefb").
//   anomaly    — "cclink_iefb.<counter>".
// The link scan time is not carried in the frames (the master measures it), so
// it is not emitted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::cclink_iefb {

inline constexpr std::uint16_t kRequestSubheader = 0x5000;   // big-endian on the wire
inline constexpr std::uint16_t kResponseSubheader = 0xD000;
inline constexpr std::uint16_t kCommandCyclic = 0x0E70;
// Bytes up to and including the data length field (subheader, network, station,
// module I/O, multidrop, length); the length counts what follows it.
inline constexpr std::size_t kLengthOffset = 9;
// Occupied stations per group (c-link CL_CCIEFB_MAX_OCCUPIED_STATIONS_PER_GROUP)
// and over all groups.
inline constexpr std::uint16_t kMaxOccupiedPerGroup = 16;
inline constexpr std::uint16_t kMaxOccupied = 64;
// One UDP payload (c-link CL_BUFFER_LEN).
inline constexpr std::size_t kMaxFrame = 1500;

struct Request {
  std::uint16_t protocol_version = 0;
  std::uint16_t master_local_unit_info = 0;  // 0 stopped, 1 running, 2 stopped by user
  std::uint64_t clock_info = 0;              // Unix time in ms
  std::uint32_t master_id = 0;               // the master's IPv4 address
  std::uint8_t group = 0;
  std::uint16_t frame_sequence = 0;
  std::uint16_t timeout_ms = 0;
  std::uint16_t parallel_off_timeout_count = 0;
  std::uint16_t parameter_no = 0;
  std::uint16_t occupied_stations = 0;       // slaves' occupied stations in this group
  std::uint16_t cyclic_transmission_state = 0;
  Bytes slave_ids{};                         // 4 bytes per occupied station
};

struct Response {
  std::uint16_t protocol_version = 0;
  std::uint16_t end_code = 0;
  std::uint16_t vendor_code = 0;
  std::uint32_t model_code = 0;
  std::uint16_t equipment_version = 0;
  std::uint16_t slave_local_unit_info = 0;
  std::uint16_t slave_error_code = 0;
  std::uint32_t slave_id = 0;                // the slave's IPv4 address
  std::uint8_t group = 0;
  std::uint16_t frame_sequence = 0;
};

// Errors: malformed (wrong subheader or fixed fields, length beyond the datagram,
// occupied stations beyond the data), unsupported (a command other than cyclic),
// limit_exceeded (occupied stations above kMaxOccupiedPerGroup).
[[nodiscard]] Result<Request> parse_request(Bytes bytes) noexcept;
[[nodiscard]] Result<Response> parse_response(Bytes bytes) noexcept;

void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::cclink_iefb
