// The durable outbox (docs/delivery.md): every outgoing message
// (a scheduled diff, an immediate alert, a test) is first a row of table
// `outbox` (migration v4 in inventory/store/store.cpp), rendered for its channel, and
// is marked sent only after the receiver accepted it. A failed attempt is kept
// with its error and retried after an exponential backoff (30 s doubling to a
// 1 h cap, no jitter so that tests are deterministic), across restarts.
//
// Ids are stable: the same message enqueued twice is one row, and the id travels
// with the message (Message-ID, X-Mieruka-Id, syslog SD) so that a receiver can
// drop a duplicate (a send whose acceptance we did not see is sent again).
//
// The outbox has its own SQLite connection on the ledger's file (WAL: the
// delivery thread writes here while the daemon flushes the ledger).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/store/store.hpp"

struct sqlite3;

namespace mieruka::inventory {

// First retry delay and the cap of the doubling.
inline constexpr std::int64_t kOutboxBackoffBaseUs = 30LL * 1000000;
inline constexpr std::int64_t kOutboxBackoffCapUs = 3600LL * 1000000;
// Longest last_error kept (bytes).
inline constexpr std::size_t kOutboxMaxErrorBytes = 500;

struct OutboxMessage {
  std::string id;       // stable, unique (sensor/delivery/delivery.hpp message_id)
  std::string channel;  // [[channel]] name
  std::string kind;     // "diff", "alert", "test"
  std::string subject;  // one line for listings (and the e-mail subject)
  std::string payload;  // the bytes the channel sends (MIME, JSON, syslog frames)
  std::int64_t created_us = 0;
  int attempts = 0;
  std::int64_t next_attempt_us = 0;
  std::string last_error;
  std::optional<std::int64_t> sent_us;
};

// Delay before the next attempt after `failures` failed attempts (>= 1):
// 30 s, 60 s, 120 s, ... capped at 1 h. failures <= 0 gives 0.
[[nodiscard]] std::int64_t outbox_backoff_us(int failures) noexcept;

class Outbox {
 public:
  // Opens the database at `path` (creating it and applying the migrations
  // through Store::open when needed). nullopt with `error` set on failure.
  [[nodiscard]] static std::optional<Outbox> open(const std::string& path, std::string& error);

  Outbox(Outbox&&) noexcept;
  Outbox& operator=(Outbox&&) noexcept;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  ~Outbox();

  // Adds `m` due at `now_us`. An id already present (sent or not) is left as it
  // is and `added` is false: enqueueing is idempotent.
  StoreStatus enqueue(const OutboxMessage& m, std::int64_t now_us, bool* added = nullptr);
  // A transaction around several enqueues (all rows or none).
  StoreStatus begin();
  StoreStatus commit();
  void rollback() noexcept;
  // Replaces the payload of an unsent message (one rendered again).
  StoreStatus set_payload(std::string_view id, std::string_view payload);
  // Unsent messages whose next attempt is at or before `now_us`, oldest first.
  [[nodiscard]] std::vector<OutboxMessage> due(std::int64_t now_us, std::size_t limit, std::string& error);
  StoreStatus mark_sent(std::string_view id, std::int64_t now_us);
  // Counts a failed attempt, keeps `error` and schedules the next one after
  // outbox_backoff_us(attempts).
  StoreStatus mark_failed(std::string_view id, std::string_view error, std::int64_t now_us);
  // Makes every unsent message (or only those of `channel`) due at `now_us`.
  StoreStatus retry_now(std::int64_t now_us, std::string_view channel = {});
  // Unsent messages.
  [[nodiscard]] std::uint64_t pending(std::string& error);
  // Newest first: unsent ones, and sent ones too when `include_sent`.
  [[nodiscard]] std::vector<OutboxMessage> list(bool include_sent, std::size_t limit, std::string& error);
  [[nodiscard]] std::optional<OutboxMessage> get(std::string_view id, std::string& error);
  // Deletes sent messages sent before `before_us`; `deleted` gets the count.
  StoreStatus purge_sent(std::int64_t before_us, std::uint64_t* deleted = nullptr);

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  Outbox(sqlite3* db, std::string path) noexcept : db_(db), path_(std::move(path)) {}
  StoreStatus exec_update(const char* sql, std::string_view a, std::string_view b, std::int64_t x, std::int64_t y,
                          std::uint64_t* changes = nullptr);
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace mieruka::inventory
