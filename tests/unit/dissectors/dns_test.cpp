// DNS wire-format tests (RFC 1035 §4.1, name compression §4.1.4) and the three
// sources built on it: unicast DNS (query names only, no bindings of remote
// names), mDNS/DNS-SD (RFC 6762/6763: the sender's own A/AAAA names, service
// instances, TXT keys) and LLMNR (RFC 4795). Malformed twins: pointer loops,
// forward pointers, names above 255 bytes, labels above 63, counts at cap+1,
// truncation at every byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/dns.hpp"

namespace mieruka::dissectors::dns {
namespace {

using Buf = std::vector<std::byte>;

void add(Buf& b, std::initializer_list<int> v) {
  for (int x : v) b.push_back(static_cast<std::byte>(x));
}
void add16(Buf& b, unsigned v) { add(b, {static_cast<int>(v >> 8), static_cast<int>(v & 0xff)}); }
void add_name(Buf& b, std::string_view dotted) {
  while (!dotted.empty()) {
    const auto dot = dotted.find('.');
    const auto label = dotted.substr(0, dot);
    b.push_back(static_cast<std::byte>(label.size()));
    for (char c : label) b.push_back(static_cast<std::byte>(c));
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  b.push_back(std::byte{0});
}
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
  [[nodiscard]] std::vector<std::string> values(std::string_view field) const {
    std::vector<std::string> out;
    for (const auto& f : facts)
      if (f.field == field) out.push_back(f.value);
    return out;
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

// RFC 1035 §4.1.1 header.
Buf header(unsigned flags, unsigned qd, unsigned an, unsigned ns = 0, unsigned ar = 0) {
  Buf b;
  add16(b, 0x1234);  // ID
  add16(b, flags);   // QR, opcode, AA, TC, RD, RA, Z, RCODE
  add16(b, qd);      // QDCOUNT
  add16(b, an);      // ANCOUNT
  add16(b, ns);      // NSCOUNT
  add16(b, ar);      // ARCOUNT
  return b;
}

// A query for www.example.com A and AAAA (the name repeated).
Buf query() {
  Buf b = header(0x0100, 2, 0);
  add_name(b, "www.example.com");  // QNAME at offset 12
  add16(b, type::a);               // QTYPE
  add16(b, 1);                     // QCLASS IN
  add(b, {0xc0, 12});              // QNAME: pointer to offset 12
  add16(b, type::aaaa);
  add16(b, 1);
  return b;
}

// Response: the question, an A answer whose name is a pointer to the question.
Buf response() {
  Buf b = header(0x8180, 1, 1);
  add_name(b, "www.example.com");
  add16(b, type::a);
  add16(b, 1);
  add(b, {0xc0, 12});            // NAME: pointer
  add16(b, type::a);             // TYPE
  add16(b, 1);                   // CLASS
  add(b, {0, 0, 0x0e, 0x10});    // TTL 3600
  add16(b, 4);                   // RDLENGTH
  add(b, {93, 184, 216, 34});    // RDATA
  return b;
}

void rr(Buf& b, std::string_view name, unsigned rtype, const Buf& rdata, unsigned rclass = 0x8001) {
  add_name(b, name);
  add16(b, rtype);
  add16(b, rclass);      // cache-flush + IN
  add(b, {0, 0, 0, 120});
  add16(b, static_cast<unsigned>(rdata.size()));
  b.insert(b.end(), rdata.begin(), rdata.end());
}
Buf name_bytes(std::string_view n) {
  Buf b;
  add_name(b, n);
  return b;
}

// mDNS announcement of a printer at 10.0.2.7 (RFC 6763 §4: PTR -> SRV/TXT -> A).
Buf mdns_announcement() {
  Buf b = header(0x8400, 0, 5);
  rr(b, "_ipp._tcp.local", type::ptr, name_bytes("Office Printer._ipp._tcp.local"), 1);
  Buf srv;
  add(srv, {0, 0, 0, 0});  // priority, weight
  add16(srv, 631);         // port
  add_name(srv, "prn1.local");
  rr(b, "Office Printer._ipp._tcp.local", type::srv, srv);
  Buf txt;
  for (std::string_view s : {std::string_view("txtvers=1"), std::string_view("ty=Brother HL-L2350DW"),
                             std::string_view("usb_MFG=Brother")}) {
    txt.push_back(static_cast<std::byte>(s.size()));
    for (char c : s) txt.push_back(static_cast<std::byte>(c));
  }
  rr(b, "Office Printer._ipp._tcp.local", type::txt, txt);
  rr(b, "prn1.local", type::a, Buf{std::byte{10}, std::byte{0}, std::byte{2}, std::byte{7}});
  Buf v6(16, std::byte{0});
  v6[0] = std::byte{0xfd};
  v6[15] = std::byte{7};
  rr(b, "prn1.local", type::aaaa, v6);
  return b;
}

DecodedPacket from(std::string_view ip, std::uint16_t sport, std::uint16_t dport) {
  DecodedPacket p;
  p.src_ip = *IpAddr::parse(ip);
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

TEST(Dns, ReadNameFollowsBackwardPointers) {
  const Buf b = query();
  std::size_t at = 12;
  auto n = read_name(span(b), at);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, "www.example.com");
  EXPECT_EQ(at, 12u + 17u);
  at = 12 + 17 + 4;
  auto p = read_name(span(b), at);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "www.example.com");
  EXPECT_EQ(at, 12u + 17u + 4u + 2u);  // a pointer ends the name where it sits
}

TEST(Dns, PointerLoopsAndForwardPointersAreMalformed) {
  Buf self = header(0, 1, 0);
  add(self, {0xc0, 12, 0, 1, 0, 1});  // points at itself
  std::size_t at = 12;
  EXPECT_EQ(read_name(span(self), at).error(), ParseError::malformed);
  Buf forward = header(0, 1, 0);
  add(forward, {0xc0, 14, 1, 'a', 0});  // points past itself
  at = 12;
  EXPECT_EQ(read_name(span(forward), at).error(), ParseError::malformed);
  // Two names pointing at each other: 12 -> 16 is forward, refused.
  Buf mutual = header(0, 2, 0);
  add(mutual, {1, 'a', 0xc0, 16, 1, 'b', 0xc0, 12});
  at = 12;
  EXPECT_EQ(read_name(span(mutual), at).error(), ParseError::malformed);
  at = 16;
  EXPECT_EQ(read_name(span(mutual), at).error(), ParseError::malformed);
}

TEST(Dns, PointerChainCap) {
  // A chain of kMaxPointerJumps backward pointers is accepted, one more is not.
  auto chain = [](std::size_t jumps) {
    Buf b = header(0, 1, 0);
    add(b, {1, 'x', 0});  // offset 12
    std::size_t prev = 12;
    for (std::size_t i = 0; i < jumps; ++i) {
      const std::size_t here = b.size();
      add(b, {1, 'y', 0xc0, static_cast<int>(prev)});
      prev = here;
    }
    return std::pair{b, prev};
  };
  auto [ok, ok_at] = chain(kMaxPointerJumps);
  std::size_t at = ok_at;
  EXPECT_TRUE(read_name(span(ok), at));
  auto [bad, bad_at] = chain(kMaxPointerJumps + 1);
  at = bad_at;
  EXPECT_EQ(read_name(span(bad), at).error(), ParseError::malformed);
}

TEST(Dns, NameLengthAndLabelLimits) {
  // 4 labels of 63 + lengths + root = 257 > 255.
  Buf longname = header(0, 1, 0);
  for (int i = 0; i < 4; ++i) {
    add(longname, {63});
    longname.insert(longname.end(), 63, std::byte{'a'});
  }
  add(longname, {0, 0, 1, 0, 1});
  std::size_t at = 12;
  EXPECT_EQ(read_name(span(longname), at).error(), ParseError::malformed);
  // 3 x 63 + 61 = 253 characters, 255 on the wire: the maximum.
  Buf maxname = header(0, 1, 0);
  for (int i = 0; i < 3; ++i) {
    add(maxname, {63});
    maxname.insert(maxname.end(), 63, std::byte{'a'});
  }
  add(maxname, {61});
  maxname.insert(maxname.end(), 61, std::byte{'b'});
  add(maxname, {0});
  at = 12;
  auto n = read_name(span(maxname), at);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->size(), 253u);
  Buf label64 = header(0, 1, 0);
  add(label64, {64});
  label64.insert(label64.end(), 64, std::byte{'a'});
  add(label64, {0});
  at = 12;
  EXPECT_EQ(read_name(span(label64), at).error(), ParseError::malformed);
}

TEST(Dns, RecordCountCap) {
  Buf over = header(0x8000, 0, kMaxRecords + 1);
  EXPECT_EQ(parse(span(over)).error(), ParseError::limit_exceeded);
  Buf split = header(0x8000, 0, kMaxRecords / 2, kMaxRecords / 2, 1);
  EXPECT_EQ(parse(span(split)).error(), ParseError::limit_exceeded);
  Buf q = header(0, kMaxQuestions + 1, 0);
  EXPECT_EQ(parse(span(q)).error(), ParseError::limit_exceeded);
  // At the cap the counts are honest only if the records are there: truncated.
  Buf at_cap = header(0x8000, 0, kMaxRecords);
  EXPECT_EQ(parse(span(at_cap)).error(), ParseError::truncated);
}

TEST(Dns, TruncationAtEveryByte) {
  for (const Buf& full : {query(), response(), mdns_announcement()}) {
    ASSERT_TRUE(parse(span(full)));
    for (std::size_t n = 0; n < full.size(); ++n) {
      const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto m = parse(span(cut));
      ASSERT_FALSE(m) << n;
      RecordingSink sink;
      on_mdns_datagram(from("10.0.2.7", 5353, 5353), span(cut), sink);
      EXPECT_TRUE(sink.facts.empty()) << n;
      EXPECT_FALSE(sink.anomalies.empty()) << n;
    }
  }
}

TEST(Dns, LyingRdlength) {
  Buf b = response();
  b[b.size() - 5] = std::byte{5};  // RDLENGTH 5 for an A record with 4 bytes left
  EXPECT_EQ(parse(span(b)).error(), ParseError::truncated);
  Buf small = response();
  small[small.size() - 5] = std::byte{3};  // A record of 3 bytes
  small.pop_back();
  EXPECT_EQ(parse(span(small)).error(), ParseError::malformed);
}

TEST(Dns, QueryEmitsEachNameOnce) {
  const Buf b = query();
  RecordingSink sink;
  on_dns_datagram(from("10.1.1.5", 40000, 53), span(b), sink);
  EXPECT_EQ(sink.values("dns_query"), std::vector<std::string>{"www.example.com"});
  ASSERT_EQ(sink.facts.size(), 1u);
  EXPECT_EQ(sink.facts[0].who.kind, AssetRef::Kind::sender);
  EXPECT_EQ(sink.facts[0].source, "dns");
}

TEST(Dns, ResponseBindsNothingRemote) {
  const Buf b = response();
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(m->answers[0].name, "www.example.com");
  EXPECT_EQ(m->answers[0].address.to_string(), "93.184.216.34");
  RecordingSink sink;
  on_dns_datagram(from("10.1.1.1", 53, 40000), span(b), sink);
  EXPECT_TRUE(sink.values("hostname").empty());
  EXPECT_TRUE(sink.values("ip").empty());
  EXPECT_EQ(sink.values("role"), std::vector<std::string>{"dns_server"});
}

// The datagram entry points parse into one reused Message: a second parse must
// leave nothing of the first (counts, names, TXT strings, HINFO views).
TEST(Dns, ReusedMessageKeepsNothingOfThePreviousOne) {
  Message m;
  const Buf announce = mdns_announcement();
  ASSERT_TRUE(parse(span(announce), m));
  ASSERT_EQ(m.answers.size(), 5u);
  EXPECT_EQ(m.answers[2].txt.size(), 3u);
  EXPECT_EQ(m.answers[2].txt[1], "ty=Brother HL-L2350DW");
  EXPECT_EQ(m.answers[1].target, "prn1.local");

  const Buf q = query();
  ASSERT_TRUE(parse(span(q), m));
  const auto fresh = parse(span(q));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(m.id, fresh->id);
  EXPECT_EQ(m.flags, fresh->flags);
  ASSERT_EQ(m.questions.size(), fresh->questions.size());
  for (std::size_t i = 0; i < m.questions.size(); ++i) EXPECT_EQ(m.questions[i].name, fresh->questions[i].name);
  EXPECT_TRUE(m.answers.empty());
  EXPECT_TRUE(m.authority.empty());
  EXPECT_TRUE(m.additional.empty());

  // A failed parse reports the error; the facts of a good one come out the same
  // after a bad one went through the scratch message.
  const Buf cut(announce.begin(), announce.begin() + 20);
  EXPECT_FALSE(parse(span(cut), m));
  RecordingSink sink;
  on_mdns_datagram(from("10.0.2.7", 5353, 5353), span(cut), sink);
  on_mdns_datagram(from("10.0.2.7", 5353, 5353), span(announce), sink);
  EXPECT_EQ(sink.values("hostname"), std::vector<std::string>{"prn1"});
}

// The longest name the wire allows (253 characters of text) fits the inline Name.
TEST(Dns, LongestNameFitsInline) {
  Buf b;
  for (int i = 0; i < 4; ++i) {
    const std::size_t len = i < 3 ? 63 : 61;  // 4 labels: 3*64 + 62 + root = 255 wire bytes
    b.push_back(static_cast<std::byte>(len));
    for (std::size_t k = 0; k < len; ++k) b.push_back(static_cast<std::byte>('a' + i));
  }
  b.push_back(std::byte{0});
  std::size_t at = 0;
  Name n;
  ASSERT_TRUE(read_name(span(b), at, n));
  EXPECT_EQ(n.size(), 63u * 3 + 61 + 3);
  EXPECT_EQ(at, b.size());
}

// RFC 6762 §3: ".local" is the domain, not part of the host's name; any case.
// A name that is only the domain, or another domain, is kept as it is.
TEST(Mdns, HostNameWithoutTheLocalDomain) {
  for (const auto& [wire, want] : std::vector<std::pair<std::string, std::string>>{
           {"plc-3.local", "plc-3"}, {"HMI-1.LOCAL", "HMI-1"}, {"a.b.local", "a.b"},
           {"local", "local"}, {"plc-3.example", "plc-3.example"}, {"xlocal", "xlocal"}}) {
    Buf b = header(0x8400, 0, 1);
    rr(b, wire, type::a, Buf{std::byte{10}, std::byte{0}, std::byte{2}, std::byte{7}});
    RecordingSink sink;
    on_mdns_datagram(from("10.0.2.7", 5353, 5353), span(b), sink);
    EXPECT_EQ(sink.values("hostname"), std::vector<std::string>{want}) << wire;
  }
}

TEST(Mdns, AnnouncementFromOwner) {
  const Buf b = mdns_announcement();
  RecordingSink sink;
  on_mdns_datagram(from("10.0.2.7", 5353, 5353), span(b), sink);
  EXPECT_EQ(sink.values("hostname"), std::vector<std::string>{"prn1"});
  EXPECT_EQ(sink.values("ip"), std::vector<std::string>{"fd00::7"});
  EXPECT_EQ(sink.values("service"), std::vector<std::string>{"mdns:Office Printer._ipp._tcp.local"});
  EXPECT_EQ(sink.values("model"), std::vector<std::string>{"Brother HL-L2350DW"});
  EXPECT_EQ(sink.values("vendor"), std::vector<std::string>{"Brother"});
  for (const auto& f : sink.facts) {
    EXPECT_EQ(f.source, "mdns");
    EXPECT_EQ(f.who.kind, AssetRef::Kind::sender);
  }
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->answers[1].port, 631);
  EXPECT_EQ(m->answers[1].target, "prn1.local");
  EXPECT_EQ(m->answers[2].txt.size(), 3u);
}

TEST(Mdns, AnotherHostsAddressIsNotTheSendersName) {
  const Buf b = mdns_announcement();
  RecordingSink sink;
  on_mdns_datagram(from("10.0.2.99", 5353, 5353), span(b), sink);  // a proxy
  EXPECT_TRUE(sink.values("hostname").empty());
  EXPECT_TRUE(sink.values("ip").empty());
}

TEST(Mdns, QueriesAndReversePtrAreNotServices) {
  Buf q = header(0, 1, 0);
  add_name(q, "_ipp._tcp.local");
  add16(q, type::ptr);
  add16(q, 1);
  RecordingSink sink;
  on_mdns_datagram(from("10.0.2.7", 5353, 5353), span(q), sink);
  EXPECT_TRUE(sink.facts.empty());
  Buf rev = header(0x8400, 0, 1);
  rr(rev, "7.2.0.10.in-addr.arpa", type::ptr, name_bytes("prn1.local"));
  on_mdns_datagram(from("10.0.2.7", 5353, 5353), span(rev), sink);
  EXPECT_TRUE(sink.values("service").empty());
}

TEST(Dns, HinfoAndCname) {
  Buf b = header(0x8000, 0, 2);
  Buf h;
  add(h, {3, 'x', '8', '6', 5, 'L', 'i', 'n', 'u', 'x'});
  rr(b, "h.local", type::hinfo, h);
  rr(b, "w.local", type::cname, name_bytes("h.local"));
  auto m = parse(span(b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->answers[0].cpu, "x86");
  EXPECT_EQ(m->answers[0].os, "Linux");
  EXPECT_EQ(m->answers[1].target, "h.local");
  Buf bad = header(0x8000, 0, 1);
  Buf h2;
  add(h2, {9, 'x'});
  rr(bad, "h.local", type::hinfo, h2);
  EXPECT_EQ(parse(span(bad)).error(), ParseError::malformed);
}

TEST(Llmnr, QueryAndOwnNameResponse) {
  Buf q = header(0, 1, 0);
  add_name(q, "wpad");
  add16(q, type::a);
  add16(q, 1);
  RecordingSink qs;
  on_llmnr_datagram(from("10.0.0.5", 50000, 5355), span(q), qs);
  EXPECT_EQ(qs.values("dns_query"), std::vector<std::string>{"wpad"});
  EXPECT_EQ(qs.facts[0].source, "llmnr");

  Buf r = header(0x8000, 1, 1);
  add_name(r, "ews01");
  add16(r, type::a);
  add16(r, 1);
  add(r, {0xc0, 12});
  add16(r, type::a);
  add16(r, 1);
  add(r, {0, 0, 0, 30});
  add16(r, 4);
  add(r, {10, 0, 0, 7});
  RecordingSink rs;
  on_llmnr_datagram(from("10.0.0.7", 5355, 50000), span(r), rs);
  EXPECT_EQ(rs.values("hostname"), std::vector<std::string>{"ews01"});
  RecordingSink other;
  on_llmnr_datagram(from("10.0.0.8", 5355, 50000), span(r), other);
  EXPECT_TRUE(other.values("hostname").empty());
}

}  // namespace
}  // namespace mieruka::dissectors::dns
