// [central]: where the appliance replicates its ledger (docs/central.md).
//   url           = "postgresql://sensor-line1@central.example/mieruka"
//   ca_file       = "/etc/mieruka/central-ca.pem"   # TLS, sslmode=verify-full
//   password_file = "/etc/mieruka/central.password" # mode 600, owned by the service user
//   timeout_s     = 120   # a statement unanswered this long fails and is sent again later
// The password is never written in the config (a URL holding one is refused)
// and never logged.
#pragma once

#include <string>

#include "inventory/store/ledger_source.hpp"
#include "sensor/central/pg.hpp"

namespace mieruka::sensor {

struct CentralConfig {
  bool enabled = false;           // the config has a [central] section
  std::string url, ca_file, password_file;
  std::string site;               // the plant this sensor belongs to ("" for none)
  std::string password;           // read from password_file at load
  int timeout_s = central::PgTarget{}.reply_timeout_s;
  // What the rest of the config says of the reviews (sensor/daemon
  // appliance_config): sent with the sensor's row, for the checklist read
  // from the central store.
  inventory::ApplianceConfig appliance;

  [[nodiscard]] central::PgTarget target() const {
    central::PgTarget t{url, password, ca_file};
    t.reply_timeout_s = timeout_s;
    return t;
  }
};

// Checks a password file before reading it: a regular file that neither its
// group nor others may read or write. Empty when it may be used; else the
// reason, one line (never the contents).
[[nodiscard]] std::string check_password_file(const std::string& path);
// Reads the first line of a checked password file into `out`; false with `error`.
[[nodiscard]] bool read_password_file(const std::string& path, std::string& out, std::string& error);

}  // namespace mieruka::sensor
