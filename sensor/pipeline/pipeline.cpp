// The packet loop's body (see pipeline.hpp).
//
// Who is who: a flow's two key sides each map to one ledger asset, resolved when
// the flow is created (MAC + IP of its first packet: the ledger gives the asset
// of the station that holds the address, so a routed conversation joins its
// real endpoints), and again when the ledger's epoch says addresses changed
// hands since, or a side's packets come from another MAC. The client is the SYN sender,
// else the side not on the dissector's or a well-known service port, else the
// first sender. An edge goes from client to server, keyed by the server port.
//
// What a flow speaks: the registry names a dissector to try (by port or probe);
// the protocol, its roles and the edge's name are stated once that dissector
// reports a valid message (its first fact, operation or confirm()). Until then
// the edge is "tcp"/"udp" and its port; a violation first detaches the dissector.
#include "sensor/pipeline/pipeline.hpp"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <new>
#include <vector>

#include "dissectors/tcp_fingerprint.hpp"
#include "dissectors/wlan_mgmt.hpp"
#include "inventory/policy/service_ports.hpp"

// Under AddressSanitizer the heap is not glibc's: mallinfo2 would read nonsense.
#if defined(__SANITIZE_ADDRESS__)
#define MIERUKA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIERUKA_ASAN 1
#endif
#endif
#ifndef MIERUKA_ASAN
#define MIERUKA_ASAN 0
#endif

namespace mieruka::sensor {

using dissectors::DecodedPacket;
using dissectors::Direction;
using dissectors::L3;
using dissectors::L4;
using dissectors::Transport;
using inventory::AssetIndex;
using inventory::EdgeIndex;
using inventory::is_service_port;
using inventory::kNoAsset;

namespace {
constexpr EdgeIndex kNoEdge = 0xffffffffU;
constexpr std::int64_t kExpiryStepUs = 1'000'000;
constexpr std::uint64_t kMemoryCheckPackets = 1u << 10;  // power of two

std::uint16_t inner_vlan(const DecodedPacket& p) noexcept {
  return p.vlan_count == 0 ? 0 : p.vlans[p.vlan_count - 1];
}

// An IP packet that belongs to a flow: TCP or UDP with its transport header
// (not a later fragment). ICMP and other IP protocols count per sender and as
// an edge, with no flow state.
bool has_flow(const DecodedPacket& p) noexcept {
  return (p.l4 == L4::tcp || p.l4 == L4::udp) && (!p.fragment || p.first_fragment);
}

}  // namespace

// The asset of one end of an IP packet. A frame to a broadcast or multicast MAC
// (a subnet broadcast such as 10.10.1.255) has no receiving station; without L2
// (raw IP, loopback captures) the IP alone keys the asset.
AssetIndex Pipeline::endpoint(const DecodedPacket& p, const MacAddr& mac, const IpAddr& ip,
                              inventory::IpEvidence how) {
  // An all-zero MAC is what loopback captures converted to Ethernet carry.
  if (!p.has_l2 || mac.is_zero()) return ledger_.resolve(std::nullopt, ip, now_us_, how);
  if (!mac.is_unicast()) return kNoAsset;
  return ledger_.resolve(mac, ip, now_us_, how);
}

std::uint16_t Pipeline::own_vlan(AssetIndex a, const DecodedPacket& p) const noexcept {
  if (p.vlan_count == 0 || a >= ledger_.assets().size()) return 0;
  const auto& mac = ledger_.assets()[a].mac;
  return mac && *mac == p.src_mac ? inner_vlan(p) : 0;
}

void Pipeline::reresolve(Flow& flow, const DecodedPacket& p, std::uint8_t side) {
  using inventory::IpEvidence;
  const std::uint8_t other = static_cast<std::uint8_t>(1 - side);
  const AssetIndex old[2] = {flow.asset[0], flow.asset[1]};
  flow.asset[side] = endpoint(p, p.src_mac, p.src_ip, IpEvidence::sent);
  // A frame to a group address names no receiving station: that side keeps
  // what it had.
  if (const AssetIndex r = endpoint(p, p.dst_mac, p.dst_ip, IpEvidence::addressed); r != kNoAsset)
    flow.asset[other] = r;
  flow.epoch = ledger_.epoch();
  flow.set_resolved_as_sender(side);
  if (flow.asset[0] == old[0] && flow.asset[1] == old[1]) return;
  count("flow.endpoint_changed");
  // A protocol the flow already confirmed is spoken by its real endpoints.
  if (flow.confirmed && flow.dissector != nullptr)
    for (std::uint8_t s = 0; s < 2; ++s)
      if (flow.asset[s] != old[s] && flow.asset[s] != kNoAsset) ledger_.add_protocol(flow.asset[s], flow.dissector->name);
  if (flow.edge == kNoEdge) return;
  const std::uint8_t client = flow.client, server = static_cast<std::uint8_t>(1 - flow.client);
  if (flow.asset[client] == kNoAsset || flow.asset[server] == kNoAsset) {
    flow.edge = kNoEdge;
    return;
  }
  // What was counted while the flow was charged to the wrong station moves
  // with it, unless another flow moved that edge already.
  flow.edge = ledger_.move_edge(flow.edge, old[client], old[server], flow.asset[client], flow.asset[server]);
}

// Resolves observations against a fixed sender/receiver pair and edge. For a
// flow's dissector (`flow` set), the first fact, operation or confirm()
// confirms the protocol (Pipeline::confirm) and a violation before it ends the
// claim; the edge is read from the flow, which confirming relabels.
class Pipeline::PacketSink final : public Sink {
 public:
  PacketSink(Pipeline& pl, AssetIndex sender, AssetIndex receiver, EdgeIndex edge, std::string_view protocol,
             Flow* flow = nullptr) noexcept
      : pl_(pl), sender_(sender), receiver_(receiver), edge_(edge), protocol_(protocol), flow_(flow) {}

