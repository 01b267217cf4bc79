// Statement: see sqlite_statement.hpp.
#include "inventory/store/sqlite_statement.hpp"

#include <sqlite3.h>

#include <utility>

namespace mieruka::inventory {

namespace {
// How much of the SQL an error line quotes: enough to tell the statement.
constexpr std::size_t kSqlShown = 80;
}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql, bool persistent) : db_(db), sql_(sql) {
  if (db == nullptr) {
    prepare_rc_ = last_rc_ = SQLITE_MISUSE;
    return;
  }
  prepare_rc_ = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                   persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr);
  if (prepare_rc_ != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  } else if (stmt_ == nullptr) {
    prepare_rc_ = SQLITE_MISUSE;  // only white space or a comment: nothing to run
  }
  last_rc_ = prepare_rc_;
}

Statement::Statement(Statement&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      stmt_(std::exchange(o.stmt_, nullptr)),
      sql_(std::move(o.sql_)),
      prepare_rc_(o.prepare_rc_),
      last_rc_(o.last_rc_) {}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(o.db_, nullptr);
    stmt_ = std::exchange(o.stmt_, nullptr);
    sql_ = std::move(o.sql_);
    prepare_rc_ = o.prepare_rc_;
    last_rc_ = o.last_rc_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

int Statement::row_rc() noexcept { return SQLITE_ROW; }

Statement& Statement::bind(int i, std::string_view text) {
  // A null data() would bind SQL NULL: an empty view is the empty string.
  if (stmt_ != nullptr)
    sqlite3_bind_text(stmt_, i, text.data() == nullptr ? "" : text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int i, Blob blob) {
  if (stmt_ != nullptr)
    sqlite3_bind_blob(stmt_, i, blob.bytes.data() == nullptr ? "" : blob.bytes.data(),
                      static_cast<int>(blob.bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int i, std::nullptr_t) {
  if (stmt_ != nullptr) sqlite3_bind_null(stmt_, i);
  return *this;
}

Statement& Statement::bind_int64(int i, std::int64_t v) {
  if (stmt_ != nullptr) sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

int Statement::step() {
  if (stmt_ == nullptr) return last_rc_ = prepare_rc_;
  return last_rc_ = sqlite3_step(stmt_);
}

int Statement::run() {
  const int rc = step();
  reset();
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void Statement::reset() {
  if (stmt_ != nullptr) sqlite3_reset(stmt_);
}

void Statement::clear() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string_view Statement::text_view(int i) const {
  if (stmt_ == nullptr) return {};
  const auto* p = sqlite3_column_text(stmt_, i);  // before _bytes, as SQLite asks
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
}

std::string Statement::text(int i) const { return std::string(text_view(i)); }

std::string Statement::blob(int i) const {
  if (stmt_ == nullptr) return {};
  const void* p = sqlite3_column_blob(stmt_, i);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
}

std::int64_t Statement::int64(int i) const { return stmt_ == nullptr ? 0 : sqlite3_column_int64(stmt_, i); }
int Statement::integer(int i) const { return stmt_ == nullptr ? 0 : sqlite3_column_int(stmt_, i); }
int Statement::column_count() const { return stmt_ != nullptr ? sqlite3_column_count(stmt_) : 0; }

bool Statement::is_null(int i) const { return stmt_ == nullptr || sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

int Statement::changes() const { return db_ == nullptr ? 0 : sqlite3_changes(db_); }

std::string Statement::error() const {
  std::string sql = sql_.size() > kSqlShown ? sql_.substr(0, kSqlShown) + "..." : sql_;
  for (char& c : sql)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return "SQL \"" + sql + "\" failed: " + message();
}

std::string Statement::message() const { return db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(last_rc_); }

int exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

}  // namespace mieruka::inventory
