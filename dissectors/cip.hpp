// CIP explicit messaging (ODVA CIP Vol 1 Ed 3.x): message router request and
// response (§2-4), padded EPATH (Appendix C: port, logical, network, symbolic,
// data segments), Identity object (§5A-2), Multiple Service Packet (§ ),
// Connection Manager Unconnected Send / Forward Open / Large Forward Open /
// Forward Close (§3-5.5). Emits Operations ("cip"), role facts and the identity
// of a device or, behind an Unconnected Send route, of a module in its chassis.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "result.hpp"

namespace mieruka::dissectors::cip {

inline constexpr std::size_t kMaxPathSegments = 32;       // segments walked in one EPATH
inline constexpr std::size_t kMaxRouteLength = 64;        // chars kept of a route ("1/3,2/10.0.0.5")
inline constexpr std::size_t kMaxSymbolLength = 128;      // chars kept of a tag name
inline constexpr std::size_t kMaxMultipleServices = 64;   // services in one Multiple Service Packet
inline constexpr std::size_t kMaxPairedSubRequests = 8;   // MSP sub-requests remembered for their replies
inline constexpr std::size_t kMaxPendingRequests = 16;    // unanswered requests kept per conversation
inline constexpr std::size_t kMaxNesting = 3;             // MSP/Unconnected Send nesting walked
inline constexpr std::size_t kMaxConnections = 16;        // Forward Open routes kept per conversation

// A decoded padded EPATH (CIP Vol 1 Appendix C-1).
struct Path {
  bool has_class = false, has_instance = false, has_attribute = false, has_member = false;
  std::uint32_t class_id = 0, instance = 0, attribute = 0, member = 0;
  bool has_connection_point = false;
  std::uint32_t connection_point = 0;
  bool has_key = false;  // electronic key segment (0x34, format 4)
  std::uint16_t key_vendor = 0, key_device_type = 0, key_product_code = 0;
  std::uint8_t key_major = 0, key_minor = 0;
  std::string route;   // port segments "port/link", comma-joined: "1/3", "2/10.0.0.5"
  std::string symbol;  // ANSI extended symbolic segments, dot-joined: "Program:Main.Tag"
  std::size_t segments = 0;
};

// Parses `path` (exactly the path's bytes). malformed on an unknown segment type
// or a segment running past the end; limit_exceeded past kMaxPathSegments.
[[nodiscard]] Result<Path> parse_path(Bytes path) noexcept;

// Message router request: service, path size (words), path, data (§2-4.1).
struct Request {
  std::uint8_t service = 0;
  Path path;
  Bytes data{};
};
[[nodiscard]] Result<Request> parse_request(Bytes msg) noexcept;

// Message router response: reply service, reserved, general status, additional
// status size (words) and words, data (§2-4.2).
struct Response {
  std::uint8_t service = 0;  // without the 0x80 reply bit
  std::uint8_t general_status = 0;
  std::uint8_t additional_size = 0;     // in words
  std::uint16_t additional_status = 0;  // the first word, when additional_size > 0
  Bytes data{};
};
[[nodiscard]] Result<Response> parse_response(Bytes msg) noexcept;

// Identity object instance attributes 1-7 (CIP Vol 1 Table 5A-2.3).
struct Identity {
  std::uint16_t vendor_id = 0, device_type = 0, product_code = 0;
  std::uint8_t major = 0, minor = 0;
  std::uint16_t status = 0;
  std::uint32_t serial = 0;
  std::string product_name;
  // Which attributes were present (Get_Attribute_List/Single give some of them).
  bool has_vendor = false, has_device_type = false, has_product_code = false, has_revision = false,
       has_status = false, has_serial = false, has_product_name = false;
};
// Get_Attributes_All reply data of the Identity object.
[[nodiscard]] Result<Identity> parse_identity_all(Bytes data) noexcept;
// Get_Attribute_List reply data: count, then (attribute, status, value) each.
[[nodiscard]] Result<Identity> parse_identity_list(Bytes data) noexcept;
// Get_Attribute_Single reply data for `attribute` (1-7).
[[nodiscard]] Result<Identity> parse_identity_single(std::uint32_t attribute, Bytes data) noexcept;

// Unconnected Send request data (CIP Vol 1 Table 3-5.23).
struct UnconnectedSend {
  std::uint8_t priority_tick = 0, timeout_ticks = 0;
  Bytes embedded{};  // the embedded message router request
  Path route;        // route path; route.route holds "port/link"
};
[[nodiscard]] Result<UnconnectedSend> parse_unconnected_send(Bytes data) noexcept;

// Forward Open / Large Forward Open request data (CIP Vol 1 Tables 3-5.16/17).
struct ForwardOpen {
  bool large = false;
  std::uint8_t priority_tick = 0, timeout_ticks = 0;
  std::uint32_t ot_connection_id = 0, to_connection_id = 0;
  std::uint16_t connection_serial = 0, originator_vendor = 0;
  std::uint32_t originator_serial = 0;
  std::uint8_t timeout_multiplier = 0;
  std::uint32_t ot_rpi_us = 0, to_rpi_us = 0;
  std::uint32_t ot_params = 0, to_params = 0;  // 16 bits, or 32 for Large Forward Open
  std::uint8_t transport = 0;                   // transport type/trigger; class = low nibble
  Path connection_path;
  [[nodiscard]] std::uint8_t transport_class() const noexcept { return transport & 0x0F; }
};
[[nodiscard]] Result<ForwardOpen> parse_forward_open(Bytes data, bool large) noexcept;

// Forward Close request data (CIP Vol 1 Table 3-5.20).
struct ForwardClose {
  std::uint8_t priority_tick = 0, timeout_ticks = 0;
  std::uint16_t connection_serial = 0, originator_vendor = 0;
  std::uint32_t originator_serial = 0;
  Path connection_path;
};
[[nodiscard]] Result<ForwardClose> parse_forward_close(Bytes data) noexcept;

// Multiple Service Packet (request or reply data): count, offsets from the start
// of the data, the services in order. Offsets are checked against the data.
struct MultipleServices {
  std::array<Bytes, kMaxMultipleServices> items{};
  std::size_t count = 0;
};
[[nodiscard]] Result<MultipleServices> parse_multiple_services(Bytes data) noexcept;

// "0x%08x" of a serial number; "M.mm" of a revision (tshark's spelling: 4.03).
[[nodiscard]] std::string format_serial(std::uint32_t serial);
[[nodiscard]] std::string format_revision(std::uint8_t major, std::uint8_t minor);

// Explicit messaging over one EtherNet/IP session: pairs requests with replies
// (by a key the caller gives: the encapsulation sender context for SendRRData,
// the CIP sequence count for connected messages) in a bounded table, so that a
// reply is read with its request's class and route. Emits to the Sink.
class Conversation {
 public:
  // One CIP message from the current sender (request or reply: the 0x80 bit decides).
  void on_message(Bytes msg, std::uint64_t pair_key, Sink& sink) noexcept;
  // One connected (class-3) message: `connection_id` from the connected address
  // item, `sequence` the CIP sequence count the reply echoes. A request on a
  // connection opened here is read with that Forward Open's route, so the
  // identity a controller in slot 0 returns lands on the module "1/0".
  void on_connected(Bytes msg, std::uint32_t connection_id, std::uint16_t sequence, Sink& sink) noexcept;

