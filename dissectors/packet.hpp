// Link, network and transport decoding: a captured frame in, a DecodedPacket out.
// Link types: Ethernet (DLT 1), Linux cooked SLL (113) and SLL2 (276), raw IP
// (12/14/101, and 228/229), BSD loopback (0 NULL, 108 LOOP), 802.11 radiotap (127,
// recognised: the 802.11 addresses are kept, data frames with LLC/SNAP decoded).
// Layers: Ethernet II, 802.1Q/802.1ad (two tags kept), LLC/SNAP, ARP, IPv4 (options
// skipped, fragments flagged), IPv6 (extension headers walked), TCP, UDP, ICMP/ICMPv6.
// Pure: no allocation, no I/O. Anomalies are counted through the caller's Sink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "byte_reader.hpp"
#include "net.hpp"
#include "observation.hpp"
#include "result.hpp"

namespace mieruka::dissectors {

// libpcap DLT_* / LINKTYPE_* values we accept.
enum class LinkType : std::uint16_t {
  null_loopback = 0,
  ethernet = 1,
  raw_ip = 101,       // LINKTYPE_RAW (DLT_RAW is 12 or 14 on some systems: mapped by the reader)
  loop = 108,
  linux_sll = 113,
  ieee802_11 = 105,
  radiotap = 127,
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276,
};

// True for every value above, and for DLT_RAW's other spellings 12 and 14 (which
// decode() also accepts when cast to LinkType).
[[nodiscard]] bool link_type_supported(int dlt) noexcept;

// Caps on header chains we walk (each a loop over attacker-chosen next-header
// fields). Above the cap the frame is counted and decoding stops.
inline constexpr std::size_t kMaxVlanTags = 8;          // 802.1Q/802.1ad/0x9100 tags
inline constexpr std::size_t kMaxIpv6ExtHeaders = 16;   // IPv6 extension headers
inline constexpr std::size_t kMaxRadiotapPresentWords = 8;  // radiotap it_present words

enum class L3 : std::uint8_t { none, arp, ipv4, ipv6, other };
enum class L4 : std::uint8_t { none, tcp, udp, icmp, icmpv6, other };

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20;
}

struct ArpInfo {
  std::uint16_t op = 0;  // 1 request, 2 reply
  MacAddr sha{}, tha{};
  IpAddr spa{}, tpa{};
  [[nodiscard]] bool gratuitous() const noexcept { return spa.valid() && spa == tpa; }
  [[nodiscard]] bool probe() const noexcept { return op == 1 && spa.valid() && spa.is_unspecified(); }
};

struct DecodedPacket {
  std::int64_t ts_us = 0;
  std::uint32_t wire_len = 0;  // original length on the wire
  std::uint32_t cap_len = 0;   // bytes captured

  // Layer 2. has_l2 is false for raw IP and loopback captures (no MACs there).
  bool has_l2 = false;
  bool wireless = false;  // from an 802.11/radiotap capture
  MacAddr src_mac{}, dst_mac{};
  MacAddr bssid{};  // 802.11 only
  // 802.11 only: the transmitter address, the radio that sent the frame on the
  // air (addr2; zero for ACK/CTS, which name none). src_mac/dst_mac are the
  // frame's source and destination (SA/DA), which a frame to or from the
  // distribution system, or a 4-address WDS frame, carries for stations it
  // relays: those may well be wired.
  MacAddr ta{};
  std::uint8_t vlan_count = 0;
  std::uint16_t vlans[2] = {0, 0};  // outer first; 12-bit ids
  std::uint16_t ethertype = 0;      // after VLAN tags; 0 for 802.3 length frames
  bool llc = false;                 // an 802.3 frame with an LLC header
  std::uint8_t llc_dsap = 0, llc_ssap = 0;
  std::uint32_t snap_oui = 0;       // when LLC is SNAP (dsap=ssap=0xaa)
  std::uint16_t snap_pid = 0;
  Bytes l2_payload{};               // bytes after Ethernet/VLAN/LLC(SNAP) headers
                                    // (clipped to the IP/ARP length: no Ethernet padding)
  // Linux cooked captures (SLL/SLL2) only: the packet type (0 to us, 1 broadcast,
  // 2 multicast, 3 to another host, 4 outgoing, sent by the capturing host).
  // src_mac is the sender's address in every case; dst_mac stays zero.
  std::uint8_t sll_pkttype = 0;
  // 802.11 only: frame control type (0 management, 1 control, 2 data), subtype,
  // and the Protected Frame bit (such bodies are not decoded further).
  std::uint8_t wlan_type = 0, wlan_subtype = 0;
  bool wlan_protected = false;

  // Layer 3.
  L3 l3 = L3::none;
  ArpInfo arp{};
  IpAddr src_ip{}, dst_ip{};
  std::uint8_t ttl = 0;        // IPv4 TTL / IPv6 hop limit
  std::uint8_t ip_proto = 0;   // after IPv6 extension headers
  std::uint16_t ip_id = 0;
  bool ip_dont_fragment = false;
  bool fragment = false;       // any IPv4/IPv6 fragment
  bool first_fragment = false; // offset 0 (transport header present)
  std::uint16_t ip_total_len = 0;  // IPv4 total length / IPv6 payload length + 40 (saturated)
  Bytes ip_payload{};          // bytes after the IP header(s), clipped to the IP length;
                               // for non-first fragments, the fragment's data

  // Layer 4.
  L4 l4 = L4::none;
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint8_t tcp_flags = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint16_t window = 0;
  Bytes tcp_options{};          // raw options, for the stack fingerprint
  std::uint8_t icmp_type = 0, icmp_code = 0;
  Bytes payload{};              // L4 payload, clipped to IP length and capture
  bool payload_truncated = false;  // the capture cut the payload (snaplen)
};

// Decodes one frame. `out` is reset first; cap_len and wire_len are set to the
// frame's size (the caller overwrites wire_len and ts_us from the capture
// record). Headers are decoded in full; when only the payload is cut by the
// snaplen (IP length above what was captured), the result is still Ok with
// payload_truncated set. A header cut by the capture is ParseError::truncated;
// lengths that contradict each other are ParseError::malformed.
// On failure the packet keeps every layer decoded so far
// (the caller still learns the MACs of a frame whose IP header is cut), the
// failing layer is counted on `sink` ("ipv4.bad_header_length", ...), and the
// error says why. Never reads out of bounds, never allocates.
[[nodiscard]] Result<Ok> decode(LinkType link, Bytes frame, DecodedPacket& out, Sink& sink) noexcept;

}  // namespace mieruka::dissectors
