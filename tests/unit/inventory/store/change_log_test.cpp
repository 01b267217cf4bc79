// The change log central replication reads (Store::start_change_log,
// pending_changes, drop_changes): written in the flush's transaction, one row
// per record however often it changes, the newest state always named, only the
// replicating sensor's records, deletions seen as records without a row.
#include "inventory/store/replication.hpp"
#include "inventory/store/sqlite_statement.hpp"
#include "inventory/store/store.hpp"

#include "unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>

namespace mieruka::inventory {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kT0 = 1'790'000'000'000'000;

class ChangeLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty()) << "cannot make a temporary directory";
    dir_ = tmp_.path();
    db_ = (fs::path(dir_) / "test.db").string();
  }
  Store open_ok(const std::string& sensor) {
    std::string error;
    auto s = Store::open(db_, sensor, error);
    EXPECT_TRUE(s.has_value()) << error;
    return std::move(*s);
  }
  test::TempDir tmp_{"mieruka_changes"};  // removed, with what the test wrote, when the test ends
  std::string dir_, db_;
};

Asset make_asset(std::uint8_t last) {
  Asset a;
  const MacAddr mac{{0x00, 0x00, 0xbc, 0x12, 0x34, last}};
  a.id = Ledger::id_for_mac(mac);
  a.mac = mac;
  a.ips.push_back(IpRecord{*IpAddr::parse("10.10.1." + std::to_string(last)), kT0, kT0 + 5, "arp"});
  a.protocols = {"arp", "enip"};
  a.facts.push_back(FactRecord{"vendor", "Rockwell Automation", "enip_list_identity", kT0, kT0 + 9, 3});
  a.first_us = kT0;
  a.last_us = kT0 + 10;
  return a;
}

Ledger make_ledger(const std::string& sensor) {
  Ledger l(sensor);
  Asset plc = make_asset(1), hmi = make_asset(2);
  Edge e;
  e.id = Ledger::id_for_edge(hmi.id, plc.id, "modbus", 502, 0);
  e.from_id = hmi.id;
  e.to_id = plc.id;
  e.protocol = "modbus";
  e.transport = "tcp";
  e.port = 502;
  e.packets = 4;
  e.first_us = kT0;
  e.last_us = kT0 + 3;
  l.load_asset(plc);
  l.load_asset(hmi);
  l.load_edge(e);
  for (auto& a : l.assets_mut()) a.dirty = true;
  for (auto& x : l.edges_mut()) x.dirty = true;
  return l;
}

std::size_t table_index(std::string_view name) {
  for (std::size_t i = 0; i < kReplicatedTables.size(); ++i)
    if (kReplicatedTables[i].table == name) return i;
  return kReplicatedTables.size();
}

TEST_F(ChangeLogTest, NothingIsLoggedUntilReplicationStarts) {
  Store s = open_ok("line1");
  Ledger l = make_ledger("line1");
  ASSERT_TRUE(s.flush(l).ok());
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  EXPECT_TRUE(b.changes.empty());
  EXPECT_EQ(b.remaining, 0U);
}

