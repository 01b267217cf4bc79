// The daemon loop (see daemon.hpp).
#include "sensor/daemon/daemon.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include <spdlog/spdlog.h>

#include "inventory/ledger/ledger.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/daemon/commands.hpp"
#include "sensor/daemon/flush_backlog.hpp"
#include "sensor/pipeline/pipeline.hpp"
#include "sensor/daemon/schedule.hpp"
#include "sensor/daemon/scheduled_snapshots.hpp"
#include "sensor/daemon/signals.hpp"

namespace mieruka::sensor {
namespace {

using Clock = std::chrono::steady_clock;
using inventory::Ledger;
using inventory::Store;

// The poll loop wakes at least this often (signals, flush timer, reopen timer).
constexpr int kLoopWakeMs = 200;
// A repeated flush failure is logged again only every this many attempts.
constexpr std::uint64_t kFlushFailureLogEvery = 60;
// After a failed flush the next one comes this soon (or at the flush interval
// if shorter): the backlog only grows, and space may come back any time.
constexpr std::chrono::seconds kFlushRetry{5};
// A scheduled snapshot that failed (disk full, locked) is retried this soon,
// unless the next slot comes first.
constexpr std::chrono::seconds kSnapshotRetry{60};

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SysSeconds sys_now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

// One configured interface: open, or down and waiting to be reopened.
struct Interface {
  LiveOptions options;
  std::unique_ptr<LiveSource> source;
  LiveStats flushed{};          // this handle's pcap_stats at the last counted flush
  std::uint64_t dropped_pending = 0;     // drops of closed handles not yet stored
  std::uint64_t if_dropped_pending = 0;
  Clock::time_point retry_at{};
};

// Adds what `it`'s handle dropped since the last counted flush to the pending totals.
void take_drops(Interface& it) {
  if (!it.source) return;
  const LiveStats s = it.source->stats();
  // pcap_stats counters are 32-bit on some platforms and wrap: count a step back as zero.
  it.dropped_pending += s.dropped >= it.flushed.dropped ? s.dropped - it.flushed.dropped : 0;
  it.if_dropped_pending += s.if_dropped >= it.flushed.if_dropped ? s.if_dropped - it.flushed.if_dropped : 0;
  it.flushed = s;
}

class Daemon {
 public:
  Daemon(const Config& config, const DaemonOptions& options) : config_(config), options_(options) {}
  int run();

 private:
  bool open_interfaces();
  void reopen_due(Clock::time_point now);
  void poll_sources();
  void flush(bool final);
  [[nodiscard]] FlushBacklog backlog() const;
  [[nodiscard]] std::chrono::seconds retry_interval() const {
    return std::min(kFlushRetry, std::chrono::seconds(config_.flush_interval_s));
  }
  void reload();
  void plan_snapshots(bool at_start);
  void requeue_last_diff(const std::vector<inventory::SnapshotInfo>& list, const inventory::SnapshotInfo& newest);
  void scheduled_snapshot();
  // Calls options_.on_snapshot; a diff it could not queue is kept and asked
  // for again at every flush until it is (queue_unqueued_diffs).
  bool queue_diff(const std::string& from, const std::string& to);
  void queue_unqueued_diffs();

