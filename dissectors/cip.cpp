// CIP explicit messaging: see cip.hpp for what and which spec sections.
// Where the spec and traffic meet: a reply to an Unconnected Send carries the
// embedded service's reply code on success and 0xD2 only on a routing failure
// (seen in ITI__EIP-SoftwareUpload.pcap), so pending requests match on either.
#include "cip.hpp"

#include <cstdio>
#include <string_view>

#include "cip_tables.hpp"

namespace mieruka::dissectors::cip {
namespace {

constexpr std::string_view kSource = "cip";
constexpr std::string_view kIdentitySource = "cip_identity";
constexpr std::uint8_t kReplyBit = 0x80;
constexpr std::uint8_t kServiceMultiple = 0x0A;
constexpr std::uint8_t kServiceGetAll = 0x01;
constexpr std::uint8_t kServiceGetList = 0x03;
constexpr std::uint8_t kServiceGetSingle = 0x0E;
constexpr std::uint8_t kServiceForwardClose = 0x4E;
constexpr std::uint8_t kServiceUnconnectedSend = 0x52;
constexpr std::uint8_t kServiceForwardOpen = 0x54;
constexpr std::uint8_t kServiceLargeForwardOpen = 0x5B;
constexpr std::uint8_t kStatusSuccess = 0x00;
constexpr std::uint8_t kStatusPartial = 0x06;
constexpr std::uint8_t kStatusEmbeddedError = 0x1E;
constexpr std::size_t kMaxAttributeList = 64;  // attributes in one Get_Attribute_List reply
constexpr std::uint64_t kConnectedKey = 1ULL << 63;  // pairing keys of connected messages

void append_capped(std::string& s, std::string_view sep, std::string_view part, std::size_t cap) {
  if (s.size() + sep.size() + part.size() > cap) return;
  if (!s.empty()) s.append(sep);
  s.append(part);
}

// Port segment (Appendix C-1.4.1): segment byte (bit 4 extended link address,
// bits 0-3 port, 15 = a 16-bit port follows), [link size], [port], link, [pad].
bool parse_port_segment(std::uint8_t seg, ByteReader& r, Path& p) {
  const bool extended = (seg & 0x10) != 0;
  std::uint32_t port = seg & 0x0F;
  std::size_t link_size = 1;
  std::size_t used = 1;
  if (extended) {
    auto n = r.u8();
    if (!n) return false;
    link_size = *n;
    ++used;
  }
  if (port == 0x0F) {
    auto wide = r.u16_le();
    if (!wide) return false;
    port = *wide;
    used += 2;
  }
  auto link = r.take(link_size);
  if (!link) return false;
  used += link_size;
  if (used % 2 != 0 && !r.empty()) (void)r.skip(1);
  std::string part = std::to_string(port) + "/";
  if (extended) part.append(as_chars(*link));  // an IP address or name as text
  else part.append(std::to_string(static_cast<unsigned>(std::to_integer<std::uint8_t>((*link)[0]))));
  append_capped(p.route, ",", part, kMaxRouteLength);
  return true;
}

// Logical segment (C-1.4.2): type in bits 2-4, format in bits 0-1 (8, 16 bit
// with a pad byte, 32 bit with a pad byte).
bool parse_logical_segment(std::uint8_t seg, ByteReader& r, Path& p) {
  const std::uint8_t type = (seg >> 2) & 0x07;
  const std::uint8_t format = seg & 0x03;
  if (type == 5) {  // special: electronic key, format 4 (C-1.4.2 Table C-1.5)
    auto key_format = r.u8();
    if (seg != 0x34 || !key_format || *key_format != 4) return false;
    auto vendor = r.u16_le();
    auto device = r.u16_le();
    auto product = r.u16_le();
    auto major = r.u8();
    auto minor = r.u8();
    if (!vendor || !device || !product || !major || !minor) return false;
    p.has_key = true;
    p.key_vendor = *vendor;
    p.key_device_type = *device;
    p.key_product_code = *product;
    p.key_major = static_cast<std::uint8_t>(*major & 0x7F);  // bit 7 is the compatibility bit
    p.key_minor = *minor;
    return true;
  }
  std::uint32_t value = 0;
  if (format == 0) {
    auto v = r.u8();
    if (!v) return false;
    value = *v;
  } else if (format == 1) {
    auto v = r.skip(1) ? r.u16_le() : std::nullopt;
    if (!v) return false;
    value = *v;
  } else if (format == 2) {
    auto v = r.skip(1) ? r.u32_le() : std::nullopt;
    if (!v) return false;
    value = *v;
  } else {
    return false;
  }
  switch (type) {
    case 0: p.has_class = true; p.class_id = value; return true;
    case 1: p.has_instance = true; p.instance = value; return true;
    case 2: p.has_member = true; p.member = value; return true;
    case 3: p.has_connection_point = true; p.connection_point = value; return true;
    case 4: p.has_attribute = true; p.attribute = value; return true;
    case 6: return format == 0;  // service id segment
    default: return false;
  }
}

bool parse_segment(ByteReader& r, Path& p) {
  auto seg = r.u8();
  if (!seg) return false;
  switch (*seg >> 5) {
    case 0: return parse_port_segment(*seg, r, p);
    case 1: return parse_logical_segment(*seg, r, p);
    case 2: {  // network segment (C-1.4.3): bit 4 set = a word count follows
      if ((*seg & 0x10) != 0) {
        auto words = r.u8();
        return words && r.skip(std::size_t{*words} * 2);
      }
      return r.skip(1);
    }
    case 3: {  // symbolic segment (C-1.4.4): size in bits 0-4; 0 = extended, not decoded
      const std::size_t size = *seg & 0x1F;
      auto sym = size == 0 ? std::nullopt : r.take(size);
      if (!sym) return false;
      if ((1 + size) % 2 != 0 && !r.empty()) (void)r.skip(1);
      append_capped(p.symbol, ".", as_chars(*sym), kMaxSymbolLength);
      return true;
    }
    case 4: {  // data segment (C-1.4.5)
      if (*seg == 0x80) {  // simple data: word count, words (skipped)
        auto words = r.u8();
        return words && r.skip(std::size_t{*words} * 2);
      }
      if (*seg == 0x91) {  // ANSI extended symbol: length, chars, pad to even
        auto len = r.u8();
        auto sym = len ? r.take(*len) : std::nullopt;
        if (!sym) return false;
        if (*len % 2 != 0 && !r.empty()) (void)r.skip(1);
        append_capped(p.symbol, ".", as_chars(*sym), kMaxSymbolLength);
        return true;
      }
      return false;
    }
    default: return false;  // data type segments do not belong in a request path
  }
}

bool decode_attribute(std::uint32_t attribute, ByteReader& r, Identity& id) {
  switch (attribute) {
    case 1: { auto v = r.u16_le(); if (!v) return false; id.vendor_id = *v; id.has_vendor = true; return true; }
    case 2: { auto v = r.u16_le(); if (!v) return false; id.device_type = *v; id.has_device_type = true; return true; }
    case 3: { auto v = r.u16_le(); if (!v) return false; id.product_code = *v; id.has_product_code = true; return true; }
    case 4: {
      auto major = r.u8();
      auto minor = r.u8();
      if (!major || !minor) return false;
      id.major = *major;
      id.minor = *minor;
      id.has_revision = true;
      return true;
    }
    case 5: { auto v = r.u16_le(); if (!v) return false; id.status = *v; id.has_status = true; return true; }
    case 6: { auto v = r.u32_le(); if (!v) return false; id.serial = *v; id.has_serial = true; return true; }
    case 7: {  // SHORT_STRING: length byte, chars
      auto len = r.u8();
      auto name = len ? r.take(*len) : std::nullopt;
      if (!name) return false;
      id.product_name.assign(as_chars(*name));
      id.has_product_name = true;
      return true;
    }
    case 8: return r.skip(1);  // state
    default: return false;     // size unknown: stop here
  }
}

std::string trim_padding(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

void role(Sink& sink, const AssetRef& who, std::string_view value) noexcept {
  sink.fact_view(who, field::role, value, kSource);
}

}  // namespace

Result<Path> parse_path(Bytes bytes) noexcept {
  Path p;
  ByteReader r(bytes);
  while (!r.empty()) {
    if (p.segments >= kMaxPathSegments) return ParseError::limit_exceeded;
    ++p.segments;
    if (!parse_segment(r, p)) return ParseError::malformed;
  }
  return p;
}

Result<Request> parse_request(Bytes msg) noexcept {
  ByteReader r(msg);
  auto service = r.u8();
  auto words = r.u8();
  if (!service || !words) return ParseError::truncated;
  if ((*service & kReplyBit) != 0) return ParseError::malformed;
  auto path_bytes = r.take(std::size_t{*words} * 2);
  if (!path_bytes) return ParseError::malformed;  // path size beyond the message
  auto path = parse_path(*path_bytes);
  if (!path) return path.error();
  return Request{*service, std::move(*path), r.take_rest()};
}

Result<Response> parse_response(Bytes msg) noexcept {
  ByteReader r(msg);
  auto service = r.u8();
  auto reserved = r.u8();
  auto status = r.u8();
  auto words = r.u8();
  if (!service || !reserved || !status || !words) return ParseError::truncated;
  if ((*service & kReplyBit) == 0) return ParseError::malformed;
  Response rsp;
  rsp.service = static_cast<std::uint8_t>(*service & 0x7F);
  rsp.general_status = *status;
  rsp.additional_size = *words;
  auto extra = r.sub(std::size_t{*words} * 2);
  if (!extra) return ParseError::malformed;
  if (*words > 0) rsp.additional_status = extra->u16_le().value_or(0);
  rsp.data = r.take_rest();
  return rsp;
}

Result<Identity> parse_identity_all(Bytes data) noexcept {
  ByteReader r(data);
  Identity id;
  for (std::uint32_t attr = 1; attr <= 7; ++attr)
    if (!decode_attribute(attr, r, id)) return ParseError::malformed;
  return id;  // attributes 8+ (state, config consistency, heartbeat) are not needed
}

Result<Identity> parse_identity_list(Bytes data) noexcept {
  ByteReader r(data);
  auto count = r.u16_le();
  if (!count) return ParseError::truncated;
  if (*count > kMaxAttributeList) return ParseError::limit_exceeded;
  Identity id;
  for (std::size_t i = 0; i < *count; ++i) {
    auto attr = r.u16_le();
    auto status = r.u16_le();
    if (!attr || !status) return ParseError::malformed;
    if (*status != 0) continue;  // a failed attribute carries no value
    if (!decode_attribute(*attr, r, id)) break;  // unknown size: keep what we have
  }
  return id;
}

Result<Identity> parse_identity_single(std::uint32_t attribute, Bytes data) noexcept {
  ByteReader r(data);
  Identity id;
  if (!decode_attribute(attribute, r, id)) return ParseError::malformed;
  return id;
}

Result<UnconnectedSend> parse_unconnected_send(Bytes data) noexcept {
  ByteReader r(data);
  UnconnectedSend us;
  auto tick = r.u8();
  auto timeout = r.u8();
  auto size = r.u16_le();
  if (!tick || !timeout || !size) return ParseError::malformed;
  us.priority_tick = *tick;
  us.timeout_ticks = *timeout;
  auto embedded = r.take(*size);
  if (!embedded) return ParseError::malformed;
  us.embedded = *embedded;
  if (*size % 2 != 0 && !r.skip(1)) return ParseError::malformed;  // pad byte
  auto words = r.u8();
  if (!words || !r.skip(1)) return ParseError::malformed;  // route path size, reserved
  auto route = r.take(std::size_t{*words} * 2);
  if (!route) return ParseError::malformed;
  auto path = parse_path(*route);
  if (!path) return path.error();
  us.route = std::move(*path);
  return us;
}

Result<ForwardOpen> parse_forward_open(Bytes data, bool large) noexcept {
  ByteReader r(data);
  ForwardOpen fo;
  fo.large = large;
  auto tick = r.u8();
  auto timeout = r.u8();
  auto ot_id = r.u32_le();
  auto to_id = r.u32_le();
  auto serial = r.u16_le();
  auto vendor = r.u16_le();
  auto orig_serial = r.u32_le();
  auto multiplier = r.u8();
  if (!tick || !timeout || !ot_id || !to_id || !serial || !vendor || !orig_serial || !multiplier || !r.skip(3))
    return ParseError::malformed;
  auto ot_rpi = r.u32_le();
  auto ot_params = large ? r.u32_le() : std::optional<std::uint32_t>(r.u16_le());
  auto to_rpi = r.u32_le();
  auto to_params = large ? r.u32_le() : std::optional<std::uint32_t>(r.u16_le());
  auto transport = r.u8();
  auto words = r.u8();
  if (!ot_rpi || !ot_params || !to_rpi || !to_params || !transport || !words) return ParseError::malformed;
  auto path_bytes = r.take(std::size_t{*words} * 2);
  if (!path_bytes) return ParseError::malformed;
  auto path = parse_path(*path_bytes);
  if (!path) return path.error();
  fo.priority_tick = *tick;
  fo.timeout_ticks = *timeout;
  fo.ot_connection_id = *ot_id;
  fo.to_connection_id = *to_id;
  fo.connection_serial = *serial;
  fo.originator_vendor = *vendor;
  fo.originator_serial = *orig_serial;
  fo.timeout_multiplier = *multiplier;
  fo.ot_rpi_us = *ot_rpi;
  fo.to_rpi_us = *to_rpi;
  fo.ot_params = *ot_params;
  fo.to_params = *to_params;
  fo.transport = *transport;
  fo.connection_path = std::move(*path);
  return fo;
}

Result<ForwardClose> parse_forward_close(Bytes data) noexcept {
  ByteReader r(data);
  ForwardClose fc;
  auto tick = r.u8();
  auto timeout = r.u8();
  auto serial = r.u16_le();
  auto vendor = r.u16_le();
  auto orig_serial = r.u32_le();
  auto words = r.u8();
  if (!tick || !timeout || !serial || !vendor || !orig_serial || !words || !r.skip(1)) return ParseError::malformed;
  auto path_bytes = r.take(std::size_t{*words} * 2);
  if (!path_bytes) return ParseError::malformed;
  auto path = parse_path(*path_bytes);
  if (!path) return path.error();
  fc.priority_tick = *tick;
  fc.timeout_ticks = *timeout;
  fc.connection_serial = *serial;
  fc.originator_vendor = *vendor;
  fc.originator_serial = *orig_serial;
  fc.connection_path = std::move(*path);
  return fc;
}

Result<MultipleServices> parse_multiple_services(Bytes data) noexcept {
  ByteReader r(data);
  auto count = r.u16_le();
  if (!count) return ParseError::truncated;
  if (*count > kMaxMultipleServices) return ParseError::limit_exceeded;
  MultipleServices ms;
  ms.count = *count;
  std::array<std::size_t, kMaxMultipleServices + 1> offsets{};
  const std::size_t table_end = 2 + std::size_t{*count} * 2;
  for (std::size_t i = 0; i < ms.count; ++i) {
    auto off = r.u16_le();
    if (!off) return ParseError::malformed;
    // Offsets count from the start of the data, point past the table, into the
    // data and never backwards.
    if (*off < table_end || *off > data.size() || (i > 0 && *off < offsets[i - 1])) return ParseError::malformed;
    offsets[i] = *off;
  }
  offsets[ms.count] = data.size();
  for (std::size_t i = 0; i < ms.count; ++i) ms.items[i] = data.subspan(offsets[i], offsets[i + 1] - offsets[i]);
  return ms;
}

// Both by hand: they run for every identity reply, and snprintf costs more
// than the rest of the reply's decoding.
std::string format_serial(std::uint32_t serial) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x00000000";
  for (std::size_t i = 0; i < 8; ++i) out[9 - i] = kHex[(serial >> (4 * i)) & 0xf];
  return out;
}

std::string format_revision(std::uint8_t major, std::uint8_t minor) {
  std::string out = std::to_string(major);  // "%u.%02u"
  out += '.';
  if (minor < 10) out += '0';
  out += std::to_string(minor);
  return out;
}

void emit_identity(const Identity& id, const AssetRef& who, Sink& sink) noexcept {
  auto put = [&](std::string_view f, std::string v) { sink.fact({who, f, std::move(v), kIdentitySource}); };
  if (id.has_vendor) {
    auto name = vendor_name(id.vendor_id);
    put(field::vendor, name.empty() ? "vendor id " + std::to_string(id.vendor_id) : std::string(name));
    put(field::vendor_id, std::to_string(id.vendor_id));
  }
  if (id.has_device_type) {
    auto name = device_type_name(id.device_type);
    put(field::device_type, name.empty() ? "device type " + std::to_string(id.device_type) : std::string(name));
  }
  if (id.has_product_code) put(field::product_code, std::to_string(id.product_code));
  if (id.has_revision) put(field::revision, format_revision(id.major, id.minor));
  if (id.has_serial) put(field::serial, format_serial(id.serial));
  if (id.has_product_name) {
    auto name = trim_padding(id.product_name);
    if (!name.empty()) put(field::product, std::move(name));
  }
  if (id.has_status) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", unsigned{id.status});
    put("cip_status", buf);
  }
}

