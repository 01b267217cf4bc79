// The central store's schema in PostgreSQL: versioned migrations like the
// appliance's SQLite ones (inventory/store/store.cpp), the version in the one-row
// table mieruka_schema. Every replicated table holds the sensor's columns
// (inventory/store/replication.hpp) keyed by (sensor_name, record key) with the
// record's version. Two group roles: mieruka_sensor writes only rows whose
// sensor_name is its login role's name (row-level security), mieruka_console
// reads every row (docs/central.md).
#pragma once

#include <string>

#include "sensor/central/pg.hpp"

namespace mieruka::sensor::central {

// The schema version this binary writes (the number of migrations).
[[nodiscard]] int schema_version() noexcept;

// Creates or upgrades the schema (and the two group roles) in one transaction
// per migration, serialised against a concurrent init by an advisory lock. A
// schema newer than this binary's is refused. `applied` gets the number of
// migrations run (0: already current). False with `error` set to one line.
[[nodiscard]] bool migrate(PgConnection& db, int& applied, std::string& error);

// For a sensor or a reader: the schema must be exactly this binary's (a newer
// one is refused, an older one needs `mieruka central init`).
[[nodiscard]] bool check_schema(PgConnection& db, std::string& error);

}  // namespace mieruka::sensor::central
