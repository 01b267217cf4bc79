// The registry (dissectors/registry.cpp) is the one list of protocols: no other
// source file in inventory/, sensor/ or dissectors/ writes a protocol's name as
// a string literal, except the file pair of the dissector that emits it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dissectors/registry.hpp"

namespace fs = std::filesystem;
using mieruka::dissectors::protocol_info;
using mieruka::dissectors::protocols;
using mieruka::dissectors::registry;

namespace {

struct Literal {
  std::size_t line;
  std::string text;  // as written between the quotes (escapes not decoded)
};

// The string literals of C++ source `src`, comments skipped. Plain, prefixed
// (u8"", L"") and raw (R"d(...)d") literals; character literals are skipped.
std::vector<Literal> string_literals(const std::string& src) {
  std::vector<Literal> out;
  std::size_t line = 1;
  auto advance = [&](std::size_t from, std::size_t to) {
    line += static_cast<std::size_t>(std::count(src.begin() + static_cast<std::ptrdiff_t>(from),
                                                src.begin() + static_cast<std::ptrdiff_t>(std::min(to, src.size())), '\n'));
  };
  std::size_t i = 0;
  while (i < src.size()) {
    const char c = src[i];
    if (c == '/' && i + 1 < src.size() && src[i + 1] == '/') {
      const std::size_t end = src.find('\n', i);
      i = end == std::string::npos ? src.size() : end;
      continue;
    }
    if (c == '/' && i + 1 < src.size() && src[i + 1] == '*') {
      const std::size_t end = src.find("*/", i + 2);
      const std::size_t to = end == std::string::npos ? src.size() : end + 2;
      advance(i, to);
      i = to;
      continue;
    }
    if (c == 'R' && i + 1 < src.size() && src[i + 1] == '"') {
      const std::size_t open = src.find('(', i + 2);
      if (open == std::string::npos) break;
      std::string close = ")";
      close.append(src, i + 2, open - i - 2);
      close += '"';
      const std::size_t end = src.find(close, open + 1);
      const std::size_t to = end == std::string::npos ? src.size() : end + close.size();
      if (end != std::string::npos) out.push_back({line, src.substr(open + 1, end - open - 1)});
      advance(i, to);
      i = to;
      continue;
    }
    // A quote after a digit is a digit separator (1'000), not a character literal.
    const bool separator = c == '\'' && i > 0 && std::isdigit(static_cast<unsigned char>(src[i - 1])) != 0;
    if ((c == '\'' && !separator) || c == '"') {
      std::size_t j = i + 1;
      while (j < src.size() && src[j] != c && src[j] != '\n') j += src[j] == '\\' ? 2 : 1;
      if (c == '"') out.push_back({line, src.substr(i + 1, std::min(j, src.size()) - i - 1)});
      i = j < src.size() && src[j] == c ? j + 1 : j;  // an unterminated literal ends at its line
      continue;
    }
    if (c == '\n') ++line;
    ++i;
  }
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Literals that equal a protocol's name but are not a list of protocols.
struct Allowed {
  std::string_view file, literal, why;
};
constexpr Allowed kAllowed[] = {
    // The key of the "internet" finding for public DNS lookups: part of the
    // finding's id, which acknowledgements are keyed by; it names the finding,
    // not a protocol to look up.
    {"inventory/policy/findings.cpp", "dns", "finding key"},
};

// The source files the scan reads, relative to the source tree.
std::vector<std::string> scanned_files() {
  const fs::path root = MIERUKA_SOURCE_DIR;
  std::vector<std::string> files;
  for (const char* dir : {"inventory", "sensor", "dissectors"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp" && ext != ".h" && ext != ".cc") continue;
      files.push_back(fs::relative(entry.path(), root).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// True when `file` may write `name`: the registry itself and the file pair of
// the dissector that emits the name.
bool owns(const std::string& file, const mieruka::dissectors::ProtocolInfo& p) {
  const fs::path f(file);
  if (f.parent_path() != "dissectors") return false;
  const std::string stem = f.stem().string();
  return stem == "registry" || stem == p.dissector;
}

}  // namespace

TEST(ProtocolRegistry, LexerFindsLiteralsOutsideComments) {
  const auto lits = string_literals(
      "// \"modbus\" in a comment\n"
      "/* \"fins\"\n   still a comment */ const char* a = \"slmp\";\n"
      "char q = '\"'; auto b = R\"x(s7comm)x\"; auto c = \"esc\\\"aped\";\n");
  ASSERT_EQ(lits.size(), 3U);
  EXPECT_EQ(lits[0].text, "slmp");
  EXPECT_EQ(lits[0].line, 3U);
  EXPECT_EQ(lits[1].text, "s7comm");
  EXPECT_EQ(lits[1].line, 4U);
  EXPECT_EQ(lits[2].text, "esc\\\"aped");
}

// The test of the rule: a protocol name written outside the registry and its
// dissector's file pair is a list of protocols the registry does not drive.
TEST(ProtocolRegistry, IsTheOnlyListOfProtocols) {
  const fs::path root = MIERUKA_SOURCE_DIR;
  const auto files = scanned_files();
  ASSERT_GT(files.size(), 50U) << "source tree not found under " << root;
  std::vector<std::string> offending;
  std::set<std::pair<std::string_view, std::string_view>> allowances_used;
  for (const auto& file : files) {
    for (const Literal& lit : string_literals(read(root / file))) {
      const auto* p = protocol_info(lit.text);
      if (p == nullptr || owns(file, *p)) continue;
      const auto allowed = std::find_if(std::begin(kAllowed), std::end(kAllowed),
                                        [&](const Allowed& a) { return a.file == file && a.literal == lit.text; });
      if (allowed != std::end(kAllowed)) {
        allowances_used.emplace(allowed->file, allowed->literal);
        continue;
      }
      offending.push_back(file + ":" + std::to_string(lit.line) + ": \"" + lit.text + "\"");
    }
  }
  std::string list;
  for (const auto& o : offending) list += "\n  " + o;
  EXPECT_TRUE(offending.empty()) << "protocol names outside dissectors/registry.cpp and the dissector's own file "
                                    "pair; read what the code needs from the protocol's registry row instead:"
                                 << list;
  for (const Allowed& a : kAllowed)
    EXPECT_TRUE(allowances_used.count({a.file, a.literal}) != 0)
        << "allow-list entry " << a.file << " \"" << a.literal << "\" (" << a.why << ") matches nothing: remove it";
}

TEST(ProtocolRegistry, EveryDispatchRowAndDissectorIsDescribed) {
  const fs::path root = MIERUKA_SOURCE_DIR;
  for (const auto& e : registry()) EXPECT_NE(protocol_info(e.name), nullptr) << e.name;
  for (const auto& p : protocols()) {
    EXPECT_TRUE(fs::exists(root / "dissectors" / (std::string(p.dissector) + ".cpp"))) << p.name << ": " << p.dissector;
    EXPECT_TRUE(fs::exists(root / "dissectors" / (std::string(p.dissector) + ".hpp"))) << p.name << ": " << p.dissector;
    // A controller's or an I/O protocol is industrial.
    if (p.ends != mieruka::dissectors::Ends::none) {
      EXPECT_TRUE(p.ot) << p.name;
    }
  }
}

TEST(ProtocolRegistry, ServicePortsBelongToOneProtocol) {
  std::set<std::pair<int, int>> seen;
  for (const auto& p : protocols()) {
    for (const auto& s : p.ports) {
      if (s.port == 0) continue;
      EXPECT_TRUE(s.transport == mieruka::dissectors::Transport::tcp ||
                  s.transport == mieruka::dissectors::Transport::udp)
          << p.name;
      EXPECT_TRUE(seen.emplace(static_cast<int>(s.transport), s.port).second) << p.name << " port " << s.port;
    }
  }
}

TEST(ProtocolRegistry, NamesNothingEmitsAreNotProtocols) {
  for (const char* name : {"profinet", "goose", "mms", "melsec", "bacnet", "dnp3", "iec104", "tcp", "udp", "arp"})
    EXPECT_EQ(protocol_info(name), nullptr) << name;
  ASSERT_NE(protocol_info("fins"), nullptr);
  EXPECT_TRUE(protocol_info("fins")->ot);
  EXPECT_FALSE(protocol_info("lldp")->ot);
}
