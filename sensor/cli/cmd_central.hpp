// The central store's commands (docs/central.md):
//   mieruka central init   --db postgresql://OWNER@HOST/DB   create or upgrade the schema and roles
//   mieruka central status --db postgresql://ROLE@HOST/DB    per sensor: last change received, rows, backlog, lag
//   mieruka central sync --config FILE [--db LEDGER]          send the ledger's change log to [central] now
// The password comes from --password-file FILE (mode 600), else from libpq's
// PGPASSWORD or ~/.pgpass; --ca-file FILE turns on TLS with sslmode=verify-full.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

struct CentralCommands {
  CLI::App* central = nullptr;
  CLI::App* init = nullptr;
  CLI::App* status = nullptr;
  CLI::App* sync = nullptr;
  std::string password_file, ca_file;
};

void add_central_commands(CLI::App& app, CentralCommands& cmds);
[[nodiscard]] std::optional<int> run_central_commands(const CommonOptions& common, const CentralCommands& cmds);

}  // namespace mieruka::sensor
