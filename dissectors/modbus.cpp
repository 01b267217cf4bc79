// Modbus/TCP parsing and the per-connection stream parser (see modbus.hpp).
// Section numbers: Modbus Application Protocol Specification v1.1b3 ("AP") and
// Modbus Messaging on TCP/IP Implementation Guide v1.0b ("IG").
#include "modbus.hpp"

#include <array>
#include <bitset>
#include <string>

#include "pending_table.hpp"
#include "stream_framer.hpp"

namespace mieruka::dissectors::modbus {
namespace {

constexpr std::string_view kProtocol = "modbus";
constexpr std::string_view kRoleSource = "modbus";
constexpr std::string_view kDeviceIdSource = "modbus_device_id";
constexpr std::uint8_t kExceptionBit = 0x80;
constexpr std::uint8_t kMeiCanopen = 13;
constexpr std::uint8_t kMeiDeviceId = 14;
constexpr std::uint8_t kUmas = 0x5A;

// Field names for 43/14 objects outside 0-6 ("modbus_object_<hex>"), built at
// compile time so Fact::field can point at them.
struct ObjectFieldNames {
  std::array<std::array<char, 16>, 256> names{};
  constexpr ObjectFieldNames() {
    constexpr char kPrefix[] = "modbus_object_";
    constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t id = 0; id < 256; ++id) {
      for (std::size_t i = 0; i < 14; ++i) names[id][i] = kPrefix[i];
      names[id][14] = kHex[id >> 4];
      names[id][15] = kHex[id & 0xf];
    }
  }
};
constexpr ObjectFieldNames kObjectFieldNames{};

std::string_view object_field(std::uint8_t id) noexcept {
  // AP §6.21 Table: 0 VendorName, 1 ProductCode, 2 MajorMinorRevision (basic);
  // 3 VendorUrl, 4 ProductName, 5 ModelName, 6 UserApplicationName (regular).
  switch (id) {
    case 0: return field::vendor;
    case 1: return field::product_code;
    case 2: return field::revision;
    case 3: return "vendor_url";
    case 4: return field::product;
    case 5: return field::model;
    case 6: return "user_application_name";
    default: return {kObjectFieldNames.names[id].data(), 16};
  }
}

bool is_printable(Bytes b) noexcept {
  if (b.empty()) return false;
  for (auto c : b) {
    const auto v = static_cast<std::uint8_t>(c);
    if (v < 0x20 || v > 0x7e) return false;
  }
  return true;
}

std::string to_hex(Bytes b) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    const auto v = static_cast<std::uint8_t>(c);
    s.push_back(kHex[v >> 4]);
    s.push_back(kHex[v & 0xf]);
  }
  return s;
}

std::string text_or_hex(Bytes b) {
  if (is_printable(b)) return std::string(as_chars(b));
  return to_hex(b);
}

bool is_user_defined(std::uint8_t fc) noexcept {
  // AP §5.1: user defined function codes 65-72 and 100-110.
  return (fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110);
}

// --- request/response bodies (AP §6) ------------------------------------------

[[nodiscard]] bool read_address_quantity(ByteReader& r, ModbusPdu& p) noexcept {
  auto a = r.u16_be();
  auto q = r.u16_be();
  if (!a || !q) return false;
  p.address = *a;
  p.quantity = *q;
  p.has_range = true;
  return true;
}

// A byte count then that many bytes.
[[nodiscard]] bool read_counted(ByteReader& r, ModbusPdu& p) noexcept {
  auto n = r.u8();
  if (!n) return false;
  auto d = r.take(*n);
  if (!d) return false;
  p.byte_count = *n;
  p.data = *d;
  return true;
}

// AP §6.21, 43/14 response: conformity level, more follows, next object id, number
// of objects, then {object id, object length, value} per object.
[[nodiscard]] bool read_device_id_response(ByteReader& r, DeviceIdentification& d) noexcept {
  auto code = r.u8();
  auto conformity = r.u8();
  auto more = r.u8();
  auto next = r.u8();
  auto count = r.u8();
  if (!code || !conformity || !more || !next || !count) return false;
  d.read_device_id_code = *code;
  d.conformity_level = *conformity;
  d.more_follows_raw = *more;
  d.more_follows = *more == 0xFF;
  d.next_object_id = *next;
  d.number_of_objects = *count;
  std::size_t want = *count;
  if (want > kMaxDeviceIdObjects) want = kMaxDeviceIdObjects;
  d.objects = DeviceIdObjects::read(r.rest(), want, d.objects_truncated);  // a cut object is left out
  return true;
}