int change_log_triggers(sqlite3* db) {
  Statement q(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%change_log%'");
  EXPECT_EQ(q.prepare_rc(), SQLITE_OK);
  return q.next() ? q.integer(0) : -1;
}

// A flush pays for the triggers on every row it writes, even when they record
// nothing: a ledger that does not replicate has none.
TEST_F(ChangeLogTest, TheTriggersExistOnlyOnceReplicationStarts) {
  Store s = open_ok("line1");
  EXPECT_EQ(change_log_triggers(s.native_handle()), 0);
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  EXPECT_EQ(change_log_triggers(s.native_handle()), 30);  // insert, update, delete of 10 record kinds
  ASSERT_TRUE(s.start_change_log(kT0 + 1).ok());
  EXPECT_EQ(change_log_triggers(s.native_handle()), 30);
}

// A ledger that replicated under the previous schema (its triggers dropped by
// the upgrade) logs every record again when replication restarts: whatever a
// flush changed in between is sent, at a version above the earlier ones.
TEST_F(ChangeLogTest, ALedgerWhoseTriggersWereDroppedLogsEveryRecordAgain) {
  Store s = open_ok("line1");
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  Ledger l = make_ledger("line1");
  ASSERT_TRUE(s.flush(l).ok());
  ChangeBatch sent;
  ASSERT_TRUE(s.pending_changes(100, sent).ok());
  ASSERT_EQ(sent.changes.size(), 3U);
  ASSERT_TRUE(s.drop_changes(sent.changes).ok());
  std::string drop;
  {
    Statement q(s.native_handle(), "SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%change_log%'");
    ASSERT_EQ(q.prepare_rc(), SQLITE_OK);
    while (q.next()) drop += "DROP TRIGGER " + q.text(0) + "; ";
  }
  ASSERT_EQ(sqlite3_exec(s.native_handle(), drop.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  l.assets_mut()[0].packets_sent = 77;
  l.assets_mut()[0].dirty = true;
  ASSERT_TRUE(s.flush(l).ok());
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  EXPECT_TRUE(b.changes.empty());  // unseen without the triggers
  ASSERT_TRUE(s.start_change_log(kT0 + 5).ok());
  EXPECT_EQ(change_log_triggers(s.native_handle()), 30);
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  ASSERT_EQ(b.changes.size(), 3U);
  for (const auto& c : b.changes) EXPECT_GT(c.seq, sent.changes.back().seq);
  ASSERT_EQ(b.rows[table_index("assets")].size(), 2U);
}

// The outbox is the database's (no sensor): its diffs and alerts are noted for
// every sensor that replicates, with their times and channel but never their
// subject or payload; a test message is not; a pruned message is a deletion.
TEST_F(ChangeLogTest, TheOutboxsDiffsAndAlertsTravelWithEveryReplicatingSensor) {
  Store s = open_ok("line1");
  auto exec = [&](const char* sql) {
    ASSERT_EQ(sqlite3_exec(s.native_handle(), sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  };
  exec("INSERT INTO outbox (id, channel, kind, created_us, subject, payload, next_attempt_us) VALUES "
       "('old', 'it', 'diff', 5, 'secret subject', x'0102', 5)");
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  exec("INSERT INTO outbox (id, channel, kind, created_us, subject, payload, next_attempt_us) VALUES "
       "('a1', 'it', 'alert', 7, 's', x'00', 7), ('t1', 'it', 'test', 8, 's', x'00', 8)");
  Store two = open_ok("line2");
  ASSERT_TRUE(two.start_change_log(kT0).ok());
  exec("UPDATE outbox SET sent_us = 9 WHERE id = 'old'");
  for (Store* st : {&s, &two}) {
    ChangeBatch b;
    ASSERT_TRUE(st->pending_changes(100, b).ok());
    std::multiset<std::string> keys;
    for (const auto& c : b.changes) keys.insert(c.kind + ":" + c.key);
    EXPECT_EQ(keys, (std::multiset<std::string>{"delivery:a1", "delivery:old"})) << st->sensor_name();
    const auto& rows = b.rows[table_index("outbox")];
    ASSERT_EQ(rows.size(), 2U);
    std::set<std::string> got;
    for (const auto& r : rows) {
      ASSERT_EQ(r.size(), 5U);  // id, channel, kind, created_us, sent_us
      got.insert(*r[0] + "|" + *r[1] + "|" + *r[2] + "|" + *r[3] + "|" + r[4].value_or("NULL"));
    }
    EXPECT_EQ(got, (std::set<std::string>{"a1|it|alert|7|NULL", "old|it|diff|5|9"}));
    ASSERT_TRUE(st->drop_changes(b.changes).ok());
  }
  exec("DELETE FROM outbox WHERE id = 'old'");
  ChangeBatch gone;
  ASSERT_TRUE(two.pending_changes(100, gone).ok());
  ASSERT_EQ(gone.changes.size(), 1U);
  EXPECT_EQ(gone.changes[0].kind + ":" + gone.changes[0].key, "delivery:old");
  EXPECT_TRUE(gone.rows[table_index("outbox")].empty());  // absent: a deletion
}

// A ledger that replicated under a mieruka that knew fewer record kinds (no
// reviews, no outbox) sends the records of those kinds when replication
// restarts, and nothing it sent already.
TEST_F(ChangeLogTest, ALedgerReplicatingFewerKindsLogsOnlyTheNewKinds) {
  Store s = open_ok("line1");
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  Ledger l = make_ledger("line1");
  ASSERT_TRUE(s.flush(l).ok());
  ChangeBatch sent;
  ASSERT_TRUE(s.pending_changes(100, sent).ok());
  ASSERT_TRUE(s.drop_changes(sent.changes).ok());
  const char* drop =
      "DROP TRIGGER reviews_insert_log; DROP TRIGGER reviews_update_log; DROP TRIGGER reviews_delete_log; "
      "DROP TRIGGER outbox_insert_log; DROP TRIGGER outbox_update_log; DROP TRIGGER outbox_delete_log;";
  ASSERT_EQ(sqlite3_exec(s.native_handle(), drop, nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_TRUE(s.record_review({kT0 + 1, "sched-1", ""}).ok());
  ASSERT_EQ(sqlite3_exec(s.native_handle(),
                         "INSERT INTO outbox (id, channel, kind, created_us, payload, next_attempt_us) VALUES "
                         "('d1', 'it', 'diff', 1, x'00', 1)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ChangeBatch none;
  ASSERT_TRUE(s.pending_changes(100, none).ok());
  EXPECT_TRUE(none.changes.empty());  // unseen without their triggers
  ASSERT_TRUE(s.start_change_log(kT0 + 5).ok());
  EXPECT_EQ(change_log_triggers(s.native_handle()), 30);
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  std::multiset<std::string> keys;
  for (const auto& c : b.changes) keys.insert(c.kind + ":" + c.key);
  EXPECT_EQ(keys, (std::multiset<std::string>{"delivery:d1", "review:" + std::to_string(kT0 + 1)}));
}

TEST_F(ChangeLogTest, StartLogsEveryStoredRecordWithItsRows) {
  Store s = open_ok("line1");
  Ledger l = make_ledger("line1");
  ASSERT_TRUE(s.flush(l).ok());
  ASSERT_TRUE(s.add_counters({{"packets", 10}}).ok());
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  std::multiset<std::string> kinds;
  for (const auto& c : b.changes) kinds.insert(c.kind);
  EXPECT_EQ(kinds, (std::multiset<std::string>{"asset", "asset", "counter", "edge"}));
  // Versions start at the clock: above anything a replaced database sent.
  for (const auto& c : b.changes) EXPECT_GT(c.seq, kT0);
  EXPECT_EQ(b.rows[table_index("assets")].size(), 2U);
  EXPECT_EQ(b.rows[table_index("asset_ips")].size(), 2U);
  EXPECT_EQ(b.rows[table_index("facts")].size(), 2U);
  EXPECT_EQ(b.rows[table_index("edges")].size(), 1U);
  ASSERT_EQ(b.rows[table_index("counters")].size(), 1U);
  EXPECT_EQ(b.rows[table_index("counters")][0][1], std::optional<std::string>("10"));
  // NULL stays NULL (no key_ip on a MAC-keyed asset).
  EXPECT_FALSE(b.rows[table_index("assets")][0][2].has_value());
  // A second start logs nothing more.
  ASSERT_TRUE(s.start_change_log(kT0 + 1).ok());
  ChangeBatch again;
  ASSERT_TRUE(s.pending_changes(100, again).ok());
  EXPECT_EQ(again.changes.size(), b.changes.size());
}

TEST_F(ChangeLogTest, ARecordChangedOftenHoldsOneRowWithItsNewestVersion) {
  Store s = open_ok("line1");
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  Ledger l = make_ledger("line1");
  ASSERT_TRUE(s.flush(l).ok());
  ChangeBatch first;
  ASSERT_TRUE(s.pending_changes(100, first).ok());
  ASSERT_EQ(first.changes.size(), 3U);
  for (int i = 0; i < 50; ++i) {
    l.assets_mut()[0].packets_sent = static_cast<std::uint64_t>(i);
    l.assets_mut()[0].dirty = true;
    ASSERT_TRUE(s.flush(l).ok());
  }
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  ASSERT_EQ(b.changes.size(), 3U);  // bounded by the records, not the writes
  const auto& newest = b.changes.back();
  EXPECT_EQ(newest.key, l.assets()[0].id);
  EXPECT_GT(newest.seq, first.changes.back().seq);
  // Dropping what was sent before the last change keeps that change.
  ASSERT_TRUE(s.drop_changes(first.changes).ok());
  ChangeBatch left;
  ASSERT_TRUE(s.pending_changes(100, left).ok());
  ASSERT_EQ(left.changes.size(), 1U);
  EXPECT_EQ(left.changes[0].seq, newest.seq);
  ASSERT_EQ(left.rows[table_index("assets")].size(), 1U);
  EXPECT_EQ(left.rows[table_index("assets")][0][7], std::optional<std::string>("49"));  // packets_sent
  ASSERT_TRUE(s.drop_changes(left.changes).ok());
  ASSERT_TRUE(s.pending_changes(100, left).ok());
  EXPECT_TRUE(left.changes.empty());
}

TEST_F(ChangeLogTest, BatchesComeOldestFirstAndCountWhatIsLeft) {
  Store s = open_ok("line1");
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  Ledger l = make_ledger("line1");
  ASSERT_TRUE(s.flush(l).ok());
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(2, b).ok());
  ASSERT_EQ(b.changes.size(), 2U);
  EXPECT_LT(b.changes[0].seq, b.changes[1].seq);
  EXPECT_EQ(b.remaining, 1U);
  EXPECT_GT(b.oldest_remaining_us, 0);
}

TEST_F(ChangeLogTest, ADeletedRecordIsAChangeWithoutRows) {
  Store s = open_ok("line1");
  Ledger l = make_ledger("line1");
  ASSERT_TRUE(s.flush(l).ok());
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  ASSERT_TRUE(s.drop_changes(b.changes).ok());
  l.edges_mut()[0].merged_into = 0;  // a tombstone: the flush deletes its row
  l.edges_mut()[0].dirty = true;
  ASSERT_TRUE(s.flush(l).ok());
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  ASSERT_EQ(b.changes.size(), 1U);
  EXPECT_EQ(b.changes[0].kind, "edge");
  EXPECT_EQ(b.changes[0].key, l.edges()[0].id);
  EXPECT_TRUE(b.rows[table_index("edges")].empty());
  EXPECT_TRUE(b.rows[table_index("edge_ops")].empty());
}

TEST_F(ChangeLogTest, OnlyTheReplicatingSensorIsLogged) {
  {
    Store s = open_ok("line1");
    ASSERT_TRUE(s.start_change_log(kT0).ok());
  }
  Store other = open_ok("line2");
  Ledger l = make_ledger("line2");
  ASSERT_TRUE(other.flush(l).ok());
  ChangeBatch b;
  ASSERT_TRUE(other.pending_changes(100, b).ok());
  EXPECT_TRUE(b.changes.empty());
  Store s = open_ok("line1");
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  EXPECT_TRUE(b.changes.empty());
}

TEST_F(ChangeLogTest, AFailedFlushLogsNothing) {
  Store s = open_ok("line1");
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  Ledger l = make_ledger("line1");
  // The log is written by the flush's own transaction: a flush that fails
  // (here: the change log cannot be written) leaves no record half-noted.
  sqlite3* db = s.native_handle();
  ASSERT_EQ(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON change_log WHEN NEW.kind = 'edge' "
                             "BEGIN SELECT RAISE(ABORT, 'refused'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_FALSE(s.flush(l).ok());
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  EXPECT_TRUE(b.changes.empty());
  int assets = -1;
  Statement q(db, "SELECT COUNT(*) FROM assets");
  ASSERT_EQ(q.prepare_rc(), SQLITE_OK);
  if (q.next()) assets = q.integer(0);
  EXPECT_EQ(assets, 0);
}

// A remediation state is part of its advisory's record: recording one queues
// the advisory with every state it has, so the central store judges the
// fleet's findings as the sensor does.
TEST_F(ChangeLogTest, ARemediationStateQueuesItsAdvisory) {
  Store s = open_ok("line1");
  ASSERT_TRUE(s.start_change_log(kT0).ok());
  StoredAdvisory adv{"ICSA-23-201-01", "csaf", "1", "2023-07-20T00:00:00Z", "Vendor PLC", "{}", 0, 0};
  std::vector<AdvisoryImport> outcomes;
  ASSERT_TRUE(s.import_advisories({adv}, outcomes, kT0).ok());
  ChangeBatch b;
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  ASSERT_EQ(b.changes.size(), 1U);
  EXPECT_EQ(b.changes[0].kind, "advisory");
  ASSERT_TRUE(s.drop_changes(b.changes).ok());
  ASSERT_TRUE(s.set_remediation({{"794c940bb1b1327e", "ICSA-23-201-01", "CVE-2023-1234", "compensated",
                                  "port closed", "ot", kT0 + 1}})
                  .ok());
  ASSERT_TRUE(s.pending_changes(100, b).ok());
  ASSERT_EQ(b.changes.size(), 1U);
  EXPECT_EQ(b.changes[0].kind, "advisory");
  EXPECT_EQ(b.changes[0].key, "ICSA-23-201-01");
  ASSERT_EQ(b.rows[table_index("advisories")].size(), 1U);
  const auto& states = b.rows[table_index("remediation_state")];
  ASSERT_EQ(states.size(), 1U);
  EXPECT_EQ(states[0][0], std::optional<std::string>("ICSA-23-201-01"));
  EXPECT_EQ(states[0][3], std::optional<std::string>("compensated"));
}

}  // namespace
}  // namespace mieruka::inventory
