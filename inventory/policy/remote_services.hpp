// Remote-access and vendor-cloud services recognised by name: devices
// that reach known remote-access or cloud services, found from DNS names and TLS
// server names. A device that asks DNS for, or opens TLS to, one of these
// names has a path out of the plant that someone should have declared (3-6).
//
// The table is data: one row per service, matched on the name's last labels
// (a row "talk2m.com" matches "talk2m.com" and "eu1.talk2m.com", never
// "nottalk2m.com"). Rows come from the services' own documentation of the host
// names their devices and clients must be allowed to reach.
#pragma once

#include <optional>
#include <string_view>

namespace mieruka::inventory {

struct RemoteService {
  std::string_view suffix;   // lower-case DNS suffix
  std::string_view service;  // what to call it in evidence
  std::string_view kind;     // "remote_support", "vpn_broker", "tunnel", "vendor_cloud"
};

// The row a host name falls under (ASCII case-insensitive, a trailing dot
// ignored), or nullopt.
[[nodiscard]] std::optional<RemoteService> remote_service(std::string_view host_name) noexcept;

}  // namespace mieruka::inventory
