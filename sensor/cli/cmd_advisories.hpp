// The `advisories` commands: published ICS advisories (CSAF 2.0, JVN), read
// offline, and the devices of the ledger they affect (docs/advisories.md;
// inventory/advisories reads and matches, the store keeps them).
//   mieruka advisories import PATH... [--db DB]
//       files, directories, ROLIE feeds; one line per file that cannot be read,
//       the rest imported; exit 1 only when nothing could be read, 2 on a
//       database error
//   mieruka advisories list [--format table|json]
//   mieruka advisories show ID [--format text|json]
//       the advisory, and the assets it matches with the confidence and state
//   mieruka advisories matches [--confidence confirmed|possible] [--format table|json]
//       per asset its advisories, per advisory its assets
//   mieruka advisories state ASSET CVE|ADVISORY STATE [--comment TEXT] [--who NAME]
//       STATE: not_remediated, in_progress, remediated, not_affected, compensated
// list, show and matches only read: they never create or change a database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "inventory/policy/findings.hpp"
#include "inventory/store/store.hpp"
#include "sensor/daemon/commands.hpp"
#include "sensor/web/edits.hpp"

namespace mieruka::sensor {

struct AdvisoriesCommands {
  CLI::App* advisories = nullptr;
  CLI::App* import = nullptr;
  CLI::App* list = nullptr;
  CLI::App* show = nullptr;
  CLI::App* matches = nullptr;
  CLI::App* state = nullptr;
  std::vector<std::string> paths;
  std::string id;                  // show ID
  std::string format;
  std::string confidence;          // matches --confidence
  std::string asset, target, new_state, comment, who;  // state
};

void add_advisories_commands(CLI::App& app, AdvisoriesCommands& cmds);
[[nodiscard]] std::optional<int> run_advisories_commands(const CommonOptions& common, const AdvisoriesCommands& cmds);

int cmd_advisories_import(const CommonOptions& common, const AdvisoriesCommands& opt);
int cmd_advisories_list(const CommonOptions& common, const AdvisoriesCommands& opt);
int cmd_advisories_show(const CommonOptions& common, const AdvisoriesCommands& opt);
int cmd_advisories_matches(const CommonOptions& common, const AdvisoriesCommands& opt);
int cmd_advisories_state(const CommonOptions& common, const AdvisoriesCommands& opt);

}  // namespace mieruka::sensor
