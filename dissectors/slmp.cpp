// SLMP / MC protocol parsing and the per-connection stream parser (see slmp.hpp).
// Section references: SLMP Reference Manual SH-080956ENG ("SLMP") and MELSEC
// Communication Protocol Reference Manual SH-080008 ("MC") for the 1E frame.
// Binary fields are little-endian; ASCII fields are hexadecimal text, most
// significant digit first.
#include "slmp.hpp"

#include <array>
#include <cstdio>
#include <optional>
#include <string>

#include "stream_framer.hpp"

namespace mieruka::dissectors::slmp {
namespace {

constexpr std::string_view kProtocol = "slmp";
constexpr std::string_view kRoleSource = "slmp";
constexpr std::string_view kTypeNameSource = "slmp_type_name";
constexpr std::string_view kNodeSearchSource = "slmp_node_search";

constexpr std::uint16_t kCmdTypeName = 0x0101;
constexpr std::uint16_t kCmdBatchRead = 0x0401;
constexpr std::uint16_t kCmdBatchWrite = 0x1401;

// SLMP §5 "Device code list": binary code, ASCII name, and whether the device
// number is hexadecimal in ASCII frames. Operation names carry the device so that
// an edge's range summary never mixes two devices.
struct DeviceInfo {
  std::string_view name;
  std::uint16_t code;
  bool hex_number;
  std::string_view read_op;
  std::string_view write_op;
};
constexpr DeviceInfo kDevices[] = {
    {"SM", 0x91, false, "batch_read_sm", "batch_write_sm"}, {"SD", 0xA9, false, "batch_read_sd", "batch_write_sd"},
    {"X", 0x9C, true, "batch_read_x", "batch_write_x"},     {"Y", 0x9D, true, "batch_read_y", "batch_write_y"},
    {"M", 0x90, false, "batch_read_m", "batch_write_m"},    {"L", 0x92, false, "batch_read_l", "batch_write_l"},
    {"F", 0x93, false, "batch_read_f", "batch_write_f"},    {"V", 0x94, false, "batch_read_v", "batch_write_v"},
    {"B", 0xA0, true, "batch_read_b", "batch_write_b"},     {"D", 0xA8, false, "batch_read_d", "batch_write_d"},
    {"W", 0xB4, true, "batch_read_w", "batch_write_w"},     {"TS", 0xC1, false, "batch_read_ts", "batch_write_ts"},
    {"TC", 0xC0, false, "batch_read_tc", "batch_write_tc"}, {"TN", 0xC2, false, "batch_read_tn", "batch_write_tn"},
    {"CS", 0xC4, false, "batch_read_cs", "batch_write_cs"}, {"CC", 0xC3, false, "batch_read_cc", "batch_write_cc"},
    {"CN", 0xC5, false, "batch_read_cn", "batch_write_cn"}, {"SB", 0xA1, true, "batch_read_sb", "batch_write_sb"},
    {"SW", 0xB5, true, "batch_read_sw", "batch_write_sw"},  {"DX", 0xA2, true, "batch_read_dx", "batch_write_dx"},
    {"DY", 0xA3, true, "batch_read_dy", "batch_write_dy"},  {"Z", 0xCC, false, "batch_read_z", "batch_write_z"},
    {"R", 0xAF, false, "batch_read_r", "batch_write_r"},    {"ZR", 0xB0, true, "batch_read_zr", "batch_write_zr"},
};

const DeviceInfo* device_by_code(std::uint16_t code) noexcept {
  for (const auto& d : kDevices)
    if (d.code == code) return &d;
  return nullptr;
}

// ASCII device codes are padded with '*' ("D*", "D***" for the iQ-R subcommands).
const DeviceInfo* device_by_ascii(std::string_view text) noexcept {
  while (!text.empty() && text.back() == '*') text.remove_suffix(1);
  for (const auto& d : kDevices)
    if (d.name == text) return &d;
  return nullptr;
}

struct CommandInfo {
  std::uint16_t code;
  std::string_view name;
  bool is_write;
  bool is_control;
};
// SLMP §5 "Commands" (command list).
constexpr CommandInfo kCommands[] = {
    {0x0101, "read_type_name", false, false},
    {0x0401, "batch_read", false, false},
    {0x1401, "batch_write", true, false},
    {0x0403, "random_read", false, false},
    {0x1402, "random_write", true, false},
    {0x0406, "block_read", false, false},
    {0x1406, "block_write", true, false},
    {0x0801, "monitor_register", false, false},
    {0x0802, "monitor", false, false},
    {0x0601, "extend_unit_read", false, false},
    {0x1601, "extend_unit_write", true, false},
    {0x0613, "memory_read", false, false},
    {0x1613, "memory_write", true, false},
    {0x0619, "loopback_test", false, false},
    {0x0E30, "node_search", false, false},
    {0x0E31, "ip_address_set", true, true},
    {0x1001, "remote_run", false, true},
    {0x1002, "remote_stop", false, true},
    {0x1003, "remote_pause", false, true},
    {0x1005, "remote_latch_clear", false, true},
    {0x1006, "remote_reset", false, true},
    {0x1617, "clear_error", false, false},
    {0x1630, "remote_password_unlock", false, true},
    {0x1631, "remote_password_lock", false, false},
    {0x1810, "file_read_directory", false, false},
    {0x1811, "file_search_directory", false, false},
    {0x1820, "file_new", true, true},
    {0x1822, "file_delete", true, true},
    {0x1824, "file_copy", true, false},
    {0x1825, "file_change_attribute", true, false},
    {0x1826, "file_change_date", true, false},
    {0x1827, "file_open", false, false},
    {0x1828, "file_read", false, false},
    {0x1829, "file_write", true, true},
    {0x182A, "file_close", false, false},
};

const CommandInfo* command_info(std::uint16_t code) noexcept {
  for (const auto& c : kCommands)
    if (c.code == code) return &c;
  return nullptr;
}

struct EndCodeInfo {
  std::uint16_t code;
  std::string_view name;
  std::string_view counter;
};
// SLMP §8 "Error codes" (the ones raised by the communication layer; 0x4000-0x4FFF
// are CPU module errors).
constexpr EndCodeInfo kEndCodes[] = {
    {0xC050, "ascii_conversion_error", "slmp.end_code_ascii_conversion_error"},
    {0xC051, "points_out_of_range", "slmp.end_code_points_out_of_range"},
    {0xC052, "points_out_of_range", "slmp.end_code_points_out_of_range"},
    {0xC053, "points_out_of_range", "slmp.end_code_points_out_of_range"},
    {0xC054, "points_out_of_range", "slmp.end_code_points_out_of_range"},
    {0xC056, "address_out_of_range", "slmp.end_code_address_out_of_range"},
    {0xC058, "data_length_mismatch", "slmp.end_code_data_length_mismatch"},
    {0xC059, "command_error", "slmp.end_code_command_error"},
    {0xC05B, "device_not_accessible", "slmp.end_code_device_not_accessible"},
    {0xC05C, "request_content_error", "slmp.end_code_request_content_error"},
    {0xC05F, "not_executable_on_target", "slmp.end_code_not_executable_on_target"},
    {0xC061, "request_data_length_mismatch", "slmp.end_code_request_data_length_mismatch"},
    {0xC06F, "data_code_mismatch", "slmp.end_code_data_code_mismatch"},
    {0xC200, "remote_password_error", "slmp.end_code_remote_password_error"},
    {0xC201, "remote_password_locked", "slmp.end_code_remote_password_locked"},
    {0xC810, "remote_password_mismatch", "slmp.end_code_remote_password_mismatch"},
};

const EndCodeInfo* end_code_info(std::uint16_t code) noexcept {
  for (const auto& e : kEndCodes)
    if (e.code == code) return &e;
  return nullptr;
}

int hex_digit(std::byte c) noexcept {
  const auto v = std::to_integer<unsigned char>(c);
  if (v >= '0' && v <= '9') return v - '0';
  if (v >= 'A' && v <= 'F') return v - 'A' + 10;
  if (v >= 'a' && v <= 'f') return v - 'a' + 10;
  return -1;
}

enum class TextStatus : std::uint8_t { ok, short_input, bad_digit };

// Reads `n` hexadecimal (or decimal) characters as one number.
TextStatus read_number(ByteReader& r, std::size_t n, std::uint32_t& out, unsigned base = 16) noexcept {
  auto text = r.peek(n);
  if (!text) return TextStatus::short_input;
  std::uint32_t v = 0;
  for (auto c : *text) {
    const int d = hex_digit(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) return TextStatus::bad_digit;
    v = v * base + static_cast<std::uint32_t>(d);
  }
  (void)r.skip(n);
  out = v;
  return TextStatus::ok;
}

// Binary or ASCII subheader at the front of `v`.
std::optional<FrameKind> subheader_kind(Bytes v, bool& response) noexcept {
  if (v.size() < 2) return std::nullopt;
  const auto b0 = std::to_integer<std::uint8_t>(v[0]);
  const auto b1 = std::to_integer<std::uint8_t>(v[1]);
  if (b1 == 0x00 && (b0 == 0x50 || b0 == 0x54 || b0 == 0xD0 || b0 == 0xD4)) {
    response = (b0 & 0x80) != 0;
    return (b0 & 0x0F) == 0x04 ? FrameKind::e4_binary : FrameKind::e3_binary;
  }
  if (v.size() < 4) return std::nullopt;
  const std::string_view s = as_chars(v.first(4));
  if (s == "5000" || s == "D000") {
    response = s[0] == 'D';
    return FrameKind::e3_ascii;
  }
  if (s == "5400" || s == "D400") {
    response = s[0] == 'D';
    return FrameKind::e4_ascii;
  }
  return std::nullopt;
}

// A prefix that may still become a subheader once more bytes arrive.
bool subheader_prefix(Bytes v) noexcept {
  static constexpr std::string_view kAscii[] = {"5000", "D000", "5400", "D400"};
  if (v.empty()) return true;
  const auto b0 = std::to_integer<std::uint8_t>(v[0]);
  if (v.size() == 1 && (b0 == 0x50 || b0 == 0x54 || b0 == 0xD0 || b0 == 0xD4)) return true;
  if (v.size() >= 4) return false;
  for (auto a : kAscii)
    if (a.starts_with(as_chars(v))) return true;
  return false;
}

// SLMP §4 "Destination module I/O number": 0x0000-0x01FF (stations / modules),
// 0x03D0-0x03D3 (redundant CPUs), 0x03E0-0x03E3 (multiple CPUs), 0x03FF (own CPU).
bool plausible_module_io(std::uint16_t io) noexcept { return io <= 0x01FF || (io >= 0x03D0 && io <= 0x03FF); }

Result<Frame> parse_binary(Bytes bytes, FrameKind kind, bool response) noexcept {
  ByteReader r(bytes);
  Frame f;
  f.kind = kind;
  f.is_response = response;
  const std::size_t header = kind == FrameKind::e4_binary ? kBinary4eHeader : kBinary3eHeader;
  if (bytes.size() < header) return ParseError::need_more;
  (void)r.skip(2);
  if (kind == FrameKind::e4_binary) {
    f.serial = r.u16_le().value_or(0);
    (void)r.skip(2);  // fixed 0x0000
  }
  f.route.network = r.u8().value_or(0);
  f.route.pc = r.u8().value_or(0);
  f.route.module_io = r.u16_le().value_or(0);
  f.route.station = r.u8().value_or(0);
  f.data_length = r.u16_le().value_or(0);
  if (f.data_length > kMaxDataLength) return ParseError::limit_exceeded;
  // Request: monitoring timer, command, subcommand (6 bytes); response: end code.
  if (f.data_length < (response ? 2U : 6U)) return ParseError::malformed;
  auto body = r.sub(f.data_length);
  if (!body) return ParseError::need_more;
  if (response) {
    f.end_code = body->u16_le().value_or(0);
  } else {
    f.timer = body->u16_le().value_or(0);
    f.command = body->u16_le().value_or(0);
    f.subcommand = body->u16_le().value_or(0);
  }
  f.data = body->take_rest();
  f.size = r.position();
  return f;
}

Result<Frame> parse_ascii(Bytes bytes, FrameKind kind, bool response) noexcept {
  ByteReader r(bytes);
  Frame f;
  f.kind = kind;
  f.is_response = response;
  const std::size_t header = kind == FrameKind::e4_ascii ? kAscii4eHeader : kAscii3eHeader;
  if (bytes.size() < header) return ParseError::need_more;
  (void)r.skip(4);
  std::uint32_t v = 0;
  bool bad = false;
  auto num = [&](std::size_t n) -> std::uint32_t {
    if (read_number(r, n, v) != TextStatus::ok) {
      bad = true;
      (void)r.skip(n);
      return 0;
    }
    return v;
  };
  if (kind == FrameKind::e4_ascii) {
    f.serial = static_cast<std::uint16_t>(num(4));
    (void)num(4);  // fixed "0000"
  }
  f.route.network = static_cast<std::uint8_t>(num(2));
  f.route.pc = static_cast<std::uint8_t>(num(2));
  f.route.module_io = static_cast<std::uint16_t>(num(4));
  f.route.station = static_cast<std::uint8_t>(num(2));
  f.data_length = static_cast<std::uint16_t>(num(4));
  if (bad) return ParseError::malformed;
  if (f.data_length > kMaxDataLength) return ParseError::limit_exceeded;
  if (f.data_length < (response ? 4U : 12U)) return ParseError::malformed;
  auto body = r.sub(f.data_length);
  if (!body) return ParseError::need_more;
  ByteReader& b = *body;
  auto bnum = [&](std::size_t n) -> std::uint16_t {
    if (read_number(b, n, v) != TextStatus::ok) {
      bad = true;
      return 0;
    }
    return static_cast<std::uint16_t>(v);
  };
  if (response) {
    f.end_code = bnum(4);
  } else {
    f.timer = bnum(4);
    f.command = bnum(4);
    f.subcommand = bnum(4);
  }
  if (bad) return ParseError::malformed;
  f.data = b.take_rest();
  f.size = r.position();
  return f;
}

// --- 1E frame (MC §3: A-compatible 1E frame) -----------------------------------

struct Mc1eCommand {
  std::uint8_t code;
  std::string_view name;
  bool is_write;
  bool is_control;
};
constexpr Mc1eCommand k1eCommands[] = {
    {0x00, "mc_1e_batch_read_bit", false, false},
    {0x01, "mc_1e_batch_read_word", false, false},
    {0x02, "mc_1e_batch_write_bit", true, false},
    {0x03, "mc_1e_batch_write_word", true, false},
    {0x04, "mc_1e_test_bit", true, false},
    {0x05, "mc_1e_test_word", true, false},
    {0x06, "mc_1e_monitor_register_bit", false, false},
    {0x07, "mc_1e_monitor_register_word", false, false},
    {0x08, "mc_1e_monitor_bit", false, false},
    {0x09, "mc_1e_monitor_word", false, false},
    {0x13, "mc_1e_remote_run", false, true},
    {0x14, "mc_1e_remote_stop", false, true},
    {0x15, "mc_1e_read_cpu_model", false, false},
    {0x16, "mc_1e_loopback_test", false, false},
};

const Mc1eCommand* mc1e_info(std::uint8_t code) noexcept {
  for (const auto& c : k1eCommands)
    if (c.code == code) return &c;
  return nullptr;
}

// A 1E request starts with a known command and PC number 0xFF (own station);
// a response with the command | 0x80.
bool is_1e_request(Bytes v) noexcept {
  return v.size() >= 2 && mc1e_info(std::to_integer<std::uint8_t>(v[0])) != nullptr &&
         std::to_integer<std::uint8_t>(v[1]) == 0xFF;
}
bool is_1e_response(Bytes v) noexcept {
  if (v.size() < 2) return false;
  const auto b0 = std::to_integer<std::uint8_t>(v[0]);
  return (b0 & 0x80) != 0 && mc1e_info(static_cast<std::uint8_t>(b0 & 0x7F)) != nullptr;
}

// MC §3: batch read = subheader, PC no, timer (2), head device (4), device code (2),
// points (1, 0 = 256), fixed 0x00; writes add the data (bits packed two per byte).
// RUN/STOP/model read carry only subheader, PC no and timer. 0 = need more, and
// nullopt = length not known from the header (the message is what was delivered).
std::optional<std::size_t> mc1e_request_length(Bytes v) noexcept {
  const auto cmd = std::to_integer<std::uint8_t>(v[0]);
  switch (cmd) {
    case 0x00: case 0x01: return 12;
    case 0x02: case 0x03: {
      if (v.size() < 11) return 0;
      const std::size_t n = std::to_integer<std::uint8_t>(v[10]) == 0 ? 256 : std::to_integer<std::uint8_t>(v[10]);
      return 12 + (cmd == 0x02 ? (n + 1) / 2 : n * 2);
    }
    case 0x13: case 0x14: case 0x15: return 4;
    default: return std::nullopt;
  }
}

// A device code of the 1E frame is two ASCII characters ("D " = 0x4420, little-endian).
bool plausible_1e_device(Bytes v) noexcept {
  const auto lo = std::to_integer<std::uint8_t>(v[8]);
  const auto hi = std::to_integer<std::uint8_t>(v[9]);
  return hi >= 'A' && hi <= 'Z' && (lo == ' ' || (lo >= 'A' && lo <= 'Z'));
}

bool printable_model(std::string_view s) noexcept {
  if (s.empty() || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == ' ' || c == '_' || c == '/';
    if (!ok) return false;
  }
  return true;
}

struct Pending {
  bool used = false;
  bool four_e = false;
  std::uint16_t serial = 0;
  std::uint16_t command = 0;
  std::uint64_t seq = 0;
  Operation op{};
};

// What both transports do with one message; the stream parser adds pairing.
class Session {
 public:
  explicit Session(bool pair) : pair_(pair) {}

