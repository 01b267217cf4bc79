// Replication of one sensor's ledger to the central store: the change log the
// SQLite store keeps (inventory/store/store.hpp start_change_log) is sent in batches
// of whole records, each batch in one PostgreSQL transaction of multi-row
// INSERT ... ON CONFLICT (sensor_name, key) DO UPDATE ... WHERE the version is
// newer, so a batch sent twice changes nothing; the log rows are deleted only
// after the central COMMIT. A crash of either side between the two sends the
// batch again, which is a no-op.
//
// The replicator has its own SQLite connection and thread: the packet path
// never waits for it. While the central store is unreachable the log keeps
// one row per changed record (never more rows than the ledger has records,
// always the newest state), and the thread retries with a growing pause.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "sensor/central/central_config.hpp"

namespace mieruka::sensor::central {

class Replicator {
 public:
  Replicator(std::string db_path, std::string sensor_name, CentralConfig config);
  ~Replicator();  // stop()
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Starts the thread (the daemon). Failures are logged, once per outage.
  void start();
  // Stops the thread after its current batch; what is left stays in the log.
  void stop();
  // Sends batches on the caller's thread until the log is empty (`mieruka
  // read`). False with `error` when the central store failed twice in a row;
  // `sent` gets the changes committed, `left` those still in the log.
  bool drain(std::string& error, std::uint64_t& sent, std::uint64_t& left);

 private:
  struct Impl;
  void loop();
  std::string db_path_, sensor_;
  CentralConfig config_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
};

}  // namespace mieruka::sensor::central
