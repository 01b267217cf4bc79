// NBNS tests: RFC 1001 §14.1 first-level name encoding, RFC 1002 §4.2.2
// registration, §4.2.13 positive query response, §4.2.18 node status; NetBIOS
// datagrams (§4.4) with SMB browser host/domain announcements ([MS-BRWS]
// §2.2.1). Only names proven the sender's own are emitted. Malformed twins: bad
// encoding characters, lying datagram/SMB lengths, truncation at every byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/nbns.hpp"

namespace mieruka::dissectors::nbns {
namespace {

using Buf = std::vector<std::byte>;

void add(Buf& b, std::initializer_list<int> v) {
  for (int x : v) b.push_back(static_cast<std::byte>(x));
}
void add16(Buf& b, unsigned v) { add(b, {static_cast<int>(v >> 8), static_cast<int>(v & 0xff)}); }
void add16le(Buf& b, unsigned v) { add(b, {static_cast<int>(v & 0xff), static_cast<int>(v >> 8)}); }
void add_str(Buf& b, std::string_view s) {
  for (char c : s) b.push_back(static_cast<std::byte>(c));
}
Bytes span(const Buf& b) { return {b.data(), b.size()}; }

// RFC 1001 §14.1: 16 bytes (name space-padded to 15, suffix), each byte split
// into two nibbles + 'A'; a length byte 0x20 before, the root label after.
void add_nb_name(Buf& b, std::string_view name, int suffix) {
  std::string raw(name);
  raw.resize(15, ' ');
  raw += static_cast<char>(suffix);
  add(b, {0x20});
  for (char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    add(b, {'A' + (u >> 4), 'A' + (u & 0xF)});
  }
  add(b, {0});
}

struct Recorded {
  AssetRef who;
  std::string field, value, source;
};
class RecordingSink final : public Sink {
 public:
  void fact(const Fact& f) noexcept override {
    facts.push_back({f.who, std::string(f.field), f.value, std::string(f.source)});
  }
  void operation(const Operation&) noexcept override {}
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] std::vector<std::string> values(std::string_view field) const {
    std::vector<std::string> out;
    for (const auto& f : facts)
      if (f.field == field) out.push_back(f.value);
    return out;
  }
  std::vector<Recorded> facts;
  std::vector<std::string> anomalies;
};

DecodedPacket from(std::string_view ip) {
  DecodedPacket p;
  p.src_ip = *IpAddr::parse(ip);
  p.src_port = 137;
  p.dst_port = 137;
  return p;
}

// Name registration request (RFC 1002 §4.2.2), broadcast by the owner.
Buf registration(std::string_view name, int suffix, int nb_flags, std::initializer_list<int> addr) {
  Buf b;
  add16(b, 0x8001);  // NAME_TRN_ID
  add16(b, 0x2910);  // opcode 5 registration, RD, B
  add16(b, 1);       // QDCOUNT
  add16(b, 0);       // ANCOUNT
  add16(b, 0);       // NSCOUNT
  add16(b, 1);       // ARCOUNT
  add_nb_name(b, name, suffix);  // QUESTION_NAME at offset 12
  add16(b, 0x20);    // QUESTION_TYPE NB
  add16(b, 1);       // QUESTION_CLASS IN
  add(b, {0xc0, 12});  // RR_NAME: pointer to the question
  add16(b, 0x20);    // RR_TYPE NB
  add16(b, 1);       // RR_CLASS IN
  add(b, {0, 4, 0x93, 0xe0});  // TTL
  add16(b, 6);       // RDLENGTH
  add16(b, static_cast<unsigned>(nb_flags));  // NB_FLAGS (G bit 0x8000)
  add(b, addr);      // NB_ADDRESS
  return b;
}

TEST(Nbns, DecodeName) {
  auto n = decode_name("FHEJEODCELDDEMEBECDADCDECACACAAA");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->name, "WIN2K3LAB024");
  EXPECT_EQ(n->suffix, 0x00);
  EXPECT_EQ(display(*n), "WIN2K3LAB024<00>");
  EXPECT_FALSE(decode_name("FHEJEODCELDDEMEBECDADCDECACACAA"));   // 31 characters
  EXPECT_FALSE(decode_name("FHEJEODCELDDEMEBECDADCDECACACAAZ"));  // 'Z' out of range
  EXPECT_FALSE(decode_name("FHEJEODCELDDEMEBECDADCDECACACAAAA"));  // 33 characters
  auto scoped = decode_name("EIENEJCACACACACACACACACACACACACA.corp");
  ASSERT_TRUE(scoped);
  EXPECT_EQ(display(*scoped), "HMI<20>");
  EXPECT_EQ(scoped->scope, "corp");
}

