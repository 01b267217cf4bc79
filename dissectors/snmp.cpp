// SNMP v1/v2c (see snmp.hpp for the specs followed and what is emitted).
#include "snmp.hpp"

#include <string_view>

#include "sysdescr.hpp"

namespace mieruka::dissectors::snmp {
namespace {

constexpr std::string_view kSource = "snmp";
constexpr std::uint8_t kConstructed = 0x20;

// Reads one element and requires its tag.
Result<Bytes> expect(ByteReader& r, std::uint8_t want) noexcept {
  auto t = read_tlv(r);
  if (!t) return t.error();
  if (t->tag != want) return ParseError::malformed;
  return t->value;
}

// MIB-II system group (RFC 3418 §2): system.{1,2,4,5,6}.0.
constexpr std::string_view kSysPrefix = "1.3.6.1.2.1.1.";
constexpr std::string_view kEnterprisePrefix = "1.3.6.1.4.1.";

struct SystemField {
  std::string_view suffix;
  std::string_view field;
  bool is_oid;
};
constexpr SystemField kSystemFields[] = {
    {"1.0", field::description, false}, {"2.0", "sys_object_id", true}, {"4.0", "contact", false},
    {"5.0", field::name, false},        {"6.0", field::location, false},
};

void emit_system(const Varbind& vb, Sink& sink) {
  const std::string_view oid = vb.oid;
  if (oid.size() <= kSysPrefix.size() || oid.substr(0, kSysPrefix.size()) != kSysPrefix) return;
  const std::string_view rest = oid.substr(kSysPrefix.size());
  for (const auto& f : kSystemFields) {
    if (rest != f.suffix) continue;
    const AssetRef agent = AssetRef::sender_party();
    if (f.is_oid) {
      if (vb.value_tag != tag::oid) return;
      auto value = read_oid(vb.value);
      if (!value || value->empty()) return;
      sink.fact({agent, f.field, *value, kSource});
      const std::string_view v = *value;
      if (v.size() > kEnterprisePrefix.size() && v.substr(0, kEnterprisePrefix.size()) == kEnterprisePrefix) {
        const std::string_view ent = v.substr(kEnterprisePrefix.size());
        sink.fact_view(agent, "snmp_enterprise", ent.substr(0, ent.find('.')), kSource);
      }
      return;
    }
    if (vb.value_tag != tag::octet_string) return;
    std::string_view text = as_chars(vb.value);
    while (!text.empty() && (text.back() == '\0' || text.back() == ' ')) text.remove_suffix(1);
    if (text.empty()) return;
    text = text.substr(0, kMaxValueText);
    sink.fact_view(agent, f.field, text, kSource);
    if (f.field == field::description) sysdescr::emit(sysdescr::parse(text), agent, kSource, sink);
    return;
  }
}

}  // namespace

Result<Tlv> read_tlv(ByteReader& r) noexcept {
  ByteReader c = r;
  auto t = c.u8();
  auto first = c.u8();
  if (!t || !first) return ParseError::truncated;
  if ((*t & 0x1F) == 0x1F) return ParseError::unsupported;  // high tag number form
  std::size_t len = *first;
  if (*first == 0x80) return ParseError::unsupported;  // indefinite length (X.690 §8.1.3.6)
  if (*first > 0x80) {
    const std::size_t n = *first & 0x7Fu;
    if (n > kMaxLengthBytes) return ParseError::limit_exceeded;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      auto b = c.u8();
      if (!b) return ParseError::truncated;
      len = (len << 8) | *b;
    }
  }
  auto value = c.take(len);
  if (!value) return ParseError::truncated;
  r = c;
  return Tlv{*t, *value};
}

Result<Ok> check_nesting(Bytes value, std::size_t depth) noexcept {
  if (depth > kMaxDepth) return ParseError::limit_exceeded;
  ByteReader r(value);
  while (!r.empty()) {
    auto t = read_tlv(r);
    if (!t) return t.error();
    if ((t->tag & kConstructed) != 0) {
      auto ok = check_nesting(t->value, depth + 1);
      if (!ok) return ok.error();
    }
  }
  return Ok{};
}

