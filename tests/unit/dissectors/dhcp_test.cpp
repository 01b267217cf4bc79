// DHCP tests: the BOOTP header and options of RFC 2131/2132 (DISCOVER, REQUEST,
// OFFER, ACK built field by field), RFC 4702 FQDN and RFC 3004 user class, the
// DHCPv6 client/server messages of RFC 8415 §8/§21, and malformed twins: every
// truncation point, option length beyond the message, option count at cap+1,
// non-Ethernet hardware.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/dhcp.hpp"

namespace mieruka::dissectors::dhcp {
namespace {

using Buf = std::vector<std::byte>;

void add(Buf& b, std::initializer_list<int> v) {
  for (int x : v) b.push_back(static_cast<std::byte>(x));
}
void add_str(Buf& b, std::string_view s) {
  for (char c : s) b.push_back(static_cast<std::byte>(c));
}
void zeros(Buf& b, std::size_t n) { b.insert(b.end(), n, std::byte{0}); }
Bytes span(const Buf& b) { return {b.data(), b.size()}; }

struct Recorded {
  AssetRef who;
  std::string field, value, source;
};
class RecordingSink final : public Sink {
 public:
  void fact(const Fact& f) noexcept override {
    facts.push_back({f.who, std::string(f.field), f.value, std::string(f.source)});
  }
  void operation(const Operation& op) noexcept override { ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] std::string value(std::string_view field) const {
    for (const auto& f : facts)
      if (f.field == field) return f.value;
    return "<none>";
  }
  [[nodiscard]] const Recorded* find(std::string_view field, std::string_view value) const {
    for (const auto& f : facts)
      if (f.field == field && f.value == value) return &f;
    return nullptr;
  }
  [[nodiscard]] bool has_anomaly(std::string_view c) const {
    for (const auto& a : anomalies)
      if (a == c) return true;
    return false;
  }
  std::vector<Recorded> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
};

const MacAddr kClient = {{0x90, 0xb1, 0x1c, 0x99, 0x49, 0x29}};

// RFC 2131 Figure 1, then the magic cookie; options appended by the caller.
Buf bootp(int op, std::initializer_list<int> yiaddr = {0, 0, 0, 0}, int htype = 1, int hlen = 6) {
  Buf b;
  add(b, {op});                      // op: 1 BOOTREQUEST, 2 BOOTREPLY
  add(b, {htype});                   // htype: 1 Ethernet
  add(b, {hlen});                    // hlen: 6
  add(b, {0});                       // hops
  add(b, {0x12, 0x34, 0x56, 0x78});  // xid
  add(b, {0, 0});                    // secs
  add(b, {0x80, 0});                 // flags: broadcast
  add(b, {0, 0, 0, 0});              // ciaddr
  add(b, yiaddr);                    // yiaddr
  add(b, {0, 0, 0, 0});              // siaddr
  add(b, {0, 0, 0, 0});              // giaddr
  for (auto x : kClient.b) add(b, {x});  // chaddr (6 of 16)
  zeros(b, 10);                      // chaddr padding
  zeros(b, 64);                      // sname
  zeros(b, 128);                     // file
  add(b, {0x63, 0x82, 0x53, 0x63});  // magic cookie
  return b;
}

// DHCPREQUEST of zeek__dhcp.pcap's shape plus the options we decode.
Buf request() {
  Buf b = bootp(1);
  add(b, {53, 1, 3});                                      // message type: REQUEST
  add(b, {61, 7, 1, 0x90, 0xb1, 0x1c, 0x99, 0x49, 0x29});  // client id: type 1 + MAC
  add(b, {50, 4, 192, 168, 211, 194});                     // requested IP
  add(b, {12, 13});                                        // host name
  add_str(b, "btest.is.cool");
  add(b, {60, 8});                                         // vendor class
  add_str(b, "MSFT 5.0");
  add(b, {55, 4, 1, 3, 6, 15});                            // parameter request list
  add(b, {81, 3 + 6, 0x04, 0, 0, 4});                      // FQDN: E bit, rcodes, "host" wire form
  add_str(b, "host");
  add(b, {0});
  add(b, {77, 6, 5});                                      // user class: one instance of 5
  add_str(b, "plant");
  add(b, {43, 3, 1, 1, 0xff});                             // vendor specific
  add(b, {0, 0});                                          // pads
  add(b, {255});                                           // end
  return b;
}

Buf ack() {
  Buf b = bootp(2, {128, 2, 6, 189});
  add(b, {53, 1, 5});                  // message type: ACK
  add(b, {54, 4, 128, 2, 6, 152});     // server identifier
  add(b, {60, 7});                     // vendor class (the server's own)
  add_str(b, "ArubaAP");
  add(b, {255});
  return b;
}

DecodedPacket udp(std::uint16_t sport, std::uint16_t dport) {
  DecodedPacket p;
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

TEST(Dhcp, ParsesRequestOptions) {
  const Buf b = request();
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->op, 1);
  EXPECT_EQ(m->chaddr, kClient);
  EXPECT_EQ(m->message_type, msg::request);
  EXPECT_EQ(m->hostname, "btest.is.cool");
  EXPECT_EQ(m->vendor_class, "MSFT 5.0");
  EXPECT_EQ(m->requested_ip.to_string(), "192.168.211.194");
  EXPECT_EQ(m->fingerprint, "1,3,6,15");
  EXPECT_EQ(m->fqdn, "host");
  EXPECT_EQ(m->user_class, "plant");
  EXPECT_EQ(m->vendor_info.size(), 3u);
  EXPECT_EQ(m->client_id.size(), 7u);
  EXPECT_EQ(message_type_name(m->message_type), "request");
}

TEST(Dhcp, RequestEmitsClientFactsButNoBinding) {
  const Buf b = request();
  RecordingSink sink;
  on_datagram(udp(68, 67), span(b), sink);
  const auto* host = sink.find("hostname", "btest.is.cool");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->who.kind, AssetRef::Kind::mac);
  EXPECT_EQ(host->who.mac, kClient);
  EXPECT_EQ(host->source, "dhcp");
  EXPECT_EQ(sink.value("dhcp_vendor_class"), "MSFT 5.0");
  EXPECT_EQ(sink.value("dhcp_fingerprint"), "1,3,6,15");
  EXPECT_EQ(sink.value("dhcp_client_id"), "0190b11c994929");
  EXPECT_EQ(sink.value("dhcp_fqdn"), "host");
  EXPECT_EQ(sink.value("dhcp_user_class"), "plant");
  EXPECT_EQ(sink.value("dhcp_vendor_info"), "0101ff");
  EXPECT_EQ(sink.value("role"), "dhcp_client");
  EXPECT_EQ(sink.value("ip"), "<none>");  // the requested IP is not a lease yet
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(Dhcp, AckBindsYiaddrAndNamesServer) {
  const Buf b = ack();
  RecordingSink sink;
  on_datagram(udp(67, 68), span(b), sink);
  const auto* ip = sink.find("ip", "128.2.6.189");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->who.kind, AssetRef::Kind::mac);
  EXPECT_EQ(ip->who.mac, kClient);
  const auto* role = sink.find("role", "dhcp_server");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->who.kind, AssetRef::Kind::sender);
  // The server's vendor class describes the server, not the client.
  EXPECT_EQ(sink.value("dhcp_vendor_class"), "<none>");
}