  void fact(const Fact& f) noexcept override { fact_view(f.who, f.field, f.value, f.source); }

  void fact_view(const AssetRef& who, std::string_view name, std::string_view value,
                 std::string_view source) noexcept override {
    if (!admit()) return;
    const AssetIndex a = resolve(who);
    if (a == kNoAsset) return;
    auto& ledger = pl_.ledger_;
    if (name == field::ip) {
      if (auto ip = IpAddr::parse(value); ip && !ip->is_unspecified() && !ip->is_multicast() && !ip->is_broadcast())
        ledger.bind_ip(a, *ip, source, pl_.now_us_);
      return;
    }
    ledger.add_fact(a, name, value, source, pl_.now_us_);
  }

  void operation(const Operation& op) noexcept override {
    if (!admit()) return;
    const EdgeIndex edge = flow_ != nullptr ? flow_->edge : edge_;
    if (edge == kNoEdge) return;
    // A protocol named by the operation (CIP inside EtherNet/IP) is stated with
    // the edge's first operation of its kind: restating it on every poll searched
    // both assets' protocol lists each time.
    if (!pl_.ledger_.add_op(edge, op, pl_.now_us_)) return;
    if (!op.protocol.empty() && op.protocol != protocol_) {
      if (sender_ != kNoAsset) pl_.ledger_.add_protocol(sender_, op.protocol);
      if (receiver_ != kNoAsset) pl_.ledger_.add_protocol(receiver_, op.protocol);
    }
  }

  void anomaly(std::string_view counter) noexcept override { pl_.count(counter); }

  void confirm() noexcept override { (void)admit(); }

  void violation(std::string_view counter) noexcept override {
    pl_.count(counter);
    if (flow_ == nullptr || flow_->confirmed || flow_->violated) return;
    // A TCP stream joined mid-connection may start inside a message: the
    // parser resynchronises, and the flow stays unconfirmed until a valid one.
    if (flow_->key.proto == 6 && !flow_->syn_seen) return;
    flow_->violated = true;
    pl_.count("flow.protocol_violation");
  }

 private:
  // False once the flow's bytes broke its dissector's protocol: the parser may
  // still be mid-call, and nothing it says about those bytes is evidence.
  bool admit() noexcept {
    if (flow_ == nullptr || flow_->confirmed) return true;
    if (flow_->violated) return false;
    pl_.confirm(*flow_);
    return true;
  }

