// IEEE 802.11 management frames (802.11-2020 §9.3.3) seen by a monitor-mode
// interface (radiotap link type): who is an access point, who is a station,
// and which networks (SSIDs) they offer or look for — the evidence for the
// wireless allow-list (METI checklist item 2-7).
//   Beacon (subtype 8) and Probe Response (5): fixed fields Timestamp (8),
//     Beacon Interval (2), Capability Information (2), then elements. The
//     sender is an access point (or an IBSS station: Capability bit 1).
//   Probe Request (4): elements only; the sender is a station; a non-empty
//     SSID is a network it looks for (a wildcard SSID says nothing).
//   (Re)Association Request (0 / 2): Capability (2), Listen Interval (2),
//     for reassociation the Current AP address (6), then elements; the sender
//     is a station joining the SSID at the receiver, an access point.
// Elements (§9.4.2): Element ID (1), Length (1), body; the SSID element (ID 0)
// is 0-32 bytes (§9.4.2.2). A hidden network beacons an empty or all-zero SSID.
// Facts, source "wlan": class_hint wireless_ap / wireless_station, ssid (the
// network an AP offers or a station joins), wlan_probe_ssid (looked for).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "packet.hpp"
#include "result.hpp"

namespace mieruka::dissectors::wlan_mgmt {

// The protocol name of 802.11 itself: every station seen transmitting on the
// air speaks it, whether or not a management frame of it was parsed.
inline constexpr std::string_view kProtocol = "wlan";

inline constexpr std::uint8_t kAssocRequest = 0;
inline constexpr std::uint8_t kReassocRequest = 2;
inline constexpr std::uint8_t kProbeRequest = 4;
inline constexpr std::uint8_t kProbeResponse = 5;
inline constexpr std::uint8_t kBeacon = 8;
inline constexpr std::size_t kMaxSsidBytes = 32;  // §9.4.2.2
// Elements walked per frame: a frame holds at most a few dozen; a crafted one
// of zero-length elements could hold over a thousand.
inline constexpr std::size_t kMaxElements = 128;

struct Frame {
  std::uint8_t subtype = 0;
  std::uint16_t capability = 0;   // beacons, probe responses and association requests
  std::optional<std::string> ssid;  // nullopt: no SSID element; "" wildcard or hidden
  bool ssid_hidden = false;         // present but empty or all zero bytes
};

// Parses the frame body after the 24-byte management header (DecodedPacket's
// l2_payload) for `subtype`. Subtypes other than those above are unsupported.
[[nodiscard]] Result<Frame> parse(std::uint8_t subtype, Bytes body) noexcept;

// Registry entry (Transport::wlan_mgmt, keyed by subtype).
void on_frame(const DecodedPacket& pkt, Bytes body, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::wlan_mgmt
