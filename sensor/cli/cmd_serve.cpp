// `mieruka serve` (see cmd_serve.hpp; the user commands are in cmd_user.cpp).
#include "sensor/cli/cmd_serve.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "sensor/central/pg.hpp"
#include "sensor/daemon/signals.hpp"
#include "sensor/web/web_server.hpp"

namespace mieruka::sensor {

std::string web_data_dir(const Config& config, const std::string& db_path) {
  if (!config.data_dir.empty()) return config.data_dir;
  const auto slash = db_path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : db_path.substr(0, slash);
}

namespace {

// What a fleet console holds per sensor asset, counted twice: a view and the
// next one being built. Measured at 10 x 10,000 sensor assets
// (docs/performance.md "The console view's memory"): 2.0 GiB resident with
// its view, each sensor's kept ledger included (22 KiB a fleet device), and a
// peak of 4.8 GiB while the next view was built beside it (51 KiB a sensor
// asset, what building the checklist's and bodies' JSON allocates included);
// twice this leaves a fifth more for the allocator's fragmentation.
constexpr std::uint64_t kViewBytesPerSensorAsset = 32 * 1024;

// What a fleet console holds per sensor asset past its view, by the devices'
// keys (inventory::FleetIndex), counted twice likewise: measured at 100 x
// 10,000 sensor assets (docs/performance.md "The fleet console past its
// view"), 2.9 GiB resident (3 KiB a sensor asset) and a peak of 5.9 GiB while
// the next index was built beside it (6 KiB); twice this leaves a third more.
constexpr std::uint64_t kIndexBytesPerSensorAsset = 4 * 1024;

// The sensor assets of which two views (or indexes: `per_asset` each) fit in
// half of this host's memory (the other half left to the system, and often
// to the PostgreSQL beside it).
std::uint64_t host_max_assets(std::uint64_t per_asset) {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2 / (2 * per_asset);
}

}  // namespace

void add_serve_commands(CLI::App& app, ServeCommands& c) {
  c.serve = app.add_subcommand("serve", "The web console and REST API (/api/v1/) until SIGINT/SIGTERM");
  c.serve->add_option("--listen", c.listen, "ADDR:PORT (default: [web] listen, else 0.0.0.0:8443; port 0: any)");
  c.serve->add_flag("--http", c.http, "Plain HTTP instead of HTTPS (loopback addresses only)");
  c.serve->add_option("--approved", c.approved, "Approved-equipment list (CSV; default: [policy] approved)");
  c.serve->add_option("--wireless-allow", c.wireless_allow, "Wireless allow-list (CSV; default: [policy])");
  c.serve->add_option("--console-db", c.console_db,
                      "With --db postgresql://...: the console's own SQLite file for accounts, sessions and the audit "
                      "log (default: console.db in the data directory; `mieruka user add --db FILE` adds to it)");
  c.serve->add_option("--max-view-assets", c.max_view_assets,
                      "With --db postgresql://...: the most sensor assets the console reads into its view (a larger "
                      "selection is served by its devices' keys, its devices read whole part by part for their classes "
                      "and findings: the assets list, each device, the findings and the overview; the checklist, "
                      "links, topology and map need a site or fewer sensors); default: what fits half of this host's "
                      "memory at 64 KiB each; 0: no limit");
  c.serve->add_option("--max-index-assets", c.max_index_assets,
                      "With --db postgresql://...: the most sensor assets the console serves by their keys past its "
                      "view (a larger selection is refused: serve a site or fewer sensors); default: what fits half "
                      "of this host's memory at 8 KiB each; 0: no limit");
  c.serve->add_option("--part-devices", c.part_devices,
                      "With --db postgresql://...: past --max-view-assets, the devices read whole at once while their "
                      "classes and findings are made (default 5000, about 160 MiB; fewer hold less and take longer)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  c.serve->fallthrough();
  c.user = app.add_subcommand("user", "Web console accounts");
  c.user->require_subcommand(1);
  c.user_add = c.user->add_subcommand("add", "Add an account (the password is asked without echo)");
  c.user_add->add_option("name", c.user_name, "User name (letters, digits, . _ @ -)")->required();
  c.user_add->add_option("--role", c.role, "viewer (reads) or admin (also acknowledges and approves)")
      ->check(CLI::IsMember({"viewer", "admin"}));
  c.user_add->add_option("--password-file", c.password_file, "Read the password from the first line of FILE (- = stdin)");
  c.user_list = c.user->add_subcommand("list", "List the accounts");
  c.user_del = c.user->add_subcommand("del", "Remove an account and its sessions");
  c.user_del->add_option("name", c.user_name, "User name")->required();
  for (auto* s : {c.user, c.user_add, c.user_list, c.user_del}) s->fallthrough();
}

std::optional<int> run_serve_commands(const CommonOptions& common, const ServeCommands& c) {
  if (c.serve != nullptr && *c.serve) return cmd_serve(common, c);
  if (c.user != nullptr && *c.user) return cmd_user(common, c);
  return std::nullopt;
}

int cmd_serve(const CommonOptions& common, const ServeCommands& opt) {
  Config config = common.config;
  if (!opt.listen.empty()) config.web.listen = opt.listen;
  if (opt.http) config.web.tls = false;
  web::ServerOptions so;
  if (reads_central(common)) {
    // A fleet console: the ledger is read from the central store, accounts
    // live in a SQLite file of the console's own.
    so.central = common;
    const std::string dir = web_data_dir(common.config, resolve_db_path("", common.config));
    so.db_path = !opt.console_db.empty() ? opt.console_db : dir + "/console.db";
    so.data_dir = web_data_dir(common.config, so.db_path);
    so.max_view_assets = opt.max_view_assets ? *opt.max_view_assets : host_max_assets(kViewBytesPerSensorAsset);
    so.max_index_assets = opt.max_index_assets ? *opt.max_index_assets : host_max_assets(kIndexBytesPerSensorAsset);
    if (opt.part_devices) so.part_devices = *opt.part_devices;
  } else {
    if (opt.max_view_assets || opt.max_index_assets || opt.part_devices) {
      print_error(std::string(opt.max_view_assets    ? "--max-view-assets"
                              : opt.max_index_assets ? "--max-index-assets"
                                                     : "--part-devices") +
                  ": for a console of the central store (--db postgresql://...); an appliance's ledger is bounded by "
                  "its capture's memory budget");
      return kExitBadInput;
    }
    if (!opt.console_db.empty()) {
      print_error("--console-db: for a console of the central store (--db postgresql://...); an appliance's "
                  "console keeps its accounts in its ledger");
      return kExitBadInput;
    }
    so.db_path = resolve_db_path(common.db, common.config);
    so.data_dir = web_data_dir(common.config, so.db_path);
  }
  so.approved_path = opt.approved;
  so.wireless_path = opt.wireless_allow;
  std::string error;
  auto server = web::WebServer::start(config, so, error);
  if (!server) {
    print_error(error);
    return kExitBadInput;
  }
  if (so.central)
    std::printf("mieruka: serving %s (central store %s, accounts in %s)\n", server->url().c_str(),
                central::redact_url(common.db).c_str(), so.db_path.c_str());
  else
    std::printf("mieruka: serving %s (database %s)\n", server->url().c_str(), so.db_path.c_str());
  std::fflush(stdout);
  while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.reset();
  return kExitOk;
}

}  // namespace mieruka::sensor
