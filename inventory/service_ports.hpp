// The services IANA registered well-known ports for. A port names no protocol:
// a SYN to 502 answered by RST is no Modbus, and an edge keeps "tcp"/"udp" and its
// port until a dissector confirms what the flow spoke. These names serve where
// the port itself is the point: which side of a flow without a SYN is the
// server, and findings that judge traffic by the port it used ("tcp port 3389,
// registered for rdp, to a public address") and say so.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mieruka::inventory {

struct Edge;

// The service registered for `port` on tcp (`tcp` true) or udp, or empty.
[[nodiscard]] std::string_view service_for_port(bool tcp, std::uint16_t port) noexcept;

// True when `port` is a well-known service port (a table entry or below 1024).
[[nodiscard]] bool is_service_port(bool tcp, std::uint16_t port) noexcept;

// For an edge no dissector confirmed (protocol "tcp" or "udp"): the service its
// server port is registered for, else empty. Empty for a confirmed edge, whose
// protocol says what it is.
[[nodiscard]] std::string_view port_service(const Edge& e) noexcept;

// How evidence names traffic judged by its port, never as the protocol:
// "tcp port 3389 (registered for rdp)".
[[nodiscard]] std::string port_text(std::string_view transport, std::uint16_t port, std::string_view service);

}  // namespace mieruka::inventory