[[nodiscard]] bool parse_request_body(ByteReader& r, ModbusPdu& p) noexcept {
  switch (p.function_code) {
    case 1: case 2: case 3: case 4:  // AP §6.1-6.4: starting address, quantity
      return read_address_quantity(r, p);
    case 5: case 6: {  // AP §6.5/6.6: output address, output value
      auto a = r.u16_be();
      auto v = r.u16_be();
      if (!a || !v) return false;
      p.address = *a;
      p.quantity = 1;
      p.has_range = true;
      p.value = *v;
      return true;
    }
    case 7: case 11: case 12: case 17:  // AP §6.7, 6.9, 6.10, 6.13: no data
      return true;
    case 8: {  // AP §6.8: sub-function, data
      auto sf = r.u16_be();
      if (!sf) return false;
      p.sub_function = *sf;
      p.data = r.rest();
      if (auto v = r.u16_be()) p.value = *v;
      return true;
    }
    case 15: case 16:  // AP §6.11/6.12: address, quantity, byte count, values
      return read_address_quantity(r, p) && read_counted(r, p);
    case 20: case 21:  // AP §6.14/6.15: byte count, sub-requests
      return read_counted(r, p);
    case 22: {  // AP §6.16: reference address, AND mask, OR mask
      auto a = r.u16_be();
      auto am = r.u16_be();
      auto om = r.u16_be();
      if (!a || !am || !om) return false;
      p.address = *a;
      p.quantity = 1;
      p.has_range = true;
      p.and_mask = *am;
      p.or_mask = *om;
      return true;
    }
    case 23: {  // AP §6.17: read address/quantity, write address/quantity, byte count, values
      if (!read_address_quantity(r, p)) return false;
      auto wa = r.u16_be();
      auto wq = r.u16_be();
      if (!wa || !wq) return false;
      p.write_address = *wa;
      p.write_quantity = *wq;
      return read_counted(r, p);
    }
    case 24: {  // AP §6.18: FIFO pointer address
      auto a = r.u16_be();
      if (!a) return false;
      p.address = *a;
      p.quantity = 1;
      p.has_range = true;
      return true;
    }
    case 43: {  // AP §6.19-6.21: MEI type, then 13 CANopen data or 14 code + object id
      auto mei = r.u8();
      if (!mei) return false;
      p.sub_function = *mei;
      if (*mei != kMeiDeviceId) {
        p.data = r.rest();
        return true;
      }
      auto code = r.u8();
      auto obj = r.u8();
      if (!code || !obj) return false;
      DeviceIdentification d;
      d.read_device_id_code = *code;
      d.object_id = *obj;
      p.device_id = std::move(d);
      return true;
    }
    case kUmas: {  // Schneider UMAS: pairing key, UMAS function code, data
      auto key = r.u8();
      auto umas = r.u8();
      if (!key || !umas) return false;
      p.sub_function = *umas;
      p.data = r.rest();
      return true;
    }
    default:
      p.data = r.rest();
      return true;
  }
}

