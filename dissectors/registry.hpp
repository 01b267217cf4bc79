// The dissector registry: which application dissector runs on which traffic.
// Dispatch is data (the table in registry.cpp), not an if/else chain: adding a
// protocol is one new file pair in dissectors/ plus one row in that table.
//
// Transports:
//   ether — keyed by EtherType (LLDP 0x88cc, PROFINET 0x8892); gets l2_payload.
//   snap  — 802.3 LLC/SNAP frames keyed by SNAP protocol id (CDP 0x2000); l2_payload.
//   wlan_mgmt — 802.11 management frames keyed by wlan_mgmt_key(subtype) (0 is
//           a real subtype, association request, and 0 means "no key" here);
//           the body after the management header as l2_payload.
//   udp   — keyed by port (either side); one call per datagram.
//   tcp   — keyed by port (either side); a StreamParser per connection gets the
//           reassembled bytes of both directions.
// A `probe` lets a dissector claim traffic on ports not in the table (vendors'
// protocols run on configurable ports): it sees the first payload of a flow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "packet.hpp"

namespace mieruka::dissectors {

enum class Transport : std::uint8_t { ether, snap, udp, tcp, wlan_mgmt };
[[nodiscard]] constexpr std::uint16_t wlan_mgmt_key(std::uint8_t subtype) noexcept {
  return static_cast<std::uint16_t>(0x100U | (subtype & 0x0fU));
}

// For TCP: the client is the side that sent the SYN (or, with no SYN seen, the
// side talking to the well-known port). Bytes flowing client->server are to_server.
enum class Direction : std::uint8_t { to_server = 0, to_client = 1 };

// One datagram or frame. The Sink's AssetRef::sender is pkt's source.
using DatagramFn = void (*)(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept;

// True when `first_payload` (the first bytes of a flow in direction `dir`) looks like
// this protocol strongly enough to claim a flow on an unknown port. Must be cheap
// and strict: a false claim hides the real protocol.
using ProbeFn = bool (*)(Bytes first_payload, Direction dir) noexcept;

// A per-connection parser over the reassembled streams. Keeps its own state per
// direction; bytes arrive in order. A loop consumes at least one byte per pass
// or stops. Buffers it keeps are bounded by its own named caps.
class StreamParser {
 public:
  virtual ~StreamParser() = default;
  // In-order bytes from `dir`'s sender. Sink's AssetRef::sender is that sender.
  virtual void on_data(Direction dir, Bytes data, Sink& sink) noexcept = 0;
  // `lost` bytes of `dir` will never arrive; resynchronise (probe before trusting a header).
  virtual void on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept = 0;
  // The sender of `dir` closed its side (FIN/RST) or the flow expired.
  virtual void on_eof(Direction /*dir*/, Sink& /*sink*/) noexcept {}
  // Bytes this parser holds, for the memory budget.
  [[nodiscard]] virtual std::size_t buffered_bytes() const noexcept { return 0; }
};

using MakeStreamFn = std::unique_ptr<StreamParser> (*)();

struct DissectorEntry {
  std::string_view name;      // protocol name in the contract: "modbus", "enip", ...
  Transport transport;
  std::uint16_t key;          // port, EtherType or SNAP pid; 0 = heuristic only
  ProbeFn probe;              // may be null
  DatagramFn datagram;        // ether, snap, udp
  MakeStreamFn make_stream;   // tcp
};

[[nodiscard]] std::span<const DissectorEntry> registry() noexcept;

// The entry registered for `key` on `transport`, or null.
[[nodiscard]] const DissectorEntry* find_by_key(Transport transport, std::uint16_t key) noexcept;

// For udp/tcp: the entry for the server port, else the client port (lower port first
// when neither side is known), else null.
[[nodiscard]] const DissectorEntry* find_by_ports(Transport transport, std::uint16_t a,
                                                  std::uint16_t b) noexcept;

// The first entry of `transport` whose probe claims `payload`, or null.
[[nodiscard]] const DissectorEntry* find_by_probe(Transport transport, Bytes payload,
                                                  Direction dir) noexcept;

}  // namespace mieruka::dissectors