  void request(const Frame& f, Sink& sink) noexcept {
    roles(sink);
    Operation op = make_operation(f, sink);
    sink.operation(op);
    if (pair_) remember(f, op, sink);
  }

  void response(const Frame& f, Sink& sink) noexcept {
    Pending* p = pair_ ? find(f) : nullptr;
    if (pair_ && p == nullptr) sink.anomaly("slmp.unpaired_response");
    if (f.end_code != 0) {
      Operation op;
      if (p != nullptr) op = p->op;
      op.protocol = kProtocol;
      if (p == nullptr) op.name = "error_response";
      op.is_error = true;
      op.is_write = false;  // the request already counted the write; a refusal writes nothing
      sink.operation(op);
      const EndCodeInfo* e = end_code_info(f.end_code);
      sink.anomaly(e != nullptr ? e->counter : std::string_view("slmp.end_code_other"));
    } else if (p != nullptr ? p->command == kCmdTypeName : looks_like_type_name(f)) {
      type_name(f, sink);
    }
    if (p != nullptr) p->used = false;
  }

  void request_1e(Bytes v, Sink& sink) noexcept {
    roles(sink);
    const auto cmd = std::to_integer<std::uint8_t>(v[0]);
    const Mc1eCommand* c = mc1e_info(cmd);
    Operation op;
    op.protocol = kProtocol;
    op.code = cmd;
    op.name = c != nullptr ? c->name : std::string_view("mc_1e_unknown");
    op.is_write = c != nullptr && c->is_write;
    op.is_control = c != nullptr && c->is_control;
    sink.operation(op);
  }

