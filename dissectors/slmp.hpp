// Mitsubishi Electric SLMP / MC protocol (MELSEC Communication Protocol Reference
// Manual SH-080008; SLMP Reference Manual SH-080956ENG): 3E and 4E frames in binary
// (subheader 0x5000/0xD000, 0x5400/0xD400 + serial number) and ASCII ("5000",
// "D000", "5400", "D400" as hexadecimal text), and the A-compatible 1E frame
// (subheader = command 0x00-0x3F, response with bit 7 set, PC number 0xFF).
//
// parse_frame() turns one 3E/4E frame into a typed record (Frame). The stream
// parser frames messages per direction (bounded buffer), pairs responses with
// requests (4E by serial number, 3E in order, bounded queue), and emits:
//   Operation  — one per request (batch read/write with the device and range,
//                remote RUN/STOP/PAUSE/RESET/latch clear as is_control...), one
//                with is_error per error response;
//   Fact       — role slmp_client / slmp_server (source "slmp"); Read Type Name
//                (0101) response: vendor, product (model name), slmp_model_code,
//                class_hint plc (source "slmp_type_name");
//   anomaly    — "slmp.<counter>".
// on_datagram() does the same for SLMP over UDP (one frame per datagram; responses
// are not paired, a Type Name response is recognised by its shape).
// on_node_search_datagram() reads UDP 61451, where an engineering tool or a CC-Link
// IE Field Basic master broadcasts Node Search (0E30) and IP Address Set (0E31) in
// 4E binary frames, and emits:
//   Operation  — "node_search" / "ip_address_set" (is_write, is_control) for the
//                request; role slmp_client for its sender (source "slmp");
//   Fact       — for the responder named in a Node Search response (its MAC and IP
//                from the response data, source "slmp_node_search"): ip,
//                "slmp_subnet_mask", vendor_id (vendor code), product_code (model
//                code), revision (equipment version), hostname when sent,
//                "slmp_node_status", role slmp_server. Codes as hexadecimal text,
//                as on the wire; no vendor or model name is derived from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::slmp {

// SH-080956ENG §4 (message formats): binary 3E header = subheader 2, network no 1,
// PC no 1, request destination module I/O no 2, station no 1, data length 2.
inline constexpr std::size_t kBinary3eHeader = 9;
// 4E adds a serial number (2) and 2 fixed zero bytes after the subheader.
inline constexpr std::size_t kBinary4eHeader = 13;
// ASCII doubles every byte: 4+2+2+4+2+4 characters, and +8 for 4E.
inline constexpr std::size_t kAscii3eHeader = 18;
inline constexpr std::size_t kAscii4eHeader = 26;
// Our cap on the request/response data length. The largest legal message (batch
// write of 960 words in ASCII: 3,840 characters + fixed fields) stays well below.
inline constexpr std::size_t kMaxDataLength = 8192;
// Requests remembered per connection for pairing (oldest dropped).
inline constexpr std::size_t kMaxPending = 32;
// The 1E frame has no length field; a 1E message is at most this long here.
inline constexpr std::size_t kMax1eMessage = 2048;

inline constexpr std::string_view kVendor = "Mitsubishi Electric";

enum class FrameKind : std::uint8_t { e3_binary, e4_binary, e3_ascii, e4_ascii };

// SH-080956ENG §4.1 "Request destination" (access route).
struct AccessRoute {
  std::uint8_t network = 0;     // 0x00 = own network
  std::uint8_t pc = 0;          // 0xFF = own station
  std::uint16_t module_io = 0;  // 0x03FF = own CPU
  std::uint8_t station = 0;
};

// One 3E/4E frame; ASCII fields are converted to their binary values.
struct Frame {
  FrameKind kind = FrameKind::e3_binary;
  bool is_response = false;
  std::uint16_t serial = 0;        // 4E only
  AccessRoute route;
  std::uint16_t data_length = 0;   // as in the header (characters for ASCII)
  // Requests.
  std::uint16_t timer = 0;         // monitoring timer, 250 ms units
  std::uint16_t command = 0;
  std::uint16_t subcommand = 0;
  // Responses.
  std::uint16_t end_code = 0;      // 0 = normal completion
  Bytes data{};                    // after subcommand / end code, as on the wire
  std::size_t size = 0;            // bytes of the whole frame

