// Spreadsheet CSV reader and writer (see csv_reader.hpp). RFC 4180 §2 grammar,
// relaxed as spreadsheets write it: LF or CRLF line ends, a quote inside an
// unquoted field kept as a character, rows shorter than the header padded.
#include "inventory/policy/csv_reader.hpp"

#include <fcntl.h>
#include <iconv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace mieruka::inventory {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Strict UTF-8 (RFC 3629): no overlongs, surrogates or code points past U+10FFFF.
bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) n = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) n = 2;
    else if (c == 0xED) n = 2, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) n = 2;
    else if (c == 0xF0) n = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) n = 3, hi = 0x8F;
    else return false;
    if (s.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      const unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (d < l || d > h) return false;
    }
    i += n + 1;
  }
  return true;
}

std::size_t utf8_len(unsigned char c) noexcept {
  if (c < 0x80) return 1;
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

// One iconv pass. On an invalid or unencodable sequence: `skip_bad` writes '?'
// and skips one UTF-8 character; otherwise the conversion fails.
std::optional<std::string> convert(std::string_view in, const char* to, const char* from, bool skip_bad) {
  iconv_t cd = ::iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 2);
  std::string buf(4096, '\0');
  char* src = const_cast<char*>(in.data());  // iconv's API is not const-correct; it does not write here
  std::size_t src_left = in.size();
  bool ok = true;
  while (src_left > 0) {
    char* dst = buf.data();
    std::size_t dst_left = buf.size();
    const std::size_t rc = ::iconv(cd, &src, &src_left, &dst, &dst_left);
    out.append(buf.data(), buf.size() - dst_left);
    if (rc != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    if (!skip_bad) {
      ok = false;
      break;
    }
    out.push_back('?');
    const std::size_t n = std::min(utf8_len(static_cast<unsigned char>(*src)), src_left);
    src += n;
    src_left -= n;
  }
  ::iconv_close(cd);
  if (!ok) return std::nullopt;
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The separator: whichever of tab and comma occurs more often outside quotes on
// the header line, which ends at CR or LF (a header with neither is one column: comma).
char detect_separator(std::string_view text) {
  std::size_t tabs = 0, commas = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;  // a lone CR ends the header line too, as the parser reads it
    if (c == '\t') ++tabs;
    if (c == ',') ++commas;
  }
  return tabs > commas ? '\t' : ',';
}

std::string where(std::string_view name, std::size_t line) { return std::string(name) + ":" + std::to_string(line); }

// The bytes of each record that is not blank (line ending excluded), found by
// the parser's own grammar run over the file's own bytes: in Shift_JIS no trail
// byte is a quote, separator, CR or LF, so the same bytes end the same records.
std::vector<std::pair<std::size_t, std::size_t>> record_spans(std::string_view raw, char separator,
                                                              std::vector<std::size_t>& cells) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  bool quoted = false, after_quote = false, cell_empty = true, in_record = false;
  std::size_t begin = 0, count = 1;
  auto end_record = [&](std::size_t end) {
    if (in_record && !(count == 1 && cell_empty)) {
      spans.emplace_back(begin, end);
      cells.push_back(count);
    }
    quoted = after_quote = false;
    cell_empty = true;
    count = 1;
    in_record = false;
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (!in_record) {
      in_record = true;
      begin = i;
    }
    if (quoted) {
      if (c == '"' && i + 1 < raw.size() && raw[i + 1] == '"') {
        cell_empty = false;
        ++i;
      } else if (c == '"') {
        quoted = false;
        after_quote = true;
      } else {
        cell_empty = false;
      }
      continue;
    }
    if (c == separator) {
      ++count;
      cell_empty = true;
      after_quote = false;
      continue;
    }
    if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r') {
      end_record(c == '\n' && i > begin && raw[i - 1] == '\r' ? i - 1 : i);
      continue;
    }
    if (c == '"' && cell_empty && !after_quote) {
      quoted = true;
      continue;
    }
    cell_empty = false;
  }
  end_record(raw.size());
  return spans;
}

// One record as text (UTF-8, no line ending), quoted as write_csv quotes.
std::string record_text(const CsvTable& table, const std::vector<std::string>& rec, bool file_start) {
  std::string out;
  for (std::size_t i = 0; i < rec.size(); ++i) {
    if (i > 0) out.push_back(table.separator);
    const std::string& c = rec[i];
    // Either separator is quoted whichever the file uses: a reader that guesses
    // the separator (ours, spreadsheets) then guesses the same again.
    // A first cell that starts with U+FEFF is quoted too, or reading the file
    // back would take those bytes for a byte order mark and drop them.
    const bool quote = c.find_first_of("\"\r\n,\t") != std::string::npos ||
                       (file_start && i == 0 && c.substr(0, kBom.size()) == kBom);
    if (!quote) {
      out += c;
      continue;
    }
    out.push_back('"');
    for (char ch : c) {
      if (ch == '"') out.push_back('"');
      out.push_back(ch);
    }
    out.push_back('"');
  }
  return out;
}