[[nodiscard]] bool parse_response_body(ByteReader& r, ModbusPdu& p) noexcept {
  switch (p.function_code) {
    case 1: case 2: case 3: case 4: case 12: case 23:  // byte count, data
      return read_counted(r, p);
    case 5: case 6: {  // echo of the request
      auto a = r.u16_be();
      auto v = r.u16_be();
      if (!a || !v) return false;
      p.address = *a;
      p.quantity = 1;
      p.has_range = true;
      p.value = *v;
      return true;
    }
    case 7: {  // AP §6.7: output data
      auto v = r.u8();
      if (!v) return false;
      p.value = *v;
      return true;
    }
    case 8: {  // AP §6.8: sub-function, data
      auto sf = r.u16_be();
      if (!sf) return false;
      p.sub_function = *sf;
      p.data = r.rest();
      if (auto v = r.u16_be()) p.value = *v;
      return true;
    }
    case 11: {  // AP §6.9: status, event count
      auto st = r.u16_be();
      auto ev = r.u16_be();
      if (!st || !ev) return false;
      p.value = *ev;
      return true;
    }
    case 15: case 16:  // AP §6.11/6.12: address, quantity
      return read_address_quantity(r, p);
    case 17: {  // AP §6.13: byte count, server id, run indicator status
      if (!read_counted(r, p)) return false;
      ServerId s;
      if (!p.data.empty()) {
        s.server_id = p.data.first(p.data.size() - 1);
        s.run_indicator = static_cast<std::uint8_t>(p.data.back());
      }
      p.server_id = s;
      return true;
    }
    case 20: case 21:  // AP §6.14/6.15: data length, sub-responses
      return read_counted(r, p);
    case 22: {
      auto a = r.u16_be();
      auto am = r.u16_be();
      auto om = r.u16_be();
      if (!a || !am || !om) return false;
      p.address = *a;
      p.quantity = 1;
      p.has_range = true;
      p.and_mask = *am;
      p.or_mask = *om;
      return true;
    }
    case 24: {  // AP §6.18: byte count (2 bytes), FIFO count, values
      auto bc = r.u16_be();
      if (!bc) return false;
      auto body = r.take(*bc);
      if (!body) return false;
      ByteReader b(*body);
      auto n = b.u16_be();
      if (!n) return false;
      p.value = *n;
      p.data = b.rest();
      return true;
    }
    case 43: {
      auto mei = r.u8();
      if (!mei) return false;
      p.sub_function = *mei;
      if (*mei != kMeiDeviceId) {
        p.data = r.rest();
        return true;
      }
      DeviceIdentification d;
      if (!read_device_id_response(r, d)) return false;
      p.device_id = std::move(d);
      return true;
    }
    case kUmas: {  // pairing key, status (0xFE ok, 0xFD error), data
      auto key = r.u8();
      auto status = r.u8();
      if (!key || !status) return false;
      p.sub_function = *status;
      p.data = r.rest();
      return true;
    }
    default:
      p.data = r.rest();
      return true;
  }
}

// Minimal Length field (unit id + PDU) of a request with a fixed layout, 0 if the
// request has variable length. Used by probe() only.
std::uint16_t fixed_request_length(std::uint8_t fc) noexcept {
  switch (fc) {
    case 1: case 2: case 3: case 4: case 5: case 6: return 6;
    case 7: case 11: case 12: case 17: return 2;
    case 22: return 8;
    case 24: return 4;
    default: return 0;
  }
}

// A header at the start of `b` that we would trust after losing sync: protocol id 0,
// Length 2..254, a known function code (exception bit only on responses, with a
// Length of 3).
bool plausible_header(Bytes b, Direction dir) noexcept {
  ByteReader r(b);
  if (!r.skip(2)) return false;
  auto proto = r.u16_be();
  auto len = r.u16_be();
  auto unit = r.u8();
  auto fc = r.u8();
  if (!proto || !len || !unit || !fc) return false;
  if (*proto != 0 || *len < kMinLength || *len > kMaxLength) return false;
  const auto f = static_cast<std::uint8_t>(*fc & ~kExceptionBit);
  if (f == 0 || !is_known_function(f)) return false;
  if ((*fc & kExceptionBit) != 0) return dir == Direction::to_client && *len == 3;
  return true;
}

}  // namespace

std::string_view function_name(std::uint8_t fc, std::uint16_t mei) noexcept {
  switch (fc & 0x7F) {
    case 1: return "read_coils";
    case 2: return "read_discrete_inputs";
    case 3: return "read_holding_registers";
    case 4: return "read_input_registers";
    case 5: return "write_single_coil";
    case 6: return "write_single_register";
    case 7: return "read_exception_status";
    case 8: return "diagnostics";
    case 11: return "get_comm_event_counter";
    case 12: return "get_comm_event_log";
    case 15: return "write_multiple_coils";
    case 16: return "write_multiple_registers";
    case 17: return "report_server_id";
    case 20: return "read_file_record";
    case 21: return "write_file_record";
    case 22: return "mask_write_register";
    case 23: return "read_write_multiple_registers";
    case 24: return "read_fifo_queue";
    case 43:
      if (mei == kMeiCanopen) return "canopen_general_reference";
      if (mei == kMeiDeviceId) return "read_device_identification";
      return "encapsulated_interface_transport";
    case kUmas: return "umas";
    case 0x5B: return "schneider_0x5b";
    default: break;
  }
  if (is_user_defined(static_cast<std::uint8_t>(fc & 0x7F))) return "user_defined";
  return "unknown_function";
}