  AssetIndex resolve(const AssetRef& r) noexcept {
    AssetIndex base = kNoAsset;
    switch (r.kind) {
      case AssetRef::Kind::sender: base = sender_; break;
      case AssetRef::Kind::receiver: base = receiver_; break;
      case AssetRef::Kind::mac:
        if (!r.mac.is_unicast()) return kNoAsset;
        base = pl_.ledger_.station(r.mac, pl_.now_us_);
        if (r.ip.valid() && !r.ip.is_unspecified()) pl_.ledger_.bind_ip(base, r.ip, protocol_, pl_.now_us_);
        break;
    }
    if (base == kNoAsset || r.route.empty()) return base;
    return pl_.ledger_.child(base, r.route, pl_.now_us_);
  }

  Pipeline& pl_;
  AssetIndex sender_, receiver_;
  EdgeIndex edge_;
  std::string_view protocol_;
  Flow* flow_;
};

// Delivers one direction's reassembled bytes to the flow's parser.
class FlowConsumer final : public StreamConsumer {
 public:
  FlowConsumer(Pipeline::PacketSink& sink, dissectors::StreamParser& parser, Direction dir) noexcept
      : sink_(sink), parser_(parser), dir_(dir) {}
  void on_bytes(std::span<const std::byte> bytes) noexcept override { parser_.on_data(dir_, bytes, sink_); }
  void on_gap(std::size_t lost) noexcept override { parser_.on_gap(dir_, lost, sink_); }

 private:
  Pipeline::PacketSink& sink_;
  dissectors::StreamParser& parser_;
  Direction dir_;
};

Pipeline::Pipeline(inventory::Ledger& ledger, PipelineOptions options)
    : ledger_(ledger), options_(options), budget_(options.reassembly_budget_bytes), flows_(options.flows, budget_) {
  flows_.set_end_handler(this);
  // Room for as many records as the budget could hold (an asset or an edge
  // costs well over 512 bytes all told), reserved as address space so they
  // never reallocate: a reallocation holds the old and the new block at once.
  // Edges get as much room as assets: spoofed senders bring one each.
  if (options_.memory_budget_bytes != 0)
    ledger_.reserve(options_.memory_budget_bytes / 512, options_.memory_budget_bytes / 512);
  refresh_unaccounted(accounted_heap());
}

// The heap in use as glibc counts it, with the ledger's record vectors at
// their used size: they are mapped blocks reserved up front, mostly untouched
// address space that heap_in_use() counts whole.
std::size_t Pipeline::accounted_heap() const noexcept {
  const std::size_t heap = heap_in_use();
  if (heap == 0) return 0;
  const std::size_t reserved = ledger_.reserved_bytes();
  return (heap > reserved ? heap - reserved : 0) + ledger_.record_bytes();
}

Pipeline::~Pipeline() = default;

void Pipeline::count(std::string_view name, std::uint64_t n) noexcept { counters_[name] += n; }

std::size_t heap_in_use() noexcept {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)) && !MIERUKA_ASAN
  const struct mallinfo2 mi = mallinfo2();
  // Small blocks, and the large ones glibc maps on their own (hash tables'
  // bucket arrays, flow slabs): missing those let a flood overshoot the budget
  // by what its index maps grew between two reads of the resident set.
  return mi.uordblks + mi.hblkhd;
#else
  return 0;
#endif
}

// What the shed records held is free heap now, still resident: glibc keeps it
// for reuse, and the budget would count it as used until new records fill it.
// malloc_trim hands the free pages back (once per shed, not per packet), and
// the next check re-reads the resident set.
void Pipeline::release_free_heap() noexcept {
#if defined(__GLIBC__) && !MIERUKA_ASAN
  (void)malloc_trim(0);
  refresh_unaccounted(accounted_heap());
#endif
}

// The resident memory the heap count does not explain (code, stacks, glibc's
// free but resident pages), re-read from /proc; kept when it cannot be read.
void Pipeline::refresh_unaccounted(std::size_t heap) noexcept {
  const std::size_t rss = resident_bytes();
  if (rss != 0) unaccounted_bytes_ = rss > heap ? rss - heap : 0;
}

std::size_t resident_bytes() noexcept {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  const long page = sysconf(_SC_PAGESIZE);
  return got == 2 && page > 0 ? resident * static_cast<std::size_t>(page) : 0;
}

