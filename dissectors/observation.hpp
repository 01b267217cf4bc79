// Observations: the typed facts dissectors hand to the ledger. A dissector never
// sees the ledger; it calls a Sink. The sensor implements Sink and resolves each
// AssetRef against the flow or frame it is dissecting.
//
// Three kinds:
//   Fact       — something true of one asset: a field, its value, the source.
//   Operation  — something one party did to the other on this conversation
//                (a Modbus write, a CIP Forward Open); summarised per edge.
//   anomaly    — a named counter ("modbus.length_mismatch"), never a log line.
//   violation  — an anomaly that says the bytes are not this protocol at all (a
//                header its spec forbids), not merely a damaged message of it.
//
// A flow's dissector is chosen by port or probe, which proves nothing: the
// sensor takes the dissector's first Fact or Operation on a flow as proof that
// the flow speaks its protocol (confirmation), and a violation before then as
// proof that it does not. So a dissector states facts and operations only from
// a message it parsed and found valid, calls confirm() for a valid message that
// states nothing (a name query), and violation() where a header check fails.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net.hpp"

namespace mieruka {

// Who a fact is about.
struct AssetRef {
  enum class Kind : std::uint8_t {
    sender,    // the party that sent the bytes being parsed
    receiver,  // the party they were sent to
    mac,       // an explicit station (ARP sender, DHCP chaddr, LLDP chassis MAC)
  };
  Kind kind = Kind::sender;
  MacAddr mac{};       // for Kind::mac
  IpAddr ip{};         // optional: an IP the station is known to hold (for Kind::mac)
  // A device behind the asset, not reachable on the wire by itself: a module in a
  // CIP chassis ("1/3": port 1, slot 3) or a serial device behind a Modbus gateway
  // ("unit:3"). Empty for the asset itself.
  std::string route;

  [[nodiscard]] static AssetRef sender_party() { return {}; }
  [[nodiscard]] static AssetRef receiver_party() { return {Kind::receiver, {}, {}, {}}; }
  [[nodiscard]] static AssetRef station(const MacAddr& m, const IpAddr& ip = {}) {
    return {Kind::mac, m, ip, {}};
  }
  [[nodiscard]] AssetRef behind(std::string r) const {
    AssetRef child = *this;
    child.route = std::move(r);
    return child;
  }
};

// Canonical field names. The first five are the contract's ledger columns; the
// rest are kept as facts and shown by `mieruka show`. New protocols may add fields
// in the same style (lower-case, snake_case).
namespace field {
inline constexpr std::string_view vendor = "vendor";
inline constexpr std::string_view product = "product";      // product / model name
inline constexpr std::string_view revision = "revision";    // firmware / software revision
inline constexpr std::string_view serial = "serial";
inline constexpr std::string_view name = "name";            // the device's own name (station name, sysName)
inline constexpr std::string_view hostname = "hostname";    // DHCP/DNS/NBNS host name
inline constexpr std::string_view model = "model";
inline constexpr std::string_view product_code = "product_code";
inline constexpr std::string_view device_type = "device_type";
inline constexpr std::string_view vendor_id = "vendor_id";
inline constexpr std::string_view description = "description";  // sysDescr, LLDP system description
inline constexpr std::string_view os = "os";
inline constexpr std::string_view location = "location";
inline constexpr std::string_view ip = "ip";                // an address the asset holds (binding)
inline constexpr std::string_view role = "role";            // a role hint, e.g. "modbus_server"
inline constexpr std::string_view class_hint = "class_hint";  // a device class from the contract list
inline constexpr std::string_view service = "service";      // a service offered, e.g. "opcua:opc.tcp://h:4840"
inline constexpr std::string_view security = "security";    // an insecure configuration fact
}  // namespace field

struct Fact {
  AssetRef who;
  std::string_view field;   // one of field:: or a new snake_case name (static storage)
  std::string value;        // as on the wire; escaping happens at output time
  std::string_view source;  // e.g. "modbus_device_id", "enip_list_identity" (static storage)
};

// One operation seen on the current conversation, from sender to receiver.
struct Operation {
  std::string_view protocol;  // "modbus", "cip", ... (static storage)
  std::string_view name;      // "read_holding_registers", "forward_open" (static storage)
  std::uint32_t code = 0;     // function/service code
  bool is_write = false;      // changes process data or configuration
  bool is_control = false;    // RUN/STOP, program download, password unlock
  bool is_error = false;      // an exception / error response
  std::uint32_t range_start = 0;  // register/address range touched, when is_range
  std::uint32_t range_count = 0;
  bool is_range = false;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void fact(const Fact& f) noexcept = 0;
  // The same observation with a value that outlives the call by itself (bytes
  // of the packet, a static table's name): the pipeline's sink reads it where it
  // is, so a restated identity (a ListIdentity reply every scan) costs no
  // allocation. Sinks that keep facts get an owning Fact.
  virtual void fact_view(const AssetRef& who, std::string_view name, std::string_view value,
                         std::string_view source) noexcept {
    fact(Fact{who, name, std::string(value), source});
  }
  virtual void operation(const Operation& op) noexcept = 0;
  virtual void anomaly(std::string_view counter) noexcept = 0;
  virtual void violation(std::string_view counter) noexcept { anomaly(counter); }
  virtual void confirm() noexcept {}
};

// A Sink that drops everything: for fuzzing and benchmarks of parsing alone.
class NullSink final : public Sink {
 public:
  void fact(const Fact&) noexcept override {}
  void fact_view(const AssetRef&, std::string_view, std::string_view, std::string_view) noexcept override {}
  void operation(const Operation&) noexcept override {}
  void anomaly(std::string_view) noexcept override {}
};

}  // namespace mieruka