FunctionClass classify(std::uint8_t fc) noexcept {
  switch (fc & 0x7F) {
    case 1: case 2: case 3: case 4: case 24: return FunctionClass::read;
    case 5: case 6: case 15: case 16: case 22: case 23: return FunctionClass::write;
    case 7: case 8: case 11: case 12: return FunctionClass::diagnostics;
    case 20: case 21: return FunctionClass::file_record;
    case 17: case 43: return FunctionClass::device_id;
    case kUmas: case 0x5B: return FunctionClass::vendor_specific;
    default: break;
  }
  if (is_user_defined(static_cast<std::uint8_t>(fc & 0x7F))) return FunctionClass::vendor_specific;
  return FunctionClass::other;
}

std::string_view to_string(FunctionClass c) noexcept {
  switch (c) {
    case FunctionClass::read: return "read";
    case FunctionClass::write: return "write";
    case FunctionClass::diagnostics: return "diagnostics";
    case FunctionClass::file_record: return "file_record";
    case FunctionClass::device_id: return "device_id";
    case FunctionClass::vendor_specific: return "vendor_specific";
    case FunctionClass::other: return "other";
  }
  return "other";
}

std::string_view exception_name(std::uint8_t code) noexcept {
  switch (code) {  // AP §7
    case 0x01: return "illegal_function";
    case 0x02: return "illegal_data_address";
    case 0x03: return "illegal_data_value";
    case 0x04: return "server_device_failure";
    case 0x05: return "acknowledge";
    case 0x06: return "server_device_busy";
    case 0x08: return "memory_parity_error";
    case 0x0A: return "gateway_path_unavailable";
    case 0x0B: return "gateway_target_device_failed_to_respond";
    default: return "unknown_exception";
  }
}

std::string_view umas_name(std::uint8_t umas_fc) noexcept {
  // Schneider UMAS function codes (as published by Lemay et al. and in
  // Wireshark's UMAS work; Schneider names the PC->PLC transfer "upload").
  switch (umas_fc) {
    case 0x01: return "umas_init_comm";
    case 0x02: return "umas_read_id";
    case 0x03: return "umas_read_project_info";
    case 0x04: return "umas_read_plc_info";
    case 0x06: return "umas_read_card_info";
    case 0x0A: return "umas_repeat";
    case 0x10: return "umas_take_plc_reservation";
    case 0x11: return "umas_release_plc_reservation";
    case 0x12: return "umas_keep_alive";
    case 0x20: return "umas_read_memory_block";
    case 0x22: return "umas_read_variables";
    case 0x23: return "umas_write_variables";
    case 0x24: return "umas_read_coils_registers";
    case 0x25: return "umas_write_coils_registers";
    case 0x30: return "umas_initialize_upload";
    case 0x31: return "umas_upload_block";
    case 0x32: return "umas_end_strategy_upload";
    case 0x33: return "umas_initialize_download";
    case 0x34: return "umas_download_block";
    case 0x35: return "umas_end_strategy_download";
    case 0x39: return "umas_read_eth_master_data";
    case 0x40: return "umas_start_plc";
    case 0x41: return "umas_stop_plc";
    case 0x50: return "umas_monitor_plc";
    case 0x58: return "umas_check_plc";
    case 0x70: return "umas_read_io_object";
    case 0x71: return "umas_write_io_object";
    case 0x73: return "umas_get_status_module";
    default: return "umas_unknown";
  }
}

bool is_known_function(std::uint8_t fc) noexcept {
  return function_name(fc) != "unknown_function" && (fc & kExceptionBit) == 0;
}