void Pipeline::on_packet(dissectors::LinkType link, std::int64_t ts_us, Bytes frame, std::uint32_t wire_len) noexcept {
  ++stats_.packets;
  stats_.bytes += wire_len;
  if ((stats_.packets & (kMemoryCheckPackets - 1)) == 0) {
    compact_merged();
    if (options_.memory_budget_bytes != 0) check_memory();
  }
  if (stats_.first_us == 0 || ts_us < stats_.first_us) stats_.first_us = ts_us;
  if (ts_us > stats_.last_us) stats_.last_us = ts_us;
  // Packet time only moves forward: a capture with a clock step backwards must not
  // make every flow look idle.
  if (ts_us > now_us_) now_us_ = ts_us;

  DecodedPacket& p = packet_;  // decode() resets it
  PacketSink decode_sink(*this, kNoAsset, kNoAsset, kNoEdge, {});
  const auto decoded = dissectors::decode(link, frame, p, decode_sink);
  p.ts_us = ts_us;
  p.wire_len = wire_len;
  if (!decoded) ++stats_.decode_errors;
  // 802.11: only the radio that transmitted the frame is known to be wireless.
  // The source and destination a frame to or from the distribution system (or
  // a WDS frame) carries are stations the access point relays for, wired as
  // far as the frame shows.
  if (p.wireless && p.ta.is_unicast()) ledger_.add_protocol(ledger_.station(p.ta, now_us_), dissectors::wlan_mgmt::kProtocol);

  if (now_us_ >= next_expiry_us_) {
    flows_.expire(now_us_, [this](Flow& f) { close_flow(f); });
    next_expiry_us_ = now_us_ + kExpiryStepUs;
  }

  if (p.l3 == L3::ipv4 || p.l3 == L3::ipv6) {
    // Three table lines are likely cache misses: the flow index slot, the
    // flow, the duplicate filter's set. Each is prefetched as soon as its
    // address is known, with the next computation in between.
    const bool flowing = has_flow(p);
    const FlowKeyParts at = flowing ? flows_.locate(p) : FlowKeyParts{};  // built in place
    if (options_.dedup) {
      const std::uint64_t fp = DuplicateFilter::fingerprint(p);
      dedup_.prefetch(fp);
      if (flowing) flows_.prefetch_flow(at);
      if (dedup_.is_duplicate(fp, ts_us)) {
        ++stats_.duplicates;
        return;
      }
    }
    handle_ip(p, flowing ? &at : nullptr);
    return;
  }
  ++stats_.non_ip;
  if (p.l3 == L3::arp) {
    handle_arp(p);
    return;
  }
  if (!p.has_l2 || !p.src_mac.is_unicast()) return;
  const AssetIndex sender = ledger_.station(p.src_mac, now_us_);
  ledger_.sent(sender, wire_len, inner_vlan(p), now_us_);
  const AssetIndex receiver = p.dst_mac.is_unicast() ? ledger_.station(p.dst_mac, now_us_) : kNoAsset;
  handle_l2(p, sender, receiver);
}

void Pipeline::handle_l2(const DecodedPacket& p, AssetIndex sender, AssetIndex receiver) {
  const dissectors::DissectorEntry* e = nullptr;
  if (p.wireless && p.wlan_type == 0) e = dissectors::find_by_key(Transport::wlan_mgmt, dissectors::wlan_mgmt_key(p.wlan_subtype));
  if (e == nullptr && p.llc && p.snap_pid != 0) e = dissectors::find_by_key(Transport::snap, p.snap_pid);
  if (e == nullptr && p.ethertype != 0) e = dissectors::find_by_key(Transport::ether, p.ethertype);
  if (e == nullptr || e->datagram == nullptr) return;
  ledger_.add_protocol(sender, e->name);
  EdgeIndex edge = kNoEdge;
  if (receiver != kNoAsset) {
    edge = ledger_.edge(sender, receiver, e->name, "ether", 0, inner_vlan(p), now_us_);
    ledger_.count_edge(edge, p.wire_len, now_us_);
    ledger_.add_protocol(receiver, e->name);
  }
  PacketSink sink(*this, sender, receiver, edge, e->name);
  e->datagram(p, p.l2_payload, sink);
}

