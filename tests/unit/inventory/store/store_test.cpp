// Store: round trip, upsert idempotence, schema versioning, refusal of foreign
// files, disk full (PRAGMA max_page_count -> SQLITE_FULL) with nothing lost,
// and a reader reading while a writer holds a transaction (WAL).
#include "inventory/store/store.hpp"

#include "inventory/store/ledger_source.hpp"
#include "inventory/store/outbox.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/sqlite_statement.hpp"

#include "unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace mieruka::inventory {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty()) << "cannot make a temporary directory";
    dir_ = tmp_.path();
    db_ = (fs::path(dir_) / "test.db").string();
  }

  Store open_ok(const std::string& sensor = "line1") {
    std::string error;
    auto s = Store::open(db_, sensor, error);
    EXPECT_TRUE(s.has_value()) << error;
    EXPECT_TRUE(error.empty()) << error;
    return std::move(*s);
  }

  test::TempDir tmp_{"mieruka_store"};  // removed, with what the test wrote, when the test ends
  std::string dir_, db_;
};

Asset make_asset(std::uint8_t last, std::int64_t t0) {
  Asset a;
  const MacAddr mac{{0x00, 0x00, 0xbc, 0x12, 0x34, last}};
  a.id = Ledger::id_for_mac(mac);
  a.mac = mac;
  a.ips.push_back(IpRecord{*IpAddr::parse("10.10.1." + std::to_string(last)), t0, t0 + 5, "arp"});
  a.vlans = {101, 102};
  a.protocols = {"arp", "cip", "enip"};
  a.facts.push_back(FactRecord{"vendor", "Rockwell Automation", "enip_list_identity", t0, t0 + 9, 3});
  a.facts.push_back(FactRecord{"vendor", "Allen-Bradley", "oui", t0, t0, 1});
  a.facts.push_back(FactRecord{"name", "\xE6\xA9\x9F\xE5\x99\xA8-1", "lldp", t0 + 1, t0 + 2, 2});  // 機器-1
  a.first_us = t0;
  a.last_us = t0 + 10;
  a.packets_sent = 1234;
  a.bytes_sent = 0x1'0000'0000ULL + 7;  // above 32 bits
  a.router = last == 1;
  a.dirty = true;
  return a;
}

Edge make_edge(const Asset& from, const Asset& to, std::int64_t t0) {
  Edge e;
  e.id = Ledger::id_for_edge(from.id, to.id, "modbus", 502, 0);
  e.from_id = from.id;
  e.to_id = to.id;
  e.protocol = "modbus";
  e.transport = "tcp";
  e.port = 502;
  e.packets = 40;
  e.bytes = 4000;
  e.first_us = t0;
  e.last_us = t0 + 3;
  EdgeOp op;
  op.protocol = "modbus";
  op.name = "write_single_register";
  op.code = 6;
  op.count = 4;
  op.errors = 1;
  op.is_write = true;
  op.has_range = true;
  op.range_lo = 100;
  op.range_hi = 0xFFFFFFFFU;  // full 32-bit range survives BIGINT
  op.first_us = t0;
  op.last_us = t0 + 3;
  e.ops.push_back(op);
  e.dirty = true;
  return e;
}

// A ledger with two assets and one edge, all dirty.
Ledger make_ledger(const std::string& sensor = "line1") {
  Ledger l(sensor);
  const std::int64_t t0 = 1'790'000'000'000'000;
  Asset plc = make_asset(1, t0);
  Asset hmi = make_asset(2, t0);
  Asset module;
  module.id = Ledger::id_for_child(plc.id, "1/3");
  module.parent_id = plc.id;
  module.route = "1/3";
  module.first_us = t0;
  module.last_us = t0;
  module.facts.push_back(FactRecord{"product", "1756-IB16", "cip_backplane", t0, t0, 1});
  Asset routed;
  routed.key_ip = *IpAddr::parse("192.0.2.7");
  routed.id = Ledger::id_for_ip(*routed.key_ip);
  Edge e = make_edge(hmi, plc, t0);
  l.load_asset(plc);
  l.load_asset(hmi);
  l.load_asset(module);
  l.load_asset(routed);
  l.load_edge(e);
  for (auto& a : l.assets_mut()) a.dirty = true;
  for (auto& x : l.edges_mut()) x.dirty = true;
  return l;
}

int count_rows(sqlite3* db, const char* table) {
  Statement s(db, std::string("SELECT COUNT(*) FROM ") + table);
  return s.next() ? s.integer(0) : -1;
}

