// The same reads against both LedgerSource implementations: the SQLite ledger
// and the central PostgreSQL store its sensors replicated to. Two sensors read
// different captures into one SQLite file (with an acknowledgement, a
// snapshot, counters and runs each) and replicate with the Replicator; every
// test then reads through the source under test and must find exactly what
// Store reads directly from the SQLite file.
//
// The PostgreSQL server is started by the test on loopback (initdb and pg_ctl
// in a temporary directory, as tests/e2e/lib/postgres.sh does). Where the
// server binaries are missing the central cases are skipped with a message;
// under CI=true they fail.
#include "sensor/central/pg_source.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <glob.h>
#include <map>
#include <sstream>
#include <string>
#include <tuple>

#include "inventory/store/ledger_source.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/central/replicator.hpp"
#include "sensor/central/schema.hpp"
#include "sensor/pipeline/pipeline.hpp"
#include "unit/temp_dir.hpp"

namespace mieruka::sensor {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSuperPassword = "super-source-test";
constexpr const char* kConsolePassword = "console-source-test";
const std::vector<std::string> kSensors = {"line1", "line2"};

bool ci() {
  const char* v = std::getenv("CI");
  return v != nullptr && std::string(v) == "true";
}

// The directory holding initdb, pg_ctl and postgres: PATH's, else Debian's.
std::string find_server_bin() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string d; std::getline(ss, d, ':');) dirs.push_back(d);
  }
  glob_t g{};
  if (::glob("/usr/lib/postgresql/*/bin", 0, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) dirs.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  for (const auto& d : dirs)
    if (::access((d + "/initdb").c_str(), X_OK) == 0 && ::access((d + "/pg_ctl").c_str(), X_OK) == 0 &&
        ::access((d + "/postgres").c_str(), X_OK) == 0)
      return d;
  return {};
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// A PostgreSQL for the whole program, with the central schema, a console
// role and one role per sensor; started by the first test that needs it (ctest
// runs each test in its own process: the SQLite ones start none).
class CentralServer : public ::testing::Environment {
 public:
  static CentralServer* instance;
  std::string unavailable;  // why there is no server ("": there is one)
  int port = 0;

  // Starts the server once; false with `unavailable` set.
  bool ensure() {
    if (!tried_) {
      tried_ = true;
      start();
    }
    return unavailable.empty();
  }

  [[nodiscard]] std::string url(const std::string& role) const {
    return "postgresql://" + role + "@127.0.0.1:" + std::to_string(port) + "/mieruka";
  }

  void start() {
    bin_ = find_server_bin();
    if (bin_.empty()) {
      unavailable = "the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed here "
                    "(scripts/setup.sh installs postgresql)";
      return;
    }
    if (tmp_.path().empty()) {
      unavailable = "cannot make a temporary directory";
      return;
    }
    pg_ = tmp_.path() + "/pg";
    fs::create_directories(pg_ + "/sock");
    std::ofstream(pg_ + "/super.pw") << kSuperPassword << "\n";
    // initdb and postgres refuse to run as root: then as nobody, in a
    // directory nobody owns and can reach.
    if (::geteuid() == 0) {
      ::chmod(tmp_.path().c_str(), 0711);
      as_ = "runuser -u nobody -- ";
      if (run("chown -R nobody '" + pg_ + "'") != 0) {
        unavailable = "cannot hand " + pg_ + " to the user nobody";
        return;
      }
    }
    if (run(as_ + "'" + bin_ + "/initdb' -D '" + pg_ + "/data' -U postgres --pwfile='" + pg_ +
            "/super.pw' --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >'" + pg_ +
            "/initdb.log' 2>&1") != 0) {
      unavailable = "initdb failed (" + pg_ + "/initdb.log)";
      return;
    }
    port = free_port();
    if (run(as_ + "'" + bin_ + "/pg_ctl' -D '" + pg_ + "/data' -l '" + pg_ + "/server.log' -w -t 60 -o \"-k " + pg_ +
            "/sock -h 127.0.0.1 -p " + std::to_string(port) + " -F\" start >/dev/null 2>&1") != 0) {
      unavailable = "the test's PostgreSQL did not start (" + pg_ + "/server.log)";
      return;
    }
    started_ = true;
    std::string error;
    auto admin = central::PgConnection::connect(
        {"postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres", kSuperPassword, ""}, error);
    if (!admin || !admin->exec("CREATE DATABASE mieruka", error)) {
      unavailable = "cannot create the database: " + error;
      return;
    }
    auto db = central::PgConnection::connect({url("postgres"), kSuperPassword, ""}, error);
    int applied = 0;
    if (!db || !central::migrate(*db, applied, error)) {
      unavailable = "central init failed: " + error;
      return;
    }
    std::string sql = std::string("CREATE ROLE hq LOGIN PASSWORD '") + kConsolePassword + "' IN ROLE mieruka_console";
    for (const auto& s : kSensors) sql += "; CREATE ROLE " + s + " LOGIN PASSWORD 'pw-" + s + "' IN ROLE mieruka_sensor";
    if (!db->exec(sql, error)) unavailable = "cannot create the roles: " + error;
  }

  void TearDown() override {
    if (started_) (void)run(as_ + "'" + bin_ + "/pg_ctl' -D '" + pg_ + "/data' -m fast -w -t 60 stop >/dev/null 2>&1");
  }

 private:
  static int run(const std::string& command) { return std::system(command.c_str()); }

  test::TempDir tmp_{"mieruka_pg"};
  std::string bin_, pg_, as_;
  bool started_ = false, tried_ = false;
};
CentralServer* CentralServer::instance = nullptr;

const auto* const kRegistered = ::testing::AddGlobalTestEnvironment(CentralServer::instance = new CentralServer);

// Everything Store::load reads of a ledger, one line per record.
std::string describe(const inventory::Ledger& l) {
  std::ostringstream o;
  for (const auto& a : l.assets()) {
    o << "asset " << a.id << " " << (a.mac ? a.mac->to_string() : "-") << " "
      << (a.key_ip ? a.key_ip->to_string() : "-") << " " << a.parent_id << " " << a.route << " " << a.first_us << " "
      << a.last_us << " " << a.packets_sent << " " << a.bytes_sent << " " << a.router << "\n";
    for (const auto& ip : a.ips) o << "  ip " << ip.ip.to_string() << " " << ip.source << " " << ip.first_us << " " << ip.last_us << "\n";
    for (const auto v : a.vlans) o << "  vlan " << v << "\n";
    for (const auto& p : a.protocols) o << "  protocol " << p << "\n";
    for (const auto& f : a.facts)
      o << "  fact " << f.field << "=" << f.value << " " << f.source << " " << f.first_us << " " << f.last_us << " "
        << f.count << "\n";
  }
  for (const auto& e : l.edges()) {
    o << "edge " << e.id << " " << e.from_id << " " << e.to_id << " " << e.protocol << " " << e.transport << " "
      << e.port << " " << e.vlan << " " << e.packets << " " << e.bytes << " " << e.first_us << " " << e.last_us << "\n";
    for (const auto& op : e.ops)
      o << "  op " << op.protocol << " " << op.name << " " << op.code << " " << op.count << " " << op.errors << " "
        << op.is_write << op.is_control << op.has_range << " " << op.range_lo << "-" << op.range_hi << " "
        << op.first_us << " " << op.last_us << "\n";
  }
  return o.str();
}

// The SQLite ledger both sources are compared with, written once.
struct Plant {
  test::TempDir tmp{"mieruka_source"};
  std::string db;
  std::string error;  // why it could not be written
  std::map<std::string, std::string> ledgers;  // sensor -> describe(Store::load)
};

Plant& plant() {
  static Plant* p = [] {
    auto* out = new Plant;
    out->db = out->tmp.path() + "/plant.db";
    const std::map<std::string, std::string> captures = {{"line1", "factory_sample.pcapng"},
                                                         {"line2", "melsec_omron.pcapng"}};
    std::int64_t t = 1'780'000'000'000'000;
    for (const auto& [sensor, capture] : captures) {
      auto store = inventory::Store::open(out->db, sensor, out->error);
      if (!store) return out;
      // The change log first: everything written after it is noted too.
      if (auto st = store->start_change_log(t); !st) {
        out->error = st.error;
        return out;
      }
      auto src = FileSource::open({std::string(MIERUKA_SOURCE_DIR) + "/pcaps/" + capture}, out->error);
      if (!src) return out;
      inventory::Ledger ledger(sensor);
      Pipeline pipeline(ledger);
      RawPacket pkt;
      while (src->next(pkt)) pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
      pipeline.finish();
      pipeline.compact_ledger();
      if (auto st = store->flush(ledger); !st) {
        out->error = st.error;
        return out;
      }
      (void)store->add_counters({{"packets", pipeline.stats().packets}, {"anomaly." + sensor, 3}});
      (void)store->record_run({t, t + 5'000'000, "read " + capture, pipeline.stats().packets, 7});
      (void)store->record_run({t + 9'000'000, t + 19'000'000, "capture -i eth1", 12, 0});
      if (auto st = inventory::save_snapshot(*store, inventory::make_snapshot(ledger, "base-" + sensor, t + 1)); !st) {
        out->error = st.error;
        return out;
      }
      auto q = store->statement(
          "INSERT INTO findings_state (sensor, finding_id, material_hash, comment, who, when_us) "
          "VALUES (?1, ?2, 'h1', 'spare PLC, kept', 'yamada', ?3), (?1, 'f-zz', 'h2', '保守用', 'suzuki', ?3)");
      q.bind(1, sensor);
      q.bind(2, "f-" + sensor);
      q.bind(3, t);
      if (q.run() != 0) {
        out->error = "cannot write an acknowledgement: " + q.message();
        return out;
      }
      // An advisory (two revisions: only the newer is kept) and a remediation state.
      std::vector<inventory::AdvisoryImport> outcomes;
      const std::vector<inventory::StoredAdvisory> advisories = {
          {"ICSA-26-001-01", "csaf", "2", "2026-01-02T00:00:00Z", "Vendor PLC of " + sensor, "{\"n\": 2}", 0, 0},
          {"JVNDB-2026-000001", "jvn", "1", "2026-01-03T00:00:00Z", "国内PLCの脆弱性", "{}", 0, 0}};
      if (auto st = store->import_advisories(advisories, outcomes, t + 2); !st) {
        out->error = st.error;
        return out;
      }
      if (auto st = store->set_remediation({{"a-" + sensor, "ICSA-26-001-01", "CVE-2026-0001", "compensated",
                                             "セル境界のFWで遮断", "sato", t + 3}});
          !st) {
        out->error = st.error;
        return out;
      }
      // Scheduled snapshots taken (the review evidence), and outbox messages:
      // the outbox is the database's, so each replicating sensor's reports
      // count every diff and alert in it (a test message counts for none).
      for (std::int64_t k = 0; k < 3; ++k)
        if (auto st = store->record_review({t + k * 3'600'000'000LL, "sched-" + std::to_string(k), ""}); !st) {
          out->error = st.error;
          return out;
        }
      auto m = store->statement(
          "INSERT INTO outbox (id, channel, kind, created_us, subject, payload, next_attempt_us, sent_us) VALUES "
          "('d-' || ?1, 'it', 'diff', ?2, 'diff', x'00', ?2, ?2 + 5), "
          "('a-' || ?1, 'it', 'alert', ?2 + 10, 'alert', x'00', ?2, NULL), "
          "('t-' || ?1, 'it', 'test', ?2 + 20, 'test', x'00', ?2, ?2 + 25)");
      m.bind(1, sensor);
      m.bind(2, t + 4);
      if (m.run() != 0) {
        out->error = "cannot write the outbox: " + m.message();
        return out;
      }
      t += 60'000'000;
    }
    // A diff delivered after both sensors replicate: noted for both.
    {
      auto store = inventory::Store::open(out->db, "line1", out->error);
      if (!store) return out;
      auto m = store->statement("UPDATE outbox SET sent_us = created_us + 7 WHERE id = 'a-line1'");
      if (m.run() != 0) {
        out->error = "cannot write the outbox: " + m.message();
        return out;
      }
    }
    for (const auto& sensor : kSensors) {
      auto store = inventory::Store::open_reader(out->db, sensor, out->error);
      if (!store) return out;
      inventory::Ledger l(sensor);
      if (auto st = store->load(l); !st) {
        out->error = st.error;
        return out;
      }
      out->ledgers[sensor] = describe(l);
    }
    return out;
  }();
  return *p;
}

// What each sensor's config says of its reviews, sent with its row.
inventory::ApplianceConfig appliance_sent(const std::string& sensor) {
  if (sensor == "line1") return {"Asia/Tokyo", "daily 07:30", "Asia/Tokyo", 2};
  return {"Europe/Berlin", "", "", 0};
}

// Each sensor sends its change log to the central store as its own role, once.
std::string replicate() {
  static const std::string result = [] {
    for (const auto& sensor : kSensors) {
      CentralConfig c;
      c.enabled = true;
      c.url = CentralServer::instance->url(sensor);
      c.password = "pw-" + sensor;
      c.site = "plant-east";
      c.appliance = appliance_sent(sensor);
      central::Replicator r(plant().db, sensor, c);
      std::string error;
      std::uint64_t sent = 0, left = 0;
      if (!r.drain(error, sent, left)) return error;
      if (sent == 0) return sensor + ": nothing replicated";
    }
    return std::string();
  }();
  return result;
}

class LedgerSourceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(plant().error.empty()) << plant().error;
    std::string error;
    if (GetParam() == "sqlite") {
      source_ = inventory::sqlite_source(plant().db, error);
    } else {
      if (!CentralServer::instance->ensure()) {
        const auto& why = CentralServer::instance->unavailable;
        if (ci()) FAIL() << "CI must run the central store's tests: " << why;
        GTEST_SKIP() << why;
      }
      const std::string replicated = replicate();
      ASSERT_TRUE(replicated.empty()) << replicated;
      source_ = central::central_source({CentralServer::instance->url("hq"), kConsolePassword, ""}, error);
    }
    ASSERT_TRUE(source_) << error;
  }

  // What Store itself reads from the SQLite file, the expectation of both.
  static inventory::Store reference(const std::string& sensor) {
    std::string error;
    auto s = inventory::Store::open_reader(plant().db, sensor, error);
    EXPECT_TRUE(s) << error;
    return std::move(*s);
  }

  std::unique_ptr<inventory::LedgerSource> source_;
};

TEST_P(LedgerSourceTest, ListsTheSensors) {
  std::vector<std::string> names;
  ASSERT_TRUE(source_->sensors(names).ok());
  EXPECT_EQ(names, kSensors);
  EXPECT_EQ(source_->central(), GetParam() == "central");
}

TEST_P(LedgerSourceTest, SitesAreThoseTheSensorsNamed) {
  std::map<std::string, std::string> sites;
  ASSERT_TRUE(source_->sites(sites).ok());
  // The SQLite ledger does not know its sensors' [central] sites.
  if (GetParam() == "sqlite") EXPECT_TRUE(sites.empty());
  else EXPECT_EQ(sites, (std::map<std::string, std::string>{{"line1", "plant-east"}, {"line2", "plant-east"}}));
}

TEST_P(LedgerSourceTest, LoadsEachSensorsLedgerAsStoreDoes) {
  for (const auto& sensor : kSensors) {
    inventory::Ledger l(sensor);
    ASSERT_TRUE(source_->load(sensor, l).ok());
    const std::string& want = plant().ledgers.at(sensor);
    EXPECT_GT(l.assets().size(), 3U) << sensor;
    EXPECT_GT(l.edges().size(), 1U) << sensor;
    EXPECT_NE(want.find("  fact "), std::string::npos) << sensor;
    EXPECT_NE(want.find("  op "), std::string::npos) << sensor;
    EXPECT_EQ(describe(l), want) << sensor;
  }
  // The two captures are different plants: a ledger read for the wrong sensor would show.
  EXPECT_NE(plant().ledgers.at("line1"), plant().ledgers.at("line2"));
}

// The parts a fleet too large to hold is read by (FleetIndex): the keys are
// the whole load's assets with their addresses, VLANs and the facts of the
// fields asked for; the assets read by id are the whole load's, with every
// edge at them. Built from the whole load here, compared with each source's.
TEST_P(LedgerSourceTest, ReadsTheKeysAndSomeAssetsAsPartsOfTheWholeLoad) {
  const std::vector<std::string> fields = {"vendor", "name", "nosuchfield"};
  for (const auto& sensor : kSensors) {
    inventory::Ledger whole(sensor);
    ASSERT_TRUE(source_->load(sensor, whole).ok());
    ASSERT_GT(whole.assets().size(), 3U);
    inventory::Ledger keys_want(sensor);
    for (inventory::Asset a : whole.assets()) {
      std::erase_if(a.facts, [&](const inventory::FactRecord& f) { return f.field != "vendor" && f.field != "name"; });
      a.protocols.clear();
      keys_want.load_asset(std::move(a));
    }
    inventory::Ledger keys(sensor);
    ASSERT_TRUE(source_->load_keys(sensor, fields, keys).ok());
    EXPECT_EQ(describe(keys), describe(keys_want)) << sensor;
    EXPECT_NE(describe(keys).find("=" ), std::string::npos) << sensor << ": no fact kept";

    // Every other asset, and the edges with one of them at an end.
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < whole.assets().size(); i += 2) ids.push_back(whole.assets()[i].id);
    ids.push_back("no-such-asset");
    std::sort(ids.begin(), ids.end());
    inventory::Ledger some_want(sensor);
    for (const auto& a : whole.assets())
      if (std::binary_search(ids.begin(), ids.end(), a.id)) some_want.load_asset(a);
    std::vector<inventory::Edge> edges;
    for (const auto& e : whole.edges())
      if (std::binary_search(ids.begin(), ids.end(), e.from_id) || std::binary_search(ids.begin(), ids.end(), e.to_id))
        edges.push_back(e);
    const bool some_edges = !edges.empty();
    some_want.load_edges(edges);
    inventory::Ledger some(sensor);
    ASSERT_TRUE(source_->load_assets(sensor, ids, some).ok());
    EXPECT_EQ(describe(some), describe(some_want)) << sensor;
    EXPECT_TRUE(some_edges) << sensor << ": the part holds no edge to compare";
    EXPECT_LT(some.assets().size(), whole.assets().size());
    inventory::Ledger none(sensor);
    ASSERT_TRUE(source_->load_assets(sensor, {}, none).ok());
    EXPECT_TRUE(none.assets().empty());
  }
}

