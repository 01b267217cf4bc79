// The `outbox` commands for operators (sensor/delivery/delivery.hpp does the work):
//   mieruka outbox [list] [--all] [--format table|json]   queued (and with --all, sent) messages
//   mieruka outbox retry [--channel NAME]                 make every unsent message due now
//   mieruka outbox send-test CHANNEL                      queue a test message for CHANNEL and send it now
//   mieruka outbox deliver                                send what is due now (what the daemon's thread does)
//   mieruka outbox enqueue-diff --from SNAP --to SNAP     queue that diff for every channel
// Channels come from --config ([[channel]]); the outbox is in the ledger database.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

struct OutboxCommands {
  CLI::App* outbox = nullptr;
  CLI::App* list = nullptr;
  CLI::App* retry = nullptr;
  CLI::App* send_test = nullptr;
  CLI::App* deliver = nullptr;
  CLI::App* enqueue_diff = nullptr;
  bool all = false;
  std::string format = "table";
  std::string channel;
  std::string from, to;
};

void add_outbox_commands(CLI::App& app, OutboxCommands& cmds);
[[nodiscard]] std::optional<int> run_outbox_commands(const CommonOptions& common, const OutboxCommands& cmds);

}  // namespace mieruka::sensor
