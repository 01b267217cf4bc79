// Frame builders and capture writers for the project's own synthetic captures
// (pcaps/, golden tests, benchmarks). Header-only; used by mieruka_gen_pcap and
// by tests that need frames. Checksums are computed so tshark accepts the frames.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace mieruka::gen {

using Buf = std::vector<std::uint8_t>;
using Mac = std::array<std::uint8_t, 6>;

inline Mac mac(std::string_view s) {
  Mac m{};
  unsigned v[6] = {};
  std::sscanf(std::string(s).c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
  for (int i = 0; i < 6; ++i) m[i] = static_cast<std::uint8_t>(v[i]);
  return m;
}
inline std::uint32_t ip4(std::string_view s) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  std::sscanf(std::string(s).c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  return (a << 24) | (b << 16) | (c << 8) | d;
}
inline const Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

inline void put8(Buf& b, std::uint32_t v) { b.push_back(static_cast<std::uint8_t>(v)); }
inline void put16be(Buf& b, std::uint32_t v) { put8(b, v >> 8); put8(b, v); }
inline void put32be(Buf& b, std::uint32_t v) { put16be(b, v >> 16); put16be(b, v); }
inline void put16le(Buf& b, std::uint32_t v) { put8(b, v); put8(b, v >> 8); }
inline void put32le(Buf& b, std::uint32_t v) { put16le(b, v); put16le(b, v >> 16); }
inline void put64le(Buf& b, std::uint64_t v) { put32le(b, static_cast<std::uint32_t>(v)); put32le(b, static_cast<std::uint32_t>(v >> 32)); }
inline void put_bytes(Buf& b, const Buf& x) { b.insert(b.end(), x.begin(), x.end()); }
inline void put_str(Buf& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
inline void put_mac(Buf& b, const Mac& m) { b.insert(b.end(), m.begin(), m.end()); }

inline std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += (std::uint32_t{p[i]} << 8) | p[i + 1];
  if (n & 1) sum += std::uint32_t{p[n - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Ethernet II with up to two VLAN tags (outer first).
inline Buf ether(const Mac& src, const Mac& dst, std::uint16_t type, const Buf& payload,
                 std::initializer_list<std::uint16_t> vlans = {}) {
  Buf b;
  put_mac(b, dst);
  put_mac(b, src);
  std::size_t i = 0;
  for (auto v : vlans) {
    put16be(b, (vlans.size() == 2 && i == 0) ? 0x88a8 : 0x8100);
    put16be(b, v & 0x0fff);
    ++i;
  }
  put16be(b, type);
  put_bytes(b, payload);
  while (b.size() < 60) b.push_back(0);  // Ethernet minimum (without FCS)
  return b;
}

inline Buf ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, const Buf& payload, std::uint8_t ttl = 64,
                std::uint16_t id = 0) {
  Buf b;
  put8(b, 0x45);
  put8(b, 0);
  put16be(b, static_cast<std::uint32_t>(20 + payload.size()));
  put16be(b, id);
  put16be(b, 0x4000);  // DF
  put8(b, ttl);
  put8(b, proto);
  put16be(b, 0);
  put32be(b, src);
  put32be(b, dst);
  const std::uint16_t c = inet_checksum(b.data(), 20);
  b[10] = static_cast<std::uint8_t>(c >> 8);
  b[11] = static_cast<std::uint8_t>(c);
  put_bytes(b, payload);
  return b;
}

inline std::uint32_t pseudo_sum(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, std::size_t len) {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + static_cast<std::uint32_t>(len);
}

namespace tcpf {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

inline Buf tcp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
               std::uint32_t ackn, std::uint8_t flags, const Buf& payload, std::uint16_t window = 8192) {
  Buf b;
  put16be(b, sport);
  put16be(b, dport);
  put32be(b, seq);
  put32be(b, ackn);
  put8(b, 5 << 4);
  put8(b, flags);
  put16be(b, window);
  put16be(b, 0);
  put16be(b, 0);
  put_bytes(b, payload);
  const std::uint16_t c = inet_checksum(b.data(), b.size(), pseudo_sum(src, dst, 6, b.size()));
  b[16] = static_cast<std::uint8_t>(c >> 8);
  b[17] = static_cast<std::uint8_t>(c);
  return b;
}

inline Buf udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport, const Buf& payload) {
  Buf b;
  put16be(b, sport);
  put16be(b, dport);
  put16be(b, static_cast<std::uint32_t>(8 + payload.size()));
  put16be(b, 0);
  put_bytes(b, payload);
  std::uint16_t c = inet_checksum(b.data(), b.size(), pseudo_sum(src, dst, 17, b.size()));
  if (c == 0) c = 0xffff;
  b[6] = static_cast<std::uint8_t>(c >> 8);
  b[7] = static_cast<std::uint8_t>(c);
  return b;
}

inline Buf arp(std::uint16_t op, const Mac& sha, std::uint32_t spa, const Mac& tha, std::uint32_t tpa) {
  Buf b;
  put16be(b, 1);
  put16be(b, 0x0800);
  put8(b, 6);
  put8(b, 4);
  put16be(b, op);
  put_mac(b, sha);
  put32be(b, spa);
  put_mac(b, tha);
  put32be(b, tpa);
  return b;
}

// A host on the wire: MAC, IPv4, VLAN (0 = untagged).
struct Host {
  Mac mac;
  std::uint32_t ip;
  std::uint16_t vlan = 0;
};

// Writes pcapng (one Ethernet interface, microsecond timestamps) or classic pcap.
class CaptureWriter {
 public:
  CaptureWriter(const std::string& path, bool pcapng, std::uint16_t linktype = 1) : pcapng_(pcapng) {
    f_ = std::fopen(path.c_str(), "wb");
    if (f_ == nullptr) return;
    Buf h;
    if (pcapng_) {
      // Section Header Block
      put32le(h, 0x0A0D0D0A); put32le(h, 28); put32le(h, 0x1A2B3C4D); put16le(h, 1); put16le(h, 0);
      put64le(h, 0xffffffffffffffffULL); put32le(h, 28);
      // Interface Description Block (default microsecond resolution)
      put32le(h, 1); put32le(h, 20); put16le(h, linktype); put16le(h, 0); put32le(h, 262144); put32le(h, 20);
    } else {
      put32le(h, 0xa1b2c3d4); put16le(h, 2); put16le(h, 4); put32le(h, 0); put32le(h, 0); put32le(h, 262144);
      put32le(h, linktype);
    }
    std::fwrite(h.data(), 1, h.size(), f_);
  }
  ~CaptureWriter() {
    if (f_ != nullptr) std::fclose(f_);
  }
  [[nodiscard]] bool ok() const { return f_ != nullptr; }
  void write(std::int64_t ts_us, const Buf& frame) {
    Buf r;
    const auto len = static_cast<std::uint32_t>(frame.size());
    if (pcapng_) {
      const std::uint32_t padded = (len + 3) & ~3U;
      const std::uint32_t total = 32 + padded;
      put32le(r, 6); put32le(r, total); put32le(r, 0);
      put32le(r, static_cast<std::uint32_t>(static_cast<std::uint64_t>(ts_us) >> 32));
      put32le(r, static_cast<std::uint32_t>(ts_us));
      put32le(r, len); put32le(r, len);
      put_bytes(r, frame);
      while (r.size() < 28 + padded) r.push_back(0);
      put32le(r, total);
    } else {
      put32le(r, static_cast<std::uint32_t>(ts_us / 1000000)); put32le(r, static_cast<std::uint32_t>(ts_us % 1000000));
      put32le(r, len); put32le(r, len);
      put_bytes(r, frame);
    }
    std::fwrite(r.data(), 1, r.size(), f_);
    ++packets_;
  }
  [[nodiscard]] std::uint64_t packets() const { return packets_; }

 private:
  std::FILE* f_ = nullptr;
  bool pcapng_;
  std::uint64_t packets_ = 0;
};

// A scenario's report: "cannot write" when its writer did not open (then true),
// and how many packets it wrote (returns the exit code 0).
inline bool cannot_write(const CaptureWriter& w, const std::string& out) {
  if (w.ok()) return false;
  std::fprintf(stderr, "mieruka_gen_pcap: %s: cannot write (%s)\n", out.c_str(), std::strerror(errno));
  return true;
}
inline int wrote(const CaptureWriter& w, const std::string& out) {
  std::fprintf(stderr, "mieruka_gen_pcap: wrote %llu packets to %s\n", static_cast<unsigned long long>(w.packets()),
               out.c_str());
  return 0;
}

// A TCP connection between two hosts that keeps sequence numbers, so scenario
// code writes application messages and gets well-formed segments.
class TcpSession {
 public:
  // How a segment reaches the capture, advancing `ts`: by default one Ethernet
  // frame from one host to the other; a scenario with a router in the way
  // passes its own (both copies a mirror port sees of a routed packet).
  using Carrier = std::function<void(std::int64_t& ts, const Host& from, const Host& to, const Buf& segment)>;

  TcpSession(CaptureWriter& w, const Host& client, const Host& server, std::uint16_t cport, std::uint16_t sport,
             std::uint32_t cisn = 1000, std::uint32_t sisn = 50000)
      : c_(client), s_(server), cport_(cport), sport_(sport), cseq_(cisn), sseq_(sisn) {
    carry_ = [&w, ipid = std::uint16_t{1}](std::int64_t& ts, const Host& a, const Host& b, const Buf& seg) mutable {
      const Buf ip = ipv4(a.ip, b.ip, 6, seg, 64, ipid++);
      w.write(ts, a.vlan ? ether(a.mac, b.mac, 0x0800, ip, {a.vlan}) : ether(a.mac, b.mac, 0x0800, ip));
      ts += 150;
    };
  }
  TcpSession(Carrier carry, const Host& client, const Host& server, std::uint16_t cport, std::uint16_t sport,
             std::uint32_t cisn = 1000, std::uint32_t sisn = 50000)
      : carry_(std::move(carry)), c_(client), s_(server), cport_(cport), sport_(sport), cseq_(cisn), sseq_(sisn) {}
  void handshake(std::int64_t& ts) {
    send(ts, true, tcpf::syn, {});
    cseq_ += 1;
    send(ts, false, tcpf::syn | tcpf::ack, {});
    sseq_ += 1;
    send(ts, true, tcpf::ack, {});
  }
  // Application bytes from the client (to_server true) or the server.
  void data(std::int64_t& ts, bool from_client, const Buf& payload) {
    send(ts, from_client, tcpf::psh | tcpf::ack, payload);
    (from_client ? cseq_ : sseq_) += static_cast<std::uint32_t>(payload.size());
  }
  void close(std::int64_t& ts) {
    send(ts, true, tcpf::fin | tcpf::ack, {});
    cseq_ += 1;
    send(ts, false, tcpf::fin | tcpf::ack, {});
    sseq_ += 1;
    send(ts, true, tcpf::ack, {});
  }

 private:
  void send(std::int64_t& ts, bool from_client, std::uint8_t flags, const Buf& payload) {
    const Host& a = from_client ? c_ : s_;
    const Host& b = from_client ? s_ : c_;
    const std::uint32_t seq = from_client ? cseq_ : sseq_;
    const std::uint32_t ackn = (flags & tcpf::ack) ? (from_client ? sseq_ : cseq_) : 0;
    carry_(ts, a, b, tcp(a.ip, b.ip, from_client ? cport_ : sport_, from_client ? sport_ : cport_, seq, ackn, flags, payload));
  }
  Carrier carry_;
  Host c_, s_;
  std::uint16_t cport_, sport_;
  std::uint32_t cseq_, sseq_;
};

// Modbus/TCP ADU (MBAP + PDU).
inline Buf modbus_adu(std::uint16_t tid, std::uint8_t unit, const Buf& pdu) {
  Buf b;
  put16be(b, tid);
  put16be(b, 0);
  put16be(b, static_cast<std::uint32_t>(pdu.size() + 1));
  put8(b, unit);
  put_bytes(b, pdu);
  return b;
}

inline Buf read_holding_req(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 3);
  put16be(p, addr);
  put16be(p, qty);
  return p;
}

inline Buf read_holding_resp(std::uint16_t qty, std::uint16_t base) {
  Buf p;
  put8(p, 3);
  put8(p, qty * 2);
  for (std::uint16_t i = 0; i < qty; ++i) put16be(p, base + i);
  return p;
}

inline Buf write_multiple_req(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 16);
  put16be(p, addr);
  put16be(p, qty);
  put8(p, qty * 2);
  for (std::uint16_t i = 0; i < qty; ++i) put16be(p, 100 + i);
  return p;
}

inline Buf write_multiple_resp(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 16);
  put16be(p, addr);
  put16be(p, qty);
  return p;
}

}  // namespace mieruka::gen
