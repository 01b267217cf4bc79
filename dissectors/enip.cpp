// EtherNet/IP encapsulation: see enip.hpp for what and which spec sections.
// Framing: the header's length says where the next message starts whatever we
// understood of the body. A header we cannot trust (unknown command, options
// set) or a gap that does not end inside a body of known length loses sync:
// the framer then probes each offset for a header `resync` trusts.
#include "enip.hpp"

#include <algorithm>
#include <cstdio>

#include "cip_tables.hpp"

namespace mieruka::dissectors::enip {
namespace {

constexpr std::string_view kSource = "enip";
constexpr std::string_view kIdentitySource = "enip_list_identity";
constexpr std::uint16_t kCommandStartDtls = 0x00C8;
constexpr std::int16_t kAfInet = 2;

bool known_command(std::uint16_t cmd) noexcept { return !command_name(cmd).empty(); }

// A header we accept in a stream: a command we know (or StartDTLS), options 0
// (Vol 2 §2-3.1: a receiver discards messages with options set), length in range.
bool plausible(const Header& h) noexcept {
  return (known_command(h.command) || h.command == kCommandStartDtls) && h.options == 0;
}

std::string hex(unsigned v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
  return buf;
}

void role(Sink& sink, const AssetRef& who, std::string_view value) noexcept {
  sink.fact_view(who, field::role, value, kSource);
}

}  // namespace

std::string_view command_name(std::uint16_t cmd) noexcept {
  switch (cmd) {
    case command::nop: return "nop";
    case command::list_services: return "list_services";
    case command::list_identity: return "list_identity";
    case command::list_interfaces: return "list_interfaces";
    case command::register_session: return "register_session";
    case command::unregister_session: return "unregister_session";
    case command::send_rr_data: return "send_rr_data";
    case command::send_unit_data: return "send_unit_data";
    case command::indicate_status: return "indicate_status";
    case command::cancel: return "cancel";
    default: return {};
  }
}

std::string_view item_name(std::uint16_t type) noexcept {
  switch (type) {
    case item::null_address: return "null_address";
    case item::list_identity: return "list_identity";
    case item::connected_address: return "connected_address";
    case item::connected_data: return "connected_data";
    case item::unconnected_data: return "unconnected_data";
    case item::list_services: return "list_services";
    case item::sockaddr_ot: return "sockaddr_info_ot";
    case item::sockaddr_to: return "sockaddr_info_to";
    case item::sequenced_address: return "sequenced_address";
    default: return {};
  }
}

Result<Header> parse_header(Bytes b) noexcept {
  ByteReader r(b);
  Header h;
  auto cmd = r.u16_le();
  auto len = r.u16_le();
  auto session = r.u32_le();
  auto status = r.u32_le();
  auto context = r.u64_le();
  auto options = r.u32_le();
  if (!cmd || !len || !session || !status || !context || !options) return ParseError::truncated;
  h.command = *cmd;
  h.length = *len;
  h.session = *session;
  h.status = *status;
  h.context = *context;
  h.options = *options;
  return h;
}

Result<Ok> parse_cpf(Bytes b, Cpf& cpf) noexcept {
  cpf.count = 0;
  ByteReader r(b);
  auto count = r.u16_le();
  if (!count) return ParseError::truncated;
  if (*count > kMaxCpfItems) return ParseError::limit_exceeded;
  for (std::size_t i = 0; i < *count; ++i) {
    auto type = r.u16_le();
    auto len = r.u16_le();
    if (!type || !len) return ParseError::malformed;
    auto data = r.take(*len);
    if (!data) return ParseError::malformed;  // item length past the message
    cpf.items[cpf.count++] = {*type, *data};
  }
  return Ok{};
}

Result<Identity> parse_identity(Bytes item_data) noexcept {
  ByteReader r(item_data);
  Identity id;
  auto version = r.u16_le();
  auto family = r.u16_be();
  auto port = r.u16_be();
  auto addr = r.take(4);
  if (!version || !family || !port || !addr || !r.skip(8)) return ParseError::malformed;  // sin_zero
  id.protocol_version = *version;
  id.sin_family = static_cast<std::int16_t>(*family);
  id.sin_port = *port;
  id.sin_addr = IpAddr::v4_bytes(*addr);
  auto vendor = r.u16_le();
  auto device = r.u16_le();
  auto product = r.u16_le();
  auto major = r.u8();
  auto minor = r.u8();
  auto status = r.u16_le();
  auto serial = r.u32_le();
  auto name_len = r.u8();
  if (!vendor || !device || !product || !major || !minor || !status || !serial || !name_len)
    return ParseError::malformed;
  auto name = r.take(*name_len);
  if (!name) return ParseError::malformed;  // product name length past the item
  id.vendor_id = *vendor;
  id.device_type = *device;
  id.product_code = *product;
  id.major = *major;
  id.minor = *minor;
  id.status = *status;
  id.serial = *serial;
  id.product_name = as_chars(*name);
  if (auto state = r.u8()) {
    id.state = *state;
    id.has_state = true;
  }
  return id;
}

// Restated on every ListIdentity reply: the values are views (table names, the
// packet's product name) or short enough for std::string's inline buffer, so a
// steady scan allocates nothing.
void emit_identity(const Identity& id, Sink& sink) noexcept {
  const AssetRef who = AssetRef::sender_party();
  auto put = [&](std::string_view f, std::string_view v) { sink.fact_view(who, f, v, kIdentitySource); };
  const auto vendor = cip::vendor_name(id.vendor_id);
  put(field::vendor, vendor.empty() ? "vendor id " + std::to_string(id.vendor_id) : vendor);
  put(field::vendor_id, std::to_string(id.vendor_id));
  const auto device = cip::device_type_name(id.device_type);
  put(field::device_type, device.empty() ? "device type " + std::to_string(id.device_type) : device);
  put(field::product_code, std::to_string(id.product_code));
  put(field::revision, cip::format_revision(id.major, id.minor));
  put(field::serial, cip::format_serial(id.serial));
  std::string_view name = id.product_name;
  while (!name.empty() && (name.back() == '\0' || name.back() == ' ')) name.remove_suffix(1);
  if (!name.empty()) put(field::product, name);
  // The announced address, when it is one (some adapters announce 0.0.0.0).
  if (id.sin_family == kAfInet && !id.sin_addr.is_unspecified() && !id.sin_addr.is_multicast() &&
      !id.sin_addr.is_broadcast())
    put(field::ip, id.sin_addr.to_string());
  put("enip_status", hex(id.status, 4));
  if (id.has_state) put("enip_state", hex(id.state, 2));
}

bool probe(Bytes first_payload, Direction dir) noexcept {
  auto h = parse_header(first_payload);
  if (!h || !known_command(h->command) || h->options != 0) return false;
  if (std::size_t{h->length} > first_payload.size() - kHeaderSize) return false;
  if (dir == Direction::to_server && h->status != 0) return false;
  // Commands with a fixed request shape (Vol 2 §2-4): RegisterSession carries 4
  // bytes, the List* requests none.
  if (dir == Direction::to_server) {
    if (h->command == command::register_session && h->length != 4) return false;
    if ((h->command == command::list_identity || h->command == command::list_services ||
         h->command == command::list_interfaces) && h->length != 0)
      return false;
  }
  return true;
}

void Session::on_message(Direction dir, const Header& h, Bytes body, Sink& sink) noexcept {
  if (!known_command(h.command)) {
    sink.anomaly("enip.unknown_command");
    return;
  }
  if (h.command == command::list_identity) {
    if (body.empty()) {  // a request, often broadcast by engineering tools
      if (dir == Direction::to_server) role(sink, AssetRef::sender_party(), "enip_scanner");
      return;
    }
    Cpf cpf;
    if (auto parsed = parse_cpf(body, cpf); !parsed) {
      sink.anomaly(parsed.error() == ParseError::limit_exceeded ? "enip.too_many_items" : "enip.malformed_cpf");
      return;
    }
    for (std::size_t i = 0; i < cpf.count; ++i) {
      if (cpf.items[i].type != item::list_identity) continue;
      auto id = parse_identity(cpf.items[i].data);
      if (!id) {
        sink.anomaly("enip.malformed_identity");
        continue;
      }
      role(sink, AssetRef::sender_party(), "enip_server");
      emit_identity(*id, sink);
    }
    return;
  }
  bool& done = dir == Direction::to_server ? to_server_roles_ : to_client_roles_;
  if (!done) {
    done = true;
    const bool from_client = dir == Direction::to_server;
    role(sink, AssetRef::sender_party(), from_client ? "enip_client" : "enip_server");
    role(sink, AssetRef::receiver_party(), from_client ? "enip_server" : "enip_client");
  }
  if (h.command != command::send_rr_data && h.command != command::send_unit_data) return;
  if (body.empty() && h.status != 0) return;  // an error reply carries no data
  ByteReader r(body);
  if (!r.skip(4 + 2)) {  // interface handle, timeout
    sink.anomaly("enip.truncated_message");
    return;
  }
  Cpf cpf;
  if (auto parsed = parse_cpf(r.rest(), cpf); !parsed) {
    sink.anomaly(parsed.error() == ParseError::limit_exceeded ? "enip.too_many_items" : "enip.malformed_cpf");
    return;
  }
  if (h.command == command::send_rr_data) {
    if (const auto* data = cpf.find(item::unconnected_data)) cip_.on_message(data->data, h.context, sink);
    return;
  }
  const auto* addr = cpf.find(item::connected_address);
  const auto* data = cpf.find(item::connected_data);
  if (data == nullptr) return;
  ByteReader ar(addr != nullptr ? addr->data : Bytes{});
  const std::uint32_t connection_id = ar.u32_le().value_or(0);
  ByteReader cr(data->data);
  auto seq = cr.u16_le();  // CIP sequence count (Vol 2 §3-2.1), echoed in the reply
  if (!seq) {
    sink.anomaly("enip.truncated_message");
    return;
  }
  cip_.on_connected(cr.rest(), connection_id, *seq, sink);
}

// --- TCP framing --------------------------------------------------------------

std::unique_ptr<dissectors::StreamParser> make_stream_parser() { return std::make_unique<StreamParser>(); }

// Every header says where the next message starts, so a gap inside a body of
// known length skips the rest of it and stays in step.
const LengthFraming StreamParser::kFraming{.max_frame = kMaxBufferedBytes,
                                           .probe_bytes = kHeaderSize,
                                           .gap = "enip.gap",
                                           .resync = "enip.resync",
                                           .truncated = "enip.truncated_message",
                                           .over_cap = "enip.limit_exceeded",
                                           .gap_in_body_keeps_step = true};

FrameSize StreamParser::measure(Direction /*dir*/, Bytes front) noexcept {
  auto h = parse_header(front);
  if (!h) return FrameSize::more();
  if (!plausible(*h)) return FrameSize::bad("enip.bad_header", true);
  const std::size_t total = kHeaderSize + h->length;
  if (h->length > kMaxBodyLength) return FrameSize::skip(total, "enip.limit_exceeded");
  return FrameSize::whole(total);
}

// Out of sync a header is trusted only if it could start a message here: a
// command we know other than NOP (a run of zero bytes reads as one), options 0,
// a length within bounds and, from a client, status 0 and the fixed request
// shapes `probe` checks.
Resync StreamParser::resync(Direction dir, Bytes front) noexcept {
  auto h = parse_header(front);
  if (!h) return Resync::need_more;
  if (!plausible(*h) || h->command == command::nop || h->length > kMaxBodyLength) return Resync::no;
  if (dir == Direction::to_server) {
    if (h->status != 0) return Resync::no;
    if (h->command == command::register_session && h->length != 4) return Resync::no;
    if ((h->command == command::list_identity || h->command == command::list_services ||
         h->command == command::list_interfaces) && h->length != 0)
      return Resync::no;
  }
  return Resync::yes;
}

void StreamParser::on_frame(Direction dir, Bytes message, Sink& sink) noexcept {
  auto h = parse_header(message);
  if (!h) return;  // measured: cannot happen
  session_.on_message(dir, *h, message.subspan(kHeaderSize), sink);
}

// --- UDP ----------------------------------------------------------------------

void on_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  const Direction dir = pkt.dst_port == kPort ? Direction::to_server : Direction::to_client;
  Session session;
  ByteReader r(payload);
  while (!r.empty()) {
    auto h = parse_header(r.rest());
    if (!h) {
      sink.anomaly("enip.truncated_message");
      return;
    }
    (void)r.skip(kHeaderSize);
    auto body = r.take(h->length);
    if (!body) {
      sink.anomaly(pkt.payload_truncated ? "enip.truncated_message" : "enip.length_mismatch");
      return;
    }
    session.on_message(dir, *h, *body, sink);
  }
}

void on_io_datagram(const DecodedPacket& pkt, Bytes payload, Sink& sink) noexcept {
  Cpf cpf;
  if (auto parsed = parse_cpf(payload, cpf); !parsed) {
    sink.anomaly(parsed.error() == ParseError::limit_exceeded ? "cip_io.too_many_items" : "cip_io.malformed");
    return;
  }
  const auto* addr = cpf.find(item::sequenced_address);
  const auto* data = cpf.find(item::connected_data);
  if (addr == nullptr || data == nullptr || addr->data.size() != 8) {
    sink.anomaly("cip_io.malformed");
    return;
  }
  Operation op;
  op.protocol = "cip_io";
  op.name = "class1_io";
  sink.operation(op);
  // T->O data is often multicast: only the adapter (target) produces it.
  if (pkt.dst_ip.is_multicast()) sink.fact_view(AssetRef::sender_party(), field::role, "cip_io_adapter", "cip_io");
}

}  // namespace mieruka::dissectors::enip