TEST(Dhcp, OfferIsNotABinding) {
  Buf b = bootp(2, {10, 0, 0, 9});
  add(b, {53, 1, 2, 255});  // OFFER, end
  RecordingSink sink;
  on_datagram(udp(67, 68), span(b), sink);
  EXPECT_EQ(sink.value("ip"), "<none>");
  EXPECT_EQ(sink.value("role"), "dhcp_server");
}

TEST(Dhcp, RelayedReplyDoesNotNameTheRelayAsServer) {
  Buf b = ack();
  b[24] = std::byte{10};  // giaddr 10.x.x.x: a relay agent sent it
  RecordingSink sink;
  on_datagram(udp(67, 67), span(b), sink);
  EXPECT_EQ(sink.find("role", "dhcp_server"), nullptr);
  EXPECT_NE(sink.find("ip", "128.2.6.189"), nullptr);
}

// A server's DHCPACK naming its client (RFC 2131 §4.3.1, RFC 2132 §3.14): the
// host name of the reservation and the leased address both belong to chaddr.
Buf named_reply(int type, std::string_view name) {
  Buf b = bootp(2, {192, 168, 10, 23});  // yiaddr 192.168.10.23
  add(b, {53, 1, type});                 // message type
  add(b, {54, 4, 192, 168, 10, 1});      // server identifier
  add(b, {51, 4, 0, 1, 0x51, 0x80});     // lease time 86400 s
  add(b, {12, static_cast<int>(name.size())});  // host name
  add_str(b, name);
  add(b, {255});                         // end
  return b;
}

