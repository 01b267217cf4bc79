// The checklist export and the acceptance report (../shared/INTERFACES.md
// "Commands"):
//   mieruka export checklist [--db DB] [--config FILE] [--approved CSV] [--wireless-allow CSV]
//                            [--lang ja|en] [--format json|csv|html] [--output FILE] [--new-days N]
//   mieruka export ledger [--db DB] [--config FILE] [--approved CSV] [--output FILE]
//   mieruka report acceptance [--db DB] (--since TIME|--from SNAPSHOT) [--format text|json|html] [--lang ja|en]
//                             [--output FILE]
// The checklist and the acceptance report read one sensor's records, from
// the appliance's SQLite ledger or from the central store (--db
// postgresql://... --sensor NAME; docs/central.md).
// inventory/report/checklist and inventory/report/acceptance do the work. main.cpp declares
// them with add_export_commands and runs them with run_export_commands.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "inventory/policy/policy.hpp"
#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

struct ExportCommands {
  CLI::App* export_cmd = nullptr;
  CLI::App* checklist = nullptr;
  CLI::App* report_cmd = nullptr;
  CLI::App* acceptance = nullptr;
  CLI::App* wireless = nullptr;      // export wireless-allow
  CLI::App* ledger = nullptr;        // export ledger (NDJSON)
  std::string role = "station";      // wireless-allow: station, ap or all
  std::string ssid;                  // wireless-allow: only entries for this SSID (and those with none)
  std::string approved, wireless_allow;
  std::string lang = "ja";
  std::string format;  // default json (checklist) / text (acceptance)
  std::string output;  // "" or "-": standard output
  int new_days = 30;   // 2-12 without a snapshot: first seen in the last N days of the ledger (kDefaultNewDays)
  int review_days = 30;  // levels 4 and 5: the review evidence of the last N days (kDefaultReviewDays)
  std::string since, from;
  std::string baseline;     // checklist, acceptance: a snapshot name or a time (inventory::pick_baseline)
  std::string console_url;  // checklist HTML: devices link to this console ("https://host:8443")
};

void add_export_commands(CLI::App& app, ExportCommands& cmds);
[[nodiscard]] std::optional<int> run_export_commands(const CommonOptions& common, const ExportCommands& cmds);

int cmd_export_checklist(const CommonOptions& common, const ExportCommands& opt);
int cmd_report_acceptance(const CommonOptions& common, const ExportCommands& opt);
// The wireless allow-list in the formats access points accept: one MAC a line
// (macs), or a hostapd accept_mac_file (hostapd). Pure, for the tests.
[[nodiscard]] std::string wireless_allow_text(const inventory::WirelessAllowList& list, const std::string& source,
                                              const std::string& format, const std::string& role,
                                              const std::string& ssid);
int cmd_export_wireless(const CommonOptions& common, const ExportCommands& opt);
// The whole ledger as NDJSON (inventory::ledger_ndjson), with the approved list
// overlaid.
int cmd_export_ledger(const CommonOptions& common, const ExportCommands& opt);

}  // namespace mieruka::sensor
