// Modbus/TCP: MBAP header (Modbus Messaging on TCP/IP Implementation Guide v1.0b
// §3.1.3) and PDUs (Modbus Application Protocol Specification v1.1b3 §6-§7),
// incl. 17 Report Server ID and 43/14 Read Device Identification, plus the
// Schneider UMAS sub-function carried in function code 0x5A.
//
// parse_adu() turns one ADU into typed records (Mbap, ModbusPdu). The stream
// parser frames ADUs per direction (bounded buffer of one maximum ADU), pairs
// responses with requests by transaction id (bounded table), and emits:
//   Operation  — one per request (client -> server), and one with is_error on
//                each exception response (server -> client);
//   Fact       — role modbus_client / modbus_server (source "modbus"),
//                devices behind a gateway (route "unit:<n>", see make_stream_parser),
//                43/14 objects and 17 server id (source "modbus_device_id");
//   anomaly    — "modbus.<counter>" (bad_protocol_id, bad_length, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::modbus {

// Implementation Guide §3.1.3: 7-byte MBAP; the Length field counts the unit id and
// the PDU. Application Protocol §4.1: PDU ≤ 253 bytes, so Length is 2..254 and an
// ADU is at most 260 bytes.
inline constexpr std::size_t kMbapSize = 7;
inline constexpr std::uint16_t kMinLength = 2;
inline constexpr std::uint16_t kMaxLength = 254;
inline constexpr std::size_t kMaxAduSize = 6 + kMaxLength;  // 260
// Outstanding requests remembered per connection for pairing (oldest dropped).
inline constexpr std::size_t kMaxPending = 64;
// 43/14: Number of Objects is one byte; we keep at most this many per response.
inline constexpr std::size_t kMaxDeviceIdObjects = 255;

// Implementation Guide §3.1.3, MBAP header.
struct Mbap {
  std::uint16_t transaction_id = 0;
  std::uint16_t protocol_id = 0;  // 0 = Modbus
  std::uint16_t length = 0;       // bytes that follow: unit id + PDU
  std::uint8_t unit_id = 0;
};

enum class FunctionClass : std::uint8_t {
  read,
  write,
  diagnostics,
  file_record,
  device_id,
  vendor_specific,
  other,
};

// Application Protocol §6.21, Table "Read Device ID object" (objects 0x00-0xFF).
struct DeviceIdObject {
  std::uint8_t id = 0;
  Bytes value{};
};

// The objects of a 43/14 response where they sit in the PDU: {id, length, value}
// each, read in place, so a response costs no allocation. Only read() makes a
// non-empty view, and it keeps only whole objects: the iterator never leaves
// the bytes it was given.
class DeviceIdObjects {
 public:
  DeviceIdObjects() noexcept = default;

  // The first `want` objects at the front of `bytes` (fewer when one runs past
  // the end: `truncated` is then set and that object and the rest are left out).
  [[nodiscard]] static DeviceIdObjects read(Bytes bytes, std::size_t want, bool& truncated) noexcept {
    truncated = false;
    std::size_t whole = 0, used = 0;  // whole objects, and their bytes
    for (; whole < want; ++whole) {
      if (bytes.size() - used < 2) {
        truncated = true;
        break;
      }
      const std::size_t next = used + 2 + static_cast<std::uint8_t>(bytes[used + 1]);
      if (next > bytes.size()) {
        truncated = true;
        break;
      }
      used = next;
    }
    return DeviceIdObjects(bytes.first(used), whole);
  }

  class iterator {
   public:
    iterator(Bytes rest, std::size_t index) noexcept : rest_(rest), index_(index) {}
    [[nodiscard]] DeviceIdObject operator*() const noexcept {
      const auto len = static_cast<std::uint8_t>(rest_[1]);
      return {static_cast<std::uint8_t>(rest_[0]), rest_.subspan(2, len)};
    }
    iterator& operator++() noexcept {
      rest_ = rest_.subspan(2 + static_cast<std::uint8_t>(rest_[1]));
      ++index_;
      return *this;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.index_ == b.index_; }

   private:
    Bytes rest_;
    std::size_t index_;
  };