void Pipeline::handle_arp(const DecodedPacket& p) {
  const MacAddr& station = p.has_l2 && p.src_mac.is_unicast() ? p.src_mac : p.arp.sha;
  if (!station.is_unicast()) return;
  const AssetIndex sender = ledger_.station(station, now_us_);
  ledger_.sent(sender, p.wire_len, inner_vlan(p), now_us_);
  ledger_.add_protocol(sender, "arp");
  // The ARP sender fields bind an address to a station (an ARP probe's sender
  // address is 0.0.0.0: nothing to bind yet).
  if (p.arp.sha.is_unicast() && p.arp.spa.valid() && !p.arp.spa.is_unspecified()) {
    const AssetIndex owner = p.arp.sha == station ? sender : ledger_.station(p.arp.sha, now_us_);
    ledger_.bind_ip(owner, p.arp.spa, "arp", now_us_);
  }
  if (!arp_targets_.on_arp(p.arp, station, now_us_)) count("arp.targets_cap");
  if (now_us_ >= next_arp_settle_us_) {
    if (const auto n = arp_targets_.settle(ledger_, now_us_, false)) count("arp.silent_targets", n);
    next_arp_settle_us_ = now_us_ + kArpSettleAgeUs / 5;
  }
  if (p.arp.gratuitous()) count("arp.gratuitous");
  if (p.arp.probe()) count("arp.probe");
}

void Pipeline::handle_ip(const DecodedPacket& p, const FlowKeyParts* at) {
  if (p.fragment) ++stats_.fragments;
  if (at == nullptr) {  // ICMP and other IP protocols
    const AssetIndex sender = endpoint(p, p.src_mac, p.src_ip, inventory::IpEvidence::sent);
    if (sender == kNoAsset) return;
    ledger_.sent(sender, p.wire_len, own_vlan(sender, p), now_us_);
    if (p.fragment && !p.first_fragment) return;
    const AssetIndex receiver = endpoint(p, p.dst_mac, p.dst_ip, inventory::IpEvidence::addressed);
    if (receiver == kNoAsset) return;
    const bool icmp = p.l4 == L4::icmp || p.l4 == L4::icmpv6;
    const std::string_view proto = icmp ? std::string_view(p.l4 == L4::icmp ? "icmp" : "icmpv6") : "ip";
    const EdgeIndex e = ledger_.edge(sender, receiver, proto, proto, 0, inner_vlan(p), now_us_);
    ledger_.count_edge(e, p.wire_len, now_us_);
    return;
  }

  const std::uint8_t side = at->side;
  bool created = false;
  Flow* flow = flows_.lookup(*at, p, now_us_, created);
  if (flow == nullptr) {
    count("flow.table_full");
    return;
  }
  ledger_.prefetch_asset(flow->asset[side]);
  ledger_.prefetch_edge(flow->edge);
  if (created) {
    flow->asset[side] = endpoint(p, p.src_mac, p.src_ip, inventory::IpEvidence::sent);
    flow->asset[1 - side] = endpoint(p, p.dst_mac, p.dst_ip, inventory::IpEvidence::addressed);
    flow->epoch = ledger_.epoch();
    flow->set_resolved_as_sender(side);
    choose_dissector(*flow, p, side);
  } else {
    // The first packet may have come from a station that is not the one serving
    // the flow later (a frame to a stale MAC, a forged source, a router's copy),
    // or the ledger learnt since who holds an address: resolve the sides again.
    const AssetIndex cur = flow->asset[side];
    // A side's first packet of its own is the first word it has about the
    // address it sends from (until then only frames addressed to it were seen).
    if (flow->epoch != ledger_.epoch() || !flow->resolved_as_sender(side)) {
      reresolve(*flow, p, side);
    } else if (p.has_l2 && p.src_mac.is_unicast() &&
               (cur == kNoAsset || (ledger_.assets()[cur].mac && *ledger_.assets()[cur].mac != p.src_mac))) {
      reresolve(*flow, p, side);
      count("flow.station_changed");
    }
    if (flow->dissector == nullptr && !flow->probed[side] && !p.payload.empty()) choose_dissector(*flow, p, side);
  }
  if (flow->asset[side] != kNoAsset) ledger_.sent(flow->asset[side], p.wire_len, own_vlan(flow->asset[side], p), now_us_);
  ensure_edge(*flow, p);
  if (flow->edge != kNoEdge) ledger_.count_edge(flow->edge, p.wire_len, now_us_);
  if (p.fragment) return;  // a first fragment's payload is incomplete: not dissected
  if (p.l4 == L4::tcp && (p.tcp_flags & dissectors::tcp_flag::syn) != 0) {
    // SYN / SYN-ACK: the sender's TCP stack fingerprint (no work on other packets).
    PacketSink fp_sink(*this, flow->asset[side], flow->asset[1 - side], kNoEdge, "tcp");
    dissectors::tcp_fingerprint::observe(p, fp_sink);
  }
  if (p.l4 == L4::tcp)
    handle_tcp(p, *flow, side);
  else
    handle_udp(p, *flow, side);
}