TEST(Dhcp, AckNamesItsClient) {
  const Buf b = named_reply(msg::ack, "plc-line1");
  RecordingSink sink;
  on_datagram(udp(67, 68), span(b), sink);
  const auto* host = sink.find("hostname", "plc-line1");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->who.kind, AssetRef::Kind::mac);
  EXPECT_EQ(host->who.mac, kClient);
  EXPECT_EQ(host->source, "dhcp");
  const auto* ip = sink.find("ip", "192.168.10.23");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->who.kind, AssetRef::Kind::mac);
  EXPECT_EQ(ip->who.mac, kClient);
  const auto* role = sink.find("role", "dhcp_server");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->who.kind, AssetRef::Kind::sender);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(Dhcp, OfferNamesItsClientButBindsNothing) {
  const Buf b = named_reply(msg::offer, "plc-line1");
  RecordingSink sink;
  on_datagram(udp(67, 68), span(b), sink);
  const auto* host = sink.find("hostname", "plc-line1");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->who.mac, kClient);
  EXPECT_EQ(sink.value("ip"), "<none>");  // the client may still decline it
}

TEST(Dhcp, NakAndEmptyNameNameNobody) {
  RecordingSink nak;
  const Buf n = named_reply(msg::nak, "plc-line1");
  on_datagram(udp(67, 68), span(n), nak);
  EXPECT_EQ(nak.value("hostname"), "<none>");
  EXPECT_EQ(nak.value("ip"), "<none>");
  RecordingSink empty;
  const Buf e = named_reply(msg::ack, "");
  on_datagram(udp(67, 68), span(e), empty);
  EXPECT_EQ(empty.value("hostname"), "<none>");
  EXPECT_NE(empty.find("ip", "192.168.10.23"), nullptr);
}

TEST(Dhcp, HostNameTerminatorIsNotPartOfTheName) {
  const Buf b = named_reply(msg::ack, std::string_view("plc-line1\0\0", 11));
  RecordingSink sink;
  on_datagram(udp(67, 68), span(b), sink);
  EXPECT_NE(sink.find("hostname", "plc-line1"), nullptr);
  // Nothing but terminators: no name.
  const Buf nuls = named_reply(msg::ack, std::string_view("\0", 1));
  RecordingSink none;
  on_datagram(udp(67, 68), span(nuls), none);
  EXPECT_EQ(none.value("hostname"), "<none>");
}

TEST(Dhcp, RelayedAckStillNamesTheClient) {
  Buf b = named_reply(msg::ack, "hmi-2");
  b[24] = std::byte{10};  // giaddr 10.x.x.x: a relay agent sent it
  RecordingSink sink;
  on_datagram(udp(67, 67), span(b), sink);
  EXPECT_EQ(sink.find("role", "dhcp_server"), nullptr);
  const auto* host = sink.find("hostname", "hmi-2");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->who.mac, kClient);
}

