// Exports of the ledger: asset and link JSON in the shapes of the outward
// contract (../shared/INTERFACES.md, documented in docs/schema/*.v1.schema.json),
// CSV for spreadsheets, aligned text tables for terminals, and the `show` text
// of one asset. Pure functions of a Ledger: no I/O.
//
// Every string that came off the wire is escaped for its target: invalid
// UTF-8 is replaced with U+FFFD (and flagged in JSON), CSV cells are cleaned
// and neutralised (inventory/text/text_escape.hpp), and control characters are made
// visible in terminal text.
#pragma once

#include "inventory/text/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {

// Classes of the contract ("class" in asset JSON); anything else is "unknown".
[[nodiscard]] bool is_contract_class(std::string_view c) noexcept;
// Every class of the contract, in the contract's order (labels are checked against it).
[[nodiscard]] std::span<const std::string_view> contract_classes() noexcept;

class AssetLinks;

// --- JSON -----------------------------------------------------------------------
// `links`: the ledger's AssetLinks (inventory/policy/classify.hpp) when many assets are
// rendered; without it, each call scans the whole ledger to classify the asset.
[[nodiscard]] nlohmann::ordered_json asset_json(const Ledger& ledger, const Asset& a,
                                                const AssetLinks* links = nullptr);
// Array, in ledger order; with `with_facts` each asset carries "facts".
[[nodiscard]] nlohmann::ordered_json assets_json(const Ledger& ledger, bool with_facts = false);
// Every fact of the asset, in `show`'s order (by field, then source priority):
// {field, value, source, first_seen, last_seen, count, shown} (docs/schema/
// fact.v1.schema.json). `shown` marks the value the asset's fields show.
[[nodiscard]] nlohmann::ordered_json facts_json(const Asset& a);
// The IPs the asset holds, each with how it was learnt: [{ip, source, first_seen,
// last_seen}], as `show` lists them.
[[nodiscard]] nlohmann::ordered_json ip_bindings_json(const Asset& a);
// What each sensor of a fleet saw of the asset (Asset::sightings, see
// inventory/ledger/fleet.hpp): [{sensor, site, first_seen, last_seen,
// packets_sent, ips, vlans}], site null when the sensor has none. asset_json
// carries it as "sightings" when it is not empty. `invalid_utf8`, when given,
// tells whether a sensor or site name had bytes replaced.
[[nodiscard]] nlohmann::ordered_json sightings_json(const Asset& a, bool* invalid_utf8 = nullptr);
// asset_json plus "facts" and "ip_bindings": `show --format json`,
// `assets --format json --facts`, `export ledger`.
[[nodiscard]] nlohmann::ordered_json asset_json_with_facts(const Ledger& ledger, const Asset& a,
                                                           const AssetLinks* links = nullptr);
[[nodiscard]] nlohmann::ordered_json link_json(const Ledger& ledger, const Edge& e);
[[nodiscard]] nlohmann::ordered_json links_json(const Ledger& ledger);

// --- NDJSON: the whole ledger, one JSON object a line ------------------------------
// `mieruka export ledger` (docs/schema/ledger_export.v1.schema.json): a first
// line {"kind":"ledger", schema, sensor, generated_at, assets, links} whose
// counts let a reader tell a cut stream from a whole one; then one
// {"kind":"asset", asset_json..., facts} per asset, in ledger order; then one
// {"kind":"link", link_json...} per link. Links are lines of their own, not
// copies inside both of their assets.
inline constexpr std::string_view kLedgerExportSchema = "https://mieruka.invalid/schema/ledger_export.v1.schema.json";
[[nodiscard]] std::string ledger_ndjson(const Ledger& ledger, std::string_view sensor, std::int64_t generated_us);

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
// sanitize_utf8, display_width and terminal_safe: inventory/text/utf8.hpp.

}  // namespace mieruka::inventory
