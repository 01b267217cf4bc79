// Spreadsheet CSV: encodings, separators, quoting, round trips, errors with file:line.
#include "inventory/policy/csv_reader.hpp"

#include <gtest/gtest.h>

namespace mieruka::inventory {
namespace {

CsvTable parse_ok(std::string_view bytes) {
  std::string error;
  auto t = parse_csv(bytes, "a.csv", error);
  EXPECT_TRUE(t.has_value()) << error;
  return t ? *t : CsvTable{};
}

std::string parse_err(std::string_view bytes) {
  std::string error;
  auto t = parse_csv(bytes, "a.csv", error);
  EXPECT_FALSE(t.has_value());
  return error;
}

TEST(CsvReader, PlainUtf8CommaCrlf) {
  const auto t = parse_ok("mac,ip,name\r\n00:00:bc:12:34:56,10.10.1.20,PLC-1\r\n");
  EXPECT_EQ(t.encoding, CsvEncoding::utf8);
  EXPECT_FALSE(t.bom);
  EXPECT_EQ(t.separator, ',');
  EXPECT_EQ(t.newline, "\r\n");
  ASSERT_EQ(t.rows.size(), 1U);
  EXPECT_EQ(t.rows[0][2], "PLC-1");
  EXPECT_EQ(t.row_lines[0], 2U);
  EXPECT_EQ(write_csv(t), "mac,ip,name\r\n00:00:bc:12:34:56,10.10.1.20,PLC-1\r\n");
}

TEST(CsvReader, BomKeptOnRewrite) {
  const std::string in = "\xEF\xBB\xBFmac,name\n00:00:bc:12:34:56,ライン1\n";
  const auto t = parse_ok(in);
  EXPECT_TRUE(t.bom);
  EXPECT_EQ(t.header[0], "mac");  // the BOM is not part of the first header
  EXPECT_EQ(t.newline, "\n");
  EXPECT_EQ(write_csv(t), in);
}

TEST(CsvReader, ShiftJisRoundTrip) {
  // "名称" in CP932 is 96 BC 8F CC; "機器名" is 8B 40 8A ED 96 BC.
  const std::string sjis = "mac,\x96\xBC\x8F\xCC\r\n00:00:bc:12:34:56,\x8B\x40\x8A\xED\x96\xBC\r\n";
  const auto t = parse_ok(sjis);
  EXPECT_EQ(t.encoding, CsvEncoding::shift_jis);
  EXPECT_EQ(t.header[1], "名称");
  EXPECT_EQ(t.rows[0][1], "機器名");
  EXPECT_EQ(write_csv(t), sjis);
}

TEST(CsvReader, ShiftJisUnencodableBecomesQuestionMark) {
  EXPECT_EQ(utf8_to_cp932("a\xF0\x9F\x98\x80z"), "a?z");  // an emoji has no CP932 code
}

TEST(CsvReader, TabSeparatedJapaneseHeaders) {
  const std::string in = "MACアドレス\tIPアドレス\t名称\n001b.1b02.9ac3\t10.0.0.1\tPLC, line 1\n";
  auto t = parse_ok(in);
  EXPECT_EQ(t.separator, '\t');
  EXPECT_EQ(t.column({"macアドレス"}), 0);
  EXPECT_EQ(t.rows[0][2], "PLC, line 1");
  EXPECT_EQ(write_csv(t), in);  // a record nobody changed is written as it was read
  t.rows[0][1] = "10.0.0.2";     // a record written anew quotes either separator
  EXPECT_EQ(write_csv(t), "MACアドレス\tIPアドレス\t名称\n001b.1b02.9ac3\t10.0.0.2\t\"PLC, line 1\"\n");
}

TEST(CsvReader, QuotedNewlinesAndQuotes) {
  const std::string in = "name,notes\r\nPLC,\"line one\r\nline \"\"two\"\"\"\r\nHMI,x\r\n";
  const auto t = parse_ok(in);
  ASSERT_EQ(t.rows.size(), 2U);
  EXPECT_EQ(t.rows[0][1], "line one\r\nline \"two\"");
  EXPECT_EQ(t.row_lines[1], 4U);  // the quoted line break counts
  EXPECT_EQ(write_csv(t), in);
}

TEST(CsvReader, ExtraColumnsAndOrderKept) {
  const std::string in = "備考,custom,mac\r\nx,keep me,00:00:bc:12:34:56\r\n";
  auto t = parse_ok(in);
  EXPECT_EQ(t.header.size(), 3U);
  EXPECT_EQ(write_csv(t), in);
}

TEST(CsvReader, ShortRowsPaddedBlankLinesSkipped) {
  const auto t = parse_ok("a,b,c\n\n1\n2,3,\n");
  ASSERT_EQ(t.rows.size(), 2U);
  EXPECT_EQ(t.rows[0].size(), 3U);
  EXPECT_EQ(t.row_lines[1], 4U);
}

TEST(CsvReader, TooManyCellsNamesTheLine) {
  EXPECT_EQ(parse_err("a,b\n1,2\n1,2,3\n").substr(0, 8), "a.csv:3:");
}

TEST(CsvReader, UnclosedQuoteNamesTheLine) {
  EXPECT_EQ(parse_err("a,b\n1,2\n3,\"open\n4,5\n").substr(0, 8), "a.csv:3:");
}

TEST(CsvReader, TextAfterClosingQuote) {
  EXPECT_EQ(parse_err("a,b\n\"x\"y,2\n").substr(0, 8), "a.csv:2:");
}

TEST(CsvReader, NotUtf8NorShiftJis) {
  EXPECT_NE(parse_err("a\n\xFF\xFF\xFF\n").find("neither UTF-8 nor Shift_JIS"), std::string::npos);
}

TEST(CsvReader, EmptyFileHasNoHeader) { EXPECT_NE(parse_err("").find("no header"), std::string::npos); }

TEST(CsvReader, ColumnCapEnforced) {
  std::string wide(kMaxCsvColumns, ',');
  EXPECT_NE(parse_err(wide + "\n").find("columns"), std::string::npos);
}

TEST(CsvReader, SeparatorInCellIsQuotedOnWrite) {
  CsvTable t;
  t.separator = '\t';
  t.newline = "\n";
  t.header = {"a", "b"};
  t.rows = {{"x\ty", "z"}};
  t.row_lines = {2};
  EXPECT_EQ(write_csv(t), "a\tb\n\"x\ty\"\tz\n");
}

TEST(CsvReader, FirstCellStartingWithFeffSurvivesRewrite) {
  // No byte order mark at the start, so U+FEFF after a blank line is cell text;
  // writing it unquoted at the start of the file would turn it into a BOM.
  const auto t = parse_ok("\n\xEF\xBB\xBF,x\n");
  EXPECT_FALSE(t.bom);
  ASSERT_EQ(t.header.size(), 2u);
  EXPECT_EQ(t.header[0], "\xEF\xBB\xBF");
  const auto back = parse_ok(write_csv(t));
  EXPECT_EQ(back.header, t.header);
}

TEST(CsvReader, RewriteKeepsUnchangedRecordsByteForByte) {
  // Quoting a writer would not choose, a blank line, LF and CRLF mixed and no
  // final line break: a rewrite of one cell changes that record only.
  const std::string in = "mac,\"name\",extra\r\n\"00:00:bc:12:34:56\",PLC,x\n\r\n00:00:bc:12:34:57,HMI,\"y\"";
  auto t = parse_ok(in);
  ASSERT_EQ(t.rows.size(), 2U);
  EXPECT_EQ(write_csv(t), in);
  t.rows[1][1] = "HMI 2";
  EXPECT_EQ(write_csv(t), "mac,\"name\",extra\r\n\"00:00:bc:12:34:56\",PLC,x\n\r\n00:00:bc:12:34:57,HMI 2,y");
  t.rows.push_back({"00:00:bc:12:34:58", "new, \"one\"", ""});
  EXPECT_EQ(write_csv(t), "mac,\"name\",extra\r\n\"00:00:bc:12:34:56\",PLC,x\n\r\n00:00:bc:12:34:57,HMI 2,y\r\n"
                          "00:00:bc:12:34:58,\"new, \"\"one\"\"\",\r\n");
}

TEST(CsvReader, ShiftJisRewriteKeepsOtherRowsAndAppendsColumns) {
  // 名称 96 BC 8F CC, 担当 92 53 93 96; "①" (87 40, an NEC special character that
  // a UTF-8 round trip may write back as other bytes) stays untouched.
  const std::string sjis = "mac,\x96\xBC\x8F\xCC,\x92\x53\x93\x96\r\n00:00:bc:12:34:56,\x87\x40,x\r\n"
                           "00:00:bc:12:34:57,b,\r\n";
  auto t = parse_ok(sjis);
  ASSERT_EQ(t.encoding, CsvEncoding::shift_jis);
  t.header.push_back("設置場所");  // 90 DD 92 75 8F EA 8F 8A
  for (auto& r : t.rows) r.emplace_back();
  t.rows[1][3] = "成形";  // 90 AC 8C 60
  EXPECT_EQ(write_csv(t), "mac,\x96\xBC\x8F\xCC,\x92\x53\x93\x96,\x90\xDD\x92\x75\x8F\xEA\x8F\x8A\r\n"
                          "00:00:bc:12:34:56,\x87\x40,x,\r\n00:00:bc:12:34:57,b,,\x90\xAC\x8C\x60\r\n");
}

TEST(CsvReader, ColumnsAddedToShortAndLongRows) {
  // A short row (padded when read) and one with empty cells past the header are
  // written anew when a column is added, so the new cell lands in its column.
  const std::string in = "a,b\n1\n2,3,,\n4,5\n";
  auto t = parse_ok(in);
  t.header.push_back("c");
  for (auto& r : t.rows) r.push_back("x");
  const std::string out = write_csv(t);
  EXPECT_EQ(out, "a,b,c\n1,,x\n2,3,x\n4,5,x\n");
  const auto back = parse_ok(out);
  for (const auto& r : back.rows) EXPECT_EQ(r[2], "x");
}

TEST(CsvReader, BomFileRewriteKeepsBom) {
  const std::string in = "\xEF\xBB\xBFmac,name\n00:00:bc:12:34:56,a\n";
  auto t = parse_ok(in);
  t.rows[0][1] = "b";
  EXPECT_EQ(write_csv(t), "\xEF\xBB\xBFmac,name\n00:00:bc:12:34:56,b\n");
}

}  // namespace
}  // namespace mieruka::inventory