TEST(Nbns, RegistrationFromOwner) {
  const Buf b = registration("WIN2K3LAB024", 0x00, 0x0000, {10, 0, 0, 24});
  RecordingSink sink;
  on_name_datagram(from("10.0.0.24"), span(b), sink);
  EXPECT_EQ(sink.values("hostname"), std::vector<std::string>{"WIN2K3LAB024"});
  EXPECT_EQ(sink.values("nbns_name"), std::vector<std::string>{"WIN2K3LAB024<00>"});
  for (const auto& f : sink.facts) {
    EXPECT_EQ(f.source, "nbns");
    EXPECT_EQ(f.who.kind, AssetRef::Kind::sender);
  }
}

TEST(Nbns, GroupNameIsAWorkgroupAndSuffixRoles) {
  const Buf g = registration("WORKGROUP", 0x00, 0x8000, {10, 0, 0, 24});
  RecordingSink sink;
  on_name_datagram(from("10.0.0.24"), span(g), sink);
  EXPECT_EQ(sink.values("nbns_workgroup"), std::vector<std::string>{"WORKGROUP"});
  EXPECT_TRUE(sink.values("hostname").empty());
  const Buf mb = registration("SAS", 0x1b, 0x0000, {10, 0, 0, 24});
  RecordingSink roles;
  on_name_datagram(from("10.0.0.24"), span(mb), roles);
  EXPECT_EQ(roles.values("role"), std::vector<std::string>{"domain_master_browser"});
  EXPECT_EQ(roles.values("nbns_name"), std::vector<std::string>{"SAS<1b>"});
}

TEST(Nbns, RegistrationForAnotherAddressIsIgnored) {
  const Buf b = registration("OTHER", 0x00, 0, {10, 0, 0, 99});
  RecordingSink sink;
  on_name_datagram(from("10.0.0.24"), span(b), sink);
  EXPECT_TRUE(sink.facts.empty());
}

TEST(Nbns, PositiveResponseFromOwnerOnly) {
  Buf b;
  add16(b, 0x8001);
  add16(b, 0x8500);  // response, opcode 0, AA, RD
  add16(b, 0);
  add16(b, 1);
  add16(b, 0);
  add16(b, 0);
  add_nb_name(b, "PLC-HMI", 0x20);
  add16(b, 0x20);
  add16(b, 1);
  add(b, {0, 0, 0, 0});
  add16(b, 6);
  add16(b, 0);
  add(b, {192, 168, 1, 5});
  RecordingSink own;
  on_name_datagram(from("192.168.1.5"), span(b), own);
  EXPECT_EQ(own.values("role"), std::vector<std::string>{"smb_server"});
  RecordingSink wins;  // a WINS server answering for the host
  on_name_datagram(from("192.168.1.1"), span(b), wins);
  EXPECT_TRUE(wins.facts.empty());
}

