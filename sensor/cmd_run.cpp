// `mieruka run` and `mieruka config check` (see cmd_run.hpp).
#include "sensor/cmd_run.hpp"

#include <cstdio>

#include "sensor/cmd_serve.hpp"
#include "sensor/daemon.hpp"
#include "sensor/web_server.hpp"

namespace mieruka::sensor {

void add_run_commands(CLI::App& app, RunCommands& c) {
  c.run = app.add_subcommand("run", "The daemon: capture on the config's interfaces, flush the ledger, until SIGTERM "
                                    "(SIGHUP reloads zones and policy)");
  c.config = app.add_subcommand("config", "Configuration tools");
  c.config->require_subcommand(1);
  c.check = c.config->add_subcommand("check", "Validate --config FILE, print ok and exit 0 (exit 1 with file:line)");
  // Options given after the subcommand are accepted too (mieruka run --config x).
  for (auto* sub : {c.run, c.config, c.check}) sub->fallthrough();
}

std::optional<int> run_run_commands(const CommonOptions& common, const RunCommands& c) {
  if (c.run != nullptr && *c.run) return cmd_run(common);
  if (c.check != nullptr && *c.check) return cmd_config_check(common);
  return std::nullopt;
}

int cmd_run(const CommonOptions& common) {
  if (common.config_path.empty()) {
    print_error("run needs --config FILE (see docs/mieruka.example.toml)");
    return kExitBadInput;
  }
  DaemonOptions opt;
  opt.db_path = resolve_db_path(common.db, common.config);
  // The findings engine reads the policy from the config on each use; nothing
  // is cached in the daemon yet, so the hook has nothing else to refresh.
  opt.on_reload = [](const Config&) {};
  std::unique_ptr<web::WebServer> console;  // [web]: the console on its own threads
  if (common.config.web.enabled) {
    std::string error;
    console = web::WebServer::start(common.config, {opt.db_path, web_data_dir(common.config, opt.db_path), "", ""}, error);
    if (!console) {
      print_error(error);
      return kExitBadInput;
    }
  }
  return run_daemon(common.config, opt);
}

int cmd_config_check(const CommonOptions& common) {
  if (common.config_path.empty()) {
    print_error("config check needs --config FILE");
    return kExitBadInput;
  }
  // main.cpp already loaded it: reaching here means every line is valid.
  std::puts("ok");
  return kExitOk;
}

}  // namespace mieruka::sensor
