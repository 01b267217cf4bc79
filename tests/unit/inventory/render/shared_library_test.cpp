#include "inventory/render/shared_library.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace mieruka::inventory {
namespace {

TEST(SharedLibrary, BindsEntryPointsOfTheFirstSonameThatLoads) {
  SharedLibrary lib{"libmieruka-no-such-library.so.9", "libc.so.6"};
  decltype(&std::strlen) len = nullptr;
  lib.bind("strlen", len);
  ASSERT_TRUE(lib.ok()) << lib.error();
  ASSERT_NE(len, nullptr);
  EXPECT_EQ(len("見える化"), 12u);
}

TEST(SharedLibrary, MissingLibraryNamesEverySonameTried) {
  SharedLibrary lib{"libmieruka-no-such-a.so.1", "libmieruka-no-such-b.so.2"};
  int (*fn)() = reinterpret_cast<int (*)()>(1);
  lib.bind("anything", fn);
  EXPECT_FALSE(lib.ok());
  EXPECT_EQ(fn, nullptr);
  EXPECT_NE(lib.error().find("libmieruka-no-such-a.so.1"), std::string::npos) << lib.error();
  EXPECT_NE(lib.error().find("libmieruka-no-such-b.so.2"), std::string::npos) << lib.error();
  EXPECT_EQ(lib.error().find('\n'), std::string::npos);
}

TEST(SharedLibrary, MissingSymbolIsAnErrorNamingTheFirstOne) {
  SharedLibrary lib{"libc.so.6"};
  decltype(&std::strlen) len = nullptr;
  void (*a)() = nullptr;
  void (*b)() = nullptr;
  lib.bind("mieruka_no_such_symbol_a", a);
  lib.bind("strlen", len);
  lib.bind("mieruka_no_such_symbol_b", b);
  EXPECT_FALSE(lib.ok());
  EXPECT_NE(len, nullptr);  // binding goes on after a miss
  EXPECT_EQ(lib.error(), "libc.so.6 has no mieruka_no_such_symbol_a");
}

}  // namespace
}  // namespace mieruka::inventory
