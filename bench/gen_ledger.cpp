// mieruka_gen_ledger: writes a synthetic ledger of N assets straight through
// the Store, for the read-side benchmark (bench/reads.sh). No capture is parsed:
// building 100,000 assets from packets would time the pipeline, not the reads.
//
//   mieruka_gen_ledger [--assets N] [--sensor NAME] OUT.db   (N >= 26; NAME: the host name)
//
// The mix, per 1,000 assets: 20 PLCs (vendor, product, a modbus_server role,
// Modbus served to their HMI), 5 HMIs (each polls 4 PLCs with Modbus reads and,
// one in five, a write), 1 engineering station (S7 program transfer to 4 PLCs),
// the rest office hosts (OUI vendor, an NBNS name, DNS to one server and SMB to
// the next host). One DNS server every 10,000 assets (the last asset of a plant
// smaller than 1,000): a hub with thousands of clients, as real networks have. Every asset gets 3-5 facts; edges number
// about 2.1 per asset. Deterministic: the same N gives the same database.
// It prints how long the one flush of the whole ledger took (bench/central_replication.sh
// times it with and without the change-log triggers). OUT.db may exist: the
// ledger is flushed into it as into any store.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "dissectors/net.hpp"
#include "dissectors/observation.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/store/store.hpp"

using namespace mieruka;
using namespace mieruka::inventory;

