// Files, directories and ROLIE feeds of advisories, read offline. A file that
// cannot be read is one error line and is skipped; the others load. The same
// advisory met twice keeps its newest revision (tracking.version, then the
// current release date).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <system_error>

#include "inventory/advisories/advisory.hpp"
#include "inventory/advisories/text.hpp"

namespace mieruka::inventory::advisories {
namespace {

namespace fs = std::filesystem;
constexpr std::uintmax_t kMaxFileBytes = 64U << 20;
constexpr std::size_t kMaxFiles = 100'000;

std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return s;
}

// Reads the whole file, or says why not.
std::optional<std::string> slurp(const fs::path& p, std::string& error) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) {
    error = "cannot read (" + ec.message() + ")";
    return std::nullopt;
  }
  if (size > kMaxFileBytes) {
    error = "larger than 64 MiB; not an advisory (split or check the file)";
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "cannot open the file";
    return std::nullopt;
  }
  std::string data(static_cast<std::size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

bool is_feed(const nlohmann::json& j) {
  return j.is_object() && j.contains("feed") && j["feed"].is_object() && j["feed"].contains("entry");
}

// The file name a feed entry points at (content.src, else a link), taken as a
// file next to the feed: feeds name their documents by URL, and offline the
// documents sit beside the feed.
std::string entry_file(const nlohmann::json& e) {
  std::string url;
  if (e.contains("content") && e["content"].is_object() && e["content"].contains("src") && e["content"]["src"].is_string())
    url = e["content"]["src"].get<std::string>();
  if (url.empty() && e.contains("link") && e["link"].is_array())
    for (const auto& l : e["link"])
      if (l.is_object() && l.value("rel", "") == "self" && l.contains("href") && l["href"].is_string())
        url = l["href"].get<std::string>();
  const auto slash = url.find_last_of('/');
  std::string name = slash == std::string::npos ? url : url.substr(slash + 1);
  if (name == "." || name == ".." || name.find('\\') != std::string::npos) return {};
  return name;
}

// Newer: higher tracking.version (compared as a version), then the later
// current release date (ISO 8601 strings order as text).
bool newer(const Advisory& a, const Advisory& b) {
  if (auto c = compare_versions(a.revision, b.revision, ""); c && *c != 0) return *c > 0;
  return a.current_release > b.current_release;
}

struct Loader {
  LoadResult out;
  std::map<std::string, std::size_t> by_id;  // "source id" -> index in out.advisories

  void add(Advisory a) {
    const std::string key = a.source + " " + a.id;
    auto it = by_id.find(key);
    if (it == by_id.end()) {
      by_id.emplace(key, out.advisories.size());
      out.advisories.push_back(std::move(a));
    } else if (newer(a, out.advisories[it->second])) {
      out.advisories[it->second] = std::move(a);
    }
  }

  void error(const fs::path& p, const std::string& what) { out.errors.push_back(one_line(p.string() + ": " + what)); }

  void file(const fs::path& p, bool from_feed) {
    if (out.files >= kMaxFiles) {
      error(p, "more than 100000 files; the rest are not read");
      return;
    }
    ++out.files;
    std::string why;
    auto data = slurp(p, why);
    if (!data) return error(p, why);
    const std::string_view text = trim(*data);
    if (text.starts_with("<")) {
      auto r = read_jvn(text);
      if (!r.error.empty()) return error(p, r.error);
      for (auto& a : r.advisories) add(std::move(a));
      return;
    }
    if (!from_feed && text.find("\"feed\"") != std::string_view::npos) {
      const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
      if (!j.is_discarded() && is_feed(j)) return feed(p, j);
    }
    auto r = read_csaf(text);
    if (!r.error.empty()) return error(p, r.error);
    for (auto& a : r.advisories) add(std::move(a));
  }

  // A feed's documents, looked for next to it first, then anywhere below its
  // folder: feeds name their documents by URL, and a download keeps them next
  // to the feed or in the provider's folders (csaf_files/OT/white/2024/...).
  void feed(const fs::path& p, const nlohmann::json& j) {
    const auto& entries = j["feed"]["entry"];
    if (!entries.is_array()) return error(p, "ROLIE feed: feed.entry is not an array");
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    std::optional<std::map<std::string, fs::path>> below;  // file name -> its first path, built on first need
    for (const auto& e : entries) {
      const std::string name = entry_file(e);
      const std::string id = e.is_object() && e.contains("id") && e["id"].is_string() ? e["id"].get<std::string>() : "?";
      if (name.empty()) {
        error(p, "ROLIE feed entry " + id.substr(0, 64) + " names no document (content.src or a self link)");
        continue;
      }
      fs::path doc = dir / name;
      std::error_code ec;
      if (!fs::is_regular_file(doc, ec)) {
        if (!below) below = files_below(dir);
        const auto it = below->find(name);
        if (it == below->end()) {
          error(p, "ROLIE feed entry " + id.substr(0, 64) + ": " + name +
                       " is missing; put the feed's documents next to it or in a folder below it");
          continue;
        }
        doc = it->second;
      }
      file(doc, true);
    }
  }

  // The advisory files under `dir` by file name (the first in path order), at
  // most kMaxFiles of them.
  std::map<std::string, fs::path> files_below(const fs::path& dir) {
    std::vector<fs::path> found;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end && found.size() <= kMaxFiles; it.increment(ec)) {
      std::error_code fec;
      if (!it->is_regular_file(fec)) continue;
      const std::string ext = fold(it->path().extension().string());
      if (ext == ".json" || ext == ".xml") found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    std::map<std::string, fs::path> by_name;
    for (auto& f : found) by_name.emplace(f.filename().string(), std::move(f));
    return by_name;
  }

  void path(const std::string& s) {
    const fs::path p(s);
    std::error_code ec;
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return error(p, "no such file or directory");
    if (fs::is_regular_file(st)) return file(p, false);
    if (!fs::is_directory(st)) return error(p, "not a file or directory");
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) return error(p, "cannot list (" + ec.message() + ")");
    for (; it != end; it.increment(ec)) {
      if (ec) {
        error(p, "cannot list (" + ec.message() + ")");
        break;
      }
      std::error_code fec;
      if (!it->is_regular_file(fec)) continue;
      const std::string ext = fold(it->path().extension().string());
      if (ext == ".json" || ext == ".xml") files.push_back(it->path());
      if (files.size() > kMaxFiles) break;
    }
    std::sort(files.begin(), files.end());  // the same order on every machine
    // A feed inside the directory names documents the walk reads too: the same
    // advisory met twice is kept once (add()).
    for (const auto& f : files) file(f, false);
  }
};

}  // namespace

LoadResult load_paths(const std::vector<std::string>& paths) {
  Loader l;
  try {
    for (const auto& p : paths) l.path(p);
  } catch (const std::exception& e) {
    l.out.errors.push_back(one_line(std::string("loading advisories stopped: ") + e.what()));
  }
  return std::move(l.out);
}

}  // namespace mieruka::inventory::advisories
