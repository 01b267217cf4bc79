// CIP name tables: ODVA vendor ids, device types (CIP Vol 1 §6-42 device
// profiles), common and object-specific service codes (Vol 1 Appendix A) and
// general status codes (Vol 1 Appendix B). Lookups are pure and allocation-free;
// an unknown code gives an empty view and the caller spells the number.
#pragma once

#include <cstdint>
#include <string_view>

namespace mieruka::dissectors::cip {

// Vendor name for an ODVA vendor id, or "" when the id is not in our table.
[[nodiscard]] std::string_view vendor_name(std::uint16_t vendor_id) noexcept;
// Number of vendor ids in the table (for tests).
[[nodiscard]] std::size_t vendor_count() noexcept;

// Device profile name ("Programmable Logic Controller"), or "".
[[nodiscard]] std::string_view device_type_name(std::uint16_t device_type) noexcept;

// General status name ("Path destination unknown"), or "".
[[nodiscard]] std::string_view general_status_name(std::uint8_t status) noexcept;

// What a service does, for Operations. `class_id` decides object-specific codes
// (0x4B-0x63): 0x4E is Forward_Close on the Connection Manager (class 0x06) but
// Read_Modify_Write_Tag on a Logix tag, Initiate_Partial_Write on a File object.
struct ServiceInfo {
  std::string_view name;  // snake_case, e.g. "get_attributes_all"; never empty
  bool is_write = false;
  bool is_control = false;
};
// `service` without the response bit; `has_class` false when the path names a
// tag (symbolic segment) instead of a class.
[[nodiscard]] ServiceInfo service_info(std::uint8_t service, bool has_class, std::uint32_t class_id) noexcept;

// Well-known class ids.
inline constexpr std::uint32_t kClassIdentity = 0x01;
inline constexpr std::uint32_t kClassMessageRouter = 0x02;
inline constexpr std::uint32_t kClassConnectionManager = 0x06;
inline constexpr std::uint32_t kClassFile = 0x37;
inline constexpr std::uint32_t kClassPccc = 0x67;
inline constexpr std::uint32_t kClassSymbol = 0x6B;

}  // namespace mieruka::dissectors::cip