TEST_P(LedgerSourceTest, AnUnknownSensorHasAnEmptyLedger) {
  inventory::Ledger l("nobody");
  ASSERT_TRUE(source_->load("nobody", l).ok());
  EXPECT_TRUE(l.assets().empty());
  EXPECT_TRUE(l.edges().empty());
}

TEST_P(LedgerSourceTest, FindingStatesAreThoseStored) {
  for (const auto& sensor : kSensors) {
    std::vector<inventory::Ack> acks;
    ASSERT_TRUE(source_->finding_states(sensor, acks).ok());
    ASSERT_EQ(acks.size(), 2U) << sensor;
    EXPECT_EQ(acks[0].id, "f-" + sensor);
    EXPECT_EQ(acks[0].material_hash, "h1");
    EXPECT_EQ(acks[0].comment, "spare PLC, kept");
    EXPECT_EQ(acks[0].who, "yamada");
    EXPECT_EQ(acks[1].id, "f-zz");
    EXPECT_EQ(acks[1].comment, "保守用");
    EXPECT_EQ(acks[1].who, "suzuki");
    EXPECT_EQ(acks[0].when_us, acks[1].when_us);
    EXPECT_GT(acks[0].when_us, 0);
  }
}

TEST_P(LedgerSourceTest, AdvisoriesAndRemediationStatesAreThoseStored) {
  for (const auto& sensor : kSensors) {
    inventory::Store ref = reference(sensor);
    std::vector<inventory::StoredAdvisory> got, want;
    ASSERT_TRUE(source_->advisories(sensor, got).ok());
    ASSERT_TRUE(ref.advisories(want).ok());
    ASSERT_EQ(got.size(), 2U) << sensor;
    ASSERT_EQ(got.size(), want.size()) << sensor;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(std::tie(got[i].id, got[i].source, got[i].revision, got[i].current_release, got[i].title, got[i].doc,
                         got[i].imported_us, got[i].updated_us),
                std::tie(want[i].id, want[i].source, want[i].revision, want[i].current_release, want[i].title,
                         want[i].doc, want[i].imported_us, want[i].updated_us))
          << sensor << " " << i;
    }
    EXPECT_EQ(got[0].title, "Vendor PLC of " + sensor);
    std::vector<inventory::RemediationState> states, want_states;
    ASSERT_TRUE(source_->remediation_states(sensor, states).ok());
    ASSERT_TRUE(ref.remediation_states(want_states).ok());
    ASSERT_EQ(states.size(), 1U) << sensor;
    ASSERT_EQ(want_states.size(), 1U) << sensor;
    EXPECT_EQ(std::tie(states[0].asset_id, states[0].advisory_id, states[0].cve, states[0].state, states[0].comment,
                       states[0].who, states[0].when_us),
              std::tie(want_states[0].asset_id, want_states[0].advisory_id, want_states[0].cve,
                       want_states[0].state, want_states[0].comment, want_states[0].who, want_states[0].when_us));
    std::string version, want_version;
    ASSERT_TRUE(source_->advisories_version(sensor, version).ok());
    ASSERT_TRUE(ref.advisories_version(want_version).ok());
    EXPECT_EQ(version, want_version) << sensor;
  }
}

