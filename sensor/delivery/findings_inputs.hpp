// Everything findings are judged by besides the ledger, loaded one way for every
// reader: the alerts and scheduled diffs, the web console and the commands
// (findings, ack, export, topology, advisories). Acknowledgements live in the
// store's findings_state table (migration v3 in inventory/store/store.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inventory/advisories/advisory.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/policy/findings.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/fleet_index.hpp"
#include "inventory/store/ledger_source.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/daemon/config.hpp"

namespace mieruka::sensor {

// The acknowledgements stored for `sensor` (findings_state).
[[nodiscard]] std::vector<inventory::Ack> read_acks(inventory::Store& store, const std::string& sensor);
// The acknowledgements in force for `sensors` together (each sensor's
// findings_state in a LedgerSource): a fleet's findings carry them all.
[[nodiscard]] inventory::StoreStatus read_acks(inventory::LedgerSource& source, const std::vector<std::string>& sensors,
                                               std::vector<inventory::Ack>& out);
// Every acknowledgement of finding `id` (findings_history), oldest first.
[[nodiscard]] std::vector<inventory::Ack> read_ack_history(inventory::Store& store, const std::string& id);
// Records `who`'s acknowledgement of `f` with `comment`, in force
// (findings_state) and in its history with the evidence acknowledged
// (findings_history), both or neither; false with `error` set.
[[nodiscard]] bool record_ack(inventory::Store& store, const inventory::Finding& f, const std::string& comment,
                              const std::string& who, std::string& error);
// The advisories stored, read back from their JSON, and when each was first imported.
struct StoredAdvisories {
  std::vector<inventory::advisories::Advisory> list;
  std::map<std::string, std::int64_t> imported_us;
};
// Everything findings are judged by besides the ledger: the policy lists
// (the given paths, else the config's [policy]) and, from the store, the
// imported advisories and the remediation states. The one loader of every
// command that computes findings (findings, ack, export, topology, the console,
// the daemon's diffs and alerts).
struct FindingsInputs {
  std::optional<inventory::ApprovedList> approved;
  std::optional<inventory::WirelessAllowList> wireless;
  // Shared with every reader of the same database while no import changes it
  // (parsing 2,500 advisories takes most of a second).
  std::shared_ptr<const StoredAdvisories> advisories;
  std::vector<inventory::RemediationState> remediation;
  // The policy over these inputs (it points into this object and `config`).
  [[nodiscard]] inventory::FindingsPolicy policy(const Config& config) const;
};
// False with `error` set when a list does not load or the store cannot be read.
[[nodiscard]] bool load_findings_inputs(const Config& config, inventory::Store& store, FindingsInputs& in,
                                        std::string& error, const std::string& approved_path = "",
                                        const std::string& wireless_path = "");
// The advisories stored, read back from their JSON (a row that does not read
// is left out with a warning naming it); the same object for every caller while
// the store's advisories_version() holds. Null with `error` set on a read error.
[[nodiscard]] std::shared_ptr<const StoredAdvisories> load_stored_advisories(inventory::Store& store,
                                                                             std::string& error);
// The findings of `ledger` under the config's [policy] inputs (approved list,
// wireless allow-list, zones), or those of `approved_path` / `wireless_path`
// when not empty, with the stored acknowledgements applied. Nullopt with
// `error` set when an input does not load.
[[nodiscard]] std::optional<std::vector<inventory::Finding>> current_findings(
    const Config& config, inventory::Store& store, const inventory::Ledger& ledger, std::string& error,
    const std::string& approved_path = "", const std::string& wireless_path = "");
// The same two over the records of `sensors` in a LedgerSource (the SQLite
// ledger or the central store), for the commands that read either: with
// several sensors (a fleet ledger), their advisories (each once, by id),
// remediation states and acknowledgements together.
[[nodiscard]] bool load_findings_inputs(const Config& config, inventory::LedgerSource& source,
                                        const std::vector<std::string>& sensors, FindingsInputs& in,
                                        std::string& error, const std::string& approved_path = "",
                                        const std::string& wireless_path = "");
[[nodiscard]] std::optional<std::vector<inventory::Finding>> current_findings(
    const Config& config, inventory::LedgerSource& source, const std::vector<std::string>& sensors,
    const inventory::Ledger& ledger, std::string& error, const std::string& approved_path = "",
    const std::string& wireless_path = "");
// The same for a fleet held by its devices' keys (inventory::FleetIndex of
// `sensors`, too large to hold whole), made part by part
// (FleetIndex::parts of `part_devices`): each part read whole, the findings
// of its own devices made over it with the fleet's host groups, then
// `each(part, own)` called (`own`: the part's devices, by index into
// index.keys()) before the next part is read. A part `skip(own)` says the
// caller holds already is not read. In compute_findings' order, with the
// stored acknowledgements in `acks`, not applied (apply_acks): with every
// part read, apply_acks(findings, acks) is what current_findings gives of
// the whole fleet's merged ledger. `inputs` names what the findings were
// judged by besides the ledger (the lists' files as they are, the
// advisories and remediation states; empty when they did not load):
// findings kept from a build are the same while it is. An input that does not load leaves `findings` nullopt
// with `findings_error` set, and every part is still read (each's rows need
// no findings). False with `error` set when a part does not read or `each`
// returned false.
// The devices fleet_findings reads whole at once by default (at about 32
// KiB each held whole, 160 MiB).
inline constexpr std::size_t kFleetPartDevices = 5000;
struct FleetFindings {
  std::optional<std::vector<inventory::Finding>> findings;
  std::vector<inventory::Ack> acks;
  std::string inputs;
  std::string findings_error;
};
[[nodiscard]] bool fleet_findings(
    const Config& config, inventory::LedgerSource& source, const std::vector<std::string>& sensors,
    const inventory::FleetIndex& index, std::size_t part_devices, FleetFindings& out, std::string& error,
    const std::string& approved_path = "", const std::string& wireless_path = "",
    const std::function<bool(inventory::Ledger& part, const std::vector<inventory::AssetIndex>& own)>& each = {},
    const std::function<bool(const std::vector<inventory::AssetIndex>& own)>& skip = {});
// The options every diff is made with (`mieruka diff`, `outbox enqueue-diff`,
// scheduled alerts): the config's absence period ([snapshots] absence), the
// capture drops of the period, and new_findings: the findings open now (not
// acknowledged) whose evidence was first seen after `from` was taken and no
// later than `to`. A policy file that cannot be read leaves new_findings empty
// with a warning: the diff still goes out.
[[nodiscard]] inventory::DiffOptions diff_options(const Config& config, inventory::Store& store,
                                                  const inventory::Snapshot& from, const inventory::Snapshot& to);
// diff_options over `sensor`'s records in a LedgerSource (`mieruka diff`,
// against the SQLite ledger or the central store).
[[nodiscard]] inventory::DiffOptions diff_options(const Config& config, inventory::LedgerSource& source,
                                                  const std::string& sensor, const inventory::Snapshot& from,
                                                  const inventory::Snapshot& to);

}  // namespace mieruka::sensor
