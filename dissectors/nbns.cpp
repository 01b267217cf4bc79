// NBNS and NetBIOS browser announcements (see nbns.hpp for the specs followed).
#include "nbns.hpp"

#include <string_view>
#include <vector>

#include "dns.hpp"

namespace mieruka::dissectors::nbns {
namespace {

constexpr std::string_view kSource = "nbns";

// Opcodes (RFC 1002 §4.2.1.1); 9 is the refresh value Windows sends.
constexpr std::uint8_t kOpQuery = 0, kOpRegistration = 5, kOpRefresh = 8, kOpRefreshAlt = 9,
                       kOpMultihomed = 15;

// Datagram message types carrying a user-data SMB (RFC 1002 §4.4.1).
constexpr std::uint8_t kDirectUnique = 0x10, kDirectGroup = 0x11, kBroadcast = 0x12;
constexpr std::size_t kDatagramHeaderSize = 14;  // type flags id src_ip src_port length offset
constexpr std::size_t kSmbHeaderSize = 32;
constexpr std::uint8_t kSmbTransaction = 0x25;
constexpr std::string_view kBrowseMailslot = "\\MAILSLOT\\BROWSE";
constexpr std::uint8_t kHostAnnouncement = 0x01, kDomainAnnouncement = 0x0c, kLocalMasterAnnouncement = 0x0f;
constexpr std::size_t kServerNameLength = 16;
// SV_TYPE_SERVER_UNIX ([MS-RAP] §2.5.5.2.1): set by Samba, whose announced
// "OS version" is its protocol level (4.9 in ITI__addroute1.pcapng), not Windows.
constexpr std::uint32_t kUnixServer = 0x00000800;

std::string trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return std::string(s);
}

struct OwnName {
  NetbiosName name;
  bool group = false;
};

void emit_own(const OwnName& n, Sink& sink) {
  const AssetRef me = AssetRef::sender_party();
  if (n.name.name.empty() || n.name.name[0] == '*') return;
  sink.fact({me, "nbns_name", display(n.name), kSource});
  switch (n.name.suffix) {
    case 0x00:
      sink.fact({me, n.group ? std::string_view("nbns_workgroup") : field::hostname, n.name.name, kSource});
      break;
    case 0x20:
      if (!n.group) sink.fact({me, field::role, "smb_server", kSource});
      break;
    case 0x1b:
      if (!n.group) sink.fact({me, field::role, "domain_master_browser", kSource});
      break;
    case 0x1c:
      if (n.group) sink.fact({me, field::role, "domain_controller", kSource});
      break;
    case 0x1d:
      if (!n.group) sink.fact({me, field::role, "master_browser", kSource});
      break;
    default: break;
  }
}

// NB RDATA (RFC 1002 §4.2.2): (NB_FLAGS, NB_ADDRESS) entries. The owner's entry
// is the one holding the sender's address.
std::optional<bool> own_entry(Bytes rdata, const IpAddr& src) {
  ByteReader r(rdata);
  while (r.remaining() >= 6) {
    const auto flags = *r.u16_be();
    const IpAddr addr = IpAddr::v4_bytes(*r.take(4));
    if (src.is_v4() && addr == src) return (flags & 0x8000) != 0;
  }
  return std::nullopt;
}

// NODE_STATUS RDATA (RFC 1002 §4.2.18): NUM_NAMES, then 18 bytes per name (16
// raw name bytes, NAME_FLAGS), then statistics.
void node_status(Bytes rdata, Sink& sink) {
  ByteReader r(rdata);
  auto count = r.u8();
  if (!count) return;
  if (*count > kMaxNodeStatusNames) {
    sink.anomaly("nbns.too_many_names");
    return;
  }
  for (std::uint8_t i = 0; i < *count; ++i) {
    auto raw = r.take(16);
    auto flags = r.u16_be();
    if (!raw || !flags) {
      sink.anomaly("nbns.truncated");
      return;
    }
    OwnName n;
    n.name.name = trim(as_chars(raw->first(15)));
    n.name.suffix = static_cast<std::uint8_t>((*raw)[15]);
    n.group = (*flags & 0x8000) != 0;
    emit_own(n, sink);
  }
}

}  // namespace