void expect_same(const Ledger& want, const Ledger& got) {
  ASSERT_EQ(want.assets().size(), got.assets().size());
  for (const Asset& w : want.assets()) {
    const AssetIndex i = got.index_of(w.id);
    ASSERT_NE(i, kNoAsset) << w.id;
    const Asset& g = got.assets()[i];
    EXPECT_EQ(w.mac, g.mac);
    EXPECT_EQ(w.key_ip, g.key_ip);
    EXPECT_EQ(w.parent_id, g.parent_id);
    EXPECT_EQ(w.route, g.route);
    EXPECT_EQ(w.first_us, g.first_us);
    EXPECT_EQ(w.last_us, g.last_us);
    EXPECT_EQ(w.packets_sent, g.packets_sent);
    EXPECT_EQ(w.bytes_sent, g.bytes_sent);
    EXPECT_EQ(w.router, g.router);
    EXPECT_EQ(w.vlans, g.vlans);
    EXPECT_EQ(w.protocols, g.protocols);
    ASSERT_EQ(w.ips.size(), g.ips.size());
    for (std::size_t k = 0; k < w.ips.size(); ++k) {
      EXPECT_EQ(w.ips[k].ip, g.ips[k].ip);
      EXPECT_EQ(w.ips[k].source, g.ips[k].source);
      EXPECT_EQ(w.ips[k].first_us, g.ips[k].first_us);
      EXPECT_EQ(w.ips[k].last_us, g.ips[k].last_us);
    }
    ASSERT_EQ(w.facts.size(), g.facts.size());
    for (const FactRecord& f : w.facts) {
      bool found = false;
      for (const FactRecord& h : g.facts) {
        if (h.field == f.field && h.value == f.value && h.source == f.source) {
          found = true;
          EXPECT_EQ(f.first_us, h.first_us);
          EXPECT_EQ(f.last_us, h.last_us);
          EXPECT_EQ(f.count, h.count);
        }
      }
      EXPECT_TRUE(found) << f.field << "=" << f.value;
    }
    EXPECT_FALSE(g.dirty);
  }
  ASSERT_EQ(want.edges().size(), got.edges().size());
  for (const Edge& w : want.edges()) {
    const Edge* g = nullptr;
    for (const Edge& x : got.edges()) {
      if (x.id == w.id) g = &x;
    }
    ASSERT_NE(g, nullptr) << w.id;
    EXPECT_EQ(w.from_id, g->from_id);
    EXPECT_EQ(w.to_id, g->to_id);
    EXPECT_EQ(w.protocol, g->protocol);
    EXPECT_EQ(w.transport, g->transport);
    EXPECT_EQ(w.port, g->port);
    EXPECT_EQ(w.vlan, g->vlan);
    EXPECT_EQ(w.packets, g->packets);
    EXPECT_EQ(w.bytes, g->bytes);
    EXPECT_EQ(w.first_us, g->first_us);
    EXPECT_EQ(w.last_us, g->last_us);
    ASSERT_EQ(w.ops.size(), g->ops.size());
    for (std::size_t k = 0; k < w.ops.size(); ++k) {
      EXPECT_EQ(w.ops[k].protocol, g->ops[k].protocol);
      EXPECT_EQ(w.ops[k].name, g->ops[k].name);
      EXPECT_EQ(w.ops[k].code, g->ops[k].code);
      EXPECT_EQ(w.ops[k].count, g->ops[k].count);
      EXPECT_EQ(w.ops[k].errors, g->ops[k].errors);
      EXPECT_EQ(w.ops[k].is_write, g->ops[k].is_write);
      EXPECT_EQ(w.ops[k].is_control, g->ops[k].is_control);
      EXPECT_EQ(w.ops[k].has_range, g->ops[k].has_range);
      EXPECT_EQ(w.ops[k].range_lo, g->ops[k].range_lo);
      EXPECT_EQ(w.ops[k].range_hi, g->ops[k].range_hi);
      EXPECT_EQ(w.ops[k].first_us, g->ops[k].first_us);
      EXPECT_EQ(w.ops[k].last_us, g->ops[k].last_us);
    }
  }
}

TEST_F(StoreTest, CreatesWalDatabaseAtCurrentSchemaVersion) {
  Store s = open_ok();
  sqlite3* db = s.native_handle();
  Statement journal(db, "PRAGMA journal_mode");
  ASSERT_EQ(journal.step(), SQLITE_ROW) << journal.error();
  EXPECT_EQ(journal.text(0), "wal");
  Statement version(db, "PRAGMA user_version");
  ASSERT_EQ(version.step(), SQLITE_ROW) << version.error();
  EXPECT_EQ(version.integer(0), Store::schema_version());
  Statement keys(db, "PRAGMA foreign_keys");
  ASSERT_EQ(keys.step(), SQLITE_ROW) << keys.error();
  EXPECT_EQ(keys.integer(0), 1);
  EXPECT_GE(Store::schema_version(), 1);
  EXPECT_EQ(count_rows(db, "assets"), 0);
}

TEST_F(StoreTest, RoundTripFlushReopenLoad) {
  Ledger want = make_ledger();
  {
    Store s = open_ok();
    const StoreStatus st = s.flush(want);
    ASSERT_TRUE(st.ok()) << st.error;
  }
  for (const Asset& a : want.assets()) EXPECT_FALSE(a.dirty);
  for (const Edge& e : want.edges()) EXPECT_FALSE(e.dirty);

  Store s = open_ok();  // reopening runs no migration twice
  Ledger got("line1");
  const StoreStatus st = s.load(got);
  ASSERT_TRUE(st.ok()) << st.error;
  expect_same(want, got);
}

// The approved list is a read-time overlay: a ledger that carries its facts
// writes only the wire's, so a row taken off the list leaves nothing stored.
TEST_F(StoreTest, ApprovedListFactsAreNeverStored) {
  Ledger want = make_ledger();
  Asset& a = want.assets_mut()[0];
  const std::size_t wire = a.facts.size();
  a.facts.push_back(FactRecord{"name", "PLC by list", std::string(kApprovedSource), 0, 0, 0});
  a.facts.push_back(FactRecord{"location", "Hall 1", std::string(kApprovedSource), 0, 0, 0});
  a.dirty = true;
  Store s = open_ok();
  ASSERT_TRUE(s.flush(want).ok());
  Ledger got("line1");
  ASSERT_TRUE(s.load(got).ok());
  const Asset& back = got.assets()[got.index_of(a.id)];
  EXPECT_EQ(back.facts.size(), wire);
  for (const FactRecord& f : back.facts) EXPECT_NE(f.source, kApprovedSource);
}

