// `mieruka run` and `mieruka config check` (see cmd_run.hpp).
#include "sensor/cli/cmd_run.hpp"

#include <net/if.h>

#include <cstdio>
#include <memory>

#include "sensor/central/replicator.hpp"
#include "sensor/cli/cmd_serve.hpp"
#include "sensor/daemon/daemon.hpp"
#include "sensor/delivery/delivery.hpp"
#include "sensor/web/web_server.hpp"

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
  opt.memory_budget_bytes = common.memory_budget_bytes();
  // Delivery (sensor/delivery/delivery.hpp): its own thread sends the outbox and queues
  // immediate alerts; each scheduled snapshot queues its diff for every channel.
  // SIGHUP hands the new channels to both (the hooks run on the daemon's thread).
  delivery::Worker worker(opt.db_path, common.config);
  auto current = std::make_shared<Config>(common.config);
  opt.on_reload = [current, &worker](const Config& fresh) {
    *current = fresh;
    worker.set_config(fresh);
  };
  opt.on_snapshot = [current, db = opt.db_path, &worker](const std::string& from, const std::string& to) {
    if (from.empty()) return true;  // the first scheduled snapshot has nothing to compare with
    const bool queued = delivery::enqueue_snapshot_diff(*current, db, from, to);
    worker.kick();
    return queued;
  };
  std::unique_ptr<web::WebServer> console;  // [web]: the console on its own threads
  // [central]: the ledger's changes go to the central store from their own thread.
  std::unique_ptr<central::Replicator> replicator;
  // Both start once the daemon runs as the service user: the console creates the
  // database, its WAL and the self-signed certificate, and delivery writes the
  // outbox, so their files must belong to that user, not to root.
  opt.on_started = [&](std::string& error) {
    worker.start();
    if (common.config.central.enabled) {
      replicator = std::make_unique<central::Replicator>(opt.db_path, common.config.sensor_name, common.config.central);
      replicator->start();
    }
    if (!common.config.web.enabled) return true;
    console = web::WebServer::start(common.config, {opt.db_path, web_data_dir(common.config, opt.db_path), "", "", {}},
                                    error);
    return console != nullptr;
  };
  return run_daemon(common.config, opt);
}

int cmd_config_check(const CommonOptions& common) {
  if (common.config_path.empty()) {
    print_error("config check needs --config FILE");
    return kExitBadInput;
  }
  // main.cpp already loaded it: reaching here means every line is valid. What
  // the file cannot say by itself: whether its capture interfaces exist here.
  for (const auto& name : common.config.interfaces) {
    if (::if_nametoindex(name.c_str()) != 0) continue;
    print_error(common.config_path + ": capture interface `" + name +
                "` does not exist on this machine; `ip link` lists the interfaces there are");
    return kExitBadInput;
  }
  std::puts("ok");
  return kExitOk;
}

}  // namespace mieruka::sensor