  static void response_1e(Bytes v, Sink& sink) noexcept {
    const auto cmd = static_cast<std::uint8_t>(std::to_integer<std::uint8_t>(v[0]) & 0x7F);
    if (std::to_integer<std::uint8_t>(v[1]) == 0) return;  // completion code 0: normal
    const Mc1eCommand* c = mc1e_info(cmd);
    Operation op;
    op.protocol = kProtocol;
    op.code = cmd;
    op.name = c != nullptr ? c->name : std::string_view("mc_1e_unknown");
    op.is_error = true;
    sink.operation(op);
  }

 private:
  static void roles(Sink& sink) noexcept {
    sink.fact({AssetRef::sender_party(), field::role, "slmp_client", kRoleSource});
    sink.fact({AssetRef::receiver_party(), field::role, "slmp_server", kRoleSource});
  }

  static Operation make_operation(const Frame& f, Sink& sink) noexcept {
    Operation op;
    op.protocol = kProtocol;
    op.code = f.command;
    const CommandInfo* c = command_info(f.command);
    if (c == nullptr) {
      sink.anomaly("slmp.unknown_command");
      op.name = "unknown_command";
      return op;
    }
    op.name = c->name;
    op.is_write = c->is_write;
    op.is_control = c->is_control;
    if (f.command != kCmdBatchRead && f.command != kCmdBatchWrite) return op;
    auto dev = parse_batch_device(f);
    if (!dev) {
      if (dev.error() != ParseError::unsupported) sink.anomaly("slmp.malformed_request");
      return op;
    }
    if (!dev->known) {
      sink.anomaly("slmp.unknown_device");
      return op;
    }
    const DeviceInfo* d = device_by_code(dev->code);
    op.name = f.command == kCmdBatchRead ? d->read_op : d->write_op;
    op.is_range = true;
    op.range_start = dev->number;
    op.range_count = dev->points;
    return op;
  }

