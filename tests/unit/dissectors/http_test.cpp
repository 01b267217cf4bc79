// HTTP first request/response headers: fields, realm, caps, every split point.
#include "dissectors/http.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mieruka::dissectors::http {
namespace {

struct Recorder final : Sink {
  std::vector<Fact> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
  void fact(const Fact& f) noexcept override { facts.push_back(f); }
  void operation(const Operation& o) noexcept override { ops.push_back(o); }
  void anomaly(std::string_view c) noexcept override { anomalies.emplace_back(c); }
  [[nodiscard]] std::string get(std::string_view field, AssetRef::Kind who = AssetRef::Kind::sender) const {
    for (const auto& f : facts)
      if (f.field == field && f.who.kind == who) return f.value;
    return {};
  }
};

const std::string kRequest =
    "GET /index.html HTTP/1.1\r\n"          // request line
    "Host: 10.10.1.20\r\n"                  // -> http_host on the receiver
    "User-Agent: Mozilla/5.0 (Windows NT 10.0)\r\n"  // -> http_user_agent on the sender
    "Accept: */*\r\n"
    "\r\n";
const std::string kResponse =
    "HTTP/1.1 401 Unauthorized\r\n"
    "Server: GoAhead-Webs\r\n"              // -> http_server on the sender
    "WWW-Authenticate: Basic realm=\"MELSEC iQ-R\", charset=\"UTF-8\"\r\n"
    "Content-Length: 0\r\n"
    "\r\n"
    "GET / HTTP/1.1\r\nServer: not-a-header\r\n\r\n";  // body bytes: never parsed

TEST(Http, RequestAndResponseFacts) {
  Recorder s;
  auto p = make_stream_parser();
  p->on_data(Direction::to_server, as_bytes(kRequest), s);
  p->on_data(Direction::to_client, as_bytes(kResponse), s);
  EXPECT_EQ(s.get("http_user_agent"), "Mozilla/5.0 (Windows NT 10.0)");
  EXPECT_EQ(s.get("http_host", AssetRef::Kind::receiver), "10.10.1.20");
  EXPECT_EQ(s.get("http_server"), "GoAhead-Webs");
  EXPECT_EQ(s.get("http_realm"), "MELSEC iQ-R");
  ASSERT_EQ(s.ops.size(), 1u);
  EXPECT_EQ(s.ops[0].protocol, "http");
  EXPECT_EQ(s.ops[0].name, "GET");
  EXPECT_EQ(s.facts.size(), 4u);  // the second message is not parsed
  for (const auto& f : s.facts) EXPECT_EQ(f.source, "http");
}

TEST(Http, EverySplitPointGivesTheSameFacts) {
  for (std::size_t cut = 0; cut <= kResponse.size(); ++cut) {
    Recorder s;
    auto p = make_stream_parser();
    p->on_data(Direction::to_client, as_bytes(std::string_view(kResponse).substr(0, cut)), s);
    p->on_data(Direction::to_client, as_bytes(std::string_view(kResponse).substr(cut)), s);
    ASSERT_EQ(s.get("http_server"), "GoAhead-Webs") << cut;
    ASSERT_EQ(s.get("http_realm"), "MELSEC iQ-R") << cut;
  }
}

TEST(Http, BareLfAndCaseInsensitiveNames) {
  auto m = parse_header_block(as_bytes("HTTP/1.0 200 OK\nserver:   Boa/0.94.14rc21  \n\n"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(m->server, "Boa/0.94.14rc21");
}

TEST(Http, MalformedStartLines) {
  for (const char* bad : {"HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1\r\n\r\n", "FOO / HTTP/1.1\r\n\r\n",
                          "GET /nohttpversion\r\n\r\n", "", "GET"}) {
    EXPECT_FALSE(parse_header_block(as_bytes(bad)).ok()) << bad;
  }
  Recorder s;
  auto p = make_stream_parser();
  p->on_data(Direction::to_server, as_bytes(std::string_view("BLAH\r\n\r\n")), s);
  EXPECT_EQ(s.anomalies.at(0), "http.bad_start_line");
}

TEST(Http, Realm) {
  EXPECT_EQ(realm_of("Digest realm=\"Siemens S7-1500\", nonce=\"x\""), "Siemens S7-1500");
  EXPECT_EQ(realm_of("Basic realm=WAGO, charset=x"), "WAGO");
  EXPECT_EQ(realm_of("Basic xrealm=\"no\""), "");
  EXPECT_EQ(realm_of("Basic realm=\"unterminated"), "unterminated");
  EXPECT_EQ(realm_of("Bearer"), "");
}

TEST(Http, HeaderCapStopsAndParsesWhatFits) {
  std::string big = "HTTP/1.1 200 OK\r\nServer: RomPager\r\n";
  while (big.size() <= kMaxHeaderBytes) big += "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  Recorder s;
  auto p = make_stream_parser();
  p->on_data(Direction::to_client, as_bytes(big), s);
  EXPECT_EQ(s.get("http_server"), "RomPager");
  EXPECT_EQ(s.anomalies.at(0), "http.header_too_long");
  EXPECT_EQ(p->buffered_bytes(), 0u);
  p->on_data(Direction::to_client, as_bytes(kResponse), s);  // done: nothing more
  EXPECT_EQ(s.facts.size(), 1u);
}

TEST(Http, GapEndsDirectionAndEofFlushes) {
  Recorder s;
  auto p = make_stream_parser();
  p->on_gap(Direction::to_client, 5, s);
  p->on_data(Direction::to_client, as_bytes(kResponse), s);
  EXPECT_TRUE(s.facts.empty());
  p->on_data(Direction::to_server, as_bytes(std::string_view("GET / HTTP/1.0\r\nUser-Agent: curl\r\n")), s);
  EXPECT_TRUE(s.facts.empty());  // no empty line yet
  p->on_eof(Direction::to_server, s);
  EXPECT_EQ(s.get("http_user_agent"), "curl");
}

TEST(Http, Probe) {
  EXPECT_TRUE(probe(as_bytes(kRequest), Direction::to_server));
  EXPECT_TRUE(probe(as_bytes(std::string_view("OPTIONS * HTTP/1.1\r\n")), Direction::to_server));
  EXPECT_FALSE(probe(as_bytes(kRequest), Direction::to_client));
  EXPECT_FALSE(probe(as_bytes(std::string_view("GET")), Direction::to_server));
  EXPECT_FALSE(probe(as_bytes(std::string_view("GETX / HTTP/1.1")), Direction::to_server));
  EXPECT_FALSE(probe(as_bytes(std::string_view("get / HTTP/1.1")), Direction::to_server));
  EXPECT_FALSE(probe(as_bytes(kResponse), Direction::to_server));
}

}  // namespace
}  // namespace mieruka::dissectors::http
