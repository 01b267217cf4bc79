// EtherNet/IP encapsulation (ODVA CIP Vol 2 Ed 1.x, Chapter 2): the 24-byte
// header (§2-3), every command (§2-4), the common packet format (§2-6), the
// ListIdentity CIP Identity item (§2-4.2.3, Table 2-4.4), TCP framing per
// direction, UDP datagrams (44818) and class-1 I/O datagrams (UDP 2222, §3-3).
// CIP inside SendRRData / SendUnitData goes to cip::Conversation.
// Emits facts ("enip_list_identity", roles) and Operations ("cip", "cip_io").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "cip.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "registry.hpp"
#include "result.hpp"
#include "stream_framer.hpp"

namespace mieruka::dissectors::enip {

inline constexpr std::size_t kHeaderSize = 24;
// The whole message must fit a 16-bit length including the header (Vol 2 §2-3.1).
inline constexpr std::size_t kMaxBodyLength = 65535 - kHeaderSize;
inline constexpr std::size_t kMaxBufferedBytes = kMaxBodyLength + kHeaderSize;  // per direction
inline constexpr std::size_t kMaxCpfItems = 16;  // items in one common packet format list
inline constexpr std::uint16_t kPort = 44818;
inline constexpr std::uint16_t kIoPort = 2222;

// Encapsulation commands (Vol 2 Table 2-3.2).
namespace command {
inline constexpr std::uint16_t nop = 0x0000, list_services = 0x0004, list_identity = 0x0063,
                               list_interfaces = 0x0064, register_session = 0x0065,
                               unregister_session = 0x0066, send_rr_data = 0x006F, send_unit_data = 0x0070,
                               indicate_status = 0x0072, cancel = 0x0073;
}
// Common packet format item type ids (Vol 2 Table 2-6.3).
namespace item {
inline constexpr std::uint16_t null_address = 0x0000, list_identity = 0x000C, connected_address = 0x00A1,
                               connected_data = 0x00B1, unconnected_data = 0x00B2, list_services = 0x0100,
                               sockaddr_ot = 0x8000, sockaddr_to = 0x8001, sequenced_address = 0x8002;
}

// "list_identity", or "" for a command we do not know.
[[nodiscard]] std::string_view command_name(std::uint16_t cmd) noexcept;
[[nodiscard]] std::string_view item_name(std::uint16_t type) noexcept;

// Encapsulation header (Vol 2 Table 2-3.1), all little-endian.
struct Header {
  std::uint16_t command = 0;
  std::uint16_t length = 0;  // bytes after the header
  std::uint32_t session = 0;
  std::uint32_t status = 0;
  std::uint64_t context = 0;  // sender context, 8 opaque bytes read as LE
  std::uint32_t options = 0;
};
[[nodiscard]] Result<Header> parse_header(Bytes b) noexcept;

struct CpfItem {
  std::uint16_t type = 0;
  Bytes data{};
};
struct Cpf {
  std::array<CpfItem, kMaxCpfItems> items{};
  std::size_t count = 0;
  [[nodiscard]] const CpfItem* find(std::uint16_t type) const noexcept {
    for (std::size_t i = 0; i < count; ++i)
      if (items[i].type == type) return &items[i];
    return nullptr;
  }
};
// Item count, then (type, length, data) per item; lengths checked. Fills `out`
// (a caller's list, not a returned copy: it is 392 bytes and parsed on every
// class-1 I/O datagram); on failure `out` holds the items read before it.
[[nodiscard]] Result<Ok> parse_cpf(Bytes b, Cpf& out) noexcept;

// CIP Identity item of a ListIdentity reply (Vol 2 Table 2-4.4). The socket
// address is a sockaddr_in: big-endian, unlike the rest of the encapsulation.
struct Identity {
  std::uint16_t protocol_version = 0;
  std::int16_t sin_family = 0;
  std::uint16_t sin_port = 0;
  IpAddr sin_addr{};
  std::uint16_t vendor_id = 0, device_type = 0, product_code = 0;
  std::uint8_t major = 0, minor = 0;
  std::uint16_t status = 0;
  std::uint32_t serial = 0;
  std::string_view product_name;  // in the parsed bytes: valid while they are
  std::uint8_t state = 0;
  bool has_state = false;  // some adapters end the item after the name
};
[[nodiscard]] Result<Identity> parse_identity(Bytes item_data) noexcept;
void emit_identity(const Identity& id, Sink& sink) noexcept;

// Strict check of an encapsulation header for claiming a flow.
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;

// State of one EtherNet/IP session (a TCP connection, or the datagrams of one call).
class Session {
 public:
  // One whole encapsulated message (header + body) from the current sender.
  void on_message(Direction dir, const Header& h, Bytes body, Sink& sink) noexcept;

 private:
  cip::Conversation cip_;
  bool to_server_roles_ = false, to_client_roles_ = false;
};

// TCP stream parser (both directions of one connection): frames the
// encapsulated messages through a LengthFramer (stream_framer.hpp).
class StreamParser final : public dissectors::StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override { framer_.on_data(dir, data, *this, sink); }
  void on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept override { framer_.on_gap(dir, lost, sink); }
  void on_eof(Direction dir, Sink& sink) noexcept override { framer_.on_eof(dir, sink); }
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override { return framer_.buffered_bytes(); }

  // The framer's side.
  [[nodiscard]] static FrameSize measure(Direction dir, Bytes front) noexcept;
  [[nodiscard]] static Resync resync(Direction dir, Bytes front) noexcept;
  void on_frame(Direction dir, Bytes message, Sink& sink) noexcept;

 private:
  static const LengthFraming kFraming;
  LengthFramer framer_{kFraming};
  Session session_;
};

[[nodiscard]] std::unique_ptr<dissectors::StreamParser> make_stream_parser();
// UDP 44818: one or more encapsulated messages in one datagram (ListIdentity).
void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;
// UDP 2222: class-0/1 I/O (CPF with a sequenced address and connected data item).
void on_io_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::enip
