// FleetReader: several sensors' ledgers read through a LedgerSource and merged
// into one fleet ledger (merge_fleet), each sensor's ledger kept between reads
// with its version (LedgerSource::sensor_versions). A reader that reads the
// fleet again and again (the fleet console, at every batch a sensor sends)
// reloads only the sensors whose records changed since its last read, then
// merges again: each batch a sensor sends costs the store a read of that
// sensor's rows, not of the fleet's. The merge is made whole each time, from
// copies of the kept ledgers (docs/performance.md times both).
//
// The result is the ledger a read of every sensor anew gives (the same
// merge_fleet of the same ledgers). One sensor is its own ledger, as loaded.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "inventory/ledger/ledger.hpp"
#include "inventory/store/ledger_source.hpp"

namespace mieruka::inventory {

class FleetReader {
 public:
  // `keep`: keep each sensor's ledger for the next read (a reader that reads
  // once, a command, keeps nothing and copies nothing).
  explicit FleetReader(bool keep = true) : keep_(keep) {}

  // The ledger of `sensors` (several: merged, a sensor's site from `sites`,
  // none when absent) into `out`. On an error (one line, the source's) `out`
  // and what is kept are unchanged.
  StoreStatus read(LedgerSource& source, const std::vector<std::string>& sensors,
                   const std::map<std::string, std::string>& sites, Ledger& out);

  // The sensors the last read loaded from the source, in the order given (the
  // others' ledgers were kept from an earlier read).
  [[nodiscard]] const std::vector<std::string>& loaded() const noexcept { return loaded_; }

 private:
  struct Kept {
    std::string version;
    Ledger ledger;
  };
  bool keep_;
  std::map<std::string, Kept> kept_;
  std::vector<std::string> loaded_;
};

}  // namespace mieruka::inventory
