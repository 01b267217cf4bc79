// DHCP: DHCPv4 (RFC 2131 §2 BOOTP header, RFC 2132 options, RFC 4702 client FQDN,
// RFC 3004 user class) on UDP 67/68, and a cheap DHCPv6 (RFC 8415 §8 client/server
// messages, §21 options) on UDP 546/547.
// Emits, on the client station (chaddr for v4, the client party for v6): host
// name, vendor class, client identifier, parameter-request-list fingerprint, FQDN,
// user class, vendor-specific info (hex, capped); the "dhcp_server" role on the
// sender of OFFER/ACK (Advertise/Reply); the host name a server's OFFER/ACK gives
// chaddr; and the leased address (ACK yiaddr, Reply IA_NA addresses) as an ip
// fact. A REQUEST's requested IP and an OFFER's yiaddr are not bound: the server
// may still refuse the one, the client decline the other.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "byte_reader.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::dhcp {

inline constexpr std::uint16_t kServerPort = 67, kClientPort = 68;
inline constexpr std::uint16_t kV6ClientPort = 546, kV6ServerPort = 547;
inline constexpr std::size_t kBootpHeaderSize = 236;  // RFC 2131 Figure 1, up to `file`
inline constexpr std::uint32_t kMagicCookie = 0x63825363;  // RFC 2131 §3
inline constexpr std::size_t kMaxOptions = 255;         // options walked per message
inline constexpr std::size_t kMaxVendorInfoBytes = 64;  // option 43 kept as hex up to this
inline constexpr std::size_t kMaxClientIdBytes = 64;    // option 61 / DUID kept as hex up to this
inline constexpr std::size_t kMaxV6Addresses = 8;       // IA_NA addresses kept per message
inline constexpr std::size_t kMaxFqdnLength = 255;

// DHCP message types, option 53 (RFC 2132 §9.6).
namespace msg {
inline constexpr std::uint8_t discover = 1, offer = 2, request = 3, decline = 4, ack = 5, nak = 6,
                              release = 7, inform = 8;
}
// "discover", ..., or "" for another value.
[[nodiscard]] std::string_view message_type_name(std::uint8_t type) noexcept;

// One DHCPv4 message: the BOOTP header fields we use and the options we decode.
// Views point into the parsed bytes.
struct Message {
  std::uint8_t op = 0;  // 1 BOOTREQUEST, 2 BOOTREPLY
  MacAddr chaddr{};     // htype 1 / hlen 6 only
  IpAddr ciaddr{}, yiaddr{}, siaddr{}, giaddr{};
  bool has_cookie = false;             // a BOOTP message without options has none
  std::uint8_t message_type = 0;       // option 53, 0 when absent (plain BOOTP)
  std::string_view hostname;           // option 12
  std::string_view vendor_class;       // option 60
  Bytes client_id{};                   // option 61 (type byte first)
  IpAddr requested_ip{};               // option 50
  IpAddr server_id{};                  // option 54
  std::string fingerprint;             // option 55 as "1,3,6,15"
  std::string fqdn;                    // option 81, ASCII or wire-decoded
  std::string user_class;              // option 77, instances joined by ","
  Bytes vendor_info{};                 // option 43
  std::size_t option_count = 0;
};

// Parses a DHCPv4/BOOTP message. htype/hlen other than Ethernet is unsupported;
// an option running past the end is malformed (truncated when the message is
// shorter than the header); more than kMaxOptions options is limit_exceeded.
[[nodiscard]] Result<Message> parse(Bytes b) noexcept;

// DHCPv6 message types (RFC 8415 §7.3).
namespace msg6 {
inline constexpr std::uint8_t solicit = 1, advertise = 2, request = 3, confirm = 4, renew = 5, rebind = 6,
                              reply = 7, release = 8, decline = 9, reconfigure = 10, information_request = 11,
                              relay_forw = 12, relay_repl = 13;
}

struct V6Message {
  std::uint8_t msg_type = 0;
  Bytes client_duid{};               // option 1
  std::string fqdn;                  // option 39 (RFC 4704), wire-decoded
  std::string vendor_class;          // option 16: "<enterprise>:<first class data>"
  std::array<IpAddr, kMaxV6Addresses> addresses{};  // IA_NA (3) / IAADDR (5)
  std::size_t address_count = 0;
  std::size_t option_count = 0;
};

// Parses a DHCPv6 client/server message. Relay messages are unsupported.
[[nodiscard]] Result<V6Message> parse_v6(Bytes b) noexcept;

// Decodes an uncompressed DNS wire-format name (RFC 1035 §3.1, as used in DHCP
// FQDN options) into dotted form; nullopt when labels run past the end.
[[nodiscard]] std::optional<std::string> wire_name(Bytes b) noexcept;

// UDP 67/68 and 546/547 entry points.
void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;
void on_v6_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::dhcp
