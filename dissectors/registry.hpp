// The dissector registry: which application dissector runs on which traffic,
// and what the rest of the program knows about each protocol name the
// dissectors emit. Dispatch is data (the tables in registry.cpp), not an
// if/else chain: adding a protocol is one new file pair in dissectors/ plus its
// rows in those tables (docs/adding-a-protocol.md).
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
#include <array>
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

// --- protocols ------------------------------------------------------------------
// A protocol name is what a dissector writes into the ledger: an asset's
// protocols, an edge's protocol once a dissector confirmed the flow, an
// operation's protocol. Every such name has one ProtocolInfo in protocols()
// (a dispatch row's name, and names a dissector emits without a row of its
// own: "cip" inside EtherNet/IP, "pn_rt" beside PROFINET DCP). Findings,
// classes and service ports read these rows; no other file lists protocols.

// A well-known port of a protocol's server side (transport udp or tcp).
struct ServicePort {
  Transport transport = Transport::tcp;
  std::uint16_t port = 0;  // 0: unused slot
};

// What a protocol says about the two ends of its conversations, for classes.
enum class Ends : std::uint8_t {
  none,         // nothing about what either end is
  controller,   // a controller's own service: its server is classed plc, its
                // client polls controllers (HMI, SCADA, engineering station)
  cyclic_io,    // cyclic I/O: its server is an I/O target (adapter), its client
                // drives I/O and so talks to controllers' equipment
  data_access,  // OPC UA: its server is classed opcua_server, its client collects data
};

// What a class_hint fact with this protocol as its source means.
enum class HintMeaning : std::uint8_t {
  identity,      // the device's own statement of what it is (S7 SZL, SLMP type name)
  bus_role,      // its role on a fieldbus (PROFINET DCP role bits): a PLC's I-device
                 // and a PC's controller stack say "plc" too, so no CPU is read from it
  capabilities,  // advertised system capabilities (LLDP, CDP): switch, router, access point
  beacons,       // 802.11 beacons: the sender is an access point
};

struct ProtocolInfo {
  std::string_view name{};     // as written into the ledger: "modbus", "cip_io", ...
  std::string_view dissector{};  // the file pair in dissectors/ that emits it
  bool ot = false;             // industrial: a device seen speaking it is OT equipment
  Ends ends = Ends::none;
  // Role facts its dissector writes on the server and client side that, with
  // no conversation of the protocol seen, still say which side a device is on.
  // Empty where the dissector's role also covers devices this row's `ends`
  // would misclass (an EtherNet/IP server may be an adapter or a drive).
  std::string_view server_role{}, client_role{};
  HintMeaning hints = HintMeaning::identity;
  std::string_view label{};    // its name as a fact source in evidence, when not `name` ("LLDP")
  bool it_client = false;      // opening it marks an IT host (a web browser: http, https)
  // Trust in facts with this protocol as their source (inventory/ledger/ledger.cpp's
  // source priorities); 0: the ledger's default for a source it does not list.
  int source_priority = 0;
  bool announces_host_name = false;  // its hostname facts are the host's own announced name
  // A name service (DNS, mDNS, LLMNR, NBNS, DHCP): its facts name a host, they
  // never describe the device (a model, a firmware) the way its own protocol does.
  bool name_service = false;
  // Server ports registered for it (IANA), the side a flow without a SYN is
  // served from and what an unconfirmed flow's port is "registered for".
  std::array<ServicePort, 2> ports{};
  // Operations only engineering software sends besides the ones the dissector
  // marks is_control: program uploads and programming sessions.
  std::span<const std::string_view> engineering_reads{};
  // is_control operations a SCADA master sends too (no sign of engineering).
  std::span<const std::string_view> routine_controls{};
};

// Every protocol name the dissectors emit, one row each.
[[nodiscard]] std::span<const ProtocolInfo> protocols() noexcept;

// The row for `name`, or null (transports "tcp"/"udp", "arp", a name no dissector emits).
[[nodiscard]] const ProtocolInfo* protocol_info(std::string_view name) noexcept;

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