std::optional<std::int64_t> read_integer(Bytes value) noexcept {
  if (value.empty() || value.size() > 8) return std::nullopt;
  std::uint64_t v = (static_cast<std::uint8_t>(value[0]) & 0x80) != 0 ? ~std::uint64_t{0} : 0;
  for (std::byte b : value) v = (v << 8) | static_cast<std::uint8_t>(b);
  return static_cast<std::int64_t>(v);
}

std::optional<std::uint64_t> read_unsigned(Bytes value) noexcept {
  if (value.empty()) return std::nullopt;
  if (value.size() == 9 && static_cast<std::uint8_t>(value[0]) == 0) value = value.subspan(1);
  if (value.size() > 8) return std::nullopt;
  std::uint64_t v = 0;
  for (std::byte b : value) v = (v << 8) | static_cast<std::uint8_t>(b);
  return v;
}

std::optional<std::string> read_oid(Bytes value) {
  std::string out;
  std::size_t arcs = 0;
  std::uint64_t sub = 0;
  std::size_t sub_bytes = 0;
  for (std::byte x : value) {
    const auto b = static_cast<std::uint8_t>(x);
    if (sub_bytes == 0 && b == 0x80) return std::nullopt;  // non-minimal encoding
    sub = (sub << 7) | (b & 0x7Fu);
    if (++sub_bytes > 5 || sub > 0xFFFFFFFFull) return std::nullopt;
    if ((b & 0x80) != 0) continue;
    if (arcs == 0) {
      // The first sub-identifier packs two arcs (X.690 §8.19.4).
      const std::uint64_t first = sub < 40 ? 0 : sub < 80 ? 1 : 2;
      out = std::to_string(first) + "." + std::to_string(sub - first * 40);
      arcs = 2;
    } else {
      if (++arcs > kMaxOidArcs) return std::nullopt;
      out += '.';
      out += std::to_string(sub);
    }
    sub = 0;
    sub_bytes = 0;
  }
  if (sub_bytes != 0) return std::nullopt;
  return out;
}

std::string_view pdu_name(std::uint8_t pdu_type) noexcept {
  switch (pdu_type) {
    case pdu::get: return "get_request";
    case pdu::get_next: return "get_next_request";
    case pdu::response: return "get_response";
    case pdu::set: return "set_request";
    case pdu::trap_v1: return "trap";
    case pdu::get_bulk: return "get_bulk_request";
    case pdu::inform: return "inform_request";
    case pdu::trap_v2: return "trap_v2";
    case pdu::report: return "report";
    default: return "";
  }
}