  void remember(const Frame& f, const Operation& op, Sink& sink) noexcept {
    Pending* slot = nullptr;
    for (auto& e : pending_)
      if (!e.used) { slot = &e; break; }
    if (slot == nullptr) {
      slot = &pending_[0];
      for (auto& e : pending_)
        if (e.seq < slot->seq) slot = &e;
      sink.anomaly("slmp.pending_overflow");
    }
    *slot = {true, f.four_e(), f.serial, f.command, ++seq_, op};
  }

  // 4E: the request with the same serial number; 3E: the oldest 3E request.
  Pending* find(const Frame& f) noexcept {
    Pending* best = nullptr;
    for (auto& e : pending_) {
      if (!e.used || e.four_e != f.four_e()) continue;
      if (f.four_e() && e.serial != f.serial) continue;
      if (best == nullptr || e.seq < best->seq) best = &e;
    }
    return best;
  }

  // An unpaired response (UDP) is taken as a Type Name answer only when its data is
  // exactly a 16-character model name and a model code, and the name reads as one.
  static bool looks_like_type_name(const Frame& f) noexcept {
    const std::size_t want = f.ascii() ? 20 : 18;
    if (f.data.size() != want) return false;
    auto t = parse_type_name(f);
    return t.ok() && printable_model(t->model);
  }

