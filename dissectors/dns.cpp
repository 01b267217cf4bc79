// DNS / mDNS / LLMNR (see dns.hpp for the specs followed and what is emitted).
#include "dns.hpp"

#include <cctype>
#include <string_view>

namespace mieruka::dissectors::dns {
namespace {

struct Counts {
  std::uint16_t qd = 0, an = 0, ns = 0, ar = 0;
};

Result<Ok> read_rdata(Bytes message, std::size_t rdata_at, Bytes rdata, Record& rec) {
  ByteReader d(rdata);
  switch (rec.rtype) {
    case type::a:
      if (rdata.size() != 4) return ParseError::malformed;
      rec.address = IpAddr::v4_bytes(rdata);
      return Ok{};
    case type::aaaa:
      if (rdata.size() != 16) return ParseError::malformed;
      rec.address = IpAddr::v6_bytes(rdata);
      return Ok{};
    case type::ptr:
    case type::cname: {
      std::size_t at = rdata_at;
      // The name may point anywhere before it; it must end inside the RDATA.
      auto name = read_name(message.first(rdata_at + rdata.size()), at, rec.target);
      if (!name) return name.error() == ParseError::truncated ? ParseError::malformed : name.error();
      return Ok{};
    }
    case type::srv: {
      auto port = d.skip(4) ? d.u16_be() : std::nullopt;  // priority, weight, port
      if (!port) return ParseError::malformed;
      rec.port = *port;
      std::size_t at = rdata_at + 6;
      auto name = read_name(message.first(rdata_at + rdata.size()), at, rec.target);
      if (!name) return name.error() == ParseError::truncated ? ParseError::malformed : name.error();
      return Ok{};
    }
    case type::txt:
      while (!d.empty()) {
        const auto len = *d.u8();
        auto s = d.take(len);
        if (!s) return ParseError::malformed;
        (void)rec.txt.push_back(as_chars(*s));  // past kMaxTxtStrings: dropped
      }
      return Ok{};
    case type::hinfo: {
      auto cl = d.u8();
      auto cpu = cl ? d.take(*cl) : std::nullopt;
      auto ol = d.u8();
      auto os = ol ? d.take(*ol) : std::nullopt;
      if (!cpu || !os) return ParseError::malformed;
      rec.cpu = as_chars(*cpu);
      rec.os = as_chars(*os);
      return Ok{};
    }
    default: return Ok{};
  }
}

Result<Ok> read_records(Bytes b, std::size_t& at, std::uint16_t count, std::vector<Record>& out,
                        bool decode_rdata) {
  out.reserve(count);  // the total was checked against kMaxRecords
  for (std::uint16_t i = 0; i < count; ++i) {
    Record& rec = out.emplace_back();
    auto name = read_name(b, at, rec.name);
    if (!name) return name.error();
    ByteReader r(b.subspan(at));
    auto rtype = r.u16_be();
    auto rclass = r.u16_be();
    auto ttl = r.u32_be();
    auto rdlength = r.u16_be();
    if (!rtype || !rclass || !ttl || !rdlength) return ParseError::truncated;
    auto rdata = r.take(*rdlength);
    if (!rdata) return ParseError::truncated;
    rec.rtype = *rtype;
    rec.rclass = *rclass;
    rec.ttl = *ttl;
    rec.rdata = *rdata;
    if (decode_rdata) {
      auto ok = read_rdata(b, at + 10, *rdata, rec);
      if (!ok) return ok.error();
    }
    at += 10 + *rdlength;
  }
  return Ok{};
}

}  // namespace

Result<Ok> read_name(Bytes message, std::size_t& offset, Name& out) noexcept {
  out.clear();
  std::size_t at = offset;
  std::size_t segment_start = offset;  // a pointer must point before this
  std::size_t wire_length = 1;         // the root label
  std::size_t jumps = 0;
  bool jumped = false;
  while (true) {
    if (at >= message.size()) return ParseError::truncated;
    const auto len = static_cast<std::uint8_t>(message[at]);
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= message.size()) return ParseError::truncated;
      const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | static_cast<std::uint8_t>(message[at + 1]);
      if (target >= segment_start || ++jumps > kMaxPointerJumps) return ParseError::malformed;
      if (!jumped) offset = at + 2;
      jumped = true;
      at = target;
      segment_start = target;
      continue;
    }
    if ((len & 0xC0) != 0) return ParseError::malformed;  // 0x40 / 0x80: reserved label types
    if (len == 0) {
      if (!jumped) offset = at + 1;
      return Ok{};
    }
    wire_length += len + 1u;
    if (wire_length > kMaxNameLength) return ParseError::malformed;
    if (len > message.size() - at - 1) return ParseError::truncated;
    // The text is shorter than the wire form checked above, so it always fits.
    if (!(out.empty() || out.append(".")) || !out.append(as_chars(message.subspan(at + 1, len)))) {
      return ParseError::malformed;
    }
    at += 1u + len;
  }
}

