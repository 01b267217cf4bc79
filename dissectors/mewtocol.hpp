// Panasonic MEWTOCOL-COM over TCP (FP series programming manual, "MEWTOCOL-COM
// communication commands"): ASCII frames "%" (or "<" for the extended header) +
// destination station (2 hex) + "#" command code (2 letters) + text + BCC (2 hex,
// XOR of every character from the header to the end of the text; "**" = not
// checked) + CR. Responses: "%" + station + "$" + command code + data + BCC + CR;
// errors: "%" + station + "!" + error code (2 digits) + BCC + CR. Multi-frame
// messages put "&" before the CR of every frame but the last.
//
// parse_frame() turns one frame into a typed record; the stream parser frames
// lines per direction (bounded buffer; non-ASCII bytes make the frame malformed
// and the parser resynchronises at the next CR), pairs responses with commands in
// order (one outstanding command per connection) and emits:
//   Operation  — protocol "mewtocol": rc/wc (contacts), rd/wd (data areas), rs/ws,
//                rr/wr (system registers), rt (status), rm (remote mode change,
//                is_control), rp/wp (program read/write; wp is_control), ...: ranges
//                for RCC/WCC word ranges and RD/WD start/end; error responses is_error.
//   Fact       — role mewtocol_client / mewtocol_server; the RT answer: vendor
//                "Panasonic", class_hint plc, "mewtocol_model_code" (the CPU type
//                code as sent), product (the FP series name, only where the code,
//                with the program capacity where that decides, names one series:
//                see model_name()), "mewtocol_cpu_version",
//                "mewtocol_program_capacity" (k steps), "mewtocol_operation_mode"
//                (hex flags) (source "mewtocol_status").
//   anomaly    — "mewtocol.<counter>" (bad_bcc counts BCC mismatches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::mewtocol {

// "%" frames carry at most 118 characters before CR; "<" frames up to 2,048.
inline constexpr std::size_t kMaxFrame = 2048;

inline constexpr std::string_view kVendor = "Panasonic";

enum class FrameType : std::uint8_t { command, response, error };

struct Frame {
  FrameType type = FrameType::command;
  bool extended = false;          // "<" header
  std::uint8_t station = 0;       // destination (commands) / source (responses)
  std::string_view code;          // two letters ("RD"), empty for errors
  std::string_view text;          // after the code (responses: the data)
  std::uint8_t error_code = 0;    // "!" responses
  bool bcc_checked = false;       // false for "**"
  bool bcc_ok = true;
  bool more_follows = false;      // "&" before CR
};

// RT (read CPU status) answer: model code (2 hex), version (2 hex), program
// capacity (2 digits, k steps), operation mode (2 hex), link information (2),
// error flag (2), self-diagnosis error (4). Field order from the FP series manual's
// RT response and OpenLogics MewtocolNet docs/reverse_engineering_data.md.
struct Status {
  std::string_view model_code;
  std::string_view version;
  std::string_view capacity;
  std::string_view mode;
};

// Parses one frame without its CR. Errors: malformed (bad header or station, not
// printable, no room for the BCC, bad BCC digits), limit_exceeded (> kMaxFrame).
// A BCC that does not match is reported in bcc_ok, not as an error.
[[nodiscard]] Result<Frame> parse_frame(std::string_view line) noexcept;
[[nodiscard]] Result<Status> parse_status(std::string_view text) noexcept;
// The FP series an RT answer names, or empty when the model code is unknown or is
// shared by several series that the program capacity does not tell apart.
[[nodiscard]] std::string_view model_name(const Status& status) noexcept;
// XOR of the characters, as the BCC is computed.
[[nodiscard]] std::uint8_t bcc(std::string_view s) noexcept;

[[nodiscard]] std::string_view operation_name(std::string_view code) noexcept;

// "%" or "<", two hex digits, "#" and a known command code, a complete frame with
// a valid BCC ("**" accepted): cheap and strict.
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;

[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::mewtocol