  static void type_name(const Frame& f, Sink& sink) noexcept {
    auto t = parse_type_name(f);
    if (!t) {
      sink.anomaly("slmp.malformed_type_name");
      return;
    }
    const AssetRef plc = AssetRef::sender_party();
    sink.fact_view(plc, field::vendor, kVendor, kTypeNameSource);
    if (!t->model.empty()) sink.fact_view(plc, field::product, t->model, kTypeNameSource);
    char code[8];
    std::snprintf(code, sizeof code, "0x%04x", t->model_code);
    sink.fact({plc, "slmp_model_code", code, kTypeNameSource});
    sink.fact({plc, field::class_hint, "plc", kTypeNameSource});
  }

  bool pair_;
  std::array<Pending, kMaxPending> pending_{};
  std::uint64_t seq_ = 0;
};

// SLMP/MC framing: 3E/4E frames carry their data length in the header; 1E
// requests' length follows from their command, and a 1E response is what was
// delivered.
constexpr LengthFraming kFraming{.max_frame = kAscii4eHeader + kMaxDataLength,
                                 .gap = "slmp.gap",
                                 .resync = "slmp.resync",
                                 .truncated = "slmp.truncated_frame",
                                 .over_cap = "slmp.length_over_cap"};

// After a gap a 3E/4E header is trusted only when its route is plausible and its
// whole frame parses.
Resync resync_candidate(Bytes v) noexcept {
  bool response = false;
  if (!subheader_kind(v, response)) return subheader_prefix(v) ? Resync::need_more : Resync::no;
  auto f = parse_frame(v);
  if (!f) return f.error() == ParseError::need_more ? Resync::need_more : Resync::no;
  return plausible_module_io(f->route.module_io) ? Resync::yes : Resync::no;
}

class SlmpStream final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override { framer_.on_data(dir, data, *this, sink); }
  // 1E frames carry no length: after a gap the next segment starts a message.
  void on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept override {
    framer_.on_gap(dir, lost, sink, !mc1e_);
  }
  void on_eof(Direction dir, Sink& sink) noexcept override { framer_.on_eof(dir, sink); }
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override { return framer_.buffered_bytes(); }