Result<std::string> read_name(Bytes message, std::size_t& offset) noexcept {
  Name name;
  auto ok = read_name(message, offset, name);
  if (!ok) return ok.error();
  return name.str();
}

Result<Message> parse(Bytes b, bool decode_rdata) noexcept {
  Message m;
  if (auto ok = parse(b, m, decode_rdata); !ok) return ok.error();
  return m;
}

Result<Ok> parse(Bytes b, Message& m, bool decode_rdata) noexcept {
  ByteReader r(b);
  m.id = m.flags = 0;
  m.questions.clear();
  m.answers.clear();
  m.authority.clear();
  m.additional.clear();
  Counts c;
  auto id = r.u16_be();
  auto flags = r.u16_be();
  auto qd = r.u16_be(), an = r.u16_be(), ns = r.u16_be(), ar = r.u16_be();
  if (!id || !flags || !qd || !an || !ns || !ar) return ParseError::truncated;
  m.id = *id;
  m.flags = *flags;
  c = {*qd, *an, *ns, *ar};
  if (c.qd > kMaxQuestions || std::size_t{c.an} + c.ns + c.ar > kMaxRecords) return ParseError::limit_exceeded;
  std::size_t at = kHeaderSize;
  m.questions.reserve(c.qd);
  for (std::uint16_t i = 0; i < c.qd; ++i) {
    Question& q = m.questions.emplace_back();
    auto name = read_name(b, at, q.name);
    if (!name) return name.error();
    ByteReader qr(b.subspan(at));
    auto qt = qr.u16_be();
    auto qc = qr.u16_be();
    if (!qt || !qc) return ParseError::truncated;
    q.qtype = *qt;
    q.qclass = *qc;
    at += 4;
  }
  if (auto ok = read_records(b, at, c.an, m.answers, decode_rdata); !ok) return ok.error();
  if (auto ok = read_records(b, at, c.ns, m.authority, decode_rdata); !ok) return ok.error();
  if (auto ok = read_records(b, at, c.ar, m.additional, decode_rdata); !ok) return ok.error();
  return Ok{};
}

namespace {

// One reused message per thread: the datagram entry points are plain
// functions, and a Message that is reused parses without allocating. Bounded:
// at most kMaxQuestions questions and kMaxRecords records are ever held.
Message& scratch() noexcept {
  thread_local Message m;
  return m;
}

// Parses into the scratch message and counts a failure as "<proto>.<error>";
// null on failure.
const Message* parse_counted(const DecodedPacket& pkt, Bytes payload, Sink& sink, std::string_view truncated,
                             std::string_view malformed, std::string_view too_many) {
  Message& m = scratch();
  const auto ok = parse(payload, m);
  if (ok) return &m;
  if (ok.error() == ParseError::limit_exceeded) sink.anomaly(too_many);
  else if (ok.error() == ParseError::truncated || pkt.payload_truncated) sink.anomaly(truncated);
  else sink.anomaly(malformed);
  return nullptr;
}

// Facts for each distinct question name, in order (a query repeats names for
// A and AAAA: one fact per name).
void emit_questions(const Message& m, std::string_view field, std::string_view source, Sink& sink) {
  for (std::size_t i = 0; i < m.questions.size(); ++i) {
    const std::string_view n = m.questions[i].name;
    if (n.empty()) continue;
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = m.questions[j].name == n;
    if (!seen) sink.fact_view(AssetRef::sender_party(), field, n, source);
  }
}

// A and AAAA records naming the sender's own address, across all sections.
template <class Fn>
void for_each_record(const Message& m, Fn&& fn) {
  for (const auto* section : {&m.answers, &m.authority, &m.additional})
    for (const Record& rec : *section) fn(rec);
}

// Names already stated for one message (a message holds at most kMaxRecords).
using SeenNames = FixedList<std::string_view, kMaxRecords>;

[[nodiscard]] bool contains(const SeenNames& seen, std::string_view name) noexcept {
  for (auto e : seen)
    if (e == name) return true;
  return false;
}

// The host's own name: "plc-3.local" is host "plc-3" in the link-local domain
// (RFC 6762 §3), the way the plant names it everywhere else (DHCP, NetBIOS).
std::string_view host_label(std::string_view name) noexcept {
  constexpr std::string_view kLocal = ".local";
  if (name.size() <= kLocal.size()) return name;
  const std::string_view tail = name.substr(name.size() - kLocal.size());
  for (std::size_t i = 0; i < kLocal.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(tail[i])) != kLocal[i]) return name;
  return name.substr(0, name.size() - kLocal.size());
}