void Pipeline::choose_dissector(Flow& flow, const DecodedPacket& p, std::uint8_t side) {
  const bool tcp = p.l4 == L4::tcp;
  const Transport t = tcp ? Transport::tcp : Transport::udp;
  const std::uint16_t port0 = flow.key.port[0], port1 = flow.key.port[1];
  const dissectors::DissectorEntry* e = nullptr;
  if (flow.edge == kNoEdge && flow.dissector == nullptr) {
    e = dissectors::find_by_ports(t, port0, port1);
    // Without a SYN, the server is the side on the dissector's port, else the side
    // on a well-known service port when the other side is not on one.
    if (!flow.syn_seen) {
      int server = -1;
      if (e != nullptr) server = flow.key.port[0] == e->key ? 0 : 1;
      else if (is_service_port(tcp, port0) && !is_service_port(tcp, port1)) server = 0;
      else if (is_service_port(tcp, port1) && !is_service_port(tcp, port0)) server = 1;
      else if (is_service_port(tcp, port0) && is_service_port(tcp, port1)) server = port0 <= port1 ? 0 : 1;
      if (server >= 0) flow.client = static_cast<std::uint8_t>(1 - server);
    }
  }
  if (e == nullptr && !p.payload.empty() && !flow.probed[side]) {
    flow.probed[side] = true;
    const Direction dir = side == flow.client ? Direction::to_server : Direction::to_client;
    e = dissectors::find_by_probe(t, p.payload, dir);
    if (e != nullptr) count("flow.claimed_by_probe");
  }
  if (e == nullptr) return;
  // Chosen, not confirmed: the port or a probe only says what to try. The
  // protocol and the edge's name wait for a valid message (confirm()).
  flow.dissector = e;
  if (tcp && e->make_stream != nullptr) flow.parser = e->make_stream();
}

// The flow's dissector parsed a valid message: the protocol is now true of both
// ends, and the edge carries its name.
void Pipeline::confirm(Flow& flow) noexcept {
  flow.confirmed = true;
  const std::string_view name = flow.dissector->name;
  for (auto a : flow.asset)
    if (a != kNoAsset) ledger_.add_protocol(a, name);
  if (flow.edge != kNoEdge) flow.edge = ledger_.relabel_edge(flow.edge, name);
}

// The flow's bytes broke its dissector's protocol before any valid message:
// the flow stays what the bytes show (tcp/udp and its port) and is not parsed
// again, by that dissector or a probe.
void Pipeline::detach(Flow& flow) noexcept {
  flow.dissector = nullptr;
  flow.parser.reset();
  flow.probed[0] = flow.probed[1] = true;
  flow.stream[0].reset(&budget_);
  flow.stream[1].reset(&budget_);
}

void Pipeline::ensure_edge(Flow& flow, const DecodedPacket& p) {
  if (flow.edge != kNoEdge) return;
  const std::uint8_t client = flow.client, server = static_cast<std::uint8_t>(1 - flow.client);
  if (flow.asset[client] == kNoAsset || flow.asset[server] == kNoAsset) return;
  // A host talking to itself (loopback captures) keeps its edge: its operations
  // (a test bench's Modbus client and server on one machine) are still evidence.
  const bool tcp = p.l4 == L4::tcp;
  const std::uint16_t port = flow.key.port[server];
  // A port names no protocol: until the dissector confirms one, the edge is the
  // transport and its port.
  const std::string_view transport = tcp ? "tcp" : "udp";
  const std::string_view proto = flow.confirmed ? flow.dissector->name : transport;
  flow.edge = ledger_.edge(flow.asset[client], flow.asset[server], proto, transport, port, inner_vlan(p), now_us_);
}

