// Keyence KV host link (see kv_hostlink.hpp for what this emits).
#include "kv_hostlink.hpp"

#include <array>
#include <string>

#include "stream_framer.hpp"

namespace mieruka::dissectors::kv_hostlink {
namespace {

constexpr std::string_view kSource = "kv_hostlink";

// ?K answers a model code (KV-8000/7000 series user's manual, host link "?K"
// response table; the same codes are used by public host link clients).
struct ModelCode {
  std::string_view code, model;
};
constexpr ModelCode kModelCodes[] = {
    {"48", "KV-700"},   {"49", "KV-700"},   {"50", "KV-1000"},  {"51", "KV-3000"},  {"52", "KV-5000"},
    {"53", "KV-5500"},  {"54", "KV-7300"},  {"55", "KV-7500"},  {"57", "KV-8000"},  {"58", "KV-8000A"},
    {"59", "KV-X310"},  {"60", "KV-X520"},  {"61", "KV-X530"},  {"62", "KV-X500"},  {"63", "KV-X550"},
    {"128", "KV-NC32T"}, {"132", "KV-N60"}, {"133", "KV-N40"}, {"134", "KV-N24"},
};

struct Mnemonic {
  std::string_view text;
  Kind kind;
  bool has_device;
  bool has_count;
};
// KV-8000 user's manual, host link command list.
constexpr Mnemonic kMnemonics[] = {
    {"?K", Kind::model_query, false, false},  {"?M", Kind::mode_query, false, false},
    {"?E", Kind::error_query, false, false},  {"M0", Kind::mode_program, false, false},
    {"M1", Kind::mode_run, false, false},     {"ER", Kind::error_clear, false, false},
    {"RD", Kind::read, true, false},          {"RDS", Kind::read_cons, true, true},
    {"RDE", Kind::read_cons, true, true},     {"WR", Kind::write, true, false},
    {"WRS", Kind::write_cons, true, true},    {"WRE", Kind::write_cons, true, true},
    {"ST", Kind::set, true, false},           {"STS", Kind::set_cons, true, true},
    {"RS", Kind::reset, true, false},         {"RSS", Kind::reset_cons, true, true},
    {"WS", Kind::set_value, true, false},     {"WSS", Kind::set_value, true, true},
    {"MBS", Kind::monitor_reg, false, false}, {"MWS", Kind::monitor_reg, false, false},
    {"MBR", Kind::monitor_read, false, false}, {"MWR", Kind::monitor_read, false, false},
    {"WRT", Kind::time_set, false, false},
};

// Device types (longest first so "MR" wins over "M"), whether the number is hex
// (link relays B, link registers W, VB), and the operation names per device.
struct DeviceInfo {
  std::string_view type;
  bool hex;
  std::string_view read_op;
  std::string_view write_op;
};
constexpr DeviceInfo kDevices[] = {
    {"CTH", false, "read_cth", "write_cth"}, {"CTC", false, "read_ctc", "write_ctc"},
    {"DM", false, "read_dm", "write_dm"},    {"EM", false, "read_em", "write_em"},
    {"FM", false, "read_fm", "write_fm"},    {"ZF", false, "read_zf", "write_zf"},
    {"TM", false, "read_tm", "write_tm"},    {"MR", false, "read_mr", "write_mr"},
    {"LR", false, "read_lr", "write_lr"},    {"CR", false, "read_cr", "write_cr"},
    {"CM", false, "read_cm", "write_cm"},    {"VB", true, "read_vb", "write_vb"},
    {"VM", false, "read_vm", "write_vm"},    {"AT", false, "read_at", "write_at"},
    {"R", false, "read_r", "write_r"},       {"B", true, "read_b", "write_b"},
    {"W", true, "read_w", "write_w"},        {"T", false, "read_t", "write_t"},
    {"C", false, "read_c", "write_c"},       {"Z", false, "read_z", "write_z"},
    {"X", true, "read_x", "write_x"},        {"Y", true, "read_y", "write_y"},
    {"M", false, "read_m", "write_m"},       {"L", false, "read_l", "write_l"},
    {"D", false, "read_d", "write_d"},       {"E", false, "read_e", "write_e"},
    {"F", false, "read_f", "write_f"},
};
const DeviceInfo* device_info(std::string_view type) noexcept {
  for (const auto& d : kDevices)
    if (d.type == type) return &d;
  return nullptr;
}

bool printable(std::string_view s) noexcept {
  for (char c : s)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

// Next space-separated token; advances `s`.
std::string_view token(std::string_view& s) noexcept {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const std::size_t end = s.find(' ');
  std::string_view t = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return t;
}

bool parse_number(std::string_view s, bool hex, std::uint32_t& out) noexcept {
  if (s.empty() || s.size() > 8) return false;
  std::uint32_t v = 0;
  for (char c : s) {
    std::uint32_t d = 0;
    if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0');
    else if (hex && c >= 'A' && c <= 'F') d = static_cast<std::uint32_t>(c - 'A' + 10);
    else return false;
    v = v * (hex ? 16U : 10U) + d;
  }
  out = v;
  return true;
}

// "DM100", "DM100.U", "B1F", "MR0015": a device type and its number; a data
// format suffix (.U .S .D .L .H) is ignored.
bool parse_device(std::string_view t, Device& d) noexcept {
  if (const std::size_t dot = t.find('.'); dot != std::string_view::npos) t = t.substr(0, dot);
  for (const auto& info : kDevices) {
    if (!t.starts_with(info.type)) continue;
    const std::string_view num = t.substr(info.type.size());
    std::uint32_t n = 0;
    if (!parse_number(num, info.hex, n)) continue;
    d.type = info.type;
    d.number = n;
    d.has_number = true;
    return true;
  }
  return false;
}

// Host link framing: a command or response is one line of ASCII ending in CR
// (the LF of CR LF is dropped).
constexpr LineFraming kFraming{.max_line = kMaxLine,
                               .gap = "kv_hostlink.gap",
                               .over_cap = "kv_hostlink.line_over_cap",
                               .truncated = "kv_hostlink.truncated_line"};

class KvStream final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override { framer_.on_data(dir, data, *this, sink); }

  void on_gap(Direction dir, std::size_t /*lost*/, Sink& sink) noexcept override {
    // Resynchronise at the next CR: the partial line is dropped, and so is the
    // pairing (a lost command or response would shift every later pair).
    pending_count_ = 0;
    framer_.on_gap(dir, sink);
  }

  void on_eof(Direction dir, Sink& sink) noexcept override { framer_.on_eof(dir, sink); }

  [[nodiscard]] std::size_t buffered_bytes() const noexcept override { return framer_.buffered_bytes(); }

  // The framer's side (stream_framer.hpp): one whole line.
  void on_line(Direction dir, std::string_view line, Sink& sink) noexcept {
    if (!printable(line)) {
      sink.anomaly("kv_hostlink.non_ascii");
      // Keep the pairing: a malformed command still gets a response.
      if (dir == Direction::to_client) (void)pop();
      else push(Command{});
      return;
    }
    if (dir == Direction::to_server) command(line, sink);
    else response(line, sink);
  }

 private:
  void roles(Sink& sink, bool from_client) noexcept {
    if (roles_done_) return;
    roles_done_ = true;
    sink.fact({from_client ? AssetRef::sender_party() : AssetRef::receiver_party(), field::role,
               "kv_hostlink_client", kSource});
    sink.fact({from_client ? AssetRef::receiver_party() : AssetRef::sender_party(), field::role,
               "kv_hostlink_server", kSource});
  }

  void command(std::string_view line, Sink& sink) noexcept {
    if (line.empty()) return;
    auto c = parse_command(line);
    if (!c) {
      sink.anomaly(c.error() == ParseError::unsupported ? "kv_hostlink.unknown_command" : "kv_hostlink.bad_command");
      push(Command{});
      return;
    }
    roles(sink, true);
    push(*c);
    Operation op{"kv_hostlink", operation_name(*c), static_cast<std::uint32_t>(c->kind), false, false, false, 0, 0,
                 false};
    switch (c->kind) {
      case Kind::write: case Kind::write_cons: case Kind::set: case Kind::set_cons: case Kind::reset:
      case Kind::reset_cons: case Kind::set_value: case Kind::time_set:
        op.is_write = true;
        break;
      case Kind::mode_program: case Kind::mode_run:
        op.is_control = true;
        break;
      default:
        break;
    }
    if (c->device.has_number) {
      op.is_range = true;
      op.range_start = c->device.number;
      op.range_count = c->count;
    }
    sink.operation(op);
  }

  void response(std::string_view line, Sink& sink) noexcept {
    if (line.empty()) return;
    auto r = parse_response(line);
    const Command c = pop();
    if (!r) {
      sink.anomaly("kv_hostlink.bad_response");
      return;
    }
    roles(sink, false);
    if (r->is_error) {
      sink.operation({"kv_hostlink", operation_name(c), static_cast<std::uint32_t>(c.kind), false, false, true, 0, 0,
                      false});
      return;
    }
    if (c.kind == Kind::model_query) {
      sink.fact_view(AssetRef::sender_party(), "kv_model_code", r->text, kSource);
      for (const auto& m : kModelCodes)
        if (m.code == r->text) sink.fact_view(AssetRef::sender_party(), field::product, m.model, kSource);
      sink.fact_view(AssetRef::sender_party(), field::vendor, kVendor, kSource);
      sink.fact({AssetRef::sender_party(), field::class_hint, "plc", kSource});
      return;
    }
    if (c.kind == Kind::mode_query) {
      // ?M answers 0 (PROGRAM) or 1 (RUN).
      if (r->text == "0" || r->text == "1")
        sink.fact({AssetRef::sender_party(), "kv_mode", r->text == "1" ? "run" : "program", kSource});
      else sink.anomaly("kv_hostlink.bad_mode");
    }
  }

  void push(const Command& c) noexcept {
    if (pending_count_ == kMaxPending) {
      for (std::size_t i = 1; i < kMaxPending; ++i) pending_[i - 1] = pending_[i];
      --pending_count_;
    }
    pending_[pending_count_++] = c;
  }
  Command pop() noexcept {
    if (pending_count_ == 0) return Command{};
    const Command c = pending_[0];
    for (std::size_t i = 1; i < pending_count_; ++i) pending_[i - 1] = pending_[i];
    --pending_count_;
    return c;
  }

  LineFramer framer_{kFraming};
  // Views into command lines are not kept: only kind and device (static strings).
  std::array<Command, kMaxPending> pending_{};
  std::size_t pending_count_ = 0;
  bool roles_done_ = false;
};

}  // namespace

Result<Command> parse_command(std::string_view line) noexcept {
  if (line.empty() || !printable(line)) return ParseError::malformed;
  std::string_view rest = line;
  const std::string_view m = token(rest);
  const Mnemonic* mn = nullptr;
  for (const auto& x : kMnemonics)
    if (x.text == m) mn = &x;
  if (mn == nullptr) return ParseError::unsupported;
  Command c;
  c.kind = mn->kind;
  c.mnemonic = mn->text;
  if (mn->has_device) {
    Device d;
    if (!parse_device(token(rest), d)) return ParseError::malformed;
    c.device = d;
    if (mn->has_count) {
      std::uint32_t n = 0;
      if (!parse_number(token(rest), false, n) || n == 0) return ParseError::malformed;
      c.count = n;
    }
  }
  return c;
}

Result<Response> parse_response(std::string_view line) noexcept {
  if (line.empty() || !printable(line)) return ParseError::malformed;
  Response r;
  r.text = line;
  r.is_ok = line == "OK";
  r.is_error = line.size() == 2 && line[0] == 'E' && line[1] >= '0' && line[1] <= '9';
  return r;
}

std::string_view operation_name(const Command& c) noexcept {
  const DeviceInfo* d = c.device.has_number ? device_info(c.device.type) : nullptr;
  switch (c.kind) {
    case Kind::model_query: return "model_query";
    case Kind::mode_query: return "mode_query";
    case Kind::error_query: return "error_query";
    case Kind::mode_program: return "mode_change_program";
    case Kind::mode_run: return "mode_change_run";
    case Kind::error_clear: return "error_clear";
    case Kind::read:
    case Kind::read_cons: return d != nullptr ? d->read_op : std::string_view("read");
    case Kind::write:
    case Kind::write_cons: return d != nullptr ? d->write_op : std::string_view("write");
    case Kind::set:
    case Kind::set_cons: return "set";
    case Kind::reset:
    case Kind::reset_cons: return "reset";
    case Kind::set_value: return "set_value_write";
    case Kind::monitor_reg: return "monitor_register";
    case Kind::monitor_read: return "monitor_read";
    case Kind::time_set: return "time_set";
    case Kind::other: return "other";
    case Kind::unknown: return "unknown_command";
  }
  return "unknown_command";
}

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<KvStream>(); }

}  // namespace mieruka::dissectors::kv_hostlink