namespace {

// Fills `p` (default-constructed) from one PDU; false when it is malformed. The
// ADU parser fills its own member in place rather than copying a returned PDU.
bool fill_pdu(Bytes pdu, Direction dir, const ModbusPdu* request, ModbusPdu& p) noexcept {
  ByteReader r(pdu);
  auto fc = r.u8();
  if (!fc) return false;
  p.function_code = static_cast<std::uint8_t>(*fc & ~kExceptionBit);
  p.is_response = dir == Direction::to_client;
  p.function_class = classify(p.function_code);
  p.known_function = is_known_function(p.function_code);
  if (request != nullptr) {
    // Interpret the response with the request's addressing (AP §6: responses to
    // reads carry only a byte count and values).
    p.has_range = request->has_range;
    p.address = request->address;
    p.quantity = request->quantity;
    p.write_address = request->write_address;
    p.write_quantity = request->write_quantity;
    p.from_request = true;
    if (p.function_code == 43 || p.function_code == 8) p.sub_function = request->sub_function;
  }
  if ((*fc & kExceptionBit) != 0) {
    if (!p.is_response) return false;  // AP §7: only servers raise exceptions
    auto code = r.u8();
    if (!code) return false;
    p.is_exception = true;
    p.exception_code = *code;
    return true;
  }
  return p.is_response ? parse_response_body(r, p) : parse_request_body(r, p);
}

}  // namespace

Result<ModbusPdu> parse_pdu(Bytes pdu, Direction dir, const ModbusPdu* request) noexcept {
  ModbusPdu p;
  if (!fill_pdu(pdu, dir, request, p)) return ParseError::malformed;
  return p;
}

namespace {

// Fills `a` (default-constructed) from the first ADU of `bytes`: parse_adu()
// without its Result<Adu>. The stream parser fills a local in place, because
// returning the 144-byte Adu copies it out right after the stores that built
// it, and those wide loads stall on store forwarding (perf annotate: a third of
// parse_adu's time).
Result<Ok> fill_adu(Bytes bytes, Direction dir, const ModbusPdu* request, Adu& a) noexcept {
  ByteReader r(bytes);
  auto tid = r.u16_be();
  auto proto = r.u16_be();
  auto len = r.u16_be();
  auto unit = r.u8();
  if (!tid || !proto || !len || !unit) return ParseError::truncated;
  a.mbap = {*tid, *proto, *len, *unit};
  if (*proto != 0) return ParseError::malformed;
  if (*len < kMinLength || *len > kMaxLength) return ParseError::malformed;
  auto pdu = r.take(static_cast<std::size_t>(*len) - 1);
  if (!pdu) return ParseError::truncated;
  if (!fill_pdu(*pdu, dir, request, a.pdu)) return ParseError::malformed;
  a.size = 6 + static_cast<std::size_t>(*len);
  return Ok{};
}

}  // namespace

Result<Adu> parse_adu(Bytes bytes, Direction dir, const ModbusPdu* request) noexcept {
  Adu a;
  if (auto filled = fill_adu(bytes, dir, request, a); !filled) return filled.error();
  return a;
}

bool probe(Bytes first_payload, Direction dir) noexcept {
  if (first_payload.size() < kMbapSize + 1) return false;
  if (!plausible_header(first_payload, dir)) return false;
  ByteReader r(first_payload);
  (void)r.skip(4);
  const std::uint16_t len = r.u16_be().value_or(0);
  (void)r.skip(1);
  const std::uint8_t fc = r.u8().value_or(0);
  const std::size_t total = 6 + static_cast<std::size_t>(len);
  if (first_payload.size() < total) return false;  // a first segment holds a whole ADU
  if (dir == Direction::to_server) {
    const std::uint16_t fixed = fixed_request_length(fc);
    if (fixed != 0 && len != fixed) return false;
  }
  // More ADUs may follow in the same segment: the next header must look right too.
  if (first_payload.size() > total) {
    Bytes next = first_payload.subspan(total);
    if (next.size() >= 4 && (next[2] != std::byte{0} || next[3] != std::byte{0})) return false;
  }
  Adu a;
  return fill_adu(first_payload, dir, nullptr, a).ok();
}

// --- stream parser ---------------------------------------------------------------