  // The framer's side (stream_framer.hpp). measure() keeps what it found (the
  // parsed 3E/4E frame, or which 1E message) for the on_frame() that follows it
  // on the same bytes.
  static Resync resync(Direction /*dir*/, Bytes v) noexcept { return resync_candidate(v); }

  FrameSize measure(Direction /*dir*/, Bytes v) noexcept {
    bool response = false;
    if (subheader_kind(v, response)) {
      auto f = parse_frame(v);
      if (f) {
        measured_ = Measured::frame;
        frame_ = *f;
        return FrameSize::whole(f->size);
      }
      if (f.error() == ParseError::need_more) return FrameSize::more();
      return FrameSize::bad(f.error() == ParseError::limit_exceeded ? "slmp.length_over_cap" : "slmp.malformed_frame",
                            false);
    }
    if (subheader_prefix(v) && v.size() < 4) return FrameSize::more();
    if (is_1e_request(v)) {
      mc1e_ = true;
      const auto len = mc1e_request_length(v);
      if (len && *len == 0) return FrameSize::more();
      const std::size_t n = len ? *len : v.size();
      if (n > kMax1eMessage) return lose_1e(v);
      measured_ = Measured::request_1e;
      return len ? FrameSize::whole(n) : FrameSize::to_end();
    }
    if (is_1e_response(v)) {
      mc1e_ = true;
      // The response's size depends on the request; what was delivered is the message.
      measured_ = Measured::response_1e;
      return FrameSize::to_end();
    }
    if (mc1e_) return lose_1e(v);
    return FrameSize::bad("slmp.bad_subheader", false);
  }

  void on_frame(Direction /*dir*/, Bytes v, Sink& sink) noexcept {
    switch (measured_) {
      case Measured::frame:
        if (frame_.is_response) {
          session_.response(frame_, sink);
        } else {
          session_.request(frame_, sink);
        }
        return;
      case Measured::request_1e: session_.request_1e(v, sink); return;
      case Measured::response_1e: Session::response_1e(v, sink); return;
    }
  }

 private:
  // A 1E connection that stops looking like 1E: drop what was delivered.
  static FrameSize lose_1e(Bytes v) noexcept { return FrameSize::discard(v.size(), "slmp.bad_1e_frame"); }

  enum class Measured : std::uint8_t { frame, request_1e, response_1e };

  LengthFramer framer_{kFraming};
  Measured measured_ = Measured::frame;
  Frame frame_{};
  Session session_{true};
  bool mc1e_ = false;
};

}  // namespace

Result<Frame> parse_frame(Bytes bytes) noexcept {
  bool response = false;
  const auto kind = subheader_kind(bytes, response);
  if (!kind) return subheader_prefix(bytes) ? ParseError::need_more : ParseError::malformed;
  if (*kind == FrameKind::e3_ascii || *kind == FrameKind::e4_ascii) return parse_ascii(bytes, *kind, response);
  return parse_binary(bytes, *kind, response);
}

Result<Device> parse_batch_device(const Frame& f) noexcept {
  // SLMP §5.2 Device (batch read/write): subcommand 0000/0001 (word/bit units),
  // 0002/0003 the same for MELSEC iQ-R with 4-byte numbers and 2-byte codes.
  const bool long_form = f.subcommand == 0x0002 || f.subcommand == 0x0003;
  if (f.subcommand > 0x0003) return ParseError::unsupported;
  ByteReader r(f.data);
  Device d;
  if (!f.ascii()) {
    std::uint32_t number = 0;
    std::uint16_t code = 0;
    if (long_form) {
      auto n = r.u32_le();
      auto c = r.u16_le();
      if (!n || !c) return ParseError::malformed;
      number = *n;
      code = *c;
    } else {
      auto lo = r.u16_le();  // device number: 3 bytes, little-endian
      auto hi = r.u8();
      auto c = r.u8();
      if (!lo || !hi || !c) return ParseError::malformed;
      number = static_cast<std::uint32_t>(*lo) | (static_cast<std::uint32_t>(*hi) << 16);
      code = *c;
    }
    auto points = r.u16_le();
    if (!points) return ParseError::malformed;
    d.number = number;
    d.code = code;
    d.points = *points;
    const DeviceInfo* info = device_by_code(d.code);
    d.known = info != nullptr;
    if (info != nullptr) d.name = info->name;
    return d;
  }
  const std::size_t code_chars = long_form ? 4 : 2;
  const std::size_t number_chars = long_form ? 8 : 6;
  auto code_text = r.take(code_chars);
  if (!code_text) return ParseError::malformed;
  const DeviceInfo* info = device_by_ascii(as_chars(*code_text));
  std::uint32_t number = 0, points = 0;
  const unsigned base = info != nullptr && !info->hex_number ? 10 : 16;
  if (read_number(r, number_chars, number, base) != TextStatus::ok) return ParseError::malformed;
  if (read_number(r, 4, points) != TextStatus::ok) return ParseError::malformed;
  d.number = number;
  d.points = static_cast<std::uint16_t>(points);
  d.known = info != nullptr;
  if (info != nullptr) {
    d.name = info->name;
    d.code = info->code;
  }
  return d;
}

