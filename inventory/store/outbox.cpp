// The durable outbox (see outbox.hpp). Table `outbox` comes from migration v4.
#include "inventory/store/outbox.hpp"

#include <sqlite3.h>

#include "inventory/store/sqlite_statement.hpp"

#include <utility>

namespace mieruka::inventory {
namespace {

constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kColumns =
    "SELECT id, channel, kind, subject, payload, created_us, attempts, next_attempt_us, last_error, sent_us "
    "FROM outbox ";

OutboxMessage row(const Statement& q) {
  OutboxMessage m;
  m.id = q.text(0);
  m.channel = q.text(1);
  m.kind = q.text(2);
  m.subject = q.text(3);
  m.payload = q.text(4);
  m.created_us = q.int64(5);
  m.attempts = static_cast<int>(q.int64(6));
  m.next_attempt_us = q.int64(7);
  m.last_error = q.text(8);
  if (!q.is_null(9)) m.sent_us = q.int64(9);
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
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
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
  Statement q(db_,
          "INSERT INTO outbox (id, channel, kind, created_us, subject, payload, attempts, next_attempt_us, "
          "last_error, sent_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?4, '', NULL) ON CONFLICT (id) DO NOTHING");
  if (!q.ok()) return {failure(path_, db_, "enqueue")};
  q.bind(1, m.id);
  q.bind(2, m.channel);
  q.bind(3, m.kind);
  q.bind(4, now_us);
  q.bind(5, m.subject);
  q.bind(6, Blob{m.payload});
  if (q.step() != SQLITE_DONE) return {failure(path_, db_, "enqueue")};
  if (added != nullptr) *added = q.changes() > 0;
  return {};
}

StoreStatus Outbox::begin() {
  if (exec(db_, "BEGIN IMMEDIATE") != SQLITE_OK) return {failure(path_, db_, "begin")};
  return {};
}

StoreStatus Outbox::commit() {
  if (exec(db_, "COMMIT") != SQLITE_OK) return {failure(path_, db_, "commit")};
  return {};
}

void Outbox::rollback() noexcept {
  // SQLite may have rolled back already (SQLITE_FULL): only an open transaction is ended.
  if (sqlite3_get_autocommit(db_) == 0) exec(db_, "ROLLBACK");
}

StoreStatus Outbox::set_payload(std::string_view id, std::string_view payload) {
  Statement q(db_, "UPDATE outbox SET payload = ?2 WHERE id = ?1 AND sent_us IS NULL");
  if (!q.ok()) return {failure(path_, db_, "update")};
  q.bind(1, id);
  q.bind(2, Blob{payload});
  if (q.step() != SQLITE_DONE) return {failure(path_, db_, "update")};
  return {};
}

std::vector<OutboxMessage> Outbox::due(std::int64_t now_us, std::size_t limit, std::string& error) {
  std::vector<OutboxMessage> out;
  Statement q(db_, std::string(kColumns) +
                       "WHERE sent_us IS NULL AND next_attempt_us <= ?1 "
                       "ORDER BY next_attempt_us, created_us, id LIMIT ?2");
  if (!q.ok()) {
    error = failure(path_, db_, "read");
    return out;
  }
  q.bind(1, now_us);
  q.bind(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(row(q));
  if (rc != SQLITE_DONE) error = failure(path_, db_, "read");
  return out;
}

StoreStatus Outbox::exec_update(const char* sql, std::string_view a, std::string_view b, std::int64_t x,
                                std::int64_t y, std::uint64_t* changes) {
  // Unused parameters are allowed: a bind past the last one is ignored.
  Statement q(db_, sql);
  if (!q.ok()) return {failure(path_, db_, "update")};
  q.bind(1, a);
  q.bind(2, b);
  q.bind(3, x);
  q.bind(4, y);
  if (q.step() != SQLITE_DONE) return {failure(path_, db_, "update")};
  if (changes != nullptr) *changes = static_cast<std::uint64_t>(q.changes());
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
  Statement q(db_, "SELECT count(*) FROM outbox WHERE sent_us IS NULL");
  if (!q.ok() || q.step() != SQLITE_ROW) {
    error = failure(path_, db_, "read");
    return 0;
  }
  return static_cast<std::uint64_t>(q.int64(0));
}

std::vector<OutboxMessage> Outbox::list(bool include_sent, std::size_t limit, std::string& error) {
  std::vector<OutboxMessage> out;
  Statement q(db_, std::string(kColumns) + "WHERE (?1 OR sent_us IS NULL) ORDER BY created_us DESC, id LIMIT ?2");
  if (!q.ok()) {
    error = failure(path_, db_, "read");
    return out;
  }
  q.bind(1, include_sent ? 1 : 0);
  q.bind(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(row(q));
  if (rc != SQLITE_DONE) error = failure(path_, db_, "read");
  return out;
}

std::optional<OutboxMessage> Outbox::get(std::string_view id, std::string& error) {
  Statement q(db_, std::string(kColumns) + "WHERE id = ?1");
  if (!q.ok()) {
    error = failure(path_, db_, "read");
    return std::nullopt;
  }
  q.bind(1, id);
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
