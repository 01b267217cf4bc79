// Web console accounts, sessions, the login rate limit and the audit log
// (docs/web.md). Tables of migration v5 in inventory/store/store.cpp: users, sessions,
// audit_log.
//
// Passwords: libsodium crypto_pwhash_str (Argon2id, INTERACTIVE limits: 64 MiB,
// a fraction of a second on the appliance), salted and self-describing.
// Sessions: a random 256-bit token (hex) goes to the browser in a cookie; the
// database keeps only its BLAKE2b hash, so a read of the database does not
// hand out sessions. Each session has its own random CSRF token and an expiry.
// A login always makes a new token (no fixation).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mieruka::inventory {
class Store;
}

namespace mieruka::sensor::web {

// Longest user name and password accepted (bytes).
inline constexpr std::size_t kMaxUserNameBytes = 64;
inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::size_t kMinPasswordBytes = 8;

struct User {
  std::string name, role;  // role: "viewer" or "admin"
  std::int64_t created_us = 0;
};

struct Session {
  std::string user, role, csrf;
  std::int64_t expires_us = 0;
};

// Empty when `name` may name an account (1-64 bytes of [A-Za-z0-9._@-]), else why not.
[[nodiscard]] std::string check_user_name(std::string_view name);

// Argon2id string for `password`; nullopt when libsodium fails (out of memory).
[[nodiscard]] std::optional<std::string> hash_password(std::string_view password);
[[nodiscard]] bool verify_password(const std::string& hash, std::string_view password);

// --- accounts (errors: one line) ---------------------------------------------------
[[nodiscard]] bool add_user(inventory::Store& store, const std::string& name, const std::string& role,
                            std::string_view password, std::int64_t now_us, std::string& error);
[[nodiscard]] bool delete_user(inventory::Store& store, const std::string& name, std::string& error);
[[nodiscard]] std::vector<User> list_users(inventory::Store& store);
// Name, role and password hash of `name`, or nullopt.
[[nodiscard]] std::optional<std::pair<User, std::string>> find_user(inventory::Store& store, const std::string& name);

// --- sessions ------------------------------------------------------------------------
// A new session for `user`: returns the token for the cookie (64 hex digits).
[[nodiscard]] std::optional<std::string> create_session(inventory::Store& store, const std::string& user,
                                                        std::int64_t now_us, std::int64_t ttl_us,
                                                        std::string& csrf_out);
// The live session of `token` (expired ones are not), with the user's current role.
[[nodiscard]] std::optional<Session> find_session(inventory::Store& store, std::string_view token, std::int64_t now_us);
void delete_session(inventory::Store& store, std::string_view token);
void delete_expired_sessions(inventory::Store& store, std::int64_t now_us);
// Constant-time comparison of two tokens.
[[nodiscard]] bool tokens_equal(std::string_view a, std::string_view b);

// --- audit log -------------------------------------------------------------------------
void audit(inventory::Store& store, std::int64_t now_us, const std::string& user, const std::string& action,
           const std::string& target, const std::string& detail);

// Login attempts, counted per account and address ("user:<name>@<addr>") and
// per address: an account is refused from one address after kMaxFailures
// failures inside kWindowUs, an address after kMaxAddressFailures across all
// accounts (a password spray), until the window has passed. An account is never
// refused everywhere: whoever guesses at the admin's password from one address
// cannot lock the admin out from another.
class LoginLimiter {
 public:
  static constexpr int kMaxFailures = 5;
  static constexpr int kMaxAddressFailures = 20;
  static constexpr std::int64_t kWindowUs = 5LL * 60 * 1'000'000;
  static constexpr std::size_t kMaxKeys = 10'000;  // memory bound under a spray of IPs

  [[nodiscard]] bool login_blocked(const std::string& user, const std::string& addr, std::int64_t now_us);
  void login_failed(const std::string& user, const std::string& addr, std::int64_t now_us);
  void login_succeeded(const std::string& user, const std::string& addr);

  // One key's count: refused at `limit` failures inside the window.
  [[nodiscard]] bool blocked(const std::string& key, std::int64_t now_us, int limit = kMaxFailures);
  void failure(const std::string& key, std::int64_t now_us);
  void success(const std::string& key);

 private:
  struct Entry {
    int failures = 0;
    std::int64_t window_start_us = 0;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace mieruka::sensor::web