// The version a reader polls (the console's rebuild) holds while nothing is
// written: reading it, or reading the ledger, does not move it.
TEST_P(LedgerSourceTest, VersionHoldsWhileNothingIsWritten) {
  std::string first, again;
  ASSERT_TRUE(source_->version(first).ok());
  EXPECT_FALSE(first.empty());
  inventory::Ledger l(kSensors.front());
  ASSERT_TRUE(source_->load(kSensors.front(), l).ok());
  ASSERT_TRUE(source_->version(again).ok());
  EXPECT_EQ(again, first);
}

// Every sensor has a version of its own (the fleet console reloads only the
// sensors whose version moved), which reading does not move.
TEST_P(LedgerSourceTest, SensorVersionsNameEverySensorAndHold) {
  std::map<std::string, std::string> first, again;
  ASSERT_TRUE(source_->sensor_versions(first).ok());
  std::vector<std::string> names;
  ASSERT_TRUE(source_->sensors(names).ok());
  ASSERT_EQ(first.size(), names.size());
  for (const auto& name : names) EXPECT_FALSE(first[name].empty()) << name;
  inventory::Ledger l(kSensors.front());
  ASSERT_TRUE(source_->load(kSensors.front(), l).ok());
  ASSERT_TRUE(source_->sensor_versions(again).ok());
  EXPECT_EQ(again, first);
}