// `now` is `before` with cells appended (columns added at the end).
bool extends(const std::vector<std::string>& now, const std::vector<std::string>& before) {
  return now.size() >= before.size() && std::equal(before.begin(), before.end(), now.begin());
}

// The rewrite of a table read from a file: the file's bytes with only the
// records that changed written anew. Empty when the table no longer lines up
// with what was read (rows taken away, columns reordered): then write_csv
// writes the whole table.
std::optional<std::string> write_keeping_bytes(const CsvTable& t) {
  if (t.spans.empty() || t.spans.size() != t.read_rows.size() + 1 || t.span_cells.size() != t.spans.size() ||
      t.rows.size() < t.read_rows.size() ||
      !extends(t.header, t.read_header))
    return std::nullopt;
  const std::size_t added = t.header.size() - t.read_header.size();
  auto encode = [&](std::string s) { return t.encoding == CsvEncoding::shift_jis ? utf8_to_cp932(s) : s; };
  std::string out;
  std::size_t pos = 0;
  for (std::size_t k = 0; k < t.spans.size(); ++k) {
    const auto [begin, end] = t.spans[k];
    const auto& now = k == 0 ? t.header : t.rows[k - 1];
    const auto& before = k == 0 ? t.read_header : t.read_rows[k - 1];
    out.append(t.raw, pos, begin - pos);
    // Cells appended to the bytes as read land in the new columns only when the
    // record held exactly its columns (not a short row padded, nor empty extras).
    if (extends(now, before) && now.size() == before.size() + added &&
        (added == 0 || t.span_cells[k] == before.size())) {
      out.append(t.raw, begin, end - begin);
      const std::vector<std::string> tail(now.begin() + static_cast<std::ptrdiff_t>(before.size()), now.end());
      if (!tail.empty()) out += encode(std::string(1, t.separator) + record_text(t, tail, false));
    } else {
      out += encode(record_text(t, now, begin == 0));
    }
    pos = end;
  }
  out.append(t.raw, pos, std::string::npos);
  for (std::size_t r = t.read_rows.size(); r < t.rows.size(); ++r) {
    if (!out.empty() && out.back() != '\n' && out.back() != '\r') out += t.newline;
    out += encode(record_text(t, t.rows[r], false)) + t.newline;
  }
  return t.bom ? std::string(kBom) + out : out;
}

}  // namespace

int CsvTable::column(std::initializer_list<std::string_view> names) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string h = trim(header[i]);
    for (auto n : names)
      if (iequals(h, n)) return static_cast<int>(i);
  }
  return -1;
}

std::optional<std::string> cp932_to_utf8(std::string_view s) { return convert(s, "UTF-8", "CP932", false); }

std::string utf8_to_cp932(std::string_view s) {
  auto r = convert(s, "CP932", "UTF-8", true);
  return r ? *r : std::string();
}