void Conversation::on_message(Bytes msg, std::uint64_t pair_key, Sink& sink) noexcept {
  if (msg.empty()) {
    sink.anomaly("cip.empty_message");
    return;
  }
  if ((std::to_integer<std::uint8_t>(msg[0]) & kReplyBit) != 0) on_response(msg, pair_key, sink);
  else on_request(msg, pair_key, {}, sink);
}

void Conversation::on_connected(Bytes msg, std::uint32_t connection_id, std::uint16_t sequence, Sink& sink) noexcept {
  const std::uint64_t key = kConnectedKey | sequence;
  if (msg.empty()) {
    sink.anomaly("cip.empty_message");
    return;
  }
  if ((std::to_integer<std::uint8_t>(msg[0]) & kReplyBit) != 0) {
    on_response(msg, key, sink);
    return;
  }
  std::string route;
  for (const auto& c : connections_)
    if (c.used && c.id == connection_id) route = c.route;
  on_request(msg, key, std::move(route), sink);
}

void Conversation::remember_connection(std::uint32_t id, const std::string& route) noexcept {
  // The same id again, else a free slot, else the oldest connection.
  Connection* slot = nullptr;
  for (auto& c : connections_)
    if (c.used && c.id == id) slot = &c;
  for (auto& c : connections_) {
    if (slot != nullptr) break;
    if (!c.used) slot = &c;
  }
  if (slot == nullptr) {
    slot = &connections_[0];
    for (auto& c : connections_)
      if (c.order < slot->order) slot = &c;
  }
  slot->used = true;
  slot->id = id;
  slot->order = next_order_++;
  slot->route = route;
}

