// DHCPv4 / DHCPv6 (see dhcp.hpp for the specs followed and what is emitted).
#include "dhcp.hpp"

#include <optional>

namespace mieruka::dissectors::dhcp {
namespace {

constexpr std::string_view kSource = "dhcp";

// DHCPv4 option codes (RFC 2132 §3-§9, RFC 4702, RFC 3004).
namespace opt {
inline constexpr std::uint8_t pad = 0, hostname = 12, vendor_info = 43, requested_ip = 50,
                              message_type = 53, server_id = 54, parameter_list = 55, vendor_class = 60,
                              client_id = 61, user_class = 77, client_fqdn = 81, end = 255;
}
// DHCPv6 option codes (RFC 8415 §21, RFC 4704).
namespace opt6 {
inline constexpr std::uint16_t client_id = 1, ia_na = 3, iaaddr = 5, vendor_class = 16, client_fqdn = 39;
}

std::string hex(Bytes b, std::size_t cap) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = b.size() < cap ? b.size() : cap;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::uint8_t>(b[i]);
    out += kHex[v >> 4];
    out += kHex[v & 0xF];
  }
  return out;
}

// RFC 3004 §4: one or more (length, data) instances. Microsoft clients send a
// plain string instead (seen in tcpdump__dhcp-rfc3004.pcap's neighbours): when
// the instances do not tile the option exactly, keep the bytes as they are.
std::string user_class(Bytes b) {
  std::string out;
  ByteReader r(b);
  while (!r.empty()) {
    auto len = r.u8();
    if (!len || *len == 0) return std::string(as_chars(b));
    auto data = r.take(*len);
    if (!data) return std::string(as_chars(b));
    if (!out.empty()) out += ',';
    out += as_chars(*data);
  }
  return out;
}

// RFC 4702 §2: flags, rcode1, rcode2, then the name: wire format when the E bit
// (0x04) is set, else ASCII (deprecated, still sent by old Windows clients).
std::string client_fqdn(Bytes b) {
  ByteReader r(b);
  auto flags = r.u8();
  if (!flags || !r.skip(2)) return {};
  if ((*flags & 0x04) == 0) return std::string(as_chars(r.rest()));
  auto name = wire_name(r.rest());
  return name ? *name : std::string();
}

}  // namespace

std::string_view message_type_name(std::uint8_t type) noexcept {
  switch (type) {
    case msg::discover: return "discover";
    case msg::offer: return "offer";
    case msg::request: return "request";
    case msg::decline: return "decline";
    case msg::ack: return "ack";
    case msg::nak: return "nak";
    case msg::release: return "release";
    case msg::inform: return "inform";
    default: return "";
  }
}

std::optional<std::string> wire_name(Bytes b) noexcept {
  std::string out;
  ByteReader r(b);
  while (!r.empty()) {
    const auto len = *r.u8();
    if (len == 0) return out;
    if (len > 63) return std::nullopt;  // compression is not allowed here (RFC 4702 §2.3.1)
    auto label = r.take(len);
    if (!label || out.size() + len + 1 > kMaxFqdnLength) return std::nullopt;
    if (!out.empty()) out += '.';
    out += as_chars(*label);
  }
  return out;  // a partial name without the root label (RFC 4702 §2.3.1 allows it)
}

