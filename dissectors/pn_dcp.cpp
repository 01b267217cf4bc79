// PROFINET DCP: see pn_dcp.hpp for what and which spec.
#include "pn_dcp.hpp"

#include <cstdio>

namespace mieruka::dissectors::pn_dcp {
namespace {

constexpr std::string_view kSource = "pn_dcp";
constexpr std::uint16_t kAlarmHigh = 0xfc01, kAlarmLow = 0xfe01;  // RTA alarm FrameIDs

std::string hex4(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(v));
  return buf;
}

// NameOfStation and AliasName are sized by the block length; some stations pad
// the value with NULs inside the block (ITI profinet-wireshark-bug.pcap).
std::string station_string(Bytes b) {
  std::string_view s = as_chars(b);
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return std::string(s);
}

// Which services carry a 2-byte BlockInfo / BlockQualifier before each value
// (packet-pn-dcp.c: Identify, Get responses and Hello requests carry BlockInfo;
// Set requests carry BlockQualifier; Identify requests and Set responses neither).
bool blocks_have_prefix(const Header& h) noexcept {
  const bool resp = h.is_response();
  switch (h.service_id) {
    case service::identify:
    case service::get: return resp;
    case service::hello:
    case service::set: return !resp;
    default: return false;
  }
}

bool describes_sender(const Header& h) noexcept {
  if (h.service_id == service::hello) return !h.is_response();
  return (h.service_id == service::identify || h.service_id == service::get) && h.service_type == 1;
}

void fact(Sink& sink, std::string_view field, std::string value) noexcept {
  if (value.empty()) return;
  sink.fact({AssetRef::sender_party(), field, std::move(value), kSource});
}

void op(Sink& sink, std::string_view name, std::uint32_t code, bool write, bool control, bool error = false) noexcept {
  Operation o;
  o.protocol = kSource;
  o.name = name;
  o.code = code;
  o.is_write = write;
  o.is_control = control;
  o.is_error = error;
  sink.operation(o);
}

// A Set request block as an Operation on the edge.
void set_operation(const Block& b, Sink& sink) noexcept {
  const std::uint32_t code = (std::uint32_t{b.option} << 8) | b.suboption;
  if (b.option == option::ip && (b.suboption == ip_sub::ip_parameter || b.suboption == ip_sub::full_ip_suite))
    return op(sink, "set_ip", code, true, true);
  if (b.option == option::device && b.suboption == device_sub::name_of_station)
    return op(sink, "set_name_of_station", code, true, true);
  if (b.option == option::dhcp) return op(sink, "set_dhcp", code, true, true);
  if (b.option == option::control) {
    switch (b.suboption) {
      case control_sub::start:
      case control_sub::stop: return;  // transaction brackets
      case control_sub::signal: return op(sink, "signal", code, false, false);
      case control_sub::factory_reset:
      case control_sub::reset_to_factory: return op(sink, "reset_to_factory", code, true, true);
      default: break;
    }
  }
  op(sink, "set", code, true, false);
}

}  // namespace

std::string_view vendor_name(std::uint16_t vendor_id) noexcept {
  // PI vendor IDs (PROFIBUS & PROFINET International manufacturer list); 0x002A
  // is Siemens on every Siemens station in the public captures.
  switch (vendor_id) {
    case 0x002a: return "Siemens";
    default: return {};
  }
}

Result<Pdu> parse(std::uint16_t fid, Bytes dcp) noexcept {
  ByteReader r(dcp);
  Pdu pdu;
  Header& h = pdu.header;
  h.frame_id = fid;
  const auto sid = r.u8();
  const auto stype = r.u8();
  const auto xid = r.u32_be();
  const auto delay = r.u16_be();
  const auto len = r.u16_be();
  if (!sid || !stype || !xid || !delay || !len) return ParseError::truncated;
  h.service_id = *sid;
  h.service_type = *stype;
  h.xid = *xid;
  h.response_delay = *delay;
  h.data_length = *len;
  // Ethernet padding may follow the DCP data; the length says where it ends.
  auto data = r.sub(*len);
  if (!data) return ParseError::truncated;
  if (h.service_id == service::get && !h.is_response()) return pdu;  // option/suboption list only
  const bool prefixed = blocks_have_prefix(h);
  while (!data->empty()) {
    if (pdu.block_count >= kMaxBlocks) return ParseError::limit_exceeded;
    const auto opt = data->u8();
    const auto sub = data->u8();
    const auto blen = data->u16_be();
    if (!opt || !sub || !blen) return ParseError::malformed;
    auto body = data->sub(*blen);
    if (!body) return ParseError::malformed;
    if ((*blen & 1U) != 0) (void)data->skip(1);  // padding to an even length (may be absent at the end)
    Block& b = pdu.blocks[pdu.block_count++];
    b.option = *opt;
    b.suboption = *sub;
    if (prefixed) {
      if (const auto p = body->u16_be()) {
        b.has_prefix = true;
        b.prefix = *p;
      }
    }
    b.value = body->rest();
  }
  return pdu;
}