Result<TypeName> parse_type_name(const Frame& f) noexcept {
  // SLMP §5 Read Type Name response: model name (16 characters, space padded),
  // model code (2 bytes binary, 4 hexadecimal characters in ASCII).
  ByteReader r(f.data);
  auto name = r.take(16);
  if (!name) return ParseError::malformed;
  TypeName t;
  std::string_view s = as_chars(*name);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  t.model = s;
  if (f.ascii()) {
    std::uint32_t code = 0;
    if (read_number(r, 4, code) != TextStatus::ok) return ParseError::malformed;
    t.model_code = static_cast<std::uint16_t>(code);
    return t;
  }
  auto code = r.u16_le();
  if (!code) return ParseError::malformed;
  t.model_code = *code;
  return t;
}

std::string_view command_name(std::uint16_t command) noexcept {
  const CommandInfo* c = command_info(command);
  return c != nullptr ? c->name : std::string_view("unknown_command");
}

std::string_view end_code_name(std::uint16_t end_code) noexcept {
  if (end_code == 0) return "normal";
  if (const EndCodeInfo* e = end_code_info(end_code)) return e->name;
  if (end_code >= 0x4000 && end_code <= 0x4FFF) return "cpu_module_error";
  return "unknown_error";
}

std::string_view mc1e_command_name(std::uint8_t command) noexcept {
  const Mc1eCommand* c = mc1e_info(command);
  return c != nullptr ? c->name : std::string_view("mc_1e_unknown");
}

bool probe(Bytes v, Direction dir) noexcept {
  bool response = false;
  if (subheader_kind(v, response)) {
    if (response != (dir == Direction::to_client)) return false;
    auto f = parse_frame(v);
    if (!f || f->size != v.size() || !plausible_module_io(f->route.module_io)) return false;
    if (response) return f->end_code == 0 || end_code_info(f->end_code) != nullptr;
    return command_info(f->command) != nullptr;
  }
  // 1E: only batch reads/writes, whose device code and fixed byte can be checked.
  if (dir != Direction::to_server || !is_1e_request(v) || v.size() < 12) return false;
  const auto cmd = std::to_integer<std::uint8_t>(v[0]);
  if (cmd > 0x03) return false;
  const auto len = mc1e_request_length(v);
  return len && *len == v.size() && std::to_integer<std::uint8_t>(v[11]) == 0 && plausible_1e_device(v);
}

void on_datagram(const DecodedPacket& /*pkt*/, Bytes payload, Sink& sink) noexcept {
  Session session(false);
  bool response = false;
  if (subheader_kind(payload, response)) {
    auto f = parse_frame(payload);
    if (!f) {
      sink.anomaly(f.error() == ParseError::need_more ? "slmp.truncated_frame" : "slmp.malformed_frame");
      return;
    }
    if (f->size != payload.size()) sink.anomaly("slmp.trailing_bytes");
    if (f->is_response) {
      session.response(*f, sink);
    } else {
      session.request(*f, sink);
    }
    return;
  }
  if (is_1e_request(payload)) {
    session.request_1e(payload, sink);
    return;
  }
  if (is_1e_response(payload)) {
    Session::response_1e(payload, sink);
    return;
  }
  sink.anomaly("slmp.bad_subheader");
}

namespace {

constexpr std::size_t kIpv4Size = 4;

// A MAC address sent in reverse byte order.
std::optional<MacAddr> reversed_mac(ByteReader& r) noexcept {
  auto six = r.take(6);
  if (!six) return std::nullopt;
  MacAddr m;
  for (std::size_t i = 0; i < 6; ++i) m.b[i] = std::to_integer<std::uint8_t>((*six)[5 - i]);
  return m;
}

std::optional<IpAddr> ipv4_le(ByteReader& r) noexcept {
  auto v = r.u32_le();
  if (!v) return std::nullopt;
  return IpAddr::v4(*v);
}

// An "IP address size" byte: 4 or an error (need the byte, then IPv4 only).
Result<bool> ip_size(ByteReader& r) noexcept {
  auto n = r.u8();
  if (!n) return ParseError::malformed;
  if (*n != kIpv4Size) return ParseError::unsupported;
  return true;
}

// A station as node search sends it: reversed MAC, IP address size, IPv4.
struct Station {
  MacAddr mac;
  IpAddr ip;
};
Result<Station> mac_and_ip(ByteReader& r) noexcept {
  auto mac = reversed_mac(r);
  if (!mac) return ParseError::malformed;
  if (auto s = ip_size(r); !s) return s.error();
  auto ip = ipv4_le(r);
  if (!ip) return ParseError::malformed;
  return Station{*mac, *ip};
}

bool binary_4e(const Frame& f) noexcept { return f.kind == FrameKind::e4_binary; }

std::string hex_code(std::uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, static_cast<unsigned>(v));
  return buf;
}

