// One construction of the checklist's input (see checklist_input.hpp).
#include "sensor/web/checklist_input.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "inventory/report/acceptance.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/text/utf8.hpp"
#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

namespace {
std::int64_t utc_offset(std::int64_t) { return 0; }
constexpr std::int64_t kDayUs = 86'400'000'000LL;
constexpr std::uint64_t kMaxSlots = 1'000'000;
// A message queued this recently may still be on its way: not yet a failed delivery.
constexpr std::int64_t kDeliveryGraceUs = 3'600'000'000LL;

// The snapshot schedule an appliance config names, parsed as its daemon
// parses it.
std::optional<Schedule> review_schedule_of(const inventory::ApplianceConfig& a, std::string& error) {
  return parse_schedule(a.review_schedule, a.schedule_zone, error);
}

// `sensor`'s review evidence over the period: the review facts of its records
// and what its appliance config says of the schedule and the diff channels.
bool review_of(inventory::LedgerSource& source, const std::string& sensor, const inventory::ApplianceConfig& appliance,
               const ChecklistPeriod& period, inventory::ReviewEvidence& out, std::string& error) {
  const std::int64_t from = period.now_us - static_cast<std::int64_t>(period.review_days) * kDayUs;
  if (auto st = source.review_facts(sensor, from, period.now_us, kDeliveryGraceUs, out.facts); !st) {
    error = st.error;
    return false;
  }
  out.schedule.clear();
  out.slots = 0;
  if (!appliance.review_schedule.empty()) {
    auto schedule = review_schedule_of(appliance, error);
    if (!schedule) {
      error = source.where() + ": sensor `" + sensor + "`: " + error;
      return false;
    }
    out.schedule = schedule->expression;
    out.slots = schedule_slots(*schedule, from, period.now_us);
  }
  out.channels = static_cast<std::size_t>(appliance.diff_channels);
  return true;
}

std::int64_t newest_traffic(const inventory::Ledger& ledger) {
  std::int64_t until = 0;
  for (const auto& a : ledger.assets()) until = std::max(until, a.last_us);
  return until;
}
}  // namespace

std::uint64_t schedule_slots(const Schedule& schedule, std::int64_t from_us, std::int64_t to_us) {
  using std::chrono::seconds;
  const SysSeconds end{seconds{to_us / 1'000'000}};
  std::uint64_t n = 0;
  for (auto t = next_run(schedule, SysSeconds{seconds{from_us / 1'000'000}}); t && *t <= end && n < kMaxSlots;
       t = next_run(schedule, *t))
    ++n;
  return n;
}

bool appliance_of(inventory::LedgerSource& source, const std::string& sensor, const Config& config,
                  inventory::ApplianceConfig& out, std::string& error) {
  if (!source.central()) {
    out = appliance_config(config);
    return true;
  }
  std::optional<inventory::ApplianceConfig> held;
  if (auto st = source.appliance(sensor, held); !st) {
    error = st.error;
    return false;
  }
  if (!held) {
    error = source.where() + ": sensor `" + sensor +
            "` has not sent its time zone, snapshot schedule and diff channels yet (each batch of a sensor with this "
            "mieruka carries them; `mieruka central sync` on the appliance sends one)";
    return false;
  }
  out = *held;
  return true;
}

bool set_checklist_baseline(inventory::ChecklistInput& in, inventory::LedgerSource& source, const std::string& sensor,
                            const inventory::Ledger& ledger, const inventory::SnapshotInfo& snapshot,
                            const std::string& basis, std::int64_t now_us, std::string& error,
                            const inventory::Diff* made) {
  in.new_since_us = snapshot.observed_until_us + 1;
  in.new_since_basis = basis;
  std::optional<inventory::Diff> own;
  if (made == nullptr || made->from.name != snapshot.name) {
    inventory::Snapshot from;
    if (auto st = source.snapshot(sensor, snapshot.name, from); !st) {
      error = st.error;
      return false;
    }
    const auto now = inventory::make_snapshot(ledger, std::string(inventory::kNowSnapshotName), now_us);
    inventory::DiffOptions opt;
    if (auto st = source.capture_drops(sensor, from.info.taken_us, now_us, opt.capture_drops); !st) {
      error = st.error;
      return false;
    }
    own = inventory::diff_snapshots(from, now, opt);
    made = &*own;
  }
  const inventory::Diff& d = *made;
  inventory::ChecklistInput::Changes ch;
  ch.basis = basis;
  ch.new_assets = d.new_assets.size();
  ch.vanished_assets = d.vanished_assets.size();
  ch.changed_assets = d.changed_assets.size();
  ch.new_links = d.new_links.size();
  ch.vanished_links = d.vanished_links.size();
  ch.capture_drops = d.capture_drops;
  for (const auto& a : d.new_assets) {
    if (ch.new_devices.size() >= inventory::kMaxListedChanges) break;
    ch.new_devices.emplace_back(a.value("id", std::string()), inventory::diff_asset_label(a));
  }
  in.changes = std::move(ch);
  return true;
}

