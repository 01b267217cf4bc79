// Spreadsheet CSV as plants keep it (../shared/INTERFACES.md "Inputs plants keep
// in spreadsheets"): RFC 4180 fields (quoted fields with "" doubling and line
// breaks inside quotes), comma or tab separated, UTF-8 with or without a BOM, or
// Shift_JIS (Windows code page 932, converted with glibc iconv). The table keeps
// what it was read in (encoding, BOM, separator, line ending, column order and
// every column, known or not) so that a rewrite gives the user's file back with
// only the rows we changed or added.
//
// Errors are one line, "<file>:<line>: <what is wrong and the fix>", where the
// line is the physical line (1-based) the bad record starts on.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mieruka::inventory {

// Caps: an approved list is a few thousand rows; anything far larger is not one.
inline constexpr std::size_t kMaxCsvBytes = 64U << 20;
inline constexpr std::size_t kMaxCsvColumns = 256;
inline constexpr std::size_t kMaxCsvRows = 1'000'000;
inline constexpr std::size_t kMaxCsvCellBytes = 64U << 10;

enum class CsvEncoding { utf8, shift_jis };

struct CsvTable {
  CsvEncoding encoding = CsvEncoding::utf8;
  bool bom = false;              // a UTF-8 byte order mark led the file
  char separator = ',';          // ',' or '\t'
  std::string newline = "\r\n";  // the first record's line ending
  std::vector<std::string> header;               // UTF-8
  std::vector<std::vector<std::string>> rows;    // UTF-8; each padded to header.size()
  std::vector<std::size_t> row_lines;            // physical line each row starts on (parallel to rows)

  // The file as read, so that a rewrite gives back every record nobody changed
  // byte for byte (its quoting, its Shift_JIS bytes, blank lines, a missing
  // final line break): `raw` is the file after the BOM, `spans` the bytes of the
  // header and then of each row (line ending excluded), `span_cells` how many
  // cells each held as written (a row may have fewer or more than the header),
  // `read_header` and `read_rows` the cells they held. Empty for a table built
  // in memory.
  std::string raw;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::vector<std::size_t> span_cells;
  std::vector<std::string> read_header;
  std::vector<std::vector<std::string>> read_rows;

  // Index of the first header matching one of `names` (exact after trimming
  // spaces, ASCII case-insensitive), or -1.
  [[nodiscard]] int column(std::initializer_list<std::string_view> names) const;
};

// Parses `bytes` (the whole file); `name` prefixes error lines.
[[nodiscard]] std::optional<CsvTable> parse_csv(std::string_view bytes, std::string_view name, std::string& error);
[[nodiscard]] std::optional<CsvTable> read_csv_file(const std::string& path, std::string& error);

// The table in its own encoding, BOM, separator and line ending. Cells are
// written as they are, quoted when they hold the separator, a quote or a line
// break. Characters Shift_JIS cannot hold become '?'. A table read from a file
// keeps every record whose cells did not change as the bytes it was read as
// (columns appended to the header only add empty cells to such a record), and
// rows added after the last one read go at the end.
[[nodiscard]] std::string write_csv(const CsvTable& table);
// Writes atomically and durably: a temporary file beside `path` with the
// original's permissions, flushed to disk, renamed over `path`, the directory
// flushed too.
[[nodiscard]] bool write_csv_file(const std::string& path, const CsvTable& table, std::string& error);


// Encoding conversions through iconv; nullopt when `s` is not valid input.
[[nodiscard]] std::optional<std::string> cp932_to_utf8(std::string_view s);
[[nodiscard]] std::string utf8_to_cp932(std::string_view s);  // unencodable -> '?'

}  // namespace mieruka::inventory
