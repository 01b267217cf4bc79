// Devices seen only as the target of ARP requests nobody answers
// ("devices seen only indirectly", checklist item 2-6): a PLC that keeps asking for 10.10.1.77 tells
// us a device is configured there, even when that device is off, unplugged, or
// on a port the mirror does not copy.
//
// The table is bounded (kMaxArpTargets entries); entries settle into IP-keyed
// ledger assets with an "arp" edge from each requester once they have been
// asked for on at least two occasions and still nobody holds the address.
// A requester that asks for many addresses nobody has is sweeping the subnet
// (discovery tools, nmap, Windows neighbour probing): its requests alone do not
// make a device.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <unordered_map>

#include "dissectors/net.hpp"
#include "dissectors/packet.hpp"
#include "inventory/ledger/ledger.hpp"

namespace mieruka::sensor {

inline constexpr std::size_t kMaxArpTargets = 4096;
inline constexpr std::size_t kMaxArpRequesters = 4096;
// Distinct unanswered targets above which a requester counts as sweeping.
inline constexpr std::uint32_t kArpSweepTargets = 16;
// Requests closer together than this are one occasion (retries, SPAN copies).
inline constexpr std::int64_t kArpOccasionGapUs = 500'000;
// Occasions before an unanswered target becomes an asset.
inline constexpr std::uint32_t kArpMinOccasions = 2;
// While capturing, an entry settles once its last request is this old (a reply
// normally follows within a second); at the end of a file everything settles.
inline constexpr std::int64_t kArpSettleAgeUs = 300'000'000;

class ArpTargets {
 public:
  ArpTargets();
  // Notes an ARP frame: a request for an address, or any sender address that
  // answers for one. Returns false when the table was full (counted by caller).
  bool on_arp(const dissectors::ArpInfo& arp, const MacAddr& requester, std::int64_t ts_us);
  // Turns qualified entries into ledger assets: all of them at `end_of_input`,
  // else those whose last request is older than kArpSettleAgeUs. Returns the
  // number of assets made.
  std::size_t settle(inventory::Ledger& ledger, std::int64_t now_us, bool end_of_input);
  [[nodiscard]] std::size_t size() const noexcept { return targets_.size(); }

 private:
  struct Target {
    MacAddr requester{};
    bool several_requesters = false;
    std::uint32_t occasions = 0;
    std::int64_t first_us = 0, last_us = 0;
  };
  void forget(const IpAddr& ip);
  // Nodes come from a pool: a request answered a moment later frees its node for
  // the next one, so the steady state allocates nothing (tests/unit/sensor/alloc_test).
  std::pmr::unsynchronized_pool_resource pool_;
  std::pmr::unordered_map<IpAddr, Target> targets_{&pool_};
  std::pmr::unordered_map<MacAddr, std::uint32_t> asked_{&pool_};  // requester -> distinct targets
};

}  // namespace mieruka::sensor