bool fill_checklist_input(inventory::ChecklistInput& in, inventory::LedgerSource& source, const std::string& sensor,
                          const Config& config, const inventory::Ledger& ledger, const ChecklistPeriod& period,
                          std::string& error) {
  error.clear();
  inventory::ApplianceConfig appliance;
  if (!appliance_of(source, sensor, config, appliance, error)) return false;
  in.generated_us = period.now_us;
  in.time_zone = appliance.time_zone;  // the report's times as the plant reads them
  in.sensor_name = sensor;
  in.db_path = source.where();
  in.zones = &config.policy;

  std::vector<inventory::SnapshotInfo> snaps;
  if (auto st = source.snapshots(sensor, snaps); !st) {
    error = st.error;
    return false;
  }
  in.snapshots = snaps.size();
  const std::int64_t until = newest_traffic(ledger);
  if (!period.baseline.empty()) {
    in.last_snapshot_us = snaps.empty() ? 0 : snaps.back().taken_us;
    auto b = inventory::pick_baseline(snaps, period.baseline,
                                      period.offset_for_local != nullptr ? period.offset_for_local : &utc_offset, error);
    if (!b || !set_checklist_baseline(in, source, sensor, ledger, b->snapshot, b->basis, period.now_us, error))
      return false;
  } else if (!snaps.empty()) {
    in.last_snapshot_us = snaps.back().taken_us;
    if (!set_checklist_baseline(in, source, sensor, ledger, snaps.back(), "snapshot " + snaps.back().name,
                                period.now_us, error, period.newest_diff))
      return false;
  } else {
    in.new_since_us = std::max<std::int64_t>(0, until - static_cast<std::int64_t>(period.new_days) * kDayUs);
    in.new_since_basis = "last " + std::to_string(period.new_days) + " days";
  }

  std::vector<inventory::StoredAdvisory> advisories;
  if (auto st = source.advisories(sensor, advisories); !st) {
    error = st.error;
    return false;
  }
  in.advisories = advisories.size();

  return review_of(source, sensor, appliance, period, in.review, error);
}

bool fill_checklist_input(inventory::ChecklistInput& in, inventory::LedgerSource& source,
                          const std::vector<std::string>& sensors, const Config& config,
                          const inventory::Ledger& ledger, const ChecklistPeriod& period, std::string& error) {
  if (sensors.size() == 1) return fill_checklist_input(in, source, sensors.front(), config, ledger, period, error);
  error.clear();
  if (sensors.empty()) {
    error = source.where() + ": no sensor is selected";
    return false;
  }
  std::vector<std::string> names = sensors;  // in name order, whatever order --sensor gave
  std::sort(names.begin(), names.end());
  in.generated_us = period.now_us;
  in.sensor_name.clear();
  for (const auto& name : names) in.sensor_name += (in.sensor_name.empty() ? "" : ", ") + name;
  in.db_path = source.where();
  in.zones = &config.policy;
  in.fleet.clear();
  in.changes.reset();
  std::set<std::string> advisories;
  for (const auto& name : names) {
    inventory::ApplianceConfig appliance;
    if (!appliance_of(source, name, config, appliance, error)) return false;
    inventory::ChecklistInput::SensorReview sr;
    sr.sensor = name;
    sr.time_zone = appliance.time_zone;
    std::vector<inventory::SnapshotInfo> snaps;
    if (auto st = source.snapshots(name, snaps); !st) {
      error = st.error;
      return false;
    }
    sr.snapshots = snaps.size();
    sr.last_snapshot_us = snaps.empty() ? 0 : snaps.back().taken_us;
    std::vector<inventory::StoredAdvisory> rows;
    if (auto st = source.advisories(name, rows); !st) {
      error = st.error;
      return false;
    }
    for (const auto& a : rows) advisories.insert(a.id);
    if (!review_of(source, name, appliance, period, sr.review, error)) return false;
    in.fleet.push_back(std::move(sr));
  }
  in.advisories = advisories.size();
  // The report's times as the plant reads them: the sensors' zone, or the
  // reading config's when their zones differ.
  in.time_zone_from_config = std::any_of(in.fleet.begin(), in.fleet.end(), [&](const auto& sr) {
    return sr.time_zone != in.fleet.front().time_zone;
  });
  in.time_zone = in.time_zone_from_config ? config.snapshots.timezone : in.fleet.front().time_zone;
  inventory::set_fleet_review(in);
  return set_fleet_baseline(in, ledger, period.baseline, period.new_days,
                            period.offset_for_local != nullptr ? period.offset_for_local : &utc_offset, error);
}

bool set_fleet_baseline(inventory::ChecklistInput& in, const inventory::Ledger& ledger, const std::string& spec,
                        int new_days, std::int64_t (*offset_for_local)(std::int64_t), std::string& error) {
  in.changes.reset();  // a fleet has no common snapshot to diff with
  if (spec.empty()) {
    in.new_since_us =
        std::max<std::int64_t>(0, newest_traffic(ledger) - static_cast<std::int64_t>(new_days) * kDayUs);
    in.new_since_basis = "last " + std::to_string(new_days) + " days";
    return true;
  }
  const auto t = inventory::parse_time_arg(spec, offset_for_local != nullptr ? offset_for_local : &utc_offset);
  if (!t) {
    std::vector<std::string> names;
    for (const auto& sr : in.fleet) names.push_back(sr.sensor);
    error = in.db_path + ": baseline " + inventory::sanitize_utf8(spec) + ": sensors " + name_list(names) +
            " are selected and a snapshot is one sensor's: give --baseline TIME for the fleet (devices first seen "
            "since then are new), or one sensor with --sensor NAME";
    return false;
  }
  in.new_since_us = *t;
  in.new_since_basis = "since " + inventory::sanitize_utf8(spec);
  return true;
}

}  // namespace mieruka::sensor
