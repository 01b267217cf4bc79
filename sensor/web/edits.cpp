#include "sensor/web/edits.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>

#include "inventory/policy/csv_reader.hpp"
#include "inventory/policy/policy.hpp"

namespace mieruka::sensor {

using inventory::Finding;
using inventory::Ledger;

namespace {

// The one writer of the approved list: under an exclusive lock on the list's
// directory (every writer of the list, in this process or another, takes it;
// the file itself is replaced by a rename, so it cannot carry the lock), the
// list is read as it is now, changed by `change` and written back atomically.
// `change` returns false to write nothing. Returns false with `error` set when
// the list cannot be read or written (`internal` then tells which).
bool update_approved_list(const std::string& path, const std::function<bool(inventory::ApprovedList&)>& change,
                          std::string& error, bool& internal) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int lock = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0) {
    error = dir + ": cannot open the approved list's directory (" + std::string(std::strerror(errno)) + ")";
    internal = true;
    return false;
  }
  while (::flock(lock, LOCK_EX) != 0 && errno == EINTR) {
  }
  bool ok = false;
  std::optional<inventory::ApprovedList> list;
  if (::access(path.c_str(), F_OK) == 0) {
    list = inventory::load_approved(path, error);
  } else {
    list = inventory::empty_approved_list(path);
  }
  if (list && change(*list)) {
    ok = inventory::write_csv_file(path, list->table, error);
    internal = !ok;
  }
  ::close(lock);  // releases the lock
  return ok;
}

}  // namespace

NamesOutcome set_plant_names(const Ledger& ledger, const std::string& path, const inventory::Asset& asset,
                             const std::vector<inventory::ApprovedEdit>& edits) {
  NamesOutcome out;
  bool refused = false;
  const bool ok = update_approved_list(
      path,
      [&](inventory::ApprovedList& list) {
        refused = !list.set(ledger, asset, edits, out.changes, out.row_added, out.conflict, out.error);
        return !refused && (out.row_added || !out.changes.empty());
      },
      out.error, out.internal);
  (void)ok;
  return out;
}

ApproveOutcome approve_assets(const Config& config, const Ledger& ledger, const std::string& path,
                              const std::vector<std::string>& assets, const std::string& zone, bool all) {
  ApproveOutcome out;
  auto zone_of = [&](const inventory::Asset& a) {
    const auto zs = config.policy.zones_of(a);
    return zs.empty() ? std::string() : zs.front();
  };
  std::vector<const inventory::Asset*> found;
  for (const auto& q : assets) {
    const inventory::Asset* a = ledger.find(q);
    if (a == nullptr) {
      out.error = q + ": no such asset (give an id, a MAC or an IP from `mieruka assets`)";
      return out;
    }
    found.push_back(a);
  }
  (void)update_approved_list(
      path,
      [&](inventory::ApprovedList& list) {
        if (!assets.empty()) {
          for (const auto* a : found) out.added += list.add(ledger, *a, zone_of(*a)) ? 1 : 0;
        } else {
          for (const auto& a : ledger.assets()) {
            if (!a.parent_id.empty()) continue;
            if (a.key_ip && !a.key_ip->is_private()) continue;  // internet peers are not plant equipment
            const std::string z = zone_of(a);
            if (!all && z != zone) continue;
            out.added += list.add(ledger, a, z) ? 1 : 0;
          }
        }
        return true;
      },
      out.error, out.internal);
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
