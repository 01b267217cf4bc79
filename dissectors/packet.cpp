// Link, network and transport decoding (see packet.hpp).
// Specs followed:
//   Ethernet II / IEEE 802.3-2018 §3.2.6 (Length/Type < 0x0600 is a length),
//   IEEE 802.1Q-2018 §9.6 (C-tag 0x8100, S-tag 0x88a8; 0x9100 is the pre-standard
//   QinQ TPID seen on older switches), IEEE 802.2 LLC and RFC 1042 SNAP,
//   RFC 826 ARP, RFC 791 IPv4, RFC 8200 IPv6 (§4 extension headers; AH per
//   RFC 4302 §2.2 counts 4-byte units), RFC 9293 TCP §3.1, RFC 768 UDP,
//   RFC 792 / RFC 4443 ICMP, tcpdump.org LINKTYPE_LINUX_SLL / SLL2 / NULL / LOOP
//   pages, radiotap.org (header and field alignment), IEEE 802.11-2020 §9.2/§9.3.
// Emits nothing but anomaly counters "<layer>.<reason>"; the sensor turns the
// DecodedPacket into flows and facts.
#include "packet.hpp"

#include <memory>
#include <string_view>
#include <type_traits>

namespace mieruka::dissectors {
namespace {

// EtherTypes and IP protocol numbers we branch on.
constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88a8;
constexpr std::uint16_t kEtherQinQOld = 0x9100;
constexpr std::uint16_t kMinEtherType = 0x0600;  // below: an 802.3 length

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmpv6 = 58;

constexpr std::size_t kEthHeaderLen = 14;
constexpr std::size_t kSllHeaderLen = 16;
constexpr std::size_t kSll2HeaderLen = 20;
constexpr std::size_t kIpv4MinHeaderLen = 20;
constexpr std::size_t kIpv6HeaderLen = 40;
constexpr std::size_t kTcpMinHeaderLen = 20;
constexpr std::size_t kUdpHeaderLen = 8;

// What the L4 decoders need to know about the datagram around them.
struct IpContext {
  bool cut = false;             // the capture cut the datagram short
  bool partial = false;         // a first fragment: the L4 payload continues elsewhere
};

Result<Ok> fail(Sink& sink, std::string_view counter, ParseError e) noexcept {
  sink.anomaly(counter);
  return e;
}

MacAddr read_mac(Bytes six) noexcept { return MacAddr::from_bytes(six); }

bool is_vlan_tpid(std::uint16_t t) noexcept {
  return t == kEtherVlan || t == kEtherQinQ || t == kEtherQinQOld;
}

// --- Layer 4 --------------------------------------------------------------------

// RFC 9293 §3.1: data offset in 32-bit words, options up to 40 bytes.
Result<Ok> decode_tcp(Bytes data, const IpContext& ip, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  if (r.remaining() < kTcpMinHeaderLen) {
    if (ip.cut || ip.partial) return fail(sink, "tcp.truncated", ParseError::truncated);
    return fail(sink, "tcp.too_short", ParseError::malformed);
  }
  out.src_port = *r.u16_be();
  out.dst_port = *r.u16_be();
  out.seq = *r.u32_be();
  out.ack = *r.u32_be();
  const std::uint16_t off_flags = *r.u16_be();
  out.window = *r.u16_be();
  (void)r.skip(4);  // checksum, urgent pointer
  out.l4 = L4::tcp;
  out.tcp_flags = static_cast<std::uint8_t>(off_flags & 0xff);
  const std::size_t header_len = static_cast<std::size_t>(off_flags >> 12) * 4;
  if (header_len < kTcpMinHeaderLen) return fail(sink, "tcp.bad_data_offset", ParseError::malformed);
  auto options = r.take(header_len - kTcpMinHeaderLen);
  if (!options) {
    if (ip.cut || ip.partial) return fail(sink, "tcp.truncated", ParseError::truncated);
    return fail(sink, "tcp.bad_data_offset", ParseError::malformed);
  }
  out.tcp_options = *options;
  out.payload = r.take_rest();
  return Ok{};
}

// RFC 768: the length covers header and data.
Result<Ok> decode_udp(Bytes data, const IpContext& ip, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  if (r.remaining() < kUdpHeaderLen) {
    if (ip.cut || ip.partial) return fail(sink, "udp.truncated", ParseError::truncated);
    return fail(sink, "udp.too_short", ParseError::malformed);
  }
  out.src_port = *r.u16_be();
  out.dst_port = *r.u16_be();
  const std::uint16_t length = *r.u16_be();
  (void)r.skip(2);  // checksum
  out.l4 = L4::udp;
  if (length < kUdpHeaderLen) return fail(sink, "udp.bad_length", ParseError::malformed);
  const std::size_t data_len = length - kUdpHeaderLen;
  if (data_len <= r.remaining()) {
    out.payload = *r.take(data_len);  // drops bytes past the UDP length
    return Ok{};
  }
  // Longer than what we hold: fine when the capture or fragmentation explains it.
  if (ip.cut || ip.partial) {
    out.payload = r.take_rest();
    return Ok{};
  }
  return fail(sink, "udp.bad_length", ParseError::malformed);
}

// RFC 792 / RFC 4443: type, code, checksum; the payload is what follows them.
Result<Ok> decode_icmp(Bytes data, L4 kind, const IpContext& ip, DecodedPacket& out,
                       Sink& sink) noexcept {
  ByteReader r(data);
  const std::string_view counter = kind == L4::icmp ? "icmp.truncated" : "icmpv6.truncated";
  if (r.remaining() < 2) {
    return fail(sink, counter, ip.cut || ip.partial ? ParseError::truncated : ParseError::malformed);
  }
  out.icmp_type = *r.u8();
  out.icmp_code = *r.u8();
  out.l4 = kind;
  (void)r.skip(2);  // checksum (may be cut: the payload is then empty)
  out.payload = r.take_rest();
  return Ok{};
}

Result<Ok> decode_l4(std::uint8_t proto, Bytes data, const IpContext& ip, DecodedPacket& out,
                     Sink& sink) noexcept {
  switch (proto) {
    case kProtoTcp: return decode_tcp(data, ip, out, sink);
    case kProtoUdp: return decode_udp(data, ip, out, sink);
    case kProtoIcmp: return decode_icmp(data, L4::icmp, ip, out, sink);
    case kProtoIcmpv6: return decode_icmp(data, L4::icmpv6, ip, out, sink);
    default:
      out.l4 = L4::other;
      out.payload = data;
      return Ok{};
  }
}

// --- Layer 3 --------------------------------------------------------------------

// When the L2 payload was the whole rest of the frame, drop what follows the
// datagram (Ethernet pads frames to 60 bytes).
void clip_l2_payload(Bytes whole, Bytes datagram, DecodedPacket& out) noexcept {
  if (out.l2_payload.data() == whole.data() && out.l2_payload.size() == whole.size()) {
    out.l2_payload = datagram;
  }
}

// RFC 791 §3.1.
Result<Ok> decode_ipv4(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  const Bytes whole = r.rest();
  const auto first = r.peek_u8();
  if (!first) return fail(sink, "ipv4.truncated", ParseError::truncated);
  if ((*first >> 4) != 4) return fail(sink, "ipv4.bad_version", ParseError::malformed);
  const std::size_t header_len = static_cast<std::size_t>(*first & 0x0f) * 4;
  if (header_len < kIpv4MinHeaderLen) return fail(sink, "ipv4.bad_ihl", ParseError::malformed);
  if (r.remaining() < kIpv4MinHeaderLen) return fail(sink, "ipv4.truncated", ParseError::truncated);
  (void)r.skip(2);  // version/IHL, DSCP/ECN
  const std::uint16_t total_len = *r.u16_be();
  out.ip_id = *r.u16_be();
  const std::uint16_t flags_offset = *r.u16_be();
  out.ttl = *r.u8();
  out.ip_proto = *r.u8();
  (void)r.skip(2);  // header checksum
  out.src_ip.assign_v4(*r.take(4));
  out.dst_ip.assign_v4(*r.take(4));
  out.l3 = L3::ipv4;
  out.ip_total_len = total_len;
  out.ip_dont_fragment = (flags_offset & 0x4000) != 0;
  const bool more_fragments = (flags_offset & 0x2000) != 0;
  const std::uint16_t frag_offset = flags_offset & 0x1fff;
  out.fragment = more_fragments || frag_offset != 0;
  out.first_fragment = out.fragment && frag_offset == 0;

  if (total_len < kIpv4MinHeaderLen) return fail(sink, "ipv4.total_length_short", ParseError::malformed);
  if (header_len > total_len) return fail(sink, "ipv4.bad_ihl", ParseError::malformed);
  IpContext ip;
  Bytes datagram = whole;
  if (total_len <= whole.size()) {
    datagram = whole.first(total_len);
  } else {
    ip.cut = true;
    out.payload_truncated = true;
  }
  clip_l2_payload(whole, datagram, out);
  ByteReader body(datagram);
  if (!body.skip(header_len)) return fail(sink, "ipv4.truncated", ParseError::truncated);  // options cut
  out.ip_payload = body.rest();
  if (out.fragment && !out.first_fragment) return Ok{};  // no transport header here
  ip.partial = out.first_fragment;
  return decode_l4(out.ip_proto, body.rest(), ip, out, sink);
}

// RFC 8200 §3-§4: fixed header, then a chain of extension headers.
Result<Ok> decode_ipv6(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  const Bytes whole = r.rest();
  const auto first = r.peek_u8();
  if (!first) return fail(sink, "ipv6.truncated", ParseError::truncated);
  if ((*first >> 4) != 6) return fail(sink, "ipv6.bad_version", ParseError::malformed);
  if (r.remaining() < kIpv6HeaderLen) return fail(sink, "ipv6.truncated", ParseError::truncated);
  (void)r.skip(4);  // version, traffic class, flow label
  const std::uint16_t payload_len = *r.u16_be();
  std::uint8_t next = *r.u8();
  out.ttl = *r.u8();
  out.src_ip.assign_v6(*r.take(16));
  out.dst_ip.assign_v6(*r.take(16));
  out.l3 = L3::ipv6;
  out.ip_proto = next;
  const std::size_t total = kIpv6HeaderLen + payload_len;
  out.ip_total_len = static_cast<std::uint16_t>(total > 0xffff ? 0xffff : total);

  IpContext ip;
  Bytes datagram = whole;
  if (total <= whole.size()) {
    datagram = whole.first(total);
  } else {
    ip.cut = true;
    out.payload_truncated = true;
  }
  clip_l2_payload(whole, datagram, out);
  ByteReader body(datagram);
  (void)body.skip(kIpv6HeaderLen);

  const ParseError cut_error = ip.cut ? ParseError::truncated : ParseError::malformed;
  for (std::size_t count = 0;; ++count) {
    std::size_t ext_len = 0;
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
      case 139:  // HIP
      case 140: {  // shim6
        const auto len = body.peek_u8(1);
        if (!len) return fail(sink, "ipv6.ext_header_truncated", cut_error);
        ext_len = (static_cast<std::size_t>(*len) + 1) * 8;
        break;
      }
      case 51: {  // AH: length in 4-byte units, minus 2
        const auto len = body.peek_u8(1);
        if (!len) return fail(sink, "ipv6.ext_header_truncated", cut_error);
        ext_len = (static_cast<std::size_t>(*len) + 2) * 4;
        break;
      }
      case 44: {  // fragment: fixed 8 bytes
        if (count >= kMaxIpv6ExtHeaders) {
          return fail(sink, "ipv6.too_many_ext_headers", ParseError::limit_exceeded);
        }
        auto frag = body.sub(8);
        if (!frag) return fail(sink, "ipv6.ext_header_truncated", cut_error);
        next = *frag->u8();
        (void)frag->skip(1);  // reserved
        const std::uint16_t offset_flags = *frag->u16_be();
        const std::uint32_t id = *frag->u32_be();
        out.ip_id = static_cast<std::uint16_t>(id & 0xffff);
        out.ip_proto = next;
        const std::uint16_t offset = offset_flags >> 3;
        out.fragment = true;
        out.first_fragment = offset == 0;
        if (offset != 0) {
          out.ip_payload = body.rest();
          return Ok{};
        }
        continue;
      }
      default:  // ESP (50), no next header (59) and upper layers end the chain
        out.ip_proto = next;
        out.ip_payload = body.rest();
        if (next == 59) return Ok{};
        if (next == 50) {
          out.l4 = L4::other;
          out.payload = body.rest();
          return Ok{};
        }
        ip.partial = out.first_fragment;
        return decode_l4(next, body.rest(), ip, out, sink);
    }
    if (count >= kMaxIpv6ExtHeaders) {
      return fail(sink, "ipv6.too_many_ext_headers", ParseError::limit_exceeded);
    }
    const std::uint8_t following = *body.peek_u8();
    if (!body.skip(ext_len)) return fail(sink, "ipv6.ext_header_truncated", cut_error);
    next = following;
    out.ip_proto = next;
  }
}

// RFC 826, Ethernet/IPv4 only (htype 1, ptype 0x0800, hlen 6, plen 4).
Result<Ok> decode_arp(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  constexpr std::size_t kArpEthIpv4Len = 28;
  const Bytes whole = r.rest();
  if (r.remaining() < 8) return fail(sink, "arp.truncated", ParseError::truncated);
  const std::uint16_t htype = *r.u16_be();
  const std::uint16_t ptype = *r.u16_be();
  const std::uint8_t hlen = *r.u8();
  const std::uint8_t plen = *r.u8();
  out.arp.op = *r.u16_be();
  if (htype != 1 || ptype != kEtherIpv4 || hlen != 6 || plen != 4) {
    return fail(sink, "arp.unsupported", ParseError::unsupported);
  }
  if (r.remaining() < kArpEthIpv4Len - 8) return fail(sink, "arp.truncated", ParseError::truncated);
  out.arp.sha = read_mac(*r.take(6));
  out.arp.spa.assign_v4(*r.take(4));
  out.arp.tha = read_mac(*r.take(6));
  out.arp.tpa.assign_v4(*r.take(4));
  out.l3 = L3::arp;
  clip_l2_payload(whole, whole.first(kArpEthIpv4Len), out);
  return Ok{};
}

// The protocol after every L2 header: `data` starts at its first byte.
Result<Ok> decode_l3(std::uint16_t ethertype, Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  out.ethertype = ethertype;
  out.l2_payload = data;
  switch (ethertype) {
    case kEtherIpv4: return decode_ipv4(data, out, sink);
    case kEtherIpv6: return decode_ipv6(data, out, sink);
    case kEtherArp: return decode_arp(data, out, sink);
    default:
      out.l3 = L3::other;
      return Ok{};
  }
}

// --- Layer 2 --------------------------------------------------------------------

// IEEE 802.2 LLC (dsap, ssap, control of 1 byte for U-format, 2 for I/S-format),
// then RFC 1042 SNAP when dsap = ssap = 0xaa. SNAP with OUI 0 (or 00-00-f8, 802.1H)
// carries an EtherType.
Result<Ok> decode_llc(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  if (r.remaining() < 3) return fail(sink, "llc.truncated", ParseError::truncated);
  out.llc_dsap = *r.u8();
  out.llc_ssap = *r.u8();
  out.llc = true;
  const std::uint8_t control = *r.u8();
  if ((control & 0x03) != 0x03 && !r.skip(1)) return fail(sink, "llc.truncated", ParseError::truncated);
  if (out.llc_dsap == 0xaa && out.llc_ssap == 0xaa) {
    if (r.remaining() < 5) return fail(sink, "snap.truncated", ParseError::truncated);
    out.snap_oui = *r.u24_be();
    out.snap_pid = *r.u16_be();
    if ((out.snap_oui == 0 || out.snap_oui == 0x0000f8) && out.snap_pid >= kMinEtherType) {
      const Result<Ok> res = decode_l3(out.snap_pid, r.rest(), out, sink);
      return res;
    }
  }
  out.l2_payload = r.rest();
  out.l3 = L3::other;
  return Ok{};
}

// After the Ethernet addresses (or a cooked header's protocol): VLAN tags, then
// an EtherType or, in an Ethernet frame, an 802.3 length.
Result<Ok> decode_ethertype_chain(std::uint16_t type, Bytes data, bool length_allowed,
                                  DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  for (std::size_t tags = 0; is_vlan_tpid(type); ++tags) {
    if (tags >= kMaxVlanTags) return fail(sink, "vlan.too_many_tags", ParseError::limit_exceeded);
    if (r.remaining() < 4) return fail(sink, "vlan.truncated", ParseError::truncated);
    const std::uint16_t tci = *r.u16_be();
    type = *r.u16_be();
    if (out.vlan_count < 2) out.vlans[out.vlan_count++] = tci & 0x0fff;
  }
  if (type >= kMinEtherType) return decode_l3(type, r.rest(), out, sink);
  if (!length_allowed) return fail(sink, "sll.unsupported_protocol", ParseError::unsupported);
  // 802.3 length frame: the length counts the LLC PDU; what follows is padding.
  out.ethertype = 0;
  if (type <= r.remaining()) r = *r.sub(type);
  return decode_llc(r.rest(), out, sink);
}

Result<Ok> decode_ethernet(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  if (r.remaining() < kEthHeaderLen) return fail(sink, "eth.truncated", ParseError::truncated);
  out.dst_mac = read_mac(*r.take(6));
  out.src_mac = read_mac(*r.take(6));
  out.has_l2 = true;
  const std::uint16_t type = *r.u16_be();
  return decode_ethertype_chain(type, r.rest(), true, out, sink);
}

// The protocol field of a cooked header: an EtherType, or one of the Linux
// ETH_P_* values below 0x0600 (only ETH_P_802_2 = 4, an LLC frame, is decoded).
Result<Ok> decode_cooked_protocol(std::uint16_t protocol, Bytes data, DecodedPacket& out,
                                  Sink& sink) noexcept {
  ByteReader r(data);
  if (protocol == 0x0004) {
    out.ethertype = 0;
    return decode_llc(r.rest(), out, sink);
  }
  return decode_ethertype_chain(protocol, r.rest(), false, out, sink);
}

void set_cooked_source(std::size_t addr_len, Bytes addr, DecodedPacket& out) noexcept {
  if (addr_len != 6) return;
  out.src_mac = read_mac(addr);
  out.has_l2 = true;
}

// LINKTYPE_LINUX_SLL: packet type(2) ARPHRD type(2) addr len(2) addr(8) protocol(2).
Result<Ok> decode_sll(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  if (r.remaining() < kSllHeaderLen) return fail(sink, "sll.truncated", ParseError::truncated);
  out.sll_pkttype = static_cast<std::uint8_t>(*r.u16_be());
  (void)r.skip(2);  // ARPHRD_ type
  const std::uint16_t addr_len = *r.u16_be();
  const Bytes addr = *r.take(8);
  const std::uint16_t protocol = *r.u16_be();
  set_cooked_source(addr_len, addr, out);
  return decode_cooked_protocol(protocol, r.rest(), out, sink);
}

// LINKTYPE_LINUX_SLL2: protocol(2) reserved(2) ifindex(4) ARPHRD type(2)
// packet type(1) addr len(1) addr(8).
Result<Ok> decode_sll2(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  if (r.remaining() < kSll2HeaderLen) return fail(sink, "sll2.truncated", ParseError::truncated);
  const std::uint16_t protocol = *r.u16_be();
  (void)r.skip(8);  // reserved, interface index, ARPHRD_ type
  out.sll_pkttype = *r.u8();
  const std::uint8_t addr_len = *r.u8();
  const Bytes addr = *r.take(8);
  set_cooked_source(addr_len, addr, out);
  return decode_cooked_protocol(protocol, r.rest(), out, sink);
}

// Raw IP: the version nibble says which. `only` is 4 or 6 for LINKTYPE_IPV4/IPV6.
Result<Ok> decode_raw_ip(Bytes data, int only, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  const auto first = r.peek_u8();
  if (!first) return fail(sink, "raw.truncated", ParseError::truncated);
  const int version = *first >> 4;
  if (only != 0 && version != only) return fail(sink, "raw.bad_version", ParseError::malformed);
  if (version == 4) return decode_ipv4(r.rest(), out, sink);
  if (version == 6) return decode_ipv6(r.rest(), out, sink);
  return fail(sink, "raw.bad_version", ParseError::malformed);
}

// BSD loopback: a 4-byte address family in the capturing host's byte order
// (NULL) or big-endian (LOOP). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
// OpenBSD), 28 (FreeBSD) or 30 (macOS); Linux's 10 is not seen in these captures.
Result<Ok> decode_loopback(Bytes data, bool either_order, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  if (r.remaining() < 4) return fail(sink, "null.truncated", ParseError::truncated);
  const Bytes fam = *r.peek(4);
  ByteReader be(fam), le(fam);
  const std::uint32_t family_be = *be.u32_be();
  const std::uint32_t family_le = *le.u32_le();
  (void)r.skip(4);
  auto known = [](std::uint32_t f) { return f == 2 || f == 24 || f == 28 || f == 30; };
  std::uint32_t family = family_be;
  if (either_order && !known(family_be)) family = family_le;
  if (family == 2) {
    out.ethertype = kEtherIpv4;
    return decode_ipv4(r.rest(), out, sink);
  }
  if (known(family)) {
    out.ethertype = kEtherIpv6;
    return decode_ipv6(r.rest(), out, sink);
  }
  return fail(sink, "null.unknown_family", ParseError::unsupported);
}

// IEEE 802.11-2020 §9.2.4.1 frame control, §9.3 frame formats.
Result<Ok> decode_ieee80211(Bytes data, DecodedPacket& out, Sink& sink) noexcept {
  ByteReader r(data);
  out.wireless = true;
  if (r.remaining() < 10) return fail(sink, "wlan.truncated", ParseError::truncated);
  const std::uint8_t fc0 = *r.u8();
  const std::uint8_t fc1 = *r.u8();
  (void)r.skip(2);  // duration / ID
  if ((fc0 & 0x03) != 0) return fail(sink, "wlan.bad_version", ParseError::unsupported);
  out.wlan_type = static_cast<std::uint8_t>((fc0 >> 2) & 0x03);
  out.wlan_subtype = static_cast<std::uint8_t>(fc0 >> 4);
  out.wlan_protected = (fc1 & 0x40) != 0;
  const bool to_ds = (fc1 & 0x01) != 0;
  const bool from_ds = (fc1 & 0x02) != 0;
  const bool order = (fc1 & 0x80) != 0;
  const MacAddr addr1 = read_mac(*r.take(6));

  if (out.wlan_type == 1) {  // control: RA, and TA for most subtypes
    out.dst_mac = addr1;
    out.has_l2 = true;
    const std::uint8_t st = out.wlan_subtype;
    const bool has_ta = st == 4 || st == 5 || (st >= 8 && st <= 11) || st == 14 || st == 15;
    if (!has_ta) return Ok{};
    if (r.remaining() < 6) return fail(sink, "wlan.truncated", ParseError::truncated);
    out.src_mac = read_mac(*r.take(6));
    out.ta = out.src_mac;
    return Ok{};
  }
  if (out.wlan_type == 3) return fail(sink, "wlan.unsupported_type", ParseError::unsupported);

  if (r.remaining() < 14) return fail(sink, "wlan.truncated", ParseError::truncated);
  const MacAddr addr2 = read_mac(*r.take(6));
  const MacAddr addr3 = read_mac(*r.take(6));
  (void)r.skip(2);  // sequence control
  out.has_l2 = true;
  out.ta = addr2;
  if (out.wlan_type == 0) {  // management: DA, SA, BSSID
    out.dst_mac = addr1;
    out.src_mac = addr2;
    out.bssid = addr3;
    out.l2_payload = r.rest();
    return Ok{};
  }

  // Data (§9.3.2.1, Table 9-30): the DS bits say which address is which.
  if (!to_ds && !from_ds) {
    out.dst_mac = addr1, out.src_mac = addr2, out.bssid = addr3;
  } else if (!to_ds && from_ds) {
    out.dst_mac = addr1, out.bssid = addr2, out.src_mac = addr3;
  } else if (to_ds && !from_ds) {
    out.bssid = addr1, out.src_mac = addr2, out.dst_mac = addr3;
  } else {  // WDS / mesh: RA, TA, DA, SA
    out.dst_mac = addr3;
    if (r.remaining() < 6) return fail(sink, "wlan.truncated", ParseError::truncated);
    out.src_mac = read_mac(*r.take(6));
  }
  const bool qos = (out.wlan_subtype & 0x08) != 0;
  if (qos) {
    if (!r.skip(2)) return fail(sink, "wlan.truncated", ParseError::truncated);
    if (order && !r.skip(4)) return fail(sink, "wlan.truncated", ParseError::truncated);  // HT control
  }
  if ((out.wlan_subtype & 0x04) != 0) return Ok{};  // Null / CF-only: no body
  if (out.wlan_protected) {
    out.l2_payload = r.rest();
    return Ok{};
  }
  return decode_llc(r.rest(), out, sink);
}

// Radiotap (radiotap.org): version(1) pad(1) length(2, LE) present(4, LE)...
// The Flags field (bit 1, after TSFT at bit 0) says whether an FCS ends the frame.
Result<Ok> decode_radiotap(Bytes frame, DecodedPacket& out, Sink& sink) noexcept {
  out.wireless = true;
  ByteReader r(frame);
  if (r.remaining() < 8) return fail(sink, "radiotap.truncated", ParseError::truncated);
  (void)r.skip(2);  // version, pad
  const std::uint16_t len = *r.u16_le();
  if (len < 8) return fail(sink, "radiotap.bad_length", ParseError::malformed);
  auto hdr = ByteReader(frame).sub(len);
  if (!hdr) return fail(sink, "radiotap.bad_length", ParseError::truncated);
  (void)hdr->skip(4);
  std::uint32_t first_present = 0;
  for (std::size_t words = 0;; ++words) {
    if (words >= kMaxRadiotapPresentWords) {
      return fail(sink, "radiotap.too_many_present_words", ParseError::limit_exceeded);
    }
    const auto present = hdr->u32_le();
    if (!present) return fail(sink, "radiotap.bad_length", ParseError::malformed);
    if (words == 0) first_present = *present;
    if ((*present & 0x80000000U) == 0) break;
  }
  bool fcs_at_end = false;
  if ((first_present & 0x02) != 0) {
    std::size_t pos = hdr->position();
    if ((first_present & 0x01) != 0) pos = ((pos + 7) & ~std::size_t{7}) + 8;  // TSFT, 8-aligned
    ByteReader at(frame.first(len));
    if (at.skip(pos)) {
      const auto flags = at.u8();
      fcs_at_end = flags && (*flags & 0x10) != 0;
    }
  }
  Bytes wlan = frame.subspan(len);
  if (fcs_at_end && wlan.size() >= 4) wlan = wlan.first(wlan.size() - 4);
  return decode_ieee80211(wlan, out, sink);
}

}  // namespace