void Pipeline::handle_tcp(const DecodedPacket& p, Flow& flow, std::uint8_t side) {
  if (!flow.parser) return;  // no stream dissector: no reassembly, no buffering
  const std::uint8_t other = static_cast<std::uint8_t>(1 - side);
  const Direction dir = side == flow.client ? Direction::to_server : Direction::to_client;
  const Direction other_dir = dir == Direction::to_server ? Direction::to_client : Direction::to_server;
  const std::string_view proto = flow.dissector->name;
  PacketSink sink(*this, flow.asset[side], flow.asset[other], flow.edge, proto, &flow);
  FlowConsumer consumer(sink, *flow.parser, dir);
  flow.stream[side].on_segment(p.seq, p.payload, p.tcp_flags, consumer);
  if ((p.tcp_flags & dissectors::tcp_flag::ack) != 0) {
    PacketSink other_sink(*this, flow.asset[other], flow.asset[side], flow.edge, proto, &flow);
    FlowConsumer other_consumer(other_sink, *flow.parser, other_dir);
    flow.stream[other].on_peer_ack(p.ack, other_consumer);
  }
  if ((p.tcp_flags & (dissectors::tcp_flag::fin | dissectors::tcp_flag::rst)) != 0) {
    flow.stream[side].flush(consumer);
    flow.parser->on_eof(dir, sink);
  }
  if (flow.violated) detach(flow);
}

void Pipeline::handle_udp(const DecodedPacket& p, Flow& flow, std::uint8_t side) {
  if (flow.dissector == nullptr || flow.dissector->datagram == nullptr) return;
  PacketSink sink(*this, flow.asset[side], flow.asset[1 - side], flow.edge, flow.dissector->name, &flow);
  flow.dissector->datagram(p, p.payload, sink);
  if (flow.violated) detach(flow);
}

void Pipeline::close_flow(Flow& flow) noexcept {
  if (!flow.parser) return;
  for (std::uint8_t side = 0; side < 2; ++side) {
    const Direction dir = side == flow.client ? Direction::to_server : Direction::to_client;
    PacketSink sink(*this, flow.asset[side], flow.asset[1 - side], flow.edge, flow.dissector->name, &flow);
    FlowConsumer consumer(sink, *flow.parser, dir);
    flow.stream[side].flush(consumer);
    flow.parser->on_eof(dir, sink);
  }
  flow.parser.reset();
}

// Evicted flows, and a closed connection whose 4-tuple a new SYN reuses, end here.
void Pipeline::on_flow_end(Flow& flow, FlowEnd why) noexcept {
  count(why == FlowEnd::evicted ? "flow.evicted" : why == FlowEnd::reused ? "flow.port_reused" : "flow.expired");
  close_flow(flow);
}

void Pipeline::compact_ledger() noexcept {
  try {
    ledger_.link_same_hosts(now_us_);
  } catch (const std::bad_alloc&) {
    count("ledger.link_oom");
  }
  compact_merged();
}

void Pipeline::compact_merged() noexcept {
  if (ledger_.merged_pending() == 0) return;
  try {
    std::vector<AssetIndex> remap;
    ledger_.compact(&remap);
    flows_.for_each([&remap](Flow& f) {
      for (auto& a : f.asset)
        if (a < remap.size()) a = remap[a];
    });
  } catch (const std::bad_alloc&) {
    count("ledger.compact_oom");
  }
}

void Pipeline::finish() noexcept {
  flows_.drain([this](Flow& f) { close_flow(f); });
  compact_ledger();
  try {
    if (const auto n = arp_targets_.settle(ledger_, now_us_, true)) count("arp.silent_targets", n);
  } catch (const std::bad_alloc&) {
    count("arp.settle_oom");
  }
}

// Over budget, the ledger sheds its least valuable assets down to 3/4 of the
// budget minus what flows and reassembly hold (those are bounded by their own
// caps), and the flows that pointed at moved assets follow the new indices.
//
// The budget is the process's resident memory. The cheap check (every
// kMemoryCheckPackets packets) adds the allocator's count of heap in use (glibc
// mallinfo2: small blocks and mapped ones), with the ledger's record vectors
// (mapped, reserved up front so they never reallocate) at their used size, and
// the rest of the resident set that neither covers (code, libraries, stacks,
// freed heap not yet reused), re-read from
// /proc/self/statm every 64th check and whenever over. Only when over does
// the ledger's estimate (a walk over every asset) run, scaled to the real heap
// (allocator headers, rounding, hash nodes), so shedding aims at 3/4 of the
// budget in real bytes. Under sanitizers mallinfo2 reads nonsense: the
// estimate alone decides, checked every 16th time since it costs a walk.
// Over budget with nothing left to shed (every record is a real device or
// conversation), the walk over the ledger would repeat at every check for
// nothing and slow the packet path: each fruitless shed ("ledger.over_budget")
// doubles the checks skipped before the next try, up to 64; a shed that frees
// something resets it.
bool Pipeline::shed_deferred() noexcept {
  if (shed_skip_ == 0) return false;
  --shed_skip_;
  count("ledger.shed_deferred");
  return true;
}

