// A private directory under GoogleTest's temporary directory for one test,
// removed with everything in it when the TempDir goes.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace mieruka::test {

class TempDir {
 public:
  // `prefix` names the directory (mieruka_store_XXXXXX); path() is empty when
  // it could not be made.
  explicit TempDir(std::string_view prefix) {
    std::string tmpl =
        (std::filesystem::path(::testing::TempDir()) / (std::string(prefix) + "_XXXXXX")).string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace mieruka::test
