// OUI vendor table: real entries from Debian's ieee-data (MA-L, MA-M, MA-S,
// longest prefix first), flag bits, and the generator's CSV handling and errors.
#include "inventory/ledger/oui.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mieruka::inventory::oui {
namespace {

MacAddr mac(const char* s) { return *MacAddr::parse(s); }

std::string vendor_of(const char* s) {
  const auto v = vendor(mac(s));
  return v ? std::string(*v) : std::string("<none>");
}

TEST(OuiTest, IndustrialVendorsFromMaL) {
  EXPECT_EQ(vendor_of("00:00:bc:12:34:56"), "Rockwell Automation");
  EXPECT_EQ(vendor_of("00:1b:1b:02:9a:c3"), "Siemens AG");  // registry spells "Siemens AG," (comma trimmed)
  EXPECT_EQ(vendor_of("00:0e:8c:00:00:01"), "Siemens AG");
  EXPECT_EQ(vendor_of("38:e0:8e:00:00:01"), "Mitsubishi Electric Corporation");
  EXPECT_EQ(vendor_of("3c:f7:d1:00:00:01"), "OMRON Corporation");
  EXPECT_EQ(vendor_of("00:01:fc:00:00:01"), "Keyence Corporation");
  EXPECT_EQ(vendor_of("00:a0:45:00:00:01"), "PHOENIX CONTACT Electronics GmbH");
}

TEST(OuiTest, AcceptsAnySpellingOfTheMac) {
  EXPECT_EQ(vendor_of("00-00-BC-12-34-56"), "Rockwell Automation");
  EXPECT_EQ(vendor_of("0000.bc12.3456"), "Rockwell Automation");
}

TEST(OuiTest, QuotedNameWithDoubledQuotes) {
  // MA-L,001EFC,"JSC ""MASSA-K""",...
  EXPECT_EQ(vendor_of("00:1e:fc:00:00:01"), "JSC \"MASSA-K\"");
}

TEST(OuiTest, MaMBeatsItsMaLBlock) {
  // MA-M,208593B,IOG Products LLC; the MA-L 208593 is the IEEE RA's block.
  EXPECT_EQ(vendor_of("20:85:93:b0:00:01"), "IOG Products LLC");
  EXPECT_EQ(vendor_of("20:85:93:bf:ff:ff"), "IOG Products LLC");
  // 208593F is not assigned: falls back to the MA-L holder.
  EXPECT_EQ(vendor_of("20:85:93:f0:00:01"), "IEEE Registration Authority");
}

TEST(OuiTest, MaSBeatsItsMaLBlock) {
  // MA-S,70B3D5719,2M Technology; MA-S,70B3D59FC,Truecom Telesoft Private Limited.
  EXPECT_EQ(vendor_of("70:b3:d5:71:90:01"), "2M Technology");
  EXPECT_EQ(vendor_of("70:b3:d5:71:9f:ff"), "2M Technology");
  EXPECT_EQ(vendor_of("70:b3:d5:9f:c0:00"), "Truecom Telesoft Private Limited");
  // 70B3D5000 is not assigned.
  EXPECT_EQ(vendor_of("70:b3:d5:00:00:01"), "IEEE Registration Authority");
}

TEST(OuiTest, PrivateEntriesStayPrivate) {
  EXPECT_EQ(vendor_of("b0:c5:ca:f0:00:01"), "Private");  // MA-M,B0C5CAF,Private
  EXPECT_EQ(vendor_of("9c:93:e4:00:00:01"), "Private");  // MA-L,9C93E4,Private
}

TEST(OuiTest, NoVendorForLocalGroupOrUnknown) {
  // 02608C is registered (3COM) but the U/L bit says the address is local.
  EXPECT_EQ(vendor_of("02:60:8c:00:00:01"), "<none>");
  EXPECT_EQ(vendor_of("02:42:ac:11:00:02"), "<none>");  // docker bridge
  EXPECT_EQ(vendor_of("01:00:5e:00:00:01"), "<none>");
  EXPECT_EQ(vendor_of("ff:ff:ff:ff:ff:ff"), "<none>");
  EXPECT_EQ(vendor_of("00:00:00:00:00:00"), "<none>") << "00:00:00 is Xerox only as an OUI; a zero MAC is nobody";
}

TEST(OuiTest, DescribeFlags) {
  EXPECT_EQ(describe_flags(mac("00:00:bc:12:34:56")), "");
  EXPECT_EQ(describe_flags(mac("02:42:ac:11:00:02")), "locally administered");
  EXPECT_EQ(describe_flags(mac("01:00:5e:00:00:01")), "multicast");
  EXPECT_EQ(describe_flags(mac("03:00:00:00:00:01")), "locally administered multicast");
  EXPECT_EQ(describe_flags(mac("ff:ff:ff:ff:ff:ff")), "broadcast");
}

TEST(OuiTest, TableHoldsAllRegistries) {
  EXPECT_GT(table_size(), 40000U);  // ~32.5k MA-L + 4.4k MA-M + 5k MA-S in ieee-data 2023+
}

// --- the generator ---------------------------------------------------------------

std::filesystem::path generator() {
  // Tests live in <build>/tests/; the generator in <build>/.
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return self.parent_path().parent_path() / "mieruka_gen_oui";
}

struct RunResult {
  int status = -1;
  std::string err;
};

RunResult run(const std::string& args, const std::filesystem::path& dir) {
  const auto err_path = dir / "stderr.txt";
  const std::string cmd = generator().string() + " " + args + " 2>" + err_path.string();
  RunResult r;
  r.status = std::system(cmd.c_str());
  std::ifstream in(err_path);
  std::getline(in, r.err, '\0');
  return r;
}

class GenOuiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(generator())) GTEST_SKIP() << "mieruka_gen_oui not built next to tests/";
    dir_ = std::filesystem::temp_directory_path() / ("gen_oui_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const char* name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  std::filesystem::path dir_;
};

