// One construction of the checklist's input (see checklist_input.hpp).
#include "sensor/web/checklist_input.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "inventory/report/acceptance.hpp"
#include "inventory/store/snapshot.hpp"

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
  std::int64_t until = 0;
  for (const auto& a : ledger.assets()) until = std::max(until, a.last_us);
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

  const std::int64_t from = period.now_us - static_cast<std::int64_t>(period.review_days) * kDayUs;
  if (auto st = source.review_facts(sensor, from, period.now_us, kDeliveryGraceUs, in.review.facts); !st) {
    error = st.error;
    return false;
  }
  in.review.schedule.clear();
  in.review.slots = 0;
  if (!appliance.review_schedule.empty()) {
    auto schedule = review_schedule_of(appliance, error);
    if (!schedule) {
      error = source.where() + ": sensor `" + sensor + "`: " + error;
      return false;
    }
    in.review.schedule = schedule->expression;
    in.review.slots = schedule_slots(*schedule, from, period.now_us);
  }
  in.review.channels = static_cast<std::size_t>(appliance.diff_channels);
  return true;
}

bool set_checklist_baseline(inventory::ChecklistInput& in, inventory::Store& store, const inventory::Ledger& ledger,
                            const inventory::SnapshotInfo& snapshot, const std::string& basis, std::int64_t now_us,
                            std::string& error, const inventory::Diff* made) {
  auto source = inventory::sqlite_source(store.path(), error);
  return source != nullptr && set_checklist_baseline(in, *source, store.sensor_name(), ledger, snapshot, basis, now_us,
                                                     error, made);
}

bool fill_checklist_input(inventory::ChecklistInput& in, inventory::Store& store, const Config& config,
                          const inventory::Ledger& ledger, const ChecklistPeriod& period, std::string& error) {
  auto source = inventory::sqlite_source(store.path(), error);
  return source != nullptr && fill_checklist_input(in, *source, store.sensor_name(), config, ledger, period, error);
}

}  // namespace mieruka::sensor
