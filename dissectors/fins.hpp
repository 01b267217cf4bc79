// Omron FINS (FINS Commands Reference Manual W342: §3 FINS frame format, §5
// command list, §8 end codes) over UDP (one frame per datagram) and over TCP (the
// FINS/TCP header of the CS/CJ Ethernet Unit Operation Manual W421 §6: "FINS",
// length, command, error code; node address handshake commands 0 and 1).
//
// parse_frame() turns one FINS frame into a typed record (FinsFrame); the stream
// parser frames FINS/TCP messages per direction (bounded buffer), pairs responses
// with requests by SID (bounded table) and emits:
//   Operation  — one per command (memory area read/write with area and range,
//                RUN/STOP and program writes as is_control), one with is_error per
//                error response;
//   Fact       — role fins_client / fins_server and the responder's FINS address
//                "fins_node" = "net.node.unit" (source "fins"); FINS/TCP node
//                numbers "fins_tcp_node" (source "fins_tcp"); Controller Data Read
//                (0501) response: vendor, product (model), revision (version),
//                class_hint plc (source "fins_controller_data");
//   anomaly    — "fins.<counter>".
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

namespace mieruka::dissectors::fins {

// W342 §3: 10-byte header (ICF RSV GCT DNA DA1 DA2 SNA SA1 SA2 SID), then MRC SRC,
// and MRES SRES in responses.
inline constexpr std::size_t kHeaderSize = 10;
inline constexpr std::size_t kMinCommand = kHeaderSize + 2;
inline constexpr std::size_t kMinResponse = kHeaderSize + 4;
// W342 §3: a FINS frame on Ethernet is at most 2,012 bytes.
inline constexpr std::size_t kMaxFrame = 2012;
// FINS/TCP header: "FINS", length (bytes after the length field), command, error code.
inline constexpr std::size_t kTcpHeaderSize = 16;
inline constexpr std::uint32_t kTcpMinLength = 8;
inline constexpr std::uint32_t kTcpMaxLength = 8 + kMaxFrame;
// Requests remembered per connection for pairing by SID (oldest dropped).
inline constexpr std::size_t kMaxPending = 32;

inline constexpr std::string_view kVendor = "Omron";

struct Header {
  std::uint8_t icf = 0;  // bit 7 gateway, bit 6 response, bit 0 no response required
  std::uint8_t rsv = 0;
  std::uint8_t gct = 0;  // gateway count
  std::uint8_t dna = 0, da1 = 0, da2 = 0;  // destination network, node, unit
  std::uint8_t sna = 0, sa1 = 0, sa2 = 0;  // source network, node, unit
  std::uint8_t sid = 0;                    // service id
  [[nodiscard]] bool is_response() const noexcept { return (icf & 0x40) != 0; }
};

struct FinsFrame {
  Header header;
  std::uint8_t mrc = 0, src = 0;  // main / sub request code
  std::uint8_t mres = 0, sres = 0;  // responses, as on the wire (flag bits included)
  Bytes data{};                   // after the command code (requests) or end code
  [[nodiscard]] std::uint16_t command() const noexcept { return static_cast<std::uint16_t>((mrc << 8) | src); }
  // W342 §8: MRES bit 7 = relay error, SRES bits 6/7 = non-fatal/fatal CPU error.
  [[nodiscard]] std::uint16_t end_code() const noexcept {
    return static_cast<std::uint16_t>(((mres & 0x7F) << 8) | (sres & 0x3F));
  }
};

// FINS/TCP message header.
struct TcpHeader {
  std::uint32_t length = 0;   // bytes after this field: command + error code + data
  std::uint32_t command = 0;  // 0 client node address, 1 server node address, 2 frame send, 3 error, 6 confirmation
  std::uint32_t error = 0;
};

// Memory area access (0101/0102/0103): area and range.
struct MemoryRange {
  std::uint8_t area = 0;
  std::uint16_t address = 0;  // word address
  std::uint8_t bit = 0;
  std::uint16_t items = 0;
};

// Controller Data Read (0501) response: model and version (20 characters each,
// trailing spaces/NULs trimmed); version is empty when the response stops after
// the model.
struct ControllerData {
  std::string_view model;
  std::string_view version;
};

// Parses one whole FINS frame (`bytes` is exactly the frame). Errors: malformed
// (shorter than the fixed fields, reserved ICF bits set), limit_exceeded (above
// kMaxFrame).
[[nodiscard]] Result<FinsFrame> parse_frame(Bytes bytes) noexcept;
// Parses a FINS/TCP header. Errors: need_more, malformed (bad magic, length below
// 8), limit_exceeded (length above kTcpMaxLength).
[[nodiscard]] Result<TcpHeader> parse_tcp_header(Bytes bytes) noexcept;
[[nodiscard]] Result<MemoryRange> parse_memory_range(const FinsFrame& request) noexcept;
[[nodiscard]] Result<ControllerData> parse_controller_data(const FinsFrame& response) noexcept;

// Names (snake_case, static storage).
[[nodiscard]] std::string_view command_name(std::uint16_t command) noexcept;
[[nodiscard]] std::string_view end_code_name(std::uint16_t end_code) noexcept;
[[nodiscard]] std::string_view area_name(std::uint8_t area) noexcept;
[[nodiscard]] std::string_view tcp_error_name(std::uint32_t error) noexcept;

// Strict checks for heuristic detection (a complete first message, known command).
[[nodiscard]] bool probe_udp(Bytes first_payload, Direction dir) noexcept;
[[nodiscard]] bool probe_tcp(Bytes first_payload, Direction dir) noexcept;

// FINS/UDP: one frame per datagram.
void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::fins
