// The advisories every findings computation reads from the store: parsed once
// per database and import (the console and the daemon's alert checks compute
// findings again and again), parsed again after an import changes them, and a
// stored row that does not read is left out, not fatal.
#include "unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "inventory/advisories/advisory.hpp"
#include "inventory/store/store.hpp"
#include "sensor/delivery/findings_inputs.hpp"

namespace mieruka::sensor {
namespace {

namespace fs = std::filesystem;

inventory::StoredAdvisory stored(const std::string& id, const std::string& revision) {
  inventory::advisories::Advisory a;
  a.id = id;
  a.source = "csaf";
  a.title = "Title " + id;
  a.revision = revision;
  a.current_release = "2024-01-0" + revision + "T00:00:00Z";
  return {a.id, a.source, a.revision, a.current_release, a.title, inventory::advisories::to_json(a).dump(), 0, 0};
}

TEST(StoredAdvisories, ParsedOncePerImport) {
  const test::TempDir tmp("mieruka_adv");
  ASSERT_FALSE(tmp.path().empty()) << "cannot make a temporary directory";
  const std::string db = (fs::path(tmp.path()) / "a.db").string();
  std::string error;
  auto store = inventory::Store::open(db, "line1", error);
  ASSERT_TRUE(store) << error;
  std::vector<inventory::AdvisoryImport> out;
  ASSERT_TRUE(store->import_advisories({stored("ICSA-24-001-01", "1")}, out, 100).ok());

  auto first = load_stored_advisories(*store, error);
  ASSERT_TRUE(first) << error;
  ASSERT_EQ(first->list.size(), 1U);
  EXPECT_EQ(first->imported_us.at("ICSA-24-001-01"), 100);
  EXPECT_EQ(load_stored_advisories(*store, error), first);  // nothing changed: the same parse

  ASSERT_TRUE(store->import_advisories({stored("ICSA-24-001-01", "2"), stored("ICSA-24-002-01", "1")}, out, 200).ok());
  auto second = load_stored_advisories(*store, error);
  ASSERT_TRUE(second) << error;
  EXPECT_NE(second, first);
  ASSERT_EQ(second->list.size(), 2U);
  EXPECT_EQ(second->list[0].revision, "2");

  // A row that does not read is left out with a warning; the rest is kept.
  ASSERT_TRUE(store->import_advisories({{"ICSA-24-003-01", "csaf", "1", "2024-02-01T00:00:00Z", "bad", "{not json", 0, 0}},
                                       out, 300)
                  .ok());
  auto third = load_stored_advisories(*store, error);
  ASSERT_TRUE(third) << error;
  EXPECT_EQ(third->list.size(), 2U);

  // A reader sees the same parse.
  auto reader = inventory::Store::open_reader(db, "line1", error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(load_stored_advisories(*reader, error), third);
}

}  // namespace
}  // namespace mieruka::sensor
