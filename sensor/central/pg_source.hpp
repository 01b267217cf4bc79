// The central store as a LedgerSource (inventory/store/ledger_source.hpp): the
// rows the sensors replicated (schema.cpp), read back into the same ledgers,
// acknowledgements, counters, runs and snapshots their SQLite holds. It only
// reads: every query runs in a read-only transaction, with bound parameters,
// and is served by an index whose first column is sensor_name (the primary
// keys). Meant for the mieruka_console role (which reads every sensor); a
// sensor's own role sees only its own rows.
#pragma once

#include <memory>
#include <string>

#include "inventory/store/ledger_source.hpp"
#include "sensor/central/pg.hpp"

namespace mieruka::sensor::central {

// True for a postgresql:// or postgres:// URL (the central store), false for
// anything else (a SQLite path).
[[nodiscard]] bool is_central_url(std::string_view db);

// Connects to the central store and checks its schema (check_schema: an older
// or newer one is refused); nullptr and `error` (one line, no password).
[[nodiscard]] std::unique_ptr<inventory::LedgerSource> central_source(const PgTarget& target, std::string& error);

}  // namespace mieruka::sensor::central
