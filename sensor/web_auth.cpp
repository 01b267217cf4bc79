// Web console accounts and sessions (see web_auth.hpp).
#include "sensor/web_auth.hpp"

#include <sodium.h>
#include <sqlite3.h>

namespace mieruka::sensor::web {
namespace {

bool sodium_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

std::string random_hex(std::size_t bytes) {
  unsigned char buf[64];
  randombytes_buf(buf, bytes);
  return to_hex(buf, bytes);
}

std::string token_hash(std::string_view token) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return to_hex(h, sizeof h);
}

std::string column_text(sqlite3_stmt* st, int i) {
  const unsigned char* t = sqlite3_column_text(st, i);
  return t != nullptr ? std::string(reinterpret_cast<const char*>(t)) : std::string();
}

// A prepared statement that finalizes itself.
struct Stmt {
  sqlite3_stmt* st = nullptr;
  Stmt(sqlite3* db, const char* sql) { (void)sqlite3_prepare_v2(db, sql, -1, &st, nullptr); }
  ~Stmt() { sqlite3_finalize(st); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  void text(int i, std::string_view v) { sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void int64(int i, std::int64_t v) { sqlite3_bind_int64(st, i, v); }
};

}  // namespace

std::string check_user_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxUserNameBytes) return "a user name has 1 to 64 characters";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '@' || c == '-';
    if (!ok) return "a user name has only letters, digits and . _ @ -";
  }
  return {};
}

std::optional<std::string> hash_password(std::string_view password) {
  if (!sodium_ready()) return std::nullopt;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return std::nullopt;
  return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (!sodium_ready() || password.size() > kMaxPasswordBytes) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool add_user(sqlite3* db, const std::string& name, const std::string& role, std::string_view password,
              std::int64_t now_us, std::string& error) {
  if (std::string why = check_user_name(name); !why.empty()) {
    error = name + ": " + why;
    return false;
  }
  if (role != "viewer" && role != "admin") {
    error = "--role " + role + ": expected viewer or admin";
    return false;
  }
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    error = "the password must have 8 to 1024 bytes";
    return false;
  }
  auto hash = hash_password(password);
  if (!hash) {
    error = "cannot hash the password (libsodium failed; out of memory?)";
    return false;
  }
  Stmt s(db, "INSERT INTO users (name, role, password_hash, created_us) VALUES (?1, ?2, ?3, ?4)");
  s.text(1, name);
  s.text(2, role);
  s.text(3, *hash);
  s.int64(4, now_us);
  const int rc = sqlite3_step(s.st);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {  // extended codes too (SQLITE_CONSTRAINT_PRIMARYKEY)
    error = name + ": this user exists already (remove it first with `mieruka user del " + name + "`)";
    return false;
  }
  if (rc != SQLITE_DONE) {
    error = std::string("cannot add the user (") + sqlite3_errmsg(db) + ")";
    return false;
  }
  return true;
}

bool delete_user(sqlite3* db, const std::string& name, std::string& error) {
  {
    Stmt s(db, "DELETE FROM sessions WHERE user = ?1");
    s.text(1, name);
    (void)sqlite3_step(s.st);
  }
  Stmt s(db, "DELETE FROM users WHERE name = ?1");
  s.text(1, name);
  if (sqlite3_step(s.st) != SQLITE_DONE) {
    error = std::string("cannot remove the user (") + sqlite3_errmsg(db) + ")";
    return false;
  }
  if (sqlite3_changes(db) == 0) {
    error = name + ": no such user (see `mieruka user list`)";
    return false;
  }
  return true;
}

std::vector<User> list_users(sqlite3* db) {
  std::vector<User> out;
  Stmt s(db, "SELECT name, role, created_us FROM users ORDER BY name");
  while (sqlite3_step(s.st) == SQLITE_ROW)
    out.push_back({column_text(s.st, 0), column_text(s.st, 1), sqlite3_column_int64(s.st, 2)});
  return out;
}