// Each sensor's asset count is the number of assets its ledger loads (the
// fleet console sizes a fleet by it before reading it).
TEST_P(LedgerSourceTest, AssetCountsAreTheAssetsEachSensorHolds) {
  std::map<std::string, std::uint64_t> counts;
  ASSERT_TRUE(source_->asset_counts(counts).ok());
  std::vector<std::string> names;
  ASSERT_TRUE(source_->sensors(names).ok());
  std::uint64_t total = 0;
  for (const auto& name : names) {
    inventory::Ledger l(name);
    ASSERT_TRUE(source_->load(name, l).ok());
    ASSERT_FALSE(l.assets().empty()) << name;
    EXPECT_EQ(counts[name], l.assets().size()) << name;
    total += l.assets().size();
  }
  std::uint64_t counted = 0;
  for (const auto& [name, n] : counts) counted += n;
  EXPECT_EQ(counted, total);
}

// In the central store a batch moves its own sensor's version, and no other's.
TEST(CentralLedgerSource, ABatchMovesOnlyItsSensorsVersion) {
  ASSERT_TRUE(plant().error.empty()) << plant().error;
  if (!CentralServer::instance->ensure()) {
    if (ci()) FAIL() << "CI must run the central store's tests: " << CentralServer::instance->unavailable;
    GTEST_SKIP() << CentralServer::instance->unavailable;
  }
  const std::string replicated = replicate();
  ASSERT_TRUE(replicated.empty()) << replicated;
  std::string error;
  auto source = central::central_source({CentralServer::instance->url("hq"), kConsolePassword, ""}, error);
  ASSERT_TRUE(source) << error;
  std::map<std::string, std::string> before, after;
  ASSERT_TRUE(source->sensor_versions(before).ok());
  // line1 counts one more anomaly and sends it (the counter replicates, the
  // ledgers compared above do not change).
  {
    auto store = inventory::Store::open(plant().db, "line1", error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->add_counters({{"anomaly.version_test", 1}}).ok());
  }
  CentralConfig c;
  c.enabled = true;
  c.url = CentralServer::instance->url("line1");
  c.password = "pw-line1";
  c.site = "plant-east";
  c.appliance = appliance_sent("line1");  // as replicate() sent it: the other tests read it back
  central::Replicator r(plant().db, "line1", c);
  std::uint64_t sent = 0, left = 0;
  ASSERT_TRUE(r.drain(error, sent, left)) << error;
  ASSERT_GT(sent, 0u);
  ASSERT_TRUE(source->sensor_versions(after).ok());
  EXPECT_NE(after.at("line1"), before.at("line1"));
  EXPECT_EQ(after.at("line2"), before.at("line2"));
}

