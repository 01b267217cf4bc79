// `mieruka report acceptance` (checklist item 4-5, ../shared/CHECKLIST.md): what
// a newly delivered machine brought onto the network since a time or a
// snapshot: the devices first seen since then, their identities (vendor,
// product, revision, serial, name, class), their peers, protocols and the
// services (ports) they offer, and every external connection (a peer outside
// the configured zones, or with a non-private address). The report a plant
// signs off when a machine builder hands over a line.
//
// JSON: docs/schema/acceptance.v1.schema.json ("mieruka.acceptance/1"); text
// for a terminal or e-mail; HTML printable and self-contained (inline CSS, no
// scripts, every string escaped), labels from inventory/messages.
// Pure functions (no I/O, no clock) except none: the caller resolves times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/ledger/ledger.hpp"
#include "inventory/report/messages.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/snapshot.hpp"

namespace mieruka::inventory {

inline constexpr std::string_view kAcceptanceSchema = "mieruka.acceptance/1";

struct AcceptanceInput {
  const Ledger* ledger = nullptr;
  const ZonePolicy* zones = nullptr;  // null or empty: external = non-private address only
  std::int64_t since_us = 0;          // devices first seen at or after this are new
  // With a snapshot as the baseline: the asset ids it held (sorted); a device
  // not among them is new whatever its first-seen time.
  const std::vector<std::string>* baseline_ids = nullptr;
  std::string basis;                  // "--since 2026-11-20T09:00:00+09:00" or "snapshot NAME"
  std::string sensor_name;
  std::int64_t generated_us = 0;
  // The IANA zone the text and HTML show times in (the config's `timezone`,
  // local_time.hpp); empty: ISO UTC. The JSON keeps ISO UTC times.
  std::string time_zone;
};

struct AcceptancePeer {
  std::string asset, label;  // peer asset id and MAC/IP
  std::string protocol, transport, direction;  // direction: "out" (the device opened) or "in"
  std::uint16_t port = 0;
  std::uint64_t packets = 0, bytes = 0;
  std::int64_t first_us = 0, last_us = 0;
  bool external = false;
  std::string external_reason;  // "public address 8.8.8.8", "outside the configured zones"
  std::string external_ip;      // the public address that makes it external ("": outside the zones)
};
// Why a peer is external, in `lang` (external_reason is the English).
[[nodiscard]] std::string external_reason_text(const AcceptancePeer& p, Lang lang);

struct AcceptanceDevice {
  std::string asset;
  nlohmann::ordered_json identity;  // the contract asset JSON
  std::vector<AcceptancePeer> peers;
  std::vector<std::string> services;  // "modbus/tcp 502", offered by the device
};

struct AcceptanceReport {
  std::vector<AcceptanceDevice> devices;  // by first seen, then id
  std::vector<std::pair<std::string, AcceptancePeer>> external;  // (device id, connection)
};

[[nodiscard]] AcceptanceReport build_acceptance(const AcceptanceInput& in);
[[nodiscard]] nlohmann::ordered_json acceptance_json(const AcceptanceReport& r, const AcceptanceInput& in);
[[nodiscard]] std::string acceptance_text(const AcceptanceReport& r, const AcceptanceInput& in, Lang lang);
[[nodiscard]] std::string acceptance_html(const AcceptanceReport& r, const AcceptanceInput& in, Lang lang);

// A point in time as the command line gives it: ISO 8601 "2026-11-20",
// "2026-11-20T09:00", "2026-11-20T09:00:00", with optional ".fraction" and
// zone "Z" or "+09:00" / "+0900" ("T" may be a space). Without a zone the time
// is local: `offset_for_local` is called with the local time as if it were UTC
// (microseconds) and returns that zone's offset in seconds at that time.
// Nullopt when the text is not such a time.
[[nodiscard]] std::optional<std::int64_t> parse_time_arg(std::string_view text,
                                                         std::int64_t (*offset_for_local)(std::int64_t local_us));

// The baseline a report or a diff compares with, as the user names it: a
// snapshot's name, or a time (parse_time_arg; a date alone stands for the end
// of that day) meaning the newest snapshot taken at or before it. A name wins
// over a time (default names are times). Nullopt with `error` set to one line
// (naming the text and how to list the snapshots) when nothing matches.
struct Baseline {
  SnapshotInfo snapshot;
  std::string basis;  // "snapshot NAME", or "snapshot NAME (newest at or before TIME)"
};
[[nodiscard]] std::optional<Baseline> pick_baseline(const std::vector<SnapshotInfo>& snapshots, std::string_view spec,
                                                    std::int64_t (*offset_for_local)(std::int64_t local_us),
                                                    std::string& error);

}  // namespace mieruka::inventory
