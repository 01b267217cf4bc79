#include "sensor/web/edits.hpp"

#include <unistd.h>

#include <optional>

#include "inventory/policy/csv_reader.hpp"
#include "inventory/policy/policy.hpp"

namespace mieruka::sensor {

using inventory::Finding;
using inventory::Ledger;

ApproveOutcome approve_assets(const Config& config, const Ledger& ledger, const std::string& path,
                              const std::vector<std::string>& assets, const std::string& zone, bool all) {
  ApproveOutcome out;
  std::optional<inventory::ApprovedList> list;
  if (::access(path.c_str(), F_OK) == 0) {
    list = inventory::load_approved(path, out.error);
    if (!list) return out;
  } else {
    list = inventory::empty_approved_list(path);
  }
  auto zone_of = [&](const inventory::Asset& a) {
    const auto zs = config.policy.zones_of(a);
    return zs.empty() ? std::string() : zs.front();
  };
  if (!assets.empty()) {
    std::vector<const inventory::Asset*> found;
    for (const auto& q : assets) {
      const inventory::Asset* a = ledger.find(q);
      if (a == nullptr) {
        out.error = q + ": no such asset (give an id, a MAC or an IP from `mieruka assets`)";
        return out;
      }
      found.push_back(a);
    }
    for (const auto* a : found) out.added += list->add(ledger, *a, zone_of(*a)) ? 1 : 0;
  } else {
    for (const auto& a : ledger.assets()) {
      if (!a.parent_id.empty()) continue;
      if (a.key_ip && !a.key_ip->is_private()) continue;  // internet peers are not plant equipment
      const std::string z = zone_of(a);
      if (!all && z != zone) continue;
      out.added += list->add(ledger, a, z) ? 1 : 0;
    }
  }
  if (!inventory::write_csv_file(path, list->table, out.error)) out.internal = true;
  return out;
}

std::vector<inventory::RemediationState> remediation_rows(const std::vector<Finding>& findings,
                                                          const std::string& asset_id, const std::string& target,
                                                          const std::string& state, const std::string& comment,
                                                          const std::string& who, std::int64_t when_us,
                                                          std::string& error) {
  std::vector<inventory::RemediationState> rows;
  if (!inventory::is_remediation_state(state)) {
    error = state + ": not a remediation state (not_remediated, in_progress, remediated, not_affected, compensated)";
    return rows;
  }
  for (const auto& f : findings) {
    if (f.type != "vulnerable" || f.asset != asset_id) continue;
    const bool whole = f.vuln.advisory == target;
    for (const auto& cve : f.vuln.cves)
      if (whole || cve == target) rows.push_back({asset_id, f.vuln.advisory, cve, state, comment, who, when_us});
  }
  if (rows.empty())
    error = target + ": no advisory or CVE of that id matches asset " + asset_id +
            " (see `mieruka advisories matches`)";
  return rows;
}

}  // namespace mieruka::sensor
