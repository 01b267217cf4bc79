// The `findings`, `findings ack` (alias `ack`) and `approve` commands
// (../shared/INTERFACES.md "Commands"; inventory/policy/findings.hpp does the work):
//   mieruka findings [--db DB] [--config FILE] [--approved CSV] [--wireless-allow CSV]
//                    [--format table|csv|json] [--fail-on-findings]
//       exit 3 with --fail-on-findings when an open (unacknowledged) finding is left
//   mieruka findings ack ID --comment TEXT [--who NAME]   (also: mieruka ack ID ...)
//       the finding stays quiet until its evidence changes
//   mieruka approve --approved CSV (ASSET...|--zone Z|--all)
//       appends rows to the approved list, keeping the file's columns, encoding,
//       BOM and separator; ASSET is an id, MAC or IP
// --approved and --wireless-allow default to the config's [policy] paths.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "inventory/policy/findings.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

inline constexpr int kExitFindings = 3;

struct FindingsCommands {
  CLI::App* findings = nullptr;
  CLI::App* findings_ack = nullptr;
  CLI::App* ack = nullptr;
  CLI::App* approve = nullptr;
  std::string approved, wireless_allow;
  std::string format = "table";
  bool fail_on_findings = false;
  std::string ack_id, comment, who;
  std::vector<std::string> assets;  // approve ASSET...
  std::string zone;                 // approve --zone
  bool all = false;                 // approve --all
};

void add_findings_commands(CLI::App& app, FindingsCommands& cmds);
[[nodiscard]] std::optional<int> run_findings_commands(const CommonOptions& common, const FindingsCommands& cmds);

int cmd_findings(const CommonOptions& common, const FindingsCommands& opt);
int cmd_ack(const CommonOptions& common, const FindingsCommands& opt);
int cmd_approve(const CommonOptions& common, const FindingsCommands& opt);

// --- shared with the web console (sensor/web/web_server.cpp) --------------------------------
// The acknowledgements stored for `sensor` (findings_state).
[[nodiscard]] std::vector<inventory::Ack> read_acks(inventory::Store& store, const std::string& sensor);
// Records `who`'s acknowledgement of `f` with `comment`; false with `error` set.
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
// The options every diff is made with (`mieruka diff`, `outbox enqueue-diff`,
// scheduled alerts): the config's absence period ([snapshots] absence), the
// capture drops of the period, and new_findings: the findings open now (not
// acknowledged) whose evidence was first seen after `from` was taken and no
// later than `to`. A policy file that cannot be read leaves new_findings empty
// with a warning: the diff still goes out.
[[nodiscard]] inventory::DiffOptions diff_options(const Config& config, inventory::Store& store,
                                                  const inventory::Snapshot& from, const inventory::Snapshot& to);
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

}  // namespace mieruka::sensor