TEST(Nbns, NodeStatusNamesAreTheResponders) {
  Buf b;
  add16(b, 0x0001);
  add16(b, 0x8400);  // response, opcode 0, AA
  add16(b, 0);
  add16(b, 1);
  add16(b, 0);
  add16(b, 0);
  add_nb_name(b, "*", 0x00);
  add16(b, 0x21);  // NBSTAT
  add16(b, 1);
  add(b, {0, 0, 0, 0});
  Buf rdata;
  add(rdata, {2});  // NUM_NAMES
  add_str(rdata, "ENG-WS1        ");
  add(rdata, {0x00, 0x04, 0x00});  // suffix, NAME_FLAGS (active)
  add_str(rdata, "PLANT          ");
  add(rdata, {0x00, 0x84, 0x00});  // suffix, NAME_FLAGS (group, active)
  add(rdata, {0x00, 0x15, 0x5d, 0x01, 0x02, 0x03});  // unit id
  add16(b, static_cast<unsigned>(rdata.size()));
  b.insert(b.end(), rdata.begin(), rdata.end());
  RecordingSink sink;
  on_name_datagram(from("10.0.0.30"), span(b), sink);
  EXPECT_EQ(sink.values("hostname"), std::vector<std::string>{"ENG-WS1"});
  EXPECT_EQ(sink.values("nbns_workgroup"), std::vector<std::string>{"PLANT"});
  // NUM_NAMES above the cap, and above what is there.
  Buf over = b;
  over[over.size() - rdata.size()] = std::byte{kMaxNodeStatusNames + 1};
  RecordingSink capped;
  on_name_datagram(from("10.0.0.30"), span(over), capped);
  EXPECT_TRUE(capped.facts.empty());
  Buf lying = b;
  lying[lying.size() - rdata.size()] = std::byte{3};
  RecordingSink lie;
  on_name_datagram(from("10.0.0.30"), span(lying), lie);
  EXPECT_EQ(lie.values("hostname").size(), 1u);
  EXPECT_FALSE(lie.anomalies.empty());
}

TEST(Nbns, TruncationAtEveryByte) {
  const Buf full = registration("WIN2K3LAB024", 0x00, 0, {10, 0, 0, 24});
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    RecordingSink sink;
    on_name_datagram(from("10.0.0.24"), span(cut), sink);
    EXPECT_TRUE(sink.facts.empty()) << n;
    EXPECT_FALSE(sink.anomalies.empty()) << n;
  }
}

// NetBIOS datagram (RFC 1002 §4.4.1) holding an SMB Transaction (SMB_COM_
// TRANSACTION, [MS-CIFS] §2.2.4.33) to \MAILSLOT\BROWSE with `announcement`.
Buf browser_datagram(const Buf& announcement) {
  Buf smb;
  add(smb, {0xff, 'S', 'M', 'B'});  // protocol
  add(smb, {0x25});                 // command: Transaction
  smb.insert(smb.end(), 27, std::byte{0});  // status .. mid
  const std::string_view mailslot("\\MAILSLOT\\BROWSE\0", 17);
  const unsigned data_offset = 32 + 1 + 17 * 2 + 2 + static_cast<unsigned>(mailslot.size());
  add(smb, {17});                   // word count
  add16le(smb, 0);                  // total parameter count
  add16le(smb, static_cast<unsigned>(announcement.size()));  // total data count
  add16le(smb, 0);                  // max parameter count
  add16le(smb, 0);                  // max data count
  add(smb, {0, 0});                 // max setup count, reserved
  add16le(smb, 0);                  // flags
  add(smb, {0, 0, 0, 0});           // timeout
  add16le(smb, 0);                  // reserved
  add16le(smb, 0);                  // parameter count
  add16le(smb, 0);                  // parameter offset
  add16le(smb, static_cast<unsigned>(announcement.size()));  // data count
  add16le(smb, data_offset);        // data offset
  add(smb, {3, 0});                 // setup count, reserved
  add16le(smb, 1);                  // setup: mailslot write
  add16le(smb, 1);                  // priority
  add16le(smb, 2);                  // class
  add16le(smb, static_cast<unsigned>(mailslot.size() + announcement.size()));  // byte count
  add_str(smb, mailslot);
  smb.insert(smb.end(), announcement.begin(), announcement.end());

  Buf names;
  add_nb_name(names, "ENG-WS1", 0x00);
  add_nb_name(names, "WORKGROUP", 0x1d);
  Buf b;
  add(b, {0x11});            // MSG_TYPE: direct group
  add(b, {0x02});            // FLAGS: first
  add16(b, 0x1234);          // DGM_ID
  add(b, {10, 0, 0, 30});    // SOURCE_IP
  add16(b, 138);             // SOURCE_PORT
  add16(b, static_cast<unsigned>(names.size() + smb.size()));  // DGM_LENGTH
  add16(b, 0);               // PACKET_OFFSET
  b.insert(b.end(), names.begin(), names.end());
  b.insert(b.end(), smb.begin(), smb.end());
  return b;
}