void node_search_response(const Frame& f, Sink& sink) noexcept {
  auto n = parse_node_search_response(f);
  if (!n) {
    // IP Address Set answers with the client MAC only.
    if (f.data.size() == 6) return;
    sink.anomaly(n.error() == ParseError::unsupported ? "slmp.node_search_unsupported" : "slmp.malformed_node_search");
    return;
  }
  // A station is named by a unicast MAC; a node not yet given an address (the
  // reason node search exists) answers 0.0.0.0, which binds nothing.
  if (!n->server_mac.is_unicast()) {
    sink.anomaly("slmp.node_search_bad_mac");
    return;
  }
  const bool has_ip = !n->server_ip.is_unspecified();
  const AssetRef node = has_ip ? AssetRef::station(n->server_mac, n->server_ip) : AssetRef::station(n->server_mac);
  if (has_ip) sink.fact({node, field::ip, n->server_ip.to_string(), kNodeSearchSource});
  sink.fact({node, "slmp_subnet_mask", n->subnet_mask.to_string(), kNodeSearchSource});
  sink.fact({node, field::vendor_id, hex_code(n->vendor_code, 4), kNodeSearchSource});
  sink.fact({node, field::product_code, hex_code(n->model_code, 8), kNodeSearchSource});
  sink.fact({node, field::revision, hex_code(n->equipment_version, 4), kNodeSearchSource});
  if (!n->hostname.empty()) sink.fact_view(node, field::hostname, n->hostname, kNodeSearchSource);
  sink.fact({node, "slmp_node_status", hex_code(n->server_status, 4), kNodeSearchSource});
  sink.fact({node, field::role, "slmp_server", kRoleSource});
}

}  // namespace

Result<NodeSearchRequest> parse_node_search_request(const Frame& f) noexcept {
  if (!binary_4e(f) || f.is_response || f.command != kCmdNodeSearch) return ParseError::unsupported;
  ByteReader r(f.data);
  NodeSearchRequest q;
  auto client = mac_and_ip(r);
  if (!client) return client.error();
  q.client_mac = client->mac;
  q.client_ip = client->ip;
  if (r.remaining() != 0) return ParseError::malformed;
  return q;
}

Result<NodeSearchResponse> parse_node_search_response(const Frame& f) noexcept {
  if (!binary_4e(f) || !f.is_response || f.end_code != 0) return ParseError::unsupported;
  ByteReader r(f.data);
  NodeSearchResponse n;
  auto client = mac_and_ip(r);
  if (!client) return client.error();
  n.client_mac = client->mac;
  n.client_ip = client->ip;
  auto server = mac_and_ip(r);
  if (!server) return server.error();
  n.server_mac = server->mac;
  n.server_ip = server->ip;
  auto mask = ipv4_le(r);
  auto gw = ipv4_le(r);
  auto host_len = r.u8();
  if (!mask || !gw || !host_len) return ParseError::malformed;
  n.subnet_mask = *mask;
  n.gateway = *gw;
  auto host = r.take(*host_len);  // checked against what is left
  if (!host) return ParseError::malformed;
  n.hostname = as_chars(*host);
  auto vendor = r.u16_le();
  auto model = r.u32_le();
  auto version = r.u16_le();
  if (!vendor || !model || !version) return ParseError::malformed;
  n.vendor_code = *vendor;
  n.model_code = *model;
  n.equipment_version = *version;
  if (auto s = ip_size(r); !s) return s.error();
  auto target_ip = ipv4_le(r);
  auto target_port = r.u16_le();
  auto status = r.u16_le();
  auto port = r.u16_le();
  auto proto = r.u8();
  if (!target_ip || !target_port || !status || !port || !proto) return ParseError::malformed;
  n.server_status = *status;
  n.server_port = *port;
  n.server_protocol = *proto;
  if (r.remaining() != 0) return ParseError::malformed;
  return n;
}

void on_node_search_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  bool response = false;
  if (!subheader_kind(payload, response)) {
    on_datagram(pkt, payload, sink);
    return;
  }
  auto f = parse_frame(payload);
  if (!f) {
    sink.anomaly(f.error() == ParseError::need_more ? "slmp.truncated_frame" : "slmp.malformed_frame");
    return;
  }
  if (f->size != payload.size()) sink.anomaly("slmp.trailing_bytes");
  const bool ours = binary_4e(*f) && (f->is_response || f->command == kCmdNodeSearch || f->command == kCmdIpAddressSet);
  if (!ours || (f->is_response && f->end_code != 0)) {
    on_datagram(pkt, payload.first(f->size), sink);
    return;
  }
  if (f->is_response) {
    node_search_response(*f, sink);
    return;
  }
  if (f->command == kCmdNodeSearch) {
    if (auto q = parse_node_search_request(*f); !q)
      sink.anomaly(q.error() == ParseError::unsupported ? "slmp.node_search_unsupported" : "slmp.malformed_node_search");
  }
  const CommandInfo* c = command_info(f->command);
  sink.fact({AssetRef::sender_party(), field::role, "slmp_client", kRoleSource});
  sink.operation({kProtocol, c->name, f->command, c->is_write, c->is_control, false, 0, 0, false});
}

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<SlmpStream>(); }

}  // namespace mieruka::dissectors::slmp
