// Every label of the human-facing reports (checklist export, acceptance report,
// web console) in Japanese and English, from ONE table (kMessages in
// messages.cpp). A plain lookup: msg(lang, key). A key missing from the table
// returns the key itself (so a typo shows in the output and in the test that
// walks every key), never an empty string. The device classes ("class.<code>")
// are read from the evidence catalog's class-name table (inventory/policy/evidence.hpp),
// the one the Japanese evidence renders them by.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mieruka::inventory {

enum class Lang { ja, en };

// "ja" or "en" (case-sensitive); nullopt otherwise.
[[nodiscard]] std::optional<Lang> parse_lang(std::string_view s) noexcept;
[[nodiscard]] std::string_view lang_code(Lang lang) noexcept;

// The label `key` in `lang`.
[[nodiscard]] std::string_view msg(Lang lang, std::string_view key) noexcept;
// A report's baseline as the commands and the console name it ("snapshot NAME",
// "snapshot NAME (newest at or before TIME)", "last N days", "since TIME",
// "--since TIME") in `lang`: English as it is, Japanese from the table's
// "basis.*" labels; the names and times in it are kept. Anything else: as it is.
[[nodiscard]] std::string basis_text(std::string_view basis, Lang lang);
// Whether `key` is in the table (tests).
[[nodiscard]] bool has_msg(std::string_view key) noexcept;
// Every key of the table, in table order (tests).
[[nodiscard]] std::vector<std::string_view> msg_keys();

}  // namespace mieruka::inventory
