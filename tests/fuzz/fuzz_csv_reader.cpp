// Fuzz target: spreadsheet CSV parsing (inventory/policy/csv_reader) and the rewrite of
// what it parsed. tests/CMakeLists.txt links fuzz targets with the dissector
// layer only, so the reader (which needs nothing but iconv) is compiled in here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inventory/policy/csv_reader.cpp"  // NOLINT(bugprone-suspicious-include): see above

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mieruka::inventory;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto t = parse_csv(in, "fuzz.csv", error);
  if (!t) {
    if (error.empty() || error.find('\n') != std::string::npos) std::abort();  // one line, always
    return 0;
  }
  if (t->rows.size() != t->row_lines.size()) std::abort();
  for (const auto& r : t->rows)
    if (r.size() != t->header.size()) std::abort();
  // Every record is found in the file's own bytes, and a table nobody changed
  // is written back byte for byte.
  if (t->spans.size() != t->rows.size() + 1 || write_csv(*t) != in) std::abort();
  // One cell changed: it reads back changed. (A header with a stray quote can
  // make the separator guess, which pairs quotes on the header line, read on
  // into the rows: such files are left out here.)
  bool header_quote = false;
  for (const auto& h : t->header) header_quote = header_quote || h.find('"') != std::string::npos;
  if (t->encoding == CsvEncoding::utf8 && !t->rows.empty() && !header_quote) {
    CsvTable edited = *t;
    edited.rows[0][0] = "x,\"y\"";
    auto back = parse_csv(write_csv(edited), "edited.csv", error);
    if (!back || back->header != t->header || back->rows.empty() || back->rows[0][0] != "x,\"y\"") std::abort();
  }
  // What we write, we read back to the same cells (UTF-8 tables; Shift_JIS may
  // map several code points to one byte sequence).
  if (t->encoding == CsvEncoding::utf8) {
    const std::string out = write_csv(*t);
    auto back = parse_csv(out, "again.csv", error);
    if (!back || back->header != t->header) std::abort();
    // Rows that were all empty cells are dropped as blank lines on re-read.
    if (back->rows.size() > t->rows.size()) std::abort();
  }
  return 0;
}
