// Replays fuzz inputs without libFuzzer: every file under the directories given on
// the command line (seed corpus, regressions) is fed once to LLVMFuzzerTestOneInput.
// Used under ctest so the corpus and every past crash run in every build, including
// the sanitizer one.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::size_t n = 0;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    if (!std::filesystem::is_directory(argv[i], ec)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i], ec)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      // Own allocation of exactly the input's size, so ASan sees any overread.
      std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
      LLVMFuzzerTestOneInput(copy.empty() ? nullptr : copy.data(), copy.size());
      ++n;
    }
  }
  // Also one empty input and a few byte patterns, so a target with no corpus yet
  // still runs.
  LLVMFuzzerTestOneInput(nullptr, 0);
  std::vector<std::uint8_t> pattern(4096);
  for (int seed = 0; seed < 256; ++seed) {
    std::uint32_t x = 2166136261U ^ static_cast<std::uint32_t>(seed);
    for (auto& b : pattern) { x = x * 16777619U + 1; b = static_cast<std::uint8_t>(x >> 24); }
    LLVMFuzzerTestOneInput(pattern.data(), static_cast<std::size_t>(seed) * 16);
  }
  std::printf("replayed %zu inputs\n", n);
  return 0;
}