Identity identity(const Pdu& pdu) noexcept {
  Identity id;
  for (std::size_t i = 0; i < pdu.block_count; ++i) {
    const Block& b = pdu.blocks[i];
    ByteReader r(b.value);
    if (b.option == option::ip && (b.suboption == ip_sub::ip_parameter || b.suboption == ip_sub::full_ip_suite)) {
      const auto ip = r.take(4);
      const auto mask = r.take(4);
      const auto gw = r.take(4);
      if (ip && mask && gw) {
        id.ip = IpAddr::v4_bytes(*ip);
        id.mask = IpAddr::v4_bytes(*mask);
        id.gateway = IpAddr::v4_bytes(*gw);
      }
      continue;
    }
    if (b.option != option::device) continue;
    switch (b.suboption) {
      case device_sub::vendor_value: id.vendor_value = station_string(b.value); break;
      case device_sub::name_of_station: id.name_of_station = station_string(b.value); break;
      case device_sub::alias_name: id.alias_name = station_string(b.value); break;
      case device_sub::device_id: {
        const auto v = r.u16_be();
        const auto d = r.u16_be();
        if (v && d) {
          id.vendor_id = *v;
          id.device_id = *d;
        }
        break;
      }
      case device_sub::role:
        if (const auto role = r.u8()) id.role = *role;
        break;
      case device_sub::instance:
        if (const auto inst = r.u16_be()) id.instance = *inst;
        break;
      default: break;
    }
  }
  return id;
}

void emit(const Pdu& pdu, Sink& sink) noexcept {
  const Header& h = pdu.header;
  if (h.service_id == service::set && !h.is_response()) {
    for (std::size_t i = 0; i < pdu.block_count; ++i) set_operation(pdu.blocks[i], sink);
    return;
  }
  if (h.service_id == service::set) {
    // Control/Response blocks: option, suboption, BlockError (0 = ok).
    for (std::size_t i = 0; i < pdu.block_count; ++i) {
      const Block& b = pdu.blocks[i];
      if (b.option != option::control || b.suboption != control_sub::response || b.value.size() < 3) continue;
      const auto err = static_cast<std::uint8_t>(b.value[2]);
      if (err != 0) op(sink, "set_error", err, false, false, true);
    }
    return;
  }
  if (h.service_id == service::get && !h.is_response()) return op(sink, "get", h.service_id, false, false);
  if (h.service_id == service::identify && !h.is_response()) return op(sink, "identify", h.service_id, false, false);
  if (!describes_sender(h)) return;

  const Identity id = identity(pdu);
  // Kept verbatim, format characters included (ITI profinet-wireshark-bug.pcap).
  fact(sink, field::name, id.name_of_station);
  fact(sink, field::product, id.vendor_value);
  fact(sink, "pn_alias_name", id.alias_name);
  if (id.vendor_id) {
    fact(sink, field::vendor_id, hex4(*id.vendor_id));
    fact(sink, "device_id", hex4(*id.device_id));
    fact(sink, field::vendor, std::string(vendor_name(*id.vendor_id)));
  }
  if (id.instance) fact(sink, "pn_instance", std::to_string(*id.instance));
  if (id.ip.valid() && !id.ip.is_unspecified()) {
    fact(sink, field::ip, id.ip.to_string());
    fact(sink, "pn_netmask", id.mask.to_string());
    if (!id.gateway.is_unspecified()) fact(sink, "pn_gateway", id.gateway.to_string());
  }
  if (id.role) {
    const std::uint8_t role = *id.role;
    if ((role & role::io_device) != 0) fact(sink, field::role, "pn_io_device");
    if ((role & role::io_controller) != 0) fact(sink, field::role, "pn_io_controller");
    if ((role & role::io_multidevice) != 0) fact(sink, field::role, "pn_io_multidevice");
    if ((role & role::supervisor) != 0) fact(sink, field::role, "pn_supervisor");
    if ((role & role::io_controller) != 0) {
      fact(sink, field::class_hint, "plc");
    } else if ((role & role::io_device) != 0) {
      fact(sink, field::class_hint, "io_adapter");
    }
  }
}

void on_frame(const DecodedPacket& /*pkt*/, Bytes payload, Sink& sink) noexcept {
  ByteReader r(payload);
  const auto fid = r.u16_be();
  if (!fid) {
    sink.anomaly("pn_dcp.truncated");
    return;
  }
  if (*fid >= frame_id::rt_first && *fid <= frame_id::rt_last) {
    Operation o;
    o.protocol = "pn_rt";
    o.name = "cyclic";
    o.code = *fid;
    sink.operation(o);
    return;
  }
  if (*fid == kAlarmHigh || *fid == kAlarmLow) return;
  if (*fid < frame_id::hello || *fid > frame_id::identify_response) return;  // PTCP and others
  auto pdu = parse(*fid, r.rest());
  if (!pdu) {
    switch (pdu.error()) {
      case ParseError::truncated: sink.anomaly("pn_dcp.truncated"); break;
      case ParseError::limit_exceeded: sink.anomaly("pn_dcp.too_many_blocks"); break;
      default: sink.anomaly("pn_dcp.malformed"); break;
    }
    return;
  }
  emit(*pdu, sink);
}

}  // namespace mieruka::dissectors::pn_dcp