namespace {

// A request waiting for its response (IG §3.1.3: the transaction id pairs them).
struct Pending {
  std::uint16_t transaction_id = 0;
  std::uint8_t unit_id = 0;
  std::uint8_t function_code = 0;
  std::uint16_t sub_function = 0;
  bool has_range = false;
  std::uint16_t address = 0, quantity = 0, write_address = 0, write_quantity = 0;
};

// Modbus/TCP framing: an MBAP header (7 bytes) whose length field counts the
// bytes after it; a resync probe needs a header and its function code.
constexpr LengthFraming kFraming{.max_frame = kMaxAduSize,
                                 .probe_bytes = kMbapSize + 1,
                                 .gap = "modbus.gap",
                                 .resync = "modbus.resync",
                                 .truncated = "modbus.truncated_adu",
                                 .over_cap = "modbus.bad_length"};

// After a gap a header is trusted only if it is plausible, its whole ADU parses,
// and a fixed-size request has exactly its size: register data and foreign
// protocols on port 502 (zeek's modbus-and-non-modbus-p502.pcap) otherwise yield
// false headers.
Resync resync_candidate(Bytes v, Direction dir) noexcept {
  if (!plausible_header(v, dir)) return Resync::no;
  const std::size_t len = (std::to_integer<std::size_t>(v[4]) << 8) | std::to_integer<std::size_t>(v[5]);
  if (v.size() < 6 + len) return Resync::need_more;
  const auto fc = std::to_integer<std::uint8_t>(v[7]);
  if (dir == Direction::to_server) {
    const std::uint16_t fixed = fixed_request_length(fc);
    if (fixed != 0 && len != fixed) return Resync::no;
  }
  Adu a;
  return fill_adu(v, dir, nullptr, a).ok() ? Resync::yes : Resync::no;
}

bool umas_is_control(std::uint16_t umas) noexcept {
  // Program transfer both ways (0x30-0x35) and RUN/STOP (0x40, 0x41).
  return (umas >= 0x30 && umas <= 0x35) || umas == 0x40 || umas == 0x41;
}
bool umas_is_write(std::uint16_t umas) noexcept {
  return umas == 0x23 || umas == 0x25 || umas == 0x31 || umas == 0x71;
}

Operation make_operation(const ModbusPdu& p) noexcept {
  Operation op;
  op.protocol = kProtocol;
  op.code = p.function_code;
  op.name = p.function_code == kUmas ? umas_name(static_cast<std::uint8_t>(p.sub_function))
                                     : function_name(p.function_code, p.sub_function);
  switch (p.function_code) {
    case 5: case 6: case 15: case 16: case 21: case 22: case 23: op.is_write = true; break;
    case 8:
      // AP §6.8.1: 0x01 Restart Communications Option, 0x04 Force Listen Only Mode.
      op.is_control = p.sub_function == 0x01 || p.sub_function == 0x04;
      break;
    case kUmas:
      op.is_control = umas_is_control(p.sub_function);
      op.is_write = umas_is_write(p.sub_function);
      break;
    default: break;
  }
  if (p.function_code == 23) {
    op.is_range = true;  // the write part is what changes the process
    op.range_start = p.write_address;
    op.range_count = p.write_quantity;
  } else if (p.has_range) {
    op.is_range = true;
    op.range_start = p.address;
    op.range_count = p.quantity;
  }
  return op;
}

class ModbusStream final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override { framer_.on_data(dir, data, *this, sink); }
  void on_gap(Direction dir, std::size_t lost, Sink& sink) noexcept override { framer_.on_gap(dir, lost, sink); }
  void on_eof(Direction dir, Sink& sink) noexcept override { framer_.on_eof(dir, sink); }
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override { return framer_.buffered_bytes(); }

  // The framer's side (stream_framer.hpp).
  static Resync resync(Direction dir, Bytes v) noexcept { return resync_candidate(v, dir); }
  static FrameSize measure(Direction /*dir*/, Bytes v) noexcept {
    if (v.size() < kMbapSize) return FrameSize::more();
    ByteReader r(v);
    (void)r.skip(2);
    const std::uint16_t proto = r.u16_be().value_or(0);
    const std::uint16_t len = r.u16_be().value_or(0);
    if (proto != 0) return FrameSize::bad("modbus.bad_protocol_id", true);
    if (len < kMinLength || len > kMaxLength) return FrameSize::bad("modbus.bad_length", true);
    return FrameSize::whole(6 + static_cast<std::size_t>(len));
  }
  void on_frame(Direction dir, Bytes adu, Sink& sink) noexcept { handle_adu(dir, adu, sink); }