std::optional<NetbiosName> decode_name(std::string_view encoded) noexcept {
  const auto dot = encoded.find('.');
  const std::string_view first = encoded.substr(0, dot);
  if (first.size() != kEncodedNameLength) return std::nullopt;
  char raw[16];
  for (std::size_t i = 0; i < 16; ++i) {
    const char hi = first[2 * i], lo = first[2 * i + 1];
    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P') return std::nullopt;
    raw[i] = static_cast<char>(((hi - 'A') << 4) | (lo - 'A'));
  }
  NetbiosName n;
  n.name = trim(std::string_view(raw, 15));
  n.suffix = static_cast<std::uint8_t>(raw[15]);
  if (dot != std::string_view::npos) n.scope = std::string(encoded.substr(dot + 1));
  return n;
}

std::string display(const NetbiosName& n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = n.name;
  out += '<';
  out += kHex[n.suffix >> 4];
  out += kHex[n.suffix & 0xF];
  out += '>';
  return out;
}

std::string server_type_names(std::uint32_t type) {
  static constexpr std::pair<std::uint32_t, std::string_view> kBits[] = {
      {0x00000001, "workstation"},   {0x00000002, "server"},         {0x00000004, "sql_server"},
      {0x00000008, "domain_controller"}, {0x00000010, "backup_domain_controller"}, {0x00000020, "time_source"},
      {0x00000040, "apple"},         {0x00000080, "novell"},         {0x00000100, "domain_member"},
      {0x00000200, "print_queue"},   {0x00000400, "dialin"},         {kUnixServer, "unix_server"},
      {0x00001000, "nt_workstation"}, {0x00002000, "wfw"},           {0x00008000, "nt_server"},
      {0x00010000, "potential_browser"}, {0x00020000, "backup_browser"}, {0x00040000, "master_browser"},
      {0x00080000, "domain_master_browser"}, {0x00400000, "windows_95_plus"}, {0x00800000, "dfs"},
  };
  std::string out;
  for (const auto& [bit, name] : kBits) {
    if ((type & bit) == 0) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

Result<Announcement> parse_datagram(Bytes b) noexcept {
  ByteReader r(b);
  auto msg_type = r.u8();
  if (!msg_type) return ParseError::truncated;
  if (*msg_type != kDirectUnique && *msg_type != kDirectGroup && *msg_type != kBroadcast)
    return ParseError::unsupported;
  if (!r.skip(9)) return ParseError::truncated;  // flags, id, source ip, source port
  auto dgm_length = r.u16_be();
  auto packet_offset = r.u16_be();
  if (!dgm_length || !packet_offset) return ParseError::truncated;
  if (*packet_offset != 0) return ParseError::unsupported;  // a fragment after the first
  // DGM_LENGTH counts the names and user data (RFC 1002 §4.4.1).
  if (*dgm_length > r.remaining()) return ParseError::truncated;
  const Bytes body = b.first(kDatagramHeaderSize + *dgm_length);
  std::size_t at = kDatagramHeaderSize;
  for (int i = 0; i < 2; ++i) {  // source and destination names
    auto name = dns::read_name(body, at);
    if (!name) return name.error();
  }
  const Bytes smb = body.subspan(at);
  ByteReader s(smb);
  auto magic = s.take(4);
  if (!magic) return ParseError::truncated;
  if (as_chars(*magic) != std::string_view("\xffSMB", 4)) return ParseError::unsupported;
  auto command = s.u8();
  if (!command || !s.skip(kSmbHeaderSize - 5)) return ParseError::truncated;
  if (*command != kSmbTransaction) return ParseError::unsupported;
  auto word_count = s.u8();
  if (!word_count) return ParseError::truncated;
  if (*word_count < 14) return ParseError::malformed;  // SMB_COM_TRANSACTION request: 14 + setup
  auto words = s.take(std::size_t{*word_count} * 2);
  auto byte_count = s.u16_le();
  if (!words || !byte_count) return ParseError::truncated;
  auto bytes = s.take(*byte_count);
  if (!bytes) return ParseError::truncated;
  ByteReader w(*words);
  (void)w.skip(22);  // 11 words up to DataCount
  const auto data_count = *w.u16_le();
  const auto data_offset = *w.u16_le();  // from the start of the SMB header
  // The mailslot name opens the bytes: "\MAILSLOT\BROWSE\0".
  if (as_chars(*bytes).substr(0, kBrowseMailslot.size()) != kBrowseMailslot) return ParseError::unsupported;
  if (data_offset > smb.size() || data_count > smb.size() - data_offset) return ParseError::malformed;
  ByteReader d(smb.subspan(data_offset, data_count));
  Announcement a;
  auto opcode = d.u8();
  if (!opcode) return ParseError::truncated;
  a.opcode = *opcode;
  if (a.opcode != kHostAnnouncement && a.opcode != kDomainAnnouncement && a.opcode != kLocalMasterAnnouncement)
    return ParseError::unsupported;
  if (!d.skip(1 + 4)) return ParseError::truncated;  // update count, periodicity
  auto server = d.take(kServerNameLength);
  auto os_major = d.u8();
  auto os_minor = d.u8();
  auto server_type = d.u32_le();
  if (!server || !os_major || !os_minor || !server_type || !d.skip(2 + 2)) return ParseError::truncated;
  const std::string_view name = as_chars(*server);
  a.server_name = trim(name.substr(0, name.find('\0')));
  a.os_major = *os_major;
  a.os_minor = *os_minor;
  a.server_type = *server_type;
  const std::string_view comment = as_chars(d.rest());
  const std::string_view c = comment.substr(0, comment.find('\0'));
  a.comment = std::string(c.substr(0, kMaxCommentLength));
  return a;
}

void on_name_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto m = dns::parse(payload, /*decode_rdata=*/false);
  if (!m) {
    if (m.error() == ParseError::limit_exceeded) sink.anomaly("nbns.too_many_records");
    else if (m.error() == ParseError::truncated || pkt.payload_truncated) sink.anomaly("nbns.truncated");
    else sink.anomaly("nbns.malformed");
    return;
  }
  sink.confirm();
  const std::uint8_t op = m->opcode();
  const bool registration = !m->response() && (op == kOpRegistration || op == kOpRefresh ||
                                               op == kOpRefreshAlt || op == kOpMultihomed);
  const bool positive_answer = m->response() && op == kOpQuery && m->rcode() == 0;
  if (!registration && !positive_answer) return;
  const auto& records = registration ? m->additional : m->answers;
  for (const auto& rec : records) {
    if (positive_answer && rec.rtype == kTypeNbstat) {
      node_status(rec.rdata, sink);
      continue;
    }
    if (rec.rtype != kTypeNb) continue;
    auto name = decode_name(rec.name);
    if (!name) {
      sink.anomaly("nbns.bad_name");
      continue;
    }
    auto group = own_entry(rec.rdata, pkt.src_ip);
    if (!group) continue;  // a name server answering for another host
    emit_own({std::move(*name), *group}, sink);
  }
}

void on_datagram_service(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto a = parse_datagram(payload);
  if (!a) {
    if (a.error() == ParseError::truncated || (a.error() == ParseError::malformed && pkt.payload_truncated))
      sink.anomaly("nbns.truncated");
    else if (a.error() == ParseError::malformed)
      sink.anomaly("nbns.malformed_datagram");
    return;  // unsupported: another mailslot or datagram type, nothing to learn
  }
  sink.confirm();
  const AssetRef me = AssetRef::sender_party();
  if (a->opcode == kDomainAnnouncement) {
    if (!a->server_name.empty()) sink.fact({me, "nbns_workgroup", a->server_name, kSource});
    return;
  }
  if (!a->server_name.empty()) sink.fact({me, field::hostname, a->server_name, kSource});
  const std::string version = std::to_string(a->os_major) + "." + std::to_string(a->os_minor);
  if ((a->server_type & kUnixServer) == 0) sink.fact({me, field::os, "Windows " + version, kSource});
  sink.fact({me, "nbns_os_version", version, kSource});
  if (a->server_type != 0) sink.fact({me, "nbns_server_type", server_type_names(a->server_type), kSource});
  if (!a->comment.empty()) sink.fact({me, "nbns_comment", a->comment, kSource});
  if (a->opcode == kLocalMasterAnnouncement) sink.fact({me, field::role, "master_browser", kSource});
}

}  // namespace mieruka::dissectors::nbns
