// The durable outbox (see outbox.hpp). Table `outbox` comes from migration v4.
#include "inventory/outbox.hpp"

#include <sqlite3.h>

#include <utility>

namespace mieruka::inventory {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// A prepared statement finalized at scope exit.
class Query {
 public:
  Query(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Query() { sqlite3_finalize(s_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  [[nodiscard]] bool ok() const noexcept { return rc_ == SQLITE_OK; }
  void text(int i, std::string_view v) {
    // A null data() would bind SQL NULL: an empty view is the empty string.
    sqlite3_bind_text(s_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void i64(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  int step() { return sqlite3_step(s_); }
  [[nodiscard]] std::string col_text(int i) const {
    const void* p = sqlite3_column_blob(s_, i);
    const int n = sqlite3_column_bytes(s_, i);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  [[nodiscard]] std::int64_t col_i64(int i) const { return sqlite3_column_int64(s_, i); }
  [[nodiscard]] bool col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

constexpr const char* kColumns =
    "SELECT id, channel, kind, subject, payload, created_us, attempts, next_attempt_us, last_error, sent_us "
    "FROM outbox ";

OutboxMessage row(const Query& q) {
  OutboxMessage m;
  m.id = q.col_text(0);
  m.channel = q.col_text(1);
  m.kind = q.col_text(2);
  m.subject = q.col_text(3);
  m.payload = q.col_text(4);
  m.created_us = q.col_i64(5);
  m.attempts = static_cast<int>(q.col_i64(6));
  m.next_attempt_us = q.col_i64(7);
  m.last_error = q.col_text(8);
  if (!q.col_null(9)) m.sent_us = q.col_i64(9);
  return m;
}

std::string failure(const std::string& path, sqlite3* db, const char* what) {
  const int rc = sqlite3_errcode(db);
  std::string line = path + ": outbox " + what + " failed (" + sqlite3_errmsg(db) + ")";
  if ((rc & 0xff) == SQLITE_FULL) line += "; free space on the disk, nothing was lost";
  else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) line += "; another writer holds the database";
  else if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
    return line + "; the database is damaged: move it aside and use another --db";
  return line + "; will retry";
}

}  // namespace

std::int64_t outbox_backoff_us(int failures) noexcept {
  if (failures <= 0) return 0;
  std::int64_t d = kOutboxBackoffBaseUs;
  for (int i = 1; i < failures && d < kOutboxBackoffCapUs; ++i) d *= 2;
  return d < kOutboxBackoffCapUs ? d : kOutboxBackoffCapUs;
}

std::optional<Outbox> Outbox::open(const std::string& path, std::string& error) {
  {
    // Creates the file and applies the migrations (v4 holds the outbox table).
    auto store = Store::open(path, "outbox", error);
    if (!store) return std::nullopt;
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = path + ": cannot open the outbox (" + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) + ")";
    sqlite3_close(db);
    return std::nullopt;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr);
  return Outbox(db, path);
}

Outbox::Outbox(Outbox&& o) noexcept : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}
Outbox& Outbox::operator=(Outbox&& o) noexcept {
  if (this != &o) {
    sqlite3_close(db_);
    db_ = std::exchange(o.db_, nullptr);
    path_ = std::move(o.path_);
  }
  return *this;
}
Outbox::~Outbox() { sqlite3_close(db_); }

StoreStatus Outbox::enqueue(const OutboxMessage& m, std::int64_t now_us, bool* added) {
  Query q(db_,
          "INSERT INTO outbox (id, channel, kind, created_us, subject, payload, attempts, next_attempt_us, "
          "last_error, sent_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?4, '', NULL) ON CONFLICT (id) DO NOTHING");
  if (!q.ok()) return {failure(path_, db_, "enqueue")};
  q.text(1, m.id);
  q.text(2, m.channel);
  q.text(3, m.kind);
  q.i64(4, now_us);
  q.text(5, m.subject);
  q.blob(6, m.payload);
  if (q.step() != SQLITE_DONE) return {failure(path_, db_, "enqueue")};
  if (added != nullptr) *added = sqlite3_changes(db_) > 0;
  return {};
}

StoreStatus Outbox::begin() {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return {failure(path_, db_, "begin")};
  return {};
}

StoreStatus Outbox::commit() {
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return {failure(path_, db_, "commit")};
  return {};
}

void Outbox::rollback() noexcept {
  // SQLite may have rolled back already (SQLITE_FULL): only an open transaction is ended.
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

StoreStatus Outbox::set_payload(std::string_view id, std::string_view payload) {
  Query q(db_, "UPDATE outbox SET payload = ?2 WHERE id = ?1 AND sent_us IS NULL");
  if (!q.ok()) return {failure(path_, db_, "update")};
  q.text(1, id);
  q.blob(2, payload);
  if (q.step() != SQLITE_DONE) return {failure(path_, db_, "update")};
  return {};
}

std::vector<OutboxMessage> Outbox::due(std::int64_t now_us, std::size_t limit, std::string& error) {
  std::vector<OutboxMessage> out;
  Query q(db_, (std::string(kColumns) +
                "WHERE sent_us IS NULL AND next_attempt_us <= ?1 ORDER BY next_attempt_us, created_us, id LIMIT ?2")
                   .c_str());
  if (!q.ok()) {
    error = failure(path_, db_, "read");
    return out;
  }
  q.i64(1, now_us);
  q.i64(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(row(q));
  if (rc != SQLITE_DONE) error = failure(path_, db_, "read");
  return out;
}

StoreStatus Outbox::exec_update(const char* sql, std::string_view a, std::string_view b, std::int64_t x,
                                std::int64_t y, std::uint64_t* changes) {
  // Unused parameters are allowed: a bind past the last one is ignored.
  Query q(db_, sql);
  if (!q.ok()) return {failure(path_, db_, "update")};
  q.text(1, a);
  q.text(2, b);
  q.i64(3, x);
  q.i64(4, y);
  if (q.step() != SQLITE_DONE) return {failure(path_, db_, "update")};
  if (changes != nullptr) *changes = static_cast<std::uint64_t>(sqlite3_changes(db_));
  return {};
}

StoreStatus Outbox::mark_sent(std::string_view id, std::int64_t now_us) {
  return exec_update("UPDATE outbox SET sent_us = ?3, attempts = attempts + 1, last_error = ?2 "
                     "WHERE id = ?1 AND sent_us IS NULL",
                     id, "", now_us, 0);
}

StoreStatus Outbox::mark_failed(std::string_view id, std::string_view error, std::int64_t now_us) {
  std::string err(error.substr(0, kOutboxMaxErrorBytes));
  // The attempts count after this failure decides the delay; read it first so
  // that the arithmetic stays in one place (outbox_backoff_us).
  std::string read_error;
  auto m = get(id, read_error);
  if (!m) return {read_error.empty() ? path_ + ": outbox has no message " + std::string(id) : read_error};
  const std::int64_t next = now_us + outbox_backoff_us(m->attempts + 1);
  return exec_update("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_us = ?4 "
                     "WHERE id = ?1 AND sent_us IS NULL",
                     id, err, now_us, next);
}

StoreStatus Outbox::retry_now(std::int64_t now_us, std::string_view channel) {
  return exec_update("UPDATE outbox SET next_attempt_us = ?3 WHERE sent_us IS NULL AND (?1 = '' OR channel = ?1)",
                     channel, "", now_us, 0);
}

std::uint64_t Outbox::pending(std::string& error) {
  Query q(db_, "SELECT count(*) FROM outbox WHERE sent_us IS NULL");
  if (!q.ok() || q.step() != SQLITE_ROW) {
    error = failure(path_, db_, "read");
    return 0;
  }
  return static_cast<std::uint64_t>(q.col_i64(0));
}

std::vector<OutboxMessage> Outbox::list(bool include_sent, std::size_t limit, std::string& error) {
  std::vector<OutboxMessage> out;
  Query q(db_, (std::string(kColumns) + "WHERE (?1 OR sent_us IS NULL) ORDER BY created_us DESC, id LIMIT ?2").c_str());
  if (!q.ok()) {
    error = failure(path_, db_, "read");
    return out;
  }
  q.i64(1, include_sent ? 1 : 0);
  q.i64(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(row(q));
  if (rc != SQLITE_DONE) error = failure(path_, db_, "read");
  return out;
}

std::optional<OutboxMessage> Outbox::get(std::string_view id, std::string& error) {
  Query q(db_, (std::string(kColumns) + "WHERE id = ?1").c_str());
  if (!q.ok()) {
    error = failure(path_, db_, "read");
    return std::nullopt;
  }
  q.text(1, id);
  const int rc = q.step();
  if (rc == SQLITE_ROW) return row(q);
  if (rc != SQLITE_DONE) error = failure(path_, db_, "read");
  return std::nullopt;
}

StoreStatus Outbox::purge_sent(std::int64_t before_us, std::uint64_t* deleted) {
  return exec_update("DELETE FROM outbox WHERE sent_us IS NOT NULL AND sent_us < ?3",
                     "", "", before_us, 0, deleted);
}

}  // namespace mieruka::inventory
