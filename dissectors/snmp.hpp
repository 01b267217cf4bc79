// SNMP v1/v2c (RFC 1157 §4, RFC 3416 §3, RFC 1901) over UDP 161/162, read with a
// small BER decoder (X.690 §8.1: definite lengths only, short and long form up
// to 4 length bytes; constructed values nested at most kMaxDepth deep).
// SNMPv3 (RFC 3412) is recognised and counted, not decoded.
// Emits: "snmp_agent"/"snmp_manager" roles; from GetResponse PDUs, the MIB-II
// system group (RFC 3418: sysDescr -> description, sysObjectID -> "sys_object_id"
// and "snmp_enterprise", sysContact -> "contact", sysName -> name, sysLocation ->
// location) on the agent that answered, and what sysDescr states in a format
// sysdescr.cpp knows (vendor, product, model, revision, ...); an Operation per
// PDU (set_request is a write); a security fact when the agent accepts a default
// community ("public"/"private"). Community strings are passwords: no other
// value is kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::snmp {

inline constexpr std::uint16_t kAgentPort = 161, kTrapPort = 162;
inline constexpr std::size_t kMaxLengthBytes = 4;  // long-form length octets accepted
inline constexpr std::size_t kMaxDepth = 8;        // nested constructed values
inline constexpr std::size_t kMaxVarbinds = 256;   // varbinds decoded per PDU
inline constexpr std::size_t kMaxOidArcs = 128;    // sub-identifiers per OID
inline constexpr std::size_t kMaxValueText = 1024; // octet-string values kept per varbind

// BER tags used by SNMP (X.690, RFC 1155 §3.2.3, RFC 2578 §7.1, RFC 3416 §3).
namespace tag {
inline constexpr std::uint8_t integer = 0x02, octet_string = 0x04, null = 0x05, oid = 0x06, sequence = 0x30,
                              ip_address = 0x40, counter32 = 0x41, gauge32 = 0x42, timeticks = 0x43,
                              opaque = 0x44, counter64 = 0x46, no_such_object = 0x80, no_such_instance = 0x81,
                              end_of_mib_view = 0x82;
}
namespace pdu {
inline constexpr std::uint8_t get = 0xA0, get_next = 0xA1, response = 0xA2, set = 0xA3, trap_v1 = 0xA4,
                              get_bulk = 0xA5, inform = 0xA6, trap_v2 = 0xA7, report = 0xA8;
}

// One BER element: its tag and its contents.
struct Tlv {
  std::uint8_t tag = 0;
  Bytes value{};
};
// Reads one element. Indefinite length (0x80) is unsupported; more than
// kMaxLengthBytes length octets is limit_exceeded; a length above what is left is
// truncated; high tag numbers (0x1f) are unsupported.
[[nodiscard]] Result<Tlv> read_tlv(ByteReader& r) noexcept;

// Walks a constructed element's contents, checking every nested length, at most
// kMaxDepth levels deep (depth counts from 1 for `value`'s own level).
[[nodiscard]] Result<Ok> check_nesting(Bytes value, std::size_t depth) noexcept;

// A two's-complement INTEGER of at most 8 content bytes (9 for a leading zero).
[[nodiscard]] std::optional<std::int64_t> read_integer(Bytes value) noexcept;
// Unsigned Counter/Gauge/TimeTicks/Counter64 contents.
[[nodiscard]] std::optional<std::uint64_t> read_unsigned(Bytes value) noexcept;
// Dotted OID ("1.3.6.1.2.1.1.1.0"); nullopt when a sub-identifier is not closed,
// exceeds 32 bits, or the OID has more than kMaxOidArcs arcs.
[[nodiscard]] std::optional<std::string> read_oid(Bytes value);

struct Varbind {
  std::string oid;
  std::uint8_t value_tag = 0;
  Bytes value{};
};

struct Message {
  std::int64_t version = 0;   // 0 v1, 1 v2c, 3 v3
  Bytes community{};          // never stored beyond the packet
  std::uint8_t pdu_type = 0;
  std::int64_t request_id = 0;
  std::int64_t error_status = 0;  // 0 for traps / getbulk's non-repeaters
  std::vector<Varbind> varbinds;
};

// Parses a whole message. A v3 message returns with version 3 and nothing else.
[[nodiscard]] Result<Message> parse(Bytes b) noexcept;

// "get_request", "set_request", ... or "" for another tag.
[[nodiscard]] std::string_view pdu_name(std::uint8_t pdu_type) noexcept;

void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::snmp
