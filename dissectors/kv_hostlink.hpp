// Keyence KV host link ("上位リンク") over TCP (KV-8000/7000/5000 series user's
// manual, host link communication chapter; KV-L2 manual ch. 7 for the command
// set's origin): ASCII command lines ending CR (an LF after it is ignored),
// response lines ending CR LF, one response per command, in order.
//
// parse_command() / parse_response() turn one line into a typed record; the stream
// parser frames lines per direction (bounded line buffer; a byte outside printable
// ASCII makes the line malformed and the parser resynchronises at the next CR),
// pairs responses with commands in order (bounded queue) and emits:
//   Operation  — protocol "kv_hostlink": reads/writes with the device in the name
//                ("read_dm", "write_r") and number/count as range, M0/M1 mode
//                changes as is_control, ER, ?K, ?M...; an error response (E0..E6)
//                as is_error under the command's name.
//   Fact       — role kv_hostlink_client / kv_hostlink_server; a ?K answer as
//                "kv_model_code" (the code as sent: the code-to-model table is not
//                in a source we can cite), vendor "Keyence", class_hint plc; a ?M
//                answer as "kv_mode" (source "kv_hostlink").
//   anomaly    — "kv_hostlink.<counter>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::kv_hostlink {

// The longest line kept: WRS/WRE write up to 1,000 values of up to 11 characters
// (".L" signed) plus separators.
inline constexpr std::size_t kMaxLine = 12288;
// Commands awaiting a response (oldest dropped); clients wait for each answer,
// so more than a few pending means a lost direction.
inline constexpr std::size_t kMaxPending = 16;

inline constexpr std::string_view kVendor = "Keyence";

enum class Kind : std::uint8_t {
  unknown,
  model_query,   // ?K
  mode_query,    // ?M
  error_query,   // ?E
  mode_program,  // M0
  mode_run,      // M1
  error_clear,   // ER
  read,          // RD device
  read_cons,     // RDS / RDE device count
  write,         // WR device value
  write_cons,    // WRS / WRE device count values...
  set,           // ST device
  set_cons,      // STS device count
  reset,         // RS device
  reset_cons,    // RSS device count
  set_value,     // WS / WSS (timer/counter set values)
  monitor_reg,   // MBS / MWS
  monitor_read,  // MBR / MWR
  time_set,      // WRT
  other,
};

struct Device {
  std::string_view type;  // "DM", "R", "MR"... (as written)
  std::uint32_t number = 0;
  bool has_number = false;
};

struct Command {
  Kind kind = Kind::unknown;
  std::string_view mnemonic;  // "RDS", "M1"...
  Device device;
  std::uint32_t count = 1;
};

struct Response {
  std::string_view text;  // without CR LF
  bool is_error = false;  // "E0".."E9"
  bool is_ok = false;     // "OK"
};

// One command line without its CR. Errors: malformed (empty, not printable ASCII,
// bad device or count), unsupported (a mnemonic we do not know).
[[nodiscard]] Result<Command> parse_command(std::string_view line) noexcept;
[[nodiscard]] Result<Response> parse_response(std::string_view line) noexcept;

// Operation name for a command (static storage).
[[nodiscard]] std::string_view operation_name(const Command& c) noexcept;

[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::kv_hostlink