void Conversation::on_request(Bytes msg, std::uint64_t key, std::string route, Sink& sink) noexcept {
  auto req = parse_request(msg);
  if (!req) {
    sink.anomaly(req.error() == ParseError::limit_exceeded ? "cip.path_too_long" : "cip.malformed_request");
    return;
  }
  if (!request_roles_) {
    request_roles_ = true;
    role(sink, AssetRef::sender_party(), "cip_originator");
    role(sink, AssetRef::receiver_party(), "cip_target");
  }
  Pending p;
  p.key = key;
  p.outer_service = req->service;
  p.route = std::move(route);
  emit_request(*req, p, 0, sink);
  store(std::move(p));
}

void Conversation::emit_request(const Request& req, Pending& p, std::size_t depth, Sink& sink) noexcept {
  const auto& path = req.path;
  const auto info = service_info(req.service, path.has_class, path.class_id);
  Operation op;
  op.protocol = kSource;
  op.name = info.name;
  op.code = req.service;
  op.is_write = info.is_write;
  op.is_control = info.is_control;
  sink.operation(op);
  p.req = {req.service, path.has_class, path.has_attribute, path.class_id, path.attribute};
  if (depth >= kMaxNesting) {
    sink.anomaly("cip.nesting_too_deep");
    return;
  }
  const bool cm = path.has_class && path.class_id == kClassConnectionManager;
  if (cm && req.service == kServiceUnconnectedSend) {
    auto us = parse_unconnected_send(req.data);
    if (!us) {
      sink.anomaly("cip.malformed_unconnected_send");
      return;
    }
    auto inner = parse_request(us->embedded);
    if (!inner) {
      sink.anomaly("cip.malformed_request");
      return;
    }
    append_capped(p.route, ",", us->route.route, kMaxRouteLength);
    emit_request(*inner, p, depth + 1, sink);
    return;
  }
  if (cm && (req.service == kServiceForwardOpen || req.service == kServiceLargeForwardOpen)) {
    auto fo = parse_forward_open(req.data, req.service == kServiceLargeForwardOpen);
    if (!fo) {
      sink.anomaly("cip.malformed_forward_open");
      return;
    }
    p.forward_open = true;
    p.connection_route = fo->connection_path.route;
    if (fo->transport_class() == 1) {  // class-1 (cyclic I/O) connection
      sink.fact({AssetRef::sender_party(), field::role, "cip_io_scanner", kSource});
      sink.fact({AssetRef::receiver_party(), field::role, "cip_io_adapter", kSource});
    }
    return;
  }
  if (cm && req.service == kServiceForwardClose) {
    if (!parse_forward_close(req.data)) sink.anomaly("cip.malformed_forward_close");
    return;
  }
  if (req.service == kServiceMultiple) {
    auto ms = parse_multiple_services(req.data);
    if (!ms) {
      sink.anomaly(ms.error() == ParseError::limit_exceeded ? "cip.too_many_services" : "cip.malformed_multiple_service");
      return;
    }
    p.sub_count = ms->count < kMaxPairedSubRequests ? ms->count : kMaxPairedSubRequests;
    for (std::size_t i = 0; i < ms->count; ++i) {
      auto sub = parse_request(ms->items[i]);
      if (!sub) {
        sink.anomaly("cip.malformed_request");
        continue;
      }
      Pending inner;
      emit_request(*sub, inner, depth + 1, sink);
      if (i < kMaxPairedSubRequests) p.subs[i] = inner.req;
    }
  }
}