std::optional<CsvTable> parse_csv(std::string_view bytes, std::string_view name, std::string& error) {
  if (bytes.size() > kMaxCsvBytes) {
    error = std::string(name) + ": larger than " + std::to_string(kMaxCsvBytes >> 20) +
            " MiB; is this really the approved list?";
    return std::nullopt;
  }
  CsvTable t;
  std::string text;
  if (bytes.substr(0, kBom.size()) == kBom) {
    t.bom = true;
    bytes.remove_prefix(kBom.size());
  }
  if (valid_utf8(bytes)) {
    text = std::string(bytes);
  } else if (t.bom) {
    error = std::string(name) + ": starts with a UTF-8 byte order mark but is not valid UTF-8; save it again as UTF-8";
    return std::nullopt;
  } else if (auto u = cp932_to_utf8(bytes)) {
    t.encoding = CsvEncoding::shift_jis;
    text = std::move(*u);
  } else {
    error = std::string(name) + ": neither UTF-8 nor Shift_JIS; save it as CSV UTF-8 or CSV (Shift_JIS)";
    return std::nullopt;
  }
  t.separator = detect_separator(text);
  const auto first_nl = text.find('\n');
  t.newline = first_nl != std::string::npos && first_nl > 0 && text[first_nl - 1] == '\r' ? "\r\n" : "\n";

  // Record-by-record state machine.
  std::vector<std::string> record;
  std::string cell;
  bool quoted = false, after_quote = false, in_record = false;
  std::size_t line = 1, record_line = 1;
  bool header_done = false;
  auto end_cell = [&]() -> bool {
    if (record.size() >= kMaxCsvColumns) {
      error = where(name, record_line) + ": more than " + std::to_string(kMaxCsvColumns) + " columns";
      return false;
    }
    record.push_back(std::move(cell));
    cell.clear();
    quoted = after_quote = false;
    return true;
  };
  auto end_record = [&]() -> bool {
    if (!end_cell()) return false;
    const bool blank = record.size() == 1 && record[0].empty();
    if (!blank) {
      if (!header_done) {
        t.header = std::move(record);
        header_done = true;
      } else {
        if (record.size() > t.header.size()) {
          bool extra_empty = true;
          for (std::size_t i = t.header.size(); i < record.size(); ++i) extra_empty = extra_empty && record[i].empty();
          if (!extra_empty) {
            error = where(name, record_line) + ": " + std::to_string(record.size()) + " cells but the header has " +
                    std::to_string(t.header.size()) + "; quote cells that contain '" +
                    (t.separator == '\t' ? std::string("\\t") : std::string(1, t.separator)) + "'";
            return false;
          }
          record.resize(t.header.size());
        }
        if (t.rows.size() >= kMaxCsvRows) {
          error = where(name, record_line) + ": more than " + std::to_string(kMaxCsvRows) + " rows";
          return false;
        }
        record.resize(t.header.size());
        t.rows.push_back(std::move(record));
        t.row_lines.push_back(record_line);
      }
    }
    record.clear();
    in_record = false;
    return true;
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_record) {
      in_record = true;
      record_line = line;
    }
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
          after_quote = true;
        }
        continue;
      }
      if (c == '\n') ++line;
      if (cell.size() >= kMaxCsvCellBytes) {
        error = where(name, record_line) + ": a cell longer than " + std::to_string(kMaxCsvCellBytes) +
                " bytes (a quote never closed?)";
        return std::nullopt;
      }
      cell.push_back(c);
      continue;
    }
    if (c == t.separator) {
      if (!end_cell()) return std::nullopt;
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r') {
      if (!end_record()) return std::nullopt;
      ++line;
      continue;
    }
    if (c == '"' && cell.empty() && !after_quote) {
      quoted = true;
      continue;
    }
    if (after_quote) {
      error = where(name, record_line) + ": text after a closing quote; write \"\" for a quote inside a quoted cell";
      return std::nullopt;
    }
    if (cell.size() >= kMaxCsvCellBytes) {
      error = where(name, record_line) + ": a cell longer than " + std::to_string(kMaxCsvCellBytes) + " bytes";
      return std::nullopt;
    }
    cell.push_back(c);
  }
  if (quoted) {
    error = where(name, record_line) + ": a quoted cell is never closed; add the closing \"";
    return std::nullopt;
  }
  if (in_record && !end_record()) return std::nullopt;
  if (!header_done) {
    error = std::string(name) + ":1: no header row (expected column names such as mac, ip, name)";
    return std::nullopt;
  }
  std::vector<std::size_t> cells;
  if (auto spans = record_spans(bytes, t.separator, cells); spans.size() == t.rows.size() + 1) {
    t.raw = std::string(bytes);
    t.spans = std::move(spans);
    t.span_cells = std::move(cells);
    t.read_header = t.header;
    t.read_rows = t.rows;
  }
  return t;
}

std::optional<CsvTable> read_csv_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open (check the path and permissions)";
    return std::nullopt;
  }
  std::string bytes;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    bytes.append(buf, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > kMaxCsvBytes) break;
  }
  return parse_csv(bytes, path, error);
}

std::string write_csv(const CsvTable& table) {
  if (auto kept = write_keeping_bytes(table)) return std::move(*kept);
  std::string out = record_text(table, table.header, true) + table.newline;
  for (const auto& r : table.rows) out += record_text(table, r, false) + table.newline;
  if (table.encoding == CsvEncoding::shift_jis) return utf8_to_cp932(out);
  return table.bom ? std::string(kBom) + out : out;
}

bool write_csv_file(const std::string& path, const CsvTable& table, std::string& error) {
  const std::string tmp = path + ".mieruka-tmp";
  const std::string bytes = write_csv(table);
  struct stat st {};
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = tmp + ": cannot create (" + std::string(std::strerror(errno)) + "; check the directory's permissions)";
    return false;
  }
  bool ok = ::fchmod(fd, mode) == 0;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    error = tmp + ": cannot write (" + std::string(std::strerror(saved)) + "; check free space)";
    std::remove(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": cannot replace the file (" + std::string(std::strerror(errno)) + ")";
    std::remove(tmp.c_str());
    return false;
  }
  // The rename itself reaches the disk with the directory.
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace mieruka::inventory
