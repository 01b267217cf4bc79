// Passive TCP/IP stack fingerprint from a SYN (the client's stack) or SYN-ACK (the
// server's): initial TTL guess, window, MSS, window scale, option order (RFC 9293
// §3.1 options, RFC 7323 window scale and timestamps, RFC 2018 SACK-permitted)
// and the IPv4 DF bit, in the spirit of p0f's SYN signatures. Emits on the
// sender: "tcp_fingerprint" (e.g. "64:29200:1460:7:mss,sok,ts,nop,ws:df:syn") and,
// when the small table below matches, a weak field::os hint. Source
// "tcp_fingerprint": the weakest of sources, a protocol identity always wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "packet.hpp"

namespace mieruka::dissectors::tcp_fingerprint {

inline constexpr std::size_t kMaxOptions = 20;  // 40 option bytes: at most 40 one-byte options

struct Signature {
  std::uint8_t initial_ttl = 0;          // 32, 64, 128 or 255
  std::uint16_t window = 0;
  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;
  std::string options;                   // "mss,sok,ts,nop,ws" ("eol", "k<N>" for others)
  bool dont_fragment = false;
  bool syn_ack = false;
};

// The smallest of 32/64/128/255 at or above the observed TTL.
[[nodiscard]] std::uint8_t initial_ttl(std::uint8_t observed) noexcept;
// Reads a SYN's option bytes. Malformed options (a length below 2 or past the
// end) stop the walk and are listed as "bad".
[[nodiscard]] Signature signature(const DecodedPacket& p);
// "ttl:window:mss|*:ws|*:options|-:df|nodf:syn|synack".
[[nodiscard]] std::string to_string(const Signature& s);
// The OS hint for a signature, or empty (table in tcp_fingerprint.cpp).
[[nodiscard]] std::string_view os_hint(const Signature& s) noexcept;

// For a TCP SYN or SYN-ACK: emits the facts on the sender. Anything else: nothing,
// and no allocation.
void observe(const DecodedPacket& p, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::tcp_fingerprint
