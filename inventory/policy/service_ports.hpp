// The services IANA registered well-known ports for: the protocols a dissector
// reads (their ports are in their registry rows, dissectors/registry.cpp) and,
// in one table of their own here, services no dissector reads (ssh, rdp, smb,
// ...), known only by their ports. A port names no protocol:
// a SYN to 502 answered by RST is no Modbus, and an edge keeps "tcp"/"udp" and its
// port until a dissector confirms what the flow spoke. These names serve where
// the port itself is the point: which side of a flow without a SYN is the
// server, and findings that judge traffic by the port it used ("tcp port 3389,
// registered for rdp, to a public address") and say so.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace mieruka::inventory {

struct Edge;

// What a port-only service is for, to the findings and classes that judge
// traffic by its port. Flags; a service may have several.
enum ServiceUse : std::uint8_t {
  kRemoteAccess = 1,     // a way into the plant from outside (3-6): remote desktop, VPN, remote support
  kTunnel = 2,           // a VPN or remote-support tunnel (a remote-access gateway serves or opens it)
  kMail = 4,             // sends mail
  kCleartextLogin = 8,   // a login whose password crosses the wire in clear (3-7)
  kDatabase = 16,        // a database server (a historian serves one)
  kItClient = 32,        // opening it marks an IT host
  kItServer = 64,        // serving it marks an IT host
};

// The uses of the port-only service `name` (ServiceUse flags), 0 for any
// other name: a dissected protocol's row says what it is instead.
[[nodiscard]] std::uint8_t service_uses(std::string_view name) noexcept;

// The service registered for `port` on tcp (`tcp` true) or udp, or empty.
[[nodiscard]] std::string_view service_for_port(bool tcp, std::uint16_t port) noexcept;

// True when `port` is a well-known service port (a table entry or below 1024).
[[nodiscard]] bool is_service_port(bool tcp, std::uint16_t port) noexcept;

// For an edge no dissector confirmed (protocol "tcp" or "udp"): the service its
// server port is registered for, else empty. Empty for a confirmed edge, whose
// protocol says what it is.
[[nodiscard]] std::string_view port_service(const Edge& e) noexcept;

// How evidence names traffic judged by its port, never as the protocol: the
// values of the catalog's kind "port.registered" (evidence.cpp), in English
// "tcp port 3389 (registered for rdp)".
[[nodiscard]] nlohmann::json port_values(std::string_view transport, std::uint16_t port, std::string_view service);

}  // namespace mieruka::inventory
