// Web console accounts, sessions and the login rate limit (sensor/web/web_auth.hpp),
// and the server's edges that need no socket (listen addresses, [web] config).
#include "sensor/web/web_auth.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "inventory/store/sqlite_statement.hpp"
#include "inventory/store/store.hpp"
#include "sensor/daemon/config.hpp"
#include "sensor/web/web_server.hpp"

namespace mieruka::sensor::web {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000'000;
constexpr std::int64_t kHour = 3'600'000'000;

class WebAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "web_auth_" + std::to_string(::getpid()) + ".db";
    std::filesystem::remove(path_);
    std::string error;
    store_ = inventory::Store::open(path_, "s1", error);
    ASSERT_TRUE(store_) << error;
  }
  void TearDown() override {
    store_.reset();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
  }
  std::string path_;
  std::optional<inventory::Store> store_;
};

TEST(WebPassword, HashIsArgon2idAndSalted) {
  auto a = hash_password("correct horse");
  auto b = hash_password("correct horse");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->rfind("$argon2id$", 0), 0u) << *a;
  EXPECT_NE(*a, *b);  // a new salt each time
  EXPECT_TRUE(verify_password(*a, "correct horse"));
  EXPECT_FALSE(verify_password(*a, "correct horsE"));
  EXPECT_FALSE(verify_password(*a, ""));
  EXPECT_FALSE(verify_password("not a hash", "correct horse"));
  EXPECT_FALSE(verify_password(*a, std::string(kMaxPasswordBytes + 1, 'x')));
}

TEST(WebUserName, Checked) {
  EXPECT_EQ(check_user_name("admin"), "");
  EXPECT_EQ(check_user_name("k.tanaka@plant-1"), "");
  EXPECT_NE(check_user_name(""), "");
  EXPECT_NE(check_user_name("a b"), "");
  EXPECT_NE(check_user_name("<script>"), "");
  EXPECT_NE(check_user_name(std::string(kMaxUserNameBytes + 1, 'a')), "");
  EXPECT_EQ(check_user_name(std::string(kMaxUserNameBytes, 'a')), "");
}

TEST_F(WebAuth, AddListFindDelete) {
  std::string error;
  EXPECT_TRUE(add_user(*store_, "admin", "admin", "password1", kNow, error)) << error;
  EXPECT_TRUE(add_user(*store_, "op", "viewer", "password2", kNow, error)) << error;
  EXPECT_FALSE(add_user(*store_, "op", "viewer", "password2", kNow, error));
  EXPECT_NE(error.find("exists"), std::string::npos) << error;
  EXPECT_FALSE(add_user(*store_, "x", "root", "password2", kNow, error));
  EXPECT_FALSE(add_user(*store_, "y", "viewer", "short", kNow, error));
  const auto users = list_users(*store_);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "admin");
  EXPECT_EQ(users[0].role, "admin");
  auto found = find_user(*store_, "op");
  ASSERT_TRUE(found);
  EXPECT_TRUE(verify_password(found->second, "password2"));
  EXPECT_FALSE(find_user(*store_, "nobody"));
  EXPECT_TRUE(delete_user(*store_, "op", error)) << error;
  EXPECT_FALSE(delete_user(*store_, "op", error));
  EXPECT_EQ(list_users(*store_).size(), 1u);
}

TEST_F(WebAuth, SessionsAreRandomHashedAndExpire) {
  std::string error, csrf1, csrf2;
  ASSERT_TRUE(add_user(*store_, "admin", "admin", "password1", kNow, error)) << error;
  auto t1 = create_session(*store_, "admin", kNow, kHour, csrf1);
  auto t2 = create_session(*store_, "admin", kNow, kHour, csrf2);
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(t1->size(), 64u);
  EXPECT_NE(*t1, *t2);
  EXPECT_NE(csrf1, csrf2);
  EXPECT_EQ(csrf1.size(), 64u);
  // Only the hash is stored: the token itself is nowhere in the table.
  inventory::Statement st = store_->statement("SELECT count(*) FROM sessions WHERE token_hash = ?1");
  st.bind(1, *t1);
  ASSERT_EQ(st.step(), SQLITE_ROW) << st.error();
  EXPECT_EQ(st.integer(0), 0);

  auto s = find_session(*store_, *t1, kNow + 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user, "admin");
  EXPECT_EQ(s->role, "admin");
  EXPECT_EQ(s->csrf, csrf1);
  EXPECT_FALSE(find_session(*store_, *t1, kNow + kHour));  // expired
  EXPECT_FALSE(find_session(*store_, std::string(64, '0'), kNow));
  EXPECT_FALSE(find_session(*store_, "short", kNow));
  delete_session(*store_, *t2);
  EXPECT_FALSE(find_session(*store_, *t2, kNow + 1));
  // A removed user's sessions die with it.
  auto t3 = create_session(*store_, "admin", kNow, kHour, csrf1);
  ASSERT_TRUE(t3);
  EXPECT_TRUE(delete_user(*store_, "admin", error));
  EXPECT_FALSE(find_session(*store_, *t3, kNow + 1));
}

TEST(WebTokens, CompareInConstantTime) {
  EXPECT_TRUE(tokens_equal("abcd", "abcd"));
  EXPECT_FALSE(tokens_equal("abcd", "abce"));
  EXPECT_FALSE(tokens_equal("abcd", "abc"));
  EXPECT_FALSE(tokens_equal("", ""));  // an empty token never matches
}