// RFC 2131 Figure 1: op htype hlen hops xid secs flags ciaddr yiaddr siaddr giaddr
// chaddr(16) sname(64) file(128), then the magic cookie and options (§3).
Result<Message> parse(Bytes b) noexcept {
  ByteReader r(b);
  if (r.remaining() < kBootpHeaderSize) return ParseError::truncated;
  Message m;
  m.op = *r.u8();
  const auto htype = *r.u8();
  const auto hlen = *r.u8();
  (void)r.skip(1 + 4 + 2 + 2);  // hops, xid, secs, flags
  if (m.op != 1 && m.op != 2) return ParseError::malformed;
  m.ciaddr = IpAddr::v4_bytes(*r.take(4));
  m.yiaddr = IpAddr::v4_bytes(*r.take(4));
  m.siaddr = IpAddr::v4_bytes(*r.take(4));
  m.giaddr = IpAddr::v4_bytes(*r.take(4));
  const Bytes chaddr = *r.take(16);
  (void)r.skip(64 + 128);  // sname, file (overload into them is not followed)
  if (htype != 1 || hlen != 6) return ParseError::unsupported;
  m.chaddr = MacAddr::from_bytes(chaddr);
  if (r.empty()) return m;  // plain BOOTP, no vendor area
  auto cookie = r.u32_be();
  if (!cookie) return ParseError::truncated;
  if (*cookie != kMagicCookie) return m;  // RFC 1497 vendor area of another kind
  m.has_cookie = true;
  while (!r.empty()) {
    const auto code = *r.u8();
    if (code == opt::pad) continue;
    if (code == opt::end) break;
    if (++m.option_count > kMaxOptions) return ParseError::limit_exceeded;
    auto len = r.u8();
    if (!len) return ParseError::malformed;
    auto data = r.take(*len);
    if (!data) return ParseError::malformed;
    const Bytes d = *data;
    switch (code) {
      case opt::message_type:
        if (d.size() == 1) m.message_type = static_cast<std::uint8_t>(d[0]);
        break;
      case opt::hostname:
        // RFC 2132 §3.14 says not NUL-terminated; C-string stacks terminate it anyway.
        m.hostname = as_chars(d);
        while (!m.hostname.empty() && m.hostname.back() == '\0') m.hostname.remove_suffix(1);
        break;
      case opt::vendor_class: m.vendor_class = as_chars(d); break;
      case opt::client_id: m.client_id = d; break;
      case opt::requested_ip:
        if (d.size() == 4) m.requested_ip = IpAddr::v4_bytes(d);
        break;
      case opt::server_id:
        if (d.size() == 4) m.server_id = IpAddr::v4_bytes(d);
        break;
      case opt::parameter_list:
        m.fingerprint.clear();
        for (std::byte x : d) {
          if (!m.fingerprint.empty()) m.fingerprint += ',';
          m.fingerprint += std::to_string(static_cast<unsigned>(x));
        }
        break;
      case opt::client_fqdn: m.fqdn = client_fqdn(d); break;
      case opt::user_class: m.user_class = user_class(d); break;
      case opt::vendor_info: m.vendor_info = d; break;
      // Option 52 (overload) is read like any other but not followed: sname and
      // file stay skipped.
      default: break;
    }
  }
  return m;
}

// RFC 8415 §8: msg-type, transaction-id (3), options (code 16, length 16, data).
Result<V6Message> parse_v6(Bytes b) noexcept {
  ByteReader r(b);
  V6Message m;
  auto type = r.u8();
  if (!type || !r.skip(3)) return ParseError::truncated;
  m.msg_type = *type;
  if (m.msg_type == msg6::relay_forw || m.msg_type == msg6::relay_repl) return ParseError::unsupported;
  while (!r.empty()) {
    if (++m.option_count > kMaxOptions) return ParseError::limit_exceeded;
    auto code = r.u16_be();
    auto len = r.u16_be();
    if (!code || !len) return ParseError::malformed;
    auto data = r.take(*len);
    if (!data) return ParseError::malformed;
    ByteReader d(*data);
    switch (*code) {
      case opt6::client_id: m.client_duid = *data; break;
      case opt6::client_fqdn: {
        if (!d.skip(1)) break;  // flags
        auto name = wire_name(d.rest());
        if (name) m.fqdn = std::move(*name);
        break;
      }
      case opt6::vendor_class: {
        auto ent = d.u32_be();
        auto clen = d.u16_be();
        if (!ent || !clen) break;
        auto cdata = d.take(*clen);
        if (!cdata) break;
        m.vendor_class = std::to_string(*ent) + ":" + std::string(as_chars(*cdata));
        break;
      }
      case opt6::ia_na: {
        if (!d.skip(12)) break;  // IAID, T1, T2 (§21.4)
        std::size_t inner = 0;
        while (!d.empty() && inner++ < kMaxOptions) {
          auto icode = d.u16_be();
          auto ilen = d.u16_be();
          if (!icode || !ilen) break;
          auto idata = d.take(*ilen);
          if (!idata) break;
          if (*icode == opt6::iaaddr && idata->size() >= 24 && m.address_count < kMaxV6Addresses)
            m.addresses[m.address_count++] = IpAddr::v6_bytes(idata->first(16));
        }
        break;
      }
      default: break;
    }
  }
  return m;
}