// The SQLite ledger's version moves when another connection commits (a
// capture writing while the console reads).
TEST(SqliteLedgerSource, VersionMovesWhenAnotherConnectionCommits) {
  test::TempDir tmp{"mieruka_version"};
  const std::string db = tmp.path() + "/v.db";
  std::string error;
  auto writer = inventory::Store::open(db, "line1", error);
  ASSERT_TRUE(writer) << error;
  auto source = inventory::sqlite_source(db, error);
  ASSERT_TRUE(source) << error;
  std::string before, after;
  ASSERT_TRUE(source->version(before).ok());
  ASSERT_TRUE(writer->add_counters({{"capture.eth0.dropped", 3}}).ok());
  ASSERT_TRUE(source->version(after).ok());
  EXPECT_NE(after, before);
}

TEST_P(LedgerSourceTest, SnapshotsCountersAndRunsAreThoseStored) {
  for (const auto& sensor : kSensors) {
    auto ref = reference(sensor);
    std::string error;
    const auto want_snaps = inventory::list_snapshots(ref, error);
    ASSERT_TRUE(error.empty()) << error;
    std::vector<inventory::SnapshotInfo> snaps;
    ASSERT_TRUE(source_->snapshots(sensor, snaps).ok());
    ASSERT_EQ(snaps.size(), 1U) << sensor;
    ASSERT_EQ(want_snaps.size(), 1U) << sensor;
    EXPECT_EQ(snaps[0].name, "base-" + sensor);
    EXPECT_EQ(snaps[0].sensor, sensor);
    EXPECT_EQ(snaps[0].taken_us, want_snaps[0].taken_us);
    EXPECT_EQ(snaps[0].observed_until_us, want_snaps[0].observed_until_us);
    EXPECT_EQ(snaps[0].assets, want_snaps[0].assets);
    EXPECT_EQ(snaps[0].links, want_snaps[0].links);
    EXPECT_GT(snaps[0].assets, 0U);

    std::map<std::string, std::uint64_t> counters;
    ASSERT_TRUE(source_->counters(sensor, counters).ok());
    EXPECT_EQ(counters, ref.counters()) << sensor;
    EXPECT_EQ(counters.at("anomaly." + sensor), 3U);

    std::vector<inventory::RunRecord> runs;
    ASSERT_TRUE(source_->runs(sensor, runs).ok());
    ASSERT_EQ(runs.size(), 2U) << sensor;
    EXPECT_EQ(runs[0].command.rfind("read ", 0), 0U);
    EXPECT_EQ(runs[0].drops, 7U);
    EXPECT_EQ(runs[0].ended_us - runs[0].started_us, 5'000'000);
    EXPECT_EQ(runs[1].command, "capture -i eth1");
    EXPECT_EQ(runs[1].packets, 12U);
  }
}

