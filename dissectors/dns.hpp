// DNS wire format (RFC 1035 §4.1: header, questions, resource records, §4.1.4
// name compression; RFC 3596 AAAA; RFC 2782 SRV), shared by three sources:
// unicast DNS (UDP 53), multicast DNS / DNS-SD (RFC 6762/6763, UDP 5353) and
// LLMNR (RFC 4795, UDP 5355).
// Emits: DNS — the names each device looks up ("dns_query") and the "dns_server"
// role; names in answers are NOT bound to addresses (the address may be anywhere,
// and no MAC is known for it). mDNS — host names whose A/AAAA record is the
// sender's own address, without the ".local" domain ("plc-3.local" -> "plc-3"),
// DNS-SD service instances ("mdns:<instance>"), TXT model/vendor keys. LLMNR —
// queried names, and the sender's own name from responses that bind it to the
// sender's address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "byte_reader.hpp"
#include "fixed_text.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::dns {

inline constexpr std::uint16_t kDnsPort = 53, kMdnsPort = 5353, kLlmnrPort = 5355;
inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxNameLength = 255;   // wire form, RFC 1035 §2.3.4
inline constexpr std::size_t kMaxLabelLength = 63;   // RFC 1035 §2.3.4
inline constexpr std::size_t kMaxPointerJumps = 16;  // compression pointers followed per name
inline constexpr std::size_t kMaxQuestions = 64;     // mDNS queries batch many questions
inline constexpr std::size_t kMaxRecords = 128;      // answer + authority + additional
inline constexpr std::size_t kMaxTxtStrings = 32;    // character-strings kept per TXT record

// Record types we decode (RFC 1035 §3.2.2, RFC 3596, RFC 2782).
namespace type {
inline constexpr std::uint16_t a = 1, cname = 5, ptr = 12, hinfo = 13, txt = 16, aaaa = 28, srv = 33;
}

// A name's dotted text (no trailing dot; "" is the root) is shorter than its
// wire form, so it fits inline: parsing into a reused Message allocates nothing.
using Name = FixedText<kMaxNameLength>;

struct Question {
  Name name;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;  // mDNS: top bit is "unicast response wanted"
};

// Bytes and text views point into the parsed message.
struct Record {
  Name name;
  std::uint16_t rtype = 0;
  std::uint16_t rclass = 0;  // mDNS: top bit is "cache flush"
  std::uint32_t ttl = 0;
  Bytes rdata{};               // the raw RDATA
  IpAddr address{};            // A / AAAA
  Name target;                 // PTR / CNAME domain, SRV target
  std::uint16_t port = 0;      // SRV
  FixedList<std::string_view, kMaxTxtStrings> txt;  // TXT character-strings (the first kMaxTxtStrings)
  std::string_view cpu, os;    // HINFO
};

struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  [[nodiscard]] bool response() const noexcept { return (flags & 0x8000) != 0; }
  [[nodiscard]] std::uint8_t opcode() const noexcept { return static_cast<std::uint8_t>((flags >> 11) & 0xF); }
  [[nodiscard]] std::uint8_t rcode() const noexcept { return static_cast<std::uint8_t>(flags & 0xF); }
  std::vector<Question> questions;
  std::vector<Record> answers, authority, additional;
};

// Reads a possibly compressed name starting at `offset` of `message`. On success
// `offset` is past the name where it sits (a pointer ends it). Pointers must point
// backwards (RFC 1035 §4.1.4: "a prior occurrence"), at most kMaxPointerJumps are
// followed; labels above 63 bytes, the reserved 0x40/0x80 label types and names
// above 255 bytes are malformed; a name running off the end is truncated.
[[nodiscard]] Result<Ok> read_name(Bytes message, std::size_t& offset, Name& out) noexcept;
[[nodiscard]] Result<std::string> read_name(Bytes message, std::size_t& offset) noexcept;

// Parses a whole message. Counts above kMaxQuestions/kMaxRecords are
// limit_exceeded (checked before anything is reserved). With `decode_rdata`
// false only Record::rdata is set (NBNS reuses the format with its own types:
// NBSTAT is 0x21, the value of SRV).
[[nodiscard]] Result<Message> parse(Bytes b, bool decode_rdata = true) noexcept;
// The same into `out`, whose vectors keep their capacity: a reused Message
// makes parsing allocation-free once it has held the largest message seen.
// On failure `out` holds what was read.
[[nodiscard]] Result<Ok> parse(Bytes b, Message& out, bool decode_rdata = true) noexcept;

// UDP entry points: 53 (source "dns"), 5353 ("mdns"), 5355 ("llmnr").
void on_dns_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;
void on_mdns_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;
void on_llmnr_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::dns
