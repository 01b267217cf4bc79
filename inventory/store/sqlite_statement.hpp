// Statement: the one way mieruka runs SQL on an SQLite connection. A prepared
// statement finalized when it goes out of scope, with parameters bound by
// index (1-based, as in the SQL's ?N) and columns read by index (0-based).
// Every prepare, bind, step and column read of the sensor, the CLI and the web
// console goes through it; only the code that opens a connection (Store) and
// the per-connection calls below speak to SQLite directly.
//
// A statement that failed to prepare is inert: binds do nothing and step()
// returns the prepare error, so a caller checks once, where it steps.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace mieruka::inventory {

// Bytes bound as a BLOB (a string_view binds TEXT).
struct Blob {
  std::string_view bytes;
};

class Statement {
 public:
  // `persistent`: kept prepared for many runs (SQLITE_PREPARE_PERSISTENT).
  Statement(sqlite3* db, std::string_view sql, bool persistent = false);
  Statement() = default;  // empty: ok() is false
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  [[nodiscard]] bool ok() const noexcept { return stmt_ != nullptr; }
  // SQLITE_OK, or why the statement did not prepare.
  [[nodiscard]] int prepare_rc() const noexcept { return prepare_rc_; }

  // --- parameters (index from 1) ---
  // TEXT; an empty view binds the empty string, never NULL.
  Statement& bind(int i, std::string_view text);
  Statement& bind(int i, const std::string& text) { return bind(i, std::string_view(text)); }
  Statement& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  Statement& bind(int i, Blob blob);
  Statement& bind(int i, std::nullptr_t);  // SQL NULL
  Statement& bind(int i, bool v) { return bind_int64(i, v ? 1 : 0); }
  // Any integer; unsigned values above 2^63 wrap (the schema keeps counters in BIGINT).
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Statement& bind(int i, T v) {
    return bind_int64(i, static_cast<std::int64_t>(v));
  }
  // TEXT, or NULL when `text` is empty.
  Statement& bind_or_null(int i, std::string_view text) { return text.empty() ? bind(i, nullptr) : bind(i, text); }

  // --- running ---
  // One step: SQLITE_ROW, SQLITE_DONE or the error (the prepare error when it did not prepare).
  int step();
  // Steps to the next row: true while there is one (then last_rc() tells DONE from an error).
  bool next() { return step() == row_rc(); }
  // Steps a statement without rows to completion and resets it for the next
  // binding: SQLITE_OK when done, else the error.
  int run();
  // The result of the last step() (or the prepare error).
  [[nodiscard]] int last_rc() const noexcept { return last_rc_; }
  // Back to before the first step; bindings are kept.
  void reset();
  // Back to before the first step with every parameter NULL.
  void clear();

  // --- columns of the current row (index from 0) ---
  // TEXT as bytes (NUL bytes kept); "" for NULL.
  [[nodiscard]] std::string text(int i) const;
  // The same bytes without a copy: valid until the next step, reset or destruction.
  [[nodiscard]] std::string_view text_view(int i) const;
  [[nodiscard]] std::string blob(int i) const;
  [[nodiscard]] std::int64_t int64(int i) const;
  [[nodiscard]] std::uint64_t uint64(int i) const { return static_cast<std::uint64_t>(int64(i)); }
  [[nodiscard]] int integer(int i) const;
  [[nodiscard]] bool is_null(int i) const;
  // The number of columns a row of this statement has (0 when it did not prepare).
  [[nodiscard]] int column_count() const;

  // Rows the last completed INSERT, UPDATE or DELETE on this connection changed.
  [[nodiscard]] int changes() const;
  // One line: the SQL (shortened) and SQLite's message for the connection's last error.
  [[nodiscard]] std::string error() const;
  // SQLite's message alone (sqlite3_errmsg), for texts that name the action themselves.
  [[nodiscard]] std::string message() const;

 private:
  Statement& bind_int64(int i, std::int64_t v);
  static int row_rc() noexcept;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  int prepare_rc_ = 0;
  int last_rc_ = 0;
};

// Runs SQL without results (one or more statements; BEGIN, COMMIT, PRAGMA ...).
// SQLITE_OK or the error.
int exec(sqlite3* db, const char* sql);

}  // namespace mieruka::inventory