void Pipeline::check_memory() noexcept {
  const std::size_t budget = options_.memory_budget_bytes;
  const std::size_t arena = accounted_heap();
  std::size_t goal = budget / 4 * 3;
  std::size_t scale16 = 16;  // real bytes per estimated byte, in 1/16ths
  std::size_t others = 0;  // flows and reassembly, bounded by their own caps
  if (arena != 0) {
    const std::size_t heap = arena;
    auto refresh = [&] { refresh_unaccounted(heap); };
    // A sixteenth of the budget is kept for transients between checks (hash
    // tables rehashing, shedding's own index vectors).
    const std::size_t limit = budget - budget / 16;
    if ((++checks_ & 63) == 0) refresh();
    if (heap + unaccounted_bytes_ <= limit) return;
    refresh();
    if (heap + unaccounted_bytes_ <= limit) return;
    if (shed_deferred()) return;
    others = flows_.memory_bytes() + budget_.used();
    const std::size_t estimate = ledger_.memory_bytes() + others;
    if (estimate != 0) scale16 = std::clamp<std::size_t>(heap * 16 / estimate, 4, 64);
    const std::size_t room = unaccounted_bytes_ < goal ? goal - unaccounted_bytes_ : 0;
    goal = room * 16 / scale16;  // in estimated bytes
  } else {
    if ((++checks_ & 15) != 0) return;
    if (shed_deferred()) return;
    others = flows_.memory_bytes() + budget_.used();
    if (ledger_.memory_bytes() + others <= budget) return;
  }
  try {
    std::vector<AssetIndex> remap;
    std::vector<EdgeIndex> edge_remap;
    const std::uint64_t edges_before = ledger_.edges_shed();
    const std::size_t n = ledger_.shed(goal > others ? goal - others : 0, &remap, &edge_remap);
    if (n == 0) {
      shed_backoff_ = std::min<std::uint32_t>(shed_backoff_ == 0 ? 1 : shed_backoff_ * 2, 64);
      shed_skip_ = shed_backoff_;
      count("ledger.over_budget");
    } else {
      shed_backoff_ = 0;
      count("ledger.assets_shed", n);
      if (const std::uint64_t e = ledger_.edges_shed() - edges_before) count("ledger.edges_shed", e);
    }
    if (remap.empty()) return;
    // Flows follow the moved indices; a flow whose side or edge was shed was
    // one of the weak conversations that went with it: it goes too.
    std::vector<Flow*> gone;
    flows_.for_each([&](Flow& f) {
      bool lost = false;
      for (auto& a : f.asset)
        if (a < remap.size()) {
          a = remap[a];
          lost = lost || a == kNoAsset;
        }
      if (!edge_remap.empty() && f.edge < edge_remap.size()) {
        f.edge = edge_remap[f.edge];
        lost = lost || f.edge == kNoEdge;
      }
      if (lost) gone.push_back(&f);
    });
    for (Flow* f : gone) flows_.remove(*f);
    if (!gone.empty()) count("flow.shed", gone.size());
    remap = {};
    edge_remap = {};
    release_free_heap();
  } catch (const std::bad_alloc&) {
    count("ledger.shed_failed");
  }
}

std::map<std::string, std::uint64_t> Pipeline::counters() const {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [k, v] : counters_) out[std::string(k)] += v;
  if (stats_.duplicates) out["span.duplicates"] = stats_.duplicates;
  if (stats_.decode_errors) out["decode.errors"] = stats_.decode_errors;
  if (stats_.fragments) out["ip.fragments"] = stats_.fragments;
  return out;
}

}  // namespace mieruka::sensor
