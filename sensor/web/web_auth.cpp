// Web console accounts and sessions (see web_auth.hpp).
#include "sensor/web/web_auth.hpp"

#include <sodium.h>
#include <sqlite3.h>

#include "inventory/store/sqlite_statement.hpp"
#include "inventory/store/store.hpp"

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

bool add_user(inventory::Store& store, const std::string& name, const std::string& role, std::string_view password,
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
  inventory::Statement s = store.statement(
      "INSERT INTO users (name, role, password_hash, created_us) VALUES (?1, ?2, ?3, ?4)");
  s.bind(1, name);
  s.bind(2, role);
  s.bind(3, *hash);
  s.bind(4, now_us);
  const int rc = s.step();
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {  // extended codes too (SQLITE_CONSTRAINT_PRIMARYKEY)
    error = name + ": this user exists already (remove it first with `mieruka user del " + name + "`)";
    return false;
  }
  if (rc != SQLITE_DONE) {
    error = std::string("cannot add the user (") + s.message() + ")";
    return false;
  }
  return true;
}

bool delete_user(inventory::Store& store, const std::string& name, std::string& error) {
  {
    inventory::Statement s = store.statement("DELETE FROM sessions WHERE user = ?1");
    s.bind(1, name);
    (void)s.step();
  }
  inventory::Statement s = store.statement("DELETE FROM users WHERE name = ?1");
  s.bind(1, name);
  if (s.step() != SQLITE_DONE) {
    error = std::string("cannot remove the user (") + s.message() + ")";
    return false;
  }
  if (s.changes() == 0) {
    error = name + ": no such user (see `mieruka user list`)";
    return false;
  }
  return true;
}

std::vector<User> list_users(inventory::Store& store) {
  std::vector<User> out;
  inventory::Statement s = store.statement("SELECT name, role, created_us FROM users ORDER BY name");
  while (s.next()) out.push_back({s.text(0), s.text(1), s.int64(2)});
  return out;
}

std::optional<std::pair<User, std::string>> find_user(inventory::Store& store, const std::string& name) {
  inventory::Statement s = store.statement("SELECT name, role, created_us, password_hash FROM users WHERE name = ?1");
  s.bind(1, name);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return std::pair{User{s.text(0), s.text(1), s.int64(2)}, s.text(3)};
}

std::optional<std::string> create_session(inventory::Store& store, const std::string& user, std::int64_t now_us,
                                          std::int64_t ttl_us, std::string& csrf_out) {
  if (!sodium_ready()) return std::nullopt;
  const std::string token = random_hex(32);
  csrf_out = random_hex(32);
  inventory::Statement s = store.statement(
      "INSERT INTO sessions (token_hash, user, csrf, created_us, expires_us) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, token_hash(token));
  s.bind(2, user);
  s.bind(3, csrf_out);
  s.bind(4, now_us);
  s.bind(5, now_us + ttl_us);
  if (s.step() != SQLITE_DONE) return std::nullopt;
  return token;
}

std::optional<Session> find_session(inventory::Store& store, std::string_view token, std::int64_t now_us) {
  if (token.size() != 64) return std::nullopt;
  inventory::Statement s = store.statement(
      "SELECT s.user, u.role, s.csrf, s.expires_us FROM sessions s JOIN users u ON u.name = s.user "
      "WHERE s.token_hash = ?1 AND s.expires_us > ?2");
  s.bind(1, token_hash(token));
  s.bind(2, now_us);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return Session{s.text(0), s.text(1), s.text(2), s.int64(3)};
}

void delete_session(inventory::Store& store, std::string_view token) {
  inventory::Statement s = store.statement("DELETE FROM sessions WHERE token_hash = ?1");
  s.bind(1, token_hash(token));
  (void)s.step();
}

void delete_expired_sessions(inventory::Store& store, std::int64_t now_us) {
  inventory::Statement s = store.statement("DELETE FROM sessions WHERE expires_us <= ?1");
  s.bind(1, now_us);
  (void)s.step();
}

bool tokens_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void audit(inventory::Store& store, std::int64_t now_us, const std::string& user, const std::string& action,
           const std::string& target, const std::string& detail) {
  inventory::Statement s = store.statement(
      "INSERT INTO audit_log (at_us, user, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, now_us);
  s.bind(2, user);
  s.bind(3, action);
  s.bind(4, target);
  s.bind(5, detail);
  (void)s.step();
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