constexpr const char* kHeader = "Registry,Assignment,Organization Name,Organization Address\r\n";

TEST_F(GenOuiTest, ParsesQuotesCrlfAndMultilineFields) {
  const auto l = write("oui.csv", std::string(kHeader) +
                                      "MA-L,001B1B,\"Siemens AG,\",\"I IA, Karlsruhe\"\r\n"
                                      "MA-L,0000BC,  Rockwell Automation  ,\"line one\r\nline two\"\r\n"
                                      "MA-L,001EFC,\"JSC \"\"MASSA-K\"\"\",x\r\n"
                                      "MA-L,0000BC,Second Row Loses,x\r\n");
  const auto m = write("mam.csv", std::string(kHeader) + "MA-M,208593B,Private,\r\n");
  const auto s = write("oui36.csv", std::string(kHeader) + "MA-S,70B3D5719,2M Technology,x\r\n");
  const auto out = (dir_ / "out.inc").string();
  const auto r = run(l + " " + m + " " + s + " " + out, dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  const std::string t = text.str();
  EXPECT_NE(t.find("\"Siemens AG\""), std::string::npos);
  EXPECT_NE(t.find("\"Rockwell Automation\""), std::string::npos);
  EXPECT_NE(t.find("\"JSC \\042MASSA-K\\042\""), std::string::npos);  // quotes escaped as octal
  EXPECT_EQ(t.find("Second Row Loses"), std::string::npos);
  EXPECT_EQ(t.find("line two"), std::string::npos);
  // Sorted by bits descending, then prefix.
  const auto s36 = t.find("{0x70b3d5719ULL,");
  const auto s28 = t.find("{0x208593bULL,");
  const auto s24 = t.find("{0xbcULL,");
  ASSERT_NE(s36, std::string::npos);
  ASSERT_NE(s28, std::string::npos);
  ASSERT_NE(s24, std::string::npos);
  EXPECT_LT(s36, s28);
  EXPECT_LT(s28, s24);
  EXPECT_LT(s24, t.find("{0x1b1bULL,"));
}

TEST_F(GenOuiTest, MissingFileIsOneLineNamingIt) {
  const auto l = write("oui.csv", std::string(kHeader) + "MA-L,0000BC,Rockwell Automation,x\r\n");
  const auto m = write("mam.csv", std::string(kHeader) + "MA-M,208593B,IOG,x\r\n");
  const auto missing = (dir_ / "nope36.csv").string();
  const auto out = (dir_ / "out.inc").string();
  const auto r = run(l + " " + m + " " + missing + " " + out, dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(GenOuiTest, BadAssignmentNamesFileAndLine) {
  const auto l = write("oui.csv", std::string(kHeader) + "MA-L,0000BC,Rockwell,x\r\nMA-L,00ZZBC,Bad,x\r\n");
  const auto m = write("mam.csv", std::string(kHeader) + "MA-M,208593B,IOG,x\r\n");
  const auto s = write("oui36.csv", std::string(kHeader) + "MA-S,70B3D5719,2M,x\r\n");
  const auto r = run(l + " " + m + " " + s + " " + (dir_ / "out.inc").string(), dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(l + ":3:"), std::string::npos) << r.err;
}

TEST_F(GenOuiTest, UnterminatedQuoteAndWrongHeaderFail) {
  const auto good_m = write("mam.csv", std::string(kHeader) + "MA-M,208593B,IOG,x\r\n");
  const auto good_s = write("oui36.csv", std::string(kHeader) + "MA-S,70B3D5719,2M,x\r\n");
  const auto open_quote = write("oui.csv", std::string(kHeader) + "MA-L,0000BC,\"Rockwell,x\r\n");
  auto r = run(open_quote + " " + good_m + " " + good_s + " " + (dir_ / "o.inc").string(), dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("unterminated"), std::string::npos) << r.err;
  const auto not_csv = write("oui2.csv", "hello\n");
  r = run(not_csv + " " + good_m + " " + good_s + " " + (dir_ / "o.inc").string(), dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(not_csv), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mieruka::inventory::oui
