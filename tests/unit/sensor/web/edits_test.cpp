// The console's edits of the plant's names: written back to the approved list
// file in its own encoding, other rows untouched, concurrent editors kept.
#include "sensor/web/edits.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "inventory/policy/csv_reader.hpp"
#include "unit/temp_dir.hpp"

namespace mieruka::sensor {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

MacAddr mac(std::string_view s) { return *MacAddr::parse(s); }

TEST(PlantNames, ShiftJisFileKeepsEveryOtherByte) {
  test::TempDir dir("mieruka_edits");
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.path() + "/approved.csv";
  // CP932 header MACアドレス,名称,設置場所,台帳番号 (a column the plant keeps).
  const std::string head = "MAC\x83\x41\x83\x68\x83\x8C\x83\x58,\x96\xBC\x8F\xCC,\x90\xDD\x92\x75\x8F\xEA\x8F\x8A,"
                           "\x91\xE4\x92\xA0\x94\xD4\x8D\x86\r\n";
  const std::string row1 = "00-80-F4-50-00-01,PLC,\"\x91\xE6\x32\x8D\x48\x8F\xEA\",A-1\r\n";
  const std::string row2 = "00-80-F4-50-00-02,HMI,,\"B,2\"\r\n";
  spit(path, head + row1 + row2);
  inventory::Ledger led;
  const auto a = led.station(mac("00:80:f4:50:00:02"), 1);
  const auto r = set_plant_names(led, path, led.assets()[a], {{"name", "成形機PLC 2号", "HMI"}});
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.changes.size(), 1U);
  // 成形機 = 90 AC 8C 60 8B 40, 号 = 8D 86
  EXPECT_EQ(slurp(path), head + row1 + "00-80-F4-50-00-02,\x90\xAC\x8C\x60\x8B\x40PLC 2\x8D\x86,,\"B,2\"\r\n");

  // A stale edit is refused and the file stays as it is.
  const std::string before = slurp(path);
  const auto stale = set_plant_names(led, path, led.assets()[a], {{"name", "x", "HMI"}});
  EXPECT_TRUE(stale.conflict);
  EXPECT_EQ(slurp(path), before);

  // A file that no longer reads as a list is refused with its own error.
  spit(path, "name\r\nx\r\n");
  const auto broken = set_plant_names(led, path, led.assets()[a], {{"name", "y", ""}});
  EXPECT_NE(broken.error.find("no `mac` or `ip` column"), std::string::npos) << broken.error;
  EXPECT_EQ(slurp(path), "name\r\nx\r\n");
}

TEST(PlantNames, ConcurrentEditorsKeepEachOther) {
  test::TempDir dir("mieruka_edits");
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.path() + "/approved.csv";
  spit(path, "\xEF\xBB\xBFmac,name\n");
  inventory::Ledger led;
  constexpr int kDevices = 40;
  for (int i = 0; i < kDevices; ++i) led.station(mac("00:00:bc:00:00:" + std::to_string(10 + i)), 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < kDevices; i += 2) {
        const auto r = set_plant_names(led, path, led.assets()[static_cast<std::size_t>(i)],
                                       {{"name", "dev " + std::to_string(i), ""}});
        EXPECT_TRUE(r.error.empty()) << r.error;
        EXPECT_TRUE(r.row_added);
      }
    });
  for (auto& th : threads) th.join();
  std::string error;
  const auto list = inventory::load_approved(path, error);
  ASSERT_TRUE(list) << error;
  EXPECT_TRUE(list->table.bom);
  EXPECT_EQ(list->entries.size(), static_cast<std::size_t>(kDevices));
  for (int i = 0; i < kDevices; ++i) {
    const auto* e = list->match(led.assets()[static_cast<std::size_t>(i)]);
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->name, "dev " + std::to_string(i));
  }
}

}  // namespace
}  // namespace mieruka::sensor