namespace {

MacAddr mac_of(std::uint64_t i) {
  MacAddr m;
  const std::uint64_t v = 0x001b1b000000ULL + i;  // a Siemens OUI, unicast
  for (int k = 0; k < 6; ++k) m.b[5 - k] = static_cast<std::uint8_t>(v >> (8 * k));
  return m;
}

IpAddr ip_of(std::uint64_t i) { return IpAddr::v4(0x0a000000U + static_cast<std::uint32_t>(i) + 1); }

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = 100000;
  std::string out, sensor;
  char host[256] = {};
  // The CLI's default sensor name, so that `mieruka assets --db OUT.db` sees it.
  sensor = ::gethostname(host, sizeof host - 1) == 0 && host[0] != 0 ? host : "sensor";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--assets" && i + 1 < argc) {
      char* end = nullptr;
      errno = 0;
      n = std::strtoull(argv[++i], &end, 10);
      if (errno != 0 || *end != '\0' || n < 26) {
        std::fprintf(stderr, "mieruka_gen_ledger: --assets wants a number >= 26\n");
        return 2;
      }
    } else if (a == "--sensor" && i + 1 < argc) {
      sensor = argv[++i];
    } else if (!a.empty() && a[0] != '-' && out.empty()) {
      out = a;
    } else {
      std::fprintf(stderr, "usage: mieruka_gen_ledger [--assets N] [--sensor NAME] OUT.db\n");
      return 2;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "usage: mieruka_gen_ledger [--assets N] [--sensor NAME] OUT.db\n");
    return 2;
  }
  std::string error;
  auto store = Store::open(out, sensor, error);
  if (!store) {
    std::fprintf(stderr, "mieruka_gen_ledger: %s\n", error.c_str());
    return 1;
  }
  Ledger ledger(sensor);
  ledger.reserve(n, n * 3);
  const std::int64_t t0 = 1'767'225'600'000'000;  // 2026-01-01
  std::vector<AssetIndex> idx(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::int64_t ts = t0 + static_cast<std::int64_t>(i) * 1000;
    const AssetIndex a = ledger.resolve(mac_of(i), ip_of(i), ts);
    idx[i] = a;
    ledger.bind_ip(a, ip_of(i), "arp", ts);
    ledger.sent(a, 100, 0, ts);
    const std::uint64_t k = i % 1000;
    const std::string num = std::to_string(i);
    if (k < 20) {
      ledger.add_fact(a, field::vendor, "Siemens", "modbus_device_id", ts);
      ledger.add_fact(a, field::product, k % 2 ? "SIMATIC S7-1500" : "Modbus I/O " + num, "modbus_device_id", ts);
      ledger.add_fact(a, field::revision, "V2." + std::to_string(k), "modbus_device_id", ts);
      ledger.add_fact(a, field::role, "modbus_server", "modbus", ts);
      ledger.add_protocol(a, "modbus");
    } else if (k < 25) {
      ledger.add_fact(a, field::vendor, "Pro-face", "oui", ts);
      ledger.add_fact(a, field::hostname, "hmi-" + num, "nbns", ts);
      ledger.add_fact(a, field::role, "modbus_client", "modbus", ts);
      ledger.add_protocol(a, "modbus");
    } else if (k == 25) {
      ledger.add_fact(a, field::vendor, "Dell", "oui", ts);
      ledger.add_fact(a, field::hostname, "eng-" + num, "nbns", ts);
      ledger.add_fact(a, field::os, "Windows 10", "tcp_fingerprint", ts);
      ledger.add_protocol(a, "s7comm");
    } else {
      ledger.add_fact(a, field::vendor, "Siemens", "oui", ts);
      ledger.add_fact(a, field::hostname, "pc-" + num, "nbns", ts);
      ledger.add_fact(a, field::os, k % 3 ? "Windows 11" : "Linux", "tcp_fingerprint", ts);
    }
  }
  const Operation reads{"modbus", "read_holding_registers", 3, false, false, false, 0, 10, true};
  const Operation writes{"modbus", "write_single_register", 6, true, false, false, 5, 1, true};
  const Operation download{"s7comm", "download_block", 0x1a, true, true, false, 0, 0, false};
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::int64_t ts = t0 + static_cast<std::int64_t>(n + i) * 1000;
    const std::uint64_t base = i - i % 1000, k = i % 1000;
    const AssetIndex a = idx[i];
    if (k >= 20 && k < 25) {
      for (std::uint64_t p = 0; p < 4; ++p) {
        const AssetIndex plc = idx[base + (k - 20) * 4 + p];
        const EdgeIndex e = ledger.edge(a, plc, "modbus", "tcp", 502, 0, ts);
        ledger.count_edge(e, 80, ts);
        ledger.add_op(e, reads, ts);
        if (k == 20 && p == 0) ledger.add_op(e, writes, ts);
      }
    } else if (k == 25) {
      for (std::uint64_t p = 0; p < 4; ++p) {
        const EdgeIndex e = ledger.edge(a, idx[base + p * 5], "s7comm", "tcp", 102, 0, ts);
        ledger.count_edge(e, 200, ts);
        ledger.add_op(e, download, ts);
      }
    } else if (k >= 26) {
      // The DNS server: device 999 of its ten thousand, else of its thousand,
      // else the last device of a smaller plant.
      const std::uint64_t dns_at = (i / 10000) * 10000 + 999 < n ? (i / 10000) * 10000 + 999
                                   : base + 999 < n                ? base + 999
                                                                   : n - 1;
      const AssetIndex dns = idx[dns_at];
      if (a != dns) ledger.count_edge(ledger.edge(a, dns, "dns", "udp", 53, 0, ts), 70, ts);
      const AssetIndex next = idx[i + 1 < n ? i + 1 : 0];
      ledger.count_edge(ledger.edge(a, next, "smb", "tcp", 445, 0, ts), 300, ts);
    }
  }
  const auto flush_start = std::chrono::steady_clock::now();
  if (auto st = store->flush(ledger); !st) {
    std::fprintf(stderr, "mieruka_gen_ledger: %s\n", st.error.c_str());
    return 1;
  }
  const double flush_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - flush_start).count();
  std::printf("%s: %zu assets, %zu edges (sensor %s), flushed in %.3f s\n", out.c_str(), ledger.assets().size(),
              ledger.edges().size(), sensor.c_str(), flush_s);
  return 0;
}