TEST_F(StoreTest, FlushTwiceDuplicatesNothing) {
  Ledger l = make_ledger();
  Store s = open_ok();
  ASSERT_TRUE(s.flush(l).ok());
  sqlite3* db = s.native_handle();
  const char* tables[] = {"assets", "asset_ips", "asset_vlans", "asset_protocols", "facts", "edges", "edge_ops"};
  std::vector<int> before;
  for (const char* t : tables) before.push_back(count_rows(db, t));
  EXPECT_EQ(before[0], 4);
  EXPECT_EQ(before[4], 2 * 3 + 1);
  EXPECT_EQ(before[5], 1);
  EXPECT_EQ(before[6], 1);

  // The same capture read again: same records, all dirty again.
  for (auto& a : l.assets_mut()) a.dirty = true;
  for (auto& e : l.edges_mut()) e.dirty = true;
  ASSERT_TRUE(s.flush(l).ok());
  for (std::size_t i = 0; i < std::size(tables); ++i) EXPECT_EQ(count_rows(db, tables[i]), before[i]) << tables[i];

  // Loading what was stored and flushing it again changes nothing either.
  Ledger again("line1");
  ASSERT_TRUE(s.load(again).ok());
  for (auto& a : again.assets_mut()) a.dirty = true;
  ASSERT_TRUE(s.flush(again).ok());
  for (std::size_t i = 0; i < std::size(tables); ++i) EXPECT_EQ(count_rows(db, tables[i]), before[i]) << tables[i];
}

TEST_F(StoreTest, FlushWritesOnlyDirtyRecordsAndMirrorsRemovals) {
  Ledger l = make_ledger();
  Store s = open_ok();
  ASSERT_TRUE(s.flush(l).ok());
  // A clean asset changed behind the ledger's back is not written...
  Asset& plc = l.assets_mut()[l.index_of(l.assets()[0].id)];
  plc.packets_sent = 99;
  plc.ips.clear();  // e.g. the router logic moved its IPs out
  ASSERT_TRUE(s.flush(l).ok());
  Ledger got("line1");
  ASSERT_TRUE(s.load(got).ok());
  EXPECT_EQ(got.assets()[got.index_of(plc.id)].packets_sent, 1234U);
  // ...until it is marked dirty; its child rows then mirror memory exactly.
  plc.dirty = true;
  ASSERT_TRUE(s.flush(l).ok());
  Ledger got2("line1");
  ASSERT_TRUE(s.load(got2).ok());
  EXPECT_EQ(got2.assets()[got2.index_of(plc.id)].packets_sent, 99U);
  EXPECT_TRUE(got2.assets()[got2.index_of(plc.id)].ips.empty());
}

TEST_F(StoreTest, TombstoneEdgeIsDeleted) {
  Ledger l = make_ledger();
  Store s = open_ok();
  ASSERT_TRUE(s.flush(l).ok());
  ASSERT_EQ(count_rows(s.native_handle(), "edge_ops"), 1);
  Edge& e = l.edges_mut()[0];
  e.merged_into = 7;  // relabel_edge moved it
  e.dirty = true;
  ASSERT_TRUE(s.flush(l).ok());
  EXPECT_EQ(count_rows(s.native_handle(), "edges"), 0);
  EXPECT_EQ(count_rows(s.native_handle(), "edge_ops"), 0);  // cascaded
}

TEST_F(StoreTest, MergedAssetRowAndItsEdgesAreDeleted) {
  // A host first seen only through a router (an IP-keyed asset with a fact and
  // an edge), stored; then its station shows itself and the two merge.
  Ledger l;
  const auto gw = *MacAddr::parse("00:1e:f7:c0:00:01");
  const AssetIndex r = l.station(gw, 1);
  l.bind_ip(r, *IpAddr::parse("10.20.0.1"), "arp", 1);
  const AssetIndex s = l.resolve(*MacAddr::parse("00:15:5d:20:00:10"), *IpAddr::parse("10.20.0.10"), 1);
  const AssetIndex far = l.resolve(gw, *IpAddr::parse("10.1.3.10"), 2, IpEvidence::addressed);
  ASSERT_FALSE(l.assets()[far].mac.has_value());
  l.add_fact(far, "product", "KV-8000", "kv_identity", 2);
  l.count_edge(l.edge(s, far, "tcp", "tcp", 8501, 0, 2), 60, 2);
  Store st = open_ok();
  ASSERT_TRUE(st.flush(l).ok());
  ASSERT_EQ(count_rows(st.native_handle(), "assets"), 3);
  l.resolve(*MacAddr::parse("00:01:fc:01:03:10"), *IpAddr::parse("10.1.3.10"), 3);
  std::vector<AssetIndex> remap;
  ASSERT_EQ(l.compact(&remap), 1U);
  ASSERT_TRUE(st.flush(l).ok());
  EXPECT_TRUE(l.removed_ids().empty());
  EXPECT_EQ(count_rows(st.native_handle(), "assets"), 3);  // router, SCADA, the PLC's station
  EXPECT_EQ(count_rows(st.native_handle(), "edges"), 1);
  Ledger back;
  ASSERT_TRUE(st.load(back).ok());
  const Asset* plc = back.find("10.1.3.10");
  ASSERT_NE(plc, nullptr);
  ASSERT_TRUE(plc->mac.has_value());
  EXPECT_EQ(plc->facts.size() >= 2, true);  // the OUI vendor and the merged product
  EXPECT_EQ(back.edges().front().to_id, plc->id);
}

TEST_F(StoreTest, NewDatabaseIsReadableByItsOwnerOnly) {
  Ledger l = make_ledger();
  Store s = open_ok();
  ASSERT_TRUE(s.flush(l).ok());
  for (const std::string& f : {db_, db_ + "-wal"}) {
    const auto perms = fs::status(f).permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << f;
  }
}

