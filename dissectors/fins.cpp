// FINS parsing and the FINS/TCP stream parser (see fins.hpp). Section references:
// FINS Commands Reference Manual W342 ("W342"), Ethernet Units Construction of
// Networks W421 ("W421") for FINS/TCP. All fields are big-endian.
#include "fins.hpp"

#include <string>

#include "pending_table.hpp"
#include "stream_framer.hpp"

namespace mieruka::dissectors::fins {
namespace {

constexpr std::string_view kProtocol = "fins";
constexpr std::string_view kRoleSource = "fins";
constexpr std::string_view kTcpSource = "fins_tcp";
constexpr std::string_view kControllerSource = "fins_controller_data";

constexpr std::uint16_t kMemoryRead = 0x0101;
constexpr std::uint16_t kMemoryWrite = 0x0102;
constexpr std::uint16_t kMemoryFill = 0x0103;
constexpr std::uint16_t kControllerDataRead = 0x0501;

struct CommandInfo {
  std::uint16_t code;
  std::string_view name;
  bool is_write;
  bool is_control;
};
// W342 §5-1 command list (CS/CJ/NJ/NX).
constexpr CommandInfo kCommands[] = {
    {0x0101, "memory_area_read", false, false},
    {0x0102, "memory_area_write", true, false},
    {0x0103, "memory_area_fill", true, false},
    {0x0104, "multiple_memory_area_read", false, false},
    {0x0105, "memory_area_transfer", true, false},
    {0x0201, "parameter_area_read", false, false},
    {0x0202, "parameter_area_write", true, true},
    {0x0203, "parameter_area_clear", true, true},
    {0x0304, "program_area_protect", false, true},
    {0x0305, "program_area_protect_clear", false, true},
    {0x0306, "program_area_read", false, false},
    {0x0307, "program_area_write", true, true},
    {0x0308, "program_area_clear", true, true},
    {0x0401, "run", false, true},
    {0x0402, "stop", false, true},
    {0x0501, "controller_data_read", false, false},
    {0x0502, "connection_data_read", false, false},
    {0x0601, "controller_status_read", false, false},
    {0x0620, "cycle_time_read", false, false},
    {0x0701, "clock_read", false, false},
    {0x0702, "clock_write", true, false},
    {0x0801, "loopback_test", false, false},
    {0x0802, "broadcast_test_results_read", false, false},
    {0x0803, "broadcast_test_data_send", false, false},
    {0x0920, "message_read", false, false},
    {0x0C01, "access_right_acquire", false, false},
    {0x0C02, "access_right_forced_acquire", false, true},
    {0x0C03, "access_right_release", false, false},
    {0x2101, "error_clear", false, false},
    {0x2102, "error_log_read", false, false},
    {0x2103, "error_log_clear", true, false},
    {0x2201, "file_name_read", false, false},
    {0x2202, "single_file_read", false, false},
    {0x2203, "file_write", true, true},
    {0x2204, "file_memory_format", true, true},
    {0x2205, "file_delete", true, true},
    {0x2207, "file_copy", true, false},
    {0x2208, "file_name_change", true, false},
    {0x220A, "memory_area_file_transfer", true, false},
    {0x220B, "parameter_area_file_transfer", true, true},
    {0x220C, "program_area_file_transfer", true, true},
    {0x2215, "directory_create_delete", true, false},
    {0x2301, "forced_set_reset", true, true},
    {0x2302, "forced_set_reset_cancel", true, true},
};

const CommandInfo* command_info(std::uint16_t code) noexcept {
  for (const auto& c : kCommands)
    if (c.code == code) return &c;
  return nullptr;
}

// W342 §5-2-2 memory area designations (CS/CJ mode). Operation names carry the
// area (and bit/word access) so an edge's range summary never mixes two areas.
struct AreaInfo {
  std::uint8_t lo, hi;  // area code range (EM banks 0-C share one row)
  std::string_view name;
  std::string_view read_op, write_op, fill_op;
};
#define MIERUKA_FINS_AREA(lo, hi, n) \
  {lo, hi, n, "memory_area_read_" n, "memory_area_write_" n, "memory_area_fill_" n}
constexpr AreaInfo kAreas[] = {
    MIERUKA_FINS_AREA(0x30, 0x30, "cio_bit"),    MIERUKA_FINS_AREA(0xB0, 0xB0, "cio"),
    MIERUKA_FINS_AREA(0x31, 0x31, "wr_bit"),     MIERUKA_FINS_AREA(0xB1, 0xB1, "wr"),
    MIERUKA_FINS_AREA(0x32, 0x32, "hr_bit"),     MIERUKA_FINS_AREA(0xB2, 0xB2, "hr"),
    MIERUKA_FINS_AREA(0x33, 0x33, "ar_bit"),     MIERUKA_FINS_AREA(0xB3, 0xB3, "ar"),
    MIERUKA_FINS_AREA(0x02, 0x02, "dm_bit"),     MIERUKA_FINS_AREA(0x82, 0x82, "dm"),
    MIERUKA_FINS_AREA(0x09, 0x09, "tim_cnt_flag"), MIERUKA_FINS_AREA(0x89, 0x89, "tim_cnt_pv"),
    MIERUKA_FINS_AREA(0x20, 0x2C, "em_bit"),     MIERUKA_FINS_AREA(0xA0, 0xAC, "em"),
    MIERUKA_FINS_AREA(0x0A, 0x0A, "em_current_bit"), MIERUKA_FINS_AREA(0x98, 0x98, "em_current"),
    MIERUKA_FINS_AREA(0x06, 0x06, "task_flag"),  MIERUKA_FINS_AREA(0x07, 0x07, "clock_pulse"),
    MIERUKA_FINS_AREA(0xDC, 0xDC, "index_register"), MIERUKA_FINS_AREA(0xBC, 0xBC, "data_register"),
};
#undef MIERUKA_FINS_AREA

const AreaInfo* area_info(std::uint8_t code) noexcept {
  for (const auto& a : kAreas)
    if (code >= a.lo && code <= a.hi) return &a;
  return nullptr;
}

struct EndCodeInfo {
  std::uint16_t code;
  std::string_view name;
  std::string_view counter;
};
#define MIERUKA_FINS_END(c, n) {c, n, "fins.end_code_" n}
// W342 §8-3 end codes (the common ones).
constexpr EndCodeInfo kEndCodes[] = {
    MIERUKA_FINS_END(0x0001, "service_canceled"),
    MIERUKA_FINS_END(0x0101, "local_node_not_in_network"),
    MIERUKA_FINS_END(0x0102, "token_timeout"),
    MIERUKA_FINS_END(0x0103, "retries_failed"),
    MIERUKA_FINS_END(0x0105, "node_address_setting_error"),
    MIERUKA_FINS_END(0x0106, "node_address_duplication"),
    MIERUKA_FINS_END(0x0201, "destination_node_not_in_network"),
    MIERUKA_FINS_END(0x0202, "unit_missing"),
    MIERUKA_FINS_END(0x0204, "destination_node_busy"),
    MIERUKA_FINS_END(0x0205, "response_timeout"),
    MIERUKA_FINS_END(0x0302, "cpu_unit_error"),
    MIERUKA_FINS_END(0x0401, "undefined_command"),
    MIERUKA_FINS_END(0x0402, "not_supported_by_model"),
    MIERUKA_FINS_END(0x0501, "destination_address_setting_error"),
    MIERUKA_FINS_END(0x0502, "no_routing_tables"),
    MIERUKA_FINS_END(0x1001, "command_too_long"),
    MIERUKA_FINS_END(0x1002, "command_too_short"),
    MIERUKA_FINS_END(0x1003, "elements_data_mismatch"),
    MIERUKA_FINS_END(0x1004, "command_format_error"),
    MIERUKA_FINS_END(0x1005, "header_error"),
    MIERUKA_FINS_END(0x1101, "area_classification_missing"),
    MIERUKA_FINS_END(0x1102, "access_size_error"),
    MIERUKA_FINS_END(0x1103, "address_range_error"),
    MIERUKA_FINS_END(0x1104, "address_range_exceeded"),
    MIERUKA_FINS_END(0x110C, "parameter_error"),
    MIERUKA_FINS_END(0x2002, "protected"),
    MIERUKA_FINS_END(0x2101, "read_only"),
    MIERUKA_FINS_END(0x2201, "not_possible_during_execution"),
    MIERUKA_FINS_END(0x2202, "not_possible_while_running"),
    MIERUKA_FINS_END(0x2203, "wrong_plc_mode_program"),
    MIERUKA_FINS_END(0x2205, "wrong_plc_mode_monitor"),
    MIERUKA_FINS_END(0x2206, "wrong_plc_mode_run"),
    MIERUKA_FINS_END(0x2602, "incorrect_password"),
    MIERUKA_FINS_END(0x2604, "protected_write"),
    MIERUKA_FINS_END(0x3001, "no_access_right"),
    MIERUKA_FINS_END(0x4001, "service_aborted"),
};
#undef MIERUKA_FINS_END

const EndCodeInfo* end_code_info(std::uint16_t code) noexcept {
  for (const auto& e : kEndCodes)
    if (e.code == code) return &e;
  return nullptr;
}

std::string_view trim(Bytes b) noexcept {
  std::string_view s = as_chars(b);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

bool plausible_header(const Header& h) noexcept {
  // W342 §3-2: ICF bit 7 is set, bits 1-5 are reserved (0); RSV is 0; GCT is 0-7.
  return (h.icf & 0x80) != 0 && (h.icf & 0x3E) == 0 && h.rsv == 0 && h.gct <= 7;
}

struct Pending {
  std::uint8_t sid = 0;
  std::uint16_t command = 0;
};

// What both transports do with one FINS frame; the stream parser adds pairing.
class Session {
 public:
  explicit Session(bool pair) : pair_(pair) {}

  void frame(Bytes bytes, Sink& sink) noexcept {
    auto res = parse_frame(bytes);
    if (!res) {
      sink.anomaly(res.error() == ParseError::limit_exceeded ? "fins.frame_over_cap" : "fins.malformed_frame");
      return;
    }
    const FinsFrame& f = *res;
    if (f.header.is_response()) {
      response(f, sink);
    } else {
      request(f, sink);
    }
  }

 private:
  void request(const FinsFrame& f, Sink& sink) noexcept {
    sink.fact({AssetRef::sender_party(), field::role, "fins_client", kRoleSource});
    sink.fact({AssetRef::receiver_party(), field::role, "fins_server", kRoleSource});
    sink.operation(make_operation(f, sink));
    if (pair_) remember(f, sink);
  }

  void response(const FinsFrame& f, Sink& sink) noexcept {
    if (pair_) pair(f, sink);
    const Header& h = f.header;
    sink.fact({AssetRef::sender_party(), "fins_node",
               std::to_string(h.sna) + "." + std::to_string(h.sa1) + "." + std::to_string(h.sa2), kRoleSource});
    if ((f.sres & 0xC0) != 0) sink.anomaly("fins.cpu_error_flag");
    const std::uint16_t code = f.end_code();
    if (code != 0) {
      Operation op;
      op.protocol = kProtocol;
      op.code = f.command();
      op.name = command_name(f.command());
      op.is_error = true;
      sink.operation(op);
      const EndCodeInfo* e = end_code_info(code);
      sink.anomaly(e != nullptr ? e->counter : std::string_view("fins.end_code_other"));
      return;
    }
    if (f.command() == kControllerDataRead) controller_data(f, sink);
  }

  static Operation make_operation(const FinsFrame& f, Sink& sink) noexcept {
    Operation op;
    op.protocol = kProtocol;
    op.code = f.command();
    const CommandInfo* c = command_info(f.command());
    if (c == nullptr) {
      sink.anomaly("fins.unknown_command");
      op.name = "unknown_command";
      return op;
    }
    op.name = c->name;
    op.is_write = c->is_write;
    op.is_control = c->is_control;
    if (op.code != kMemoryRead && op.code != kMemoryWrite && op.code != kMemoryFill) return op;
    auto m = parse_memory_range(f);
    if (!m) {
      sink.anomaly("fins.malformed_request");
      return op;
    }
    const AreaInfo* a = area_info(m->area);
    if (a == nullptr) {
      sink.anomaly("fins.unknown_area");
      return op;
    }
    op.name = op.code == kMemoryRead ? a->read_op : op.code == kMemoryWrite ? a->write_op : a->fill_op;
    op.is_range = true;
    // EM banks share one name: the bank goes above the word address.
    const std::uint32_t bank = a->lo != a->hi ? static_cast<std::uint32_t>(m->area - a->lo) : 0;
    op.range_start = (bank << 16) | m->address;
    op.range_count = m->items;
    return op;
  }

  static void controller_data(const FinsFrame& f, Sink& sink) noexcept {
    auto cd = parse_controller_data(f);
    if (!cd) {
      sink.anomaly("fins.malformed_controller_data");
      return;
    }
    const AssetRef plc = AssetRef::sender_party();
    sink.fact_view(plc, field::vendor, kVendor, kControllerSource);
    if (!cd->model.empty()) sink.fact_view(plc, field::product, cd->model, kControllerSource);
    if (!cd->version.empty()) sink.fact_view(plc, field::revision, cd->version, kControllerSource);
    sink.fact({plc, field::class_hint, "plc", kControllerSource});
  }

  void remember(const FinsFrame& f, Sink& sink) noexcept {
    if ((f.header.icf & 0x01) != 0) return;  // no response required
    const std::uint8_t sid = f.header.sid;
    bool overflow = false;
    Pending& slot = pending_.slot([sid](const Pending& e) { return e.sid == sid; }, overflow);  // SID reused
    if (overflow) sink.anomaly("fins.pending_overflow");
    slot = {sid, f.command()};
  }

  void pair(const FinsFrame& f, Sink& sink) noexcept {
    const std::uint8_t sid = f.header.sid;
    Pending* e = pending_.find([sid](const Pending& x) { return x.sid == sid; });
    if (e == nullptr) {
      sink.anomaly("fins.unpaired_response");
      return;
    }
    if (e->command != f.command()) sink.anomaly("fins.response_command_mismatch");
    pending_.erase(*e);
  }

  bool pair_;
  PendingTable<Pending, kMaxPending> pending_;
};

// FINS/TCP framing: a 16-byte header whose length counts the bytes after its
// first 8.
constexpr LengthFraming kFraming{.max_frame = kTcpHeaderSize + kMaxFrame,
                                 .gap = "fins.gap",
                                 .resync = "fins.resync",
                                 .truncated = "fins.truncated_message",
                                 .over_cap = "fins.tcp_length_over_cap"};

// After a gap a FINS/TCP header is trusted only with its magic, a length within
// bounds, a known command and an error code of a known size.
Resync resync_candidate(Bytes v) noexcept {
  static constexpr std::string_view kMagic = "FINS";
  const std::size_t n = v.size() < 4 ? v.size() : 4;
  if (as_chars(v.first(n)) != kMagic.substr(0, n)) return Resync::no;
  auto h = parse_tcp_header(v);
  if (!h) return h.error() == ParseError::need_more ? Resync::need_more : Resync::no;
  if (h->command > 6 || h->error > 0xFF) return Resync::no;
  return Resync::yes;
}

class FinsStream final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override { framer_.on_data(dir, data, *this, sink); }
  void on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept override { framer_.on_gap(dir, lost, sink); }
  void on_eof(Direction dir, Sink& sink) noexcept override { framer_.on_eof(dir, sink); }
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override { return framer_.buffered_bytes(); }

  // The framer's side (stream_framer.hpp).
  static Resync resync(Direction /*dir*/, Bytes v) noexcept { return resync_candidate(v); }
  static FrameSize measure(Direction /*dir*/, Bytes v) noexcept {
    auto h = parse_tcp_header(v);
    if (h) return FrameSize::whole(8 + static_cast<std::size_t>(h->length));
    if (h.error() == ParseError::need_more) return FrameSize::more();
    if (h.error() == ParseError::limit_exceeded) return FrameSize::bad("fins.tcp_length_over_cap", false);
    return FrameSize::bad("fins.bad_tcp_header", true);
  }
  void on_frame(Direction /*dir*/, Bytes v, Sink& sink) noexcept {
    auto h = parse_tcp_header(v);
    if (h) message(*h, v.subspan(kTcpHeaderSize), sink);
  }

 private:
  // W421 §6 FINS/TCP commands.
  void message(const TcpHeader& h, Bytes data, Sink& sink) noexcept {
    if (h.error != 0) sink.anomaly("fins.tcp_error");
    ByteReader r(data);
    switch (h.command) {
      case 0: {  // node address data send (client -> server): client node, 0 = auto
        sink.fact({AssetRef::sender_party(), field::role, "fins_client", kRoleSource});
        sink.fact({AssetRef::receiver_party(), field::role, "fins_server", kRoleSource});
        if (data.size() != 4) sink.anomaly("fins.bad_node_address_data");
        return;
      }
      case 1: {  // node address data send (server -> client): client node, server node
        auto client = r.u32_be();
        auto server = r.u32_be();
        if (!client || !server || data.size() != 8) {
          sink.anomaly("fins.bad_node_address_data");
          return;
        }
        sink.fact({AssetRef::sender_party(), "fins_tcp_node", std::to_string(*server), kTcpSource});
        sink.fact({AssetRef::receiver_party(), "fins_tcp_node", std::to_string(*client), kTcpSource});
        return;
      }
      case 2:  // FINS frame send
        session_.frame(data, sink);
        return;
      case 3:  // FINS frame send error notification
        sink.anomaly("fins.tcp_error_notification");
        return;
      case 6:  // connection confirmation
        return;
      default:
        sink.anomaly("fins.unknown_tcp_command");
        return;
    }
  }

  LengthFramer framer_{kFraming};
  Session session_{true};
};

}  // namespace

Result<FinsFrame> parse_frame(Bytes bytes) noexcept {
  if (bytes.size() > kMaxFrame) return ParseError::limit_exceeded;
  ByteReader r(bytes);
  FinsFrame f;
  Header& h = f.header;
  auto head = r.take(kHeaderSize);
  if (!head) return ParseError::malformed;
  ByteReader hr(*head);
  h.icf = hr.u8().value_or(0);
  h.rsv = hr.u8().value_or(0);
  h.gct = hr.u8().value_or(0);
  h.dna = hr.u8().value_or(0);
  h.da1 = hr.u8().value_or(0);
  h.da2 = hr.u8().value_or(0);
  h.sna = hr.u8().value_or(0);
  h.sa1 = hr.u8().value_or(0);
  h.sa2 = hr.u8().value_or(0);
  h.sid = hr.u8().value_or(0);
  if ((h.icf & 0x3E) != 0) return ParseError::malformed;
  auto mrc = r.u8();
  auto src = r.u8();
  if (!mrc || !src) return ParseError::malformed;
  f.mrc = *mrc;
  f.src = *src;
  if (h.is_response()) {
    auto mres = r.u8();
    auto sres = r.u8();
    if (!mres || !sres) return ParseError::malformed;
    f.mres = *mres;
    f.sres = *sres;
  }
  f.data = r.take_rest();
  return f;
}

Result<TcpHeader> parse_tcp_header(Bytes bytes) noexcept {
  ByteReader r(bytes);
  auto magic = r.take(4);
  if (!magic) return ParseError::need_more;
  if (as_chars(*magic) != "FINS") return ParseError::malformed;
  auto length = r.u32_be();
  if (!length) return ParseError::need_more;
  if (*length < kTcpMinLength) return ParseError::malformed;
  if (*length > kTcpMaxLength) return ParseError::limit_exceeded;
  auto command = r.u32_be();
  auto error = r.u32_be();
  if (!command || !error) return ParseError::need_more;
  return TcpHeader{*length, *command, *error};
}

Result<MemoryRange> parse_memory_range(const FinsFrame& f) noexcept {
  // W342 §5-3-1..3: area code (1), beginning address (word 2, bit 1), items (2).
  ByteReader r(f.data);
  auto area = r.u8();
  auto address = r.u16_be();
  auto bit = r.u8();
  auto items = r.u16_be();
  if (!area || !address || !bit || !items) return ParseError::malformed;
  return MemoryRange{*area, *address, *bit, *items};
}

Result<ControllerData> parse_controller_data(const FinsFrame& f) noexcept {
  // W342 §5-3-x Controller Data Read response: model (20), version (20), then
  // system use, area data... (only with request data 00 omitted or 01).
  ByteReader r(f.data);
  auto model = r.take(20);
  if (!model) return ParseError::malformed;
  ControllerData cd;
  cd.model = trim(*model);
  if (auto version = r.take(20)) cd.version = trim(*version);
  return cd;
}

std::string_view command_name(std::uint16_t command) noexcept {
  const CommandInfo* c = command_info(command);
  return c != nullptr ? c->name : std::string_view("unknown_command");
}

std::string_view end_code_name(std::uint16_t end_code) noexcept {
  if (end_code == 0) return "normal";
  const EndCodeInfo* e = end_code_info(end_code);
  return e != nullptr ? e->name : std::string_view("unknown_error");
}

std::string_view area_name(std::uint8_t area) noexcept {
  const AreaInfo* a = area_info(area);
  return a != nullptr ? a->name : std::string_view("unknown_area");
}

std::string_view tcp_error_name(std::uint32_t error) noexcept {
  // W421 §6 FINS/TCP error codes.
  switch (error) {
    case 0x00: return "normal";
    case 0x01: return "header_not_fins";
    case 0x02: return "data_length_too_long";
    case 0x03: return "command_not_supported";
    case 0x20: return "all_connections_in_use";
    case 0x21: return "node_already_connected";
    case 0x22: return "protected_node_from_unspecified_ip";
    case 0x23: return "client_node_address_out_of_range";
    case 0x24: return "same_node_address_client_and_server";
    case 0x25: return "all_node_addresses_in_use";
    default: return "unknown_error";
  }
}

bool probe_udp(Bytes v, Direction dir) noexcept {
  if (v.size() < kMinCommand || v.size() > kMaxFrame) return false;
  auto f = parse_frame(v);
  if (!f || !plausible_header(f->header)) return false;
  if (f->header.is_response() != (dir == Direction::to_client)) return false;
  if (f->header.is_response() && v.size() < kMinResponse) return false;
  return command_info(f->command()) != nullptr;
}

bool probe_tcp(Bytes v, Direction dir) noexcept {
  auto h = parse_tcp_header(v);
  if (!h || h->error > 0xFF) return false;
  const std::size_t total = 8 + static_cast<std::size_t>(h->length);
  if (v.size() < total) return false;
  switch (h->command) {
    case 0: return dir == Direction::to_server && h->length == 12;
    case 1: return dir == Direction::to_client && h->length == 16;
    case 2: return probe_udp(v.subspan(kTcpHeaderSize, total - kTcpHeaderSize), dir);
    default: return false;
  }
}

void on_datagram(const DecodedPacket& /*pkt*/, Bytes payload, Sink& sink) noexcept {
  Session session(false);
  session.frame(payload, sink);
}

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<FinsStream>(); }

}  // namespace mieruka::dissectors::fins