std::optional<std::pair<User, std::string>> find_user(sqlite3* db, const std::string& name) {
  Stmt s(db, "SELECT name, role, created_us, password_hash FROM users WHERE name = ?1");
  s.text(1, name);
  if (sqlite3_step(s.st) != SQLITE_ROW) return std::nullopt;
  return std::pair{User{column_text(s.st, 0), column_text(s.st, 1), sqlite3_column_int64(s.st, 2)},
                   column_text(s.st, 3)};
}

std::optional<std::string> create_session(sqlite3* db, const std::string& user, std::int64_t now_us,
                                          std::int64_t ttl_us, std::string& csrf_out) {
  if (!sodium_ready()) return std::nullopt;
  const std::string token = random_hex(32);
  csrf_out = random_hex(32);
  Stmt s(db, "INSERT INTO sessions (token_hash, user, csrf, created_us, expires_us) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.text(1, token_hash(token));
  s.text(2, user);
  s.text(3, csrf_out);
  s.int64(4, now_us);
  s.int64(5, now_us + ttl_us);
  if (sqlite3_step(s.st) != SQLITE_DONE) return std::nullopt;
  return token;
}

std::optional<Session> find_session(sqlite3* db, std::string_view token, std::int64_t now_us) {
  if (token.size() != 64) return std::nullopt;
  Stmt s(db,
         "SELECT s.user, u.role, s.csrf, s.expires_us FROM sessions s JOIN users u ON u.name = s.user "
         "WHERE s.token_hash = ?1 AND s.expires_us > ?2");
  s.text(1, token_hash(token));
  s.int64(2, now_us);
  if (sqlite3_step(s.st) != SQLITE_ROW) return std::nullopt;
  return Session{column_text(s.st, 0), column_text(s.st, 1), column_text(s.st, 2), sqlite3_column_int64(s.st, 3)};
}

void delete_session(sqlite3* db, std::string_view token) {
  Stmt s(db, "DELETE FROM sessions WHERE token_hash = ?1");
  s.text(1, token_hash(token));
  (void)sqlite3_step(s.st);
}

void delete_expired_sessions(sqlite3* db, std::int64_t now_us) {
  Stmt s(db, "DELETE FROM sessions WHERE expires_us <= ?1");
  s.int64(1, now_us);
  (void)sqlite3_step(s.st);
}

bool tokens_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void audit(sqlite3* db, std::int64_t now_us, const std::string& user, const std::string& action,
           const std::string& target, const std::string& detail) {
  Stmt s(db, "INSERT INTO audit_log (at_us, user, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.int64(1, now_us);
  s.text(2, user);
  s.text(3, action);
  s.text(4, target);
  s.text(5, detail);
  (void)sqlite3_step(s.st);
}

namespace {
std::string account_key(const std::string& user, const std::string& addr) { return "user:" + user + "@" + addr; }
std::string address_key(const std::string& addr) { return "ip:" + addr; }
}  // namespace

bool LoginLimiter::login_blocked(const std::string& user, const std::string& addr, std::int64_t now_us) {
  return blocked(account_key(user, addr), now_us) || blocked(address_key(addr), now_us, kMaxAddressFailures);
}

void LoginLimiter::login_failed(const std::string& user, const std::string& addr, std::int64_t now_us) {
  failure(account_key(user, addr), now_us);
  failure(address_key(addr), now_us);
}

void LoginLimiter::login_succeeded(const std::string& user, const std::string& addr) {
  success(account_key(user, addr));
}

bool LoginLimiter::blocked(const std::string& key, std::int64_t now_us, int limit) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (now_us - it->second.window_start_us >= kWindowUs) {
    entries_.erase(it);
    return false;
  }
  return it->second.failures >= limit;
}

void LoginLimiter::failure(const std::string& key, std::int64_t now_us) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxKeys && entries_.find(key) == entries_.end()) {
    for (auto it = entries_.begin(); it != entries_.end();)  // drop windows that are over
      it = now_us - it->second.window_start_us >= kWindowUs ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= kMaxKeys) entries_.erase(entries_.begin());
  }
  Entry& e = entries_[key];
  if (e.failures == 0 || now_us - e.window_start_us >= kWindowUs) e = Entry{0, now_us};
  ++e.failures;
}

void LoginLimiter::success(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

}  // namespace mieruka::sensor::web