TEST_P(LedgerSourceTest, OneSnapshotIsTheOneStored) {
  for (const auto& sensor : kSensors) {
    auto ref = reference(sensor);
    std::string error;
    const auto want = inventory::load_snapshot(ref, "base-" + sensor, error);
    ASSERT_TRUE(want) << error;
    inventory::Snapshot got;
    ASSERT_TRUE(source_->snapshot(sensor, "base-" + sensor, got).ok());
    EXPECT_EQ(got.info.name, want->info.name);
    EXPECT_EQ(got.info.sensor, sensor);
    EXPECT_EQ(got.info.taken_us, want->info.taken_us);
    ASSERT_EQ(got.assets.size(), want->assets.size());
    ASSERT_GT(got.assets.size(), 3U);
    for (std::size_t i = 0; i < got.assets.size(); ++i) {
      EXPECT_EQ(got.assets[i].id, want->assets[i].id);
      EXPECT_EQ(got.assets[i].last_us, want->assets[i].last_us);
      EXPECT_EQ(got.assets[i].ip_last_us, want->assets[i].ip_last_us);
      EXPECT_EQ(got.assets[i].json.dump(), want->assets[i].json.dump());
    }
    ASSERT_EQ(got.links.size(), want->links.size());
    ASSERT_GT(got.links.size(), 0U);
    for (std::size_t i = 0; i < got.links.size(); ++i) {
      EXPECT_EQ(got.links[i].id, want->links[i].id);
      EXPECT_EQ(got.links[i].json.dump(), want->links[i].json.dump());
    }
    // The same diff (against itself: nothing new, nothing gone) from either.
    EXPECT_EQ(inventory::diff_json(inventory::diff_snapshots(got, *want)).dump(),
              inventory::diff_json(inventory::diff_snapshots(*want, *want)).dump());
  }
  inventory::Snapshot none;
  const auto st = source_->snapshot("line1", "base-line2", none);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error.find("base-line2"), std::string::npos) << st.error;
}