  Config config_;
  DaemonOptions options_;
  std::vector<Interface> interfaces_;
  std::optional<Store> store_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Pipeline> pipeline_;
  std::map<std::string, std::uint64_t> stored_counters_;  // pipeline counters already added
  std::uint64_t stored_packets_ = 0;
  std::int64_t segment_start_us_ = 0;
  std::uint64_t segment_packets_ = 0, segment_drops_ = 0;
  std::uint64_t flush_failures_ = 0;
  std::int64_t failing_since_us_ = 0;  // wall clock of the first failed flush in a row
  std::optional<SysSeconds> next_snapshot_;  // wall clock; none without a schedule
  std::vector<std::pair<std::string, std::string>> unqueued_diffs_;  // (from, to) the hook could not queue
};

bool Daemon::open_interfaces() {
  if (config_.interfaces.empty()) {
    print_error(config_.path + ": [capture] interfaces is empty; name the SPAN port(s), e.g. interfaces = [\"eth1\"]");
    return false;
  }
  const int per_source_ms = std::max(10, kLoopWakeMs / static_cast<int>(config_.interfaces.size()));
  for (const auto& name : config_.interfaces) {
    Interface it;
    it.options.interface = name;
    it.options.filter = config_.filter;
    it.options.snaplen = config_.snaplen;
    it.options.buffer_mb = config_.buffer_mb;
    it.options.timeout_ms = per_source_ms;
    std::string error;
    it.source = LiveSource::open(it.options, error);
    if (!it.source) {
      print_error(error);
      return false;
    }
    interfaces_.push_back(std::move(it));
  }
  return true;
}

void Daemon::reopen_due(Clock::time_point now) {
  for (auto& it : interfaces_) {
    if (it.source || now < it.retry_at) continue;
    std::string error;
    it.source = LiveSource::open(it.options, error);
    it.flushed = {};
    if (it.source) {
      spdlog::info("{}: capture resumed", it.options.interface);
      continue;
    }
    spdlog::debug("{}: still down ({})", it.options.interface, error);
    it.retry_at = now + kReopenInterval;
  }
}

void Daemon::poll_sources() {
  bool any = false;
  for (auto& it : interfaces_) {
    if (!it.source) continue;
    any = true;
    const int n = it.source->dispatch(
        [&](const RawPacket& p) { pipeline_->on_packet(p.link, p.ts_us, p.data, p.wire_len); });
    if (n >= 0) continue;
    // Logged once: the retries stay quiet (debug) until it comes back.
    spdlog::error("{}: capture failed: {}; keeping the other interfaces, retrying every {} s",
                  it.options.interface, it.source->last_error(), kReopenInterval.count());
    take_drops(it);
    it.source.reset();
    it.retry_at = Clock::now() + kReopenInterval;
  }
  if (!any) ::poll(nullptr, 0, kLoopWakeMs);  // every interface is down: wait for the timers
}

void Daemon::flush(bool final) {
  const std::int64_t now_us = wall_us();
  pipeline_->compact_ledger();
  auto st = store_->flush(*ledger_);
  if (!st) {
    if (++flush_failures_ == 1) failing_since_us_ = now_us;
    const FlushBacklog b = backlog();
    publish_flush_backlog(b);
    // The store's "nothing was lost, will retry" is untrue at shutdown: there is no next flush.
    if (constexpr std::string_view kRetry = "; nothing was lost, will retry"; final) {
      if (const auto at = st.error.find(kRetry); at != std::string::npos) st.error.erase(at, kRetry.size());
    }
    if (flush_failures_ == 1 || final || flush_failures_ % kFlushFailureLogEvery == 0)
      spdlog::error("{} (flush failed {} time(s) in a row; {} asset(s) and {} link(s) changed since are in memory "
                    "only{})",
                    st.error, flush_failures_, b.assets, b.links,
                    final ? "" : ", lost if the daemon stops now; retrying every " +
                                     std::to_string(retry_interval().count()) + " s");
    return;
  }
  if (flush_failures_ > 0) spdlog::info("{}: flush succeeded again after {} failure(s)", store_->path(), flush_failures_);
  flush_failures_ = 0;
  failing_since_us_ = 0;
  publish_flush_backlog({});

  // Counters: the pipeline's anomalies plus the capture drops since the last
  // successful add; kept pending when the add fails.
  std::map<std::string, std::uint64_t> delta;
  const auto now = pipeline_->counters();
  for (const auto& [k, v] : now) {
    const std::uint64_t before = stored_counters_[k];
    if (v > before) delta[k] = v - before;
  }
  std::uint64_t drops = 0;
  for (auto& it : interfaces_) {
    take_drops(it);
    if (it.dropped_pending > 0) delta["capture." + it.options.interface + ".dropped"] = it.dropped_pending;
    if (it.if_dropped_pending > 0) delta["capture." + it.options.interface + ".if_dropped"] = it.if_dropped_pending;
    drops += it.dropped_pending + it.if_dropped_pending;
  }
  if (!delta.empty()) {
    if (auto cs = store_->add_counters(delta); !cs) {
      spdlog::error("{} (counters kept for the next flush)", cs.error);
      return;
    }
  }
  stored_counters_ = now;
  for (auto& it : interfaces_) it.dropped_pending = it.if_dropped_pending = 0;

  const std::uint64_t packets = pipeline_->stats().packets;
  segment_packets_ += packets - stored_packets_;
  stored_packets_ = packets;
  segment_drops_ += drops;
  std::string command = "run --config " + config_.path;
  if (auto rs = store_->record_run({segment_start_us_, now_us, command, segment_packets_, segment_drops_}); !rs)
    spdlog::error("{}", rs.error);
  if (now_us - segment_start_us_ >= std::chrono::duration_cast<std::chrono::microseconds>(kRunSegment).count()) {
    segment_start_us_ = now_us;
    segment_packets_ = segment_drops_ = 0;
  }
  spdlog::debug("flushed: {} packets, {} assets, {} links, {} drops", packets, ledger_->assets().size(),
                ledger_->edges().size(), drops);
}

FlushBacklog Daemon::backlog() const {
  FlushBacklog b;
  for (const auto& a : ledger_->assets()) b.assets += a.dirty && a.merged_into == inventory::kNoAsset ? 1 : 0;
  for (const auto& e : ledger_->edges()) b.links += e.dirty && e.merged_into == inventory::kNoEdge ? 1 : 0;
  b.failures = flush_failures_;
  b.failing_since_us = failing_since_us_;
  return b;
}

void Daemon::reload() {
  std::string error;
  auto fresh = load_config(config_.path, error);
  if (!fresh) {
    spdlog::error("reload refused, keeping the previous config: {}", error);
    return;
  }
  // The spreadsheets the findings read: one that exists but no longer loads (a bad
  // row, a lost column) refuses the reload. A list not written yet is no error.
  const auto present = [](const std::string& p) { return !p.empty() && ::access(p.c_str(), F_OK) == 0; };
  if (present(fresh->policy.approved_path) && !inventory::load_approved(fresh->policy.approved_path, error)) {
    spdlog::error("reload refused, keeping the previous config: {}", error);
    return;
  }
  if (present(fresh->policy.wireless_allow_path) &&
      !inventory::load_wireless_allow(fresh->policy.wireless_allow_path, error)) {
    spdlog::error("reload refused, keeping the previous config: {}", error);
    return;
  }
  if (fresh->interfaces != config_.interfaces || fresh->data_dir != config_.data_dir ||
      fresh->user != config_.user || fresh->filter != config_.filter || fresh->sensor_name != config_.sensor_name ||
      fresh->snaplen != config_.snaplen || fresh->buffer_mb != config_.buffer_mb ||
      fresh->memory_budget_mb != config_.memory_budget_mb)
    spdlog::warn("{}: capture, data_dir, user and sensor_name changes take effect at the next restart",
                 config_.path);
  // Everything else takes effect now; the ledger, the store and the capture
  // handles stay as they are.
  Config next = std::move(*fresh);
  next.interfaces = config_.interfaces;
  next.filter = config_.filter;
  next.snaplen = config_.snaplen;
  next.buffer_mb = config_.buffer_mb;
  next.memory_budget_mb = config_.memory_budget_mb;
  next.data_dir = config_.data_dir;
  next.user = config_.user;
  next.sensor_name = config_.sensor_name;
  config_ = std::move(next);
  if (options_.on_reload) options_.on_reload(config_);  // channels and anything cached outside the daemon
  plan_snapshots(false);
  spdlog::info("reloaded {} ({} zones, {} conduits, schedule {})", config_.path, config_.policy.zones.size(),
               config_.policy.conduits.size(),
               config_.snapshots.schedule ? "\"" + config_.snapshots.schedule->expression + "\"" : "none");
}

// When the next scheduled snapshot is due. At start, a slot missed while the
// daemon was down is caught up at once, one snapshot for the whole gap.
void Daemon::plan_snapshots(bool at_start) {
  next_snapshot_.reset();
  if (!config_.snapshots.schedule) return;
  const Schedule& sched = *config_.snapshots.schedule;
  std::optional<SysSeconds> last;
  std::string error;
  const auto list = inventory::list_snapshots(*store_, error);
  if (!error.empty()) {
    spdlog::error("{} (the last scheduled snapshot is unknown; waiting for the next slot)", error);
  } else if (auto prev = newest_scheduled(list)) {
    last = SysSeconds{std::chrono::seconds{prev->taken_us / 1000000}};
    if (at_start) requeue_last_diff(list, *prev);
  }
  const SysSeconds now = sys_now();
  const RunPlan plan = plan_run(sched, at_start ? last : std::nullopt, now);
  if (plan.run_now) {
    spdlog::info("scheduled snapshots: {}{} slot(s) of \"{}\" passed since {} while not running; taking one "
                 "catch-up snapshot now",
                 plan.missed, plan.missed >= kMaxMissedCount ? "+" : "", sched.expression,
                 format_local_minute(sched, *last));
    scheduled_snapshot();
    return;
  }
  next_snapshot_ = plan.next;
  if (next_snapshot_)
    spdlog::info("next scheduled snapshot at {} (\"{}\", {})", format_local_minute(sched, *next_snapshot_),
                 sched.expression, sched.zone_name);
}

// A crash between saving a scheduled snapshot and queuing its diff left the
// snapshot without its messages; queuing is idempotent (the hook does nothing
// for a diff already queued), so the newest slot's diff is asked for again at
// every start. Only while sent rows are still kept: an older diff may have
// been sent and purged, and would go out twice.
void Daemon::requeue_last_diff(const std::vector<inventory::SnapshotInfo>& list, const inventory::SnapshotInfo& newest) {
  if (!options_.on_snapshot) return;
  const std::int64_t kept_us = std::int64_t{config_.delivery.alerts.keep_sent_days} * 86400 * 1000000;
  if (wall_us() - newest.taken_us >= kept_us) return;
  std::vector<inventory::SnapshotInfo> older;
  for (const auto& s : list)
    if (s.name != newest.name && std::tie(s.taken_us, s.name) < std::tie(newest.taken_us, newest.name)) older.push_back(s);
  const auto before = newest_scheduled(older);
  (void)queue_diff(before ? before->name : "", newest.name);
}

// The hook belongs to others (delivery): whatever it throws stays here, and a
// diff it could not queue (a busy or full database) is not dropped: it is
// asked for again at every flush, so a running daemon never loses a slot's
// diff to a passing error.
bool Daemon::queue_diff(const std::string& from, const std::string& to) {
  if (!options_.on_snapshot) return true;
  bool done = false;
  try {
    done = options_.on_snapshot(from, to);
  } catch (const std::exception& e) {
    spdlog::error("after scheduled snapshot {}: {}", to, e.what());
  }
  if (!done) {
    const std::pair<std::string, std::string> key{from, to};
    if (std::find(unqueued_diffs_.begin(), unqueued_diffs_.end(), key) == unqueued_diffs_.end()) {
      unqueued_diffs_.push_back(key);
      spdlog::warn("the diff {} -> {} is asked for again at every flush until it is queued", from, to);
    }
  }
  return done;
}

void Daemon::queue_unqueued_diffs() {
  if (unqueued_diffs_.empty()) return;
  auto pending = std::move(unqueued_diffs_);
  unqueued_diffs_.clear();
  for (const auto& [from, to] : pending) {
    // Retention may have pruned one of the two since (at a later slot): the
    // diff cannot be rendered any more, and the log says so.
    if ((!from.empty() && !inventory::snapshot_exists(*store_, from)) || !inventory::snapshot_exists(*store_, to)) {
      spdlog::error("the diff {} -> {} is lost: a snapshot it compares was pruned before it could be queued", from, to);
      continue;
    }
    if (queue_diff(from, to)) spdlog::info("the diff {} -> {} is queued now", from, to);
  }
}

void Daemon::scheduled_snapshot() {
  const Schedule& sched = *config_.snapshots.schedule;
  flush(false);  // the stored ledger and the snapshot agree
  SnapshotHook hook;
  if (options_.on_snapshot) hook = [this](const std::string& from, const std::string& to) { return queue_diff(from, to); };
  std::string error;
  const auto run = take_scheduled_snapshot(*store_, *ledger_, config_.snapshots, wall_us(), hook, error);
  const SysSeconds now = sys_now();
  next_snapshot_ = next_run(sched, now);
  if (!run) {
    spdlog::error("scheduled snapshot failed: {} (retrying in {} s)", error, kSnapshotRetry.count());
    if (!next_snapshot_ || *next_snapshot_ > now + kSnapshotRetry) next_snapshot_ = now + kSnapshotRetry;
    return;
  }
  if (!error.empty()) spdlog::error("after scheduled snapshot {}: {}", run->name, error);
  spdlog::info("scheduled snapshot {}: {} assets, {} links; {} old scheduled snapshot(s) pruned; next at {}", run->name,
               ledger_->assets().size(), ledger_->edges().size(), run->pruned.size(),
               next_snapshot_ ? format_local_minute(sched, *next_snapshot_) : "never");
}

int Daemon::run() {
  if (!open_interfaces()) return kExitBadInput;
  std::string error, warning;
  if (!drop_privileges(config_.user, error, warning)) {
    print_error(error);
    return kExitBadInput;
  }
  if (!warning.empty()) spdlog::warn("{}", warning);

  store_ = Store::open(options_.db_path, config_.sensor_name, error);
  if (!store_) {
    print_error(error);
    return kExitBadInput;
  }
  ledger_ = std::make_unique<Ledger>(config_.sensor_name);
  if (auto st = store_->load(*ledger_); !st) {
    print_error(st.error);
    return kExitBadInput;
  }
  if (options_.on_started && !options_.on_started(error)) {
    print_error(error);
    return kExitBadInput;
  }
  PipelineOptions popt;
  popt.memory_budget_bytes = options_.memory_budget_bytes != 0
                                 ? options_.memory_budget_bytes
                                 : static_cast<std::size_t>(config_.memory_budget_mb) << 20;
  pipeline_ = std::make_unique<Pipeline>(*ledger_, popt);
  install_signal_handlers();
  segment_start_us_ = wall_us();
  std::string names;
  for (const auto& it : interfaces_) names += (names.empty() ? "" : ", ") + it.options.interface;
  spdlog::info("running: capturing on {} (passive); {} assets loaded; flushing every {} s to {}", names,
               ledger_->assets().size(), config_.flush_interval_s, options_.db_path);

  auto next_flush = Clock::now() + std::chrono::seconds(config_.flush_interval_s);
  plan_snapshots(true);
  while (!stop_requested()) {
    poll_sources();
    const auto now = Clock::now();
    if (take_reload_request()) reload();
    reopen_due(now);
    if (now >= next_flush) {
      flush(false);
      queue_unqueued_diffs();
      // reload may change the interval
      next_flush = Clock::now() + (flush_failures_ > 0 ? retry_interval() : std::chrono::seconds(config_.flush_interval_s));
    }
    if (next_snapshot_ && sys_now() >= *next_snapshot_) scheduled_snapshot();
  }
  spdlog::info("stopping: flushing the ledger");
  pipeline_->finish();
  flush(true);
  if (flush_failures_ > 0) {
    const FlushBacklog b = backlog();
    print_error(options_.db_path + ": the last flush failed (see above); " + std::to_string(b.assets) +
                " asset(s) and " + std::to_string(b.links) + " link(s) changed since the last stored flush are lost");
    return kExitInternal;
  }
  spdlog::info("stopped: {} packets, {} assets, {} links", pipeline_->stats().packets, ledger_->assets().size(),
               ledger_->edges().size());
  return kExitOk;
}

}  // namespace

namespace {

// The one capability kept across the drop: an interface that went away is
// reopened every kReopenInterval, and a new AF_PACKET socket needs CAP_NET_RAW.
// libpcap needs nothing more on Linux: promiscuous mode is a PACKET_ADD_MEMBERSHIP
// and the ring a PACKET_RX_RING on that socket, neither checks CAP_NET_ADMIN.
constexpr int kKeptCapability = CAP_NET_RAW;

// Sets the calling thread's permitted, effective and inheritable sets to `caps`.
bool set_capabilities(std::uint64_t caps) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (auto& d : data) {
    d.permitted = d.effective = d.inheritable = static_cast<std::uint32_t>(caps);
    caps >>= 32;
  }
  return ::syscall(SYS_capset, &header, data) == 0;
}

// Empties the bounding set but for kKeptCapability (needs CAP_SETPCAP: root).
// The kernel's last capability is where PR_CAPBSET_READ starts failing.
bool limit_bounding_set() {
  for (int cap = 0; ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap) {
    if (cap == kKeptCapability) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return false;
  }
  return true;
}

}  // namespace

