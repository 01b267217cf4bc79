#include "sensor/pipeline/arp_targets.hpp"

#include <algorithm>
#include <unordered_set>
#include <vector>

namespace mieruka::sensor {

namespace {

bool wanted_address(const IpAddr& ip) noexcept {
  return ip.valid() && ip.is_v4() && !ip.is_unspecified() && !ip.is_multicast() && !ip.is_broadcast() &&
         (ip.v4_value() >> 24) != 127;
}

}  // namespace

ArpTargets::ArpTargets() {
  targets_.reserve(kMaxArpTargets);
  asked_.reserve(kMaxArpRequesters);
}

bool ArpTargets::on_arp(const dissectors::ArpInfo& arp, const MacAddr& requester, std::int64_t ts_us) {
  // Whoever states a sender address holds it: no longer a silent target.
  if (arp.spa.valid() && !arp.spa.is_unspecified()) forget(arp.spa);
  // Requests only; a probe (sender 0.0.0.0) asks for the prober's own future
  // address, a gratuitous request announces the sender's own.
  if (arp.op != 1 || arp.probe() || arp.tpa == arp.spa || !wanted_address(arp.tpa) || !requester.is_unicast())
    return true;
  auto it = targets_.find(arp.tpa);
  if (it == targets_.end()) {
    if (targets_.size() >= kMaxArpTargets) return false;
    it = targets_.emplace(arp.tpa, Target{requester, false, 1, ts_us, ts_us}).first;
    if (auto a = asked_.find(requester); a != asked_.end()) {
      ++a->second;
    } else if (asked_.size() < kMaxArpRequesters) {
      asked_.emplace(requester, 1);
    }
    return true;
  }
  Target& t = it->second;
  if (t.requester != requester) t.several_requesters = true;
  if (ts_us - t.last_us >= kArpOccasionGapUs) ++t.occasions;
  t.last_us = std::max(t.last_us, ts_us);
  return true;
}

void ArpTargets::forget(const IpAddr& ip) {
  const auto it = targets_.find(ip);
  if (it == targets_.end()) return;
  if (auto a = asked_.find(it->second.requester); a != asked_.end() && --a->second == 0) asked_.erase(a);
  targets_.erase(it);
}

std::size_t ArpTargets::settle(inventory::Ledger& ledger, std::int64_t now_us, bool end_of_input) {
  if (targets_.empty()) return 0;
  // Addresses some asset already holds (bound by ARP/DHCP or seen in IP headers).
  std::unordered_set<IpAddr> held;
  for (const auto& a : ledger.assets()) {
    for (const auto& r : a.ips)
      if (targets_.count(r.ip) != 0) held.insert(r.ip);
  }
  std::vector<IpAddr> done;
  std::size_t made = 0;
  for (auto& [ip, t] : targets_) {
    if (held.count(ip) != 0) {
      done.push_back(ip);
      continue;
    }
    if (!end_of_input && now_us - t.last_us < kArpSettleAgeUs) continue;
    const auto asked = asked_.find(t.requester);
    const bool sweeping = !t.several_requesters && (asked == asked_.end() || asked->second > kArpSweepTargets);
    if (t.occasions < kArpMinOccasions || sweeping) {
      done.push_back(ip);
      continue;
    }
    const inventory::AssetIndex requester = ledger.station(t.requester, t.last_us);
    const inventory::AssetIndex target = ledger.resolve(std::nullopt, ip, t.first_us);
    if (requester == inventory::kNoAsset || target == inventory::kNoAsset) continue;
    ledger.resolve(std::nullopt, ip, t.last_us);  // widen first/last seen
    const inventory::EdgeIndex e = ledger.edge(requester, target, "arp", "ether", 0, 0, t.first_us);
    // One packet per occasion (capped by the type): the evidence says how often.
    for (std::uint32_t i = 0; i < t.occasions; ++i) ledger.count_edge(e, 42, i == 0 ? t.first_us : t.last_us);
    ledger.add_fact(target, "seen_as", "arp_target", "arp", t.last_us);
    done.push_back(ip);
    ++made;
  }
  for (const auto& ip : done) forget(ip);
  return made;
}

}  // namespace mieruka::sensor
