// The central store's edge (sensor/central): no password in anything shown,
// array parameters quoted, [central] refusing what it must. No server needed;
// tests/e2e/central_*.sh run against a real PostgreSQL.
#include "sensor/central/pg.hpp"

#include "sensor/central/central_config.hpp"
#include "sensor/daemon/config.hpp"

#include "unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mieruka::sensor {
namespace {

namespace fs = std::filesystem;

TEST(CentralPg, RedactUrlHidesThePasswordOnly) {
  EXPECT_EQ(central::redact_url("postgresql://line1@central/mieruka"), "postgresql://line1@central/mieruka");
  EXPECT_EQ(central::redact_url("postgresql://line1:s3cret@central:5432/mieruka"),
            "postgresql://line1:***@central:5432/mieruka");
  EXPECT_EQ(central::redact_url("postgresql://line1@central/mieruka?password=s3cret&sslmode=require"),
            "postgresql://line1@central/mieruka?password=***&sslmode=require");
  EXPECT_EQ(central::redact_url("host=central user=line1 password=s3cret dbname=mieruka"),
            "host=central user=line1 password=*** dbname=mieruka");
  EXPECT_TRUE(central::url_has_password("postgresql://a:b@h/d"));
  EXPECT_FALSE(central::url_has_password("postgresql://a@h/d"));
  // An '@' in the path is not a user part.
  EXPECT_FALSE(central::url_has_password("postgresql://h/d:x@y"));
}

TEST(CentralPg, RedactTakesEveryRepetitionOutAndMakesOneLine) {
  central::PgTarget t{"postgresql://line1:urlpw@central/mieruka", "filepw", ""};
  const std::string got = central::redact(
      "FATAL:  password authentication failed (filepw, urlpw) for postgresql://line1:urlpw@central/mieruka\n\tagain\n",
      t);
  EXPECT_EQ(got.find("filepw"), std::string::npos) << got;
  EXPECT_EQ(got.find("urlpw"), std::string::npos) << got;
  EXPECT_EQ(got.find('\n'), std::string::npos) << got;
  EXPECT_EQ(got.find('\t'), std::string::npos) << got;
  EXPECT_NE(got.find("postgresql://line1:***@central/mieruka"), std::string::npos) << got;
  EXPECT_NE(got.find("; again"), std::string::npos) << got;
}

TEST(CentralPg, ArrayLiteralQuotesEveryElement) {
  EXPECT_EQ(central::array_literal({}), "{}");
  EXPECT_EQ(central::array_literal({"a", "b,c", "q\"x", "back\\slash", "NULL", "{}"}),
            "{\"a\",\"b,c\",\"q\\\"x\",\"back\\\\slash\",\"NULL\",\"{}\"}");
}

class CentralConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty()) << "cannot make a temporary directory";
    dir_ = tmp_.path();
  }
  std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  test::TempDir tmp_{"mieruka_central"};  // removed, with what the test wrote, when the test ends
  std::string dir_;
};

TEST_F(CentralConfigTest, ReadsTheSectionAndThePasswordFile) {
  write("pw", "s3cret\nsecond line ignored\n");
  const auto path = write("c.toml", "[central]\nurl = \"postgresql://line1@central/mieruka\"\npassword_file = \"pw\"\n");
  std::string error;
  auto c = load_config(path, error);
  ASSERT_TRUE(c.has_value()) << error;
  EXPECT_TRUE(c->central.enabled);
  EXPECT_EQ(c->central.password, "s3cret");
  EXPECT_EQ(c->central.password_file, dir_ + "/pw");
}