// RFC 1157 §4: Message ::= SEQUENCE { version INTEGER, community OCTET STRING, data PDUs }.
Result<Message> parse(Bytes b) noexcept {
  ByteReader outer(b);
  auto msg = expect(outer, tag::sequence);
  if (!msg) return msg.error();
  ByteReader r(*msg);
  auto version_bytes = expect(r, tag::integer);
  if (!version_bytes) return version_bytes.error();
  auto version = read_integer(*version_bytes);
  if (!version) return ParseError::malformed;
  Message m;
  m.version = *version;
  if (m.version == 3) return m;
  if (m.version != 0 && m.version != 1) return ParseError::unsupported;
  auto community = expect(r, tag::octet_string);
  if (!community) return community.error();
  m.community = *community;
  auto p = read_tlv(r);
  if (!p) return p.error();
  m.pdu_type = p->tag;
  if (pdu_name(m.pdu_type).empty()) return ParseError::unsupported;
  ByteReader body(p->value);
  if (m.pdu_type == pdu::trap_v1) {
    // RFC 1157 §4.1.6: enterprise, agent-addr, generic-trap, specific-trap, time-stamp.
    auto enterprise = expect(body, tag::oid);
    if (!enterprise) return enterprise.error();
    auto addr = expect(body, tag::ip_address);
    if (!addr) return addr.error();
    auto generic = expect(body, tag::integer);
    if (!generic) return generic.error();
    auto specific = expect(body, tag::integer);
    if (!specific) return specific.error();
    auto stamp = expect(body, tag::timeticks);
    if (!stamp) return stamp.error();
  } else {
    // RFC 3416 §3: request-id, error-status (non-repeaters), error-index (max-repetitions).
    auto id = expect(body, tag::integer);
    if (!id) return id.error();
    auto status = expect(body, tag::integer);
    if (!status) return status.error();
    auto index = expect(body, tag::integer);
    if (!index) return index.error();
    auto id_value = read_integer(*id);
    auto status_value = read_integer(*status);
    if (!id_value || !status_value) return ParseError::malformed;
    m.request_id = *id_value;
    m.error_status = *status_value;
  }
  auto list = expect(body, tag::sequence);
  if (!list) return list.error();
  ByteReader vbs(*list);
  while (!vbs.empty()) {
    if (m.varbinds.size() >= kMaxVarbinds) return ParseError::limit_exceeded;
    auto vb = expect(vbs, tag::sequence);
    if (!vb) return vb.error();
    ByteReader v(*vb);
    auto name = expect(v, tag::oid);
    if (!name) return name.error();
    auto value = read_tlv(v);
    if (!value) return value.error();
    // Message, PDU, list, varbind: a constructed value sits at depth 5.
    if ((value->tag & kConstructed) != 0) {
      if (auto ok = check_nesting(value->value, 5); !ok) return ok.error();
    }
    auto oid = read_oid(*name);
    if (!oid) return ParseError::malformed;
    m.varbinds.push_back({std::move(*oid), value->tag, value->value});
  }
  return m;
}

void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto parsed = parse(payload);
  if (!parsed) {
    switch (parsed.error()) {
      case ParseError::limit_exceeded: sink.anomaly("snmp.limit_exceeded"); break;
      case ParseError::unsupported: sink.anomaly("snmp.unsupported"); break;
      case ParseError::truncated: sink.anomaly("snmp.truncated"); break;
      default: sink.anomaly(pkt.payload_truncated ? "snmp.truncated" : "snmp.malformed"); break;
    }
    return;
  }
  const Message& m = *parsed;
  const AssetRef sender = AssetRef::sender_party();
  if (m.version == 3) {
    sink.anomaly("snmp.v3");
    // Without decoding v3 the ports still tell who is the agent.
    if (pkt.src_port == kAgentPort) sink.fact({sender, field::role, "snmp_agent", kSource});
    else if (pkt.dst_port == kAgentPort) sink.fact({sender, field::role, "snmp_manager", kSource});
    return;
  }
  Operation op;
  op.protocol = kSource;
  op.name = pdu_name(m.pdu_type);
  op.code = m.pdu_type;
  op.is_write = m.pdu_type == pdu::set;
  op.is_error = m.pdu_type == pdu::response && m.error_status != 0;
  sink.operation(op);

  const bool from_agent = m.pdu_type == pdu::response || m.pdu_type == pdu::trap_v1 || m.pdu_type == pdu::trap_v2;
  const bool from_manager = m.pdu_type == pdu::get || m.pdu_type == pdu::get_next || m.pdu_type == pdu::get_bulk ||
                            m.pdu_type == pdu::set;
  if (from_agent) sink.fact({sender, field::role, "snmp_agent", kSource});
  if (from_manager) sink.fact({sender, field::role, "snmp_manager", kSource});
  // The agent answering (or trapping) with a default community has it configured.
  if (from_agent) {
    const std::string_view c = as_chars(m.community);
    if (c == "public") sink.fact({sender, field::security, "snmp_community_public", kSource});
    if (c == "private") sink.fact({sender, field::security, "snmp_community_private", kSource});
  }
  if (m.pdu_type != pdu::response) return;
  for (const Varbind& vb : m.varbinds) emit_system(vb, sink);
}

}  // namespace mieruka::dissectors::snmp