bool link_type_supported(int dlt) noexcept {
  switch (dlt) {
    case 0: case 1: case 12: case 14: case 101: case 105: case 108:
    case 113: case 127: case 228: case 229: case 276:
      return true;
    default:
      return false;
  }
}

Result<Ok> decode(LinkType link, Bytes frame, DecodedPacket& out, Sink& sink) noexcept {
  // Reset in place: `out = DecodedPacket{}` built a temporary and copied all
  // 264 bytes of it, 79 instructions a packet.
  static_assert(std::is_trivially_destructible_v<DecodedPacket>);
  std::construct_at(&out);
  const auto size = static_cast<std::uint32_t>(frame.size() > 0xffffffffU ? 0xffffffffU : frame.size());
  out.cap_len = size;
  out.wire_len = size;
  switch (static_cast<int>(link)) {
    case 1: return decode_ethernet(frame, out, sink);
    case 113: return decode_sll(frame, out, sink);
    case 276: return decode_sll2(frame, out, sink);
    case 12: case 14: case 101: return decode_raw_ip(frame, 0, out, sink);
    case 228: return decode_raw_ip(frame, 4, out, sink);
    case 229: return decode_raw_ip(frame, 6, out, sink);
    case 0: return decode_loopback(frame, true, out, sink);
    case 108: return decode_loopback(frame, false, out, sink);
    case 105: return decode_ieee80211(frame, out, sink);
    case 127: return decode_radiotap(frame, out, sink);
    default: return fail(sink, "link.unsupported", ParseError::unsupported);
  }
}

}  // namespace mieruka::dissectors
