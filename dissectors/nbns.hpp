// NetBIOS over TCP/IP (RFC 1001/1002): the name service on UDP 137 (RFC 1002
// §4.2: DNS-like messages; §4.1 first-level encoding of the 16-byte NetBIOS name
// into 32 half-ASCII characters; §4.2.2 registration, §4.2.13 positive query
// response, §4.2.18 node status response) and the datagram service on UDP 138
// (§4.4) carrying SMB browser announcements ([MS-BRWS] §2.2.1: HostAnnouncement,
// LocalMasterAnnouncement, DomainAnnouncement in an SMB Transaction to
// \MAILSLOT\BROWSE).
// Emits, on the sender only when a name is its own (a registration or positive
// response whose NB address is the sender's address, or a node status reply):
// hostname, "nbns_name" ("NAME<xx>"), "nbns_workgroup", roles by name suffix; from
// host announcements: hostname, os "Windows <major>.<minor>" (not for Samba,
// which sets the Unix server bit), "nbns_os_version",
// "nbns_server_type", "nbns_comment". Source "nbns".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "byte_reader.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::nbns {

inline constexpr std::uint16_t kNamePort = 137, kDatagramPort = 138;
inline constexpr std::size_t kEncodedNameLength = 32;  // RFC 1001 §14.1
inline constexpr std::size_t kMaxNodeStatusNames = 64;  // names in one node status reply
inline constexpr std::size_t kMaxCommentLength = 256;

// Record types (RFC 1002 §4.2.1.3).
inline constexpr std::uint16_t kTypeNb = 0x0020, kTypeNbstat = 0x0021;

struct NetbiosName {
  std::string name;        // up to 15 characters, trailing spaces removed
  std::uint8_t suffix = 0; // the 16th byte: 0x00 workstation, 0x20 server, 0x1b/0x1d browsers...
  std::string scope;       // scope labels after the encoded name, "" when none
};

// Decodes the first-level encoding: exactly 32 characters 'A'..'P' (two per
// byte, high nibble first). nullopt for any other length or character.
[[nodiscard]] std::optional<NetbiosName> decode_name(std::string_view encoded) noexcept;

// "NAME<xx>" as Wireshark shows it (lower-case hex suffix).
[[nodiscard]] std::string display(const NetbiosName& n);

// [MS-BRWS] §2.2.1 HostAnnouncement / LocalMasterAnnouncement / DomainAnnouncement.
struct Announcement {
  std::uint8_t opcode = 0;  // 1 host, 0x0c domain, 0x0f local master
  std::string server_name;  // the host, or the workgroup for a domain announcement
  std::uint8_t os_major = 0, os_minor = 0;
  std::uint32_t server_type = 0;
  std::string comment;      // the master browser's name for a domain announcement
};

// Parses a NetBIOS datagram (RFC 1002 §4.4.1-4.4.2) whose user data is an SMB
// Transaction to \MAILSLOT\BROWSE holding an announcement. Other datagrams are
// unsupported; lengths and offsets are checked.
[[nodiscard]] Result<Announcement> parse_datagram(Bytes b) noexcept;

// "workstation,server,..." for the server type bits ([MS-BRWS] §2.2.1.2 / [MS-RAP]).
[[nodiscard]] std::string server_type_names(std::uint32_t type);

void on_name_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;      // UDP 137
void on_datagram_service(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;  // UDP 138

}  // namespace mieruka::dissectors::nbns