TEST(Dhcp, MalformedHostNameInReplyStatesNothing) {
  // Option 12 claiming more bytes than the message holds.
  Buf over = bootp(2, {192, 168, 10, 23});
  add(over, {53, 1, 5});   // ACK
  add(over, {12, 40});     // host name: 40 bytes claimed
  add_str(over, "plc");    // 3 present
  RecordingSink sink;
  on_datagram(udp(67, 68), span(over), sink);
  EXPECT_TRUE(sink.has_anomaly("dhcp.malformed"));
  EXPECT_TRUE(sink.facts.empty());
  // Cut at every byte of the options up to the host name's last byte: the name
  // is stated whole or not at all (without the end option the walk ends at the
  // message's end, as the parser accepts).
  const Buf full = named_reply(msg::ack, "plc-line1");
  for (std::size_t n = kBootpHeaderSize + 4; n + 1 < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    RecordingSink part;
    on_datagram(udp(67, 68), span(cut), part);
    EXPECT_EQ(part.find("hostname", "plc-line1") != nullptr, false) << n;
  }
}

TEST(Dhcp, UserClassPlainStringKeptAsIs) {
  Buf b = bootp(1);
  add(b, {77, 4});
  add_str(b, "ABCD");  // 'A' = 65 would claim 65 bytes: not RFC 3004 instances
  add(b, {255});
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->user_class, "ABCD");
}

TEST(Dhcp, AsciiFqdnWithoutEBit) {
  Buf b = bootp(1);
  add(b, {81, 3 + 6, 0x00, 0, 0});
  add_str(b, "pc1.co");
  add(b, {255});
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->fqdn, "pc1.co");
}

TEST(Dhcp, TruncatedAtEveryByteNeverFailsOpen) {
  const Buf full = request();
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto m = parse(span(cut));
    if (n < kBootpHeaderSize) {
      ASSERT_FALSE(m) << n;
      EXPECT_EQ(m.error(), ParseError::truncated) << n;
      continue;
    }
    // Past the header: either a clean end at an option boundary or an error.
    RecordingSink sink;
    on_datagram(udp(68, 67), span(cut), sink);
    if (!m) {
      EXPECT_FALSE(sink.anomalies.empty()) << n;
    }
  }
}

TEST(Dhcp, OptionLengthBeyondMessageIsMalformed) {
  Buf b = bootp(1);
  add(b, {12, 40});  // host name claims 40 bytes
  add_str(b, "short");
  auto m = parse(span(b));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), ParseError::malformed);
  RecordingSink sink;
  on_datagram(udp(68, 67), span(b), sink);
  EXPECT_TRUE(sink.has_anomaly("dhcp.malformed"));
  EXPECT_TRUE(sink.facts.empty());
}

TEST(Dhcp, OptionCountCap) {
  Buf at_cap = bootp(1);
  for (std::size_t i = 0; i < kMaxOptions; ++i) add(at_cap, {200, 0});
  Buf over = at_cap;
  add(at_cap, {255});
  add(over, {200, 0, 255});
  EXPECT_TRUE(parse(span(at_cap)));
  auto m = parse(span(over));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), ParseError::limit_exceeded);
}

TEST(Dhcp, NonEthernetHardwareUnsupported) {
  Buf b = bootp(1, {0, 0, 0, 0}, 6, 6);
  add(b, {255});
  auto m = parse(span(b));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), ParseError::unsupported);
  Buf hlen = bootp(1, {0, 0, 0, 0}, 1, 16);
  EXPECT_FALSE(parse(span(hlen)));
}

TEST(Dhcp, BadOpIsMalformed) {
  Buf b = bootp(3);
  EXPECT_FALSE(parse(span(b)));
}

TEST(Dhcp, PlainBootpWithoutCookie) {
  Buf b = bootp(1);
  b.resize(kBootpHeaderSize);
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->has_cookie);
  EXPECT_EQ(m->message_type, 0);
}

