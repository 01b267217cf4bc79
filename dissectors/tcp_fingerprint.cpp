// Passive TCP stack fingerprint (see tcp_fingerprint.hpp).
#include "tcp_fingerprint.hpp"

namespace mieruka::dissectors::tcp_fingerprint {
namespace {

constexpr std::string_view kSource = "tcp_fingerprint";
constexpr std::string_view kField = "tcp_fingerprint";

// TCP option kinds (IANA "TCP Option Kind Numbers").
constexpr std::uint8_t kEol = 0, kNop = 1, kMss = 2, kWs = 3, kSok = 4, kTs = 8;

// OS hints. window 0 = any. Sources: p0f v3 p0f.fp (Linux 3.x+ SYN "mss*20,7:
// mss,sok,ts,nop,ws"; Windows 7-11 "*,8:mss,nop,ws,nop,nop,sok"), Linux
// tcp_init_rcv_wnd (29200 = 20 * 1460, 64240 since 4.19, 65160 SYN-ACK with
// timestamps); embedded stacks (VxWorks, many PLC/RTOS TCP stacks) send no
// options, or only MSS, with TTL 64 or 255.
struct OsRule {
  std::uint8_t ttl;
  std::uint16_t window;
  std::string_view options;
  std::string_view os;
};
constexpr OsRule kOsRules[] = {
    {64, 29200, "mss,sok,ts,nop,ws", "Linux"},
    {64, 64240, "mss,sok,ts,nop,ws", "Linux"},
    {64, 65160, "mss,sok,ts,nop,ws", "Linux"},
    {64, 28960, "mss,sok,ts,nop,ws", "Linux"},
    {128, 64240, "mss,nop,ws,nop,nop,sok", "Windows"},
    {128, 65535, "mss,nop,ws,nop,nop,sok", "Windows"},
    {128, 8192, "mss,nop,ws,nop,nop,sok", "Windows"},
    {64, 0, "", "embedded (no TCP options)"},
    {255, 0, "", "embedded (no TCP options)"},
    {64, 0, "mss", "embedded (MSS option only)"},
    {255, 0, "mss", "embedded (MSS option only)"},
};

}  // namespace

std::uint8_t initial_ttl(std::uint8_t observed) noexcept {
  if (observed <= 32) return 32;
  if (observed <= 64) return 64;
  if (observed <= 128) return 128;
  return 255;
}

Signature signature(const DecodedPacket& p) {
  Signature s;
  s.initial_ttl = initial_ttl(p.ttl);
  s.window = p.window;
  s.dont_fragment = p.ip_dont_fragment;
  s.syn_ack = (p.tcp_flags & tcp_flag::ack) != 0;
  ByteReader r(p.tcp_options);
  auto add = [&s](std::string_view name) {
    if (!s.options.empty()) s.options += ',';
    s.options += name;
  };
  for (std::size_t n = 0; n < kMaxOptions && !r.empty(); ++n) {
    const std::uint8_t kind = *r.u8();
    if (kind == kEol) {
      add("eol");
      break;
    }
    if (kind == kNop) {
      add("nop");
      continue;
    }
    auto len = r.u8();
    if (!len || *len < 2 || *len - 2u > r.remaining()) {
      add("bad");
      break;
    }
    ByteReader body(*r.take(*len - 2u));
    switch (kind) {
      case kMss:
        add("mss");
        if (auto v = body.u16_be()) s.mss = *v;
        break;
      case kWs:
        add("ws");
        if (auto v = body.u8()) s.window_scale = *v;
        break;
      case kSok: add("sok"); break;
      case kTs: add("ts"); break;
      default: {
        std::string other = "k";
        other += std::to_string(kind);
        add(other);
        break;
      }
    }
  }
  return s;
}

std::string to_string(const Signature& s) {
  std::string out = std::to_string(s.initial_ttl) + ":" + std::to_string(s.window) + ":";
  out += s.mss ? std::to_string(*s.mss) : "*";
  out += ":";
  out += s.window_scale ? std::to_string(*s.window_scale) : "*";
  out += ":";
  out += s.options.empty() ? "-" : s.options;
  out += s.dont_fragment ? ":df" : ":nodf";
  out += s.syn_ack ? ":synack" : ":syn";
  return out;
}

std::string_view os_hint(const Signature& s) noexcept {
  for (const auto& r : kOsRules) {
    if (r.ttl == s.initial_ttl && (r.window == 0 || r.window == s.window) && r.options == s.options) return r.os;
  }
  return {};
}

void observe(const DecodedPacket& p, Sink& sink) noexcept {
  if (p.l4 != L4::tcp || (p.tcp_flags & tcp_flag::syn) == 0) return;
  if ((p.tcp_flags & tcp_flag::rst) != 0) return;
  try {
    const Signature s = signature(p);
    sink.fact({AssetRef::sender_party(), kField, to_string(s), kSource});
    if (const auto os = os_hint(s); !os.empty()) sink.fact_view(AssetRef::sender_party(), field::os, os, kSource);
  } catch (...) {  // allocation failure: no fingerprint
  }
}

}  // namespace mieruka::dissectors::tcp_fingerprint
