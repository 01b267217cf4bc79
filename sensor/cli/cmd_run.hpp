// The daemon commands (sensor/daemon/daemon.hpp does the work):
//   mieruka run --config FILE [--db DB]       capture on the configured interfaces until SIGTERM
//   mieruka config check --config FILE        validate the config, print "ok", exit 0 (else 1)
// main.cpp loads and validates --config before any command runs, so a wrong line
// is reported as "<file>:<line>: ..." with exit 1 before anything starts.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

struct RunCommands {
  CLI::App* run = nullptr;
  CLI::App* config = nullptr;
  CLI::App* check = nullptr;
};

// Declares `run` and `config check` on `app`; `cmds` must outlive the parse.
void add_run_commands(CLI::App& app, RunCommands& cmds);
// The exit code of the command given, or nullopt when it was none of these.
[[nodiscard]] std::optional<int> run_run_commands(const CommonOptions& common, const RunCommands& cmds);

int cmd_run(const CommonOptions& common);
int cmd_config_check(const CommonOptions& common);

}  // namespace mieruka::sensor