 private:
  void handle_adu(Direction dir, Bytes adu, Sink& sink) noexcept {
    if (dir == Direction::to_server) {
      handle_request(adu, sink);
    } else {
      handle_response(adu, sink);
    }
  }

  void handle_request(Bytes bytes, Sink& sink) noexcept {
    Adu a;
    if (!fill_adu(bytes, Direction::to_server, nullptr, a)) {
      // The header was valid (frame() checked it): keep the function code so the
      // operation is still counted and the response still pairs.
      sink.anomaly("modbus.malformed_request");
      a = Adu{};
      a.mbap.transaction_id = static_cast<std::uint16_t>((std::to_integer<unsigned>(bytes[0]) << 8) |
                                                         std::to_integer<unsigned>(bytes[1]));
      a.mbap.unit_id = std::to_integer<std::uint8_t>(bytes[6]);
      a.pdu.function_code = static_cast<std::uint8_t>(std::to_integer<unsigned>(bytes[7]) & 0x7F);
      a.pdu.function_class = classify(a.pdu.function_code);
      a.pdu.known_function = is_known_function(a.pdu.function_code);
    }
    const ModbusPdu& p = a.pdu;
    if (!units_requested_.test(a.mbap.unit_id)) {
      units_requested_.set(a.mbap.unit_id);
      ++distinct_units_;
    }
    // The roles once per connection, as the EtherNet/IP session states them:
    // restated on every poll they cost a ledger search per request and say nothing new.
    if (!roles_stated_) {
      roles_stated_ = true;
      sink.fact({AssetRef::sender_party(), field::role, "modbus_client", kRoleSource});
      sink.fact({AssetRef::receiver_party(), field::role, "modbus_server", kRoleSource});
    }
    if (!p.known_function) sink.anomaly("modbus.unknown_function");
    sink.operation(make_operation(p));
    remember(a, sink);
  }

  void remember(const Adu& a, Sink& sink) noexcept {
    const std::uint16_t tid = a.mbap.transaction_id;
    bool overflow = false;
    Pending& slot = pending_.slot([tid](const Pending& e) { return e.transaction_id == tid; }, overflow);  // reused id
    if (overflow) sink.anomaly("modbus.pending_overflow");
    const ModbusPdu& p = a.pdu;
    slot = {tid, a.mbap.unit_id, p.function_code, p.sub_function, p.has_range, p.address, p.quantity,
            p.write_address, p.write_quantity};
  }

  Pending* find_pending(std::uint16_t tid, std::uint8_t fc) noexcept {
    return pending_.find([=](const Pending& e) { return e.transaction_id == tid && e.function_code == fc; });
  }

  void handle_response(Bytes bytes, Sink& sink) noexcept {
    // Header fields (already checked by frame()).
    const auto tid = static_cast<std::uint16_t>((std::to_integer<unsigned>(bytes[0]) << 8) |
                                                std::to_integer<unsigned>(bytes[1]));
    const auto fc = static_cast<std::uint8_t>(std::to_integer<unsigned>(bytes[7]) & 0x7F);
    Pending* pend = find_pending(tid, fc);
    const bool paired = pend != nullptr;
    ModbusPdu req;
    if (paired) {
      req.function_code = pend->function_code;
      req.sub_function = pend->sub_function;
      req.has_range = pend->has_range;
      req.address = pend->address;
      req.quantity = pend->quantity;
      req.write_address = pend->write_address;
      req.write_quantity = pend->write_quantity;
      pending_.erase(*pend);
    } else {
      sink.anomaly("modbus.unpaired_response");
    }
    Adu a;
    if (!fill_adu(bytes, Direction::to_client, paired ? &req : nullptr, a)) {
      sink.anomaly("modbus.malformed_response");
      return;
    }
    const ModbusPdu& p = a.pdu;
    if (p.is_exception) {
      // The exception says the request failed: it names the request's operation
      // (so it counts on the same entry) but is no sighting of a write itself.
      Operation op = make_operation(p);
      op.is_error = true;
      op.is_write = false;
      sink.operation(op);
      // AP §7: 0x0A/0x0B are raised by gateways only.
      if (p.exception_code == 0x0A || p.exception_code == 0x0B)
        sink.fact({AssetRef::sender_party(), field::class_hint, "protocol_gateway", kRoleSource});
      return;
    }
    if (!p.known_function) sink.anomaly("modbus.unknown_function");
    check_against_request(p, paired, sink);
    note_unit(a.mbap.unit_id, sink);
    if (p.device_id) emit_device_id(*p.device_id, sink);
    if (p.server_id) emit_server_id(*p.server_id, sink);
  }

