// TCP SYN fingerprint: option walking, TTL guess, signature text, OS table.
#include "dissectors/tcp_fingerprint.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mieruka::dissectors::tcp_fingerprint {
namespace {

using V = std::vector<std::uint8_t>;

struct Recorder final : Sink {
  std::vector<Fact> facts;
  void fact(const Fact& f) noexcept override { facts.push_back(f); }
  void operation(const Operation&) noexcept override {}
  void anomaly(std::string_view) noexcept override {}
};

DecodedPacket syn(std::uint8_t ttl, std::uint16_t window, const V& opts, bool ack = false, bool df = true) {
  static std::vector<V> keep;  // options must outlive the packet view
  keep.push_back(opts);
  DecodedPacket p;
  p.l4 = L4::tcp;
  p.ttl = ttl;
  p.window = window;
  p.ip_dont_fragment = df;
  p.tcp_flags = tcp_flag::syn | (ack ? tcp_flag::ack : 0);
  p.tcp_options = {reinterpret_cast<const std::byte*>(keep.back().data()), keep.back().size()};
  return p;
}

// Linux SYN: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
const V kLinuxOpts = {2, 4, 0x05, 0xb4,          // mss 1460
                      4, 2,                      // sok
                      8, 10, 0, 0, 0, 1, 0, 0, 0, 0,  // ts
                      1,                         // nop
                      3, 3, 7};                  // ws 7
// Windows SYN: MSS, NOP, WS 8, NOP, NOP, SOK.
const V kWindowsOpts = {2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};

TEST(TcpFingerprint, InitialTtl) {
  EXPECT_EQ(initial_ttl(30), 32);
  EXPECT_EQ(initial_ttl(63), 64);
  EXPECT_EQ(initial_ttl(64), 64);
  EXPECT_EQ(initial_ttl(65), 128);
  EXPECT_EQ(initial_ttl(127), 128);
  EXPECT_EQ(initial_ttl(200), 255);
}

TEST(TcpFingerprint, LinuxSignatureAndHint) {
  const auto s = signature(syn(62, 29200, kLinuxOpts));
  EXPECT_EQ(to_string(s), "64:29200:1460:7:mss,sok,ts,nop,ws:df:syn");
  EXPECT_EQ(os_hint(s), "Linux");
}

TEST(TcpFingerprint, WindowsHintAndEmbedded) {
  EXPECT_EQ(os_hint(signature(syn(128, 64240, kWindowsOpts))), "Windows");
  const auto e = signature(syn(255, 4096, {}, true, false));
  EXPECT_EQ(to_string(e), "255:4096:*:*:-:nodf:synack");
  EXPECT_EQ(os_hint(e), "embedded (no TCP options)");
  EXPECT_EQ(os_hint(signature(syn(60, 2048, {2, 4, 5, 0xb4}))), "embedded (MSS option only)");
  EXPECT_EQ(os_hint(signature(syn(128, 29200, kLinuxOpts))), "");  // TTL does not fit
}

TEST(TcpFingerprint, MalformedOptionsStopTheWalk) {
  EXPECT_EQ(signature(syn(64, 1, {2, 1, 0, 0})).options, "bad");          // length below 2
  EXPECT_EQ(signature(syn(64, 1, {1, 2, 4})).options, "nop,bad");          // length past the end
  EXPECT_EQ(signature(syn(64, 1, {2})).options, "bad");                    // cut before length
  EXPECT_EQ(signature(syn(64, 1, {1, 0, 2, 4, 5, 0xb4})).options, "nop,eol");
  EXPECT_EQ(signature(syn(64, 1, {30, 3, 9})).options, "k30");
  const auto s = signature(syn(64, 1, {2, 2, 3, 2}));  // MSS/WS with no value bytes
  EXPECT_EQ(s.options, "mss,ws");
  EXPECT_FALSE(s.mss.has_value());
  V nops(40, 1);
  const std::string capped = signature(syn(64, 1, nops)).options;
  EXPECT_EQ(std::count(capped.begin(), capped.end(), ','), static_cast<long>(kMaxOptions - 1));  // capped
}

TEST(TcpFingerprint, ObserveOnlySyn) {
  Recorder r;
  DecodedPacket p = syn(64, 29200, kLinuxOpts);
  observe(p, r);
  ASSERT_EQ(r.facts.size(), 2u);
  EXPECT_EQ(r.facts[0].field, "tcp_fingerprint");
  EXPECT_EQ(r.facts[1].field, "os");
  EXPECT_EQ(r.facts[1].value, "Linux");
  EXPECT_EQ(r.facts[1].source, "tcp_fingerprint");
  EXPECT_EQ(r.facts[1].who.kind, AssetRef::Kind::sender);
  Recorder none;
  p.tcp_flags = tcp_flag::ack;
  observe(p, none);
  p.tcp_flags = tcp_flag::syn | tcp_flag::rst;
  observe(p, none);
  p.tcp_flags = tcp_flag::syn;
  p.l4 = L4::udp;
  observe(p, none);
  EXPECT_TRUE(none.facts.empty());
}

}  // namespace
}  // namespace mieruka::dissectors::tcp_fingerprint
