// libpq wrapper for the central store (see pg.hpp).
#include "sensor/central/pg.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <utility>

namespace mieruka::sensor::central {
namespace {

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
}

// The password written in a URL's user part (postgresql://user:pw@host), if any.
std::string url_password(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::string_view rest = url.substr(scheme + 3);
  const auto at = rest.find('@');
  const auto slash = rest.find('/');
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) return {};
  const std::string_view user = rest.substr(0, at);
  const auto colon = user.find(':');
  return colon == std::string_view::npos ? std::string() : std::string(user.substr(colon + 1));
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out(url);
  const std::string pw = url_password(url);
  if (!pw.empty()) replace_all(out, ":" + pw + "@", ":***@");
  // A key=value string or a query parameter may carry one too.
  for (const std::string_view key : {"password=", "password = "}) {
    for (auto at = out.find(key); at != std::string::npos; at = out.find(key, at + key.size())) {
      auto end = out.find_first_of(" &", at + key.size());
      if (end == std::string::npos) end = out.size();
      out.replace(at + key.size(), end - at - key.size(), "***");
    }
  }
  return out;
}

bool url_has_password(std::string_view url) { return redact_url(url) != url; }

std::string redact(std::string text, const PgTarget& target) {
  replace_all(text, target.url, redact_url(target.url));
  if (const std::string pw = url_password(target.url); !pw.empty()) replace_all(text, pw, "***");
  replace_all(text, target.password, "***");
  // One line: libpq's continuation lines ("\n\tThis probably means ...") joined.
  for (char& c : text)
    if (c == '\t' || c == '\r') c = ' ';
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  replace_all(text, "\n ", "\n");
  replace_all(text, "\n", "; ");
  return text;
}

