// CC-Link IE Field Basic cyclic frames (see cclink_iefb.hpp for what this emits).
#include "cclink_iefb.hpp"

#include <cstdio>
#include <optional>
#include <string>

namespace mieruka::dissectors::cclink_iefb {
namespace {

constexpr std::string_view kSource = "cclink_iefb";

std::string hex(std::uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
  return buf;
}

// The common header (c-link cl_cciefb_req_header / cl_cciefb_resp_header):
// subheader (BE), network 0x00, station 0xFF, module I/O 0x03FF (LE), multidrop
// 0x00, data length (LE: bytes after this field), reserved 0x0000. Returns the
// reader over exactly the bytes the length covers, after the reserved field.
std::optional<ByteReader> common_header(Bytes bytes, std::uint16_t subheader) noexcept {
  if (bytes.size() > kMaxFrame) return std::nullopt;
  ByteReader r(bytes);
  auto sub = r.u16_be();
  auto net = r.u8();
  auto station = r.u8();
  auto io = r.u16_le();
  auto drop = r.u8();
  auto dl = r.u16_le();
  if (!sub || !net || !station || !io || !drop || !dl) return std::nullopt;
  if (*sub != subheader || *net != 0x00 || *station != 0xFF || *io != 0x03FF || *drop != 0x00) return std::nullopt;
  auto body = r.sub(*dl);
  if (!body) return std::nullopt;
  auto reserved = body->u16_le();
  if (!reserved) return std::nullopt;
  return body;
}

}  // namespace

Result<Request> parse_request(Bytes bytes) noexcept {
  auto body = common_header(bytes, kRequestSubheader);
  if (!body) return ParseError::malformed;
  ByteReader& r = *body;
  auto command = r.u16_le();
  auto sub = r.u16_le();
  if (!command || !sub) return ParseError::malformed;
  if (*command != kCommandCyclic || *sub != 0x0000) return ParseError::unsupported;
  Request q;
  // Cyclic header (20): protocol version, reserved, cyclic info offset, 14 reserved.
  auto ver = r.u16_le();
  auto res1 = r.u16_le();
  auto offset = r.u16_le();
  if (!ver || !res1 || !offset || !r.skip(14)) return ParseError::malformed;
  q.protocol_version = *ver;
  // Master station notification (12): unit info, reserved, clock (ms, LE).
  auto unit = r.u16_le();
  auto res2 = r.u16_le();
  auto clock = r.u64_le();
  // Cyclic data header (20).
  auto master = r.u32_le();
  auto group = r.u8();
  auto res3 = r.u8();
  auto seq = r.u16_le();
  auto timeout = r.u16_le();
  auto parallel = r.u16_le();
  auto param = r.u16_le();
  auto occupied = r.u16_le();
  auto state = r.u16_le();
  auto res4 = r.u16_le();
  if (!unit || !res2 || !clock || !master || !group || !res3 || !seq || !timeout || !parallel || !param ||
      !occupied || !state || !res4)
    return ParseError::malformed;
  q.master_local_unit_info = *unit;
  q.clock_info = *clock;
  q.master_id = *master;
  q.group = *group;
  q.frame_sequence = *seq;
  q.timeout_ms = *timeout;
  q.parallel_off_timeout_count = *parallel;
  q.parameter_no = *param;
  q.occupied_stations = *occupied;
  q.cyclic_transmission_state = *state;
  if (*occupied > kMaxOccupiedPerGroup) return ParseError::limit_exceeded;
  auto ids = r.take(static_cast<std::size_t>(*occupied) * 4);
  if (!ids) return ParseError::malformed;
  q.slave_ids = *ids;
  return q;
}

Result<Response> parse_response(Bytes bytes) noexcept {
  auto body = common_header(bytes, kResponseSubheader);
  if (!body) return ParseError::malformed;
  ByteReader& r = *body;
  Response s;
  // Cyclic header (20): protocol version, end code, cyclic info offset, 14 reserved.
  auto ver = r.u16_le();
  auto end = r.u16_le();
  auto offset = r.u16_le();
  if (!ver || !end || !offset || !r.skip(14)) return ParseError::malformed;
  s.protocol_version = *ver;
  s.end_code = *end;
  // Slave station notification (20).
  auto vendor = r.u16_le();
  auto res1 = r.u16_le();
  auto model = r.u32_le();
  auto equipment = r.u16_le();
  auto res2 = r.u16_le();
  auto unit = r.u16_le();
  auto err = r.u16_le();
  auto mgmt = r.u32_le();
  // Cyclic data header (8): slave ID, group, reserved, frame sequence.
  auto slave = r.u32_le();
  auto group = r.u8();
  auto res3 = r.u8();
  auto seq = r.u16_le();
  if (!vendor || !res1 || !model || !equipment || !res2 || !unit || !err || !mgmt || !slave || !group || !res3 ||
      !seq)
    return ParseError::malformed;
  s.vendor_code = *vendor;
  s.model_code = *model;
  s.equipment_version = *equipment;
  s.slave_local_unit_info = *unit;
  s.slave_error_code = *err;
  s.slave_id = *slave;
  s.group = *group;
  s.frame_sequence = *seq;
  return s;
}

void on_datagram(const DecodedPacket& /*pkt*/, Bytes payload, Sink& sink) noexcept {
  ByteReader r(payload);
  auto sub = r.u16_be();
  if (!sub) {
    sink.anomaly("cclink_iefb.short");
    return;
  }
  if (*sub == kRequestSubheader) {
    auto q = parse_request(payload);
    if (!q) {
      sink.anomaly(q.error() == ParseError::unsupported      ? "cclink_iefb.unsupported_command"
                   : q.error() == ParseError::limit_exceeded ? "cclink_iefb.occupied_over_cap"
                                                             : "cclink_iefb.bad_request");
      sink.operation({"cclink_iefb", "cyclic", 0, false, false, false, 0, 0, false});
      return;
    }
    sink.fact({AssetRef::sender_party(), field::role, "cclink_master", kSource});
    sink.fact({AssetRef::sender_party(), "cclink_group", std::to_string(q->group), kSource});
    sink.fact({AssetRef::sender_party(), "cclink_occupied_stations", std::to_string(q->occupied_stations), kSource});
    sink.operation({"cclink_iefb", "cyclic", kCommandCyclic, false, false, false, 0, 0, false});
    return;
  }
  if (*sub == kResponseSubheader) {
    auto s = parse_response(payload);
    if (!s) {
      sink.anomaly("cclink_iefb.bad_response");
      sink.operation({"cclink_iefb", "cyclic", 0, false, false, false, 0, 0, false});
      return;
    }
    sink.fact({AssetRef::sender_party(), field::role, "cclink_slave", kSource});
    sink.fact({AssetRef::sender_party(), "cclink_vendor_code", hex(s->vendor_code, 4), kSource});
    sink.fact({AssetRef::sender_party(), "cclink_model_code", hex(s->model_code, 8), kSource});
    sink.fact({AssetRef::sender_party(), "cclink_device_version", hex(s->equipment_version, 4), kSource});
    sink.operation({"cclink_iefb", "cyclic", 0, false, false, s->end_code != 0, 0, 0, false});
    return;
  }
  sink.anomaly("cclink_iefb.unknown_subheader");
  sink.operation({"cclink_iefb", "cyclic", 0, false, false, false, 0, 0, false});
}

}  // namespace mieruka::dissectors::cclink_iefb