TEST_F(StoreTest, SensorsAreKeptApart) {
  Ledger a = make_ledger("line1");
  Ledger b = make_ledger("line2");
  b.assets_mut()[0].packets_sent = 5;
  {
    Store s1 = open_ok("line1");
    ASSERT_TRUE(s1.flush(a).ok());
    Store s2 = open_ok("line2");
    ASSERT_TRUE(s2.flush(b).ok());
    EXPECT_EQ(count_rows(s2.native_handle(), "assets"), 8);
  }
  Store s = open_ok("line2");
  Ledger got("line2");
  ASSERT_TRUE(s.load(got).ok());
  expect_same(b, got);
}

TEST_F(StoreTest, NewerSchemaIsRefused) {
  {
    Store s = open_ok();
    const std::string sql = "PRAGMA user_version=" + std::to_string(Store::schema_version() + 1);
    ASSERT_EQ(sqlite3_exec(s.native_handle(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  }
  std::string error;
  auto s = Store::open(db_, "line1", error);
  EXPECT_FALSE(s.has_value());
  const int v = Store::schema_version();
  EXPECT_EQ(error, db_ + ": schema version " + std::to_string(v + 1) + " is newer than this mieruka (" +
                       std::to_string(v) + "); upgrade mieruka or use another --db");
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST_F(StoreTest, NonSqliteFileIsRefusedAndLeftAlone) {
  const std::string text = "mac,ip,name\n00:1b:1b:02:9a:c3,10.0.0.1,PLC\n";
  {
    std::ofstream f(db_, std::ios::binary);
    f << text;
  }
  std::string error;
  auto s = Store::open(db_, "line1", error);
  EXPECT_FALSE(s.has_value());
  EXPECT_EQ(error, db_ + ": not a mieruka database (not SQLite); pass another --db");
  std::ifstream f(db_, std::ios::binary);
  const std::string now((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(now, text);
}

TEST_F(StoreTest, MissingDatabaseWithoutCreateIsRefused) {
  std::string error;
  auto s = Store::open(db_, "line1", error, /*create=*/false);
  EXPECT_FALSE(s.has_value());
  EXPECT_NE(error.find("no such database"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(db_));
}

// A reader (and a writer without create) is refused an empty file: SQLite would
// take it for a new database and write a schema into it.
TEST_F(StoreTest, EmptyFileIsRefusedAndLeftEmpty) {
  std::ofstream(db_).close();
  for (const bool reader : {true, false}) {
    std::string error;
    auto s = reader ? Store::open_reader(db_, "line1", error) : Store::open(db_, "line1", error, /*create=*/false);
    EXPECT_FALSE(s.has_value());
    EXPECT_EQ(error, db_ + ": empty file, not a mieruka database; pass the --db that `mieruka read` or `mieruka run` wrote");
    EXPECT_EQ(fs::file_size(db_), 0u);
    EXPECT_FALSE(fs::exists(db_ + "-wal"));
  }
}

TEST_F(StoreTest, ForeignSqliteIsRefusedByReaders) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE notes (x TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  const auto size = fs::file_size(db_);
  std::string error;
  auto s = Store::open_reader(db_, "line1", error);
  EXPECT_FALSE(s.has_value());
  EXPECT_NE(error.find("not a mieruka ledger"), std::string::npos) << error;
  EXPECT_EQ(fs::file_size(db_), size);
}

TEST_F(StoreTest, ReaderCannotWrite) {
  Ledger l = make_ledger();
  {
    Store w = open_ok();
    ASSERT_TRUE(w.flush(l).ok());
  }
  std::string error;
  auto r = Store::open_reader(db_, "line1", error);
  ASSERT_TRUE(r.has_value()) << error;
  Ledger back("line1");
  ASSERT_TRUE(r->load(back).ok());
  EXPECT_EQ(back.assets().size(), l.assets().size());
  EXPECT_EQ(r->sensors(), std::vector<std::string>{"line1"});
  EXPECT_FALSE(r->record_run({1, 2, "read x", 3, 0}).ok());  // query_only
  EXPECT_NE(sqlite3_exec(r->native_handle(), "CREATE TABLE x (a)", nullptr, nullptr, nullptr), SQLITE_OK);
}

TEST_F(StoreTest, MissingDirectoryIsOneLine) {
  std::string error;
  auto s = Store::open(dir_ + "/no/such/dir/x.db", "line1", error);
  EXPECT_FALSE(s.has_value());
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

// A damaged page inside the file (not a short file) is found only when a read
// reaches it: the error gives the same advice as a truncated database.
TEST_F(StoreTest, MalformedPageGivesTheMoveAsideHint) {
  {
    Ledger l = make_ledger();
    Store s = open_ok();
    for (int i = 0; i < 300; ++i) {  // enough facts for the table to span pages
      l.assets_mut()[0].facts.push_back(
          FactRecord{"description", std::string(400, 'x') + std::to_string(i), "snmp", 1, 2, 1});
    }
    l.assets_mut()[0].dirty = true;
    ASSERT_TRUE(s.flush(l).ok());
    ASSERT_EQ(sqlite3_exec(s.native_handle(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  // Overwrite every page after the schema's with garbage, past the header and
  // sqlite_schema (page 1), so that opening still works.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  int root = 0;
  {
    Statement q(raw, "SELECT rootpage FROM sqlite_schema WHERE name = 'facts'");
    ASSERT_EQ(q.step(), SQLITE_ROW) << q.error();
    root = q.integer(0);
  }
  sqlite3_close(raw);
  ASSERT_GT(root, 1);
  {
    std::fstream f(db_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(root - 1) * 4096);
    const std::string garbage(4096, '\xa5');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  std::string error;
  auto s = Store::open(db_, "line1", error);
  ASSERT_TRUE(s) << error;
  Ledger l("line1");
  const StoreStatus st = s->load(l);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error, db_ + ": database is damaged (database disk image is malformed); move it aside and use another --db");
}

TEST_F(StoreTest, DiskFullLosesNothingAndRetrySucceeds) {
  Ledger l = make_ledger();
  Store s = open_ok();
  ASSERT_TRUE(s.flush(l).ok());
  sqlite3* db = s.native_handle();

  // Freeze the file at its current size, then grow the ledger past it.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA max_page_count = 1", nullptr, nullptr, nullptr), SQLITE_OK);  // clamps
  Asset& plc = l.assets_mut()[0];
  for (int i = 0; i < 200; ++i) {
    plc.facts.push_back(FactRecord{"description", std::string(900, static_cast<char>('a' + i % 26)) +
                                                      std::to_string(i),
                                   "snmp", 1, 2, 1});
  }
  plc.packets_sent = 777;
  plc.dirty = true;
  l.edges_mut()[0].packets = 4242;
  l.edges_mut()[0].dirty = true;

  const StoreStatus st = s.flush(l);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error, db_ + ": disk full: free space on the disk holding " + db_ + "; nothing was lost, will retry");
  EXPECT_TRUE(l.assets()[0].dirty);  // marks kept
  EXPECT_TRUE(l.edges()[0].dirty);
  EXPECT_NE(sqlite3_get_autocommit(db), 0);  // rolled back, no transaction left open

  // What is stored is still the previous flush, whole (the failed one rolled back).
  {
    Ledger stored("line1");
    ASSERT_TRUE(s.load(stored).ok());
    EXPECT_EQ(stored.assets()[stored.index_of(plc.id)].packets_sent, 1234U);
    EXPECT_EQ(stored.assets()[stored.index_of(plc.id)].facts.size(), 3U);
    EXPECT_EQ(stored.edges()[0].packets, 40U);
  }

  // Space freed: the retry writes everything.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA max_page_count = 1000000", nullptr, nullptr, nullptr), SQLITE_OK);
  const StoreStatus retry = s.flush(l);
  ASSERT_TRUE(retry.ok()) << retry.error;
  EXPECT_FALSE(l.assets()[0].dirty);

  Store reopened = open_ok();
  Ledger got("line1");
  ASSERT_TRUE(reopened.load(got).ok());
  expect_same(l, got);
}

// A disk-full backlog bigger than the space freed later: the flush stores what
// fits (whole records, in commit order) instead of failing as one transaction
// for ever, and what is left stays dirty for the next flush.
TEST_F(StoreTest, DiskFullBacklogLargerThanFreedSpaceIsStoredInParts) {
  constexpr int kAssets = 300;
  const std::int64_t t0 = 1'790'000'000'000'000;
  auto backlog = [&](const std::string& sensor) {
    Ledger l(sensor);
    for (int i = 0; i < kAssets; ++i) {
      Asset a = make_asset(static_cast<std::uint8_t>(i % 250), t0);
      a.mac = MacAddr{{0x02, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}};
      a.id = Ledger::id_for_mac(*a.mac);
      a.facts.push_back(FactRecord{"description", std::string(2000, static_cast<char>('a' + i % 26)), "snmp", t0, t0, 1});
      l.load_asset(a);
    }
    l.load_edge(make_edge(l.assets()[1], l.assets()[0], t0));
    for (auto& a : l.assets_mut()) a.dirty = true;
    for (auto& e : l.edges_mut()) e.dirty = true;
    return l;
  };
  auto pages = [](sqlite3* db) {
    Statement q(db, "PRAGMA page_count");
    return q.next() ? q.integer(0) : -1;
  };
  // How many pages the whole backlog takes, measured on a database of its own.
  int needed = 0;
  {
    std::string error;
    auto other = Store::open((fs::path(dir_) / "measure.db").string(), "line1", error);
    ASSERT_TRUE(other) << error;
    const int before = pages(other->native_handle());
    Ledger l = backlog("line1");
    ASSERT_TRUE(other->flush(l).ok());
    needed = pages(other->native_handle()) - before;
  }
  ASSERT_GT(needed, 100);

  Store s = open_ok();
  sqlite3* db = s.native_handle();
  Ledger l = backlog("line1");
  const int base = pages(db);
  // The disk fills up: then about 60% of what the backlog needs is freed.
  const std::string limit = "PRAGMA max_page_count = " + std::to_string(base + needed * 6 / 10);
  ASSERT_EQ(sqlite3_exec(db, limit.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  const StoreStatus st = s.flush(l);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error.find("disk full"), std::string::npos) << st.error;
  const int stored = count_rows(db, "assets");
  EXPECT_GT(stored, kAssets / 3) << st.error;  // what fits is stored
  EXPECT_LT(stored, kAssets);
  std::size_t still_dirty = 0;
  for (const Asset& a : l.assets()) still_dirty += a.dirty ? 1 : 0;
  EXPECT_EQ(still_dirty, static_cast<std::size_t>(kAssets - stored));  // the rest waits, marked
  EXPECT_TRUE(l.edges()[0].dirty || count_rows(db, "edges") == 1);
  EXPECT_NE(sqlite3_get_autocommit(db), 0);

  // The rest of the space: everything is stored, equal to the ledger.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA max_page_count = 1000000", nullptr, nullptr, nullptr), SQLITE_OK);
  const StoreStatus retry = s.flush(l);
  ASSERT_TRUE(retry.ok()) << retry.error;
  Store reopened = open_ok();
  Ledger got("line1");
  ASSERT_TRUE(reopened.load(got).ok());
  expect_same(l, got);
}

TEST_F(StoreTest, ReaderReadsWhileWriterHoldsTransaction) {
  Ledger l = make_ledger();
  Store writer = open_ok();
  ASSERT_TRUE(writer.flush(l).ok());
  Store reader = open_ok();

  const std::string plc_id = l.assets()[0].id;
  ASSERT_EQ(sqlite3_exec(writer.native_handle(), "BEGIN IMMEDIATE; UPDATE assets SET packets_sent = 999",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  // The reader sees the last committed state at once (no wait for the busy timeout).
  const auto t0 = std::chrono::steady_clock::now();
  Ledger before("line1");
  const StoreStatus st = reader.load(before);
  ASSERT_TRUE(st.ok()) << st.error;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(before.assets()[before.index_of(plc_id)].packets_sent, 1234U);

  // A second writer waits, then gives up with one line; nothing is lost.
  ASSERT_EQ(sqlite3_busy_timeout(reader.native_handle(), 50), SQLITE_OK);
  for (auto& a : before.assets_mut()) a.dirty = true;
  const StoreStatus busy = reader.flush(before);
  EXPECT_FALSE(busy.ok());
  EXPECT_NE(busy.error.find("locked by another writer"), std::string::npos) << busy.error;
  EXPECT_TRUE(before.assets()[0].dirty);

  ASSERT_EQ(sqlite3_exec(writer.native_handle(), "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  Ledger after("line1");
  ASSERT_TRUE(reader.load(after).ok());
  EXPECT_EQ(after.assets()[after.index_of(plc_id)].packets_sent, 999U);
}

TEST_F(StoreTest, FilesCountersAndRuns) {
  Store s = open_ok();
  EXPECT_FALSE(s.has_file("sha256:abc"));
  ASSERT_TRUE(s.record_file({"sha256:abc", "/pcaps/a.pcap", 1000, 10, 5, 0, {}}).ok());
  ASSERT_TRUE(s.record_file({"sha256:abc", "/pcaps/a-copy.pcap", 1000, 10, 6, 0, {}}).ok());  // same content
  EXPECT_TRUE(s.has_file("sha256:abc"));
  EXPECT_EQ(count_rows(s.native_handle(), "ingested_files"), 1);
  {
    Store other = open_ok("line2");
    EXPECT_FALSE(other.has_file("sha256:abc"));  // per sensor
  }

  ASSERT_TRUE(s.add_counters({{"modbus.length_mismatch", 2}, {"capture.drops", 0}}).ok());
  ASSERT_TRUE(s.add_counters({{"modbus.length_mismatch", 3}, {"enip.bad_header", 1}}).ok());
  const auto c = s.counters();
  ASSERT_EQ(c.size(), 3U);
  EXPECT_EQ(c.at("modbus.length_mismatch"), 5U);
  EXPECT_EQ(c.at("enip.bad_header"), 1U);
  EXPECT_EQ(c.at("capture.drops"), 0U);

  ASSERT_TRUE(s.record_run({100, 200, "read a.pcap", 10, 0}).ok());
  ASSERT_TRUE(s.record_run({100, 300, "read a.pcap", 12, 1}).ok());  // same run, updated
  ASSERT_TRUE(s.record_run({400, 500, "capture -i eth1", 7, 2}).ok());
  EXPECT_EQ(count_rows(s.native_handle(), "runs"), 2);
}

// The evidence behind checklist levels 4 and 5: scheduled snapshots taken in
// the period (kept when retention prunes the snapshot), the time live capture
// covered (overlapping runs counted once, `read` never), the drops, and the
// outbox messages queued in the period with those delivered (a message queued
// within the grace time is not counted yet).
TEST_F(StoreTest, ReviewFactsOverAPeriod) {
  constexpr std::int64_t kH = 3'600'000'000LL;
  const std::int64_t from = 100 * kH, to = 200 * kH;
  {
    Store s = open_ok();
    Store other = open_ok("line2");
    ASSERT_TRUE(s.record_review({50 * kH, "sched-a", ""}).ok());        // before the period
    ASSERT_TRUE(s.record_review({110 * kH, "sched-b", "sched-a"}).ok());
    ASSERT_TRUE(s.record_review({134 * kH, "sched-c", "sched-b"}).ok());
    ASSERT_TRUE(s.record_review({134 * kH, "sched-c", "sched-b"}).ok());  // the same slot again
    ASSERT_TRUE(other.record_review({120 * kH, "sched-x", ""}).ok());    // another sensor's
    ASSERT_TRUE(s.record_run({90 * kH, 120 * kH, "run --config m.toml", 1000, 2}).ok());   // 20 h inside
    ASSERT_TRUE(s.record_run({110 * kH, 130 * kH, "capture -i eth1", 500, 0}).ok());      // +10 h
    ASSERT_TRUE(s.record_run({150 * kH, 150 * kH + 1, "read a.pcap", 9, 9}).ok());         // not monitoring
    ASSERT_TRUE(s.record_run({190 * kH, 250 * kH, "run --config m.toml", 300, 1}).ok());   // +10 h
    ASSERT_TRUE(other.record_run({100 * kH, 200 * kH, "run --config m.toml", 1, 1}).ok());
  }
  {
    std::string error;
    auto ob = Outbox::open(db_, error);
    ASSERT_TRUE(ob) << error;
    auto msg = [](std::string id, std::string kind, std::int64_t at) {
      OutboxMessage m;
      m.id = std::move(id);
      m.channel = "it-mail";
      m.kind = std::move(kind);
      m.payload = "x";
      m.created_us = at;
      return m;
    };
    for (const auto& m : {msg("d1", "diff", 110 * kH), msg("d2", "diff", 134 * kH), msg("d3", "diff", 199 * kH + 1),
                          msg("d0", "diff", 90 * kH), msg("a1", "alert", 120 * kH), msg("t1", "test", 120 * kH)})
      ASSERT_TRUE(ob->enqueue(m, m.created_us).ok());
    ASSERT_TRUE(ob->mark_sent("d1", 111 * kH).ok());
    ASSERT_TRUE(ob->mark_sent("a1", 121 * kH).ok());
  }
  Store s = open_ok();
  std::string error;
  const auto f = s.review_facts(from, to, kH, error);
  ASSERT_TRUE(f) << error;
  EXPECT_EQ(f->from_us, from);
  EXPECT_EQ(f->to_us, to);
  EXPECT_EQ(f->scheduled, 2U);
  EXPECT_EQ(f->first_scheduled_us, 50 * kH);
  EXPECT_EQ(f->monitored_us, 40 * kH);
  EXPECT_EQ(f->packets, 1800U);
  EXPECT_EQ(f->drops, 3U);
  EXPECT_EQ(f->diffs_queued, 2U);  // d3 is within the grace hour, d0 before the period
  EXPECT_EQ(f->diffs_delivered, 1U);
  EXPECT_EQ(f->alerts_queued, 1U);
  EXPECT_EQ(f->alerts_delivered, 1U);
}

StoredAdvisory advisory(const std::string& id, const std::string& revision, const std::string& release,
                        const std::string& title) {
  return {id, "csaf", revision, release, title, R"({"id":")" + id + R"(","revision":")" + revision + "\"}", 0, 0};
}

TEST_F(StoreTest, AdvisoriesKeepTheNewestRevision) {
  Store s = open_ok();
  std::vector<AdvisoryImport> out;
  ASSERT_TRUE(s.import_advisories({advisory("ICSA-23-01", "2", "2023-02-01T00:00:00Z", "second"),
                                   advisory("ICSA-23-02", "1", "2023-01-05T00:00:00Z", "other")},
                                  out, 1000)
                  .ok());
  EXPECT_EQ(out, (std::vector<AdvisoryImport>{AdvisoryImport::added, AdvisoryImport::added}));
  // An older revision leaves the newer one; the same one read again and a newer one replace it.
  ASSERT_TRUE(s.import_advisories({advisory("ICSA-23-01", "1", "2023-01-01T00:00:00Z", "first"),
                                   advisory("ICSA-23-02", "1", "2023-01-05T00:00:00Z", "other again"),
                                   advisory("ICSA-23-03", "1.0.0", "", "no date")},
                                  out, 2000)
                  .ok());
  EXPECT_EQ(out, (std::vector<AdvisoryImport>{AdvisoryImport::kept_newer, AdvisoryImport::updated,
                                              AdvisoryImport::added}));
  ASSERT_TRUE(s.import_advisories({advisory("ICSA-23-01", "10", "2023-02-01T00:00:00Z", "tenth")}, out, 3000).ok());
  EXPECT_EQ(out, std::vector<AdvisoryImport>{AdvisoryImport::updated});

  std::vector<StoredAdvisory> got;
  ASSERT_TRUE(s.advisories(got).ok());
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].id, "ICSA-23-01");
  EXPECT_EQ(got[0].title, "tenth");
  EXPECT_EQ(got[0].revision, "10");
  EXPECT_EQ(got[0].imported_us, 1000);  // first imported
  EXPECT_EQ(got[0].updated_us, 3000);
  EXPECT_EQ(got[0].doc, R"({"id":"ICSA-23-01","revision":"10"})");
  EXPECT_EQ(got[1].title, "other again");
  EXPECT_EQ(got[2].id, "ICSA-23-03");
  ASSERT_TRUE(s.advisories(got, false).ok());
  EXPECT_TRUE(got[0].doc.empty());

  Store other = open_ok("line2");  // per sensor, like every record
  ASSERT_TRUE(other.advisories(got).ok());
  EXPECT_TRUE(got.empty());
}

TEST(CompareRevisions, ReleaseThenRevisionNumberByNumber) {
  EXPECT_LT(compare_revisions("2023-01-01T00:00:00Z", "9", "2023-01-02T00:00:00Z", "1"), 0);
  EXPECT_GT(compare_revisions("2023-01-01T00:00:00Z", "10", "2023-01-01T00:00:00Z", "9"), 0);
  EXPECT_GT(compare_revisions("x", "1.0.10", "x", "1.0.9"), 0);
  EXPECT_LT(compare_revisions("x", "1.0", "x", "1.0.1"), 0);
  EXPECT_EQ(compare_revisions("x", "01", "x", "1"), 0);
}

TEST_F(StoreTest, RemediationStatesPerAssetAdvisoryAndCve) {
  Store s = open_ok();
  ASSERT_TRUE(s.set_remediation({{"a1", "ICSA-23-01", "CVE-2023-0001", "in_progress", "firmware ordered", "sato", 5},
                                 {"a1", "ICSA-23-01", "CVE-2023-0002", "compensated", "port closed", "sato", 5}})
                  .ok());
  ASSERT_TRUE(s.set_remediation({{"a1", "ICSA-23-01", "CVE-2023-0001", "remediated", "updated to 1.300", "kato", 9}})
                  .ok());
  std::vector<RemediationState> got;
  ASSERT_TRUE(s.remediation_states(got).ok());
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].state, "remediated");
  EXPECT_EQ(got[0].who, "kato");
  EXPECT_EQ(got[0].when_us, 9);
  EXPECT_EQ(got[1].state, "compensated");
  // A state outside the list is refused, and nothing of that call is kept.
  const StoreStatus bad = s.set_remediation({{"a2", "ICSA-23-01", "CVE-2023-0001", "in_progress", "", "x", 1},
                                             {"a2", "ICSA-23-01", "CVE-2023-0002", "done", "", "x", 1}});
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error.find('\n'), std::string::npos);
  ASSERT_TRUE(s.remediation_states(got).ok());
  EXPECT_EQ(got.size(), 2U);
}

TEST_F(StoreTest, ReaderCannotImportAdvisories) {
  { Store s = open_ok(); }
  std::string error;
  auto r = Store::open_reader(db_, "line1", error);
  ASSERT_TRUE(r.has_value()) << error;
  std::vector<AdvisoryImport> out;
  EXPECT_FALSE(r->import_advisories({advisory("ICSA-23-01", "1", "2023", "t")}, out, 1).ok());
  std::vector<StoredAdvisory> got;
  ASSERT_TRUE(r->advisories(got).ok());
  EXPECT_TRUE(got.empty());
}

TEST_F(StoreTest, SchemaSixIsMigratedToAdvisories) {
  {
    Store s = open_ok();
    // What the previous release left: no advisory, review, change-log or
    // findings history tables (nor the log's triggers), user_version 6.
    std::string drop_triggers;
    {
      Statement q = s.statement("SELECT name FROM sqlite_master WHERE type = 'trigger'");
      ASSERT_EQ(q.prepare_rc(), SQLITE_OK);
      while (q.next()) drop_triggers += "DROP TRIGGER " + q.text(0) + "; ";
    }
    ASSERT_EQ(sqlite3_exec(s.native_handle(),
                           (drop_triggers + "DROP TABLE central_replication; DROP TABLE change_log; "
                                            "DROP TABLE advisories; DROP TABLE remediation_state; DROP TABLE reviews; "
                                            "DROP TABLE findings_history; "
                                            "PRAGMA user_version=6")
                               .c_str(),
                           nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
  }
  {
    // A reader does not migrate: it asks for the upgrade.
    std::string error;
    EXPECT_FALSE(Store::open_reader(db_, "line1", error).has_value());
    EXPECT_NE(error.find("older than this mieruka"), std::string::npos) << error;
  }
  Store s = open_ok();
  std::vector<AdvisoryImport> out;
  ASSERT_TRUE(s.import_advisories({advisory("ICSA-23-01", "1", "2023-01-01T00:00:00Z", "t")}, out, 1).ok());
  ASSERT_TRUE(s.set_remediation({{"a1", "ICSA-23-01", "CVE-2023-0001", "in_progress", "", "x", 1}}).ok());
  EXPECT_EQ(count_rows(s.native_handle(), "advisories"), 1);
  EXPECT_EQ(count_rows(s.native_handle(), "remediation_state"), 1);
  EXPECT_EQ(count_rows(s.native_handle(), "reviews"), 0);
}

TEST_F(StoreTest, SchemaNineKeepsItsAcknowledgementsAsTheirHistory) {
  {
    Store s = open_ok();
    // What the previous release left: acknowledgements in force only, user_version 9.
    ASSERT_EQ(sqlite3_exec(s.native_handle(),
                           "DROP TABLE findings_history; "
                           "INSERT INTO findings_state VALUES ('line1', 'f-1', 'h1', 'spare PLC', 'ops', 5); "
                           "INSERT INTO findings_state VALUES ('line1', 'f-2', 'h2', 'known', 'admin', 7); "
                           "PRAGMA user_version=9",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  Store s = open_ok();
  EXPECT_EQ(count_rows(s.native_handle(), "findings_history"), 2);
  Statement q = s.statement(
      "SELECT finding_id, at_us, who, comment, material_hash, evidence_kind FROM findings_history ORDER BY finding_id");
  ASSERT_TRUE(q.next());
  EXPECT_EQ(q.text(0), "f-1");
  EXPECT_EQ(q.int64(1), 5);
  EXPECT_EQ(q.text(2), "ops");
  EXPECT_EQ(q.text(3), "spare PLC");
  EXPECT_EQ(q.text(4), "h1");
  EXPECT_EQ(q.text(5), "");  // its evidence as data is not known
  ASSERT_TRUE(q.next());
  EXPECT_EQ(q.text(0), "f-2");
  EXPECT_FALSE(q.next());
}

// The appliance reads its findings inputs through a LedgerSource made over the
// connection it holds: its own sensor is read through that connection (a
// write of its open transaction shows; a reader of the file would not see it
// yet), another sensor of the file through a reader of its own.
TEST_F(StoreTest, ASourceOverAStoreReadsItsSensorThroughItsConnection) {
  auto writer = open_ok("line1");
  {
    auto other = open_ok("line2");
    ASSERT_EQ(other.exec("INSERT INTO findings_state (sensor, finding_id, material_hash, comment, who, when_us) "
                         "VALUES ('line2', 'f-2', 'h2', 'ok', 'sato', 7)"),
              SQLITE_OK);
  }
  ASSERT_EQ(writer.exec("BEGIN"), SQLITE_OK);
  ASSERT_EQ(writer.exec("INSERT INTO findings_state (sensor, finding_id, material_hash, comment, who, when_us) "
                        "VALUES ('line1', 'f-1', 'h1', 'seen', 'tanaka', 5)"),
            SQLITE_OK);

  auto source = sqlite_source(writer);
  EXPECT_EQ(source->where(), db_);
  EXPECT_FALSE(source->central());
  std::vector<Ack> acks;
  ASSERT_TRUE(source->finding_states("line1", acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].id, "f-1");
  EXPECT_EQ(acks[0].who, "tanaka");

  // A source of the file (its own reader) does not see the open transaction.
  std::string error;
  auto reader = sqlite_source(db_, error);
  ASSERT_NE(reader, nullptr) << error;
  std::vector<Ack> committed;
  ASSERT_TRUE(reader->finding_states("line1", committed).ok());
  EXPECT_TRUE(committed.empty());

  std::vector<Ack> line2;
  ASSERT_TRUE(source->finding_states("line2", line2).ok());
  ASSERT_EQ(line2.size(), 1u);
  EXPECT_EQ(line2[0].id, "f-2");
  ASSERT_EQ(writer.exec("ROLLBACK"), SQLITE_OK);
}

}  // namespace
}  // namespace mieruka::inventory