  static void check_against_request(const ModbusPdu& p, bool paired, Sink& sink) noexcept {
    if (!paired) return;
    std::size_t want = 0;
    switch (p.function_code) {
      case 1: case 2: want = (static_cast<std::size_t>(p.quantity) + 7) / 8; break;
      case 3: case 4: want = static_cast<std::size_t>(p.quantity) * 2; break;
      case 23: want = static_cast<std::size_t>(p.quantity) * 2; break;
      default: return;
    }
    if (p.byte_count != want) sink.anomaly("modbus.byte_count_mismatch");
  }

  // Gateway rule (see make_stream_parser in modbus.hpp).
  void note_unit(std::uint8_t unit, Sink& sink) {
    if (unit != 0 && unit != 255) units_answered_.set(unit);
    if (distinct_units_ < 2) return;
    for (std::size_t u = 1; u < 255; ++u) {
      if (!units_answered_.test(u) || units_emitted_.test(u)) continue;
      units_emitted_.set(u);
      sink.fact({AssetRef::sender_party().behind("unit:" + std::to_string(u)), field::role, "modbus_server",
                 kRoleSource});
    }
  }

  static void emit_device_id(const DeviceIdentification& d, Sink& sink) {
    if (d.objects_truncated) sink.anomaly("modbus.object_past_end");
    if (d.objects.size() < d.number_of_objects && !d.objects_truncated) sink.anomaly("modbus.object_count_mismatch");
    bool has_product_name = false;
    for (const auto& o : d.objects)
      if (o.id == 4 && !o.value.empty()) has_product_name = true;
    for (const auto& o : d.objects) {
      if (o.value.empty()) continue;
      // Objects 0-6 are ASCII strings (AP §6.21); others may be binary (then hex).
      if (o.id > 6 && !is_printable(o.value)) {
        sink.fact({AssetRef::sender_party(), object_field(o.id), to_hex(o.value), kDeviceIdSource});
        continue;
      }
      const std::string_view v = as_chars(o.value);
      if (o.id == 5 && !has_product_name) sink.fact_view(AssetRef::sender_party(), field::product, v, kDeviceIdSource);
      sink.fact_view(AssetRef::sender_party(), object_field(o.id), v, kDeviceIdSource);
    }
  }

  static void emit_server_id(const ServerId& s, Sink& sink) {
    if (!s.server_id.empty())
      sink.fact({AssetRef::sender_party(), "modbus_server_id", text_or_hex(s.server_id), kDeviceIdSource});
    if (!s.run_indicator) return;
    std::string run;
    if (*s.run_indicator == 0xFF) {
      run = "on";
    } else if (*s.run_indicator == 0x00) {
      run = "off";
    } else {
      const std::byte b{*s.run_indicator};
      run = "0x" + to_hex(Bytes(&b, 1));
    }
    sink.fact({AssetRef::sender_party(), "run_status", std::move(run), kDeviceIdSource});
  }

  LengthFramer framer_{kFraming};
  PendingTable<Pending, kMaxPending> pending_;
  std::bitset<256> units_requested_{};
  std::size_t distinct_units_ = 0;
  bool roles_stated_ = false;
  std::bitset<256> units_answered_{};
  std::bitset<256> units_emitted_{};
};

}  // namespace

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<ModbusStream>(); }

}  // namespace mieruka::dissectors::modbus