 private:
  struct SubRequest {
    std::uint8_t service = 0;
    bool has_class = false, has_attribute = false;
    std::uint32_t class_id = 0, attribute = 0;
  };
  struct Pending {
    bool used = false;
    std::uint64_t key = 0;
    std::uint64_t order = 0;
    std::uint8_t outer_service = 0;  // the service as sent (0x52 for an Unconnected Send)
    SubRequest req;                  // the request the reply answers (the embedded one)
    std::string route;  // Unconnected Send route of the embedded request
    std::array<SubRequest, kMaxPairedSubRequests> subs{};
    std::size_t sub_count = 0;
    bool forward_open = false;
    std::string connection_route;  // route in a Forward Open's connection path
  };
  struct Connection {
    bool used = false;
    std::uint32_t id = 0;  // O->T connection id (the target's choice, in the reply)
    std::uint64_t order = 0;
    std::string route;
  };

  void on_request(Bytes msg, std::uint64_t key, std::string route, Sink& sink) noexcept;
  void remember_connection(std::uint32_t id, const std::string& route) noexcept;
  void on_response(Bytes msg, std::uint64_t key, Sink& sink) noexcept;
  void emit_request(const Request& req, Pending& p, std::size_t depth, Sink& sink) noexcept;
  void emit_reply(const SubRequest& req, const std::string& route, const Response& rsp, std::size_t depth,
                  const Pending* p, Sink& sink) noexcept;
  Pending* find_pending(std::uint64_t key, std::uint8_t service) noexcept;
  void store(Pending&& p) noexcept;

  std::array<Pending, kMaxPendingRequests> pending_{};
  std::array<Connection, kMaxConnections> connections_{};
  std::uint64_t next_order_ = 0;
  bool request_roles_ = false;
  bool reply_roles_ = false;
};

// Emits identity facts with source "cip_identity" on `who`.
void emit_identity(const Identity& id, const AssetRef& who, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::cip
