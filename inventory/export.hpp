// Exports of the ledger: asset and link JSON in the shapes of the outward
// contract (../shared/INTERFACES.md, documented in docs/schema/*.v1.schema.json),
// CSV for spreadsheets, aligned text tables for terminals, and the `show` text
// of one asset. Pure functions of a Ledger: no I/O.
//
// Every string that came off the wire is escaped for its target here: invalid
// UTF-8 is replaced with U+FFFD (and flagged in JSON), CSV cells that a
// spreadsheet would run as a formula are neutralised, and control characters
// are made visible in terminal text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "inventory/ledger.hpp"

namespace mieruka::inventory {

// Classes of the contract ("class" in asset JSON); anything else is "unknown".
[[nodiscard]] bool is_contract_class(std::string_view c) noexcept;

// --- JSON -----------------------------------------------------------------------
[[nodiscard]] nlohmann::ordered_json asset_json(const Ledger& ledger, const Asset& a);
[[nodiscard]] nlohmann::ordered_json assets_json(const Ledger& ledger);  // array, in ledger order
[[nodiscard]] nlohmann::ordered_json link_json(const Ledger& ledger, const Edge& e);
[[nodiscard]] nlohmann::ordered_json links_json(const Ledger& ledger);

// --- CSV (RFC 4180, CRLF, header row, UTF-8) --------------------------------------
[[nodiscard]] std::string assets_csv(const Ledger& ledger);
[[nodiscard]] std::string links_csv(const Ledger& ledger);

// --- terminal text ---------------------------------------------------------------
[[nodiscard]] std::string assets_table(const Ledger& ledger);
[[nodiscard]] std::string links_table(const Ledger& ledger);
// Everything known of one asset: each fact with source, first/last seen and
// count, IPs with source, protocols, edges in and out.
[[nodiscard]] std::string show_text(const Ledger& ledger, const Asset& a);

// --- escaping helpers (exposed for tests and other exporters) -----------------------
// `s` with every invalid UTF-8 sequence (overlong forms, surrogates, code points
// above U+10FFFF, truncated sequences, stray continuation bytes) replaced by
// U+FFFD, one per maximal invalid subpart. Sets *had_invalid when anything was
// replaced. NUL is valid UTF-8 and is kept (JSON escapes it).
[[nodiscard]] std::string sanitize_utf8(std::string_view s, bool* had_invalid = nullptr);
// One CSV cell: formula triggers (= + - @ TAB CR at the start) get a leading
// apostrophe; cells with a comma, quote, CR or LF are quoted with "" doubling.
[[nodiscard]] std::string csv_cell(std::string_view s);
// Columns a UTF-8 string takes on a terminal: East Asian wide and fullwidth
// characters count 2, combining marks 0, others 1.
[[nodiscard]] std::size_t display_width(std::string_view utf8);
// Text safe for a terminal: valid UTF-8, control characters (C0, DEL, C1, which
// could carry escape sequences) shown as \xNN.
[[nodiscard]] std::string terminal_safe(std::string_view s);

}  // namespace mieruka::inventory
