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
#include "sensor/delivery/findings_inputs.hpp"
#include "sensor/web/edits.hpp"

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

}  // namespace mieruka::sensor