Conversation::Pending* Conversation::find_pending(std::uint64_t key, std::uint8_t service) noexcept {
  Pending* best = nullptr;
  for (auto& p : pending_) {
    if (!p.used || p.key != key) continue;
    if (p.req.service != service && p.outer_service != service) continue;
    if (best == nullptr || p.order < best->order) best = &p;
  }
  return best;
}

void Conversation::store(Pending&& p) noexcept {
  Pending* slot = nullptr;
  for (auto& q : pending_) {
    if (!q.used) {
      slot = &q;
      break;
    }
    if (slot == nullptr || q.order < slot->order) slot = &q;
  }
  p.used = true;
  p.order = next_order_++;
  *slot = std::move(p);
}

void Conversation::on_response(Bytes msg, std::uint64_t key, Sink& sink) noexcept {
  auto rsp = parse_response(msg);
  if (!rsp) {
    sink.anomaly("cip.malformed_response");
    return;
  }
  if (!reply_roles_) {
    reply_roles_ = true;
    role(sink, AssetRef::sender_party(), "cip_target");
    role(sink, AssetRef::receiver_party(), "cip_originator");
  }
  Pending* p = find_pending(key, rsp->service);
  const bool failed = rsp->general_status != kStatusSuccess && rsp->general_status != kStatusPartial &&
                      rsp->general_status != kStatusEmbeddedError;
  if (failed) {
    const auto info = p ? service_info(p->req.service, p->req.has_class, p->req.class_id)
                        : service_info(rsp->service, false, 0);
    Operation op;
    op.protocol = kSource;
    op.name = info.name;
    op.code = rsp->service;
    op.is_error = true;
    sink.operation(op);
  }
  if (p == nullptr) {
    sink.anomaly("cip.unpaired_response");
    return;
  }
  Pending taken = std::move(*p);
  p->used = false;
  if (failed) return;
  if (taken.forward_open && rsp->general_status == kStatusSuccess) {
    ByteReader r(rsp->data);
    if (auto ot_id = r.u32_le()) remember_connection(*ot_id, taken.connection_route);  // Table 3-5.19
    return;
  }
  emit_reply(taken.req, taken.route, *rsp, 0, &taken, sink);
}