void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto parsed = parse(payload);
  if (!parsed) {
    switch (parsed.error()) {
      case ParseError::unsupported: sink.anomaly("dhcp.unsupported_hardware"); break;
      case ParseError::limit_exceeded: sink.anomaly("dhcp.too_many_options"); break;
      case ParseError::truncated: sink.anomaly("dhcp.truncated"); break;
      default: sink.anomaly(pkt.payload_truncated ? "dhcp.truncated" : "dhcp.malformed"); break;
    }
    return;
  }
  const Message& m = *parsed;
  if (!m.chaddr.is_unicast()) {
    sink.anomaly("dhcp.bad_client_mac");
    return;
  }
  const AssetRef client = AssetRef::station(m.chaddr);
  if (m.op == 1) {
    sink.fact({client, field::role, "dhcp_client", kSource});
    if (!m.hostname.empty()) sink.fact_view(client, field::hostname, m.hostname, kSource);
    if (!m.vendor_class.empty()) sink.fact_view(client, "dhcp_vendor_class", m.vendor_class, kSource);
    if (!m.client_id.empty()) sink.fact({client, "dhcp_client_id", hex(m.client_id, kMaxClientIdBytes), kSource});
    if (!m.fingerprint.empty()) sink.fact({client, "dhcp_fingerprint", m.fingerprint, kSource});
    if (!m.fqdn.empty()) sink.fact({client, "dhcp_fqdn", m.fqdn, kSource});
    if (!m.user_class.empty()) sink.fact({client, "dhcp_user_class", m.user_class, kSource});
    if (!m.vendor_info.empty())
      sink.fact({client, "dhcp_vendor_info", hex(m.vendor_info, kMaxVendorInfoBytes), kSource});
    return;
  }
  // BOOTREPLY. A relay forwards the server's reply: the server is the sender only
  // when no relay agent is in the path.
  if (m.message_type != msg::offer && m.message_type != msg::ack) return;
  if (m.giaddr.v4_value() == 0) sink.fact({AssetRef::sender_party(), field::role, "dhcp_server", kSource});
  // Option 12 is "the name of the client" (RFC 2132 §3.14) in a reply too: the
  // server's name for chaddr, from its reservation. The client may decline an
  // OFFER, but the name is still the one the plant gave that MAC. Only the ACK
  // commits the lease (RFC 2131 §3.1 step 5, §4.3.1), so only the ACK's yiaddr
  // is bound to chaddr; an OFFER's address may go to another client.
  if (!m.hostname.empty()) sink.fact_view(client, field::hostname, m.hostname, kSource);
  if (m.message_type == msg::ack && m.yiaddr.v4_value() != 0)
    sink.fact({client, field::ip, m.yiaddr.to_string(), kSource});
}

void on_v6_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  auto parsed = parse_v6(payload);
  if (!parsed) {
    switch (parsed.error()) {
      case ParseError::unsupported: sink.anomaly("dhcp.v6_relay"); break;
      case ParseError::limit_exceeded: sink.anomaly("dhcp.too_many_options"); break;
      case ParseError::truncated: sink.anomaly("dhcp.truncated"); break;
      default: sink.anomaly(pkt.payload_truncated ? "dhcp.truncated" : "dhcp.malformed"); break;
    }
    return;
  }
  const V6Message& m = *parsed;
  const bool from_server = m.msg_type == msg6::advertise || m.msg_type == msg6::reply ||
                           m.msg_type == msg6::reconfigure;
  // A server's Advertise/Reply goes to the client (unicast to its link-local
  // address): the client is the receiving party then.
  const AssetRef client = from_server ? AssetRef::receiver_party() : AssetRef::sender_party();
  if (from_server) {
    if (m.msg_type != msg6::reconfigure)
      sink.fact({AssetRef::sender_party(), field::role, "dhcp_server", kSource});
  } else {
    sink.fact({client, field::role, "dhcp_client", kSource});
  }
  if (!m.client_duid.empty()) sink.fact({client, "dhcpv6_duid", hex(m.client_duid, kMaxClientIdBytes), kSource});
  if (!m.fqdn.empty()) sink.fact({client, "dhcp_fqdn", m.fqdn, kSource});
  if (!m.vendor_class.empty()) sink.fact({client, "dhcp_vendor_class", m.vendor_class, kSource});
  if (m.msg_type == msg6::reply && !pkt.dst_ip.is_multicast())
    for (std::size_t i = 0; i < m.address_count; ++i)
      sink.fact({client, field::ip, m.addresses[i].to_string(), kSource});
}

}  // namespace mieruka::dissectors::dhcp