TEST(Dhcp, WireNameRejectsCompressionAndOverrun) {
  Buf b;
  add(b, {0xc0, 0x0c});
  EXPECT_FALSE(wire_name(span(b)));
  Buf over;
  add(over, {5, 'a', 'b'});
  EXPECT_FALSE(wire_name(span(over)));
  Buf ok;
  add(ok, {1, 'a', 2, 'b', 'c', 0});
  EXPECT_EQ(wire_name(span(ok)).value_or("?"), "a.bc");
}

// --- DHCPv6 (RFC 8415) ---------------------------------------------------------

void opt6(Buf& b, int code, const Buf& data) {
  add(b, {code >> 8, code & 0xff});
  add(b, {static_cast<int>(data.size() >> 8), static_cast<int>(data.size() & 0xff)});
  b.insert(b.end(), data.begin(), data.end());
}

Buf solicit() {
  Buf b;
  add(b, {1});              // msg-type: SOLICIT
  add(b, {0xab, 0xcd, 0xef});  // transaction-id
  Buf duid;
  add(duid, {0, 3, 0, 1, 0x90, 0xb1, 0x1c, 0x99, 0x49, 0x29});  // DUID-LL, Ethernet
  opt6(b, 1, duid);         // client identifier
  Buf fqdn;
  add(fqdn, {0x01, 2, 'p', 'c', 3, 'l', 'a', 'n', 0});
  opt6(b, 39, fqdn);        // client FQDN
  Buf vendor;
  add(vendor, {0, 0, 1, 0x37, 0, 8});  // enterprise 311, class data length 8
  add_str(vendor, "MSFT 5.0");
  opt6(b, 16, vendor);      // vendor class
  return b;
}

Buf reply() {
  Buf b;
  add(b, {7, 1, 2, 3});  // REPLY
  Buf ia;
  add(ia, {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});  // IAID, T1, T2
  Buf addr;
  add(addr, {0xfd, 0x52, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});  // IPv6 address
  add(addr, {0, 0, 0x0e, 0x10, 0, 0, 0x1c, 0x20});                        // preferred, valid
  opt6(ia, 5, addr);
  opt6(b, 3, ia);
  return b;
}

TEST(Dhcpv6, SolicitFactsOnSender) {
  const Buf b = solicit();
  RecordingSink sink;
  on_v6_datagram(udp(546, 547), span(b), sink);
  EXPECT_EQ(sink.value("dhcpv6_duid"), "0003000190b11c994929");
  EXPECT_EQ(sink.value("dhcp_fqdn"), "pc.lan");
  EXPECT_EQ(sink.value("dhcp_vendor_class"), "311:MSFT 5.0");
  for (const auto& f : sink.facts) EXPECT_EQ(f.who.kind, AssetRef::Kind::sender);
}

TEST(Dhcpv6, ReplyBindsIaNaOnClient) {
  const Buf b = reply();
  RecordingSink sink;
  DecodedPacket p = udp(547, 546);
  p.dst_ip = *IpAddr::parse("fe80::1");
  on_v6_datagram(p, span(b), sink);
  const auto* ip = sink.find("ip", "fd52::10");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->who.kind, AssetRef::Kind::receiver);
  EXPECT_EQ(sink.find("role", "dhcp_server")->who.kind, AssetRef::Kind::sender);
}

TEST(Dhcpv6, RelayUnsupportedAndTruncations) {
  Buf relay;
  add(relay, {12, 0});
  zeros(relay, 32);
  auto r = parse_v6(span(relay));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ParseError::unsupported);
  const Buf full = solicit();
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto m = parse_v6(span(cut));
    if (n < 4) {
      ASSERT_FALSE(m);
      EXPECT_EQ(m.error(), ParseError::truncated);
    }
    RecordingSink sink;
    on_v6_datagram(udp(546, 547), span(cut), sink);
  }
  Buf lying = solicit();
  lying[7] = std::byte{0x40};  // client id length 64, beyond the message
  EXPECT_EQ(parse_v6(span(lying)).error(), ParseError::malformed);
}

}  // namespace
}  // namespace mieruka::dissectors::dhcp
