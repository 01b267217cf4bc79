// `mieruka central init|status` (see cmd_central.hpp).
#include "sensor/cli/cmd_central.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "inventory/store/replication.hpp"
#include "sensor/central/central_config.hpp"
#include "sensor/central/pg.hpp"
#include "sensor/central/replicator.hpp"
#include "sensor/central/schema.hpp"

namespace mieruka::sensor {
namespace {

// `reply_timeout_s` 0: no limit (a migration may build an index over the whole fleet).
std::optional<central::PgConnection> connect(const CommonOptions& common, const CentralCommands& c,
                                             int reply_timeout_s = central::PgTarget{}.reply_timeout_s) {
  if (common.db.rfind("postgresql://", 0) != 0 && common.db.rfind("postgres://", 0) != 0) {
    print_error("central needs --db postgresql://ROLE@HOST/DATABASE (the central store)" +
                std::string(common.db.empty() ? "" : ", not `" + central::redact_url(common.db) + "`"));
    return std::nullopt;
  }
  // The options after `central init|status`, else those before it.
  central::PgTarget target{common.db, "", !c.ca_file.empty() ? c.ca_file : common.ca_file};
  const std::string& password_file = !c.password_file.empty() ? c.password_file : common.password_file;
  target.reply_timeout_s = reply_timeout_s;
  std::string error;
  if (!password_file.empty() && !read_password_file(password_file, target.password, error)) {
    print_error(error);
    return std::nullopt;
  }
  auto db = central::PgConnection::connect(target, error);
  if (!db) print_error(error);
  return db;
}

std::string utc(std::int64_t us) {
  if (us <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int cmd_init(const CommonOptions& common, const CentralCommands& c) {
  auto db = connect(common, c, 0);
  if (!db) return kExitBadInput;
  int applied = 0;
  std::string error;
  if (!central::migrate(*db, applied, error)) {
    print_error(error);
    return kExitBadInput;
  }
  if (!common.quiet) {
    if (applied == 0)
      std::printf("central %s: schema version %d, already current\n", db->shown_url().c_str(),
                  central::schema_version());
    else
      std::printf("central %s: schema version %d (%d migration(s) applied)\n", db->shown_url().c_str(),
                  central::schema_version(), applied);
  }
  return kExitOk;
}

int cmd_status(const CommonOptions& common, const CentralCommands& c) {
  auto db = connect(common, c);
  if (!db) return kExitBadInput;
  std::string error;
  if (!central::check_schema(*db, error)) {
    print_error(error);
    return kExitBadInput;
  }
  // Rows of each sensor in every replicated table: the counts the store
  // keeps at every commit (row_counts, schema version 4), so the command
  // reads a few rows per sensor, whatever the size of the fleet.
  std::vector<std::string> tables;
  for (const auto& t : inventory::kReplicatedTables) tables.emplace_back(t.table);
  auto r = db->exec(
      "SELECT s.sensor_name, s.received_us, s.last_change_us, s.backlog, s.oldest_pending_us, "
      "COALESCE(SUM(c.n) FILTER (WHERE c.table_name = 'assets'), 0), "
      "COALESCE(SUM(c.n) FILTER (WHERE c.table_name = 'edges'), 0), COALESCE(SUM(c.n), 0) "
      "FROM sensors s LEFT JOIN row_counts c ON c.sensor_name = s.sensor_name AND c.table_name = ANY($1::text[]) "
      "GROUP BY s.sensor_name ORDER BY s.sensor_name",
      {central::array_literal(tables)}, error);
  if (!r) {
    print_error(error);
    return kExitBadInput;
  }
  std::printf("%-20s %-21s %8s %8s %10s %8s %10s\n", "SENSOR", "LAST CHANGE RECEIVED", "ASSETS", "EDGES", "ROWS",
              "BACKLOG", "LAG");
  for (int i = 0; i < r->rows(); ++i) {
    const long long received = r->number(i, 1), backlog = r->number(i, 3), oldest = r->number(i, 4);
    // Lag: how old the oldest change still queued at the sensor was when it
    // last reported; 0 when it had sent everything.
    const long long lag_s = backlog > 0 && oldest > 0 && received > oldest ? (received - oldest) / 1000000 : 0;
    std::printf("%-20s %-21s %8lld %8lld %10lld %8lld %8llds\n", r->text(i, 0).c_str(), utc(received).c_str(),
                r->number(i, 5), r->number(i, 6), r->number(i, 7), backlog, lag_s);
  }
  if (r->rows() == 0 && !common.quiet) std::fprintf(stderr, "central %s: no sensor has sent anything yet\n",
                                                    db->shown_url().c_str());
  return kExitOk;
}

// What the daemon's replication thread does, once, on this thread: for a
// ledger whose daemon is stopped, or after an outage, without waiting.
int cmd_sync(const CommonOptions& common) {
  if (!common.config.central.enabled) {
    print_error("central sync needs --config FILE with a [central] section (docs/central.md)");
    return kExitBadInput;
  }
  const std::string db_path = resolve_db_path(common.db, common.config);
  if (::access(db_path.c_str(), F_OK) != 0) {
    print_error(db_path + ": no such ledger; pass the --db the sensor writes (or --config with its data_dir)");
    return kExitBadInput;
  }
  central::Replicator replicator(db_path, common.config.sensor_name, common.config.central);
  std::string error;
  std::uint64_t sent = 0, left = 0;
  if (!replicator.drain(error, sent, left)) {
    print_error(error + "; " + std::to_string(left) + " change(s) kept in " + db_path);
    return kExitInternal;
  }
  if (!common.quiet)
    std::printf("central %s: %llu change(s) replicated from %s\n", central::redact_url(common.config.central.url).c_str(),
                static_cast<unsigned long long>(sent), db_path.c_str());
  return kExitOk;
}

}  // namespace

void add_central_commands(CLI::App& app, CentralCommands& c) {
  c.central = app.add_subcommand("central", "The central PostgreSQL store that sensors replicate to");
  c.central->require_subcommand(1);
  c.init = c.central->add_subcommand("init", "Create or upgrade the central schema and roles (--db postgresql://...)");
  c.status = c.central->add_subcommand("status", "Per sensor: last change received, rows, backlog and lag");
  for (auto* sub : {c.init, c.status}) {
    sub->add_option("--password-file", c.password_file, "The role's password on the first line (mode 600)");
    sub->add_option("--ca-file", c.ca_file, "CA certificate: TLS with sslmode=verify-full");
  }
  c.sync = c.central->add_subcommand("sync", "Send the ledger's pending changes to the config's [central] now");
  for (auto* sub : {c.central, c.init, c.status, c.sync}) sub->fallthrough();
}

std::optional<int> run_central_commands(const CommonOptions& common, const CentralCommands& c) {
  if (c.init != nullptr && *c.init) return cmd_init(common, c);
  if (c.status != nullptr && *c.status) return cmd_status(common, c);
  if (c.sync != nullptr && *c.sync) return cmd_sync(common);
  return std::nullopt;
}

}  // namespace mieruka::sensor
