// A small RAII layer over libpq for the central store: one connection, results
// freed on scope exit, every value a bound parameter (text format), never
// spliced into SQL. Every error is one line with the connection's password
// taken out (redact), whatever libpq put in it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace mieruka::sensor::central {

// Where and how to connect: a postgresql:// URL (or libpq key=value string),
// the password (read from a file by the caller; empty: libpq's own PGPASSWORD
// or ~/.pgpass), and a CA file (set: TLS with sslmode=verify-full).
//
// A statement whose answer has not come after `reply_timeout_s` (0: no limit,
// for `central init`'s migrations) fails and closes the connection: a central
// host that hangs (frozen, or cut off by a partition that drops packets
// without a reset) would otherwise hold the replication thread forever, since
// the kernel keeps the connection open. The transaction then never commits
// (the server rolls it back when it sees the connection gone) and the batch
// stays queued: sent again later, it is a no-op where it did arrive. TCP
// keepalives find an idle connection whose peer vanished.
struct PgTarget {
  std::string url, password, ca_file;
  int connect_timeout_s = 10;
  int reply_timeout_s = 120;
};

// The URL as it may be shown: a password written in it is replaced by "***".
[[nodiscard]] std::string redact_url(std::string_view url);
// True when the URL carries a password (in its user part or as password=).
[[nodiscard]] bool url_has_password(std::string_view url);
// `text` with every occurrence of the target's password and URL password
// replaced by "***", and line breaks turned into "; ".
[[nodiscard]] std::string redact(std::string text, const PgTarget& target);
// "{a,b}": a PostgreSQL array literal for a text[] or bigint[] parameter.
[[nodiscard]] std::string array_literal(const std::vector<std::string>& values);

class PgResult {
 public:
  explicit PgResult(pg_result* r = nullptr) noexcept : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();
  [[nodiscard]] int rows() const noexcept;
  [[nodiscard]] bool is_null(int row, int col) const noexcept;
  [[nodiscard]] std::string text(int row, int col) const;
  [[nodiscard]] long long number(int row, int col) const;

 private:
  pg_result* r_;
};

class PgConnection {
 public:
  // Connects; on failure nullopt and `error` (redacted, one line).
  [[nodiscard]] static std::optional<PgConnection> connect(const PgTarget& target, std::string& error);
  PgConnection(PgConnection&& o) noexcept;
  PgConnection& operator=(PgConnection&& o) noexcept;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Runs one statement with text parameters (nullopt: NULL). On failure
  // nullopt and `error` (redacted, one line).
  [[nodiscard]] std::optional<PgResult> exec(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                             std::string& error);
  [[nodiscard]] std::optional<PgResult> exec(const std::string& sql, std::string& error) { return exec(sql, {}, error); }
  // SQLSTATE of the last failed exec ("" when unknown).
  [[nodiscard]] const std::string& last_sqlstate() const noexcept { return sqlstate_; }
  // The connection was lost (the server went away, or a reply did not come
  // within the target's reply_timeout_s): reconnect.
  [[nodiscard]] bool broken() const noexcept;
  [[nodiscard]] const std::string& shown_url() const noexcept { return shown_url_; }

 private:
  PgConnection(pg_conn* c, PgTarget target);
  pg_conn* c_;
  PgTarget target_;
  std::string shown_url_, sqlstate_;
};

}  // namespace mieruka::sensor::central