bool drop_privileges(const std::string& user, std::string& error, std::string& warning) {
  if (::geteuid() != 0) {
    warning = "not started as root (uid " + std::to_string(::geteuid()) + "): staying this user, `user = \"" + user +
              "\"` not applied";
    return true;
  }
  errno = 0;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) {
    error = "user `" + user + "` does not exist; create it (useradd --system " + user +
            ") or set `user` in the config";
    return false;
  }
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  if (uid == 0) {
    error = "user `" + user + "` is root; name an unprivileged account in `user`";
    return false;
  }
  // Capabilities are per thread: this runs before any other thread exists (the
  // console and delivery start after it), so every thread has the same set.
  const bool bounded = limit_bounding_set();
  const int bound_errno = errno;
  ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
    error = "cannot drop privileges to `" + user + "`: " + std::strerror(errno) + "; refusing to run as root";
    return false;
  }
  ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  // What the systemd unit gives the service user (AmbientCapabilities), so a
  // start from root and a start by systemd behave the same.
  const bool kept = set_capabilities(std::uint64_t{1} << kKeptCapability) &&
                    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kKeptCapability, 0, 0) == 0;
  const int why = errno;
  if (!kept) (void)set_capabilities(0);
  if (::setuid(0) == 0 || ::geteuid() == 0 || ::getegid() == 0) {
    error = "privileges were not dropped for good (root could be regained); refusing to run";
    return false;
  }
  if (!kept)
    warning = std::string("cannot keep CAP_NET_RAW across the drop to `") + user + "` (" + std::strerror(why) +
              "): an interface that goes down is reopened only after a restart";
  else if (!bounded)
    warning = std::string("cannot empty the capability bounding set (") + std::strerror(bound_errno) +
              "): CAP_NET_RAW is the only one held, but others could be regained through a set-capability file";
  return true;
}

int run_daemon(const Config& config, const DaemonOptions& options) {
  Daemon d(config, options);
  return d.run();
}

}  // namespace mieruka::sensor