  [[nodiscard]] bool ascii() const noexcept { return kind == FrameKind::e3_ascii || kind == FrameKind::e4_ascii; }
  [[nodiscard]] bool four_e() const noexcept { return kind == FrameKind::e4_binary || kind == FrameKind::e4_ascii; }
};

// A device of the batch read/write commands (SH-080956ENG §5 device code list).
struct Device {
  std::string_view name;        // "D", "M", "ZR", ...
  std::uint16_t code = 0;       // binary device code
  std::uint32_t number = 0;     // head device number
  std::uint16_t points = 0;     // number of device points
  bool known = false;           // the code is in our table
};

// Parses the first frame of `bytes` (3E/4E, binary or ASCII; the kind is read
// from the subheader). Errors: need_more (fewer bytes than the header or its
// length says), malformed (unknown subheader, bad hex, a data length below the
// fixed fields), limit_exceeded (data length above kMaxDataLength).
[[nodiscard]] Result<Frame> parse_frame(Bytes bytes) noexcept;

// Batch read/write (0401/1401) request data: the head device and points.
[[nodiscard]] Result<Device> parse_batch_device(const Frame& request) noexcept;

// Read Type Name (0101) response data: model name (16 characters, trailing spaces
// trimmed) and model code.
struct TypeName {
  std::string_view model;
  std::uint16_t model_code = 0;
};
[[nodiscard]] Result<TypeName> parse_type_name(const Frame& response) noexcept;

// Node Search (0E30), SLMP §5 / CC-Link IE Field Basic: UDP 61451 (rtlabs-com/c-link
// src/common/cl_types.h CL_SLMP_PORT and cl_slmp_node_search_request/_resp). MAC
// addresses are sent in reverse byte order, IPv4 addresses as little-endian 32-bit
// words; every address field after an "IP address size" byte has that size (only 4,
// IPv4, is read; other sizes are unsupported).
inline constexpr std::uint16_t kNodeSearchPort = 61451;
inline constexpr std::uint16_t kCmdNodeSearch = 0x0E30;
inline constexpr std::uint16_t kCmdIpAddressSet = 0x0E31;

// Request data: client MAC (6), client IP size (1), client IP.
struct NodeSearchRequest {
  MacAddr client_mac;
  IpAddr client_ip;
};
// Response data: client MAC (6), client IP size (1), client IP, server MAC (6),
// server IP size (1), server IP, subnet mask, default gateway, host name size (1),
// host name, vendor code (2), model code (4), equipment version (2), target IP
// size (1), target IP, target port (2), server status (2), server port (2), server
// protocol (1: 1 = UDP, 2 = TCP).
struct NodeSearchResponse {
  MacAddr client_mac;
  IpAddr client_ip;
  MacAddr server_mac;
  IpAddr server_ip;
  IpAddr subnet_mask;
  IpAddr gateway;
  std::string_view hostname;  // as sent (no padding in the format)
  std::uint16_t vendor_code = 0;
  std::uint32_t model_code = 0;
  std::uint16_t equipment_version = 0;
  std::uint16_t server_status = 0;
  std::uint16_t server_port = 0;
  std::uint8_t server_protocol = 0;
};
// Errors: malformed (data shorter than its fields or a host name size beyond the
// data, trailing bytes), unsupported (an address size other than 4, a binary 4E
// frame of another command).
[[nodiscard]] Result<NodeSearchRequest> parse_node_search_request(const Frame& request) noexcept;
[[nodiscard]] Result<NodeSearchResponse> parse_node_search_response(const Frame& response) noexcept;

// Names (snake_case, static storage).
[[nodiscard]] std::string_view command_name(std::uint16_t command) noexcept;
[[nodiscard]] std::string_view end_code_name(std::uint16_t end_code) noexcept;
[[nodiscard]] std::string_view mc1e_command_name(std::uint8_t command) noexcept;

// Strict check for heuristic detection: a complete, plausible first frame
// (3E/4E binary or ASCII, or a 1E request of a known fixed length).
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;

// SLMP over UDP: one frame per datagram.
void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

// SLMP node search and IP address set over UDP 61451.
void on_node_search_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::slmp
