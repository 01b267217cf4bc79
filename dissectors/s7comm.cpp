// S7comm over ISO-on-TCP (see s7comm.hpp for what this emits).
#include "s7comm.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pending_table.hpp"
#include "stream_framer.hpp"

namespace mieruka::dissectors::s7comm {
namespace {

constexpr std::string_view kRoleSource = "s7comm";
constexpr std::string_view kSzl11Source = "s7_szl_0011";
constexpr std::string_view kSzl1cSource = "s7_szl_001c";

// S7 job functions (first parameter byte; Wireshark packet-s7comm.c param_functionnames).
struct FunctionInfo {
  std::uint8_t code;
  std::string_view name;
  bool is_write;
  bool is_control;
};
constexpr FunctionInfo kFunctions[] = {
    {0x00, "cpu_services", false, false},
    {0xF0, "setup_communication", false, false},
    {0x04, "read_var", false, false},
    {0x05, "write_var", true, false},
    {0x1A, "request_download", true, true},
    // The CPU sends these two jobs to the programming device during a download;
    // the control act is the PG's request_download and its PI "_INSE".
    {0x1B, "download_block", false, false},
    {0x1C, "download_ended", false, false},
    {0x1D, "start_upload", false, false},
    {0x1E, "upload", false, false},
    {0x1F, "end_upload", false, false},
    {0x28, "plc_control", true, true},
    {0x29, "plc_stop", true, true},
};
const FunctionInfo* function_info(std::uint8_t code) noexcept {
  for (const auto& f : kFunctions)
    if (f.code == code) return &f;
  return nullptr;
}

// Memory areas of the S7ANY address (Wireshark item_areanames), with the
// operation names for reads and writes of each.
struct AreaInfo {
  std::uint8_t code;
  std::string_view name;
  std::string_view read_op;
  std::string_view write_op;
};
constexpr AreaInfo kAreas[] = {
    {0x03, "system_info", "read_var_system_info", "write_var_system_info"},
    {0x05, "system_flags", "read_var_system_flags", "write_var_system_flags"},
    {0x06, "analog_inputs", "read_var_analog_inputs", "write_var_analog_inputs"},
    {0x07, "analog_outputs", "read_var_analog_outputs", "write_var_analog_outputs"},
    {0x1C, "counter_s7", "read_var_counter", "write_var_counter"},
    {0x1D, "timer_s7", "read_var_timer", "write_var_timer"},
    {0x1E, "counter_iec", "read_var_counter_iec", "write_var_counter_iec"},
    {0x1F, "timer_iec", "read_var_timer_iec", "write_var_timer_iec"},
    {0x80, "direct_peripheral", "read_var_peripheral", "write_var_peripheral"},
    {0x81, "inputs", "read_var_inputs", "write_var_inputs"},
    {0x82, "outputs", "read_var_outputs", "write_var_outputs"},
    {0x83, "flags", "read_var_flags", "write_var_flags"},
    {0x84, "data_block", "read_var_db", "write_var_db"},
    {0x85, "instance_db", "read_var_di", "write_var_di"},
    {0x86, "local", "read_var_local", "write_var_local"},
    {0x87, "previous_local", "read_var_previous_local", "write_var_previous_local"},
};
const AreaInfo* area_info(std::uint8_t code) noexcept {
  for (const auto& a : kAreas)
    if (a.code == code) return &a;
  return nullptr;
}

// Userdata function groups (Wireshark userdata_functiongroup_names).
std::string_view group_name(std::uint8_t group) noexcept {
  switch (group) {
    case 0x0: return "userdata_mode_transition";
    case 0x1: return "userdata_programmer";
    case 0x2: return "userdata_cyclic";
    case 0x3: return "userdata_block";
    case 0x4: return "userdata_cpu";
    case 0x5: return "userdata_security";
    case 0x6: return "userdata_bsend";
    case 0x7: return "userdata_time";
    case 0xF: return "userdata_ncprog";
    default: return "userdata_unknown";
  }
}

// Trims at the first NUL, then trailing spaces (SZL text fields are padded).
std::string text(Bytes b) {
  std::string_view s = as_chars(b);
  if (const auto nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

std::string hex_bytes(Bytes b) {
  std::string out;
  char tmp[3];
  for (std::byte x : b) {
    std::snprintf(tmp, sizeof tmp, "%02x", static_cast<unsigned>(x));
    out += tmp;
  }
  return out;
}

// The called TSAP: the classic two bytes (connection type, rack * 32 + slot), or a
// printable string (S7-1200/1500 "SIMATIC-ROOT-HMI").
std::string tsap_text(Bytes t) {
  if (t.size() == 2) {
    const auto rs = static_cast<unsigned>(t[1]);
    return hex_bytes(t) + " rack=" + std::to_string(rs >> 5) + " slot=" + std::to_string(rs & 0x1F);
  }
  const std::string_view s = as_chars(t);
  const bool printable = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  return printable ? std::string(s) : hex_bytes(t);
}

struct Pending {
  std::uint16_t pdu_ref = 0;
  std::uint8_t function = 0;
};

// TPKT framing (RFC 1006): a 4-byte header whose length counts itself.
constexpr LengthFraming kFraming{.max_frame = kMaxTpkt,
                                 .gap = "s7comm.gap",
                                 .resync = "s7comm.resync",
                                 .truncated = "s7comm.truncated_message",
                                 .over_cap = "s7comm.tpkt_over_cap"};

// One direction's state above the TPKT framing.
struct DirState {
  std::vector<std::byte> cotp;       // DT fragments before EOT
  bool cotp_overflow = false;
  std::vector<std::byte> szl;        // userdata data fragments
  bool szl_active = false;
  std::uint8_t szl_dur = 0;
};

bool known_cotp_code(std::uint8_t code) noexcept {
  switch (code & 0xF0) {
    case 0xE0: case 0xD0: case 0x80: case 0xC0: case 0xF0: case 0x70: return true;
    default: return false;
  }
}

// After a gap a TPKT header is trusted only with version 3, a length within
// bounds and a known COTP code whose length indicator fits.
Resync resync_candidate(Bytes v) noexcept {
  if (static_cast<std::uint8_t>(v[0]) != 3) return Resync::no;
  if (v.size() < 6) return Resync::need_more;
  auto len = parse_tpkt(v);
  if (!len) return Resync::no;
  const auto li = static_cast<std::uint8_t>(v[4]);
  const auto code = static_cast<std::uint8_t>(v[5]);
  if (!known_cotp_code(code) || li + 5U > *len) return Resync::no;
  return Resync::yes;
}

class S7Stream final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override { framer_.on_data(dir, data, *this, sink); }

  void on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept override {
    DirState& s = dirs_[static_cast<std::size_t>(dir)];
    s.cotp.clear();
    s.cotp_overflow = false;
    s.szl.clear();
    s.szl_active = false;
    framer_.on_gap(dir, lost, sink);
  }

  void on_eof(Direction dir, Sink& sink) noexcept override { framer_.on_eof(dir, sink); }

  [[nodiscard]] std::size_t buffered_bytes() const noexcept override {
    std::size_t n = framer_.buffered_bytes();
    for (const auto& s : dirs_) n += s.cotp.size() + s.szl.size();
    return n;
  }

  // The framer's side (stream_framer.hpp).
  static Resync resync(Direction /*dir*/, Bytes v) noexcept { return resync_candidate(v); }
  static FrameSize measure(Direction /*dir*/, Bytes v) noexcept {
    auto len = parse_tpkt(v);
    if (len) return FrameSize::whole(*len);
    if (len.error() == ParseError::need_more) return FrameSize::more();
    if (len.error() == ParseError::limit_exceeded) {
      // Well-formed but above our cap: passed over whole without buffering.
      ByteReader r(v);
      (void)r.skip(2);
      return FrameSize::skip(r.u16_be().value_or(0), "s7comm.tpkt_over_cap");
    }
    return FrameSize::bad("s7comm.bad_tpkt", true);
  }
  void on_frame(Direction dir, Bytes v, Sink& sink) noexcept {
    tpkt(dir, dirs_[static_cast<std::size_t>(dir)], v.subspan(kTpktHeaderSize), sink);
  }

 private:
  // Called with the first S7 or S7+ PDU, not at the COTP connection request:
  // ISO transport on port 102 also carries IEC 61850 MMS and ICCP, so only an
  // S7 PDU makes the two ends S7 peers (and the TSAP the CR named an S7 one).
  void roles(Direction dir, Sink& sink) noexcept {
    if (roles_done_) return;
    roles_done_ = true;
    const bool client_sends = dir == Direction::to_server;
    const AssetRef server = client_sends ? AssetRef::receiver_party() : AssetRef::sender_party();
    sink.fact({client_sends ? AssetRef::sender_party() : AssetRef::receiver_party(), field::role, "s7comm_client",
               kRoleSource});
    sink.fact({server, field::role, "s7comm_server", kRoleSource});
    if (!called_tsap_.empty()) sink.fact({server, "s7_tsap", std::move(called_tsap_), kRoleSource});
    called_tsap_.clear();
  }

  void tpkt(Direction dir, DirState& s, Bytes body, Sink& sink) noexcept {
    auto c = parse_cotp(body);
    if (!c) {
      sink.violation("s7comm.bad_cotp");
      return;
    }
    switch (c->code & 0xF0) {
      case 0xE0:  // CR: the client names the TSAP it calls (rack/slot of the CPU), stated with the roles
        if (!roles_done_ && dir == Direction::to_server && !c->called_tsap.empty())
          called_tsap_ = tsap_text(c->called_tsap);
        return;
      case 0xD0:  // CC
        return;
      case 0xF0:
        break;
      case 0x70:
        sink.anomaly("s7comm.cotp_error");
        return;
      default:  // DR, DC and the class 1-4 TPDUs carry nothing we use
        return;
    }
    if (!c->eot || !s.cotp.empty() || s.cotp_overflow) {
      if (!s.cotp_overflow) {
        if (s.cotp.size() + c->payload.size() > kMaxCotpReassembly) {
          sink.anomaly("s7comm.cotp_reassembly_over_cap");
          s.cotp.clear();
          s.cotp_overflow = true;
        } else {
          s.cotp.insert(s.cotp.end(), c->payload.begin(), c->payload.end());
        }
      }
      if (!c->eot) return;
      if (s.cotp_overflow) {
        s.cotp_overflow = false;
        return;
      }
      std::vector<std::byte> whole;
      whole.swap(s.cotp);
      user_data(dir, s, Bytes(whole.data(), whole.size()), sink);
      return;
    }
    user_data(dir, s, c->payload, sink);
  }

  void user_data(Direction dir, DirState& s, Bytes v, Sink& sink) noexcept {
    if (v.empty()) return;
    const auto id = static_cast<std::uint8_t>(v[0]);
    if (id == kProtocolIdPlus) {
      roles(dir, sink);
      sink.operation({"s7comm_plus", "pdu", 0x72, false, false, false, 0, 0, false});
      return;
    }
    auto p = parse_pdu(v);
    if (!p) {
      // Not 0x32 nor 0x72: ISO transport carrying another protocol (MMS, ICCP).
      if (id != kProtocolId) {
        sink.violation("s7comm.unknown_protocol_id");
        return;
      }
      sink.anomaly(p.error() == ParseError::unsupported ? "s7comm.unknown_rosctr" : "s7comm.bad_pdu");
      return;
    }
    roles(dir, sink);
    const std::size_t declared =
        (p->header.rosctr == 2 || p->header.rosctr == 3 ? 12U : 10U) + p->param.size() + p->data.size();
    if (declared != v.size()) sink.anomaly("s7comm.length_mismatch");
    switch (p->header.rosctr) {
      case 1: job(*p, sink); return;
      case 2:
      case 3: ack(*p, sink); return;
      case 7: userdata(dir, s, *p, sink); return;
      default: return;
    }
  }

  // A PDU reference reused before its ack replaces the job it named.
  void remember(std::uint16_t ref, std::uint8_t function, Sink& sink) noexcept {
    bool overflow = false;
    Pending& slot = pending_.slot([ref](const Pending& e) { return e.pdu_ref == ref; }, overflow);
    if (overflow) sink.anomaly("s7comm.pending_overflow");
    slot = {ref, function};
  }

  // The function of the job `ref` names, which is then no longer pending.
  std::optional<std::uint8_t> take_pending(std::uint16_t ref) noexcept {
    Pending* e = pending_.find([ref](const Pending& x) { return x.pdu_ref == ref; });
    if (e == nullptr) return std::nullopt;
    const std::uint8_t function = e->function;
    pending_.erase(*e);
    return function;
  }

  void job(const Pdu& p, Sink& sink) noexcept {
    ByteReader r(p.param);
    auto fn = r.u8();
    if (!fn) {
      sink.anomaly("s7comm.empty_job");
      return;
    }
    remember(p.header.pdu_ref, *fn, sink);
    const FunctionInfo* f = function_info(*fn);
    if (f == nullptr) {
      sink.anomaly("s7comm.unknown_function");
      sink.operation({"s7comm", "unknown_function", *fn, false, false, false, 0, 0, false});
      return;
    }
    if (*fn == 0x04 || *fn == 0x05) {
      var_items(*f, r, sink);
      return;
    }
    Operation op{"s7comm", f->name, *fn, f->is_write, f->is_control, false, 0, 0, false};
    if (*fn == 0x28) op.name = pi_service_name(r);
    sink.operation(op);
  }

  // Wireshark s7comm_decode_pi_service: 7 unknown bytes, parameter block length (2),
  // parameter block, service name length (1), service name ("_INSE", "_DELE",
  // "P_PROGRAM" = start, "_GARB" = compress, "_MODU" = copy RAM to ROM).
  static std::string_view pi_service_name(ByteReader r) noexcept {
    if (!r.skip(7)) return "plc_control";
    auto plen = r.u16_be();
    if (!plen || !r.skip(*plen)) return "plc_control";
    auto slen = r.u8();
    if (!slen) return "plc_control";
    auto name = r.take(*slen);
    if (!name) return "plc_control";
    const std::string_view n = as_chars(*name);
    if (n == "P_PROGRAM") return "plc_start";
    if (n == "_INSE") return "plc_insert_block";
    if (n == "_DELE") return "plc_delete_block";
    if (n == "_GARB") return "plc_compress";
    if (n == "_MODU") return "plc_copy_ram_to_rom";
    return "plc_control";
  }

  // Read/write var parameters: item count, then items of variable specification
  // 0x12, length, syntax id and (for S7ANY) transport size, count, DB, area, address.
  void var_items(const FunctionInfo& f, ByteReader r, Sink& sink) noexcept {
    auto count = r.u8();
    if (!count) {
      sink.anomaly("s7comm.bad_var_items");
      return;
    }
    if (*count > kMaxItems) {
      sink.anomaly("s7comm.item_count_over_cap");
      return;
    }
    for (std::size_t i = 0; i < *count; ++i) {
      auto spec = r.u8();
      auto len = r.u8();
      if (!spec || !len) {
        sink.anomaly("s7comm.item_count_beyond_data");
        return;
      }
      auto body = r.sub(*len);
      if (*spec != 0x12 || !body) {
        sink.anomaly("s7comm.bad_var_item");
        return;
      }
      auto syntax = body->u8();
      Operation op{"s7comm", f.name, f.code, f.is_write, false, false, 0, 0, false};
      if (syntax && *syntax == 0x10) {  // S7ANY
        auto ts = body->u8();
        auto n = body->u16_be();
        auto db = body->u16_be();
        auto area = body->u8();
        auto addr = body->u24_be();
        if (!ts || !n || !db || !area || !addr) {
          sink.anomaly("s7comm.bad_var_item");
          return;
        }
        if (const AreaInfo* a = area_info(*area)) op.name = f.is_write ? a->write_op : a->read_op;
        op.range_start = *addr >> 3;
        op.range_count = *n;
        op.is_range = true;
      }
      sink.operation(op);
    }
  }

  void ack(const Pdu& p, Sink& sink) noexcept {
    const std::optional<std::uint8_t> job = take_pending(p.header.pdu_ref);
    const std::uint8_t fn = job ? *job : (p.param.empty() ? 0 : static_cast<std::uint8_t>(p.param[0]));
    if (!job) sink.anomaly("s7comm.unpaired_ack");
    if (p.header.error_class != 0) {
      const FunctionInfo* f = function_info(fn);
      sink.operation({"s7comm", f != nullptr ? f->name : std::string_view("unknown_function"), fn, false, false, true,
                      0, 0, false});
      return;
    }
    if (fn == 0xF0) {  // setup communication: reserved, AmQ calling, AmQ called, PDU size
      ByteReader r(p.param);
      if (r.skip(4)) {
        auto pdu = r.u16_be();
        auto pdu2 = r.u16_be();
        if (pdu && pdu2) sink.fact({AssetRef::sender_party(), "s7_pdu_size", std::to_string(*pdu2), kRoleSource});
        else sink.anomaly("s7comm.bad_setup_communication");
      }
      return;
    }
    if (fn == 0x04 || fn == 0x05) {  // return code per item: 0xFF success
      ByteReader r(p.data);
      if (fn == 0x05) {
        while (auto rc = r.u8())
          if (*rc != 0xFF) {
            // A failed item wrote nothing: the job already counted the write.
            sink.operation({"s7comm", "write_var", fn, false, false, true, 0, 0, false});
            return;
          }
        return;
      }
      auto rc = r.u8();
      if (rc && *rc != 0xFF) sink.operation({"s7comm", "read_var", fn, false, false, true, 0, 0, false});
    }
  }

  // Userdata parameter (Wireshark s7comm_decode_param_item userdata): head 00 01 12,
  // length (4 or 8), method, type (high nibble) / group (low), subfunction,
  // sequence number; with length 8 also data unit reference, last data unit,
  // error code. Data: return code, transport size, length, bytes.
  void userdata(Direction dir, DirState& s, const Pdu& p, Sink& sink) noexcept {
    ByteReader r(p.param);
    auto head = r.take(3);
    auto plen = r.u8();
    auto method = r.u8();
    auto tg = r.u8();
    auto sub = r.u8();
    auto seq = r.u8();
    if (!head || !plen || !method || !tg || !sub || !seq || (*plen != 4 && *plen != 8)) {
      sink.anomaly("s7comm.bad_userdata_param");
      return;
    }
    (void)dir;
    std::uint8_t dur = 0, last = 0;
    if (*plen == 8) {
      auto d = r.u8();
      auto l = r.u8();
      auto err = r.u16_be();
      if (!d || !l || !err) {
        sink.anomaly("s7comm.bad_userdata_param");
        return;
      }
      dur = *d;
      last = *l;
    }
    const std::uint8_t type = *tg >> 4;
    const std::uint8_t group = *tg & 0x0F;
    ByteReader d(p.data);
    auto rc = d.u8();
    auto ts = d.u8();
    auto dlen = d.u16_be();
    Bytes payload{};
    if (rc && ts && dlen) {
      auto b = d.take(*dlen);
      if (!b) {
        sink.anomaly("s7comm.userdata_length_beyond_data");
        return;
      }
      payload = *b;
    }
    if (type == 0x4) {  // request
      if (group == 0x4 && *sub == 0x01) {
        sink.operation({"s7comm", "szl_read", 0x0401, false, false, false, 0, 0, false});
        return;
      }
      const bool password = group == 0x5 && *sub == 0x01;
      sink.operation({"s7comm", password ? std::string_view("password") : group_name(group),
                      static_cast<std::uint32_t>((group << 8) | *sub), false, password, false, 0, 0, false});
      return;
    }
    if (type != 0x8 || group != 0x4 || *sub != 0x01) return;
    if (!rc || *rc != 0xFF) {
      if (s.szl_active && dur == s.szl_dur) s.szl_active = false;
      if (rc && *rc != 0x0A) sink.operation({"s7comm", "szl_read", 0x0401, false, false, true, 0, 0, false});
      return;
    }
    // An answer split over several PDUs: the first carries the SZL header, the
    // following ones (same data unit reference) continue the records.
    if (s.szl_active && dur == s.szl_dur) {
      if (s.szl.size() + payload.size() > kMaxSzlReassembly) {
        sink.anomaly("s7comm.szl_reassembly_over_cap");
        s.szl.clear();
        s.szl_active = false;
        return;
      }
      s.szl.insert(s.szl.end(), payload.begin(), payload.end());
      if (last != 0) return;
      std::vector<std::byte> whole;
      whole.swap(s.szl);
      s.szl_active = false;
      szl(Bytes(whole.data(), whole.size()), true, sink);
      return;
    }
    if (last != 0 && *plen == 8) {
      s.szl.assign(payload.begin(), payload.end());
      s.szl_active = true;
      s.szl_dur = dur;
      return;
    }
    szl(payload, false, sink);
  }

  // SZL answer: id, index, record length, record count, records.
  void szl(Bytes v, bool reassembled, Sink& sink) noexcept {
    (void)reassembled;
    ByteReader r(v);
    auto id = r.u16_be();
    auto index = r.u16_be();
    auto rec_len = r.u16_be();
    auto count = r.u16_be();
    if (!id || !index || !rec_len || !count) {
      sink.anomaly("s7comm.bad_szl");
      return;
    }
    if (*rec_len == 0) {
      if (*count != 0) sink.anomaly("s7comm.bad_szl");
      return;
    }
    // SZL-ID W#16#0Fxx asks for the list header only: a count with no records.
    if ((*id >> 8) == 0x0F) return;
    std::size_t n = *count;
    if (static_cast<std::size_t>(*rec_len) * n > r.remaining()) {
      sink.anomaly("s7comm.szl_count_beyond_data");
      n = r.remaining() / *rec_len;
    }
    const auto list = static_cast<std::uint8_t>(*id & 0xFF);
    bool identity = false;
    for (std::size_t i = 0; i < n; ++i) {
      auto rec = r.sub(*rec_len);
      if (!rec) break;
      if (list == 0x11 && *rec_len >= 28) identity |= module_record(*rec, sink);
      else if (list == 0x1C && *rec_len >= 34) identity |= component_record(*rec, sink);
    }
    if (identity) {
      const std::string_view src = list == 0x11 ? kSzl11Source : kSzl1cSource;
      sink.fact_view(AssetRef::sender_party(), field::vendor, kVendor, src);
      sink.fact({AssetRef::sender_party(), field::class_hint, "plc", src});
    }
  }

  // SZL 0x0011 record (S7-300/400 System Software manual, SSL-ID W#16#xy11): index,
  // MLFB (20 chars), BGTyp, Ausbg, Ausbe. Index 1 = module, 6 = basic hardware,
  // 7 = basic firmware ("V" and major in Ausbg, minor and patch in Ausbe).
  static bool module_record(ByteReader r, Sink& sink) noexcept {
    auto index = r.u16_be();
    auto mlfb = r.take(20);
    auto bgtyp = r.u16_be();
    auto ausbg = r.u16_be();
    auto ausbe = r.u16_be();
    if (!index || !mlfb || !bgtyp || !ausbg || !ausbe) return false;
    if (*index == 0x0001) {
      std::string product = text(*mlfb);
      if (product.empty()) return false;
      sink.fact({AssetRef::sender_party(), field::product, std::move(product), kSzl11Source});
      return true;
    }
    if (*index == 0x0007 && (*ausbg >> 8) == 'V') {
      char rev[24];
      std::snprintf(rev, sizeof rev, "V%u.%u.%u", static_cast<unsigned>(*ausbg & 0xFF),
                    static_cast<unsigned>(*ausbe >> 8), static_cast<unsigned>(*ausbe & 0xFF));
      sink.fact({AssetRef::sender_party(), field::revision, rev, kSzl11Source});
      return true;
    }
    return false;
  }

  // SZL 0x001C record: index and 32 bytes of text (trailing reserved bytes NUL).
  static bool component_record(ByteReader r, Sink& sink) noexcept {
    auto index = r.u16_be();
    auto body = r.take(32);
    if (!index || !body) return false;
    std::string_view f;
    switch (*index) {
      case 0x0001: f = field::name; break;
      case 0x0002: f = "s7_module_name"; break;
      case 0x0003: f = "s7_plant_id"; break;
      case 0x0004: f = "s7_copyright"; break;
      case 0x0005: f = field::serial; break;
      case 0x0007: f = field::model; break;
      case 0x0008: f = "s7_memory_card_serial"; break;
      default: return false;
    }
    std::string value = text(*body);
    if (value.empty()) return false;
    sink.fact({AssetRef::sender_party(), f, std::move(value), kSzl1cSource});
    return true;
  }

  std::array<DirState, 2> dirs_{};
  LengthFramer framer_{kFraming};
  PendingTable<Pending, kMaxPending> pending_;
  bool roles_done_ = false;
  std::string called_tsap_;  // from the CR, until an S7 PDU confirms the peers
};

}  // namespace

Result<std::uint16_t> parse_tpkt(Bytes bytes) noexcept {
  ByteReader r(bytes);
  auto version = r.u8();
  auto reserved = r.u8();
  auto length = r.u16_be();
  if (!version || !reserved || !length) return ParseError::need_more;
  if (*version != 3 || *length < kMinTpkt) return ParseError::malformed;
  if (*length > kMaxTpkt) return ParseError::limit_exceeded;
  return *length;
}

Result<Cotp> parse_cotp(Bytes bytes) noexcept {
  ByteReader r(bytes);
  auto li = r.u8();
  if (!li || *li == 0) return ParseError::malformed;
  auto hdr = r.sub(*li);
  if (!hdr) return ParseError::malformed;
  Cotp c;
  c.code = hdr->u8().value_or(0);
  switch (c.code & 0xF0) {
    case 0xF0: {  // DT class 0: TPDU-NR and EOT
      auto nr = hdr->u8();
      if (!nr) return ParseError::malformed;
      c.eot = (*nr & 0x80) != 0;
      c.payload = r.take_rest();
      return c;
    }
    case 0xE0:
    case 0xD0: {  // CR / CC: dst ref, src ref, class, then parameters (code, length, value)
      if (!hdr->skip(5)) return ParseError::malformed;
      while (!hdr->empty()) {
        auto code = hdr->u8();
        auto len = hdr->u8();
        if (!code || !len) return ParseError::malformed;
        auto value = hdr->take(*len);
        if (!value) return ParseError::malformed;
        if (*code == 0xC1) c.calling_tsap = *value;
        else if (*code == 0xC2) c.called_tsap = *value;
        else if (*code == 0xC0 && !value->empty()) c.tpdu_size = static_cast<std::uint8_t>((*value)[0]);
      }
      c.payload = r.take_rest();
      return c;
    }
    default:
      c.payload = r.take_rest();
      return c;
  }
}

Result<Pdu> parse_pdu(Bytes bytes) noexcept {
  ByteReader r(bytes);
  auto id = r.u8();
  auto rosctr = r.u8();
  auto redundancy = r.u16_be();
  auto ref = r.u16_be();
  auto plen = r.u16_be();
  auto dlen = r.u16_be();
  if (!id || !rosctr || !redundancy || !ref || !plen || !dlen || *id != kProtocolId) return ParseError::malformed;
  Pdu p;
  p.header.rosctr = *rosctr;
  p.header.pdu_ref = *ref;
  p.header.param_length = *plen;
  p.header.data_length = *dlen;
  switch (*rosctr) {
    case 1:
    case 7:
      break;
    case 2:
    case 3: {
      auto ec = r.u8();
      auto code = r.u8();
      if (!ec || !code) return ParseError::malformed;
      p.header.error_class = *ec;
      p.header.error_code = *code;
      break;
    }
    default:
      return ParseError::unsupported;
  }
  auto param = r.take(*plen);
  if (!param) return ParseError::malformed;
  auto data = r.take(*dlen);
  if (!data) return ParseError::malformed;
  p.param = *param;
  p.data = *data;
  return p;
}

std::string_view function_name(std::uint8_t function) noexcept {
  const FunctionInfo* f = function_info(function);
  return f != nullptr ? f->name : std::string_view("unknown_function");
}

std::string_view area_name(std::uint8_t area) noexcept {
  const AreaInfo* a = area_info(area);
  return a != nullptr ? a->name : std::string_view("unknown_area");
}

bool probe(Bytes v, Direction dir) noexcept {
  auto len = parse_tpkt(v);
  if (!len || v.size() < *len) return false;
  auto c = parse_cotp(v.subspan(kTpktHeaderSize, *len - kTpktHeaderSize));
  if (!c) return false;
  switch (c->code & 0xF0) {
    case 0xE0: return dir == Direction::to_server && (c->code & 0x0F) == 0 && !c->called_tsap.empty();
    case 0xD0: return dir == Direction::to_client && !c->called_tsap.empty();
    case 0xF0: {
      if (c->payload.empty()) return false;
      const auto id = static_cast<std::uint8_t>(c->payload[0]);
      if (id == kProtocolIdPlus) return c->payload.size() >= 4;
      return parse_pdu(c->payload).ok();
    }
    default: return false;
  }
}

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<S7Stream>(); }

}  // namespace mieruka::dissectors::s7comm
