// Names for conversations no dissector claims, by the server's well-known port.
// Lower-case and stable, as the contract's protocol list (../shared/INTERFACES.md).
// A dissector's name always wins over this table.
#pragma once

#include <cstdint>
#include <string_view>

namespace mieruka::sensor {

// The service name for `port` on tcp (`tcp` true) or udp, or empty.
[[nodiscard]] std::string_view service_for_port(bool tcp, std::uint16_t port) noexcept;

// True when `port` is a well-known service port (a table entry or below 1024).
[[nodiscard]] bool is_service_port(bool tcp, std::uint16_t port) noexcept;

}  // namespace mieruka::sensor