TEST_F(CentralConfigTest, ReadsTheSiteAndRefusesAControlCharacterInIt) {
  const auto path = write("c.toml", "[central]\nurl = \"postgresql://line1@central/mieruka\"\nsite = \"東工場\"\n");
  std::string error;
  auto c = load_config(path, error);
  ASSERT_TRUE(c.has_value()) << error;
  EXPECT_EQ(c->central.site, "東工場");
  const auto bad = write("d.toml", "[central]\nurl = \"postgresql://line1@central/mieruka\"\nsite = \"a\\nb\"\n");
  EXPECT_FALSE(load_config(bad, error).has_value());
  EXPECT_NE(error.find("d.toml:3:"), std::string::npos) << error;
  EXPECT_NE(error.find("`site`"), std::string::npos) << error;
  EXPECT_FALSE(load_config(write("e.toml", "[central]\nurl = \"postgresql://x@h/y\"\nsite = 7\n"), error).has_value());
  EXPECT_NE(error.find("`site` must be a string"), std::string::npos) << error;
}

TEST_F(CentralConfigTest, NoSectionNoReplication) {
  const auto path = write("c.toml", "sensor_name = \"x\"\n");
  std::string error;
  auto c = load_config(path, error);
  ASSERT_TRUE(c.has_value()) << error;
  EXPECT_FALSE(c->central.enabled);
}

TEST_F(CentralConfigTest, RefusesAPasswordFileOthersMayRead) {
  write("pw", "s3cret\n", 0640);
  const auto path = write("c.toml", "[central]\nurl = \"postgresql://line1@central/mieruka\"\npassword_file = \"pw\"\n");
  std::string error;
  EXPECT_FALSE(load_config(path, error).has_value());
  EXPECT_NE(error.find("c.toml:3:"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
}

TEST_F(CentralConfigTest, RefusesAPasswordInTheUrlWithoutShowingIt) {
  const auto path = write("c.toml", "[central]\nurl = \"postgresql://line1:s3cret@central/mieruka\"\n");
  std::string error;
  EXPECT_FALSE(load_config(path, error).has_value());
  EXPECT_NE(error.find("password_file"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
}

TEST_F(CentralConfigTest, RefusesAnotherSchemeAndUnknownKeys) {
  std::string error;
  EXPECT_FALSE(load_config(write("a.toml", "[central]\nurl = \"mysql://x/y\"\n"), error).has_value());
  EXPECT_NE(error.find("postgresql://"), std::string::npos) << error;
  EXPECT_FALSE(load_config(write("b.toml", "[central]\nurl = \"postgresql://x@h/y\"\npassword = \"p\"\n"), error)
                   .has_value());
  EXPECT_NE(error.find("unknown key `password` in [central]"), std::string::npos) << error;
  EXPECT_FALSE(load_config(write("c.toml", "[central]\nurl = \"postgresql://x@h/y\"\nca_file = \"missing.pem\"\n"),
                           error)
                   .has_value());
  EXPECT_NE(error.find("missing.pem"), std::string::npos) << error;
}

TEST_F(CentralConfigTest, ReplyTimeoutDefaultsAndIsBounded) {
  std::string error;
  auto c = load_config(write("a.toml", "[central]\nurl = \"postgresql://x@h/y\"\n"), error);
  ASSERT_TRUE(c.has_value()) << error;
  EXPECT_EQ(c->central.target().reply_timeout_s, 120);
  c = load_config(write("b.toml", "[central]\nurl = \"postgresql://x@h/y\"\ntimeout_s = 30\n"), error);
  ASSERT_TRUE(c.has_value()) << error;
  EXPECT_EQ(c->central.target().reply_timeout_s, 30);
  for (const char* bad : {"0", "4", "3601", "\"30s\"", "1.5"}) {
    error.clear();
    EXPECT_FALSE(load_config(write("c.toml", std::string("[central]\nurl = \"postgresql://x@h/y\"\ntimeout_s = ") +
                                                 bad + "\n"),
                             error)
                     .has_value())
        << bad;
    EXPECT_NE(error.find("c.toml:3: [central] `timeout_s` must be a whole number of seconds from 5 to 3600"),
              std::string::npos)
        << error;
  }
}

}  // namespace
}  // namespace mieruka::sensor
