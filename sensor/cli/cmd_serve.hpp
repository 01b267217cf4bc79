// `mieruka serve [--db DB] [--config FILE] [--listen ADDR:PORT] [--http]
//                [--approved CSV] [--wireless-allow CSV]`: the web console and
// REST API (sensor/web/web_server.hpp, docs/web.md) until SIGINT/SIGTERM.
// With --db postgresql://... [--sensor NAME,...] [--site SITE]
// [--console-db FILE] [--max-view-assets N]: one console for the fleet the
// central store holds.
// `mieruka user add NAME --role viewer|admin [--password-file FILE|-]`,
// `mieruka user list`, `mieruka user del NAME`: console accounts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

struct ServeCommands {
  CLI::App* serve = nullptr;
  std::string listen;
  bool http = false;
  std::string approved, wireless_allow;
  std::string console_db;  // --console-db: a fleet console's accounts
  std::optional<std::uint64_t> max_view_assets;   // --max-view-assets (absent: sized to the host)
  std::optional<std::uint64_t> max_index_assets;  // --max-index-assets (absent: sized to the host)
  std::optional<std::size_t> part_devices;         // --part-devices (absent: ServerOptions' default)
  CLI::App* user = nullptr;
  CLI::App* user_add = nullptr;
  CLI::App* user_list = nullptr;
  CLI::App* user_del = nullptr;
  std::string user_name, role = "viewer", password_file;
};

void add_serve_commands(CLI::App& app, ServeCommands& cmds);
[[nodiscard]] std::optional<int> run_serve_commands(const CommonOptions& common, const ServeCommands& cmds);

int cmd_serve(const CommonOptions& common, const ServeCommands& opt);
int cmd_user(const CommonOptions& common, const ServeCommands& opt);

// The data directory of a config and database: data_dir, else the database's directory.
[[nodiscard]] std::string web_data_dir(const Config& config, const std::string& db_path);

}  // namespace mieruka::sensor