std::string describe(const inventory::ReviewFacts& f) {
  std::ostringstream o;
  o << f.from_us << " " << f.to_us << " scheduled=" << f.scheduled << " first=" << f.first_scheduled_us
    << " monitored=" << f.monitored_us << " packets=" << f.packets << " drops=" << f.drops
    << " diffs=" << f.diffs_delivered << "/" << f.diffs_queued << " alerts=" << f.alerts_delivered << "/"
    << f.alerts_queued;
  return o.str();
}

TEST_P(LedgerSourceTest, ReviewFactsAreThoseStored) {
  const std::int64_t t0 = 1'780'000'000'000'000;
  struct Period {
    std::int64_t from, to, grace;
  };
  // Everything; the first sensor's first hour; a period the grace cuts short.
  const std::vector<Period> periods = {{t0 - 1'000'000, t0 + 86'400'000'000LL, 0},
                                       {t0, t0 + 3'600'000'000LL, 0},
                                       {t0, t0 + 60'000'000 + 9'000'000, 60'000'000}};
  for (const auto& sensor : kSensors) {
    auto ref = reference(sensor);
    for (const auto& p : periods) {
      std::string error;
      const auto want = ref.review_facts(p.from, p.to, p.grace, error);
      ASSERT_TRUE(want) << error;
      inventory::ReviewFacts got;
      const auto st = source_->review_facts(sensor, p.from, p.to, p.grace, got);
      ASSERT_TRUE(st.ok()) << st.error;
      EXPECT_EQ(describe(got), describe(*want)) << sensor;
    }
    inventory::ReviewFacts all;
    ASSERT_TRUE(source_->review_facts(sensor, periods[0].from, periods[0].to, 0, all).ok());
    EXPECT_EQ(all.scheduled, 3U) << sensor;
    EXPECT_EQ(all.first_scheduled_us, sensor == "line1" ? t0 : t0 + 60'000'000) << sensor;
    EXPECT_EQ(all.monitored_us, 10'000'000) << sensor;  // the capture, not the read
    // Both sensors' diffs and alerts (the database's outbox), never the test.
    EXPECT_EQ(all.diffs_queued, 2U) << sensor;
    EXPECT_EQ(all.diffs_delivered, 2U) << sensor;
    EXPECT_EQ(all.alerts_queued, 2U) << sensor;
    EXPECT_EQ(all.alerts_delivered, 1U) << sensor;
  }
}

TEST_P(LedgerSourceTest, CaptureDropsAreThoseStored) {
  const std::int64_t t0 = 1'780'000'000'000'000;
  for (const auto& sensor : kSensors) {
    auto ref = reference(sensor);
    for (const auto& [from, to] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {0, t0 + 86'400'000'000LL}, {t0 + 60'000'000, t0 + 86'400'000'000LL}, {t0 + 5'000'000, t0 + 6'000'000}}) {
      std::uint64_t got = 99;
      ASSERT_TRUE(source_->capture_drops(sensor, from, to, got).ok());
      EXPECT_EQ(got, inventory::capture_drops_between(ref, from, to)) << sensor << " " << from << " " << to;
    }
    std::uint64_t all = 0;
    ASSERT_TRUE(source_->capture_drops(sensor, 0, t0 + 86'400'000'000LL, all).ok());
    EXPECT_EQ(all, 7U) << sensor;
  }
}

TEST_P(LedgerSourceTest, TheApplianceConfigIsWhatTheSensorSent) {
  for (const auto& sensor : kSensors) {
    std::optional<inventory::ApplianceConfig> got;
    ASSERT_TRUE(source_->appliance(sensor, got).ok());
    if (GetParam() == "sqlite") {
      EXPECT_FALSE(got) << "the SQLite ledger holds no config: the reader's own is the appliance's";
    } else {
      ASSERT_TRUE(got) << sensor;
      EXPECT_EQ(*got, appliance_sent(sensor)) << sensor;
    }
  }
  std::optional<inventory::ApplianceConfig> none;
  ASSERT_TRUE(source_->appliance("no-such-sensor", none).ok());
  EXPECT_FALSE(none);
}

INSTANTIATE_TEST_SUITE_P(BothStores, LedgerSourceTest, ::testing::Values("sqlite", "central"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mieruka::sensor