Buf host_announcement(int opcode = 0x01) {
  Buf a;
  add(a, {opcode});             // opcode: HostAnnouncement
  add(a, {1});                  // update count
  add(a, {0x60, 0xea, 0, 0});   // periodicity
  add_str(a, "ENG-WS1");        // server name, NUL-padded to 16
  a.insert(a.end(), 9, std::byte{0});
  add(a, {10, 0});              // OS major, minor
  add(a, {0x03, 0x10, 0x04, 0x00});  // server type 0x00041003: workstation, server, nt_workstation, master browser
  add(a, {15, 1});              // browser version
  add(a, {0x55, 0xaa});         // signature
  add_str(a, "Line 1 EWS");     // comment
  add(a, {0});
  return a;
}

TEST(NbnsDatagram, HostAnnouncement) {
  const Buf b = browser_datagram(host_announcement());
  auto a = parse_datagram(span(b));
  ASSERT_TRUE(a) << to_string(a.error());
  EXPECT_EQ(a->server_name, "ENG-WS1");
  EXPECT_EQ(a->os_major, 10);
  EXPECT_EQ(a->server_type, 0x00041003u);
  RecordingSink sink;
  DecodedPacket p = from("10.0.0.30");
  on_datagram_service(p, span(b), sink);
  EXPECT_EQ(sink.values("hostname"), std::vector<std::string>{"ENG-WS1"});
  EXPECT_EQ(sink.values("os"), std::vector<std::string>{"Windows 10.0"});
  EXPECT_EQ(sink.values("nbns_os_version"), std::vector<std::string>{"10.0"});
  EXPECT_EQ(sink.values("nbns_server_type"),
            std::vector<std::string>{"workstation,server,nt_workstation,master_browser"});
  EXPECT_EQ(sink.values("nbns_comment"), std::vector<std::string>{"Line 1 EWS"});
}

TEST(NbnsDatagram, SambaIsNotWindows) {
  Buf a = host_announcement();
  a[25] = std::byte{0x08};  // server type bits 8-15: 0x10 -> 0x08, the Unix server bit
  const Buf b = browser_datagram(a);
  RecordingSink sink;
  on_datagram_service(from("10.0.0.30"), span(b), sink);
  EXPECT_TRUE(sink.values("os").empty());
  EXPECT_EQ(sink.values("nbns_os_version"), std::vector<std::string>{"10.0"});
  EXPECT_EQ(sink.values("nbns_server_type"),
            std::vector<std::string>{"workstation,server,unix_server,master_browser"});
}

TEST(NbnsDatagram, DomainAnnouncementNamesTheWorkgroup) {
  Buf a = host_announcement(0x0c);
  const Buf b = browser_datagram(a);
  RecordingSink sink;
  on_datagram_service(from("10.0.0.30"), span(b), sink);
  EXPECT_EQ(sink.values("nbns_workgroup"), std::vector<std::string>{"ENG-WS1"});
  EXPECT_TRUE(sink.values("hostname").empty());
}

TEST(NbnsDatagram, LyingLengthsAndTruncation) {
  const Buf full = browser_datagram(host_announcement());
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto a = parse_datagram(span(cut));
    // The comment is the tail: cutting inside it still parses (shorter comment).
    if (a) {
      EXPECT_GE(n, full.size() - 11) << n;
      continue;
    }
    RecordingSink sink;
    on_datagram_service(from("10.0.0.30"), span(cut), sink);
    EXPECT_TRUE(sink.facts.empty()) << n;
  }
  Buf offset = full;
  // SMB data offset far beyond the message.
  const std::size_t smb_at = 14 + 34 * 2;
  const std::size_t data_offset_at = smb_at + 33 + 12 * 2;
  offset[data_offset_at] = std::byte{0xff};
  offset[data_offset_at + 1] = std::byte{0x7f};
  EXPECT_EQ(parse_datagram(span(offset)).error(), ParseError::malformed);
  Buf dgm = full;
  dgm[11] = std::byte{0xff};  // DGM_LENGTH low byte raised past the end
  dgm[10] = std::byte{0x0f};
  EXPECT_EQ(parse_datagram(span(dgm)).error(), ParseError::truncated);
  Buf other = full;
  other[0] = std::byte{0x13};  // error datagram
  EXPECT_EQ(parse_datagram(span(other)).error(), ParseError::unsupported);
}

}  // namespace
}  // namespace mieruka::dissectors::nbns