void Conversation::emit_reply(const SubRequest& req, const std::string& route, const Response& rsp,
                              std::size_t depth, const Pending* p, Sink& sink) noexcept {
  if (rsp.general_status != kStatusSuccess && rsp.general_status != kStatusPartial &&
      rsp.general_status != kStatusEmbeddedError)
    return;
  if (req.service != rsp.service) return;
  // A module reached through an Unconnected Send route is its own asset behind
  // the adapter that answered, including slot 0 (usually the controller).
  const AssetRef who = route.empty() ? AssetRef::sender_party() : AssetRef::sender_party().behind(route);
  if (req.has_class && req.class_id == kClassIdentity && rsp.general_status == kStatusSuccess) {
    Result<Identity> id = ParseError::unsupported;
    if (req.service == kServiceGetAll) id = parse_identity_all(rsp.data);
    else if (req.service == kServiceGetList) id = parse_identity_list(rsp.data);
    else if (req.service == kServiceGetSingle && req.has_attribute) id = parse_identity_single(req.attribute, rsp.data);
    if (id) emit_identity(*id, who, sink);
    else if (id.error() != ParseError::unsupported) sink.anomaly("cip.malformed_identity");
    return;
  }
  if (rsp.service != kServiceMultiple || p == nullptr || depth >= kMaxNesting) return;
  auto ms = parse_multiple_services(rsp.data);
  if (!ms) {
    sink.anomaly("cip.malformed_multiple_service");
    return;
  }
  const std::size_t n = ms->count < p->sub_count ? ms->count : p->sub_count;
  for (std::size_t i = 0; i < n; ++i) {
    auto sub = parse_response(ms->items[i]);
    if (!sub) {
      sink.anomaly("cip.malformed_response");
      continue;
    }
    emit_reply(p->subs[i], route, *sub, depth + 1, nullptr, sink);
  }
}

}  // namespace mieruka::dissectors::cip
