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

bool set_checklist_baseline(inventory::ChecklistInput& in, inventory::Store& store, const inventory::Ledger& ledger,
                            const inventory::SnapshotInfo& snapshot, const std::string& basis, std::int64_t now_us,
                            std::string& error, const inventory::Diff* made) {
  in.new_since_us = snapshot.observed_until_us + 1;
  in.new_since_basis = basis;
  std::optional<inventory::Diff> own;
  if (made == nullptr || made->from.name != snapshot.name) {
    auto from = inventory::load_snapshot(store, snapshot.name, error);
    if (!from) return false;
    const auto now = inventory::make_snapshot(ledger, std::string(inventory::kNowSnapshotName), now_us);
    inventory::DiffOptions opt;
    opt.capture_drops = inventory::capture_drops_between(store, from->info.taken_us, now_us);
    own = inventory::diff_snapshots(*from, now, opt);
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

bool fill_checklist_input(inventory::ChecklistInput& in, inventory::Store& store, const Config& config,
                          const inventory::Ledger& ledger, const ChecklistPeriod& period, std::string& error) {
  error.clear();
  in.generated_us = period.now_us;
  in.time_zone = config.snapshots.timezone;  // the report's times as the plant reads them
  in.sensor_name = config.sensor_name;
  in.db_path = store.path();
  in.zones = &config.policy;

  const auto snaps = inventory::list_snapshots(store, error);
  if (!error.empty()) return false;
  in.snapshots = snaps.size();
  std::int64_t until = 0;
  for (const auto& a : ledger.assets()) until = std::max(until, a.last_us);
  if (!period.baseline.empty()) {
    in.last_snapshot_us = snaps.empty() ? 0 : snaps.back().taken_us;
    auto b = inventory::pick_baseline(snaps, period.baseline,
                                      period.offset_for_local != nullptr ? period.offset_for_local : &utc_offset, error);
    if (!b || !set_checklist_baseline(in, store, ledger, b->snapshot, b->basis, period.now_us, error)) return false;
  } else if (!snaps.empty()) {
    in.last_snapshot_us = snaps.back().taken_us;
    if (!set_checklist_baseline(in, store, ledger, snaps.back(), "snapshot " + snaps.back().name, period.now_us, error,
                                period.newest_diff))
      return false;
  } else {
    in.new_since_us = std::max<std::int64_t>(0, until - static_cast<std::int64_t>(period.new_days) * kDayUs);
    in.new_since_basis = "last " + std::to_string(period.new_days) + " days";
  }

  std::vector<inventory::StoredAdvisory> advisories;
  if (auto st = store.advisories(advisories, false); !st) {
    error = st.error;
    return false;
  }
  in.advisories = advisories.size();

  const std::int64_t from = period.now_us - static_cast<std::int64_t>(period.review_days) * kDayUs;
  auto facts = store.review_facts(from, period.now_us, kDeliveryGraceUs, error);
  if (!facts) return false;
  in.review.facts = *facts;
  in.review.schedule.clear();
  in.review.slots = 0;
  if (config.snapshots.schedule) {
    in.review.schedule = config.snapshots.schedule->expression;
    in.review.slots = schedule_slots(*config.snapshots.schedule, from, period.now_us);
  }
  in.review.channels = static_cast<std::size_t>(
      std::count_if(config.delivery.channels.begin(), config.delivery.channels.end(), [](const ChannelConfig& ch) {
        return std::find(ch.kinds.begin(), ch.kinds.end(), "diff") != ch.kinds.end();
      }));
  return true;
}

}  // namespace mieruka::sensor