TEST(WebLoginLimiter, BlocksAfterFiveFailuresForFiveMinutes) {
  LoginLimiter l;
  for (int i = 0; i < LoginLimiter::kMaxFailures - 1; ++i) l.failure("ip:1", kNow + i);
  EXPECT_FALSE(l.blocked("ip:1", kNow + 10));
  l.failure("ip:1", kNow + 10);
  EXPECT_TRUE(l.blocked("ip:1", kNow + 11));
  EXPECT_FALSE(l.blocked("ip:2", kNow + 11));
  EXPECT_TRUE(l.blocked("ip:1", kNow + LoginLimiter::kWindowUs - 1));
  EXPECT_FALSE(l.blocked("ip:1", kNow + LoginLimiter::kWindowUs));
  l.failure("user:a", kNow);
  l.success("user:a");
  for (int i = 0; i < LoginLimiter::kMaxFailures - 1; ++i) l.failure("user:a", kNow);
  EXPECT_FALSE(l.blocked("user:a", kNow));
}

TEST(WebLoginLimiter, AnAccountIsRefusedFromOneAddressNotFromEverywhere) {
  LoginLimiter l;
  for (int i = 0; i < LoginLimiter::kMaxFailures; ++i) l.login_failed("admin", "10.0.0.66", kNow + i);
  EXPECT_TRUE(l.login_blocked("admin", "10.0.0.66", kNow + 10));
  EXPECT_FALSE(l.login_blocked("admin", "10.0.0.5", kNow + 10));  // the admin's own desk
  EXPECT_FALSE(l.login_blocked("viewer", "10.0.0.66", kNow + 10));
  // A spray over many accounts from one address stops that address.
  for (int i = 0; i < LoginLimiter::kMaxAddressFailures; ++i)
    l.login_failed("user" + std::to_string(i), "10.0.0.77", kNow + i);
  EXPECT_TRUE(l.login_blocked("someone-else", "10.0.0.77", kNow + 100));
  EXPECT_FALSE(l.login_blocked("someone-else", "10.0.0.5", kNow + 100));
  // A success clears the account's count from that address.
  l.login_failed("op", "10.0.0.5", kNow);
  l.login_succeeded("op", "10.0.0.5");
  for (int i = 0; i < LoginLimiter::kMaxFailures - 1; ++i) l.login_failed("op", "10.0.0.5", kNow);
  EXPECT_FALSE(l.login_blocked("op", "10.0.0.5", kNow));
  EXPECT_FALSE(l.login_blocked("admin", "10.0.0.66", kNow + LoginLimiter::kWindowUs + 10));
}

TEST(WebLoginLimiter, MemoryIsBounded) {
  LoginLimiter l;
  for (std::size_t i = 0; i < LoginLimiter::kMaxKeys + 50; ++i) l.failure("ip:" + std::to_string(i), kNow);
  for (int i = 0; i < LoginLimiter::kMaxFailures; ++i) l.failure("ip:last", kNow);
  EXPECT_TRUE(l.blocked("ip:last", kNow));
}

TEST(WebListen, Parsed) {
  std::string host, error;
  int port = -1;
  ASSERT_TRUE(parse_listen("127.0.0.1:8443", host, port, error)) << error;
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8443);
  ASSERT_TRUE(parse_listen("[::1]:0", host, port, error)) << error;
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"", "8443", ":8443", "host:", "host:65536", "host:-1", "host:8x", "::1:80", "[::1]80"})
    EXPECT_FALSE(parse_listen(bad, host, port, error)) << bad;
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.1.2.3"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
  EXPECT_FALSE(is_loopback("::"));
}

TEST(WebConfig, ReadFromToml) {
  const std::string path = ::testing::TempDir() + "web_cfg_" + std::to_string(::getpid()) + ".toml";
  auto load = [&](const std::string& text, std::string& error) {
    std::ofstream(path) << text;
    return load_config(path, error);
  };
  std::string error;
  auto c = load("sensor_name = \"s\"\n", error);
  ASSERT_TRUE(c) << error;
  EXPECT_FALSE(c->web.enabled);
  c = load("sensor_name = \"s\"\n[web]\nlisten = \"127.0.0.1:9443\"\ncert = \"c.pem\"\nkey = \"/k.pem\"\n"
           "session_ttl_s = 600\n", error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->web.enabled);
  EXPECT_EQ(c->web.listen, "127.0.0.1:9443");
  EXPECT_EQ(c->web.cert, ::testing::TempDir() + "c.pem");  // relative to the config file
  EXPECT_EQ(c->web.key, "/k.pem");
  EXPECT_EQ(c->web.session_ttl_s, 600);
  EXPECT_TRUE(c->web.tls);
  EXPECT_FALSE(load("[web]\nlisten = 8443\n", error));
  EXPECT_NE(error.find(":2:"), std::string::npos) << error;
  EXPECT_FALSE(load("[web]\ncert = \"c.pem\"\n", error));  // a cert without its key
  EXPECT_FALSE(load("[web]\nlisn = \"x\"\n", error));
  EXPECT_NE(error.find("lisn"), std::string::npos) << error;
  EXPECT_FALSE(load("[web]\nsession_ttl_s = 5\n", error));
  EXPECT_FALSE(load("web = 3\n", error));
  std::filesystem::remove(path);
}

TEST(WebSelfSigned, MadeOnceWithAPrivateKey) {
  const std::string dir = ::testing::TempDir() + "web_tls_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string cert, key, error;
  ASSERT_TRUE(ensure_self_signed(dir, cert, key, error)) << error;
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(cert);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "-----BEGIN CERTIFICATE-----");
  const auto written = std::filesystem::last_write_time(cert);
  ASSERT_TRUE(ensure_self_signed(dir, cert, key, error)) << error;  // kept, not remade
  EXPECT_EQ(std::filesystem::last_write_time(cert), written);
  EXPECT_FALSE(ensure_self_signed(dir + "/no/such/dir", cert, key, error));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mieruka::sensor::web
