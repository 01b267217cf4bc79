// The SQLite statement wrapper, and the rule that it is the only one.
#include "inventory/store/sqlite_statement.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace mieruka::inventory {
namespace {

namespace fs = std::filesystem;

struct Db {
  sqlite3* db = nullptr;
  Db() {
    EXPECT_EQ(sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
    EXPECT_EQ(exec(db, "CREATE TABLE t (a, b, c, d)"), SQLITE_OK);
  }
  ~Db() { sqlite3_close(db); }
};

TEST(SqliteStatement, BindsAndReadsEachType) {
  Db d;
  Statement ins(d.db, "INSERT INTO t (a, b, c, d) VALUES (?1, ?2, ?3, ?4)");
  ASSERT_TRUE(ins.ok()) << ins.error();
  const std::string with_nul("x\0y", 3);
  ins.bind(1, std::string_view(with_nul)).bind(2, std::numeric_limits<std::int64_t>::min());
  ins.bind(3, Blob{std::string_view("\x00\xFF", 2)}).bind(4, nullptr);
  EXPECT_EQ(ins.run(), SQLITE_OK);
  EXPECT_EQ(ins.changes(), 1);
  ins.bind(1, "").bind(2, std::uint64_t{0xFFFFFFFFFFFFFFFFULL}).bind(3, true).bind_or_null(4, "");
  EXPECT_EQ(ins.run(), SQLITE_OK);  // run() reset it: the same statement runs again

  Statement q(d.db, "SELECT a, b, c, d, typeof(a), typeof(c), typeof(d) FROM t ORDER BY rowid");
  ASSERT_TRUE(q.next());
  EXPECT_EQ(q.text(0), with_nul);
  EXPECT_EQ(q.int64(1), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(q.blob(2), std::string("\x00\xFF", 2));
  EXPECT_TRUE(q.is_null(3));
  EXPECT_EQ(q.text(3), "");
  EXPECT_EQ(q.text(4), "text");
  EXPECT_EQ(q.text(5), "blob");
  ASSERT_TRUE(q.next());
  EXPECT_EQ(q.text(0), "");
  EXPECT_EQ(q.text(4), "text");  // an empty view binds '', not NULL
  EXPECT_EQ(q.uint64(1), 0xFFFFFFFFFFFFFFFFULL);
  EXPECT_EQ(q.integer(2), 1);
  EXPECT_EQ(q.text(6), "null");
  EXPECT_FALSE(q.next());
  EXPECT_EQ(q.last_rc(), SQLITE_DONE);
}

TEST(SqliteStatement, ClearUnbindsAndResetRereads) {
  Db d;
  ASSERT_EQ(exec(d.db, "INSERT INTO t (a) VALUES (1), (2)"), SQLITE_OK);
  Statement q(d.db, "SELECT count(*) FROM t WHERE a >= ?1");
  q.bind(1, 2);
  ASSERT_TRUE(q.next());
  EXPECT_EQ(q.int64(0), 1);
  q.reset();  // the binding stays
  ASSERT_TRUE(q.next());
  EXPECT_EQ(q.int64(0), 1);
  q.clear();  // NULL: compares to nothing
  ASSERT_TRUE(q.next());
  EXPECT_EQ(q.int64(0), 0);
}

TEST(SqliteStatement, AFailedPrepareIsInertAndNamesTheSql) {
  Db d;
  Statement q(d.db, "SELECT nope FROM missing_table");
  EXPECT_FALSE(q.ok());
  EXPECT_EQ(q.prepare_rc(), SQLITE_ERROR);
  q.bind(1, "ignored").bind(2, 5);
  EXPECT_EQ(q.step(), SQLITE_ERROR);
  EXPECT_FALSE(q.next());
  EXPECT_EQ(q.text(0), "");
  EXPECT_EQ(q.error(), "SQL \"SELECT nope FROM missing_table\" failed: no such table: missing_table");

  Statement none(nullptr, "SELECT 1");
  EXPECT_FALSE(none.ok());
  EXPECT_EQ(none.step(), SQLITE_MISUSE);
  EXPECT_NE(none.error().find("SELECT 1"), std::string::npos);
}

TEST(SqliteStatement, AStepErrorNamesTheSqlAndSqlitesMessage) {
  Db d;
  ASSERT_EQ(exec(d.db, "CREATE TABLE u (k PRIMARY KEY)"), SQLITE_OK);
  Statement q(d.db, "INSERT INTO u (k) VALUES (?1)");
  q.bind(1, 7);
  EXPECT_EQ(q.run(), SQLITE_OK);
  q.bind(1, 7);
  EXPECT_EQ(q.run() & 0xff, SQLITE_CONSTRAINT);
  EXPECT_EQ(q.error(), "SQL \"INSERT INTO u (k) VALUES (?1)\" failed: UNIQUE constraint failed: u.k");
  // Long SQL is shortened to one line.
  const std::string long_sql = "SELECT\n1 AS " + std::string(200, 'x') + " FROM missing";
  const std::string e = Statement(d.db, long_sql).error();
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_NE(e.find("...\" failed: no such table: missing"), std::string::npos) << e;
}

TEST(SqliteStatement, MovesOwnership) {
  Db d;
  Statement a(d.db, "SELECT 42");
  Statement b(std::move(a));
  EXPECT_FALSE(a.ok());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  ASSERT_TRUE(b.next());
  EXPECT_EQ(b.int64(0), 42);
  Statement c;
  c = std::move(b);
  c.reset();
  ASSERT_TRUE(c.next());
  EXPECT_EQ(c.integer(0), 42);
}

// The rule: SQL is prepared, bound, stepped and read only through Statement.
// A second wrapper (or a raw call) elsewhere is a second way of doing it.
TEST(SqliteStatement, IsTheOnlyStatementWrapper) {
  const fs::path root = MIERUKA_SOURCE_DIR;
  const std::array<std::string, 7> calls = {"sqlite3_prepare", "sqlite3_step",  "sqlite3_bind_",
                                            "sqlite3_column_", "sqlite3_finalize", "sqlite3_reset",
                                            "sqlite3_clear_bindings"};
  std::size_t scanned = 0;
  std::vector<std::string> offending;
  for (const char* dir : {"inventory", "sensor", "dissectors", "bench", "tests"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp" && ext != ".h" && ext != ".cc" && ext != ".c") continue;
      const std::string rel = fs::relative(entry.path(), root).generic_string();
      ++scanned;
      // The wrapper, and this test, which names the calls it looks for.
      if (rel == "inventory/store/sqlite_statement.cpp" || rel == "tests/unit/inventory/store/sqlite_statement_test.cpp")
        continue;
      std::ifstream in(entry.path());
      std::string line;
      for (std::size_t n = 1; std::getline(in, line); ++n) {
        const std::string code = line.substr(0, line.find("//"));
        for (const auto& c : calls)
          if (code.find(c) != std::string::npos) offending.push_back(rel + ":" + std::to_string(n) + ": " + c);
      }
    }
  }
  ASSERT_GT(scanned, 50U) << "source tree not found under " << root;
  std::string list;
  for (const auto& o : offending) list += "\n  " + o;
  EXPECT_TRUE(offending.empty()) << "SQLite statements outside inventory/store/sqlite_statement.cpp; use "
                                    "inventory::Statement instead:"
                                 << list;
}

}  // namespace
}  // namespace mieruka::inventory
