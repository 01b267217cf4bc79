// HTML and CSV escaping of text off the wire (inventory/text_escape).
#include "inventory/text/text_escape.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mieruka::inventory {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";
const std::string kJapanese = "\xE7\xAC\xAC\xE4\xB8\x80\xE5\xB7\xA5\xE5\xA0\xB4 PLC-\xEF\xBC\x91";  // 第一工場 PLC-１

TEST(HtmlEscape, MarkupCharactersBecomeEntities) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(HtmlEscape, ControlCharactersAreRemoved) {
  EXPECT_EQ(html_escape("\x1b[2Jowned"), "[2Jowned");
  EXPECT_EQ(html_escape(std::string_view("nul\0here", 8)), "nulhere");
  EXPECT_EQ(html_escape("del\x7f"), "del");
  EXPECT_EQ(html_escape("c1\xC2\x9B" "31m\xC2\x85"), "c131m");  // CSI and NEL
  EXPECT_EQ(html_escape("tab\tnew\nline\r"), "tab\tnew\nline\r");
}

TEST(HtmlEscape, InvalidUtf8IsReplaced) {
  EXPECT_EQ(html_escape("\xC0\xAF"), kFffd + kFffd);          // overlong '/'
  EXPECT_EQ(html_escape("\xE0\x80\xBC"), kFffd + kFffd + kFffd);  // overlong '<': never markup
  EXPECT_EQ(html_escape("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // surrogate
  EXPECT_EQ(html_escape("ok\xFF"), "ok" + kFffd);
}

TEST(HtmlEscape, JapaneseTextIsUnchanged) {
  EXPECT_EQ(html_escape(kJapanese), kJapanese);
  EXPECT_EQ(html_escape("\xC2\xA0\xC2\xA9"), "\xC2\xA0\xC2\xA9");  // U+00A0, U+00A9: not C1
}

TEST(CsvText, FormulaTriggersAreNeutralised) {
  for (const char* s : {"=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"})
    EXPECT_EQ(csv_text(s), "'" + std::string(s)) << s;
  EXPECT_EQ(csv_text("a=b"), "a=b");
  EXPECT_EQ(csv_text(""), "");
  // A control character removed from the front does not hide a trigger behind it.
  EXPECT_EQ(csv_text("\x1b=1"), "\\x1b=1");
}

TEST(CsvText, ControlCharactersAreShownNotPassedOn) {
  EXPECT_EQ(csv_text("\x1b[2Jowned"), "\\x1b[2Jowned");
  EXPECT_EQ(csv_text(std::string_view("nul\0here", 8)), "nul\\x00here");
  EXPECT_EQ(csv_text("bell\x07"), "bell\\x07");
  EXPECT_EQ(csv_text("del\x7f"), "del\\x7f");
  EXPECT_EQ(csv_text("c1\xC2\x9B" "31m"), "c1\\x9b31m");
  EXPECT_EQ(csv_text("tab\tin\nline"), "tab\tin\nline");
}

TEST(CsvText, InvalidUtf8IsReplaced) {
  EXPECT_EQ(csv_text("\xC0\xBD" "1"), kFffd + kFffd + "1");  // overlong '=': no formula, no raw byte
  EXPECT_EQ(csv_text("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // above U+10FFFF
  EXPECT_EQ(csv_text("bad\xFF"), "bad" + kFffd);
}

TEST(CsvText, JapaneseTextIsUnchanged) { EXPECT_EQ(csv_text(kJapanese), kJapanese); }

TEST(CsvCell, QuotesAfterCleaning) {
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_cell("\x1b,\xFF"), "\"\\x1b," + kFffd + "\"");
  EXPECT_EQ(csv_cell(kJapanese), kJapanese);
  EXPECT_EQ(csv_cell("two\nlines"), "\"two\nlines\"");
}

}  // namespace
}  // namespace mieruka::inventory
