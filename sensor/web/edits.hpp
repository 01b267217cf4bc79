// The changes the web console and the commands both make: approving assets
// into the approved list (`mieruka approve`, the console's approve button) and
// the remediation state of an advisory (`mieruka advisories state`, the console).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "inventory/ledger/ledger.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/policy/policy.hpp"
#include "sensor/daemon/config.hpp"

namespace mieruka::sensor {

// What `approve` does to the list at `path` (created when missing): adds the
// `assets` (ids, MACs or IPs), or every asset of `zone`, or with `all` every
// asset on the wire, and writes the list back keeping its format.
struct ApproveOutcome {
  std::size_t added = 0;
  std::string error;      // empty: done
  bool internal = false;  // the error is writing the file, not the input
};
[[nodiscard]] ApproveOutcome approve_assets(const Config& config, const inventory::Ledger& ledger,
                                            const std::string& path, const std::vector<std::string>& assets,
                                            const std::string& zone, bool all);

// The plant's own columns of one device (name, location, zone, owner) set in
// the approved list at `path` (created when missing; the device's row added
// when it has none). `edits` carry what the editor saw: a cell that holds
// something else now refuses the edit (`conflict`), so two editors never
// overwrite each other unknowingly.
struct NamesOutcome {
  std::vector<inventory::ApprovedChange> changes;
  bool row_added = false;
  std::string error;      // empty: done
  bool conflict = false;  // the list changed under the editor
  bool internal = false;  // the error is reading or writing the file, not the input
};
[[nodiscard]] NamesOutcome set_plant_names(const inventory::Ledger& ledger, const std::string& path,
                                           const inventory::Asset& asset,
                                           const std::vector<inventory::ApprovedEdit>& edits);

// The remediation-state rows that setting `state` on `target` (an advisory id or
// a CVE) of the asset `asset_id` writes, from its vulnerable findings; empty
// with `error` set when no finding of that asset names the target.
[[nodiscard]] std::vector<inventory::RemediationState> remediation_rows(
    const std::vector<inventory::Finding>& findings, const std::string& asset_id, const std::string& target,
    const std::string& state, const std::string& comment, const std::string& who, std::int64_t when_us,
    std::string& error);

}  // namespace mieruka::sensor
