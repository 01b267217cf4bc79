// Text off the wire made safe for the documents mieruka writes: HTML (the
// checklist and acceptance reports, e-mail bodies) and CSV cells (asset, link,
// findings, checklist and diff exports, the approved-equipment list). Every
// writer of those formats escapes through here, so a device name carrying an
// escape sequence or invalid UTF-8 is cleaned the same way wherever it lands.
#pragma once

#include <string>
#include <string_view>

namespace mieruka::inventory {

// HTML text or attribute value: valid UTF-8 (invalid sequences become U+FFFD),
// & < > " ' as entities, control characters (C0 other than TAB/LF/CR, DEL, C1)
// removed.
[[nodiscard]] std::string html_escape(std::string_view s);

// The text of one CSV cell, before quoting: valid UTF-8 (invalid sequences
// become U+FFFD), control characters (C0 other than TAB/LF/CR, DEL, C1 such as
// ESC or CSI, which a terminal showing the file would obey) shown as \xNN, and
// a leading formula trigger (= + - @ TAB CR) neutralised with an apostrophe.
// For writers that quote with their own separator (csv_reader write_csv).
[[nodiscard]] std::string csv_text(std::string_view s);

// One CSV cell as written: csv_text, quoted with "" doubling when it holds a
// comma, quote, CR or LF (RFC 4180).
[[nodiscard]] std::string csv_cell(std::string_view s);

}  // namespace mieruka::inventory
