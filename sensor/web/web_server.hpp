// The web console and REST API (docs/web.md): `mieruka serve`, and the
// same server on a thread of `mieruka run` when the config has [web].
//
// cpp-httplib (Debian) serves HTTPS with the plant's certificate or one made on
// first start (self-signed, in the data directory, key mode 0600); plain HTTP
// only on a loopback address. Requests are answered from an immutable view of
// the ledger that a thread of the server builds through its own read-only
// SQLite connection (WAL: the capture keeps writing) and replaces whole when
// another connection committed (PRAGMA data_version); sessions and the audit
// log use a second connection. A fleet console (`serve --db postgresql://`,
// ServerOptions::central) builds the same view from the central store's
// sensors merged into one ledger, rebuilt when the store received a batch
// (LedgerSource::version), keeps its accounts in a SQLite file of its own and
// refuses every write (409). Nothing here touches the packet loop. Routes,
// JSON shapes and errors are in web/openapi.json; views in docs/web.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <optional>

#include "sensor/daemon/commands.hpp"
#include "sensor/daemon/config.hpp"
#include "sensor/delivery/findings_inputs.hpp"

namespace mieruka::sensor::web {

struct ServerOptions {
  std::string db_path;
  std::string data_dir;        // where a self-signed certificate is kept
  std::string approved_path;   // overrides [policy] approved (serve --approved)
  std::string wireless_path;   // overrides [policy] wireless_allow
  // A fleet console (`serve --db postgresql://...`): the ledger is read from
  // the central store through these options (open_view: --sensor, --site,
  // --password-file, --ca-file), every sensor's merged into one, and never
  // written; db_path is then the console's own SQLite file (accounts,
  // sessions, the audit log).
  std::optional<CommonOptions> central;
  // A fleet console reads no more sensor assets than this into a view
  // (LedgerSource::asset_counts of the selected sensors, before anything is
  // loaded): a larger fleet would not fit the host's memory, so the console
  // serves it by its devices' keys (inventory::FleetIndex), its devices read
  // whole part by part for their rows and findings (the assets list, each
  // device, the findings and the overview), and says what to select for the
  // rest (the checklist, links, topology and map). 0: no limit.
  std::uint64_t max_view_assets = 0;
  // Past max_view_assets, no more sensor assets than this are served by
  // their keys (the index too would not fit): every page says so and what
  // to select instead. 0: no limit.
  std::uint64_t max_index_assets = 0;
  // Past max_view_assets, the devices read whole at once while the view's
  // rows and findings are made (FleetIndex::parts): at about 32 KiB each.
  std::size_t part_devices = kFleetPartDevices;
};

class WebServer {
 public:
  // Binds the listen address of config.web (port 0: any free port) and starts
  // serving on a thread. Nullptr with `error` set to one line on failure.
  [[nodiscard]] static std::unique_ptr<WebServer> start(const Config& config, const ServerOptions& opt,
                                                        std::string& error);
  ~WebServer();  // stops and joins
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // "https://127.0.0.1:8443/" with the bound port.
  [[nodiscard]] std::string url() const;

  struct Impl;

 private:
  explicit WebServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "ADDR:PORT" or "[v6]:PORT" into host and port; false with `error` set.
[[nodiscard]] bool parse_listen(const std::string& listen, std::string& host, int& port, std::string& error);
[[nodiscard]] bool is_loopback(const std::string& host);
// Makes `dir`/web-cert.pem and web-key.pem (EC P-256, 10 years, key 0600)
// unless both exist; sets the two paths. False with `error` set.
[[nodiscard]] bool ensure_self_signed(const std::string& dir, std::string& cert_path, std::string& key_path,
                                      std::string& error);

}  // namespace mieruka::sensor::web
