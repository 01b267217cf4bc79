// The packet loop's body: one frame in, ledger updated. Decode (dissectors/packet),
// SPAN duplicate filter, flow lookup, TCP reassembly, dispatch to the dissector the
// registry names, and the Sink that turns observations into ledger updates.
// Single-threaded; no per-packet allocation in the steady state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dissectors/packet.hpp"
#include "dissectors/registry.hpp"
#include "inventory/ledger/ledger.hpp"
#include "sensor/pipeline/arp_targets.hpp"
#include "sensor/capture/dedup.hpp"
#include "sensor/flow/flow_table.hpp"
#include "sensor/flow/tcp_reassembly.hpp"

namespace mieruka::sensor {

struct PipelineOptions {
  bool dedup = true;             // drop SPAN duplicate copies
  FlowLimits flows{};
  std::size_t reassembly_budget_bytes = 64u << 20;
  // Ledger + flow table + reassembly buffers. Checked every kMemoryCheckPackets
  // packets; over it, the ledger sheds its least valuable assets down to 3/4 of
  // it (counter ledger.assets_shed). 0 = no budget.
  std::size_t memory_budget_bytes = std::size_t{256} << 20;
};

struct PipelineStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;          // wire bytes
  std::uint64_t decode_errors = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t fragments = 0;
  std::uint64_t non_ip = 0;
  std::int64_t first_us = 0, last_us = 0;
};

// Heap bytes in use by the allocator's own count (0 when it cannot tell, e.g.
// under sanitizers), and the process's resident bytes (/proc/self/statm).
[[nodiscard]] std::size_t heap_in_use() noexcept;
[[nodiscard]] std::size_t resident_bytes() noexcept;

class Pipeline final : private FlowEndHandler {
 public:
  Pipeline(inventory::Ledger& ledger, PipelineOptions options = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void on_packet(dissectors::LinkType link, std::int64_t ts_us, Bytes frame, std::uint32_t wire_len) noexcept;
  // End of input: flushes every flow's streams and parsers.
  void finish() noexcept;
  // Readies the ledger to be read or stored (finish() does it): links the
  // stations that are one machine (Ledger::link_same_hosts) and drops the
  // records that merges emptied, with the flows following the moved indices.
  void compact_ledger() noexcept;

  [[nodiscard]] const PipelineStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const PipelineOptions& options() const noexcept { return options_; }
  // Anomaly counters by stable name ("modbus.length_mismatch"), including the
  // reassembly and flow-table counters.
  [[nodiscard]] std::map<std::string, std::uint64_t> counters() const;
  [[nodiscard]] inventory::Ledger& ledger() noexcept { return ledger_; }

  class PacketSink;

 private:
  void handle_l2(const dissectors::DecodedPacket& p, inventory::AssetIndex sender, inventory::AssetIndex receiver);
  void handle_arp(const dissectors::DecodedPacket& p);
  // `at` is the packet's flow located, or null for IP packets without one
  // (see has_flow()).
  void handle_ip(const dissectors::DecodedPacket& p, const FlowKeyParts* at);
  void handle_tcp(const dissectors::DecodedPacket& p, Flow& flow, std::uint8_t side);
  void handle_udp(const dissectors::DecodedPacket& p, Flow& flow, std::uint8_t side);
  void ensure_edge(Flow& flow, const dissectors::DecodedPacket& p);
  void choose_dissector(Flow& flow, const dissectors::DecodedPacket& p, std::uint8_t side);
  void confirm(Flow& flow) noexcept;
  void detach(Flow& flow) noexcept;
  void close_flow(Flow& flow) noexcept;
  inventory::AssetIndex endpoint(const dissectors::DecodedPacket& p, const MacAddr& mac, const IpAddr& ip,
                                 inventory::IpEvidence how);
  // Resolves both sides of `flow` again from packet `p` (sent by key side
  // `side`), moving the flow's edge to the endpoints found.
  void reresolve(Flow& flow, const dissectors::DecodedPacket& p, std::uint8_t side);
  // The VLAN to record for `a` sending `p`: the frame's, when `a` is the
  // station that put it on the wire; none when the frame was relayed for it.
  [[nodiscard]] std::uint16_t own_vlan(inventory::AssetIndex a, const dissectors::DecodedPacket& p) const noexcept;
  void on_flow_end(Flow& flow, FlowEnd why) noexcept override;
  void count(std::string_view name, std::uint64_t n = 1) noexcept;
  void check_memory() noexcept;
  [[nodiscard]] bool shed_deferred() noexcept;
  // Drops the records merges emptied (cheap when there are none): every
  // kMemoryCheckPackets packets, so they never pile up.
  void compact_merged() noexcept;
  void release_free_heap() noexcept;
  void refresh_unaccounted(std::size_t heap) noexcept;
  [[nodiscard]] std::size_t accounted_heap() const noexcept;

  friend class PacketSink;

  inventory::Ledger& ledger_;
  PipelineOptions options_;
  PipelineStats stats_;
  ReassemblyBudget budget_;
  FlowTable flows_;
  DuplicateFilter dedup_;
  ArpTargets arp_targets_;
  std::int64_t next_arp_settle_us_ = 0;
  std::unordered_map<std::string_view, std::uint64_t> counters_;
  std::int64_t next_expiry_us_ = 0;
  std::size_t unaccounted_bytes_ = 0;  // resident but not counted as heap (check_memory)
  std::uint32_t checks_ = 0;
  std::uint32_t shed_backoff_ = 0, shed_skip_ = 0;  // checks skipped after a fruitless shed (check_memory)
  std::int64_t now_us_ = 0;
  dissectors::DecodedPacket packet_;  // the packet being handled (one, reused)
};

}  // namespace mieruka::sensor