  [[nodiscard]] iterator begin() const noexcept { return {raw_, 0}; }
  [[nodiscard]] iterator end() const noexcept { return {{}, count_}; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  // The i-th object (i < size()), found by walking the ones before it.
  [[nodiscard]] DeviceIdObject operator[](std::size_t i) const noexcept {
    iterator it = begin();
    for (; i > 0; --i) ++it;
    return *it;
  }

 private:
  DeviceIdObjects(Bytes raw, std::size_t count) noexcept : raw_(raw), count_(count) {}

  Bytes raw_{};
  std::size_t count_ = 0;
};

// Application Protocol §6.21, 43/14 request and response fields.
struct DeviceIdentification {
  std::uint8_t read_device_id_code = 0;  // 1 basic, 2 regular, 3 extended, 4 one object
  std::uint8_t object_id = 0;            // request: first object wanted
  std::uint8_t conformity_level = 0;     // response
  bool more_follows = false;             // response: 0xFF
  std::uint8_t more_follows_raw = 0;
  std::uint8_t next_object_id = 0;
  std::uint8_t number_of_objects = 0;    // as announced
  DeviceIdObjects objects;               // the ones that fit in the PDU
  bool objects_truncated = false;        // an object ran past the PDU end
};

// Application Protocol §6.13, 17 Report Server ID response.
struct ServerId {
  Bytes server_id{};  // device specific
  std::optional<std::uint8_t> run_indicator;  // 0x00 OFF, 0xFF ON
};

// One PDU, request or response. Fields are filled per function code; a paired
// response also carries its request's address/quantity (from_request).
struct ModbusPdu {
  std::uint8_t function_code = 0;  // exception bit cleared
  bool is_response = false;
  bool is_exception = false;       // function code had 0x80 set
  std::uint8_t exception_code = 0;
  FunctionClass function_class = FunctionClass::other;
  bool known_function = false;

  // Addressing (requests of 1-6, 15, 16, 22, 23, 24; copied into paired responses).
  bool has_range = false;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;
  // 23 Read/Write Multiple registers: the write part.
  std::uint16_t write_address = 0;
  std::uint16_t write_quantity = 0;
  bool from_request = false;       // range copied from the paired request

  std::uint16_t value = 0;         // 5/6 output value, 8 first data word, 11 event count
  std::uint16_t and_mask = 0;      // 22
  std::uint16_t or_mask = 0;       // 22
  std::uint16_t sub_function = 0;  // 8 diagnostics sub-function, 43 MEI type, 0x5A UMAS code
  std::uint8_t byte_count = 0;     // responses of 1-4, 12, 17, 23; requests of 15, 16, 23
  Bytes data{};                    // coil/register/record bytes after the fixed fields

  std::optional<DeviceIdentification> device_id;  // 43/14
  std::optional<ServerId> server_id;              // 17 response
};

struct Adu {
  Mbap mbap;
  ModbusPdu pdu;
  std::size_t size = 0;  // bytes of the ADU (6 + mbap.length)
};

// Name of a function code (exception bit ignored), snake_case, static storage;
// "unknown_function" when not public or known. For 43, `mei` picks the name.
[[nodiscard]] std::string_view function_name(std::uint8_t fc, std::uint16_t mei = 0) noexcept;
[[nodiscard]] FunctionClass classify(std::uint8_t fc) noexcept;
[[nodiscard]] std::string_view to_string(FunctionClass c) noexcept;
// Application Protocol §7 exception codes 1-4, 5, 6, 8, 0x0A, 0x0B.
[[nodiscard]] std::string_view exception_name(std::uint8_t code) noexcept;
// UMAS sub-function names (0x5A), static storage; "umas_unknown" otherwise.
[[nodiscard]] std::string_view umas_name(std::uint8_t umas_fc) noexcept;
// Public function codes and the vendor ones we recognise (0x5A, 0x5B, 65-72, 100-110).
[[nodiscard]] bool is_known_function(std::uint8_t fc) noexcept;

// Parses the first ADU of `bytes` (trailing bytes are ignored; Adu::size says where the
// next one starts). `dir` says whether it is a request (to_server) or a response.
// `request` (optional) is the paired request, used to interpret response data.
// Errors: truncated (fewer bytes than the MBAP length says), malformed (protocol id
// not 0, length outside 2..254, a PDU shorter than its function code requires).
[[nodiscard]] Result<Adu> parse_adu(Bytes bytes, Direction dir = Direction::to_server,
                                    const ModbusPdu* request = nullptr) noexcept;
// Parses a PDU (function code first) of exactly `pdu.size()` bytes.
[[nodiscard]] Result<ModbusPdu> parse_pdu(Bytes pdu, Direction dir, const ModbusPdu* request = nullptr) noexcept;

// Strict check for heuristic detection: a complete, plausible first ADU.
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;

// The per-connection stream parser. Gateway rule: when a connection has carried
// requests for at least two distinct unit ids, each unit id other than 0 and 255
// that produced a normal response (not an exception) is a device behind the
// server: a Fact role=modbus_server is emitted once on the server with route
// "unit:<n>". Exceptions 0x0A/0x0B (gateway path unavailable / target failed to
// respond) only come from gateways: they add class_hint=protocol_gateway.
[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::modbus