void emit_own_names(const DecodedPacket& pkt, const Message& m, std::string_view source, Sink& sink) {
  SeenNames emitted;
  for_each_record(m, [&](const Record& rec) {
    if (rec.rtype != type::a && rec.rtype != type::aaaa) return;
    if (rec.name.empty() || !pkt.src_ip.valid() || rec.address != pkt.src_ip) return;
    if (contains(emitted, rec.name)) return;
    (void)emitted.push_back(rec.name);
    sink.fact_view(AssetRef::sender_party(), field::hostname, host_label(rec.name), source);
  });
  // The other addresses announced under a name just proven to be the sender's own
  // (an IPv4 announcement also lists the host's IPv6 addresses).
  for_each_record(m, [&](const Record& rec) {
    if (rec.rtype != type::a && rec.rtype != type::aaaa) return;
    if (rec.address == pkt.src_ip || !contains(emitted, rec.name)) return;
    IpAddr::TextBuffer text;
    sink.fact_view(AssetRef::sender_party(), field::ip, rec.address.format(text), source);
  });
}

bool ends_with(std::string_view s, std::string_view tail) noexcept {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// A DNS-SD service instance name: "<Instance>._<service>._tcp|_udp.<domain>"
// (RFC 6763 §4.1). Meta-queries and reverse names are not instances.
bool is_service_instance(std::string_view n) noexcept {
  if (n.empty() || n[0] == '_') return false;
  if (n.find("._tcp.") == std::string_view::npos && n.find("._udp.") == std::string_view::npos) return false;
  return true;
}

// TXT keys that name the model or maker (RFC 6763 §6; keys as Apple, Google and
// IPP Everywhere publish them).
struct TxtKey {
  std::string_view key;
  std::string_view field;
};
constexpr TxtKey kTxtKeys[] = {
    {"md=", "model"}, {"model=", "model"}, {"ty=", "model"}, {"usb_MDL=", "model"},
    {"manufacturer=", "vendor"}, {"usb_MFG=", "vendor"},
};

}  // namespace

void on_dns_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto m = parse_counted(pkt, payload, sink, "dns.truncated", "dns.malformed", "dns.too_many_records");
  if (!m) return;
  sink.confirm();
  if (!m->response()) {
    if (m->opcode() == 0) emit_questions(*m, "dns_query", "dns", sink);
    return;
  }
  if (pkt.src_port == kDnsPort) sink.fact_view(AssetRef::sender_party(), field::role, "dns_server", "dns");
}

void on_mdns_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto m = parse_counted(pkt, payload, sink, "mdns.truncated", "mdns.malformed", "mdns.too_many_records");
  if (!m) return;
  sink.confirm();
  if (!m->response()) return;
  emit_own_names(pkt, *m, "mdns", sink);
  SeenNames instances;
  auto service = [&](std::string_view instance) {
    if (!is_service_instance(instance) || contains(instances, instance)) return;
    (void)instances.push_back(instance);
    FixedText<5 + kMaxNameLength> text;  // "mdns:" and a name always fit
    if (text.append("mdns:") && text.append(instance)) {
      sink.fact_view(AssetRef::sender_party(), field::service, text, "mdns");
    }
  };
  for_each_record(*m, [&](const Record& rec) {
    if (rec.rtype == type::ptr && !ends_with(rec.name, ".arpa")) service(rec.target);
    if (rec.rtype == type::srv) service(rec.name);
    if (rec.rtype != type::txt || !is_service_instance(rec.name)) return;
    for (const std::string_view s : rec.txt)
      for (const auto& k : kTxtKeys)
        if (s.size() > k.key.size() && s.substr(0, k.key.size()) == k.key)
          sink.fact_view(AssetRef::sender_party(), k.field, s.substr(k.key.size()), "mdns");
  });
}

void on_llmnr_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto m = parse_counted(pkt, payload, sink, "llmnr.truncated", "llmnr.malformed", "llmnr.too_many_records");
  if (!m) return;
  sink.confirm();
  if (!m->response()) {
    emit_questions(*m, "dns_query", "llmnr", sink);
    return;
  }
  emit_own_names(pkt, *m, "llmnr", sink);
}

}  // namespace mieruka::dissectors::dns