std::string array_literal(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
PgResult::~PgResult() { PQclear(r_); }
int PgResult::rows() const noexcept { return r_ == nullptr ? 0 : PQntuples(r_); }
bool PgResult::is_null(int row, int col) const noexcept { return r_ == nullptr || PQgetisnull(r_, row, col) != 0; }
std::string PgResult::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
long long PgResult::number(int row, int col) const {
  return is_null(row, col) ? 0 : std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

PgConnection::PgConnection(pg_conn* c, PgTarget target)
    : c_(c), target_(std::move(target)), shown_url_(redact_url(target_.url)) {}
PgConnection::PgConnection(PgConnection&& o) noexcept
    : c_(o.c_), target_(std::move(o.target_)), shown_url_(std::move(o.shown_url_)), sqlstate_(std::move(o.sqlstate_)) {
  o.c_ = nullptr;
}
PgConnection& PgConnection::operator=(PgConnection&& o) noexcept {
  if (this != &o) {
    PQfinish(c_);
    c_ = o.c_;
    o.c_ = nullptr;
    target_ = std::move(o.target_);
    shown_url_ = std::move(o.shown_url_);
    sqlstate_ = std::move(o.sqlstate_);
  }
  return *this;
}
PgConnection::~PgConnection() { PQfinish(c_); }

std::optional<PgConnection> PgConnection::connect(const PgTarget& target, std::string& error) {
  std::vector<const char*> keys, values;
  const std::string timeout = std::to_string(target.connect_timeout_s);
  keys.push_back("dbname");
  values.push_back(target.url.c_str());
  keys.push_back("connect_timeout");
  values.push_back(timeout.c_str());
  keys.push_back("application_name");
  values.push_back("mieruka");
  // An idle connection to a host that vanished is found within about two
  // minutes; data the host never acknowledges fails after the reply limit.
  const std::string user_timeout_ms = std::to_string(std::max(0, target.reply_timeout_s) * 1000);
  for (const auto& [k, v] : {std::pair<const char*, const char*>{"keepalives", "1"},
                             {"keepalives_idle", "60"},
                             {"keepalives_interval", "10"},
                             {"keepalives_count", "6"},
                             {"tcp_user_timeout", user_timeout_ms.c_str()}}) {
    keys.push_back(k);
    values.push_back(v);
  }
  if (!target.password.empty()) {
    keys.push_back("password");
    values.push_back(target.password.c_str());
  }
  if (!target.ca_file.empty()) {
    keys.push_back("sslmode");
    values.push_back("verify-full");
    keys.push_back("sslrootcert");
    values.push_back(target.ca_file.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  pg_conn* c = PQconnectdbParams(keys.data(), values.data(), 1);
  if (c == nullptr) {
    error = "central " + redact_url(target.url) + ": cannot connect (out of memory)";
    return std::nullopt;
  }
  if (PQstatus(c) != CONNECTION_OK) {
    error = "central " + redact_url(target.url) + ": cannot connect (" + redact(PQerrorMessage(c), target) +
            "); check the URL, that PostgreSQL runs there, and the role's password";
    PQfinish(c);
    return std::nullopt;
  }
  // The server's notices ("relation already exists, skipping") are not for the
  // operator: without this libpq prints them on stderr.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  // Numbers and times as the sensor writes them, whatever the server's defaults.
  PGresult* r = PQexec(c, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    error = "central " + redact_url(target.url) + ": " + redact(PQerrorMessage(c), target);
    PQfinish(c);
    return std::nullopt;
  }
  // Statements are sent and answered without blocking, so that a reply that
  // never comes ends at the target's limit (exec).
  if (PQsetnonblocking(c, 1) != 0) {
    error = "central " + redact_url(target.url) + ": " + redact(PQerrorMessage(c), target);
    PQfinish(c);
    return std::nullopt;
  }
  return PgConnection(c, target);
}

std::optional<PgResult> PgConnection::exec(const std::string& sql,
                                           const std::vector<std::optional<std::string>>& params, std::string& error) {
  sqlstate_.clear();
  if (c_ == nullptr) {
    error = "central " + shown_url_ + ": the connection was closed after an error; connect again";
    return std::nullopt;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  // Without parameters, the simple protocol: it also runs several statements at once.
  const int sent = params.empty() ? PQsendQuery(c_, sql.c_str())
                                  : PQsendQueryParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                                      values.data(), nullptr, nullptr, 0);
  if (sent == 0) {
    error = "central " + shown_url_ + ": " + redact(PQerrorMessage(c_), target_);
    return std::nullopt;
  }
  using Clock = std::chrono::steady_clock;
  const bool limited = target_.reply_timeout_s > 0;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(target_.reply_timeout_s);
  // Waits until the socket is ready for `events`; false once the limit passed.
  auto wait = [&](short events) {
    for (;;) {
      int ms = -1;
      if (limited) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        ms = static_cast<int>(std::min<long long>(left, 60'000));
      }
      pollfd p{PQsocket(c_), events, 0};
      const int n = ::poll(&p, 1, ms);
      if (n > 0) return true;
      if (n < 0 && errno != EINTR) return true;  // libpq reports the socket's error itself
    }
  };
  auto no_reply = [&] {
    PQfinish(c_);
    c_ = nullptr;
    error = "central " + shown_url_ + ": no reply within " + std::to_string(target_.reply_timeout_s) +
            " s (the central host hangs, or the network drops packets); the connection is closed and what it did "
            "not commit is sent again later";
    return std::nullopt;
  };
  auto failed = [&] {
    error = "central " + shown_url_ + ": " + redact(PQerrorMessage(c_), target_);
    return std::nullopt;
  };
  // What libpq could not write at once goes out as the socket takes it.
  for (int f = PQflush(c_); f != 0; f = PQflush(c_)) {
    if (f < 0) return failed();
    if (!wait(POLLIN | POLLOUT)) return no_reply();
    if (PQconsumeInput(c_) == 0) return failed();
  }
  // As PQexec: the last result, or the first that failed.
  PgResult kept;
  bool have = false, error_kept = false;
  for (;;) {
    while (PQisBusy(c_) != 0) {
      if (!wait(POLLIN)) return no_reply();
      if (PQconsumeInput(c_) == 0) return failed();
    }
    PGresult* raw = PQgetResult(c_);
    if (raw == nullptr) break;
    const ExecStatusType st = PQresultStatus(raw);
    if (error_kept) {
      PQclear(raw);
      continue;
    }
    kept = PgResult(raw);
    have = true;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
      error_kept = true;
      if (const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE)) sqlstate_ = state;
      error = "central " + shown_url_ + ": " + redact(PQresultErrorMessage(raw), target_);
    }
  }
  if (!have) return failed();
  if (error_kept) return std::nullopt;
  return kept;
}

bool PgConnection::broken() const noexcept { return c_ == nullptr || PQstatus(c_) != CONNECTION_OK; }

}  // namespace mieruka::sensor::central
