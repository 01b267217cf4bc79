// The web console's static files (web/**), embedded at build time by
// cmake/embed_files.cmake into a generated web_files.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace mieruka::sensor::web {

struct EmbeddedFile {
  const char* path;            // URL path, "/index.html"
  const unsigned char* data;
  std::size_t size;
};

// Ends with an entry whose path is null.
extern const EmbeddedFile kEmbeddedFiles[];

// The file at URL `path`, or nullopt.
[[nodiscard]] inline std::optional<std::string_view> embedded_file(std::string_view path) {
  for (const EmbeddedFile* f = kEmbeddedFiles; f->path != nullptr; ++f)
    if (path == f->path) return std::string_view(reinterpret_cast<const char*>(f->data), f->size);
  return std::nullopt;
}

// Content-Type for a file name by its extension.
[[nodiscard]] inline const char* content_type_of(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace mieruka::sensor::web
