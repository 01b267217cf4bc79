// The `outbox` commands (see cmd_outbox.hpp).
#include "sensor/cli/cmd_outbox.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "inventory/render/export.hpp"
#include "inventory/store/outbox.hpp"
#include "inventory/store/store.hpp"
#include "sensor/cli/cmd_findings.hpp"
#include "sensor/delivery/delivery.hpp"

namespace mieruka::sensor {
namespace {

// Messages listed at most by `outbox list`.
constexpr std::size_t kListLimit = 1000;
// Messages sent at most by one `outbox deliver`.
constexpr std::size_t kDeliverLimit = 10000;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<inventory::Outbox> open_outbox(const CommonOptions& common) {
  std::string error;
  const std::string path = resolve_db_path(common.db, common.config);
  // Outbox::open creates a database: the outbox commands work on the ledger's,
  // so a missing, empty or foreign file is refused first, untouched.
  if (!inventory::Store::open(path, common.config.sensor_name, error, false)) {
    print_error(error);
    return std::nullopt;
  }
  auto ob = inventory::Outbox::open(path, error);
  if (!ob) print_error(error);
  return ob;
}

std::string when(std::int64_t us) { return us == 0 ? "-" : delivery::rfc3339_us(us).substr(0, 19) + "Z"; }

int cmd_list(const CommonOptions& common, const OutboxCommands& c) {
  if (c.format != "table" && c.format != "json") {
    print_error("--format " + c.format + ": expected table or json");
    return kExitBadInput;
  }
  auto ob = open_outbox(common);
  if (!ob) return kExitBadInput;
  std::string error;
  const auto rows = ob->list(c.all, kListLimit, error);
  if (!error.empty()) {
    print_error(error);
    return kExitInternal;
  }
  std::string out;
  if (c.format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& m : rows) {
      nlohmann::ordered_json j;
      j["id"] = m.id;
      j["channel"] = inventory::sanitize_utf8(m.channel);
      j["kind"] = m.kind;
      j["subject"] = inventory::sanitize_utf8(m.subject);
      j["created"] = when(m.created_us);
      j["attempts"] = m.attempts;
      j["next_attempt"] = m.sent_us ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(when(m.next_attempt_us));
      j["last_error"] = inventory::sanitize_utf8(m.last_error);
      j["sent"] = m.sent_us ? nlohmann::ordered_json(when(*m.sent_us)) : nlohmann::ordered_json(nullptr);
      arr.push_back(std::move(j));
    }
    out = arr.dump(2) + "\n";
  } else {
    out = fmt::format("{:<32}  {:<12}  {:<5}  {:>8}  {:<20}  {}\n", "ID", "CHANNEL", "KIND", "ATTEMPTS", "STATE",
                      "SUBJECT / LAST ERROR");
    for (const auto& m : rows) {
      const std::string state = m.sent_us ? "sent " + when(*m.sent_us) : "next " + when(m.next_attempt_us);
      out += fmt::format("{:<32}  {:<12}  {:<5}  {:>8}  {:<20}  {}\n", m.id, inventory::terminal_safe(m.channel),
                         m.kind, m.attempts, state,
                         inventory::terminal_safe(m.last_error.empty() || m.sent_us ? m.subject : m.last_error));
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int report(const delivery::DeliverStats& s, const std::string& error, bool quiet) {
  if (!quiet) std::fprintf(stderr, "outbox: %zu sent, %zu failed (kept for retry)\n", s.sent, s.failed);
  if (!error.empty()) {
    print_error(error);
    return kExitInternal;
  }
  return s.failed > 0 ? kExitBadInput : kExitOk;
}

int cmd_deliver(const CommonOptions& common) {
  auto ob = open_outbox(common);
  if (!ob) return kExitBadInput;
  std::string error;
  const std::string db = resolve_db_path(common.db, common.config);
  const auto s = delivery::deliver_due(
      *ob, common.config.delivery, now_us(), kDeliverLimit, error,
      [&](const inventory::OutboxMessage& m, std::string& why) { return delivery::rerender(common.config, db, m, why); });
  return report(s, error, common.quiet);
}

int cmd_send_test(const CommonOptions& common, const std::string& name) {
  const ChannelConfig* ch = common.config.delivery.channel(name);
  if (ch == nullptr) {
    print_error("no channel `" + name + "` in " + (common.config_path.empty() ? "the config (give --config FILE)"
                                                                               : common.config_path));
    return kExitBadInput;
  }
  auto ob = open_outbox(common);
  if (!ob) return kExitBadInput;
  const auto b = delivery::test_bundle(common.config.sensor_name, common.config.delivery.alerts.lang, now_us());
  const auto m = delivery::render(b, *ch, common.config.sensor_name);
  if (auto st = ob->enqueue(m, b.created_us); !st) {
    print_error(st.error);
    return kExitInternal;
  }
  const auto r = delivery::send(*ch, m);
  if (r.ok) {
    if (auto st = ob->mark_sent(m.id, now_us()); !st) print_error(st.error);
    if (!common.quiet) std::fprintf(stderr, "%s: test message %s accepted\n", name.c_str(), m.id.c_str());
    return kExitOk;
  }
  if (auto st = ob->mark_failed(m.id, r.error, now_us()); !st) print_error(st.error);
  print_error(name + ": test message not accepted: " + r.error + " (kept in the outbox and retried)");
  return kExitBadInput;
}

int cmd_enqueue_diff(const CommonOptions& common, const OutboxCommands& c) {
  if (common.config.delivery.channels.empty()) {
    print_error("no [[channel]] in the config: nothing to queue (give --config FILE)");
    return kExitBadInput;
  }
  const std::string path = resolve_db_path(common.db, common.config);
  std::string error;
  auto store = inventory::Store::open(path, common.config.sensor_name, error, false);
  if (!store) {
    print_error(error);
    return kExitBadInput;
  }
  auto a = inventory::load_snapshot(*store, c.from, error);
  auto b = a ? inventory::load_snapshot(*store, c.to, error) : std::nullopt;
  if (!a || !b) {
    print_error(error);
    return kExitBadInput;
  }
  const inventory::DiffOptions opt = diff_options(common.config, *store, *a, *b);
  const auto d = inventory::diff_snapshots(*a, *b, opt);
  auto ob = open_outbox(common);
  if (!ob) return kExitBadInput;
  const auto bundle = delivery::diff_bundle(d, common.config.sensor_name, common.config.delivery.alerts.lang, now_us());
  const auto n = delivery::enqueue_bundle(*ob, bundle, common.config, error);
  if (!error.empty()) {
    print_error(error);
    return kExitInternal;
  }
  if (common.quiet) return kExitOk;
  if (bundle.empty)
    std::fprintf(stderr, "outbox: no changes; queued only for the %zu channel(s) with send_empty = true\n", n);
  else
    std::fprintf(stderr, "outbox: diff queued for %zu channel(s)\n", n);
  return kExitOk;
}

}  // namespace

void add_outbox_commands(CLI::App& app, OutboxCommands& c) {
  c.outbox = app.add_subcommand("outbox", "Messages to plant IT (e-mail, syslog, webhooks): list, retry, send-test");
  c.outbox->require_subcommand(0, 1);
  c.outbox->add_flag("--all", c.all, "Also list messages already sent");
  c.outbox->add_option("--format", c.format, "table or json");
  c.list = c.outbox->add_subcommand("list", "List queued messages (--all: sent ones too), newest first");
  c.list->add_flag("--all", c.all, "Also list messages already sent");
  c.list->add_option("--format", c.format, "table or json");
  c.retry = c.outbox->add_subcommand("retry", "Make every unsent message due now (the daemon sends it within a second)");
  c.retry->add_option("--channel", c.channel, "Only this channel's messages");
  c.send_test = c.outbox->add_subcommand("send-test", "Send a test message through one channel now");
  c.send_test->add_option("channel", c.channel, "Channel name ([[channel]] name)")->required();
  c.deliver = c.outbox->add_subcommand("deliver", "Send every due message now and exit (1 if any failed)");
  c.enqueue_diff = c.outbox->add_subcommand("enqueue-diff", "Queue the diff between two snapshots for every channel");
  c.enqueue_diff->add_option("--from", c.from, "Snapshot to compare from")->required();
  c.enqueue_diff->add_option("--to", c.to, "Snapshot to compare to")->required();
  for (auto* sub : {c.outbox, c.list, c.retry, c.send_test, c.deliver, c.enqueue_diff}) sub->fallthrough();
}

std::optional<int> run_outbox_commands(const CommonOptions& common, const OutboxCommands& c) {
  if (c.outbox == nullptr || !*c.outbox) return std::nullopt;
  if (*c.retry) {
    auto ob = open_outbox(common);
    if (!ob) return kExitBadInput;
    if (auto st = ob->retry_now(now_us(), c.channel); !st) {
      print_error(st.error);
      return kExitInternal;
    }
    return kExitOk;
  }
  if (*c.send_test) return cmd_send_test(common, c.channel);
  if (*c.deliver) return cmd_deliver(common);
  if (*c.enqueue_diff) return cmd_enqueue_diff(common, c);
  return cmd_list(common, c);
}

}  // namespace mieruka::sensor
