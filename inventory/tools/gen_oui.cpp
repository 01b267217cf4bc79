// Build-time generator of the OUI vendor table (inventory/ledger/oui.cpp includes its
// output as "oui_table.inc").
//
// Input: the IEEE Registration Authority CSVs as Debian's ieee-data ships them
// (/usr/share/ieee-data): MA-L oui.csv (24-bit prefixes), MA-M mam.csv (28-bit),
// MA-S oui36.csv (36-bit). Columns: Registry, Assignment (hex), Organization
// Name, Organization Address; a header line; RFC 4180 quoting (commas, doubled
// quotes and line breaks inside quotes); CRLF line ends.
//
// Output: `kOuiNames`, one blob of the unique organisation names, and
// `kOuiEntries`, {prefix, name offset, name length, bits} sorted by bits
// descending then prefix ascending, so a lookup binary-searches the 36-bit
// block first, then 28, then 24 (longest prefix wins). Names are trimmed of
// surrounding white space and of a trailing comma (the registry has
// "Siemens AG,"); "Private" entries stay "Private". A prefix listed twice keeps
// its first row (oui.csv repeats a few 1980s assignments).
//
// Usage: mieruka_gen_oui oui.csv mam.csv oui36.csv OUT.inc
// Any error is one line on stderr naming the file, and exit status 1; OUT is
// only written when every input parsed.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Row {
  std::vector<std::string> fields;
  std::size_t line = 0;  // line the record starts on (1-based)
};

struct Entry {
  std::uint64_t prefix = 0;
  unsigned bits = 0;
  std::string name;
};

[[noreturn]] void fail(const std::string& msg) {
  std::fprintf(stderr, "mieruka_gen_oui: %s\n", msg.c_str());
  std::exit(1);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path + ": " + std::strerror(errno) + " (install ieee-data or set MIERUKA_IEEE_DIR)");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("cannot read " + path + ": read error");
  return data;
}

// RFC 4180 records; a quoted field may hold commas, "" and line breaks.
std::vector<Row> parse_csv(const std::string& data, const std::string& path) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  bool field_started = false;  // anything (even "") seen for the current field
  std::size_t line = 1;
  row.line = 1;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_row = [&] {
    if (field_started || !row.fields.empty()) {
      end_field();
      rows.push_back(std::move(row));
    }
    row = Row{};
    row.line = line;
  };
  for (std::size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < data.size() && data[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
        continue;
      }
      if (c == '\n') ++line;
      field.push_back(c);
      continue;
    }
    if (c == '"') {
      quoted = true;
      field_started = true;
      continue;
    }
    if (c == ',') {
      end_field();
      continue;
    }
    if (c == '\r') continue;
    if (c == '\n') {
      ++line;
      end_row();
      continue;
    }
    field.push_back(c);
    field_started = true;
  }
  if (quoted) fail(path + ":" + std::to_string(row.line) + ": unterminated quoted field");
  end_row();
  return rows;
}

std::string clean_name(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::string out;
  for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  while (!out.empty() && (is_space(out.back()) || out.back() == ',')) out.pop_back();
  std::size_t lead = 0;
  while (lead < out.size() && is_space(out[lead])) ++lead;
  return out.substr(lead);
}

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

void load(const std::string& path, std::string_view registry, unsigned bits, std::vector<Entry>& out) {
  const auto rows = parse_csv(read_file(path), path);
  if (rows.empty() || rows[0].fields.size() < 3 || rows[0].fields[1] != "Assignment")
    fail(path + ":1: not an IEEE registry CSV (expected header Registry,Assignment,Organization Name,...)");
  std::size_t kept = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const Row& row = rows[r];
    const std::string where = path + ":" + std::to_string(row.line) + ": ";
    if (row.fields.size() < 3) fail(where + "expected at least 3 columns");
    if (row.fields[0] != registry) fail(where + "registry '" + row.fields[0] + "', expected '" + std::string(registry) + "'");
    const std::string& assignment = row.fields[1];
    const auto prefix = parse_hex(assignment);
    if (!prefix || assignment.size() * 4 != bits)
      fail(where + "assignment '" + assignment + "' is not " + std::to_string(bits / 4) + " hex digits");
    std::string name = clean_name(row.fields[2]);
    if (name.empty()) continue;  // nothing to show
    if (name.size() > 0xffff) fail(where + "organisation name too long");
    out.push_back(Entry{*prefix, bits, std::move(name)});
    ++kept;
  }
  if (kept == 0) fail(path + ": no entries");
}

void append_literal(std::string& out, std::string_view s) {
  out += '"';
  char buf[8];
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c == '?' || c < 0x20 || c > 0x7e) {
      std::snprintf(buf, sizeof buf, "\\%03o", c);  // always 3 octal digits: never greedy
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: mieruka_gen_oui oui.csv mam.csv oui36.csv OUT.inc\n");
    return 1;
  }
  std::vector<Entry> entries;
  load(argv[1], "MA-L", 24, entries);
  load(argv[2], "MA-M", 28, entries);
  load(argv[3], "MA-S", 36, entries);

  // First row wins for a repeated prefix: stable sort, then unique.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.bits != b.bits) return a.bits > b.bits;
    return a.prefix < b.prefix;
  });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const Entry& a, const Entry& b) { return a.bits == b.bits && a.prefix == b.prefix; }),
                entries.end());

  std::map<std::string, std::uint32_t> offsets;
  std::string blob_src;
  std::uint64_t blob_size = 0;
  for (const auto& e : entries) {
    if (offsets.count(e.name) != 0) continue;
    offsets.emplace(e.name, static_cast<std::uint32_t>(blob_size));
    blob_size += e.name.size();
    append_literal(blob_src, e.name);
    blob_src += '\n';
  }
  if (blob_size > 0xffffffffULL) fail("name blob exceeds 4 GiB");

  std::ostringstream o;
  o << "// Generated by mieruka_gen_oui from " << argv[1] << ", " << argv[2] << ", " << argv[3]
    << ". Do not edit.\n";
  o << "// " << entries.size() << " prefixes, " << offsets.size() << " organisation names.\n";
  o << "inline constexpr char kOuiNames[] =\n" << blob_src << ";\n";
  o << "inline constexpr OuiEntry kOuiEntries[] = {\n";
  char buf[96];
  for (const auto& e : entries) {
    std::snprintf(buf, sizeof buf, "{0x%llxULL,%u,%zu,%u},\n", static_cast<unsigned long long>(e.prefix),
                  static_cast<unsigned>(offsets[e.name]), e.name.size(), e.bits);
    o << buf;
  }
  o << "};\n";

  const std::string out_path = argv[4];
  const std::string tmp = out_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("cannot write " + tmp + ": " + std::strerror(errno));
    out << o.str();
    out.flush();
    if (!out) fail("cannot write " + tmp + ": write error");
  }
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) fail("cannot rename " + tmp + " to " + out_path + ": " + std::strerror(errno));
  return 0;
}
